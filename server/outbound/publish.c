/*
** Publishing a release to a Hub (publish.h), with libcurl.
*/
#include "publish.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "keyrot.h"
#include "publication.h"
#include "release_build.h"
#include "text.h"
#include "writer.h"

#define TRIES      5           /* attempts of one request */
#define BATCH_MAX  100         /* objects per LFS batch request */
#define ANSWER_MAX (16u << 20) /* bytes of a JSON answer we keep */
#define INLINE_MAX (8u << 20)  /* a regular file sent inline, at most */

/* One file of the release. */
struct pfile {
	char path[256];
	uint64_t size;
	char sha[SHA256_HEX_LEN + 1]; /* SHA-256, hex */
	char oid[41];                 /* git blob id (regular files) */
	int lfs;                      /* what preupload said */
	int needed;                   /* the batch asked for its bytes */
};

struct pub {
	const struct publish_opts *o;
	struct err *e;
	CURL *c;
	char base[512]; /* the endpoint, no trailing '/' */
	char ns[128], name[128];
	char dir[4096]; /* the release's folder */
	struct pfile *f;
	size_t nf;
	char auth[600];    /* "Authorization: Bearer …" */
	const char *label; /* the file being sent, for progress */
	int last_pct;
};

/* Appends what curl received to the buf ${arg}, up to ANSWER_MAX. */
static size_t
take(char *p, size_t sz, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->n + sz * n > ANSWER_MAX || buf_append(b, p, sz * n) == -1)
		return (0);
	return (sz * n);
}

/* A file's bytes from where it is, ${left} of them: a part ends there. */
struct piece {
	FILE *f;
	uint64_t left;
};

/* Gives curl the next bytes of the piece ${arg}, never past its end. */
static size_t
give(char *p, size_t sz, size_t n, void *arg)
{
	struct piece *pc = arg;
	size_t want = sz * n, got;

	if ((uint64_t)want > pc->left)
		want = (size_t)pc->left;
	if (want == 0)
		return (0);
	got = fread(p, 1, want, pc->f);
	if (got == 0 && ferror(pc->f))
		return (CURL_READFUNC_ABORT);
	pc->left -= got;
	return (got);
}

static int
progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct pub *p = arg;
	int pct;

	(void)dt;
	(void)dn;
	if (p->o->quiet || p->label == NULL || ut <= 0)
		return (0);
	pct = (int)(un * 100 / ut);
	if (pct != p->last_pct && (pct % 10 == 0 || pct == 100)) {
		fprintf(stderr, "publish: %s %d%%\n", p->label, pct);
		p->last_pct = pct;
	}
	return (0);
}

/* One request: what to send, and how. */
struct hreq {
	const char *method;
	const char *url; /* absolute */
	const char *ctype;
	const char *accept;
	const void *body; /* ${n} bytes, or NULL */
	size_t n;
	FILE *upload; /* or a file's bytes from ${off}, ${len} of them */
	uint64_t off, len;
	int auth; /* send the token */
};

/*
** Sends ${q}; the answer's status into ${status} and body into ${ans}
** (emptied first). Retries on a cut connection, 429 and 5xx with backoff
** (1, 2, 4, 8 s, or a longer Retry-After, up to 60 s). 0, or -1 with
** p->e set when no answer came at all.
*/
static int
call(struct pub *p, const struct hreq *q, long *status, struct buf *ans)
{
	struct curl_slist *h = NULL;
	char ct[200], ac[200];
	CURLcode rc = CURLE_OK;
	struct curl_header *ra;
	struct piece pc;
	unsigned wait = 0;
	long ask;
	int try;

	if (q->auth)
		h = curl_slist_append(h, p->auth);
	if (q->ctype) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", q->ctype);
		h = curl_slist_append(h, ct);
	}
	if (q->accept) {
		snprintf(ac, sizeof(ac), "Accept: %s", q->accept);
		h = curl_slist_append(h, ac);
	}
	h = curl_slist_append(h, "Expect:");
	for (try = 0; try < TRIES; try++) {
		if (try > 0)
			sleep(wait);
		ans->n = 0;
		*status = 0;
		curl_easy_reset(p->c);
		curl_easy_setopt(p->c, CURLOPT_URL, q->url);
		curl_easy_setopt(p->c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(p->c, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(p->c, CURLOPT_WRITEFUNCTION, take);
		curl_easy_setopt(p->c, CURLOPT_WRITEDATA, ans);
		curl_easy_setopt(p->c, CURLOPT_CONNECTTIMEOUT, 30L);
		/* A stalled transfer (under 1 kB/s for a minute) is cut. */
		curl_easy_setopt(p->c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
		curl_easy_setopt(p->c, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(p->c, CURLOPT_USERAGENT, "tributary-publish");
		curl_easy_setopt(p->c, CURLOPT_NOSIGNAL, 1L);
		if (strcmp(q->method, "HEAD") == 0)
			curl_easy_setopt(p->c, CURLOPT_NOBODY, 1L);
		if (q->upload != NULL) {
			if (fseeko(q->upload, (off_t)q->off, SEEK_SET) != 0) {
				curl_slist_free_all(h);
				return (err_set(p->e, ERR_STORAGE, "%s: %s",
				    p->label ? p->label : "a file",
				    strerror(errno)));
			}
			pc.f = q->upload;
			pc.left = q->len;
			curl_easy_setopt(p->c, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(p->c, CURLOPT_READFUNCTION, give);
			curl_easy_setopt(p->c, CURLOPT_READDATA, &pc);
			curl_easy_setopt(
			    p->c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->len);
			if (p->o->max_rate > 0) {
				/* Small reads, so the limit holds from the
				** first bytes of a small file too. */
				curl_easy_setopt(
				    p->c, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
				curl_easy_setopt(p->c,
				    CURLOPT_MAX_SEND_SPEED_LARGE,
				    (curl_off_t)p->o->max_rate);
			}
			curl_easy_setopt(p->c, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(
			    p->c, CURLOPT_XFERINFOFUNCTION, progress);
			curl_easy_setopt(p->c, CURLOPT_XFERINFODATA, p);
			p->last_pct = -1;
		} else if (q->body != NULL) {
			curl_easy_setopt(p->c, CURLOPT_POSTFIELDS, q->body);
			curl_easy_setopt(p->c, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)q->n);
		}
		rc = curl_easy_perform(p->c);
		if (rc == CURLE_OK)
			curl_easy_getinfo(p->c, CURLINFO_RESPONSE_CODE, status);
		if (rc == CURLE_OK && *status != 429 && *status < 500)
			break;
		/* 1, 2, 4, 8 s, or what the server asks (at most a minute). */
		wait = 1u << try;
		if (rc == CURLE_OK &&
		    curl_easy_header(p->c, "Retry-After", 0, CURLH_HEADER, -1,
			&ra) == CURLHE_OK &&
		    (ask = strtol(ra->value, NULL, 10)) > (long)wait)
			wait = ask > 60 ? 60 : (unsigned)ask;
		if (!p->o->quiet)
			fprintf(stderr, "publish: %s %s: %s, trying again\n",
			    q->method, q->url,
			    rc != CURLE_OK
				? curl_easy_strerror(rc)
				: (*status == 429 ? "too many requests"
						  : "server error"));
	}
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		return (err_set(p->e, ERR_INTERNAL, "%s %s: %s", q->method,
		    q->url, curl_easy_strerror(rc)));
	return (0);
}

/* The error for an unexpected ${status} of ${what}, quoting the Hub. */
static int
refused(struct pub *p, const char *what, long status, struct buf *ans)
{
	json_t *j = ans->n ? json_loadb(ans->p, ans->n, 0, NULL) : NULL;
	const char *msg = NULL;

	if (json_is_string(json_object_get(j, "error")))
		msg = json_string_value(json_object_get(j, "error"));
	else if (json_is_string(
		     json_object_get(json_object_get(j, "error"), "message")))
		msg = json_string_value(
		    json_object_get(json_object_get(j, "error"), "message"));
	if (status == 401)
		err_set(p->e, ERR_FORBIDDEN,
		    "%s: the Hub did not accept the token (401): check "
		    "HF_TOKEN "
		    "or --token-file%s%s",
		    what, msg ? ": " : "", msg ? msg : "");
	else if (status == 403)
		err_set(p->e, ERR_FORBIDDEN,
		    "%s: the token may not write to %s/%s (403)%s%s", what,
		    p->ns, p->name, msg ? ": " : "", msg ? msg : "");
	else if (status == 404)
		err_set(p->e, ERR_NOT_FOUND,
		    "%s: %s/%s was not found at %s (404)%s%s", what, p->ns,
		    p->name, p->base, msg ? ": " : "", msg ? msg : "");
	else
		err_set(p->e, ERR_INTERNAL, "%s: the Hub answered %ld%s%.*s",
		    what, status, msg || ans->n ? ": " : "",
		    msg ? (int)strlen(msg) : (int)(ans->n > 300 ? 300 : ans->n),
		    msg ? msg : (ans->p ? ans->p : ""));
	json_decref(j);
	return (-1);
}

/* ${ans} as JSON; NULL with p->e set. */
static json_t *
answer_json(struct pub *p, const char *what, struct buf *ans)
{
	json_t *j = json_loadb(ans->p ? ans->p : "", ans->n, 0, NULL);

	if (j == NULL)
		err_set(p->e, ERR_INTERNAL, "%s: the Hub's answer is not JSON",
		    what);
	return (j);
}

/* ${method} ${url} (absolute) with the JSON ${body} (stolen; NULL: no
** body) as ${ctype}, with the token if ${auth}. As call(). */
static int
send_json(struct pub *p, const char *method, const char *url, json_t *body,
    const char *ctype, int auth, long *status, struct buf *ans)
{
	struct hreq q = { 0 };
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	if (body != NULL && s == NULL) {
		json_decref(body);
		return (err_oom(p->e));
	}
	json_decref(body);
	q.method = method;
	q.url = url;
	q.ctype = s ? ctype : NULL;
	q.body = s;
	q.n = s ? strlen(s) : 0;
	q.auth = auth;
	rc = call(p, &q, status, ans);
	free(s);
	return (rc);
}

/* POSTs the JSON ${body} (stolen) to ${path} under the base, as ${ctype}
** (NULL: application/json; a media type given is also the Accept). */
static int
post_json(struct pub *p, const char *path, json_t *body, const char *ctype,
    long *status, struct buf *ans)
{
	struct hreq q = { 0 };
	char url[2048];
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	json_decref(body);
	if (s == NULL)
		return (err_oom(p->e));
	snprintf(url, sizeof(url), "%s%s", p->base, path);
	q.method = "POST";
	q.url = url;
	q.ctype = ctype ? ctype : "application/json";
	q.accept = ctype;
	q.body = s;
	q.n = strlen(s);
	q.auth = 1;
	rc = call(p, &q, status, ans);
	free(s);
	return (rc);
}

/* Git's id of a blob of ${n} bytes from ${path}, into ${oid}. */
static int
blob_oid(struct pub *p, const char *path, uint64_t n, char oid[41])
{
	unsigned char buf[65536], md[20];
	char head[64];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t got;
	int ok;

	ok = ctx != NULL && f != NULL &&
	    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1;
	snprintf(head, sizeof(head), "blob %llu", (unsigned long long)n);
	ok = ok && EVP_DigestUpdate(ctx, head, strlen(head) + 1) == 1;
	while (ok && (got = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(ctx, buf, got) == 1;
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, NULL) == 1;
	if (f != NULL)
		fclose(f);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (err_set(p->e, ERR_STORAGE, "%s: cannot read it", path));
	hex_encode(md, 20, oid);
	return (0);
}

/* Smaller files first: on a weak link, more is safely across sooner. */
static int
by_size(const void *a, const void *b)
{
	const struct pfile *x = a, *y = b;

	if (x->size != y->size)
		return (x->size < y->size ? -1 : 1);
	return (strcmp(x->path, y->path));
}

/* The release's files from its manifest (and the manifest and its
** signature), each with its size and SHA-256. */
static int
load_files(struct pub *p)
{
	static const char *const extra[] = { "manifest.json", "manifest.sig" };
	char path[4400];
	json_t *m, *v;
	uint8_t h[SHA256_LEN];
	struct stat sb;
	void *bytes;
	size_t i, n, k;
	struct err e2 = { 0 };

	snprintf(path, sizeof(path), "%s/manifest.json", p->dir);
	if ((m = json_load_file(path, 0, NULL)) == NULL)
		return (err_set(p->e, ERR_NOT_FOUND,
		    "%s: no manifest (is the release built?)", path));
	n = json_array_size(json_object_get(m, "files"));
	if ((p->f = calloc(n + 2, sizeof(*p->f))) == NULL) {
		json_decref(m);
		return (err_oom(p->e));
	}
	json_array_foreach(json_object_get(m, "files"), i, v)
	{
		const char *fp = json_string_value(json_object_get(v, "path"));
		const char *sh =
		    json_string_value(json_object_get(v, "sha256"));

		if (fp == NULL || sh == NULL || strlen(fp) >= 256 ||
		    strlen(sh) != SHA256_HEX_LEN) {
			json_decref(m);
			return (err_set(p->e, ERR_CONFLICT,
			    "the manifest lists a file it does not describe"));
		}
		snprintf(p->f[p->nf].path, sizeof(p->f[p->nf].path), "%s", fp);
		snprintf(p->f[p->nf].sha, sizeof(p->f[p->nf].sha), "%s", sh);
		p->f[p->nf].size =
		    (uint64_t)json_integer_value(json_object_get(v, "bytes"));
		p->nf++;
	}
	json_decref(m);
	for (k = 0; k < 2; k++) {
		struct pfile *f = &p->f[p->nf];

		snprintf(path, sizeof(path), "%s/%s", p->dir, extra[k]);
		if (stat(path, &sb) == -1 ||
		    text_read_file(
			path, INLINE_MAX, (char **)&bytes, &n, &e2) == -1)
			return (err_set(p->e, ERR_NOT_FOUND, "%s: %s", path,
			    e2.msg[0] ? e2.msg : strerror(errno)));
		sha256_digest(bytes, n, h);
		free(bytes);
		snprintf(f->path, sizeof(f->path), "%s", extra[k]);
		hex_encode(h, SHA256_LEN, f->sha);
		f->size = (uint64_t)n;
		p->nf++;
	}
	qsort(p->f, p->nf, sizeof(*p->f), by_size);
	/* Git blob ids, for the regular files (and to compare trees). */
	for (i = 0; i < p->nf; i++) {
		snprintf(path, sizeof(path), "%s/%s", p->dir, p->f[i].path);
		if (strncmp(p->f[i].path, "data/", 5) != 0 &&
		    blob_oid(p, path, p->f[i].size, p->f[i].oid) == -1)
			return (-1);
	}
	return (0);
}

/* The file of the release at ${path}, or NULL. */
static struct pfile *
find_file(struct pub *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nf; i++)
		if (strcmp(p->f[i].path, path) == 0)
			return (&p->f[i]);
	return (NULL);
}

/* POST /api/repos/create: made, or there already (409). */
static int
create_repo(struct pub *p)
{
	struct buf ans = { 0 };
	long st;
	int rc;

	rc = post_json(p, "/api/repos/create",
	    json_pack("{s:s,s:s,s:s,s:s}", "type", "dataset", "name", p->name,
		"organization", p->ns, "visibility",
		p->o->private_ ? "private" : "public"),
	    NULL, &st, &ans);
	if (rc == 0 && st != 200 && st != 201 && st != 409)
		rc = refused(p, "creating the repo", st, &ans);
	buf_free(&ans);
	return (rc);
}

/*
** What the branch main holds now: its commit into ${sha} ("" for a repo
** with no commit yet) and its files into ${tree} (a new array of tree
** entries, all pages). 0 or -1.
*/
static int
current(struct pub *p, char sha[65], json_t **tree)
{
	struct hreq q = { 0 };
	struct buf ans = { 0 };
	char url[2048];
	json_t *j, *page;
	long st;
	int rc = -1;

	sha[0] = '\0';
	*tree = json_array();
	snprintf(url, sizeof(url), "%s/api/datasets/%s/%s/revision/main",
	    p->base, p->ns, p->name);
	q.method = "GET";
	q.url = url;
	q.auth = 1;
	if (call(p, &q, &st, &ans) == -1)
		goto out;
	if (st == 404) { /* nothing on main yet */
		rc = 0;
		goto out;
	}
	if (st != 200) {
		refused(p, "reading the repo", st, &ans);
		goto out;
	}
	if ((j = answer_json(p, "reading the repo", &ans)) == NULL)
		goto out;
	snprintf(sha, 65, "%s",
	    json_string_value(json_object_get(j, "sha"))
		? json_string_value(json_object_get(j, "sha"))
		: "");
	json_decref(j);
	snprintf(url, sizeof(url),
	    "%s/api/datasets/%s/%s/tree/%s?recursive=true&expand=false",
	    p->base, p->ns, p->name, sha[0] ? sha : "main");
	for (;;) {
		char next[2048] = "";
		struct curl_header *lh;

		q.url = url;
		if (call(p, &q, &st, &ans) == -1)
			goto out;
		if (st == 404) {
			rc = 0;
			goto out;
		}
		if (st != 200) {
			refused(p, "listing the repo", st, &ans);
			goto out;
		}
		if ((page = answer_json(p, "listing the repo", &ans)) == NULL)
			goto out;
		json_array_extend(*tree, page);
		json_decref(page);
		/* Link: <URL>; rel="next" */
		if (curl_easy_header(p->c, "Link", 0, CURLH_HEADER, -1, &lh) ==
			CURLHE_OK &&
		    strstr(lh->value, "rel=\"next\"") != NULL &&
		    lh->value[0] == '<' && strchr(lh->value, '>') != NULL) {
			snprintf(next, sizeof(next), "%.*s",
			    (int)(strchr(lh->value, '>') - lh->value - 1),
			    lh->value + 1);
		}
		if (next[0] == '\0')
			break;
		snprintf(url, sizeof(url), "%s", next);
	}
	rc = 0;
out:
	buf_free(&ans);
	if (rc == -1) {
		json_decref(*tree);
		*tree = NULL;
	}
	return (rc);
}

/* Does ${tree} (the branch's files) hold exactly the release? */
static int
same_tree(struct pub *p, json_t *tree)
{
	size_t i, files = 0;
	json_t *v;

	json_array_foreach(tree, i, v)
	{
		const char *path =
		    json_string_value(json_object_get(v, "path"));
		json_t *lfs = json_object_get(v, "lfs");
		struct pfile *f;

		if (strcmp(json_string_value(json_object_get(v, "type")) ?: "",
			"file") != 0)
			continue;
		files++;
		if (path == NULL || (f = find_file(p, path)) == NULL)
			return (0);
		if (lfs != NULL) {
			const char *oid =
			    json_string_value(json_object_get(lfs, "oid"))
			    ?: json_string_value(
				   json_object_get(lfs, "sha256"));

			if (oid == NULL || strcmp(oid, f->sha) != 0)
				return (0);
		} else if (f->oid[0] == '\0' ||
		    strcmp(json_string_value(json_object_get(v, "oid")) ?: "",
			f->oid) != 0)
			return (0);
	}
	return (files == p->nf);
}

/* POST preupload: which files go through LFS (in chunks of 100). */
static int
preupload(struct pub *p)
{
	unsigned char head[512];
	char path[4400], url[1024], b64[1024];
	struct buf ans = { 0 };
	json_t *files, *j, *v;
	size_t i, k, got;
	long st;
	FILE *f;

	for (i = 0; i < p->nf; i += 100) {
		files = json_array();
		for (k = i; k < p->nf && k < i + 100; k++) {
			snprintf(
			    path, sizeof(path), "%s/%s", p->dir, p->f[k].path);
			got = 0;
			if ((f = fopen(path, "rb")) != NULL) {
				got = fread(head, 1, sizeof(head), f);
				fclose(f);
			}
			sodium_bin2base64(b64, sizeof(b64), head, got,
			    sodium_base64_VARIANT_ORIGINAL);
			json_array_append_new(files,
			    json_pack("{s:s,s:I,s:s}", "path", p->f[k].path,
				"size", (json_int_t)p->f[k].size, "sample",
				b64));
		}
		snprintf(url, sizeof(url), "/api/datasets/%s/%s/preupload/main",
		    p->ns, p->name);
		if (post_json(p, url, json_pack("{s:o}", "files", files), NULL,
			&st, &ans) == -1)
			goto fail;
		if (st != 200) {
			refused(p, "preupload", st, &ans);
			goto fail;
		}
		if ((j = answer_json(p, "preupload", &ans)) == NULL)
			goto fail;
		json_array_foreach(json_object_get(j, "files"), k, v)
		{
			struct pfile *pf = find_file(p,
			    json_string_value(json_object_get(v, "path"))
				?: "");

			if (pf != NULL)
				pf->lfs =
				    strcmp(json_string_value(
					       json_object_get(v, "uploadMode"))
					    ?: "",
					"lfs") == 0;
		}
		json_decref(j);
	}
	/* A file the Hub did not name: Parquet by LFS, the rest inline. */
	for (i = 0; i < p->nf; i++)
		if (!p->f[i].lfs && p->f[i].oid[0] == '\0')
			p->f[i].lfs = 1;
	buf_free(&ans);
	return (0);
fail:
	buf_free(&ans);
	return (-1);
}

/*
** The part URLs of a multipart answer's ${hdr}, in part order: every key
** of digits only names a part ("00001", "1": clients read the number),
** and they must be 1 to the ${size} / ${cs} parts, none missing. A new
** array, or NULL.
*/
static json_t *
part_urls(json_t *hdr, uint64_t size, uint64_t cs)
{
	uint64_t want = (size + cs - 1) / cs, k;
	json_t *a, *v;
	const char *key;
	char *end;

	if (want == 0 || want > 100000 || (a = json_array()) == NULL)
		return (NULL);
	for (k = 0; k < want; k++)
		json_array_append_new(a, json_null());
	json_object_foreach(hdr, key, v)
	{
		if (key[0] == '\0' || strspn(key, "0123456789") != strlen(key))
			continue;
		k = strtoull(key, &end, 10);
		if (k == 0 || k > want || !json_is_string(v) ||
		    !json_is_null(json_array_get(a, k - 1)))
			goto bad;
		json_array_set(a, k - 1, v);
	}
	for (k = 0; k < want; k++)
		if (json_is_null(json_array_get(a, k)))
			goto bad;
	return (a);
bad:
	json_decref(a);
	return (NULL);
}

/* PUTs ${f} to ${href} (basic), or in parts (multipart: ${hdr} holds
** chunk_size and the part URLs), then verifies when asked. */
static int
upload(struct pub *p, struct pfile *f, json_t *actions)
{
	json_t *up = json_object_get(actions, "upload");
	json_t *hdr = json_object_get(up, "header");
	json_t *ver = json_object_get(actions, "verify");
	const char *href = json_string_value(json_object_get(up, "href"));
	const char *chunk =
	    json_string_value(json_object_get(hdr, "chunk_size"));
	struct hreq q = { 0 };
	struct buf ans = { 0 };
	char path[4400];
	json_t *parts = NULL, *urls = NULL;
	uint64_t cs, off;
	FILE *in;
	long st;
	int rc = -1, n;

	if (href == NULL)
		return (err_set(p->e, ERR_INTERNAL,
		    "the Hub gave no upload address for %s", f->path));
	snprintf(path, sizeof(path), "%s/%s", p->dir, f->path);
	if ((in = fopen(path, "rb")) == NULL)
		return (err_set(
		    p->e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	p->label = f->path;
	q.upload = in;
	q.ctype = "application/octet-stream";
	if (chunk == NULL) {
		q.method = "PUT";
		q.url = href;
		q.len = f->size;
		if (call(p, &q, &st, &ans) == -1)
			goto out;
		if (st < 200 || st > 299) {
			refused(p, f->path, st, &ans);
			goto out;
		}
	} else {
		cs = strtoull(chunk, NULL, 10);
		if (cs == 0) {
			err_set(p->e, ERR_INTERNAL, "a bad chunk_size");
			goto out;
		}
		if ((urls = part_urls(hdr, f->size, cs)) == NULL) {
			err_set(p->e, ERR_INTERNAL,
			    "the Hub's part addresses for %s are not parts 1 "
			    "to %llu",
			    f->path,
			    (unsigned long long)((f->size + cs - 1) / cs));
			goto out;
		}
		parts = json_array();
		for (n = 1, off = 0; off < f->size; n++, off += cs) {
			struct curl_header *eh;

			q.method = "PUT";
			q.url = json_string_value(json_array_get(urls, n - 1));
			q.off = off;
			q.len = f->size - off < cs ? f->size - off : cs;
			if (call(p, &q, &st, &ans) == -1)
				goto out;
			if (st < 200 || st > 299 ||
			    curl_easy_header(p->c, "ETag", 0, CURLH_HEADER, -1,
				&eh) != CURLHE_OK) {
				refused(p, f->path, st, &ans);
				goto out;
			}
			json_array_append_new(parts,
			    json_pack("{s:i,s:s}", "partNumber", n, "etag",
				eh->value));
		}
		if (send_json(p, "POST", href,
			json_pack("{s:s,s:O}", "oid", f->sha, "parts", parts),
			"application/vnd.git-lfs+json", 0, &st, &ans) == -1)
			goto out;
		if (st < 200 || st > 299) {
			refused(p, f->path, st, &ans);
			goto out;
		}
	}
	if (ver != NULL && json_string_value(json_object_get(ver, "href"))) {
		if (send_json(p, "POST",
			json_string_value(json_object_get(ver, "href")),
			json_pack("{s:s,s:I}", "oid", f->sha, "size",
			    (json_int_t)f->size),
			"application/vnd.git-lfs+json", 1, &st, &ans) == -1)
			goto out;
		if (st < 200 || st > 299) {
			refused(p, "verifying an upload", st, &ans);
			goto out;
		}
	}
	rc = 0;
out:
	p->label = NULL;
	json_decref(parts);
	json_decref(urls);
	buf_free(&ans);
	fclose(in);
	return (rc);
}

/* The LFS batch: which objects the Hub lacks; each of those sent. */
static int
send_objects(struct pub *p, struct publish_result *out)
{
	struct buf ans = { 0 };
	char url[1024];
	json_t *objs, *j, *v;
	size_t i, k, idx[BATCH_MAX];
	long st;

	snprintf(url, sizeof(url), "/datasets/%s/%s.git/info/lfs/objects/batch",
	    p->ns, p->name);
	for (i = 0; i < p->nf;) {
		size_t m = 0;

		objs = json_array();
		for (; i < p->nf && m < BATCH_MAX; i++)
			if (p->f[i].lfs) {
				idx[m++] = i;
				json_array_append_new(objs,
				    json_pack("{s:s,s:I}", "oid", p->f[i].sha,
					"size", (json_int_t)p->f[i].size));
			}
		if (m == 0) {
			json_decref(objs);
			break;
		}
		if (post_json(p, url,
			json_pack("{s:s,s:[s,s],s:s,s:{s:s},s:o}", "operation",
			    "upload", "transfers", "basic", "multipart",
			    "hash_algo", "sha256", "ref", "name", "main",
			    "objects", objs),
			"application/vnd.git-lfs+json", &st, &ans) == -1)
			goto fail;
		if (st != 200) {
			refused(p, "the LFS batch", st, &ans);
			goto fail;
		}
		if ((j = answer_json(p, "the LFS batch", &ans)) == NULL)
			goto fail;
		json_array_foreach(json_object_get(j, "objects"), k, v)
		{
			const char *oid =
			    json_string_value(json_object_get(v, "oid")) ?: "";
			json_t *act = json_object_get(v, "actions");
			size_t w;

			if (json_object_get(v, "error") != NULL) {
				err_set(p->e, ERR_INTERNAL,
				    "the Hub refused object %.12s: %s", oid,
				    json_string_value(json_object_get(
					json_object_get(v, "error"), "message"))
					?: "no reason given");
				json_decref(j);
				goto fail;
			}
			for (w = 0; w < m; w++)
				if (strcmp(p->f[idx[w]].sha, oid) == 0)
					break;
			if (w == m)
				continue;
			if (act == NULL ||
			    json_object_get(act, "upload") == NULL) {
				out->present++;
				continue;
			}
			if (upload(p, &p->f[idx[w]], act) == -1) {
				json_decref(j);
				goto fail;
			}
			out->uploaded++;
		}
		json_decref(j);
	}
	buf_free(&ans);
	return (0);
fail:
	buf_free(&ans);
	return (-1);
}

/* The NDJSON commit of the release onto main, deleting what the branch
** held that the release does not. Its oid into ${commit}. */
static int
commit(struct pub *p, const char *parent, json_t *tree, char commit[65])
{
	struct buf b = { 0 }, ans = { 0 };
	struct hreq q = { 0 };
	char url[1024], path[4400], *text, *b64;
	size_t i, n, b64n;
	json_t *v, *j;
	long st;
	int rc = -1;

	v = json_pack("{s:s,s:{s:s,s:s}}", "key", "header", "value", "summary",
	    "Release", "description", "");
	json_object_set_new(json_object_get(v, "value"), "summary",
	    json_sprintf("Release %s", p->o->version));
	if (parent[0] != '\0')
		json_object_set_new(json_object_get(v, "value"), "parentCommit",
		    json_string(parent));
	text = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (text == NULL || buf_puts(&b, text) == -1 || buf_puts(&b, "\n"))
		goto oom;
	free(text);
	for (i = 0; i < p->nf; i++) {
		if (p->f[i].lfs) {
			v = json_pack("{s:s,s:{s:s,s:s,s:s,s:I}}", "key",
			    "lfsFile", "value", "path", p->f[i].path, "algo",
			    "sha256", "oid", p->f[i].sha, "size",
			    (json_int_t)p->f[i].size);
		} else {
			snprintf(
			    path, sizeof(path), "%s/%s", p->dir, p->f[i].path);
			if (text_read_file(path, INLINE_MAX, &text, &n, p->e) ==
			    -1)
				goto out;
			b64n = sodium_base64_encoded_len(
			    n, sodium_base64_VARIANT_ORIGINAL);
			if ((b64 = malloc(b64n)) == NULL) {
				free(text);
				goto oom;
			}
			sodium_bin2base64(b64, b64n, (unsigned char *)text, n,
			    sodium_base64_VARIANT_ORIGINAL);
			free(text);
			v = json_pack("{s:s,s:{s:s,s:s,s:s}}", "key", "file",
			    "value", "content", b64, "path", p->f[i].path,
			    "encoding", "base64");
			free(b64);
		}
		text = v ? json_dumps(v, JSON_COMPACT) : NULL;
		json_decref(v);
		if (text == NULL || buf_puts(&b, text) == -1 ||
		    buf_puts(&b, "\n") == -1)
			goto oom;
		free(text);
	}
	/* What the branch held and the release does not: gone. */
	json_array_foreach(tree, i, v)
	{
		const char *fp = json_string_value(json_object_get(v, "path"));

		if (fp == NULL ||
		    strcmp(json_string_value(json_object_get(v, "type")) ?: "",
			"file") != 0 ||
		    find_file(p, fp) != NULL)
			continue;
		j = json_pack(
		    "{s:s,s:{s:s}}", "key", "deletedFile", "value", "path", fp);
		text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (text == NULL || buf_puts(&b, text) == -1 ||
		    buf_puts(&b, "\n") == -1)
			goto oom;
		free(text);
	}
	text = NULL;
	snprintf(url, sizeof(url), "%s/api/datasets/%s/%s/commit/main", p->base,
	    p->ns, p->name);
	q.method = "POST";
	q.url = url;
	q.ctype = "application/x-ndjson";
	q.body = b.p;
	q.n = b.n;
	q.auth = 1;
	if (call(p, &q, &st, &ans) == -1)
		goto out;
	if (st != 200 && st != 201) {
		refused(p, "the commit", st, &ans);
		goto out;
	}
	if ((j = answer_json(p, "the commit", &ans)) == NULL)
		goto out;
	snprintf(commit, 65, "%s",
	    json_string_value(json_object_get(j, "commitOid")) ?: "");
	json_decref(j);
	rc = commit[0] ? 0
		       : err_set(p->e, ERR_INTERNAL,
			     "the Hub's commit answer names no commit");
	goto out;
oom:
	free(text);
	err_oom(p->e);
out:
	buf_free(&b);
	buf_free(&ans);
	return (rc);
}

/* A request with no body but ${json} (may be NULL) to ${path}; the
** statuses in ${ok} (0-terminated) count as done. */
static int
simple(struct pub *p, const char *method, const char *path, json_t *json,
    const long *ok, const char *what)
{
	struct buf ans = { 0 };
	char url[2048];
	long st;
	int rc = -1, i;

	snprintf(url, sizeof(url), "%s%s", p->base, path);
	if (send_json(p, method, url, json, "application/json", 1, &st, &ans) ==
	    0) {
		for (i = 0; ok[i] != 0; i++)
			if (st == ok[i])
				rc = 0;
		if (rc == -1)
			refused(p, what, st, &ans);
	}
	buf_free(&ans);
	return (rc);
}

/* The LFS objects of the repo no file of the release uses: deleted with
** their history (lfs-files/batch). */
static int
purge(struct pub *p, struct publish_result *out)
{
	struct hreq q = { 0 };
	struct buf ans = { 0 };
	char url[2048];
	json_t *list, *v, *gone = json_array();
	size_t i, k;
	long st;
	int rc = -1, used;

	snprintf(url, sizeof(url), "%s/api/datasets/%s/%s/lfs-files", p->base,
	    p->ns, p->name);
	q.method = "GET";
	q.url = url;
	q.auth = 1;
	if (call(p, &q, &st, &ans) == -1)
		goto out;
	if (st != 200) {
		refused(p, "listing the LFS files", st, &ans);
		goto out;
	}
	if ((list = answer_json(p, "listing the LFS files", &ans)) == NULL)
		goto out;
	json_array_foreach(list, i, v)
	{
		const char *oid = json_string_value(json_object_get(v, "oid"));
		const char *fo =
		    json_string_value(json_object_get(v, "fileOid")) ?: oid;

		for (k = 0, used = 0; oid != NULL && k < p->nf; k++)
			used |= p->f[k].lfs && strcmp(p->f[k].sha, oid) == 0;
		if (!used && fo != NULL)
			json_array_append_new(gone, json_string(fo));
	}
	json_decref(list);
	rc = 0;
	if (json_array_size(gone) > 0) {
		static const long ok[] = { 200, 201, 204, 0 };
		char path[1024];

		snprintf(path, sizeof(path),
		    "/api/datasets/%s/%s/lfs-files/batch", p->ns, p->name);
		out->purged = json_array_size(gone);
		rc = simple(p, "POST", path,
		    json_pack("{s:{s:O,s:b}}", "deletions", "sha", gone,
			"rewriteHistory", 1),
		    ok, "purging LFS objects");
	}
out:
	json_decref(gone);
	buf_free(&ans);
	return (rc);
}

/* Checks ${o} and fills ${p}'s names. */
static int
setup(struct pub *p, struct node *n, const struct publish_opts *o)
{
	const char *slash = o->repo ? strchr(o->repo, '/') : NULL;
	size_t i;

	if (o->token == NULL || o->token[0] == '\0')
		return (err_set(p->e, ERR_INVALID,
		    "no token: set HF_TOKEN or give --token-file"));
	if (slash == NULL || slash == o->repo || slash[1] == '\0' ||
	    strchr(slash + 1, '/') != NULL ||
	    (size_t)(slash - o->repo) >= sizeof(p->ns) ||
	    strlen(slash + 1) >= sizeof(p->name))
		return (err_set(p->e, ERR_INVALID,
		    "--repo is NAMESPACE/NAME, e.g. my-org/ewe-speech"));
	for (i = 0; o->repo[i] != '\0'; i++)
		if (!((o->repo[i] >= 'a' && o->repo[i] <= 'z') ||
			(o->repo[i] >= 'A' && o->repo[i] <= 'Z') ||
			(o->repo[i] >= '0' && o->repo[i] <= '9') ||
			strchr("-_./", o->repo[i]) != NULL))
			return (err_set(p->e, ERR_INVALID,
			    "--repo holds a character a Hub name cannot"));
	snprintf(p->ns, sizeof(p->ns), "%.*s", (int)(slash - o->repo), o->repo);
	snprintf(p->name, sizeof(p->name), "%s", slash + 1);
	snprintf(p->base, sizeof(p->base), "%s",
	    o->endpoint ? o->endpoint : PUBLISH_ENDPOINT);
	while (strlen(p->base) > 0 && p->base[strlen(p->base) - 1] == '/')
		p->base[strlen(p->base) - 1] = '\0';
	if (strncmp(p->base, "https://", 8) != 0 &&
	    strncmp(p->base, "http://", 7) != 0)
		return (err_set(p->e, ERR_INVALID,
		    "--endpoint is an http:// or https:// URL"));
	if (strlen(o->token) > 512 || strpbrk(o->token, "\r\n") != NULL)
		return (err_set(p->e, ERR_INVALID, "the token is not one"));
	snprintf(
	    p->auth, sizeof(p->auth), "Authorization: Bearer %s", o->token);
	snprintf(p->dir, sizeof(p->dir), "%s/releases/%s", n->dir, o->version);
	return (0);
}

int
publish_release(struct node *n, struct db *db, const struct publish_opts *o,
    struct publish_result *out, struct err *e)
{
	struct publication_release rel;
	struct publication_record pr = { 0 };
	struct release_check ck;
	struct pub p = { 0 };
	char parent[65];
	json_t *tree = NULL, *retired = NULL;
	size_t i;
	int rc = -1, r;

	memset(out, 0, sizeof(*out));
	p.o = o;
	p.e = e;
	if (setup(&p, n, o) == -1)
		return (-1);
	if ((r = publication_release(db, o->version, &rel, e)) != 1)
		return (r == 0
			? err_set(e, ERR_NOT_FOUND, "no release %s", o->version)
			: -1);
	if (!rel.approved)
		return (err_set(e, ERR_CONFLICT,
		    "release %s is not approved: only approved releases are "
		    "published (tributary release approve)",
		    o->version));
	if (rel.retired)
		return (err_set(e, ERR_CONFLICT,
		    "release %s is retired: something in it was withdrawn",
		    o->version));
	/* What goes out is what was signed: by this node's key, or, for a
	** release made before a rotation, by a key it had then. */
	if (release_verify(p.dir, n->sign_pk, &ck, e) == -1)
		return (-1);
	if (!ck.signature_ok && ck.bad == 0 && ck.extra == 0) {
		struct keyrot *kr = NULL;
		size_t nk = 0, k;

		if (keyrot_own(db, &kr, &nk, e) == -1)
			return (-1);
		for (k = 0; k < nk && !ck.signature_ok; k++)
			if (release_verify(p.dir, kr[k].old_pk, &ck, e) == -1) {
				keyrot_free(kr, nk);
				return (-1);
			}
		keyrot_free(kr, nk);
	}
	if (!ck.signature_ok || ck.bad > 0 || ck.extra > 0)
		return (err_set(e, ERR_CONFLICT,
		    "%s does not match its signed manifest (%s): it is not "
		    "published",
		    p.dir, ck.first_bad[0] ? ck.first_bad : "manifest.sig"));
	if (load_files(&p) == -1)
		goto out;
	out->files = p.nf;
	if ((p.c = curl_easy_init()) == NULL) {
		err_set(e, ERR_INTERNAL, "libcurl did not start");
		goto out;
	}
	if ((retired = publication_retired(db, p.base, o->repo, e)) == NULL)
		goto out;
	if (create_repo(&p) == -1 || current(&p, parent, &tree) == -1)
		goto out;
	if (parent[0] != '\0' && same_tree(&p, tree)) {
		/* An earlier run got this far: nothing to send. */
		snprintf(out->commit, sizeof(out->commit), "%s", parent);
	} else {
		if (preupload(&p) == -1 || send_objects(&p, out) == -1 ||
		    commit(&p, parent, tree, out->commit) == -1)
			goto out;
		out->committed = 1;
	}
	/* A version published here before and retired since: its rows
	** leave the Hub, history included: its tag goes, then the branch
	** is squashed (so no commit holds them), then the objects only it
	** used are purged. */
	if (json_array_size(retired) > 0) {
		static const long ok[] = { 200, 201, 204, 404, 0 };
		char path[1024];
		json_t *v;

		json_array_foreach(retired, i, v)
		{
			snprintf(path, sizeof(path),
			    "/api/datasets/%s/%s/tag/%s", p.ns, p.name,
			    json_string_value(v));
			if (simple(&p, "DELETE", path, NULL, ok,
				"deleting a retired tag") == -1)
				goto out;
			out->tags_deleted++;
		}
		snprintf(path, sizeof(path),
		    "/api/datasets/%s/%s/super-squash/main", p.ns, p.name);
		if (simple(&p, "POST", path,
			json_pack("{s:s}", "message",
			    "Withdrawn contributions removed"),
			ok, "squashing the history") == -1)
			goto out;
		out->squashed = 1;
		/* The squash made a new commit: the branch's head now. */
		json_decref(tree);
		tree = NULL;
		if (current(&p, out->commit, &tree) == -1)
			goto out;
	}
	{
		static const long ok[] = { 200, 201, 409, 0 };
		char path[1024];

		snprintf(path, sizeof(path), "/api/datasets/%s/%s/tag/main",
		    p.ns, p.name);
		if (simple(&p, "POST", path,
			json_pack("{s:s,s:s}", "tag", o->version, "message",
			    "tributary release"),
			ok, "tagging the release") == -1)
			goto out;
	}
	if (out->squashed && purge(&p, out) == -1)
		goto out;
	pr.release = rel.id;
	pr.version = o->version;
	pr.endpoint = p.base;
	pr.repo = o->repo;
	pr.commit = out->commit;
	pr.unpublished = retired;
	pr.actor = o->actor;
	if (writer_run(n->writer, publication_record_job, &pr, e) == -1)
		goto out;
	rc = 0;
out:
	if (p.c != NULL)
		curl_easy_cleanup(p.c);
	json_decref(tree);
	json_decref(retired);
	free(p.f);
	return (rc);
}
