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
/* Appends the whole exposition to ${out}. Returns 0 or -1 (out of memory). */
int metrics_render(struct buf *out);

#endif
