/*
** Inside redaction (redact.h): the compiled form of a rule set, shared by
** its four pieces and included by nothing else:
**   rulepack.c      parses and loads rule packs into a set, and frees it;
**   validators.c    the checksum and shape validators a rule may name;
**   redact_names.c  the word lists of the packs' `names:` sections and the
**                   finder of people's names that reads them;
**   redact.c        the matcher, redact_text(), and the author's contacts.
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

/*
** Kinds every set has: kinds[0..NFIXED). HANDLE and CONTACT are the
** author's own data, which no rule may claim (the first NRESERVED); NAME
** is what the name finder reports, and a rule may report it too.
*/
enum { KIND_HANDLE, KIND_CONTACT, KIND_NAME, NFIXED };
#define NRESERVED 2

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
	/* `context:` (NULL-terminated, or NULL): a match counts only on a
	** line holding one of these strings (ASCII letters in either case). */
	char **context;
	enum validator v;
	uint32_t kind;   /* index into the set's kinds */
	char where[160]; /* "FILE:LINE" for errors while matching */
};

/* ---------------------------------------------------------------------
** Names (redact_names.c): the packs' `names:` lists, compiled.
*/

/* What a word of the lists is; one word may be several of these. */
enum {
	NW_GIVEN = 1u << 0,       /* given: a name wherever it stands */
	NW_COMMON = 1u << 1,      /* common: a name, and an everyday word */
	NW_TITLE = 1u << 2,       /* titles: announces the name after it */
	NW_TITLE_AFTER = 1u << 3, /* titles_after: ... the name before it */
	NW_PLACE = 1u << 4,       /* places: never a name alone */
	NW_WORD = 1u << 5,        /* words: never a name, nor part of one */
	NW_PLACE_AFTER = 1u
	    << 6,                /* place_after: names before it name a place */
	NW_PHRASE_END = 1u << 7, /* ends an intros or place_before phrase */
	NW_NOT_AFTER = 1u << 8,  /* not_after: a common: name after it isn't */
	NW_AND = 1u << 9,        /* and: joins two names ("Kofi and Ama") */
};
#define NW_NAME (NW_GIVEN | NW_COMMON)

/* A slot of the word table (open addressing); w == NULL: empty. */
struct nm_word {
	char *w; /* folded (names_add()), NUL-terminated */
	uint32_t len, hash, flags;
	uint32_t packs;  /* the packs that listed it, one bit each */
	uint32_t tpacks; /* ... as a title */
	uint32_t phrase; /* 1 + the first phrase it ends, or 0 */
};

/* An ending (endings:) or a family-name shape (suffixes:, patronymics:). */
struct nm_affix {
	char *end, *repl; /* folded; repl is "" for none (suffixes: always) */
	uint32_t elen, rlen;
	uint32_t packs;
	uint32_t next; /* 1 + the next affix of its list with the same last
		       ** byte, or 0 */
	int strong;    /* suffixes: a name alone in mid-sentence too */
};

/* A phrase of intros:, place_before: or keep:, folded words. */
struct nm_phrase {
	char **w;
	uint32_t *len, *hash;
	size_t nw;
	uint32_t next; /* 1 + the next phrase ending in the same word, or 0 */
	int list;      /* NL_PHRASE_INTRO, NL_PHRASE_PLACE, NL_PHRASE_KEEP */
};

struct names {
	struct nm_word *tab;
	size_t cap, n;
	struct nm_affix *endings, *suffixes;
	size_t nendings, nsuffixes;
	/* 1 + the first ending and suffix ending in each byte, or 0: a
	** word meets only the affixes that end as it does. The endings
	** with nothing to strip are chained from eany. */
	uint32_t ehead[256], shead[256], eany;
	struct nm_phrase *phrases;
	size_t nphrases;
};

/* Longest word of a list, and longest word of a text looked up, folded. */
#define NM_MAX_WORD 64
/* Most words in a phrase (intros, place_before, a campaign's allowed
** name). */
#define NM_MAX_PHRASE 8

/* What names_add() reads an entry as. */
enum nm_list {
	NL_WORD,
	NL_PHRASE_INTRO,
	NL_PHRASE_PLACE,
	NL_PHRASE_KEEP,
	NL_ENDING,
	NL_SUFFIX,
	NL_PATRONYMIC
};

/*
** Adds entry ${s} of a list to ${nm}: for NL_WORD a single word with
** ${flags} (NW_*), for the phrases one to NM_MAX_PHRASE words, for
** NL_ENDING "END" or "END>REPL" (either side may be empty, not both), for
** the suffixes one word; ${packs} is the pack's bit. Words are folded
** (lower case; ё read as е; combining marks dropped) once here. Returns
** 0; 1 if ${s} is not of that form (the caller words the error); -1 if
** out of memory.
*/
int names_add(struct names *nm, enum nm_list l, const char *s, uint32_t flags,
    uint32_t packs);
/* Frees what ${nm} holds and zeroes it. Can't fail. */
void names_free(struct names *nm);

/*
** Finds the people's names in the ${n} bytes of UTF-8 ${text} under
** ${nm}, leaving alone the names ${ctx} allows (NULL: none), and calls
** ${found}(${arg}, start, end) on each. Returns 0, or -1 (out of memory,
** or -1 from ${found}).
*/
int names_find(const struct names *nm, const char *text, size_t n,
    const struct redact_ctx *ctx, int (*found)(void *, size_t, size_t),
    void *arg);

struct redact_set {
	struct rule *rules;
	size_t nrules;
	struct names names; /* the packs' names: sections, merged */
	uint32_t npacks;    /* packs parsed so far (their bits in names) */
	char **kinds;       /* kinds[0..NFIXED) are HANDLE, CONTACT, NAME */
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
