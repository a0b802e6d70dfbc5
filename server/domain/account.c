/*
** Accounts, sessions and drive cards (account.h).
*/
#include "account.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "crypto.h"

static const char SQL_ACCOUNT_BY_HANDLE[] =
    "SELECT id, handle, role, disabled_at IS NOT NULL, passphrase_hash, "
    "languages, can_translate FROM accounts WHERE handle = ?1";
static const char SQL_ACCOUNT_BY_ID[] =
    "SELECT id, handle, role, disabled_at IS NOT NULL, passphrase_hash, "
    "languages, can_translate FROM accounts WHERE id = ?1";
static const char SQL_ACCOUNT_LIST[] =
    "SELECT id, handle, role, disabled_at IS NOT NULL, NULL, languages, "
    "can_translate FROM accounts ORDER BY id";
static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO accounts(handle, role, created_at, passphrase_hash, "
    "languages) VALUES (?1, ?2, ?3, ?4, coalesce(?5, '[]'))";
static const char SQL_ACCOUNT_LANGUAGES[] =
    "UPDATE accounts SET languages = ?2 WHERE id = ?1";
static const char SQL_ACCOUNT_PASSPHRASE[] =
    "UPDATE accounts SET passphrase_hash = ?2 WHERE id = ?1";
static const char SQL_ACCOUNT_ROLE[] =
    "UPDATE accounts SET role = ?2 WHERE id = ?1";
static const char SQL_ACCOUNT_DISABLE[] =
    "UPDATE accounts SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS "
    "NULL";
/* Every session of ?1 but the one whose token hashes to ?2 (NULL: all). */
static const char SQL_SESSIONS_END[] =
    "DELETE FROM sessions WHERE account_id = ?1 AND (?2 IS NULL OR "
    "token_sha256 <> ?2)";
static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions(token_sha256, account_id, csrf, created_at, "
    "last_seen, expires_at) VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char SQL_SESSION_GET[] =
    "SELECT s.account_id, a.role, a.handle, s.csrf, s.last_seen, "
    "s.expires_at FROM sessions s JOIN accounts a ON a.id = s.account_id "
    "WHERE s.token_sha256 = ?1 AND s.expires_at > ?2 AND s.last_seen > ?3 "
    "AND a.disabled_at IS NULL";
static const char SQL_SESSION_DELETE[] =
    "DELETE FROM sessions WHERE token_sha256 = ?1";
static const char SQL_SESSION_TOUCH[] =
    "UPDATE sessions SET last_seen = ?2 WHERE token_sha256 = ?1";
static const char SQL_CARD_GET[] =
    "SELECT id, campaign_id, account_id, pin_hash, failed_pins, "
    "locked_until, revoked_at IS NOT NULL FROM drive_codes "
    "WHERE code_sha256 = ?1";
static const char SQL_CARD_INSERT[] =
    "INSERT INTO drive_codes(code_sha256, campaign_id, account_id, "
    "created_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_CARD_REVOKE_ACCOUNT[] =
    "UPDATE drive_codes SET revoked_at = ?2 WHERE account_id = ?1 AND "
    "revoked_at IS NULL";
static const char SQL_CARD_ROW[] =
    "SELECT account_id, pin_hash, failed_pins, locked_until, campaign_id "
    "FROM drive_codes WHERE id = ?1 AND revoked_at IS NULL";
static const char SQL_CARD_SET_PIN[] =
    "UPDATE drive_codes SET account_id = ?2, pin_hash = ?3, failed_pins = 0,"
    " locked_until = 0 WHERE id = ?1";
static const char SQL_CARD_ATTEMPT[] =
    "UPDATE drive_codes SET failed_pins = ?2, locked_until = ?3 WHERE id = ?1";
static const char SQL_CODE_GET[] =
    "SELECT account_id FROM login_codes WHERE code_sha256 = ?1 AND "
    "used_at IS NULL AND expires_at > ?2";
static const char SQL_CODE_SPEND[] =
    "UPDATE login_codes SET used_at = ?2 WHERE code_sha256 = ?1";

static const char *const role_names[] = { "none", "contributor", "reviewer",
	"maintainer", "treasurer", "admin" };

enum account_role
role_parse(const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < sizeof(role_names) / sizeof(role_names[0]);
	     i++)
		if (strcmp(s, role_names[i]) == 0)
			return ((enum account_role)i);
	return (ROLE_NONE);
}

const char *
role_name(enum account_role r)
{
	return (role_names[r <= ROLE_ADMIN ? r : 0]);
}

int
role_allows(enum account_role have, enum account_role need)
{
	if (need == ROLE_NONE)
		return (1);
	if (have == ROLE_NONE)
		return (0);
	if (have == ROLE_ADMIN || have == need || need == ROLE_CONTRIBUTOR)
		return (1);
	return (have == ROLE_MAINTAINER && need == ROLE_REVIEWER);
}

int
handle_check(const char *h, struct err *e)
{
	size_t n = strlen(h), i;

	if (n < 3 || n > HANDLE_MAX)
		return (err_set(e, ERR_INVALID,
		    "a handle is 3 to %d characters long", HANDLE_MAX));
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)h[i]) ||
			isdigit((unsigned char)h[i]) || h[i] == '.' ||
			h[i] == '_' || h[i] == '-'))
			return (err_set(e, ERR_INVALID,
			    "a handle uses only a-z, 0-9, dot, underscore and "
			    "dash"));
	return (0);
}

static int
step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e);

int
lang_tag_check(const char *tag, struct err *e)
{
	size_t i, run = 0, first = 0, n = strlen(tag);
	int sub = 0;

	if (n == 0 || n > LANG_TAG_MAX)
		goto bad;
	for (i = 0; i <= n; i++) {
		if (i == n || tag[i] == '-') {
			if (run == 0 || run > 8)
				goto bad;
			if (sub == 0)
				first = run;
			sub++;
			run = 0;
			continue;
		}
		if (!isalnum((unsigned char)tag[i]) ||
		    (sub == 0 && !isalpha((unsigned char)tag[i])))
			goto bad;
		run++;
	}
	if (first < 2 || first == 4)
		goto bad;
	return (0);
bad:
	return (err_set(e, ERR_INVALID,
	    "\"%.40s\" is not a language tag (BCP 47, e.g. ee, ak, gaa, tg)",
	    tag));
}

json_t *
languages_check(json_t *arr, struct err *e)
{
	json_t *out, *v, *w;
	size_t i, j;
	char tag[LANG_TAG_MAX + 1], *p;
	int dup;

	if (!json_is_array(arr)) {
		err_set(e, ERR_INVALID,
		    "\"languages\" must be a list of language tags");
		return (NULL);
	}
	if ((out = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) ||
		    json_string_length(v) > LANG_TAG_MAX ||
		    lang_tag_check(json_string_value(v), e) == -1) {
			if (!json_is_string(v))
				err_set(e, ERR_INVALID,
				    "\"languages\" must be a list of language "
				    "tags");
			else if (json_string_length(v) > LANG_TAG_MAX)
				lang_tag_check("", e);
			json_decref(out);
			return (NULL);
		}
		snprintf(tag, sizeof(tag), "%s", json_string_value(v));
		for (p = tag; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		dup = 0;
		json_array_foreach(out, j,
		    w) if (strcmp(json_string_value(w), tag) == 0) dup = 1;
		if (!dup &&
		    json_array_append_new(out, json_string(tag)) == -1) {
			json_decref(out);
			err_oom(e);
			return (NULL);
		}
	}
	if (json_array_size(out) > ACCOUNT_LANGUAGES) {
		json_decref(out);
		err_set(
		    e, ERR_INVALID, "at most %d languages", ACCOUNT_LANGUAGES);
		return (NULL);
	}
	return (out);
}

json_t *
languages_parse(const char *list, struct err *e)
{
	json_t *arr, *out;
	char *copy, *tok, *save = NULL;

	if ((copy = strdup(list)) == NULL || (arr = json_array()) == NULL) {
		free(copy);
		err_oom(e);
		return (NULL);
	}
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	     tok = strtok_r(NULL, ", \t", &save))
		json_array_append_new(arr, json_string(tok));
	free(copy);
	out = languages_check(arr, e);
	json_decref(arr);
	return (out);
}

int
account_languages_job(struct db *db, void *arg, struct err *e)
{
	struct account_languages *al = arg;
	sqlite3_stmt *st;
	char *l;

	if (account_may_act(db, al->actor, al->id, e) == -1)
		return (-1);
	if ((l = json_dumps(al->languages, JSON_COMPACT)) == NULL)
		return (err_oom(e));
	if ((st = db_prepare(db, SQL_ACCOUNT_LANGUAGES, e)) == NULL) {
		free(l);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, al->id);
	sqlite3_bind_text(st, 2, l, -1, free);
	if (step_done(db, st, "account", e) == -1)
		return (-1);
	return (audit_append(db, al->actor, "account.languages", al->id,
	    json_pack("{s:O}", "languages", al->languages), e));
}

static void
account_row(sqlite3_stmt *st, struct account *a)
{
	const unsigned char *ph;

	a->id = sqlite3_column_int64(st, 0);
	snprintf(a->handle, sizeof(a->handle), "%s",
	    (const char *)sqlite3_column_text(st, 1));
	a->role = role_parse((const char *)sqlite3_column_text(st, 2));
	a->disabled = sqlite3_column_int(st, 3);
	ph = sqlite3_column_text(st, 4);
	a->passphrase_hash = ph ? strdup((const char *)ph) : NULL;
	ph = sqlite3_column_text(st, 5);
	a->languages = ph ? strdup((const char *)ph) : NULL;
	a->can_translate = sqlite3_column_int(st, 6);
}

int
account_get(struct db *db, const char *handle, int64_t id, struct account *a,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(a, 0, sizeof(*a));
	st = db_prepare(
	    db, handle ? SQL_ACCOUNT_BY_HANDLE : SQL_ACCOUNT_BY_ID, e);
	if (st == NULL)
		return (-1);
	if (handle)
		sqlite3_bind_text(st, 1, handle, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		account_row(st, a);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	if (rc == SQLITE_DONE)
		return (0);
	return (db_err(db, e, "account"));
}

void
account_clear(struct account *a)
{
	if (a->passphrase_hash != NULL) {
		sodium_memzero(a->passphrase_hash, strlen(a->passphrase_hash));
		free(a->passphrase_hash);
	}
	a->passphrase_hash = NULL;
	free(a->languages);
	a->languages = NULL;
}

json_t *
account_json(const struct account *a)
{
	json_t *langs = a->languages ? json_loads(a->languages, 0, NULL) : NULL;

	return (json_pack("{s:I,s:s,s:s,s:b,s:o,s:b}", "id", (json_int_t)a->id,
	    "handle", a->handle, "role", role_name(a->role), "disabled",
	    a->disabled, "languages",
	    json_is_array(langs) ? langs : (json_decref(langs), json_array()),
	    "can_translate", a->can_translate));
}

json_t *
account_list(struct db *db, struct err *e)
{
	struct account a;
	sqlite3_stmt *st;
	json_t *arr;
	int rc;

	if ((st = db_prepare(db, SQL_ACCOUNT_LIST, e)) == NULL)
		return (NULL);
	arr = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		account_row(st, &a);
		json_array_append_new(arr, account_json(&a));
		account_clear(&a);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		db_err(db, e, "accounts");
		return (NULL);
	}
	return (arr);
}

/* Steps a write statement; ERR_CONFLICT on a constraint. */
static int
step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, what));
}

int
account_create_job(struct db *db, void *arg, struct err *e)
{
	struct account_new *an = arg;
	sqlite3_stmt *st;

	if (handle_check(an->handle, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_ACCOUNT_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, an->handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, role_name(an->role), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	if (an->passphrase_hash)
		sqlite3_bind_text(
		    st, 4, an->passphrase_hash, -1, SQLITE_STATIC);
	if (an->languages != NULL) {
		char *l = json_dumps(an->languages, JSON_COMPACT);

		if (l == NULL) {
			sqlite3_reset(st);
			return (err_oom(e));
		}
		sqlite3_bind_text(st, 5, l, -1, free);
	}
	if (step_done(db, st, "account", e) == -1) {
		if (e->code == ERR_CONFLICT)
			err_set(e, ERR_CONFLICT, "the handle \"%s\" is taken",
			    an->handle);
		return (-1);
	}
	an->id = sqlite3_last_insert_rowid(db_handle(db));
	return (audit_append(db, an->actor, "account.created", an->id,
	    json_pack(
		"{s:s,s:s}", "handle", an->handle, "role", role_name(an->role)),
	    e));
}

/*
** The role of ${actor}, a live account, into ${role}. Returns 0, or -1
** with ${e}: ERR_FORBIDDEN if it is gone or disabled (its session was
** checked before the job ran), or a storage error.
*/
static int
actor_role(struct db *db, int64_t actor, enum account_role *role, struct err *e)
{
	struct account a;
	int rc;

	if ((rc = account_get(db, NULL, actor, &a, e)) == -1)
		return (-1);
	account_clear(&a);
	if (rc == 0 || a.disabled)
		return (err_set(
		    e, ERR_FORBIDDEN, "your account can no longer do this"));
	*role = a.role;
	return (0);
}

int
account_may_act(struct db *db, int64_t actor, int64_t target, struct err *e)
{
	struct account t;
	enum account_role mine;
	int rc;

	if ((rc = account_get(db, NULL, target, &t, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no account %lld",
				      (long long)target)
				: -1);
	account_clear(&t);
	if (actor == 0 || actor == target)
		return (0);
	if (actor_role(db, actor, &mine, e) == -1)
		return (-1);
	if (mine == ROLE_ADMIN || mine > t.role)
		return (0);
	return (err_set(e, ERR_FORBIDDEN,
	    "%s is a %s: only an admin or a role above that may do this",
	    t.handle, role_name(t.role)));
}

/* Ends the sessions of ${id} but ${keep} (a token's SHA-256, or NULL). */
static int
sessions_end(struct db *db, int64_t id, const uint8_t *keep, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_SESSIONS_END, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if (keep != NULL)
		sqlite3_bind_blob(st, 2, keep, SHA256_LEN, SQLITE_STATIC);
	return (step_done(db, st, "sessions", e));
}

int
account_change_job(struct db *db, void *arg, struct err *e)
{
	struct account_change *ac = arg;
	enum account_role mine;
	struct account a;
	sqlite3_stmt *st;
	int rc;

	if (account_may_act(db, ac->actor, ac->id, e) == -1)
		return (-1);
	if ((rc = account_get(db, NULL, ac->id, &a, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no account %lld",
				      (long long)ac->id)
				: -1);
	account_clear(&a);
	/* Nobody hands out more than they hold, themself included. */
	if (ac->role != ROLE_NONE && ac->actor != 0) {
		if (actor_role(db, ac->actor, &mine, e) == -1)
			return (-1);
		if (mine != ROLE_ADMIN && ac->role > mine)
			return (err_set(e, ERR_FORBIDDEN,
			    "only an admin may give a role above %s",
			    role_name(mine)));
	}
	if (ac->role != ROLE_NONE) {
		if ((st = db_prepare(db, SQL_ACCOUNT_ROLE, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, ac->id);
		sqlite3_bind_text(
		    st, 2, role_name(ac->role), -1, SQLITE_STATIC);
		if (step_done(db, st, "role", e) == -1 ||
		    audit_append(db, ac->actor, "account.role", ac->id,
			json_pack("{s:s,s:s}", "from", role_name(a.role), "to",
			    role_name(ac->role)),
			e) == -1)
			return (-1);
	}
	if (ac->passphrase_hash != NULL) {
		if ((st = db_prepare(db, SQL_ACCOUNT_PASSPHRASE, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, ac->id);
		sqlite3_bind_text(
		    st, 2, ac->passphrase_hash, -1, SQLITE_STATIC);
		/* Whoever held the old passphrase is out, but for the session
		** that changed it. */
		if (step_done(db, st, "passphrase", e) == -1 ||
		    sessions_end(db, ac->id, ac->keep_session, e) == -1 ||
		    audit_append(db, ac->actor, "account.passphrase", ac->id,
			NULL, e) == -1)
			return (-1);
	}
	if (ac->disable) {
		if ((st = db_prepare(db, SQL_ACCOUNT_DISABLE, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, ac->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		if (step_done(db, st, "disable", e) == -1 ||
		    sessions_end(db, ac->id, NULL, e) == -1 ||
		    audit_append(db, ac->actor, "account.disabled", ac->id,
			NULL, e) == -1)
			return (-1);
	}
	return (0);
}

/* base64url without padding of ${n} random bytes into ${out}. */
static void
random_token(char *out, size_t outlen)
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, outlen, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

int
session_create_job(struct db *db, void *arg, struct err *e)
{
	struct session_new *sn = arg;
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;
	time_t now = time(NULL);

	random_token(sn->token, sizeof(sn->token));
	random_token(sn->csrf, sizeof(sn->csrf));
	sha256_digest(sn->token, strlen(sn->token), sum);
	if ((st = db_prepare(db, SQL_SESSION_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, sn->account_id);
	sqlite3_bind_text(st, 3, sn->csrf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(now + SESSION_MAX));
	return (step_done(db, st, "session", e));
}

int
session_get(struct db *db, const char *token, time_t now, struct session *s,
    struct err *e)
{
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if (strlen(token) != SESSION_TOKEN_LEN)
		return (0);
	sha256_digest(token, strlen(token), sum);
	if ((st = db_prepare(db, SQL_SESSION_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(now - SESSION_IDLE));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->account_id = sqlite3_column_int64(st, 0);
		s->role = role_parse((const char *)sqlite3_column_text(st, 1));
		snprintf(s->handle, sizeof(s->handle), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		snprintf(s->csrf, sizeof(s->csrf), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		s->last_seen = (time_t)sqlite3_column_int64(st, 4);
		s->expires_at = (time_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "session"));
}

static int
session_by_token(
    struct db *db, const char *sql, const char *token, struct err *e)
{
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;

	sha256_digest(token, strlen(token), sum);
	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	if (sql == SQL_SESSION_TOUCH)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	return (step_done(db, st, "session", e));
}

int
session_delete_job(struct db *db, void *arg, struct err *e)
{
	return (session_by_token(db, SQL_SESSION_DELETE, arg, e));
}

int
session_touch_job(struct db *db, void *arg, struct err *e)
{
	return (session_by_token(db, SQL_SESSION_TOUCH, arg, e));
}

int
card_normalize(const char *in, char out[CARD_CODE_LEN + 1])
{
	int j = 0, k = 0;

	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if (!isalnum((unsigned char)*in) || k == 12)
			return (-1);
		if (k > 0 && k % 4 == 0)
			out[j++] = '-';
		out[j++] = (char)toupper((unsigned char)*in);
		k++;
	}
	out[j] = '\0';
	return (k == 12 ? 0 : -1);
}

int
card_get(struct db *db, const char *code, struct card *c, struct err *e)
{
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;
	const unsigned char *ph;
	int rc;

	memset(c, 0, sizeof(*c));
	sha256_digest(code, strlen(code), sum);
	if ((st = db_prepare(db, SQL_CARD_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		c->id = sqlite3_column_int64(st, 0);
		c->campaign_id = sqlite3_column_int64(st, 1);
		c->account_id = sqlite3_column_int64(st, 2);
		ph = sqlite3_column_text(st, 3);
		c->pin_hash = ph ? strdup((const char *)ph) : NULL;
		c->failed_pins = sqlite3_column_int(st, 4);
		c->locked_until = (time_t)sqlite3_column_int64(st, 5);
		c->revoked = sqlite3_column_int(st, 6);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "card"));
}

void
card_clear(struct card *c)
{
	free(c->pin_hash);
	c->pin_hash = NULL;
}

int
card_create_job(struct db *db, void *arg, struct err *e)
{
	struct card_batch *cb = arg;
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;
	int i;

	if (cb->for_account > 0) {
		struct account a;

		if (account_may_act(db, cb->actor, cb->for_account, e) == -1 ||
		    account_get(db, NULL, cb->for_account, &a, e) != 1)
			return (-1);
		account_clear(&a);
		if (a.disabled)
			return (err_set(e, ERR_CONFLICT,
			    "%s is disabled or erased: a new card would "
			    "log nobody in",
			    a.handle));
		if ((st = db_prepare(db, SQL_CARD_REVOKE_ACCOUNT, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, cb->for_account);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		/* A session may have come from the lost card: all end. */
		if (step_done(db, st, "revoke", e) == -1 ||
		    sessions_end(db, cb->for_account, NULL, e) == -1)
			return (-1);
	}
	for (i = 0; i < cb->count; i++) {
		random_code(cb->codes[i]);
		sha256_digest(cb->codes[i], strlen(cb->codes[i]), sum);
		if ((st = db_prepare(db, SQL_CARD_INSERT, e)) == NULL)
			return (-1);
		sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, cb->campaign_id);
		if (cb->for_account > 0)
			sqlite3_bind_int64(st, 3, cb->for_account);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
		if (step_done(db, st, "card", e) == -1)
			return (-1);
	}
	return (audit_append(db, cb->actor,
	    cb->for_account > 0 ? "card.reissued" : "cards.created",
	    cb->for_account,
	    json_pack("{s:I,s:i}", "campaign", (json_int_t)cb->campaign_id,
		"count", cb->count),
	    e));
}

int
card_use_job(struct db *db, void *arg, struct err *e)
{
	struct card_use *cu = arg;
	struct account_new an = { 0 };
	char handle[HANDLE_MAX + 1], code[CARD_CODE_LEN + 1];
	const unsigned char *ph;
	sqlite3_stmt *st;
	time_t now = time(NULL);
	int rc, has_pin;

	if ((st = db_prepare(db, SQL_CARD_ROW, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cu->card_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE ? err_set(e, ERR_NOT_FOUND,
						"this card is no longer valid")
					  : db_err(db, e, "card"));
	}
	cu->account_id = sqlite3_column_int64(st, 0);
	ph = sqlite3_column_text(st, 1);
	has_pin = ph != NULL;
	cu->failed_pins = sqlite3_column_int(st, 2);
	cu->locked_until = (time_t)sqlite3_column_int64(st, 3);
	sqlite3_reset(st);

	/* The lock is decided here, under the write lock: attempts checked
	** in parallel before it was recorded are refused all the same. */
	if (cu->locked_until > now) {
		cu->locked = 1;
		return (0);
	}
	if (cu->pin_hash != NULL && has_pin)
		return (err_set(e, ERR_CONFLICT,
		    "this card already has a PIN: log in with it"));
	if (cu->pin_hash != NULL) {
		/* First use: an account for the card's holder. */
		if (cu->account_id == 0) {
			random_code(code);
			snprintf(handle, sizeof(handle), "card-%.4s%.4s", code,
			    code + 5);
			for (char *p = handle; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			an.handle = handle;
			an.role = ROLE_CONTRIBUTOR;
			if (account_create_job(db, &an, e) == -1)
				return (-1);
			cu->account_id = an.id;
		}
		cu->created = 1;
		cu->failed_pins = 0;
	} else if (cu->ok) {
		cu->failed_pins = 0;
	} else {
		cu->failed_pins++;
		if (cu->failed_pins % PIN_TRIES == 0)
			cu->locked_until = now + PIN_LOCK;
	}
	if (cu->created) {
		if ((st = db_prepare(db, SQL_CARD_SET_PIN, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, cu->card_id);
		sqlite3_bind_int64(st, 2, cu->account_id);
		sqlite3_bind_text(st, 3, cu->pin_hash, -1, SQLITE_STATIC);
		return (step_done(db, st, "card", e));
	}
	if ((st = db_prepare(db, SQL_CARD_ATTEMPT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cu->card_id);
	sqlite3_bind_int(st, 2, cu->failed_pins);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)cu->locked_until);
	if (step_done(db, st, "card", e) == -1)
		return (-1);
	if (!cu->ok && cu->locked_until > now)
		return (audit_append(db, 0, "card.locked", cu->account_id,
		    json_pack("{s:I}", "card", (json_int_t)cu->card_id), e));
	return (0);
}

int
login_code_use_job(struct db *db, void *arg, struct err *e)
{
	struct code_use *cu = arg;
	uint8_t sum[SHA256_LEN];
	sqlite3_stmt *st;
	int rc;

	sha256_digest(cu->code, strlen(cu->code), sum);
	if ((st = db_prepare(db, SQL_CODE_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		cu->account_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (err_set(e, ERR_FORBIDDEN,
		    "this login code is wrong, used or expired"));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "login code"));
	if ((st = db_prepare(db, SQL_CODE_SPEND, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	if (step_done(db, st, "login code", e) == -1)
		return (-1);
	return (audit_append(
	    db, cu->account_id, "login_code.used", cu->account_id, NULL, e));
}
