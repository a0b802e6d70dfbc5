/*
** The test tables of the Parquet suites (check_parquet, check_parquet_read):
** fields as parquet_open() takes them and rows of values, built by hand or
** at random from a seed, and written to a file by the Parquet writer. The
** writer's suite has real readers check what it wrote; the reader's suite
** reads the file back and compares it with the table it came from.
*/
#ifndef TRIBUTARY_PQTABLE_H
#define TRIBUTARY_PQTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "parquet.h"

/* One value of a test table: null, or by the field's type i, d or p/n. */
struct pqt_value {
	int null;
	int64_t i;
	double d;
	char *p; /* malloc'd, NUL-terminated past n; freed by pqt_free() */
	size_t n;
};

/* A test table: fields as parquet_open() takes them, rows of values (one
** per field, a group's only null or not), and how it is written. */
struct pqt_table {
	struct parquet_field f[16];
	char names[16][16];
	size_t nf;
	struct pqt_value *v; /* nrows * nf */
	size_t nrows;
	size_t rg_every; /* rows per row group (0: one row group) */
	enum parquet_codec codec;
	const char *kv_key, *kv_value;
};

/* The value of field ${field} in row ${row} of ${t}. Can't fail. */
struct pqt_value *pqt_val(struct pqt_table *t, size_t row, size_t field);
/* Frees the values of ${t} (not ${t} itself) and sets its v to NULL. */
void pqt_free(struct pqt_table *t);
/* 1 if field ${i} of ${t} lies in a group that is null in ${row}, else 0. */
int pqt_in_null_group(struct pqt_table *t, size_t row, size_t i);
/* Adds field ${name} (at most 15 bytes kept) to ${t}, after the others. */
void pqt_field(struct pqt_table *t, const char *name, enum parquet_type type,
    int optional, int nchildren, int dict);
/* Sets ${v} to a malloc'd copy of the ${n} bytes at ${p}, NUL-terminated;
** fails the test if it cannot be allocated. */
void pqt_set_bytes(struct pqt_value *v, const void *p, size_t n);
/*
** Writes ${t} to a new file ${path} with the Parquet writer: every row,
** a row group ended after each ${t}->rg_every rows, ${t}'s key-value pair
** if it has one. Returns 0, or -1 with ${e} set (ERR_STORAGE when the file
** cannot be opened or closed, else the writer's error).
*/
int pqt_write(struct pqt_table *t, const char *path, struct err *e);

/*
** The tables both suites build, over ${t} (zeroed first); each fails the
** test if its values cannot be allocated.
**
** pqt_shapes(): every kind of column, with the awkward values: 23 rows in
** row groups of 10, ${codec}, the huggingface key-value metadata; fields
** id (REQUIRED string), n64, n32, x, ok, text, blob, the audio group
** (bytes, path), language (dictionary) and count (REQUIRED int64).
**
** pqt_campaigns(): 1000 rows in row groups of 300, ${codec}: "campaign",
** null in every 17th row, else ${camp}[(row / 5) % 3]; "speaker", REQUIRED
** binary, "spk-b" and "spk-a" in turn; both dictionary-encoded if ${dict}.
**
** pqt_nulls(): ${nrows} rows in row groups of 5, ${codec}: s (dictionary),
** i, b and the audio group (bytes, path), every value null but the audio
** group, present with both children null, in every other row from the
** first.
*/
void pqt_shapes(struct pqt_table *t, enum parquet_codec codec);
void pqt_campaigns(struct pqt_table *t, const char *const camp[3], int dict,
    enum parquet_codec codec);
void pqt_nulls(struct pqt_table *t, size_t nrows, enum parquet_codec codec);

/*
** The random tables of the property tests. pqt_seed() seeds them from
** $PARQUET_SEED (a decimal number), else from ${dflt}; a seed of 0 is
** taken as 1. It returns the seed. pqt_random() makes ${t} (zeroed first)
** a random small table from the next numbers of the seed (xorshift64*):
** 1 to 6 columns of any type, OPTIONAL or not, dictionary or not, maybe
** the audio group, up to 40 rows of nulls, empty, long and Unicode
** strings, any int64 and double bit pattern; maybe the huggingface
** key-value pair. Fails the test if its values cannot be allocated.
*/
uint64_t pqt_seed(uint64_t dflt);
void pqt_random(struct pqt_table *t);

#endif
