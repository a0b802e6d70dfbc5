/*
** Community review (review.h) on a real SQLite file through a real writer:
** the decision rule over tables of votes (majority, its tie rule,
** unanimous); votes deciding an item in the job that casts them, every
** refusal with its name and code (own item, not their language, a second
** vote, decided, withdrawn), Idempotency-Key replays and a key used for
** another vote, a "personal data" vote putting the item on the
** correction list; eight reviewers voting on one item at once (one
** decision, no vote lost, every later vote refused); the queue's order
** and who is offered what; a correction (a new revision, the old text
** gone from the table and from the bytes of node.db and its WAL, audited)
** and a maintainer's decision (audited; refused on a withdrawn item); and
** the figures a maintainer reads (totals, reasons, thirty days).
*/
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "campaign.h"
#include "consent.h"
#include "consent_record.h"
#include "contrib.h"
#include "db.h"
#include "review.h"
#include "testutil.h"
#include "writer.h"

/* The audit actions review.c writes. */
#define ACT_CORRECTED "contribution.corrected"
#define ACT_DECIDED   "contribution.decided"

/* --- helpers --- */

/* An account ${handle} with ${role} speaking ${langs} (a JSON array),
** set by account_languages_job as the CLI would (actor 0). */
static int64_t
add_account(const char *handle, enum account_role role, const char *langs)
{
	struct account_languages al = { 0 };
	struct err e = { 0 };
	json_error_t je;
	json_t *raw;

	al.id = tu_add_account(handle, role);
	ck_assert_msg((raw = json_loads(langs, 0, &je)) != NULL, "%s", je.text);
	al.languages = languages_check(raw, &e);
	ck_assert_msg(al.languages != NULL, "%s: %s", langs, e.msg);
	tu_run_ok(account_languages_job, &al);
	json_decref(al.languages);
	json_decref(raw);
	return (al.id);
}

/* A reviewer speaking Ewe. */
static int64_t
reviewer(const char *handle)
{
	return (add_account(handle, ROLE_REVIEWER, "[\"ee\"]"));
}

/*
** A campaign ${slug} in Ewe of ${kind} ("text" or "audio") whose rule is
** ${min} votes by ${rule} ("majority" or "unanimous"); its id. The rule
** the campaigns table then holds is checked.
*/
static int64_t
add_campaign(const char *slug, const char *kind, int min, const char *rule)
{
	char def[1024], *r;
	int64_t id;

	snprintf(def, sizeof(def),
	    "{\"slug\":\"%s\",\"title\":\"Review drive %s\","
	    "\"language\":\"ee\",\"kind\":\"%s\",\"consent\":\"general\","
	    "\"required_scopes\":[\"%s\"],\"minimum_age\":16%s,"
	    "\"prompts\":[\"Tell us about a song your grandmother sang.\","
	    "\"Describe the market on a busy day.\"],"
	    "\"review\":{\"min_votes\":%d,\"rule\":\"%s\"}}",
	    slug, slug, kind,
	    strcmp(kind, "text") == 0 ? "publish_text" : "publish_voice",
	    strcmp(kind, "text") == 0 ? ",\"max_chars\":2000" : "", min, rule);
	id = tu_add_campaign(def);
	ck_assert_int_eq(
	    tu_q_int("SELECT review_min_votes FROM campaigns WHERE "
		     "id = ?1",
		id),
	    min);
	r = tu_q_text("SELECT review_rule FROM campaigns WHERE id = ?1", id);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r, rule);
	free(r);
	return (id);
}

/* A live consent of ${account} to ${campaign}, to publish text and
** voice; its id. */
static int64_t
give_consent(int64_t account, int64_t campaign)
{
	return (tu_give_consent(
	    account, campaign, "[\"publish_text\",\"publish_voice\"]"));
}

/* A contributor speaking Ewe with a live consent to ${campaign}. */
static int64_t
contributor(const char *handle, int64_t campaign)
{
	int64_t id = add_account(handle, ROLE_CONTRIBUTOR, "[\"ee\"]");

	give_consent(id, campaign);
	return (id);
}

static int key_seq;

/*
** Fills ${c} for a new ${kind} contribution by ${account} to ${campaign}
** under their live consent, with a fresh key (${prefix}-N, into ${key})
** and request hash; its number N is returned.
*/
static int
contrib_fill(struct contrib_new *c, int64_t account, int64_t campaign,
    const char *kind, const char *prefix, char key[32])
{
	struct err e = { 0 };

	memset(c, 0, sizeof(*c));
	snprintf(key, 32, "%s-%d", prefix, ++key_seq);
	c->account_id = account;
	c->campaign_id = campaign;
	c->consent_id = contrib_live_consent(tu_db, account, campaign, &e);
	ck_assert_msg(c->consent_id > 0, "no live consent: %s", e.msg);
	c->key = key;
	c->kind = kind;
	c->report_json = "{}";
	snprintf(c->request_sha, sizeof(c->request_sha), "%064x", key_seq);
	return (key_seq);
}

/* A new pending text contribution of ${text} by ${account} to ${campaign}
** (the consent is their live one); its id. */
static int64_t
add_text(int64_t account, int64_t campaign, const char *text)
{
	struct contrib_new c;
	char key[32];

	contrib_fill(&c, account, campaign, "text", "contrib", key);
	c.text = text;
	c.prompt = "Describe the market on a busy day.";
	tu_run_ok(contrib_create_job, &c);
	ck_assert_int_gt(c.id, 0);
	ck_assert_int_eq(c.replayed, 0);
	return (c.id);
}

/* A new pending recording of ${secs} seconds by ${account}; its id. */
static int64_t
add_audio(int64_t account, int64_t campaign, double secs)
{
	struct contrib_new c;
	char key[32], sha[65];
	int n = contrib_fill(&c, account, campaign, "audio", "audio", key);

	snprintf(sha, sizeof(sha), "%064x", 0xa000 + n);
	c.audio_sha256 = sha;
	c.duration = secs;
	c.sample_rate = 16000;
	tu_run_ok(contrib_create_job, &c);
	ck_assert_int_gt(c.id, 0);
	return (c.id);
}

/* ${account} withdraws their contribution ${id}. */
static void
withdraw(int64_t account, int64_t id)
{
	struct contrib_withdraw w = { 0 };

	w.id = id;
	w.account_id = account;
	w.actor = account;
	tu_run_ok(contrib_withdraw_job, &w);
	ck_assert_int_eq(w.count, 1);
}

/* A reason for a down vote that is neither personal_data nor other. */
static const char *
plain_reason(void)
{
	int i;

	for (i = 0; i < REVIEW_NREASONS; i++)
		if (strcmp(review_reasons[i], "personal_data") != 0 &&
		    strcmp(review_reasons[i], "other") != 0)
			return (review_reasons[i]);
	ck_abort_msg("no plain reason in review_reasons");
	return (NULL);
}

/* Fills ${v}: ${who} votes ${dir} (1 up, -1 down) on ${item} with
** ${reason} (down votes; NULL: plain_reason()) under ${key}. The request
** hash stands for the item, the vote and the reason. */
static void
vote_fill(struct review_vote *v, int64_t who, int64_t item, int dir,
    const char *reason, const char *key)
{
	unsigned long h = 5381;
	const char *p;

	memset(v, 0, sizeof(*v));
	v->account_id = who;
	v->contribution_id = item;
	v->vote = dir;
	v->reason = dir < 0 ? (reason ? reason : plain_reason()) : NULL;
	v->key = key;
	for (p = v->reason ? v->reason : ""; *p; p++)
		h = h * 33 + (unsigned char)*p;
	snprintf(v->request_sha, sizeof(v->request_sha), "%016llx%032lx%016x",
	    (unsigned long long)item, h, dir > 0 ? 1 : 2);
}

/* Runs ${v} on the writer: 0, or -1 with ${e} set. */
static int
vote_run(struct review_vote *v, struct err *e)
{
	memset(e, 0, sizeof(*e));
	return (writer_run(tu_writer, review_vote_job, v, e));
}

/* ${who} votes ${dir} on ${item} with a fresh key; the vote must be
** taken. The item's status after it. */
static const char *
vote_ok(int64_t who, int64_t item, int dir, const char *reason)
{
	static int seq;
	struct review_vote v;
	struct err e;
	char key[32];

	snprintf(key, sizeof(key), "vote-%d", ++seq);
	vote_fill(&v, who, item, dir, reason, key);
	ck_assert_msg(vote_run(&v, &e) == 0, "vote by %lld on %lld: %s (%s)",
	    (long long)who, (long long)item, e.msg, err_name(e.code));
	ck_assert_int_gt(v.id, 0);
	ck_assert_int_eq(v.replayed, 0);
	ck_assert_ptr_null(v.refusal);
	ck_assert_ptr_nonnull(v.status);
	return (v.status);
}

/* Contribution ${item}'s counters: ${up} votes up, ${down} down. */
static void
expect_votes(int64_t item, long long up, long long down)
{
	ck_assert_int_eq(
	    tu_q_int("SELECT votes_up FROM contributions WHERE id = ?1", item),
	    up);
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT votes_down FROM contributions WHERE id = ?1", item),
	    down);
}

/* ${who}'s vote on ${item} (fresh key) is refused with ${code} and
** ${refusal}; nothing of it is written. */
static void
vote_refused(
    int64_t who, int64_t item, int dir, enum err_code code, const char *refusal)
{
	static int seq;
	struct review_vote v;
	struct err e;
	long long rows, up, down;
	char key[32];

	rows = tu_q_int("SELECT count(*) FROM reviews", 0);
	up = tu_q_int("SELECT votes_up FROM contributions WHERE id = ?1", item);
	down = tu_q_int(
	    "SELECT votes_down FROM contributions WHERE id = ?1", item);
	snprintf(key, sizeof(key), "refused-%d", ++seq);
	vote_fill(&v, who, item, dir, NULL, key);
	ck_assert_msg(vote_run(&v, &e) == -1, "%s: the vote was taken",
	    refusal ? refusal : "refusal");
	ck_assert_msg(e.code == code, "%s: error %s (%s), want %s",
	    refusal ? refusal : "refusal", err_name(e.code), e.msg,
	    err_name(code));
	if (refusal == NULL)
		ck_assert_ptr_null(v.refusal);
	else {
		ck_assert_msg(v.refusal != NULL, "no refusal, want %s (%s)",
		    refusal, e.msg);
		ck_assert_str_eq(v.refusal, refusal);
	}
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM reviews", 0), rows);
	expect_votes(item, up, down);
}

/* The status of contribution ${id} in the table, into ${buf}. */
static const char *
status_of(int64_t id, char buf[16])
{
	char *s =
	    tu_q_text("SELECT status FROM contributions WHERE id = ?1", id);

	ck_assert_msg(s != NULL, "no contribution %lld", (long long)id);
	snprintf(buf, 16, "%s", s);
	free(s);
	return (buf);
}

#define expect_status(id, want)                                                \
	do {                                                                   \
		char b_[16];                                                   \
		ck_assert_str_eq(status_of((id), b_), (want));                 \
	} while (0)

/* ${sql} about the audit log prepared on tu_db, ?1 bound to ${subject}
** and ?2 to ${action}. */
static sqlite3_stmt *
audit_stmt(const char *sql, const char *action, int64_t subject)
{
	sqlite3_stmt *st;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(tu_db), sql, -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, subject);
	sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
	return (st);
}

/* Audit rows with ${action} about ${subject}. */
static long long
audits(const char *action, int64_t subject)
{
	sqlite3_stmt *st = audit_stmt("SELECT count(*) FROM audit_log WHERE "
				      "action = ?2 AND subject_id = ?1",
	    action, subject);
	long long n;

	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (n);
}

/* The detail of the latest audit row with ${action} about ${subject},
** malloc'd (NULL if none). */
static char *
audit_detail(const char *action, int64_t subject)
{
	sqlite3_stmt *st = audit_stmt("SELECT detail FROM audit_log WHERE "
				      "action = ?2 AND subject_id = ?1 ORDER "
				      "BY id DESC LIMIT 1",
	    action, subject);
	char *d = NULL;

	if (sqlite3_step(st) == SQLITE_ROW)
		d = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return (d);
}

/* --- the rule, without a database --- */

struct decide_case {
	int min, unanimous, up, down;
	const char *want;
};

/*
** The rule's answers, each row a vote sequence's running count. Majority
** (unanimous 0): decided at min_votes with more on one side; a tie only
** at min_votes + 1 or more, and then rejected. Unanimous (1): at
** min_votes, validated only if no vote is down.
*/
static const struct decide_case decide_cases[] = {
	/* min 2: up, up */
	{ 2, 0, 0, 0, "pending" },
	{ 2, 0, 1, 0, "pending" },
	{ 2, 0, 2, 0, "validated" },
	/* down, down */
	{ 2, 0, 0, 1, "pending" },
	{ 2, 0, 0, 2, "rejected" },
	/* up, down: a tie below min + 1 waits */
	{ 2, 0, 1, 1, "pending" },
	/* up, down, up / up, down, down */
	{ 2, 0, 2, 1, "validated" },
	{ 2, 0, 1, 2, "rejected" },
	/* a tie at min + 1 and more */
	{ 2, 0, 2, 2, "rejected" },
	{ 2, 0, 3, 3, "rejected" },
	/* min 3: up, down, ... */
	{ 3, 0, 1, 1, "pending" },
	{ 3, 0, 2, 1, "validated" },
	{ 3, 0, 1, 2, "rejected" },
	{ 3, 0, 3, 0, "validated" },
	{ 3, 0, 0, 3, "rejected" },
	{ 3, 0, 2, 0, "pending" },
	{ 3, 0, 0, 2, "pending" },
	/* 2-2 is four votes: min 3 + 1, rejected */
	{ 3, 0, 2, 2, "rejected" },
	/* min 4: 2-2 is below min + 1, pending; 3-2 decides */
	{ 4, 0, 2, 2, "pending" },
	{ 4, 0, 3, 1, "validated" },
	{ 4, 0, 1, 3, "rejected" },
	{ 4, 0, 3, 2, "validated" },
	{ 4, 0, 2, 3, "rejected" },
	{ 4, 0, 3, 0, "pending" },
	/* min 1: the first vote decides */
	{ 1, 0, 0, 0, "pending" },
	{ 1, 0, 1, 0, "validated" },
	{ 1, 0, 0, 1, "rejected" },
	{ 1, 0, 1, 1, "rejected" },
	/* min 9 */
	{ 9, 0, 8, 0, "pending" },
	{ 9, 0, 5, 4, "validated" },
	{ 9, 0, 4, 5, "rejected" },
	{ 9, 0, 5, 5, "rejected" },
	/* unanimous */
	{ 2, 1, 0, 0, "pending" },
	{ 2, 1, 1, 0, "pending" },
	{ 2, 1, 2, 0, "validated" },
	{ 2, 1, 0, 1, "pending" },
	{ 2, 1, 1, 1, "rejected" },
	{ 2, 1, 0, 2, "rejected" },
	{ 3, 1, 2, 0, "pending" },
	{ 3, 1, 3, 0, "validated" },
	{ 3, 1, 2, 1, "rejected" },
	{ 3, 1, 1, 1, "pending" },
	{ 3, 1, 5, 1, "rejected" },
	{ 1, 1, 1, 0, "validated" },
	{ 1, 1, 0, 1, "rejected" },
};

/* review_decide() gives every row of decide_cases whose rule is
** ${unanimous} its answer. */
static void
decide_table(int unanimous)
{
	const struct decide_case *t = decide_cases;
	struct review_rule r;
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(decide_cases) / sizeof(decide_cases[0]); i++) {
		if (t[i].unanimous != unanimous)
			continue;
		r.min_votes = t[i].min;
		r.unanimous = t[i].unanimous;
		got = review_decide(&r, t[i].up, t[i].down);
		ck_assert_msg(got != NULL && strcmp(got, t[i].want) == 0,
		    "%s, min %d, %d up %d down: %s, want %s",
		    t[i].unanimous ? "unanimous" : "majority", t[i].min,
		    t[i].up, t[i].down, got ? got : "NULL", t[i].want);
	}
}

/* Majority: decided at min_votes with more on one side; a tie only at
** min_votes + 1 or more, and then rejected. */
START_TEST(test_decide_majority)
{
	decide_table(0);
}
END_TEST

/* Unanimous: at min_votes, validated only if no vote is down. */
START_TEST(test_decide_unanimous)
{
	decide_table(1);
}
END_TEST

START_TEST(test_reasons)
{
	int i, j, pd = 0, other = 0;

	for (i = 0; i < REVIEW_NREASONS; i++) {
		ck_assert_ptr_nonnull(review_reasons[i]);
		ck_assert_int_eq(review_reason_ok(review_reasons[i]), 1);
		pd += strcmp(review_reasons[i], "personal_data") == 0;
		other += strcmp(review_reasons[i], "other") == 0;
		for (j = 0; j < i; j++)
			ck_assert_str_ne(review_reasons[i], review_reasons[j]);
	}
	ck_assert_int_eq(pd, 1);
	ck_assert_int_eq(other, 1);
	ck_assert_int_eq(review_reason_ok(""), 0);
	ck_assert_int_eq(review_reason_ok("Personal_data"), 0);
	ck_assert_int_eq(review_reason_ok("personal_data "), 0);
	ck_assert_int_eq(review_reason_ok("personal"), 0);
}
END_TEST

/* --- votes through the writer --- */

/*
** Sequences of votes, each decided (or not) by the job that casts it: the
** job's answer and the table agree, decided_at is set with the decision,
** and the item leaves the pending state at once.
*/
START_TEST(test_vote_decides)
{
	int64_t maj, una, tie, author, r[5], it;
	struct review_vote v;
	struct err e;
	char key[16];
	int i;

	maj = add_campaign("maj", "text", 2, "majority");
	una = add_campaign("una", "text", 2, "unanimous");
	tie = add_campaign("tie", "text", 4, "majority");
	author = contributor("author", maj);
	give_consent(author, una);
	give_consent(author, tie);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "rev%d", i);
		r[i] = reviewer(key);
	}

	/* up, up: validated by the second vote, in its job. */
	it = add_text(author, maj, "Up and up.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	expect_status(it, "pending");
	ck_assert_int_eq(
	    tu_q_int("SELECT decided_at FROM contributions WHERE id = ?1", it),
	    -2);
	vote_fill(&v, r[1], it, 1, NULL, "k-upup");
	ck_assert_msg(vote_run(&v, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(v.status, "validated");
	ck_assert_int_eq(v.up, 2);
	ck_assert_int_eq(v.down, 0);
	expect_status(it, "validated");
	ck_assert_int_gt(
	    tu_q_int("SELECT decided_at FROM contributions WHERE id = ?1", it),
	    0);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes_up * 10 + votes_down FROM contributions "
		     "WHERE id = ?1",
		it),
	    20);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", it), 2);
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT count(*) FROM reviews WHERE contribution_id = ?1", it),
	    2);

	/* down, down: rejected. */
	it = add_text(author, maj, "Down and down.");
	ck_assert_str_eq(vote_ok(r[0], it, -1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, -1, NULL), "rejected");
	expect_status(it, "rejected");
	ck_assert_int_gt(
	    tu_q_int("SELECT decided_at FROM contributions WHERE id = ?1", it),
	    0);

	/* up, down: a tie below min + 1 waits; up, down, up: validated. */
	it = add_text(author, maj, "Up, down, up.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, -1, NULL), "pending");
	expect_status(it, "pending");
	ck_assert_int_eq(
	    tu_q_int("SELECT decided_at FROM contributions WHERE id = ?1", it),
	    -2);
	ck_assert_str_eq(vote_ok(r[2], it, 1, NULL), "validated");
	expect_status(it, "validated");

	/* up, down, down: rejected. */
	it = add_text(author, maj, "Up, down, down.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, -1, NULL), "pending");
	vote_fill(&v, r[2], it, -1, NULL, "k-udd");
	ck_assert_msg(vote_run(&v, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(v.status, "rejected");
	ck_assert_int_eq(v.up, 1);
	ck_assert_int_eq(v.down, 2);
	expect_status(it, "rejected");

	/* Unanimous, two votes: up, down is rejected; up, up validated. */
	it = add_text(author, una, "Not everyone agreed.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, -1, NULL), "rejected");
	expect_status(it, "rejected");
	it = add_text(author, una, "Everyone agreed.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, 1, NULL), "validated");
	expect_status(it, "validated");

	/* Majority of four: 2-2 is below min + 1 and waits; the fifth vote
	** decides. */
	it = add_text(author, tie, "Two and two.");
	ck_assert_str_eq(vote_ok(r[0], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[1], it, -1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[2], it, 1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r[3], it, -1, NULL), "pending");
	expect_status(it, "pending");
	ck_assert_str_eq(vote_ok(r[4], it, -1, NULL), "rejected");
	expect_status(it, "rejected");
	ck_assert_int_eq(
	    tu_q_int("SELECT votes_up * 10 + votes_down FROM contributions "
		     "WHERE id = ?1",
		it),
	    23);

	/* The counters moved with every decision: maj has 2 validated and
	** 2 rejected. */
	ck_assert_int_eq(tu_q_int("SELECT n FROM campaign_status WHERE "
				  "campaign_id = ?1 AND status = 'validated'",
			     maj),
	    2);
	ck_assert_int_eq(tu_q_int("SELECT n FROM campaign_status WHERE "
				  "campaign_id = ?1 AND status = 'rejected'",
			     maj),
	    2);
	ck_assert_int_eq(
	    tu_q_int("SELECT coalesce(sum(n), 0) FROM campaign_status "
		     "WHERE campaign_id = ?1 AND status = 'pending'",
		maj),
	    0);
}
END_TEST

/*
** Every refusal names itself and writes nothing: own item and not their
** language (ERR_FORBIDDEN), a second vote, a decided item, a withdrawn
** one (ERR_CONFLICT), no such item (ERR_NOT_FOUND). The same key for the
** same vote is a replay (the first vote's id, nothing new, even after it
** decided the item); the same key on the same item for another vote is
** ERR_CONFLICT with no refusal name; a key names a vote on one item, so
** the same key on another item is that item's own vote.
*/
START_TEST(test_vote_refusals)
{
	int64_t camp, author, r1, r2, r3, french, a, b, c, d;
	struct review_vote v, again;
	long long rows;
	struct err e;

	camp = add_campaign("refuse", "text", 2, "majority");
	author = contributor("author", camp);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	r3 = reviewer("rev3");
	french = add_account("french", ROLE_REVIEWER, "[\"fr\",\"eee\"]");
	give_consent(r1, camp);
	a = add_text(author, camp, "The first item.");
	b = add_text(author, camp, "The second item.");
	c = add_text(author, camp, "The third item.");
	d = add_text(r1, camp, "The reviewer's own item.");

	/* Own item. */
	vote_refused(r1, d, 1, ERR_FORBIDDEN, REVIEW_OWN_ITEM);
	/* Not their language. */
	vote_refused(french, a, 1, ERR_FORBIDDEN, REVIEW_NOT_LANGUAGE);
	vote_refused(french, a, -1, ERR_FORBIDDEN, REVIEW_NOT_LANGUAGE);
	/* No such item. */
	vote_refused(r1, d + 1000, 1, ERR_NOT_FOUND, NULL);

	/* A vote, then the same vote with the same key: a replay. */
	vote_fill(&v, r1, a, 1, NULL, "key-a");
	ck_assert_msg(vote_run(&v, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(v.replayed, 0);
	ck_assert_str_eq(v.status, "pending");
	ck_assert_int_eq(v.up, 1);
	rows = tu_q_int("SELECT count(*) FROM reviews", 0);
	vote_fill(&again, r1, a, 1, NULL, "key-a");
	ck_assert_msg(vote_run(&again, &e) == 0, "replay: %s", e.msg);
	ck_assert_int_eq(again.replayed, 1);
	ck_assert_ptr_null(again.refusal);
	ck_assert_int_eq(again.id, v.id);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM reviews", 0), rows);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", a), 1);

	/* A second vote on the same item, new key: refused. */
	vote_refused(r1, a, 1, ERR_CONFLICT, REVIEW_SECOND_VOTE);
	vote_refused(r1, a, -1, ERR_CONFLICT, REVIEW_SECOND_VOTE);

	/* The same key on the same item for another vote (down, not up):
	** conflict, no refusal name, nothing written. */
	vote_fill(&again, r1, a, -1, "noise", "key-a");
	ck_assert_int_eq(vote_run(&again, &e), -1);
	ck_assert_msg(e.code == ERR_CONFLICT, "key reused: %s (%s)",
	    err_name(e.code), e.msg);
	ck_assert_ptr_null(again.refusal);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM reviews", 0), rows);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", a), 1);
	/* The same key on another item is that item's vote: r1 votes on b
	** with it, and the key still replays r1's vote on a. */
	vote_fill(&again, r1, b, -1, "noise", "key-a");
	ck_assert_msg(vote_run(&again, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(again.replayed, 0);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", b), 1);
	vote_fill(&again, r1, a, 1, NULL, "key-a");
	ck_assert_msg(vote_run(&again, &e) == 0, "replay: %s", e.msg);
	ck_assert_int_eq(again.replayed, 1);
	ck_assert_int_eq(again.id, v.id);

	/* Decided: a gets a second up vote; a third reviewer is refused. */
	vote_fill(&v, r2, a, 1, NULL, "key-decides");
	ck_assert_msg(vote_run(&v, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(v.status, "validated");
	vote_refused(r3, a, 1, ERR_CONFLICT, REVIEW_DECIDED);
	vote_refused(r3, a, -1, ERR_CONFLICT, REVIEW_DECIDED);
	/* The deciding vote sent again is its replay, not a refusal. */
	vote_fill(&again, r2, a, 1, NULL, "key-decides");
	ck_assert_msg(
	    vote_run(&again, &e) == 0, "replay after decision: %s", e.msg);
	ck_assert_int_eq(again.replayed, 1);
	ck_assert_int_eq(again.id, v.id);
	ck_assert_ptr_null(again.refusal);
	expect_status(a, "validated");
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", a), 2);

	/* Withdrawn: refused, whoever votes. */
	withdraw(author, c);
	vote_refused(r2, c, 1, ERR_CONFLICT, REVIEW_WITHDRAWN);
	vote_refused(r3, c, -1, ERR_CONFLICT, REVIEW_WITHDRAWN);
	expect_status(c, "withdrawn");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT count(*) FROM reviews WHERE contribution_id = ?1", c),
	    0);
	/* A withdrawn item that had votes keeps them, and takes no more. */
	withdraw(author, b);
	vote_refused(r2, b, 1, ERR_CONFLICT, REVIEW_WITHDRAWN);
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT count(*) FROM reviews WHERE contribution_id = ?1", b),
	    1);
}
END_TEST

/* A "personal data" vote puts the item on the correction list; another
** reason does not. */
START_TEST(test_vote_personal_data)
{
	int64_t camp, author, r1, r2, a, b;

	camp = add_campaign("pd", "text", 3, "majority");
	author = contributor("author", camp);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	a = add_text(author, camp, "Something with a name left in.");
	b = add_text(author, camp, "Something merely noisy.");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", a),
	    0);
	ck_assert_str_eq(vote_ok(r1, a, -1, "personal_data"), "pending");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", a),
	    1);
	ck_assert_str_eq(vote_ok(r1, b, -1, NULL), "pending");
	ck_assert_str_eq(vote_ok(r2, b, 1, NULL), "pending");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", b),
	    0);
	/* The reason is kept with the vote. */
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM reviews WHERE "
				  "contribution_id = ?1 AND reason = "
				  "'personal_data' AND vote = -1",
			     a),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contributions WHERE "
				  "needs_correction = 1 AND campaign_id = ?1",
			     camp),
	    1);
}
END_TEST

/* --- eight reviewers at once --- */

#define NTHREADS 8

struct voter {
	pthread_t t;
	pthread_barrier_t *start;
	struct writer_job job;
	struct review_vote v;
	char key[32];
};

static void *
voter_main(void *arg)
{
	struct voter *w = arg;

	pthread_barrier_wait(w->start);
	writer_submit(tu_writer, &w->job);
	return (NULL);
}

/*
** Eight reviewers vote on one item from eight threads at once (min_votes
** 3: any three votes decide). Exactly three votes are taken, the item is
** decided once (its status is the rule's for the votes taken, the
** counters moved once), every other vote is refused already_decided, and
** no vote is lost: the reviews rows are the votes taken. ${gated}: the
** writer is held first, so all eight run in one batch.
*/
static void
race_round(
    int64_t camp, int64_t item, const int64_t *rev, int gated, const char *tag)
{
	struct voter w[NTHREADS];
	struct writer_job gate;
	pthread_barrier_t start;
	struct review_rule rule = { 3, 0 };
	int i, taken = 0, refused = 0, up = 0, down = 0, deciders = 0;
	char st[16];

	memset(w, 0, sizeof(w));
	if (gated)
		tu_gate_hold(&gate);
	else
		tu_gate_reset();
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (i = 0; i < NTHREADS; i++) {
		snprintf(w[i].key, sizeof(w[i].key), "%s-%d", tag, i);
		vote_fill(
		    &w[i].v, rev[i], item, i % 2 ? -1 : 1, NULL, w[i].key);
		w[i].job.fn = review_vote_job;
		w[i].job.arg = &w[i].v;
		w[i].job.done = tu_gate_done;
		w[i].start = &start;
		ck_assert_int_eq(
		    pthread_create(&w[i].t, NULL, voter_main, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(w[i].t, NULL);
	pthread_barrier_destroy(&start);
	tu_gate_release(NTHREADS + gated);

	for (i = 0; i < NTHREADS; i++) {
		if (w[i].job.status == WRITER_OK) {
			ck_assert_ptr_null(w[i].v.refusal);
			ck_assert_int_gt(w[i].v.id, 0);
			taken++;
			if (w[i].v.vote > 0)
				up++;
			else
				down++;
			continue;
		}
		ck_assert_msg(w[i].job.status == WRITER_FAILED,
		    "%s vote %d: writer status %d (%s)", tag, i,
		    w[i].job.status, w[i].job.err.msg);
		ck_assert_msg(w[i].job.err.code == ERR_CONFLICT,
		    "%s vote %d: %s (%s)", tag, i, err_name(w[i].job.err.code),
		    w[i].job.err.msg);
		ck_assert_msg(w[i].v.refusal != NULL &&
			strcmp(w[i].v.refusal, REVIEW_DECIDED) == 0,
		    "%s vote %d refused as %s", tag, i,
		    w[i].v.refusal ? w[i].v.refusal : "NULL");
		refused++;
	}
	ck_assert_msg(taken == 3, "%s: %d votes taken, want 3", tag, taken);
	ck_assert_int_eq(refused, NTHREADS - 3);
	/* Nothing lost, nothing counted twice. */
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM reviews WHERE contribution_id = ?1",
		item),
	    taken);
	expect_votes(item, up, down);
	ck_assert_int_eq(
	    tu_q_int("SELECT votes FROM contributions WHERE id = ?1", item),
	    taken);
	ck_assert_str_eq(status_of(item, st), review_decide(&rule, up, down));
	ck_assert_str_ne(st, "pending");
	ck_assert_int_gt(
	    tu_q_int(
		"SELECT decided_at FROM contributions WHERE id = ?1", item),
	    0);
	/* Every taken vote's answer: the status after it is pending for all
	** but the one that decided. */
	for (i = 0; i < NTHREADS; i++)
		if (w[i].job.status == WRITER_OK &&
		    strcmp(w[i].v.status, "pending") != 0) {
			ck_assert_str_eq(w[i].v.status, st);
			deciders++;
		}
	ck_assert_msg(
	    deciders == 1, "%s: %d votes say they decided it", tag, deciders);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM reviews WHERE "
				  "contribution_id = ?1 AND campaign_id = "
				  "(SELECT campaign_id FROM contributions "
				  "WHERE id = ?1)",
			     item),
	    taken);
	ck_assert_int_eq(tu_q_int("SELECT campaign_id FROM contributions WHERE "
				  "id = ?1",
			     item),
	    camp);
}

START_TEST(test_vote_concurrent)
{
	int64_t camp, author, rev[NTHREADS], a, b;
	char handle[16];
	int i;

	camp = add_campaign("race", "text", 3, "majority");
	author = contributor("author", camp);
	for (i = 0; i < NTHREADS; i++) {
		snprintf(handle, sizeof(handle), "racer%d", i);
		rev[i] = reviewer(handle);
	}
	a = add_text(author, camp, "Voted on by eight at once.");
	b = add_text(author, camp, "Voted on by eight in one batch.");
	race_round(camp, a, rev, 0, "free");
	race_round(camp, b, rev, 1, "gated");
	/* Two decisions in the counters, nothing pending. */
	ck_assert_int_eq(
	    tu_q_int("SELECT sum(n) FROM campaign_status WHERE "
		     "campaign_id = ?1 AND status IN ('validated', "
		     "'rejected')",
		camp),
	    2);
	ck_assert_int_eq(
	    tu_q_int("SELECT coalesce(sum(n), 0) FROM campaign_status "
		     "WHERE campaign_id = ?1 AND status = 'pending'",
		camp),
	    0);
	ck_assert_int_eq(tu_q_int("SELECT sum(validated + rejected) FROM "
				  "campaign_days WHERE campaign_id = ?1",
			     camp),
	    2);
	ck_assert_int_eq(tu_q_int("SELECT sum(votes) FROM campaign_days WHERE "
				  "campaign_id = ?1",
			     camp),
	    6);
}
END_TEST

/* --- the queue --- */

/* The id review_next() offers ${who} in ${camp}, 0 if none. */
static int64_t
next_id(int64_t camp, int64_t who)
{
	struct err e = { 0 };
	json_t *o = NULL;
	int64_t id;
	int rc;

	rc = review_next(tu_db, camp, who, &o, &e);
	ck_assert_msg(rc != -1, "review_next: %s", e.msg);
	if (rc == 0) {
		ck_assert_ptr_null(o);
		return (0);
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(json_is_object(o), "review_next gave no object");
	ck_assert(json_is_integer(json_object_get(o, "id")));
	id = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	return (id);
}

/*
** review_next(): most votes first, then oldest; never the reviewer's own
** item nor one they voted on; a withdrawn item leaves at once; 0 when
** nothing is left.
*/
START_TEST(test_queue_order)
{
	int64_t camp, other, author, r, v1, v2, v3, a, b, c, d, own, elsewhere;
	struct err e = { 0 };
	json_t *o = NULL;

	camp = add_campaign("queue", "text", 9, "majority");
	other = add_campaign("queue-other", "text", 9, "majority");
	author = contributor("author", camp);
	give_consent(author, other);
	r = reviewer("rev");
	give_consent(r, camp);
	v1 = reviewer("voter1");
	v2 = reviewer("voter2");
	v3 = reviewer("voter3");

	ck_assert_int_eq(next_id(camp, r), 0);
	a = add_text(author, camp, "Oldest, no votes.");
	b = add_text(author, camp, "One vote.");
	c = add_text(author, camp, "Two votes.");
	d = add_text(author, camp, "Newest, no votes.");
	own = add_text(r, camp, "The reviewer's own, three votes.");
	elsewhere = add_text(author, other, "In another campaign, four votes.");
	vote_ok(v1, b, 1, NULL);
	vote_ok(v1, c, 1, NULL);
	vote_ok(v2, c, -1, NULL);
	vote_ok(v1, own, 1, NULL);
	vote_ok(v2, own, 1, NULL);
	vote_ok(v3, own, 1, NULL);
	vote_ok(v1, elsewhere, 1, NULL);
	vote_ok(v2, elsewhere, 1, NULL);
	vote_ok(v3, elsewhere, 1, NULL);

	/* The answer's shape. */
	ck_assert_int_eq(review_next(tu_db, camp, r, &o, &e), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "id")), c);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "text")), "Two votes.");
	ck_assert_str_eq(json_string_value(json_object_get(o, "kind")), "text");
	ck_assert_str_eq(json_string_value(json_object_get(o, "prompt")),
	    "Describe the market on a busy day.");
	ck_assert(json_is_null(json_object_get(o, "audio")));
	ck_assert(json_is_integer(json_object_get(o, "created_at")));
	json_decref(o);

	/* Most votes first (own item and the other campaign's not offered),
	** then by age; what r voted on leaves r's queue. */
	ck_assert_int_eq(next_id(camp, r), c);
	vote_ok(r, c, 1, NULL);
	ck_assert_int_eq(next_id(camp, r), b);
	vote_ok(r, b, 1, NULL);
	/* b now has two votes, c three: both voted on by r, neither
	** offered; a and d tie at none, a is older. */
	ck_assert_int_eq(next_id(camp, r), a);
	/* Withdrawn: out of the queue at once. */
	withdraw(author, a);
	ck_assert_int_eq(next_id(camp, r), d);
	vote_ok(r, d, -1, NULL);
	ck_assert_int_eq(next_id(camp, r), 0);

	/* The author is offered only what is not theirs: r's item. */
	ck_assert_int_eq(next_id(camp, author), own);
	ck_assert_int_eq(next_id(other, r), elsewhere);
	ck_assert_int_eq(next_id(other, author), 0);

	/* review_count_today: r cast three votes today, none tomorrow. */
	ck_assert_int_eq(review_count_today(tu_db, r, time(NULL), &e), 3);
	ck_assert_int_eq(
	    review_count_today(tu_db, r, time(NULL) + 86400, &e), 0);
	ck_assert_int_eq(review_count_today(tu_db, v1, time(NULL), &e), 4);
}
END_TEST

/* A queue where a decision takes an item out at once. */
START_TEST(test_queue_decided)
{
	int64_t camp, author, r1, r2, r3, a, b;

	camp = add_campaign("queue2", "text", 2, "majority");
	author = contributor("author", camp);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	r3 = reviewer("rev3");
	a = add_text(author, camp, "Decided soon.");
	b = add_text(author, camp, "Left waiting.");
	ck_assert_int_eq(next_id(camp, r3), a);
	vote_ok(r1, a, 1, NULL);
	ck_assert_int_eq(next_id(camp, r3), a);
	vote_ok(r2, a, 1, NULL);
	ck_assert_int_eq(next_id(camp, r3), b);
	vote_ok(r1, b, 1, NULL);
	vote_ok(r2, b, -1, NULL); /* 1-1: still pending */
	ck_assert_int_eq(next_id(camp, r3), b);
	vote_ok(r3, b, 1, NULL);
	ck_assert_int_eq(next_id(camp, r3), 0);
	ck_assert_int_eq(next_id(camp, r1), 0);
}
END_TEST

/* review_speaks: the account's languages list the language, exactly. */
START_TEST(test_speaks)
{
	struct err e = { 0 };
	int64_t ewe, both, fr, near, none;

	ewe = add_account("ewe", ROLE_REVIEWER, "[\"ee\"]");
	both = add_account("both", ROLE_REVIEWER, "[\"fr\",\"ee\"]");
	fr = add_account("french", ROLE_REVIEWER, "[\"fr\"]");
	near = add_account("near", ROLE_REVIEWER, "[\"eee\",\"ewe\"]");
	none = add_account("none", ROLE_REVIEWER, "[]");
	ck_assert_int_eq(review_speaks(tu_db, ewe, "ee", &e), 1);
	ck_assert_int_eq(review_speaks(tu_db, both, "ee", &e), 1);
	ck_assert_int_eq(review_speaks(tu_db, both, "fr", &e), 1);
	ck_assert_int_eq(review_speaks(tu_db, fr, "ee", &e), 0);
	ck_assert_int_eq(review_speaks(tu_db, near, "ee", &e), 0);
	ck_assert_int_eq(review_speaks(tu_db, none, "ee", &e), 0);
	ck_assert_int_eq(review_speaks(tu_db, ewe, "fr", &e), 0);
	ck_assert_int_eq(review_speaks(tu_db, 99999, "ee", &e), 0);
}
END_TEST

/* --- corrections and decisions --- */

#define OLD_TEXT                                                               \
	"My neighbour Zanetor Quarshie-Ablorh sells kenkey by the blue "       \
	"gate."
#define NEW_TEXT "My neighbour [NAME] sells kenkey by the blue gate."
#define SECRET   "Quarshie-Ablorh"

/* ${actor}'s correction of item ${id} to ${text} is refused
** (ERR_CONFLICT) as ${refusal}, and the item keeps its one revision. */
static void
correct_refused(
    int64_t id, int64_t actor, const char *text, const char *refusal)
{
	struct review_correct rc = { 0 };

	rc.id = id;
	rc.actor = actor;
	rc.text = text;
	rc.report_json = "{}";
	rc.reason = "no";
	tu_run_fails(review_correct_job, &rc, ERR_CONFLICT);
	ck_assert_ptr_nonnull(rc.refusal);
	ck_assert_str_eq(rc.refusal, refusal);
	ck_assert_int_eq(tu_q_int("SELECT max(revision) FROM "
				  "contribution_revisions WHERE "
				  "contribution_id = ?1",
			     id),
	    1);
}

/*
** A reviewer finds a name left in; the maintainer corrects the item: a
** new revision with the new text, the old revision's text gone (NULL),
** the item off the correction list, audited with the reason and the kinds
** removed; and once the node is closed not one byte of the old text is in
** node.db or its WAL. A recording cannot be corrected (not_text), nor a
** withdrawn item; an unknown id is ERR_NOT_FOUND.
*/
START_TEST(test_correct)
{
	int64_t camp, audio, author, r1, mia, it, rec, gone;
	struct review_correct rc = { 0 };
	char *t, *detail;

	camp = add_campaign("fix", "text", 3, "majority");
	audio = add_campaign("fix-audio", "audio", 3, "majority");
	author = contributor("author", camp);
	give_consent(author, audio);
	r1 = reviewer("rev1");
	mia = add_account("mia", ROLE_MAINTAINER, "[\"ee\"]");
	it = add_text(author, camp, OLD_TEXT);
	rec = add_audio(author, audio, 2.5);
	gone = add_text(author, camp, "Withdrawn before its correction.");
	vote_ok(r1, it, -1, "personal_data");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", it),
	    1);

	rc.id = it;
	rc.actor = mia;
	rc.text = NEW_TEXT;
	rc.report_json = "{\"NAME\":1}";
	rc.reason = "a full name was left in";
	tu_run_ok(review_correct_job, &rc);
	ck_assert_int_eq(rc.revision, 2);
	ck_assert_ptr_null(rc.refusal);
	t = tu_q_text("SELECT text FROM contribution_revisions WHERE "
		      "contribution_id = ?1 AND revision = 2",
	    it);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(t, NEW_TEXT);
	free(t);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contribution_revisions "
				  "WHERE contribution_id = ?1 AND revision = 1 "
				  "AND text IS NULL",
			     it),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contribution_revisions "
				  "WHERE instr(text, '" SECRET "') OR "
				  "instr(prompt, '" SECRET "')",
			     0),
	    0);
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", it),
	    0);
	expect_status(it, "pending");
	ck_assert_int_eq(audits(ACT_CORRECTED, it), 1);
	detail = audit_detail(ACT_CORRECTED, it);
	ck_assert_ptr_nonnull(detail);
	ck_assert_msg(strstr(detail, "a full name was left in") != NULL,
	    "the reason is not in the audit row: %s", detail);
	ck_assert_msg(strstr(detail, "NAME") != NULL,
	    "the kinds removed are not in the audit row: %s", detail);
	ck_assert_msg(strstr(detail, SECRET) == NULL,
	    "the audit row holds the old text: %s", detail);
	free(detail);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log WHERE "
				  "instr(detail, '" SECRET "')",
			     0),
	    0);
	/* The reader sees the new text. */
	{
		struct err e = { 0 };
		json_t *c = contrib_json(tu_db, 0, it, &e);

		ck_assert_msg(c != NULL, "%s", e.msg);
		ck_assert_str_eq(
		    json_string_value(json_object_get(c, "text")), NEW_TEXT);
		json_decref(c);
	}

	/* A recording: not_text. */
	correct_refused(rec, mia, "Words for a recording.", "not_text");
	/* Withdrawn. */
	withdraw(author, gone);
	correct_refused(gone, mia, "Too late.", REVIEW_WITHDRAWN);
	ck_assert_int_eq(audits(ACT_CORRECTED, gone), 0);
	/* No such item. */
	memset(&rc, 0, sizeof(rc));
	rc.id = gone + 1000;
	rc.actor = mia;
	rc.text = "Too late.";
	rc.report_json = "{}";
	rc.reason = "no";
	tu_run_fails(review_correct_job, &rc, ERR_NOT_FOUND);

	/* Closed: the old text is nowhere in the files. */
	writer_stop(tu_writer);
	tu_writer = NULL;
	db_close(tu_db);
	tu_db = NULL;
	tu_expect_not_on_disk(tu_dbpath, SECRET);
	tu_expect_not_on_disk(tu_dbpath, "Zanetor");
	/* The check can fail: the new text is there. */
	ck_assert_int_eq(tu_file_has(tu_dbpath, "[NAME] sells kenkey"), 1);
}
END_TEST

/* Fills ${d}: ${actor} decides that item ${id} is ${status}, for
** ${reason}. */
static void
decision_fill(struct review_decision *d, int64_t id, int64_t actor,
    const char *status, const char *reason)
{
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->actor = actor;
	d->status = status;
	d->reason = reason;
}

/*
** A maintainer overrides the votes: a validated item becomes rejected
** with a reason, audited with from, to and the reason, and leaves the
** correction list; a pending one is decided; a withdrawn item is refused
** (withdrawn), an unknown one ERR_NOT_FOUND.
*/
START_TEST(test_decision)
{
	int64_t camp, author, r1, r2, mia, a, b, c;
	struct review_decision d;
	long long before;
	char *detail;

	camp = add_campaign("decide", "text", 2, "majority");
	author = contributor("author", camp);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	mia = add_account("mia", ROLE_MAINTAINER, "[\"ee\"]");
	a = add_text(author, camp, "Validated by the votes.");
	b = add_text(author, camp, "Waiting, with a name reported.");
	c = add_text(author, camp, "Withdrawn.");
	vote_ok(r1, a, 1, NULL);
	ck_assert_str_eq(vote_ok(r2, a, 1, NULL), "validated");
	vote_ok(r1, b, -1, "personal_data");

	before = tu_q_int("SELECT count(*) FROM audit_log", 0);
	decision_fill(&d, a, mia, "rejected", "it quotes a copyrighted song");
	tu_run_ok(review_decision_job, &d);
	ck_assert_ptr_null(d.refusal);
	expect_status(a, "rejected");
	ck_assert_int_gt(
	    tu_q_int("SELECT decided_at FROM contributions WHERE id = ?1", a),
	    0);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM audit_log", 0), before + 1);
	ck_assert_int_eq(audits(ACT_DECIDED, a), 1);
	detail = audit_detail(ACT_DECIDED, a);
	ck_assert_ptr_nonnull(detail);
	ck_assert_msg(strstr(detail, "it quotes a copyrighted song") != NULL,
	    "no reason in %s", detail);
	ck_assert_msg(strstr(detail, "validated") != NULL &&
		strstr(detail, "rejected") != NULL,
	    "no from and to in %s", detail);
	free(detail);
	ck_assert_int_eq(
	    tu_q_int("SELECT actor_id FROM audit_log WHERE action = "
		     "'" ACT_DECIDED "' ORDER BY id DESC LIMIT 1",
		0),
	    mia);
	/* The counters followed: a is counted rejected, not validated. */
	ck_assert_int_eq(
	    tu_q_int("SELECT coalesce(sum(n), 0) FROM campaign_status "
		     "WHERE campaign_id = ?1 AND status = "
		     "'validated'",
		camp),
	    0);
	ck_assert_int_eq(tu_q_int("SELECT n FROM campaign_status WHERE "
				  "campaign_id = ?1 AND status = 'rejected'",
			     camp),
	    1);

	/* A pending item on the correction list, decided: off the list. */
	decision_fill(
	    &d, b, mia, "validated", "the name is the author's own stage name");
	tu_run_ok(review_decision_job, &d);
	expect_status(b, "validated");
	ck_assert_int_eq(
	    tu_q_int(
		"SELECT needs_correction FROM contributions WHERE id = ?1", b),
	    0);
	ck_assert_int_eq(audits(ACT_DECIDED, b), 1);

	/* Withdrawn: refused, nothing changed or audited. */
	withdraw(author, c);
	before = tu_q_int("SELECT count(*) FROM audit_log", 0);
	decision_fill(&d, c, mia, "validated", "too late");
	tu_run_fails(review_decision_job, &d, ERR_CONFLICT);
	ck_assert_ptr_nonnull(d.refusal);
	ck_assert_str_eq(d.refusal, REVIEW_WITHDRAWN);
	expect_status(c, "withdrawn");
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM audit_log", 0), before);
	/* No such item. */
	d.id = c + 1000;
	d.refusal = NULL;
	tu_run_fails(review_decision_job, &d, ERR_NOT_FOUND);
}
END_TEST

/* The correction list and the decided items as a maintainer reads
** them. */
START_TEST(test_items)
{
	int64_t camp, author, r1, r2, a, b, c, next = -1;
	struct err e = { 0 };
	json_t *list, *it, *reasons;

	camp = add_campaign("items", "text", 2, "majority");
	author = contributor("author", camp);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	a = add_text(author, camp, "A name left in.");
	b = add_text(author, camp, "Fine.");
	c = add_text(author, camp, "Also fine.");
	vote_ok(r1, a, -1, "personal_data");
	vote_ok(r1, b, 1, NULL);
	vote_ok(r2, b, 1, NULL);
	vote_ok(r1, c, 1, NULL);
	vote_ok(r2, c, 1, NULL);

	list = review_items(tu_db, camp, NULL, 0, 10, &next, &e);
	ck_assert_msg(list != NULL, "%s", e.msg);
	ck_assert_uint_eq(json_array_size(list), 1);
	it = json_array_get(list, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(it, "id")), a);
	ck_assert_str_eq(
	    json_string_value(json_object_get(it, "status")), "pending");
	reasons = json_object_get(it, "reasons");
	ck_assert_msg(json_is_array(reasons) && json_array_size(reasons) == 1,
	    "reasons of the correction list's item");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_array_get(reasons, 0), "reason")),
	    "personal_data");
	ck_assert_int_eq(next, 0);
	json_decref(list);

	/* Validated, newest first, one to a page. */
	next = -1;
	list = review_items(tu_db, camp, "validated", 0, 1, &next, &e);
	ck_assert_msg(list != NULL, "%s", e.msg);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(list, 0), "id")),
	    c);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(
		json_object_get(json_array_get(list, 0), "votes"), "up")),
	    2);
	json_decref(list);
	ck_assert_int_gt(next, 0);
	list = review_items(tu_db, camp, "validated", next, 1, &next, &e);
	ck_assert_msg(list != NULL, "%s", e.msg);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_array_get(list, 0), "id")),
	    b);
	json_decref(list);
	if (next != 0) {
		list =
		    review_items(tu_db, camp, "validated", next, 1, &next, &e);
		ck_assert_msg(list != NULL, "%s", e.msg);
		ck_assert_uint_eq(json_array_size(list), 0);
		json_decref(list);
	}
}
END_TEST

/* --- the figures --- */

static long long
jint_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_integer(v), "\"%s\" is not an integer", k);
	return (json_integer_value(v));
}

static double
jnum_of(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	ck_assert_msg(json_is_number(v), "\"%s\" is not a number", k);
	return (json_number_value(v));
}

/*
** After a few votes and decisions: the totals, the reasons and today's
** entry in thirty days (the earlier ones empty), also for a recording's
** seconds once it is validated.
*/
START_TEST(test_stats)
{
	int64_t camp, audio, c1, c2, r1, r2, i1, i2, i3, i4, i5, rec;
	struct err e = { 0 };
	time_t now = time(NULL);
	json_t *s, *tot, *reasons, *days, *day, *dv;
	size_t i;
	int k;

	camp = add_campaign("stats", "text", 2, "majority");
	audio = add_campaign("stats-audio", "audio", 2, "majority");
	c1 = contributor("contrib1", camp);
	c2 = contributor("contrib2", camp);
	give_consent(c1, audio);
	r1 = reviewer("rev1");
	r2 = reviewer("rev2");
	i1 = add_text(c1, camp, "Validated.");
	i2 = add_text(c1, camp, "Rejected, a name in it.");
	i3 = add_text(c1, camp, "One vote.");
	i4 = add_text(c1, camp, "Withdrawn.");
	i5 = add_text(c2, camp, "No votes.");
	vote_ok(r1, i1, 1, NULL);
	ck_assert_str_eq(vote_ok(r2, i1, 1, NULL), "validated");
	vote_ok(r1, i2, -1, plain_reason());
	ck_assert_str_eq(vote_ok(r2, i2, -1, "personal_data"), "rejected");
	vote_ok(r1, i3, 1, NULL);
	withdraw(c1, i4);
	(void)i5;
	rec = add_audio(c1, audio, 3.5);
	vote_ok(r1, rec, 1, NULL);
	ck_assert_str_eq(vote_ok(r2, rec, 1, NULL), "validated");

	s = review_stats(tu_db, camp, (int64_t)now, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	tot = json_object_get(s, "totals");
	ck_assert_msg(json_is_object(tot), "no totals");
	ck_assert_int_eq(jint_of(tot, "pending"), 2);
	ck_assert_int_eq(jint_of(tot, "validated"), 1);
	ck_assert_int_eq(jint_of(tot, "rejected"), 1);
	ck_assert_int_eq(jint_of(tot, "withdrawn"), 1);
	ck_assert(jnum_of(tot, "validated_seconds") == 0);
	ck_assert_int_eq(jint_of(tot, "contributors"), 2);
	ck_assert_int_eq(jint_of(tot, "reviewers"), 2);
	ck_assert_int_eq(jint_of(tot, "votes"), 5);
	ck_assert_int_eq(jint_of(tot, "queue"), 2);
	ck_assert_int_eq(jint_of(tot, "corrections"), 1);

	reasons = json_object_get(s, "reasons");
	ck_assert_msg(json_is_object(reasons), "no reasons");
	for (k = 0; k < REVIEW_NREASONS; k++) {
		long long want =
		    strcmp(review_reasons[k], plain_reason()) == 0 ||
		    strcmp(review_reasons[k], "personal_data") == 0;

		ck_assert_msg(json_is_integer(
				  json_object_get(reasons, review_reasons[k])),
		    "reason %s is not counted", review_reasons[k]);
		ck_assert_msg(jint_of(reasons, review_reasons[k]) == want,
		    "reason %s: %lld, want %lld", review_reasons[k],
		    jint_of(reasons, review_reasons[k]), want);
	}

	days = json_object_get(s, "days");
	ck_assert_msg(
	    json_is_array(days) && json_array_size(days) == 30, "not 30 days");
	json_array_foreach(days, i, day)
	{
		dv = json_object_get(day, "day");
		if (json_is_integer(dv))
			ck_assert_int_eq(json_integer_value(dv),
			    (long long)(now / 86400) - 29 + (long long)i);
		else {
			char want[16];
			time_t t = (now / 86400 - 29 + (time_t)i) * 86400;
			struct tm tm;

			ck_assert_msg(
			    json_is_string(dv), "day %zu has no day", i);
			gmtime_r(&t, &tm);
			strftime(want, sizeof(want), "%Y-%m-%d", &tm);
			ck_assert_str_eq(json_string_value(dv), want);
		}
		if (i < 29) {
			ck_assert_int_eq(jint_of(day, "submitted"), 0);
			ck_assert_int_eq(jint_of(day, "votes"), 0);
			ck_assert_int_eq(jint_of(day, "validated"), 0);
			continue;
		}
		ck_assert_int_eq(jint_of(day, "submitted"), 5);
		ck_assert_int_eq(jint_of(day, "validated"), 1);
		ck_assert_int_eq(jint_of(day, "rejected"), 1);
		ck_assert_int_eq(jint_of(day, "withdrawn"), 1);
		ck_assert_int_eq(jint_of(day, "votes"), 5);
		ck_assert_int_eq(jint_of(day, "contributors"), 2);
		ck_assert(jnum_of(day, "validated_seconds") == 0);
	}
	json_decref(s);

	/* The recording's seconds count once it is validated. */
	s = review_stats(tu_db, audio, (int64_t)now, &e);
	ck_assert_msg(s != NULL, "%s", e.msg);
	tot = json_object_get(s, "totals");
	ck_assert_int_eq(jint_of(tot, "validated"), 1);
	ck_assert(jnum_of(tot, "validated_seconds") == 3.5);
	ck_assert_int_eq(jint_of(tot, "votes"), 2);
	ck_assert_int_eq(jint_of(tot, "contributors"), 1);
	day = json_array_get(json_object_get(s, "days"), 29);
	ck_assert(jnum_of(day, "validated_seconds") == 3.5);
	json_decref(s);

	/* An empty campaign: zeros, still thirty days. */
	s = review_stats(tu_db, camp + audio + 100, (int64_t)now, &e);
	if (s != NULL) {
		tot = json_object_get(s, "totals");
		ck_assert_int_eq(jint_of(tot, "votes"), 0);
		ck_assert_int_eq(jint_of(tot, "pending"), 0);
		ck_assert_uint_eq(
		    json_array_size(json_object_get(s, "days")), 30);
		json_decref(s);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("review");
	TCase *rule = tcase_create("rule");
	TCase *tc = tcase_create("writer");

	tcase_add_test(rule, test_decide_majority);
	tcase_add_test(rule, test_decide_unanimous);
	tcase_add_test(rule, test_reasons);
	suite_add_tcase(s, rule);

	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_vote_decides);
	tcase_add_test(tc, test_vote_refusals);
	tcase_add_test(tc, test_vote_personal_data);
	tcase_add_test(tc, test_vote_concurrent);
	tcase_add_test(tc, test_queue_order);
	tcase_add_test(tc, test_queue_decided);
	tcase_add_test(tc, test_speaks);
	tcase_add_test(tc, test_correct);
	tcase_add_test(tc, test_decision);
	tcase_add_test(tc, test_items);
	tcase_add_test(tc, test_stats);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
