/*
** libFuzzer harness for what consent_tr.h reads from outside: a part id
** from the URL (ctr_part_id_parse()) and a consent document's Markdown
** body cut into parts (ctr_body_split()), and a translated part's text
** (ctr_text_check()). The input's first line is the part id, the rest
** the body. We abort() when a promise breaks:
**  - an id taken names a kind, and its scope id or anchor is within
**    CONSENT_TR_ID_MAX;
**  - every block cut from the body is non-empty, lies inside the input,
**    has an id that ctr_part_id_parse() takes back as the same kind, and
**    a paragraph passes ctr_text_check() as one (no blank line, no
**    heading line inside);
**  - a refusal is ERR_INVALID (or ERR_INTERNAL when out of memory).
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_consent_tr.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "consent_tr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *nl, *body;
	struct ctr_parts ps;
	struct ctr_ref ref;
	struct err e = { 0 };
	size_t idn, n, i;
	enum ctr_bad bad;
	char *copy;

	nl = memchr(p, '\n', size);
	idn = nl != NULL ? (size_t)(nl - p) : size;
	if (ctr_part_id_parse(p, idn, &ref) == 0) {
		if (ref.kind > CTR_PARA || strlen(ref.id) > CONSENT_TR_ID_MAX)
			abort();
		if ((ref.kind == CTR_SCOPE || ref.kind == CTR_HEADING) &&
		    ref.id[0] == '\0')
			abort();
		if (ref.kind == CTR_PARA && (ref.n < 1 || ref.n > 9999))
			abort();
	}
	body = nl != NULL ? nl + 1 : p + size;
	n = (size_t)(p + size - body);
	/* The body the parser sees ends where the input does: a copy of
	** exactly its bytes lets ASan catch a read past them. */
	if ((copy = malloc(n ? n : 1)) == NULL)
		return (0);
	memcpy(copy, body, n);
	if (ctr_body_split(copy, n, &ps, &e) == -1) {
		if (memchr(copy, '\0', n) == NULL && e.code == ERR_INVALID &&
		    strstr(e.msg, "NUL") != NULL)
			abort();
		if (e.code != ERR_INVALID && e.code != ERR_INTERNAL)
			abort();
		free(copy);
		return (0);
	}
	if (memchr(copy, '\0', n) != NULL)
		abort();
	for (i = 0; i < ps.n; i++) {
		const char *t = ps.v[i].text;

		if (t[0] == '\0' || strlen(t) > n ||
		    ctr_part_id_parse(ps.v[i].id, strlen(ps.v[i].id), &ref) ==
			-1 ||
		    ref.kind != ps.v[i].kind)
			abort();
		if (ps.v[i].kind == CTR_PARA &&
		    (bad = ctr_text_check(CTR_PARA, "", t, (size_t)-1, &e),
			bad == CTR_BAD_BLANK_LINE || bad == CTR_BAD_HEADING))
			abort();
	}
	ctr_parts_free(&ps);
	free(copy);
	return (0);
}
