/*
** The pages' languages over HTTP (domain: i18n.c): which languages the
** menu offers, the strings saved on the node's translation page, and that
** page's reads and writes. The catalog files are read from the webroot's
** i18n/ folder once, and again whenever that folder changes (a file
** added, removed or replaced), under a lock: every request of the
** language menu reads the parsed copy.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "api.h"
#include "audit.h"
#include "consent.h"
#include "crypto.h"
#include "http.h"
#include "i18n.h"
#include "text.h"
#include "wav.h"

static pthread_mutex_t cat_lock = PTHREAD_MUTEX_INITIALIZER;
static struct i18n_set cat;
static struct timespec cat_mtime;
static int cat_loaded;

/*
** Runs ${fn}(${s}, ${arg}) with the catalogs of the request's webroot,
** read again first if their folder changed. Its result; -1 with ${e}
** when they cannot be read.
*/
static json_t *
with_catalogs(struct req *r,
    json_t *(*fn)(
	const struct i18n_set *, struct db *, const char *, struct err *),
    struct db *db, const char *lang, struct err *e)
{
	char dir[4096];
	struct stat sb;
	json_t *j = NULL;

	snprintf(dir, sizeof(dir), "%s/i18n", req_config(r)->webroot);
	pthread_mutex_lock(&cat_lock);
	if (stat(dir, &sb) == -1) {
		err_set(e, ERR_STORAGE, "%s: no catalogs", dir);
		goto out;
	}
	if (!cat_loaded || sb.st_mtim.tv_sec != cat_mtime.tv_sec ||
	    sb.st_mtim.tv_nsec != cat_mtime.tv_nsec) {
		if (cat_loaded)
			i18n_free(&cat);
		cat_loaded = 0;
		if (i18n_load(dir, &cat, e) == -1)
			goto out;
		cat_loaded = 1;
		cat_mtime = sb.st_mtim;
	}
	j = fn(&cat, db, lang, e);
out:
	pthread_mutex_unlock(&cat_lock);
	return (j);
}

static json_t *
status_fn(
    const struct i18n_set *s, struct db *db, const char *lang, struct err *e)
{
	(void)lang;
	return (i18n_status(s, db, e));
}

/* The English text of ${key}, copied into ${out} (I18N_TEXT_MAX + 1
** bytes), as a JSON string, or NULL if English has no such key. */
static json_t *
english_fn(
    const struct i18n_set *s, struct db *db, const char *key, struct err *e)
{
	json_t *v = json_object_get(s->en->strings, key);

	(void)db;
	if (!json_is_string(v) || key[0] == '_') {
		err_set(e, ERR_NOT_FOUND, "the pages have no string \"%.80s\"",
		    key);
		return (NULL);
	}
	return (json_string(json_string_value(v)));
}

/* req_lang_param(): api.h. */
const char *
req_lang_param(struct req *r)
{
	const char *l = req_param(r, "lang");
	struct err e = { 0 };

	if (l == NULL || strlen(l) >= 36 || lang_tag_check(l, &e) == -1) {
		req_error(
		    r, 404, "not_found", "no language \"%.40s\"", l ? l : "");
		return (NULL);
	}
	return (l);
}

/* req_may_translate(): api.h. */
int
req_may_translate(struct req *r)
{
	const struct session *s = req_session(r);
	struct account a;
	struct err e = { 0 };
	struct db *db;
	int rc, ok;

	if (s->role >= ROLE_MAINTAINER)
		return (1);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, s->account_id, &a, &e)) == -1)
		return (req_fail(r, &e) == 0 ? 0 : -1);
	ok = rc == 1 && a.can_translate;
	if (rc == 1)
		account_clear(&a);
	if (ok)
		return (1);
	return (req_error(r, 403, "forbidden",
		    "translating needs a maintainer, or an account a "
		    "maintainer let translate") == 0
		? 0
		: -1);
}

/*
** GET /api/v1/i18n: anyone. The pages' languages: 200 {"min_coverage":
** 0.9,"languages":[{"lang","name","coverage","keys","have","reviewed",
** "offered","overrides"}]}, English first. A language whose catalog and
** saved strings give a text to under 90% of English's keys is not
** offered in the menu; "overrides" counts the strings saved on the node
** (GET …/overrides gives them). 500 if a catalog file is broken.
*/
int
list_languages(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *a;

	if ((db = req_db(r, &e)) == NULL ||
	    (a = with_catalogs(r, status_fn, db, NULL, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json_public(r, 200,
	    json_pack("{s:f,s:o}", "min_coverage", I18N_MIN_COVERAGE,
		"languages", a)));
}

/*
** GET /api/v1/i18n/{lang}/overrides: anyone. The strings of {lang} saved
** on the node, which the pages lay over the catalog file: 200 {"key":
** "text",…,"_reviewed":bool}; 404 not a language tag.
*/
int
show_language_overrides(struct req *r)
{
	const char *lang = req_lang_param(r);
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if (lang == NULL)
		return (0);
	if ((db = req_db(r, &e)) == NULL ||
	    (o = with_catalogs(r, i18n_overrides, db, lang, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, o));
}

/*
** GET /api/v1/i18n/{lang}/strings: a maintainer, or an account allowed
** to translate. The translation page's rows: 200 {"lang","strings":
** [{"key","en","text","saved","by"?,"at"?}]}, the keys without a text
** first; 403; 404.
*/
int
list_language_strings(struct req *r)
{
	const char *lang = req_lang_param(r);
	struct err e = { 0 };
	struct db *db;
	json_t *a;
	int rc;

	if (lang == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (a = with_catalogs(r, i18n_rows, db, lang, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(
	    r, 200, json_pack("{s:s,s:o}", "lang", lang, "strings", a)));
}

struct save_state {
	struct i18n_save sv;
	json_t *body;
};

static void
save_free(void *p)
{
	struct save_state *s = p;

	json_decref(s->body);
	free(s);
}

static int
save_build(struct req *r, void *state, void **arg)
{
	struct save_state *s = state;
	const char *key = req_param(r, "key"), *text;
	struct err e = { 0 };
	struct db *db;
	json_t *en;
	int rc;

	if ((s->sv.lang = req_lang_param(r)) == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if ((s->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	text = json_string_value(json_object_get(s->body, "text"));
	if (text == NULL)
		return (req_error(r, 400, "invalid", "send {\"text\"}"));
	if ((db = req_db(r, &e)) == NULL ||
	    (en = with_catalogs(r, english_fn, db, key ? key : "", &e)) == NULL)
		return (req_fail(r, &e));
	rc = i18n_text_check(json_string_value(en), text, &e);
	json_decref(en);
	if (rc == -1)
		return (req_error(r, 400, "placeholders", "%s", e.msg));
	s->sv.key = key;
	s->sv.text = text;
	s->sv.by = req_session(r)->account_id;
	*arg = &s->sv;
	return (1);
}

static int
save_answer(struct req *r, void *state)
{
	struct save_state *s = state;

	return (req_json(r, 200,
	    json_pack("{s:s,s:s,s:s,s:b}", "lang", s->sv.lang, "key", s->sv.key,
		"text", s->sv.text, "saved", 1)));
}

/*
** PUT /api/v1/i18n/{lang}/strings/{key} {"text"}: a maintainer, or an
** account allowed to translate. Saves the string (a draft until a second
** speaker marks the language reviewed); audited. 200 {"lang","key",
** "text","saved":true}; 400 placeholders (the text must keep English's
** {placeholders} and add none; 1 to 4000 bytes of UTF-8); 403; 404 no
** such key in English, not a language tag.
*/
int
save_language_string(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct save_state),
		.state_free = save_free,
		.build = save_build,
		.job = i18n_save_job,
		.answer = save_answer,
	};

	return (req_write(r, &w));
}

static int
review_build(struct req *r, void *state, void **arg)
{
	struct i18n_review *rv = state;
	int rc;

	if ((rv->lang = req_lang_param(r)) == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	rv->by = req_session(r)->account_id;
	*arg = rv;
	return (1);
}

static int
review_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT)
		return (req_error(
		    r, 409, "second_speaker_needed", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

static int
review_answer(struct req *r, void *state)
{
	struct i18n_review *rv = state;

	return (req_json(
	    r, 200, json_pack("{s:s,s:b}", "lang", rv->lang, "reviewed", 1)));
}

/*
** POST /api/v1/i18n/{lang}/review: a maintainer, or an account allowed
** to translate, who saved none of the language's strings since it was
** last reviewed (a second speaker). Marks the language reviewed; audited.
** 200 {"lang","reviewed":true}; 403; 404; 409 second_speaker_needed.
*/
int
review_language(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct i18n_review),
		.build = review_build,
		.job = i18n_review_job,
		.failed = review_failed,
		.answer = review_answer,
	};

	return (req_write(r, &w));
}

static int
translator_build(struct req *r, void *state, void **arg)
{
	struct i18n_translator *t = state;
	json_t *body, *on;

	if ((t->id = req_param_id(r)) == 0)
		return (req_error(r, 404, "not_found", "no such account"));
	if ((body = req_json_body(r)) == NULL)
		return (0);
	if (!json_is_boolean(on = json_object_get(body, "can_translate")))
		return (req_error(
		    r, 400, "invalid", "send {\"can_translate\":true|false}"));
	t->on = json_is_true(on);
	t->actor = req_session(r)->account_id;
	*arg = t;
	return (1);
}

static int
translator_answer(struct req *r, void *state)
{
	struct i18n_translator *t = state;

	return (req_json(r, 200,
	    json_pack(
		"{s:I,s:b}", "id", (json_int_t)t->id, "can_translate", t->on)));
}

/*
** POST /api/v1/accounts/{id}/translator {"can_translate":bool}: a
** maintainer or admin whose role is above the account's. Lets the
** account save translations on the translation page (or stops it);
** audited. 200 {"id","can_translate"}; 400; 403; 404.
*/
int
set_account_translator(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct i18n_translator),
		.build = translator_build,
		.job = i18n_translator_job,
		.answer = translator_answer,
	};

	return (req_write(r, &w));
}

/* ---------------------------------------------------------------------
** A recorded reading of a consent document
*/

/* The reading route's body limit: --reading-max for a WAV from someone
** allowed to translate (checked before the body), 0 (the route's) else. */
size_t
reading_body_limit(struct req *r)
{
	if (!req_is_wav(r) || req_may_translate(r) != 1)
		return (0);
	return ((size_t)req_config(r)->reading_max);
}

struct reading_state {
	char slug[64], lang[36], sha[65];
	int version;
	size_t bytes;
	int64_t actor;
};

static int
reading_job(struct db *db, void *arg, struct err *e)
{
	struct reading_state *rs = arg;

	return (audit_append(db, rs->actor, "consent.reading", 0,
	    json_pack("{s:s,s:i,s:s,s:s,s:I}", "slug", rs->slug, "version",
		rs->version, "lang", rs->lang, "sha256", rs->sha, "bytes",
		(json_int_t)rs->bytes),
	    e));
}

static int
reading_build(struct req *r, void *state, void **arg)
{
	struct reading_state *rs = state;
	const struct consent_set *set = req_consents(r);
	const char *slug = req_param(r, "slug"), *lang = req_query(r, "lang");
	const char *ver = req_query(r, "version"), *p, *ctype;
	char path[4096], old[4096];
	uint8_t md[SHA256_LEN];
	struct wav_pcm w = { 0 };
	struct err e = { 0 };
	size_t n;
	int rc;

	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if (!req_is_wav(r))
		return (req_error(
		    r, 415, "unsupported", "send the reading as audio/wav"));
	rs->version = ver ? atoi(ver)
	    : set         ? consent_current_version(set, slug)
			  : 0;
	if (set == NULL || slug == NULL || lang == NULL ||
	    consent_find(set, slug, rs->version, lang) == NULL)
		return (req_error(r, 404, "not_found",
		    "there is no consent document \"%.60s\" version %d in "
		    "\"%.36s\" to read",
		    slug ? slug : "", rs->version, lang ? lang : ""));
	p = req_body(r, &n);
	if (wav_read(p, n, &w, &e) == -1)
		return (e.code == ERR_UNSUPPORTED
			? req_error(r, 415, "unsupported", "%s", e.msg)
			: req_error(r, 400, "bad_wav", "%s", e.msg));
	wav_pcm_free(&w);
	snprintf(rs->slug, sizeof(rs->slug), "%s", slug);
	snprintf(rs->lang, sizeof(rs->lang), "%s", lang);
	snprintf(path, sizeof(path), "%s/%s/%d/%s.wav",
	    req_config(r)->consent_dir, rs->slug, rs->version, rs->lang);
	if (text_write_file(path, p, n, &e) == -1)
		return (req_fail(r, &e));
	/* An older reading in another format would be played instead. */
	if (consent_reading_path(req_config(r)->consent_dir, rs->slug,
		rs->version, rs->lang, old, sizeof(old), &ctype) &&
	    strcmp(old, path) != 0)
		unlink(old);
	sha256_digest(p, n, md);
	hex_encode(md, SHA256_LEN, rs->sha);
	rs->bytes = n;
	rs->actor = req_session(r)->account_id;
	*arg = rs;
	return (1);
}

static int
reading_answer(struct req *r, void *state)
{
	struct reading_state *rs = state;

	return (req_json(r, 201,
	    json_pack("{s:s,s:i,s:s,s:s,s:I,s:s+++}", "slug", rs->slug,
		"version", rs->version, "lang", rs->lang, "sha256", rs->sha,
		"bytes", (json_int_t)rs->bytes, "reading", "/api/v1/consent/",
		rs->slug, "/reading?lang=", rs->lang)));
}

/*
** POST /api/v1/consent/{slug}/reading?lang=xx[&version=N]: a maintainer,
** or an account allowed to translate. Body: a recorded reading of the
** document in that language (audio/wav, at most --reading-max bytes),
** for people who speak the language better than they read it; it
** replaces the one there was and the consent page plays it. Audited with
** its SHA-256. 201 {"slug","version","lang","sha256","bytes","reading"};
** 400 bad_wav; 403; 404 no such document in that language; 413; 415 not
** a WAV.
*/
int
upload_consent_reading(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct reading_state),
		.build = reading_build,
		.job = reading_job,
		.answer = reading_answer,
	};

	return (req_write(r, &w));
}
