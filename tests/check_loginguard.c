/*
** The login guard (loginguard.h), driven with explicit times, never a
** clock: no wait before the threshold; 1 s at it, doubling with each
** failure after it, capped at the maximum; a Retry-After that really is
** enough; a success clears the key; keys do not share counts; an entry is
** forgotten after its quiet time; the table stays its size under a flood
** of new keys and gives up the oldest entry first; and hash slots per
** address, exact under threads.
*/
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loginguard.h"
#include "testutil.h"

START_TEST(test_threshold_and_doubling)
{
	struct loginguard *g = loginguard_new(3, 8, 0);
	static const int waits[] = { 1, 2, 4, 8, 8, 8 };
	double t = 100.0;
	int i;

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(loginguard_wait(g, "h:ann", t), 0);
	/* Two failures: under the threshold, no wait. */
	loginguard_failed(g, "h:ann", t);
	loginguard_failed(g, "h:ann", t);
	ck_assert_int_eq(loginguard_wait(g, "h:ann", t), 0);
	ck_assert_int_eq(loginguard_failures(g, "h:ann", t), 2);
	/* The third, and each after it once its wait is over. */
	for (i = 0; i < 6; i++) {
		loginguard_failed(g, "h:ann", t);
		ck_assert_msg(loginguard_wait(g, "h:ann", t) == waits[i],
		    "failure %d: wait %d, want %d", i + 3,
		    loginguard_wait(g, "h:ann", t), waits[i]);
		/* Still waiting just before the end, free at it. */
		ck_assert_int_eq(
		    loginguard_wait(g, "h:ann", t + waits[i] - 0.25), 1);
		ck_assert_int_eq(loginguard_wait(g, "h:ann", t + waits[i]), 0);
		t += waits[i];
	}
	ck_assert_int_eq(loginguard_failures(g, "h:ann", t), 8);
	loginguard_free(g);
}
END_TEST

/* Asking changes nothing: a try refused inside the wait is no failure. */
START_TEST(test_wait_is_read_only)
{
	struct loginguard *g = loginguard_new(1, 60, 0);
	int i;

	ck_assert_ptr_nonnull(g);
	loginguard_failed(g, "a:10.0.0.1", 0.0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(loginguard_wait(g, "a:10.0.0.1", 0.5), 1);
	ck_assert_int_eq(loginguard_failures(g, "a:10.0.0.1", 0.5), 1);
	ck_assert_int_eq(loginguard_wait(g, "a:10.0.0.1", 1.0), 0);
	loginguard_free(g);
}
END_TEST

START_TEST(test_success_clears)
{
	struct loginguard *g = loginguard_new(2, 60, 0);

	ck_assert_ptr_nonnull(g);
	loginguard_failed(g, "h:bo", 10.0);
	loginguard_failed(g, "h:bo", 10.0);
	loginguard_failed(g, "a:10.0.0.1", 10.0);
	loginguard_failed(g, "a:10.0.0.1", 10.0);
	ck_assert_int_eq(loginguard_wait(g, "h:bo", 10.0), 1);
	loginguard_passed(g, "h:bo");
	ck_assert_int_eq(loginguard_wait(g, "h:bo", 10.0), 0);
	ck_assert_int_eq(loginguard_failures(g, "h:bo", 10.0), 0);
	/* One more failure starts again from one: no wait. */
	loginguard_failed(g, "h:bo", 11.0);
	ck_assert_int_eq(loginguard_wait(g, "h:bo", 11.0), 0);
	/* The address was not cleared with it. */
	ck_assert_int_eq(loginguard_wait(g, "a:10.0.0.1", 10.0), 1);
	/* Clearing a key never seen is fine. */
	loginguard_passed(g, "h:nobody");
	loginguard_free(g);
}
END_TEST

START_TEST(test_keys_apart)
{
	struct loginguard *g = loginguard_new(1, 60, 0);

	ck_assert_ptr_nonnull(g);
	loginguard_failed(g, "h:ann", 0.0);
	ck_assert_int_eq(loginguard_wait(g, "h:ann", 0.0), 1);
	ck_assert_int_eq(loginguard_wait(g, "h:anne", 0.0), 0);
	ck_assert_int_eq(loginguard_wait(g, "c:ann", 0.0), 0);
	ck_assert_int_eq(loginguard_wait(g, "", 0.0), 0);
	loginguard_failed(g, "", 0.0); /* an empty key is a key */
	ck_assert_int_eq(loginguard_wait(g, "", 0.0), 1);
	loginguard_free(g);
}
END_TEST

/* After its quiet time an entry is forgotten: the count starts again. The
** quiet time is LOGINGUARD_FORGET, or 15 x the maximum if longer. */
START_TEST(test_forgetting)
{
	struct loginguard *g = loginguard_new(2, 10, 0);
	struct loginguard *slow = loginguard_new(2, 3600, 0);
	double quiet = 15.0 * 3600;

	ck_assert_ptr_nonnull(g);
	ck_assert_ptr_nonnull(slow);
	loginguard_failed(g, "h:ann", 0.0);
	loginguard_failed(g, "h:ann", 0.0);
	ck_assert_int_eq(
	    loginguard_failures(g, "h:ann", LOGINGUARD_FORGET - 1), 2);
	ck_assert_int_eq(
	    loginguard_failures(g, "h:ann", LOGINGUARD_FORGET + 1), 0);
	loginguard_failed(g, "h:ann", LOGINGUARD_FORGET + 1);
	ck_assert_int_eq(
	    loginguard_failures(g, "h:ann", LOGINGUARD_FORGET + 1), 1);
	ck_assert_int_eq(loginguard_wait(g, "h:ann", LOGINGUARD_FORGET + 1), 0);

	loginguard_failed(slow, "h:ann", 0.0);
	loginguard_failed(slow, "h:ann", 0.0);
	ck_assert_int_eq(loginguard_failures(slow, "h:ann", quiet - 1), 2);
	ck_assert_int_eq(loginguard_failures(slow, "h:ann", quiet + 1), 0);
	loginguard_free(g);
	loginguard_free(slow);
}
END_TEST

/* Never a lock: a thousand failures still wait at most the maximum. */
START_TEST(test_never_a_lock)
{
	struct loginguard *g = loginguard_new(5, 60, 0);
	int i;

	ck_assert_ptr_nonnull(g);
	for (i = 0; i < 1000; i++)
		loginguard_failed(g, "h:victim", 50.0);
	ck_assert_int_eq(loginguard_wait(g, "h:victim", 50.0), 60);
	ck_assert_int_eq(loginguard_wait(g, "h:victim", 110.0), 0);
	loginguard_free(g);
}
END_TEST

/*
** One set of LOGINGUARD_WAYS entries: a new key takes the place of the
** entry whose last failure is oldest; a stale one goes first; and a flood
** of keys leaves the table working.
*/
START_TEST(test_bounded_table)
{
	struct loginguard *g = loginguard_new(1, 60, 1);
	char key[32];
	int i;

	ck_assert_ptr_nonnull(g);
	for (i = 0; i < LOGINGUARD_WAYS; i++) {
		snprintf(key, sizeof(key), "h:k%d", i);
		loginguard_failed(g, key, 1.0 + i);
	}
	for (i = 0; i < LOGINGUARD_WAYS; i++) {
		snprintf(key, sizeof(key), "h:k%d", i);
		ck_assert_int_eq(loginguard_failures(g, key, 10.0), 1);
	}
	/* k0 failed longest ago: it makes room. */
	loginguard_failed(g, "h:new", 20.0);
	ck_assert_int_eq(loginguard_failures(g, "h:new", 20.0), 1);
	ck_assert_int_eq(loginguard_failures(g, "h:k0", 20.0), 0);
	for (i = 1; i < LOGINGUARD_WAYS; i++) {
		snprintf(key, sizeof(key), "h:k%d", i);
		ck_assert_int_eq(loginguard_failures(g, key, 20.0), 1);
	}
	/* A flood: the last key is counted, whatever went before. */
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "a:flood%d", i);
		loginguard_failed(g, key, 30.0 + i * 1e-3);
	}
	ck_assert_int_eq(loginguard_failures(g, key, 200.0), 1);
	ck_assert_int_eq(loginguard_wait(g, key, 130.0), 1);
	loginguard_free(g);

	/* Stale before oldest: with k1 stale, k2..k8 live, k1 goes. */
	g = loginguard_new(1, 60, 1);
	ck_assert_ptr_nonnull(g);
	for (i = 0; i < LOGINGUARD_WAYS; i++) {
		snprintf(key, sizeof(key), "h:k%d", i);
		loginguard_failed(g, key, i == 1 ? 0.0 : 2000.0 + i);
	}
	loginguard_failed(g, "h:new", 2100.0);
	ck_assert_int_eq(loginguard_failures(g, "h:k0", 2100.0), 1);
	ck_assert_int_eq(loginguard_failures(g, "h:k1", 2100.0), 0);
	ck_assert_int_eq(loginguard_failures(g, "h:new", 2100.0), 1);
	loginguard_free(g);
}
END_TEST

/* Many sets: different keys all keep their counts. */
START_TEST(test_many_keys)
{
	struct loginguard *g = loginguard_new(3, 60, 0);
	char key[32];
	int i, kept = 0;

	ck_assert_ptr_nonnull(g);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "a:192.0.2.%d", i);
		loginguard_failed(g, key, 1.0);
		loginguard_failed(g, key, 1.0);
		loginguard_failed(g, key, 1.0);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "a:192.0.2.%d", i);
		kept += loginguard_wait(g, key, 1.5) == 1;
	}
	/* 1000 keys in 2048 sets of 8: none had to go. */
	ck_assert_int_eq(kept, 1000);
	loginguard_free(g);
}
END_TEST

START_TEST(test_slots)
{
	struct loginguard *g = loginguard_new(5, 60, 0);

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 2), 0);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 2), 0);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 2), -1);
	ck_assert_int_eq(loginguard_claimed(g, "10.0.0.1"), 2);
	/* Another address has its own. */
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.2", 2), 0);
	ck_assert_int_eq(loginguard_claimed(g, "10.0.0.2"), 1);
	/* One back, one more allowed. */
	loginguard_release(g, "10.0.0.1");
	ck_assert_int_eq(loginguard_claimed(g, "10.0.0.1"), 1);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 2), 0);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 2), -1);
	loginguard_release(g, "10.0.0.1");
	loginguard_release(g, "10.0.0.1");
	ck_assert_int_eq(loginguard_claimed(g, "10.0.0.1"), 0);
	/* A release never claimed is ignored: no credit for later. */
	loginguard_release(g, "10.0.0.1");
	loginguard_release(g, "10.0.0.9");
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 1), 0);
	ck_assert_int_eq(loginguard_claim(g, "10.0.0.1", 1), -1);
	/* Slots are not failures. */
	ck_assert_int_eq(loginguard_wait(g, "a:10.0.0.1", 0.0), 0);
	/* Freed with slots still taken (ASan would see a leak). */
	loginguard_free(g);
	loginguard_free(NULL);
}
END_TEST

struct churn {
	struct loginguard *g;
	int over; /* claims beyond the limit that were let through */
};

static void *
churn(void *arg)
{
	struct churn *c = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		if (loginguard_claim(c->g, "10.9.9.9", 3) == 0) {
			if (loginguard_claimed(c->g, "10.9.9.9") > 3)
				c->over++;
			loginguard_release(c->g, "10.9.9.9");
		}
	}
	return (NULL);
}

/* Eight threads claiming and releasing: never over the limit, and
** nothing left held at the end. */
START_TEST(test_slots_threads)
{
	struct churn c[8];
	pthread_t th[8];
	struct loginguard *g = loginguard_new(5, 60, 0);
	int i;

	ck_assert_ptr_nonnull(g);
	for (i = 0; i < 8; i++) {
		c[i].g = g;
		c[i].over = 0;
		ck_assert_int_eq(pthread_create(&th[i], NULL, churn, &c[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(c[i].over, 0);
	}
	ck_assert_int_eq(loginguard_claimed(g, "10.9.9.9"), 0);
	loginguard_free(g);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loginguard");
	TCase *tc = tcase_create("loginguard");

	tcase_add_test(tc, test_threshold_and_doubling);
	tcase_add_test(tc, test_wait_is_read_only);
	tcase_add_test(tc, test_success_clears);
	tcase_add_test(tc, test_keys_apart);
	tcase_add_test(tc, test_forgetting);
	tcase_add_test(tc, test_never_a_lock);
	tcase_add_test(tc, test_bounded_table);
	tcase_add_test(tc, test_many_keys);
	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_slots_threads);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
