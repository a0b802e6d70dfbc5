/*
** Redaction of personal data (redact.h): the rule-pack parser and loader,
** the checksum validators, and redact_text().
**
** A pack is YAML (redact/README.md): `pack`, an optional `description`,
** and `rules`, each a mapping of `kind`, `pattern`, optional `validate`,
** `needs` and `note`. Patterns compile once, with UTF and Unicode
** properties (\w, \b and \d know every script) and \C forbidden (it could
** cut a character in two). A rule with a validator is compiled as
** "(?:PATTERN\E)(?C255)": the callout at the end runs the validator on the
** would-be match and, when it refuses, makes PCRE2 backtrack, so
** "GB82 WEST 1234 5698 7654 32 EUR" still finds the IBAN without " EUR".
** (The \E closes an unterminated \Q, which would otherwise swallow the
** wrapper; a pattern that ends inside an (?x) comment fails to compile
** wrapped and is reported.) Every match is validated once more afterwards,
** since (*ACCEPT) can skip the callout.
**
** redact_text() runs each rule over the whole text (each pcre2_match()
** picks up where the last match ended, so a rule costs one pass), adds
** the author's handle and contacts, then keeps the longest candidates
** that do not overlap (ties: earliest, then the author's own data, then
** rules with a checksum, then rule order) and writes the text with each
** kept span replaced by "[KIND]". Each step is linear in the text: a scan
** never goes back inside a match, patterns repeat characters or bounded
** groups (an unbounded repeated group would grow the JIT stack with the
** match), and contact windows hold at most 15 digits.
*/
#include "redact.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sodium.h>
#include <yaml.h>

#include "buf.h"
#include "text.h"

/* The callout number our wrapper uses; a pattern's own callouts are
** ignored unless they use it too (then they validate early, which is
** harmless). */
#define VALIDATE_CALLOUT 255
/* Longest pattern text a rule may have. */
#define MAX_PATTERN 8192
/* PCRE2's backtracking budget per pcre2_match() call: far above what the
** shipped rules need on any text, low enough that a pathological pattern
** or text cannot stall a request thread. */
#define MATCH_LIMIT 5000000
/* JIT stack per thread: starts small, may grow to this. */
#define JIT_STACK_MAX (1024 * 1024)

enum validator { V_NONE, V_LUHN, V_IBAN, V_KENNITALA, V_IP, V_PHONE, NV };
static const char *const validator_names[NV] = { "none", "luhn", "iban",
	"kennitala", "ip", "phone" };

/* Kinds every set has, for the author's own data. */
enum { KIND_HANDLE, KIND_CONTACT, NFIXED };
static const char *const fixed_kinds[NFIXED] = { "HANDLE", "CONTACT" };

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
	char **kinds; /* kinds[0..NFIXED) are fixed_kinds */
	size_t nkinds;
	pcre2_code *digits; /* digit runs that may be a contact */
	pcre2_code *email;  /* e-mail-like words that may be a contact */
	struct gate gdigits, gemail; /* no needles */
	uint32_t ovec; /* ovector pairs the largest pattern needs */
};

/* The built-in patterns for contacts (see redact_text()). */
static const char DIGITS_RE[] =
    "(?<![0-9])(?:\\+ ?)?(?:\\( ?)?[0-9][0-9 .\\-()]*";
static const char EMAIL_RE[] =
    "(?<![\\w.%+\\-])[\\w.%+\\-]+@[\\w\\-]+\\.[\\w.\\-]*[\\w\\-]";

static void
gate_free(struct gate *g)
{
	size_t i;

	for (i = 0; g->needles != NULL && g->needles[i] != NULL; i++)
		free(g->needles[i]);
	free(g->needles);
	g->needles = NULL;
}

static int
oom(struct err *e)
{
	return (err_set(e, ERR_INTERNAL, "out of memory"));
}

/* ---------------------------------------------------------------------
** Validators
*/

static int
is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

static int
is_upper(char c)
{
	return (c >= 'A' && c <= 'Z');
}

int
redact_luhn_ok(const char *s, size_t n)
{
	int sum = 0, dbl = 0, nd = 0, d;
	size_t i;

	for (i = n; i-- > 0;) {
		if (!is_digit(s[i]))
			continue;
		d = s[i] - '0';
		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
		dbl = !dbl;
		nd++;
	}
	return (nd >= 12 && nd <= 19 && sum % 10 == 0);
}

/* IBAN lengths by country (SWIFT IBAN registry). */
static const struct {
	char cc[3];
	int len;
} iban_lengths[] = { { "AD", 24 }, { "AE", 23 }, { "AL", 28 }, { "AT", 20 },
	{ "AZ", 28 }, { "BA", 20 }, { "BE", 16 }, { "BG", 22 }, { "BH", 22 },
	{ "BI", 27 }, { "BR", 29 }, { "BY", 28 }, { "CH", 21 }, { "CR", 22 },
	{ "CY", 28 }, { "CZ", 24 }, { "DE", 22 }, { "DJ", 27 }, { "DK", 18 },
	{ "DO", 28 }, { "EE", 20 }, { "EG", 29 }, { "ES", 24 }, { "FI", 18 },
	{ "FK", 18 }, { "FO", 18 }, { "FR", 27 }, { "GB", 22 }, { "GE", 22 },
	{ "GI", 23 }, { "GL", 18 }, { "GR", 27 }, { "GT", 28 }, { "HR", 21 },
	{ "HU", 28 }, { "IE", 22 }, { "IL", 23 }, { "IQ", 23 }, { "IS", 26 },
	{ "IT", 27 }, { "JO", 30 }, { "KW", 30 }, { "KZ", 20 }, { "LB", 28 },
	{ "LC", 32 }, { "LI", 21 }, { "LT", 20 }, { "LU", 20 }, { "LV", 21 },
	{ "LY", 25 }, { "MC", 27 }, { "MD", 24 }, { "ME", 22 }, { "MK", 19 },
	{ "MN", 20 }, { "MR", 27 }, { "MT", 31 }, { "MU", 30 }, { "NI", 28 },
	{ "NL", 18 }, { "NO", 15 }, { "OM", 23 }, { "PK", 24 }, { "PL", 28 },
	{ "PS", 29 }, { "PT", 25 }, { "QA", 29 }, { "RO", 24 }, { "RS", 22 },
	{ "RU", 33 }, { "SA", 24 }, { "SC", 31 }, { "SD", 18 }, { "SE", 24 },
	{ "SI", 19 }, { "SK", 24 }, { "SM", 27 }, { "SO", 23 }, { "ST", 25 },
	{ "SV", 28 }, { "TL", 23 }, { "TN", 24 }, { "TR", 26 }, { "UA", 29 },
	{ "VA", 22 }, { "VG", 24 }, { "XK", 20 }, { "YE", 30 } };

int
redact_iban_ok(const char *s, size_t n)
{
	char v[34];
	size_t i, k = 0, j;
	unsigned rem = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!is_digit(c) && !is_upper(c))
			continue;
		if (k == sizeof(v))
			return (0);
		v[k++] = c;
	}
	if (k < 15 || !is_upper(v[0]) || !is_upper(v[1]) || !is_digit(v[2]) ||
	    !is_digit(v[3]))
		return (0);
	for (j = 0; j < sizeof(iban_lengths) / sizeof(iban_lengths[0]); j++)
		if (memcmp(iban_lengths[j].cc, v, 2) == 0 &&
		    (size_t)iban_lengths[j].len != k)
			return (0);
	/* The first four characters move to the end; A = 10 ... Z = 35. */
	for (i = 0; i < k; i++) {
		char c = v[(i + 4) % k];

		if (is_digit(c))
			rem = (rem * 10 + (unsigned)(c - '0')) % 97;
		else
			rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
	}
	return (rem == 1);
}

int
redact_kennitala_ok(const char *s, size_t n)
{
	static const int w[8] = { 3, 2, 7, 6, 5, 4, 3, 2 };
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
		30, 31 };
	int d[10], k = 0, sum = 0, i, day, month, year, check;
	size_t j;

	for (j = 0; j < n; j++) {
		if (!is_digit(s[j]))
			continue;
		if (k == 10)
			return (0);
		d[k++] = s[j] - '0';
	}
	if (k != 10)
		return (0);
	day = d[0] * 10 + d[1];
	month = d[2] * 10 + d[3];
	year = d[4] * 10 + d[5];
	if (day > 40) /* companies and institutions */
		day -= 40;
	if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1])
		return (0);
	switch (d[9]) {
	case 8: year += 1800; break;
	case 9: year += 1900; break;
	case 0: year += 2000; break;
	default: return (0);
	}
	if (month == 2 && day == 29 &&
	    !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return (0);
	for (i = 0; i < 8; i++)
		sum += w[i] * d[i];
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	return (check != 10 && check == d[8]);
}

/* An IPv4 or IPv6 address (an IPv6 zone "%eth0" is allowed). */
static int
ip_ok(const char *s, size_t n)
{
	unsigned char addr[16];
	char a[64];
	size_t k;

	if (n >= sizeof(a))
		return (0);
	memcpy(a, s, n);
	a[n] = '\0';
	if (memchr(a, ':', n) == NULL)
		return (inet_pton(AF_INET, a, addr) == 1);
	for (k = 0; k < n && a[k] != '%'; k++)
		;
	a[k] = '\0';
	return (inet_pton(AF_INET6, a, addr) == 1);
}

/* A phone number has 7 to 15 digits (E.164 allows 15). */
static int
phone_ok(const char *s, size_t n)
{
	size_t i, nd = 0;

	for (i = 0; i < n; i++)
		if (is_digit(s[i]))
			nd++;
	return (nd >= 7 && nd <= 15);
}

static int
validate(enum validator v, const char *s, size_t n)
{
	switch (v) {
	case V_NONE: return (1);
	case V_LUHN: return (redact_luhn_ok(s, n));
	case V_IBAN: return (redact_iban_ok(s, n));
	case V_KENNITALA: return (redact_kennitala_ok(s, n));
	case V_IP: return (ip_ok(s, n));
	case V_PHONE: return (phone_ok(s, n));
	case NV: break;
	}
	return (0);
}

/* ---------------------------------------------------------------------
** Text helpers
*/

/* The offset just past the character at ${i} (< ${n}) of UTF-8 ${s}. */
static size_t
next_char(const char *s, size_t n, size_t i)
{
	for (i++; i < n && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
		;
	return (i);
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
	oom(e);
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
	}
	free(rs->rules);
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
static pcre2_code *
compile(
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

	if ((rs->digits = compile(DIGITS_RE, sizeof(DIGITS_RE) - 1, 1, msg,
		 sizeof(msg), &off)) == NULL ||
	    (rs->email = compile(EMAIL_RE, sizeof(EMAIL_RE) - 1, 1, msg,
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

/* State of one pack parse: errors are "NAME:LINE: ...". */
struct pk {
	yaml_document_t doc;
	const char *name;
	struct redact_set *rs;
	struct err *e;
};

static int pk_err(const struct pk *k, const yaml_node_t *nd, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
pk_err(const struct pk *k, const yaml_node_t *nd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return (err_set(k->e, ERR_INVALID, "%s:%d: %s", k->name,
	    (int)nd->start_mark.line + 1, msg));
}

static yaml_node_t *
node(struct pk *k, yaml_node_item_t i)
{
	return (yaml_document_get_node(&k->doc, i));
}

/* The text of scalar ${nd}, or NULL if it is not a scalar or holds a NUL. */
static const char *
scalar(const yaml_node_t *nd)
{
	const char *s;

	if (nd == NULL || nd->type != YAML_SCALAR_NODE)
		return (NULL);
	s = (const char *)nd->data.scalar.value;
	if (strlen(s) != nd->data.scalar.length)
		return (NULL);
	return (s);
}

/* The non-empty string value ${nd} of ${key}, or NULL with the error set. */
static const char *
pk_string(struct pk *k, const yaml_node_t *nd, const char *key)
{
	const char *s = scalar(nd);

	if (s == NULL || *s == '\0' ||
	    (nd->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		(strcmp(s, "~") == 0 || strcmp(s, "null") == 0))) {
		pk_err(k, nd, "%s must be a non-empty string", key);
		return (NULL);
	}
	return (s);
}

/* 1 if ${s} is [A-Z][A-Z0-9_]* and short enough to be a kind. */
static int
is_kind_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= REDACT_MAX_KIND || !is_upper(s[0]))
		return (0);
	for (i = 1; i < n; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]) && s[i] != '_')
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
		if (!((s[i] >= 'a' && s[i] <= 'z') || is_digit(s[i]) ||
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
		return (pk_err(k, pn,
		    "rule %zu (%s): pattern is longer than %d "
		    "bytes",
		    idx, kind, MAX_PATTERN));
	/* Alone first, so an error's offset is in the author's own text. */
	if ((r->re = compile(pat, n, v == V_NONE, msg, sizeof(msg), &off)) ==
	    NULL)
		return (pk_err(k, pn,
		    "rule %zu (%s): bad pattern at offset %zu: "
		    "%s",
		    idx, kind, off, msg));
	if (v == V_NONE)
		return (0);
	pcre2_code_free(r->re);
	r->re = NULL;
	while (lead + 2 < n && pat[lead] == '(' && pat[lead + 1] == '*') {
		for (i = lead + 2; i < n &&
		     (is_upper(pat[i]) || is_digit(pat[i]) || pat[i] == '_' ||
			 pat[i] == '=');
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
		return (oom(k->e));
	}
	r->re = compile(b.p, b.n, 1, msg, sizeof(msg), &off);
	buf_free(&b);
	if (r->re == NULL)
		return (pk_err(k, pn,
		    "rule %zu (%s): pattern cannot take a "
		    "validator (does it end in a comment?): "
		    "%s",
		    idx, kind, msg));
	return (0);
}

/* The rule keys. */
enum { R_KIND, R_PATTERN, R_VALIDATE, R_NEEDS, R_NOTE, NR };
static const char *const rule_keys[NR] = { "kind", "pattern", "validate",
	"needs", "note" };

/* Most strings a `needs:` list may hold, and their longest. */
#define MAX_NEEDLES 32
#define MAX_NEEDLE  64

/* Reads rule ${idx}'s `needs:` list ${nd} into ${g}. 0 or -1. */
static int
pk_needs(struct pk *k, yaml_node_t *nd, size_t idx, struct gate *g)
{
	yaml_node_item_t *it;
	const char *s;
	size_t n = 0;

	if (nd->type != YAML_SEQUENCE_NODE ||
	    nd->data.sequence.items.top == nd->data.sequence.items.start ||
	    nd->data.sequence.items.top - nd->data.sequence.items.start >
		MAX_NEEDLES)
		return (pk_err(k, nd,
		    "rule %zu: needs must be a list of 1 to %d strings", idx,
		    MAX_NEEDLES));
	if ((g->needles = calloc((size_t)(nd->data.sequence.items.top -
				     nd->data.sequence.items.start) +
		     1,
		 sizeof(*g->needles))) == NULL)
		return (oom(k->e));
	for (it = nd->data.sequence.items.start;
	     it < nd->data.sequence.items.top; it++) {
		yaml_node_t *v = node(k, *it);

		if ((s = scalar(v)) == NULL || *s == '\0' ||
		    strlen(s) > MAX_NEEDLE)
			return (pk_err(k, v,
			    "rule %zu: each of needs must be a string of 1 to "
			    "%d bytes",
			    idx, MAX_NEEDLE));
		if ((g->needles[n++] = strdup(s)) == NULL)
			return (oom(k->e));
	}
	return (0);
}

/* Reads rule number ${idx} (1-based), mapping ${m}, and adds it. */
static int
pk_rule(struct pk *k, yaml_node_t *m, size_t idx)
{
	yaml_node_t *val[NR] = { 0 };
	yaml_node_pair_t *pr;
	struct redact_set *rs = k->rs;
	const char *kind, *vs;
	struct rule *rules, *r;
	enum validator v = V_NONE;
	int64_t ki;
	int f;

	if (m->type != YAML_MAPPING_NODE)
		return (pk_err(k, m,
		    "rule %zu must be a mapping of kind, pattern, validate",
		    idx));
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = node(k, pr->key);
		const char *ks = scalar(kn);

		for (f = 0; f < NR && (ks == NULL || strcmp(ks, rule_keys[f]));
		     f++)
			;
		if (f == NR)
			return (pk_err(k, kn, "rule %zu: unknown key '%s'", idx,
			    ks != NULL ? ks : "?"));
		if (val[f] != NULL)
			return (pk_err(
			    k, kn, "rule %zu: duplicate key '%s'", idx, ks));
		val[f] = node(k, pr->value);
	}
	if (val[R_KIND] == NULL)
		return (pk_err(k, m, "rule %zu: missing key 'kind'", idx));
	if (val[R_PATTERN] == NULL)
		return (pk_err(k, m, "rule %zu: missing key 'pattern'", idx));
	if ((kind = pk_string(k, val[R_KIND], "kind")) == NULL)
		return (-1);
	if (!is_kind_name(kind))
		return (pk_err(k, val[R_KIND],
		    "rule %zu: kind '%s' is not [A-Z][A-Z0-9_]* (at most %d)",
		    idx, kind, REDACT_MAX_KIND - 1));
	for (f = 0; f < NFIXED; f++)
		if (strcmp(kind, fixed_kinds[f]) == 0)
			return (pk_err(k, val[R_KIND],
			    "rule %zu: kind %s is reserved for the author's "
			    "own data",
			    idx, kind));
	if (pk_string(k, val[R_PATTERN], "pattern") == NULL)
		return (-1);
	if (val[R_VALIDATE] != NULL) {
		if ((vs = pk_string(k, val[R_VALIDATE], "validate")) == NULL)
			return (-1);
		for (v = 0; v < NV && strcmp(vs, validator_names[v]) != 0; v++)
			;
		if (v == NV)
			return (pk_err(k, val[R_VALIDATE],
			    "rule %zu (%s): unknown validator '%s' (none, "
			    "luhn, "
			    "iban, kennitala, ip, phone)",
			    idx, kind, vs));
	}
	if (val[R_NOTE] != NULL && scalar(val[R_NOTE]) == NULL)
		return (
		    pk_err(k, val[R_NOTE], "rule %zu: note must be text", idx));
	if ((rules = reallocarray(rs->rules, rs->nrules + 1, sizeof(*rules))) ==
	    NULL)
		return (oom(k->e));
	rs->rules = rules;
	r = &rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	if (pk_compile(k, val[R_PATTERN], idx, kind, v, r) == -1)
		return (-1);
	rs->nrules++; /* owns r->re from here */
	if ((ki = set_kind(rs, kind)) == -1)
		return (oom(k->e));
	r->kind = (uint32_t)ki;
	r->v = v;
	if (val[R_NEEDS] != NULL && pk_needs(k, val[R_NEEDS], idx, &r->g) == -1)
		return (-1);
	snprintf(r->where, sizeof(r->where), "%s:%d", k->name,
	    (int)val[R_PATTERN]->start_mark.line + 1);
	set_ovec(rs, r->re);
	gate_init(r->re, &r->g);
	return (0);
}

/* The root keys. */
enum { P_PACK, P_DESCRIPTION, P_RULES, NP };
static const char *const pack_keys[NP] = { "pack", "description", "rules" };

/* Reads the root of ${k}'s document; ${want} (or NULL) is the pack name
** the file must declare. */
static int
pk_root(struct pk *k, const char *want)
{
	yaml_node_t *root = yaml_document_get_root_node(&k->doc);
	yaml_node_t *val[NP] = { 0 };
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	const char *pack;
	size_t idx = 0;
	int f;

	if (root == NULL)
		return (err_set(
		    k->e, ERR_INVALID, "%s:1: the pack is empty", k->name));
	if (root->type != YAML_MAPPING_NODE)
		return (pk_err(k, root,
		    "a pack must be a mapping of pack, description, rules"));
	for (pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = node(k, pr->key);
		const char *ks = scalar(kn);

		for (f = 0; f < NP && (ks == NULL || strcmp(ks, pack_keys[f]));
		     f++)
			;
		if (f == NP)
			return (pk_err(
			    k, kn, "unknown key '%s'", ks != NULL ? ks : "?"));
		if (val[f] != NULL)
			return (pk_err(k, kn, "duplicate key '%s'", ks));
		val[f] = node(k, pr->value);
	}
	if (val[P_PACK] == NULL)
		return (pk_err(k, root, "missing key 'pack'"));
	if ((pack = pk_string(k, val[P_PACK], "pack")) == NULL)
		return (-1);
	if (!is_pack_name(pack))
		return (pk_err(
		    k, val[P_PACK], "pack '%s' is not [a-z0-9_-]+", pack));
	if (want != NULL && strcmp(pack, want) != 0)
		return (pk_err(k, val[P_PACK],
		    "pack '%s' should be named '%s' like its file", pack,
		    want));
	if (val[P_DESCRIPTION] != NULL && scalar(val[P_DESCRIPTION]) == NULL)
		return (
		    pk_err(k, val[P_DESCRIPTION], "description must be text"));
	if (val[P_RULES] == NULL)
		return (pk_err(k, root, "missing key 'rules'"));
	if (val[P_RULES]->type != YAML_SEQUENCE_NODE ||
	    val[P_RULES]->data.sequence.items.top ==
		val[P_RULES]->data.sequence.items.start)
		return (
		    pk_err(k, val[P_RULES], "rules must be a non-empty list"));
	for (it = val[P_RULES]->data.sequence.items.start;
	     it < val[P_RULES]->data.sequence.items.top; it++)
		if (pk_rule(k, node(k, *it), ++idx) == -1)
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
	struct pk k = { .name = name, .rs = rs, .e = e };
	yaml_parser_t parser;
	yaml_document_t extra;
	size_t bad;
	int rc = -1, line;

	if ((bad = utf8_invalid_at(p, n)) < n)
		return (err_set(e, ERR_INVALID, "%s:%d: %s", name,
		    text_line_of(p, n, bad),
		    ((const char *)p)[bad] == '\0' ? "NUL byte"
						   : "invalid UTF-8"));
	if (n > REDACT_MAX_PACK)
		return (err_set(e, ERR_INVALID, "%s:1: larger than %d bytes",
		    name, REDACT_MAX_PACK));
	if (!yaml_parser_initialize(&parser))
		return (oom(e));
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)p, n);
	if (!yaml_parser_load(&parser, &k.doc))
		goto yerr;
	/* One document only: a second one would be silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_document_delete(&k.doc);
		goto yerr;
	}
	if (yaml_document_get_root_node(&extra) != NULL)
		err_set(e, ERR_INVALID,
		    "%s:%d: a pack must be one YAML document", name,
		    (int)extra.start_mark.line + 1);
	else
		rc = pk_root(&k, want);
	yaml_document_delete(&extra);
	yaml_document_delete(&k.doc);
	yaml_parser_delete(&parser);
	return (rc);
yerr:
	if (parser.error == YAML_MEMORY_ERROR)
		oom(e);
	else {
		/* The reader counts bytes, not lines. */
		line = (int)parser.problem_mark.line + 1;
		if (parser.error == YAML_READER_ERROR)
			line = text_line_of(p, n,
			    parser.problem_offset < n ? parser.problem_offset
						      : n);
		err_set(e, ERR_INVALID, "%s:%d: YAML: %s%s%s%s", name, line,
		    parser.problem ? parser.problem : "error",
		    parser.context ? " (" : "",
		    parser.context ? parser.context : "",
		    parser.context ? ")" : "");
	}
	yaml_parser_delete(&parser);
	return (-1);
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
	return (oom(e));
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

/* ---------------------------------------------------------------------
** Contacts
*/

/* Longest normalized contact we hash. */
#define CONTACT_MAX 320

/*
** Writes the normalized phone number of the ${n} bytes at ${s} to ${out}
** (CONTACT_MAX bytes): '+' if the first non-space character is '+', then
** every ASCII digit; a leading "00" becomes '+'. Returns the length, or 0
** if there is no digit or it does not fit.
*/
static size_t
norm_phone(const char *s, size_t n, char *out)
{
	size_t i = 0, k = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '+')
		out[k++] = '+';
	for (; i < n; i++) {
		if (!is_digit(s[i]))
			continue;
		if (k == CONTACT_MAX)
			return (0);
		out[k++] = s[i];
	}
	if (k == 0 || (k == 1 && out[0] == '+'))
		return (0);
	if (k >= 3 && out[0] == '0' && out[1] == '0') {
		out[1] = '+';
		memmove(out, out + 1, --k);
	}
	return (k);
}

/*
** Writes the normalized e-mail address of the ${n} bytes at ${s} to ${out}
** (CONTACT_MAX bytes): spaces around it trimmed, ASCII letters lowercased.
** Returns the length, or 0 if it is not "x@y" or does not fit.
*/
static size_t
norm_email(const char *s, size_t n, char *out)
{
	const char *at;
	size_t i;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > CONTACT_MAX || (at = memchr(s, '@', n)) == NULL || at == s ||
	    at == s + n - 1)
		return (0);
	for (i = 0; i < n; i++)
		out[i] =
		    (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	return (n);
}

int
redact_contact_hash(const uint8_t key[32], const char *contact, uint8_t out[32])
{
	char norm[CONTACT_MAX];
	size_t n, k;

	if (contact == NULL || key == NULL)
		return (-1);
	n = strlen(contact);
	k = memchr(contact, '@', n) != NULL ? norm_email(contact, n, norm)
					    : norm_phone(contact, n, norm);
	if (k == 0)
		return (-1);
	crypto_generichash(out, 32, (const unsigned char *)norm, k, key, 32);
	sodium_memzero(norm, sizeof(norm));
	return (0);
}

/* ---------------------------------------------------------------------
** Redaction
*/

/* A span that may be replaced. Lower ${prio} wins ties. */
struct cand {
	size_t s, e;
	uint32_t kind;
	uint32_t prio;
};

/* State of one redact_text() call. */
struct scan {
	const struct redact_set *rs;
	const char *text;
	size_t n;
	const struct redact_ctx *ctx;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	struct cand *c;
	size_t nc, capc;
	struct err *e;
	/* Where each byte (ASCII letters folded to lower case) last occurs
	** in the text, -1 if nowhere: the gates of 25 rules ask it often. */
	int64_t lastpos[256];
};

static int
add_cand(struct scan *sc, size_t s, size_t e, uint32_t kind, uint32_t prio)
{
	struct cand *v;
	size_t cap;

	if (sc->nc == sc->capc) {
		cap = sc->capc ? sc->capc * 2 : 64;
		if ((v = reallocarray(sc->c, cap, sizeof(*v))) == NULL)
			return (oom(sc->e));
		sc->c = v;
		sc->capc = cap;
	}
	sc->c[sc->nc++] = (struct cand){ s, e, kind, prio };
	return (0);
}

/* The validating callout of a wrapped rule (see the top of this file). */
static int
on_callout(pcre2_callout_block *cb, void *arg)
{
	const struct rule *r = arg;

	if (cb->callout_number != VALIDATE_CALLOUT ||
	    cb->callout_string != NULL)
		return (0);
	if (cb->current_position <= cb->start_match)
		return (1);
	return (validate(r->v, (const char *)cb->subject + cb->start_match,
		    cb->current_position - cb->start_match)
		? 0
		: 1);
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/*
** The offset of the last occurrence of ${needle} (${len} > 0 bytes, ASCII
** letters in either case) in the text, or -1.
*/
static int64_t
last_of(const struct scan *sc, const char *needle, size_t len)
{
	const char *t = sc->text;
	size_t end = sc->n, i, k;
	int c0 = lower((unsigned char)needle[0]);

	if (len == 1 || sc->lastpos[c0] < 0)
		return (sc->lastpos[c0]);
	for (k = 1; k < len; k++) /* a byte that is nowhere: no match */
		if (sc->lastpos[lower((unsigned char)needle[k])] < 0)
			return (-1);
	end = (size_t)sc->lastpos[c0] + len; /* it starts there at most */
	if (end > sc->n)
		end = sc->n;

	while (end >= len) {
		/* Candidates for the first byte, from the right. */
		for (i = end - len + 1; i-- > 0;)
			if (lower((unsigned char)t[i]) == c0)
				break;
		if (i == (size_t)-1)
			return (-1);
		for (k = 1; k < len &&
		     lower((unsigned char)t[i + k]) ==
			 lower((unsigned char)needle[k]);
		     k++)
			;
		if (k == len)
			return ((int64_t)i);
		end = i + len - 1;
	}
	return (-1);
}

/* 1 if the ${n} bytes at ${s} hold one of ${g}'s needles (or it has none). */
static int
has_needle(const struct gate *g, const char *s, size_t n)
{
	size_t i, j, k, len;

	for (i = 0; g->needles != NULL && g->needles[i] != NULL; i++) {
		len = strlen(g->needles[i]);
		for (j = 0; j + len <= n; j++) {
			for (k = 0; k < len &&
			     lower((unsigned char)s[j + k]) ==
				 lower((unsigned char)g->needles[i][k]);
			     k++)
				;
			if (k == len)
				return (1);
		}
	}
	return (g->needles == NULL);
}

/*
** The last offset at which a match of gate ${g} may start, or -1 if the
** text cannot hold one.
*/
static int64_t
gate_last(const struct scan *sc, const struct gate *g)
{
	int64_t last = INT64_MAX, l, best;
	char cu[2];
	size_t i;

	if (g == NULL)
		return (last);
	if (g->cu >= 0) {
		cu[0] = (char)g->cu;
		last = last_of(sc, cu, 1);
	}
	if (g->needles != NULL) {
		for (best = -1, i = 0; g->needles[i] != NULL; i++)
			if ((l = last_of(sc, g->needles[i],
				 strlen(g->needles[i]))) > best)
				best = l;
		if (best < last)
			last = best;
	}
	return (last);
}

/*
** Runs ${re} (for ${r}, NULL for a built-in; gate ${g} or NULL) over the
** whole text, calling ${found} on each non-empty match. Returns 0, or -1
** with the error set.
*/
static int
scan_all(struct scan *sc, const pcre2_code *re, const struct gate *g,
    const struct rule *r,
    int (*found)(struct scan *, const struct rule *, size_t, size_t))
{
	PCRE2_SIZE *ov, s, e, off = 0;
	int64_t last = gate_last(sc, g);
	int rc;

	pcre2_set_callout(sc->mc, r != NULL ? on_callout : NULL, (void *)r);
	while (off < sc->n && (int64_t)off <= last) {
		/* The text is known to be UTF-8; jit_match skips the checks
		** pcre2_match() would make again on every call. */
		rc = pcre2_jit_match(
		    re, (PCRE2_SPTR)sc->text, sc->n, off, 0, sc->md, sc->mc);
		if (rc == PCRE2_ERROR_JIT_BADOPTION) /* not JIT-compiled */
			rc = pcre2_match(re, (PCRE2_SPTR)sc->text, sc->n, off,
			    PCRE2_NO_UTF_CHECK, sc->md, sc->mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0) {
			char msg[200];

			pcre2_get_error_message(
			    rc, (PCRE2_UCHAR *)msg, sizeof(msg));
			if (rc == PCRE2_ERROR_NOMEMORY)
				return (oom(sc->e));
			return (err_set(sc->e, ERR_INVALID,
			    "text: too complex to redact near byte %zu (rule "
			    "%s: %s)",
			    (size_t)off, r != NULL ? r->where : "built-in",
			    msg));
		}
		ov = pcre2_get_ovector_pointer(sc->md);
		s = ov[0];
		e = ov[1];
		if (e > s &&
		    (r == NULL ||
			(validate(r->v, sc->text + s, e - s) &&
			    has_needle(&r->g, sc->text + s, e - s)))) {
			if (found(sc, r, s, e) == -1)
				return (-1);
		}
		/*
		** A match refused here (no needle, or (*ACCEPT) skipped the
		** validator) is passed over whole like an accepted one: going
		** back inside it could make a scan quadratic.
		*/
		off = e > off ? e : next_char(sc->text, sc->n, off);
	}
	return (0);
}

/*
** Priorities: the author's contacts 0, handle 1, then rules with a
** checksum (a kennitala beats the phone pattern that also fits it), then
** the others, each group in rule order.
*/
static int
found_rule(struct scan *sc, const struct rule *r, size_t s, size_t e)
{
	uint32_t idx = (uint32_t)(r - sc->rs->rules);
	int checksum = r->v == V_LUHN || r->v == V_IBAN || r->v == V_KENNITALA;

	return (add_cand(sc, s, e, r->kind,
	    2 + idx + (checksum ? 0 : (uint32_t)sc->rs->nrules)));
}

/* 1 if the normalized contact ${norm} of ${n} bytes is one of ctx's. */
static int
is_contact(const struct scan *sc, const char *norm, size_t n)
{
	uint8_t h[32];
	size_t i;

	crypto_generichash(h, sizeof(h), (const unsigned char *)norm, n,
	    sc->ctx->contact_key, 32);
	for (i = 0; i < sc->ctx->ncontacts; i++)
		if (sodium_memcmp(h, sc->ctx->contact_hashes[i], 32) == 0)
			return (1);
	return (0);
}

/* Finds the next run of digits in [${p}, ${e}) of ${t}: 1 and its bounds,
** or 0. */
static int
next_group(const char *t, size_t p, size_t e, size_t *gs, size_t *ge)
{
	while (p < e && !is_digit(t[p]))
		p++;
	if (p >= e)
		return (0);
	*gs = p;
	while (p < e && is_digit(t[p]))
		p++;
	*ge = p;
	return (1);
}

/* Most digit groups a contact is written in ("+233 24 123 45 67" is 6). */
#define MAX_GROUPS 8

/*
** A run of digits with separators, [${s}, ${e}): every stretch of whole
** digit groups holding 7 to 15 digits in at most MAX_GROUPS groups is
** tried as a contact, so a contact is found beside other numbers ("call
** 024 123 4567 or 024 765 4321"). At most MAX_GROUPS hashes per group:
** linear in the run.
*/
static int
found_digits(struct scan *sc, const struct rule *r, size_t s, size_t e)
{
	const char *t = sc->text;
	char norm[CONTACT_MAX];
	size_t is, ie, js, je, p, q, nd, ng, ws, we, k;
	int open;

	(void)r;
	for (p = s; next_group(t, p, e, &is, &ie); p = ie) {
		for (nd = ng = 0, q = is; next_group(t, q, e, &js, &je);
		     q = je) {
			if ((nd += je - js) > 15 || ++ng > MAX_GROUPS)
				break;
			if (nd < 7)
				continue;
			/* The first group takes the '+' and '(' before it. */
			ws = p == s ? s : is;
			if (ws > s && t[ws - 1] == '(')
				ws--;
			we = je;
			for (open = 0, k = ws; k < we; k++)
				open += t[k] == '(' ? 1 : t[k] == ')' ? -1 : 0;
			if (open > 0 && we < sc->n && t[we] == ')')
				we++;
			if ((k = norm_phone(t + ws, we - ws, norm)) > 0 &&
			    is_contact(sc, norm, k) &&
			    add_cand(sc, ws, we, KIND_CONTACT, 0) == -1)
				return (-1);
		}
	}
	return (0);
}

static int
found_email(struct scan *sc, const struct rule *r, size_t s, size_t e)
{
	char norm[CONTACT_MAX];
	size_t k;

	(void)r;
	if ((k = norm_email(sc->text + s, e - s, norm)) > 0 &&
	    is_contact(sc, norm, k))
		return (add_cand(sc, s, e, KIND_CONTACT, 0));
	return (0);
}

static int
found_handle(struct scan *sc, const struct rule *r, size_t s, size_t e)
{
	(void)r;
	return (add_cand(sc, s, e, KIND_HANDLE, 1));
}

/*
** Texts longer than this get the handle pattern JIT-compiled (tens of
** microseconds). The interpreter looks for a caseless first character
** with one memchr() per case, each to the end of the text when that case
** is absent, and again on every call: quadratic for a long text full of
** the handle.
*/
#define HANDLE_JIT_MIN 4096

static const pcre2_code *handle_memo_get(const char *h, int jit);
static const pcre2_code *
handle_memo_put(const char *h, int jit, pcre2_code *re);

/*
** Adds every whole-word, any-case occurrence of ctx->handle. The handle
** is one literal, compiled with every character but letters and digits
** escaped (microseconds without JIT); the thread keeps the last one, as
** one person sends many texts.
*/
static int
scan_handle(struct scan *sc)
{
	const char *h = sc->ctx->handle;
	const pcre2_code *kept;
	struct buf b = { 0 };
	pcre2_code *re;
	char msg[200];
	size_t i, off;
	int rc, jit = sc->n > HANDLE_JIT_MIN;

	if (h == NULL || *h == '\0')
		return (0);
	if ((kept = handle_memo_get(h, jit)) != NULL)
		return (scan_all(sc, kept, NULL, NULL, found_handle));
	if (buf_puts(&b, "(?i)(?<!\\w)") == -1)
		goto nomem;
	for (i = 0; h[i] != '\0'; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c < 0x80 && !is_digit((char)c) &&
		    !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    buf_append(&b, "\\", 1) == -1)
			goto nomem;
		if (buf_append(&b, &h[i], 1) == -1)
			goto nomem;
	}
	if (buf_puts(&b, "(?!\\w)") == -1)
		goto nomem;
	re = compile(b.p, b.n, jit, msg, sizeof(msg), &off);
	buf_free(&b);
	if (re == NULL)
		return (err_set(sc->e, ERR_INVALID, "handle: %s", msg));
	if ((kept = handle_memo_put(h, jit, re)) != NULL)
		return (scan_all(sc, kept, NULL, NULL, found_handle));
	rc = scan_all(sc, re, NULL, NULL, found_handle);
	pcre2_code_free(re);
	return (rc);
nomem:
	buf_free(&b);
	return (oom(sc->e));
}

/* Longest first, then earliest, then lowest priority. */
static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	size_t lx = x->e - x->s, ly = y->e - y->s;

	if (lx != ly)
		return (lx > ly ? -1 : 1);
	if (x->s != y->s)
		return (x->s < y->s ? -1 : 1);
	return (x->prio < y->prio ? -1 : x->prio > y->prio);
}

static int
cand_start_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return (x->s < y->s ? -1 : x->s > y->s);
}

/*
** Keeps the winners among ${sc}'s candidates, in text order, in sc->c
** (sc->nc of them). ${taken} (sc->n bytes, zeroed) marks covered bytes.
*/
static void
choose(struct scan *sc, uint8_t *taken)
{
	size_t i, k, kept = 0;

	qsort(sc->c, sc->nc, sizeof(*sc->c), cand_cmp);
	for (i = 0; i < sc->nc; i++) {
		struct cand *c = &sc->c[i];

		/* Both ends first: most losers overlap a winner there. */
		if (taken[c->s] || taken[c->e - 1])
			continue;
		for (k = c->s; k < c->e && !taken[k]; k++)
			;
		if (k < c->e)
			continue;
		memset(taken + c->s, 1, c->e - c->s);
		sc->c[kept++] = *c;
	}
	sc->nc = kept;
	qsort(sc->c, sc->nc, sizeof(*sc->c), cand_start_cmp);
}

/*
** Writes the report ${count} (per kind of ${rs}) to ${b} as the compact
** JSON object, keys in byte order, that json_dumps() writes with
** JSON_COMPACT | JSON_SORT_KEYS: kinds are [A-Z][A-Z0-9_]*, nothing to
** escape. 0 or -1.
*/
static int
report_json(const struct redact_set *rs, const size_t *count, struct buf *b)
{
	const char *done = NULL, *next;
	size_t i, n = 0;

	if (buf_append(b, "{", 1) == -1)
		return (-1);
	/* A handful of kinds: pick the next one in order each time. */
	for (;;) {
		next = NULL;
		for (i = 0; i < rs->nkinds; i++)
			if (count[i] > 0 &&
			    (done == NULL || strcmp(rs->kinds[i], done) > 0) &&
			    (next == NULL || strcmp(rs->kinds[i], next) < 0))
				next = rs->kinds[i];
		if (next == NULL)
			break;
		for (i = 0; rs->kinds[i] != next; i++)
			;
		if ((n++ && buf_append(b, ",", 1) == -1) ||
		    buf_append(b, "\"", 1) == -1 || buf_puts(b, next) == -1 ||
		    buf_append(b, "\":", 2) == -1 ||
		    buf_int(b, (long long)count[i]) == -1)
			return (-1);
		done = next;
	}
	return (buf_append(b, "}", 1));
}

/* Writes the redacted text and report of ${sc}'s chosen spans to ${out}. */
static int
emit(struct scan *sc, struct redact_result *out)
{
	const struct redact_set *rs = sc->rs;
	int json_only = sc->ctx != NULL && sc->ctx->json_only;
	struct buf b = { 0 }, rb = { 0 };
	size_t *count = NULL, i, prev = 0;
	json_t *rep = NULL;

	if ((count = calloc(rs->nkinds, sizeof(*count))) == NULL ||
	    (!json_only && (rep = json_object()) == NULL))
		goto nomem;
	/* An empty result is still a string. */
	if (buf_append(&b, "", 0) == -1)
		goto nomem;
	for (i = 0; i < sc->nc; i++) {
		const struct cand *c = &sc->c[i];

		if (buf_append(&b, sc->text + prev, c->s - prev) == -1 ||
		    buf_append(&b, "[", 1) == -1 ||
		    buf_puts(&b, rs->kinds[c->kind]) == -1 ||
		    buf_append(&b, "]", 1) == -1)
			goto nomem;
		count[c->kind]++;
		prev = c->e;
	}
	if (buf_append(&b, sc->text + prev, sc->n - prev) == -1)
		goto nomem;
	for (i = 0; rep != NULL && i < rs->nkinds; i++)
		if (count[i] > 0 &&
		    json_object_set_new(rep, rs->kinds[i],
			json_integer((json_int_t)count[i])) == -1)
			goto nomem;
	if (report_json(rs, count, &rb) == -1)
		goto nomem;
	free(count);
	out->len = b.n;
	out->text = buf_take(&b);
	out->report = rep;
	out->report_json = buf_take(&rb);
	return (0);
nomem:
	free(count);
	json_decref(rep);
	buf_free(&b);
	buf_free(&rb);
	return (oom(sc->e));
}

/*
** Match data, match context and JIT stack are kept per thread: creating a
** JIT stack maps memory, and mapping and unmapping it on every call cost
** more than the matching (TLB shootdowns on every CPU). Freed when the
** thread exits.
*/
struct scratch {
	pcre2_match_data *md;
	uint32_t ovec;
	pcre2_match_context *mc;
	pcre2_jit_stack *js;
	char *handle;   /* the last handle scan_handle() compiled */
	int handle_jit; /* ... with JIT */
	pcre2_code *handle_re;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void
scratch_free(void *p)
{
	struct scratch *t = p;

	pcre2_match_data_free(t->md);
	pcre2_jit_stack_free(t->js);
	pcre2_match_context_free(t->mc);
	pcre2_code_free(t->handle_re);
	free(t->handle);
	free(t);
}

/*
** This thread's compiled pattern for handle ${h}, if it is the last one
** compiled here, and JIT-compiled if ${jit} asks for it (JIT or not, the
** answers are the same). NULL if not kept. Call after scratch_get().
*/
static const pcre2_code *
handle_memo_get(const char *h, int jit)
{
	struct scratch *t = pthread_getspecific(scratch_key);

	if (t == NULL || t->handle_re == NULL || t->handle_jit < jit ||
	    strcmp(t->handle, h) != 0)
		return (NULL);
	return (t->handle_re);
}

/*
** Keeps ${re}, compiled for ${h}, as this thread's handle pattern and
** returns it (the thread now owns it), or NULL if it cannot be kept (the
** caller still owns it). Call after scratch_get().
*/
static const pcre2_code *
handle_memo_put(const char *h, int jit, pcre2_code *re)
{
	struct scratch *t = pthread_getspecific(scratch_key);
	char *copy;

	if (t == NULL || (copy = strdup(h)) == NULL)
		return (NULL);
	pcre2_code_free(t->handle_re);
	free(t->handle);
	t->handle = copy;
	t->handle_jit = jit;
	t->handle_re = re;
	return (re);
}

static void
scratch_init(void)
{
	pthread_key_create(&scratch_key, scratch_free);
}

/* Fills sc->md, sc->mc, sc->js from this thread's scratch. 0 or -1. */
static int
scratch_get(struct scan *sc, uint32_t ovec)
{
	struct scratch *t;

	pthread_once(&scratch_once, scratch_init);
	if ((t = pthread_getspecific(scratch_key)) == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			return (-1);
		if ((t->mc = pcre2_match_context_create(NULL)) == NULL) {
			free(t);
			return (-1);
		}
		pcre2_set_match_limit(t->mc, MATCH_LIMIT);
		/* NULL if JIT is unavailable: PCRE2 then uses its own 32 KiB. */
		if ((t->js = pcre2_jit_stack_create(
			 32 * 1024, JIT_STACK_MAX, NULL)) != NULL)
			pcre2_jit_stack_assign(t->mc, NULL, t->js);
		pthread_setspecific(scratch_key, t);
	}
	if (t->md == NULL || t->ovec < ovec) {
		pcre2_match_data_free(t->md);
		if ((t->md = pcre2_match_data_create(ovec, NULL)) == NULL) {
			t->ovec = 0;
			return (-1);
		}
		t->ovec = ovec;
	}
	sc->md = t->md;
	sc->mc = t->mc;
	sc->js = t->js;
	return (0);
}

int
redact_text(const struct redact_set *rs, const char *text, size_t n,
    const struct redact_ctx *ctx, struct redact_result *out, struct err *e)
{
	struct scan sc = { .rs = rs, .text = text, .n = n, .ctx = ctx, .e = e };
	uint8_t *taken = NULL;
	size_t bad, i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n > 0 && (bad = utf8_invalid_at((const uint8_t *)text, n)) < n)
		return (err_set(e, ERR_INVALID, "text: %s at byte %zu",
		    text[bad] == '\0' ? "NUL byte" : "invalid UTF-8", bad));
	if (scratch_get(&sc, rs->ovec) == -1) {
		oom(e);
		goto out;
	}
	memset(sc.lastpos, 0xff, sizeof(sc.lastpos)); /* all -1 */
	for (i = 0; i < n; i++)
		sc.lastpos[lower((unsigned char)text[i])] = (int64_t)i;
	for (i = 0; i < rs->nrules; i++)
		if (scan_all(&sc, rs->rules[i].re, &rs->rules[i].g,
			&rs->rules[i], found_rule) == -1)
			goto out;
	if (ctx != NULL && scan_handle(&sc) == -1)
		goto out;
	if (ctx != NULL && ctx->ncontacts > 0 && ctx->contact_key != NULL &&
	    ctx->contact_hashes != NULL &&
	    (scan_all(&sc, rs->digits, &rs->gdigits, NULL, found_digits) ==
		    -1 ||
		scan_all(&sc, rs->email, &rs->gemail, NULL, found_email) == -1))
		goto out;
	if (sc.nc > 0) {
		if ((taken = calloc(n, 1)) == NULL) {
			oom(e);
			goto out;
		}
		choose(&sc, taken);
	}
	rc = emit(&sc, out);
out:
	free(taken);
	free(sc.c);
	return (rc);
}

void
redact_result_free(struct redact_result *r)
{
	if (r == NULL)
		return;
	free(r->text);
	json_decref(r->report);
	free(r->report_json);
	memset(r, 0, sizeof(*r));
}
