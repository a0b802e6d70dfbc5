/*
** Prometheus counters (metrics.h).
*/
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static const double lat_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NLAT (sizeof(lat_bounds) / sizeof(lat_bounds[0]))
static const double batch_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
	1024 };
#define NBATCH (sizeof(batch_bounds) / sizeof(batch_bounds[0]))

/* Statuses are folded into a few slots to keep the table small. */
static const int statuses[] = { 200, 201, 204, 206, 304, 400, 401, 403, 404,
	405, 409, 413, 415, 416, 429, 500, 503, 507 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

static const char *const *route_names;
static size_t nroutes;
static atomic_ullong reqs[METRICS_MAX_ROUTES][NSTATUS];
static atomic_ullong lat_bucket[NLAT + 1];
static atomic_ullong lat_sum_us, lat_count;
static atomic_ullong batch_bucket[NBATCH + 1];
static atomic_ullong batch_count, batch_jobs, batch_lost;
static atomic_llong conns_open, conns_suspended;
/* The federation timer's figures: written once a pull, read per scrape. */
static pthread_mutex_t fed_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metrics_fed fed;
static int fed_on;

void
metrics_set_routes(const char *const *names, size_t n)
{
	route_names = names;
	nroutes = n < METRICS_MAX_ROUTES ? n : METRICS_MAX_ROUTES;
}

static size_t
status_slot(int status)
{
	size_t i;

	for (i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return (i);
	return (NSTATUS - 1);
}

void
metrics_request(size_t route, int status, double seconds)
{
	size_t i;

	if (route < nroutes)
		atomic_fetch_add_explicit(
		    &reqs[route][status_slot(status)], 1, memory_order_relaxed);
	for (i = 0; i < NLAT && seconds > lat_bounds[i]; i++)
		;
	atomic_fetch_add_explicit(&lat_bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&lat_sum_us,
	    (unsigned long long)(seconds * 1e6), memory_order_relaxed);
	atomic_fetch_add_explicit(&lat_count, 1, memory_order_relaxed);
}

void
metrics_commit_batch(size_t jobs, int lost)
{
	size_t i;

	for (i = 0; i < NBATCH && (double)jobs > batch_bounds[i]; i++)
		;
	atomic_fetch_add(&batch_bucket[i], 1);
	atomic_fetch_add(&batch_count, 1);
	atomic_fetch_add(&batch_jobs, jobs);
	if (lost)
		atomic_fetch_add(&batch_lost, 1);
}

void
metrics_conn_open(int delta)
{
	atomic_fetch_add(&conns_open, delta);
}

void
metrics_conn_suspended(int delta)
{
	atomic_fetch_add(&conns_suspended, delta);
}

void
metrics_federation(const struct metrics_fed *f)
{
	size_t i;

	pthread_mutex_lock(&fed_lock);
	fed_on = f != NULL;
	if (f != NULL) {
		memcpy(&fed, f, sizeof(fed));
		if (fed.npeers > METRICS_FED_PEERS)
			fed.npeers = METRICS_FED_PEERS;
		for (i = 0; i < fed.npeers; i++)
			fed.peers[i].name[sizeof(fed.peers[i].name) - 1] = '\0';
	}
	pthread_mutex_unlock(&fed_lock);
}

/* A peer's name as a label value: \, " and newlines escaped, as the
** text format asks (names are [A-Za-z0-9._-] today). */
static int
label_value(struct buf *o, const char *s)
{
	int rc = 0;

	for (; *s != '\0'; s++)
		if (*s == '\\' || *s == '"')
			rc |= buf_printf(o, "\\%c", *s);
		else if (*s == '\n')
			rc |= buf_puts(o, "\\n");
		else
			rc |= buf_printf(o, "%c", *s);
	return (rc);
}

/* The per-peer series ${name} of ${f}: ${what} 0 failures, 1 last good
** pull (left out for a peer never pulled well). */
static int
fed_per_peer(
    struct buf *o, const struct metrics_fed *f, const char *name, int what)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < f->npeers; i++) {
		const struct metrics_fed_peer *p = &f->peers[i];

		if (what == 1 && p->last_ok_at == 0)
			continue;
		rc |= buf_printf(o, "%s{peer=\"", name);
		rc |= label_value(o, p->name);
		if (what == 0)
			rc |= buf_printf(o, "\"} %llu\n", p->failures);
		else
			rc |= buf_printf(o, "\"} %lld\n", p->last_ok_at);
	}
	return (rc);
}

/* Appends the federation figures, if the timer is on. 0 or -1. */
static int
fed_render(struct buf *o)
{
	int rc = 0;

	pthread_mutex_lock(&fed_lock);
	if (!fed_on) {
		pthread_mutex_unlock(&fed_lock);
		return (0);
	}
	rc |= buf_printf(o,
	    "# HELP tributary_federation_pulls_total Pulls of the peers "
	    "run by the node's timer (--federate-every).\n"
	    "# TYPE tributary_federation_pulls_total counter\n"
	    "tributary_federation_pulls_total %llu\n"
	    "# HELP tributary_federation_pulls_failed_total Of them, pulls "
	    "in which a peer failed or that could not start.\n"
	    "# TYPE tributary_federation_pulls_failed_total counter\n"
	    "tributary_federation_pulls_failed_total %llu\n"
	    "# HELP tributary_federation_files_fetched_total Release files "
	    "downloaded from peers and verified.\n"
	    "# TYPE tributary_federation_files_fetched_total counter\n"
	    "tributary_federation_files_fetched_total %llu\n"
	    "# HELP tributary_federation_bytes_received_total Bytes of "
	    "release file bodies received from peers.\n"
	    "# TYPE tributary_federation_bytes_received_total counter\n"
	    "tributary_federation_bytes_received_total %llu\n"
	    "# HELP tributary_federation_releases_recorded_total Peers' "
	    "releases recorded new.\n"
	    "# TYPE tributary_federation_releases_recorded_total counter\n"
	    "tributary_federation_releases_recorded_total %llu\n"
	    "# HELP tributary_federation_revocations_applied_total Ids new "
	    "on the peers' signed revocation lists.\n"
	    "# TYPE tributary_federation_revocations_applied_total counter\n"
	    "tributary_federation_revocations_applied_total %llu\n"
	    "# HELP tributary_federation_peers_failing Peers whose latest "
	    "pull failed.\n"
	    "# TYPE tributary_federation_peers_failing gauge\n"
	    "tributary_federation_peers_failing %zu\n",
	    fed.pulls, fed.pulls_failed, fed.files, fed.bytes, fed.releases,
	    fed.revoked, fed.peers_failing);
	rc |= buf_puts(o,
	    "# HELP tributary_federation_peer_pulls_failed_total Pulls of "
	    "a peer that failed (the peer list says why).\n"
	    "# TYPE tributary_federation_peer_pulls_failed_total counter\n");
	rc |= fed_per_peer(
	    o, &fed, "tributary_federation_peer_pulls_failed_total", 0);
	rc |= buf_puts(o,
	    "# HELP tributary_federation_peer_last_success_timestamp_seconds "
	    "When a peer was last pulled whole.\n"
	    "# TYPE tributary_federation_peer_last_success_timestamp_seconds "
	    "gauge\n");
	rc |= fed_per_peer(o, &fed,
	    "tributary_federation_peer_last_success_timestamp_seconds", 1);
	pthread_mutex_unlock(&fed_lock);
	return (rc);
}

int
metrics_render(struct buf *o)
{
	unsigned long long v, cum;
	size_t r, s, i;
	int rc = 0;

	rc |= buf_puts(o,
	    "# HELP tributary_http_requests_total Requests "
	    "answered, by route and status.\n"
	    "# TYPE tributary_http_requests_total counter\n");
	for (r = 0; r < nroutes; r++)
		for (s = 0; s < NSTATUS; s++) {
			if ((v = atomic_load(&reqs[r][s])) == 0)
				continue;
			if (s < NSTATUS - 1)
				rc |= buf_printf(o,
				    "tributary_http_requests_total"
				    "{route=\"%s\",status=\"%d\"} %llu\n",
				    route_names[r], statuses[s], v);
			else
				rc |= buf_printf(o,
				    "tributary_http_requests_total"
				    "{route=\"%s\",status=\"other\"} %llu\n",
				    route_names[r], v);
		}
	rc |= buf_puts(o,
	    "# HELP tributary_http_request_duration_seconds Time "
	    "from first byte to response queued.\n"
	    "# TYPE tributary_http_request_duration_seconds histogram\n");
	for (i = 0, cum = 0; i <= NLAT; i++) {
		cum += atomic_load(&lat_bucket[i]);
		if (i < NLAT)
			rc |= buf_printf(o,
			    "tributary_http_request_duration_seconds"
			    "_bucket{le=\"%g\"} %llu\n",
			    lat_bounds[i], cum);
		else
			rc |= buf_printf(o,
			    "tributary_http_request_duration_seconds"
			    "_bucket{le=\"+Inf\"} %llu\n",
			    cum);
	}
	rc |= buf_printf(o,
	    "tributary_http_request_duration_seconds_sum %.6f\n"
	    "tributary_http_request_duration_seconds_count %llu\n",
	    atomic_load(&lat_sum_us) / 1e6, atomic_load(&lat_count));
	rc |= buf_puts(o,
	    "# HELP tributary_commit_batch_jobs Jobs per group "
	    "commit.\n# TYPE tributary_commit_batch_jobs histogram\n");
	for (i = 0, cum = 0; i <= NBATCH; i++) {
		cum += atomic_load(&batch_bucket[i]);
		if (i < NBATCH)
			rc |= buf_printf(o,
			    "tributary_commit_batch_jobs_bucket"
			    "{le=\"%g\"} %llu\n",
			    batch_bounds[i], cum);
		else
			rc |= buf_printf(o,
			    "tributary_commit_batch_jobs_bucket"
			    "{le=\"+Inf\"} %llu\n",
			    cum);
	}
	rc |= buf_printf(o,
	    "tributary_commit_batch_jobs_sum %llu\n"
	    "tributary_commit_batch_jobs_count %llu\n",
	    atomic_load(&batch_jobs), atomic_load(&batch_count));
	rc |= buf_printf(o,
	    "# HELP tributary_commit_batches_lost_total Batches "
	    "that did not commit (none of their jobs acknowledged).\n"
	    "# TYPE tributary_commit_batches_lost_total counter\n"
	    "tributary_commit_batches_lost_total %llu\n",
	    atomic_load(&batch_lost));
	rc |= buf_printf(o,
	    "# HELP tributary_connections_open Open HTTP "
	    "connections.\n# TYPE tributary_connections_open gauge\n"
	    "tributary_connections_open %lld\n"
	    "# HELP tributary_connections_suspended Connections waiting for "
	    "the writer.\n# TYPE tributary_connections_suspended gauge\n"
	    "tributary_connections_suspended %lld\n",
	    atomic_load(&conns_open), atomic_load(&conns_suspended));
	rc |= fed_render(o);
	return (rc ? -1 : 0);
}
