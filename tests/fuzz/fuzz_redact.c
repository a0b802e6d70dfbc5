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
**  - redacted again as for a campaign that keeps names, it is whole as
**    above and its report holds no NAME;
**  - nothing leaks (the fuzz build runs LeakSanitizer).
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_redact.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "redact.h"
#include "redaction_oracle.h"

static struct redact_set *rs;
static uint8_t key[32];
static uint8_t contacts[2][32];

static const char *const known[] = { "EMAIL", "URL", "IP", "PHONE", "CARD",
	"IBAN", "KENNITALA", "NATIONAL_ID", "NAME", "HANDLE", "CONTACT" };

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

/* Besides redaction_whole(): the report's kinds are known ones, the text
** grows by a placeholder's length at most per span, and when the input
** holds no '[' every '[' of the output opens a placeholder. */
static void
check_result(const struct redact_result *r, const uint8_t *data, size_t size)
{
	json_int_t sum = redaction_whole(r);
	const char *k;
	json_t *v;
	size_t i;
	int ok;

	json_object_foreach(r->report, k, v)
	{
		for (ok = 0, i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok)
			abort();
	}
	if (r->len > size + 13 * (size_t)sum)
		abort();
	if (memchr(data, '[', size) == NULL && redaction_opens(r) != sum)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t(*hashes)[32] = (const uint8_t(*)[32])contacts;
	struct redact_ctx ctx = { .handle = "kofi_m",
		.contact_key = key,
		.contact_hashes = hashes,
		.ncontacts = 2 };
	struct redact_result r, k;
	struct err e = { 0 };
	size_t bad = utf8_bad(data, size);
	char where[64];

	if (redact_text(rs, (const char *)data, size, &ctx, &r, &e) == 0) {
		if (bad != size)
			abort();
		check_result(&r, data, size);
		ctx.keep_names = 1;
		if (redact_text(rs, (const char *)data, size, &ctx, &k, &e) ==
		    0) {
			check_result(&k, data, size);
			if (json_object_get(k.report, "NAME") != NULL)
				abort();
			redact_result_free(&k);
		} else if (strstr(e.msg, "too complex") == NULL)
			abort();
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
