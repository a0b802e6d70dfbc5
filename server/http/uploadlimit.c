/*
** The upload budget and per-account counts (uploadlimit.h). The budget is
** one atomic counter; the per-account counts are a short array under a
** lock, holding only the accounts with an upload in flight (at most one
** entry per open connection), scanned in full: large uploads are rare
** next to the requests that never look here.
*/
#include "uploadlimit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

struct inflight {
	int64_t account;
	long n;
};

struct uploadlimit {
	size_t budget;
	atomic_size_t used;
	long per_account;
	pthread_mutex_t mu;
	struct inflight *acc;
	size_t nacc, capacc;
};

struct uploadlimit *
uploadlimit_new(size_t budget, long per_account)
{
	struct uploadlimit *ul;

	if ((ul = calloc(1, sizeof(*ul))) == NULL)
		return (NULL);
	ul->budget = budget;
	ul->per_account = per_account;
	atomic_init(&ul->used, 0);
	pthread_mutex_init(&ul->mu, NULL);
	return (ul);
}

void
uploadlimit_free(struct uploadlimit *ul)
{
	if (ul == NULL)
		return;
	pthread_mutex_destroy(&ul->mu);
	free(ul->acc);
	free(ul);
}

int
uploadlimit_take(struct uploadlimit *ul, size_t n)
{
	size_t cur = atomic_load(&ul->used);

	do {
		if (n > ul->budget || cur > ul->budget - n)
			return (0);
	} while (!atomic_compare_exchange_weak(&ul->used, &cur, cur + n));
	return (1);
}

void
uploadlimit_give(struct uploadlimit *ul, size_t n)
{
	atomic_fetch_sub(&ul->used, n);
}

size_t
uploadlimit_used(struct uploadlimit *ul)
{
	return (atomic_load(&ul->used));
}

int
uploadlimit_account_take(struct uploadlimit *ul, int64_t account)
{
	struct inflight *p;
	size_t i;
	int ok = 0;

	pthread_mutex_lock(&ul->mu);
	for (i = 0; i < ul->nacc && ul->acc[i].account != account; i++)
		;
	if (i < ul->nacc) {
		if (ul->acc[i].n < ul->per_account) {
			ul->acc[i].n++;
			ok = 1;
		}
	} else if (ul->per_account > 0) {
		if (ul->nacc == ul->capacc) {
			size_t cap = ul->capacc ? 2 * ul->capacc : 16;
			if ((p = realloc(ul->acc, cap * sizeof(*p))) != NULL) {
				ul->acc = p;
				ul->capacc = cap;
			}
		}
		if (ul->nacc < ul->capacc) {
			ul->acc[ul->nacc].account = account;
			ul->acc[ul->nacc].n = 1;
			ul->nacc++;
			ok = 1;
		}
	}
	pthread_mutex_unlock(&ul->mu);
	return (ok);
}

void
uploadlimit_account_give(struct uploadlimit *ul, int64_t account)
{
	size_t i;

	pthread_mutex_lock(&ul->mu);
	for (i = 0; i < ul->nacc; i++)
		if (ul->acc[i].account == account) {
			if (--ul->acc[i].n == 0)
				ul->acc[i] = ul->acc[--ul->nacc];
			break;
		}
	pthread_mutex_unlock(&ul->mu);
}
