/*
** The federation client: `tributary peer add` reads a peer's well-known
** document, and `tributary federate pull` pulls every peer's signed
** revocation list and latest approved releases through the Hub read API
** the peer serves (domain/federation.h says what is kept of them).
**
** A pull, per peer, in this order, each step checked before the next:
**   1. GET /.well-known/tributary.json: the key it presents must be the
**      key pinned for the peer, or one its key rotation statements hand
**      over to, through an unbroken chain from the pinned key
**      (keyrot_chain()); then the peer is pinned to the new key at once
**      (one writer job, audited, its earlier keys kept) and a line says so
**      on stderr;
**   2. GET its revocation list: signed by the pinned key, head matching;
**   3. per dataset: the commit `main` names (repo info); if that release
**      was pulled before, nothing more is fetched; else manifest.json and
**      manifest.sig at that commit, the signature checked with the pinned
**      key or a key pinned for the peer before (a release made before a
**      rotation), which must be the key the manifest names, then every file the manifest lists that is not already held,
**      into DIR/federation/partial/SHA.part (resumed with Range after a
**      cut, by this run or the next), its size and SHA-256 checked, then
**      fsynced and renamed into DIR/federation/objects/ab/cdef…;
**   4. only once all of it is held and verified: one writer job records
**      the list, the releases and their files (domain/federation.c).
** Any failure stops that peer (nothing of it is recorded this run but a
** key rotation it proved, the peer list shows why) and the next peer is
** pulled.
*/
#ifndef TRIBUTARY_FEDERATE_H
#define TRIBUTARY_FEDERATE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "federation.h"
#include "node.h"

/* Limits a pull keeps to; each a `federate pull` option. */
#define FED_DEFAULT_MAX_FILE  ((uint64_t)4 << 30) /* --max-file-bytes */
#define FED_DEFAULT_MAX_FILES 10000               /* --max-files */
#define FED_DEFAULT_PEER_TIME 3600                /* --peer-timeout, s */
#define FED_CONNECT_TIMEOUT   10                  /* s to connect */

struct federate_opts {
	const char *peer;  /* only this peer; NULL: all */
	uint64_t max_file; /* bytes of one file */
	size_t max_files;  /* files of one release */
	long peer_time;    /* seconds one peer may take in all */
	long max_rate;     /* bytes/s received at most; 0: no limit */
	int quiet;         /* no line per peer on stderr */
	/* Once *stop is non-zero (serve is stopping), the transfer under way
	** is cut within a second, the peers left are not pulled, and the peer
	** being pulled is not marked failed: its partial files resume at the
	** next pull. NULL: never. */
	const atomic_int *stop;
};

/* What a pull did, over all peers. */
struct federate_result {
	size_t peers, failed; /* peers tried, and of them failed */
	size_t releases;      /* releases recorded new */
	size_t fetched, held; /* files downloaded, files already held */
	size_t resumed;       /* of those downloaded, resumed with Range */
	uint64_t bytes;       /* bytes of file bodies received */
	size_t revoked;       /* ids new on the peers' lists */
};

/*
** Pulls every peer of node ${n} (or only ${o}->peer), reading through
** ${db}, as above; one line per peer on stderr unless ${o}->quiet.
** Returns 0 with ${out} filled, even when peers failed (out->failed says
** how many; their errors are on the peer list); -1 with ${e} set when no
** pull could start: ERR_NOT_FOUND (no such peer), ERR_STORAGE.
*/
int federate_pull(struct node *n, struct db *db, const struct federate_opts *o,
    struct federate_result *out, struct err *e);

/*
** Reads the well-known document of the node at ${url} (with ${token} as
** a Bearer token if not NULL), within ${timeout} seconds, into ${doc}
** (free with fed_wellknown_free). 0, or -1 with ${e}: ERR_INVALID (the
** URL, or not a well-known document), ERR_BUSY (no answer: down, slow).
*/
int federate_identity(const char *url, const char *token, long timeout,
    struct fed_wellknown_doc *doc, struct err *e);

#endif
