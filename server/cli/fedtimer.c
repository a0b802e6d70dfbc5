/*
** serve's federation timer (fedtimer.h). One thread sleeps on a condition
** variable (the monotonic clock) until the next pull is due or the node
** stops; a pull is federate_pull() with a read connection of its own and
** the node's writer for what it records, under the node's pull lock. After
** each pull the peer list (last good pull, last error) is read back, so
** the figures handed to /metrics say where every peer stands now, and
** which of them failed this time.
*/
#include "fedtimer.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "federation.h"
#include "log.h"
#include "metrics.h"

struct fedtimer {
	struct node *n;
	long every;
	struct federate_opts o;
	atomic_int stop; /* o.stop points here */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* signalled by fedtimer_stop */
	struct metrics_fed m;
};

int
fedtimer_lock(const char *dir, struct err *e)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/federation", dir);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		return (err_set(e, ERR_STORAGE, "%s: %s", p, strerror(errno)));
	snprintf(p, sizeof(p), "%s/federation/pull.lock", dir);
	if ((fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return (err_set(e, ERR_STORAGE, "%s: %s", p, strerror(errno)));
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int busy = errno == EWOULDBLOCK;

		close(fd);
		return (busy ? err_set(e, ERR_BUSY,
				   "another pull of this node is running "
				   "(serve's --federate-every, or a `federate "
				   "pull`): try again once it is done")
			     : err_set(e, ERR_STORAGE, "%s: %s", p,
				   strerror(errno)));
	}
	return (fd);
}

void
fedtimer_unlock(int fd)
{
	if (fd != -1)
		close(fd); /* and the lock with it */
}

/* The figures kept of peer ${name} in ${m} (its failures so far), or
** NULL. */
static const struct metrics_fed_peer *
peer_find(const struct metrics_fed *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->npeers; i++)
		if (strcmp(m->peers[i].name, name) == 0)
			return (&m->peers[i]);
	return (NULL);
}

/*
** Rebuilds t->m's peers from the peer list read through ${db}: each one's
** last good pull, whether its latest pull failed, and its failures so far,
** one more for each whose pull at or after ${since} failed (0: none
** counted, at start). Sets *${failed} to the number of those. Peers
** removed since drop out. 0, or -1 with ${e} (t->m is left as it was).
*/
static int
peers_read(struct fedtimer *t, struct db *db, time_t since, size_t *failed,
    struct err *e)
{
	struct metrics_fed_peer *ps;
	const struct metrics_fed_peer *was;
	json_t *l, *v;
	size_t i, k = 0, failing = 0;

	*failed = 0;
	if ((l = fed_peer_list(db, e)) == NULL)
		return (-1);
	if ((ps = calloc(METRICS_FED_PEERS, sizeof(*ps))) == NULL) {
		json_decref(l);
		return (err_oom(e));
	}
	json_array_foreach(l, i, v)
	{
		const char *name =
		    json_string_value(json_object_get(v, "name"));
		json_t *ok = json_object_get(v, "last_ok_at");
		json_t *at = json_object_get(v, "last_pull_at");
		int bad = json_is_string(json_object_get(v, "last_error"));
		int now = bad && since != 0 && json_is_integer(at) &&
		    json_integer_value(at) >= (json_int_t)since;

		failing += bad;
		*failed += now;
		if (name == NULL || k == METRICS_FED_PEERS)
			continue;
		snprintf(ps[k].name, sizeof(ps[k].name), "%s", name);
		ps[k].last_ok_at =
		    json_is_integer(ok) ? (long long)json_integer_value(ok) : 0;
		was = peer_find(&t->m, name);
		ps[k].failures = (was != NULL ? was->failures : 0) + now;
		k++;
	}
	memcpy(t->m.peers, ps, sizeof(t->m.peers));
	t->m.npeers = k;
	t->m.peers_failing = failing;
	free(ps);
	json_decref(l);
	return (0);
}

/* One pull of every peer, its figures added to t->m and handed to
** /metrics. Says on stderr what went wrong; can't fail otherwise. */
static void
fedtimer_run(struct fedtimer *t)
{
	struct federate_result r;
	struct err e = { 0 };
	struct db *db = NULL;
	time_t since = time(NULL);
	size_t failed = 0;
	int lock, rc = -1;

	if ((lock = fedtimer_lock(t->n->dir, &e)) == -1) {
		log_warn("federate: pull skipped: %s", e.msg);
		return;
	}
	t->m.pulls++;
	if ((db = db_open(t->n->dbpath, 0, &e)) != NULL &&
	    (rc = federate_pull(t->n, db, &t->o, &r, &e)) == 0) {
		t->m.files += r.fetched;
		t->m.bytes += r.bytes;
		t->m.releases += r.releases;
		t->m.revoked += r.revoked;
	}
	if (rc == -1)
		log_warn("federate: the pull could not start: %s", e.msg);
	if (db != NULL && peers_read(t, db, since, &failed, &e) == -1)
		log_warn("federate: reading the peer list: %s", e.msg);
	if (rc == -1 || failed > 0 || (rc == 0 && r.failed > 0))
		t->m.pulls_failed++;
	db_close(db);
	fedtimer_unlock(lock);
	metrics_federation(&t->m);
}

/* Waits on t->cv (t->mu held) until ${due} or a stop. 1 to pull, 0 to
** stop. */
static int
fedtimer_wait(struct fedtimer *t, const struct timespec *due)
{
	while (!atomic_load(&t->stop))
		if (pthread_cond_timedwait(&t->cv, &t->mu, due) == ETIMEDOUT)
			return (!atomic_load(&t->stop));
	return (0);
}

static void *
fedtimer_main(void *arg)
{
	struct fedtimer *t = arg;
	struct timespec due;
	int go;

	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &due);
		due.tv_sec += t->every;
		pthread_mutex_lock(&t->mu);
		go = fedtimer_wait(t, &due);
		pthread_mutex_unlock(&t->mu);
		if (!go)
			break;
		fedtimer_run(t);
	}
	return (NULL);
}

struct fedtimer *
fedtimer_start(
    struct node *n, long every, const struct federate_opts *o, struct err *e)
{
	struct fedtimer *t;
	pthread_condattr_t ca;
	struct db *db;
	size_t failed;
	int rc;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		err_oom(e);
		return (NULL);
	}
	t->n = n;
	t->every = every;
	t->o = *o;
	t->o.peer = NULL;
	t->o.stop = &t->stop;
	atomic_init(&t->stop, 0);
	/* Where the peers stand before the first pull, for /metrics. */
	if ((db = db_open(n->dbpath, 0, e)) != NULL &&
	    peers_read(t, db, 0, &failed, e) == -1)
		log_warn("federate: reading the peer list: %s", e->msg);
	db_close(db);
	memset(e, 0, sizeof(*e));
	metrics_federation(&t->m);
	pthread_mutex_init(&t->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&t->thread, NULL, fedtimer_main, t)) != 0) {
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		free(t);
		metrics_federation(NULL);
		err_set(e, ERR_INTERNAL, "federation timer: %s", strerror(rc));
		return (NULL);
	}
	return (t);
}

void
fedtimer_stop(struct fedtimer *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->stop, 1);
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
