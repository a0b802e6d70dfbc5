/*
** Erasing an account over the API: by an admin for someone, or by the
** person themself. The writer job (erase.c) erases the rows; the
** recordings they held are deleted here, after the commit. Route table:
** routes.c.
*/
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "erase.h"
#include "http.h"
#include "log.h"

static void
erase_free(void *p)
{
	struct account_erase *ae = p;

	free(ae->blobs);
	free(ae);
}

/*
** Second call: the erasure is committed; delete the recordings' files and
** answer. ${self}: the person erased themself, so their cookie goes too.
*/
static int
erase_done(struct req *r, struct account_erase *ae, int self)
{
	struct err e = { 0 };
	struct db *db;
	int gone;

	/* A file that cannot be deleted now is logged and left to the sweep,
	** and the answer still says erased. */
	if ((db = req_db(r, &e)) == NULL ||
	    (gone = account_erase_blobs(ae, req_node(r)->blobs, db, &e)) ==
		-1) {
		log_err("erase of account %lld: %s; the blob sweep removes "
			"the rest",
		    (long long)ae->id, e.msg);
		gone = 0;
	}
	if (self)
		req_set_cookie(r, NULL);
	return (req_json(r, 200,
	    json_pack("{s:{s:I,s:i,s:i,s:i}}", "erased", "account",
		(json_int_t)ae->id, "contributions", ae->contributions,
		"consents", ae->consents, "recordings", gone)));
}

/* Did the body say {"confirm":"erase"}? 1, or 0 with a 400 queued. */
static int
confirmed(struct req *r)
{
	json_t *body;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if (!json_is_string(json_object_get(body, "confirm")) ||
	    strcmp(json_string_value(json_object_get(body, "confirm")),
		"erase") != 0) {
		req_error(r, 400, "invalid",
		    "send {\"confirm\":\"erase\"}: erasing cannot be undone");
		return (0);
	}
	return (1);
}

/* The confirmed erasure of account ${id} by the session's person. 1, or
** an answer: 400 unconfirmed, 404 no such account. */
static int
erase_build(struct req *r, struct account_erase *ae, int64_t id)
{
	if (!confirmed(r))
		return (0);
	if ((ae->id = id) <= 0)
		return (req_error(r, 404, "not_found", "no such account"));
	ae->actor = req_session(r)->account_id;
	return (1);
}

static int
account_erase_build(struct req *r, void *state, void **arg)
{
	return (erase_build(r, state, req_param_id(r)));
}

static int
account_erase_answer(struct req *r, void *state)
{
	return (erase_done(r, state, 0));
}

/*
** POST /api/v1/accounts/{id}/erase {"confirm":"erase"}: admin (the writer
** checks the rule for acts on another account again, in the erasing
** transaction: account_may_act). 200
** {"erased":{"account","contributions","consents","recordings"}}; 400
** without the confirmation; 403 forbidden; 404.
*/
int
erase_account(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct account_erase),
		.state_free = erase_free,
		.build = account_erase_build,
		.job = account_erase_job,
		.answer = account_erase_answer,
	};

	return (req_write(r, &w));
}

static int
my_erase_build(struct req *r, void *state, void **arg)
{
	return (erase_build(r, state, req_session(r)->account_id));
}

static int
my_erase_answer(struct req *r, void *state)
{
	return (erase_done(r, state, 1));
}

/*
** POST /api/v1/me/erase {"confirm":"erase"}: the person themself. Same
** answer; their session ends with it.
*/
int
erase_my_account(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct account_erase),
		.state_free = erase_free,
		.build = my_erase_build,
		.job = account_erase_job,
		.answer = my_erase_answer,
	};

	return (req_write(r, &w));
}
