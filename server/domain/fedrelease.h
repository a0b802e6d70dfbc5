/*
** Federated releases (DESIGN.md flow 10): a release of this node built
** from the latest release of every community it federates with, its
** peers' (pulled and verified, domain/federation.h) and its own, one
** config per community. What it holds is decided here:
**
**   - its sources: this node's latest approved release of each dataset
**     (not retired, not itself federated), and each peer's latest pulled
**     release of each dataset;
**   - licence compatibility: a source's rows may go into a release under
**     licence L permitting uses P only if every scope L needs for a kind
**     is one the source's licence needed too (so each row's consent
**     covers L), every use in P is one the source permitted, and every
**     prompt licence the source's licence allows, L allows; otherwise the
**     whole source is left out, and the card says so and how many rows;
**   - revocations: a row any node revoked (its signed list for peers,
**     this node's own withdrawals) is left out, and a release holding a
**     row revoked later is retired at once (schema 019's triggers);
**   - the record: one writer job writes the release (a draft, approved
**     like any release), its sources and every row it holds, audited.
**
** Writing the files (Parquet, card, manifest) is outbound/'s
** (federate_release.c).
*/
#ifndef TRIBUTARY_FEDRELEASE_H
#define TRIBUTARY_FEDRELEASE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "licences.h"

#define FEDREL_COMMUNITY_MAX 24 /* bytes of a community's config prefix */

/* A release a federated release may be built from. */
struct fedrel_source {
	char community[FEDREL_COMMUNITY_MAX + 1]; /* config prefix */
	char name[256];    /* credited as (peer name; this node's name) */
	int64_t peer_id;   /* 0: this node */
	int64_t peer_rel;  /* peer_releases.id (0 for this node) */
	char node_key[65]; /* hex */
	char dataset[97];
	char version[65];
	char manifest_sha[SHA256_HEX_LEN + 1]; /* peers: as pulled */
};

/*
** The sources of a federated release: this node's latest approved release
** of each dataset (not retired, not federated), named ${self_name} with
** key ${self_pk}, then each peer's latest pulled release of each dataset,
** by peer name then dataset. Each community prefix is the name lowered
** to [a-z0-9-] (at most FEDREL_COMMUNITY_MAX bytes), made unique. Into
** ${out} (malloc'd, ${n}). 0, or -1 with ${e}: ERR_STORAGE.
*/
int
fedrel_sources(struct db *db, const char *self_name, const uint8_t self_pk[32],
    struct fedrel_source **out, size_t *n, struct err *e);

/*
** May rows released under licence ${src} permitting ${src_permits} (a
** JSON array of strings) go into a release under ${dst} permitting the
** ${ndst} uses ${dst_permits}, by table ${lt}? 1 yes; 0 no, with the
** reason in ${why} (${len} bytes). Can't fail.
*/
int fedrel_compatible(const struct licence_table *lt, const char *src,
    const json_t *src_permits, const char *dst, const char *const *dst_permits,
    size_t ndst, char *why, size_t len);

/* The ids a node revoked in one dataset, sorted, for fedrel_revoked(). */
struct fedrel_revoked {
	char **ids;
	size_t n;
};
/* The ids revoked by peer ${peer_id} (0: this node's own withdrawals) in
** ${dataset}, into ${out} (free with fedrel_revoked_free). 0, or -1 with
** ${e}. */
int fedrel_revoked_load(struct db *db, int64_t peer_id, const char *dataset,
    struct fedrel_revoked *out, struct err *e);
/* 1 if ${id} (${n} bytes) is in ${r}. Can't fail. */
int fedrel_revoked(const struct fedrel_revoked *r, const void *id, size_t n);
void fedrel_revoked_free(struct fedrel_revoked *r);

/* What one source gave the release. */
struct fedrel_taken {
	const struct fedrel_source *src;
	const char *licence;
	uint64_t rows, left_licence, left_revoked;
	char **items; /* the ids taken */
	size_t nitems;
};

/*
** Writer job: records federated release ${version} of ${dataset} under
** ${licence} and ${permits} (a JSON array) as a draft: its report, its
** sources and every row it holds; a row revoked since it was read
** retires it at once. Audited ("release.federated"). ERR_CONFLICT (the
** version exists), ERR_STORAGE.
*/
struct fedrel_record {
	const char *version, *dataset, *licence;
	json_t *permits, *report;
	const struct fedrel_taken *taken;
	size_t ntaken;
	int64_t id;  /* out */
	int retired; /* out: a revocation arrived while it was built */
};
int fedrel_record_job(struct db *db, void *arg, struct err *e);

/*
** What `federate status` shows: [{"name","url","fingerprint",
** "last_pull_at","last_ok_at","last_error","releases":[{"dataset",
** "version","pulled_at"}],"revocations","retired":[{"version","dataset",
** "at","why"}]}] per peer, then {"federated":[{"version","dataset",
** "state","retired_at","retired_why","sources"}]}. A new reference, or
** NULL with ${e}.
*/
json_t *fedrel_status(struct db *db, struct err *e);

#endif
