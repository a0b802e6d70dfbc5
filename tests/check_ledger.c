/*
** The ledger (ledger.h) on a real SQLite file through a real writer:
** currencies and money as people type it; a campaign's "pay" and every
** way it is refused; a vote that validates accruing in its own job, an
** override reversing and accruing again, a withdrawal keeping what was
** earned, a reversal leaving a debt that no payout can touch; payout
** refusals; largest-remainder splits (equal shares, one unit among many,
** ISK with no minor unit, fewer units than people, random cases against
** the exact quotas); royalties on a release by milliseconds or items;
** the chain verifying, and one changed byte, a changed hash, a deleted
** row or a changed running balance each named; UPDATE and DELETE
** refused; sealed contacts (only ciphertext on disk, opened with the
** secret key and not with another, kept whole by a rekey); the CSV of
** amounts due fed back as payouts made, a bad line refusing the whole
** file by its number, and the parser's refusals; a property test of
** thousands of random steps with a model, then writer threads at once;
** and the CLI's keygen (0600, written once) and verify.
*/
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "account.h"
#include "campaign.h"
#include "contrib.h"
#include "db.h"
#include "ledger.h"
#include "redact.h"
#include "review.h"
#include "testutil.h"
#include "writer.h"

/* --- helpers --- */

/* A campaign ${slug} of ${kind} paying ${pay} (a JSON object text, or
** NULL); its id. */
static int64_t
add_campaign(const char *slug, const char *kind, const char *pay)
{
	char def[1024];

	snprintf(def, sizeof(def),
	    "{\"slug\":\"%s\",\"title\":\"Pay drive %s\",\"language\":\"ee\","
	    "\"kind\":\"%s\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"%s\"],\"minimum_age\":16%s%s%s}",
	    slug, slug, kind,
	    strcmp(kind, "text") == 0 ? "publish_text" : "publish_voice",
	    pay ? ",\"pay\":" : "", pay ? pay : "",
	    ",\"review\":{\"min_votes\":2,\"rule\":\"majority\"}");
	return (tu_add_campaign(def));
}

/* A contributor ${handle} speaking Ewe with a live consent to each of
** ${n} campaigns ${camps}. */
static int64_t
add_person(
    const char *handle, enum account_role role, const int64_t *camps, int n)
{
	struct account_languages al = { 0 };
	struct err e = { 0 };
	json_t *raw;
	int i;

	al.id = tu_add_account(handle, role);
	raw = json_loads("[\"ee\"]", 0, NULL);
	al.languages = languages_check(raw, &e);
	ck_assert_msg(al.languages != NULL, "%s", e.msg);
	tu_run_ok(account_languages_job, &al);
	json_decref(al.languages);
	json_decref(raw);
	for (i = 0; i < n; i++)
		tu_give_consent(
		    al.id, camps[i], "[\"publish_text\",\"publish_voice\"]");
	return (al.id);
}

/* A new pending recording of ${secs} seconds by ${account}; its id. */
static int64_t
add_audio(int64_t account, int64_t campaign, double secs)
{
	static int seq;
	struct contrib_new c = { 0 };
	struct err e = { 0 };
	char key[32], sha[65];

	snprintf(key, sizeof(key), "ledger-audio-%d", ++seq);
	snprintf(sha, sizeof(sha), "%064x", 0xb000 + seq);
	c.account_id = account;
	c.campaign_id = campaign;
	c.consent_id = contrib_live_consent(tu_db, account, campaign, &e);
	ck_assert_msg(c.consent_id > 0, "no live consent: %s", e.msg);
	c.key = key;
	c.kind = "audio";
	c.audio_sha256 = sha;
	c.duration = secs;
	c.sample_rate = 16000;
	c.report_json = "{}";
	snprintf(c.request_sha, sizeof(c.request_sha), "%064x", 0xb000 + seq);
	tu_run_ok(contrib_create_job, &c);
	ck_assert_int_gt(c.id, 0);
	return (c.id);
}

/* A maintainer's decision on ${id}: 0, or -1 with ${e}. */
static int
decide(int64_t id, const char *status, struct err *e)
{
	struct review_decision d = { 0 };

	d.id = id;
	d.status = status;
	d.reason = "checked by the treasurer's test";
	memset(e, 0, sizeof(*e));
	return (writer_run(tu_writer, review_decision_job, &d, e));
}

static void
decide_ok(int64_t id, const char *status)
{
	struct err e;

	ck_assert_msg(decide(id, status, &e) == 0, "decide %lld %s: %s",
	    (long long)id, status, e.msg);
}

static void
withdraw(int64_t account, int64_t id)
{
	struct contrib_withdraw w = { 0 };

	w.id = id;
	w.account_id = account;
	w.actor = account;
	tu_run_ok(contrib_withdraw_job, &w);
}

/* ${account}'s balance in ${cur}. */
static int64_t
bal(int64_t account, const char *cur)
{
	struct ledger_balance b;
	struct err e = { 0 };

	ck_assert_msg(
	    ledger_balance(tu_db, account, cur, &b, &e) >= 0, "%s", e.msg);
	return (b.balance);
}

/* Entries in the ledger. */
static long long
entries(void)
{
	return (tu_q_int("SELECT count(*) FROM ledger_entries", 0));
}

/* A payout: 0, or -1 with ${e}. */
static int
pay(int64_t account, const char *cur, int64_t amount, const char *method,
    const char *ref, struct err *e)
{
	struct ledger_payout p = { 0 };

	p.account = account;
	p.currency = cur;
	p.amount = amount;
	p.method = method;
	p.reference = ref;
	memset(e, 0, sizeof(*e));
	return (writer_run(tu_writer, ledger_payout_job, &p, e));
}

/* The balance identity: every running balance is the sum of its
** entries, and no payout took a balance below zero. */
static void
expect_identity(void)
{
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM ledger_balances b WHERE balance <> "
		     "(SELECT coalesce(sum(CASE WHEN kind IN ('accrual', "
		     "'royalty') THEN amount ELSE -amount END), 0) FROM "
		     "ledger_entries e WHERE e.account_id = b.account_id AND "
		     "e.currency = b.currency)",
		0),
	    0);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM (SELECT currency, sum(balance) s "
		     "FROM ledger_balances GROUP BY 1) b WHERE s <> (SELECT "
		     "sum(CASE WHEN kind IN ('accrual', 'royalty') THEN "
		     "amount ELSE -amount END) FROM ledger_entries e WHERE "
		     "e.currency = b.currency)",
		0),
	    0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM ledger_entries WHERE "
				  "kind = 'payout' AND balance < 0",
			     0),
	    0);
}

/* ledger_verify() into ${ck}. */
static void
verify(struct ledger_check *ck)
{
	struct err e = { 0 };

	ck_assert_msg(
	    ledger_verify(tu_db, ck, NULL, NULL, &e) == 0, "%s", e.msg);
}

static void
expect_intact(void)
{
	struct ledger_check ck;

	verify(&ck);
	ck_assert_msg(ck.state == LEDGER_INTACT,
	    "ledger not intact: state %d at %lld", ck.state,
	    (long long)ck.bad_id);
	ck_assert_int_eq(ck.rows, entries());
}

/* Runs ${sql} on tu_db; its SQLite result code. */
static int
exec(const char *sql)
{
	return (sqlite3_exec(db_handle(tu_db), sql, NULL, NULL, NULL));
}

static int release_seq;

/*
** A release holding the contributions ${ids} (their latest revisions),
** written straight into the tables as release_record_job leaves them;
** its version into ${version}, its id returned.
*/
static int64_t
add_release(const int64_t *ids, int n, char version[32])
{
	char sql[512];
	int64_t rel;
	int i;

	snprintf(version, 32, "1.%d.0", ++release_seq);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO releases(version, dataset, licence, permits, "
	    "campaigns, splits, report, created_at) VALUES ('%s', 'pay', "
	    "'cc0-1.0', '[]', '[]', '[80,10,10]', '{}', 1)",
	    version);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	rel = sqlite3_last_insert_rowid(db_handle(tu_db));
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql),
		    "INSERT INTO release_items(release_id, contribution_id, "
		    "revision, config, split, speaker_id) SELECT %lld, %lld, "
		    "max(revision), 'ee', 'train', 'x' FROM "
		    "contribution_revisions WHERE contribution_id = %lld",
		    (long long)rel, (long long)ids[i], (long long)ids[i]);
		ck_assert_int_eq(exec(sql), SQLITE_OK);
	}
	return (rel);
}

/* A royalty of ${amount} minor units: 0, or -1 with ${e}; ${ro} out. */
static int
royalty(const char *version, const char *cur, int64_t amount, int by_items,
    struct ledger_royalty *ro, struct err *e)
{
	memset(ro, 0, sizeof(*ro));
	ro->release = version;
	ro->currency = cur;
	ro->amount = amount;
	ro->by_items = by_items;
	ro->note = "a share of the licence fee";
	memset(e, 0, sizeof(*e));
	return (writer_run(tu_writer, ledger_royalty_job, ro, e));
}

/* --- money --- */

START_TEST(currency_table)
{
	static const struct {
		const char *code;
		int exponent;
	} want[] = { { "GHS", 2 }, { "TJS", 2 }, { "ISK", 0 }, { "RUB", 2 },
		{ "EUR", 2 }, { "USD", 2 }, { "XOF", 0 }, { "NGN", 2 },
		{ "KES", 2 } };
	const struct currency *c;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_ptr_nonnull(c = ledger_currency(want[i].code));
		ck_assert_str_eq(c->code, want[i].code);
		ck_assert_int_eq(c->exponent, want[i].exponent);
		ck_assert_ptr_nonnull(strstr(ledger_currency_codes(), c->code));
	}
	ck_assert_ptr_null(ledger_currency("XYZ"));
	ck_assert_ptr_null(ledger_currency("ghs"));
	ck_assert_ptr_null(ledger_currency(""));
	ck_assert_ptr_null(ledger_currency("GHSX"));
	ck_assert_ptr_null(ledger_currency(NULL));
}
END_TEST

START_TEST(money_text)
{
	static const struct {
		const char *s, *cur;
		int64_t want; /* -1: refused */
	} cases[] = { { "12.50", "GHS", 1250 }, { "12.5", "GHS", 1250 },
		{ "12", "GHS", 1200 }, { "0.01", "GHS", 1 },
		{ "12.505", "GHS", -1 }, { "1250", "ISK", 1250 },
		{ "1.5", "ISK", -1 }, { "1.", "GHS", -1 }, { ".5", "GHS", -1 },
		{ "", "GHS", -1 }, { "-1", "GHS", -1 }, { "1,5", "EUR", -1 },
		{ " 1", "EUR", -1 }, { "1e3", "USD", -1 },
		{ "10000000000000", "GHS", 1000000000000000LL },
		{ "10000000000000.01", "GHS", -1 },
		{ "99999999999999999999999", "ISK", -1 },
		{ "0.001", "KWD", 1 } };
	const struct currency *c;
	struct err e;
	int64_t v;
	char out[32];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = ledger_currency(cases[i].cur);
		memset(&e, 0, sizeof(e));
		v = -7;
		rc = ledger_amount_parse(cases[i].s, c, &v, "amount", &e);
		if (cases[i].want < 0) {
			ck_assert_msg(rc == -1, "\"%s\" %s taken as %lld",
			    cases[i].s, cases[i].cur, (long long)v);
			ck_assert_int_eq(e.code, ERR_INVALID);
			ck_assert_ptr_nonnull(strstr(e.msg, "amount"));
		} else {
			ck_assert_msg(rc == 0, "\"%s\": %s", cases[i].s, e.msg);
			ck_assert_int_eq(v, cases[i].want);
		}
	}
	ledger_amount_format(-1250, ledger_currency("GHS"), out);
	ck_assert_str_eq(out, "-12.50");
	ledger_amount_format(5, ledger_currency("GHS"), out);
	ck_assert_str_eq(out, "0.05");
	ledger_amount_format(1250, ledger_currency("ISK"), out);
	ck_assert_str_eq(out, "1250");
	ledger_amount_format(0, ledger_currency("TJS"), out);
	ck_assert_str_eq(out, "0.00");
	ledger_amount_format(INT64_MIN, ledger_currency("USD"), out);
	ck_assert_str_eq(out, "-92233720368547758.08");
	/* What is formatted parses back. */
	ledger_amount_format(123456789, ledger_currency("KWD"), out);
	ck_assert_int_eq(
	    ledger_amount_parse(out, ledger_currency("KWD"), &v, "amount", &e),
	    0);
	ck_assert_int_eq(v, 123456789);
}
END_TEST

/* --- a campaign's pay --- */

START_TEST(pay_parsing)
{
	static const struct {
		const char *kind, *pay, *want; /* want NULL: taken */
	} cases[] = {
		{ "text", "{\"currency\":\"GHS\",\"per_item\":50}", NULL },
		{ "audio",
		    "{\"currency\":\"GHS\",\"per_item\":50,"
		    "\"per_audio_second\":2}",
		    NULL },
		{ "audio", "{\"currency\":\"ISK\",\"per_audio_second\":30}",
		    NULL },
		{ "text", "{\"currency\":\"XYZ\",\"per_item\":50}", "\"XYZ\"" },
		{ "text", "{\"currency\":\"ghs\",\"per_item\":50}", "\"ghs\"" },
		{ "text", "{\"per_item\":50}", "\"currency\" is required" },
		{ "text", "{\"currency\":7,\"per_item\":50}", "ISO 4217" },
		{ "text", "{\"currency\":\"GHS\",\"per_item\":50.5}",
		    "\"per_item\" must be a whole number" },
		{ "text", "{\"currency\":\"GHS\",\"per_item\":-1}",
		    "\"per_item\" must be a whole number" },
		{ "text", "{\"currency\":\"GHS\",\"per_item\":\"50\"}",
		    "\"per_item\" must be a whole number" },
		{ "text", "{\"currency\":\"GHS\",\"per_item\":10000000000}",
		    "\"per_item\" must be a whole number" },
		{ "text", "{\"currency\":\"GHS\",\"per_clip\":5}",
		    "unknown field \"per_clip\"" },
		{ "text",
		    "{\"currency\":\"GHS\",\"per_item\":5,"
		    "\"per_audio_second\":1}",
		    "text campaign" },
		{ "text", "[\"GHS\",50]", "\"pay\" must be an object" },
		{ "text", "\"GHS 50\"", "\"pay\" must be an object" },
	};
	struct campaign c;
	struct err e;
	json_t *def;
	char text[1024];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "{\"slug\":\"p\",\"title\":\"P\",\"language\":\"ee\","
		    "\"kind\":\"%s\",\"consent\":\"general\","
		    "\"required_scopes\":[\"publish_text\"],"
		    "\"minimum_age\":16,\"pay\":%s}",
		    cases[i].kind, cases[i].pay);
		ck_assert_ptr_nonnull(def = json_loads(text, 0, NULL));
		memset(&e, 0, sizeof(e));
		rc = campaign_parse(def, &c, &e);
		if (cases[i].want == NULL)
			ck_assert_msg(rc == 0, "%s: %s", cases[i].pay, e.msg);
		else {
			ck_assert_msg(rc == -1, "%s taken", cases[i].pay);
			ck_assert_int_eq(e.code, ERR_INVALID);
			ck_assert_msg(strstr(e.msg, cases[i].want) != NULL,
			    "%s: \"%s\" does not say %s", cases[i].pay, e.msg,
			    cases[i].want);
			ck_assert_ptr_nonnull(strstr(e.msg, "\"pay\""));
		}
		campaign_clear(&c);
		json_decref(def);
	}
}
END_TEST

START_TEST(pay_stored)
{
	struct campaign c;
	struct err e = { 0 };
	json_t *j;
	char *s;
	int64_t id, free_id;

	id = add_campaign("paid", "audio",
	    "{\"currency\":\"TJS\",\"per_item\":40,\"per_audio_second\":3}");
	free_id = add_campaign("unpaid", "text", NULL);
	s = tu_q_text("SELECT pay_currency FROM campaigns WHERE id = ?1", id);
	ck_assert_str_eq(s, "TJS");
	free(s);
	ck_assert_int_eq(
	    tu_q_int("SELECT pay_per_item FROM campaigns WHERE id = ?1", id),
	    40);
	ck_assert_int_eq(tu_q_int("SELECT pay_per_audio_second FROM campaigns "
				  "WHERE id = ?1",
			     id),
	    3);
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT pay_currency FROM campaigns WHERE id = ?1", free_id),
	    -2);
	ck_assert_int_eq(campaign_get(tu_db, "paid", 0, &c, &e), 1);
	ck_assert_str_eq(c.pay.currency, "TJS");
	ck_assert_int_eq(c.pay.per_item, 40);
	ck_assert_int_eq(c.pay.per_audio_second, 3);
	j = campaign_json(&c);
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(j, "pay"), "currency")),
	    "TJS");
	json_decref(j);
	campaign_clear(&c);
	/* Imported again without pay: it pays no more. */
	add_campaign("paid", "audio", NULL);
	ck_assert_int_eq(
	    tu_q_int("SELECT pay_currency FROM campaigns WHERE id = ?1", id),
	    -2);
	/* The rate: per item plus per second from whole milliseconds. */
	{
		struct ledger_pay p = { "GHS", 10, 3 };

		ck_assert_int_eq(ledger_pay_amount(&p, 5.5), 10 + 17);
		ck_assert_int_eq(ledger_pay_amount(&p, 0), 10);
		ck_assert_int_eq(ledger_pay_amount(&p, 2.0005), 10 + 6);
	}
}
END_TEST

/* --- accrual, override, withdrawal --- */

START_TEST(vote_accrues)
{
	int64_t camp, audio, who, r1, r2, item, clip;
	struct review_vote v;
	struct err e;
	char key[32], *kind;
	int i;

	camp = add_campaign(
	    "votes", "text", "{\"currency\":\"GHS\",\"per_item\":50}");
	audio = add_campaign("clips", "audio",
	    "{\"currency\":\"GHS\",\"per_item\":10,\"per_audio_second\":2}");
	{
		int64_t cs[2] = { camp, audio };

		who = add_person("giver", ROLE_CONTRIBUTOR, cs, 2);
	}
	r1 = add_person("rev-one", ROLE_REVIEWER, NULL, 0);
	r2 = add_person("rev-two", ROLE_REVIEWER, NULL, 0);
	item = tu_add_text(who, camp, "Akpe na mi katã.");
	clip = add_audio(who, audio, 5.5);
	for (i = 0; i < 4; i++) {
		memset(&v, 0, sizeof(v));
		snprintf(key, sizeof(key), "vote-%d", i);
		v.account_id = i % 2 ? r2 : r1;
		v.contribution_id = i < 2 ? item : clip;
		v.vote = 1;
		v.key = key;
		snprintf(v.request_sha, sizeof(v.request_sha), "%064d", i);
		memset(&e, 0, sizeof(e));
		ck_assert_msg(
		    writer_run(tu_writer, review_vote_job, &v, &e) == 0, "%s",
		    e.msg);
		/* The first vote decides nothing and earns nothing. */
		if (i % 2 == 0) {
			ck_assert_str_eq(v.status, "pending");
			ck_assert_int_eq(entries(), i / 2);
		} else
			ck_assert_str_eq(v.status, "validated");
	}
	ck_assert_int_eq(entries(), 2);
	ck_assert_int_eq(bal(who, "GHS"), 50 + 10 + 11);
	kind = tu_q_text("SELECT kind FROM ledger_entries WHERE "
			 "contribution_id = ?1",
	    item);
	ck_assert_str_eq(kind, "accrual");
	free(kind);
	ck_assert_int_eq(tu_q_int("SELECT amount FROM ledger_entries WHERE "
				  "contribution_id = ?1",
			     clip),
	    21);
	/* Reviewers earn nothing for voting. */
	ck_assert_int_eq(bal(r1, "GHS"), 0);
	expect_identity();
	expect_intact();
}
END_TEST

START_TEST(override_and_withdrawal)
{
	int64_t camp, free_camp, who, a, b, c;
	struct err e;
	long long n;

	camp = add_campaign(
	    "over", "text", "{\"currency\":\"GHS\",\"per_item\":50}");
	free_camp = add_campaign("free", "text", NULL);
	{
		int64_t cs[2] = { camp, free_camp };

		who = add_person("over-giver", ROLE_CONTRIBUTOR, cs, 2);
	}
	a = tu_add_text(who, camp, "one");
	b = tu_add_text(who, camp, "two");
	c = tu_add_text(who, free_camp, "three");

	decide_ok(a, "validated");
	ck_assert_int_eq(bal(who, "GHS"), 50);
	/* Validated again: nothing more. */
	decide_ok(a, "validated");
	ck_assert_int_eq(bal(who, "GHS"), 50);
	ck_assert_int_eq(entries(), 1);
	/* An unpaid campaign writes nothing. */
	decide_ok(c, "validated");
	ck_assert_int_eq(entries(), 1);
	/* To rejected: a reversal with the reason. */
	decide_ok(a, "rejected");
	ck_assert_int_eq(bal(who, "GHS"), 0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM ledger_entries WHERE "
				  "kind = 'reversal' AND contribution_id = ?1 "
				  "AND note LIKE 'checked by%'",
			     a),
	    1);
	/* Rejected again: nothing to reverse. */
	decide_ok(a, "rejected");
	ck_assert_int_eq(entries(), 2);
	/* Back to validated: it accrues again, once. */
	decide_ok(a, "validated");
	decide_ok(a, "validated");
	ck_assert_int_eq(bal(who, "GHS"), 50);
	ck_assert_int_eq(entries(), 3);
	/* Pending straight to rejected: nothing earned, nothing reversed. */
	decide_ok(b, "rejected");
	ck_assert_int_eq(entries(), 3);
	/* Paid out, then reversed: a debt that only later earnings offset. */
	ck_assert_int_eq(pay(who, "GHS", 50, "cash", NULL, &e), 0);
	decide_ok(a, "rejected");
	ck_assert_int_eq(bal(who, "GHS"), -50);
	ck_assert_int_eq(pay(who, "GHS", 1, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	decide_ok(b, "validated");
	ck_assert_int_eq(bal(who, "GHS"), 0);
	/* A withdrawal never claws back. */
	decide_ok(a, "validated");
	ck_assert_int_eq(bal(who, "GHS"), 50);
	n = entries();
	withdraw(who, a);
	withdraw(who, b);
	ck_assert_int_eq(bal(who, "GHS"), 50);
	ck_assert_int_eq(entries(), n);
	/* ... and a withdrawn item cannot be overridden into a reversal. */
	ck_assert_int_eq(decide(a, "rejected", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_int_eq(bal(who, "GHS"), 50);
	expect_identity();
	expect_intact();
}
END_TEST

START_TEST(payout_rules)
{
	int64_t camp, who, i;
	struct ledger_payout p = { 0 };
	struct err e;

	camp = add_campaign(
	    "payr", "text", "{\"currency\":\"KES\",\"per_item\":500}");
	who = add_person("payee", ROLE_CONTRIBUTOR, &camp, 1);
	for (i = 0; i < 3; i++)
		decide_ok(tu_add_text(who, camp,
			      i == 0       ? "a"
				  : i == 1 ? "b"
					   : "c"),
		    "validated");
	ck_assert_int_eq(bal(who, "KES"), 1500);
	/* More than the balance. */
	ck_assert_int_eq(pay(who, "KES", 1501, "mobile_money", "MP1", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "15.00"));
	/* In a currency they have nothing in. */
	ck_assert_int_eq(pay(who, "GHS", 1, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_int_eq(pay(who, "KES", 0, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "KES", -5, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "KES", 5, "cheque", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "KES", 5, "mobile_money", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "KES", 5, "bank", "", &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "XXX", 5, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who, "KES", 5, "cash", "bad\nref", &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(pay(who + 1000, "KES", 5, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	ck_assert_int_eq(entries(), 3);
	/* Exactly the balance, in two payouts; a reference used twice is a
	** duplicate. */
	p.account = who;
	p.currency = "KES";
	p.amount = 1000;
	p.method = "mobile_money";
	p.reference = "MPESA-QK12";
	p.note = "M-Pesa bulk";
	tu_run_ok(ledger_payout_job, &p);
	ck_assert_int_eq(p.balance, 500);
	ck_assert_int_gt(p.id, 0);
	ck_assert_int_eq(
	    pay(who, "KES", 100, "mobile_money", "MPESA-QK12", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(e.msg, "already recorded"));
	ck_assert_int_eq(pay(who, "KES", 500, "bank", "TRF-9", &e), 0);
	ck_assert_int_eq(bal(who, "KES"), 0);
	ck_assert_int_eq(pay(who, "KES", 1, "cash", NULL, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log WHERE "
				  "action = 'ledger.payout'",
			     0),
	    2);
	/* The triggers refuse what the job would not write, too. */
	ck_assert_int_ne(
	    exec("INSERT INTO ledger_entries(id, at, account_id, kind, "
		 "currency, amount, balance, hash) VALUES (100, 1, 1, 'payout',"
		 " 'KES', 5, -5, x'00')"),
	    SQLITE_OK);
	expect_identity();
	expect_intact();
}
END_TEST

/* --- largest remainder --- */

/* Checks ${parts} of ${total} over ${w}: they sum to total; each is the
** floor of its quota or one more; equal weights differ by at most 1. */
static void
expect_split(int64_t total, const int64_t *w, const int64_t *parts, size_t n)
{
	unsigned __int128 q;
	int64_t sum = 0, wsum = 0, fl;
	size_t i, j;

	for (i = 0; i < n; i++)
		wsum += w[i];
	for (i = 0; i < n; i++) {
		sum += parts[i];
		q = (unsigned __int128)total * (uint64_t)w[i];
		fl = (int64_t)(q / (uint64_t)wsum);
		ck_assert_msg(parts[i] == fl || parts[i] == fl + 1,
		    "part %zu: %lld, quota floor %lld", i, (long long)parts[i],
		    (long long)fl);
		for (j = 0; j < i; j++)
			if (w[j] == w[i])
				ck_assert_int_le(llabs(parts[j] - parts[i]), 1);
	}
	ck_assert_int_eq(sum, total);
}

START_TEST(largest_remainder)
{
	int64_t w[1000], parts[1000], again[1000];
	uint64_t tie[1000];
	size_t i, n, k, ones;
	unsigned seed = 7;
	int t;

	/* Equal shares. */
	for (i = 0; i < 3; i++)
		w[i] = 5;
	ck_assert_int_eq(ledger_split(100, w, NULL, 3, parts), 0);
	expect_split(100, w, parts, 3);
	/* Ties go to the lower index without tie values. */
	ck_assert_int_eq(parts[0], 34);
	ck_assert_int_eq(parts[1], 33);
	ck_assert_int_eq(parts[2], 33);
	/* ... and to the smallest tie value with them. */
	tie[0] = 9;
	tie[1] = 3;
	tie[2] = 5;
	ck_assert_int_eq(ledger_split(100, w, tie, 3, parts), 0);
	ck_assert_int_eq(parts[1], 34);
	ck_assert_int_eq(parts[0] + parts[2], 66);
	/* One minor unit among a thousand. */
	for (i = 0; i < 1000; i++) {
		w[i] = 7;
		tie[i] = (uint64_t)(1000 - i);
	}
	ck_assert_int_eq(ledger_split(1, w, tie, 1000, parts), 0);
	for (i = 0, ones = 0; i < 1000; i++) {
		ck_assert_int_le(parts[i], 1);
		ones += (size_t)parts[i];
	}
	ck_assert_int_eq(ones, 1);
	ck_assert_int_eq(parts[999], 1);
	/* Fewer units than people. */
	ck_assert_int_eq(ledger_split(3, w, NULL, 7, parts), 0);
	expect_split(3, w, parts, 7);
	ck_assert_int_eq(parts[0] + parts[1] + parts[2], 3);
	/* Exact quotas stay exact; a zero weight gets nothing. */
	w[0] = 1;
	w[1] = 2;
	w[2] = 3;
	w[3] = 0;
	ck_assert_int_eq(ledger_split(600, w, NULL, 4, parts), 0);
	ck_assert_int_eq(parts[0], 100);
	ck_assert_int_eq(parts[1], 200);
	ck_assert_int_eq(parts[2], 300);
	ck_assert_int_eq(parts[3], 0);
	/* Nothing to weigh; overflowing weights; a negative total. */
	w[0] = w[1] = 0;
	ck_assert_int_eq(ledger_split(10, w, NULL, 2, parts), -1);
	w[0] = w[1] = INT64_MAX;
	ck_assert_int_eq(ledger_split(10, w, NULL, 2, parts), -1);
	w[0] = 1;
	ck_assert_int_eq(ledger_split(-1, w, NULL, 1, parts), -1);
	/* Big numbers: 10^15 over weights near 2^62 (128-bit products). */
	w[0] = (int64_t)1 << 61;
	w[1] = ((int64_t)1 << 61) + 1;
	w[2] = 3;
	ck_assert_int_eq(ledger_split(LEDGER_AMOUNT_MAX, w, NULL, 3, parts), 0);
	expect_split(LEDGER_AMOUNT_MAX, w, parts, 3);
	/* Random cases, with repeated weights; the same input gives the
	** same parts. */
	for (t = 0; t < 2000; t++) {
		n = 1 + (size_t)(rand_r(&seed) % 60);
		k = 1 + (size_t)(rand_r(&seed) % 5);
		for (i = 0; i < n; i++) {
			w[i] = rand_r(&seed) % 3 == 0
			    ? (int64_t)(k * 1000)
			    : (int64_t)(rand_r(&seed) % 100000);
			tie[i] = (uint64_t)rand_r(&seed);
		}
		w[0] += 1; /* never all zero */
		{
			int64_t total = t % 3 == 0
			    ? (int64_t)(rand_r(&seed) % 10)
			    : (int64_t)rand_r(&seed) * 1000 + rand_r(&seed);

			ck_assert_int_eq(
			    ledger_split(total, w, tie, n, parts), 0);
			expect_split(total, w, parts, n);
			ck_assert_int_eq(
			    ledger_split(total, w, tie, n, again), 0);
			ck_assert_int_eq(
			    memcmp(parts, again, n * sizeof(*parts)), 0);
		}
	}
}
END_TEST

START_TEST(royalty_on_release)
{
	int64_t camp, tcamp, p[5], ids[40], rel;
	struct ledger_royalty ro;
	struct err e;
	char v[32], v2[32], v3[32], vmix[32];
	int i, n = 0;

	camp = add_campaign("roy", "audio",
	    "{\"currency\":\"GHS\",\"per_item\":0,\"per_audio_second\":0}");
	tcamp = add_campaign("roy-text", "text", NULL);
	for (i = 0; i < 5; i++) {
		char h[16];
		int64_t cs[2] = { camp, tcamp };

		snprintf(h, sizeof(h), "roy-%d", i);
		p[i] = add_person(h, ROLE_CONTRIBUTOR, cs, 2);
	}
	/* Seconds: p0 10, p1 10, p2 20, p3 0.5 (+ one withdrawn 100),
	** p4 only a rejected one. */
	ids[n++] = add_audio(p[0], camp, 4);
	ids[n++] = add_audio(p[0], camp, 6);
	ids[n++] = add_audio(p[1], camp, 10);
	ids[n++] = add_audio(p[2], camp, 20);
	ids[n++] = add_audio(p[3], camp, 0.5);
	ids[n++] = add_audio(p[3], camp, 100);
	ids[n++] = add_audio(p[4], camp, 30);
	for (i = 0; i < n; i++)
		decide_ok(ids[i], "validated");
	ck_assert_int_eq(entries(), 0); /* the campaign's rates are 0 */
	rel = add_release(ids, n, v);
	withdraw(p[3], ids[5]);
	decide_ok(ids[6], "rejected");

	/* 1000.00 GHS by milliseconds: 10000 10000 20000 500 of 40500. */
	ck_assert_msg(royalty(v, "GHS", 100000, 0, &ro, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ro.people, 4);
	ck_assert_int_eq(ro.entries, 4);
	ck_assert_int_eq(ro.weight, 40500);
	ck_assert_str_eq(ro.unit, "milliseconds");
	ck_assert_int_eq(ro.release_id, rel);
	ck_assert_int_eq(tu_q_int("SELECT sum(amount) FROM ledger_entries "
				  "WHERE kind = 'royalty' AND release_id = ?1",
			     rel),
	    100000);
	/* 100000 x 10000 / 40500 = 24691.36: p0 and p1 equal, within 1. */
	ck_assert_int_le(llabs(bal(p[0], "GHS") - bal(p[1], "GHS")), 1);
	ck_assert_int_ge(bal(p[0], "GHS"), 24691);
	ck_assert_int_le(bal(p[0], "GHS"), 24692);
	ck_assert_int_ge(bal(p[2], "GHS"), 49382);
	ck_assert_int_le(bal(p[2], "GHS"), 49383);
	ck_assert_int_ge(bal(p[3], "GHS"), 1234);
	ck_assert_int_le(bal(p[3], "GHS"), 1235);
	ck_assert_int_eq(bal(p[4], "GHS"), 0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log WHERE "
				  "action = 'ledger.royalty' AND "
				  "subject_id = ?1",
			     rel),
	    1);

	/* ISK, no minor unit: 1000 among three equal people. */
	{
		int64_t eq[3] = { ids[2], 0, 0 };

		eq[1] = add_audio(p[0], camp, 10);
		eq[2] = add_audio(p[2], camp, 10);
		decide_ok(eq[1], "validated");
		decide_ok(eq[2], "validated");
		rel = add_release(eq, 3, v2);
		ck_assert_msg(
		    royalty(v2, "ISK", 1000, 0, &ro, &e) == 0, "%s", e.msg);
		ck_assert_int_eq(ro.entries, 3);
		ck_assert_int_eq(tu_q_int("SELECT max(amount) - min(amount) "
					  "FROM ledger_entries WHERE "
					  "release_id = ?1",
				     rel),
		    1);
		ck_assert_int_eq(tu_q_int("SELECT sum(amount) FROM "
					  "ledger_entries WHERE release_id = "
					  "?1",
				     rel),
		    1000);
		/* Two units among three: one person gets nothing and no
		** entry. */
		ck_assert_msg(
		    royalty(v2, "ISK", 2, 0, &ro, &e) == 0, "%s", e.msg);
		ck_assert_int_eq(ro.people, 3);
		ck_assert_int_eq(ro.entries, 2);
		ck_assert_int_eq(tu_q_int("SELECT sum(amount) FROM "
					  "ledger_entries WHERE release_id = "
					  "?1",
				     rel),
		    1002);
	}
	/* Texts by items; a mixed release only by items. */
	{
		int64_t t[3], mix[2];

		t[0] = tu_add_text(p[0], tcamp, "first");
		t[1] = tu_add_text(p[0], tcamp, "second");
		t[2] = tu_add_text(p[1], tcamp, "third");
		for (i = 0; i < 3; i++)
			decide_ok(t[i], "validated");
		add_release(t, 3, v3);
		ck_assert_msg(
		    royalty(v3, "EUR", 301, 0, &ro, &e) == 0, "%s", e.msg);
		ck_assert_str_eq(ro.unit, "items");
		ck_assert_int_eq(bal(p[0], "EUR"), 201);
		ck_assert_int_eq(bal(p[1], "EUR"), 100);
		mix[0] = t[0];
		mix[1] = ids[2];
		add_release(mix, 2, vmix);
		ck_assert_int_eq(royalty(vmix, "EUR", 10, 0, &ro, &e), -1);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_int_eq(royalty(vmix, "EUR", 10, 1, &ro, &e), 0);
		ck_assert_int_eq(ro.entries, 2);
	}
	ck_assert_int_eq(royalty("9.9.9", "EUR", 10, 0, &ro, &e), -1);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	ck_assert_int_eq(royalty(v, "XYZ", 10, 0, &ro, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	ck_assert_int_eq(royalty(v, "EUR", 0, 0, &ro, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID);
	expect_identity();
	expect_intact();
}
END_TEST

START_TEST(royalty_nobody)
{
	int64_t camp, who, id;
	struct ledger_royalty ro;
	struct err e;
	char v[32];

	camp = add_campaign("nobody", "text", NULL);
	who = add_person("nobody-1", ROLE_CONTRIBUTOR, &camp, 1);
	id = tu_add_text(who, camp, "gone soon");
	decide_ok(id, "validated");
	add_release(&id, 1, v);
	withdraw(who, id);
	ck_assert_int_eq(royalty(v, "EUR", 10, 0, &ro, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_int_eq(entries(), 0);
}
END_TEST

/* --- the chain --- */

/* A ledger of a few dozen entries of every kind; the accounts' ids. */
static void
some_entries(int64_t who[3])
{
	int64_t camp, id;
	struct err e;
	char v[32], ref[16];
	int i;

	camp = add_campaign(
	    "chain", "text", "{\"currency\":\"NGN\",\"per_item\":2500}");
	for (i = 0; i < 3; i++) {
		char h[16];

		snprintf(h, sizeof(h), "chain-%d", i);
		who[i] = add_person(h, ROLE_CONTRIBUTOR, &camp, 1);
	}
	for (i = 0; i < 12; i++) {
		int64_t it = tu_add_text(who[i % 3], camp, "Ẹ ku ọjọ ibi");

		decide_ok(it, "validated");
		if (i % 4 == 3)
			decide_ok(it, "rejected");
		else
			id = it;
		if (i % 5 == 4) {
			snprintf(ref, sizeof(ref), "OPAY-%d", i);
			ck_assert_int_eq(pay(who[i % 3], "NGN", 1000,
					     "mobile_money", ref, &e),
			    0);
		}
	}
	add_release(&id, 1, v);
	{
		struct ledger_royalty ro;

		ck_assert_int_eq(royalty(v, "NGN", 777, 0, &ro, &e), 0);
	}
}

START_TEST(chain_verify)
{
	int64_t who[3], head_id, rows, k;
	struct ledger_check ck;
	char hex[SHA256_HEX_LEN + 1], sql[256];

	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_INTACT);
	ck_assert_int_eq(ck.rows, 0);
	ck_assert_str_eq(ck.head, "");
	some_entries(who);
	rows = entries();
	ck_assert_int_gt(rows, 15);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_INTACT);
	ck_assert_int_eq(ck.rows, rows);
	ck_assert_int_gt(ck.bytes, rows * 32);
	{
		struct err e = { 0 };

		ck_assert_int_eq(ledger_head(tu_db, &head_id, hex, &e), 1);
	}
	ck_assert_int_eq(head_id, rows);
	ck_assert_str_eq(hex, ck.head);

	/* Append-only: the triggers refuse both. */
	ck_assert_int_ne(exec("UPDATE ledger_entries SET amount = 1 WHERE "
			      "id = 3"),
	    SQLITE_OK);
	ck_assert_int_ne(
	    exec("DELETE FROM ledger_entries WHERE id = 3"), SQLITE_OK);

	/* Someone with the file drops them; every change is named. */
	ck_assert_int_eq(exec("DROP TRIGGER ledger_entries_no_update; "
			      "DROP TRIGGER ledger_entries_no_delete"),
	    SQLITE_OK);
	k = 7;
	/* One byte of the amount's text: 2500 -> 3500. */
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_entries SET amount = amount + 1000 WHERE id = %lld",
	    (long long)k);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_CHANGED);
	ck_assert_int_eq(ck.bad_id, k);
	ck_assert_int_eq(ck.rows, k - 1);
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_entries SET amount = amount - 1000 WHERE id = %lld",
	    (long long)k);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	expect_intact();
	/* One byte of a reference. */
	k = tu_q_int("SELECT min(id) FROM ledger_entries WHERE reference IS "
		     "NOT NULL",
	    0);
	ck_assert_int_gt(k, 0);
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_entries SET reference = 'OPAY-5' WHERE id = %lld",
	    (long long)k);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_CHANGED);
	ck_assert_int_eq(ck.bad_id, k);
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_entries SET reference = 'OPAY-4' WHERE id = %lld",
	    (long long)k);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	expect_intact();
	/* One bit of a stored hash. */
	{
		char *h = tu_q_text(
		    "SELECT hex(hash) FROM ledger_entries WHERE id = ?1", rows);
		char flipped[65];

		ck_assert_ptr_nonnull(h);
		snprintf(flipped, sizeof(flipped), "%s", h);
		/* The last hex digit: one bit of the last byte. */
		flipped[63] = flipped[63] == '0' ? '1' : '0';
		snprintf(sql, sizeof(sql),
		    "UPDATE ledger_entries SET hash = x'%s' WHERE id = %lld",
		    flipped, (long long)rows);
		ck_assert_int_eq(exec(sql), SQLITE_OK);
		verify(&ck);
		ck_assert_int_eq(ck.state, LEDGER_CHANGED);
		ck_assert_int_eq(ck.bad_id, rows);
		ck_assert_int_eq(ck.rows, rows - 1);
		snprintf(sql, sizeof(sql),
		    "UPDATE ledger_entries SET hash = x'%s' WHERE id = %lld", h,
		    (long long)rows);
		ck_assert_int_eq(exec(sql), SQLITE_OK);
		free(h);
		expect_intact();
	}
	/* A running balance changed beside the entries. */
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_balances SET balance = balance + 1, accrued = "
	    "accrued + 1 WHERE account_id = %lld",
	    (long long)who[1]);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_TOTALS);
	ck_assert_int_eq(ck.bad_account, who[1]);
	ck_assert_str_eq(ck.bad_currency, "NGN");
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_balances SET balance = balance - 1, accrued = "
	    "accrued - 1 WHERE account_id = %lld",
	    (long long)who[1]);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	expect_intact();
	/* A row removed: the gap is named. */
	ck_assert_int_eq(
	    exec("DELETE FROM ledger_entries WHERE id = 5"), SQLITE_OK);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_GAP);
	ck_assert_int_eq(ck.after_id, 4);
	ck_assert_int_eq(ck.bad_id, 6);
}
END_TEST

/*
** SHA-256 of ${prev} and the canonical bytes of row ${id} as ledger.c's
** opening comment documents them (each field's length in 4 bytes, then
** its text; SQLite's decimal text of the integers; NULL as empty),
** computed here with libsodium rather than the code under test.
*/
static void
doc_hash(const uint8_t prev[32], int64_t id, uint8_t out[32])
{
	crypto_hash_sha256_state h;
	sqlite3_stmt *st;
	uint8_t len[4];
	const unsigned char *f;
	size_t n;
	int i;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(tu_db),
		"SELECT id, at, account_id, kind, currency, amount, "
		"balance, contribution_id, release_id, method, "
		"reference, note, actor_id FROM ledger_entries "
		"WHERE id = ?1",
		-1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, 32);
	for (i = 0; i < 13; i++) {
		f = sqlite3_column_text(st, i);
		n = f ? strlen((const char *)f) : 0;
		len[0] = (uint8_t)(n >> 24);
		len[1] = (uint8_t)(n >> 16);
		len[2] = (uint8_t)(n >> 8);
		len[3] = (uint8_t)n;
		crypto_hash_sha256_update(&h, len, 4);
		crypto_hash_sha256_update(
		    &h, f ? f : (const unsigned char *)"", n);
	}
	crypto_hash_sha256_final(&h, out);
	sqlite3_finalize(st);
}

/* The stored hash of row ${id} into ${out}. */
static void
stored_hash(int64_t id, uint8_t out[32])
{
	char *hex =
	    tu_q_text("SELECT hex(hash) FROM ledger_entries WHERE id = ?1", id);
	size_t i;

	ck_assert_ptr_nonnull(hex);
	for (i = 0; i < 32; i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		out[i] = (uint8_t)strtoul(b, NULL, 16);
	}
	free(hex);
}

/* The documented bytes; and a row whose hash fits but whose balance
** does not follow from the rows before it, named. */
START_TEST(chain_documented)
{
	uint8_t prev[32] = { 0 }, h[32], s[32];
	int64_t who[3], rows, i, last_bal;
	struct ledger_check ck;
	char sql[512], hex[65];

	some_entries(who);
	rows = entries();
	for (i = 1; i <= rows; i++) {
		doc_hash(prev, i, h);
		stored_hash(i, s);
		ck_assert_msg(memcmp(h, s, 32) == 0,
		    "row %lld: the stored hash is not the documented one",
		    (long long)i);
		memcpy(prev, h, 32);
	}
	/* A row written around the trigger with a balance 5 too high and
	** its hash computed as documented: the chain fits, the balance
	** does not. */
	last_bal = tu_q_int("SELECT balance FROM ledger_balances WHERE "
			    "account_id = ?1",
	    who[0]);
	ck_assert_int_eq(exec("DROP TRIGGER ledger_entries_check"), SQLITE_OK);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO ledger_entries(id, at, account_id, kind, currency, "
	    "amount, balance, hash) VALUES (%lld, 1700000000, %lld, "
	    "'royalty', 'NGN', 10, %lld, zeroblob(32))",
	    (long long)rows + 1, (long long)who[0], (long long)last_bal + 15);
	ck_assert_int_eq(
	    exec("DROP TRIGGER ledger_entries_no_update"), SQLITE_OK);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	doc_hash(prev, rows + 1, h);
	hex_encode(h, 32, hex);
	snprintf(sql, sizeof(sql),
	    "UPDATE ledger_entries SET hash = x'%s' WHERE id = %lld", hex,
	    (long long)rows + 1);
	ck_assert_int_eq(exec(sql), SQLITE_OK);
	verify(&ck);
	ck_assert_int_eq(ck.state, LEDGER_BALANCE);
	ck_assert_int_eq(ck.bad_id, rows + 1);
	ck_assert_int_eq(ck.bad_account, who[0]);
	ck_assert_str_eq(ck.bad_currency, "NGN");
	ck_assert_int_eq(ck.rows, rows);
}
END_TEST

/* --- sealed contacts --- */

START_TEST(sealed_contacts)
{
	static const char *const contacts[] = { "MTN +233 24 555 0199",
		"Vodafone 020-777-4411", "bank: GCB 1234567890123 Accra" };
	uint8_t pk[LEDGER_KEY_LEN], sk[LEDGER_KEY_LEN], pk2[LEDGER_KEY_LEN],
	    sk2[LEDGER_KEY_LEN], key[32], h[32];
	struct ledger_key_set ks = { { 0 }, 0 };
	struct ledger_contact_set cs = { 0 };
	struct ledger_rekey rk = { 0 };
	int64_t who[20], camp;
	struct err e = { 0 };
	const char *method;
	char *c, h_ok;
	int i;

	camp = add_campaign("seal", "text", NULL);
	for (i = 0; i < 20; i++) {
		char handle[16];

		snprintf(handle, sizeof(handle), "seal-%02d", i);
		who[i] = add_person(handle, ROLE_CONTRIBUTOR, &camp, 1);
	}
	randombytes_buf(key, sizeof(key));
	/* No key yet: a contact cannot be kept. */
	cs.account = who[0];
	cs.method = "mobile_money";
	cs.contact = contacts[0];
	tu_run_fails(ledger_contact_set_job, &cs, ERR_CONFLICT);

	ledger_keypair(pk, sk);
	memcpy(ks.pk, pk, sizeof(pk));
	tu_run_ok(ledger_key_set_job, &ks);
	tu_run_fails(ledger_key_set_job, &ks, ERR_CONFLICT);
	{
		uint8_t got[LEDGER_KEY_LEN];

		ck_assert_int_eq(ledger_key_public(tu_db, got, &e), 1);
		ck_assert_int_eq(memcmp(got, pk, sizeof(pk)), 0);
	}
	for (i = 0; i < 20; i++) {
		cs.account = who[i];
		cs.method = i % 3 == 2 ? "bank" : "mobile_money";
		cs.contact = contacts[i % 3];
		cs.hash_key = key;
		tu_run_ok(ledger_contact_set_job, &cs);
	}
	cs.method = "pigeon";
	tu_run_fails(ledger_contact_set_job, &cs, ERR_INVALID);
	cs.method = "cash";
	cs.contact = "";
	tu_run_fails(ledger_contact_set_job, &cs, ERR_INVALID);
	cs.account = who[19] + 100;
	cs.contact = "x";
	tu_run_fails(ledger_contact_set_job, &cs, ERR_NOT_FOUND);

	/* Only ciphertext on disk: not the number, not its digits. */
	tu_expect_not_on_disk(tu_dbpath, "555 0199");
	tu_expect_not_on_disk(tu_dbpath, "233245550199");
	tu_expect_not_on_disk(tu_dbpath, "777-4411");
	tu_expect_not_on_disk(tu_dbpath, "1234567890123");
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM payout_contacts", 0), 20);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM payout_contacts WHERE "
				  "length(sealed) = ?1 + 48",
			     (long long)strlen(contacts[0])),
	    7);
	/* The keyed hash that redaction compares. */
	ck_assert_int_eq(redact_contact_hash(key, contacts[0], h), 0);
	{
		sqlite3_stmt *st;

		ck_assert_int_eq(sqlite3_prepare_v2(db_handle(tu_db),
				     "SELECT contact_hash FROM "
				     "payout_contacts WHERE account_id = ?1",
				     -1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_int64(st, 1, who[0]);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
		h_ok = sqlite3_column_bytes(st, 0) == 32 &&
		    memcmp(sqlite3_column_blob(st, 0), h, 32) == 0;
		sqlite3_finalize(st);
		ck_assert(h_ok);
	}

	/* Opened with the secret key, not with another. */
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(
		    ledger_contact_open(tu_db, who[i], sk, &c, &method, &e), 1);
		ck_assert_str_eq(c, contacts[i % 3]);
		ck_assert_str_eq(method, i % 3 == 2 ? "bank" : "mobile_money");
		free(c);
	}
	ledger_keypair(pk2, sk2);
	ck_assert_int_eq(
	    ledger_contact_open(tu_db, who[0], sk2, &c, &method, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(
	    ledger_contact_open(tu_db, who[19] + 100, sk, &c, &method, &e), 0);

	/* Rekey with a wrong old key: refused, nothing changed. */
	rk.old_sk = sk2;
	rk.new_pk = pk2;
	tu_run_fails(ledger_rekey_job, &rk, ERR_FORBIDDEN);
	rk.old_sk = sk;
	rk.new_pk = pk;
	tu_run_fails(ledger_rekey_job, &rk, ERR_CONFLICT);
	ck_assert_int_eq(
	    ledger_contact_open(tu_db, who[5], sk, &c, &method, &e), 1);
	free(c);
	/* Rekey: every contact is kept, opened by the new key only. */
	rk.new_pk = pk2;
	tu_run_ok(ledger_rekey_job, &rk);
	ck_assert_int_eq(rk.count, 20);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(
		    ledger_contact_open(tu_db, who[i], sk2, &c, &method, &e),
		    1);
		ck_assert_str_eq(c, contacts[i % 3]);
		free(c);
		ck_assert_int_eq(
		    ledger_contact_open(tu_db, who[i], sk, &c, &method, &e),
		    -1);
	}
	{
		uint8_t got[LEDGER_KEY_LEN];

		ck_assert_int_eq(ledger_key_public(tu_db, got, &e), 1);
		ck_assert_int_eq(memcmp(got, pk2, sizeof(pk2)), 0);
	}
	/* New contacts go to the new key. */
	cs.account = who[0];
	cs.method = "cash";
	cs.contact = "at the Saturday drive";
	tu_run_ok(ledger_contact_set_job, &cs);
	ck_assert_int_eq(
	    ledger_contact_open(tu_db, who[0], sk2, &c, &method, &e), 1);
	ck_assert_str_eq(c, "at the Saturday drive");
	free(c);
	tu_expect_not_on_disk(tu_dbpath, "Saturday drive");
	/* An erased account loses its contact. */
	ck_assert_int_eq(
	    exec("UPDATE accounts SET handle = 'erased-' || id WHERE id = "
		 "(SELECT min(account_id) FROM payout_contacts)"),
	    SQLITE_OK);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM payout_contacts", 0), 19);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sk2, sizeof(sk2));
}
END_TEST

/* --- CSV --- */

/* ${csv} parsed: the result; ${e} and ${out} as left. */
static int
parse(const char *csv, struct ledger_csv *out, struct err *e)
{
	char *copy = strdup(csv);
	int rc;

	memset(e, 0, sizeof(*e));
	/* Exactly its bytes, no NUL after: a read past n is caught. */
	rc = ledger_csv_parse(copy, strlen(csv), out, e);
	free(copy);
	return (rc);
}

START_TEST(csv_parsing)
{
	static const struct {
		const char *csv, *want; /* want: a substring of the error */
	} bad[] = {
		{ "", "line 1: the file is empty" },
		{ "handle,currency,amount\r\n", "no \"method\" column" },
		{ "handle,currency,amount,method,iban\n", "unknown column" },
		{ "handle,currency,amount,method,handle\n", "twice" },
		{ "handle,currency,amount,method\n", "holds no payouts" },
		{ "handle,currency,amount,method\n\n\n",
		    "line 4: the file "
		    "holds no payouts" },
		{ "handle,currency,amount,method\nama,GHS,1.00\n",
		    "line 2: 3 fields" },
		{ "handle,currency,amount,method\nama,GHS,1.00,cash,x\n",
		    "line 2: 5 fields" },
		{ "handle,currency,amount,method\nama,GHS,1.005,cash\n",
		    "line 2: amount" },
		{ "handle,currency,amount,method\nama,GHS,0,cash\n",
		    "line 2: a payout must be above zero" },
		{ "handle,currency,amount,method\nama,GHS,-1,cash\n",
		    "line 2: amount" },
		{ "handle,currency,amount,method\nama,gHS,1,cash\n",
		    "line 2: \"gHS\" is not a currency" },
		{ "handle,currency,amount,method\nama,GHS,1,cheque\n",
		    "line 2: the method" },
		{ "handle,currency,amount,method\nama,GHS,1,mobile_money\n",
		    "line 2: a mobile_money payout needs its reference" },
		{ "handle,currency,amount,method\nA!,GHS,1,cash\n",
		    "line 2: handle" },
		{ "handle,currency,amount,method\nama,GHS,1,cash\n\"ok,ISK,"
		  "1,cash\n",
		    "line 3: a quote is never closed" },
		{ "handle,currency,amount,method\nama,GHS,1,cash\nkofi,G\"HS,"
		  "1,cash\n",
		    "line 3: a quote inside a field" },
		{ "handle,currency,amount,method\n\"ama\"x,GHS,1,cash\n",
		    "text after a closing quote" },
		{ "handle,currency,amount,method,note\nama,GHS,1,cash,\"two\n"
		  "lines\"\nkofi,GHS,1,pigeon,\n",
		    "line 4: the method" },
		{ "handle,currency,amount,method,note\nama,GHS,1,cash,\"bell"
		  "\x07\"\n",
		    "line 2: the reference" },
		{ "handle,currency,amount,method,note\nama,GHS,1,cash,\xff\n",
		    "line 2: the reference" },
	};
	struct ledger_csv out;
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(
		    parse(bad[i].csv, &out, &e) == -1, "case %zu taken", i);
		ck_assert_msg(strstr(e.msg, bad[i].want) != NULL,
		    "case %zu: \"%s\" does not say \"%s\"", i, e.msg,
		    bad[i].want);
		ck_assert_int_eq(out.n, 0);
		ck_assert_ptr_null(out.rows);
	}
	/* BOM, CRLF, quotes, "" inside them, the contact column dropped,
	** blank lines skipped, columns in any order, spaces trimmed. */
	ck_assert_msg(parse("\xef\xbb\xbf"
			    "Contact, Method ,handle,amount,currency,"
			    "reference,note\r\n"
			    "\"+233 24, MTN\",mobile_money,ama,12.5,GHS,"
			    "MP-1,\"said \"\"thanks\"\"\"\r\n"
			    "\r\n"
			    ",cash, kofi ,1250,ISK,,\r\n",
			  &out, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(out.n, 2);
	ck_assert_str_eq(out.rows[0].handle, "ama");
	ck_assert_str_eq(out.rows[0].cur->code, "GHS");
	ck_assert_int_eq(out.rows[0].amount, 1250);
	ck_assert_str_eq(out.rows[0].method, "mobile_money");
	ck_assert_str_eq(out.rows[0].reference, "MP-1");
	ck_assert_str_eq(out.rows[0].note, "said \"thanks\"");
	ck_assert_int_eq(out.rows[0].line, 2);
	ck_assert_str_eq(out.rows[1].handle, "kofi");
	ck_assert_int_eq(out.rows[1].amount, 1250);
	ck_assert_ptr_null(out.rows[1].reference);
	ck_assert_ptr_null(out.rows[1].note);
	ck_assert_int_eq(out.rows[1].line, 4);
	ledger_csv_free(&out);
	/* No trailing newline; a field at the edge of the buffer. */
	ck_assert_int_eq(
	    parse("handle,currency,amount,method\nama,XOF,500,cash", &out, &e),
	    0);
	ck_assert_int_eq(out.rows[0].amount, 500);
	ledger_csv_free(&out);
}
END_TEST

/* Fills in a reference on each line of the amounts-due file ${csv}
** (its lines end ",,\r\n"), into a new string. */
static char *
fill_references(const char *csv)
{
	size_t n = strlen(csv), i, o = 0;
	char *out = malloc(n * 2 + 64);
	int line = 0;

	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++) {
		if (csv[i] == '\r' && i >= 2 && csv[i - 1] == ',' &&
		    csv[i - 2] == ',' && line > 0) {
			o--;
			o += (size_t)sprintf(out + o, "TX-%04d,", line);
		}
		if (csv[i] == '\n')
			line++;
		out[o++] = csv[i];
	}
	out[o] = '\0';
	return (out);
}

START_TEST(payout_csv_round_trip)
{
	uint8_t pk[LEDGER_KEY_LEN], sk[LEDGER_KEY_LEN];
	struct ledger_key_set ks = { { 0 }, 0 };
	struct ledger_contact_set cs = { 0 };
	struct ledger_record rec = { 0 };
	struct ledger_csv csv;
	int64_t gh, is, who[6], id;
	struct err e = { 0 };
	char *text = NULL, *filled, contact[64];
	size_t len = 0;
	long lines, before;
	FILE *f;
	int i, j;

	gh = add_campaign(
	    "csv-gh", "text", "{\"currency\":\"GHS\",\"per_item\":250}");
	is = add_campaign(
	    "csv-is", "text", "{\"currency\":\"ISK\",\"per_item\":300}");
	ledger_keypair(pk, sk);
	memcpy(ks.pk, pk, sizeof(pk));
	tu_run_ok(ledger_key_set_job, &ks);
	for (i = 0; i < 6; i++) {
		char h[16];
		int64_t cs2[2] = { gh, is };

		snprintf(h, sizeof(h), "csv-%d", i);
		who[i] = add_person(h, ROLE_CONTRIBUTOR, cs2, 2);
		for (j = 0; j <= i; j++) {
			id = tu_add_text(who[i], j % 2 ? is : gh, "Góðan dag");
			decide_ok(id, "validated");
		}
		/* Five of six leave a contact; one with a comma and a
		** quote. */
		if (i < 5) {
			snprintf(contact, sizeof(contact),
			    i == 3 ? "AirtelTigo, \"Ama\" 027 %d"
				   : "MTN 024 %d",
			    1000000 + i);
			cs.account = who[i];
			cs.method = "mobile_money";
			cs.contact = contact;
			tu_run_ok(ledger_contact_set_job, &cs);
		}
	}
	/* The amounts due, contacts opened. */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	lines = ledger_due_csv(tu_db, sk, NULL, NULL, f, &e);
	fclose(f);
	ck_assert_msg(lines >= 0, "%s", e.msg);
	/* GHS: everyone; ISK: those with two items or more. */
	ck_assert_int_eq(lines, 6 + 5);
	ck_assert_ptr_nonnull(strstr(text,
	    "csv-0,GHS,2.50,mobile_money,MTN 024 "
	    "1000000,,\r\n"));
	ck_assert_ptr_nonnull(strstr(text, "csv-1,ISK,300,mobile_money,"));
	ck_assert_ptr_nonnull(
	    strstr(text, "\"AirtelTigo, \"\"Ama\"\" 027 1000003\""));
	ck_assert_ptr_nonnull(strstr(text, "csv-5,GHS,7.50,,,,\r\n"));
	free(text);
	/* --min, in each currency's money; one currency. */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	lines = ledger_due_csv(tu_db, NULL, "5", "GHS", f, &e);
	fclose(f);
	ck_assert_int_eq(lines, 4); /* 5.00, 5.00, 7.50, 7.50 */
	ck_assert_ptr_null(strstr(text, "MTN"));
	free(text);
	/* Without the key, and with a wrong one. */
	{
		uint8_t pk2[LEDGER_KEY_LEN], sk2[LEDGER_KEY_LEN];

		ledger_keypair(pk2, sk2);
		ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
		ck_assert_int_eq(
		    ledger_due_csv(tu_db, sk2, NULL, NULL, f, &e), -1);
		ck_assert_int_eq(e.code, ERR_FORBIDDEN);
		fclose(f);
		free(text);
	}

	/* The last person has no contact: paid in cash at the drive. */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	ck_assert_int_eq(ledger_due_csv(tu_db, sk, NULL, NULL, f, &e), 11);
	fclose(f);
	filled = fill_references(text);
	free(text);
	for (i = 0; i < 2; i++) {
		const char *line = i ? "csv-5,ISK,900," : "csv-5,GHS,7.50,";
		char *p = strstr(filled, line), *cash;
		size_t at;

		ck_assert_msg(p != NULL && p[strlen(line)] == ',', "%s", line);
		at = (size_t)(p - filled) + strlen(line);
		ck_assert_ptr_nonnull(cash = malloc(strlen(filled) + 8));
		memcpy(cash, filled, at);
		strcpy(cash + at, "cash");
		strcpy(cash + at + 4, filled + at);
		free(filled);
		filled = cash;
	}
	/* A bad line refuses the whole file, by its number. */
	{
		char *bad = malloc(strlen(filled) + 64);

		sprintf(bad, "%snobody,GHS,1.00,cash,,,\r\n", filled);
		ck_assert_msg(parse(bad, &csv, &e) == 0, "%s", e.msg);
		before = entries();
		rec.csv = &csv;
		ck_assert_int_eq(
		    writer_run(tu_writer, ledger_record_job, &rec, &e), -1);
		ck_assert_int_eq(e.code, ERR_NOT_FOUND);
		ck_assert_int_eq(rec.bad_line, 13);
		ck_assert_ptr_nonnull(strstr(e.msg, "line 13: "));
		ck_assert_int_eq(entries(), before);
		ck_assert_int_eq(bal(who[5], "GHS"), 750);
		ledger_csv_free(&csv);
		free(bad);
	}
	/* The file as filled in: every payout recorded, every due paid. */
	ck_assert_msg(parse(filled, &csv, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(csv.n, 11);
	tu_run_ok(ledger_record_job, &rec);
	ck_assert_int_eq(rec.count, 11);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM ledger_balances WHERE "
				  "balance <> 0",
			     0),
	    0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM ledger_entries WHERE "
				  "kind = 'payout' AND reference LIKE 'TX-%'",
			     0),
	    11);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM ledger_entries WHERE "
				  "kind = 'payout' AND method = 'cash'",
			     0),
	    2);
	/* The contacts went through the parser and were dropped. */
	tu_expect_not_on_disk(tu_dbpath, "024 1000000");
	tu_expect_not_on_disk(tu_dbpath, "AirtelTigo");
	/* The same file again: refused at its first line, nothing new. */
	before = entries();
	ck_assert_int_eq(
	    writer_run(tu_writer, ledger_record_job, &rec, &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
	ck_assert_int_eq(rec.bad_line, 2);
	ck_assert_int_eq(entries(), before);
	ledger_csv_free(&csv);
	free(filled);
	/* Nothing is due now. */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	ck_assert_int_eq(ledger_due_csv(tu_db, sk, NULL, NULL, f, &e), 0);
	fclose(f);
	free(text);
	expect_identity();
	expect_intact();
}
END_TEST

START_TEST(entries_listing)
{
	int64_t camp, who, id, next;
	struct err e = { 0 };
	json_t *l, *b, *x;
	int i;

	camp = add_campaign(
	    "list", "text", "{\"currency\":\"RUB\",\"per_item\":1000}");
	who = add_person("lister", ROLE_CONTRIBUTOR, &camp, 1);
	for (i = 0; i < 5; i++) {
		id = tu_add_text(who, camp, "Привет");
		decide_ok(id, "validated");
	}
	decide_ok(id, "rejected");
	ck_assert_int_eq(pay(who, "RUB", 1500, "bank", "SBP-77", &e), 0);
	l = ledger_entries_json(tu_db, who, 0, 3, &next, &e);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(json_array_size(l), 3);
	x = json_array_get(l, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(x, "kind")), "payout");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(x, "amount")), -1500);
	ck_assert_str_eq(
	    json_string_value(json_object_get(x, "text")), "-15.00");
	ck_assert_str_eq(
	    json_string_value(json_object_get(x, "reference")), "SBP-77");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(x, "balance")), 2500);
	x = json_array_get(l, 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(x, "kind")), "reversal");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(x, "contribution")), id);
	ck_assert_int_gt(next, 0);
	json_decref(l);
	l = ledger_entries_json(tu_db, who, next, 10, &next, &e);
	ck_assert_int_eq(json_array_size(l), 4);
	ck_assert_int_eq(next, 0);
	json_decref(l);
	b = ledger_balances_json(tu_db, who, &e);
	ck_assert_int_eq(json_array_size(b), 1);
	x = json_array_get(b, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(x, "text")), "25.00");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(x, "accrued")), 5000);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(x, "reversed")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(x, "paid")), 1500);
	json_decref(b);
}
END_TEST

/* --- the property test --- */

#define P_PEOPLE 12
#define P_STEPS  2500

/* What the test knows of a contribution. */
struct pitem {
	int64_t id, account;
	int cur;      /* 0 GHS, 1 ISK */
	int64_t rate; /* what validation earns */
	int status;   /* 0 pending, 1 validated, 2 rejected, 3 withdrawn */
	int64_t held;
	int audio;
};

static const char *const pcur[2] = { "GHS", "ISK" };

START_TEST(property)
{
	static struct pitem items[P_STEPS + 64];
	int64_t people[P_PEOPLE], camps[3], model[P_PEOPLE][2], before;
	unsigned seed = 20240611;
	struct ledger_royalty ro;
	struct err e;
	int n = 0, step, i, k, op, refused = 0, payouts = 0, royalties = 0;
	char ref[32], v[32];

	camps[0] = add_campaign(
	    "prop-gh", "text", "{\"currency\":\"GHS\",\"per_item\":50}");
	camps[1] = add_campaign("prop-clip", "audio",
	    "{\"currency\":\"GHS\",\"per_item\":10,\"per_audio_second\":3}");
	camps[2] = add_campaign(
	    "prop-is", "text", "{\"currency\":\"ISK\",\"per_item\":120}");
	for (i = 0; i < P_PEOPLE; i++) {
		char h[16];

		snprintf(h, sizeof(h), "prop-%02d", i);
		people[i] = add_person(h, ROLE_CONTRIBUTOR, camps, 3);
		model[i][0] = model[i][1] = 0;
	}
	for (step = 0; step < P_STEPS; step++) {
		op = rand_r(&seed) % 100;
		if (op < 22 || n < 5) { /* a new contribution */
			struct pitem *it = &items[n++];
			int c = rand_r(&seed) % 3;
			double secs = 1 + (rand_r(&seed) % 9000) / 1000.0;

			k = rand_r(&seed) % P_PEOPLE;
			it->account = k;
			it->cur = c == 2;
			it->audio = c == 1;
			if (c == 1) {
				struct ledger_pay p = { "GHS", 10, 3 };

				it->id = add_audio(people[k], camps[1], secs);
				it->rate = ledger_pay_amount(&p, secs);
			} else {
				it->id = tu_add_text(
				    people[k], camps[c], c ? "Halló" : "Woezɔ");
				it->rate = c ? 120 : 50;
			}
		} else if (op < 50) { /* validate, or override back */
			struct pitem *it = &items[rand_r(&seed) % n];

			if (it->status == 3) {
				ck_assert_int_eq(
				    decide(it->id, "validated", &e), -1);
				ck_assert_int_eq(e.code, ERR_CONFLICT);
				refused++;
			} else {
				decide_ok(it->id, "validated");
				if (it->held == 0) {
					it->held = it->rate;
					model[it->account][it->cur] += it->rate;
				}
				it->status = 1;
			}
		} else if (op < 62) { /* override to rejected */
			struct pitem *it = &items[rand_r(&seed) % n];

			if (it->status == 3) {
				ck_assert_int_eq(
				    decide(it->id, "rejected", &e), -1);
				refused++;
			} else {
				decide_ok(it->id, "rejected");
				model[it->account][it->cur] -= it->held;
				it->held = 0;
				it->status = 2;
			}
		} else if (op < 68) { /* withdraw: nothing clawed back */
			struct pitem *it = &items[rand_r(&seed) % n];

			if (it->status != 3) {
				withdraw(people[it->account], it->id);
				it->status = 3;
			}
		} else if (op < 93) { /* a payout, sometimes too much */
			int c = rand_r(&seed) % 2;
			int64_t have, amount;
			static const char *const m[] = { "mobile_money", "bank",
				"cash", "other" };
			const char *method = m[rand_r(&seed) % 4];

			k = rand_r(&seed) % P_PEOPLE;
			have = model[k][c];
			amount = 1 +
			    rand_r(&seed) %
				(have > 0 ? have + have / 4 + 2 : 40);
			snprintf(ref, sizeof(ref), "P-%d", step);
			before = entries();
			if (pay(people[k], pcur[c], amount, method, ref, &e) ==
			    0) {
				ck_assert_msg(amount <= have,
				    "paid %lld of %lld", (long long)amount,
				    (long long)have);
				model[k][c] -= amount;
				payouts++;
			} else {
				ck_assert_msg(amount > have,
				    "refused %lld of %lld: %s",
				    (long long)amount, (long long)have, e.msg);
				ck_assert_int_eq(e.code, ERR_CONFLICT);
				ck_assert_int_eq(entries(), before);
				refused++;
			}
		} else { /* a royalty on a release of what is validated */
			int64_t ids[64], total;
			int m = 0, audio = rand_r(&seed) % 2, c;
			sqlite3_stmt *st;
			int64_t rel;

			for (i = n - 1; i >= 0 && m < 64; i--)
				if (items[i].status == 1 &&
				    items[i].audio == audio)
					ids[m++] = items[i].id;
			if (m == 0)
				continue;
			rel = add_release(ids, m, v);
			c = rand_r(&seed) % 2;
			total = rand_r(&seed) % 3 == 0
			    ? rand_r(&seed) % 7
			    : 1 + rand_r(&seed) % 100000;
			if (total == 0)
				total = 1;
			ck_assert_msg(
			    royalty(v, pcur[c], total, 0, &ro, &e) == 0, "%s",
			    e.msg);
			ck_assert_int_eq(tu_q_int("SELECT sum(amount) FROM "
						  "ledger_entries WHERE "
						  "release_id = ?1",
					     rel),
			    total);
			ck_assert_int_eq(sqlite3_prepare_v2(db_handle(tu_db),
					     "SELECT account_id, amount FROM "
					     "ledger_entries WHERE "
					     "release_id = ?1",
					     -1, &st, NULL),
			    SQLITE_OK);
			sqlite3_bind_int64(st, 1, rel);
			while (sqlite3_step(st) == SQLITE_ROW) {
				for (k = 0; k < P_PEOPLE; k++)
					if (people[k] ==
					    sqlite3_column_int64(st, 0))
						model[k][c] +=
						    sqlite3_column_int64(st, 1);
			}
			sqlite3_finalize(st);
			royalties++;
		}
		/* After every step: the model, the identity. */
		for (k = 0; k < P_PEOPLE; k++)
			for (i = 0; i < 2; i++)
				ck_assert_msg(
				    bal(people[k], pcur[i]) == model[k][i],
				    "step %d: %s of person %d: %lld, want %lld",
				    step, pcur[i], k,
				    (long long)bal(people[k], pcur[i]),
				    (long long)model[k][i]);
		if (step % 10 == 0)
			expect_identity();
		if (step % 250 == 0)
			expect_intact();
	}
	expect_identity();
	expect_intact();
	ck_assert_int_gt(payouts, 50);
	ck_assert_int_gt(refused, 20);
	ck_assert_int_gt(royalties, 10);
	ck_assert_int_gt(tu_q_int("SELECT count(*) FROM ledger_entries WHERE "
				  "kind = 'reversal'",
			     0),
	    20);
	ck_assert_int_gt(tu_q_int("SELECT count(*) FROM ledger_balances WHERE "
				  "balance < 0",
			     0),
	    -1);
}
END_TEST

/* --- many writers at once --- */

#define T_THREADS 4
#define T_ITEMS   30
#define T_OPS     120

struct tstate {
	int64_t people[2];
	int64_t items[T_ITEMS];
	int64_t owner[T_ITEMS];
	unsigned seed;
	int failures, paid, refused;
	char why[600];
	const char *release; /* the royalty thread's */
};

static void
tfail(struct tstate *t, const char *what, const struct err *e)
{
	if (t->failures++ == 0)
		snprintf(
		    t->why, sizeof(t->why), "%s: %s", what, e ? e->msg : "");
}

static void *
worker(void *arg)
{
	struct tstate *t = arg;
	struct ledger_balance b;
	struct err e;
	struct db *db;
	int i, op, k;
	char ref[32];

	if ((db = db_open(tu_dbpath, DB_READONLY, &e)) == NULL) {
		tfail(t, "open", &e);
		return (NULL);
	}
	for (i = 0; i < T_OPS; i++) {
		op = rand_r(&t->seed) % 100;
		k = rand_r(&t->seed) % T_ITEMS;
		memset(&e, 0, sizeof(e));
		if (op < 40) {
			if (decide(t->items[k], "validated", &e) == -1 &&
			    e.code != ERR_CONFLICT)
				tfail(t, "validate", &e);
		} else if (op < 60) {
			if (decide(t->items[k], "rejected", &e) == -1 &&
			    e.code != ERR_CONFLICT)
				tfail(t, "reject", &e);
		} else if (op < 65) {
			struct contrib_withdraw w = { 0 };

			w.id = t->items[k];
			w.account_id = t->owner[k];
			w.actor = t->owner[k];
			if (writer_run(
				tu_writer, contrib_withdraw_job, &w, &e) == -1)
				tfail(t, "withdraw", &e);
		} else {
			int64_t who = t->people[rand_r(&t->seed) % 2];

			if (ledger_balance(db, who, "GHS", &b, &e) == -1) {
				tfail(t, "balance", &e);
				continue;
			}
			snprintf(ref, sizeof(ref), "T%u-%d", t->seed, i);
			if (pay(who, "GHS",
				1 +
				    rand_r(&t->seed) %
					(b.balance > 0 ? b.balance + 20 : 20),
				"mobile_money", ref, &e) == 0)
				t->paid++;
			else if (e.code == ERR_CONFLICT)
				t->refused++;
			else
				tfail(t, "payout", &e);
		}
	}
	db_close(db);
	return (NULL);
}

static void *
royalties(void *arg)
{
	struct tstate *t = arg;
	struct ledger_royalty ro;
	struct err e;
	int i;

	for (i = 0; i < 15; i++) {
		memset(&ro, 0, sizeof(ro));
		ro.release = t->release;
		ro.currency = "GHS";
		ro.amount = 1 + rand_r(&t->seed) % 5000;
		memset(&e, 0, sizeof(e));
		/* Items of the release may all be rejected or withdrawn by
		** now: then nobody is left to share with. */
		if (writer_run(tu_writer, ledger_royalty_job, &ro, &e) == 0)
			t->paid++;
		else if (e.code != ERR_CONFLICT)
			tfail(t, "royalty", &e);
	}
	return (NULL);
}

START_TEST(threads)
{
	struct tstate ts[T_THREADS + 1];
	pthread_t th[T_THREADS + 1];
	int64_t camp, rel_items[T_THREADS * 2];
	char v[32];
	int t, i;

	camp = add_campaign(
	    "threads", "text", "{\"currency\":\"GHS\",\"per_item\":75}");
	memset(ts, 0, sizeof(ts));
	for (t = 0; t < T_THREADS; t++) {
		for (i = 0; i < 2; i++) {
			char h[16];

			snprintf(h, sizeof(h), "thr-%d-%d", t, i);
			ts[t].people[i] =
			    add_person(h, ROLE_CONTRIBUTOR, &camp, 1);
		}
		for (i = 0; i < T_ITEMS; i++) {
			ts[t].owner[i] = ts[t].people[i % 2];
			ts[t].items[i] =
			    tu_add_text(ts[t].owner[i], camp, "Ndewo");
		}
		for (i = 0; i < 2; i++) {
			decide_ok(ts[t].items[i], "validated");
			rel_items[t * 2 + i] = ts[t].items[i];
		}
		ts[t].seed = 1000u + (unsigned)t;
	}
	add_release(rel_items, T_THREADS * 2, v);
	ts[T_THREADS].release = v;
	ts[T_THREADS].seed = 99;
	for (t = 0; t < T_THREADS; t++)
		ck_assert_int_eq(
		    pthread_create(&th[t], NULL, worker, &ts[t]), 0);
	ck_assert_int_eq(
	    pthread_create(&th[T_THREADS], NULL, royalties, &ts[T_THREADS]), 0);
	for (t = 0; t <= T_THREADS; t++)
		pthread_join(th[t], NULL);
	for (t = 0; t <= T_THREADS; t++)
		ck_assert_msg(
		    ts[t].failures == 0, "thread %d: %s", t, ts[t].why);
	for (t = 0, i = 0; t < T_THREADS; t++)
		i += ts[t].paid;
	ck_assert_int_gt(i, 10);
	ck_assert_int_gt(ts[T_THREADS].paid, 0);
	expect_identity();
	expect_intact();
	/* Every contribution holds what it should: a validated one its
	** rate, a rejected one nothing; a withdrawn one what it had. */
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM contributions c WHERE "
		     "c.campaign_id = ?1 AND (SELECT coalesce(sum(CASE kind "
		     "WHEN 'accrual' THEN amount ELSE -amount END), 0) FROM "
		     "ledger_entries WHERE contribution_id = c.id) NOT IN "
		     "(CASE c.status WHEN 'validated' THEN 75 WHEN 'rejected' "
		     "THEN 0 WHEN 'pending' THEN 0 ELSE -1 END, CASE c.status "
		     "WHEN 'withdrawn' THEN 0 ELSE -1 END, CASE c.status WHEN "
		     "'withdrawn' THEN 75 ELSE -1 END)",
		camp),
	    0);
}
END_TEST

/* --- the CLI --- */

START_TEST(cli_keygen_verify)
{
	char node[600], key[600], out[4096], pub[640];
	const char *init[] = { "init", "--data", node, NULL };
	const char *gen[] = { "ledger", "keygen", "--data", node, "--out", key,
		NULL };
	const char *gen2[] = { "ledger", "keygen", "--out", key, NULL };
	const char *ver[] = { "ledger", "verify", "--data", node, NULL };
	struct stat sb;
	void *before, *after;
	size_t n1, n2;

	snprintf(node, sizeof(node), "%s/node", tu_base);
	snprintf(key, sizeof(key), "%s/treasurer.key", tu_base);
	snprintf(pub, sizeof(pub), "%s.pub", key);
	ck_assert_int_eq(tu_cli(out, sizeof(out), init), 0);
	ck_assert_msg(tu_cli(out, sizeof(out), gen) == 0, "%s", out);
	ck_assert_int_eq(stat(key, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(pub, &sb), 0);
	before = tu_slurp(key, &n1);
	ck_assert_int_eq(n1, 65);
	/* Never overwritten, with or without a node. */
	ck_assert_int_ne(tu_cli(out, sizeof(out), gen), 0);
	ck_assert_int_ne(tu_cli(out, sizeof(out), gen2), 0);
	after = tu_slurp(key, &n2);
	ck_assert_int_eq(n1, n2);
	ck_assert_int_eq(memcmp(before, after, n1), 0);
	free(before);
	free(after);
	ck_assert_msg(tu_cli(out, sizeof(out), ver) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "ledger intact: 0 entries"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ledger");
	TCase *pure = tcase_create("pure");
	TCase *tc = tcase_create("writer");
	TCase *prop = tcase_create("property");
	TCase *cli = tcase_create("cli");

	tcase_add_test(pure, currency_table);
	tcase_add_test(pure, money_text);
	tcase_add_test(pure, largest_remainder);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, pay_parsing);
	tcase_add_test(tc, pay_stored);
	tcase_add_test(tc, vote_accrues);
	tcase_add_test(tc, override_and_withdrawal);
	tcase_add_test(tc, payout_rules);
	tcase_add_test(tc, royalty_on_release);
	tcase_add_test(tc, royalty_nobody);
	tcase_add_test(tc, chain_verify);
	tcase_add_test(tc, chain_documented);
	tcase_add_test(tc, sealed_contacts);
	tcase_add_test(tc, csv_parsing);
	tcase_add_test(tc, payout_csv_round_trip);
	tcase_add_test(tc, entries_listing);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(prop, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(prop, 600);
	tcase_add_test(prop, property);
	tcase_add_test(prop, threads);
	suite_add_tcase(s, prop);

	tcase_add_checked_fixture(cli, tu_base_setup, tu_base_teardown);
	tcase_set_timeout(cli, 120);
	tcase_add_test(cli, cli_keygen_verify);
	suite_add_tcase(s, cli);
	return (tu_suite_run(s));
}
