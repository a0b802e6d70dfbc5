/*
** Redaction of personal data (redact.h): redact_text(), the matcher that
** runs a compiled rule set (rulepack.c builds it, validators.c checks its
** matches), and the author's own contacts.
**
** redact_text() runs each rule over the whole text (each pcre2_match()
** picks up where the last match ended, so a rule costs one pass), adds
** the people's names the packs' name lists find (redact_names.c) and the
** author's handle and contacts, then keeps the longest candidates that do
** not overlap (ties: earliest, then the author's own data, then rules
** with a checksum, then rule order, then names from the lists) and writes
** the text with each kept span replaced by "[KIND]". Each step is linear in the text: a scan
** never goes back inside a match, patterns repeat characters or bounded
** groups (an unbounded repeated group would grow the JIT stack with the
** match), and contact windows hold at most 15 digits.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "redact_int.h"
#include "text.h"

/* PCRE2's backtracking budget per pcre2_match() call: far above what the
** shipped rules need on any text, low enough that a pathological pattern
** or text cannot stall the thread that redacts. */
#define MATCH_LIMIT 5000000
/* JIT stack per thread: starts small, may grow to this. */
#define JIT_STACK_MAX (1024 * 1024)

/* The offset just past the character at ${i} (< ${n}) of UTF-8 ${s}. */
static size_t
next_char(const char *s, size_t n, size_t i)
{
	for (i++; i < n && ((unsigned char)s[i] & 0xc0) == 0x80; i++)
		;
	return (i);
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
		if (!redact_is_digit(s[i]))
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
			return (err_oom(sc->e));
		sc->c = v;
		sc->capc = cap;
	}
	sc->c[sc->nc++] = (struct cand){ s, e, kind, prio };
	return (0);
}

/* The validating callout of a wrapped rule (see the top of rulepack.c). */
static int
on_callout(pcre2_callout_block *cb, void *arg)
{
	const struct rule *r = arg;

	if (cb->callout_number != VALIDATE_CALLOUT ||
	    cb->callout_string != NULL)
		return (0);
	if (cb->current_position <= cb->start_match)
		return (1);
	return (
	    redact_validate(r->v, (const char *)cb->subject + cb->start_match,
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

/* 1 if the ${n} bytes at ${s} hold one of the strings of ${v} (ASCII
** letters in either case), or ${v} is NULL. */
static int
holds(char *const *v, const char *s, size_t n)
{
	size_t i, j, k, len;

	for (i = 0; v != NULL && v[i] != NULL; i++) {
		len = strlen(v[i]);
		for (j = 0; j + len <= n; j++) {
			for (k = 0; k < len &&
			     lower((unsigned char)s[j + k]) ==
				 lower((unsigned char)v[i][k]);
			     k++)
				;
			if (k == len)
				return (1);
		}
	}
	return (v == NULL);
}

/* 1 if the ${n} bytes at ${s} hold one of ${g}'s needles (or it has none). */
static int
has_needle(const struct gate *g, const char *s, size_t n)
{
	return (holds(g->needles, s, n));
}

/* The line a rule's last match with `context:` stood on, and whether it
** holds one of the strings. */
struct ctxline {
	size_t s, e;
	int ok, valid;
};

/*
** 1 if the line holding offset ${at} holds one of rule ${r}'s context
** strings (or it has none). Lines are read once per rule's scan: ${cl}
** remembers the last one, and matches come in text order.
*/
static int
in_context(
    const struct scan *sc, const struct rule *r, size_t at, struct ctxline *cl)
{
	const char *p;

	if (r == NULL || r->context == NULL)
		return (1);
	if (!cl->valid || at < cl->s || at >= cl->e) {
		for (cl->s = at; cl->s > 0 && sc->text[cl->s - 1] != '\n';
		     cl->s--)
			;
		p = memchr(sc->text + at, '\n', sc->n - at);
		cl->e = p != NULL ? (size_t)(p - sc->text) : sc->n;
		cl->ok = holds(r->context, sc->text + cl->s, cl->e - cl->s);
		cl->valid = 1;
	}
	return (cl->ok);
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
	struct ctxline cl = { 0 };
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
				return (err_oom(sc->e));
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
			(redact_validate(r->v, sc->text + s, e - s) &&
			    has_needle(&r->g, sc->text + s, e - s) &&
			    in_context(sc, r, s, &cl)))) {
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
	while (p < e && !redact_is_digit(t[p]))
		p++;
	if (p >= e)
		return (0);
	*gs = p;
	while (p < e && redact_is_digit(t[p]))
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

/* A name the lists found: after every rule in ties. */
static int
found_name(void *arg, size_t s, size_t e)
{
	struct scan *sc = arg;

	return (
	    add_cand(sc, s, e, KIND_NAME, 2 + 2 * (uint32_t)sc->rs->nrules));
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

		if (c < 0x80 && !redact_is_digit((char)c) &&
		    !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
		    buf_append(&b, "\\", 1) == -1)
			goto nomem;
		if (buf_append(&b, &h[i], 1) == -1)
			goto nomem;
	}
	if (buf_puts(&b, "(?!\\w)") == -1)
		goto nomem;
	re = redact_compile(b.p, b.n, jit, msg, sizeof(msg), &off);
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
	return (err_oom(sc->e));
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
	return (err_oom(sc->e));
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
	int keep_names = ctx != NULL && ctx->keep_names;
	uint8_t *taken = NULL;
	size_t bad, i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (n > 0 && (bad = utf8_invalid_at((const uint8_t *)text, n)) < n)
		return (err_set(e, ERR_INVALID, "text: %s at byte %zu",
		    text[bad] == '\0' ? "NUL byte" : "invalid UTF-8", bad));
	if (scratch_get(&sc, rs->ovec) == -1) {
		err_oom(e);
		goto out;
	}
	memset(sc.lastpos, 0xff, sizeof(sc.lastpos)); /* all -1 */
	for (i = 0; i < n; i++)
		sc.lastpos[lower((unsigned char)text[i])] = (int64_t)i;
	for (i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];

		/* A campaign that keeps names keeps them from rules too. */
		if (keep_names && r->kind == KIND_NAME)
			continue;
		if (scan_all(&sc, r->re, &r->g, r, found_rule) == -1)
			goto out;
	}
	if (!keep_names &&
	    names_find(&rs->names, text, n, ctx, found_name, &sc) == -1) {
		err_oom(e);
		goto out;
	}
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
			err_oom(e);
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
