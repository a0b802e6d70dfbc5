/*
** The JSON API for people: join, log in, log out, who am I, a new
** passphrase, and account administration (accounts, roles, disabling,
** re-issued cards). Each handler's comment states who may call it and
** what it answers; the route table is in routes.c. Passphrases and PINs
** are hashed on the hasher threads and every write goes through the
** writer, with the connection suspended meanwhile.
**
** Logins are guarded (loginguard.h): after repeated failures for a handle,
** a card or an address each further try waits, refused with 429
** login_wait before any hash runs; and one address may have only
** hashes_per_address hashes queued or running at once (429 busy). A card
** that does not exist costs a dummy hash and is answered exactly as a
** wrong PIN on one that does.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "api.h"
#include "cards.h"
#include "demographics.h"
#include "crypto.h"
#include "hasher.h"
#include "http.h"
#include "loginguard.h"
#include "ratelimit.h"
#include "settings.h"

#define PASSPHRASE_MIN 10

/* The one answer to a card that is not known here and to a wrong PIN on
** one that is: they must not be told apart. */
#define CARD_MISMATCH "this card code and PIN do not match"

/* State of a login or join across its suspensions. */
struct auth {
	struct req *r;
	int step;
	struct hasher_job hj;
	char handle[HANDLE_MAX + 1];
	char code[CARD_CODE_LEN + 1];
	char *stored_hash;
	int64_t account_id;
	int use_card, use_code, created;
	int unknown_card;       /* no such card (or a replaced one) */
	struct loginguard *g;   /* the node's, or NULL (out of memory) */
	char client[64];        /* the address holding a hash slot, or "" */
	char akey[2 + 64];      /* "a:" and the client's address */
	char idkey[2 + 64 + 1]; /* "h:" handle or "c:" card; "" for a code */
	struct card_use cu;
	struct code_use co;
	struct account_new an;
	struct session_new sn;
	struct card_label cl; /* a card's first use may label it */
	char *label;          /* the label given, cleaned (malloc'd) */
};

static void
auth_free(void *p)
{
	struct auth *a = p;

	sodium_memzero(&a->hj, sizeof(a->hj));
	free(a->stored_hash);
	free(a->cl.clean);
	free(a->label);
	free(a);
}

/* A login's, join's or passphrase's state, set as the request's. NULL if
** out of memory. */
static struct auth *
auth_new(struct req *r)
{
	struct auth *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (NULL);
	a->r = r;
	req_set_state(r, a, auth_free);
	return (a);
}

/* Is passphrase ${p} (NULL: none) of a length we take? 1, or an answer:
** 400 invalid. */
static int
passphrase_fits(struct req *r, const char *p)
{
	if (p == NULL || strlen(p) < PASSPHRASE_MIN || strlen(p) > 200)
		return (req_error(r, 400, "invalid",
		    "a passphrase is %d to 200 characters long",
		    PASSPHRASE_MIN));
	return (1);
}

/*
** The node's login guard. One per process, since a process serves one
** node: made on the first call with the node's settings, and kept until
** the process exits. NULL only if it could not be made (out of memory):
** logins then go unguarded rather than refused.
*/
static struct loginguard *guard;
static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;

static struct loginguard *
guard_of(struct req *r)
{
	const struct config *c = req_config(r);
	struct loginguard *g;

	pthread_mutex_lock(&guard_mu);
	if (guard == NULL)
		guard = loginguard_new(
		    (int)c->login_backoff_after, (int)c->login_backoff_max, 0);
	g = guard;
	pthread_mutex_unlock(&guard_mu);
	return (g);
}

static void
hash_done(struct hasher_job *j)
{
	struct auth *a = j->arg;

	/* Before the resume: once resumed, the request and ${a} may go. */
	if (a->client[0] != '\0')
		loginguard_release(a->g, a->client);
	req_resume(a->r);
}

/*
** Starts a hash of ${secret}, or a check of it against ${verify}, or
** against the dummy (${dummy}), and suspends. The client must have a
** hash slot free (hashes_per_address): if not, answers 429 busy with
** Retry-After: 1 and queues nothing. Returns 0.
*/
static int
auth_hash(struct req *r, struct auth *a, const char *secret, const char *verify,
    int dummy)
{
	if (a->g == NULL)
		a->g = guard_of(r);
	if (a->g != NULL) {
		if (loginguard_claim(a->g, req_client(r),
			(int)req_config(r)->hashes_per_address) == -1) {
			req_retry_after(r, 1);
			return (req_error(r, 429, "busy",
			    "too many passphrase or PIN checks from this "
			    "address at once; try again in a second"));
		}
		snprintf(a->client, sizeof(a->client), "%s", req_client(r));
	}
	snprintf(a->hj.secret, sizeof(a->hj.secret), "%s", secret);
	a->hj.verify = verify;
	a->hj.dummy = dummy;
	a->hj.done = hash_done;
	a->hj.arg = a;
	req_suspend(r);
	hasher_submit(&a->hj);
	return (0);
}

/*
** Must this login wait (loginguard.h)? Asks for its address and, if it
** has one, its handle or card. 1 with 429 login_wait and Retry-After
** queued, else 0. The answer does not say which key waits.
*/
static int
login_waits(struct req *r, struct auth *a)
{
	double now = ratelimit_now();
	int w, k;

	if (a->g == NULL)
		return (0);
	w = loginguard_wait(a->g, a->akey, now);
	if (a->idkey[0] != '\0' &&
	    (k = loginguard_wait(a->g, a->idkey, now)) > w)
		w = k;
	if (w == 0)
		return (0);
	req_retry_after(r, w);
	req_error(r, 429, "login_wait",
	    "too many failed logins: wait %d s before the next try", w);
	return (1);
}

/* Records how a login's secret fared: a failure counts against its
** address and its handle or card; a success clears the handle or card. */
static void
login_outcome(struct auth *a, int ok)
{
	double now = ratelimit_now();

	if (a->g == NULL)
		return;
	if (ok) {
		if (a->idkey[0] != '\0')
			loginguard_passed(a->g, a->idkey);
		return;
	}
	loginguard_failed(a->g, a->akey, now);
	if (a->idkey[0] != '\0')
		loginguard_failed(a->g, a->idkey, now);
}

/* Writer job that does nothing: an unknown card's answer waits for the
** writer as a wrong PIN's does. */
static int
nothing_job(struct db *db, void *arg, struct err *e)
{
	(void)db;
	(void)arg;
	(void)e;
	return (0);
}

/*
** Writer job for the end of a login or join: spend a code, record a card
** attempt or create an account, then start a session if it succeeded.
*/
static int
auth_job(struct db *db, void *arg, struct err *e)
{
	struct auth *a = arg;
	struct account acct;
	int disabled;

	if (a->use_code) {
		if (login_code_use_job(db, &a->co, e) == -1)
			return (-1);
		a->account_id = a->co.account_id;
	} else if (a->use_card) {
		if (card_use_job(db, &a->cu, e) == -1)
			return (-1);
		if (a->cu.locked || (!a->cu.ok && !a->cu.created))
			return (0); /* locked, or a wrong PIN recorded */
		a->account_id = a->cu.account_id;
		/* The label written on the card's stub, at its first use,
		** by its holder. */
		if (a->cu.created && a->label != NULL && a->label[0] != '\0') {
			a->cl.id = a->cl.actor = a->account_id;
			a->cl.label = a->label;
			if (card_label_job(db, &a->cl, e) == -1)
				return (-1);
		}
	} else if (a->an.handle != NULL) {
		if (account_create_job(db, &a->an, e) == -1)
			return (-1);
		a->account_id = a->an.id;
	}
	if (account_get(db, NULL, a->account_id, &acct, e) != 1)
		return (-1);
	disabled = acct.disabled;
	account_clear(&acct);
	if (disabled)
		return (err_set(e, ERR_FORBIDDEN,
		    "this account is disabled; "
		    "ask the drive's organizers"));
	a->sn.account_id = a->account_id;
	return (session_create_job(db, &a->sn, e));
}

/* Answers a started session: cookie, account, CSRF token. */
static int
auth_answer(struct req *r, struct auth *a, unsigned int status)
{
	struct account acct;
	struct err e = { 0 };
	struct db *db;
	json_t *j;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, a->account_id, &acct, &e)) == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_error(r, 500, "internal", "the account vanished"));
	req_set_cookie(r, a->sn.token);
	j = json_pack("{s:o,s:s,s:o*}", "account", account_json(&acct), "csrf",
	    a->sn.csrf, "card_campaigns",
	    cards_campaigns(db, a->account_id, &e));
	account_clear(&acct);
	if (a->created)
		json_object_set_new(j, "created", json_true());
	return (req_json(r, status, j));
}

/* Answers ${status} {"account"} with account ${id} as stored. */
static int
answer_account(struct req *r, int64_t id, unsigned status)
{
	struct account acct;
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, id, &acct, &e)) != 1)
		return (req_fail(r, &e));
	rc = req_json(
	    r, status, json_pack("{s:o}", "account", account_json(&acct)));
	account_clear(&acct);
	return (rc);
}

/*
** The "handle" and "passphrase" of a new account's body into ${h} and ${p}
** (${body} the object they are in), checked: a valid handle, and a
** passphrase that fits, which may be absent unless ${need_pass}. 1 to go
** on; 0 or -1 as a handler returns, with the refusal (400) queued.
*/
static int
new_login_body(
    struct req *r, int need_pass, json_t **body, const char **h, const char **p)
{
	struct err e = { 0 };

	if ((*body = req_json_body(r)) == NULL)
		return (0);
	*h = jstr(*body, "handle");
	*p = jstr(*body, "passphrase");
	if (need_pass && (*h == NULL || *p == NULL))
		return (req_error(r, 400, "invalid",
		    "give a \"handle\" and a \"passphrase\""));
	if (*h == NULL || handle_check(*h, &e) == -1)
		return (req_error(r, 400, "invalid", "%s",
		    *h ? e.msg : "\"handle\" is required"));
	if (*p != NULL)
		return (passphrase_fits(r, *p));
	return (1);
}

/* Is sign-up by handle open on this node (settings.h)? 1, or an answer:
** 403 signup_closed. */
static int
signup_open(struct req *r)
{
	struct settings st;
	struct err e = { 0 };
	struct db *db;
	int open;

	if ((db = req_db(r, &e)) == NULL || settings_get(db, &st, &e) == -1)
		return (req_fail(r, &e));
	open = st.handle_signup;
	settings_clear(&st);
	if (!open)
		return (req_error(r, 403, "signup_closed",
		    "this node does not take new accounts by name: join with "
		    "the card you were given at the drive"));
	return (1);
}

/*
** POST /api/v1/join {"handle","passphrase"}: anyone, while the node's
** settings leave sign-up by handle open. Creates a contributor account
** and logs it in. 201 {"account","csrf"} + cookie; 400 invalid handle or
** short passphrase; 403 signup_closed (switched off: nothing is hashed
** or made); 409 handle_taken.
*/
int
join_and_log_in(struct req *r)
{
	struct auth *a = req_state(r);
	const struct writer_job *j;
	const char *h, *p;
	json_t *body;
	int rc;

	if (a == NULL) {
		if ((rc = signup_open(r)) != 1 ||
		    (rc = new_login_body(r, 1, &body, &h, &p)) != 1)
			return (rc);
		if ((a = auth_new(r)) == NULL)
			return (-1);
		a->step = 1;
		a->created = 1;
		snprintf(a->handle, sizeof(a->handle), "%s", h);
		return (auth_hash(r, a, p, NULL, 0));
	}
	if (a->step == 1) {
		if (!a->hj.ok)
			return (
			    req_error(r, 500, "internal", "hashing failed"));
		a->step = 2;
		a->an.handle = a->handle;
		a->an.role = ROLE_CONTRIBUTOR;
		a->an.passphrase_hash = a->hj.hash;
		a->created = 0;
		return (req_submit(r, auth_job, a));
	}
	j = req_job(r);
	if (j->status != WRITER_OK) {
		if (j->err.code == ERR_CONFLICT)
			return (req_error(r, 409, "handle_taken",
			    "the handle \"%s\" is taken: choose another",
			    a->handle));
		return (req_fail(r, &j->err));
	}
	return (auth_answer(r, a, 201));
}

static int
pin_ok(const char *pin)
{
	size_t n = strlen(pin);

	return (n >= 4 && n <= 8 && strspn(pin, "0123456789") == n);
}

/* A login with the admin's one-time ${code}: no hash, straight to the
** writer, which spends it. */
static int
login_by_code(struct req *r, struct auth *a, const char *code)
{
	if (card_normalize(code, a->code) == -1)
		return (req_error(r, 401, "wrong_credentials",
		    "this login code is wrong, used or expired"));
	if (login_waits(r, a))
		return (0);
	a->use_code = 1;
	a->co.code = a->code;
	a->step = 2;
	return (req_submit(r, auth_job, a));
}

/* A login with card ${card_s} and ${pin}: the PIN is hashed against the
** card's, set as its PIN at first use, or against the dummy for a card
** that is not known, whose answer is a wrong PIN's. ${label} (NULL: none)
** labels the card at its first use (card_label_job). */
static int
login_by_card(struct req *r, struct auth *a, struct db *db, const char *card_s,
    const char *pin, const char *pin_again, const char *label)
{
	struct card card;
	struct err e = { 0 };
	time_t now = time(NULL);
	int rc;

	if (pin == NULL || !pin_ok(pin))
		return (req_error(r, 400, "invalid", "a PIN is 4 to 8 digits"));
	if (label != NULL &&
	    settings_text_clean(
		label, CARD_LABEL_MAX, 0, "label", &a->label, &e) == -1)
		return (req_fail(r, &e));
	/* Not the shape of a code: no card, and nothing to hash. */
	if (card_normalize(card_s, a->code) == -1)
		return (req_error(r, 401, "wrong_credentials",
		    "this is not a card code: check it against your card"));
	snprintf(a->idkey, sizeof(a->idkey), "c:%s", a->code);
	if (login_waits(r, a))
		return (0);
	if ((rc = card_get(db, a->code, &card, &e)) == -1)
		return (req_fail(r, &e));
	a->use_card = 1;
	a->step = 1;
	if (rc == 0 || card.revoked) {
		/* Unknown, or replaced by a new one: the same hash and the
		** same answer as a wrong PIN. */
		card_clear(&card);
		a->unknown_card = 1;
		return (auth_hash(r, a, pin, NULL, 1));
	}
	if (card.locked_until > now) {
		card_clear(&card);
		req_retry_after(r, (int)(card.locked_until - now));
		return (req_error(r, 429, "card_locked",
		    "too many wrong PINs: this card is locked for %d minutes",
		    (int)((card.locked_until - now + 59) / 60)));
	}
	a->cu.card_id = card.id;
	if (card.pin_hash == NULL) {
		if (pin_again != NULL && strcmp(pin, pin_again) != 0) {
			card_clear(&card);
			return (req_error(r, 400, "pin_again",
			    "the two PINs differ: type the same PIN twice; "
			    "nothing was set"));
		}
		a->created = 1; /* first use: this PIN becomes it */
		card_clear(&card);
		return (auth_hash(r, a, pin, NULL, 0));
	}
	a->stored_hash = card.pin_hash;
	card.pin_hash = NULL;
	return (auth_hash(r, a, pin, a->stored_hash, 0));
}

/* A login with handle ${h} and passphrase ${p}: hashed against the
** account's, or against the dummy for a handle that cannot log in so,
** so the time does not tell. */
static int
login_by_handle(
    struct req *r, struct auth *a, struct db *db, const char *h, const char *p)
{
	struct account acct;
	struct err e = { 0 };
	int rc;

	snprintf(a->idkey, sizeof(a->idkey), "h:%s", h);
	if (login_waits(r, a))
		return (0);
	if ((rc = account_get(db, h, 0, &acct, &e)) == -1)
		return (req_fail(r, &e));
	a->step = 1;
	if (rc == 1 && !acct.disabled && acct.passphrase_hash != NULL) {
		a->account_id = acct.id;
		a->stored_hash = acct.passphrase_hash;
		acct.passphrase_hash = NULL;
		account_clear(&acct);
		return (auth_hash(r, a, p, a->stored_hash, 0));
	}
	if (rc == 1)
		account_clear(&acct);
	/* Unknown handle: the same work, so timing does not tell. */
	return (auth_hash(r, a, p, NULL, 1));
}

/* Step 0 of a login: find who is logging in and start the hash. */
static int
login_start(struct req *r, json_t *body)
{
	struct auth *a;
	struct err e = { 0 };
	struct db *db;
	const char *h, *p;

	if ((a = auth_new(r)) == NULL)
		return (-1);
	a->g = guard_of(r);
	snprintf(a->akey, sizeof(a->akey), "a:%s", req_client(r));
	if ((db = req_db(r, &e)) == NULL)
		return (req_fail(r, &e));
	if (jstr(body, "code") != NULL)
		return (login_by_code(r, a, jstr(body, "code")));
	if (jstr(body, "card") != NULL)
		return (login_by_card(r, a, db, jstr(body, "card"),
		    jstr(body, "pin"), jstr(body, "pin_again"),
		    jstr(body, "label")));
	h = jstr(body, "handle");
	p = jstr(body, "passphrase");
	if (h == NULL || p == NULL)
		return (req_error(r, 400, "invalid",
		    "give a card and PIN, a handle and passphrase, or a login "
		    "code"));
	return (login_by_handle(r, a, db, h, p));
}

/*
** POST /api/v1/login: anyone. One of {"card","pin","pin_again"?,
** "label"?} (first use of a card sets its PIN, which "pin_again" must
** repeat when given, and its label if one is given, the name or note on
** the card's stub: 201 with "created":true), {"handle","passphrase"}, or
** {"code"} (the admin's one-time code). 200 {"account","csrf",
** "card_campaigns"} + cookie (the campaigns of the account's live cards);
** 400 invalid, pin_again (the two PINs of a first use differ: nothing
** set); 401 wrong_credentials (an unknown card and a wrong PIN get
** the very same answer); 403 account_disabled; 429 card_locked,
** login_wait (too many failures for this handle, card or address: no
** hash was run) or busy (too many checks from this address at once), each
** with Retry-After.
*/
int
log_in(struct req *r)
{
	struct auth *a = req_state(r);
	const struct writer_job *j;
	json_t *body;

	if (a == NULL) {
		if ((body = req_json_body(r)) == NULL)
			return (0);
		return (login_start(r, body));
	}
	if (a->step == 1) {
		a->step = 2;
		login_outcome(a, a->hj.ok && !a->hj.dummy);
		if (a->unknown_card)
			return (req_submit_job(r, nothing_job, NULL,
			    REQ_JOB_KEEPS_CACHE | REQ_JOB_ATOMIC));
		if (a->use_card) {
			a->cu.ok = a->hj.ok;
			if (a->created) {
				if (!a->hj.ok)
					return (req_error(r, 500, "internal",
					    "hashing failed"));
				a->cu.pin_hash = a->hj.hash;
			}
			return (req_submit(r, auth_job, a));
		}
		if (!a->hj.ok || a->hj.dummy)
			return (req_error(r, 401, "wrong_credentials",
			    "this handle and passphrase do not match"));
		return (req_submit(r, auth_job, a));
	}
	j = req_job(r);
	if (a->unknown_card && j->status == WRITER_OK)
		return (req_error(r, 401, "wrong_credentials", CARD_MISMATCH));
	if (j->status != WRITER_OK) {
		if (a->use_code && j->err.code == ERR_FORBIDDEN &&
		    a->co.account_id == 0) {
			login_outcome(a, 0);
			return (req_error(
			    r, 401, "wrong_credentials", "%s", j->err.msg));
		}
		if (j->err.code == ERR_FORBIDDEN)
			return (req_error(
			    r, 403, "account_disabled", "%s", j->err.msg));
		return (req_fail(r, &j->err));
	}
	if (a->use_card && (a->cu.locked || (!a->cu.ok && !a->cu.created))) {
		if (a->cu.locked || a->cu.locked_until > time(NULL)) {
			req_retry_after(r,
			    a->cu.locked_until > time(NULL)
				? (int)(a->cu.locked_until - time(NULL))
				: PIN_LOCK);
			return (req_error(r, 429, "card_locked",
			    "too many wrong PINs: this card is locked for %d "
			    "minutes",
			    PIN_LOCK / 60));
		}
		return (req_error(r, 401, "wrong_credentials", CARD_MISMATCH));
	}
	return (auth_answer(r, a, a->created ? 201 : 200));
}

/* The session a logout ends (log_out). */
struct logout {
	char token[SESSION_TOKEN_LEN + 1];
};

static int
logout_build(struct req *r, void *state, void **arg)
{
	struct logout *lo = state;

	snprintf(lo->token, sizeof(lo->token), "%s", req_token(r));
	*arg = lo->token;
	return (1);
}

static int
logout_answer(struct req *r, void *state)
{
	struct MHD_Response *resp;

	req_set_cookie(r, NULL);
	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	return (req_respond(r, 204, resp));
}

/* POST /api/v1/logout: a session. Ends it. 204 and the cookie cleared. */
int
log_out(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct logout),
		.build = logout_build,
		.job = session_delete_job,
		.answer = logout_answer,
	};

	return (req_write(r, &w));
}

/* GET /api/v1/me: a session. 200 {"account","csrf","card_campaigns"} (the
** campaigns of the account's live cards: the pages lead to them); 401
** without one. */
int
show_my_account(struct req *r)
{
	const struct session *s = req_session(r);
	struct account acct;
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, s->account_id, &acct, &e)) == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_error(r, 401, "login_required", "log in again"));
	rc = req_json(r, 200,
	    json_pack("{s:o,s:s,s:o*}", "account", account_json(&acct), "csrf",
		s->csrf, "card_campaigns",
		cards_campaigns(db, s->account_id, &e)));
	account_clear(&acct);
	return (rc);
}

/*
** POST /api/v1/accounts {"handle","role","passphrase"?}: admin. Creates an
** account (audited); without a passphrase the person logs in with a card
** or a passphrase set later. 201 {"account"}; 400 invalid; 409 handle_taken.
*/
int
create_account(struct req *r)
{
	struct auth *a = req_state(r);
	const struct writer_job *j;
	const char *h, *p, *role;
	json_t *body;
	int rc;

	if (a == NULL) {
		if ((rc = new_login_body(r, 0, &body, &h, &p)) != 1)
			return (rc);
		role = jstr(body, "role");
		if ((a = auth_new(r)) == NULL)
			return (-1);
		snprintf(a->handle, sizeof(a->handle), "%s", h);
		a->an.handle = a->handle;
		a->an.actor = req_session(r)->account_id;
		if ((a->an.role = role_parse(role ? role : "contributor")) ==
		    ROLE_NONE)
			return (req_error(r, 400, "invalid",
			    "\"role\" is one of contributor, reviewer, "
			    "maintainer, treasurer, admin"));
		if (p != NULL) {
			a->step = 1;
			return (auth_hash(r, a, p, NULL, 0));
		}
		a->step = 2;
		return (req_submit(r, account_create_job, &a->an));
	}
	if (a->step == 1) {
		a->step = 2;
		if (!a->hj.ok)
			return (
			    req_error(r, 500, "internal", "hashing failed"));
		a->an.passphrase_hash = a->hj.hash;
		return (req_submit(r, account_create_job, &a->an));
	}
	j = req_job(r);
	if (j->status != WRITER_OK) {
		if (j->err.code == ERR_CONFLICT)
			return (req_error(
			    r, 409, "handle_taken", "%s", j->err.msg));
		return (req_fail(r, &j->err));
	}
	return (answer_account(r, a->an.id, 201));
}

/* A passphrase change, and the session it keeps (set_my_passphrase). */
struct pass_change {
	struct account_change ac;
	uint8_t keep[SHA256_LEN]; /* SHA-256 of the changer's token */
};

/*
** POST /api/v1/me/passphrase {"passphrase"}: anyone logged in. Sets or
** changes their passphrase (the admin who came in with the one-time code,
** a card holder who wants a handle login too). Every other session of the
** account ends: whoever knew the old passphrase is out; this one stays.
** Audited. 204; 400 invalid; 429 busy (Retry-After).
*/
int
set_my_passphrase(struct req *r)
{
	struct auth *a = req_state(r);
	struct pass_change *c;
	const struct writer_job *j;
	struct MHD_Response *resp;
	const char *p;
	json_t *body;
	int rc;

	if (a == NULL) {
		if ((body = req_json_body(r)) == NULL)
			return (0);
		p = jstr(body, "passphrase");
		if ((rc = passphrase_fits(r, p)) != 1)
			return (rc);
		if ((a = auth_new(r)) == NULL)
			return (-1);
		a->step = 1;
		return (auth_hash(r, a, p, NULL, 0));
	}
	if (a->step == 1) {
		a->step = 2;
		if (!a->hj.ok)
			return (
			    req_error(r, 500, "internal", "hashing failed"));
		if ((c = req_keep(r, calloc(1, sizeof(*c)))) == NULL)
			return (-1);
		c->ac.id = c->ac.actor = req_session(r)->account_id;
		c->ac.passphrase_hash = a->hj.hash;
		sha256_digest(req_token(r), strlen(req_token(r)), c->keep);
		c->ac.keep_session = c->keep;
		return (req_submit(r, account_change_job, &c->ac));
	}
	j = req_job(r);
	if (j->status != WRITER_OK)
		return (req_fail(r, &j->err));
	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	return (req_respond(r, 204, resp));
}

/* GET /api/v1/accounts: admin. 200 {"accounts":[...]}, each with
** "card" (whether it has or had a drive card) and "card_label". */
int
list_accounts(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL || (o = account_list(db, &e)) == NULL)
		return (req_fail(r, &e));
	if (cards_annotate(db, o, &e) == -1) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	return (req_json(r, 200, json_pack("{s:o}", "accounts", o)));
}

/*
** GET /api/v1/accounts/search?q=TEXT: a maintainer. The accounts whose
** card label (the name or note on the card's stub) or handle holds TEXT,
** whatever the case, in any script: at most CARD_SEARCH_MAX, label
** matches first. 200 {"accounts":[…]} as GET /api/v1/accounts lists
** them; 400 invalid (no q, or over CARD_QUERY_MAX characters).
*/
int
search_accounts(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	const char *q;
	json_t *o;

	if (req_query_arg(r, "q", &q) != 1)
		return (req_error(r, 400, "invalid",
		    "give \"q\", a name or note to look for"));
	if ((db = req_db(r, &e)) == NULL ||
	    (o = cards_search(db, q, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "accounts", o)));
}

/* A label for an account's card (label_card). */
struct relabel {
	struct card_label cl;
};

static void
relabel_free(void *p)
{
	struct relabel *rl = p;

	free(rl->cl.clean);
	free(rl);
}

static int
relabel_build(struct req *r, void *state, void **arg)
{
	struct relabel *rl = state;
	struct err e = { 0 };
	json_t *body, *l;
	char *clean;

	if ((rl->cl.id = req_param_id(r)) == 0)
		return (req_error(r, 404, "not_found", "no such account"));
	if ((body = req_json_body(r)) == NULL)
		return (0);
	l = json_object_get(body, "label");
	if (l != NULL && !json_is_string(l) && !json_is_null(l))
		return (req_error(r, 400, "invalid", "\"label\" is a string"));
	rl->cl.label = json_string_value(l);
	/* Refused here, before the writer, when it does not fit. */
	if (settings_text_clean(rl->cl.label ? rl->cl.label : "",
		CARD_LABEL_MAX, 0, "label", &clean, &e) == -1)
		return (req_fail(r, &e));
	free(clean);
	rl->cl.actor = req_session(r)->account_id;
	*arg = &rl->cl;
	return (1);
}

static int
relabel_answer(struct req *r, void *state)
{
	struct relabel *rl = state;
	struct err e = { 0 };
	struct db *db;
	json_t *one;

	if ((db = req_db(r, &e)) == NULL ||
	    (one = cards_account(db, rl->cl.id, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "account", one)));
}

/*
** POST /api/v1/accounts/{id}/card-label {"label"}: a maintainer, for an
** account whose role is below theirs (an admin for anyone; the rule of
** account_may_act), that has or had a card. Sets the name or note on the
** card's stub, one line of at most CARD_LABEL_MAX characters ("" or null
** removes it); it stays with the account when the card is re-issued.
** Audited as "card.labelled" (without the label). 200 {"account"} with
** "card" and "card_label"; 400 invalid; 403 forbidden; 404 no such
** account, or it never had a card.
*/
int
label_card(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct relabel),
		.state_free = relabel_free,
		.build = relabel_build,
		.job = card_label_job,
		.answer = relabel_answer,
	};

	return (req_write(r, &w));
}

/* The change asked for: a role, or disabling (change_account). */
static int
account_change_build(struct req *r, void *state, void **arg)
{
	struct account_change *ac = state;
	json_t *body;

	ac->id = req_param_id(r);
	ac->actor = req_session(r)->account_id;
	if (strstr(req_url(r), "/disable") != NULL) {
		ac->disable = 1;
		return (1);
	}
	if ((body = req_json_body(r)) == NULL)
		return (0);
	if ((ac->role = role_parse(jstr(body, "role"))) == ROLE_NONE)
		return (req_error(r, 400, "invalid",
		    "\"role\" is one of contributor, reviewer, maintainer, "
		    "treasurer, admin"));
	return (1);
}

static int
account_change_answer(struct req *r, void *state)
{
	struct account_change *ac = state;

	return (answer_account(r, ac->id, 200));
}

/*
** POST /api/v1/accounts/{id}/role {"role"} and /disable: admin. The
** writer checks the rule for acts on another account (account_may_act:
** an admin, or a role above the target's) and that a role given is no
** higher than the giver's own unless they are an admin. Disabling ends
** the account's sessions. Audited. 200 {"account"}; 400 unknown role; 403
** forbidden; 404 no such account.
*/
int
change_account(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct account_change),
		.build = account_change_build,
		.job = account_change_job,
		.answer = account_change_answer,
	};

	return (req_write(r, &w));
}

/* A re-issued card: the batch of one the writer makes (reissue_card). */
struct reissue {
	struct card_batch cb;
	char codes[1][CARD_CODE_LEN + 1];
};

static const char SQL_LAST_CARD[] =
    "SELECT campaign_id FROM drive_codes WHERE account_id = ?1 "
    "ORDER BY id DESC LIMIT 1";

/* Whose card, and the campaign of their last one (reissue_card). 1, or an
** answer: 404 never a card. */
static int
reissue_build(struct req *r, void *state, void **arg)
{
	struct reissue *ri = state;
	struct err e = { 0 };
	struct db *db;
	sqlite3_stmt *st;
	int rc;

	ri->cb.for_account = req_param_id(r);
	ri->cb.actor = req_session(r)->account_id;
	ri->cb.count = 1;
	ri->cb.codes = ri->codes;
	if ((db = req_db(r, &e)) == NULL ||
	    (st = db_prepare(db, SQL_LAST_CARD, &e)) == NULL)
		return (req_fail(r, &e));
	sqlite3_bind_int64(st, 1, ri->cb.for_account);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ri->cb.campaign_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (req_error(
		    r, 404, "not_found", "this account never had a card"));
	*arg = &ri->cb;
	return (1);
}

static int
reissue_answer(struct req *r, void *state)
{
	struct reissue *ri = state;

	return (req_json(r, 201, json_pack("{s:s}", "code", ri->codes[0])));
}

/*
** POST /api/v1/accounts/{id}/card: maintainer, for an account whose role
** is below theirs (an admin for anyone). Re-issues a lost card: the
** person's old cards stop working and every session of theirs ends (one
** may have come from the lost card); the new code (answered once, to be
** printed) asks for a new PIN at first use. All checked and done in the
** writer's transaction (card_create_job). Audited. 201 {"code"}; 403
** forbidden (the role rule); 404 no account, or never a card; 409
** conflict (disabled or erased: no code is made).
*/
int
reissue_card(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct reissue),
		.build = reissue_build,
		.job = card_create_job,
		.answer = reissue_answer,
	};

	return (req_write(r, &w));
}

struct langs {
	struct account_languages al;
	json_t *list;
};

static void
langs_free(void *p)
{
	struct langs *l = p;

	json_decref(l->list);
	free(l);
}

static int
langs_build(struct req *r, void *state, void **arg)
{
	struct langs *l = state;
	struct err e = { 0 };
	json_t *body;

	if ((l->al.id = req_param_id(r)) == 0)
		return (req_error(r, 404, "not_found", "no such account"));
	if ((body = req_json_body(r)) == NULL)
		return (0);
	if ((l->list = languages_check(
		 json_object_get(body, "languages"), &e)) == NULL)
		return (req_fail(r, &e));
	l->al.languages = l->list;
	l->al.actor = req_session(r)->account_id;
	*arg = &l->al;
	return (1);
}

static int
langs_answer(struct req *r, void *state)
{
	struct langs *l = state;
	struct account a;
	struct err e = { 0 };
	struct db *db;
	int rc;

	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, l->al.id, &a, &e)) != 1)
		return (req_fail(r, &e));
	rc = req_json(r, 200, json_pack("{s:o}", "account", account_json(&a)));
	account_clear(&a);
	return (rc);
}

/*
** POST /api/v1/accounts/{id}/languages {"languages":["ee","ak"]}: a
** maintainer or admin whose role is above the account's (or the person
** themself). The languages they review in; audited. 200 {"account"}; 400
** (not a language tag, more than 16); 403; 404.
*/
int
set_account_languages(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct langs),
		.state_free = langs_free,
		.build = langs_build,
		.job = account_languages_job,
		.answer = langs_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/me/demographics: anyone logged in. What they chose to say
** about themself: 200 {"demographics":{"age_range","gender","variety"},
** "age_ranges":[…],"genders":[…]} (null for what was not given; the
** choices the page offers).
*/
int
show_my_demographics(struct req *r)
{
	struct demographics d;
	struct err e = { 0 };
	struct db *db;
	json_t *ages = json_array(), *genders = json_array();
	size_t i;

	if ((db = req_db(r, &e)) == NULL ||
	    demographics_get(db, req_session(r)->account_id, &d, &e) == -1) {
		json_decref(ages);
		json_decref(genders);
		return (req_fail(r, &e));
	}
	for (i = 0; demo_age_ranges[i] != NULL; i++)
		json_array_append_new(ages, json_string(demo_age_ranges[i]));
	for (i = 0; demo_genders[i] != NULL; i++)
		json_array_append_new(genders, json_string(demo_genders[i]));
	return (req_json(r, 200,
	    json_pack("{s:o,s:o,s:o}", "demographics", demographics_json(&d),
		"age_ranges", ages, "genders", genders)));
}

static int
demo_build(struct req *r, void *state, void **arg)
{
	struct demographics_set *ds = state;
	struct err e = { 0 };
	json_t *body;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	if (demographics_parse(body, &ds->d, &e) == -1)
		return (req_fail(r, &e));
	ds->account = req_session(r)->account_id;
	*arg = ds;
	return (1);
}

static int
demo_answer(struct req *r, void *state)
{
	struct demographics_set *ds = state;

	return (req_json(r, 200,
	    json_pack("{s:o}", "demographics", demographics_json(&ds->d))));
}

/*
** POST /api/v1/me/demographics {"age_range"?,"gender"?,"variety"?}: anyone
** logged in, for themself only. Each is optional; null or "" takes it
** back. 200 {"demographics"}; 400 invalid (a value not offered; a variety
** with digits or "@", over 64 bytes).
*/
int
set_my_demographics(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct demographics_set),
		.build = demo_build,
		.job = demographics_job,
		.answer = demo_answer,
	};

	return (req_write(r, &w));
}
