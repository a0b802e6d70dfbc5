/*
** Publications (publication.h).
*/
#include "publication.h"

#include <string.h>
#include <time.h>

#include "audit.h"

static const char SQL_RELEASE[] =
    "SELECT id, dataset, state = 'approved', retired_at IS NOT NULL FROM "
    "releases WHERE version = ?1";
static const char SQL_RETIRED[] =
    "SELECT DISTINCT r.version FROM publications p JOIN releases r ON "
    "r.id = p.release_id WHERE p.endpoint = ?1 AND p.repo = ?2 AND "
    "p.unpublished_at IS NULL AND r.retired_at IS NOT NULL ORDER BY 1";
static const char SQL_ADD[] =
    "INSERT INTO publications(release_id, endpoint, repo, commit_id, at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_OFF[] =
    "UPDATE publications SET unpublished_at = ?4 WHERE endpoint = ?1 AND "
    "repo = ?2 AND unpublished_at IS NULL AND release_id = (SELECT id FROM "
    "releases WHERE version = ?3)";
static const char SQL_LIST[] =
    "SELECT p.endpoint, p.repo, p.commit_id, p.at, p.unpublished_at FROM "
    "publications p JOIN releases r ON r.id = p.release_id WHERE "
    "r.version = ?1 ORDER BY p.id DESC";

int
publication_release(struct db *db, const char *version,
    struct publication_release *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_prepare(db, SQL_RELEASE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->dataset, sizeof(out->dataset), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		out->approved = sqlite3_column_int(st, 2);
		out->retired = sqlite3_column_int(st, 3);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "release"));
}

json_t *
publication_retired(
    struct db *db, const char *endpoint, const char *repo, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	int rc;

	if ((st = db_prepare(db, SQL_RETIRED, e)) == NULL)
		return (NULL);
	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_text(st, 1, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, repo, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
		    a, json_string((const char *)sqlite3_column_text(st, 0)));
	return (db_list_end(db, st, rc, a, 0, "publications", NULL, e));
}

int
publication_record_job(struct db *db, void *arg, struct err *e)
{
	struct publication_record *pr = arg;
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *st;
	json_t *v;
	size_t i;
	int rc;

	json_array_foreach(pr->unpublished, i, v)
	{
		if ((st = db_prepare(db, SQL_OFF, e)) == NULL)
			return (-1);
		sqlite3_bind_text(st, 1, pr->endpoint, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pr->repo, -1, SQLITE_STATIC);
		sqlite3_bind_text(
		    st, 3, json_string_value(v), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "publications"));
	}
	if ((st = db_prepare(db, SQL_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, pr->release);
	sqlite3_bind_text(st, 2, pr->endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pr->repo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pr->commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "publications"));
	return (audit_append(db, pr->actor, "release.published", pr->release,
	    json_pack("{s:s,s:s,s:s,s:s,s:O}", "version", pr->version,
		"endpoint", pr->endpoint, "repo", pr->repo, "commit",
		pr->commit, "unpublished",
		pr->unpublished ? pr->unpublished : json_array()),
	    e));
}

json_t *
publication_list(struct db *db, const char *version, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a, *o;
	int rc;

	if ((st = db_prepare(db, SQL_LIST, e)) == NULL)
		return (NULL);
	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_text(st, 1, version, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:s,s:s,s:s,s:I,s:o}", "endpoint",
		    (const char *)sqlite3_column_text(st, 0), "repo",
		    (const char *)sqlite3_column_text(st, 1), "commit",
		    (const char *)sqlite3_column_text(st, 2), "at",
		    (json_int_t)sqlite3_column_int64(st, 3), "unpublished_at",
		    sqlite3_column_type(st, 4) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 4)));
		if (o != NULL)
			json_array_append_new(a, o);
	}
	return (db_list_end(db, st, rc, a, 0, "publications", NULL, e));
}
