/*
** Connections and migrations (db.h): a new file migrates to the newest
** version with the expected tables; migrating again changes nothing; a
** database from a newer tributary is refused without being touched; every
** connection is WAL, synchronous=FULL, foreign keys on; db_prepare caches
** by the address of the SQL constant; the last close keeps the -shm file
** (so a node can open again on a full disk) and leaves the -wal empty; an
** error for lack of space says "the disk is full" and is reported once by
** db_full_seen().
*/
#include <check.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "testutil.h"

static struct db *
open_named(const char *name, char *path, size_t n)
{
	struct err e = { 0 };
	struct db *db;

	snprintf(path, n, "%s/%s", tu_base, name);
	db = db_open(path, 0, &e);
	ck_assert_msg(db != NULL, "db_open %s: %s", path, e.msg);
	return (db);
}

/* The first column of the first row of ${sql} as text (static buffer). */
static const char *
query1(struct db *db, const char *sql)
{
	static char out[4096];
	const unsigned char *t;
	sqlite3_stmt *st;

	ck_assert_msg(
	    sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db_handle(db)));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, sizeof(out), "%s", (const char *)t);
	sqlite3_finalize(st);
	return (out);
}

static const char *
object_type(struct db *db, const char *name)
{
	static char q[256];

	snprintf(q, sizeof(q),
	    "SELECT type FROM sqlite_schema WHERE name = '%s'", name);
	return (query1(db, q));
}

START_TEST(test_migrate_new_file)
{
	struct err e = { 0 };
	char path[600];
	struct db *db = open_named("new.db", path, sizeof(path));

	ck_assert_int_gt(db_nmigrations, 0);
	ck_assert_int_eq(db_schema_version(db), 0);
	ck_assert_msg(db_migrate(db, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(db_schema_version(db), db_nmigrations);
	ck_assert_str_eq(object_type(db, "accounts"), "table");
	ck_assert_str_eq(object_type(db, "login_codes"), "table");
	ck_assert_str_eq(object_type(db, "node_meta"), "table");
	ck_assert_str_eq(object_type(db, "blob_refs"), "view");
	ck_assert_int_eq(sqlite3_get_autocommit(db_handle(db)), 1);
	db_close(db);

	/* And it is on disk, not only in this connection. */
	db = open_named("new.db", path, sizeof(path));
	ck_assert_int_eq(db_schema_version(db), db_nmigrations);
	db_close(db);
}
END_TEST

START_TEST(test_migrate_twice_changes_nothing)
{
	struct err e = { 0 };
	char path[600], schema[4096];
	struct db *db = open_named("twice.db", path, sizeof(path));

	ck_assert_int_eq(db_migrate(db, &e), 0);
	ck_assert_int_eq(db_exec(db,
			     "INSERT INTO node_meta(key, value) "
			     "VALUES ('probe', 'kept')",
			     &e),
	    0);
	snprintf(schema, sizeof(schema), "%s",
	    query1(db,
		"SELECT group_concat(sql, ';') FROM "
		"(SELECT sql FROM sqlite_schema ORDER BY name)"));
	db_close(db);

	db = open_named("twice.db", path, sizeof(path));
	ck_assert_msg(db_migrate(db, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(db_schema_version(db), db_nmigrations);
	ck_assert_str_eq(
	    query1(db, "SELECT value FROM node_meta WHERE key = 'probe'"),
	    "kept");
	ck_assert_str_eq(query1(db, "SELECT count(*) FROM node_meta"), "1");
	ck_assert_str_eq(query1(db,
			     "SELECT group_concat(sql, ';') FROM "
			     "(SELECT sql FROM sqlite_schema ORDER BY name)"),
	    schema);
	db_close(db);
}
END_TEST

/* A database one version ahead: refused, untouched, no transaction open. */
static void
check_refused_newer(struct db *db)
{
	struct err e = { 0 };
	char newer[32], known[32];

	ck_assert_int_eq(db_migrate(db, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	snprintf(newer, sizeof(newer), "version %d", db_nmigrations + 1);
	snprintf(known, sizeof(known), "up to %d", db_nmigrations);
	ck_assert_msg(
	    strstr(e.msg, newer) != NULL, "no \"%s\" in: %s", newer, e.msg);
	ck_assert_msg(
	    strstr(e.msg, known) != NULL, "no \"%s\" in: %s", known, e.msg);
	ck_assert_msg(strstr(e.msg, "newer") != NULL, "%s", e.msg);
	ck_assert_int_eq(db_schema_version(db), db_nmigrations + 1);
	ck_assert_int_eq(sqlite3_get_autocommit(db_handle(db)), 1);
}

START_TEST(test_refuses_newer_database)
{
	struct err e = { 0 };
	char path[600], bump[64];
	struct db *db = open_named("newer.db", path, sizeof(path));

	ck_assert_int_eq(db_migrate(db, &e), 0);
	snprintf(
	    bump, sizeof(bump), "PRAGMA user_version=%d", db_nmigrations + 1);
	ck_assert_int_eq(db_exec(db, bump, &e), 0);
	db_close(db);
	db = open_named("newer.db", path, sizeof(path));
	check_refused_newer(db);
	/* Still refused the second time: the refusal changed nothing. */
	check_refused_newer(db);
	db_close(db);

	/* An otherwise empty file at a newer version is refused too. */
	db = open_named("newer-empty.db", path, sizeof(path));
	ck_assert_int_eq(db_exec(db, bump, &e), 0);
	check_refused_newer(db);
	ck_assert_str_eq(object_type(db, "accounts"), "");
	db_close(db);
}
END_TEST

static void
check_pragmas(struct db *db)
{
	ck_assert_str_eq(query1(db, "PRAGMA journal_mode"), "wal");
	ck_assert_str_eq(query1(db, "PRAGMA foreign_keys"), "1");
	ck_assert_str_eq(query1(db, "PRAGMA synchronous"), "2");
}

START_TEST(test_connection_pragmas)
{
	struct err e = { 0 };
	char path[600];
	struct db *db = open_named("pragma.db", path, sizeof(path)), *db2;

	check_pragmas(db);
	/* A second connection to the same file gets the same settings. */
	db2 = db_open(path, 0, &e);
	ck_assert_ptr_nonnull(db2);
	check_pragmas(db2);
	db_close(db2);
	/* Foreign keys are enforced, not just reported. */
	ck_assert_int_eq(db_migrate(db, &e), 0);
	ck_assert_int_eq(
	    db_exec(db,
		"INSERT INTO login_codes(code_sha256, "
		"account_id, created_at, expires_at) VALUES (x'00', 999, 0, 0)",
		&e),
	    -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	db_close(db);
}
END_TEST

START_TEST(test_readonly_missing_file)
{
	struct err e = { 0 };
	char path[600];

	snprintf(path, sizeof(path), "%s/absent.db", tu_base);
	ck_assert_ptr_null(db_open(path, DB_READONLY, &e));
	ck_assert_int_eq(e.code, ERR_STORAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, path));
	db_close(NULL);
}
END_TEST

static const char SQL_A[] = "SELECT ?1 + 1";
static const char SQL_B[] = "SELECT ?1 + 1"; /* same text, other constant */
static const char SQL_BAD[] = "SELEKT nothing";

START_TEST(test_prepare_cache)
{
	struct err e = { 0 };
	char path[600];
	struct db *db = open_named("prepare.db", path, sizeof(path));
	sqlite3_stmt *a, *a2, *b;

	ck_assert_ptr_nonnull(a = db_prepare(db, SQL_A, &e));
	ck_assert_int_eq(sqlite3_bind_int(a, 1, 41), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(a), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(a, 0), 42);

	/* Same constant: the same statement, reset and its bindings cleared
	** though the caller left it mid-result. */
	ck_assert_ptr_nonnull(a2 = db_prepare(db, SQL_A, &e));
	ck_assert_ptr_eq(a, a2);
	ck_assert_int_eq(sqlite3_step(a2), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_type(a2, 0), SQLITE_NULL);
	sqlite3_reset(a2);

	ck_assert_ptr_nonnull(b = db_prepare(db, SQL_B, &e));
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_eq(db_prepare(db, SQL_B, &e), b);

	ck_assert_ptr_null(db_prepare(db, SQL_BAD, &e));
	ck_assert_int_eq(e.code, ERR_STORAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "syntax"));
	/* A failed prepare does not poison the cache. */
	ck_assert_ptr_eq(db_prepare(db, SQL_A, &e), a);
	db_close(db);
}
END_TEST

START_TEST(test_close_keeps_shm_empties_wal)
{
	struct err e = { 0 };
	struct stat sb;
	char path[600], side[700];
	struct db *db = open_named("keep.db", path, sizeof(path));
	struct db *other = open_named("keep.db", path, sizeof(path));

	ck_assert_int_eq(db_exec(db,
			     "CREATE TABLE t(v TEXT);"
			     "INSERT INTO t VALUES ('erase-me-7f3a');"
			     "DELETE FROM t;",
			     &e),
	    0);
	/* Not the last connection: nothing is checkpointed yet. */
	db_close(db);
	snprintf(side, sizeof(side), "%s-wal", path);
	ck_assert_int_eq(tu_file_has(side, "erase-me-7f3a"), 1);
	db_close(other);

	snprintf(side, sizeof(side), "%s-shm", path);
	ck_assert_msg(stat(side, &sb) == 0, "%s was removed", side);
	ck_assert_int_ge(sb.st_size, 32768);
	snprintf(side, sizeof(side), "%s-wal", path);
	ck_assert_msg(stat(side, &sb) == 0, "%s was removed", side);
	ck_assert_int_eq(sb.st_size, 0);
	/* It opens again from what was kept. */
	db = open_named("keep.db", path, sizeof(path));
	ck_assert_str_eq(query1(db, "SELECT count(*) FROM t"), "0");
	db_close(db);
}
END_TEST

START_TEST(test_full_says_so)
{
	struct err e = { 0 };
	char path[600];
	struct db *db = open_named("full.db", path, sizeof(path));

	/* max_page_count is SQLite's own way to run out of room: the same
	** SQLITE_FULL a full disk gives. */
	ck_assert_int_eq(db_exec(db,
			     "CREATE TABLE t(v BLOB);"
			     "PRAGMA max_page_count=3;",
			     &e),
	    0);
	ck_assert_int_eq(db_full_seen(db), 0);
	ck_assert_int_eq(
	    db_exec(db, "INSERT INTO t VALUES (zeroblob(100000))", &e), -1);
	ck_assert_int_eq(e.code, ERR_STORAGE);
	ck_assert_msg(
	    strncmp(e.msg, "the disk is full: ", 18) == 0, "%s", e.msg);
	ck_assert_int_eq(db_full_seen(db), 1);
	ck_assert_int_eq(db_full_seen(db), 0);
	/* Another error is not taken for one. */
	ck_assert_int_eq(db_exec(db, "INSERT INTO nosuch VALUES (1)", &e), -1);
	ck_assert_ptr_null(strstr(e.msg, "disk is full"));
	ck_assert_int_eq(db_full_seen(db), 0);
	db_close(db);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_migrate_new_file);
	tcase_add_test(tc, test_migrate_twice_changes_nothing);
	tcase_add_test(tc, test_refuses_newer_database);
	tcase_add_test(tc, test_connection_pragmas);
	tcase_add_test(tc, test_readonly_missing_file);
	tcase_add_test(tc, test_prepare_cache);
	tcase_add_test(tc, test_close_keeps_shm_empties_wal);
	tcase_add_test(tc, test_full_says_so);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
