/*
** Community review, prompts and the maintainer's campaign page over real
** HTTP: the built binary serves a node made with its own CLI (`init`,
** `campaign import`, `user add --languages`) and is asked with libcurl;
** the node's SQLite file is read beside it (read-only) to see what was
** really written. Covers who may use which route (401, 403), the review
** queue and votes (the item, idempotent replays, every refusal, the day's
** count), a reviewer's languages, prompts (import as text and CSV, the
** next prompt, prompt_id on a contribution, retiring), saving, closing
** and card sheets of campaigns, a maintainer's corrections and decisions
** with the audit log, and the drive's figures. The server is started once,
** before the tests fork; each test has its own campaign and people, so
** what one leaves in the database never meets another.
*/
#include <check.h>
#include <sodium.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "apitest.h"
#include "crypto.h"
#include "testutil.h"
#include "wav.h"

#define PIN "2468"

/* What a correction writes, and what must never be stored. */
#define EMAIL "kofi.mensah@example.org"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static struct tu_server srv;

/* --- requests --- */

/* ${method} ${path} as ${w} (NULL: nobody; else with its CSRF token),
** ${key} as Idempotency-Key (may be NULL), ${body} of type ${ctype} (both
** may be NULL), ${n} bytes. Returns the status. */
static long
send_raw(const struct who *w, const char *method, const char *path,
    const char *key, const char *ctype, const void *body, size_t n,
    struct tu_resp *out)
{
	struct tu_req q = { w, w != NULL, key, ctype, NULL, body, n };

	return (tu_request(&srv, method, path, &q, out));
}

/* ${method} ${path} as ${w} with a JSON ${body} (may be NULL). */
static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	return (
	    send_raw(w, method, path, NULL, body ? "application/json" : NULL,
		body, body ? strlen(body) : 0, out));
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
	char what[300];

	snprintf(what, sizeof(what), "%s %s as %s", method, path,
	    w ? w->handle : "nobody");
	as(w, method, path, body, &r);
	expect_error(&r, status, code, what);
	tu_resp_free(&r);
}

/* The passphrase of ${handle}, made by main() or join(). */
static void
pass_of(const char *handle, char *out, size_t n)
{
	snprintf(out, n, "%s's review passphrase", handle);
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

/* ${w} consents to ${campaign} for ${scopes} (a JSON array) on the
** current English general document. */
static void
consent(const struct who *w, const char *campaign, const char *scopes)
{
	struct tu_resp r;
	char body[512];
	json_t *j;

	j = get_ok(NULL, "/api/v1/consent/general?lang=en");
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\",\"scopes\":%s,"
	    "\"age_confirmed\":true}",
	    campaign, jstr(j, "sha256"), scopes);
	json_decref(j);
	as(w, "POST", "/api/v1/consents", body, &r);
	ck_assert_msg(r.status == 201, "%s's consent to %s: %ld %.300s",
	    w->handle, campaign, r.status, r.body);
	tu_resp_free(&r);
}

static void
consent_text(const struct who *w, const char *campaign)
{
	consent(w, campaign, "[\"publish_text\"]");
}

/* POST /api/v1/contributions as ${w} with ${key}: ${text} to ${campaign},
** with ${prompt_id} when it is not 0. Returns the status. */
static long
contribute(const struct who *w, const char *key, const char *campaign,
    const char *text, long long prompt_id, struct tu_resp *r)
{
	json_t *b = json_pack("{s:s,s:s}", "campaign", campaign, "text", text);
	char *s;
	long st;

	if (prompt_id != 0)
		json_object_set_new(b, "prompt_id", json_integer(prompt_id));
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = send_raw(w, "POST", "/api/v1/contributions", key,
	    "application/json", s, strlen(s), r);
	free(s);
	return (st);
}

/* A new pending text contribution; its id. */
static long long
contribute_ok(const struct who *w, const char *key, const char *campaign,
    const char *text)
{
	struct tu_resp r;
	long long id;
	json_t *j, *c;

	contribute(w, key, campaign, text, 0, &r);
	j = expect_json(&r, 201, key);
	c = json_object_get(j, "contribution");
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_str_eq(jstr(c, "campaign"), campaign);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* ${w} withdraws their contribution ${id}. */
static void
withdraw(const struct who *w, long long id)
{
	struct tu_resp r;
	char path[96];
	json_t *j;

	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/withdraw", id);
	as(w, "POST", path, "{}", &r);
	j = expect_json(&r, 200, path);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contribution"), "status"), "withdrawn");
	json_decref(j);
	tu_resp_free(&r);
}

/* POST /api/v1/reviews as ${w} with ${key} (may be NULL): ${vote} on
** ${id}, with ${reason} and ${note} when not NULL. Returns the status. */
static long
vote(const struct who *w, const char *key, long long id, const char *v,
    const char *reason, const char *note, struct tu_resp *r)
{
	json_t *b =
	    json_pack("{s:I,s:s}", "contribution", (json_int_t)id, "vote", v);
	char *s;
	long st;

	if (reason != NULL)
		json_object_set_new(b, "reason", json_string(reason));
	if (note != NULL)
		json_object_set_new(b, "note", json_string(note));
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = send_raw(w, "POST", "/api/v1/reviews", key, "application/json", s,
	    strlen(s), r);
	free(s);
	return (st);
}

/* A vote that counts (201): the item's status after it. */
static void
vote_ok(const struct who *w, const char *key, long long id, const char *v,
    const char *reason, const char *status)
{
	struct tu_resp r;
	json_t *j;

	vote(w, key, id, v, reason, NULL, &r);
	j = expect_json(&r, 201, key);
	ck_assert_int_eq(
	    jint(json_object_get(j, "review"), "contribution"), id);
	ck_assert_str_eq(jstr(j, "status"), status);
	json_decref(j);
	tu_resp_free(&r);
}

/* A vote refused with ${status} ${code}. */
static void
vote_refused(const struct who *w, const char *key, long long id, const char *v,
    const char *reason, const char *note, long status, const char *code,
    const char *what)
{
	struct tu_resp r;

	vote(w, key, id, v, reason, note, &r);
	expect_error(&r, status, code, what);
	tu_resp_free(&r);
}

/* GET /api/v1/review/next?campaign=${slug} as ${w}: the status; the
** answer in ${r}. */
static long
next_item(const struct who *w, const char *slug, struct tu_resp *r)
{
	char path[200];

	snprintf(path, sizeof(path), "/api/v1/review/next?campaign=%s", slug);
	return (as(w, "GET", path, NULL, r));
}

/* ${w}'s next item in ${slug}: its id (0 for a 204, which has no body). */
static long long
next_id(const struct who *w, const char *slug)
{
	struct tu_resp r;
	long long id;
	json_t *j;

	if (next_item(w, slug, &r) == 204) {
		ck_assert_uint_eq(r.n, 0);
		tu_resp_free(&r);
		return (0);
	}
	j = expect_json(&r, 200, "the next item");
	id = jint(json_object_get(j, "item"), "id");
	ck_assert_int_gt(id, 0);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* The integer the first column of ${sql} answers on the node (?1 ${a},
** ?2 ${s}). */
static long long
db_int(const char *sql, long long a, const char *s)
{
	return (tu_db_get(maindir, sql, a, s, NULL, 0));
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

/* The element of array ${arr} whose "id" is ${id}, or NULL. */
static json_t *
find_id(json_t *arr, long long id)
{
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		if (jint(e, "id") == id)
			return (e);
	}
	return (NULL);
}

static long long
next_prompt(const struct who *w, const char *slug, char *text, size_t n);

/* --- who may use which route --- */

/* A valid campaign definition (for routes that must refuse it unread). */
#define DEF_ROLES                                                              \
	"{\"slug\":\"rv-roles\",\"title\":\"Roles\",\"language\":\"ee\","      \
	"\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"       \
	"[\"publish_text\"],\"minimum_age\":16}"

/* The maintainer's routes, each with a body a maintainer would send. */
static const char *const maint_routes[][3] = {
	{ "GET", "/api/v1/campaigns/rv-roles/stats", NULL },
	{ "GET", "/api/v1/campaigns/rv-roles/corrections", NULL },
	{ "GET", "/api/v1/campaigns/rv-roles/contributions", NULL },
	{ "GET", "/api/v1/campaigns/rv-roles/prompts", NULL },
	{ "GET", "/api/v1/audit", NULL },
	{ "POST", "/api/v1/campaigns", DEF_ROLES },
	{ "POST", "/api/v1/campaigns/rv-roles/close", "{}" },
	{ "POST", "/api/v1/campaigns/rv-roles/cards", "{\"count\":1}" },
	{ "POST", "/api/v1/campaigns/rv-roles/prompts",
	    "{\"text\":\"A prompt\",\"licence\":\"cc0-1.0\"}" },
	{ "POST", "/api/v1/prompts/1", "{\"retired\":true}" },
	{ "POST", "/api/v1/contributions/1/correct", "{\"text\":\"fixed\"}" },
	{ "POST", "/api/v1/contributions/1/decision",
	    "{\"status\":\"rejected\",\"reason\":\"because\"}" },
	{ "POST", "/api/v1/accounts/1/languages", "{\"languages\":[\"ak\"]}" },
};
#define NMAINT (sizeof(maint_routes) / sizeof(maint_routes[0]))

START_TEST(test_roles)
{
	struct tu_resp r;
	struct who cleo, rolf, mia;
	size_t i;
	json_t *j, *c;

	/* Nobody: every one of them needs a login. */
	expect_refusal(NULL, "GET", "/api/v1/review/campaigns", NULL, 401,
	    "login_required");
	expect_refusal(NULL, "GET", "/api/v1/review/next?campaign=rv-roles",
	    NULL, 401, "login_required");
	expect_refusal(NULL, "GET", "/api/v1/campaigns/rv-roles/prompt", NULL,
	    401, "login_required");
	vote(NULL, "anon-1", 1, "up", NULL, NULL, &r);
	expect_error(&r, 401, "login_required", "a vote from nobody");
	tu_resp_free(&r);
	for (i = 0; i < NMAINT; i++)
		expect_refusal(NULL, maint_routes[i][0], maint_routes[i][1],
		    maint_routes[i][2], 401, "login_required");
	send_raw(NULL, "POST",
	    "/api/v1/campaigns/rv-roles/prompts/import?licence=cc0-1.0", NULL,
	    "text/plain", "One\n", 4, &r);
	expect_error(&r, 401, "login_required", "an import from nobody");
	tu_resp_free(&r);

	/* A contributor: not the review routes. */
	join("cleo", &cleo);
	expect_refusal(&cleo, "GET", "/api/v1/review/next?campaign=rv-roles",
	    NULL, 403, "forbidden");
	expect_refusal(
	    &cleo, "GET", "/api/v1/review/campaigns", NULL, 403, "forbidden");
	vote(&cleo, "cleo-1", 1, "up", NULL, NULL, &r);
	expect_error(&r, 403, "forbidden", "a vote from a contributor");
	tu_resp_free(&r);
	expect_refusal(&cleo, "GET", "/api/v1/campaigns/rv-roles/stats", NULL,
	    403, "forbidden");
	/* But the next prompt is theirs to ask for. */
	ck_assert_int_eq(next_prompt(&cleo, "rv-roles", NULL, 0), 0);

	/* A reviewer: the review routes, none of the maintainer's. */
	log_in("rolf", &rolf);
	ck_assert_str_eq(rolf.role, "reviewer");
	j = get_ok(&rolf, "/api/v1/review/campaigns");
	ck_assert_ptr_nonnull(
	    find_str(json_object_get(j, "campaigns"), "slug", "rv-roles"));
	json_decref(j);
	for (i = 0; i < NMAINT; i++)
		expect_refusal(&rolf, maint_routes[i][0], maint_routes[i][1],
		    maint_routes[i][2], 403, "forbidden");
	send_raw(&rolf, "POST",
	    "/api/v1/campaigns/rv-roles/prompts/import?licence=cc0-1.0", NULL,
	    "text/plain", "One\n", 4, &r);
	expect_error(&r, 403, "forbidden", "an import from a reviewer");
	tu_resp_free(&r);
	/* Nothing they asked for was done. */
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM audit_log WHERE actor_id = ?1",
		rolf.id, NULL),
	    0);
	ck_assert_int_eq(db_int("SELECT count(*) FROM prompts p JOIN "
				"campaigns c ON c.id = p.campaign_id WHERE "
				"c.slug = 'rv-roles'",
			     0, NULL),
	    0);
	j = get_ok(NULL, "/api/v1/campaigns");
	c = find_str(json_object_get(j, "campaigns"), "slug", "rv-roles");
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(json_is_true(json_object_get(c, "open")),
	    "a reviewer closed rv-roles");
	json_decref(j);

	/* A maintainer passes the reviewer's routes. */
	log_in("mia", &mia);
	j = get_ok(&mia, "/api/v1/review/campaigns");
	ck_assert_ptr_nonnull(
	    find_str(json_object_get(j, "campaigns"), "slug", "rv-roles"));
	json_decref(j);
	ck_assert_int_eq(next_id(&mia, "rv-roles"), 0);
}
END_TEST

/* --- the review queue and votes --- */

#define TEXT_A "The river runs down to the sea."
#define TEXT_B "Market day starts before the sun."
#define TEXT_C "My grandmother sings when she cooks."

START_TEST(test_review_queue)
{
	struct tu_resp r, r2;
	struct who cora, rita, rosa, remy;
	long long a, b, c, d;
	json_t *j, *it, *rv;
	size_t i;

	log_in("rita", &rita);
	/* No campaign named, an unknown one, one not in her languages. */
	as(&rita, "GET", "/api/v1/review/next", NULL, &r);
	expect_error(&r, 400, "invalid", "next without ?campaign");
	tu_resp_free(&r);
	next_item(&rita, "no-such-drive", &r);
	expect_error(&r, 404, "not_found", "next in an unknown campaign");
	tu_resp_free(&r);
	next_item(&rita, "rv-ak", &r);
	expect_error(&r, 403, "not_your_language", "next in Akan");
	expect_message(&r, "ak");
	tu_resp_free(&r);
	/* Nothing given yet: 204, no body. */
	ck_assert_int_eq(next_id(&rita, "rv-queue"), 0);

	join("cora", &cora);
	consent_text(&cora, "rv-queue");
	a = contribute_ok(&cora, "cora-a", "rv-queue", TEXT_A);
	b = contribute_ok(&cora, "cora-b", "rv-queue", TEXT_B);
	log_in("rosa", &rosa);
	consent_text(&rosa, "rv-queue");
	c = contribute_ok(&rosa, "rosa-c", "rv-queue", TEXT_C);

	/* The oldest first, as the API draws it. */
	next_item(&rita, "rv-queue", &r);
	j = expect_json(&r, 200, "rita's first item");
	it = json_object_get(j, "item");
	ck_assert_int_eq(jint(it, "id"), a);
	ck_assert_str_eq(jstr(it, "campaign"), "rv-queue");
	ck_assert_str_eq(jstr(it, "kind"), "text");
	ck_assert_str_eq(jstr(it, "text"), TEXT_A);
	ck_assert(json_is_null(json_object_get(it, "prompt")));
	ck_assert(json_is_null(json_object_get(it, "audio")));
	ck_assert(json_is_integer(json_object_get(it, "votes")));
	ck_assert_int_eq(jint(it, "votes"), 0);
	ck_assert_int_gt(jint(it, "created_at"), 0);
	ck_assert_int_eq(jint(it, "revision"), 1);
	ck_assert(json_is_integer(json_object_get(j, "today")));
	ck_assert_int_eq(jint(j, "today"), 0);
	json_decref(j);
	tu_resp_free(&r);

	/* Refused before anything is written. */
	vote(&rita, NULL, a, "up", NULL, NULL, &r);
	expect_error(&r, 400, "invalid", "a vote without Idempotency-Key");
	tu_resp_free(&r);
	vote_refused(&rita, "rita-bad", a, "down", NULL, NULL, 400, "invalid",
	    "a down vote without a reason");
	vote_refused(&rita, "rita-bad", a, "down", "other", NULL, 400,
	    "invalid", "\"other\" without a note");
	vote_refused(&rita, "rita-bad", a, "up", "noise", NULL, 400, "invalid",
	    "a reason on an up vote");
	vote_refused(&rita, "rita-bad", a, "down", "too_loud", NULL, 400,
	    "invalid", "an unknown reason");
	vote_refused(&rita, "rita-bad", a, "sideways", NULL, NULL, 400,
	    "invalid", "neither up nor down");
	vote_refused(&rita, "rita-nothing", 99999999, "up", NULL, NULL, 404,
	    "not_found", "a vote on nothing");
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM reviews WHERE account_id = ?1",
		rita.id, NULL),
	    0);

	/* A vote: 201; the same key again: 200, the same bytes. */
	vote(&rita, "rita-a", a, "up", NULL, NULL, &r);
	j = expect_json(&r, 201, "rita's vote on A");
	rv = json_object_get(j, "review");
	ck_assert_int_gt(jint(rv, "id"), 0);
	ck_assert_int_eq(jint(rv, "contribution"), a);
	ck_assert_str_eq(jstr(rv, "vote"), "up");
	ck_assert(json_is_null(json_object_get(rv, "reason")));
	ck_assert(json_is_null(json_object_get(rv, "note")));
	ck_assert_int_gt(jint(rv, "created_at"), 0);
	ck_assert_str_eq(jstr(j, "status"), "pending"); /* min_votes 2 */
	ck_assert_int_eq(jint(json_object_get(j, "votes"), "up"), 1);
	ck_assert_int_eq(jint(json_object_get(j, "votes"), "down"), 0);
	ck_assert_int_eq(jint(j, "today"), 1);
	json_decref(j);
	vote(&rita, "rita-a", a, "up", NULL, NULL, &r2);
	ck_assert_msg(
	    r2.status == 200, "the replay: %ld %.300s", r2.status, r2.body);
	ck_assert_msg(r2.n == r.n && memcmp(r.body, r2.body, r.n) == 0,
	    "the replay differs:\n%s\n%s", r.body, r2.body);
	tu_resp_free(&r);
	tu_resp_free(&r2);
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM reviews WHERE contribution_id = ?1", a,
		NULL),
	    1);
	ck_assert_int_eq(
	    db_int("SELECT votes_up FROM contributions WHERE id = ?1", a, NULL),
	    1);
	/* Another key on the same item; her key for another vote. */
	vote_refused(&rita, "rita-a2", a, "up", NULL, NULL, 409, "second_vote",
	    "a second vote with another key");
	vote_refused(&rita, "rita-a", a, "down", "noise", NULL, 409,
	    "idempotency_mismatch", "her key for another vote");
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM reviews WHERE account_id = ?1",
		rita.id, NULL),
	    1);

	/* Rosa gave C: she never sees it, and may not vote on it. */
	ck_assert_int_eq(next_id(&rosa, "rv-queue"), a); /* most votes */
	vote_refused(&rosa, "rosa-own", c, "up", NULL, NULL, 403, "own_item",
	    "a vote on her own item");
	vote_ok(&rosa, "rosa-a", a, "up", NULL, "validated");
	/* A is decided: a third reviewer is too late. */
	log_in("remy", &remy);
	vote_refused(&remy, "remy-a", a, "down", "noise", NULL, 409,
	    "already_decided", "a vote on a validated item");
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM reviews WHERE contribution_id = ?1", a,
		NULL),
	    2);

	/* Cora takes B back: nobody votes on it. */
	withdraw(&cora, b);
	vote_refused(&rita, "rita-b", b, "up", NULL, NULL, 409, "withdrawn",
	    "a vote on a withdrawn item");

	/* An item in Akan: not hers to judge. */
	consent_text(&cora, "rv-ak");
	d = contribute_ok(&cora, "cora-ak", "rv-ak", "Akwaaba.");
	vote_refused(&rita, "rita-ak", d, "up", NULL, NULL, 403,
	    "not_your_language", "a vote in Akan");
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM reviews WHERE contribution_id = ?1", d,
		NULL),
	    0);

	/* Only C is left for Rita; then nothing. */
	ck_assert_int_eq(next_id(&rita, "rv-queue"), c);
	vote(&rita, "rita-c", c, "down", "other", "it mumbles", &r);
	j = expect_json(&r, 201, "rita's vote on C");
	rv = json_object_get(j, "review");
	ck_assert_str_eq(jstr(rv, "reason"), "other");
	ck_assert_str_eq(jstr(rv, "note"), "it mumbles");
	ck_assert_int_eq(jint(j, "today"), 2);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(next_id(&rita, "rv-queue"), 0);

	/* Her campaigns: those in her languages, and today's count. */
	j = get_ok(&rita, "/api/v1/review/campaigns");
	ck_assert_int_eq(jint(j, "today"), 2);
	ck_assert_ptr_nonnull(
	    find_str(json_object_get(j, "campaigns"), "slug", "rv-queue"));
	ck_assert_ptr_null(
	    find_str(json_object_get(j, "campaigns"), "slug", "rv-ak"));
	json_array_foreach(json_object_get(j, "campaigns"), i, it)
	{
		ck_assert_str_eq(jstr(it, "language"), "ee");
		ck_assert_msg(json_object_get(it, "prompts") == NULL,
		    "the review list carries prompts: %.300s", r.body);
		ck_assert_ptr_nonnull(json_object_get(it, "review"));
	}
	ck_assert_uint_eq(json_array_size(json_object_get(j, "languages")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(j, "languages"), 0)),
	    "ee");
	json_decref(j);
	/* Remy's refused vote was not counted. */
	j = get_ok(&remy, "/api/v1/review/campaigns");
	ck_assert_int_eq(jint(j, "today"), 0);
	json_decref(j);
}
END_TEST

/* --- a reviewer's languages --- */

START_TEST(test_languages)
{
	struct tu_resp r;
	struct who mia, lena;
	char path[96];
	long long root_id;
	json_t *j, *a, *l, *e;
	size_t i;
	int found = 0;

	log_in("mia", &mia);
	log_in("lena", &lena);
	/* None yet: no campaign of hers to review. */
	j = get_ok(&lena, "/api/v1/me");
	l = json_object_get(json_object_get(j, "account"), "languages");
	ck_assert_msg(json_is_array(l) && json_array_size(l) == 0,
	    "lena's languages before: %s", json_dumps(j, JSON_COMPACT));
	json_decref(j);
	next_item(&lena, "rv-lang", &r);
	expect_error(&r, 403, "not_your_language", "lena before");
	tu_resp_free(&r);

	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/languages", lena.id);
	as(&mia, "POST", path, "{\"languages\":[\"EE\",\"ak\",\"ee\"]}", &r);
	j = expect_json(&r, 200, "mia sets lena's languages");
	a = json_object_get(j, "account");
	ck_assert_int_eq(jint(a, "id"), lena.id);
	l = json_object_get(a, "languages");
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_str_eq(json_string_value(json_array_get(l, 0)), "ee");
	ck_assert_str_eq(json_string_value(json_array_get(l, 1)), "ak");
	json_decref(j);
	tu_resp_free(&r);
	/* She sees them, and may now review in Ewe. */
	j = get_ok(&lena, "/api/v1/me");
	l = json_object_get(json_object_get(j, "account"), "languages");
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_str_eq(json_string_value(json_array_get(l, 0)), "ee");
	ck_assert_str_eq(json_string_value(json_array_get(l, 1)), "ak");
	json_decref(j);
	ck_assert_int_eq(next_id(&lena, "rv-lang"), 0); /* Akan, empty */

	/* A tag that is not one: named, and nothing changes. */
	as(&mia, "POST", path, "{\"languages\":[\"ee\",\"not a tag\"]}", &r);
	expect_error(&r, 400, "invalid", "a bad tag");
	expect_message(&r, "not a tag");
	tu_resp_free(&r);
	expect_refusal(
	    &mia, "POST", path, "{\"languages\":\"ee\"}", 400, "invalid");
	j = get_ok(&lena, "/api/v1/me");
	ck_assert_uint_eq(json_array_size(json_object_get(
			      json_object_get(j, "account"), "languages")),
	    2);
	json_decref(j);

	/* Not over an admin; not on nobody. */
	root_id =
	    db_int("SELECT id FROM accounts WHERE handle = 'root'", 0, NULL);
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/languages", root_id);
	expect_refusal(
	    &mia, "POST", path, "{\"languages\":[\"ak\"]}", 403, "forbidden");
	ck_assert_int_eq(db_int("SELECT coalesce(languages, '') = '' OR "
				"languages = '[]' FROM accounts WHERE id = ?1",
			     root_id, NULL),
	    1);
	expect_refusal(&mia, "POST", "/api/v1/accounts/99999999/languages",
	    "{\"languages\":[\"ak\"]}", 404, "not_found");

	/* Audited, with mia as the actor. */
	snprintf(path, sizeof(path), "/api/v1/audit?subject=%lld", lena.id);
	j = get_ok(&mia, path);
	json_array_foreach(json_object_get(j, "entries"), i, e)
	{
		if (strcmp(jstr(e, "action"), "account.languages") != 0)
			continue;
		found++;
		ck_assert_int_eq(jint(e, "subject_id"), lena.id);
		ck_assert_str_eq(jstr(e, "actor"), "mia");
	}
	ck_assert_int_eq(found, 1);
	json_decref(j);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action = "
				"'account.languages' AND subject_id = ?1 AND "
				"actor_id = (SELECT id FROM accounts WHERE "
				"handle = ?2)",
			     lena.id, "mia"),
	    1);
}
END_TEST

/* --- prompts --- */

/* POST the file ${body} as ${ctype} to ${slug}'s import with ${query}. */
static long
import(const struct who *w, const char *slug, const char *query,
    const char *ctype, const char *body, size_t n, struct tu_resp *r)
{
	char path[300];

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/prompts/import%s",
	    slug, query);
	return (send_raw(w, "POST", path, NULL, ctype, body, n, r));
}

/* ${slug}'s prompts as the maintainer's list has them (to decref). */
static json_t *
prompts_of(const struct who *w, const char *slug)
{
	char path[200];
	json_t *j, *l;

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/prompts", slug);
	j = get_ok(w, path);
	l = json_incref(json_object_get(j, "prompts"));
	ck_assert_msg(json_is_array(l), "no prompts array");
	json_decref(j);
	return (l);
}

START_TEST(test_prompt_import)
{
	static const char plain[] = "Akwaaba.\n"
				    "Wo ho te s\xc9\x9bn?\n"
				    "\n"
				    "Akwaaba.\n";
	static const char csv[] = "source,text,licence\r\n"
				  "book one,\"Hello, world\",cc-by-4.0\r\n"
				  ",Plain one,\r\n";
	struct tu_resp r;
	struct who mia;
	char *bad;
	json_t *j, *l, *p, *lines;
	size_t n;

	log_in("mia", &mia);
	import(&mia, "rv-import", "?licence=cc0-1.0", "text/plain", plain,
	    strlen(plain), &r);
	j = expect_json(&r, 200, "a text import");
	ck_assert_int_eq(jint(j, "imported"), 2);
	ck_assert_int_eq(jint(j, "duplicates"), 1);
	json_decref(j);
	tu_resp_free(&r);
	l = prompts_of(&mia, "rv-import");
	ck_assert_uint_eq(json_array_size(l), 2);
	p = find_str(l, "text", "Wo ho te s\xc9\x9bn?");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(jstr(p, "licence"), "cc0-1.0");
	ck_assert(json_is_false(json_object_get(p, "retired")));
	ck_assert_int_eq(jint(p, "uses"), 0);
	ck_assert_ptr_nonnull(find_str(l, "text", "Akwaaba."));
	json_decref(l);

	/* Line 2 is too long: named, and not even line 1 goes in. */
	n = strlen("Fresh line one.\n") + 1001 + strlen("\nFresh three.\n");
	ck_assert_ptr_nonnull(bad = malloc(n + 1));
	strcpy(bad, "Fresh line one.\n");
	memset(bad + strlen(bad), 'a', 1001);
	strcpy(bad + strlen("Fresh line one.\n") + 1001, "\nFresh three.\n");
	import(&mia, "rv-import", "?licence=cc0-1.0", "text/plain", bad, n, &r);
	free(bad);
	j = expect_json(&r, 400, "an import with a long line");
	ck_assert_str_eq(jstr(json_object_get(j, "error"), "code"), "invalid");
	lines = json_object_get(json_object_get(j, "error"), "lines");
	ck_assert_msg(json_is_array(lines) && json_array_size(lines) == 1,
	    "error.lines: %.400s", r.body);
	ck_assert_int_eq(jint(json_array_get(lines, 0), "line"), 2);
	ck_assert_ptr_nonnull(jstr(json_array_get(lines, 0), "message"));
	json_decref(j);
	tu_resp_free(&r);
	/* Not UTF-8 on line 3. */
	import(&mia, "rv-import", "?licence=cc0-1.0", "text/plain",
	    "Fresh one.\nFresh two.\n\xff\xfe bytes\n", 27, &r);
	j = expect_json(&r, 400, "an import with a line not UTF-8");
	lines = json_object_get(json_object_get(j, "error"), "lines");
	ck_assert_msg(json_is_array(lines) && json_array_size(lines) == 1,
	    "error.lines: %.400s", r.body);
	ck_assert_int_eq(jint(json_array_get(lines, 0), "line"), 3);
	json_decref(j);
	tu_resp_free(&r);
	/* No licence: every line refused. */
	import(&mia, "rv-import", "", "text/plain", "Fresh one.\n", 11, &r);
	j = expect_json(&r, 400, "an import without a licence");
	lines = json_object_get(json_object_get(j, "error"), "lines");
	ck_assert_msg(json_is_array(lines) && json_array_size(lines) == 1 &&
		jint(json_array_get(lines, 0), "line") == 1,
	    "error.lines: %.400s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	l = prompts_of(&mia, "rv-import");
	ck_assert_uint_eq(json_array_size(l), 2);
	ck_assert_ptr_null(find_str(l, "text", "Fresh line one."));
	ck_assert_ptr_null(find_str(l, "text", "Fresh one."));
	json_decref(l);

	/* CSV: a header in another order, a quoted comma, empty cells
	** taking the query's licence. */
	import(&mia, "rv-import", "?licence=cc0-1.0", "text/csv", csv,
	    strlen(csv), &r);
	j = expect_json(&r, 200, "a CSV import");
	ck_assert_int_eq(jint(j, "imported"), 2);
	ck_assert_int_eq(jint(j, "duplicates"), 0);
	json_decref(j);
	tu_resp_free(&r);
	l = prompts_of(&mia, "rv-import");
	ck_assert_uint_eq(json_array_size(l), 4);
	p = find_str(l, "text", "Hello, world");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(jstr(p, "licence"), "cc-by-4.0");
	ck_assert_str_eq(jstr(p, "source"), "book one");
	p = find_str(l, "text", "Plain one");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(jstr(p, "licence"), "cc0-1.0");
	json_decref(l);

	/* Another type; another campaign. */
	import(&mia, "rv-import", "?licence=cc0-1.0", "application/xml",
	    "<p>One</p>", 10, &r);
	expect_error(&r, 415, "unsupported", "an XML import");
	tu_resp_free(&r);
	import(&mia, "no-such-drive", "?licence=cc0-1.0", "text/plain", "One\n",
	    4, &r);
	expect_error(&r, 404, "not_found", "an import to nothing");
	tu_resp_free(&r);

	/* Two imports, two audit rows. */
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action = "
				"'prompts.imported' AND subject_id = (SELECT "
				"id FROM campaigns WHERE slug = 'rv-import')",
			     0, NULL),
	    2);
}
END_TEST

/* Mia adds ${text} to ${slug}: its id. */
static long long
add_prompt(const struct who *mia, const char *slug, const char *text)
{
	struct tu_resp r;
	char path[200];
	json_t *b, *j, *p;
	char *s;
	long long id;

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/prompts", slug);
	b = json_pack("{s:s,s:s}", "text", text, "licence", "cc0-1.0");
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	as(mia, "POST", path, s, &r);
	free(s);
	j = expect_json(&r, 201, text);
	p = json_object_get(j, "prompt");
	id = jint(p, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(p, "text"), text);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* ${w}'s next prompt in ${slug}: its id (0 for a 204), its text in
** ${text} (may be NULL). */
static long long
next_prompt(const struct who *w, const char *slug, char *text, size_t n)
{
	struct tu_resp r;
	char path[200];
	long long id;
	json_t *j, *p;

	snprintf(path, sizeof(path), "/api/v1/campaigns/%s/prompt", slug);
	if (as(w, "GET", path, NULL, &r) == 204) {
		ck_assert_uint_eq(r.n, 0);
		tu_resp_free(&r);
		return (0);
	}
	j = expect_json(&r, 200, path);
	p = json_object_get(j, "prompt");
	id = jint(p, "id");
	ck_assert_int_gt(id, 0);
	if (text != NULL)
		snprintf(text, n, "%s", jstr(p, "text"));
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

#define P1 "Count from one to ten."
#define P2 "Name three rivers."
#define P3 "Describe your market."

START_TEST(test_prompt_flow)
{
	struct tu_resp r;
	struct who mia, pia, quin;
	long long p1, p2, p3, po, id;
	char text[200], path[96];
	json_t *j, *c, *l;

	log_in("mia", &mia);
	p1 = add_prompt(&mia, "rv-prompt", P1);
	p2 = add_prompt(&mia, "rv-prompt", P2);
	p3 = add_prompt(&mia, "rv-prompt", P3);
	po = add_prompt(&mia, "rv-import", "Another drive's prompt.");
	/* The same text again in the same campaign. */
	expect_refusal(&mia, "POST", "/api/v1/campaigns/rv-prompt/prompts",
	    "{\"text\":\"" P1 "\",\"licence\":\"cc0-1.0\"}", 409, "duplicate");

	join("pia", &pia);
	consent_text(&pia, "rv-prompt");
	/* All unused: the oldest. */
	ck_assert_int_eq(
	    next_prompt(&pia, "rv-prompt", text, sizeof(text)), p1);
	ck_assert_str_eq(text, P1);

	/* Given with prompt_id: the prompt stored is that prompt's text. */
	contribute(&pia, "pia-1", "rv-prompt", "One, two, three...", p1, &r);
	j = expect_json(&r, 201, "a contribution to prompt 1");
	c = json_object_get(j, "contribution");
	id = jint(c, "id");
	ck_assert_str_eq(jstr(c, "prompt"), P1);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    db_int(
		"SELECT prompt_id FROM contributions WHERE id = ?1", id, NULL),
	    p1);
	ck_assert_int_eq(db_int("SELECT prompt = ?2 FROM "
				"contribution_revisions WHERE "
				"contribution_id = ?1 AND revision = 1",
			     id, P1),
	    1);
	/* The same prompt again, under a new key. */
	contribute(&pia, "pia-1b", "rv-prompt", "Again: one, two...", p1, &r);
	expect_error(&r, 409, "prompt_done", "the same prompt twice");
	tu_resp_free(&r);
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM contributions WHERE account_id = ?1",
		pia.id, NULL),
	    1);

	/* Pia is offered the next; Quin the least used, not the oldest. */
	ck_assert_int_eq(next_prompt(&pia, "rv-prompt", NULL, 0), p2);
	join("quin", &quin);
	ck_assert_int_eq(
	    next_prompt(&quin, "rv-prompt", text, sizeof(text)), p2);
	ck_assert_str_eq(text, P2);

	/* No such prompt; another campaign's. */
	contribute(&pia, "pia-x", "rv-prompt", "Anything.", 99999999, &r);
	expect_error(&r, 404, "no_such_prompt", "an unknown prompt_id");
	tu_resp_free(&r);
	contribute(&pia, "pia-o", "rv-prompt", "Anything.", po, &r);
	expect_error(&r, 404, "no_such_prompt", "another campaign's prompt");
	tu_resp_free(&r);

	/* Retired: no longer offered or taken. */
	snprintf(path, sizeof(path), "/api/v1/prompts/%lld", p3);
	as(&mia, "POST", path, "{\"retired\":true}", &r);
	j = expect_json(&r, 200, "retiring prompt 3");
	ck_assert_int_eq(jint(json_object_get(j, "prompt"), "id"), p3);
	ck_assert(json_is_true(
	    json_object_get(json_object_get(j, "prompt"), "retired")));
	json_decref(j);
	tu_resp_free(&r);
	contribute(&pia, "pia-3", "rv-prompt", "Busy and loud.", p3, &r);
	expect_error(&r, 404, "no_such_prompt", "a retired prompt");
	tu_resp_free(&r);

	/* Pia does prompt 2: nothing is left for her. */
	contribute(&pia, "pia-2", "rv-prompt", "Volta, Oti, Pra.", p2, &r);
	j = expect_json(&r, 201, "a contribution to prompt 2");
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contribution"), "prompt"), P2);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(next_prompt(&pia, "rv-prompt", NULL, 0), 0);

	/* The maintainer's list: uses counted, the retired one last. */
	l = prompts_of(&mia, "rv-prompt");
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_int_eq(jint(find_id(l, p1), "uses"), 1);
	ck_assert_int_eq(jint(find_id(l, p2), "uses"), 1);
	ck_assert_int_eq(jint(json_array_get(l, 2), "id"), p3);
	ck_assert(
	    json_is_true(json_object_get(json_array_get(l, 2), "retired")));
	json_decref(l);
	/* Restored, it is offered again. */
	as(&mia, "POST", path, "{\"retired\":false}", &r);
	j = expect_json(&r, 200, "restoring prompt 3");
	ck_assert(json_is_false(
	    json_object_get(json_object_get(j, "prompt"), "retired")));
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(next_prompt(&pia, "rv-prompt", NULL, 0), p3);
	/* The campaign list carries the live ones, least used first. */
	j = get_ok(NULL, "/api/v1/campaigns");
	l = json_object_get(
	    find_str(json_object_get(j, "campaigns"), "slug", "rv-prompt"),
	    "prompts");
	ck_assert_uint_eq(json_array_size(l), 3);
	ck_assert_int_eq(jint(json_array_get(l, 0), "id"), p3);
	ck_assert_str_eq(jstr(json_array_get(l, 0), "text"), P3);
	json_decref(j);
	expect_refusal(&mia, "POST", "/api/v1/prompts/99999999",
	    "{\"retired\":true}", 404, "not_found");
	expect_refusal(
	    &mia, "POST", path, "{\"retired\":\"yes\"}", 400, "invalid");
	expect_refusal(&pia, "GET", "/api/v1/campaigns/no-such-drive/prompt",
	    NULL, 404, "not_found");
}
END_TEST

/* --- campaigns: saving, closing, card sheets --- */

#define DEF_NEW                                                                \
	"{\"slug\":\"rv-new\",\"title\":\"%s\",\"language\":\"ee\","           \
	"\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"       \
	"[\"publish_text\"],\"minimum_age\":16,\"max_chars\":500,"             \
	"\"review\":{\"min_votes\":3,\"rule\":\"unanimous\"}}"

/* POST /api/v1/campaigns of ${def} is 400 invalid naming ${field}. */
static void
expect_bad_def(const struct who *mia, const char *def, const char *field)
{
	struct tu_resp r;
	json_t *j;
	const char *f;

	as(mia, "POST", "/api/v1/campaigns", def, &r);
	expect_error(&r, 400, "invalid", def);
	j = jbody(&r);
	f = jstr(json_object_get(j, "error"), "field");
	ck_assert_msg(f != NULL && strcmp(f, field) == 0,
	    "error.field is %s, want %s: %.300s", f ? f : "(none)", field,
	    r.body);
	json_decref(j);
	tu_resp_free(&r);
}

START_TEST(test_campaigns)
{
	struct tu_resp r;
	struct who mia, nia, card;
	char def[800], codes[2][CARD_CODE_LEN + 1], login[128], *ct;
	const char *p, *q;
	long long id;
	int ncodes = 0;
	json_t *j, *c;

	log_in("mia", &mia);
	expect_bad_def(&mia,
	    "{\"slug\":\"Bad Slug\",\"title\":\"T\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16}",
	    "slug");
	expect_bad_def(&mia,
	    "{\"slug\":\"rv-bad\",\"title\":\"T\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"]}",
	    "minimum_age");
	expect_bad_def(&mia,
	    "{\"slug\":\"rv-bad\",\"title\":\"T\",\"language\":\"ee\","
	    "\"kind\":\"video\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16}",
	    "kind");
	expect_bad_def(&mia,
	    "{\"slug\":\"rv-bad\",\"title\":\"T\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"review\":"
	    "{\"min_votes\":0}}",
	    "review");
	expect_bad_def(&mia,
	    "{\"slug\":\"rv-bad\",\"title\":\"T\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"colour\":\"red\"}",
	    "colour");
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM campaigns WHERE slug = 'rv-bad'", 0,
		NULL),
	    0);

	/* A good one: created, then updated by its slug. */
	snprintf(def, sizeof(def), DEF_NEW, "New drive");
	as(&mia, "POST", "/api/v1/campaigns", def, &r);
	j = expect_json(&r, 200, "a new campaign");
	c = json_object_get(j, "campaign");
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "slug"), "rv-new");
	ck_assert_str_eq(jstr(c, "title"), "New drive");
	ck_assert_int_eq(jint(c, "max_chars"), 500);
	ck_assert(json_is_true(json_object_get(c, "open")));
	ck_assert_int_eq(jint(json_object_get(c, "review"), "min_votes"), 3);
	ck_assert_str_eq(
	    jstr(json_object_get(c, "review"), "rule"), "unanimous");
	json_decref(j);
	tu_resp_free(&r);
	snprintf(def, sizeof(def), DEF_NEW, "New drive, renamed");
	as(&mia, "POST", "/api/v1/campaigns", def, &r);
	j = expect_json(&r, 200, "the campaign again");
	c = json_object_get(j, "campaign");
	ck_assert_int_eq(jint(c, "id"), id);
	ck_assert_str_eq(jstr(c, "title"), "New drive, renamed");
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action = "
				"'campaign.imported' AND subject_id = ?1 AND "
				"actor_id = (SELECT id FROM accounts WHERE "
				"handle = ?2)",
			     id, "mia"),
	    2);

	/* A sheet of two cards: two codes that work. */
	as(&mia, "POST", "/api/v1/campaigns/rv-new/cards", "{\"count\":2}", &r);
	ck_assert_msg(r.status == 200, "cards: %ld %.300s", r.status, r.body);
	ct = tu_header(&r, "Content-Type");
	ck_assert_msg(ct != NULL && strncmp(ct, "text/html", 9) == 0,
	    "the sheet is %s", ct ? ct : "(no type)");
	free(ct);
	for (p = r.body; (p = strstr(p, "<div class=\"code\">")) != NULL;) {
		p += strlen("<div class=\"code\">");
		q = strstr(p, "</div>");
		ck_assert_ptr_nonnull(q);
		ck_assert_msg(
		    q - p == CARD_CODE_LEN, "a code \"%.*s\"", (int)(q - p), p);
		ck_assert_int_lt(ncodes, 2);
		memcpy(codes[ncodes], p, CARD_CODE_LEN);
		codes[ncodes++][CARD_CODE_LEN] = '\0';
	}
	ck_assert_int_eq(ncodes, 2);
	ck_assert_str_ne(codes[0], codes[1]);
	ck_assert_msg(strstr(r.body, srv.base) != NULL,
	    "the sheet does not point at %s", srv.base);
	tu_resp_free(&r);
	snprintf(login, sizeof(login), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}",
	    codes[1]);
	as(NULL, "POST", "/api/v1/login", login, &r);
	ck_assert_msg(
	    r.status == 201, "the printed card: %ld %.300s", r.status, r.body);
	take_session(&r, &card);
	tu_resp_free(&r);
	expect_refusal(&mia, "POST", "/api/v1/campaigns/rv-new/cards",
	    "{\"count\":0}", 400, "invalid");
	expect_refusal(&mia, "POST", "/api/v1/campaigns/rv-new/cards",
	    "{\"count\":201}", 400, "invalid");
	expect_refusal(&mia, "POST", "/api/v1/campaigns/no-such-drive/cards",
	    "{\"count\":1}", 404, "not_found");

	/* Closed: no contribution after. */
	join("nia", &nia);
	consent_text(&nia, "rv-new");
	contribute_ok(&nia, "nia-1", "rv-new", "Before the end.");
	as(&mia, "POST", "/api/v1/campaigns/rv-new/close", "{}", &r);
	j = expect_json(&r, 200, "closing rv-new");
	c = json_object_get(j, "campaign");
	ck_assert_int_eq(jint(c, "id"), id);
	ck_assert(json_is_false(json_object_get(c, "open")));
	ck_assert_int_gt(jint(c, "ends_at"), 0);
	json_decref(j);
	tu_resp_free(&r);
	contribute(&nia, "nia-2", "rv-new", "After the end.", 0, &r);
	expect_error(&r, 403, "campaign_closed", "a contribution after close");
	tu_resp_free(&r);
	ck_assert_int_eq(
	    db_int("SELECT count(*) FROM contributions WHERE account_id = ?1",
		nia.id, NULL),
	    1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action = "
				"'campaign.closed' AND subject_id = ?1",
			     id, NULL),
	    1);
	j = get_ok(NULL, "/api/v1/campaigns");
	c = find_str(json_object_get(j, "campaigns"), "slug", "rv-new");
	ck_assert_ptr_nonnull(c);
	ck_assert(json_is_false(json_object_get(c, "open")));
	json_decref(j);
	expect_refusal(&mia, "POST", "/api/v1/campaigns/no-such-drive/close",
	    "{}", 404, "not_found");

	/* Not started yet: closed too. */
	as(&mia, "POST", "/api/v1/campaigns",
	    "{\"slug\":\"rv-later\",\"title\":\"Later\",\"language\":"
	    "\"ee\",\"kind\":\"text\",\"consent\":\"general\","
	    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
	    "\"starts_at\":\"2999-01-01\"}",
	    &r);
	j = expect_json(&r, 200, "a campaign that starts later");
	ck_assert(json_is_false(
	    json_object_get(json_object_get(j, "campaign"), "open")));
	json_decref(j);
	tu_resp_free(&r);
	consent_text(&nia, "rv-later");
	contribute(&nia, "nia-3", "rv-later", "Too early.", 0, &r);
	expect_error(&r, 403, "campaign_closed", "a contribution too early");
	tu_resp_free(&r);
}
END_TEST

/* --- a maintainer's corrections and decisions --- */

/* ${seconds} of a voice-like sweep with noise at 16 kHz as a WAV
** (malloc'd, ${len} bytes). */
static uint8_t *
voice_wav(double seconds, size_t *len)
{
	size_t n = (size_t)(seconds * 16000), i;
	int16_t *s = malloc(n * sizeof(*s));
	uint32_t x = 2463534242u;
	double phase = 0;
	uint8_t *w;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		phase +=
		    2 * M_PI * (200 + 600.0 * (double)i / (double)n) / 16000;
		s[i] = (int16_t)(6000 * sin(phase) + (int)(x % 4001) - 2000);
	}
	w = wav_write_mono16(s, n, 16000, len);
	free(s);
	ck_assert_ptr_nonnull(w);
	return (w);
}

/* The audit entries of subject ${id} as mia reads them (to decref); the
** chain's state must be intact. */
static json_t *
audit_of(const struct who *mia, long long id)
{
	char path[96];
	json_t *j, *ch, *e, *x;
	size_t i;

	snprintf(path, sizeof(path), "/api/v1/audit?subject=%lld", id);
	j = get_ok(mia, path);
	ch = json_object_get(j, "chain");
	ck_assert_msg(jstr(ch, "state") != NULL &&
		strcmp(jstr(ch, "state"), "intact") == 0,
	    "the audit chain is %s", jstr(ch, "state"));
	ck_assert_int_gt(jint(ch, "rows"), 0);
	ck_assert(json_is_null(json_object_get(ch, "bad_id")));
	ck_assert_uint_eq(strlen(jstr(ch, "head")), 64);
	e = json_incref(json_object_get(j, "entries"));
	json_array_foreach(e, i, x)
	{
		ck_assert_int_gt(jint(x, "id"), 0);
		ck_assert_int_gt(jint(x, "at"), 0);
		ck_assert_int_eq(jint(x, "subject_id"), id);
		ck_assert(json_is_object(json_object_get(x, "detail")));
	}
	json_decref(j);
	return (e);
}

START_TEST(test_maintainer)
{
	struct tu_resp r;
	struct who mia, mo;
	long long t1, t2, t3, rec;
	char path[96], dbpath[800];
	uint8_t *wav;
	size_t wlen, i;
	const char *t;
	json_t *j, *c, *e, *d, *ent;
	int found = 0;

	log_in("mia", &mia);
	join("moses", &mo);
	consent_text(&mo, "rv-maint");
	t1 = contribute_ok(&mo, "mo-1", "rv-maint", "The frist text.");
	t2 = contribute_ok(&mo, "mo-2", "rv-maint", "Off the topic.");
	t3 = contribute_ok(&mo, "mo-3", "rv-maint", "Taken back later.");

	/* A correction: revision 2, redacted again, the old text erased. */
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/correct", t1);
	as(&mia, "POST", path,
	    "{\"text\":\"The first text; write to " EMAIL
	    ".\",\"reason\":\"a typo\"}",
	    &r);
	j = expect_json(&r, 200, "a correction");
	c = json_object_get(j, "contribution");
	ck_assert_int_eq(jint(c, "id"), t1);
	ck_assert_int_eq(jint(c, "revision"), 2);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	t = jstr(c, "text");
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "[EMAIL]") != NULL && strstr(t, EMAIL) == NULL,
	    "the corrected text: \"%s\"", t);
	ck_assert_msg(strncmp(t, "The first text; write to ", 25) == 0,
	    "the corrected text: \"%s\"", t);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contribution_revisions "
				"WHERE contribution_id = ?1 AND revision = 1 "
				"AND text IS NULL",
			     t1, NULL),
	    1);
	ck_assert_int_eq(db_int("SELECT instr(text, '[EMAIL]') > 0 FROM "
				"contribution_revisions WHERE "
				"contribution_id = ?1 AND revision = 2",
			     t1, NULL),
	    1);
	/* The address was never written (the old text may still be in the
	** WAL until a checkpoint: the table is what is checked for it). */
	snprintf(dbpath, sizeof(dbpath), "%s/node.db", maindir);
	tu_expect_not_on_disk(dbpath, EMAIL);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/correct", t1);
	expect_refusal(
	    &mia, "POST", path, "{\"reason\":\"no text\"}", 400, "invalid");
	expect_refusal(&mia, "POST", "/api/v1/contributions/99999999/correct",
	    "{\"text\":\"x\"}", 404, "not_found");

	/* A recording is rejected, not corrected. */
	consent(&mo, "rv-voice", "[\"publish_voice\"]");
	wav = voice_wav(2.0, &wlen);
	send_raw(&mo, "POST", "/api/v1/contributions?campaign=rv-voice",
	    "mo-voice", "audio/wav", wav, wlen, &r);
	free(wav);
	j = expect_json(&r, 201, "a recording");
	rec = jint(json_object_get(j, "contribution"), "id");
	ck_assert_int_gt(rec, 0);
	json_decref(j);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/correct", rec);
	expect_refusal(
	    &mia, "POST", path, "{\"text\":\"words\"}", 409, "not_text");

	/* A decision needs a reason, and is audited. */
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", t2);
	expect_refusal(
	    &mia, "POST", path, "{\"status\":\"rejected\"}", 400, "invalid");
	expect_refusal(&mia, "POST", path,
	    "{\"status\":\"rejected\",\"reason\":\"\"}", 400, "invalid");
	expect_refusal(&mia, "POST", path,
	    "{\"status\":\"withdrawn\",\"reason\":\"why not\"}", 400,
	    "invalid");
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action = "
				"'contribution.decided' AND subject_id = ?1",
			     t2, NULL),
	    0);
	as(&mia, "POST", path,
	    "{\"status\":\"rejected\",\"reason\":\"not about the topic\"}", &r);
	j = expect_json(&r, 200, "a decision");
	c = json_object_get(j, "contribution");
	ck_assert_int_eq(jint(c, "id"), t2);
	ck_assert_str_eq(jstr(c, "status"), "rejected");
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    db_int(
		"SELECT status = 'rejected' FROM contributions WHERE id = ?1",
		t2, NULL),
	    1);
	e = audit_of(&mia, t2);
	json_array_foreach(e, i, ent)
	{
		if (strcmp(jstr(ent, "action"), "contribution.decided") != 0)
			continue;
		found++;
		ck_assert_int_eq(jint(ent, "subject_id"), t2);
		ck_assert_str_eq(jstr(ent, "actor"), "mia");
		d = json_object_get(ent, "detail");
		ck_assert_str_eq(jstr(d, "reason"), "not about the topic");
		ck_assert_str_eq(jstr(d, "to"), "rejected");
		ck_assert_str_eq(jstr(d, "from"), "pending");
	}
	ck_assert_int_eq(found, 1);
	json_decref(e);
	/* The correction was audited too. */
	e = audit_of(&mia, t1);
	ck_assert_msg(find_str(e, "action", "contribution.corrected") != NULL,
	    "no contribution.corrected entry for %lld", t1);
	json_decref(e);

	/* Withdrawn: neither corrected nor decided. */
	withdraw(&mo, t3);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", t3);
	expect_refusal(&mia, "POST", path,
	    "{\"status\":\"validated\",\"reason\":\"fine\"}", 409, "withdrawn");
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/correct", t3);
	expect_refusal(
	    &mia, "POST", path, "{\"text\":\"fixed\"}", 409, "withdrawn");
	expect_refusal(&mia, "POST", "/api/v1/contributions/99999999/decision",
	    "{\"status\":\"validated\",\"reason\":\"fine\"}", 404, "not_found");
}
END_TEST

/* --- the drive's figures, corrections and lists --- */

/* A maintainer's correction is redacted as its drive says: a drive that
** keeps names keeps the name the corrected text holds, and still removes
** an address; any other drive turns it into [NAME]. */
START_TEST(test_correction_names)
{
	struct tu_resp r;
	struct who mia, mo;
	long long kept, other;
	char path[96];
	const char *t;
	json_t *j;

	log_in("mia", &mia);
	join("nana", &mo);
	consent_text(&mo, "rv-names");
	consent_text(&mo, "rv-maint");
	kept = contribute_ok(&mo, "nn-1", "rv-names", "A story.");
	other = contribute_ok(&mo, "nn-2", "rv-maint", "Another story.");
	snprintf(
	    path, sizeof(path), "/api/v1/contributions/%lld/correct", kept);
	as(&mia, "POST", path,
	    "{\"text\":\"Kofi Mensah told it; write to " EMAIL ".\"}", &r);
	j = expect_json(&r, 200, "a correction on a drive keeping names");
	t = jstr(json_object_get(j, "contribution"), "text");
	ck_assert_msg(
	    strstr(t, "Kofi Mensah") != NULL && strstr(t, "[EMAIL]") != NULL,
	    "kept: \"%s\"", t);
	json_decref(j);
	tu_resp_free(&r);
	snprintf(
	    path, sizeof(path), "/api/v1/contributions/%lld/correct", other);
	as(&mia, "POST", path, "{\"text\":\"Kofi Mensah told it.\"}", &r);
	j = expect_json(&r, 200, "a correction on a drive removing names");
	t = jstr(json_object_get(j, "contribution"), "text");
	ck_assert_msg(
	    strstr(t, "Kofi Mensah") == NULL && strstr(t, "[NAME]") != NULL,
	    "removed: \"%s\"", t);
	json_decref(j);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_stats)
{
	struct tu_resp r;
	struct who mia, sa, sb, vic, val;
	long long x1, x2, x3;
	char path[96];
	json_t *j, *tot, *rs, *days, *last, *items, *it;

	log_in("mia", &mia);
	join("sandy", &sa);
	join("sabla", &sb);
	consent_text(&sa, "rv-stats");
	consent_text(&sb, "rv-stats");
	x1 = contribute_ok(&sa, "sa-1", "rv-stats", "First of the figures.");
	x2 = contribute_ok(&sa, "sa-2", "rv-stats", "Second of the figures.");
	x3 = contribute_ok(&sb, "sb-3", "rv-stats", "Third of the figures.");

	/* Before any vote. */
	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/stats");
	tot = json_object_get(j, "totals");
	ck_assert_int_eq(jint(tot, "pending"), 3);
	ck_assert_int_eq(jint(tot, "votes"), 0);
	json_decref(j);

	log_in("vic", &vic);
	log_in("val", &val);
	vote_ok(&vic, "vic-1", x1, "up", NULL, "pending");
	vote_ok(&val, "val-1", x1, "up", NULL, "validated");
	vote_ok(&vic, "vic-2", x2, "down", "noise", "pending");
	vote_ok(&val, "val-2", x2, "down", "personal_data", "rejected");
	vote_ok(&vic, "vic-3", x3, "up", NULL, "pending");

	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/stats");
	ck_assert_str_eq(jstr(j, "campaign"), "rv-stats");
	tot = json_object_get(j, "totals");
	ck_assert_int_eq(jint(tot, "pending"), 1);
	ck_assert_int_eq(jint(tot, "validated"), 1);
	ck_assert_int_eq(jint(tot, "rejected"), 1);
	ck_assert_int_eq(jint(tot, "withdrawn"), 0);
	ck_assert_int_eq(jint(tot, "contributors"), 2);
	ck_assert_int_eq(jint(tot, "reviewers"), 2);
	ck_assert_int_eq(jint(tot, "votes"), 5);
	ck_assert_int_eq(jint(tot, "queue"), 1);
	ck_assert_int_eq(jint(tot, "corrections"), 1);
	ck_assert(json_is_number(json_object_get(tot, "validated_seconds")));
	rs = json_object_get(j, "reasons");
	ck_assert_int_eq(jint(rs, "noise"), 1);
	ck_assert_int_eq(jint(rs, "personal_data"), 1);
	ck_assert_int_eq(jint(rs, "wrong_words"), 0);
	days = json_object_get(j, "days");
	ck_assert_uint_eq(json_array_size(days), 30);
	last = json_array_get(days, 29);
	ck_assert_int_eq(jint(last, "submitted"), 3);
	ck_assert_int_eq(jint(last, "validated"), 1);
	ck_assert_int_eq(jint(last, "rejected"), 1);
	ck_assert_int_eq(jint(last, "votes"), 5);
	ck_assert_int_eq(jint(last, "contributors"), 2);
	ck_assert_int_eq(jint(json_array_get(days, 0), "submitted"), 0);
	ck_assert_str_lt(
	    jstr(json_array_get(days, 0), "day"), jstr(last, "day"));
	json_decref(j);

	/* The personal data is on the correction list, with its reasons. */
	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/corrections");
	items = json_object_get(j, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	it = json_array_get(items, 0);
	ck_assert_int_eq(jint(it, "id"), x2);
	ck_assert_str_eq(jstr(it, "campaign"), "rv-stats");
	ck_assert_str_eq(jstr(it, "status"), "rejected");
	ck_assert_int_eq(jint(json_object_get(it, "votes"), "down"), 2);
	ck_assert_ptr_nonnull(find_str(
	    json_object_get(it, "reasons"), "reason", "personal_data"));
	ck_assert_str_eq(jstr(find_str(json_object_get(it, "reasons"), "reason",
				  "personal_data"),
			     "reviewer"),
	    "val");
	ck_assert(json_is_null(json_object_get(j, "next")));
	json_decref(j);

	/* The lists by status. */
	j = get_ok(&mia,
	    "/api/v1/campaigns/rv-stats/contributions?status="
	    "validated");
	items = json_object_get(j, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_int_eq(jint(json_array_get(items, 0), "id"), x1);
	json_decref(j);
	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/contributions");
	items = json_object_get(j, "items");
	ck_assert_uint_eq(json_array_size(items), 1);
	ck_assert_int_eq(jint(json_array_get(items, 0), "id"), x3);
	json_decref(j);
	expect_refusal(&mia, "GET",
	    "/api/v1/campaigns/rv-stats/contributions?status=lost", NULL, 400,
	    "invalid");
	expect_refusal(&mia, "GET", "/api/v1/campaigns/no-such-drive/stats",
	    NULL, 404, "not_found");

	/* A decision takes it off the list, and the figures follow. */
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", x2);
	as(&mia, "POST", path,
	    "{\"status\":\"validated\",\"reason\":\"the name is a "
	    "town's\"}",
	    &r);
	j = expect_json(&r, 200, "overriding the reviewers");
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contribution"), "status"), "validated");
	json_decref(j);
	tu_resp_free(&r);
	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/corrections");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "items")), 0);
	json_decref(j);
	j = get_ok(&mia, "/api/v1/campaigns/rv-stats/stats");
	tot = json_object_get(j, "totals");
	ck_assert_int_eq(jint(tot, "validated"), 2);
	ck_assert_int_eq(jint(tot, "rejected"), 0);
	ck_assert_int_eq(jint(tot, "pending"), 1);
	ck_assert_int_eq(jint(tot, "corrections"), 0);
	json_decref(j);
}
END_TEST

/* --- setup, before any test forks --- */

/* A text campaign ${slug} in ${lang}, ${min_votes} votes to decide. */
static int
text_campaign(const char *slug, const char *lang, int min_votes)
{
	char json[600], name[100];

	snprintf(json, sizeof(json),
	    "{\"slug\":\"%s\",\"title\":\"%s\",\"language\":\"%s\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"review\":"
	    "{\"min_votes\":%d}}\n",
	    slug, slug, lang, min_votes);
	snprintf(name, sizeof(name), "%s.json", slug);
	return (tu_import_campaign(bin, base, maindir, name, json));
}

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
	    text_campaign("rv-roles", "ee", 2) != 0 ||
	    text_campaign("rv-queue", "ee", 2) != 0 ||
	    text_campaign("rv-ak", "ak", 2) != 0 ||
	    text_campaign("rv-lang", "ak", 2) != 0 ||
	    text_campaign("rv-import", "ee", 2) != 0 ||
	    text_campaign("rv-prompt", "ee", 2) != 0 ||
	    text_campaign("rv-maint", "ee", 2) != 0 ||
	    text_campaign("rv-stats", "ee", 2) != 0 ||
	    text_campaign("rv-rel", "ee", 2) != 0 ||
	    tu_import_campaign(bin, base, maindir, "rv-names.json",
		"{\"slug\":\"rv-names\",\"title\":\"Family stories\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"redact\":{\"names\":false}}\n") != 0 ||
	    tu_import_campaign(bin, base, maindir, "rv-voice.json",
		"{\"slug\":\"rv-voice\",\"title\":\"Voices\",\"language\":"
		"\"ee\",\"kind\":\"audio\",\"consent\":\"general\","
		"\"required_scopes\":[\"publish_voice\"],\"minimum_age\":16}"
		"\n") != 0 ||
	    add_user("root", "admin", NULL) != 0 ||
	    add_user("mia", "maintainer", "ee") != 0 ||
	    add_user("rolf", "reviewer", "ee") != 0 ||
	    add_user("rita", "reviewer", "ee") != 0 ||
	    add_user("rosa", "reviewer", "ee") != 0 ||
	    add_user("remy", "reviewer", "ee") != 0 ||
	    add_user("lena", "reviewer", NULL) != 0 ||
	    add_user("vic", "reviewer", "ee") != 0 ||
	    add_user("val", "reviewer", "ee") != 0)
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

/* Does the release list ${j} name ${version}? */
static int
lists(json_t *j, const char *version)
{
	return (find_str(json_object_get(j, "releases"), "version", version) !=
	    NULL);
}

/*
** Releases over HTTP: a preview recording nothing, a cut writing its
** folder, cards and the public list showing approved releases only, an
** approval, and a withdrawal retiring the release and landing on the
** signed revocation list.
*/
START_TEST(test_releases)
{
	static const char ask[] =
	    "{\"version\":\"r1\",\"dataset\":\"rel\",\"licence\":"
	    "\"CC-BY-4.0\",\"campaigns\":[\"rv-rel\"]}";
	struct tu_resp r;
	struct who mia, rhea, rita;
	long long a, b;
	char path[128], want[64], *sig, *pk;
	uint8_t sigb[64], pkb[32];
	json_t *j, *rep;

	log_in("mia", &mia);
	log_in("rita", &rita);
	join("rhea", &rhea);
	consent(&rhea, "rv-rel", "[\"publish_text\",\"commercial_use\"]");
	a = contribute_ok(&rhea, "rhea-1", "rv-rel", "One to release.");
	b = contribute_ok(&rhea, "rhea-2", "rv-rel", "Two to release.");
	contribute_ok(&rhea, "rhea-3", "rv-rel", "Not yet reviewed.");
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", a);
	as(&mia, "POST", path, "{\"status\":\"validated\",\"reason\":\"ok\"}",
	    &r);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/decision", b);
	as(&mia, "POST", path, "{\"status\":\"validated\",\"reason\":\"ok\"}",
	    &r);
	tu_resp_free(&r);

	/* The preview: counts, nothing recorded. */
	as(&mia, "POST", "/api/v1/releases/preview", ask, &r);
	j = expect_json(&r, 200, "a preview");
	rep = json_object_get(j, "report");
	ck_assert_int_eq(jint(rep, "rows"), 2);
	ck_assert_int_eq(
	    jint(json_object_get(rep, "left"), "not_validated"), 1);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int("SELECT count(*) FROM releases", 0, NULL), 0);
	expect_refusal(&mia, "POST", "/api/v1/releases/preview",
	    "{\"version\":\"r1\",\"dataset\":\"rel\",\"licence\":"
	    "\"cc-by-nc-4.0\",\"permits\":[\"commercial_use\"]}",
	    400, "invalid");
	expect_refusal(
	    &rita, "POST", "/api/v1/releases", ask, 403, "forbidden");

	/* The cut: a draft, its folder written, not public yet. */
	as(&mia, "POST", "/api/v1/releases", ask, &r);
	j = expect_json(&r, 201, "a cut");
	ck_assert_str_eq(jstr(json_object_get(j, "release"), "state"), "draft");
	json_decref(j);
	tu_resp_free(&r);
	expect_refusal(&mia, "POST", "/api/v1/releases", ask, 409, "conflict");
	j = get_ok(NULL, "/api/v1/releases");
	ck_assert(!lists(j, "r1"));
	json_decref(j);
	j = get_ok(&mia, "/api/v1/releases/all");
	ck_assert(lists(j, "r1"));
	json_decref(j);
	expect_refusal(
	    NULL, "GET", "/api/v1/releases/r1/card", NULL, 404, "not_found");
	as(&mia, "GET", "/api/v1/releases/r1/card", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "license: cc-by-4.0"));
	tu_resp_free(&r);

	/* Approved (one approver is enough here): public, card and all. */
	as(&mia, "POST", "/api/v1/releases/r1/approve", "{}", &r);
	j = expect_json(&r, 200, "an approval");
	ck_assert_str_eq(jstr(j, "state"), "approved");
	json_decref(j);
	tu_resp_free(&r);
	j = get_ok(NULL, "/api/v1/releases");
	ck_assert(lists(j, "r1"));
	json_decref(j);
	as(NULL, "GET", "/api/v1/releases/r1/card", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	expect_refusal(&mia, "POST", "/api/v1/releases/r9/approve", "{}", 404,
	    "not_found");

	/* Withdrawn: retired, off the public list, on the signed revocation
	** list. */
	withdraw(&rhea, b);
	j = get_ok(NULL, "/api/v1/releases");
	ck_assert(!lists(j, "r1"));
	json_decref(j);
	expect_refusal(
	    &mia, "POST", "/api/v1/releases/r1/approve", "{}", 409, "conflict");
	as(NULL, "GET", "/api/v1/revocations", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	snprintf(want, sizeof(want), "\"rel\":[{\"id\":%lld,", b);
	ck_assert_msg(strstr(r.body, want) != NULL, "%s", r.body);
	sig = tu_header(&r, "X-Signature");
	pk = tu_header(&r, "X-Public-Key");
	ck_assert(sig != NULL && pk != NULL);
	ck_assert_int_eq(hex_decode(sig, sigb, 64), 0);
	ck_assert_int_eq(hex_decode(pk, pkb, 32), 0);
	ck_assert_int_eq(crypto_sign_verify_detached(
			     sigb, (const uint8_t *)r.body, r.n, pkb),
	    0);
	free(sig);
	free(pk);
	tu_resp_free(&r);
}
END_TEST

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
	if (make_node() == -1 || start() == -1) {
		fprintf(
		    stderr, "could not start the server (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		return (1);
	}

	s = suite_create("review_api");
	tc = tcase_create("review_api");
	/* Logins hash passphrases: slow under ASan. */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_review_queue);
	tcase_add_test(tc, test_languages);
	tcase_add_test(tc, test_prompt_import);
	tcase_add_test(tc, test_prompt_flow);
	tcase_add_test(tc, test_campaigns);
	tcase_add_test(tc, test_maintainer);
	tcase_add_test(tc, test_correction_names);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_releases);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, stop, names, 1, base));
}
