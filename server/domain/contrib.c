/*
** Contributions (contrib.h).
*/
#include "contrib.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "consent_record.h"
#include "writer.h"

static const char SQL_LIVE_CONSENT[] =
    "SELECT id FROM consents WHERE account_id = ?1 AND campaign_id = ?2 AND "
    "withdrawn_at IS NULL ORDER BY id DESC LIMIT 1";
static const char SQL_BY_KEY[] =
    "SELECT id, request_sha256 FROM contributions WHERE account_id = ?1 AND "
    "idempotency_key = ?2";
/* Fails NOT NULL if the consent was withdrawn since the caller checked
** it: the check and the insert are one statement. (A scalar subquery
** costs the writer ~1.4 us less per contribution than INSERT ... SELECT
** ... WHERE EXISTS, which runs as a coroutine.) */
static const char SQL_INSERT[] =
    "INSERT INTO contributions(account_id, campaign_id, consent_id, "
    "idempotency_key, request_sha256, created_at, prompt_id) "
    "VALUES (?1, ?2, (SELECT id FROM consents WHERE id = ?3 AND "
    "withdrawn_at IS NULL), ?4, ?5, ?6, ?7)";
static const char SQL_INSERT_REV[] =
    "INSERT INTO contribution_revisions(contribution_id, revision, kind, "
    "prompt, text, audio_sha256, duration, sample_rate, redaction, "
    "created_at) VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
static const char SQL_UNDO[] = "DELETE FROM contributions WHERE id = ?1";
#define SQL_CONTRIB_COLS                                                       \
	"SELECT c.id, k.slug, c.status, r.kind, r.text, r.prompt, "            \
	"r.redaction, c.created_at, c.withdrawn_at, r.revision, r.duration, "  \
	"r.sample_rate, r.audio_sha256, c.account_id, (SELECT "                \
	"json_group_array(v.version) FROM release_items i JOIN releases v ON " \
	"v.id = i.release_id WHERE i.contribution_id = c.id) "                 \
	"FROM contributions c "                                                \
	"JOIN campaigns k ON k.id = c.campaign_id "                            \
	"JOIN contribution_revisions r ON r.contribution_id = c.id AND "       \
	"r.revision = (SELECT max(revision) FROM contribution_revisions "      \
	"WHERE contribution_id = c.id) "
/* Two statements, not one with "?2 = 0 OR": an OR over the key would
** make SQLite scan every contribution for every read. */
static const char SQL_ONE[] =
    SQL_CONTRIB_COLS "WHERE c.id = ?2 AND (?1 = 0 OR c.account_id = ?1)";
static const char SQL_LIST[] =
    SQL_CONTRIB_COLS "WHERE c.account_id = ?1 ORDER BY c.id DESC";
static const char SQL_WITHDRAW_ONE[] =
    "UPDATE contributions SET status = 'withdrawn', withdrawn_at = ?3 "
    "WHERE id = ?1 AND (?2 = 0 OR account_id = ?2) AND withdrawn_at IS NULL "
    "RETURNING id, account_id";
static const char SQL_WITHDRAW_ALL[] =
    "UPDATE contributions SET status = 'withdrawn', withdrawn_at = ?3 "
    "WHERE ?1 = 0 AND account_id = ?2 AND withdrawn_at IS NULL "
    "RETURNING id, account_id";
static const char SQL_OWNED[] =
    "SELECT account_id FROM contributions WHERE id = ?1 AND (?2 = 0 OR "
    "account_id = ?2)";
static const char SQL_AUDIO[] =
    "SELECT r.audio_sha256, c.account_id, c.withdrawn_at, c.status, "
    "EXISTS (SELECT 1 FROM accounts a, json_each(a.languages) j, campaigns k"
    " WHERE a.id = ?2 AND k.id = c.campaign_id AND j.value = "
    "lower(k.language)) FROM contributions c JOIN contribution_revisions r "
    "ON r.contribution_id = c.id AND r.revision = (SELECT max(revision) "
    "FROM contribution_revisions WHERE contribution_id = c.id) "
    "WHERE c.id = ?1";
static const char SQL_REVISIONS[] =
    "SELECT revision, kind, prompt, text, audio_sha256, duration, "
    "sample_rate, redaction, created_at FROM contribution_revisions "
    "WHERE contribution_id = ?1 ORDER BY revision";

int64_t
contrib_live_consent(
    struct db *db, int64_t account, int64_t campaign, struct err *e)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	if ((st = db_prepare(db, SQL_LIVE_CONSENT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, campaign);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "consent"));
	return (id);
}

static const char SQL_CAMPAIGN_SLUG[] =
    "SELECT k.slug FROM contributions c JOIN campaigns k ON k.id = "
    "c.campaign_id WHERE c.id = ?1";

int
contrib_campaign_slug(struct db *db, int64_t id, char slug[64], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_CAMPAIGN_SLUG, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(
		    slug, 64, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "contribution"));
}

int
contrib_by_key(struct db *db, int64_t account, const char *key, int64_t *id,
    char request_sha[65], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_BY_KEY, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		snprintf(request_sha, 65, "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "contribution"));
}

/*
** The revision of ${c} could not be written: takes its contribution row
** back out, so the job leaves nothing (it runs without a SAVEPOINT, see
** contrib.h). Returns -1 with ${e} saying why the revision failed, or
** WRITER_DIRTY if the row could not be taken out either.
*/
static int
undo_contribution(struct db *db, struct contrib_new *c, struct err *e)
{
	struct err e2 = { 0 };
	sqlite3_stmt *st;
	int rc;

	db_err(db, e, "revision");
	/* SQLite rolled the transaction back itself (I/O error, full
	** disk): nothing is left, and the writer sees the batch lost. */
	if (sqlite3_get_autocommit(db_handle(db)))
		return (-1);
	if ((st = db_prepare(db, SQL_UNDO, &e2)) == NULL)
		return (WRITER_DIRTY);
	sqlite3_bind_int64(st, 1, c->id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	c->id = 0;
	return (rc == SQLITE_DONE && sqlite3_changes(db_handle(db)) == 1
		? -1
		: WRITER_DIRTY);
}

int
contrib_create_job(struct db *db, void *arg, struct err *e)
{
	struct contrib_new *c = arg;
	char prev[65];
	sqlite3_stmt *st;
	char *report;
	int rc;

	/* Insert first, if the consent is live: the key's UNIQUE index finds
	** a replay in the same descent that a lookup would make. Nothing of a
	** refused job stays (the writer rolls it back to its savepoint). */
	c->created_at = (int64_t)time(NULL);
	if ((st = db_prepare(db, SQL_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, c->account_id);
	sqlite3_bind_int64(st, 2, c->campaign_id);
	sqlite3_bind_int64(st, 3, c->consent_id);
	sqlite3_bind_text(st, 4, c->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->request_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->created_at);
	if (c->prompt_id > 0)
		sqlite3_bind_int64(st, 7, c->prompt_id);
	else
		sqlite3_bind_null(st, 7);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		c->id = sqlite3_last_insert_rowid(db_handle(db));
	} else if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_NOTNULL) {
		/* The key was used before, or the consent was withdrawn
		** (extended codes are on; NOT NULL is checked first). A
		** replay keeps its first outcome even if the consent was
		** withdrawn since. */
		int ins = rc;

		if ((rc = contrib_by_key(
			 db, c->account_id, c->key, &c->id, prev, e)) == -1)
			return (-1);
		if (rc == 0 && c->prompt_id > 0 &&
		    ins == SQLITE_CONSTRAINT_UNIQUE)
			return (err_set(e, ERR_CONFLICT, CONTRIB_PROMPT_DONE));
		if (rc == 0)
			return (err_set(e, ERR_FORBIDDEN,
			    "your consent for this campaign was withdrawn; "
			    "give it again to contribute"));
		if (strcmp(prev, c->request_sha) != 0)
			return (err_set(e, ERR_CONFLICT, CONTRIB_KEY_REUSED));
		c->replayed = 1;
		c->created_at = 0;
		return (0);
	} else
		return (db_err(db, e, "contribution"));
	if ((st = db_prepare(db, SQL_INSERT_REV, e)) == NULL)
		return (-1);
	report = c->report_json ? NULL
	    : c->report ? json_dumps(c->report, JSON_COMPACT | JSON_SORT_KEYS)
			: NULL;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, c->kind, -1, SQLITE_STATIC);
	if (c->prompt)
		sqlite3_bind_text(st, 3, c->prompt, -1, SQLITE_STATIC);
	if (c->text)
		sqlite3_bind_text(st, 4, c->text, -1, SQLITE_STATIC);
	if (c->audio_sha256) {
		sqlite3_bind_text(st, 5, c->audio_sha256, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 6, c->duration);
		sqlite3_bind_int(st, 7, c->sample_rate);
	}
	sqlite3_bind_text(st, 8,
	    c->report_json ? c->report_json
		: report   ? report
			   : "{}",
	    -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)c->created_at);
	free(report);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (undo_contribution(db, c, e));
	return (0);
}

static json_t *
col_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: return (json_null());
	case SQLITE_INTEGER: return (json_integer(sqlite3_column_int64(st, i)));
	case SQLITE_FLOAT: return (json_real(sqlite3_column_double(st, i)));
	default: return (json_string((const char *)sqlite3_column_text(st, i)));
	}
}

/* A string, or JSON null for NULL (as col_json() reads a NULL column). */
static json_t *
str_or_null(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

static int
key_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/*
** A new object holding ${o}'s members (shared, not copied) with its keys
** in sorted order, as json_dumps(JSON_SORT_KEYS) stores a redaction report
** (flat: kind -> count); an empty object for NULL. NULL if out of memory.
*/
static json_t *
sorted_copy(json_t *o)
{
	const char **keys;
	const char *k;
	json_t *out, *v;
	size_t i = 0, n = json_object_size(o);

	if ((out = json_object()) == NULL || n == 0)
		return (out);
	if ((keys = calloc(n, sizeof(*keys))) == NULL) {
		json_decref(out);
		return (NULL);
	}
	json_object_foreach(o, k, v)
	{
		keys[i++] = k;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 0; i < n; i++)
		if (json_object_set(
			out, keys[i], json_object_get(o, keys[i])) == -1) {
			json_decref(out);
			out = NULL;
			break;
		}
	free(keys);
	return (out);
}

/*
** Mirrors one row of contrib_json() (same keys in the same order, same
** types) for a row just inserted by contrib_create_job(): status is the
** schema's default, revision 1, not withdrawn; the redaction report is
** stored with sorted keys, so it is given sorted here too. The idempotency
** test compares this with its replay, which contrib_json() reads.
*/
json_t *
contrib_new_json(const struct contrib_new *c, const char *campaign)
{
	json_t *o, *report;

	if ((o = json_object()) == NULL)
		return (NULL);
	report = sorted_copy(c->report);
	json_object_set_new(o, "id", json_integer(c->id));
	json_object_set_new(o, "campaign", json_string(campaign));
	json_object_set_new(o, "status", json_string("pending"));
	json_object_set_new(o, "kind", str_or_null(c->kind));
	json_object_set_new(o, "text", str_or_null(c->text));
	json_object_set_new(o, "prompt", str_or_null(c->prompt));
	json_object_set_new(o, "redaction", report);
	json_object_set_new(o, "created_at", json_integer(c->created_at));
	json_object_set_new(o, "withdrawn_at", json_null());
	json_object_set_new(o, "revision", json_integer(1));
	json_object_set_new(o, "releases", json_array()); /* none yet */
	if (c->audio_sha256 != NULL) {
		json_object_set_new(o, "duration", json_real(c->duration));
		json_object_set_new(
		    o, "sample_rate", json_integer(c->sample_rate));
		json_object_set_new(
		    o, "audio_sha256", json_string(c->audio_sha256));
	}
	if (report == NULL || json_object_size(o) < 11) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

int
contrib_new_answer(
    const struct contrib_new *c, const char *campaign, struct buf *out)
{
	if (c->report_json == NULL || c->audio_sha256 != NULL ||
	    c->text == NULL || c->kind == NULL)
		return (-1);
	/* Keys in contrib_new_json()'s order. */
	if (buf_puts(out, "{\"contribution\":{\"id\":") == -1 ||
	    buf_int(out, (long long)c->id) == -1 ||
	    buf_puts(out, ",\"campaign\":") == -1 ||
	    buf_json_ascii(out, campaign, strlen(campaign)) == -1 ||
	    buf_puts(out, ",\"status\":\"pending\",\"kind\":") == -1 ||
	    buf_json_ascii(out, c->kind, strlen(c->kind)) == -1 ||
	    buf_puts(out, ",\"text\":") == -1 ||
	    buf_json_ascii(out, c->text, strlen(c->text)) == -1 ||
	    buf_puts(out, ",\"prompt\":") == -1 ||
	    (c->prompt != NULL
		    ? buf_json_ascii(out, c->prompt, strlen(c->prompt))
		    : buf_puts(out, "null")) == -1 ||
	    buf_puts(out, ",\"redaction\":") == -1 ||
	    buf_puts(out, c->report_json) == -1 ||
	    buf_puts(out, ",\"created_at\":") == -1 ||
	    buf_int(out, (long long)c->created_at) == -1 ||
	    buf_puts(out,
		",\"withdrawn_at\":null,\"revision\":1,\"releases\":[]}}") ==
		-1)
		return (-1);
	return (0);
}

json_t *
contrib_json(struct db *db, int64_t account, int64_t id, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o;
	char url[64];
	int rc;

	if ((st = db_prepare(db, id > 0 ? SQL_ONE : SQL_LIST, e)) == NULL)
		return (NULL);
	sqlite3_bind_int64(st, 1, account);
	if (id > 0)
		sqlite3_bind_int64(st, 2, id);
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object();
		json_object_set_new(o, "id", col_json(st, 0));
		json_object_set_new(o, "campaign", col_json(st, 1));
		json_object_set_new(o, "status", col_json(st, 2));
		json_object_set_new(o, "kind", col_json(st, 3));
		json_object_set_new(o, "text", col_json(st, 4));
		json_object_set_new(o, "prompt", col_json(st, 5));
		json_object_set_new(o, "redaction",
		    json_loads(
			(const char *)sqlite3_column_text(st, 6), 0, NULL));
		json_object_set_new(o, "created_at", col_json(st, 7));
		json_object_set_new(o, "withdrawn_at", col_json(st, 8));
		json_object_set_new(o, "revision", col_json(st, 9));
		json_object_set_new(o, "releases",
		    json_loads(
			(const char *)sqlite3_column_text(st, 14), 0, NULL));
		if (sqlite3_column_type(st, 12) != SQLITE_NULL) {
			snprintf(url, sizeof(url),
			    "/api/v1/contributions/%lld/audio",
			    (long long)sqlite3_column_int64(st, 0));
			json_object_set_new(o, "audio",
			    json_pack("{s:o,s:o,s:o,s:s}", "sha256",
				col_json(st, 12), "duration", col_json(st, 10),
				"sample_rate", col_json(st, 11), "url", url));
		}
		json_array_append_new(arr, o);
	}
	return (db_list_end(db, st, rc, arr, id != 0, "contributions",
	    "no such contribution of yours", e));
}

int
contrib_withdraw_job(struct db *db, void *arg, struct err *e)
{
	struct contrib_withdraw *w = arg;
	sqlite3_stmt *st;
	int64_t owner;
	int rc;

	w->count = 0;
	if (w->id > 0) {
		if ((st = db_prepare(db, SQL_OWNED, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, w->account_id);
		rc = sqlite3_step(st);
		owner = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return (err_set(
			    e, ERR_NOT_FOUND, "no such contribution of yours"));
		if (rc != SQLITE_ROW)
			return (db_err(db, e, "contribution"));
		/* On someone's behalf: only over a lower role (or as admin). */
		if (w->account_id == 0 &&
		    account_may_act(db, w->actor, owner, e) == -1)
			return (-1);
	}
	st = db_prepare(db, w->id > 0 ? SQL_WITHDRAW_ONE : SQL_WITHDRAW_ALL, e);
	if (st == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int64(st, 2, w->account_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	/* RETURNING rows are all produced before the first is read. */
	{
		int64_t ids[256], owners[256];
		int n = 0, more = 1;

		while (more) {
			n = 0;
			while (
			    n < 256 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
				ids[n] = sqlite3_column_int64(st, 0);
				owners[n] = sqlite3_column_int64(st, 1);
				n++;
			}
			more = n == 256;
			if (!more && rc != SQLITE_DONE) {
				sqlite3_reset(st);
				return (db_err(db, e, "withdraw"));
			}
			for (int i = 0; i < n; i++) {
				w->count++;
				if (audit_append(db,
					w->actor ? w->actor : owners[i],
					"contribution.withdrawn", ids[i],
					json_pack("{s:I}", "account",
					    (json_int_t)owners[i]),
					e) == -1) {
					sqlite3_reset(st);
					return (-1);
				}
			}
		}
	}
	sqlite3_reset(st);
	return (0);
}

json_t *
contrib_export(struct db *db, int64_t account, struct err *e)
{
	struct account a;
	sqlite3_stmt *st;
	json_t *out, *list, *c, *revs, *consents, *r;
	size_t i;
	int rc;

	if ((rc = account_get(db, NULL, account, &a, e)) != 1) {
		if (rc == 0)
			err_set(e, ERR_NOT_FOUND, "no such account");
		return (NULL);
	}
	out = json_pack("{s:s,s:I,s:o}", "format", "tributary-export-1",
	    "exported_at", (json_int_t)time(NULL), "account", account_json(&a));
	account_clear(&a);
	if ((consents = consent_record_json(db, account, 0, e)) == NULL)
		goto fail;
	json_object_set_new(out, "consents", consents);
	if ((list = contrib_json(db, account, 0, e)) == NULL)
		goto fail;
	json_array_foreach(list, i, c)
	{
		if ((st = db_prepare(db, SQL_REVISIONS, e)) == NULL) {
			json_decref(list);
			goto fail;
		}
		sqlite3_bind_int64(
		    st, 1, json_integer_value(json_object_get(c, "id")));
		revs = json_array();
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			r = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
			    "revision", col_json(st, 0), "kind",
			    col_json(st, 1), "prompt", col_json(st, 2), "text",
			    col_json(st, 3), "audio_sha256", col_json(st, 4),
			    "duration", col_json(st, 5), "sample_rate",
			    col_json(st, 6), "redaction",
			    json_loads((const char *)sqlite3_column_text(st, 7),
				0, NULL),
			    "created_at", col_json(st, 8));
			json_array_append_new(revs, r);
		}
		sqlite3_reset(st);
		json_object_set_new(c, "revisions", revs);
		if (rc != SQLITE_DONE) {
			/* Never a partial export: all of it or an error. */
			db_err(db, e, "revisions");
			json_decref(list);
			goto fail;
		}
	}
	json_object_set_new(out, "contributions", list);
	return (out);
fail:
	json_decref(out);
	return (NULL);
}

int
contrib_audio_blob(struct db *db, int64_t id, int64_t account, int reviewer,
    char sha[65], struct err *e)
{
	sqlite3_stmt *st;
	int rc, ok = 0;

	if ((st = db_prepare(db, SQL_AUDIO, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, account);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    (sqlite3_column_int64(st, 1) == account ||
		(reviewer == CONTRIB_AUDIO_MAINTAINER &&
		    sqlite3_column_type(st, 2) == SQLITE_NULL) ||
		(reviewer == CONTRIB_AUDIO_REVIEWER &&
		    strcmp((const char *)sqlite3_column_text(st, 3),
			"pending") == 0 &&
		    sqlite3_column_int(st, 4) == 1))) {
		snprintf(
		    sha, 65, "%s", (const char *)sqlite3_column_text(st, 0));
		ok = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "contribution"));
	return (ok);
}
