/*
** libFuzzer harness for jsonflat_parse() (jsonflat.h), held to jansson
** both ways on every input:
**  - what it reads, jansson (json_loadb, JSON_REJECT_DUPLICATES) reads as
**    an object of strings, and each key asked for has the same bytes (or
**    is absent in both);
**  - what jansson reads as an object with only string members, at most
**    32 of them, it reads too (so the quick path is not quietly lost);
**  - a refusal leaves nothing to free.
** The first byte picks which keys are asked for. Build with -DFUZZ=ON;
** the seed corpus is tests/fuzz/corpus/fuzz_jsonflat.
*/
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonflat.h"

static const char *const names[] = { "campaign", "text", "prompt", "", "a",
	"\xc3\xa9", "a\"b", "x" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *keys[JSONFLAT_MAX_KEYS];
	struct jsonflat f;
	json_error_t je;
	json_t *j, *v;
	const char *k;
	size_t nkeys = 0, i, members;
	int rc, flat;

	if (size == 0)
		return (0);
	for (i = 0; i < 8; i++)
		if (data[0] & (1u << i))
			keys[nkeys++] = names[i];
	data++;
	size--;
	rc = jsonflat_parse((const char *)data, size, keys, nkeys, &f);
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	flat = j != NULL && json_is_object(j);
	members = flat ? json_object_size(j) : 0;
	if (flat)
		json_object_foreach(j, k, v) if (!json_is_string(v)) flat = 0;
	if (rc == JSONFLAT_OK) {
		if (!flat)
			abort();
		for (i = 0; i < nkeys; i++) {
			v = json_object_get(j, keys[i]);
			if ((v == NULL) != (f.val[i] == NULL))
				abort();
			if (v != NULL &&
			    (json_string_length(v) != f.len[i] ||
				memcmp(json_string_value(v), f.val[i],
				    f.len[i]) != 0 ||
				f.val[i][f.len[i]] != '\0'))
				abort();
		}
		jsonflat_free(&f);
	} else {
		if (f.mem != NULL)
			abort();
		if (rc == JSONFLAT_OTHER && flat && members <= 32)
			abort();
	}
	json_decref(j);
	return (0);
}
