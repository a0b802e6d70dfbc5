/*
** The life of a request (http.h): from libmicrohttpd's first call to the
** request's end, with what every handler reads of it on the way.
**
** Life of a request. libmicrohttpd calls on_request() several times:
**  1. First call: we allocate the request state, decode the path, find the
**     route and return. Nothing is answered here (answering on the first
**     call makes MHD close keep-alive connections), except what must be
**     refused before a body (refuse_early(): another site, a body that is
**     not JSON, no length, over the limit, the upload budget), since MHD
**     cannot answer in the middle of a body.
**  2. Body calls: bytes are appended up to the route's max_body.
**  3. Final call (*upload_data_size == 0): dispatch() checks the session,
**     role, CSRF and rate limits once (check_request()) and runs the
**     handler. It either queues a response (respond.c) or submits a
**     writer job and suspends.
**  4. After a writer job the connection is resumed and the handler runs
**     again; req_job() now returns the outcome.
** on_completed() logs one JSON line, counts metrics and frees the state.
**
** Within one call of an /api/ handler, every read goes through one
** snapshot of the database (req_db(), read_end()). The server itself
** (start, stop, TLS, connections) is server.c; sessions and CSRF are
** session.c.
*/
#include "http_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "consent.h"
#include "conntrack.h"
#include "dbcache.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "uploadlimit.h"

static const char SQL_HEALTH_PROBE[] = "SELECT count(*) FROM node_meta";
static const char SQL_READ_BEGIN[] = "BEGIN";
static const char SQL_READ_END[] = "COMMIT";

/* ---------------------------------------------------------------------
** Routing: the route a path and method name
*/

int
req_route_match(struct req *r, const char *pattern)
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
			r->params[r->nparams].tail = 1;
			if (len > 3 && p[len - 2] == '*' && p[len] == '\0') {
				/* {name*}: this segment and all after it */
				r->params[r->nparams].namelen = len - 3;
				r->params[r->nparams].tail = r->path.nseg - i;
				r->nparams++;
				return (1);
			}
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
** Joins the segments a {name*} parameter took into one string, in place:
** the decoded segments lie one after another in path.mem, each ended by a
** NUL, so the NULs between them become '/'. Only once the route is
** chosen: nothing matches against the segments after that.
*/
static void
params_join(struct req *r)
{
	size_t k, j, first;
	char *mem = r->path.mem;

	for (k = 0; k < r->nparams; k++) {
		if (r->params[k].tail < 2)
			continue;
		first = r->path.nseg - r->params[k].tail;
		for (j = first; j + 1 < r->path.nseg; j++)
			mem[(r->path.seg[j] - mem) + r->path.seglen[j]] = '/';
	}
}

/*
** Finds the route for the request. The table is short and scanned in
** order (patterns with {params} do not sort usefully); a path that matches
** under another method sets bad_method for the 405. A path whose segments
** hold an encoded '/' is only for the Hub read API's routes: for any
** other it is unsafe, as urlpath.c calls it.
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
		if (!req_route_match(r, routes[i].pattern))
			continue;
		r->hub_path |= route_is_hub(&routes[i]);
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (head && strcmp(routes[i].method, "GET") == 0)) {
			r->route = &routes[i];
			r->slot = i;
			r->max_body = routes[i].max_body;
			params_join(r);
			return;
		}
		r->bad_method = 1;
	}
	r->nparams = 0;
	if (r->path.slashed && !r->hub_path) {
		urlpath_free(&r->path);
		r->path_status = URLPATH_UNSAFE;
		r->bad_method = 0;
	}
}

/* ---------------------------------------------------------------------
** What a handler reads of its request
*/

struct hubcache *
req_hubs(struct req *r)
{
	return (r->srv->hubs);
}

struct node *
req_node(struct req *r)
{
	return (r->srv->node);
}

const struct consent_set *
req_consents(struct req *r)
{
	struct consent_shelf *sh = r->srv->node->consents;

	if (r->consents == NULL && sh != NULL)
		r->consents = consent_shelf_hold(sh);
	return (r->consents);
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
req_url(struct req *r)
{
	return (r->url);
}

int
req_peer_trusted(struct req *r)
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
	if (req_peer_trusted(r) &&
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

/*
** The ${kind} value ${name} (a query argument or a header),
** percent-decoded as a query component, into ${v}: as req_query_arg().
*/
static int
value_decoded(
    struct req *r, enum MHD_ValueKind kind, const char *name, const char **v)
{
	const char *raw;
	struct buf b = { 0 };

	*v = NULL;
	raw = MHD_lookup_connection_value(r->conn, kind, name);
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

int
req_query_arg(struct req *r, const char *name, const char **v)
{
	return (value_decoded(r, MHD_GET_ARGUMENT_KIND, name, v));
}

int
req_header_arg(struct req *r, const char *name, const char **v)
{
	return (value_decoded(r, MHD_HEADER_KIND, name, v));
}

const char *
req_query(struct req *r, const char *name)
{
	const char *v;

	return (req_query_arg(r, name, &v) == 1 ? v : NULL);
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
req_stream_body(struct req *r, req_sink_fn fn)
{
	r->sink = fn;
}

void
req_set_state(struct req *r, void *state, void (*free_fn)(void *))
{
	r->state = state;
	r->state_free = free_fn;
}

void *
req_state(struct req *r)
{
	return (r->state);
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

/* ---------------------------------------------------------------------
** The read snapshot: one read transaction per call of an /api/ handler
*/

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

/* ---------------------------------------------------------------------
** Waiting for a hash or a writer job
*/

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

static void
req_job_done(struct writer_job *job)
{
	struct req *r = job->done_arg;

	r->job_state = JOB_DONE;
	req_resume(r);
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

int
req_write(struct req *r, const struct req_write *w)
{
	const struct writer_job *j;
	void *arg;
	int rc;

	if ((j = req_job(r)) != NULL) {
		if (j->status != WRITER_OK)
			return (w->failed != NULL ? w->failed(r, j)
						  : req_fail(r, &j->err));
		return (w->answer(r, r->state));
	}
	if ((arg = calloc(1, w->state_size)) == NULL)
		return (-1);
	req_set_state(r, arg, w->state_free);
	if ((rc = w->build(r, r->state, &arg)) != 1)
		return (rc);
	return (req_submit_job(r, w->job, arg, w->flags));
}

/* ---------------------------------------------------------------------
** The checks before a handler runs, and its run
*/

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
** Rate limits (when ${limits}), session, role and CSRF for a routed
** request. Returns 0 to go on, 1 if a refusal was queued.
*/
static int
check_request(struct req *r, int limits)
{
	struct err e = { 0 };
	char key[40];
	int ra = 0;
	time_t now = time(NULL);

	if (strncmp(r->route->pattern, "/api/", 5) != 0 &&
	    r->route->role == ROLE_ANY)
		return (0); /* /healthz, /metrics: no session, no limit */
	if (limits &&
	    !ratelimit_take(
		r->srv->rl_addr, req_client(r), ratelimit_now(), &ra)) {
		r->retry_after = ra;
		req_error(r, 429, "rate_limited",
		    "too many requests from this network; try again in %d s",
		    ra);
		return (1);
	}
	req_read_cookie(r);
	if (r->token[0] != '\0' &&
	    (r->has_session = req_session_lookup(r, now, &e)) == -1) {
		req_fail(r, &e);
		return (1);
	}
	if (r->route->role != ROLE_ANY && !r->has_session) {
		req_error(r, 401, "login_required", "log in to use this");
		return (1);
	}
	if (r->has_session && limits) {
		account_key(r->sess.account_id, key);
		if (!ratelimit_take(
			r->srv->rl_account, key, ratelimit_now(), &ra)) {
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
		if (!req_csrf_ok(r)) {
			req_error(r, 403, "csrf",
			    "this request lacks the session's X-CSRF-Token "
			    "header; reload the page");
			return (1);
		}
	}
	if (r->has_session && r->sess.last_seen < now - 3600)
		req_session_touch(r);
	return (0);
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
		if (r->hub_path && strcmp(r->method, "OPTIONS") == 0)
			return (req_cors_preflight(r));
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
	if (req_peer_trusted(r))
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
	if (rt->also_takes != NULL &&
	    strncasecmp(ct, rt->also_takes, strlen(rt->also_takes)) == 0)
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
** limit in flight (429). Routes that take large bodies (a limit set per
** request, or over LARGE_UPLOAD) check session, role, CSRF and rate
** limits here too. ${declared} is the Content-Length
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
	/* The Hub read API's POST (paths-info) only reads: a page elsewhere
	** may ask it (CORS), in JSON or as a form, as the Hub's clients do. */
	api_write = rt != NULL && strncmp(rt->pattern, "/api/", 5) == 0 &&
	    method_writes(r->method) && !route_is_hub(rt);
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
		if (rt != NULL &&
		    (rt->body_limit != NULL || rt->max_body > LARGE_UPLOAD)) {
			/* A large body is only for someone allowed to send
			** it: session, role, CSRF and rate limits first. */
			r->checked = r->recheck = 1;
			if (check_request(r, 1) == 1)
				return (r->responded ? 1 : -1);
			if (rt->body_limit != NULL &&
			    (limit = rt->body_limit(r)) > 0)
				r->max_body = limit;
			if (r->responded)
				return (1); /* refused by body_limit */
		}
		if (declared > r->max_body) {
			ok = req_error(r, 413, "too_large",
			    "the request body is over the %zu bytes this "
			    "endpoint accepts",
			    r->max_body);
		} else if (declared == 0 || r->sink != NULL)
			return (0); /* a streamed body is not held */
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

/* ---------------------------------------------------------------------
** libmicrohttpd's calls: a request's start, body and end
*/

/* The deadline record of ${conn} (conntrack.h), or NULL. */
static struct conn_rec *
conn_rec_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return (ci != NULL ? ci->socket_context : NULL);
}

/*
** The first call of a request, its headers in: allocates it, finds its
** route, and refuses it before its body if it must be (refuse_early()).
** Static with one caller, so the compiler folds it into on_request().
*/
static enum MHD_Result
request_begin(struct server *srv, struct MHD_Connection *conn, const char *url,
    const char *method, void **con_cls)
{
	unsigned long long declared = 0;
	struct req *r;
	const char *cl;
	int rc, chunked;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (MHD_NO);
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->srv = srv;
	r->conn = conn;
	r->method = method;
	r->url = url;
	r->path_status = urlpath_parse_ex(url, strlen(url), &r->path,
	    strncmp(url, "/api/datasets/", 14) == 0 ||
		    strncmp(url, "/datasets/", 10) == 0
		? URLPATH_SLASH_OK
		: 0);
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
	if (declared > 65536 && r->sink == NULL &&
	    buf_reserve(&r->body, (size_t)declared) == -1)
		return (MHD_NO);
	return (MHD_YES);
}

/*
** The last call, the body complete (or the request resumed): runs it
** through dispatch(), unless the node is shutting down, and answers 500
** if the handler did not answer. Static with one caller, as above.
*/
static enum MHD_Result
request_run(struct server *srv, struct req *r)
{
	int rc;

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

enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)version;
	if (r == NULL)
		return (request_begin(cls, conn, url, method, con_cls));
	if (*upload_data_size > 0) {
		conn_rec_body(r->rec, *upload_data_size);
		if (r->sink != NULL) {
			if (r->streamed + *upload_data_size > r->max_body ||
			    r->sink(r, upload_data, *upload_data_size) == -1)
				return (MHD_NO);
			r->streamed += *upload_data_size;
			*upload_data_size = 0;
			return (MHD_YES);
		}
		/* Only a body without a length can outgrow its limit (MHD
		** holds one with a length to it): close at once rather than
		** read and discard it, since no answer can go mid-body. */
		if (r->body.n + *upload_data_size > r->max_body ||
		    buf_append(&r->body, upload_data, *upload_data_size) == -1)
			return (MHD_NO);
		*upload_data_size = 0;
		return (MHD_YES);
	}
	return (request_run(cls, r));
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
	if (r->consents != NULL)
		consent_shelf_drop(r->srv->node->consents, r->consents);
	free(r);
}

void
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
