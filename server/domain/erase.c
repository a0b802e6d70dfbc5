/*
** Erasing an account (erase.h). One writer job, so either all of it
** happens or none; the blob files go afterwards, once no committed row
** points at them.
*/
#include "erase.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"

static const char SQL_EXISTS[] = "SELECT 1 FROM accounts WHERE id = ?1";
static const char SQL_BLOBS[] =
    "SELECT r.audio_sha256 FROM contribution_revisions r "
    "JOIN contributions c ON c.id = r.contribution_id "
    "WHERE c.account_id = ?1 AND r.audio_sha256 IS NOT NULL "
    "UNION SELECT spoken_sha256 FROM consents "
    "WHERE account_id = ?1 AND spoken_sha256 IS NOT NULL";
static const char SQL_WITHDRAW[] =
    "UPDATE contributions SET status = 'withdrawn', withdrawn_at = ?2 "
    "WHERE account_id = ?1 AND withdrawn_at IS NULL RETURNING id";
static const char SQL_ERASE_REVS[] =
    "UPDATE contribution_revisions SET text = NULL, prompt = NULL, "
    "audio_sha256 = NULL, redaction = '{}' WHERE contribution_id IN "
    "(SELECT id FROM contributions WHERE account_id = ?1)";
static const char SQL_CONSENTS[] =
    "UPDATE consents SET withdrawn_at = coalesce(withdrawn_at, ?2), "
    "spoken_sha256 = NULL, spoken_duration = NULL, spoken_at = NULL "
    "WHERE account_id = ?1 AND (withdrawn_at IS NULL OR spoken_sha256 IS "
    "NOT NULL)";
/* What a person wrote as a reviewer may hold anything: their notes go
** too (their votes stay, counted, without it). */
static const char SQL_NOTES[] =
    "UPDATE reviews SET note = NULL WHERE account_id = ?1 AND note IS NOT "
    "NULL";
static const char SQL_ERASED_AT[] =
    "UPDATE contributions SET erased_at = coalesce(erased_at, ?2) "
    "WHERE account_id = ?1";
/* Withdrawn long enough: through contributions_to_erase. */
static const char SQL_DUE[] =
    "SELECT id FROM contributions WHERE status = 'withdrawn' AND "
    "erased_at IS NULL AND withdrawn_at <= ?1 ORDER BY withdrawn_at "
    "LIMIT ?2";
static const char SQL_ERASE_ONE[] =
    "UPDATE contribution_revisions SET text = NULL, prompt = NULL, "
    "audio_sha256 = NULL, redaction = '{}' WHERE contribution_id = ?1";
static const char SQL_TOMB_ONE[] =
    "UPDATE contributions SET erased_at = ?2 WHERE id = ?1";
static const char SQL_SESSIONS[] = "DELETE FROM sessions WHERE account_id = ?1";
static const char SQL_CODES[] = "DELETE FROM login_codes WHERE account_id = ?1";
static const char SQL_CARDS[] =
    "UPDATE drive_codes SET revoked_at = coalesce(revoked_at, ?2), "
    "pin_hash = NULL WHERE account_id = ?1";
static const char SQL_DEMOGRAPHICS[] =
    "DELETE FROM demographics WHERE account_id = ?1";
static const char SQL_TOMBSTONE[] =
    "UPDATE accounts SET handle = 'erased-' || id, passphrase_hash = NULL, "
    "languages = '[]', disabled_at = coalesce(disabled_at, ?2) "
    "WHERE id = ?1";

/* Runs ${sql} with ?1 = ${id}, ?2 = ${now}; the rows it changed. */
static int
run(struct db *db, const char *sql, int64_t id, int64_t now, struct err *e)
{
	return (db_run(db, sql, id, now, "erase", e));
}

static int
collect_blobs(struct db *db, struct account_erase *ae, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	free(ae->blobs);
	ae->blobs = NULL;
	ae->nblobs = 0;
	if ((st = db_prepare(db, SQL_BLOBS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ae->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ae->nblobs % 64 == 0) {
			char(*nb)[65] =
			    realloc(ae->blobs, (ae->nblobs + 64) * sizeof(*nb));
			if (nb == NULL) {
				sqlite3_reset(st);
				return (
				    err_set(e, ERR_INTERNAL, "out of memory"));
			}
			ae->blobs = nb;
		}
		snprintf(ae->blobs[ae->nblobs++], 65, "%s",
		    (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "erase"));
	return (0);
}

/* Withdraws the account's live contributions, auditing each. */
static int
withdraw_all(
    struct db *db, struct account_erase *ae, int64_t now, struct err *e)
{
	sqlite3_stmt *st;
	int64_t *ids = NULL, *np;
	size_t n = 0, i;
	int rc;

	if ((st = db_prepare(db, SQL_WITHDRAW, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ae->id);
	sqlite3_bind_int64(st, 2, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((np = realloc(ids, (n + 1) * sizeof(*ids))) == NULL) {
			rc = SQLITE_NOMEM;
			break;
		}
		ids = np;
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(ids);
		return (rc == SQLITE_NOMEM
			? err_set(e, ERR_INTERNAL, "out of memory")
			: db_err(db, e, "erase"));
	}
	for (i = 0; i < n; i++)
		if (audit_append(db, ae->actor, "contribution.withdrawn",
			ids[i],
			json_pack("{s:I,s:s}", "account", (json_int_t)ae->id,
			    "reason", "account erased"),
			e) == -1) {
			free(ids);
			return (-1);
		}
	ae->contributions = (int)n;
	free(ids);
	return (0);
}

int
account_erase_job(struct db *db, void *arg, struct err *e)
{
	struct account_erase *ae = arg;
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int rc, n;

	ae->contributions = ae->consents = 0;
	if ((st = db_prepare(db, SQL_EXISTS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ae->id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (err_set(
		    e, ERR_NOT_FOUND, "no account %lld", (long long)ae->id));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "erase"));
	/* Decided here, in the transaction that erases: a role changed a
	** moment ago counts. */
	if (account_may_act(db, ae->actor, ae->id, e) == -1)
		return (-1);
	if (collect_blobs(db, ae, e) == -1)
		return (-1);
	/* Withdraw what is still live, each audited like any withdrawal. */
	if (withdraw_all(db, ae, now, e) == -1)
		return (-1);
	if (run(db, SQL_ERASE_REVS, ae->id, now, e) == -1 ||
	    (n = run(db, SQL_CONSENTS, ae->id, now, e)) == -1 ||
	    run(db, SQL_SESSIONS, ae->id, now, e) == -1 ||
	    run(db, SQL_NOTES, ae->id, now, e) == -1 ||
	    run(db, SQL_DEMOGRAPHICS, ae->id, now, e) == -1 ||
	    run(db, SQL_ERASED_AT, ae->id, now, e) == -1 ||
	    run(db, SQL_CODES, ae->id, now, e) == -1 ||
	    run(db, SQL_CARDS, ae->id, now, e) == -1 ||
	    run(db, SQL_TOMBSTONE, ae->id, now, e) == -1)
		return (-1);
	ae->consents = n;
	return (audit_append(db, ae->actor, "account.erased", ae->id,
	    json_pack("{s:i,s:i,s:i}", "contributions", ae->contributions,
		"consents", ae->consents, "recordings", (int)ae->nblobs),
	    e));
}

int
account_erase_blobs(struct account_erase *ae, struct blobstore *bs,
    struct db *db, struct err *e)
{
	size_t i;
	int gone = 0, rc = 0;

	for (i = 0; i < ae->nblobs && rc == 0; i++)
		switch (blob_erase(bs, db, ae->blobs[i], e)) {
		case 1: gone++; break;
		case 0: break;
		default: rc = -1;
		}
	free(ae->blobs);
	ae->blobs = NULL;
	ae->nblobs = 0;
	return (rc == 0 ? gone : -1);
}

int
erase_withdrawn_job(struct db *db, void *arg, struct err *e)
{
	struct erase_withdrawn *ew = arg;
	sqlite3_stmt *st;
	int64_t ids[1000];
	int n = 0, i, rc;

	ew->count = 0;
	if ((st = db_prepare(db, SQL_DUE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ew->now - ew->grace);
	sqlite3_bind_int(
	    st, 2, ew->limit > 0 && ew->limit < 1000 ? ew->limit : 1000);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "erase"));
	for (i = 0; i < n; i++)
		if (db_run(db, SQL_ERASE_ONE, ids[i], 0, "erase", e) == -1 ||
		    db_run(db, SQL_TOMB_ONE, ids[i], ew->now, "erase", e) == -1)
			return (-1);
	ew->count = n;
	if (n == 0)
		return (0);
	return (audit_append(db, 0, "contributions.erased", 0,
	    json_pack("{s:i,s:I}", "count", n, "withdrawn_before",
		(json_int_t)(ew->now - ew->grace)),
	    e));
}
