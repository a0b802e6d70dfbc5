/*
** The test tables of the Parquet suites (pqtable.h).
*/
#include "pqtable.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

struct pqt_value *
pqt_val(struct pqt_table *t, size_t row, size_t field)
{
	return (&t->v[row * t->nf + field]);
}

void
pqt_free(struct pqt_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->nf; i++)
		free(t->v[i].p);
	free(t->v);
	t->v = NULL;
}

int
pqt_in_null_group(struct pqt_table *t, size_t row, size_t i)
{
	size_t g;

	for (g = 0; g < i; g++)
		if (t->f[g].type == PARQUET_GROUP &&
		    i <= g + (size_t)t->f[g].nchildren)
			return (pqt_val(t, row, g)->null);
	return (0);
}

int
pqt_write(struct pqt_table *t, const char *path, struct err *e)
{
	struct parquet *pq;
	size_t r, i;
	FILE *f;

	if ((f = fopen(path, "wb")) == NULL)
		return (err_set(e, ERR_STORAGE, "fopen %s", path));
	if ((pq = parquet_open(f, t->f, t->nf, t->codec, e)) == NULL) {
		fclose(f);
		return (-1);
	}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->nf; i++) {
			struct pqt_value *v = pqt_val(t, r, i);

			if (pqt_in_null_group(t, r, i))
				continue;
			if (v->null) {
				parquet_put_null(pq, i);
				continue;
			}
			switch (t->f[i].type) {
			case PARQUET_BOOLEAN:
				parquet_put_bool(pq, i, (int)v->i);
				break;
			case PARQUET_INT32:
				parquet_put_i32(pq, i, (int32_t)v->i);
				break;
			case PARQUET_INT64: parquet_put_i64(pq, i, v->i); break;
			case PARQUET_DOUBLE:
				parquet_put_double(pq, i, v->d);
				break;
			case PARQUET_STRING:
			case PARQUET_BINARY:
				parquet_put_bytes(pq, i, v->p, v->n);
				break;
			case PARQUET_GROUP: break;
			}
		}
		if (parquet_row_end(pq, e) == -1)
			goto fail;
		if (t->rg_every > 0 && (r + 1) % t->rg_every == 0 &&
		    parquet_row_group_end(pq, e) == -1)
			goto fail;
	}
	if (t->kv_key != NULL &&
	    parquet_kv(pq, t->kv_key, t->kv_value, e) == -1)
		goto fail;
	if (parquet_close(pq, e) == -1) {
		fclose(f);
		return (-1);
	}
	return (fclose(f) == 0 ? 0 : err_set(e, ERR_STORAGE, "fclose"));
fail:
	parquet_free(pq);
	fclose(f);
	return (-1);
}

void
pqt_field(struct pqt_table *t, const char *name, enum parquet_type type,
    int optional, int nchildren, int dict)
{
	size_t i = t->nf++;

	snprintf(t->names[i], sizeof(t->names[i]), "%s", name);
	t->f[i].name = t->names[i];
	t->f[i].type = type;
	t->f[i].optional = optional;
	t->f[i].nchildren = nchildren;
	t->f[i].dict = dict;
}

void
pqt_set_bytes(struct pqt_value *v, const void *p, size_t n)
{
	v->p = malloc(n + 1);
	ck_assert_ptr_nonnull(v->p);
	memcpy(v->p, p, n);
	v->p[n] = '\0';
	v->n = n;
}

void
pqt_shapes(struct pqt_table *t, enum parquet_codec codec)
{
	static const char *const strs[] = { "", "hello", "naïve café",
		"日本語のテキスト", "emoji 😀👍🏽",
		"quote \" back \\ nl\n tab\t", "\xce\xb1\xce\xb2\xce\xb3" };
	static const char *const langs[] = { "fr", "en", "sw" };
	size_t r, k;
	char longs[5000];

	memset(t, 0, sizeof(*t));
	pqt_field(t, "id", PARQUET_STRING, 0, 0, 0);
	pqt_field(t, "n64", PARQUET_INT64, 1, 0, 0);
	pqt_field(t, "n32", PARQUET_INT32, 1, 0, 0);
	pqt_field(t, "x", PARQUET_DOUBLE, 1, 0, 0);
	pqt_field(t, "ok", PARQUET_BOOLEAN, 1, 0, 0);
	pqt_field(t, "text", PARQUET_STRING, 1, 0, 0);
	pqt_field(t, "blob", PARQUET_BINARY, 1, 0, 0);
	pqt_field(t, "audio", PARQUET_GROUP, 1, 2, 0);
	pqt_field(t, "bytes", PARQUET_BINARY, 1, 0, 0);
	pqt_field(t, "path", PARQUET_STRING, 1, 0, 0);
	pqt_field(t, "language", PARQUET_STRING, 1, 0, 1);
	pqt_field(t, "count", PARQUET_INT64, 0, 0, 0);
	t->nrows = 23;
	t->rg_every = 10;
	t->codec = codec;
	t->kv_key = "huggingface";
	t->kv_value = "{\"info\": {\"features\": {\"id\": {\"dtype\": "
		      "\"string\", \"_type\": \"Value\"}, \"audio\": "
		      "{\"sampling_rate\": 16000, \"_type\": \"Audio\"}}}}";
	t->v = calloc(t->nrows * t->nf, sizeof(*t->v));
	ck_assert_ptr_nonnull(t->v);
	for (k = 0; k < sizeof(longs); k++)
		longs[k] = (char)('a' + k % 26);
	for (r = 0; r < t->nrows; r++) {
		char id[32], path[32];
		unsigned char bytes[300];

		snprintf(id, sizeof(id), "row-%02zu", r);
		pqt_set_bytes(pqt_val(t, r, 0), id, strlen(id));
		pqt_val(t, r, 1)->null = r % 5 == 1;
		pqt_val(t, r, 1)->i = r == 0 ? INT64_MIN
		    : r == 2                 ? INT64_MAX
					     : (int64_t)r * -1234567890123LL;
		pqt_val(t, r, 2)->null = r % 7 == 3;
		pqt_val(t, r, 2)->i =
		    r == 0 ? INT32_MIN : (int64_t)r * 1000 - 9000;
		pqt_val(t, r, 3)->null = r % 6 == 4;
		pqt_val(t, r, 3)->d = r == 0 ? -0.0
		    : r == 2                 ? 1e308
		    : r == 5                 ? -INFINITY
					     : (double)r / 3.0 - 4.0;
		pqt_val(t, r, 4)->null = r % 4 == 3;
		pqt_val(t, r, 4)->i = r % 3 == 0;
		if (r % 8 == 7)
			pqt_val(t, r, 5)->null = 1;
		else if (r == 11)
			pqt_set_bytes(pqt_val(t, r, 5), longs, sizeof(longs));
		else
			pqt_set_bytes(
			    pqt_val(t, r, 5), strs[r % 7], strlen(strs[r % 7]));
		for (k = 0; k < sizeof(bytes); k++)
			bytes[k] = (unsigned char)(k * 7 + r);
		pqt_val(t, r, 6)->null = r % 9 == 2;
		pqt_set_bytes(pqt_val(t, r, 6), bytes, r % 3 == 0 ? 0 : r * 10);
		/* audio: null, bytes null, path null, both */
		pqt_val(t, r, 7)->null = r % 4 == 0;
		pqt_val(t, r, 8)->null = r % 4 == 1;
		pqt_set_bytes(pqt_val(t, r, 8), bytes, sizeof(bytes));
		pqt_val(t, r, 9)->null = r % 4 == 2;
		snprintf(path, sizeof(path), "clip-%zu.flac", r);
		pqt_set_bytes(pqt_val(t, r, 9), path, strlen(path));
		pqt_val(t, r, 10)->null = r % 10 == 9;
		pqt_set_bytes(pqt_val(t, r, 10), langs[r % 3], 2);
		pqt_val(t, r, 11)->i = (int64_t)r;
	}
}

void
pqt_campaigns(struct pqt_table *t, const char *const camp[3], int dict,
    enum parquet_codec codec)
{
	size_t r;

	memset(t, 0, sizeof(*t));
	pqt_field(t, "campaign", PARQUET_STRING, 1, 0, dict);
	pqt_field(t, "speaker", PARQUET_BINARY, 0, 0, dict);
	t->nrows = 1000;
	t->rg_every = 300;
	t->codec = codec;
	t->v = calloc(t->nrows * t->nf, sizeof(*t->v));
	ck_assert_ptr_nonnull(t->v);
	for (r = 0; r < t->nrows; r++) {
		pqt_val(t, r, 0)->null = r % 17 == 0;
		pqt_set_bytes(pqt_val(t, r, 0), camp[(r / 5) % 3],
		    strlen(camp[(r / 5) % 3]));
		pqt_set_bytes(pqt_val(t, r, 1), r % 2 ? "spk-a" : "spk-b", 5);
	}
}

void
pqt_nulls(struct pqt_table *t, size_t nrows, enum parquet_codec codec)
{
	size_t r, i;

	memset(t, 0, sizeof(*t));
	pqt_field(t, "s", PARQUET_STRING, 1, 0, 1);
	pqt_field(t, "i", PARQUET_INT64, 1, 0, 0);
	pqt_field(t, "b", PARQUET_BOOLEAN, 1, 0, 0);
	pqt_field(t, "audio", PARQUET_GROUP, 1, 2, 0);
	pqt_field(t, "bytes", PARQUET_BINARY, 1, 0, 0);
	pqt_field(t, "path", PARQUET_STRING, 1, 0, 0);
	t->nrows = nrows;
	t->codec = codec;
	t->rg_every = 5;
	t->v = calloc(t->nrows * t->nf + 1, sizeof(*t->v));
	ck_assert_ptr_nonnull(t->v);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->nf; i++)
			pqt_val(t, r, i)->null = 1;
	for (r = 0; r < t->nrows; r += 2) /* audio present, empty */
		pqt_val(t, r, 3)->null = 0;
}

/* xorshift64*: the property tests' random numbers, from pqt_seed(). */
static uint64_t rng;

/* The next random number. */
static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 2685821657736338717ull);
}

/* A random number below ${n} (not 0). */
static size_t
rndn(size_t n)
{
	return ((size_t)(rnd() % n));
}

/* A random UTF-8 string of ${len} pieces: ASCII, accents, CJK, emoji,
** quotes and controls. */
static void
rnd_string(struct pqt_value *v, size_t len)
{
	static const char *const pieces[] = { "a", "b", "z", " ", "0", "é", "ß",
		"日", "本", "😀", "\"", "\\", "\n", "\t", "\x01", "ｱ", "ء" };
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < len; i++)
		buf_puts(&b, pieces[rndn(sizeof(pieces) / sizeof(pieces[0]))]);
	pqt_set_bytes(v, b.p ? b.p : "", b.n);
	buf_free(&b);
}

/* A random length: mostly under 12, now and then 0 or long. */
static size_t
rnd_len(void)
{
	size_t k = rndn(20);

	if (k == 0)
		return (0);
	if (k == 1)
		return (200 + rndn(3000)); /* long: past the stats limit */
	return (rndn(12));
}

uint64_t
pqt_seed(uint64_t dflt)
{
	const char *seed = getenv("PARQUET_SEED");

	rng = seed != NULL ? strtoull(seed, NULL, 10) : dflt;
	if (rng == 0)
		rng = 1;
	return (rng);
}

void
pqt_random(struct pqt_table *t)
{
	static const enum parquet_type types[] = { PARQUET_BOOLEAN,
		PARQUET_INT32, PARQUET_INT64, PARQUET_DOUBLE, PARQUET_STRING,
		PARQUET_BINARY };
	size_t ncols = 1 + rndn(6), i, r, k, pool = 1 + rndn(4);
	int audio_at = rndn(2) ? (int)rndn(ncols + 1) : -1;
	char name[16];
	struct pqt_value pool_vals[5];

	memset(t, 0, sizeof(*t));
	for (i = 0; i <= ncols; i++) {
		if ((int)i == audio_at) {
			pqt_field(
			    t, "audio", PARQUET_GROUP, rndn(4) != 0, 2, 0);
			pqt_field(
			    t, "bytes", PARQUET_BINARY, rndn(4) != 0, 0, 0);
			pqt_field(
			    t, "path", PARQUET_STRING, rndn(4) != 0, 0, 0);
		}
		if (i == ncols)
			break;
		snprintf(name, sizeof(name), "c%zu", i);
		pqt_field(t, name, types[rndn(6)], rndn(3) != 0, 0, rndn(2));
	}
	t->nrows = rndn(8) == 0 ? 0 : 1 + rndn(40);
	t->rg_every = rndn(3) == 0 ? 0 : 1 + rndn(15);
	t->codec = rndn(2) ? PARQUET_ZSTD : PARQUET_UNCOMPRESSED;
	t->v = calloc(t->nrows * t->nf + 1, sizeof(*t->v));
	ck_assert_ptr_nonnull(t->v);
	memset(pool_vals, 0, sizeof(pool_vals));
	for (k = 0; k < pool; k++)
		rnd_string(&pool_vals[k], rndn(6));
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->nf; i++) {
			struct pqt_value *v = pqt_val(t, r, i);

			v->null = t->f[i].optional && rndn(5) == 0;
			switch (t->f[i].type) {
			case PARQUET_BOOLEAN: v->i = (int64_t)rndn(2); break;
			case PARQUET_INT32: v->i = (int32_t)rnd(); break;
			case PARQUET_INT64:
				v->i = rndn(4) == 0 ? (int64_t)rndn(10) - 5
						    : (int64_t)rnd();
				break;
			case PARQUET_DOUBLE: {
				uint64_t u = rnd();

				k = rndn(8);
				if (k == 0)
					v->d = (double)((int64_t)rndn(2001) -
						   1000) /
					    8;
				else if (k == 1)
					v->d = rndn(2) ? -0.0 : 0.0;
				else
					memcpy(&v->d, &u, 8); /* any bits */
				break;
			}
			case PARQUET_STRING:
				if (t->f[i].dict && rndn(8) != 0) {
					k = rndn(pool);
					pqt_set_bytes(
					    v, pool_vals[k].p, pool_vals[k].n);
				} else
					rnd_string(v, rnd_len());
				break;
			case PARQUET_BINARY: {
				size_t n = rnd_len() * 3, j;
				unsigned char *p = malloc(n + 1);

				for (j = 0; j < n; j++)
					p[j] = (unsigned char)rnd();
				pqt_set_bytes(v, p, n);
				free(p);
				break;
			}
			case PARQUET_GROUP: break;
			}
		}
	for (k = 0; k < pool; k++)
		free(pool_vals[k].p);
	if (rndn(3) == 0) {
		t->kv_key = "huggingface";
		t->kv_value = "{\"info\": {}}";
	}
}
