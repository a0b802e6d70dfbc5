/*
** Responses (http.h): the one function every answer goes through
** (req_respond: the security headers, the session cookie, Retry-After),
** JSON answers and JSON errors, domain errors as statuses, and files with
** one byte range (Range, If-Range) for recordings and readings.
*/
#include "http_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "crypto.h"

static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

unsigned int
http_status_for(enum err_code code)
{
	switch (code) {
	case ERR_INVALID: return (400);
	case ERR_NOT_FOUND: return (404);
	case ERR_CONFLICT: return (409);
	case ERR_FORBIDDEN: return (403);
	case ERR_TOO_LARGE: return (413);
	case ERR_UNSUPPORTED: return (415);
	case ERR_STORAGE: return (507);
	case ERR_BUSY: return (503);
	case ERR_NONE:
	case ERR_INTERNAL: break;
	}
	return (500);
}

/* The policy of an answer that is no document: it may run nothing, load
** nothing and be framed by nobody, should a browser ever open it as a
** page (what OWASP asks of an API's answers). */
static const char CSP_NONE[] = "default-src 'none'; frame-ancestors 'none'";

/*
** Does the answer ${resp} to ${r} become a document or a worker, whose
** policy the headers set: a page (HTML, SVG), a service worker or
** worklet script, or an answer of no stated type? Scripts, styles, JSON,
** media and the 304s of those are no documents: a page's policy governs
** them, and their own headers would only cost bytes on a weak link (some
** 300 on each of the fifty answers of a first visit; the short policy of
** nothing 70 more on each of the webroot's scripts and styles, which go
** without it).
*/
static int
is_document(const struct req *r, struct MHD_Response *resp, unsigned status)
{
	const char *ct = MHD_get_response_header(resp, "Content-Type");
	const char *url = r->url ? r->url : "", *q = strchr(url, '?');
	size_t n = q ? (size_t)(q - url) : strlen(url);

	if (n >= 6 &&
	    (memcmp(url + n - 6, "/sw.js", 6) == 0 ||
		(n >= 11 && memcmp(url + n - 11, "-worklet.js", 11) == 0)))
		return (1);
	if (ct == NULL)
		return (status != 304 ||
		    (n > 0 &&
			(url[n - 1] == '/' ||
			    (n >= 5 && memcmp(url + n - 5, ".html", 5) == 0))));
	return (strncmp(ct, "text/html", 9) == 0 ||
	    strncmp(ct, "image/svg", 9) == 0 ||
	    strncmp(ct, "text/xml", 8) == 0 ||
	    strncmp(ct, "application/xml", 15) == 0);
}

/* The headers every answer of ours carries (API.md): the whole set on a
** document, nosniff and a policy of nothing on the rest. */
static void
add_security_headers(
    const struct req *r, struct MHD_Response *resp, unsigned status)
{
	/* A 304 updates the copy the client keeps, which has the headers
	** of its 200 already: none again (the policy alone is 300 bytes,
	** on every page a Service Worker or a browser revalidates). */
	if (status == 304)
		return;
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (!is_document(r, resp, status)) {
		/* A script, style sheet or catalog of the webroot is ours and
		** no page: nosniff keeps it from becoming one. An API answer,
		** which may carry what people wrote, gets the policy too. */
		if (r->slot != SLOT_STATIC || status >= 400)
			MHD_add_response_header(
			    resp, "Content-Security-Policy", CSP_NONE);
		return;
	}
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

/* What a page on another site may read of a Hub read API answer: the
** headers the Hub's clients read (hub-protocol.md). */
static const char CORS_EXPOSE[] =
    "X-Repo-Commit, X-Error-Code, X-Error-Message, ETag, X-Linked-Etag, "
    "X-Linked-Size, Link, Accept-Ranges, Content-Range, Content-Length, "
    "X-Request-Id";

/* The CORS headers of the Hub read API's answers: anyone may read these
** public answers (no cookie is asked for or honoured by them). */
static void
add_cors_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(
	    resp, "Access-Control-Expose-Headers", CORS_EXPOSE);
}

int
req_cors_preflight(struct req *r)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return (-1);
	add_cors_headers(resp);
	MHD_add_response_header(
	    resp, "Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
	MHD_add_response_header(resp, "Access-Control-Allow-Headers",
	    "Authorization, Content-Type, Range, Accept, X-Request-Id, "
	    "User-Agent");
	MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
	MHD_add_response_header(resp, "Allow", "GET, HEAD, POST, OPTIONS");
	return (req_respond(r, 204, resp));
}

int
req_respond(struct req *r, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result ok;

	if (resp == NULL)
		return (-1);
	add_security_headers(r, resp, status);
	if ((r->route != NULL && route_is_hub(r->route)) ||
	    (r->route == NULL && r->hub_path))
		add_cors_headers(resp);
	if (r->set_cookie != NULL)
		MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
	if (r->retry_after > 0) {
		char ra[24];
		snprintf(ra, sizeof(ra), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ok = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	if (ok != MHD_YES)
		return (-1);
	r->status = status;
	r->responded = 1;
	return (0);
}

/*
** Parses a Range header against ${size}: 1 with [*from, *to] (inclusive)
** for one satisfiable range, 0 to send the whole file (no header, several
** ranges, not bytes, malformed), -1 unsatisfiable.
*/
static int
parse_range(const char *h, uint64_t size, uint64_t *from, uint64_t *to)
{
	unsigned long long a, b;
	char *end;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return (0);
	h += 6;
	while (*h == ' ')
		h++;
	if (*h == '-') { /* the last N bytes */
		if (h[1] < '0' || h[1] > '9')
			return (0);
		b = strtoull(h + 1, &end, 10);
		if (*end != '\0')
			return (0);
		if (b == 0 || size == 0)
			return (-1);
		*from = b >= size ? 0 : size - b;
		*to = size - 1;
		return (1);
	}
	if (*h < '0' || *h > '9')
		return (0);
	a = strtoull(h, &end, 10);
	if (*end != '-')
		return (0);
	h = end + 1;
	if (*h == '\0')
		b = size ? size - 1 : 0;
	else {
		if (*h < '0' || *h > '9')
			return (0);
		b = strtoull(h, &end, 10);
		if (*end != '\0' || b < a)
			return (0);
	}
	if (a >= size)
		return (-1);
	*from = a;
	*to = b >= size ? size - 1 : b;
	return (1);
}

/*
** Does an If-Range of ${h} (NULL: none) allow a partial answer for the
** file whose strong ETag is ${etag}? Only an exact match does (RFC 9110
** 13.1.5); a date cannot, as these files carry no Last-Modified, nor can
** a weak tag.
*/
static int
if_range_holds(const char *h, const char *etag)
{
	if (h == NULL)
		return (1);
	return (etag != NULL && h[0] == '"' && strcmp(h, etag) == 0);
}

/* Adds the header pairs ${hdrs} (NULL-ended; NULL: none) to ${resp}. */
static void
add_headers(struct MHD_Response *resp, const char *const *hdrs)
{
	for (; hdrs != NULL && hdrs[0] != NULL && hdrs[1] != NULL; hdrs += 2)
		MHD_add_response_header(resp, hdrs[0], hdrs[1]);
}

int
req_file(
    struct req *r, int fd, uint64_t size, const char *ctype, const char *etag)
{
	return (req_file_with(r, fd, size, ctype, etag, NULL, NULL));
}

int
req_file_with(struct req *r, int fd, uint64_t size, const char *ctype,
    const char *etag, const char *cache, const char *const *hdrs)
{
	struct MHD_Response *resp;
	uint64_t from = 0, to = size ? size - 1 : 0;
	char cr[80];
	int rng;

	rng = parse_range(req_header(r, "Range"), size, &from, &to);
	if (rng != 0 && !if_range_holds(req_header(r, "If-Range"), etag))
		rng = 0; /* the client's copy is another: send it whole */
	if (rng == -1) {
		close(fd);
		resp = MHD_create_response_from_buffer(
		    0, "", MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return (-1);
		snprintf(
		    cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
		MHD_add_response_header(resp, "Content-Range", cr);
		MHD_add_response_header(resp, "Accept-Ranges", "bytes");
		add_headers(resp, hdrs);
		return (req_respond(r, 416, resp));
	}
	resp = MHD_create_response_from_fd_at_offset64(
	    rng == 1 ? to - from + 1 : size, fd, rng == 1 ? from : 0);
	if (resp == NULL) {
		close(fd);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	MHD_add_response_header(
	    resp, "Cache-Control", cache ? cache : "private, no-cache");
	if (etag != NULL)
		MHD_add_response_header(resp, "ETag", etag);
	add_headers(resp, hdrs);
	if (rng == 1) {
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu",
		    (unsigned long long)from, (unsigned long long)to,
		    (unsigned long long)size);
		MHD_add_response_header(resp, "Content-Range", cr);
	}
	return (req_respond(r, rng == 1 ? 206 : 200, resp));
}

/*
** Answers the ${n} bytes at ${p} (taken: freed with the response) as
** ${ctype}, never to be cached, with an Allow header of ${allow} unless it
** is NULL. 0, or -1 (${p} freed).
*/
static int
respond_bytes(struct req *r, unsigned int status, const char *ctype, char *p,
    size_t n, const char *allow)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(p);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (allow != NULL)
		MHD_add_response_header(resp, "Allow", allow);
	return (req_respond(r, status, resp));
}

int
req_json(struct req *r, unsigned int status, json_t *j)
{
	char *s;

	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		return (-1);
	return (
	    respond_bytes(r, status, "application/json", s, strlen(s), NULL));
}

/* Gives a compressed answer's blob back once MHD is done with it. */
static void
coded_sent(void *cls)
{
	compress_blob_release(cls);
}

/* ${out} (at least 40 bytes): the strong ETag of the ${n} bytes of JSON
** at ${s} sent in coding ${c}: a hash of the text, and the coding. -1 if
** it could not be hashed. */
static int
json_etag(
    char *out, size_t size, const char *s, size_t n, enum compress_coding c)
{
	uint8_t h[SHA256_LEN];
	size_t i, at;

	if (sha256_digest(s, n, h) == -1)
		return (-1);
	at = (size_t)snprintf(out, size, "\"j");
	for (i = 0; i < 12 && at + 2 < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%02x", h[i]);
	snprintf(out + at, size - at, "%s%s\"",
	    c == COMPRESS_IDENTITY ? "" : "-", compress_name(c));
	return (0);
}

int
req_json_public(struct req *r, unsigned int status, json_t *j)
{
	struct compress_blob *blob = NULL;
	struct MHD_Response *resp;
	enum compress_coding c = COMPRESS_IDENTITY;
	const char *ae = req_header(r, "Accept-Encoding");
	const char *inm = req_header(r, "If-None-Match");
	const void *p;
	char etag[48];
	size_t n;
	char *s;

	s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	if (s == NULL)
		return (-1);
	n = strlen(s);
	/* a short answer gains less than a coded one's headers cost */
	if (ae != NULL && n >= 256 && req_compress(r) != NULL)
		c = compress_pick(
		    ae, strlen(ae), COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP);
	/* The ETag names the text and the coding asked for: the same two
	** give the same bytes (compress_bytes() is deterministic). */
	if (json_etag(etag, sizeof(etag), s, n, c) == -1) {
		free(s);
		return (-1);
	}
	if (status == 200 && inm != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		free(s);
		resp = MHD_create_response_from_buffer(
		    0, "", MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return (-1);
		MHD_add_response_header(resp, "ETag", etag);
		MHD_add_response_header(
		    resp, "Cache-Control", "private, no-cache");
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
		return (req_respond(r, 304, resp));
	}
	if (c == COMPRESS_BR && (blob = compress_bytes(c, s, n)) == NULL)
		c = compress_pick(ae, strlen(ae), COMPRESS_OFFER_GZIP);
	if (c == COMPRESS_GZIP && blob == NULL)
		blob = compress_bytes(c, s, n);
	if (blob == NULL) {
		c = COMPRESS_IDENTITY;
		resp = MHD_create_response_from_buffer(
		    n, s, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL)
			free(s);
	} else {
		free(s);
		p = compress_blob_data(blob, &n);
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    n, (void *)p, coded_sent, blob);
		if (resp == NULL)
			compress_blob_release(blob);
	}
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	/* the browser may keep it, and asks again with the ETag each time */
	MHD_add_response_header(resp, "Cache-Control", "private, no-cache");
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (c != COMPRESS_IDENTITY)
		MHD_add_response_header(
		    resp, "Content-Encoding", compress_name(c));
	return (req_respond(r, status, resp));
}

int
req_json_buf(struct req *r, unsigned int status, struct buf *b)
{
	size_t n = b->n;

	return (
	    respond_bytes(r, status, "application/json", buf_take(b), n, NULL));
}

/* The Allow header of a 405: every method whose route matches this path,
** into ${allow} (${size} bytes). Can't fail (a long list is cut). */
static void
allowed_methods(struct req *r, char *allow, size_t size)
{
	size_t i;

	allow[0] = '\0';
	for (i = 0; i < nroutes; i++)
		if (req_route_match(r, routes[i].pattern) &&
		    strstr(allow, routes[i].method) == NULL) {
			if (allow[0])
				strncat(allow, ", ", size - strlen(allow) - 1);
			strncat(
			    allow, routes[i].method, size - strlen(allow) - 1);
		}
	r->nparams = 0;
}

int
req_error(
    struct req *r, unsigned int status, const char *code, const char *fmt, ...)
{
	char msg[1024], allow[128];
	struct buf b = { 0 };
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (buf_puts(&b, "{\"error\":{\"code\":\"") == -1 ||
	    buf_json_str(&b, code, strlen(code)) == -1 ||
	    buf_puts(&b, "\",\"message\":\"") == -1 ||
	    buf_json_str(&b, msg, strlen(msg)) == -1 ||
	    buf_puts(&b, "\"}}\n") == -1) {
		buf_free(&b);
		return (-1);
	}
	if (status == 405 && r->bad_method)
		allowed_methods(r, allow, sizeof(allow));
	n = b.n;
	return (respond_bytes(r, status, "application/json", buf_take(&b), n,
	    status == 405 && r->bad_method ? allow : NULL));
}

int
req_fail(struct req *r, const struct err *e)
{
	return (req_error(r, http_status_for(e->code), err_name(e->code), "%s",
	    e->msg[0] ? e->msg : "request failed"));
}

void
req_retry_after(struct req *r, int seconds)
{
	r->retry_after = seconds;
}
