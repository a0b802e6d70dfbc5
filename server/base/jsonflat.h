/*
** The quick reading of a JSON request body that is one flat object of
** strings, {"campaign":"...","text":"..."}: what nearly every contribution
** is. jansson reads such a body in ~3 us, most of it building a tree the
** handler reads three strings from and drops; this reads it in one pass
** into one allocation.
**
** It reads only what jansson (json_loadb with JSON_REJECT_DUPLICATES)
** would accept and gives the same strings jansson would; anything else
** (another type of value, a duplicate key, a NUL, bad UTF-8, a lone
** surrogate, any syntax error) is JSONFLAT_OTHER, and the caller asks
** jansson, which decides and words the error. tests/fuzz/fuzz_jsonflat.c
** holds the two to that, both ways.
*/
#ifndef TRIBUTARY_JSONFLAT_H
#define TRIBUTARY_JSONFLAT_H

#include <stddef.h>

enum {
	JSONFLAT_NOMEM = -1,
	JSONFLAT_OTHER = 0, /* not a flat object of strings: ask jansson */
	JSONFLAT_OK = 1,
};

/* Most keys a caller may ask for. */
#define JSONFLAT_MAX_KEYS 8

struct jsonflat {
	/* For each key asked for, its decoded value (NUL-terminated; a
	** string never holds NUL here) and length, or NULL if absent. */
	const char *val[JSONFLAT_MAX_KEYS];
	size_t len[JSONFLAT_MAX_KEYS];
	char *mem; /* the one allocation they live in */
};

/*
** Reads the ${n} bytes at ${p} as a JSON object whose every value is a
** string, filling ${out} with the values of the ${nkeys} (at most
** JSONFLAT_MAX_KEYS) names in ${keys}; other members are read (checked)
** and skipped. Returns JSONFLAT_OK (free with jsonflat_free()),
** JSONFLAT_OTHER (nothing to free), or JSONFLAT_NOMEM.
*/
int jsonflat_parse(const char *p, size_t n, const char *const *keys,
    size_t nkeys, struct jsonflat *out);
/* Frees what jsonflat_parse() allocated in ${f}. Can't fail. */
void jsonflat_free(struct jsonflat *f);

#endif
