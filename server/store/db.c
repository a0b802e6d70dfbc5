/*
** SQLite connections, statement cache and migrations (db.h).
*/
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define DB_NCACHE 128

struct db {
	sqlite3 *h;
	int full; /* an error since db_full_seen() was for lack of space */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[DB_NCACHE];
};

/*
** Did SQLite's error ${rc} on ${h} come from a disk with no room? SQLite
** says SQLITE_FULL when a write of a page finds none, but an I/O error
** when growing node.db-shm (or a truncate, an fsync) does: then the
** system's errno tells. That errno is recorded only with I/O and open
** errors, so it is read only for those (it may be stale otherwise).
*/
static int
rc_full(sqlite3 *h, int rc)
{
	int sys;

	if ((rc & 0xff) == SQLITE_FULL)
		return (1);
	if ((rc & 0xff) != SQLITE_IOERR && (rc & 0xff) != SQLITE_CANTOPEN)
		return (0);
	sys = sqlite3_system_errno(h);
	return (sys == ENOSPC || sys == EDQUOT);
}

int
db_exists(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	if (rc == SQLITE_DONE)
		return (0);
	return (db_err(db, e, what));
}

int
db_full_seen(struct db *db)
{
	int full = db->full;

	db->full = 0;
	return (full);
}

int
db_err(struct db *db, struct err *e, const char *what)
{
	int rc = sqlite3_extended_errcode(db->h);
	enum err_code code = ERR_STORAGE;

	if (rc_full(db->h, rc)) {
		db->full = 1;
		return (err_set(e, ERR_STORAGE, "the disk is full: %s: %s",
		    what, sqlite3_errmsg(db->h)));
	}
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		code = ERR_CONFLICT;
	else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		code = ERR_BUSY;
	return (err_set(e, code, "%s: %s", what, sqlite3_errmsg(db->h)));
}

/*
** Process-wide SQLite settings, before its first use. Memory statistics
** off: with them on, every allocation of every connection takes one
** global mutex, and the reading threads and the writer allocate all the
** time. Nothing here reads sqlite3_memory_used().
*/
static void
db_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct db *
db_open(const char *path, int flags, struct err *e)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct db *db;
	int oflags, keep = 1;

	pthread_once(&once, db_configure);

	if ((db = calloc(1, sizeof(*db))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	oflags = (flags & DB_READONLY)
	    ? SQLITE_OPEN_READONLY
	    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(path, &db->h, oflags, NULL) != SQLITE_OK) {
		err_set(e, ERR_STORAGE, "%s: %s", path,
		    db->h ? sqlite3_errmsg(db->h) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 10000);
	/* The first connection to a WAL database needs 32 KiB for
	** node.db-shm, which SQLite deletes after the last one closes: a
	** node stopped with room to spare could not start again on a full
	** disk. Kept, the file is there to be reused (db_close() empties
	** the -wal). */
	sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &keep);
	if (!(flags & DB_READONLY) &&
	    db_exec(db, "PRAGMA journal_mode=WAL", e) == -1)
		goto fail;
	/* secure_delete: what an erasure or a correction removes is
	** overwritten in the file, not left in free space. Debian builds
	** SQLite with it on; this says so for every build. */
	if (db_exec(db,
		"PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
		"PRAGMA secure_delete=ON;",
		e) == -1)
		goto fail;
	return (db);
fail:
	if (db->full)
		err_set(e, ERR_STORAGE,
		    "the disk is full: %s cannot be opened: SQLite needs "
		    "32 KiB beside it for %s-shm (%s); free some space and "
		    "try again",
		    path, path, sqlite3_errmsg(db->h));
	db_close(db);
	return (NULL);
}

void
db_close(struct db *db)
{
	int i;

	if (db == NULL)
		return;
	for (i = 0; i < DB_NCACHE; i++)
		sqlite3_finalize(db->cache[i].st);
	/* If this is the last connection, its close checkpoints the WAL and
	** keeps the file (SQLITE_FCNTL_PERSIST_WAL): a limit of 0 empties
	** it then, so what was erased does not linger in it on disk. */
	sqlite3_exec(db->h, "PRAGMA journal_size_limit=0", NULL, NULL, NULL);
	sqlite3_close(db->h);
	free(db);
}

int
db_run(struct db *db, const char *sql, int64_t a, int64_t b, const char *what,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, what));
	return (sqlite3_changes(db->h));
}

sqlite3 *
db_handle(struct db *db)
{
	return (db->h);
}

sqlite3_stmt *
db_prepare(struct db *db, const char *sql, struct err *e)
{
	uintptr_t k = (uintptr_t)sql;
	int i, slot, tries;

	slot = (int)((k >> 3) % DB_NCACHE);
	for (tries = 0; tries < DB_NCACHE; tries++) {
		i = (slot + tries) % DB_NCACHE;
		if (db->cache[i].sql == sql) {
			sqlite3_reset(db->cache[i].st);
			sqlite3_clear_bindings(db->cache[i].st);
			return (db->cache[i].st);
		}
		if (db->cache[i].sql == NULL) {
			if (sqlite3_prepare_v3(db->h, sql, -1,
				SQLITE_PREPARE_PERSISTENT, &db->cache[i].st,
				NULL) != SQLITE_OK) {
				db_err(db, e, "prepare");
				return (NULL);
			}
			db->cache[i].sql = sql;
			return (db->cache[i].st);
		}
	}
	err_set(e, ERR_INTERNAL, "statement cache full");
	return (NULL);
}

int
db_exec(struct db *db, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc = sqlite3_extended_errcode(db->h);

		if (rc_full(db->h, rc)) {
			db->full = 1;
			err_set(e, ERR_STORAGE, "the disk is full: %s",
			    msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			return (-1);
		}
		err_set(e,
		    (rc & 0xff) == SQLITE_CONSTRAINT ? ERR_CONFLICT
			: (rc & 0xff) == SQLITE_BUSY ? ERR_BUSY
						     : ERR_STORAGE,
		    "%s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (-1);
	}
	return (0);
}

int
db_schema_version(struct db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return (-1);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return (v);
}

int
db_migrate(struct db *db, struct err *e)
{
	char bump[64];
	int v, i;

	for (;;) {
		if (db_exec(db, "BEGIN IMMEDIATE", e) == -1)
			return (-1);
		if ((v = db_schema_version(db)) < 0) {
			db_err(db, e, "reading user_version");
			goto fail;
		}
		if (v > db_nmigrations) {
			err_set(e, ERR_CONFLICT,
			    "the database is at schema version %d but this "
			    "tributary knows only up to %d: run a newer "
			    "tributary "
			    "(it was upgraded, or a backup from a newer node "
			    "was "
			    "restored)",
			    v, db_nmigrations);
			goto fail;
		}
		if (v == db_nmigrations)
			return (db_exec(db, "COMMIT", e));
		i = v;
		if (atoi(db_migrations[i].name) != i + 1) {
			err_set(e, ERR_INTERNAL,
			    "migration %s is out of order: "
			    "expected number %03d",
			    db_migrations[i].name, i + 1);
			goto fail;
		}
		if (db_exec(db, db_migrations[i].sql, e) == -1) {
			char m[sizeof(e->msg)];
			snprintf(m, sizeof(m), "%s", e->msg);
			err_set(
			    e, ERR_STORAGE, "%s: %s", db_migrations[i].name, m);
			goto fail;
		}
		snprintf(bump, sizeof(bump), "PRAGMA user_version=%d", i + 1);
		if (db_exec(db, bump, e) == -1 ||
		    db_exec(db, "COMMIT", e) == -1)
			goto fail;
	}
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

json_t *
db_list_end(struct db *db, sqlite3_stmt *st, int rc, json_t *arr, int one,
    const char *what, const char *missing, struct err *e)
{
	json_t *o;

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		db_err(db, e, what);
		return (NULL);
	}
	if (!one)
		return (arr);
	o = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	if (o == NULL)
		err_set(e, ERR_NOT_FOUND, "%s", missing);
	return (o);
}
