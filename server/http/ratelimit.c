/*
** Token buckets (ratelimit.h): an open-addressing hash table under one
** mutex, swept of full buckets when it grows.
*/
#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define KEY_MAX 64

struct bucket {
	char key[KEY_MAX];
	double tokens;
	double at;
	int used;
};

struct ratelimit {
	pthread_mutex_t mu;
	double rate, burst;
	struct bucket *b;
	size_t cap, n;
};

struct ratelimit *
ratelimit_new(double rate, double burst)
{
	struct ratelimit *rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return (NULL);
	rl->cap = 1024;
	if ((rl->b = calloc(rl->cap, sizeof(*rl->b))) == NULL) {
		free(rl);
		return (NULL);
	}
	pthread_mutex_init(&rl->mu, NULL);
	rl->rate = rate;
	rl->burst = burst;
	return (rl);
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->b);
	free(rl);
}

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ull, n = 0;

	while (*s && n++ < KEY_MAX - 1)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return (h);
}

static struct bucket *
slot(struct bucket *b, size_t cap, const char *key)
{
	size_t i = hash(key) & (cap - 1);

	/* Keys are their first KEY_MAX - 1 bytes (addresses and ids are far
	** shorter; a longer key must still map to one bucket). */
	while (b[i].used && strncmp(b[i].key, key, KEY_MAX - 1) != 0)
		i = (i + 1) & (cap - 1);
	return (&b[i]);
}

/* Rebuilds the table without full buckets, doubling if still crowded. */
static void
rehash(struct ratelimit *rl, double now)
{
	struct bucket *nb, *old = rl->b, *s;
	size_t i, cap = rl->cap, live = 0;

	for (i = 0; i < rl->cap; i++)
		if (old[i].used &&
		    old[i].tokens + (now - old[i].at) * rl->rate < rl->burst)
			live++;
	while (live * 2 >= cap)
		cap *= 2;
	if ((nb = calloc(cap, sizeof(*nb))) == NULL)
		return;
	rl->n = 0;
	for (i = 0; i < rl->cap; i++)
		if (old[i].used &&
		    old[i].tokens + (now - old[i].at) * rl->rate < rl->burst) {
			s = slot(nb, cap, old[i].key);
			*s = old[i];
			rl->n++;
		}
	free(old);
	rl->b = nb;
	rl->cap = cap;
}

int
ratelimit_take(
    struct ratelimit *rl, const char *key, double now, int *retry_after)
{
	struct bucket *b;
	int ok;

	pthread_mutex_lock(&rl->mu);
	if ((rl->n + 1) * 2 > rl->cap)
		rehash(rl, now);
	b = slot(rl->b, rl->cap, key);
	if (!b->used) {
		if ((rl->n + 1) * 2 > rl->cap) { /* rehash failed */
			pthread_mutex_unlock(&rl->mu);
			return (1);
		}
		snprintf(b->key, sizeof(b->key), "%s", key);
		b->used = 1;
		b->tokens = rl->burst;
		b->at = now;
		rl->n++;
	}
	b->tokens += (now - b->at) * rl->rate;
	if (b->tokens > rl->burst)
		b->tokens = rl->burst;
	b->at = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	else
		*retry_after = (int)ceil((1 - b->tokens) / rl->rate);
	pthread_mutex_unlock(&rl->mu);
	return (ok);
}
