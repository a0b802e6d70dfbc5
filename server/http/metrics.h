/*
** Counters for GET /metrics (Prometheus text format). Lock-free atomics:
** every request touches them.
*/
#ifndef TRIBUTARY_METRICS_H
#define TRIBUTARY_METRICS_H

#include <stddef.h>

#include "buf.h"

/* Names the route slots (index = route number) for the output. ${names}
** must outlive the process. ${n} at most METRICS_MAX_ROUTES. */
#define METRICS_MAX_ROUTES 128
void metrics_set_routes(const char *const *names, size_t n);
/* One finished request: route slot, HTTP status, seconds taken. */
void metrics_request(size_t route, int status, double seconds);
/* One writer batch of ${jobs} jobs; ${lost} if it did not commit. */
void metrics_commit_batch(size_t jobs, int lost);
/* Connection gauges: +1/-1. */
void metrics_conn_open(int delta);
void metrics_conn_suspended(int delta);
/* Appends the whole exposition to ${out}. Returns 0 or -1 (out of memory). */
int metrics_render(struct buf *out);

#endif
