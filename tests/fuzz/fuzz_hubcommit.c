/*
** libFuzzer harness for the Hub write API's NDJSON commit body
** (hubcommit_parse(), server/domain/hubpush.c). On every input:
**  - a refusal leaves nothing to free and a message saying why;
**  - a commit read has a summary, at most the operation limit, each
**    operation a clean repo path (hub_path_clean() changes nothing) named
**    once, an LFS oid of 64 lowercase hex digits, inline content never
**    longer than its base64 could hold, and a parent that is "" or 40
**    lowercase hex digits.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_hubcommit.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubpush.h"
#include "hubrepo.h"

#define MAX_OPS 64

static int
lower_hex(const char *s, size_t n)
{
	return (strlen(s) == n && strspn(s, "0123456789abcdef") == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hubcommit c;
	struct err e = { 0 };
	char again[HUB_PATH_MAX + 2];
	size_t i, j;

	if (hubcommit_parse((const char *)data, size, MAX_OPS, &c, &e) == -1) {
		if (c.ops != NULL || c.summary != NULL || e.msg[0] == '\0')
			abort();
		return (0);
	}
	if (c.summary == NULL || c.description == NULL || c.nops > MAX_OPS ||
	    (c.parent[0] != '\0' && !lower_hex(c.parent, 40)))
		abort();
	for (i = 0; i < c.nops; i++) {
		const struct hubop *op = &c.ops[i];

		if (strlen(op->path) > HUB_PATH_MAX)
			abort();
		strcpy(again, op->path);
		if (hub_path_clean(again) == -1 || strcmp(again, op->path) != 0)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(c.ops[j].path, op->path) == 0)
				abort();
		if (op->kind == HUBOP_LFS && !lower_hex(op->sha256, 64))
			abort();
		if (op->kind == HUBOP_FILE && op->n > size)
			abort();
	}
	hubcommit_free(&c);
	return (0);
}
