/*
** Test helpers (testutil.h).
*/
#include "testutil.h"

#include <check.h>
#include <curl/curl.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "audio.h"
#include "blob.h"
#include "campaign.h"
#include "consent.h"
#include "consent_record.h"
#include "contrib.h"
#include "db.h"
#include "licences.h"
#include "node.h"
#include "release.h"
#include "release_build.h"
#include "review.h"
#include "writer.h"

char *
tu_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char buf[512];
	char *p;

	snprintf(buf, sizeof(buf), "%s/tributary-test-XXXXXX", t ? t : "/tmp");
	if ((p = mkdtemp(buf)) == NULL)
		return (NULL);
	return (strdup(p));
}

void
tu_rmrf(const char *dir)
{
	char *argv[] = { "rm", "-rf", (char *)dir, NULL };

	tu_run(argv, NULL, 0);
}

int
tu_cli(char *out, size_t outlen, const char *const *args)
{
	char *argv[20];
	const char *bin = getenv("TRIBUTARY_BIN");
	int n = 0, i;

	argv[n++] = "sh";
	argv[n++] = "-c";
	argv[n++] = "exec \"$@\" 2>&1";
	argv[n++] = "sh";
	argv[n++] = "timeout";
	argv[n++] = "60";
	argv[n++] = (char *)(bin != NULL ? bin : "./tributary");
	for (i = 0; args[i] != NULL && n < 19; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (out != NULL)
		out[0] = '\0';
	return (tu_run(argv, out, outlen));
}

int
tu_suite_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}

char *tu_base;

void
tu_base_setup(void)
{
	tu_base = tu_tmpdir();
	ck_assert_ptr_nonnull(tu_base);
}

void
tu_base_teardown(void)
{
	tu_rmrf(tu_base);
	free(tu_base);
	tu_base = NULL;
}

char tu_dbpath[600];
struct db *tu_db;
struct writer *tu_writer;

/* The sha256 of the consent document tu_give_consent() gives, once the
** documents are stored in this tu_db ("" before). */
static char consent_sha[65];

void
tu_db_setup(void)
{
	struct err e = { 0 };

	tu_base_setup();
	snprintf(tu_dbpath, sizeof(tu_dbpath), "%s/node.db", tu_base);
	tu_db = db_open(tu_dbpath, 0, &e);
	ck_assert_msg(tu_db != NULL, "db_open: %s", e.msg);
	ck_assert_msg(db_migrate(tu_db, &e) == 0, "db_migrate: %s", e.msg);
	tu_writer = writer_start(tu_dbpath, 0, &e);
	ck_assert_msg(tu_writer != NULL, "writer_start: %s", e.msg);
	consent_sha[0] = '\0';
}

void
tu_db_teardown(void)
{
	writer_stop(tu_writer);
	tu_writer = NULL;
	db_close(tu_db);
	tu_db = NULL;
	tu_base_teardown();
}

void
tu_run_ok(writer_fn fn, void *arg)
{
	struct err e = { 0 };

	ck_assert_msg(
	    writer_run(tu_writer, fn, arg, &e) == 0, "job failed: %s", e.msg);
}

void
tu_run_fails(writer_fn fn, void *arg, enum err_code code)
{
	struct err e = { 0 };

	ck_assert_msg(
	    writer_run(tu_writer, fn, arg, &e) == -1, "job should fail");
	ck_assert_msg(e.code == code, "error %s (%s), want %s",
	    err_name(e.code), e.msg, err_name(code));
}

/* ${sql} prepared on tu_db, ?1 bound to ${a} if it has it. */
static sqlite3_stmt *
q_prepare(const char *sql, long long a)
{
	sqlite3_stmt *st;

	ck_assert_msg(sqlite3_prepare_v2(
			  db_handle(tu_db), sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db_handle(tu_db)));
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	return (st);
}

long long
tu_node_q_int(const char *dir, const char *sql, long long a)
{
	struct err e = { 0 };
	long long v;

	snprintf(tu_dbpath, sizeof(tu_dbpath), "%.580s/node.db", dir);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
	v = tu_q_int(sql, a);
	db_close(tu_db);
	tu_db = NULL;
	return (v);
}

long long
tu_q_int(const char *sql, long long a)
{
	sqlite3_stmt *st = q_prepare(sql, a);
	long long v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_type(st, 0) == SQLITE_NULL
		    ? -2
		    : sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return (v);
}

char *
tu_q_text(const char *sql, long long a)
{
	sqlite3_stmt *st = q_prepare(sql, a);
	char *v = NULL;

	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return (v);
}

int64_t
tu_add_account(const char *handle, enum account_role role)
{
	struct account_new an = { 0 };

	an.handle = handle;
	an.role = role;
	an.passphrase_hash = "$argon2id$not-a-real-hash";
	tu_run_ok(account_create_job, &an);
	ck_assert_int_gt(an.id, 0);
	return (an.id);
}

int64_t
tu_add_campaign(const char *def)
{
	struct campaign_import ci = { 0 };
	json_error_t je;

	ci.def = json_loads(def, 0, &je);
	ck_assert_msg(ci.def != NULL, "campaign JSON: %s", je.text);
	tu_run_ok(campaign_import_job, &ci);
	json_decref(ci.def);
	ck_assert_int_gt(ci.id, 0);
	return (ci.id);
}

int64_t
tu_give_consent(int64_t account, int64_t campaign, const char *scopes)
{
	struct consent_give g = { 0 };
	json_error_t je;

	if (consent_sha[0] == '\0') {
		struct consent_set set = { 0 };
		const struct consent_doc *d;
		struct err e = { 0 };

		ck_assert_msg(
		    consent_load_dir(tu_src_path("consent"), &set, &e) == 0,
		    "%s", e.msg);
		tu_run_ok(consent_store_job, &set);
		ck_assert_ptr_nonnull(
		    d = consent_latest(&set, "general", "en"));
		snprintf(consent_sha, sizeof(consent_sha), "%s", d->sha256);
		consent_set_free(&set);
	}
	g.scopes = json_loads(scopes, 0, &je);
	ck_assert_msg(g.scopes != NULL, "%s: %s", scopes, je.text);
	g.account_id = account;
	g.campaign_id = campaign;
	g.document = consent_sha;
	g.age_confirmed = 1;
	g.method = "checkbox";
	tu_run_ok(consent_give_job, &g);
	json_decref(g.scopes);
	ck_assert_int_gt(g.id, 0);
	return (g.id);
}

int64_t
tu_add_text(int64_t account, int64_t campaign, const char *text)
{
	static int seq;
	struct contrib_new c = { 0 };
	struct err e = { 0 };
	char key[32];

	snprintf(key, sizeof(key), "tu-text-%d", ++seq);
	c.account_id = account;
	c.campaign_id = campaign;
	c.consent_id = contrib_live_consent(tu_db, account, campaign, &e);
	ck_assert_msg(c.consent_id > 0, "no live consent: %s", e.msg);
	c.key = key;
	c.kind = "text";
	c.text = text;
	c.report_json = "{}";
	snprintf(c.request_sha, sizeof(c.request_sha), "%064x", seq);
	tu_run_ok(contrib_create_job, &c);
	ck_assert_int_gt(c.id, 0);
	return (c.id);
}

void
tu_expect_not_on_disk(const char *dbpath, const char *needle)
{
	char path[800];
	int rc;

	rc = tu_file_has(dbpath, needle);
	ck_assert_msg(rc != -1, "cannot read %s", dbpath);
	ck_assert_msg(rc == 0, "%s holds \"%s\"", dbpath, needle);
	snprintf(path, sizeof(path), "%s-wal", dbpath);
	rc = tu_file_has(path, needle);
	ck_assert_msg(rc != 1, "%s holds \"%s\"", path, needle);
}

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open, running, done;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };

/* Holds the writer until the gate opens. */
static int
gate_job(struct db *d, void *arg, struct err *e)
{
	(void)d;
	(void)arg;
	(void)e;
	pthread_mutex_lock(&gate.mu);
	gate.running = 1;
	pthread_cond_broadcast(&gate.cv);
	while (!gate.open)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
	return (0);
}

void
tu_gate_reset(void)
{
	pthread_mutex_lock(&gate.mu);
	gate.open = gate.running = gate.done = 0;
	pthread_mutex_unlock(&gate.mu);
}

void
tu_gate_hold(struct writer_job *job)
{
	tu_gate_reset();
	memset(job, 0, sizeof(*job));
	job->fn = gate_job;
	job->done = tu_gate_done;
	writer_submit(tu_writer, job);
	pthread_mutex_lock(&gate.mu);
	while (!gate.running)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
}

void
tu_gate_done(struct writer_job *job)
{
	(void)job;
	pthread_mutex_lock(&gate.mu);
	gate.done++;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
}

void
tu_gate_release(int n)
{
	pthread_mutex_lock(&gate.mu);
	gate.open = 1;
	pthread_cond_broadcast(&gate.cv);
	while (gate.done < n)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
}

void *
tu_read_file(const char *path, size_t *n)
{
	FILE *f;
	char *p;
	long len;

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	ck_assert_msg(fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0,
	    "%s: %s", path, strerror(errno));
	rewind(f);
	ck_assert_ptr_nonnull(p = malloc((size_t)len + 1));
	ck_assert_msg(fread(p, 1, (size_t)len, f) == (size_t)len,
	    "%s: cannot read %ld bytes", path, len);
	p[len] = '\0';
	fclose(f);
	*n = (size_t)len;
	return (p);
}

void *
tu_slurp(const char *path, size_t *n)
{
	void *p = tu_read_file(path, n);

	ck_assert_msg(p != NULL, "%s: %s", path, strerror(errno));
	return (p);
}

int
tu_file_has(const char *path, const char *needle)
{
	size_t n;
	char *p;
	int found;

	if ((p = tu_read_file(path, &n)) == NULL)
		return (-1);
	found = memmem(p, n, needle, strlen(needle)) != NULL;
	free(p);
	return (found);
}

const char *
tu_src_path(const char *rel)
{
	static char path[4096];
	const char *src = getenv("TRIBUTARY_SOURCE_DIR");

	snprintf(path, sizeof(path), "%s/%s",
	    src != NULL ? src : TRIBUTARY_SOURCE_DIR, rel);
	return (path);
}

int
tu_run(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status;
	size_t used = 0;
	ssize_t r;
	pid_t pid;
	char junk[4096];

	if (pipe(pfd) == -1)
		return (-1);
	if ((pid = fork()) == -1)
		return (-1);
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		if (out != NULL && used + 1 < outlen)
			r = read(pfd[0], out + used, outlen - used - 1);
		else
			r = read(pfd[0], junk, sizeof(junk));
		if (r <= 0)
			break;
		if (out != NULL && used + 1 < outlen)
			used += (size_t)r;
	}
	if (out != NULL && outlen > 0)
		out[used] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) == -1)
		return (-1);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

int
tu_server_start(struct tu_server *s, const char *dir, const char *const *extra)
{
	const char *bin = getenv("TRIBUTARY_BIN");
	char *argv[64], line[256];
	int pfd[2], efd, i = 0, n = 0, tls;
	size_t used = 0;
	ssize_t r;
	char *p;

	if (bin == NULL)
		bin = "./tributary";
	memset(s, 0, sizeof(*s));
	snprintf(s->errlog, sizeof(s->errlog), "%s/server.log", dir);
	argv[n++] = (char *)bin;
	argv[n++] = "serve";
	argv[n++] = "--data";
	argv[n++] = (char *)dir;
	argv[n++] = "--port";
	argv[n++] = "0";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 62; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	if (pipe(pfd) == -1)
		return (-1);
	if ((s->pid = fork()) == -1)
		return (-1);
	if (s->pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		if ((efd = open(
			 s->errlog, O_WRONLY | O_CREAT | O_APPEND, 0600)) >= 0)
			dup2(efd, 2);
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	while (used + 1 < sizeof(line)) {
		r = read(pfd[0], line + used, sizeof(line) - used - 1);
		if (r <= 0)
			break;
		used += (size_t)r;
		line[used] = '\0';
		if (strchr(line, '\n') != NULL)
			break;
	}
	line[used] = '\0';
	/* Keep the pipe open in a child-less way: drain later output. */
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	if ((p = strstr(line, "listening on http://127.0.0.1:")) == NULL &&
	    (p = strstr(line, "listening on https://127.0.0.1:")) == NULL) {
		close(pfd[0]);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		fprintf(stderr, "server did not start: \"%s\" (see %s)\n", line,
		    s->errlog);
		return (-1);
	}
	tls = strncmp(p, "listening on https", 18) == 0;
	s->port = atoi(strstr(p, "127.0.0.1:") + strlen("127.0.0.1:"));
	snprintf(s->base, sizeof(s->base), "%s://127.0.0.1:%d",
	    tls ? "https" : "http", s->port);
	/* stdout stays a pipe we never read again; the server writes nothing
	** more than a few lines, well under the pipe's buffer. */
	return (0);
}

/* Copies the last ${max} bytes of ${path} to stderr: why a server died. */
static void
dump_tail(const char *path, long max)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > max)
		fseek(f, -max, SEEK_END);
	else
		fseek(f, 0, SEEK_SET);
	fprintf(stderr, "--- last lines of %s ---\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "--- end of %s ---\n", path);
	fclose(f);
}

int
tu_server_stop(struct tu_server *s)
{
	int status, rc;

	if (s->pid <= 0)
		return (-1);
	kill(s->pid, SIGTERM);
	if (waitpid(s->pid, &status, 0) == -1)
		return (-1);
	s->pid = 0;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (rc != 0)
		dump_tail(s->errlog, 8192);
	return (rc);
}

struct sink {
	char *p;
	size_t n;
};

static size_t
sink_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct sink *k = ud;
	size_t len = size * nmemb;
	char *np;

	if ((np = realloc(k->p, k->n + len + 1)) == NULL)
		return (0);
	k->p = np;
	memcpy(k->p + k->n, ptr, len);
	k->n += len;
	k->p[k->n] = '\0';
	return (len);
}

const char *tu_ca_file;

int
tu_http(void **handle, const char *method, const char *url,
    const char *const *headers, const void *body, size_t n, struct tu_resp *out)
{
	struct curl_slist *hl = NULL;
	struct sink b = { 0 }, h = { 0 };
	CURL *c;
	CURLcode rc;
	int i;

	memset(out, 0, sizeof(*out));
	if (handle != NULL && *handle != NULL) {
		c = *handle;
		curl_easy_reset(c);
	} else if ((c = curl_easy_init()) == NULL)
		return (-1);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (tu_ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, tu_ca_file);
	hl = curl_slist_append(hl, "Expect:");
	for (i = 0; headers != NULL && headers[i] != NULL; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &out->connects);
	}
	out->body = b.p ? b.p : strdup("");
	out->n = b.n;
	out->headers = h.p ? h.p : strdup("");
	if (handle != NULL)
		*handle = c;
	else
		curl_easy_cleanup(c);
	return (rc == CURLE_OK ? 0 : -1);
}

void
tu_http_close(void *handle)
{
	if (handle != NULL)
		curl_easy_cleanup(handle);
}

char *
tu_header(const struct tu_resp *r, const char *name)
{
	size_t n = strlen(name);
	const char *p = r->headers, *e;

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ')
				p++;
			e = strpbrk(p, "\r\n");
			return (strndup(p, e ? (size_t)(e - p) : strlen(p)));
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (NULL);
}

void
tu_expect_header(const struct tu_resp *r, const char *name, const char *want)
{
	char *v = tu_header(r, name);

	if (want == NULL)
		ck_assert_msg(v == NULL, "%s: unexpected \"%s\"", name, v);
	else {
		ck_assert_msg(v != NULL, "%s missing", name);
		ck_assert_str_eq(v, want);
	}
	free(v);
}

void
tu_resp_free(struct tu_resp *r)
{
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof(*r));
}

void
tu_validate(int64_t id)
{
	struct review_decision d = { 0 };

	d.id = id;
	d.status = "validated";
	d.reason = "checked";
	tu_run_ok(review_decision_job, &d);
}

int64_t
tu_add_recording(struct node *n, int64_t account, int64_t campaign, int tone)
{
	struct contrib_new c = { 0 };
	static int seq;
	struct err e = { 0 };
	int16_t s[16000];
	char key[32], sha[65];
	size_t i, len;
	void *flac;

	for (i = 0; i < 16000; i++)
		s[i] = (int16_t)((i * (size_t)tone) % 2000 - 1000);
	ck_assert_ptr_nonnull(
	    flac = audio_flac_encode(s, 16000, 16000, &len, &e));
	ck_assert_int_eq(blob_put(n->blobs, flac, len, sha, &e), 0);
	free(flac);
	snprintf(key, sizeof(key), "rec-%d", ++seq);
	c.account_id = account;
	c.campaign_id = campaign;
	c.consent_id = contrib_live_consent(tu_db, account, campaign, &e);
	c.key = key;
	c.kind = "audio";
	c.prompt = "Read this sentence aloud.";
	c.audio_sha256 = sha;
	c.duration = 1.0;
	c.sample_rate = 16000;
	c.report_json = "{}";
	snprintf(c.request_sha, sizeof(c.request_sha), "%064x", 1000 + seq);
	tu_run_ok(contrib_create_job, &c);
	tu_validate(c.id);
	return (c.id);
}

void
tu_cut_release(struct node *n, const struct licence_table *lt,
    const char *version, int approve)
{
	struct release_selection sel;
	struct release_record rr = { 0 };
	struct release_approve ra = { 0 };
	struct release_spec s = { 0 };
	struct err e = { 0 };

	s.version = version;
	s.dataset = "ewe";
	s.licence = "cc-by-4.0";
	s.splits[0] = 80;
	s.splits[1] = 10;
	s.splits[2] = 10;
	ck_assert_int_eq(
	    release_select(tu_db, lt, n->pseudonym_key, &s, &sel, &e), 0);
	rr.spec = &s;
	rr.sel = &sel;
	tu_run_ok(release_record_job, &rr);
	release_selection_free(&sel);
	ck_assert_msg(
	    release_build(n, tu_db, version, &e) == 0, "build: %s", e.msg);
	if (!approve)
		return;
	ra.version = version;
	ra.needed = 1;
	tu_run_ok(release_approve_job, &ra);
	ck_assert_int_eq(ra.approved, 1);
}

void
tu_hub_sweep(
    const char *dir, time_t now, long grace, struct blob_sweep_stats *st)
{
	struct blobstore *bs;
	struct err e = { 0 };
	struct db *db;
	char path[1200];

	snprintf(path, sizeof(path), "%s/hub-objects", dir);
	ck_assert_msg((bs = blob_open(path, &e)) != NULL, "%s", e.msg);
	blob_refs_hub(bs);
	snprintf(path, sizeof(path), "%s/node.db", dir);
	ck_assert_msg((db = db_open(path, 0, &e)) != NULL, "%s", e.msg);
	ck_assert_msg(blob_sweep(bs, db, now, grace, st, &e) == 0, "%s", e.msg);
	db_close(db);
	blob_close(bs);
}

struct node *
tu_node_open(const char *dir)
{
	struct err e = { 0 };
	struct node *n;

	ck_assert_msg((n = node_open(dir, &e)) != NULL, "%s", e.msg);
	snprintf(tu_dbpath, sizeof(tu_dbpath), "%.590s", n->dbpath);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
	tu_writer = n->writer;
	return (n);
}

void
tu_node_close(struct node *n)
{
	db_close(tu_db);
	tu_db = NULL;
	tu_writer = NULL;
	node_close(n);
}

void
tu_add_ewe_campaigns(int64_t *text, int64_t *audio)
{
	*text = tu_add_campaign(
	    "{\"slug\":\"words\",\"title\":\"Words\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}");
	*audio = tu_add_campaign(
	    "{\"slug\":\"voices\",\"title\":\"Voices\",\"language\":\"ee\","
	    "\"kind\":\"audio\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_voice\"],\"minimum_age\":16,\"min_seconds\":0.5,"
	    "\"max_seconds\":10,\"sample_rate\":16000}");
}

void
tu_fed_node(const char *dir)
{
	struct consent_set set = { 0 };
	struct err e = { 0 };
	char out[4096];
	struct node *n;
	int64_t t, a, p;

	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", dir, NULL }),
	    0);
	n = tu_node_open(dir);
	/* tu_give_consent() stores the documents in the first node only. */
	ck_assert_msg(consent_load_dir(tu_src_path("consent"), &set, &e) == 0,
	    "%s", e.msg);
	tu_run_ok(consent_store_job, &set);
	consent_set_free(&set);
	tu_add_ewe_campaigns(&t, &a);
	p = tu_add_account("ama", ROLE_CONTRIBUTOR);
	tu_give_consent(p, t, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(
	    p, a, "[\"publish_voice\",\"commercial_use\",\"voice_synthesis\"]");
	tu_node_close(n);
}

int64_t
tu_fed_cut(const char *dir, const char *version, int texts, int recs, int tone)
{
	struct licence_table lt;
	struct err e = { 0 };
	struct node *n = tu_node_open(dir);
	int64_t p, t, a, id, first = 0;
	char text[96];
	int i;

	p = tu_q_int("SELECT id FROM accounts WHERE handle = 'ama' AND ?1", 1);
	t = tu_q_int("SELECT id FROM campaigns WHERE slug = 'words' AND ?1", 1);
	a = tu_q_int(
	    "SELECT id FROM campaigns WHERE slug = 'voices' AND ?1", 1);
	for (i = 0; i < texts; i++) {
		snprintf(text, sizeof(text), "Sentence %d of %s in %s.", i,
		    version, dir + strlen(dir) - 1);
		id = tu_add_text(p, t, text);
		tu_validate(id);
		if (first == 0)
			first = id;
	}
	for (i = 0; i < recs; i++)
		tu_add_recording(n, p, a, tone + i);
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
	tu_cut_release(n, &lt, version, 1);
	licences_free(&lt);
	tu_node_close(n);
	return (first);
}

void
tu_fed_whoami(const char *dir, char *key, char *fpr)
{
	char out[1024];
	const char *k, *f;

	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "whoami", "--data", dir, NULL }),
	    0);
	ck_assert_ptr_nonnull(k = strstr(out, "public key:  "));
	ck_assert_ptr_nonnull(f = strstr(out, "fingerprint: "));
	snprintf(key, 65, "%.64s", k + 13);
	snprintf(fpr, 20, "%.19s", f + 13);
}

void
tu_fed_held_same(const char *holder, const char *dir, const char *version)
{
	char path[2000], obj[1200];
	size_t i, n1, n2;
	json_t *m, *f;
	void *x, *y;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", dir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	ck_assert_uint_gt(json_array_size(json_object_get(m, "files")), 0);
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		const char *sha =
		    json_string_value(json_object_get(f, "sha256"));

		snprintf(path, sizeof(path), "%s/releases/%s/%s", dir, version,
		    json_string_value(json_object_get(f, "path")));
		snprintf(obj, sizeof(obj), "%s/federation/objects/%.2s/%s",
		    holder, sha, sha + 2);
		x = tu_slurp(path, &n1);
		ck_assert_msg((y = tu_read_file(obj, &n2)) != NULL,
		    "%s is not held", path);
		ck_assert_msg(n1 == n2 && memcmp(x, y, n1) == 0,
		    "%s differs from what %s holds", path, holder);
		free(x);
		free(y);
	}
	json_decref(m);
}
