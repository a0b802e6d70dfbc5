/*
** Prompts with provenance (prompts.h). The import parser on its own: text
** files (blank lines skipped, white space trimmed, repeats dropped and
** counted) and CSV (RFC 4180 quoting with commas and "" escapes, CRLF, the
** header's columns in any order, empty cells filled by the defaults), and
** every refusal with its line number: not UTF-8, too long, a source too
** long, no licence or one that does not let the prompt be released, a
** bad quote; the whole file refused (too large, no header, no prompt);
** at most PROMPT_ERRORS_MAX lines named; never a byte read past n. Then on
** a real SQLite file through a real writer: an import is all or nothing
** and counts what the campaign already has; maintainers add, edit,
** retire and restore prompts (a repeated text is a conflict); and each
** contributor is offered the least used prompt they have not done, so
** coverage stays even.
*/
#include <check.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "campaign.h"
#include "consent.h"
#include "consent_record.h"
#include "contrib.h"
#include "db.h"
#include "prompts.h"
#include "testutil.h"
#include "writer.h"

/* --- the parser --- */

/*
** Parses ${s} (${n} bytes, -1: strlen) from a buffer of exactly that size
** (so a read past its end is caught by the sanitizer). Returns
** prompts_parse()'s result; ${set} and ${e} are filled.
*/
static int
parse(const char *s, long n, int csv, const char *licence, const char *source,
    struct prompt_set *set, struct err *e)
{
	size_t len = n < 0 ? strlen(s) : (size_t)n;
	char *copy = malloc(len ? len : 1);
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	memset(e, 0, sizeof(*e));
	rc = prompts_parse(copy, len, csv, licence, source, set, e);
	free(copy);
	return (rc);
}

/* Parses ${s}, which must be taken whole into ${n} prompts. */
static void
parse_ok(const char *s, int csv, const char *licence, const char *source,
    struct prompt_set *set, size_t n)
{
	struct err e;

	ck_assert_msg(parse(s, -1, csv, licence, source, set, &e) == 0,
	    "refused: %s %s", e.msg,
	    set->errors ? json_dumps(set->errors, JSON_COMPACT) : "");
	ck_assert_ptr_null(set->errors);
	ck_assert_msg(set->n == n, "%zu prompts, want %zu", set->n, n);
}

/* Prompt ${i} of ${set} is ${text} from line ${line} with ${source} and
** ${licence}. */
static void
expect_prompt(const struct prompt_set *set, size_t i, const char *text,
    long line, const char *source, const char *licence)
{
	ck_assert_msg(i < set->n, "no prompt %zu", i);
	ck_assert_ptr_nonnull(set->p[i].text);
	ck_assert_str_eq(set->p[i].text, text);
	ck_assert_msg(set->p[i].line == line, "\"%s\" on line %ld, want %ld",
	    text, set->p[i].line, line);
	ck_assert_ptr_nonnull(set->p[i].source);
	ck_assert_str_eq(set->p[i].source, source);
	ck_assert_ptr_nonnull(set->p[i].licence);
	ck_assert_str_eq(set->p[i].licence, licence);
}

/*
** ${s} is refused as a whole or by line (ERR_INVALID), and its errors
** name exactly the ${n} lines in ${lines}, in order, each with a message.
*/
static void
expect_refused(const char *s, long len, int csv, const char *licence,
    const long *lines, size_t n)
{
	struct prompt_set set;
	struct err e;
	json_t *v;
	char *dump;
	size_t i;

	ck_assert_int_eq(parse(s, len, csv, licence, "src", &set, &e), -1);
	ck_assert_msg(e.code == ERR_INVALID, "error %s (%s), want invalid",
	    err_name(e.code), e.msg);
	ck_assert_msg(json_is_array(set.errors), "no errors named (%s)", e.msg);
	dump = json_dumps(set.errors, JSON_COMPACT);
	ck_assert_msg(json_array_size(set.errors) == n,
	    "errors %s, want %zu of them", dump, n);
	json_array_foreach(set.errors, i, v)
	{
		ck_assert_msg(
		    json_integer_value(json_object_get(v, "line")) == lines[i],
		    "errors %s: entry %zu is not line %ld", dump, i, lines[i]);
		ck_assert_msg(json_is_string(json_object_get(v, "message")) &&
			json_string_length(json_object_get(v, "message")) > 0,
		    "errors %s: entry %zu has no message", dump, i);
	}
	free(dump);
	prompt_set_free(&set);
	ck_assert_ptr_null(set.errors);
	ck_assert_uint_eq(set.n, 0);
}

/* A file refused as a whole: ERR_INVALID. */
static void
expect_file_refused(const char *s, long len, int csv, const char *why)
{
	struct prompt_set set;
	struct err e;

	ck_assert_msg(parse(s, len, csv, "cc0-1.0", "src", &set, &e) == -1,
	    "%s: taken", why);
	ck_assert_msg(e.code == ERR_INVALID, "%s: error %s (%s)", why,
	    err_name(e.code), e.msg);
	ck_assert_msg(e.msg[0] != '\0', "%s: no message", why);
	prompt_set_free(&set);
}

START_TEST(test_licences)
{
	size_t i;

	ck_assert_ptr_nonnull(prompt_licences[0]);
	for (i = 0; prompt_licences[i] != NULL; i++) {
		ck_assert_int_eq(prompt_licence_ok(prompt_licences[i]), 1);
		ck_assert_ptr_nonnull(prompt_licence_names[i]);
		ck_assert_msg(strstr(prompt_licences[i], "-nc") == NULL,
		    "%s is non-commercial", prompt_licences[i]);
	}
	ck_assert_ptr_null(prompt_licence_names[i]);
	ck_assert_int_eq(prompt_licence_ok("cc0-1.0"), 1);
	ck_assert_int_eq(prompt_licence_ok("cc-by-4.0"), 1);
	ck_assert_int_eq(prompt_licence_ok("cc-by-nc-4.0"), 0);
	ck_assert_int_eq(prompt_licence_ok("cc-by-nc-sa-4.0"), 0);
	ck_assert_int_eq(prompt_licence_ok(""), 0);
	ck_assert_int_eq(prompt_licence_ok("cc0"), 0);
	ck_assert_int_eq(prompt_licence_ok(NULL), 0);
}
END_TEST

/* Text: one prompt a line, trimmed, blank lines skipped (not refused),
** CRLF, no final newline; each gets the licence and source given. */
START_TEST(test_text_lines)
{
	struct prompt_set set;

	parse_ok("  Tell us about a song.  \n"
		 "\n"
		 "Describe the market.\r\n"
		 "   \t \r\n"
		 "\tName three rivers.",
	    0, "cc-by-4.0", "Ewe reader, 1998", &set, 3);
	expect_prompt(&set, 0, "Tell us about a song.", 1, "Ewe reader, 1998",
	    "cc-by-4.0");
	expect_prompt(&set, 1, "Describe the market.", 3, "Ewe reader, 1998",
	    "cc-by-4.0");
	expect_prompt(
	    &set, 2, "Name three rivers.", 5, "Ewe reader, 1998", "cc-by-4.0");
	ck_assert_uint_eq(set.duplicates, 0);
	prompt_set_free(&set);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_null(set.p);
	prompt_set_free(&set); /* again: nothing */
}
END_TEST

/* Repeats (after trimming) are dropped and counted; the first stays, in
** file order. */
START_TEST(test_text_duplicates)
{
	struct prompt_set set;

	parse_ok("Beta\nAlpha\nBeta\n  Alpha  \nGamma\nBeta\r\n", 0, "cc0-1.0",
	    "", &set, 3);
	ck_assert_uint_eq(set.duplicates, 3);
	expect_prompt(&set, 0, "Beta", 1, "", "cc0-1.0");
	expect_prompt(&set, 1, "Alpha", 2, "", "cc0-1.0");
	expect_prompt(&set, 2, "Gamma", 5, "", "cc0-1.0");
	prompt_set_free(&set);
}
END_TEST

/* PROMPT_MAX_CHARS characters, not bytes: 1000 two-byte characters are
** taken, 1001 one-byte ones refused with their line. */
START_TEST(test_text_long)
{
	struct prompt_set set;
	char *f, *p;
	long lines[] = { 2 };
	int i;

	ck_assert_ptr_nonnull(f = malloc(2 * PROMPT_MAX_CHARS + 2048));
	p = f;
	for (i = 0; i < PROMPT_MAX_CHARS; i++) {
		memcpy(p, "\xc3\xa9", 2); /* é */
		p += 2;
	}
	*p++ = '\n';
	*p = '\0';
	parse_ok(f, 0, "cc0-1.0", "", &set, 1);
	ck_assert_uint_eq(strlen(set.p[0].text), 2 * PROMPT_MAX_CHARS);
	prompt_set_free(&set);

	p = f;
	memcpy(p, "Short.\n", 7);
	p += 7;
	memset(p, 'a', PROMPT_MAX_CHARS + 1);
	p += PROMPT_MAX_CHARS + 1;
	memcpy(p, "\nAnother short one.\n", 21);
	expect_refused(f, -1, 0, "cc0-1.0", lines, 1);

	/* Exactly PROMPT_MAX_CHARS: taken. */
	memset(f, 'b', PROMPT_MAX_CHARS);
	f[PROMPT_MAX_CHARS] = '\0';
	parse_ok(f, 0, "cc0-1.0", "", &set, 1);
	prompt_set_free(&set);
	free(f);
}
END_TEST

/* Lines that are not UTF-8 are refused with their numbers; the good ones
** around them do not make it through either (nothing is taken). */
START_TEST(test_text_not_utf8)
{
	static const long lines[] = { 2, 4, 5 };

	expect_refused("Good one.\n"
		       "Bad \xff byte.\n"
		       "Also good.\n"
		       "Broken \xc3\x28 pair.\n"
		       "Overlong \xc0\xaf slash.\n"
		       "Fine \xc3\xa9.\n",
	    -1, 0, "cc0-1.0", lines, 3);
}
END_TEST

/* Text with no licence, or one that does not let it be released: every
** line refused. */
START_TEST(test_text_licence)
{
	static const long lines[] = { 1, 3 };

	expect_refused("One.\n\nTwo.\n", -1, 0, NULL, lines, 2);
	expect_refused("One.\n\nTwo.\n", -1, 0, "", lines, 2);
	expect_refused("One.\n\nTwo.\n", -1, 0, "cc-by-nc-4.0", lines, 2);
}
END_TEST

/* CSV: quoted cells with commas and "" escapes, CRLF, empty cells filled
** by the defaults, no final newline. */
START_TEST(test_csv_quotes)
{
	struct prompt_set set;

	parse_ok("licence,text,source\r\n"
		 "cc0-1.0,\"Hello, world\",Book one\r\n"
		 "cc-by-4.0,\"She said \"\"hi\"\" twice\",\r\n"
		 ",Plain text,Radio\r\n"
		 "\r\n"
		 "\"cc-by-sa-4.0\",\"  Quoted, padded  \",\"A, B and C\"",
	    1, "pddl", "Default source", &set, 4);
	expect_prompt(&set, 0, "Hello, world", 2, "Book one", "cc0-1.0");
	expect_prompt(
	    &set, 1, "She said \"hi\" twice", 3, "Default source", "cc-by-4.0");
	expect_prompt(&set, 2, "Plain text", 4, "Radio", "pddl");
	expect_prompt(
	    &set, 3, "Quoted, padded", 6, "A, B and C", "cc-by-sa-4.0");
	ck_assert_uint_eq(set.duplicates, 0);
	prompt_set_free(&set);

	/* A cell that is only an escaped quote, and a quoted empty cell. */
	parse_ok("text,source,licence\n\"\"\"\",\"\",cc0-1.0\n", 1, NULL, "s",
	    &set, 1);
	expect_prompt(&set, 0, "\"", 2, "s", "cc0-1.0");
	prompt_set_free(&set);
}
END_TEST

/* The header's three columns in every order give the same prompts; a
** header without licence or source uses the defaults. */
START_TEST(test_csv_columns)
{
	static const char *const orders[6][3] = {
		{ "text", "source", "licence" },
		{ "text", "licence", "source" },
		{ "source", "text", "licence" },
		{ "source", "licence", "text" },
		{ "licence", "text", "source" }, { "licence", "source", "text" }
	};
	static const char *const rows[2][3] = {
		{ "\"Sing it, slowly.\"", "\"Songs, vol. 2\"", "cc-by-4.0" },
		{ "Count to ten.", "Primer", "odbl" },
	};
	struct prompt_set set;
	char f[512];
	size_t o, r, c, k;
	int idx;

	for (o = 0; o < 6; o++) {
		k = 0;
		for (c = 0; c < 3; c++)
			k += (size_t)snprintf(f + k, sizeof(f) - k, "%s%s",
			    c ? "," : "", orders[o][c]);
		k += (size_t)snprintf(f + k, sizeof(f) - k, "\r\n");
		for (r = 0; r < 2; r++) {
			for (c = 0; c < 3; c++) {
				idx = strcmp(orders[o][c], "text") == 0   ? 0
				    : strcmp(orders[o][c], "source") == 0 ? 1
									  : 2;
				k += (size_t)snprintf(f + k, sizeof(f) - k,
				    "%s%s", c ? "," : "", rows[r][idx]);
			}
			k += (size_t)snprintf(f + k, sizeof(f) - k, "\r\n");
		}
		parse_ok(f, 1, NULL, "", &set, 2);
		expect_prompt(&set, 0, "Sing it, slowly.", 2, "Songs, vol. 2",
		    "cc-by-4.0");
		expect_prompt(&set, 1, "Count to ten.", 3, "Primer", "odbl");
		prompt_set_free(&set);
	}

	/* Only text: the defaults. */
	parse_ok(
	    "text\nOne.\n\"Two, three.\"\n", 1, "cc0-1.0", "Mine", &set, 2);
	expect_prompt(&set, 0, "One.", 2, "Mine", "cc0-1.0");
	expect_prompt(&set, 1, "Two, three.", 3, "Mine", "cc0-1.0");
	prompt_set_free(&set);
	/* Repeats in CSV too. */
	parse_ok(
	    "source,text\nA,One.\nB,One.\nC,Two.\n", 1, "cc0-1.0", "", &set, 2);
	ck_assert_uint_eq(set.duplicates, 1);
	expect_prompt(&set, 0, "One.", 2, "A", "cc0-1.0");
	expect_prompt(&set, 1, "Two.", 4, "C", "cc0-1.0");
	prompt_set_free(&set);
}
END_TEST

/* Every refused CSV row with its line number: no licence, a licence that
** does not let it be released, a bad quote, a source too long, a quote
** never closed; blank lines are not refused. */
START_TEST(test_csv_errors)
{
	static const long lines[] = { 3, 4, 6, 8, 9 };
	char f[2048], src[PROMPT_SOURCE_MAX + 2];

	memset(src, 's', PROMPT_SOURCE_MAX + 1);
	src[PROMPT_SOURCE_MAX + 1] = '\0';
	snprintf(f, sizeof(f),
	    "text,source,licence\n"              /* 1 */
	    "Fine one,src,cc0-1.0\n"             /* 2 */
	    "No licence,src,\n"                  /* 3 */
	    "Unknown licence,src,cc-by-nc-4.0\n" /* 4 */
	    "\n"                                 /* 5: blank, skipped */
	    "\"Bad \"quote\",src,cc0-1.0\n"      /* 6 */
	    "Also fine,src,cc0-1.0\n"            /* 7 */
	    "Long source,%s,cc0-1.0\n"           /* 8 */
	    "\"Never closed,src,cc0-1.0\n",      /* 9 */
	    src);
	expect_refused(f, -1, 1, NULL, lines, 5);

	/* A source of exactly PROMPT_SOURCE_MAX bytes is taken. */
	{
		struct prompt_set set;

		src[PROMPT_SOURCE_MAX] = '\0';
		snprintf(f, sizeof(f), "text,source\nFine,%s\n", src);
		parse_ok(f, 1, "cc0-1.0", "", &set, 1);
		ck_assert_uint_eq(strlen(set.p[0].source), PROMPT_SOURCE_MAX);
		prompt_set_free(&set);
	}
}
END_TEST

/* CSV ${csv} is refused (its error into ${e}), and the refused lines it
** names are all within ${first}..${last}: ${named} among them, and
** ${also} too unless it is 0. */
static void
expect_csv_lines(const char *csv, struct err *e, json_int_t first,
    json_int_t last, json_int_t named, json_int_t also)
{
	struct prompt_set set;
	json_t *v;
	size_t i;
	int found = 0;
	char *dump;

	ck_assert_int_eq(parse(csv, -1, 1, NULL, "", &set, e), -1);
	ck_assert(json_is_array(set.errors));
	dump = json_dumps(set.errors, JSON_COMPACT);
	json_array_foreach(set.errors, i, v)
	{
		json_int_t l = json_integer_value(json_object_get(v, "line"));

		ck_assert_msg(l >= first && l <= last,
		    "errors %s: line %lld is not in lines %lld-%lld", dump,
		    (long long)l, (long long)first, (long long)last);
		found |= (l == named ? 1 : 0) | (l == also ? 2 : 0);
	}
	ck_assert_msg(
	    found & 1, "line %lld is not named: %s", (long long)named, dump);
	ck_assert_msg(also == 0 || found & 2, "line %lld is not named: %s",
	    (long long)also, dump);
	free(dump);
	prompt_set_free(&set);
}

/*
** Line numbers stay true around quoted cells that hold a newline, and
** after a quote that is never closed no line number goes past the end of
** the file.
*/
START_TEST(test_csv_line_numbers)
{
	struct err e;

	/* Line 2-3 is one row; line 4 is refused as line 4. */
	expect_csv_lines("text,licence\n"
			 "\"Two\nlines\",cc0-1.0\n"
			 "Refused,cc-by-nc-4.0\n"
			 "Fine,cc0-1.0\n",
	    &e, 2, 5, 4, 0);

	/* A quote opened on line 2 and never closed; line 3 has a bad
	** licence. Line 2 is named, and nothing past line 3. */
	expect_csv_lines("text,licence\n"
			 "\"Never closed,cc0-1.0\n"
			 "Refused,cc-by-nc-4.0\n",
	    &e, 2, 3, 2, 0);
	ck_assert_int_eq(e.code, ERR_INVALID);

	/* A quoted cell over lines 2-3 with text after its closing quote;
	** line 4 has a bad licence. Lines 2 and 4 are named, nothing past
	** line 4. */
	expect_csv_lines("text,licence\n"
			 "\"Bad\nquote\"x,cc0-1.0\n"
			 "Refused,cc-by-nc-4.0\n",
	    &e, 2, 4, 2, 4);

	/* A good quoted cell over lines 2-3, then a bad cell on line 3: the
	** row is named as line 2, and the next one as line 4. */
	expect_csv_lines("text,source,licence\n"
			 "\"Two\nlines\",x\"y,cc0-1.0\n"
			 "Refused,src,cc-by-nc-4.0\n",
	    &e, 2, 4, 2, 4);
}
END_TEST

/* At most PROMPT_ERRORS_MAX refused lines are named, the first ones. */
START_TEST(test_errors_capped)
{
	struct prompt_set set;
	struct err e;
	char *f, *p;
	int i;

	ck_assert_ptr_nonnull(f = malloc(150 * 16 + 1));
	p = f;
	for (i = 0; i < 150; i++)
		p += sprintf(p, "bad \xff %d\n", i);
	ck_assert_int_eq(parse(f, -1, 0, "cc0-1.0", "", &set, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_uint_eq(json_array_size(set.errors), PROMPT_ERRORS_MAX);
	for (i = 0; i < PROMPT_ERRORS_MAX; i++)
		ck_assert_int_eq(json_integer_value(json_object_get(
				     json_array_get(set.errors, i), "line")),
		    i + 1);
	prompt_set_free(&set);
	free(f);
}
END_TEST

/* Files refused whole: too large, CSV without a text column, no prompt
** at all. */
START_TEST(test_file_refused)
{
	char *big;
	size_t i;

	expect_file_refused("", 0, 0, "empty text file");
	expect_file_refused("\n  \n\r\n\t\n", -1, 0, "only blank lines");
	expect_file_refused("", 0, 1, "empty CSV");
	expect_file_refused("text,source,licence\n", -1, 1, "header only");
	expect_file_refused("text,source,licence\r\n\r\n,,\r\n", -1, 1,
	    "header and blank rows");
	expect_file_refused(
	    "Just a prompt\nAnother\n", -1, 1, "CSV without a text column");
	expect_file_refused("prompt,licence\nHello,cc0-1.0\n", -1, 1,
	    "CSV whose header names no text column");

	ck_assert_ptr_nonnull(big = malloc(PROMPT_FILE_MAX + 1));
	for (i = 0; i < PROMPT_FILE_MAX + 1; i++)
		big[i] = i % 64 == 63 ? '\n' : 'a' + (char)(i / 64 % 26);
	expect_file_refused(
	    big, PROMPT_FILE_MAX + 1, 0, "over PROMPT_FILE_MAX");
	free(big);
}
END_TEST

/* Nothing past n is read: the same bytes with a tail cut off give what
** the head alone gives (the buffers are exactly n long). */
START_TEST(test_never_past_n)
{
	static const char text[] = "First\nSecond line";
	static const char csv[] = "text,licence\n\"Quoted, one\",cc0-1.0\n"
				  "\"Open";
	struct prompt_set set;
	struct err e;
	size_t n;

	ck_assert_int_eq(parse(text, 5, 0, "cc0-1.0", "", &set, &e), 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.p[0].text, "First");
	prompt_set_free(&set);
	/* Every prefix of both parses without reading past it. */
	for (n = 0; n <= sizeof(text) - 1; n++) {
		parse(text, (long)n, 0, "cc0-1.0", "", &set, &e);
		prompt_set_free(&set);
	}
	for (n = 0; n <= sizeof(csv) - 1; n++) {
		parse(csv, (long)n, 1, NULL, "", &set, &e);
		prompt_set_free(&set);
	}
	ck_assert_int_eq(
	    parse(csv, (long)strlen("text,licence\n\"Quoted, one\",cc0-1.0\n"),
		1, NULL, "", &set, &e),
	    0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.p[0].text, "Quoted, one");
	prompt_set_free(&set);
}
END_TEST

/* --- through the writer --- */

static long long
audit_rows(void)
{
	return (tu_q_int("SELECT count(*) FROM audit_log", 0));
}

static long long
prompt_rows(int64_t campaign)
{
	return (tu_q_int(
	    "SELECT count(*) FROM prompts WHERE campaign_id = ?1", campaign));
}

/* Imports ${set} into ${campaign} (prompt_import_job, which must
** succeed); what it did into ${pi}. */
static void
import_ok(int64_t campaign, struct prompt_set *set, struct prompt_import *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->campaign_id = campaign;
	pi->set = set;
	tu_run_ok(prompt_import_job, pi);
}

/* The prompts of ${campaign} as prompt_list() gives them (${all}: the
** retired ones too), which must be ${n}; free with json_decref(). */
static json_t *
list_of(int64_t campaign, int all, size_t n)
{
	struct err e = { 0 };
	json_t *list = prompt_list(tu_db, campaign, all, &e);

	ck_assert_msg(list != NULL, "%s", e.msg);
	ck_assert_uint_eq(json_array_size(list), n);
	return (list);
}

/* The "id" of the ${i}th prompt of ${list}. */
static json_int_t
id_at(json_t *list, size_t i)
{
	return (
	    json_integer_value(json_object_get(json_array_get(list, i), "id")));
}

/* A text campaign ${slug} in Ewe with ${prompts} (a JSON array, or NULL
** for none); its id. */
static int64_t
add_campaign(const char *slug, const char *prompts)
{
	char def[1024];

	snprintf(def, sizeof(def),
	    "{\"slug\":\"%s\",\"title\":\"Prompted drive\","
	    "\"language\":\"ee\",\"kind\":\"text\",\"consent\":\"general\","
	    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
	    "\"max_chars\":2000%s%s}",
	    slug, prompts ? ",\"prompts\":" : "", prompts ? prompts : "");
	return (tu_add_campaign(def));
}

/* A contributor with a live consent to ${campaign}. */
static int64_t
contributor(const char *handle, int64_t campaign)
{
	int64_t id = tu_add_account(handle, ROLE_CONTRIBUTOR);

	tu_give_consent(id, campaign, "[\"publish_text\"]");
	return (id);
}

/* ${account} contributes a text from prompt ${prompt} of ${campaign};
** 0, or -1 with ${e} set. */
static int
contribute(int64_t account, int64_t campaign, int64_t prompt, struct err *e)
{
	static int seq;
	struct contrib_new c = { 0 };
	char key[32], *text = NULL;

	ck_assert_int_eq(prompt_text(tu_db, prompt, campaign, &text, e), 1);
	snprintf(key, sizeof(key), "k-%d", ++seq);
	c.account_id = account;
	c.campaign_id = campaign;
	c.consent_id = contrib_live_consent(tu_db, account, campaign, e);
	ck_assert_int_gt(c.consent_id, 0);
	c.key = key;
	c.kind = "text";
	c.prompt = text;
	c.prompt_id = prompt;
	c.text = "An answer.";
	c.report_json = "{}";
	snprintf(c.request_sha, sizeof(c.request_sha), "%064x", seq);
	memset(e, 0, sizeof(*e));
	if (writer_run(tu_writer, contrib_create_job, &c, e) == -1) {
		free(text);
		return (-1);
	}
	free(text);
	ck_assert_int_gt(c.id, 0);
	return (0);
}

/* The id prompt_next() offers ${account}, 0 if none. */
static int64_t
next_prompt(int64_t campaign, int64_t account)
{
	struct err e = { 0 };
	json_t *o = NULL;
	int64_t id;
	int rc;

	rc = prompt_next(tu_db, campaign, account, &o, &e);
	ck_assert_msg(rc != -1, "prompt_next: %s", e.msg);
	if (rc == 0)
		return (0);
	ck_assert_int_eq(rc, 1);
	ck_assert(json_is_string(json_object_get(o, "text")));
	id = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	ck_assert_int_gt(id, 0);
	return (id);
}

/* The "uses" of prompt ${id} as prompt_get() has it. */
static long long
uses_of(int64_t id)
{
	struct err e = { 0 };
	json_t *o = NULL;
	long long n;

	ck_assert_int_eq(prompt_get(tu_db, id, &o, &e), 1);
	n = json_integer_value(json_object_get(o, "uses"));
	json_decref(o);
	return (n);
}

/*
** An import adds every prompt, counting those the campaign has as
** duplicates; a job that fails (no such campaign) adds nothing; each
** import is audited.
*/
START_TEST(test_import)
{
	struct prompt_set a, b, c;
	struct prompt_import pi;
	int64_t camp, other;
	long long audits, all;
	json_t *list;
	size_t i;
	static const char *const want[] = { "Tell us about a song.",
		"Describe the market.", "Name three rivers.",
		"Count to ten in Ewe." };

	camp = add_campaign("imports", NULL);
	other = add_campaign("other", "[\"Describe the market.\"]");
	ck_assert_int_eq(prompt_rows(camp), 0);
	ck_assert_int_eq(prompt_rows(other), 1);

	parse_ok("Tell us about a song.\nDescribe the market.\n", 0,
	    "cc-by-4.0", "Reader 1", &a, 2);
	audits = audit_rows();
	import_ok(camp, &a, &pi);
	ck_assert_uint_eq(pi.imported, 2);
	ck_assert_uint_eq(pi.duplicates, 0);
	ck_assert_int_eq(prompt_rows(camp), 2);
	ck_assert_int_eq(audit_rows(), audits + 1);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM prompts WHERE campaign_id "
		     "= ?1 AND licence = 'cc-by-4.0' AND source = "
		     "'Reader 1' AND uses = 0 AND retired_at IS NULL",
		camp),
	    2);

	/* One the campaign has, two new. */
	parse_ok("Name three rivers.\nDescribe the market.\nCount to ten in "
		 "Ewe.\n",
	    0, "cc0-1.0", "Reader 2", &b, 3);
	import_ok(camp, &b, &pi);
	ck_assert_uint_eq(pi.imported, 2);
	ck_assert_uint_eq(pi.duplicates, 1);
	ck_assert_int_eq(prompt_rows(camp), 4);
	/* The one it had keeps its provenance. */
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM prompts WHERE campaign_id "
		     "= ?1 AND text = 'Describe the market.' AND "
		     "source = 'Reader 1'",
		camp),
	    1);
	/* Live, oldest first. */
	list = list_of(camp, 0, 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(json_string_value(json_object_get(
				     json_array_get(list, i), "text")),
		    want[i]);
	json_decref(list);
	/* The other campaign's own copy is not a duplicate here, nor
	** touched. */
	ck_assert_int_eq(prompt_rows(other), 1);

	/* A job that fails adds nothing, anywhere. */
	all = tu_q_int("SELECT count(*) FROM prompts", 0);
	audits = audit_rows();
	parse_ok("Brand new one.\nAnother new one.\n", 0, "cc0-1.0", "", &c, 2);
	memset(&pi, 0, sizeof(pi));
	pi.campaign_id = camp + other + 1000;
	pi.set = &c;
	tu_run_fails(prompt_import_job, &pi, ERR_NOT_FOUND);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM prompts", 0), all);
	ck_assert_int_eq(audit_rows(), audits);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM prompts WHERE text = "
				  "'Brand new one.'",
			     0),
	    0);
	/* The same set into the real campaign: all of it. */
	import_ok(camp, &c, &pi);
	ck_assert_uint_eq(pi.imported, 2);
	ck_assert_int_eq(prompt_rows(camp), 6);
	/* All of it again: nothing new, all duplicates. */
	import_ok(camp, &c, &pi);
	ck_assert_uint_eq(pi.imported, 0);
	ck_assert_uint_eq(pi.duplicates, 2);
	ck_assert_int_eq(prompt_rows(camp), 6);
	prompt_set_free(&a);
	prompt_set_free(&b);
	prompt_set_free(&c);
}
END_TEST

/* The prompt ${id}'s ${field} as prompt_get() has it, into ${buf}. */
static const char *
field_of(int64_t id, const char *field, char *buf, size_t n)
{
	struct err e = { 0 };
	json_t *o = NULL;

	ck_assert_int_eq(prompt_get(tu_db, id, &o, &e), 1);
	ck_assert_msg(
	    json_is_string(json_object_get(o, field)), "no %s", field);
	snprintf(buf, n, "%s", json_string_value(json_object_get(o, field)));
	json_decref(o);
	return (buf);
}

static int
retired(int64_t id)
{
	struct err e = { 0 };
	json_t *o = NULL;
	int r;

	ck_assert_int_eq(prompt_get(tu_db, id, &o, &e), 1);
	ck_assert(json_is_boolean(json_object_get(o, "retired")));
	r = json_is_true(json_object_get(o, "retired"));
	json_decref(o);
	return (r);
}

/* Fills ${pe}: ${actor} edits prompt ${id} (0: adds one) of ${campaign}
** to ${text} and ${licence} (NULL: as it is), nothing else. */
static void
edit_fill(struct prompt_edit *pe, int64_t id, int64_t campaign, int64_t actor,
    const char *text, const char *licence)
{
	memset(pe, 0, sizeof(*pe));
	pe->id = id;
	pe->campaign_id = campaign;
	pe->actor = actor;
	pe->text = text;
	pe->licence = licence;
}

/*
** Maintainers add a prompt, edit it (NULL keeps a field), are refused a
** text the campaign has (ERR_CONFLICT), a bad one (ERR_INVALID), an
** unknown prompt or campaign (ERR_NOT_FOUND), and retire and restore one:
** a retired prompt is listed last among all, not among the live ones,
** not offered and has no text to contribute to. Every change is audited;
** refusals are not.
*/
START_TEST(test_edit)
{
	struct prompt_edit pe;
	int64_t camp, other, mia, p1, p2, who;
	struct err e = { 0 };
	long long audits;
	char buf[1100], *t = NULL;
	json_t *list, *o = NULL;

	camp = add_campaign("edits", NULL);
	other = add_campaign("edits-other", NULL);
	mia = tu_add_account("mia", ROLE_MAINTAINER);
	who = contributor("ama", camp);

	audits = audit_rows();
	edit_fill(&pe, 0, camp, mia, "Describe your village.", "cc0-1.0");
	pe.source = "Our own words";
	tu_run_ok(prompt_edit_job, &pe);
	p1 = pe.id;
	ck_assert_int_gt(p1, 0);
	ck_assert_int_eq(audit_rows(), audits + 1);
	ck_assert_int_eq(prompt_get(tu_db, p1, &o, &e), 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(o, "campaign_id")), camp);
	ck_assert_str_eq(json_string_value(json_object_get(o, "text")),
	    "Describe your village.");
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "source")), "Our own words");
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "licence")), "cc0-1.0");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "uses")), 0);
	ck_assert(json_is_false(json_object_get(o, "retired")));
	json_decref(o);
	ck_assert_int_eq(prompt_get(tu_db, p1 + 1000, &o, &e), 0);

	edit_fill(&pe, 0, camp, mia, "Describe a festival.", "cc-by-4.0");
	tu_run_ok(prompt_edit_job, &pe);
	p2 = pe.id;
	ck_assert_int_gt(p2, p1);

	/* Edit the text only: source and licence stay. */
	edit_fill(&pe, p1, camp, mia, "Describe your village at dawn.", NULL);
	audits = audit_rows();
	tu_run_ok(prompt_edit_job, &pe);
	ck_assert_int_eq(pe.id, p1);
	ck_assert_int_eq(audit_rows(), audits + 1);
	ck_assert_str_eq(field_of(p1, "text", buf, sizeof(buf)),
	    "Describe your village at dawn.");
	ck_assert_str_eq(
	    field_of(p1, "source", buf, sizeof(buf)), "Our own words");
	ck_assert_str_eq(field_of(p1, "licence", buf, sizeof(buf)), "cc0-1.0");
	/* The licence only. */
	edit_fill(&pe, p1, camp, mia, NULL, "odbl");
	tu_run_ok(prompt_edit_job, &pe);
	ck_assert_str_eq(field_of(p1, "licence", buf, sizeof(buf)), "odbl");
	ck_assert_str_eq(field_of(p1, "text", buf, sizeof(buf)),
	    "Describe your village at dawn.");

	/* Refusals change nothing and are not audited. */
	audits = audit_rows();
	edit_fill(&pe, 0, camp, mia, "Describe a festival.", "cc0-1.0");
	tu_run_fails(prompt_edit_job, &pe, ERR_CONFLICT); /* add a repeat */
	edit_fill(&pe, p1, camp, mia, "Describe a festival.", NULL);
	tu_run_fails(prompt_edit_job, &pe, ERR_CONFLICT); /* edit into one */
	ck_assert_str_eq(field_of(p1, "text", buf, sizeof(buf)),
	    "Describe your village at dawn.");
	pe.text = NULL;
	pe.licence = "cc-by-nc-4.0";
	tu_run_fails(prompt_edit_job, &pe, ERR_INVALID);
	ck_assert_str_eq(field_of(p1, "licence", buf, sizeof(buf)), "odbl");
	pe.licence = NULL;
	pe.text = "";
	tu_run_fails(prompt_edit_job, &pe, ERR_INVALID);
	memset(buf, 'x', PROMPT_MAX_CHARS + 1);
	buf[PROMPT_MAX_CHARS + 1] = '\0';
	pe.text = buf;
	tu_run_fails(prompt_edit_job, &pe, ERR_INVALID);
	pe.text = "Not \xff UTF-8.";
	tu_run_fails(prompt_edit_job, &pe, ERR_INVALID);
	pe.id = p2 + 1000;
	pe.text = "Whatever.";
	tu_run_fails(prompt_edit_job, &pe, ERR_NOT_FOUND);
	edit_fill(&pe, 0, camp + other + 1000, mia, "For nobody.", "cc0-1.0");
	tu_run_fails(prompt_edit_job, &pe, ERR_NOT_FOUND);
	edit_fill(&pe, 0, camp, mia, "No licence.", NULL);
	tu_run_fails(prompt_edit_job, &pe, ERR_INVALID);
	ck_assert_int_eq(audit_rows(), audits);
	ck_assert_int_eq(prompt_rows(camp), 2);
	/* The same text in another campaign is no repeat. */
	edit_fill(&pe, 0, other, mia, "Describe a festival.", "cc0-1.0");
	tu_run_ok(prompt_edit_job, &pe);

	/* Retire p1. */
	edit_fill(&pe, p1, camp, mia, NULL, NULL);
	pe.retire = 1;
	audits = audit_rows();
	tu_run_ok(prompt_edit_job, &pe);
	ck_assert_int_eq(audit_rows(), audits + 1);
	ck_assert_int_eq(retired(p1), 1);
	ck_assert_int_eq(retired(p2), 0);
	ck_assert_str_eq(field_of(p1, "text", buf, sizeof(buf)),
	    "Describe your village at dawn.");
	list = list_of(camp, 0, 1);
	ck_assert_int_eq(id_at(list, 0), p2);
	json_decref(list);
	list = list_of(camp, 1, 2);
	ck_assert_int_eq(id_at(list, 0), p2);
	ck_assert_int_eq(id_at(list, 1), p1);
	ck_assert(
	    json_is_true(json_object_get(json_array_get(list, 1), "retired")));
	json_decref(list);
	ck_assert_int_eq(prompt_text(tu_db, p1, camp, &t, &e), 0);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(next_prompt(camp, who), p2);
	/* A retired prompt can still be edited and stays retired. */
	edit_fill(&pe, p1, camp, mia, NULL, NULL);
	pe.source = "Our own words, revised";
	tu_run_ok(prompt_edit_job, &pe);
	ck_assert_int_eq(retired(p1), 1);

	/* Restore it: live again, offered first (older, as little used). */
	edit_fill(&pe, p1, camp, mia, NULL, NULL);
	pe.retire = -1;
	tu_run_ok(prompt_edit_job, &pe);
	ck_assert_int_eq(retired(p1), 0);
	ck_assert_int_eq(prompt_text(tu_db, p1, camp, &t, &e), 1);
	ck_assert_str_eq(t, "Describe your village at dawn.");
	free(t);
	/* Not another campaign's. */
	ck_assert_int_eq(prompt_text(tu_db, p1, other, &t, &e), 0);
	ck_assert_int_eq(next_prompt(camp, who), p1);
	list = list_of(camp, 0, 2);
	json_decref(list);
}
END_TEST

/*
** Even coverage: three prompts, four contributors. Each is offered the
** least used prompt they have not done (the oldest of equals), uses are
** counted, nobody does one twice (CONTRIB_PROMPT_DONE), and someone who
** has done them all is offered none. A retired prompt is not offered.
*/
START_TEST(test_next_even)
{
	int64_t camp, a, b, c, d, p[3];
	struct err e = { 0 };
	json_t *list;
	int i;

	camp = add_campaign("even",
	    "[\"First prompt.\",\"Second prompt.\","
	    "\"Third prompt.\"]");
	list = list_of(camp, 0, 3);
	for (i = 0; i < 3; i++)
		p[i] = id_at(list, i);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(list, 0), "text")),
	    "First prompt.");
	json_decref(list);
	a = contributor("ama", camp);
	b = contributor("kofi", camp);
	c = contributor("esi", camp);
	d = contributor("yao", camp);

	/* All unused: the oldest, and each takes the next least used. */
	ck_assert_int_eq(next_prompt(camp, a), p[0]);
	ck_assert_int_eq(contribute(a, camp, p[0], &e), 0);
	ck_assert_int_eq(uses_of(p[0]), 1);
	ck_assert_int_eq(next_prompt(camp, b), p[1]);
	ck_assert_int_eq(contribute(b, camp, p[1], &e), 0);
	ck_assert_int_eq(next_prompt(camp, c), p[2]);
	ck_assert_int_eq(contribute(c, camp, p[2], &e), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(uses_of(p[i]), 1);

	/* All used once: the oldest each has not done. */
	ck_assert_int_eq(next_prompt(camp, a), p[1]);
	ck_assert_int_eq(contribute(a, camp, p[1], &e), 0);
	ck_assert_int_eq(uses_of(p[1]), 2);
	ck_assert_int_eq(next_prompt(camp, b), p[0]);
	ck_assert_int_eq(contribute(b, camp, p[0], &e), 0);
	/* p0 2, p1 2, p2 1. */
	ck_assert_int_eq(next_prompt(camp, c), p[0]);
	ck_assert_int_eq(next_prompt(camp, d), p[2]);
	ck_assert_int_eq(next_prompt(camp, a), p[2]);
	ck_assert_int_eq(contribute(a, camp, p[2], &e), 0);
	ck_assert_int_eq(uses_of(p[2]), 2);
	/* a has done all three. */
	ck_assert_int_eq(next_prompt(camp, a), 0);
	/* And may not do one again: refused, nothing counted. */
	ck_assert_int_eq(contribute(a, camp, p[0], &e), -1);
	ck_assert_msg(
	    e.code == ERR_CONFLICT, "%s (%s)", err_name(e.code), e.msg);
	ck_assert_str_eq(e.msg, CONTRIB_PROMPT_DONE);
	ck_assert_int_eq(uses_of(p[0]), 2);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contributions WHERE "
				  "account_id = ?1",
			     a),
	    3);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contributions WHERE "
				  "prompt_id IS NOT NULL",
			     0),
	    6);
	ck_assert_int_eq(next_prompt(camp, c), p[0]);

	/* Retire p0: c is offered p1, d p2 still. */
	{
		struct prompt_edit pe = { 0 };

		pe.id = p[0];
		pe.campaign_id = camp;
		pe.retire = 1;
		tu_run_ok(prompt_edit_job, &pe);
	}
	ck_assert_int_eq(next_prompt(camp, c), p[1]);
	ck_assert_int_eq(next_prompt(camp, b), p[2]);
	ck_assert_int_eq(contribute(b, camp, p[2], &e), 0);
	/* b did p0 (retired), p1, p2: nothing left. */
	ck_assert_int_eq(next_prompt(camp, b), 0);
	/* A fresh campaign with no prompts offers none. */
	ck_assert_int_eq(next_prompt(add_campaign("bare", NULL), d), 0);
}
END_TEST

/* The live list carries the PROMPT_LISTED least used prompts; the full
** list carries every one. */
START_TEST(test_list_least_used)
{
	struct prompt_import pi;
	struct prompt_set set;
	int64_t camp, who, first;
	struct err e = { 0 };
	json_t *list, *v;
	char *f, *p;
	size_t i;
	int k;

	camp = add_campaign("many", NULL);
	who = contributor("ama", camp);
	ck_assert_ptr_nonnull(f = malloc((PROMPT_LISTED + 10) * 32));
	p = f;
	for (k = 0; k < PROMPT_LISTED + 10; k++)
		p += sprintf(p, "Prompt number %d.\n", k);
	parse_ok(f, 0, "cc0-1.0", "", &set, PROMPT_LISTED + 10);
	free(f);
	import_ok(camp, &set, &pi);
	ck_assert_uint_eq(pi.imported, PROMPT_LISTED + 10);
	prompt_set_free(&set);

	list = list_of(camp, 1, PROMPT_LISTED + 10);
	first = id_at(list, 0);
	json_decref(list);
	list = list_of(camp, 0, PROMPT_LISTED);
	json_decref(list);

	/* The oldest is used once: the other 59 are less used, and it
	** leaves the live list. */
	ck_assert_int_eq(next_prompt(camp, who), first);
	ck_assert_int_eq(contribute(who, camp, first, &e), 0);
	list = list_of(camp, 0, PROMPT_LISTED);
	json_array_foreach(list, i, v)
	{
		ck_assert_int_ne(
		    json_integer_value(json_object_get(v, "id")), first);
		ck_assert(json_is_string(json_object_get(v, "text")));
	}
	json_decref(list);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("prompts");
	TCase *parser = tcase_create("parse");
	TCase *tc = tcase_create("writer");

	tcase_add_test(parser, test_licences);
	tcase_add_test(parser, test_text_lines);
	tcase_add_test(parser, test_text_duplicates);
	tcase_add_test(parser, test_text_long);
	tcase_add_test(parser, test_text_not_utf8);
	tcase_add_test(parser, test_text_licence);
	tcase_add_test(parser, test_csv_quotes);
	tcase_add_test(parser, test_csv_columns);
	tcase_add_test(parser, test_csv_errors);
	tcase_add_test(parser, test_csv_line_numbers);
	tcase_add_test(parser, test_errors_capped);
	tcase_add_test(parser, test_file_refused);
	tcase_add_test(parser, test_never_past_n);
	tcase_set_timeout(parser, 60);
	suite_add_tcase(s, parser);

	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_import);
	tcase_add_test(tc, test_edit);
	tcase_add_test(tc, test_next_even);
	tcase_add_test(tc, test_list_least_used);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
