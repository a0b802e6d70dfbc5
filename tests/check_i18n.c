/*
** The pages' languages over real HTTP (server/http/api_i18n.c): the built
** binary serves a node whose webroot holds a small English catalog of ten
** strings and an Ewe one of eight (80%: not offered in the menu). A
** maintainer lets a reviewer translate; the reviewer saves the missing
** Ewe strings (a wrong placeholder and an unknown key refused), which
** puts Ewe in the menu as a draft; the reviewer may not mark his own work
** reviewed, a second speaker does. Who may do what is checked, every save
** and mark is audited, and `tributary i18n status` says the same. Then
** the catalogs the project ships are read: every one parses, has
** English's keys, and is offered.
*/
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "apitest.h"
#include "i18n.h"
#include "testutil.h"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static char webroot[700];
static struct tu_server srv;

static const char EN[] =
    "{\"_reviewed\":true,\"_name\":\"English\",\"a\":\"One\",\"b\":"
    "\"Two {n}\",\"c\":\"Three\",\"d\":\"Four\",\"e\":\"Five\",\"f\":"
    "\"Six\",\"g\":\"Seven\",\"h\":\"Eight\",\"i\":\"Nine {who}\","
    "\"j\":\"Ten\"}\n";
static const char EE[] =
    "{\"_reviewed\":false,\"_name\":\"E\\u028begbe\",\"a\":\"\\u0110eka\","
    "\"c\":\"Etɔ\\u0303\",\"d\":\"Ene\",\"e\":\"At\\u0254\\u0303\",\"f\":"
    "\"Ade\",\"g\":\"Adre\",\"h\":\"Enyi\",\"j\":\"Ewo\"}\n";

static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	struct tu_req q = { w, w != NULL, NULL,
		body ? "application/json" : NULL, NULL, body,
		body ? strlen(body) : 0 };

	return (tu_request(&srv, method, path, &q, out));
}

static json_t *
get_ok(const struct who *w, const char *path)
{
	struct tu_resp r;
	json_t *j;

	as(w, "GET", path, NULL, &r);
	ck_assert_msg(
	    r.status == 200, "%s: %ld %.300s", path, r.status, r.body);
	j = jbody(&r);
	tu_resp_free(&r);
	return (j);
}

static void
expect(const struct who *w, const char *method, const char *path,
    const char *body, long status, const char *code)
{
	struct tu_resp r;
	char what[400];

	snprintf(what, sizeof(what), "%s %s as %s", method, path,
	    w ? w->handle : "nobody");
	as(w, method, path, body, &r);
	if (code != NULL)
		expect_error(&r, status, code, what);
	else
		ck_assert_msg(r.status == status, "%s: %ld %.300s", what,
		    r.status, r.body);
	tu_resp_free(&r);
}

static void
log_in(const char *handle, struct who *w)
{
	struct tu_resp r;
	char body[200];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s's passphrase\"}", handle,
	    handle);
	as(NULL, "POST", "/api/v1/login", body, &r);
	ck_assert_msg(r.status == 200, "%s's login: %ld %.300s", handle,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

/* The status row of ${lang} (to decref), from GET /api/v1/i18n. */
static json_t *
row_of(const char *lang)
{
	json_t *j = get_ok(NULL, "/api/v1/i18n"), *v, *row = NULL;
	size_t i;

	ck_assert(json_real_value(json_object_get(j, "min_coverage")) == 0.9);
	json_array_foreach(json_object_get(j, "languages"), i,
	    v) if (strcmp(jstr(v, "lang"), lang) == 0) row = json_incref(v);
	json_decref(j);
	ck_assert_msg(row != NULL, "%s is not listed", lang);
	return (row);
}

START_TEST(test_translate_and_review)
{
	struct who mia, rolf, rita, tom, root;
	json_t *row, *j, *first;
	char path[200];

	log_in("mia", &mia);
	log_in("rolf", &rolf);
	log_in("rita", &rita);
	log_in("tom", &tom);
	log_in("root", &root);

	/* English first and whole; Ewe at 80%: listed, not offered. */
	j = get_ok(NULL, "/api/v1/i18n");
	ck_assert_str_eq(
	    jstr(json_array_get(json_object_get(j, "languages"), 0), "lang"),
	    "en");
	json_decref(j);
	row = row_of("ee");
	ck_assert_str_eq(jstr(row, "name"),
	    "E\xca\x8b"
	    "egbe");
	ck_assert_int_eq(jint(row, "keys"), 10);
	ck_assert_int_eq(jint(row, "have"), 8);
	ck_assert(json_is_false(json_object_get(row, "offered")));
	ck_assert(json_is_false(json_object_get(row, "reviewed")));
	json_decref(row);

	/* Who may translate: not a contributor, nor a reviewer until a
	** maintainer lets him; a maintainer may not grant an admin. */
	expect(&tom, "GET", "/api/v1/i18n/ee/strings", NULL, 403, "forbidden");
	expect(&rolf, "GET", "/api/v1/i18n/ee/strings", NULL, 403, "forbidden");
	expect(&tom, "POST", "/api/v1/accounts/2/translator",
	    "{\"can_translate\":true}", 403, "forbidden");
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/translator", root.id);
	expect(
	    &mia, "POST", path, "{\"can_translate\":true}", 403, "forbidden");
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/translator", rolf.id);
	expect(&mia, "POST", path, "{\"can_translate\":1}", 400, "invalid");
	expect(&mia, "POST", path, "{\"can_translate\":true}", 200, NULL);
	j = get_ok(&rolf, "/api/v1/me");
	ck_assert(json_is_true(
	    json_object_get(json_object_get(j, "account"), "can_translate")));
	json_decref(j);

	/* The page's rows: the two missing first. */
	j = get_ok(&rolf, "/api/v1/i18n/ee/strings");
	first = json_array_get(json_object_get(j, "strings"), 0);
	ck_assert_str_eq(jstr(first, "key"), "b");
	ck_assert_str_eq(jstr(first, "en"), "Two {n}");
	ck_assert(json_is_null(json_object_get(first, "text")));
	ck_assert_str_eq(
	    jstr(json_array_get(json_object_get(j, "strings"), 1), "key"), "i");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "strings")), 10);
	json_decref(j);

	/* Saving: placeholders kept, the key English's, a language tag. */
	expect(&rolf, "PUT", "/api/v1/i18n/ee/strings/b", "{\"text\":\"Eve\"}",
	    400, "placeholders");
	expect(&rolf, "PUT", "/api/v1/i18n/ee/strings/b",
	    "{\"text\":\"Eve {n} {m}\"}", 400, "placeholders");
	expect(&rolf, "PUT", "/api/v1/i18n/ee/strings/zz", "{\"text\":\"Eve\"}",
	    404, "not_found");
	expect(&rolf, "PUT", "/api/v1/i18n/not%20a%20tag/strings/b",
	    "{\"text\":\"Eve {n}\"}", 404, "not_found");
	expect(&tom, "PUT", "/api/v1/i18n/ee/strings/b",
	    "{\"text\":\"Eve {n}\"}", 403, "forbidden");
	expect(&rolf, "PUT", "/api/v1/i18n/ee/strings/b",
	    "{\"text\":\"Eve {n}\"}", 200, NULL);

	/* 90% now: offered, a draft, with the saved string laid over. */
	row = row_of("ee");
	ck_assert_int_eq(jint(row, "have"), 9);
	ck_assert_int_eq(jint(row, "overrides"), 1);
	ck_assert(json_is_true(json_object_get(row, "offered")));
	ck_assert(json_is_false(json_object_get(row, "reviewed")));
	json_decref(row);
	j = get_ok(NULL, "/api/v1/i18n/ee/overrides");
	ck_assert_str_eq(jstr(j, "b"), "Eve {n}");
	ck_assert(json_is_false(json_object_get(j, "_reviewed")));
	json_decref(j);

	/* Not by the one who wrote it: by a second speaker. */
	expect(&rolf, "POST", "/api/v1/i18n/ee/review", NULL, 409,
	    "second_speaker_needed");
	expect(&tom, "POST", "/api/v1/i18n/ee/review", NULL, 403, "forbidden");
	expect(&mia, "POST", "/api/v1/i18n/ee/review", NULL, 200, NULL);
	row = row_of("ee");
	ck_assert(json_is_true(json_object_get(row, "reviewed")));
	json_decref(row);
	/* A new save makes it a draft again. */
	expect(&mia, "PUT", "/api/v1/i18n/ee/strings/i",
	    "{\"text\":\"Asieke {who}\"}", 200, NULL);
	row = row_of("ee");
	ck_assert(json_is_false(json_object_get(row, "reviewed")));
	ck_assert_int_eq(jint(row, "have"), 10);
	json_decref(row);

	/* Audited, with who did it. */
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'i18n.saved' AND ?1",
			     1, NULL, NULL, 0),
	    2);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'i18n.reviewed' AND actor_id = ?1",
			     mia.id, NULL, NULL, 0),
	    1);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'account.translator' AND subject_id = ?1",
			     rolf.id, NULL, NULL, 0),
	    1);
}
END_TEST

/* A WAV of ${n} 16-bit mono samples at 16 kHz (a slow ramp), malloc'd;
** its size in ${len}. */
static char *
wav_of(size_t n, size_t *len)
{
	char *b;
	size_t i;
	uint32_t v;

	*len = 44 + 2 * n;
	ck_assert_ptr_nonnull(b = calloc(1, *len));
	memcpy(b, "RIFF", 4);
	v = (uint32_t)(*len - 8);
	memcpy(b + 4, &v, 4);
	memcpy(b + 8,
	    "WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0"
	    "\x10\0data",
	    32);
	v = (uint32_t)(2 * n);
	memcpy(b + 40, &v, 4);
	for (i = 0; i < n; i++) {
		int16_t x = (int16_t)((i * 37) % 20000 - 10000);

		memcpy(b + 44 + 2 * i, &x, 2);
	}
	return (b);
}

/* A reading of the consent document, for people who speak the language
** better than they read it: uploaded by a maintainer, played back byte
** for byte, named by the document; refused to others and when not a
** WAV, or for a language the document is not in. */
START_TEST(test_consent_reading)
{
	struct who mia, tom;
	struct tu_resp r;
	struct tu_req q = { 0 };
	char *wav;
	size_t len;
	json_t *j;

	log_in("mia", &mia);
	log_in("tom", &tom);
	wav = wav_of(16000, &len);
	q.ctype = "audio/wav";
	q.body = wav;
	q.n = len;
	q.w = &tom;
	q.csrf = 1;
	tu_request(
	    &srv, "POST", "/api/v1/consent/general/reading?lang=ee", &q, &r);
	expect_error(&r, 403, "forbidden", "a contributor's reading");
	tu_resp_free(&r);
	q.w = &mia;
	tu_request(
	    &srv, "POST", "/api/v1/consent/general/reading?lang=xx", &q, &r);
	expect_error(&r, 404, "not_found", "a reading in a language not there");
	tu_resp_free(&r);
	q.n = 40;
	tu_request(
	    &srv, "POST", "/api/v1/consent/general/reading?lang=ee", &q, &r);
	expect_error(&r, 400, "bad_wav", "a broken WAV");
	tu_resp_free(&r);
	q.n = len;
	q.ctype = "application/json";
	tu_request(
	    &srv, "POST", "/api/v1/consent/general/reading?lang=ee", &q, &r);
	ck_assert_msg(r.status == 415 || r.status == 413 || r.status == 400,
	    "JSON as a reading: %ld", r.status);
	tu_resp_free(&r);
	q.ctype = "audio/wav";
	tu_request(
	    &srv, "POST", "/api/v1/consent/general/reading?lang=ee", &q, &r);
	ck_assert_msg(
	    r.status == 201, "the reading: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	/* The consent page is told of it, and it plays back whole. */
	j = get_ok(NULL, "/api/v1/consent/general?lang=ee");
	ck_assert_str_eq(jstr(j, "lang"), "ee");
	ck_assert_ptr_nonnull(strstr(jstr(j, "reading"), "lang=ee"));
	json_decref(j);
	as(NULL, "GET", "/api/v1/consent/general/reading?lang=ee", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(r.n == len && memcmp(r.body, wav, len) == 0);
	tu_resp_free(&r);
	ck_assert_int_eq(tu_db_get(maindir,
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'consent.reading' AND actor_id = ?1",
			     mia.id, NULL, NULL, 0),
	    1);
	free(wav);
}
END_TEST

/* The CLI says what the API says. */
START_TEST(test_status_cli)
{
	char out[4096];
	char *argv[] = { (char *)bin, "i18n", "status", "--data", maindir,
		"--webroot", webroot, NULL };
	char *line;

	ck_assert_int_eq(tu_run_quiet(argv, out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(line = strstr(out, "\nee "));
	ck_assert_msg(strstr(line, "100.0%") != NULL, "%s", out);
	ck_assert_msg(strstr(line, "offered") != NULL, "%s", out);
}
END_TEST

/* The catalogs the project ships: each parses, has every key of
** English, no empty text, and is offered in the menu. */
START_TEST(test_shipped_catalogs)
{
	struct i18n_set s;
	struct err e = { 0 };
	char dir[800];
	const char *k;
	json_t *v;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/webroot/i18n", srcdir);
	ck_assert_msg(i18n_load(dir, &s, &e) == 0, "%s", e.msg);
	ck_assert_uint_ge(s.n, 8);
	for (i = 0; i < s.n; i++) {
		ck_assert_msg(
		    json_is_string(json_object_get(s.c[i].strings, "_name")),
		    "%s.json has no _name", s.c[i].lang);
		json_object_foreach(s.en->strings, k, v)
		{
			json_t *t = json_object_get(s.c[i].strings, k);

			if (k[0] == '_')
				continue;
			ck_assert_msg(
			    json_is_string(t) && json_string_length(t) > 0,
			    "%s.json lacks %s", s.c[i].lang, k);
			ck_assert_msg(i18n_text_check(json_string_value(v),
					  json_string_value(t), &e) == 0,
			    "%s.json %s: %s", s.c[i].lang, k, e.msg);
		}
	}
	ck_assert_ptr_nonnull(i18n_find(&s, "ak"));
	ck_assert_ptr_nonnull(i18n_find(&s, "ee"));
	ck_assert_ptr_nonnull(i18n_find(&s, "gaa"));
	i18n_free(&s);
}
END_TEST

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[900];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fputs(text, f);
	return (fclose(f));
}

int
main(void)
{
	struct tu_server *const stop[] = { &srv };
	const char *const names[] = { "main" };
	char out[4096], cat[800], consent[800], redact[800];
	const char *extra[] = { "--webroot", webroot, "--consent-dir", consent,
		"--redact-dir", redact, "--rate-per-address", "100000",
		"--rate-per-account", "100000", "--login-backoff-after", "1000",
		"--hashes-per-address", "100", NULL };
	char *init[] = { NULL, "init", "--data", maindir, NULL };
	char src[800];
	char *cp[] = { "cp", "-r", src, NULL, NULL };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(webroot, sizeof(webroot), "%s/webroot", base);
	snprintf(cat, sizeof(cat), "%s/i18n", webroot);
	/* A copy: readings are written beside the documents. */
	snprintf(consent, sizeof(consent), "%s/consent", base);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	init[0] = (char *)bin;
	snprintf(src, sizeof(src), "%s/consent", srcdir);
	cp[3] = consent;
	if (mkdir(webroot, 0700) == -1 || mkdir(cat, 0700) == -1 ||
	    write_file(cat, "en.json", EN) == -1 ||
	    write_file(cat, "ee.json", EE) == -1 ||
	    tu_run_quiet(cp, out, sizeof(out)) != 0 ||
	    tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_users_add(bin, maindir,
		(const char *const[]){ "root", "admin", "mia", "maintainer",
		    "rolf", "reviewer", "rita", "reviewer", "tom",
		    "contributor", NULL }) != 0 ||
	    tu_server_start(&srv, maindir, extra) != 0) {
		fprintf(stderr, "could not start the node (in %s)\n", base);
		tu_stop_clean(&srv, "main");
		return (1);
	}
	s = suite_create("i18n");
	tc = tcase_create("i18n");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_translate_and_review);
	tcase_add_test(tc, test_consent_reading);
	tcase_add_test(tc, test_status_cli);
	tcase_add_test(tc, test_shipped_catalogs);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, stop, names, 1, base));
}
