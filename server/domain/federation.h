/*
** Federation (DESIGN.md flow 10): what a node says about itself to its
** peers, and what it keeps of them. A node is its Ed25519 key (node.h):
**
**   - the well-known document (GET /.well-known/tributary.json): name,
**     namespace, key, datasets and their latest approved versions, where
**     the revocation list is and its head, the software version;
**   - the signed revocation list (GET /api/v1/federation/revocations):
**     every id of a released row since withdrawn, as the rows carry it,
**     its head and an Ed25519 signature of the exact bytes;
**   - the peers a maintainer added, each pinned to the key given out of
**     band, their last verified revocation lists, and the releases pulled
**     from them (the pulling itself is outbound/federate.c's).
**
** The parsers here read what a peer sends (outside input): each takes
** (p, n), never reads past n, and is fuzzed (tests/fuzz/fuzz_federation.c).
*/
#ifndef TRIBUTARY_FEDERATION_H
#define TRIBUTARY_FEDERATION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"
#include "err.h"
#include "keyrot.h"

#define FED_PATH_WELLKNOWN   "/.well-known/tributary.json"
#define FED_PATH_REVOCATIONS "/api/v1/federation/revocations"
#define FED_NAME_MAX         64          /* a peer's name on this node */
#define FED_URL_MAX          1024        /* a peer's base URL */
#define FED_TOKEN_MAX        512         /* a peer's Bearer token */
#define FED_DOC_MAX          (1u << 20)  /* bytes of a well-known document */
#define FED_LIST_MAX         (64u << 20) /* bytes of a revocation list */
#define FED_FPR_LEN          19          /* "3F2A-91C0-7B4E-D218" */

/*
** The fingerprint of key ${pk} to read aloud: the first 8 bytes of the
** SHA-256 of the 32 key bytes, as 16 uppercase hex digits in four groups
** of four joined by '-', into ${out}. Can't fail.
*/
void fed_fingerprint(const uint8_t pk[32], char out[FED_FPR_LEN + 1]);
/* Parses a public key given as 64 hex digits (spaces around it allowed)
** into ${pk}. 0, or -1 if it is not one. Can't fail otherwise. */
int fed_key_parse(const char *s, uint8_t pk[32]);

/*
** The well-known document of this node (key ${pk}, namespace ${ns}),
** read through ${db}: {"name","namespace","public_key" (hex),
** "fingerprint","datasets":[{"name","version","created_at","licence"}],
** "revocations":{"url","head","count"},"software":{"name","version"},
** "key_rotations":[{"statement","old_signature","new_signature"}]} (the
** rotations oldest first, keyrot_list()).
** "name" is the organization's name in the node settings, else ${ns}.
** A new reference, or NULL with ${e} set (ERR_STORAGE, ERR_INTERNAL).
*/
json_t *fed_wellknown(
    struct db *db, const uint8_t pk[32], const char *ns, struct err *e);

/*
** The revocation list of the node with key pair ${pk}/${sk}, read
** through ${db}: the bytes of {"count","head","node" (key hex),
** "revoked":[{"dataset","id","withdrawn_at"}]} (compact, keys sorted,
** by dataset then id as numbers; "id" the string a released row's id
** column holds) into ${out} (malloc'd, ${n} bytes), and the Ed25519
** signature of exactly those bytes, hex, into ${sig}. "head" is the
** SHA-256 (hex) of the "revoked" array's bytes as they appear in the
** document. Only ever grows: the revocations table is never deleted
** from. 0, or -1 with ${e} set.
*/
int fed_revocations(struct db *db, const uint8_t pk[32], const uint8_t sk[64],
    char **out, size_t *n, char sig[129], struct err *e);
/* The head and count of that list, without signing it: into ${head}
** (65 bytes) and ${count}. 0, or -1 with ${e}. */
int fed_revocations_head(struct db *db, char head[SHA256_HEX_LEN + 1],
    int64_t *count, struct err *e);

/* A peer's well-known document, as read. */
struct fed_wellknown_doc {
	char name[256];
	char ns[65];
	uint8_t pk[32];
	char rev_url[FED_URL_MAX];
	char rev_head[SHA256_HEX_LEN + 1];
	json_t *datasets;   /* [{"name","version"}], checked; owned */
	struct keyrot *rot; /* its key rotations, oldest first; owned */
	size_t nrot;
};
/*
** Parses a well-known document of ${n} bytes at ${p} into ${out}: a JSON
** object with a namespace ([A-Za-z0-9._-], 1-64), a 64-hex public key,
** datasets of names ([A-Za-z0-9._-], 1-96) and versions (1-64 of
** [A-Za-z0-9._+-]), at most 1000, and key rotations (none if absent): at
** most KEYROT_MAX of {"statement" (at most KEYROT_STATEMENT_MAX bytes, as
** keyrot_parse() reads it),"old_signature","new_signature"}, their
** signatures not checked here. 0 (free with fed_wellknown_free), or -1
** with ${e} set: ERR_INVALID naming what is wrong.
*/
int fed_wellknown_parse(
    const void *p, size_t n, struct fed_wellknown_doc *out, struct err *e);
/* Frees what fed_wellknown_parse() filled. Safe on a zeroed struct. */
void fed_wellknown_free(struct fed_wellknown_doc *d);

/*
** Checks a revocation list of ${n} bytes at ${p} with signature ${sig}
** (128 hex digits) against the pinned key ${pk}: the signature, the
** node's key in it, the head, every entry (dataset name, id of 1-64
** printable bytes, time). 0 with ${out} set to the "revoked" array (a new
** reference) and ${head} filled; -1 with ${e} set: ERR_FORBIDDEN (the
** signature does not verify, or another node's list), ERR_INVALID
** (malformed). Outside input: fuzzed.
*/
int fed_revlist_verify(const void *p, size_t n, const char *sig,
    const uint8_t pk[32], json_t **out, char head[SHA256_HEX_LEN + 1],
    struct err *e);

/* fed_revlist_verify() once the signature is known good: the checks of
** the document itself, as there. The fuzzer's way in. */
int fed_revlist_parse(const void *p, size_t n, const uint8_t pk[32],
    json_t **out, char head[SHA256_HEX_LEN + 1], struct err *e);

/* A file a manifest lists. */
struct fed_file {
	char *path; /* relative, checked: no "..", no leading '/' */
	uint64_t bytes;
	char sha256[SHA256_HEX_LEN + 1];
};
/* A release manifest, as read. */
struct fed_manifest {
	char dataset[97];
	char version[65];
	uint8_t pk[32];
	struct fed_file *files;
	size_t nfiles;
};
/*
** Parses a release's manifest.json (${n} bytes at ${p}): its dataset,
** version, public key and files; at most ${max_files} files, each of at
** most ${max_bytes} bytes, with safe relative paths (no "..", ".", empty
** segment, leading '/', backslash or control byte; at most 1024 bytes),
** 64 lowercase hex SHA-256s, no path twice. 0 (free with
** fed_manifest_free), or -1 with ${e}: ERR_INVALID, ERR_TOO_LARGE (over a
** limit). Outside input: fuzzed.
*/
int fed_manifest_parse(const void *p, size_t n, size_t max_files,
    uint64_t max_bytes, struct fed_manifest *out, struct err *e);
/* Frees what fed_manifest_parse() filled. Safe on a zeroed struct. */
void fed_manifest_free(struct fed_manifest *m);
/* Checks manifest.sig's text (${n} bytes: 128 hex digits, a newline
** allowed) as ${pk}'s signature of ${mn} bytes at ${m}. 1 valid, 0 not. */
int fed_sig_check(
    const void *sig, size_t n, const void *m, size_t mn, const uint8_t pk[32]);

/* A peer as stored. */
struct fed_peer {
	int64_t id;
	char name[FED_NAME_MAX + 1];
	char url[FED_URL_MAX + 1];
	uint8_t pk[32];
	char *token; /* malloc'd or NULL; wiped by fed_peer_clear */
};
/* Frees and wipes what ${p} holds. Can't fail. */
void fed_peer_clear(struct fed_peer *p);
/*
** The peers (${name} NULL), or the one called ${name}, into ${out}
** (malloc'd, ${n} of them; free each with fed_peer_clear, then the
** array). 0, or -1 with ${e}: ERR_NOT_FOUND (no peer ${name}),
** ERR_STORAGE.
*/
int fed_peers(struct db *db, const char *name, struct fed_peer **out, size_t *n,
    struct err *e);
/*
** The peer list for people: [{"name","url","fingerprint","added_at",
** "last_pull_at","last_ok_at","last_error","token" (bool),"releases",
** "key_since","key_rotated_at","previous_fingerprints"}] (never the token
** itself): "key_since" is when the current key was pinned or accepted,
** "key_rotated_at" the time of the statement that handed over to it (null
** if it was pinned by hand), "previous_fingerprints" the peer's earlier
** keys, oldest first. A new reference, or NULL with ${e}.
*/
json_t *fed_peer_list(struct db *db, struct err *e);

/* Writer job: adds peer ${name} at ${url} pinned to ${pk} (its first
** key in peer_keys), with ${token} (NULL: none). Audited. ERR_INVALID (name, URL), ERR_CONFLICT (the name
** or URL is a peer already), ERR_STORAGE. */
struct fed_peer_add {
	const char *name, *url, *token;
	uint8_t pk[32];
};
int fed_peer_add_job(struct db *db, void *arg, struct err *e);
/* Writer job: removes peer ${arg} (a name) and what was recorded of it
** (its keys, revocations and pulled releases; the files stay in the
** object store). Audited. ERR_NOT_FOUND, ERR_STORAGE. */
int fed_peer_remove_job(struct db *db, void *arg, struct err *e);

/* Writer job: the pull of peer ${peer_id} failed for ${error}: recorded
** on the peer list and audited. ERR_STORAGE. */
struct fed_pull_failed {
	int64_t peer_id;
	const char *error;
};
int fed_pull_failed_job(struct db *db, void *arg, struct err *e);

/* What one pull of a peer found, once every file is verified and held. */
struct fed_pulled_release {
	const char *dataset, *version, *commit;
	char manifest_sha[SHA256_HEX_LEN + 1];
	const struct fed_file *files; /* manifest.json and .sig included */
	size_t nfiles;
};
struct fed_pull_record {
	int64_t peer_id;
	const char *list, *sig; /* the revocation list and its signature */
	size_t list_n;
	const char *head;
	json_t *revoked; /* its "revoked" array */
	struct fed_pulled_release *rel;
	size_t nrel;
	size_t recorded;    /* out: releases new to this node */
	size_t new_revoked; /* out: ids not known before */
};
/*
** Writer job: records a pull of peer ${peer_id} in one transaction: its
** revocation list (refused with ERR_CONFLICT if it leaves out an id the
** stored one had: a list only grows), each release not yet recorded with
** its files, and the peer's last pull; audited ("federation.pull").
** ERR_CONFLICT, ERR_STORAGE.
*/
int fed_pull_record_job(struct db *db, void *arg, struct err *e);
/* 1 if the release of ${dataset} at the peer's commit ${commit} is
** recorded for peer ${peer_id}, 0 if not, -1 with ${e}. */
int fed_pulled(struct db *db, int64_t peer_id, const char *dataset,
    const char *commit, struct err *e);

#endif
