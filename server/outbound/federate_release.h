/*
** The federated release builder: `tributary federate release` writes one
** dataset from the latest release of every community this node
** federates with (domain/fedrelease.h decides which and what is left
** out), in the folder shape of a local release (release_build.h):
**
**	DATA/releases/X/
**	    data/{community}-{config}/{split}-NNNNN-of-NNNNN.parquet
**	    README.md       the card: every community credited by name, with
**	                    its consent documents and pay section as its
**	                    node published them, and what was left out
**	    manifest.json   every file, the sources (node key, version,
**	                    manifest SHA-256 of each), the counts
**	    manifest.sig    this node's Ed25519 signature of manifest.json
**
** Each source shard is read (outbound/parquet_read.h) a row group at a
** time and written again with the columns of every source of its kind
** (a column a source lacks is null) plus `community`, leaving out every
** revoked row; so the configs of one kind share one schema, and the
** `default` config (all communities; one per kind when both are present,
** as text and audio have different columns) loads as one table. The
** folder is built beside its place; the release is recorded (a draft,
** approved like any release) before the folder is renamed in, so a
** crash leaves no folder, or a draft whose folder is missing that
** approval refuses.
*/
#ifndef TRIBUTARY_FEDERATE_RELEASE_H
#define TRIBUTARY_FEDERATE_RELEASE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "licences.h"
#include "node.h"
#include "release.h"

struct fedrel_spec {
	const char *version; /* [A-Za-z0-9._-], 1..64 */
	const char *dataset; /* the combined dataset's name */
	const char *licence; /* a licence of ${lt} */
	const char *const *permits;
	size_t npermits;
	const struct licence_table *lt;
	const char *self_name; /* how this node's community is credited */
};

struct fedrel_result {
	json_t *report; /* {"rows","configs","sources":[...]}, a new ref */
	uint64_t rows;
	int retired; /* a revocation arrived while it was built */
};

/*
** Builds and records federated release ${s}->version of node ${n}
** (reading through ${db}) into ${n}->dir/releases/VERSION, as above.
** 0 with ${out} filled (json_decref its report), or -1 with ${e} set:
** ERR_INVALID (the spec; a source's files are not a release's),
** ERR_NOT_FOUND (no source can go in: none pulled, or every one's
** licence is incompatible), ERR_CONFLICT (the version or folder exists),
** ERR_STORAGE (nothing is left in place), ERR_INTERNAL.
*/
int federate_release(struct node *n, struct db *db, const struct fedrel_spec *s,
    struct fedrel_result *out, struct err *e);

/* What the builder reads of a source's files, outside input (fuzzed,
** tests/fuzz/fuzz_fedrelease.c): */
/* Is ${path} a data shard, "data/CONFIG/SPLIT-....parquet" (CONFIG of
** [a-z0-9_-], SPLIT of [a-z_])? 1 with them in ${config} and ${split},
** else 0. Can't fail. */
int fedrel_shard_of(
    const char *path, char config[RELEASE_CONFIG_MAX], char split[16]);
struct buf;
/* Appends the section of the NUL-terminated card ${card} (NULL: none)
** headed "## ${head}", to the next "## ", with its headings one level
** deeper, to ${o}; nothing if there is no such section. */
void fedrel_card_section(struct buf *o, const char *card, const char *head);

#endif
