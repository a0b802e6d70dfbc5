/*
** libFuzzer harness for prompts_parse() (prompts.h), the parser of the
** prompt files maintainers upload. The first input byte chooses: bit 0
** CSV (1) or text (0), bit 1 no default licence, bit 2 no default source;
** the rest is the file, copied into a buffer of exactly its size so a read
** past n is caught. Every outcome must keep the header's promises, or we
** abort():
**  - taken (0): at least one prompt, no errors; each text non-empty,
**    trimmed, valid UTF-8 of at most PROMPT_MAX_CHARS characters (one
**    line in a text file); its source at most PROMPT_SOURCE_MAX bytes and
**    UTF-8; its licence one of prompt_licences; no two texts alike; lines
**    in file order, within the file;
**  - refused (-1): ERR_INVALID (or ERR_INTERNAL when out of memory); the
**    lines named are at most PROMPT_ERRORS_MAX, each within the file with
**    a message;
**  - prompt_set_free() leaves the set empty either way.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_prompts.
*/
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prompts.h"

/* Strict UTF-8 (no overlong forms, surrogates or code points past
** U+10FFFF, no NUL): the number of characters, or -1. */
static long
utf8_chars(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	long chars = 0;
	uint32_t cp;

	while (i < n) {
		if (s[i] == 0)
			return (-1);
		if (s[i] < 0x80) {
			i++;
			chars++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, cp = s[i] & 0x07;
		else
			return (-1);
		if (i + len > n)
			return (-1);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (-1);
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (-1);
		i += len;
		chars++;
	}
	return (chars);
}

static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
check_taken(const struct prompt_set *s, int csv, long lines)
{
	char **texts;
	long chars, prev = 0;
	size_t i, len;

	if (s->n == 0 || s->p == NULL || s->errors != NULL)
		abort();
	if ((texts = malloc(s->n * sizeof(*texts))) == NULL)
		abort();
	for (i = 0; i < s->n; i++) {
		const struct prompt_in *p = &s->p[i];

		if (p->text == NULL || p->source == NULL || p->licence == NULL)
			abort();
		len = strlen(p->text);
		if (len == 0 || is_space(p->text[0]) ||
		    is_space(p->text[len - 1]))
			abort();
		chars = utf8_chars((const unsigned char *)p->text, len);
		if (chars < 1 || chars > PROMPT_MAX_CHARS)
			abort();
		if (!csv && strchr(p->text, '\n') != NULL)
			abort();
		if (strlen(p->source) > PROMPT_SOURCE_MAX ||
		    utf8_chars((const unsigned char *)p->source,
			strlen(p->source)) < 0)
			abort();
		if (!prompt_licence_ok(p->licence))
			abort();
		if (p->line <= prev || p->line > lines)
			abort();
		prev = p->line;
		texts[i] = p->text;
	}
	qsort(texts, s->n, sizeof(*texts), cmp_str);
	for (i = 1; i < s->n; i++)
		if (strcmp(texts[i - 1], texts[i]) == 0)
			abort();
	free(texts);
}

static void
check_refused(const struct prompt_set *s, const struct err *e, long lines)
{
	json_t *v, *line, *msg;
	size_t i;

	if (e->code != ERR_INVALID && e->code != ERR_INTERNAL)
		abort();
	if (e->msg[0] == '\0')
		abort();
	if (s->errors == NULL)
		return;
	if (!json_is_array(s->errors) ||
	    json_array_size(s->errors) > PROMPT_ERRORS_MAX)
		abort();
	json_array_foreach(s->errors, i, v)
	{
		line = json_object_get(v, "line");
		msg = json_object_get(v, "message");
		if (!json_is_integer(line) || json_integer_value(line) < 1 ||
		    json_integer_value(line) > lines)
			abort();
		if (!json_is_string(msg) || json_string_length(msg) == 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prompt_set s;
	struct err e = { 0 };
	const char *licence, *source;
	char *copy;
	long lines = 1;
	size_t i;
	int csv, rc;

	if (size == 0)
		return (0);
	csv = data[0] & 1;
	licence = data[0] & 2 ? NULL : "cc-by-4.0";
	source = data[0] & 4 ? NULL : "fuzz";
	data++;
	size--;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if ((copy = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	rc = prompts_parse(copy, size, csv, licence, source, &s, &e);
	if (rc == 0)
		check_taken(&s, csv, lines);
	else if (rc == -1)
		check_refused(&s, &e, lines);
	else
		abort();
	prompt_set_free(&s);
	if (s.n != 0 || s.p != NULL || s.errors != NULL || s.duplicates != 0)
		abort();
	free(copy);
	return (0);
}
