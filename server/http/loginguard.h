/*
** What the node does, by itself, against passphrase and PIN guessing. Two
** things, both kept in memory and both bounded:
**
** Backoff. Failed logins are counted per key: a handle ("h:ann"), a card
** ("c:ABCD-EFGH-JKLM") and a client address ("a:192.0.2.7"), whether or
** not the handle or card exists, so the answers do not tell. Once a key
** has ${after} failures, each further try must wait: 1 s after the
** ${after}th failure, doubling with each failure after it, never more than
** ${max} seconds. A try inside the wait is refused before any hash is run.
** A success clears the key (the login clears its handle or card, never its
** address: one person's success says nothing of the guesses of others
** behind the same address). There is no lock: once the wait is over the
** right secret works, so a stranger who fails on purpose can slow someone
** down by ${max} seconds at most, never shut them out. A key forgotten
** (see below) starts again from nothing.
**
** The counts live in a fixed table of sets of LOGINGUARD_WAYS entries. A
** key goes to the set its keyed hash names (SipHash under a key made at
** random at start, so nobody can aim keys at one set), and is known by
** that 64-bit hash alone. An entry is forgotten once its wait is over and
** it has seen no failure for LOGINGUARD_FORGET seconds (or 15 x ${max}, if
** longer); when a set is full, a new key takes the place of the entry
** whose last failure is oldest. So memory is fixed, and a flood of new
** keys can only make the node forget the oldest.
**
** Hash slots. Argon2 runs on two threads for the whole node (hasher.h); a
** client could keep both busy and starve every other login. Each client
** address may have at most ${limit} hashes queued or running at once
** (loginguard_claim); the caller refuses the rest before queuing them.
** This count is exact: an entry lives while the address has a hash in
** flight and goes when its last one is released.
**
** Every function is safe from any thread (one mutex).
*/
#ifndef TRIBUTARY_LOGINGUARD_H
#define TRIBUTARY_LOGINGUARD_H

#include <stddef.h>

#define LOGINGUARD_WAYS   8    /* entries per set */
#define LOGINGUARD_SETS   2048 /* sets by default: 16384 keys */
#define LOGINGUARD_FORGET 900  /* seconds without a failure to forget */

struct loginguard;

/*
** A guard: waits begin after ${after} failures of a key and grow to
** ${max} seconds; ${nsets} sets of LOGINGUARD_WAYS entries (0: the
** default; rounded up to a power of two). Returns NULL if out of memory.
** Free with loginguard_free().
*/
struct loginguard *loginguard_new(int after, int max, size_t nsets);
/* Frees ${g}; NULL is fine. Can't fail. */
void loginguard_free(struct loginguard *g);

/*
** How long a try for ${key} must still wait at ${now} (seconds on a
** monotonic clock): 0 to go on, else whole seconds, at least 1. Changes
** nothing. Cannot fail.
*/
int loginguard_wait(struct loginguard *g, const char *key, double now);
/* Counts a failed try for ${key} at ${now}. Cannot fail. */
void loginguard_failed(struct loginguard *g, const char *key, double now);
/* Forgets ${key}'s failures (it logged in). Cannot fail. */
void loginguard_passed(struct loginguard *g, const char *key);
/* How many failures ${key} has on record at ${now} (tests). Can't
** fail. */
int loginguard_failures(struct loginguard *g, const char *key, double now);

/*
** Takes one of ${addr}'s ${limit} hash slots. Returns 0, or -1 if it
** already holds ${limit} (nothing taken). Out of memory takes nothing and
** allows: never refuse people for the node's own trouble. Give each slot
** back with loginguard_release() once its hash is done.
*/
int loginguard_claim(struct loginguard *g, const char *addr, int limit);
/* Gives back a slot of ${addr}. One never taken is ignored. Can't
** fail. */
void loginguard_release(struct loginguard *g, const char *addr);
/* Slots ${addr} holds now (tests). Can't fail. */
int loginguard_claimed(struct loginguard *g, const char *addr);

#endif
