/*
** The Argon2id workers (hasher.h).
*/
#include "hasher.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define NWORKERS 2

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct hasher_job *head, *tail;
static int started;
static atomic_ulong dummies;
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
make_dummy(void)
{
	char pw[32];

	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw),
		crypto_pwhash_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

void
hasher_run(struct hasher_job *j)
{
	size_t n = strnlen(j->secret, sizeof(j->secret));

	if (j->verify != NULL || j->dummy) {
		if (j->dummy) {
			pthread_once(&dummy_once, make_dummy);
			atomic_fetch_add(&dummies, 1);
			j->ok =
			    crypto_pwhash_str_verify(dummy_hash, j->secret, n);
			j->ok = 0;
		} else
			j->ok = crypto_pwhash_str_verify(
				    j->verify, j->secret, n) == 0;
	} else
		j->ok = crypto_pwhash_str(j->hash, j->secret, n,
			    crypto_pwhash_OPSLIMIT_INTERACTIVE,
			    crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
	sodium_memzero(j->secret, sizeof(j->secret));
}

static void *
worker(void *arg)
{
	struct hasher_job *j;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (head == NULL)
			pthread_cond_wait(&cv, &mu);
		j = head;
		head = j->next;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&mu);
		hasher_run(j);
		j->done(j);
	}
	return (NULL);
}

int
hasher_start(void)
{
	pthread_t t;
	int i, rc = 0;

	pthread_mutex_lock(&mu);
	if (!started) {
		for (i = 0; i < NWORKERS; i++) {
			if (pthread_create(&t, NULL, worker, NULL) != 0) {
				rc = -1;
				break;
			}
			pthread_detach(t);
		}
		started = rc == 0;
	}
	pthread_mutex_unlock(&mu);
	return (rc);
}

void
hasher_submit(struct hasher_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&mu);
	if (tail != NULL)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
}

unsigned long
hasher_dummy_count(void)
{
	return (atomic_load(&dummies));
}
