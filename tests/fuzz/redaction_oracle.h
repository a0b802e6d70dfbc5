/*
** What the two redaction harnesses (fuzz_redact.c, fuzz_rulepack.c) hold
** every redaction to, written apart from the server's own code so that a
** bug there cannot hide itself here. Each failed promise is an abort().
** Included by each harness (a harness is one file).
*/
#ifndef TRIBUTARY_REDACTION_ORACLE_H
#define TRIBUTARY_REDACTION_ORACLE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "redact.h"

/* The offset of the first invalid UTF-8 byte or NUL in ${s}, or ${n}. */
static size_t
utf8_bad(const uint8_t *s, size_t n)
{
	size_t i = 0, k, len;
	uint32_t c;

	while (i < n) {
		if (s[i] == 0)
			return (i);
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = (s[i] & 0xe0) == 0xc0 ? 2
		    : (s[i] & 0xf0) == 0xe0 ? 3
		    : (s[i] & 0xf8) == 0xf0 ? 4
					    : 0;
		if (len == 0 || n - i < len)
			return (i);
		c = s[i] & (0x7f >> len);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (i);
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return (i);
		i += len;
	}
	return (n);
}

/*
** Aborts unless ${r} is whole: its text valid UTF-8 without NUL and
** len == strlen(text); its report an object of positive integers under
** non-empty kinds. Returns the sum of the report's counts.
*/
static json_int_t
redaction_whole(const struct redact_result *r)
{
	const char *k;
	json_t *v;
	json_int_t sum = 0;

	if (r->text == NULL || strlen(r->text) != r->len ||
	    utf8_bad((const uint8_t *)r->text, r->len) != r->len)
		abort();
	if (!json_is_object(r->report))
		abort();
	json_object_foreach(r->report, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
		    k[0] == '\0')
			abort();
		sum += json_integer_value(v);
	}
	return (sum);
}

/* How many placeholders may have opened in ${r}'s text: its '['. */
static json_int_t
redaction_opens(const struct redact_result *r)
{
	json_int_t opens = 0;
	size_t i;

	for (i = 0; i < r->len; i++)
		if (r->text[i] == '[')
			opens++;
	return (opens);
}

#endif
