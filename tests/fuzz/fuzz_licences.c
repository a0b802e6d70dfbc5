/*
** libFuzzer harness for licences_parse() (licences.h), the parser of the
** licence table an operator edits (consent/licences.yaml). The input is
** copied into a buffer of exactly its size so a read past n is caught.
** Every outcome must keep the header's promises, or we abort():
**  - taken (0): at least one licence; ids unique and [a-z0-9.-]+; every
**    scope [a-z_]+ and no repeats within a list; prompts' licences
**    [a-z0-9.-]+ (cc0-1.0 and pddl when the key is absent);
**  - refused (-1): ERR_INVALID with a message naming the input, or
**    ERR_INTERNAL when out of memory; the table left empty;
**  - licences_free() leaves the table empty either way.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_licences.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "licences.h"

/* Is ${s} non-empty and only [a-z] and the characters of ${extra}? */
static int
id_ok(const char *s, const char *extra)
{
	if (s == NULL || *s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && strchr(extra, *s) == NULL)
			return (0);
	return (1);
}

static void
list_ok(char **v, size_t n, const char *extra)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (!id_ok(v[i], extra))
			abort();
		for (k = 0; k < i; k++)
			if (strcmp(v[i], v[k]) == 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct licence_table t = { 0 };
	struct err e = { 0 };
	uint8_t *p = malloc(size ? size : 1);
	size_t i, k;
	int rc;

	if (p == NULL)
		return (0);
	memcpy(p, data, size);
	rc = licences_parse(p, size, "l.yaml", &t, &e);
	if (rc == 0) {
		if (t.n == 0)
			abort();
		for (i = 0; i < t.n; i++) {
			const struct licence *l = &t.l[i];

			if (!id_ok(l->id, "0123456789.-"))
				abort();
			for (k = 0; k < i; k++)
				if (strcmp(l->id, t.l[k].id) == 0)
					abort();
			list_ok(l->text, l->ntext, "_");
			list_ok(l->audio, l->naudio, "_");
			list_ok(l->permits, l->npermits, "_");
			list_ok(l->prompts, l->nprompts, "0123456789.-");
			if (licence_find(&t, l->id) != l)
				abort();
		}
	} else if (rc != -1 || t.n != 0 || t.l != NULL ||
	    (e.code != ERR_INVALID && e.code != ERR_INTERNAL) ||
	    strncmp(e.msg, "l.yaml:", 7) != 0)
		abort();
	licences_free(&t);
	if (t.n != 0 || t.l != NULL)
		abort();
	free(p);
	return (0);
}
