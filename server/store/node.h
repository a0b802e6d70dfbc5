/*
** A node on disk: DIR/node.db, DIR/blobs/, DIR/keys/ (Ed25519 signing key
** and the 32-byte pseudonym secret, each 0600; after a key rotation, the
** keys it replaced too), DIR/node.lock. node_init() makes one;
** node_open() checks it and starts its writer.
**
** Every process that opens a node holds a shared lock (flock) on
** DIR/node.lock for as long as it is open, so one that must be alone with
** it (`tributary key rotate`, which replaces the signing key a running
** server holds in memory) can tell, with node_lock_alone().
*/
#ifndef TRIBUTARY_NODE_H
#define TRIBUTARY_NODE_H

#include <limits.h>
#include <stdint.h>

#include "blob.h"
#include "crypto.h"
#include "err.h"
#include "writer.h"

struct consent_shelf;
struct dbcache;
struct redact_set;

#define NODE_CODE_LEN RANDOM_CODE_LEN /* the first admin's login code */

struct node {
	char *dir;
	char dbpath[PATH_MAX];
	struct blobstore *blobs;
	struct writer *writer;
	struct dbcache *cache; /* what reading threads remember (dbcache.h) */
	uint8_t sign_pk[32];
	uint8_t sign_sk[64];
	uint8_t pseudonym_key[32];
	/* The consent documents (consent.h: held per request, swapped when a
	** translation is reviewed); loaded by serve; NULL elsewhere. */
	struct consent_shelf *consents;
	struct redact_set *redact; /* loaded by serve; NULL elsewhere */
	/* Writes a recorded release's folder (outbound's release_build(),
	** set by serve, which links both; NULL elsewhere): how the HTTP
	** layer builds one without including outbound/. */
	int (*release_build)(
	    struct node *n, struct db *db, const char *version, struct err *e);
	/* Checks a release folder against its manifest and signature
	** (outbound's release_verify(), set by serve like release_build):
	** 0 with ${valid} and ${why} (the first bad file, "" if none), or -1
	** with ${e} set when the manifest cannot be read. */
	int (*release_verify)(const char *dir, const uint8_t *pk, int *valid,
	    char *why, size_t whylen, struct err *e);
	/* node_disk_full()'s last statvfs: when (seconds; 0 never), and the
	** bytes it found free. */
	_Atomic long long disk_at;
	_Atomic unsigned long long disk_avail;
	int lockfd; /* DIR/node.lock, held shared while open */
};

/*
** Creates the node in ${dir} (made if absent; refused if it already holds a
** node.db), its keys and database, and the first admin account "admin" with
** a one-time login code written to ${code} (NODE_CODE_LEN + 1 bytes), valid
** for 7 days. Returns 0 or -1 with ${e}.
*/
int node_init(const char *dir, char code[NODE_CODE_LEN + 1], struct err *e);
/*
** Opens the node in ${dir}: refuses key files readable by group or others,
** migrates the database, opens the blob store, starts the writer. Opening
** writes nothing when the schema is current, so it works on a full disk;
** a migration that finds no room, or no room for SQLite's node.db-shm,
** fails with a message beginning "the disk is full: ". Returns the node
** (free with node_close) or NULL with ${e}.
*/
struct node *node_open(const char *dir, struct err *e);
/* Below this many bytes free, node_disk_full() calls the disk full: a
** recording or a batch of commits would not fit. */
#define NODE_DISK_LOW (1024 * 1024)
/*
** Is the disk that holds the node full? 1 if less than NODE_DISK_LOW bytes
** are free in its folder (statvfs: room found is remembered for the second,
** as a health probe polled often should not cost a path walk each time; a
** full disk is looked at again every call), or if the writer's
** last write failed for lack of space and none has been saved since; then a
** plain sentence saying so, starting "the disk is full: ", is written to
** ${why} (${len} bytes). 0 otherwise. Cheap; any thread; can't fail.
*/
int node_disk_full(struct node *n, char *why, size_t len);
/* Stops the writer (running every queued job), wipes keys, frees. NULL
** does nothing. Can't fail. */
void node_close(struct node *n);
/* Does ${dir} hold a node (a node.db)? 1 or 0. Can't fail. */
int node_exists(const char *dir);

/*
** Makes ${n}'s lock on DIR/node.lock exclusive, without waiting: then no
** other process has the node open (a server, or another command), and
** none can open it until ${n} is closed. 0, or -1 with ${e} set:
** ERR_BUSY (another process has it open; ${n}'s lock may then be lost,
** so close ${n}), ERR_STORAGE.
*/
int node_lock_alone(struct node *n, struct err *e);

/*
** Replacing the signing key, in steps that a crash at any point leaves
** whole (the caller records the rotation between the first and the last):
**
** node_key_stage() writes secret key ${sk} to DIR/keys/signing.key.new
** (0600, fsynced; refused if it exists) and links the current key file
** to DIR/keys/${keep} as well (kept for good; an existing ${keep} holding
** the same bytes will do), then fsyncs the folder. 0, or -1 with ${e}
** (ERR_CONFLICT: a staged key or another ${keep} exists; ERR_STORAGE).
**
** node_key_staged() reads a staged key into ${sk}: 1, 0 if there is none,
** or -1 with ${e} (ERR_STORAGE, ERR_FORBIDDEN: loose permissions).
**
** node_key_commit() renames the staged key over DIR/keys/signing.key,
** fsyncs the folder and loads it into ${n}. 0, or -1 with ${e}
** (ERR_STORAGE; the old key is still the node's).
**
** node_key_unstage() removes a staged key. Can't fail.
*/
int node_key_stage(
    struct node *n, const uint8_t sk[64], const char *keep, struct err *e);
int node_key_staged(struct node *n, uint8_t sk[64], struct err *e);
int node_key_commit(struct node *n, struct err *e);
void node_key_unstage(struct node *n);

#endif
