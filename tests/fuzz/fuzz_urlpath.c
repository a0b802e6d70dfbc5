/*
** libFuzzer harness for the request-path and query decoders (urlpath.h).
** Every input goes through urlpath_parse() and url_decode_component();
** whatever they accept must hold the promises the static-file handler
** relies on, or we abort():
**  - no segment is "." or "..", none is empty, none holds '/', '\\', DEL
**    or a byte below 0x20; seglen[i] == strlen(seg[i]); nseg is within
**    URLPATH_MAX_SEGS; segments lie in order inside mem;
**  - re-encoding the segments byte for byte and parsing again gives the
**    same segments (the decoder is a function of the decoded path);
**  - a refusal leaves nothing to free;
**  - a decoded query component is exactly as long as the input minus two
**    bytes per escape, and an escape never yields NUL.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_urlpath.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "urlpath.h"

static void
check_segments(const struct urlpath *up, const uint8_t *data, size_t size)
{
	const char *prev_end = NULL;
	size_t i, j;

	if (up->nseg > URLPATH_MAX_SEGS || up->mem == NULL)
		abort();
	if (up->trailing_slash && (up->nseg == 0 || data[size - 1] != '/'))
		abort();
	for (i = 0; i < up->nseg; i++) {
		const char *s = up->seg[i];
		size_t n = up->seglen[i];

		if (s == NULL || n == 0 || strlen(s) != n)
			abort();
		if (s < up->mem || s + n >= up->mem + size + 1)
			abort();
		if (prev_end != NULL && s <= prev_end)
			abort();
		prev_end = s + n;
		if ((n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			abort();
		for (j = 0; j < n; j++) {
			unsigned char c = (unsigned char)s[j];

			if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
				abort();
		}
	}
}

/* Encodes every byte of every segment as %HH and parses that again. */
static void
check_roundtrip(const struct urlpath *up)
{
	static const char hex[] = "0123456789ABCDEF";
	struct urlpath again;
	char *p, *w;
	size_t i, j, len = 1;

	for (i = 0; i < up->nseg; i++)
		len += 1 + 3 * up->seglen[i];
	if (up->trailing_slash)
		len++;
	if (len > URLPATH_MAX_LEN)
		return;
	if ((p = malloc(len)) == NULL)
		return;
	w = p;
	for (i = 0; i < up->nseg; i++) {
		*w++ = '/';
		for (j = 0; j < up->seglen[i]; j++) {
			unsigned char c = (unsigned char)up->seg[i][j];

			*w++ = '%';
			*w++ = hex[c >> 4];
			*w++ = hex[c & 15];
		}
	}
	if (up->nseg == 0 || up->trailing_slash)
		*w++ = '/';
	if (urlpath_parse(p, (size_t)(w - p), &again) != URLPATH_OK)
		abort();
	if (again.nseg != up->nseg ||
	    again.trailing_slash != up->trailing_slash)
		abort();
	for (i = 0; i < up->nseg; i++)
		if (again.seglen[i] != up->seglen[i] ||
		    memcmp(again.seg[i], up->seg[i], up->seglen[i]) != 0)
			abort();
	urlpath_free(&again);
	free(p);
}

static void
check_query(const uint8_t *data, size_t size)
{
	struct buf b = { 0 };
	size_t i, pcts = 0, rawnul = 0;
	int rc;

	for (i = 0; i < size; i++) {
		if (data[i] == '%')
			pcts++;
		if (data[i] == '\0')
			rawnul++;
	}
	rc = url_decode_component((const char *)data, size, &b);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0) {
		if (b.n != size - 2 * pcts)
			abort();
		if (b.n > 0 && (b.p == NULL || b.p[b.n] != '\0'))
			abort();
		/* Only a raw NUL byte can come out as NUL, never %00. */
		if (rawnul == 0 && b.n > 0 && memchr(b.p, '\0', b.n) != NULL)
			abort();
	}
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct urlpath up;
	int rc;

	rc = urlpath_parse((const char *)data, size, &up);
	if (rc == URLPATH_OK) {
		check_segments(&up, data, size);
		check_roundtrip(&up);
		urlpath_free(&up);
	} else {
		if (rc != URLPATH_MALFORMED && rc != URLPATH_UNSAFE)
			abort();
		/* Nothing to free after a refusal. */
		if (up.mem != NULL || up.nseg != 0)
			abort();
	}
	check_query(data, size);
	return (0);
}
