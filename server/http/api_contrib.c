/*
** The contribution API for text: redaction preview, creating a text
** contribution with an Idempotency-Key, listing, withdrawing one or all.
** Text is redacted on the request's thread before anything else sees it;
** only the redacted text reaches the writer. The steps a recording takes
** too are api_shared.c's; recordings are api_audio.c's. Route table:
** routes.c.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "api.h"
#include "campaign.h"
#include "contrib.h"
#include "crypto.h"
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

/*
** POST /api/v1/redact {"text","campaign"?}: a contributor. What the text
** would be stored as, under the named campaign's "redact" settings (names
** kept or allowed): 200 {"text","report":{"EMAIL":1,...}}; 400 not UTF-8
** or "campaign" not a string; 404 no such campaign.
*/
int
preview_redaction(struct req *r)
{
	struct campaign camp = { 0 };
	struct redact_result rr;
	struct err e = { 0 };
	json_t *body, *t, *slug;
	int rc = 0;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if (!json_is_string(t = json_object_get(body, "text")))
		return (req_error(r, 400, "invalid", "\"text\" is required"));
	slug = json_object_get(body, "campaign");
	if (slug != NULL && !json_is_null(slug) &&
	    (!json_is_string(slug) ||
		(rc = req_campaign(r, json_string_value(slug), &camp, &e)) !=
		    1)) {
		campaign_clear(&camp);
		if (rc == -1)
			return (req_fail(r, &e));
		return (json_is_string(slug)
			? req_error(r, 404, "not_found", "no such campaign")
			: req_error(r, 400, "invalid",
			      "\"campaign\" must be a campaign's slug"));
	}
	rc = req_redact_for(r, rc == 1 ? &camp : NULL, json_string_value(t),
	    json_string_length(t), 0, &rr);
	campaign_clear(&camp);
	if (rc == -1)
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
enum { B_CAMPAIGN, B_TEXT, B_PROMPT, B_PROMPT_ID, NB };
static const char *const body_keys[NB] = { "campaign", "text", "prompt",
	"prompt_id" };

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
** The body's "campaign", "text" (${n} bytes) and "prompt" into ${slug},
** ${text} and ${prompt}, each NULL if absent or not a string; they belong
** to ${c} or the request. A flat object of strings is read in one pass;
** anything else (and every error) is jansson's to read and word. 1, or an
** answer: 400 invalid (not one JSON object).
*/
static int
text_body(struct req *r, struct create *c, const char **slug, const char **text,
    size_t *n, const char **prompt, const char **prompt_id)
{
	const char *raw;
	json_t *body, *t, *pid;
	char num[32];
	size_t rawn;
	int rc;

	raw = req_body(r, &rawn);
	if ((rc = jsonflat_parse(raw, rawn, body_keys, NB, &c->body)) ==
	    JSONFLAT_NOMEM)
		return (-1);
	if (rc == JSONFLAT_OK) {
		*slug = c->body.val[B_CAMPAIGN];
		*text = c->body.val[B_TEXT];
		*n = c->body.len[B_TEXT];
		*prompt = c->body.val[B_PROMPT];
		*prompt_id = c->body.val[B_PROMPT_ID];
		return (1);
	}
	if ((body = req_json_body(r)) == NULL)
		return (0);
	*slug = json_string_value(json_object_get(body, "campaign"));
	t = json_object_get(body, "text");
	*text = json_is_string(t) ? json_string_value(t) : NULL;
	*n = json_is_string(t) ? json_string_length(t) : 0;
	*prompt = json_string_value(json_object_get(body, "prompt"));
	*prompt_id = NULL;
	pid = json_object_get(body, "prompt_id");
	if (json_is_integer(pid)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(pid));
		if ((*prompt_id = req_keep(r, strdup(num))) == NULL)
			return (-1);
	} else if (json_is_string(pid))
		*prompt_id = json_string_value(pid);
	else if (pid != NULL && !json_is_null(pid))
		*prompt_id = "x"; /* refused as not an id */
	return (1);
}

/*
** The ${n} bytes of ${text} and the ${prompt} (NULL: none), redacted into
** ${c}, for campaign ${camp}. 1, or an answer: 400 empty, 413 too_large
** (the prompt, or the text over the campaign's max_chars, named), or
** redaction's.
*/
static int
text_redact(struct req *r, struct create *c, const struct campaign *camp,
    const char *text, size_t n, const char *prompt)
{
	size_t chars;
	int rc;

	if (text == NULL || blank(text, n))
		return (req_error(r, 400, "empty", "the text is empty"));
	if ((rc = req_prompt_fits(r, prompt)) != 1)
		return (rc);
	/* Stored and answered as report_json (contrib_new_answer); names
	** as the campaign says. */
	if (req_redact_for(r, camp, text, n, 1, &c->rr) == -1)
		return (0);
	chars = utf8_chars(text, n);
	if (chars > (size_t)camp->max_chars)
		return (req_error(r, 413, "too_large",
		    "the text has %zu characters; this campaign takes at most "
		    "%d",
		    chars, camp->max_chars));
	if (prompt != NULL &&
	    req_redact_for(r, camp, prompt, strlen(prompt), 1, &c->pr) == -1)
		return (0);
	return (1);
}

/*
** First call of create_text_contribution: the key, the body, the campaign
** and consent, the redacted text; then the writer job's contribution in
** ${state}, answered by text_answer().
*/
static int
text_build(struct req *r, void *state, void **arg)
{
	struct create *c = state;
	struct campaign camp;
	const char *key, *slug, *text, *prompt, *prompt_id;
	int64_t consent, pid;
	size_t n;
	int rc;

	if ((rc = req_idempotency_key(r, &key)) != 1 ||
	    (rc = text_body(r, c, &slug, &text, &n, &prompt, &prompt_id)) != 1)
		return (rc);
	if (slug == NULL)
		return (
		    req_error(r, 400, "invalid", "\"campaign\" is required"));
	if ((rc = req_contribution_target(r, slug, "text", &camp, &consent)) !=
	    1)
		return (rc);
	if ((rc = req_prompt_by_id(r, prompt_id, camp.id, &pid, &prompt)) !=
	    1) {
		campaign_clear(&camp);
		return (rc);
	}
	c->cn.prompt_id = pid;
	if ((rc = text_redact(r, c, &camp, text, n, prompt)) != 1) {
		campaign_clear(&camp);
		return (rc);
	}
	memcpy(c->key, key, strlen(key) + 1); /* at most IDEMPOTENCY_KEY_MAX */
	request_hash(
	    slug, c->pr.text, c->rr.text, c->rr.len, c->cn.request_sha);
	c->cn.account_id = req_session(r)->account_id;
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
	*arg = &c->cn;
	return (1);
}

/* Second call: 201 with what was written, or 200 for a replay. */
static int
text_answer(struct req *r, void *state)
{
	struct create *c = state;
	struct buf ans = { 0 };

	if (c->cn.replayed)
		return (answer_contribution(
		    r, req_session(r)->account_id, c->cn.id, 200));
	/* Committed: answer from what was written, not a re-read (every
	** commit makes this thread's page cache stale). */
	if (contrib_new_answer(&c->cn, c->slug, &ans) == -1) {
		buf_free(&ans);
		return (-1);
	}
	return (req_json_buf(r, 201, &ans));
}

/*
** POST /api/v1/contributions {"campaign","text","prompt"?} with an
** Idempotency-Key (header, or ?idempotency_key=): a contributor with a
** live consent for the campaign. The text is redacted before it is
** stored. 201 {"contribution"}; the same key again answers 200 with the
** same body; 400 no key / empty text / not UTF-8; 403 consent_required;
** 404 no such campaign; 409 the key was used for something else; 413 over
** the campaign's max_chars (named); 415 an audio campaign (send
** audio/wav). A body sent as audio goes to create_audio_contribution
** instead (routes.c).
*/
int
create_text_contribution(struct req *r)
{
	/* The writer job checks the key (a retry after a dropped answer,
	** or a key used for something else) on its own connection, whose
	** cache is never stale: no lookup here. */
	static const struct req_write w = {
		.state_size = sizeof(struct create),
		.state_free = create_free,
		.build = text_build,
		.job = contrib_create_job,
		.flags = REQ_JOB_KEEPS_CACHE | REQ_JOB_ATOMIC,
		.failed = answer_contribution_failed,
		.answer = text_answer,
	};

	return (req_write(r, &w));
}

/* GET /api/v1/me/contributions: a contributor. 200 {"contributions"}. */
int
list_my_contributions(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = contrib_json(db, req_session(r)->account_id, 0, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "contributions", o)));
}

/* Which contribution, whose, and who acts (withdraw_contribution). */
static int
withdrawal_build(struct req *r, void *state, void **arg)
{
	struct contrib_withdraw *w = state;
	const struct session *s = req_session(r);

	if ((w->id = req_param_id(r)) == 0)
		return (req_error(
		    r, 404, "not_found", "no such contribution of yours"));
	w->account_id =
	    role_allows(s->role, ROLE_MAINTAINER) ? 0 : s->account_id;
	w->actor = s->account_id;
	return (1);
}

static int
withdrawal_answer(struct req *r, void *state)
{
	struct contrib_withdraw *w = state;

	return (answer_contribution(r, w->account_id, w->id, 200));
}

/*
** POST /api/v1/contributions/{id}/withdraw: its contributor, or a
** maintainer on their behalf (audited with the maintainer as actor). 200
** {"contribution"}; 404 if neither.
*/
int
withdraw_contribution(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct contrib_withdraw),
		.build = withdrawal_build,
		.job = contrib_withdraw_job,
		.answer = withdrawal_answer,
	};

	return (req_write(r, &w));
}

/* Every contribution of the session's person (withdraw_my_contributions). */
static int
withdraw_all_build(struct req *r, void *state, void **arg)
{
	struct contrib_withdraw *w = state;

	w->account_id = req_session(r)->account_id;
	w->actor = w->account_id;
	return (1);
}

static int
withdraw_all_answer(struct req *r, void *state)
{
	struct contrib_withdraw *w = state;

	return (req_json(r, 200, json_pack("{s:i}", "withdrawn", w->count)));
}

/*
** POST /api/v1/me/withdraw-all: a contributor. Withdraws every one of
** their contributions. 200 {"withdrawn":N}.
*/
int
withdraw_my_contributions(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct contrib_withdraw),
		.build = withdraw_all_build,
		.job = contrib_withdraw_job,
		.answer = withdraw_all_answer,
	};

	return (req_write(r, &w));
}
