/*
** Helpers for the suites that speak the JSON API (check_api, check_contrib):
** a logged-in person, JSON answers, and error assertions. They assert with
** Check, so they are only for use inside Check tests.
*/
#ifndef TRIBUTARY_APITEST_H
#define TRIBUTARY_APITEST_H

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "account.h"
#include "testutil.h"

/* A logged-in person, as the API told us. */
struct who {
	char token[SESSION_TOKEN_LEN + 1];
	char csrf[CSRF_LEN + 1];
	long long id;
	char handle[HANDLE_MAX + 1];
	char role[16];
};

/* The answer's body as JSON (fails the test if it is not). */
json_t *jbody(const struct tu_resp *r);
const char *jstr(json_t *o, const char *k);
long long jint(json_t *o, const char *k);
/* The answer is ${status} with {"error":{"code":${code},"message"}}. */
void expect_error(
    const struct tu_resp *r, long status, const char *code, const char *what);
/* The error message of ${r} contains ${needle}. */
void expect_message(const struct tu_resp *r, const char *needle);
/* Reads the cookie and the {"account","csrf"} of a login or join answer. */
void take_session(const struct tu_resp *r, struct who *w);

/* What tu_request() sends besides its method and path. */
struct tu_req {
	const struct who *w; /* the session's cookie, or NULL for none */
	int csrf;            /* with ${w}: its X-CSRF-Token too */
	const char *key;     /* Idempotency-Key, or NULL */
	const char *ctype;   /* Content-Type, or NULL */
	const char *extra;   /* one more header line, or NULL */
	const void *body;    /* ${n} bytes, or NULL */
	size_t n;
};
/* ${method} ${path} on ${s} as ${q} says; fails the test if no answer
** comes. Returns the status (the answer in ${out}, to free). */
long tu_request(const struct tu_server *s, const char *method, const char *path,
    const struct tu_req *q, struct tu_resp *out);

/* The node.db of the node in ${dir}, opened read-only beside its running
** server (busy timeout 10 s); close it with sqlite3_close(). Fails the
** test if it cannot be opened. */
sqlite3 *tu_db_open_ro(const char *dir);
/*
** The first column of the one row ${sql} answers on ${dir}'s node.db (?1
** is ${a}, ?2 ${s}, each bound only if the statement has it): as an
** integer, and as text into ${txt} (${txtn} bytes, may be NULL; "" for
** NULL). Fails the test if there is no row.
*/
long long tu_db_get(const char *dir, const char *sql, long long a,
    const char *s, char *txt, size_t txtn);

/* Runs ${argv} (tu_run); on failure says so on stderr with its output. */
int tu_run_quiet(char *const argv[], char *out, size_t n);
/* `${bin} user add --data ${dir} ${handle} --role ${role}` with
** `--languages ${langs}` unless NULL, and the passphrase ${pass} on its
** standard input. 0, or the exit status (said on stderr). */
int tu_user_add(const char *bin, const char *dir, const char *handle,
    const char *role, const char *langs, const char *pass);
/* The passphrase tu_users_add() gives ${handle}: "HANDLE's passphrase". */
void tu_pass_of(const char *handle, char *out, size_t n);
/* tu_user_add() of each handle and role of ${pairs} (handle, role, ...,
** NULL), with the passphrase tu_pass_of() says. 0, or the first failure's
** exit status. */
int tu_users_add(const char *bin, const char *dir, const char *const *pairs);
/* Writes ${json} to ${tmp}/${name} and runs `${bin} campaign import` of it
** into the node ${dir}. 0, or the exit status. */
int tu_import_campaign(const char *bin, const char *tmp, const char *dir,
    const char *name, const char *json);
/* Reads ${n} card codes, one a line (`tributary drive-codes`), from ${out}
** into ${dst}. 0, or -1 saying what was printed instead. */
int tu_read_cards(const char *out, int n, char (*dst)[CARD_CODE_LEN + 1]);

/* Stops ${s} (SIGTERM; tu_server_stop prints its log if it dies): 0 if it
** shut down cleanly, no ASan report included, else -1 saying which
** (${name}) on stderr. */
int tu_stop_clean(struct tu_server *s, const char *name);

/* One of several requests sent at once (tu_burst_run). */
#define TU_BURST_MAX 16
struct tu_burst {
	const char *url;   /* full URL of the POST */
	const char *ctype; /* its Content-Type */
	const struct who *w;
	const void *body;
	size_t len;
	char key[64]; /* Idempotency-Key */
	/* out */
	int rc; /* tu_http's */
	long status;
	char *answer; /* the body (malloc'd), ${n} bytes */
	size_t n;
	pthread_barrier_t *bar; /* tu_burst_run's own */
};
/* POSTs the ${n} (at most TU_BURST_MAX) requests of ${b}, as ${w} with
** the CSRF token, all released at the same instant, and waits for every
** answer. */
void tu_burst_run(struct tu_burst *b, int n);
/*
** Idempotency under a burst: ${n} (at most TU_BURST_MAX) copies of ${req}
** (url, ctype, w, body, len and key set, the rest zero), every odd one
** carrying ${other} (${olen} bytes) instead of the body when ${other} is
** not NULL, all released at once. Exactly one must be answered 201.
** Without ${other} the others are 200 with the very same bytes: one
** contribution, its id > 0. With it, the requests carrying the winner's
** body are 201 or 200 and the others 409 idempotency_mismatch. Fails the
** test otherwise.
*/
void tu_burst_one_key(
    const struct tu_burst *req, const void *other, size_t olen, int n);

/*
** The start of an API suite's main(): $TRIBUTARY_BIN into ${bin}, the
** source folder ($TRIBUTARY_SOURCE_DIR, else the build's) into ${srcdir}, a
** fresh temporary folder into ${base}, and curl's global set-up, which
** must come before any thread. 0, or -1 having said why on stderr.
*/
int tu_suite_begin(const char **bin, const char **srcdir, char **base);
/*
** The end of it: runs ${s}; stops the ${n} servers ${srv}[i], named
** ${names}[i], each of which must stop cleanly (ASan reports leaks at
** exit); cleans curl up; removes ${base} if everything passed, else says
** where it is; frees it. Returns main()'s exit status.
*/
int tu_suite_end(Suite *s, struct tu_server *const srv[],
    const char *const names[], size_t n, char *base);

/*
** The requests most API suites make, on server ${s}: ${method} ${path} as
** ${w} (NULL: nobody; else its cookie and CSRF token) with a JSON ${body}
** (may be NULL). tu_as() returns the status (the answer in ${out}, to
** free); tu_expect_json() fails the test unless the answer is ${status}
** and returns its JSON (to decref); tu_expect_refusal() fails it unless
** the answer is ${status} with error ${code}.
*/
long tu_as(const struct tu_server *s, const struct who *w, const char *method,
    const char *path, const char *body, struct tu_resp *out);
json_t *tu_expect_json(const struct tu_server *s, const struct who *w,
    const char *method, const char *path, const char *body, long status);
void tu_expect_refusal(const struct tu_server *s, const struct who *w,
    const char *method, const char *path, const char *body, long status,
    const char *code);
/* Logs ${handle} in on ${s} with passphrase ${pass} (must answer 200),
** into ${w}. */
void tu_log_in(const struct tu_server *s, const char *handle, const char *pass,
    struct who *w);

#endif
