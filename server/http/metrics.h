/*
** Counters for GET /metrics (Prometheus text format). Lock-free atomics:
** every request touches them.
*/
#ifndef TRIBUTARY_METRICS_H
#define TRIBUTARY_METRICS_H

#include <stddef.h>

#include "buf.h"

/* Names the route slots (index = route number) for the output. ${names}
** must live until they are named again (NULL, 0: none); slots past
** METRICS_MAX_ROUTES are not shown. Can't fail. */
#define METRICS_MAX_ROUTES 128
void metrics_set_routes(const char *const *names, size_t n);
/* One finished request: route slot, HTTP status, seconds taken. Can't
** fail. */
void metrics_request(size_t route, int status, double seconds);
/* One writer batch of ${jobs} jobs; ${lost} if it did not commit. Can't
** fail. */
void metrics_commit_batch(size_t jobs, int lost);
/* Connection gauges: +1/-1. Can't fail. */
void metrics_conn_open(int delta);
void metrics_conn_suspended(int delta);
/*
** What serve's federation timer (cli/fedtimer.c) has done since the node
** started, and where each peer stands after its latest pull: handed over
** whole after each pull with metrics_federation(), which copies it, and
** shown as tributary_federation_*. At most METRICS_FED_PEERS peers are
** named (a maintainer adds peers: they are few); peers_failing counts
** them all.
*/
#define METRICS_FED_PEERS 100
struct metrics_fed_peer {
	char name[65];
	long long last_ok_at; /* Unix time of its last good pull; 0 never */
	unsigned long long failures; /* pulls of it that failed */
};
struct metrics_fed {
	unsigned long long pulls;        /* pulls run */
	unsigned long long pulls_failed; /* of them, with a peer failed or
					    none started */
	unsigned long long files;        /* files downloaded */
	unsigned long long bytes;        /* bytes of their bodies received */
	unsigned long long releases;     /* releases recorded new */
	unsigned long long revoked;      /* ids new on the peers' lists */
	size_t peers_failing;            /* peers whose latest pull failed */
	size_t npeers;                   /* of peers[] */
	struct metrics_fed_peer peers[METRICS_FED_PEERS];
};
/* Shows ${f} (copied) from now on; NULL: no federation figures (the
** timer is off). Can't fail. */
void metrics_federation(const struct metrics_fed *f);
/* Appends the whole exposition to ${out}. Returns 0 or -1 (out of memory). */
int metrics_render(struct buf *out);

#endif
