/*
** libFuzzer harness for the Parquet reader (parquet_read.h). Every input
** goes through pqr_open_mem() with small limits (so that what the limits
** allow fits the fuzzer's memory) and, if it opens, every row group is read
** and every value of every field fetched and touched, so ASan sees any
** read outside the pages. It must hold these promises, or we abort():
**  - a refusal is ERR_INVALID, ERR_TOO_LARGE or ERR_INTERNAL (out of
**    memory) with a non-empty message;
**  - an opened file's schema is what parquet_open() takes: at least one
**    field, each named, a group's children inside the array and no group
**    among them, and pqr_rows() is the sum of the groups' rows when
**    every group reads;
**  - a group read holds no more rows than max_rows, and pqr_get() answers
**    every (row, field) inside it and refuses the first one outside;
**  - a value's bytes are non-NULL whenever it has any.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_parquet_read
** (files our writer and DuckDB wrote: both codecs, dictionaries, a null
** audio group, DuckDB's version 2 encodings).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parquet_read.h"

static void
check_schema(const struct parquet_field *f, size_t n)
{
	size_t i, k;

	if (n == 0 || f == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (f[i].name == NULL || f[i].name[0] == '\0')
			abort();
		if (f[i].type < PARQUET_BOOLEAN || f[i].type > PARQUET_GROUP)
			abort();
		if (f[i].type != PARQUET_GROUP)
			continue;
		if (f[i].nchildren <= 0 || (size_t)f[i].nchildren > n - i - 1)
			abort();
		for (k = 1; k <= (size_t)f[i].nchildren; k++)
			if (f[i + k].type == PARQUET_GROUP)
				abort();
		i += (size_t)f[i].nchildren;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pqr_limits lim = { 1u << 20, 64, 32u << 20, 100000 };
	struct err e = { 0 };
	const struct parquet_field *f;
	struct pqr_value v;
	struct pqr *r;
	size_t nf, g, rows, row, i;
	int64_t sum = 0;
	int all = 1;
	volatile uint8_t sink = 0;

	if ((r = pqr_open_mem(data, size, &lim, &e)) == NULL) {
		if (!(e.code == ERR_INVALID || e.code == ERR_TOO_LARGE ||
			e.code == ERR_INTERNAL) ||
		    e.msg[0] == '\0')
			abort();
		return (0);
	}
	f = pqr_fields(r, &nf);
	check_schema(f, nf);
	for (g = 0; g < pqr_groups(r); g++) {
		if (pqr_read_group(r, g, &rows, &e) == -1) {
			if (!(e.code == ERR_INVALID ||
				e.code == ERR_TOO_LARGE ||
				e.code == ERR_INTERNAL) ||
			    e.msg[0] == '\0')
				abort();
			all = 0;
			continue;
		}
		if (rows > lim.max_rows)
			abort();
		sum += (int64_t)rows;
		for (row = 0; row < rows; row++)
			for (i = 0; i < nf; i++) {
				if (pqr_get(r, row, i, &v) != 0)
					abort();
				if (!v.null && v.n > 0) {
					if (v.p == NULL)
						abort();
					sink ^= v.p[0] ^ v.p[v.n - 1];
				}
			}
		if (pqr_get(r, rows, 0, &v) != -1 ||
		    pqr_get(r, 0, nf, &v) != -1)
			abort();
	}
	if (all && sum != pqr_rows(r))
		abort();
	(void)sink;
	pqr_close(r);
	return (0);
}
