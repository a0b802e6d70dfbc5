/*
** Pushed datasets (hubpush.h): tokens, the two parsers of outside input
** (LFS batch, NDJSON commit), and the writer jobs that create repos and
** commit, squash and tag them. A commit is made by copying its parent's
** file rows and applying the operations to the copy in SQL, so a refusal
** part-way leaves nothing (the job's SAVEPOINT rolls it back).
*/
#include "hubpush.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit.h"
#include "crypto.h"
#include "hubrepo.h"

static const char SQL_TOKEN_ADD[] =
    "INSERT INTO hub_tokens (name, hash, repo, created_at) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_TOKEN_FIND[] =
    "SELECT id, name, coalesce(repo, '') FROM hub_tokens "
    "WHERE hash = ?1 AND revoked_at IS NULL";
static const char SQL_TOKEN_REVOKE[] =
    "UPDATE hub_tokens SET revoked_at = ?2 WHERE name = ?1 AND "
    "revoked_at IS NULL RETURNING id";
static const char SQL_TOKEN_LIST[] =
    "SELECT id, name, repo, created_at, revoked_at FROM hub_tokens "
    "ORDER BY id";
static const char SQL_REPO_FIND[] = "SELECT id FROM hub_repos WHERE name = ?1";
static const char SQL_RELEASE_NAMED[] =
    "SELECT 1 FROM releases WHERE dataset = ?1 LIMIT 1";
static const char SQL_REPO_ADD[] =
    "INSERT INTO hub_repos (name, created_at, token_id) VALUES (?1, ?2, ?3)";
static const char SQL_COMMIT_ADD[] =
    "INSERT INTO hub_commits (repo_id, oid, parent, summary, description, "
    "at, token_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_COMMIT_SET_OID[] =
    "UPDATE hub_commits SET oid = ?2 WHERE id = ?1";
static const char SQL_FILES_COPY[] =
    "INSERT INTO hub_commit_files (commit_id, path, sha256, size, lfs, oid) "
    "SELECT ?2, path, sha256, size, lfs, oid FROM hub_commit_files "
    "WHERE commit_id = ?1";
static const char SQL_FILE_PUT[] =
    "INSERT OR REPLACE INTO hub_commit_files (commit_id, path, sha256, "
    "size, lfs, oid) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_FILE_DEL[] =
    "DELETE FROM hub_commit_files WHERE commit_id = ?1 AND path = ?2";
static const char SQL_FOLDER_DEL[] =
    "DELETE FROM hub_commit_files WHERE commit_id = ?1 AND "
    "path > ?2 || '/' AND path < ?2 || '0'";
static const char SQL_FILES_COUNT[] =
    "SELECT count(*) FROM hub_commit_files WHERE commit_id = ?1";
/* A file whose path is a folder of another file's: "a" and "a/b". */
static const char SQL_FILES_CLASH[] =
    "SELECT a.path FROM hub_commit_files a JOIN hub_commit_files b ON "
    "b.commit_id = a.commit_id AND b.path > a.path || '/' AND "
    "b.path < a.path || '0' WHERE a.commit_id = ?1 LIMIT 1";
static const char SQL_FILES_OF[] =
    "SELECT path, sha256, size FROM hub_commit_files WHERE commit_id = ?1 "
    "ORDER BY path";
static const char SQL_REF_GET[] =
    "SELECT c.id, c.oid FROM hub_refs r JOIN hub_commits c ON "
    "c.id = r.commit_id WHERE r.repo_id = ?1 AND r.kind = ?2 AND "
    "r.name = ?3";
static const char SQL_REF_SET[] =
    "INSERT OR REPLACE INTO hub_refs (repo_id, kind, name, commit_id) "
    "VALUES (?1, ?2, ?3, ?4)";
static const char SQL_REF_DEL[] =
    "DELETE FROM hub_refs WHERE repo_id = ?1 AND kind = 'tag' AND "
    "name = ?2";
static const char SQL_COMMIT_BY_OID[] =
    "SELECT id, oid FROM hub_commits WHERE repo_id = ?1 AND oid = ?2";
static const char SQL_PRUNE_FILES[] =
    "DELETE FROM hub_commit_files WHERE commit_id IN (SELECT id FROM "
    "hub_commits WHERE repo_id = ?1 AND id NOT IN (SELECT commit_id FROM "
    "hub_refs WHERE repo_id = ?1))";
static const char SQL_PRUNE_COMMITS[] =
    "DELETE FROM hub_commits WHERE repo_id = ?1 AND id NOT IN (SELECT "
    "commit_id FROM hub_refs WHERE repo_id = ?1)";

/* ---------------------------------------------------------------------
** Small helpers
*/

/* Steps the bound ${st} once for a write and resets it: 0, or -1. */
static int
step_done(struct db *db, sqlite3_stmt *st, const char *what, struct err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (db_err(db, e, what));
	return (0);
}

/* The git object id of a blob of ${n} bytes at ${p}, hex, to ${out}. */
static int
git_blob_oid(const void *p, size_t n, char out[41])
{
	EVP_MD_CTX *ctx;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char head[48];
	int hn, ok;

	hn = snprintf(head, sizeof(head), "blob %zu", n) + 1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, head, (size_t)hn) == 1 &&
	    EVP_DigestUpdate(ctx, p, n) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (-1);
	hex_encode(md, 20, out);
	return (0);
}

/* The git blob id of the LFS pointer of ${sha256}, ${size}. */
static int
lfs_pointer_oid(const char *sha256, uint64_t size, char out[41])
{
	char ptr[200];
	int n;

	n = snprintf(ptr, sizeof(ptr),
	    "version https://git-lfs.github.com/spec/v1\noid sha256:%s\n"
	    "size %llu\n",
	    sha256, (unsigned long long)size);
	return (git_blob_oid(ptr, (size_t)n, out));
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return (0);
	return (s[n] == '\0');
}

int
hubpush_name_ok(const char *name)
{
	size_t n = strlen(name);

	return (n > 0 && n <= 96 &&
	    strspn(name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") == n &&
	    name[0] != '.' && name[0] != '-' &&
	    !(n >= 4 && strcmp(name + n - 4, ".git") == 0) &&
	    strstr(name, "..") == NULL);
}

int
hubpush_ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	return (n > 0 && n <= HUBREF_MAX &&
	    strspn(ref,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._/-") == n &&
	    ref[0] != '/' && ref[0] != '-' && ref[n - 1] != '/' &&
	    strstr(ref, "..") == NULL && strstr(ref, "//") == NULL &&
	    !(n == 40 && is_hex(ref, 40)));
}

/* The id of repo ${name}: 1, 0 if none, -1 with ${e}. */
static int
repo_find(struct db *db, const char *name, int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_REPO_FIND, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the pushed repos"));
	return (rc == SQLITE_ROW);
}

/* The commit ${kind} ("branch"/"tag") ${ref} of repo ${repo} points at:
** 1 with ${cid} and ${oid}, 0 if none, -1 with ${e}. */
static int
ref_get(struct db *db, int64_t repo, const char *kind, const char *ref,
    int64_t *cid, char oid[41], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_REF_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cid = sqlite3_column_int64(st, 0);
		snprintf(
		    oid, 41, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the repo's refs"));
	return (rc == SQLITE_ROW);
}

/* Points ${kind} ${ref} of ${repo} at commit ${cid}. */
static int
ref_set(struct db *db, int64_t repo, const char *kind, const char *ref,
    int64_t cid, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_REF_SET, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, cid);
	return (step_done(db, st, "a ref", e));
}

/*
** Adds a commit row to ${repo} with parent ${parent} (NULL: none) and a
** placeholder id; its rowid to *${cid}. The real id is set by
** commit_seal() once its files are in.
*/
static int
commit_add(struct db *db, int64_t repo, const char *parent, const char *summary,
    const char *description, int64_t token, int64_t *cid, struct err *e)
{
	sqlite3_stmt *st;
	uint8_t rnd[16];
	char tmp[40];

	randombytes_buf(rnd, sizeof(rnd));
	memcpy(tmp, "tmp-", 4);
	hex_encode(rnd, sizeof(rnd), tmp + 4);
	if ((st = db_prepare(db, SQL_COMMIT_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_text(st, 2, tmp, -1, SQLITE_TRANSIENT);
	if (parent != NULL)
		sqlite3_bind_text(st, 3, parent, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_text(st, 4, summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 5, description ? description : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
	if (token > 0)
		sqlite3_bind_int64(st, 7, token);
	else
		sqlite3_bind_null(st, 7);
	if (step_done(db, st, "a commit", e) == -1)
		return (-1);
	*cid = sqlite3_last_insert_rowid(db_handle(db));
	return (0);
}

/*
** Gives commit ${cid} its id: the first 20 bytes, in hex, of the SHA-256
** of its repo, parent, summary, rowid, a random salt, and every file
** (path, SHA-256, size) in path order. Into ${oid}.
*/
static int
commit_seal(struct db *db, int64_t cid, const char *repo, const char *parent,
    const char *summary, char oid[41], struct err *e)
{
	struct sha256 *h;
	sqlite3_stmt *st;
	uint8_t md[SHA256_LEN], salt[16];
	char line[64];
	int rc, n;

	if ((h = sha256_new()) == NULL)
		return (err_oom(e));
	randombytes_buf(salt, sizeof(salt));
	n = snprintf(line, sizeof(line), "commit %lld\n", (long long)cid);
	sha256_update(h, line, (size_t)n);
	sha256_update(h, salt, sizeof(salt));
	sha256_update(h, repo, strlen(repo) + 1);
	sha256_update(h, parent ? parent : "", parent ? strlen(parent) + 1 : 1);
	sha256_update(h, summary, strlen(summary) + 1);
	if ((st = db_prepare(db, SQL_FILES_OF, e)) == NULL) {
		sha256_free(h);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sha256_update(h, sqlite3_column_text(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0) + 1);
		sha256_update(h, sqlite3_column_text(st, 1), 64);
		n = snprintf(line, sizeof(line), " %lld\n",
		    (long long)sqlite3_column_int64(st, 2));
		sha256_update(h, line, (size_t)n);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		sha256_free(h);
		return (db_err(db, e, "a commit's files"));
	}
	if (sha256_final(h, md) == -1) /* frees h */
		return (err_set(e, ERR_INTERNAL, "cannot hash a commit"));
	hex_encode(md, 20, oid);
	if ((st = db_prepare(db, SQL_COMMIT_SET_OID, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cid);
	sqlite3_bind_text(st, 2, oid, -1, SQLITE_STATIC);
	return (step_done(db, st, "a commit's id", e));
}

/* ---------------------------------------------------------------------
** Tokens
*/

/* The hex SHA-256 of ${token}, as stored. */
static void
token_hash(const char *token, char hex[65])
{
	uint8_t md[SHA256_LEN];

	sha256_digest(token, strlen(token), md);
	hex_encode(md, SHA256_LEN, hex);
}

int
hubtoken_add_job(struct db *db, void *arg, struct err *e)
{
	struct hubtoken_add *t = arg;
	sqlite3_stmt *st;
	uint8_t rnd[20];
	char hash[65];
	const char *slash;
	size_t n = strlen(t->name);

	if (n == 0 || n > HUBTOKEN_NAME ||
	    strspn(t->name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != n)
		return (err_set(e, ERR_INVALID,
		    "a token's name is 1 to %d of A-Z a-z 0-9 . _ -",
		    HUBTOKEN_NAME));
	if (t->repo != NULL &&
	    (strlen(t->repo) > HUBREPO_ID_MAX ||
		(slash = strchr(t->repo, '/')) == NULL || slash == t->repo ||
		!hubpush_name_ok(slash + 1)))
		return (err_set(e, ERR_INVALID,
		    "--repo is NAMESPACE/NAME, as a Hub repo id"));
	randombytes_buf(rnd, sizeof(rnd));
	memcpy(t->token, "hf_", 3);
	hex_encode(rnd, sizeof(rnd), t->token + 3);
	sodium_memzero(rnd, sizeof(rnd));
	token_hash(t->token, hash);
	if ((st = db_prepare(db, SQL_TOKEN_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
	if (t->repo != NULL)
		sqlite3_bind_text(st, 3, t->repo, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		db_err(db, e, "the token");
		if (e->code == ERR_CONFLICT)
			err_set(e, ERR_CONFLICT, "a token named %s exists",
			    t->name);
		return (-1);
	}
	sqlite3_reset(st);
	t->id = sqlite3_last_insert_rowid(db_handle(db));
	return (audit_append(db, 0, "hub.token.added", 0,
	    json_pack("{s:I,s:s,s:s?}", "token", (json_int_t)t->id, "name",
		t->name, "repo", t->repo),
	    e));
}

int
hubtoken_revoke_job(struct db *db, void *arg, struct err *e)
{
	const char *name = arg;
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((st = db_prepare(db, SQL_TOKEN_REVOKE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the token"));
	if (id == 0)
		return (
		    err_set(e, ERR_NOT_FOUND, "no live token named %s", name));
	return (audit_append(db, 0, "hub.token.revoked", 0,
	    json_pack("{s:I,s:s}", "token", (json_int_t)id, "name", name), e));
}

json_t *
hubtoken_list(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a = json_array(), *o;
	int rc;

	if (a == NULL) {
		err_oom(e);
		return (NULL);
	}
	if ((st = db_prepare(db, SQL_TOKEN_LIST, e)) == NULL) {
		json_decref(a);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:I,s:s,s:s?,s:I,s:o}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "name",
		    (const char *)sqlite3_column_text(st, 1), "repo",
		    (const char *)sqlite3_column_text(st, 2), "created_at",
		    (json_int_t)sqlite3_column_int64(st, 3), "revoked_at",
		    sqlite3_column_type(st, 4) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 4)));
		json_array_append_new(a, o);
	}
	return (db_list_end(db, st, rc, a, 0, "the tokens", NULL, e));
}

int
hubtoken_check(
    struct db *db, const char *token, struct hubtoken *out, struct err *e)
{
	sqlite3_stmt *st;
	char hash[65];
	int rc;

	if (token == NULL || strlen(token) != HUBTOKEN_LEN ||
	    strncmp(token, "hf_", 3) != 0 || !is_hex(token + 3, 40))
		return (0);
	token_hash(token, hash);
	if ((st = db_prepare(db, SQL_TOKEN_FIND, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		snprintf(out->name, sizeof(out->name), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(out->repo, sizeof(out->repo), "%s",
		    (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the tokens"));
	return (rc == SQLITE_ROW);
}

/* ---------------------------------------------------------------------
** Upload credentials
*/

void
hubpush_sign(const uint8_t sk[64], const char *what, const char *repo,
    const char *oid, uint64_t size, long long expires, char hex[65])
{
	static const char label[] = "tributary hub lfs credential v1";
	uint8_t key[crypto_auth_hmacsha256_KEYBYTES], mac[32];
	char msg[512];
	int n;

	/* A key of its own, so the signing key signs nothing else here. */
	crypto_auth_hmacsha256(
	    key, (const uint8_t *)label, sizeof(label) - 1, sk);
	n = snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%llu\n%lld", what, repo,
	    oid, (unsigned long long)size, expires);
	crypto_auth_hmacsha256(mac, (const uint8_t *)msg,
	    (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1), key);
	hex_encode(mac, sizeof(mac), hex);
	sodium_memzero(key, sizeof(key));
}

int
hubpush_sign_ok(const uint8_t sk[64], const char *what, const char *repo,
    const char *oid, uint64_t size, long long expires, const char *sig,
    long long now)
{
	char want[65];

	if (sig == NULL || strlen(sig) != 64 || expires < now)
		return (0);
	hubpush_sign(sk, what, repo, oid, size, expires, want);
	return (sodium_memcmp(want, sig, 64) == 0);
}

/* ---------------------------------------------------------------------
** Preupload
*/

int
hubpush_preupload(
    const char *p, size_t n, const char *head, struct buf *out, struct err *e)
{
	json_t *j, *files, *f, *a = NULL, *o = NULL, *sz;
	json_error_t je;
	const char *path, *sample;
	unsigned char bin[600];
	size_t i, binlen, plen;
	char *s;
	int lfs;

	if ((j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(j) ||
	    !json_is_array(files = json_object_get(j, "files")) ||
	    json_array_size(files) > HUBLFS_OBJS_MAX) {
		json_decref(j);
		return (err_set(e, ERR_INVALID,
		    "send {\"files\":[{\"path\",\"size\",\"sample\"}]} with "
		    "at most %d files",
		    HUBLFS_OBJS_MAX));
	}
	if ((a = json_array()) == NULL)
		goto oom;
	json_array_foreach(files, i, f)
	{
		path = json_string_value(json_object_get(f, "path"));
		sz = json_object_get(f, "size");
		sample = json_string_value(json_object_get(f, "sample"));
		plen = path ? strlen(path) : 0;
		if (path == NULL || plen == 0 || plen > HUB_PATH_MAX ||
		    !json_is_integer(sz) || json_integer_value(sz) < 0) {
			json_decref(a);
			json_decref(j);
			return (err_set(e, ERR_INVALID,
			    "files[%zu]: a path and a size", i));
		}
		lfs = json_integer_value(sz) >= HUBPUSH_LFS_MIN ||
		    (plen >= 8 && strcmp(path + plen - 8, ".parquet") == 0);
		if (!lfs && sample != NULL && strlen(sample) <= 800 &&
		    sodium_base642bin(bin, sizeof(bin), sample, strlen(sample),
			NULL, &binlen, NULL,
			sodium_base64_VARIANT_ORIGINAL) == 0)
			lfs = memchr(bin, '\0', binlen) != NULL;
		if (json_integer_value(sz) == 0)
			lfs = 0;
		if ((o = json_pack("{s:s,s:s,s:b}", "path", path, "uploadMode",
			 lfs ? "lfs" : "regular", "shouldIgnore", 0)) == NULL ||
		    json_array_append_new(a, o) == -1)
			goto oom;
	}
	json_decref(j);
	if ((j = json_pack("{s:o,s:s?}", "files", a, "commitOid", head)) ==
	    NULL) {
		a = NULL;
		goto oom;
	}
	a = NULL;
	if (head == NULL)
		json_object_set_new(j, "commitOid", json_null());
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (s == NULL || buf_puts(out, s) == -1) {
		free(s);
		return (err_oom(e));
	}
	free(s);
	return (0);
oom:
	json_decref(a);
	json_decref(j);
	return (err_oom(e));
}

/* ---------------------------------------------------------------------
** The LFS batch request
*/

void
hublfs_free(struct hublfs_batch *b)
{
	free(b->objs);
	memset(b, 0, sizeof(*b));
}

int
hublfs_parse(const char *p, size_t n, uint64_t max_size, struct hublfs_batch *b,
    struct err *e)
{
	json_t *j, *v, *objs, *o, *x;
	json_error_t je;
	const char *s;
	size_t i, k;

	memset(b, 0, sizeof(*b));
	if ((j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(j)) {
		json_decref(j);
		return (err_set(e, ERR_INVALID,
		    "the batch request must be one JSON object"));
	}
	s = json_string_value(json_object_get(j, "operation"));
	if (s == NULL ||
	    (strcmp(s, "upload") != 0 && strcmp(s, "download") != 0)) {
		err_set(e, ERR_INVALID, "operation is upload or download");
		goto fail;
	}
	b->upload = strcmp(s, "upload") == 0;
	v = json_object_get(j, "transfers");
	b->basic = v == NULL || json_is_null(v);
	if (v != NULL && !json_is_null(v) && !json_is_array(v)) {
		err_set(e, ERR_INVALID, "transfers is a list of names");
		goto fail;
	}
	json_array_foreach(v, i, x) if ((s = json_string_value(x)) != NULL &&
	    strcmp(s, "basic") == 0) b->basic = 1;
	if ((v = json_object_get(j, "hash_algo")) != NULL && !json_is_null(v) &&
	    ((s = json_string_value(v)) == NULL ||
		(strcmp(s, "sha256") != 0 && strcmp(s, "sha_256") != 0))) {
		err_set(e, ERR_INVALID, "hash_algo is sha256");
		goto fail;
	}
	if ((v = json_object_get(j, "ref")) != NULL && json_is_object(v) &&
	    (s = json_string_value(json_object_get(v, "name"))) != NULL) {
		if (strlen(s) > HUBREF_MAX) {
			err_set(e, ERR_INVALID, "ref.name is too long");
			goto fail;
		}
		snprintf(b->ref, sizeof(b->ref), "%s", s);
	}
	objs = json_object_get(j, "objects");
	if (!json_is_array(objs) || json_array_size(objs) > HUBLFS_OBJS_MAX) {
		err_set(e, ERR_INVALID, "objects is a list of at most %d",
		    HUBLFS_OBJS_MAX);
		goto fail;
	}
	if (json_array_size(objs) > 0 &&
	    (b->objs = calloc(json_array_size(objs), sizeof(*b->objs))) ==
		NULL) {
		err_oom(e);
		goto fail;
	}
	json_array_foreach(objs, i, o)
	{
		s = json_string_value(json_object_get(o, "oid"));
		v = json_object_get(o, "size");
		if (s == NULL || strlen(s) != 64 || !is_hex(s, 64) ||
		    !json_is_integer(v) || json_integer_value(v) < 0) {
			err_set(e, ERR_INVALID,
			    "objects[%zu]: oid (64 hex digits) and size", i);
			goto fail;
		}
		if ((uint64_t)json_integer_value(v) > max_size) {
			err_set(e, ERR_TOO_LARGE,
			    "objects[%zu]: over the %llu bytes an object may "
			    "have here",
			    i, (unsigned long long)max_size);
			goto fail;
		}
		for (k = 0; k < 64; k++)
			b->objs[b->n].oid[k] =
			    (char)tolower((unsigned char)s[k]);
		b->objs[b->n].size = (uint64_t)json_integer_value(v);
		b->n++;
	}
	json_decref(j);
	return (0);
fail:
	json_decref(j);
	hublfs_free(b);
	return (-1);
}

/* ---------------------------------------------------------------------
** The NDJSON commit
*/

void
hubcommit_free(struct hubcommit *c)
{
	size_t i;

	for (i = 0; i < c->nops; i++) {
		free(c->ops[i].path);
		free(c->ops[i].content);
	}
	free(c->ops);
	free(c->summary);
	free(c->description);
	memset(c, 0, sizeof(*c));
}

/* The clean copy of the path in ${v} ("path"), or NULL. */
static char *
op_path(json_t *v)
{
	const char *s = json_string_value(json_object_get(v, "path"));
	char *p;

	if (s == NULL ||
	    json_string_length(json_object_get(v, "path")) != strlen(s) ||
	    strlen(s) > HUB_PATH_MAX || (p = strdup(s)) == NULL)
		return (NULL);
	if (hub_path_clean(p) == -1) {
		free(p);
		return (NULL);
	}
	return (p);
}

/* Parses line ${no} (${len} bytes at ${s}) into ${c}. */
static int
commit_line(struct hubcommit *c, const char *s, size_t len, size_t no,
    size_t max_ops, size_t *cap, struct err *e)
{
	json_t *j, *v, *x;
	json_error_t je;
	const char *key, *str;
	struct hubop *op, *nops;
	size_t slen, k;
	int rc = -1;

	if ((j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je)) == NULL ||
	    !json_is_object(j) ||
	    (key = json_string_value(json_object_get(j, "key"))) == NULL ||
	    !json_is_object(v = json_object_get(j, "value"))) {
		json_decref(j);
		return (err_set(e, ERR_INVALID,
		    "line %zu: each line is {\"key\",\"value\":{...}}", no));
	}
	if (no == 1) {
		if (strcmp(key, "header") != 0) {
			err_set(e, ERR_INVALID,
			    "line 1: the first line is the header");
			goto out;
		}
		x = json_object_get(v, "summary");
		str = json_string_value(x);
		if (x != NULL && !json_is_null(x) && str == NULL) {
			err_set(e, ERR_INVALID, "line 1: summary is a string");
			goto out;
		}
		if ((c->summary = strdup(str && str[0] ? str : "Commit")) ==
		    NULL)
			goto oom;
		str = json_string_value(json_object_get(v, "description"));
		if ((c->description = strdup(str ? str : "")) == NULL)
			goto oom;
		x = json_object_get(v, "parentCommit");
		if (x != NULL && !json_is_null(x)) {
			str = json_string_value(x);
			if (str == NULL || strlen(str) != 40 ||
			    !is_hex(str, 40)) {
				err_set(e, ERR_INVALID,
				    "line 1: parentCommit is a commit id");
				goto out;
			}
			for (k = 0; k < 40; k++)
				c->parent[k] =
				    (char)tolower((unsigned char)str[k]);
			c->parent[40] = '\0';
		}
		rc = 0;
		goto out;
	}
	if (strcmp(key, "header") == 0) {
		err_set(e, ERR_INVALID, "line %zu: a second header", no);
		goto out;
	}
	if (c->nops == max_ops) {
		err_set(e, ERR_TOO_LARGE,
		    "over the %zu files one commit may change", max_ops);
		goto out;
	}
	if (c->nops == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((nops = realloc(c->ops, *cap * sizeof(*nops))) == NULL)
			goto oom;
		c->ops = nops;
	}
	op = &c->ops[c->nops];
	memset(op, 0, sizeof(*op));
	if (strcmp(key, "file") == 0)
		op->kind = HUBOP_FILE;
	else if (strcmp(key, "lfsFile") == 0)
		op->kind = HUBOP_LFS;
	else if (strcmp(key, "deletedFile") == 0)
		op->kind = HUBOP_DELETE_FILE;
	else if (strcmp(key, "deletedFolder") == 0)
		op->kind = HUBOP_DELETE_FOLDER;
	else {
		err_set(e, ERR_INVALID,
		    "line %zu: key is file, lfsFile, deletedFile or "
		    "deletedFolder",
		    no);
		goto out;
	}
	if ((op->path = op_path(v)) == NULL) {
		err_set(e, ERR_INVALID,
		    "line %zu: a path of 1 to %d bytes without empty, . or .. "
		    "parts",
		    no, HUB_PATH_MAX);
		goto out;
	}
	c->nops++; /* freed with c from here on */
	for (k = 0; k + 1 < c->nops; k++)
		if (strcmp(c->ops[k].path, op->path) == 0) {
			err_set(e, ERR_INVALID,
			    "line %zu: %s is named twice in one commit", no,
			    op->path);
			goto out;
		}
	if (op->kind == HUBOP_FILE) {
		str = json_string_value(x = json_object_get(v, "content"));
		if (str == NULL ||
		    ((key = json_string_value(
			  json_object_get(v, "encoding"))) != NULL &&
			strcmp(key, "base64") != 0)) {
			err_set(e, ERR_INVALID,
			    "line %zu: content, base64-encoded", no);
			goto out;
		}
		slen = json_string_length(x);
		if ((op->content = malloc(slen / 4 * 3 + 3)) == NULL)
			goto oom;
		if (sodium_base642bin(op->content, slen / 4 * 3 + 3, str, slen,
			"\r\n", &op->n, NULL,
			sodium_base64_VARIANT_ORIGINAL) != 0) {
			err_set(e, ERR_INVALID,
			    "line %zu: content is not base64", no);
			goto out;
		}
	} else if (op->kind == HUBOP_LFS) {
		str = json_string_value(json_object_get(v, "oid"));
		key = json_string_value(json_object_get(v, "algo"));
		x = json_object_get(v, "size");
		if (str == NULL || strlen(str) != 64 || !is_hex(str, 64) ||
		    (key != NULL && strcmp(key, "sha256") != 0) ||
		    (x != NULL && !json_is_null(x) &&
			(!json_is_integer(x) || json_integer_value(x) < 0))) {
			err_set(e, ERR_INVALID,
			    "line %zu: oid (sha256, 64 hex digits) and size",
			    no);
			goto out;
		}
		for (k = 0; k < 64; k++)
			op->sha256[k] = (char)tolower((unsigned char)str[k]);
		op->sha256[64] = '\0';
		if (json_is_integer(x)) {
			op->size = (uint64_t)json_integer_value(x);
			op->has_size = 1;
		}
	}
	rc = 0;
	goto out;
oom:
	err_oom(e);
out:
	json_decref(j);
	return (rc);
}

int
hubcommit_parse(
    const char *p, size_t n, size_t max_ops, struct hubcommit *c, struct err *e)
{
	const char *s = p, *end = p + n, *nl;
	size_t no = 0, cap = 0, len, k;

	memset(c, 0, sizeof(*c));
	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		len = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (len > 0 && s[len - 1] == '\r')
			len--;
		for (k = 0; k < len && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (k < len) { /* not a blank line */
			if (commit_line(c, s, len, ++no, max_ops, &cap, e) ==
			    -1) {
				hubcommit_free(c);
				return (-1);
			}
		}
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	if (no == 0) {
		hubcommit_free(c);
		return (err_set(e, ERR_INVALID,
		    "the commit is empty: send a header line first"));
	}
	return (0);
}

int
hubcommit_store(struct blobstore *bs, struct hubcommit *c,
    const char **why_path, struct err *e)
{
	struct hubop *op;
	struct stat sb;
	char path[4096];
	size_t i;

	*why_path = NULL;
	for (i = 0; i < c->nops; i++) {
		op = &c->ops[i];
		if (op->kind == HUBOP_FILE) {
			if (blob_put(bs, op->content ? (void *)op->content : "",
				op->n, op->sha256, e) == -1 ||
			    git_blob_oid(op->content ? (void *)op->content : "",
				op->n, op->oid) == -1) {
				*why_path = op->path;
				if (e->code == ERR_NONE)
					err_set(e, ERR_INTERNAL, "cannot hash");
				return (-1);
			}
			op->size = op->n;
		} else if (op->kind == HUBOP_LFS) {
			*why_path = op->path;
			if (blob_path(bs, op->sha256, path, sizeof(path)) == -1)
				return (err_set(e, ERR_INVALID,
				    "%s: no such object", op->path));
			if (stat(path, &sb) == -1) {
				if (errno != ENOENT)
					return (err_set(e, ERR_STORAGE,
					    "%s: %s", path, strerror(errno)));
				return (err_set(e, ERR_INVALID,
				    "%s: object %s was never uploaded here "
				    "(or not whole): upload it first",
				    op->path, op->sha256));
			}
			if (op->has_size && (uint64_t)sb.st_size != op->size)
				return (err_set(e, ERR_INVALID,
				    "%s: object %s holds %lld bytes, not the "
				    "%llu the commit says",
				    op->path, op->sha256, (long long)sb.st_size,
				    (unsigned long long)op->size));
			op->size = (uint64_t)sb.st_size;
			if (lfs_pointer_oid(op->sha256, op->size, op->oid) ==
			    -1)
				return (
				    err_set(e, ERR_INTERNAL, "cannot hash"));
			*why_path = NULL;
		}
	}
	return (0);
}

/* ---------------------------------------------------------------------
** Writer jobs
*/

int
hubpush_create_job(struct db *db, void *arg, struct err *e)
{
	struct hubpush_create *c = arg;
	sqlite3_stmt *st;
	int64_t repo, cid;
	char oid[41];
	int rc;

	c->miss = HUBPUSH_OK;
	if (!hubpush_name_ok(c->name))
		return (err_set(e, ERR_INVALID,
		    "a repo name is 1 to 96 of A-Z a-z 0-9 . _ - (not "
		    "starting with . or -, not ending in .git)"));
	if ((rc = repo_find(db, c->name, &repo, e)) == -1)
		return (-1);
	if (rc == 0) {
		if ((st = db_prepare(db, SQL_RELEASE_NAMED, e)) == NULL ||
		    (rc = db_exists(db, st, "the releases", e)) == -1)
			return (-1);
	}
	if (rc == 1) {
		c->miss = HUBPUSH_EXISTS;
		return (err_set(
		    e, ERR_CONFLICT, "You already created this dataset repo"));
	}
	if ((st = db_prepare(db, SQL_REPO_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
	if (c->token_id > 0)
		sqlite3_bind_int64(st, 3, c->token_id);
	else
		sqlite3_bind_null(st, 3);
	if (step_done(db, st, "the repo", e) == -1)
		return (-1);
	repo = sqlite3_last_insert_rowid(db_handle(db));
	if (commit_add(db, repo, NULL, "initial commit", "", c->token_id, &cid,
		e) == -1 ||
	    commit_seal(db, cid, c->name, NULL, "initial commit", oid, e) ==
		-1 ||
	    ref_set(db, repo, "branch", "main", cid, e) == -1)
		return (-1);
	return (audit_append(db, 0, "hub.repo.created", 0,
	    json_pack("{s:s,s:I,s:s}", "repo", c->name, "token",
		(json_int_t)c->token_id, "commit", oid),
	    e));
}

/* Applies operation ${op} to the files of commit ${cid}. */
static int
op_apply(struct db *db, int64_t cid, const struct hubop *op,
    enum hubpush_miss *miss, struct err *e)
{
	sqlite3_stmt *st;
	int changed;

	switch (op->kind) {
	case HUBOP_FILE:
	case HUBOP_LFS:
		if ((st = db_prepare(db, SQL_FILE_PUT, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_text(st, 2, op->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, op->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)op->size);
		sqlite3_bind_int(st, 5, op->kind == HUBOP_LFS);
		sqlite3_bind_text(st, 6, op->oid, -1, SQLITE_STATIC);
		return (step_done(db, st, "a file", e));
	case HUBOP_DELETE_FILE:
	case HUBOP_DELETE_FOLDER:
		if ((st = db_prepare(db,
			 op->kind == HUBOP_DELETE_FILE ? SQL_FILE_DEL
						       : SQL_FOLDER_DEL,
			 e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_text(st, 2, op->path, -1, SQLITE_STATIC);
		if (step_done(db, st, "a file", e) == -1)
			return (-1);
		changed = sqlite3_changes(db_handle(db));
		if (changed == 0) {
			*miss = HUBPUSH_NO_ENTRY;
			return (err_set(e, ERR_NOT_FOUND,
			    "%s %s is not in the repo at its head",
			    op->kind == HUBOP_DELETE_FILE ? "file" : "folder",
			    op->path));
		}
		return (0);
	}
	return (err_set(e, ERR_INTERNAL, "unknown operation"));
}

int
hubpush_commit_job(struct db *db, void *arg, struct err *e)
{
	struct hubpush_commit *pc = arg;
	const struct hubcommit *c = pc->c;
	sqlite3_stmt *st;
	int64_t repo, head = 0, cid;
	char head_oid[41] = "";
	size_t i;
	int rc;

	pc->miss = HUBPUSH_OK;
	if ((rc = repo_find(db, pc->name, &repo, e)) != 1) {
		if (rc == 0) {
			pc->miss = HUBPUSH_NO_REPO;
			err_set(e, ERR_NOT_FOUND, "Repository not found: %s",
			    pc->name);
		}
		return (-1);
	}
	if ((rc = ref_get(
		 db, repo, "branch", pc->branch, &head, head_oid, e)) == -1)
		return (-1);
	if (rc == 0) {
		pc->miss = HUBPUSH_NO_REVISION;
		return (err_set(e, ERR_NOT_FOUND,
		    "Invalid rev id: %s is not a branch of %s", pc->branch,
		    pc->name));
	}
	if (c->parent[0] != '\0' && strcmp(c->parent, head_oid) != 0) {
		pc->miss = HUBPUSH_STALE;
		return (err_set(e, ERR_CONFLICT,
		    "parentCommit %s is not the head of %s (%s): someone "
		    "committed since; fetch and try again",
		    c->parent, pc->branch, head_oid));
	}
	if (commit_add(db, repo, head_oid, c->summary, c->description,
		pc->token_id, &cid, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_FILES_COPY, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, head);
	sqlite3_bind_int64(st, 2, cid);
	if (step_done(db, st, "the files", e) == -1)
		return (-1);
	for (i = 0; i < c->nops; i++)
		if (op_apply(db, cid, &c->ops[i], &pc->miss, e) == -1)
			return (-1);
	if ((st = db_prepare(db, SQL_FILES_COUNT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cid);
	rc = sqlite3_step(st);
	i = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "the files"));
	if (i > pc->max_files || i > HUB_FILES_MAX)
		return (err_set(e, ERR_INVALID,
		    "the repo would hold %zu files, over the %zu a repo may "
		    "hold here",
		    i,
		    pc->max_files < HUB_FILES_MAX ? pc->max_files
						  : (size_t)HUB_FILES_MAX));
	if ((st = db_prepare(db, SQL_FILES_CLASH, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		err_set(e, ERR_INVALID, "%s would be both a file and a folder",
		    (const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		return (-1);
	}
	sqlite3_reset(st);
	if (commit_seal(db, cid, pc->name, head_oid, c->summary, pc->oid, e) ==
		-1 ||
	    ref_set(db, repo, "branch", pc->branch, cid, e) == -1)
		return (-1);
	return (audit_append(db, 0, "hub.commit", 0,
	    json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "repo", pc->name, "branch",
		pc->branch, "commit", pc->oid, "parent", head_oid, "token",
		(json_int_t)pc->token_id, "operations", (json_int_t)c->nops),
	    e));
}

int
hubpush_squash_job(struct db *db, void *arg, struct err *e)
{
	struct hubpush_squash *sq = arg;
	sqlite3_stmt *st;
	int64_t repo, head, cid;
	char head_oid[41];
	const char *msg =
	    sq->message && sq->message[0] ? sq->message : "Super-squash";
	int rc;

	sq->miss = HUBPUSH_OK;
	if ((rc = repo_find(db, sq->name, &repo, e)) != 1) {
		if (rc == 0) {
			sq->miss = HUBPUSH_NO_REPO;
			err_set(e, ERR_NOT_FOUND, "Repository not found: %s",
			    sq->name);
		}
		return (-1);
	}
	if ((rc = ref_get(
		 db, repo, "branch", sq->branch, &head, head_oid, e)) != 1) {
		if (rc == 0) {
			sq->miss = HUBPUSH_NO_REVISION;
			err_set(e, ERR_NOT_FOUND,
			    "Invalid rev id: %s is not a branch of %s",
			    sq->branch, sq->name);
		}
		return (-1);
	}
	if (commit_add(db, repo, NULL, msg, "", sq->token_id, &cid, e) == -1 ||
	    (st = db_prepare(db, SQL_FILES_COPY, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, head);
	sqlite3_bind_int64(st, 2, cid);
	if (step_done(db, st, "the files", e) == -1 ||
	    commit_seal(db, cid, sq->name, NULL, msg, sq->oid, e) == -1 ||
	    ref_set(db, repo, "branch", sq->branch, cid, e) == -1 ||
	    db_run(db, SQL_PRUNE_FILES, repo, 0, "old commits", e) == -1 ||
	    db_run(db, SQL_PRUNE_COMMITS, repo, 0, "old commits", e) == -1)
		return (-1);
	return (audit_append(db, 0, "hub.super_squash", 0,
	    json_pack("{s:s,s:s,s:s,s:s,s:I}", "repo", sq->name, "branch",
		sq->branch, "from", head_oid, "commit", sq->oid, "token",
		(json_int_t)sq->token_id),
	    e));
}

/* The commit revision ${rev} of ${repo} names (a branch, a tag or a
** commit id): 1, 0 if none, -1. */
static int
rev_commit(struct db *db, int64_t repo, const char *rev, int64_t *cid,
    char oid[41], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = ref_get(db, repo, "branch", rev, cid, oid, e)) != 0 ||
	    (rc = ref_get(db, repo, "tag", rev, cid, oid, e)) != 0)
		return (rc);
	if (strlen(rev) != 40 || !is_hex(rev, 40))
		return (0);
	if ((st = db_prepare(db, SQL_COMMIT_BY_OID, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_text(st, 2, rev, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*cid = sqlite3_column_int64(st, 0);
		snprintf(
		    oid, 41, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the commits"));
	return (rc == SQLITE_ROW);
}

int
hubpush_tag_job(struct db *db, void *arg, struct err *e)
{
	struct hubpush_tag *t = arg;
	sqlite3_stmt *st;
	int64_t repo, cid, old;
	char oid[41], old_oid[41];
	int rc;

	t->miss = HUBPUSH_OK;
	if (!hubpush_ref_ok(t->tag))
		return (err_set(e, ERR_INVALID,
		    "a tag is 1 to %d of A-Z a-z 0-9 . _ / - (not a commit "
		    "id)",
		    HUBREF_MAX));
	if ((rc = repo_find(db, t->name, &repo, e)) != 1) {
		if (rc == 0) {
			t->miss = HUBPUSH_NO_REPO;
			err_set(e, ERR_NOT_FOUND, "Repository not found: %s",
			    t->name);
		}
		return (-1);
	}
	if ((rc = ref_get(db, repo, "tag", t->tag, &old, old_oid, e)) == -1)
		return (-1);
	if (!t->add) {
		if (rc == 0) {
			t->miss = HUBPUSH_NO_REVISION;
			return (err_set(e, ERR_NOT_FOUND,
			    "Invalid rev id: no tag %s in %s", t->tag,
			    t->name));
		}
		if ((st = db_prepare(db, SQL_REF_DEL, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, repo);
		sqlite3_bind_text(st, 2, t->tag, -1, SQLITE_STATIC);
		if (step_done(db, st, "the tag", e) == -1)
			return (-1);
		return (audit_append(db, 0, "hub.tag.deleted", 0,
		    json_pack("{s:s,s:s,s:s,s:I}", "repo", t->name, "tag",
			t->tag, "commit", old_oid, "token",
			(json_int_t)t->token_id),
		    e));
	}
	if (rc == 1) {
		t->miss = HUBPUSH_EXISTS;
		return (
		    err_set(e, ERR_CONFLICT, "tag %s already exists", t->tag));
	}
	if ((rc = rev_commit(db, repo, t->rev, &cid, oid, e)) != 1) {
		if (rc == 0) {
			t->miss = HUBPUSH_NO_REVISION;
			err_set(e, ERR_NOT_FOUND, "Invalid rev id: %s", t->rev);
		}
		return (-1);
	}
	if (ref_set(db, repo, "tag", t->tag, cid, e) == -1)
		return (-1);
	return (audit_append(db, 0, "hub.tag.added", 0,
	    json_pack("{s:s,s:s,s:s,s:I}", "repo", t->name, "tag", t->tag,
		"commit", oid, "token", (json_int_t)t->token_id),
	    e));
}

int
hubpush_head(struct db *db, const char *name, const char *branch, char oid[41],
    int *repo_found, struct err *e)
{
	int64_t repo, cid;
	int rc;

	*repo_found = 0;
	if ((rc = repo_find(db, name, &repo, e)) != 1)
		return (rc);
	*repo_found = 1;
	return (ref_get(db, repo, "branch", branch, &cid, oid, e));
}

/* ---------------------------------------------------------------------
** LFS files: listed, and forgotten once nothing uses them
*/

static const char SQL_LFS_REPO[] = "SELECT id FROM hub_repos WHERE name = ?1";
static const char SQL_LFS_FILES[] =
    "SELECT sha256, filename, size, pushed_at FROM hub_repo_objects "
    "WHERE repo_id = ?1 ORDER BY sha256";
static const char SQL_LFS_FORGET[] =
    "DELETE FROM hub_repo_objects WHERE repo_id = ?1 AND sha256 = ?2";
static const char SQL_LFS_USED[] =
    "SELECT EXISTS (SELECT 1 FROM hub_commit_files WHERE sha256 = ?1)";

/* Repo ${name}'s id: 1, 0 none, -1. */
static int
lfs_repo(struct db *db, const char *name, int64_t *id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_LFS_REPO, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "hub repo"));
}

json_t *
hubpush_lfs_files(
    struct db *db, const char *name, enum hubpush_miss *miss, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	int64_t id;
	char when[32];
	time_t t;
	struct tm tm;
	int rc;

	*miss = HUBPUSH_OK;
	if ((rc = lfs_repo(db, name, &id, e)) != 1) {
		if (rc == 0) {
			*miss = HUBPUSH_NO_REPO;
			err_set(e, ERR_NOT_FOUND, "no repo %s", name);
		}
		return (NULL);
	}
	if ((st = db_prepare(db, SQL_LFS_FILES, e)) == NULL)
		return (NULL);
	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		t = (time_t)sqlite3_column_int64(st, 3);
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:s,s:I,s:s}", "fileOid",
			sqlite3_column_text(st, 0), "oid",
			sqlite3_column_text(st, 0), "filename",
			sqlite3_column_text(st, 1), "size",
			(json_int_t)sqlite3_column_int64(st, 2), "pushedAt",
			when));
	}
	return (db_list_end(db, st, rc, a, 0, "hub lfs files", NULL, e));
}

int
hubpush_lfs_delete_job(struct db *db, void *arg, struct err *e)
{
	struct hubpush_lfs_delete *d = arg;
	sqlite3_stmt *st;
	json_t *v;
	int64_t id;
	size_t i;
	int rc;

	d->miss = HUBPUSH_OK;
	json_decref(d->gone);
	json_decref(d->kept);
	d->gone = json_array();
	d->kept = json_array();
	if (d->gone == NULL || d->kept == NULL)
		return (err_oom(e));
	if ((rc = lfs_repo(db, d->name, &id, e)) != 1) {
		if (rc == 0)
			d->miss = HUBPUSH_NO_REPO;
		return (rc == 0
			? err_set(e, ERR_NOT_FOUND, "no repo %s", d->name)
			: -1);
	}
	json_array_foreach(d->oids, i, v)
	{
		if ((st = db_prepare(db, SQL_LFS_USED, e)) == NULL)
			return (-1);
		sqlite3_bind_text(
		    st, 1, json_string_value(v), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_reset(st);
		if (rc == -1)
			return (db_err(db, e, "hub lfs files"));
		json_array_append(rc ? d->kept : d->gone, v);
		if (rc)
			continue;
		if ((st = db_prepare(db, SQL_LFS_FORGET, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(
		    st, 2, json_string_value(v), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "hub lfs files"));
	}
	return (audit_append(db, 0, "hub.lfs.deleted", id,
	    json_pack("{s:s,s:O,s:O,s:I}", "repo", d->name, "deleted", d->gone,
		"kept", d->kept, "token", (json_int_t)d->token_id),
	    e));
}
