/*
** libFuzzer harness for the rule-pack parser (redact.h). Every input goes
** through redact_parse(); a pack it accepts redacts a fixed sample with a
** handle and a contact, and must hold the promises callers rely on, or we
** abort():
**  - a refusal is ERR_INVALID with a message starting "fuzz.yaml:" (or
**    ERR_INTERNAL when out of memory);
**  - redact_text() on the sample succeeds, or refuses with ERR_INVALID
**    "too complex" (a pattern past the match limit);
**  - the redacted text is valid UTF-8 without NUL, len == strlen(text),
**    and the report is an object of positive integers whose sum is the
**    number of placeholders: the sample holds no '[', so every '[' in the
**    output opens one;
**  - redacted again as for a campaign that keeps names, and allows two,
**    the report holds no NAME unless a rule of the pack reports it (the
**    sample carries names in every language the packs know, so a pack's
**    names: section meets them);
**  - nothing leaks (the fuzz build runs LeakSanitizer).
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_rulepack.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "redact.h"
#include "redaction_oracle.h"

static const char sample[] =
    "Kofi (kofi@example.com, +233 24 123 4567, 024 555 0110) wrote from "
    "https://example.org/k?x=1 and 192.0.2.1 / 2001:db8::1. Card 4111 1111 "
    "1111 1111, IBAN GB82 WEST 1234 5698 7654 32, kt. 120389-4599, "
    "GHA-123456789-0. Sími 555 1234; тел. +992 90 123 4567; tél. 06 12 34 "
    "56 78. In 1998 we were 3 000; John 3:16 at 14:30, v2.10.3, GH\xe2\x82\xb5 "
    "25.50. \xc3\x9e\xc3\xb3ra og \xd0\xa4\xd0\xb0\xd1\x80\xd1\x85\xd0\xbe\xd0"
    "\xb4 kofi_m KOFI_M. Mr. Appiah and Auntie Ama Serwaa; my name is kofi "
    "mensah. J. B. Danquah, Kwame Nkrumah Circle, John 3:16. "
    "\xd0\xaf \xd0\xb3\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x80\xd0\xb8\xd0\xbb "
    "\xd1\x81 "
    "\xd0\xa0\xd1\x83\xd1\x81\xd1\x82\xd0\xb0\xd0\xbc\xd0\xbe\xd0\xbc "
    "\xd0\xa1\xd0\xb0\xd0\xb8\xd0\xb4\xd0\xbe\xd0\xb2\xd1\x8b\xd0\xbc. "
    "J\xc3\xb3n J\xc3\xb3nsson og \xc3\x9e\xc3\xb3ru; Grace, by the Grace of "
    "God; "
    "Kwasi Broni; Dilnoza and Madina.";

static uint8_t key[32];
static uint8_t contact[32];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sodium_init() < 0)
		abort();
	memset(key, 0x5a, sizeof(key));
	if (redact_contact_hash(key, "+233 24 555 0110", contact) == -1)
		abort();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const allow[] = { "Kwame Nkrumah", "Kofi" };
	const uint8_t(*hashes)[32] = (const uint8_t(*)[32])contact;
	struct redact_ctx ctx = { .handle = "kofi_m",
		.contact_key = key,
		.contact_hashes = hashes,
		.ncontacts = 1 };
	struct redact_result r;
	struct redact_set *rs;
	struct err e = { 0 };

	rs = redact_parse(data, size, "fuzz.yaml", &e);
	if (rs == NULL) {
		if (!(e.code == ERR_INVALID || e.code == ERR_INTERNAL) ||
		    (e.code == ERR_INVALID &&
			strncmp(e.msg, "fuzz.yaml:", 10) != 0))
			abort();
		return (0);
	}
	if (redact_text(rs, sample, sizeof(sample) - 1, &ctx, &r, &e) == 0) {
		/* The sample holds no '[': each one opens a placeholder. */
		if (redaction_opens(&r) != redaction_whole(&r))
			abort();
		redact_result_free(&r);
		ctx.keep_names = 1;
		ctx.allow = allow;
		ctx.nallow = 2;
		if (redact_text(rs, sample, sizeof(sample) - 1, &ctx, &r, &e) ==
		    0) {
			redaction_whole(&r);
			if (json_object_get(r.report, "NAME") != NULL)
				abort();
			redact_result_free(&r);
		} else if (!(e.code == ERR_INTERNAL ||
			       (e.code == ERR_INVALID &&
				   strstr(e.msg, "too complex") != NULL)))
			abort();
	} else if (!(e.code == ERR_INTERNAL ||
		       (e.code == ERR_INVALID &&
			   strstr(e.msg, "too complex") != NULL)) ||
	    r.text != NULL || r.report != NULL)
		abort();
	redact_free(rs);
	return (0);
}
