/*
** The contribution API: redaction preview, creating a text contribution
** with an Idempotency-Key, listing, withdrawing one or all, and the export
** of everything held about the person. Text is redacted on the request's
** thread before anything else sees it; only the redacted text reaches the
** writer. Route table: routes.c.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "api.h"
#include "campaign.h"
#include "contrib.h"
#include "crypto.h"
#include "dbcache.h"
#include "http.h"
#include "jsonflat.h"
#include "redact.h"

/* Counts UTF-8 code points (the text is already known to be valid). */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return (c);
}

/* Is the text only white space (ASCII, no-break U+00A0, ideographic
** U+3000)? */
static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '\0' && strchr(" \t\r\n\f\v", s[i]) != NULL)
			continue;
		if (i + 1 < n && memcmp(s + i, "\xc2\xa0", 2) == 0) {
			i += 1;
			continue;
		}
		if (i + 2 < n && memcmp(s + i, "\xe3\x80\x80", 3) == 0) {
			i += 2;
			continue;
		}
		return (0);
	}
	return (1);
}

int
redact_for(struct req *r, const char *text, size_t n, int json_only,
    struct redact_result *out)
{
	struct redact_ctx ctx = { 0 };
	struct err e = { 0 };

	ctx.json_only = json_only;
	ctx.handle = req_session(r)->handle;
	ctx.contact_key = req_node(r)->pseudonym_key;
	if (req_node(r)->redact == NULL) {
		req_error(r, 503, "busy", "redaction rules are not loaded");
		return (-1);
	}
	if (redact_text(req_node(r)->redact, text, n, &ctx, out, &e) == -1) {
		req_fail(r, &e);
		return (-1);
	}
	return (0);
}

static void
campaign_forget(void *p)
{
	campaign_clear(p);
	free(p);
}

int
req_campaign(struct req *r, const char *slug, struct campaign *c, struct err *e)
{
	struct dbcache *cache = req_node(r)->cache;
	const struct campaign *m;
	struct campaign *keep;
	struct db *db;
	uint64_t epoch;
	char key[DBCACHE_KEY_MAX];
	size_t n = strlen(slug);
	time_t now = time(NULL);
	int rc;

	memset(c, 0, sizeof(*c));
	if (n + 2 > sizeof(key)) /* no slug is that long */
		return (0);
	memcpy(key, "c:", 2);
	memcpy(key + 2, slug, n);
	if ((m = dbcache_get(cache, key, n + 2, now)) != NULL) {
		*c = *m;
		c->required_scopes = json_incref(m->required_scopes);
		return (1);
	}
	epoch = req_cache_epoch(r);
	if ((db = req_db(r, e)) == NULL ||
	    (rc = campaign_get(db, slug, 0, c, e)) != 1)
		return (db == NULL ? -1 : rc);
	if ((keep = malloc(sizeof(*keep))) != NULL) {
		*keep = *c;
		keep->required_scopes = json_incref(c->required_scopes);
		dbcache_put(
		    cache, key, n + 2, epoch, now, keep, campaign_forget);
	}
	return (1);
}

int64_t
req_live_consent(
    struct req *r, int64_t account, int64_t campaign, struct err *e)
{
	struct dbcache *cache = req_node(r)->cache;
	const int64_t *m;
	int64_t id, *keep, k[3] = { 0, account, campaign };
	struct db *db;
	uint64_t epoch;
	time_t now = time(NULL);

	memcpy(k, "k:", 2); /* keys of their own kind: see req_campaign */
	if ((m = dbcache_get(cache, k, sizeof(k), now)) != NULL)
		return (*m);
	epoch = req_cache_epoch(r);
	if ((db = req_db(r, e)) == NULL ||
	    (id = contrib_live_consent(db, account, campaign, e)) == -1)
		return (-1);
	if ((keep = malloc(sizeof(*keep))) != NULL) {
		*keep = id;
		dbcache_put(cache, k, sizeof(k), epoch, now, keep, NULL);
	}
	return (id);
}

/*
** POST /api/v1/redact {"text"}: a contributor. What the text would be
** stored as: 200 {"text","report":{"EMAIL":1,...}}; 400 not UTF-8.
*/
int
redact_page(struct req *r)
{
	struct redact_result rr;
	json_t *body, *t;
	int rc;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if (!json_is_string(t = json_object_get(body, "text")))
		return (req_error(r, 400, "invalid", "\"text\" is required"));
	if (redact_for(
		r, json_string_value(t), json_string_length(t), 0, &rr) == -1)
		return (0);
	rc = req_json(r, 200,
	    json_pack(
		"{s:s%,s:O}", "text", rr.text, rr.len, "report", rr.report));
	redact_result_free(&rr);
	return (rc);
}

struct create {
	struct contrib_new cn;
	struct redact_result rr;
	struct redact_result pr; /* the prompt, redacted too */
	struct jsonflat body;    /* the body, if read quickly */
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char slug[64]; /* the campaign's, for the answer */
};

static void
create_free(void *p)
{
	struct create *c = p;

	redact_result_free(&c->rr);
	redact_result_free(&c->pr);
	jsonflat_free(&c->body);
	free(c);
}

/* The members of a contribution's body (jsonflat_parse() order). */
enum { B_CAMPAIGN, B_TEXT, B_PROMPT, NB };
static const char *const body_keys[NB] = { "campaign", "text", "prompt" };

int
answer_contrib(struct req *r, int64_t account, int64_t id, unsigned status)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = contrib_json(db, account, id, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, status, json_pack("{s:o}", "contribution", o)));
}

int
contrib_job_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT)
		return (req_error(
		    r, 409, "idempotency_mismatch", "%s", j->err.msg));
	if (j->err.code == ERR_FORBIDDEN)
		return (
		    req_error(r, 403, "consent_required", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

/* SHA-256 of what the request asks for: campaign, prompt, redacted text. */
static void
request_hash(const char *campaign, const char *prompt, const char *text,
    size_t n, char out[65])
{
	uint8_t sum[SHA256_LEN];
	const char *pr = prompt ? prompt : "";
	const void *p[3] = { campaign, pr, text };
	size_t len[3] = { strlen(campaign) + 1, strlen(pr) + 1, n };

	if (sha256_parts(p, len, 3, sum) == 0)
		hex_encode(sum, SHA256_LEN, out);
	else
		out[0] = '\0';
}

/*
** POST /api/v1/contributions {"campaign","text","prompt"?} with an
** Idempotency-Key header: a contributor with a live consent for the
** campaign. The text is redacted before it is stored. 201
** {"contribution"}; the same key again answers 200 with the same body;
** 400 no key / empty text / not UTF-8; 403 consent_required; 404 no such
** campaign; 409 the key was used for something else; 413 over the
** campaign's max_chars (named); 415 an audio campaign (send audio/wav).
** A body sent as audio/wav goes to contrib_audio_create (api_audio.c).
*/
int
contrib_create_page(struct req *r)
{
	struct create *c = req_state(r);
	const struct session *s = req_session(r);
	const struct writer_job *j;
	struct campaign camp;
	struct err e = { 0 };
	struct buf ans = { 0 };
	const char *key, *slug, *text, *prompt, *raw;
	json_t *body, *t;
	int64_t consent;
	size_t n, chars, rawn;
	int rc;

	/* Every WAV type is audio/...: a JSON body is told apart at once. */
	if (req_is_audio(r)) {
		if (req_is_wav(r))
			return (contrib_audio_create(r));
		return (req_error(r, 415, "unsupported",
		    "send recordings as audio/wav (16-bit PCM is what the "
		    "pages record)"));
	}
	if (c != NULL) {
		j = req_job(r);
		if (j->status != WRITER_OK)
			return (contrib_job_failed(r, j));
		if (c->cn.replayed)
			return (
			    answer_contrib(r, s->account_id, c->cn.id, 200));
		/* Committed: answer from what was written, not a re-read
		** (every commit makes this thread's page cache stale). */
		if (contrib_new_answer(&c->cn, c->slug, &ans) == -1) {
			buf_free(&ans);
			return (-1);
		}
		return (req_json_buf(r, 201, &ans));
	}
	key = req_header(r, "Idempotency-Key");
	if (key == NULL || key[0] == '\0' || strlen(key) > IDEMPOTENCY_KEY_MAX)
		return (req_error(r, 400, "invalid",
		    "send an Idempotency-Key header (1 to %d characters) so a "
		    "retry never saves the same thing twice",
		    IDEMPOTENCY_KEY_MAX));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	req_set_state(r, c, create_free);
	/* A flat object of strings is read in one pass; anything else (and
	** every error) is jansson's to read and word. */
	raw = req_body(r, &rawn);
	if ((rc = jsonflat_parse(raw, rawn, body_keys, NB, &c->body)) ==
	    JSONFLAT_NOMEM)
		return (-1);
	if (rc == JSONFLAT_OK) {
		slug = c->body.val[B_CAMPAIGN];
		text = c->body.val[B_TEXT];
		n = c->body.len[B_TEXT];
		prompt = c->body.val[B_PROMPT];
	} else {
		if ((body = req_json_body(r)) == NULL)
			return (0);
		slug = json_string_value(json_object_get(body, "campaign"));
		t = json_object_get(body, "text");
		text = json_is_string(t) ? json_string_value(t) : NULL;
		n = json_is_string(t) ? json_string_length(t) : 0;
		prompt = json_string_value(json_object_get(body, "prompt"));
	}
	if (slug == NULL)
		return (
		    req_error(r, 400, "invalid", "\"campaign\" is required"));
	if ((rc = req_campaign(r, slug, &camp, &e)) != 1)
		return (rc == 0 ? req_error(r, 404, "not_found",
				      "no campaign \"%s\"", slug)
				: req_fail(r, &e));
	if (strcmp(camp.kind, "text") != 0) {
		campaign_clear(&camp);
		return (req_error(r, 415, "unsupported",
		    "this campaign collects recordings: send audio/wav"));
	}
	if ((consent = req_live_consent(r, s->account_id, camp.id, &e)) <= 0) {
		campaign_clear(&camp);
		if (consent == -1)
			return (req_fail(r, &e));
		return (req_error(r, 403, "consent_required",
		    "give your consent for \"%s\" first (the consent page), "
		    "then send this again",
		    slug));
	}
	if (text == NULL || blank(text, n)) {
		campaign_clear(&camp);
		return (req_error(r, 400, "empty", "the text is empty"));
	}
	if (prompt != NULL && strlen(prompt) > 2000) {
		campaign_clear(&camp);
		return (req_error(
		    r, 413, "too_large", "a prompt is at most 2000 bytes"));
	}
	/* Stored and answered as report_json (contrib_new_answer). */
	if (redact_for(r, text, n, 1, &c->rr) == -1) {
		campaign_clear(&camp);
		return (0);
	}
	chars = utf8_chars(text, n);
	if (chars > (size_t)camp.max_chars) {
		rc = req_error(r, 413, "too_large",
		    "the text has %zu characters; this campaign takes at most "
		    "%d",
		    chars, camp.max_chars);
		campaign_clear(&camp);
		return (rc);
	}
	memcpy(c->key, key, strlen(key) + 1); /* at most IDEMPOTENCY_KEY_MAX */
	if (prompt != NULL &&
	    redact_for(r, prompt, strlen(prompt), 1, &c->pr) == -1) {
		campaign_clear(&camp);
		return (0);
	}
	request_hash(
	    slug, c->pr.text, c->rr.text, c->rr.len, c->cn.request_sha);
	c->cn.account_id = s->account_id;
	c->cn.campaign_id = camp.id;
	c->cn.consent_id = consent;
	c->cn.key = c->key;
	c->cn.prompt = c->pr.text;
	c->cn.kind = "text";
	c->cn.text = c->rr.text;
	snprintf(c->slug, sizeof(c->slug), "%s", camp.slug);
	campaign_clear(&camp);
	/* As stored, and spliced into the answer. */
	c->cn.report_json = c->rr.report_json;
	/* The writer job checks the key (a retry after a dropped answer, or a
	** key used for something else) on its own connection, whose cache
	** is never stale: no lookup here. */
	return (req_submit_job(r, contrib_create_job, &c->cn,
	    REQ_JOB_KEEPS_CACHE | REQ_JOB_ATOMIC));
}

/* GET /api/v1/me/contributions: a contributor. 200 {"contributions"}. */
int
my_contribs_page(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = contrib_json(db, req_session(r)->account_id, 0, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "contributions", o)));
}

/*
** POST /api/v1/contributions/{id}/withdraw: its contributor, or a
** maintainer on their behalf (audited with the maintainer as actor). 200
** {"contribution"}; 404 if neither.
*/
int
contrib_withdraw_page(struct req *r)
{
	struct contrib_withdraw *w = req_state(r);
	const struct session *s = req_session(r);
	const struct writer_job *j;

	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return (-1);
		req_set_state(r, w, NULL);
		if ((w->id = req_param_id(r)) == 0)
			return (req_error(r, 404, "not_found",
			    "no such contribution of yours"));
		w->account_id =
		    role_allows(s->role, ROLE_MAINTAINER) ? 0 : s->account_id;
		w->actor = s->account_id;
		return (req_submit(r, contrib_withdraw_job, w));
	}
	j = req_job(r);
	if (j->status != WRITER_OK)
		return (req_fail(r, &j->err));
	return (answer_contrib(r, w->account_id, w->id, 200));
}

/*
** POST /api/v1/me/withdraw-all: a contributor. Withdraws every one of
** their contributions. 200 {"withdrawn":N}.
*/
int
withdraw_all_page(struct req *r)
{
	struct contrib_withdraw *w = req_state(r);
	const struct writer_job *j;

	if (w == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return (-1);
		req_set_state(r, w, NULL);
		w->account_id = req_session(r)->account_id;
		w->actor = w->account_id;
		return (req_submit(r, contrib_withdraw_job, w));
	}
	j = req_job(r);
	if (j->status != WRITER_OK)
		return (req_fail(r, &j->err));
	return (req_json(r, 200, json_pack("{s:i}", "withdrawn", w->count)));
}

/*
** GET /api/v1/me/export: a contributor. Everything held about them as one
** JSON file (Content-Disposition: attachment).
*/
int
export_page(struct req *r)
{
	struct MHD_Response *resp;
	struct err e = { 0 };
	struct db *db;
	json_t *o;
	char *s;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = contrib_export(db, req_session(r)->account_id, &e)) == NULL)
		return (req_fail(r, &e));
	if (export_add_audio(r, o, &e) == -1) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	s = json_dumps(o, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return (-1);
	resp = MHD_create_response_from_buffer(
	    strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Disposition",
	    "attachment; filename=\"tributary-export.json\"");
	return (req_respond(r, 200, resp));
}
