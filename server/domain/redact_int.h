/*
** Inside redaction (redact.h): the compiled form of a rule set, shared by
** its three pieces and included by nothing else:
**   rulepack.c    parses and loads rule packs into a set, and frees it;
**   validators.c  the checksum and shape validators a rule may name;
**   redact.c      the matcher, redact_text(), and the author's contacts.
*/
#ifndef TRIBUTARY_REDACT_INT_H
#define TRIBUTARY_REDACT_INT_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "redact.h"

/* The callout number our wrapper of a validated rule uses (rulepack.c);
** a pattern's own callouts are ignored unless they use it too (then they
** validate early, which is harmless). */
#define VALIDATE_CALLOUT 255

/* The validators a rule may name (`validate:`), in redact_validator_names
** order. */
enum validator { V_NONE, V_LUHN, V_IBAN, V_KENNITALA, V_IP, V_PHONE, NV };
extern const char *const redact_validator_names[NV];

/*
** 1 if validator ${v} accepts the ${n} bytes at ${s} (V_NONE accepts
** anything), else 0. Can't fail; safe from any thread.
*/
int redact_validate(enum validator v, const char *s, size_t n);

/* Kinds every set has, for the author's own data: kinds[0..NFIXED). */
enum { KIND_HANDLE, KIND_CONTACT, NFIXED };

/*
** What every match of a pattern must contain, so a rule can be skipped on
** a text that lacks it, and stopped past its last occurrence (a match
** holding it starts at or before it). Two sources, both must hold:
** PCRE2's "last code unit" (the rightmost literal byte of every match),
** and the rule's own `needs:` list (a match must contain one of these
** strings: a match without one is dropped, as if its validator refused
** it). PCRE2 does its own check only when the rest of the subject is a
** few KB at most, and the rightmost literal is often a common one ('.'
** for an e-mail address), hence `needs: ['@']`. ASCII letters match in
** either case.
*/
struct gate {
	int cu;         /* the last code unit if ASCII, else -1 */
	char **needles; /* NULL-terminated, or NULL */
};

struct rule {
	pcre2_code *re;
	struct gate g;
	enum validator v;
	uint32_t kind;   /* index into the set's kinds */
	char where[160]; /* "FILE:LINE" for errors while matching */
};

struct redact_set {
	struct rule *rules;
	size_t nrules;
	char **kinds; /* kinds[0..NFIXED) are HANDLE and CONTACT */
	size_t nkinds;
	pcre2_code *digits; /* digit runs that may be a contact */
	pcre2_code *email;  /* e-mail-like words that may be a contact */
	struct gate gdigits, gemail; /* no needles */
	uint32_t ovec; /* ovector pairs the largest pattern needs */
};

/*
** Compiles ${pat} (${n} bytes) with the options every pattern gets (UTF,
** Unicode properties, \C forbidden) and, if ${jit}, JIT where the
** platform has it. Returns new code (free with pcre2_code_free()), or
** NULL with the compile error in ${msg} (${cap} bytes) and its offset in
** ${where} ("out of memory" at 0 if it could not start).
*/
pcre2_code *redact_compile(
    const char *pat, size_t n, int jit, char *msg, size_t cap, size_t *where);

static inline int
redact_is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

static inline int
redact_is_upper(char c)
{
	return (c >= 'A' && c <= 'Z');
}

#endif
