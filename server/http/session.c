/*
** Sessions over HTTP (http.h): the cookie that carries a session's token
** (read by req_read_cookie(), inline in http_int.h, as every request asks
** it), looking the session up (remembered per thread, dbcache.h), the CSRF
** token every state-changing request with a session carries, and the
** background refresh of a session's last use. The sessions themselves
** (tokens, expiry, the rows) are the account module's (account.h).
*/
#include "http_int.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dbcache.h"

const struct session *
req_session(struct req *r)
{
	return (r->has_session ? &r->sess : NULL);
}

const char *
req_token(struct req *r)
{
	return (r->token[0] ? r->token : NULL);
}

/* Is the client on the other side of TLS (ours, or a trusted proxy's)? */
static int
req_is_tls(struct req *r)
{
	const char *p;

	if (r->srv->tls_cert != NULL)
		return (1);
	if (!req_peer_trusted(r))
		return (0);
	p = req_header(r, "X-Forwarded-Proto");
	return (p != NULL && strcmp(p, "https") == 0);
}

void
req_origin(struct req *r, char *out, size_t n)
{
	const char *host = NULL;
	size_t len;

	if (req_peer_trusted(r))
		host = req_header(r, "X-Forwarded-Host");
	if (host == NULL)
		host = req_header(r, "Host");
	/* The Host header is the client's word: only a plain name or
	** address with a port goes into a URL we hand back. */
	len = host ? strlen(host) : 0;
	if (len == 0 || len > 255 ||
	    strspn(host,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789.-:[]") != len)
		snprintf(out, n, "%s://%s:%u", req_is_tls(r) ? "https" : "http",
		    strchr(r->srv->cfg->bind, ':') ? "[::1]"
			: strcmp(r->srv->cfg->bind, "0.0.0.0") == 0
			? "127.0.0.1"
			: r->srv->cfg->bind,
		    (unsigned)r->srv->port);
	else
		snprintf(
		    out, n, "%s://%s", req_is_tls(r) ? "https" : "http", host);
}

void
req_set_cookie(struct req *r, const char *token)
{
	struct buf b = { 0 };

	free(r->set_cookie);
	if (token != NULL)
		buf_printf(&b,
		    "tributary_session=%s; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=%d%s",
		    token, SESSION_MAX, req_is_tls(r) ? "; Secure" : "");
	else
		buf_printf(&b,
		    "tributary_session=; Path=/; HttpOnly; SameSite=Strict; "
		    "Max-Age=0%s",
		    req_is_tls(r) ? "; Secure" : "");
	r->set_cookie = buf_take(&b);
}

/* Fire-and-forget writer job that refreshes a session's last_seen. */
struct touch {
	struct writer_job job;
	char token[SESSION_TOKEN_LEN + 1];
};

static void
touch_done(struct writer_job *j)
{
	free(j->done_arg);
}

void
req_session_touch(struct req *r)
{
	struct touch *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return;
	memcpy(t->token, r->token, sizeof(t->token));
	t->job.fn = session_touch_job;
	t->job.arg = t->token;
	t->job.done = touch_done;
	t->job.done_arg = t;
	writer_submit(r->srv->node->writer, &t->job);
}

static void
session_forget(void *p)
{
	sodium_memzero(p, sizeof(struct session));
	free(p);
}

int
req_session_lookup(struct req *r, time_t now, struct err *e)
{
	struct dbcache *c = r->srv->node->cache;
	const struct session *m;
	struct session *keep;
	struct db *db;
	uint64_t epoch;
	char key[2 + SESSION_TOKEN_LEN];
	int rc;

	memcpy(key, "s:", 2);
	memcpy(key + 2, r->token, SESSION_TOKEN_LEN);
	if ((m = dbcache_get(c, key, sizeof(key), now)) != NULL &&
	    m->expires_at > now && m->last_seen > now - SESSION_IDLE) {
		r->sess = *m;
		sodium_memzero(key, sizeof(key));
		return (1);
	}
	epoch = req_cache_epoch(r);
	if ((db = req_db(r, e)) == NULL ||
	    (rc = session_get(db, r->token, now, &r->sess, e)) == -1) {
		sodium_memzero(key, sizeof(key));
		return (-1);
	}
	if (rc == 1 && (keep = malloc(sizeof(*keep))) != NULL) {
		*keep = r->sess;
		dbcache_put(
		    c, key, sizeof(key), epoch, now, keep, session_forget);
	}
	sodium_memzero(key, sizeof(key));
	return (rc);
}

/*
** Does the ${sent} X-CSRF-Token (NULL if absent) match the session's
** ${want}? Both are compared whole, CSRF_LEN bytes, in constant time: a
** token that is empty, short or a prefix compares against zeros where it
** ends, so it can never match however the lengths are judged.
*/
static int
csrf_matches(const char *sent, const char *want)
{
	char a[CSRF_LEN + 1] = { 0 }, b[CSRF_LEN + 1] = { 0 };
	size_t n;
	int same;

	if (sent == NULL)
		return (0);
	n = strlen(sent);
	memcpy(a, sent, n < CSRF_LEN ? n : CSRF_LEN);
	memcpy(b, want, strnlen(want, CSRF_LEN));
	same = sodium_memcmp(a, b, CSRF_LEN) == 0;
	sodium_memzero(b, sizeof(b));
	return (same && n == CSRF_LEN && want[0] != '\0');
}

int
req_csrf_ok(struct req *r)
{
	return (csrf_matches(req_header(r, "X-CSRF-Token"), r->sess.csrf));
}
