/*
** The Hub's write API (server/http/api_hubwrite.c, server/domain/
** hubpush.c) over real HTTP: the built binary serves a node made with its
** own CLI, push tokens from `tributary token add`. A push is walked
** request by request as the clients send it (create, preupload, LFS
** batch, PUT, verify, NDJSON commit), what was pushed is read back
** through the read API byte for byte, and every refusal is asked for: no
** token, a wrong one, a token for another repo, another namespace, a
** tampered object or URL, a stale parent; then history is rewritten (tag,
** tag delete, super-squash) and the audit log checked. The official JS
** client, @huggingface/hub, pushes to the same server in
** tests/hub/write.mjs.
*/
#include <check.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "crypto.h"
#include "db.h"
#include "testutil.h"

static struct tu_server srv;
static char nodedir[700];
static char base[128];
static char tok_any[64], tok_other[64], tok_mine[64];

/* A new token named ${name} (for ${repo}, NULL: any) into ${out}. */
static void
token_add(const char *name, const char *repo, char out[64])
{
	char text[1024], *t;

	ck_assert_int_eq(
	    tu_cli(text, sizeof(text),
		(const char *const[]){ "token", "add", "--data", nodedir,
		    "--name", name, repo ? "--repo" : NULL, repo, NULL }),
	    0);
	/* stdout holds the token alone; stderr (folded in) says so */
	ck_assert_msg((t = strstr(text, "\nhf_")) != NULL ||
		(t = strncmp(text, "hf_", 3) == 0 ? text - 1 : NULL) != NULL,
	    "token add said: %s", text);
	t++;
	ck_assert_msg(strlen(t) >= 43 && (t[43] == '\n' || t[43] == '\0'),
	    "token add said: %s", text);
	memcpy(out, t, 43);
	out[43] = '\0';
}

static void
suite_setup(void)
{
	char out[4096], webroot[600];
	const char *extra[] = { "--webroot", webroot, "--rate-per-address",
		"100000", "--hub-max-files", "50", "--hub-multipart-chunk",
		"1048576", NULL };

	tu_base_setup();
	snprintf(nodedir, sizeof(nodedir), "%s/node", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", nodedir, NULL }),
	    0);
	token_add("any", NULL, tok_any);
	token_add("other", "tributary/other", tok_other);
	token_add("mine", "tributary/pushed", tok_mine);
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

/* ${method} ${base}${path} (or a whole URL) with token ${tok} (NULL:
** none), ${ctype} and ${n} bytes of ${body}. */
static void
ask(const char *method, const char *path, const char *tok, const char *ctype,
    const void *body, size_t n, struct tu_resp *out)
{
	char url[2048], auth[128], ct[128];
	const char *h[3] = { NULL, NULL, NULL };
	int k = 0;

	if (strncmp(path, "http", 4) == 0)
		snprintf(url, sizeof(url), "%s", path);
	else
		snprintf(url, sizeof(url), "%s%s", base, path);
	if (tok != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
		h[k++] = auth;
	}
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		h[k++] = ct;
	}
	ck_assert_msg(tu_http(NULL, method, url, h, body, n, out) == 0,
	    "%s %s: no answer", method, path);
}

static json_t *
json_of(const struct tu_resp *r)
{
	json_t *j = json_loadb(r->body, r->n, 0, NULL);

	ck_assert_msg(j != NULL, "not JSON: %.300s", r->body ? r->body : "");
	return (j);
}

/* The answer has ${status}; else fail showing its body. */
static void
status_is(const struct tu_resp *r, long status, const char *what)
{
	ck_assert_msg(r->status == status, "%s: %ld, wanted %ld: %.400s", what,
	    r->status, status, r->body ? r->body : "");
}

/* Creates repo ${name} with token ${tok}: the answer's status. */
static long
create(const char *ns, const char *name, const char *tok)
{
	struct tu_resp r = { 0 };
	char body[300];
	long st;

	snprintf(body, sizeof(body),
	    "{\"type\":\"dataset\",\"name\":\"%s\",\"organization\":\"%s\"}",
	    name, ns);
	ask("POST", "/api/repos/create", tok, "application/json", body,
	    strlen(body), &r);
	st = r.status;
	tu_resp_free(&r);
	return (st);
}

static void
sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t md[SHA256_LEN];

	sha256_digest(p, n, md);
	hex_encode(md, SHA256_LEN, out);
}

/* The upload href (or verify, ${verify}) the batch gives for ${oid} of
** ${size} bytes in tributary/${repo}, into ${out}; "" when the answer
** has no actions (the node holds it). */
static void
batch_href(const char *repo, const char *oid, size_t size, int verify,
    char *out, size_t n)
{
	struct tu_resp r = { 0 };
	char body[400], path[200];
	json_t *j, *o, *a;

	snprintf(body, sizeof(body),
	    "{\"operation\":\"upload\",\"transfers\":[\"basic\","
	    "\"multipart\",\"xet\"],\"hash_algo\":\"sha_256\",\"ref\":"
	    "{\"name\":\"main\"},\"objects\":[{\"oid\":\"%s\",\"size\":%zu}]}",
	    oid, size);
	snprintf(path, sizeof(path),
	    "/datasets/tributary/%s.git/info/lfs/objects/batch", repo);
	ask("POST", path, tok_any, "application/vnd.git-lfs+json", body,
	    strlen(body), &r);
	status_is(&r, 200, "batch");
	j = json_of(&r);
	ck_assert_str_eq(
	    json_string_value(json_object_get(j, "transfer")), "basic");
	o = json_array_get(json_object_get(j, "objects"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "oid")), oid);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "size")), size);
	a = json_object_get(
	    json_object_get(o, "actions"), verify ? "verify" : "upload");
	snprintf(out, n, "%s",
	    a ? json_string_value(json_object_get(a, "href")) : "");
	json_decref(j);
	tu_resp_free(&r);
}

/* The head of tributary/pushed's main, from the read API, into ${out}. */
static void
head_of(const char *repo, char out[41])
{
	struct tu_resp r = { 0 };
	char path[200];
	json_t *j;

	snprintf(path, sizeof(path), "/api/datasets/tributary/%s", repo);
	ask("GET", path, NULL, NULL, NULL, 0, &r);
	status_is(&r, 200, "repo info");
	j = json_of(&r);
	snprintf(out, 41, "%s", json_string_value(json_object_get(j, "sha")));
	json_decref(j);
	tu_resp_free(&r);
}

/* Commits the NDJSON ${body} to tributary/${repo} main with ${tok}. */
static void
commit(const char *repo, const char *tok, const char *body, struct tu_resp *r)
{
	char path[200];

	snprintf(
	    path, sizeof(path), "/api/datasets/tributary/%s/commit/main", repo);
	ask("POST", path, tok, "application/x-ndjson", body, strlen(body), r);
}

START_TEST(test_create_and_refusals)
{
	static const char again[] =
	    "{\"type\":\"dataset\",\"name\":"
	    "\"pushed\",\"organization\":\"tributary\"}";
	static const char secret[] = "{\"type\":\"dataset\",\"name\":"
				     "\"secret\",\"private\":true}";
	struct tu_resp r = { 0 };
	json_t *j;
	char want[300];

	ck_assert_int_eq(create("tributary", "pushed", tok_any), 201);
	ask("POST", "/api/repos/create", tok_any, "application/json", again,
	    strlen(again), &r);
	status_is(&r, 409, "create again");
	j = json_of(&r);
	snprintf(want, sizeof(want), "%s/datasets/tributary/pushed", base);
	ck_assert_str_eq(json_string_value(json_object_get(j, "url")), want);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(create("tributary", "nothere", NULL), 401);
	ck_assert_int_eq(create("tributary", "nothere",
			     "hf_0123456789012345678901234567890123456789"),
	    401);
	ck_assert_int_eq(create("tributary", "nothere", "not-a-token"), 401);
	ck_assert_int_eq(create("tributary", "nothere", tok_other), 403);
	ck_assert_int_eq(create("elsewhere", "nothere", tok_any), 403);
	ck_assert_int_eq(create("tributary", "bad..name", tok_any), 400);
	ask("POST", "/api/repos/create", tok_any, "application/json", secret,
	    strlen(secret), &r);
	status_is(&r, 400, "a private repo");
	tu_resp_free(&r);
	/* Nothing of the refused ones was made. */
	ask("GET", "/api/datasets/tributary/nothere", NULL, NULL, NULL, 0, &r);
	status_is(&r, 404, "a refused repo");
	tu_resp_free(&r);
	/* The empty repo is served already. */
	ask("GET", "/api/datasets/tributary/pushed/revision/main", NULL, NULL,
	    NULL, 0, &r);
	status_is(&r, 200, "an empty repo's info");
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_push_and_read_back)
{
	static const char readme[] = "---\nlicense: cc0-1.0\n---\n# Pushed\n";
	struct tu_resp r = { 0 };
	char object[70000], oid[65], href[1200], body[4000], b64[200],
	    parent[41], head[41], url[1400], bad[1200], *p;
	size_t i;
	json_t *j;

	for (i = 0; i < sizeof(object); i++)
		object[i] = (char)(i * 7 + i / 251);
	sha256_hex(object, sizeof(object), oid);
	i = (size_t)create("tributary", "pushed", tok_any);
	ck_assert(i == 201 || i == 409); /* made by the test before */

	/* Preupload: Parquet over LFS, the card regular */
	snprintf(body, sizeof(body),
	    "{\"files\":[{\"path\":\"README.md\",\"size\":%zu,\"sample\":"
	    "\"LS0t\"},{\"path\":\"data/train-00000-of-00001.parquet\","
	    "\"size\":%zu,\"sample\":\"UEFSMQ==\"}]}",
	    sizeof(readme) - 1, sizeof(object));
	ask("POST", "/api/datasets/tributary/pushed/preupload/main", tok_mine,
	    "application/json", body, strlen(body), &r);
	status_is(&r, 200, "preupload");
	j = json_of(&r);
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(j, "files"), 0), "uploadMode")),
	    "regular");
	ck_assert_str_eq(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(j, "files"), 1), "uploadMode")),
	    "lfs");
	ck_assert(json_is_false(json_object_get(
	    json_array_get(json_object_get(j, "files"), 1), "shouldIgnore")));
	json_decref(j);
	tu_resp_free(&r);
	ask("POST", "/api/datasets/tributary/pushed/preupload/main", tok_other,
	    "application/json", body, strlen(body), &r);
	status_is(&r, 403, "preupload, a token for another repo");
	tu_resp_free(&r);

	/* Batch, then PUT without a token to the signed href */
	batch_href("pushed", oid, sizeof(object), 0, href, sizeof(href));
	ck_assert_msg(strstr(href, "sig=") != NULL, "href %s", href);
	/* A tampered signature, or another size: refused before the body */
	snprintf(bad, sizeof(bad), "%s", href);
	p = strstr(bad, "sig=") + 4;
	*p = *p == '0' ? '1' : '0';
	ask("PUT", bad, NULL, NULL, object, sizeof(object), &r);
	status_is(&r, 403, "PUT, a tampered signature");
	tu_resp_free(&r);
	/* Bytes that are not the object (right size, wrong hash) */
	object[5] ^= 1;
	ask("PUT", href, NULL, NULL, object, sizeof(object), &r);
	status_is(&r, 400, "PUT, bytes that are not the oid");
	tu_resp_free(&r);
	object[5] ^= 1;
	ask("PUT", href, NULL, NULL, object, sizeof(object) - 1, &r);
	status_is(&r, 400, "PUT, a short body");
	tu_resp_free(&r);
	/* The verify URL does not find it yet */
	batch_href("pushed", oid, sizeof(object), 1, url, sizeof(url));
	ask("POST", url, NULL, "application/json", "{}", 2, &r);
	status_is(&r, 404, "verify before the upload");
	tu_resp_free(&r);
	ask("PUT", href, NULL, NULL, object, sizeof(object), &r);
	status_is(&r, 200, "PUT");
	tu_resp_free(&r);
	ask("POST", url, NULL, "application/json", "{}", 2, &r);
	status_is(&r, 200, "verify");
	tu_resp_free(&r);
	/* Now held: the batch gives no actions */
	batch_href("pushed", oid, sizeof(object), 0, href, sizeof(href));
	ck_assert_str_eq(href, "");

	/* The commit */
	head_of("pushed", parent);
	sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)readme,
	    sizeof(readme) - 1, sodium_base64_VARIANT_ORIGINAL);
	snprintf(body, sizeof(body),
	    "{\"key\":\"header\",\"value\":{\"summary\":\"First\","
	    "\"description\":\"\",\"parentCommit\":\"%s\"}}\n"
	    "{\"key\":\"file\",\"value\":{\"content\":\"%s\",\"path\":"
	    "\"README.md\",\"encoding\":\"base64\"}}\n"
	    "{\"key\":\"lfsFile\",\"value\":{\"path\":"
	    "\"data/train-00000-of-00001.parquet\",\"algo\":\"sha256\","
	    "\"oid\":\"%s\",\"size\":%zu}}",
	    parent, b64, oid, sizeof(object));
	commit("pushed", NULL, body, &r);
	status_is(&r, 401, "commit without a token");
	tu_resp_free(&r);
	commit("pushed", tok_other, body, &r);
	status_is(&r, 403, "commit, a token for another repo");
	tu_resp_free(&r);
	commit("pushed", tok_mine, body, &r);
	status_is(&r, 200, "commit");
	j = json_of(&r);
	ck_assert(json_is_true(json_object_get(j, "success")));
	snprintf(head, sizeof(head), "%s",
	    json_string_value(json_object_get(j, "commitOid")));
	snprintf(url, sizeof(url), "%s/datasets/tributary/pushed/commit/%s",
	    base, head);
	ck_assert_str_eq(
	    json_string_value(json_object_get(j, "commitUrl")), url);
	json_decref(j);
	tu_resp_free(&r);
	head_of("pushed", parent);
	ck_assert_str_eq(parent, head);

	/* Read back through the read API, byte for byte */
	ask("GET",
	    "/datasets/tributary/pushed/resolve/main/data/"
	    "train-00000-of-00001.parquet",
	    NULL, NULL, NULL, 0, &r);
	status_is(&r, 200, "resolve the object");
	ck_assert_uint_eq(r.n, sizeof(object));
	ck_assert(memcmp(r.body, object, sizeof(object)) == 0);
	ck_assert_ptr_nonnull(strstr(r.headers, oid)); /* ETag: its sha256 */
	tu_resp_free(&r);
	snprintf(url, sizeof(url),
	    "/datasets/tributary/pushed/resolve/%s/README.md", head);
	ask("GET", url, NULL, NULL, NULL, 0, &r);
	status_is(&r, 200, "resolve the card at the commit");
	ck_assert_uint_eq(r.n, sizeof(readme) - 1);
	ck_assert(memcmp(r.body, readme, r.n) == 0);
	tu_resp_free(&r);
	ask("GET", "/api/datasets/tributary/pushed", NULL, NULL, NULL, 0, &r);
	j = json_of(&r);
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(j, "cardData"), "license")),
	    "cc0-1.0");
	ck_assert_int_eq(json_array_size(json_object_get(j, "siblings")), 2);
	json_decref(j);
	tu_resp_free(&r);

	/* Refused whole: an object never uploaded, or of another size;
	** and a stale parent */
	snprintf(body, sizeof(body),
	    "{\"key\":\"header\",\"value\":{\"summary\":\"Bad\"}}\n"
	    "{\"key\":\"file\",\"value\":{\"content\":\"eA==\",\"path\":"
	    "\"x.txt\",\"encoding\":\"base64\"}}\n"
	    "{\"key\":\"lfsFile\",\"value\":{\"path\":\"y.parquet\","
	    "\"algo\":\"sha256\",\"oid\":\"%064d\",\"size\":3}}\n",
	    7);
	commit("pushed", tok_any, body, &r);
	status_is(&r, 422, "commit, an object never uploaded");
	tu_resp_free(&r);
	snprintf(body, sizeof(body),
	    "{\"key\":\"header\",\"value\":{\"summary\":\"Bad\"}}\n"
	    "{\"key\":\"lfsFile\",\"value\":{\"path\":\"y.parquet\","
	    "\"algo\":\"sha256\",\"oid\":\"%s\",\"size\":%zu}}\n",
	    oid, sizeof(object) + 1);
	commit("pushed", tok_any, body, &r);
	status_is(&r, 422, "commit, an object of another size");
	tu_resp_free(&r);
	snprintf(body, sizeof(body),
	    "{\"key\":\"header\",\"value\":{\"summary\":\"Stale\","
	    "\"parentCommit\":\"%040d\"}}\n"
	    "{\"key\":\"deletedFile\",\"value\":{\"path\":\"README.md\"}}",
	    3);
	commit("pushed", tok_any, body, &r);
	status_is(&r, 412, "commit, a stale parent");
	tu_resp_free(&r);
	commit("pushed", tok_any, "{\"key\":\"file\"}", &r);
	status_is(&r, 400, "commit, no header");
	tu_resp_free(&r);
	head_of("pushed", parent);
	ck_assert_str_eq(parent, head); /* nothing changed */
	ask("GET", "/datasets/tributary/pushed/resolve/main/x.txt", NULL, NULL,
	    NULL, 0, &r);
	status_is(&r, 404, "a file of a refused commit");
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_history)
{
	struct tu_resp r = { 0 };
	char first[41], second[41], squashed[41], url[300];
	json_t *j;

	ck_assert_int_eq(create("tributary", "hist", tok_any), 201);
	commit("hist", tok_any,
	    "{\"key\":\"header\",\"value\":{\"summary\":\"one\"}}\n"
	    "{\"key\":\"file\",\"value\":{\"content\":\"b25l\",\"path\":"
	    "\"a/one.txt\",\"encoding\":\"base64\"}}\n",
	    &r);
	status_is(&r, 200, "commit one");
	tu_resp_free(&r);
	head_of("hist", first);
	ask("POST", "/api/datasets/tributary/hist/tag/main", tok_any,
	    "application/json", "{\"tag\":\"v1\"}", 12, &r);
	status_is(&r, 200, "tag v1");
	tu_resp_free(&r);
	ask("POST", "/api/datasets/tributary/hist/tag/main", tok_any,
	    "application/json", "{\"tag\":\"v1\"}", 12, &r);
	status_is(&r, 409, "tag v1 again");
	tu_resp_free(&r);
	commit("hist", tok_any,
	    "{\"key\":\"header\",\"value\":{\"summary\":\"two\"}}\n"
	    "{\"key\":\"deletedFolder\",\"value\":{\"path\":\"a\"}}\n"
	    "{\"key\":\"file\",\"value\":{\"content\":\"dHdv\",\"path\":"
	    "\"two.txt\",\"encoding\":\"base64\"}}",
	    &r);
	status_is(&r, 200, "commit two");
	tu_resp_free(&r);
	head_of("hist", second);
	/* The tag and the first commit still serve what they held */
	ask("GET", "/datasets/tributary/hist/resolve/v1/a/one.txt", NULL, NULL,
	    NULL, 0, &r);
	status_is(&r, 200, "the file at the tag");
	ck_assert_int_eq(r.n, 3);
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/hist/resolve/main/a/one.txt", NULL,
	    NULL, NULL, 0, &r);
	status_is(&r, 404, "a deleted folder's file at main");
	tu_resp_free(&r);
	/* Tag delete: no token, wrong repo token, then done */
	ask("DELETE", "/api/datasets/tributary/hist/tag/v1", NULL, NULL, NULL,
	    0, &r);
	status_is(&r, 401, "tag delete without a token");
	tu_resp_free(&r);
	ask("DELETE", "/api/datasets/tributary/hist/tag/v1", tok_other, NULL,
	    NULL, 0, &r);
	status_is(&r, 403, "tag delete, a token for another repo");
	tu_resp_free(&r);
	ask("DELETE", "/api/datasets/tributary/hist/tag/v1", tok_any, NULL,
	    NULL, 0, &r);
	status_is(&r, 200, "tag delete");
	tu_resp_free(&r);
	ask("DELETE", "/api/datasets/tributary/hist/tag/v1", tok_any, NULL,
	    NULL, 0, &r);
	status_is(&r, 404, "tag delete again");
	tu_resp_free(&r);
	ask("GET", "/api/datasets/tributary/hist/revision/v1", NULL, NULL, NULL,
	    0, &r);
	status_is(&r, 404, "a deleted tag");
	tu_resp_free(&r);
	/* Super-squash: one commit, the old ones gone */
	ask("POST", "/api/datasets/tributary/hist/super-squash/main", tok_any,
	    "application/json", "{\"message\":\"squashed\"}", 22, &r);
	status_is(&r, 200, "super-squash");
	j = json_of(&r);
	snprintf(squashed, sizeof(squashed), "%s",
	    json_string_value(json_object_get(j, "commitOid")));
	json_decref(j);
	tu_resp_free(&r);
	head_of("hist", url);
	ck_assert_str_eq(url, squashed);
	ck_assert_str_ne(squashed, second);
	snprintf(url, sizeof(url), "/api/datasets/tributary/hist/revision/%s",
	    first);
	ask("GET", url, NULL, NULL, NULL, 0, &r);
	status_is(&r, 404, "a squashed-away commit");
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/hist/resolve/main/two.txt", NULL, NULL,
	    NULL, 0, &r);
	status_is(&r, 200, "the head's file after the squash");
	ck_assert(r.n == 3 && memcmp(r.body, "two", 3) == 0);
	tu_resp_free(&r);
	ask("GET",
	    "/api/datasets/tributary/hist/tree/main?recursive=true&"
	    "expand=true",
	    NULL, NULL, NULL, 0, &r);
	ck_assert_ptr_nonnull(strstr(r.body, "\"title\":\"squashed\""));
	tu_resp_free(&r);
	ask("POST", "/api/datasets/tributary/hist/super-squash/nobranch",
	    tok_any, NULL, NULL, 0, &r);
	status_is(&r, 404, "super-squash of no branch");
	tu_resp_free(&r);
}
END_TEST

/* Every write of the tests above was audited. */
START_TEST(test_audited)
{
	char out[65536];
	const char *actions[] = { "hub.token.added", "hub.repo.created",
		"hub.commit", "hub.tag.added", "hub.tag.deleted",
		"hub.super_squash" };
	size_t i;

	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "audit", "tail", "--data",
				 nodedir, "--count", "200", NULL }),
	    0);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		ck_assert_msg(strstr(out, actions[i]) != NULL,
		    "no %s in the audit log", actions[i]);
	ck_assert_msg(strstr(out, "hf_") == NULL, "a token in the audit log");
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){
				 "token", "list", "--data", nodedir, NULL }),
	    0);
	ck_assert_ptr_nonnull(strstr(out, "other\ttributary/other\tlive"));
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "token", "revoke", "--data",
				 nodedir, "--name", "other", NULL }),
	    0);
	ck_assert_int_eq(create("tributary", "other", tok_other), 401);
}
END_TEST

/* Does node's hub object store hold a file for ${hex}? */
static int
object_file(const char *hex)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/hub-objects/%.2s/%s", nodedir, hex,
	    hex + 2);
	return (access(path, F_OK) == 0);
}

/* PUTs ${n} bytes at ${p} to part URL ${url}: the ETag it answers, into
** ${etag} (67 bytes), or the status when not 200. */
static long
put_part(const char *url, const char *p, size_t n, char *etag)
{
	struct tu_resp r = { 0 };
	char *h;
	long st;

	ask("PUT", url, NULL, NULL, p, n, &r);
	st = r.status;
	if (st == 200) {
		ck_assert_ptr_nonnull(h = tu_header(&r, "ETag"));
		snprintf(etag, 67, "%s", h);
		free(h);
	}
	tu_resp_free(&r);
	return (st);
}

/* POSTs to join URL ${href} the parts of ${oid} numbered as in ${order}
** ("1,3,2"), with their ${etag}s; the answer must be ${status}. */
static void
join(const char *href, const char *oid, const char *order, char etag[][67],
    long status, const char *what)
{
	struct tu_resp r = { 0 };
	char body[2000];
	size_t n;
	int k;

	n = (size_t)snprintf(
	    body, sizeof(body), "{\"oid\":\"%s\",\"parts\":[", oid);
	for (; *order != '\0'; order++) {
		if (*order < '1' || *order > '9')
			continue;
		k = *order - '0';
		n += (size_t)snprintf(body + n, sizeof(body) - n,
		    "%s{\"partNumber\":%d,\"etag\":%s}",
		    body[n - 1] == '[' ? "" : ",", k, etag[k - 1]);
	}
	snprintf(body + n, sizeof(body) - n, "]}");
	ask("POST", href, NULL, "application/vnd.git-lfs+json", body,
	    strlen(body), &r);
	status_is(&r, status, what);
	tu_resp_free(&r);
}

/*
** The multipart transfer (--hub-multipart-chunk 1 MiB here): the batch
** answers an object of 2.5 MiB with three part URLs and the join URL;
** parts go in any order; a part of another size, a part URL with another
** part number, a join missing a part or out of order are refused; the
** join keeps the object and drops the parts; then the sweep removes an
** object no commit names, once past the grace, and keeps the rest.
*/
START_TEST(test_multipart_and_sweep)
{
	const size_t size = 2 * 1048576 + 524288;
	struct tu_resp r = { 0 };
	char oid[65], body[2000], etag[3][67], *href, *url[3], *bad, *q, *obj;
	char lone[65], lonehref[1200], ndjson[1200];
	struct blob_sweep_stats st;
	json_t *j, *hdr;
	size_t i;
	long k;

	ck_assert_ptr_nonnull(obj = malloc(size));
	for (i = 0; i < size; i++)
		obj[i] = (char)(i * 13 + i / 4093);
	sha256_hex(obj, size, oid);
	k = create("tributary", "parts", tok_any);
	ck_assert(k == 201 || k == 409);
	snprintf(body, sizeof(body),
	    "{\"operation\":\"upload\",\"transfers\":[\"basic\","
	    "\"multipart\"],\"hash_algo\":\"sha256\",\"objects\":[{\"oid\":"
	    "\"%s\",\"size\":%zu}]}",
	    oid, size);
	ask("POST", "/datasets/tributary/parts.git/info/lfs/objects/batch",
	    tok_any, "application/vnd.git-lfs+json", body, strlen(body), &r);
	status_is(&r, 200, "batch");
	j = json_of(&r);
	tu_resp_free(&r);
	hdr = json_object_get(
	    json_object_get(
		json_object_get(
		    json_array_get(json_object_get(j, "objects"), 0),
		    "actions"),
		"upload"),
	    "header");
	ck_assert_str_eq(
	    json_string_value(json_object_get(hdr, "chunk_size")), "1048576");
	ck_assert_uint_eq(json_object_size(hdr), 4);
	ck_assert_ptr_nonnull(
	    href = strdup(json_string_value(json_object_get(
		json_object_get(
		    json_object_get(
			json_array_get(json_object_get(j, "objects"), 0),
			"actions"),
		    "upload"),
		"href"))));
	for (i = 0; i < 3; i++) {
		char key[8];

		snprintf(key, sizeof(key), "%05zu", i + 1);
		ck_assert_ptr_nonnull(url[i] = strdup(json_string_value(
					  json_object_get(hdr, key))));
	}
	json_decref(j);

	/* A part of another size; a part URL made to name another part. */
	ck_assert_int_eq(put_part(url[0], obj, 1048575, etag[0]), 400);
	ck_assert_ptr_nonnull(bad = strdup(url[1]));
	ck_assert_ptr_nonnull(q = strstr(bad, "part=2"));
	q[5] = '1';
	ck_assert_int_eq(put_part(bad, obj, 1048576, etag[0]), 403);
	free(bad);
	/* The parts, last first. */
	ck_assert_int_eq(
	    put_part(url[2], obj + 2 * 1048576, 524288, etag[2]), 200);
	ck_assert_int_eq(put_part(url[0], obj, 1048576, etag[0]), 200);
	ck_assert_int_eq(
	    put_part(url[1], obj + 1048576, 1048576, etag[1]), 200);
	ck_assert_int_eq(strlen(etag[1]), 66);

	/* A join missing a part, and one out of order. */
	join(href, oid, "1,2", etag, 400, "a join missing a part");
	join(href, oid, "1,3,2", etag, 400, "a join out of order");
	ck_assert(!object_file(oid));
	join(href, oid, "1,2,3", etag, 200, "the join");
	ck_assert(object_file(oid));
	for (i = 0; i < 3; i++) {
		snprintf(lone, sizeof(lone), "%.64s", etag[i] + 1);
		ck_assert_msg(!object_file(lone), "part %zu was kept", i + 1);
	}
	/* Held now: the batch gives no actions; a commit names it. */
	batch_href("parts", oid, size, 0, lonehref, sizeof(lonehref));
	ck_assert_str_eq(lonehref, "");
	snprintf(ndjson, sizeof(ndjson),
	    "{\"key\":\"header\",\"value\":{\"summary\":\"parts\"}}\n"
	    "{\"key\":\"lfsFile\",\"value\":{\"path\":\"big.bin\",\"algo\":"
	    "\"sha256\",\"oid\":\"%s\",\"size\":%zu}}\n",
	    oid, size);
	commit("parts", tok_any, ndjson, &r);
	status_is(&r, 200, "commit of the joined object");
	tu_resp_free(&r);
	ask("GET", "/datasets/tributary/parts/resolve/main/big.bin", NULL, NULL,
	    NULL, 0, &r);
	status_is(&r, 200, "the joined object");
	ck_assert(r.n == size && memcmp(r.body, obj, size) == 0);
	tu_resp_free(&r);

	/* Listed with the node's datasets. */
	ask("GET", "/api/datasets?search=parts", NULL, NULL, NULL, 0, &r);
	status_is(&r, 200, "the datasets");
	j = json_of(&r);
	ck_assert_uint_eq(json_array_size(j), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(j, 0), "id")),
	    "tributary/parts");
	json_decref(j);
	tu_resp_free(&r);

	/* An object uploaded and never committed. */
	obj[0] ^= 1;
	sha256_hex(obj, 4096, lone);
	batch_href("parts", lone, 4096, 0, lonehref, sizeof(lonehref));
	ask("PUT", lonehref, NULL, NULL, obj, 4096, &r);
	status_is(&r, 200, "an object never committed");
	tu_resp_free(&r);
	ck_assert(object_file(lone));
	/* The sweep, a day and more later: it goes, the committed stays. */
	tu_hub_sweep(nodedir, time(NULL) + 2 * 86400, 86400, &st);
	ck_assert(!object_file(lone));
	ck_assert(object_file(oid));
	ck_assert_uint_ge(st.removed, 1);
	ck_assert_uint_ge(st.kept, 2);
	for (i = 0; i < 3; i++)
		free(url[i]);
	free(href);
	free(obj);
}
END_TEST

/* The official JS client (tests/hub/write.mjs), when npm ci installed it. */
START_TEST(test_js_client)
{
	char cmd[2048], out[16384];
	size_t n;
	FILE *p;
	int rc;

	if (access(tu_src_path("node_modules/@huggingface/hub/package.json"),
		R_OK) != 0) {
		fprintf(stderr,
		    "check_hub_write: @huggingface/hub not installed (npm ci): "
		    "skipping the JS client\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "node %s %s %s 2>&1",
	    tu_src_path("tests/hub/write.mjs"), base, tok_any);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	rc = pclose(p);
	ck_assert_msg(rc == 0, "tests/hub/write.mjs said:\n%s", out);
	ck_assert_msg(strstr(out, "hub write: ok") != NULL, "%s", out);
}
END_TEST

/* The card check the Python client makes before a commit holding
** README.md: a good front matter passes, a broken one is named. */
START_TEST(test_validate_yaml)
{
	static const char good[] = "{\"content\":\"---\\nlicense: "
				   "cc-by-4.0\\nlanguage:\\n- ee\\n---\\n"
				   "# Ewe\\n\",\"repoType\":\"dataset\"}";
	static const char bad[] = "{\"content\":\"---\\nlicense: [cc0\\n---\\n"
				  "# Ewe\\n\",\"repoType\":\"dataset\"}";
	struct tu_resp r = { 0 };
	json_t *j;

	ask("POST", "/api/validate-yaml", tok_any, "application/json", good,
	    strlen(good), &r);
	status_is(&r, 200, "a good card");
	j = json_of(&r);
	ck_assert_int_eq(json_array_size(json_object_get(j, "errors")), 0);
	ck_assert(json_is_array(json_object_get(j, "warnings")));
	json_decref(j);
	tu_resp_free(&r);
	ask("POST", "/api/validate-yaml", tok_any, "application/json", bad,
	    strlen(bad), &r);
	status_is(&r, 400, "a broken card");
	ck_assert_ptr_nonnull(strstr(r.body, "README.md:"));
	tu_resp_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hub_write");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_create_and_refusals);
	tcase_add_test(tc, test_validate_yaml);
	tcase_add_test(tc, test_push_and_read_back);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_multipart_and_sweep);
	tcase_add_test(tc, test_js_client);
	tcase_add_test(tc, test_audited);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
