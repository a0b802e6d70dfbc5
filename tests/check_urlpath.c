/*
** The path decoder: what it accepts, how it splits and decodes, and every
** way out of a folder it refuses.
*/
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "urlpath.h"
#include "testutil.h"

START_TEST(test_split_and_decode)
{
	struct urlpath up;

	ck_assert_int_eq(urlpath_parse("/a/b%20c/d", 10, &up), URLPATH_OK);
	ck_assert_uint_eq(up.nseg, 3);
	ck_assert_str_eq(up.seg[0], "a");
	ck_assert_str_eq(up.seg[1], "b c");
	ck_assert_uint_eq(up.seglen[1], 3);
	ck_assert_str_eq(up.seg[2], "d");
	ck_assert_int_eq(up.trailing_slash, 0);
	urlpath_free(&up);

	ck_assert_int_eq(urlpath_parse("/", 1, &up), URLPATH_OK);
	ck_assert_uint_eq(up.nseg, 0);
	urlpath_free(&up);

	ck_assert_int_eq(urlpath_parse("/api/", 5, &up), URLPATH_OK);
	ck_assert_uint_eq(up.nseg, 1);
	ck_assert_int_eq(up.trailing_slash, 1);
	urlpath_free(&up);
}
END_TEST

static const struct {
	const char *path;
	int want;
} cases[] = {
	{ "/../etc/passwd", URLPATH_UNSAFE },
	{ "/a/../../b", URLPATH_UNSAFE },
	{ "/%2e%2e/etc/passwd", URLPATH_UNSAFE },
	{ "/%2E%2E/etc/passwd", URLPATH_UNSAFE },
	{ "/.%2e/x", URLPATH_UNSAFE },
	{ "/./x", URLPATH_UNSAFE },
	{ "/a%2fb", URLPATH_UNSAFE },
	{ "/a%2Fb", URLPATH_UNSAFE },
	{ "/a%5cb", URLPATH_UNSAFE },
	{ "/a%00b", URLPATH_UNSAFE },
	{ "/a%0ab", URLPATH_UNSAFE },
	{ "//etc/passwd", URLPATH_UNSAFE },
	{ "/a//b", URLPATH_UNSAFE },
	{ "etc/passwd", URLPATH_MALFORMED },
	{ "", URLPATH_MALFORMED },
	{ "/a%2", URLPATH_MALFORMED },
	{ "/a%", URLPATH_MALFORMED },
	{ "/a%zz", URLPATH_MALFORMED },
	{ "/..a/b", URLPATH_OK },
	{ "/a..b", URLPATH_OK },
	{ "/%41", URLPATH_OK },
};

START_TEST(test_table)
{
	struct urlpath up;
	int rc;

	rc = urlpath_parse(cases[_i].path, strlen(cases[_i].path), &up);
	ck_assert_msg(rc == cases[_i].want, "%s: got %d want %d",
	    cases[_i].path, rc, cases[_i].want);
	urlpath_free(&up);
}
END_TEST

START_TEST(test_embedded_nul_length)
{
	struct urlpath up;
	/* A raw NUL byte inside the counted length is a control byte. */
	ck_assert_int_eq(urlpath_parse("/a\0b", 4, &up), URLPATH_UNSAFE);
	/* Length is honoured: the bytes past n are never read. */
	ck_assert_int_eq(urlpath_parse("/ab/../x", 3, &up), URLPATH_OK);
	ck_assert_str_eq(up.seg[0], "ab");
	urlpath_free(&up);
}
END_TEST

START_TEST(test_too_many_segments)
{
	char p[200] = "";
	struct urlpath up;
	int i;

	for (i = 0; i < URLPATH_MAX_SEGS + 1; i++)
		strcat(p, "/a");
	ck_assert_int_eq(urlpath_parse(p, strlen(p), &up), URLPATH_MALFORMED);
}
END_TEST

START_TEST(test_query_component)
{
	struct buf b = { 0 };

	ck_assert_int_eq(url_decode_component("a+b%2Bc%C3%A9", 13, &b), 0);
	ck_assert_str_eq(b.p, "a b+c\xc3\xa9");
	buf_free(&b);
	ck_assert_int_eq(url_decode_component("a%00", 4, &b), -1);
	buf_free(&b);
	ck_assert_int_eq(url_decode_component("%g0", 3, &b), -1);
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("urlpath");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_split_and_decode);
	tcase_add_loop_test(
	    tc, test_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_embedded_nul_length);
	tcase_add_test(tc, test_too_many_segments);
	tcase_add_test(tc, test_query_component);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
