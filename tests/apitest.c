/*
** JSON API test helpers (apitest.h).
*/
#include "apitest.h"

#include <check.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *
jbody(const struct tu_resp *r)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(r->body, r->n, 0, &je);
	ck_assert_msg(j != NULL, "not JSON (%s): %.300s", je.text, r->body);
	return (j);
}

const char *
jstr(json_t *o, const char *k)
{
	return (json_string_value(json_object_get(o, k)));
}

long long
jint(json_t *o, const char *k)
{
	return (json_integer_value(json_object_get(o, k)));
}

/* The answer is ${status} with {"error":{"code":${code}}}. */
void
expect_error(
    const struct tu_resp *r, long status, const char *code, const char *what)
{
	const char *c;
	json_t *j;

	ck_assert_msg(r->status == status, "%s: status %ld, want %ld: %.400s",
	    what, r->status, status, r->body);
	j = jbody(r);
	c = jstr(json_object_get(j, "error"), "code");
	ck_assert_msg(c != NULL && strcmp(c, code) == 0,
	    "%s: error code %s, want %s", what, c ? c : "(none)", code);
	ck_assert_msg(jstr(json_object_get(j, "error"), "message") != NULL,
	    "%s: no message", what);
	json_decref(j);
}

/* The error message of ${r} contains ${needle}. */
void
expect_message(const struct tu_resp *r, const char *needle)
{
	const char *m;
	json_t *j;

	j = jbody(r);
	m = jstr(json_object_get(j, "error"), "message");
	ck_assert_msg(m != NULL && strstr(m, needle) != NULL,
	    "message \"%s\" does not name %s", m ? m : "(none)", needle);
	json_decref(j);
}

/* Reads the cookie and the {"account","csrf"} of a login or join answer. */
void
take_session(const struct tu_resp *r, struct who *w)
{
	json_t *j, *a;
	char *sc;
	size_t n;

	memset(w, 0, sizeof(*w));
	sc = tu_header(r, "Set-Cookie");
	ck_assert_msg(sc != NULL, "no Set-Cookie: %.300s", r->headers);
	ck_assert_msg(strncmp(sc, "tributary_session=", 18) == 0,
	    "cookie \"%s\" is not tributary_session", sc);
	n = strcspn(sc + 18, ";");
	ck_assert_msg(
	    n == SESSION_TOKEN_LEN, "token of %zu bytes in \"%s\"", n, sc);
	memcpy(w->token, sc + 18, n);
	free(sc);
	j = jbody(r);
	ck_assert_ptr_nonnull(jstr(j, "csrf"));
	ck_assert_uint_eq(strlen(jstr(j, "csrf")), CSRF_LEN);
	snprintf(w->csrf, sizeof(w->csrf), "%s", jstr(j, "csrf"));
	a = json_object_get(j, "account");
	ck_assert_msg(json_is_object(a), "no account in %.300s", r->body);
	w->id = json_integer_value(json_object_get(a, "id"));
	ck_assert_int_gt(w->id, 0);
	snprintf(w->handle, sizeof(w->handle), "%s", jstr(a, "handle"));
	snprintf(w->role, sizeof(w->role), "%s", jstr(a, "role"));
	ck_assert(json_is_false(json_object_get(a, "disabled")));
	json_decref(j);
}

int
tu_run_quiet(char *const argv[], char *out, size_t n)
{
	int rc = tu_run(argv, out, n);

	if (rc != 0)
		fprintf(stderr, "%s %s: exit %d: %s\n", argv[0], argv[1], rc,
		    out ? out : "");
	return (rc);
}

int
tu_import_campaign(const char *bin, const char *tmp, const char *dir,
    const char *name, const char *json)
{
	char path[700], out[1024];
	char *argv[] = { (char *)bin, "campaign", "import", "--data",
		(char *)dir, path, NULL };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fputs(json, f);
	fclose(f);
	return (tu_run_quiet(argv, out, sizeof(out)));
}

int
tu_read_cards(const char *out, int n, char (*dst)[CARD_CODE_LEN + 1])
{
	const char *p = out;
	int i;

	for (i = 0; i < n; i++) {
		if (strcspn(p, "\n") != CARD_CODE_LEN) {
			fprintf(stderr, "drive-codes printed: %s\n", out);
			return (-1);
		}
		memcpy(dst[i], p, CARD_CODE_LEN);
		dst[i][CARD_CODE_LEN] = '\0';
		p += CARD_CODE_LEN + 1;
	}
	return (0);
}

sqlite3 *
tu_db_open_ro(const char *dir)
{
	char path[800];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/node.db", dir);
	ck_assert_msg(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK,
	    "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
	sqlite3_busy_timeout(db, 10000);
	return (db);
}

long long
tu_db_get(const char *dir, const char *sql, long long a, const char *s,
    char *txt, size_t txtn)
{
	sqlite3 *db = tu_db_open_ro(dir);
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	long long v;
	int rc;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, s, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	ck_assert_msg(
	    rc == SQLITE_ROW, "%s: no row (%s)", sql, sqlite3_errmsg(db));
	v = sqlite3_column_int64(st, 0);
	if (txt != NULL) {
		t = sqlite3_column_text(st, 0);
		snprintf(txt, txtn, "%s", t ? (const char *)t : "");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (v);
}

long
tu_request(const struct tu_server *s, const char *method, const char *path,
    const struct tu_req *q, struct tu_resp *out)
{
	char url[4200], cookie[128], xcsrf[128], idem[512], ct[128];
	const char *h[8];
	int i = 0;

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	if (q->ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", q->ctype);
		h[i++] = ct;
	}
	if (q->w != NULL) {
		snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
		    q->w->token);
		h[i++] = cookie;
	}
	if (q->w != NULL && q->csrf) {
		snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", q->w->csrf);
		h[i++] = xcsrf;
	}
	if (q->key != NULL) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %s", q->key);
		h[i++] = idem;
	}
	if (q->extra != NULL)
		h[i++] = q->extra;
	h[i] = NULL;
	ck_assert_msg(tu_http(NULL, method, url, h, q->body, q->n, out) == 0,
	    "%s %s: no answer from the server (see %s)", method, path,
	    s->errlog);
	return (out->status);
}

static void *
burst_one(void *arg)
{
	struct tu_burst *b = arg;
	char ct[128], cookie[128], xcsrf[128], idem[128];
	const char *h[] = { ct, cookie, xcsrf, idem, NULL };
	struct tu_resp r;

	snprintf(ct, sizeof(ct), "Content-Type: %s", b->ctype);
	snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
	    b->w->token);
	snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", b->w->csrf);
	snprintf(idem, sizeof(idem), "Idempotency-Key: %s", b->key);
	pthread_barrier_wait(b->bar);
	b->rc = tu_http(NULL, "POST", b->url, h, b->body, b->len, &r);
	b->status = r.status;
	b->answer = r.body;
	b->n = r.n;
	r.body = NULL;
	tu_resp_free(&r);
	return (NULL);
}

void
tu_burst_run(struct tu_burst *b, int n)
{
	pthread_t th[TU_BURST_MAX];
	pthread_barrier_t bar;
	int i;

	ck_assert_int_le(n, TU_BURST_MAX);
	pthread_barrier_init(&bar, NULL, (unsigned)n);
	for (i = 0; i < n; i++) {
		b[i].bar = &bar;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, burst_one, &b[i]), 0);
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
}

void
tu_burst_one_key(
    const struct tu_burst *req, const void *other, size_t olen, int n)
{
	struct tu_burst b[TU_BURST_MAX];
	const void *winner = NULL;
	int i, created = 0, replayed = 0, refused = 0;
	json_t *j;

	ck_assert_int_le(n, TU_BURST_MAX);
	for (i = 0; i < n; i++) {
		b[i] = *req;
		if (other != NULL && i % 2) {
			b[i].body = other;
			b[i].len = olen;
		}
	}
	tu_burst_run(b, n);
	for (i = 0; i < n; i++)
		if (b[i].status == 201) {
			created++;
			winner = b[i].body;
		}
	ck_assert_msg(created == 1, "%d answers were 201", created);
	for (i = 0; i < n; i++) {
		ck_assert_msg(b[i].rc == 0, "request %d had no answer", i);
		if (b[i].body == winner) {
			ck_assert_msg(b[i].status == 201 || b[i].status == 200,
			    "request %d (the winner's body): %ld %.300s", i,
			    b[i].status, b[i].answer);
			replayed += b[i].status == 200;
			ck_assert_msg(other != NULL ||
				(b[i].n == b[0].n &&
				    memcmp(b[i].answer, b[0].answer, b[0].n) ==
					0),
			    "answers differ:\n%s\n%s", b[0].answer,
			    b[i].answer);
		} else {
			ck_assert_msg(b[i].status == 409 &&
				strstr(b[i].answer, "idempotency_mismatch"),
			    "request %d (the other body): %ld %.300s", i,
			    b[i].status, b[i].answer);
			refused++;
		}
	}
	ck_assert_int_eq(replayed, (other != NULL ? n / 2 : n) - 1);
	ck_assert_int_eq(refused, other != NULL ? n / 2 : 0);
	if (other == NULL) {
		j = json_loadb(b[0].answer, b[0].n, 0, NULL);
		ck_assert_msg(j != NULL, "not JSON: %.300s", b[0].answer);
		ck_assert_int_gt(
		    jint(json_object_get(j, "contribution"), "id"), 0);
		json_decref(j);
	}
	for (i = 0; i < n; i++)
		free(b[i].answer);
}

int
tu_stop_clean(struct tu_server *s, const char *name)
{
	int rc;

	if (s->pid <= 0)
		return (0);
	if ((rc = tu_server_stop(s)) != 0) {
		fprintf(stderr, "%s server exited with %d (its log is above)\n",
		    name, rc);
		return (-1);
	}
	return (0);
}

int
tu_suite_begin(const char **bin, const char **srcdir, char **base)
{
	if ((*bin = getenv("TRIBUTARY_BIN")) == NULL) {
		fprintf(stderr, "TRIBUTARY_BIN is not set\n");
		return (-1);
	}
	if ((*srcdir = getenv("TRIBUTARY_SOURCE_DIR")) == NULL)
		*srcdir = TRIBUTARY_SOURCE_DIR;
	if ((*base = tu_tmpdir()) == NULL)
		return (-1);
	curl_global_init(CURL_GLOBAL_ALL);
	return (0);
}

int
tu_suite_end(Suite *s, struct tu_server *const srv[], const char *const names[],
    size_t n, char *base)
{
	size_t i;
	int failed;

	failed = tu_suite_run(s);
	for (i = 0; i < n; i++)
		failed += tu_stop_clean(srv[i], names[i]) == -1;
	curl_global_cleanup();
	if (failed == 0)
		tu_rmrf(base);
	else
		fprintf(stderr, "left %s for a look\n", base);
	free(base);
	return (failed ? 1 : 0);
}

long
tu_as(const struct tu_server *s, const struct who *w, const char *method,
    const char *path, const char *body, struct tu_resp *out)
{
	struct tu_req q = { w, w != NULL, NULL,
		body ? "application/json" : NULL, NULL, body,
		body ? strlen(body) : 0 };

	return (tu_request(s, method, path, &q, out));
}

json_t *
tu_expect_json(const struct tu_server *s, const struct who *w,
    const char *method, const char *path, const char *body, long status)
{
	struct tu_resp r;
	json_t *j;

	tu_as(s, w, method, path, body, &r);
	ck_assert_msg(r.status == status, "%s %s: status %ld, want %ld: %.400s",
	    method, path, r.status, status, r.body);
	j = jbody(&r);
	tu_resp_free(&r);
	return (j);
}

void
tu_expect_refusal(const struct tu_server *s, const struct who *w,
    const char *method, const char *path, const char *body, long status,
    const char *code)
{
	struct tu_resp r;
	char what[300];

	snprintf(what, sizeof(what), "%s %s as %s", method, path,
	    w ? w->handle : "nobody");
	tu_as(s, w, method, path, body, &r);
	expect_error(&r, status, code, what);
	tu_resp_free(&r);
}

void
tu_log_in(const struct tu_server *s, const char *handle, const char *pass,
    struct who *w)
{
	struct tu_resp r;
	json_t *b;
	char *body;

	b = json_pack("{s:s,s:s}", "handle", handle, "passphrase", pass);
	body = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	tu_as(s, NULL, "POST", "/api/v1/login", body, &r);
	free(body);
	ck_assert_msg(r.status == 200, "%s's login: %ld %.300s", handle,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

int
tu_user_add(const char *bin, const char *dir, const char *handle,
    const char *role, const char *langs, const char *pass)
{
	char out[1024];
	char *argv[] = { "sh", "-c",
		"printf '%s\\n' \"$2\" | \"$0\" user add --data \"$1\" \"$3\" "
		"--role \"$4\" ${5:+--languages \"$5\"} --passphrase-stdin",
		(char *)bin, (char *)dir, (char *)pass, (char *)handle,
		(char *)role, (char *)(langs ? langs : ""), NULL };

	return (tu_run_quiet(argv, out, sizeof(out)));
}

void
tu_pass_of(const char *handle, char *out, size_t n)
{
	snprintf(out, n, "%s's passphrase", handle);
}

int
tu_users_add(const char *bin, const char *dir, const char *const *pairs)
{
	char pass[128];
	int rc;

	for (; pairs[0] != NULL && pairs[1] != NULL; pairs += 2) {
		tu_pass_of(pairs[0], pass, sizeof(pass));
		if ((rc = tu_user_add(
			 bin, dir, pairs[0], pairs[1], NULL, pass)) != 0)
			return (rc);
	}
	return (0);
}
