/*
** Content-addressed blob store: DIR/blobs/ab/cdef... named by the SHA-256
** of the bytes. A blob is written to a temp file in DIR/blobs/, fsynced,
** renamed into place and the directories fsynced, so a blob either exists
** whole or not at all. Rows reference blobs by hash (view blob_refs); the
** sweep removes files no row references once they are older than a grace
** period, so a fresh upload whose row has not committed yet survives.
*/
#ifndef TRIBUTARY_BLOB_H
#define TRIBUTARY_BLOB_H

#include <stddef.h>
#include <time.h>

#include "crypto.h"
#include "db.h"
#include "err.h"

struct blobstore;
struct blob_writer;

/* Opens (creating if absent) the store at ${dir}. NULL with ${e} set. */
struct blobstore *blob_open(const char *dir, struct err *e);
/* Makes ${bs} the Hub object store (DATA/hub-objects), whose files the
** rows of view hub_blob_refs reference, not those of blob_refs. Can't
** fail. */
void blob_refs_hub(struct blobstore *bs);
/* Frees the handle. NULL does nothing. Can't fail. */
void blob_close(struct blobstore *bs);

/* Starts a streamed blob. NULL with ${e} set (ERR_STORAGE, or
** ERR_INTERNAL if out of memory). */
struct blob_writer *blob_writer_new(struct blobstore *bs, struct err *e);
/* Appends ${n} bytes. 0, or -1 with ${e} (ERR_STORAGE on a full disk). */
int blob_writer_write(
    struct blob_writer *bw, const void *p, size_t n, struct err *e);
/*
** Makes the blob durable under its hash (written to ${hex}, 65 bytes) and
** frees ${bw}. If the same content already exists the temp file is dropped.
** Returns 0, or -1 with ${e}; ${bw} is freed and its temp file removed
** either way.
*/
int blob_writer_commit(
    struct blob_writer *bw, char hex[SHA256_HEX_LEN + 1], struct err *e);
/* Removes the temp file and frees ${bw}. NULL does nothing. Can't fail. */
void blob_writer_abort(struct blob_writer *bw);
/* blob_writer_new + write + commit of one buffer: the blob's hash in
** ${hex}; 0, or -1 with ${e} set (ERR_STORAGE, "the disk is full: ..."
** when there is no room). */
int blob_put(struct blobstore *bs, const void *p, size_t n,
    char hex[SHA256_HEX_LEN + 1], struct err *e);
/*
** As blob_put, without any fsync: the file is in place under its hash but
** not yet durable. It becomes durable with the next syncfs() of the
** store's file system (blob_sync_fd()); the writer does that once before
** committing a batch whose jobs were submitted with sync_blobs set, so
** one flush covers every upload of the batch instead of three fsyncs
** each. A row must never commit a reference to such a blob without it.
** Returns 0, or -1 with ${e} set, as blob_put().
*/
int blob_put_unsynced(struct blobstore *bs, const void *p, size_t n,
    char hex[SHA256_HEX_LEN + 1], struct err *e);
/* A descriptor on the store's folder, for syncfs(). Owned by ${bs}.
** Can't fail. */
int blob_sync_fd(struct blobstore *bs);
/* Writes the path of blob ${hex} into ${out}. Returns 0, -1 if ${hex} is not
** 64 lowercase hex digits or ${out} is too small. */
int blob_path(struct blobstore *bs, const char *hex, char *out, size_t n);

/*
** Deletes blob ${hex} now if no row references it any more (an erasure,
** not waiting for the sweep). 1 deleted (or already gone), 0 still
** referenced and kept, -1 with ${e}.
*/
int
blob_erase(struct blobstore *bs, struct db *db, const char *hex, struct err *e);

struct blob_sweep_stats {
	size_t kept, removed, young;
};

/*
** Deletes every blob file (and stale temp file) whose hash is not in
** blob_refs and whose mtime is older than ${now} - ${grace} seconds. Run on
** the writer thread (it reads through the writer's connection). Returns 0,
** or -1 with ${e}; files already removed stay removed.
*/
int blob_sweep(struct blobstore *bs, struct db *db, time_t now, long grace,
    struct blob_sweep_stats *st, struct err *e);

#endif
