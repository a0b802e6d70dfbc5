/*
** Consent documents translated on the node, over HTTP (domain:
** consent_tr.c): the translation page's view of a document in a
** language, part by part beside English; saving a part as a draft; and a
** second speaker's review, which writes the document under the node's
** data folder and serves it at once. Who may: a maintainer or above, or
** an account a maintainer let translate (can_translate), as for the
** pages' strings (api_i18n.c). Every refusal has a code of its own, which
** the page words in the person's language.
*/
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "api.h"
#include "consent.h"
#include "consent_tr.h"
#include "http.h"

/* The request's {lang}, checked (req_lang_param()), and not English, the
** text translations are made from (400 queued). NULL with the answer
** queued. */
static const char *
lang_of(struct req *r)
{
	const char *l = req_lang_param(r);

	if (l == NULL)
		return (NULL);
	if (strcmp(l, "en") == 0) {
		req_error(r, 400, "source_language",
		    "English is the text translations are made from: it is "
		    "not translated here");
		return (NULL);
	}
	return (l);
}

/*
** GET /api/v1/consent/{slug}/translations/{lang}: a maintainer, or an
** account allowed to translate. The latest version of the document, part
** by part: 200 {"slug","version","lang","exists","reviewed","consented",
** "next_version","drafts","sha256","parts":[{"id","kind","en","text",
** "draft","by"?,"at"?,"missing"}]}, the parts with no text first; 400
** source_language; 403; 404.
*/
int
show_consent_translation(struct req *r)
{
	const char *lang = lang_of(r);
	struct err e = { 0 };
	struct db *db;
	json_t *o;
	int rc;

	if (lang == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (o = ctr_view(
		 req_consents(r), db, req_param(r, "slug"), lang, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, o));
}

struct part_state {
	struct ctr_save sv;
	char *text; /* trimmed */
	json_t *body;
};

static void
part_free(void *p)
{
	struct part_state *s = p;

	free(s->text);
	json_decref(s->body);
	free(s);
}

/* The code a refused part is answered with. */
static const char *const bad_codes[] = {
	[CTR_OK] = "invalid",
	[CTR_BAD_EMPTY] = "part_empty",
	[CTR_BAD_TOO_LARGE] = "part_too_large",
	[CTR_BAD_NOT_TEXT] = "part_not_text",
	[CTR_BAD_ONE_LINE] = "part_one_line",
	[CTR_BAD_BLANK_LINE] = "part_blank_line",
	[CTR_BAD_HEADING] = "part_heading",
};

static int
part_build(struct req *r, void *state, void **arg)
{
	struct part_state *s = state;
	const char *part = req_param(r, "part"), *text, *start, *en;
	struct ctr_ref ref;
	enum ctr_kind kind;
	enum ctr_bad bad;
	struct err e = { 0 };
	size_t n;
	int rc;

	if ((s->sv.lang = lang_of(r)) == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if (part == NULL || ctr_part_id_parse(part, strlen(part), &ref) == -1)
		return (req_error(r, 404, "not_found",
		    "\"%.80s\" is not a part of a consent document",
		    part ? part : ""));
	if ((s->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	if ((text = json_string_value(json_object_get(s->body, "text"))) ==
	    NULL)
		return (req_error(r, 400, "invalid", "send {\"text\"}"));
	if (ctr_english_part(req_consents(r), req_param(r, "slug"), part, &kind,
		&en, &s->sv.version, &e) == -1)
		return (req_fail(r, &e));
	n = ctr_text_trim(text, &start);
	if ((s->text = strndup(start, n)) == NULL)
		return (-1);
	bad = ctr_text_check(
	    kind, en, s->text, (size_t)req_config(r)->consent_part_max, &e);
	if (bad != CTR_OK)
		return (req_error(r, bad == CTR_BAD_TOO_LARGE ? 413 : 400,
		    bad_codes[bad], "%s", e.msg));
	s->sv.slug = req_param(r, "slug");
	s->sv.part = part;
	s->sv.text = s->text;
	s->sv.by = req_session(r)->account_id;
	*arg = &s->sv;
	return (1);
}

static int
part_answer(struct req *r, void *state)
{
	struct part_state *s = state;

	return (req_json(r, 200,
	    json_pack("{s:s,s:i,s:s,s:s,s:s,s:b}", "slug", s->sv.slug,
		"version", s->sv.version, "lang", s->sv.lang, "part",
		s->sv.part, "text", s->sv.text, "saved", 1)));
}

/*
** PUT /api/v1/consent/{slug}/translations/{lang}/parts/{part} {"text"}:
** a maintainer, or an account allowed to translate. Saves the part of the
** latest version as a draft (white space at its ends trimmed); saving it
** again replaces the draft. Audited as "consent.part_saved". 200 {"slug",
** "version","lang","part","text","saved":true}; 400 invalid (no text),
** part_empty, part_not_text (not UTF-8, a control character),
** part_one_line (a title, scope or heading with a line break),
** part_blank_line (a paragraph with a blank line: two paragraphs),
** part_heading (a heading must keep English's {#anchor}; a paragraph
** holds no heading line), source_language; 403; 404 (no such document or
** part, not a language tag); 413 part_too_large (over
** --consent-part-max).
*/
int
save_consent_part(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct part_state),
		.state_free = part_free,
		.build = part_build,
		.job = ctr_save_job,
		.answer = part_answer,
	};

	return (req_write(r, &w));
}

static void
review_free(void *p)
{
	struct ctr_review *rv = p;

	ctr_review_clear(rv);
	free(rv);
}

static int
review_build(struct req *r, void *state, void **arg)
{
	struct ctr_review *rv = state;
	int rc;

	if ((rv->lang = lang_of(r)) == NULL)
		return (0);
	if ((rc = req_may_translate(r)) != 1)
		return (rc);
	if (req_node(r)->consents == NULL)
		return (req_error(r, 404, "not_found",
		    "this node serves no consent documents"));
	rv->shelf = req_node(r)->consents;
	rv->dir = req_node(r)->dir;
	rv->readings = req_config(r)->consent_dir;
	rv->slug = req_param(r, "slug");
	rv->by = req_session(r)->account_id;
	*arg = rv;
	return (1);
}

static int
review_failed(struct req *r, const struct writer_job *j)
{
	struct ctr_review *rv = req_state(r);

	/* The job wrote and swapped, then its batch was lost. */
	if (j->status == WRITER_ABORTED)
		ctr_review_undo(rv);
	switch (rv->refused) {
	case CTR_R_SECOND_SPEAKER:
		return (req_error(
		    r, 409, "second_speaker_needed", "%s", j->err.msg));
	case CTR_R_MISSING:
		return (req_error(r, 409, "parts_missing", "%s", j->err.msg));
	case CTR_R_NOTHING:
		return (
		    req_error(r, 409, "already_reviewed", "%s", j->err.msg));
	case CTR_R_DOCUMENT:
		return (
		    req_error(r, 400, "document_invalid", "%s", j->err.msg));
	default: return (req_fail(r, &j->err));
	}
}

static int
review_answer(struct req *r, void *state)
{
	struct ctr_review *rv = state;

	return (req_json(r, 200,
	    json_pack("{s:s,s:s,s:b,s:i,s:i,s:b,s:i,s:s}", "slug", rv->slug,
		"lang", rv->lang, "reviewed", 1, "from_version",
		rv->from_version, "version", rv->version, "new_version",
		rv->new_version, "drafts", rv->drafts, "sha256", rv->sha256)));
}

/*
** POST /api/v1/consent/{slug}/translations/{lang}/review: a maintainer,
** or an account allowed to translate, who saved none of the drafts (a
** second speaker). The language's document of the latest version, its
** drafts applied, becomes reviewed: written as
** DATA/consent/SLUG/VERSION/LANG.md and served at once. If nobody
** consented to the language's document it replaces it at that version;
** if anybody did, it becomes a new version (English and the other
** languages copied unchanged), so what they read stays as it was.
** Audited. 200 {"slug","lang","reviewed":true,"from_version","version",
** "new_version","drafts","sha256"}; 400 document_invalid,
** source_language; 403; 404; 409 second_speaker_needed, parts_missing
** (a part has no text yet), already_reviewed (nothing saved since).
*/
int
review_consent_translation(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct ctr_review),
		.state_free = review_free,
		.build = review_build,
		.job = ctr_review_job,
		.failed = review_failed,
		.answer = review_answer,
	};

	return (req_write(r, &w));
}
