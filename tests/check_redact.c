/*
** Redaction (redact.h): the shipped packs against the labelled corpus
** (tests/redact/corpus.tsv and names.tsv, the tuning set), with recall and
** precision per kind printed and each held to a floor just under what it
** measured, and against the held-out batch tests/redact/heldout.tsv,
** printed apart and held to nothing; the validators; people's names (the
** finder's rules one by one, a campaign's allowed names and "names":
** false, the packs' names: sections and their errors); the author's handle
** and contacts; refusals (bad UTF-8, bad packs with file and line, a text
** that drives a rule past the match limit); empty and 1 MB texts; many
** threads on one set.
*/
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "account.h"
#include "blob.h"
#include "buf.h"
#include "campaign.h"
#include "licences.h"
#include "node.h"
#include "redact.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
** Quality floors over the tuning set, per kind: each just under what the
** shipped packs measure (the figures are in the comments), so that a
** regression of a line or two fails. NAME may never go below recall 0.90
** and precision 0.95 (issue 20); its floor sits above that, just under
** its figure, like the others. Raise a floor when a figure rises; lower
** one only with the reason in the commit.
*/
static const struct floor {
	const char *kind;
	double recall, precision;
} floors[] = {
	{ "EMAIL", 0.99, 0.99 },       /* 44 TP: 1.000 1.000 */
	{ "URL", 0.99, 0.99 },         /* 23 TP: 1.000 1.000 */
	{ "IP", 0.99, 0.99 },          /* 19 TP: 1.000 1.000 */
	{ "PHONE", 0.985, 0.99 },      /* 126 TP, 1 FN: 0.992 1.000 */
	{ "CARD", 0.99, 0.99 },        /* 19 TP: 1.000 1.000 */
	{ "IBAN", 0.99, 0.99 },        /* 14 TP: 1.000 1.000 */
	{ "KENNITALA", 0.99, 0.99 },   /* 19 TP: 1.000 1.000 */
	{ "NATIONAL_ID", 0.99, 0.99 }, /* 13 TP: 1.000 1.000 */
	{ "NAME", 0.98, 0.98 },        /* 412 TP, 5 FP, 5 FN: 0.988 0.988 */
};
/* Lines whose output is the expected line byte for byte: 990 of 1001,
** 0.989. */
#define MIN_EXACT 0.985

/* Every pack in redact/. Fails the test if they do not load. */
static struct redact_set *
load_all(void)
{
	struct err e = { 0 };
	struct redact_set *rs;

	rs = redact_load(tu_src_path("redact"), NULL, 0, &e);
	ck_assert_msg(rs != NULL, "redact_load: %s", e.msg);
	return (rs);
}

/* Redacts NUL-terminated ${s}; the caller frees the text. */
static char *
redact_str(
    const struct redact_set *rs, const char *s, const struct redact_ctx *ctx)
{
	struct redact_result r;
	struct err e = { 0 };
	char *t;

	ck_assert_msg(redact_text(rs, s, strlen(s), ctx, &r, &e) == 0,
	    "redact_text(%s): %s", s, e.msg);
	ck_assert_uint_eq(strlen(r.text), r.len);
	t = strdup(r.text);
	redact_result_free(&r);
	return (t);
}

/* ---------------------------------------------------------------------
** The corpus and its scores
**
** Each line of corpus.tsv is "input<TAB>expected", the expected text being
** the input with every piece of personal data replaced by its placeholder.
** We redact the input and compare placeholders, not characters:
**
** - An output is read as literal text and placeholders ("[EMAIL]" etc.,
**   one of the known kinds). Each placeholder occurrence gets its kind,
**   B = the number of literal bytes before it and A = the number after it.
** - A predicted placeholder is a true positive if an expected placeholder
**   of the same kind, not yet paired, sits at the same position: the same
**   B (same literal text length before it) or the same A (same after it).
**   Either side is enough so that one wrong span in a line (which shifts
**   the literal counts on one side of it) does not also fail the correct
**   placeholders elsewhere in that line. Pairing goes left to right.
** - Unpaired predicted placeholders are false positives of their kind,
**   unpaired expected ones false negatives.
** - recall = TP / (TP + FN), precision = TP / (TP + FP), per kind.
**
** A placeholder at the right position with wrong bounds (it ate a word
** or left a digit) counts as found, so the exact-line rate (the output
** equals the expected line byte for byte) is held to a floor as well.
*/

static const char *const kinds[] = { "EMAIL", "URL", "IP", "PHONE", "CARD",
	"IBAN", "KENNITALA", "NATIONAL_ID", "NAME", "HANDLE", "CONTACT" };
#define NKINDS NELEM(kinds)

struct ph {
	int kind;
	size_t before, after;
	int paired;
};

/* The placeholders of ${s} in order, into ${v} (at most ${cap}). */
static size_t
placeholders(const char *s, struct ph *v, size_t cap)
{
	size_t n = 0, lit = 0, len = strlen(s), i, k, kl, total;

	for (i = 0; i < len;) {
		int found = -1;

		if (s[i] == '[')
			for (k = 0; k < NKINDS; k++) {
				kl = strlen(kinds[k]);
				if (strncmp(s + i + 1, kinds[k], kl) == 0 &&
				    s[i + 1 + kl] == ']') {
					found = (int)k;
					break;
				}
			}
		if (found < 0) {
			lit++;
			i++;
			continue;
		}
		if (n < cap)
			v[n++] = (struct ph){ found, lit, 0, 0 };
		i += strlen(kinds[found]) + 2;
	}
	total = lit;
	for (k = 0; k < n; k++)
		v[k].after = total - v[k].before;
	return (n);
}

struct score {
	size_t tp[NKINDS], fp[NKINDS], fn[NKINDS];
	size_t lines, exact;
};

static void
score_line(struct score *sc, const char *got, const char *want)
{
	struct ph g[64], w[64];
	size_t ng = placeholders(got, g, 64), nw = placeholders(want, w, 64);
	size_t i, j;

	for (i = 0; i < ng; i++) {
		for (j = 0; j < nw; j++)
			if (!w[j].paired && w[j].kind == g[i].kind &&
			    (w[j].before == g[i].before ||
				w[j].after == g[i].after))
				break;
		if (j < nw) {
			w[j].paired = g[i].paired = 1;
			sc->tp[g[i].kind]++;
		} else
			sc->fp[g[i].kind]++;
	}
	for (j = 0; j < nw; j++)
		if (!w[j].paired)
			sc->fn[w[j].kind]++;
	sc->lines++;
	if (strcmp(got, want) == 0)
		sc->exact++;
}

/*
** Runs every line of tests/redact/${file} through ${rs} and scores it into
** ${sc}; mismatching lines are printed. Lines that are empty or start with
** '#' are skipped.
*/
static void
run_corpus(const struct redact_set *rs, const char *file, struct score *sc)
{
	char path[256], *corpus, *line, *save = NULL, *tab, *got;
	size_t n;

	snprintf(path, sizeof(path), "tests/redact/%s", file);
	corpus = tu_slurp(tu_src_path(path), &n);
	for (line = strtok_r(corpus, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		ck_assert_msg(
		    tab != NULL, "%s: a line has no tab: %s", file, line);
		*tab = '\0';
		got = redact_str(rs, line, NULL);
		score_line(sc, got, tab + 1);
		if (strcmp(got, tab + 1) != 0)
			printf("MISMATCH (%s)\n  in:   %s\n  want: %s\n  got:  "
			       "%s\n",
			    file, line, tab + 1, got);
		free(got);
	}
	free(corpus);
}

/* The floor of ${kind}, or NULL (HANDLE, CONTACT: no corpus lines). */
static const struct floor *
floor_of(const char *kind)
{
	size_t i;

	for (i = 0; i < NELEM(floors); i++)
		if (strcmp(floors[i].kind, kind) == 0)
			return (&floors[i]);
	return (NULL);
}

/*
** Prints ${sc} as a table headed ${title}; with ${hold}, marks and counts
** the kinds below their floor. Returns the number below.
*/
static int
print_score(const char *title, const struct score *sc, int hold)
{
	const struct floor *f;
	double r, p;
	size_t k;
	int bad = 0, below;

	printf("\n%s\n%-12s %5s %5s %5s %8s %9s\n", title, "kind", "TP", "FP",
	    "FN", "recall", "precision");
	for (k = 0; k < NKINDS; k++) {
		if (sc->tp[k] + sc->fp[k] + sc->fn[k] == 0)
			continue;
		r = sc->tp[k] + sc->fn[k]
		    ? (double)sc->tp[k] / (sc->tp[k] + sc->fn[k])
		    : 1.0;
		p = sc->tp[k] + sc->fp[k]
		    ? (double)sc->tp[k] / (sc->tp[k] + sc->fp[k])
		    : 1.0;
		f = floor_of(kinds[k]);
		below =
		    hold && f != NULL && (r < f->recall || p < f->precision);
		printf("%-12s %5zu %5zu %5zu %8.3f %9.3f%s\n", kinds[k],
		    sc->tp[k], sc->fp[k], sc->fn[k], r, p,
		    below ? "  BELOW FLOOR" : "");
		bad += below;
	}
	printf("exact lines: %zu of %zu (%.3f)\n", sc->exact, sc->lines,
	    (double)sc->exact / sc->lines);
	fflush(stdout);
	return (bad);
}

START_TEST(test_corpus)
{
	struct redact_set *rs = load_all();
	struct score sc = { 0 }, held = { 0 };
	double exact;
	int bad;

	run_corpus(rs, "corpus.tsv", &sc);
	run_corpus(rs, "names.tsv", &sc);
	ck_assert_uint_ge(sc.lines, 900);
	bad = print_score("tuning set (corpus.tsv, names.tsv)", &sc, 1);
	/* Scored, never tuned to: no floor (see its header). */
	run_corpus(rs, "heldout.tsv", &held);
	print_score("held-out set (heldout.tsv), held to no floor", &held, 0);
	exact = (double)sc.exact / sc.lines;
	ck_assert_msg(!bad, "a kind is below its floor (see the table)");
	ck_assert_msg(
	    exact >= MIN_EXACT, "only %.3f of lines match exactly", exact);
	redact_free(rs);
}
END_TEST

/*
** Every kind has labelled lines, and names.tsv holds at least 300 lines
** with a name and 150 look-alikes with none (issue 20).
*/
START_TEST(test_corpus_covers_kinds)
{
	static const char *const need[] = { "[EMAIL]", "[URL]", "[IP]",
		"[PHONE]", "[CARD]", "[IBAN]", "[KENNITALA]", "[NATIONAL_ID]" };
	char *corpus, *line, *save = NULL, *tab;
	size_t n, i, named = 0, plain = 0;

	corpus = tu_slurp(tu_src_path("tests/redact/corpus.tsv"), &n);
	for (i = 0; i < NELEM(need); i++)
		ck_assert_msg(strstr(corpus, need[i]) != NULL,
		    "corpus has no %s", need[i]);
	free(corpus);
	corpus = tu_slurp(tu_src_path("tests/redact/names.tsv"), &n);
	for (line = strtok_r(corpus, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if (strstr(tab + 1, "[NAME]") != NULL)
			named++;
		else if (strchr(tab + 1, '[') == NULL) {
			ck_assert_msg(strcmp(tab + 1, line) == 0,
			    "a look-alike is labelled otherwise: %s", line);
			plain++;
		}
	}
	free(corpus);
	ck_assert_uint_ge(named, 300);
	ck_assert_uint_ge(plain, 150);
}
END_TEST

/* ---------------------------------------------------------------------
** Validators
*/

START_TEST(test_luhn)
{
	static const char *const ok[] = { "4111 1111 1111 1111",
		"5555-5555-5555-4444", "378282246310005", "6011111111111117",
		"3056 930902 5904", "2223003122003222" };
	static const char *const no[] = { "4111 1111 1111 1112", "79927398713",
		"4111", "", "0000 0000 0000 00000 0000",
		"1234 5678 9012 3456" };
	size_t i;

	for (i = 0; i < NELEM(ok); i++)
		ck_assert_msg(
		    redact_luhn_ok(ok[i], strlen(ok[i])), "%s", ok[i]);
	for (i = 0; i < NELEM(no); i++)
		ck_assert_msg(
		    !redact_luhn_ok(no[i], strlen(no[i])), "%s", no[i]);
	/* The length is honoured: the 17th digit is outside n. */
	ck_assert(!redact_luhn_ok("41111111111111112", 17));
	ck_assert(redact_luhn_ok("41111111111111112", 16));
}
END_TEST

START_TEST(test_iban)
{
	static const char *const ok[] = { "GB82 WEST 1234 5698 7654 32",
		"IS14 0159 2600 7654 5510 7303 39", "DE89370400440532013000",
		"FR14 2004 1010 0505 0001 3M02 606", "NO93 8601 1117 947",
		"gb82 west 1234 5698 7654 32" };
	static const char *const no[] = { "GB82 WEST 1234 5698 7654 33",
		"GB82 WEST 1234 5698 7654 3", /* wrong length for GB */
		"IS14 0159 2600 7654 5510 7303 3",
		"DE89 3704 0044 0532 0130 01", "GB", "", "1234 5678 9012 3456",
		"GBXX WEST 1234 5698 7654 32",
		"GB82 WEST 1234 5698 7654 32 1234 5678 9012 3456" };
	size_t i;

	for (i = 0; i < NELEM(ok); i++)
		ck_assert_msg(
		    redact_iban_ok(ok[i], strlen(ok[i])), "%s", ok[i]);
	for (i = 0; i < NELEM(no); i++)
		ck_assert_msg(
		    !redact_iban_ok(no[i], strlen(no[i])), "%s", no[i]);
}
END_TEST

START_TEST(test_kennitala)
{
	static const char *const ok[] = { "120389-4599", "0101702229",
		"290284-3179", /* 1984 is a leap year */
		"150602-1060", "311299-5739",
		"410492-1139", /* a company: day + 40 */
		"111111-1110" };
	static const char *const no[] = { "120389-4569", /* check digit */
		"300289-1269",                           /* 30 February */
		"290285-1279", /* 1985 is not a leap year */
		"140591-1225", /* century digit 5 */
		"1203890509",  /* 11 - sum mod 11 = 10: never valid */
		"121389-4599", /* month 13 */
		"120389-459", "120389-45999", "" };
	size_t i;

	for (i = 0; i < NELEM(ok); i++)
		ck_assert_msg(
		    redact_kennitala_ok(ok[i], strlen(ok[i])), "%s", ok[i]);
	for (i = 0; i < NELEM(no); i++)
		ck_assert_msg(
		    !redact_kennitala_ok(no[i], strlen(no[i])), "%s", no[i]);
}
END_TEST

/* ---------------------------------------------------------------------
** The author's own data
*/

START_TEST(test_handle)
{
	struct redact_set *rs = load_all();
	struct redact_ctx ctx = { .handle = "kofi_m" };
	char *t;

	t = redact_str(rs,
	    "I am Kofi_M. KOFI_M's cousin kofi_mx and xkofi_m are others; "
	    "@kofi_m on the radio.",
	    &ctx);
	ck_assert_str_eq(t,
	    "I am [HANDLE]. [HANDLE]'s cousin kofi_mx and xkofi_m are others; "
	    "@[HANDLE] on the radio.");
	free(t);

	/* Unicode case folding, and letters of any script bound a word.
	** The handle wins over the name it also is; Þórarinn is someone
	** else, a name. */
	ctx.handle = "Þóra";
	t = redact_str(rs, "ÞÓRA og þóra, en ekki Þórarinn eða aÞóra.", &ctx);
	ck_assert_str_eq(t, "[HANDLE] og [HANDLE], en ekki [NAME] eða aÞóra.");
	free(t);
	/* Inside a longer name, the whole name goes. */
	ctx.handle = "ama";
	t = redact_str(rs, "Ama came; Ama Owusu too.", &ctx);
	ck_assert_str_eq(t, "[HANDLE] came; [NAME] too.");
	free(t);

	/* A handle is a literal, never a pattern. */
	ctx.handle = "a.b+(c)";
	t = redact_str(rs, "a.b+(c) axbbb(c) a.b+(c)", &ctx);
	ck_assert_str_eq(t, "[HANDLE] axbbb(c) [HANDLE]");
	free(t);

	/* Inside a longer match (an e-mail), the longer one wins. */
	ctx.handle = "ama";
	t = redact_str(rs, "ama writes from ama@example.org", &ctx);
	ck_assert_str_eq(t, "[HANDLE] writes from [EMAIL]");
	free(t);

	/* A long text (the handle pattern is JIT-compiled there). */
	{
		struct redact_result r;
		struct err e = { 0 };
		struct buf b = { 0 };
		size_t i;

		ctx.handle = "kofi_m";
		for (i = 0; i < 3000; i++)
			ck_assert_int_eq(buf_puts(&b, "Kofi_M x "), 0);
		ck_assert_int_eq(redact_text(rs, b.p, b.n, &ctx, &r, &e), 0);
		ck_assert_int_eq(
		    json_integer_value(json_object_get(r.report, "HANDLE")),
		    3000);
		ck_assert_uint_eq(r.len, 3000 * strlen("[HANDLE] x "));
		redact_result_free(&r);
		buf_free(&b);
	}

	/* No handle: nothing happens. */
	ctx.handle = "";
	t = redact_str(rs, "ama", &ctx);
	ck_assert_str_eq(t, "ama");
	free(t);
	redact_free(rs);
}
END_TEST

START_TEST(test_contact_hash)
{
	uint8_t key[32], a[32], b[32];

	memset(key, 7, sizeof(key));
	ck_assert_int_eq(redact_contact_hash(key, "+233 (24) 123-4567", a), 0);
	ck_assert_int_eq(redact_contact_hash(key, "00233241234567", b), 0);
	ck_assert_mem_eq(a, b, 32);
	ck_assert_int_eq(redact_contact_hash(key, " +233.24.123.4567 ", b), 0);
	ck_assert_mem_eq(a, b, 32);
	/* The local form is another number: we cannot know the country. */
	ck_assert_int_eq(redact_contact_hash(key, "024 123 4567", b), 0);
	ck_assert(memcmp(a, b, 32) != 0);

	ck_assert_int_eq(
	    redact_contact_hash(key, " Ama.Owusu@Example.ORG", a), 0);
	ck_assert_int_eq(
	    redact_contact_hash(key, "ama.owusu@example.org", b), 0);
	ck_assert_mem_eq(a, b, 32);

	/* Another key, another hash. */
	key[0] ^= 1;
	ck_assert_int_eq(
	    redact_contact_hash(key, "ama.owusu@example.org", a), 0);
	ck_assert(memcmp(a, b, 32) != 0);

	ck_assert_int_eq(redact_contact_hash(key, "", a), -1);
	ck_assert_int_eq(redact_contact_hash(key, "+", a), -1);
	ck_assert_int_eq(redact_contact_hash(key, "no digits", a), -1);
	ck_assert_int_eq(redact_contact_hash(key, "@example.org", a), -1);
	ck_assert_int_eq(redact_contact_hash(key, NULL, a), -1);
}
END_TEST

START_TEST(test_contacts)
{
	struct redact_set *rs = load_all();
	uint8_t key[32], hashes[3][32];
	struct redact_ctx ctx = { 0 };
	struct redact_result r;
	struct err e = { 0 };
	const char *s;
	char *t;

	randombytes_buf(key, sizeof(key));
	ck_assert_int_eq(
	    redact_contact_hash(key, "+233 24 123 4567", hashes[0]), 0);
	ck_assert_int_eq(
	    redact_contact_hash(key, "Ama.Owusu@Example.org", hashes[1]), 0);
	/* A number no pack knows the shape of. */
	ck_assert_int_eq(redact_contact_hash(key, "31415926", hashes[2]), 0);
	ctx.contact_key = key;
	ctx.contact_hashes = (const uint8_t(*)[32])hashes;
	ctx.ncontacts = 3;

	/* Written oddly: 00 prefix, brackets, dots, dashes. */
	t = redact_str(rs, "Ring 00 233 (24) 123-45.67 tonight.", &ctx);
	ck_assert_str_eq(t, "Ring [CONTACT] tonight.");
	free(t);
	t = redact_str(rs, "Me: +233.24.123.4567, you: +233 24 555 0000", &ctx);
	ck_assert_str_eq(t, "Me: [CONTACT], you: [PHONE]");
	free(t);
	/* Beside other digits, and with no rule for its shape. */
	t = redact_str(rs, "codes 12 3141 5926 77 and 3141-5926", &ctx);
	ck_assert_str_eq(t, "codes 12 [CONTACT] 77 and [CONTACT]");
	free(t);
	/* E-mail in another letter case. */
	t = redact_str(
	    rs, "write AMA.OWUSU@EXAMPLE.ORG or kofi@example.org", &ctx);
	ck_assert_str_eq(t, "write [CONTACT] or [EMAIL]");
	free(t);

	s = "+233241234567 and 0241234567";
	ck_assert_int_eq(redact_text(rs, s, strlen(s), &ctx, &r, &e), 0);
	ck_assert_str_eq(r.text, "[CONTACT] and [PHONE]");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(r.report, "CONTACT")), 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(r.report, "PHONE")), 1);
	redact_result_free(&r);

	/* Without the context the same text only meets the rules. */
	t = redact_str(rs, "Ring 00 233 (24) 123-45.67 tonight.", NULL);
	ck_assert_str_eq(t, "Ring [PHONE] tonight.");
	free(t);
	redact_free(rs);
}
END_TEST

/* ---------------------------------------------------------------------
** Refusals and edges
*/

START_TEST(test_invalid_utf8)
{
	static const struct {
		const char *s;
		size_t n;
		const char *where;
	} cases[] = {
		{ "abc\xff", 4, "byte 3" },
		{ "ab\xc3", 3, "byte 2" },        /* truncated */
		{ "\xc0\xaf", 2, "byte 0" },      /* overlong */
		{ "x\xed\xa0\x80", 4, "byte 1" }, /* surrogate */
		{ "ok\0nul", 6, "NUL byte at byte 2" },
	};
	struct redact_set *rs = load_all();
	struct redact_result r;
	struct err e;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_int_eq(
		    redact_text(rs, cases[i].s, cases[i].n, NULL, &r, &e), -1);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_msg(
		    strstr(e.msg, cases[i].where) != NULL, "%zu: %s", i, e.msg);
		ck_assert_ptr_null(r.text);
		ck_assert_ptr_null(r.report);
	}
	redact_free(rs);
}
END_TEST

START_TEST(test_empty)
{
	struct redact_set *rs = load_all();
	struct redact_result r;
	struct err e = { 0 };

	ck_assert_int_eq(redact_text(rs, "", 0, NULL, &r, &e), 0);
	ck_assert_str_eq(r.text, "");
	ck_assert_uint_eq(r.len, 0);
	ck_assert(json_is_object(r.report));
	ck_assert_uint_eq(json_object_size(r.report), 0);
	redact_result_free(&r);
	redact_result_free(&r); /* zeroed: fine */
	redact_result_free(NULL);
	redact_free(NULL);
	redact_free(rs);
}
END_TEST

/* Parses ${pack} as "t.yaml" and checks the error holds ${want}. */
static void
bad_pack(const char *pack, const char *want)
{
	struct redact_set *rs;
	struct err e = { 0 };

	rs = redact_parse(pack, strlen(pack), "t.yaml", &e);
	ck_assert_msg(rs == NULL, "accepted: %s", pack);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_msg(
	    strstr(e.msg, want) != NULL, "want '%s' in '%s'", want, e.msg);
}

START_TEST(test_bad_packs)
{
	struct redact_set *rs;
	struct err e = { 0 };
	const char *ok =
	    "pack: t\nrules:\n  - kind: EMAIL\n    pattern: 'x@y'\n";

	rs = redact_parse(ok, strlen(ok), "t.yaml", &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	ck_assert_uint_eq(redact_nrules(rs), 1);
	redact_free(rs);

	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: '(abc'\n",
	    "t.yaml:4: rule 1 (EMAIL): bad pattern at offset 4: missing "
	    "closing parenthesis");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: 'a'\n"
		 "  - kind: CARD\n    pattern: '[0-9]+'\n    validate: crc32\n",
	    "t.yaml:7: rule 2 (CARD): unknown validator 'crc32'");
	bad_pack("pack: t\nrules:\n  - pattern: 'a'\n    validate: none\n",
	    "t.yaml:3: rule 1: missing key 'kind'");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n",
	    "t.yaml:3: rule 1: missing key 'pattern'");
	bad_pack("pack: t\nrules:\n  - kind: email\n    pattern: a\n",
	    "t.yaml:3: rule 1: kind 'email' is not");
	bad_pack("pack: t\nrules:\n  - kind: HANDLE\n    pattern: a\n",
	    "t.yaml:3: rule 1: kind HANDLE is reserved");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: a\n"
		 "    colour: red\n",
	    "t.yaml:5: rule 1: unknown key 'colour'");
	bad_pack("pack: t\nrules: []\n", "t.yaml:2: rules must be a non-empty");
	bad_pack("rules:\n  - kind: EMAIL\n    pattern: a\n",
	    "t.yaml:1: missing key 'pack'");
	bad_pack(
	    "pack: t\nrules:\n  - kind: EMAIL\n    pattern: 'a\n", "t.yaml:");
	bad_pack("pack: t\nrules: [\n", "t.yaml:");
	bad_pack("", "t.yaml:1: the pack is empty");
	bad_pack("pack: t\n\xff\n", "t.yaml:2: invalid UTF-8");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: '(?C1)\\C'\n",
	    "t.yaml:4: rule 1 (EMAIL): bad pattern");
	/* A validator wraps the pattern: one ending in a comment cannot. */
	bad_pack("pack: t\nrules:\n  - kind: CARD\n    validate: luhn\n"
		 "    pattern: '(?x)[0-9]+ # digits'\n",
	    "t.yaml:5: rule 1 (CARD): pattern cannot take a validator");
	bad_pack("pack: t\n---\npack: u\n", "t.yaml:2: a pack must be one");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: a\n"
		 "    needs: '@'\n",
	    "t.yaml:5: rule 1: needs must be a list");
	bad_pack("pack: t\nrules:\n  - kind: EMAIL\n    pattern: a\n"
		 "    needs: ['@', '']\n",
	    "t.yaml:5: rule 1: each of needs must be");
}
END_TEST

START_TEST(test_load)
{
	static const char *const gh[] = { "gh" };
	static const char *const bad[] = { "../etc" };
	static const char *const missing[] = { "xx" };
	struct redact_set *rs;
	struct err e = { 0 };
	char *t, *dir, path[4096];
	FILE *f;

	/* Only the packs asked for. */
	rs = redact_load(tu_src_path("redact"), gh, 1, &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	t = redact_str(rs, "024 123 4567, 90 123 4567, 120389-4599", NULL);
	ck_assert_str_eq(t, "[PHONE], 90 123 4567, 120389-4599");
	free(t);
	redact_free(rs);

	rs = redact_load(tu_src_path("redact"), bad, 1, &e);
	ck_assert_ptr_null(rs);
	ck_assert_int_eq(e.code, ERR_INVALID);
	rs = redact_load(tu_src_path("redact"), missing, 1, &e);
	ck_assert_ptr_null(rs);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);

	/* A pack named otherwise than its file, in a folder of our own. */
	dir = tu_tmpdir();
	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/default.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("pack: default\nrules:\n  - kind: EMAIL\n    pattern: x\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/zz.yaml", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("# comment\npack: yy\nrules:\n  - kind: EMAIL\n    pattern: x\n",
	    f);
	fclose(f);
	rs = redact_load(dir, NULL, 0, &e);
	ck_assert_ptr_null(rs);
	ck_assert_msg(strstr(e.msg,
			  "zz.yaml:2: pack 'yy' should be named "
			  "'zz'") != NULL,
	    "%s", e.msg);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* ---------------------------------------------------------------------
** People's names
*/

/* Redacts each ${cases}[i].in under ${rs} and ${ctx}, and compares. */
struct nc {
	const char *in, *want; /* want NULL: unchanged */
};

static void
check_cases(const struct redact_set *rs, const struct redact_ctx *ctx,
    const struct nc *cases, size_t n)
{
	size_t i;
	char *t;

	for (i = 0; i < n; i++) {
		t = redact_str(rs, cases[i].in, ctx);
		ck_assert_msg(
		    strcmp(t, cases[i].want ? cases[i].want : cases[i].in) == 0,
		    "%s\n  want: %s\n  got:  %s", cases[i].in,
		    cases[i].want ? cases[i].want : cases[i].in, t);
		free(t);
	}
}

/* The finder's rules one by one, with the shipped packs. */
START_TEST(test_names)
{
	static const struct nc cases[] = {
		/* a listed name and the capitalised words joined to it */
		{ "My grandmother Akosua Agyeman taught me.",
		    "My grandmother [NAME] taught me." },
		/* Russian case endings lead back to the listed name; the
		** family name's stem is one (Саид + овым) */
		{ "Я говорил с Рустамом Саидовым.", "Я говорил с [NAME]." },
		/* a patronymic after a name, or whose stem is one */
		{ "Jón Jónsson fór út á sjó.", "[NAME] fór út á sjó." },
		{ "Bréf frá Sigurðardóttur.", "Bréf frá [NAME]." },
		/* a family name shape alone in mid-sentence; not at the
		** start of a sentence when its stem is no name */
		{ "Вчера пришёл Кузнецов.", "Вчера пришёл [NAME]." },
		{ "Снова пошёл дождь.", NULL },
		/* introductions, also with a listed name in lower case */
		{ "my name is kofi mensah", "my name is [NAME]" },
		{ "Меня зовут Дилноза.", "Меня зовут [NAME]." },
		{ "Номи ман Фарҳод аст.", "Номи ман [NAME] аст." },
		{ "(name: Abena)", "(name: [NAME])" },
		/* titles before and after a name, an unlisted one too */
		{ "Mr. Appiah and Рустам-ака came.",
		    "Mr. [NAME] and [NAME]-ака came." },
		{ "Togbe Zanu spoke.", "Togbe [NAME] spoke." },
		{ "Зарина апа нон пухт.", "[NAME] апа нон пухт." },
		/* initials are part of the name */
		{ "Signed: J. B. Danquah", "Signed: [NAME]" },
		{ "Kofi A. Boakye signed.", "[NAME] signed." },
		/* possessives stay */
		{ "Kwame's goat", "[NAME]'s goat" },
		/* places, days, languages, verses, streets named after people */
		{ "Ho and Kumasi on Friday; John 3:16 in Ewe.", NULL },
		{ "Kwame Nkrumah Circle, улица Ленина, St. Paul's Cathedral.",
		    NULL },
		{ "The Kofi Annan ICT Centre is open.", NULL },
		/* names that are everyday words */
		{ "Grace before meals, by the Grace of God.", NULL },
		{ "Amazing Grace was sung.", NULL },
		{ "We asked Grace to sing.", "We asked [NAME] to sing." },
		{ "Grace Owusu sang.", "[NAME] sang." },
		/* a place that is a name, alone and beside a name */
		{ "Hekla gaus.", NULL },
		{ "Ég og Hekla Jónsdóttir unnum.", "Ég og [NAME] unnum." },
		/* a title of one language does not take another's name */
		{ "Akpe na Mama Afi Tamakloe.", "Akpe na Mama [NAME]." },
		{ "Afi minn, Jón, kom.", "Afi minn, [NAME], kom." },
		/* joined to a name by a word of and: */
		{ "Dilnoza and Madina sang.", "[NAME] and [NAME] sang." },
		/* the first word of a sentence before a name is no name */
		{ "Yesterday Kwaku came.", "Yesterday [NAME] came." },
		/* a pack's keep: list */
		{ "Kwasi Broni came to Ho.", NULL },
		/* capitalised words joined to a name go with it, in a
		** heading too; a run longer than a name is none */
		{ "The Long Road From Kumasi Took Kofi Mensah Nine Days",
		    "The Long Road From Kumasi [NAME]" },
		{ "Winners Chapel Kofi Mensah Darko Boateng Owusu Annan Addo "
		  "Osei Ofori",
		    NULL },
		/* names inside addresses go with them */
		{ "Yaw.Boateng@example.com", "[EMAIL]" },
	};
	struct redact_set *rs = load_all();
	struct redact_result r;
	struct err e = { 0 };
	const char *s = "Kofi and Ama, kofi@example.com";

	check_cases(rs, NULL, cases, NELEM(cases));
	ck_assert_int_eq(redact_text(rs, s, strlen(s), NULL, &r, &e), 0);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(r.report, "NAME")), 2);
	ck_assert_str_eq(r.report_json, "{\"EMAIL\":1,\"NAME\":2}");
	redact_result_free(&r);
	redact_free(rs);
}
END_TEST

/*
** A campaign's settings: allowed names stay wherever they stand as whole
** words in any case (and only those words), and "names": false keeps
** every name, from the lists and from rules of kind NAME, while the
** other kinds and the author's own data are still found.
*/
START_TEST(test_names_campaign)
{
	static const char *const allow[] = { "Kwame Nkrumah", "Nkrumah",
		"Исмоили Сомонӣ" };
	static const struct nc allowed[] = {
		{ "Kwame Nkrumah and KWAME NKRUMAH spoke.", NULL },
		{ "Nkrumah's friend Kofi Mensah came.",
		    "Nkrumah's friend [NAME] came." },
		{ "Kwame Mensah came.", "[NAME] came." },
		{ "Osagyefo Kwame Nkrumah, Исмоили Сомонӣ.", NULL },
	};
	static const struct nc kept[] = {
		{ "Kofi Mensah, kofi@example.com, Zorro.",
		    "Kofi Mensah, [EMAIL], Zorro." },
		{ "Ama wrote this.", "[HANDLE] wrote this." },
	};
	const char *pack = "pack: t\nrules:\n  - kind: NAME\n    pattern: "
			   "'Zorro'\nnames:\n  given: [Kofi]\n";
	struct redact_set *rs = load_all(), *t;
	struct redact_ctx ctx = { 0 };
	struct err e = { 0 };
	char *out;

	ctx.allow = allow;
	ctx.nallow = NELEM(allow);
	check_cases(rs, &ctx, allowed, NELEM(allowed));

	memset(&ctx, 0, sizeof(ctx));
	ctx.keep_names = 1;
	ctx.handle = "ama";
	check_cases(rs, &ctx, kept, NELEM(kept));
	redact_free(rs);

	/* A rule may report NAME too; a campaign that keeps names skips it. */
	t = redact_parse(pack, strlen(pack), "t.yaml", &e);
	ck_assert_msg(t != NULL, "%s", e.msg);
	out = redact_str(t, "Zorro and Kofi", NULL);
	ck_assert_str_eq(out, "[NAME] and [NAME]");
	free(out);
	ctx.handle = NULL;
	out = redact_str(t, "Zorro and Kofi", &ctx);
	ck_assert_str_eq(out, "Zorro and Kofi");
	free(out);
	redact_free(t);
}
END_TEST

/* Parses campaign ${def} (JSON) into ${c}: 0, or -1 with ${e}. */
static int
campaign_from(const char *def, struct campaign *c, struct err *e)
{
	json_t *j = json_loads(def, 0, NULL);
	int rc;

	ck_assert_msg(j != NULL, "not JSON: %s", def);
	rc = campaign_parse(j, c, e);
	json_decref(j);
	return (rc);
}

#define CAMPAIGN_HEAD                                                          \
	"{\"slug\":\"d\",\"title\":\"D\",\"language\":\"tw\",\"kind\":"        \
	"\"text\",\"consent\":\"c\",\"required_scopes\":[\"s\"],"              \
	"\"minimum_age\":16"

/*
** A campaign file's "redact": {"names": false, "allow": [...]}: read,
** refused with the field named, shown in the campaign's JSON, and passed
** to redaction by campaign_redact_ctx().
*/
START_TEST(test_names_campaign_file)
{
	static const struct {
		const char *redact, *want;
	} bad[] = {
		{ "3", "\"redact\" must be an object" },
		{ "{\"names\":\"no\"}", "\"redact\".\"names\" must be true" },
		{ "{\"keep\":1}", "\"redact\" has an unknown field \"keep\"" },
		{ "{\"allow\":\"Kwame\"}", "\"allow\" must be an array" },
		{ "{\"allow\":[\"Kwame\",\"\"]}",
		    "\"redact\".\"allow\"[1] must be a name of 1 to 8 words" },
		{ "{\"allow\":[\"Kwame, Nkrumah\"]}", "\"allow\"[0]" },
		{ "{\"allow\":[1]}", "\"allow\"[0]" },
	};
	const char *names[CAMPAIGN_MAX_ALLOW];
	struct redact_set *rs = load_all();
	struct redact_ctx ctx = { 0 };
	struct campaign c;
	struct err e = { 0 };
	char def[512], *t;
	json_t *j;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		snprintf(def, sizeof(def), CAMPAIGN_HEAD ",\"redact\":%s}",
		    bad[i].redact);
		ck_assert_int_eq(campaign_from(def, &c, &e), -1);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_msg(strstr(e.msg, bad[i].want) != NULL, "%s: %s",
		    bad[i].redact, e.msg);
		campaign_clear(&c);
	}

	/* The default: names replaced, nothing in the JSON. */
	ck_assert_int_eq(campaign_from(CAMPAIGN_HEAD "}", &c, &e), 0);
	ck_assert_int_eq(c.keep_names, 0);
	j = campaign_json(&c);
	ck_assert_ptr_null(json_object_get(j, "redact"));
	json_decref(j);
	campaign_redact_ctx(&c, names, &ctx);
	t = redact_str(rs, "Kwame Nkrumah and Kofi Mensah", &ctx);
	ck_assert_str_eq(t, "[NAME] and [NAME]");
	free(t);
	campaign_clear(&c);

	/* A drive about a man whose name it keeps. */
	ck_assert_int_eq(campaign_from(CAMPAIGN_HEAD
			     ",\"redact\":{\"allow\":[\"Kwame Nkrumah\"]}}",
			     &c, &e),
	    0);
	j = campaign_json(&c);
	ck_assert_int_eq(json_is_true(json_object_get(
			     json_object_get(j, "redact"), "names")),
	    1);
	json_decref(j);
	campaign_redact_ctx(&c, names, &ctx);
	ck_assert_uint_eq(ctx.nallow, 1);
	t = redact_str(rs, "Kwame Nkrumah and Kofi Mensah", &ctx);
	ck_assert_str_eq(t, "Kwame Nkrumah and [NAME]");
	free(t);
	campaign_clear(&c);

	/* A drive that keeps names: the rest is still redacted. */
	memset(&ctx, 0, sizeof(ctx));
	ck_assert_int_eq(
	    campaign_from(
		CAMPAIGN_HEAD ",\"redact\":{\"names\":false}}", &c, &e),
	    0);
	ck_assert_int_eq(c.keep_names, 1);
	j = campaign_json(&c);
	ck_assert_int_eq(json_is_false(json_object_get(
			     json_object_get(j, "redact"), "names")),
	    1);
	json_decref(j);
	campaign_redact_ctx(&c, names, &ctx);
	t = redact_str(rs, "Kofi Mensah, kofi@example.com", &ctx);
	ck_assert_str_eq(t, "Kofi Mensah, [EMAIL]");
	free(t);
	campaign_clear(&c);
	campaign_redact_ctx(NULL, names, &ctx); /* NULL: as it was */
	ck_assert_int_eq(ctx.keep_names, 1);
	redact_free(rs);
}
END_TEST

/*
** The dataset card says which drives kept people's names: a release of
** two text drives, one with "redact": {"names": false}, names it in the
** line of that drive and no other. (The card is release_build.c's; the
** sentence is this feature's.)
*/
START_TEST(test_names_card)
{
#define DRIVE                                                                  \
	"{\"slug\":\"%s\",\"title\":\"%s\",\"language\":\"ee\",\"kind\":"      \
	"\"text\",\"consent\":\"general\",\"required_scopes\":[\"publish_"     \
	"text\"],\"minimum_age\":16%s}"
	struct licence_table lt;
	struct node n = { 0 };
	struct err e = { 0 };
	char def[512], path[800], *card, *line;
	int64_t kept, named, p[2];
	size_t len;
	int i;

	n.dir = tu_base;
	snprintf(path, sizeof(path), "%s/blobs", tu_base);
	ck_assert_ptr_nonnull(n.blobs = blob_open(path, &e));
	memset(n.pseudonym_key, 7, sizeof(n.pseudonym_key));
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
	snprintf(def, sizeof(def), DRIVE, "oral-history", "Oral history",
	    ",\"redact\":{\"names\":false}");
	kept = tu_add_campaign(def);
	snprintf(def, sizeof(def), DRIVE, "proverbs", "Proverbs", "");
	named = tu_add_campaign(def);
	p[0] = tu_add_account("ama", ROLE_CONTRIBUTOR);
	p[1] = tu_add_account("kofi", ROLE_CONTRIBUTOR);
	for (i = 0; i < 2; i++) {
		tu_give_consent(
		    p[i], kept, "[\"publish_text\",\"commercial_use\"]");
		tu_give_consent(
		    p[i], named, "[\"publish_text\",\"commercial_use\"]");
	}
	for (i = 0; i < 8; i++) {
		snprintf(def, sizeof(def), "Story %d from Ho.", i);
		tu_validate(tu_add_text(p[i % 2], i < 4 ? kept : named, def));
	}
	tu_cut_release(&n, &lt, "1.0.0", 0);
	snprintf(path, sizeof(path), "%s/releases/1.0.0/README.md", tu_base);
	card = tu_slurp(path, &len);
	ck_assert_ptr_nonnull(line = strstr(card, "**Oral history**"));
	*strchr(line, '\n') = '\0';
	ck_assert_msg(
	    strstr(line, "People's names in its text were kept") != NULL, "%s",
	    line);
	line += strlen(line) + 1;
	ck_assert_ptr_nonnull(line = strstr(line, "**Proverbs**"));
	*strchr(line, '\n') = '\0';
	ck_assert_msg(strstr(line, "names") == NULL, "%s", line);
	free(card);
	licences_free(&lt);
	blob_close(n.blobs);
#undef DRIVE
}
END_TEST

/* Writes ${text} to ${dir}/${name}. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/*
** The names: section of a pack: what it refuses, with file and line; a
** pack of names alone; endings reaching only their own pack's names.
*/
START_TEST(test_names_packs)
{
	struct redact_set *rs;
	struct err e = { 0 };
	char *dir, *t;
	const char *ok = "pack: t\nnames:\n  given: [Zorro]\n  endings: "
			 "['u>o', '>o']\n  keep: [Zorro Street]\n";

	bad_pack("pack: t\nnames: [a]\n", "t.yaml:2: names must be a mapping");
	bad_pack("pack: t\nnames:\n  given: Kofi\n",
	    "t.yaml:3: names.given must be a list");
	bad_pack("pack: t\nnames:\n  given: [Kofi Annan]\n",
	    "t.yaml:3: names.given: 'Kofi Annan' must be one word");
	bad_pack("pack: t\nnames:\n  titles: [Mr.]\n",
	    "names.titles: 'Mr.' must be one word (no full stop)");
	bad_pack("pack: t\nnames:\n  endings: ['a>b>c']\n",
	    "t.yaml:3: names.endings: 'a>b>c' must be 'END' or");
	bad_pack("pack: t\nnames:\n  endings: ['>']\n",
	    "names.endings: '>' must be");
	bad_pack("pack: t\nnames:\n  intros: ['my name: is']\n",
	    "names.intros: 'my name: is' must be 1 to 8 words");
	bad_pack("pack: t\nnames:\n  given: ['']\n",
	    "names.given: each entry must be a non-empty string");
	bad_pack("pack: t\nnames:\n  colours: [red]\n",
	    "t.yaml:3: names: unknown list 'colours'");
	bad_pack("pack: t\n", "t.yaml:1: missing key 'rules'");

	rs = redact_parse(ok, strlen(ok), "t.yaml", &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	ck_assert_uint_eq(redact_nrules(rs), 0);
	t = redact_str(
	    rs, "Zorro came; so did Zorru and Zorr. Zorro Street.", NULL);
	ck_assert_str_eq(t,
	    "[NAME] came; so did [NAME] and [NAME]. Zorro "
	    "Street.");
	free(t);
	redact_free(rs);

	/* default's Anna is not reached by xx's ending: Annu stays. */
	dir = tu_tmpdir();
	ck_assert_ptr_nonnull(dir);
	write_file(
	    dir, "default.yaml", "pack: default\nnames:\n  given: [Anna]\n");
	write_file(dir, "xx.yaml",
	    "pack: xx\nnames:\n  given: [Þóra]\n  endings: ['u>a']\n");
	rs = redact_load(dir, NULL, 0, &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	t = redact_str(rs, "Ég sá Þóru og Annu, og Anna sá mig.", NULL);
	ck_assert_str_eq(t, "Ég sá [NAME] og Annu, og [NAME] sá mig.");
	free(t);
	redact_free(rs);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A text that sends a rule past PCRE2's budget is refused, not stored. */
START_TEST(test_match_limit)
{
	const char *pack = "pack: t\nrules:\n  - kind: PHONE\n"
			   "    pattern: '(?:a|aa)+(?:a|aa)+$'\n"
			   "    validate: phone\n";
	struct redact_set *rs;
	struct redact_result r;
	struct err e = { 0 };
	char text[200];

	rs = redact_parse(pack, strlen(pack), "t.yaml", &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 2] = 'b';
	text[sizeof(text) - 1] = '\0';
	ck_assert_int_eq(redact_text(rs, text, strlen(text), NULL, &r, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_msg(strstr(e.msg, "too complex") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "t.yaml:4") != NULL, "%s", e.msg);
	redact_free(rs);
}
END_TEST

/* A validator that refuses makes the pattern backtrack into a shorter
** match, and (*ACCEPT) cannot skip the validator. */
START_TEST(test_validator_backtracks)
{
	const char *pack =
	    "pack: t\nrules:\n  - kind: CARD\n"
	    "    pattern: '(*UCP)(?<![0-9])[0-9][0-9 ]{11,30}[0-9]'\n"
	    "    validate: luhn\n"
	    "  - kind: IBAN\n    pattern: '[A-Z]{2}(*ACCEPT)[0-9]+'\n"
	    "    validate: iban\n";
	struct redact_set *rs;
	struct err e = { 0 };
	char *t;

	rs = redact_parse(pack, strlen(pack), "t.yaml", &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	t = redact_str(rs, "4111 1111 1111 1111 2026 GB82", NULL);
	ck_assert_str_eq(t, "[CARD] 2026 GB82");
	free(t);
	redact_free(rs);
}
END_TEST

/*
** `needs:`: a rule is skipped on a text without one of its strings, and a
** match holding none of them (in either case) is dropped.
*/
START_TEST(test_needs)
{
	const char *pack = "pack: t\nrules:\n  - kind: EMAIL\n"
			   "    pattern: '[a-z]+@[a-z]+'\n    needs: ['@']\n"
			   "  - kind: URL\n    pattern: 'go[0-9]+[a-zA-Z]*'\n"
			   "    needs: ['XY', 'zw']\n";
	struct redact_set *rs;
	struct err e = { 0 };
	char *t;

	rs = redact_parse(pack, strlen(pack), "t.yaml", &e);
	ck_assert_msg(rs != NULL, "%s", e.msg);
	t = redact_str(rs, "a@b c@d go1 no needle", NULL);
	ck_assert_str_eq(t, "[EMAIL] [EMAIL] go1 no needle");
	free(t);
	t = redact_str(rs, "go1 go2xy go3zw GO4 go5ZW go6", NULL);
	ck_assert_str_eq(t, "go1 [URL] [URL] GO4 [URL] go6");
	free(t);
	redact_free(rs);
}
END_TEST

/* The corpus inputs (corpus.tsv, then names.tsv), one per line, repeated
** to ${min} bytes. */
static char *
big_text(size_t min, size_t *n, size_t *lines)
{
	char *corpus, *more, *line, *save = NULL, *tab;
	struct buf b = { 0 };
	size_t len, cn, mn;

	corpus = tu_slurp(tu_src_path("tests/redact/corpus.tsv"), &cn);
	more = tu_slurp(tu_src_path("tests/redact/names.tsv"), &mn);
	ck_assert_ptr_nonnull(corpus = realloc(corpus, cn + mn + 2));
	corpus[cn] = '\n';
	memcpy(corpus + cn + 1, more, mn + 1);
	free(more);
	*lines = 0;
	while (b.n < min) {
		char *copy = strdup(corpus);

		ck_assert_ptr_nonnull(copy);
		for (line = strtok_r(copy, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			if (line[0] == '#' ||
			    (tab = strchr(line, '\t')) == NULL)
				continue;
			len = (size_t)(tab - line);
			ck_assert_int_eq(buf_append(&b, line, len), 0);
			ck_assert_int_eq(buf_append(&b, "\n", 1), 0);
			(*lines)++;
		}
		free(copy);
	}
	free(corpus);
	*n = b.n;
	return (buf_take(&b));
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
** 1 MB of mixed text: it redacts, line by line as it would alone (no
** match runs across a newline), and we print the speed (not asserted).
*/
START_TEST(test_large)
{
	struct redact_set *rs = load_all();
	struct redact_result r;
	struct err e = { 0 };
	char *text, *line, *save = NULL, *want, *got_line, *gsave = NULL;
	size_t n, lines, i, rounds = 3;
	double t0, t1;

	text = big_text(1024 * 1024, &n, &lines);
	t0 = now();
	for (i = 0; i < rounds; i++) {
		ck_assert_msg(
		    redact_text(rs, text, n, NULL, &r, &e) == 0, "%s", e.msg);
		if (i + 1 < rounds)
			redact_result_free(&r);
	}
	t1 = now();
	printf("redact_text: %zu bytes x %zu in %.3f s: %.1f MB/s\n", n, rounds,
	    t1 - t0, (double)n * rounds / (t1 - t0) / 1e6);
	fflush(stdout);

	/* Same answer as line by line. */
	got_line = strtok_r(r.text, "\n", &gsave);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_ptr_nonnull(got_line);
		want = redact_str(rs, line, NULL);
		ck_assert_str_eq(got_line, want);
		free(want);
		got_line = strtok_r(NULL, "\n", &gsave);
	}
	ck_assert_ptr_null(got_line);
	redact_result_free(&r);

	/* Pathological shapes stay linear: 1 MB of digits and separators. */
	for (i = 0; i < n; i++)
		text[i] = "0123456789 -.+@:"[i % 16];
	t0 = now();
	ck_assert_msg(redact_text(rs, text, n, NULL, &r, &e) == 0, "%s", e.msg);
	t1 = now();
	printf(
	    "redact_text: 1 MB of digits and separators in %.3f s\n", t1 - t0);
	redact_result_free(&r);
	memset(text, '7', n);
	t0 = now();
	ck_assert_msg(redact_text(rs, text, n, NULL, &r, &e) == 0, "%s", e.msg);
	t1 = now();
	printf("redact_text: 1 MB of one digit in %.3f s\n", t1 - t0);
	redact_result_free(&r);
	free(text);
	redact_free(rs);
}
END_TEST

/*
** Long runs of one shape (a 256 KB "URL", e-mail, phone filler, digits)
** must redact, not be refused as too complex: the shipped patterns repeat
** single characters or bounded groups, never unbounded groups, which
** would keep a JIT stack frame per repetition.
*/
START_TEST(test_long_runs)
{
	static const char *const units[] = { "a.", "1.", "1:", "1 ", "+1 ",
		"x@", "http://a", "a-", "1-2 ", "ab@cd.", "0", "a:", "[at]",
		"a dot ", "ffff:", "24 ", "GB82 ", "4111 ", "s\xc3\xadmi ",
		"tel 1 000 000 000 ", "a.com/", "www.a(b)c", "(", "x@x.", "a ",
		"1(", "1 (2) " };
	struct redact_set *rs = load_all();
	uint8_t key[32] = { 1 }, hash[2][32];
	struct redact_ctx ctx = { .handle = "a",
		.contact_key = key,
		.contact_hashes = (const uint8_t(*)[32])hash,
		.ncontacts = 2 };
	struct redact_result r;
	struct err e = { 0 };
	size_t i, n, len, cap = 256 * 1024;
	char *t = malloc(cap);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(redact_contact_hash(key, "+1 2 1 2", hash[0]), 0);
	ck_assert_int_eq(redact_contact_hash(key, "x@x.x", hash[1]), 0);
	for (i = 0; i < NELEM(units); i++) {
		len = strlen(units[i]);
		for (n = 0; n + len <= cap; n += len)
			memcpy(t + n, units[i], len);
		/* With and without the author's data (other built-ins). */
		ck_assert_msg(redact_text(rs, t, n, NULL, &r, &e) == 0,
		    "'%s' x %zu: %s", units[i], n / len, e.msg);
		redact_result_free(&r);
		ck_assert_msg(redact_text(rs, t, n, &ctx, &r, &e) == 0,
		    "'%s' x %zu with context: %s", units[i], n / len, e.msg);
		redact_result_free(&r);
	}
	free(t);
	redact_free(rs);
}
END_TEST

struct thr {
	const struct redact_set *rs;
	const char *text;
	const char *want;
	int ok;
};

static void *
thr_run(void *arg)
{
	struct thr *t = arg;
	struct redact_result r;
	struct err e;
	int i;

	t->ok = 1;
	for (i = 0; i < 200; i++) {
		if (redact_text(
			t->rs, t->text, strlen(t->text), NULL, &r, &e) == -1 ||
		    strcmp(r.text, t->want) != 0)
			t->ok = 0;
		redact_result_free(&r);
	}
	return (NULL);
}

START_TEST(test_threads)
{
	struct redact_set *rs = load_all();
	const char *text = "Kofi, kofi@example.com, +233 24 123 4567, "
			   "4111 1111 1111 1111, kt. 120389-4599";
	pthread_t th[8];
	struct thr t[8];
	char *want;
	size_t i;

	want = redact_str(rs, text, NULL);
	ck_assert_str_eq(
	    want, "[NAME], [EMAIL], [PHONE], [CARD], kt. [KENNITALA]");
	for (i = 0; i < NELEM(th); i++) {
		t[i] = (struct thr){ rs, text, want, 0 };
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, thr_run, &t[i]), 0);
	}
	for (i = 0; i < NELEM(th); i++) {
		pthread_join(th[i], NULL);
		ck_assert(t[i].ok);
	}
	free(want);
	redact_free(rs);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("redact");
	TCase *tc;

	if (sodium_init() < 0)
		return (1);
	tc = tcase_create("redact");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corpus);
	tcase_add_test(tc, test_corpus_covers_kinds);
	tcase_add_test(tc, test_luhn);
	tcase_add_test(tc, test_iban);
	tcase_add_test(tc, test_kennitala);
	tcase_add_test(tc, test_handle);
	tcase_add_test(tc, test_contact_hash);
	tcase_add_test(tc, test_contacts);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_bad_packs);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_names_campaign);
	tcase_add_test(tc, test_names_packs);
	tcase_add_test(tc, test_names_campaign_file);
	tcase_add_test(tc, test_match_limit);
	tcase_add_test(tc, test_validator_backtracks);
	tcase_add_test(tc, test_needs);
	tcase_add_test(tc, test_large);
	tcase_add_test(tc, test_long_runs);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("card");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_add_test(tc, test_names_card);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
