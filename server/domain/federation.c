/*
** Federation (federation.h): the node's well-known document and signed
** revocation list, the parsers of what peers send back, and the peer
** rows (who they are, the key pinned for each, what was pulled).
*/
#include "federation.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "settings.h"

/* A federated release is not offered to peers: each community's rows
** travel from its own node only, so no peer pools them twice. */
static const char SQL_LATEST[] =
    "SELECT r.dataset, r.version, r.created_at, r.licence FROM releases r "
    "WHERE r.state = 'approved' AND r.retired_at IS NULL AND r.federated "
    "= 0 AND r.id = (SELECT max(id) FROM releases WHERE dataset = "
    "r.dataset AND state = 'approved' AND retired_at IS NULL AND "
    "federated = 0) ORDER BY r.dataset";
/* Ids as numbers, so the order is the one a person reads. */
static const char SQL_REVOKED[] =
    "SELECT dataset, contribution_id, withdrawn_at FROM revocations "
    "ORDER BY dataset, contribution_id";
static const char SQL_PEERS[] =
    "SELECT id, name, url, public_key, token FROM peers "
    "WHERE ?1 IS NULL OR name = ?1 ORDER BY name";
static const char SQL_PEER_LIST[] =
    "SELECT p.name, p.url, p.public_key, p.added_at, p.last_pull_at, "
    "p.last_ok_at, p.last_error, p.token IS NOT NULL, "
    "(SELECT count(*) FROM peer_releases WHERE peer_id = p.id), "
    "k.since, k.rotated_at, p.id "
    "FROM peers p LEFT JOIN peer_keys k ON k.peer_id = p.id AND "
    "k.public_key = p.public_key ORDER BY p.name";
/* A peer's keys before the current one, oldest first. */
static const char SQL_PEER_PREVIOUS[] =
    "SELECT k.public_key FROM peer_keys k JOIN peers p ON p.id = k.peer_id "
    "WHERE k.peer_id = ?1 AND k.public_key <> p.public_key ORDER BY k.id";
static const char SQL_PEER_KEY_FIRST[] =
    "INSERT INTO peer_keys (peer_id, public_key, since) VALUES (?1, ?2, ?3)";
static const char SQL_PEER_DROP_KEYS[] =
    "DELETE FROM peer_keys WHERE peer_id = ?1";
static const char SQL_PEER_ADD[] =
    "INSERT INTO peers (name, url, public_key, token, added_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_PEER_SAME[] =
    "SELECT name FROM peers WHERE name = ?1 OR url = ?2";
static const char SQL_PEER_DROP_FILES[] =
    "DELETE FROM peer_release_files WHERE release_id IN "
    "(SELECT id FROM peer_releases WHERE peer_id = ?1)";
static const char SQL_PEER_DROP_RELEASES[] =
    "DELETE FROM peer_releases WHERE peer_id = ?1";
static const char SQL_PEER_DROP_REVOKED[] =
    "DELETE FROM peer_revocations WHERE peer_id = ?1";
static const char SQL_PEER_DROP_LIST[] =
    "DELETE FROM peer_revocation_lists WHERE peer_id = ?1";
static const char SQL_PEER_DROP[] = "DELETE FROM peers WHERE id = ?1";
static const char SQL_PEER_FAILED[] =
    "UPDATE peers SET last_pull_at = ?2, last_error = ?3 WHERE id = ?1";
static const char SQL_PEER_OK[] =
    "UPDATE peers SET last_pull_at = ?2, last_ok_at = ?2, "
    "last_error = NULL WHERE id = ?1";
static const char SQL_REVOKED_COUNT[] =
    "SELECT count(*) FROM peer_revocations WHERE peer_id = ?1";
static const char SQL_REVOKED_ADD[] =
    "INSERT OR IGNORE INTO peer_revocations (peer_id, dataset, item, "
    "withdrawn_at) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_LIST_SAVE[] =
    "INSERT OR REPLACE INTO peer_revocation_lists (peer_id, head, body, "
    "signature, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_PULLED[] =
    "SELECT 1 FROM peer_releases WHERE peer_id = ?1 AND dataset = ?2 AND "
    "commit_id = ?3";
static const char SQL_RELEASE_ADD[] =
    "INSERT INTO peer_releases (peer_id, dataset, version, commit_id, "
    "manifest_sha256, pulled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_RELEASE_SEEN[] =
    "SELECT manifest_sha256 FROM peer_releases WHERE peer_id = ?1 AND "
    "dataset = ?2 AND version = ?3";
static const char SQL_FILE_ADD[] =
    "INSERT INTO peer_release_files (release_id, path, bytes, sha256) "
    "VALUES (?1, ?2, ?3, ?4)";

#define NAME_CHARS                                                             \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"       \
	"._-"

void
fed_fingerprint(const uint8_t pk[32], char out[FED_FPR_LEN + 1])
{
	static const char hx[] = "0123456789ABCDEF";
	uint8_t d[SHA256_LEN];
	size_t i, o = 0;

	/* crypto_hash_sha256 cannot fail, unlike the EVP path. */
	crypto_hash_sha256(d, pk, 32);
	for (i = 0; i < 8; i++) {
		if (i > 0 && i % 2 == 0)
			out[o++] = '-';
		out[o++] = hx[d[i] >> 4];
		out[o++] = hx[d[i] & 15];
	}
	out[o] = '\0';
}

int
fed_key_parse(const char *s, uint8_t pk[32])
{
	char k[65];
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	n = strcspn(s, " \t\r\n");
	if (n != 64 || s[n + strspn(s + n, " \t\r\n")] != '\0')
		return (-1);
	memcpy(k, s, 64);
	k[64] = '\0';
	return (hex_decode(k, pk, 32));
}

/* Is ${s} 1 to ${max} bytes, all of ${chars}? */
static int
word_ok(const char *s, size_t max, const char *chars)
{
	size_t n;

	if (s == NULL)
		return (0);
	n = strlen(s);
	return (n >= 1 && n <= max && strspn(s, chars) == n);
}

/* Builds the "revoked" array and its bytes' head. 0 or -1 with ${e}. */
static int
revoked_array(
    struct db *db, json_t **out, char head[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t d[SHA256_LEN];
	sqlite3_stmt *st;
	char id[32], *text;
	json_t *a;
	int rc;

	if ((a = json_array()) == NULL)
		return (err_oom(e));
	if ((st = db_prepare(db, SQL_REVOKED, e)) == NULL) {
		json_decref(a);
		return (-1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* The string release_build.c writes to a row's id column. */
		snprintf(id, sizeof(id), "%lld",
		    (long long)sqlite3_column_int64(st, 1));
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:I}", "dataset",
			(const char *)sqlite3_column_text(st, 0), "id", id,
			"withdrawn_at",
			(json_int_t)sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(a);
		return (db_err(db, e, "revocations"));
	}
	if ((text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(a);
		return (err_oom(e));
	}
	crypto_hash_sha256(d, (const uint8_t *)text, strlen(text));
	hex_encode(d, sizeof(d), head);
	free(text);
	*out = a;
	return (0);
}

int
fed_revocations_head(
    struct db *db, char head[SHA256_HEX_LEN + 1], int64_t *count, struct err *e)
{
	json_t *a;

	if (revoked_array(db, &a, head, e) == -1)
		return (-1);
	*count = (int64_t)json_array_size(a);
	json_decref(a);
	return (0);
}

int
fed_revocations(struct db *db, const uint8_t pk[32], const uint8_t sk[64],
    char **out, size_t *n, char sig[129], struct err *e)
{
	uint8_t s[crypto_sign_BYTES];
	char head[SHA256_HEX_LEN + 1], pkhex[65];
	json_t *a, *o;

	*out = NULL;
	if (revoked_array(db, &a, head, e) == -1)
		return (-1);
	hex_encode(pk, 32, pkhex);
	o = json_pack("{s:I,s:s,s:s,s:o}", "count",
	    (json_int_t)json_array_size(a), "head", head, "node", pkhex,
	    "revoked", a);
	if (o == NULL)
		return (err_oom(e));
	/* Sorted keys put "revoked" last, its bytes as the head hashed. */
	*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (*out == NULL)
		return (err_oom(e));
	*n = strlen(*out);
	crypto_sign_detached(s, NULL, (const uint8_t *)*out, *n, sk);
	hex_encode(s, sizeof(s), sig);
	return (0);
}

json_t *
fed_wellknown(
    struct db *db, const uint8_t pk[32], const char *ns, struct err *e)
{
	struct settings set = { 0 };
	char pkhex[65], fpr[FED_FPR_LEN + 1], head[SHA256_HEX_LEN + 1];
	sqlite3_stmt *st;
	int64_t count;
	json_t *o, *ds, *rot;
	int rc;

	if (settings_get(db, &set, e) == -1)
		return (NULL);
	if (fed_revocations_head(db, head, &count, e) == -1) {
		settings_clear(&set);
		return (NULL);
	}
	hex_encode(pk, 32, pkhex);
	fed_fingerprint(pk, fpr);
	o = json_pack("{s:s,s:s,s:s,s:s,s:[],s:{s:s,s:s,s:I},s:{s:s,s:s}}",
	    "name", set.org_name[0] ? set.org_name : ns, "namespace", ns,
	    "public_key", pkhex, "fingerprint", fpr, "datasets", "revocations",
	    "url", FED_PATH_REVOCATIONS, "head", head, "count",
	    (json_int_t)count, "software", "name", "tributary", "version",
	    TRIBUTARY_VERSION);
	settings_clear(&set);
	if (o == NULL) {
		err_oom(e);
		return (NULL);
	}
	if ((rot = keyrot_list(db, e)) == NULL) {
		json_decref(o);
		return (NULL);
	}
	json_object_set_new(o, "key_rotations", rot);
	ds = json_object_get(o, "datasets");
	if ((st = db_prepare(db, SQL_LATEST, e)) == NULL) {
		json_decref(o);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(ds,
		    json_pack("{s:s,s:s,s:I,s:s}", "name",
			(const char *)sqlite3_column_text(st, 0), "version",
			(const char *)sqlite3_column_text(st, 1), "created_at",
			(json_int_t)sqlite3_column_int64(st, 2), "licence",
			(const char *)sqlite3_column_text(st, 3)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		db_err(db, e, "releases");
		return (NULL);
	}
	return (o);
}

/* A JSON object parsed from ${n} bytes at ${p} (a new reference), or
** NULL with ${e} naming ${what}. */
static json_t *
load_object(const void *p, size_t n, const char *what, struct err *e)
{
	json_t *o;

	o = json_loadb(p, n, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL || !json_is_object(o)) {
		json_decref(o);
		err_set(e, ERR_INVALID, "%s is not a JSON object", what);
		return (NULL);
	}
	return (o);
}

void
fed_wellknown_free(struct fed_wellknown_doc *d)
{
	json_decref(d->datasets);
	d->datasets = NULL;
	keyrot_free(d->rot, d->nrot);
	d->rot = NULL;
	d->nrot = 0;
}

/*
** Reads the "key_rotations" of a well-known document (${a}, NULL when
** absent) into ${out}: each statement's bytes as keyrot_parse() wants
** them, bounded. 0, or -1 with ${e} set (ERR_INVALID) and ${out} left
** with nothing to free.
*/
static int
wellknown_rotations(json_t *a, struct fed_wellknown_doc *out, struct err *e)
{
	struct err pe = { 0 };
	const char *st;
	size_t i, n;
	json_t *v;

	if (a == NULL)
		return (0);
	if (!json_is_array(a) || json_array_size(a) > KEYROT_MAX)
		return (err_set(e, ERR_INVALID,
		    "its key_rotations are not a list (of %d at most)",
		    KEYROT_MAX));
	if (json_array_size(a) == 0)
		return (0);
	if ((out->rot = calloc(json_array_size(a), sizeof(*out->rot))) == NULL)
		return (err_oom(e));
	json_array_foreach(a, i, v)
	{
		st = json_string_value(json_object_get(v, "statement"));
		n = json_string_length(json_object_get(v, "statement"));
		/* A NUL inside would make its bytes and its C string differ. */
		if (st == NULL || strlen(st) != n ||
		    keyrot_parse(st, n,
			json_string_value(json_object_get(v, "old_signature")),
			json_string_value(json_object_get(v, "new_signature")),
			&out->rot[i], &pe) == -1) {
			keyrot_free(out->rot, out->nrot);
			out->rot = NULL;
			out->nrot = 0;
			return (err_set(e, ERR_INVALID,
			    "its key rotation %zu is not {statement, "
			    "old_signature, new_signature}%s%s",
			    i + 1, pe.msg[0] ? ": " : "", pe.msg));
		}
		out->nrot++;
	}
	return (0);
}

int
fed_wellknown_parse(
    const void *p, size_t n, struct fed_wellknown_doc *out, struct err *e)
{
	const char *name, *ns, *key, *url, *head;
	json_t *o, *ds, *v, *rev;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((o = load_object(p, n, "the well-known document", e)) == NULL)
		return (-1);
	name = json_string_value(json_object_get(o, "name"));
	ns = json_string_value(json_object_get(o, "namespace"));
	key = json_string_value(json_object_get(o, "public_key"));
	rev = json_object_get(o, "revocations");
	url = json_string_value(json_object_get(rev, "url"));
	head = json_string_value(json_object_get(rev, "head"));
	ds = json_object_get(o, "datasets");
	if (!word_ok(ns, 64, NAME_CHARS)) {
		err_set(
		    e, ERR_INVALID, "its namespace is missing or not a name");
		goto fail;
	}
	if (key == NULL || strlen(key) != 64 || hex_decode(key, out->pk, 32)) {
		err_set(e, ERR_INVALID, "its public_key is not 64 hex digits");
		goto fail;
	}
	if (url == NULL || url[0] != '/' || strlen(url) >= FED_URL_MAX ||
	    strspn(url, NAME_CHARS "/") != strlen(url) ||
	    strstr(url, "..") != NULL) {
		err_set(e, ERR_INVALID, "its revocations.url is not a path");
		goto fail;
	}
	if (head == NULL || strlen(head) != SHA256_HEX_LEN ||
	    strspn(head, "0123456789abcdef") != SHA256_HEX_LEN) {
		err_set(
		    e, ERR_INVALID, "its revocations.head is not a SHA-256");
		goto fail;
	}
	if (!json_is_array(ds) || json_array_size(ds) > 1000) {
		err_set(e, ERR_INVALID,
		    "its datasets are not a list (of 1000 at "
		    "most)");
		goto fail;
	}
	json_array_foreach(ds, i, v)
	{
		if (!word_ok(json_string_value(json_object_get(v, "name")), 96,
			NAME_CHARS) ||
		    !word_ok(json_string_value(json_object_get(v, "version")),
			64, NAME_CHARS "+")) {
			err_set(e, ERR_INVALID,
			    "dataset %zu has no name or version", i + 1);
			goto fail;
		}
	}
	if (wellknown_rotations(json_object_get(o, "key_rotations"), out, e) ==
	    -1)
		goto fail;
	snprintf(out->name, sizeof(out->name), "%s", name ? name : ns);
	snprintf(out->ns, sizeof(out->ns), "%s", ns);
	snprintf(out->rev_url, sizeof(out->rev_url), "%s", url);
	snprintf(out->rev_head, sizeof(out->rev_head), "%s", head);
	out->datasets = json_incref(ds);
	json_decref(o);
	return (0);
fail:
	json_decref(o);
	return (-1);
}

int
fed_sig_check(
    const void *sig, size_t n, const void *m, size_t mn, const uint8_t pk[32])
{
	uint8_t s[crypto_sign_BYTES];
	char hex[129];

	if (n != 128 && !(n == 129 && ((const char *)sig)[128] == '\n'))
		return (0);
	memcpy(hex, sig, 128);
	hex[128] = '\0';
	if (hex_decode(hex, s, sizeof(s)) != 0)
		return (0);
	return (crypto_sign_verify_detached(s, m, mn, pk) == 0);
}

int
fed_revlist_verify(const void *p, size_t n, const char *sig,
    const uint8_t pk[32], json_t **out, char head[SHA256_HEX_LEN + 1],
    struct err *e)
{
	*out = NULL;
	if (sig == NULL || !fed_sig_check(sig, strlen(sig), p, n, pk))
		return (err_set(e, ERR_FORBIDDEN,
		    "the revocation list's signature does not verify with "
		    "the pinned key"));
	return (fed_revlist_parse(p, n, pk, out, head, e));
}

int
fed_revlist_parse(const void *p, size_t n, const uint8_t pk[32], json_t **out,
    char head[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t key[32], d[SHA256_LEN];
	const char *node, *h, *ds, *id;
	json_t *o, *a, *v;
	char *text, got[SHA256_HEX_LEN + 1];
	size_t i;

	*out = NULL;
	if ((o = load_object(p, n, "the revocation list", e)) == NULL)
		return (-1);
	node = json_string_value(json_object_get(o, "node"));
	h = json_string_value(json_object_get(o, "head"));
	a = json_object_get(o, "revoked");
	if (node == NULL || strlen(node) != 64 || hex_decode(node, key, 32) ||
	    sodium_memcmp(key, pk, 32) != 0) {
		json_decref(o);
		return (err_set(e, ERR_FORBIDDEN,
		    "the revocation list names another node"));
	}
	if (!json_is_array(a) || h == NULL) {
		json_decref(o);
		return (err_set(e, ERR_INVALID,
		    "the revocation list has no head or no list"));
	}
	json_array_foreach(a, i, v)
	{
		json_t *at = json_object_get(v, "withdrawn_at");

		ds = json_string_value(json_object_get(v, "dataset"));
		id = json_string_value(json_object_get(v, "id"));
		if (!word_ok(ds, 96, NAME_CHARS) ||
		    !word_ok(id, 64, NAME_CHARS ":+") || !json_is_integer(at) ||
		    json_integer_value(at) < 0) {
			json_decref(o);
			return (err_set(e, ERR_INVALID,
			    "revocation %zu is not {dataset, id, withdrawn_at}",
			    i + 1));
		}
	}
	if ((text = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(o);
		return (err_oom(e));
	}
	crypto_hash_sha256(d, (const uint8_t *)text, strlen(text));
	free(text);
	hex_encode(d, sizeof(d), got);
	if (strcmp(got, h) != 0) {
		json_decref(o);
		return (err_set(e, ERR_INVALID,
		    "the revocation list's head is not the hash of its list"));
	}
	memcpy(head, got, sizeof(got));
	*out = json_incref(a);
	json_decref(o);
	return (0);
}

/* Is ${s} a safe relative path of a release's file? */
static int
path_ok(const char *s)
{
	size_t n = strlen(s), i, seg = 0;

	if (n == 0 || n > 1024 || s[0] == '/')
		return (0);
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (seg == 0 || (seg == 1 && s[i - 1] == '.') ||
			    (seg == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return (0);
			seg = 0;
			continue;
		}
		if ((unsigned char)s[i] < 0x20 || s[i] == '\\' || s[i] == 0x7f)
			return (0);
		seg++;
	}
	return (1);
}

void
fed_manifest_free(struct fed_manifest *m)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	free(m->files);
	m->files = NULL;
	m->nfiles = 0;
}

/* Orders files by path, to find one listed twice. */
static int
cmp_path(const void *a, const void *b)
{
	return (strcmp(((const struct fed_file *)a)->path,
	    ((const struct fed_file *)b)->path));
}

int
fed_manifest_parse(const void *p, size_t n, size_t max_files,
    uint64_t max_bytes, struct fed_manifest *out, struct err *e)
{
	const char *ds, *ver, *key, *path, *sha;
	json_t *o, *fs, *f, *b;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((o = load_object(p, n, "manifest.json", e)) == NULL)
		return (-1);
	ds = json_string_value(json_object_get(o, "dataset"));
	ver = json_string_value(json_object_get(o, "version"));
	key = json_string_value(json_object_get(o, "public_key"));
	fs = json_object_get(o, "files");
	if (!word_ok(ds, 96, NAME_CHARS) || !word_ok(ver, 64, NAME_CHARS "+") ||
	    key == NULL || strlen(key) != 64 || hex_decode(key, out->pk, 32) ||
	    !json_is_array(fs)) {
		json_decref(o);
		return (err_set(e, ERR_INVALID,
		    "manifest.json lacks a dataset, version, public_key or "
		    "files"));
	}
	if (json_array_size(fs) > max_files) {
		json_decref(o);
		return (err_set(e, ERR_TOO_LARGE,
		    "the release lists %zu files, over the limit of %zu",
		    json_array_size(fs), max_files));
	}
	snprintf(out->dataset, sizeof(out->dataset), "%s", ds);
	snprintf(out->version, sizeof(out->version), "%s", ver);
	if (json_array_size(fs) > 0 &&
	    (out->files = calloc(json_array_size(fs), sizeof(*out->files))) ==
		NULL) {
		json_decref(o);
		return (err_oom(e));
	}
	json_array_foreach(fs, i, f)
	{
		path = json_string_value(json_object_get(f, "path"));
		sha = json_string_value(json_object_get(f, "sha256"));
		b = json_object_get(f, "bytes");
		if (path == NULL || !path_ok(path) || sha == NULL ||
		    strlen(sha) != SHA256_HEX_LEN ||
		    strspn(sha, "0123456789abcdef") != SHA256_HEX_LEN ||
		    !json_is_integer(b) || json_integer_value(b) < 0 ||
		    strcmp(path, "manifest.json") == 0 ||
		    strcmp(path, "manifest.sig") == 0) {
			err_set(e, ERR_INVALID,
			    "file %zu of manifest.json is not a safe path with "
			    "bytes and a sha256",
			    i + 1);
			goto fail;
		}
		if ((uint64_t)json_integer_value(b) > max_bytes) {
			err_set(e, ERR_TOO_LARGE,
			    "%.200s is %lld bytes, over the limit of %llu",
			    path, (long long)json_integer_value(b),
			    (unsigned long long)max_bytes);
			goto fail;
		}
		if ((out->files[i].path = strdup(path)) == NULL) {
			err_oom(e);
			goto fail;
		}
		out->nfiles++;
		out->files[i].bytes = (uint64_t)json_integer_value(b);
		memcpy(out->files[i].sha256, sha, SHA256_HEX_LEN + 1);
	}
	if (out->nfiles > 1)
		qsort(out->files, out->nfiles, sizeof(*out->files), cmp_path);
	for (i = 1; i < out->nfiles; i++)
		if (strcmp(out->files[i - 1].path, out->files[i].path) == 0) {
			err_set(e, ERR_INVALID,
			    "manifest.json lists %.200s twice",
			    out->files[i].path);
			goto fail;
		}
	json_decref(o);
	return (0);
fail:
	json_decref(o);
	fed_manifest_free(out);
	return (-1);
}

void
fed_peer_clear(struct fed_peer *p)
{
	if (p->token != NULL) {
		sodium_memzero(p->token, strlen(p->token));
		free(p->token);
	}
	p->token = NULL;
}

int
fed_peers(struct db *db, const char *name, struct fed_peer **out, size_t *n,
    struct err *e)
{
	struct fed_peer *a = NULL, *more;
	sqlite3_stmt *st;
	const char *tok;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prepare(db, SQL_PEERS, e)) == NULL)
		return (-1);
	if (name != NULL)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((more = realloc(a, (k + 1) * sizeof(*a))) == NULL)
			break;
		a = more;
		memset(&a[k], 0, sizeof(a[k]));
		a[k].id = sqlite3_column_int64(st, 0);
		snprintf(a[k].name, sizeof(a[k].name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(a[k].url, sizeof(a[k].url), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		if (hex_decode((const char *)sqlite3_column_text(st, 3),
			a[k].pk, 32) != 0)
			memset(a[k].pk, 0, 32);
		tok = (const char *)sqlite3_column_text(st, 4);
		if (tok != NULL && (a[k].token = strdup(tok)) == NULL)
			break;
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		while (k > 0)
			fed_peer_clear(&a[--k]);
		free(a);
		return (rc == SQLITE_ROW ? err_oom(e) : db_err(db, e, "peers"));
	}
	if (name != NULL && k == 0)
		return (
		    err_set(e, ERR_NOT_FOUND, "no peer is called %s", name));
	*out = a;
	*n = k;
	return (0);
}

/* Column ${i} of ${st} as JSON: an integer, a string or null. */
static json_t *
column_json(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: return (json_integer(sqlite3_column_int64(st, i)));
	case SQLITE_NULL: return (json_null());
	default: return (json_string((const char *)sqlite3_column_text(st, i)));
	}
}

/* The fingerprints of peer ${id}'s keys before its current one, oldest
** first: a new array, or NULL with ${e}. */
static json_t *
previous_fingerprints(struct db *db, int64_t id, struct err *e)
{
	char fpr[FED_FPR_LEN + 1];
	uint8_t pk[32];
	sqlite3_stmt *st;
	json_t *a;
	int rc;

	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	/* A second statement of the same connection, while the peer list's
	** is stepping: prepared apart from it. */
	if ((st = db_prepare(db, SQL_PEER_PREVIOUS, e)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (hex_decode(
			(const char *)sqlite3_column_text(st, 0), pk, 32) == 0)
			fed_fingerprint(pk, fpr);
		else
			snprintf(fpr, sizeof(fpr), "?");
		json_array_append_new(a, json_string(fpr));
	}
	return (db_list_end(db, st, rc, a, 0, "peer keys", NULL, e));
}

json_t *
fed_peer_list(struct db *db, struct err *e)
{
	char fpr[FED_FPR_LEN + 1];
	uint8_t pk[32];
	sqlite3_stmt *st;
	json_t *a, *prev, *o;
	int rc;

	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	if ((st = db_prepare(db, SQL_PEER_LIST, e)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (hex_decode(
			(const char *)sqlite3_column_text(st, 2), pk, 32) == 0)
			fed_fingerprint(pk, fpr);
		else
			snprintf(fpr, sizeof(fpr), "?");
		if ((prev = previous_fingerprints(
			 db, sqlite3_column_int64(st, 11), e)) == NULL) {
			sqlite3_reset(st);
			json_decref(a);
			return (NULL);
		}
		o = json_pack("{s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:b,s:o}", "name",
		    column_json(st, 0), "url", column_json(st, 1),
		    "fingerprint", fpr, "added_at", column_json(st, 3),
		    "last_pull_at", column_json(st, 4), "last_ok_at",
		    column_json(st, 5), "last_error", column_json(st, 6),
		    "token", sqlite3_column_int(st, 7), "releases",
		    column_json(st, 8));
		if (o == NULL) {
			json_decref(prev);
			continue;
		}
		/* A peer's first key, if its row is missing, dates from its
		** adding. */
		json_object_set_new(o, "key_since",
		    sqlite3_column_type(st, 9) == SQLITE_NULL
			? column_json(st, 3)
			: column_json(st, 9));
		json_object_set_new(o, "key_rotated_at", column_json(st, 10));
		json_object_set_new(o, "previous_fingerprints", prev);
		json_array_append_new(a, o);
	}
	return (db_list_end(db, st, rc, a, 0, "peers", NULL, e));
}

int
fed_peer_add_job(struct db *db, void *arg, struct err *e)
{
	const struct fed_peer_add *a = arg;
	char pkhex[65];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if (!word_ok(a->name, FED_NAME_MAX, NAME_CHARS))
		return (err_set(e, ERR_INVALID,
		    "a peer's name is 1 to %d of A-Z a-z 0-9 . _ -",
		    FED_NAME_MAX));
	if (a->url == NULL || strlen(a->url) > FED_URL_MAX ||
	    (strncmp(a->url, "http://", 7) != 0 &&
		strncmp(a->url, "https://", 8) != 0))
		return (err_set(
		    e, ERR_INVALID, "a peer's URL begins http:// or https://"));
	if (a->token != NULL &&
	    (strlen(a->token) == 0 || strlen(a->token) > FED_TOKEN_MAX ||
		strspn(a->token, NAME_CHARS "~+/=") != strlen(a->token)))
		return (err_set(e, ERR_INVALID,
		    "the token is not one line of at most %d token characters",
		    FED_TOKEN_MAX));
	if ((st = db_prepare(db, SQL_PEER_SAME, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->url, -1, SQLITE_STATIC);
	if ((rc = db_exists(db, st, "peers", e)) != 0)
		return (rc == 1 ? err_set(e, ERR_CONFLICT,
				      "a peer has that name or URL already")
				: -1);
	if ((st = db_prepare(db, SQL_PEER_ADD, e)) == NULL)
		return (-1);
	hex_encode(a->pk, 32, pkhex);
	sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pkhex, -1, SQLITE_STATIC);
	if (a->token != NULL)
		sqlite3_bind_text(st, 4, a->token, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "the peer"));
	id = sqlite3_last_insert_rowid(db_handle(db));
	if ((st = db_prepare(db, SQL_PEER_KEY_FIRST, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, pkhex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "the peer's key"));
	return (audit_append(db, 0, "federation.peer_add", id,
	    json_pack("{s:s,s:s,s:s}", "name", a->name, "url", a->url,
		"public_key", pkhex),
	    e));
}

int
fed_peer_remove_job(struct db *db, void *arg, struct err *e)
{
	const char *name = arg;
	struct fed_peer *p;
	size_t n;
	int64_t id;

	if (fed_peers(db, name, &p, &n, e) == -1)
		return (-1);
	id = p[0].id;
	fed_peer_clear(&p[0]);
	free(p);
	if (db_run(db, SQL_PEER_DROP_FILES, id, 0, "peer files", e) == -1 ||
	    db_run(db, SQL_PEER_DROP_RELEASES, id, 0, "peer releases", e) ==
		-1 ||
	    db_run(db, SQL_PEER_DROP_REVOKED, id, 0, "revocations", e) == -1 ||
	    db_run(db, SQL_PEER_DROP_LIST, id, 0, "revocation list", e) == -1 ||
	    db_run(db, SQL_PEER_DROP_KEYS, id, 0, "peer keys", e) == -1 ||
	    db_run(db, SQL_PEER_DROP, id, 0, "the peer", e) == -1)
		return (-1);
	return (audit_append(db, 0, "federation.peer_remove", id,
	    json_pack("{s:s}", "name", name), e));
}

int
fed_pull_failed_job(struct db *db, void *arg, struct err *e)
{
	const struct fed_pull_failed *f = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_PEER_FAILED, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, f->peer_id);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	sqlite3_bind_text(st, 3, f->error, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "the peer"));
	return (audit_append(db, 0, "federation.pull_failed", f->peer_id,
	    json_pack("{s:s}", "error", f->error), e));
}

int
fed_pulled(struct db *db, int64_t peer_id, const char *dataset,
    const char *commit, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_PULLED, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, peer_id);
	sqlite3_bind_text(st, 2, dataset, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, commit, -1, SQLITE_TRANSIENT);
	return (db_exists(db, st, "peer releases", e));
}

/* Records the revocation list of ${r}: refused if it lacks an id known
** before. 0 or -1 with ${e}. */
static int
record_list(struct db *db, struct fed_pull_record *r, struct err *e)
{
	sqlite3_stmt *st;
	int64_t before, after;
	json_t *v;
	size_t i;
	int rc;

	if ((st = db_prepare(db, SQL_REVOKED_COUNT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->peer_id);
	rc = sqlite3_step(st);
	before = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "revocations"));
	if ((st = db_prepare(db, SQL_REVOKED_ADD, e)) == NULL)
		return (-1);
	json_array_foreach(r->revoked, i, v)
	{
		sqlite3_bind_int64(st, 1, r->peer_id);
		sqlite3_bind_text(st, 2,
		    json_string_value(json_object_get(v, "dataset")), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3,
		    json_string_value(json_object_get(v, "id")), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4,
		    json_integer_value(json_object_get(v, "withdrawn_at")));
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "revocations"));
		r->new_revoked += sqlite3_changes(db_handle(db)) > 0;
	}
	after = before + (int64_t)r->new_revoked;
	/* Every id stored before must be in the list: then the count after
	** adding the list's is exactly the list's length. */
	if (after != (int64_t)json_array_size(r->revoked))
		return (err_set(e, ERR_CONFLICT,
		    "the peer's revocation list leaves out %lld id(s) it "
		    "revoked before: a list only grows",
		    (long long)(after - (int64_t)json_array_size(r->revoked))));
	if ((st = db_prepare(db, SQL_LIST_SAVE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->peer_id);
	sqlite3_bind_text(st, 2, r->head, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->list, (int)r->list_n, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->sig, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "revocation list"));
}

/* Records release ${p} of peer ${peer} unless it is already. 1 recorded,
** 0 already, -1 with ${e} (ERR_CONFLICT: the same version with another
** manifest). */
static int
record_release(struct db *db, int64_t peer, const struct fed_pulled_release *p,
    struct err *e)
{
	sqlite3_stmt *st;
	int64_t id;
	size_t i;
	int rc;

	if ((st = db_prepare(db, SQL_RELEASE_SEEN, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, peer);
	sqlite3_bind_text(st, 2, p->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->version, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = strcmp((const char *)sqlite3_column_text(st, 0),
			 p->manifest_sha) == 0;
		sqlite3_reset(st);
		return (rc ? 0
			   : err_set(e, ERR_CONFLICT,
				 "%s %s was pulled before with another "
				 "manifest: a signed release never changes",
				 p->dataset, p->version));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "peer releases"));
	if ((st = db_prepare(db, SQL_RELEASE_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, peer);
	sqlite3_bind_text(st, 2, p->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->commit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->manifest_sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "peer releases"));
	id = sqlite3_last_insert_rowid(db_handle(db));
	if ((st = db_prepare(db, SQL_FILE_ADD, e)) == NULL)
		return (-1);
	for (i = 0; i < p->nfiles; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, p->files[i].path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)p->files[i].bytes);
		sqlite3_bind_text(st, 4, p->files[i].sha256, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "peer files"));
	}
	return (1);
}

int
fed_pull_record_job(struct db *db, void *arg, struct err *e)
{
	struct fed_pull_record *r = arg;
	json_t *done;
	size_t i;
	int rc;

	r->recorded = r->new_revoked = 0;
	if (record_list(db, r, e) == -1)
		return (-1);
	if ((done = json_array()) == NULL)
		return (err_oom(e));
	for (i = 0; i < r->nrel; i++) {
		if ((rc = record_release(db, r->peer_id, &r->rel[i], e)) ==
		    -1) {
			json_decref(done);
			return (-1);
		}
		if (rc == 1) {
			r->recorded++;
			json_array_append_new(done,
			    json_pack("{s:s,s:s,s:s}", "dataset",
				r->rel[i].dataset, "version", r->rel[i].version,
				"manifest_sha256", r->rel[i].manifest_sha));
		}
	}
	if (db_run(db, SQL_PEER_OK, r->peer_id, (int64_t)time(NULL), "the peer",
		e) == -1) {
		json_decref(done);
		return (-1);
	}
	return (audit_append(db, 0, "federation.pull", r->peer_id,
	    json_pack("{s:o,s:s,s:I}", "releases", done, "revocations_head",
		r->head, "new_revocations", (json_int_t)r->new_revoked),
	    e));
}
