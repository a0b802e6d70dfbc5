/*
** libFuzzer harness for the consent-document parser (consent.h). Every
** input goes through consent_parse(); a document it accepts must hold the
** promises the loader and the handlers rely on, or we abort():
**  - bytes and nbytes are the input exactly, and sha256 is 64 lowercase
**    hex digits;
**  - title, lang and every scope id and explanation are non-empty strings,
**    scope ids are [a-z_]+ and distinct, there is at least one scope;
**  - there is at least one heading, ids are [a-z0-9-]+ and distinct;
**  - minimum_age is within 0..120, version positive, reviewed 0 or 1;
**  - the body is a suffix of the input;
**  - a refusal is ERR_INVALID (or ERR_INTERNAL when out of memory) with a
**    message starting "fuzz.md:".
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_consent.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consent.h"

static void
check_ids(char *const *v, size_t n, const char *chars)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (v[i] == NULL || v[i][0] == '\0' ||
		    strspn(v[i], chars) != strlen(v[i]))
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(v[i], v[j]) == 0)
				abort();
	}
}

static void
check_doc(const struct consent_doc *d, const uint8_t *data, size_t size)
{
	char *ids[64];
	size_t i, blen;

	if (d->nbytes != size || memcmp(d->bytes, data, size) != 0)
		abort();
	if (strlen(d->sha256) != 64 ||
	    strspn(d->sha256, "0123456789abcdef") != 64)
		abort();
	if (d->title == NULL || d->title[0] == '\0' || d->lang == NULL ||
	    d->lang[0] == '\0' || d->slug != NULL)
		abort();
	if (d->version < 1 || d->minimum_age < 0 || d->minimum_age > 120 ||
	    (d->reviewed != 0 && d->reviewed != 1))
		abort();
	if (d->nscopes == 0 || d->nheadings == 0)
		abort();
	for (i = 0; i < d->nscopes; i++) {
		if (d->scopes[i].explanation == NULL ||
		    d->scopes[i].explanation[0] == '\0')
			abort();
		if (i < 64)
			ids[i] = d->scopes[i].id;
	}
	check_ids(ids, d->nscopes < 64 ? d->nscopes : 64,
	    "abcdefghijklmnopqrstuvwxyz_");
	check_ids(
	    d->headings, d->nheadings, "abcdefghijklmnopqrstuvwxyz0123456789-");
	blen = strlen(d->body);
	if (blen > size || memcmp(d->body, data + size - blen, blen) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e = { 0 };
	struct consent_doc *d;

	d = consent_parse(data, size, "fuzz.md", &e);
	if (d != NULL) {
		check_doc(d, data, size);
		consent_doc_free(d);
	} else if (!(e.code == ERR_INVALID || e.code == ERR_INTERNAL) ||
	    (e.code == ERR_INVALID && strncmp(e.msg, "fuzz.md:", 8) != 0))
		abort();
	return (0);
}
