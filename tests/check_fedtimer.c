/*
** serve's federation timer (cli/fedtimer.c) on loopback: node B serves
** an approved release; node A, with B added as a peer, serves with
** `--federate-every 1` and pulls it without anyone running `federate
** pull`: A's database records the release, A holds its files, and A's
** /metrics counts the files and bytes of B's manifest. A stopped while
** its pull waits on B (stopped with SIGSTOP) stops cleanly, marks no
** failure, and the next start pulls the release. B down: A's peer list shows the error, the failing gauge
** is 1, and A keeps serving. Every stop of A must exit 0 (under ASan: no
** leak). No clock is asserted: each state is polled for, up to 60 s.
*/
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "consent.h"
#include "db.h"
#include "federation.h"
#include "licences.h"
#include "node.h"
#include "testutil.h"

#define DEADLINE 60 /* seconds a state may take to appear */

static struct tu_server srv_b;
static char adir[500], bdir[500], webroot[800];
static char bkey[65];

static void
suite_setup(void)
{
	char out[4096];
	const char *eb[] = { "--namespace", "orgb", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };
	const char *k;

	tu_base_setup();
	snprintf(adir, sizeof(adir), "%s/a", tu_base);
	snprintf(bdir, sizeof(bdir), "%s/b", tu_base);
	snprintf(webroot, sizeof(webroot), "%s", tu_src_path("webroot"));
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", adir, NULL }),
	    0);
	tu_fed_node(bdir);
	tu_fed_cut(bdir, "1.0.0", 4, 2, 3);
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){
				 "peer", "whoami", "--data", bdir, NULL }),
	    0);
	ck_assert_ptr_nonnull(k = strstr(out, "public key:  "));
	snprintf(bkey, sizeof(bkey), "%.64s", k + 13);
	ck_assert_int_eq(tu_server_start(&srv_b, bdir, eb), 0);
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_b.base, "--key", bkey, "--name", "b", NULL }) == 0,
	    "add b: %s", out);
}

static void
suite_teardown(void)
{
	if (srv_b.pid > 0)
		tu_server_stop(&srv_b);
	tu_base_teardown();
}

/* Starts A pulling every second, with ${more} serve options (NULL-ended,
** may be NULL, at most 4). */
static void
start_a(struct tu_server *a, const char *m1, const char *m2)
{
	const char *ea[] = { "--webroot", webroot, "--rate-per-address",
		"100000", "--federate-every", "1", m1, m2, NULL };

	if (tu_server_start(a, adir, ea) != 0) {
		size_t z;
		char *l = tu_read_file(a->errlog, &z);
		ck_abort_msg("A did not start: %s", l ? l : "?");
	}
}

/* Polls until A's ${sql} counts ${want}, up to DEADLINE s; 1 if it did. */
static int
a_count_becomes(const char *sql, long long want)
{
	time_t end = time(NULL) + DEADLINE;

	while (tu_node_q_int(adir, sql, 1) != want) {
		if (time(NULL) > end)
			return (0);
		usleep(100000);
	}
	return (1);
}

/* The value of series ${series} (name with its labels, as written) in
** the exposition ${text}, or -1 if it is not there. */
static double
series_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return (strtod(p + n + 1, NULL));
		p += n;
	}
	return (-1);
}

/* GET /metrics of ${a}: a new string. */
static char *
metrics(const struct tu_server *a)
{
	struct tu_resp r = { 0 };
	char url[128], *s;

	snprintf(url, sizeof(url), "%s/metrics", a->base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	s = strdup(r.body);
	tu_resp_free(&r);
	return (s);
}

/* Polls A's /metrics until ${series} is ${want}, up to DEADLINE s;
** returns the exposition last read (the caller frees it). */
static char *
metric_becomes(const struct tu_server *a, const char *series, double want)
{
	time_t end = time(NULL) + DEADLINE;
	char *m;

	for (;;) {
		m = metrics(a);
		if (series_value(m, series) == want || time(NULL) > end)
			return (m);
		free(m);
		usleep(100000);
	}
}

/* The number of files B's release ${version} lists, and their bytes. */
static void
manifest_sums(const char *version, long long *files, long long *bytes)
{
	char path[1200];
	json_t *m, *f;
	size_t i;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", bdir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	*files = (long long)json_array_size(json_object_get(m, "files"));
	*bytes = 0;
	json_array_foreach(json_object_get(m, "files"), i, f) *bytes +=
	    json_integer_value(json_object_get(f, "bytes"));
	json_decref(m);
	ck_assert_int_gt(*files, 0);
}

/* Every file of B's release ${version} is in A's object store. */
static void
held_all(const char *version)
{
	char path[1200], obj[1200];
	struct stat sb;
	json_t *m, *f;
	size_t i;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", bdir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		const char *sha =
		    json_string_value(json_object_get(f, "sha256"));

		snprintf(obj, sizeof(obj), "%s/federation/objects/%.2s/%s",
		    adir, sha, sha + 2);
		ck_assert_msg(stat(obj, &sb) == 0 &&
			sb.st_size ==
			    json_integer_value(json_object_get(f, "bytes")),
		    "%s is not held whole",
		    json_string_value(json_object_get(f, "path")));
	}
	json_decref(m);
}

/* 1 if some connection to B's port is open (established), as the kernel
** says in /proc/net/tcp: a client's, even while B is stopped. */
static int
b_connected(void)
{
	char line[512], local[32];
	int found = 0;
	FILE *f;

	snprintf(local, sizeof(local), "0100007F:%04X ", srv_b.port);
	if ((f = fopen("/proc/net/tcp", "r")) == NULL)
		return (0);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *p = strstr(line, local);

		/* "sl: local remote st ...": the state after the remote. */
		found = p != NULL && p - line < 12 + 8 &&
		    strncmp(p + strlen(local) + 14, "01", 2) == 0;
	}
	fclose(f);
	return (found);
}

START_TEST(test_pulls_on_timer)
{
	struct tu_server a;
	long long files, bytes;
	char *m;

	manifest_sums("1.0.0", &files, &bytes);
	start_a(&a, NULL, NULL);
	/* Nobody runs `federate pull`: the node does, a second after start. */
	ck_assert_msg(
	    a_count_becomes("SELECT count(*) FROM peer_releases WHERE ?1", 1),
	    "B's release was not pulled within %d s", DEADLINE);
	held_all("1.0.0");
	m = metric_becomes(
	    &a, "tributary_federation_releases_recorded_total", 1);
	ck_assert_msg(series_value(m,
			  "tributary_federation_releases_recorded_total") == 1,
	    "%s", m);
	ck_assert_msg(series_value(m,
			  "tributary_federation_files_fetched_total") == files,
	    "want %lld files:\n%s", files, m);
	ck_assert_msg(series_value(m,
			  "tributary_federation_bytes_received_total") == bytes,
	    "want %lld bytes:\n%s", bytes, m);
	ck_assert_msg(
	    series_value(m, "tributary_federation_pulls_total") >= 1, "%s", m);
	ck_assert_msg(
	    series_value(m, "tributary_federation_pulls_failed_total") == 0,
	    "%s", m);
	ck_assert_msg(
	    series_value(m, "tributary_federation_revocations_applied_total") ==
		0,
	    "%s", m);
	ck_assert_msg(
	    series_value(m, "tributary_federation_peers_failing") == 0, "%s",
	    m);
	ck_assert_msg(series_value(m,
			  "tributary_federation_peer_pulls_failed_total{"
			  "peer=\"b\"}") == 0,
	    "%s", m);
	ck_assert_msg(
	    series_value(m,
		"tributary_federation_peer_last_success_timestamp_seconds{"
		"peer=\"b\"}") > 0,
	    "%s", m);
	free(m);
	/* Later pulls find the release recorded: nothing more is fetched. */
	m = metric_becomes(&a, "tributary_federation_pulls_total", 3);
	ck_assert_msg(
	    series_value(m, "tributary_federation_pulls_total") >= 3, "%s", m);
	ck_assert_msg(series_value(m,
			  "tributary_federation_files_fetched_total") == files,
	    "%s", m);
	free(m);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_releases WHERE ?1", 1),
	    1);
	ck_assert_int_eq(tu_server_stop(&a), 0);
}
END_TEST

START_TEST(test_stops_mid_pull)
{
	struct tu_server a;
	time_t end;

	/* B holds a new release, but answers nothing (stopped, not gone:
	** the kernel still accepts A's connection): A's pull waits for an
	** answer when A is told to stop. */
	tu_fed_cut(bdir, "1.1.0", 2, 4, 20);
	ck_assert_int_eq(kill(srv_b.pid, SIGSTOP), 0);
	start_a(&a, NULL, NULL);
	end = time(NULL) + DEADLINE;
	while (!b_connected()) {
		if (time(NULL) > end) {
			kill(srv_b.pid, SIGCONT);
			ck_abort_msg("A did not begin to pull");
		}
		usleep(20000);
	}
	ck_assert_int_eq(tu_server_stop(&a), 0);
	ck_assert_int_eq(kill(srv_b.pid, SIGCONT), 0);
	ck_assert_int_eq(tu_file_has(a.errlog, "stopped with the node"), 1);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_releases WHERE ?1", 1),
	    1);
	/* Not a failure of B's: the peer list shows no error. */
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE last_error "
			     "IS NOT NULL AND ?1",
			     1),
	    0);
	/* The next start pulls it. */
	start_a(&a, NULL, NULL);
	ck_assert_msg(
	    a_count_becomes("SELECT count(*) FROM peer_releases WHERE ?1", 2),
	    "B's 1.1.0 was not pulled within %d s", DEADLINE);
	held_all("1.1.0");
	ck_assert_int_eq(tu_server_stop(&a), 0);
}
END_TEST

START_TEST(test_peer_down)
{
	struct tu_resp r = { 0 };
	struct tu_server a;
	struct err e = { 0 };
	char out[8192], url[128], *m, *why;
	int i;

	start_a(&a, NULL, NULL);
	m = metric_becomes(&a, "tributary_federation_pulls_total", 1);
	ck_assert_msg(
	    series_value(m, "tributary_federation_peers_failing") == 0, "%s",
	    m);
	free(m);
	/* B was started by the suite's process: stopped from here by its
	** pid, and the suite's teardown reaps it. */
	ck_assert_int_eq(kill(srv_b.pid, SIGTERM), 0);
	for (i = 0; i < 200; i++) {
		int up =
		    tu_http(NULL, "GET", srv_b.base, NULL, NULL, 0, &r) == 0;

		tu_resp_free(&r);
		if (!up)
			break;
		usleep(50000);
	}
	ck_assert_msg(a_count_becomes("SELECT count(*) FROM peers WHERE name = "
				      "'b' AND last_error IS NOT NULL AND ?1",
			  1),
	    "B's failure is not on A's peer list");
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "list", "--data", adir, NULL }),
	    0);
	snprintf(tu_dbpath, sizeof(tu_dbpath), "%s/node.db", adir);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
	why = tu_q_text("SELECT last_error FROM peers WHERE ?1", 1);
	db_close(tu_db);
	tu_db = NULL;
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(out, why) != NULL, "no \"%s\" in:\n%s", why, out);
	free(why);
	m = metric_becomes(&a, "tributary_federation_peers_failing", 1);
	ck_assert_msg(
	    series_value(m, "tributary_federation_peers_failing") == 1, "%s",
	    m);
	ck_assert_msg(series_value(m,
			  "tributary_federation_peer_pulls_failed_total{"
			  "peer=\"b\"}") >= 1,
	    "%s", m);
	ck_assert_msg(
	    series_value(m, "tributary_federation_pulls_failed_total") >= 1,
	    "%s", m);
	/* The last good pull is still shown. */
	ck_assert_msg(
	    series_value(m,
		"tributary_federation_peer_last_success_timestamp_seconds{"
		"peer=\"b\"}") > 0,
	    "%s", m);
	free(m);
	ck_assert_int_eq(tu_file_has(a.errlog, "federate: peer b failed"), 1);
	/* A keeps serving. */
	snprintf(url, sizeof(url), "%s/healthz", a.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	ck_assert_int_eq(tu_server_stop(&a), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fedtimer");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_pulls_on_timer);
	tcase_add_test(tc, test_stops_mid_pull);
	tcase_add_test(tc, test_peer_down);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
