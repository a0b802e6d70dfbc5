/*
** Datasets pushed to the node with the Hub's own write protocol
** (/work/shared/reference/hub-protocol.md, "Write API"): the push tokens
** a maintainer issues, the repos they create in the node's namespace,
** and the commits, branches and tags of those repos. The HTTP handlers
** (server/http/api_hubwrite.c) and the CLI (`tributary token`) call the
** same functions; the read API serves what is pushed through hubrepo.h.
**
** The two bodies a client sends that we parse ourselves, the NDJSON
** commit and the LFS batch request, are pure functions here
** (hubcommit_parse(), hublfs_parse()): they never read past their length
** and are fuzzed by tests/fuzz/fuzz_hubcommit.c and fuzz_hublfs.c.
**
** A commit holds its whole file list (schema/013_hub_write.sql), so any
** revision is read in one query; contents are blobs named by SHA-256 in
** the node's hub object store (DATA/hub-objects), apart from the blobs of
** contributions, so nothing pushed can name a contributor's recording.
*/
#ifndef TRIBUTARY_HUBPUSH_H
#define TRIBUTARY_HUBPUSH_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "err.h"

#define HUBTOKEN_LEN    43   /* "hf_" and 40 hex digits */
#define HUBTOKEN_NAME   64   /* bytes of a token's name */
#define HUBREPO_ID_MAX  200  /* "ns/name" */
#define HUBREF_MAX      128  /* bytes of a branch or tag name */
#define HUBLFS_OBJS_MAX 1000 /* objects one LFS batch may ask about */
#define HUBPUSH_LFS_MIN (10u * 1024 * 1024) /* preupload: LFS from here */

/* ---------------------------------------------------------------------
** Tokens
*/

/* A live token, as hubtoken_check() finds it. */
struct hubtoken {
	int64_t id;
	char name[HUBTOKEN_NAME + 1];
	char repo[HUBREPO_ID_MAX + 1]; /* "ns/name" it is limited to; "" any */
};

/*
** Writer job: makes token ${name} (1..HUBTOKEN_NAME of [A-Za-z0-9._-]),
** limited to repo ${repo} ("ns/name", NULL for any), and writes the new
** token to ${token} (shown once: only its SHA-256 is stored). Audited as
** hub.token.added. ERR_INVALID (a bad name or repo), ERR_CONFLICT (the
** name is taken), ERR_STORAGE.
*/
struct hubtoken_add {
	const char *name, *repo;
	char token[HUBTOKEN_LEN + 1]; /* out */
	int64_t id;                   /* out */
};
int hubtoken_add_job(struct db *db, void *arg, struct err *e);
/* Writer job: revokes the live token named ${arg} (a const char *).
** Audited as hub.token.revoked. ERR_NOT_FOUND, ERR_STORAGE. */
int hubtoken_revoke_job(struct db *db, void *arg, struct err *e);
/* Every token: a new JSON array of {id, name, repo (null: any),
** created_at, revoked_at (null: live)}, oldest first; NULL with ${e}. */
json_t *hubtoken_list(struct db *db, struct err *e);
/*
** Is ${token} (as sent after "Bearer ") a live token? 1 with ${out}
** filled, 0 if not (unknown, revoked, malformed), -1 with ${e} set.
*/
int hubtoken_check(
    struct db *db, const char *token, struct hubtoken *out, struct err *e);

/* ---------------------------------------------------------------------
** Names, signatures, small answers
*/

/* Is ${name} a repo name we take: 1..96 of [A-Za-z0-9._-], not starting
** with '.' or '-', not ending in ".git"? 1 or 0. Can't fail. */
int hubpush_name_ok(const char *name);
/* Is ${ref} a branch or tag name we take (1..HUBREF_MAX of
** [A-Za-z0-9._/-], no "..", no leading '/' or '-', not 40 hex)? 1 or 0. */
int hubpush_ref_ok(const char *ref);

/*
** The credential of an LFS upload or verify URL: HMAC-SHA256, under a key
** derived from the node's signing key ${sk}, of ${what} ("upload" or
** "verify"), repo id ${repo}, ${oid}, ${size} and the expiry ${expires}
** (Unix seconds), in hex to ${hex}. Can't fail.
*/
void hubpush_sign(const uint8_t sk[64], const char *what, const char *repo,
    const char *oid, uint64_t size, long long expires, char hex[65]);
/* Does ${sig} sign those at time ${now} (not yet expired)? 1 or 0, in
** constant time over the signature. Can't fail. */
int hubpush_sign_ok(const uint8_t sk[64], const char *what, const char *repo,
    const char *oid, uint64_t size, long long expires, const char *sig,
    long long now);

/*
** The preupload answer for the JSON body of ${n} bytes at ${p}
** ({"files":[{"path","size","sample"?}],...}) appended to ${out}:
** {"files":[{"path","uploadMode","shouldIgnore":false}],"commitOid"}
** with uploadMode "lfs" for Parquet, files of HUBPUSH_LFS_MIN and up and
** files whose sample holds a NUL byte, "regular" otherwise (always for
** an empty file); "commitOid" is ${head} or null. 0, or -1 with ${e}:
** ERR_INVALID naming what is wrong, ERR_INTERNAL. Outside input.
*/
int hubpush_preupload(
    const char *p, size_t n, const char *head, struct buf *out, struct err *e);

/* ---------------------------------------------------------------------
** The LFS batch request (outside input)
*/

struct hublfs_obj {
	char oid[65]; /* lowercase hex SHA-256 */
	uint64_t size;
};

struct hublfs_batch {
	int upload; /* "upload"; else "download" */
	int basic;  /* the client offers the "basic" transfer (or none) */
	char ref[HUBREF_MAX + 1]; /* ref.name, "" if none */
	struct hublfs_obj *objs;
	size_t n;
};

/*
** Parses a batch request of ${n} bytes at ${p}: {"operation":
** "upload"|"download", "transfers":[S...]?, "hash_algo":"sha256"|
** "sha_256"?, "ref":{"name"}?, "objects":[{"oid","size"}...]} with at
** most HUBLFS_OBJS_MAX objects, each oid 64 hex digits (any case, kept
** lowercase) and size 0..${max_size}. 0 with ${b} filled (free with
** hublfs_free()), or -1 with ${e}: ERR_INVALID naming what is wrong,
** ERR_TOO_LARGE an object over ${max_size}, ERR_INTERNAL. Never reads
** past ${n}.
*/
int hublfs_parse(const char *p, size_t n, uint64_t max_size,
    struct hublfs_batch *b, struct err *e);
/* Frees what hublfs_parse() filled. Safe on a zeroed struct. */
void hublfs_free(struct hublfs_batch *b);

/* ---------------------------------------------------------------------
** The NDJSON commit (outside input)
*/

enum hubop_kind {
	HUBOP_FILE,          /* {"key":"file"}: content inline, base64 */
	HUBOP_LFS,           /* {"key":"lfsFile"}: an uploaded object */
	HUBOP_DELETE_FILE,   /* {"key":"deletedFile"} */
	HUBOP_DELETE_FOLDER, /* {"key":"deletedFolder"} */
};

struct hubop {
	enum hubop_kind kind;
	char *path;             /* clean (hub_path_clean()) */
	unsigned char *content; /* HUBOP_FILE: the decoded bytes */
	size_t n;
	char sha256[65]; /* HUBOP_LFS: as sent; after hubop_store(): any */
	uint64_t size;   /* HUBOP_LFS: as sent (has_size), then stored */
	int has_size;
	char oid[41]; /* after hubop_store(): git blob id (of the pointer) */
};

struct hubcommit {
	char *summary, *description;
	char parent[41]; /* "" when none was given */
	struct hubop *ops;
	size_t nops;
};

/*
** Parses a commit body of ${n} bytes at ${p}: lines of JSON, the first
** {"key":"header","value":{"summary","description"?,"parentCommit"?}},
** then at most ${max_ops} of {"key":"file","value":{"content","path",
** "encoding":"base64"}}, {"key":"lfsFile","value":{"path","algo":
** "sha256","oid","size"?}}, {"key":"deletedFile","value":{"path"}},
** {"key":"deletedFolder","value":{"path"}}; blank lines are skipped, the
** last line needs no newline. A path is named by one operation at most.
** 0 with ${c} filled (free with hubcommit_free()), or -1 with ${e}:
** ERR_INVALID naming the line and what is wrong, ERR_TOO_LARGE over
** ${max_ops} operations, ERR_INTERNAL. Never reads past ${n}.
*/
int hubcommit_parse(const char *p, size_t n, size_t max_ops,
    struct hubcommit *c, struct err *e);
/* Frees what hubcommit_parse() filled. Safe on a zeroed struct. */
void hubcommit_free(struct hubcommit *c);

/*
** Makes the files of ${c} ready to commit against the object store
** ${bs}: an inline file is stored (durably) and gets its SHA-256, size
** and git blob id; an LFS file must name an object the store holds whose
** size is the one given (its SHA-256 is its name), and gets the blob id
** of its LFS pointer. 0, or -1 with ${e}: ERR_INVALID (an object missing
** or of another size: the whole commit is refused; ${why_path} names the
** file), ERR_STORAGE.
*/
int hubcommit_store(struct blobstore *bs, struct hubcommit *c,
    const char **why_path, struct err *e);

/* ---------------------------------------------------------------------
** Writer jobs on repos
*/

/* Why a repo job refused, beyond its err code: what the HTTP layer
** answers (the Hub's X-Error-Code). */
enum hubpush_miss {
	HUBPUSH_OK = 0,
	HUBPUSH_NO_REPO,     /* RepoNotFound */
	HUBPUSH_NO_REVISION, /* RevisionNotFound */
	HUBPUSH_NO_ENTRY,    /* EntryNotFound */
	HUBPUSH_STALE,       /* parentCommit is not the head: 412 */
	HUBPUSH_EXISTS,      /* the repo or tag exists: 409 */
};

/*
** Writer job: creates repo ${name} with an empty first commit on branch
** main, by token ${token_id}. Audited as hub.repo.created. ERR_INVALID
** (a bad name), ERR_CONFLICT with miss HUBPUSH_EXISTS (a pushed repo or
** a release of that name), ERR_STORAGE.
*/
struct hubpush_create {
	const char *name;
	int64_t token_id;
	enum hubpush_miss miss; /* out */
};
int hubpush_create_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: commits ${c} (after hubcommit_store()) to branch ${branch}
** of repo ${name}: the new commit holds the head's files with the
** operations applied in order, and becomes the branch's head (a new
** branch only as "main" of a repo without one). Its id goes to ${oid}.
** Audited as hub.commit. Refusals set ${miss}: ERR_NOT_FOUND
** (HUBPUSH_NO_REPO, HUBPUSH_NO_REVISION, HUBPUSH_NO_ENTRY a deleted path
** the head does not hold), ERR_CONFLICT (HUBPUSH_STALE: ${c}'s parent is
** not the head), ERR_INVALID (a file inside a path that is a file, or
** over ${max_files} files), ERR_STORAGE.
*/
struct hubpush_commit {
	const char *name, *branch;
	const struct hubcommit *c;
	int64_t token_id;
	size_t max_files;
	char oid[41];           /* out */
	enum hubpush_miss miss; /* out */
};
int hubpush_commit_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: squashes branch ${branch} of repo ${name} into one commit
** with the head's files and no parent (summary ${message}, or "Super-
** squash"), then deletes every commit no branch or tag points at.
** Audited as hub.super_squash. ERR_NOT_FOUND (HUBPUSH_NO_REPO,
** HUBPUSH_NO_REVISION: not a branch), ERR_STORAGE.
*/
struct hubpush_squash {
	const char *name, *branch, *message;
	int64_t token_id;
	char oid[41];           /* out */
	enum hubpush_miss miss; /* out */
};
int hubpush_squash_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: with ${add}, tags revision ${rev} (a branch, a tag or a
** commit id) of repo ${name} as ${tag}; else deletes tag ${tag}. Audited
** as hub.tag.added / hub.tag.deleted. ERR_INVALID (a bad tag name),
** ERR_NOT_FOUND (HUBPUSH_NO_REPO, HUBPUSH_NO_REVISION), ERR_CONFLICT
** (HUBPUSH_EXISTS), ERR_STORAGE.
*/
struct hubpush_tag {
	const char *name, *rev, *tag, *message;
	int add;
	int64_t token_id;
	enum hubpush_miss miss; /* out */
};
int hubpush_tag_job(struct db *db, void *arg, struct err *e);

/*
** The LFS objects pushed to repo ${name} and not deleted, whether a
** commit still uses them or not: a new array of {"fileOid",
** "oid" (both the SHA-256),"filename" (a path it has),"size","pushedAt"
** (ISO 8601)}, by oid; NULL with ${e} set (ERR_NOT_FOUND with *${miss}
** HUBPUSH_NO_REPO).
*/
json_t *hubpush_lfs_files(
    struct db *db, const char *name, enum hubpush_miss *miss, struct err *e);

/*
** Writer job: forgets the LFS objects ${oids} (SHA-256 hex strings, at
** most HUBLFS_OBJS_MAX) of repo ${name} that no commit of any repo uses
** any more (after a super-squash and the tags deleted): their hashes go
** into ${gone} (a new array, for the caller to delete the files after
** the commit). An object a commit still uses is kept and named in
** ${kept}. Audited as hub.lfs.deleted. ERR_NOT_FOUND (HUBPUSH_NO_REPO),
** ERR_STORAGE.
*/
struct hubpush_lfs_delete {
	const char *name;
	json_t *oids; /* borrowed */
	int64_t token_id;
	json_t *gone, *kept;    /* out */
	enum hubpush_miss miss; /* out */
};
int hubpush_lfs_delete_job(struct db *db, void *arg, struct err *e);

/*
** The head commit of branch ${branch} of repo ${name} into ${oid}: 1, 0
** if the repo (*${repo_found} 0) or the branch does not exist, or -1
** with ${e} set.
*/
int hubpush_head(struct db *db, const char *name, const char *branch,
    char oid[41], int *repo_found, struct err *e);

#endif
