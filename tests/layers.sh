#!/usr/bin/env bash
# The layer rule, checked on every #include "…" under server/: a file may
# include headers of its own folder and of the layers below it, never of a
# layer above (server/README.md):
#
#   base < store < domain < http, outbound < cli
#
# http (serving HTTP) and outbound (calling out: Parquet, Hub, peers) are
# side by side and never include each other. The CMake libraries enforce
# the same at build time; this says it in words when it fails.
#
#   tests/layers.sh SERVER_DIR      (a ctest test: `layers`)
set -euo pipefail
dir=${1:?usage: tests/layers.sh SERVER_DIR}
cd "$dir"

rank() {
  case $1 in
  base) echo 0 ;; store) echo 1 ;; domain) echo 2 ;;
  http | outbound) echo 3 ;; cli) echo 4 ;; *) echo -1 ;;
  esac
}

declare -A home # header -> folder
for layer in base store domain http outbound cli; do
  [ -d "$layer" ] || continue
  for h in "$layer"/*.h; do
    [ -e "$h" ] || continue
    name=${h##*/}
    if [ -n "${home[$name]:-}" ]; then
      echo "layers: $name is in both ${home[$name]}/ and $layer/: one name, one place" >&2
      exit 1
    fi
    home[$name]=$layer
  done
done

bad=0
for layer in base store domain http outbound cli; do
  [ -d "$layer" ] || continue
  mine=$(rank "$layer")
  for f in "$layer"/*.c "$layer"/*.h; do
    [ -e "$f" ] || continue
    while IFS= read -r line; do
      n=${line%%:*}
      inc=${line#*\"}
      inc=${inc%%\"*}
      to=${home[$inc]:-}
      if [ -z "$to" ]; then
        continue # not a header of ours (e.g. a generated one)
      fi
      theirs=$(rank "$to")
      if [ "$to" != "$layer" ] && { [ "$theirs" -gt "$mine" ] ||
        { [ "$theirs" -eq "$mine" ] && [ "$to" != "$layer" ]; }; }; then
        echo "layers: server/$f:$n includes \"$inc\" from server/$to/," \
          "which is not below $layer/ (base < store < domain < http, outbound < cli)" >&2
        bad=1
      fi
    done < <(grep -n '^#include "' "$f" || true)
  done
done
[ $bad -eq 0 ] && echo "layers: every include points down"
exit $bad
