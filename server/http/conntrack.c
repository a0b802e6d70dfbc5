/*
** Header deadline and minimum body rate (conntrack.h). The request
** threads write a record's phase, clock and byte count with relaxed
** atomics (one store per body piece, no lock); the sweeper reads them
** under the list's lock, which also guards the list itself.
*/
#include "conntrack.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

#define SWEEP_MS 100

enum phase { PH_HEADERS, PH_BODY, PH_HANDLING };

struct conn_rec {
	struct conn_rec *prev, *next;
	int fd;
	atomic_int phase;
	atomic_uint gen;      /* bumped at every new body */
	atomic_llong since;   /* ms: ready for headers, or body start */
	atomic_ullong bytes;  /* body bytes so far */
	unsigned int win_gen; /* sweeper's: the body its window is of */
	long long win_start;  /* sweeper's: ms */
	unsigned long long win_bytes;
	int shut; /* sweeper's: already shut down */
};

struct conntrack {
	struct conntrack_limits lim;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct conn_rec *head;
	long n;
	int stop;
	pthread_t thread;
	atomic_ullong slow_headers, slow_bodies;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Is ${r} past a deadline at ${now}? 1 headers, 2 body, 0 no. Lock
** held. */
static int
overdue(struct conntrack *ct, struct conn_rec *r, long long now)
{
	const struct conntrack_limits *l = &ct->lim;
	long long since = atomic_load_explicit(&r->since, memory_order_relaxed);
	unsigned long long bytes;
	unsigned int gen;

	switch (atomic_load_explicit(&r->phase, memory_order_relaxed)) {
	case PH_HEADERS:
		return (now - since >= l->header_timeout * 1000LL ? 1 : 0);
	case PH_BODY:
		if (l->min_rate <= 0 || now - since < l->grace * 1000LL)
			return (0);
		gen = atomic_load_explicit(&r->gen, memory_order_relaxed);
		bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
		if (r->win_gen != gen) { /* a new body: open its window */
			r->win_gen = gen;
			r->win_start = now;
			r->win_bytes = bytes;
			return (0);
		}
		if (now - r->win_start < l->window * 1000LL)
			return (0);
		if ((bytes - r->win_bytes) * 1000ULL <
		    (unsigned long long)l->min_rate *
			(unsigned long long)(now - r->win_start))
			return (2);
		r->win_start = now;
		r->win_bytes = bytes;
		return (0);
	default: return (0);
	}
}

/* Shuts ${r}'s socket down, counted as slow headers (1) or body (2). MHD
** sees the end of the stream and closes the connection on its own
** thread. Lock held. */
static void
shut(struct conntrack *ct, struct conn_rec *r, int why)
{
	r->shut = 1;
	shutdown(r->fd, SHUT_RDWR);
	atomic_fetch_add(why == 1 ? &ct->slow_headers : &ct->slow_bodies, 1);
}

static int
older_first(const void *a, const void *b)
{
	long long x = atomic_load_explicit(
		      &(*(struct conn_rec *const *)a)->since,
		      memory_order_relaxed),
		  y = atomic_load_explicit(
		      &(*(struct conn_rec *const *)b)->since,
		      memory_order_relaxed);

	return (x < y ? -1 : x > y);
}

/*
** The node holds more than 15/16 of its connections: make room down to 7/8
** by closing the connections that have waited longest for their headers,
** among those waiting at least busy_timeout. Only as many as that, not
** every one overdue: closing them all at once would have them all dial
** again at once, overflow the listen queue, and drop a newcomer's
** connection with theirs. Lock held; ${v} has room for every record.
*/
static void
make_room(struct conntrack *ct, struct conn_rec **v, long long now)
{
	struct conn_rec *r;
	long k, n = 0, i;

	k = ct->n - ct->lim.max_conns * 7 / 8;
	for (r = ct->head; r != NULL; r = r->next)
		if (!r->shut &&
		    atomic_load_explicit(&r->phase, memory_order_relaxed) ==
			PH_HEADERS &&
		    now -
			    atomic_load_explicit(
				&r->since, memory_order_relaxed) >=
			ct->lim.busy_timeout * 1000LL)
			v[n++] = r;
	if (n > k)
		qsort(v, (size_t)n, sizeof(*v), older_first);
	for (i = 0; i < n && i < k; i++)
		shut(ct, v[i], 1);
}

static void *
sweeper(void *arg)
{
	struct conntrack *ct = arg;
	struct conn_rec *r, **v = NULL;
	struct timespec until;
	size_t cap = 0;
	long long now;
	int why;

	pthread_mutex_lock(&ct->mu);
	while (!ct->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += SWEEP_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ct->cv, &ct->mu, &until);
		if (ct->stop)
			break;
		now = now_ms();
		for (r = ct->head; r != NULL; r = r->next)
			if (!r->shut && (why = overdue(ct, r, now)) != 0)
				shut(ct, r, why);
		if (ct->n * 16 <= ct->lim.max_conns * 15)
			continue;
		if (cap < (size_t)ct->n) {
			struct conn_rec **nv;
			size_t ncap = (size_t)ct->n * 2;
			if ((nv = realloc(v, ncap * sizeof(*v))) == NULL)
				continue;
			v = nv;
			cap = ncap;
		}
		make_room(ct, v, now);
	}
	pthread_mutex_unlock(&ct->mu);
	free(v);
	return (NULL);
}

struct conntrack *
conntrack_start(const struct conntrack_limits *lim)
{
	struct conntrack *ct;

	if ((ct = calloc(1, sizeof(*ct))) == NULL)
		return (NULL);
	ct->lim = *lim;
	pthread_mutex_init(&ct->mu, NULL);
	pthread_cond_init(&ct->cv, NULL);
	if ((errno = pthread_create(&ct->thread, NULL, sweeper, ct)) != 0) {
		log_err(
		    "cannot start the connection sweeper: %s", strerror(errno));
		pthread_mutex_destroy(&ct->mu);
		pthread_cond_destroy(&ct->cv);
		free(ct);
		return (NULL);
	}
	return (ct);
}

void
conntrack_stop(struct conntrack *ct)
{
	struct conn_rec *r;

	if (ct == NULL)
		return;
	pthread_mutex_lock(&ct->mu);
	ct->stop = 1;
	pthread_cond_signal(&ct->cv);
	pthread_mutex_unlock(&ct->mu);
	pthread_join(ct->thread, NULL);
	while ((r = ct->head) != NULL) {
		ct->head = r->next;
		free(r);
	}
	pthread_mutex_destroy(&ct->mu);
	pthread_cond_destroy(&ct->cv);
	free(ct);
}

struct conn_rec *
conntrack_open(struct conntrack *ct, int fd)
{
	struct conn_rec *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->fd = fd;
	atomic_init(&r->phase, PH_HEADERS);
	atomic_init(&r->since, now_ms());
	pthread_mutex_lock(&ct->mu);
	r->next = ct->head;
	if (ct->head != NULL)
		ct->head->prev = r;
	ct->head = r;
	ct->n++;
	pthread_mutex_unlock(&ct->mu);
	return (r);
}

void
conntrack_close(struct conntrack *ct, struct conn_rec *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&ct->mu);
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		ct->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	ct->n--;
	pthread_mutex_unlock(&ct->mu);
	free(r);
}

void
conn_rec_headers(struct conn_rec *r, int has_body)
{
	if (r == NULL)
		return;
	if (!has_body) {
		atomic_store_explicit(
		    &r->phase, PH_HANDLING, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&r->bytes, 0, memory_order_relaxed);
	atomic_store_explicit(&r->since, now_ms(), memory_order_relaxed);
	atomic_fetch_add_explicit(&r->gen, 1, memory_order_relaxed);
	atomic_store_explicit(&r->phase, PH_BODY, memory_order_release);
}

void
conn_rec_body(struct conn_rec *r, size_t n)
{
	if (r != NULL)
		atomic_fetch_add_explicit(&r->bytes, n, memory_order_relaxed);
}

void
conn_rec_handling(struct conn_rec *r)
{
	if (r != NULL)
		atomic_store_explicit(
		    &r->phase, PH_HANDLING, memory_order_relaxed);
}

void
conn_rec_ready(struct conn_rec *r)
{
	if (r == NULL)
		return;
	atomic_store_explicit(&r->since, now_ms(), memory_order_relaxed);
	atomic_store_explicit(&r->phase, PH_HEADERS, memory_order_release);
}

void
conntrack_counts(struct conntrack *ct, uint64_t *h, uint64_t *b)
{
	*h = ct ? atomic_load(&ct->slow_headers) : 0;
	*b = ct ? atomic_load(&ct->slow_bodies) : 0;
}
