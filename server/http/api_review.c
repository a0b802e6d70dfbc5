/*
** The review API: a reviewer's campaigns, queue and votes; a maintainer's
** figures, correction list, corrections and overrides. The rules are
** review.c's; this file reads requests and words answers. Route table:
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
#include "redact.h"
#include "review.h"
#include "text.h"

/* Votes ${account} cast today (UTC), or -1 with ${e}. */
static int64_t
today(struct db *db, int64_t account, struct err *e)
{
	return (review_count_today(db, account, (int64_t)time(NULL), e));
}

/* The languages of the session's account, a new array (empty if none). */
static json_t *
my_languages(struct db *db, int64_t account, struct err *e)
{
	struct account a;
	json_t *l = NULL;
	int rc;

	if ((rc = account_get(db, NULL, account, &a, e)) == -1)
		return (NULL);
	if (rc == 1 && a.languages != NULL)
		l = json_loads(a.languages, 0, NULL);
	account_clear(&a);
	if (!json_is_array(l)) {
		json_decref(l);
		l = json_array();
	}
	return (l);
}

/*
** GET /api/v1/review/campaigns: a reviewer. The campaigns in their
** languages: 200 {"campaigns":[{"slug","title","language","kind",...}],
** "today","languages"}.
*/
int
list_review_campaigns(struct req *r)
{
	const struct session *s = req_session(r);
	struct err e = { 0 };
	json_t *all, *mine, *langs, *c, *l;
	struct db *db;
	size_t i, j;
	int64_t n;
	char lang[64];

	if ((db = req_db(r, &e)) == NULL ||
	    (langs = my_languages(db, s->account_id, &e)) == NULL)
		return (req_fail(r, &e));
	if ((all = campaign_list(db, &e)) == NULL ||
	    (n = today(db, s->account_id, &e)) < 0) {
		json_decref(langs);
		json_decref(all);
		return (req_fail(r, &e));
	}
	mine = json_array();
	json_array_foreach(all, i, c)
	{
		snprintf(lang, sizeof(lang), "%s", jstr(c, "language"));
		text_lower_ascii(lang);
		json_array_foreach(
		    langs, j, l) if (strcmp(json_string_value(l), lang) == 0)
		{
			json_object_del(c, "prompts");
			json_array_append(mine, c);
			break;
		}
	}
	json_decref(all);
	return (req_json(r, 200,
	    json_pack("{s:o,s:I,s:o}", "campaigns", mine, "today",
		(json_int_t)n, "languages", langs)));
}

/*
** The campaign named by ?campaign= (or the {slug} of the path) into ${c}
** (clear it), for a reviewer who speaks its language (${need_language}).
** 1, or an answer: 400 invalid, 404 not_found, 403 not_your_language.
*/
static int
review_campaign(
    struct req *r, const char *slug, int need_language, struct campaign *c)
{
	struct err e = { 0 };
	struct db *db;
	int rc;

	if (slug == NULL)
		return (req_error(
		    r, 400, "invalid", "name the campaign: ?campaign=SLUG"));
	if ((rc = req_campaign(r, slug, c, &e)) != 1)
		return (rc == 0 ? req_error(r, 404, "not_found",
				      "no campaign \"%s\"", slug)
				: req_fail(r, &e));
	if (!need_language)
		return (1);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = review_speaks(
		 db, req_session(r)->account_id, c->language, &e)) == -1) {
		campaign_clear(c);
		return (req_fail(r, &e));
	}
	if (rc == 0) {
		rc = req_error(r, 403, REVIEW_NOT_LANGUAGE,
		    "\"%s\" is in %s, which is not among your languages; ask a "
		    "maintainer to add it",
		    slug, c->language);
		campaign_clear(c);
		return (rc);
	}
	return (1);
}

/*
** GET /api/v1/review/next?campaign=SLUG: a reviewer who speaks its
** language. 200 {"item","today"}: one pending item that is not theirs and
** that they have not voted on, most votes first, then oldest; 204 when
** there is none for them; 403 not_your_language; 404 not_found.
*/
int
next_review_item(struct req *r)
{
	const struct session *s = req_session(r);
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	json_t *item;
	int64_t n;
	int rc;

	if ((rc = review_campaign(r, req_query(r, "campaign"), 1, &c)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = review_next(db, c.id, s->account_id, &item, &e)) == -1) {
		campaign_clear(&c);
		return (req_fail(r, &e));
	}
	if (rc == 0) {
		campaign_clear(&c);
		return (req_respond(r, 204,
		    MHD_create_response_from_buffer(
			0, NULL, MHD_RESPMEM_PERSISTENT)));
	}
	json_object_set_new(item, "campaign", json_string(c.slug));
	campaign_clear(&c);
	if ((n = today(db, s->account_id, &e)) < 0) {
		json_decref(item);
		return (req_fail(r, &e));
	}
	return (req_json(r, 200,
	    json_pack("{s:o,s:I}", "item", item, "today", (json_int_t)n)));
}

struct vote {
	struct review_vote v;
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char *reason, *note;
};

static void
vote_free(void *p)
{
	struct vote *v = p;

	free(v->reason);
	free(v->note);
	free(v);
}

/* First call of cast_vote: the key and the body, checked. */
static int
vote_build(struct req *r, void *state, void **arg)
{
	struct vote *v = state;
	const char *key, *vote, *reason, *note;
	json_t *body, *id;
	uint8_t sum[SHA256_LEN];
	char ask[64];
	const void *parts[4];
	size_t lens[4];
	int rc;

	if ((rc = req_idempotency_key(r, &key)) != 1)
		return (rc);
	if ((body = req_json_body(r)) == NULL)
		return (0);
	id = json_object_get(body, "contribution");
	vote = jstr(body, "vote");
	reason = jstr(body, "reason");
	note = jstr(body, "note");
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
		return (req_error(r, 400, "invalid",
		    "\"contribution\" must be a contribution's number"));
	if (vote == NULL ||
	    (strcmp(vote, "up") != 0 && strcmp(vote, "down") != 0))
		return (req_error(
		    r, 400, "invalid", "\"vote\" must be \"up\" or \"down\""));
	if (strcmp(vote, "down") == 0 && !review_reason_ok(reason))
		return (req_error(r, 400, "invalid",
		    "a down vote needs a \"reason\": wrong_words, noise, "
		    "hard_to_hear, personal_data, offensive, not_the_language "
		    "or other"));
	if (strcmp(vote, "up") == 0 && reason != NULL)
		return (req_error(
		    r, 400, "invalid", "only a down vote gives a reason"));
	if (note != NULL && (note[0] == '\0' || strlen(note) > REVIEW_NOTE_MAX))
		note = note[0] == '\0' ? NULL : note;
	if (note != NULL && strlen(note) > REVIEW_NOTE_MAX)
		return (req_error(r, 400, "invalid",
		    "a note is at most %d bytes", REVIEW_NOTE_MAX));
	if (reason != NULL && strcmp(reason, "other") == 0 && note == NULL)
		return (req_error(r, 400, "invalid",
		    "say what is wrong in a \"note\" when the reason is "
		    "\"other\""));
	snprintf(v->key, sizeof(v->key), "%s", key);
	v->reason = reason ? strdup(reason) : NULL;
	v->note = note ? strdup(note) : NULL;
	if ((reason != NULL && v->reason == NULL) ||
	    (note != NULL && v->note == NULL))
		return (-1);
	v->v.account_id = req_session(r)->account_id;
	v->v.contribution_id = json_integer_value(id);
	v->v.vote = strcmp(vote, "up") == 0 ? 1 : -1;
	v->v.reason = v->reason;
	v->v.note = v->note;
	v->v.key = v->key;
	snprintf(ask, sizeof(ask), "%lld %d", (long long)v->v.contribution_id,
	    v->v.vote);
	parts[0] = ask;
	lens[0] = strlen(ask) + 1;
	parts[1] = reason ? reason : "";
	lens[1] = strlen(parts[1]) + 1;
	parts[2] = note ? note : "";
	lens[2] = strlen(parts[2]) + 1;
	if (sha256_parts(parts, lens, 3, sum) == -1)
		return (-1);
	hex_encode(sum, SHA256_LEN, v->v.request_sha);
	*arg = &v->v;
	return (1);
}

static int
vote_failed(struct req *r, const struct writer_job *j)
{
	const struct review_vote *v = j->arg;

	if (v->refusal != NULL)
		return (req_error(r, j->err.code == ERR_FORBIDDEN ? 403 : 409,
		    v->refusal, "%s", j->err.msg));
	if (j->err.code == ERR_CONFLICT)
		return (req_error(
		    r, 409, "idempotency_mismatch", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

/* Answered from the job: a read now would find every page this thread
** cached made stale by the commit. */
static int
vote_answer(struct req *r, void *state)
{
	struct vote *v = state;

	return (
	    req_json(r, v->v.replayed ? 200 : 201, review_vote_json(&v->v)));
}

/*
** POST /api/v1/reviews {"contribution","vote":"up"|"down","reason"?,
** "note"?} with an Idempotency-Key: a reviewer. 201 {"review","status",
** "votes","today"}; the same key again 200, the same answer; 400 invalid;
** 403 own_item, not_your_language; 404 not_found; 409 second_vote,
** already_decided, withdrawn, idempotency_mismatch.
*/
int
cast_vote(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct vote),
		.state_free = vote_free,
		.build = vote_build,
		.job = review_vote_job,
		/* No session, campaign or consent changes; every refusal
		** comes before a write. */
		.flags = REQ_JOB_KEEPS_CACHE | REQ_JOB_ATOMIC,
		.failed = vote_failed,
		.answer = vote_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/campaigns/{slug}/stats: a maintainer. The drive's figures
** from the counters (review_stats()): 200 {"campaign","totals","reasons",
** "days"}; 404.
*/
int
show_campaign_stats(struct req *r)
{
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	json_t *o;
	int rc;

	if ((rc = review_campaign(r, req_param(r, "slug"), 0, &c)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (o = review_stats(db, c.id, (int64_t)time(NULL), &e)) == NULL) {
		campaign_clear(&c);
		return (req_fail(r, &e));
	}
	json_object_set_new(o, "campaign", json_string(c.slug));
	campaign_clear(&c);
	return (req_json(r, 200, o));
}

/* Items of the path's campaign: the correction list (${status} NULL) or
** those with ${status}, a page of 50 from ?before=. */
static int
list_items(struct req *r, const char *status)
{
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	const char *b = req_query(r, "before");
	json_t *items, *it;
	int64_t next;
	size_t i;
	int rc;

	if ((rc = review_campaign(r, req_param(r, "slug"), 0, &c)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (items = review_items(
		 db, c.id, status, b ? atoll(b) : 0, 50, &next, &e)) == NULL) {
		campaign_clear(&c);
		return (req_fail(r, &e));
	}
	json_array_foreach(items, i, it)
	    json_object_set_new(it, "campaign", json_string(c.slug));
	campaign_clear(&c);
	return (req_json(r, 200,
	    json_pack("{s:o,s:o}", "items", items, "next",
		next ? json_integer(next) : json_null())));
}

/*
** GET /api/v1/campaigns/{slug}/corrections: a maintainer. Items a
** reviewer found personal data in, not yet corrected or settled: 200
** {"items","next"}; 404.
*/
int
list_corrections(struct req *r)
{
	return (list_items(r, NULL));
}

/*
** GET /api/v1/campaigns/{slug}/contributions?status=S&before=ID: a
** maintainer. 50 items with that status (pending by default), newest
** first: 200 {"items","next"}; 400 an unknown status; 404.
*/
int
list_campaign_contributions(struct req *r)
{
	const char *s = req_query(r, "status");

	if (s == NULL)
		s = "pending";
	if (strcmp(s, "pending") != 0 && strcmp(s, "validated") != 0 &&
	    strcmp(s, "rejected") != 0 && strcmp(s, "withdrawn") != 0)
		return (req_error(r, 400, "invalid",
		    "status is pending, validated, rejected or withdrawn"));
	return (list_items(r, s));
}

struct fix {
	struct review_correct c;
	struct redact_result rr;
	char *reason;
};

static void
fix_free(void *p)
{
	struct fix *f = p;

	redact_result_free(&f->rr);
	free(f->reason);
	free(f);
}

/* First call of correct_contribution: the new text, redacted. */
static int
fix_build(struct req *r, void *state, void **arg)
{
	struct fix *f = state;
	struct campaign camp = { 0 };
	struct err e = { 0 };
	const char *reason;
	struct db *db;
	char slug[64];
	json_t *body, *t;
	int rc;

	if ((f->c.id = req_param_id(r)) == 0)
		return (req_error(r, 404, "not_found", "no such contribution"));
	if ((body = req_json_body(r)) == NULL)
		return (0);
	t = json_object_get(body, "text");
	if (!json_is_string(t) || json_string_length(t) == 0)
		return (req_error(r, 400, "invalid", "\"text\" is required"));
	reason = jstr(body, "reason");
	if (reason != NULL && strlen(reason) > REVIEW_REASON_MAX)
		return (req_error(r, 400, "invalid",
		    "a reason is at most %d bytes", REVIEW_REASON_MAX));
	/* Redacted as its drive says (a drive may keep names). */
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = contrib_campaign_slug(db, f->c.id, slug, &e)) == -1 ||
	    (rc == 1 && (rc = req_campaign(r, slug, &camp, &e)) == -1))
		return (req_fail(r, &e));
	rc = req_redact_for(r, rc == 1 ? &camp : NULL, json_string_value(t),
	    json_string_length(t), 1, &f->rr);
	campaign_clear(&camp);
	if (rc == -1)
		return (0);
	if (reason != NULL && (f->reason = strdup(reason)) == NULL)
		return (-1);
	f->c.actor = req_session(r)->account_id;
	f->c.text = f->rr.text;
	f->c.report_json = f->rr.report_json;
	f->c.reason = f->reason;
	*arg = &f->c;
	return (1);
}

/* A refusal a maintainer's job named, else the error's status. */
static int
refused(struct req *r, const struct writer_job *j, const char *refusal)
{
	if (refusal != NULL)
		return (req_error(r, 409, refusal, "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

static int
fix_failed(struct req *r, const struct writer_job *j)
{
	return (
	    refused(r, j, ((const struct review_correct *)j->arg)->refusal));
}

static int
fix_answer(struct req *r, void *state)
{
	struct fix *f = state;

	return (answer_contribution(r, 0, f->c.id, 200));
}

/*
** POST /api/v1/contributions/{id}/correct {"text","reason"?}: a
** maintainer. The text becomes a new revision, redacted again; the old
** revisions' text is erased; audited. 200 {"contribution"}; 400; 404; 409
** not_text (a recording), withdrawn.
*/
int
correct_contribution(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct fix),
		.state_free = fix_free,
		.build = fix_build,
		.job = review_correct_job,
		.failed = fix_failed,
		.answer = fix_answer,
	};

	return (req_write(r, &w));
}

struct decide {
	struct review_decision d;
	char status[16];
	char *reason;
};

static void
decide_free(void *p)
{
	struct decide *d = p;

	free(d->reason);
	free(d);
}

static int
decide_build(struct req *r, void *state, void **arg)
{
	struct decide *d = state;
	const char *status, *reason;
	json_t *body;

	if ((d->d.id = req_param_id(r)) == 0)
		return (req_error(r, 404, "not_found", "no such contribution"));
	if ((body = req_json_body(r)) == NULL)
		return (0);
	status = jstr(body, "status");
	reason = jstr(body, "reason");
	if (status == NULL ||
	    (strcmp(status, "validated") != 0 &&
		strcmp(status, "rejected") != 0))
		return (req_error(r, 400, "invalid",
		    "\"status\" must be \"validated\" or \"rejected\""));
	if (reason == NULL || reason[0] == '\0')
		return (req_error(r, 400, "invalid",
		    "say why in \"reason\": a decision over the reviewers' "
		    "needs one"));
	if (strlen(reason) > REVIEW_REASON_MAX)
		return (req_error(r, 400, "invalid",
		    "a reason is at most %d bytes", REVIEW_REASON_MAX));
	snprintf(d->status, sizeof(d->status), "%s", status);
	if ((d->reason = strdup(reason)) == NULL)
		return (-1);
	d->d.actor = req_session(r)->account_id;
	d->d.status = d->status;
	d->d.reason = d->reason;
	*arg = &d->d;
	return (1);
}

static int
decide_failed(struct req *r, const struct writer_job *j)
{
	return (
	    refused(r, j, ((const struct review_decision *)j->arg)->refusal));
}

static int
decide_answer(struct req *r, void *state)
{
	struct decide *d = state;

	return (answer_contribution(r, 0, d->d.id, 200));
}

/*
** POST /api/v1/contributions/{id}/decision {"status":"validated"|
** "rejected","reason"}: a maintainer. Overrides whatever the votes
** decided; off the correction list; audited. 200 {"contribution"}; 400
** (no reason); 404; 409 withdrawn.
*/
int
decide_contribution(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct decide),
		.state_free = decide_free,
		.build = decide_build,
		.job = review_decision_job,
		.failed = decide_failed,
		.answer = decide_answer,
	};

	return (req_write(r, &w));
}
