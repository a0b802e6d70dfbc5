/*
** The blob store (blob.h): a blob is stored once under the SHA-256 of its
** bytes, byte for byte; streamed and one-shot writes agree; blob_path takes
** only a well-formed hash; an aborted or committed writer leaves no temp
** file; the sweep keeps referenced and young files and removes old
** unreferenced ones and stale temp files.
*/
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "blob.h"
#include "crypto.h"
#include "db.h"
#include "testutil.h"

/* Opens the store ${tu_base}/${name}; its directory into ${dir}. */
static struct blobstore *
store(const char *name, char *dir, size_t n)
{
	struct err e = { 0 };
	struct blobstore *bs;

	snprintf(dir, n, "%s/%s", tu_base, name);
	bs = blob_open(dir, &e);
	ck_assert_msg(bs != NULL, "blob_open: %s", e.msg);
	return (bs);
}

/* Entries in ${dir} whose names start with ${prefix} ("" = all but dots). */
static int
count_entries(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' &&
		    strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return (n);
}

static char *
pattern(size_t n, unsigned seed)
{
	char *p = malloc(n);
	size_t i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (char)(seed >> 16);
	}
	return (p);
}

START_TEST(test_known_vector)
{
	char dir[600], hex[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	struct blobstore *bs = store("abc", dir, sizeof(dir));

	ck_assert_msg(blob_put(bs, "abc", 3, hex, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	blob_close(bs);
}
END_TEST

START_TEST(test_put_twice_one_file)
{
	char dir[600], sub[700], path[800], hex1[SHA256_HEX_LEN + 1],
	    hex2[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
	uint8_t sum[SHA256_LEN];
	struct err e = { 0 };
	struct blobstore *bs = store("twice", dir, sizeof(dir));
	size_t n = 100000, got;
	char *data = pattern(n, 7), *back;

	ck_assert_msg(blob_put(bs, data, n, hex1, &e) == 0, "%s", e.msg);
	ck_assert_msg(blob_put(bs, data, n, hex2, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(hex1, hex2);
	ck_assert_int_eq(sha256_digest(data, n, sum), 0);
	hex_encode(sum, SHA256_LEN, want);
	ck_assert_str_eq(hex1, want);

	/* One file, at DIR/ab/cdef..., holding exactly the bytes. */
	ck_assert_int_eq(blob_path(bs, hex1, path, sizeof(path)), 0);
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex1);
	ck_assert_str_eq(strrchr(path, '/') + 1, hex1 + 2);
	ck_assert_int_eq(count_entries(sub, ""), 1);
	ck_assert_int_eq(count_entries(dir, ""), 1); /* sub only, no tmp.* */
	back = tu_slurp(path, &got);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(back, data, n) == 0);

	/* A different blob is a different file. */
	ck_assert_int_eq(blob_put(bs, "x", 1, hex2, &e), 0);
	ck_assert_str_ne(hex1, hex2);
	free(back);
	free(data);
	blob_close(bs);
}
END_TEST

START_TEST(test_empty_blob)
{
	char dir[600], path[800], hex[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	struct blobstore *bs = store("empty", dir, sizeof(dir));
	struct stat sb;

	ck_assert_int_eq(blob_put(bs, "", 0, hex, &e), 0);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(blob_path(bs, hex, path, sizeof(path)), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	blob_close(bs);
}
END_TEST

START_TEST(test_path_refuses_non_hash)
{
	static const char *bad[] = {
		"",
		"abc",
		"../../../../etc/passwd",
		/* 63 digits */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015"
		"a",
		/* 65 digits */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015"
		"ad0",
		/* upper case */
		"BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015"
		"AD",
		/* one non-hex digit */
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015"
		"ag",
		"ba/"
		"816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	};
	const char *good =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char dir[600], path[800], want[900];
	struct blobstore *bs = store("path", dir, sizeof(dir));
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(blob_path(bs, bad[i], path, sizeof(path)) == -1,
		    "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(blob_path(bs, good, path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/ba/%s", dir, good + 2);
	ck_assert_str_eq(path, want);
	/* Too small a buffer is refused, not truncated. */
	ck_assert_int_eq(blob_path(bs, good, path, strlen(want)), -1);
	ck_assert_int_eq(blob_path(bs, good, path, strlen(want) + 1), 0);
	blob_close(bs);
}
END_TEST

START_TEST(test_stream_equals_one_shot)
{
	char dir[600], hex1[SHA256_HEX_LEN + 1], hex2[SHA256_HEX_LEN + 1];
	static const size_t chunks[] = { 1, 7, 4096, 65536, 3, 100000 };
	struct err e = { 0 };
	struct blobstore *bs = store("stream", dir, sizeof(dir));
	struct blob_writer *bw;
	size_t n = 0, off = 0, i;
	char *data;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		n += chunks[i];
	data = pattern(n, 42);
	ck_assert_ptr_nonnull(bw = blob_writer_new(bs, &e));
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		ck_assert_int_eq(
		    blob_writer_write(bw, data + off, chunks[i], &e), 0);
		off += chunks[i];
	}
	ck_assert_msg(blob_writer_commit(bw, hex1, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(blob_put(bs, data, n, hex2, &e), 0);
	ck_assert_str_eq(hex1, hex2);
	ck_assert_int_eq(count_entries(dir, "tmp."), 0);
	free(data);
	blob_close(bs);
}
END_TEST

START_TEST(test_abort_leaves_nothing)
{
	char dir[600];
	struct err e = { 0 };
	struct blobstore *bs = store("abort", dir, sizeof(dir));
	struct blob_writer *bw;

	ck_assert_ptr_nonnull(bw = blob_writer_new(bs, &e));
	ck_assert_int_eq(blob_writer_write(bw, "partial", 7, &e), 0);
	ck_assert_int_eq(count_entries(dir, "tmp."), 1);
	blob_writer_abort(bw);
	ck_assert_int_eq(count_entries(dir, ""), 0);
	blob_writer_abort(NULL);
	blob_close(bs);
}
END_TEST

static void
set_mtime(const char *path, time_t t)
{
	struct timeval tv[2] = { { t, 0 }, { t, 0 } };

	ck_assert_msg(utimes(path, tv) == 0, "utimes %s", path);
}

static void
make_file(const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs("left over", f);
	fclose(f);
}

START_TEST(test_sweep)
{
	char dir[600], dbpath[600], pa[800], pb[800], pc[800], pd[800],
	    stale[700], fresh[700], a[SHA256_HEX_LEN + 1],
	    b[SHA256_HEX_LEN + 1], c[SHA256_HEX_LEN + 1], d[SHA256_HEX_LEN + 1];
	struct blob_sweep_stats st;
	struct err e = { 0 };
	struct blobstore *bs = store("blobs", dir, sizeof(dir));
	const time_t now = time(NULL);
	const long grace = 3600;
	sqlite3_stmt *ins;
	struct db *db;

	snprintf(dbpath, sizeof(dbpath), "%s/node.db", tu_base);
	ck_assert_ptr_nonnull(db = db_open(dbpath, 0, &e));
	ck_assert_msg(db_migrate(db, &e) == 0, "%s", e.msg);
	ck_assert_msg(db_exec(db,
			  "CREATE TABLE r(sha TEXT);"
			  "DROP VIEW IF EXISTS blob_refs;"
			  "CREATE VIEW blob_refs(sha256) AS SELECT sha FROM r;",
			  &e) == 0,
	    "%s", e.msg);

	ck_assert_int_eq(blob_put(bs, "referenced", 10, a, &e), 0);
	ck_assert_int_eq(blob_put(bs, "unreferenced old", 16, b, &e), 0);
	ck_assert_int_eq(blob_put(bs, "unreferenced young", 18, c, &e), 0);
	ck_assert_int_eq(blob_put(bs, "referenced young", 16, d, &e), 0);
	blob_path(bs, a, pa, sizeof(pa));
	blob_path(bs, b, pb, sizeof(pb));
	blob_path(bs, c, pc, sizeof(pc));
	blob_path(bs, d, pd, sizeof(pd));
	snprintf(stale, sizeof(stale), "%s/tmp.stale1", dir);
	snprintf(fresh, sizeof(fresh), "%s/tmp.fresh1", dir);
	make_file(stale);
	make_file(fresh);
	set_mtime(pa, now - 2 * grace);
	set_mtime(pb, now - 2 * grace);
	set_mtime(pc, now - grace / 2);
	set_mtime(pd, now - grace / 2);
	set_mtime(stale, now - grace - 1);
	set_mtime(fresh, now - 10);

	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(db),
			     "INSERT INTO r(sha) VALUES (?1)", -1, &ins, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(ins, 1, a, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_reset(ins);
	sqlite3_bind_text(ins, 1, d, -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_finalize(ins);

	ck_assert_msg(
	    blob_sweep(bs, db, now, grace, &st, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(access(pa, F_OK), 0);    /* referenced, old */
	ck_assert_int_ne(access(pb, F_OK), 0);    /* unreferenced, old */
	ck_assert_int_eq(access(pc, F_OK), 0);    /* unreferenced, young */
	ck_assert_int_eq(access(pd, F_OK), 0);    /* referenced, young */
	ck_assert_int_ne(access(stale, F_OK), 0); /* stale temp file */
	ck_assert_int_eq(access(fresh, F_OK), 0); /* upload in progress */
	ck_assert_uint_eq(st.kept, 2);
	ck_assert_uint_eq(st.young, 1);
	ck_assert_uint_eq(st.removed, 2);

	/* Once the young one ages past the grace, it goes too. */
	ck_assert_int_eq(blob_sweep(bs, db, now + grace, grace, &st, &e), 0);
	ck_assert_int_ne(access(pc, F_OK), 0);
	ck_assert_int_eq(access(pa, F_OK), 0);
	ck_assert_int_eq(access(pd, F_OK), 0);
	ck_assert_uint_eq(st.removed, 2); /* c and tmp.fresh1 */
	ck_assert_uint_eq(st.kept, 2);

	db_close(db);
	blob_close(bs);
}
END_TEST

START_TEST(test_put_refreshes_existing_mtime)
{
	char dir[600], path[800], hex[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	struct blobstore *bs = store("refresh", dir, sizeof(dir));
	struct stat sb;
	time_t old = time(NULL) - 86400;

	ck_assert_int_eq(blob_put(bs, "again", 5, hex, &e), 0);
	blob_path(bs, hex, path, sizeof(path));
	set_mtime(path, old);
	/* Re-uploading the same bytes makes the file young again, so the
	** sweep cannot take it before the new row referencing it lands. */
	ck_assert_int_eq(blob_put(bs, "again", 5, hex, &e), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_mtime, old);
	blob_close(bs);
}
END_TEST

/* The unsynced put (recordings): same names and bytes as blob_put, no
** temp file left in the top folder, the same bytes again written once,
** and an old copy made young again. */
START_TEST(test_put_unsynced)
{
	char dir[600], sub[700], path[800], hex[SHA256_HEX_LEN + 1],
	    hex2[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	struct blobstore *bs = store("unsynced", dir, sizeof(dir));
	size_t n = 200000, got;
	char *data = pattern(n, 11), *back;
	struct stat sb;
	time_t old = time(NULL) - 86400;

	ck_assert_msg(
	    blob_put_unsynced(bs, data, n, hex, &e) == 0, "%s", e.msg);
	ck_assert_msg(blob_put(bs, data, n, hex2, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(hex, hex2);
	ck_assert_int_eq(blob_path(bs, hex, path, sizeof(path)), 0);
	back = tu_slurp(path, &got);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(back, data, n) == 0);
	free(back);
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex);
	ck_assert_int_eq(count_entries(sub, ""), 1);
	ck_assert_int_eq(count_entries(dir, ""), 1); /* the sub folder only */

	set_mtime(path, old);
	ck_assert_int_eq(blob_put_unsynced(bs, data, n, hex2, &e), 0);
	ck_assert_str_eq(hex, hex2);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_gt(sb.st_mtime, old);
	ck_assert_int_eq(count_entries(sub, ""), 1);

	/* A short file under the name (what a crash can leave of a blob
	** never flushed) is not taken for the blob: it is written again. */
	ck_assert_int_eq(truncate(path, 10), 0);
	ck_assert_int_eq(blob_put_unsynced(bs, data, n, hex2, &e), 0);
	back = tu_slurp(path, &got);
	ck_assert_uint_eq(got, n);
	ck_assert(memcmp(back, data, n) == 0);
	free(back);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(blob_put(bs, data, n, hex2, &e), 0);
	back = tu_slurp(path, &got);
	ck_assert_uint_eq(got, n);
	free(back);

	/* Empty, and a second blob in the same store. */
	ck_assert_int_eq(blob_put_unsynced(bs, "", 0, hex2, &e), 0);
	ck_assert_str_eq(hex2,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ck_assert_int_eq(blob_path(bs, hex2, path, sizeof(path)), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
	free(data);
	blob_close(bs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("blob");
	TCase *tc = tcase_create("core");

	if (crypto_init() == -1)
		return (1);
	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_known_vector);
	tcase_add_test(tc, test_put_twice_one_file);
	tcase_add_test(tc, test_empty_blob);
	tcase_add_test(tc, test_path_refuses_non_hash);
	tcase_add_test(tc, test_stream_equals_one_shot);
	tcase_add_test(tc, test_abort_leaves_nothing);
	tcase_add_test(tc, test_sweep);
	tcase_add_test(tc, test_put_refreshes_existing_mtime);
	tcase_add_test(tc, test_put_unsynced);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
