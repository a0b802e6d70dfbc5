/*
** Consent documents translated on the node, over real HTTP
** (server/http/api_consent_tr.c, server/domain/consent_tr.c). The node
** serves a copy of the consent folder whose Ewe document of the latest
** version lacks a paragraph. A reviewer a maintainer lets translate fills
** it in (bad parts refused with their codes); he may not review his own
** work; a second translator does, and the node writes the document under
** its data folder and serves it as reviewed at once. Somebody consents to
** it; a correction then becomes a new version, the old text and hash
** untouched and still what the consent names, English copied but for its
** version line. After a restart the node serves what it made. Then the
** part ids and the body's cutting, on their own.
*/
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apitest.h"
#include "consent.h"
#include "consent_tr.h"
#include "crypto.h"
#include "text.h"
#include "testutil.h"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static char consentdir[700];
static struct tu_server srv;
static const char *extra[] = { "--consent-dir", consentdir,
	"--rate-per-address", "100000", "--rate-per-account", "100000",
	"--login-backoff-after", "1000", "--hashes-per-address", "100", NULL };

static void
server_up(void)
{
	memset(&srv, 0, sizeof(srv));
	ck_assert_msg(tu_server_start(&srv, maindir, extra) == 0,
	    "the node did not start (see %s/server.log)", maindir);
}

/* Stops the test's server if it runs: a failed test leaves none. */
static void
server_down(void)
{
	if (srv.pid > 0)
		tu_stop_clean(&srv, "main");
	srv.pid = 0;
}

static void
log_in(const char *handle, struct who *w)
{
	char pass[128];

	tu_pass_of(handle, pass, sizeof(pass));
	tu_log_in(&srv, handle, pass, w);
}

static json_t *
ok(const struct who *w, const char *method, const char *path, const char *body)
{
	return (tu_expect_json(&srv, w, method, path, body, 200));
}

static void
refused(const struct who *w, const char *method, const char *path,
    const char *body, long status, const char *code)
{
	tu_expect_refusal(&srv, w, method, path, body, status, code);
}

/* PUT part ${part} of the Ewe translation as ${w} with ${text}; the
** answer's status, ${code} checked when not NULL. */
static void
put_part(const struct who *w, const char *part, const char *text, long status,
    const char *code)
{
	char path[300], *body;
	json_t *j = json_pack("{s:s}", "text", text);

	snprintf(path, sizeof(path),
	    "/api/v1/consent/general/translations/ee/parts/%s", part);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (code != NULL)
		refused(w, "PUT", path, body, status, code);
	else
		json_decref(tu_expect_json(&srv, w, "PUT", path, body, status));
	free(body);
}

/* The lowercase hex SHA-256 of file ${path}, into ${hex}. */
static void
file_sha(const char *path, char hex[65])
{
	uint8_t md[SHA256_LEN];
	size_t n;
	void *p = tu_slurp(path, &n);

	sha256_digest(p, n, md);
	hex_encode(md, SHA256_LEN, hex);
	free(p);
}

/* The part of view ${v} named ${id} (borrowed), failing the test if none. */
/* Writes the ${n} bytes at ${p} as the file ${path}. */
static void
write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* GET ${path} (nobody logged in) answers ${status}. */
static void
expect_status(const char *path, long status)
{
	struct tu_resp r;
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", srv.base, path);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_msg(r.status == status, "GET %s: %ld", path, r.status);
	tu_resp_free(&r);
}

static json_t *
part_of(json_t *v, const char *id)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(v, "parts"), i, p)
	{
		if (strcmp(jstr(p, "id"), id) == 0)
			return (p);
	}
	ck_abort_msg("the view has no part %s", id);
	return (NULL);
}

START_TEST(test_translate_review_version)
{
	struct who mia, rolf, rita, tom;
	char path[900], fr4[900], sha3[65], hex[65], missing[100], *big, *en3,
	    *en4, *at;
	json_t *v, *p, *doc, *rv, *c;
	size_t n3, n4;
	long long consent_id;

	server_up();
	log_in("mia", &mia);
	log_in("rolf", &rolf);
	log_in("rita", &rita);
	log_in("tom", &tom);

	/* Only those who may translate. */
	refused(&tom, "GET", "/api/v1/consent/general/translations/ee", NULL,
	    403, "forbidden");
	refused(&tom, "PUT",
	    "/api/v1/consent/general/translations/ee/parts/title",
	    "{\"text\":\"x\"}", 403, "forbidden");
	refused(&rolf, "GET", "/api/v1/consent/general/translations/ee", NULL,
	    403, "forbidden");
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/translator", rolf.id);
	json_decref(ok(&mia, "POST", path, "{\"can_translate\":true}"));
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/translator", rita.id);
	json_decref(ok(&mia, "POST", path, "{\"can_translate\":true}"));

	/* The view: version 3, a draft, the missing paragraph first. */
	v = ok(&rolf, "GET", "/api/v1/consent/general/translations/ee", NULL);
	ck_assert_int_eq(jint(v, "version"), 3);
	ck_assert(json_is_true(json_object_get(v, "exists")));
	ck_assert(json_is_false(json_object_get(v, "reviewed")));
	ck_assert(json_is_false(json_object_get(v, "consented")));
	p = json_array_get(json_object_get(v, "parts"), 0);
	ck_assert(json_is_true(json_object_get(p, "missing")));
	ck_assert(json_is_null(json_object_get(p, "text")));
	snprintf(missing, sizeof(missing), "%s", jstr(p, "id"));
	ck_assert_msg(
	    strncmp(missing, "para.collected.", 15) == 0, "%s", missing);
	ck_assert_ptr_nonnull(strstr(jstr(p, "en"), "saying it aloud"));
	ck_assert(json_is_false(json_object_get(
	    json_array_get(json_object_get(v, "parts"), 1), "missing")));
	ck_assert_str_eq(
	    jstr(part_of(v, "heading.who-sees"), "kind"), "heading");
	json_decref(v);
	refused(&rolf, "GET", "/api/v1/consent/general/translations/en", NULL,
	    400, "source_language");
	refused(&rolf, "GET", "/api/v1/consent/nothing/translations/ee", NULL,
	    404, "not_found");

	/* Nothing to review while a part has no text. */
	refused(&rita, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL, 409, "parts_missing");

	/* Bad parts, each with its code. */
	put_part(&rolf, "title", "Two\nlines", 400, "part_one_line");
	put_part(&rolf, "heading.collected", "## Nusi míeƒona ƒu", 400,
	    "part_heading");
	put_part(&rolf, missing, "One.\n\nTwo.", 400, "part_blank_line");
	put_part(&rolf, missing, "  \n ", 400, "part_empty");
	put_part(&rolf, "para.nowhere.1", "Text", 404, "not_found");
	put_part(&rolf, "not-a-part", "Text", 404, "not_found");
	ck_assert_ptr_nonnull(big = malloc(9000));
	memset(big, 'a', 8999);
	big[8999] = '\0';
	put_part(&rolf, missing, big, 413, "part_too_large");
	free(big);

	/* A draft, then not by its writer: by a second speaker. */
	put_part(&rolf, missing,
	    "Ne èɖe mɔ to nya gbɔgblɔ me la, míedzraa gbexɔxɔ ma ɖo abe "
	    "kpeɖodzi ko ene (*node-made*).",
	    200, NULL);
	v = ok(&rita, "GET", "/api/v1/consent/general/translations/ee", NULL);
	ck_assert_int_eq(jint(v, "drafts"), 1);
	p = part_of(v, missing);
	ck_assert(json_is_false(json_object_get(p, "missing")));
	ck_assert_int_eq(jint(p, "by"), rolf.id);
	json_decref(v);
	refused(&rolf, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL, 409, "second_speaker_needed");
	rv = ok(&rita, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL);
	ck_assert_int_eq(jint(rv, "version"), 3);
	ck_assert(json_is_false(json_object_get(rv, "new_version")));
	snprintf(sha3, sizeof(sha3), "%s", jstr(rv, "sha256"));
	json_decref(rv);
	refused(&rita, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL, 409, "already_reviewed");

	/* Written under the data folder, the shipped copy untouched, and
	** served as reviewed without a restart. */
	snprintf(path, sizeof(path), "%s/consent/general/3/ee.md", maindir);
	file_sha(path, hex);
	ck_assert_str_eq(hex, sha3);
	ck_assert_int_eq(tu_file_has(path, "reviewed: true"), 1);
	snprintf(path, sizeof(path), "%s/general/3/ee.md", consentdir);
	ck_assert_int_eq(tu_file_has(path, "reviewed: false"), 1);
	doc = ok(NULL, "GET", "/api/v1/consent/general?lang=ee", NULL);
	ck_assert_str_eq(jstr(doc, "lang"), "ee");
	ck_assert_int_eq(jint(doc, "version"), 3);
	ck_assert(json_is_true(json_object_get(doc, "reviewed")));
	ck_assert(json_is_null(json_object_get(doc, "binding")));
	ck_assert_str_eq(jstr(doc, "sha256"), sha3);
	ck_assert_ptr_nonnull(strstr(jstr(doc, "body"), "(*node-made*)"));
	json_decref(doc);

	/* Somebody consents to it. */
	c = ok(NULL, "GET", "/api/v1/campaigns", NULL);
	json_decref(c);
	snprintf(path, sizeof(path),
	    "{\"campaign\":\"ewe-words\",\"document\":\"%s\",\"scopes\":"
	    "[\"publish_text\"],\"age_confirmed\":true}",
	    sha3);
	c = tu_expect_json(&srv, &tom, "POST", "/api/v1/consents", path, 201);
	consent_id = jint(json_object_get(c, "consent"), "id");
	json_decref(c);

	/* Readings of version 3, in French and in Ewe (the one corrected). */
	snprintf(path, sizeof(path), "%s/general/3/fr.wav", consentdir);
	write_bytes(path, "RIFF a French reading", 21);
	snprintf(path, sizeof(path), "%s/general/3/ee.wav", consentdir);
	write_bytes(path, "RIFF an Ewe reading", 19);

	/* A correction now makes version 4. */
	put_part(
	    &rolf, "title", "Mɔɖeɖe na gbe kple nuŋlɔŋlɔ (ɖɔɖɔɖo)", 200, NULL);
	v = ok(&rita, "GET", "/api/v1/consent/general/translations/ee", NULL);
	ck_assert(json_is_true(json_object_get(v, "consented")));
	ck_assert_int_eq(jint(v, "next_version"), 4);
	json_decref(v);
	rv = ok(&mia, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL);
	ck_assert_int_eq(jint(rv, "from_version"), 3);
	ck_assert_int_eq(jint(rv, "version"), 4);
	ck_assert(json_is_true(json_object_get(rv, "new_version")));
	json_decref(rv);
	doc = ok(NULL, "GET", "/api/v1/consent/general?lang=ee", NULL);
	ck_assert_int_eq(jint(doc, "version"), 4);
	ck_assert(json_is_true(json_object_get(doc, "reviewed")));
	ck_assert_str_eq(
	    jstr(doc, "title"), "Mɔɖeɖe na gbe kple nuŋlɔŋlɔ (ɖɔɖɔɖo)");
	ck_assert_ptr_nonnull(strstr(jstr(doc, "body"), "(*node-made*)"));
	ck_assert_str_ne(jstr(doc, "sha256"), sha3);
	json_decref(doc);

	/* French at 4 is French at 3 (its version line aside): its reading
	** follows; the corrected Ewe no longer reads as the old reading. */
	snprintf(path, sizeof(path), "%s/general/4/fr.wav", consentdir);
	ck_assert_int_eq(tu_file_has(path, "a French reading"), 1);
	expect_status("/api/v1/consent/general/reading?lang=fr", 200);
	expect_status("/api/v1/consent/general/reading?lang=ee", 404);
	expect_status("/api/v1/consent/general/reading?lang=ee&version=3", 200);

	/* Version 3's Ewe text is as it was, and still what the consent
	** names. */
	snprintf(path, sizeof(path), "%s/consent/general/3/ee.md", maindir);
	file_sha(path, hex);
	ck_assert_str_eq(hex, sha3);
	c = ok(&tom, "GET", "/api/v1/me/consents", NULL);
	p = json_array_get(json_object_get(c, "consents"), 0);
	ck_assert_int_eq(jint(p, "id"), consent_id);
	ck_assert_str_eq(jstr(p, "document"), sha3);
	ck_assert_int_eq(jint(p, "version"), 3);
	json_decref(c);

	/* English at 4 is English at 3 but for its version line. */
	snprintf(path, sizeof(path), "%s/general/3/en.md", consentdir);
	en3 = tu_slurp(path, &n3);
	snprintf(path, sizeof(path), "%s/consent/general/4/en.md", maindir);
	en4 = tu_slurp(path, &n4);
	ck_assert_ptr_nonnull(at = strstr(en3, "\nversion: 3\n"));
	at[10] = '4';
	ck_assert_uint_eq(n3, n4);
	ck_assert(memcmp(en3, en4, n3) == 0);
	free(en3);
	free(en4);
	doc = ok(NULL, "GET", "/api/v1/consent/general?lang=fr", NULL);
	ck_assert_int_eq(jint(doc, "version"), 4);
	ck_assert_str_eq(jstr(doc, "lang"), "fr");
	json_decref(doc);

	/* Audited. */
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'consent.part_saved' AND actor_id = ?1",
			     rolf.id, NULL, NULL, 0),
	    2);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'consent.translation_reviewed'",
			     0, NULL, NULL, 0),
	    2);

	/* A review a crash lost after it wrote its files: the Ewe of
	** version 4 written over, and an Icelandic version 4 no review
	** made... */
	ck_assert_int_eq(tu_stop_clean(&srv, "main"), 0);
	srv.pid = 0;
	snprintf(path, sizeof(path), "%s/consent/general/4/ee.md", maindir);
	file_sha(path, hex);
	en4 = tu_slurp(path, &n4);
	ck_assert_ptr_nonnull(at = strstr(en4, "(ɖɔɖɔɖo)"));
	memcpy(at, "(xxxxxxxxxxx)", 13);
	write_bytes(path, en4, n4);
	free(en4);
	snprintf(path, sizeof(path), "%s/consent/general/4/de.md", maindir);
	snprintf(fr4, sizeof(fr4), "%s/consent/general/4/fr.md", maindir);
	en4 = tu_slurp(fr4, &n4);
	ck_assert_ptr_nonnull(at = strstr(en4, "\nlang: fr\n"));
	memcpy(at, "\nlang: de\n", 10);
	write_bytes(path, en4, n4);
	free(en4);

	/* ...are set aside as the node starts, the recorded text written
	** back. After a restart, the node serves what it made. */
	server_up();
	snprintf(path, sizeof(path), "%s/consent/general/4/ee.md.unrecorded",
	    maindir);
	ck_assert_int_eq(tu_file_has(path, "(xxxxxxxxxxx)"), 1);
	snprintf(path, sizeof(path), "%s/consent/general/4/ee.md", maindir);
	file_sha(path, missing);
	ck_assert_str_eq(missing, hex);
	snprintf(path, sizeof(path), "%s/consent/general/4/de.md.unrecorded",
	    maindir);
	ck_assert_int_eq(tu_file_has(path, "version: 4"), 1);
	snprintf(path, sizeof(path), "%s/consent/general/4/de.md", maindir);
	ck_assert_int_eq(access(path, F_OK), -1);
	doc = ok(NULL, "GET", "/api/v1/consent/general?lang=ee", NULL);
	ck_assert_int_eq(jint(doc, "version"), 4);
	ck_assert(json_is_true(json_object_get(doc, "reviewed")));
	ck_assert_str_eq(
	    jstr(doc, "title"), "Mɔɖeɖe na gbe kple nuŋlɔŋlɔ (ɖɔɖɔɖo)");
	json_decref(doc);
	c = ok(&tom, "GET", "/api/v1/me/consents", NULL);
	p = json_array_get(json_object_get(c, "consents"), 0);
	ck_assert_str_eq(jstr(p, "document"), sha3);
	json_decref(c);

	/* A reading of version 4's Ewe; then a correction nobody consented
	** to yet, in place: the reading no longer reads the text, and is
	** set aside. */
	snprintf(path, sizeof(path), "%s/general/4/ee.wav", consentdir);
	write_bytes(path, "RIFF an Ewe reading of 4", 24);
	expect_status("/api/v1/consent/general/reading?lang=ee", 200);
	put_part(&rolf, "title", "Mɔɖeɖe na gbe kple nuŋlɔŋlɔ", 200, NULL);
	rv = ok(&rita, "POST", "/api/v1/consent/general/translations/ee/review",
	    NULL);
	ck_assert_int_eq(jint(rv, "version"), 4);
	ck_assert(json_is_false(json_object_get(rv, "new_version")));
	json_decref(rv);
	expect_status("/api/v1/consent/general/reading?lang=ee", 404);
	snprintf(
	    path, sizeof(path), "%s/general/4/ee.wav.superseded", consentdir);
	ck_assert_int_eq(tu_file_has(path, "an Ewe reading of 4"), 1);
	server_down();
}
END_TEST

/* Part ids: what the URL may name. */
START_TEST(test_part_ids)
{
	static const char *const good[] = { "title", "licence_notes",
		"scope.publish_text", "heading.who-sees", "para.1",
		"para.collected.12", "para.a-b.9999" };
	static const char *const bad[] = { "", "titles", "scope.", "scope.A",
		"heading.", "heading.x_y", "para.0", "para.01", "para.10000",
		"para.x.", "para..1", "para.x.1.2", "para.x.y", "scope.a.b",
		"heading.x.1", "para" };
	struct ctr_ref ref;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(
		    ctr_part_id_parse(good[i], strlen(good[i]), &ref) == 0,
		    "%s refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(
		    ctr_part_id_parse(bad[i], strlen(bad[i]), &ref) == -1,
		    "%s taken", bad[i]);
	ck_assert_int_eq(ctr_part_id_parse("para.collected.12", 17, &ref), 0);
	ck_assert_int_eq(ref.kind, CTR_PARA);
	ck_assert_str_eq(ref.id, "collected");
	ck_assert_uint_eq(ref.n, 12);
}
END_TEST

/* Cutting a body: blocks on blank lines, headings on their own, every
** shipped document into parts whose ids English has. */
START_TEST(test_body_split)
{
	static const char body[] = "\nIntro line one\nline two\n\n"
				   "## First {#first}\nRight under it.\n"
				   "   \n- a;\n- b.\n## Second {#second}\n\n\n"
				   "Last.";
	struct ctr_parts ps;
	struct consent_set s;
	struct err e = { 0 };
	const struct consent_doc *en;
	size_t i, j;

	ck_assert_int_eq(ctr_body_split(body, strlen(body), &ps, &e), 0);
	ck_assert_uint_eq(ps.n, 6);
	ck_assert_str_eq(ps.v[0].id, "para.1");
	ck_assert_str_eq(ps.v[0].text, "Intro line one\nline two");
	ck_assert_str_eq(ps.v[1].id, "heading.first");
	ck_assert_str_eq(ps.v[2].id, "para.first.1");
	ck_assert_str_eq(ps.v[2].text, "Right under it.");
	ck_assert_str_eq(ps.v[3].id, "para.first.2");
	ck_assert_str_eq(ps.v[3].text, "- a;\n- b.");
	ck_assert_str_eq(ps.v[4].id, "heading.second");
	ck_assert_str_eq(ps.v[5].id, "para.second.1");
	ctr_parts_free(&ps);
	ck_assert_int_eq(ctr_body_split("## No id\n", 9, &ps, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);

	/* Checks of a part's text. */
	ck_assert_int_eq(
	    ctr_text_check(CTR_HEADING, "## A {#a}", "## B {#a}", 100, &e),
	    CTR_OK);
	ck_assert_int_eq(
	    ctr_text_check(CTR_HEADING, "## A {#a}", "## B {#b}", 100, &e),
	    CTR_BAD_HEADING);
	ck_assert_int_eq(ctr_text_check(CTR_PARA, "x", "a\n## b {#c}", 100, &e),
	    CTR_BAD_HEADING);
	ck_assert_int_eq(
	    ctr_text_check(CTR_PARA, "x", "a\x01", 100, &e), CTR_BAD_NOT_TEXT);
	ck_assert_int_eq(
	    ctr_text_check(CTR_SCOPE, "x", "abcd", 3, &e), CTR_BAD_TOO_LARGE);

	ck_assert_msg(
	    consent_load_dir(tu_src_path("consent"), &s, &e) == 0, "%s", e.msg);
	for (i = 0; i < s.n; i++) {
		struct ctr_parts ep, tp;

		en =
		    consent_find(&s, s.docs[i]->slug, s.docs[i]->version, "en");
		ck_assert_msg(
		    ctr_doc_parts(s.docs[i], &tp, &e) == 0, "%s", e.msg);
		ck_assert_msg(ctr_doc_parts(en, &ep, &e) == 0, "%s", e.msg);
		ck_assert_str_eq(tp.v[0].id, "title");
		for (j = 0; j < tp.n; j++)
			ck_assert_msg(tp.v[j].text[0] != '\0', "%s %s empty",
			    s.docs[i]->lang, tp.v[j].id);
		ctr_parts_free(&ep);
		ctr_parts_free(&tp);
	}
	consent_set_free(&s);
}
END_TEST

/*
** Drops the last paragraph of the first section of the copied Ewe
** document of version 3, so that a part is missing. 0 or -1.
*/
static int
drop_ewe_paragraph(void)
{
	char path[800], *s = NULL, *h, *q;
	struct err e = { 0 };
	size_t n;
	FILE *f;

	/* Not tu_read_file(): its assertions are for inside a test. */
	snprintf(path, sizeof(path), "%s/general/3/ee.md", consentdir);
	if (text_read_file(path, 1 << 20, &s, &n, &e) == -1 ||
	    (h = strstr(s, "{#who-sees}")) == NULL)
		return (-1);
	while (h > s && h[-1] != '\n')
		h--; /* the start of the heading's line */
	h -= 2;      /* the blank line before it */
	for (q = h - 1; q > s && !(q[0] == '\n' && q[-1] == '\n'); q--)
		;
	memmove(q - 1, h, strlen(h) + 1);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fputs(s, f);
	free(s);
	return (fclose(f));
}

static const char CAMPAIGN[] =
    "{\"slug\":\"ewe-words\",\"title\":\"Ewe words\",\"language\":\"ee\","
    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}";

int
main(void)
{
	char out[4096], src[800];
	char *init[] = { NULL, "init", "--data", maindir, NULL };
	char *cp[] = { "cp", "-r", src, consentdir, NULL };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(consentdir, sizeof(consentdir), "%s/consent", base);
	snprintf(src, sizeof(src), "%s/consent", srcdir);
	init[0] = (char *)bin;
	if (tu_run_quiet(cp, out, sizeof(out)) != 0 ||
	    drop_ewe_paragraph() == -1 ||
	    tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_users_add(bin, maindir,
		(const char *const[]){ "mia", "maintainer", "rolf", "reviewer",
		    "rita", "reviewer", "tom", "contributor", NULL }) != 0 ||
	    tu_import_campaign(bin, base, maindir, "ewe.json", CAMPAIGN) != 0) {
		fprintf(stderr, "could not make the node (in %s)\n", base);
		return (1);
	}
	s = suite_create("consent_tr");
	tc = tcase_create("consent_tr");
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, NULL, server_down);
	tcase_add_test(tc, test_translate_review_version);
	tcase_add_test(tc, test_part_ids);
	tcase_add_test(tc, test_body_split);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, NULL, NULL, 0, base));
}
