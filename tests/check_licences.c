/*
** The licence table (licences.h): the shipped consent/licences.yaml loads
** and says what each licence needs; licence_covers() answers yes only when
** every needed scope was granted; a malformed table is refused with its
** line.
*/
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "licences.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct licence_table shipped_table;

static void
load_shipped(void)
{
	struct err e = { 0 };

	ck_assert_msg(licences_load(tu_src_path("consent/licences.yaml"),
			  &shipped_table, &e) == 0,
	    "%s", e.msg);
}

static void
free_shipped(void)
{
	licences_free(&shipped_table);
}

/* 1 if ${s} is one of the ${n} strings of ${v}. */
static int
has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (1);
	return (0);
}

static const struct licence *
find(const char *id)
{
	const struct licence *l = licence_find(&shipped_table, id);

	ck_assert_msg(l != NULL, "licence %s missing", id);
	return (l);
}

START_TEST(test_shipped_loads)
{
	static const char *const ids[] = { "cc0-1.0", "cc-by-4.0",
		"cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "odc-by",
		"other" };
	size_t i;

	ck_assert_uint_eq(shipped_table.n, NELEM(ids));
	for (i = 0; i < NELEM(ids); i++) {
		const struct licence *l = find(ids[i]);

		ck_assert_str_eq(l->id, ids[i]);
		/* Every licence needs the publish scope of its kind. */
		ck_assert(has(l->text, l->ntext, "publish_text"));
		ck_assert(has(l->audio, l->naudio, "publish_voice"));
		/* A permitted use needs its scope for audio. */
		if (has(l->permits, l->npermits, "commercial_use"))
			ck_assert(has(l->audio, l->naudio, "commercial_use") &&
			    has(l->text, l->ntext, "commercial_use"));
		if (has(l->permits, l->npermits, "voice_synthesis"))
			ck_assert(has(l->audio, l->naudio, "voice_synthesis"));
		/* Public-domain prompts go anywhere; a share-alike one
		** only where the release shares alike too; a prompt's
		** licence is one a prompt may carry. */
		ck_assert(has(l->prompts, l->nprompts, "cc0-1.0") &&
		    has(l->prompts, l->nprompts, "pddl"));
		ck_assert(!has(l->prompts, l->nprompts, "cc-by-sa-4.0") ||
		    strcmp(l->id, "cc-by-sa-4.0") == 0);
		ck_assert(!has(l->prompts, l->nprompts, "odbl"));
	}
	ck_assert_ptr_null(licence_find(&shipped_table, "mit"));
	ck_assert_ptr_null(licence_find(&shipped_table, "CC-BY-4.0"));
}
END_TEST

START_TEST(test_what_each_needs)
{
	const struct licence *by = find("cc-by-4.0"),
			     *nc = find("cc-by-nc-4.0");
	const struct licence *other = find("other");

	ck_assert(has(by->audio, by->naudio, "commercial_use"));
	ck_assert(has(by->audio, by->naudio, "voice_synthesis"));
	ck_assert(has(by->text, by->ntext, "commercial_use"));
	ck_assert(!has(nc->audio, nc->naudio, "commercial_use"));
	ck_assert(!has(nc->text, nc->ntext, "commercial_use"));
	ck_assert(has(nc->audio, nc->naudio, "voice_synthesis"));
	ck_assert_uint_eq(other->ntext, 1);
	ck_assert_str_eq(other->text[0], "publish_text");
	ck_assert_uint_eq(other->naudio, 1);
	ck_assert_str_eq(other->audio[0], "publish_voice");
	ck_assert_uint_eq(other->npermits, 0);
}
END_TEST

START_TEST(test_covers)
{
	const struct licence *by = find("cc-by-4.0"),
			     *nc = find("cc-by-nc-4.0");
	const struct licence *other = find("other");
	const char *const all[] = { "publish_text", "publish_voice",
		"commercial_use", "voice_synthesis" };
	const char *const voice[] = { "publish_voice" };
	const char *const voice_synth[] = { "voice_synthesis",
		"publish_voice" };
	const char *const voice_comm[] = { "publish_voice", "commercial_use" };
	const char *const text[] = { "publish_text" };
	const char *const text_comm[] = { "commercial_use", "publish_text" };

	ck_assert_int_eq(licence_covers(by, "audio", all, 4), 1);
	ck_assert_int_eq(licence_covers(by, "text", all, 4), 1);
	ck_assert_int_eq(licence_covers(by, "audio", voice_comm, 2), 0);
	ck_assert_int_eq(licence_covers(by, "audio", voice_synth, 2), 0);
	ck_assert_int_eq(licence_covers(by, "text", text, 1), 0);
	ck_assert_int_eq(licence_covers(by, "text", text_comm, 2), 1);
	ck_assert_int_eq(licence_covers(nc, "text", text, 1), 1);
	ck_assert_int_eq(licence_covers(nc, "audio", voice_synth, 2), 1);
	ck_assert_int_eq(licence_covers(nc, "audio", voice, 1), 0);
	ck_assert_int_eq(licence_covers(other, "audio", voice, 1), 1);
	ck_assert_int_eq(licence_covers(other, "text", text, 1), 1);
	ck_assert_int_eq(licence_covers(other, "text", voice, 1), 0);
	ck_assert_int_eq(licence_covers(other, "text", NULL, 0), 0);
	/* Text scopes do not cover audio, nor an unknown kind anything. */
	ck_assert_int_eq(licence_covers(other, "audio", text, 1), 0);
	ck_assert_int_eq(licence_covers(other, "video", all, 4), 0);
	ck_assert_int_eq(licence_covers(NULL, "text", all, 4), 0);
}
END_TEST

#define OK_ENTRY "    text: [publish_text]\n    audio: [publish_voice]\n"

/* Each table is refused with exactly this "l.yaml:LINE: ..." text. */
static const struct {
	const char *yaml, *want;
} bad[] = {
	{ "", "l.yaml:1: empty" },
	{ "licences:\n  other:\n    text: [publish_text\n    audio: []\n",
	    "l.yaml:4: YAML" },
	{ "licences:\n  other:\n    text: [a]\n      audio: [b]\n",
	    "l.yaml:4: YAML: did not find expected key" },
	{ "licences:\n  other:\n" OK_ENTRY "    permits: []\nextra: 1\n",
	    "l.yaml:1: must be a mapping with one key" },
	{ "licenses:\n  other:\n" OK_ENTRY "    permits: []\n",
	    "l.yaml:1: unknown key 'licenses'" },
	{ "- licences\n", "l.yaml:1: must be a mapping" },
	{ "licences: {}\n", "l.yaml:1: licences must map licence ids" },
	{ "licences: [other]\n", "l.yaml:1: licences must map" },
	{ "licences:\n  other:\n" OK_ENTRY,
	    "l.yaml:3: other: missing key "
	    "'permits'" },
	{ "licences:\n  other:\n" OK_ENTRY "    permits: []\n    video: []\n",
	    "l.yaml:6: other: unknown key 'video'" },
	{ "licences:\n  other:\n" OK_ENTRY "    permits: []\n    text: []\n",
	    "l.yaml:6: other: duplicate key 'text'" },
	{ "licences:\n  other:\n    text: publish_text\n    audio: []\n"
	  "    permits: []\n",
	    "l.yaml:3: text must be a list" },
	{ "licences:\n  other:\n    text: [Publish]\n    audio: []\n"
	  "    permits: []\n",
	    "l.yaml:3: text: not a scope id" },
	{ "licences:\n  other:\n    text: [a, a]\n    audio: []\n"
	  "    permits: []\n",
	    "l.yaml:3: text: 'a' given twice" },
	{ "licences:\n  other:\n    text: [a]\n    audio:\n      - [b]\n"
	  "    permits: []\n",
	    "l.yaml:5: audio: not a scope id" },
	{ "licences:\n  Other:\n" OK_ENTRY "    permits: []\n",
	    "l.yaml:2: licence id must be" },
	{ "licences:\n  other: [publish_text]\n", "l.yaml:2: other: must map" },
	{ "licences:\n  other:\n" OK_ENTRY
	  "    permits: []\n  other:\n" OK_ENTRY "    permits: []\n",
	    "l.yaml:6: licence 'other' given twice" },
	{ "licences:\n  other:\n    text: [\"a\\0b\"]\n    audio: []\n"
	  "    permits: []\n",
	    "l.yaml:3: text: not a scope id" },
	{ "licences: {}\n--- x\n", "l.yaml:2: more than one YAML document" },
	{ "licences:\n  other:\n" OK_ENTRY "    permits: []\n"
	  "    prompts: [CC0]\n",
	    "l.yaml:6: prompts: not a licence id" },
	{ "licences:\n  other:\n" OK_ENTRY "    permits: []\n"
	  "    prompts: pddl\n",
	    "l.yaml:6: prompts must be a list" },
	{ "licences:\n  other:\n    text: [caf\xc3]\n",
	    "l.yaml:3: YAML: invalid" },
};

START_TEST(test_malformed)
{
	struct licence_table t = { 0 };
	struct err e = { 0 };
	size_t n = strlen(bad[_i].yaml);
	char *p = malloc(n + 1);

	/* An exact-size copy: ASan catches any read past n. */
	ck_assert_ptr_nonnull(p);
	memcpy(p, bad[_i].yaml, n);
	ck_assert_msg(licences_parse(p, n, "l.yaml", &t, &e) == -1,
	    "case %d accepted", _i);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_msg(strncmp(e.msg, bad[_i].want, strlen(bad[_i].want)) == 0,
	    "case %d: got '%s', want '%s'", _i, e.msg, bad[_i].want);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.l);
	free(p);
}
END_TEST

START_TEST(test_minimal_and_missing)
{
	const char y[] = "# a comment\nlicences:\n  x-1.0:\n" OK_ENTRY
			 "    permits: [commercial_use]\n";
	struct licence_table t = { 0 };
	struct err e = { 0 };
	char *big;

	ck_assert_msg(
	    licences_parse(y, strlen(y), "l.yaml", &t, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(t.n, 1);
	ck_assert_str_eq(t.l[0].id, "x-1.0");
	ck_assert_str_eq(t.l[0].permits[0], "commercial_use");
	/* No prompts key: prompts in the public domain only. */
	ck_assert_uint_eq(t.l[0].nprompts, 2);
	ck_assert_str_eq(t.l[0].prompts[0], "cc0-1.0");
	ck_assert_str_eq(t.l[0].prompts[1], "pddl");
	licences_free(&t);
	ck_assert_uint_eq(t.n, 0);
	licences_free(&t);

	/* A table larger than 64 KiB is refused before libyaml sees it. */
	big = malloc(70000);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', 70000);
	ck_assert_int_eq(licences_parse(big, 70000, "l.yaml", &t, &e), -1);
	ck_assert_str_eq(e.msg, "l.yaml:1: larger than 65536 bytes");
	free(big);

	ck_assert_int_eq(
	    licences_load("/nonexistent/licences.yaml", &t, &e), -1);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/licences.yaml"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("licences");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, load_shipped, free_shipped);
	tcase_add_test(tc, test_shipped_loads);
	tcase_add_test(tc, test_what_each_needs);
	tcase_add_test(tc, test_covers);
	tcase_add_loop_test(tc, test_malformed, 0, NELEM(bad));
	tcase_add_test(tc, test_minimal_and_missing);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
