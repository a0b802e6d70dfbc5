/*
** The Hub's read API (server/http/api_hub.c, server/domain/hubrepo.c)
** over real HTTP: the built binary serves a node made with its own CLI,
** holding two releases of dataset "ewe" built by the release builder:
** 1.0.0, retired by a withdrawal, and 1.1.0, approved and served as main.
** What the Python clients need is checked here header by header (HEAD
** headers, 206/416, X-Error-Code on HEAD, %2F, the order in which
** `datasets.load_dataset` probes a repo); the official JS client,
** @huggingface/hub, is run against the same server by tests/hub/read.mjs.
*/
#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static struct tu_server srv;
static char nodedir[700];
static char sha_main[41], sha_old[41];
static char base[128];

/* The commit id of release ${version}: the first 20 bytes of the
** SHA-256 of its manifest.json, in hex. */
static void
commit_of(const char *version, char out[41])
{
	char path[900];
	uint8_t md[32];
	size_t n;
	void *p;

	snprintf(path, sizeof(path), "%s/releases/%s/manifest.json", nodedir,
	    version);
	p = tu_slurp(path, &n);
	ck_assert_int_eq(sha256_digest(p, n, md), 0);
	hex_encode(md, 20, out);
	free(p);
}

/*
** Once for the suite: a node with a text and an audio campaign; release
** 1.0.0 of everything, one of its texts withdrawn (which retires it),
** then release 1.1.0 of what is left; then the server.
*/
static void
suite_setup(void)
{
	struct licence_table lt;
	struct contrib_withdraw w = { 0 };
	struct err e = { 0 };
	char out[4096], consent[600], redact[600], webroot[600];
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, "--rate-per-address", "100000",
		NULL };
	struct node *n;
	int64_t t, a, p1, p2, first = 0, id;
	int i;
	char text[64];

	tu_base_setup();
	snprintf(nodedir, sizeof(nodedir), "%s/node", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", nodedir, NULL }),
	    0);
	ck_assert_msg((n = node_open(nodedir, &e)) != NULL, "%s", e.msg);
	snprintf(tu_dbpath, sizeof(tu_dbpath), "%.590s", n->dbpath);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
	tu_writer = n->writer;
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
		snprintf(
		    text, sizeof(text), "Sentence %d: \xc9\x96 \xc6\x90", i);
		id = tu_add_text(i % 2 ? p1 : p2, t, text);
		tu_validate(id);
		if (first == 0)
			first = id;
	}
	tu_add_recording(n, p1, a, 3);
	tu_add_recording(n, p1, a, 5);
	tu_cut_release(n, &lt, "1.0.0", 1);
	w.id = first;
	w.account_id = p2;
	w.actor = p2;
	tu_run_ok(contrib_withdraw_job, &w);
	ck_assert_int_eq(
	    tu_q_int("SELECT retired_at IS NOT NULL FROM releases WHERE "
		     "version = '1.0.0'",
		0),
	    1);
	tu_cut_release(n, &lt, "1.1.0", 1);
	licences_free(&lt);
	db_close(tu_db);
	tu_db = NULL;
	tu_writer = NULL;
	node_close(n);
	commit_of("1.1.0", sha_main);
	commit_of("1.0.0", sha_old);

	snprintf(consent, sizeof(consent), "%s", tu_src_path("consent"));
	snprintf(redact, sizeof(redact), "%s", tu_src_path("redact"));
	snprintf(webroot, sizeof(webroot), "%s", tu_src_path("webroot"));
	ck_assert_int_eq(tu_server_start(&srv, nodedir, extra), 0);
	snprintf(base, sizeof(base), "%s", srv.base);
}

static void
suite_teardown(void)
{
	tu_server_stop(&srv);
	tu_base_teardown();
}

/* ${method} ${base}${path} with ${headers} and ${body}; fails the test if
** no answer comes. */
static void
ask(const char *method, const char *path, const char *const *headers,
    const char *body, struct tu_resp *out)
{
	char url[2048];

	snprintf(url, sizeof(url), "%s%s", base, path);
	ck_assert_msg(tu_http(NULL, method, url, headers, body,
			  body ? strlen(body) : 0, out) == 0,
	    "%s %s: no answer", method, path);
}

/* The answer's JSON; fails the test if it is not JSON. */
static json_t *
json_of(const struct tu_resp *r)
{
	json_t *j = json_loadb(r->body, r->n, 0, NULL);

	ck_assert_msg(j != NULL, "not JSON: %.300s", r->body ? r->body : "");
	return (j);
}

/* Header ${name} of ${r} equals ${want} (NULL: is absent). */
static void
header_is(const struct tu_resp *r, const char *name, const char *want)
{
	char *v = tu_header(r, name);

	if (want == NULL)
		ck_assert_msg(v == NULL, "%s: %s, wanted none", name, v);
	else
		ck_assert_msg(v != NULL && strcmp(v, want) == 0,
		    "%s: %s, wanted %s", name, v ? v : "(none)", want);
	free(v);
}

/* A 404 with X-Error-Code ${code}, and (unless HEAD) the Hub's body. */
static void
miss_is(const struct tu_resp *r, const char *code, int head)
{
	json_t *j;

	ck_assert_int_eq(r->status, 404);
	header_is(r, "X-Error-Code", code);
	if (head)
		return;
	header_is(r, "Content-Type", "application/json");
	j = json_of(r);
	ck_assert(json_is_string(json_object_get(j, "error")));
	json_decref(j);
}

/* The git blob id of ${n} bytes at ${p}. */
static void
blob_oid(const void *p, size_t n, char out[41])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t md[20];
	char head[40];
	unsigned int len;
	int hn;

	hn = snprintf(head, sizeof(head), "blob %zu", n) + 1;
	EVP_DigestInit_ex(c, EVP_sha1(), NULL);
	EVP_DigestUpdate(c, head, (size_t)hn);
	EVP_DigestUpdate(c, p, n);
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	hex_encode(md, 20, out);
}

/* The path of the first Parquet file of 1.1.0's tree, into ${out}. */
static void
first_parquet(char *out, size_t n)
{
	struct tu_resp r = { 0 };
	json_t *j, *x;
	size_t i;

	out[0] = '\0';
	ask("GET", "/api/datasets/tributary/ewe/tree/main?recursive=true", NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	json_array_foreach(j, i, x)
	{
		const char *p = json_string_value(json_object_get(x, "path"));

		if (out[0] == '\0' && strstr(p, ".parquet") != NULL)
			snprintf(out, n, "%s", p);
	}
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_msg(out[0] != '\0', "no parquet file in the tree");
}

START_TEST(test_info)
{
	struct tu_resp r = { 0 };
	const char *paths[] = { "/api/datasets/tributary/ewe",
		"/api/datasets/tributary/ewe/revision/main",
		"/api/datasets/tributary/ewe/revision/HEAD",
		"/api/datasets/tributary/ewe/revision/1.1.0",
		"/api/datasets/tributary/ewe/revision/v1.1.0", NULL };
	char path[300];
	json_t *j, *s, *x;
	size_t i;
	int lfs = 0, readme = 0;

	for (i = 0; paths[i] != NULL; i++) {
		ask("GET", paths[i], NULL, NULL, &r);
		ck_assert_msg(r.status == 200, "%s: %ld", paths[i], r.status);
		header_is(&r, "Access-Control-Allow-Origin", "*");
		header_is(&r, "X-Repo-Commit", sha_main);
		j = json_of(&r);
		ck_assert_str_eq(json_string_value(json_object_get(j, "id")),
		    "tributary/ewe");
		ck_assert_str_eq(
		    json_string_value(json_object_get(j, "sha")), sha_main);
		ck_assert_str_eq(
		    json_string_value(json_object_get(j, "author")),
		    "tributary");
		ck_assert(json_is_false(json_object_get(j, "private")));
		ck_assert_int_eq(
		    strlen(json_string_value(json_object_get(j, "_id"))), 24);
		ck_assert_msg(strstr(json_string_value(
					 json_object_get(j, "lastModified")),
				  ".000Z") != NULL,
		    "lastModified");
		ck_assert_str_eq(
		    json_string_value(json_object_get(
			json_object_get(j, "cardData"), "license")),
		    "cc-by-4.0");
		json_decref(j);
		tu_resp_free(&r);
	}
	snprintf(path, sizeof(path),
	    "/api/datasets/tributary/ewe/revision/%s?blobs=true", sha_main);
	ask("GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	s = json_object_get(j, "siblings");
	json_array_foreach(s, i, x)
	{
		const char *f =
		    json_string_value(json_object_get(x, "rfilename"));

		ck_assert(json_is_integer(json_object_get(x, "size")));
		ck_assert_int_eq(
		    strlen(json_string_value(json_object_get(x, "blobId"))),
		    40);
		if (strstr(f, ".parquet") != NULL) {
			lfs++;
			ck_assert_int_eq(
			    strlen(json_string_value(json_object_get(
				json_object_get(x, "lfs"), "sha256"))),
			    64);
		}
		readme += strcmp(f, "README.md") == 0;
	}
	ck_assert_int_gt(lfs, 0);
	ck_assert_int_eq(readme, 1);
	json_decref(j);
	tu_resp_free(&r);

	/* The list of the node's datasets */
	ask("GET", "/api/datasets", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(j), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 0), "id")),
	    "tributary/ewe");
	json_decref(j);
	tu_resp_free(&r);
	ask("GET", "/api/datasets?author=someone&limit=5", NULL, NULL, &r);
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(j), 0);
	json_decref(j);
	tu_resp_free(&r);
	ask("GET", "/api/datasets?search=EW", NULL, NULL, &r);
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(j), 1);
	json_decref(j);
	tu_resp_free(&r);
	ask("GET", "/api/datasets?limit=0", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 400);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_misses)
{
	struct tu_resp r = { 0 };
	char path[300];
	json_t *j;

	/* A retired release, by tag and by commit: its successor named. */
	ask("GET", "/api/datasets/tributary/ewe/revision/1.0.0", NULL, NULL,
	    &r);
	miss_is(&r, "RevisionNotFound", 0);
	j = json_of(&r);
	ck_assert_msg(strstr(json_string_value(json_object_get(j, "error")),
			  "successor is 1.1.0") != NULL,
	    "%s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	snprintf(path, sizeof(path),
	    "/datasets/tributary/ewe/resolve/%s/README.md", sha_old);
	ask("HEAD", path, NULL, NULL, &r);
	miss_is(&r, "RevisionNotFound", 1);
	tu_resp_free(&r);
	ask("HEAD", "/datasets/tributary/ewe/resolve/1.0.0/README.md", NULL,
	    NULL, &r);
	miss_is(&r, "RevisionNotFound", 1);
	header_is(&r, "Access-Control-Allow-Origin", "*");
	tu_resp_free(&r);
	/* No such revision, repo, namespace, file */
	ask("GET", "/api/datasets/tributary/ewe/revision/2.0.0", NULL, NULL,
	    &r);
	miss_is(&r, "RevisionNotFound", 0);
	tu_resp_free(&r);
	ask("HEAD", "/datasets/tributary/ewe/resolve/refs%2Fpr%2F1/README.md",
	    NULL, NULL, &r);
	miss_is(&r, "RevisionNotFound", 1);
	tu_resp_free(&r);
	ask("GET", "/api/datasets/tributary/nothing", NULL, NULL, &r);
	miss_is(&r, "RepoNotFound", 0);
	tu_resp_free(&r);
	ask("HEAD", "/datasets/elsewhere/ewe/resolve/main/README.md", NULL,
	    NULL, &r);
	miss_is(&r, "RepoNotFound", 1);
	tu_resp_free(&r);
	ask("HEAD", "/datasets/tributary/ewe/resolve/main/nope.txt", NULL, NULL,
	    &r);
	miss_is(&r, "EntryNotFound", 1);
	header_is(&r, "X-Repo-Commit", sha_main);
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/ewe/resolve/main/data", NULL, NULL, &r);
	miss_is(&r, "EntryNotFound", 0);
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/ewe/resolve/main/a%2F..%2FREADME.md",
	    NULL, NULL, &r);
	miss_is(&r, "EntryNotFound", 0);
	tu_resp_free(&r);
	/* An encoded '/' anywhere else is still refused (urlpath.c) */
	ask("GET", "/js%2Fpage.js", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	header_is(&r, "Access-Control-Allow-Origin", NULL);
	tu_resp_free(&r);
	/* CORS only on these routes */
	ask("GET", "/api/v1/releases", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	header_is(&r, "Access-Control-Allow-Origin", NULL);
	tu_resp_free(&r);
	ask("OPTIONS", "/api/datasets/tributary/ewe/paths-info/main", NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 204);
	header_is(&r, "Access-Control-Allow-Origin", "*");
	header_is(
	    &r, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_tree)
{
	struct tu_resp r = { 0 };
	char url[2048], path[300], parquet[300], oid[41], file[900], *link;
	const char *folder;
	json_t *j, *x, *lfs;
	size_t i, n, all, seen = 0, pages = 0;
	void *p;
	int dirs = 0;

	ask("GET",
	    "/api/datasets/tributary/ewe/tree/main?recursive=true&expand=false",
	    NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	header_is(&r, "Link", NULL);
	j = json_of(&r);
	all = json_array_size(j);
	json_array_foreach(j, i, x)
	{
		const char *type =
		    json_string_value(json_object_get(x, "type"));
		const char *pth = json_string_value(json_object_get(x, "path"));

		ck_assert_int_eq(
		    strlen(json_string_value(json_object_get(x, "oid"))), 40);
		ck_assert(json_object_get(x, "xetHash") == NULL);
		if (strcmp(type, "directory") == 0) {
			dirs++;
			continue;
		}
		ck_assert_str_eq(type, "file");
		snprintf(
		    file, sizeof(file), "%s/releases/1.1.0/%s", nodedir, pth);
		p = tu_slurp(file, &n);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(x, "size")), (long)n);
		lfs = json_object_get(x, "lfs");
		if (strstr(pth, ".parquet") != NULL) {
			uint8_t md[32];
			char hex[65];

			ck_assert_ptr_nonnull(lfs);
			sha256_digest(p, n, md);
			hex_encode(md, 32, hex);
			ck_assert_str_eq(
			    json_string_value(json_object_get(lfs, "oid")),
			    hex);
			ck_assert_int_gt(json_integer_value(json_object_get(
					     lfs, "pointerSize")),
			    100);
		} else {
			ck_assert_ptr_null(lfs);
			blob_oid(p, n, oid);
			ck_assert_str_eq(
			    json_string_value(json_object_get(x, "oid")), oid);
		}
		free(p);
	}
	ck_assert_int_ge(dirs, 2); /* data, data/CONFIG */
	json_decref(j);
	tu_resp_free(&r);

	/* The root alone: no nested path */
	ask("GET", "/api/datasets/tributary/ewe/tree/main", NULL, NULL, &r);
	j = json_of(&r);
	json_array_foreach(j, i, x) ck_assert_ptr_null(
	    strchr(json_string_value(json_object_get(x, "path")), '/'));
	ck_assert_int_eq(json_array_size(j), 4); /* README, data, manifest x2 */
	json_decref(j);
	tu_resp_free(&r);

	/* A folder, %2F inside it, expand */
	first_parquet(parquet, sizeof(parquet));
	folder = parquet;
	snprintf(path, sizeof(path), "%.*s",
	    (int)(strrchr(folder, '/') - folder), folder);
	snprintf(url, sizeof(url),
	    "/api/datasets/tributary/ewe/tree/%s/data%%2F%s?expand=True",
	    sha_main, path + 5);
	ask("GET", url, NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "%s: %ld %s", url, r.status, r.body);
	j = json_of(&r);
	ck_assert_int_ge(json_array_size(j), 1);
	x = json_array_get(j, 0);
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(x, "lastCommit"), "id")),
	    sha_main);
	json_decref(j);
	tu_resp_free(&r);
	ask("GET", "/api/datasets/tributary/ewe/tree/main/README.md", NULL,
	    NULL, &r);
	miss_is(&r, "EntryNotFound", 0);
	tu_resp_free(&r);

	/* Pages of two, followed through Link to the end */
	snprintf(url, sizeof(url),
	    "%s/api/datasets/tributary/ewe/tree/main?recursive=true&limit=2",
	    base);
	while (url[0] != '\0') {
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_int_eq(r.status, 200);
		j = json_of(&r);
		seen += json_array_size(j);
		json_decref(j);
		url[0] = '\0';
		if ((link = tu_header(&r, "Link")) != NULL) {
			ck_assert_msg(strncmp(link, "<http://", 8) == 0 &&
				strstr(link, ">; rel=\"next\"") != NULL &&
				strstr(link, "recursive=true") != NULL,
			    "Link: %s", link);
			snprintf(url, sizeof(url), "%.*s",
			    (int)(strchr(link, '>') - link - 1), link + 1);
			free(link);
		}
		tu_resp_free(&r);
		ck_assert_int_lt(++pages, 100);
	}
	ck_assert_int_eq(seen, all);
	ck_assert_int_gt(pages, 1);
	ask("GET", "/api/datasets/tributary/ewe/tree/main?cursor=x", NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 400);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_paths_info)
{
	struct tu_resp r = { 0 };
	const char *json_hdr[] = { "Content-Type: application/json", NULL };
	char body[1400], parquet[300], enc[600], *q;
	const char *s;
	json_t *j;

	first_parquet(parquet, sizeof(parquet));
	snprintf(body, sizeof(body),
	    "{\"paths\":[\"README.md\",\"nope\",\"%s\",\"data\"],"
	    "\"expand\":true}",
	    parquet);
	ask("POST", "/api/datasets/tributary/ewe/paths-info/main", json_hdr,
	    body, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	header_is(&r, "Access-Control-Allow-Origin", "*");
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(j), 3);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 0), "path")),
	    "README.md");
	ck_assert_ptr_nonnull(json_object_get(json_array_get(j, 1), "lfs"));
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 2), "type")),
	    "directory");
	ck_assert_ptr_nonnull(
	    json_object_get(json_array_get(j, 0), "lastCommit"));
	json_decref(j);
	tu_resp_free(&r);

	/* Python's form, the path's '/' percent-encoded; from elsewhere */
	for (s = parquet, q = enc; *s; s++)
		q += *s == '/' ? sprintf(q, "%%2F") : sprintf(q, "%c", *s);
	snprintf(
	    body, sizeof(body), "paths=%s&paths=README.md&expand=false", enc);
	ask("POST", "/api/datasets/tributary/ewe/paths-info/1.1.0",
	    (const char *const[]){ "Origin: https://elsewhere.example", NULL },
	    body, &r);
	ck_assert_msg(r.status == 200, "%ld %s", r.status, r.body);
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(j), 2);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 0), "path")),
	    parquet);
	ck_assert_ptr_null(json_object_get(json_array_get(j, 0), "lastCommit"));
	json_decref(j);
	tu_resp_free(&r);

	ask("POST", "/api/datasets/tributary/ewe/paths-info/main", json_hdr,
	    "{\"paths\":\"README.md\"}", &r);
	ck_assert_int_eq(r.status, 400);
	tu_resp_free(&r);
	ask("POST", "/api/datasets/tributary/ewe/paths-info/1.0.0", json_hdr,
	    "{\"paths\":[\"README.md\"]}", &r);
	miss_is(&r, "RevisionNotFound", 0);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_resolve)
{
	struct tu_resp r = { 0 };
	char path[900], file[1300], parquet[300], want[80], cr[80], oid[41];
	uint8_t md[32];
	char hex[65];
	size_t n, pn;
	void *readme, *pq;

	snprintf(file, sizeof(file), "%s/releases/1.1.0/README.md", nodedir);
	readme = tu_slurp(file, &n);
	blob_oid(readme, n, oid);

	/* HEAD: what hf_hub_download reads, and no Xet */
	ask("HEAD", "/datasets/tributary/ewe/resolve/main/README.md",
	    (const char *const[]){ "Accept-Encoding: identity", NULL }, NULL,
	    &r);
	ck_assert_int_eq(r.status, 200);
	header_is(&r, "X-Repo-Commit", sha_main);
	snprintf(want, sizeof(want), "\"%s\"", oid);
	header_is(&r, "ETag", want);
	header_is(&r, "X-Linked-Etag", want);
	snprintf(cr, sizeof(cr), "%zu", n);
	header_is(&r, "X-Linked-Size", cr);
	header_is(&r, "Content-Length", cr);
	header_is(&r, "Accept-Ranges", "bytes");
	header_is(&r, "Content-Encoding", NULL);
	header_is(&r, "X-Xet-Hash", NULL);
	ck_assert_int_eq(r.n, 0);
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/ewe/resolve/main/README.md", NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.n, n);
	ck_assert(memcmp(r.body, readme, n) == 0);
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/ewe/raw/v1.1.0/README.md", NULL, NULL,
	    &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.n, n);
	tu_resp_free(&r);

	/* A Parquet file: sha256 ETag; ranges; %2F */
	first_parquet(parquet, sizeof(parquet));
	snprintf(file, sizeof(file), "%s/releases/1.1.0/%s", nodedir, parquet);
	pq = tu_slurp(file, &pn);
	sha256_digest(pq, pn, md);
	hex_encode(md, 32, hex);
	snprintf(path, sizeof(path), "/datasets/tributary/ewe/resolve/%s/%s",
	    sha_main, parquet);
	ask("GET", path,
	    (const char *const[]){ "Range: bytes=0-0",
		"Accept: application/vnd.xet-fileinfo+json, */*", NULL },
	    NULL, &r);
	ck_assert_int_eq(r.status, 206);
	snprintf(want, sizeof(want), "\"%s\"", hex);
	header_is(&r, "ETag", want);
	snprintf(cr, sizeof(cr), "bytes 0-0/%zu", pn);
	header_is(&r, "Content-Range", cr);
	header_is(&r, "Content-Type", "application/octet-stream");
	ck_assert_int_eq(r.n, 1);
	ck_assert_int_eq(r.body[0], 'P');
	tu_resp_free(&r);
	ask("GET", path, (const char *const[]){ "Range: bytes=-4", NULL }, NULL,
	    &r);
	ck_assert_int_eq(r.status, 206);
	ck_assert(r.n == 4 && memcmp(r.body, "PAR1", 4) == 0);
	tu_resp_free(&r);
	snprintf(want, sizeof(want), "Range: bytes=%zu-", pn);
	ask("GET", path, (const char *const[]){ want, NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 416);
	snprintf(cr, sizeof(cr), "bytes */%zu", pn);
	header_is(&r, "Content-Range", cr);
	tu_resp_free(&r);
	ask("HEAD", path, (const char *const[]){ want, NULL }, NULL, &r);
	ck_assert_int_eq(r.status, 416);
	tu_resp_free(&r);
	/* Every '/' of the path as %2F: the same file */
	snprintf(path, sizeof(path), "/datasets/tributary/ewe/resolve/main/");
	for (size_t i = 0, k = strlen(path); parquet[i] != '\0'; i++)
		k += parquet[i] == '/'
		    ? (size_t)snprintf(path + k, sizeof(path) - k, "%%2F")
		    : (size_t)snprintf(
			  path + k, sizeof(path) - k, "%c", parquet[i]);
	ask("GET", path, NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "%s: %ld", path, r.status);
	ck_assert_int_eq(r.n, pn);
	ck_assert(memcmp(r.body, pq, pn) == 0);
	tu_resp_free(&r);
	free(pq);
	free(readme);
}
END_TEST

/*
** The requests `datasets.load_dataset("tributary/ewe")` makes with
** HF_ENDPOINT at the node (huggingface_hub 1.x, datasets 5), in order,
** answered as it needs them.
*/
START_TEST(test_load_dataset_probes)
{
	struct tu_resp r = { 0 };
	char path[600], sha[41], *v;
	json_t *j, *x;
	size_t i;
	int files = 0;

	/* 1. README at main: its X-Repo-Commit is the sha from here on */
	ask("HEAD", "/datasets/tributary/ewe/resolve/main/README.md", NULL,
	    NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(v = tu_header(&r, "X-Repo-Commit"));
	snprintf(sha, sizeof(sha), "%s", v);
	free(v);
	tu_resp_free(&r);
	snprintf(path, sizeof(path),
	    "/datasets/tributary/ewe/resolve/%s/README.md", sha);
	ask("GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	/* 2. a loading script: must not exist */
	snprintf(path, sizeof(path),
	    "/datasets/tributary/ewe/resolve/%s/ewe.py", sha);
	ask("HEAD", path, NULL, NULL, &r);
	miss_is(&r, "EntryNotFound", 1);
	header_is(&r, "X-Repo-Commit", sha);
	tu_resp_free(&r);
	/* 3. info at the sha, .huggingface.yaml */
	snprintf(
	    path, sizeof(path), "/api/datasets/tributary/ewe/revision/%s", sha);
	ask("GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	snprintf(path, sizeof(path),
	    "/datasets/tributary/ewe/resolve/%s/.huggingface.yaml", sha);
	ask("HEAD", path, NULL, NULL, &r);
	miss_is(&r, "EntryNotFound", 1);
	tu_resp_free(&r);
	/* 4. datasets-server: with a localhost endpoint it may come here */
	ask("GET", "/info?dataset=tributary/ewe", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 404);
	tu_resp_free(&r);
	/* 5. the tree at the sha */
	snprintf(path, sizeof(path),
	    "/api/datasets/tributary/ewe/tree/%s?recursive=True&expand=False",
	    sha);
	ask("GET", path, NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	j = json_of(&r);
	tu_resp_free(&r);
	/* 6. dataset_infos.json */
	snprintf(path, sizeof(path),
	    "/datasets/tributary/ewe/resolve/%s/dataset_infos.json", sha);
	ask("HEAD", path, NULL, NULL, &r);
	miss_is(&r, "EntryNotFound", 1);
	tu_resp_free(&r);
	/* 7. HEAD and GET each data file */
	json_array_foreach(j, i, x)
	{
		const char *p = json_string_value(json_object_get(x, "path"));
		char *len;

		if (strstr(p, ".parquet") == NULL)
			continue;
		files++;
		snprintf(path, sizeof(path),
		    "/datasets/tributary/ewe/resolve/%s/%s", sha, p);
		ask("HEAD", path, NULL, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		header_is(&r, "X-Repo-Commit", sha);
		len = tu_header(&r, "X-Linked-Size");
		tu_resp_free(&r);
		ask("GET", path, NULL, NULL, &r);
		ck_assert_int_eq(r.status, 200);
		ck_assert_int_eq(r.n, strtoul(len, NULL, 10));
		ck_assert_int_eq(
		    json_integer_value(json_object_get(x, "size")), (long)r.n);
		free(len);
		tu_resp_free(&r);
	}
	ck_assert_int_gt(files, 1);
	json_decref(j);
}
END_TEST

/* The official JS client (tests/hub/read.mjs), when npm ci installed it. */
START_TEST(test_js_client)
{
	char cmd[2048], out[16384];
	size_t n;
	FILE *p;
	int rc;

	if (access(tu_src_path("node_modules/@huggingface/hub/package.json"),
		R_OK) != 0) {
		fprintf(stderr,
		    "check_hub_read: @huggingface/hub not installed (npm ci): "
		    "skipping the JS client\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "node %s %s '%s' 2>&1",
	    tu_src_path("tests/hub/read.mjs"), base, nodedir);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	rc = pclose(p);
	ck_assert_msg(rc == 0, "tests/hub/read.mjs said:\n%s", out);
	ck_assert_msg(strstr(out, "hub: ok") != NULL, "%s", out);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hub_read");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_misses);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_paths_info);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_load_dataset_probes);
	tcase_add_test(tc, test_js_client);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
