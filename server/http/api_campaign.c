/*
** The maintainer's campaign API: creating, editing and closing a campaign,
** its prompts (one at a time or a whole file), the prompt a contributor is
** offered next, a sheet of drive cards, and the audit log. Route table:
** routes.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "api.h"
#include "audit.h"
#include "campaign.h"
#include "cards.h"
#include "http.h"
#include "prompts.h"
#include "text.h"

/* The {slug} campaign into ${c} (clear it): 1, or an answer (404). */
static int
path_campaign(struct req *r, struct campaign *c)
{
	const char *slug = req_param(r, "slug");
	struct err e = { 0 };
	int rc;

	if (slug == NULL || (rc = req_campaign(r, slug, c, &e)) == 0)
		return (req_error(r, 404, "not_found", "no such campaign"));
	if (rc == -1)
		return (req_fail(r, &e));
	return (1);
}

/* The quoted field an ERR_INVALID of campaign_parse() names, into
** ${field} ("" if none). */
static void
error_field(const char *msg, char *field, size_t n)
{
	const char *p = strchr(msg, '"'), *q;

	field[0] = '\0';
	if (p == NULL || (q = strchr(p + 1, '"')) == NULL ||
	    (size_t)(q - p - 1) >= n)
		return;
	memcpy(field, p + 1, (size_t)(q - p - 1));
	field[q - p - 1] = '\0';
}

struct save {
	struct campaign_import ci;
	json_t *def;
};

static void
save_free(void *p)
{
	struct save *s = p;

	json_decref(s->def);
	free(s);
}

/* The definition: checked here first, so its errors name their field. */
static int
save_build(struct req *r, void *state, void **arg)
{
	struct save *s = state;
	struct campaign c;
	struct err e = { 0 };
	char field[64];
	json_t *body;
	int rc;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	rc = campaign_parse(body, &c, &e);
	campaign_clear(&c);
	if (rc == -1) {
		error_field(e.msg, field, sizeof(field));
		return (req_json(r, 400,
		    json_pack("{s:{s:s,s:s,s:s}}", "error", "code", "invalid",
			"message", e.msg, "field", field)));
	}
	s->def = json_incref(body);
	s->ci.def = s->def;
	s->ci.actor = req_session(r)->account_id;
	*arg = &s->ci;
	return (1);
}

/* Answers 200 {"campaign"} with campaign ${id} as it now is. */
static int
answer_campaign(struct req *r, int64_t id)
{
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = campaign_get(db, NULL, id, &c, &e)) != 1)
		return (req_fail(r, &e));
	rc =
	    req_json(r, 200, json_pack("{s:o}", "campaign", campaign_json(&c)));
	campaign_clear(&c);
	return (rc);
}

static int
save_answer(struct req *r, void *state)
{
	return (answer_campaign(r, ((struct save *)state)->ci.id));
}

/*
** POST /api/v1/campaigns {definition}: a maintainer. Creates the campaign,
** or updates the one with that slug, with the checks of `tributary
** campaign import`. 200 {"campaign"}; 400 invalid with "field".
*/
int
save_campaign(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct save),
		.state_free = save_free,
		.build = save_build,
		.job = campaign_import_job,
		.answer = save_answer,
	};

	return (req_write(r, &w));
}

static int
close_build(struct req *r, void *state, void **arg)
{
	struct campaign_close *cc = state;
	struct campaign c;
	int rc;

	if ((rc = path_campaign(r, &c)) != 1)
		return (rc);
	cc->id = c.id;
	cc->actor = req_session(r)->account_id;
	campaign_clear(&c);
	return (1);
}

static int
close_answer(struct req *r, void *state)
{
	return (answer_campaign(r, ((struct campaign_close *)state)->id));
}

/*
** POST /api/v1/campaigns/{slug}/close: a maintainer. The campaign ends
** now: no contribution is taken after; audited. 200 {"campaign"}; 404.
*/
int
close_campaign(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct campaign_close),
		.build = close_build,
		.job = campaign_close_job,
		.answer = close_answer,
	};

	return (req_write(r, &w));
}

#define CARDS_MAX 200

struct sheet {
	struct card_batch cb;
	char (*codes)[CARD_CODE_LEN + 1];
	char url[CARDS_URL_MAX + 1]; /* the node's address on the cards */
};

static void
sheet_free(void *p)
{
	struct sheet *s = p;

	if (s->codes != NULL)
		sodium_memzero(
		    s->codes, (size_t)s->cb.count * sizeof(*s->codes));
	free(s->codes);
	free(s);
}

static int
sheet_build(struct req *r, void *state, void **arg)
{
	struct sheet *s = state;
	char origin[CARDS_URL_MAX + 64];
	struct err e = { 0 };
	struct campaign c;
	json_t *body, *n;
	int rc;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	n = json_object_get(body, "count");
	if (!json_is_integer(n) || json_integer_value(n) < 1 ||
	    json_integer_value(n) > CARDS_MAX)
		return (req_error(r, 400, "invalid",
		    "\"count\" must be a whole number from 1 to %d",
		    CARDS_MAX));
	if ((rc = path_campaign(r, &c)) != 1)
		return (rc);
	s->cb.campaign_id = c.id;
	/* The cards lead to the address this page was reached at: refused
	** before any card is made where phones could not record. */
	req_origin(r, origin, sizeof(origin));
	rc = cards_url_check(origin, s->url, sizeof(s->url), &e);
	if (rc == 1 && strcmp(c.kind, "audio") == 0) {
		campaign_clear(&c);
		return (req_error(r, 409, "insecure_address",
		    "phones cannot record there: this page was reached at %s, "
		    "plain http on another machine, and browsers give the "
		    "microphone only to https:// addresses (or localhost); "
		    "open the campaign page at the node's https:// address "
		    "to print its cards",
		    origin));
	}
	campaign_clear(&c);
	if (rc == -1)
		return (req_fail(r, &e));
	s->cb.count = (int)json_integer_value(n);
	if ((s->codes = calloc((size_t)s->cb.count, sizeof(*s->codes))) == NULL)
		return (-1);
	s->cb.codes = s->codes;
	s->cb.actor = req_session(r)->account_id;
	*arg = &s->cb;
	return (1);
}

static int
sheet_answer(struct req *r, void *state)
{
	struct sheet *s = state;
	struct MHD_Response *resp;
	char *page = NULL;
	struct err e = { 0 };
	struct db *db;
	size_t len = 0;
	FILE *f;
	int rc;

	if ((db = req_db(r, &e)) == NULL)
		return (req_fail(r, &e));
	if ((f = open_memstream(&page, &len)) == NULL)
		return (-1);
	rc = cards_write_for(f, db, req_config(r)->webroot, s->url,
	    s->cb.campaign_id, s->codes, s->cb.count, &e);
	if (fclose(f) != 0 || rc == -1) {
		free(page);
		return (req_error(
		    r, 500, "internal", "the card sheet could not be drawn"));
	}
	resp =
	    MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(page);
		return (-1);
	}
	MHD_add_response_header(
	    resp, "Content-Type", "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Disposition",
	    "inline; filename=\"drive-cards.html\"");
	return (req_respond(r, 200, resp));
}

/*
** POST /api/v1/campaigns/{slug}/cards {"count":1..200}: a maintainer.
** Makes that many new drive cards and answers 200 text/html: the
** printable sheet (`tributary drive-codes --cards` draws the same: the
** campaign's title and language, the organization and its contact), with
** the node's address as this request reached it (https when the node
** serves TLS or a --trusted-proxy says so: req_origin). 400; 404; 409
** insecure_address for an audio campaign reached over plain http on a
** host that is not loopback (phones could not record from its cards).
*/
int
print_cards(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct sheet),
		.state_free = sheet_free,
		.build = sheet_build,
		.job = card_create_job,
		.answer = sheet_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/campaigns/{slug}/prompts: a maintainer. Every prompt, live
** ones first: 200 {"prompts":[{"id","text","source","licence","uses",
** "retired"}]}; 404.
*/
int
list_prompts(struct req *r)
{
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	json_t *l;
	int rc;

	if ((rc = path_campaign(r, &c)) != 1)
		return (rc);
	l = (db = req_db(r, &e)) != NULL ? prompt_list(db, c.id, 1, &e) : NULL;
	campaign_clear(&c);
	if (l == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "prompts", l)));
}

/*
** GET /api/v1/campaigns/{slug}/prompt: a contributor. The live prompt
** they have not done with the fewest contributions: 200 {"prompt":{"id",
** "text"}}; 204 when they have done every one; 404.
*/
int
next_prompt(struct req *r)
{
	struct campaign c;
	struct err e = { 0 };
	struct db *db;
	json_t *p;
	int rc;

	if ((rc = path_campaign(r, &c)) != 1)
		return (rc);
	rc = (db = req_db(r, &e)) != NULL
	    ? prompt_next(db, c.id, req_session(r)->account_id, &p, &e)
	    : -1;
	campaign_clear(&c);
	if (rc == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_respond(r, 204,
		    MHD_create_response_from_buffer(
			0, NULL, MHD_RESPMEM_PERSISTENT)));
	return (req_json(r, 200, json_pack("{s:o}", "prompt", p)));
}

struct pedit {
	struct prompt_edit pe;
	char *text, *source, *licence;
	int created;
};

static void
pedit_free(void *p)
{
	struct pedit *pe = p;

	free(pe->text);
	free(pe->source);
	free(pe->licence);
	free(pe);
}

/* Copies the body's string ${k} into ${out} (NULL if absent); 400 if it is
** there but not a string. 1, or an answer. */
static int
body_str(struct req *r, json_t *body, const char *k, char **out)
{
	json_t *v = json_object_get(body, k);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return (1);
	if (!json_is_string(v))
		return (req_error(r, 400, "invalid", "\"%s\" must be text", k));
	if ((*out = strdup(json_string_value(v))) == NULL)
		return (-1);
	return (1);
}

static int
pedit_build(struct req *r, void *state, void **arg)
{
	struct pedit *p = state;
	struct campaign c;
	json_t *body, *ret;
	int rc;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if ((rc = body_str(r, body, "text", &p->text)) != 1 ||
	    (rc = body_str(r, body, "source", &p->source)) != 1 ||
	    (rc = body_str(r, body, "licence", &p->licence)) != 1)
		return (rc);
	if (p->licence != NULL)
		text_lower_ascii(p->licence);
	if (p->text != NULL) { /* white space around it is not the prompt */
		size_t n = strlen(p->text), i = 0;

		while (n > 0 && strchr(" \t\r\n", p->text[n - 1]) != NULL)
			p->text[--n] = '\0';
		while (p->text[i] != '\0' && strchr(" \t\r\n", p->text[i]))
			i++;
		memmove(p->text, p->text + i, n - i + 1);
	}
	if (req_param(r, "slug") != NULL) {
		if ((rc = path_campaign(r, &c)) != 1)
			return (rc);
		p->pe.campaign_id = c.id;
		campaign_clear(&c);
		p->created = 1;
		if (p->licence == NULL)
			return (req_error(r, 400, "invalid",
			    "\"licence\" is required: under which licence may "
			    "the prompt be released?"));
	} else {
		if ((p->pe.id = req_param_id(r)) == 0)
			return (
			    req_error(r, 404, "not_found", "no such prompt"));
		ret = json_object_get(body, "retired");
		if (ret != NULL && !json_is_boolean(ret))
			return (req_error(r, 400, "invalid",
			    "\"retired\" must be true or false"));
		p->pe.retire = ret == NULL ? 0 : json_is_true(ret) ? 1 : -1;
	}
	p->pe.text = p->text;
	p->pe.source = p->source;
	p->pe.licence = p->licence;
	p->pe.actor = req_session(r)->account_id;
	*arg = &p->pe;
	return (1);
}

static int
pedit_answer(struct req *r, void *state)
{
	struct pedit *p = state;
	struct err e = { 0 };
	struct db *db;
	json_t *o;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = prompt_get(db, p->pe.id, &o, &e)) != 1)
		return (req_fail(r, &e));
	return (req_json(
	    r, p->created ? 201 : 200, json_pack("{s:o}", "prompt", o)));
}

static int
pedit_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT)
		return (req_error(r, 409, "duplicate", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

/*
** POST /api/v1/campaigns/{slug}/prompts {"text","source"?,"licence"}: a
** maintainer adds a prompt. 201 {"prompt"}; 400 (empty, too long, no
** licence that lets it be released); 404; 409 duplicate.
** POST /api/v1/prompts/{id} {"text"?,"source"?,"licence"?,"retired"?}: a
** maintainer edits, retires (true) or restores (false) one. 200
** {"prompt"}; 400; 404; 409 duplicate.
*/
int
save_prompt(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct pedit),
		.state_free = pedit_free,
		.build = pedit_build,
		.job = prompt_edit_job,
		.failed = pedit_failed,
		.answer = pedit_answer,
	};

	return (req_write(r, &w));
}

struct pimport {
	struct prompt_import pi;
	struct prompt_set set;
};

static void
pimport_free(void *p)
{
	struct pimport *pi = p;

	prompt_set_free(&pi->set);
	free(pi);
}

static int
pimport_build(struct req *r, void *state, void **arg)
{
	struct pimport *p = state;
	const char *ct = req_header(r, "Content-Type"), *body;
	const char *licence = req_query(r, "licence"), *source;
	struct campaign c;
	struct err e = { 0 };
	char lic[32];
	json_t *lines;
	size_t n;
	int rc, csv;

	csv = ct != NULL && strncasecmp(ct, "text/csv", 8) == 0;
	if (ct == NULL || (!csv && strncasecmp(ct, "text/plain", 10) != 0))
		return (req_error(r, 415, "unsupported",
		    "send the file as text/plain (one prompt per line) or "
		    "text/csv (text,source,licence)"));
	snprintf(lic, sizeof(lic), "%s", licence ? licence : "");
	text_lower_ascii(lic);
	source = req_query(r, "source");
	if ((rc = path_campaign(r, &c)) != 1)
		return (rc);
	p->pi.campaign_id = c.id;
	campaign_clear(&c);
	body = req_body(r, &n);
	if (prompts_parse(
		body, n, csv, lic[0] ? lic : NULL, source, &p->set, &e) == -1) {
		if (e.code != ERR_INVALID)
			return (req_fail(r, &e));
		lines =
		    p->set.errors ? json_incref(p->set.errors) : json_array();
		return (req_json(r, 400,
		    json_pack("{s:{s:s,s:s,s:o}}", "error", "code", "invalid",
			"message", e.msg, "lines", lines)));
	}
	p->pi.set = &p->set;
	p->pi.actor = req_session(r)->account_id;
	*arg = &p->pi;
	return (1);
}

static int
pimport_answer(struct req *r, void *state)
{
	struct pimport *p = state;

	return (req_json(r, 200,
	    json_pack("{s:I,s:I}", "imported", (json_int_t)p->pi.imported,
		"duplicates", (json_int_t)p->pi.duplicates)));
}

/*
** POST /api/v1/campaigns/{slug}/prompts/import?licence=ID&source=TEXT: a
** maintainer; the body is the file, text/plain (one prompt per line, each
** under ?licence and ?source) or text/csv (a header naming text, source,
** licence; empty cells take the query's). All or nothing. 200
** {"imported","duplicates"}; 400 invalid with "lines" ([{"line",
** "message"}]: each refused line); 404; 413 over 4 MiB; 415.
*/
int
import_prompts(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct pimport),
		.state_free = pimport_free,
		.build = pimport_build,
		.job = prompt_import_job,
		.answer = pimport_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/licences: anyone. The licences a prompt may carry: 200
** {"licences":[{"id","name"}]}.
*/
int
list_licences(struct req *r)
{
	json_t *l = json_array();
	size_t i;

	for (i = 0; l != NULL && prompt_licences[i] != NULL; i++)
		json_array_append_new(l,
		    json_pack("{s:s,s:s}", "id", prompt_licences[i], "name",
			prompt_licence_names[i]));
	return (req_json(r, 200, json_pack("{s:o}", "licences", l)));
}

#define AUDIT_PAGE 50

/*
** GET /api/v1/audit?actor=HANDLE&subject=ID&before=ID: a maintainer. 50
** entries, newest first, and the chain's state: 200 {"entries","next",
** "chain":{"state":"intact"|"changed"|"gap","rows","bad_id","head"}}.
*/
int
read_audit(struct req *r)
{
	static const char *const states[] = { "intact", "changed", "gap" };
	struct audit_check ck;
	struct err e = { 0 };
	struct db *db;
	const char *actor = req_query(r, "actor"),
		   *sub = req_query(r, "subject"),
		   *before = req_query(r, "before");
	json_t *entries, *last;
	int64_t next = 0;

	if (actor != NULL && actor[0] == '\0')
		actor = NULL;
	if ((db = req_db(r, &e)) == NULL ||
	    (entries = audit_page(db, actor, sub ? atoll(sub) : 0,
		 before ? atoll(before) : 0, AUDIT_PAGE + 1, &e)) == NULL)
		return (req_fail(r, &e));
	if (json_array_size(entries) > AUDIT_PAGE) {
		json_array_remove(entries, AUDIT_PAGE);
		last = json_array_get(entries, AUDIT_PAGE - 1);
		next = json_integer_value(json_object_get(last, "id"));
	}
	if (audit_verify(db, &ck, &e) == -1) {
		json_decref(entries);
		return (req_fail(r, &e));
	}
	return (req_json(r, 200,
	    json_pack("{s:o,s:o,s:{s:s,s:I,s:o,s:s}}", "entries", entries,
		"next", next ? json_integer(next) : json_null(), "chain",
		"state", states[ck.state], "rows", (json_int_t)ck.rows,
		"bad_id", ck.bad_id ? json_integer(ck.bad_id) : json_null(),
		"head", ck.head)));
}
