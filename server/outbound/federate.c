/*
** The federation client (federate.h): reads peers' identities and pulls
** their signed releases over libcurl into a content-addressed store of
** their own, DIR/federation/objects, and their partial downloads in
** DIR/federation/partial, so a file is fetched once and a cut download
** resumes where it stopped.
*/
#include "federate.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"

#define SMALL_MAX  (64u << 20) /* bytes of a manifest or repo info */
#define TRIES      5           /* attempts at one file, resuming */
#define STALL_SECS 30          /* no byte for this long: cut */
#define RECV_BUF   (256 << 10) /* bytes libcurl reads at once */
/* Bytes gathered before one write(2); bytes written before the disk is
** asked to start on them, so that the fsync at the end waits less. */
#define WRITE_BUF (1u << 20)
#define WRITEBACK (8u << 20)

/* One pull of one peer. */
struct fed {
	const struct federate_opts *o;
	struct node *n;
	struct err *e;
	CURL *c;
	const struct fed_peer *p;
	uint8_t pk[32];      /* the key pinned now (a rotation moves it) */
	uint8_t (*keys)[32]; /* every key pinned for the peer, oldest first */
	size_t nkeys;
	char auth[FED_TOKEN_MAX + 40];
	time_t deadline;
	/* per request */
	char commit[65];
	char sig[129];
	/* counted */
	size_t fetched, held, resumed;
	uint64_t bytes;
};

/* Where a download goes: a buffer (${b}, at most ${max}) or a file
** (${fd}, appended to through ${wbuf}, WRITE_BUF bytes; what goes in is
** hashed into ${h} on the way). */
struct sink {
	struct buf *b;
	size_t max;
	int fd;
	struct sha256 *h;
	char *wbuf;
	size_t wn;     /* bytes in wbuf */
	uint64_t left; /* bytes the file may still take */
	uint64_t got;
	off_t end;       /* where the file ends on disk */
	uint64_t queued; /* bytes before ${end} not yet handed to the disk */
};

/* Writes all ${n} bytes at ${p} to ${fd}. 0, or -1 with errno set. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += k;
		n -= (size_t)k;
	}
	return (0);
}

/*
** Writes ${n} bytes at ${p} (NULL: what ${s}'s buffer holds) to its file
** and, every WRITEBACK bytes, asks the disk to start writing them, so that
** writing overlaps receiving and the fsync at the end finds little left.
** 0, or -1 with errno set.
*/
static int
sink_flush(struct sink *s, const char *p, size_t n)
{
	if (p == NULL) {
		p = s->wbuf;
		n = s->wn;
		s->wn = 0;
	}
	if (n == 0)
		return (0);
	if (write_all(s->fd, p, n) == -1)
		return (-1);
	s->end += (off_t)n;
#ifdef SYNC_FILE_RANGE_WRITE
	if ((s->queued += n) >= WRITEBACK) {
		sync_file_range(s->fd, s->end - (off_t)s->queued,
		    (off_t)s->queued, SYNC_FILE_RANGE_WRITE);
		s->queued = 0;
	}
#endif
	return (0);
}

static size_t
sink_write(char *p, size_t sz, size_t nm, void *arg)
{
	struct sink *s = arg;
	size_t n = sz * nm;

	if (s->b != NULL) {
		if (s->b->n + n > s->max || buf_append(s->b, p, n) == -1)
			return (0);
	} else {
		/* More than the manifest says: a tampered or wrong file. */
		if ((uint64_t)n > s->left)
			return (0);
		if (s->wn + n > WRITE_BUF && sink_flush(s, NULL, 0) == -1)
			return (0);
		if (n > WRITE_BUF) {
			if (sink_flush(s, p, n) == -1)
				return (0);
		} else {
			memcpy(s->wbuf + s->wn, p, n);
			s->wn += n;
		}
		/* Should the hash fail, the file is longer than what was
		** counted: fetch_file() reads it back. */
		if (sha256_update(s->h, p, n) == -1)
			return (0);
		s->left -= n;
	}
	s->got += n;
	return (n);
}

/* Copies header ${name}'s value (trimmed) into ${out} (${len} bytes) if
** ${line} is that header. */
static void
header_take(const char *line, size_t n, const char *name, char *out, size_t len)
{
	size_t k = strlen(name), v;

	if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	line += k + 1;
	n -= k + 1;
	while (n > 0 && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n > 0 &&
	    (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	v = n < len - 1 ? n : len - 1;
	memcpy(out, line, v);
	out[v] = '\0';
}

/* 1 once the pull is asked to stop (federate_opts.stop), else 0. */
static int
stopped(const struct fed *f)
{
	return (f->o->stop != NULL && atomic_load(f->o->stop) != 0);
}

/* curl's progress callback, at least once a second: non-zero cuts the
** transfer when the pull is asked to stop. */
static int
on_progress(
    void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	return (stopped(arg));
}

static size_t
on_header(char *p, size_t sz, size_t nm, void *arg)
{
	struct fed *f = arg;

	header_take(p, sz * nm, "X-Repo-Commit", f->commit, sizeof(f->commit));
	header_take(p, sz * nm, "X-Signature", f->sig, sizeof(f->sig));
	return (sz * nm);
}

/*
** GET ${url} into ${s}, from byte ${from} (a Range request when > 0).
** The status into ${status}. 0 when an answer came whole; -1 with f->e
** set when none did or it was cut (ERR_BUSY, saying why), or the sink
** refused it (ERR_TOO_LARGE).
*/
static int
get(struct fed *f, const char *url, struct sink *s, uint64_t from, long *status)
{
	struct curl_slist *h = NULL;
	char range[64];
	time_t now = time(NULL);
	CURLcode rc;

	if (stopped(f))
		return (
		    err_set(f->e, ERR_BUSY, "stopped: the node is stopping"));
	if (now >= f->deadline)
		return (err_set(f->e, ERR_BUSY,
		    "took longer than --peer-timeout (%ld s)",
		    f->o->peer_time));
	f->commit[0] = f->sig[0] = '\0';
	*status = 0;
	curl_easy_reset(f->c);
	curl_easy_setopt(f->c, CURLOPT_URL, url);
	curl_easy_setopt(f->c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(
	    f->c, CURLOPT_CONNECTTIMEOUT, (long)FED_CONNECT_TIMEOUT);
	curl_easy_setopt(f->c, CURLOPT_TIMEOUT, (long)(f->deadline - now));
	curl_easy_setopt(f->c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(f->c, CURLOPT_LOW_SPEED_TIME, (long)STALL_SECS);
	curl_easy_setopt(f->c, CURLOPT_ACCEPT_ENCODING, NULL);
	curl_easy_setopt(f->c, CURLOPT_BUFFERSIZE, (long)RECV_BUF);
	if (f->o->max_rate > 0)
		curl_easy_setopt(f->c, CURLOPT_MAX_RECV_SPEED_LARGE,
		    (curl_off_t)f->o->max_rate);
	if (f->auth[0] != '\0')
		h = curl_slist_append(h, f->auth);
	if (from > 0) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-",
		    (unsigned long long)from);
		h = curl_slist_append(h, range);
	}
	curl_easy_setopt(f->c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(f->c, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(f->c, CURLOPT_WRITEDATA, s);
	/* An error's body is never a file's bytes: into a file, an answer
	** of 400 or more is not written at all (its status says what). */
	if (s->b == NULL)
		curl_easy_setopt(f->c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(f->c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->c, CURLOPT_HEADERDATA, f);
	if (f->o->stop != NULL) {
		curl_easy_setopt(f->c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(f->c, CURLOPT_XFERINFODATA, f);
		curl_easy_setopt(f->c, CURLOPT_NOPROGRESS, 0L);
	}
	rc = curl_easy_perform(f->c);
	curl_slist_free_all(h);
	curl_easy_getinfo(f->c, CURLINFO_RESPONSE_CODE, status);
	if (rc == CURLE_HTTP_RETURNED_ERROR && *status >= 400)
		return (0);
	if (rc == CURLE_WRITE_ERROR)
		return (err_set(f->e, ERR_TOO_LARGE,
		    "%s sent more bytes than it should", url));
	if (rc != CURLE_OK)
		return (err_set(
		    f->e, ERR_BUSY, "%s: %s", url, curl_easy_strerror(rc)));
	return (0);
}

/* GET ${url} whole into ${b} (emptied first), at most ${max} bytes; only
** a 200 will do. 0 or -1 with f->e set saying what came instead. */
static int
get_small(struct fed *f, const char *url, struct buf *b, size_t max)
{
	struct sink s = { .b = b, .max = max };
	long status;

	b->n = 0;
	if (get(f, url, &s, 0, &status) == -1)
		return (-1);
	if (status != 200)
		return (err_set(f->e,
		    status == 401 || status == 403 ? ERR_FORBIDDEN
						   : ERR_NOT_FOUND,
		    "%s answered %ld", url, status));
	return (0);
}

/* The path of object ${sha} (into ${out}), and of its partial download
** (into ${part}), each PATH_MAX bytes. */
static void
object_paths(struct fed *f, const char *sha, char *out, char *part)
{
	snprintf(out, PATH_MAX, "%s/federation/objects/%.2s/%s", f->n->dir, sha,
	    sha + 2);
	snprintf(
	    part, PATH_MAX, "%s/federation/partial/%s.part", f->n->dir, sha);
}

/* mkdir -p of the folders a pull writes in. 0 or -1 with ${e}. */
static int
make_dirs(const char *dir, const char *sha, struct err *e)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/federation", dir);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		goto fail;
	snprintf(p, sizeof(p), "%s/federation/partial", dir);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		goto fail;
	snprintf(p, sizeof(p), "%s/federation/objects", dir);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		goto fail;
	if (sha == NULL)
		return (0);
	snprintf(p, sizeof(p), "%s/federation/objects/%.2s", dir, sha);
	if (mkdir(p, 0700) == -1 && errno != EEXIST)
		goto fail;
	return (0);
fail:
	return (err_set(e, ERR_STORAGE, "%s: %s", p, strerror(errno)));
}

/* fsyncs the folder that holds ${path}. Can't fail (best effort). */
static void
sync_parent(const char *path)
{
	char d[PATH_MAX];
	char *slash;
	int fd;

	snprintf(d, sizeof(d), "%s", path);
	if ((slash = strrchr(d, '/')) == NULL)
		return;
	*slash = '\0';
	if ((fd = open(d, O_RDONLY | O_DIRECTORY)) != -1) {
		fsync(fd);
		close(fd);
	}
}

/*
** Reads the first ${n} bytes of ${part} into a new hash, into *${h}
** (sha256_free it). 0, or -1 with f->e set.
*/
static int
hash_prefix(struct fed *f, const char *part, uint64_t n, struct sha256 **h)
{
	uint8_t buf[65536];
	ssize_t k;
	int fd = -1;

	if ((*h = sha256_new()) == NULL)
		return (err_oom(f->e));
	if (n == 0)
		return (0);
	if ((fd = open(part, O_RDONLY)) == -1)
		goto fail;
	errno = 0;
	while (n > 0 &&
	    (k = read(fd, buf, n < sizeof(buf) ? (size_t)n : sizeof(buf))) >
		0) {
		if (sha256_update(*h, buf, (size_t)k) == -1)
			goto fail;
		n -= (uint64_t)k;
	}
	if (n > 0)
		goto fail;
	close(fd);
	return (0);
fail:
	if (fd != -1)
		close(fd);
	sha256_free(*h);
	*h = NULL;
	return (err_set(f->e, ERR_STORAGE, "%s: %s", part,
	    errno != 0 ? strerror(errno) : "shorter than it was"));
}

/*
** Checks the finished download ${part} against ${ff} (size and SHA-256)
** and moves it into place at ${obj}, durably. ${h} is the hash of the
** file's bytes as they were written (freed here), or NULL to read them
** back. The file is removed if it does not match. 0, or -1 with f->e set
** naming the file.
*/
static int
settle(struct fed *f, const struct fed_file *ff, const char *part,
    const char *obj, struct sha256 *h)
{
	uint8_t d[SHA256_LEN];
	char hex[SHA256_HEX_LEN + 1];
	uint64_t total;
	struct stat sb;
	int fd;

	if (h == NULL && hash_prefix(f, part, ff->bytes, &h) == -1)
		return (-1);
	if (sha256_final(h, d) == -1)
		return (err_oom(f->e));
	if ((fd = open(part, O_RDONLY)) == -1 || fstat(fd, &sb) == -1 ||
	    fsync(fd) == -1) {
		err_set(f->e, ERR_STORAGE, "%s: %s", part, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	close(fd);
	total = (uint64_t)sb.st_size;
	hex_encode(d, sizeof(d), hex);
	if (total != ff->bytes || strcmp(hex, ff->sha256) != 0) {
		unlink(part);
		return (err_set(f->e, ERR_CONFLICT,
		    "%s from %s is not the file its signed manifest names "
		    "(%llu bytes, SHA-256 %.16s…; the manifest says %llu, "
		    "%.16s…): refused",
		    ff->path, f->p->name, (unsigned long long)total, hex,
		    (unsigned long long)ff->bytes, ff->sha256));
	}
	if (make_dirs(f->n->dir, ff->sha256, f->e) == -1)
		return (-1);
	if (rename(part, obj) == -1)
		return (
		    err_set(f->e, ERR_STORAGE, "%s: %s", obj, strerror(errno)));
	sync_parent(obj);
	return (0);
}

/* Is object ${obj} held whole (${bytes} long)? It was verified before
** it was renamed into place. */
static int
held(const char *obj, uint64_t bytes)
{
	struct stat sb;

	return (stat(obj, &sb) == 0 && (uint64_t)sb.st_size == bytes);
}

/*
** Makes sure file ${ff} of the release at ${base} (the resolve URL up to
** the commit) is held: downloaded (resuming a partial one with Range) and
** verified unless it is already. 0, or -1 with f->e set.
*/
static int
fetch_file(struct fed *f, const char *base, const struct fed_file *ff)
{
	char obj[PATH_MAX], part[PATH_MAX], *url = NULL;
	struct sink s = { 0 };
	struct sha256 *h = NULL; /* of the first ${hashed} bytes of ${part} */
	uint64_t have, hashed = 0;
	struct stat sb;
	long status;
	int tries, resumed = 0, rc = -1;

	object_paths(f, ff->sha256, obj, part);
	if (held(obj, ff->bytes)) {
		f->held++;
		return (0);
	}
	memset(f->e, 0, sizeof(*f->e)); /* a cut this run recovers from */
	if (ff->bytes == 0 &&
	    (s.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1)
		close(s.fd);
	if (asprintf(&url, "%s/%s", base, ff->path) == -1 ||
	    (s.wbuf = malloc(WRITE_BUF)) == NULL) {
		free(url);
		return (err_oom(f->e));
	}
	for (tries = 0; tries < TRIES; tries++) {
		have = stat(part, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		if (have > ff->bytes) {
			unlink(part);
			have = 0;
		}
		if (have == ff->bytes)
			break;
		if (have > 0 && !resumed) {
			f->resumed++;
			resumed = 1;
		}
		if (tries > 0) /* a cut: give the link a moment */
			sleep((unsigned)tries);
		/* The hash goes on from where the file ends: read back what
		** a run before (or a write that failed) left. */
		if (h == NULL || hashed != have) {
			sha256_free(h);
			if (hash_prefix(f, part, have, &h) == -1)
				goto out;
			hashed = have;
		}
		if ((s.fd = open(part,
			 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) ==
		    -1) {
			err_set(
			    f->e, ERR_STORAGE, "%s: %s", part, strerror(errno));
			goto out;
		}
		s.h = h;
		s.left = ff->bytes - have;
		s.got = 0;
		s.end = (off_t)have;
		s.queued = 0;
		s.wn = 0;
		rc = get(f, url, &s, have, &status);
		f->bytes += s.got;
		hashed += s.got; /* checked against the file's size next */
		if ((sink_flush(&s, NULL, 0) == -1 || close(s.fd) != 0) &&
		    rc == 0)
			rc = err_set(
			    f->e, ERR_STORAGE, "%s: %s", part, strerror(errno));
		if (rc == 0 && status == 200 && have > 0) {
			/* The Range was not honoured: the body began at byte
			** 0 and went past what was kept. Start again. */
			unlink(part);
			continue;
		}
		if (rc == 0 && status == 416) {
			unlink(part);
			continue;
		}
		if (rc == 0 && status != 200 && status != 206) {
			rc = err_set(f->e, ERR_NOT_FOUND, "%s answered %ld",
			    url, status);
			goto out;
		}
		if (rc == -1 && (f->e->code != ERR_BUSY || stopped(f)))
			goto out;
		rc = -1;
		if (time(NULL) >= f->deadline)
			break;
	}
	have = stat(part, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	if (have != ff->bytes) {
		if (f->e->code == ERR_NONE)
			err_set(f->e, ERR_BUSY,
			    "%s: the download stopped at %llu of %llu bytes",
			    ff->path, (unsigned long long)have,
			    (unsigned long long)ff->bytes);
		goto out;
	}
	if (h != NULL && hashed != have) {
		sha256_free(h);
		h = NULL;
	}
	rc = settle(f, ff, part, obj, h); /* frees h */
	h = NULL;
	if (rc == 0)
		f->fetched++;
out:
	sha256_free(h);
	free(s.wbuf);
	free(url);
	return (rc);
}

/* Stores ${n} bytes at ${p} as the object ${ff} says (a manifest or its
** signature, already checked in memory). 0 or -1 with f->e. */
static int
keep_bytes(struct fed *f, const struct fed_file *ff, const void *p, size_t n)
{
	char obj[PATH_MAX], part[PATH_MAX];
	FILE *fp;

	object_paths(f, ff->sha256, obj, part);
	if (held(obj, ff->bytes))
		return (0);
	if ((fp = fopen(part, "wb")) == NULL || fwrite(p, 1, n, fp) != n ||
	    fclose(fp) != 0)
		return (err_set(
		    f->e, ERR_STORAGE, "%s: %s", part, strerror(errno)));
	return (settle(f, ff, part, obj, NULL));
}

/* The file entry of ${n} bytes at ${p} named ${path}. */
static void
bytes_entry(struct fed_file *ff, const char *path, const void *p, size_t n)
{
	uint8_t d[SHA256_LEN];

	ff->path = (char *)path;
	ff->bytes = n;
	crypto_hash_sha256(d, p, n);
	hex_encode(d, sizeof(d), ff->sha256);
}

/* A pulled release being made ready: what the record job needs. */
struct ready {
	struct fed_manifest m;
	char commit[65];
	char dataset[97], version[65];
	struct fed_file *all; /* m.files plus manifest.json and .sig */
};

/*
** Pulls dataset ${name} of the peer (namespace ${ns}) into ${r} unless
** the commit `main` names was pulled before (then ${r}->all stays NULL).
** 0 or -1 with f->e.
*/
static int
pull_dataset(struct fed *f, struct db *db, const char *ns, const char *name,
    struct ready *r)
{
	struct buf info = { 0 }, man = { 0 }, sig = { 0 };
	char url[3 * FED_URL_MAX], base[2 * FED_URL_MAX];
	const uint8_t *signer = NULL;
	const char *sha;
	json_t *o = NULL;
	size_t i;
	int rc = -1, seen;

	snprintf(url, sizeof(url), "%s/api/datasets/%s/%s/revision/main",
	    f->p->url, ns, name);
	if (get_small(f, url, &info, SMALL_MAX) == -1)
		goto out;
	o = json_loadb(info.p, info.n, 0, NULL);
	sha = json_string_value(json_object_get(o, "sha"));
	if (sha == NULL || strlen(sha) != 40 ||
	    strspn(sha, "0123456789abcdef") != 40) {
		err_set(f->e, ERR_INVALID, "%s gave no commit id", url);
		goto out;
	}
	snprintf(r->commit, sizeof(r->commit), "%s", sha);
	if ((seen = fed_pulled(db, f->p->id, name, r->commit, f->e)) != 0) {
		rc = seen == 1 ? 0 : -1;
		goto out;
	}
	snprintf(base, sizeof(base), "%s/datasets/%s/%s/resolve/%s", f->p->url,
	    ns, name, r->commit);
	snprintf(url, sizeof(url), "%s/manifest.json", base);
	if (get_small(f, url, &man, SMALL_MAX) == -1)
		goto out;
	snprintf(url, sizeof(url), "%s/manifest.sig", base);
	if (get_small(f, url, &sig, 1024) == -1)
		goto out;
	/* A release made before the peer rotated its key is signed by a key
	** it had before: any key pinned for it will do, newest first. */
	for (i = f->nkeys; i > 0 && signer == NULL; i--)
		if (fed_sig_check(sig.p, sig.n, man.p, man.n, f->keys[i - 1]))
			signer = f->keys[i - 1];
	if (signer == NULL && fed_sig_check(sig.p, sig.n, man.p, man.n, f->pk))
		signer = f->pk;
	if (signer == NULL) {
		err_set(f->e, ERR_FORBIDDEN,
		    "the manifest of %s at %s is not signed by the pinned key "
		    "(nor by a key the peer had before): refused",
		    name, r->commit);
		goto out;
	}
	if (fed_manifest_parse(man.p, man.n, f->o->max_files, f->o->max_file,
		&r->m, f->e) == -1)
		goto out;
	/* The key it names is the key that signed it. */
	if (sodium_memcmp(r->m.pk, signer, 32) != 0 ||
	    strcmp(r->m.dataset, name) != 0) {
		err_set(f->e, ERR_FORBIDDEN,
		    "the manifest at %s names another key or dataset", url);
		goto out;
	}
	snprintf(r->dataset, sizeof(r->dataset), "%s", name);
	snprintf(r->version, sizeof(r->version), "%s", r->m.version);
	for (i = 0; i < r->m.nfiles; i++)
		if (fetch_file(f, base, &r->m.files[i]) == -1)
			goto out;
	if ((r->all = calloc(r->m.nfiles + 2, sizeof(*r->all))) == NULL) {
		err_oom(f->e);
		goto out;
	}
	memcpy(r->all, r->m.files, r->m.nfiles * sizeof(*r->all));
	bytes_entry(&r->all[r->m.nfiles], "manifest.json", man.p, man.n);
	bytes_entry(&r->all[r->m.nfiles + 1], "manifest.sig", sig.p, sig.n);
	if (keep_bytes(f, &r->all[r->m.nfiles], man.p, man.n) == -1 ||
	    keep_bytes(f, &r->all[r->m.nfiles + 1], sig.p, sig.n) == -1) {
		free(r->all);
		r->all = NULL;
		goto out;
	}
	rc = 0;
out:
	json_decref(o);
	buf_free(&info);
	buf_free(&man);
	buf_free(&sig);
	return (rc);
}

/* Two fingerprints side by side, for a key that is not the pinned one
** and that no chain of rotation statements reaches (${why}). */
static int
wrong_key(struct err *e, const char *url, const uint8_t got[32],
    const uint8_t want[32], const char *why)
{
	char a[FED_FPR_LEN + 1], b[FED_FPR_LEN + 1];

	fed_fingerprint(got, a);
	fed_fingerprint(want, b);
	return (err_set(e, ERR_FORBIDDEN,
	    "%.200s presents key %s, not the pinned key %s: refused, as %.200s "
	    "(check the key with the peer's maintainer)",
	    url, a, b, why));
}

/*
** The peer presents key ${doc}->pk, not the pinned one: accepted only if
** ${doc} carries an unbroken chain of rotation statements from the
** pinned key to it (keyrot_chain()); then the peer is pinned to it (and
** keeps its earlier keys) by one writer job, audited, a line per
** statement goes to stderr, and f->pk is the new key. 0, or -1 with f->e
** set (both fingerprints and why) and nothing recorded.
*/
static int
follow_rotation(struct fed *f, const struct fed_wellknown_doc *doc)
{
	char a[FED_FPR_LEN + 1], b[FED_FPR_LEN + 1];
	struct keyrot_accept acc = { 0 };
	struct err why = { 0 };
	size_t from, i;

	if (keyrot_chain(doc->rot, doc->nrot, f->pk, doc->pk, &from, &why) ==
	    -1)
		return (wrong_key(f->e, f->p->url, doc->pk, f->pk, why.msg));
	acc.peer_id = f->p->id;
	acc.r = doc->rot + from;
	acc.n = doc->nrot - from;
	if (writer_run(f->n->writer, keyrot_accept_job, &acc, f->e) == -1)
		return (-1);
	for (i = 0; i < acc.n; i++) {
		fed_fingerprint(acc.r[i].old_pk, a);
		fed_fingerprint(acc.r[i].new_pk, b);
		fprintf(stderr,
		    "federate: peer %s rotated its key: %s -> %s (statement "
		    "signed by the old key)\n",
		    f->p->name, a, b);
	}
	memcpy(f->pk, doc->pk, 32);
	return (0);
}

/*
** Pulls peer ${p}: everything of it verified and held, then recorded by
** one writer job. 0 or -1 with f->e (nothing of the peer recorded).
*/
static int
pull_peer(struct fed *f, struct db *db, struct federate_result *out)
{
	struct fed_wellknown_doc doc = { 0 };
	struct fed_pull_record rec = { 0 };
	struct buf list = { 0 };
	char url[3 * FED_URL_MAX], sig[129], head[SHA256_HEX_LEN + 1];
	struct ready *rs = NULL;
	struct fed_pulled_release *rel = NULL;
	json_t *revoked = NULL, *d;
	size_t i, nds = 0;
	int rc = -1;

	snprintf(url, sizeof(url), "%s%s", f->p->url, FED_PATH_WELLKNOWN);
	if (get_small(f, url, &list, FED_DOC_MAX) == -1 ||
	    fed_wellknown_parse(list.p, list.n, &doc, f->e) == -1)
		goto out;
	if (sodium_memcmp(doc.pk, f->pk, 32) != 0 &&
	    follow_rotation(f, &doc) == -1)
		goto out;
	free(f->keys);
	f->keys = NULL;
	if (keyrot_peer_keys(db, f->p->id, &f->keys, &f->nkeys, f->e) == -1)
		goto out;
	snprintf(url, sizeof(url), "%s%s", f->p->url, doc.rev_url);
	if (get_small(f, url, &list, FED_LIST_MAX) == -1)
		goto out;
	snprintf(sig, sizeof(sig), "%s", f->sig);
	if (fed_revlist_verify(
		list.p, list.n, sig, f->pk, &revoked, head, f->e) == -1)
		goto out;
	nds = json_array_size(doc.datasets);
	if (nds > 0 &&
	    ((rs = calloc(nds, sizeof(*rs))) == NULL ||
		(rel = calloc(nds, sizeof(*rel))) == NULL)) {
		err_oom(f->e);
		goto out;
	}
	json_array_foreach(doc.datasets, i, d)
	{
		if (pull_dataset(f, db, doc.ns,
			json_string_value(json_object_get(d, "name")),
			&rs[i]) == -1)
			goto out;
		if (rs[i].all == NULL)
			continue;
		rel[rec.nrel].dataset = rs[i].dataset;
		rel[rec.nrel].version = rs[i].version;
		rel[rec.nrel].commit = rs[i].commit;
		memcpy(rel[rec.nrel].manifest_sha,
		    rs[i].all[rs[i].m.nfiles].sha256, SHA256_HEX_LEN + 1);
		rel[rec.nrel].files = rs[i].all;
		rel[rec.nrel].nfiles = rs[i].m.nfiles + 2;
		rec.nrel++;
	}
	rec.peer_id = f->p->id;
	rec.list = list.p;
	rec.list_n = list.n;
	rec.sig = sig;
	rec.head = head;
	rec.revoked = revoked;
	rec.rel = rel;
	if (writer_run(f->n->writer, fed_pull_record_job, &rec, f->e) == -1)
		goto out;
	out->releases += rec.recorded;
	out->revoked += rec.new_revoked;
	rc = 0;
out:
	for (i = 0; rs != NULL && i < nds; i++) {
		free(rs[i].all);
		fed_manifest_free(&rs[i].m);
	}
	free(rs);
	free(rel);
	free(f->keys);
	f->keys = NULL;
	f->nkeys = 0;
	json_decref(revoked);
	buf_free(&list);
	fed_wellknown_free(&doc);
	return (rc);
}

int
federate_pull(struct node *n, struct db *db, const struct federate_opts *o,
    struct federate_result *out, struct err *e)
{
	struct fed_peer *ps = NULL;
	struct fed f = { 0 };
	size_t np = 0, i;
	struct err pe;
	int rc;

	memset(out, 0, sizeof(*out));
	if (fed_peers(db, o->peer, &ps, &np, e) == -1)
		return (-1);
	if (make_dirs(n->dir, NULL, e) == -1 ||
	    (f.c = curl_easy_init()) == NULL) {
		if (e->code == ERR_NONE)
			err_oom(e);
		for (i = 0; i < np; i++)
			fed_peer_clear(&ps[i]);
		free(ps);
		return (-1);
	}
	f.o = o;
	f.n = n;
	for (i = 0; i < np && !stopped(&f); i++) {
		memset(&pe, 0, sizeof(pe));
		f.e = &pe;
		f.p = &ps[i];
		memcpy(f.pk, ps[i].pk, 32);
		f.fetched = f.held = f.resumed = 0;
		f.bytes = 0;
		f.deadline = time(NULL) + (o->peer_time > 0 ? o->peer_time : 1);
		f.auth[0] = '\0';
		if (ps[i].token != NULL)
			snprintf(f.auth, sizeof(f.auth),
			    "Authorization: Bearer %s", ps[i].token);
		out->peers++;
		rc = pull_peer(&f, db, out);
		if (rc == -1 && stopped(&f))
			fprintf(stderr,
			    "federate: peer %s: stopped with the node; what "
			    "was received resumes at the next pull\n",
			    ps[i].name);
		else if (rc == -1) {
			struct fed_pull_failed pf = { ps[i].id, pe.msg };
			struct err ignore = { 0 };

			out->failed++;
			if (writer_run(n->writer, fed_pull_failed_job, &pf,
				&ignore) == -1)
				fprintf(stderr, "federate: %s: %s\n",
				    ps[i].name, ignore.msg);
			fprintf(stderr, "federate: peer %s failed: %s\n",
			    ps[i].name, pe.msg);
		} else if (!o->quiet)
			fprintf(stderr,
			    "federate: peer %s pulled: %zu file(s) fetched "
			    "(%llu bytes, %zu resumed), %zu already held\n",
			    ps[i].name, f.fetched, (unsigned long long)f.bytes,
			    f.resumed, f.held);
		out->fetched += f.fetched;
		out->held += f.held;
		out->resumed += f.resumed;
		out->bytes += f.bytes;
		sodium_memzero(f.auth, sizeof(f.auth));
	}
	curl_easy_cleanup(f.c);
	for (i = 0; i < np; i++)
		fed_peer_clear(&ps[i]);
	free(ps);
	return (0);
}

int
federate_identity(const char *url, const char *token, long timeout,
    struct fed_wellknown_doc *doc, struct err *e)
{
	struct federate_opts o = { .peer_time = timeout };
	struct fed_peer p = { 0 };
	struct fed f = { 0 };
	struct buf b = { 0 };
	char u[FED_URL_MAX + 64];
	int rc = -1;

	memset(doc, 0, sizeof(*doc));
	if (strlen(url) > FED_URL_MAX ||
	    (strncmp(url, "http://", 7) != 0 &&
		strncmp(url, "https://", 8) != 0))
		return (err_set(
		    e, ERR_INVALID, "a peer's URL begins http:// or https://"));
	snprintf(p.name, sizeof(p.name), "%s", "new peer");
	f.o = &o;
	f.e = e;
	f.p = &p;
	f.deadline = time(NULL) + (timeout > 0 ? timeout : 1);
	if (token != NULL)
		snprintf(
		    f.auth, sizeof(f.auth), "Authorization: Bearer %s", token);
	if ((f.c = curl_easy_init()) == NULL)
		return (err_oom(e));
	snprintf(u, sizeof(u), "%s%s", url, FED_PATH_WELLKNOWN);
	if (get_small(&f, u, &b, FED_DOC_MAX) == 0 &&
	    fed_wellknown_parse(b.p, b.n, doc, e) == 0)
		rc = 0;
	sodium_memzero(f.auth, sizeof(f.auth));
	curl_easy_cleanup(f.c);
	buf_free(&b);
	return (rc);
}
