/*
** Federated releases, three nodes on loopback (own data folders, free
** ports): A, B and C each collect, release and approve; A pulls B and C
** and builds one dataset of all three, read back by DuckDB (a reader we
** did not write), config by config and id by id; a source whose licence
** does not allow the release's uses is left out and said so; a
** contributor on B withdraws, and at A's next pull A's federated release
** is retired (no longer served), A's next one leaves the row out, and
** A's publish to a Hub write API (node C's) takes the row off the head
** and deletes the retired tag.
*/
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consent.h"
#include "contrib.h"
#include "crypto.h"
#include "db.h"
#include "federation.h"
#include "licences.h"
#include "node.h"
#include "release_build.h"
#include "apitest.h"
#include "testutil.h"

static struct tu_server srv_a, srv_b, srv_c;
static char adir[700], bdir[700], cdir[700], webroot[600], tok_file[800];
static char bkey[65], ckey[65];
static int64_t b_text; /* a text B released in 1.0.0 */

/* A new release ${version} of node ${dir}. */
static void
cut(const char *dir, const char *version, int texts, int recs, int tone)
{
	int64_t first = tu_fed_cut(dir, version, texts, recs, tone);

	if (b_text == 0 && strcmp(dir, bdir) == 0)
		b_text = first;
}

/* Runs the CLI with ${args}; fails the test, showing its output, unless
** it exits ${want}. Its output into ${out}. */
static void
cli_expect(int want, char *out, size_t n, const char *const *args)
{
	int rc = tu_cli(out, n, args);

	ck_assert_msg(rc == want, "%s %s: exit %d, not %d: %s", args[0],
	    args[1], rc, want, out);
}

/* ${method} ${path} on C as ${w} (NULL: nobody) with JSON ${body} (may
** be NULL) and Idempotency-Key ${key} (may be NULL): the answer's JSON,
** which must come with ${status}. */
static json_t *
c_api(const struct who *w, const char *method, const char *path,
    const char *body, const char *key, long status)
{
	struct tu_req q = { w, w != NULL, key, body ? "application/json" : NULL,
		NULL, body, body ? strlen(body) : 0 };
	struct tu_resp r;
	json_t *j;

	tu_request(&srv_c, method, path, &q, &r);
	ck_assert_msg(r.status == status, "%s %s: %ld, not %ld: %.300s", method,
	    path, r.status, status, r.body);
	j = jbody(&r);
	tu_resp_free(&r);
	return (j);
}

/* Joins (${join}) or logs ${handle} in on C, into ${w}. */
static void
c_session(const char *handle, int join, struct who *w)
{
	struct tu_req q = { 0 };
	struct tu_resp r;
	char body[200];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s's own passphrase\"}",
	    handle, handle);
	q.ctype = "application/json";
	q.body = body;
	q.n = strlen(body);
	tu_request(
	    &srv_c, "POST", join ? "/api/v1/join" : "/api/v1/login", &q, &r);
	ck_assert_msg(r.status == (join ? 201 : 200), "%s %s: %ld %.300s",
	    join ? "join" : "login", handle, r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

/* `user add HANDLE --role reviewer --languages ee` on C, with the
** passphrase c_session() gives. */
static void
c_reviewer(const char *handle)
{
	char pass[128];

	snprintf(pass, sizeof(pass), "%s's own passphrase", handle);
	ck_assert_int_eq(tu_user_add(getenv("TRIBUTARY_BIN"), cdir, handle,
			     "reviewer", "ee", pass),
	    0);
}

/* Node C's drive, through its API: a person joins, consents and writes
** three texts; two reviewers who speak Ewe validate them; C's
** maintainer releases them (2.0.0) and approves. */
static void
c_drive(void)
{
	struct who kofi, rolf, rita;
	char body[400], key[32], out[8192];
	long long ids[3];
	json_t *j;
	int i;

	c_reviewer("rolf");
	c_reviewer("rita");
	c_session("kofi", 1, &kofi);
	j = c_api(
	    NULL, "GET", "/api/v1/consent/general?lang=en", NULL, NULL, 200);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"words\",\"document\":\"%s\",\"scopes\":"
	    "[\"publish_text\",\"commercial_use\"],\"age_confirmed\":true}",
	    jstr(j, "sha256"));
	json_decref(j);
	json_decref(c_api(&kofi, "POST", "/api/v1/consents", body, NULL, 201));
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
		    "{\"campaign\":\"words\",\"text\":\"Nya %d le "
		    "gbɔ.\"}",
		    i);
		snprintf(key, sizeof(key), "kofi-%d", i);
		j = c_api(
		    &kofi, "POST", "/api/v1/contributions", body, key, 201);
		ids[i] = jint(json_object_get(j, "contribution"), "id");
		json_decref(j);
	}
	c_session("rolf", 0, &rolf);
	c_session("rita", 0, &rita);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body),
		    "{\"contribution\":%lld,\"vote\":\"up\"}", ids[i]);
		snprintf(key, sizeof(key), "rolf-%d", i);
		json_decref(
		    c_api(&rolf, "POST", "/api/v1/reviews", body, key, 201));
		snprintf(key, sizeof(key), "rita-%d", i);
		j = c_api(&rita, "POST", "/api/v1/reviews", body, key, 201);
		ck_assert_str_eq(jstr(j, "status"), "validated");
		json_decref(j);
	}
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "release", "create", "--data", cdir,
		"--version", "2.0.0", "--dataset", "ewe", "--licence",
		"cc-by-4.0", NULL });
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){
		"release", "approve", "--data", cdir, "2.0.0", NULL });
}

/* DuckDB's reading of the release folders ${d1} (and ${d2}, may be
** NULL): tests/parquet/ids.mjs's answer. */
static json_t *
duck(const char *d1, const char *d2)
{
	char *argv[] = { "node", (char *)tu_src_path("tests/parquet/ids.mjs"),
		(char *)d1, (char *)d2, NULL };
	static char out[1 << 20];
	json_t *j;

	ck_assert_msg(tu_run(argv, out, sizeof(out)) == 0, "ids.mjs: %s", out);
	ck_assert_msg((j = json_loads(out, 0, NULL)) != NULL, "%s", out);
	return (j);
}

/* ${dir}/releases/${version}'s manifest. */
static json_t *
manifest(const char *dir, const char *version)
{
	char path[1200];
	json_t *m;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", dir, version);
	ck_assert_msg((m = json_load_file(path, 0, NULL)) != NULL, "%s", path);
	return (m);
}

static void
suite_setup(void)
{
	char out[4096], fpr[20];
	FILE *f;
	const char *eb[] = { "--namespace", "orgb", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };
	const char *ec[] = { "--namespace", "orgc", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };
	char *t;

	tu_base_setup();
	snprintf(webroot, sizeof(webroot), "%s", tu_src_path("webroot"));
	snprintf(adir, sizeof(adir), "%s/a", tu_base);
	snprintf(bdir, sizeof(bdir), "%s/b", tu_base);
	snprintf(cdir, sizeof(cdir), "%s/c", tu_base);
	snprintf(tok_file, sizeof(tok_file), "%s/c-token", tu_base);
	tu_fed_node(adir);
	tu_fed_node(bdir);
	tu_fed_node(cdir);
	cut(adir, "a-1.0", 3, 1, 20);
	cut(bdir, "1.0.0", 4, 2, 3);
	tu_fed_whoami(bdir, bkey, fpr);
	tu_fed_whoami(cdir, ckey, fpr);
	ck_assert_int_eq(tu_server_start(&srv_b, bdir, eb), 0);
	ck_assert_int_eq(tu_server_start(&srv_c, cdir, ec), 0);
	c_drive();
	/* A push token of C's Hub write API, for A's publish. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){
		"token", "add", "--data", cdir, "--name", "from-a", NULL });
	ck_assert_msg((t = strstr(out, "hf_")) != NULL, "token: %s", out);
	ck_assert_ptr_nonnull(f = fopen(tok_file, "w"));
	fprintf(f, "%.43s\n", t);
	fclose(f);
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "peer", "add", "--data", adir, srv_b.base,
		"--key", bkey, "--name", "Ewe-Speakers-Ho", NULL });
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "peer", "add", "--data", adir, srv_c.base,
		"--key", ckey, "--name", "Ga-Voices", NULL });
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "pull", "--data", adir, NULL });
}

static void
suite_teardown(void)
{
	if (srv_a.pid > 0)
		tu_server_stop(&srv_a);
	if (srv_b.pid > 0)
		tu_server_stop(&srv_b);
	if (srv_c.pid > 0)
		tu_server_stop(&srv_c);
	tu_base_teardown();
}

/* Checks federated folder ${fed} against its sources as DuckDB reads
** them: each source config's ids are the federated config's, less
** ${revoked} (NULL: none), a text of community ${revoked_in}. */
static void
same_rows(const char *fed, const char *revoked, const char *revoked_in)
{
	char fdir[1200], sdir[1200], name[200];
	json_t *fm = manifest(adir, fed), *all, *src, *f, *s, *ids, *want, *v;
	const char *cfg;
	size_t i, j, total = 0, kinds = 0;

	snprintf(fdir, sizeof(fdir), "%s/releases/%s", adir, fed);
	all = duck(fdir, NULL);
	f = json_object_get(all, fdir);
	json_array_foreach(json_object_get(fm, "sources"), i, src)
	{
		const char *community =
		    json_string_value(json_object_get(src, "community"));
		const char *name_of =
		    json_string_value(json_object_get(src, "name"));
		const char *home = strcmp(name_of, "Ewe-Speakers-Ho") == 0
		    ? bdir
		    : strcmp(name_of, "Ga-Voices") == 0 ? cdir
							: adir;
		size_t rows = 0;

		ck_assert(json_is_true(json_object_get(src, "included")));
		snprintf(sdir, sizeof(sdir), "%s/releases/%s", home,
		    json_string_value(json_object_get(src, "version")));
		s = duck(sdir, NULL);
		json_object_foreach(
		    json_object_get(json_object_get(s, sdir), "configs"), cfg,
		    want)
		{
			snprintf(name, sizeof(name), "%s-%s", community, cfg);
			ids = json_object_get(
			    json_object_get(f, "configs"), name);
			ck_assert_msg(
			    ids != NULL, "no config %s in %s", name, fed);
			for (j = 0; j < json_array_size(want); j++) {
				const char *id =
				    json_string_value(json_array_get(want, j));
				int gone = revoked != NULL &&
				    strcmp(id, revoked) == 0 &&
				    strcmp(community, revoked_in) == 0;
				size_t k, found = 0;

				json_array_foreach(ids, k, v) found +=
				    strcmp(json_string_value(v), id) == 0;
				ck_assert_msg(found == (gone ? 0u : 1u),
				    "%s: id %s found %zu times", name, id,
				    found);
				rows += !gone;
			}
			ck_assert_uint_eq(json_array_size(ids),
			    json_array_size(want) -
				(revoked != NULL &&
				    strcmp(community, revoked_in) == 0 &&
				    strstr(cfg, "text") != NULL));
		}
		json_decref(s);
		/* Every row of it names its community; the counts agree. */
		ck_assert_int_eq(
		    json_integer_value(json_object_get(
			json_object_get(f, "communities"), community)),
		    (json_int_t)rows);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(src, "rows")),
		    (json_int_t)rows);
		total += rows;
	}
	/* No config that is no source's: every federated config was
	** matched above, and all of a kind read as one table. */
	ck_assert_uint_eq(json_array_size(json_object_get(fm, "sources")), 3);
	json_object_foreach(json_object_get(f, "kinds"), cfg, v) kinds +=
	    (size_t)json_integer_value(v);
	ck_assert_uint_eq(kinds, total);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(fm, "report"), "rows")),
	    (json_int_t)total);
	json_decref(all);
	json_decref(fm);
}

START_TEST(test_federated_release)
{
	struct release_check rc = { 0 };
	char out[16384], path[1200], *card;
	uint8_t d[32];
	char sha[65];
	json_t *m, *s;
	size_t i, n;
	void *p;
	struct err e = { 0 };

	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "release", "--data", adir,
		"--version", "f-1", "--dataset", "ewe-ga", "--licence",
		"cc-by-4.0", NULL });
	/* Signed by A, every file as listed. */
	snprintf(path, sizeof(path), "%s/releases/f-1", adir);
	ck_assert_int_eq(release_verify(path, NULL, &rc, &e), 0);
	ck_assert(rc.signature_ok);
	ck_assert_uint_eq(rc.bad, 0);
	ck_assert_uint_eq(rc.extra, 0);
	/* The manifest names each source by key, version and manifest
	** hash, and the hash is the source manifest's. */
	m = manifest(adir, "f-1");
	ck_assert(json_is_true(json_object_get(m, "federated")));
	json_array_foreach(json_object_get(m, "sources"), i, s)
	{
		const char *name =
		    json_string_value(json_object_get(s, "name"));
		const char *home = strcmp(name, "Ewe-Speakers-Ho") == 0 ? bdir
		    : strcmp(name, "Ga-Voices") == 0                    ? cdir
									: adir;

		snprintf(path, sizeof(path), "%s/releases/%s/manifest.json",
		    home, json_string_value(json_object_get(s, "version")));
		ck_assert_ptr_nonnull(p = tu_slurp(path, &n));
		sha256_digest(p, n, d);
		hex_encode(d, 32, sha);
		free(p);
		ck_assert_str_eq(
		    json_string_value(json_object_get(s, "manifest_sha256")),
		    sha);
		if (home == bdir)
			ck_assert_str_eq(
			    json_string_value(json_object_get(s, "node_key")),
			    bkey);
	}
	json_decref(m);
	same_rows("f-1", NULL, NULL);
	/* The card credits each community, with its consent and pay as its
	** node published them. */
	snprintf(path, sizeof(path), "%s/releases/f-1/README.md", adir);
	ck_assert_ptr_nonnull(card = tu_slurp(path, &n));
	ck_assert_msg(strstr(card, "### Ewe-Speakers-Ho") != NULL &&
		strstr(card, "### Ga-Voices") != NULL &&
		strstr(card, "#### Consent") != NULL &&
		strstr(card, "#### Pay") != NULL &&
		strstr(card, "config_name: default-text\n  default: true") !=
		    NULL,
	    "%.3000s", card);
	free(card);
	/* A draft until approved, then served like any release. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){
		"release", "approve", "--data", adir, "f-1", NULL });
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM releases WHERE version "
			     "= 'f-1' AND state = 'approved' AND ?1",
			     1),
	    1);
	/* Built only by `federate release`: `release build` refuses. */
	ck_assert_int_ne(tu_cli(out, sizeof(out),
			     (const char *const[]){ "release", "build",
				 "--data", adir, "f-1", NULL }),
	    0);
}
END_TEST

START_TEST(test_licence_left_out)
{
	char out[16384];
	json_t *m, *s;
	size_t i, left = 0;

	/* No source release permits commercial use of its own accord (they
	** were cut without --permits): a release that permits it can hold
	** none of them. */
	ck_assert_int_ne(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "federate", "release", "--data", adir,
		    "--version", "f-nc", "--dataset", "ewe-ga", "--licence",
		    "cc-by-4.0", "--permits", "commercial_use", NULL }),
	    0);
	ck_assert_msg(
	    strstr(out, "does not permit commercial_use") != NULL, "%s", out);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM releases WHERE version "
			     "= 'f-nc' AND ?1",
			     1),
	    0);
	/* Under a licence that needs fewer scopes, all three go in; under
	** one that needs more than theirs (none here), they would not: a
	** licence unknown to the node refuses. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "release", "--data", adir,
		"--version", "f-nc", "--dataset", "ewe-ga-nc", "--licence",
		"cc-by-nc-4.0", NULL });
	m = manifest(adir, "f-nc");
	json_array_foreach(json_object_get(m, "sources"), i, s) left +=
	    !json_is_true(json_object_get(s, "included"));
	ck_assert_uint_eq(left, 0);
	json_decref(m);
}
END_TEST

/* Every file at ${rev} of C's repo orgc/ewe-ga, downloaded into ${dir}
** (data/...): DuckDB then reads it. */
static void
download_head(const char *rev, const char *dir)
{
	char url[600], path[1400], sub[1400];
	struct tu_resp r = { 0 };
	json_t *tree, *v;
	size_t i;
	FILE *f;

	snprintf(url, sizeof(url),
	    "%s/api/datasets/orgc/ewe-ga/tree/%s?recursive=true", srv_c.base,
	    rev);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	ck_assert_ptr_nonnull(tree = json_loadb(r.body, r.n, 0, NULL));
	tu_resp_free(&r);
	json_array_foreach(tree, i, v)
	{
		const char *p = json_string_value(json_object_get(v, "path"));

		if (strcmp(json_string_value(json_object_get(v, "type")),
			"file") != 0 ||
		    strncmp(p, "data/", 5) != 0)
			continue;
		snprintf(url, sizeof(url),
		    "%s/datasets/orgc/ewe-ga/resolve/%s/%s", srv_c.base, rev,
		    p);
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_int_eq(r.status, 200);
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		snprintf(sub, sizeof(sub), "%s", path);
		*strrchr(sub, '/') = '\0';
		{
			char cmd[1500];

			snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", sub);
			ck_assert_int_eq(system(cmd), 0);
		}
		ck_assert_ptr_nonnull(f = fopen(path, "wb"));
		ck_assert_uint_eq(fwrite(r.body, 1, r.n, f), r.n);
		fclose(f);
		tu_resp_free(&r);
	}
	json_decref(tree);
}

START_TEST(test_withdrawal_reaches_everyone)
{
	const char *ea[] = { "--namespace", "orga", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };
	struct contrib_withdraw w = { 0 };
	struct tu_resp r = { 0 };
	char out[16384], url[600], id[32], head[1000];
	json_t *j, *ids, *v;
	const char *cfg;
	struct node *n;
	size_t i, k;

	/* A publishes its approved federated release to C's Hub. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "publish", "--data", adir, "f-1", "--repo",
		"orgc/ewe-ga", "--endpoint", srv_c.base, "--quiet",
		"--token-file", tok_file, NULL });
	snprintf(url, sizeof(url), "%s/api/datasets/orgc/ewe-ga/revision/f-1",
	    srv_c.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);

	/* A serves it over its Hub read API, as any release. */
	ck_assert_int_eq(tu_server_start(&srv_a, adir, ea), 0);
	snprintf(url, sizeof(url),
	    "%s/datasets/orga/ewe-ga/resolve/f-1/README.md", srv_a.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_msg(r.status == 200 && r.body != NULL &&
		strstr(r.body, "### Ga-Voices") != NULL,
	    "f-1 is not served: %ld", r.status);
	tu_resp_free(&r);

	/* A contributor on B withdraws a text B released. */
	n = tu_node_open(bdir);
	w.id = b_text;
	tu_run_ok(contrib_withdraw_job, &w);
	tu_node_close(n);
	snprintf(id, sizeof(id), "%lld", (long long)b_text);

	/* A's next pull: f-1 is retired, because of B. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "pull", "--data", adir, NULL });
	ck_assert_int_eq(
	    tu_node_q_int(adir,
		"SELECT count(*) FROM releases r JOIN peers p ON p.id = "
		"r.retired_peer WHERE r.version = 'f-1' AND p.name = "
		"'Ewe-Speakers-Ho' AND r.retired_at IS NOT NULL AND ?1",
		1),
	    1);
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){
		"federate", "status", "--data", adir, NULL });
	ck_assert_msg(strstr(out, "retired f-1") != NULL &&
		strstr(out, "revocations applied: 1") != NULL,
	    "%s", out);
	/* A's Hub read API no longer serves it (it names its releases from
	** a cache of a moment: asked until it has caught up). */
	for (i = 0; i < 300; i++) {
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		k = (size_t)r.status;
		tu_resp_free(&r);
		if (k >= 400)
			break;
		usleep(100000);
	}
	ck_assert_msg(k >= 400, "a retired release served: %zu", k);

	/* A's next federated release leaves the row out. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "release", "--data", adir,
		"--version", "f-2", "--dataset", "ewe-ga", "--licence",
		"cc-by-4.0", NULL });
	same_rows("f-2", id, "ewe-speakers-ho");
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){
		"release", "approve", "--data", adir, "f-2", NULL });

	/* Published again: the row is in no file at the head, and the
	** retired tag is gone. */
	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "publish", "--data", adir, "f-2", "--repo",
		"orgc/ewe-ga", "--endpoint", srv_c.base, "--quiet",
		"--token-file", tok_file, NULL });
	snprintf(head, sizeof(head), "%s/head", tu_base);
	download_head("main", head);
	j = duck(head, NULL);
	k = 0;
	json_object_foreach(
	    json_object_get(json_object_get(j, head), "configs"), cfg, ids)
	{
		json_array_foreach(ids, i, v)
		{
			ck_assert_msg(
			    !(strncmp(cfg, "ewe-speakers-ho-", 16) == 0 &&
				strcmp(json_string_value(v), id) == 0),
			    "the withdrawn row %s is at the head in %s", id,
			    cfg);
			k++;
		}
	}
	ck_assert_uint_gt(k, 0);
	json_decref(j);
	snprintf(url, sizeof(url), "%s/api/datasets/orgc/ewe-ga/revision/f-1",
	    srv_c.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_msg(
	    r.status == 404, "the retired tag is still there: %ld", r.status);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_nothing_new_pulls_no_file)
{
	char out[8192];
	const char *p;

	cli_expect(0, out, sizeof(out),
	    (const char *const[]){ "federate", "pull", "--data", adir, NULL });
	ck_assert_ptr_nonnull(p = strstr(out, "bytes received"));
	ck_assert_msg(strstr(out, " 0 bytes received") != NULL, "%s", out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fedrelease");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_federated_release);
	tcase_add_test(tc, test_licence_left_out);
	tcase_add_test(tc, test_withdrawal_reaches_everyone);
	tcase_add_test(tc, test_nothing_new_pulls_no_file);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
