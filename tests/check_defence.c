/*
** What the node refuses or closes to protect itself, through the real
** server on real nodes made with its own CLI. Raw sockets play the slow
** and hostile clients libcurl will not: headers a byte at a time (closed
** after --header-timeout, and a node full of such clients makes room for
** a newcomer), a body a few bytes a second (closed under --body-min-rate),
** uploads declared and never sent (an account's third gets 429
** too_many_uploads and a node's budget 503 busy, at once, both with
** Retry-After; the budget comes back when a connection closes, and the
** node's memory stays small), and a chunked body (411 at once, or an
** answer or a close where no body is taken). Over libcurl: logins and
** joins that a form on another site could send (415 for a body that is
** not JSON, 403 cross_site for another Origin or Sec-Fetch-Site, no
** cookie either way); the CSRF token compared whole (empty, short,
** prefix, longer, one character changed, and a session whose stored
** token is empty); /healthz probing the database on every call; and an
** If-Range that does not match giving the whole recording.
**
** No test asserts how long anything took: a test that waits for the node
** to close or answer waits about ten seconds, against deadlines of one or
** two, so a node that never does fails by that bound. The servers are
** started once, before the tests fork, so a failing test never leaves one
** running; each must stop cleanly.
*/
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "apitest.h"
#include "dbcache.h"
#include "err.h"
#include "testutil.h"
#include "wav.h"

#define RATE 16000
/* Every person's passphrase (user add), long enough for any rule. */
#define PASS "a passphrase long enough for anyone"
/* How long a test waits for the node to close or answer: ten times the
** deadlines under test, so only a node that never does fails. */
#define WAIT_MS 10000
/* Connections that fill the "full" node, its --max-connections. */
#define NFULL 32
/* A declared upload: three fit the "up" node's budget of 16 MiB, four do
** not, and the voice campaign there takes recordings this large. */
#define UPLOAD_BYTES 5000000
#define UP_BUDGET    "16777216"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];  /* CSRF, chunked bodies, If-Range */
static char slowdir[700];  /* header deadline and minimum body rate */
static char fulldir[700];  /* 32 connections at most */
static char updir[700];    /* the upload budget, uploads per account */
static char probedir[700]; /* /healthz; its database is broken by a test */
static struct tu_server srv, slow, full, up, probe;

/* --- raw connections --- */

/* A TCP connection to ${port} on 127.0.0.1; the test fails if there is
** none. */
static int
raw_open(int port)
{
	struct sockaddr_in sa;
	int fd;

	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect to %d: %s", port, strerror(errno));
	return (fd);
}

/* Sends all ${n} bytes of ${p} on ${fd}: 0, or -1 if the node closed it
** (no SIGPIPE). */
static int
raw_send(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		if ((k = send(fd, c, n, MSG_NOSIGNAL)) <= 0)
			return (-1);
		c += k;
		n -= (size_t)k;
	}
	return (0);
}

/* raw_send() of the string ${s}, which must go through. */
static void
raw_send_ok(int fd, const char *s)
{
	ck_assert_msg(
	    raw_send(fd, s, strlen(s)) == 0, "send: %s", strerror(errno));
}

/*
** Reads what the node sends on ${fd} for up to ${ms} milliseconds without
** a byte, into ${out} (${n} bytes, NUL-ended): until an answer's headers
** and its Content-Length of body are in, or the node closes. Returns the
** answer's status, 0 if the node closed with no answer (end of stream or
** a reset), or -1 if nothing more came within ${ms}.
*/
static int
raw_answer(int fd, int ms, char *out, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t used = 0, want = 0;
	const char *end, *cl;
	ssize_t k;

	out[0] = '\0';
	for (;;) {
		if ((end = strstr(out, "\r\n\r\n")) != NULL) {
			cl = strcasestr(out, "\r\nContent-Length:");
			want = (size_t)(end + 4 - out) +
			    (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10)
						    : 0);
			if (used >= want || used + 1 >= n)
				break;
		}
		if (poll(&pfd, 1, ms) != 1) {
			if (strncmp(out, "HTTP/1.", 7) == 0 && used >= 12)
				break; /* an answer, its end not seen */
			return (-1);
		}
		k = recv(fd, out + used, n - used - 1, 0);
		if (k <= 0)
			break; /* closed, or reset */
		used += (size_t)k;
		out[used] = '\0';
	}
	if (strncmp(out, "HTTP/1.", 7) != 0 || used < 12)
		return (0);
	return (atoi(out + 9));
}

/* Has the node closed ${fd}? Reads (and drops) anything it sent, waiting
** up to ${ms}: 1 closed (end of stream or reset), 0 still open. */
static int
raw_closed(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char junk[512];
	ssize_t k;

	while (poll(&pfd, 1, ms) == 1) {
		if ((k = recv(fd, junk, sizeof(junk), MSG_DONTWAIT)) == 0)
			return (1);
		if (k < 0)
			return (errno != EAGAIN && errno != EINTR);
	}
	return (0);
}

/* Nothing at all from the node on ${fd} for ${ms}: the request is held,
** neither answered nor closed. */
static int
raw_quiet(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return (poll(&pfd, 1, ms) == 0);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* --- requests through libcurl --- */

/*
** ${method} ${path} on ${s} with the ${body} (may be NULL) of Content-Type
** ${ctype} (may be NULL) and up to three more headers ${h1}..${h3} (each
** may be NULL), on a fresh connection; ${w} (may be NULL) gives the
** session cookie, and its X-CSRF-Token unless ${h1}..${h3} name one.
** Returns the status.
*/
static long
req(const struct tu_server *s, const char *method, const char *path,
    const struct who *w, const char *ctype, const char *body, const char *h1,
    const char *h2, const char *h3, struct tu_resp *out)
{
	char url[1024], ct[256], cookie[128], xcsrf[128];
	const char *h[8], *extra[] = { h1, h2, h3 };
	int i = 0, j, own_csrf = 0;

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	for (j = 0; j < 3; j++)
		if (extra[j] != NULL) {
			h[i++] = extra[j];
			own_csrf |=
			    strncasecmp(extra[j], "X-CSRF-Token", 12) == 0;
		}
	if (ctype != NULL) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
		h[i++] = ct;
	}
	if (w != NULL) {
		snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
		    w->token);
		h[i++] = cookie;
		if (!own_csrf) {
			snprintf(
			    xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", w->csrf);
			h[i++] = xcsrf;
		}
	}
	h[i] = NULL;
	ck_assert_msg(tu_http(NULL, method, url, h, body,
			  body ? strlen(body) : 0, out) == 0,
	    "%s %s: no answer from the server (see %s)", method, path,
	    s->errlog);
	return (out->status);
}

/* ${handle} (made with `user add`) logged in on ${s}. */
static void
login(const struct tu_server *s, const char *handle, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"" PASS "\"}", handle);
	req(s, "POST", "/api/v1/login", NULL, "application/json", body, NULL,
	    NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "login of %s: %ld %.300s", handle,
	    r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

/* GET /api/v1/me as ${w} on ${s}: 200, the session still works. */
static void
me_ok(const struct tu_server *s, const struct who *w, const char *when)
{
	struct tu_resp r;

	req(s, "GET", "/api/v1/me", w, NULL, NULL, NULL, NULL, NULL, &r);
	ck_assert_msg(r.status == 200, "%s: GET /api/v1/me %ld %.300s", when,
	    r.status, r.body);
	tu_resp_free(&r);
}

/* GET /healthz on ${s} on a fresh connection: its status. */
static long
healthz(const struct tu_server *s, struct tu_resp *r)
{
	return (
	    req(s, "GET", "/healthz", NULL, NULL, NULL, NULL, NULL, NULL, r));
}

/* --- 1, 2: slow headers, slow bodies --- */

START_TEST(test_slow_headers)
{
	static const char hdr[] = "X-Slow: one byte at a time, forever and "
				  "ever, never ending the line";
	struct tu_resp r;
	int fd, i, closed = 0;

	fd = raw_open(slow.port);
	raw_send_ok(fd, "GET /healthz HTTP/1.1\r\n");
	/* A byte every 300 ms for about ten seconds: each keeps MHD's own
	** idle timeout (30 s) from ever running out. */
	for (i = 0; i < WAIT_MS / 300 && !closed; i++) {
		if (raw_send(fd, hdr + (size_t)i % (sizeof(hdr) - 1), 1) == -1)
			closed = 1;
		else
			closed = raw_closed(fd, 300);
		if (i == 1) {
			/* Meanwhile a whole request is answered. */
			ck_assert_int_eq(healthz(&slow, &r), 200);
			tu_resp_free(&r);
		}
	}
	close(fd);
	ck_assert_msg(closed,
	    "headers sent a byte every 300 ms for %d ms were never cut off "
	    "(--header-timeout 1)",
	    WAIT_MS);
	ck_assert_int_eq(healthz(&slow, &r), 200);
	tu_resp_free(&r);
	/* /metrics counts it. */
	{
		char url[128];
		const char *m;

		snprintf(url, sizeof(url), "%s/metrics", slow.base);
		ck_assert_int_eq(
		    tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
		m = strstr(r.body,
		    "tributary_connections_closed_slow_total{part=\"headers\"}"
		    " ");
		ck_assert_msg(m != NULL, "no slow-headers count in /metrics");
		ck_assert_msg(atol(m +
				  strlen("tributary_connections_closed_"
					 "slow_total{part=\"headers\"} ")) >= 1,
		    "the closed connection is not counted");
		tu_resp_free(&r);
	}
}
END_TEST

/* The head of a login whose body is 4000 bytes of JSON. */
static void
login_head(char *dst, size_t n, int port)
{
	snprintf(dst, n,
	    "POST /api/v1/login HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 4000\r\n\r\n",
	    port);
}

START_TEST(test_slow_body)
{
	char head[512], body[4001], out[4096];
	int fd, i, closed = 0, st;

	/* {"handle":"nobody","passphrase":"xx...x"}: 4000 bytes. */
	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	memcpy(body, "{\"handle\":\"nobody\",\"passphrase\":\"", 33);
	memcpy(body + 3998, "\"}", 2);
	login_head(head, sizeof(head), slow.port);

	fd = raw_open(slow.port);
	raw_send_ok(fd, head);
	/* 10 bytes every 200 ms, 50 bytes/s against a minimum of 1000: 500
	** bytes in ten seconds, so the body is never complete. */
	for (i = 0; i < WAIT_MS / 200 && !closed; i++) {
		if (raw_send(fd, body + i * 10, 10) == -1)
			closed = 1;
		else
			closed = raw_closed(fd, 200);
	}
	close(fd);
	ck_assert_msg(closed,
	    "a body at 50 bytes/s was never cut off (--body-min-rate 1000) "
	    "in %d ms",
	    WAIT_MS);

	/* The same body at full speed is read and answered. */
	fd = raw_open(slow.port);
	raw_send_ok(fd, head);
	raw_send_ok(fd, body);
	st = raw_answer(fd, WAIT_MS, out, sizeof(out));
	close(fd);
	ck_assert_msg(st == 400 || st == 401,
	    "a whole login body at full speed: %d \"%.300s\"", st, out);
}
END_TEST

/* --- 3: a node full of slow clients makes room --- */

struct trickle {
	int fd[NFULL];
	atomic_int stop;
	int closed; /* connections the node closed */
};

/* Sends each open connection of ${arg} one byte of a header every 300 ms
** until told to stop; counts those the node closes. */
static void *
trickler(void *arg)
{
	struct trickle *t = arg;
	struct pollfd pfd[NFULL];
	char junk[256];
	ssize_t k;
	int i, n;

	while (!atomic_load(&t->stop)) {
		for (i = n = 0; i < NFULL; i++) {
			if (t->fd[i] < 0)
				continue;
			if (raw_send(t->fd[i], "a", 1) == -1) {
				close(t->fd[i]);
				t->fd[i] = -1;
				t->closed++;
				continue;
			}
			pfd[n].fd = t->fd[i];
			pfd[n++].events = POLLIN;
		}
		sleep_ms(300);
		if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
			continue;
		for (i = 0; i < NFULL; i++) {
			if (t->fd[i] < 0)
				continue;
			k = recv(t->fd[i], junk, sizeof(junk), MSG_DONTWAIT);
			if (k == 0 || (k < 0 && errno != EAGAIN)) {
				close(t->fd[i]);
				t->fd[i] = -1;
				t->closed++;
			}
		}
	}
	return (NULL);
}

START_TEST(test_full_node_makes_room)
{
	struct trickle t = { .closed = 0 };
	struct tu_resp r;
	pthread_t th;
	char url[128];
	int i, rc;

	atomic_init(&t.stop, 0);
	for (i = 0; i < NFULL; i++) {
		t.fd[i] = raw_open(full.port);
		raw_send_ok(t.fd[i], "GET /healthz HTTP/1.1\r\nX-Slow: ");
	}
	ck_assert_int_eq(pthread_create(&th, NULL, trickler, &t), 0);
	/* Every connection the node allows is taken by a client that will
	** not finish its headers within --header-timeout (30 s), nor within
	** curl's 30 s: only the busy deadline (1 s) lets this one in. */
	snprintf(url, sizeof(url), "%s/healthz", full.base);
	rc = tu_http(NULL, "GET", url, NULL, NULL, 0, &r);
	atomic_store(&t.stop, 1);
	pthread_join(th, NULL);
	for (i = 0; i < NFULL; i++)
		if (t.fd[i] >= 0)
			close(t.fd[i]);
	ck_assert_msg(rc == 0 && r.status == 200,
	    "a newcomer to a node full of slow clients: curl %s, status %ld "
	    "(the node closed %d of them)",
	    rc == 0 ? "answered" : "failed", r.status, t.closed);
	tu_resp_free(&r);
}
END_TEST

/* --- 4: the upload budget and uploads per account --- */

/* The head of a recording of UPLOAD_BYTES to "voice" on the "up" node as
** ${w} with the Idempotency-Key ${key}, into ${dst}. */
static void
upload_head(char *dst, size_t n, const struct who *w, const char *key)
{
	snprintf(dst, n,
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Cookie: tributary_session=%s\r\n"
	    "X-CSRF-Token: %s\r\n"
	    "Idempotency-Key: %s\r\n"
	    "Content-Length: %d\r\n\r\n",
	    up.port, w->token, w->csrf, key, UPLOAD_BYTES);
}

/* The error code of the raw answer ${out} ({"error":{"code"}}), malloc'd,
** or NULL. */
static char *
raw_code(const char *out)
{
	const char *b = strstr(out, "\r\n\r\n"), *c;
	char *code = NULL;
	json_t *j;

	if (b == NULL || (j = json_loads(b + 4, 0, NULL)) == NULL)
		return (NULL);
	if ((c = jstr(json_object_get(j, "error"), "code")) != NULL)
		code = strdup(c);
	json_decref(j);
	return (code);
}

/* The raw answer ${out} is ${status} with the error ${code} and a
** Retry-After header; ${what} says which request it was. */
static void
expect_raw_refusal(
    int st, const char *out, int status, const char *code, const char *what)
{
	char *got;

	ck_assert_msg(st == status, "%s: %d, want %d at once: \"%.400s\"", what,
	    st, status, out);
	got = raw_code(out);
	ck_assert_msg(got != NULL && strcmp(got, code) == 0,
	    "%s: code %s, want %s", what, got ? got : "(none)", code);
	free(got);
	ck_assert_msg(strcasestr(out, "\r\nRetry-After:") != NULL,
	    "%s: no Retry-After: \"%.400s\"", what, out);
}

/*
** Declares an upload as ${w} (${key}) and sends none of its body: the node
** must hold it, answering nothing for half a second. While the node
** answers 503 busy instead, tries again, up to ${tries} times in all: a
** budget comes back only once the node has seen a connection close.
** Returns the held connection.
*/
static int
upload_held(const struct who *w, const char *key, int tries)
{
	char head[1024], out[4096], *code;
	int fd, st, i;

	upload_head(head, sizeof(head), w, key);
	for (i = 0; i < tries; i++) {
		fd = raw_open(up.port);
		raw_send_ok(fd, head);
		if (raw_quiet(fd, 500))
			return (fd);
		st = raw_answer(fd, WAIT_MS, out, sizeof(out));
		close(fd);
		code = raw_code(out);
		ck_assert_msg(
		    st == 503 && code != NULL && strcmp(code, "busy") == 0,
		    "upload %s was not held: %d \"%.400s\"", key, st, out);
		free(code);
		sleep_ms(100);
	}
	ck_abort_msg("upload %s: the node stayed busy %d tries", key, tries);
	return (-1);
}

/* Declares an upload as ${w} (${key}) that the node must refuse at once
** with ${status}, ${code} and Retry-After. */
static void
upload_refused(
    const struct who *w, const char *key, int status, const char *code)
{
	char head[1024], out[4096];
	int fd, st;

	upload_head(head, sizeof(head), w, key);
	fd = raw_open(up.port);
	raw_send_ok(fd, head);
	st = raw_answer(fd, WAIT_MS, out, sizeof(out));
	close(fd);
	expect_raw_refusal(st, out, status, code, key);
}

/* The peak resident memory of process ${pid} (VmHWM), in kB. */
static long
peak_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	ck_assert_int_gt(kb, 0);
	return (kb);
}

/* Starts process ${pid}'s peak over from what it holds now (clear_refs
** 5, Linux 4.0): 0, or -1 if this kernel or sandbox does not allow it. */
static int
peak_rss_reset(pid_t pid)
{
	char path[64];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", (int)pid);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	rc = fputs("5", f) >= 0 ? 0 : -1;
	return (fclose(f) == 0 ? rc : -1);
}

START_TEST(test_upload_limits)
{
	struct who a, b;
	int a1, a2, b1, b3, reset;
	long kb, before;

	login(&up, "up-a", &a);
	login(&up, "up-b", &b);
	/* Each login's Argon2 hash took 64 MiB for a moment: the peak that
	** matters is the one while the uploads are held. */
	reset = peak_rss_reset(up.pid) == 0;
	before = peak_rss_kb(up.pid);
	/* Two uploads of one account are held, its third refused at once
	** (the budget holds three). */
	a1 = upload_held(&a, "a-1", 1);
	a2 = upload_held(&a, "a-2", 1);
	upload_refused(&a, "a-3", 429, "too_many_uploads");
	/* Another account: one more fits the budget (once the node has let
	** go of a-3's share), the next does not. */
	b1 = upload_held(&b, "b-1", 40);
	upload_refused(&b, "b-2", 503, "busy");

	/* Three uploads of 5 MB declared and held: none of it was read, and
	** the node's memory shows it. */
	kb = peak_rss_kb(up.pid);
	ck_assert_msg(kb < 100 * 1024,
	    "the node's peak memory is %ld kB holding three uploads", kb);
	if (reset)
		ck_assert_msg(kb - before < UPLOAD_BYTES / 1024,
		    "holding three uploads of %d bytes, none of them sent, "
		    "took the node from %ld to %ld kB",
		    UPLOAD_BYTES, before, kb);

	/* The first account gives up: its share comes back. */
	close(a1);
	close(a2);
	b3 = upload_held(&b, "b-3", 40);
	close(b1);
	close(b3);
}
END_TEST

/*
** A route that takes a large body (the prompt import: 4 MiB, fixed) asks
** who is sending before it reads any of it: a stranger's declared body is
** answered 401 at once, and the node holds none of it.
*/
START_TEST(test_large_route_asks_first)
{
	char head[512], out[4096], *code;
	int fd;

	snprintf(head, sizeof(head),
	    "POST /api/v1/campaigns/demo-text/prompts/import?licence=cc0-1.0 "
	    "HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Length: 4000000\r\n\r\n",
	    srv.port);
	fd = raw_open(srv.port);
	raw_send_ok(fd, head);
	ck_assert_int_eq(raw_answer(fd, 3000, out, sizeof(out)), 401);
	code = raw_code(out);
	ck_assert_msg(code != NULL && strcmp(code, "login_required") == 0,
	    "the answer: %s", out);
	free(code);
	close(fd);
}
END_TEST

/* --- 5: logins and joins from a form on another site --- */

/* ${r} carries no cookie. */
static void
no_cookie(const struct tu_resp *r, const char *what)
{
	char *sc = tu_header(r, "Set-Cookie");

	ck_assert_msg(sc == NULL, "%s set a cookie: %s", what, sc);
}

START_TEST(test_login_cross_site)
{
	static const char *const paths[] = { "/api/v1/login", "/api/v1/join" };
	static const char json[] =
	    "{\"handle\":\"origin-user\",\"passphrase\":\"" PASS "\"}";
	/* What a plain HTML form may send without asking anyone. */
	static const struct {
		const char *ctype, *body;
	} forms[] = {
		{ "text/plain", json },
		{ "application/x-www-form-urlencoded",
		    "handle=origin-user&passphrase=a+passphrase" },
		{ "multipart/form-data; boundary=xyz",
		    "--xyz\r\nContent-Disposition: form-data; name=\"handle\""
		    "\r\n\r\norigin-user\r\n--xyz--\r\n" },
	};
	struct tu_resp r;
	struct who w;
	char what[256], origin[128];
	size_t i, k;

	for (i = 0; i < 2; i++) {
		for (k = 0; k < 3; k++) {
			snprintf(what, sizeof(what), "%s as %s", paths[i],
			    forms[k].ctype);
			req(&srv, "POST", paths[i], NULL, forms[k].ctype,
			    forms[k].body, NULL, NULL, NULL, &r);
			expect_error(&r, 415, "unsupported", what);
			no_cookie(&r, what);
			tu_resp_free(&r);
		}
		snprintf(
		    what, sizeof(what), "%s from another Origin", paths[i]);
		req(&srv, "POST", paths[i], NULL, "application/json", json,
		    "Origin: http://evil.example", NULL, NULL, &r);
		expect_error(&r, 403, "cross_site", what);
		no_cookie(&r, what);
		tu_resp_free(&r);
		snprintf(what, sizeof(what), "%s, Sec-Fetch-Site: cross-site",
		    paths[i]);
		req(&srv, "POST", paths[i], NULL, "application/json", json,
		    "Sec-Fetch-Site: cross-site", NULL, NULL, &r);
		expect_error(&r, 403, "cross_site", what);
		no_cookie(&r, what);
		tu_resp_free(&r);
	}

	/* The node's own origin (curl's Host) is no stranger: a wrong
	** passphrase gets as far as the check. */
	snprintf(origin, sizeof(origin), "Origin: %s", srv.base);
	req(&srv, "POST", "/api/v1/login", NULL, "application/json",
	    "{\"handle\":\"origin-user\",\"passphrase\":\"not the one\"}",
	    origin, "Sec-Fetch-Site: same-origin", NULL, &r);
	ck_assert_msg(r.status == 401,
	    "a login from the node's own origin: %ld %.300s", r.status, r.body);
	no_cookie(&r, "a wrong passphrase");
	tu_resp_free(&r);

	/* Logged in, a write from another site is refused even with the
	** session's token, and the session is left alone. */
	login(&srv, "origin-user", &w);
	req(&srv, "POST", "/api/v1/logout", &w, "application/json", "{}",
	    "Origin: http://evil.example", NULL, NULL, &r);
	expect_error(&r, 403, "cross_site", "a logout from another site");
	tu_resp_free(&r);
	me_ok(&srv, &w, "after a logout from another site");
}
END_TEST

/* --- 6: bodies without a length --- */

/*
** Sends ${method} ${path} with a chunked body that announces a chunk of
** 4 GiB and brings a few bytes of it, then nothing. The node's answer's
** status into ${out} (${n} bytes): as raw_answer(), waiting WAIT_MS.
*/
static int
chunked(const char *method, const char *path, char *out, size_t n)
{
	char head[1024];
	int fd, st;

	snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: application/json\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "FFFFFFFF\r\n"
	    "{\"handle\":\"nobody\",\"passphrase\":",
	    method, path, srv.port);
	fd = raw_open(srv.port);
	raw_send_ok(fd, head);
	st = raw_answer(fd, WAIT_MS, out, n);
	close(fd);
	return (st);
}

START_TEST(test_chunked)
{
	static const char *const api[] = { "/api/v1/login", "/api/v1/join" };
	static const char *const gets[] = { "/healthz", "/" };
	char out[8192], *code;
	size_t i;
	int st;

	for (i = 0; i < 2; i++) {
		st = chunked("POST", api[i], out, sizeof(out));
		code = raw_code(out);
		ck_assert_msg(st == 411 && code != NULL &&
			strcmp(code, "length_required") == 0,
		    "POST %s chunked: %d, want 411 length_required at once: "
		    "\"%.400s\"",
		    api[i], st, out);
		free(code);
	}
	/* Where no body is taken, it is answered or closed, not held. */
	st = chunked("POST", "/healthz", out, sizeof(out));
	ck_assert_msg(st == 405,
	    "POST /healthz chunked: %d, want 405 at once: \"%.300s\"", st, out);
	for (i = 0; i < 2; i++) {
		st = chunked("GET", gets[i], out, sizeof(out));
		ck_assert_msg(st != -1,
		    "GET %s with a chunked body was held for %d ms", gets[i],
		    WAIT_MS);
	}
}
END_TEST

/* --- 7: the CSRF token --- */

START_TEST(test_csrf_token)
{
	char h[6][128], last;
	struct tu_resp r;
	struct who w;
	int i;

	login(&srv, "csrf-user", &w);
	ck_assert_uint_eq(strlen(w.csrf), CSRF_LEN);
	last = w.csrf[CSRF_LEN - 1] == 'A' ? 'B' : 'A';
	/* "Name;" is curl's way to send a header with an empty value,
	** "Name:" its way to send none. */
	snprintf(h[0], sizeof(h[0]), "X-CSRF-Token;");
	snprintf(h[1], sizeof(h[1]), "X-CSRF-Token:");
	snprintf(h[2], sizeof(h[2]), "X-CSRF-Token: %c", w.csrf[0]);
	snprintf(
	    h[3], sizeof(h[3]), "X-CSRF-Token: %.*s", CSRF_LEN - 1, w.csrf);
	snprintf(h[4], sizeof(h[4]), "X-CSRF-Token: %sx", w.csrf);
	snprintf(h[5], sizeof(h[5]), "X-CSRF-Token: %.*s%c", CSRF_LEN - 1,
	    w.csrf, last);
	for (i = 0; i < 6; i++) {
		req(&srv, "POST", "/api/v1/logout", &w, "application/json",
		    "{}", h[i], NULL, NULL, &r);
		expect_error(&r, 403, "csrf", h[i]);
		tu_resp_free(&r);
		me_ok(&srv, &w, h[i]);
	}
	ck_assert_int_eq(req(&srv, "POST", "/api/v1/logout", &w,
			     "application/json", "{}", NULL, NULL, NULL, &r),
	    204);
	tu_resp_free(&r);
	req(&srv, "GET", "/api/v1/me", &w, NULL, NULL, NULL, NULL, NULL, &r);
	expect_error(&r, 401, "login_required", "after logging out");
	tu_resp_free(&r);
}
END_TEST

/* A session whose stored token is empty (a damaged or foreign row) is
** matched by no header, an empty one least of all. */
START_TEST(test_csrf_blank_stored)
{
	struct err e = { 0 };
	struct dbcache *c;
	struct tu_resp r;
	struct who w;
	sqlite3_stmt *st;
	sqlite3 *db;
	char path[800];

	login(&srv, "blank-user", &w);
	snprintf(path, sizeof(path), "%s/node.db", maindir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	ck_assert_int_eq(sqlite3_prepare_v2(db,
			     "UPDATE sessions SET csrf = '' WHERE account_id "
			     "= ?1",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_int64(st, 1, w.id);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
	/* Whatever the server remembers of the session is stale now. */
	snprintf(path, sizeof(path), "%s/node.db-changes", maindir);
	ck_assert_ptr_nonnull(c = dbcache_open(path, &e));
	dbcache_bump(c);
	dbcache_close(c);

	req(&srv, "POST", "/api/v1/logout", &w, "application/json", "{}",
	    "X-CSRF-Token;", NULL, NULL, &r);
	expect_error(&r, 403, "csrf", "an empty token against an empty one");
	tu_resp_free(&r);
	req(&srv, "POST", "/api/v1/logout", &w, "application/json", "{}",
	    "X-CSRF-Token:", NULL, NULL, &r);
	expect_error(&r, 403, "csrf", "no token against an empty one");
	tu_resp_free(&r);
	me_ok(&srv, &w, "a session with an empty stored token");
}
END_TEST

/* --- 8: /healthz reads the database every time --- */

START_TEST(test_healthz_live)
{
	struct tu_resp r;
	char path[800];
	sqlite3 *db;
	time_t t0;
	json_t *j;
	int i;

	ck_assert_int_eq(healthz(&probe, &r), 200);
	tu_resp_free(&r);
	/* Just after a second begins (the probe node has one HTTP thread):
	** a probe remembered for a second would answer for the next one. */
	t0 = time(NULL);
	while (time(NULL) == t0)
		sleep_ms(2);
	ck_assert_int_eq(healthz(&probe, &r), 200);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "%s/node.db", probedir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 10000);
	ck_assert_int_eq(
	    sqlite3_exec(db, "DROP TABLE node_meta", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	for (i = 0; i < 3; i++) {
		healthz(&probe, &r);
		ck_assert_msg(r.status == 503,
		    "probe %d after the table went: %ld %.300s", i + 1,
		    r.status, r.body);
		j = jbody(&r);
		ck_assert_str_eq(jstr(j, "database"), "error");
		json_decref(j);
		tu_resp_free(&r);
	}
}
END_TEST

/* --- 9: If-Range --- */

/* ${n} samples at RATE that pass every check of a recording: a sweep
** from 200 to 800 Hz with some noise. malloc'd. */
static int16_t *
voice(size_t n)
{
	int16_t *s = malloc(n * sizeof(*s));
	uint32_t x = 12345;
	double phase = 0;
	size_t i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		phase +=
		    2 * M_PI * (200 + 600.0 * (double)i / (double)n) / RATE;
		s[i] = (int16_t)(6000 * sin(phase) + (int)(x % 4001) - 2000);
	}
	return (s);
}

/* ${w} consents to "voice" on the main node. */
static void
consent_voice(const struct who *w)
{
	struct tu_resp r;
	char body[512];
	json_t *j;

	ck_assert_int_eq(req(&srv, "GET", "/api/v1/consent/general?lang=en",
			     NULL, NULL, NULL, NULL, NULL, NULL, &r),
	    200);
	j = jbody(&r);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"voice\",\"document\":\"%s\","
	    "\"scopes\":[\"publish_voice\"],\"age_confirmed\":true}",
	    jstr(j, "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	req(&srv, "POST", "/api/v1/consents", w, "application/json", body, NULL,
	    NULL, NULL, &r);
	ck_assert_msg(r.status == 201, "consent: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
}

/* GET ${path} as ${w} with the headers ${h1} and ${h2} (may be NULL). */
static long
get_as(const struct who *w, const char *path, const char *h1, const char *h2,
    struct tu_resp *r)
{
	return (req(&srv, "GET", path, w, NULL, NULL, h1, h2, NULL, r));
}

START_TEST(test_if_range)
{
	char url[256], cookie[128], xcsrf[128], path[128], ifr[160], *etag;
	const char *h[5];
	struct tu_resp r, whole;
	struct who w;
	int16_t *s;
	uint8_t *wav;
	size_t len;
	json_t *j;
	long long id;

	login(&srv, "range-user", &w);
	consent_voice(&w);
	s = voice(2 * RATE);
	ck_assert_ptr_nonnull(wav = wav_write_mono16(s, 2 * RATE, RATE, &len));
	free(s);
	snprintf(url, sizeof(url), "%s/api/v1/contributions?campaign=voice",
	    srv.base);
	snprintf(
	    cookie, sizeof(cookie), "Cookie: tributary_session=%s", w.token);
	snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", w.csrf);
	h[0] = "Content-Type: audio/wav";
	h[1] = cookie;
	h[2] = xcsrf;
	h[3] = "Idempotency-Key: range-1";
	h[4] = NULL;
	ck_assert_int_eq(tu_http(NULL, "POST", url, h, wav, len, &r), 0);
	free(wav);
	ck_assert_msg(r.status == 201, "upload: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	id = jint(json_object_get(j, "contribution"), "id");
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_gt(id, 0);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/audio", id);

	ck_assert_int_eq(get_as(&w, path, NULL, NULL, &whole), 200);
	ck_assert_uint_gt(whole.n, 10);
	ck_assert_int_eq(get_as(&w, path, "Range: bytes=0-9", NULL, &r), 206);
	ck_assert_uint_eq(r.n, 10);
	etag = tu_header(&r, "ETag");
	ck_assert_msg(
	    etag != NULL && etag[0] == '"', "ETag %s", etag ? etag : "(none)");
	tu_resp_free(&r);

	/* The copy the client has is this one: the range. */
	snprintf(ifr, sizeof(ifr), "If-Range: %s", etag);
	free(etag);
	ck_assert_int_eq(get_as(&w, path, "Range: bytes=0-9", ifr, &r), 206);
	ck_assert_uint_eq(r.n, 10);
	ck_assert(memcmp(r.body, whole.body, 10) == 0);
	tu_resp_free(&r);
	/* Another copy, or one known only by a date: the whole file. */
	ck_assert_int_eq(
	    get_as(&w, path, "Range: bytes=0-9", "If-Range: \"other\"", &r),
	    200);
	ck_assert_uint_eq(r.n, whole.n);
	ck_assert(memcmp(r.body, whole.body, whole.n) == 0);
	tu_resp_free(&r);
	ck_assert_int_eq(get_as(&w, path, "Range: bytes=0-9",
			     "If-Range: Sat, 01 Jan 2000 00:00:00 GMT", &r),
	    200);
	ck_assert_uint_eq(r.n, whole.n);
	tu_resp_free(&r);
	tu_resp_free(&whole);
}
END_TEST

/* --- setup, before any test forks --- */

/* The voice campaign, taking recordings of up to ${max_seconds}. */
static int
import_voice(const char *dir, const char *name, int max_seconds)
{
	char def[512];

	snprintf(def, sizeof(def),
	    "{\"slug\":\"voice\",\"title\":\"Voice drive\","
	    "\"language\":\"ee\",\"kind\":\"audio\",\"consent\":\"general\","
	    "\"required_scopes\":[\"publish_voice\"],\"minimum_age\":16,"
	    "\"min_seconds\":1,\"max_seconds\":%d,\"sample_rate\":%d}\n",
	    max_seconds, RATE);
	return (tu_import_campaign(bin, base, dir, name, def));
}

/* A contributor ${handle} with the passphrase PASS on the node ${dir}. */
static int
user_add(const char *dir, const char *handle)
{
	return (tu_user_add(bin, dir, handle, "contributor", NULL, PASS));
}

static int
node_init(const char *dir)
{
	char out[4096];
	char *init[] = { (char *)bin, "init", "--data", (char *)dir, NULL };

	return (tu_run_quiet(init, out, sizeof(out)));
}

/* The five nodes. 0, or -1 having said why. */
static int
make_nodes(void)
{
	if (node_init(maindir) != 0 || node_init(slowdir) != 0 ||
	    node_init(fulldir) != 0 || node_init(updir) != 0 ||
	    node_init(probedir) != 0)
		return (-1);
	if (import_voice(maindir, "voice-main.json", 10) != 0 ||
	    user_add(maindir, "csrf-user") != 0 ||
	    user_add(maindir, "blank-user") != 0 ||
	    user_add(maindir, "origin-user") != 0 ||
	    user_add(maindir, "range-user") != 0)
		return (-1);
	if (import_voice(updir, "voice-up.json", 60) != 0 ||
	    user_add(updir, "up-a") != 0 || user_add(updir, "up-b") != 0)
		return (-1);
	return (0);
}

/* Starts ${s} on ${dir} with the source tree's folders, rate limits out of
** the way, and the flags ${own} (NULL-ended). */
static int
start(struct tu_server *s, const char *dir, const char *const *own)
{
	char consent[600], redact[600], webroot[600];
	const char *extra[40] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, "--rate-per-address", "100000",
		"--rate-per-account", "100000" };
	size_t n = 10;

	while (*own != NULL && n < 39)
		extra[n++] = *own++;
	extra[n] = NULL;
	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_server_start(s, dir, extra));
}

static int
start_all(void)
{
	static const char *const none[] = { NULL };
	static const char *const slow_flags[] = { "--header-timeout", "1",
		"--header-timeout-busy", "1", "--body-min-rate", "1000",
		"--body-rate-window", "1", "--body-grace", "1", NULL };
	static const char *const full_flags[] = { "--max-connections", "32",
		"--per-ip-limit", "64", "--header-timeout", "30",
		"--header-timeout-busy", "1", NULL };
	/* Held uploads send nothing: no minimum rate closes them. */
	static const char *const up_flags[] = { "--upload-budget", UP_BUDGET,
		"--uploads-per-account", "2", "--body-min-rate", "0", NULL };
	static const char *const probe_flags[] = { "--threads", "1", NULL };

	if (start(&srv, maindir, none) == -1 ||
	    start(&slow, slowdir, slow_flags) == -1 ||
	    start(&full, fulldir, full_flags) == -1 ||
	    start(&up, updir, up_flags) == -1 ||
	    start(&probe, probedir, probe_flags) == -1)
		return (-1);
	return (0);
}

int
main(void)
{
	/* The servers, stopped (and checked) at the end. */
	struct tu_server *const stop[] = { &srv, &slow, &full, &up, &probe };
	const char *const names[] = { "main", "slow", "full", "up", "probe" };
	Suite *s;
	TCase *tc;
	size_t i;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(slowdir, sizeof(slowdir), "%s/slow", base);
	snprintf(fulldir, sizeof(fulldir), "%s/full", base);
	snprintf(updir, sizeof(updir), "%s/up", base);
	snprintf(probedir, sizeof(probedir), "%s/probe", base);
	if (make_nodes() == -1 || start_all() == -1) {
		fprintf(
		    stderr, "could not start the servers (logs in %s)\n", base);
		for (i = 0; i < 5; i++)
			tu_stop_clean(stop[i], names[i]);
		return (1);
	}

	s = suite_create("defence");
	tc = tcase_create("defence");
	/* A node that never closes or answers fails each wait by WAIT_MS,
	** the full node by curl's 30 s. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_slow_headers);
	tcase_add_test(tc, test_slow_body);
	tcase_add_test(tc, test_full_node_makes_room);
	tcase_add_test(tc, test_upload_limits);
	tcase_add_test(tc, test_large_route_asks_first);
	tcase_add_test(tc, test_login_cross_site);
	tcase_add_test(tc, test_chunked);
	tcase_add_test(tc, test_csrf_token);
	tcase_add_test(tc, test_csrf_blank_stored);
	tcase_add_test(tc, test_healthz_live);
	tcase_add_test(tc, test_if_range);
	suite_add_tcase(s, tc);

	return (tu_suite_end(s, stop, names, 5, base));
}
