/*
** Pay over HTTP: a contributor's earnings and payout contact, the
** treasurer's balances, amounts due and payouts, and the ledger's head
** for anyone. The rules are ledger.c's. Route table: routes.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "http.h"
#include "ledger.h"

#define EARNINGS_PAGE 50 /* entries per page */

/* The ledger's head as {"id","hash"} ({"id":0,"hash":""} when empty);
** NULL with ${e} set. */
static json_t *
head_json(struct db *db, struct err *e)
{
	char hex[SHA256_HEX_LEN + 1];
	int64_t id;

	if (ledger_head(db, &id, hex, e) == -1)
		return (NULL);
	return (json_pack("{s:I,s:s}", "id", (json_int_t)id, "hash", hex));
}

/* ${account}'s contact as the node sees it: {"method","updated_at"} or
** JSON null; NULL with ${e}. */
static json_t *
contact_json(struct db *db, int64_t account, struct err *e)
{
	struct ledger_contact c;
	int rc;

	if ((rc = ledger_contact_info(db, account, &c, e)) == -1)
		return (NULL);
	if (rc == 0)
		return (json_null());
	return (json_pack("{s:s,s:I}", "method", c.method, "updated_at",
	    (json_int_t)c.updated_at));
}

/* ?before=ID as a number (0 when absent). 1, or an answer (400). */
static int
before_arg(struct req *r, int64_t *before)
{
	const char *v = req_query(r, "before");
	char *end;
	long long n;

	*before = 0;
	if (v == NULL)
		return (1);
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || n < 1)
		return (req_error(r, 400, "invalid",
		    "\"before\" is the id of an entry (a whole number)"));
	*before = n;
	return (1);
}

/* {"balances","entries","next"} of ${account} from ${before}; NULL with
** ${e}. */
static json_t *
account_json_of(struct db *db, int64_t account, int64_t before, struct err *e)
{
	json_t *bal, *ent;
	int64_t next = 0;

	if ((bal = ledger_balances_json(db, account, e)) == NULL)
		return (NULL);
	if ((ent = ledger_entries_json(
		 db, account, before, EARNINGS_PAGE, &next, e)) == NULL) {
		json_decref(bal);
		return (NULL);
	}
	return (json_pack("{s:o,s:o,s:I}", "balances", bal, "entries", ent,
	    "next", (json_int_t)next));
}

/*
** GET /api/v1/me/earnings[?before=ID]: anyone logged in. Their balances
** per currency, their entries newest first (50 a page; "next" is the
** ?before= of the next page, 0 at the end), their payout contact as the
** node sees it (the method and when; the contact itself is sealed) and
** whether the node has a treasurer key to seal one to. 200.
*/
int
show_my_earnings(struct req *r)
{
	int64_t me = req_session(r)->account_id, before;
	uint8_t pk[LEDGER_KEY_LEN];
	struct err e = { 0 };
	struct db *db;
	json_t *o, *c;
	int rc, keyed;

	if ((rc = before_arg(r, &before)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (keyed = ledger_key_public(db, pk, &e)) == -1 ||
	    (o = account_json_of(db, me, before, &e)) == NULL)
		return (req_fail(r, &e));
	if ((c = contact_json(db, me, &e)) == NULL) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	json_object_set_new(o, "contact", c);
	json_object_set_new(o, "contact_possible", json_boolean(keyed == 1));
	return (req_json(r, 200, o));
}

struct contact_put {
	struct ledger_contact_set cs;
	json_t *body;
};

static void
contact_free(void *p)
{
	struct contact_put *c = p;

	json_decref(c->body);
	free(c);
}

static int
contact_build(struct req *r, void *state, void **arg)
{
	struct contact_put *c = state;
	json_t *m, *v;

	if ((c->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	m = json_object_get(c->body, "method");
	v = json_object_get(c->body, "contact");
	if (!json_is_string(m) || !ledger_method_ok(json_string_value(m)))
		return (req_error(r, 400, "invalid",
		    "\"method\" is mobile_money, bank, cash or other"));
	if (!json_is_string(v))
		return (req_error(r, 400, "invalid",
		    "\"contact\" is how to pay you: a mobile-money number and "
		    "network, or bank details"));
	c->cs.account = req_session(r)->account_id;
	c->cs.method = json_string_value(m);
	c->cs.contact = json_string_value(v);
	/* Its keyed hash lets redaction find it in the person's text. */
	c->cs.hash_key = req_node(r)->pseudonym_key;
	*arg = &c->cs;
	return (1);
}

static int
contact_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT)
		return (req_error(r, 409, "no_treasurer", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

static int
contact_answer(struct req *r, void *state)
{
	struct contact_put *c = state;
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	(void)c;
	if ((db = req_db(r, &e)) == NULL ||
	    (o = contact_json(db, req_session(r)->account_id, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, json_pack("{s:o}", "contact", o)));
}

/*
** POST /api/v1/me/payout-contact {"method","contact"}: anyone logged in,
** for themself. The contact is sealed to the treasurer's key before it is
** stored (the node cannot read it back); it replaces any before. 200
** {"contact":{"method","updated_at"}}; 400 invalid; 409 no_treasurer (the
** node has no treasurer key yet).
*/
int
set_my_payout_contact(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct contact_put),
		.state_free = contact_free,
		.build = contact_build,
		.job = ledger_contact_set_job,
		.failed = contact_failed,
		.answer = contact_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/ledger: a treasurer (or admin). Totals per currency (owed,
** debt, accrued, reversed, royalties, paid, accounts), the amounts due
** (every positive balance, with the payout method on file) and the
** chain's head. 200.
*/
int
show_ledger(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *tot = NULL, *due = NULL, *head = NULL;

	if ((db = req_db(r, &e)) == NULL ||
	    (tot = ledger_totals_json(db, &e)) == NULL ||
	    (due = ledger_due_json(db, &e)) == NULL ||
	    (head = head_json(db, &e)) == NULL) {
		json_decref(tot);
		json_decref(due);
		return (req_fail(r, &e));
	}
	return (req_json(r, 200,
	    json_pack(
		"{s:o,s:o,s:o}", "totals", tot, "due", due, "head", head)));
}

/*
** GET /api/v1/ledger/head: anyone. The chain's latest entry and its hash,
** as signed releases pin it: 200 {"id","hash"}.
*/
int
show_ledger_head(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *h;

	if ((db = req_db(r, &e)) == NULL || (h = head_json(db, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, h));
}

/*
** GET /api/v1/ledger/due.csv: a treasurer. The amounts due as the CSV
** `tributary ledger payouts` writes (handle, currency, amount, method,
** contact, reference, note), the contacts empty: only the treasurer's
** secret key, offline, opens them. Filled in, it is what `tributary
** ledger record` reads. 200 text/csv.
*/
int
send_due_csv(struct req *r)
{
	struct MHD_Response *resp;
	struct err e = { 0 };
	struct db *db;
	char *p = NULL;
	size_t n = 0;
	FILE *f;
	long rc;

	if ((db = req_db(r, &e)) == NULL)
		return (req_fail(r, &e));
	if ((f = open_memstream(&p, &n)) == NULL)
		return (-1);
	rc = ledger_due_csv(db, NULL, NULL, NULL, f, &e);
	if (fclose(f) != 0 && rc >= 0)
		rc = err_set(&e, ERR_INTERNAL, "the CSV could not be written");
	if (rc < 0) {
		free(p);
		return (req_fail(r, &e));
	}
	resp = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(p);
		return (-1);
	}
	MHD_add_response_header(
	    resp, "Content-Type", "text/csv; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Disposition",
	    "attachment; filename=\"amounts-due.csv\"");
	return (req_respond(r, 200, resp));
}

/*
** GET /api/v1/ledger/accounts/{id}[?before=ID]: a treasurer. One
** person's balances and entries, as their earnings page shows them, and
** their payout method. 200; 404 no such account.
*/
int
show_account_ledger(struct req *r)
{
	int64_t id = req_param_id(r), before;
	struct account who;
	struct err e = { 0 };
	struct db *db;
	json_t *o, *c;
	int rc;

	if (id == 0)
		return (req_error(r, 404, "not_found", "no such account"));
	if ((rc = before_arg(r, &before)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = account_get(db, NULL, id, &who, &e)) == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_error(r, 404, "not_found", "no such account"));
	account_clear(&who);
	if ((o = account_json_of(db, id, before, &e)) == NULL)
		return (req_fail(r, &e));
	if ((c = contact_json(db, id, &e)) == NULL) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	json_object_set_new(o, "contact", c);
	json_object_set_new(o, "account", json_integer(id));
	return (req_json(r, 200, o));
}

struct payout {
	struct ledger_payout p;
	json_t *body;
	char money[32];
};

static void
payout_free(void *p)
{
	struct payout *po = p;

	json_decref(po->body);
	free(po);
}

/* ${o}[${k}] if it is a string, else NULL. */
static const char *
str_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

static int
payout_build(struct req *r, void *state, void **arg)
{
	struct payout *po = state;
	const struct currency *cur;
	struct err e = { 0 };
	json_t *a;

	if ((po->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	a = json_object_get(po->body, "account");
	if (!json_is_integer(a) || json_integer_value(a) < 1)
		return (req_error(r, 400, "invalid",
		    "\"account\" is the id of the person paid"));
	po->p.account = json_integer_value(a);
	po->p.actor = req_session(r)->account_id;
	/* Nobody records a payment to themself: another treasurer does. */
	if (po->p.account == po->p.actor)
		return (req_error(r, 403, "forbidden",
		    "a payment to yourself is recorded by another treasurer "
		    "(or with `tributary ledger record`)"));
	po->p.currency = str_of(po->body, "currency");
	if (po->p.currency == NULL ||
	    (cur = ledger_currency(po->p.currency)) == NULL)
		return (req_error(r, 400, "invalid",
		    "\"currency\" is one of %s", ledger_currency_codes()));
	if (str_of(po->body, "amount") == NULL ||
	    ledger_amount_parse(str_of(po->body, "amount"), cur, &po->p.amount,
		"amount", &e) == -1)
		return (e.code ? req_error(r, 400, "invalid", "%s", e.msg)
			       : req_error(r, 400, "invalid",
				     "\"amount\" is money, e.g. \"12.50\""));
	po->p.method = str_of(po->body, "method");
	po->p.reference = str_of(po->body, "reference");
	po->p.note = str_of(po->body, "note");
	if (po->p.reference != NULL && po->p.reference[0] == '\0')
		po->p.reference = NULL;
	if (po->p.note != NULL && po->p.note[0] == '\0')
		po->p.note = NULL;
	*arg = &po->p;
	return (1);
}

static int
payout_failed(struct req *r, const struct writer_job *j)
{
	const struct payout *po = req_state(r);

	if (j->err.code == ERR_CONFLICT)
		return (req_error(r, 409,
		    po != NULL && po->p.refusal != NULL ? po->p.refusal
							: "conflict",
		    "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

static int
payout_answer(struct req *r, void *state)
{
	struct payout *po = state;

	ledger_amount_format(
	    po->p.balance, ledger_currency(po->p.currency), po->money);
	return (req_json(r, 201,
	    json_pack("{s:{s:I,s:I,s:s,s:I,s:s}}", "payout", "id",
		(json_int_t)po->p.id, "account", (json_int_t)po->p.account,
		"currency", po->p.currency, "balance",
		(json_int_t)po->p.balance, "balance_text", po->money)));
}

/*
** POST /api/v1/ledger/payouts {"account","currency","amount","method",
** "reference"?,"note"?}: a treasurer, for someone else. Records that
** they were paid (the amount as money, "12.50"; a reference required for
** mobile_money and bank); audited. 201 {"payout":{"id","account",
** "currency","balance","balance_text"}}; 400 invalid; 403 (their own);
** 404 no such account; 409 over_balance (more than the balance),
** reference_used (that reference is recorded already for them).
*/
int
record_payout(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct payout),
		.state_free = payout_free,
		.build = payout_build,
		.job = ledger_payout_job,
		.failed = payout_failed,
		.answer = payout_answer,
	};

	return (req_write(r, &w));
}
