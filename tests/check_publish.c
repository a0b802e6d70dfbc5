/*
** `tributary publish` (server/outbound/publish.c) from node A to node B's
** Hub write API on loopback: B serves the release byte for byte; a second
** run sends nothing; after a withdrawal on A and a new release, a second
** publish leaves no withdrawn row at B's head (the old tag gone, the
** history squashed, the old objects purged); refusals: no token, a wrong
** token, a token for another repo, a release that is not approved.
*/
#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audio.h"
#include "blob.h"
#include "contrib.h"
#include "crypto.h"
#include "db.h"
#include "licences.h"
#include "node.h"
#include "release.h"
#include "release_build.h"
#include "review.h"
#include "testutil.h"

static struct tu_server srv; /* node B */
static char adir[700], bdir[700], base[128];
static char tok_file[800], other_file[800], bad_file[800];
static int64_t first_text;

/* A token of node B named ${name} (for ${repo}) written to ${file}. */
static void
token_to(const char *name, const char *repo, const char *file)
{
	char text[1024], *t;
	FILE *f;

	ck_assert_int_eq(
	    tu_cli(text, sizeof(text),
		(const char *const[]){ "token", "add", "--data", bdir, "--name",
		    name, repo ? "--repo" : NULL, repo, NULL }),
	    0);
	ck_assert_msg((t = strstr(text, "hf_")) != NULL, "token add: %s", text);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fprintf(f, "%.43s\n", t);
	fclose(f);
}

/* Opens node A for a moment (the CLI runs beside it). */
static struct node *
a_open(void)
{
	struct err e = { 0 };
	struct node *n;

	ck_assert_msg((n = node_open(adir, &e)) != NULL, "%s", e.msg);
	snprintf(tu_dbpath, sizeof(tu_dbpath), "%.590s", n->dbpath);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
	tu_writer = n->writer;
	return (n);
}

static void
a_close(struct node *n)
{
	db_close(tu_db);
	tu_db = NULL;
	tu_writer = NULL;
	node_close(n);
}

static void
suite_setup(void)
{
	struct licence_table lt;
	struct err e = { 0 };
	char out[4096], webroot[600];
	const char *extra[] = { "--webroot", webroot, "--rate-per-address",
		"100000", NULL };
	struct node *n;
	int64_t t, a, p1, p2, id;
	int i;
	char text[64];

	tu_base_setup();
	snprintf(adir, sizeof(adir), "%s/a", tu_base);
	snprintf(bdir, sizeof(bdir), "%s/b", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", adir, NULL }),
	    0);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", bdir, NULL }),
	    0);
	n = a_open();
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
	t = tu_add_campaign(
	    "{\"slug\":\"words\",\"title\":\"Words\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}");
	a = tu_add_campaign(
	    "{\"slug\":\"voices\",\"title\":\"Voices\",\"language\":\"ee\","
	    "\"kind\":\"audio\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_voice\"],\"minimum_age\":16,\"min_seconds\":0.5,"
	    "\"max_seconds\":10,\"sample_rate\":16000}");
	p1 = tu_add_account("ama", ROLE_CONTRIBUTOR);
	p2 = tu_add_account("kofi", ROLE_CONTRIBUTOR);
	tu_give_consent(p1, t, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(p2, t, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(p1, a,
	    "[\"publish_voice\",\"commercial_use\",\"voice_synthesis\"]");
	for (i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "Withdrawable %d: \xc9\x96", i);
		id = tu_add_text(i % 2 ? p1 : p2, t, text);
		tu_validate(id);
		if (first_text == 0)
			first_text = id;
	}
	tu_add_recording(n, p1, a, 3);
	tu_add_recording(n, p1, a, 5);
	tu_cut_release(n, &lt, "1.0.0", 1);
	tu_cut_release(n, &lt, "0.9.0", 0); /* a draft */
	licences_free(&lt);
	a_close(n);

	snprintf(tok_file, sizeof(tok_file), "%s/token", tu_base);
	snprintf(other_file, sizeof(other_file), "%s/other", tu_base);
	snprintf(bad_file, sizeof(bad_file), "%s/bad", tu_base);
	token_to("publisher", NULL, tok_file);
	token_to("elsewhere", "tributary/other", other_file);
	{
		FILE *f = fopen(bad_file, "w");

		fputs("hf_0000000000000000000000000000000000000000\n", f);
		fclose(f);
	}
	snprintf(webroot, sizeof(webroot), "%s", tu_src_path("webroot"));
	ck_assert_int_eq(tu_server_start(&srv, bdir, extra), 0);
	snprintf(base, sizeof(base), "%s", srv.base);
}

static void
suite_teardown(void)
{
	tu_server_stop(&srv);
	tu_base_teardown();
}

/* `tributary publish --data A VERSION --repo REPO` with token file
** ${tok} (NULL: none); its exit status, its output into ${out}. */
static int
publish(
    const char *version, const char *repo, const char *tok, char *out, size_t n)
{
	const char *args[] = { "publish", "--data", adir, version, "--repo",
		repo, "--endpoint", base, "--quiet",
		tok ? "--token-file" : NULL, tok, NULL };

	unsetenv("HF_TOKEN");
	return (tu_cli(out, n, args));
}

/* Every file of A's release ${version} is served by B at ${rev},
** byte for byte. */
static void
served_same_in(const char *repo, const char *version, const char *rev);

static void
served_same(const char *version, const char *rev)
{
	served_same_in("tributary/ewe", version, rev);
}

static void
served_same_in(const char *repo, const char *version, const char *rev)
{
	char path[1200], url[1600];
	struct tu_resp r;
	json_t *m, *v;
	size_t i, n;
	void *want;
	const char *extra[] = { "manifest.json", "manifest.sig" };

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", adir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i, v)
	{
		const char *fp = json_string_value(json_object_get(v, "path"));

		snprintf(
		    path, sizeof(path), "%s/releases/%s/%s", adir, version, fp);
		want = tu_slurp(path, &n);
		snprintf(url, sizeof(url), "%s/datasets/%s/resolve/%s/%s", base,
		    repo, rev, fp);
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_msg(r.status == 200, "%s: %ld", url, r.status);
		ck_assert_msg(
		    r.n == n && memcmp(r.body, want, n) == 0, "%s differs", fp);
		tu_resp_free(&r);
		free(want);
	}
	json_decref(m);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/releases/%s/%s", adir, version,
		    extra[i]);
		want = tu_slurp(path, &n);
		snprintf(url, sizeof(url), "%s/datasets/%s/resolve/%s/%s", base,
		    repo, rev, extra[i]);
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_msg(
		    r.status == 200 && r.n == n && memcmp(r.body, want, n) == 0,
		    "%s differs", extra[i]);
		tu_resp_free(&r);
		free(want);
	}
}

/* The status of GET ${path} on B. */
static long
status_of(const char *path)
{
	char url[1600];
	struct tu_resp r;
	long st;

	snprintf(url, sizeof(url), "%s%s", base, path);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	st = r.status;
	tu_resp_free(&r);
	return (st);
}

START_TEST(test_publish_and_again)
{
	char out[8192], first[64], *c;

	ck_assert_msg(
	    publish("1.0.0", "tributary/ewe", tok_file, out, sizeof(out)) == 0,
	    "publish: %s", out);
	ck_assert_ptr_nonnull(c = strstr(out, "at commit "));
	snprintf(first, sizeof(first), "%.40s", c + 10);
	ck_assert_ptr_nonnull(strstr(out, "objects sent"));
	served_same("1.0.0", "main");
	served_same("1.0.0", "1.0.0"); /* the tag */
	/* Audited on A, with the commit. */
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "audit", "tail", "--data",
				 adir, "--count", "5", NULL }),
	    0);
	ck_assert_msg(strstr(out, "release.published") != NULL, "%s", out);

	/* Again: nothing is sent, the branch is where it was. */
	ck_assert_msg(
	    publish("1.0.0", "tributary/ewe", tok_file, out, sizeof(out)) == 0,
	    "publish again: %s", out);
	ck_assert_msg(strstr(out, "0 objects sent") != NULL, "%s", out);
	ck_assert_msg(strstr(out, first) != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "held this release already"));
}
END_TEST

START_TEST(test_withdrawal_leaves_the_hub)
{
	struct contrib_withdraw w = { 0 };
	struct licence_table lt;
	struct err e = { 0 };
	char out[8192], old[64], path[600], *c;
	struct node *n;

	/* Published first (the suite's tests run in order, but stand on
	** their own). */
	ck_assert_msg(
	    publish("1.0.0", "tributary/ewe", tok_file, out, sizeof(out)) == 0,
	    "publish: %s", out);
	ck_assert_ptr_nonnull(c = strstr(out, "at commit "));
	snprintf(old, sizeof(old), "%.40s", c + 10);

	n = a_open();
	w.id = first_text;
	w.account_id = tu_q_int(
	    "SELECT account_id FROM contributions WHERE id = ?1", first_text);
	w.actor = w.account_id;
	tu_run_ok(contrib_withdraw_job, &w);
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
	tu_cut_release(n, &lt, "1.1.0", 1);
	licences_free(&lt);
	a_close(n);
	/* A retired release is not published. */
	ck_assert_int_eq(
	    publish("1.0.0", "tributary/ewe", tok_file, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "retired") != NULL, "%s", out);

	ck_assert_msg(
	    publish("1.1.0", "tributary/ewe", tok_file, out, sizeof(out)) == 0,
	    "publish 1.1.0: %s", out);
	ck_assert_msg(strstr(out, "history squashed") != NULL, "%s", out);
	served_same("1.1.0", "main");
	/* The old tag and the old commit are gone from B. */
	ck_assert_int_eq(
	    status_of("/api/datasets/tributary/ewe/revision/1.0.0"), 404);
	snprintf(
	    path, sizeof(path), "/api/datasets/tributary/ewe/revision/%s", old);
	ck_assert_int_eq(status_of(path), 404);
	/* No byte of the withdrawn text is at B's head. */
	{
		char url[1600];
		struct tu_resp r;
		json_t *tree, *v;
		size_t i;

		snprintf(url, sizeof(url),
		    "%s/api/datasets/tributary/ewe/tree/main?recursive=true",
		    base);
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_ptr_nonnull(tree = json_loadb(r.body, r.n, 0, NULL));
		tu_resp_free(&r);
		json_array_foreach(tree, i, v)
		{
			const char *p =
			    json_string_value(json_object_get(v, "path"));

			if (strcmp(
				json_string_value(json_object_get(v, "type")),
				"file") != 0)
				continue;
			snprintf(url, sizeof(url),
			    "%s/datasets/tributary/ewe/resolve/main/%s", base,
			    p);
			ck_assert_int_eq(
			    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
			ck_assert_msg(
			    memmem(r.body, r.n, "Withdrawable 0", 14) == NULL,
			    "the withdrawn text is in %s", p);
			tu_resp_free(&r);
		}
		json_decref(tree);
	}
	/* And nothing of it is stored at B: every object file of B is one
	** the head uses. */
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "audit", "tail", "--data",
				 bdir, "--count", "20", NULL }),
	    0);
	ck_assert_msg(strstr(out, "hub.lfs.deleted") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\"deleted\":[\"") != NULL,
	    "no object was purged: %s", out);
	/* A records where each went, and that 1.0.0 was taken off. */
	{
		struct node *an = a_open();

		ck_assert_int_eq(
		    tu_q_int(
			"SELECT count(*) FROM publications p JOIN releases "
			"r ON r.id = p.release_id WHERE r.version = "
			"'1.1.0' AND p.repo = 'tributary/ewe' AND "
			"length(p.commit_id) = 40 AND ?1",
			1),
		    1);
		ck_assert_int_eq(
		    tu_q_int(
			"SELECT count(*) FROM publications p JOIN releases "
			"r ON r.id = p.release_id WHERE r.version = "
			"'1.0.0' AND p.unpublished_at IS NULL AND ?1",
			1),
		    0);
		a_close(an);
	}
}
END_TEST

START_TEST(test_refusals)
{
	char out[8192];

	/* No token. */
	ck_assert_int_eq(
	    publish("1.0.0", "tributary/ewe", NULL, out, sizeof(out)), 2);
	ck_assert_msg(strstr(out, "no token") != NULL, "%s", out);
	/* A token B does not know. */
	ck_assert_int_eq(
	    publish("1.0.0", "tributary/ewe", bad_file, out, sizeof(out)), 1);
	ck_assert_msg(
	    strstr(out, "did not accept the token") != NULL, "%s", out);
	/* A token for another repo. */
	ck_assert_int_eq(
	    publish("1.0.0", "tributary/ewe", other_file, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "may not write") != NULL, "%s", out);
	/* A draft. */
	ck_assert_int_eq(
	    publish("0.9.0", "tributary/ewe", tok_file, out, sizeof(out)), 1);
	ck_assert_msg(strstr(out, "not approved") != NULL, "%s", out);
	/* Another namespace than B's. */
	ck_assert_int_eq(
	    publish("1.0.0", "someone/ewe", tok_file, out, sizeof(out)), 1);
}
END_TEST

/*
** Killed mid-upload and run again: only what B lacks is sent, and B ends
** holding the release byte for byte. The rate (--max-rate) is set so the
** larger object takes twenty seconds; the kill comes once the smaller one
** is across.
*/
START_TEST(test_interrupted)
{
	char out[8192], rate[32], after[32], path[900];
	const char *bin = getenv("TRIBUTARY_BIN");
	char *argv[] = { "sh", "-c", "exec \"$@\" 2>&1", "sh", "timeout", "-s",
		"KILL", after, (char *)(bin ? bin : "./tributary"), "publish",
		"--data", adir, "1.2.0", "--repo", "tributary/cut",
		"--endpoint", base, "--quiet", "--token-file", tok_file,
		"--max-rate", rate, NULL };
	unsigned long sent = 0, had = 0;
	long small = -1, big = -1, r, v;
	struct licence_table lt;
	struct err e = { 0 };
	struct node *n;
	json_t *m, *f;
	const char *c;
	size_t i;
	int rc;

	/* A release B has none of: a new text and a new recording. */
	n = a_open();
	tu_validate(tu_add_text(
	    tu_q_int("SELECT id FROM accounts WHERE handle = 'ama' AND ?1", 1),
	    tu_q_int("SELECT id FROM campaigns WHERE slug = 'words' AND ?1", 1),
	    "A new sentence for 1.2.0."));
	tu_add_recording(n,
	    tu_q_int("SELECT id FROM accounts WHERE handle = 'ama' AND ?1", 1),
	    tu_q_int(
		"SELECT id FROM campaigns WHERE slug = 'voices' AND ?1", 1),
	    7);
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
	tu_cut_release(n, &lt, "1.2.0", 1);
	licences_free(&lt);
	a_close(n);

	/* The release's two data files (one text, one audio config). */
	snprintf(path, sizeof(path), "%s/releases/1.2.0/manifest.json", adir);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		if (strncmp(json_string_value(json_object_get(f, "path")),
			"data/", 5) != 0)
			continue;
		v = (long)json_integer_value(json_object_get(f, "bytes"));
		if (small < 0 || v < small) {
			big = big < 0 ? small : (small > big ? small : big);
			small = v;
		} else if (v > big)
			big = v;
	}
	json_decref(m);
	ck_assert_msg(
	    small > 0 && big > 4 * small, "sizes %ld and %ld", small, big);
	r = big / 20 > 64 ? big / 20 : 64;
	snprintf(rate, sizeof(rate), "%ld", r);
	snprintf(after, sizeof(after), "%ld", small / r + 5);
	unsetenv("HF_TOKEN");
	rc = tu_run(argv, out, sizeof(out));
	ck_assert_msg(
	    rc != 0, "the slow publish finished in %s s: %s", after, out);
	ck_assert_msg(
	    publish("1.2.0", "tributary/cut", tok_file, out, sizeof(out)) == 0,
	    "publish again: %s", out);
	ck_assert_ptr_nonnull(c = strstr(out, "files; "));
	ck_assert_int_eq(
	    sscanf(c, "files; %lu objects sent, %lu the Hub had", &sent, &had),
	    2);
	ck_assert_msg(had >= 1, "nothing was kept from the first run: %s", out);
	ck_assert_msg(sent >= 1,
	    "the larger object (%ld bytes at %ld B/s) was already "
	    "across: %s",
	    big, r, out);
	served_same_in("tributary/cut", "1.2.0", "main");
}
END_TEST

/*
** To node C, which offers the multipart transfer for objects over 4 kB
** and takes one API request a second from an address (burst 4): the
** publish sends its larger files in parts, is answered 429 and waits
** (Retry-After) and tries again, and ends with C serving the release
** byte for byte and holding no part once the files are joined.
*/
START_TEST(test_multipart_and_retries)
{
	char cdir[800], ctok[900], out[16384], text[1024], *t;
	const char *extra[] = { "--hub-multipart-chunk", "4096",
		"--rate-per-address", "1", NULL };
	const char *args[] = { "publish", "--data", adir, "1.2.0", "--repo",
		"tributary/parts", "--endpoint", NULL, "--token-file", ctok,
		NULL };
	struct tu_server c;
	struct blob_sweep_stats st;
	char saved[128];
	FILE *f;

	snprintf(cdir, sizeof(cdir), "%s/c", tu_base);
	snprintf(ctok, sizeof(ctok), "%s/ctoken", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", cdir, NULL }),
	    0);
	ck_assert_int_eq(tu_cli(text, sizeof(text),
			     (const char *const[]){ "token", "add", "--data",
				 cdir, "--name", "publisher", NULL }),
	    0);
	ck_assert_ptr_nonnull(t = strstr(text, "hf_"));
	ck_assert_ptr_nonnull(f = fopen(ctok, "w"));
	fprintf(f, "%.43s\n", t);
	fclose(f);
	ck_assert_int_eq(tu_server_start(&c, cdir, extra), 0);
	args[7] = c.base;
	unsetenv("HF_TOKEN");
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "publish: %s", out);
	ck_assert_msg(strstr(out, "too many requests, trying again") != NULL,
	    "no 429 was met: %s", out);
	snprintf(saved, sizeof(saved), "%s", base);
	snprintf(base, sizeof(base), "%s", c.base);
	served_same_in("tributary/parts", "1.2.0", "main");
	snprintf(base, sizeof(base), "%s", saved);
	/* Every file in C's hub object store is one a commit names. */
	tu_hub_sweep(cdir, time(NULL) + 60, 0, &st);
	ck_assert_msg(
	    st.removed == 0, "%zu files no commit names (parts?)", st.removed);
	ck_assert_uint_ge(st.kept, 3);
	ck_assert_int_eq(tu_server_stop(&c), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("publish");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_publish_and_again);
	tcase_add_test(tc, test_withdrawal_leaves_the_hub);
	tcase_add_test(tc, test_interrupted);
	tcase_add_test(tc, test_multipart_and_retries);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
