/*
** The blob store (blob.h).
*/
#include "blob.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct blobstore {
	char *dir;
	int dirfd;        /* for syncfs() */
	const char *refs; /* the query: is a hash referenced? */
};

struct blob_writer {
	struct blobstore *bs;
	int fd;
	char tmp[PATH_MAX];
	struct sha256 *h;
};

/* The stores and the views that name what their rows reference. */
static const char SQL_BLOB_REF[] =
    "SELECT 1 FROM blob_refs WHERE sha256 = ?1 LIMIT 1";
static const char SQL_HUB_BLOB_REF[] =
    "SELECT 1 FROM hub_blob_refs WHERE sha256 = ?1 LIMIT 1";

/* ERR_STORAGE for ${what} on ${path} failing with errno; a full disk is
** named as such, in the words the database's errors use. */
static int
io_err(struct err *e, const char *what, const char *path)
{
	if (errno == ENOSPC || errno == EDQUOT)
		return (err_set(e, ERR_STORAGE,
		    "the disk is full: nothing was saved (%s %s: %s)", what,
		    path, strerror(errno)));
	return (
	    err_set(e, ERR_STORAGE, "%s %s: %s", what, path, strerror(errno)));
}

static int
fsync_dir(const char *path, struct err *e)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (io_err(e, "open", path));
	if (fsync(fd) == -1) {
		io_err(e, "fsync", path);
		close(fd);
		return (-1);
	}
	close(fd);
	return (0);
}

struct blobstore *
blob_open(const char *dir, struct err *e)
{
	struct blobstore *bs;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		io_err(e, "mkdir", dir);
		return (NULL);
	}
	if ((bs = calloc(1, sizeof(*bs))) == NULL ||
	    (bs->dir = strdup(dir)) == NULL) {
		free(bs);
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	bs->refs = SQL_BLOB_REF;
	if ((bs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		io_err(e, "open", dir);
		free(bs->dir);
		free(bs);
		return (NULL);
	}
	return (bs);
}

void
blob_refs_hub(struct blobstore *bs)
{
	bs->refs = SQL_HUB_BLOB_REF;
}

int
blob_sync_fd(struct blobstore *bs)
{
	return (bs->dirfd);
}

void
blob_close(struct blobstore *bs)
{
	if (bs == NULL)
		return;
	close(bs->dirfd);
	free(bs->dir);
	free(bs);
}

struct blob_writer *
blob_writer_new(struct blobstore *bs, struct err *e)
{
	struct blob_writer *bw;

	if ((bw = calloc(1, sizeof(*bw))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	bw->bs = bs;
	snprintf(bw->tmp, sizeof(bw->tmp), "%s/tmp.XXXXXX", bs->dir);
	if ((bw->fd = mkostemp(bw->tmp, O_CLOEXEC)) == -1) {
		io_err(e, "create temp file in", bs->dir);
		free(bw);
		return (NULL);
	}
	if ((bw->h = sha256_new()) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		unlink(bw->tmp);
		close(bw->fd);
		free(bw);
		return (NULL);
	}
	return (bw);
}

/* Writes all of ${p} to ${fd}. 0, or -1 with errno. */
static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		c += w;
		n -= (size_t)w;
	}
	return (0);
}

int
blob_writer_write(
    struct blob_writer *bw, const void *p, size_t n, struct err *e)
{
	if (sha256_update(bw->h, p, n) == -1)
		return (err_set(e, ERR_INTERNAL, "sha256 failed"));
	if (write_all(bw->fd, p, n) == -1)
		return (io_err(e, "write", bw->tmp));
	return (0);
}

void
blob_writer_abort(struct blob_writer *bw)
{
	if (bw == NULL)
		return;
	close(bw->fd);
	unlink(bw->tmp);
	sha256_free(bw->h);
	free(bw);
}

/*
** Is the blob ${dst} already stored, all ${n} bytes of it? Then its mtime
** is refreshed, so a sweep does not take it before the new row lands, and
** 1 is returned. A file of another size is what a crash can leave of a
** blob linked but never flushed (its row never committed): it is removed,
** to be written again, and 0 returned; 0 also if there is none.
*/
static int
stored_whole(const char *dst, size_t n)
{
	struct stat sb;
	int fd, ok;

	if ((fd = open(dst, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	ok = fstat(fd, &sb) == 0 && (size_t)sb.st_size == n &&
	    futimens(fd, NULL) == 0;
	close(fd);
	if (!ok)
		unlink(dst);
	return (ok);
}

static int
writer_commit(struct blob_writer *bw, char hex[SHA256_HEX_LEN + 1], int sync,
    struct err *e)
{
	uint8_t sum[SHA256_LEN];
	char sub[PATH_MAX], dst[PATH_MAX];
	struct stat tb;
	struct sha256 *h = bw->h;

	bw->h = NULL;
	if (sha256_final(h, sum) == -1) {
		err_set(e, ERR_INTERNAL, "sha256 failed");
		goto err0;
	}
	hex_encode(sum, SHA256_LEN, hex);
	if (sync && fsync(bw->fd) == -1) {
		io_err(e, "fsync", bw->tmp);
		goto err0;
	}
	snprintf(sub, sizeof(sub), "%s/%.2s", bw->bs->dir, hex);
	blob_path(bw->bs, hex, dst, sizeof(dst));
	if (fstat(bw->fd, &tb) == 0 && stored_whole(dst, (size_t)tb.st_size)) {
		blob_writer_abort(bw);
		return (0);
	}
	/* The folder usually exists: make it only when the rename says so. */
	if (rename(bw->tmp, dst) == -1 &&
	    (errno != ENOENT || (mkdir(sub, 0700) == -1 && errno != EEXIST) ||
		rename(bw->tmp, dst) == -1)) {
		io_err(e, "rename", dst);
		goto err0;
	}
	close(bw->fd);
	bw->fd = -1;
	if (sync &&
	    (fsync_dir(sub, e) == -1 || fsync_dir(bw->bs->dir, e) == -1)) {
		free(bw);
		return (-1);
	}
	free(bw);
	return (0);
err0:
	blob_writer_abort(bw);
	return (-1);
}

int
blob_writer_commit(
    struct blob_writer *bw, char hex[SHA256_HEX_LEN + 1], struct err *e)
{
	return (writer_commit(bw, hex, 1, e));
}

static int
put(struct blobstore *bs, const void *p, size_t n, char hex[SHA256_HEX_LEN + 1],
    int sync, struct err *e)
{
	struct blob_writer *bw;

	if ((bw = blob_writer_new(bs, e)) == NULL)
		return (-1);
	if (blob_writer_write(bw, p, n, e) == -1) {
		blob_writer_abort(bw);
		return (-1);
	}
	return (writer_commit(bw, hex, sync, e));
}

int
blob_put(struct blobstore *bs, const void *p, size_t n,
    char hex[SHA256_HEX_LEN + 1], struct err *e)
{
	return (put(bs, p, n, hex, 1, e));
}

/* Gives the unnamed file ${fd} the name ${dst}. 0, or -1 with errno. */
static int
link_tmpfile(int fd, const char *dst)
{
	char proc[64];

	if (linkat(fd, "", AT_FDCWD, dst, AT_EMPTY_PATH) == 0)
		return (0);
	if (errno != EPERM && errno != ENOENT && errno != EINVAL)
		return (-1);
	/* Without CAP_DAC_READ_SEARCH: through /proc, where it is mounted. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return (linkat(AT_FDCWD, proc, AT_FDCWD, dst, AT_SYMLINK_FOLLOW));
}

/*
** The bytes are all here, so the hash comes first: an existing blob is not
** written again, and a new one is written as an unnamed file (O_TMPFILE)
** in its own folder and linked under its name when complete. No temp name
** in the shared top folder, so uploads on different threads do not queue
** on its lock, and nothing is left to clean up if we crash. Falls back to
** temp file and rename where O_TMPFILE or linking it is refused.
*/
int
blob_put_unsynced(struct blobstore *bs, const void *p, size_t n,
    char hex[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t sum[SHA256_LEN];
	char sub[PATH_MAX], dst[PATH_MAX];
	int fd;

	if (sha256_digest(p, n, sum) == -1)
		return (err_set(e, ERR_INTERNAL, "sha256 failed"));
	hex_encode(sum, SHA256_LEN, hex);
	blob_path(bs, hex, dst, sizeof(dst));
	if (stored_whole(dst, n))
		return (0);
	snprintf(sub, sizeof(sub), "%s/%.2s", bs->dir, hex);
	fd = open(sub, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd == -1 && errno == ENOENT) {
		if (mkdir(sub, 0700) == -1 && errno != EEXIST)
			return (io_err(e, "mkdir", sub));
		fd = open(sub, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	}
	if (fd == -1)
		return (put(bs, p, n, hex, 0, e));
	if (write_all(fd, p, n) == -1) {
		io_err(e, "write a blob in", sub);
		close(fd);
		return (-1);
	}
	if (link_tmpfile(fd, dst) == -1 && errno != EEXIST) {
		close(fd);
		if (errno == EPERM || errno == ENOENT || errno == EINVAL ||
		    errno == EOPNOTSUPP)
			return (put(bs, p, n, hex, 0, e));
		return (io_err(e, "link", dst));
	}
	close(fd);
	return (0);
}

static int
is_hash(const char *s)
{
	size_t i;

	for (i = 0; i < SHA256_HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	return (s[i] == '\0');
}

int
blob_path(struct blobstore *bs, const char *hex, char *out, size_t n)
{
	int len;

	if (!is_hash(hex))
		return (-1);
	len = snprintf(out, n, "%s/%.2s/%s", bs->dir, hex, hex + 2);
	return (len < 0 || (size_t)len >= n ? -1 : 0);
}

/* Is ${hex} referenced by any row? 1 yes, 0 no, -1 error. */
static int
referenced(struct blobstore *bs, struct db *db, const char *hex, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, bs->refs, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	return (db_exists(db, st, "blob_refs", e));
}

int
blob_erase(struct blobstore *bs, struct db *db, const char *hex, struct err *e)
{
	char path[PATH_MAX];
	int rc;

	if (blob_path(bs, hex, path, sizeof(path)) == -1)
		return (err_set(e, ERR_INVALID, "not a blob hash: %s", hex));
	if ((rc = referenced(bs, db, hex, e)) != 0)
		return (rc == 1 ? 0 : -1);
	if (unlink(path) == -1 && errno != ENOENT)
		return (io_err(e, "unlink", path));
	return (1);
}

int
blob_sweep(struct blobstore *bs, struct db *db, time_t now, long grace,
    struct blob_sweep_stats *st, struct err *e)
{
	char sub[PATH_MAX], path[PATH_MAX], hex[SHA256_HEX_LEN + 1];
	struct dirent *de, *fe;
	DIR *top, *d;
	struct stat sb;
	int r, rc = 0;

	memset(st, 0, sizeof(*st));
	if ((top = opendir(bs->dir)) == NULL)
		return (io_err(e, "opendir", bs->dir));
	while (rc == 0 && (de = readdir(top)) != NULL) {
		if (strncmp(de->d_name, "tmp.", 4) == 0) {
			/* A temp file left by a crash or a lost upload. */
			snprintf(
			    path, sizeof(path), "%s/%s", bs->dir, de->d_name);
			if (stat(path, &sb) == 0 && sb.st_mtime < now - grace &&
			    unlink(path) == 0)
				st->removed++;
			continue;
		}
		if (strlen(de->d_name) != 2 ||
		    !isxdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", bs->dir, de->d_name);
		if ((d = opendir(sub)) == NULL)
			continue;
		while (rc == 0 && (fe = readdir(d)) != NULL) {
			if (strlen(fe->d_name) != SHA256_HEX_LEN - 2)
				continue;
			memcpy(hex, de->d_name, 2);
			memcpy(hex + 2, fe->d_name, SHA256_HEX_LEN - 2);
			hex[SHA256_HEX_LEN] = '\0';
			if (!is_hash(hex))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", sub,
				fe->d_name) >= sizeof(path) ||
			    stat(path, &sb) == -1)
				continue;
			if ((r = referenced(bs, db, hex, e)) == -1) {
				rc = -1;
				break;
			}
			if (r == 1)
				st->kept++;
			else if (sb.st_mtime >= now - grace)
				st->young++;
			else if (unlink(path) == 0)
				st->removed++;
		}
		closedir(d);
	}
	closedir(top);
	return (rc);
}
