/*
** The contribution API over real HTTP: the built binary is started on real
** nodes made with its own CLI (`init`, `campaign import`, `drive-codes`,
** `user add`) and asked with libcurl, and the node's SQLite file is then
** read directly (read-only, beside the running server) to see what was
** really written. Covers the consent gate, redaction before storage (in
** the answer, the list, the table and the raw bytes of node.db and its
** WAL), the redaction preview, Idempotency-Key replays (also sixteen at
** once), the refusals (empty, too long, not UTF-8, unknown or audio
** campaign, no session, no CSRF), withdrawing one, someone else's, on
** someone's behalf as a maintainer (audited), all, and by withdrawing the
** consent, the export, and a node committing each write alone
** (--naive-commit). The servers are started once, before the tests fork,
** so a failing test never leaves one running; each must stop cleanly.
*/
#include <check.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "apitest.h"
#include "contrib.h"
#include "db.h"
#include "testutil.h"

#define NCARDS 16
#define PIN    "2468"
#define MIA    "mia's maintainer passphrase"
#define TOM    "tom's treasurer passphrase"
#define NBURST 16

/* What the redaction tests write, and what must never be stored. */
#define EMAIL   "ama.owusu@example.com"
#define PHONE   "24 123 4567"
#define MESSAGE "Write to " EMAIL " or call +233 " PHONE "."

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];  /* the main node's folder */
static char naivedir[700]; /* the --naive-commit node's folder */
static char cards[NCARDS][CARD_CODE_LEN + 1];
static char naive_card[CARD_CODE_LEN + 1];
static struct tu_server srv;   /* the main node */
static struct tu_server naive; /* --naive-commit 1 */

/* Card indices: each test has its own people (tests fork, so nothing a
** test does to a counter survives it). */
enum {
	C_GATE,
	C_IDEM,
	C_IDEM_OTHER,
	C_BURST,
	C_REFUSE,
	C_PREVIEW,
	C_OWNER,
	C_STRANGER,
	C_ALL,
	C_ALL_OTHER,
	C_CONSENT,
	C_BEHIND,
};

/*
** ${method} ${path} on ${s}; ${w} gives the session cookie and, with
** ${csrf}, the X-CSRF-Token header (${w} may be NULL); ${key} is the
** Idempotency-Key (may be NULL); ${body} is sent as JSON, ${n} bytes (-1:
** strlen). Returns the status.
*/
static long
send_req(const struct tu_server *s, const char *method, const char *path,
    const struct who *w, int csrf, const char *key, const char *body, long n,
    struct tu_resp *out)
{
	struct tu_req q = { w, csrf, key, body ? "application/json" : NULL,
		NULL, body, body ? (n < 0 ? strlen(body) : (size_t)n) : 0 };

	return (tu_request(s, method, path, &q, out));
}

/* As ${w} on the main node: cookie and CSRF token. */
static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	return (send_req(&srv, method, path, w, 1, NULL, body, -1, out));
}

/* A new account ${handle} on the main node, logged in. */
static void
join_ok(const char *handle, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s's long passphrase\"}",
	    handle, handle);
	send_req(&srv, "POST", "/api/v1/join", NULL, 0, NULL, body, -1, &r);
	ck_assert_msg(
	    r.status == 201, "join %s: %ld %.300s", handle, r.status, r.body);
	take_session(&r, w);
	ck_assert_str_eq(w->handle, handle);
	tu_resp_free(&r);
}

/* The first use of drive card ${code} on ${s}: a new person, logged in. */
static void
card_person_on(const struct tu_server *s, const char *code, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(
	    body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}", code);
	send_req(s, "POST", "/api/v1/login", NULL, 0, NULL, body, -1, &r);
	ck_assert_msg(r.status == 201, "first use of card %s: %ld %.300s", code,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

static void
card_person(int i, struct who *w)
{
	card_person_on(&srv, cards[i], w);
}

/* The current English general consent document's SHA-256 on ${s}. */
static void
en_sha_on(const struct tu_server *s, char sha[65])
{
	struct tu_resp r;
	json_t *j;

	ck_assert_int_eq(send_req(s, "GET", "/api/v1/consent/general?lang=en",
			     NULL, 0, NULL, NULL, 0, &r),
	    200);
	j = jbody(&r);
	ck_assert_str_eq(jstr(j, "lang"), "en");
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(sha, 65, "%s", jstr(j, "sha256"));
	json_decref(j);
	tu_resp_free(&r);
}

/* ${w} consents on ${s} to ${campaign} for ${scopes} (a JSON array) on
** the current English document; the consent's id. */
static long long
consent_on(const struct tu_server *s, const struct who *w, const char *campaign,
    const char *scopes)
{
	struct tu_resp r;
	char sha[65], body[512];
	long long id;
	json_t *j, *c;

	en_sha_on(s, sha);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\",\"scopes\":%s,"
	    "\"age_confirmed\":true}",
	    campaign, sha, scopes);
	send_req(s, "POST", "/api/v1/consents", w, 1, NULL, body, -1, &r);
	ck_assert_msg(r.status == 201, "consent to %s: %ld %.300s", campaign,
	    r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "consent");
	ck_assert_str_eq(jstr(c, "document"), sha);
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

static long long
consent(const struct who *w, const char *campaign)
{
	return (consent_on(&srv, w, campaign, "[\"publish_text\"]"));
}

/* The body of a contribution to ${campaign} of ${text} (JSON-escaped by
** jansson); malloc'd. */
static char *
contrib_body(const char *campaign, const char *text)
{
	json_t *o = json_pack("{s:s,s:s}", "campaign", campaign, "text", text);
	char *s;

	ck_assert_ptr_nonnull(o);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ck_assert_ptr_nonnull(s);
	return (s);
}

/* POST /api/v1/contributions on ${s} as ${w} with ${key}. */
static long
contribute_on(const struct tu_server *s, const struct who *w, const char *key,
    const char *campaign, const char *text, struct tu_resp *r)
{
	char *body = contrib_body(campaign, text);
	long st;

	st = send_req(
	    s, "POST", "/api/v1/contributions", w, 1, key, body, -1, r);
	free(body);
	return (st);
}

static long
contribute(const struct who *w, const char *key, const char *campaign,
    const char *text, struct tu_resp *r)
{
	return (contribute_on(&srv, w, key, campaign, text, r));
}

/* A new contribution of ${text} to demo-text; its id. */
static long long
contribute_ok(const struct who *w, const char *key, const char *text)
{
	struct tu_resp r;
	long long id;
	json_t *j, *c;

	contribute(w, key, "demo-text", text, &r);
	ck_assert_msg(r.status == 201, "contribution %s: %ld %.300s", key,
	    r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	ck_assert_msg(json_is_object(c), "no contribution: %.300s", r.body);
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_str_eq(jstr(c, "campaign"), "demo-text");
	ck_assert_str_eq(jstr(c, "kind"), "text");
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* GET /api/v1/me/contributions as ${w}: the array, owned. */
static json_t *
my_contribs(const struct who *w)
{
	struct tu_resp r;
	json_t *j, *list;

	ck_assert_int_eq(
	    as(w, "GET", "/api/v1/me/contributions", NULL, &r), 200);
	j = jbody(&r);
	list = json_incref(json_object_get(j, "contributions"));
	ck_assert_msg(
	    json_is_array(list), "no contributions array: %.300s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	return (list);
}

/* The entry with ${id} in ${list}, or NULL (borrowed). */
static json_t *
find_id(json_t *list, long long id)
{
	json_t *v;
	size_t i;

	json_array_foreach(list, i, v) if (jint(v, "id") == id) return (v);
	return (NULL);
}

/* The status of ${w}'s contribution ${id} as their list shows it. */
static void
expect_status(const struct who *w, long long id, const char *status)
{
	json_t *list = my_contribs(w), *c;

	c = find_id(list, id);
	ck_assert_msg(c != NULL, "contribution %lld is not in the list", id);
	ck_assert_msg(strcmp(jstr(c, "status"), status) == 0,
	    "contribution %lld is %s, want %s", id, jstr(c, "status"), status);
	ck_assert_int_eq(json_is_null(json_object_get(c, "withdrawn_at")),
	    strcmp(status, "withdrawn") != 0);
	json_decref(list);
}

/* --- the database itself, read beside the running server --- */

/* The integer ${sql} answers on ${dir}'s node.db; ?1 is ${a}, ?2 ${s}
** (each bound only if the statement has it). */
static long long
db_int(const char *dir, const char *sql, long long a, const char *s)
{
	return (tu_db_get(dir, sql, a, s, NULL, 0));
}

/* The text of revision 1 of contribution ${id}, malloc'd (NULL if none). */
static char *
db_text(const char *dir, long long id)
{
	sqlite3 *db = tu_db_open_ro(dir);
	sqlite3_stmt *st = NULL;
	char *t = NULL;

	ck_assert(sqlite3_prepare_v2(db,
		      "SELECT text FROM contribution_revisions WHERE "
		      "contribution_id = ?1 AND revision = 1",
		      -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		t = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (t);
}

/* Neither node.db nor its WAL in ${dir} holds ${needle}, byte for byte. */
static void
expect_not_on_disk(const char *dir, const char *needle)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/node.db", dir);
	tu_expect_not_on_disk(path, needle);
}

/* ${w}'s contributions in the table. */
static long long
rows_of(const struct who *w)
{
	return (db_int(maindir,
	    "SELECT count(*) FROM contributions WHERE account_id = ?1", w->id,
	    NULL));
}

/* --- the consent gate --- */

START_TEST(test_consent_gate)
{
	struct tu_resp r;
	struct who w;
	long long cid, id;
	json_t *j, *c;

	card_person(C_GATE, &w);
	contribute(&w, "gate-1", "demo-text", "Before any consent.", &r);
	expect_error(&r, 403, "consent_required", "no consent yet");
	expect_message(&r, "demo-text");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 0);

	cid = consent(&w, "demo-text");
	/* The same key again: the refusal did not use it up. */
	contribute(&w, "gate-1", "demo-text", "Before any consent.", &r);
	ck_assert_msg(
	    r.status == 201, "after consent: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "text"), "Before any consent.");
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_int_eq(jint(c, "revision"), 1);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
	/* Made under the consent just given. */
	ck_assert_int_eq(
	    db_int(maindir,
		"SELECT consent_id FROM contributions WHERE id = ?1", id, NULL),
	    cid);
}
END_TEST

/* --- redaction before storage --- */

START_TEST(test_redaction_stored)
{
	static const char handle[] = "kwame.b";
	struct tu_resp r;
	struct who w;
	const char *t;
	char *stored, log[800];
	long long id;
	json_t *j, *c, *rep, *list;

	join_ok(handle, &w);
	consent(&w, "demo-text");
	contribute(&w, "redact-1", "demo-text",
	    MESSAGE " Signed, kwame.b (Kwame.B on the forum, not kwamexb).",
	    &r);
	ck_assert_msg(r.status == 201, "%ld %.300s", r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	id = jint(c, "id");
	t = jstr(c, "text");
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "[EMAIL]") != NULL, "no [EMAIL] in \"%s\"", t);
	ck_assert_msg(strstr(t, "[PHONE]") != NULL, "no [PHONE] in \"%s\"", t);
	ck_assert_msg(
	    strstr(t, "[HANDLE]") != NULL, "no [HANDLE] in \"%s\"", t);
	ck_assert_msg(strstr(t, EMAIL) == NULL && strstr(t, "owusu") == NULL,
	    "the address survived: \"%s\"", t);
	ck_assert_msg(strstr(t, PHONE) == NULL && strstr(t, "4567") == NULL,
	    "the number survived: \"%s\"", t);
	ck_assert_msg(strcasestr(t, "kwame.b") == NULL,
	    "the contributor's handle survived: \"%s\"", t);
	/* Only what had to go went. */
	ck_assert_msg(strncmp(t, "Write to [EMAIL] or call ", 25) == 0,
	    "the words around the address changed: \"%s\"", t);
	ck_assert_msg(strstr(t, "on the forum, not kwamexb).") != NULL,
	    "the end was lost: \"%s\"", t);
	rep = json_object_get(c, "redaction");
	ck_assert_msg(
	    json_is_object(rep), "no redaction report: %.300s", r.body);
	ck_assert_int_eq(jint(rep, "EMAIL"), 1);
	ck_assert_int_eq(jint(rep, "PHONE"), 1);
	ck_assert_int_eq(jint(rep, "HANDLE"), 2);

	/* The list shows the stored text: the same. */
	list = my_contribs(&w);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_str_eq(jstr(json_array_get(list, 0), "text"), t);
	ck_assert_int_eq(
	    jint(
		json_object_get(json_array_get(list, 0), "redaction"), "EMAIL"),
	    1);
	json_decref(list);

	/* And so does the table. */
	stored = db_text(maindir, id);
	ck_assert_msg(stored != NULL, "no revision row for %lld", id);
	ck_assert_str_eq(stored, t);
	free(stored);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM contribution_revisions "
			     "WHERE instr(text, ?2) OR instr(prompt, ?2)",
			     0, EMAIL),
	    0);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM contribution_revisions "
			     "WHERE instr(text, ?2) OR instr(prompt, ?2)",
			     0, PHONE),
	    0);
	/* Not one byte of the original anywhere in the files. */
	expect_not_on_disk(maindir, EMAIL);
	expect_not_on_disk(maindir, PHONE);
	expect_not_on_disk(maindir, "owusu");
	/* Nor in the server's log. */
	snprintf(log, sizeof(log), "%s/server.log", maindir);
	ck_assert_msg(
	    tu_file_has(log, "owusu") == 0, "the log holds the address");
	ck_assert_msg(tu_file_has(log, PHONE) == 0, "the log holds the number");
}
END_TEST

START_TEST(test_redact_preview)
{
	struct tu_resp r;
	struct who w;
	long long before, revs;
	json_t *j, *rep, *list;
	const char *t;
	char body[512];

	card_person(C_PREVIEW, &w);
	consent(&w, "demo-text");
	before = db_int(maindir, "SELECT count(*) FROM contributions", 0, NULL);
	revs = db_int(
	    maindir, "SELECT count(*) FROM contribution_revisions", 0, NULL);
	snprintf(body, sizeof(body), "{\"text\":\"%s\"}", MESSAGE);
	ck_assert_int_eq(as(&w, "POST", "/api/v1/redact", body, &r), 200);
	j = jbody(&r);
	t = jstr(j, "text");
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(strstr(t, "[EMAIL]") != NULL && strstr(t, EMAIL) == NULL,
	    "preview \"%s\"", t);
	ck_assert_msg(strstr(t, "[PHONE]") != NULL && strstr(t, PHONE) == NULL,
	    "preview \"%s\"", t);
	rep = json_object_get(j, "report");
	ck_assert_msg(json_is_object(rep), "no report: %.300s", r.body);
	ck_assert_int_eq(jint(rep, "EMAIL"), 1);
	ck_assert_int_eq(jint(rep, "PHONE"), 1);
	json_decref(j);
	tu_resp_free(&r);

	/* Nothing was stored. */
	ck_assert_int_eq(
	    db_int(maindir, "SELECT count(*) FROM contributions", 0, NULL),
	    before);
	ck_assert_int_eq(
	    db_int(maindir, "SELECT count(*) FROM contribution_revisions", 0,
		NULL),
	    revs);
	ck_assert_int_eq(rows_of(&w), 0);
	list = my_contribs(&w);
	ck_assert_uint_eq(json_array_size(list), 0);
	json_decref(list);

	/* Not UTF-8; no text; no CSRF. */
	as(&w, "POST", "/api/v1/redact", "{\"text\":\"caf\xc3 \xff\"}", &r);
	expect_error(&r, 400, "invalid", "preview of bytes that are not UTF-8");
	tu_resp_free(&r);
	as(&w, "POST", "/api/v1/redact", "{\"txt\":\"hello\"}", &r);
	expect_error(&r, 400, "invalid", "preview without text");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/redact", &w, 0, NULL, body, -1, &r);
	expect_error(&r, 403, "csrf", "preview without X-CSRF-Token");
	tu_resp_free(&r);
}
END_TEST

/* --- idempotency --- */

START_TEST(test_idempotency)
{
	static const char key[] = "idem-7f3a";
	struct tu_resp first, again, r;
	struct who w, other;
	long long id;
	char *stored, longkey[200];
	json_t *j;

	card_person(C_IDEM, &w);
	consent(&w, "demo-text");
	contribute(&w, key, "demo-text", "Akwaaba to the drive.", &first);
	ck_assert_msg(
	    first.status == 201, "first: %ld %.300s", first.status, first.body);
	contribute(&w, key, "demo-text", "Akwaaba to the drive.", &again);
	ck_assert_msg(again.status == 200, "replay: %ld %.300s", again.status,
	    again.body);
	ck_assert_msg(
	    first.n == again.n && memcmp(first.body, again.body, first.n) == 0,
	    "the replay answered differently:\n%s\n%s", first.body, again.body);
	j = jbody(&first);
	id = jint(json_object_get(j, "contribution"), "id");
	json_decref(j);
	ck_assert_int_eq(rows_of(&w), 1);

	/* The key used for something else. */
	contribute(&w, key, "demo-text", "Something else entirely.", &r);
	expect_error(&r, 409, "idempotency_mismatch", "same key, other text");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
	stored = db_text(maindir, id);
	ck_assert_str_eq(stored, "Akwaaba to the drive.");
	free(stored);
	/* And again the first request still replays. */
	contribute(&w, key, "demo-text", "Akwaaba to the drive.", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(r.n == first.n && memcmp(r.body, first.body, r.n) == 0);
	tu_resp_free(&r);

	/* No key, and a key over 128 characters. */
	contribute(&w, NULL, "demo-text", "No key at all.", &r);
	expect_error(&r, 400, "invalid", "no Idempotency-Key");
	expect_message(&r, "Idempotency-Key");
	tu_resp_free(&r);
	memset(longkey, 'k', 129);
	longkey[129] = '\0';
	contribute(&w, longkey, "demo-text", "A key too long.", &r);
	expect_error(&r, 400, "invalid", "a 129-character key");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);

	/* Keys are per person: someone else's same key is theirs. */
	card_person(C_IDEM_OTHER, &other);
	consent(&other, "demo-text");
	contribute(&other, key, "demo-text", "Akwaaba to the drive.", &r);
	ck_assert_msg(r.status == 201, "other person, same key: %ld %.300s",
	    r.status, r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&other), 1);
	ck_assert_int_eq(rows_of(&w), 1);
	tu_resp_free(&first);
	tu_resp_free(&again);
}
END_TEST

/* Requests sent at once with one key: one text, or two. */
START_TEST(test_idempotency_concurrent)
{
	struct tu_burst req = { 0 };
	struct who w;
	char *body, *other, url[128];

	snprintf(url, sizeof(url), "%s/api/v1/contributions", srv.base);
	card_person(C_BURST, &w);
	consent(&w, "demo-text");
	body = contrib_body("demo-text", "Sixteen at once, one row.");
	req.url = url;
	req.ctype = "application/json";
	req.w = &w;
	req.body = body;
	req.len = strlen(body);
	snprintf(req.key, sizeof(req.key), "burst-key-1");
	tu_burst_one_key(&req, NULL, 0, NBURST);
	ck_assert_int_eq(rows_of(&w), 1);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM contribution_revisions r "
			     "JOIN contributions c ON c.id = r.contribution_id "
			     "WHERE c.account_id = ?1",
			     w.id, NULL),
	    1);

	/* One key, two different texts at once: one wins, its twins replay
	** it, every other is refused. */
	other = contrib_body("demo-text", "The other text, same key.");
	snprintf(req.key, sizeof(req.key), "burst-key-2");
	tu_burst_one_key(&req, other, strlen(other), NBURST);
	ck_assert_int_eq(rows_of(&w), 2);
	free(other);
	free(body);
}
END_TEST

/* --- refusals --- */

START_TEST(test_refusals)
{
	static const char eps[] = "\xc9\x9b"; /* U+025B, two bytes */
	char text[128], *body;
	struct tu_resp r;
	struct who w;
	json_t *j;
	int i;

	card_person(C_REFUSE, &w);
	consent(&w, "demo-text");
	consent(&w, "short-text");

	contribute(&w, "r-empty", "demo-text", "", &r);
	expect_error(&r, 400, "empty", "empty text");
	tu_resp_free(&r);
	contribute(&w, "r-blank", "demo-text", "  \t\r\n  ", &r);
	expect_error(&r, 400, "empty", "white space only");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "r-none",
	    "{\"campaign\":\"demo-text\"}", -1, &r);
	expect_error(&r, 400, "empty", "no text at all");
	tu_resp_free(&r);

	/* max_chars 20: characters, not bytes. */
	contribute(&w, "r-long", "short-text", "twenty-one characters", &r);
	expect_error(&r, 413, "too_large", "21 characters");
	expect_message(&r, "20");
	tu_resp_free(&r);
	text[0] = '\0';
	for (i = 0; i < 21; i++)
		strcat(text, eps);
	contribute(&w, "r-long2", "short-text", text, &r);
	expect_error(&r, 413, "too_large", "21 two-byte characters");
	tu_resp_free(&r);
	text[strlen(text) - 2] = '\0'; /* 20 characters, 40 bytes */
	contribute(&w, "r-twenty", "short-text", text, &r);
	ck_assert_msg(r.status == 201, "20 two-byte characters: %ld %.300s",
	    r.status, r.body);
	j = jbody(&r);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "contribution"), "text"), text);
	json_decref(j);
	tu_resp_free(&r);

	/* Bytes that are not UTF-8. */
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "r-utf8",
	    "{\"campaign\":\"demo-text\",\"text\":\"bad \xff\xfe bytes\"}", -1,
	    &r);
	ck_assert_msg(
	    r.status == 400, "not UTF-8: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "r-utf8b",
	    "{\"campaign\":\"demo-text\",\"text\":\"cut \xc9\"}", -1, &r);
	ck_assert_msg(
	    r.status == 400, "truncated UTF-8: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "r-utf8c",
	    "{\"campaign\":\"demo-text\",\"text\":\"lone \\udc00\"}", -1, &r);
	ck_assert_msg(
	    r.status == 400, "lone surrogate: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);

	contribute(&w, "r-nocamp", "no-such-campaign", "Hello.", &r);
	expect_error(&r, 404, "not_found", "unknown campaign");
	tu_resp_free(&r);
	contribute(&w, "r-audio", "demo-audio", "Hello.", &r);
	ck_assert_msg(
	    r.status == 415, "audio campaign: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	ck_assert_ptr_nonnull(jstr(json_object_get(j, "error"), "code"));
	json_decref(j);
	tu_resp_free(&r);

	body = contrib_body("demo-text", "No session.");
	send_req(&srv, "POST", "/api/v1/contributions", NULL, 0, "r-anon", body,
	    -1, &r);
	expect_error(&r, 401, "login_required", "no session");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions", &w, 0, "r-csrf", body,
	    -1, &r);
	expect_error(&r, 403, "csrf", "no X-CSRF-Token");
	tu_resp_free(&r);
	free(body);
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "r-json",
	    "not json", -1, &r);
	expect_error(&r, 400, "invalid", "not JSON");
	tu_resp_free(&r);

	/* Only the 20-character one was stored. */
	ck_assert_int_eq(rows_of(&w), 1);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM contributions WHERE "
			     "account_id = ?1 AND idempotency_key = ?2",
			     w.id, "r-twenty"),
	    1);
}
END_TEST

/* --- withdrawal --- */

/* POST /api/v1/contributions/${id}/withdraw as ${w}. */
static long
withdraw(const struct who *w, long long id, struct tu_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/withdraw", id);
	return (as(w, "POST", path, "{}", r));
}

/* The contribution in ${r} is ${id}, withdrawn; its withdrawn_at. */
static long long
expect_withdrawn(const struct tu_resp *r, long long id)
{
	json_t *j, *c;
	long long at;

	ck_assert_msg(r->status == 200, "withdraw %lld: %ld %.300s", id,
	    r->status, r->body);
	j = jbody(r);
	c = json_object_get(j, "contribution");
	ck_assert_int_eq(jint(c, "id"), id);
	ck_assert_str_eq(jstr(c, "status"), "withdrawn");
	ck_assert_msg(json_is_integer(json_object_get(c, "withdrawn_at")),
	    "no withdrawn_at: %.300s", r->body);
	at = jint(c, "withdrawn_at");
	ck_assert_int_gt(at, 0);
	json_decref(j);
	return (at);
}

/* audit_log rows 'contribution.withdrawn' for ${subject} by ${actor}. */
static long long
audits_by(long long subject, long long actor)
{
	char a[32];

	snprintf(a, sizeof(a), "%lld", actor);
	return (db_int(maindir,
	    "SELECT count(*) FROM audit_log WHERE action = "
	    "'contribution.withdrawn' AND subject_id = ?1 AND actor_id = "
	    "CAST(?2 AS INTEGER)",
	    subject, a));
}

/* Logs ${handle} in with ${pass} into ${w}; fails the test otherwise. */
static void
log_in(const char *handle, const char *pass, struct who *w)
{
	char body[256];
	struct tu_resp r;

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s\"}", handle, pass);
	send_req(&srv, "POST", "/api/v1/login", NULL, 0, NULL, body, -1, &r);
	ck_assert_msg(r.status == 200, "%s's login: %ld %.300s", handle,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

START_TEST(test_withdraw)
{
	struct tu_resp r;
	struct who owner, stranger, mia;
	long long a, b, at, at2;
	char owner_id[32];
	json_t *j;

	card_person(C_OWNER, &owner);
	card_person(C_STRANGER, &stranger);
	consent(&owner, "demo-text");
	a = contribute_ok(&owner, "w-a", "The first one.");
	b = contribute_ok(&owner, "w-b", "The second one.");

	withdraw(&owner, a, &r);
	at = expect_withdrawn(&r, a);
	tu_resp_free(&r);
	/* Again: the same answer. */
	withdraw(&owner, a, &r);
	at2 = expect_withdrawn(&r, a);
	ck_assert_int_eq(at2, at);
	tu_resp_free(&r);
	expect_status(&owner, a, "withdrawn");
	expect_status(&owner, b, "pending");
	ck_assert_int_eq(audits_by(a, owner.id), 1);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'contribution.withdrawn' AND subject_id = ?1",
			     a, NULL),
	    1);

	/* Someone else's: not found, and nothing changed. */
	withdraw(&stranger, b, &r);
	expect_error(&r, 404, "not_found", "withdrawing someone else's");
	tu_resp_free(&r);
	expect_status(&owner, b, "pending");
	ck_assert_int_eq(audits_by(b, stranger.id), 0);
	withdraw(&owner, 99999999, &r);
	expect_error(&r, 404, "not_found", "withdrawing nothing");
	tu_resp_free(&r);
	as(&owner, "POST", "/api/v1/contributions/abc/withdraw", "{}", &r);
	expect_error(&r, 404, "not_found", "withdrawing a non-number");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions/1/withdraw", &owner, 0,
	    NULL, "{}", -1, &r);
	expect_error(&r, 403, "csrf", "withdrawing without X-CSRF-Token");
	tu_resp_free(&r);

	/* A maintainer, on the owner's behalf: audited as the maintainer. */
	log_in("mia", MIA, &mia);
	withdraw(&mia, b, &r);
	expect_withdrawn(&r, b);
	tu_resp_free(&r);
	expect_status(&owner, b, "withdrawn");
	ck_assert_int_eq(audits_by(b, mia.id), 1);
	ck_assert_int_eq(audits_by(b, owner.id), 0);
	/* On whose behalf: the owner's. */
	snprintf(owner_id, sizeof(owner_id), "%lld", owner.id);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'contribution.withdrawn' AND subject_id = ?1 AND "
			     "json_extract(detail, '$.account') = "
			     "CAST(?2 AS INTEGER)",
			     b, owner_id),
	    1);
	/* The maintainer's own list is untouched by it. */
	ck_assert_int_eq(
	    as(&mia, "GET", "/api/v1/me/contributions", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(j, "contributions")), 0);
	json_decref(j);
	tu_resp_free(&r);
}
END_TEST

/* A maintainer withdraws on someone's behalf only over a lower role: a
** treasurer's contribution stays. */
START_TEST(test_withdraw_behalf_rule)
{
	struct tu_resp r;
	struct who mia, tom;
	long long id;

	log_in("tom", TOM, &tom);
	consent(&tom, "demo-text");
	id = contribute_ok(&tom, "behalf-1", "A treasurer's own words.");
	log_in("mia", MIA, &mia);
	withdraw(&mia, id, &r);
	expect_error(&r, 403, "forbidden",
	    "a maintainer withdrawing a treasurer's contribution");
	tu_resp_free(&r);
	expect_status(&tom, id, "pending");
	ck_assert_int_eq(audits_by(id, mia.id), 0);
	/* The owner still can. */
	withdraw(&tom, id, &r);
	expect_withdrawn(&r, id);
	tu_resp_free(&r);
	expect_status(&tom, id, "withdrawn");
}
END_TEST

START_TEST(test_withdraw_all)
{
	struct tu_resp r;
	struct who w, other;
	long long a, b, c, keep;
	json_t *j, *list;

	card_person(C_ALL, &w);
	card_person(C_ALL_OTHER, &other);
	consent(&w, "demo-text");
	consent(&other, "demo-text");
	a = contribute_ok(&w, "all-a", "One.");
	b = contribute_ok(&w, "all-b", "Two.");
	c = contribute_ok(&w, "all-c", "Three.");
	keep = contribute_ok(&other, "all-a", "Someone else's.");
	/* Newest first. */
	list = my_contribs(&w);
	ck_assert_uint_eq(json_array_size(list), 3);
	ck_assert_int_eq(jint(json_array_get(list, 0), "id"), c);
	ck_assert_int_eq(jint(json_array_get(list, 2), "id"), a);
	json_decref(list);

	withdraw(&w, b, &r);
	expect_withdrawn(&r, b);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    as(&w, "POST", "/api/v1/me/withdraw-all", "{}", &r), 200);
	j = jbody(&r);
	ck_assert_msg(json_is_integer(json_object_get(j, "withdrawn")),
	    "no withdrawn count: %.300s", r.body);
	ck_assert_int_eq(jint(j, "withdrawn"), 2);
	json_decref(j);
	tu_resp_free(&r);
	expect_status(&w, a, "withdrawn");
	expect_status(&w, b, "withdrawn");
	expect_status(&w, c, "withdrawn");
	expect_status(&other, keep, "pending");
	ck_assert_int_eq(audits_by(a, w.id), 1);
	ck_assert_int_eq(audits_by(b, w.id), 1);
	ck_assert_int_eq(audits_by(c, w.id), 1);
	ck_assert_int_eq(audits_by(keep, w.id), 0);

	/* Again: nothing left to withdraw. */
	ck_assert_int_eq(
	    as(&w, "POST", "/api/v1/me/withdraw-all", "{}", &r), 200);
	j = jbody(&r);
	ck_assert_int_eq(jint(j, "withdrawn"), 0);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(audits_by(a, w.id), 1);
	send_req(&srv, "POST", "/api/v1/me/withdraw-all", &other, 0, NULL, "{}",
	    -1, &r);
	expect_error(&r, 403, "csrf", "withdraw-all without X-CSRF-Token");
	tu_resp_free(&r);
	expect_status(&other, keep, "pending");
}
END_TEST

START_TEST(test_withdraw_consent)
{
	struct tu_resp r;
	struct who w;
	long long cid, a, b;
	char path[128];
	json_t *j;

	card_person(C_CONSENT, &w);
	cid = consent(&w, "demo-text");
	a = contribute_ok(&w, "wc-a", "Given under the consent.");
	b = contribute_ok(&w, "wc-b", "Also given under it.");
	snprintf(path, sizeof(path), "/api/v1/consents/%lld/withdraw", cid);
	ck_assert_int_eq(as(&w, "POST", path, "{}", &r), 200);
	j = jbody(&r);
	ck_assert_msg(json_is_integer(json_object_get(
			  json_object_get(j, "consent"), "withdrawn_at")),
	    "consent not withdrawn: %.300s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	expect_status(&w, a, "withdrawn");
	expect_status(&w, b, "withdrawn");
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM contributions WHERE "
			     "consent_id = ?1 AND status = 'withdrawn' AND "
			     "withdrawn_at IS NOT NULL",
			     cid, NULL),
	    2);

	/* No live consent any more. */
	contribute(&w, "wc-c", "demo-text", "After withdrawing.", &r);
	expect_error(&r, 403, "consent_required", "after the consent went");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 2);
	/* A replay of an old key makes nothing new either (whether it is
	** answered from the key or refused for want of consent). */
	contribute(&w, "wc-a", "demo-text", "Given under the consent.", &r);
	ck_assert_msg(r.status == 200 || r.status == 403,
	    "old key, consent gone: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	expect_status(&w, a, "withdrawn");
	ck_assert_int_eq(rows_of(&w), 2);

	/* Consent given again: contributions are taken again. */
	consent(&w, "demo-text");
	contribute_ok(&w, "wc-c", "After withdrawing.");
	ck_assert_int_eq(rows_of(&w), 3);
}
END_TEST

/*
** The consent goes after the request thread found it live (it may still
** remember it so, dbcache.h): the writer's job, which checks the consent
** in the insert itself, must refuse the contribution and store nothing.
** The job is run here on the node's own file beside the running server,
** then the same contribution is sent over HTTP.
*/
START_TEST(test_consent_gone_before_write)
{
	struct contrib_new c = { 0 };
	struct err e = { 0 };
	struct tu_resp r;
	struct who w;
	long long cid;
	char path[800], sql[200];
	struct db *db;

	card_person(C_BEHIND, &w);
	cid = consent(&w, "demo-text");
	contribute_ok(&w, "bc-a", "Given while the consent was live.");
	snprintf(path, sizeof(path), "%s/node.db", maindir);
	ck_assert_msg((db = db_open(path, 0, &e)) != NULL, "%s", e.msg);
	ck_assert_msg(db_exec(db, "BEGIN IMMEDIATE", &e) == 0, "%s", e.msg);
	c.account_id = w.id;
	c.campaign_id = db_int(maindir,
	    "SELECT id FROM campaigns WHERE slug = ?2", 0, "demo-text");
	c.consent_id = cid;
	c.key = "bc-b";
	c.kind = "text";
	c.text = "Sent after it went.";
	c.report_json = "{}";
	memset(c.request_sha, 'a', 64);
	/* Live: the job records it (rolled back below). */
	ck_assert_msg(contrib_create_job(db, &c, &e) == 0, "%s", e.msg);
	ck_assert_int_gt(c.id, 0);
	/* A revision the table refuses (its kind CHECK): the job runs
	** without a SAVEPOINT, so it takes its contribution row back out. */
	c.key = "bc-v";
	c.kind = "video";
	c.id = 0;
	ck_assert_int_eq(contrib_create_job(db, &c, &e), -1);
	ck_assert_msg(strstr(e.msg, "revision") != NULL, "%s", e.msg);
	ck_assert_int_eq(c.id, 0);
	ck_assert_int_eq(sqlite3_get_autocommit(db_handle(db)), 0);
	{
		sqlite3_stmt *q;

		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
				     "SELECT count(*) FROM contributions "
				     "WHERE idempotency_key = 'bc-v'",
				     -1, &q, NULL),
		    SQLITE_OK);
		ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
		ck_assert_int_eq(sqlite3_column_int(q, 0), 0);
		sqlite3_finalize(q);
	}
	c.key = "bc-b";
	c.kind = "text";
	snprintf(sql, sizeof(sql),
	    "ROLLBACK; BEGIN IMMEDIATE; UPDATE consents SET withdrawn_at = "
	    "unixepoch() WHERE withdrawn_at IS NULL AND id = %lld",
	    cid);
	ck_assert_msg(db_exec(db, sql, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(sqlite3_changes(db_handle(db)), 1);
	c.id = 0;
	ck_assert_int_eq(contrib_create_job(db, &c, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	ck_assert_msg(strstr(e.msg, "withdrawn") != NULL, "%s", e.msg);
	ck_assert_int_eq(c.id, 0);
	ck_assert_msg(db_exec(db, "COMMIT", &e) == 0, "%s", e.msg);
	db_close(db);

	/* Over HTTP, whichever check sees it first. */
	contribute(&w, "bc-b", "demo-text", "Sent after it went.", &r);
	expect_error(&r, 403, "consent_required", "consent gone");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
}
END_TEST

/* --- export --- */

START_TEST(test_export)
{
	static const char handle[] = "efua-export";
	struct tu_resp r;
	struct who w;
	char sha[65], *cd;
	long long id;
	json_t *j, *acc, *cs, *list, *c, *revs, *rev;

	join_ok(handle, &w);
	en_sha_on(&srv, sha);
	consent(&w, "demo-text");
	id = contribute_ok(&w, "export-1", MESSAGE);
	contribute_ok(&w, "export-2", "A plain second one.");

	ck_assert_int_eq(as(&w, "GET", "/api/v1/me/export", NULL, &r), 200);
	cd = tu_header(&r, "Content-Disposition");
	ck_assert_msg(cd != NULL, "no Content-Disposition: %.400s", r.headers);
	ck_assert_msg(strncmp(cd, "attachment", 10) == 0,
	    "Content-Disposition \"%s\" is not an attachment", cd);
	free(cd);
	ck_assert_msg(memmem(r.body, r.n, "owusu", 5) == NULL,
	    "the export holds the original address");
	ck_assert_msg(memmem(r.body, r.n, PHONE, strlen(PHONE)) == NULL,
	    "the export holds the original number");
	j = jbody(&r);
	acc = json_object_get(j, "account");
	ck_assert_msg(json_is_object(acc), "no account: %.300s", r.body);
	ck_assert_str_eq(jstr(acc, "handle"), handle);
	ck_assert_int_eq(jint(acc, "id"), w.id);

	cs = json_object_get(j, "consents");
	ck_assert_msg(json_is_array(cs) && json_array_size(cs) == 1,
	    "consents: %.300s", r.body);
	ck_assert_str_eq(jstr(json_array_get(cs, 0), "document"), sha);

	list = json_object_get(j, "contributions");
	ck_assert_msg(json_is_array(list), "no contributions: %.300s", r.body);
	ck_assert_uint_eq(json_array_size(list), 2);
	c = find_id(list, id);
	ck_assert_msg(c != NULL, "contribution %lld not exported", id);
	revs = json_object_get(c, "revisions");
	ck_assert_msg(json_is_array(revs) && json_array_size(revs) == 1,
	    "revisions of %lld: %.300s", id, r.body);
	rev = json_array_get(revs, 0);
	ck_assert_int_eq(jint(rev, "revision"), 1);
	ck_assert_ptr_nonnull(jstr(rev, "text"));
	ck_assert_msg(strstr(jstr(rev, "text"), "[EMAIL]") != NULL,
	    "revision text \"%s\"", jstr(rev, "text"));
	ck_assert_msg(strstr(jstr(rev, "text"), "[PHONE]") != NULL,
	    "revision text \"%s\"", jstr(rev, "text"));
	ck_assert_int_eq(jint(json_object_get(rev, "redaction"), "EMAIL"), 1);
	json_decref(j);
	tu_resp_free(&r);

	send_req(&srv, "GET", "/api/v1/me/export", NULL, 0, NULL, NULL, 0, &r);
	expect_error(&r, 401, "login_required", "export without a session");
	tu_resp_free(&r);
}
END_TEST

/*
** What a person says about themself: optional, refused when it is not one
** of the choices or could carry a number, taken back with null, in their
** export, and gone when they erase their account.
*/
START_TEST(test_demographics)
{
	struct tu_resp r;
	struct who w;
	json_t *j, *d;

	join_ok("akos-about", &w);
	ck_assert_int_eq(
	    as(&w, "GET", "/api/v1/me/demographics", NULL, &r), 200);
	j = jbody(&r);
	d = json_object_get(j, "demographics");
	ck_assert(json_is_null(json_object_get(d, "age_range")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "age_ranges")), 8);
	json_decref(j);
	tu_resp_free(&r);

	ck_assert_int_eq(as(&w, "POST", "/api/v1/me/demographics",
			     "{\"age_range\":\"33\"}", &r),
	    400);
	expect_error(&r, 400, "invalid", "an age that is not a range");
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "POST", "/api/v1/me/demographics",
			     "{\"variety\":\"call 0244 123 456\"}", &r),
	    400);
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "POST", "/api/v1/me/demographics",
			     "{\"age_range\":\"30-39\",\"gender\":\"female\","
			     "\"variety\":\" Asante  Twi \"}",
			     &r),
	    200);
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "POST", "/api/v1/me/demographics",
			     "{\"age_range\":\"30-39\",\"gender\":null,"
			     "\"variety\":\" Asante  Twi \"}",
			     &r),
	    200);
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "GET", "/api/v1/me/export", NULL, &r), 200);
	j = jbody(&r);
	d = json_object_get(j, "demographics");
	ck_assert_str_eq(jstr(d, "age_range"), "30-39");
	ck_assert_str_eq(jstr(d, "variety"), "Asante Twi");
	ck_assert(json_is_null(json_object_get(d, "gender")));
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM demographics WHERE "
			     "account_id = ?1",
			     w.id, NULL),
	    1);
	ck_assert_int_eq(
	    as(&w, "POST", "/api/v1/me/erase", "{\"confirm\":\"erase\"}", &r),
	    200);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int(maindir,
			     "SELECT count(*) FROM demographics WHERE "
			     "account_id = ?1",
			     w.id, NULL),
	    0);
}
END_TEST

/* --- one commit per request --- */

/* The value of ${name} in ${s}'s /metrics. */
static long long
metric(const struct tu_server *s, const char *name)
{
	struct tu_resp r;
	char pat[128];
	const char *p;
	long long v;

	ck_assert_int_eq(
	    send_req(s, "GET", "/metrics", NULL, 0, NULL, NULL, 0, &r), 200);
	snprintf(pat, sizeof(pat), "\n%s ", name);
	p = strstr(r.body, pat);
	ck_assert_msg(p != NULL, "no %s in /metrics", name);
	v = strtoll(p + strlen(pat), NULL, 10);
	tu_resp_free(&r);
	return (v);
}

START_TEST(test_naive_commit)
{
	struct tu_resp r, again;
	struct tu_burst b[8];
	struct who w;
	long long id, jobs, batches;
	char *body, nurl[128];
	json_t *j;
	int i;

	snprintf(nurl, sizeof(nurl), "%s/api/v1/contributions", naive.base);
	card_person_on(&naive, naive_card, &w);
	consent_on(&naive, &w, "demo-text", "[\"publish_text\"]");
	contribute_on(&naive, &w, "naive-1", "demo-text", MESSAGE, &r);
	ck_assert_msg(
	    r.status == 201, "naive node: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	id = jint(json_object_get(j, "contribution"), "id");
	ck_assert_int_gt(id, 0);
	ck_assert_ptr_null(
	    strstr(jstr(json_object_get(j, "contribution"), "text"), EMAIL));
	json_decref(j);
	contribute_on(&naive, &w, "naive-1", "demo-text", MESSAGE, &again);
	ck_assert_int_eq(again.status, 200);
	ck_assert(again.n == r.n && memcmp(again.body, r.body, r.n) == 0);
	tu_resp_free(&again);
	tu_resp_free(&r);
	/* Eight at once, each its own key: each is committed alone. */
	body = contrib_body("demo-text", "Another, sent alongside.");
	memset(b, 0, sizeof(b));
	for (i = 0; i < 8; i++) {
		b[i].url = nurl;
		b[i].ctype = "application/json";
		snprintf(b[i].key, sizeof(b[i].key), "naive-burst-%d", i);
		b[i].w = &w;
		b[i].body = body;
		b[i].len = strlen(body);
	}
	tu_burst_run(b, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_msg(b[i].rc == 0 && b[i].status == 201,
		    "naive burst %d: %ld %.300s", i, b[i].status, b[i].answer);
		free(b[i].answer);
	}
	free(body);
	/* Every commit held one job. */
	jobs = metric(&naive, "tributary_commit_batch_jobs_sum");
	batches = metric(&naive, "tributary_commit_batch_jobs_count");
	ck_assert_msg(jobs >= 9 && jobs == batches,
	    "%lld jobs in %lld commits on the naive node", jobs, batches);
	ck_assert_int_eq(db_int(naivedir,
			     "SELECT count(*) FROM contributions WHERE "
			     "account_id = ?1",
			     w.id, NULL),
	    9);
	ck_assert_int_eq(db_int(naivedir,
			     "SELECT count(*) FROM contribution_revisions "
			     "WHERE contribution_id = ?1 AND instr(text, "
			     "'[EMAIL]') > 0",
			     id, NULL),
	    1);
	expect_not_on_disk(naivedir, EMAIL);
}
END_TEST

/* --- setup, before any test forks --- */

static const char DEMO_TEXT[] =
    "{\"slug\":\"demo-text\",\"title\":\"Community text drive\","
    "\"language\":\"ee\",\"kind\":\"text\",\"consent\":\"general\","
    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
    "\"max_chars\":2000}\n";

/*
** Makes the main node in ${maindir}: demo-text, short-text (max_chars
** 20), demo-audio, NCARDS cards and a maintainer "mia".
*/
static int
make_main(void)
{
	char out[4096], count[16];
	char *init[] = { (char *)bin, "init", "--data", maindir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", maindir,
		"--campaign", "demo-text", "--count", count, NULL };
	char *mia[] = { "sh", "-c",
		"printf '%s\\n' \"$2\" | \"$0\" user add --data \"$1\" mia "
		"--role maintainer --passphrase-stdin",
		(char *)bin, maindir, MIA, NULL };
	char *tom[] = { "sh", "-c",
		"printf '%s\\n' \"$2\" | \"$0\" user add --data \"$1\" tom "
		"--role treasurer --passphrase-stdin",
		(char *)bin, maindir, TOM, NULL };

	snprintf(count, sizeof(count), "%d", NCARDS);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(
		bin, base, maindir, "demo-text.json", DEMO_TEXT) != 0 ||
	    tu_import_campaign(bin, base, maindir, "short-text.json",
		"{\"slug\":\"short-text\",\"title\":\"Short answers\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"max_chars\":20}\n") != 0 ||
	    tu_import_campaign(bin, base, maindir, "demo-audio.json",
		"{\"slug\":\"demo-audio\",\"title\":\"Voice drive\","
		"\"language\":\"ee\",\"kind\":\"audio\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_voice\"],"
		"\"minimum_age\":16}\n") != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, NCARDS, cards) == -1 ||
	    tu_run_quiet(mia, out, sizeof(out)) != 0 ||
	    tu_run_quiet(tom, out, sizeof(out)) != 0)
		return (-1);
	return (0);
}

static int
make_naive(void)
{
	char out[4096];
	char *init[] = { (char *)bin, "init", "--data", naivedir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", naivedir,
		"--campaign", "demo-text", "--count", "1", NULL };

	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(
		bin, base, naivedir, "naive-text.json", DEMO_TEXT) != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, 1, &naive_card) == -1)
		return (-1);
	return (0);
}

/* Starts ${s} on ${dir} with the source tree's folders and ${opt} ${val}
** (may be NULL). */
static int
start(struct tu_server *s, const char *dir, const char *opt, const char *val)
{
	char consent[600], redact[600], webroot[600];
	/* Rate limits are not under test here; a burst of sixteen is. */
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, "--rate-per-address", "100000",
		"--rate-per-account", "100000", opt, val, NULL };

	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_server_start(s, dir, extra));
}

int
main(void)
{
	/* The servers, stopped (and checked) at the end. */
	struct tu_server *const stop[] = { &srv, &naive };
	const char *const names[] = { "main", "naive" };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(naivedir, sizeof(naivedir), "%s/naive", base);
	if (make_main() == -1 || make_naive() == -1 ||
	    start(&srv, maindir, NULL, NULL) == -1 ||
	    start(&naive, naivedir, "--naive-commit", "1") == -1) {
		fprintf(
		    stderr, "could not start the servers (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		tu_stop_clean(&naive, "naive");
		return (1);
	}

	s = suite_create("contrib");
	tc = tcase_create("contrib");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_consent_gate);
	tcase_add_test(tc, test_redaction_stored);
	tcase_add_test(tc, test_redact_preview);
	tcase_add_test(tc, test_idempotency);
	tcase_add_test(tc, test_idempotency_concurrent);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_withdraw);
	tcase_add_test(tc, test_withdraw_behalf_rule);
	tcase_add_test(tc, test_withdraw_all);
	tcase_add_test(tc, test_withdraw_consent);
	tcase_add_test(tc, test_consent_gone_before_write);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_demographics);
	tcase_add_test(tc, test_naive_commit);
	suite_add_tcase(s, tc);

	return (tu_suite_end(s, stop, names, 2, base));
}
