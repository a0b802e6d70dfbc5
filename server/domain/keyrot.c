/*
** Key rotation (keyrot.h): the statements a node signs when it replaces
** its key, the check a peer makes of a chain of them, and what each side
** keeps (key_rotations here, peer_keys there; schema 020).
*/
#include "keyrot.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "crypto.h"
#include "federation.h"

static const char SQL_OWN[] =
    "SELECT statement, old_signature, new_signature FROM key_rotations "
    "ORDER BY id";
static const char SQL_OWN_LAST[] =
    "SELECT rotated_at FROM key_rotations ORDER BY id DESC LIMIT 1";
static const char SQL_OWN_SEEN[] =
    "SELECT 1 FROM key_rotations WHERE new_key = ?1 OR old_key = ?1";
static const char SQL_OWN_ADD[] =
    "INSERT INTO key_rotations (old_key, new_key, rotated_at, statement, "
    "old_signature, new_signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_PEER_KEY[] =
    "SELECT public_key, name FROM peers WHERE id = ?1";
static const char SQL_PEER_REKEY[] =
    "UPDATE peers SET public_key = ?2 WHERE id = ?1";
static const char SQL_PEER_KEY_ADD[] =
    "INSERT INTO peer_keys (peer_id, public_key, since, rotated_at, "
    "statement, old_signature, new_signature) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_PEER_KEY_SEEN[] =
    "SELECT 1 FROM peer_keys WHERE peer_id = ?1 AND public_key = ?2";
static const char SQL_PEER_KEYS[] =
    "SELECT public_key FROM peer_keys WHERE peer_id = ?1 ORDER BY id";

/* Is ${s} exactly ${n} lowercase or uppercase hex digits? */
static int
hex_ok(const char *s, size_t n)
{
	return (s != NULL && strlen(s) == n &&
	    strspn(s, "0123456789abcdefABCDEF") == n);
}

void
keyrot_clear(struct keyrot *r)
{
	free(r->statement);
	memset(r, 0, sizeof(*r));
}

void
keyrot_free(struct keyrot *a, size_t n)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		keyrot_clear(&a[i]);
	free(a);
}

int
keyrot_make(const uint8_t old_sk[64], const uint8_t new_sk[64], int64_t at,
    struct keyrot *r, struct err *e)
{
	uint8_t s[crypto_sign_BYTES];
	char oldhex[65], newhex[65];
	json_t *o;

	memset(r, 0, sizeof(*r));
	crypto_sign_ed25519_sk_to_pk(r->old_pk, old_sk);
	crypto_sign_ed25519_sk_to_pk(r->new_pk, new_sk);
	hex_encode(r->old_pk, 32, oldhex);
	hex_encode(r->new_pk, 32, newhex);
	r->rotated_at = at;
	o = json_pack("{s:s,s:s,s:s,s:I}", "new_key", newhex, "node",
	    KEYROT_NODE, "old_key", oldhex, "rotated_at", (json_int_t)at);
	if (o == NULL)
		return (err_oom(e));
	r->statement = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (r->statement == NULL)
		return (err_oom(e));
	r->n = strlen(r->statement);
	crypto_sign_detached(
	    s, NULL, (const uint8_t *)r->statement, r->n, old_sk);
	hex_encode(s, sizeof(s), r->old_sig);
	crypto_sign_detached(
	    s, NULL, (const uint8_t *)r->statement, r->n, new_sk);
	hex_encode(s, sizeof(s), r->new_sig);
	return (0);
}

int
keyrot_parse(const void *p, size_t n, const char *old_sig, const char *new_sig,
    struct keyrot *r, struct err *e)
{
	const char *node, *oldk, *newk;
	json_t *o, *at;

	memset(r, 0, sizeof(*r));
	if (n > KEYROT_STATEMENT_MAX)
		return (err_set(e, ERR_TOO_LARGE,
		    "a key rotation statement is over %d bytes",
		    KEYROT_STATEMENT_MAX));
	if (!hex_ok(old_sig, 128) || !hex_ok(new_sig, 128))
		return (err_set(e, ERR_INVALID,
		    "a key rotation's signatures are not 128 hex digits"));
	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
	node = json_string_value(json_object_get(o, "node"));
	oldk = json_string_value(json_object_get(o, "old_key"));
	newk = json_string_value(json_object_get(o, "new_key"));
	at = json_object_get(o, "rotated_at");
	if (!json_is_object(o) || node == NULL ||
	    strcmp(node, KEYROT_NODE) != 0 || !hex_ok(oldk, 64) ||
	    !hex_ok(newk, 64) || hex_decode(oldk, r->old_pk, 32) != 0 ||
	    hex_decode(newk, r->new_pk, 32) != 0 || !json_is_integer(at) ||
	    json_integer_value(at) < 0) {
		json_decref(o);
		memset(r, 0, sizeof(*r));
		return (err_set(e, ERR_INVALID,
		    "a key rotation statement is not {\"new_key\",\"node\":"
		    "\"tributary\",\"old_key\",\"rotated_at\"}"));
	}
	r->rotated_at = (int64_t)json_integer_value(at);
	json_decref(o);
	if (memcmp(r->old_pk, r->new_pk, 32) == 0) {
		memset(r, 0, sizeof(*r));
		return (err_set(e, ERR_INVALID,
		    "a key rotation statement hands a key over to itself"));
	}
	if ((r->statement = malloc(n + 1)) == NULL) {
		memset(r, 0, sizeof(*r));
		return (err_oom(e));
	}
	memcpy(r->statement, p, n);
	r->statement[n] = '\0';
	r->n = n;
	/* Kept as given: hex_ok() allowed either case. */
	memcpy(r->old_sig, old_sig, 129);
	memcpy(r->new_sig, new_sig, 129);
	return (0);
}

/* Does ${sig} (128 hex) verify as ${pk}'s signature of ${r}'s bytes? */
static int
signed_by(const struct keyrot *r, const char *sig, const uint8_t pk[32])
{
	uint8_t s[crypto_sign_BYTES];

	if (hex_decode(sig, s, sizeof(s)) != 0)
		return (0);
	return (crypto_sign_verify_detached(
		    s, (const uint8_t *)r->statement, r->n, pk) == 0);
}

int
keyrot_chain(const struct keyrot *r, size_t n, const uint8_t pinned[32],
    const uint8_t presented[32], size_t *from, struct err *e)
{
	char a[FED_FPR_LEN + 1];
	size_t i, j, k;

	for (j = 0; j < n; j++)
		if (sodium_memcmp(r[j].old_pk, pinned, 32) == 0)
			break;
	if (j == n)
		return (err_set(e, ERR_FORBIDDEN,
		    n == 0 ? "it carries no key rotation statement"
			   : "none of its %zu key rotation statement(s) "
			     "hands over from the pinned key",
		    n));
	for (i = j; i < n; i++) {
		if (i > j && memcmp(r[i].old_pk, r[i - 1].new_pk, 32) != 0)
			return (err_set(e, ERR_FORBIDDEN,
			    "its key rotations break at statement %zu: its "
			    "old key is not the key statement %zu handed "
			    "over to",
			    i + 1, i));
		if (i > j && r[i].rotated_at < r[i - 1].rotated_at)
			return (err_set(e, ERR_FORBIDDEN,
			    "key rotation statement %zu is dated before the "
			    "one it follows",
			    i + 1));
		if (!signed_by(&r[i], r[i].old_sig, r[i].old_pk))
			return (err_set(e, ERR_FORBIDDEN,
			    "key rotation statement %zu is not signed by its "
			    "old key",
			    i + 1));
		if (!signed_by(&r[i], r[i].new_sig, r[i].new_pk))
			return (err_set(e, ERR_FORBIDDEN,
			    "key rotation statement %zu is not signed by its "
			    "new key",
			    i + 1));
		/* A key that comes back would make the chain a loop. */
		if (memcmp(r[i].new_pk, pinned, 32) == 0)
			return (err_set(e, ERR_FORBIDDEN,
			    "key rotation statement %zu hands back to a key "
			    "used before",
			    i + 1));
		for (k = j; k < i; k++)
			if (memcmp(r[k].new_pk, r[i].new_pk, 32) == 0)
				return (err_set(e, ERR_FORBIDDEN,
				    "key rotation statement %zu hands back to "
				    "a key used before",
				    i + 1));
	}
	if (memcmp(r[n - 1].new_pk, presented, 32) != 0) {
		fed_fingerprint(r[n - 1].new_pk, a);
		return (err_set(e, ERR_FORBIDDEN,
		    "its key rotations end at key %s, not at the key it "
		    "presents",
		    a));
	}
	*from = j;
	return (0);
}

int
keyrot_own(struct db *db, struct keyrot **out, size_t *n, struct err *e)
{
	struct keyrot *a = NULL, *more;
	struct err pe = { 0 };
	sqlite3_stmt *st;
	const char *s;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prepare(db, SQL_OWN, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((more = realloc(a, (k + 1) * sizeof(*a))) == NULL)
			break;
		a = more;
		s = (const char *)sqlite3_column_text(st, 0);
		if (keyrot_parse(s, (size_t)sqlite3_column_bytes(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 2), &a[k],
			&pe) == -1) {
			sqlite3_reset(st);
			keyrot_free(a, k);
			return (err_set(e, ERR_STORAGE,
			    "key rotation %zu as stored: %s", k + 1, pe.msg));
		}
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		keyrot_free(a, k);
		return (rc == SQLITE_ROW ? err_oom(e)
					 : db_err(db, e, "key rotations"));
	}
	*out = a;
	*n = k;
	return (0);
}

json_t *
keyrot_list(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	int rc;

	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	if ((st = db_prepare(db, SQL_OWN, e)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a,
		    json_pack("{s:s%,s:s,s:s}", "statement",
			(const char *)sqlite3_column_text(st, 0),
			(size_t)sqlite3_column_bytes(st, 0), "old_signature",
			(const char *)sqlite3_column_text(st, 1),
			"new_signature",
			(const char *)sqlite3_column_text(st, 2)));
	return (db_list_end(db, st, rc, a, 0, "key rotations", NULL, e));
}

int
keyrot_record_job(struct db *db, void *arg, struct err *e)
{
	const struct keyrot *r = arg;
	char oldhex[65], newhex[65], fo[FED_FPR_LEN + 1], fn[FED_FPR_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	hex_encode(r->old_pk, 32, oldhex);
	hex_encode(r->new_pk, 32, newhex);
	if ((st = db_prepare(db, SQL_OWN_SEEN, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, newhex, -1, SQLITE_STATIC);
	if ((rc = db_exists(db, st, "key rotations", e)) != 0)
		return (rc == 1 ? err_set(e, ERR_CONFLICT,
				      "the new key was this node's before")
				: -1);
	if ((st = db_prepare(db, SQL_OWN_LAST, e)) == NULL)
		return (-1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > r->rotated_at) {
		sqlite3_reset(st);
		return (err_set(e, ERR_CONFLICT,
		    "the statement is dated before the node's last rotation"));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "key rotations"));
	if ((st = db_prepare(db, SQL_OWN_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, oldhex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, newhex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, r->rotated_at);
	sqlite3_bind_text(st, 4, r->statement, (int)r->n, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->old_sig, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->new_sig, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "the key rotation"));
	fed_fingerprint(r->old_pk, fo);
	fed_fingerprint(r->new_pk, fn);
	return (audit_append(db, 0, "node.key_rotate",
	    sqlite3_last_insert_rowid(db_handle(db)),
	    json_pack("{s:s,s:s,s:s,s:s,s:I}", "old_key", oldhex, "new_key",
		newhex, "old_fingerprint", fo, "new_fingerprint", fn,
		"rotated_at", (json_int_t)r->rotated_at),
	    e));
}

int
keyrot_accept_job(struct db *db, void *arg, struct err *e)
{
	const struct keyrot_accept *a = arg;
	char oldhex[65], newhex[65], fo[FED_FPR_LEN + 1], fn[FED_FPR_LEN + 1];
	char name[FED_NAME_MAX + 1];
	const struct keyrot *r;
	int64_t now = (int64_t)time(NULL);
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if (a->n == 0)
		return (0);
	if ((st = db_prepare(db, SQL_PEER_KEY, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, a->peer_id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return (rc == SQLITE_DONE
			? err_set(e, ERR_NOT_FOUND, "no such peer")
			: db_err(db, e, "the peer"));
	}
	hex_encode(a->r[0].old_pk, 32, oldhex);
	rc = strcmp((const char *)sqlite3_column_text(st, 0), oldhex) == 0;
	snprintf(
	    name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	if (!rc)
		return (err_set(e, ERR_CONFLICT,
		    "peer %s is no longer pinned to the key the rotation "
		    "hands over from",
		    name));
	for (i = 0; i < a->n; i++) {
		r = &a->r[i];
		hex_encode(r->old_pk, 32, oldhex);
		hex_encode(r->new_pk, 32, newhex);
		if ((st = db_prepare(db, SQL_PEER_KEY_SEEN, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, a->peer_id);
		sqlite3_bind_text(st, 2, newhex, -1, SQLITE_STATIC);
		if ((rc = db_exists(db, st, "peer keys", e)) != 0)
			return (rc == 1 ? err_set(e, ERR_CONFLICT,
					      "peer %s hands back to a key it "
					      "had before",
					      name)
					: -1);
		if ((st = db_prepare(db, SQL_PEER_KEY_ADD, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, a->peer_id);
		sqlite3_bind_text(st, 2, newhex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, r->rotated_at);
		sqlite3_bind_text(
		    st, 5, r->statement, (int)r->n, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r->old_sig, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, r->new_sig, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "peer keys"));
		if ((st = db_prepare(db, SQL_PEER_REKEY, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, a->peer_id);
		sqlite3_bind_text(st, 2, newhex, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "the peer"));
		fed_fingerprint(r->old_pk, fo);
		fed_fingerprint(r->new_pk, fn);
		if (audit_append(db, 0, "federation.peer_key_rotated",
			a->peer_id,
			json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s%}", "name",
			    name, "old_key", oldhex, "new_key", newhex,
			    "old_fingerprint", fo, "new_fingerprint", fn,
			    "rotated_at", (json_int_t)r->rotated_at,
			    "statement", r->statement, r->n),
			e) == -1)
			return (-1);
	}
	return (0);
}

int
keyrot_peer_keys(struct db *db, int64_t peer_id, uint8_t (**out)[32], size_t *n,
    struct err *e)
{
	uint8_t(*a)[32] = NULL, (*more)[32];
	sqlite3_stmt *st;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prepare(db, SQL_PEER_KEYS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, peer_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((more = realloc(a, (k + 1) * sizeof(*a))) == NULL)
			break;
		a = more;
		if (hex_decode((const char *)sqlite3_column_text(st, 0), a[k],
			32) == 0)
			k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(a);
		return (
		    rc == SQLITE_ROW ? err_oom(e) : db_err(db, e, "peer keys"));
	}
	*out = a;
	*n = k;
	return (0);
}
