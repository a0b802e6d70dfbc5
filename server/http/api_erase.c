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

/* The second call: the job is done; delete the files and answer. */
static int
erase_done(struct req *r, struct account_erase *ae, int self)
{
	const struct writer_job *j = req_job(r);
	struct err e = { 0 };
	struct db *db;
	int gone;

	if (j->status != WRITER_OK)
		return (req_fail(r, &j->err));
	/* The erasure is committed: a file that cannot be deleted now is
	** logged and left to the sweep, and the answer still says erased. */
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

static int
erase_start(struct req *r, int64_t id)
{
	struct account_erase *ae;

	if ((ae = calloc(1, sizeof(*ae))) == NULL)
		return (-1);
	req_set_state(r, ae, erase_free);
	if ((ae->id = id) <= 0)
		return (req_error(r, 404, "not_found", "no such account"));
	ae->actor = req_session(r)->account_id;
	return (req_submit(r, account_erase_job, ae));
}

/*
** POST /api/v1/accounts/{id}/erase {"confirm":"erase"}: admin (the writer
** checks the rule for acts on another account again, in the erasing
** transaction: account_may_act). 200
** {"erased":{"account","contributions","consents","recordings"}}; 400
** without the confirmation; 403 forbidden; 404.
*/
int
account_erase_page(struct req *r)
{
	struct account_erase *ae = req_state(r);

	if (ae != NULL)
		return (erase_done(r, ae, 0));
	if (!confirmed(r))
		return (0);
	return (erase_start(r, req_param_id(r)));
}

/*
** POST /api/v1/me/erase {"confirm":"erase"}: the person themself. Same
** answer; their session ends with it.
*/
int
my_erase_page(struct req *r)
{
	struct account_erase *ae = req_state(r);

	if (ae != NULL)
		return (erase_done(r, ae, 1));
	if (!confirmed(r))
		return (0);
	return (erase_start(r, req_session(r)->account_id));
}
