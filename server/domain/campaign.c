/*
** Campaigns (campaign.h).
*/
#include "campaign.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "prompts.h"

static const char SQL_CAMPAIGN_UPSERT[] =
    "INSERT INTO campaigns(slug, title, language, kind, consent_slug, "
    "required_scopes, minimum_age, max_chars, min_seconds, max_seconds, "
    "sample_rate, starts_at, ends_at, definition, created_at, "
    "review_min_votes, review_rule, pay_currency, pay_per_item, "
    "pay_per_audio_second) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
    "?16, ?17, ?18, ?19, ?20) "
    "ON CONFLICT(slug) DO UPDATE SET title = ?2, language = ?3, kind = ?4, "
    "consent_slug = ?5, required_scopes = ?6, minimum_age = ?7, "
    "max_chars = ?8, min_seconds = ?9, max_seconds = ?10, sample_rate = ?11,"
    " starts_at = ?12, ends_at = ?13, definition = ?14, "
    "review_min_votes = ?16, review_rule = ?17, pay_currency = ?18, "
    "pay_per_item = ?19, pay_per_audio_second = ?20 RETURNING id";
/* The definition's prompts, as rows (prompts.h); those already there
** stay as they are. */
static const char SQL_PROMPT_ADD[] =
    "INSERT INTO prompts(campaign_id, text, source, licence, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (campaign_id, text) DO NOTHING";
static const char SQL_CLOSE[] =
    "UPDATE campaigns SET ends_at = ?2, definition = json_set(definition, "
    "'$.ends_at', ?2) WHERE id = ?1";
static const char SQL_CAMPAIGN_BY_SLUG[] =
    "SELECT definition, id FROM campaigns WHERE slug = ?1";
static const char SQL_CAMPAIGN_BY_ID[] =
    "SELECT definition, id FROM campaigns WHERE id = ?1";
static const char SQL_CAMPAIGN_ALL[] =
    "SELECT definition, id FROM campaigns ORDER BY id";

static const char *const known[] = { "slug", "title", "language", "kind",
	"consent", "required_scopes", "minimum_age", "max_chars", "min_seconds",
	"max_seconds", "sample_rate", "starts_at", "ends_at", "description",
	"prompts", "prompt_licence", "prompt_source", "review", "pay", "redact",
	"translations", NULL };

static int
slug_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= 64)
		return (0);
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
			isdigit((unsigned char)s[i]) || s[i] == '-'))
			return (0);
	return (1);
}

/* A BCP-47 tag, loosely: 2-3 letter language, then -subtags of 1-8. */
static int
bcp47_ok(const char *s)
{
	size_t i = 0, n;

	n = strspn(s, "abcdefghijklmnopqrstuvwxyz");
	if (n < 2 || n > 3)
		return (0);
	i = n;
	while (s[i] == '-') {
		n = strspn(s + i + 1,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO"
		    "PQRSTUVWXYZ0123456789");
		if (n < 1 || n > 8)
			return (0);
		i += n + 1;
	}
	return (s[i] == '\0');
}

/* "2026-11-24" or a Unix time -> seconds; -1 if neither. */
static int64_t
date_value(json_t *v)
{
	struct tm tm;
	const char *s;
	char *end;

	if (json_is_integer(v))
		return (json_integer_value(v));
	if (!json_is_string(v))
		return (-1);
	s = json_string_value(v);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0')
		return (-1);
	return ((int64_t)timegm(&tm));
}

static int
get_str(json_t *def, const char *k, char *out, size_t n, int required,
    struct err *e)
{
	json_t *v = json_object_get(def, k);

	if (v == NULL) {
		out[0] = '\0';
		return (required ? err_set(e, ERR_INVALID,
				       "campaign: \"%s\" is required", k)
				 : 0);
	}
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) >= n)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"%s\" must be a string of 1 to %zu characters",
		    k, n - 1));
	snprintf(out, n, "%s", json_string_value(v));
	return (0);
}

/*
** Reads "redact": {"names": true|false, "allow": [names]} of ${def} into
** ${c}. 0, or -1 with ${e} (ERR_INVALID) naming the field.
*/
static int
get_redact(json_t *def, struct campaign *c, struct err *e)
{
	json_t *v = json_object_get(def, "redact"), *names, *allow, *x;
	const char *k;
	size_t i;

	if (v == NULL)
		return (0);
	if (!json_is_object(v))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"redact\" must be an object {\"names\", "
		    "\"allow\"}"));
	json_object_foreach(v, k, x) if (strcmp(k, "names") != 0 &&
	    strcmp(k, "allow") != 0) return (err_set(e, ERR_INVALID,
	    "campaign: \"redact\" has an unknown field \"%s\"", k));
	names = json_object_get(v, "names");
	if (names != NULL && !json_is_boolean(names))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"redact\".\"names\" must be true (people's "
		    "names are replaced by [NAME], the default) or false "
		    "(kept)"));
	c->keep_names = names != NULL && json_is_false(names);
	if ((allow = json_object_get(v, "allow")) == NULL)
		return (0);
	if (!json_is_array(allow) ||
	    json_array_size(allow) > CAMPAIGN_MAX_ALLOW)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"redact\".\"allow\" must be an array of at "
		    "most %d names",
		    CAMPAIGN_MAX_ALLOW));
	json_array_foreach(allow, i, x) if (!json_is_string(x) ||
	    !redact_name_ok(json_string_value(x))) return (err_set(e,
	    ERR_INVALID,
	    "campaign: \"redact\".\"allow\"[%zu] must be a name of 1 to 8 "
	    "words (\"Kwame Nkrumah\")",
	    i));
	c->redact_allow =
	    json_array_size(allow) > 0 ? json_incref(allow) : NULL;
	return (0);
}

static int
get_num(json_t *def, const char *k, double lo, double hi, double *out,
    struct err *e)
{
	json_t *v = json_object_get(def, k);

	if (v == NULL)
		return (0);
	if (!json_is_number(v) || json_number_value(v) < lo ||
	    json_number_value(v) > hi)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"%s\" must be a number from %g to %g", k, lo,
		    hi));
	*out = json_number_value(v);
	return (0);
}

/* Is ${v} a string of 1 to ${max} bytes? */
static int
text_ok(json_t *v, size_t max)
{
	return (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) <= max);
}

/*
** The words of ${def} the pages show besides the title, checked, into
** c->texts: "description", and "translations": {LANG: {"title",
** "description","scopes":{SCOPE: NAME}}} for the languages the drive's
** people read. 0, or -1 with ${e}.
*/
static int
parse_texts(json_t *def, struct campaign *c, struct err *e)
{
	json_t *d = json_object_get(def, "description");
	json_t *tr = json_object_get(def, "translations"), *v, *w, *sc, *x;
	const char *lang, *k, *id;
	size_t i;

	if (d != NULL && !text_ok(d, CAMPAIGN_DESCRIPTION_MAX))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"description\" must be a string of 1 to %d "
		    "bytes",
		    CAMPAIGN_DESCRIPTION_MAX));
	if (tr != NULL &&
	    (!json_is_object(tr) || json_object_size(tr) > CAMPAIGN_LANGS_MAX))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"translations\" must be an object of at "
		    "most %d languages",
		    CAMPAIGN_LANGS_MAX));
	json_object_foreach(tr, lang, v)
	{
		if (!bcp47_ok(lang) || !json_is_object(v))
			return (err_set(e, ERR_INVALID,
			    "campaign: \"translations\": \"%.40s\" must be a "
			    "language tag holding {\"title\",\"description\","
			    "\"scopes\"}",
			    lang));
		json_object_foreach(v, k, w)
		{
			if ((strcmp(k, "title") == 0 && text_ok(w, 255)) ||
			    (strcmp(k, "description") == 0 &&
				text_ok(w, CAMPAIGN_DESCRIPTION_MAX)))
				continue;
			if (strcmp(k, "scopes") != 0 || !json_is_object(w))
				return (err_set(e, ERR_INVALID,
				    "campaign: \"translations\".%s.%.40s: "
				    "only \"title\" (1 to 255 bytes), "
				    "\"description\" (1 to %d) and "
				    "\"scopes\" are taken",
				    lang, k, CAMPAIGN_DESCRIPTION_MAX));
			sc = w;
			json_object_foreach(sc, id, x)
			{
				for (i = 0;
				     i < json_array_size(c->required_scopes);
				     i++)
					if (strcmp(
						json_string_value(
						    json_array_get(
							c->required_scopes, i)),
						id) == 0)
						break;
				if (i == json_array_size(c->required_scopes) ||
				    !text_ok(x, 200))
					return (err_set(e, ERR_INVALID,
					    "campaign: \"translations\".%s."
					    "scopes.%.40s: a scope the "
					    "campaign requires, named in 1 to "
					    "200 bytes",
					    lang, id));
			}
		}
	}
	if (d == NULL && tr == NULL)
		return (0);
	if ((c->texts = json_object()) == NULL)
		return (err_oom(e));
	if (d != NULL)
		json_object_set(c->texts, "description", d);
	if (tr != NULL)
		json_object_set_new(
		    c->texts, "translations", json_deep_copy(tr));
	return (0);
}

int
campaign_parse(json_t *def, struct campaign *c, struct err *e)
{
	const char *k;
	json_t *v, *s;
	double age = 0, chars = 0, minsec = 0, maxsec = 0, rate = 0;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(def))
		return (err_set(e, ERR_INVALID,
		    "campaign: the file must hold one JSON object"));
	json_object_foreach(def, k, v)
	{
		for (i = 0; known[i] && strcmp(known[i], k) != 0; i++)
			;
		if (known[i] == NULL)
			return (err_set(e, ERR_INVALID,
			    "campaign: unknown field \"%s\"", k));
	}
	if (get_str(def, "slug", c->slug, sizeof(c->slug), 1, e) == -1 ||
	    get_str(def, "title", c->title, sizeof(c->title), 1, e) == -1 ||
	    get_str(def, "language", c->language, sizeof(c->language), 1, e) ==
		-1 ||
	    get_str(def, "kind", c->kind, sizeof(c->kind), 1, e) == -1 ||
	    get_str(def, "consent", c->consent, sizeof(c->consent), 1, e) == -1)
		return (-1);
	if (!slug_ok(c->slug))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"slug\" uses only a-z, 0-9 and dashes"));
	if (!bcp47_ok(c->language))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"language\" must be a BCP-47 tag such as "
		    "\"ee\" "
		    "or \"tg-Cyrl\""));
	if (strcmp(c->kind, "text") != 0 && strcmp(c->kind, "audio") != 0)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"kind\" must be \"text\" or \"audio\""));
	if (!slug_ok(c->consent))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"consent\" must name a consent document "
		    "folder"));
	s = json_object_get(def, "required_scopes");
	if (!json_is_array(s) || json_array_size(s) == 0)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"required_scopes\" must be a non-empty array "
		    "of "
		    "scope ids"));
	json_array_foreach(s, i, v) if (!json_is_string(v)) return (
	    err_set(e, ERR_INVALID,
		"campaign: \"required_scopes\"[%zu] must be a string", i));
	if (json_object_get(def, "minimum_age") == NULL)
		return (err_set(
		    e, ERR_INVALID, "campaign: \"minimum_age\" is required"));
	if (get_num(def, "minimum_age", 0, 120, &age, e) == -1 ||
	    get_num(def, "max_chars", 1, 100000, &chars, e) == -1 ||
	    get_num(def, "min_seconds", 0, CAMPAIGN_MAX_SECONDS, &minsec, e) ==
		-1 ||
	    get_num(def, "max_seconds", 0.1, CAMPAIGN_MAX_SECONDS, &maxsec,
		e) == -1 ||
	    get_num(def, "sample_rate", 8000, 48000, &rate, e) == -1)
		return (-1);
	c->minimum_age = (int)age;
	c->max_chars = chars > 0 ? (int)chars : 2000;
	c->min_seconds = minsec > 0 ? minsec : 1;
	c->max_seconds = maxsec > 0 ? maxsec : 30;
	c->sample_rate = rate > 0 ? (int)rate : 16000;
	if (c->min_seconds >= c->max_seconds)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"min_seconds\" must be below \"max_seconds\""));
	if ((v = json_object_get(def, "starts_at")) != NULL &&
	    (c->starts_at = date_value(v)) < 0)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"starts_at\" must be a date YYYY-MM-DD"));
	if ((v = json_object_get(def, "ends_at")) != NULL &&
	    (c->ends_at = date_value(v)) < 0)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"ends_at\" must be a date YYYY-MM-DD"));
	if (c->starts_at && c->ends_at && c->ends_at <= c->starts_at)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"ends_at\" must be after \"starts_at\""));
	if ((s = json_object_get(def, "prompts")) != NULL) {
		if (!json_is_array(s) ||
		    json_array_size(s) > CAMPAIGN_MAX_PROMPTS)
			return (err_set(e, ERR_INVALID,
			    "campaign: \"prompts\" must be an array of at most "
			    "%d sentences",
			    CAMPAIGN_MAX_PROMPTS));
		json_array_foreach(s, i, v) if (!json_is_string(v) ||
		    json_string_length(v) == 0 ||
		    json_string_length(v) >
			CAMPAIGN_PROMPT_MAX) return (err_set(e, ERR_INVALID,
		    "campaign: \"prompts\"[%zu] must be a text of 1 to "
		    "%d bytes",
		    i, CAMPAIGN_PROMPT_MAX));
	}
	if ((v = json_object_get(def, "prompt_licence")) != NULL &&
	    !prompt_licence_ok(json_string_value(v)))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"prompt_licence\" must be a licence that lets "
		    "the prompts be released (cc0-1.0, pddl, cc-by-4.0, "
		    "cc-by-sa-4.0, cc-by-3.0, cc-by-sa-3.0, odc-by, odbl)"));
	if ((v = json_object_get(def, "prompt_source")) != NULL &&
	    (!json_is_string(v) || json_string_length(v) > PROMPT_SOURCE_MAX))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"prompt_source\" must be a text of at most "
		    "%d bytes",
		    PROMPT_SOURCE_MAX));
	c->review.min_votes = 2;
	c->review.unanimous = 0;
	if ((v = json_object_get(def, "review")) != NULL) {
		json_t *mv = json_object_get(v, "min_votes"),
		       *rl = json_object_get(v, "rule");
		const char *rk;
		json_t *rv;

		if (!json_is_object(v))
			return (err_set(e, ERR_INVALID,
			    "campaign: \"review\" must be an object "
			    "{\"min_votes\", \"rule\"}"));
		json_object_foreach(
		    v, rk, rv) if (strcmp(rk, "min_votes") != 0 &&
		    strcmp(rk, "rule") != 0) return (err_set(e, ERR_INVALID,
		    "campaign: \"review\" has an unknown field \"%s\"", rk));
		if (mv != NULL &&
		    (!json_is_integer(mv) || json_integer_value(mv) < 1 ||
			json_integer_value(mv) > REVIEW_MIN_VOTES_MAX))
			return (err_set(e, ERR_INVALID,
			    "campaign: \"review\".\"min_votes\" must be a "
			    "whole number from 1 to %d",
			    REVIEW_MIN_VOTES_MAX));
		if (mv != NULL)
			c->review.min_votes = (int)json_integer_value(mv);
		if (rl != NULL &&
		    (!json_is_string(rl) ||
			(strcmp(json_string_value(rl), "majority") != 0 &&
			    strcmp(json_string_value(rl), "unanimous") != 0)))
			return (err_set(e, ERR_INVALID,
			    "campaign: \"review\".\"rule\" must be "
			    "\"majority\" or \"unanimous\""));
		c->review.unanimous = rl != NULL &&
		    strcmp(json_string_value(rl), "unanimous") == 0;
	}
	if (ledger_pay_parse(
		json_object_get(def, "pay"), c->kind, &c->pay, e) == -1 ||
	    get_redact(def, c, e) == -1)
		return (-1);
	c->required_scopes =
	    json_incref(json_object_get(def, "required_scopes"));
	return (parse_texts(def, c, e));
}

int
campaign_open(const struct campaign *c, int64_t now, struct err *e)
{
	if (c->starts_at != 0 && now < c->starts_at)
		return (err_set(
		    e, ERR_FORBIDDEN, "this campaign has not started yet"));
	if (c->ends_at != 0 && now >= c->ends_at)
		return (err_set(
		    e, ERR_FORBIDDEN, "this campaign has ended; thank you"));
	return (0);
}

void
campaign_clear(struct campaign *c)
{
	json_decref(c->required_scopes);
	c->required_scopes = NULL;
	json_decref(c->texts);
	c->texts = NULL;
	json_decref(c->redact_allow);
	c->redact_allow = NULL;
}

void
campaign_redact_ctx(
    const struct campaign *c, const char **names, struct redact_ctx *ctx)
{
	json_t *v;
	size_t i;

	if (c == NULL)
		return;
	ctx->keep_names = c->keep_names;
	ctx->nallow = 0;
	json_array_foreach(c->redact_allow, i, v)
	{
		if (i == CAMPAIGN_MAX_ALLOW)
			break;
		names[ctx->nallow++] = json_string_value(v);
	}
	ctx->allow = ctx->nallow > 0 ? names : NULL;
}

json_t *
campaign_json(const struct campaign *c)
{
	json_t *j;

	j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:O,s:i}", "id",
	    (json_int_t)c->id, "slug", c->slug, "title", c->title, "language",
	    c->language, "kind", c->kind, "consent", c->consent,
	    "required_scopes", c->required_scopes, "minimum_age",
	    c->minimum_age);
	if (j == NULL)
		return (NULL);
	if (strcmp(c->kind, "text") == 0)
		json_object_set_new(j, "max_chars", json_integer(c->max_chars));
	else {
		json_object_set_new(
		    j, "min_seconds", json_real(c->min_seconds));
		json_object_set_new(
		    j, "max_seconds", json_real(c->max_seconds));
		json_object_set_new(
		    j, "sample_rate", json_integer(c->sample_rate));
		json_object_set_new(j, "max_bytes",
		    json_integer((json_int_t)campaign_max_bytes(c)));
	}
	if (c->starts_at)
		json_object_set_new(j, "starts_at", json_integer(c->starts_at));
	if (c->ends_at)
		json_object_set_new(j, "ends_at", json_integer(c->ends_at));
	json_object_set_new(j, "open",
	    json_boolean(campaign_open(c, (int64_t)time(NULL), NULL) == 0));
	json_object_set_new(j, "review",
	    json_pack("{s:i,s:s}", "min_votes", c->review.min_votes, "rule",
		c->review.unanimous ? "unanimous" : "majority"));
	if (c->pay.currency[0] != '\0')
		json_object_set_new(j, "pay", ledger_pay_json(&c->pay));
	/* Only when it departs from the default (names replaced). */
	if (c->keep_names || c->redact_allow != NULL)
		json_object_set_new(j, "redact",
		    json_pack("{s:b,s:o}", "names", !c->keep_names, "allow",
			c->redact_allow != NULL ? json_incref(c->redact_allow)
						: json_array()));
	if (c->texts != NULL)
		json_object_update(j, c->texts);
	return (j);
}

/* The prompts written in definition ${def} into the table for campaign
** ${id}, under its "prompt_licence" (cc0-1.0: the organizer's own words)
** and "prompt_source". 0, or -1 with ${e}. */
static int
definition_prompts(struct db *db, int64_t id, json_t *def, struct err *e)
{
	const char *lic =
	    json_string_value(json_object_get(def, "prompt_licence"));
	const char *src =
	    json_string_value(json_object_get(def, "prompt_source"));
	sqlite3_stmt *st;
	json_t *v;
	size_t i;
	int rc;

	if (!json_is_array(json_object_get(def, "prompts")))
		return (0);
	if ((st = db_prepare(db, SQL_PROMPT_ADD, e)) == NULL)
		return (-1);
	json_array_foreach(json_object_get(def, "prompts"), i, v)
	{
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(
		    st, 2, json_string_value(v), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, src ? src : "campaign definition", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(
		    st, 4, lic ? lic : "cc0-1.0", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "prompt"));
	}
	return (0);
}

int
campaign_close_job(struct db *db, void *arg, struct err *e)
{
	struct campaign_close *cc = arg;
	struct campaign c;
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = campaign_get(db, NULL, cc->id, &c, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no such campaign")
				: -1);
	/* Started later than now: it ends before it began. */
	if (c.starts_at >= now)
		now = c.starts_at + 1;
	campaign_clear(&c);
	if ((st = db_prepare(db, SQL_CLOSE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cc->id);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "campaign"));
	return (audit_append(db, cc->actor, "campaign.closed", cc->id,
	    json_pack("{s:I}", "ends_at", (json_int_t)now), e));
}

int
campaign_import_job(struct db *db, void *arg, struct err *e)
{
	struct campaign_import *ci = arg;
	struct campaign c;
	sqlite3_stmt *st;
	char *scopes = NULL, *def = NULL;
	int rc = -1;

	if (campaign_parse(ci->def, &c, e) == -1)
		goto out;
	scopes = json_dumps(c.required_scopes, JSON_COMPACT);
	def = json_dumps(ci->def, JSON_COMPACT | JSON_SORT_KEYS);
	if ((st = db_prepare(db, SQL_CAMPAIGN_UPSERT, e)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, c.slug, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c.title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c.language, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c.kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c.consent, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, scopes, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, c.minimum_age);
	sqlite3_bind_int(st, 8, c.max_chars);
	sqlite3_bind_double(st, 9, c.min_seconds);
	sqlite3_bind_double(st, 10, c.max_seconds);
	sqlite3_bind_int(st, 11, c.sample_rate);
	sqlite3_bind_int64(st, 12, c.starts_at);
	sqlite3_bind_int64(st, 13, c.ends_at);
	sqlite3_bind_text(st, 14, def, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)time(NULL));
	sqlite3_bind_int(st, 16, c.review.min_votes);
	sqlite3_bind_text(st, 17, c.review.unanimous ? "unanimous" : "majority",
	    -1, SQLITE_STATIC);
	if (c.pay.currency[0] != '\0')
		sqlite3_bind_text(st, 18, c.pay.currency, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 18);
	sqlite3_bind_int64(st, 19, c.pay.per_item);
	sqlite3_bind_int64(st, 20, c.pay.per_audio_second);
	if (sqlite3_step(st) != SQLITE_ROW) {
		db_err(db, e, "campaign");
		sqlite3_reset(st);
		goto out;
	}
	ci->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (definition_prompts(db, ci->id, ci->def, e) == -1)
		goto out;
	rc = audit_append(db, ci->actor, "campaign.imported", ci->id,
	    json_pack("{s:s}", "slug", c.slug), e);
out:
	free(scopes);
	free(def);
	campaign_clear(&c);
	return (rc);
}

/*
** Each thread remembers the last campaign it parsed, keyed by the stored
** definition's exact bytes and the row id. campaign_parse() is a pure
** function of the definition, so a hit answers exactly what parsing would;
** the row is still read on every call, so an import (by this process or
** the CLI) is seen at once. It saves parsing the definition on every
** contribution. Freed when its thread exits.
*/
struct memo {
	int64_t id;
	struct campaign c;
	size_t n;
	char def[]; /* n bytes */
};

static pthread_once_t memo_once = PTHREAD_ONCE_INIT;
static pthread_key_t memo_key;
static int memo_ok;

static void
memo_free(void *p)
{
	struct memo *m = p;

	if (m != NULL) {
		campaign_clear(&m->c);
		free(m);
	}
}

static void
memo_init(void)
{
	memo_ok = pthread_key_create(&memo_key, memo_free) == 0;
}

/* Remembers ${c}, parsed from ${def} (${n} bytes), for this thread. Can't
** fail (out of memory: nothing is remembered). */
static void
memo_put(const char *def, size_t n, const struct campaign *c)
{
	struct memo *m;

	if (!memo_ok || (m = malloc(sizeof(*m) + n)) == NULL)
		return;
	m->id = c->id;
	m->c = *c;
	m->c.required_scopes = json_deep_copy(c->required_scopes);
	m->c.texts = json_deep_copy(c->texts);
	m->c.redact_allow = json_deep_copy(c->redact_allow);
	m->n = n;
	memcpy(m->def, def, n);
	if ((m->c.required_scopes == NULL && c->required_scopes != NULL) ||
	    (m->c.texts == NULL && c->texts != NULL) ||
	    (m->c.redact_allow == NULL && c->redact_allow != NULL)) {
		campaign_clear(&m->c);
		free(m);
		return;
	}
	memo_free(pthread_getspecific(memo_key));
	if (pthread_setspecific(memo_key, m) != 0)
		memo_free(m);
}

/* Fills ${c} from a row (definition, id); with ${memo}, through this
** thread's memo. 0, or -1 with ${e}; ${c} must be cleared either way. */
static int
campaign_from_row(sqlite3_stmt *st, struct campaign *c, int memo, struct err *e)
{
	const char *text = (const char *)sqlite3_column_text(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	int64_t id = sqlite3_column_int64(st, 1);
	struct memo *m;
	json_t *def;
	int rc;

	pthread_once(&memo_once, memo_init);
	m = memo && memo_ok ? pthread_getspecific(memo_key) : NULL;
	if (text != NULL && m != NULL && m->id == id && m->n == n &&
	    memcmp(m->def, text, n) == 0) {
		*c = m->c;
		c->required_scopes = json_deep_copy(m->c.required_scopes);
		c->texts = json_deep_copy(m->c.texts);
		c->redact_allow = json_deep_copy(m->c.redact_allow);
		if ((c->required_scopes != NULL ||
			m->c.required_scopes == NULL) &&
		    (c->texts != NULL || m->c.texts == NULL) &&
		    (c->redact_allow != NULL || m->c.redact_allow == NULL))
			return (0);
		campaign_clear(c);
	}
	def = json_loads(text ? text : "", 0, NULL);
	rc = campaign_parse(def, c, e);
	json_decref(def);
	c->id = id;
	if (memo && rc == 0 && text != NULL)
		memo_put(text, n, c);
	return (rc);
}

int
campaign_get(struct db *db, const char *slug, int64_t id, struct campaign *c,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	st =
	    db_prepare(db, slug ? SQL_CAMPAIGN_BY_SLUG : SQL_CAMPAIGN_BY_ID, e);
	if (st == NULL)
		return (-1);
	if (slug)
		sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = campaign_from_row(st, c, 1, e) == -1 ? -1 : SQLITE_ROW;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	if (rc == SQLITE_DONE)
		return (0);
	return (rc == -1 ? -1 : db_err(db, e, "campaign"));
}

json_t *
campaign_list(struct db *db, struct err *e)
{
	struct campaign c;
	sqlite3_stmt *st;
	json_t *arr, *o, *p;
	int rc;

	if ((st = db_prepare(db, SQL_CAMPAIGN_ALL, e)) == NULL)
		return (NULL);
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (campaign_from_row(st, &c, 0, e) == 0 &&
		    (o = campaign_json(&c)) != NULL) {
			p = prompt_list(db, c.id, 0, e);
			json_object_set_new(
			    o, "prompts", p != NULL ? p : json_array());
			json_array_append_new(arr, o);
		}
		campaign_clear(&c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		db_err(db, e, "campaigns");
		return (NULL);
	}
	return (arr);
}

size_t
campaign_max_bytes(const struct campaign *c)
{
	return (CAMPAIGN_WAV_SLACK +
	    (size_t)ceil(c->max_seconds * c->sample_rate) * 8);
}
