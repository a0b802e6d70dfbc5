/*
** The pages' languages: the message catalogs in webroot/i18n (LANG.json,
** flat objects of "key": "text"; en.json holds every key), the strings a
** translator saved on the node's translation page (table translations),
** which extend or override a catalog, and a second speaker's marks that a
** language is reviewed (translation_reviews). A language is offered in
** the pages' menu once I18N_MIN_COVERAGE of English's keys have a text.
*/
#ifndef TRIBUTARY_I18N_H
#define TRIBUTARY_I18N_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* The share of English's keys a language needs to be offered. */
#define I18N_MIN_COVERAGE 0.9
/* Bytes of one saved string, and languages the node keeps. */
#define I18N_TEXT_MAX  4000
#define I18N_LANGS_MAX 64

/* The catalog files of one folder, parsed. */
struct i18n_catalog {
	char lang[36];
	json_t *strings; /* the file's object */
	int reviewed;    /* its "_reviewed" is not false */
};
struct i18n_set {
	struct i18n_catalog *c;
	size_t n;
	const struct i18n_catalog *en; /* NULL if the folder lacks en.json */
};

/*
** Reads every LANG.json of ${dir} into ${s}: at most I18N_LANGS_MAX, each
** a flat object of strings, one of them en.json. 0, or -1 with ${e}
** naming the file that is not one.
*/
int i18n_load(const char *dir, struct i18n_set *s, struct err *e);
void i18n_free(struct i18n_set *s);
/* The catalog of ${lang} in ${s}, or NULL. */
const struct i18n_catalog *
i18n_find(const struct i18n_set *s, const char *lang);

/*
** Every language of ${s} and of the database, as the language menu and
** `tributary i18n status` show them: [{"lang","name","coverage",
** "keys","have","reviewed","offered","overrides"}], English first, then
** by tag. ${name} is the catalog's "_name" (its name in itself), or the
** tag. NULL with ${e} set.
*/
json_t *i18n_status(const struct i18n_set *s, struct db *db, struct err *e);

/* The strings of ${lang} saved on the node, as a flat object, with
** "_reviewed" (the language's state after them). NULL with ${e}. */
json_t *i18n_overrides(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e);

/*
** The translation page's rows for ${lang}: [{"key","en","text","saved",
** "by","at"}] for every key of English, those without a text first, then
** by key. "text" is the saved string, else the catalog's, else null.
** NULL with ${e}.
*/
json_t *i18n_rows(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e);

/*
** Steps ${st} (from db_prepare(), its parameters bound), whose rows are a
** key, a text, who saved it and when, into a new object key → [text, by,
** at]: the drafts of the translation pages (UI strings, consent parts).
** NULL with ${e} (${what} names the table in a database error).
*/
json_t *i18n_drafts_rows(
    struct db *db, sqlite3_stmt *st, const char *what, struct err *e);
/*
** Is ${text} a translation of English's ${en} as far as the page can
** tell: the same {placeholders}, no more than I18N_TEXT_MAX bytes, valid
** text? 0, or -1 with ${e} (ERR_INVALID) saying what differs.
*/
int i18n_text_check(const char *en, const char *text, struct err *e);

/* Saves one string (writer job): audited as "i18n.saved". */
struct i18n_save {
	const char *lang, *key, *text;
	int64_t by;
};
int i18n_save_job(struct db *db, void *arg, struct err *e);

/*
** Marks ${lang} reviewed by ${by} (writer job): refused (ERR_CONFLICT)
** when ${by} saved any string of it since the last mark, as a second
** speaker must review; audited as "i18n.reviewed".
*/
struct i18n_review {
	const char *lang;
	int64_t by;
	int strings; /* out: strings saved since the last mark */
};
int i18n_review_job(struct db *db, void *arg, struct err *e);

/* Gives or takes ${id}'s right to translate (writer job), audited as
** "account.translator" by ${actor}. ERR_NOT_FOUND without the account. */
struct i18n_translator {
	int64_t id, actor;
	int on;
};
int i18n_translator_job(struct db *db, void *arg, struct err *e);

#endif
