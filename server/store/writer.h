/*
** The one writer: every change to the database goes through here. Callers
** submit jobs; a single thread runs all waiting jobs in one BEGIN IMMEDIATE
** transaction, each inside its own SAVEPOINT (a failing job rolls back
** alone), commits once (group commit: one fsync for the whole batch), and
** only then reports each job's result through its done callback. If the
** transaction as a whole is lost (SQLite rolled it back on a full disk or
** I/O error, or COMMIT failed) no job of the batch is reported as saved.
*/
#ifndef TRIBUTARY_WRITER_H
#define TRIBUTARY_WRITER_H

#include <stddef.h>

#include "db.h"
#include "err.h"

/* Runs inside the batch transaction and its SAVEPOINT. Returns 0, or -1 with
** ${e} set (only this job's changes are rolled back). An atomic job (see
** writer_job) runs without a SAVEPOINT: on -1 it must have left nothing
** written; if it began a change it could not undo it returns WRITER_DIRTY
** with ${e} set, and the writer loses the whole batch rather than commit
** half a job. Each job's comment names the ERR_ codes it can set, as a
** manual's RETURN VALUES section would: its caller turns them into what
** it tells the person who asked. */
typedef int (*writer_fn)(struct db *db, void *arg, struct err *e);
#define WRITER_DIRTY (-2)

enum writer_status {
	WRITER_PENDING = 0,
	WRITER_OK,      /* committed and durable */
	WRITER_FAILED,  /* the job refused: nothing of it was written */
	WRITER_ABORTED, /* the batch was lost: nothing of it was written */
};

struct writer_job {
	writer_fn fn;
	void *arg;
	/* Called on the writer's notifier thread once the outcome is final
	** (batches are reported in commit order). After it
	** returns the writer never touches the job again. */
	void (*done)(struct writer_job *job);
	void *done_arg;
	enum writer_status status;
	struct err err;
	/* Set by the submitter: the job references files written without
	** fsync (blob_put_unsynced); the writer syncfs()es the store before
	** committing its batch, and loses the batch if that fails. */
	int sync_blobs;
	/* Set by the submitter: the job changes nothing the reading threads
	** remember (dbcache.h), e.g. it only adds a contribution. A batch
	** holding any other job bumps the cache's counter once committed. */
	int keeps_cache;
	/* Set by the submitter: the job needs no SAVEPOINT (writer_fn). A
	** SAVEPOINT costs more than its two statements: every page the job
	** touches is first copied to the statement journal, ~2 us for a
	** contribution. */
	int atomic;
	struct writer_job *next; /* writer's own */
};

struct writer_stats {
	unsigned long long batches, jobs, failed, aborted;
	double secs_jobs;   /* BEGIN through the last job */
	double secs_commit; /* COMMIT (the fsync) */
	double secs_notify; /* done callbacks */
};

struct writer;
struct dbcache;

/* Periodic work run on the writer thread between batches (the blob sweep). */
typedef void (*writer_tick_fn)(struct db *db, void *arg);

/*
** Opens its own connection to ${path} and starts the thread. ${batch_max}
** caps jobs per transaction (0 = 1024). Returns NULL with ${e} set.
*/
struct writer *writer_start(const char *path, int batch_max, struct err *e);
/* Runs ${fn}(db, ${arg}) every ${seconds} on the writer thread. Call before
** any job is submitted. Can't fail. */
void
writer_set_tick(struct writer *w, writer_tick_fn fn, void *arg, double seconds);
/* The descriptor whose file system is flushed (syncfs) before a batch
** holding a sync_blobs job commits. Call before any job is submitted.
** Can't fail. */
void writer_set_sync_fd(struct writer *w, int fd);
/* The cache to bump after a batch that may change what it remembers, and
** after each tick. Call before any job is submitted. Can't fail. */
void writer_set_cache(struct writer *w, struct dbcache *c);
/*
** Load-aware group commit. When the recent batches held at least
** WRITER_GATHER_FROM jobs (many submitters are waiting on commits) the writer,
** finding fewer than writer_gather_goal() jobs queued, waits for that many
** before BEGIN, but never longer than WRITER_GATHER_MAX seconds (or what
** writer_set_gather() chose): fewer, larger commits, fewer fsyncs per job.
** At light load nothing waits; so the most a job is held back is that
** bound, and only while the writer is busy anyway.
*/
#define WRITER_GATHER_FROM 4
#define WRITER_GATHER_MAX  0.001
/* Jobs worth waiting for when the recent batches held ${recent} jobs on
** average (rising at once with the load, falling back slowly); 0 means do
** not wait. Never more than ${batch_max}. Can't fail. */
int writer_gather_goal(double recent, int batch_max);
/* Sets the gathering bound to ${seconds} (0: never wait). Can't fail. */
void writer_set_gather(struct writer *w, double seconds);
/* Makes every batch a single job (one commit per job): the naive path,
** for benchmarks. Can't fail. */
void writer_set_naive(struct writer *w, int on);
/*
** Queues ${job}; its done callback runs later on the writer thread. After
** writer_stop() has begun, the job is reported WRITER_ABORTED (ERR_BUSY) at
** once, from the calling thread. Never blocks on I/O. Can't fail: every
** outcome, refusals included, reaches the done callback.
*/
void writer_submit(struct writer *w, struct writer_job *job);
/*
** Submits a job and waits for its outcome (CLI, tests). Returns 0 if
** committed; -1 with ${e} set if it failed (the job's own error), its
** batch was lost (ERR_STORAGE) or the writer is stopping (ERR_BUSY).
*/
int writer_run(struct writer *w, writer_fn fn, void *arg, struct err *e);
/* Copies the counters into ${st}. Can't fail. */
void writer_stats(struct writer *w, struct writer_stats *st);
/* Told of every batch: its ${jobs}, and whether it was ${lost} (did not
** commit); called on the writer thread before any of its jobs is reported,
** so it must not block. */
typedef void (*writer_batch_fn)(size_t jobs, int lost);
/* Sets (or, with NULL, clears) who is told of each batch: the server
** counts them for its metrics, and the writer knows nothing of who
** listens. Can't fail. */
void writer_on_batch(struct writer *w, writer_batch_fn fn);
/*
** 1 if the last batch that failed for lack of disk space has not been
** followed by one that saved something: the node is refusing writes
** because its disk is full (each refused job says "the disk is full").
** 0 otherwise. Any thread; can't fail.
*/
int writer_disk_full(struct writer *w);
/*
** Stops taking jobs (later submissions are aborted at once, so nobody waits
** forever), runs every job already queued and joins the thread. The writer
** stays allocated until writer_stop(). Safe to call twice. Can't fail.
*/
void writer_drain(struct writer *w);
/* writer_drain(), then closes and frees. NULL does nothing. Can't fail. */
void writer_stop(struct writer *w);

#endif
