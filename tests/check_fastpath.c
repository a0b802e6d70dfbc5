/*
** The hand-written fast paths of POST /api/v1/contributions, each held to
** the byte to the slow path it replaced: jsonflat_parse() to jansson's
** json_loadb() (hand-picked bodies, and random ones jansson wrote, intact
** and broken); buf_json_ascii() to jansson's
** json_dumps(JSON_ENSURE_ASCII) of a string (every ASCII byte, every code
** point, random UTF-8, and the same refusals of bad UTF-8); buf_printf()
** to snprintf() at and around the room the buffer has; buf_int() to
** snprintf's %lld; a redaction's
** report_json to json_dumps(report, JSON_SORT_KEYS) over the labelled
** corpus; contrib_new_answer() to the jansson tree of contrib_new_json();
** sha256_parts() to OpenSSL's own digest and the FIPS 180 vectors, also
** from eight threads at once. Then through the real server, started once
** before the tests fork: a contribution of non-ASCII, quoted, tabbed and
** personal text answers 201 and, sent again with its Idempotency-Key, 200
** with the same bytes, which are what jansson writes for what they say.
*/
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "apitest.h"
#include "buf.h"
#include "contrib.h"
#include "crypto.h"
#include "jsonflat.h"
#include "redact.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NCARDS   2
#define PIN      "2468"

static const char *bin;
static const char *srcdir;
static char *base;
static char nodedir[700];
static char cards[NCARDS][CARD_CODE_LEN + 1];
static struct tu_server srv;

/* ---------------------------------------------------------------------
** Helpers
*/

/* splitmix64: a seeded generator, so a failure can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/* A number in [lo, hi]. */
static uint32_t
rnd_in(uint64_t *s, uint32_t lo, uint32_t hi)
{
	return (lo + (uint32_t)(rnd(s) % ((uint64_t)hi - lo + 1)));
}

/* Writes code point ${cp} as UTF-8 to ${out} (4 bytes of room); its
** length. Surrogates are written too (as ED A0 80 ...): callers that want
** valid text skip them. */
static size_t
utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return (1);
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return (3);
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return (4);
}

/* ${n} bytes of ${s} for a message: printable ASCII as is, the rest as
** \xNN, cut at about 600 characters. In one of three static buffers, so
** one message may show three. */
static const char *
show(const char *s, size_t n)
{
	static char bufs[3][2600];
	static int next;
	char *out = bufs[next++ % 3];
	size_t i, k = 0;

	for (i = 0; i < n && k < 600; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, 5, "\\x%02x", c);
	}
	snprintf(out + k, sizeof(bufs[0]) - k, "%s (%zu bytes)",
	    i < n ? "..." : "", n);
	return (out);
}

/* The first byte at which the ${an} bytes at ${a} and the ${bn} at ${b}
** differ (the shorter length if one is a prefix of the other). */
static size_t
first_diff(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	for (i = 0; i < an && i < bn && a[i] == b[i]; i++)
		;
	return (i);
}

/* Every pack in redact/, as the server loads them. */
static struct redact_set *
load_all(void)
{
	struct err e = { 0 };
	struct redact_set *rs;

	rs = redact_load(tu_src_path("redact"), NULL, 0, &e);
	ck_assert_msg(rs != NULL, "redact_load: %s", e.msg);
	return (rs);
}

/* ---------------------------------------------------------------------
** buf_json_ascii() against json_dumps(json_stringn(), JSON_ENSURE_ASCII)
*/

/*
** Checks buf_json_ascii() on the ${n} bytes at ${s} against jansson: the
** same bytes if jansson takes the string, -1 if jansson refuses it. It
** writes after a byte already in the buffer, which must stay. Returns 1
** if the string was taken, 0 if both refused it.
*/
static int
ascii_agrees(const char *s, size_t n)
{
	struct buf b = { 0 };
	json_t *j;
	char *want;
	size_t wn;
	int rc;

	ck_assert_int_eq(buf_puts(&b, "<"), 0);
	rc = buf_json_ascii(&b, s, n);
	if ((j = json_stringn(s, n)) == NULL) {
		ck_assert_msg(rc == -1,
		    "buf_json_ascii took %s, which jansson refuses",
		    show(s, n));
		buf_free(&b);
		return (0);
	}
	want =
	    json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(j);
	ck_assert_ptr_nonnull(want);
	wn = strlen(want);
	ck_assert_msg(rc == 0, "buf_json_ascii refused %s; jansson wrote %s",
	    show(s, n), show(want, wn));
	ck_assert_msg(b.p[0] == '<', "the byte before was overwritten");
	ck_assert_msg(b.n - 1 == wn && memcmp(b.p + 1, want, wn) == 0,
	    "%s: from byte %zu buf_json_ascii wrote\n  %s\njansson\n  %s",
	    show(s, n), first_diff(b.p + 1, b.n - 1, want, wn),
	    show(b.p + 1, b.n - 1), show(want, wn));
	ck_assert_msg(b.p[b.n] == '\0', "not NUL-terminated");
	free(want);
	buf_free(&b);
	return (1);
}

/* Both buf_json_ascii() and jansson write ${s} (${n} bytes) as ${want}. */
static void
ascii_is(const char *s, size_t n, const char *want)
{
	struct buf b = { 0 };
	json_t *j;
	char *got;

	ck_assert_msg(buf_json_ascii(&b, s, n) == 0, "refused %s", show(s, n));
	ck_assert_msg(strcmp(b.p, want) == 0 && b.n == strlen(want),
	    "%s: buf_json_ascii wrote %s, want %s", show(s, n), show(b.p, b.n),
	    show(want, strlen(want)));
	buf_free(&b);
	ck_assert_ptr_nonnull(j = json_stringn(s, n));
	got = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	ck_assert_msg(strcmp(got, want) == 0, "%s: jansson wrote %s, want %s",
	    show(s, n), show(got, strlen(got)), show(want, strlen(want)));
	free(got);
	json_decref(j);
}

/* Every ASCII byte, alone, in text and beside each other; NUL inside. */
START_TEST(test_ascii_bytes)
{
	static const struct {
		const char *s;
		size_t n;
		const char *want;
	} fixed[] = {
		{ "", 0, "\"\"" },
		{ "\"", 1, "\"\\\"\"" },
		{ "\\", 1, "\"\\\\\"" },
		{ "/", 1, "\"/\"" },       /* no JSON_ESCAPE_SLASH */
		{ "\x7f", 1, "\"\x7f\"" }, /* DEL is not a control in JSON */
		{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f\x0b\x1b", 4, "\"\\u0001\\u001F\\u000B\\u001B\"" },
		/* json_stringn() takes a NUL; both write it as \u0000. */
		{ "a\0b", 3, "\"a\\u0000b\"" },
		{ "\0", 1, "\"\\u0000\"" },
		{ "\0\0x\0", 4, "\"\\u0000\\u0000x\\u0000\"" },
		{ "\xc3\xa9", 2, "\"\\u00E9\"" },
		{ "\xef\xbf\xbf", 3, "\"\\uFFFF\"" },
		{ "\xf0\x90\x80\x80", 4, "\"\\uD800\\uDC00\"" },
		{ "\xf0\x9f\x98\x80", 4, "\"\\uD83D\\uDE00\"" },
		{ "\xf4\x8f\xbf\xbf", 4, "\"\\uDBFF\\uDFFF\"" },
	};
	char s[16], all[128];
	size_t i;
	int c, d;

	for (i = 0; i < NELEM(fixed); i++) {
		ascii_is(fixed[i].s, fixed[i].n, fixed[i].want);
		ascii_agrees(fixed[i].s, fixed[i].n);
	}
	for (c = 1; c < 0x80; c++) {
		s[0] = (char)c;
		ck_assert(ascii_agrees(s, 1));
		snprintf(s, sizeof(s), "ab%ccd", c);
		ck_assert(ascii_agrees(s, 5));
		snprintf(s, sizeof(s), "%cxyz", c);
		ck_assert(ascii_agrees(s, 4));
		snprintf(s, sizeof(s), "xyz%c", c);
		ck_assert(ascii_agrees(s, 4));
		/* Beside every other byte, and beside a NUL. */
		for (d = 0; d < 0x80; d++) {
			s[0] = (char)c;
			s[1] = (char)d;
			ck_assert(ascii_agrees(s, 2));
		}
		all[c - 1] = (char)c;
	}
	ck_assert(ascii_agrees(all, 127));
	ck_assert(ascii_agrees(all + 31, 96)); /* printable and DEL only */
}
END_TEST

/* Two-, three- and four-byte UTF-8, named and then every code point. */
START_TEST(test_ascii_utf8)
{
	static const char *const named[] = {
		"\xc2\x80",         /* U+0080, the first 2-byte */
		"\xdf\xbf",         /* U+07FF, the last */
		"\xe0\xa0\x80",     /* U+0800, the first 3-byte */
		"\xed\x9f\xbf",     /* U+D7FF, below the surrogates */
		"\xee\x80\x80",     /* U+E000, above them */
		"\xef\xbf\xbd",     /* U+FFFD */
		"\xef\xbf\xbf",     /* U+FFFF */
		"\xf0\x90\x80\x80", /* U+10000 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
		"Caf\xc3\xa9 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m \xc3\x9f",
		"\xc3\xa0 \xc3\xa7 \xc5\x93 \xc3\xbf \xc2\xab\xc2\xa0\xc2\xbb",
		"\xd0\xa2\xd0\xbe\xd2\xb7\xd0\xb8\xd0\xba\xd3\xa3 "
		"\xd2\xb3 \xd2\xb7 \xd2\x9b \xd2\xb5 \xd3\xaf \xd3\xa3",
		"\xc3\xbe\xc3\xb0 \xc3\x9e\xc3\x90 \xc3\xa6\xc3\xb6 "
		"Hva\xc3\xb0 segir\xc3\xb0u?",
		"\xc9\x9b \xc9\x94 \xc6\x90 \xc6\x86 \xc5\x8b \xc9\x96 "
		"\xc6\x92 \xca\x8b \xc9\xa3 \xc6\x94",
		"Mia n\xc9\x94viwo, akpe! \xc6\x90y\xc9\x9b d\xc9\x9bn?",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe4\xb8\xad\xe6\x96\x87 "
		"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",
		"\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd "
		"\xf0\x9d\x84\x9e \xf0\x9f\x87\xac\xf0\x9f\x87\xad",
		"\xf0\xa0\x80\x8b \xf0\xaf\xa0\x80 \xf3\xa0\x80\x81",
		"\xe2\x80\xa8\xe2\x80\xa9 \xe2\x80\x8b \xef\xbb\xbf",
	};
	struct buf all = { 0 };
	char chunk[64 * 4 + 1];
	uint32_t cp;
	size_t i, k, n;

	for (i = 0; i < NELEM(named); i++) {
		const char *s = named[i];
		char t[512];

		ck_assert(ascii_agrees(s, strlen(s)));
		n = (size_t)snprintf(
		    t, sizeof(t), "a\"%s\\\t%s\n\x01z\x7f", s, s);
		ck_assert(ascii_agrees(t, n));
		ck_assert_int_eq(buf_puts(&all, s), 0);
		ck_assert_int_eq(buf_puts(&all, "\"\x1f"), 0);
	}
	ck_assert(ascii_agrees(all.p, all.n));
	buf_free(&all);

	/* Every code point but the surrogates, 64 to a string. */
	for (cp = 1; cp <= 0x10ffff;) {
		for (k = 0, n = 0; k < 64 && cp <= 0x10ffff; cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff)
				continue;
			n += utf8_put(cp, chunk + n);
			k++;
		}
		ck_assert_msg(ascii_agrees(chunk, n), "code points before %x",
		    (unsigned)cp);
	}
}
END_TEST

/* A random valid string of up to ${max} code points into ${s}; bytes. */
static size_t
random_utf8(uint64_t *seed, char *s, size_t max)
{
	size_t i, k = rnd_in(seed, 0, (uint32_t)max), n = 0;
	uint32_t cp, r;

	for (i = 0; i < k; i++) {
		r = rnd_in(seed, 0, 99);
		if (r < 40)
			cp = rnd_in(seed, 0x20, 0x7e);
		else if (r < 50)
			cp = rnd_in(seed, 0, 0x1f); /* NUL too */
		else if (r < 55)
			cp = "\"\\/\x7f"[rnd_in(seed, 0, 3)];
		else if (r < 70)
			cp = rnd_in(seed, 0x80, 0x7ff);
		else if (r < 85) {
			do
				cp = rnd_in(seed, 0x800, 0xffff);
			while (cp >= 0xd800 && cp <= 0xdfff);
		} else
			cp = rnd_in(seed, 0x10000, 0x10ffff);
		n += utf8_put(cp, s + n);
	}
	return (n);
}

/*
** Thousands of random valid strings; then the same strings with one byte
** changed at random, which both must take alike or both refuse.
*/
START_TEST(test_ascii_random)
{
	uint64_t seed = 0x7472696275746172ULL; /* "tributar" */
	char s[80 * 4 + 1];
	size_t n, i;
	int valid = 0, refused = 0;

	for (i = 0; i < 5000; i++) {
		n = random_utf8(&seed, s, 80);
		ck_assert_msg(ascii_agrees(s, n), "random string %zu", i);
		if (n == 0)
			continue;
		s[rnd_in(&seed, 0, (uint32_t)n - 1)] = (char)rnd(&seed);
		if (ascii_agrees(s, n))
			valid++;
		else
			refused++;
	}
	/* Both outcomes were really tried. */
	ck_assert_int_gt(valid, 500);
	ck_assert_int_gt(refused, 500);
}
END_TEST

/* --- jsonflat_parse() against jansson --- */

static const char *const flat_keys[] = { "campaign", "text", "prompt" };

/*
** What jsonflat_parse() makes of the ${n} bytes at ${p} agrees with
** json_loadb(JSON_REJECT_DUPLICATES): it reads only objects of strings,
** with jansson's values, and reads every such object jansson reads. Returns
** 1 if it read it, 0 if it left it to jansson.
*/
static int
flat_agrees(const char *p, size_t n, const char *what)
{
	struct jsonflat f;
	json_error_t je;
	json_t *j, *v;
	const char *k;
	int rc, flat, i;

	rc = jsonflat_parse(p, n, flat_keys, 3, &f);
	ck_assert_int_ne(rc, JSONFLAT_NOMEM);
	j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
	flat = j != NULL && json_is_object(j);
	if (flat)
		json_object_foreach(j, k, v) if (!json_is_string(v)) flat = 0;
	ck_assert_msg(rc == (flat ? JSONFLAT_OK : JSONFLAT_OTHER),
	    "%s: jsonflat %d, jansson %s: %.*s", what, rc,
	    flat ? "an object of strings" : "something else", (int)n, p);
	if (rc == JSONFLAT_OK) {
		for (i = 0; i < 3; i++) {
			v = json_object_get(j, flat_keys[i]);
			ck_assert_msg((v == NULL) == (f.val[i] == NULL),
			    "%s: %s present in one only", what, flat_keys[i]);
			if (v == NULL)
				continue;
			ck_assert_uint_eq(f.len[i], json_string_length(v));
			ck_assert_msg(memcmp(f.val[i], json_string_value(v),
					  f.len[i]) == 0 &&
				f.val[i][f.len[i]] == '\0',
			    "%s: %s differs", what, flat_keys[i]);
		}
		jsonflat_free(&f);
	} else
		ck_assert_ptr_null(f.mem);
	json_decref(j);
	return (rc == JSONFLAT_OK);
}

/* Hand-picked bodies, read or left alone as jansson decides. */
START_TEST(test_flat_cases)
{
	static const struct {
		const char *body;
		int read;
	} cases[] = {
		{ "{\"campaign\":\"bench\",\"text\":\"Call +233 24 123 4567\"}",
		    1 },
		{ " {\r\n\t\"text\" : \"a\" ,\"campaign\":\"c\" } \n", 1 },
		{ "{}", 1 }, { "{\"other\":\"x\",\"text\":\"y\"}", 1 },
		{ "{\"text\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 1 },
		{ "{\"text\":\"\\u00e9\\u00C9\\u20AC\\ud83d\\ude00\"}", 1 },
		{ "{\"text\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}", 1 },
		{ "{\"\":\"empty key\"}", 1 },
		{ "{\"text\":\"a\",\"text\":\"b\"}", 0 },       /* duplicate */
		{ "{\"t\\u0065xt\":\"a\",\"text\":\"b\"}", 0 }, /* same key */
		{ "{\"text\":\"a\",\"n\":1}", 0 }, { "{\"text\":null}", 0 },
		{ "{\"text\":[\"a\"]}", 0 }, { "{\"text\":\"a\\u0000b\"}", 0 },
		{ "{\"text\":\"\\ud800\"}", 0 },
		{ "{\"text\":\"\\udc00\"}", 0 },
		{ "{\"text\":\"\\ud800\\u0041\"}", 0 },
		{ "{\"text\":\"\xed\xa0\x80\"}", 0 },
		{ "{\"text\":\"\xc0\xaf\"}", 0 },
		{ "{\"text\":\"\xf4\x90\x80\x80\"}", 0 },
		{ "{\"text\":\"\xe2\x82\"}", 0 },
		{ "{\"text\":\"tab\there\"}", 0 }, { "{\"text\":\"\\x\"}", 0 },
		{ "{\"text\":\"\\u12\"}", 0 }, { "{\"text\":\"a\",}", 0 },
		{ "{\"text\":\"a\"} x", 0 }, { "{\"text\":\"a\"", 0 },
		{ "{\"text\" \"a\"}", 0 }, { "{text:\"a\"}", 0 },
		{ "[\"a\"]", 0 }, { "\"a\"", 0 }, { "", 0 }, { "   ", 0 },
		{ "\xef\xbb\xbf{\"text\":\"a\"}", 0 }, /* a byte-order mark */
	};
	char what[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "case %zu", i);
		ck_assert_int_eq(
		    flat_agrees(cases[i].body, strlen(cases[i].body), what),
		    cases[i].read);
	}
	/* A NUL byte in the body, inside a string or out. */
	ck_assert_int_eq(flat_agrees("{\"text\":\"a\0b\"}", 14, "raw NUL"), 0);
	ck_assert_int_eq(flat_agrees("{\"text\":\"a\"}\0", 13, "NUL after"), 0);
}
END_TEST

/*
** Random objects of random strings, written by jansson (escaped to ASCII
** or not, keys sorted or not, compact or indented), are read with
** jansson's values; then each is broken at one random byte and must still
** agree with jansson.
*/
START_TEST(test_flat_random)
{
	uint64_t seed = 0x666c61746a736f6eULL; /* "flatjson" */
	static const size_t flags[] = { JSON_COMPACT, JSON_ENSURE_ASCII,
		JSON_INDENT(2) | JSON_SORT_KEYS,
		JSON_COMPACT | JSON_ENSURE_ASCII };
	char s[80 * 4 + 1], key[24];
	json_t *o;
	char *d;
	size_t n, i, k, members;
	int read = 0, left = 0;

	for (i = 0; i < 3000; i++) {
		o = json_object();
		members = rnd_in(&seed, 0, 5);
		for (k = 0; k < members; k++) {
			n = random_utf8(&seed, s, 80);
			if (memchr(s, '\0', n) != NULL)
				continue;
			if (k < 3)
				snprintf(key, sizeof(key), "%s", flat_keys[k]);
			else
				snprintf(key, sizeof(key), "k%zu", k);
			json_object_set_new(o, key, json_stringn(s, n));
		}
		d = json_dumps(o, flags[i % 4]);
		ck_assert_ptr_nonnull(d);
		n = strlen(d);
		ck_assert_msg(
		    flat_agrees(d, n, "written by jansson"), "not read: %s", d);
		if (n > 0) {
			d[rnd_in(&seed, 0, (uint32_t)n - 1)] = (char)rnd(&seed);
			if (flat_agrees(d, n, "one byte changed"))
				read++;
			else
				left++;
		}
		free(d);
		json_decref(o);
	}
	/* Both outcomes were really tried. */
	ck_assert_int_gt(read, 300);
	ck_assert_int_gt(left, 300);
}
END_TEST

/* Bad UTF-8: jansson refuses each, and so must buf_json_ascii(). */
START_TEST(test_ascii_invalid)
{
	static const struct {
		const char *s;
		const char *what;
	} bad[] = {
		{ "\x80", "a lone continuation byte" },
		{ "\xbf", "a lone continuation byte" },
		{ "ab\x80"
		  "cd",
		    "a continuation byte inside text" },
		{ "\xc3\xa9\x80", "a continuation byte too many" },
		{ "\xc3", "a 2-byte sequence cut at the end" },
		{ "abc\xe6\x97", "a 3-byte sequence cut at the end" },
		{ "abc\xe6", "a 3-byte lead alone at the end" },
		{ "x\xf0\x9f\x98", "a 4-byte sequence cut at the end" },
		{ "\xc3("
		  "x",
		    "a lead byte followed by ASCII" },
		{ "\xe2(\xa1", "a bad second byte of three" },
		{ "\xe2\x82(", "a bad third byte of three" },
		{ "\xf0\x9f\x98(", "a bad fourth byte of four" },
		{ "\xc0\x80", "overlong NUL (C0 80)" },
		{ "\xc0\xaf", "overlong '/'" },
		{ "\xc1\xbf", "overlong U+007F" },
		{ "\xe0\x80\x80", "overlong 3-byte NUL (E0 80 80)" },
		{ "\xe0\x9f\xbf", "overlong U+07FF" },
		{ "\xf0\x80\x80\x80", "overlong 4-byte NUL" },
		{ "\xf0\x8f\xbf\xbf", "overlong U+FFFF" },
		{ "\xed\xa0\x80", "surrogate U+D800 (ED A0 80)" },
		{ "\xed\xaf\xbf", "surrogate U+DBFF" },
		{ "\xed\xb0\x80", "surrogate U+DC00" },
		{ "\xed\xbf\xbf", "surrogate U+DFFF" },
		{ "\xed\xa0\xbd\xed\xb8\x80", "a CESU-8 surrogate pair" },
		{ "\xf4\x90\x80\x80", "U+110000 (F4 90 80 80)" },
		{ "\xf7\xbf\xbf\xbf", "U+1FFFFF" },
		{ "\xf5\x80\x80\x80", "F5" },
		{ "\xf8\x88\x80\x80\x80", "a 5-byte sequence" },
		{ "\xfc\x84\x80\x80\x80\x80", "a 6-byte sequence" },
		{ "\xfe", "FE" },
		{ "\xff", "FF" },
		{ "ok \xc3\xa9 then \xff", "FF after good text" },
	};
	char s[16], t[64];
	size_t i, n;
	int c, d;

	for (i = 0; i < NELEM(bad); i++) {
		n = strlen(bad[i].s);
		ck_assert_msg(json_stringn(bad[i].s, n) == NULL,
		    "jansson takes %s", bad[i].what);
		ck_assert_msg(ascii_agrees(bad[i].s, n) == 0, "%s was taken",
		    bad[i].what);
		/* Inside text too. */
		n = (size_t)snprintf(t, sizeof(t), "\"a\\%s\tz", bad[i].s);
		ck_assert_msg(
		    ascii_agrees(t, n) == 0, "%s inside text", bad[i].what);
	}
	/* No byte 80..FF stands alone, and F5..FF never start anything. */
	for (c = 0x80; c <= 0xff; c++) {
		s[0] = (char)c;
		ck_assert_msg(ascii_agrees(s, 1) == 0, "%02x alone", c);
		if (c < 0xf5)
			continue;
		for (d = 0x80; d <= 0xbf; d++) {
			s[1] = s[2] = s[3] = (char)d;
			ck_assert_msg(
			    ascii_agrees(s, 4) == 0, "%02x %02x..", c, d);
		}
	}
	/* Every lead byte with every second byte: the two must agree. */
	for (c = 0xc0; c <= 0xf4; c++)
		for (d = 0; d <= 0xff; d++) {
			s[0] = (char)c;
			s[1] = (char)d;
			s[2] = s[3] = (char)0x80;
			ascii_agrees(s, 2);
			ascii_agrees(s, 3);
			ascii_agrees(s, 4);
		}
}
END_TEST

/* ---------------------------------------------------------------------
** buf_printf() against snprintf()
*/

/* ${n} bytes of a pattern into a new string. */
static char *
pattern(size_t n, char first)
{
	char *s = malloc(n + 1);
	size_t i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++)
		s[i] = (char)(first + (char)(i % 26));
	s[n] = '\0';
	return (s);
}

/* ${b} holds exactly the ${n} bytes of ${want}, then a NUL. */
static void
buf_is(const struct buf *b, const char *want, size_t n, const char *what)
{
	ck_assert_msg(b->n == n, "%s: n is %zu, want %zu", what, b->n, n);
	ck_assert_msg(
	    b->p != NULL && b->n < b->cap, "%s: no room for NUL", what);
	ck_assert_msg(memcmp(b->p, want, n) == 0, "%s: differs from byte %zu",
	    what, first_diff(b->p, b->n, want, n));
	ck_assert_msg(b->p[b->n] == '\0', "%s: not NUL-terminated", what);
}

/* Appends to ${ref} (${*refn} bytes, room for ${cap}) what snprintf
** makes of "%s|%d" with ${s}, ${d}. */
static void
ref_printf(char *ref, size_t *refn, size_t cap, const char *s, int d)
{
	int k = snprintf(ref + *refn, cap - *refn, "%s|%d", s, d);

	ck_assert(k >= 0 && (size_t)k < cap - *refn);
	*refn += (size_t)k;
}

/* Outputs of 0 to 100000 bytes, fresh and appended over and over. */
START_TEST(test_printf_lengths)
{
	static const size_t lens[] = { 0, 1, 126, 127, 128, 129, 1000, 100000 };
	struct buf b = { 0 }, one;
	size_t cap = 4 * (100000 + 1200 + 64 * NELEM(lens)), refn = 0, i;
	char *ref = malloc(cap), *s, what[64];
	int round;

	ck_assert_ptr_nonnull(ref);
	/* Nothing at all: still a string. */
	ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
	buf_is(&b, "", 0, "empty");
	for (round = 0; round < 3; round++)
		for (i = 0; i < NELEM(lens); i++) {
			s = pattern(lens[i], (char)('a' + round));
			/* Alone in a fresh buffer, with no arguments to
			** format, and with some. */
			memset(&one, 0, sizeof(one));
			ck_assert_int_eq(buf_printf(&one, "%s", s), 0);
			snprintf(
			    what, sizeof(what), "%zu bytes fresh", lens[i]);
			buf_is(&one, s, lens[i], what);
			buf_free(&one);
			/* Appended to everything before (the format makes it
			** 2 to 7 bytes longer than ${s}). */
			ck_assert_int_eq(
			    buf_printf(&b, "%s|%d", s, (int)(i * 1000)), 0);
			ref_printf(ref, &refn, cap, s, (int)(i * 1000));
			snprintf(what, sizeof(what), "round %d, %zu bytes",
			    round, lens[i]);
			buf_is(&b, ref, refn, what);
			free(s);
		}
	buf_free(&b);
	free(ref);
}
END_TEST

/*
** Every prefix of 0 to 520 bytes, then an output that leaves 2 bytes of
** the room there is, 1, none, or is 1 or 2 bytes too long (the room
** counted after buf_printf()'s own reserve); and every pair of a prefix
** and an output of up to 200 bytes.
*/
START_TEST(test_printf_room)
{
	struct buf b;
	char *pre = pattern(600, 'A'), *s = pattern(800, 'a'), what[64];
	char *want = malloc(1500);
	size_t p, room, len;
	int delta;

	ck_assert_ptr_nonnull(want);
	for (p = 0; p <= 520; p++)
		for (delta = -2; delta <= 2; delta++) {
			memset(&b, 0, sizeof(b));
			ck_assert_int_eq(buf_append(&b, pre, p), 0);
			ck_assert_int_eq(buf_reserve(&b, 128), 0);
			room = b.cap - b.n - 1; /* bytes before the NUL */
			if ((long)room + delta < 0)
				continue;
			len = (size_t)((long)room + delta);
			ck_assert_int_eq(
			    buf_printf(&b, "%.*s", (int)len, s), 0);
			memcpy(want, pre, p);
			memcpy(want + p, s, len);
			snprintf(what, sizeof(what), "prefix %zu, output %zu",
			    p, len);
			buf_is(&b, want, p + len, what);
			buf_free(&b);
		}
	for (p = 0; p <= 200; p++)
		for (len = 0; len <= 200; len++) {
			memset(&b, 0, sizeof(b));
			ck_assert_int_eq(buf_append(&b, pre, p), 0);
			ck_assert_int_eq(
			    buf_printf(&b, "%.*s", (int)len, s), 0);
			memcpy(want, pre, p);
			memcpy(want + p, s, len);
			snprintf(what, sizeof(what), "prefix %zu, output %zu",
			    p, len);
			buf_is(&b, want, p + len, what);
			buf_free(&b);
		}
	free(pre);
	free(s);
	free(want);
}
END_TEST

/* buf_int() writes what snprintf's %lld writes: the ends of the range,
** around every power of ten, and a spread of values between. */
START_TEST(test_int_decimal)
{
	struct buf b = { 0 };
	char ref[64];
	long long v, p;
	int i, k, n;

	for (i = 0; i < 2000; i++) {
		switch (i % 5) {
		case 0: v = i / 5; break;
		case 1: v = -(long long)(i / 5); break;
		case 2: v = INT64_MAX - i; break;
		case 3: v = INT64_MIN + i; break;
		default:
			v = (long long)((unsigned long long)i * 2654435761u);
			break;
		}
		b.n = 0;
		ck_assert_int_eq(buf_int(&b, v), 0);
		n = snprintf(ref, sizeof(ref), "%lld", v);
		buf_is(&b, ref, (size_t)n, "buf_int");
	}
	for (p = 1, k = 0; k < 18; k++, p *= 10)
		for (v = p - 2; v <= p + 1; v++) {
			b.n = 0;
			ck_assert_int_eq(buf_int(&b, v), 0);
			ck_assert_int_eq(buf_int(&b, -v), 0);
			n = snprintf(ref, sizeof(ref), "%lld%lld", v, -v);
			buf_is(&b, ref, (size_t)n, "around a power of ten");
		}
	buf_free(&b);
}
END_TEST

/* Ten thousand small appends, a big one, then small ones again; with
** the conversions the server uses. */
START_TEST(test_printf_many)
{
	struct buf b = { 0 };
	size_t cap = 400000, refn = 0;
	char *ref = malloc(cap), *big = pattern(100000, 'k');
	int i, k;

	ck_assert_ptr_nonnull(ref);
	for (i = 0; i < 10000; i++) {
		ck_assert_int_eq(buf_printf(&b, "%d,", i), 0);
		refn += (size_t)snprintf(ref + refn, cap - refn, "%d,", i);
		if (i % 997 == 0)
			buf_is(&b, ref, refn, "small appends");
	}
	buf_is(&b, ref, refn, "small appends");
	ck_assert_int_eq(buf_printf(&b, "[%s]", big), 0);
	refn += (size_t)snprintf(ref + refn, cap - refn, "[%s]", big);
	buf_is(&b, ref, refn, "then a big one");
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(
		    buf_printf(&b, "%s\"%s\":%zu %05d %x %lld %.3f %c%%",
			i ? "," : "", "EMAIL", (size_t)i, -i,
			(unsigned)i * 4099u, (long long)INT64_MAX - i, i / 7.0,
			'A' + i % 26),
		    0);
		k = snprintf(ref + refn, cap - refn,
		    "%s\"%s\":%zu %05d %x %lld %.3f %c%%", i ? "," : "",
		    "EMAIL", (size_t)i, -i, (unsigned)i * 4099u,
		    (long long)INT64_MAX - i, i / 7.0, 'A' + i % 26);
		refn += (size_t)k;
	}
	buf_is(&b, ref, refn, "and small ones again");
	buf_free(&b);
	free(ref);
	free(big);
}
END_TEST

/* ---------------------------------------------------------------------
** redact_result.report_json against json_dumps(report, JSON_SORT_KEYS)
*/

struct report_tally {
	int texts, none, one, several, handle, contact;
};

/* Redacts ${s} under ${rs} and ${ctx}; report_json must be what jansson
** writes of report. Tallies the kinds found in ${t}. */
static void
report_agrees(const struct redact_set *rs, const char *s,
    const struct redact_ctx *ctx, struct report_tally *t)
{
	struct redact_result r;
	struct err e = { 0 };
	size_t kinds;
	char *want;

	ck_assert_msg(redact_text(rs, s, strlen(s), ctx, &r, &e) == 0,
	    "redact_text(%s): %s", s, e.msg);
	ck_assert_ptr_nonnull(r.report);
	ck_assert_msg(r.report_json != NULL, "no report_json for %s", s);
	want = json_dumps(r.report, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_ptr_nonnull(want);
	ck_assert_msg(strcmp(r.report_json, want) == 0,
	    "%s\n  report_json %s\n  jansson     %s", s, r.report_json, want);
	kinds = json_object_size(r.report);
	t->texts++;
	if (kinds == 0)
		t->none++;
	else if (kinds == 1)
		t->one++;
	else
		t->several++;
	t->handle += json_object_get(r.report, "HANDLE") != NULL;
	t->contact += json_object_get(r.report, "CONTACT") != NULL;
	free(want);
	/* Asked for report_json alone: the same text and bytes, no tree. */
	{
		struct redact_ctx jo = { 0 };
		struct redact_result r2;

		if (ctx != NULL)
			jo = *ctx;
		jo.json_only = 1;
		ck_assert_msg(redact_text(rs, s, strlen(s), &jo, &r2, &e) == 0,
		    "json_only %s: %s", s, e.msg);
		ck_assert_ptr_null(r2.report);
		ck_assert_uint_eq(r2.len, r.len);
		ck_assert_str_eq(r2.text, r.text);
		ck_assert_str_eq(r2.report_json, r.report_json);
		redact_result_free(&r2);
	}
	redact_result_free(&r);
}

/*
** Every text of the corpus (its inputs and its expected outputs, which
** hold no personal data), with no author, with an author whose handle and
** contacts appear in it; and a few texts made to hold many kinds and
** counts past 9.
*/
START_TEST(test_report_corpus)
{
	static const char *const made[] = {
		"",
		"Nothing personal here at all.",
		"kofi_m here: mail a@example.com, b@example.org, "
		"c@example.net, d@example.com, e@example.com, f@example.com, "
		"g@example.com, h@example.com, i@example.com, j@example.com, "
		"k@example.com, l@example.com",
		"I am Kofi_M. See https://example.com/x or 192.0.2.7, card "
		"4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32, call "
		"+233 24 555 0000, write kofi.mensah@example.com, kt. "
		"120389-4569",
	};
	struct redact_set *rs = load_all();
	uint8_t key[32] = { 7 }, hashes[2][32];
	struct redact_ctx author = { .handle = "Kofi",
		.contact_key = key,
		.contact_hashes = (const uint8_t(*)[32])hashes,
		.ncontacts = 2 };
	struct redact_ctx handle_only = { .handle = "kofi_m" };
	struct report_tally t = { 0 };
	char *corpus, *line, *save = NULL, *tab;
	size_t n, i;

	ck_assert_int_eq(
	    redact_contact_hash(key, "kofi.mensah@example.com", hashes[0]), 0);
	ck_assert_int_eq(
	    redact_contact_hash(key, "+233 24 123 4567", hashes[1]), 0);
	corpus = tu_slurp(tu_src_path("tests/redact/corpus.tsv"), &n);
	for (line = strtok_r(corpus, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == '\0')
			continue;
		tab = strchr(line, '\t');
		ck_assert_msg(tab != NULL, "corpus.tsv: no tab: %s", line);
		*tab = '\0';
		report_agrees(rs, line, NULL, &t);
		report_agrees(rs, line, &author, &t);
		report_agrees(rs, tab + 1, NULL, &t);
	}
	free(corpus);
	for (i = 0; i < NELEM(made); i++) {
		report_agrees(rs, made[i], NULL, &t);
		report_agrees(rs, made[i], &author, &t);
		report_agrees(rs, made[i], &handle_only, &t);
	}
	/* Each shape of report was met, not just "{}". */
	ck_assert_int_ge(t.texts, 900);
	ck_assert_int_gt(t.none, 100);
	ck_assert_int_gt(t.one, 100);
	ck_assert_int_gt(t.several, 10);
	ck_assert_int_ge(t.handle, 4);
	ck_assert_int_gt(t.contact, 1);
	redact_free(rs);
}
END_TEST

/* A few reports spelt out, so the check does not rest on jansson alone. */
START_TEST(test_report_fixed)
{
	static const struct {
		const char *s;
		const char *want;
	} cases[] = {
		{ "", "{}" },
		{ "Akwaaba, \xc9\x9b y\xc9\x9b!", "{}" },
		{ "mail ama@example.com", "{\"EMAIL\":1}" },
		{ "kofi_m: +233 24 555 0000 or ama@example.com",
		    "{\"EMAIL\":1,\"HANDLE\":1,\"PHONE\":1}" },
		{ "a@example.com b@example.com c@example.com d@example.com "
		  "e@example.com f@example.com g@example.com h@example.com "
		  "i@example.com j@example.com k@example.com",
		    "{\"EMAIL\":11}" },
		{ "https://example.com/a and 4111 1111 1111 1111",
		    "{\"CARD\":1,\"URL\":1}" },
	};
	struct redact_set *rs = load_all();
	struct redact_ctx ctx = { .handle = "kofi_m" };
	struct redact_result r;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		ck_assert_int_eq(redact_text(rs, cases[i].s, strlen(cases[i].s),
				     &ctx, &r, &e),
		    0);
		ck_assert_msg(strcmp(r.report_json, cases[i].want) == 0,
		    "%s: report_json %s, want %s", cases[i].s, r.report_json,
		    cases[i].want);
		redact_result_free(&r);
	}
	redact_free(rs);
}
END_TEST

/* ---------------------------------------------------------------------
** contrib_new_answer() against contrib_new_json()
*/

/*
** The answer to ${c} in ${campaign}: contrib_new_answer() must append
** exactly json_dumps({"contribution": contrib_new_json()}, JSON_COMPACT |
** JSON_ENSURE_ASCII) after what ${out} holds.
*/
static void
answer_agrees(const struct contrib_new *c, const char *campaign)
{
	struct buf out = { 0 };
	json_t *o, *tree;
	char *want;
	size_t wn;

	ck_assert_int_eq(buf_puts(&out, "HTTP/1.1 201\r\n\r\n"), 0);
	ck_assert_msg(contrib_new_answer(c, campaign, &out) == 0,
	    "contrib_new_answer refused id %lld text %s", (long long)c->id,
	    show(c->text, strlen(c->text)));
	ck_assert_ptr_nonnull(o = contrib_new_json(c, campaign));
	ck_assert_ptr_nonnull(tree = json_pack("{s:o}", "contribution", o));
	want = json_dumps(tree, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(tree);
	ck_assert_ptr_nonnull(want);
	wn = strlen(want);
	ck_assert_msg(strncmp(out.p, "HTTP/1.1 201\r\n\r\n", 16) == 0,
	    "what was in the buffer was overwritten");
	ck_assert_msg(out.n - 16 == wn && memcmp(out.p + 16, want, wn) == 0,
	    "from byte %zu contrib_new_answer wrote\n  %s\njansson\n  %s",
	    first_diff(out.p + 16, out.n - 16, want, wn), out.p + 16, want);
	ck_assert(out.p[out.n] == '\0');
	free(want);
	buf_free(&out);
}

/* A report as redaction makes it: kinds in the set's order, not sorted. */
static json_t *
report_of(int which)
{
	switch (which) {
	case 0: return (json_object());
	case 1: return (json_pack("{s:i}", "EMAIL", 1));
	case 2:
		return (json_pack(
		    "{s:i,s:i,s:i}", "HANDLE", 1, "URL", 12, "EMAIL", 3));
	default:
		return (json_pack("{s:i,s:i,s:i,s:i}", "PHONE", 2, "CARD", 1,
		    "CONTACT", 1, "IBAN", 10));
	}
}

/* Texts, prompts, ids, times and slugs in every combination. */
START_TEST(test_answer_matrix)
{
	static const char *const texts[] = {
		"",
		"Akwaaba to the drive.",
		"[EMAIL] or [PHONE], please.",
		"Caf\xc3\xa9 \xc9\x9b \xc9\x94 \xd0\xa2\xd0\xbe\xd2\xb7\xd0\xb8"
		"\xd0\xba\xd3\xa3 \xc3\xbe\xc3\xb0 \xe6\x97\xa5\xe6\x9c\xac "
		"\xf0\x9f\x98\x80",
		"a \"quote\", a back\\slash, a /slash, tab\there,\nnew line,\r"
		"\x01\x1f\x7f\b\f end",
		"\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\xc2\x80",
	};
	static const char *const prompts[] = {
		NULL,
		"",
		"\xc6\x90y\xc9\x9b d\xc9\x9bn? \xd0\xa7\xd1\x82\xd0\xbe?",
		"What's \"new\"?\n\t\\ \xf0\x9f\x91\x8d",
	};
	static const int64_t ids[] = { 0, 1, 42, 4294967296LL, INT64_MAX };
	static const int64_t times[] = { 0, 1700000000, 4102444800LL, INT64_MAX,
		-1, INT64_MIN };
	static const char *const slugs[] = { "demo-text", "a", "drive_2024.v2",
		"\xc3\xbe\xc3\xa1tt\xc3\xb6ku-\xc9\x9b", "odd\"slug\\" };
	struct contrib_new c;
	size_t t, p, i, s, r = 0;

	for (t = 0; t < NELEM(texts); t++)
		for (p = 0; p < NELEM(prompts); p++)
			for (i = 0; i < NELEM(ids); i++)
				for (s = 0; s < NELEM(slugs); s++, r++) {
					memset(&c, 0, sizeof(c));
					c.kind = "text";
					c.text = texts[t];
					c.prompt = prompts[p];
					c.id = ids[i];
					c.created_at =
					    times[(i + s) % NELEM(times)];
					c.report = report_of((int)(r % 4));
					c.report_json = json_dumps(c.report,
					    JSON_COMPACT | JSON_SORT_KEYS);
					answer_agrees(&c, slugs[s]);
					free((char *)c.report_json);
					json_decref(c.report);
				}
}
END_TEST

/* As the server pairs them: text, report and report_json of one
** redaction, the prompt redacted too. */
START_TEST(test_answer_redacted)
{
	static const char *const texts[] = {
		"Write to ama.owusu@example.com or call +233 24 123 4567.",
		"kofi_m (\xc3\xa9 \xc9\x9b \xd0\xa2\xd0\xbe\xd2\xb7\xd0\xb8"
		"\xd0\xba\xd3\xa3 \xc3\xbe \xe6\x97\xa5\xe6\x9c\xac "
		"\xf0\x9f\x98\x80) says \"hi\"\tat https://example.com/x\n"
		"card 4111 1111 1111 1111",
		"Nothing to hide.",
	};
	struct redact_set *rs = load_all();
	struct redact_ctx ctx = { .handle = "kofi_m" };
	struct redact_result tr, pr;
	struct contrib_new c;
	struct err e = { 0 };
	size_t i;

	for (i = 0; i < NELEM(texts); i++) {
		ck_assert_int_eq(
		    redact_text(rs, texts[i], strlen(texts[i]), &ctx, &tr, &e),
		    0);
		ck_assert_int_eq(redact_text(rs, texts[(i + 1) % 3],
				     strlen(texts[(i + 1) % 3]), &ctx, &pr, &e),
		    0);
		memset(&c, 0, sizeof(c));
		c.kind = "text";
		c.text = tr.text;
		c.report = tr.report;
		c.report_json = tr.report_json;
		c.id = (int64_t)i + 1;
		c.created_at = 1754000000 + (int64_t)i;
		answer_agrees(&c, "demo-text");
		c.prompt = pr.text;
		answer_agrees(&c, "demo-text");
		redact_result_free(&tr);
		redact_result_free(&pr);
	}
	redact_free(rs);
}
END_TEST

/* What the fast path does not answer: audio, no report_json, bad UTF-8
** (which the tree cannot hold either). */
START_TEST(test_answer_refuses)
{
	struct contrib_new c = { 0 };
	struct buf out = { 0 };
	json_t *rep = json_object();

	c.kind = "text";
	c.text = "hello";
	c.id = 5;
	c.created_at = 1700000000;
	c.report = rep;
	c.report_json = "{}";
	ck_assert_int_eq(contrib_new_answer(&c, "demo-text", &out), 0);
	buf_free(&out);

	c.report_json = NULL;
	ck_assert_int_eq(contrib_new_answer(&c, "demo-text", &out), -1);
	buf_free(&out);

	c.report_json = "{}";
	c.kind = "audio";
	c.text = NULL;
	c.audio_sha256 = "e3b0c44298fc1c149afbf4c8996fb924"
			 "27ae41e4649b934ca495991b7852b855";
	c.duration = 2.5;
	c.sample_rate = 16000;
	ck_assert_int_eq(contrib_new_answer(&c, "demo-audio", &out), -1);
	buf_free(&out);
	/* Even with a text beside it. */
	c.text = "a transcript";
	ck_assert_int_eq(contrib_new_answer(&c, "demo-audio", &out), -1);
	buf_free(&out);

	/* Not UTF-8: the fast path fails, and the tree has no text. */
	c.kind = "text";
	c.audio_sha256 = NULL;
	c.text = "bad \xc0\x80 byte";
	ck_assert_int_eq(contrib_new_answer(&c, "demo-text", &out), -1);
	buf_free(&out);
	ck_assert_ptr_null(contrib_new_json(&c, "demo-text"));
	json_decref(rep);
}
END_TEST

/* ---------------------------------------------------------------------
** sha256_parts()
*/

/* SHA-256 of ${n} bytes at ${p} by OpenSSL directly, not through
** crypto.c (whose sha256_digest() is sha256_parts() of one piece). */
static void
openssl_sha(const void *p, size_t n, uint8_t out[SHA256_LEN])
{
	unsigned int len = 0;

	ck_assert_int_eq(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	ck_assert_uint_eq(len, SHA256_LEN);
}

/* FIPS 180-2 vectors, k = 0, and many splits of one message. */
START_TEST(test_sha_parts)
{
	static const struct {
		const char *msg;
		const char *hex;
	} fips[] = {
		{ "abc",
		    "ba7816bf8f01cfea414140de5dae2223"
		    "b00361a396177a9cb410ff61f20015ad" },
		{ "",
		    "e3b0c44298fc1c149afbf4c8996fb924"
		    "27ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		    "248d6a61d20638b8e5c026930c3e6039"
		    "a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t got[SHA256_LEN], want[SHA256_LEN], one[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1], msg[300];
	const void *p[8];
	size_t n[8], len, a, b, i, k;
	uint64_t seed = 42;
	char *mil;
	struct sha256 *h;

	for (i = 0; i < NELEM(fips); i++) {
		p[0] = fips[i].msg;
		n[0] = strlen(fips[i].msg);
		ck_assert_int_eq(sha256_parts(p, n, 1, got), 0);
		hex_encode(got, SHA256_LEN, hex);
		ck_assert_str_eq(hex, fips[i].hex);
		ck_assert_int_eq(sha256_digest(p[0], n[0], got), 0);
		hex_encode(got, SHA256_LEN, hex);
		ck_assert_str_eq(hex, fips[i].hex);
	}
	/* "abc" a letter at a time, with empty pieces between. */
	p[0] = "a", n[0] = 1;
	p[1] = "", n[1] = 0;
	p[2] = "b", n[2] = 1;
	p[3] = "xyz", n[3] = 0;
	p[4] = "c", n[4] = 1;
	p[5] = "", n[5] = 0;
	ck_assert_int_eq(sha256_parts(p, n, 6, got), 0);
	hex_encode(got, SHA256_LEN, hex);
	ck_assert_str_eq(hex, fips[0].hex);
	/* No pieces at all is the empty message. */
	ck_assert_int_eq(sha256_parts(p, n, 0, got), 0);
	hex_encode(got, SHA256_LEN, hex);
	ck_assert_str_eq(hex, fips[1].hex);
	/* A million 'a' in pieces of 1000 and one of the rest. */
	mil = malloc(1000000);
	ck_assert_ptr_nonnull(mil);
	memset(mil, 'a', 1000000);
	p[0] = mil, n[0] = 1000;
	p[1] = mil + 1000, n[1] = 999000;
	ck_assert_int_eq(sha256_parts(p, n, 2, got), 0);
	hex_encode(got, SHA256_LEN, hex);
	ck_assert_str_eq(hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(mil);

	/* Every two- and three-way split of messages up to 130 bytes
	** (over two SHA-256 blocks), against OpenSSL, the one-shot and the
	** streaming API. */
	for (len = 0; len <= 130; len++) {
		for (i = 0; i < len; i++)
			msg[i] = (char)rnd(&seed);
		openssl_sha(msg, len, want);
		ck_assert_int_eq(sha256_digest(msg, len, one), 0);
		ck_assert(memcmp(one, want, SHA256_LEN) == 0);
		ck_assert_ptr_nonnull(h = sha256_new());
		ck_assert_int_eq(sha256_update(h, msg, len / 3), 0);
		ck_assert_int_eq(
		    sha256_update(h, msg + len / 3, len - len / 3), 0);
		ck_assert_int_eq(sha256_final(h, one), 0);
		ck_assert(memcmp(one, want, SHA256_LEN) == 0);
		for (a = 0; a <= len; a++)
			for (b = a; b <= len; b += (len > 40 ? 7 : 1)) {
				p[0] = msg, n[0] = a;
				p[1] = msg + a, n[1] = b - a;
				p[2] = msg + b, n[2] = len - b;
				k = b == len ? 2 : 3;
				ck_assert_int_eq(sha256_parts(p, n, k, got), 0);
				ck_assert_msg(
				    memcmp(got, want, SHA256_LEN) == 0,
				    "%zu bytes split at %zu, %zu", len, a, b);
			}
	}
}
END_TEST

#define NTHREADS 8
#define NROUNDS  3000

struct sha_thread {
	pthread_barrier_t *bar;
	uint64_t seed;
	int bad, done;
};

/* NROUNDS random messages, each in 0 to 4 random pieces (some empty),
** checked against OpenSSL; counts the wrong answers. */
static void *
sha_thread(void *arg)
{
	struct sha_thread *t = arg;
	uint8_t got[SHA256_LEN], want[SHA256_LEN];
	unsigned int wl;
	char msg[512];
	const void *p[4];
	size_t n[4], cut[5], len, i, j, k, tmp;
	int r;

	pthread_barrier_wait(t->bar);
	for (r = 0; r < NROUNDS; r++) {
		len = rnd_in(&t->seed, 0, sizeof(msg));
		for (i = 0; i < len; i++)
			msg[i] = (char)rnd(&t->seed);
		/* k pieces between k + 1 sorted cuts from 0 to len; no
		** pieces is the empty message. */
		if ((k = rnd_in(&t->seed, 0, 4)) == 0)
			len = 0;
		cut[0] = 0;
		cut[k] = len;
		for (i = 1; i < k; i++)
			cut[i] = rnd_in(&t->seed, 0, (uint32_t)len);
		for (i = 1; i < k; i++)
			for (j = i; j > 1 && cut[j - 1] > cut[j]; j--) {
				tmp = cut[j];
				cut[j] = cut[j - 1];
				cut[j - 1] = tmp;
			}
		for (i = 0; i < k; i++) {
			p[i] = msg + cut[i];
			n[i] = cut[i + 1] - cut[i];
		}
		if (sha256_parts(p, n, k, got) != 0 ||
		    EVP_Digest(msg, len, want, &wl, EVP_sha256(), NULL) != 1 ||
		    memcmp(got, want, SHA256_LEN) != 0)
			t->bad++;
		t->done++;
	}
	return (NULL);
}

/* Eight threads hashing at once, each on the context it keeps; under
** ASan a context left behind when a thread exits is reported. */
START_TEST(test_sha_threads)
{
	pthread_t th[NTHREADS];
	struct sha_thread t[NTHREADS];
	pthread_barrier_t bar;
	int i, round;

	/* Twice, so threads that exit are followed by new ones. */
	for (round = 0; round < 2; round++) {
		ck_assert_int_eq(pthread_barrier_init(&bar, NULL, NTHREADS), 0);
		for (i = 0; i < NTHREADS; i++) {
			t[i] = (struct sha_thread){ &bar,
				0x5eed0000ULL + (uint64_t)(round * 100 + i), 0,
				0 };
			ck_assert_int_eq(
			    pthread_create(&th[i], NULL, sha_thread, &t[i]), 0);
		}
		for (i = 0; i < NTHREADS; i++) {
			pthread_join(th[i], NULL);
			ck_assert_msg(t[i].bad == 0,
			    "thread %d: %d of %d digests wrong", i, t[i].bad,
			    t[i].done);
			ck_assert_int_eq(t[i].done, NROUNDS);
		}
		pthread_barrier_destroy(&bar);
	}
}
END_TEST

/* ---------------------------------------------------------------------
** Through the real server
*/

/* The text and prompt sent, and what the answers must say of them. */
#define TEXT                                                                   \
	"Akwaaba! \xc3\xa9 \xc9\x9b \xd0\xa2\xd0\xbe\xd2\xb7\xd0\xb8\xd0\xba"  \
	"\xd3\xa3 \xc3\xbe \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 "         \
	"\"quoted\" back\\slash\there\nnext line: "
#define TEXT_PII  "write ama.owusu@example.com or call +233 24 123 4567."
#define TEXT_SAFE "write [EMAIL] or call [PHONE]."
#define PROMPT                                                                 \
	"\xc6\x90y\xc9\x9b d\xc9\x9bn? \xd0\xa7\xd1\x82\xd0\xbe \xd0\xbd"      \
	"\xd0\xbe\xd0\xb2\xd0\xbe\xd0\xb3\xd0\xbe, \"vinur\"? Hva\xc3\xb0 "    \
	"segir\xc3\xb0u? \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x91\x8d"

/*
** ${method} ${path} on the node as ${w} (may be NULL), with its CSRF
** token, the Idempotency-Key ${key} (may be NULL) and the JSON ${body}
** (may be NULL). Returns the status.
*/
static long
send_req(const char *method, const char *path, const struct who *w,
    const char *key, const char *body, struct tu_resp *out)
{
	struct tu_req q = { w, 1, key, body ? "application/json" : NULL, NULL,
		body, body ? strlen(body) : 0 };

	return (tu_request(&srv, method, path, &q, out));
}

/* The first use of drive card ${i}: a new person, logged in, who then
** consents to demo-text on the current English document. */
static void
card_person(int i, struct who *w)
{
	struct tu_resp r;
	char body[512];
	json_t *j;

	snprintf(body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}",
	    cards[i]);
	send_req("POST", "/api/v1/login", NULL, NULL, body, &r);
	ck_assert_msg(r.status == 201, "first use of card %d: %ld %.300s", i,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);

	ck_assert_int_eq(send_req("GET", "/api/v1/consent/general?lang=en",
			     NULL, NULL, NULL, &r),
	    200);
	j = jbody(&r);
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"demo-text\",\"document\":\"%s\",\"scopes\":"
	    "[\"publish_text\"],\"age_confirmed\":true}",
	    jstr(j, "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	send_req("POST", "/api/v1/consents", w, NULL, body, &r);
	ck_assert_msg(r.status == 201, "consent: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
}

/* ${r} is the JSON jansson writes (compact, ASCII) of what it says, and
** says it of ${text}, ${prompt} (NULL: null) and {"EMAIL":1,"PHONE":1}.
** The contribution's id. */
static long long
answer_says(const struct tu_resp *r, const char *text, const char *prompt)
{
	json_t *j, *c, *rep;
	char *again;
	long long id;
	size_t i;

	for (i = 0; i < r->n; i++)
		ck_assert_msg((unsigned char)r->body[i] < 0x80,
		    "byte %zu of the answer is not ASCII", i);
	j = jbody(r);
	again = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	ck_assert_msg(
	    strlen(again) == r->n && memcmp(again, r->body, r->n) == 0,
	    "the answer is not what jansson writes of it:\n  %s\n  %s", r->body,
	    again);
	free(again);
	c = json_object_get(j, "contribution");
	ck_assert_msg(json_is_object(c), "no contribution: %s", r->body);
	ck_assert_int_eq(json_object_size(j), 1);
	ck_assert_int_eq(json_object_size(c), 11); /* releases too */
	ck_assert_int_gt(id = jint(c, "id"), 0);
	ck_assert_str_eq(jstr(c, "campaign"), "demo-text");
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_str_eq(jstr(c, "kind"), "text");
	ck_assert_str_eq(jstr(c, "text"), text);
	if (prompt == NULL)
		ck_assert(json_is_null(json_object_get(c, "prompt")));
	else
		ck_assert_str_eq(jstr(c, "prompt"), prompt);
	rep = json_pack("{s:i,s:i}", "EMAIL", 1, "PHONE", 1);
	ck_assert_msg(json_equal(json_object_get(c, "redaction"), rep),
	    "redaction: %s", r->body);
	json_decref(rep);
	ck_assert_int_gt(jint(c, "created_at"), 1600000000);
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	ck_assert_int_eq(jint(c, "revision"), 1);
	json_decref(j);
	return (id);
}

/*
** Card ${card}'s person sends TEXT with its personal data, with PROMPT or
** none: the 201 and the 200 of the same request again are the same
** bytes, and the list of their contributions reads back the same object.
*/
static void
same_twice(int card, const char *prompt)
{
	struct tu_resp first, again, list;
	struct who w;
	json_t *o, *arr, *c;
	char *body, *a, *b;
	long long id;
	size_t i;

	card_person(card, &w);
	o = json_pack(
	    "{s:s,s:s}", "campaign", "demo-text", "text", TEXT TEXT_PII);
	if (prompt != NULL)
		json_object_set_new(o, "prompt", json_string(prompt));
	/* Sent as UTF-8, not escaped. */
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	ck_assert_ptr_nonnull(body);

	send_req(
	    "POST", "/api/v1/contributions", &w, "fastpath-1", body, &first);
	ck_assert_msg(
	    first.status == 201, "first: %ld %.300s", first.status, first.body);
	send_req(
	    "POST", "/api/v1/contributions", &w, "fastpath-1", body, &again);
	ck_assert_msg(
	    again.status == 200, "again: %ld %.300s", again.status, again.body);
	ck_assert_msg(
	    first.n == again.n && memcmp(first.body, again.body, first.n) == 0,
	    "201 and 200 differ from byte %zu:\n  %s\n  %s",
	    first_diff(first.body, first.n, again.body, again.n), first.body,
	    again.body);
	id = answer_says(&first, TEXT TEXT_SAFE, prompt);
	ck_assert_int_eq(answer_says(&again, TEXT TEXT_SAFE, prompt), id);

	/* The list reads the same object back from the database. */
	ck_assert_int_eq(
	    send_req("GET", "/api/v1/me/contributions", &w, NULL, NULL, &list),
	    200);
	o = jbody(&list);
	arr = json_object_get(o, "contributions");
	ck_assert_uint_eq(json_array_size(arr), 1);
	json_array_foreach(arr, i, c)
	{
		ck_assert_int_eq(jint(c, "id"), id);
	}
	a = json_dumps(
	    json_array_get(arr, 0), JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	o = jbody(&first);
	b = json_dumps(json_object_get(o, "contribution"),
	    JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	ck_assert_msg(strcmp(a, b) == 0, "listed %s\nanswered %s", a, b);
	free(a);
	free(b);
	tu_resp_free(&list);
	tu_resp_free(&first);
	tu_resp_free(&again);
	free(body);
}

START_TEST(test_server_prompt)
{
	same_twice(0, PROMPT);
}
END_TEST

START_TEST(test_server_no_prompt)
{
	same_twice(1, NULL);
}
END_TEST

/* --- setup, before any test forks --- */

/*
** Makes a node in ${nodedir} with the demo-text campaign and NCARDS
** drive cards, and starts it with the source tree's folders. 0 or -1.
*/
static int
node_start(void)
{
	char out[4096], count[16], consent[600], redact[600], webroot[600];
	char *init[] = { (char *)bin, "init", "--data", nodedir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", nodedir,
		"--campaign", "demo-text", "--count", count, NULL };
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, NULL };

	snprintf(count, sizeof(count), "%d", NCARDS);
	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(bin, base, nodedir, "demo-text.json",
		"{\"slug\":\"demo-text\",\"title\":\"Community text drive\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"max_chars\":2000}\n") != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, NCARDS, cards) == -1)
		return (-1);
	return (tu_server_start(&srv, nodedir, extra));
}

int
main(void)
{
	/* The servers, stopped (and checked) at the end. */
	struct tu_server *const stop[] = { &srv };
	const char *const names[] = { "node" };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(nodedir, sizeof(nodedir), "%s/node", base);
	if (node_start() == -1) {
		fprintf(
		    stderr, "could not start the server (logs in %s)\n", base);
		tu_stop_clean(&srv, "node");
		return (1);
	}

	s = suite_create("fastpath");
	/* The loops over every code point and split take seconds under
	** ASan. */
	tc = tcase_create("fastpath");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_ascii_bytes);
	tcase_add_test(tc, test_ascii_utf8);
	tcase_add_test(tc, test_ascii_random);
	tcase_add_test(tc, test_ascii_invalid);
	tcase_add_test(tc, test_flat_cases);
	tcase_add_test(tc, test_flat_random);
	tcase_add_test(tc, test_printf_lengths);
	tcase_add_test(tc, test_printf_room);
	tcase_add_test(tc, test_printf_many);
	tcase_add_test(tc, test_int_decimal);
	tcase_add_test(tc, test_report_corpus);
	tcase_add_test(tc, test_report_fixed);
	tcase_add_test(tc, test_answer_matrix);
	tcase_add_test(tc, test_answer_redacted);
	tcase_add_test(tc, test_answer_refuses);
	tcase_add_test(tc, test_sha_parts);
	tcase_add_test(tc, test_sha_threads);
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_server_prompt);
	tcase_add_test(tc, test_server_no_prompt);
	suite_add_tcase(s, tc);

	return (tu_suite_end(s, stop, names, 1, base));
}
