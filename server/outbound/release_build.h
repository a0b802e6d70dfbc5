/*
** The release builder: writes a recorded release (domain/release.h) as the
** folder the Hub's `datasets` library reads, and checks such a folder.
**
**	DATA/releases/X/
**	    data/{config}/{split}-NNNNN-of-NNNNN.parquet
**	    README.md       the dataset card: Hub YAML and the data statement
**	    manifest.json   every file's size and SHA-256, the counts, the
**	                    consent documents, licence, previous version, ids
**	                    revoked since it, the audit chain's head, the key
**	    manifest.sig    Ed25519 over manifest.json's bytes, in hex
**
** The folder is built beside its final place, fsynced and renamed into
** it: a crash leaves no release or a whole one. The same database gives
** the same bytes (no clock, no random, rows in a fixed order).
*/
#ifndef TRIBUTARY_RELEASE_BUILD_H
#define TRIBUTARY_RELEASE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "err.h"
#include "node.h"

/* Shards stop growing past this many bytes of Parquet. */
#define RELEASE_SHARD_MAX ((uint64_t)500 * 1000 * 1000)
/* Rows per row group where audio is present, and elsewhere. */
#define RELEASE_AUDIO_GROUP 100
#define RELEASE_TEXT_GROUP  10000

/*
** Writes release ${version} of node ${n} (read through ${db}) into
** ${n}->dir/releases/${version}. Returns 0, or -1 with ${e} set:
** ERR_NOT_FOUND (no such release), ERR_CONFLICT (retired, or the folder
** exists), ERR_STORAGE (a write failed: nothing is left in place),
** ERR_INTERNAL.
*/
int release_build(
    struct node *n, struct db *db, const char *version, struct err *e);

/* What release_verify() found. */
struct release_check {
	int signature_ok; /* manifest.sig verifies with the key used */
	int key_given;    /* the key was given, not taken from the manifest */
	size_t files;     /* files the manifest lists */
	size_t bad;       /* of those, missing or different */
	size_t extra;     /* files in the folder the manifest does not list */
	char first_bad[256]; /* the first bad or extra file, "" if none */
};

/*
** Checks the release folder ${dir}: every file the manifest lists has its
** size and SHA-256, nothing else is there, and manifest.sig is a valid
** Ed25519 signature of manifest.json by ${pk} (32 bytes; NULL: the key the
** manifest names). Reads only the folder. Returns 0 with ${out} filled
** (valid or not), or -1 with ${e} set if the manifest cannot be read.
*/
int release_verify(const char *dir, const uint8_t *pk,
    struct release_check *out, struct err *e);

/* SHA-256 (hex) and size of the file ${path}. 0, or -1 with ${e}
** (ERR_STORAGE). */
int release_file_sha256(const char *path, uint64_t *bytes,
    char sha[SHA256_HEX_LEN + 1], struct err *e);
/* Writes the ${n} bytes at ${p} to the new file ${dir}/${rel}, synced.
** 0, or -1 with ${e} (ERR_STORAGE, naming ${rel}). */
int release_write_file(
    const char *dir, const char *rel, const void *p, size_t n, struct err *e);
/* Removes the folder ${path} and everything under it (or the file). Can't
** fail (what cannot be removed stays). */
void release_tree_remove(const char *path);
/* fsyncs the folder ${path}: 0, or -1 with errno. */
int release_dir_sync(const char *path);

#endif
