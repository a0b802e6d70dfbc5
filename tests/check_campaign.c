/*
** Campaign definitions (campaign.h): what `tributary campaign import`
** accepts and what it refuses, with errors that name the field; prompts
** listed with the campaign; the largest recording an audio drive takes.
*/
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "testutil.h"

#define BASE_TEXT                                                              \
	"\"slug\":\"ewe-stories\",\"title\":\"Ewe stories\",\"language\":"     \
	"\"ee\",\"consent\":\"general\",\"required_scopes\":[\"publish_"       \
	"text\"],"                                                             \
	"\"minimum_age\":16"

/* Parses ${json}: 0 or -1, the error in ${e}. */
static int
parse(const char *json, struct campaign *c, struct err *e)
{
	json_error_t je;
	json_t *def = json_loads(json, 0, &je);
	int rc;

	ck_assert_msg(def != NULL, "bad test JSON: %s", je.text);
	memset(c, 0, sizeof(*c));
	rc = campaign_parse(def, c, e);
	json_decref(def);
	return (rc);
}

static const struct {
	const char *json;
	const char *needle; /* in the error; NULL: accepted */
} cases[] = {
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"max_chars\":500}", NULL },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"prompts\":[\"Tell a story\","
	  "\"Describe your village\"]}",
	    NULL },
	{ "{" BASE_TEXT ",\"kind\":\"audio\",\"min_seconds\":1,"
	  "\"max_seconds\":15,\"sample_rate\":16000,\"prompts\":[]}",
	    NULL },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"prompts\":\"one\"}",
	    "\"prompts\" must be an array" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"prompts\":[\"ok\",\"\"]}",
	    "\"prompts\"[1]" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"prompts\":[\"ok\",7]}",
	    "\"prompts\"[1]" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"promts\":[\"ok\"]}",
	    "unknown field \"promts\"" },
	{ "{" BASE_TEXT ",\"kind\":\"audio\",\"sample_rate\":7999}",
	    "sample_rate" },
	{ "{" BASE_TEXT ",\"kind\":\"audio\",\"min_seconds\":5,"
	  "\"max_seconds\":2}",
	    "\"min_seconds\" must be below" },
	{ "{" BASE_TEXT ",\"kind\":\"video\"}", "\"kind\"" },
	{ "{" BASE_TEXT ",\"kind\":\"audio\",\"max_seconds\":600}", NULL },
	{ "{" BASE_TEXT ",\"kind\":\"audio\",\"max_seconds\":601}",
	    "max_seconds" },
	/* Words for the pages, in the languages of the drive's people. */
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"description\":\"Stories of "
	  "Ho.\",\"translations\":{\"ee\":{\"title\":\"Eʋe ŋutinyawo\","
	  "\"description\":\"Ho ŋutinyawo.\",\"scopes\":{\"publish_text\":"
	  "\"Wò nuŋlɔɖiwo ɖeɖe ɖe go\"}},\"fr\":{\"title\":\"Récits\"}}}",
	    NULL },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"description\":\"\"}",
	    "\"description\" must be" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"translations\":{\"not a "
	  "tag\":{\"title\":\"x\"}}}",
	    "must be a language tag" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"translations\":{\"ee\":"
	  "{\"titel\":\"x\"}}}",
	    "only \"title\"" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"translations\":{\"ee\":"
	  "{\"scopes\":{\"voice_synthesis\":\"x\"}}}}",
	    "a scope the campaign requires" },
	{ "{" BASE_TEXT ",\"kind\":\"text\",\"translations\":[]}",
	    "\"translations\" must be an object" },
};

/* The words for the pages are in the campaign's JSON: the description
** and each language's title, description and scope names. */
START_TEST(test_translations_shown)
{
	struct campaign c;
	struct err e = { 0 };
	json_t *j, *ee;

	ck_assert_msg(parse(cases[12].json, &c, &e) == 0, "%s", e.msg);
	ck_assert_ptr_nonnull(j = campaign_json(&c));
	ck_assert_str_eq(json_string_value(json_object_get(j, "description")),
	    "Stories of Ho.");
	ee = json_object_get(json_object_get(j, "translations"), "ee");
	ck_assert_str_eq(
	    json_string_value(json_object_get(ee, "title")), "Eʋe ŋutinyawo");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(ee, "scopes"), "publish_text")),
	    "Wò nuŋlɔɖiwo ɖeɖe ɖe go");
	json_decref(j);
	campaign_clear(&c);
}
END_TEST

START_TEST(test_cases)
{
	struct campaign c;
	struct err e = { 0 };
	int rc = parse(cases[_i].json, &c, &e);

	if (cases[_i].needle == NULL)
		ck_assert_msg(rc == 0, "case %d refused: %s", _i, e.msg);
	else {
		ck_assert_msg(rc == -1, "case %d accepted", _i);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_msg(strstr(e.msg, cases[_i].needle) != NULL,
		    "case %d: \"%s\" not in \"%s\"", _i, cases[_i].needle,
		    e.msg);
	}
	campaign_clear(&c);
}
END_TEST

/* Too many prompts, or one too long, is refused with the limit named. */
START_TEST(test_prompt_limits)
{
	struct campaign c;
	struct err e = { 0 };
	json_t *def, *p;
	char *big;
	int i;

	def = json_loads("{" BASE_TEXT ",\"kind\":\"text\"}", 0, NULL);
	p = json_array();
	for (i = 0; i <= CAMPAIGN_MAX_PROMPTS; i++)
		json_array_append_new(p, json_string("a sentence"));
	json_object_set_new(def, "prompts", p);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(campaign_parse(def, &c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "at most 1000"));
	campaign_clear(&c);
	/* Exactly the limit is fine. */
	json_array_remove(p, 0);
	memset(&c, 0, sizeof(c));
	ck_assert_msg(campaign_parse(def, &c, &e) == 0, "%s", e.msg);
	campaign_clear(&c);
	ck_assert_ptr_nonnull(big = malloc(CAMPAIGN_PROMPT_MAX + 2));
	memset(big, 'x', CAMPAIGN_PROMPT_MAX + 1);
	big[CAMPAIGN_PROMPT_MAX + 1] = '\0';
	json_array_set_new(p, 3, json_string(big));
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(campaign_parse(def, &c, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "\"prompts\"[3]"));
	campaign_clear(&c);
	free(big);
	json_decref(def);
}
END_TEST

START_TEST(test_max_bytes)
{
	struct campaign c = { 0 };

	c.max_seconds = 15;
	c.sample_rate = 16000;
	/* 15 s of stereo 32-bit frames plus the slack for headers. */
	ck_assert_uint_eq(campaign_max_bytes(&c), 4096 + 15 * 16000 * 8);
	c.max_seconds = 0.5;
	c.sample_rate = 44100;
	ck_assert_uint_eq(campaign_max_bytes(&c), 4096 + 22050 * 8);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("campaign");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(
	    tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_prompt_limits);
	tcase_add_test(tc, test_translations_shown);
	tcase_add_test(tc, test_max_bytes);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
