/*
** What the HTTP threads remember of the database (dbcache), and that they
** forget it in time. First the module alone, on a real counter file in a
** temporary directory: put and get, exact keys, values freed when replaced
** and at close, bumps making every earlier entry stale (also one put with
** an epoch read before the bump), two opens of one file and a real child
** process seeing each other's bumps, the TTL and a clock that went back,
** entries kept per thread, keys too long, and a file that cannot be
** mapped. Then through the real server, started once before the tests
** fork with two HTTP threads: each test first makes enough requests that
** every thread remembers the session, campaign or consent, then changes
** it (logout, a withdrawn and a given consent, `tributary user disable`
** and `tributary campaign import` run as processes of their own beside the
** server) and checks that the very next request, and every one after it,
** sees the change. The server must stop cleanly.
*/
#include <check.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "apitest.h"
#include "dbcache.h"
#include "err.h"
#include "testutil.h"

#define NCARDS 8
#define PIN    "2468"
/* Requests made before a change, so that both HTTP threads (--threads 2,
** connections taken by whichever thread wakes first) remember the
** answer; and made after it, each of which must see the change. */
#define NWARM  8
#define NAFTER 8

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];
static char cards[NCARDS][CARD_CODE_LEN + 1];
static struct tu_server srv;

/* Card indices: each test has its own person. */
enum {
	C_LOGOUT,
	C_CONSENT,
	C_DISABLE,
	C_SHRINK,
};

/* --- the module alone --- */

/* Values freed by count_free, and the last one (as a number: it is only
** compared, never followed). */
static int nfreed;
static uintptr_t last_freed;

static void
count_free(void *p)
{
	nfreed++;
	last_freed = (uintptr_t)p;
	free(p);
}

/* A fresh value: a copy of ${s}, malloc'd. */
static char *
val(const char *s)
{
	char *p = strdup(s);

	ck_assert_ptr_nonnull(p);
	return (p);
}

/* The counter file's path in the test's folder (tu_base) into ${path}. */
static void
counter_path(char path[700])
{
	snprintf(path, 700, "%s/node.db-changes", tu_base);
}

static struct dbcache *
open_ok(const char *path)
{
	struct err e = { 0 };
	struct dbcache *c = dbcache_open(path, &e);

	ck_assert_msg(c != NULL, "dbcache_open %s: %s", path, e.msg);
	return (c);
}

/* get of a NUL-ended ${key} at ${now}. */
static const char *
get(struct dbcache *c, const char *key, time_t now)
{
	return (dbcache_get(c, key, strlen(key), now));
}

/* put of ${v} for a NUL-ended ${key}, freed by count_free. */
static void
put(struct dbcache *c, const char *key, uint64_t epoch, time_t now, char *v)
{
	dbcache_put(c, key, strlen(key), epoch, now, v, count_free);
}

START_TEST(test_put_get)
{
	static const unsigned char bin1[] = { 'k', ':', 0, 0, 0, 1 };
	static const unsigned char bin2[] = { 'k', ':', 0, 0, 0, 2 };
	char path[700], *a, *b, *d, other[32];
	struct dbcache *c;
	struct stat st;
	time_t now = time(NULL);
	uint64_t ep;
	int i;

	counter_path(path);
	c = open_ok(path);
	/* The counter file is made, for the node's processes only. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ep = dbcache_epoch(c);

	ck_assert_ptr_null(get(c, "s:token-a", now));
	put(c, "s:token-a", ep, now, a = val("first"));
	ck_assert_ptr_eq(get(c, "s:token-a", now), a);
	ck_assert_str_eq(get(c, "s:token-a", now), "first");
	/* Only that key: not one of the same length, nor a prefix of it,
	** nor one it is a prefix of. */
	ck_assert_ptr_null(get(c, "s:token-b", now));
	ck_assert_ptr_null(get(c, "s:token-", now));
	ck_assert_ptr_null(get(c, "s:token-aa", now));
	ck_assert_ptr_null(get(c, "", now));
	/* Nor any of thousands of others of its length: with a few hundred
	** slots some of them share its slot, whatever the hash. */
	for (i = 0; i < 4096; i++) {
		snprintf(other, sizeof(other), "s:tok%04d", i);
		ck_assert_msg(get(c, other, now) == NULL, "%s found", other);
	}
	ck_assert_int_eq(nfreed, 0);
	ck_assert_ptr_eq(get(c, "s:token-a", now), a);

	/* Keys are bytes, NULs included (consents are keyed by numbers). */
	dbcache_put(c, bin1, sizeof(bin1), ep, now, d = val("one"), NULL);
	ck_assert_ptr_eq(dbcache_get(c, bin1, sizeof(bin1), now), d);
	ck_assert_ptr_null(dbcache_get(c, bin2, sizeof(bin2), now));
	ck_assert_ptr_null(dbcache_get(c, bin1, 2, now));

	/* Replaced: the old value is freed with its own function, at once. */
	nfreed = 0;
	put(c, "s:token-a", ep, now, b = val("second"));
	ck_assert_int_eq(nfreed, 1);
	ck_assert(last_freed == (uintptr_t)a);
	ck_assert_ptr_eq(get(c, "s:token-a", now), b);
	ck_assert_str_eq(get(c, "s:token-a", now), "second");

	/* At close, every value still held is freed (b by count_free; the
	** binary key's by free(), which ASan would report if it leaked). */
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 2);
	ck_assert(last_freed == (uintptr_t)b);
	dbcache_close(NULL);
}
END_TEST

START_TEST(test_bump)
{
	char path[700];
	struct dbcache *c;
	time_t now = time(NULL);
	uint64_t ep, ep2;

	counter_path(path);
	c = open_ok(path);
	ep = dbcache_epoch(c);
	put(c, "s:one", ep, now, val("1"));
	put(c, "c:two", ep, now, val("2"));
	put(c, "k:three", ep, now, val("3"));
	ck_assert_ptr_nonnull(get(c, "s:one", now));
	ck_assert_ptr_nonnull(get(c, "c:two", now));
	ck_assert_ptr_nonnull(get(c, "k:three", now));

	dbcache_bump(c);
	ep2 = dbcache_epoch(c);
	ck_assert_msg(
	    ep2 != ep, "the epoch did not move: %llu", (unsigned long long)ep);
	ck_assert_ptr_null(get(c, "s:one", now));
	ck_assert_ptr_null(get(c, "c:two", now));
	ck_assert_ptr_null(get(c, "k:three", now));
	/* Nothing comes back later either. */
	ck_assert_ptr_null(get(c, "s:one", now));

	/* Read again after the bump, it is remembered again. */
	put(c, "s:one", ep2, now, val("1 again"));
	ck_assert_str_eq(get(c, "s:one", now), "1 again");
	dbcache_bump(c);
	dbcache_bump(c);
	ck_assert_ptr_null(get(c, "s:one", now));

	dbcache_close(c);
	/* Each value put was freed exactly once, stale or not. */
	ck_assert_int_eq(nfreed, 4);
}
END_TEST

/*
** The race of dbcache.h: a thread reads the epoch, then the database; a
** commit (and its bump) lands between the two; what it read may be from
** before the commit, so the entry must be stale from the start.
*/
START_TEST(test_epoch_before_bump)
{
	char path[700];
	struct dbcache *c;
	time_t now = time(NULL);
	uint64_t ep;

	counter_path(path);
	c = open_ok(path);
	ep = dbcache_epoch(c);
	/* ... the database is read here; meanwhile a writer commits: */
	dbcache_bump(c);
	put(c, "s:raced", ep, now, val("maybe old"));
	ck_assert_ptr_null(get(c, "s:raced", now));
	ck_assert_ptr_null(get(c, "s:raced", now));

	/* The same with the epoch read after the bump is good. */
	put(c, "s:raced", dbcache_epoch(c), now, val("new"));
	ck_assert_str_eq(get(c, "s:raced", now), "new");
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 2);
}
END_TEST

/* Two opens of one file, as the server and a CLI command beside it. */
START_TEST(test_two_opens)
{
	char path[700];
	struct dbcache *srvc, *cli;
	time_t now = time(NULL);
	uint64_t ep;

	counter_path(path);
	srvc = open_ok(path);
	dbcache_bump(srvc);
	dbcache_bump(srvc);
	dbcache_bump(srvc);
	ep = dbcache_epoch(srvc);
	put(srvc, "s:shared", ep, now, val("remembered"));

	/* Opening it again neither resets the counter (an entry put under
	** a count the new process could reach again would come back to
	** life) nor marks anything stale by itself. */
	cli = open_ok(path);
	ck_assert_uint_eq(dbcache_epoch(cli), ep);
	ck_assert_str_eq(get(srvc, "s:shared", now), "remembered");

	/* A bump through either is seen through the other. */
	dbcache_bump(cli);
	ck_assert_uint_ne(dbcache_epoch(srvc), ep);
	ck_assert_uint_eq(dbcache_epoch(srvc), dbcache_epoch(cli));
	ck_assert_ptr_null(get(srvc, "s:shared", now));
	put(cli, "s:other way", dbcache_epoch(cli), now, val("cli's"));
	ck_assert_str_eq(get(cli, "s:other way", now), "cli's");
	dbcache_bump(srvc);
	ck_assert_ptr_null(get(cli, "s:other way", now));

	/* Closed and opened again: the count is kept in the file. */
	ep = dbcache_epoch(cli);
	dbcache_close(cli);
	dbcache_close(srvc);
	cli = open_ok(path);
	ck_assert_uint_eq(dbcache_epoch(cli), ep);
	dbcache_close(cli);
	ck_assert_int_eq(nfreed, 2);
}
END_TEST

/* Reads one byte from ${fd}; 0, or -1 at EOF or error. */
static int
wait_byte(int fd)
{
	char b;
	ssize_t n;

	while ((n = read(fd, &b, 1)) == -1 && errno == EINTR)
		;
	return (n == 1 ? 0 : -1);
}

/*
** The child of test_fork: opens ${path} afresh (a process of its own, as
** a CLI command), remembers an entry and says so on ${tell}, bumps once
** ${hear} says the parent has remembered its own, waits for the parent's
** bump, and exits 0 if it then finds its entry stale. No Check calls here:
** the exit status says what went wrong.
*/
static void
fork_child(const char *path, int hear, int tell)
{
	struct err e = { 0 };
	struct dbcache *c;
	time_t now = time(NULL);

	if ((c = dbcache_open(path, &e)) == NULL)
		_exit(10);
	put(c, "s:child", dbcache_epoch(c), now, val("child's"));
	if (get(c, "s:child", now) == NULL)
		_exit(11);
	if (write(tell, "r", 1) != 1 || wait_byte(hear) == -1)
		_exit(12);
	dbcache_bump(c); /* the parent's entry goes stale */
	if (write(tell, "b", 1) != 1 || wait_byte(hear) == -1)
		_exit(13);
	/* The parent has bumped. */
	if (get(c, "s:child", now) != NULL)
		_exit(14);
	dbcache_close(c);
	_exit(0);
}

START_TEST(test_fork)
{
	char path[700];
	struct dbcache *c;
	int down[2], up[2], status;
	time_t now = time(NULL);
	pid_t pid;

	counter_path(path);
	c = open_ok(path);
	ck_assert_int_eq(pipe(down), 0);
	ck_assert_int_eq(pipe(up), 0);
	if ((pid = fork()) == 0) {
		close(down[1]);
		close(up[0]);
		fork_child(path, down[0], up[1]);
	}
	ck_assert_int_ne(pid, -1);
	close(down[0]);
	close(up[1]);

	ck_assert_int_eq(wait_byte(up[0]), 0); /* the child remembers */
	put(c, "s:parent", dbcache_epoch(c), now, val("parent's"));
	ck_assert_str_eq(get(c, "s:parent", now), "parent's");
	ck_assert_int_eq(write(down[1], "p", 1), 1);
	ck_assert_int_eq(wait_byte(up[0]), 0); /* the child has bumped */
	ck_assert_ptr_null(get(c, "s:parent", now));
	/* The other way: the child's entry goes stale by our bump. */
	dbcache_bump(c);
	ck_assert_int_eq(write(down[1], "b", 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the child failed: status %#x (exit 14: our bump unseen)", status);
	close(down[1]);
	close(up[0]);
	dbcache_close(c);
}
END_TEST

START_TEST(test_ttl)
{
	char path[700];
	struct dbcache *c;
	time_t t = time(NULL);
	uint64_t ep;

	counter_path(path);
	c = open_ok(path);
	ep = dbcache_epoch(c);
	put(c, "c:ttl", ep, t, val("v"));
	ck_assert_ptr_nonnull(get(c, "c:ttl", t));
	ck_assert_ptr_nonnull(get(c, "c:ttl", t + 1));
	ck_assert_ptr_nonnull(get(c, "c:ttl", t + DBCACHE_TTL - 1));
	ck_assert_ptr_null(get(c, "c:ttl", t + DBCACHE_TTL));
	/* Gone, not just hidden at that time. */
	ck_assert_ptr_null(get(c, "c:ttl", t));

	put(c, "c:ttl", ep, t, val("v"));
	ck_assert_ptr_null(get(c, "c:ttl", t + DBCACHE_TTL + 3600));

	/* A clock that went back is not trusted. */
	put(c, "c:ttl", ep, t, val("v"));
	ck_assert_ptr_null(get(c, "c:ttl", t - 1));
	put(c, "c:ttl", ep, t, val("v"));
	ck_assert_ptr_null(get(c, "c:ttl", t - 3600));
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 4);
}
END_TEST

/* What the other thread of test_threads found. */
struct other {
	struct dbcache *c;
	const char *seen;  /* its get of the main thread's key */
	const char *own;   /* its get of its own entry */
	uintptr_t own_val; /* the value it put */
};

static void *
other_thread(void *arg)
{
	struct other *o = arg;
	time_t now = time(NULL);
	char *v = val("other's");

	o->seen = get(o->c, "s:main", now);
	o->own_val = (uintptr_t)v;
	put(o->c, "s:main", dbcache_epoch(o->c), now, v);
	o->own = get(o->c, "s:main", now);
	return (NULL); /* its entries go as it exits */
}

START_TEST(test_threads)
{
	char path[700], *mine;
	struct other o = { 0 };
	struct dbcache *c;
	time_t now = time(NULL);
	pthread_t th;

	counter_path(path);
	c = open_ok(path);
	put(c, "s:main", dbcache_epoch(c), now, mine = val("main's"));
	o.c = c;
	ck_assert_int_eq(pthread_create(&th, NULL, other_thread, &o), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_msg(o.seen == NULL, "another thread saw this one's entry");
	ck_assert_msg(o.own != NULL && (uintptr_t)o.own == o.own_val,
	    "the other thread did not find its own entry");
	/* Its put of the same key did not replace this thread's, and its
	** value was freed when it exited. */
	ck_assert_ptr_eq(get(c, "s:main", now), mine);
	ck_assert_int_eq(nfreed, 1);
	ck_assert(last_freed == o.own_val);
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 2);
}
END_TEST

START_TEST(test_long_key)
{
	char path[700], key[DBCACHE_KEY_MAX + 2], *v;
	struct dbcache *c;
	time_t now = time(NULL);

	counter_path(path);
	c = open_ok(path);
	memset(key, 'x', sizeof(key));
	/* The longest key is kept... */
	dbcache_put(c, key, DBCACHE_KEY_MAX, dbcache_epoch(c), now,
	    v = val("longest"), count_free);
	ck_assert_int_eq(nfreed, 0);
	ck_assert_ptr_eq(dbcache_get(c, key, DBCACHE_KEY_MAX, now), v);
	/* ... one byte more is not, and its value is freed at once. */
	dbcache_put(c, key, DBCACHE_KEY_MAX + 1, dbcache_epoch(c), now,
	    v = val("too long"), count_free);
	ck_assert_int_eq(nfreed, 1);
	ck_assert(last_freed == (uintptr_t)v);
	ck_assert_ptr_null(dbcache_get(c, key, DBCACHE_KEY_MAX + 1, now));
	dbcache_put(c, key, sizeof(key), dbcache_epoch(c), now,
	    v = val("longer"), count_free);
	ck_assert_int_eq(nfreed, 2);
	ck_assert_ptr_null(dbcache_get(c, key, sizeof(key), now));
	/* The longest one is still there. */
	ck_assert_str_eq(dbcache_get(c, key, DBCACHE_KEY_MAX, now), "longest");
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 3);
}
END_TEST

/* A cache on ${path} must be open but off: nothing is remembered. */
static void
expect_off(const char *path)
{
	struct dbcache *c;
	time_t now = time(NULL);
	char *v;

	c = open_ok(path);
	nfreed = 0;
	put(c, "s:off", dbcache_epoch(c), now, v = val("forgotten"));
	ck_assert_msg(nfreed == 1, "%s: the value was not freed at once", path);
	ck_assert(last_freed == (uintptr_t)v);
	ck_assert_ptr_null(get(c, "s:off", now));
	dbcache_bump(c);
	dbcache_bump(c);
	(void)dbcache_epoch(c);
	put(c, "s:off", dbcache_epoch(c), now, val("again"));
	ck_assert_int_eq(nfreed, 2);
	ck_assert_ptr_null(get(c, "s:off", now));
	/* Freed with free() when no function is given (ASan: no leak). */
	dbcache_put(c, "k", 1, 0, now, val("plain"), NULL);
	ck_assert_ptr_null(get(c, "k", now));
	dbcache_close(c);
	ck_assert_int_eq(nfreed, 2);
}

START_TEST(test_off)
{
	const char *dir = tu_base;
	char path[800];

	/* A folder that does not exist. */
	snprintf(path, sizeof(path), "%s/missing/node.db-changes", dir);
	expect_off(path);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* A name that is a folder (cannot be opened for writing, even by
	** root). */
	expect_off(dir);
	/* A folder no one may make files in, root included. */
	expect_off("/proc/self/node.db-changes");
	/* A folder it may not write in (root may write anywhere). */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/ro", dir);
		ck_assert_int_eq(mkdir(path, 0500), 0);
		snprintf(path, sizeof(path), "%s/ro/node.db-changes", dir);
		expect_off(path);
		snprintf(path, sizeof(path), "%s/ro", dir);
		chmod(path, 0700);
	}
}
END_TEST

/* --- through the server --- */

/*
** ${method} ${path} on the server; ${w} gives the session cookie and the
** X-CSRF-Token header (${w} may be NULL); ${key} is the Idempotency-Key
** (may be NULL); ${body} is sent as JSON. A fresh connection each time,
** so that requests land on either HTTP thread. Returns the status.
*/
static long
send_req(const char *method, const char *path, const struct who *w,
    const char *key, const char *body, struct tu_resp *out)
{
	struct tu_req q = { w, 1, key, body ? "application/json" : NULL, NULL,
		body, body ? strlen(body) : 0 };

	return (tu_request(&srv, method, path, &q, out));
}

/* Drive card ${i} and its PIN: logged in, ${w}; ${status} is 201 for its
** first use (a new person), 200 after. */
static void
card_login(int i, long status, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}",
	    cards[i]);
	send_req("POST", "/api/v1/login", NULL, NULL, body, &r);
	ck_assert_msg(r.status == status, "card %s: %ld, want %ld: %.300s",
	    cards[i], r.status, status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

static void
card_person(int i, struct who *w)
{
	card_login(i, 201, w);
}

/* ${w} consents to ${campaign} on the current English general document;
** the consent's id. */
static long long
consent(const struct who *w, const char *campaign)
{
	struct tu_resp r;
	char body[512];
	long long id;
	json_t *j;

	ck_assert_int_eq(send_req("GET", "/api/v1/consent/general?lang=en",
			     NULL, NULL, NULL, &r),
	    200);
	j = jbody(&r);
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\","
	    "\"scopes\":[\"publish_text\"],\"age_confirmed\":true}",
	    campaign, jstr(j, "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	send_req("POST", "/api/v1/consents", w, NULL, body, &r);
	ck_assert_msg(r.status == 201, "consent to %s: %ld %.300s", campaign,
	    r.status, r.body);
	j = jbody(&r);
	id = jint(json_object_get(j, "consent"), "id");
	ck_assert_int_gt(id, 0);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* POST /api/v1/contributions of ${text} to ${campaign} as ${w}, with the
** Idempotency-Key ${tag}-${i}. Returns the status; ${r} holds the answer. */
static long
contribute(const struct who *w, const char *campaign, const char *tag, int i,
    const char *text, struct tu_resp *r)
{
	json_t *o;
	char *body, key[64];
	long st;

	o = json_pack("{s:s,s:s}", "campaign", campaign, "text", text);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(body = json_dumps(o, JSON_COMPACT));
	json_decref(o);
	snprintf(key, sizeof(key), "%s-%d", tag, i);
	st = send_req("POST", "/api/v1/contributions", w, key, body, r);
	free(body);
	return (st);
}

/* ${n} new contributions of ${text} as ${w}, each 201. */
static void
contribute_ok(const struct who *w, const char *campaign, const char *tag, int n,
    const char *text)
{
	struct tu_resp r;
	int i;

	for (i = 0; i < n; i++) {
		contribute(w, campaign, tag, i, text, &r);
		ck_assert_msg(r.status == 201, "%s-%d: %ld %.300s", tag, i,
		    r.status, r.body);
		tu_resp_free(&r);
	}
}

/* ${n} times GET /api/v1/me as ${w}: each ${status}. */
static void
me_n(const struct who *w, int n, long status, const char *when)
{
	struct tu_resp r;
	int i;

	for (i = 0; i < n; i++) {
		send_req("GET", "/api/v1/me", w, NULL, NULL, &r);
		if (status == 401)
			expect_error(&r, 401, "login_required", when);
		else
			ck_assert_msg(r.status == status,
			    "%s: request %d of %d: %ld, want %ld: %.300s", when,
			    i + 1, n, r.status, status, r.body);
		tu_resp_free(&r);
	}
}

START_TEST(test_logout_seen)
{
	struct tu_resp r;
	struct who w, other;

	card_person(C_LOGOUT, &w);
	me_n(&w, NWARM, 200, "before logout");
	ck_assert_int_eq(
	    send_req("POST", "/api/v1/logout", &w, NULL, "{}", &r), 204);
	tu_resp_free(&r);
	me_n(&w, NAFTER, 401, "the old cookie after logout");
	contribute(&w, "cache-text", "after-logout", 0, "Hello.", &r);
	expect_error(&r, 401, "login_required", "a contribution after logout");
	tu_resp_free(&r);
	/* Logging in again (card and PIN) works at once. */
	card_login(C_LOGOUT, 200, &other);
	ck_assert_str_ne(other.token, w.token);
	me_n(&other, NAFTER, 200, "logged in again");
	me_n(&w, 2, 401, "the old cookie still");
}
END_TEST

START_TEST(test_consent_withdraw_seen)
{
	struct tu_resp r;
	struct who w;
	long long cid;
	char path[128];
	int i;

	card_person(C_CONSENT, &w);
	cid = consent(&w, "cache-text");
	/* New contributions keep what is remembered: the campaign and the
	** consent stay remembered across these. */
	contribute_ok(
	    &w, "cache-text", "before", NWARM, "Given while I agree.");

	snprintf(path, sizeof(path), "/api/v1/consents/%lld/withdraw", cid);
	ck_assert_int_eq(send_req("POST", path, &w, NULL, "{}", &r), 200);
	tu_resp_free(&r);
	for (i = 0; i < NAFTER; i++) {
		contribute(&w, "cache-text", "withdrawn", i,
		    "Given after I withdrew.", &r);
		expect_error(&r, 403, "consent_required",
		    "a contribution after the consent was withdrawn");
		/* Refused by the gate, which reads the remembered consent
		** and names the campaign, not only by the check at commit
		** (a message of its own) behind it. */
		expect_message(&r, "cache-text");
		tu_resp_free(&r);
	}

	/* "No consent" was remembered by now, too: giving it again is seen
	** at once. */
	consent(&w, "cache-text");
	contribute_ok(
	    &w, "cache-text", "again", NAFTER, "Given after I agreed again.");
}
END_TEST

START_TEST(test_cli_disable_seen)
{
	struct tu_resp r;
	struct who w;
	char out[1024];
	char *disable[] = { (char *)bin, "user", "disable", "--data", maindir,
		w.handle, NULL };

	card_person(C_DISABLE, &w);
	ck_assert_msg(w.handle[0] != '\0', "the card's account has no handle");
	consent(&w, "cache-text");
	me_n(&w, NWARM, 200, "before the account was disabled");
	contribute_ok(&w, "cache-text", "enabled", 2, "While I may.");

	/* Another process, with a database connection of its own. */
	ck_assert_int_eq(tu_run_quiet(disable, out, sizeof(out)), 0);
	me_n(&w, NAFTER, 401, "the session of a disabled account");
	contribute(
	    &w, "cache-text", "disabled", 0, "After it was disabled.", &r);
	expect_error(
	    &r, 401, "login_required", "a contribution of a disabled account");
	tu_resp_free(&r);
}
END_TEST

/* A shrink-text definition taking ${max} characters. */
static void
shrink_def(char *dst, size_t n, int max)
{
	snprintf(dst, n,
	    "{\"slug\":\"shrink-text\",\"title\":\"Shrinking answers\","
	    "\"language\":\"ee\",\"kind\":\"text\",\"consent\":\"general\","
	    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
	    "\"max_chars\":%d}\n",
	    max);
}

START_TEST(test_campaign_reimport_seen)
{
	/* 40 characters: within the first limit, not the second. */
	static const char text[] = "Forty characters of text, give or take..";
	struct tu_resp r;
	struct who w;
	char def[512];
	int i;

	ck_assert_uint_eq(strlen(text), 40);
	card_person(C_SHRINK, &w);
	consent(&w, "shrink-text");
	contribute_ok(&w, "shrink-text", "wide", NWARM, text);

	/* Another process imports it again, with a smaller limit. */
	shrink_def(def, sizeof(def), 25);
	ck_assert_int_eq(
	    tu_import_campaign(bin, base, maindir, "shrink-25.json", def), 0);
	for (i = 0; i < NAFTER; i++) {
		contribute(&w, "shrink-text", "narrow", i, text, &r);
		expect_error(&r, 413, "too_large",
		    "40 characters after max_chars became 25");
		expect_message(&r, "at most 25");
		expect_message(&r, "40 characters");
		tu_resp_free(&r);
	}
	/* Within the new limit, still taken. */
	contribute_ok(&w, "shrink-text", "short", 2, "Short enough.");
}
END_TEST

/* --- setup, before any test forks --- */

/*
** Makes the node in ${maindir}: cache-text (max_chars 2000), shrink-text
** (max_chars 2000, imported again smaller by a test) and NCARDS cards.
*/
static int
make_node(void)
{
	char out[4096], count[16], def[512];
	char *init[] = { (char *)bin, "init", "--data", maindir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", maindir,
		"--campaign", "cache-text", "--count", count, NULL };

	snprintf(count, sizeof(count), "%d", NCARDS);
	shrink_def(def, sizeof(def), 2000);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(bin, base, maindir, "cache-text.json",
		"{\"slug\":\"cache-text\",\"title\":\"Remembered answers\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"max_chars\":2000}\n") != 0 ||
	    tu_import_campaign(bin, base, maindir, "shrink-2000.json", def) !=
		0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, NCARDS, cards) == -1)
		return (-1);
	return (0);
}

/* Starts the server on ${maindir} with the source tree's folders and two
** HTTP threads, whatever the machine's CPUs. */
static int
start(void)
{
	char consent_dir[600], redact[600], webroot[600];
	const char *extra[] = { "--consent-dir", consent_dir, "--redact-dir",
		redact, "--webroot", webroot, "--threads", "2",
		"--rate-per-address", "100000", "--rate-per-account", "100000",
		NULL };

	snprintf(consent_dir, sizeof(consent_dir), "%s/consent", srcdir);
	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_server_start(&srv, maindir, extra));
}

int
main(void)
{
	/* The servers, stopped (and checked) at the end. */
	struct tu_server *const stop[] = { &srv };
	const char *const names[] = { "main" };
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	if (make_node() == -1 || start() == -1) {
		fprintf(
		    stderr, "could not start the server (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		return (1);
	}

	s = suite_create("dbcache");
	tc = tcase_create("module");
	tcase_add_checked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_test(tc, test_put_get);
	tcase_add_test(tc, test_bump);
	tcase_add_test(tc, test_epoch_before_bump);
	tcase_add_test(tc, test_two_opens);
	tcase_add_test(tc, test_fork);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_long_key);
	tcase_add_test(tc, test_off);
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_logout_seen);
	tcase_add_test(tc, test_consent_withdraw_seen);
	tcase_add_test(tc, test_cli_disable_seen);
	tcase_add_test(tc, test_campaign_reimport_seen);
	suite_add_tcase(s, tc);

	return (tu_suite_end(s, stop, names, 1, base));
}
