/*
** What the Parquet writer (parquet.c) and reader (parquet_read.c) share
** of the format's encodings; not for other callers.
*/
#ifndef TRIBUTARY_PARQUET_INT_H
#define TRIBUTARY_PARQUET_INT_H

#include <stdint.h>

/* The bits needed for values up to ${v}: the bit width of the RLE and
** bit-packed hybrid (definition levels, dictionary indices). */
static inline int
parquet_bit_width(uint32_t v)
{
	int w = 0;

	while (v != 0) {
		w++;
		v >>= 1;
	}
	return (w);
}

#endif
