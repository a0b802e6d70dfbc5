/*
** Argon2id off the threads that serve requests. Two worker threads (so at
** most two hashes at a time: each takes 64 MiB at libsodium's interactive
** limits) run hash and verify jobs; a job's done callback runs on the
** worker (the server resumes the request that waited for it there). Verifying against "no account"
** still runs a full hash against a dummy, so a wrong handle costs the same
** time as a wrong passphrase, and an unknown card as a wrong PIN.
*/
#ifndef TRIBUTARY_HASHER_H
#define TRIBUTARY_HASHER_H

#include <sodium.h>
#include <stddef.h>

struct hasher_job {
	char secret[256];   /* passphrase or PIN, wiped after use */
	const char *verify; /* stored hash to check; NULL = make a hash */
	int dummy;          /* verify against the dummy (unknown handle) */
	char hash[crypto_pwhash_STRBYTES]; /* out: new hash */
	int ok;                            /* out: verify matched / hash made */
	void (*done)(struct hasher_job *j);
	void *arg;
	struct hasher_job *next;
};

/* Starts the workers if needed. Returns 0, -1 if threads cannot start. */
int hasher_start(void);
/* Queues ${j}; its done callback runs later on a worker, with ${j}->ok
** the outcome. Never blocks on hashing. Can't fail. */
void hasher_submit(struct hasher_job *j);
/* Hashes or verifies on the calling thread (CLI); the outcome is
** ${j}->ok, and the done callback is not called. Can't fail. */
void hasher_run(struct hasher_job *j);
/* How many dummy verifications have run (tests). Can't fail. */
unsigned long hasher_dummy_count(void);

#endif
