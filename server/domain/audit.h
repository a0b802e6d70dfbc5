/*
** The audit log: every consent event and every privileged act, one row
** each, written by writer jobs in their own transaction. The rows form a
** hash chain (each row's hash covers the one before it), so a row changed
** or removed after it was written shows: audit_verify() walks the chain,
** audit_head() is its latest link (published in /metrics), audit_tail()
** lists the latest rows.
*/
#ifndef TRIBUTARY_AUDIT_H
#define TRIBUTARY_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "crypto.h"
#include "db.h"

/*
** Appends a row to the audit log inside a writer job: ${actor} did
** ${action} to ${subject} (either 0 for none), ${detail} JSON (stolen; may
** be NULL, stored as "{}"). The row's hash is computed here, in the job's
** transaction, from the latest row's (audit_append's description in
** audit.c gives the bytes). Returns 0 or -1 with ${e} set (ERR_STORAGE).
*/
int audit_append(struct db *db, int64_t actor, const char *action,
    int64_t subject, json_t *detail, struct err *e);

/*
** The chain's head: the latest row's id into ${id} and its hash in hex
** into ${hex}. Returns 1, 0 if the log is empty or its latest row is from
** before the chain (no hash), or -1 with ${e} set (ERR_STORAGE).
*/
int audit_head(
    struct db *db, int64_t *id, char hex[SHA256_HEX_LEN + 1], struct err *e);

enum audit_state {
	AUDIT_INTACT = 0,
	AUDIT_CHANGED, /* row bad_id's hash does not match */
	AUDIT_GAP,     /* rows between after_id and bad_id are missing */
};

/* What audit_verify() found. */
struct audit_check {
	enum audit_state state;
	int64_t rows;   /* rows read (all of them when intact) */
	int64_t before; /* rows from before the chain (no hash), at its start */
	int64_t head_id;               /* the last row read, 0 if none */
	char head[SHA256_HEX_LEN + 1]; /* its hash in hex, "" if none */
	int64_t bad_id;   /* the first row that does not fit, 0 if intact */
	int64_t after_id; /* for AUDIT_GAP: the row before the gap (0: none) */
};

/*
** Walks the whole log in id order, recomputing each row's hash from the
** one before, and stops at the first row that does not fit: its hash
** differs (changed after it was written, or its hash removed), or its id
** does not follow the previous row's (rows deleted; the first row must be
** 1). Rows with no hash before the first hashed one are counted in
** ${out}->before and not checked. Returns 0 with ${out} filled (intact
** or not), or -1 with ${e} set (ERR_STORAGE).
*/
int audit_verify(struct db *db, struct audit_check *out, struct err *e);

/*
** The latest ${count} rows, newest first: a new JSON array of
** {"id","at","actor_id","actor","action","subject_id","detail"} (actor is
** the account's handle, or null; the ids null when none) the caller
** frees; NULL with ${e} set (ERR_STORAGE).
*/
json_t *audit_tail(struct db *db, int count, struct err *e);
/* The same for at most ${count} rows with ids below ${before} (0: from the
** newest), by the account called ${actor} (NULL: anyone) and about
** ${subject} (0: anything). NULL with ${e} set. */
json_t *audit_page(struct db *db, const char *actor, int64_t subject,
    int64_t before, int count, struct err *e);

#endif
