/*
** Prometheus counters (metrics.h).
*/
#include "metrics.h"

#include <stdatomic.h>

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
	return (rc ? -1 : 0);
}
