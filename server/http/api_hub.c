/*
** The Hub's own read API over the node's approved releases, so that any
** Hub client pointed at the node (HF_ENDPOINT in Python, hubUrl in JS)
** downloads them from it as it would from the Hub
** (/work/shared/reference/hub-protocol.md says what the clients send and
** expect). Repo id NAMESPACE/DATASET (--namespace); revisions: a tag per
** release version, `main` and `HEAD` for the latest release served, and
** each release's commit id. What a release holds is worked out once and
** kept (domain/hubrepo.c); which release a revision names is asked of
** the database every time, since a withdrawal may retire one at any
** moment.
**
** Errors are the Hub's, not ours: a status, an X-Error-Code header
** (RepoNotFound, RevisionNotFound, EntryNotFound with X-Repo-Commit),
** X-Error-Message, and a body {"error": MESSAGE}; a HEAD gets the
** headers alone. Every answer of these routes carries CORS headers
** (respond.c) and no Xet header ever, so Xet-aware clients download over
** plain HTTP. File bodies go from the file descriptor (sendfile), never
** through memory. Route table: routes.c; reference: API.md.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "buf.h"
#include "http.h"
#include "yamldoc.h"
#include "hubrepo.h"
#include "release.h"

#define REV_MAX 128 /* bytes of a revision we look at */

int
hub_error(struct req *r, unsigned int status, const char *code,
    const char *commit, const char *fmt, ...)
{
	struct MHD_Response *resp;
	struct buf b = { 0 };
	char msg[512], hdr[512];
	va_list ap;
	size_t i, n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (buf_puts(&b, "{\"error\":\"") == -1 ||
	    buf_json_str(&b, msg, strlen(msg)) == -1 ||
	    buf_puts(&b, "\"}") == -1) {
		buf_free(&b);
		return (-1);
	}
	/* A header value holds printable ASCII only. */
	for (i = 0; msg[i] != '\0' && i < sizeof(hdr) - 1; i++)
		hdr[i] = msg[i] >= 0x20 && msg[i] < 0x7f ? msg[i] : '?';
	hdr[i] = '\0';
	n = b.n;
	resp = MHD_create_response_from_buffer(
	    n, buf_take(&b), MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Error-Message", hdr);
	if (code != NULL)
		MHD_add_response_header(resp, "X-Error-Code", code);
	if (commit != NULL)
		MHD_add_response_header(resp, "X-Repo-Commit", commit);
	return (req_respond(r, status, resp));
}

/* Answers what ${e} says went wrong reading a release. */
static int
hub_fail(struct req *r, const struct err *e)
{
	return (hub_error(r, http_status_for(e->code), NULL, NULL, "%s",
	    e->msg[0] ? e->msg : "the release cannot be read"));
}

/* Is the query argument ${name} a yes (true, True, 1)? 0 if absent. */
static int
query_yes(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return (
	    v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0));
}

/*
** The repo the request's {ns}, {name} and revision ${rev} name, into
** *${h} (close it with hubrepo_close()). 1 if found; 0 with the answer
** queued (a 404 with its X-Error-Code, or a 500), -1 if none could be.
*/
static int
repo_of(struct req *r, const char *rev, struct hubrepo **h)
{
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	struct hubcache *hc = req_hubs(r);
	struct err e = { 0 };
	enum hub_miss miss;
	char why[512];
	struct db *db;
	size_t n;

	*h = NULL;
	n = name ? strlen(name) : 0;
	if (ns == NULL || strcmp(ns, hubcache_namespace(hc)) != 0 || n == 0 ||
	    n > RELEASE_DATASET_MAX ||
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != n)
		return (hub_error(r, 404, "RepoNotFound", NULL,
			    "Repository not found: no dataset %.100s/%.100s on "
			    "this node",
			    ns ? ns : "", name ? name : "") == 0
			? 0
			: -1);
	if (strlen(rev) > REV_MAX)
		return (hub_error(r, 404, "RevisionNotFound", NULL,
			    "Invalid rev id: %.40s...", rev) == 0
			? 0
			: -1);
	if ((db = req_db(r, &e)) == NULL)
		return (hub_fail(r, &e) == 0 ? 0 : -1);
	*h = hubrepo_open(hc, db, name, rev, &miss, why, sizeof(why), &e);
	if (*h != NULL)
		return (1);
	if (miss == HUB_REPO_NOT_FOUND)
		return (hub_error(r, 404, "RepoNotFound", NULL,
			    "Repository not found: %s", why) == 0
			? 0
			: -1);
	if (miss == HUB_REVISION_NOT_FOUND)
		return (hub_error(r, 404, "RevisionNotFound", NULL,
			    "Invalid rev id: %s", why) == 0
			? 0
			: -1);
	return (hub_fail(r, &e) == 0 ? 0 : -1);
}

/* Answers the JSON in ${b} (taken) with X-Repo-Commit of ${h} and the
** extra header ${name}: ${value} (NULL: none). */
static int
hub_json(struct req *r, struct hubrepo *h, struct buf *b, const char *name,
    const char *value)
{
	struct MHD_Response *resp;
	size_t n = b->n;

	resp = MHD_create_response_from_buffer(
	    n, buf_take(b), MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	if (h != NULL)
		MHD_add_response_header(
		    resp, "X-Repo-Commit", hubrepo_commit(h));
	if (name != NULL)
		MHD_add_response_header(resp, name, value);
	return (req_respond(r, 200, resp));
}

/*
** GET /api/datasets: anyone. The node's datasets with a release served
** and the repos pushed to it (the most recently changed first), as the
** Hub lists them: [{_id, id, author, sha, lastModified, createdAt,
** private, gated, disabled, downloads, likes, tags}], newest release
** first; `author` (the namespace), `search` (part of the id, any case)
** and `limit` (1..1000) honoured.
*/
int
list_hub_datasets(struct req *r)
{
	const char *author = req_query(r, "author");
	const char *search = req_query(r, "search");
	const char *lim = req_query(r, "limit");
	struct err e = { 0 };
	struct buf b = { 0 };
	struct db *db;
	long limit = HUB_PAGE_MAX;
	char *end;

	if (lim != NULL) {
		limit = strtol(lim, &end, 10);
		if (end == lim || *end != '\0' || limit < 1)
			return (hub_error(r, 400, NULL, NULL,
			    "limit must be a whole number from 1"));
		if (limit > HUB_PAGE_MAX)
			limit = HUB_PAGE_MAX;
	}
	if ((search != NULL && strlen(search) > 200) ||
	    (author != NULL && strlen(author) > 200))
		return (hub_error(r, 400, NULL, NULL,
		    "search and author: 200 bytes at most"));
	if ((db = req_db(r, &e)) == NULL ||
	    hubcache_list(
		req_hubs(r), db, author, search, (size_t)limit, &b, &e) == -1) {
		buf_free(&b);
		return (hub_fail(r, &e));
	}
	return (hub_json(r, NULL, &b, NULL, NULL));
}

/*
** GET /api/datasets/{ns}/{name} (the latest release) and
** /api/datasets/{ns}/{name}/revision/{rev}: anyone. 200 the repo info
** (hubrepo_info(): _id, id, author, sha, private, gated, disabled,
** downloads, likes, lastModified, createdAt, tags, cardData, siblings;
** with ?blobs=true each sibling's size, blobId and lfs). `expand` is
** accepted and ignored: every field is always there. 404 RepoNotFound,
** RevisionNotFound (a retired release: the message names its successor).
*/
int
show_hub_dataset(struct req *r)
{
	const char *rev = req_param(r, "rev");
	struct hubrepo *h;
	struct buf b = { 0 };
	int rc;

	if ((rc = repo_of(r, rev ? rev : "main", &h)) != 1)
		return (rc);
	if (hubrepo_info(h, query_yes(r, "blobs"), &b) == -1)
		rc = -1;
	else
		rc = hub_json(r, h, &b, NULL, NULL);
	buf_free(&b);
	hubrepo_close(h);
	return (rc);
}

/* Appends ${s} percent-encoded to ${b}, keeping '/' when ${slash}. */
static int
buf_pct(struct buf *b, const char *s, int slash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char esc[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' || (slash && c == '/')) {
			if (buf_append(b, s, 1) == -1)
				return (-1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 15];
		if (buf_append(b, esc, 3) == -1)
			return (-1);
	}
	return (0);
}

/*
** GET /api/datasets/{ns}/{name}/tree/{rev}[/{path*}]: anyone. 200 a JSON
** array of the folder's entries ({type:"file", oid, size, path, lfs?}
** and {type:"directory", oid, size:0, path}), everything below it with
** ?recursive=true, each with lastCommit with ?expand=true; at most
** `limit` (1..1000, default 1000) a page, the next page's absolute URL in
** `Link: <URL>; rel="next"` (it repeats recursive, expand and limit with
** a cursor). X-Repo-Commit. 404 EntryNotFound when the path is not a
** folder; the repo's 404s; 400 a bad limit or cursor.
*/
int
list_hub_tree(struct req *r)
{
	const char *rev = req_param(r, "rev"), *p = req_param(r, "path");
	const char *lim = req_query(r, "limit"), *cur = req_query(r, "cursor");
	int recursive = query_yes(r, "recursive"),
	    expand = query_yes(r, "expand");
	char path[HUB_PATH_MAX + 2], origin[300], *end;
	struct buf b = { 0 }, link = { 0 };
	struct hubrepo *h;
	size_t next;
	long limit = HUB_PAGE_MAX, offset = 0;
	int rc;

	if (lim != NULL) {
		limit = strtol(lim, &end, 10);
		if (end == lim || *end != '\0' || limit < 1)
			return (hub_error(r, 400, NULL, NULL,
			    "limit must be a whole number from 1"));
		if (limit > HUB_PAGE_MAX)
			limit = HUB_PAGE_MAX;
	}
	if (cur != NULL) {
		offset = strlen(cur) > 9 ? -1 : strtol(cur, &end, 10);
		if (offset < 0 || end == cur || *end != '\0')
			return (hub_error(r, 400, NULL, NULL,
			    "the cursor is not one of ours"));
	}
	if ((rc = repo_of(r, rev, &h)) != 1)
		return (rc);
	path[0] = '\0';
	if (p != NULL &&
	    (strlen(p) > HUB_PATH_MAX ||
		snprintf(path, sizeof(path), "%s", p) < 0 ||
		hub_path_clean(path) == -1)) {
		rc = hub_error(r, 404, "EntryNotFound", hubrepo_commit(h),
		    "Entry not found: no folder %.200s", p);
		goto out;
	}
	rc = hubrepo_tree(h, path, recursive, expand, (size_t)offset,
	    (size_t)limit, &b, &next);
	if (rc == 1) {
		rc = hub_error(r, 404, "EntryNotFound", hubrepo_commit(h),
		    "Entry not found: no folder %.200s at %s", path,
		    hubrepo_commit(h));
		goto out;
	}
	if (rc == 0 && next > 0) {
		req_origin(r, origin, sizeof(origin));
		if (buf_printf(&link, "<%s/api/datasets/%s/%s/tree/", origin,
			hubcache_namespace(req_hubs(r)),
			req_param(r, "name")) == -1 ||
		    buf_pct(&link, rev, 0) == -1 ||
		    (path[0] != '\0' &&
			(buf_puts(&link, "/") == -1 ||
			    buf_pct(&link, path, 1) == -1)) ||
		    buf_printf(&link,
			"?recursive=%s&expand=%s&limit=%ld&cursor=%zu>; "
			"rel=\"next\"",
			recursive ? "true" : "false", expand ? "true" : "false",
			limit, next) == -1)
			rc = -1;
	}
	if (rc == 0)
		rc = hub_json(r, h, &b, next > 0 ? "Link" : NULL, link.p);
out:
	buf_free(&b);
	buf_free(&link);
	hubrepo_close(h);
	return (rc);
}

/*
** POST /api/datasets/{ns}/{name}/paths-info/{rev}: anyone (a read; a
** page elsewhere may ask it). Body JSON {"paths":[…],"expand":B} or the
** form paths=A&paths=B&expand=X (hubpaths_parse(): at most 1000 paths).
** 200 a JSON array of the tree entries of the paths that exist, in the
** order asked (lastCommit with expand); missing ones are left out.
** X-Repo-Commit. 400 a body we cannot read; the repo's 404s.
*/
int
show_hub_paths(struct req *r)
{
	const char *rev = req_param(r, "rev"), *ct, *body;
	struct hubpaths hp;
	struct err e = { 0 };
	struct buf b = { 0 };
	struct hubrepo *h;
	size_t n;
	int rc, form;

	ct = req_header(r, "Content-Type");
	form = ct != NULL &&
	    strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
	body = req_body(r, &n);
	if (hubpaths_parse(body, n, form, &hp, &e) == -1)
		return (e.code == ERR_INVALID
			? hub_error(r, 400, NULL, NULL, "%s", e.msg)
			: -1);
	if ((rc = repo_of(r, rev, &h)) != 1) {
		hubpaths_free(&hp);
		return (rc);
	}
	rc = hubrepo_paths_info(h, &hp, &b) == -1
	    ? -1
	    : hub_json(r, h, &b, NULL, NULL);
	buf_free(&b);
	hubpaths_free(&hp);
	hubrepo_close(h);
	return (rc);
}

/* The Content-Type of repo file ${path}. */
static const char *
file_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot != NULL && strcmp(dot, ".md") == 0)
		return ("text/markdown; charset=utf-8");
	if (dot != NULL && strcmp(dot, ".json") == 0)
		return ("application/json");
	if (dot != NULL && strcmp(dot, ".sig") == 0)
		return ("text/plain; charset=utf-8");
	return ("application/octet-stream");
}

/*
** GET|HEAD /datasets/{ns}/{name}/resolve/{rev}/{path*} (and /raw/):
** anyone. 200 the file, from its descriptor, with X-Repo-Commit, a quoted
** ETag and X-Linked-Etag (the SHA-256 of an LFS file, the git blob id of
** any other), X-Linked-Size, Content-Length, Accept-Ranges: bytes; one
** Range 206 with Content-Range, out of range 416 ("bytes *" and the size);
** never
** compressed. 404 EntryNotFound (+ X-Repo-Commit) for no such file,
** and the repo's 404s; a HEAD gets the same headers.
*/
int
send_hub_file(struct req *r)
{
	const char *rev = req_param(r, "rev"), *p = req_param(r, "path");
	const struct hubentry *f;
	char path[HUB_PATH_MAX + 2], etag[72], size[24], file[4096 + 8];
	struct hubrepo *h;
	struct stat sb;
	int rc, fd;

	if ((rc = repo_of(r, rev, &h)) != 1)
		return (rc);
	if (p == NULL || strlen(p) > HUB_PATH_MAX ||
	    snprintf(path, sizeof(path), "%s", p) < 0 ||
	    hub_path_clean(path) == -1 || (f = hubrepo_find(h, path)) == NULL ||
	    f->dir) {
		rc = hub_error(r, 404, "EntryNotFound", hubrepo_commit(h),
		    "Entry not found: %.300s at %s", p ? p : "",
		    hubrepo_commit(h));
		goto out;
	}
	if (hubrepo_file_path(h, f, file, sizeof(file)) == -1) {
		rc = -1;
		goto out;
	}
	/* Only a path the manifest (or a pushed commit) lists gets here:
	** the folder, or the object store, is ours. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			rc = hub_error(r, 404, "EntryNotFound",
			    hubrepo_commit(h),
			    "Entry not found: %s is not on this node", f->path);
		else
			rc = hub_error(r, 500, NULL, hubrepo_commit(h),
			    "%s of release %s cannot be read", f->path,
			    hubrepo_version(h));
		goto out;
	}
	if (fstat(fd, &sb) == -1 || (uint64_t)sb.st_size != f->size) {
		close(fd);
		rc = hub_error(r, 500, NULL, hubrepo_commit(h),
		    "%s of release %s differs from its manifest", f->path,
		    hubrepo_version(h));
		goto out;
	}
	snprintf(etag, sizeof(etag), "\"%s\"", f->lfs ? f->sha256 : f->oid);
	snprintf(size, sizeof(size), "%llu", (unsigned long long)f->size);
	rc = req_file_with(r, fd, f->size, file_type(f->path), etag, "no-cache",
	    (const char *const[]){ "X-Repo-Commit", hubrepo_commit(h),
		"X-Linked-Etag", etag, "X-Linked-Size", size, NULL });
out:
	hubrepo_close(h);
	return (rc);
}

/*
** POST /api/validate-yaml {"content","repoType"?}: anyone. What the
** Python client asks before a commit that holds README.md: the card's
** YAML front matter (between "---" lines) must parse. 200 {"errors":[],
** "warnings":[]}; 400 {"error"} naming the line libyaml refuses.
*/
int
validate_hub_yaml(struct req *r)
{
	struct yamldoc y;
	struct err e = { 0 };
	const char *c, *end;
	json_t *body;
	size_t n;

	if ((body = req_json_body(r)) == NULL)
		return (0);
	c = json_string_value(json_object_get(body, "content"));
	if (c == NULL)
		return (hub_error(r, 400, NULL, NULL,
		    "send {\"content\": the README's text}"));
	n = json_string_length(json_object_get(body, "content"));
	if (n >= 4 && strncmp(c, "---\n", 4) == 0 &&
	    (end = strstr(c + 3, "\n---")) != NULL) {
		if (yamldoc_load(&y, c + 4, (size_t)(end + 1 - (c + 4)),
			"README.md", 2, "more than one YAML document",
			&e) == -1)
			return (hub_error(r, 400, NULL, NULL, "%s", e.msg));
		yamldoc_free(&y);
	}
	return (
	    req_json(r, 200, json_pack("{s:[],s:[]}", "errors", "warnings")));
}
