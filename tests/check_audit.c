/*
** The audit log's hash chain (audit.h): acts audited through the real
** `tributary` binary ($TRIBUTARY_BIN user add) leave a chain that `audit
** verify` finds intact; a row changed afterwards (one byte of its detail,
** through the SQLite API) or deleted from the middle is named; `audit tail`
** lists newest first; /metrics shows the head. In-process, through a real
** writer: a job that fails inside a batch leaves no row and the chain
** stays whole (each row's hash is read and written in the job's own
** transaction), and rows from before the chain are counted apart.
*/
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "testutil.h"
#include "writer.h"

static char node[600];

/* A node in ${node} with four accounts added through the CLI: audit rows
** 1..4, "account.created" for anna, bobo, cyan, dora. */
static void
node_setup(void)
{
	static const char *const handles[] = { "anna", "bobo", "cyan", "dora" };
	char out[4096];
	size_t i;

	tu_base_setup();
	ck_assert_msg(getenv("TRIBUTARY_BIN") != NULL, "TRIBUTARY_BIN unset");
	snprintf(node, sizeof(node), "%s/node", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", node, NULL }),
	    0);
	for (i = 0; i < 4; i++)
		ck_assert_msg(tu_cli(out, sizeof(out),
				  (const char *const[]){ "user", "add",
				      handles[i], "--data", node, NULL }) == 0,
		    "user add: %s", out);
}

/* Runs ${sql} on the node's database through the SQLite API. */
static void
node_sql(const char *sql)
{
	char path[700], *msg = NULL;
	sqlite3 *h;

	snprintf(path, sizeof(path), "%s/node.db", node);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "");
	ck_assert_int_eq(sqlite3_changes(h), 1);
	sqlite3_close(h);
}

/* The hash of audit row ${id} in hex, into ${hex}. */
static void
row_hash_hex(int64_t id, char hex[SHA256_HEX_LEN + 1])
{
	char path[700];
	sqlite3_stmt *st;
	sqlite3 *h;

	snprintf(path, sizeof(path), "%s/node.db", node);
	ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
	ck_assert_int_eq(
	    sqlite3_prepare_v2(
		h, "SELECT hash FROM audit_log WHERE id = ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_bytes(st, 0), SHA256_LEN);
	hex_encode(sqlite3_column_blob(st, 0), SHA256_LEN, hex);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static int
verify(char *out, size_t n)
{
	return (tu_cli(out, n,
	    (const char *const[]){ "audit", "verify", "--data", node, NULL }));
}

/* Four audited acts: the chain is intact and its head is row 4's hash. */
START_TEST(test_verify_intact)
{
	char out[4096], want[256], hex[SHA256_HEX_LEN + 1];

	row_hash_hex(4, hex);
	ck_assert_msg(verify(out, sizeof(out)) == 0, "%s", out);
	snprintf(want, sizeof(want),
	    "audit log: 4 rows, chain intact, head %s\n", hex);
	ck_assert_str_eq(out, want);
}
END_TEST

/* One byte of row 2's detail changed after it was written: row 2 named,
** exit 1. */
START_TEST(test_verify_changed)
{
	char out[4096];

	node_sql("UPDATE audit_log SET detail = replace(detail, 'bobo', "
		 "'bobp') WHERE id = 2");
	ck_assert_int_eq(verify(out, sizeof(out)), 1);
	ck_assert_str_eq(out,
	    "audit log: row 2: hash does not match (changed after it was "
	    "written)\n");
}
END_TEST

/* Row 3 deleted: row 4 follows row 2, a gap, exit 1. */
START_TEST(test_verify_gap)
{
	char out[4096];

	node_sql("DELETE FROM audit_log WHERE id = 3");
	ck_assert_int_eq(verify(out, sizeof(out)), 1);
	ck_assert_str_eq(
	    out, "audit log: row 4 follows row 2: rows between are missing\n");
}
END_TEST

/* A row's hash removed after the chain began: that row does not match. */
START_TEST(test_verify_hash_removed)
{
	char out[4096];

	node_sql("UPDATE audit_log SET hash = NULL WHERE id = 3");
	ck_assert_int_eq(verify(out, sizeof(out)), 1);
	ck_assert_ptr_nonnull(strstr(out, "row 3: hash does not match"));
}
END_TEST

/* `audit tail --count 2`: rows 4 and 3, newest first, one line each. */
START_TEST(test_tail)
{
	char out[4096], *l2;

	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "audit", "tail", "--data",
				 node, "--count", "2", NULL }),
	    0);
	ck_assert_msg(strncmp(out, "4\t20", 4) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out,
	    "\t-\taccount.created\t5\t{\"handle\":\"dora\",\"role\":"
	    "\"contributor\"}\n"));
	ck_assert_ptr_nonnull(l2 = strchr(out, '\n'));
	ck_assert_msg(strncmp(l2 + 1, "3\t20", 4) == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(l2, "\"cyan\""));
	ck_assert_ptr_null(strchr(strchr(l2 + 1, '\n') + 1, '\n'));
	/* The time is ISO 8601 UTC. */
	ck_assert_msg(
	    out[6] == '-' && out[9] == '-' && out[12] == 'T' && out[21] == 'Z',
	    "%s", out);
}
END_TEST

/* /metrics shows the head: row 4 and its hash. */
START_TEST(test_metrics_head)
{
	char hex[SHA256_HEX_LEN + 1], want[256], url[128];
	struct tu_server s;
	struct tu_resp r = { 0 };

	row_hash_hex(4, hex);
	ck_assert_int_eq(tu_server_start(&s, node, NULL), 0);
	snprintf(url, sizeof(url), "%s/metrics", s.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	tu_server_stop(&s);
	ck_assert_int_eq(r.status, 200);
	snprintf(want, sizeof(want),
	    "tributary_audit_head_info{hash=\"%s\",id=\"4\"} 1\n", hex);
	ck_assert_msg(
	    strstr(r.body, want) != NULL, "no %s in %s", want, r.body);
	tu_resp_free(&r);
}
END_TEST

/* ---- in-process, through a real writer ---- */

/* Audits ${arg} (an action); "fail" audits and then refuses. */
static int
audit_job(struct db *d, void *arg, struct err *e)
{
	const char *action = arg;

	if (audit_append(d, 0, action, 0, NULL, e) == -1)
		return (-1);
	if (strcmp(action, "fail") == 0)
		return (err_set(e, ERR_INVALID, "refused after auditing"));
	return (0);
}

static int
action_of(int64_t id, char *out, size_t n)
{
	sqlite3_stmt *st;
	int found = 0;

	ck_assert_int_eq(
	    sqlite3_prepare_v2(db_handle(tu_db),
		"SELECT action FROM audit_log WHERE id = ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return (found);
}

/*
** One batch: "first", then "fail" (audits, then refuses: rolled back to
** its SAVEPOINT), then "third". Two rows, ids 1 and 2, and the chain
** intact: row 2's hash follows row 1's, not the rolled-back row's.
*/
START_TEST(test_failed_job_leaves_no_row)
{
	struct writer_job jobs[4];
	static const char *const acts[] = { "first", "fail", "third" };
	struct writer_stats ws;
	struct audit_check ac;
	struct err e = { 0 };
	char action[64], hex[SHA256_HEX_LEN + 1];
	int64_t head_id;
	int i;

	memset(jobs, 0, sizeof(jobs));
	tu_gate_hold(&jobs[0]);
	for (i = 0; i < 3; i++) {
		jobs[i + 1].fn = audit_job;
		jobs[i + 1].arg = (void *)acts[i];
		jobs[i + 1].done = tu_gate_done;
		writer_submit(tu_writer, &jobs[i + 1]);
	}
	tu_gate_release(4);

	writer_stats(tu_writer, &ws);
	ck_assert_uint_eq(ws.batches, 2); /* the gate, then the three */
	ck_assert_int_eq(jobs[1].status, WRITER_OK);
	ck_assert_int_eq(jobs[2].status, WRITER_FAILED);
	ck_assert_int_eq(jobs[3].status, WRITER_OK);

	ck_assert_int_eq(action_of(1, action, sizeof(action)), 1);
	ck_assert_str_eq(action, "first");
	ck_assert_int_eq(action_of(2, action, sizeof(action)), 1);
	ck_assert_str_eq(action, "third");
	ck_assert_int_eq(action_of(3, action, sizeof(action)), 0);

	ck_assert_msg(audit_verify(tu_db, &ac, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ac.state, AUDIT_INTACT);
	ck_assert_int_eq(ac.rows, 2);
	ck_assert_int_eq(ac.before, 0);
	ck_assert_int_eq(audit_head(tu_db, &head_id, hex, &e), 1);
	ck_assert_int_eq(head_id, 2);
	ck_assert_str_eq(hex, ac.head);
}
END_TEST

/* Rows from before the chain (no hash) are counted apart; the chain
** starts at the first hashed row, and an empty log has no head. */
START_TEST(test_before_chain)
{
	struct audit_check ac;
	struct err e = { 0 };
	char hex[SHA256_HEX_LEN + 1];
	int64_t id;

	ck_assert_int_eq(audit_head(tu_db, &id, hex, &e), 0);
	ck_assert_int_eq(db_exec(tu_db,
			     "INSERT INTO audit_log(id, at, action) VALUES "
			     "(1, 1, 'old'), (2, 2, 'old')",
			     &e),
	    0);
	ck_assert_int_eq(audit_head(tu_db, &id, hex, &e), 0);
	ck_assert_int_eq(writer_run(tu_writer, audit_job, "new", &e), 0);
	ck_assert_int_eq(writer_run(tu_writer, audit_job, "newer", &e), 0);
	ck_assert_msg(audit_verify(tu_db, &ac, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ac.state, AUDIT_INTACT);
	ck_assert_int_eq(ac.rows, 4);
	ck_assert_int_eq(ac.before, 2);
	ck_assert_int_eq(ac.head_id, 4);
	ck_assert_int_eq(audit_head(tu_db, &id, hex, &e), 1);
	ck_assert_int_eq(id, 4);
	ck_assert_str_eq(hex, ac.head);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("audit");
	TCase *cli_tc = tcase_create("cli");
	TCase *tc = tcase_create("writer");

	tcase_add_checked_fixture(cli_tc, node_setup, tu_base_teardown);
	tcase_set_timeout(cli_tc, 120);
	tcase_add_test(cli_tc, test_verify_intact);
	tcase_add_test(cli_tc, test_verify_changed);
	tcase_add_test(cli_tc, test_verify_gap);
	tcase_add_test(cli_tc, test_verify_hash_removed);
	tcase_add_test(cli_tc, test_tail);
	tcase_add_test(cli_tc, test_metrics_head);
	suite_add_tcase(s, cli_tc);

	tcase_add_checked_fixture(tc, tu_db_setup, tu_db_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_failed_job_leaves_no_row);
	tcase_add_test(tc, test_before_chain);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
