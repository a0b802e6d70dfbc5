/*
** The audit log as a hash chain (audit.h). Each row stores
**
**     hash = SHA-256(previous row's hash || canonical bytes of this row)
**
** written in the row's own transaction by audit_append(), the only writer
** of audit rows. The first hashed row's previous hash is 32 zero bytes.
** Rows written before the chain existed (schema 007) have no hash and
** come before every hashed row; audit_verify() counts them apart.
*/
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char SQL_AUDIT_LAST[] =
    "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1";
static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit_log(id, at, actor_id, action, subject_id, detail, "
    "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_AUDIT_ALL[] =
    "SELECT id, at, actor_id, action, subject_id, detail, hash "
    "FROM audit_log ORDER BY id";
static const char SQL_AUDIT_TAIL[] =
    "SELECT l.id, l.at, l.actor_id, a.handle, l.action, l.subject_id, "
    "l.detail FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id "
    "ORDER BY l.id DESC LIMIT ?1";
static const char SQL_AUDIT_PAGE[] =
    "SELECT l.id, l.at, l.actor_id, a.handle, l.action, l.subject_id, "
    "l.detail FROM audit_log l LEFT JOIN accounts a ON a.id = l.actor_id "
    "WHERE l.id < ?2 AND (?3 IS NULL OR l.actor_id = (SELECT id FROM "
    "accounts WHERE handle = ?3)) AND (?4 = 0 OR l.subject_id = ?4) "
    "ORDER BY l.id DESC LIMIT ?1";

#define AUDIT_FIELDS 6

/*
** The hash of one row into ${out}: SHA-256 of ${prev} (32 bytes) followed
** by the row's canonical bytes, which are its six fields in this order,
** each as its length in 4 bytes (big-endian) and then its bytes:
**
**   1. id, in decimal ("17")
**   2. at, seconds since 1970 UTC, in decimal
**   3. actor_id in decimal, or empty when there is none
**   4. action ("account.created")
**   5. subject_id in decimal, or empty when there is none
**   6. detail, the JSON text exactly as stored
**
** The lengths make the bytes of two different rows differ. ${f}[i] is
** field i+1 as text (NULL counts as empty). Returns 0 or -1 (OpenSSL).
*/
static int
row_hash(const uint8_t prev[SHA256_LEN], const char *const f[AUDIT_FIELDS],
    uint8_t out[SHA256_LEN])
{
	const void *p[1 + 2 * AUDIT_FIELDS];
	size_t n[1 + 2 * AUDIT_FIELDS], len;
	uint8_t lens[AUDIT_FIELDS][4];
	int i;

	p[0] = prev;
	n[0] = SHA256_LEN;
	for (i = 0; i < AUDIT_FIELDS; i++) {
		len = f[i] ? strlen(f[i]) : 0;
		lens[i][0] = (uint8_t)(len >> 24);
		lens[i][1] = (uint8_t)(len >> 16);
		lens[i][2] = (uint8_t)(len >> 8);
		lens[i][3] = (uint8_t)len;
		p[1 + 2 * i] = lens[i];
		n[1 + 2 * i] = 4;
		p[2 + 2 * i] = f[i] ? f[i] : "";
		n[2 + 2 * i] = len;
	}
	return (sha256_parts(p, n, 1 + 2 * AUDIT_FIELDS, out));
}

/* ${v} in decimal into ${s}, or "" when ${v} is not positive. */
static const char *
id_text(char s[24], int64_t v)
{
	s[0] = '\0';
	if (v > 0)
		snprintf(s, 24, "%" PRId64, v);
	return (s);
}

/*
** Reads the latest row's id into ${id} (0 if the log is empty) and its
** hash into ${hash} (32 zero bytes when it has none). Returns 1 if that
** row has a 32-byte hash, else 0; -1 with ${e} set (ERR_STORAGE).
*/
static int
audit_last(struct db *db, int64_t *id, uint8_t hash[SHA256_LEN], struct err *e)
{
	sqlite3_stmt *st;
	int rc, has = 0;

	*id = 0;
	memset(hash, 0, SHA256_LEN);
	if ((st = db_prepare(db, SQL_AUDIT_LAST, e)) == NULL)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 1) == SHA256_LEN) {
			memcpy(hash, sqlite3_column_blob(st, 1), SHA256_LEN);
			has = 1;
		}
		rc = sqlite3_step(st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "audit head"));
	return (has);
}

/*
** The row takes the next id after the latest row's (the id INTEGER
** PRIMARY KEY would give it too), chosen here because the id is part of
** what is hashed. One extra SELECT per row: the latest by rowid.
*/
int
audit_append(struct db *db, int64_t actor, const char *action, int64_t subject,
    json_t *detail, struct err *e)
{
	uint8_t prev[SHA256_LEN], hash[SHA256_LEN];
	char num[4][24], *d;
	const char *f[AUDIT_FIELDS];
	sqlite3_stmt *st;
	int64_t last, at = (int64_t)time(NULL);
	int rc;

	d = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(detail);
	if (audit_last(db, &last, prev, e) == -1)
		goto err;
	f[0] = id_text(num[0], last + 1);
	snprintf(num[1], sizeof(num[1]), "%" PRId64, at);
	f[1] = num[1];
	f[2] = id_text(num[2], actor);
	f[3] = action;
	f[4] = id_text(num[3], subject);
	f[5] = d ? d : "{}";
	if (row_hash(prev, f, hash) == -1) {
		err_set(e, ERR_STORAGE, "audit: SHA-256 failed");
		goto err;
	}
	if ((st = db_prepare(db, SQL_AUDIT_INSERT, e)) == NULL)
		goto err;
	sqlite3_bind_int64(st, 1, last + 1);
	sqlite3_bind_int64(st, 2, at);
	if (actor > 0)
		sqlite3_bind_int64(st, 3, actor);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	if (subject > 0)
		sqlite3_bind_int64(st, 5, subject);
	sqlite3_bind_text(st, 6, f[5], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, hash, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(d);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "audit"));
err:
	free(d);
	return (-1);
}

int
audit_head(
    struct db *db, int64_t *id, char hex[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t hash[SHA256_LEN];
	int rc;

	hex[0] = '\0';
	if ((rc = audit_last(db, id, hash, e)) == 1)
		hex_encode(hash, SHA256_LEN, hex);
	return (rc);
}

int
audit_verify(struct db *db, struct audit_check *out, struct err *e)
{
	uint8_t prev[SHA256_LEN], hash[SHA256_LEN];
	const char *f[AUDIT_FIELDS];
	sqlite3_stmt *st;
	int64_t id;
	int rc, i, chained = 0;

	memset(out, 0, sizeof(*out));
	memset(prev, 0, sizeof(prev));
	if ((st = db_prepare(db, SQL_AUDIT_ALL, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id != out->head_id + 1) {
			out->state = AUDIT_GAP;
			out->bad_id = id;
			out->after_id = out->head_id;
			break;
		}
		out->rows++;
		out->head_id = id;
		if (!chained && sqlite3_column_type(st, 6) == SQLITE_NULL) {
			out->before++;
			continue;
		}
		chained = 1;
		for (i = 0; i < AUDIT_FIELDS; i++)
			f[i] = (const char *)sqlite3_column_text(st, i);
		if (row_hash(prev, f, hash) == -1) {
			sqlite3_reset(st);
			return (
			    err_set(e, ERR_STORAGE, "audit: SHA-256 failed"));
		}
		if (sqlite3_column_type(st, 6) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 6) != SHA256_LEN ||
		    memcmp(sqlite3_column_blob(st, 6), hash, SHA256_LEN) != 0) {
			out->state = AUDIT_CHANGED;
			out->bad_id = id;
			out->rows--;
			break;
		}
		memcpy(prev, hash, SHA256_LEN);
		hex_encode(hash, SHA256_LEN, out->head);
	}
	if (out->state != AUDIT_INTACT)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "audit verify"));
	return (0);
}

/* Reads rows of ${st} (SQL_AUDIT_TAIL's columns) into a new array. */
static json_t *
audit_rows(struct db *db, sqlite3_stmt *st, struct err *e)
{
	json_t *arr, *o, *d;
	int rc;

	if ((arr = json_array()) == NULL) {
		sqlite3_reset(st);
		err_set(e, ERR_STORAGE, "out of memory");
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d = json_loads(
		    (const char *)sqlite3_column_text(st, 6), 0, NULL);
		o = json_pack("{s:I,s:I,s:o,s:o,s:s,s:o,s:o}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "at",
		    (json_int_t)sqlite3_column_int64(st, 1), "actor_id",
		    sqlite3_column_type(st, 2) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 2)),
		    "actor",
		    sqlite3_column_type(st, 3) == SQLITE_NULL
			? json_null()
			: json_string((const char *)sqlite3_column_text(st, 3)),
		    "action", (const char *)sqlite3_column_text(st, 4),
		    "subject_id",
		    sqlite3_column_type(st, 5) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 5)),
		    "detail", d ? d : json_object());
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	return (db_list_end(db, st, rc, arr, 0, "audit tail", NULL, e));
}

json_t *
audit_tail(struct db *db, int count, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_AUDIT_TAIL, e)) == NULL)
		return (NULL);
	sqlite3_bind_int(st, 1, count);
	return (audit_rows(db, st, e));
}

json_t *
audit_page(struct db *db, const char *actor, int64_t subject, int64_t before,
    int count, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_AUDIT_PAGE, e)) == NULL)
		return (NULL);
	sqlite3_bind_int(st, 1, count);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	if (actor != NULL)
		sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, subject);
	return (audit_rows(db, st, e));
}
