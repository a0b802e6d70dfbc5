/*
** A node on a full disk: `tributary serve` starts on it, serves reads,
** answers 507 to writes and says that the disk is full, in its log and on
** /healthz (200, "disk":"full"); once there is room again writes are saved,
** and the consent documents it could not store at start are stored, so a
** consent can be given. A node whose SQLite shared-memory file is gone (as
** an older tributary left it) cannot open its database on a full disk, and
** says so plainly instead of "disk I/O error".
**
** The full disk is real: a 4 MiB tmpfs, mounted in a mount namespace of the
** test's own (each test runs in a child of its own, CK_FORK), so nothing
** outside sees it and it goes when the test ends. That needs root (or
** CAP_SYS_ADMIN); without it the tests say they were skipped and pass.
** RLIMIT_FSIZE would not do: it gives EFBIG, which SQLite reports as an
** I/O error and not as a full disk, and it would limit the log too.
*/
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apitest.h"

static const char *bin, *srcdir;
static char *base;
/* The server a test started, killed if the test ends by a failed assertion
** (Check exits the test's process): else it would outlive the test. */
static struct tu_server *live;

static void
kill_live(void)
{
	if (live != NULL && live->pid > 0) {
		kill(live->pid, SIGKILL);
		waitpid(live->pid, NULL, 0);
	}
}

static const char CAMPAIGN[] =
    "{\"slug\":\"full-text\",\"title\":\"Text on a full disk\","
    "\"language\":\"en\",\"kind\":\"text\",\"consent\":\"general\","
    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
    "\"max_chars\":2000}";

/*
** Mounts a 4 MiB tmpfs on ${base}/${name} (made) in a mount namespace of
** this process's own, its path into ${disk}. 0; -1 if this process may
** not (not root): the caller skips its test.
*/
static int
small_disk(const char *name, char *disk, size_t n)
{
	snprintf(disk, n, "%s/%s", base, name);
	ck_assert_msg(mkdir(disk, 0700) == 0, "mkdir %s", disk);
	if (unshare(CLONE_NEWNS) == -1) {
		fprintf(stderr,
		    "skipped: no mount namespace (%s); run as root\n",
		    strerror(errno));
		return (-1);
	}
	/* Nothing mounted here may reach the namespace we came from. */
	ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0,
	    "make / private: %s", strerror(errno));
	if (mount("tmpfs", disk, "tmpfs", 0, "size=4m,mode=0700") == -1) {
		fprintf(stderr, "skipped: cannot mount a tmpfs (%s)\n",
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* Writes ${path} until the disk holding it has not a byte left. */
static void
fill(const char *path)
{
	static char chunk[65536];
	size_t sz = sizeof(chunk);
	struct statvfs sv;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_msg(fd >= 0, "create %s: %s", path, strerror(errno));
	while (sz > 0) {
		w = write(fd, chunk, sz);
		if (w == -1 && errno == ENOSPC)
			sz /= 2;
		else
			ck_assert_msg(
			    w > 0, "write %s: %s", path, strerror(errno));
	}
	close(fd);
	ck_assert_int_eq(statvfs(path, &sv), 0);
	ck_assert_msg(sv.f_bfree == 0, "%lu blocks still free",
	    (unsigned long)sv.f_bfree);
}

/* Makes the node ${dir} holding the campaign "full-text", its server's
** log pointed at ${log} (outside the small disk, which will be full). */
static void
make_node(const char *dir, const char *log)
{
	char *init[] = { (char *)bin, "init", "--data", (char *)dir, NULL };
	char path[800];

	ck_assert_int_eq(tu_run_quiet(init, NULL, 0), 0);
	ck_assert_int_eq(
	    tu_import_campaign(bin, base, dir, "full.json", CAMPAIGN), 0);
	snprintf(path, sizeof(path), "%s/server.log", dir);
	ck_assert_msg(symlink(log, path) == 0, "symlink %s", path);
}

static int
start(struct tu_server *s, const char *dir)
{
	char consent[600], redact[600];
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, NULL };

	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	live = s;
	atexit(kill_live);
	return (tu_server_start(s, dir, extra));
}

/* GET ${path} on ${s} (no session). */
static long
get(const struct tu_server *s, const char *path, struct tu_resp *r)
{
	char url[700];

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	ck_assert_msg(tu_http(NULL, "GET", url, NULL, NULL, 0, r) == 0,
	    "GET %s: no answer (see %s)", path, s->errlog);
	return (r->status);
}

/* POST ${body} as JSON to ${path} on ${s}, as ${w} (NULL: no session). */
static long
post(const struct tu_server *s, const char *path, const struct who *w,
    const char *body, struct tu_resp *r)
{
	char url[700], cookie[128], csrf[128];
	const char *h[4] = { "Content-Type: application/json", NULL };

	if (w != NULL) {
		snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
		    w->token);
		snprintf(csrf, sizeof(csrf), "X-CSRF-Token: %s", w->csrf);
		h[1] = cookie;
		h[2] = csrf;
	}
	snprintf(url, sizeof(url), "%s%s", s->base, path);
	ck_assert_msg(tu_http(NULL, "POST", url, h, body, strlen(body), r) == 0,
	    "POST %s: no answer (see %s)", path, s->errlog);
	return (r->status);
}

/* /healthz on ${s}: 200, and "disk" is ${disk}; the body, owned. */
static json_t *
health(const struct tu_server *s, const char *disk)
{
	struct tu_resp r;
	json_t *j;

	ck_assert_int_eq(get(s, "/healthz", &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(jstr(j, "database"), "ok");
	ck_assert_msg(
	    jstr(j, "disk") != NULL && strcmp(jstr(j, "disk"), disk) == 0,
	    "/healthz: want disk %s: %s", disk, r.body);
	tu_resp_free(&r);
	return (j);
}

#define JOIN "{\"handle\":\"%s\",\"passphrase\":\"a long passphrase\"}"

START_TEST(test_full_disk)
{
	char disk[700], node[800], filler[800], log[800], body[512];
	struct tu_server s;
	struct tu_resp r;
	struct who w;
	json_t *j;
	int i, stored = 0;

	if (small_disk("full", disk, sizeof(disk)) == -1)
		return;
	snprintf(node, sizeof(node), "%s/node", disk);
	snprintf(filler, sizeof(filler), "%s/filler", disk);
	snprintf(log, sizeof(log), "%s/full.log", base);
	make_node(node, log);
	fill(filler);

	ck_assert_msg(start(&s, node) == 0,
	    "the node did not start on a full disk (log %s)", log);
	ck_assert_msg(
	    tu_file_has(log, "tributary: error: the disk is full: ") == 1,
	    "the log does not say the disk is full (%s)", log);

	/* /healthz: 200, so a load balancer keeps sending reads. */
	j = health(&s, "full");
	ck_assert_str_eq(jstr(j, "status"), "degraded");
	ck_assert_msg(strncmp(jstr(j, "reason"), "the disk is full: ", 18) == 0,
	    "reason: %s", jstr(j, "reason"));
	json_decref(j);

	/* Reads are served. */
	ck_assert_int_eq(get(&s, "/api/v1/campaigns", &r), 200);
	ck_assert_msg(strstr(r.body, "\"full-text\"") != NULL, "%s", r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(get(&s, "/api/v1/consent/general?lang=en", &r), 200);
	tu_resp_free(&r);

	/* A write is refused, plainly, and nothing of it is kept. */
	snprintf(body, sizeof(body), JOIN, "fullone");
	post(&s, "/api/v1/join", NULL, body, &r);
	expect_error(&r, 507, "storage", "join on a full disk");
	expect_message(&r, "the disk is full");
	tu_resp_free(&r);
	post(&s, "/api/v1/login", NULL,
	    "{\"handle\":\"fullone\","
	    "\"passphrase\":\"a long passphrase\"}",
	    &r);
	ck_assert_msg(
	    r.status == 401, "an unsaved account logs in: %ld", r.status);
	tu_resp_free(&r);

	/* Room again: writes are saved, /healthz says so once one is. */
	ck_assert_int_eq(unlink(filler), 0);
	snprintf(body, sizeof(body), JOIN, "fullone");
	ck_assert_msg(post(&s, "/api/v1/join", NULL, body, &r) == 201,
	    "join with room again: %ld %s", r.status, r.body);
	take_session(&r, &w);
	tu_resp_free(&r);
	j = health(&s, "ok");
	ck_assert_str_eq(jstr(j, "status"), "ok");
	json_decref(j);
	ck_assert_msg(tu_file_has(log, "the disk has room again") == 1,
	    "the log does not say the disk has room again (%s)", log);

	/* The consent documents a full disk kept out are stored within
	** seconds, and a consent to them is taken. */
	ck_assert_int_eq(get(&s, "/api/v1/consent/general?lang=en", &r), 200);
	j = jbody(&r);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"full-text\",\"document\":\"%s\","
	    "\"scopes\":[\"publish_text\"],\"age_confirmed\":true}",
	    jstr(j, "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	for (i = 0; i < 60 && !stored; i++) {
		stored = tu_file_has(
			     log, "the consent documents are stored now") == 1;
		if (!stored)
			usleep(250 * 1000);
	}
	ck_assert_msg(
	    stored, "the consent documents were not stored (%s)", log);
	ck_assert_msg(post(&s, "/api/v1/consents", &w, body, &r) == 201,
	    "consent with room again: %ld %s", r.status, r.body);
	tu_resp_free(&r);

	live = NULL;
	ck_assert_int_eq(tu_stop_clean(&s, "full"), 0);
}
END_TEST

START_TEST(test_no_shm_says_disk_full)
{
	char disk[700], node[800], path[900], log[800];
	struct tu_server s;

	if (small_disk("noshm", disk, sizeof(disk)) == -1)
		return;
	snprintf(node, sizeof(node), "%s/node", disk);
	snprintf(log, sizeof(log), "%s/noshm.log", base);
	make_node(node, log);
	/* What a node stopped by an older tributary left: no -shm, no -wal. */
	snprintf(path, sizeof(path), "%s/node.db-shm", node);
	ck_assert(unlink(path) == 0 || errno == ENOENT);
	snprintf(path, sizeof(path), "%s/node.db-wal", node);
	unlink(path);
	snprintf(path, sizeof(path), "%s/filler", disk);
	fill(path);

	ck_assert_msg(start(&s, node) == -1, "started without its -shm file");
	ck_assert_msg(tu_file_has(log, "the disk is full: ") == 1,
	    "the log does not say the disk is full (%s)", log);
	ck_assert_msg(tu_file_has(log, "node.db-shm") == 1,
	    "the log does not name node.db-shm (%s)", log);
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	s = suite_create("diskfull");
	tc = tcase_create("diskfull");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_full_disk);
	tcase_add_test(tc, test_no_shm_says_disk_full);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, NULL, NULL, 0, base));
}
