/*
** Group commit (writer.h). One thread, one connection, one transaction per
** batch of waiting jobs.
*/
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dbcache.h"
#include "log.h"

struct writer {
	struct db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct writer_job *head, *tail;
	int queued; /* jobs in head..tail */
	int stopping, batch_max, naive;
	/* Load-aware gathering (writer_gather_goal): ${recent} follows batch
	** sizes; while the writer waits for ${goal} jobs (0: not gathering),
	** submitters wake it only once that many are queued. */
	double recent, gather_max;
	int goal;
	/* Finished batches wait here for the notifier thread, which runs the
	** done callbacks so the writer can start the next batch at once:
	** waking dozens of submitters costs as much as the fsync. */
	pthread_t notifier;
	pthread_cond_t ncv;
	struct writer_job *nhead, *ntail;
	int writer_exited;
	writer_tick_fn tick;
	void *tick_arg;
	double tick_every;
	int sync_fd; /* syncfs() target for sync_blobs jobs; -1 none */
	struct dbcache *cache; /* bumped after changes it may remember */
	struct writer_stats st;
	_Atomic(writer_batch_fn) on_batch; /* who counts batches, or NULL */
	/* The last batch that wrote or failed to for lack of space found
	** the disk full (writer_disk_full). */
	_Atomic int full;
};

/* Savepoint statements are prepared once; db_prepare keys on the address. */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_SAVEPOINT[] = "SAVEPOINT job";
static const char SQL_RELEASE[] = "RELEASE job";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO job";

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Steps a statement that returns no rows. Retries BUSY for BEGIN/COMMIT:
** a CLI command may hold the write lock for a moment. */
static int
step_retry(struct db *db, const char *sql, struct err *e)
{
	sqlite3_stmt *st;
	int rc, tries = 0;

	for (;;) {
		if ((st = db_prepare(db, sql, e)) == NULL)
			return (-1);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return (0);
		if ((rc & 0xff) != SQLITE_BUSY || ++tries > 50)
			return (db_err(db, e, sql));
		{
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

/*
** Records whether the batch just run found the disk full (${full}) or
** wrote something (${wrote}), and says so in the log when that changes:
** the operator learns of a full disk from the first write it refused,
** and that there is room again from the first write that went through.
*/
static void
note_disk(struct writer *w, int full, int wrote)
{
	if (full) {
		if (atomic_exchange(&w->full, 1) == 0)
			log_err("the disk is full: writes are refused and "
				"nothing of them is saved until there is "
				"room; reads go on");
	} else if (wrote && atomic_exchange(&w->full, 0) == 1)
		log_info("the disk has room again: writes are saved");
}

/* A batch on its way through run_batch(). */
struct batch {
	struct writer_job *jobs; /* the list, in submission order */
	int lost; /* the transaction is gone: nothing of the batch is saved */
	int full; /* ... or would be, for lack of disk space */
};

/*
** BEGIN IMMEDIATE, then runs each job of ${b} in turn inside its own
** SAVEPOINT (an atomic job has none: it leaves nothing of a refusal, or
** says it could not, which loses the batch). A job's refusal is rolled
** back to its savepoint and the batch goes on; once SQLite has rolled the
** whole transaction back, the batch is lost and no later job runs.
*/
static void
run_jobs(struct writer *w, struct batch *b)
{
	struct writer_job *j;
	struct err e = { 0 };
	sqlite3 *h = db_handle(w->db);
	int rc;

	if (step_retry(w->db, SQL_BEGIN, &e) == -1) {
		log_err("writer: %s", e.msg);
		b->lost = 1;
	}
	for (j = b->jobs; j != NULL && !b->lost; j = j->next) {
		memset(&j->err, 0, sizeof(j->err));
		if (!j->atomic && step_retry(w->db, SQL_SAVEPOINT, &e) == -1) {
			b->lost = 1;
			break;
		}
		rc = j->fn(w->db, j->arg, &j->err);
		if (rc < 0) {
			if (j->err.code == ERR_NONE)
				err_set(&j->err, ERR_INTERNAL, "job failed");
			j->status = WRITER_FAILED;
		}
		if (sqlite3_get_autocommit(h) ||
		    (j->atomic && rc == WRITER_DIRTY)) {
			/* SQLite rolled the whole transaction back, or an
			** atomic job could not undo what it began. */
			if ((sqlite3_extended_errcode(h) & 0xff) == SQLITE_FULL)
				b->full = 1;
			log_err("writer: transaction lost (%s)",
			    j->atomic && rc == WRITER_DIRTY
				? j->err.msg
				: sqlite3_errmsg(h));
			j->status = WRITER_PENDING; /* lost, not refused */
			b->lost = 1;
			break;
		}
		if (j->atomic)
			continue;
		if (j->status == WRITER_FAILED &&
		    step_retry(w->db, SQL_ROLLBACK_TO, &e) == -1) {
			b->lost = 1;
			break;
		}
		if (step_retry(w->db, SQL_RELEASE, &e) == -1) {
			b->lost = 1;
			break;
		}
	}
}

/*
** Makes what ${b}'s jobs wrote durable, or rolls back a batch lost on the
** way: the files it references, written without fsync, become durable in
** one flush of their file system for the whole batch, then COMMIT (the
** fsync of the database).
*/
static void
commit_batch(struct writer *w, struct batch *b)
{
	struct writer_job *j;
	struct err e = { 0 };
	sqlite3 *h = db_handle(w->db);

	for (j = b->jobs; j != NULL && !b->lost; j = j->next)
		if (j->sync_blobs && j->status != WRITER_FAILED) {
			if (w->sync_fd >= 0 && syncfs(w->sync_fd) == -1) {
				b->full = errno == ENOSPC || errno == EDQUOT;
				log_err("writer: syncfs failed: %s",
				    strerror(errno));
				b->lost = 1;
			}
			break;
		}
	if (!b->lost && step_retry(w->db, SQL_COMMIT, &e) == -1) {
		log_err("writer: commit failed: %s", e.msg);
		b->lost = 1;
	}
	if (b->lost && !sqlite3_get_autocommit(h))
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	b->full |= db_full_seen(w->db);
}

/*
** What must follow ${b}'s commit before anyone hears of it: whether the
** disk is full (note_disk; ${changes} is the connection's change count
** before the batch), and, when a committed job may have changed what the
** reading threads remember (dbcache.h), that they read again: a caller
** told its write is saved must not then read what was remembered from
** before it.
*/
static void
after_commit(struct writer *w, const struct batch *b, sqlite3_int64 changes)
{
	struct writer_job *j;

	/* Rows changed by a job that was not refused, and committed: the
	** disk took them. */
	for (j = b->jobs; j != NULL && j->status == WRITER_FAILED; j = j->next)
		;
	note_disk(w, b->full,
	    !b->lost && j != NULL &&
		sqlite3_total_changes64(db_handle(w->db)) > changes);
	for (j = b->jobs; j != NULL && !b->lost; j = j->next)
		if (!j->keeps_cache) {
			dbcache_bump(w->cache);
			break;
		}
}

/*
** Settles every job of ${b} and hands the batch on: a refused job stays
** WRITER_FAILED with its own error; the others become WRITER_OK, or
** WRITER_ABORTED with ERR_STORAGE if the batch was lost. Counts the batch
** (${secs_jobs} running it, ${secs_commit} committing it) and tells
** whoever counts batches (writer_on_batch) before anyone hears of a job,
** so that one who has heard finds the batch counted; then queues the list
** for the notifier thread, which runs the done callbacks.
*/
static void
report_batch(struct writer *w, const struct batch *b, double secs_jobs,
    double secs_commit)
{
	struct writer_job *j, *last = NULL;
	writer_batch_fn fn;
	size_t n = 0;

	pthread_mutex_lock(&w->mu);
	for (j = b->jobs; j != NULL; j = j->next) {
		n++;
		if (j->status == WRITER_FAILED)
			w->st.failed++;
		else if (b->lost)
			w->st.aborted++;
	}
	w->st.batches++;
	w->st.jobs += n;
	for (j = b->jobs; j != NULL; last = j, j = j->next)
		if (j->status != WRITER_FAILED) {
			j->status = b->lost ? WRITER_ABORTED : WRITER_OK;
			if (b->lost && b->full)
				err_set(&j->err, ERR_STORAGE,
				    "the disk is full: nothing was saved; try "
				    "again once the node has room");
			else if (b->lost)
				err_set(&j->err, ERR_STORAGE,
				    "the database could "
				    "not save this (disk full or I/O error); "
				    "nothing "
				    "was saved");
		}
	w->st.secs_jobs += secs_jobs;
	w->st.secs_commit += secs_commit;
	if ((fn = atomic_load(&w->on_batch)) != NULL)
		fn(n, b->lost);
	if (w->ntail != NULL)
		w->ntail->next = b->jobs;
	else
		w->nhead = b->jobs;
	w->ntail = last;
	pthread_cond_signal(&w->ncv);
	pthread_mutex_unlock(&w->mu);
}

/*
** Runs one batch (the list ${jobs}) in a single transaction and reports
** every job: run, commit (one fsync for all), tell the disk's state and
** the caches, then settle and hand each job to the notifier. A job's own
** failure is rolled back alone; a lost transaction aborts all.
*/
static void
run_batch(struct writer *w, struct writer_job *jobs)
{
	struct batch b = { .jobs = jobs };
	sqlite3_int64 changes;
	double t0, t1, t2;

	t0 = now_mono();
	(void)db_full_seen(w->db);
	changes = sqlite3_total_changes64(db_handle(w->db));
	run_jobs(w, &b);
	t1 = now_mono();
	commit_batch(w, &b);
	after_commit(w, &b, changes);
	t2 = now_mono();
	report_batch(w, &b, t1 - t0, t2 - t1);
}

/* The notifier thread: runs done callbacks of finished jobs, in order. */
static void *
notifier_main(void *arg)
{
	struct writer *w = arg;
	struct writer_job *list, *j, *next;
	double t0;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->nhead == NULL && !w->writer_exited)
			pthread_cond_wait(&w->ncv, &w->mu);
		if (w->nhead == NULL)
			break;
		list = w->nhead;
		w->nhead = w->ntail = NULL;
		pthread_mutex_unlock(&w->mu);
		t0 = now_mono();
		for (j = list; j != NULL; j = next) {
			next =
			    j->next; /* read first: done() may free the job */
			j->done(j);
		}
		pthread_mutex_lock(&w->mu);
		w->st.secs_notify += now_mono() - t0;
	}
	pthread_mutex_unlock(&w->mu);
	return (NULL);
}

int
writer_gather_goal(double recent, int batch_max)
{
	int goal;

	if (recent < WRITER_GATHER_FROM)
		return (0);
	goal = (int)(recent / 2 + 0.5);
	return (goal < batch_max ? goal : batch_max);
}

/*
** Called with the lock held and at least one job queued. Under load (the
** recent batches were large) waits, at most gather_max seconds, until
** writer_gather_goal() jobs are queued, so that one commit (one fsync)
** serves more of them; a lone job at light load is never held back.
** Stopping ends the wait at once.
*/
static void
gather(struct writer *w)
{
	struct timespec ts;
	double until;
	int goal;

	goal = writer_gather_goal(w->recent, w->batch_max);
	if (goal <= w->queued || w->gather_max <= 0)
		return;
	until = now_mono() + w->gather_max;
	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	w->goal = goal;
	while (w->queued < goal && !w->stopping)
		if (pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT)
			break;
	w->goal = 0;
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct writer_job *batch, *last;
	double next_tick = now_mono() + w->tick_every;
	struct timespec ts;
	int n;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stopping) {
			if (w->tick == NULL) {
				pthread_cond_wait(&w->cv, &w->mu);
				continue;
			}
			if (now_mono() >= next_tick)
				break;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
		}
		if (w->head == NULL && w->stopping) {
			w->writer_exited = 1;
			pthread_cond_signal(&w->ncv);
			break;
		}
		if (w->head == NULL) {
			pthread_mutex_unlock(&w->mu);
			w->tick(w->db, w->tick_arg);
			dbcache_bump(w->cache);
			next_tick = now_mono() + w->tick_every;
			pthread_mutex_lock(&w->mu);
			continue;
		}
		if (!w->naive)
			gather(w);
		batch = last = w->head;
		for (n = 1;
		     last->next != NULL && n < (w->naive ? 1 : w->batch_max);
		     n++)
			last = last->next;
		w->head = last->next;
		if (w->head == NULL)
			w->tail = NULL;
		last->next = NULL;
		w->queued -= n;
		/* Rise at once with the load, fall back slowly. */
		w->recent = n > w->recent ? n : 0.75 * w->recent + 0.25 * n;
		pthread_mutex_unlock(&w->mu);
		run_batch(w, batch);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return (NULL);
}

struct writer *
writer_start(const char *path, int batch_max, struct err *e)
{
	struct writer *w;
	pthread_condattr_t ca;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	w->batch_max = batch_max > 0 ? batch_max : 1024;
	w->sync_fd = -1;
	if ((w->db = db_open(path, 0, e)) == NULL)
		goto err0;
	w->gather_max = WRITER_GATHER_MAX;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->ncv, NULL);
	if (pthread_create(&w->notifier, NULL, notifier_main, w) != 0) {
		err_set(e, ERR_INTERNAL, "cannot start the notifier thread");
		goto err1;
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		err_set(e, ERR_INTERNAL, "cannot start the writer thread");
		pthread_mutex_lock(&w->mu);
		w->writer_exited = 1;
		pthread_cond_signal(&w->ncv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->notifier, NULL);
		goto err1;
	}
	return (w);
err1:
	pthread_cond_destroy(&w->ncv);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	db_close(w->db);
err0:
	free(w);
	return (NULL);
}

void
writer_set_sync_fd(struct writer *w, int fd)
{
	w->sync_fd = fd;
}

void
writer_set_cache(struct writer *w, struct dbcache *c)
{
	w->cache = c;
}

void
writer_set_tick(struct writer *w, writer_tick_fn fn, void *arg, double seconds)
{
	pthread_mutex_lock(&w->mu);
	w->tick = fn;
	w->tick_arg = arg;
	w->tick_every = seconds;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
writer_set_gather(struct writer *w, double seconds)
{
	pthread_mutex_lock(&w->mu);
	w->gather_max = seconds;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
writer_set_naive(struct writer *w, int on)
{
	pthread_mutex_lock(&w->mu);
	w->naive = on;
	pthread_mutex_unlock(&w->mu);
}

void
writer_submit(struct writer *w, struct writer_job *job)
{
	job->status = WRITER_PENDING;
	job->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		job->status = WRITER_ABORTED;
		err_set(&job->err, ERR_BUSY,
		    "the node is shutting down; "
		    "nothing was saved, try again shortly");
		job->done(job);
		return;
	}
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	/* A gathering writer wants waking only once its goal is queued. */
	if (++w->queued >= w->goal)
		pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* writer_run() waits on a semaphore: one futex wake per job, the cheapest
** way to hand the result back (the notifier wakes dozens per batch). */
static void
sem_done(struct writer_job *job)
{
	sem_post(job->done_arg);
}

int
writer_run(struct writer *w, writer_fn fn, void *arg, struct err *e)
{
	struct writer_job job;
	sem_t sem;

	memset(&job, 0, sizeof(job));
	sem_init(&sem, 0, 0);
	job.fn = fn;
	job.arg = arg;
	job.done = sem_done;
	job.done_arg = &sem;
	writer_submit(w, &job);
	while (sem_wait(&sem) == -1 && errno == EINTR)
		;
	sem_destroy(&sem);
	if (job.status == WRITER_OK)
		return (0);
	if (e != NULL)
		*e = job.err;
	return (-1);
}

int
writer_disk_full(struct writer *w)
{
	return (atomic_load(&w->full));
}

void
writer_stats(struct writer *w, struct writer_stats *st)
{
	pthread_mutex_lock(&w->mu);
	*st = w->st;
	pthread_mutex_unlock(&w->mu);
}

void
writer_drain(struct writer *w)
{
	int join;

	pthread_mutex_lock(&w->mu);
	join = !w->stopping;
	w->stopping = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (join) {
		pthread_join(w->thread, NULL);
		pthread_join(w->notifier, NULL);
	}
}

void
writer_stop(struct writer *w)
{
	if (w == NULL)
		return;
	writer_drain(w);
	pthread_cond_destroy(&w->ncv);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	db_close(w->db);
	free(w);
}

void
writer_on_batch(struct writer *w, writer_batch_fn fn)
{
	atomic_store(&w->on_batch, fn);
}
