/*
** Accounts, sessions and drive cards (account.h) on a real SQLite file:
** the role table, handles, account creation and changes with their audit
** rows, sessions (found, wrong, idle, expired, ended, ended by a disable),
** card codes, the card life cycle (first use, wrong PINs, the lock, a right
** PIN, re-issue) and the admin's one-time login code from node_init.
** Then the rule for acts on another account (account_may_act) over every
** pair of roles, and in each writer job that acts (re-issue, role change,
** disable, erase): refused acts change nothing; a re-issue ends the
** account's sessions and a new passphrase every one but the changer's.
** Writes go through a real writer, as in the server.
*/
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "campaign.h"
#include "crypto.h"
#include "db.h"
#include "erase.h"
#include "node.h"
#include "testutil.h"
#include "writer.h"

static void
exec_ok(const char *sql)
{
	struct err e = { 0 };

	ck_assert_msg(db_exec(tu_db, sql, &e) == 0, "%s: %s", sql, e.msg);
}

static const char DEMO_DEF[] =
    "{\"slug\":\"demo-text\",\"title\":\"Community text drive\","
    "\"language\":\"ee\",\"kind\":\"text\",\"consent\":\"general\","
    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
    "\"max_chars\":2000}";

/* --- roles and handles (no database) --- */

START_TEST(test_role_names)
{
	static const char *const names[] = { "contributor", "reviewer",
		"maintainer", "treasurer", "admin" };
	int i;

	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(role_parse(names[i]), ROLE_CONTRIBUTOR + i);
		ck_assert_str_eq(role_name(ROLE_CONTRIBUTOR + i), names[i]);
	}
	ck_assert_int_eq(role_parse("none"), ROLE_NONE);
	ck_assert_int_eq(role_parse("Admin"), ROLE_NONE);
	ck_assert_int_eq(role_parse("admin "), ROLE_NONE);
	ck_assert_int_eq(role_parse(""), ROLE_NONE);
	ck_assert_int_eq(role_parse(NULL), ROLE_NONE);
	ck_assert_str_eq(role_name(ROLE_NONE), "none");
	ck_assert_str_eq(role_name((enum account_role)99), "none");
}
END_TEST

/* allows[have][need], in enum order none, contributor, reviewer,
** maintainer, treasurer, admin. */
static const int allows[6][6] = {
	/* none */ { 1, 0, 0, 0, 0, 0 },
	/* contributor */ { 1, 1, 0, 0, 0, 0 },
	/* reviewer */ { 1, 1, 1, 0, 0, 0 },
	/* maintainer */ { 1, 1, 1, 1, 0, 0 },
	/* treasurer */ { 1, 1, 0, 0, 1, 0 },
	/* admin */ { 1, 1, 1, 1, 1, 1 },
};

START_TEST(test_role_allows)
{
	int have = _i / 6, need = _i % 6;

	ck_assert_msg(role_allows((enum account_role)have,
			  (enum account_role)need) == allows[have][need],
	    "role_allows(%s, %s) should be %d",
	    role_name((enum account_role)have),
	    role_name((enum account_role)need), allows[have][need]);
}
END_TEST

START_TEST(test_handle_check)
{
	static const char *const good[] = { "abc", "a.b_c-9", "0xx",
		"abcdefghijklmnopqrstuvwxyz012345" /* 32 */ };
	static const char *const bad[] = { "", "ab", "Abc", "a b", "a/b", "a@b",
		"caf\xc3\xa9", "abcdefghijklmnopqrstuvwxyz0123456" /* 33 */ };
	struct err e;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(handle_check(good[i], &e) == 0, "\"%s\": %s",
		    good[i], e.msg);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		ck_assert_msg(
		    handle_check(bad[i], &e) == -1, "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(e.code, ERR_INVALID);
		ck_assert_msg(
		    e.msg[0] != '\0', "no message for \"%s\"", bad[i]);
	}
}
END_TEST

START_TEST(test_card_normalize)
{
	char out[CARD_CODE_LEN + 1];

	ck_assert_int_eq(card_normalize("abcd efgh jklm", out), 0);
	ck_assert_str_eq(out, "ABCD-EFGH-JKLM");
	ck_assert_int_eq(card_normalize("ABCDEFGHJKLM", out), 0);
	ck_assert_str_eq(out, "ABCD-EFGH-JKLM");
	ck_assert_int_eq(card_normalize("abcd-EFGH-jk23", out), 0);
	ck_assert_str_eq(out, "ABCD-EFGH-JK23");
	ck_assert_uint_eq(strlen(out), CARD_CODE_LEN);

	ck_assert_int_eq(card_normalize("ABCDEFGHJKL", out), -1);   /* 11 */
	ck_assert_int_eq(card_normalize("ABCDEFGHJKLMN", out), -1); /* 13 */
	ck_assert_int_eq(card_normalize("ABCD-EFGH-JKLM-N", out), -1);
	ck_assert_int_eq(card_normalize("ABCD.EFGH.JKLM", out), -1);
	ck_assert_int_eq(card_normalize("ABCD-EFGH-JKL!", out), -1);
	ck_assert_int_eq(card_normalize("ABCD_EFGH_JKLM", out), -1);
	ck_assert_int_eq(card_normalize("", out), -1);
	ck_assert_int_eq(card_normalize("---", out), -1);
}
END_TEST

/* --- accounts --- */

START_TEST(test_account_create)
{
	struct account_new an = { 0 };
	struct account a;
	struct err e = { 0 };
	int64_t id;
	char sql[200];

	id = tu_add_account("alice", ROLE_CONTRIBUTOR);
	ck_assert_int_eq(account_get(tu_db, "alice", 0, &a, &e), 1);
	ck_assert_int_eq(a.id, id);
	ck_assert_str_eq(a.handle, "alice");
	ck_assert_int_eq(a.role, ROLE_CONTRIBUTOR);
	ck_assert_int_eq(a.disabled, 0);
	ck_assert_ptr_nonnull(a.passphrase_hash);
	ck_assert_str_eq(a.passphrase_hash, "$argon2id$not-a-real-hash");
	account_clear(&a);
	ck_assert_ptr_null(a.passphrase_hash);
	ck_assert_int_eq(account_get(tu_db, NULL, id, &a, &e), 1);
	ck_assert_str_eq(a.handle, "alice");
	account_clear(&a);
	ck_assert_int_eq(account_get(tu_db, "nobody", 0, &a, &e), 0);
	ck_assert_int_eq(account_get(tu_db, NULL, id + 100, &a, &e), 0);

	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE action = 'account.created' "
	    "AND subject_id = %lld",
	    (long long)id);
	ck_assert_int_eq(tu_q_int(sql, 0), 1);

	/* The same handle again is a conflict, and nothing is written. */
	an.handle = "alice";
	an.role = ROLE_ADMIN;
	tu_run_fails(account_create_job, &an, ERR_CONFLICT);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM accounts WHERE handle = 'alice'", 0),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT role = 'contributor' FROM accounts "
				  "WHERE handle = 'alice'",
			     0),
	    1);
	/* A bad handle never reaches the table. */
	an.handle = "Not Valid";
	tu_run_fails(account_create_job, &an, ERR_INVALID);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM accounts", 0), 1);
}
END_TEST

START_TEST(test_account_list)
{
	struct err e = { 0 };
	json_t *list, *v;

	tu_add_account("first", ROLE_ADMIN);
	tu_add_account("second", ROLE_REVIEWER);
	list = account_list(tu_db, &e);
	ck_assert_msg(list != NULL, "account_list: %s", e.msg);
	ck_assert_uint_eq(json_array_size(list), 2);
	v = json_array_get(list, 0);
	ck_assert_str_eq(
	    json_string_value(json_object_get(v, "handle")), "first");
	ck_assert_str_eq(
	    json_string_value(json_object_get(v, "role")), "admin");
	ck_assert(json_is_false(json_object_get(v, "disabled")));
	/* The list never carries a passphrase hash. */
	ck_assert_ptr_null(json_object_get(v, "passphrase_hash"));
	v = json_array_get(list, 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(v, "handle")), "second");
	ck_assert_str_eq(
	    json_string_value(json_object_get(v, "role")), "reviewer");
	json_decref(list);
}
END_TEST

START_TEST(test_account_change)
{
	struct account_change ac = { 0 };
	struct session_new sn = { 0 }, sn2 = { 0 };
	struct session s;
	struct account a;
	struct err e = { 0 };
	int64_t admin, id;
	char sql[300], *detail;

	admin = tu_add_account("root", ROLE_ADMIN);
	id = tu_add_account("carol", ROLE_CONTRIBUTOR);
	sn.account_id = id;
	tu_run_ok(session_create_job, &sn);
	sn2.account_id = id;
	tu_run_ok(session_create_job, &sn2);
	ck_assert_int_eq(session_get(tu_db, sn.token, time(NULL), &s, &e), 1);
	ck_assert_int_eq(s.role, ROLE_CONTRIBUTOR);

	/* Role change: the session sees it at once, and it is audited. */
	ac.id = id;
	ac.role = ROLE_REVIEWER;
	ac.actor = admin;
	tu_run_ok(account_change_job, &ac);
	ck_assert_int_eq(account_get(tu_db, NULL, id, &a, &e), 1);
	ck_assert_int_eq(a.role, ROLE_REVIEWER);
	ck_assert_int_eq(a.disabled, 0);
	account_clear(&a);
	ck_assert_int_eq(session_get(tu_db, sn.token, time(NULL), &s, &e), 1);
	ck_assert_int_eq(s.role, ROLE_REVIEWER);
	snprintf(sql, sizeof(sql),
	    "SELECT detail FROM audit_log WHERE action = 'account.role' AND "
	    "subject_id = %lld AND actor_id = %lld",
	    (long long)id, (long long)admin);
	ck_assert_ptr_nonnull(detail = tu_q_text(sql, 0));
	ck_assert_str_eq(
	    detail, "{\"from\":\"contributor\",\"to\":\"reviewer\"}");
	free(detail);

	/* Disable: every session of the account ends, audited. */
	memset(&ac, 0, sizeof(ac));
	ac.id = id;
	ac.disable = 1;
	ac.actor = admin;
	tu_run_ok(account_change_job, &ac);
	ck_assert_int_eq(account_get(tu_db, NULL, id, &a, &e), 1);
	ck_assert_int_eq(a.disabled, 1);
	ck_assert_int_eq(a.role, ROLE_REVIEWER);
	account_clear(&a);
	ck_assert_int_eq(session_get(tu_db, sn.token, time(NULL), &s, &e), 0);
	ck_assert_int_eq(session_get(tu_db, sn2.token, time(NULL), &s, &e), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM sessions WHERE account_id = %lld",
	    (long long)id);
	ck_assert_int_eq(tu_q_int(sql, 0), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE action = 'account.disabled' "
	    "AND subject_id = %lld AND actor_id = %lld",
	    (long long)id, (long long)admin);
	ck_assert_int_eq(tu_q_int(sql, 0), 1);
	/* A session for a disabled account is refused or never live. */
	memset(&sn, 0, sizeof(sn));
	sn.account_id = id;
	if (writer_run(tu_writer, session_create_job, &sn, &e) == 0)
		ck_assert_int_eq(
		    session_get(tu_db, sn.token, time(NULL), &s, &e), 0);

	/* The admin's own sessions were not touched by any of this. */
	memset(&sn2, 0, sizeof(sn2));
	sn2.account_id = admin;
	tu_run_ok(session_create_job, &sn2);
	ck_assert_int_eq(session_get(tu_db, sn2.token, time(NULL), &s, &e), 1);
	ck_assert_int_eq(s.account_id, admin);

	/* No such account. */
	memset(&ac, 0, sizeof(ac));
	ac.id = id + 1000;
	ac.role = ROLE_ADMIN;
	tu_run_fails(account_change_job, &ac, ERR_NOT_FOUND);
}
END_TEST

/* --- sessions --- */

START_TEST(test_sessions)
{
	struct session_new sn = { 0 }, other = { 0 };
	struct session s;
	struct err e = { 0 };
	char wrong[SESSION_TOKEN_LEN + 1], sql[300];
	time_t now = time(NULL);
	int64_t id;

	id = tu_add_account("dave", ROLE_MAINTAINER);
	sn.account_id = id;
	tu_run_ok(session_create_job, &sn);
	ck_assert_uint_eq(strlen(sn.token), SESSION_TOKEN_LEN);
	ck_assert_uint_eq(strlen(sn.csrf), CSRF_LEN);
	ck_assert_uint_eq(
	    strspn(sn.token,
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
		"xyz0123456789-_"),
	    SESSION_TOKEN_LEN);
	ck_assert_str_ne(sn.token, sn.csrf);

	ck_assert_int_eq(session_get(tu_db, sn.token, now, &s, &e), 1);
	ck_assert_int_eq(s.account_id, id);
	ck_assert_int_eq(s.role, ROLE_MAINTAINER);
	ck_assert_str_eq(s.handle, "dave");
	ck_assert_str_eq(s.csrf, sn.csrf);
	ck_assert_int_ge(s.last_seen, now - 5);

	/* Only the token's hash is stored. */
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM sessions WHERE CAST(token_sha256 AS TEXT) = "
	    "'%s'",
	    sn.token);
	ck_assert_int_eq(tu_q_int(sql, 0), 0);
	ck_assert_int_eq(
	    tu_q_int("SELECT length(token_sha256) FROM sessions", 0), 32);

	/* A different token of the same shape, and garbage. */
	memcpy(wrong, sn.token, sizeof(wrong));
	wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(session_get(tu_db, wrong, now, &s, &e), 0);
	ck_assert_int_eq(session_get(tu_db, "", now, &s, &e), 0);
	ck_assert_int_eq(session_get(tu_db, "short", now, &s, &e), 0);

	/* Two sessions are independent. */
	other.account_id = id;
	tu_run_ok(session_create_job, &other);
	ck_assert_str_ne(other.token, sn.token);
	ck_assert_int_eq(session_get(tu_db, other.token, now, &s, &e), 1);
	ck_assert_str_eq(s.csrf, other.csrf);

	/* Idle too long: last_seen beyond SESSION_IDLE. */
	snprintf(sql, sizeof(sql),
	    "UPDATE sessions SET last_seen = %lld WHERE csrf = '%s'",
	    (long long)(now - SESSION_IDLE - 10), sn.csrf);
	exec_ok(sql);
	ck_assert_int_eq(session_get(tu_db, sn.token, now, &s, &e), 0);
	/* Touching brings it back (last_seen = now). */
	tu_run_ok(session_touch_job, sn.token);
	ck_assert_int_eq(session_get(tu_db, sn.token, now, &s, &e), 1);

	/* Past its absolute expiry, however recently used. */
	snprintf(sql, sizeof(sql),
	    "UPDATE sessions SET expires_at = %lld WHERE csrf = '%s'",
	    (long long)(now - 1), sn.csrf);
	exec_ok(sql);
	ck_assert_int_eq(session_get(tu_db, sn.token, now, &s, &e), 0);
	/* And the other one is still there. */
	ck_assert_int_eq(session_get(tu_db, other.token, now, &s, &e), 1);
	/* A live session seen from a time past its idle limit. */
	ck_assert_int_eq(
	    session_get(tu_db, other.token, now + SESSION_IDLE + 10, &s, &e),
	    0);

	/* Deleted. */
	tu_run_ok(session_delete_job, other.token);
	ck_assert_int_eq(session_get(tu_db, other.token, now, &s, &e), 0);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM sessions WHERE csrf = '%s'", other.csrf);
	ck_assert_int_eq(tu_q_int(sql, 0), 0);
}
END_TEST

/* --- drive cards --- */

/* Reads the card ${code}; it must exist. */
static void
card_must(const char *code, struct card *c)
{
	struct err e = { 0 };

	ck_assert_msg(card_get(tu_db, code, c, &e) == 1,
	    "card %s not found: %s", code, e.msg);
}

START_TEST(test_card_create)
{
	char codes[3][CARD_CODE_LEN + 1], norm[CARD_CODE_LEN + 1];
	struct card_batch cb = { 0 };
	struct card c;
	struct err e = { 0 };
	int64_t campaign;
	int i;

	campaign = tu_add_campaign(DEMO_DEF);
	cb.campaign_id = campaign;
	cb.count = 3;
	cb.codes = codes;
	tu_run_ok(card_create_job, &cb);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(strlen(codes[i]), CARD_CODE_LEN);
		ck_assert_int_eq(card_normalize(codes[i], norm), 0);
		ck_assert_str_eq(norm, codes[i]);
		card_must(codes[i], &c);
		ck_assert_int_eq(c.campaign_id, campaign);
		ck_assert_int_eq(c.account_id, 0);
		ck_assert_ptr_null(c.pin_hash);
		ck_assert_int_eq(c.failed_pins, 0);
		ck_assert_int_eq(c.locked_until, 0);
		ck_assert_int_eq(c.revoked, 0);
		card_clear(&c);
	}
	ck_assert_str_ne(codes[0], codes[1]);
	ck_assert_str_ne(codes[1], codes[2]);
	ck_assert_str_ne(codes[0], codes[2]);
	ck_assert_int_eq(card_get(tu_db, "ZZZZ-ZZZZ-ZZZZ", &c, &e), 0);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM drive_codes", 0), 3);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM audit_log WHERE action = "
		     "'cards.created'",
		0),
	    1);
}
END_TEST

START_TEST(test_card_life)
{
	char codes[1][CARD_CODE_LEN + 1], sql[300];
	struct card_batch cb = { 0 };
	struct card_use cu;
	struct account a;
	struct card c;
	struct err e = { 0 };
	time_t before, after;
	int64_t campaign, holder;
	int i;

	campaign = tu_add_campaign(DEMO_DEF);
	cb.campaign_id = campaign;
	cb.count = 1;
	cb.codes = codes;
	tu_run_ok(card_create_job, &cb);
	card_must(codes[0], &c);
	card_clear(&c);

	/* First use: the PIN is set and an account made for the holder. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	cu.pin_hash = "$argon2id$first-pin";
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.created, 1);
	ck_assert_int_gt(cu.account_id, 0);
	ck_assert_int_eq(cu.failed_pins, 0);
	holder = cu.account_id;
	ck_assert_int_eq(account_get(tu_db, NULL, holder, &a, &e), 1);
	ck_assert_int_eq(a.role, ROLE_CONTRIBUTOR);
	ck_assert_int_eq(handle_check(a.handle, &e), 0);
	ck_assert_ptr_null(a.passphrase_hash);
	account_clear(&a);
	card_must(codes[0], &c);
	ck_assert_int_eq(c.account_id, holder);
	ck_assert_ptr_nonnull(c.pin_hash);
	ck_assert_str_eq(c.pin_hash, "$argon2id$first-pin");
	card_clear(&c);

	/* A second "first use" is refused: the card has a PIN. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	cu.pin_hash = "$argon2id$other-pin";
	tu_run_fails(card_use_job, &cu, ERR_CONFLICT);
	card_must(codes[0], &c);
	ck_assert_str_eq(c.pin_hash, "$argon2id$first-pin");
	card_clear(&c);

	/* Two wrong PINs, then a right one: the count starts over. */
	for (i = 1; i <= 2; i++) {
		memset(&cu, 0, sizeof(cu));
		cu.card_id = c.id;
		cu.ok = 0;
		tu_run_ok(card_use_job, &cu);
		ck_assert_int_eq(cu.failed_pins, i);
	}
	card_must(codes[0], &c);
	ck_assert_int_eq(c.failed_pins, 2);
	card_clear(&c);
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.created, 0);
	ck_assert_int_eq(cu.account_id, holder);
	ck_assert_int_eq(cu.failed_pins, 0);
	card_must(codes[0], &c);
	ck_assert_int_eq(c.failed_pins, 0);
	ck_assert_int_eq(c.locked_until, 0);
	ck_assert_str_eq(c.pin_hash, "$argon2id$first-pin");
	card_clear(&c);

	/* Four wrong PINs count up without a lock. */
	for (i = 1; i < PIN_TRIES; i++) {
		memset(&cu, 0, sizeof(cu));
		cu.card_id = c.id;
		cu.ok = 0;
		tu_run_ok(card_use_job, &cu);
		ck_assert_int_eq(cu.created, 0);
		ck_assert_int_eq(cu.failed_pins, i);
		ck_assert_int_eq(cu.locked_until, 0);
		card_must(codes[0], &c);
		ck_assert_int_eq(c.failed_pins, i);
		ck_assert_int_eq(c.locked_until, 0);
		card_clear(&c);
	}
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM audit_log WHERE action = "
		     "'card.locked'",
		0),
	    0);

	/* The fifth locks the card for PIN_LOCK seconds, audited. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 0;
	before = time(NULL);
	tu_run_ok(card_use_job, &cu);
	after = time(NULL);
	ck_assert_int_eq(cu.failed_pins, PIN_TRIES);
	ck_assert_int_ge(cu.locked_until, before + PIN_LOCK);
	ck_assert_int_le(cu.locked_until, after + PIN_LOCK);
	card_must(codes[0], &c);
	ck_assert_int_eq(c.failed_pins, PIN_TRIES);
	ck_assert_int_eq(c.locked_until, cu.locked_until);
	card_clear(&c);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE action = 'card.locked' AND "
	    "subject_id = %lld",
	    (long long)holder);
	ck_assert_int_eq(tu_q_int(sql, 0), 1);

	/* While locked, even a right PIN is refused and nothing is counted:
	** the lock is decided here, under the write lock. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.locked, 1);
	ck_assert_int_eq(cu.created, 0);
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 0;
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.locked, 1);
	card_must(codes[0], &c);
	ck_assert_int_eq(c.failed_pins, PIN_TRIES);
	ck_assert_int_eq(c.locked_until, cu.locked_until);
	card_clear(&c);
	ck_assert_int_eq(tu_q_int(sql, 0), 1);

	/* Once the lock has run out, a right PIN resets the count. */
	snprintf(sql, sizeof(sql),
	    "UPDATE drive_codes SET locked_until = %lld WHERE id = %lld",
	    (long long)time(NULL) - 1, (long long)c.id);
	exec_ok(sql);
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.created, 0);
	ck_assert_int_eq(cu.account_id, holder);
	ck_assert_int_eq(cu.failed_pins, 0);
	card_must(codes[0], &c);
	ck_assert_int_eq(c.failed_pins, 0);
	ck_assert_str_eq(c.pin_hash, "$argon2id$first-pin");
	card_clear(&c);
	/* Still one account: using a card never makes another. */
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM accounts", 0), 1);
}
END_TEST

START_TEST(test_card_reissue)
{
	char first[2][CARD_CODE_LEN + 1], again[1][CARD_CODE_LEN + 1];
	char sql[300];
	struct card_batch cb = { 0 };
	struct card_use cu;
	struct card c, old, other;
	int64_t campaign, holder, maint;

	campaign = tu_add_campaign(DEMO_DEF);
	maint = tu_add_account("mia", ROLE_MAINTAINER);
	cb.campaign_id = campaign;
	cb.count = 2;
	cb.codes = first;
	tu_run_ok(card_create_job, &cb);
	card_must(first[0], &old);
	card_clear(&old);
	memset(&cu, 0, sizeof(cu));
	cu.card_id = old.id;
	cu.ok = 1;
	cu.pin_hash = "$argon2id$old-pin";
	tu_run_ok(card_use_job, &cu);
	holder = cu.account_id;

	/* The holder lost it: a new card bound to the same account. */
	memset(&cb, 0, sizeof(cb));
	cb.campaign_id = campaign;
	cb.count = 1;
	cb.codes = again;
	cb.for_account = holder;
	cb.actor = maint;
	tu_run_ok(card_create_job, &cb);
	ck_assert_str_ne(again[0], first[0]);

	card_must(first[0], &old);
	ck_assert_int_eq(old.revoked, 1);
	card_clear(&old);
	card_must(again[0], &c);
	ck_assert_int_eq(c.revoked, 0);
	ck_assert_int_eq(c.account_id, holder);
	ck_assert_int_eq(c.campaign_id, campaign);
	ck_assert_ptr_null(c.pin_hash);
	card_clear(&c);
	/* Someone else's unused card is untouched. */
	card_must(first[1], &other);
	ck_assert_int_eq(other.revoked, 0);
	ck_assert_int_eq(other.account_id, 0);
	card_clear(&other);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE action = 'card.reissued' AND "
	    "subject_id = %lld AND actor_id = %lld",
	    (long long)holder, (long long)maint);
	ck_assert_int_eq(tu_q_int(sql, 0), 1);

	/* The old card no longer takes a PIN. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = old.id;
	cu.ok = 1;
	tu_run_fails(card_use_job, &cu, ERR_NOT_FOUND);

	/* The new card's first use sets a PIN for the same account. */
	memset(&cu, 0, sizeof(cu));
	cu.card_id = c.id;
	cu.ok = 1;
	cu.pin_hash = "$argon2id$new-pin";
	tu_run_ok(card_use_job, &cu);
	ck_assert_int_eq(cu.created, 1);
	ck_assert_int_eq(cu.account_id, holder);
	card_must(again[0], &c);
	ck_assert_str_eq(c.pin_hash, "$argon2id$new-pin");
	card_clear(&c);
	/* The holder and the maintainer, nobody else. */
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM accounts", 0), 2);
}
END_TEST

/* --- acts on another account --- */

/*
** account_may_act over every pair of roles: ${_i} is actor role * 5 +
** target role (each 0..4 for contributor..admin). Allowed iff the actor
** is an admin or above the target; the CLI (actor 0) and the person
** themself always.
*/
START_TEST(test_may_act_roles)
{
	enum account_role ar = ROLE_CONTRIBUTOR + _i / 5;
	enum account_role tr = ROLE_CONTRIBUTOR + _i % 5;
	struct err e = { 0 };
	int64_t actor, target;
	int want = ar == ROLE_ADMIN || ar > tr, rc;

	actor = tu_add_account("actor", ar);
	target = tu_add_account("target", tr);
	rc = account_may_act(tu_db, actor, target, &e);
	ck_assert_msg(rc == (want ? 0 : -1), "%s on %s: %d (%s), want %d",
	    role_name(ar), role_name(tr), rc, e.msg, want ? 0 : -1);
	if (!want)
		ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	ck_assert_int_eq(account_may_act(tu_db, 0, target, &e), 0);
	ck_assert_int_eq(account_may_act(tu_db, actor, actor, &e), 0);
	ck_assert_int_eq(account_may_act(tu_db, target, target, &e), 0);
}
END_TEST

/* No such target: not found, whoever asks; a disabled actor: forbidden. */
START_TEST(test_may_act_edges)
{
	struct account_change ac = { 0 };
	struct err e = { 0 };
	int64_t admin, other, con;

	admin = tu_add_account("root", ROLE_ADMIN);
	other = tu_add_account("ops", ROLE_ADMIN);
	con = tu_add_account("con", ROLE_CONTRIBUTOR);
	ck_assert_int_eq(account_may_act(tu_db, admin, con + 100, &e), -1);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	ck_assert_int_eq(account_may_act(tu_db, 0, con + 100, &e), -1);
	ck_assert_int_eq(e.code, ERR_NOT_FOUND);
	ac.id = other;
	ac.disable = 1;
	ac.actor = admin;
	tu_run_ok(account_change_job, &ac);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(account_may_act(tu_db, other, con, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
}
END_TEST

/* How many sessions account ${id} has. */
static long long
sessions_of(int64_t id)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM sessions WHERE account_id = %lld",
	    (long long)id);
	return (tu_q_int(sql, 0));
}

/*
** A maintainer re-issuing the card of an admin, a treasurer or another
** maintainer is refused, and nothing changes: no card made or revoked, no
** session ended, nothing audited. The same maintainer may re-issue a
** reviewer's card, which ends the reviewer's sessions. A disabled account
** gets no card, even from an admin.
*/
START_TEST(test_reissue_rule)
{
	static const enum account_role above[] = { ROLE_ADMIN, ROLE_TREASURER,
		ROLE_MAINTAINER };
	char first[4][CARD_CODE_LEN + 1], again[1][CARD_CODE_LEN + 1];
	struct card_batch cb = { 0 };
	struct session_new sn = { 0 };
	struct card_use cu;
	struct card c;
	int64_t campaign, maint, admin, holder[4];
	long long cards_before;
	int i;

	campaign = tu_add_campaign(DEMO_DEF);
	maint = tu_add_account("mia", ROLE_MAINTAINER);
	admin = tu_add_account("root", ROLE_ADMIN);
	cb.campaign_id = campaign;
	cb.count = 4;
	cb.codes = first;
	tu_run_ok(card_create_job, &cb);
	for (i = 0; i < 4; i++) {
		struct account_change ac = { 0 };

		card_must(first[i], &c);
		card_clear(&c);
		memset(&cu, 0, sizeof(cu));
		cu.card_id = c.id;
		cu.ok = 1;
		cu.pin_hash = "$argon2id$a-pin";
		tu_run_ok(card_use_job, &cu);
		holder[i] = cu.account_id;
		ac.id = holder[i];
		ac.role = i < 3 ? above[i] : ROLE_REVIEWER;
		tu_run_ok(account_change_job, &ac); /* the CLI: actor 0 */
		memset(&sn, 0, sizeof(sn));
		sn.account_id = holder[i];
		tu_run_ok(session_create_job, &sn);
	}
	cards_before = tu_q_int("SELECT count(*) FROM drive_codes", 0);

	for (i = 0; i < 3; i++) {
		memset(&cb, 0, sizeof(cb));
		cb.campaign_id = campaign;
		cb.count = 1;
		cb.codes = again;
		cb.for_account = holder[i];
		cb.actor = maint;
		tu_run_fails(card_create_job, &cb, ERR_FORBIDDEN);
		card_must(first[i], &c);
		ck_assert_msg(!c.revoked, "%s's card revoked by a refusal",
		    role_name(above[i]));
		card_clear(&c);
		ck_assert_int_eq(sessions_of(holder[i]), 1);
	}
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM drive_codes", 0), cards_before);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM audit_log WHERE action = "
		     "'card.reissued'",
		0),
	    0);

	/* Below the maintainer: done, and the reviewer's session ends. */
	memset(&cb, 0, sizeof(cb));
	cb.campaign_id = campaign;
	cb.count = 1;
	cb.codes = again;
	cb.for_account = holder[3];
	cb.actor = maint;
	tu_run_ok(card_create_job, &cb);
	ck_assert_int_eq(sessions_of(holder[3]), 0);
	/* An admin may, for an admin; that admin's sessions end too. */
	cb.for_account = holder[0];
	cb.actor = admin;
	tu_run_ok(card_create_job, &cb);
	ck_assert_int_eq(sessions_of(holder[0]), 0);
	/* Others' sessions stay. */
	ck_assert_int_eq(sessions_of(holder[1]), 1);

	/* Disabled: refused, even for an admin and the CLI. */
	{
		struct account_change ac = { 0 };

		ac.id = holder[3];
		ac.disable = 1;
		ac.actor = admin;
		tu_run_ok(account_change_job, &ac);
	}
	cards_before = tu_q_int("SELECT count(*) FROM drive_codes", 0);
	cb.for_account = holder[3];
	cb.actor = admin;
	tu_run_fails(card_create_job, &cb, ERR_CONFLICT);
	cb.actor = 0;
	tu_run_fails(card_create_job, &cb, ERR_CONFLICT);
	ck_assert_int_eq(
	    tu_q_int("SELECT count(*) FROM drive_codes", 0), cards_before);
}
END_TEST

/*
** Role changes, disabling and erasing follow the same rule, and nobody but
** an admin gives a role above their own.
*/
START_TEST(test_change_rule)
{
	struct account_change ac = { 0 };
	struct account_erase ae = { 0 };
	struct account a;
	struct err e = { 0 };
	int64_t admin, tre, maint, con, rev;
	char sql[200];

	admin = tu_add_account("root", ROLE_ADMIN);
	tre = tu_add_account("tess", ROLE_TREASURER);
	maint = tu_add_account("mia", ROLE_MAINTAINER);
	con = tu_add_account("con", ROLE_CONTRIBUTOR);
	rev = tu_add_account("rev", ROLE_REVIEWER);

	/* A maintainer on a treasurer: neither role nor disable. */
	ac.id = tre;
	ac.role = ROLE_CONTRIBUTOR;
	ac.actor = maint;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	memset(&ac, 0, sizeof(ac));
	ac.id = tre;
	ac.disable = 1;
	ac.actor = maint;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	ck_assert_int_eq(account_get(tu_db, NULL, tre, &a, &e), 1);
	ck_assert_int_eq(a.role, ROLE_TREASURER);
	ck_assert_int_eq(a.disabled, 0);
	account_clear(&a);

	/* Above their own: refused; their own or below: yes. */
	memset(&ac, 0, sizeof(ac));
	ac.id = con;
	ac.role = ROLE_ADMIN;
	ac.actor = maint;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	ac.role = ROLE_TREASURER;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	ac.role = ROLE_MAINTAINER;
	tu_run_ok(account_change_job, &ac);
	/* con is a maintainer now: the same as mia, so no more. */
	ac.role = ROLE_REVIEWER;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	/* Nor on themself. */
	memset(&ac, 0, sizeof(ac));
	ac.id = ac.actor = maint;
	ac.role = ROLE_ADMIN;
	tu_run_fails(account_change_job, &ac, ERR_FORBIDDEN);
	/* An admin gives any role, the CLI too. */
	memset(&ac, 0, sizeof(ac));
	ac.id = rev;
	ac.role = ROLE_ADMIN;
	ac.actor = admin;
	tu_run_ok(account_change_job, &ac);
	ac.role = ROLE_TREASURER;
	ac.actor = 0;
	tu_run_ok(account_change_job, &ac);
	/* The refusals left no trace in the audit log. */
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM audit_log WHERE subject_id = %lld AND "
	    "action IN ('account.role', 'account.disabled')",
	    (long long)tre);
	ck_assert_int_eq(tu_q_int(sql, 0), 0);

	/* Erase: a maintainer may not erase a treasurer; an admin may; the
	** person themself may. */
	ae.id = tre;
	ae.actor = maint;
	tu_run_fails(account_erase_job, &ae, ERR_FORBIDDEN);
	free(ae.blobs);
	ck_assert_int_eq(account_get(tu_db, NULL, tre, &a, &e), 1);
	ck_assert_str_eq(a.handle, "tess");
	account_clear(&a);
	memset(&ae, 0, sizeof(ae));
	ae.id = ae.actor = tre;
	tu_run_ok(account_erase_job, &ae);
	free(ae.blobs);
	memset(&ae, 0, sizeof(ae));
	ae.id = maint;
	ae.actor = admin;
	tu_run_ok(account_erase_job, &ae);
	free(ae.blobs);
	ck_assert_int_eq(account_get(tu_db, NULL, maint, &a, &e), 1);
	ck_assert_int_eq(a.disabled, 1);
	account_clear(&a);
}
END_TEST

/* A new passphrase ends every session of the account but the one that
** changed it; without one to keep, all of them; other accounts' stay. */
START_TEST(test_passphrase_sessions)
{
	struct session_new keep = { 0 }, s1 = { 0 }, s2 = { 0 }, other = { 0 };
	struct account_change ac = { 0 };
	uint8_t sum[SHA256_LEN];
	struct session s;
	struct err e = { 0 };
	int64_t id, id2;

	id = tu_add_account("pia", ROLE_CONTRIBUTOR);
	id2 = tu_add_account("quin", ROLE_CONTRIBUTOR);
	keep.account_id = s1.account_id = s2.account_id = id;
	other.account_id = id2;
	tu_run_ok(session_create_job, &keep);
	tu_run_ok(session_create_job, &s1);
	tu_run_ok(session_create_job, &s2);
	tu_run_ok(session_create_job, &other);

	sha256_digest(keep.token, strlen(keep.token), sum);
	ac.id = ac.actor = id;
	ac.passphrase_hash = "$argon2id$second";
	ac.keep_session = sum;
	tu_run_ok(account_change_job, &ac);
	ck_assert_int_eq(session_get(tu_db, keep.token, time(NULL), &s, &e), 1);
	ck_assert_int_eq(session_get(tu_db, s1.token, time(NULL), &s, &e), 0);
	ck_assert_int_eq(session_get(tu_db, s2.token, time(NULL), &s, &e), 0);
	ck_assert_int_eq(
	    session_get(tu_db, other.token, time(NULL), &s, &e), 1);

	/* None to keep: all end. */
	ac.keep_session = NULL;
	ac.passphrase_hash = "$argon2id$third";
	tu_run_ok(account_change_job, &ac);
	ck_assert_int_eq(session_get(tu_db, keep.token, time(NULL), &s, &e), 0);
	ck_assert_int_eq(
	    session_get(tu_db, other.token, time(NULL), &s, &e), 1);
}
END_TEST

/* --- the admin's one-time code --- */

/* Runs login_code_use_job for ${code} in a transaction of our own. */
static int
use_code(struct db *d, const char *code, int64_t *account, struct err *e)
{
	struct code_use co = { 0 };
	struct err ee = { 0 };
	int rc;

	co.code = code;
	ck_assert_msg(db_exec(d, "BEGIN IMMEDIATE", &ee) == 0, "%s", ee.msg);
	rc = login_code_use_job(d, &co, e);
	ck_assert_msg(db_exec(d, rc == 0 ? "COMMIT" : "ROLLBACK", &ee) == 0,
	    "%s", ee.msg);
	*account = co.account_id;
	return (rc);
}

START_TEST(test_login_code)
{
	char dir[600], path[700], code[NODE_CODE_LEN + 1];
	char sql[300];
	struct account a;
	struct err e = { 0 };
	struct db *d;
	sqlite3_stmt *st;
	int64_t acct = 0;

	snprintf(dir, sizeof(dir), "%s/node", tu_base);
	ck_assert_msg(node_init(dir, code, &e) == 0, "node_init: %s", e.msg);
	snprintf(path, sizeof(path), "%s/node.db", dir);
	d = db_open(path, 0, &e);
	ck_assert_msg(d != NULL, "db_open: %s", e.msg);
	ck_assert_msg(db_migrate(d, &e) == 0, "db_migrate: %s", e.msg);

	/* A code that was never issued. */
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(use_code(d, "ABCD-EFGH-JKLM", &acct, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);

	/* The real code, expired: refused, and not spent. */
	snprintf(sql, sizeof(sql), "UPDATE login_codes SET expires_at = %lld",
	    (long long)time(NULL) - 1);
	ck_assert_msg(db_exec(d, sql, &e) == 0, "%s", e.msg);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(use_code(d, code, &acct, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	snprintf(sql, sizeof(sql), "UPDATE login_codes SET expires_at = %lld",
	    (long long)time(NULL) + 3600);
	ck_assert_msg(db_exec(d, sql, &e) == 0, "%s", e.msg);

	/* Once: the admin account. */
	memset(&e, 0, sizeof(e));
	ck_assert_msg(
	    use_code(d, code, &acct, &e) == 0, "first use: %s", e.msg);
	ck_assert_int_gt(acct, 0);
	ck_assert_int_eq(account_get(d, NULL, acct, &a, &e), 1);
	ck_assert_str_eq(a.handle, "admin");
	ck_assert_int_eq(a.role, ROLE_ADMIN);
	account_clear(&a);
	ck_assert_int_eq(sqlite3_prepare_v2(db_handle(d),
			     "SELECT count(*) FROM audit_log WHERE action = "
			     "'login_code.used' AND subject_id = ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, acct);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);

	/* Twice: refused. */
	memset(&e, 0, sizeof(e));
	acct = 0;
	ck_assert_int_eq(use_code(d, code, &acct, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);

	db_close(d);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("account");
	TCase *pure = tcase_create("pure");
	TCase *tc = tcase_create("tu_db");

	tcase_add_test(pure, test_role_names);
	tcase_add_loop_test(pure, test_role_allows, 0, 36);
	tcase_add_test(pure, test_handle_check);
	tcase_add_test(pure, test_card_normalize);
	suite_add_tcase(s, pure);

	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_account_create);
	tcase_add_test(tc, test_account_list);
	tcase_add_test(tc, test_account_change);
	tcase_add_test(tc, test_sessions);
	tcase_add_test(tc, test_card_create);
	tcase_add_test(tc, test_card_life);
	tcase_add_test(tc, test_card_reissue);
	tcase_add_test(tc, test_login_code);
	tcase_add_loop_test(tc, test_may_act_roles, 0, 25);
	tcase_add_test(tc, test_may_act_edges);
	tcase_add_test(tc, test_reissue_rule);
	tcase_add_test(tc, test_change_rule);
	tcase_add_test(tc, test_passphrase_sessions);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
