/*
** The node's settings over HTTP: anyone reads them (the home page shows
** the organization behind the node, the join page whether sign-up by
** handle is open, as the consent text promises), an admin changes them.
** The store and its bounds are settings.h's; route table: routes.c.
*/
#include <stdlib.h>

#include "api.h"
#include "http.h"
#include "settings.h"

/* Answers ${status} with the settings as stored now. */
static int
answer_settings(struct req *r, unsigned int status)
{
	struct settings s;
	struct err e = { 0 };
	struct db *db;
	json_t *j;

	if ((db = req_db(r, &e)) == NULL || settings_get(db, &s, &e) == -1)
		return (req_fail(r, &e));
	j = settings_json(&s);
	settings_clear(&s);
	return (req_json(r, status, j));
}

/*
** GET /api/v1/settings: anyone. 200 {"org_name","org_contact","org_about",
** "handle_signup","updated_at"}: the organization behind the node ("" for
** what is not set) and whether anyone may join with a handle.
*/
int
show_settings(struct req *r)
{
	return (answer_settings(r, 200));
}

static void
change_free(void *p)
{
	struct settings_change *c = p;

	settings_change_clear(c);
	free(c);
}

/* A member ${k} of ${body} that must be a string (absent: keep). 1, or
** an answer: 400 invalid. */
static int
text_member(struct req *r, json_t *body, const char *k, const char **out)
{
	json_t *v = json_object_get(body, k);

	*out = NULL;
	if (v == NULL)
		return (1);
	if (!json_is_string(v))
		return (req_error(r, 400, "invalid", "\"%s\" is a string", k));
	*out = json_string_value(v);
	return (1);
}

static int
change_build(struct req *r, void *state, void **arg)
{
	struct settings_change *c = state;
	struct err e = { 0 };
	json_t *body, *v;
	int rc;

	c->handle_signup = -1;
	c->actor = req_session(r)->account_id;
	if ((body = req_json_body(r)) == NULL)
		return (0);
	if ((rc = text_member(r, body, "org_name", &c->org_name)) != 1 ||
	    (rc = text_member(r, body, "org_contact", &c->org_contact)) != 1 ||
	    (rc = text_member(r, body, "org_about", &c->org_about)) != 1)
		return (rc);
	if ((v = json_object_get(body, "handle_signup")) != NULL) {
		if (!json_is_boolean(v))
			return (req_error(r, 400, "invalid",
			    "\"handle_signup\" is true or false"));
		c->handle_signup = json_is_true(v);
	}
	if (settings_change_check(c, &e) == -1)
		return (req_fail(r, &e));
	*arg = c;
	return (1);
}

static int
change_answer(struct req *r, void *state)
{
	(void)state;
	return (answer_settings(r, 200));
}

/*
** POST /api/v1/settings {"org_name"?,"org_contact"?,"org_about"?,
** "handle_signup"?}: an admin. Each given field replaces the stored one
** ("" clears a text); the texts are trimmed and bounded (settings.h: 100,
** 300 and 1000 characters; the name one line). Audited as
** "settings.changed" when anything changed. 200 with the settings as
** GET answers them; 400 invalid (not a string or boolean, too long, a
** control character, a line break in the name) and nothing is changed.
*/
int
change_settings(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct settings_change),
		.state_free = change_free,
		.build = change_build,
		.job = settings_change_job,
		.answer = change_answer,
	};

	return (req_write(r, &w));
}
