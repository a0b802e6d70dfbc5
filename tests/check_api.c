/*
** The people-and-consent API over real HTTP: the built binary is started
** on real nodes made with its own CLI (`init`, `campaign import`,
** `drive-codes`, `user add`) and asked with libcurl. Covers joining and the
** session cookie, logging in with a passphrase (and the dummy hash for an
** unknown handle), drive cards with PINs and their lock, the admin's
** one-time code, roles and CSRF, card re-issue, consent documents and
** consent records, logout, the per-address rate limit, cookies behind a
** trusted proxy, the `user` commands, and `serve` refusing a malformed
** consent document. Then the guards: who may re-issue whose card, the
** sessions a re-issue or a passphrase change ends, an unknown card
** answered as a wrong PIN, and, on a server with small settings, the
** login backoff and the cap on hashes per address. The servers are started once, before the tests fork,
** so a failing test never leaves one running; each must stop cleanly.
*/
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <errno.h>
#include <poll.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "apitest.h"
#include "testutil.h"

#define ROOT_PASS "root passphrase, long enough"
#define NCARDS    11

static const char *bin;
static const char *srcdir;
static char *base;
static char admin_code[64];
static char cards[NCARDS][CARD_CODE_LEN + 1];
static struct tu_server srv;     /* the main node */
static struct tu_server limited; /* --rate-per-address 1 */
static struct tu_server proxied; /* --trusted-proxy 127.0.0.1 */
static struct tu_server guarded; /* small login backoff and hash cap */

/*
** ${method} ${path} on ${s}; ${token} becomes the session cookie, ${csrf}
** the X-CSRF-Token header, ${extra} one more header (each may be NULL);
** ${body} is sent as JSON. Returns the status.
*/
static long
call(const struct tu_server *s, const char *method, const char *path,
    const char *token, const char *csrf, const char *extra, const char *body,
    struct tu_resp *out)
{
	char url[1024], cookie[128], xcsrf[128];
	const char *h[6];
	int n = 0;

	snprintf(url, sizeof(url), "%s%s", s->base, path);
	if (body != NULL)
		h[n++] = "Content-Type: application/json";
	if (token != NULL) {
		snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
		    token);
		h[n++] = cookie;
	}
	if (csrf != NULL) {
		snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", csrf);
		h[n++] = xcsrf;
	}
	if (extra != NULL)
		h[n++] = extra;
	h[n] = NULL;
	ck_assert_msg(tu_http(NULL, method, url, h, body,
			  body ? strlen(body) : 0, out) == 0,
	    "%s %s: no answer from the server (see %s)", method, path,
	    s->errlog);
	return (out->status);
}

/* As ${w}: cookie and CSRF token. */
static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	return (call(&srv, method, path, w->token, w->csrf, NULL, body, out));
}

static void
join_ok(const char *handle, const char *pass, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s\"}", handle, pass);
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL, body, &r);
	ck_assert_msg(
	    r.status == 201, "join %s: %ld %.300s", handle, r.status, r.body);
	take_session(&r, w);
	ck_assert_str_eq(w->handle, handle);
	ck_assert_str_eq(w->role, "contributor");
	tu_resp_free(&r);
}

static long
login_pass(const struct tu_server *s, const char *handle, const char *pass,
    const char *extra, struct tu_resp *r)
{
	char body[256];

	snprintf(body, sizeof(body),
	    "{\"handle\":\"%s\",\"passphrase\":\"%s\"}", handle, pass);
	return (call(s, "POST", "/api/v1/login", NULL, NULL, extra, body, r));
}

static long
login_card(const char *card, const char *pin, struct tu_resp *r)
{
	char body[256];

	snprintf(
	    body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"%s\"}", card, pin);
	return (call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL, body, r));
}

static void
root_login(struct who *w)
{
	struct tu_resp r;

	ck_assert_int_eq(login_pass(&srv, "root", ROOT_PASS, NULL, &r), 200);
	take_session(&r, w);
	ck_assert_str_eq(w->role, "admin");
	tu_resp_free(&r);
}

/* The Retry-After header as seconds (-1 if absent). */
static long
retry_after(const struct tu_resp *r)
{
	char *v = tu_header(r, "Retry-After");
	long s;

	if (v == NULL)
		return (-1);
	s = strtol(v, NULL, 10);
	free(v);
	return (s);
}

/* tributary_auth_dummy_hashes_total on ${s}. */
static long
dummy_hashes_on(const struct tu_server *s)
{
	static const char name[] = "\ntributary_auth_dummy_hashes_total ";
	struct tu_resp r;
	const char *p;
	long v;

	ck_assert_int_eq(
	    call(s, "GET", "/metrics", NULL, NULL, NULL, NULL, &r), 200);
	p = strstr(r.body, name);
	ck_assert_msg(p != NULL, "no dummy hash counter in /metrics");
	v = strtol(p + strlen(name), NULL, 10);
	tu_resp_free(&r);
	return (v);
}

/* The same on the main server. */
static long
dummy_hashes(void)
{
	return (dummy_hashes_on(&srv));
}

static void
nap(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* As the admin ${admin}: gives account ${id} the role ${role}. */
static void
set_role(const struct who *admin, long long id, const char *role)
{
	struct tu_resp r;
	char path[128], body[64];

	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/role", id);
	snprintf(body, sizeof(body), "{\"role\":\"%s\"}", role);
	ck_assert_int_eq(as(admin, "POST", path, body, &r), 200);
	tu_resp_free(&r);
}

/* ${r} has no "code" (a re-issue that was refused made none). */
static void
expect_no_code(const struct tu_resp *r)
{
	json_t *j = jbody(r);

	ck_assert_msg(json_object_get(j, "code") == NULL,
	    "a refused re-issue gave a code: %.300s", r->body);
	json_decref(j);
}

/* --- joining and logging in --- */

START_TEST(test_join)
{
	struct tu_resp r;
	struct who w, again;
	json_t *j;
	char *sc;

	call(&srv, "POST", "/api/v1/join", NULL, NULL,
	    "X-Forwarded-Proto: https",
	    "{\"handle\":\"ann\",\"passphrase\":\"correct horse battery\"}",
	    &r);
	ck_assert_msg(r.status == 201, "join: %ld %.300s", r.status, r.body);
	sc = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(sc);
	ck_assert_msg(strstr(sc, "; HttpOnly") != NULL, "not HttpOnly: %s", sc);
	ck_assert_msg(strstr(sc, "; SameSite=Strict") != NULL,
	    "not SameSite=Strict: %s", sc);
	ck_assert_msg(strstr(sc, "; Path=/") != NULL, "no Path=/: %s", sc);
	/* Plain HTTP and no trusted proxy: the forwarded header is a lie. */
	ck_assert_msg(strstr(sc, "Secure") == NULL, "Secure over HTTP: %s", sc);
	free(sc);
	take_session(&r, &w);
	ck_assert_str_eq(w.handle, "ann");
	ck_assert_str_eq(w.role, "contributor");
	j = jbody(&r);
	ck_assert_ptr_null(json_object_get(j, "created"));
	json_decref(j);
	tu_resp_free(&r);

	/* The cookie is a session. */
	ck_assert_int_eq(as(&w, "GET", "/api/v1/me", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(jstr(json_object_get(j, "account"), "handle"), "ann");
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(j, "account"), "id")),
	    w.id);
	ck_assert_str_eq(jstr(j, "csrf"), w.csrf);
	json_decref(j);
	tu_resp_free(&r);

	/* Taken. */
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL,
	    "{\"handle\":\"ann\",\"passphrase\":\"another passphrase\"}", &r);
	expect_error(&r, 409, "handle_taken", "duplicate join");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
	/* The first passphrase still logs in: the second join changed
	** nothing. */
	ck_assert_int_eq(
	    login_pass(&srv, "ann", "correct horse battery", NULL, &r), 200);
	take_session(&r, &again);
	ck_assert_int_eq(again.id, w.id);
	tu_resp_free(&r);

	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL,
	    "{\"handle\":\"Bad Handle\",\"passphrase\":\"correct horse "
	    "battery\"}",
	    &r);
	expect_error(&r, 400, "invalid", "bad handle");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL,
	    "{\"handle\":\"xy\",\"passphrase\":\"correct horse battery\"}", &r);
	expect_error(&r, 400, "invalid", "short handle");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL,
	    "{\"handle\":\"bea\",\"passphrase\":\"short\"}", &r);
	expect_error(&r, 400, "invalid", "short passphrase");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL,
	    "{\"handle\":\"bea\"}", &r);
	expect_error(&r, 400, "invalid", "no passphrase");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/join", NULL, NULL, NULL, "not json", &r);
	expect_error(&r, 400, "invalid", "not JSON");
	tu_resp_free(&r);
	/* None of the refused joins made an account. */
	ck_assert_int_eq(login_pass(&srv, "bea", "short", NULL, &r), 401);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_login_passphrase)
{
	struct tu_resp r;
	struct who w, l;
	long before;

	join_ok("lou", "lou's long passphrase", &w);
	ck_assert_int_eq(
	    login_pass(&srv, "lou", "lou's long passphrase", NULL, &r), 200);
	take_session(&r, &l);
	ck_assert_int_eq(l.id, w.id);
	ck_assert_str_eq(l.handle, "lou");
	/* A new session, not the join's. */
	ck_assert_str_ne(l.token, w.token);
	tu_resp_free(&r);

	before = dummy_hashes();
	ck_assert_int_eq(
	    login_pass(&srv, "lou", "not lou's passphrase", NULL, &r), 401);
	expect_error(&r, 401, "wrong_credentials", "wrong passphrase");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
	/* A wrong passphrase is checked against the real hash. */
	ck_assert_int_eq(dummy_hashes(), before);

	login_pass(&srv, "nobody-here", "some passphrase", NULL, &r);
	expect_error(&r, 401, "wrong_credentials", "unknown handle");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
	/* An unknown handle costs a full hash all the same. */
	ck_assert_int_eq(dummy_hashes(), before + 1);

	call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL,
	    "{\"handle\":\"lou\"}", &r);
	expect_error(&r, 400, "invalid", "no passphrase");
	tu_resp_free(&r);
}
END_TEST

/* A logged-in person sets a passphrase and can then log in with it. */
START_TEST(test_set_passphrase)
{
	struct tu_resp r;
	struct who w, l;

	join_ok("pat", "pat's first passphrase", &w);
	as(&w, "POST", "/api/v1/me/passphrase", "{\"passphrase\":\"short\"}",
	    &r);
	expect_error(&r, 400, "invalid", "short passphrase");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/me/passphrase", w.token, NULL, NULL,
	    "{\"passphrase\":\"pat's second passphrase\"}", &r);
	expect_error(&r, 403, "csrf", "no CSRF token");
	tu_resp_free(&r);
	ck_assert_int_eq(
	    as(&w, "POST", "/api/v1/me/passphrase",
		"{\"passphrase\":\"pat's second passphrase\"}", &r),
	    204);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    login_pass(&srv, "pat", "pat's first passphrase", NULL, &r), 401);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    login_pass(&srv, "pat", "pat's second passphrase", NULL, &r), 200);
	take_session(&r, &l);
	ck_assert_int_eq(l.id, w.id);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_card_pin)
{
	struct tu_resp r;
	struct who first, w;
	json_t *j;
	long ra;
	int i;

	/* A first use whose two PINs differ sets nothing. */
	{
		char body[256];

		snprintf(body, sizeof(body),
		    "{\"card\":\"%s\",\"pin\":\"1234\",\"pin_again\":"
		    "\"1243\"}",
		    cards[0]);
		call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL, body, &r);
		expect_error(&r, 400, "pin_again", "two PINs that differ");
		tu_resp_free(&r);
	}
	/* First use: the PIN becomes the card's, and an account is made;
	** the answer names the card's drive. */
	ck_assert_int_eq(login_card(cards[0], "1234", &r), 201);
	j = jbody(&r);
	ck_assert_msg(json_is_true(json_object_get(j, "created")),
	    "no \"created\":true in %.300s", r.body);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(j, "card_campaigns")), 1);
	json_decref(j);
	take_session(&r, &first);
	ck_assert_str_eq(first.role, "contributor");
	tu_resp_free(&r);

	/* The same PIN again (code written in lower case, no dashes). */
	{
		char loose[32];
		size_t k, n = 0;

		for (k = 0; cards[0][k] != '\0'; k++)
			if (cards[0][k] != '-')
				loose[n++] = (char)(cards[0][k] | 0x20);
		loose[n] = '\0';
		ck_assert_int_eq(login_card(loose, "1234", &r), 200);
	}
	take_session(&r, &w);
	ck_assert_int_eq(w.id, first.id);
	j = jbody(&r);
	ck_assert_ptr_null(json_object_get(j, "created"));
	json_decref(j);
	tu_resp_free(&r);

	/* Four wrong PINs: 401, worded as for a card that does not exist
	** (test_card_same_answer), so no count of tries left. */
	for (i = 1; i < PIN_TRIES; i++) {
		login_card(cards[0], "9999", &r);
		expect_error(&r, 401, "wrong_credentials", "wrong PIN");
		expect_message(&r, "this card code and PIN do not match");
		ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
		tu_resp_free(&r);
	}
	/* The fifth locks the card. */
	login_card(cards[0], "9999", &r);
	expect_error(&r, 429, "card_locked", "fifth wrong PIN");
	ra = retry_after(&r);
	ck_assert_msg(ra >= 1 && ra <= PIN_LOCK, "Retry-After %ld", ra);
	tu_resp_free(&r);
	/* Locked: even the right PIN is refused. */
	login_card(cards[0], "1234", &r);
	expect_error(&r, 429, "card_locked", "right PIN while locked");
	ra = retry_after(&r);
	ck_assert_msg(ra >= 1 && ra <= PIN_LOCK, "Retry-After %ld", ra);
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);

	/* Malformed PINs, unknown cards. */
	login_card(cards[1], "12", &r);
	expect_error(&r, 400, "invalid", "PIN 12");
	tu_resp_free(&r);
	login_card(cards[1], "12ab", &r);
	expect_error(&r, 400, "invalid", "PIN 12ab");
	tu_resp_free(&r);
	login_card("ZZZZ-ZZZZ-ZZZZ", "1234", &r);
	expect_error(&r, 401, "wrong_credentials", "unknown card");
	tu_resp_free(&r);
	login_card("not-a-card", "1234", &r);
	expect_error(&r, 401, "wrong_credentials", "malformed card");
	tu_resp_free(&r);
}
END_TEST

/* A raw HTTP/1.1 request in flight: the socket and what came back. */
struct raw {
	int fd;
	char buf[4096];
	size_t n;
	int done;
};

/* Connects to the main server and writes a card login for ${card} and
** ${pin} in full, then returns without reading. */
static void
raw_login(struct raw *q, const char *card, const char *pin)
{
	struct sockaddr_in sin;
	char body[128], req[512];
	int len;

	memset(q, 0, sizeof(*q));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)srv.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(q->fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(
	    connect(q->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(
	    body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"%s\"}", card, pin);
	len = snprintf(req, sizeof(req),
	    "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s",
	    strlen(body), body);
	ck_assert_int_eq(write(q->fd, req, (size_t)len), len);
}

/* Reads what is there; marks ${q} done at end of stream. */
static void
raw_read(struct raw *q)
{
	ssize_t r;

	r = read(q->fd, q->buf + q->n, sizeof(q->buf) - 1 - q->n);
	if (r > 0) {
		q->n += (size_t)r;
		q->buf[q->n] = '\0';
	} else if (r == 0 || errno != EINTR) {
		q->done = 1;
		close(q->fd);
	}
}

/* Waits until at least ${want} of ${nq} requests have their answer. */
static void
raw_wait(struct raw *q, int nq, int want)
{
	struct pollfd pfd[16];
	int i, k, ndone;

	for (;;) {
		for (i = ndone = k = 0; i < nq; i++)
			if (q[i].done)
				ndone++;
			else {
				pfd[k].fd = q[i].fd;
				pfd[k].events = POLLIN;
				k++;
			}
		if (ndone >= want)
			return;
		ck_assert_int_gt(poll(pfd, (nfds_t)k, 60000), 0);
		for (i = 0; i < nq; i++)
			if (!q[i].done && q[i].fd >= 0) {
				struct pollfd one = { q[i].fd, POLLIN, 0 };
				if (poll(&one, 1, 0) == 1)
					raw_read(&q[i]);
			}
	}
}

static long
raw_status(const struct raw *q)
{
	return (strncmp(q->buf, "HTTP/1.1 ", 9) == 0 ? atol(q->buf + 9) : -1);
}

/*
** Guesses sent all at once: every one of them passes the lock check
** before the first is counted. The lock must still hold once five are
** counted, even for a guess that was already in flight when it fell.
*/
START_TEST(test_pin_lock_in_flight)
{
	enum { NWRONG = 8 };
	struct raw q[NWRONG];
	struct tu_resp r;
	int i;

	ck_assert_int_eq(login_card(cards[2], "4321", &r), 201);
	tu_resp_free(&r);
	/* Eight wrong guesses, in flight together... */
	for (i = 0; i < NWRONG; i++)
		raw_login(&q[i], cards[2], "0000");
	/* ...the server has read them all by the time two are answered (each
	** waits for a full Argon2 hash, two at a time). Then the right PIN:
	** it too finds the card unlocked, and waits behind the six others. */
	raw_wait(q, NWRONG, 2);
	login_card(cards[2], "4321", &r);
	raw_wait(q, NWRONG, NWRONG);
	for (i = 0; i < NWRONG; i++)
		ck_assert_msg(
		    raw_status(&q[i]) == 401 || raw_status(&q[i]) == 429,
		    "wrong guess %d: %.200s", i, q[i].buf);
	/* Eight wrong PINs were tried before it: the card is locked. */
	ck_assert_msg(r.status == 429,
	    "the right PIN got %ld after %d wrong ones: the lock was "
	    "bypassed: %.200s",
	    r.status, NWRONG, r.body);
	expect_error(&r, 429, "card_locked", "right PIN after 8 wrong");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
	login_card(cards[2], "4321", &r);
	expect_error(&r, 429, "card_locked", "right PIN, later");
	tu_resp_free(&r);
}
END_TEST

/* A disabled account's card no longer logs in. */
START_TEST(test_card_disabled)
{
	struct tu_resp r;
	struct who admin, holder;
	char path[128];

	root_login(&admin);
	ck_assert_int_eq(login_card(cards[3], "8642", &r), 201);
	take_session(&r, &holder);
	tu_resp_free(&r);
	snprintf(
	    path, sizeof(path), "/api/v1/accounts/%lld/disable", holder.id);
	ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 200);
	tu_resp_free(&r);
	as(&holder, "GET", "/api/v1/me", NULL, &r);
	expect_error(&r, 401, "login_required", "disabled holder's session");
	tu_resp_free(&r);

	login_card(cards[3], "8642", &r);
	expect_error(&r, 403, "account_disabled", "disabled holder's card");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_admin_code)
{
	struct tu_resp r;
	struct who w;
	char body[128];

	snprintf(body, sizeof(body), "{\"code\":\"%s\"}", admin_code);
	call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL, body, &r);
	ck_assert_msg(
	    r.status == 200, "admin code: %ld %.300s", r.status, r.body);
	take_session(&r, &w);
	ck_assert_str_eq(w.role, "admin");
	ck_assert_str_eq(w.handle, "admin");
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "GET", "/api/v1/accounts", NULL, &r), 200);
	tu_resp_free(&r);

	/* One use only. */
	call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL, body, &r);
	expect_error(&r, 401, "wrong_credentials", "code used twice");
	ck_assert_ptr_null(tu_header(&r, "Set-Cookie"));
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/login", NULL, NULL, NULL,
	    "{\"code\":\"ABCD-EFGH-JKLM\"}", &r);
	expect_error(&r, 401, "wrong_credentials", "made-up code");
	tu_resp_free(&r);
}
END_TEST

/* --- roles and CSRF --- */

START_TEST(test_roles)
{
	struct tu_resp r;
	struct who admin, cy;
	json_t *j, *v;
	char path[128];
	size_t i;
	int seen = 0;

	join_ok("cyd", "cyd's long passphrase", &cy);
	root_login(&admin);

	ck_assert_int_eq(as(&cy, "GET", "/api/v1/accounts", NULL, &r), 403);
	expect_error(&r, 403, "forbidden", "contributor lists accounts");
	tu_resp_free(&r);
	call(&srv, "GET", "/api/v1/accounts", NULL, NULL, NULL, NULL, &r);
	expect_error(&r, 401, "login_required", "no cookie");
	tu_resp_free(&r);
	/* A made-up cookie is no session. */
	call(&srv, "GET", "/api/v1/accounts",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, NULL,
	    &r);
	expect_error(&r, 401, "login_required", "forged cookie");
	tu_resp_free(&r);

	ck_assert_int_eq(as(&admin, "GET", "/api/v1/accounts", NULL, &r), 200);
	j = jbody(&r);
	ck_assert(json_is_array(json_object_get(j, "accounts")));
	json_array_foreach(json_object_get(j, "accounts"), i, v)
	{
		ck_assert_ptr_null(json_object_get(v, "passphrase_hash"));
		if (json_integer_value(json_object_get(v, "id")) == cy.id) {
			ck_assert_str_eq(jstr(v, "handle"), "cyd");
			ck_assert_str_eq(jstr(v, "role"), "contributor");
			seen = 1;
		}
	}
	ck_assert_msg(seen, "cy is not in %.300s", r.body);
	json_decref(j);
	tu_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/role", cy.id);
	/* Without the CSRF header, with another session's, with none at all. */
	call(&srv, "POST", path, admin.token, NULL, NULL,
	    "{\"role\":\"reviewer\"}", &r);
	expect_error(&r, 403, "csrf", "role change without X-CSRF-Token");
	tu_resp_free(&r);
	call(&srv, "POST", path, admin.token, cy.csrf, NULL,
	    "{\"role\":\"reviewer\"}", &r);
	expect_error(&r, 403, "csrf", "role change with cy's token");
	tu_resp_free(&r);
	call(&srv, "POST", path, NULL, NULL, NULL, "{\"role\":\"reviewer\"}",
	    &r);
	expect_error(&r, 401, "login_required", "role change without cookie");
	tu_resp_free(&r);
	/* Not an admin. */
	as(&cy, "POST", path, "{\"role\":\"admin\"}", &r);
	expect_error(&r, 403, "forbidden", "cy makes herself admin");
	tu_resp_free(&r);
	/* None of those changed anything. */
	ck_assert_int_eq(as(&cy, "GET", "/api/v1/me", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "account"), "role"), "contributor");
	json_decref(j);
	tu_resp_free(&r);

	as(&admin, "POST", path, "{\"role\":\"wizard\"}", &r);
	expect_error(&r, 400, "invalid", "unknown role");
	tu_resp_free(&r);
	ck_assert_int_eq(
	    as(&admin, "POST", path, "{\"role\":\"reviewer\"}", &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "account"), "role"), "reviewer");
	json_decref(j);
	tu_resp_free(&r);
	/* cy's own session sees it. */
	ck_assert_int_eq(as(&cy, "GET", "/api/v1/me", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(
	    jstr(json_object_get(j, "account"), "role"), "reviewer");
	json_decref(j);
	tu_resp_free(&r);

	as(&admin, "POST", "/api/v1/accounts/999999/role",
	    "{\"role\":\"reviewer\"}", &r);
	expect_error(&r, 404, "not_found", "role of no account");
	tu_resp_free(&r);

	/* Disable: cy's session ends and her passphrase stops working. */
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/disable", cy.id);
	as(&cy, "POST", path, "{}", &r);
	expect_error(&r, 403, "forbidden", "cy disables herself");
	tu_resp_free(&r);
	ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 200);
	j = jbody(&r);
	ck_assert(json_is_true(
	    json_object_get(json_object_get(j, "account"), "disabled")));
	json_decref(j);
	tu_resp_free(&r);
	as(&cy, "GET", "/api/v1/me", NULL, &r);
	expect_error(&r, 401, "login_required", "disabled account's session");
	tu_resp_free(&r);
	login_pass(&srv, "cyd", "cyd's long passphrase", NULL, &r);
	expect_error(&r, 401, "wrong_credentials", "disabled account logs in");
	tu_resp_free(&r);
	/* The admin is still in. */
	ck_assert_int_eq(as(&admin, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_card_reissue)
{
	struct tu_resp r;
	struct who admin, holder, w, mae;
	char path[128], code[64];
	json_t *j;

	root_login(&admin);
	ck_assert_int_eq(login_card(cards[1], "2468", &r), 201);
	take_session(&r, &holder);
	tu_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", holder.id);
	as(&holder, "POST", path, "{}", &r);
	expect_error(&r, 403, "forbidden", "contributor re-issues a card");
	tu_resp_free(&r);
	call(&srv, "POST", path, admin.token, NULL, NULL, "{}", &r);
	expect_error(&r, 403, "csrf", "re-issue without X-CSRF-Token");
	tu_resp_free(&r);

	ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 201);
	j = jbody(&r);
	ck_assert_ptr_nonnull(jstr(j, "code"));
	snprintf(code, sizeof(code), "%s", jstr(j, "code"));
	ck_assert_uint_eq(strlen(code), CARD_CODE_LEN);
	ck_assert_str_ne(code, cards[1]);
	json_decref(j);
	tu_resp_free(&r);

	/* The old card is dead, even with its PIN. */
	login_card(cards[1], "2468", &r);
	expect_error(&r, 401, "wrong_credentials", "the replaced card");
	tu_resp_free(&r);
	/* The new one asks for a new PIN, for the same person. */
	ck_assert_int_eq(login_card(code, "1357", &r), 201);
	j = jbody(&r);
	ck_assert(json_is_true(json_object_get(j, "created")));
	json_decref(j);
	take_session(&r, &w);
	ck_assert_int_eq(w.id, holder.id);
	tu_resp_free(&r);
	ck_assert_int_eq(login_card(code, "1357", &r), 200);
	take_session(&r, &w);
	ck_assert_int_eq(w.id, holder.id);
	tu_resp_free(&r);

	/* A maintainer may re-issue too. */
	join_ok("mae", "mae's long passphrase", &mae);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/role", mae.id);
	ck_assert_int_eq(
	    as(&admin, "POST", path, "{\"role\":\"maintainer\"}", &r), 200);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", holder.id);
	ck_assert_int_eq(as(&mae, "POST", path, "{}", &r), 201);
	tu_resp_free(&r);
	login_card(code, "1357", &r);
	expect_error(&r, 401, "wrong_credentials", "the second card");
	tu_resp_free(&r);

	/* Nobody to re-issue for. */
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", admin.id);
	as(&admin, "POST", path, "{}", &r);
	expect_error(&r, 404, "not_found", "account without a card");
	tu_resp_free(&r);
}
END_TEST

/*
** Acts on another account follow the role order: a maintainer may not
** re-issue the card of an admin, a treasurer or another maintainer (it
** would hand them a login as that account), only of someone below; an
** admin may re-issue anyone's. A re-issue ends every session of the
** account, the lost card's among them. A disabled or erased account gets
** no new card.
*/
START_TEST(test_reissue_role_rule)
{
	static const char *const above[] = { "admin", "treasurer",
		"maintainer" };
	struct tu_resp r;
	struct who admin, mo, h[5];
	char path[128], pin[5][8];
	int i;

	root_login(&admin);
	join_ok("moe", "moe's long passphrase", &mo);
	set_role(&admin, mo.id, "maintainer");
	for (i = 0; i < 5; i++) {
		snprintf(pin[i], sizeof(pin[i]), "%d%d%d%d", i + 1, i + 2,
		    i + 3, i + 4);
		ck_assert_int_eq(login_card(cards[5 + i], pin[i], &r), 201);
		take_session(&r, &h[i]);
		tu_resp_free(&r);
	}

	/* h[0..2] are an admin, a treasurer and a maintainer: refused, and
	** nothing changed (their session goes on). */
	for (i = 0; i < 3; i++) {
		set_role(&admin, h[i].id, above[i]);
		snprintf(
		    path, sizeof(path), "/api/v1/accounts/%lld/card", h[i].id);
		as(&mo, "POST", path, "{}", &r);
		expect_error(&r, 403, "forbidden", above[i]);
		expect_no_code(&r);
		tu_resp_free(&r);
		ck_assert_int_eq(as(&h[i], "GET", "/api/v1/me", NULL, &r), 200);
		tu_resp_free(&r);
	}
	/* The admin's card still logs in: it was not revoked. */
	ck_assert_int_eq(login_card(cards[5], pin[0], &r), 200);
	tu_resp_free(&r);

	/* A contributor's card: yes, and the lost card's session ends. */
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", h[3].id);
	ck_assert_int_eq(as(&mo, "POST", path, "{}", &r), 201);
	tu_resp_free(&r);
	as(&h[3], "GET", "/api/v1/me", NULL, &r);
	expect_error(&r, 401, "login_required", "the lost card's session");
	tu_resp_free(&r);

	/* An admin may re-issue another admin's card and a maintainer's. */
	for (i = 0; i < 3; i += 2) {
		snprintf(
		    path, sizeof(path), "/api/v1/accounts/%lld/card", h[i].id);
		ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 201);
		tu_resp_free(&r);
		as(&h[i], "GET", "/api/v1/me", NULL, &r);
		expect_error(&r, 401, "login_required", "re-issued by admin");
		tu_resp_free(&r);
	}
	/* The admin's own session is untouched. */
	ck_assert_int_eq(as(&admin, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);

	/* Disabled, then erased: no new card, for an admin or anyone. */
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/disable", h[4].id);
	ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 200);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", h[4].id);
	as(&admin, "POST", path, "{}", &r);
	expect_error(&r, 409, "conflict", "re-issue for a disabled account");
	expect_no_code(&r);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/erase", h[4].id);
	ck_assert_int_eq(
	    as(&admin, "POST", path, "{\"confirm\":\"erase\"}", &r), 200);
	tu_resp_free(&r);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", h[4].id);
	as(&admin, "POST", path, "{}", &r);
	expect_error(&r, 409, "conflict", "re-issue for an erased account");
	expect_no_code(&r);
	tu_resp_free(&r);
	as(&mo, "POST", path, "{}", &r);
	expect_error(&r, 409, "conflict", "maintainer, erased account");
	expect_no_code(&r);
	tu_resp_free(&r);
	/* Its old card is no way in either. */
	login_card(cards[9], pin[4], &r);
	expect_error(&r, 401, "wrong_credentials", "an erased account's card");
	tu_resp_free(&r);
}
END_TEST

/* A new passphrase ends every other session of the account: whoever knew
** the old one is out. The session that changed it goes on. */
START_TEST(test_passphrase_ends_sessions)
{
	struct tu_resp r;
	struct who here, there;

	join_ok("pia", "pia's first passphrase", &here);
	ck_assert_int_eq(
	    login_pass(&srv, "pia", "pia's first passphrase", NULL, &r), 200);
	take_session(&r, &there);
	tu_resp_free(&r);
	ck_assert_int_eq(as(&there, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);

	ck_assert_int_eq(
	    as(&here, "POST", "/api/v1/me/passphrase",
		"{\"passphrase\":\"pia's second passphrase\"}", &r),
	    204);
	tu_resp_free(&r);
	as(&there, "GET", "/api/v1/me", NULL, &r);
	expect_error(&r, 401, "login_required", "the other session");
	tu_resp_free(&r);
	ck_assert_int_eq(as(&here, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);
	/* Still a whole session: its CSRF token still writes. */
	ck_assert_int_eq(as(&here, "POST", "/api/v1/logout", "{}", &r), 204);
	tu_resp_free(&r);
}
END_TEST

/*
** A card that does not exist, one that was replaced, and a wrong PIN on a
** card that does: the same status and the same bytes, and each ran a
** hash (the unknown ones the dummy).
*/
START_TEST(test_card_same_answer)
{
	struct tu_resp known, unknown, replaced, r;
	struct who admin, holder;
	char path[128];
	long before;

	ck_assert_int_eq(login_card(cards[4], "1111", &r), 201);
	take_session(&r, &holder);
	tu_resp_free(&r);

	before = dummy_hashes();
	login_card(cards[4], "2222", &known);
	ck_assert_int_eq(dummy_hashes(), before);
	login_card("ZZZZ-ZZZZ-ZZZY", "2222", &unknown);
	ck_assert_int_eq(dummy_hashes(), before + 1);
	expect_error(&known, 401, "wrong_credentials", "wrong PIN");
	ck_assert_int_eq(unknown.status, known.status);
	ck_assert_msg(unknown.n == known.n &&
		memcmp(unknown.body, known.body, known.n) == 0,
	    "unknown card: %.300s\nwrong PIN: %.300s", unknown.body,
	    known.body);

	/* Replaced: the old code answers as if it never was. */
	root_login(&admin);
	snprintf(path, sizeof(path), "/api/v1/accounts/%lld/card", holder.id);
	ck_assert_int_eq(as(&admin, "POST", path, "{}", &r), 201);
	tu_resp_free(&r);
	before = dummy_hashes();
	login_card(cards[4], "1111", &replaced);
	ck_assert_int_eq(dummy_hashes(), before + 1);
	ck_assert_int_eq(replaced.status, known.status);
	ck_assert_msg(replaced.n == known.n &&
		memcmp(replaced.body, known.body, known.n) == 0,
	    "replaced card: %.300s\nwrong PIN: %.300s", replaced.body,
	    known.body);
	tu_resp_free(&known);
	tu_resp_free(&unknown);
	tu_resp_free(&replaced);
}
END_TEST

/* --- consent --- */

/* GET /api/v1/consent/general?lang=${lang}; the document, owned. */
static json_t *
consent_doc(const char *lang)
{
	struct tu_resp r;
	char path[128];
	json_t *j;

	snprintf(path, sizeof(path), "/api/v1/consent/general?lang=%s", lang);
	ck_assert_int_eq(
	    call(&srv, "GET", path, NULL, NULL, NULL, NULL, &r), 200);
	j = jbody(&r);
	tu_resp_free(&r);
	return (j);
}

static int
has_string(json_t *arr, const char *s)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) if (json_is_string(v) &&
	    strcmp(json_string_value(v), s) == 0) return (1);
	return (0);
}

START_TEST(test_consent_documents)
{
	struct tu_resp r;
	json_t *fr, *tg, *xx, *en, *b;

	/* French: reviewed up to version 2; the current version's sentence
	** on names awaits a speaker, so the English binds beside it. */
	fr = consent_doc("fr");
	ck_assert_str_eq(jstr(fr, "lang"), "fr");
	ck_assert_str_eq(jstr(fr, "slug"), "general");
	ck_assert(json_is_false(json_object_get(fr, "reviewed")));
	ck_assert_uint_eq(json_array_size(json_object_get(fr, "scopes")), 4);
	ck_assert(json_is_object(json_object_get(fr, "binding")));
	ck_assert_uint_eq(strlen(jstr(fr, "sha256")), 64);
	ck_assert(has_string(json_object_get(fr, "languages"), "en"));
	ck_assert(has_string(json_object_get(fr, "languages"), "fr"));
	ck_assert(has_string(json_object_get(fr, "languages"), "tg"));

	en = consent_doc("en");
	ck_assert_str_eq(jstr(en, "lang"), "en");
	ck_assert(json_is_null(json_object_get(en, "binding")));
	ck_assert_str_ne(jstr(en, "sha256"), jstr(fr, "sha256"));

	/* An unreviewed translation: the English text binds. */
	tg = consent_doc("tg");
	ck_assert_str_eq(jstr(tg, "lang"), "tg");
	ck_assert(json_is_false(json_object_get(tg, "reviewed")));
	b = json_object_get(tg, "binding");
	ck_assert_msg(json_is_object(b), "no binding document for tg");
	ck_assert_str_eq(jstr(b, "lang"), "en");
	ck_assert_str_eq(jstr(b, "sha256"), jstr(en, "sha256"));

	/* No such language: English. */
	xx = consent_doc("xx");
	ck_assert_str_eq(jstr(xx, "lang"), "en");
	ck_assert_str_eq(jstr(xx, "sha256"), jstr(en, "sha256"));

	call(&srv, "GET", "/api/v1/consent/no-such-document?lang=en", NULL,
	    NULL, NULL, NULL, &r);
	expect_error(&r, 404, "not_found", "unknown consent document");
	tu_resp_free(&r);
	json_decref(fr);
	json_decref(tg);
	json_decref(xx);
	json_decref(en);
}
END_TEST

/* POST /api/v1/consents as ${w} for demo-text. */
static long
give(const struct who *w, const char *campaign, const char *sha,
    const char *scopes, const char *age, struct tu_resp *r)
{
	char body[512];

	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\",\"scopes\":%s,"
	    "\"age_confirmed\":%s}",
	    campaign, sha, scopes, age);
	return (as(w, "POST", "/api/v1/consents", body, r));
}

/* GET /api/v1/me/consents as ${w}: the array, owned. */
static json_t *
my_consents(const struct who *w)
{
	struct tu_resp r;
	json_t *j, *list;

	ck_assert_int_eq(as(w, "GET", "/api/v1/me/consents", NULL, &r), 200);
	j = jbody(&r);
	list = json_incref(json_object_get(j, "consents"));
	ck_assert_msg(json_is_array(list), "no consents array: %.300s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	return (list);
}

START_TEST(test_consent_records)
{
	static const char both[] = "[\"publish_text\",\"publish_voice\"]";
	struct tu_resp r;
	struct who cora, dan;
	json_t *fr, *en, *j, *c, *list;
	char fr_sha[65], en_sha[65], path[128];
	long long id, withdrawn, fr_version;

	fr = consent_doc("fr");
	en = consent_doc("en");
	snprintf(fr_sha, sizeof(fr_sha), "%s", jstr(fr, "sha256"));
	snprintf(en_sha, sizeof(en_sha), "%s", jstr(en, "sha256"));
	fr_version = json_integer_value(json_object_get(fr, "version"));
	ck_assert_int_ge(fr_version, 1);
	json_decref(fr);
	json_decref(en);
	join_ok("cora", "cora's long passphrase", &cora);
	join_ok("dan", "dan's long passphrase", &dan);

	/* Refusals first: none of them may leave a record. */
	give(&cora, "demo-text",
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    both, "true", &r);
	expect_error(&r, 409, "outdated_document", "unknown document");
	j = jbody(&r);
	ck_assert_str_eq(jstr(json_object_get(j, "error"), "current"), en_sha);
	json_decref(j);
	tu_resp_free(&r);
	give(&cora, "demo-text", fr_sha, both, "false", &r);
	expect_error(&r, 403, "guardian_required", "age not confirmed");
	tu_resp_free(&r);
	give(&cora, "demo-text", fr_sha, "[\"publish_voice\"]", "true", &r);
	expect_error(&r, 400, "invalid", "publish_text missing");
	expect_message(&r, "publish_text");
	tu_resp_free(&r);
	give(&cora, "demo-text", fr_sha, "[\"publish_text\",\"telepathy\"]",
	    "true", &r);
	expect_error(&r, 400, "invalid", "unknown scope");
	expect_message(&r, "telepathy");
	tu_resp_free(&r);
	give(&cora, "demo-text", fr_sha, "[\"publish_text\",\"publish_text\"]",
	    "true", &r);
	expect_error(&r, 400, "invalid", "repeated scope");
	tu_resp_free(&r);
	give(&cora, "no-such-campaign", fr_sha, both, "true", &r);
	expect_error(&r, 404, "not_found", "unknown campaign");
	tu_resp_free(&r);
	call(&srv, "POST", "/api/v1/consents", cora.token, NULL, NULL,
	    "{\"campaign\":\"demo-text\"}", &r);
	expect_error(&r, 403, "csrf", "consent without X-CSRF-Token");
	tu_resp_free(&r);
	list = my_consents(&cora);
	ck_assert_uint_eq(json_array_size(list), 0);
	json_decref(list);

	/* Given, on the French text. */
	ck_assert_int_eq(
	    give(&cora, "demo-text", fr_sha, both, "true", &r), 201);
	j = jbody(&r);
	c = json_object_get(j, "consent");
	ck_assert_msg(json_is_object(c), "no consent in %.300s", r.body);
	id = json_integer_value(json_object_get(c, "id"));
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "campaign"), "demo-text");
	ck_assert_str_eq(jstr(c, "campaign_title"), "Community text drive");
	ck_assert_str_eq(jstr(c, "document"), fr_sha);
	ck_assert_str_eq(jstr(c, "lang"), "fr");
	ck_assert_int_eq(
	    json_integer_value(json_object_get(c, "version")), fr_version);
	ck_assert_uint_eq(json_array_size(json_object_get(c, "scopes")), 2);
	ck_assert(has_string(json_object_get(c, "scopes"), "publish_voice"));
	ck_assert_int_gt(json_integer_value(json_object_get(c, "given_at")), 0);
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	json_decref(j);
	tu_resp_free(&r);

	list = my_consents(&cora);
	ck_assert_uint_eq(json_array_size(list), 1);
	c = json_array_get(list, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "id")), id);
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	json_decref(list);
	/* Dan sees none of it. */
	list = my_consents(&dan);
	ck_assert_uint_eq(json_array_size(list), 0);
	json_decref(list);

	/* Dan cannot withdraw it for her. */
	snprintf(path, sizeof(path), "/api/v1/consents/%lld/withdraw", id);
	as(&dan, "POST", path, "{}", &r);
	expect_error(&r, 404, "not_found", "withdrawing someone else's");
	tu_resp_free(&r);
	as(&cora, "POST", "/api/v1/consents/999999/withdraw", "{}", &r);
	expect_error(&r, 404, "not_found", "withdrawing nothing");
	tu_resp_free(&r);
	as(&cora, "POST", "/api/v1/consents/abc/withdraw", "{}", &r);
	expect_error(&r, 404, "not_found", "withdrawing a non-number");
	tu_resp_free(&r);
	list = my_consents(&cora);
	ck_assert(json_is_null(
	    json_object_get(json_array_get(list, 0), "withdrawn_at")));
	json_decref(list);

	/* She can. */
	ck_assert_int_eq(as(&cora, "POST", path, "{}", &r), 200);
	j = jbody(&r);
	c = json_object_get(j, "consent");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "id")), id);
	ck_assert_msg(json_is_integer(json_object_get(c, "withdrawn_at")),
	    "no withdrawn_at in %.300s", r.body);
	withdrawn = json_integer_value(json_object_get(c, "withdrawn_at"));
	ck_assert_int_gt(withdrawn, 0);
	json_decref(j);
	tu_resp_free(&r);
	/* Again: the same answer. */
	ck_assert_int_eq(as(&cora, "POST", path, "{}", &r), 200);
	j = jbody(&r);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(j, "consent"), "withdrawn_at")),
	    withdrawn);
	json_decref(j);
	tu_resp_free(&r);

	list = my_consents(&cora);
	ck_assert_uint_eq(json_array_size(list), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_array_get(list, 0), "withdrawn_at")),
	    withdrawn);
	json_decref(list);
}
END_TEST

START_TEST(test_logout)
{
	struct tu_resp r;
	struct who w, other;
	char *sc;

	join_ok("leo", "leo's long passphrase", &w);
	ck_assert_int_eq(
	    login_pass(&srv, "leo", "leo's long passphrase", NULL, &r), 200);
	take_session(&r, &other);
	tu_resp_free(&r);

	call(&srv, "POST", "/api/v1/logout", w.token, NULL, NULL, "{}", &r);
	expect_error(&r, 403, "csrf", "logout without X-CSRF-Token");
	tu_resp_free(&r);
	ck_assert_int_eq(as(&w, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);

	ck_assert_int_eq(as(&w, "POST", "/api/v1/logout", "{}", &r), 204);
	sc = tu_header(&r, "Set-Cookie");
	ck_assert_msg(sc != NULL && strncmp(sc, "tributary_session=;", 19) == 0,
	    "logout did not clear the cookie: %s", sc ? sc : "(none)");
	ck_assert_msg(strstr(sc, "Max-Age=0") != NULL, "cookie kept: %s", sc);
	free(sc);
	tu_resp_free(&r);

	as(&w, "GET", "/api/v1/me", NULL, &r);
	expect_error(&r, 401, "login_required", "after logout");
	tu_resp_free(&r);
	as(&w, "POST", "/api/v1/logout", "{}", &r);
	expect_error(&r, 401, "login_required", "logout twice");
	tu_resp_free(&r);
	/* Only that session ended. */
	ck_assert_int_eq(as(&other, "GET", "/api/v1/me", NULL, &r), 200);
	tu_resp_free(&r);
}
END_TEST

/* Busy processes that keep every CPU oversubscribed (see below). Each
** dies with this process, and after a minute whatever happens. */
static pid_t spinners[16];
static int nspinners;

static void
spin_start(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	volatile unsigned long x = 0;
	time_t end;
	pid_t p;
	int i;

	n = n < 1 ? 1 : n > 8 ? 8 : n;
	for (i = 0; i < 2 * n; i++) {
		if ((p = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			end = time(NULL) + 60;
			while (getppid() != 1 && time(NULL) < end)
				x++;
			_exit(0);
		}
		if (p > 0)
			spinners[nspinners++] = p;
	}
}

static void
spin_stop(void)
{
	while (nspinners > 0) {
		kill(spinners[--nspinners], SIGKILL);
		waitpid(spinners[nspinners], NULL, 0);
	}
}

/*
** A write the writer refuses at once (no such account, no such consent)
** comes back fast: the answer must still be the refusal, every time, not
** a 500 because the writer resumed the request before its handler had
** returned. That window is a few instructions wide; with every CPU busy
** the request's thread is often preempted inside it, so the writer and
** its notifier win the race when the bug is there.
*/
START_TEST(test_fast_refusals)
{
	static const char *const names[] = { "fay", "gus", "hal", "ida" };
	char url[256], cookie[128], xcsrf[128];
	const char *h[4];
	struct tu_resp r;
	struct who admin, p[4], *w;
	int i, k, n404 = 0, bad = 0, lost = 0;
	long last = 0;

	root_login(&admin);
	for (k = 0; k < 4; k++) {
		char pass[64];

		snprintf(pass, sizeof(pass), "%s's long passphrase", names[k]);
		join_ok(names[k], pass, &p[k]);
	}
	/* 300 tries over five accounts, to stay under their rate limit (a
	** 429 is neither here nor there). No assertion while the spinners
	** run: a failing one would leave them behind. */
	spin_start();
	for (i = 0; i < 300; i++) {
		w = i % 5 == 0 ? &admin : &p[i % 4];
		snprintf(url, sizeof(url), "%s%s", srv.base,
		    w == &admin ? "/api/v1/accounts/999999/role"
				: "/api/v1/consents/999999/withdraw");
		snprintf(cookie, sizeof(cookie), "Cookie: tributary_session=%s",
		    w->token);
		snprintf(xcsrf, sizeof(xcsrf), "X-CSRF-Token: %s", w->csrf);
		h[0] = "Content-Type: application/json";
		h[1] = cookie;
		h[2] = xcsrf;
		h[3] = NULL;
		if (tu_http(NULL, "POST", url, h, "{\"role\":\"reviewer\"}", 19,
			&r) == -1)
			lost++;
		else if (r.status == 404)
			n404++;
		else if (r.status != 429) {
			bad++;
			last = r.status;
		}
		tu_resp_free(&r);
	}
	spin_stop();
	ck_assert_msg(lost == 0, "%d requests got no answer", lost);
	ck_assert_msg(bad == 0,
	    "%d of 300 refused writes were not answered 404 (last: %ld)", bad,
	    last);
	ck_assert_msg(n404 >= 120, "only %d tries were answered", n404);
}
END_TEST

/* --- the other servers --- */

START_TEST(test_rate_limit)
{
	char url[128], *ra;
	struct tu_resp r;
	void *conn = NULL;
	int i, limited_n = 0, ok = 0;
	long wait = -1;

	/* --rate-per-address 1: a burst of 4, then one a second. */
	snprintf(url, sizeof(url), "%s/api/v1/campaigns", limited.base);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(
		    tu_http(&conn, "GET", url, NULL, NULL, 0, &r), 0);
		if (r.status == 200)
			ok++;
		else if (r.status == 429) {
			expect_error(&r, 429, "rate_limited", "over the limit");
			ra = tu_header(&r, "Retry-After");
			ck_assert_msg(ra != NULL, "429 without Retry-After");
			wait = strtol(ra, NULL, 10);
			free(ra);
			ck_assert_int_ge(wait, 1);
			limited_n++;
		} else
			ck_abort_msg("status %ld: %.300s", r.status, r.body);
		tu_resp_free(&r);
	}
	ck_assert_msg(limited_n >= 1, "10 quick requests, none limited");
	ck_assert_msg(ok >= 1, "not even the first request went through");
	/* While this address is limited, /healthz still answers. */
	snprintf(url, sizeof(url), "%s/healthz", limited.base);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(
		    tu_http(&conn, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_msg(r.status == 200, "/healthz %d: %ld", i, r.status);
		tu_resp_free(&r);
	}
	tu_http_close(conn);
}
END_TEST

START_TEST(test_trusted_proxy)
{
	struct tu_resp r;
	char *sc;

	call(&proxied, "POST", "/api/v1/join", NULL, NULL,
	    "X-Forwarded-Proto: https",
	    "{\"handle\":\"pat\",\"passphrase\":\"pat's long passphrase\"}",
	    &r);
	ck_assert_msg(r.status == 201, "join: %ld %.300s", r.status, r.body);
	sc = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(sc);
	ck_assert_msg(strstr(sc, "; Secure") != NULL, "no Secure: %s", sc);
	free(sc);
	tu_resp_free(&r);

	ck_assert_int_eq(login_pass(&proxied, "pat", "pat's long passphrase",
			     "X-Forwarded-Proto: https", &r),
	    200);
	sc = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(sc);
	ck_assert_msg(strstr(sc, "; Secure") != NULL, "no Secure: %s", sc);
	ck_assert_msg(strstr(sc, "; HttpOnly") != NULL, "not HttpOnly: %s", sc);
	free(sc);
	tu_resp_free(&r);

	/* The proxy says plain HTTP: no Secure. */
	ck_assert_int_eq(login_pass(&proxied, "pat", "pat's long passphrase",
			     "X-Forwarded-Proto: http", &r),
	    200);
	sc = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(sc);
	ck_assert_msg(strstr(sc, "Secure") == NULL, "Secure over HTTP: %s", sc);
	free(sc);
	tu_resp_free(&r);
}
END_TEST

/* A passphrase login on the guarded server from the client ${addr} (the
** server trusts this machine's X-Forwarded-For). */
static long
guarded_login(
    const char *addr, const char *handle, const char *pass, struct tu_resp *r)
{
	char xff[80];

	snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", addr);
	return (login_pass(&guarded, handle, pass, xff, r));
}

/* ${r} is 429 login_wait with Retry-After ${ra} and no cookie. */
static void
expect_wait(const struct tu_resp *r, long ra, const char *what)
{
	char *sc = tu_header(r, "Set-Cookie");

	expect_error(r, 429, "login_wait", what);
	ck_assert_msg(retry_after(r) == ra, "%s: Retry-After %ld, want %ld",
	    what, retry_after(r), ra);
	ck_assert_msg(sc == NULL, "%s: a cookie: %s", what, sc);
}

/*
** --login-backoff-after 2 --login-backoff-max 2: after two failures for a
** handle, or from an address, the next try waits 1 s (then 2, never
** more), refused without a hash even with the right passphrase; after
** the wait the right one works, and clears the handle's count.
*/
START_TEST(test_login_backoff)
{
	struct tu_resp r;
	long before;

	call(&guarded, "POST", "/api/v1/join", NULL, NULL,
	    "X-Forwarded-For: 10.1.1.9",
	    "{\"handle\":\"bob\",\"passphrase\":\"bob's long passphrase\"}",
	    &r);
	ck_assert_msg(r.status == 201, "join: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);

	/* Two wrong passphrases for bob, from two addresses. */
	ck_assert_int_eq(
	    guarded_login("10.1.1.1", "bob", "not bob's", &r), 401);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.1.2", "bob", "not bob's", &r), 401);
	tu_resp_free(&r);
	/* The right one, from a third: it waits. */
	guarded_login("10.1.1.3", "bob", "bob's long passphrase", &r);
	expect_wait(&r, 1, "the right passphrase inside the wait");
	tu_resp_free(&r);
	/* After the wait it works; the count starts again from nothing. */
	nap(1.2);
	ck_assert_int_eq(
	    guarded_login("10.1.1.3", "bob", "bob's long passphrase", &r), 200);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.1.4", "bob", "not bob's", &r), 401);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.1.5", "bob", "bob's long passphrase", &r), 200);
	tu_resp_free(&r);

	/* An unknown handle waits alike, with no hash run inside the wait,
	** and the wait doubles with the next failure, up to the maximum. */
	ck_assert_int_eq(
	    guarded_login("10.1.2.1", "ghost", "a guess", &r), 401);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.2.2", "ghost", "a guess", &r), 401);
	tu_resp_free(&r);
	before = dummy_hashes_on(&guarded);
	guarded_login("10.1.2.3", "ghost", "a guess", &r);
	expect_wait(&r, 1, "an unknown handle inside the wait");
	tu_resp_free(&r);
	ck_assert_int_eq(dummy_hashes_on(&guarded), before);
	nap(1.2);
	ck_assert_int_eq(
	    guarded_login("10.1.2.3", "ghost", "a guess", &r), 401);
	tu_resp_free(&r);
	guarded_login("10.1.2.4", "ghost", "a guess", &r);
	expect_wait(&r, 2, "the third failure's wait");
	tu_resp_free(&r);

	/* Per address: two failures on two handles from one address, and
	** its next try waits, whatever the handle; another address goes on. */
	ck_assert_int_eq(
	    guarded_login("10.1.3.1", "nobody1", "guess", &r), 401);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.3.1", "nobody2", "guess", &r), 401);
	tu_resp_free(&r);
	guarded_login("10.1.3.1", "bob", "bob's long passphrase", &r);
	expect_wait(&r, 1, "the address's third try");
	tu_resp_free(&r);
	ck_assert_int_eq(
	    guarded_login("10.1.3.2", "bob", "bob's long passphrase", &r), 200);
	tu_resp_free(&r);
}
END_TEST

/* One login of a burst from one address (test_hash_slots). */
struct slot_try {
	pthread_barrier_t *bar;
	int i;
	int rc;
	struct tu_resp r;
};

static void *
slot_try(void *arg)
{
	struct slot_try *t = arg;
	const char *h[] = { "Content-Type: application/json",
		"X-Forwarded-For: 10.2.0.1", NULL };
	char url[256], body[128];

	snprintf(url, sizeof(url), "%s/api/v1/login", guarded.base);
	snprintf(body, sizeof(body),
	    "{\"handle\":\"slot%d\",\"passphrase\":\"a guess\"}", t->i);
	pthread_barrier_wait(t->bar);
	t->rc = tu_http(NULL, "POST", url, h, body, strlen(body), &t->r);
	return (NULL);
}

/*
** --hashes-per-address 2: eight logins at once from one address. Two are
** hashed (each takes a hasher thread for ~0.1 s); the others are refused
** at once with 429 busy and Retry-After: 1, before they are queued.
*/
START_TEST(test_hash_slots)
{
	enum { N = 8 };
	struct slot_try t[N];
	pthread_barrier_t bar;
	pthread_t th[N];
	int i, n401 = 0, busy = 0;

	pthread_barrier_init(&bar, NULL, N);
	for (i = 0; i < N; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].bar = &bar;
		t[i].i = i;
		ck_assert_int_eq(
		    pthread_create(&th[i], NULL, slot_try, &t[i]), 0);
	}
	for (i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	for (i = 0; i < N; i++) {
		ck_assert_msg(t[i].rc == 0, "login %d: no answer", i);
		if (t[i].r.status == 401)
			n401++;
		else if (strstr(t[i].r.body, "\"busy\"") != NULL) {
			expect_error(&t[i].r, 429, "busy", "over the hash cap");
			ck_assert_int_eq(retry_after(&t[i].r), 1);
			busy++;
		} else /* two failures came back before it was read */
			expect_error(
			    &t[i].r, 429, "login_wait", "late in burst");
	}
	for (i = 0; i < N; i++)
		tu_resp_free(&t[i].r);
	ck_assert_msg(n401 <= 4 && busy >= 4,
	    "%d of %d logins from one address were hashed, %d refused busy "
	    "(cap: 2)",
	    n401, N, busy);
}
END_TEST

/* Runs `$TRIBUTARY_BIN ${args...}` (NULL-ended); stdout into ${out}. */
static int
tributary(char *out, size_t n, ...)
{
	char *argv[16];
	va_list ap;
	int i = 0;

	argv[i++] = (char *)bin;
	va_start(ap, n);
	while (i < 15 && (argv[i] = va_arg(ap, char *)) != NULL)
		i++;
	va_end(ap);
	argv[i] = NULL;
	if (out != NULL)
		out[0] = '\0';
	return (tu_run(argv, out, n));
}

START_TEST(test_cli_users)
{
	char dir[700], out[4096];

	snprintf(dir, sizeof(dir), "%s/cli", base);
	ck_assert_int_eq(
	    tributary(out, sizeof(out), "init", "--data", dir, (char *)NULL),
	    0);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "add", "--data",
			     dir, "bob", "--role", "reviewer", (char *)NULL),
	    0);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "list", "--data",
			     dir, (char *)NULL),
	    0);
	ck_assert_msg(
	    strstr(out, "\tbob\treviewer\n") != NULL, "list: %s", out);
	ck_assert_msg(strstr(out, "\tadmin\tadmin\n") != NULL, "list: %s", out);

	ck_assert_int_eq(tributary(out, sizeof(out), "user", "role", "--data",
			     dir, "bob", "maintainer", (char *)NULL),
	    0);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "list", "--data",
			     dir, (char *)NULL),
	    0);
	ck_assert_msg(
	    strstr(out, "\tbob\tmaintainer\n") != NULL, "list: %s", out);

	ck_assert_int_eq(tributary(out, sizeof(out), "user", "disable",
			     "--data", dir, "bob", (char *)NULL),
	    0);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "list", "--data",
			     dir, (char *)NULL),
	    0);
	ck_assert_msg(strstr(out, "\tbob\tmaintainer\tdisabled\n") != NULL,
	    "list: %s", out);
	ck_assert_msg(strstr(out, "\tadmin\tadmin\n") != NULL, "list: %s", out);

	/* Refusals exit non-zero and change nothing. */
	ck_assert_int_ne(tributary(out, sizeof(out), "user", "add", "--data",
			     dir, "bob", (char *)NULL),
	    0);
	ck_assert_int_ne(tributary(out, sizeof(out), "user", "add", "--data",
			     dir, "eve", "--role", "wizard", (char *)NULL),
	    0);
	ck_assert_int_ne(tributary(out, sizeof(out), "user", "role", "--data",
			     dir, "bob", "wizard", (char *)NULL),
	    0);
	ck_assert_int_ne(tributary(out, sizeof(out), "user", "role", "--data",
			     dir, "nobody", "reviewer", (char *)NULL),
	    0);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "list", "--data",
			     dir, (char *)NULL),
	    0);
	ck_assert_msg(strstr(out, "\teve\t") == NULL, "list: %s", out);
	ck_assert_msg(strstr(out, "\tbob\tmaintainer\tdisabled\n") != NULL,
	    "list: %s", out);
}
END_TEST

/*
** Copies the consent folder to ${dir}, replaces the line of
** general/1/${lang}.md starting with ${key} by ${line}; returns its line
** number.
*/
static int
break_consent(
    const char *dir, const char *lang, const char *key, const char *line)
{
	char src[700], path[800], buf[65536], *p, *eol;
	char *cp[] = { "cp", "-r", src, (char *)dir, NULL };
	size_t n;
	FILE *f;
	int lineno = 1;

	snprintf(src, sizeof(src), "%s/consent", srcdir);
	ck_assert_int_eq(tu_run(cp, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/general/1/%s.md", dir, lang);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (p = buf; strncmp(p, key, strlen(key)) != 0; p = eol + 1, lineno++)
		ck_assert_ptr_nonnull(eol = strchr(p, '\n'));
	eol = strchr(p, '\n');
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fwrite(buf, 1, (size_t)(p - buf), f);
	fputs(line, f);
	fputs(eol, f);
	fclose(f);
	return (lineno);
}

/* `serve` on ${consent}: its exit status; stdout and stderr in ${out}. */
static int
serve_consent(const char *node, const char *consent, char *out, size_t n)
{
	char *argv[] = { "sh", "-c",
		"exec timeout 60 \"$0\" serve --data \"$1\" --port 0 "
		"--consent-dir \"$2\" 2>&1",
		(char *)bin, (char *)node, (char *)consent, NULL };

	return (tu_run(argv, out, n));
}

/* One join sent at shutdown time: its answer, if any. */
struct inflight {
	const char *base;
	int i;
	long status;
};

static void *
join_in_flight(void *arg)
{
	struct inflight *f = arg;
	char url[256], body[128];
	const char *h[] = { "Content-Type: application/json", NULL };
	struct tu_resp r;

	snprintf(url, sizeof(url), "%s/api/v1/join", f->base);
	snprintf(body, sizeof(body),
	    "{\"handle\":\"late%d\",\"passphrase\":\"a long passphrase\"}",
	    f->i);
	if (tu_http(NULL, "POST", url, h, body, strlen(body), &r) == 0)
		f->status = r.status;
	tu_resp_free(&r);
	return (NULL);
}

/*
** SIGTERM while joins are hashing or waiting for the writer: the node
** exits 0 (no suspended connection is left behind), and every join that
** was answered 201 is in the database.
*/
START_TEST(test_shutdown_in_flight)
{
	char node[700], consent[700], out[8192], want[64];
	const char *extra[] = { "--consent-dir", consent, "--redact-dir", NULL,
		NULL };
	char redact[700];
	struct inflight f[24];
	pthread_t t[24];
	struct tu_server s;
	int i, answered = 0;

	snprintf(node, sizeof(node), "%s/shutdown-node", base);
	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	extra[3] = redact;
	ck_assert_int_eq(
	    tributary(out, sizeof(out), "init", "--data", node, (char *)NULL),
	    0);
	ck_assert_int_eq(tu_server_start(&s, node, extra), 0);
	for (i = 0; i < 24; i++) {
		f[i] = (struct inflight){ s.base, i, 0 };
		pthread_create(&t[i], NULL, join_in_flight, &f[i]);
	}
	{
		struct timespec ts = { 0, 150 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	ck_assert_int_eq(tu_server_stop(&s), 0);
	for (i = 0; i < 24; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(tributary(out, sizeof(out), "user", "list", "--data",
			     node, (char *)NULL),
	    0);
	for (i = 0; i < 24; i++) {
		if (f[i].status != 201)
			continue;
		answered++;
		snprintf(want, sizeof(want), "\tlate%d\t", i);
		ck_assert_msg(strstr(out, want) != NULL,
		    "late%d was answered 201 but is not stored", i);
	}
	(void)answered;
}
END_TEST

START_TEST(test_bad_consent_dir)
{
	char node[700], dir[700], out[4096], want[64];
	int line, rc;

	snprintf(node, sizeof(node), "%s/badconsent-node", base);
	ck_assert_int_eq(
	    tributary(out, sizeof(out), "init", "--data", node, (char *)NULL),
	    0);

	/* A value of the wrong type: the file and its exact line. */
	snprintf(dir, sizeof(dir), "%s/consent-age", base);
	line = break_consent(dir, "fr", "minimum_age:", "minimum_age: sixteen");
	rc = serve_consent(node, dir, out, sizeof(out));
	ck_assert_msg(strstr(out, "listening on") == NULL,
	    "served a malformed consent folder: %s", out);
	ck_assert_msg(rc != 0 && rc != 124, "exit %d: %s", rc, out);
	snprintf(want, sizeof(want), "general/1/fr.md:%d:", line);
	ck_assert_msg(
	    strstr(out, want) != NULL, "\"%s\" not in: %s", want, out);

	/* Broken YAML: the file and some line. */
	snprintf(dir, sizeof(dir), "%s/consent-yaml", base);
	break_consent(dir, "tg", "title:", "title: \"never closed");
	rc = serve_consent(node, dir, out, sizeof(out));
	ck_assert_msg(strstr(out, "listening on") == NULL,
	    "served a malformed consent folder: %s", out);
	ck_assert_msg(rc != 0 && rc != 124, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, "general/1/tg.md:") != NULL,
	    "tg.md not named: %s", out);
	{
		const char *p = strstr(out, "tg.md:") + strlen("tg.md:");
		ck_assert_msg(
		    *p >= '1' && *p <= '9', "no line number: %s", out);
	}
}
END_TEST

/* --- setup, before any test forks --- */

/*
** Makes a node in ${dir}; with ${full}, also the campaign, the drive cards,
** the admin code and an admin "root" with a passphrase.
*/
static int
make_node(const char *dir, int full)
{
	char out[4096], json[700], *p;
	char *init[] = { (char *)bin, "init", "--data", (char *)dir, NULL };
	char *import[] = { (char *)bin, "campaign", "import", "--data",
		(char *)dir, json, NULL };
	char ncards[16];
	char *codes[] = { (char *)bin, "drive-codes", "--data", (char *)dir,
		"--campaign", "demo-text", "--count", ncards, NULL };
	char *root[] = { "sh", "-c",
		"printf '%s\\n' \"$2\" | \"$0\" user add --data \"$1\" root "
		"--role admin --passphrase-stdin",
		(char *)bin, (char *)dir, ROOT_PASS, NULL };
	static const char prefix[] = "admin login code (one use, 7 days): ";
	FILE *f;
	int i;

	snprintf(ncards, sizeof(ncards), "%d", NCARDS);
	if (tu_run_quiet(init, out, sizeof(out)) != 0)
		return (-1);
	if (!full)
		return (0);
	if ((p = strstr(out, prefix)) == NULL) {
		fprintf(stderr, "init printed no code: %s\n", out);
		return (-1);
	}
	p += strlen(prefix);
	snprintf(
	    admin_code, sizeof(admin_code), "%.*s", (int)strcspn(p, "\n"), p);
	snprintf(json, sizeof(json), "%s/campaign.json", base);
	if ((f = fopen(json, "w")) == NULL)
		return (-1);
	fputs("{\"slug\":\"demo-text\",\"title\":\"Community text drive\","
	      "\"language\":\"ee\",\"kind\":\"text\",\"consent\":\"general\","
	      "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
	      "\"max_chars\":2000}\n",
	    f);
	fclose(f);
	if (tu_run_quiet(import, out, sizeof(out)) != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0)
		return (-1);
	for (i = 0, p = out; i < NCARDS; i++) {
		if (strcspn(p, "\n") != CARD_CODE_LEN) {
			fprintf(stderr, "drive-codes printed: %s\n", out);
			return (-1);
		}
		memcpy(cards[i], p, CARD_CODE_LEN);
		cards[i][CARD_CODE_LEN] = '\0';
		p += CARD_CODE_LEN + 1;
	}
	return (tu_run_quiet(root, out, sizeof(out)));
}

/* Makes the node ${name} and serves it with the flags ${more} (NULL-ended,
** at most 12; NULL for none). */
static int
start(struct tu_server *s, const char *name, int full, const char *const *more)
{
	char dir[700], consent[600], webroot[600];
	const char *extra[20] = { "--consent-dir", consent, "--webroot",
		webroot };
	int n = 4;

	while (more != NULL && *more != NULL && n < 16)
		extra[n++] = *more++;
	extra[n] = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	snprintf(consent, sizeof(consent), "%s/consent", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	if (make_node(dir, full) == -1)
		return (-1);
	return (tu_server_start(s, dir, extra));
}

/*
** Each server's flags. The main server's tests fail many logins, and some
** in parallel, from this one address: the login guards are tried on their
** own server, with small settings, each test from addresses of its own
** (X-Forwarded-For from a trusted proxy).
*/
static const char *const main_flags[] = { "--login-backoff-after", "1000",
	"--hashes-per-address", "100", NULL };
static const char *const limited_flags[] = { "--rate-per-address", "1", NULL };
static const char *const proxied_flags[] = { "--trusted-proxy", "127.0.0.1",
	NULL };
static const char *const guarded_flags[] = { "--trusted-proxy", "127.0.0.1",
	"--login-backoff-after", "2", "--login-backoff-max", "2",
	"--hashes-per-address", "2", NULL };

int
main(void)
{
	/* Each server must stop cleanly: ASan reports leaks at exit. */
	struct tu_server *const stop[] = { &srv, &limited, &proxied, &guarded };
	const char *const names[] = { "main", "limited", "proxied", "guarded" };
	Suite *s;
	TCase *tc, *more;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	if (start(&srv, "main", 1, main_flags) == -1 ||
	    start(&limited, "limited", 0, limited_flags) == -1 ||
	    start(&proxied, "proxied", 0, proxied_flags) == -1 ||
	    start(&guarded, "guarded", 0, guarded_flags) == -1) {
		fprintf(
		    stderr, "could not start the servers (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		tu_stop_clean(&limited, "limited");
		tu_stop_clean(&proxied, "proxied");
		tu_stop_clean(&guarded, "guarded");
		return (1);
	}

	s = suite_create("api");
	tc = tcase_create("api");
	more = tcase_create("servers");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_join);
	tcase_add_test(tc, test_login_passphrase);
	tcase_add_test(tc, test_set_passphrase);
	tcase_add_test(tc, test_card_pin);
	tcase_add_test(tc, test_pin_lock_in_flight);
	tcase_add_test(tc, test_card_disabled);
	tcase_add_test(tc, test_admin_code);
	tcase_add_test(tc, test_roles);
	tcase_add_test(tc, test_card_reissue);
	tcase_add_test(tc, test_reissue_role_rule);
	tcase_add_test(tc, test_passphrase_ends_sessions);
	tcase_add_test(tc, test_card_same_answer);
	tcase_add_test(tc, test_consent_documents);
	tcase_add_test(tc, test_consent_records);
	tcase_add_test(tc, test_logout);
	tcase_add_test(tc, test_fast_refusals);
	suite_add_tcase(s, tc);
	tcase_set_timeout(more, 120);
	tcase_add_test(more, test_rate_limit);
	tcase_add_test(more, test_trusted_proxy);
	tcase_add_test(more, test_login_backoff);
	tcase_add_test(more, test_hash_slots);
	tcase_add_test(more, test_cli_users);
	tcase_add_test(more, test_bad_consent_dir);
	tcase_add_test(more, test_shutdown_in_flight);
	suite_add_tcase(s, more);
	return (tu_suite_end(s, stop, names, 4, base));
}
