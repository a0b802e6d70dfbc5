/*
** The HTTP layer: libmicrohttpd in thread-pool + epoll mode, the route
** table dispatch, per-request state, and the one function every response
** goes through (security headers, JSON errors). Handlers are plain
** functions `int handler(struct req *)`; a handler that writes hands a job
** to the writer with req_submit() and is called again, on the same request,
** once the job is durable or has failed.
*/
#ifndef TRIBUTARY_HTTP_H
#define TRIBUTARY_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

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

/* Returns 0 once a response is queued or the request suspended; -1 makes
** the layer answer 500. */
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
};

/* The route table (routes.c). */
extern const struct route routes[];
extern const size_t nroutes;

struct server;

/*
** Starts serving ${n} with the settings in ${c}. Returns the server, or
** NULL with ${e} set (port taken, bad address...).
*/
struct server *
server_start(struct node *n, const struct config *c, struct err *e);
/* The port actually bound (useful with --port 0). */
unsigned short server_port(struct server *s);
/*
** Stops accepting, lets the writer finish every queued job (which resumes
** every suspended connection), then stops the daemon and frees ${s}. The
** node stays open.
*/
void server_stop(struct server *s);

/*
** The session behind the request's cookie, or NULL. Routes with a role
** always have one (dispatch answered 401 otherwise).
*/
const struct session *req_session(struct req *r);
/* The session cookie's token (NULL without one). */
const char *req_token(struct req *r);
/* Adds a Set-Cookie for ${token} (NULL: clear it) to the next response. */
void req_set_cookie(struct req *r, const char *token);
/* Parses the body as a JSON object; NULL (and a 400 queued) if it is not.
** The object belongs to the request. */
json_t *req_json_body(struct req *r);
/* Per-handler state across suspensions: set once, freed at the end with
** ${free_fn} (may be NULL for plain free()). */
void req_set_state(struct req *r, void *state, void (*free_fn)(void *));
void *req_state(struct req *r);
/* Suspends the connection until req_resume() (from any thread). The
** handler is called again then. */
void req_suspend(struct req *r);
void req_resume(struct req *r);
/* Sets Retry-After on the next response. */
void req_retry_after(struct req *r, int seconds);
/* The raw request path. */
const char *req_url(struct req *r);
/* The client address as a string (after --trusted-proxy rules). */
const char *req_client(struct req *r);

/* Request accessors for handlers. Strings belong to the request. */
struct node *req_node(struct req *r);
const struct config *req_config(struct req *r);
/* Path parameter {name} from the route pattern, decoded; NULL if none. */
const char *req_param(struct req *r, const char *name);
/* Path parameter {id} as a positive integer; 0 if absent or not one. */
int64_t req_param_id(struct req *r);
/* Query argument ${name}, percent-decoded, into ${v} (freed with the
** request): 1 present, 0 absent, -1 malformed (a bad %-escape or an encoded
** NUL; ${v} NULL) or out of memory. */
int req_query_arg(struct req *r, const char *name, const char **v);
/* Header ${name}, percent-decoded as a query argument is ('+' is a
** space): as req_query_arg(). */
int req_header_arg(struct req *r, const char *name, const char **v);
/* Query argument ${name}, percent-decoded; NULL if absent, badly encoded
** or out of memory. */
const char *req_query(struct req *r, const char *name);
/* Header ${name} as sent, or NULL. Can't fail. */
const char *req_header(struct req *r, const char *name);
const char *req_method(struct req *r);
/* The request body (NUL-terminated past n). */
const char *req_body(struct req *r, size_t *n);
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

/*
** Queues ${resp} with status ${status} after adding the security headers
** (nosniff, frame DENY, CSP, referrer policy). Destroys ${resp}. Returns 0,
** -1 if MHD refused it.
*/
int req_respond(struct req *r, unsigned int status, struct MHD_Response *resp);
/* Serializes ${j} (stolen) as the body with status ${status}. */
int req_json(struct req *r, unsigned int status, json_t *j);
/* Answers the JSON already written in ${b} (taken: ${b} is left empty). */
int req_json_buf(struct req *r, unsigned int status, struct buf *b);
/* Answers {"error":{"code":${code},"message":...}} with ${status}. */
int req_error(struct req *r, unsigned int status, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answers a domain error with the status its code maps to. */
int req_fail(struct req *r, const struct err *e);

/*
** Hands ${fn}(db, ${arg}) to the writer and suspends the connection; the
** handler is called again when the job is final and then finds it with
** req_job(). ${arg} must live until then (use req_keep()). Returns 0.
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
/* As req_submit, with ${flags} (REQ_JOB_*). */
int req_submit_job(struct req *r, writer_fn fn, void *arg, unsigned flags);
/* The finished job, or NULL if the handler has not submitted one. */
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
/* Runs the handler ${w} for the request: a handler_fn's contract (0, or
** -1 when no answer could be queued). */
int req_write(struct req *r, const struct req_write *w);
/* Ties ${p} to the request: free(${p}) when the request ends. Returns ${p}. */
void *req_keep(struct req *r, void *p);

/*
** Answers the ${size} bytes of the open file ${fd} (taken: closed with the
** response) as ${ctype}, with Accept-Ranges. One "bytes=" range in a Range
** header answers 206 with Content-Range; a range starting past the end 416;
** several ranges or a malformed header get the whole file (RFC 9110 lets a
** server ignore Range). Returns 0, or -1 (${fd} closed).
*/
int req_file(
    struct req *r, int fd, uint64_t size, const char *ctype, const char *etag);

/* Reads one row through this thread's connection: 0 if the database
** answers, -1 with ${e} if not (GET /healthz). */
int http_db_probe(struct req *r, struct err *e);
/* Appends the HTTP layer's own figures (connections closed for being
** slow, bytes of the upload budget in use) to ${b} as Prometheus text.
** 0, or -1 out of memory. */
int http_metrics(struct req *r, struct buf *b);

/* Maps a domain error code to its HTTP status. */
unsigned int http_status_for(enum err_code code);

/* The static-file handler (static.c), used when no route matches a GET. */
int static_serve(struct req *r, const char *webroot, const char *const *seg,
    size_t nseg, int trailing_slash);

#endif
