/*
** A node's approved releases, and the datasets pushed to it (hubpush.h),
** seen as Hub dataset repositories, for the
** Hub's own read API (server/http/api_hub.c): repo id NAMESPACE/DATASET,
** a tag per release version, `main` and `HEAD` for the dataset's latest
** approved release that is not retired, and a stable commit id per
** release (the first 20 bytes of the SHA-256 of its manifest.json, in
** hex).
**
** A release's folder never changes once approved, so everything a client
** can ask of it is worked out once, at first use, and kept in a small
** cache: its files (the manifest's, plus manifest.json and manifest.sig)
** with their git object ids, its directories with their git tree ids,
** the repo-info JSON (cardData from the card's YAML) and the JSON of each
** tree entry. Parquet files (and any file of 10 MiB or more) are
** LFS-tracked as on the Hub: their oid is the git blob id of their LFS
** pointer and their ETag their SHA-256, both from the manifest, so no
** data file is ever read to describe it. Which release a revision names
** is asked of the database on every request (a withdrawal may retire a
** release at any moment); what a release holds is not.
**
** A dataset no release names may be a pushed repo: its revisions are its
** branches (HEAD is main), its tags and its commit ids, each commit built
** once from its file rows like a release, the files read from the store
** of pushed objects (DIR/hub-objects).
*/
#ifndef TRIBUTARY_HUBREPO_H
#define TRIBUTARY_HUBREPO_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "buf.h"
#include "db.h"
#include "err.h"

#define HUB_NAMESPACE_MAX 64    /* --namespace: [A-Za-z0-9._-] */
#define HUB_PATH_MAX      1024  /* a repo path's bytes */
#define HUB_FILES_MAX     20000 /* files a served release may hold */
#define HUB_PAGE_MAX      1000  /* tree entries per page, at most */
#define HUB_PATHS_MAX     1000  /* paths one paths-info request may ask */
#define HUB_CACHE_MAX     64    /* releases kept built at once */
#define HUB_LFS_MIN       (10u * 1024 * 1024) /* LFS from this size up */

/* Why a read found nothing: the Hub's X-Error-Code. */
enum hub_miss {
	HUB_FOUND = 0,
	HUB_REPO_NOT_FOUND,     /* RepoNotFound */
	HUB_REVISION_NOT_FOUND, /* RevisionNotFound */
	HUB_ENTRY_NOT_FOUND,    /* EntryNotFound */
};

struct hubcache;
struct hubrepo;

/* One file or directory of a release's repo. */
struct hubentry {
	const char *path; /* "data/ee-audio/train-00000-of-00001.parquet" */
	int dir;          /* a directory */
	uint64_t size;    /* bytes (0 for a directory) */
	char oid[41];     /* git blob id (of the LFS pointer), or tree id */
	char sha256[65];  /* content SHA-256 ("" for a directory) */
	int lfs;          /* LFS-tracked */
	unsigned pointer_size; /* its LFS pointer's bytes */
	/* Its tree entry as JSON, without and with lastCommit. */
	char *json, *json_x;
	size_t json_n, json_xn;
};

/*
** A new, empty cache for the releases of the node in ${dir} served under
** namespace ${ns} (both copied), with the store of pushed objects
** opened. NULL with ${e} set if out of memory or the store cannot be
** opened.
*/
struct hubcache *hubcache_new(const char *dir, const char *ns, struct err *e);
/* Frees ${c} and every release it holds that nobody is using (a repo
** still open keeps its own memory until hubrepo_close()). NULL does
** nothing. Can't fail. */
void hubcache_free(struct hubcache *c);
/*
** Opens the store of pushed files (hubpush.h) of the node in ${dir}:
** DIR/hub-objects, made if absent. NULL with ${e} set. For the CLI and
** tests; the cache opens its own.
*/
struct blobstore *hubcache_open_objects(const char *dir, struct err *e);
/* The store of pushed files the cache serves from. Can't fail. */
struct blobstore *hubcache_objects(const struct hubcache *c);
/* The namespace ${c} serves. Can't fail. */
const char *hubcache_namespace(const struct hubcache *c);

/*
** The release of dataset ${dataset} that revision ${rev} names: "main" or
** "HEAD" (its latest approved release that is not retired), a version (or
** "v" and the version), or a release's commit id. Returns the repo (close
** it with hubrepo_close()), built now if ${c} did not hold it; or NULL
** with *${miss} set and a plain sentence in ${why} (${whylen} bytes):
** HUB_REPO_NOT_FOUND (no approved release of that dataset), or
** HUB_REVISION_NOT_FOUND (no such revision; for a retired release, the
** sentence says why and names the release that replaces it); or NULL with
** *${miss} HUB_FOUND and ${e} set when the database or the release's
** folder cannot be read. Any thread.
*/
struct hubrepo *hubrepo_open(struct hubcache *c, struct db *db,
    const char *dataset, const char *rev, enum hub_miss *miss, char *why,
    size_t whylen, struct err *e);
/* Gives back a repo hubrepo_open() returned. NULL does nothing. */
void hubrepo_close(struct hubrepo *h);

/* The repo's commit id (40 hex), release version, and folder path
** (DIR/releases/VERSION). Can't fail. */
const char *hubrepo_commit(const struct hubrepo *h);
const char *hubrepo_version(const struct hubrepo *h);
const char *hubrepo_dir(const struct hubrepo *h);

/*
** The file on disk that holds entry ${f} of ${h}, into ${out} (${n}
** bytes): DIR/releases/VERSION/PATH for a release, the object store's
** blob for a pushed repo. 0, or -1 if ${out} is too small. Can't fail
** otherwise.
*/
int hubrepo_file_path(
    const struct hubrepo *h, const struct hubentry *f, char *out, size_t n);

/* The file or directory at ${path} (no leading or trailing '/'; "" is
** not one), or NULL. Can't fail. */
const struct hubentry *hubrepo_find(const struct hubrepo *h, const char *path);

/*
** Appends the repo-info JSON to ${out}: _id, id, author, sha, private,
** gated, disabled, downloads, likes, lastModified, createdAt, tags,
** cardData, siblings (with size, blobId and lfs when ${blobs}). 0, or -1
** if out of memory.
*/
int hubrepo_info(const struct hubrepo *h, int blobs, struct buf *out);

/*
** Appends one page of the tree under ${path} ("" for the root) to ${out}
** as a JSON array: its direct children, or with ${recursive} everything
** below it (directories too), in path order, each with lastCommit when
** ${expand}; the ${limit} entries from the ${offset}th. *${next} is the
** offset of the next page, or 0 when this is the last. Returns 0; 1 if
** ${path} is not a directory of the repo (nothing appended); -1 if out of
** memory.
*/
int hubrepo_tree(const struct hubrepo *h, const char *path, int recursive,
    int expand, size_t offset, size_t limit, struct buf *out, size_t *next);

/* What a paths-info request asks: the paths and whether to expand. */
struct hubpaths {
	char **paths; /* point into mem */
	size_t n;
	int expand;
	char *mem;
};

/*
** Parses a paths-info body of ${n} bytes at ${p}: JSON {"paths":[S...],
** "expand":B} when ${form} is 0, else the form paths=A&paths=B&expand=X
** (X true, True or 1 for yes). At most HUB_PATHS_MAX paths of at most
** HUB_PATH_MAX bytes each. 0 with ${out} filled (free it with
** hubpaths_free()), or -1 with ${e} set: ERR_INVALID naming what is
** wrong, ERR_INTERNAL out of memory. Outside input: never reads past
** ${n}; fuzzed by tests/fuzz/fuzz_hubinput.c.
*/
int hubpaths_parse(
    const char *p, size_t n, int form, struct hubpaths *out, struct err *e);
/* Frees what hubpaths_parse() filled. Safe on a zeroed struct. */
void hubpaths_free(struct hubpaths *hp);

/*
** Appends the paths-info answer for ${hp} to ${out}: a JSON array of the
** tree entries of the paths that exist, in the order asked, each once.
** 0, or -1 if out of memory.
*/
int hubrepo_paths_info(
    const struct hubrepo *h, const struct hubpaths *hp, struct buf *out);

/*
** Appends GET /api/datasets's answer to ${out}: a JSON array of the
** node's datasets that have a release served, newest release first, each
** {_id, id, author, sha, lastModified, createdAt, private, gated,
** disabled, downloads, likes, tags}; only those whose author is ${author}
** (NULL: any) and whose name holds ${search} (NULL: any), at most
** ${limit}. 0, or -1 with ${e} set.
*/
int hubcache_list(struct hubcache *c, struct db *db, const char *author,
    const char *search, size_t limit, struct buf *out, struct err *e);

/*
** Normalizes a repo path asked for in a URL or body: drops one leading
** and one trailing '/'. 0 and the path in place; -1 if it is empty, over
** HUB_PATH_MAX bytes, or holds an empty, "." or ".." segment. Can't fail
** otherwise.
*/
int hub_path_clean(char *path);

#endif
