/*
** Rule packs (redact.h): the parser of one pack, the loader of the redact/
** folder, and the compiled set they build (redact_int.h), which the
** matcher (redact.c) runs.
**
** A pack is YAML (redact/README.md): `pack`, an optional `description`,
** `rules`, each a mapping of `kind`, `pattern`, optional `validate`,
** `needs`, `context` and `note`, and an optional `names` mapping of word
** lists, which redact_names.c compiles into one table for the whole set
** (a pack needs rules, names, or both). Patterns compile once, with UTF and Unicode
** properties (\w, \b and \d know every script) and \C forbidden (it could
** cut a character in two). A rule with a validator is compiled as
** "(?:PATTERN\E)(?C255)": the callout at the end runs the validator on the
** would-be match and, when it refuses, makes PCRE2 backtrack, so
** "GB82 WEST 1234 5698 7654 32 EUR" still finds the IBAN without " EUR".
** (The \E closes an unterminated \Q, which would otherwise swallow the
** wrapper; a pattern that ends inside an (?x) comment fails to compile
** wrapped and is reported.) The matcher validates every match once more
** afterwards, since (*ACCEPT) can skip the callout.
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "redact_int.h"
#include "text.h"
#include "yamldoc.h"

/* Longest pattern text a rule may have. */
#define MAX_PATTERN 8192

static const char *const fixed_kinds[NFIXED] = { "HANDLE", "CONTACT", "NAME" };

/* The built-in patterns for contacts (see redact_text()). */
static const char DIGITS_RE[] =
    "(?<![0-9])(?:\\+ ?)?(?:\\( ?)?[0-9][0-9 .\\-()]*";
static const char EMAIL_RE[] =
    "(?<![\\w.%+\\-])[\\w.%+\\-]+@[\\w\\-]+\\.[\\w.\\-]*[\\w\\-]";

/* Frees a NULL-terminated list of strings (NULL is fine). */
static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
gate_free(struct gate *g)
{
	strv_free(g->needles);
	g->needles = NULL;
}

/* ---------------------------------------------------------------------
** Sets
*/

static struct redact_set *
set_new(struct err *e)
{
	struct redact_set *rs;
	size_t i;

	if ((rs = calloc(1, sizeof(*rs))) == NULL ||
	    (rs->kinds = calloc(NFIXED, sizeof(*rs->kinds))) == NULL)
		goto nomem;
	for (i = 0; i < NFIXED; i++) {
		if ((rs->kinds[i] = strdup(fixed_kinds[i])) == NULL)
			goto nomem;
		rs->nkinds++;
	}
	rs->ovec = 1;
	return (rs);
nomem:
	err_oom(e);
	redact_free(rs);
	return (NULL);
}

void
redact_free(struct redact_set *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->nrules; i++) {
		pcre2_code_free(rs->rules[i].re);
		gate_free(&rs->rules[i].g);
		strv_free(rs->rules[i].context);
	}
	free(rs->rules);
	names_free(&rs->names);
	for (i = 0; i < rs->nkinds; i++)
		free(rs->kinds[i]);
	free(rs->kinds);
	pcre2_code_free(rs->digits);
	pcre2_code_free(rs->email);
	free(rs);
}

size_t
redact_nrules(const struct redact_set *rs)
{
	return (rs != NULL ? rs->nrules : 0);
}

/* The index of kind ${k} in ${rs}, added if new; -1 if out of memory. */
static int64_t
set_kind(struct redact_set *rs, const char *k)
{
	char **v;
	size_t i;

	for (i = 0; i < rs->nkinds; i++)
		if (strcmp(rs->kinds[i], k) == 0)
			return ((int64_t)i);
	if ((v = reallocarray(rs->kinds, rs->nkinds + 1, sizeof(*v))) == NULL)
		return (-1);
	rs->kinds = v;
	if ((v[rs->nkinds] = strdup(k)) == NULL)
		return (-1);
	return ((int64_t)rs->nkinds++);
}

/*
** Compiles ${pat} (${n} bytes) with our options and, if ${jit}, JIT; a
** compile error is written to ${msg} (${cap} bytes) with its offset in
** ${where}. Returns the code or NULL.
*/
pcre2_code *
redact_compile(
    const char *pat, size_t n, int jit, char *msg, size_t cap, size_t *where)
{
	pcre2_compile_context *cc;
	pcre2_code *re;
	int rc;

	if ((cc = pcre2_compile_context_create(NULL)) == NULL) {
		snprintf(msg, cap, "out of memory");
		*where = 0;
		return (NULL);
	}
	pcre2_set_max_pattern_length(cc, MAX_PATTERN + 64);
	re = pcre2_compile((PCRE2_SPTR)pat, n,
	    PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &rc, where, cc);
	pcre2_compile_context_free(cc);
	if (re == NULL) {
		pcre2_get_error_message(rc, (PCRE2_UCHAR *)msg, cap);
		return (NULL);
	}
	/* Without JIT (unsupported platform, or out of executable memory)
	** the interpreter gives the same answers, only slower. */
	if (jit)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return (re);
}

/* Sets ${g}'s code unit from ${re}. Can't fail (-1 is a valid answer). */
static void
gate_init(const pcre2_code *re, struct gate *g)
{
	uint32_t type = 0, cu = 0;

	g->cu = -1;
	/* A non-ASCII unit might be one byte of a caseless character. */
	if (pcre2_pattern_info(re, PCRE2_INFO_LASTCODETYPE, &type) == 0 &&
	    type == 1 &&
	    pcre2_pattern_info(re, PCRE2_INFO_LASTCODEUNIT, &cu) == 0 &&
	    cu > 0 && cu < 0x80)
		g->cu = (int)cu;
}

static void
set_ovec(struct redact_set *rs, const pcre2_code *re)
{
	uint32_t caps = 0;

	if (pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &caps) == 0 &&
	    caps + 1 > rs->ovec)
		rs->ovec = caps + 1;
}

/* Compiles the built-in contact patterns into ${rs}. 0 or -1. */
static int
set_builtins(struct redact_set *rs, struct err *e)
{
	char msg[256];
	size_t off;

	if ((rs->digits = redact_compile(DIGITS_RE, sizeof(DIGITS_RE) - 1, 1,
		 msg, sizeof(msg), &off)) == NULL ||
	    (rs->email = redact_compile(EMAIL_RE, sizeof(EMAIL_RE) - 1, 1, msg,
		 sizeof(msg), &off)) == NULL)
		return (err_set(e, ERR_INTERNAL, "built-in pattern: %s", msg));
	set_ovec(rs, rs->digits);
	set_ovec(rs, rs->email);
	gate_init(rs->digits, &rs->gdigits);
	gate_init(rs->email, &rs->gemail);
	return (0);
}

/* ---------------------------------------------------------------------
** Pack parser
*/

/* State of one pack parse: the document, and the set its rules go to. */
struct pk {
	struct yamldoc y;
	struct redact_set *rs;
};

/* The non-empty string value ${nd} of ${key}, or NULL with the error set. */
static const char *
pk_string(struct pk *k, const yaml_node_t *nd, const char *key)
{
	const char *s = yamldoc_scalar(nd);

	if (s == NULL || *s == '\0' ||
	    (nd->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		(strcmp(s, "~") == 0 || strcmp(s, "null") == 0))) {
		yamldoc_err(&k->y, nd, "%s must be a non-empty string", key);
		return (NULL);
	}
	return (s);
}

/* 1 if ${s} is [A-Z][A-Z0-9_]* and short enough to be a kind. */
static int
is_kind_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= REDACT_MAX_KIND || !redact_is_upper(s[0]))
		return (0);
	for (i = 1; i < n; i++)
		if (!redact_is_upper(s[i]) && !redact_is_digit(s[i]) &&
		    s[i] != '_')
			return (0);
	return (1);
}

/* 1 if ${s} is a pack or locale name: [a-z0-9_-]+, at most 64 bytes. */
static int
is_pack_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 64)
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || redact_is_digit(s[i]) ||
			s[i] == '_' || s[i] == '-'))
			return (0);
	return (1);
}

/*
** Compiles the pattern of rule ${idx} (kind ${kind}, validator ${v}) from
** node ${pn} into ${r}. A rule with a validator is wrapped (see the top of
** this file), its leading (*VERB) options kept in front.
*/
static int
pk_compile(struct pk *k, const yaml_node_t *pn, size_t idx, const char *kind,
    enum validator v, struct rule *r)
{
	const char *pat = (const char *)pn->data.scalar.value;
	size_t n = pn->data.scalar.length, off, lead = 0, i;
	char msg[256];
	struct buf b = { 0 };

	if (n > MAX_PATTERN)
		return (yamldoc_err(&k->y, pn,
		    "rule %zu (%s): pattern is longer than %d "
		    "bytes",
		    idx, kind, MAX_PATTERN));
	/* Alone first, so an error's offset is in the author's own text. */
	if ((r->re = redact_compile(
		 pat, n, v == V_NONE, msg, sizeof(msg), &off)) == NULL)
		return (yamldoc_err(&k->y, pn,
		    "rule %zu (%s): bad pattern at offset %zu: "
		    "%s",
		    idx, kind, off, msg));
	if (v == V_NONE)
		return (0);
	pcre2_code_free(r->re);
	r->re = NULL;
	while (lead + 2 < n && pat[lead] == '(' && pat[lead + 1] == '*') {
		for (i = lead + 2; i < n &&
		     (redact_is_upper(pat[i]) || redact_is_digit(pat[i]) ||
			 pat[i] == '_' || pat[i] == '=');
		     i++)
			;
		if (i == n || pat[i] != ')')
			break;
		lead = i + 1;
	}
	if (buf_append(&b, pat, lead) == -1 || buf_puts(&b, "(?:") == -1 ||
	    buf_append(&b, pat + lead, n - lead) == -1 ||
	    buf_printf(&b, "\\E)(?C%d)", VALIDATE_CALLOUT) == -1) {
		buf_free(&b);
		return (err_oom(k->y.e));
	}
	r->re = redact_compile(b.p, b.n, 1, msg, sizeof(msg), &off);
	buf_free(&b);
	if (r->re == NULL)
		return (yamldoc_err(&k->y, pn,
		    "rule %zu (%s): pattern cannot take a "
		    "validator (does it end in a comment?): "
		    "%s",
		    idx, kind, msg));
	return (0);
}

/* The rule keys. */
enum { R_KIND, R_PATTERN, R_VALIDATE, R_NEEDS, R_CONTEXT, R_NOTE, NR };
static const char *const rule_keys[NR] = { "kind", "pattern", "validate",
	"needs", "context", "note" };
static const struct yamldoc_keys rule_map = { rule_keys, NR, "key", NULL };

/* Most strings a `needs:` list may hold, and their longest. */
#define MAX_NEEDLES 32
#define MAX_NEEDLE  64

/*
** Reads rule ${idx}'s list ${nd} of strings (its key ${key}: needs or
** context) into a new NULL-terminated array in *${out}. 0 or -1.
*/
static int
pk_strings(
    struct pk *k, yaml_node_t *nd, size_t idx, const char *key, char ***out)
{
	yaml_node_item_t *it;
	const char *s;
	size_t n = 0;

	if (nd->type != YAML_SEQUENCE_NODE ||
	    nd->data.sequence.items.top == nd->data.sequence.items.start ||
	    nd->data.sequence.items.top - nd->data.sequence.items.start >
		MAX_NEEDLES)
		return (yamldoc_err(&k->y, nd,
		    "rule %zu: %s must be a list of 1 to %d strings", idx, key,
		    MAX_NEEDLES));
	if ((*out = calloc((size_t)(nd->data.sequence.items.top -
			       nd->data.sequence.items.start) +
		     1,
		 sizeof(**out))) == NULL)
		return (err_oom(k->y.e));
	for (it = nd->data.sequence.items.start;
	     it < nd->data.sequence.items.top; it++) {
		yaml_node_t *v = yamldoc_node(&k->y, *it);

		if ((s = yamldoc_scalar(v)) == NULL || *s == '\0' ||
		    strlen(s) > MAX_NEEDLE)
			return (yamldoc_err(&k->y, v,
			    "rule %zu: each of %s must be a string of 1 to "
			    "%d bytes",
			    idx, key, MAX_NEEDLE));
		if (((*out)[n++] = strdup(s)) == NULL)
			return (err_oom(k->y.e));
	}
	return (0);
}

/* Reads rule number ${idx} (1-based), mapping ${m}, and adds it. */
static int
pk_rule(struct pk *k, yaml_node_t *m, size_t idx)
{
	yaml_node_t *val[NR];
	struct redact_set *rs = k->rs;
	const char *kind, *vs;
	struct rule *rules, *r;
	enum validator v = V_NONE;
	char ctx[40];
	int64_t ki;
	int f;

	if (m->type != YAML_MAPPING_NODE)
		return (yamldoc_err(&k->y, m,
		    "rule %zu must be a mapping of kind, pattern, validate",
		    idx));
	snprintf(ctx, sizeof(ctx), "rule %zu: ", idx);
	if (yamldoc_mapping(&k->y, m, &rule_map, ctx, val) == -1)
		return (-1);
	if (val[R_KIND] == NULL)
		return (
		    yamldoc_err(&k->y, m, "rule %zu: missing key 'kind'", idx));
	if (val[R_PATTERN] == NULL)
		return (yamldoc_err(
		    &k->y, m, "rule %zu: missing key 'pattern'", idx));
	if ((kind = pk_string(k, val[R_KIND], "kind")) == NULL)
		return (-1);
	if (!is_kind_name(kind))
		return (yamldoc_err(&k->y, val[R_KIND],
		    "rule %zu: kind '%s' is not [A-Z][A-Z0-9_]* (at most %d)",
		    idx, kind, REDACT_MAX_KIND - 1));
	for (f = 0; f < NRESERVED; f++)
		if (strcmp(kind, fixed_kinds[f]) == 0)
			return (yamldoc_err(&k->y, val[R_KIND],
			    "rule %zu: kind %s is reserved for the author's "
			    "own data",
			    idx, kind));
	if (pk_string(k, val[R_PATTERN], "pattern") == NULL)
		return (-1);
	if (val[R_VALIDATE] != NULL) {
		if ((vs = pk_string(k, val[R_VALIDATE], "validate")) == NULL)
			return (-1);
		for (v = 0;
		     v < NV && strcmp(vs, redact_validator_names[v]) != 0; v++)
			;
		if (v == NV)
			return (yamldoc_err(&k->y, val[R_VALIDATE],
			    "rule %zu (%s): unknown validator '%s' (none, "
			    "luhn, "
			    "iban, kennitala, ip, phone)",
			    idx, kind, vs));
	}
	if (val[R_NOTE] != NULL && yamldoc_scalar(val[R_NOTE]) == NULL)
		return (yamldoc_err(
		    &k->y, val[R_NOTE], "rule %zu: note must be text", idx));
	if ((rules = reallocarray(rs->rules, rs->nrules + 1, sizeof(*rules))) ==
	    NULL)
		return (err_oom(k->y.e));
	rs->rules = rules;
	r = &rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	if (pk_compile(k, val[R_PATTERN], idx, kind, v, r) == -1)
		return (-1);
	rs->nrules++; /* owns r->re from here */
	if ((ki = set_kind(rs, kind)) == -1)
		return (err_oom(k->y.e));
	r->kind = (uint32_t)ki;
	r->v = v;
	if (val[R_NEEDS] != NULL &&
	    pk_strings(k, val[R_NEEDS], idx, "needs", &r->g.needles) == -1)
		return (-1);
	if (val[R_CONTEXT] != NULL &&
	    pk_strings(k, val[R_CONTEXT], idx, "context", &r->context) == -1)
		return (-1);
	snprintf(r->where, sizeof(r->where), "%s:%d", k->y.name,
	    (int)val[R_PATTERN]->start_mark.line + 1);
	set_ovec(rs, r->re);
	gate_init(r->re, &r->g);
	return (0);
}

/* The keys of `names:`, and what each list's entries are. */
static const struct {
	const char *key;
	enum nm_list l;
	uint32_t flags;
	const char *form; /* for errors: what an entry must be */
} name_lists[] = {
	{ "given", NL_WORD, NW_GIVEN, "one word" },
	{ "common", NL_WORD, NW_COMMON, "one word" },
	{ "titles", NL_WORD, NW_TITLE, "one word (no full stop)" },
	{ "titles_after", NL_WORD, NW_TITLE_AFTER, "one word" },
	{ "intros", NL_PHRASE_INTRO, 0, "1 to 8 words" },
	{ "suffixes", NL_SUFFIX, 0, "the letters of one word" },
	{ "patronymics", NL_PATRONYMIC, 0, "the letters of one word" },
	{ "endings", NL_ENDING, 0,
	    "'END' or 'END>REPLACEMENT', letters of one word each" },
	{ "places", NL_WORD, NW_PLACE, "one word" },
	{ "words", NL_WORD, NW_WORD, "one word" },
	{ "place_before", NL_PHRASE_PLACE, 0, "1 to 8 words" },
	{ "place_after", NL_WORD, NW_PLACE_AFTER, "one word" },
	{ "not_after", NL_WORD, NW_NOT_AFTER, "one word" },
	{ "and", NL_WORD, NW_AND, "one word" },
	{ "keep", NL_PHRASE_KEEP, 0, "1 to 8 words" },
};
#define NNL (sizeof(name_lists) / sizeof(name_lists[0]))

/* Most entries the names: lists of one pack may hold, all lists
** together. */
#define MAX_NAME_ENTRIES 50000

/* Reads the `names:` mapping ${m} of the pack with bit ${bit}. 0 or -1. */
static int
pk_names(struct pk *k, yaml_node_t *m, uint32_t bit)
{
	const char *keys[NNL];
	struct yamldoc_keys map = { keys, NNL, "list", NULL };
	yaml_node_t *val[NNL];
	yaml_node_item_t *it;
	size_t i, total = 0;
	const char *s;
	int rc;

	if (m->type != YAML_MAPPING_NODE)
		return (yamldoc_err(&k->y, m,
		    "names must be a mapping of lists (given, common, titles, "
		    "...)"));
	for (i = 0; i < NNL; i++)
		keys[i] = name_lists[i].key;
	if (yamldoc_mapping(&k->y, m, &map, "names: ", val) == -1)
		return (-1);
	for (i = 0; i < NNL; i++) {
		if (val[i] == NULL)
			continue;
		if (val[i]->type != YAML_SEQUENCE_NODE)
			return (yamldoc_err(&k->y, val[i],
			    "names.%s must be a list", name_lists[i].key));
		for (it = val[i]->data.sequence.items.start;
		     it < val[i]->data.sequence.items.top; it++) {
			yaml_node_t *v = yamldoc_node(&k->y, *it);

			if (++total > MAX_NAME_ENTRIES)
				return (yamldoc_err(&k->y, v,
				    "names: more than %d entries",
				    MAX_NAME_ENTRIES));
			if ((s = yamldoc_scalar(v)) == NULL || *s == '\0')
				return (yamldoc_err(&k->y, v,
				    "names.%s: each entry must be a non-empty "
				    "string",
				    name_lists[i].key));
			rc = names_add(&k->rs->names, name_lists[i].l, s,
			    name_lists[i].flags, bit);
			if (rc == -1)
				return (err_oom(k->y.e));
			if (rc == 1)
				return (yamldoc_err(&k->y, v,
				    "names.%s: '%s' must be %s",
				    name_lists[i].key, s, name_lists[i].form));
		}
	}
	return (0);
}

/* The root keys. */
enum { P_PACK, P_DESCRIPTION, P_RULES, P_NAMES, NP };
static const char *const pack_keys[NP] = { "pack", "description", "rules",
	"names" };
static const struct yamldoc_keys pack_map = { pack_keys, NP, "key", NULL };

/* Reads the root of ${k}'s document; ${want} (or NULL) is the pack name
** the file must declare. */
static int
pk_root(struct pk *k, const char *want)
{
	yaml_node_t *root = yaml_document_get_root_node(&k->y.doc);
	yaml_node_t *val[NP];
	yaml_node_item_t *it;
	const char *pack;
	size_t idx = 0;
	uint32_t bit;

	if (root == NULL)
		return (err_set(
		    k->y.e, ERR_INVALID, "%s:1: the pack is empty", k->y.name));
	if (root->type != YAML_MAPPING_NODE)
		return (yamldoc_err(&k->y, root,
		    "a pack must be a mapping of pack, description, rules, "
		    "names"));
	if (yamldoc_mapping(&k->y, root, &pack_map, "", val) == -1)
		return (-1);
	if (val[P_PACK] == NULL)
		return (yamldoc_err(&k->y, root, "missing key 'pack'"));
	if ((pack = pk_string(k, val[P_PACK], "pack")) == NULL)
		return (-1);
	if (!is_pack_name(pack))
		return (yamldoc_err(
		    &k->y, val[P_PACK], "pack '%s' is not [a-z0-9_-]+", pack));
	if (want != NULL && strcmp(pack, want) != 0)
		return (yamldoc_err(&k->y, val[P_PACK],
		    "pack '%s' should be named '%s' like its file", pack,
		    want));
	if (val[P_DESCRIPTION] != NULL &&
	    yamldoc_scalar(val[P_DESCRIPTION]) == NULL)
		return (yamldoc_err(
		    &k->y, val[P_DESCRIPTION], "description must be text"));
	if (val[P_RULES] == NULL && val[P_NAMES] == NULL)
		return (yamldoc_err(&k->y, root, "missing key 'rules'"));
	bit = k->rs->npacks < 32 ? 1u << k->rs->npacks : 1u << 31;
	k->rs->npacks++;
	if (val[P_NAMES] != NULL && pk_names(k, val[P_NAMES], bit) == -1)
		return (-1);
	if (val[P_RULES] == NULL)
		return (0);
	if (val[P_RULES]->type != YAML_SEQUENCE_NODE ||
	    val[P_RULES]->data.sequence.items.top ==
		val[P_RULES]->data.sequence.items.start)
		return (yamldoc_err(
		    &k->y, val[P_RULES], "rules must be a non-empty list"));
	for (it = val[P_RULES]->data.sequence.items.start;
	     it < val[P_RULES]->data.sequence.items.top; it++)
		if (pk_rule(k, yamldoc_node(&k->y, *it), ++idx) == -1)
			return (-1);
	return (0);
}

/*
** Parses the pack of ${n} bytes at ${p} (named ${name}) and appends its
** rules to ${rs}; ${want} as for pk_root(). Returns 0, or -1 with ${e}
** set and ${rs} holding some of the rules (the caller frees it).
*/
static int
pack_parse(struct redact_set *rs, const void *p, size_t n, const char *name,
    const char *want, struct err *e)
{
	struct pk k = { .rs = rs };
	size_t bad;
	int rc;

	if ((bad = utf8_invalid_at(p, n)) < n)
		return (err_set(e, ERR_INVALID, "%s:%d: %s", name,
		    text_line_of(p, n, bad),
		    ((const char *)p)[bad] == '\0' ? "NUL byte"
						   : "invalid UTF-8"));
	if (n > REDACT_MAX_PACK)
		return (err_set(e, ERR_INVALID, "%s:1: larger than %d bytes",
		    name, REDACT_MAX_PACK));
	if (yamldoc_load(&k.y, p, n, name, 1,
		"a pack must be one YAML document", e) == -1)
		return (-1);
	rc = pk_root(&k, want);
	yamldoc_free(&k.y);
	return (rc);
}

struct redact_set *
redact_parse(const void *p, size_t n, const char *name, struct err *e)
{
	struct redact_set *rs;

	if ((rs = set_new(e)) == NULL)
		return (NULL);
	if (pack_parse(rs, p, n, name, NULL, e) == -1 ||
	    set_builtins(rs, e) == -1) {
		redact_free(rs);
		return (NULL);
	}
	return (rs);
}

/* ---------------------------------------------------------------------
** Loader
*/

/* Parses ${dir}/${pack}.yaml into ${rs}. 0 or -1. */
static int
load_pack(
    struct redact_set *rs, const char *dir, const char *pack, struct err *e)
{
	char path[4096];
	char *p = NULL;
	size_t n = 0;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.yaml", dir, pack) >=
	    sizeof(path))
		return (err_set(e, ERR_INVALID, "%s: path too long", dir));
	if (text_read_file(path, REDACT_MAX_PACK, &p, &n, e) == -1)
		return (-1);
	rc = pack_parse(rs, p, n, path, pack, e);
	free(p);
	return (rc);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
** The pack names of every *.yaml in ${dir} but default, sorted, in a new
** NULL-terminated array in ${out} (free each and the array). 0 or -1.
*/
static int
list_packs(const char *dir, char ***out, struct err *e)
{
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0, len;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return (
		    err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_STORAGE,
			"%s: %s", dir, strerror(errno)));
	if ((v = calloc(1, sizeof(*v))) == NULL)
		goto nomem;
	while ((de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".yaml") != 0 ||
		    strcmp(de->d_name, "default.yaml") == 0)
			continue;
		if ((nv = reallocarray(v, n + 2, sizeof(*v))) == NULL)
			goto nomem;
		v = nv;
		if ((v[n] = strndup(de->d_name, len - 5)) == NULL)
			goto nomem;
		v[++n] = NULL;
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	return (0);
nomem:
	for (len = 0; v != NULL && v[len] != NULL; len++)
		free(v[len]);
	free(v);
	closedir(dp);
	return (err_oom(e));
}

struct redact_set *
redact_load(
    const char *dir, const char *const *locales, size_t nlocales, struct err *e)
{
	struct redact_set *rs;
	char **names = NULL;
	size_t i, j;

	if ((rs = set_new(e)) == NULL)
		return (NULL);
	if (load_pack(rs, dir, "default", e) == -1)
		goto fail;
	if (locales == NULL) {
		if (list_packs(dir, &names, e) == -1)
			goto fail;
		for (i = 0; names[i] != NULL; i++)
			if (load_pack(rs, dir, names[i], e) == -1)
				goto fail;
	} else {
		for (i = 0; i < nlocales; i++) {
			if (locales[i] == NULL || !is_pack_name(locales[i])) {
				err_set(e, ERR_INVALID,
				    "locale '%s' is not [a-z0-9_-]+",
				    locales[i] != NULL ? locales[i] : "(null)");
				goto fail;
			}
			for (j = 0; j < i && strcmp(locales[j], locales[i]);
			     j++)
				;
			if (j < i || strcmp(locales[i], "default") == 0)
				continue;
			if (load_pack(rs, dir, locales[i], e) == -1)
				goto fail;
		}
	}
	if (set_builtins(rs, e) == -1)
		goto fail;
	for (i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
	return (rs);
fail:
	for (i = 0; names != NULL && names[i] != NULL; i++)
		free(names[i]);
	free(names);
	redact_free(rs);
	return (NULL);
}
