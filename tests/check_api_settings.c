/*
** The organization behind a node and the node's switches, over real HTTP:
** the built binary serves a node made with its own CLI (`init`, `campaign
** import`, `drive-codes`, `user add`) and is asked with libcurl; the
** node's SQLite file is read beside it to see what was written. Covers
** the settings API (who may read and change them, the bounds, the audit
** row) and `tributary settings`; the switch that closes sign-up by
** handle; card labels (set at a card's first use or by a maintainer,
** searched by label or handle, the role rule) and card re-issue only for
** accounts that have a card; and the address `drive-codes --cards --url`
** takes. The server is started once, before the tests fork.
*/
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "apitest.h"
#include "testutil.h"

#define NCARDS 6

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static struct tu_server srv;
static char cards[NCARDS][CARD_CODE_LEN + 1];

/* --- requests --- */

#define as(w, m, p, b, out)         tu_as(&srv, w, m, p, b, out)
#define expect_json(w, m, p, b, st) tu_expect_json(&srv, w, m, p, b, st)
#define expect_refusal(w, m, p, b, st, code)                                   \
	tu_expect_refusal(&srv, w, m, p, b, st, code)

static void
pass_of(const char *handle, char *out, size_t n)
{
	snprintf(out, n, "%s's settings passphrase", handle);
}

/* Logs ${handle} (made by make_node()) in. */
static void
log_in(const char *handle, struct who *w)
{
	char pass[128];

	pass_of(handle, pass, sizeof(pass));
	tu_log_in(&srv, handle, pass, w);
}

/* The number of audit rows with ${action}. */
static long long
audit_count(const char *action)
{
	return (tu_db_get(maindir,
	    "SELECT count(*) FROM audit_log WHERE action = ?2", 0, action, NULL,
	    0));
}

/* ${n} copies of the UTF-8 character ${ch}, into ${out}. */
static void
repeat(char *out, size_t size, const char *ch, int n)
{
	size_t len = strlen(ch);

	out[0] = '\0';
	while (n-- > 0 && strlen(out) + len < size)
		strcat(out, ch);
}

/* --- the settings --- */

/*
** Anyone reads the settings; only an admin changes them. Each bound is in
** characters, not bytes (100 two-byte letters fit a name), a name is one
** line, and a refused change leaves everything as it was. A change is
** audited once; the same values again change nothing and write nothing.
*/
START_TEST(test_settings_api)
{
	struct who admin, mia, rolf;
	char name[400], body[1200], path[] = "/api/v1/settings";
	json_t *j;
	long long audits;

	j = expect_json(NULL, "GET", path, NULL, 200);
	ck_assert(json_is_string(json_object_get(j, "org_name")));
	ck_assert(json_is_true(json_object_get(j, "handle_signup")));
	json_decref(j);

	log_in("root", &admin);
	log_in("mia", &mia);
	log_in("rolf", &rolf);
	expect_refusal(
	    NULL, "POST", path, "{\"org_name\":\"X\"}", 401, "login_required");
	expect_refusal(
	    &rolf, "POST", path, "{\"org_name\":\"X\"}", 403, "forbidden");
	expect_refusal(
	    &mia, "POST", path, "{\"org_name\":\"X\"}", 403, "forbidden");

	audits = audit_count("settings.changed");
	j = expect_json(&admin, "POST", path,
	    "{\"org_name\":\"  Ewe Language Trust \",\"org_contact\":"
	    "\"+233 20 000 0000\\ninfo@ewe.example\\nHo, Volta Region\","
	    "\"org_about\":\"We collect Ewe.\"}",
	    200);
	ck_assert_str_eq(jstr(j, "org_name"), "Ewe Language Trust");
	ck_assert_str_eq(jstr(j, "org_contact"),
	    "+233 20 000 0000\ninfo@ewe.example\nHo, Volta Region");
	ck_assert(json_is_integer(json_object_get(j, "updated_at")));
	json_decref(j);
	ck_assert_int_eq(audit_count("settings.changed"), audits + 1);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'settings.changed' AND actor_id = ?1 AND "
			     "json_extract(detail, '$.org_name') = "
			     "'Ewe Language Trust'",
			     admin.id, NULL, NULL, 0),
	    1);
	/* Anyone sees it. */
	j = expect_json(NULL, "GET", path, NULL, 200);
	ck_assert_str_eq(jstr(j, "org_name"), "Ewe Language Trust");
	ck_assert_str_eq(jstr(j, "org_about"), "We collect Ewe.");
	json_decref(j);
	/* The same again: nothing written. */
	j = expect_json(
	    &admin, "POST", path, "{\"org_name\":\"Ewe Language Trust\"}", 200);
	json_decref(j);
	ck_assert_int_eq(audit_count("settings.changed"), audits + 1);

	/* The bounds, and refusals that change nothing. */
	repeat(name, sizeof(name), "\xc3\xa9", 100); /* 100 x "é" */
	snprintf(body, sizeof(body), "{\"org_name\":\"%s\"}", name);
	j = expect_json(&admin, "POST", path, body, 200);
	ck_assert_str_eq(jstr(j, "org_name"), name);
	json_decref(j);
	repeat(name, sizeof(name), "\xc3\xa9", 101);
	snprintf(body, sizeof(body),
	    "{\"org_name\":\"%s\",\"org_about\":\"changed\"}", name);
	expect_refusal(&admin, "POST", path, body, 400, "invalid");
	repeat(name, sizeof(name), "x", 301);
	snprintf(body, sizeof(body), "{\"org_contact\":\"%s\"}", name);
	expect_refusal(&admin, "POST", path, body, 400, "invalid");
	expect_refusal(&admin, "POST", path,
	    "{\"org_name\":\"two\\nlines\",\"org_about\":\"changed\"}", 400,
	    "invalid");
	expect_refusal(&admin, "POST", path,
	    "{\"org_about\":\"a bell \\u0007\"}", 400, "invalid");
	expect_refusal(
	    &admin, "POST", path, "{\"org_name\":7}", 400, "invalid");
	expect_refusal(
	    &admin, "POST", path, "{\"handle_signup\":\"no\"}", 400, "invalid");
	j = expect_json(NULL, "GET", path, NULL, 200);
	ck_assert_str_eq(jstr(j, "org_about"), "We collect Ewe.");
	ck_assert(json_is_true(json_object_get(j, "handle_signup")));
	json_decref(j);

	/* Back to a short name for the card tests. */
	j = expect_json(
	    &admin, "POST", path, "{\"org_name\":\"Ewe Language Trust\"}", 200);
	json_decref(j);
}
END_TEST

/* `tributary settings` beside the running server: prints the settings,
** changes them (audited, seen by the API at once), refuses what does not
** fit with the reason and exit status 2. */
START_TEST(test_settings_cli)
{
	char out[4096];
	const char *show[] = { "settings", "--data", maindir, NULL };
	const char *set[] = { "settings", "--data", maindir, "--org-about",
		"Linguists and teachers\\nin Ho.", NULL };
	const char *bad[] = { "settings", "--data", maindir, "--handle-signup",
		"maybe", NULL };
	char longname[200];
	const char *toolong[] = { "settings", "--data", maindir, "--org-name",
		longname, NULL };
	long long audits = audit_count("settings.changed");
	json_t *j;

	ck_assert_int_eq(tu_cli(out, sizeof(out), show), 0);
	ck_assert_msg(strstr(out, "org-name") != NULL &&
		strstr(out, "handle-signup  on") != NULL,
	    "settings printed: %s", out);
	ck_assert_int_eq(tu_cli(out, sizeof(out), set), 0);
	ck_assert_int_eq(audit_count("settings.changed"), audits + 1);
	j = expect_json(NULL, "GET", "/api/v1/settings", NULL, 200);
	ck_assert_str_eq(
	    jstr(j, "org_about"), "Linguists and teachers\nin Ho.");
	json_decref(j);
	ck_assert_int_eq(tu_cli(out, sizeof(out), bad), 2);
	ck_assert_msg(strstr(out, "on or off") != NULL, "said: %s", out);
	repeat(longname, sizeof(longname), "n", 101);
	ck_assert_int_eq(tu_cli(out, sizeof(out), toolong), 2);
	ck_assert_msg(strstr(out, "at most 100") != NULL, "said: %s", out);
	ck_assert_int_eq(audit_count("settings.changed"), audits + 1);
}
END_TEST

/* --- sign-up by handle --- */

/* Logs in with card ${code} and ${pin} (a first use sets the PIN) and
** an optional ${label}: the status, the session in ${w}. */
static long
card_login(const char *code, const char *pin, const char *label, struct who *w)
{
	struct tu_resp r;
	json_t *b = json_pack("{s:s,s:s}", "card", code, "pin", pin);
	char *body;
	long st;

	if (label != NULL)
		json_object_set_new(b, "label", json_string(label));
	body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	st = as(NULL, "POST", "/api/v1/login", body, &r);
	free(body);
	if (st == 200 || st == 201)
		take_session(&r, w);
	tu_resp_free(&r);
	return (st);
}

/*
** With sign-up by handle switched off, POST /api/v1/join answers 403
** signup_closed and makes no account; logging in by handle and a card's
** first use still work. Switched on again, joining works.
*/
START_TEST(test_signup_switch)
{
	static const char join[] =
	    "{\"handle\":\"newcomer\",\"passphrase\":\"a long passphrase\"}";
	struct who admin, rolf, holder;
	json_t *j;

	log_in("root", &admin);
	j = expect_json(&admin, "POST", "/api/v1/settings",
	    "{\"handle_signup\":false}", 200);
	ck_assert(json_is_false(json_object_get(j, "handle_signup")));
	json_decref(j);
	j = expect_json(NULL, "GET", "/api/v1/settings", NULL, 200);
	ck_assert(json_is_false(json_object_get(j, "handle_signup")));
	json_decref(j);

	expect_refusal(
	    NULL, "POST", "/api/v1/join", join, 403, "signup_closed");
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM accounts WHERE handle = ?2",
			     0, "newcomer", NULL, 0),
	    0);
	log_in("rolf", &rolf);
	ck_assert_int_eq(card_login(cards[0], "1357", NULL, &holder), 201);

	j = expect_json(&admin, "POST", "/api/v1/settings",
	    "{\"handle_signup\":true}", 200);
	json_decref(j);
	j = expect_json(NULL, "POST", "/api/v1/join", join, 201);
	json_decref(j);
	ck_assert_int_eq(audit_count("settings.changed") >= 2, 1);
}
END_TEST

/* --- card labels --- */

/* The account ${id} as GET /api/v1/accounts lists it (to decref). */
static json_t *
listed(const struct who *admin, long long id)
{
	json_t *j = expect_json(admin, "GET", "/api/v1/accounts", NULL, 200);
	json_t *a, *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(j, "accounts"), i,
	    a) if (jint(a, "id") == id) found = json_incref(a);
	json_decref(j);
	ck_assert_msg(found != NULL, "account %lld is not listed", id);
	return (found);
}

/* GET /api/v1/accounts/search?q=${q} (escaped) as ${w}: its accounts'
** ids, up to ${max}, into ${ids}; their count. */
static size_t
search(const struct who *w, const char *q, long long *ids, size_t max)
{
	char path[400];
	json_t *j, *a;
	size_t i, n = 0;

	snprintf(path, sizeof(path), "/api/v1/accounts/search?q=%s", q);
	j = expect_json(w, "GET", path, NULL, 200);
	json_array_foreach(json_object_get(j, "accounts"), i, a)
	{
		ck_assert(json_is_boolean(json_object_get(a, "card")));
		if (n < max)
			ids[n] = jint(a, "id");
		n++;
	}
	json_decref(j);
	return (n);
}

static int
has_id(const long long *ids, size_t n, long long id)
{
	while (n-- > 0)
		if (ids[n] == id)
			return (1);
	return (0);
}

/*
** A card's label (the name or note on its stub) is given at its first use
** or by a maintainer, bounded, found again by label or handle whatever the
** case (in any script), kept when the card is re-issued, gone when the
** account is erased. Acts on another account follow the role rule; the
** label is not written into the audit log. Re-issue is for accounts that
** have a card: the list says which, and the API refuses the others.
*/
START_TEST(test_card_labels)
{
	char path[200], body[300], longlabel[200];
	struct who admin, mia, rolf, holder, chief;
	long long ids[32];
	long long labelled = audit_count("card.labelled");
	json_t *j, *a;

	log_in("root", &admin);
	log_in("mia", &mia);
	log_in("rolf", &rolf);

	/* At first use, with the card; a label that does not fit refuses
	** the login before anything is made. */
	repeat(longlabel, sizeof(longlabel), "\xc3\xa1", 61);
	ck_assert_int_eq(card_login(cards[2], "2468", longlabel, &holder), 400);
	ck_assert_int_eq(
	    card_login(cards[2], "2468", "  Ama, blue dress ", &holder), 201);
	a = listed(&admin, holder.id);
	ck_assert(json_is_true(json_object_get(a, "card")));
	ck_assert_str_eq(jstr(a, "card_label"), "Ama, blue dress");
	json_decref(a);

	/* A maintainer writes it; a search finds it in any case. */
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/card-label", holder.id);
	j = expect_json(&mia, "POST", path,
	    "{\"label\":\"\u00de\u00f3ra J\u00f3nsd\u00f3ttir, Ho\"}", 200);
	a = json_object_get(j, "account");
	ck_assert_str_eq(jstr(a, "card_label"),
	    "\xc3\x9e\xc3\xb3ra J\xc3\xb3nsd\xc3\xb3ttir, Ho");
	ck_assert(json_is_true(json_object_get(a, "card")));
	json_decref(j);
	ck_assert_int_eq(audit_count("card.labelled"), labelled + 2);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE detail "
			     "LIKE '%' || ?2 || '%'",
			     0, "sd\xc3\xb3ttir", NULL, 0),
	    0);
	/* "þÓRA" and "JÓNSD" */
	ck_assert_uint_eq(search(&mia, "%C3%BE%C3%93RA", ids, 32), 1);
	ck_assert_int_eq(ids[0], holder.id);
	ck_assert_uint_eq(search(&mia, "J%C3%93NSD", ids, 32), 1);
	ck_assert_uint_eq(search(&mia, "nobody%20like%20this", ids, 32), 0);
	/* By handle too, and what has no card says so. */
	search(&mia, "ROLF", ids, 32);
	ck_assert(has_id(ids, 1, rolf.id));
	a = listed(&admin, rolf.id);
	ck_assert(json_is_false(json_object_get(a, "card")));
	ck_assert(json_is_null(json_object_get(a, "card_label")));
	json_decref(a);

	/* Refusals: the query's bounds, a contributor, a label too long or
	** of two lines, an account without a card. */
	expect_refusal(
	    &mia, "GET", "/api/v1/accounts/search", NULL, 400, "invalid");
	expect_refusal(
	    &mia, "GET", "/api/v1/accounts/search?q=%20", NULL, 400, "invalid");
	repeat(longlabel, sizeof(longlabel), "x", 61);
	snprintf(body, sizeof(body), "/api/v1/accounts/search?q=%s", longlabel);
	expect_refusal(&mia, "GET", body, NULL, 400, "invalid");
	expect_refusal(&rolf, "GET", "/api/v1/accounts/search?q=a", NULL, 403,
	    "forbidden");
	expect_refusal(
	    &rolf, "POST", path, "{\"label\":\"x\"}", 403, "forbidden");
	snprintf(body, sizeof(body), "{\"label\":\"%s\"}", longlabel);
	expect_refusal(&mia, "POST", path, body, 400, "invalid");
	expect_refusal(
	    &mia, "POST", path, "{\"label\":\"a\\nb\"}", 400, "invalid");
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/card-label", rolf.id);
	expect_refusal(
	    &mia, "POST", path, "{\"label\":\"x\"}", 404, "not_found");
	a = listed(&admin, holder.id);
	ck_assert_str_eq(jstr(a, "card_label"),
	    "\xc3\x9e\xc3\xb3ra J\xc3\xb3nsd\xc3\xb3ttir, Ho");
	json_decref(a);

	/* Re-issue: refused for an account without a card, and the label
	** outlives the old card. */
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", rolf.id);
	expect_refusal(&admin, "POST", path, "{}", 404, "not_found");
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", holder.id);
	j = expect_json(&mia, "POST", path, "{}", 201);
	json_decref(j);
	a = listed(&admin, holder.id);
	ck_assert_str_eq(jstr(a, "card_label"),
	    "\xc3\x9e\xc3\xb3ra J\xc3\xb3nsd\xc3\xb3ttir, Ho");
	json_decref(a);

	/* The role rule: a maintainer may not label a maintainer's card; an
	** admin may. */
	ck_assert_int_eq(card_login(cards[3], "1122", NULL, &chief), 201);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/role", chief.id);
	j = expect_json(&admin, "POST", path, "{\"role\":\"maintainer\"}", 200);
	json_decref(j);
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/card-label", chief.id);
	expect_refusal(
	    &mia, "POST", path, "{\"label\":\"Kofi\"}", 403, "forbidden");
	j = expect_json(&admin, "POST", path, "{\"label\":\"Kofi\"}", 200);
	json_decref(j);

	/* "" removes a label; erasing the account removes it too. */
	j = expect_json(&admin, "POST", path, "{\"label\":\"\"}", 200);
	ck_assert(json_is_null(
	    json_object_get(json_object_get(j, "account"), "card_label")));
	json_decref(j);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM card_labels WHERE "
			     "account_id = ?1",
			     holder.id, NULL, NULL, 0),
	    1);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/erase", holder.id);
	j = expect_json(&admin, "POST", path, "{\"confirm\":\"erase\"}", 200);
	json_decref(j);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM card_labels WHERE "
			     "account_id = ?1",
			     holder.id, NULL, NULL, 0),
	    0);
}
END_TEST

/* --- printed cards --- */

/* `drive-codes` for campaign ${slug} with --url ${url} and --cards into
** ${file}: the exit status, its words in ${out}. */
static int
print_cards(
    const char *slug, const char *url, const char *file, char *out, size_t n)
{
	char webroot[600];
	const char *args[] = { "drive-codes", "--data", maindir, "--campaign",
		slug, "--count", "2", "--cards", file, "--url", url,
		"--webroot", webroot, NULL };

	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_cli(out, n, args));
}

/* The number of cards made so far. */
static long long
card_count(void)
{
	return (tu_db_get(
	    maindir, "SELECT count(*) FROM drive_codes", 0, NULL, NULL, 0));
}

/*
** `drive-codes --cards --url` takes the node's base address: one that
** ends in a page (the cards add join.html?card= themselves, so its QR
** codes would lead to a 404), has a query, or is not http(s) is refused
** with the reason, before any card is made; plain http on another
** machine is refused for an audio campaign (phones cannot record there)
** and only warned about for a text one; https and loopback pass. A card
** carries the campaign's title and language (its words in that
** language), the organization and its contact, and its code.
*/
START_TEST(test_card_urls)
{
	static const char *const bad[] = { "https://drive.lan/join.html",
		"https://drive.lan/join.html/", "https://drive.lan/?card=1",
		"ftp://drive.lan", "https://", "drive.lan",
		"https://drive.lan/my drive" };
	char out[8192], file[700];
	long long before;
	size_t i, n;
	char *page, *code;
	json_t *j;
	struct who admin;

	log_in("root", &admin);
	j = expect_json(&admin, "POST", "/api/v1/settings",
	    "{\"org_name\":\"Ewe Language Trust\",\"org_contact\":"
	    "\"+233 20 000 0000\\nHo <Volta>\"}",
	    200);
	json_decref(j);
	snprintf(file, sizeof(file), "%s/cards.html", base);
	before = card_count();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(print_cards("ewe-text", bad[i], file, out,
				  sizeof(out)) == 2,
		    "%s: %s", bad[i], out);
		ck_assert_int_eq(card_count(), before);
	}
	print_cards("ewe-text", bad[0], file, out, sizeof(out));
	ck_assert_msg(strstr(out, "not a page") != NULL, "said: %s", out);

	ck_assert_int_eq(print_cards("ewe-voice", "http://192.168.1.20", file,
			     out, sizeof(out)),
	    2);
	ck_assert_msg(
	    strstr(out, "phones cannot record there") != NULL, "said: %s", out);
	ck_assert_int_eq(card_count(), before);
	ck_assert_int_eq(print_cards("ewe-text", "http://192.168.1.20:8080",
			     file, out, sizeof(out)),
	    0);
	ck_assert_msg(strstr(out, "warning") != NULL &&
		strstr(out, "phones cannot record there") != NULL,
	    "said: %s", out);
	ck_assert_int_eq(print_cards("ewe-voice", "http://localhost:8080/",
			     file, out, sizeof(out)),
	    0);
	ck_assert_int_eq(print_cards("ewe-voice", "https://drive.lan/", file,
			     out, sizeof(out)),
	    0);
	ck_assert_int_eq(card_count(), before + 6);

	/* The last sheet: two cards of the Ewe voice drive. */
	page = tu_slurp(file, &n);
	ck_assert_msg(
	    strstr(page, "<html lang=\"ee\">") != NULL, "%.300s", page);
	ck_assert_ptr_nonnull(strstr(page, "<h2>Gbe</h2>"));
	ck_assert_ptr_nonnull(strstr(page, "Ewe Language Trust"));
	ck_assert_ptr_nonnull(
	    strstr(page, "+233 20 000 0000<br>Ho &lt;Volta&gt;"));
	/* Its words are the Ewe catalog's, the address the one given. */
	ck_assert_msg(strstr(page, "alo \u028bu https://drive.lan eye") != NULL,
	    "not in Ewe: %.2000s", page);
	code = strstr(out, "\n") ? out : NULL;
	ck_assert_ptr_nonnull(code);
	out[CARD_CODE_LEN] = '\0';
	ck_assert_ptr_nonnull(strstr(page, out));
	free(page);
}
END_TEST

/* The campaign page's sheet (POST /api/v1/campaigns/{slug}/cards) shows
** the organization and the campaign's language too, and leads to the
** address the page was reached at: for an audio campaign reached over
** plain http on another machine it is refused and no card is made. */
START_TEST(test_card_sheet_route)
{
	struct tu_req q = { 0 };
	struct who mia;
	struct tu_resp r;
	long long before;

	log_in("mia", &mia);
	ck_assert_int_eq(as(&mia, "POST", "/api/v1/campaigns/ewe-text/cards",
			     "{\"count\":1}", &r),
	    200);
	ck_assert_msg(strstr(r.body, "<html lang=\"ee\">") != NULL &&
		strstr(r.body, "Ewe Language Trust") != NULL &&
		strstr(r.body, srv.base) != NULL,
	    "%.1000s", r.body);
	tu_resp_free(&r);

	before = card_count();
	q.w = &mia;
	q.csrf = 1;
	q.ctype = "application/json";
	q.extra = "Host: drive.lan";
	q.body = "{\"count\":1}";
	q.n = strlen(q.body);
	tu_request(&srv, "POST", "/api/v1/campaigns/ewe-voice/cards", &q, &r);
	expect_error(&r, 409, "insecure_address", "audio cards over http");
	expect_message(&r, "phones cannot record there");
	tu_resp_free(&r);
	ck_assert_int_eq(card_count(), before);
	/* A text drive's cards may still be printed there. */
	tu_request(&srv, "POST", "/api/v1/campaigns/ewe-text/cards", &q, &r);
	ck_assert_msg(
	    r.status == 200 && strstr(r.body, "http://drive.lan") != NULL,
	    "%ld %.300s", r.status, r.body);
	tu_resp_free(&r);
}
END_TEST

/* --- the node --- */

/* `user add ${handle} --role ${role}` with a passphrase. */
static int
add_user(const char *handle, const char *role)
{
	char pass[128];

	pass_of(handle, pass, sizeof(pass));
	return (tu_user_add(bin, maindir, handle, role, NULL, pass));
}

static int
make_node(void)
{
	char out[4096], ncards[8];
	char *init[] = { (char *)bin, "init", "--data", maindir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", maindir,
		"--campaign", "ewe-text", "--count", ncards, NULL };

	snprintf(ncards, sizeof(ncards), "%d", NCARDS);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(bin, base, maindir, "ewe-text.json",
		"{\"slug\":\"ewe-text\",\"title\":\"Ŋutinya siwo míaŋlɔ\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16}\n") != 0 ||
	    tu_import_campaign(bin, base, maindir, "ewe-voice.json",
		"{\"slug\":\"ewe-voice\",\"title\":\"Gbe\",\"language\":"
		"\"ee\",\"kind\":\"audio\",\"consent\":\"general\","
		"\"required_scopes\":[\"publish_voice\"],\"minimum_age\":16}"
		"\n") != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, NCARDS, cards) != 0 ||
	    add_user("root", "admin") != 0 ||
	    add_user("mia", "maintainer") != 0 ||
	    add_user("moe", "maintainer") != 0 ||
	    add_user("rolf", "reviewer") != 0)
		return (-1);
	return (0);
}

static int
start(void)
{
	char consent[600], webroot[600];
	/* Rate limits and login guards are not under test here. */
	const char *extra[] = { "--consent-dir", consent, "--webroot", webroot,
		"--rate-per-address", "100000", "--rate-per-account", "100000",
		"--login-backoff-after", "1000", "--hashes-per-address", "100",
		NULL };

	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
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
	if (make_node() == -1 || start() == -1) {
		fprintf(
		    stderr, "could not start the server (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		return (1);
	}
	s = suite_create("api_settings");
	tc = tcase_create("api_settings");
	/* Logins hash passphrases: slow under ASan. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_settings_api);
	tcase_add_test(tc, test_settings_cli);
	tcase_add_test(tc, test_signup_switch);
	tcase_add_test(tc, test_card_labels);
	tcase_add_test(tc, test_card_urls);
	tcase_add_test(tc, test_card_sheet_route);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, stop, names, 1, base));
}
