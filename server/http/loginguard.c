/*
** Login backoff and hash slots (loginguard.h): a set-associative table of
** failure counts and a small chained table of slots in use, under one
** mutex. Nothing here is allocated after loginguard_new() but the slot
** entries, one per address with a hash in flight.
*/
#include "loginguard.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_BUCKETS 1024 /* a power of two */

struct entry {
	uint64_t tag; /* the key's keyed hash; 0: free */
	int fails;
	double last;  /* the last failure */
	double until; /* no try before this */
};

struct slot {
	struct slot *next;
	int n;
	char addr[]; /* NUL-terminated */
};

struct loginguard {
	pthread_mutex_t mu;
	int after, max;
	double forget;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct entry *e; /* nsets * LOGINGUARD_WAYS */
	size_t nsets;
	struct slot *slots[SLOT_BUCKETS];
};

struct loginguard *
loginguard_new(int after, int max, size_t nsets)
{
	struct loginguard *g;
	size_t n = 1;

	if (sodium_init() < 0 || (g = calloc(1, sizeof(*g))) == NULL)
		return (NULL);
	while (n < (nsets ? nsets : LOGINGUARD_SETS))
		n *= 2;
	if ((g->e = calloc(n * LOGINGUARD_WAYS, sizeof(*g->e))) == NULL) {
		free(g);
		return (NULL);
	}
	pthread_mutex_init(&g->mu, NULL);
	g->nsets = n;
	g->after = after < 1 ? 1 : after;
	g->max = max < 1 ? 1 : max;
	g->forget = 15.0 * g->max > LOGINGUARD_FORGET ? 15.0 * g->max
						      : LOGINGUARD_FORGET;
	randombytes_buf(g->key, sizeof(g->key));
	return (g);
}

void
loginguard_free(struct loginguard *g)
{
	struct slot *s, *next;
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < SLOT_BUCKETS; i++)
		for (s = g->slots[i]; s != NULL; s = next) {
			next = s->next;
			free(s);
		}
	pthread_mutex_destroy(&g->mu);
	sodium_memzero(g->key, sizeof(g->key));
	free(g->e);
	free(g);
}

/* ${s}'s keyed hash; never 0 (0 marks a free entry). */
static uint64_t
tag_of(const struct loginguard *g, const char *s)
{
	unsigned char h[crypto_shorthash_BYTES];
	uint64_t t;

	crypto_shorthash(h, (const unsigned char *)s, strlen(s), g->key);
	memcpy(&t, h, sizeof(t));
	return (t ? t : 1);
}

/* Has ${x} nothing left to say at ${now}: its wait over, and no failure
** for the forgetting time? */
static int
stale(const struct loginguard *g, const struct entry *x, double now)
{
	return (now >= x->until && now - x->last > g->forget);
}

/* ${tag}'s entry, or NULL. */
static struct entry *
find(struct loginguard *g, uint64_t tag)
{
	struct entry *set = g->e + (tag & (g->nsets - 1)) * LOGINGUARD_WAYS;
	int i;

	for (i = 0; i < LOGINGUARD_WAYS; i++)
		if (set[i].tag == tag)
			return (&set[i]);
	return (NULL);
}

/* A place for ${tag} in its set: a free or stale entry, else the one
** whose last failure is oldest. Cleared, with the tag set. */
static struct entry *
place(struct loginguard *g, uint64_t tag, double now)
{
	struct entry *set = g->e + (tag & (g->nsets - 1)) * LOGINGUARD_WAYS;
	struct entry *best = &set[0];
	int i;

	for (i = 0; i < LOGINGUARD_WAYS; i++) {
		if (set[i].tag == 0 || stale(g, &set[i], now)) {
			best = &set[i];
			break;
		}
		if (set[i].last < best->last)
			best = &set[i];
	}
	memset(best, 0, sizeof(*best));
	best->tag = tag;
	return (best);
}

/* A copy of ${key}'s entry, read under the lock; zeroed if it has none
** (a zeroed entry waits for nothing and counts no failure). */
static struct entry
entry_copy(struct loginguard *g, const char *key)
{
	uint64_t tag = tag_of(g, key);
	struct entry *x, c = { 0 };

	pthread_mutex_lock(&g->mu);
	if ((x = find(g, tag)) != NULL)
		c = *x;
	pthread_mutex_unlock(&g->mu);
	return (c);
}

int
loginguard_wait(struct loginguard *g, const char *key, double now)
{
	struct entry x = entry_copy(g, key);
	int s = 0;

	if (now < x.until) {
		s = (int)ceil(x.until - now);
		if (s < 1)
			s = 1;
	}
	return (s);
}

void
loginguard_failed(struct loginguard *g, const char *key, double now)
{
	uint64_t tag = tag_of(g, key);
	struct entry *x;
	int over;
	double w;

	pthread_mutex_lock(&g->mu);
	if ((x = find(g, tag)) == NULL || stale(g, x, now))
		x = place(g, tag, now);
	x->fails++;
	x->last = now;
	if ((over = x->fails - g->after) >= 0) {
		/* 1 s at the threshold, doubling after; 2^30 s is past any
		** maximum the settings allow. */
		w = ldexp(1.0, over < 30 ? over : 30);
		x->until = now + (w < g->max ? w : g->max);
	}
	pthread_mutex_unlock(&g->mu);
}

void
loginguard_passed(struct loginguard *g, const char *key)
{
	uint64_t tag = tag_of(g, key);
	struct entry *x;

	pthread_mutex_lock(&g->mu);
	if ((x = find(g, tag)) != NULL)
		memset(x, 0, sizeof(*x));
	pthread_mutex_unlock(&g->mu);
}

int
loginguard_failures(struct loginguard *g, const char *key, double now)
{
	struct entry x = entry_copy(g, key);

	return (stale(g, &x, now) ? 0 : x.fails);
}

/* The link that holds ${addr}'s slot entry (or the chain's end). */
static struct slot **
slot_link(struct loginguard *g, const char *addr)
{
	struct slot **p;

	p = &g->slots[tag_of(g, addr) & (SLOT_BUCKETS - 1)];
	while (*p != NULL && strcmp((*p)->addr, addr) != 0)
		p = &(*p)->next;
	return (p);
}

int
loginguard_claim(struct loginguard *g, const char *addr, int limit)
{
	struct slot **p, *s;
	size_t n = strlen(addr);
	int rc = 0;

	if (limit < 1)
		limit = 1;
	pthread_mutex_lock(&g->mu);
	p = slot_link(g, addr);
	if ((s = *p) == NULL && (s = malloc(sizeof(*s) + n + 1)) != NULL) {
		memcpy(s->addr, addr, n + 1);
		s->n = 0;
		s->next = NULL;
		*p = s;
	}
	if (s != NULL) {
		if (s->n >= limit)
			rc = -1;
		else
			s->n++;
	}
	pthread_mutex_unlock(&g->mu);
	return (rc);
}

void
loginguard_release(struct loginguard *g, const char *addr)
{
	struct slot **p, *s;

	pthread_mutex_lock(&g->mu);
	p = slot_link(g, addr);
	if ((s = *p) != NULL && --s->n <= 0) {
		*p = s->next;
		free(s);
	}
	pthread_mutex_unlock(&g->mu);
}

int
loginguard_claimed(struct loginguard *g, const char *addr)
{
	struct slot *s;
	int n;

	pthread_mutex_lock(&g->mu);
	s = *slot_link(g, addr);
	n = s ? s->n : 0;
	pthread_mutex_unlock(&g->mu);
	return (n);
}
