/*
** Token buckets (ratelimit.h), driven with explicit times, never a clock:
** a burst is allowed and the next request refused with a Retry-After that
** really is enough; tokens come back at the rate; keys do not share
** buckets; thousands of keys grow the table and sweep full buckets without
** forgetting one that is still being limited.
*/
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "testutil.h"

START_TEST(test_burst_then_refusal)
{
	struct ratelimit *rl = ratelimit_new(1, 3);
	int i, ra;

	ck_assert_ptr_nonnull(rl);
	for (i = 0; i < 3; i++) {
		ra = -7;
		ck_assert_msg(ratelimit_take(rl, "10.0.0.1", 100.0, &ra) == 1,
		    "request %d of the burst refused", i + 1);
	}
	ra = -7;
	ck_assert_int_eq(ratelimit_take(rl, "10.0.0.1", 100.0, &ra), 0);
	ck_assert_int_ge(ra, 1);
	ck_assert_int_eq(ra, 1);
	/* Refusals do not take tokens: still refused, same wait. */
	ra = -7;
	ck_assert_int_eq(ratelimit_take(rl, "10.0.0.1", 100.0, &ra), 0);
	ck_assert_int_eq(ra, 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_retry_after_is_enough)
{
	/* Half a token a second: an empty bucket needs 2 s. */
	struct ratelimit *rl = ratelimit_new(0.5, 1);
	int ra;

	ck_assert_ptr_nonnull(rl);
	ck_assert_int_eq(ratelimit_take(rl, "k", 0.0, &ra), 1);
	ra = 0;
	ck_assert_int_eq(ratelimit_take(rl, "k", 0.0, &ra), 0);
	ck_assert_int_eq(ra, 2);
	/* Half-way: one more second. */
	ra = 0;
	ck_assert_int_eq(ratelimit_take(rl, "k", 1.0, &ra), 0);
	ck_assert_int_eq(ra, 1);
	/* After the wait it said, the request goes through. */
	ck_assert_int_eq(ratelimit_take(rl, "k", 2.0, &ra), 1);
	ra = 0;
	ck_assert_int_eq(ratelimit_take(rl, "k", 2.0, &ra), 0);
	ck_assert_int_ge(ra, 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_refill)
{
	struct ratelimit *rl = ratelimit_new(2, 4);
	int i, ra;

	ck_assert_ptr_nonnull(rl);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(ratelimit_take(rl, "a", 50.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "a", 50.0, &ra), 0);
	/* 0.5 s at 2/s: one token back, only one. */
	ck_assert_int_eq(ratelimit_take(rl, "a", 50.5, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "a", 50.5, &ra), 0);
	/* 1 s later: two. */
	ck_assert_int_eq(ratelimit_take(rl, "a", 51.5, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "a", 51.5, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "a", 51.5, &ra), 0);
	/* A long pause refills to the burst, never beyond it. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(ratelimit_take(rl, "a", 10000.0, &ra), 1);
	ra = 0;
	ck_assert_int_eq(ratelimit_take(rl, "a", 10000.0, &ra), 0);
	ck_assert_int_ge(ra, 1);
	ratelimit_free(rl);
}
END_TEST

START_TEST(test_keys_independent)
{
	struct ratelimit *rl = ratelimit_new(1, 2);
	int ra;

	ck_assert_ptr_nonnull(rl);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.1", 1.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.1", 1.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.1", 1.0, &ra), 0);
	/* Another key has its full burst. */
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.2", 1.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.2", 1.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.2", 1.0, &ra), 0);
	/* A prefix is not the same key. */
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.", 1.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.11", 1.0, &ra), 1);
	/* And the first is still limited. */
	ck_assert_int_eq(ratelimit_take(rl, "192.0.2.1", 1.0, &ra), 0);
	ratelimit_free(rl);
}
END_TEST

/*
** A long key (an IPv6 address with a zone, a forwarded name) is a key like
** any other: exhausting it must refuse it.
*/
START_TEST(test_long_key)
{
	struct ratelimit *rl = ratelimit_new(1, 2);
	char key[101];
	int ra, i, allowed = 0;

	ck_assert_ptr_nonnull(rl);
	memset(key, 'x', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	for (i = 0; i < 10; i++)
		allowed += ratelimit_take(rl, key, 5.0, &ra);
	ck_assert_msg(allowed == 2,
	    "a 100-byte key got %d of 10 requests through a burst of 2",
	    allowed);
	ratelimit_free(rl);
}
END_TEST

#define NKEYS 5000

START_TEST(test_many_keys)
{
	struct ratelimit *rl = ratelimit_new(1, 1);
	char key[32];
	int i, ra;

	ck_assert_ptr_nonnull(rl);
	/* One client is being limited... */
	ck_assert_int_eq(ratelimit_take(rl, "hot", 0.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "hot", 0.0, &ra), 0);
	/* ...while 5000 others arrive at the same moment (the table grows
	** several times over). */
	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		ck_assert_msg(ratelimit_take(rl, key, 0.0, &ra) == 1,
		    "new key %s refused", key);
	}
	/* Every one of them, and the hot one, is remembered as empty. */
	ck_assert_int_eq(ratelimit_take(rl, "hot", 0.0, &ra), 0);
	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "10.%d.%d.%d", i >> 16,
		    (i >> 8) & 255, i & 255);
		ra = 0;
		ck_assert_msg(ratelimit_take(rl, key, 0.0, &ra) == 0,
		    "key %s forgotten while empty", key);
		ck_assert_int_ge(ra, 1);
	}

	/* 100 s on, all of those are full again and may be swept. The hot
	** key is drained again first, so it must survive the sweeps. */
	ck_assert_int_eq(ratelimit_take(rl, "hot", 100.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "hot", 100.0, &ra), 0);
	for (i = 0; i < NKEYS; i++) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		ck_assert_msg(ratelimit_take(rl, key, 100.0, &ra) == 1,
		    "new key %s refused", key);
	}
	ck_assert_int_eq(ratelimit_take(rl, "hot", 100.0, &ra), 0);
	/* An old key, swept or not, starts over with a full bucket. */
	ck_assert_int_eq(ratelimit_take(rl, "10.0.0.7", 100.0, &ra), 1);
	ck_assert_int_eq(ratelimit_take(rl, "10.0.0.7", 100.0, &ra), 0);
	/* And the new ones are still limited. */
	for (i = 0; i < NKEYS; i += 97) {
		snprintf(key, sizeof(key), "fd00::%x", i);
		ck_assert_msg(ratelimit_take(rl, key, 100.0, &ra) == 0,
		    "key %s forgotten while empty", key);
	}

	/* Many rounds of fresh keys at later and later times: the sweep
	** keeps things working (and bounded, for ASan's leak check). */
	for (i = 0; i < 20 * NKEYS; i++) {
		snprintf(key, sizeof(key), "r%d", i);
		ck_assert_int_eq(
		    ratelimit_take(rl, key, 200.0 + i / 1000, &ra), 1);
	}
	ratelimit_free(rl);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_burst_then_refusal);
	tcase_add_test(tc, test_retry_after_is_enough);
	tcase_add_test(tc, test_refill);
	tcase_add_test(tc, test_keys_independent);
	tcase_add_test(tc, test_long_key);
	tcase_add_test(tc, test_many_keys);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
