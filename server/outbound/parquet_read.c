/*
** The Parquet reader (see parquet_read.h), after apache/parquet-format.
**
** Opening reads the last 8 bytes (the footer's length and "PAR1"), then
** the footer: a FileMetaData struct in the Thrift compact protocol (see
** parquet.c for the encoding). The schema becomes the writer's fields; the
** row groups' column chunks are kept as where they lie and what they say
** they hold, and checked against the file's size, the schema and the
** limits right away, so a bad footer is refused at open.
**
** Reading a row group reads each column chunk (a run of pages: at most
** one dictionary page, then data pages), decompresses each page into
** memory counted against max_group, and decodes it into one cell per row:
** the row's definition level and its value (a number, or a pointer into
** a page buffer for a byte array). A definition level counts the OPTIONAL
** fields present on the path; a value is there only at the leaf's maximum
** level, and for a leaf in an optional group level 0 means the group is
** null. Values come PLAIN, or as dictionary indices (the RLE/bit-packed
** hybrid), or in the encodings DuckDB uses in its version 2 files
** (DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT).
**
** Nothing read from the file is trusted: each Thrift read is checked
** against the end of its buffer, struct nesting is bounded, list counts
** are checked against the bytes left before anything is allocated for
** them, and every page size against its chunk and the memory budget
** before it is allocated or decompressed.
*/
#include "parquet_read.h"
#include "parquet_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

/* Thrift compact protocol type codes. */
enum {
	CT_TRUE = 1,
	CT_FALSE = 2,
	CT_BYTE = 3,
	CT_I16 = 4,
	CT_I32 = 5,
	CT_I64 = 6,
	CT_DOUBLE = 7,
	CT_BINARY = 8,
	CT_LIST = 9,
	CT_SET = 10,
	CT_MAP = 11,
	CT_STRUCT = 12,
};

/* parquet.thrift enums. */
enum {
	PT_BOOLEAN = 0,
	PT_INT32 = 1,
	PT_INT64 = 2,
	PT_INT96 = 3,
	PT_FLOAT = 4,
	PT_DOUBLE = 5,
	PT_BYTE_ARRAY = 6,
	PT_FIXED = 7,
	REP_REQUIRED = 0,
	REP_OPTIONAL = 1,
	REP_REPEATED = 2,
	CONV_UTF8 = 0,
	CONV_INT_32 = 17,
	CONV_INT_64 = 18,
	LOGICAL_STRING = 1,
	LOGICAL_INTEGER = 10,
	ENC_PLAIN = 0,
	ENC_PLAIN_DICTIONARY = 2,
	ENC_RLE = 3,
	ENC_BIT_PACKED = 4,
	ENC_DELTA_BINARY_PACKED = 5,
	ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	ENC_DELTA_BYTE_ARRAY = 7,
	ENC_RLE_DICTIONARY = 8,
	ENC_BYTE_STREAM_SPLIT = 9,
	CODEC_UNCOMPRESSED = 0,
	CODEC_ZSTD = 6,
	PAGE_DATA = 0,
	PAGE_INDEX = 1,
	PAGE_DICTIONARY = 2,
	PAGE_DATA_V2 = 3,
};

#define TR_DEPTH 16 /* nesting of Thrift structs and lists */
/* DELTA_BINARY_PACKED: the largest block we take (writers use 128). */
#define DELTA_BLOCK_MAX 65536

/* What the footer says of one column chunk. */
struct chunk {
	int codec;
	int dict; /* its encodings name a dictionary */
	int64_t nvalues, usize, csize;
	int64_t start; /* its first page: the dictionary's, or the data's */
};

/* A leaf column of the schema. */
struct leaf {
	size_t field;        /* index into fields */
	int maxdef;          /* OPTIONAL fields on its path */
	int ptype;           /* physical type */
	char *path;          /* "audio.bytes", for messages */
	const char *comp[2]; /* its path_in_schema: [group,] name */
	size_t ncomp;
};

/* One row's value of one leaf in the group read. */
struct cell {
	union {
		int64_t i;
		double d;
		const uint8_t *p;
	} v;
	uint32_t n;  /* byte arrays: length */
	uint8_t def; /* definition level */
};

/* A block of memory of the group read, counted against max_group. */
struct blk {
	struct blk *next;
	max_align_t data[];
};

struct pqr {
	int fd;             /* -1 when reading memory */
	const uint8_t *mem; /* the file in memory, or NULL */
	uint64_t size;      /* of the file */
	uint64_t data_end;  /* where the footer begins */
	struct pqr_limits lim;
	struct parquet_field *fields;
	size_t nfields;
	size_t *fleaf; /* per field: its leaf (a group: its first child's) */
	struct leaf *leaves;
	size_t nleaves;
	int64_t nrows;
	int64_t *rg_rows;     /* per row group */
	struct chunk *chunks; /* per row group, nleaves each */
	size_t ngroups, capgroups;
	char **kvk, **kvv;
	size_t nkv;
	ZSTD_DCtx *zd;
	/* The row group read last. */
	int loaded;
	size_t rows;
	struct cell **cells; /* per leaf, rows each */
	struct blk *blocks;
	uint64_t used; /* bytes of blocks */
	size_t pages;  /* data pages decoded */
};

/* A Thrift compact reader over [p, end). */
struct tr {
	const uint8_t *p, *end;
	int depth;
	int16_t last[TR_DEPTH];
};

static int
tr_byte(struct tr *t, uint8_t *b)
{
	if (t->p >= t->end)
		return (-1);
	*b = *t->p++;
	return (0);
}

static int
tr_varint(struct tr *t, uint64_t *v)
{
	uint64_t x = 0;
	int shift;
	uint8_t b;

	for (shift = 0; shift < 70; shift += 7) {
		if (tr_byte(t, &b) == -1)
			return (-1);
		if (shift == 63 && b > 1)
			return (-1); /* over 64 bits */
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return (0);
		}
	}
	return (-1);
}

static int64_t
unzig(uint64_t v)
{
	return ((int64_t)(v >> 1) ^ -(int64_t)(v & 1));
}

/* Enters a struct. */
static int
tr_begin(struct tr *t)
{
	if (t->depth + 1 >= TR_DEPTH)
		return (-1);
	t->last[++t->depth] = 0;
	return (0);
}

/*
** The next field header of the struct being read: 1 with its ${id} and
** ${type}, 0 at the struct's end (left), -1 if malformed.
*/
static int
tr_field(struct tr *t, int *id, int *type)
{
	uint8_t b;
	uint64_t v;
	int64_t fid;

	if (tr_byte(t, &b) == -1)
		return (-1);
	if (b == 0) {
		t->depth--;
		return (0);
	}
	*type = b & 0x0f;
	if (b >> 4 != 0)
		fid = t->last[t->depth] + (b >> 4);
	else {
		if (tr_varint(t, &v) == -1)
			return (-1);
		fid = unzig(v);
	}
	if (fid < INT16_MIN || fid > INT16_MAX)
		return (-1);
	t->last[t->depth] = (int16_t)fid;
	*id = (int)fid;
	return (1);
}

/* An integer field of compact type ${type} (byte, i16, i32 or i64). */
static int
tr_int(struct tr *t, int type, int64_t *v)
{
	uint64_t u;
	uint8_t b;

	if (type == CT_BYTE) {
		if (tr_byte(t, &b) == -1)
			return (-1);
		*v = (int8_t)b;
		return (0);
	}
	if (type != CT_I16 && type != CT_I32 && type != CT_I64)
		return (-1);
	if (tr_varint(t, &u) == -1)
		return (-1);
	*v = unzig(u);
	return (0);
}

/* An integer that must fit an i32 (sizes, counts, enums). */
static int
tr_i32(struct tr *t, int type, int32_t *v)
{
	int64_t x;

	if (tr_int(t, type, &x) == -1 || x < INT32_MIN || x > INT32_MAX)
		return (-1);
	*v = (int32_t)x;
	return (0);
}

static int
tr_bin(struct tr *t, int type, const uint8_t **p, size_t *n)
{
	uint64_t len;

	if (type != CT_BINARY || tr_varint(t, &len) == -1 ||
	    len > (uint64_t)(t->end - t->p))
		return (-1);
	*p = t->p;
	*n = (size_t)len;
	t->p += len;
	return (0);
}

/*
** A list (or set) header: its ${count} elements of compact type ${etype}.
** Every element takes at least a byte, so a count over the bytes left is
** malformed: nothing is sized from a count before this check.
*/
static int
tr_list(struct tr *t, int type, int *etype, size_t *count)
{
	uint8_t b;
	uint64_t n;

	if ((type != CT_LIST && type != CT_SET) || tr_byte(t, &b) == -1)
		return (-1);
	n = b >> 4;
	if (n == 15 && tr_varint(t, &n) == -1)
		return (-1);
	if (n > (uint64_t)(t->end - t->p))
		return (-1);
	*etype = b & 0x0f;
	*count = (size_t)n;
	return (0);
}

/* Skips a value of compact type ${type}; ${elem}: a list element, where
** a bool takes a byte. */
static int
tr_skip(struct tr *t, int type, int elem)
{
	const uint8_t *p;
	size_t n, i;
	uint64_t u;
	uint8_t b;
	int id, et, rc;

	switch (type) {
	case CT_TRUE:
	case CT_FALSE: return (elem ? tr_byte(t, &b) : 0);
	case CT_BYTE: return (tr_byte(t, &b));
	case CT_I16:
	case CT_I32:
	case CT_I64: return (tr_varint(t, &u));
	case CT_DOUBLE:
		if (t->end - t->p < 8)
			return (-1);
		t->p += 8;
		return (0);
	case CT_BINARY: return (tr_bin(t, type, &p, &n));
	case CT_LIST:
	case CT_SET:
		if (tr_list(t, type, &et, &n) == -1 || t->depth + 1 >= TR_DEPTH)
			return (-1);
		t->depth++;
		for (i = 0; i < n; i++)
			if (tr_skip(t, et, 1) == -1)
				return (-1);
		t->depth--;
		return (0);
	case CT_MAP:
		if (tr_varint(t, &u) == -1 ||
		    u > (uint64_t)(t->end - t->p) / 2 ||
		    t->depth + 1 >= TR_DEPTH)
			return (-1);
		if (u == 0)
			return (0);
		if (tr_byte(t, &b) == -1)
			return (-1);
		t->depth++;
		for (i = 0; i < u; i++)
			if (tr_skip(t, b >> 4, 1) == -1 ||
			    tr_skip(t, b & 0x0f, 1) == -1)
				return (-1);
		t->depth--;
		return (0);
	case CT_STRUCT:
		if (tr_begin(t) == -1)
			return (-1);
		while ((rc = tr_field(t, &id, &et)) == 1)
			if (tr_skip(t, et, 0) == -1)
				return (-1);
		return (rc);
	default: return (-1);
	}
}

static void
le_store64(double *d, const uint8_t *p)
{
	uint64_t u = 0;
	int k;

	for (k = 7; k >= 0; k--)
		u = u << 8 | p[k];
	memcpy(d, &u, 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

static uint64_t
le64(const uint8_t *p)
{
	return ((uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32);
}

/* ${w} bits (up to 64) at bit ${pos} of ${b}, least significant first.
** The caller has checked that they lie inside ${b}. */
static uint64_t
bits_at(const uint8_t *b, uint64_t pos, int w)
{
	uint64_t v = 0;
	int got = 0;

	while (got < w) {
		int sh = (int)(pos & 7), take = 8 - sh;

		if (take > w - got)
			take = w - got;
		v |= (uint64_t)((b[pos >> 3] >> sh) & ((1u << take) - 1))
		    << got;
		got += take;
		pos += take;
	}
	return (v);
}

static const char *
codec_name(int c)
{
	static const char *const names[] = { "UNCOMPRESSED", "SNAPPY", "GZIP",
		"LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW" };

	return (c >= 0 && c < 8 ? names[c] : "unknown");
}

static const char *
encoding_name(int c)
{
	static const char *const names[] = { "PLAIN", "GROUP_VAR_INT",
		"PLAIN_DICTIONARY", "RLE", "BIT_PACKED", "DELTA_BINARY_PACKED",
		"DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY",
		"BYTE_STREAM_SPLIT" };

	return (c >= 0 && c < 10 ? names[c] : "unknown");
}

static const char *
ptype_name(int t)
{
	static const char *const names[] = { "BOOLEAN", "INT32", "INT64",
		"INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
		"FIXED_LEN_BYTE_ARRAY" };

	return (t >= 0 && t < 8 ? names[t] : "unknown");
}

/* Forgets the row group read, freeing its memory. */
static void
group_free(struct pqr *r)
{
	struct blk *b;

	while ((b = r->blocks) != NULL) {
		r->blocks = b->next;
		free(b);
	}
	r->used = 0;
	r->pages = 0;
	r->loaded = 0;
	r->rows = 0;
	if (r->cells != NULL)
		memset(r->cells, 0, r->nleaves * sizeof(*r->cells));
}

/*
** ${n} bytes (at least one) for the row group being read, freed with it.
** NULL with ${e} set: ERR_TOO_LARGE past max_group (checked before
** anything is allocated), ERR_INTERNAL out of memory.
*/
static void *
balloc(struct pqr *r, uint64_t n, struct err *e)
{
	struct blk *b;

	if (n > r->lim.max_group - r->used)
		return (err_set(e, ERR_TOO_LARGE,
			    "parquet: a row group needs more than %llu bytes "
			    "in memory",
			    (unsigned long long)r->lim.max_group),
		    NULL);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - sizeof(*b) ||
	    (b = malloc(sizeof(*b) + (size_t)n)) == NULL)
		return (err_oom(e), NULL);
	b->next = r->blocks;
	r->blocks = b;
	r->used += n;
	return (b->data);
}

/*
** The ${n} bytes at ${off} of the file: a pointer into it in memory, or
** read into a block of the group. NULL with ${e} set.
*/
static const uint8_t *
file_bytes(struct pqr *r, uint64_t off, uint64_t n, struct err *e)
{
	uint8_t *p;
	uint64_t got = 0;
	ssize_t k;

	if (off > r->size || n > r->size - off)
		return (err_set(e, ERR_INVALID,
			    "parquet: a range past the end of the file"),
		    NULL);
	if (r->mem != NULL)
		return (r->mem + off);
	if ((p = balloc(r, n, e)) == NULL)
		return (NULL);
	while (got < n) {
		k = pread(
		    r->fd, p + got, (size_t)(n - got), (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return (err_set(e, ERR_STORAGE, "parquet: read: %s",
				    k < 0 ? strerror(errno) : "file shrank"),
			    NULL);
		got += (uint64_t)k;
	}
	return (p);
}

void
pqr_close(struct pqr *r)
{
	size_t i;

	if (r == NULL)
		return;
	group_free(r);
	if (r->fd != -1)
		close(r->fd);
	for (i = 0; i < r->nfields; i++)
		free((char *)r->fields[i].name);
	for (i = 0; i < r->nleaves; i++)
		free(r->leaves[i].path);
	for (i = 0; i < r->nkv; i++) {
		free(r->kvk[i]);
		free(r->kvv[i]);
	}
	free(r->fields);
	free(r->fleaf);
	free(r->leaves);
	free(r->rg_rows);
	free(r->chunks);
	free(r->kvk);
	free(r->kvv);
	free(r->cells);
	ZSTD_freeDCtx(r->zd);
	free(r);
}

static char *
dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s != NULL) {
		if (n > 0)
			memcpy(s, p, n);
		s[n] = '\0';
	}
	return (s);
}

/* One SchemaElement as read. */
struct sel {
	int32_t type, rep, nchildren, conv;
	int logical; /* the LogicalType union's member, 0 if none */
	int int_bits, int_signed;
	const uint8_t *name;
	size_t namelen;
};

#define MALFORMED (-2) /* a parse failure that means "malformed footer" */

static int
schema_element(struct tr *t, struct sel *s)
{
	int id, type, rc, lid, lt, rc2, iid, it;
	int64_t v;

	memset(s, 0, sizeof(*s));
	s->type = s->rep = s->nchildren = s->conv = -1;
	if (tr_begin(t) == -1)
		return (MALFORMED);
	while ((rc = tr_field(t, &id, &type)) == 1) {
		switch (id) {
		case 1: rc = tr_i32(t, type, &s->type); break;
		case 3: rc = tr_i32(t, type, &s->rep); break;
		case 4: rc = tr_bin(t, type, &s->name, &s->namelen); break;
		case 5: rc = tr_i32(t, type, &s->nchildren); break;
		case 6: rc = tr_i32(t, type, &s->conv); break;
		case 10: /* LogicalType: a union, one member set */
			if (type != CT_STRUCT || tr_begin(t) == -1)
				return (MALFORMED);
			while ((rc2 = tr_field(t, &lid, &lt)) == 1) {
				s->logical = lid;
				if (lid != LOGICAL_INTEGER || lt != CT_STRUCT) {
					if (tr_skip(t, lt, 0) == -1)
						return (MALFORMED);
					continue;
				}
				if (tr_begin(t) == -1)
					return (MALFORMED);
				while ((rc2 = tr_field(t, &iid, &it)) == 1) {
					if (iid == 1) {
						if (tr_int(t, it, &v) == -1)
							return (MALFORMED);
						s->int_bits = (int)v;
					} else if (iid == 2 &&
					    (it == CT_TRUE || it == CT_FALSE))
						s->int_signed = it == CT_TRUE;
					else if (tr_skip(t, it, 0) == -1)
						return (MALFORMED);
				}
				if (rc2 == -1)
					return (MALFORMED);
			}
			rc = rc2;
			break;
		default: rc = tr_skip(t, type, 0); break;
		}
		if (rc == -1)
			return (MALFORMED);
	}
	return (rc == 0 ? 0 : MALFORMED);
}

/* The writer's type of leaf ${s}, or -1 with ${e} set. */
static int
leaf_type(const struct sel *s, const char *name, struct err *e)
{
	int conv_ok = s->conv == -1, log_ok = s->logical == 0;

	switch (s->type) {
	case PT_BOOLEAN:
		if (conv_ok && log_ok)
			return (PARQUET_BOOLEAN);
		break;
	case PT_INT32:
	case PT_INT64: {
		int bits = s->type == PT_INT32 ? 32 : 64;

		if (s->conv == (bits == 32 ? CONV_INT_32 : CONV_INT_64))
			conv_ok = 1;
		if (s->logical == LOGICAL_INTEGER && s->int_bits == bits &&
		    s->int_signed)
			log_ok = 1;
		if (conv_ok && log_ok)
			return (bits == 32 ? PARQUET_INT32 : PARQUET_INT64);
		break;
	}
	case PT_DOUBLE:
		if (conv_ok && log_ok)
			return (PARQUET_DOUBLE);
		break;
	case PT_BYTE_ARRAY:
		if (conv_ok && log_ok)
			return (PARQUET_BINARY);
		if ((s->conv == CONV_UTF8 || s->conv == -1) &&
		    (s->logical == LOGICAL_STRING || s->logical == 0))
			return (PARQUET_STRING);
		break;
	default:
		return (err_set(e, ERR_INVALID,
		    "parquet: unsupported type %s in column %s",
		    ptype_name(s->type), name));
	}
	return (err_set(e, ERR_INVALID,
	    "parquet: unsupported logical type (converted %d, logical %d) "
	    "of %s in column %s",
	    (int)s->conv, s->logical, ptype_name(s->type), name));
}

/*
** Builds the fields and leaves from the ${n} schema elements ${s} (the
** root first). 0, or -1 with ${e} set.
*/
static int
schema_build(struct pqr *r, const struct sel *s, size_t n, struct err *e)
{
	size_t top, k, idx = 1, g;
	char *name = NULL;

	if (n < 2 || s[0].nchildren <= 0)
		return (err_set(e, ERR_INVALID, "parquet: no columns"));
	top = (size_t)s[0].nchildren;
	if ((r->fields = calloc(n, sizeof(*r->fields))) == NULL ||
	    (r->fleaf = calloc(n, sizeof(*r->fleaf))) == NULL ||
	    (r->leaves = calloc(n, sizeof(*r->leaves))) == NULL)
		return (err_oom(e));
	for (k = 0; k < top; k++) {
		size_t nch = 0, j;

		g = (size_t)-1;
		for (j = 0; j <= nch; j++) {
			const struct sel *el;
			struct parquet_field *f;
			int type;

			if (idx >= n) {
				free(name);
				return (err_set(e, ERR_INVALID,
				    "parquet: the schema ends early"));
			}
			el = &s[idx++];
			f = &r->fields[r->nfields];
			if (el->namelen == 0 ||
			    memchr(el->name, 0, el->namelen) != NULL) {
				free(name);
				return (err_set(e, ERR_INVALID,
				    "parquet: schema element %zu has no name",
				    idx - 1));
			}
			if ((f->name = dup_bytes(el->name, el->namelen)) ==
			    NULL) {
				free(name);
				return (err_oom(e));
			}
			r->nfields++;
			free(name);
			if (asprintf(&name, "%s%s%s",
				g != (size_t)-1 ? r->fields[g].name : "",
				g != (size_t)-1 ? "." : "", f->name) == -1) {
				name = NULL;
				return (err_oom(e));
			}
			if (el->rep == REP_REPEATED)
				goto repeated;
			f->optional = el->rep == REP_OPTIONAL;
			if (el->nchildren > 0) {
				if (g != (size_t)-1)
					goto nested;
				f->type = PARQUET_GROUP;
				f->nchildren = el->nchildren;
				nch = (size_t)el->nchildren;
				g = r->nfields - 1;
				r->fleaf[g] = r->nleaves;
				continue;
			}
			if (el->type == -1)
				goto typeless;
			if ((type = leaf_type(el, name, e)) == -1)
				goto fail;
			f->type = (enum parquet_type)type;
			r->fleaf[r->nfields - 1] = r->nleaves;
			r->leaves[r->nleaves].field = r->nfields - 1;
			r->leaves[r->nleaves].ptype = el->type;
			r->leaves[r->nleaves].maxdef = f->optional +
			    (g != (size_t)-1 && r->fields[g].optional);
			r->leaves[r->nleaves].path = name;
			name = NULL;
			if (g != (size_t)-1)
				r->leaves[r->nleaves]
				    .comp[r->leaves[r->nleaves].ncomp++] =
				    r->fields[g].name;
			r->leaves[r->nleaves]
			    .comp[r->leaves[r->nleaves].ncomp++] = f->name;
			r->nleaves++;
		}
	}
	free(name);
	if (idx != n)
		return (err_set(e, ERR_INVALID,
		    "parquet: %zu schema elements outside the tree", n - idx));
	return (0);
repeated:
	err_set(e, ERR_INVALID,
	    "parquet: column %s is REPEATED (lists are not supported)", name);
	goto fail;
nested:
	err_set(e, ERR_INVALID,
	    "parquet: group %s inside a group (nesting is not supported)",
	    name);
	goto fail;
typeless:
	err_set(e, ERR_INVALID,
	    "parquet: column %s has neither a type nor children", name);
fail:
	free(name);
	return (-1);
}

/*
** ColumnChunk ${k} of row group ${g} (${rows} rows) into ${c}, checked
** against leaf ${k} and the file. 0, MALFORMED, or -1 with ${e} set.
*/
static int
column_chunk(struct pqr *r, struct tr *t, size_t k, int64_t rows,
    struct chunk *c, struct err *e)
{
	const struct leaf *l = &r->leaves[k];
	int id, type, rc, mid, mt, et, has_meta = 0, ptype = -1;
	int64_t data_off = -1, dict_off = -1;
	int32_t enc;
	const uint8_t *p;
	size_t n, i, npath = 0;
	int path_ok = 0;

	memset(c, 0, sizeof(*c));
	c->nvalues = c->usize = c->csize = -1;
	c->codec = -1;
	if (tr_begin(t) == -1)
		return (MALFORMED);
	while ((rc = tr_field(t, &id, &type)) == 1) {
		if (id == 1)
			return (err_set(e, ERR_INVALID,
			    "parquet: column %s lies in another file",
			    l->path));
		if (id != 3) {
			if (tr_skip(t, type, 0) == -1)
				return (MALFORMED);
			continue;
		}
		if (type != CT_STRUCT || tr_begin(t) == -1)
			return (MALFORMED);
		has_meta = 1;
		while ((rc = tr_field(t, &mid, &mt)) == 1) {
			int32_t v32;
			int64_t v;

			switch (mid) {
			case 1:
				if (tr_i32(t, mt, &v32) == -1)
					return (MALFORMED);
				ptype = v32;
				break;
			case 2:
				if (tr_list(t, mt, &et, &n) == -1)
					return (MALFORMED);
				for (i = 0; i < n; i++) {
					if (tr_i32(t, et, &enc) == -1)
						return (MALFORMED);
					if (enc == ENC_PLAIN_DICTIONARY ||
					    enc == ENC_RLE_DICTIONARY)
						c->dict = 1;
				}
				break;
			case 3:
				if (tr_list(t, mt, &et, &n) == -1)
					return (MALFORMED);
				path_ok = n == l->ncomp;
				for (i = 0; i < n; i++) {
					if (tr_bin(t, et, &p, &npath) == -1)
						return (MALFORMED);
					if (i < l->ncomp &&
					    (npath != strlen(l->comp[i]) ||
						memcmp(p, l->comp[i], npath) !=
						    0))
						path_ok = 0;
				}
				break;
			case 4:
				if (tr_i32(t, mt, &v32) == -1)
					return (MALFORMED);
				c->codec = v32;
				break;
			case 5:
			case 6:
			case 7:
			case 9:
			case 11:
				if (tr_int(t, mt, &v) == -1)
					return (MALFORMED);
				if (mid == 5)
					c->nvalues = v;
				else if (mid == 6)
					c->usize = v;
				else if (mid == 7)
					c->csize = v;
				else if (mid == 9)
					data_off = v;
				else
					dict_off = v;
				break;
			default:
				if (tr_skip(t, mt, 0) == -1)
					return (MALFORMED);
			}
		}
		if (rc == -1)
			return (MALFORMED);
	}
	if (rc == -1)
		return (MALFORMED);
	if (!has_meta || c->nvalues < 0 || c->usize < 0 || c->csize < 0 ||
	    data_off < 0 || ptype == -1 || c->codec == -1)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: incomplete column metadata", l->path));
	if (ptype != l->ptype)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: chunk of type %s, schema says %s",
		    l->path, ptype_name(ptype), ptype_name(l->ptype)));
	if (!path_ok)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: its chunk names another column",
		    l->path));
	if (c->codec != CODEC_UNCOMPRESSED && c->codec != CODEC_ZSTD)
		return (err_set(e, ERR_INVALID,
		    "parquet: unsupported codec %s in column %s",
		    codec_name(c->codec), l->path));
	if (c->nvalues != rows)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: %lld values in a row group of %lld "
		    "rows",
		    l->path, (long long)c->nvalues, (long long)rows));
	c->start = data_off;
	if (dict_off > 0 && dict_off < data_off)
		c->start = dict_off;
	if (c->start < 4 || (uint64_t)c->start > r->data_end ||
	    (uint64_t)c->csize > r->data_end - (uint64_t)c->start)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: chunk outside the data", l->path));
	if (rows > 0 && c->csize == 0)
		return (err_set(e, ERR_INVALID,
		    "parquet: column %s: empty chunk", l->path));
	return (0);
}

/* A RowGroup struct: its rows and chunks appended to ${r}. */
static int
row_group(struct pqr *r, struct tr *t, struct err *e)
{
	int id, type, et, rc, have_cols = 0;
	int64_t rows = -1, v;
	const uint8_t *cols_at = NULL;
	size_t n, k, g = r->ngroups;
	struct tr t2;

	if (tr_begin(t) == -1)
		return (MALFORMED);
	while ((rc = tr_field(t, &id, &type)) == 1) {
		if (id == 3) {
			if (tr_int(t, type, &v) == -1)
				return (MALFORMED);
			rows = v;
		} else if (id == 1) {
			/* Read after num_rows, which may follow it. */
			cols_at = t->p;
			have_cols = type;
			if (tr_skip(t, type, 0) == -1)
				return (MALFORMED);
		} else if (tr_skip(t, type, 0) == -1)
			return (MALFORMED);
	}
	if (rc == -1)
		return (MALFORMED);
	if (rows < 0 || cols_at == NULL)
		return (err_set(e, ERR_INVALID,
		    "parquet: row group %zu: no rows or no columns", g));
	if ((uint64_t)rows > r->lim.max_rows)
		return (err_set(e, ERR_TOO_LARGE,
		    "parquet: row group %zu has %lld rows (limit %llu)", g,
		    (long long)rows, (unsigned long long)r->lim.max_rows));
	if (g == r->capgroups) {
		size_t cap = r->capgroups ? 2 * r->capgroups : 4;
		int64_t *nr;
		struct chunk *nc;

		if ((nr = realloc(r->rg_rows, cap * sizeof(*nr))) == NULL)
			return (err_oom(e));
		r->rg_rows = nr;
		if ((nc = realloc(r->chunks, cap * r->nleaves * sizeof(*nc))) ==
		    NULL)
			return (err_oom(e));
		r->chunks = nc;
		r->capgroups = cap;
	}
	t2 = *t;
	t2.p = cols_at;
	if (tr_list(&t2, have_cols, &et, &n) == -1 || et != CT_STRUCT)
		return (MALFORMED);
	if (n != r->nleaves)
		return (err_set(e, ERR_INVALID,
		    "parquet: row group %zu has %zu columns, the schema %zu", g,
		    n, r->nleaves));
	for (k = 0; k < n; k++)
		if ((rc = column_chunk(r, &t2, k, rows,
			 &r->chunks[g * r->nleaves + k], e)) != 0)
			return (rc);
	r->rg_rows[g] = rows;
	r->ngroups++;
	return (0);
}

/* A KeyValue struct, appended to ${r}'s pairs (room made by caller). */
static int
key_value(struct pqr *r, struct tr *t, struct err *e)
{
	const uint8_t *k = NULL, *v = NULL;
	size_t kn = 0, vn = 0;
	int id, type, rc;

	if (tr_begin(t) == -1)
		return (MALFORMED);
	while ((rc = tr_field(t, &id, &type)) == 1) {
		if (id == 1)
			rc = tr_bin(t, type, &k, &kn);
		else if (id == 2)
			rc = tr_bin(t, type, &v, &vn);
		else
			rc = tr_skip(t, type, 0);
		if (rc == -1)
			return (MALFORMED);
	}
	if (rc == -1 || k == NULL)
		return (MALFORMED);
	if ((r->kvk[r->nkv] = dup_bytes(k, kn)) == NULL)
		return (err_oom(e));
	if ((r->kvv[r->nkv] = dup_bytes(v, vn)) == NULL) {
		free(r->kvk[r->nkv]);
		return (err_oom(e));
	}
	r->nkv++;
	return (0);
}

/*
** Parses the FileMetaData at ${p} (${n} bytes) into ${r}. The schema is
** built first wherever it lies, then the row groups. 0, or -1 with ${e}.
*/
static int
footer_parse(struct pqr *r, const uint8_t *p, size_t n, struct err *e)
{
	struct tr t = { p, p + n, 0, { 0 } }, t2;
	struct sel *sels = NULL;
	const uint8_t *rg_at = NULL;
	int id, type, et, rc, rg_type = 0, have_rows = 0;
	size_t count, i, nsel = 0;
	int64_t rows = 0, sum = 0;

	t.depth = 0;
	t.last[0] = 0;
	while ((rc = tr_field(&t, &id, &type)) == 1) {
		switch (id) {
		case 2:
			if (sels != NULL ||
			    tr_list(&t, type, &et, &count) == -1 ||
			    et != CT_STRUCT) {
				rc = MALFORMED;
				goto out;
			}
			if (count > r->lim.max_fields + 1) {
				rc = err_set(e, ERR_TOO_LARGE,
				    "parquet: %zu schema fields (limit %zu)",
				    count - 1, r->lim.max_fields);
				goto out;
			}
			if ((sels = calloc(count + 1, sizeof(*sels))) == NULL) {
				rc = err_oom(e);
				goto out;
			}
			for (i = 0; i < count; i++)
				if ((rc = schema_element(&t, &sels[i])) != 0)
					goto out;
			nsel = count;
			break;
		case 3:
			if (tr_int(&t, type, &rows) == -1) {
				rc = MALFORMED;
				goto out;
			}
			have_rows = 1;
			break;
		case 4:
			rg_at = t.p;
			rg_type = type;
			if (tr_skip(&t, type, 0) == -1) {
				rc = MALFORMED;
				goto out;
			}
			break;
		case 5:
			if (r->kvk != NULL ||
			    tr_list(&t, type, &et, &count) == -1 ||
			    et != CT_STRUCT) {
				rc = MALFORMED;
				goto out;
			}
			if ((r->kvk = calloc(count + 1, sizeof(char *))) ==
				NULL ||
			    (r->kvv = calloc(count + 1, sizeof(char *))) ==
				NULL) {
				rc = err_oom(e);
				goto out;
			}
			for (i = 0; i < count; i++)
				if ((rc = key_value(r, &t, e)) != 0)
					goto out;
			break;
		case 8:
			rc = err_set(e, ERR_INVALID,
			    "parquet: encrypted files are not supported");
			goto out;
		default:
			if (tr_skip(&t, type, 0) == -1) {
				rc = MALFORMED;
				goto out;
			}
		}
	}
	if (rc == -1) {
		rc = MALFORMED;
		goto out;
	}
	if (sels == NULL || !have_rows || rg_at == NULL) {
		rc = err_set(e, ERR_INVALID,
		    "parquet: the footer lacks the schema, rows or row "
		    "groups");
		goto out;
	}
	if (rows < 0) {
		rc = MALFORMED;
		goto out;
	}
	if ((rc = schema_build(r, sels, nsel, e)) != 0)
		goto out;
	if ((r->cells = calloc(r->nleaves, sizeof(*r->cells))) == NULL) {
		rc = err_oom(e);
		goto out;
	}
	t2 = t;
	t2.p = rg_at;
	t2.depth = 0;
	if (tr_list(&t2, rg_type, &et, &count) == -1 || et != CT_STRUCT) {
		rc = MALFORMED;
		goto out;
	}
	for (i = 0; i < count; i++) {
		if ((rc = row_group(r, &t2, e)) != 0)
			goto out;
		sum += r->rg_rows[i]; /* each is at most max_rows */
		if (sum > rows) {
			rc = err_set(e, ERR_INVALID,
			    "parquet: the row groups hold more rows than the "
			    "file's %lld",
			    (long long)rows);
			goto out;
		}
	}
	if (sum != rows) {
		rc = err_set(e, ERR_INVALID,
		    "parquet: the row groups hold %lld rows, the file %lld",
		    (long long)sum, (long long)rows);
		goto out;
	}
	r->nrows = rows;
	/* A byte-array column dictionary-encoded in its first chunk is
	** one the writer should be asked to encode so again. */
	for (i = 0; i < r->nleaves && r->ngroups > 0; i++) {
		struct parquet_field *f = &r->fields[r->leaves[i].field];

		if ((f->type == PARQUET_STRING || f->type == PARQUET_BINARY) &&
		    r->chunks[i].dict)
			f->dict = 1;
	}
	rc = 0;
out:
	free(sels);
	if (rc == MALFORMED)
		rc = err_set(e, ERR_INVALID,
		    "parquet: malformed footer (near byte %zu of %zu)",
		    (size_t)(t.p - p), n);
	return (rc);
}

/* Opens what ${r}'s fd or mem holds. Frees ${r} on failure. */
static struct pqr *
open_common(struct pqr *r, const struct pqr_limits *lim, struct err *e)
{
	static const struct pqr_limits def = PQR_LIMITS_DEFAULT;
	const uint8_t *tail, *head, *foot;
	uint8_t tb[8], hb[4];
	uint32_t flen;

	r->lim = lim != NULL ? *lim : def;
	if ((r->zd = ZSTD_createDCtx()) == NULL) {
		err_oom(e);
		goto fail;
	}
	if (r->size < 12) {
		err_set(e, ERR_INVALID,
		    "parquet: not a Parquet file (%llu bytes)",
		    (unsigned long long)r->size);
		goto fail;
	}
	r->data_end = r->size;
	r->lim.max_group = (uint64_t)-1; /* for the small reads here */
	if ((tail = file_bytes(r, r->size - 8, 8, e)) == NULL)
		goto fail;
	memcpy(tb, tail, 8);
	if ((head = file_bytes(r, 0, 4, e)) == NULL)
		goto fail;
	memcpy(hb, head, 4);
	group_free(r);
	r->lim.max_group = lim != NULL ? lim->max_group : def.max_group;
	if (memcmp(tb + 4, "PARE", 4) == 0) {
		err_set(e, ERR_INVALID,
		    "parquet: encrypted files are not supported");
		goto fail;
	}
	if (memcmp(hb, "PAR1", 4) != 0 || memcmp(tb + 4, "PAR1", 4) != 0) {
		err_set(e, ERR_INVALID,
		    "parquet: not a Parquet file (no PAR1 magic)");
		goto fail;
	}
	flen = le32(tb);
	if (flen > r->lim.max_footer) {
		err_set(e, ERR_TOO_LARGE,
		    "parquet: a footer of %lu bytes (limit %llu)",
		    (unsigned long)flen, (unsigned long long)r->lim.max_footer);
		goto fail;
	}
	if (flen == 0 || (uint64_t)flen > r->size - 12) {
		err_set(e, ERR_INVALID,
		    "parquet: a footer length of %lu in a file of %llu bytes",
		    (unsigned long)flen, (unsigned long long)r->size);
		goto fail;
	}
	r->data_end = r->size - 8 - flen;
	/* The footer is read as a block of a group, and forgotten once
	** parsed: everything kept is copied out of it. */
	r->lim.max_group = (uint64_t)-1;
	if ((foot = file_bytes(r, r->data_end, flen, e)) == NULL)
		goto fail;
	if (footer_parse(r, foot, flen, e) == -1)
		goto fail;
	group_free(r);
	r->lim.max_group = lim != NULL ? lim->max_group : def.max_group;
	return (r);
fail:
	pqr_close(r);
	return (NULL);
}

struct pqr *
pqr_open(const char *path, const struct pqr_limits *lim, struct err *e)
{
	struct pqr *r;
	struct stat st;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (err_oom(e), NULL);
	if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(
		    e, ERR_STORAGE, "parquet: %s: %s", path, strerror(errno));
		free(r);
		return (NULL);
	}
	if (fstat(r->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(
		    e, ERR_STORAGE, "parquet: %s: not a readable file", path);
		pqr_close(r);
		return (NULL);
	}
	r->size = (uint64_t)st.st_size;
	return (open_common(r, lim, e));
}

struct pqr *
pqr_open_mem(
    const void *p, size_t n, const struct pqr_limits *lim, struct err *e)
{
	struct pqr *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (err_oom(e), NULL);
	r->fd = -1;
	r->mem = p != NULL ? p : (const uint8_t *)"";
	r->size = p != NULL ? n : 0;
	return (open_common(r, lim, e));
}

const struct parquet_field *
pqr_fields(const struct pqr *r, size_t *n)
{
	*n = r->nfields;
	return (r->fields);
}

int64_t
pqr_rows(const struct pqr *r)
{
	return (r->nrows);
}

size_t
pqr_groups(const struct pqr *r)
{
	return (r->ngroups);
}

const char *
pqr_kv(const struct pqr *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nkv; i++)
		if (strcmp(r->kvk[i], key) == 0)
			return (r->kvv[i]);
	return (NULL);
}

size_t
pqr_kv_count(const struct pqr *r)
{
	return (r->nkv);
}

const char *
pqr_kv_key(const struct pqr *r, size_t i)
{
	return (i < r->nkv ? r->kvk[i] : NULL);
}

/*
** A reader of the RLE/bit-packed hybrid of values ${width} bits wide over
** [p, end): runs of one repeated value, or groups of 8 bit-packed values.
*/
struct hyb {
	const uint8_t *p, *end;
	int width;
	uint64_t left; /* values left in the current run */
	int packed;    /* the run is bit-packed */
	uint32_t value;
	const uint8_t *bits;
	uint64_t pos; /* next bit of bits */
};

/* The next ${n} values into ${out}. 0, or -1 if the data ends first. */
static int
hyb_get(struct hyb *h, uint32_t *out, size_t n)
{
	struct tr t;
	uint64_t hdr, bytes, take, k;
	int b;

	while (n > 0) {
		if (h->left == 0) {
			t.p = h->p;
			t.end = h->end;
			if (tr_varint(&t, &hdr) == -1)
				return (-1);
			h->p = t.p;
			if (hdr & 1) {
				hdr >>= 1; /* groups of 8 */
				if (hdr > (uint64_t)(h->end - h->p) ||
				    (h->width > 0 &&
					hdr > (uint64_t)(h->end - h->p) /
						(uint64_t)h->width))
					return (-1);
				bytes = hdr * (uint64_t)h->width;
				h->packed = 1;
				h->bits = h->p;
				h->pos = 0;
				h->p += bytes;
				h->left = hdr * 8;
			} else {
				bytes = ((uint64_t)h->width + 7) / 8;
				if (bytes > (uint64_t)(h->end - h->p))
					return (-1);
				h->value = 0;
				for (b = 0; b < (int)bytes; b++)
					h->value |= (uint32_t)h->p[b]
					    << (8 * b);
				h->p += bytes;
				h->packed = 0;
				h->left = hdr >> 1;
			}
			continue;
		}
		take = h->left < n ? h->left : n;
		for (k = 0; k < take; k++) {
			if (h->packed) {
				out[k] = (uint32_t)bits_at(
				    h->bits, h->pos, h->width);
				h->pos += (uint64_t)h->width;
			} else
				out[k] = h->value;
		}
		out += take;
		n -= (size_t)take;
		h->left -= take;
	}
	return (0);
}

static void
hyb_init(struct hyb *h, const uint8_t *p, size_t n, int width)
{
	memset(h, 0, sizeof(*h));
	h->p = p;
	h->end = p + n;
	h->width = width;
}

/* A page being decoded: its column, where its values go. */
struct page {
	struct pqr *r;
	const struct leaf *l;
	struct cell *cells; /* the page's first row */
	size_t nv;          /* values (rows) in the page */
	size_t nn;          /* of them not null */
	const struct cell *dict;
	size_t ndict;
	struct err *e;
};

static int
bad(struct page *pg, const char *what)
{
	return (err_set(
	    pg->e, ERR_INVALID, "parquet: column %s: %s", pg->l->path, what));
}

/* Definition levels, ${n} bytes of hybrid at ${p}, into the page's
** cells; counts the non-null. */
static int
levels_decode(struct page *pg, const uint8_t *p, size_t n)
{
	struct hyb h;
	uint32_t buf[256];
	size_t i = 0, k, m;

	pg->nn = 0;
	if (pg->l->maxdef == 0) {
		for (i = 0; i < pg->nv; i++)
			pg->cells[i].def = 0;
		pg->nn = pg->nv;
		return (0);
	}
	hyb_init(&h, p, n, parquet_bit_width((uint32_t)pg->l->maxdef));
	while (i < pg->nv) {
		m = pg->nv - i < 256 ? pg->nv - i : 256;
		if (hyb_get(&h, buf, m) == -1)
			return (bad(pg, "definition levels end early"));
		for (k = 0; k < m; k++) {
			if (buf[k] > (uint32_t)pg->l->maxdef)
				return (bad(pg, "a definition level too high"));
			pg->cells[i + k].def = (uint8_t)buf[k];
			if (buf[k] == (uint32_t)pg->l->maxdef)
				pg->nn++;
		}
		i += m;
	}
	return (0);
}

/* ${nn} PLAIN values of physical type ${ptype} from ${p} (${n} bytes)
** into ${out}. */
static int
plain_decode(struct page *pg, int ptype, const uint8_t *p, size_t n,
    struct cell *out, size_t nn)
{
	size_t i, pos = 0;
	uint32_t len;

	switch (ptype) {
	case PT_BOOLEAN:
		if (nn > n * 8)
			return (bad(pg, "PLAIN booleans end early"));
		for (i = 0; i < nn; i++)
			out[i].v.i = (p[i / 8] >> (i % 8)) & 1;
		return (0);
	case PT_INT32:
		if (nn > n / 4)
			return (bad(pg, "PLAIN values end early"));
		for (i = 0; i < nn; i++)
			out[i].v.i = (int32_t)le32(p + 4 * i);
		return (0);
	case PT_INT64:
	case PT_DOUBLE:
		if (nn > n / 8)
			return (bad(pg, "PLAIN values end early"));
		for (i = 0; i < nn; i++) {
			if (ptype == PT_INT64)
				out[i].v.i = (int64_t)le64(p + 8 * i);
			else
				le_store64(&out[i].v.d, p + 8 * i);
		}
		return (0);
	default:
		for (i = 0; i < nn; i++) {
			if (n - pos < 4)
				return (bad(pg, "PLAIN byte arrays end early"));
			len = le32(p + pos);
			pos += 4;
			if (len > n - pos)
				return (bad(pg, "a byte array past its page"));
			out[i].v.p = p + pos;
			out[i].n = len;
			pos += len;
		}
		return (0);
	}
}

/*
** ${nn} DELTA_BINARY_PACKED integers from ${p} (${n} bytes) into ${out}
** (v.i), the bytes used into ${used}. Arithmetic wraps, as the encoding
** means it to; INT32 columns keep the low 32 bits.
*/
static int
delta_decode(struct page *pg, const uint8_t *p, size_t n, struct cell *out,
    size_t nn, int is32, size_t *used)
{
	struct tr t = { p, p + n, 0, { 0 } };
	uint64_t block, nmini, total, first, u, vpm, v;
	size_t i = 0, m;
	const uint8_t *widths;

	if (tr_varint(&t, &block) == -1 || tr_varint(&t, &nmini) == -1 ||
	    tr_varint(&t, &total) == -1 || tr_varint(&t, &first) == -1)
		return (bad(pg, "DELTA_BINARY_PACKED header cut"));
	if (block == 0 || block % 128 != 0 || block > DELTA_BLOCK_MAX ||
	    nmini == 0 || block % nmini != 0 || (block / nmini) % 32 != 0)
		return (bad(pg, "DELTA_BINARY_PACKED bad block size"));
	if (total < nn || (used != NULL && total != nn))
		return (bad(pg, "DELTA_BINARY_PACKED holds too few values"));
	vpm = block / nmini;
	v = (uint64_t)unzig(first);
	if (nn > 0)
		out[i++].v.i = is32 ? (int32_t)v : (int64_t)v;
	while (i < nn) {
		int64_t mindelta;

		if (tr_varint(&t, &u) == -1)
			return (bad(pg, "DELTA_BINARY_PACKED block cut"));
		mindelta = unzig(u);
		if ((uint64_t)(t.end - t.p) < nmini)
			return (bad(pg, "DELTA_BINARY_PACKED block cut"));
		widths = t.p;
		t.p += nmini;
		for (m = 0; m < nmini && i < nn; m++) {
			uint64_t k, bytes;
			int w = widths[m];

			if (w > 64)
				return (bad(pg, "DELTA_BINARY_PACKED width"));
			bytes = vpm * (uint64_t)w / 8;
			if (bytes > (uint64_t)(t.end - t.p))
				return (bad(pg, "DELTA_BINARY_PACKED cut"));
			for (k = 0; k < vpm && i < nn; k++) {
				v += (uint64_t)mindelta +
				    bits_at(t.p, k * (uint64_t)w, w);
				out[i++].v.i = is32 ? (int32_t)v : (int64_t)v;
			}
			t.p += bytes;
		}
	}
	/* The blocks after the last value are not read; a caller that
	** needs the end of the encoding (DELTA_LENGTH) needs whole ones. */
	if (used != NULL)
		*used = (size_t)(t.p - p);
	return (0);
}

/* ${nn} values in ${encoding} from ${p} (${n} bytes) into ${out}. */
static int
values_decode(struct page *pg, int encoding, const uint8_t *p, size_t n,
    struct cell *out, size_t nn)
{
	int ptype = pg->l->ptype;
	char msg[128];
	size_t i, used, pos;

	switch (encoding) {
	case ENC_PLAIN: return (plain_decode(pg, ptype, p, n, out, nn));
	case ENC_PLAIN_DICTIONARY:
	case ENC_RLE_DICTIONARY: {
		struct hyb h;
		uint32_t buf[256];
		size_t k, m;

		if (nn == 0)
			return (0);
		if (pg->dict == NULL)
			return (
			    bad(pg, "dictionary indices but no dictionary"));
		if (n < 1 || p[0] > 32)
			return (bad(pg, "bad dictionary index width"));
		hyb_init(&h, p + 1, n - 1, p[0]);
		for (i = 0; i < nn; i += m) {
			m = nn - i < 256 ? nn - i : 256;
			if (hyb_get(&h, buf, m) == -1)
				return (
				    bad(pg, "dictionary indices end early"));
			for (k = 0; k < m; k++) {
				if (buf[k] >= pg->ndict)
					return (bad(pg,
					    "a dictionary index "
					    "past the dictionary"));
				out[i + k].v = pg->dict[buf[k]].v;
				out[i + k].n = pg->dict[buf[k]].n;
			}
		}
		return (0);
	}
	case ENC_RLE:
		if (ptype == PT_BOOLEAN) {
			struct hyb h;
			uint32_t b;

			if (n < 4 || le32(p) > n - 4)
				return (bad(pg, "RLE booleans cut"));
			hyb_init(&h, p + 4, le32(p), 1);
			for (i = 0; i < nn; i++) {
				if (hyb_get(&h, &b, 1) == -1)
					return (bad(pg, "RLE booleans cut"));
				out[i].v.i = b & 1;
			}
			return (0);
		}
		break;
	case ENC_DELTA_BINARY_PACKED:
		if (ptype == PT_INT32 || ptype == PT_INT64)
			return (delta_decode(
			    pg, p, n, out, nn, ptype == PT_INT32, NULL));
		break;
	case ENC_DELTA_LENGTH_BYTE_ARRAY:
		if (ptype != PT_BYTE_ARRAY)
			break;
		if (delta_decode(pg, p, n, out, nn, 0, &used) == -1)
			return (-1);
		/* The lengths hold exactly nn values, so their encoding
		** ends where decoding stopped (the miniblocks after the
		** last value are not stored), and the bytes follow. */
		pos = used;
		for (i = 0; i < nn; i++) {
			int64_t len = out[i].v.i;

			if (len < 0 || (uint64_t)len > n - pos)
				return (bad(pg, "DELTA_LENGTH_BYTE_ARRAY cut"));
			out[i].v.p = p + pos;
			out[i].n = (uint32_t)len;
			pos += (size_t)len;
		}
		return (0);
	case ENC_BYTE_STREAM_SPLIT:
		if (ptype == PT_DOUBLE || ptype == PT_INT64 ||
		    ptype == PT_INT32) {
			size_t w = ptype == PT_INT32 ? 4 : 8, b;
			uint8_t tmp[8];

			if (nn > n / w)
				return (bad(pg, "BYTE_STREAM_SPLIT cut"));
			for (i = 0; i < nn; i++) {
				for (b = 0; b < w; b++)
					tmp[b] = p[b * nn + i];
				if (ptype == PT_DOUBLE)
					le_store64(&out[i].v.d, tmp);
				else if (ptype == PT_INT64)
					out[i].v.i = (int64_t)le64(tmp);
				else
					out[i].v.i = (int32_t)le32(tmp);
			}
			return (0);
		}
		break;
	default: break;
	}
	snprintf(msg, sizeof(msg), "unsupported encoding %d (%s) in column",
	    encoding, encoding_name(encoding));
	return (
	    err_set(pg->e, ERR_INVALID, "parquet: %s %s", msg, pg->l->path));
}

/* Moves the page's ${nn} values, decoded to its first cells, to the rows
** whose level says they are there (from the end, so none is overwritten
** before it moves). */
static void
values_spread(struct page *pg)
{
	size_t i = pg->nv, j = pg->nn;
	uint8_t max = (uint8_t)pg->l->maxdef;

	while (i > 0 && j > 0) {
		i--;
		if (pg->cells[i].def == max) {
			j--;
			if (j != i) {
				pg->cells[i].v = pg->cells[j].v;
				pg->cells[i].n = pg->cells[j].n;
			}
		}
	}
}

/*
** The body of a page: ${cn} bytes at ${src} that decompress to ${un}.
** Points ${out} at the bytes (into the chunk when uncompressed, or a new
** block of the group). 0, or -1 with ${e} set.
*/
static int
page_body(struct page *pg, int codec, const uint8_t *src, size_t cn, size_t un,
    const uint8_t **out)
{
	unsigned long long fcs;
	uint8_t *dst;
	size_t rc;

	if (codec == CODEC_UNCOMPRESSED) {
		if (cn != un)
			return (bad(pg, "an uncompressed page of two sizes"));
		*out = src;
		return (0);
	}
	fcs = ZSTD_getFrameContentSize(src, cn);
	if (fcs == ZSTD_CONTENTSIZE_ERROR)
		return (bad(pg, "a page that is not ZSTD"));
	if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs > un)
		return (bad(pg, "a ZSTD page larger than its header says"));
	if ((dst = balloc(pg->r, un, pg->e)) == NULL)
		return (-1);
	rc = ZSTD_decompressDCtx(pg->r->zd, dst, un, src, cn);
	if (ZSTD_isError(rc) || rc != un)
		return (bad(pg,
		    "a ZSTD page that does not decompress to "
		    "its size"));
	*out = dst;
	return (0);
}

/* What a PageHeader says. */
struct phdr {
	int32_t type, usize, csize;
	int32_t nv, enc, def_enc; /* v1 and dictionary */
	int32_t nulls, nrows, dlen, rlen;
	int compressed; /* v2 */
	int have_sub;
};

static int
page_header(struct tr *t, struct phdr *h)
{
	int id, type, rc, sid, st;
	int32_t *slot;

	memset(h, 0, sizeof(*h));
	h->type = h->usize = h->csize = -1;
	h->nv = h->enc = h->def_enc = -1;
	h->nulls = h->nrows = h->dlen = h->rlen = -1;
	h->compressed = 1;
	t->depth = 0;
	if (tr_begin(t) == -1)
		return (-1);
	while ((rc = tr_field(t, &id, &type)) == 1) {
		if (id == 1 || id == 2 || id == 3) {
			slot = id == 1 ? &h->type
			    : id == 2  ? &h->usize
				       : &h->csize;
			if (tr_i32(t, type, slot) == -1)
				return (-1);
			continue;
		}
		if ((id != 5 && id != 7 && id != 8) || type != CT_STRUCT) {
			if (tr_skip(t, type, 0) == -1)
				return (-1);
			continue;
		}
		if (tr_begin(t) == -1)
			return (-1);
		h->have_sub = id;
		while ((rc = tr_field(t, &sid, &st)) == 1) {
			slot = NULL;
			if (sid == 1)
				slot = &h->nv;
			else if (id == 5 && sid == 2)
				slot = &h->enc;
			else if (id == 5 && sid == 3)
				slot = &h->def_enc;
			else if (id == 7 && sid == 2)
				slot = &h->enc;
			else if (id == 8 && sid == 2)
				slot = &h->nulls;
			else if (id == 8 && sid == 3)
				slot = &h->nrows;
			else if (id == 8 && sid == 4)
				slot = &h->enc;
			else if (id == 8 && sid == 5)
				slot = &h->dlen;
			else if (id == 8 && sid == 6)
				slot = &h->rlen;
			if (slot != NULL) {
				if (tr_i32(t, st, slot) == -1)
					return (-1);
			} else if (id == 8 && sid == 7 &&
			    (st == CT_TRUE || st == CT_FALSE))
				h->compressed = st == CT_TRUE;
			else if (tr_skip(t, st, 0) == -1)
				return (-1);
		}
		if (rc == -1)
			return (-1);
	}
	return (rc);
}

/*
** Reads and decodes column chunk ${k} of row group ${g} into cells of
** the group's ${rows} rows. 0, or -1 with ${e} set.
*/
static int
chunk_read(struct pqr *r, size_t g, size_t k, size_t rows, struct err *e)
{
	const struct chunk *c = &r->chunks[g * r->nleaves + k];
	struct page pg = { r, &r->leaves[k], NULL, 0, 0, NULL, 0, e };
	const uint8_t *base, *body;
	struct cell *dict = NULL;
	size_t pos = 0, row = 0, csize = (size_t)c->csize;
	uint64_t usize = 0;
	struct tr t;
	struct phdr h;
	char msg[160];

	if ((r->cells[k] =
		    balloc(r, (uint64_t)rows * sizeof(struct cell), e)) == NULL)
		return (-1);
	if ((base = file_bytes(r, (uint64_t)c->start, csize, e)) == NULL)
		return (-1);
	while (pos < csize) {
		t.p = base + pos;
		t.end = base + csize;
		if (page_header(&t, &h) != 0)
			return (bad(&pg, "a malformed page header"));
		usize += (uint64_t)(t.p - (base + pos));
		pos = (size_t)(t.p - base);
		if (h.type < 0 || h.csize < 0 || h.usize < 0)
			return (bad(&pg, "a page header without its sizes"));
		if ((size_t)h.csize > csize - pos)
			return (bad(&pg, "a page past the end of its chunk"));
		if ((uint64_t)h.usize > r->lim.max_group - r->used)
			return (err_set(e, ERR_TOO_LARGE,
			    "parquet: column %s: a page of %ld bytes "
			    "(limit %llu for the row group)",
			    pg.l->path, (long)h.usize,
			    (unsigned long long)r->lim.max_group));
		usize += (uint64_t)h.usize;
		body = base + pos;
		pos += (size_t)h.csize;
		if (h.type == PAGE_INDEX)
			continue;
		if (h.type == PAGE_DICTIONARY) {
			const uint8_t *d;
			size_t nd, minw;

			if (h.have_sub != 7 || h.nv < 0)
				return (bad(&pg, "a bad dictionary page"));
			if (dict != NULL || row > 0)
				return (bad(&pg, "a second dictionary page"));
			if (h.enc != ENC_PLAIN && h.enc != ENC_PLAIN_DICTIONARY)
				return (bad(&pg, "a dictionary not PLAIN"));
			nd = (size_t)h.nv;
			minw =
			    pg.l->ptype == PT_INT64 || pg.l->ptype == PT_DOUBLE
			    ? 8
			    : 4;
			if (pg.l->ptype == PT_BOOLEAN
				? nd / 8 > (size_t)h.usize
				: nd > (size_t)h.usize / minw)
				return (bad(&pg,
				    "a dictionary larger than "
				    "its page"));
			if (page_body(&pg, c->codec, body, (size_t)h.csize,
				(size_t)h.usize, &d) == -1)
				return (-1);
			if ((dict = balloc(
				 r, (uint64_t)nd * sizeof(*dict), e)) == NULL)
				return (-1);
			if (plain_decode(&pg, pg.l->ptype, d, (size_t)h.usize,
				dict, nd) == -1)
				return (-1);
			pg.dict = dict;
			pg.ndict = nd;
			continue;
		}
		if (h.type != PAGE_DATA && h.type != PAGE_DATA_V2) {
			snprintf(msg, sizeof(msg), "unknown page type %d",
			    (int)h.type);
			return (bad(&pg, msg));
		}
		if (h.have_sub != (h.type == PAGE_DATA ? 5 : 8) || h.nv < 0 ||
		    h.enc < 0)
			return (bad(&pg, "a data page header incomplete"));
		if ((size_t)h.nv > rows - row)
			return (bad(&pg,
			    "pages hold more values than the "
			    "footer says"));
		pg.cells = r->cells[k] + row;
		pg.nv = (size_t)h.nv;
		if (h.type == PAGE_DATA) {
			const uint8_t *d;
			size_t n = (size_t)h.usize, lv = 0;

			if (page_body(&pg, c->codec, body, (size_t)h.csize, n,
				&d) == -1)
				return (-1);
			if (pg.l->maxdef > 0) {
				if (h.def_enc != ENC_RLE) {
					snprintf(msg, sizeof(msg),
					    "unsupported encoding %d (%s) of "
					    "definition levels in column",
					    (int)h.def_enc,
					    encoding_name(h.def_enc));
					return (err_set(e, ERR_INVALID,
					    "parquet: %s %s", msg, pg.l->path));
				}
				if (n < 4 || le32(d) > n - 4)
					return (bad(&pg,
					    "definition levels "
					    "past the page"));
				lv = 4 + le32(d);
				if (levels_decode(&pg, d + 4, lv - 4) == -1)
					return (-1);
			} else if (levels_decode(&pg, NULL, 0) == -1)
				return (-1);
			if (values_decode(&pg, h.enc, d + lv, n - lv, pg.cells,
				pg.nn) == -1)
				return (-1);
		} else {
			const uint8_t *d;
			size_t dl, vc, vu;

			if (h.dlen < 0 || h.rlen < 0 || h.nrows < 0)
				return (bad(&pg,
				    "a data page v2 header "
				    "incomplete"));
			if (h.rlen != 0)
				return (bad(&pg,
				    "repetition levels (lists "
				    "are not supported)"));
			if (h.nrows != h.nv)
				return (bad(&pg,
				    "a page v2 of rows and values "
				    "that differ"));
			dl = (size_t)h.dlen;
			if (dl > (size_t)h.csize || dl > (size_t)h.usize)
				return (bad(&pg,
				    "definition levels past the "
				    "page"));
			if (pg.l->maxdef == 0 && dl != 0)
				return (bad(&pg,
				    "definition levels in a "
				    "REQUIRED column"));
			if (levels_decode(&pg, body, dl) == -1)
				return (-1);
			if (h.nulls >= 0 && (size_t)h.nulls != pg.nv - pg.nn)
				return (bad(&pg,
				    "a page v2 null count that "
				    "does not match"));
			vc = (size_t)h.csize - dl;
			vu = (size_t)h.usize - dl;
			if (page_body(&pg,
				h.compressed ? c->codec : CODEC_UNCOMPRESSED,
				body + dl, vc, vu, &d) == -1)
				return (-1);
			if (values_decode(&pg, h.enc, d, vu, pg.cells, pg.nn) ==
			    -1)
				return (-1);
		}
		values_spread(&pg);
		row += pg.nv;
		r->pages++;
	}
	if (row != rows) {
		snprintf(msg, sizeof(msg),
		    "pages hold %zu values, the footer says %zu", row, rows);
		return (bad(&pg, msg));
	}
	if (usize != (uint64_t)c->usize) {
		snprintf(msg, sizeof(msg),
		    "pages of %llu bytes uncompressed, the footer says %lld",
		    (unsigned long long)usize, (long long)c->usize);
		return (bad(&pg, msg));
	}
	return (0);
}

int
pqr_read_group(struct pqr *r, size_t g, size_t *rows, struct err *e)
{
	size_t k, n;

	group_free(r);
	if (g >= r->ngroups)
		return (err_set(e, ERR_INVALID,
		    "parquet: no row group %zu (the file has %zu)", g,
		    r->ngroups));
	n = (size_t)r->rg_rows[g];
	if ((uint64_t)n > r->lim.max_group / sizeof(struct cell))
		return (err_set(e, ERR_TOO_LARGE,
		    "parquet: row group %zu: %zu rows do not fit in %llu "
		    "bytes",
		    g, n, (unsigned long long)r->lim.max_group));
	for (k = 0; k < r->nleaves; k++)
		if (chunk_read(r, g, k, n, e) == -1) {
			group_free(r);
			return (-1);
		}
	r->loaded = 1;
	r->rows = n;
	*rows = n;
	return (0);
}

size_t
pqr_group_pages(const struct pqr *r)
{
	return (r->loaded ? r->pages : 0);
}

int
pqr_get(const struct pqr *r, size_t row, size_t f, struct pqr_value *v)
{
	const struct parquet_field *fd;
	const struct leaf *l;
	const struct cell *c;

	memset(v, 0, sizeof(*v));
	if (!r->loaded || row >= r->rows || f >= r->nfields)
		return (-1);
	fd = &r->fields[f];
	l = &r->leaves[r->fleaf[f]];
	c = &r->cells[r->fleaf[f]][row];
	if (fd->type == PARQUET_GROUP) {
		/* Level 0 on a child: the optional group above is absent. */
		v->null = fd->optional && c->def == 0;
		return (0);
	}
	if (c->def < l->maxdef) {
		v->null = 1;
		return (0);
	}
	switch (fd->type) {
	case PARQUET_DOUBLE: v->d = c->v.d; break;
	case PARQUET_STRING:
	case PARQUET_BINARY:
		v->p = c->v.p;
		v->n = c->n;
		break;
	default: v->i = c->v.i; break;
	}
	return (0);
}
