/*
** What the files of the HTTP layer's core share and nobody else sees:
** the server (server.c), the request (request.c), responses (respond.c)
** and sessions (session.c) all work on the two structures below. Included
** only by those four files; handlers see http.h.
*/
#ifndef TRIBUTARY_HTTP_INT_H
#define TRIBUTARY_HTTP_INT_H

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "urlpath.h"

#define MAX_PARAMS 8
#define MAX_KEPT   16

/* Metrics slots after the routes. */
#define SLOT_STATIC (nroutes)
#define SLOT_OTHER  (nroutes + 1)

enum job_state { JOB_NONE, JOB_PENDING, JOB_DONE };

struct server {
	struct MHD_Daemon *d;
	struct node *node;
	const struct config *cfg;
	unsigned short port;
	pthread_key_t dbkey;
	int has_dbkey; /* dbkey was created */
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
	char *tls_cert, *tls_key;  /* PEM, NUL-terminated; NULL: plain HTTP */
	struct hubcache *hubs;     /* releases as Hub repos (hubrepo.h) */
	struct compress_cache *zc; /* compressed static files (compress.h) */
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
	int hub_path;   /* the path is one of the Hub read API's */
	struct {
		const char *name; /* into the route pattern */
		size_t namelen;
		const char *val; /* into path.mem */
		size_t tail;     /* segments it takes ({name*}: all the rest) */
	} params[MAX_PARAMS];
	size_t nparams;
	struct buf body;
	size_t max_body;
	req_sink_fn sink;     /* takes the body instead of ${body} */
	size_t streamed;      /* bytes handed to the sink */
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
	const struct consent_set *consents; /* held (req_consents) */
};

/* request.c */

/* libmicrohttpd's access handler: every call of every request (the story
** is at the top of request.c). */
enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
    const char *url, const char *method, const char *version,
    const char *upload_data, size_t *upload_data_size, void **con_cls);
/* libmicrohttpd's completion callback: logs the request, counts it for
** /metrics and frees it. Can't fail. */
void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe);
/*
** Matches the decoded path against ${pattern}. Returns 1 and fills the
** request's params on a match, 0 otherwise. Can't fail.
*/
int req_route_match(struct req *r, const char *pattern);
/* Is the peer one of the --trusted-proxy addresses? Can't fail. */
int req_peer_trusted(struct req *r);
/* Answers an OPTIONS preflight on a Hub read API path: 204 with the
** methods and headers a page elsewhere may use. 0, or -1. */
int req_cors_preflight(struct req *r);

/* session.c, and the cookie's reading, inline here */

/*
** Reads the session cookie, if it has a token's length, into r->token.
** Inline: every request with a role asks it. Can't fail.
*/
static inline void
req_read_cookie(struct req *r)
{
	const char *c;
	size_t n;

	c = MHD_lookup_connection_value(
	    r->conn, MHD_COOKIE_KIND, "tributary_session");
	if (c == NULL || (n = strlen(c)) != SESSION_TOKEN_LEN)
		return;
	memcpy(r->token, c, n + 1);
}

/*
** The live session for r->token into r->sess: remembered by this thread
** while nothing that could change it was committed (dbcache.h), else read.
** Expiry and idleness are judged at ${now} either way. 1, 0 (none, expired,
** or its account disabled), or -1 with ${e} set.
*/
int req_session_lookup(struct req *r, time_t now, struct err *e);
/* Does the request's X-CSRF-Token match its session's? Can't fail. */
int req_csrf_ok(struct req *r);
/* Has the writer refresh the session's last use, in the background. Out
** of memory skips it: the next request tries again. */
void req_session_touch(struct req *r);

#endif
