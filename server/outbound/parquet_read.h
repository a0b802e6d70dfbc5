/*
** A small, bounded Parquet reader, for the shards of a release another
** node published: every file our writer (parquet.h) makes, and the same
** shapes as DuckDB writes them.
**
** What it reads: a flat schema plus groups one level deep, REQUIRED or
** OPTIONAL (never REPEATED), of the writer's types (BOOLEAN, INT32,
** INT64, DOUBLE, BYTE_ARRAY as String or binary); data pages v1 and v2,
** dictionary pages; values PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY, RLE
** (booleans), DELTA_BINARY_PACKED (integers), DELTA_LENGTH_BYTE_ARRAY and
** BYTE_STREAM_SPLIT (doubles); codecs UNCOMPRESSED and ZSTD. Anything
** else is refused with ERR_INVALID naming what and in which column.
**
** The file is outside input. Every length, offset, count and varint read
** from it is checked against the file's size and the limits before it is
** used; memory is the footer (max_footer) and one row group decoded
** (max_group), never the whole file.
**
**	struct pqr_limits lim = PQR_LIMITS_DEFAULT;
**	r = pqr_open(path, &lim, &e);
**	f = pqr_fields(r, &nf);
**	for (g = 0; g < pqr_groups(r); g++) {
**		pqr_read_group(r, g, &rows, &e);
**		for (row = 0; row < rows; row++)
**			pqr_get(r, row, 0, &v);
**	}
**	pqr_close(r);
*/
#ifndef TRIBUTARY_PARQUET_READ_H
#define TRIBUTARY_PARQUET_READ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "parquet.h" /* enum parquet_type, struct parquet_field */

struct pqr_limits {
	uint64_t max_footer; /* bytes of the footer (default 16 MiB) */
	size_t max_fields;   /* schema fields (default 256) */
	uint64_t max_group;  /* bytes a row group may take decoded in memory
				(default 1 GiB) */
	uint64_t max_rows;   /* rows of one row group (default 10,000,000) */
};
#define PQR_LIMITS_DEFAULT                                                     \
	{                                                                      \
		(16u << 20), 256, (1ull << 30), 10000000                       \
	}

struct pqr;

/*
** Opens the Parquet file at ${path} (read with pread as needed; the whole
** file is never held) or the ${n} bytes at ${p} (not copied: they must
** outlive the reader), within ${lim} (NULL: PQR_LIMITS_DEFAULT). Reads
** and checks the footer and the schema. Returns the reader (pqr_close()
** frees it), or NULL with ${e} set: ERR_INVALID (not Parquet, malformed,
** or unsupported: the message says what and in which column),
** ERR_TOO_LARGE (over a limit), ERR_STORAGE (the file cannot be opened
** or read), ERR_INTERNAL (out of memory).
*/
struct pqr *
pqr_open(const char *path, const struct pqr_limits *lim, struct err *e);
struct pqr *pqr_open_mem(
    const void *p, size_t n, const struct pqr_limits *lim, struct err *e);
/* Frees ${r} and everything it read. pqr_close(NULL) does nothing. */
void pqr_close(struct pqr *r);

/*
** The schema as parquet_open() takes it: fields flattened depth-first, a
** group then its children; their count in ${n}. Names are the reader's.
** ${dict} is 1 for a byte-array column whose first row group's chunk is
** dictionary-encoded. Can't fail.
*/
const struct parquet_field *pqr_fields(const struct pqr *r, size_t *n);
/* Rows in the file, as its footer says (the sum over its row groups). */
int64_t pqr_rows(const struct pqr *r);
/* Row groups in the file. */
size_t pqr_groups(const struct pqr *r);
/* The value of file key-value metadata ${key} ("" when the pair has no
** value), or NULL if there is none. */
const char *pqr_kv(const struct pqr *r, const char *key);
/* The number of key-value pairs, and the ${i}th (NULL past the end). */
size_t pqr_kv_count(const struct pqr *r);
const char *pqr_kv_key(const struct pqr *r, size_t i);

/*
** Reads row group ${g} whole into memory, replacing the one read before:
** every column chunk, its pages decompressed and decoded, each checked
** against the footer (values per chunk, chunk and page sizes). Returns 0
** with the group's row count in ${rows}, or -1 with ${e} set as
** pqr_open() sets it (ERR_INVALID also for ${g} out of range); after a
** failure no group is loaded.
*/
int pqr_read_group(struct pqr *r, size_t g, size_t *rows, struct err *e);
/* The data pages the group read last held, over all its columns (0 when
** none is loaded). Can't fail. */
size_t pqr_group_pages(const struct pqr *r);

struct pqr_value {
	int null;         /* 1: null (for a group: the group is null) */
	int64_t i;        /* BOOLEAN (0/1), INT32, INT64 */
	double d;         /* DOUBLE */
	const uint8_t *p; /* STRING, BINARY: the bytes (valid until the
			     next pqr_read_group or pqr_close) */
	size_t n;
};

/*
** The value of field ${f} (an index into pqr_fields()) in row ${row} of
** the group read last, into ${v}. For a group only ${v->null} means
** anything. Returns 0, or -1 if ${f} or ${row} is out of range or no
** group is loaded.
*/
int pqr_get(const struct pqr *r, size_t row, size_t f, struct pqr_value *v);

#endif
