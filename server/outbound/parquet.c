/*
** The Parquet writer (see parquet.h), after apache/parquet-format.
**
** A file is "PAR1", the row groups, the footer and "PAR1". A row group
** holds one column chunk per leaf field; each chunk here is at most two
** pages: a dictionary page when the column is dictionary-encoded, then one
** data page (v1) holding every value of the row group. A data page body is
** the definition levels (when the column can be null: a 4-byte length and
** the RLE/bit-packed hybrid of one level per row) then the non-null
** values, PLAIN (little-endian numbers, booleans one bit each, byte arrays
** as a 4-byte length and the bytes) or, with a dictionary, one byte of
** bit width and the hybrid of the values' dictionary indices. A codec
** compresses each page body whole; page headers stay plain.
**
** A definition level counts the OPTIONAL fields on a value's path that are
** present: for audio.bytes (audio and bytes both optional) 0 means no
** audio, 1 audio without bytes, 2 bytes present. Only values at the
** maximum level are written. There is no repetition (no lists), so a
** column has no repetition levels and num_values is the number of rows.
**
** The footer is a FileMetaData struct in the Thrift compact protocol: a
** field header is a byte (delta from the previous field id << 4 | type),
** integers are zigzag varints, binaries a varint length and the bytes, a
** list a byte (count << 4 | element type) or 0xF?-and-varint for 15 or
** more, and a struct ends with a 0 byte. Each row group's RowGroup struct
** is encoded as soon as the row group is written, so the footer costs a
** few hundred bytes per row group and nothing per row.
**
** Readers this is checked against (tests/parquet/): DuckDB and hyparquet.
** Dictionary pages are written as PLAIN_DICTIONARY in a version 1 file,
** the encoding every reader takes; the index bit width is at least 1 (a
** width of 0 for a one-entry dictionary is legal but a corner some
** readers have tripped on).
*/
#include "parquet.h"
#include "parquet_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "buf.h"

/* Thrift compact protocol type codes. */
enum {
	CT_TRUE = 1,
	CT_FALSE = 2,
	CT_I32 = 5,
	CT_I64 = 6,
	CT_BINARY = 8,
	CT_LIST = 9,
	CT_STRUCT = 12,
};

/* parquet.thrift enums. */
enum {
	PT_BOOLEAN = 0,
	PT_INT32 = 1,
	PT_INT64 = 2,
	PT_DOUBLE = 5,
	PT_BYTE_ARRAY = 6,
	REP_REQUIRED = 0,
	REP_OPTIONAL = 1,
	CONV_UTF8 = 0,
	ENC_PLAIN = 0,
	ENC_PLAIN_DICTIONARY = 2,
	ENC_RLE = 3,
	CODEC_UNCOMPRESSED = 0,
	CODEC_ZSTD = 6,
	PAGE_DATA = 0,
	PAGE_DICTIONARY = 2,
};

/* A byte array longer than this keeps its column chunk's min/max out of
** the statistics (an audio file is no use as a bound). */
#define STAT_MAX_LEN 256
/* A dictionary with more entries, or more bytes, is not worth it: such a
** chunk is written PLAIN. */
#define DICT_MAX_ENTRIES 32768
#define DICT_MAX_BYTES   (8u << 20)
/* A page size must fit Thrift's i32. */
#define PAGE_MAX   0x7fffffffu
#define ZSTD_LEVEL 3

/* The value of one field in the row being built. */
struct cell {
	int state; /* 0 none yet, 1 a value, 2 null */
	union {
		int64_t i;
		double d;
	} v;
	size_t off, len; /* byte arrays: where in row_bytes */
};

/* One leaf column and what its row group has buffered. */
struct leaf {
	size_t field;    /* index into fields */
	size_t group;    /* index of its group, or (size_t)-1 */
	int maxdef;      /* optional fields on its path */
	struct buf defs; /* one byte per row: its definition level */
	struct buf vals; /* the non-null values, PLAIN (booleans a byte each) */
	uint64_t nrows, nnull;
	int has_minmax; /* min/max hold a value */
	int long_value; /* a byte array over STAT_MAX_LEN was seen */
	union {
		int64_t i;
		double d;
	} min, max;
	struct buf bmin, bmax; /* byte arrays' bounds */
};

struct parquet {
	FILE *f;
	uint64_t off; /* bytes written so far */
	enum parquet_codec codec;
	struct parquet_field *fields;
	size_t nfields;
	struct leaf *leaves;
	size_t nleaves;
	struct cell *cells;
	struct buf row_bytes;
	uint64_t rg_rows;      /* rows in the open row group */
	uint64_t num_rows;     /* rows in the file */
	struct buf row_groups; /* the RowGroup structs written, encoded */
	size_t nrow_groups;
	struct buf kv; /* the KeyValue structs, encoded */
	size_t nkv;
	int failed; /* 1 after a failure: the writer takes nothing more */
	struct err err;
};

/*
** A Thrift compact encoder into a buf. Each open struct remembers the id
** of its last field (field headers carry the delta). A failed append is
** remembered in oom and reported by the caller once.
*/
struct tw {
	struct buf *b;
	int16_t last[8];
	int depth;
	int oom;
};

static void
tw_bytes(struct tw *t, const void *p, size_t n)
{
	if (buf_append(t->b, p, n) == -1)
		t->oom = 1;
}

static void
tw_byte(struct tw *t, unsigned v)
{
	unsigned char c = (unsigned char)v;

	tw_bytes(t, &c, 1);
}

static void
tw_varint(struct tw *t, uint64_t v)
{
	unsigned char b[10];
	size_t n = 0;

	while (v >= 0x80) {
		b[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	b[n++] = (unsigned char)v;
	tw_bytes(t, b, n);
}

static uint64_t
zigzag(int64_t v)
{
	return (((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void
tw_field(struct tw *t, int id, int type)
{
	int delta = id - t->last[t->depth];

	if (delta > 0 && delta <= 15)
		tw_byte(t, (unsigned)(delta << 4 | type));
	else {
		tw_byte(t, (unsigned)type);
		tw_varint(t, zigzag(id));
	}
	t->last[t->depth] = (int16_t)id;
}

static void
tw_i32(struct tw *t, int id, int32_t v)
{
	tw_field(t, id, CT_I32);
	tw_varint(t, zigzag(v));
}

static void
tw_i64(struct tw *t, int id, int64_t v)
{
	tw_field(t, id, CT_I64);
	tw_varint(t, zigzag(v));
}

static void
tw_bin(struct tw *t, int id, const void *p, size_t n)
{
	tw_field(t, id, CT_BINARY);
	tw_varint(t, n);
	tw_bytes(t, p, n);
}

static void
tw_str(struct tw *t, int id, const char *s)
{
	tw_bin(t, id, s, strlen(s));
}

/* Opens a struct: as field ${id} of the current one, or (id 0) as a list
** element, which has no field header. */
static void
tw_begin(struct tw *t, int id)
{
	if (id != 0)
		tw_field(t, id, CT_STRUCT);
	t->last[++t->depth] = 0;
}

static void
tw_end(struct tw *t)
{
	tw_byte(t, 0);
	t->depth--;
}

/* A list header as field ${id}: ${n} elements of compact type ${type}. */
static void
tw_list(struct tw *t, int id, int type, size_t n)
{
	tw_field(t, id, CT_LIST);
	if (n < 15)
		tw_byte(t, (unsigned)(n << 4 | type));
	else {
		tw_byte(t, (unsigned)(0xf0 | type));
		tw_varint(t, n);
	}
}

static void
le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void
le64(unsigned char *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t
get_le32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static size_t
run_at(const uint32_t *v, size_t n, size_t i)
{
	size_t j = i + 1;

	while (j < n && v[j] == v[i])
		j++;
	return (j - i);
}

/*
** Appends the RLE/bit-packed hybrid encoding of the ${n} values ${v}, each
** below 2^${width}: a run of 8 or more equal values as an RLE run
** (varint(count << 1), the value in ceil(width/8) bytes), the rest in
** bit-packed groups of 8 (varint(groups << 1 | 1), LSB first). Only the
** last group may hold padding, which a reader drops by its value count.
** Returns 0, or -1 if out of memory.
*/
static int
rle_hybrid(struct buf *out, const uint32_t *v, size_t n, int width)
{
	struct tw t = { out, { 0 }, 0, 0 };
	size_t i = 0, start, k, r;

	while (i < n) {
		r = run_at(v, n, i);
		if (r >= 8) {
			tw_varint(&t, (uint64_t)r << 1);
			for (k = 0; k < (size_t)(width + 7) / 8; k++)
				tw_byte(&t, (v[i] >> (8 * k)) & 0xff);
			i += r;
			continue;
		}
		start = i;
		do
			i += 8;
		while (i < n && run_at(v, n, i) < 8);
		tw_varint(&t, (uint64_t)((i - start) / 8) << 1 | 1);
		{
			uint64_t acc = 0;
			int bits = 0;

			for (k = start; k < i; k++) {
				acc |= (uint64_t)(k < n ? v[k] : 0) << bits;
				bits += width;
				while (bits >= 8) {
					tw_byte(&t, acc & 0xff);
					acc >>= 8;
					bits -= 8;
				}
			}
		}
		if (i > n)
			i = n;
	}
	return (t.oom ? -1 : 0);
}

/* Remembers the first failure; returns -1. */
static int
fail(struct parquet *pq, enum err_code code, const char *msg)
{
	if (!pq->failed) {
		pq->failed = 1;
		err_set(&pq->err, code, "parquet: %s", msg);
	}
	return (-1);
}

static int
report(struct parquet *pq, struct err *e)
{
	if (e != NULL)
		*e = pq->err;
	return (-1);
}

static int
write_out(struct parquet *pq, const void *p, size_t n)
{
	if (n > 0 && fwrite(p, 1, n, pq->f) != n) {
		if (!pq->failed) {
			pq->failed = 1;
			err_set(&pq->err, ERR_STORAGE, "parquet: write: %s",
			    strerror(errno));
		}
		return (-1);
	}
	pq->off += n;
	return (0);
}

void
parquet_free(struct parquet *pq)
{
	size_t i;

	if (pq == NULL)
		return;
	for (i = 0; i < pq->nleaves; i++) {
		buf_free(&pq->leaves[i].defs);
		buf_free(&pq->leaves[i].vals);
		buf_free(&pq->leaves[i].bmin);
		buf_free(&pq->leaves[i].bmax);
	}
	for (i = 0; i < pq->nfields; i++)
		free((char *)pq->fields[i].name);
	free(pq->fields);
	free(pq->leaves);
	free(pq->cells);
	buf_free(&pq->row_bytes);
	buf_free(&pq->row_groups);
	buf_free(&pq->kv);
	free(pq);
}

struct parquet *
parquet_open(FILE *f, const struct parquet_field *fields, size_t n,
    enum parquet_codec codec, struct err *e)
{
	struct parquet *pq;
	size_t i, k, end = 0, group = (size_t)-1;

	if (n == 0)
		return (err_set(e, ERR_INVALID, "parquet: no fields"), NULL);
	for (i = 0; i < n; i++) {
		const struct parquet_field *fd = &fields[i];

		if (fd->name == NULL || fd->name[0] == '\0')
			return (err_set(e, ERR_INVALID,
				    "parquet: field %zu has no name", i),
			    NULL);
		if (fd->type < PARQUET_BOOLEAN || fd->type > PARQUET_GROUP)
			return (
			    err_set(e, ERR_INVALID,
				"parquet: field %s: unknown type", fd->name),
			    NULL);
		if (group != (size_t)-1 && i >= end)
			group = (size_t)-1;
		if (fd->type != PARQUET_GROUP)
			continue;
		if (group != (size_t)-1)
			return (
			    err_set(e, ERR_INVALID,
				"parquet: group %s inside a group", fd->name),
			    NULL);
		if (fd->nchildren <= 0 || (size_t)fd->nchildren > n - i - 1)
			return (
			    err_set(e, ERR_INVALID,
				"parquet: group %s: bad nchildren", fd->name),
			    NULL);
		group = i;
		end = i + 1 + (size_t)fd->nchildren;
	}

	if ((pq = calloc(1, sizeof(*pq))) == NULL)
		goto oom;
	pq->f = f;
	pq->codec = codec;
	if ((pq->fields = calloc(n, sizeof(*pq->fields))) == NULL ||
	    (pq->cells = calloc(n, sizeof(*pq->cells))) == NULL ||
	    (pq->leaves = calloc(n, sizeof(*pq->leaves))) == NULL)
		goto oom;
	for (i = 0; i < n; i++) {
		pq->fields[i] = fields[i];
		pq->fields[i].name = NULL;
		pq->nfields = i + 1;
		if ((pq->fields[i].name = strdup(fields[i].name)) == NULL)
			goto oom;
	}
	group = (size_t)-1;
	for (i = 0; i < n; i++) {
		struct leaf *l;

		if (group != (size_t)-1 && i >= end)
			group = (size_t)-1;
		if (fields[i].type == PARQUET_GROUP) {
			group = i;
			end = i + 1 + (size_t)fields[i].nchildren;
			continue;
		}
		k = pq->nleaves++;
		l = &pq->leaves[k];
		l->field = i;
		l->group = group;
		l->maxdef = (fields[i].optional ? 1 : 0) +
		    (group != (size_t)-1 && fields[group].optional ? 1 : 0);
	}
	if (write_out(pq, "PAR1", 4) == -1) {
		report(pq, e);
		parquet_free(pq);
		return (NULL);
	}
	return (pq);
oom:
	parquet_free(pq);
	err_oom(e);
	return (NULL);
}

/* The cell of field ${i} if it can take a ${type} value now, else NULL
** with the failure remembered. */
static struct cell *
cell_for(struct parquet *pq, size_t i, enum parquet_type type)
{
	if (pq->failed)
		return (NULL);
	if (i >= pq->nfields)
		return (fail(pq, ERR_INVALID, "no such field"), NULL);
	if (pq->cells[i].state != 0)
		return (
		    fail(pq, ERR_INVALID, "a field given two values"), NULL);
	if (pq->fields[i].type != type &&
	    !(type == PARQUET_BINARY && pq->fields[i].type == PARQUET_STRING))
		return (
		    fail(pq, ERR_INVALID, "a value of the wrong type"), NULL);
	return (&pq->cells[i]);
}

int
parquet_put_bool(struct parquet *pq, size_t i, int v)
{
	struct cell *c;

	if ((c = cell_for(pq, i, PARQUET_BOOLEAN)) == NULL)
		return (-1);
	c->state = 1;
	c->v.i = v != 0;
	return (0);
}

int
parquet_put_i32(struct parquet *pq, size_t i, int32_t v)
{
	struct cell *c;

	if ((c = cell_for(pq, i, PARQUET_INT32)) == NULL)
		return (-1);
	c->state = 1;
	c->v.i = v;
	return (0);
}

int
parquet_put_i64(struct parquet *pq, size_t i, int64_t v)
{
	struct cell *c;

	if ((c = cell_for(pq, i, PARQUET_INT64)) == NULL)
		return (-1);
	c->state = 1;
	c->v.i = v;
	return (0);
}

int
parquet_put_double(struct parquet *pq, size_t i, double v)
{
	struct cell *c;

	if ((c = cell_for(pq, i, PARQUET_DOUBLE)) == NULL)
		return (-1);
	c->state = 1;
	c->v.d = v;
	return (0);
}

int
parquet_put_bytes(struct parquet *pq, size_t i, const void *p, size_t n)
{
	struct cell *c;

	if ((c = cell_for(pq, i, PARQUET_BINARY)) == NULL)
		return (-1);
	if (n > PAGE_MAX)
		return (fail(pq, ERR_TOO_LARGE, "a value over 2 GiB"));
	c->off = pq->row_bytes.n;
	c->len = n;
	if (buf_append(&pq->row_bytes, p, n) == -1)
		return (fail(pq, ERR_INTERNAL, "out of memory"));
	c->state = 1;
	return (0);
}

int
parquet_put_str(struct parquet *pq, size_t i, const char *s)
{
	if (!pq->failed && i < pq->nfields &&
	    pq->fields[i].type != PARQUET_STRING)
		return (fail(pq, ERR_INVALID, "a string for a non-string"));
	return (parquet_put_bytes(pq, i, s, strlen(s)));
}

int
parquet_put_null(struct parquet *pq, size_t i)
{
	if (pq->failed)
		return (-1);
	if (i >= pq->nfields)
		return (fail(pq, ERR_INVALID, "no such field"));
	if (!pq->fields[i].optional)
		return (fail(pq, ERR_INVALID, "null for a REQUIRED field"));
	if (pq->cells[i].state != 0)
		return (fail(pq, ERR_INVALID, "a field given two values"));
	pq->cells[i].state = 2;
	return (0);
}

/* Unsigned byte-wise order, shorter first on a tie: the order of
** Parquet's BYTE_ARRAY statistics. */
static int
bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0 || an == bn)
		return (c);
	return (an < bn ? -1 : 1);
}

/* Adds the value of cell ${c} to leaf ${l}'s values and bounds. */
static int
leaf_add(struct parquet *pq, struct leaf *l, const struct cell *c)
{
	enum parquet_type type = pq->fields[l->field].type;
	unsigned char b[8];
	const char *p;

	switch (type) {
	case PARQUET_BOOLEAN:
		b[0] = (unsigned char)c->v.i;
		if (buf_append(&l->vals, b, 1) == -1)
			return (-1);
		break;
	case PARQUET_INT32:
		le32(b, (uint32_t)c->v.i);
		if (buf_append(&l->vals, b, 4) == -1)
			return (-1);
		break;
	case PARQUET_INT64:
		le64(b, (uint64_t)c->v.i);
		if (buf_append(&l->vals, b, 8) == -1)
			return (-1);
		break;
	case PARQUET_DOUBLE: {
		uint64_t u;

		memcpy(&u, &c->v.d, 8);
		le64(b, u);
		if (buf_append(&l->vals, b, 8) == -1)
			return (-1);
		if (isnan(c->v.d)) /* NaN has no place in the order */
			return (0);
		if (!l->has_minmax || c->v.d < l->min.d)
			l->min.d = c->v.d;
		if (!l->has_minmax || c->v.d > l->max.d)
			l->max.d = c->v.d;
		l->has_minmax = 1;
		return (0);
	}
	default:
		p = pq->row_bytes.p + c->off;
		le32(b, (uint32_t)c->len);
		if (buf_append(&l->vals, b, 4) == -1 ||
		    buf_append(&l->vals, p, c->len) == -1)
			return (-1);
		if (l->long_value || c->len > STAT_MAX_LEN) {
			l->long_value = 1;
			return (0);
		}
		if (!l->has_minmax ||
		    bytes_cmp(p, c->len, l->bmin.p, l->bmin.n) < 0) {
			l->bmin.n = 0;
			if (buf_append(&l->bmin, p, c->len) == -1)
				return (-1);
		}
		if (!l->has_minmax ||
		    bytes_cmp(p, c->len, l->bmax.p, l->bmax.n) > 0) {
			l->bmax.n = 0;
			if (buf_append(&l->bmax, p, c->len) == -1)
				return (-1);
		}
		l->has_minmax = 1;
		return (0);
	}
	if (!l->has_minmax || c->v.i < l->min.i)
		l->min.i = c->v.i;
	if (!l->has_minmax || c->v.i > l->max.i)
		l->max.i = c->v.i;
	l->has_minmax = 1;
	return (0);
}

int
parquet_row_end(struct parquet *pq, struct err *e)
{
	size_t k;

	if (pq->failed)
		return (report(pq, e));
	/* Check the whole row before any of it goes in. */
	for (k = 0; k < pq->nleaves; k++) {
		struct leaf *l = &pq->leaves[k];
		int gnull =
		    l->group != (size_t)-1 && pq->cells[l->group].state == 2;
		int state = pq->cells[l->field].state;

		if (gnull && state != 0) {
			fail(pq, ERR_INVALID, "a value inside a null group");
			return (report(pq, e));
		}
		if (!gnull && state == 0) {
			err_set(&pq->err, ERR_INVALID,
			    "parquet: field %s has no value",
			    pq->fields[l->field].name);
			pq->failed = 1;
			return (report(pq, e));
		}
	}
	for (k = 0; k < pq->nleaves; k++) {
		struct leaf *l = &pq->leaves[k];
		const struct cell *c = &pq->cells[l->field];
		int gpresent =
		    l->group != (size_t)-1 && pq->cells[l->group].state != 2;
		unsigned char def;

		if (c->state == 1)
			def = (unsigned char)l->maxdef;
		else /* null: the optional group above, if present */
			def = gpresent && pq->fields[l->group].optional;
		if (buf_append(&l->defs, &def, 1) == -1)
			goto oom;
		l->nrows++;
		if (c->state != 1)
			l->nnull++;
		else if (leaf_add(pq, l, c) == -1)
			goto oom;
	}
	memset(pq->cells, 0, pq->nfields * sizeof(*pq->cells));
	pq->row_bytes.n = 0;
	pq->rg_rows++;
	return (0);
oom:
	fail(pq, ERR_INTERNAL, "out of memory");
	return (report(pq, e));
}

/*
** The dictionary of leaf ${l}'s byte-array values: its entries (PLAIN, in
** order of first appearance) into ${dict}, their count into ${ndict}, and
** each value's index into ${idx} (malloc'd, the caller frees). Returns 1
** if the dictionary is worth writing, 0 if not (too many or too large
** entries: write PLAIN), -1 if out of memory.
*/
static int
dict_build(struct leaf *l, size_t nvals, struct buf *dict, uint32_t *ndict,
    uint32_t **idx)
{
	size_t cap = 64, pos = 0, i, h, *slot = NULL;
	uint32_t *ix = NULL;
	size_t *eoff = NULL; /* where in ${l->vals} each entry begins */
	const unsigned char *v = (const unsigned char *)l->vals.p;
	int rc = -1;

	while (cap < 2 * (nvals < DICT_MAX_ENTRIES ? nvals : DICT_MAX_ENTRIES))
		cap *= 2;
	*ndict = 0;
	if ((slot = malloc(cap * sizeof(*slot))) == NULL ||
	    (ix = malloc((nvals ? nvals : 1) * sizeof(*ix))) == NULL ||
	    (eoff = malloc(DICT_MAX_ENTRIES * sizeof(*eoff))) == NULL)
		goto out;
	for (h = 0; h < cap; h++)
		slot[h] = (size_t)-1;
	for (i = 0; i < nvals; i++) {
		uint32_t len = get_le32(v + pos);
		const unsigned char *p = v + pos + 4;
		uint64_t hash = 1469598103934665603ull; /* FNV-1a */
		size_t j;

		for (j = 0; j < len; j++)
			hash = (hash ^ p[j]) * 1099511628211ull;
		for (h = hash & (cap - 1);; h = (h + 1) & (cap - 1)) {
			size_t s = slot[h];

			if (s == (size_t)-1) {
				if (*ndict == DICT_MAX_ENTRIES ||
				    dict->n + 4 + len > DICT_MAX_BYTES) {
					rc = 0;
					goto out;
				}
				eoff[*ndict] = pos;
				slot[h] = *ndict;
				ix[i] = (*ndict)++;
				if (buf_append(dict, v + pos, 4 + len) == -1)
					goto out;
				break;
			}
			if (get_le32(v + eoff[s]) == len &&
			    memcmp(v + eoff[s] + 4, p, len) == 0) {
				ix[i] = (uint32_t)s;
				break;
			}
		}
		pos += 4 + len;
	}
	*idx = ix;
	ix = NULL;
	rc = 1;
out:
	free(slot);
	free(ix);
	free(eoff);
	return (rc);
}

/*
** Writes one page: its header (${type}, ${nvalues}, ${encoding}) and
** ${body}, compressed with the file's codec. Adds the sizes, header
** included, to ${usize} and ${csize}. Returns 0, or -1 (remembered).
*/
static int
page_write(struct parquet *pq, int type, size_t nvalues, int encoding,
    const struct buf *body, uint64_t *usize, uint64_t *csize)
{
	struct buf hdr = { 0 }, z = { 0 };
	struct tw t = { &hdr, { 0 }, 0, 0 };
	const void *out = body->p;
	size_t outn = body->n;
	int rc = -1;

	if (body->n > PAGE_MAX || nvalues > PAGE_MAX)
		return (fail(pq, ERR_TOO_LARGE, "a page over 2 GiB"));
	if (pq->codec == PARQUET_ZSTD) {
		size_t bound = ZSTD_compressBound(body->n), r;

		if (buf_reserve(&z, bound) == -1) {
			fail(pq, ERR_INTERNAL, "out of memory");
			goto out;
		}
		r = ZSTD_compress(
		    z.p, bound, body->n ? body->p : "", body->n, ZSTD_LEVEL);
		if (ZSTD_isError(r)) {
			fail(pq, ERR_INTERNAL, ZSTD_getErrorName(r));
			goto out;
		}
		if (r > PAGE_MAX) {
			fail(pq, ERR_TOO_LARGE, "a page over 2 GiB");
			goto out;
		}
		out = z.p;
		outn = r;
	}
	tw_i32(&t, 1, type);
	tw_i32(&t, 2, (int32_t)body->n);
	tw_i32(&t, 3, (int32_t)outn);
	if (type == PAGE_DATA) {
		tw_begin(&t, 5);
		tw_i32(&t, 1, (int32_t)nvalues);
		tw_i32(&t, 2, encoding);
		tw_i32(&t, 3, ENC_RLE);
		tw_i32(&t, 4, ENC_RLE);
		tw_end(&t);
	} else {
		tw_begin(&t, 7);
		tw_i32(&t, 1, (int32_t)nvalues);
		tw_i32(&t, 2, encoding);
		tw_end(&t);
	}
	tw_byte(&t, 0);
	if (t.oom) {
		fail(pq, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (write_out(pq, hdr.p, hdr.n) == -1 || write_out(pq, out, outn) == -1)
		goto out;
	*usize += hdr.n + body->n;
	*csize += hdr.n + outn;
	rc = 0;
out:
	buf_free(&hdr);
	buf_free(&z);
	return (rc);
}

/* The statistics of leaf ${l}'s chunk as field 12 of its ColumnMetaData:
** the null count, and the bounds when there are values to bound. */
static void
stats_write(struct parquet *pq, struct tw *t, const struct leaf *l)
{
	enum parquet_type type = pq->fields[l->field].type;
	unsigned char lo[8], hi[8];
	size_t n = 0;

	tw_begin(t, 12);
	tw_i64(t, 3, (int64_t)l->nnull);
	if (l->has_minmax && !l->long_value) {
		switch (type) {
		case PARQUET_BOOLEAN:
			lo[0] = (unsigned char)l->min.i;
			hi[0] = (unsigned char)l->max.i;
			n = 1;
			break;
		case PARQUET_INT32:
			le32(lo, (uint32_t)l->min.i);
			le32(hi, (uint32_t)l->max.i);
			n = 4;
			break;
		case PARQUET_INT64:
			le64(lo, (uint64_t)l->min.i);
			le64(hi, (uint64_t)l->max.i);
			n = 8;
			break;
		case PARQUET_DOUBLE: {
			/* Zero bounds are written -0.0 (min) and +0.0
			** (max), as the format asks, so either zero
			** passes a filter. */
			double mn = l->min.d == 0 ? -0.0 : l->min.d;
			double mx = l->max.d == 0 ? 0.0 : l->max.d;
			uint64_t u;

			memcpy(&u, &mn, 8);
			le64(lo, u);
			memcpy(&u, &mx, 8);
			le64(hi, u);
			n = 8;
			break;
		}
		default:
			tw_bin(t, 5, l->bmax.p ? l->bmax.p : "", l->bmax.n);
			tw_bin(t, 6, l->bmin.p ? l->bmin.p : "", l->bmin.n);
			break;
		}
		if (n > 0) {
			tw_bin(t, 5, hi, n);
			tw_bin(t, 6, lo, n);
		}
	}
	tw_end(t);
}

static int
parquet_type_of(enum parquet_type type)
{
	switch (type) {
	case PARQUET_BOOLEAN: return (PT_BOOLEAN);
	case PARQUET_INT32: return (PT_INT32);
	case PARQUET_INT64: return (PT_INT64);
	case PARQUET_DOUBLE: return (PT_DOUBLE);
	default: return (PT_BYTE_ARRAY);
	}
}

/*
** Writes leaf ${l}'s column chunk of the open row group and appends its
** ColumnChunk struct to ${t}. Returns 0, or -1 (remembered).
*/
static int
chunk_write(struct parquet *pq, struct leaf *l, struct tw *t,
    uint64_t *rg_usize, uint64_t *rg_csize)
{
	const struct parquet_field *fd = &pq->fields[l->field];
	struct buf body = { 0 }, dict = { 0 };
	uint32_t *levels = NULL, *idx = NULL, ndict = 0;
	size_t nvals = (size_t)(l->nrows - l->nnull), i;
	uint64_t usize = 0, csize = 0, start = pq->off, data_off;
	int use_dict = 0, rc = -1;
	unsigned char len4[4];

	if (fd->dict && nvals > 0 &&
	    (fd->type == PARQUET_STRING || fd->type == PARQUET_BINARY)) {
		if ((use_dict = dict_build(l, nvals, &dict, &ndict, &idx)) ==
		    -1)
			goto oom;
		if (!use_dict)
			dict.n = 0;
	}
	if (use_dict) {
		if (page_write(pq, PAGE_DICTIONARY, ndict, ENC_PLAIN_DICTIONARY,
			&dict, &usize, &csize) == -1)
			goto out;
	}
	data_off = pq->off;

	/* Definition levels, when the column can be null. */
	if (l->maxdef > 0) {
		if ((levels = malloc(
			 (l->nrows ? l->nrows : 1) * sizeof(*levels))) == NULL)
			goto oom;
		for (i = 0; i < l->nrows; i++)
			levels[i] = (unsigned char)l->defs.p[i];
		if (buf_append(&body, "\0\0\0\0", 4) == -1 ||
		    rle_hybrid(&body, levels, l->nrows,
			parquet_bit_width((uint32_t)l->maxdef)) == -1)
			goto oom;
		le32(len4, (uint32_t)(body.n - 4));
		memcpy(body.p, len4, 4);
	}
	/* The values. */
	if (use_dict) {
		int w = parquet_bit_width(ndict - 1);

		if (w == 0)
			w = 1;
		len4[0] = (unsigned char)w;
		if (buf_append(&body, len4, 1) == -1 ||
		    rle_hybrid(&body, idx, nvals, w) == -1)
			goto oom;
	} else if (fd->type == PARQUET_BOOLEAN) {
		unsigned char byte = 0;

		for (i = 0; i < nvals; i++) {
			if (l->vals.p[i])
				byte |= (unsigned char)(1u << (i % 8));
			if (i % 8 == 7 || i == nvals - 1) {
				if (buf_append(&body, &byte, 1) == -1)
					goto oom;
				byte = 0;
			}
		}
	} else if (buf_append(&body, l->vals.p, l->vals.n) == -1)
		goto oom;
	if (page_write(pq, PAGE_DATA, l->nrows,
		use_dict ? ENC_PLAIN_DICTIONARY : ENC_PLAIN, &body, &usize,
		&csize) == -1)
		goto out;

	/* ColumnChunk { 2 file_offset, 3 meta_data } */
	tw_begin(t, 0);
	tw_i64(t, 2, (int64_t)start);
	tw_begin(t, 3);
	tw_i32(t, 1, parquet_type_of(fd->type));
	tw_list(t, 2, CT_I32, 2);
	tw_varint(t, zigzag(use_dict ? ENC_PLAIN_DICTIONARY : ENC_PLAIN));
	tw_varint(t, zigzag(ENC_RLE));
	tw_list(t, 3, CT_BINARY, l->group != (size_t)-1 ? 2 : 1);
	if (l->group != (size_t)-1) {
		tw_varint(t, strlen(pq->fields[l->group].name));
		tw_bytes(t, pq->fields[l->group].name,
		    strlen(pq->fields[l->group].name));
	}
	tw_varint(t, strlen(fd->name));
	tw_bytes(t, fd->name, strlen(fd->name));
	tw_i32(
	    t, 4, pq->codec == PARQUET_ZSTD ? CODEC_ZSTD : CODEC_UNCOMPRESSED);
	tw_i64(t, 5, (int64_t)l->nrows);
	tw_i64(t, 6, (int64_t)usize);
	tw_i64(t, 7, (int64_t)csize);
	tw_i64(t, 9, (int64_t)data_off);
	if (use_dict)
		tw_i64(t, 11, (int64_t)start);
	stats_write(pq, t, l);
	tw_end(t);
	tw_end(t);
	*rg_usize += usize;
	*rg_csize += csize;
	rc = 0;
	goto out;
oom:
	fail(pq, ERR_INTERNAL, "out of memory");
out:
	free(levels);
	free(idx);
	buf_free(&body);
	buf_free(&dict);
	return (rc);
}

int
parquet_row_group_end(struct parquet *pq, struct err *e)
{
	struct tw t = { &pq->row_groups, { 0 }, 0, 0 };
	uint64_t usize = 0, csize = 0, start = pq->off;
	size_t k, mark = pq->row_groups.n;

	if (pq->failed)
		return (report(pq, e));
	if (pq->rg_rows == 0)
		return (0);
	/* RowGroup { 1 columns, 2 total_byte_size, 3 num_rows,
	** 5 file_offset, 6 total_compressed_size } */
	tw_begin(&t, 0);
	tw_list(&t, 1, CT_STRUCT, pq->nleaves);
	for (k = 0; k < pq->nleaves; k++)
		if (chunk_write(pq, &pq->leaves[k], &t, &usize, &csize) == -1) {
			pq->row_groups.n = mark;
			return (report(pq, e));
		}
	tw_i64(&t, 2, (int64_t)usize);
	tw_i64(&t, 3, (int64_t)pq->rg_rows);
	tw_i64(&t, 5, (int64_t)start);
	tw_i64(&t, 6, (int64_t)csize);
	tw_end(&t);
	if (t.oom) {
		fail(pq, ERR_INTERNAL, "out of memory");
		return (report(pq, e));
	}
	pq->nrow_groups++;
	pq->num_rows += pq->rg_rows;
	pq->rg_rows = 0;
	for (k = 0; k < pq->nleaves; k++) {
		struct leaf *l = &pq->leaves[k];

		/* Keep the memory for the next row group, forget the
		** contents. */
		l->defs.n = l->vals.n = l->bmin.n = l->bmax.n = 0;
		l->nrows = l->nnull = 0;
		l->has_minmax = l->long_value = 0;
	}
	return (0);
}

int
parquet_kv(
    struct parquet *pq, const char *key, const char *value, struct err *e)
{
	struct tw t = { &pq->kv, { 0 }, 0, 0 };

	if (pq->failed)
		return (report(pq, e));
	tw_begin(&t, 0);
	tw_str(&t, 1, key);
	tw_str(&t, 2, value);
	tw_end(&t);
	if (t.oom) {
		fail(pq, ERR_INTERNAL, "out of memory");
		return (report(pq, e));
	}
	pq->nkv++;
	return (0);
}

/* Appends the SchemaElement of field ${i} to ${t}. */
static void
schema_element(struct parquet *pq, struct tw *t, size_t i)
{
	const struct parquet_field *fd = &pq->fields[i];

	tw_begin(t, 0);
	if (fd->type != PARQUET_GROUP)
		tw_i32(t, 1, parquet_type_of(fd->type));
	tw_i32(t, 3, fd->optional ? REP_OPTIONAL : REP_REQUIRED);
	tw_str(t, 4, fd->name);
	if (fd->type == PARQUET_GROUP)
		tw_i32(t, 5, fd->nchildren);
	if (fd->type == PARQUET_STRING) {
		tw_i32(t, 6, CONV_UTF8);
		tw_begin(t, 10); /* LogicalType union: 1 STRING */
		tw_begin(t, 1);
		tw_end(t);
		tw_end(t);
	}
	tw_end(t);
}

int
parquet_close(struct parquet *pq, struct err *e)
{
	struct buf meta = { 0 };
	struct tw t = { &meta, { 0 }, 0, 0 };
	unsigned char len4[4];
	size_t i, top = 0;

	if (pq == NULL)
		return (err_set(e, ERR_INTERNAL, "parquet: no writer"));
	for (i = 0; i < pq->nfields && !pq->failed; i++)
		if (pq->cells[i].state != 0)
			fail(pq, ERR_INVALID, "a row not ended");
	if (parquet_row_group_end(pq, e) == -1)
		goto err;
	for (i = 0; i < pq->nfields; i++) {
		top++;
		if (pq->fields[i].type == PARQUET_GROUP)
			i += (size_t)pq->fields[i].nchildren;
	}
	/* FileMetaData { 1 version, 2 schema, 3 num_rows, 4 row_groups,
	** 5 key_value_metadata, 6 created_by, 7 column_orders } */
	tw_i32(&t, 1, 1);
	tw_list(&t, 2, CT_STRUCT, pq->nfields + 1);
	tw_begin(&t, 0);
	tw_str(&t, 4, "schema");
	tw_i32(&t, 5, (int32_t)top);
	tw_end(&t);
	for (i = 0; i < pq->nfields; i++)
		schema_element(pq, &t, i);
	tw_i64(&t, 3, (int64_t)pq->num_rows);
	tw_list(&t, 4, CT_STRUCT, pq->nrow_groups);
	tw_bytes(&t, pq->row_groups.p, pq->row_groups.n);
	if (pq->nkv > 0) {
		tw_list(&t, 5, CT_STRUCT, pq->nkv);
		tw_bytes(&t, pq->kv.p, pq->kv.n);
	}
	tw_str(&t, 6, "tributary " TRIBUTARY_VERSION);
	/* Every column ordered by its type (TypeDefinedOrder): what tells
	** a reader that min_value/max_value may be trusted. */
	tw_list(&t, 7, CT_STRUCT, pq->nleaves);
	for (i = 0; i < pq->nleaves; i++) {
		tw_begin(&t, 0);
		tw_begin(&t, 1);
		tw_end(&t);
		tw_end(&t);
	}
	tw_byte(&t, 0);
	if (t.oom || meta.n > 0xffffffffu) {
		fail(pq, ERR_INTERNAL, "out of memory");
		report(pq, e);
		goto err;
	}
	le32(len4, (uint32_t)meta.n);
	if (write_out(pq, meta.p, meta.n) == -1 ||
	    write_out(pq, len4, 4) == -1 || write_out(pq, "PAR1", 4) == -1)
		goto err_report;
	if (fflush(pq->f) != 0) {
		err_set(e, ERR_STORAGE, "parquet: write: %s", strerror(errno));
		goto err;
	}
	buf_free(&meta);
	parquet_free(pq);
	return (0);
err_report:
	report(pq, e);
err:
	buf_free(&meta);
	parquet_free(pq);
	return (-1);
}
