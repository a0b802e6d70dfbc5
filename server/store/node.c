/*
** Making and opening a node directory (node.h).
*/
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdatomic.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "dbcache.h"

static const char SQL_META_PUT[] =
    "INSERT OR REPLACE INTO node_meta(key, value) VALUES (?1, ?2)";
static const char SQL_ACCOUNT_ADD[] =
    "INSERT INTO accounts(handle, role, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_CODE_ADD[] =
    "INSERT INTO login_codes(code_sha256, account_id, created_at, expires_at)"
    " VALUES (?1, ?2, ?3, ?4)";

static int
write_secret(const char *path, const void *p, size_t n, struct err *e)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1)
		return (err_set(
		    e, ERR_STORAGE, "create %s: %s", path, strerror(errno)));
	if (write(fd, p, n) != (ssize_t)n || fsync(fd) == -1) {
		err_set(e, ERR_STORAGE, "write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	close(fd);
	return (0);
}

/* Reads exactly ${n} bytes of a key file, refusing loose permissions. */
static int
read_secret(const char *path, void *p, size_t n, struct err *e)
{
	struct stat sb;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	}
	if (sb.st_mode & 077) {
		close(fd);
		return (err_set(e, ERR_FORBIDDEN,
		    "%s is readable by group or "
		    "others (mode %03o); refusing to start: run chmod 600 %s",
		    path, (unsigned)(sb.st_mode & 0777), path));
	}
	if (sb.st_size != (off_t)n || read(fd, p, n) != (ssize_t)n) {
		close(fd);
		return (
		    err_set(e, ERR_STORAGE, "%s: expected %zu bytes", path, n));
	}
	close(fd);
	return (0);
}

int
node_exists(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/node.db", dir);
	return (access(path, F_OK) == 0);
}

struct init_job {
	const char *code;
	const uint8_t *pk;
};

static int
bind_exec(struct db *db, sqlite3_stmt *st, struct err *e)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		return (db_err(db, e, "insert"));
	return (0);
}

/* Writer job: node facts, the admin account and its login code. Returns
** 0, or -1 with ${e} set: ERR_STORAGE. */
static int
init_job(struct db *db, void *arg, struct err *e)
{
	struct init_job *j = arg;
	uint8_t sum[SHA256_LEN];
	char pkhex[65], created[32];
	sqlite3_stmt *st;
	time_t now = time(NULL);
	sqlite3_int64 id;

	hex_encode(j->pk, 32, pkhex);
	snprintf(created, sizeof(created), "%lld", (long long)now);
	if ((st = db_prepare(db, SQL_META_PUT, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, "public_key", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pkhex, -1, SQLITE_STATIC);
	if (bind_exec(db, st, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_META_PUT, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, "created_at", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, created, -1, SQLITE_STATIC);
	if (bind_exec(db, st, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_ACCOUNT_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, "admin", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, "admin", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	if (bind_exec(db, st, e) == -1)
		return (-1);
	id = sqlite3_last_insert_rowid(db_handle(db));
	if (sha256_digest(j->code, strlen(j->code), sum) == -1)
		return (err_set(e, ERR_INTERNAL, "sha256 failed"));
	if ((st = db_prepare(db, SQL_CODE_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, sum, SHA256_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, now + 7 * 86400);
	return (bind_exec(db, st, e));
}

int
node_init(const char *dir, char code[NODE_CODE_LEN + 1], struct err *e)
{
	char path[PATH_MAX];
	uint8_t pk[32], sk[64], pseud[32];
	struct init_job j;
	struct node *n;
	int fd, rc = -1;

	if (node_exists(dir))
		return (err_set(e, ERR_CONFLICT,
		    "%s already holds a node "
		    "(node.db exists)",
		    dir));
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return (err_set(
		    e, ERR_STORAGE, "mkdir %s: %s", dir, strerror(errno)));
	snprintf(path, sizeof(path), "%s/keys", dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return (err_set(
		    e, ERR_STORAGE, "mkdir %s: %s", path, strerror(errno)));
	crypto_sign_keypair(pk, sk);
	randombytes_buf(pseud, sizeof(pseud));
	snprintf(path, sizeof(path), "%s/keys/signing.key", dir);
	if (write_secret(path, sk, sizeof(sk), e) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/keys/pseudonym.key", dir);
	if (write_secret(path, pseud, sizeof(pseud), e) == -1)
		goto out;
	/* Made private before SQLite opens it: its -wal and -shm, which
	** stay beside it (db_open), take its mode when they are made. */
	snprintf(path, sizeof(path), "%s/node.db", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1) {
		err_set(e, ERR_STORAGE, "create %s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	if ((n = node_open(dir, e)) == NULL)
		goto out;
	random_code(code);
	j.code = code;
	j.pk = n->sign_pk;
	rc = writer_run(n->writer, init_job, &j, e);
	node_close(n);
out:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(pseud, sizeof(pseud));
	return (rc);
}

struct node *
node_open(const char *dir, struct err *e)
{
	char path[PATH_MAX];
	struct db *db;
	struct node *n;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->dir = strdup(dir)) == NULL) {
		free(n);
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	/* Shared, and taken before the keys are read: it waits only while
	** a key rotation has the node alone. No folder: the key file below
	** says so. */
	snprintf(path, sizeof(path), "%s/node.lock", dir);
	n->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if ((n->lockfd == -1 && errno != ENOENT) ||
	    (n->lockfd != -1 && flock(n->lockfd, LOCK_SH) == -1)) {
		err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/keys", dir);
	{
		struct stat sb;
		if (stat(path, &sb) == 0 && (sb.st_mode & 077)) {
			err_set(e, ERR_FORBIDDEN,
			    "%s is open to group or others "
			    "(mode %03o); refusing to start: run chmod 700 %s",
			    path, (unsigned)(sb.st_mode & 0777), path);
			goto fail;
		}
	}
	snprintf(path, sizeof(path), "%s/keys/signing.key", dir);
	if (read_secret(path, n->sign_sk, sizeof(n->sign_sk), e) == -1)
		goto fail;
	crypto_sign_ed25519_sk_to_pk(n->sign_pk, n->sign_sk);
	snprintf(path, sizeof(path), "%s/keys/pseudonym.key", dir);
	if (read_secret(path, n->pseudonym_key, sizeof(n->pseudonym_key), e) ==
	    -1)
		goto fail;
	snprintf(n->dbpath, sizeof(n->dbpath), "%s/node.db", dir);
	if ((db = db_open(n->dbpath, 0, e)) == NULL)
		goto fail;
	/* On a full disk with the schema up to date this writes nothing
	** (BEGIN IMMEDIATE and COMMIT of no change). A migration needs
	** room: without it the node cannot serve and says so. */
	if (db_migrate(db, e) == -1) {
		if (db_full_seen(db))
			err_set(e, ERR_STORAGE,
			    "the disk is full: the database must be "
			    "upgraded to schema %d before the node can start, "
			    "and there is no room for it: free some space in "
			    "%s and start again",
			    db_nmigrations, dir);
		db_close(db);
		goto fail;
	}
	db_close(db);
	chmod(n->dbpath, 0600);
	/* They stay beside it now (db_open), with the mode node.db had
	** when they were made: a copy restored without its mode would
	** leave them readable for good. */
	snprintf(path, sizeof(path), "%s/node.db-wal", dir);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/node.db-shm", dir);
	chmod(path, 0600);
	snprintf(path, sizeof(path), "%s/blobs", dir);
	if ((n->blobs = blob_open(path, e)) == NULL)
		goto fail;
	snprintf(path, sizeof(path), "%s/node.db-changes", dir);
	if ((n->cache = dbcache_open(path, e)) == NULL)
		goto fail;
	if ((n->writer = writer_start(n->dbpath, 0, e)) == NULL)
		goto fail;
	writer_set_sync_fd(n->writer, blob_sync_fd(n->blobs));
	writer_set_cache(n->writer, n->cache);
	return (n);
fail:
	node_close(n);
	return (NULL);
}

int
node_disk_full(struct node *n, char *why, size_t len)
{
	struct statvfs sv;
	unsigned long long avail = ~0ULL;
	long long now = (long long)time(NULL);

	/* Room is remembered for the second; a full disk is looked at again
	** every time, so room made is seen at once. */
	if (atomic_load(&n->disk_at) == now &&
	    atomic_load(&n->disk_avail) >= NODE_DISK_LOW)
		avail = atomic_load(&n->disk_avail);
	else if (statvfs(n->dir, &sv) == 0) {
		/* root may use the blocks kept back for it (ext4's 5 %) */
		avail = (unsigned long long)(geteuid() == 0 ? sv.f_bfree
							    : sv.f_bavail) *
		    sv.f_frsize;
		atomic_store(&n->disk_avail, avail);
		atomic_store(&n->disk_at, now);
	}
	if (avail < NODE_DISK_LOW) {
		snprintf(why, len,
		    "the disk is full: %llu KiB free in the data "
		    "folder; reads are served, writes are refused "
		    "until there is room",
		    avail / 1024);
		return (1);
	}
	if (n->writer != NULL && writer_disk_full(n->writer)) {
		snprintf(why, len,
		    "the disk is full: the last write found no room; reads "
		    "are served, writes are refused until there is room");
		return (1);
	}
	return (0);
}

void
node_close(struct node *n)
{
	if (n == NULL)
		return;
	writer_stop(n->writer);
	/* Whatever this process wrote without the writer (CLI commands
	** with a connection of their own), a running server must not go
	** on reading what it remembered from before. */
	dbcache_bump(n->cache);
	dbcache_close(n->cache);
	blob_close(n->blobs);
	sodium_memzero(n->sign_sk, sizeof(n->sign_sk));
	sodium_memzero(n->pseudonym_key, sizeof(n->pseudonym_key));
	if (n->lockfd != -1)
		close(n->lockfd);
	free(n->dir);
	free(n);
}

int
node_lock_alone(struct node *n, struct err *e)
{
	if (n->lockfd == -1)
		return (
		    err_set(e, ERR_STORAGE, "%s/node.lock is missing", n->dir));
	if (flock(n->lockfd, LOCK_EX | LOCK_NB) == 0)
		return (0);
	if (errno == EWOULDBLOCK)
		return (err_set(e, ERR_BUSY,
		    "another process has the node in %s open (a running "
		    "server, or another command)",
		    n->dir));
	return (err_set(
	    e, ERR_STORAGE, "%s/node.lock: %s", n->dir, strerror(errno)));
}

/* fsyncs folder ${dir}. 0 or -1 with ${e}. */
static int
sync_dir(const char *dir, struct err *e)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		err_set(e, ERR_STORAGE, "fsync %s: %s", dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

int
node_key_stage(
    struct node *n, const uint8_t sk[64], const char *keep, struct err *e)
{
	char cur[PATH_MAX], staged[PATH_MAX], kept[PATH_MAX], dir[PATH_MAX];
	uint8_t old[64];
	int same;

	snprintf(dir, sizeof(dir), "%s/keys", n->dir);
	snprintf(cur, sizeof(cur), "%s/keys/signing.key", n->dir);
	snprintf(staged, sizeof(staged), "%s/keys/signing.key.new", n->dir);
	snprintf(kept, sizeof(kept), "%s/keys/%s", n->dir, keep);
	if (strchr(keep, '/') != NULL || keep[0] == '.')
		return (err_set(e, ERR_INVALID, "%s is not a file name", keep));
	if (access(staged, F_OK) == 0)
		return (err_set(e, ERR_CONFLICT,
		    "%s exists: a rotation was begun and not finished",
		    staged));
	if (link(cur, kept) == -1) {
		if (errno != EEXIST)
			return (err_set(e, ERR_STORAGE, "link %s %s: %s", cur,
			    kept, strerror(errno)));
		/* Kept by an attempt that stopped before: the same key? */
		if (read_secret(kept, old, sizeof(old), e) == -1)
			return (-1);
		same = sodium_memcmp(old, n->sign_sk, sizeof(old)) == 0;
		sodium_memzero(old, sizeof(old));
		if (!same)
			return (err_set(e, ERR_CONFLICT,
			    "%s exists and is another key", kept));
	}
	if (write_secret(staged, sk, 64, e) == -1)
		return (-1);
	return (sync_dir(dir, e));
}

int
node_key_staged(struct node *n, uint8_t sk[64], struct err *e)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/keys/signing.key.new", n->dir);
	if (access(path, F_OK) == -1)
		return (0);
	return (read_secret(path, sk, 64, e) == -1 ? -1 : 1);
}

int
node_key_commit(struct node *n, struct err *e)
{
	char cur[PATH_MAX], staged[PATH_MAX], dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/keys", n->dir);
	snprintf(cur, sizeof(cur), "%s/keys/signing.key", n->dir);
	snprintf(staged, sizeof(staged), "%s/keys/signing.key.new", n->dir);
	if (rename(staged, cur) == -1)
		return (err_set(e, ERR_STORAGE, "rename %s %s: %s", staged, cur,
		    strerror(errno)));
	if (sync_dir(dir, e) == -1)
		return (-1);
	if (read_secret(cur, n->sign_sk, sizeof(n->sign_sk), e) == -1)
		return (-1);
	crypto_sign_ed25519_sk_to_pk(n->sign_pk, n->sign_sk);
	return (0);
}

void
node_key_unstage(struct node *n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/keys/signing.key.new", n->dir);
	unlink(path);
}
