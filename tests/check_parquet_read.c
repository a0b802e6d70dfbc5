/*
** The Parquet reader (outbound/parquet_read.h), held to the writer and to
** DuckDB. Tables written by our writer (every type, REQUIRED and OPTIONAL,
** nulls, the audio group null and with a null child, dictionary columns,
** several row groups, both codecs, empty strings, no rows, and a thousand
** random tables; $PARQUET_SEED replays another set) are read back, from
** the file and from memory, and every value, the schema and the key-value
** metadata compared. Files DuckDB writes (tests/parquet/duckdb_write.mjs:
** ZSTD, uncompressed, and version 2 with data pages v2 and the delta
** encodings, several pages per column chunk) are read and every row
** compared with the formula that made it and the totals with what DuckDB
** says. Malformed input: every truncation and every byte flipped of a
** small file, a footer length pointing outside, bad magic, and
** hand-built files (a page header claiming 2 GiB, an unsupported encoding,
** type, codec, a REPEATED field) refused with the right code and a
** message naming the column.
**
** The DuckDB part needs node_modules (ops/dev test runs `npm ci`); when it
** is missing the test says so on stderr and checks the rest.
*/
#include <check.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "parquet.h"
#include "parquet_read.h"
#include "pqtable.h"
#include "testutil.h"

/* Expects what ${r} says of its schema, rows and metadata to be ${t}'s. */
static void
expect_meta(struct pqr *r, struct pqt_table *t, const char *what)
{
	const struct parquet_field *f;
	size_t n, i;

	f = pqr_fields(r, &n);
	ck_assert_msg(n == t->nf, "%s: %zu fields, want %zu", what, n, t->nf);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(f[i].name, t->f[i].name);
		ck_assert_msg(f[i].type == t->f[i].type, "%s: field %s type %d",
		    what, f[i].name, f[i].type);
		ck_assert_int_eq(f[i].optional, t->f[i].optional);
		ck_assert_int_eq(
		    f[i].type == PARQUET_GROUP ? f[i].nchildren : 0,
		    t->f[i].type == PARQUET_GROUP ? t->f[i].nchildren : 0);
		/* A dictionary column says so when its first row group
		** used one. */
		if (f[i].dict)
			ck_assert_int_eq(t->f[i].dict, 1);
	}
	ck_assert_int_eq(pqr_rows(r), (int64_t)t->nrows);
	if (t->kv_key != NULL) {
		ck_assert_ptr_nonnull(pqr_kv(r, t->kv_key));
		ck_assert_str_eq(pqr_kv(r, t->kv_key), t->kv_value);
		ck_assert_uint_eq(pqr_kv_count(r), 1);
		ck_assert_str_eq(pqr_kv_key(r, 0), t->kv_key);
	} else
		ck_assert_uint_eq(pqr_kv_count(r), 0);
	ck_assert_ptr_null(pqr_kv(r, "no-such-key"));
	ck_assert_ptr_null(pqr_kv_key(r, pqr_kv_count(r)));
}

/* Expects every value ${r} reads to be ${t}'s, group by group. */
static void
expect_rows(struct pqr *r, struct pqt_table *t, const char *what)
{
	struct err e = { 0 };
	struct pqr_value v;
	size_t g, rows, row, i, base = 0;

	for (g = 0; g < pqr_groups(r); g++) {
		ck_assert_msg(pqr_read_group(r, g, &rows, &e) == 0,
		    "%s: group %zu: %s", what, g, e.msg);
		ck_assert_uint_le(base + rows, t->nrows);
		for (row = 0; row < rows; row++)
			for (i = 0; i < t->nf; i++) {
				struct pqt_value *x = pqt_val(t, base + row, i);
				int null = x->null ||
				    pqt_in_null_group(t, base + row, i);

				ck_assert_int_eq(pqr_get(r, row, i, &v), 0);
				ck_assert_msg(v.null == null,
				    "%s: row %zu field %s: null %d, want %d",
				    what, base + row, t->f[i].name, v.null,
				    null);
				if (null || t->f[i].type == PARQUET_GROUP)
					continue;
				switch (t->f[i].type) {
				case PARQUET_DOUBLE:
					ck_assert_msg(
					    memcmp(&v.d, &x->d, 8) == 0,
					    "%s: row %zu field %s: %g, want %g",
					    what, base + row, t->f[i].name, v.d,
					    x->d);
					break;
				case PARQUET_STRING:
				case PARQUET_BINARY:
					ck_assert_msg(v.n == x->n &&
						(x->n == 0 ||
						    memcmp(v.p, x->p, x->n) ==
							0),
					    "%s: row %zu field %s: %zu bytes "
					    "differ",
					    what, base + row, t->f[i].name,
					    x->n);
					break;
				default:
					ck_assert_msg(v.i == x->i,
					    "%s: row %zu field %s: %" PRId64
					    ", want %" PRId64,
					    what, base + row, t->f[i].name, v.i,
					    x->i);
				}
			}
		/* Out of range. */
		ck_assert_int_eq(pqr_get(r, rows, 0, &v), -1);
		ck_assert_int_eq(pqr_get(r, 0, t->nf, &v), -1);
		base += rows;
	}
	ck_assert_uint_eq(base, t->nrows);
	ck_assert_int_eq(pqr_read_group(r, pqr_groups(r), &rows, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pqr_get(r, 0, 0, &v), -1); /* none loaded now */
}

/* Writes ${t} to ${path} and reads it back, from the file and from
** memory, expecting every value. */
static void
round_trip(struct pqt_table *t, const char *path)
{
	struct err e = { 0 };
	struct pqr *r;
	void *p;
	size_t n;

	ck_assert_msg(pqt_write(t, path, &e) == 0, "%s", e.msg);
	r = pqr_open(path, NULL, &e);
	ck_assert_msg(r != NULL, "%s: %s", path, e.msg);
	expect_meta(r, t, path);
	expect_rows(r, t, path);
	pqr_close(r);
	p = tu_slurp(path, &n);
	r = pqr_open_mem(p, n, NULL, &e);
	ck_assert_msg(r != NULL, "%s (memory): %s", path, e.msg);
	expect_meta(r, t, path);
	expect_rows(r, t, path);
	pqr_close(r);
	free(p);
}

/* Every shape, both codecs: the values, the schema (audio a group of
** two), the huggingface metadata, three row groups. */
START_TEST(test_shapes)
{
	enum parquet_codec codecs[] = { PARQUET_UNCOMPRESSED, PARQUET_ZSTD };
	struct err e = { 0 };
	char path[700];
	struct pqt_table t;
	struct pqr *r;
	size_t c, nf;

	for (c = 0; c < 2; c++) {
		pqt_shapes(&t, codecs[c]);
		snprintf(
		    path, sizeof(path), "%s/shapes-%zu.parquet", tu_base, c);
		round_trip(&t, path);
		r = pqr_open(path, NULL, &e);
		ck_assert_ptr_nonnull(r);
		ck_assert_uint_eq(pqr_groups(r), 3);
		/* language is dictionary-encoded, and says so. */
		ck_assert_int_eq(pqr_fields(r, &nf)[10].dict, 1);
		ck_assert_int_eq(pqr_fields(r, &nf)[5].dict, 0);
		pqr_close(r);
		pqt_free(&t);
	}
}
END_TEST

/* Dictionary columns over several row groups, with nulls; no rows at all;
** rows of nulls only (a group present with both children null). */
START_TEST(test_dict_empty_nulls)
{
	static const char *const camp[] = { "common-voice-fr", "", "wiki" };
	char path[700];
	struct pqt_table t;
	int k;

	for (k = 0; k < 2; k++) {
		pqt_campaigns(
		    &t, camp, 1, k ? PARQUET_ZSTD : PARQUET_UNCOMPRESSED);
		snprintf(path, sizeof(path), "%s/dict-%d.parquet", tu_base, k);
		round_trip(&t, path);
		pqt_free(&t);
	}
	for (k = 0; k < 2; k++) {
		pqt_nulls(&t, k == 0 ? 0 : 12,
		    k ? PARQUET_ZSTD : PARQUET_UNCOMPRESSED);
		t.kv_key = "huggingface";
		t.kv_value = "";
		snprintf(path, sizeof(path), "%s/empty-%d.parquet", tu_base, k);
		round_trip(&t, path);
		pqt_free(&t);
	}
}
END_TEST

/* A thousand random tables, each read back whole. */
START_TEST(test_property)
{
	char path[700];
	struct pqt_table t;
	int n;

	fprintf(stderr, "check_parquet_read: property seed %" PRIu64 "\n",
	    pqt_seed(20240612));
	for (n = 0; n < 1000; n++) {
		pqt_random(&t);
		snprintf(path, sizeof(path), "%s/t%04d.parquet", tu_base, n);
		round_trip(&t, path);
		pqt_free(&t);
	}
}
END_TEST

/* The value of DuckDB's aggregate ${key} of file ${name} in ${j}. */
static long long
duck_num(json_t *j, const char *name, const char *key)
{
	json_t *v = json_object_get(json_object_get(j, name), key);

	ck_assert_msg(json_is_string(v), "duckdb %s.%s missing", name, key);
	return (strtoll(json_string_value(v), NULL, 10));
}

#define DUCK_ROWS 200000

/* Checks row by row without a Check call each (each is a write to a pipe
** in a forked test, too slow for 200k rows): the first failure is
** remembered, reported once at the end. */
#define EXPECT(c)                                                              \
	do {                                                                   \
		if (!(c) && bad_line == 0) {                                   \
			bad_line = __LINE__;                                   \
			bad_id = id;                                           \
		}                                                              \
	} while (0)

/* Reads DuckDB's ${name}.parquet in ${dir}: every row as
** duckdb_write.mjs made it (found by its id), and the totals as DuckDB
** counts them in ${j}. */
static void
duck_check(const char *dir, const char *name, json_t *j)
{
	static const char *const cols[] = { "id", "n", "s", "t", "x", "b",
		"audio", "bytes", "path" };
	char path[700], want[64];
	struct err e = { 0 };
	const struct parquet_field *f;
	struct pqr_value v[9];
	struct pqr *r;
	size_t nf, g, rows, row, k, pages = 0;
	unsigned char *seen = calloc(DUCK_ROWS, 1);
	long long n_count = 0, n_sum = 0, s_count = 0, s_len = 0, t_len = 0,
		  x_count = 0, b_count = 0, b_true = 0, audio = 0, paths = 0,
		  bytes_len = 0, total = 0, id = -1, bad_id = -1;
	double x_sum = 0;
	int bad_line = 0, ok;

	snprintf(path, sizeof(path), "%s/%s.parquet", dir, name);
	r = pqr_open(path, NULL, &e);
	ck_assert_msg(r != NULL, "%s: %s", path, e.msg);
	f = pqr_fields(r, &nf);
	ck_assert_uint_eq(nf, 9);
	for (k = 0; k < nf; k++)
		ck_assert_str_eq(f[k].name, cols[k]);
	ck_assert_int_eq(f[0].type, PARQUET_INT64);
	/* DuckDB writes even NOT NULL columns OPTIONAL. */
	ck_assert_int_eq(f[1].type, PARQUET_INT32);
	ck_assert_int_eq(f[2].type, PARQUET_STRING);
	ck_assert_int_eq(f[4].type, PARQUET_DOUBLE);
	ck_assert_int_eq(f[5].type, PARQUET_BOOLEAN);
	ck_assert_int_eq(f[6].type, PARQUET_GROUP);
	ck_assert_int_eq(f[6].nchildren, 2);
	ck_assert_int_eq(f[7].type, PARQUET_BINARY);
	ck_assert_int_eq(f[8].type, PARQUET_STRING);
	ck_assert_int_eq(pqr_rows(r), DUCK_ROWS);
	ck_assert_uint_ge(pqr_groups(r), 2);
	for (g = 0; g < pqr_groups(r); g++) {
		ck_assert_msg(pqr_read_group(r, g, &rows, &e) == 0,
		    "%s group %zu: %s", path, g, e.msg);
		pages += pqr_group_pages(r);
		for (row = 0; row < rows; row++) {
			long long i;

			ok = 1;
			for (k = 0; k < 9; k++)
				ok &= pqr_get(r, row, k, &v[k]) == 0;
			EXPECT(ok && !v[0].null);
			id = i = v[0].i;
			if (i < 0 || i >= DUCK_ROWS || seen[i]) {
				EXPECT(0);
				continue;
			}
			seen[i] = 1;
			total++;
			EXPECT(v[1].null == (i % 7 == 0));
			if (!v[1].null) {
				EXPECT(v[1].i == i * 37 % 100000 - 50000);
				n_count++;
				n_sum += v[1].i;
			}
			EXPECT(v[2].null == (i % 11 == 0));
			if (!v[2].null) {
				snprintf(
				    want, sizeof(want), "str-%lld", i % 1000);
				EXPECT(v[2].n == strlen(want) &&
				    memcmp(v[2].p, want, v[2].n) == 0);
				s_count++;
				s_len += (long long)v[2].n;
			}
			snprintf(want, sizeof(want), "row-%lld", i);
			EXPECT(!v[3].null && v[3].n == strlen(want) &&
			    memcmp(v[3].p, want, v[3].n) == 0);
			t_len += (long long)v[3].n;
			EXPECT(v[4].null == (i % 13 == 0));
			if (!v[4].null) {
				EXPECT(v[4].d == (double)i * 0.5);
				x_count++;
				x_sum += v[4].d;
			}
			EXPECT(v[5].null == (i % 5 == 0));
			if (!v[5].null) {
				EXPECT(v[5].i == (i % 3 == 0));
				b_count++;
				b_true += v[5].i;
			}
			/* audio {bytes, path}: null, or with a null path */
			EXPECT(v[6].null == (i % 4 == 0));
			if (v[6].null) {
				EXPECT(v[7].null && v[8].null);
				continue;
			}
			audio++;
			EXPECT(!v[7].null && v[7].n == (size_t)(i % 3) &&
			    memcmp(v[7].p, "\x01\x02", v[7].n) == 0);
			bytes_len += (long long)v[7].n;
			EXPECT(v[8].null == (i % 6 == 1));
			if (!v[8].null) {
				snprintf(want, sizeof(want), "p%lld", i);
				EXPECT(v[8].n == strlen(want) &&
				    memcmp(v[8].p, want, v[8].n) == 0);
				paths++;
			}
		}
	}
	ck_assert_msg(bad_line == 0, "%s: row of id %lld differs (line %d)",
	    path, bad_id, bad_line);
	fprintf(stderr,
	    "check_parquet_read: duckdb %s: %zu groups, %zu data pages\n", name,
	    pqr_groups(r), pages);
	ck_assert_int_eq(total, duck_num(j, name, "rows"));
	ck_assert_int_eq(n_count, duck_num(j, name, "n_count"));
	ck_assert_int_eq(n_sum, duck_num(j, name, "n_sum"));
	ck_assert_int_eq(s_count, duck_num(j, name, "s_count"));
	ck_assert_int_eq(s_len, duck_num(j, name, "s_len"));
	ck_assert_int_eq(t_len, duck_num(j, name, "t_len"));
	ck_assert_int_eq(x_count, duck_num(j, name, "x_count"));
	ck_assert_int_eq((long long)x_sum, duck_num(j, name, "x_sum"));
	ck_assert_int_eq(b_count, duck_num(j, name, "b_count"));
	ck_assert_int_eq(b_true, duck_num(j, name, "b_true"));
	ck_assert_int_eq(audio, duck_num(j, name, "audio_count"));
	ck_assert_int_eq(paths, duck_num(j, name, "path_count"));
	ck_assert_int_eq(bytes_len, duck_num(j, name, "bytes_len"));
	pqr_close(r);
	free(seen);
}

/* DuckDB's pages.parquet in ${dir}: a column chunk of two pages (more
** data pages than chunks), every row, the totals. */
static void
pages_check(const char *dir, json_t *j)
{
	char path[700], want[32];
	struct err e = { 0 };
	struct pqr_value v[2];
	struct pqr *r;
	size_t g, rows, row, k, pages = 0, nf;
	long long total = 0, id_sum = 0, pad_len = 0, id = -1, bad_id = -1;
	int bad_line = 0;

	snprintf(path, sizeof(path), "%s/pages.parquet", dir);
	r = pqr_open(path, NULL, &e);
	ck_assert_msg(r != NULL, "%s: %s", path, e.msg);
	pqr_fields(r, &nf);
	ck_assert_uint_eq(nf, 2);
	for (g = 0; g < pqr_groups(r); g++) {
		ck_assert_msg(pqr_read_group(r, g, &rows, &e) == 0,
		    "%s group %zu: %s", path, g, e.msg);
		pages += pqr_group_pages(r);
		for (row = 0; row < rows; row++) {
			EXPECT(pqr_get(r, row, 0, &v[0]) == 0 &&
			    pqr_get(r, row, 1, &v[1]) == 0);
			id = v[0].i;
			snprintf(want, sizeof(want), "row-%lld", id);
			EXPECT(v[1].n == strlen(want) + 1000 &&
			    memcmp(v[1].p, want, strlen(want)) == 0);
			for (k = strlen(want); k < v[1].n; k++)
				EXPECT(v[1].p[k] == 'a' + id % 26);
			total++;
			id_sum += id;
			pad_len += (long long)v[1].n;
		}
	}
	ck_assert_msg(bad_line == 0, "%s: row of id %lld differs (line %d)",
	    path, bad_id, bad_line);
	fprintf(stderr,
	    "check_parquet_read: duckdb pages: %zu groups, %zu data pages\n",
	    pqr_groups(r), pages);
	ck_assert_uint_gt(pages, 2 * pqr_groups(r));
	ck_assert_int_eq(total, duck_num(j, "pages", "rows"));
	ck_assert_int_eq(id_sum, duck_num(j, "pages", "id_sum"));
	ck_assert_int_eq(pad_len, duck_num(j, "pages", "pad_len"));
	pqr_close(r);
}
#undef EXPECT

/* DuckDB's files, ZSTD, uncompressed and version 2, read whole. */
START_TEST(test_duckdb)
{
	static char out[65536], script[1024], dir[700], rows[16];
	char *argv[] = { "node", script, dir, rows, NULL };
	json_error_t je;
	json_t *j;
	int rc;

	if (access(tu_src_path("node_modules/@duckdb/node-api"), R_OK) == -1) {
		fprintf(stderr,
		    "check_parquet_read: SKIPPING the DuckDB files: "
		    "node_modules/@duckdb/node-api is missing (run "
		    "`npm ci`)\n");
		return;
	}
	snprintf(script, sizeof(script), "%s",
	    tu_src_path("tests/parquet/duckdb_write.mjs"));
	snprintf(dir, sizeof(dir), "%s", tu_base);
	snprintf(rows, sizeof(rows), "%d", DUCK_ROWS);
	rc = tu_run(argv, out, sizeof(out));
	ck_assert_msg(rc == 0, "duckdb_write.mjs (exit %d): %.1500s", rc, out);
	j = json_loads(out, 0, &je);
	ck_assert_msg(j != NULL, "duckdb_write.mjs said: %.1500s", out);
	duck_check(dir, "zstd", j);
	duck_check(dir, "plain", j);
	duck_check(dir, "v2", j);
	pages_check(dir, j);
	json_decref(j);
}
END_TEST

/*
** A hand-built one-column file, for what our writer never makes. A tiny
** Thrift compact encoder (see parquet.c for the protocol).
*/
struct hb {
	unsigned char b[4096];
	size_t n;
	int16_t last[8];
	int depth;
};

static void
hb_byte(struct hb *h, unsigned v)
{
	ck_assert_uint_lt(h->n, sizeof(h->b));
	h->b[h->n++] = (unsigned char)v;
}

static void
hb_varint(struct hb *h, uint64_t v)
{
	while (v >= 0x80) {
		hb_byte(h, (unsigned)(v & 0x7f) | 0x80);
		v >>= 7;
	}
	hb_byte(h, (unsigned)v);
}

static void
hb_field(struct hb *h, int id, int type)
{
	int d = id - h->last[h->depth];

	ck_assert(d > 0 && d <= 15);
	hb_byte(h, (unsigned)(d << 4 | type));
	h->last[h->depth] = (int16_t)id;
}

static void
hb_int(struct hb *h, int id, int64_t v)
{
	hb_field(h, id, 6);
	hb_varint(h, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void
hb_str(struct hb *h, int id, const char *s)
{
	hb_field(h, id, 8);
	hb_varint(h, strlen(s));
	memcpy(h->b + h->n, s, strlen(s));
	h->n += strlen(s);
}

static void
hb_begin(struct hb *h, int id)
{
	if (id != 0)
		hb_field(h, id, 12);
	h->last[++h->depth] = 0;
}

static void
hb_end(struct hb *h)
{
	hb_byte(h, 0);
	h->depth--;
}

static void
hb_list(struct hb *h, int id, int type, unsigned n)
{
	hb_field(h, id, 9);
	hb_byte(h, n << 4 | (unsigned)type);
}

/* What to build: one column "v" of 3 rows (REQUIRED INT32 1, 2, 3, PLAIN,
** one data page v1) unless told otherwise. */
struct hopts {
	int ptype, rep, codec, enc;
	int64_t usize; /* the page's uncompressed size, 0: the real one */
	int conv;      /* converted type, -1 none */
	int v2;        /* a data page v2 */
	int fake;      /* ZSTD in name only: the bytes are left plain */
};

static unsigned char *
hand_file(const struct hopts *o, size_t *n)
{
	struct hb h = { .n = 0 }, f = { .n = 0 };
	unsigned char vals[12], body[256], *out;
	/* An OPTIONAL column's levels: one RLE run of three 1s. */
	static const unsigned char levels[] = { 0x06, 0x01 };
	size_t hdr_at, start = 4, i, nl = o->rep == 1 ? 2 : 0, bn = 0, un;
	uint64_t usize;

	for (i = 0; i < 3; i++) {
		vals[4 * i] = (unsigned char)(i + 1);
		vals[4 * i + 1] = vals[4 * i + 2] = vals[4 * i + 3] = 0;
	}
	/* The page body uncompressed: v1 has the levels length-prefixed,
	** v2 bare (and only the values are compressed). */
	if (nl > 0 && !o->v2) {
		body[0] = (unsigned char)nl;
		body[1] = body[2] = body[3] = 0;
		bn = 4;
	}
	memcpy(body + bn, levels, nl);
	bn += nl;
	memcpy(body + bn, vals, sizeof(vals));
	un = bn + sizeof(vals);
	if (o->codec == 6 && !o->fake) {
		unsigned char z[128];
		size_t from = o->v2 ? bn : 0, zn;

		zn = ZSTD_compress(z, sizeof(z), body + from, un - from, 3);
		ck_assert(!ZSTD_isError(zn));
		memcpy(body + from, z, zn);
		bn = from + zn;
	} else
		bn = un;
	usize = o->usize ? (uint64_t)o->usize : un;
	memcpy(h.b, "PAR1", 4);
	h.n = 4;
	hdr_at = h.n;
	hb_int(&h, 1, o->v2 ? 3 : 0);  /* DATA_PAGE(_V2) */
	hb_int(&h, 2, (int64_t)usize); /* uncompressed_page_size */
	hb_int(&h, 3, (int64_t)bn);    /* compressed_page_size */
	if (o->v2) {
		hb_begin(&h, 8);
		hb_int(&h, 1, 3);
		hb_int(&h, 2, 0);
		hb_int(&h, 3, 3);
		hb_int(&h, 4, o->enc);
		hb_int(&h, 5, (int64_t)nl);
		hb_int(&h, 6, 0);
		hb_end(&h);
	} else {
		hb_begin(&h, 5);
		hb_int(&h, 1, 3);
		hb_int(&h, 2, o->enc);
		hb_int(&h, 3, 3);
		hb_int(&h, 4, 3);
		hb_end(&h);
	}
	hb_byte(&h, 0);
	memcpy(h.b + h.n, body, bn);
	h.n += bn;

	hb_int(&f, 1, 1);
	hb_list(&f, 2, 12, 2);
	hb_begin(&f, 0);
	hb_str(&f, 4, "schema");
	hb_int(&f, 5, 1);
	hb_end(&f);
	hb_begin(&f, 0);
	hb_int(&f, 1, o->ptype);
	hb_int(&f, 3, o->rep);
	hb_str(&f, 4, "v");
	if (o->conv >= 0)
		hb_int(&f, 6, o->conv);
	hb_end(&f);
	hb_int(&f, 3, 3);
	hb_list(&f, 4, 12, 1);
	hb_begin(&f, 0);
	hb_list(&f, 1, 12, 1);
	hb_begin(&f, 0);
	hb_int(&f, 2, (int64_t)start);
	hb_begin(&f, 3);
	hb_int(&f, 1, o->ptype);
	hb_list(&f, 2, 5, 1);
	hb_varint(&f, (uint64_t)o->enc << 1);
	hb_list(&f, 3, 8, 1);
	hb_varint(&f, 1);
	hb_byte(&f, 'v');
	hb_int(&f, 4, o->codec);
	hb_int(&f, 5, 3);
	hb_int(&f, 6, (int64_t)(h.n - hdr_at - bn + usize));
	hb_int(&f, 7, (int64_t)(h.n - hdr_at));
	hb_int(&f, 9, (int64_t)start);
	hb_end(&f);
	hb_end(&f);
	hb_int(&f, 2, 12);
	hb_int(&f, 3, 3);
	hb_end(&f);
	hb_byte(&f, 0);

	*n = h.n + f.n + 8;
	out = malloc(*n);
	ck_assert_ptr_nonnull(out);
	memcpy(out, h.b, h.n);
	memcpy(out + h.n, f.b, f.n);
	out[h.n + f.n] = (unsigned char)f.n;
	out[h.n + f.n + 1] = (unsigned char)(f.n >> 8);
	out[h.n + f.n + 2] = out[h.n + f.n + 3] = 0;
	memcpy(out + h.n + f.n + 4, "PAR1", 4);
	return (out);
}

/* Builds ${o}'s file and reads it; expects ${code} (ERR_NONE: the values
** 1, 2, 3) with ${needle} in the message, at open or at reading. */
static void
hand_expect(const struct hopts *o, enum err_code code, const char *needle)
{
	struct err e = { 0 };
	struct pqr_value v;
	struct pqr *r;
	unsigned char *p;
	size_t n, rows, i;

	p = hand_file(o, &n);
	/* $PQR_SEED_DIR: keep the files read, as fuzzing seeds. */
	if (code == ERR_NONE && getenv("PQR_SEED_DIR") != NULL) {
		static int seq;
		char seed[600];
		FILE *sf;

		snprintf(seed, sizeof(seed), "%s/hand_%d",
		    getenv("PQR_SEED_DIR"), seq++);
		ck_assert_ptr_nonnull(sf = fopen(seed, "wb"));
		ck_assert_uint_eq(fwrite(p, 1, n, sf), n);
		fclose(sf);
	}
	r = pqr_open_mem(p, n, NULL, &e);
	if (r != NULL && pqr_read_group(r, 0, &rows, &e) == 0) {
		ck_assert_msg(code == ERR_NONE, "read, want %s (%s)",
		    err_name(code), needle);
		ck_assert_uint_eq(rows, 3);
		for (i = 0; i < 3; i++) {
			ck_assert_int_eq(pqr_get(r, i, 0, &v), 0);
			ck_assert_int_eq(v.null, 0);
			ck_assert_int_eq(v.i, (int64_t)i + 1);
		}
	} else {
		ck_assert_msg(e.code == code, "%s: %s, want %s", e.msg,
		    err_name(e.code), err_name(code));
		ck_assert_msg(strstr(e.msg, needle) != NULL,
		    "\"%s\" lacks \"%s\"", e.msg, needle);
	}
	pqr_close(r);
	free(p);
}

/* What is not supported is refused by name and column; a page claiming
** 2 GiB is ERR_TOO_LARGE before anything is allocated for it. */
START_TEST(test_refused)
{
	struct hopts o = { 1, 0, 0, 0, 0, -1, 0, 0 };
	int k;

	/* The builder is right, and pages v1 and v2, REQUIRED and OPTIONAL,
	** plain and ZSTD all read. */
	for (k = 0; k < 8; k++) {
		o.v2 = k & 1;
		o.rep = (k >> 1) & 1;
		o.codec = k & 4 ? 6 : 0;
		hand_expect(&o, ERR_NONE, "");
	}
	o.v2 = o.rep = o.codec = 0;
	o.conv = 17; /* INT_32 */
	hand_expect(&o, ERR_NONE, "");
	o.conv = 6; /* DATE */
	hand_expect(&o, ERR_INVALID, "unsupported logical type");
	o.conv = -1;
	o.enc = 7;
	hand_expect(&o, ERR_INVALID,
	    "unsupported encoding 7 (DELTA_BYTE_ARRAY) in column v");
	o.enc = 1;
	hand_expect(&o, ERR_INVALID, "unsupported encoding 1");
	o.enc = 0;
	o.ptype = 4;
	hand_expect(&o, ERR_INVALID, "unsupported type FLOAT in column v");
	o.ptype = 3;
	hand_expect(&o, ERR_INVALID, "unsupported type INT96 in column v");
	o.ptype = 7;
	hand_expect(&o, ERR_INVALID, "unsupported type FIXED_LEN_BYTE_ARRAY");
	o.ptype = 1;
	o.rep = 2;
	hand_expect(&o, ERR_INVALID, "column v is REPEATED");
	o.rep = 0;
	o.codec = 1;
	hand_expect(&o, ERR_INVALID, "unsupported codec SNAPPY in column v");
	o.codec = 2;
	hand_expect(&o, ERR_INVALID, "unsupported codec GZIP in column v");
	o.codec = 6; /* ZSTD, a page claiming 2 GiB - 1 */
	o.fake = 1;
	o.usize = 0x7fffffff;
	hand_expect(&o, ERR_TOO_LARGE, "a page of 2147483647 bytes");
	o.usize = 12; /* ZSTD, but the bytes are not */
	hand_expect(&o, ERR_INVALID, "not ZSTD");
	o.codec = 0;
	o.usize = 13;
	hand_expect(&o, ERR_INVALID, "two sizes");
}
END_TEST

/* The limits: each refused as ERR_TOO_LARGE. */
START_TEST(test_limits)
{
	struct pqr_limits lim = PQR_LIMITS_DEFAULT;
	struct err e = { 0 };
	char path[700];
	struct pqt_table t;
	struct pqr *r;
	size_t rows;

	pqt_shapes(&t, PARQUET_ZSTD);
	snprintf(path, sizeof(path), "%s/limits.parquet", tu_base);
	round_trip(&t, path);
	pqt_free(&t);
	lim.max_footer = 100;
	ck_assert_ptr_null(pqr_open(path, &lim, &e));
	ck_assert_int_eq(e.code, ERR_TOO_LARGE);
	lim.max_footer = 16u << 20;
	lim.max_fields = 5;
	ck_assert_ptr_null(pqr_open(path, &lim, &e));
	ck_assert_int_eq(e.code, ERR_TOO_LARGE);
	lim.max_fields = 256;
	lim.max_rows = 9;
	ck_assert_ptr_null(pqr_open(path, &lim, &e));
	ck_assert_int_eq(e.code, ERR_TOO_LARGE);
	lim.max_rows = 10;
	lim.max_group = 2000;
	r = pqr_open(path, &lim, &e);
	ck_assert_msg(r != NULL, "%s", e.msg);
	ck_assert_int_eq(pqr_read_group(r, 0, &rows, &e), -1);
	ck_assert_int_eq(e.code, ERR_TOO_LARGE);
	pqr_close(r);
	ck_assert_ptr_null(pqr_open("/nonexistent/x.parquet", NULL, &e));
	ck_assert_int_eq(e.code, ERR_STORAGE);
	pqr_close(NULL);
}
END_TEST

/* Opens and reads all of ${p} (${n} bytes); a refusal must be
** ERR_INVALID or ERR_TOO_LARGE with a message. 0 if all read, else -1. */
static int
read_all(const void *p, size_t n)
{
	struct pqr_limits lim = { 1u << 20, 64, 64u << 20, 100000 };
	struct err e = { 0 };
	struct pqr_value v;
	struct pqr *r;
	size_t g, rows, row, f, nf;
	int rc = 0;

	if ((r = pqr_open_mem(p, n, &lim, &e)) == NULL)
		goto refused;
	pqr_fields(r, &nf);
	for (g = 0; g < pqr_groups(r); g++) {
		if (pqr_read_group(r, g, &rows, &e) == -1) {
			pqr_close(r);
			goto refused;
		}
		for (row = 0; row < rows; row++)
			for (f = 0; f < nf; f++) {
				ck_assert_int_eq(pqr_get(r, row, f, &v), 0);
				if (!v.null && v.n > 0)
					rc +=
					    ((const volatile uint8_t *)v.p)[0] +
						v.p[v.n - 1] >
					    512;
			}
	}
	pqr_close(r);
	return (rc - rc);
refused:
	ck_assert_msg(e.code == ERR_INVALID || e.code == ERR_TOO_LARGE,
	    "%s: %s", err_name(e.code), e.msg);
	ck_assert(e.msg[0] != '\0');
	return (-1);
}

/* A small file cut at every length, its data cut under its own footer,
** every byte flipped, its footer length and magic wrong: never a crash
** (ASan watches every read: each copy is exactly as large as it says). */
START_TEST(test_malformed)
{
	char path[700];
	struct pqt_table t;
	unsigned char *p, *q;
	size_t n, i, flen, ok = 0;
	int bit;

	memset(&t, 0, sizeof(t));
	pqt_shapes(&t, PARQUET_ZSTD);
	t.nrows = 6;
	t.rg_every = 4;
	snprintf(path, sizeof(path), "%s/small.parquet", tu_base);
	ck_assert_int_eq(pqt_write(&t, path, &(struct err){ 0 }), 0);
	t.nrows = 23;
	pqt_free(&t);
	p = tu_slurp(path, &n);
	ck_assert_int_eq(read_all(p, n), 0);
	flen = (size_t)p[n - 8] | (size_t)p[n - 7] << 8;
	for (i = 0; i < n; i++) {
		q = malloc(i ? i : 1);
		memcpy(q, p, i);
		ck_assert_int_eq(read_all(q, i), -1);
		free(q);
	}
	/* The data cut short, under the whole footer. */
	for (i = 4; i < n - flen - 8; i++) {
		size_t m = i + flen + 8;

		q = malloc(m);
		memcpy(q, p, i);
		memcpy(q + i, p + n - flen - 8, flen + 8);
		ck_assert_int_eq(read_all(q, m), -1);
		free(q);
	}
	/* Every byte flipped, one bit of it at a time. */
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit += 3) {
			q = malloc(n);
			memcpy(q, p, n);
			q[i] ^= (unsigned char)(1u << bit);
			ok += read_all(q, n) == 0;
			free(q);
		}
	fprintf(stderr, "check_parquet_read: %zu of %zu flips still read\n", ok,
	    3 * n);
	/* A footer length pointing outside the file, and past the limit. */
	q = malloc(n);
	memcpy(q, p, n);
	q[n - 8] = (unsigned char)(n - 7);
	q[n - 7] = (unsigned char)((n - 7) >> 8);
	ck_assert_int_eq(read_all(q, n), -1);
	q[n - 8] = q[n - 7] = q[n - 6] = q[n - 5] = 0xff;
	ck_assert_ptr_null(pqr_open_mem(q, n, NULL, &(struct err){ 0 }));
	memcpy(q, p, n);
	q[0] = 'Q'; /* bad magic */
	{
		struct err e = { 0 };

		ck_assert_ptr_null(pqr_open_mem(q, n, NULL, &e));
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(e.msg, "not a Parquet file"));
	}
	free(q);
	free(p);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parquet_read");
	TCase *rt = tcase_create("round_trip");
	TCase *duck = tcase_create("duckdb");
	TCase *bad = tcase_create("malformed");

	tcase_add_checked_fixture(rt, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(duck, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(bad, tu_base_setup, tu_base_teardown);
	/* Under ASan: a thousand files; DuckDB's three files of 200k rows;
	** some thirty thousand damaged ones. */
	tcase_set_timeout(rt, 300);
	tcase_set_timeout(duck, 300);
	tcase_set_timeout(bad, 300);
	tcase_add_test(rt, test_shapes);
	tcase_add_test(rt, test_dict_empty_nulls);
	tcase_add_test(rt, test_property);
	tcase_add_test(duck, test_duckdb);
	tcase_add_test(bad, test_refused);
	tcase_add_test(bad, test_limits);
	tcase_add_test(bad, test_malformed);
	suite_add_tcase(s, rt);
	suite_add_tcase(s, duck);
	suite_add_tcase(s, bad);
	return (tu_suite_run(s));
}
