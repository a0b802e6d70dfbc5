/*
** Key rotation (DESIGN.md flow 10): a node is its Ed25519 key, and may
** replace it (`tributary key rotate`) without its peers having to pin the
** new one by hand. A rotation is a statement, the exact bytes of
**
**   {"new_key":HEX,"node":"tributary","old_key":HEX,"rotated_at":UNIX}
**
** (compact, keys sorted), signed (Ed25519, detached) by the old key, which
** hands over, and by the new key, which proves it is held. A node keeps
** its statements (table key_rotations) and presents them, oldest first,
** in its well-known document; a peer pinned to any key of that chain
** follows it, statement by statement, to the key presented, and keeps
** every key it accepted (table peer_keys), so a release signed before the
** rotation still verifies.
**
** keyrot_parse() and keyrot_chain() read what a peer sends (outside
** input): bounded, never past n, fuzzed (tests/fuzz/fuzz_federation.c).
*/
#ifndef TRIBUTARY_KEYROT_H
#define TRIBUTARY_KEYROT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* The most statements a well-known document may carry; `key rotate`
** refuses a rotation past it, so a node never presents more. */
#define KEYROT_MAX 64
/* The most bytes of one statement (one is about 190). */
#define KEYROT_STATEMENT_MAX 1024
/* The word a statement's "node" holds: what the signature is for. */
#define KEYROT_NODE "tributary"

/* One rotation: the statement's bytes, its signatures, and what it says. */
struct keyrot {
	char *statement; /* the exact bytes signed, NUL-terminated; owned */
	size_t n;        /* their length */
	char old_sig[129], new_sig[129]; /* hex */
	uint8_t old_pk[32], new_pk[32];
	int64_t rotated_at;
};

/*
** Makes the statement that the node with secret key ${old_sk} hands over
** to the key ${new_sk} at ${at}, signed by both, into ${r} (free with
** keyrot_clear). 0, or -1 with ${e} set (ERR_INTERNAL: out of memory).
*/
int keyrot_make(const uint8_t old_sk[64], const uint8_t new_sk[64], int64_t at,
    struct keyrot *r, struct err *e);

/*
** Reads a statement of ${n} bytes at ${p} and its signatures ${old_sig}
** and ${new_sig} (128 hex digits each) into ${r} (the bytes copied; free
** with keyrot_clear): a JSON object whose "node" is "tributary", whose
** "old_key" and "new_key" are 64 hex digits and differ, and whose
** "rotated_at" is an integer >= 0. The signatures are not checked here
** (keyrot_chain() does). 0, or -1 with ${e} set: ERR_INVALID saying what
** is wrong, ERR_TOO_LARGE (over KEYROT_STATEMENT_MAX bytes); ${r} is then
** empty.
*/
int keyrot_parse(const void *p, size_t n, const char *old_sig,
    const char *new_sig, struct keyrot *r, struct err *e);

/* Frees what ${r} holds. Safe on a zeroed struct. Can't fail. */
void keyrot_clear(struct keyrot *r);
/* keyrot_clear() on each of the ${n} rotations of ${a}, then free(${a}).
** NULL does nothing. */
void keyrot_free(struct keyrot *a, size_t n);

/*
** Checks that the rotations ${r}[0..${n}) carry a peer pinned to
** ${pinned} to the key ${presented}: from the first statement whose old
** key is ${pinned}, each statement is signed by its old key and by its
** new key, its old key is the previous statement's new key, its time is
** not before the previous one's, no key comes back, and the last
** statement's new key is ${presented}. 0 with ${from} set to the index of
** that first statement (the ones from there on are the handovers to
** accept), or -1 with ${e} set: ERR_FORBIDDEN, saying why in words a
** maintainer reads (statements counted from 1). Can't fail otherwise.
*/
int keyrot_chain(const struct keyrot *r, size_t n, const uint8_t pinned[32],
    const uint8_t presented[32], size_t *from, struct err *e);

/*
** This node's rotations, oldest first, into ${out} (malloc'd, ${n} of
** them; free with keyrot_free). 0, or -1 with ${e}: ERR_STORAGE.
*/
int keyrot_own(struct db *db, struct keyrot **out, size_t *n, struct err *e);

/*
** This node's rotations as its well-known document lists them, oldest
** first: [{"statement" (the exact bytes, as a string),"old_signature",
** "new_signature"}]. A new reference, or NULL with ${e} (ERR_STORAGE).
*/
json_t *keyrot_list(struct db *db, struct err *e);

/*
** Writer job: records rotation ${arg} (a struct keyrot, already signed)
** of this node, and audits it ("node.key_rotate"). ERR_CONFLICT (the new
** key was this node's before, or the statement is dated before the last
** one), ERR_STORAGE.
*/
int keyrot_record_job(struct db *db, void *arg, struct err *e);

/* Writer job: peer ${peer_id} handed its key over through the rotations
** ${r}[0..${n}) (checked by keyrot_chain(), the first one's old key the
** key pinned now). */
struct keyrot_accept {
	int64_t peer_id;
	const struct keyrot *r;
	size_t n;
};
/*
** Makes the last new key of ${arg} (a struct keyrot_accept) the peer's
** pinned key, keeps each key it passed through with the statement that
** carried it (peer_keys), and audits each ("federation.peer_key_rotated"),
** in the one transaction. ERR_CONFLICT (the peer's pinned key is no
** longer the first statement's old key, or a key comes back),
** ERR_NOT_FOUND (no such peer), ERR_STORAGE.
*/
int keyrot_accept_job(struct db *db, void *arg, struct err *e);

/*
** Every key peer ${peer_id} was pinned to, oldest first (the current one
** last), into ${out} (malloc'd, ${n} of them, 32 bytes each). 0, or -1
** with ${e}: ERR_STORAGE.
*/
int keyrot_peer_keys(struct db *db, int64_t peer_id, uint8_t (**out)[32],
    size_t *n, struct err *e);

#endif
