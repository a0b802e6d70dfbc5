/*
** libFuzzer harness for the two checks of outside text the organization
** and card features add: cards_url_check() (a node address, from --url or
** a request's Host) and settings_text_clean() (the organization's texts,
** card labels and searches, from request bodies). The first byte picks
** the bound and whether line breaks are taken. Either refuses with a
** message or holds its promises, or we abort():
**  - an address taken is at most CARDS_URL_MAX bytes, starts with
**    http:// or https://, holds no '?', '#' or space, does not end in
**    '/', and is a prefix of the input; "insecure" only for http://;
**  - a text taken is valid UTF-8 of at most the bound in characters,
**    with no control character (no line break unless allowed), no white
**    space at either end, and no longer than the input;
**  - a refusal leaves nothing to free and *out NULL.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_cards_url.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cards.h"
#include "settings.h"
#include "text.h"

static void
check_url(const char *in)
{
	char out[CARDS_URL_MAX + 1];
	struct err e = { 0 };
	size_t n;
	int rc;

	memset(out, 'x', sizeof(out));
	rc = cards_url_check(in, out, sizeof(out), &e);
	if (rc == -1) {
		if (e.code != ERR_INVALID || e.msg[0] == '\0')
			abort();
		return;
	}
	n = strlen(out);
	if (rc != 0 && rc != 1)
		abort();
	if (n > CARDS_URL_MAX || strncmp(in, out, n) != 0)
		abort();
	if (strncasecmp(out, "https://", 8) != 0 &&
	    strncasecmp(out, "http://", 7) != 0)
		abort();
	if (rc == 1 && strncasecmp(out, "http://", 7) != 0)
		abort();
	if (strpbrk(out, "?# ") != NULL || out[n - 1] == '/')
		abort();
}

static void
check_text(const char *in, size_t max, int lines)
{
	struct err e = { 0 };
	size_t n, i, chars = 0;
	char *out = (char *)1;
	unsigned char c;

	if (settings_text_clean(in, max, lines, "f", &out, &e) == -1) {
		if (out != NULL || e.msg[0] == '\0')
			abort();
		return;
	}
	n = strlen(out);
	if (n > strlen(in) || utf8_invalid_at(out, n) != n)
		abort();
	if (n > 0 && (strchr(" \t\n", out[0]) || strchr(" \t\n", out[n - 1])))
		abort();
	for (i = 0; i < n; i++) {
		c = (unsigned char)out[i];
		if ((c < 0x20 && !(c == '\n' && lines)) || c == 0x7f)
			abort();
		chars += (c & 0xc0) != 0x80;
	}
	if (chars > max)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size == 0 || (s = malloc(size)) == NULL)
		return (0);
	/* A C string: the input after the first byte, up to a NUL. */
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	check_url(s);
	check_text(s, (size_t)(data[0] & 0x7f), data[0] & 0x80);
	free(s);
	return (0);
}
