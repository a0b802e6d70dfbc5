/*
** Erasing an account (domain): what a person asks for when they leave.
** Everything they contributed is withdrawn and its content erased (text,
** prompt, recordings), every consent is withdrawn and its spoken
** statement erased, their demographics deleted, their sessions, login codes and cards end, and the
** account keeps only a tombstone: "erased-<id>", disabled, no passphrase,
** no languages. Ids stay, so the audit log, the revocation list and the
** ledger still add up. Audited as "account.erased".
*/
#ifndef TRIBUTARY_ERASE_H
#define TRIBUTARY_ERASE_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "db.h"
#include "err.h"

struct account_erase {
	int64_t id;    /* whose */
	int64_t actor; /* who acted (an admin, the person, 0: the CLI) */
	/* out */
	int contributions, consents;
	char (*blobs)[65]; /* hashes the account's rows held (malloc'd) */
	size_t nblobs;
};

/* Writer job: erases account ${id} as above. The actor must pass
** account_may_act() (account.h): the person, the CLI, an admin, or a role
** above the account's. Returns 0, or -1 with ${e} set: ERR_NOT_FOUND if
** there is no such account, ERR_FORBIDDEN if the actor may not,
** ERR_STORAGE, ERR_INTERNAL if out of memory. Erasing twice is a no-op
** the second time. */
int account_erase_job(struct db *db, void *arg, struct err *e);

/* After the job committed: deletes the recordings it left unreferenced
** (blob_erase) and frees the list. Returns how many files went, or -1
** with ${e} set (ERR_STORAGE); the list is freed either way. */
int account_erase_blobs(struct account_erase *ae, struct blobstore *bs,
    struct db *db, struct err *e);

/*
** Writer job: erases the text, prompt and recording of up to ${limit}
** contributions withdrawn at or before ${now} - ${grace}, leaving each row
** as a tombstone (id, withdrawn at, erased at) for the revocation list;
** their blobs are then unreferenced, for the blob sweep. Audited once,
** with the count. Returns 0 with ${count} set, or -1 with ${e} set
** (ERR_STORAGE).
*/
struct erase_withdrawn {
	int64_t now, grace;
	int limit;
	int count; /* out */
};
int erase_withdrawn_job(struct db *db, void *arg, struct err *e);

#endif
