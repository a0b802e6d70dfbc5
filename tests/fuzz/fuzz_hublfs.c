/*
** libFuzzer harness for the Hub write API's LFS batch request
** (hublfs_parse(), server/domain/hubpush.c). On every input:
**  - a refusal leaves nothing to free and a message saying why;
**  - a request read has at most HUBLFS_OBJS_MAX objects, each oid 64
**    lowercase hex digits and each size within the limit, and a ref name
**    of at most HUBREF_MAX bytes.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_hublfs.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubpush.h"

#define MAX_SIZE 1000000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hublfs_batch b;
	struct err e = { 0 };
	size_t i;

	if (hublfs_parse((const char *)data, size, MAX_SIZE, &b, &e) == -1) {
		if (b.objs != NULL || b.n != 0 || e.msg[0] == '\0')
			abort();
		return (0);
	}
	if (b.n > HUBLFS_OBJS_MAX || strlen(b.ref) > HUBREF_MAX ||
	    (b.n > 0 && b.objs == NULL))
		abort();
	for (i = 0; i < b.n; i++)
		if (strlen(b.objs[i].oid) != 64 ||
		    strspn(b.objs[i].oid, "0123456789abcdef") != 64 ||
		    b.objs[i].size > MAX_SIZE)
			abort();
	hublfs_free(&b);
	return (0);
}
