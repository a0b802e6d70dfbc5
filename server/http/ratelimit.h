/*
** Token buckets keyed by a string (a client address, an account id). A
** bucket holds up to ${burst} tokens and refills ${rate} per second; a
** request takes one. Buckets idle long enough to be full again are
** forgotten, so memory stays bounded by the active clients.
*/
#ifndef TRIBUTARY_RATELIMIT_H
#define TRIBUTARY_RATELIMIT_H

#include <time.h>

struct ratelimit;

/* A limiter of ${rate} tokens a second, ${burst} at most per key. NULL if
** out of memory. */
struct ratelimit *ratelimit_new(double rate, double burst);
/* Frees ${rl}; NULL does nothing. Can't fail. */
void ratelimit_free(struct ratelimit *rl);
/*
** Now, in seconds on the monotonic clock: the ${now} that
** ratelimit_take() and loginguard's functions are told. Inline, as every
** API request asks it. Can't fail.
*/
static inline double
ratelimit_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}
/*
** Takes a token for ${key} at time ${now} (seconds, monotonic). Returns 1
** if allowed; 0 if not, with ${retry_after} set to whole seconds until a
** token is back. Can't fail: out of memory allows (never locks people
** out).
*/
int ratelimit_take(
    struct ratelimit *rl, const char *key, double now, int *retry_after);

#endif
