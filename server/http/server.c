/*
** The server (http.h): starting libmicrohttpd on the configured address,
** with TLS when a certificate is given, and the limits every request is
** held to (rates, the upload budget, connection deadlines); its
** connection callback; its /metrics figures; and stopping it, which lets
** every request under way finish first. What happens to each request is
** request.c's.
*/
#include "http_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "compress.h"
#include "conntrack.h"
#include "hasher.h"
#include "hubrepo.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "text.h"
#include "uploadlimit.h"

/*
** libmicrohttpd's connection callback: a connection opened gets a record
** of its deadlines (conntrack.h), one closing gives it back. Can't fail:
** a connection with no record is simply not watched.
*/
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

/* Forgets the TLS certificate and wipes the key. Can't fail. */
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

/* Closes a thread's database connection as the thread ends. */
static void
db_key_free(void *p)
{
	db_close(p);
}

/*
** The address to listen on, --bind and --port, into ${ss}, adding
** MHD_USE_IPv6 to ${flags} for an IPv6 one. 0, or -1 with ${e} set.
*/
static int
listen_address(const struct config *c, struct sockaddr_storage *ss,
    unsigned int *flags, struct err *e)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, c->bind, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)c->port);
	} else if (inet_pton(AF_INET6, c->bind, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)c->port);
		*flags |= MHD_USE_IPv6;
	} else
		return (err_set(e, ERR_INVALID,
		    "--bind %s is not an IPv4 or IPv6 address", c->bind));
	return (0);
}

/*
** Names the /metrics slots: "METHOD /pattern" for each route, then the
** static files and what matched nothing. 0, or -1 out of memory.
*/
static int
metric_names_make(struct server *s)
{
	size_t i;

	if ((s->metric_names = calloc(nroutes + 2, sizeof(char *))) == NULL)
		return (-1);
	for (i = 0; i < nroutes; i++) {
		struct buf b = { 0 };
		buf_printf(&b, "%s %s", routes[i].method, routes[i].pattern);
		s->metric_names[i] = buf_take(&b);
	}
	s->metric_names[SLOT_STATIC] = "static";
	s->metric_names[SLOT_OTHER] = "unmatched";
	metrics_set_routes(s->metric_names, nroutes + 2);
	return (0);
}

/*
** What every request is held to: the rate limits per address and per
** account, the upload budget, and the connection deadlines (whose sweeper
** starts here). 0, or -1 out of memory (or no thread).
*/
static int
limits_make(struct server *s, const struct config *c)
{
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
	    s->ct == NULL)
		return (-1);
	return (0);
}

/*
** Starts libmicrohttpd on ${ss} with ${flags} and the settings in ${c}
** (TLS if tls_load() found a certificate), and learns the port it bound.
** 0, or -1 with ${e} set.
*/
static int
daemon_start(struct server *s, const struct config *c, unsigned int flags,
    const struct sockaddr_storage *ss, struct err *e)
{
	const union MHD_DaemonInfo *di;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL },
		{ MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };
	long threads;

	threads = c->threads > 0 ? c->threads : sysconf(_SC_NPROCESSORS_ONLN);
	if (threads < 1)
		threads = 1;
	if (s->tls_cert != NULL) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
			s->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
			s->tls_key };
	}
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_ARRAY, tls, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->conn_timeout,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)c->per_ip_limit,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)c->conn_memory,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)c->max_conns,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (s->d == NULL)
		return (err_set(e, ERR_INVALID,
		    "cannot listen on %s port %ld (in use, or "
		    "not an address of this machine)",
		    c->bind, c->port));
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : (unsigned short)c->port;
	return (0);
}

/*
** Frees ${s} and all it holds, however far server_start() got: stops the
** daemon if it runs (every connection must be resumed by then), then the
** sweeper (after MHD's last CLOSED notification), the limits, TLS keys
** and /metrics names. Can't fail.
*/
static void
server_free(struct server *s)
{
	size_t i;

	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	writer_on_batch(s->node->writer, NULL);
	conntrack_stop(s->ct); /* after MHD's last CLOSED notification */
	uploadlimit_free(s->ul);
	tls_free(s);
	metrics_set_routes(NULL, 0);
	log_flush();
	if (s->metric_names != NULL)
		for (i = 0; i < nroutes; i++)
			free((char *)s->metric_names[i]);
	free(s->metric_names);
	if (s->has_dbkey)
		pthread_key_delete(s->dbkey);
	ratelimit_free(s->rl_addr);
	ratelimit_free(s->rl_account);
	hubcache_free(s->hubs);
	compress_cache_free(s->zc);
	pthread_cond_destroy(&s->scv);
	pthread_mutex_destroy(&s->smu);
	free(s);
}

struct server *
server_start(struct node *n, const struct config *c, struct err *e)
{
	struct sockaddr_storage ss;
	struct server *s;
	/* poll(), not epoll, by default: under epoll MHD takes a suspended
	** connection out of the epoll set and puts it back on resume, two
	** system calls for every request that waits for the writer, and on
	** a virtual machine those cost more than poll() scanning a drive's
	** few hundred connections. */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
	    (c->epoll ? MHD_USE_EPOLL : MHD_USE_POLL) |
	    MHD_ALLOW_SUSPEND_RESUME;

	if (listen_address(c, &ss, &flags, e) == -1)
		return (NULL);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	s->node = n;
	s->cfg = c;
	pthread_mutex_init(&s->smu, NULL);
	pthread_cond_init(&s->scv, NULL);
	if (metric_names_make(s) == -1 || limits_make(s, c) == -1 ||
	    hasher_start() == -1 ||
	    (s->hubs = hubcache_new(n->dir, c->hub_namespace, e)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	if (c->compress_cache > 0 &&
	    (s->zc = compress_cache_new((size_t)c->compress_cache,
		 (size_t)c->compress_max_file)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	writer_on_batch(n->writer, metrics_commit_batch);
	s->has_dbkey = pthread_key_create(&s->dbkey, db_key_free) == 0;
	fd_limit_raise(c->max_conns);
	if (tls_load(s, c, e) == -1 || daemon_start(s, c, flags, &ss, e) == -1)
		goto fail;
	return (s);
fail:
	server_free(s);
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
	server_free(s);
}

struct compress_cache *
req_compress(struct req *r)
{
	return (r->srv->zc);
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
	    "tributary_upload_budget_bytes %zu\n"
	    "# HELP tributary_compress_cache_bytes Bytes of compressed "
	    "copies of static files held now, against --compress-cache.\n"
	    "# TYPE tributary_compress_cache_bytes gauge\n"
	    "tributary_compress_cache_bytes %zu\n",
	    (unsigned long long)h, (unsigned long long)body,
	    uploadlimit_used(r->srv->ul), compress_cache_used(r->srv->zc)));
}
