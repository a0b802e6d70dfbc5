/*
** The HTTP layer as its handlers see it: libmicrohttpd with a thread pool
** (poll, or epoll with --epoll), the route table, per-request state, and
** the one function every response goes through (security headers, JSON
** errors). Handlers are plain functions `int handler(struct req *)`; a
** handler that writes hands a job to the writer with req_submit() (or
** req_write()) and is called again, on the same request, once the job is
** durable or has failed.
**
** Behind it: server.c (start, stop, TLS), request.c (the life of a
** request, told at its top), respond.c (answers), session.c (cookie,
** session, CSRF), static.c (files), sharing http_int.h.
*/
#ifndef TRIBUTARY_HTTP_H
#define TRIBUTARY_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "account.h"
#include "buf.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "node.h"
#include "writer.h"

/* A route needing no login. */
#define ROLE_ANY ROLE_NONE

struct req;
struct consent_set;

/* A route's handler. Returns 0 once a response is queued or the request
** suspended; -1 when no answer could be queued (the layer answers 500). */
typedef int (*handler_fn)(struct req *r);

struct route {
	const char *method;
	const char *pattern; /* "/api/v1/consents/{id}/withdraw" */
	handler_fn fn;
	enum account_role role;
	size_t max_body; /* bytes of request body accepted; 0 = none */
	/* When set, the body limit for this request instead (called on the
	** first call, headers and query known, no body yet; 0 keeps
	** max_body). */
	size_t (*body_limit)(struct req *r);
	/* A Content-Type (prefix, e.g. "text/") taken besides JSON; NULL:
	** none (audio/ is taken where body_limit is set). */
	const char *also_takes;
};

/* The route table (routes.c). */
extern const struct route routes[];
extern const size_t nroutes;

/*
** Is ${rt} a route of the Hub API (api_hub.c, api_hubwrite.c)? Those
** answer with CORS headers (and OPTIONS preflights), take an encoded '/'
** inside a segment (urlpath.h), and their bodies are the Hub's: no
** cross-site refusal (the writes authenticate with a Bearer token, never
** a cookie), any body type (NDJSON, git-lfs+json, forms, raw objects),
** with or without a Content-Length. A pattern ending
** in "{name*}" takes that segment and every one after it, joined by '/'.
** Can't fail.
*/
static inline int
route_is_hub(const struct route *rt)
{
	return (strncmp(rt->pattern, "/api/datasets", 13) == 0 ||
	    strncmp(rt->pattern, "/datasets/", 10) == 0 ||
	    strncmp(rt->pattern, "/api/repos/", 11) == 0);
}

struct server;

/* The server (server.c). */

/*
** Starts serving ${n} with the settings in ${c}. Returns the server, or
** NULL with ${e} set (port taken, bad address, a TLS file missing or
** unsafe, out of memory).
*/
struct server *
server_start(struct node *n, const struct config *c, struct err *e);
/* The port actually bound (useful with --port 0). Can't fail. */
unsigned short server_port(struct server *s);
/*
** Stops accepting, lets the writer finish every queued job (which resumes
** every suspended connection), then stops the daemon and frees ${s}. The
** node stays open. NULL does nothing. Can't fail.
*/
void server_stop(struct server *s);
/* Appends the HTTP layer's own figures (connections closed for being
** slow, bytes of the upload budget in use) to ${b} as Prometheus text.
** 0, or -1 out of memory. */
int http_metrics(struct req *r, struct buf *b);

/*
** The request (request.c). Strings and objects it hands out belong to the
** request and live until it ends. None of these can fail unless it says
** so.
*/

struct node *req_node(struct req *r);
/* The node's consent documents as they are now, held by the request until
** it ends (a reviewed translation may swap them meanwhile); NULL when the
** node serves none. */
const struct consent_set *req_consents(struct req *r);
const struct config *req_config(struct req *r);
/* The request's method ("GET", "POST", ...) and raw path, as sent. */
const char *req_method(struct req *r);
const char *req_url(struct req *r);
/* The client address as a string (after --trusted-proxy rules);
** "unknown" if it cannot be read. */
const char *req_client(struct req *r);
/* Path parameter {name} from the route pattern, decoded; NULL if none. */
const char *req_param(struct req *r, const char *name);
/* Path parameter {id} as a positive integer; 0 if absent or not one. */
int64_t req_param_id(struct req *r);
/* Query argument ${name}, percent-decoded, into ${v}: 1 present, 0
** absent, -1 malformed (a bad %-escape or an encoded NUL) or out of
** memory, ${v} NULL then. */
int req_query_arg(struct req *r, const char *name, const char **v);
/* Header ${name}, percent-decoded as a query argument is ('+' is a
** space): as req_query_arg(). */
int req_header_arg(struct req *r, const char *name, const char **v);
/* Query argument ${name}, percent-decoded; NULL if absent, badly encoded
** or out of memory. */
const char *req_query(struct req *r, const char *name);
/* Header ${name} as sent, or NULL. */
const char *req_header(struct req *r, const char *name);
/* The request body and its length in ${n} ("" if none; NUL-terminated
** past n). */
const char *req_body(struct req *r, size_t *n);
/* Parses the body as a JSON object; NULL with a 400 queued if it is not
** one (or no memory to read it). */
json_t *req_json_body(struct req *r);

/* The node's releases as Hub repositories (hubrepo.h), kept by the
** server. Can't fail. */
struct hubcache *req_hubs(struct req *r);
/*
** The scheme and host the client reached the node by ("http://host:port"),
** into ${out} (${n} bytes): https when serving TLS or a --trusted-proxy
** says so; the Host header when it is a plain host name or address,
** else the address the node listens on. Can't fail.
*/
void req_origin(struct req *r, char *out, size_t n);

/*
** Takes the request's body piece by piece instead of holding it: each
** piece is handed to ${fn} as it arrives (a sink returns 0, or -1 to
** close the connection at once). Call only from a route's body_limit
** function, which runs before the body; the limit it returns still
** bounds the body, and the node's upload budget (for bodies held in
** memory) is not taken. A body_limit function may also queue an answer
** (a refusal) instead: the body is then never read. The handler runs
** once the body is complete, as for any route; req_body() is empty.
*/
typedef int (*req_sink_fn)(struct req *r, const char *p, size_t n);
void req_stream_body(struct req *r, req_sink_fn fn);

/* Per-handler state across suspensions: set once, freed when the request
** ends with ${free_fn} (NULL: free()). */
void req_set_state(struct req *r, void *state, void (*free_fn)(void *));
/* The state set with req_set_state(), or NULL. */
void *req_state(struct req *r);
/* Ties ${p} to the request: free(${p}) when the request ends. Returns
** ${p}, or NULL if ${p} is NULL or the request already keeps 16 (${p} is
** freed then). */
void *req_keep(struct req *r, void *p);

/* This thread's read-only connection to the node's database; in an /api/
** handler's call, its reads share one snapshot. NULL with ${e} set if it
** cannot open. */
struct db *req_db(struct req *r, struct err *e);
/*
** The epoch (dbcache.h) to remember what this call reads from the database
** under. Take it before the read: it is the one read before the call's
** snapshot began, or the current one if none has.
*/
uint64_t req_cache_epoch(struct req *r);
/* Reads one row through this thread's connection: 0 if the database
** answers, -1 with ${e} set if not (GET /healthz). */
int http_db_probe(struct req *r, struct err *e);

/* Suspends the connection until req_resume() (from any thread); the
** handler is called again then. */
void req_suspend(struct req *r);
void req_resume(struct req *r);
/*
** Hands ${fn}(db, ${arg}) to the writer and suspends the connection; the
** handler is called again when the job is final and then finds it with
** req_job(). ${arg} must live until then (the request's state, or
** req_keep()). Returns 0: a job the writer refuses (it is stopping) comes
** back failed.
*/
int req_submit(struct req *r, writer_fn fn, void *arg);
/* What req_submit_job() is told of its job (writer.h). REQ_JOB_BLOBS: it
** references blobs stored with blob_put_unsynced(), which its batch flushes
** before it commits. REQ_JOB_KEEPS_CACHE: it changes nothing the threads
** remember (dbcache.h); it only adds a contribution. REQ_JOB_ATOMIC: it
** undoes its own refusals, so it runs without a SAVEPOINT (writer.h). */
#define REQ_JOB_BLOBS       1
#define REQ_JOB_KEEPS_CACHE 2
#define REQ_JOB_ATOMIC      4
/* As req_submit, with ${flags} (REQ_JOB_*). Returns 0. */
int req_submit_job(struct req *r, writer_fn fn, void *arg, unsigned flags);
/* The finished job, or NULL if the handler has not submitted one or it
** is not final yet. */
const struct writer_job *req_job(struct req *r);

/*
** A handler that writes, told in its parts: its first call builds a
** writer job from the request and submits it; its second, once the job is
** final, answers from the outcome. req_write() is that skeleton.
*/
struct req_write {
	size_t state_size;          /* the handler's state: zeroed, kept */
	void (*state_free)(void *); /* frees it; NULL: free() */
	/* First call: fills ${state} from the request. 1 to submit the job
	** with *${arg} (${state} unless it points elsewhere), 0 with an
	** answer queued, -1 if none could be. */
	int (*build)(struct req *r, void *state, void **arg);
	writer_fn job;
	unsigned flags; /* REQ_JOB_* */
	/* Answers a job that failed; NULL: req_fail(). */
	int (*failed)(struct req *r, const struct writer_job *j);
	/* Answers a job that succeeded, from ${state}. */
	int (*answer)(struct req *r, void *state);
};
/* Runs the handler ${w} for the request. A handler_fn's contract: 0, or
** -1 (out of memory, or no answer could be queued). */
int req_write(struct req *r, const struct req_write *w);

/*
** Responses (respond.c). Each queues the request's one answer: 0, or -1
** if it could not be (out of memory, or MHD refused it).
*/

/*
** Queues ${resp} (taken: destroyed, also on failure; NULL fails) with
** ${status}, after adding the security headers (nosniff, frame DENY, CSP,
** referrer policy), the session cookie and Retry-After if set.
*/
int req_respond(struct req *r, unsigned int status, struct MHD_Response *resp);
/* Serializes ${j} (taken; NULL fails) as the body with ${status}. */
int req_json(struct req *r, unsigned int status, json_t *j);
/*
** As req_json(), for an answer that is the same for everyone who asks and
** holds no secret (a public document, the node's lists): compressed, in
** the coding Accept-Encoding prefers (Brotli, gzip), when it is long
** enough to gain, with Vary: Accept-Encoding; with an ETag (a hash of the
** text and the coding) and "private, no-cache", so a browser that holds
** it asks with If-None-Match and gets a 304. Never for an answer that
** carries a session's secret or a person's data (BREACH).
*/
int req_json_public(struct req *r, unsigned int status, json_t *j);
/* Answers the JSON already written in ${b} (taken: ${b} is left empty). */
int req_json_buf(struct req *r, unsigned int status, struct buf *b);
/* Answers {"error":{"code":${code},"message":...}} with ${status}; a 405
** adds Allow: the methods this path has. */
int req_error(struct req *r, unsigned int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answers a domain error with the status its code maps to. */
int req_fail(struct req *r, const struct err *e);
/*
** Answers the ${size} bytes of the open file ${fd} (taken: closed with the
** response, or on failure) as ${ctype}, with Accept-Ranges and the strong
** ${etag} (NULL: none). One "bytes=" range in a Range header answers 206
** with Content-Range, unless an If-Range names another ETag; a range
** starting past the end 416; several ranges or a malformed header get the
** whole file (RFC 9110 lets a server ignore Range).
*/
int req_file(
    struct req *r, int fd, uint64_t size, const char *ctype, const char *etag);
/* As req_file(), adding the headers ${hdrs} (name, value, ..., NULL; may
** be NULL) to every answer, the 416 too, and ${cache} as Cache-Control
** (NULL: "private, no-cache"). */
int req_file_with(struct req *r, int fd, uint64_t size, const char *ctype,
    const char *etag, const char *cache, const char *const *hdrs);
/* Sets Retry-After on the answer. Can't fail. */
void req_retry_after(struct req *r, int seconds);
/* Maps a domain error code to its HTTP status. Can't fail. */
unsigned int http_status_for(enum err_code code);

/* Sessions (session.c). */

/*
** The session behind the request's cookie, or NULL. Routes with a role
** always have one (dispatch answered 401 otherwise). Can't fail.
*/
const struct session *req_session(struct req *r);
/* The session cookie's token (NULL without one). Can't fail. */
const char *req_token(struct req *r);
/* Adds a Set-Cookie for ${token} (NULL: clear it) to the answer; out of
** memory adds none. */
void req_set_cookie(struct req *r, const char *token);

/* The server's compressed copies of static files (compress.h); NULL when
** --compress-cache is 0. Can't fail. */
struct compress_cache *req_compress(struct req *r);

/* The static-file handler (static.c), used when no route matches a GET or
** HEAD: a handler_fn's contract. */
int static_serve(struct req *r, const char *webroot, const char *const *seg,
    size_t nseg, int trailing_slash);

/* Is ${name} a file the static handler compresses (a page, script, style
** sheet, catalog, SVG...: by its extension)? Can't fail. */
int static_is_text(const char *name);

#endif
