/*
** Demographics (demographics.h): checking, reading and writing what a
** contributor chose to say about themself.
*/
#include "demographics.h"

#include <string.h>
#include <time.h>

#include "text.h"

const char *const demo_age_ranges[] = { "10-19", "20-29", "30-39", "40-49",
	"50-59", "60-69", "70-79", "80+", NULL };
const char *const demo_genders[] = { "female", "male", "another", NULL };

static const char SQL_GET[] = "SELECT coalesce(age_range, ''), "
			      "coalesce(gender, ''), coalesce(variety, '') "
			      "FROM demographics WHERE account_id = ?1";
static const char SQL_PUT[] =
    "INSERT INTO demographics(account_id, age_range, gender, variety, "
    "updated_at) VALUES (?1, nullif(?2, ''), nullif(?3, ''), nullif(?4, ''),"
    " ?5) ON CONFLICT (account_id) DO UPDATE SET age_range = "
    "excluded.age_range, gender = excluded.gender, variety = "
    "excluded.variety, updated_at = excluded.updated_at";
static const char SQL_DELETE[] =
    "DELETE FROM demographics WHERE account_id = ?1";

/* Copies ${o}[${key}] (a string from ${allowed}, or null/"" for none)
** into ${out}. 0, or -1 with ${e}. */
static int
one_of(json_t *o, const char *key, const char *const *allowed, char *out,
    size_t outsz, struct err *e)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	char list[128];
	size_t i;

	out[0] = '\0';
	if (v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0))
		return (0);
	s = json_is_string(v) ? json_string_value(v) : "";
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(s, allowed[i]) == 0) {
			snprintf(out, outsz, "%s", s);
			return (0);
		}
	for (i = 0, list[0] = '\0'; allowed[i] != NULL; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i ? ", " : "", allowed[i]);
	return (err_set(
	    e, ERR_INVALID, "\"%s\" must be one of %s, or nothing", key, list));
}

/* The variety ${s}: trimmed, runs of spaces made one, into ${out}. */
static int
variety(const char *s, size_t n, char out[DEMO_VARIETY_MAX + 1], struct err *e)
{
	size_t i, o = 0;
	int space = 0;

	out[0] = '\0';
	if (utf8_invalid_at(s, n) != n)
		return (
		    err_set(e, ERR_INVALID, "\"variety\" is not UTF-8 text"));
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '@' || (c >= '0' && c <= '9'))
			return (err_set(e, ERR_INVALID,
			    "\"variety\" is the name of a dialect or accent: "
			    "words, without digits or \"@\""));
		if (space) {
			if (o >= DEMO_VARIETY_MAX)
				goto long_;
			out[o++] = ' ';
			space = 0;
		}
		if (o >= DEMO_VARIETY_MAX)
			goto long_;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (0);
long_:
	out[0] = '\0';
	return (err_set(e, ERR_INVALID, "\"variety\" is at most %d bytes",
	    DEMO_VARIETY_MAX));
}

int
demographics_parse(json_t *o, struct demographics *d, struct err *e)
{
	json_t *v;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o))
		return (err_set(e, ERR_INVALID,
		    "send {\"age_range\",\"gender\",\"variety\"}"));
	if (one_of(o, "age_range", demo_age_ranges, d->age_range,
		sizeof(d->age_range), e) == -1 ||
	    one_of(o, "gender", demo_genders, d->gender, sizeof(d->gender),
		e) == -1)
		return (-1);
	v = json_object_get(o, "variety");
	if (v == NULL || json_is_null(v))
		return (0);
	if (!json_is_string(v))
		return (err_set(e, ERR_INVALID, "\"variety\" must be text"));
	return (variety(
	    json_string_value(v), json_string_length(v), d->variety, e));
}

json_t *
demographics_json(const struct demographics *d)
{
	return (json_pack("{s:s?,s:s?,s:s?}", "age_range",
	    d->age_range[0] ? d->age_range : NULL, "gender",
	    d->gender[0] ? d->gender : NULL, "variety",
	    d->variety[0] ? d->variety : NULL));
}

int
demographics_get(
    struct db *db, int64_t account, struct demographics *d, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(d, 0, sizeof(*d));
	if ((st = db_prepare(db, SQL_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(d->age_range, sizeof(d->age_range), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		snprintf(d->gender, sizeof(d->gender), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(d->variety, sizeof(d->variety), "%s",
		    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE
		? 0
		: db_err(db, e, "demographics"));
}

int
demographics_job(struct db *db, void *arg, struct err *e)
{
	struct demographics_set *ds = arg;
	sqlite3_stmt *st;
	int rc;

	if (ds->d.age_range[0] == '\0' && ds->d.gender[0] == '\0' &&
	    ds->d.variety[0] == '\0')
		return (db_run(db, SQL_DELETE, ds->account, 0, "demographics",
			    e) == -1
			? -1
			: 0);
	if ((st = db_prepare(db, SQL_PUT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ds->account);
	sqlite3_bind_text(st, 2, ds->d.age_range, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ds->d.gender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ds->d.variety, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "demographics"));
}
