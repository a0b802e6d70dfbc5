/*
** Redaction of personal data in contributed text (DESIGN.md, Flow 3). The
** server runs every text contribution through redact_text() before it is
** shown back as a preview or stored: only the redacted text is ever kept.
**
** What counts as personal data is data, not code: rule packs in redact/
** (default.yaml plus one pack per locale, see redact/README.md) list
** PCRE2 patterns, each with the kind it finds (EMAIL, PHONE, ...) and an
** optional checksum validator (Luhn, IBAN mod 97, kennitala, IP). A match
** is replaced by "[KIND]". A pack's `names:` section lists, as words, what
** finds people's names in its languages (given names, titles, self-
** introductions, family-name shapes, and the places and words that only
** look like names); each name becomes [NAME] unless the campaign keeps
** names or allows that one. Besides the packs, the contributor's own
** handle becomes [HANDLE] and anything written like one of their own
** contacts (compared through keyed hashes, so the server never needs the
** contact in clear) becomes [CONTACT].
**
** A loaded set is immutable and may be shared by every thread; the match
** state (PCRE2 match data, context, JIT stack) is kept per thread.
*/
#ifndef TRIBUTARY_REDACT_H
#define TRIBUTARY_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

/* Largest pack file redact_load() reads and redact_parse() accepts. */
#define REDACT_MAX_PACK (256 * 1024)
/* Longest kind name ("NATIONAL_ID" is 11). */
#define REDACT_MAX_KIND 32

struct redact_set;

/*
** Parses one rule pack: the ${n} YAML bytes at ${p}; ${name} names it in
** errors. Every pattern is compiled once with PCRE2 (UTF and Unicode
** properties on, JIT where the platform has it). Returns a new set (free
** with redact_free()), or NULL with ${e} set: ERR_INVALID and
** "NAME:LINE: what is wrong" (a bad pattern names the rule and quotes
** PCRE2's message and offset), or ERR_INTERNAL if out of memory. Never
** reads past ${n}.
*/
struct redact_set *
redact_parse(const void *p, size_t n, const char *name, struct err *e);

/*
** Loads ${dir}/default.yaml and then ${dir}/<l>.yaml for each of the
** ${nlocales} names in ${locales} (names are [a-z0-9_-]+; "default" and
** repeats are skipped), or, when ${locales} is NULL, default.yaml and then
** every other *.yaml in ${dir} in name order. Each pack's `pack:` must be
** its file name without ".yaml". Rules keep that order, which breaks ties
** between equally long matches. Returns a new set or NULL with ${e} set
** (ERR_NOT_FOUND for a missing pack, ERR_STORAGE if unreadable, else as
** redact_parse()).
*/
struct redact_set *redact_load(const char *dir, const char *const *locales,
    size_t nlocales, struct err *e);

/* Frees ${rs}; NULL does nothing. Can't fail. */
void redact_free(struct redact_set *rs);

/* The number of rules in ${rs} (for logs and tests). Can't fail. */
size_t redact_nrules(const struct redact_set *rs);

/* Who wrote the text: what of theirs to hide besides the packs' finds. */
struct redact_ctx {
	/* The contributor's own handle, replaced by [HANDLE] wherever it
	** stands as a whole word, in any letter case. NULL or "" for none. */
	const char *handle;
	/* 32-byte key of the keyed BLAKE2b hashes below; may be NULL when
	** ${ncontacts} is 0. */
	const uint8_t *contact_key;
	/* redact_contact_hash() of each of the person's contacts. */
	const uint8_t (*contact_hashes)[32];
	size_t ncontacts;
	/* The caller reads report_json only: report is left NULL (a tree
	** of the kinds costs a handful of allocations per text). */
	int json_only;
	/* Leave people's names as they were written: the campaign says
	** "redact": {"names": false}. 0, the default, finds them. */
	int keep_names;
	/* Names the campaign allows ("redact": {"allow": [...]}), each one
	** or more words: wherever one stands as whole words, in any letter
	** case, it is left as written. NULL when ${nallow} is 0. */
	const char *const *allow;
	size_t nallow;
};

/*
** Normalizes ${contact} and writes its keyed BLAKE2b-256 hash under ${key}
** to ${out}, to be stored beside the sealed contact. An e-mail address
** (anything with an '@') is trimmed of spaces and lowercased (ASCII);
** anything else is a phone number: only its digits are kept, with a '+'
** in front if it starts with '+' or with the international prefix "00"
** (so "00233 24-123 4567" and "+233 (24) 1234567" hash alike). Returns 0,
** or -1 if ${contact} is NULL or normalizes to nothing (no digits, or no
** '@' with text on both sides).
*/
int redact_contact_hash(
    const uint8_t key[32], const char *contact, uint8_t out[32]);

struct redact_result {
	char *text;     /* the redacted text, malloc'd, NUL-terminated */
	size_t len;     /* strlen(text) */
	json_t *report; /* {"EMAIL":1,"PHONE":2}: kinds found, new reference */
	char *report_json; /* the same as compact JSON, keys sorted (as
			   ** json_dumps(JSON_COMPACT | JSON_SORT_KEYS)
			   ** writes it), malloc'd */
};

/*
** Redacts the ${n} bytes of UTF-8 ${text} under ${rs}, with ${ctx} (NULL
** for none) naming the author and what the campaign keeps. Every rule
** match whose validator (if any) accepts it, every name the name lists
** find (unless ctx->keep_names), the author's handle and contacts are
** candidates; where they overlap the longest wins, then the earliest,
** then the author's own data, then the rule that comes first, then a
** name found from the lists. A rule whose
** validator refuses a match backtracks into shorter matches; failing that
** the text is left alone. Any run of 7 to 15 digits (with spaces, dots,
** dashes, parentheses, a leading '+') that normalizes as
** redact_contact_hash() does to one of ${ctx}'s contact hashes becomes
** [CONTACT], whether or not a rule found it; so does an e-mail address.
** Safe to call from many threads on one ${rs}. On success returns 0 and
** fills ${out} (free with redact_result_free()). On error returns -1 with
** ${out} zeroed and ${e} set: ERR_INVALID if ${text} is not UTF-8 or holds
** a NUL byte (the message names the byte offset) or if the text drives a
** rule past PCRE2's match limit (refused rather than stored unredacted),
** ERR_INTERNAL if out of memory.
*/
int redact_text(const struct redact_set *rs, const char *text, size_t n,
    const struct redact_ctx *ctx, struct redact_result *out, struct err *e);

/* Frees what ${r} holds and zeroes it; a zeroed result is fine. Can't
** fail. */
void redact_result_free(struct redact_result *r);

/*
** 1 if ${s} can be an allowed name (redact_ctx.allow): 1 to 8 words of
** letters, with only spaces, apostrophes and hyphens between them; else 0.
** Can't fail.
*/
int redact_name_ok(const char *s);

/*
** The validators, on the ${n} bytes at ${s}; characters other than ASCII
** digits (and, for IBAN, letters) are skipped, so "4111 1111 1111 1111"
** and "120389-4569" are fine. Each returns 1 if valid, else 0.
** redact_luhn_ok: 12 to 19 digits whose Luhn sum is 0 mod 10.
** redact_iban_ok: 2 letters, 2 check digits, 11 to 30 letters or digits,
** the length registered for the country where we know it, and the ISO
** 13616 remainder mod 97 is 1.
** redact_kennitala_ok: 10 digits DDMMYYNNCC: a real date (DD + 40 for a
** company), the checksum digit C (weights 3,2,7,6,5,4,3,2 over the first
** eight, 11 - sum mod 11, 11 -> 0, 10 never valid) and a century digit of
** 8, 9 or 0.
** None can fail; each is safe from any thread.
*/
int redact_luhn_ok(const char *s, size_t n);
int redact_iban_ok(const char *s, size_t n);
int redact_kennitala_ok(const char *s, size_t n);

#endif
