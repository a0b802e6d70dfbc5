/*
** Group commit (writer.h) against a real SQLite file: every acknowledged job
** is on disk after a fresh open; concurrent jobs share transactions; a job
** that refuses rolls back alone; a lost transaction (SQLite's own ROLLBACK,
** or a failed COMMIT) reports every job of its batch as aborted and saves
** none of them; an atomic job (no SAVEPOINT) refuses alone, or loses its
** batch when it cannot undo what it wrote; drain finishes queued work and
** refuses new work; the naive mode commits once per job; under load the writer gathers jobs into fewer
** commits, at light load it holds nothing back; a write that finds no room
** says "the disk is full" and the writer reports the disk full until a
** write is saved again.
*/
#include <check.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "testutil.h"
#include "writer.h"

/* Makes ${tu_base}/${name}.db holding the empty test table; path into ${out}. */
static void
make_db(const char *name, char *out, size_t n)
{
	struct err e = { 0 };
	struct db *db;

	snprintf(out, n, "%s/%s.db", tu_base, name);
	db = db_open(out, 0, &e);
	ck_assert_msg(db != NULL, "db_open: %s", e.msg);
	ck_assert_msg(db_exec(db,
			  "CREATE TABLE t(k INTEGER PRIMARY KEY, "
			  "thread INT, v TEXT)",
			  &e) == 0,
	    "create: %s", e.msg);
	db_close(db);
}

static struct writer *
start(const char *path)
{
	struct err e = { 0 };
	struct writer *w = writer_start(path, 0, &e);

	ck_assert_msg(w != NULL, "writer_start: %s", e.msg);
	return (w);
}

/* Rows in t (fresh connection), or with key ${k} if ${k} >= 0. */
static long
rows(const char *path, long k)
{
	struct err e = { 0 };
	sqlite3_stmt *st;
	struct db *db;
	long n = -1;

	db = db_open(path, 0, &e);
	ck_assert_msg(db != NULL, "reopen: %s", e.msg);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
			     k < 0 ? "SELECT count(*) FROM t"
				   : "SELECT count(*) FROM t WHERE k = ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	if (k >= 0)
		sqlite3_bind_int64(st, 1, k);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	return (n);
}

static const char SQL_INSERT[] =
    "INSERT INTO t(k, thread, v) VALUES (?1, ?2, ?3)";

static int
insert(struct db *db, long k, int thread, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, k);
	sqlite3_bind_int(st, 2, thread);
	sqlite3_bind_text(st, 3, "row", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (db_err(db, e, "insert"));
	return (0);
}

/* ---- 64 threads, 10,000 jobs through writer_run ---- */

#define NTHREADS 64
#define NJOBS    10000

struct row_arg {
	long k;
	int thread;
};

static int
job_insert(struct db *db, void *arg, struct err *e)
{
	struct row_arg *a = arg;

	return (insert(db, a->k, a->thread, e));
}

struct submitter {
	struct writer *w;
	int thread;
	unsigned char *acked; /* one byte per key; this thread's keys only */
	int errors;
	struct err last;
};

static void *
submit_many(void *arg)
{
	struct submitter *s = arg;
	struct row_arg a;
	long k;

	for (k = s->thread; k < NJOBS; k += NTHREADS) {
		a.k = k;
		a.thread = s->thread;
		if (writer_run(s->w, job_insert, &a, &s->last) == 0)
			s->acked[k] = 1;
		else
			s->errors++;
	}
	return (NULL);
}

START_TEST(test_concurrent_acks_are_durable)
{
	static unsigned char acked[NJOBS];
	struct submitter s[NTHREADS];
	pthread_t th[NTHREADS];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	long k, nacked = 0;
	int i;

	make_db("many", path, sizeof(path));
	w = start(path);
	memset(acked, 0, sizeof(acked));
	for (i = 0; i < NTHREADS; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].w = w;
		s[i].thread = i;
		s[i].acked = acked;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, submit_many, &s[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(s[i].errors == 0,
		    "thread %d: %d errors, last: %s", i, s[i].errors,
		    s[i].last.msg);
	}
	writer_stats(w, &st);
	writer_stop(w);

	for (k = 0; k < NJOBS; k++)
		nacked += acked[k];
	ck_assert_int_eq(nacked, NJOBS);
	ck_assert_uint_eq(st.jobs, NJOBS);
	ck_assert_uint_eq(st.failed, 0);
	ck_assert_uint_eq(st.aborted, 0);
	/* 64 submitters wait on each commit: jobs must have been grouped. */
	ck_assert_msg(st.batches < st.jobs, "batches %llu, jobs %llu",
	    st.batches, st.jobs);

	ck_assert_int_eq(rows(path, -1), nacked);
	{
		/* Every acknowledged key, by one query on a fresh connection. */
		struct err e = { 0 };
		struct db *db = db_open(path, 0, &e);
		sqlite3_stmt *q;
		unsigned char seen[NJOBS] = { 0 };

		ck_assert_ptr_nonnull(db);
		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
				     "SELECT k, thread FROM t", -1, &q, NULL),
		    SQLITE_OK);
		while (sqlite3_step(q) == SQLITE_ROW) {
			k = (long)sqlite3_column_int64(q, 0);
			ck_assert(k >= 0 && k < NJOBS);
			ck_assert_int_eq(
			    sqlite3_column_int(q, 1), k % NTHREADS);
			seen[k] = 1;
		}
		sqlite3_finalize(q);
		db_close(db);
		for (k = 0; k < NJOBS; k++)
			if (acked[k])
				ck_assert_msg(
				    seen[k], "acknowledged key %ld missing", k);
	}
}
END_TEST

/* ---- Batches built by hand: a gate job holds the writer ---- */

/* The first job blocks the writer until released, so everything submitted
** meanwhile queues up and runs as the next batch. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started, released;
	int done; /* jobs reported */
};

static struct gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	0, 0, 0 };

enum mode {
	GOOD,
	FAIL,
	ROLLBACK,
	ROLLBACK_FAIL,
	HOOK,
	GATE,
	NOOP,
	ATOMIC_REFUSE, /* atomic: refuses before writing */
	ATOMIC_DIRTY,  /* atomic: writes, then cannot undo it */
};

struct tjob {
	struct writer_job job;
	enum mode mode;
	long k;
};

static int hook_fires;

/* Refuses one COMMIT, then uninstalls itself. */
static int
refuse_commit(void *arg)
{
	sqlite3 *h = arg;

	hook_fires++;
	sqlite3_commit_hook(h, NULL, NULL);
	return (1);
}

static int
tjob_fn(struct db *db, void *arg, struct err *e)
{
	struct tjob *t = arg;

	if (t->mode == GATE) {
		pthread_mutex_lock(&gate.mu);
		gate.started = 1;
		pthread_cond_broadcast(&gate.cv);
		while (!gate.released)
			pthread_cond_wait(&gate.cv, &gate.mu);
		pthread_mutex_unlock(&gate.mu);
	}
	if (t->mode == NOOP)
		return (0);
	if (t->mode == ATOMIC_REFUSE)
		return (err_set(e, ERR_CONFLICT, "job %ld refuses", t->k));
	if (t->mode == HOOK)
		sqlite3_commit_hook(
		    db_handle(db), refuse_commit, db_handle(db));
	if (insert(db, t->k, 0, e) == -1)
		return (-1);
	switch (t->mode) {
	case FAIL: return (err_set(e, ERR_INVALID, "job %ld refuses", t->k));
	case ATOMIC_DIRTY:
		err_set(e, ERR_STORAGE, "job %ld cannot undo its row", t->k);
		return (WRITER_DIRTY);
	case ROLLBACK:
		/* What SQLite does by itself on SQLITE_FULL or SQLITE_IOERR. */
		sqlite3_exec(db_handle(db), "ROLLBACK", NULL, NULL, NULL);
		return (0);
	case ROLLBACK_FAIL:
		sqlite3_exec(db_handle(db), "ROLLBACK", NULL, NULL, NULL);
		return (err_set(
		    e, ERR_STORAGE, "insert: database or disk is full"));
	default: return (0);
	}
}

static void
tjob_done(struct writer_job *job)
{
	pthread_mutex_lock(&gate.mu);
	gate.done++;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static void
tjob_init(struct tjob *t, enum mode mode, long k)
{
	memset(t, 0, sizeof(*t));
	t->mode = mode;
	t->k = k;
	t->job.fn = tjob_fn;
	t->job.arg = t;
	t->job.done = tjob_done;
	t->job.done_arg = t;
	t->job.atomic = mode == ATOMIC_REFUSE || mode == ATOMIC_DIRTY;
}

/* Submits the gate job (key 0) and waits until the writer is inside it. */
static void
gate_hold(struct writer *w, struct tjob *g)
{
	pthread_mutex_lock(&gate.mu);
	gate.started = gate.released = gate.done = 0;
	pthread_mutex_unlock(&gate.mu);
	tjob_init(g, GATE, 0);
	writer_submit(w, &g->job);
	pthread_mutex_lock(&gate.mu);
	while (!gate.started)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
}

static void
gate_release(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.released = 1;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

static void
wait_done(int n)
{
	pthread_mutex_lock(&gate.mu);
	while (gate.done < n)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
}

#define NBATCH 41 /* jobs in the hand-built batch */

/*
** Runs the gate, then one batch of NBATCH jobs, keys 1..NBATCH, all GOOD but
** the middle one (${mode}). Returns the writer (still running) and stats.
*/
static struct writer *
run_batch_with(const char *path, enum mode mode, struct tjob *jobs,
    struct writer_stats *st)
{
	struct tjob g;
	struct writer *w;
	int i;

	w = start(path);
	gate_hold(w, &g);
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&jobs[i], i == NBATCH / 2 ? mode : GOOD, i + 1);
		/* Good jobs with and without SAVEPOINTs around an atomic one. */
		if (jobs[i].job.atomic == 0 && jobs[i].mode == GOOD &&
		    (mode == ATOMIC_REFUSE || mode == ATOMIC_DIRTY))
			jobs[i].job.atomic = i % 2;
		writer_submit(w, &jobs[i].job);
	}
	gate_release();
	wait_done(NBATCH + 1);
	ck_assert_int_eq(g.job.status, WRITER_OK);
	writer_stats(w, st);
	/* The gate alone, then everything else together. */
	ck_assert_uint_eq(st->batches, 2);
	ck_assert_uint_eq(st->jobs, NBATCH + 1);
	return (w);
}

/*
** Runs the hand-built batch with job 21 in ${mode}, which refuses with
** ${code}: it alone fails and leaves no row; the gate and every other
** job are saved.
*/
static void
refused_alone(const char *name, enum mode mode, enum err_code code)
{
	struct tjob jobs[NBATCH];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	int i;

	make_db(name, path, sizeof(path));
	w = run_batch_with(path, mode, jobs, &st);
	writer_stop(w);
	ck_assert_uint_eq(st.failed, 1);
	ck_assert_uint_eq(st.aborted, 0);
	for (i = 0; i < NBATCH; i++) {
		if (jobs[i].mode == mode) {
			ck_assert_int_eq(jobs[i].job.status, WRITER_FAILED);
			ck_assert_int_eq(jobs[i].job.err.code, code);
			ck_assert_str_eq(jobs[i].job.err.msg, "job 21 refuses");
			ck_assert_int_eq(rows(path, jobs[i].k), 0);
		} else {
			ck_assert_msg(jobs[i].job.status == WRITER_OK,
			    "job %d: status %d (%s)", i, jobs[i].job.status,
			    jobs[i].job.err.msg);
			ck_assert_int_eq(jobs[i].job.err.code, ERR_NONE);
			ck_assert_int_eq(rows(path, jobs[i].k), 1);
		}
	}
	ck_assert_int_eq(rows(path, 0), 1);
	ck_assert_int_eq(rows(path, -1), NBATCH); /* gate + 40 good */
}

START_TEST(test_failing_job_rolls_back_alone)
{
	refused_alone("fail", FAIL, ERR_INVALID);
}
END_TEST

/* An atomic job (no SAVEPOINT) that refuses, having written nothing,
** among good jobs with and without SAVEPOINTs: it alone fails. */
START_TEST(test_atomic_refusal_alone)
{
	refused_alone("atomic", ATOMIC_REFUSE, ERR_CONFLICT);
}
END_TEST

/* After a lost batch: nothing of it saved, and the writer still works. */
static void
check_batch_lost(const char *path, struct writer *w, struct tjob *jobs)
{
	struct row_arg a = { 1000, 0 };
	struct err e = { 0 };
	int i;

	for (i = 0; i < NBATCH; i++)
		ck_assert_msg(
		    rows(path, jobs[i].k) == 0, "job %d's row saved", i);
	ck_assert_int_eq(rows(path, 0), 1); /* the gate's own batch */
	ck_assert_msg(
	    writer_run(w, job_insert, &a, &e) == 0, "next batch: %s", e.msg);
	writer_stop(w);
	ck_assert_int_eq(rows(path, 1000), 1);
	ck_assert_int_eq(rows(path, -1), 2);
}

/*
** Runs the hand-built batch with job 21 in ${mode}, which loses the
** transaction: every job of the batch is aborted (ERR_STORAGE), none
** saved, and the writer goes on (check_batch_lost).
*/
static void
batch_aborted(const char *name, enum mode mode)
{
	struct tjob jobs[NBATCH];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	int i;

	make_db(name, path, sizeof(path));
	w = run_batch_with(path, mode, jobs, &st);
	for (i = 0; i < NBATCH; i++) {
		ck_assert_msg(jobs[i].job.status == WRITER_ABORTED,
		    "job %d (%s): status %d", i,
		    i < NBATCH / 2        ? "before"
			: i == NBATCH / 2 ? "culprit"
					  : "after",
		    jobs[i].job.status);
		ck_assert_int_eq(jobs[i].job.err.code, ERR_STORAGE);
	}
	ck_assert_uint_eq(st.aborted, NBATCH);
	ck_assert_uint_eq(st.failed, 0);
	check_batch_lost(path, w, jobs);
}

START_TEST(test_rollback_aborts_whole_batch)
{
	batch_aborted("rollback", ROLLBACK);
}
END_TEST

/* The same loss, seen by a job that notices its statement failed and
** returns -1 (how a job meets SQLITE_FULL): its batch-mates are aborted,
** and whatever the culprit reports, it is not success. */
START_TEST(test_rollback_by_failing_job_aborts_batch)
{
	struct tjob jobs[NBATCH];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	int i;

	make_db("rollback2", path, sizeof(path));
	w = run_batch_with(path, ROLLBACK_FAIL, jobs, &st);
	for (i = 0; i < NBATCH; i++) {
		if (jobs[i].mode == ROLLBACK_FAIL) {
			ck_assert_int_ne(jobs[i].job.status, WRITER_OK);
			ck_assert_int_eq(jobs[i].job.err.code, ERR_STORAGE);
			continue;
		}
		ck_assert_msg(jobs[i].job.status == WRITER_ABORTED,
		    "job %d: status %d", i, jobs[i].job.status);
		ck_assert_int_eq(jobs[i].job.err.code, ERR_STORAGE);
	}
	ck_assert_uint_eq(st.aborted + st.failed, NBATCH);
	check_batch_lost(path, w, jobs);
}
END_TEST

/* An atomic job that wrote and cannot undo it (WRITER_DIRTY): the writer
** commits none of its batch rather than half a job, and goes on. */
START_TEST(test_atomic_dirty_loses_batch)
{
	batch_aborted("dirty", ATOMIC_DIRTY);
}
END_TEST

/*
** A batch holding a job that references unsynced blobs flushes their file
** system before COMMIT; if that flush fails the whole batch is lost, and
** a batch without such a job does not flush at all.
*/
static void
sync_batch(const char *path, int fd, struct tjob *jobs, struct writer **wp)
{
	struct tjob g;
	struct writer *w;
	int i;

	w = start(path);
	writer_set_sync_fd(w, fd);
	gate_hold(w, &g);
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&jobs[i], GOOD, i + 1);
		jobs[i].job.sync_blobs = i == NBATCH / 2;
		writer_submit(w, &jobs[i].job);
	}
	gate_release();
	wait_done(NBATCH + 1);
	ck_assert_int_eq(g.job.status, WRITER_OK);
	*wp = w;
}

START_TEST(test_sync_blobs_flushes_then_commits)
{
	struct tjob jobs[NBATCH];
	struct writer *w;
	char path[600];
	int i, fd;

	make_db("syncok", path, sizeof(path));
	ck_assert_int_ge(fd = open(tu_base, O_RDONLY | O_DIRECTORY), 0);
	sync_batch(path, fd, jobs, &w);
	writer_stop(w);
	close(fd);
	for (i = 0; i < NBATCH; i++) {
		ck_assert_msg(jobs[i].job.status == WRITER_OK,
		    "job %d: status %d (%s)", i, jobs[i].job.status,
		    jobs[i].job.err.msg);
		ck_assert_int_eq(rows(path, jobs[i].k), 1);
	}
}
END_TEST

START_TEST(test_sync_blobs_failure_aborts_batch)
{
	struct tjob jobs[NBATCH];
	struct writer *w;
	char path[600];
	int i;

	make_db("syncfail", path, sizeof(path));
	/* No descriptor has this number: syncfs() fails with EBADF. */
	sync_batch(path, 1000000, jobs, &w);
	for (i = 0; i < NBATCH; i++) {
		ck_assert_msg(jobs[i].job.status == WRITER_ABORTED,
		    "job %d: status %d", i, jobs[i].job.status);
		ck_assert_int_eq(jobs[i].job.err.code, ERR_STORAGE);
	}
	/* The next batch has no unsynced blobs: it commits. */
	check_batch_lost(path, w, jobs);
}
END_TEST

START_TEST(test_commit_failure_aborts_whole_batch)
{
	struct tjob jobs[NBATCH];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	int i;

	make_db("commit", path, sizeof(path));
	hook_fires = 0;
	w = run_batch_with(path, HOOK, jobs, &st);
	ck_assert_int_eq(hook_fires, 1);
	for (i = 0; i < NBATCH; i++) {
		ck_assert_msg(jobs[i].job.status == WRITER_ABORTED,
		    "job %d: status %d", i, jobs[i].job.status);
		ck_assert_int_eq(jobs[i].job.err.code, ERR_STORAGE);
	}
	ck_assert_uint_eq(st.aborted, NBATCH);
	check_batch_lost(path, w, jobs);
	ck_assert_int_eq(hook_fires, 1);
}
END_TEST

/* ---- drain ---- */

#define NPROBES 10000

struct prober {
	struct writer *w;
	struct tjob probes[NPROBES];
	int queued;  /* probes accepted before the drain began */
	int refused; /* index of the probe refused, or -1 */
};

/* Submits no-op probes until one is refused (the drain has begun), then
** lets the gate go so the drain can finish. */
static void *
probe_until_refused(void *arg)
{
	struct prober *p = arg;
	struct timespec ts = { 0, 1000 * 1000 };
	int i;

	p->refused = -1;
	for (i = 0; i < NPROBES; i++) {
		tjob_init(&p->probes[i], NOOP, -1);
		writer_submit(p->w, &p->probes[i].job);
		/* The writer is held by the gate: a queued probe stays
		** PENDING, a refused one is reported before submit returns. */
		if (p->probes[i].job.status != WRITER_PENDING) {
			p->refused = i;
			break;
		}
		p->queued++;
		nanosleep(&ts, NULL);
	}
	gate_release();
	return (NULL);
}

START_TEST(test_drain_finishes_queue_then_refuses)
{
	static struct prober p;
	struct tjob g, jobs[NBATCH], late;
	struct writer_stats st;
	struct row_arg a = { 5000, 0 };
	struct err e = { 0 };
	struct writer *w;
	pthread_t th;
	char path[600];
	int i, done;

	make_db("drain", path, sizeof(path));
	w = start(path);
	gate_hold(w, &g);
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&jobs[i], GOOD, i + 1);
		writer_submit(w, &jobs[i].job);
	}
	memset(&p, 0, sizeof(p));
	p.w = w;
	ck_assert_int_eq(pthread_create(&th, NULL, probe_until_refused, &p), 0);
	writer_drain(w); /* returns once the queue ran dry */
	pthread_join(th, NULL);

	ck_assert_msg(p.refused >= 0, "no probe was refused");
	ck_assert_int_eq(p.probes[p.refused].job.status, WRITER_ABORTED);
	ck_assert_int_eq(p.probes[p.refused].job.err.code, ERR_BUSY);
	pthread_mutex_lock(&gate.mu);
	done = gate.done;
	pthread_mutex_unlock(&gate.mu);
	/* gate + batch + queued probes + the refused probe */
	ck_assert_int_eq(done, 1 + NBATCH + p.queued + 1);
	ck_assert_int_eq(g.job.status, WRITER_OK);
	for (i = 0; i < NBATCH; i++)
		ck_assert_msg(jobs[i].job.status == WRITER_OK,
		    "job %d: %d (%s)", i, jobs[i].job.status,
		    jobs[i].job.err.msg);
	for (i = 0; i < p.queued; i++)
		ck_assert_int_eq(p.probes[i].job.status, WRITER_OK);

	/* After the drain: refused at once, from this thread. */
	tjob_init(&late, GOOD, 4000);
	writer_submit(w, &late.job);
	ck_assert_int_eq(late.job.status, WRITER_ABORTED);
	ck_assert_int_eq(late.job.err.code, ERR_BUSY);
	ck_assert_int_eq(writer_run(w, job_insert, &a, &e), -1);
	ck_assert_int_eq(e.code, ERR_BUSY);
	writer_drain(w); /* safe twice */
	writer_stats(w, &st);
	writer_stop(w);

	ck_assert_uint_eq(st.jobs, 1 + NBATCH + p.queued);
	ck_assert_int_eq(rows(path, -1), 1 + NBATCH);
	ck_assert_int_eq(rows(path, 4000), 0);
	ck_assert_int_eq(rows(path, 5000), 0);
}
END_TEST

/* ---- load-aware gathering ---- */

START_TEST(test_gather_goal_policy)
{
	/* Light load: never wait. */
	ck_assert_int_eq(writer_gather_goal(0, 1024), 0);
	ck_assert_int_eq(writer_gather_goal(1, 1024), 0);
	ck_assert_int_eq(writer_gather_goal(WRITER_GATHER_FROM - 0.5, 1024), 0);
	/* Under load: about half the recent batch, never above the cap. */
	ck_assert_int_ge(writer_gather_goal(WRITER_GATHER_FROM, 1024), 2);
	ck_assert_int_eq(writer_gather_goal(64, 1024), 32);
	ck_assert_int_le(writer_gather_goal(41, 1024), 41);
	ck_assert_int_eq(writer_gather_goal(64, 10), 10);
}
END_TEST

/*
** The bound is made (practically) endless so that the outcome depends on
** no timing: a lone job at light load still runs at once (were it held, the
** test would time out), jobs arriving one by one after a large batch are
** gathered into few commits, and the drain ends a wait that no further job
** would end.
*/
START_TEST(test_gather_after_large_batch)
{
	struct tjob g, jobs[NBATCH], more[NBATCH];
	struct writer_stats st, st0;
	struct row_arg a;
	struct err e = { 0 };
	struct writer *w;
	char path[600];
	int i;

	make_db("gather", path, sizeof(path));
	w = start(path);
	writer_set_gather(w, 600);
	for (i = 0; i < 10; i++) {
		a.k = 1000 + i;
		a.thread = 0;
		ck_assert_msg(writer_run(w, job_insert, &a, &e) == 0,
		    "lone job: %s", e.msg);
	}
	writer_stats(w, &st0);
	ck_assert_uint_eq(st0.batches, 10);

	gate_hold(w, &g);
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&jobs[i], GOOD, i + 1);
		writer_submit(w, &jobs[i].job);
	}
	gate_release();
	wait_done(NBATCH + 1);
	/* One by one: without gathering each could be its own commit. */
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&more[i], GOOD, 100 + i);
		writer_submit(w, &more[i].job);
	}
	writer_drain(w);
	writer_stats(w, &st);
	writer_stop(w);
	for (i = 0; i < NBATCH; i++) {
		ck_assert_int_eq(jobs[i].job.status, WRITER_OK);
		ck_assert_int_eq(more[i].job.status, WRITER_OK);
	}
	/* Gate, the batch, then at most three: a first of at least half the
	** last batch, perhaps a second as large, and what the drain took. */
	ck_assert_uint_eq(st.jobs, 10 + 1 + 2 * NBATCH);
	ck_assert_uint_le(st.batches - st0.batches, 2 + 3);
	ck_assert_int_eq(rows(path, -1), 10 + 1 + 2 * NBATCH);
}
END_TEST

/* ---- naive mode ---- */

/* Writer job: ${arg} rows of 100 kB, after limiting the database to its
** size now plus ${arg} pages (PRAGMA max_page_count: SQLite's own way to
** run out of room, the same SQLITE_FULL a full disk gives). */
static int
job_fill(struct db *db, void *arg, struct err *e)
{
	long n = (long)(intptr_t)arg, i, pages = 0;
	sqlite3_stmt *st;
	char sql[128];

	if (sqlite3_prepare_v2(
		db_handle(db), "PRAGMA page_count", -1, &st, NULL) != SQLITE_OK)
		return (db_err(db, e, "page_count"));
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %ld", pages + n);
	if (db_exec(db, sql, e) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (db_exec(db, "INSERT INTO t(v) VALUES (zeroblob(100000))",
			e) == -1)
			return (-1);
	return (0);
}

/* Writer job: lifts the limit job_fill set; changes nothing. */
static int
job_room(struct db *db, void *arg, struct err *e)
{
	(void)arg;
	return (db_exec(db, "PRAGMA max_page_count = 1000000", e));
}

START_TEST(test_disk_full_reported)
{
	struct err e = { 0 };
	struct writer *w;
	char path[600];
	struct row_arg a = { 1, 0 };

	make_db("full", path, sizeof(path));
	w = start(path);
	ck_assert_int_eq(writer_disk_full(w), 0);
	ck_assert_int_eq(writer_run(w, job_fill, (void *)(intptr_t)3, &e), -1);
	ck_assert_int_eq(e.code, ERR_STORAGE);
	ck_assert_msg(strstr(e.msg, "the disk is full") != NULL, "%s", e.msg);
	ck_assert_int_eq(writer_disk_full(w), 1);
	ck_assert_int_eq(rows(path, -1), 0);
	/* Room again (a fresh limit): the first saved write clears it. */
	ck_assert_int_eq(writer_run(w, job_room, NULL, &e), 0);
	ck_assert_int_eq(writer_disk_full(w), 1); /* nothing was written */
	ck_assert_int_eq(writer_run(w, job_insert, &a, &e), 0);
	ck_assert_int_eq(writer_disk_full(w), 0);
	writer_stop(w);
	ck_assert_int_eq(rows(path, -1), 1);
}
END_TEST

START_TEST(test_naive_one_commit_per_job)
{
	struct tjob g, jobs[NBATCH];
	struct writer_stats st;
	struct writer *w;
	char path[600];
	int i;

	make_db("naive", path, sizeof(path));
	w = start(path);
	writer_set_naive(w, 1);
	gate_hold(w, &g);
	for (i = 0; i < NBATCH; i++) {
		tjob_init(&jobs[i], GOOD, i + 1);
		writer_submit(w, &jobs[i].job);
	}
	gate_release();
	wait_done(NBATCH + 1);
	writer_stats(w, &st);
	writer_stop(w);
	for (i = 0; i < NBATCH; i++)
		ck_assert_int_eq(jobs[i].job.status, WRITER_OK);
	/* All NBATCH were waiting together, yet each got its own commit. */
	ck_assert_uint_eq(st.jobs, NBATCH + 1);
	ck_assert_uint_eq(st.batches, st.jobs);
	ck_assert_int_eq(rows(path, -1), NBATCH + 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_acks_are_durable);
	tcase_add_test(tc, test_failing_job_rolls_back_alone);
	tcase_add_test(tc, test_rollback_aborts_whole_batch);
	tcase_add_test(tc, test_rollback_by_failing_job_aborts_batch);
	tcase_add_test(tc, test_atomic_refusal_alone);
	tcase_add_test(tc, test_atomic_dirty_loses_batch);
	tcase_add_test(tc, test_commit_failure_aborts_whole_batch);
	tcase_add_test(tc, test_sync_blobs_flushes_then_commits);
	tcase_add_test(tc, test_sync_blobs_failure_aborts_batch);
	tcase_add_test(tc, test_drain_finishes_queue_then_refuses);
	tcase_add_test(tc, test_naive_one_commit_per_job);
	tcase_add_test(tc, test_disk_full_reported);
	tcase_add_test(tc, test_gather_goal_policy);
	tcase_add_test(tc, test_gather_after_large_batch);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
