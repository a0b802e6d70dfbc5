/*
** The JSON API for campaigns and consent: the campaigns, a consent
** document in a language, giving consent to a campaign's document and
** withdrawing it, and the consents a person gave. Each handler's comment
** states who may call it and what it answers; the route table is in
** routes.c. Recorded statements and readings are api_audio.c's.
*/
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "campaign.h"
#include "consent.h"
#include "consent_record.h"
#include "http.h"

/* GET /api/v1/campaigns: anyone. 200 {"campaigns":[...]}. */
int
list_campaigns(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *list;

	if ((db = req_db(r, &e)) == NULL ||
	    (list = campaign_list(db, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json_public(r, 200, json_pack("{s:o}", "campaigns", list)));
}

/*
** GET /api/v1/consent/{slug}?lang=xx: anyone. The current version of the
** document in that language (English if there is none), with "languages"
** available and, for an unreviewed translation, "binding": the English
** text that binds. 404 if the document does not exist.
*/
int
show_consent_document(struct req *r)
{
	const struct consent_set *set = req_consents(r);
	const struct consent_doc *d, *en;
	const char *slug = req_param(r, "slug"), *lang = req_query(r, "lang");
	const char *ctype;
	char path[4096];
	json_t *j, *langs;
	size_t i;
	int v;

	if (set == NULL || (v = consent_current_version(set, slug)) == 0)
		return (req_error(r, 404, "not_found",
		    "there is no consent document \"%s\"", slug));
	en = consent_find(set, slug, v, "en");
	d = lang ? consent_find(set, slug, v, lang) : NULL;
	if (d == NULL)
		d = en;
	if (d == NULL)
		return (req_error(
		    r, 404, "not_found", "no English text of \"%s\"", slug));
	j = consent_doc_json(d);
	langs = json_array();
	for (i = 0; i < set->n; i++)
		if (strcmp(set->docs[i]->slug, slug) == 0 &&
		    set->docs[i]->version == v)
			json_array_append_new(
			    langs, json_string(set->docs[i]->lang));
	json_object_set_new(j, "languages", langs);
	json_object_set_new(j, "reading",
	    consent_reading_path(req_config(r)->consent_dir, slug, v, d->lang,
		path, sizeof(path), &ctype)
		? json_sprintf("/api/v1/consent/%s/reading?lang=%s&version=%d",
		      slug, d->lang, v)
		: json_null());
	json_object_set_new(j, "binding",
	    d->reviewed || d == en ? json_null() : consent_doc_json(en));
	return (req_json_public(r, 200, j));
}

/*
** First call of give_consent: the campaign, and the document, scopes and
** age checked against it (consent_validate); the writer job's consent in
** ${state}. 1, or an answer: 400 invalid, 403 guardian_required, 404 no
** such campaign, 409 outdated_document with "current".
*/
static int
consent_build(struct req *r, void *state, void **arg)
{
	struct consent_give *g = state;
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	char current[65];
	json_t *body, *o;
	int rc;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if ((db = req_db(r, &e)) == NULL)
		return (req_fail(r, &e));
	if (jstr(body, "campaign") == NULL)
		return (
		    req_error(r, 400, "invalid", "\"campaign\" is required"));
	if ((rc = campaign_get(db, jstr(body, "campaign"), 0, &c, &e)) != 1)
		return (rc == 0
			? req_error(r, 404, "not_found", "no such campaign")
			: req_fail(r, &e));
	rc = consent_validate(&c, req_consents(r), jstr(body, "document"),
	    json_object_get(body, "scopes"),
	    json_is_true(json_object_get(body, "age_confirmed")), current, &e);
	campaign_clear(&c);
	if (rc == -1 && e.code == ERR_CONFLICT) {
		o = json_pack("{s:{s:s,s:s,s:s}}", "error", "code",
		    "outdated_document", "message", e.msg, "current", current);
		return (req_json(r, 409, o));
	}
	if (rc == -1 && e.code == ERR_FORBIDDEN)
		return (req_error(r, 403, "guardian_required", "%s", e.msg));
	if (rc == -1)
		return (req_fail(r, &e));
	g->account_id = req_session(r)->account_id;
	g->campaign_id = c.id;
	g->document = jstr(body, "document");
	g->scopes = json_object_get(body, "scopes");
	g->age_confirmed = 1;
	g->method = "checkbox";
	return (1);
}

/* Answers ${status} {"consent"} with consent ${id} of ${account} as
** stored. */
static int
answer_consent(struct req *r, int64_t account, int64_t id, unsigned status)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = consent_record_json(db, account, id, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, status, json_pack("{s:o}", "consent", o)));
}

static int
consent_answer(struct req *r, void *state)
{
	struct consent_give *g = state;

	return (answer_consent(r, g->account_id, g->id, 201));
}

/*
** POST /api/v1/consents {"campaign","document","scopes","age_confirmed"}:
** a contributor. 201 {"consent":{...}}; 400 invalid (unknown or missing
** required scope); 403 guardian_required; 404 no such campaign; 409
** outdated_document with "current": the hash to read instead.
*/
int
give_consent(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct consent_give),
		.build = consent_build,
		.job = consent_give_job,
		.answer = consent_answer,
	};

	return (req_write(r, &w));
}

/* Which consent, and whose (withdraw_consent). */
static int
consent_withdrawal_build(struct req *r, void *state, void **arg)
{
	struct consent_withdraw *w = state;

	w->id = req_param_id(r);
	w->account_id = req_session(r)->account_id;
	if (w->id == 0)
		return (
		    req_error(r, 404, "not_found", "no such consent of yours"));
	return (1);
}

static int
consent_withdrawal_answer(struct req *r, void *state)
{
	struct consent_withdraw *w = state;

	return (answer_consent(r, w->account_id, w->id, 200));
}

/*
** POST /api/v1/consents/{id}/withdraw: the person who gave it. 200
** {"consent":{...,"withdrawn_at":T}} (again: the same answer); 404 if it is
** not theirs.
*/
int
withdraw_consent(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct consent_withdraw),
		.build = consent_withdrawal_build,
		.job = consent_withdraw_job,
		.answer = consent_withdrawal_answer,
	};

	return (req_write(r, &w));
}

/* GET /api/v1/me/consents: a session. 200 {"consents":[...]}. */
int
list_my_consents(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = consent_record_json(db, req_session(r)->account_id, 0, &e)) ==
		NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "consents", o)));
}
