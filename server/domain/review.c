/*
** Community review (review.h): votes and the decision rule, the queue, the
** correction list, a maintainer's corrections and overrides, and the
** drive's figures.
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "ledger.h"
#include "writer.h"

const char *const review_reasons[REVIEW_NREASONS] = { "wrong_words", "noise",
	"hard_to_hear", "personal_data", "offensive", "not_the_language",
	"other" };

/* The reviewer's vote on the item, if any, and the item's state: a retry
** (the same key) or a second vote (another key). */
static const char SQL_MINE[] =
    "SELECT r.id, r.idempotency_key, r.vote, r.reason, r.note, r.created_at,"
    " r.request_sha256, c.status, c.votes_up, c.votes_down FROM reviews r "
    "JOIN contributions c ON c.id = r.contribution_id "
    "WHERE r.contribution_id = ?1 AND r.account_id = ?2";
/* The item as the vote finds it, and the campaign's rule. */
static const char SQL_ITEM[] =
    "SELECT c.account_id, c.campaign_id, c.status, c.votes_up, "
    "c.votes_down, (SELECT max(revision) FROM contribution_revisions "
    "WHERE contribution_id = c.id), k.review_min_votes, k.review_rule, "
    "EXISTS (SELECT 1 FROM accounts a, json_each(a.languages) j "
    "WHERE a.id = ?2 AND j.value = lower(k.language)) "
    "FROM contributions c JOIN campaigns k ON k.id = c.campaign_id "
    "WHERE c.id = ?1";
static const char SQL_VOTE[] =
    "INSERT INTO reviews(contribution_id, campaign_id, account_id, revision, "
    "vote, reason, note, idempotency_key, request_sha256, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_COUNT[] =
    "UPDATE contributions SET votes_up = ?2, votes_down = ?3, votes = ?2 + ?3,"
    " needs_correction = needs_correction OR ?4, status = ?5, "
    "decided_at = CASE WHEN ?5 = 'pending' THEN NULL ELSE ?6 END "
    "WHERE id = ?1";
/*
** The queue: an index walk over contributions_queue (pending rows only,
** most votes first, then oldest), each candidate checked against the
** reviewer's own items and votes (the reviews UNIQUE index). The literal
** status is what lets SQLite use the partial index.
*/
static const char SQL_NEXT[] =
    "SELECT c.id FROM contributions c WHERE c.campaign_id = ?1 AND "
    "c.status = 'pending' AND c.account_id <> ?2 AND NOT EXISTS (SELECT 1 "
    "FROM reviews r WHERE r.contribution_id = c.id AND r.account_id = ?2) "
    "ORDER BY c.votes DESC, c.id LIMIT 1";
/* One item as a reviewer or maintainer sees it (its latest revision). */
static const char SQL_SHOW[] =
    "SELECT c.id, r.kind, r.prompt, r.text, r.audio_sha256, r.duration, "
    "c.votes, c.created_at, c.status, c.votes_up, c.votes_down, r.revision "
    "FROM contributions c JOIN contribution_revisions r ON "
    "r.contribution_id = c.id WHERE c.id = ?1 ORDER BY r.revision DESC "
    "LIMIT 1";
static const char SQL_TODAY_N[] =
    "SELECT coalesce((SELECT n FROM reviewer_days WHERE account_id = ?1 "
    "AND day = ?2), 0)";
static const char SQL_SPEAKS[] =
    "SELECT EXISTS (SELECT 1 FROM accounts a, json_each(a.languages) j "
    "WHERE a.id = ?1 AND j.value = lower(?2))";
static const char SQL_CORRECTIONS[] =
    "SELECT id FROM contributions WHERE campaign_id = ?1 AND "
    "needs_correction = 1 AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char SQL_BY_STATUS[] =
    "SELECT id FROM contributions WHERE campaign_id = ?1 AND status = ?4 AND "
    "status <> 'pending' AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char SQL_PENDING[] =
    "SELECT id FROM contributions WHERE campaign_id = ?1 AND "
    "status = 'pending' AND id < ?2 ORDER BY id DESC LIMIT ?3";
static const char SQL_REASONS[] =
    "SELECT r.reason, r.note, a.handle, r.vote FROM reviews r JOIN accounts a "
    "ON a.id = r.account_id WHERE r.contribution_id = ?1 ORDER BY r.id";
static const char SQL_STATE[] =
    "SELECT c.status, (SELECT kind FROM contribution_revisions WHERE "
    "contribution_id = c.id ORDER BY revision DESC LIMIT 1), "
    "(SELECT max(revision) FROM contribution_revisions WHERE "
    "contribution_id = c.id), (SELECT prompt FROM contribution_revisions "
    "WHERE contribution_id = c.id ORDER BY revision DESC LIMIT 1) "
    "FROM contributions c WHERE c.id = ?1";
static const char SQL_NEW_REV[] =
    "INSERT INTO contribution_revisions(contribution_id, revision, kind, "
    "prompt, text, redaction, created_at) VALUES (?1, ?2, 'text', ?3, ?4, "
    "?5, ?6)";
static const char SQL_ERASE_OLD[] =
    "UPDATE contribution_revisions SET text = NULL WHERE contribution_id = ?1"
    " AND revision < ?2";
/* A release that holds the corrected text is retired, and the item put
** on its dataset's revocation list: its users must drop that text. */
static const char SQL_RETIRE[] =
    "UPDATE releases SET retired_at = ?2, retired_why = 'contribution ' || "
    "?1 || ' was corrected' WHERE retired_at IS NULL AND id IN (SELECT "
    "release_id FROM release_items WHERE contribution_id = ?1)";
static const char SQL_REVOKE[] =
    "INSERT OR IGNORE INTO revocations (dataset, contribution_id, "
    "withdrawn_at) SELECT DISTINCT r.dataset, ?1, ?2 FROM release_items i "
    "JOIN releases r ON r.id = i.release_id WHERE i.contribution_id = ?1";
static const char SQL_UNFLAG[] =
    "UPDATE contributions SET needs_correction = 0 WHERE id = ?1";
static const char SQL_DECIDE[] =
    "UPDATE contributions SET status = ?2, decided_at = ?3, decided_by = ?4,"
    " needs_correction = 0 WHERE id = ?1";
static const char SQL_ST_STATUS[] =
    "SELECT status, n, seconds FROM campaign_status WHERE campaign_id = ?1";
static const char SQL_ST_DAYS[] =
    "SELECT day, submitted, validated, rejected, withdrawn, votes, "
    "validated_seconds, contributors FROM campaign_days "
    "WHERE campaign_id = ?1 AND day > ?2 ORDER BY day";
static const char SQL_ST_VOTES[] =
    "SELECT coalesce(sum(votes), 0) FROM campaign_days WHERE campaign_id = ?1";
static const char SQL_ST_PEOPLE[] =
    "SELECT count(*) FROM campaign_people WHERE campaign_id = ?1 AND "
    "role = ?2";
static const char SQL_ST_REASONS[] =
    "SELECT reason, n FROM campaign_reasons WHERE campaign_id = ?1";
static const char SQL_ST_CORRECTIONS[] =
    "SELECT count(*) FROM contributions WHERE campaign_id = ?1 AND "
    "needs_correction = 1";

int
review_reason_ok(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < REVIEW_NREASONS; i++)
		if (strcmp(s, review_reasons[i]) == 0)
			return (1);
	return (0);
}

const char *
review_decide(const struct review_rule *r, int up, int down)
{
	int min = r->min_votes > 0 ? r->min_votes : 2;

	if (up + down < min)
		return ("pending");
	if (r->unanimous)
		return (down == 0 ? "validated" : "rejected");
	if (up > down)
		return ("validated");
	if (down > up || up + down >= min + 1)
		return ("rejected");
	return ("pending");
}

/* A status read from the database as the constant review_decide() would
** give. */
static const char *
status_const(const unsigned char *s)
{
	static const char *const all[] = { "pending", "validated", "rejected",
		"withdrawn" };
	size_t i;

	for (i = 0; s != NULL && i < 4; i++)
		if (strcmp((const char *)s, all[i]) == 0)
			return (all[i]);
	return ("pending");
}

/*
** ${v}'s reviewer's earlier vote on the item: 1 if it is this vote again
** (the same key and request: ${v} filled as it was answered), -1 with ${e}
** set if it is another (ERR_CONFLICT: refusal REVIEW_SECOND_VOTE for a
** new key, none for the same key used for another vote), 0 if there is
** none.
*/
static int
vote_replay(struct db *db, struct review_vote *v, struct err *e)
{
	sqlite3_stmt *st;
	int rc, same_key, same_ask;

	if ((st = db_prepare(db, SQL_MINE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, v->contribution_id);
	sqlite3_bind_int64(st, 2, v->account_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE ? 0 : db_err(db, e, "review"));
	}
	same_key =
	    strcmp((const char *)sqlite3_column_text(st, 1), v->key) == 0;
	same_ask = strcmp((const char *)sqlite3_column_text(st, 6),
		       v->request_sha) == 0;
	v->id = sqlite3_column_int64(st, 0);
	v->created_at = sqlite3_column_int64(st, 5);
	v->status = status_const(sqlite3_column_text(st, 7));
	v->up = sqlite3_column_int(st, 8);
	v->down = sqlite3_column_int(st, 9);
	sqlite3_reset(st);
	if (!same_key) {
		v->refusal = REVIEW_SECOND_VOTE;
		return (err_set(e, ERR_CONFLICT,
		    "you have already voted on this contribution"));
	}
	if (!same_ask)
		return (err_set(e, ERR_CONFLICT,
		    "this idempotency key was already used for a different "
		    "vote; use a new key"));
	v->replayed = 1;
	if ((v->today = review_count_today(
		 db, v->account_id, (int64_t)time(NULL), e)) < 0)
		return (-1);
	return (1);
}

int
review_vote_job(struct db *db, void *arg, struct err *e)
{
	struct review_vote *v = arg;
	struct review_rule rule;
	sqlite3_stmt *st;
	int64_t owner, campaign;
	int rc, revision, speaks, flag;
	const char *status;

	v->refusal = NULL;
	v->replayed = 0;
	if ((rc = vote_replay(db, v, e)) != 0)
		return (rc == 1 ? 0 : -1);
	/* Every refusal is found before anything is written: the job is
	** atomic (writer.h) and runs without a SAVEPOINT. */
	if ((st = db_prepare(db, SQL_ITEM, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, v->contribution_id);
	sqlite3_bind_int64(st, 2, v->account_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE
			? err_set(e, ERR_NOT_FOUND, "no such contribution")
			: db_err(db, e, "contribution"));
	}
	owner = sqlite3_column_int64(st, 0);
	campaign = sqlite3_column_int64(st, 1);
	status = status_const(sqlite3_column_text(st, 2));
	v->up = sqlite3_column_int(st, 3);
	v->down = sqlite3_column_int(st, 4);
	revision = sqlite3_column_int(st, 5);
	rule.min_votes = sqlite3_column_int(st, 6);
	rule.unanimous =
	    strcmp((const char *)sqlite3_column_text(st, 7), "unanimous") == 0;
	speaks = sqlite3_column_int(st, 8);
	sqlite3_reset(st);
	v->status = status;
	if (owner == v->account_id) {
		v->refusal = REVIEW_OWN_ITEM;
		return (err_set(
		    e, ERR_FORBIDDEN, "you cannot review what you gave"));
	}
	if (!speaks) {
		v->refusal = REVIEW_NOT_LANGUAGE;
		return (err_set(e, ERR_FORBIDDEN,
		    "this contribution is in a language you do not review"));
	}
	if (strcmp(status, "withdrawn") == 0) {
		v->refusal = REVIEW_WITHDRAWN;
		return (err_set(e, ERR_CONFLICT,
		    "its contributor has withdrawn this contribution"));
	}
	if (strcmp(status, "pending") != 0) {
		v->refusal = REVIEW_DECIDED;
		return (err_set(e, ERR_CONFLICT,
		    "this contribution was already %s", status));
	}
	v->created_at = (int64_t)time(NULL);
	if ((st = db_prepare(db, SQL_VOTE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, v->contribution_id);
	sqlite3_bind_int64(st, 2, campaign);
	sqlite3_bind_int64(st, 3, v->account_id);
	sqlite3_bind_int(st, 4, revision);
	sqlite3_bind_int(st, 5, v->vote);
	if (v->reason != NULL)
		sqlite3_bind_text(st, 6, v->reason, -1, SQLITE_STATIC);
	if (v->note != NULL)
		sqlite3_bind_text(st, 7, v->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, v->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, v->request_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, v->created_at);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* Refused, SQLite took the statement back: nothing is written. (A
	** second vote was found above; this one cannot be one.) */
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "review"));
	v->id = sqlite3_last_insert_rowid(db_handle(db));
	if (v->vote > 0)
		v->up++;
	else
		v->down++;
	v->status = review_decide(&rule, v->up, v->down);
	flag = v->reason != NULL && strcmp(v->reason, "personal_data") == 0;
	/* The vote is written: from here a failure loses the batch. */
	if ((st = db_prepare(db, SQL_COUNT, e)) == NULL)
		return (WRITER_DIRTY);
	sqlite3_bind_int64(st, 1, v->contribution_id);
	sqlite3_bind_int(st, 2, v->up);
	sqlite3_bind_int(st, 3, v->down);
	sqlite3_bind_int(st, 4, flag);
	sqlite3_bind_text(st, 5, v->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, v->created_at);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	/* The vote is written and its count is not: the batch must go. */
	if (rc != SQLITE_DONE) {
		db_err(db, e, "contribution");
		return (WRITER_DIRTY);
	}
	/* Validated: its pay accrues in this same transaction. */
	if (strcmp(v->status, "validated") == 0 &&
	    ledger_accrue(db, v->contribution_id, 0, e) == -1)
		return (WRITER_DIRTY);
	if ((v->today = review_count_today(
		 db, v->account_id, v->created_at, e)) < 0)
		return (WRITER_DIRTY);
	return (0);
}

json_t *
review_vote_json(const struct review_vote *v)
{
	return (json_pack("{s:{s:I,s:I,s:s,s:s?,s:s?,s:I},s:s,s:{s:i,s:i},s:I}",
	    "review", "id", (json_int_t)v->id, "contribution",
	    (json_int_t)v->contribution_id, "vote", v->vote > 0 ? "up" : "down",
	    "reason", v->reason, "note", v->note, "created_at",
	    (json_int_t)v->created_at, "status", v->status, "votes", "up",
	    v->up, "down", v->down, "today", (json_int_t)v->today));
}

/* A column as a JSON string or null. */
static json_t *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return (s != NULL ? json_string((const char *)s) : json_null());
}

/* Item ${id} as SQL_SHOW reads it; ${full} adds status, up/down and the
** reasons. 1, 0 if gone, -1 with ${e}. */
static int
show_item(struct db *db, int64_t id, int full, json_t **out, struct err *e)
{
	sqlite3_stmt *st;
	json_t *o, *audio = json_null(), *reasons;
	char url[96];
	int rc;

	*out = NULL;
	if ((st = db_prepare(db, SQL_SHOW, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE ? 0 : db_err(db, e, "contribution"));
	}
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		snprintf(url, sizeof(url), "/api/v1/contributions/%lld/audio",
		    (long long)id);
		audio = json_pack("{s:s,s:f}", "url", url, "duration",
		    sqlite3_column_double(st, 5));
	}
	o = json_pack("{s:I,s:n,s:s,s:o,s:o,s:o,s:i,s:I,s:i}", "id",
	    (json_int_t)id, "campaign", "kind",
	    (const char *)sqlite3_column_text(st, 1), "prompt", col_str(st, 2),
	    "text", col_str(st, 3), "audio", audio, "votes",
	    sqlite3_column_int(st, 6), "created_at",
	    (json_int_t)sqlite3_column_int64(st, 7), "revision",
	    sqlite3_column_int(st, 11));
	if (o != NULL && full) {
		json_object_set_new(o, "status",
		    json_string((const char *)sqlite3_column_text(st, 8)));
		json_object_set_new(o, "votes",
		    json_pack("{s:i,s:i}", "up", sqlite3_column_int(st, 9),
			"down", sqlite3_column_int(st, 10)));
	}
	sqlite3_reset(st);
	if (o == NULL)
		return (err_oom(e));
	if (full) {
		if ((st = db_prepare(db, SQL_REASONS, e)) == NULL) {
			json_decref(o);
			return (-1);
		}
		reasons = json_array();
		sqlite3_bind_int64(st, 1, id);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (sqlite3_column_int(st, 3) < 0)
				json_array_append_new(reasons,
				    json_pack("{s:o,s:o,s:s}", "reason",
					col_str(st, 0), "note", col_str(st, 1),
					"reviewer",
					(const char *)sqlite3_column_text(
					    st, 2)));
		sqlite3_reset(st);
		json_object_set_new(o, "reasons", reasons);
		if (rc != SQLITE_DONE) {
			json_decref(o);
			return (db_err(db, e, "reviews"));
		}
	}
	*out = o;
	return (1);
}

int
review_next(struct db *db, int64_t campaign, int64_t account, json_t **out,
    struct err *e)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	*out = NULL;
	if ((st = db_prepare(db, SQL_NEXT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, account);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (0);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "queue"));
	return (show_item(db, id, 0, out, e));
}

/* One integer from ${sql} with ?1 = ${a} and ?2 (text ${s} if set, else
** ${b}); -1 with ${e}. */
static int64_t
one_int(struct db *db, const char *sql, int64_t a, int64_t b, const char *s,
    struct err *e)
{
	sqlite3_stmt *st;
	int64_t v;
	int rc;

	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2) {
		if (s != NULL)
			sqlite3_bind_text(st, 2, s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, 2, b);
	}
	rc = sqlite3_step(st);
	v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return (rc == SQLITE_ROW ? v : db_err(db, e, "count"));
}

int64_t
review_count_today(struct db *db, int64_t account, int64_t now, struct err *e)
{
	return (one_int(db, SQL_TODAY_N, account, now / 86400, NULL, e));
}

int
review_speaks(
    struct db *db, int64_t account, const char *language, struct err *e)
{
	return ((int)one_int(db, SQL_SPEAKS, account, 0, language, e));
}

json_t *
review_items(struct db *db, int64_t campaign, const char *status,
    int64_t before, int limit, int64_t *next, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o;
	int64_t ids[201];
	int n = 0, i, rc;

	*next = 0;
	if (limit < 1 || limit > 200)
		limit = limit < 1 ? 1 : 200;
	st = db_prepare(db,
	    status == NULL                       ? SQL_CORRECTIONS
		: strcmp(status, "pending") == 0 ? SQL_PENDING
						 : SQL_BY_STATUS,
	    e);
	if (st == NULL)
		return (NULL);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(st, 3, limit + 1);
	if (status != NULL && strcmp(status, "pending") != 0)
		sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n <= limit)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_err(db, e, "contributions");
		return (NULL);
	}
	if (n > limit) {
		n = limit;
		*next = ids[n - 1];
	}
	if ((arr = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		if ((rc = show_item(db, ids[i], 1, &o, e)) == -1) {
			json_decref(arr);
			return (NULL);
		}
		if (rc == 1)
			json_array_append_new(arr, o);
	}
	return (arr);
}

/* Item ${id}'s status, latest kind, revision and prompt: 1, 0 if none, -1
** with ${e}. ${prompt} is malloc'd or NULL. */
static int
item_state(struct db *db, int64_t id, const char **status, int *is_text,
    int *revision, char **prompt, struct err *e)
{
	sqlite3_stmt *st;
	const unsigned char *p;
	int rc;

	*prompt = NULL;
	if ((st = db_prepare(db, SQL_STATE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*status = status_const(sqlite3_column_text(st, 0));
		*is_text = sqlite3_column_text(st, 1) != NULL &&
		    strcmp((const char *)sqlite3_column_text(st, 1), "text") ==
			0;
		*revision = sqlite3_column_int(st, 2);
		if ((p = sqlite3_column_text(st, 3)) != NULL)
			*prompt = strdup((const char *)p);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "contribution"));
}

int
review_correct_job(struct db *db, void *arg, struct err *e)
{
	struct review_correct *c = arg;
	const char *status;
	sqlite3_stmt *st;
	char *prompt = NULL;
	int rc, is_text, rev;
	json_t *report;

	c->refusal = NULL;
	if ((rc = item_state(db, c->id, &status, &is_text, &rev, &prompt, e)) !=
	    1)
		return (rc == 0
			? err_set(e, ERR_NOT_FOUND, "no such contribution")
			: -1);
	if (strcmp(status, "withdrawn") == 0) {
		free(prompt);
		c->refusal = REVIEW_WITHDRAWN;
		return (err_set(e, ERR_CONFLICT,
		    "its contributor has withdrawn this contribution"));
	}
	if (!is_text) {
		free(prompt);
		c->refusal = "not_text";
		return (err_set(e, ERR_CONFLICT,
		    "a recording cannot be corrected as text; reject it "
		    "instead"));
	}
	if ((st = db_prepare(db, SQL_NEW_REV, e)) == NULL) {
		free(prompt);
		return (-1);
	}
	c->revision = rev + 1;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int(st, 2, c->revision);
	if (prompt != NULL)
		sqlite3_bind_text(st, 3, prompt, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, c->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 5, c->report_json ? c->report_json : "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(prompt);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "revision"));
	if (db_run(db, SQL_ERASE_OLD, c->id, c->revision, "revision", e) ==
		-1 ||
	    db_run(db, SQL_UNFLAG, c->id, 0, "contribution", e) == -1 ||
	    db_run(db, SQL_RETIRE, c->id, (int64_t)time(NULL), "release", e) ==
		-1 ||
	    db_run(db, SQL_REVOKE, c->id, (int64_t)time(NULL), "release", e) ==
		-1)
		return (-1);
	report = json_loads(c->report_json ? c->report_json : "{}", 0, NULL);
	return (audit_append(db, c->actor, "contribution.corrected", c->id,
	    json_pack("{s:i,s:o,s:s?}", "revision", c->revision, "removed",
		report ? report : json_object(), "reason", c->reason),
	    e));
}

int
review_decision_job(struct db *db, void *arg, struct err *e)
{
	struct review_decision *d = arg;
	const char *status;
	sqlite3_stmt *st;
	char *prompt = NULL;
	int rc, is_text, rev;

	d->refusal = NULL;
	if (d->status == NULL ||
	    (strcmp(d->status, "validated") != 0 &&
		strcmp(d->status, "rejected") != 0))
		return (err_set(e, ERR_INVALID,
		    "\"status\" must be \"validated\" or \"rejected\""));
	if (d->reason == NULL || d->reason[0] == '\0')
		return (err_set(e, ERR_INVALID,
		    "say why: a decision against the votes needs a reason"));
	if ((rc = item_state(db, d->id, &status, &is_text, &rev, &prompt, e)) !=
	    1)
		return (rc == 0
			? err_set(e, ERR_NOT_FOUND, "no such contribution")
			: -1);
	free(prompt);
	if (strcmp(status, "withdrawn") == 0) {
		d->refusal = REVIEW_WITHDRAWN;
		return (err_set(e, ERR_CONFLICT,
		    "its contributor has withdrawn this contribution"));
	}
	if ((st = db_prepare(db, SQL_DECIDE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, d->id);
	sqlite3_bind_text(st, 2, d->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (d->actor > 0) /* 0: the node's operator, no account */
		sqlite3_bind_int64(st, 4, d->actor);
	else
		sqlite3_bind_null(st, 4);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "contribution"));
	/* The ledger follows the decision in the same transaction: to
	** validated accrues unless the item holds its pay already; to
	** rejected reverses what it earned, with the reason. */
	if (strcmp(d->status, "validated") == 0
		? ledger_accrue(db, d->id, d->actor, e) == -1
		: ledger_reverse(db, d->id, d->actor, d->reason, e) == -1)
		return (-1);
	return (audit_append(db, d->actor, "contribution.decided", d->id,
	    json_pack("{s:s,s:s,s:s}", "from", status, "to", d->status,
		"reason", d->reason),
	    e));
}

/* "YYYY-MM-DD" of UTC day ${day} (days since the epoch). */
static void
day_name(int64_t day, char out[16])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

json_t *
review_stats(struct db *db, int64_t campaign, int64_t now, struct err *e)
{
	json_t *o, *totals, *reasons, *days, *d;
	sqlite3_stmt *st;
	int64_t today = now / 86400, day, v;
	char name[16];
	int i, rc;

	o = json_object();
	totals = json_pack("{s:i,s:i,s:i,s:i,s:f}", "pending", 0, "validated",
	    0, "rejected", 0, "withdrawn", 0, "validated_seconds", 0.0);
	reasons = json_object();
	days = json_array();
	if (o == NULL || totals == NULL || reasons == NULL || days == NULL) {
		json_decref(o);
		json_decref(totals);
		json_decref(reasons);
		json_decref(days);
		err_oom(e);
		return (NULL);
	}
	json_object_set_new(o, "totals", totals);
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "days", days);
	for (i = 0; i < REVIEW_NREASONS; i++)
		json_object_set_new(
		    reasons, review_reasons[i], json_integer(0));

	if ((st = db_prepare(db, SQL_ST_STATUS, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, campaign);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		json_object_set_new(
		    totals, s, json_integer(sqlite3_column_int64(st, 1)));
		if (strcmp(s, "validated") == 0)
			json_object_set_new(totals, "validated_seconds",
			    json_real(sqlite3_column_double(st, 2)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	json_object_set(totals, "queue", json_object_get(totals, "pending"));

	if ((v = one_int(db, SQL_ST_PEOPLE, campaign, 0, "contributor", e)) < 0)
		goto fail;
	json_object_set_new(totals, "contributors", json_integer(v));
	if ((v = one_int(db, SQL_ST_PEOPLE, campaign, 0, "reviewer", e)) < 0)
		goto fail;
	json_object_set_new(totals, "reviewers", json_integer(v));
	if ((v = one_int(db, SQL_ST_VOTES, campaign, 0, NULL, e)) < 0)
		goto fail;
	json_object_set_new(totals, "votes", json_integer(v));
	if ((v = one_int(db, SQL_ST_CORRECTIONS, campaign, 0, NULL, e)) < 0)
		goto fail;
	json_object_set_new(totals, "corrections", json_integer(v));

	if ((st = db_prepare(db, SQL_ST_REASONS, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, campaign);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(reasons,
		    (const char *)sqlite3_column_text(st, 0),
		    json_integer(sqlite3_column_int64(st, 1)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto dberr;

	for (day = today - 29; day <= today; day++) {
		day_name(day, name);
		d = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:f,s:i}", "day", name,
		    "submitted", 0, "validated", 0, "rejected", 0, "withdrawn",
		    0, "votes", 0, "validated_seconds", 0.0, "contributors", 0);
		if (d == NULL || json_array_append_new(days, d) == -1)
			goto oom;
	}
	if ((st = db_prepare(db, SQL_ST_DAYS, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, today - 30);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		day = sqlite3_column_int64(st, 0);
		if (day > today)
			continue;
		d = json_array_get(days, (size_t)(day - (today - 29)));
		json_object_set_new(
		    d, "submitted", json_integer(sqlite3_column_int64(st, 1)));
		json_object_set_new(
		    d, "validated", json_integer(sqlite3_column_int64(st, 2)));
		json_object_set_new(
		    d, "rejected", json_integer(sqlite3_column_int64(st, 3)));
		json_object_set_new(
		    d, "withdrawn", json_integer(sqlite3_column_int64(st, 4)));
		json_object_set_new(
		    d, "votes", json_integer(sqlite3_column_int64(st, 5)));
		json_object_set_new(d, "validated_seconds",
		    json_real(sqlite3_column_double(st, 6)));
		json_object_set_new(d, "contributors",
		    json_integer(sqlite3_column_int64(st, 7)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	return (o);
dberr:
	db_err(db, e, "campaign figures");
	goto fail;
oom:
	err_oom(e);
fail:
	json_decref(o);
	return (NULL);
}
