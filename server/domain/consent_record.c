/*
** Consent records (consent_record.h).
*/
#include "consent_record.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"

static const char SQL_CONSENT_INSERT[] =
    "INSERT INTO consents(account_id, campaign_id, document_sha256, scopes, "
    "method, age_confirmed, given_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_CONSENT_WITHDRAW[] =
    "UPDATE consents SET withdrawn_at = ?3 WHERE id = ?1 AND account_id = ?2"
    " AND withdrawn_at IS NULL";
static const char SQL_CONTRIB_WITHDRAW_BY_CONSENT[] =
    "UPDATE contributions SET status = 'withdrawn', withdrawn_at = ?2 "
    "WHERE consent_id = ?1 AND withdrawn_at IS NULL RETURNING id";
static const char SQL_CONSENT_OWNED[] =
    "SELECT 1 FROM consents WHERE id = ?1 AND account_id = ?2";
static const char SQL_CONSENT_SPOKEN[] =
    "UPDATE consents SET spoken_sha256 = ?3, spoken_duration = ?4, "
    "spoken_at = ?5 WHERE id = ?1 AND account_id = ?2 AND withdrawn_at IS "
    "NULL";
static const char SQL_CONSENT_LIVE_OF[] =
    "SELECT 1 FROM consents WHERE id = ?1 AND account_id = ?2 AND "
    "withdrawn_at IS NULL";
static const char SQL_CONSENT_LIST[] =
    "SELECT c.id, k.slug, k.title, c.document_sha256, d.lang, d.version, "
    "c.scopes, c.given_at, c.withdrawn_at, c.spoken_sha256, "
    "c.spoken_duration, c.spoken_at FROM consents c "
    "JOIN campaigns k ON k.id = c.campaign_id "
    "JOIN consent_documents d ON d.sha256 = c.document_sha256 "
    "WHERE c.account_id = ?1 AND (?2 = 0 OR c.id = ?2) ORDER BY c.id";

int
consent_validate(const struct campaign *c, const struct consent_set *docs,
    const char *doc_sha, json_t *scopes, int age_confirmed, char current[65],
    struct err *e)
{
	const struct consent_doc *d, *en;
	json_t *v, *w;
	size_t i, j, k;
	int cur;

	current[0] = '\0';
	cur = consent_current_version(docs, c->consent);
	en = consent_find(docs, c->consent, cur, "en");
	if (en != NULL)
		snprintf(current, 65, "%s", en->sha256);
	d = doc_sha ? consent_by_hash(docs, doc_sha) : NULL;
	if (d == NULL || strcmp(d->slug, c->consent) != 0 || d->version != cur)
		return (err_set(e, ERR_CONFLICT,
		    "this is not the current consent document for the "
		    "campaign (version %d is): please read it again",
		    cur));
	if (!age_confirmed)
		return (err_set(e, ERR_FORBIDDEN,
		    "people under %d need a parent's or guardian's consent to "
		    "take part; ask the drive's organizers how they collect it",
		    c->minimum_age > d->minimum_age ? c->minimum_age
						    : d->minimum_age));
	if (!json_is_array(scopes))
		return (err_set(e, ERR_INVALID,
		    "\"scopes\" must be an array of scope ids"));
	json_array_foreach(scopes, i, v)
	{
		if (!json_is_string(v))
			return (err_set(e, ERR_INVALID,
			    "\"scopes\"[%zu] must be a string", i));
		for (k = 0; k < d->nscopes &&
		     strcmp(d->scopes[k].id, json_string_value(v)) != 0;
		     k++)
			;
		if (k == d->nscopes)
			return (err_set(e, ERR_INVALID,
			    "\"%s\" is not a scope of this document",
			    json_string_value(v)));
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(scopes, j), v))
				return (err_set(e, ERR_INVALID,
				    "\"%s\" is given twice",
				    json_string_value(v)));
	}
	json_array_foreach(c->required_scopes, i, w)
	{
		json_array_foreach(scopes, j, v) if (json_equal(v, w)) break;
		if (j == json_array_size(scopes))
			return (err_set(e, ERR_INVALID,
			    "this campaign needs the scope \"%s\": without it "
			    "your contributions could not be used",
			    json_string_value(w)));
	}
	return (0);
}

int
consent_give_job(struct db *db, void *arg, struct err *e)
{
	struct consent_give *g = arg;
	sqlite3_stmt *st;
	char *scopes;
	int rc;

	if ((st = db_prepare(db, SQL_CONSENT_INSERT, e)) == NULL)
		return (-1);
	scopes = json_dumps(g->scopes, JSON_COMPACT);
	sqlite3_bind_int64(st, 1, g->account_id);
	sqlite3_bind_int64(st, 2, g->campaign_id);
	sqlite3_bind_text(st, 3, g->document, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, scopes ? scopes : "[]", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(
	    st, 5, g->method ? g->method : "checkbox", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, g->age_confirmed);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)time(NULL));
	free(scopes);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent"));
	g->id = sqlite3_last_insert_rowid(db_handle(db));
	return (audit_append(db, g->account_id, "consent.given", g->id,
	    json_pack("{s:s,s:O,s:I}", "document", g->document, "scopes",
		g->scopes, "campaign", (json_int_t)g->campaign_id),
	    e));
}

int
consent_withdraw_job(struct db *db, void *arg, struct err *e)
{
	struct consent_withdraw *w = arg;
	sqlite3_stmt *st;
	int rc, changed;

	if ((st = db_prepare(db, SQL_CONSENT_OWNED, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int64(st, 2, w->account_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (err_set(e, ERR_NOT_FOUND, "no such consent of yours"));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "consent"));
	if ((st = db_prepare(db, SQL_CONSENT_WITHDRAW, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int64(st, 2, w->account_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent"));
	changed = sqlite3_changes(db_handle(db));
	if (!changed)
		return (0); /* already withdrawn */
	/* What was given under this consent is withdrawn with it. */
	if ((st = db_prepare(db, SQL_CONTRIB_WITHDRAW_BY_CONSENT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	/* The UPDATE is done at the first step; the ids come buffered. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (audit_append(db, w->actor ? w->actor : w->account_id,
			"contribution.withdrawn", sqlite3_column_int64(st, 0),
			json_pack("{s:I,s:I}", "account",
			    (json_int_t)w->account_id, "consent",
			    (json_int_t)w->id),
			e) == -1) {
			sqlite3_reset(st);
			return (-1);
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "contributions"));
	return (audit_append(db, w->actor ? w->actor : w->account_id,
	    "consent.withdrawn", w->id,
	    json_pack("{s:I}", "account", (json_int_t)w->account_id), e));
}

json_t *
consent_record_json(
    struct db *db, int64_t account_id, int64_t id, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o, *scopes;
	int rc;

	if ((st = db_prepare(db, SQL_CONSENT_LIST, e)) == NULL)
		return (NULL);
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, id);
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		scopes = json_loads(
		    (const char *)sqlite3_column_text(st, 6), 0, NULL);
		o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:o,s:I}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "campaign",
		    (const char *)sqlite3_column_text(st, 1), "campaign_title",
		    (const char *)sqlite3_column_text(st, 2), "document",
		    (const char *)sqlite3_column_text(st, 3), "lang",
		    (const char *)sqlite3_column_text(st, 4), "version",
		    sqlite3_column_int(st, 5), "scopes",
		    scopes ? scopes : json_array(), "given_at",
		    (json_int_t)sqlite3_column_int64(st, 7));
		json_object_set_new(o, "withdrawn_at",
		    sqlite3_column_type(st, 8) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 8)));
		json_object_set_new(o, "spoken",
		    sqlite3_column_type(st, 9) == SQLITE_NULL
			? json_null()
			: json_pack("{s:s,s:f,s:I}", "sha256",
			      (const char *)sqlite3_column_text(st, 9),
			      "duration", sqlite3_column_double(st, 10), "at",
			      (json_int_t)sqlite3_column_int64(st, 11)));
		json_array_append_new(arr, o);
	}
	return (db_list_end(db, st, rc, arr, id != 0, "consents",
	    "no such consent of yours", e));
}

int
consent_spoken_job(struct db *db, void *arg, struct err *e)
{
	struct consent_spoken *sp = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_CONSENT_SPOKEN, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, sp->id);
	sqlite3_bind_int64(st, 2, sp->account_id);
	sqlite3_bind_text(st, 3, sp->sha256, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 4, sp->duration);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent"));
	if (sqlite3_changes(db_handle(db)) == 0)
		return (err_set(e, ERR_NOT_FOUND,
		    "no live consent %lld of yours", (long long)sp->id));
	return (audit_append(db, sp->account_id, "consent.spoken", sp->id,
	    json_pack(
		"{s:s,s:f}", "sha256", sp->sha256, "duration", sp->duration),
	    e));
}

int
consent_live_of(struct db *db, int64_t id, int64_t account_id, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_CONSENT_LIVE_OF, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, account_id);
	return (db_exists(db, st, "consent", e));
}
