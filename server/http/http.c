/*
** The HTTP layer (http.h): request life cycle, routing, responses.
**
** Life of a request. libmicrohttpd calls on_request() several times:
**  1. First call: we allocate the request state, decode the path, find the
**     route and return. Nothing is answered here (answering on the first
**     call makes MHD close keep-alive connections), except a 413 for a
**     declared Content-Length over the route's limit: MHD cannot answer in
**     the middle of a body, so that refusal has to come before it.
**  2. Body calls: bytes are appended up to the route's max_body.
**  3. Final call (*upload_data_size == 0): the handler runs. It either
**     queues a response or submits a writer job and suspends.
**  4. After a writer job the connection is resumed and the handler runs
**     again; req_job() now returns the outcome.
** on_completed() logs one JSON line, counts metrics and frees the state.
*/
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conntrack.h"
#include "dbcache.h"
#include "hasher.h"
#include "ratelimit.h"
#include "log.h"
#include "metrics.h"
#include "text.h"
#include "uploadlimit.h"
#include "urlpath.h"

#define MAX_PARAMS 8
#define MAX_KEPT   16

enum job_state { JOB_NONE, JOB_PENDING, JOB_DONE };

struct server {
	struct MHD_Daemon *d;
	struct node *node;
	const struct config *cfg;
	unsigned short port;
	pthread_key_t dbkey;
	const char **metric_names;
	struct ratelimit *rl_addr, *rl_account;
	struct conntrack *ct;   /* header deadline, minimum body rate */
	struct uploadlimit *ul; /* bodies held, large uploads per account */
	/* Shutdown: handlers running or suspended, and whether new requests
	** are still taken. server_stop waits for busy to reach zero so no
	** connection is suspended when MHD_stop_daemon runs. Both are atomic
	** (every request counts itself in and out); the mutex and condition
	** only carry the last one out to a waiting server_stop. A handler
	** counts itself in before it looks at stopping, and server_stop sets
	** stopping before it looks at busy (sequentially consistent), so no
	** request slips past a shutdown that saw busy at zero. */
	pthread_mutex_t smu;
	pthread_cond_t scv;
	atomic_int stopping;
	atomic_int busy;
	char *tls_cert, *tls_key; /* PEM, NUL-terminated; NULL: plain HTTP */
};

struct req {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	struct urlpath path;
	int path_status;
	const struct route *route;
	size_t slot;    /* metrics slot */
	int bad_method; /* path matched, method did not */
	struct {
		const char *name; /* into the route pattern */
		size_t namelen;
		const char *val; /* into path.mem */
	} params[MAX_PARAMS];
	size_t nparams;
	struct buf body;
	size_t max_body;
	int too_large;
	struct conn_rec *rec; /* the connection's deadlines (conntrack.h) */
	size_t budget;        /* bytes of the upload budget taken */
	int64_t upload_acct;  /* a large upload counted for this account */
	struct timespec start;
	unsigned int status;
	int responded;
	enum job_state job_state;
	struct writer_job job;
	int pending;       /* suspended, waiting for a job or a hash */
	int suspended_now; /* this call suspended (handler thread only: the
			   ** resumer may clear pending before we look) */
	int checked;       /* session, CSRF and rate limits done */
	int recheck;       /* checked before the body: check again after it */
	int has_session;
	struct session sess;
	int in_call;         /* an /api/ handler call: reads share a snapshot */
	int snap;            /* that snapshot's transaction is open */
	uint64_t snap_epoch; /* dbcache epoch read before it began */
	char token[SESSION_TOKEN_LEN + 1];
	char *set_cookie; /* Set-Cookie value for the response */
	int retry_after;  /* Retry-After seconds for a 429 */
	json_t *jbody;
	void *state;
	void (*state_free)(void *);
	char client[INET6_ADDRSTRLEN];
	void *kept[MAX_KEPT];
	size_t nkept;
};

/* Metrics slots after the routes. */
#define SLOT_STATIC (nroutes)
#define SLOT_OTHER  (nroutes + 1)

static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

static const char SQL_HEALTH_PROBE[] = "SELECT count(*) FROM node_meta";
static const char SQL_READ_BEGIN[] = "BEGIN";
static const char SQL_READ_END[] = "COMMIT";

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

/*
** Matches the decoded path against ${pattern}. Returns 1 and fills the
** request's params on a match, 0 otherwise.
*/
static int
route_match(struct req *r, const char *pattern)
{
	const char *p = pattern + 1, *end;
	size_t i = 0, len;

	r->nparams = 0;
	if (r->path.trailing_slash)
		return (0);
	while (*p != '\0') {
		if (i >= r->path.nseg)
			return (0);
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		if (p[0] == '{') {
			if (r->nparams == MAX_PARAMS)
				return (0);
			r->params[r->nparams].name = p + 1;
			r->params[r->nparams].namelen = len - 2;
			r->params[r->nparams].val = r->path.seg[i];
			r->nparams++;
		} else if (len != r->path.seglen[i] ||
		    memcmp(p, r->path.seg[i], len) != 0)
			return (0);
		i++;
		p += len;
		if (*p == '/')
			p++;
	}
	return (i == r->path.nseg);
}

/*
** Finds the route for the request. The table is short and scanned in
** order (patterns with {params} do not sort usefully); a path that matches
** under another method sets bad_method for the 405.
*/
static void
route_find(struct req *r)
{
	size_t i;
	int head;

	r->route = NULL;
	r->slot = SLOT_OTHER;
	if (r->path_status != URLPATH_OK)
		return;
	head = strcmp(r->method, "HEAD") == 0;
	for (i = 0; i < nroutes; i++) {
		if (!route_match(r, routes[i].pattern))
			continue;
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (head && strcmp(routes[i].method, "GET") == 0)) {
			r->route = &routes[i];
			r->slot = i;
			r->max_body = routes[i].max_body;
			return;
		}
		r->bad_method = 1;
	}
	r->nparams = 0;
}

static void
add_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

int
req_respond(struct req *r, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result ok;

	if (resp == NULL)
		return (-1);
	add_security_headers(resp);
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

int
req_file(
    struct req *r, int fd, uint64_t size, const char *ctype, const char *etag)
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
	MHD_add_response_header(resp, "Cache-Control", "private, no-cache");
	if (etag != NULL)
		MHD_add_response_header(resp, "ETag", etag);
	if (rng == 1) {
		snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu",
		    (unsigned long long)from, (unsigned long long)to,
		    (unsigned long long)size);
		MHD_add_response_header(resp, "Content-Range", cr);
	}
	return (req_respond(r, rng == 1 ? 206 : 200, resp));
}

static int
respond_bytes(
    struct req *r, unsigned int status, const char *ctype, char *p, size_t n)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(p);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
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
	return (respond_bytes(r, status, "application/json", s, strlen(s)));
}

int
req_json_buf(struct req *r, unsigned int status, struct buf *b)
{
	size_t n = b->n;

	return (respond_bytes(r, status, "application/json", buf_take(b), n));
}

int
req_error(
    struct req *r, unsigned int status, const char *code, const char *fmt, ...)
{
	char msg[1024];
	struct buf b = { 0 };
	va_list ap;
	struct MHD_Response *resp;

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
	if (status == 405 && r->bad_method) {
		/* Allow: every method whose route matches this path. */
		char allow[128] = "";
		size_t i;
		for (i = 0; i < nroutes; i++)
			if (route_match(r, routes[i].pattern) &&
			    strstr(allow, routes[i].method) == NULL) {
				if (allow[0])
					strncat(allow, ", ",
					    sizeof(allow) - strlen(allow) - 1);
				strncat(allow, routes[i].method,
				    sizeof(allow) - strlen(allow) - 1);
			}
		r->nparams = 0;
		resp = MHD_create_response_from_buffer(
		    b.n, b.p, MHD_RESPMEM_MUST_FREE);
		if (resp == NULL) {
			buf_free(&b);
			return (-1);
		}
		b.p = NULL;
		MHD_add_response_header(
		    resp, "Content-Type", "application/json");
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		MHD_add_response_header(resp, "Allow", allow);
		return (req_respond(r, status, resp));
	}
	{
		size_t n = b.n;
		return (respond_bytes(
		    r, status, "application/json", buf_take(&b), n));
	}
}

int
req_fail(struct req *r, const struct err *e)
{
	return (req_error(r, http_status_for(e->code), err_name(e->code), "%s",
	    e->msg[0] ? e->msg : "request failed"));
}

const struct session *
req_session(struct req *r)
{
	return (r->has_session ? &r->sess : NULL);
}

const char *
req_token(struct req *r)
{
	return (r->token[0] ? r->token : NULL);
}

static int peer_trusted(struct req *r);

/* Is the client on the other side of TLS (ours, or a trusted proxy's)? */
static int
req_is_tls(struct req *r)
{
	const char *p;

	if (r->srv->tls_cert != NULL)
		return (1);
	if (!peer_trusted(r))
		return (0);
	p = req_header(r, "X-Forwarded-Proto");
	return (p != NULL && strcmp(p, "https") == 0);
}

void
req_set_cookie(struct req *r, const char *token)
{
	struct buf b = { 0 };

	free(r->set_cookie);
	if (token != NULL)
		buf_printf(&b,
		    "tributary_session=%s; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=%d%s",
		    token, SESSION_MAX, req_is_tls(r) ? "; Secure" : "");
	else
		buf_printf(&b,
		    "tributary_session=; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=0%s",
		    req_is_tls(r) ? "; Secure" : "");
	r->set_cookie = buf_take(&b);
}

json_t *
req_json_body(struct req *r)
{
	json_error_t je;

	if (r->jbody != NULL)
		return (r->jbody);
	r->jbody = json_loadb(
	    r->body.p ? r->body.p : "", r->body.n, JSON_REJECT_DUPLICATES, &je);
	if (r->jbody == NULL || !json_is_object(r->jbody)) {
		json_decref(r->jbody);
		r->jbody = NULL;
		req_error(r, 400, "invalid",
		    "the body must be one JSON object (%s)",
		    r->body.n ? je.text : "it is empty");
		return (NULL);
	}
	return (r->jbody);
}

void
req_set_state(struct req *r, void *state, void (*free_fn)(void *))
{
	r->state = state;
	r->state_free = free_fn;
}

void
req_retry_after(struct req *r, int seconds)
{
	r->retry_after = seconds;
}

const char *
req_url(struct req *r)
{
	return (r->url);
}

void *
req_state(struct req *r)
{
	return (r->state);
}

/* Is the peer one of the --trusted-proxy addresses? */
static int
peer_trusted(struct req *r)
{
	const union MHD_ConnectionInfo *ci;
	const char *list = r->srv->cfg->trusted_proxy, *p;
	char addr[INET6_ADDRSTRLEN] = "";
	const struct sockaddr *sa;
	size_t n;

	if (list == NULL || list[0] == '\0')
		return (0);
	ci = MHD_get_connection_info(
	    r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return (0);
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    addr, sizeof(addr));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
		    sizeof(addr));
	n = strlen(addr);
	for (p = list; (p = strstr(p, addr)) != NULL; p += n)
		if ((p == list || p[-1] == ',' || p[-1] == ' ') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return (1);
	return (0);
}

/*
** Writes ${a} as inet_ntop() does ("192.0.2.7") to ${out} (16 bytes or
** more): every API request names its client for the rate limit, and
** inet_ntop formats through sprintf.
*/
static void
ipv4_text(const struct in_addr *a, char *out)
{
	const unsigned char *b = (const unsigned char *)&a->s_addr;
	int i;

	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			*out++ = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			*out++ = (char)('0' + b[i] / 10 % 10);
		*out++ = (char)('0' + b[i] % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

const char *
req_client(struct req *r)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;
	const char *xff, *end, *start;
	size_t n;

	if (r->client[0] != '\0')
		return (r->client);
	snprintf(r->client, sizeof(r->client), "unknown");
	ci = MHD_get_connection_info(
	    r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && (sa = ci->client_addr) != NULL) {
		if (sa->sa_family == AF_INET)
			ipv4_text(&((const struct sockaddr_in *)sa)->sin_addr,
			    r->client);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)sa)->sin6_addr,
			    r->client, sizeof(r->client));
	}
	/* Behind a trusted proxy the client is the last address it added. */
	if (peer_trusted(r) &&
	    (xff = req_header(r, "X-Forwarded-For")) != NULL) {
		end = xff + strlen(xff);
		while (end > xff && (end[-1] == ' ' || end[-1] == ','))
			end--;
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		while (*start == ' ')
			start++;
		n = (size_t)(end - start);
		if (n > 0 && n < sizeof(r->client)) {
			memcpy(r->client, start, n);
			r->client[n] = '\0';
		}
	}
	return (r->client);
}

struct node *
req_node(struct req *r)
{
	return (r->srv->node);
}

const struct config *
req_config(struct req *r)
{
	return (r->srv->cfg);
}

const char *
req_method(struct req *r)
{
	return (r->method);
}

const char *
req_param(struct req *r, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < r->nparams; i++)
		if (r->params[i].namelen == n &&
		    memcmp(r->params[i].name, name, n) == 0)
			return (r->params[i].val);
	return (NULL);
}

void *
req_keep(struct req *r, void *p)
{
	if (p == NULL)
		return (NULL);
	if (r->nkept == MAX_KEPT) {
		free(p);
		return (NULL);
	}
	r->kept[r->nkept++] = p;
	return (p);
}

int
req_query_arg(struct req *r, const char *name, const char **v)
{
	const char *raw;
	struct buf b = { 0 };

	*v = NULL;
	raw = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	if (raw == NULL)
		return (0);
	if (url_decode_component(raw, strlen(raw), &b) == -1) {
		buf_free(&b);
		return (-1);
	}
	if ((*v = req_keep(r, buf_take(&b))) == NULL)
		return (-1);
	return (1);
}

const char *
req_query(struct req *r, const char *name)
{
	const char *v;

	return (req_query_arg(r, name, &v) == 1 ? v : NULL);
}

int64_t
req_param_id(struct req *r)
{
	const char *s = req_param(r, "id");
	char *end;
	long long v;

	if (s == NULL)
		return (0);
	v = strtoll(s, &end, 10);
	return (*end == '\0' && v > 0 ? (int64_t)v : 0);
}

const char *
req_header(struct req *r, const char *name)
{
	return (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name));
}

const char *
req_body(struct req *r, size_t *n)
{
	*n = r->body.n;
	return (r->body.p ? r->body.p : "");
}

static int step_txn(struct db *db, const char *sql);

/*
** This thread's connection. Within a call of an /api/ handler the first use
** begins one read transaction, ended when the call returns (read_end()):
** the session check and the handler's reads see one snapshot and take the
** WAL read lock once, not once per statement. It never outlives the call:
** a handler that waits for the writer is suspended after its call
** returns, and every change goes through the writer, so nothing here waits
** for its own write. A request that starts after an answer (logout, a
** withdrawn consent) was sent starts after that commit, so it sees it. A
** call that needs no database (its answers remembered, dbcache.h) begins
** nothing. If BEGIN fails, each statement reads in its own transaction.
*/
struct db *
req_db(struct req *r, struct err *e)
{
	struct db *db;

	if ((db = pthread_getspecific(r->srv->dbkey)) == NULL) {
		if ((db = db_open(r->srv->node->dbpath, 0, e)) == NULL)
			return (NULL);
		pthread_setspecific(r->srv->dbkey, db);
	}
	if (r->in_call && !r->snap && sqlite3_get_autocommit(db_handle(db))) {
		r->snap_epoch = dbcache_epoch(r->srv->node->cache);
		r->snap = step_txn(db, SQL_READ_BEGIN) == 0;
	}
	return (db);
}

uint64_t
req_cache_epoch(struct req *r)
{
	return (r->snap ? r->snap_epoch : dbcache_epoch(r->srv->node->cache));
}

static void
req_job_done(struct writer_job *job)
{
	struct req *r = job->done_arg;

	r->job_state = JOB_DONE;
	req_resume(r);
}

static void
busy_add(struct server *s, int delta)
{
	if (atomic_fetch_add(&s->busy, delta) + delta == 0 &&
	    atomic_load(&s->stopping)) {
		pthread_mutex_lock(&s->smu);
		pthread_cond_broadcast(&s->scv);
		pthread_mutex_unlock(&s->smu);
	}
}

void
req_suspend(struct req *r)
{
	busy_add(r->srv, 1);
	r->pending = 1;
	r->suspended_now = 1;
	metrics_conn_suspended(1);
	MHD_suspend_connection(r->conn);
}

void
req_resume(struct req *r)
{
	struct server *s = r->srv; /* r may be freed once resumed */

	r->pending = 0;
	metrics_conn_suspended(-1);
	MHD_resume_connection(r->conn);
	busy_add(s, -1);
}

int
req_submit_job(struct req *r, writer_fn fn, void *arg, unsigned flags)
{
	memset(&r->job, 0, sizeof(r->job));
	r->job.sync_blobs = (flags & REQ_JOB_BLOBS) != 0;
	r->job.keeps_cache = (flags & REQ_JOB_KEEPS_CACHE) != 0;
	r->job.atomic = (flags & REQ_JOB_ATOMIC) != 0;
	r->job.fn = fn;
	r->job.arg = arg;
	r->job.done = req_job_done;
	r->job.done_arg = r;
	r->job_state = JOB_PENDING;
	/* Suspend first: the writer may resume us before we return. */
	req_suspend(r);
	writer_submit(r->srv->node->writer, &r->job);
	return (0);
}

int
req_submit(struct req *r, writer_fn fn, void *arg)
{
	return (req_submit_job(r, fn, arg, 0));
}

const struct writer_job *
req_job(struct req *r)
{
	return (r->job_state == JOB_DONE ? &r->job : NULL);
}

static void
req_free(struct req *r)
{
	size_t i;

	if (r->budget > 0)
		uploadlimit_give(r->srv->ul, r->budget);
	if (r->upload_acct != 0)
		uploadlimit_account_give(r->srv->ul, r->upload_acct);

	urlpath_free(&r->path);
	if (r->body.p != NULL) /* may hold a passphrase or a PIN */
		sodium_memzero(r->body.p, r->body.n);
	buf_free(&r->body);
	json_decref(r->jbody);
	free(r->set_cookie);
	if (r->state != NULL)
		(r->state_free ? r->state_free : free)(r->state);
	for (i = 0; i < r->nkept; i++)
		free(r->kept[i]);
	free(r);
}

/* Fire-and-forget writer job that refreshes a session's last_seen. */
struct touch {
	struct writer_job job;
	char token[SESSION_TOKEN_LEN + 1];
};

static void
touch_done(struct writer_job *j)
{
	free(j->done_arg);
}

static void
session_touch(struct req *r)
{
	struct touch *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return;
	memcpy(t->token, r->token, sizeof(t->token));
	t->job.fn = session_touch_job;
	t->job.arg = t->token;
	t->job.done = touch_done;
	t->job.done_arg = t;
	writer_submit(r->srv->node->writer, &t->job);
}

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Reads the session cookie into r->token. */
static void
read_cookie(struct req *r)
{
	const char *c;
	size_t n;

	c = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, "tributary_session");
	if (c == NULL || (n = strlen(c)) != SESSION_TOKEN_LEN)
		return;
	memcpy(r->token, c, n + 1);
}

static void
session_forget(void *p)
{
	sodium_memzero(p, sizeof(struct session));
	free(p);
}

/*
** The live session for r->token into r->sess: remembered by this thread
** while nothing that could change it was committed (dbcache.h), else read.
** Expiry and idleness are judged at ${now} either way. 1, 0 (none, expired,
** or its account disabled), or -1 with ${e}.
*/
static int
session_lookup(struct req *r, time_t now, struct err *e)
{
	struct dbcache *c = r->srv->node->cache;
	const struct session *m;
	struct session *keep;
	struct db *db;
	uint64_t epoch;
	char key[2 + SESSION_TOKEN_LEN];
	int rc;

	memcpy(key, "s:", 2);
	memcpy(key + 2, r->token, SESSION_TOKEN_LEN);
	if ((m = dbcache_get(c, key, sizeof(key), now)) != NULL &&
	    m->expires_at > now && m->last_seen > now - SESSION_IDLE) {
		r->sess = *m;
		sodium_memzero(key, sizeof(key));
		return (1);
	}
	epoch = req_cache_epoch(r);
	if ((db = req_db(r, e)) == NULL ||
	    (rc = session_get(db, r->token, now, &r->sess, e)) == -1) {
		sodium_memzero(key, sizeof(key));
		return (-1);
	}
	if (rc == 1 && (keep = malloc(sizeof(*keep))) != NULL) {
		*keep = r->sess;
		dbcache_put(
		    c, key, sizeof(key), epoch, now, keep, session_forget);
	}
	sodium_memzero(key, sizeof(key));
	return (rc);
}

/* The account rate limit's key, "a" and the account id in decimal, into
** ${key} (22 bytes or more). */
static void
account_key(int64_t id, char *key)
{
	char d[21], *q;

	d[20] = '\0';
	q = dec_digits(d + 20, id < 0 ? 0 : (unsigned long long)id);
	key[0] = 'a';
	memcpy(key + 1, q, (size_t)(d + sizeof(d) - q));
}

/*
** Does the ${sent} X-CSRF-Token (NULL if absent) match the session's
** ${want}? Both are compared whole, CSRF_LEN bytes, in constant time: a
** token that is empty, short or a prefix compares against zeros where it
** ends, so it can never match however the lengths are judged.
*/
static int
csrf_matches(const char *sent, const char *want)
{
	char a[CSRF_LEN + 1] = { 0 }, b[CSRF_LEN + 1] = { 0 };
	size_t n;
	int same;

	if (sent == NULL)
		return (0);
	n = strlen(sent);
	memcpy(a, sent, n < CSRF_LEN ? n : CSRF_LEN);
	memcpy(b, want, strnlen(want, CSRF_LEN));
	same = sodium_memcmp(a, b, CSRF_LEN) == 0;
	sodium_memzero(b, sizeof(b));
	return (same && n == CSRF_LEN && want[0] != '\0');
}

/*
** Rate limits (when ${limits}), session, role and CSRF for a routed
** request. Returns 0 to go on, 1 if a refusal was queued.
*/
static int
check_request(struct req *r, int limits)
{
	const char *csrf;
	struct err e = { 0 };
	char key[40];
	int ra = 0;
	time_t now = time(NULL);

	if (strncmp(r->route->pattern, "/api/", 5) != 0 &&
	    r->route->role == ROLE_ANY)
		return (0); /* /healthz, /metrics: no session, no limit */
	if (limits &&
	    !ratelimit_take(r->srv->rl_addr, req_client(r), mono_now(), &ra)) {
		r->retry_after = ra;
		req_error(r, 429, "rate_limited",
		    "too many requests from this network; try again in %d s",
		    ra);
		return (1);
	}
	read_cookie(r);
	if (r->token[0] != '\0' &&
	    (r->has_session = session_lookup(r, now, &e)) == -1) {
		req_fail(r, &e);
		return (1);
	}
	if (r->route->role != ROLE_ANY && !r->has_session) {
		req_error(r, 401, "login_required", "log in to use this");
		return (1);
	}
	if (r->has_session && limits) {
		account_key(r->sess.account_id, key);
		if (!ratelimit_take(r->srv->rl_account, key, mono_now(), &ra)) {
			r->retry_after = ra;
			req_error(r, 429, "rate_limited",
			    "too many requests; try again in %d s", ra);
			return (1);
		}
	}
	if (!role_allows(r->sess.role, r->route->role)) {
		req_error(r, 403, "forbidden", "this needs the %s role",
		    role_name(r->route->role));
		return (1);
	}
	if (r->has_session && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "HEAD") != 0 && r->route->role != ROLE_ANY) {
		csrf = req_header(r, "X-CSRF-Token");
		if (!csrf_matches(csrf, r->sess.csrf)) {
			req_error(r, 403, "csrf",
			    "this request lacks the session's X-CSRF-Token "
			    "header; reload the page");
			return (1);
		}
	}
	if (r->has_session && r->sess.last_seen < now - 3600)
		session_touch(r);
	return (0);
}

/* Steps ${sql} (BEGIN or COMMIT) on ${db}. 0, or -1. */
static int
step_txn(struct db *db, const char *sql)
{
	struct err e = { 0 };
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, sql, &e)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* Ends the call's read transaction, if req_db() began one. */
static void
read_end(struct req *r)
{
	struct db *db = pthread_getspecific(r->srv->dbkey);

	r->in_call = 0;
	if (!r->snap)
		return;
	r->snap = 0;
	if (db == NULL || sqlite3_get_autocommit(db_handle(db)))
		return;
	if (step_txn(db, SQL_READ_END) == -1)
		sqlite3_exec(db_handle(db), "ROLLBACK", NULL, NULL, NULL);
}

/* Runs the request once its body is complete (or after a resume). */
static int
dispatch(struct req *r)
{
	int rc;

	const char *webroot = r->srv->cfg->webroot;

	if (r->path_status == URLPATH_MALFORMED)
		return (req_error(r, 400, "bad_path",
		    "the request path is not "
		    "a valid URL path"));
	if (r->path_status == URLPATH_UNSAFE)
		return (req_error(r, 404, "not_found", "nothing is here"));
	if (r->route == NULL) {
		if (r->bad_method)
			return (req_error(r, 405, "method_not_allowed",
			    "%s is not allowed here", r->method));
		if (strcmp(r->method, "GET") == 0 ||
		    strcmp(r->method, "HEAD") == 0) {
			r->slot = SLOT_STATIC;
			return (static_serve(r, webroot, r->path.seg,
			    r->path.nseg, r->path.trailing_slash));
		}
		return (req_error(r, 404, "not_found", "nothing is here"));
	}
	if (r->too_large)
		return (req_error(r, 413, "too_large",
		    "the request body is over "
		    "the %zu bytes this endpoint accepts",
		    r->max_body));
	r->in_call = strncmp(r->route->pattern, "/api/", 5) == 0;
	if (!r->checked || r->recheck) {
		/* Checked before a long upload? The session may have ended,
		** or the account been disabled, while the body came in: look
		** again (not counting the request against the limits twice). */
		rc = check_request(r, !r->checked);
		r->checked = 1;
		r->recheck = 0;
		if (rc == 1) {
			read_end(r);
			return (0); /* refused: answer queued */
		}
	}
	rc = r->route->fn(r);
	read_end(r);
	return (rc);
}

static int dispatch(struct req *r);

/* Does ${m} change state (anything but GET and HEAD)? */
static int
method_writes(const char *m)
{
	return (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0);
}

/*
** Did this request come from a page of another site? Browsers send
** Sec-Fetch-Site on every request and Origin on every cross-origin POST;
** a client that sends neither is not a browser that a page elsewhere can
** drive. "same-site" is refused too: another host under the same domain
** is another party. 1 if it came from elsewhere, 0 if not.
*/
static int
cross_site(struct req *r)
{
	const char *sfs = req_header(r, "Sec-Fetch-Site");
	const char *origin = req_header(r, "Origin");
	const char *host = NULL, *p;

	if (sfs != NULL && strcmp(sfs, "same-origin") != 0 &&
	    strcmp(sfs, "none") != 0)
		return (1);
	if (origin == NULL)
		return (0);
	if (peer_trusted(r))
		host = req_header(r, "X-Forwarded-Host");
	if (host == NULL)
		host = req_header(r, "Host");
	if (host == NULL || (p = strstr(origin, "://")) == NULL)
		return (1); /* "Origin: null" (a sandboxed or file page) too */
	return (strcasecmp(p + 3, host) != 0);
}

/* Is ${ct} a type the route takes: JSON, or audio where it takes it? */
static int
ctype_allowed(const struct route *rt, const char *ct)
{
	if (ct == NULL)
		return (0);
	if (strncasecmp(ct, "application/json", 16) == 0 &&
	    (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' '))
		return (1);
	return (rt->body_limit != NULL && strncasecmp(ct, "audio/", 6) == 0);
}

/* Bodies over this many bytes are "large uploads" (uploadlimit.h). */
#define LARGE_UPLOAD 65536

/*
** What is refused before a body is read, so that nobody can make the node
** read or hold one it will not take: a write to the API from another site
** (403), a body that is not JSON (or audio where a route takes it, 415),
** one without a length (411), one over the route's limit (413), one the
** upload budget cannot hold (503), an account's large upload over its
** limit in flight (429). Routes with a large body limit check session,
** role, CSRF and rate limits here too. ${declared} is the Content-Length
** (0 if none), ${chunked} whether the body comes without one. 0 to read
** the body, 1 if a refusal was queued, -1 if none could be.
*/
static int
refuse_early(struct req *r, unsigned long long declared, int chunked)
{
	struct server *srv = r->srv;
	const struct route *rt = r->route;
	int api_write, ok;
	size_t limit;

	if (r->path_status != URLPATH_OK)
		rt = NULL;
	if (rt == NULL && (declared > 0 || chunked)) {
		/* Nothing here takes a body: say so (400, 404, 405) before
		** it, rather than read it for nobody. */
		ok = dispatch(r);
		if (ok == 0 && r->responded)
			return (1);
		return (-1);
	}
	api_write = rt != NULL && strncmp(rt->pattern, "/api/", 5) == 0 &&
	    method_writes(r->method);
	if (api_write && cross_site(r))
		ok = req_error(r, 403, "cross_site",
		    "this request came from a page of another site: use the "
		    "node's own pages");
	else if (api_write && (declared > 0 || chunked) &&
	    !ctype_allowed(rt, req_header(r, "Content-Type")))
		ok = req_error(r, 415, "unsupported",
		    "send the body as application/json%s",
		    rt->body_limit ? " (or a recording as audio/wav)" : "");
	else if (api_write && chunked)
		ok = req_error(r, 411, "length_required",
		    "send the body with a Content-Length");
	else {
		if (rt != NULL && rt->body_limit != NULL) {
			/* A large body is only for someone allowed to send
			** it: session, role, CSRF and rate limits first. */
			r->checked = r->recheck = 1;
			if (check_request(r, 1) == 1)
				return (r->responded ? 1 : -1);
			if ((limit = rt->body_limit(r)) > 0)
				r->max_body = limit;
		}
		if (declared > r->max_body) {
			r->too_large = 1;
			ok = req_error(r, 413, "too_large",
			    "the request body is over the %zu bytes this "
			    "endpoint accepts",
			    r->max_body);
		} else if (declared == 0)
			return (0);
		else if (!uploadlimit_take(srv->ul, (size_t)declared)) {
			r->retry_after = 5;
			ok = req_error(r, 503, "busy",
			    "the node is receiving too much at once; send "
			    "again in a few seconds");
		} else {
			r->budget = (size_t)declared;
			if (declared <= LARGE_UPLOAD || !r->has_session)
				return (0);
			if (uploadlimit_account_take(
				srv->ul, r->sess.account_id)) {
				r->upload_acct = r->sess.account_id;
				return (0);
			}
			r->retry_after = 10;
			ok = req_error(r, 429, "too_many_uploads",
			    "this account already has %ld uploads under way: "
			    "send this one when they are done",
			    srv->cfg->uploads_per_account);
		}
	}
	return (ok == 0 ? 1 : -1);
}

/* The deadline record of ${conn} (conntrack.h), or NULL. */
static struct conn_rec *
conn_rec_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return (ci != NULL ? ci->socket_context : NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct req *r = *con_cls;
	unsigned long long declared = 0;
	const char *cl;
	int rc, chunked;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return (MHD_NO);
		clock_gettime(CLOCK_MONOTONIC, &r->start);
		r->srv = srv;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->path_status = urlpath_parse(url, strlen(url), &r->path);
		route_find(r);
		*con_cls = r;
		r->rec = conn_rec_of(conn);
		cl = MHD_lookup_connection_value(
		    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL)
			declared = strtoull(cl, NULL, 10);
		chunked = cl == NULL &&
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
		conn_rec_headers(r->rec, declared > 0 || chunked);
		if ((rc = refuse_early(r, declared, chunked)) != 0)
			return (rc == 1 ? MHD_YES : MHD_NO);
		/* A large upload lands in one allocation, not a string of
		** doublings (the limit and the budget bound it). */
		if (declared > 65536 &&
		    buf_reserve(&r->body, (size_t)declared) == -1)
			return (MHD_NO);
		return (MHD_YES);
	}
	if (*upload_data_size > 0) {
		conn_rec_body(r->rec, *upload_data_size);
		/* Only a body without a length can outgrow its limit (MHD
		** holds one with a length to it): close at once rather than
		** read and discard it, since no answer can go mid-body. */
		if (r->body.n + *upload_data_size > r->max_body ||
		    buf_append(&r->body, upload_data, *upload_data_size) == -1)
			return (MHD_NO);
		*upload_data_size = 0;
		return (MHD_YES);
	}
	conn_rec_handling(r->rec);
	if (r->responded || r->pending)
		return (MHD_YES);
	/* Shutting down: a new request is refused; one already under way
	** (resumed after a hash or a job) is let through to its answer. */
	atomic_fetch_add(&srv->busy, 1);
	if (atomic_load(&srv->stopping) && r->state == NULL &&
	    r->job_state == JOB_NONE) {
		busy_add(srv, -1);
		return (req_error(r, 503, "busy",
			    "the node is shutting down; try again shortly") == 0
			? MHD_YES
			: MHD_NO);
	}
	r->suspended_now = 0;
	rc = dispatch(r);
	busy_add(srv, -1);
	if (rc == -1 && !r->responded && !r->suspended_now) {
		if (req_error(r, 500, "internal",
			"something went wrong on the "
			"server; nothing was changed") == -1)
			return (MHD_NO);
	}
	if (!r->responded && !r->suspended_now)
		return (
		    req_error(r, 500, "internal", "no answer was produced") == 0
			? MHD_YES
			: MHD_NO);
	return (MHD_YES);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;
	const union MHD_ConnectionInfo *ci;
	struct timespec now;
	char addr[64];
	struct buf b = { 0 };
	double secs;
	size_t ulen;
	static __thread char ts[32];
	static __thread time_t ts_at;
	time_t t;
	struct tm tm;

	(void)cls;
	if (r == NULL)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - r->start.tv_sec) +
	    (now.tv_nsec - r->start.tv_nsec) / 1e9;
	if (!r->responded)
		r->status = 0; /* client went away before an answer */
	conn_rec_ready(r->rec);
	metrics_request(r->slot, (int)r->status, secs);
	if (log_requests()) {
		ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		log_addr_truncated(
		    ci ? ci->client_addr : NULL, addr, sizeof(addr));
		if ((t = time(NULL)) != ts_at) { /* format once a second */
			gmtime_r(&t, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
			ts_at = t;
		}
		ulen = strlen(r->url);
		if (ulen > 256)
			ulen = 256;
		buf_printf(&b, "{\"t\":\"%s\",\"client\":\"%s\",\"method\":\"",
		    ts, addr);
		buf_json_str(&b, r->method, strlen(r->method));
		buf_puts(&b, "\",\"path\":\"");
		buf_json_str(&b, r->url, ulen);
		buf_printf(&b,
		    "\",\"route\":\"%s\",\"status\":%u,\"ms\":%.3f%s}\n",
		    r->route                     ? r->route->pattern
			: r->slot == SLOT_STATIC ? "static"
						 : "-",
		    r->status, secs * 1e3,
		    toe != MHD_REQUEST_TERMINATED_COMPLETED_OK
			? ",\"aborted\":true"
			: "");
		if (b.p != NULL)
			log_request_line(b.p, b.n);
		buf_free(&b);
	}
	req_free(r);
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct server *srv = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(
		    conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			*socket_context =
			    conntrack_open(srv->ct, ci->connect_fd);
		metrics_conn_open(1);
		return;
	}
	/* MHD closes the fd after this returns: the sweeper, which holds
	** the same lock, never shuts a number that is no longer ours. */
	conntrack_close(srv->ct, *socket_context);
	*socket_context = NULL;
	metrics_conn_open(-1);
}

/* Leaves %HH in the path and arguments: urlpath.c decodes them itself. */
static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return (strlen(s));
}

static void
tls_free(struct server *s)
{
	free(s->tls_cert);
	if (s->tls_key != NULL)
		sodium_memzero(s->tls_key, strlen(s->tls_key));
	free(s->tls_key);
	s->tls_cert = s->tls_key = NULL;
}

/* Reads --tls-cert and --tls-key. Both or neither; the key must not be
** readable by group or others. 0, or -1 with ${e}. */
static int
tls_load(struct server *s, const struct config *c, struct err *e)
{
	struct stat st;
	size_t n;

	if (c->tls_cert[0] == '\0' && c->tls_key[0] == '\0')
		return (0);
	if (c->tls_cert[0] == '\0' || c->tls_key[0] == '\0')
		return (err_set(e, ERR_INVALID,
		    "--tls-cert and --tls-key go together: give both"));
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		return (err_set(e, ERR_INVALID,
		    "this libmicrohttpd has no TLS; put a reverse proxy "
		    "in front (ops/README.md)"));
	if (stat(c->tls_key, &st) == 0 && (st.st_mode & 077) != 0)
		return (err_set(e, ERR_INVALID,
		    "%s is readable by others: chmod 600 it", c->tls_key));
	if (text_read_file(c->tls_cert, 1 << 20, &s->tls_cert, &n, e) == -1 ||
	    text_read_file(c->tls_key, 1 << 20, &s->tls_key, &n, e) == -1)
		return (-1);
	if (strstr(s->tls_cert, "-----BEGIN CERTIFICATE-----") == NULL)
		return (err_set(e, ERR_INVALID, "%s holds no PEM certificate",
		    c->tls_cert));
	if (strstr(s->tls_key, "PRIVATE KEY-----") == NULL)
		return (err_set(
		    e, ERR_INVALID, "%s holds no PEM private key", c->tls_key));
	return (0);
}

/*
** Raises the open-file limit toward what ${conns} connections need (plus
** the database, blobs and logs), up to the hard limit: a soft limit of
** 1024 would make --max-connections a promise the node cannot keep.
*/
static void
fd_limit_raise(long conns)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
	    ? want
	    : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
		log_err("open files are limited to %llu: fewer than the %ld "
			"connections --max-connections allows",
		    (unsigned long long)rl.rlim_cur, conns);
}

static void
db_key_free(void *p)
{
	db_close(p);
}

struct server *
server_start(struct node *n, const struct config *c, struct err *e)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const union MHD_DaemonInfo *di;
	unsigned int flags;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	struct server *s;
	size_t i;
	long threads;

	memset(&ss, 0, sizeof(ss));
	/* poll(), not epoll, by default: under epoll MHD takes a suspended
	** connection out of the epoll set and puts it back on resume, two
	** system calls for every request that waits for the writer, and on
	** a virtual machine those cost more than poll() scanning a drive's
	** few hundred connections. */
	flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    (c->epoll ? MHD_USE_EPOLL : MHD_USE_POLL) |
	    MHD_ALLOW_SUSPEND_RESUME;
	if (inet_pton(AF_INET, c->bind, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)c->port);
	} else if (inet_pton(AF_INET6, c->bind, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)c->port);
		flags |= MHD_USE_IPv6;
	} else {
		err_set(e, ERR_INVALID,
		    "--bind %s is not an IPv4 or IPv6 address", c->bind);
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	s->node = n;
	s->cfg = c;
	pthread_mutex_init(&s->smu, NULL);
	pthread_cond_init(&s->scv, NULL);
	if ((s->metric_names = calloc(nroutes + 2, sizeof(char *))) == NULL) {
		free(s);
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	for (i = 0; i < nroutes; i++) {
		struct buf b = { 0 };
		buf_printf(&b, "%s %s", routes[i].method, routes[i].pattern);
		s->metric_names[i] = buf_take(&b);
	}
	s->metric_names[SLOT_STATIC] = "static";
	s->metric_names[SLOT_OTHER] = "unmatched";
	metrics_set_routes(s->metric_names, nroutes + 2);
	s->rl_addr = ratelimit_new(
	    (double)c->rate_address, 4.0 * (double)c->rate_address);
	s->rl_account = ratelimit_new(
	    (double)c->rate_account, 4.0 * (double)c->rate_account);
	s->ul =
	    uploadlimit_new((size_t)c->upload_budget, c->uploads_per_account);
	s->ct = conntrack_start(
	    &(struct conntrack_limits){ .header_timeout = c->header_timeout,
		.busy_timeout = c->header_timeout_busy,
		.max_conns = c->max_conns,
		.min_rate = c->body_min_rate,
		.window = c->body_rate_window,
		.grace = c->body_grace });
	if (s->rl_addr == NULL || s->rl_account == NULL || s->ul == NULL ||
	    s->ct == NULL || hasher_start() == -1) {
		ratelimit_free(s->rl_addr);
		ratelimit_free(s->rl_account);
		uploadlimit_free(s->ul);
		conntrack_stop(s->ct);
		free(s->metric_names);
		free(s);
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	writer_on_batch(n->writer, metrics_commit_batch);
	pthread_key_create(&s->dbkey, db_key_free);
	fd_limit_raise(c->max_conns);
	threads = c->threads > 0 ? c->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (tls_load(s, c, e) == -1)
		goto fail;
	if (s->tls_cert != NULL) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
			s->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
			s->tls_key };
	}
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_ARRAY, tls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->conn_timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)c->per_ip_limit,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->conn_memory,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_conns,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (s->d == NULL) {
		err_set(e, ERR_INVALID,
		    "cannot listen on %s port %ld (in use, or "
		    "not an address of this machine)",
		    c->bind, c->port);
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : (unsigned short)c->port;
	return (s);
fail:
	tls_free(s);
	for (i = 0; i < nroutes; i++)
		free((char *)s->metric_names[i]);
	free(s->metric_names);
	pthread_key_delete(s->dbkey);
	ratelimit_free(s->rl_addr);
	ratelimit_free(s->rl_account);
	uploadlimit_free(s->ul);
	conntrack_stop(s->ct);
	free(s);
	return (NULL);
}

unsigned short
server_port(struct server *s)
{
	return (s->port);
}

void
server_stop(struct server *s)
{
	size_t i;

	if (s == NULL)
		return;
	MHD_quiesce_daemon(s->d);
	atomic_store(&s->stopping, 1);
	/* Every suspended connection waits on a hash or a writer job. The
	** writer finishes its queue (later submissions are refused at once),
	** and each finished job or hash resumes its connection; wait until no
	** handler runs and none is suspended, as MHD_stop_daemon requires. */
	writer_drain(s->node->writer);
	pthread_mutex_lock(&s->smu);
	while (atomic_load(&s->busy) > 0)
		pthread_cond_wait(&s->scv, &s->smu);
	pthread_mutex_unlock(&s->smu);
	MHD_stop_daemon(s->d);
	writer_on_batch(s->node->writer, NULL);
	conntrack_stop(s->ct); /* after MHD's last CLOSED notification */
	uploadlimit_free(s->ul);
	tls_free(s);
	metrics_set_routes(NULL, 0);
	log_flush();
	for (i = 0; i < nroutes; i++)
		free((char *)s->metric_names[i]);
	free(s->metric_names);
	pthread_key_delete(s->dbkey);
	ratelimit_free(s->rl_addr);
	ratelimit_free(s->rl_account);
	free(s);
}

int
http_metrics(struct req *r, struct buf *b)
{
	uint64_t h, body;

	conntrack_counts(r->srv->ct, &h, &body);
	return (buf_printf(b,
	    "# HELP tributary_connections_closed_slow_total Connections the "
	    "node closed for headers past --header-timeout (or to make room "
	    "when nearly full) and for bodies under --body-min-rate.\n"
	    "# TYPE tributary_connections_closed_slow_total counter\n"
	    "tributary_connections_closed_slow_total{part=\"headers\"} %llu\n"
	    "tributary_connections_closed_slow_total{part=\"body\"} %llu\n"
	    "# HELP tributary_upload_budget_bytes Bytes of request bodies "
	    "held now, against --upload-budget.\n"
	    "# TYPE tributary_upload_budget_bytes gauge\n"
	    "tributary_upload_budget_bytes %zu\n",
	    (unsigned long long)h, (unsigned long long)body,
	    uploadlimit_used(r->srv->ul)));
}

/*
** The database probe of /healthz, run live on every call: one read of a
** one-row table on this thread's connection, a few microseconds, so a
** failed database shows on the very next probe.
*/
int
http_db_probe(struct req *r, struct err *e)
{
	sqlite3_stmt *st;
	struct db *db;
	int rc;

	if ((db = req_db(r, e)) == NULL)
		return (-1);
	if ((st = db_prepare(db, SQL_HEALTH_PROBE, e)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "health probe"));
	return (0);
}
