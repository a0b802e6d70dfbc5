/*
** libFuzzer harness for redact_text() (redact.h) with the shipped packs
** (redact/ under $TRIBUTARY_SOURCE_DIR, else the source tree the build
** names), a handle and two contacts. Every input is redacted; we abort()
** unless:
**  - the input is refused exactly when it is not UTF-8 or holds a NUL
**    (ERR_INVALID naming the byte offset of the first bad byte), or with
**    ERR_INVALID "too complex";
**  - the redacted text is valid UTF-8 (no span cuts a character), NUL-
**    terminated, len == strlen(text);
**  - the report is an object of positive integers over known kinds, and
**    when the input holds no '[' their sum is the number of '[' in the
**    output (each placeholder opens with one, all else is input);
**  - the output is never longer than the input plus 13 bytes per
**    replaced span ("[NATIONAL_ID]" is the longest placeholder; a span is
**    at least one byte);
**  - nothing leaks (the fuzz build runs LeakSanitizer).
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_redact.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "redact.h"

static struct redact_set *rs;
static uint8_t key[32];
static uint8_t contacts[2][32];

static const char *const known[] = { "EMAIL", "URL", "IP", "PHONE", "CARD",
	"IBAN", "KENNITALA", "NATIONAL_ID", "HANDLE", "CONTACT" };

static void
unload(void)
{
	redact_free(rs);
	rs = NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("TRIBUTARY_SOURCE_DIR");
	char dir[4096];
	struct err e = { 0 };

	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	snprintf(dir, sizeof(dir), "%s/redact",
	    src != NULL ? src : TRIBUTARY_SOURCE_DIR);
	if ((rs = redact_load(dir, NULL, 0, &e)) == NULL) {
		fprintf(stderr, "fuzz_redact: %s\n", e.msg);
		abort();
	}
	atexit(unload);
	memset(key, 0xa5, sizeof(key));
	if (redact_contact_hash(key, "+233 24 555 0110", contacts[0]) == -1 ||
	    redact_contact_hash(key, "Ama@Example.org", contacts[1]) == -1)
		abort();
	return (0);
}

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

static void
check_result(const struct redact_result *r, const uint8_t *data, size_t size)
{
	const char *k;
	json_t *v;
	json_int_t sum = 0;
	size_t i, opens = 0;
	int ok;

	if (r->text == NULL || strlen(r->text) != r->len ||
	    utf8_bad((const uint8_t *)r->text, r->len) != r->len)
		abort();
	if (!json_is_object(r->report))
		abort();
	json_object_foreach(r->report, k, v)
	{
		for (ok = 0, i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok || !json_is_integer(v) || json_integer_value(v) <= 0)
			abort();
		sum += json_integer_value(v);
	}
	if (r->len > size + 13 * (size_t)sum)
		abort();
	if (memchr(data, '[', size) != NULL)
		return;
	for (i = 0; i < r->len; i++)
		if (r->text[i] == '[')
			opens++;
	if ((json_int_t)opens != sum)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t(*hashes)[32] = (const uint8_t(*)[32])contacts;
	struct redact_ctx ctx = { "kofi_m", key, hashes, 2, 0 };
	struct redact_result r;
	struct err e = { 0 };
	size_t bad = utf8_bad(data, size);
	char where[64];

	if (redact_text(rs, (const char *)data, size, &ctx, &r, &e) == 0) {
		if (bad != size)
			abort();
		check_result(&r, data, size);
		redact_result_free(&r);
		return (0);
	}
	if (r.text != NULL || r.report != NULL || e.code != ERR_INVALID)
		abort();
	if (bad == size) {
		if (strstr(e.msg, "too complex") == NULL)
			abort();
		return (0);
	}
	snprintf(where, sizeof(where), "at byte %zu", bad);
	if (strstr(e.msg, where) == NULL)
		abort();
	return (0);
}
