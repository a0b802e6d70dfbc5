#!/usr/bin/env bash
# The build's webroot (ops/webroot.cmake), built three times from a source
# that changes between: each build names the scripts with their content's
# hash and points the pages at them; the hashed files of the build before
# stay (a page a phone opened before a new build still finds what it loads
# late), those of the build before that go; a file's compressed copies
# stay with it and go with it.
#
#   tests/webroot.sh CMAKE SOURCE_DIR      (a ctest test: `webroot`)
set -euo pipefail
cmake=${1:?usage: tests/webroot.sh CMAKE SOURCE_DIR}
top=${2:?usage: tests/webroot.sh CMAKE SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$top/webroot" "$tmp/src"
out=$tmp/out

build() { "$cmake" -DSRC="$tmp/src" -DOUT="$out" -P "$top/ops/webroot.cmake"; }
fail() { echo "tests/webroot.sh: $*" >&2; exit 1; }
# the hashed name of js/api.js in this build, as the join page names it
api() { grep -o 'js/api\.[0-9a-f]*\.js' "$out/join.html" | head -1; }

build
first=$(api)
[ -n "$first" ] && [ -f "$out/$first" ] || fail "no hashed api.js: '$first'"
echo x >"$out/$first.br" # as tributary webroot compress would
echo x >"$out/js/gone.js.br"

echo 'export const BUILD = 2;' >>"$tmp/src/js/api.js"
build
second=$(api)
[ "$second" != "$first" ] || fail "a changed script keeps its name: $first"
[ -f "$out/$second" ] || fail "no $second"
[ -f "$out/$first" ] || fail "the build before's $first is gone after one build"
[ -f "$out/$first.br" ] || fail "the copy of a kept file is gone: $first.br"
[ ! -e "$out/js/gone.js.br" ] || fail "a copy whose file is not made stays"
grep -q "$second" "$out/sw.js" || fail "sw.js does not list $second"

echo 'export const BUILD = 3;' >>"$tmp/src/js/api.js"
build
third=$(api)
[ -f "$out/$third" ] && [ -f "$out/$second" ] || fail "$third or $second missing"
[ ! -e "$out/$first" ] || fail "$first stays two builds on"
[ ! -e "$out/$first.br" ] || fail "$first.br stays with its file gone"

# nothing changes: nothing goes
build
[ -f "$out/$third" ] && [ -f "$out/$second" ] || fail "an unchanged build dropped $second"
echo "tests/webroot.sh: ok ($first, $second, $third)"
