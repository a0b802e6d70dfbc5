/*
** The Parquet writer (outbound/parquet.h), held to what real readers make
** of its files: every table here is written to a temporary folder with a
** .json of what it holds, and tests/parquet/read.mjs reads each file with
** DuckDB and with hyparquet and compares every value (and DuckDB's types
** and the key-value metadata where the .json names them). Checked here in
** C: the magic at both ends, the footer length, the same rows giving the
** same bytes, a dictionary making a repetitive column smaller, misuse and
** write failures refused. The property test writes a thousand random
** small tables (nulls, empty, long and Unicode strings, any int64 and
** double bit pattern, booleans, the audio group) and has both readers
** check them all; $PARQUET_SEED replays another set.
**
** The readers come from node_modules (ops/dev test runs `npm ci`); when
** they are missing, the tests that need them say so on stderr and pass
** the rest of their checks.
*/
#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet.h"
#include "pqtable.h"
#include "testutil.h"

static const char *
type_name(enum parquet_type t)
{
	switch (t) {
	case PARQUET_BOOLEAN: return ("bool");
	case PARQUET_INT32: return ("int32");
	case PARQUET_INT64: return ("int64");
	case PARQUET_DOUBLE: return ("double");
	case PARQUET_STRING: return ("string");
	case PARQUET_BINARY: return ("binary");
	default: return ("group");
	}
}

/* The canonical JSON of one value (tests/parquet/read.mjs). */
static json_t *
canon(struct pqt_table *t, size_t row, size_t i)
{
	struct pqt_value *v = pqt_val(t, row, i);
	char s[64], *hex;
	size_t k;

	if (v->null || pqt_in_null_group(t, row, i))
		return (json_null());
	switch (t->f[i].type) {
	case PARQUET_BOOLEAN: return (json_boolean(v->i));
	case PARQUET_INT32: return (json_integer(v->i));
	case PARQUET_INT64:
		snprintf(s, sizeof(s), "%" PRId64, v->i);
		return (json_string(s));
	case PARQUET_DOUBLE: {
		uint64_t u;

		if (isnan(v->d))
			return (json_string("nan"));
		memcpy(&u, &v->d, 8);
		snprintf(s, sizeof(s), "%016" PRIx64, u);
		return (json_string(s));
	}
	case PARQUET_STRING: return (json_stringn(v->p ? v->p : "", v->n));
	case PARQUET_BINARY: {
		json_t *j;

		hex = malloc(2 * v->n + 1);
		ck_assert_ptr_nonnull(hex);
		for (k = 0; k < v->n; k++)
			sprintf(hex + 2 * k, "%02x", (unsigned char)v->p[k]);
		hex[2 * v->n] = '\0';
		j = json_string(hex);
		free(hex);
		return (j);
	}
	default: {
		json_t *o = json_object();

		for (k = 1; k <= (size_t)t->f[i].nchildren; k++)
			json_object_set_new(
			    o, t->f[i + k].name, canon(t, row, i + k));
		return (o);
	}
	}
}

/* The column description of field ${i} (read.mjs's "columns"). */
static json_t *
column_json(struct pqt_table *t, size_t i)
{
	json_t *c = json_pack("{s:s, s:s}", "name", t->f[i].name, "type",
	    type_name(t->f[i].type));
	size_t k;

	if (t->f[i].type == PARQUET_GROUP) {
		json_t *ch = json_array();

		for (k = 1; k <= (size_t)t->f[i].nchildren; k++)
			json_array_append_new(ch, column_json(t, i + k));
		json_object_set_new(c, "children", ch);
	}
	return (c);
}

/* Writes the expectations of ${t} to ${path}, plus ${schema} (may be
** NULL; stolen) and the table's key-value pair. */
static void
table_expect(struct pqt_table *t, const char *path, json_t *schema)
{
	json_t *cols = json_array(), *rows = json_array(), *root;
	size_t r, i;

	for (i = 0; i < t->nf; i++) {
		json_array_append_new(cols, column_json(t, i));
		if (t->f[i].type == PARQUET_GROUP)
			i += (size_t)t->f[i].nchildren;
	}
	for (r = 0; r < t->nrows; r++) {
		json_t *o = json_object();

		for (i = 0; i < t->nf; i++) {
			json_object_set_new(o, t->f[i].name, canon(t, r, i));
			if (t->f[i].type == PARQUET_GROUP)
				i += (size_t)t->f[i].nchildren;
		}
		json_array_append_new(rows, o);
	}
	root = json_pack("{s:o, s:o}", "columns", cols, "rows", rows);
	if (schema != NULL)
		json_object_set_new(root, "schema", schema);
	if (t->kv_key != NULL)
		json_object_set_new(
		    root, "kv", json_pack("{s:s}", t->kv_key, t->kv_value));
	ck_assert_int_eq(json_dump_file(root, path, JSON_COMPACT), 0);
	json_decref(root);
}

/* 1 if the three readers are in node_modules; else says why and 0. */
static int
readers_present(void)
{
	static const char *const mods[] = { "node_modules/@duckdb/node-api",
		"node_modules/hyparquet",
		"node_modules/hyparquet-compressors" };
	char *argv[] = { "node", "--version", NULL };
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (access(tu_src_path(mods[i]), R_OK) == -1) {
			fprintf(stderr,
			    "check_parquet: SKIPPING the reader checks: %s is "
			    "missing (run `npm ci`, as ops/dev test does)\n",
			    mods[i]);
			return (0);
		}
	/* The readers are installed: node must be there to run them. */
	ck_assert_msg(tu_run(argv, NULL, 0) == 0,
	    "node_modules holds the Parquet readers but `node` does not run");
	return (1);
}

/* Runs read.mjs --check on ${dir}; fails the test on any difference. */
static void
readers_check(const char *dir)
{
	static char out[65536], script[1024];
	char *argv[] = { "node", script, "--check", (char *)dir, NULL };
	int rc;

	if (!readers_present())
		return;
	snprintf(script, sizeof(script), "%s",
	    tu_src_path("tests/parquet/read.mjs"));
	rc = tu_run(argv, out, sizeof(out));
	/* On success one line, "parquet: N files match". */
	fprintf(stderr, "read.mjs --check %s (exit %d): %s", dir, rc, out);
	ck_assert_msg(
	    rc == 0, "read.mjs --check %s (exit %d): %.1500s", dir, rc, out);
	ck_assert_msg(strstr(out, "files match") != NULL, "%.1500s", out);
}

/* The magic at both ends, and a footer length that fits the file. */
static void
check_frame(const char *path)
{
	size_t n;
	unsigned char *p = tu_slurp(path, &n);
	uint32_t flen;

	ck_assert_uint_ge(n, 12);
	ck_assert_int_eq(memcmp(p, "PAR1", 4), 0);
	ck_assert_int_eq(memcmp(p + n - 4, "PAR1", 4), 0);
	flen = (uint32_t)p[n - 8] | (uint32_t)p[n - 7] << 8 |
	    (uint32_t)p[n - 6] << 16 | (uint32_t)p[n - 5] << 24;
	ck_assert_uint_gt(flen, 0);
	ck_assert_uint_le((size_t)flen + 12, n);
	free(p);
}

static json_t *
shapes_schema(void)
{
	return (json_pack("[[s,s],[s,s],[s,s],[s,s],[s,s],[s,s],[s,s],[s,s],"
			  "[s,s],[s,s]]",
	    "id", "VARCHAR", "n64", "BIGINT", "n32", "INTEGER", "x", "DOUBLE",
	    "ok", "BOOLEAN", "text", "VARCHAR", "blob", "BLOB", "audio",
	    "STRUCT(bytes BLOB, path VARCHAR)", "language", "VARCHAR", "count",
	    "BIGINT"));
}

/* Every shape, both codecs, read back by both readers; the schema as
** DuckDB types it (audio a STRUCT(bytes BLOB, path VARCHAR)) and the
** huggingface key-value metadata. */
START_TEST(test_shapes)
{
	enum parquet_codec codecs[] = { PARQUET_UNCOMPRESSED, PARQUET_ZSTD };
	char dir[600], path[700];
	struct err e = { 0 };
	struct pqt_table t;
	size_t c;

	snprintf(dir, sizeof(dir), "%s/shapes", tu_base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (c = 0; c < 2; c++) {
		pqt_shapes(&t, codecs[c]);
		snprintf(path, sizeof(path), "%s/shapes-%zu.parquet", dir, c);
		ck_assert_msg(pqt_write(&t, path, &e) == 0, "%s", e.msg);
		check_frame(path);
		snprintf(path, sizeof(path), "%s/shapes-%zu.json", dir, c);
		table_expect(&t, path, shapes_schema());
		pqt_free(&t);
	}
	readers_check(dir);
}
END_TEST

/* The same rows give the same bytes, uncompressed and ZSTD; and ZSTD
** changes them (it is really applied). */
START_TEST(test_deterministic)
{
	char a[700], b[700];
	struct err e = { 0 };
	struct pqt_table t;
	size_t na, nb, nz;
	void *pa, *pb, *pz;

	snprintf(a, sizeof(a), "%s/det-a.parquet", tu_base);
	snprintf(b, sizeof(b), "%s/det-b.parquet", tu_base);
	pqt_shapes(&t, PARQUET_ZSTD);
	ck_assert_msg(pqt_write(&t, a, &e) == 0, "%s", e.msg);
	ck_assert_msg(pqt_write(&t, b, &e) == 0, "%s", e.msg);
	pa = tu_slurp(a, &na);
	pb = tu_slurp(b, &nb);
	ck_assert_uint_eq(na, nb);
	ck_assert_int_eq(memcmp(pa, pb, na), 0);
	t.codec = PARQUET_UNCOMPRESSED;
	ck_assert_msg(pqt_write(&t, b, &e) == 0, "%s", e.msg);
	ck_assert_msg(pqt_write(&t, a, &e) == 0, "%s", e.msg);
	pz = tu_slurp(b, &nz);
	free(pb);
	pb = tu_slurp(a, &nb);
	ck_assert_uint_eq(nz, nb);
	ck_assert_int_eq(memcmp(pz, pb, nz), 0);
	ck_assert(nz != na || memcmp(pz, pa, nz) != 0);
	free(pa);
	free(pb);
	free(pz);
	pqt_free(&t);
}
END_TEST

/* A column of few distinct values is smaller with a dictionary, and still
** reads the same; ZSTD shrinks a repetitive file. */
START_TEST(test_dictionary)
{
	static const char *const camp[] = { "common-voice-fr",
		"common-voice-sw", "wikipedia-sentences" };
	char dir[600], path[700];
	struct err e = { 0 };
	struct pqt_table t;
	size_t sizes[3], n;
	int d;

	snprintf(dir, sizeof(dir), "%s/dict", tu_base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (d = 0; d < 3; d++) {
		pqt_campaigns(&t, camp, d > 0,
		    d == 2 ? PARQUET_ZSTD : PARQUET_UNCOMPRESSED);
		snprintf(path, sizeof(path), "%s/dict-%d.parquet", dir, d);
		ck_assert_msg(pqt_write(&t, path, &e) == 0, "%s", e.msg);
		free(tu_slurp(path, &n));
		sizes[d] = n;
		snprintf(path, sizeof(path), "%s/dict-%d.json", dir, d);
		table_expect(&t, path, NULL);
		pqt_free(&t);
	}
	ck_assert_uint_lt(sizes[1] * 2, sizes[0]);
	ck_assert_uint_lt(sizes[2], sizes[1]);
	readers_check(dir);
}
END_TEST

/* No rows at all, and rows with only nulls, are files the readers take. */
START_TEST(test_empty_and_all_null)
{
	char dir[600], path[700];
	struct err e = { 0 };
	struct pqt_table t;
	int k;

	snprintf(dir, sizeof(dir), "%s/empty", tu_base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (k = 0; k < 2; k++) {
		pqt_nulls(&t, k == 0 ? 0 : 12,
		    k ? PARQUET_ZSTD : PARQUET_UNCOMPRESSED);
		snprintf(path, sizeof(path), "%s/e%d.parquet", dir, k);
		ck_assert_msg(pqt_write(&t, path, &e) == 0, "%s", e.msg);
		check_frame(path);
		snprintf(path, sizeof(path), "%s/e%d.json", dir, k);
		table_expect(&t, path, NULL);
		pqt_free(&t);
	}
	readers_check(dir);
}
END_TEST

/* Misuse is refused with ERR_INVALID and nothing more is taken. */
START_TEST(test_misuse)
{
	struct parquet_field bad_group[] = {
		{ "g", PARQUET_GROUP, 1, 3, 0 },
		{ "a", PARQUET_INT64, 1, 0, 0 },
	};
	struct parquet_field nested[] = {
		{ "g", PARQUET_GROUP, 1, 2, 0 },
		{ "h", PARQUET_GROUP, 1, 1, 0 },
		{ "a", PARQUET_INT64, 1, 0, 0 },
	};
	struct parquet_field ok[] = {
		{ "a", PARQUET_INT64, 0, 0, 0 },
		{ "g", PARQUET_GROUP, 1, 1, 0 },
		{ "s", PARQUET_STRING, 1, 0, 0 },
	};
	struct err e = { 0 };
	struct parquet *pq;
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_null(parquet_open(f, bad_group, 2, 0, &e));
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_ptr_null(parquet_open(f, nested, 3, 0, &e));
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_ptr_null(parquet_open(f, ok, 0, 0, &e));

	/* A missing value. */
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_ptr_nonnull(pq);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 1), 0);
	ck_assert_int_eq(parquet_row_end(pq, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(e.msg, "field s has no value"));
	ck_assert_int_eq(parquet_close(pq, &e), -1);

	/* The wrong type, null for REQUIRED, two values, a value inside a
	** null group, and after a failure everything. */
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_int_eq(parquet_put_double(pq, 0, 1.0), -1);
	ck_assert_int_eq(parquet_row_end(pq, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 1), -1);
	parquet_free(pq);
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_int_eq(parquet_put_null(pq, 0), -1);
	parquet_free(pq);
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 1), 0);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 2), -1);
	parquet_free(pq);
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 1), 0);
	ck_assert_int_eq(parquet_put_null(pq, 1), 0);
	ck_assert_int_eq(parquet_put_str(pq, 2, "x"), 0);
	ck_assert_int_eq(parquet_row_end(pq, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	parquet_free(pq);
	/* A row begun and not ended. */
	pq = parquet_open(f, ok, 3, 0, &e);
	ck_assert_int_eq(parquet_put_i64(pq, 0, 1), 0);
	ck_assert_int_eq(parquet_close(pq, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(parquet_close(NULL, &e), -1);
	parquet_free(NULL);
	fclose(f);
}
END_TEST

/* A write that fails (a full disk) is ERR_STORAGE from close. */
START_TEST(test_disk_full)
{
	struct parquet_field fs[] = { { "s", PARQUET_STRING, 0, 0, 0 } };
	struct err e = { 0 };
	struct parquet *pq;
	FILE *f = fopen("/dev/full", "w");
	int i, rc = 0;

	if (f == NULL)
		return; /* no /dev/full here */
	pq = parquet_open(f, fs, 1, PARQUET_UNCOMPRESSED, &e);
	ck_assert_ptr_nonnull(pq);
	for (i = 0; i < 5000 && rc == 0; i++) {
		parquet_put_str(pq, 0, "some text that fills the stdio buffer");
		rc = parquet_row_end(pq, &e);
		if (rc == 0 && i % 100 == 99)
			rc = parquet_row_group_end(pq, &e);
	}
	if (rc == 0)
		rc = parquet_close(pq, &e);
	else
		parquet_free(pq);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, ERR_STORAGE);
	fclose(f);
}
END_TEST

/* A thousand random tables, written and read back by DuckDB and
** hyparquet, every value compared; the ones that differ are named. */
START_TEST(test_property)
{
	char dir[600], path[700];
	struct err e = { 0 };
	struct pqt_table t;
	int n;

	fprintf(stderr, "check_parquet: property seed %" PRIu64 "\n",
	    pqt_seed(20240611));
	snprintf(dir, sizeof(dir), "%s/property", tu_base);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	for (n = 0; n < 1000; n++) {
		pqt_random(&t);
		snprintf(path, sizeof(path), "%s/t%04d.parquet", dir, n);
		ck_assert_msg(
		    pqt_write(&t, path, &e) == 0, "table %d: %s", n, e.msg);
		check_frame(path);
		snprintf(path, sizeof(path), "%s/t%04d.json", dir, n);
		table_expect(&t, path, NULL);
		pqt_free(&t);
	}
	readers_check(dir);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parquet");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(tc, tu_base_setup, tu_base_teardown);
	/* DuckDB and hyparquet on a thousand files, under ASan. */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_dictionary);
	tcase_add_test(tc, test_empty_and_all_null);
	tcase_add_test(tc, test_misuse);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_property);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
