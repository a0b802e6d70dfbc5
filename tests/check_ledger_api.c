/*
** Contributor pay over real HTTP: the built binary serves a node made with
** its own CLI (`init`, `campaign import` of a paying campaign, `user add`
** of reviewers, a maintainer and a treasurer) and is asked with libcurl;
** the node's SQLite file is read beside it to see what was really
** written. Covers an accrual when two reviewers validate an item (the
** earnings page, the public head, /metrics), the payout contact (refused
** before `tributary ledger keygen`, sealed after it: the number is not in
** node.db or its WAL, and redaction still finds it in the person's own
** text), the treasurer's page, the amounts due as CSV, payouts and every
** refusal of one, who may read the ledger, the export, a maintainer's
** override to rejected writing a reversal, and `tributary ledger verify`
** run beside the server. The server is started once, before the tests
** fork; each test has its own people. The treasurer key is the node's
** one shared fact: test_contact makes it, the later tests make sure of it.
*/
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "apitest.h"
#include "testutil.h"

/* The payout contact, and what of it must never be stored. */
#define CONTACT    "+233 24 123 4567 MTN"
#define DIGITS     "241234567"
#define GROUPED    "24 123 4567"
#define CAMPAIGN   "ld-pay"
#define PAY_TEXT   "0.50"
#define PAY_MINOR  50
#define CSV_HEADER "handle,currency,amount,method,contact,reference,note\r\n"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static char dbpath[800];
static char keyfile[800];
static struct tu_server srv;

/* --- requests --- */

/* ${method} ${path} as ${w} (NULL: nobody; else with its CSRF token),
** ${key} as Idempotency-Key (may be NULL), a JSON ${body} (may be NULL).
** Returns the status. */
static long
as_key(const struct who *w, const char *method, const char *path,
    const char *key, const char *body, struct tu_resp *out)
{
	struct tu_req q = { w, w != NULL, key, body ? "application/json" : NULL,
		NULL, body, body ? strlen(body) : 0 };

	return (tu_request(&srv, method, path, &q, out));
}

static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	return (as_key(w, method, path, NULL, body, out));
}

/* The answer is ${status} with a JSON body; the body (to decref). */
static json_t *
expect_json(const struct tu_resp *r, long status, const char *what)
{
	ck_assert_msg(r->status == status, "%s: status %ld, want %ld: %.400s",
	    what, r->status, status, r->body);
	return (jbody(r));
}

/* GET ${path} as ${w}: 200 and its JSON (to decref). */
static json_t *
get_ok(const struct who *w, const char *path)
{
	struct tu_resp r;
	json_t *j;

	as(w, "GET", path, NULL, &r);
	j = expect_json(&r, 200, path);
	tu_resp_free(&r);
	return (j);
}

/* ${method} ${path} as ${w} with ${body}: answered ${status} ${code}. */
static void
expect_refusal(const struct who *w, const char *method, const char *path,
    const char *body, long status, const char *code)
{
	struct tu_resp r;
	char what[400];

	snprintf(what, sizeof(what), "%s %s as %s (%s)", method, path,
	    w ? w->handle : "nobody", body ? body : "");
	as(w, method, path, body, &r);
	expect_error(&r, status, code, what);
	tu_resp_free(&r);
}

/* --- people --- */

static void
pass_of(const char *handle, char *out, size_t n)
{
	snprintf(out, n, "%s's ledger passphrase", handle);
}

/* Logs ${handle} (made by main()) in. */
static void
log_in(const char *handle, struct who *w)
{
	struct tu_resp r;
	char pass[128];
	json_t *b;
	char *s;

	pass_of(handle, pass, sizeof(pass));
	b = json_pack("{s:s,s:s}", "handle", handle, "passphrase", pass);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	as(NULL, "POST", "/api/v1/login", s, &r);
	free(s);
	ck_assert_msg(r.status == 200, "%s's login: %ld %.300s", handle,
	    r.status, r.body);
	take_session(&r, w);
	ck_assert_str_eq(w->handle, handle);
	tu_resp_free(&r);
}

/* A new contributor ${handle}, logged in. */
static void
join(const char *handle, struct who *w)
{
	struct tu_resp r;
	char pass[128];
	json_t *b;
	char *s;

	pass_of(handle, pass, sizeof(pass));
	b = json_pack("{s:s,s:s}", "handle", handle, "passphrase", pass);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	as(NULL, "POST", "/api/v1/join", s, &r);
	free(s);
	ck_assert_msg(
	    r.status == 201, "join %s: %ld %.300s", handle, r.status, r.body);
	take_session(&r, w);
	ck_assert_str_eq(w->role, "contributor");
	tu_resp_free(&r);
}

/* ${w} consents to CAMPAIGN for publishing text, on the current English
** general document. */
static void
consent(const struct who *w)
{
	struct tu_resp r;
	char body[512];
	json_t *j;

	j = get_ok(NULL, "/api/v1/consent/general?lang=en");
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\",\"scopes\":"
	    "[\"publish_text\"],\"age_confirmed\":true}",
	    CAMPAIGN, jstr(j, "sha256"));
	json_decref(j);
	as(w, "POST", "/api/v1/consents", body, &r);
	ck_assert_msg(r.status == 201, "%s's consent: %ld %.300s", w->handle,
	    r.status, r.body);
	tu_resp_free(&r);
}

/* ${w} gives ${text} to CAMPAIGN with Idempotency-Key ${key}: 201; the
** contribution (to decref). */
static json_t *
contribute(const struct who *w, const char *key, const char *text)
{
	struct tu_resp r;
	json_t *b, *j, *c;
	char *s;

	b = json_pack("{s:s,s:s}", "campaign", CAMPAIGN, "text", text);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	as_key(w, "POST", "/api/v1/contributions", key, s, &r);
	free(s);
	j = expect_json(&r, 201, key);
	tu_resp_free(&r);
	c = json_incref(json_object_get(j, "contribution"));
	json_decref(j);
	ck_assert_int_gt(jint(c, "id"), 0);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	return (c);
}

/* ${w} votes up on ${id}: 201, the item's status after it is ${status}. */
static void
vote_up(const struct who *w, long long id, const char *status)
{
	struct tu_resp r;
	char body[128], key[64];
	json_t *j;

	snprintf(
	    body, sizeof(body), "{\"contribution\":%lld,\"vote\":\"up\"}", id);
	snprintf(key, sizeof(key), "%s-up-%lld", w->handle, id);
	as_key(w, "POST", "/api/v1/reviews", key, body, &r);
	j = expect_json(&r, 201, key);
	ck_assert_str_eq(jstr(j, "status"), status);
	json_decref(j);
	tu_resp_free(&r);
}

/* ${w}'s earnings page (to decref). */
static json_t *
earnings(const struct who *w)
{
	return (get_ok(w, "/api/v1/me/earnings"));
}

/* The one balance of ${j} (an earnings page or an export's ledger): it
** must be GHS, ${minor} minor units, ${text} as money. */
static json_t *
only_balance(json_t *j, long long minor, const char *text)
{
	json_t *bal = json_object_get(j, "balances"), *b;

	ck_assert_msg(json_array_size(bal) == 1, "balances: %s",
	    json_dumps(bal, JSON_COMPACT));
	b = json_array_get(bal, 0);
	ck_assert_str_eq(jstr(b, "currency"), "GHS");
	ck_assert_int_eq(jint(b, "balance"), minor);
	ck_assert_str_eq(jstr(b, "text"), text);
	return (b);
}

/* ${w} accrues PAY_MINOR: a new contribution validated by rolf's and
** rita's up votes. Returns the contribution's id. */
static long long
earn(const struct who *w, const char *key, const char *text)
{
	struct who rolf, rita;
	long long id;
	json_t *c;

	c = contribute(w, key, text);
	id = jint(c, "id");
	json_decref(c);
	log_in("rolf", &rolf);
	log_in("rita", &rita);
	vote_up(&rolf, id, "pending");
	vote_up(&rita, id, "validated");
	return (id);
}

/* Sets ${w}'s payout contact: 200 with ${method}. */
static void
set_contact(const struct who *w, const char *method, const char *contact)
{
	struct tu_resp r;
	json_t *b, *j, *c;
	char *s;

	b = json_pack("{s:s,s:s}", "method", method, "contact", contact);
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	as(w, "POST", "/api/v1/me/payout-contact", s, &r);
	free(s);
	j = expect_json(&r, 200, "a payout contact");
	c = json_object_get(j, "contact");
	ck_assert_msg(json_is_object(c), "%.300s", r.body);
	ck_assert_str_eq(jstr(c, "method"), method);
	ck_assert_int_gt(jint(c, "updated_at"), 0);
	ck_assert_ptr_null(json_object_get(c, "contact"));
	ck_assert_ptr_null(strstr(r.body, contact));
	json_decref(j);
	tu_resp_free(&r);
}

/* The treasurer key: `tributary ledger keygen --data` unless the node has
** one (test_contact makes it; a test after it must not depend on its
** passing). */
static void
ensure_key(const struct who *w)
{
	char out[2048];
	const char *args[] = { "ledger", "keygen", "--data", maindir, "--out",
		keyfile, NULL };
	json_t *j = earnings(w);
	int keyed = json_is_true(json_object_get(j, "contact_possible"));

	json_decref(j);
	if (!keyed)
		ck_assert_msg(tu_cli(out, sizeof(out), args) == 0,
		    "ledger keygen: %s", out);
}

/* POST /api/v1/ledger/payouts as ${w}: the status, the answer in ${r}. */
static long
payout(const struct who *w, long long account, const char *amount,
    const char *method, const char *reference, struct tu_resp *r)
{
	json_t *b;
	char *s;
	long st;

	b = json_pack("{s:I,s:s,s:s,s:s}", "account", (json_int_t)account,
	    "currency", "GHS", "amount", amount, "method", method);
	if (reference != NULL)
		json_object_set_new(b, "reference", json_string(reference));
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = as(w, "POST", "/api/v1/ledger/payouts", s, r);
	free(s);
	return (st);
}

/* A payout refused with ${status} ${code}. */
static void
payout_refused(const struct who *w, long long account, const char *amount,
    const char *method, const char *reference, long status, const char *code,
    const char *what)
{
	struct tu_resp r;

	payout(w, account, amount, method, reference, &r);
	expect_error(&r, status, code, what);
	tu_resp_free(&r);
}

/* The element of array ${arr} whose ${k} is the string ${v}, or NULL. */
static json_t *
find_str(json_t *arr, const char *k, const char *v)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		if (jstr(e, k) != NULL && strcmp(jstr(e, k), v) == 0)
			return (e);
	}
	return (NULL);
}

/* 1 if ${s} is 64 lowercase hex digits. */
static int
is_hex64(const char *s)
{
	return (s != NULL && strlen(s) == 64 &&
	    strspn(s, "0123456789abcdef") == 64);
}

/* --- the tests --- */

/*
** Two reviewers validate an item of a paying campaign: its contributor's
** earnings page shows one accrual linked to it and a balance of 0.50 GHS;
** the public head is that entry (the first the node writes: this test
** runs first) and /metrics carries it.
*/
START_TEST(test_accrual)
{
	struct tu_resp r;
	struct who kwame;
	long long id;
	char want[200];
	json_t *j, *b, *e;

	join("kwame", &kwame);
	consent(&kwame);

	/* Before anything is earned: empty, no contact, no key yet. */
	j = earnings(&kwame);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "balances")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "entries")), 0);
	ck_assert(json_is_null(json_object_get(j, "contact")));
	ck_assert(json_is_false(json_object_get(j, "contact_possible")));
	ck_assert_int_eq(jint(j, "next"), 0);
	json_decref(j);
	j = get_ok(NULL, "/api/v1/ledger/head");
	ck_assert_int_eq(jint(j, "id"), 0);
	ck_assert_str_eq(jstr(j, "hash"), "");
	json_decref(j);

	id = earn(&kwame, "kwame-1", "Akwaaba, me din de Kwame.");

	j = earnings(&kwame);
	b = only_balance(j, PAY_MINOR, PAY_TEXT);
	ck_assert_int_eq(jint(b, "accrued"), PAY_MINOR);
	ck_assert_int_eq(jint(b, "paid"), 0);
	ck_assert_int_eq(jint(b, "reversed"), 0);
	ck_assert_int_eq(jint(b, "entries"), 1);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "entries")), 1);
	e = json_array_get(json_object_get(j, "entries"), 0);
	ck_assert_str_eq(jstr(e, "kind"), "accrual");
	ck_assert_int_eq(jint(e, "contribution"), id);
	ck_assert_str_eq(jstr(e, "currency"), "GHS");
	ck_assert_int_eq(jint(e, "amount"), PAY_MINOR);
	ck_assert_str_eq(jstr(e, "text"), PAY_TEXT);
	ck_assert_int_eq(jint(e, "balance"), PAY_MINOR);
	ck_assert_int_eq(jint(e, "id"), 1);
	json_decref(j);
	/* One item earns once, whatever is asked again. */
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM ledger_entries WHERE "
			     "contribution_id = ?1",
			     id, NULL, NULL, 0),
	    1);

	/* The head, for anyone, and in /metrics. */
	j = get_ok(NULL, "/api/v1/ledger/head");
	ck_assert_int_eq(jint(j, "id"), 1);
	ck_assert_msg(is_hex64(jstr(j, "hash")), "hash %s", jstr(j, "hash"));
	snprintf(want, sizeof(want),
	    "tributary_ledger_head_info{hash=\"%s\",id=\"1\"} 1",
	    jstr(j, "hash"));
	json_decref(j);
	as(NULL, "GET", "/metrics", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(
	    strstr(r.body, want) != NULL, "no \"%s\" in /metrics", want);
	tu_resp_free(&r);
}
END_TEST

/*
** The payout contact: refused before the node has a treasurer key; after
** `tributary ledger keygen` it is sealed (the number is not in node.db or
** its WAL), the earnings page shows its method only, and redaction finds
** the number in the person's own text written another way.
*/
START_TEST(test_contact)
{
	struct tu_resp r;
	struct stat st;
	struct who abena;
	char out[2048], pub[900];
	const char *args[] = { "ledger", "keygen", "--data", maindir, "--out",
		keyfile, NULL };
	json_t *j, *c, *rep;
	const char *t;

	join("abena", &abena);
	consent(&abena);

	expect_refusal(&abena, "POST", "/api/v1/me/payout-contact",
	    "{\"method\":\"mobile_money\",\"contact\":\"" CONTACT "\"}", 409,
	    "no_treasurer");
	expect_refusal(NULL, "POST", "/api/v1/me/payout-contact",
	    "{\"method\":\"mobile_money\",\"contact\":\"" CONTACT "\"}", 401,
	    "login_required");

	/* The key: secret to the file (0600), public beside it and in the
	** node, which the running server sees at once. */
	ck_assert_msg(
	    tu_cli(out, sizeof(out), args) == 0, "ledger keygen: %s", out);
	ck_assert_int_eq(stat(keyfile, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(pub, sizeof(pub), "%s.pub", keyfile);
	ck_assert_int_eq(stat(pub, &st), 0);
	ck_assert_int_ne(tu_cli(out, sizeof(out), args), 0); /* once only */
	j = earnings(&abena);
	ck_assert(json_is_true(json_object_get(j, "contact_possible")));
	ck_assert(json_is_null(json_object_get(j, "contact")));
	json_decref(j);

	expect_refusal(&abena, "POST", "/api/v1/me/payout-contact",
	    "{\"method\":\"pigeon\",\"contact\":\"" CONTACT "\"}", 400,
	    "invalid");
	expect_refusal(&abena, "POST", "/api/v1/me/payout-contact",
	    "{\"method\":\"mobile_money\"}", 400, "invalid");
	set_contact(&abena, "mobile_money", CONTACT);

	/* Only ciphertext was written. */
	tu_expect_not_on_disk(dbpath, DIGITS);
	tu_expect_not_on_disk(dbpath, GROUPED);
	tu_expect_not_on_disk(dbpath, CONTACT);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM payout_contacts WHERE "
			     "account_id = ?1",
			     abena.id, NULL, NULL, 0),
	    1);

	j = earnings(&abena);
	c = json_object_get(j, "contact");
	ck_assert_msg(json_is_object(c), "contact: %s",
	    json_dumps(json_object_get(j, "contact"), JSON_COMPACT));
	ck_assert_str_eq(jstr(c, "method"), "mobile_money");
	ck_assert_int_gt(jint(c, "updated_at"), 0);
	ck_assert_uint_eq(json_object_size(c), 2);
	json_decref(j);

	/* Their own number, written the international way without '+': the
	** keyed hash finds it, as CONTACT. */
	as(&abena, "POST", "/api/v1/redact",
	    "{\"text\":\"Frɛ me wɔ 00233241234567 daa.\"}", &r);
	j = expect_json(&r, 200, "the redaction preview");
	tu_resp_free(&r);
	t = jstr(j, "text");
	ck_assert_msg(strstr(t, DIGITS) == NULL, "preview: %s", t);
	ck_assert_msg(strstr(t, "[CONTACT]") != NULL, "preview: %s", t);
	ck_assert_int_ge(jint(json_object_get(j, "report"), "CONTACT"), 1);
	json_decref(j);

	c = contribute(&abena, "abena-1",
	    "Frɛ me wɔ 00233241234567 anaa 024 123 4567 daa.");
	t = jstr(c, "text");
	ck_assert_msg(strstr(t, DIGITS) == NULL, "stored: %s", t);
	ck_assert_msg(strstr(t, "123 4567") == NULL, "stored: %s", t);
	ck_assert_msg(strstr(t, "[CONTACT]") != NULL, "stored: %s", t);
	rep = json_object_get(c, "redaction");
	ck_assert_msg(jint(rep, "CONTACT") >= 1, "redaction: %s",
	    json_dumps(rep, JSON_COMPACT));
	json_decref(c);
	tu_expect_not_on_disk(dbpath, DIGITS);
	tu_expect_not_on_disk(dbpath, "123 4567");

	/* A new contact replaces the one before, sealed too. */
	as(&abena, "POST", "/api/v1/me/payout-contact",
	    "{\"method\":\"bank\",\"contact\":\"GCB 1234567890123\"}", &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	j = earnings(&abena);
	ck_assert_str_eq(jstr(json_object_get(j, "contact"), "method"), "bank");
	json_decref(j);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM payout_contacts WHERE "
			     "account_id = ?1",
			     abena.id, NULL, NULL, 0),
	    1);
	tu_expect_not_on_disk(dbpath, "1234567890123");
}
END_TEST

/*
** The treasurer: totals and amounts due, the CSV, payouts and their
** refusals, the contributor's earnings and export after one; then a
** maintainer's override to rejected reverses the accrual (the balance
** goes below zero) and no payout is possible.
*/
START_TEST(test_treasurer)
{
	struct tu_resp r;
	struct who yaw, tess, mia;
	long long id;
	char path[128], *ct, *cd, line[128];
	json_t *j, *tot, *due, *b, *e, *ents, *c;

	join("yaw", &yaw);
	consent(&yaw);
	id = earn(&yaw, "yaw-1", "Ɛte sɛn? Me ho yɛ.");
	ensure_key(&yaw);
	set_contact(&yaw, "mobile_money", "+233 55 765 4321 MTN");
	log_in("tess", &tess);
	ck_assert_str_eq(tess.role, "treasurer");
	log_in("mia", &mia);

	/* The treasurer's page. */
	j = get_ok(&tess, "/api/v1/ledger");
	tot = find_str(json_object_get(j, "totals"), "currency", "GHS");
	ck_assert_msg(tot != NULL, "no GHS totals");
	ck_assert_int_ge(jint(tot, "owed"), PAY_MINOR);
	ck_assert_int_ge(jint(tot, "accrued"), PAY_MINOR);
	ck_assert_int_ge(jint(tot, "accounts"), 1);
	due = find_str(json_object_get(j, "due"), "handle", "yaw");
	ck_assert_msg(due != NULL, "yaw is not due: %s",
	    json_dumps(json_object_get(j, "due"), JSON_COMPACT));
	ck_assert_int_eq(jint(due, "account"), yaw.id);
	ck_assert_str_eq(jstr(due, "currency"), "GHS");
	ck_assert_int_eq(jint(due, "balance"), PAY_MINOR);
	ck_assert_str_eq(jstr(due, "text"), PAY_TEXT);
	ck_assert_str_eq(jstr(due, "method"), "mobile_money");
	ck_assert_int_ge(jint(json_object_get(j, "head"), "id"), 1);
	ck_assert(is_hex64(jstr(json_object_get(j, "head"), "hash")));
	json_decref(j);

	/* The amounts due as CSV, contacts left empty. */
	as(&tess, "GET", "/api/v1/ledger/due.csv", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ct = tu_header(&r, "Content-Type");
	cd = tu_header(&r, "Content-Disposition");
	ck_assert_msg(ct != NULL && strncmp(ct, "text/csv", 8) == 0,
	    "Content-Type %s", ct ? ct : "(none)");
	ck_assert_msg(cd != NULL && strstr(cd, "attachment") != NULL,
	    "Content-Disposition %s", cd ? cd : "(none)");
	free(ct);
	free(cd);
	ck_assert_msg(strncmp(r.body, CSV_HEADER, strlen(CSV_HEADER)) == 0,
	    "CSV: %.300s", r.body);
	snprintf(
	    line, sizeof(line), "\nyaw,GHS,%s,mobile_money,,,\r\n", PAY_TEXT);
	ck_assert_msg(strstr(r.body, line) != NULL, "CSV: %.600s", r.body);
	ck_assert_ptr_null(strstr(r.body, "765 4321"));
	tu_resp_free(&r);

	/* Payouts refused. */
	payout_refused(&tess, yaw.id, "0.60", "mobile_money", "MP999", 409,
	    "over_balance", "more than the balance");
	payout_refused(&tess, yaw.id, "0.20", "mobile_money", NULL, 400,
	    "invalid", "mobile money without a reference");
	payout_refused(&tess, yaw.id, "0.20", "bank", "", 400, "invalid",
	    "a bank payment with an empty reference");
	payout_refused(&tess, yaw.id, "0.205", "mobile_money", "MP998", 400,
	    "invalid", "a third decimal in GHS");
	payout_refused(&tess, yaw.id, "-0.20", "mobile_money", "MP997", 400,
	    "invalid", "a negative amount");
	payout_refused(&tess, yaw.id, "0.20", "pigeon", "MP996", 400, "invalid",
	    "no such method");
	payout_refused(&tess, tess.id, "0.20", "mobile_money", "MP995", 403,
	    "forbidden", "a payment to yourself");
	payout_refused(&tess, 999999, "0.20", "mobile_money", "MP994", 404,
	    "not_found", "no such account");
	payout_refused(&mia, yaw.id, "0.20", "mobile_money", "MP993", 403,
	    "forbidden", "a maintainer's payout");
	payout_refused(&yaw, yaw.id, "0.20", "mobile_money", "MP992", 403,
	    "forbidden", "a contributor's own payout");
	payout_refused(NULL, yaw.id, "0.20", "mobile_money", "MP991", 401,
	    "login_required", "nobody's payout");
	j = earnings(&yaw);
	only_balance(j, PAY_MINOR, PAY_TEXT);
	json_decref(j);

	/* One payout; its reference once only. */
	payout(&tess, yaw.id, "0.20", "mobile_money", "MP123", &r);
	j = expect_json(&r, 201, "a payout");
	tu_resp_free(&r);
	c = json_object_get(j, "payout");
	ck_assert_int_gt(jint(c, "id"), 0);
	ck_assert_int_eq(jint(c, "account"), yaw.id);
	ck_assert_str_eq(jstr(c, "currency"), "GHS");
	ck_assert_int_eq(jint(c, "balance"), 30);
	ck_assert_str_eq(jstr(c, "balance_text"), "0.30");
	json_decref(j);
	payout_refused(&tess, yaw.id, "0.10", "mobile_money", "MP123", 409,
	    "reference_used", "the same reference again");

	/* What the contributor sees, and the treasurer of them. */
	j = earnings(&yaw);
	b = only_balance(j, 30, "0.30");
	ck_assert_int_eq(jint(b, "paid"), 20);
	ck_assert_int_eq(jint(b, "accrued"), PAY_MINOR);
	ents = json_object_get(j, "entries");
	ck_assert_uint_eq(json_array_size(ents), 2);
	e = json_array_get(ents, 0);
	ck_assert_str_eq(jstr(e, "kind"), "payout");
	ck_assert_str_eq(jstr(e, "reference"), "MP123");
	ck_assert_str_eq(jstr(e, "method"), "mobile_money");
	ck_assert_int_eq(jint(e, "amount"), -20);
	ck_assert_str_eq(jstr(e, "text"), "-0.20");
	ck_assert_int_eq(jint(e, "balance"), 30);
	e = json_array_get(ents, 1);
	ck_assert_str_eq(jstr(e, "kind"), "accrual");
	ck_assert_int_eq(jint(e, "contribution"), id);
	json_decref(j);
	snprintf(path, sizeof(path), "/api/v1/ledger/accounts/%lld", yaw.id);
	j = get_ok(&tess, path);
	ck_assert_int_eq(jint(j, "account"), yaw.id);
	only_balance(j, 30, "0.30");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "entries")), 2);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contact"), "method"), "mobile_money");
	json_decref(j);
	expect_refusal(&yaw, "GET", path, NULL, 403, "forbidden");
	expect_refusal(&tess, "GET", "/api/v1/ledger/accounts/999999", NULL,
	    404, "not_found");

	/* The export holds the ledger: both entries. */
	as(&yaw, "GET", "/api/v1/me/export", NULL, &r);
	j = expect_json(&r, 200, "the export");
	cd = tu_header(&r, "Content-Disposition");
	ck_assert_msg(cd != NULL && strstr(cd, "attachment") != NULL,
	    "Content-Disposition %s", cd ? cd : "(none)");
	free(cd);
	tu_resp_free(&r);
	e = json_object_get(j, "ledger");
	ck_assert_msg(json_is_object(e), "no ledger in the export");
	only_balance(e, 30, "0.30");
	ents = json_object_get(e, "entries");
	ck_assert_uint_eq(json_array_size(ents), 2);
	ck_assert_str_eq(jstr(json_array_get(ents, 0), "kind"), "payout");
	ck_assert_str_eq(jstr(json_array_get(ents, 0), "reference"), "MP123");
	ck_assert_str_eq(jstr(json_array_get(ents, 1), "kind"), "accrual");
	ck_assert_int_eq(jint(json_array_get(ents, 1), "contribution"), id);
	json_decref(j);

	/* A maintainer overrides the item to rejected: a reversal of all
	** it earned, with the reason; the balance goes below zero. */
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", id);
	expect_refusal(
	    &mia, "POST", path, "{\"status\":\"rejected\"}", 400, "invalid");
	as(&mia, "POST", path,
	    "{\"status\":\"rejected\",\"reason\":\"not the prompt read\"}", &r);
	j = expect_json(&r, 200, "an override");
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contribution"), "status"), "rejected");
	json_decref(j);
	tu_resp_free(&r);
	j = earnings(&yaw);
	b = only_balance(j, -20, "-0.20");
	ck_assert_int_eq(jint(b, "reversed"), PAY_MINOR);
	ck_assert_int_eq(jint(b, "paid"), 20);
	ents = json_object_get(j, "entries");
	ck_assert_uint_eq(json_array_size(ents), 3);
	e = json_array_get(ents, 0);
	ck_assert_str_eq(jstr(e, "kind"), "reversal");
	ck_assert_int_eq(jint(e, "contribution"), id);
	ck_assert_int_eq(jint(e, "amount"), -PAY_MINOR);
	ck_assert_int_eq(jint(e, "balance"), -20);
	ck_assert_str_eq(jstr(e, "note"), "not the prompt read");
	json_decref(j);

	/* Nothing more is paid; they are no longer due. */
	payout_refused(&tess, yaw.id, "0.01", "mobile_money", "MP124", 409,
	    "over_balance", "a payout on a negative balance");
	payout_refused(&tess, yaw.id, "0.01", "cash", NULL, 409, "over_balance",
	    "cash on a negative balance");
	j = get_ok(&tess, "/api/v1/ledger");
	ck_assert_ptr_null(
	    find_str(json_object_get(j, "due"), "handle", "yaw"));
	tot = find_str(json_object_get(j, "totals"), "currency", "GHS");
	ck_assert_int_le(jint(tot, "debt"), -20);
	ck_assert_int_ge(jint(tot, "reversed"), PAY_MINOR);
	ck_assert_int_ge(jint(tot, "paid"), 20);
	json_decref(j);
	as(&tess, "GET", "/api/v1/ledger/due.csv", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_null(strstr(r.body, "\nyaw,"));
	tu_resp_free(&r);

	/* Back to validated: it accrues again, once. */
	as(&mia, "POST", path,
	    "{\"status\":\"validated\",\"reason\":\"it was the prompt\"}", &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	as(&mia, "POST", path,
	    "{\"status\":\"validated\",\"reason\":\"still the prompt\"}", &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	j = earnings(&yaw);
	only_balance(j, 30, "0.30");
	ents = json_object_get(j, "entries");
	ck_assert_uint_eq(json_array_size(ents), 4);
	ck_assert_str_eq(jstr(json_array_get(ents, 0), "kind"), "accrual");
	json_decref(j);
}
END_TEST

/*
** Who may read and write the ledger: the head is public; the treasurer's
** routes need the treasurer (or an admin); earnings and a contact need a
** login; a wrong ?before= is refused.
*/
START_TEST(test_access)
{
	static const char *const treasurer_gets[] = {
		"/api/v1/ledger",
		"/api/v1/ledger/due.csv",
		"/api/v1/ledger/accounts/1",
	};
	struct who ama, mia, rolf, root;
	json_t *j;
	size_t i;

	join("ama", &ama);
	log_in("mia", &mia);
	log_in("rolf", &rolf);
	log_in("root", &root);
	for (i = 0; i < sizeof(treasurer_gets) / sizeof(treasurer_gets[0]);
	     i++) {
		expect_refusal(NULL, "GET", treasurer_gets[i], NULL, 401,
		    "login_required");
		expect_refusal(
		    &ama, "GET", treasurer_gets[i], NULL, 403, "forbidden");
		expect_refusal(
		    &rolf, "GET", treasurer_gets[i], NULL, 403, "forbidden");
		expect_refusal(
		    &mia, "GET", treasurer_gets[i], NULL, 403, "forbidden");
	}
	/* An admin is above a treasurer. */
	j = get_ok(&root, "/api/v1/ledger");
	ck_assert(json_is_array(json_object_get(j, "totals")));
	json_decref(j);

	expect_refusal(
	    NULL, "GET", "/api/v1/me/earnings", NULL, 401, "login_required");
	expect_refusal(
	    &ama, "GET", "/api/v1/me/earnings?before=x", NULL, 400, "invalid");
	expect_refusal(
	    &ama, "GET", "/api/v1/me/earnings?before=0", NULL, 400, "invalid");
	/* Reviewers and maintainers have earnings pages too. */
	j = earnings(&mia);
	ck_assert(json_is_array(json_object_get(j, "balances")));
	json_decref(j);
	j = get_ok(NULL, "/api/v1/ledger/head");
	ck_assert(json_is_integer(json_object_get(j, "id")));
	json_decref(j);
}
END_TEST

/*
** After all of it, `tributary ledger verify` beside the running server
** finds the chain intact, ending at the head the API shows.
*/
START_TEST(test_verify)
{
	char out[4096], want[200];
	const char *args[] = { "ledger", "verify", "--data", maindir, NULL };
	const char *head[] = { "ledger", "head", "--data", maindir, NULL };
	json_t *j;

	j = get_ok(NULL, "/api/v1/ledger/head");
	ck_assert_int_ge(jint(j, "id"), 1);
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "verify: %s", out);
	ck_assert_msg(strncmp(out, "ledger intact: ", 15) == 0, "%s", out);
	snprintf(
	    want, sizeof(want), "head %lld %s", jint(j, "id"), jstr(j, "hash"));
	ck_assert_msg(strstr(out, want) != NULL, "no \"%s\" in: %s", want, out);
	ck_assert_msg(tu_cli(out, sizeof(out), head) == 0, "head: %s", out);
	snprintf(
	    want, sizeof(want), "%lld %s\n", jint(j, "id"), jstr(j, "hash"));
	ck_assert_str_eq(out, want);
	json_decref(j);
	/* The running balance of every account equals its entries' sum. */
	ck_assert_int_eq(
	    tu_db_get(maindir,
		"SELECT count(*) FROM ledger_balances b WHERE balance <> "
		"(SELECT coalesce(sum(CASE WHEN kind IN ('accrual','royalty') "
		"THEN amount ELSE -amount END), 0) FROM ledger_entries e "
		"WHERE e.account_id = b.account_id AND e.currency = "
		"b.currency)",
		0, NULL, NULL, 0),
	    0);
}
END_TEST

/* --- setup, before any test forks --- */

/* `user add ${handle} --role ${role}` with a passphrase, and
** `--languages ${langs}` unless NULL. */
static int
add_user(const char *handle, const char *role, const char *langs)
{
	char pass[128];

	pass_of(handle, pass, sizeof(pass));
	return (tu_user_add(bin, maindir, handle, role, langs, pass));
}

static int
make_node(void)
{
	char out[4096];
	char *init[] = { (char *)bin, "init", "--data", maindir, NULL };

	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(bin, base, maindir, CAMPAIGN ".json",
		"{\"slug\":\"" CAMPAIGN "\",\"title\":\"Paid words\","
		"\"language\":\"ak\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"review\":{\"min_votes\":2},"
		"\"pay\":{\"currency\":\"GHS\",\"per_item\":50},"
		/* words for the pages: held by the cached campaign too */
		"\"description\":\"Words, paid for.\",\"translations\":"
		"{\"ak\":{\"title\":\"Ns\u025bm a w\u0254tua ho ka\"}}}\n") !=
		0 ||
	    add_user("root", "admin", NULL) != 0 ||
	    add_user("mia", "maintainer", "ak") != 0 ||
	    add_user("tess", "treasurer", NULL) != 0 ||
	    add_user("rolf", "reviewer", "ak") != 0 ||
	    add_user("rita", "reviewer", "ak") != 0)
		return (-1);
	return (0);
}

static int
start(void)
{
	char consent[600], redact[600], webroot[600];
	/* Rate limits and login guards are not under test here. */
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, "--rate-per-address", "100000",
		"--rate-per-account", "100000", "--login-backoff-after", "1000",
		"--hashes-per-address", "100", NULL };

	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_server_start(&srv, maindir, extra));
}

int
main(void)
{
	struct tu_server *const stop[] = { &srv };
	const char *const names[] = { "main" };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(dbpath, sizeof(dbpath), "%s/node.db", maindir);
	snprintf(keyfile, sizeof(keyfile), "%s/treasurer.key", base);
	if (make_node() == -1 || start() == -1) {
		fprintf(
		    stderr, "could not start the server (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		return (1);
	}

	s = suite_create("ledger_api");
	tc = tcase_create("ledger_api");
	/* Logins hash passphrases: slow under ASan. In this order: the
	** first accrual is entry 1, and test_contact makes the key. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_accrual);
	tcase_add_test(tc, test_contact);
	tcase_add_test(tc, test_treasurer);
	tcase_add_test(tc, test_access);
	tcase_add_test(tc, test_verify);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, stop, names, 1, base));
}
