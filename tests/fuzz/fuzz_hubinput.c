/*
** libFuzzer harness for the Hub read API's outside input: the paths-info
** body (hubpaths_parse(), JSON and form), request paths decoded with an
** encoded '/' allowed (urlpath_parse_ex() with URLPATH_SLASH_OK) and the
** repo paths taken from them (hub_path_clean()). The first byte picks
** which; on every input:
**  - a paths-info body read holds at most HUB_PATHS_MAX paths of at most
**    HUB_PATH_MAX bytes, and a JSON one is what jansson reads as an
**    object; a refusal leaves nothing to free;
**  - a decoded path has no empty, "." or ".." segment and no control
**    byte, says it holds a '/' exactly when a segment does, and reads
**    every path the strict decoder reads, to the same segments;
**  - a cleaned repo path has no leading or trailing '/' and no empty,
**    "." or ".." segment, and cleaning it again changes nothing.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_hubinput.
*/
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hubrepo.h"
#include "urlpath.h"

/* Has ${s} (a cleaned repo path) no empty, "." or ".." segment? */
static int
segments_ok(const char *s)
{
	const char *p = s, *q;
	size_t n;

	for (;;) {
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return (0);
		if (q == NULL)
			return (1);
		p = q + 1;
	}
}

static void
paths(const uint8_t *data, size_t size, int form)
{
	struct hubpaths hp;
	struct err e = { 0 };
	json_t *j;
	size_t i;

	if (hubpaths_parse((const char *)data, size, form, &hp, &e) == -1) {
		if (hp.paths != NULL || hp.mem != NULL || hp.n != 0)
			abort();
		return;
	}
	if (hp.n > HUB_PATHS_MAX)
		abort();
	for (i = 0; i < hp.n; i++)
		if (strlen(hp.paths[i]) > HUB_PATH_MAX)
			abort();
	if (!form) {
		j = json_loadb((const char *)data, size, 0, NULL);
		if (j == NULL || !json_is_object(j))
			abort();
		json_decref(j);
	}
	hubpaths_free(&hp);
}

static void
path(const uint8_t *data, size_t size)
{
	struct urlpath up, strict;
	int rc, rs, any = 0;
	size_t i;

	rc = urlpath_parse_ex((const char *)data, size, &up, URLPATH_SLASH_OK);
	rs = urlpath_parse((const char *)data, size, &strict);
	if (rs == URLPATH_OK && rc != URLPATH_OK)
		abort();
	if (rc != URLPATH_OK) {
		if (up.mem != NULL)
			abort();
		return;
	}
	for (i = 0; i < up.nseg; i++) {
		const char *s = up.seg[i];
		size_t k;

		if (up.seglen[i] == 0 || strlen(s) != up.seglen[i] ||
		    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
			abort();
		for (k = 0; k < up.seglen[i]; k++)
			if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f ||
			    s[k] == '\\')
				abort();
		any |= strchr(s, '/') != NULL;
		if (rs == URLPATH_OK &&
		    (i >= strict.nseg || strcmp(s, strict.seg[i]) != 0))
			abort();
	}
	if (any != up.slashed || (rs == URLPATH_OK && strict.nseg != up.nseg))
		abort();
	urlpath_free(&up);
	if (rs == URLPATH_OK)
		urlpath_free(&strict);
}

static void
clean(const uint8_t *data, size_t size)
{
	char *s, *again;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (hub_path_clean(s) == 0) {
		if (s[0] == '/' || s[strlen(s) - 1] == '/' ||
		    strlen(s) > HUB_PATH_MAX || !segments_ok(s))
			abort();
		if ((again = strdup(s)) != NULL) {
			if (hub_path_clean(again) != 0 || strcmp(again, s) != 0)
				abort();
			free(again);
		}
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);
	switch (data[0] & 3) {
	case 0: paths(data + 1, size - 1, 0); break;
	case 1: paths(data + 1, size - 1, 1); break;
	case 2: path(data + 1, size - 1); break;
	default: clean(data + 1, size - 1); break;
	}
	return (0);
}
