/*
** A node on disk (node.h): node_init lays out node.db, blobs/ and keys/
** with private permissions and key files of the right size, prints a code
** of the promised shape whose SHA-256 (never the code) is stored; a second
** init is refused; node_open refuses key files or a keys/ directory open to
** group or others, naming the culprit; `tributary init` does the same from
** the command line.
*/
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "db.h"
#include "node.h"
#include "testutil.h"

/* Makes a node in ${tu_base}/${name}; its directory into ${dir}. */
static void
init_node(const char *name, char *dir, size_t n, char code[NODE_CODE_LEN + 1])
{
	struct err e = { 0 };

	snprintf(dir, n, "%s/%s", tu_base, name);
	ck_assert_msg(node_init(dir, code, &e) == 0, "node_init: %s", e.msg);
}

static void
check_mode(
    const char *dir, const char *rel, mode_t type, mode_t mode, off_t size)
{
	char path[800];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg(stat(path, &sb) == 0, "%s missing", path);
	ck_assert_msg((sb.st_mode & S_IFMT) == type, "%s: wrong type", path);
	ck_assert_msg((sb.st_mode & 0777) == mode, "%s: mode %03o, want %03o",
	    path, (unsigned)(sb.st_mode & 0777), (unsigned)mode);
	if (size >= 0)
		ck_assert_msg(sb.st_size == size, "%s: %lld bytes, want %lld",
		    path, (long long)sb.st_size, (long long)size);
}

static void
check_code_shape(const char *code)
{
	static const char alpha[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	int i;

	ck_assert_uint_eq(strlen(code), NODE_CODE_LEN);
	for (i = 0; i < NODE_CODE_LEN; i++) {
		if (i == 4 || i == 9)
			ck_assert_msg(
			    code[i] == '-', "code %s: no dash at %d", code, i);
		else
			ck_assert_msg(strchr(alpha, code[i]) != NULL && code[i],
			    "code %s: bad character at %d", code, i);
	}
}

/* Is the SHA-256 of ${code} a login code of the admin account? */
static int
code_stored(const char *dir, const char *code)
{
	uint8_t sum[SHA256_LEN];
	struct err e = { 0 };
	char path[800];
	sqlite3_stmt *st;
	struct db *db;
	int n = -1;

	snprintf(path, sizeof(path), "%s/node.db", dir);
	ck_assert_ptr_nonnull(db = db_open(path, DB_READONLY, &e));
	ck_assert_int_eq(sha256_digest(code, strlen(code), sum), 0);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(db),
		"SELECT count(*) FROM login_codes c JOIN accounts a "
		"ON a.id = c.account_id WHERE c.code_sha256 = ?1 "
		"AND a.handle = 'admin' AND a.role = 'admin' AND c.used_at IS "
		"NULL "
		"AND c.expires_at > c.created_at",
		-1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	return (n);
}

/* No column of login_codes holds the code itself. */
static int
code_in_clear(const char *dir, const char *code)
{
	struct err e = { 0 };
	char path[800];
	sqlite3_stmt *st;
	struct db *db;
	int n = -1;

	snprintf(path, sizeof(path), "%s/node.db", dir);
	ck_assert_ptr_nonnull(db = db_open(path, DB_READONLY, &e));
	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(db),
		"SELECT count(*) FROM login_codes WHERE CAST(code_sha256 AS "
		"TEXT) "
		"= ?1 OR hex(code_sha256) LIKE '%' || hex(?1) || '%'",
		-1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	db_close(db);
	return (n);
}

START_TEST(test_init_layout)
{
	char dir[600], code[NODE_CODE_LEN + 1];

	init_node("layout", dir, sizeof(dir), code);
	check_mode(dir, "node.db", S_IFREG, 0600, -1);
	check_mode(dir, "blobs", S_IFDIR, 0700, -1);
	check_mode(dir, "keys", S_IFDIR, 0700, -1);
	check_mode(dir, "keys/signing.key", S_IFREG, 0600, 64);
	check_mode(dir, "keys/pseudonym.key", S_IFREG, 0600, 32);
	check_code_shape(code);
	ck_assert_int_eq(node_exists(dir), 1);
	ck_assert_int_eq(code_stored(dir, code), 1);
	ck_assert_int_eq(code_in_clear(dir, code), 0);
}
END_TEST

/*
** SQLite's -wal and -shm stay beside node.db after the node closes (so it
** can open again on a full disk), private, the -wal empty; node_open makes
** them private again if they were not; node_disk_full() finds room in a
** temporary folder and says nothing.
*/
START_TEST(test_wal_shm_kept_private)
{
	char dir[600], code[NODE_CODE_LEN + 1], path[700], why[256] = "";
	struct err e = { 0 };
	struct node *n;

	init_node("kept", dir, sizeof(dir), code);
	check_mode(dir, "node.db-wal", S_IFREG, 0600, 0);
	check_mode(dir, "node.db-shm", S_IFREG, 0600, -1);
	snprintf(path, sizeof(path), "%s/node.db-wal", dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/node.db-shm", dir);
	ck_assert_int_eq(chmod(path, 0644), 0);
	n = node_open(dir, &e);
	ck_assert_msg(n != NULL, "node_open: %s", e.msg);
	check_mode(dir, "node.db-wal", S_IFREG, 0600, -1);
	check_mode(dir, "node.db-shm", S_IFREG, 0600, -1);
	ck_assert_int_eq(node_disk_full(n, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	node_close(n);
	check_mode(dir, "node.db-wal", S_IFREG, 0600, 0);
}
END_TEST

START_TEST(test_codes_are_random)
{
	char a[NODE_CODE_LEN + 1], b[NODE_CODE_LEN + 1];

	random_code(a);
	random_code(b);
	check_code_shape(a);
	check_code_shape(b);
	ck_assert_str_ne(a, b); /* 32^12 codes: equal only by a broken RNG */
}
END_TEST

START_TEST(test_second_init_refused)
{
	char dir[600], code[NODE_CODE_LEN + 1], again[NODE_CODE_LEN + 1];
	struct err e = { 0 };

	init_node("twice", dir, sizeof(dir), code);
	ck_assert_int_eq(node_init(dir, again, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, dir));
	/* The first node is untouched: its code still works. */
	ck_assert_int_eq(code_stored(dir, code), 1);
}
END_TEST

START_TEST(test_open_checks_permissions)
{
	char dir[600], code[NODE_CODE_LEN + 1], path[800];
	static const char *keys[] = { "signing.key", "pseudonym.key" };
	struct err e = { 0 };
	struct node *n;
	uint8_t pk[32];
	size_t i;

	init_node("perm", dir, sizeof(dir), code);
	n = node_open(dir, &e);
	ck_assert_msg(n != NULL, "node_open: %s", e.msg);
	ck_assert_ptr_nonnull(n->writer);
	ck_assert_ptr_nonnull(n->blobs);
	memcpy(pk, n->sign_pk, sizeof(pk));
	node_close(n);

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "%s/keys/%s", dir, keys[i]);
		ck_assert_int_eq(chmod(path, 0640), 0);
		memset(&e, 0, sizeof(e));
		ck_assert_ptr_null(node_open(dir, &e));
		ck_assert_int_eq(e.code, ERR_FORBIDDEN);
		ck_assert_msg(strstr(e.msg, keys[i]) != NULL, "%s", e.msg);
		ck_assert_int_eq(chmod(path, 0604), 0);
		ck_assert_ptr_null(node_open(dir, &e));
		ck_assert_int_eq(e.code, ERR_FORBIDDEN);
		ck_assert_int_eq(chmod(path, 0600), 0);
		ck_assert_ptr_nonnull(n = node_open(dir, &e));
		node_close(n);
	}

	snprintf(path, sizeof(path), "%s/keys", dir);
	ck_assert_int_eq(chmod(path, 0755), 0);
	memset(&e, 0, sizeof(e));
	ck_assert_ptr_null(node_open(dir, &e));
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	ck_assert_msg(strstr(e.msg, path) != NULL, "%s", e.msg);
	ck_assert_int_eq(chmod(path, 0700), 0);

	n = node_open(dir, &e);
	ck_assert_msg(n != NULL, "node_open after chmod: %s", e.msg);
	/* The same keys as before: nothing was regenerated. */
	ck_assert(memcmp(pk, n->sign_pk, sizeof(pk)) == 0);
	node_close(n);
}
END_TEST

START_TEST(test_open_refuses_wrong_key_size)
{
	char dir[600], code[NODE_CODE_LEN + 1], path[800];
	struct err e = { 0 };

	init_node("size", dir, sizeof(dir), code);
	snprintf(path, sizeof(path), "%s/keys/pseudonym.key", dir);
	ck_assert_int_eq(truncate(path, 31), 0);
	ck_assert_ptr_null(node_open(dir, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "pseudonym.key"));
}
END_TEST

static const char *
bin(void)
{
	const char *b = getenv("TRIBUTARY_BIN");

	return (b != NULL ? b : "./tributary");
}

START_TEST(test_cli_init)
{
	char dir[600], out[4096], code[NODE_CODE_LEN + 1], *p, *nl;
	char *argv[] = { (char *)bin(), "init", "--data", dir, NULL };

	snprintf(dir, sizeof(dir), "%s/cli", tu_base);
	ck_assert_int_eq(tu_run(argv, out, sizeof(out)), 0);
	p = strstr(out, "admin login code");
	ck_assert_msg(p != NULL, "output: %s", out);
	/* "admin login code (one use, 7 days): XXXX-XXXX-XXXX\n" */
	ck_assert_ptr_nonnull(p = strstr(p, ": "));
	p += 2;
	if ((nl = strchr(p, '\n')) != NULL)
		*nl = '\0';
	ck_assert_uint_eq(strlen(p), NODE_CODE_LEN);
	memcpy(code, p, sizeof(code));
	check_code_shape(code);
	ck_assert_int_eq(code_stored(dir, code), 1);
	check_mode(dir, "keys/signing.key", S_IFREG, 0600, 64);

	/* A second init on the same directory fails, printing no code. */
	ck_assert_int_ne(tu_run(argv, out, sizeof(out)), 0);
	ck_assert_ptr_null(strstr(out, "admin login code"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("node");
	TCase *tc = tcase_create("core");

	if (crypto_init() == -1)
		return (1);
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_init_layout);
	tcase_add_test(tc, test_wal_shm_kept_private);
	tcase_add_test(tc, test_codes_are_random);
	tcase_add_test(tc, test_second_init_refused);
	tcase_add_test(tc, test_open_checks_permissions);
	tcase_add_test(tc, test_open_refuses_wrong_key_size);
	tcase_add_test(tc, test_cli_init);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
