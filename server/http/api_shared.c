/*
** The request steps that creating a contribution takes, text
** (api_contrib.c) or recording (api_audio.c) alike: telling a recording
** by its type, the Idempotency-Key and its answers, the prompt's limit,
** the campaign and the live consent it needs (remembered per thread,
** dbcache.h), redaction for the session's person, and the answer with the
** contribution as stored. Both handler files call these and never each
** other.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "campaign.h"
#include "contrib.h"
#include "dbcache.h"
#include "http.h"
#include "ledger.h"
#include "prompts.h"
#include "redact.h"

int
req_is_wav(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	static const char *const types[] = { "audio/wav", "audio/x-wav",
		"audio/wave", "audio/vnd.wave" };
	size_t i, n;

	if (ct == NULL)
		return (0);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if (strncasecmp(ct, types[i], n) == 0 &&
		    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
			return (1);
	}
	return (0);
}

int
req_is_audio(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");

	return (ct != NULL && strncasecmp(ct, "audio/", 6) == 0);
}

int
req_idempotency_key(struct req *r, const char **key)
{
	if ((*key = req_header(r, "Idempotency-Key")) == NULL)
		*key = req_query(r, "idempotency_key");
	if (*key == NULL || (*key)[0] == '\0' ||
	    strlen(*key) > IDEMPOTENCY_KEY_MAX)
		return (req_error(r, 400, "invalid",
		    "send an Idempotency-Key header (1 to %d characters) so a "
		    "retry never saves the same thing twice",
		    IDEMPOTENCY_KEY_MAX));
	return (1);
}

int
answer_key_reused(struct req *r)
{
	return (req_error(
	    r, 409, "idempotency_mismatch", "%s", CONTRIB_KEY_REUSED));
}

int
req_prompt_fits(struct req *r, const char *prompt)
{
	if (prompt != NULL && strlen(prompt) > CONTRIB_PROMPT_MAX)
		return (req_error(r, 413, "too_large",
		    "a prompt is at most %d bytes", CONTRIB_PROMPT_MAX));
	return (1);
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
		c->texts = json_incref(m->texts);
		c->redact_allow = json_incref(m->redact_allow);
		return (1);
	}
	epoch = req_cache_epoch(r);
	if ((db = req_db(r, e)) == NULL ||
	    (rc = campaign_get(db, slug, 0, c, e)) != 1)
		return (db == NULL ? -1 : rc);
	if ((keep = malloc(sizeof(*keep))) != NULL) {
		*keep = *c;
		keep->required_scopes = json_incref(c->required_scopes);
		keep->texts = json_incref(c->texts);
		keep->redact_allow = json_incref(c->redact_allow);
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

int
req_contribution_target(struct req *r, const char *slug, const char *kind,
    struct campaign *c, int64_t *consent)
{
	struct err e = { 0 };
	int rc;

	if ((rc = req_campaign(r, slug, c, &e)) != 1)
		return (rc == 0 ? req_error(r, 404, "not_found",
				      "no campaign \"%s\"", slug)
				: req_fail(r, &e));
	if (campaign_open(c, (int64_t)time(NULL), &e) == -1) {
		campaign_clear(c);
		return (req_error(r, 403, "campaign_closed", "%s", e.msg));
	}
	if (strcmp(c->kind, kind) != 0) {
		campaign_clear(c);
		return (req_error(r, 415, "unsupported",
		    strcmp(kind, "text") == 0
			? "this campaign collects recordings: send audio/wav"
			: "this campaign collects text: send JSON"));
	}
	if ((*consent = req_live_consent(
		 r, req_session(r)->account_id, c->id, &e)) <= 0) {
		campaign_clear(c);
		if (*consent == -1)
			return (req_fail(r, &e));
		return (req_error(r, 403, "consent_required",
		    "give your consent for \"%s\" first (the consent page), "
		    "then send this again",
		    slug));
	}
	return (1);
}

int
req_prompt_by_id(struct req *r, const char *raw, int64_t campaign, int64_t *id,
    const char **prompt)
{
	struct err e = { 0 };
	struct db *db;
	char *end, *text;
	long long v;
	int rc;

	*id = 0;
	if (raw == NULL || raw[0] == '\0')
		return (1);
	v = strtoll(raw, &end, 10);
	if (*end != '\0' || v <= 0)
		return (req_error(r, 400, "invalid",
		    "\"prompt_id\" must be a prompt's number"));
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = prompt_text(db, v, campaign, &text, &e)) == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_error(r, 404, "no_such_prompt",
		    "this campaign has no prompt %lld (it may have been "
		    "retired): ask for the next one",
		    v));
	if (req_keep(r, text) == NULL)
		return (-1);
	*id = v;
	*prompt = text;
	return (1);
}

int
req_redact(struct req *r, const char *text, size_t n, int json_only,
    struct redact_result *out)
{
	return (req_redact_for(r, NULL, text, n, json_only, out));
}

int
req_redact_for(struct req *r, const struct campaign *camp, const char *text,
    size_t n, int json_only, struct redact_result *out)
{
	const char *allow[CAMPAIGN_MAX_ALLOW];
	struct redact_ctx ctx = { 0 };
	struct ledger_contact c;
	struct err e = { 0 };
	struct db *db;

	campaign_redact_ctx(camp, allow, &ctx);
	ctx.json_only = json_only;
	ctx.handle = req_session(r)->handle;
	ctx.contact_key = req_node(r)->pseudonym_key;
	/* Their payout contact is sealed; its keyed hash still finds it. */
	if ((db = req_db(r, &e)) == NULL ||
	    ledger_contact_info(db, req_session(r)->account_id, &c, &e) == -1) {
		req_fail(r, &e);
		return (-1);
	}
	if (c.has_hash) {
		ctx.contact_hashes = (const uint8_t(*)[32])c.hash;
		ctx.ncontacts = 1;
	}
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

int
answer_contribution(struct req *r, int64_t account, int64_t id, unsigned status)
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
answer_contribution_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT &&
	    strcmp(j->err.msg, CONTRIB_PROMPT_DONE) == 0)
		return (req_error(r, 409, "prompt_done", "%s", j->err.msg));
	if (j->err.code == ERR_CONFLICT)
		return (answer_key_reused(r));
	if (j->err.code == ERR_FORBIDDEN)
		return (
		    req_error(r, 403, "consent_required", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}
