/*
** Publishing a release to a Hugging Face Hub (or a node's own Hub write
** API): `tributary publish`. Only an approved release that is not retired
** goes out, after its folder is checked against its signed manifest. The
** requests are those huggingface_hub sends without Xet: create the repo
** (409 is fine) -> preupload (which files are LFS) -> LFS batch (which
** objects the Hub lacks; basic or multipart) -> PUT each from disk
** (streamed, never whole in memory) -> verify -> one NDJSON commit of
** README.md, the manifest and its signature (regular) and the Parquet
** files (LFS), deleting data files no longer in the release -> a tag
** named after the version. When a version published there before has been
** retired since (it held withdrawn items): the branch is super-squashed,
** the retired tags deleted and the LFS objects only they used purged, so
** withdrawn rows leave the Hub. Run again after an interruption, it
** uploads only what the Hub does not have and ends in the same state.
*/
#ifndef TRIBUTARY_PUBLISH_H
#define TRIBUTARY_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "node.h"

#define PUBLISH_ENDPOINT "https://huggingface.co"

struct publish_opts {
	const char *version;  /* the release */
	const char *repo;     /* "ns/name" */
	const char *endpoint; /* NULL: PUBLISH_ENDPOINT */
	const char *token;    /* a Bearer token */
	int private_;         /* create the repo private */
	int quiet;            /* no progress on stderr */
	long max_rate;        /* bytes a second sent at most; 0: no limit */
	int64_t actor;        /* who, for the audit log (0: the operator) */
};

struct publish_result {
	char commit[65];     /* the commit the branch is at afterwards */
	size_t files;        /* files in the release */
	size_t uploaded;     /* LFS objects sent */
	size_t present;      /* LFS objects the Hub had already */
	int committed;       /* 0: the branch held this release already */
	int squashed;        /* the history was squashed */
	size_t tags_deleted; /* retired versions' tags */
	size_t purged;       /* LFS objects deleted */
};

/*
** Publishes release ${o}->version of node ${n} (read through ${db}) as
** above; progress per file on stderr unless ${o}->quiet. Retries a
** request refused with 429 or 5xx, or cut off, with backoff. 0 with
** ${out} filled, or -1 with ${e} set: ERR_INVALID (repo, endpoint, no
** token), ERR_NOT_FOUND (no such release or folder), ERR_CONFLICT (not
** approved, retired, or its folder does not match its manifest),
** ERR_FORBIDDEN (the Hub refused the token: 401/403, said plainly),
** ERR_STORAGE (a file could not be read), ERR_INTERNAL (the Hub answered
** something else; the message quotes it).
*/
int publish_release(struct node *n, struct db *db, const struct publish_opts *o,
    struct publish_result *out, struct err *e);

#endif
