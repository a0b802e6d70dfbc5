/*
** A small streaming Parquet writer, for the files a release publishes (the
** Hugging Face `datasets` library, DuckDB and hyparquet read them).
**
** The schema is flat, plus groups one level deep (the `datasets` Audio
** feature is an optional group `audio` of `bytes` and `path`): a caller
** describes it as an array of fields flattened depth-first, as Parquet
** itself does, a group followed by its children. Rows go in one value at a
** time, by field index, then parquet_row_end(); parquet_row_group_end()
** writes what is buffered as one row group (one data page per column, the
** values PLAIN or, for columns that ask, dictionary-encoded) and forgets
** it, so memory is bounded by one row group. parquet_close() writes the
** footer (the Thrift compact FileMetaData, its length, "PAR1").
**
** The output is a function of the rows alone: no clock, no randomness, so
** the same rows give the same bytes.
**
**	struct parquet_field f[] = {
**		{ "id", PARQUET_STRING, 1, 0, 0 },
**		{ "audio", PARQUET_GROUP, 1, 2, 0 },
**		{ "bytes", PARQUET_BINARY, 1, 0, 0 },
**		{ "path", PARQUET_STRING, 1, 0, 0 },
**		{ "language", PARQUET_STRING, 1, 0, 1 },
**	};
**	pq = parquet_open(fp, f, 5, PARQUET_ZSTD, &e);
**	parquet_put_str(pq, 0, "a1");
**	parquet_put_null(pq, 1);		(no audio: its children too)
**	parquet_put_str(pq, 4, "fr");
**	parquet_row_end(pq, &e);
**	...
**	parquet_kv(pq, "huggingface", json, &e);
**	parquet_close(pq, &e);
*/
#ifndef TRIBUTARY_PARQUET_H
#define TRIBUTARY_PARQUET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

enum parquet_type {
	PARQUET_BOOLEAN,
	PARQUET_INT32,
	PARQUET_INT64,
	PARQUET_DOUBLE,
	PARQUET_STRING, /* BYTE_ARRAY, logical type String (converted UTF8) */
	PARQUET_BINARY, /* BYTE_ARRAY, no logical type */
	PARQUET_GROUP,  /* the next nchildren fields are its members */
};

enum parquet_codec {
	PARQUET_UNCOMPRESSED,
	PARQUET_ZSTD,
};

struct parquet_field {
	const char *name;
	enum parquet_type type;
	int optional;  /* 1: OPTIONAL (may be null), 0: REQUIRED */
	int nchildren; /* PARQUET_GROUP only: how many fields follow in it */
	int dict;      /* STRING/BINARY only: dictionary-encode when it pays */
};

struct parquet;

/*
** A writer of a Parquet file with the ${n} ${fields} (copied; see the top
** of this file for their order) to ${f}, every column compressed with
** ${codec}. Writes the leading "PAR1" now. ${f} stays the caller's: it is
** never closed here, and nothing is written to it but the file, from its
** current position on. Returns the writer, or NULL with ${e} set
** (ERR_INVALID for a bad schema: no fields, a nameless field, a group in a
** group, an empty group, a group running past the end; ERR_STORAGE if the
** write fails).
*/
struct parquet *parquet_open(FILE *f, const struct parquet_field *fields,
    size_t n, enum parquet_codec codec, struct err *e);

/*
** The value of field ${i} (its index in the fields given to
** parquet_open()) in the row being built. Each must match the field's
** type: put_bytes serves STRING and BINARY (${p} may be NULL when ${n} is
** 0), put_str a NUL-terminated STRING. put_null makes an OPTIONAL field
** null; for a group it makes the whole group null, and its children need
** no value then. A field given no value by parquet_row_end() is an error,
** as is a second value for one field. Each returns 0, or -1 on a misuse
** or when memory runs out; the first failure is remembered, and
** parquet_row_end() and parquet_close() report it.
*/
int parquet_put_bool(struct parquet *pq, size_t i, int v);
int parquet_put_i32(struct parquet *pq, size_t i, int32_t v);
int parquet_put_i64(struct parquet *pq, size_t i, int64_t v);
int parquet_put_double(struct parquet *pq, size_t i, double v);
int parquet_put_bytes(struct parquet *pq, size_t i, const void *p, size_t n);
int parquet_put_str(struct parquet *pq, size_t i, const char *s);
int parquet_put_null(struct parquet *pq, size_t i);

/*
** Ends the row being built: every field must have a value (or be inside a
** null group). Returns 0, or -1 with ${e} set (ERR_INVALID for a missing
** value or an earlier misuse, ERR_INTERNAL out of memory); after a
** failure the writer takes nothing more but parquet_free().
*/
int parquet_row_end(struct parquet *pq, struct err *e);

/*
** Writes the rows ended since the last row group as one row group and
** frees their buffers. Nothing happens when there are none. Returns 0, or
** -1 with ${e} set (ERR_STORAGE: the write failed; ERR_TOO_LARGE: a page
** over 2 GiB; ERR_INTERNAL: out of memory, or compression failed).
*/
int parquet_row_group_end(struct parquet *pq, struct err *e);

/*
** Adds the key-value pair ${key}, ${value} (both copied) to the file's
** metadata, in the order given. Returns 0, or -1 with ${e} set.
*/
int parquet_kv(
    struct parquet *pq, const char *key, const char *value, struct err *e);

/*
** Ends the last row group (if rows are waiting; a row being built and not
** ended is an error), writes the footer, flushes ${f} and frees the
** writer, whatever the outcome. Returns 0, or -1 with ${e} set as
** parquet_row_group_end() does; the file is then incomplete. ${pq} NULL:
** returns -1.
*/
int parquet_close(struct parquet *pq, struct err *e);

/* Frees the writer without finishing the file (the caller discards it).
** parquet_free(NULL) does nothing. */
void parquet_free(struct parquet *pq);

#endif
