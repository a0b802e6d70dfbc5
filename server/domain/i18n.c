/*
** The pages' languages (i18n.h): catalogs, saved translations, reviews.
*/
#include "i18n.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "text.h"

/* Now in milliseconds: a save and a review in the same second keep
** their order. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static const char SQL_I18N_SAVED[] =
    "SELECT key, text, by, at FROM translations WHERE lang = ?1";
static const char SQL_I18N_LANGS[] =
    "SELECT lang, count(*), max(at) FROM translations GROUP BY lang";
static const char SQL_I18N_LAST_REVIEW[] =
    "SELECT max(at) FROM translation_reviews WHERE lang = ?1";
static const char SQL_I18N_LAST_SAVE[] =
    "SELECT max(at) FROM translations WHERE lang = ?1";
static const char SQL_I18N_SAVE[] =
    "INSERT INTO translations (lang, key, text, by, at) VALUES "
    "(?1, ?2, ?3, ?4, ?5) ON CONFLICT (lang, key) DO UPDATE SET "
    "text = excluded.text, by = excluded.by, at = excluded.at";
/* Strings of ?1 saved by ?2 since the last review mark of ?1. */
static const char SQL_I18N_MINE_SINCE[] =
    "SELECT count(*) FROM translations WHERE lang = ?1 AND by = ?2 AND "
    "at >= coalesce((SELECT max(at) FROM translation_reviews WHERE "
    "lang = ?1), 0)";
static const char SQL_I18N_REVIEW[] =
    "INSERT INTO translation_reviews (lang, by, at) VALUES (?1, ?2, ?3)";
static const char SQL_I18N_TRANSLATOR[] =
    "UPDATE accounts SET can_translate = ?2 WHERE id = ?1";

/* ---------------------------------------------------------------------
** Catalog files
*/

/* Is ${name} "TAG.json" with a language tag? Its tag into ${lang}. */
static int
catalog_name(const char *name, char lang[36])
{
	size_t n = strlen(name);
	struct err e = { 0 };

	if (n <= 5 || n - 5 >= 36 || strcmp(name + n - 5, ".json") != 0)
		return (0);
	memcpy(lang, name, n - 5);
	lang[n - 5] = '\0';
	return (lang_tag_check(lang, &e) == 0);
}

static int
by_lang(const void *a, const void *b)
{
	const struct i18n_catalog *x = a, *y = b;

	if (strcmp(x->lang, "en") == 0 || strcmp(y->lang, "en") == 0)
		return (strcmp(y->lang, "en") == 0) -
		    (strcmp(x->lang, "en") == 0);
	return (strcmp(x->lang, y->lang));
}

int
i18n_load(const char *dir, struct i18n_set *s, struct err *e)
{
	struct i18n_catalog *c;
	char path[4096], lang[36];
	struct dirent *de;
	json_error_t je;
	const char *k;
	json_t *j, *v;
	DIR *d;
	size_t i;

	memset(s, 0, sizeof(*s));
	if ((d = opendir(dir)) == NULL)
		return (err_set(e, ERR_STORAGE,
		    "%s: cannot open the folder of "
		    "catalogs",
		    dir));
	if ((s->c = calloc(I18N_LANGS_MAX, sizeof(*s->c))) == NULL) {
		closedir(d);
		return (err_oom(e));
	}
	while ((de = readdir(d)) != NULL) {
		if (!catalog_name(de->d_name, lang))
			continue;
		if (s->n == I18N_LANGS_MAX) {
			err_set(e, ERR_INVALID, "%s: more than %d catalogs",
			    dir, I18N_LANGS_MAX);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((j = json_load_file(path, JSON_REJECT_DUPLICATES, &je)) ==
			NULL ||
		    !json_is_object(j)) {
			json_decref(j);
			err_set(e, ERR_INVALID,
			    "%s:%d: not one JSON object: %s", path, je.line,
			    je.text);
			goto fail;
		}
		json_object_foreach(j, k, v)
		{
			if (!json_is_string(v) && strcmp(k, "_reviewed") != 0) {
				json_decref(j);
				err_set(e, ERR_INVALID,
				    "%s: \"%.60s\" is not a string", path, k);
				goto fail;
			}
		}
		c = &s->c[s->n++];
		snprintf(c->lang, sizeof(c->lang), "%s", lang);
		c->strings = j;
		c->reviewed = !json_is_false(json_object_get(j, "_reviewed"));
	}
	closedir(d);
	d = NULL;
	qsort(s->c, s->n, sizeof(*s->c), by_lang);
	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i].lang, "en") == 0)
			s->en = &s->c[i];
	if (s->en == NULL) {
		err_set(
		    e, ERR_INVALID, "%s: no en.json (it names every key)", dir);
		goto fail;
	}
	return (0);
fail:
	if (d != NULL)
		closedir(d);
	i18n_free(s);
	return (-1);
}

void
i18n_free(struct i18n_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		json_decref(s->c[i].strings);
	free(s->c);
	memset(s, 0, sizeof(*s));
}

const struct i18n_catalog *
i18n_find(const struct i18n_set *s, const char *lang)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->c[i].lang, lang) == 0)
			return (&s->c[i]);
	return (NULL);
}

/* A key the pages show (not "_reviewed", "_name")? */
static int
shown_key(const char *k)
{
	return (k[0] != '_');
}

/* Does ${c} (may be NULL) give ${key} a text? */
static int
has_text(const struct i18n_catalog *c, const char *key)
{
	json_t *v = c ? json_object_get(c->strings, key) : NULL;

	return (json_is_string(v) && json_string_length(v) > 0);
}

/* ---------------------------------------------------------------------
** Status
*/

/* The newest time of ${sql} for ${lang} (0: none); -1 with ${e}. */
static int64_t
newest(struct db *db, const char *sql, const char *lang, struct err *e)
{
	sqlite3_stmt *st;
	int64_t t = 0;
	int rc;

	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "translations"));
	return (t);
}

/*
** Is ${lang} reviewed: its catalog file says so and nothing was saved
** on the node, or a second speaker marked it after the last save. 1, 0,
** -1 with ${e}.
*/
static int
lang_reviewed(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e)
{
	const struct i18n_catalog *c = i18n_find(s, lang);
	int64_t saved, marked;

	if ((saved = newest(db, SQL_I18N_LAST_SAVE, lang, e)) == -1 ||
	    (marked = newest(db, SQL_I18N_LAST_REVIEW, lang, e)) == -1)
		return (-1);
	if (marked > 0 && marked > saved)
		return (1);
	return (saved == 0 && c != NULL && c->reviewed);
}

/* The saved strings of ${lang}: a new object key → [text, by, at]. */
static json_t *
saved_of(struct db *db, const char *lang, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_I18N_SAVED, e)) == NULL)
		return (NULL);
	sqlite3_bind_text(st, 1, lang, -1, SQLITE_STATIC);
	return (i18n_drafts_rows(db, st, "translations", e));
}

json_t *
i18n_drafts_rows(
    struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	json_t *o;
	int rc;

	if ((o = json_object()) == NULL) {
		sqlite3_reset(st);
		err_oom(e);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_object_set_new(o, (const char *)sqlite3_column_text(st, 0),
		    json_pack("[s,I,I]", sqlite3_column_text(st, 1),
			(json_int_t)sqlite3_column_int64(st, 2),
			(json_int_t)sqlite3_column_int64(st, 3)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		db_err(db, e, what);
		return (NULL);
	}
	return (o);
}

/* One language's row of the status; NULL with ${e}. */
static json_t *
status_of(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e)
{
	const struct i18n_catalog *c = i18n_find(s, lang);
	json_t *saved, *name;
	size_t keys = 0, have = 0;
	const char *k;
	json_t *v;
	double cov;
	int rev;

	if ((saved = saved_of(db, lang, e)) == NULL ||
	    (rev = lang_reviewed(s, db, lang, e)) == -1) {
		json_decref(saved);
		return (NULL);
	}
	json_object_foreach(s->en->strings, k, v)
	{
		if (!shown_key(k))
			continue;
		keys++;
		if (has_text(c, k) || json_object_get(saved, k) != NULL)
			have++;
	}
	cov = keys ? (double)have / (double)keys : 0;
	name = c ? json_object_get(c->strings, "_name") : NULL;
	v = json_pack("{s:s,s:s,s:f,s:I,s:I,s:b,s:b,s:I}", "lang", lang, "name",
	    json_is_string(name) ? json_string_value(name) : lang, "coverage",
	    (double)(int)(cov * 10000) / 10000, "keys", (json_int_t)keys,
	    "have", (json_int_t)have, "reviewed", rev, "offered",
	    have * 10 >= keys * 9, "overrides",
	    (json_int_t)json_object_size(saved));
	json_decref(saved);
	if (v == NULL)
		err_oom(e);
	return (v);
}

json_t *
i18n_status(const struct i18n_set *s, struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a, *row;
	const char *l;
	size_t i;
	int rc;

	if ((a = json_array()) == NULL)
		return (err_oom(e), NULL);
	for (i = 0; i < s->n; i++) {
		if ((row = status_of(s, db, s->c[i].lang, e)) == NULL)
			goto fail;
		json_array_append_new(a, row);
	}
	/* Languages begun on the node, without a catalog file. */
	if ((st = db_prepare(db, SQL_I18N_LANGS, e)) == NULL)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		l = (const char *)sqlite3_column_text(st, 0);
		if (i18n_find(s, l) != NULL)
			continue;
		if (json_array_size(a) >= I18N_LANGS_MAX * 2)
			break;
		row = status_of(s, db, l, e);
		if (row == NULL) {
			sqlite3_reset(st);
			goto fail;
		}
		json_array_append_new(a, row);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		db_err(db, e, "translations");
		goto fail;
	}
	return (a);
fail:
	json_decref(a);
	return (NULL);
}

json_t *
i18n_overrides(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e)
{
	json_t *saved, *o, *v;
	const char *k;
	int rev;

	if ((saved = saved_of(db, lang, e)) == NULL)
		return (NULL);
	if ((rev = lang_reviewed(s, db, lang, e)) == -1 ||
	    (o = json_object()) == NULL) {
		json_decref(saved);
		return (rev == -1 ? NULL : (err_oom(e), NULL));
	}
	json_object_foreach(saved, k, v)
	    json_object_set(o, k, json_array_get(v, 0));
	json_object_set_new(o, "_reviewed", json_boolean(rev));
	json_decref(saved);
	return (o);
}

json_t *
i18n_rows(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e)
{
	const struct i18n_catalog *c = i18n_find(s, lang);
	json_t *saved, *todo, *done, *sv, *row, *v;
	const char *k;
	size_t i;

	if ((saved = saved_of(db, lang, e)) == NULL)
		return (NULL);
	todo = json_array();
	done = json_array();
	json_object_foreach(s->en->strings, k, v)
	{
		if (!shown_key(k))
			continue;
		sv = json_object_get(saved, k);
		row = json_pack("{s:s,s:O,s:O,s:b}", "key", k, "en", v, "text",
		    sv                   ? json_array_get(sv, 0)
			: has_text(c, k) ? json_object_get(c->strings, k)
					 : json_null(),
		    "saved", sv != NULL);
		if (row != NULL && sv != NULL) {
			json_object_set(row, "by", json_array_get(sv, 1));
			json_object_set(row, "at", json_array_get(sv, 2));
		}
		json_array_append_new(sv || has_text(c, k) ? done : todo, row);
	}
	json_array_foreach(done, i, v) json_array_append(todo, v);
	json_decref(done);
	json_decref(saved);
	return (todo);
}

/* ---------------------------------------------------------------------
** Saving
*/

/* The next {placeholder} of ${p} from *${at}: its name into ${out}; 0 at
** the end. */
static int
next_placeholder(const char *p, size_t *at, char out[64])
{
	const char *o, *c;

	for (;;) {
		if ((o = strchr(p + *at, '{')) == NULL)
			return (0);
		c = strchr(o, '}');
		if (c == NULL)
			return (0);
		*at = (size_t)(c - p) + 1;
		if (c - o - 1 > 0 && c - o - 1 < 64 &&
		    strspn(o + 1,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0"
			"123456789_") == (size_t)(c - o - 1)) {
			memcpy(out, o + 1, (size_t)(c - o - 1));
			out[c - o - 1] = '\0';
			return (1);
		}
	}
}

/* Does ${p} hold the placeholder {${name}}? */
static int
holds(const char *p, const char *name)
{
	char want[64];
	size_t at = 0;

	while (next_placeholder(p, &at, want))
		if (strcmp(want, name) == 0)
			return (1);
	return (0);
}

int
i18n_text_check(const char *en, const char *text, struct err *e)
{
	char name[64];
	size_t at = 0, n = strlen(text);

	if (n == 0 || n > I18N_TEXT_MAX)
		return (err_set(e, ERR_INVALID,
		    "a translation is 1 to %d bytes", I18N_TEXT_MAX));
	if (utf8_invalid_at(text, n) != n)
		return (err_set(e, ERR_INVALID, "the text is not valid UTF-8"));
	while (next_placeholder(en, &at, name))
		if (!holds(text, name))
			return (err_set(e, ERR_INVALID,
			    "the English has {%s}: the translation must keep "
			    "it as it is",
			    name));
	at = 0;
	while (next_placeholder(text, &at, name))
		if (!holds(en, name))
			return (err_set(e, ERR_INVALID,
			    "{%s} is not in the English: the page has nothing "
			    "to put there",
			    name));
	return (0);
}

int
i18n_save_job(struct db *db, void *arg, struct err *e)
{
	struct i18n_save *sv = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_I18N_SAVE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, sv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sv->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sv->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sv->by);
	sqlite3_bind_int64(st, 5, now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "translations"));
	return (audit_append(db, sv->by, "i18n.saved", 0,
	    json_pack("{s:s,s:s,s:s}", "lang", sv->lang, "key", sv->key, "text",
		sv->text),
	    e));
}

int
i18n_review_job(struct db *db, void *arg, struct err *e)
{
	struct i18n_review *rv = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_I18N_MINE_SINCE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, rv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rv->by);
	rc = sqlite3_step(st);
	rv->strings = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "translations"));
	if (rv->strings > 0)
		return (err_set(e, ERR_CONFLICT,
		    "you saved %d strings of %s since it was last reviewed: a "
		    "second speaker must review them",
		    rv->strings, rv->lang));
	if ((st = db_prepare(db, SQL_I18N_REVIEW, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, rv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, rv->by);
	sqlite3_bind_int64(st, 3, now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "translation reviews"));
	return (audit_append(db, rv->by, "i18n.reviewed", 0,
	    json_pack("{s:s}", "lang", rv->lang), e));
}

int
i18n_translator_job(struct db *db, void *arg, struct err *e)
{
	struct i18n_translator *t = arg;
	int n;

	if (account_may_act(db, t->actor, t->id, e) == -1)
		return (-1);
	if ((n = db_run(db, SQL_I18N_TRANSLATOR, t->id, t->on ? 1 : 0,
		 "accounts", e)) == -1)
		return (-1);
	if (n == 0)
		return (err_set(
		    e, ERR_NOT_FOUND, "no account %lld", (long long)t->id));
	return (audit_append(db, t->actor, "account.translator", t->id,
	    json_pack("{s:b}", "can_translate", t->on), e));
}
