/*
** Benchmark: durable jobs per second through the group-commit writer at 1,
** 16 and 64 concurrent submitters, beside raw SQLite committing one row per
** transaction (synchronous=FULL) on the same disk in the same run. Every
** job is one INSERT that is acknowledged only after its batch's COMMIT.
**
**   bench_commit [seconds-per-run]     (default 5)
**
** Prints every figure and the ratio writer@64 / raw. Measures; asserts
** nothing.
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "writer.h"

static const char SQL_INSERT[] = "INSERT INTO t(thread, v) VALUES (?1, ?2)";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

struct row {
	int thread;
	long seq;
};

static int
insert_job(struct db *db, void *arg, struct err *e)
{
	struct row *r = arg;
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_int(st, 1, r->thread);
	sqlite3_bind_int64(st, 2, r->seq);
	if (sqlite3_step(st) != SQLITE_DONE)
		return (db_err(db, e, "insert"));
	return (0);
}

struct submitter {
	struct writer *w;
	int id;
	double until;
	long done;
};

static void *
submit_loop(void *arg)
{
	struct submitter *s = arg;
	struct row r = { s->id, 0 };
	struct err e;

	while (now() < s->until) {
		r.seq++;
		if (writer_run(s->w, insert_job, &r, &e) == 0)
			s->done++;
	}
	return (NULL);
}

static int
fresh_db(const char *dir, char *path, size_t n)
{
	struct db *db;
	struct err e;

	snprintf(path, n, "%s/bench-%ld.db", dir, (long)random());
	if ((db = db_open(path, 0, &e)) == NULL) {
		fprintf(stderr, "bench_commit: %s\n", e.msg);
		return (-1);
	}
	if (db_exec(db,
		"CREATE TABLE t(id INTEGER PRIMARY KEY, thread INT, "
		"v INT)",
		&e) == -1) {
		fprintf(stderr, "bench_commit: %s\n", e.msg);
		db_close(db);
		return (-1);
	}
	db_close(db);
	return (0);
}

/* Raw SQLite: one INSERT per autocommit transaction, synchronous=FULL. */
static double
raw_rate(const char *dir, double secs)
{
	char path[512];
	struct db *db;
	struct err e;
	struct row r = { 0, 0 };
	double t0, t;

	if (fresh_db(dir, path, sizeof(path)) == -1 ||
	    (db = db_open(path, 0, &e)) == NULL)
		return (-1);
	t0 = now();
	while ((t = now()) - t0 < secs) {
		r.seq++;
		if (insert_job(db, &r, &e) == -1) {
			fprintf(stderr, "bench_commit: %s\n", e.msg);
			break;
		}
	}
	db_close(db);
	return (r.seq / (now() - t0));
}

static double
writer_rate(const char *dir, int nthreads, double secs, double *mean_batch)
{
	struct submitter s[64];
	pthread_t th[64];
	struct writer_stats st;
	struct writer *w;
	char path[512];
	struct err e;
	double t0, t1;
	long total = 0;
	int i;

	if (fresh_db(dir, path, sizeof(path)) == -1 ||
	    (w = writer_start(path, 0, &e)) == NULL)
		return (-1);
	t0 = now();
	for (i = 0; i < nthreads; i++) {
		s[i] = (struct submitter){ w, i, t0 + secs, 0 };
		pthread_create(&th[i], NULL, submit_loop, &s[i]);
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		total += s[i].done;
	}
	t1 = now();
	writer_stats(w, &st);
	writer_stop(w);
	*mean_batch = st.batches ? (double)st.jobs / st.batches : 0;
	printf(
	    "  (writer thread: %.2f s running jobs, %.2f s in COMMIT, %.2f s "
	    "waking submitters, of %.2f s)\n",
	    st.secs_jobs, st.secs_commit, st.secs_notify, t1 - t0);
	return (total / (t1 - t0));
}

int
main(int argc, char **argv)
{
	static const int levels[] = { 1, 16, 64 };
	double secs = argc > 1 ? atof(argv[1]) : 5, raw, raw_first, rate,
	       mb = 0, at64 = 0;
	char dir[] = "/var/tmp/tributary-bench-XXXXXX";
	char cmd[600];
	size_t i;

	if (secs <= 0)
		secs = 5;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	srandom((unsigned)time(NULL));
	printf("bench_commit: %g s per run, databases in %s\n", secs, dir);
	raw = raw_rate(dir, secs);
	printf("raw sqlite, one row per commit (synchronous=FULL): %10.0f "
	       "commits/s\n",
	    raw);
	raw_first = raw;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		rate = writer_rate(dir, levels[i], secs, &mb);
		printf("writer, %2d submitters (group commit):       %10.0f "
		       "jobs/s  (mean batch %.1f jobs)  %.1fx first raw\n",
		    levels[i], rate, mb, rate / raw);
		if (levels[i] == 64)
			at64 = rate;
	}
	/* The disk's speed drifts on a shared machine: measure raw again and
	** compare against the mean of both. */
	raw = raw_rate(dir, secs);
	printf("raw sqlite again, after the writer runs:           %10.0f "
	       "commits/s\n",
	    raw);
	raw = (raw + raw_first) / 2;
	printf("ratio writer@64 / raw (mean of both raw runs): %.1f  (goal >= "
	       "20)\n",
	    at64 / raw);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_commit: could not remove %s\n", dir);
	return (0);
}
