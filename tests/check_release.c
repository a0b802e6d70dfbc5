/*
** Releases (server/domain/release.c): what a release holds and why the
** rest is left out, speaker pseudonyms and splits, the recorded draft,
** approvals, and a withdrawal retiring the releases that hold the item.
** A real database and writer (tu_db_setup) and the repo's licence table.
*/
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "contrib.h"
#include "crypto.h"
#include "demographics.h"
#include "erase.h"
#include "licences.h"
#include "release.h"
#include "review.h"
#include "testutil.h"

static struct licence_table lt;
static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

#define TEXT_DEF(slug, lang)                                                   \
	"{\"slug\":\"" slug "\",\"title\":\"T\",\"language\":\"" lang          \
	"\",\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"    \
	"[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}"

static void
setup(void)
{
	struct err e = { 0 };

	tu_db_setup();
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
}

static void
teardown(void)
{
	licences_free(&lt);
	tu_db_teardown();
}

/* Sets item ${id} to ${status} as a maintainer's decision would. */
static void
decide(int64_t id, const char *status)
{
	struct review_decision d = { 0 };

	d.id = id;
	d.status = status;
	d.reason = "checked";
	tu_run_ok(review_decision_job, &d);
}

/* A spec for dataset "ewe" under ${licence}, every campaign, 80/10/10. */
static struct release_spec
spec(const char *version, const char *licence)
{
	struct release_spec s = { 0 };

	s.version = version;
	s.dataset = "ewe";
	s.licence = licence;
	s.splits[0] = 80;
	s.splits[1] = 10;
	s.splits[2] = 10;
	return (s);
}

/* Is contribution ${id} among ${sel}'s rows? */
static int
holds(const struct release_selection *sel, int64_t id)
{
	size_t i;

	for (i = 0; i < sel->n; i++)
		if (sel->rows[i].contribution_id == id)
			return (1);
	return (0);
}

START_TEST(test_spec_checked)
{
	const char *const bad_permit[] = { "commercial_use" };
	const char *const unknown[] = { "nope" };
	struct release_spec s;
	struct err e = { 0 };

	s = spec("1.0.0", "cc-by-4.0");
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), 0);
	s.version = "";
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	s.version = "../x";
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	s = spec("1.0.0", "mit");
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "mit"));
	/* A non-commercial licence cannot permit commercial use. */
	s = spec("1.0.0", "cc-by-nc-4.0");
	s.permits = bad_permit;
	s.npermits = 1;
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	s = spec("1.0.0", "cc-by-4.0");
	s.k = 3; /* under what the consent documents promise */
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "promise"));
	s.k = 5;
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), 0);
	s = spec("1.0.0", "cc-by-4.0");
	s.splits[2] = 11;
	ck_assert_int_eq(release_spec_check(&lt, &s, &e), -1);
	s = spec("1.0.0", "cc-by-4.0");
	s.campaigns = unknown;
	s.ncampaigns = 1;
	{
		struct release_selection sel;

		ck_assert_int_eq(
		    release_select(tu_db, &lt, key, &s, &sel, &e), -1);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_ptr_nonnull(strstr(e.msg, "nope"));
	}
}
END_TEST

/*
** Who is in and who is out, by reason: validated with every scope in;
** pending, rejected, withdrawn, a consent without commercial_use under
** CC BY, and a consent that did not confirm the age, out and counted.
*/
START_TEST(test_selection)
{
	struct release_selection sel;
	struct release_spec s;
	struct contrib_withdraw w = { 0 };
	struct err e = { 0 };
	int64_t camp, full, narrow, young, ok1, ok2, pend, rej, gone, nc, kid;
	size_t total;

	camp = tu_add_campaign(TEXT_DEF("ewe", "ee"));
	full = tu_add_account("full", ROLE_CONTRIBUTOR);
	narrow = tu_add_account("narrow", ROLE_CONTRIBUTOR);
	young = tu_add_account("young", ROLE_CONTRIBUTOR);
	tu_give_consent(full, camp, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(narrow, camp, "[\"publish_text\"]");
	tu_give_consent(young, camp, "[\"publish_text\",\"commercial_use\"]");
	ok1 = tu_add_text(full, camp, "one");
	ok2 = tu_add_text(full, camp, "two");
	pend = tu_add_text(full, camp, "three");
	rej = tu_add_text(full, camp, "four");
	gone = tu_add_text(full, camp, "five");
	nc = tu_add_text(narrow, camp, "six");
	kid = tu_add_text(young, camp, "seven");
	decide(ok1, "validated");
	decide(ok2, "validated");
	decide(rej, "rejected");
	decide(gone, "validated");
	decide(nc, "validated");
	decide(kid, "validated");
	w.id = gone;
	w.account_id = full;
	w.actor = full;
	tu_run_ok(contrib_withdraw_job, &w);
	ck_assert_int_eq(tu_q_int("UPDATE consents SET age_confirmed = 0 "
				  "WHERE account_id = ?1 RETURNING 1",
			     young),
	    1);

	s = spec("1.0.0", "cc-by-4.0");
	ck_assert_msg(
	    release_select(tu_db, &lt, key, &s, &sel, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(sel.n, 2);
	ck_assert(holds(&sel, ok1) && holds(&sel, ok2));
	ck_assert(!holds(&sel, pend) && !holds(&sel, rej) &&
	    !holds(&sel, gone) && !holds(&sel, nc) && !holds(&sel, kid));
	ck_assert_int_eq(sel.left[LEFT_NOT_VALIDATED], 2);
	ck_assert_int_eq(sel.left[LEFT_WITHDRAWN], 1);
	ck_assert_int_eq(sel.left[LEFT_SCOPE_MISSING], 1);
	ck_assert_int_eq(sel.left[LEFT_AGE], 1);
	total = sel.n + sel.left[0] + sel.left[1] + sel.left[2] + sel.left[3];
	ck_assert_int_eq(total, 7); /* nothing dropped silently */
	ck_assert_str_eq(sel.rows[0].config, "ee-text");
	ck_assert_int_eq(sel.rows[0].revision, 1);
	release_selection_free(&sel);

	/* Under a non-commercial licence the narrow consent is enough. */
	s = spec("1.0.1", "cc-by-nc-4.0");
	ck_assert_int_eq(release_select(tu_db, &lt, key, &s, &sel, &e), 0);
	ck_assert_int_eq(sel.n, 3);
	ck_assert(holds(&sel, nc));
	ck_assert_int_eq(sel.left[LEFT_SCOPE_MISSING], 0);
	release_selection_free(&sel);
}
END_TEST

/* Pseudonyms: stable in a dataset, different across datasets and keys,
** and not the account id in any form; one speaker, one split. */
START_TEST(test_speakers_and_splits)
{
	static const uint8_t other_key[32] = { 9 };
	static const int splits[3] = { 80, 10, 10 };
	char a[RELEASE_SPEAKER_LEN + 1], b[RELEASE_SPEAKER_LEN + 1];
	char c[RELEASE_SPEAKER_LEN + 1], d[RELEASE_SPEAKER_LEN + 1];
	int counts[3] = { 0, 0, 0 };
	int64_t id;

	release_speaker(key, "ewe", 42, a);
	release_speaker(key, "ewe", 42, b);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(strlen(a), RELEASE_SPEAKER_LEN);
	release_speaker(key, "ewe-2", 42, c);
	ck_assert_str_ne(a, c);
	release_speaker(other_key, "ewe", 42, d);
	ck_assert_str_ne(a, d);
	release_speaker(key, "ewe", 43, d);
	ck_assert_str_ne(a, d);
	ck_assert_str_eq(release_split(a, splits), release_split(b, splits));
	for (id = 1; id <= 2000; id++) {
		const char *sp;

		release_speaker(key, "ewe", id, d);
		sp = release_split(d, splits);
		counts[strcmp(sp, "train") == 0  ? 0
			: strcmp(sp, "dev") == 0 ? 1
						 : 2]++;
	}
	/* 2000 speakers: each split near its share (binomial, far from
	** the bounds). */
	ck_assert_msg(
	    counts[0] > 1500 && counts[0] < 1700, "train %d", counts[0]);
	ck_assert_msg(counts[1] > 120 && counts[1] < 280, "dev %d", counts[1]);
	ck_assert_msg(counts[2] > 120 && counts[2] < 280, "test %d", counts[2]);
}
END_TEST

/*
** The draft: every item pinned to its revision with its config, split and
** speaker; the version once only; audited. Approvals: M distinct approvers
** make it approved, the same one twice counts once. A withdrawal of one of
** its items retires it, with the reason, and it can no longer be approved.
*/
START_TEST(test_record_approve_retire)
{
	struct release_selection sel;
	struct release_record rr = { 0 };
	struct release_approve ra = { 0 };
	struct release_spec s;
	struct contrib_withdraw w = { 0 };
	struct err e = { 0 };
	int64_t camp, who, boss, x, y;
	char *why;

	camp = tu_add_campaign(TEXT_DEF("ewe", "ee"));
	who = tu_add_account("giver", ROLE_CONTRIBUTOR);
	boss = tu_add_account("boss", ROLE_MAINTAINER);
	tu_give_consent(who, camp, "[\"publish_text\",\"commercial_use\"]");
	x = tu_add_text(who, camp, "x");
	y = tu_add_text(who, camp, "y");
	decide(x, "validated");
	decide(y, "validated");

	s = spec("2.0", "cc-by-4.0");
	ck_assert_int_eq(release_select(tu_db, &lt, key, &s, &sel, &e), 0);
	rr.spec = &s;
	rr.sel = &sel;
	rr.actor = boss;
	tu_run_ok(release_record_job, &rr);
	ck_assert_int_gt(rr.id, 0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM release_items WHERE "
				  "release_id = ?1",
			     rr.id),
	    2);
	ck_assert_int_eq(tu_q_int("SELECT count(DISTINCT speaker_id) FROM "
				  "release_items WHERE release_id = ?1",
			     rr.id),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log WHERE action "
				  "= 'release.created' AND subject_id = ?1",
			     rr.id),
	    1);
	/* Their "My contributions" names the release holding each. */
	{
		json_t *mine = contrib_json(tu_db, who, 0, &e), *c;
		size_t i;

		ck_assert_ptr_nonnull(mine);
		ck_assert_int_eq(json_array_size(mine), 2);
		json_array_foreach(mine, i, c)
		{
			json_t *rel = json_object_get(c, "releases");

			ck_assert_int_eq(json_array_size(rel), 1);
			ck_assert_str_eq(
			    json_string_value(json_array_get(rel, 0)), "2.0");
		}
		json_decref(mine);
	}
	rr.id = 0;
	tu_run_fails(release_record_job, &rr, ERR_CONFLICT);
	release_selection_free(&sel);

	ra.version = "2.0";
	ra.needed = 2;
	ra.actor = 0;
	tu_run_ok(release_approve_job, &ra);
	ck_assert_int_eq(ra.approvals, 1);
	ck_assert_int_eq(ra.approved, 0);
	tu_run_ok(release_approve_job, &ra); /* the same approver again */
	ck_assert_int_eq(ra.approvals, 1);
	ck_assert_int_eq(ra.approved, 0);
	ra.actor = boss;
	tu_run_ok(release_approve_job, &ra);
	ck_assert_int_eq(ra.approvals, 2);
	ck_assert_int_eq(ra.approved, 1);
	why = tu_q_text("SELECT state FROM releases WHERE version = '2.0'", 0);
	ck_assert_str_eq(why, "approved");
	free(why);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log WHERE action "
				  "= 'release.approved'",
			     0),
	    2);
	ra.version = "9.9";
	tu_run_fails(release_approve_job, &ra, ERR_NOT_FOUND);

	/* y is withdrawn: the release holding it is retired, with why. */
	w.id = y;
	w.account_id = who;
	w.actor = who;
	tu_run_ok(contrib_withdraw_job, &w);
	why = tu_q_text(
	    "SELECT retired_why FROM releases WHERE version = '2.0'", 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "was withdrawn"));
	free(why);
	ra.version = "2.0";
	tu_run_fails(release_approve_job, &ra, ERR_CONFLICT);

	/* y is on the signed revocation list of dataset "ewe", x is not. */
	{
		uint8_t pk[32], sk[64], sig[64];
		char *body, sighex[129], want[64];
		size_t n;

		crypto_sign_keypair(pk, sk);
		ck_assert_int_eq(
		    release_revocations(tu_db, pk, sk, &body, &n, sighex, &e),
		    0);
		snprintf(want, sizeof(want), "{\"ewe\":[{\"id\":%lld,",
		    (long long)y);
		ck_assert_msg(strstr(body, want) != NULL, "%s", body);
		snprintf(want, sizeof(want), "\"id\":%lld,", (long long)x);
		ck_assert_msg(strstr(body, want) == NULL, "%s", body);
		ck_assert_int_eq(hex_decode(sighex, sig, 64), 0);
		ck_assert_int_eq(crypto_sign_verify_detached(
				     sig, (const uint8_t *)body, n, pk),
		    0);
		body[n - 2] ^= 1; /* one byte changed: the signature fails */
		ck_assert_int_ne(crypto_sign_verify_detached(
				     sig, (const uint8_t *)body, n, pk),
		    0);
		free(body);
	}

	/* After the grace (a test clock: now is passed in), y's text is
	** erased and its row stays as a tombstone; x is untouched. */
	{
		struct erase_withdrawn ew = { 0 };
		int64_t at = tu_q_int(
		    "SELECT withdrawn_at FROM contributions WHERE id = ?1", y);

		ew.grace = 30 * 86400;
		ew.now = at + ew.grace - 1;
		tu_run_ok(erase_withdrawn_job, &ew);
		ck_assert_int_eq(ew.count, 0);
		ck_assert_int_eq(tu_q_int("SELECT text IS NOT NULL FROM "
					  "contribution_revisions WHERE "
					  "contribution_id = ?1",
				     y),
		    1);
		ew.now = at + ew.grace;
		tu_run_ok(erase_withdrawn_job, &ew);
		ck_assert_int_eq(ew.count, 1);
		ck_assert_int_eq(
		    tu_q_int("SELECT count(*) FROM "
			     "contribution_revisions WHERE "
			     "contribution_id = ?1 AND text IS NULL",
			y),
		    1);
		ck_assert_int_eq(tu_q_int("SELECT erased_at IS NOT NULL AND "
					  "withdrawn_at IS NOT NULL FROM "
					  "contributions WHERE id = ?1",
				     y),
		    1);
		ck_assert_int_eq(tu_q_int("SELECT text IS NOT NULL FROM "
					  "contribution_revisions WHERE "
					  "contribution_id = ?1",
				     x),
		    1);
		ck_assert_int_eq(tu_q_int("SELECT count(*) FROM revocations "
					  "WHERE contribution_id = ?1",
				     y),
		    1);
		tu_run_ok(erase_withdrawn_job, &ew); /* done once only */
		ck_assert_int_eq(ew.count, 0);
		ck_assert_int_eq(
		    tu_q_int("SELECT count(*) FROM audit_log WHERE "
			     "action = 'contributions.erased'",
			0),
		    1);
	}

	/* 2.1: x corrected, z new, y gone: the diff says each, by why. */
	{
		struct review_correct rc = { 0 };
		json_t *d;
		char *txt;
		int64_t z = tu_add_text(who, camp, "z");

		decide(z, "validated");
		rc.id = x;
		rc.text = "x, corrected";
		rc.report_json = "{}";
		tu_run_ok(review_correct_job, &rc);
		s = spec("2.1", "cc-by-4.0");
		ck_assert_int_eq(
		    release_select(tu_db, &lt, key, &s, &sel, &e), 0);
		rr.spec = &s;
		rr.sel = &sel;
		rr.id = 0;
		tu_run_ok(release_record_job, &rr);
		release_selection_free(&sel);
		ck_assert_ptr_nonnull(
		    d = release_diff(tu_db, "2.0", "2.1", &e));
		txt = json_dumps(d, JSON_COMPACT);
		ck_assert_msg(
		    json_array_size(json_object_get(d, "added")) == 1 &&
			json_integer_value(json_array_get(
			    json_object_get(d, "added"), 0)) == z,
		    "%s", txt);
		ck_assert_msg(json_integer_value(json_array_get(
				  json_object_get(json_object_get(d, "removed"),
				      "withdrawn"),
				  0)) == y,
		    "%s", txt);
		ck_assert_msg(json_integer_value(json_array_get(
				  json_object_get(d, "revised"), 0)) == x,
		    "%s", txt);
		free(txt);
		json_decref(d);
		ck_assert_ptr_null(release_diff(tu_db, "2.0", "nope", &e));
		ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	}
}
END_TEST

/*
** A release never holds what a reviewer found personal data in, nor is it
** approved once a decision on its items changed; a correction of an item
** it holds retires it and revokes the item; a withdrawn item leaves the
** correction list.
*/
START_TEST(test_changes_after_cut)
{
	struct release_selection sel;
	struct release_record rr = { 0 };
	struct release_approve ra = { 0 };
	struct review_correct rc = { 0 };
	struct contrib_withdraw w = { 0 };
	struct release_spec s;
	struct err e = { 0 };
	int64_t camp, who, a, b, f;
	char *why;

	camp = tu_add_campaign(TEXT_DEF("chg", "ee"));
	who = tu_add_account("changer", ROLE_CONTRIBUTOR);
	tu_give_consent(who, camp, "[\"publish_text\",\"commercial_use\"]");
	a = tu_add_text(who, camp, "a");
	b = tu_add_text(who, camp, "b");
	f = tu_add_text(who, camp, "flagged");
	decide(a, "validated");
	decide(b, "validated");
	decide(f, "validated");
	ck_assert_int_eq(tu_q_int("UPDATE contributions SET needs_correction = "
				  "1 WHERE id = ?1 RETURNING 1",
			     f),
	    1);
	s = spec("5.0", "cc-by-4.0");
	ck_assert_int_eq(release_select(tu_db, &lt, key, &s, &sel, &e), 0);
	ck_assert_int_eq(sel.n, 2);
	ck_assert(!holds(&sel, f));
	ck_assert_int_eq(sel.left[LEFT_CORRECTION], 1);
	rr.spec = &s;
	rr.sel = &sel;
	tu_run_ok(release_record_job, &rr);
	release_selection_free(&sel);

	/* b is rejected after the cut: 5.0 cannot be approved. */
	decide(b, "rejected");
	ra.version = "5.0";
	ra.needed = 1;
	tu_run_fails(release_approve_job, &ra, ERR_CONFLICT);

	/* a is corrected: 5.0 is retired and a is on the revocation list. */
	rc.id = a;
	rc.text = "a, corrected";
	rc.report_json = "{}";
	tu_run_ok(review_correct_job, &rc);
	why = tu_q_text(
	    "SELECT retired_why FROM releases WHERE version = '5.0'", 0);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "corrected"));
	free(why);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM revocations WHERE "
				  "contribution_id = ?1",
			     a),
	    1);

	/* f is withdrawn: off the correction list. */
	w.id = f;
	w.account_id = who;
	w.actor = who;
	tu_run_ok(contrib_withdraw_job, &w);
	ck_assert_int_eq(tu_q_int("SELECT needs_correction FROM contributions "
				  "WHERE id = ?1",
			     f),
	    0);
}
END_TEST

/* Account ${who}'s demographics ("" for not given). */
static void
tell(int64_t who, const char *age, const char *gender, const char *variety)
{
	struct demographics_set ds = { 0 };

	ds.account = who;
	snprintf(ds.d.age_range, sizeof(ds.d.age_range), "%s", age);
	snprintf(ds.d.gender, sizeof(ds.d.gender), "%s", gender);
	snprintf(ds.d.variety, sizeof(ds.d.variety), "%s", variety);
	tu_run_ok(demographics_job, &ds);
}

/* Records release ${version} under k = ${k}, selecting in the job. */
static int64_t
cut(const char *version, int k, struct release_selection *sel)
{
	struct release_record rr = { 0 };
	struct release_spec s = spec(version, "cc-by-4.0");

	s.k = k;
	rr.spec = &s;
	rr.sel = sel;
	rr.lt = &lt;
	rr.key = key;
	tu_run_ok(release_record_job, &rr);
	return (rr.id);
}

/* How many items of release ${rel} show ${col} = ${val} (NULL: null). */
static long long
shown(int64_t rel, const char *col, const char *val)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM release_items WHERE release_id = ?1 AND "
	    "%s IS %s%s%s",
	    col, val ? "'" : "", val ? val : "NULL", val ? "'" : "");
	return (tu_q_int(sql, rel));
}

/*
** k-anonymity on a crafted population: twelve speakers with one item
** each, every variety different, ages 20-29 (six women), 30-39 (five
** men), 40-49 (one man); a thirteenth gave nothing, a fourteenth only a
** variety. k = 5: the variety (most distinct values) is dropped, the one
** man in his forties is taken out with his item, nobody else. k = 6: the
** ages are coarsened to twenty-year ranges instead and nobody is taken
** out. Every combination released covers at least k speakers.
*/
START_TEST(test_k_anonymity)
{
	static const char *const varieties[] = { "Anlo", "Tongu", "Awuna",
		"Kpando", "Ho", "Peki", "Hohoe", "Keta", "Aflao", "Avenor",
		"Dzodze", "Wheta" };
	struct release_selection sel = { 0 };
	char h[16];
	int64_t camp, who[14], item[14], r5, r6, r9;
	json_t *what;
	char *demo;
	int i;

	camp = tu_add_campaign(TEXT_DEF("ewe", "ee"));
	for (i = 0; i < 14; i++) {
		snprintf(h, sizeof(h), "speaker%02d", i);
		who[i] = tu_add_account(h, ROLE_CONTRIBUTOR);
		tu_give_consent(
		    who[i], camp, "[\"publish_text\",\"commercial_use\"]");
		item[i] = tu_add_text(who[i], camp, "words");
		decide(item[i], "validated");
		if (i < 12)
			tell(who[i],
			    i < 6        ? "20-29"
				: i < 11 ? "30-39"
					 : "40-49",
			    i < 6 ? "female" : "male", varieties[i]);
	}
	tell(who[13], "", "", "Gbe");

	r5 = cut("k5", 5, &sel);
	ck_assert_int_eq(sel.n, 13);
	ck_assert_int_eq(sel.left[LEFT_K_ANON], 1);
	release_selection_free(&sel);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM release_items WHERE "
				  "release_id = ?1",
			     r5),
	    13);
	demo = tu_q_text("SELECT demographics FROM releases WHERE id = ?1", r5);
	what = json_loads(demo, 0, NULL);
	free(demo);
	ck_assert_ptr_nonnull(what);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(what, "suppressed_speakers")),
	    1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(what, "suppressed_rows")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(
			     json_object_get(what, "dropped"), 0)),
	    "variety");
	ck_assert_int_eq(json_array_size(json_object_get(what, "released")), 2);
	json_decref(what);
	/* The man in his forties is out; the others show what they gave. */
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM release_items WHERE "
				  "contribution_id = ?1",
			     item[11]),
	    0);
	ck_assert_int_eq(shown(r5, "age_range", "20-29"), 6);
	ck_assert_int_eq(shown(r5, "age_range", "30-39"), 5);
	ck_assert_int_eq(shown(r5, "gender", "female"), 6);
	ck_assert_int_eq(shown(r5, "variety", NULL), 13);
	ck_assert_int_eq(shown(r5, "age_range", NULL), 2); /* gave none */
	/* Every combination released covers at least k speakers. */
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM (SELECT count(DISTINCT speaker_id) "
		     "AS n FROM release_items WHERE release_id = ?1 AND "
		     "(age_range IS NOT NULL OR gender IS NOT NULL) GROUP BY "
		     "age_range, gender) WHERE n < 5",
		r5),
	    0);
	/* The report counts it, beside the other reasons. */
	demo = tu_q_text("SELECT report FROM releases WHERE id = ?1", r5);
	ck_assert_ptr_nonnull(strstr(demo, "\"k_anonymity\":1"));
	ck_assert_ptr_nonnull(strstr(demo, "\"rows\":13"));
	free(demo);

	r6 = cut("k6", 6, &sel);
	ck_assert_int_eq(sel.n, 14);
	ck_assert_int_eq(sel.left[LEFT_K_ANON], 0);
	release_selection_free(&sel);
	ck_assert_int_eq(shown(r6, "age_range", "10-29"), 6);
	ck_assert_int_eq(shown(r6, "age_range", "30-49"), 6);
	ck_assert_int_eq(shown(r6, "gender", "male"), 6);
	demo = tu_q_text("SELECT demographics FROM releases WHERE id = ?1", r6);
	ck_assert_ptr_nonnull(strstr(demo, "\"generalized\":{\"age_range\""));
	ck_assert_ptr_nonnull(strstr(demo, "\"suppressed_rows\":0"));
	free(demo);

	/* k = 9: nothing can be kept; everything is dropped, nobody is taken
	** out, every item is released without demographics. */
	r9 = cut("k9", 9, &sel);
	ck_assert_int_eq(sel.n, 14);
	release_selection_free(&sel);
	ck_assert_int_eq(shown(r9, "age_range", NULL), 14);
	ck_assert_int_eq(shown(r9, "gender", NULL), 14);
	demo = tu_q_text("SELECT demographics FROM releases WHERE id = ?1", r9);
	ck_assert_ptr_nonnull(strstr(demo, "\"released\":[]"));
	free(demo);
}
END_TEST

/* What a person may say about themself, and what is refused. */
START_TEST(test_demographics_checked)
{
	struct demographics d;
	struct err e = { 0 };
	json_t *o;

	o = json_pack("{s:s,s:s,s:s}", "age_range", "30-39", "gender",
	    "another", "variety", "  Anlo   Eʋe \t");
	ck_assert_int_eq(demographics_parse(o, &d, &e), 0);
	ck_assert_str_eq(d.age_range, "30-39");
	ck_assert_str_eq(d.variety, "Anlo Eʋe");
	json_decref(o);
	o = json_pack("{s:s}", "age_range", "31");
	ck_assert_int_eq(demographics_parse(o, &d, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "10-19"));
	json_decref(o);
	o = json_pack("{s:s}", "variety", "call 0244123456");
	ck_assert_int_eq(demographics_parse(o, &d, &e), -1);
	json_decref(o);
	o = json_pack("{s:s}", "variety", "me@example.org");
	ck_assert_int_eq(demographics_parse(o, &d, &e), -1);
	json_decref(o);
	o = json_pack("{s:n,s:s}", "gender", "variety", "");
	ck_assert_int_eq(demographics_parse(o, &d, &e), 0);
	ck_assert_str_eq(d.gender, "");
	ck_assert_str_eq(d.variety, "");
	json_decref(o);
	{
		char longv[100];

		memset(longv, 'a', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		o = json_pack("{s:s}", "variety", longv);
		ck_assert_int_eq(demographics_parse(o, &d, &e), -1);
		json_decref(o);
	}
}
END_TEST

/*
** A prompt's licence must let the item be released under the release's:
** a sentence under CC BY-SA goes into a CC BY-SA release, not a CC BY one
** (left out as prompt_licence); a public-domain one and an item made from
** no prompt of the list go anywhere.
*/
START_TEST(test_prompt_licence)
{
	struct release_selection sel;
	struct release_spec s;
	struct err e = { 0 };
	int64_t camp, who, sa, pd, free_, p_sa, p_pd;

	camp = tu_add_campaign(TEXT_DEF("ewe", "ee"));
	who = tu_add_account("reader", ROLE_CONTRIBUTOR);
	tu_give_consent(who, camp, "[\"publish_text\",\"commercial_use\"]");
	p_sa = tu_q_int("INSERT INTO prompts(campaign_id, text, source, "
			"licence, created_at) VALUES (?1, 'Share alike.', "
			"'A wiki', 'cc-by-sa-4.0', 0) RETURNING id",
	    camp);
	p_pd = tu_q_int("INSERT INTO prompts(campaign_id, text, source, "
			"licence, created_at) VALUES (?1, 'Free to all.', '', "
			"'cc0-1.0', 0) RETURNING id",
	    camp);
	sa = tu_add_text(who, camp, "one");
	pd = tu_add_text(who, camp, "two");
	free_ = tu_add_text(who, camp, "three");
	ck_assert_int_eq(
	    tu_q_int("UPDATE contributions SET prompt_id = CASE id WHEN ?1 "
		     "THEN (SELECT min(id) FROM prompts WHERE licence = "
		     "'cc-by-sa-4.0') ELSE (SELECT min(id) FROM prompts WHERE "
		     "licence = 'cc0-1.0') END WHERE id IN (?1, ?1 + 1) "
		     "RETURNING 1",
		sa),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT prompt_id FROM contributions WHERE "
				  "id = ?1",
			     sa),
	    p_sa);
	ck_assert_int_eq(tu_q_int("SELECT prompt_id FROM contributions WHERE "
				  "id = ?1",
			     pd),
	    p_pd);
	decide(sa, "validated");
	decide(pd, "validated");
	decide(free_, "validated");

	s = spec("1.0.0", "cc-by-4.0");
	ck_assert_int_eq(release_select(tu_db, &lt, key, &s, &sel, &e), 0);
	ck_assert_int_eq(sel.n, 2);
	ck_assert(holds(&sel, pd) && holds(&sel, free_) && !holds(&sel, sa));
	ck_assert_int_eq(sel.left[LEFT_PROMPT_LICENCE], 1);
	release_selection_free(&sel);
	s = spec("1.0.1", "cc-by-sa-4.0");
	ck_assert_int_eq(release_select(tu_db, &lt, key, &s, &sel, &e), 0);
	ck_assert_int_eq(sel.n, 3);
	ck_assert_int_eq(sel.left[LEFT_PROMPT_LICENCE], 0);
	release_selection_free(&sel);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("release");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_spec_checked);
	tcase_add_test(tc, test_selection);
	tcase_add_test(tc, test_speakers_and_splits);
	tcase_add_test(tc, test_record_approve_retire);
	tcase_add_test(tc, test_changes_after_cut);
	tcase_add_test(tc, test_k_anonymity);
	tcase_add_test(tc, test_prompt_licence);
	tcase_add_test(tc, test_demographics_checked);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
