/*
** Compressed copies of static files (compress.h): reading Accept-Encoding,
** the two codings (Brotli at its best quality through libbrotlienc, gzip
** at level 9 through zlib: slow to make, which is why each is made once),
** and the cache that keeps them.
**
** The cache is a hash table keyed by the file's device and inode, so two
** names of one file (a symlink inside the webroot) share their copies; an
** entry also records the version it was made from (size, mtime, ctime).
** The first request for a version inserts a PENDING entry charged with
** the most its copies could take (twice the file), compresses outside the
** lock, then charges what the copies really take. Meanwhile other
** requests for that file go out uncompressed rather than compress it
** again or wait. Nobody but its maker touches a PENDING entry, so it
** stays put while it is being made. Copies are reference counted: a
** response still sending the old copies of a changed file keeps them
** alive after the entry dropped them.
*/
#include "compress.h"

#include <brotli/encode.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"

/* Files smaller than this go out as they are: a few bytes saved, if any,
** do not pay for the Content-Encoding header. */
#define MIN_SIZE 128
#define NBUCKETS 1024

/* ---------------------------------------------------------------------
** Accept-Encoding
*/

/*
** The qvalue p[0..n) in thousandths ("0.5" is 500), or -1 if it is not
** one: RFC 9110 allows "0" to "0.999" and "1" to "1.000".
*/
static int
qvalue(const char *p, size_t n)
{
	int q, d;
	size_t i;

	if (n == 0 || (p[0] != '0' && p[0] != '1') || n == 2 || n > 5)
		return (-1);
	q = (p[0] - '0') * 1000;
	if (n > 1 && p[1] != '.')
		return (-1);
	for (i = 2, d = 100; i < n; i++, d /= 10) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		q += (p[i] - '0') * d;
	}
	return (q > 1000 ? -1 : q);
}

static int
ows(char c)
{
	return (c == ' ' || c == '\t');
}

/* Does p[0..n) equal the token ${tok}, in any case? */
static int
token_is(const char *p, size_t n, const char *tok)
{
	return (strlen(tok) == n && strncasecmp(p, tok, n) == 0);
}

/*
** One element of the list, p[0..n): a coding and its parameters. Sets
** *${name} and *${namelen} to the coding and returns its q (1000 when it
** has none), or -1 if the element is empty or its weight malformed.
*/
static int
element(const char *p, size_t n, const char **name, size_t *namelen)
{
	size_t i = 0, s, e;
	int q = 1000;

	while (i < n && ows(p[i]))
		i++;
	s = i;
	while (i < n && !ows(p[i]) && p[i] != ';')
		i++;
	if (i == s)
		return (-1);
	*name = p + s;
	*namelen = i - s;
	while (i < n) { /* parameters: OWS ";" OWS name "=" value */
		while (i < n && (ows(p[i]) || p[i] == ';'))
			i++;
		s = i;
		while (i < n && !ows(p[i]) && p[i] != ';')
			i++;
		e = i;
		if (e - s >= 2 && (p[s] == 'q' || p[s] == 'Q') &&
		    p[s + 1] == '=' && (q = qvalue(p + s + 2, e - s - 2)) == -1)
			return (-1);
	}
	return (q);
}

enum compress_coding
compress_pick(const char *p, size_t n, unsigned offered)
{
	/* q of each coding as named (-1: not named), and of "*" */
	int q[3] = { -1, -1, -1 }, star = -1, w, cq, bestq = 0, *slot;
	enum compress_coding c, best = COMPRESS_IDENTITY;
	const char *name;
	size_t i = 0, end, len;

	if (p == NULL)
		return (COMPRESS_IDENTITY);
	while (i < n) {
		for (end = i; end < n && p[end] != ','; end++)
			;
		w = element(p + i, end - i, &name, &len);
		i = end + 1;
		if (w < 0)
			continue;
		if (token_is(name, len, "br"))
			slot = &q[COMPRESS_BR];
		else if (token_is(name, len, "gzip") ||
		    token_is(name, len, "x-gzip"))
			slot = &q[COMPRESS_GZIP];
		else if (token_is(name, len, "identity"))
			slot = &q[COMPRESS_IDENTITY];
		else if (token_is(name, len, "*"))
			slot = &star;
		else
			continue;
		/* named twice: the lower weight holds */
		if (*slot == -1 || w < *slot)
			*slot = w;
	}
	for (c = COMPRESS_BR; c <= COMPRESS_GZIP; c++) {
		if (!(offered & (1u << c)))
			continue;
		cq = q[c] != -1 ? q[c] : (star != -1 ? star : 0);
		if (cq > bestq) {
			best = c;
			bestq = cq;
		}
	}
	/* a client that ranks the plain file above the codings gets it */
	if (q[COMPRESS_IDENTITY] > bestq)
		return (COMPRESS_IDENTITY);
	return (best);
}

const char *
compress_name(enum compress_coding c)
{
	switch (c) {
	case COMPRESS_BR: return ("br");
	case COMPRESS_GZIP: return ("gzip");
	default: return ("");
	}
}

/* ---------------------------------------------------------------------
** The codings
*/

struct compress_blob {
	atomic_uint refs;
	size_t n;
	unsigned char p[];
};

/* A blob of room for ${n} bytes and one reference, or NULL. */
static struct compress_blob *
blob_new(size_t n)
{
	struct compress_blob *b;

	if ((b = malloc(sizeof(*b) + n)) == NULL)
		return (NULL);
	atomic_init(&b->refs, 1);
	b->n = n;
	return (b);
}

/* Gives back the room ${b} did not use. Can't fail (keeps ${b} if the
** system will not shrink it). */
static struct compress_blob *
blob_fit(struct compress_blob *b, size_t n)
{
	struct compress_blob *s;

	b->n = n;
	if ((s = realloc(b, sizeof(*b) + n)) == NULL)
		return (b);
	return (s);
}

/*
** ${p} (${n} bytes, n > 1) gzipped at ${level}, in a new blob holding
** fewer bytes than ${n}; NULL if it would not be smaller or memory ran
** out (*${oom} set then).
*/
static struct compress_blob *
gzip_blob(const unsigned char *p, size_t n, int level, int *oom)
{
	struct compress_blob *b;
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: the gzip wrapper (no name, no time: the same bytes
	** every time) */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9,
		Z_DEFAULT_STRATEGY) != Z_OK) {
		*oom = 1;
		return (NULL);
	}
	if ((b = blob_new(n - 1)) == NULL) {
		deflateEnd(&z);
		*oom = 1;
		return (NULL);
	}
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = b->p;
	z.avail_out = (uInt)(n - 1);
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	if (rc != Z_STREAM_END) { /* Z_OK, Z_BUF_ERROR: it did not fit */
		free(b);
		return (NULL);
	}
	return (blob_fit(b, z.total_out));
}

/* As gzip_blob(), in Brotli at ${quality}, for text. */
static struct compress_blob *
brotli_blob(const unsigned char *p, size_t n, int quality, int *oom)
{
	struct compress_blob *b;
	size_t out = n - 1;

	if ((b = blob_new(out)) == NULL) {
		*oom = 1;
		return (NULL);
	}
	/* false when the output does not fit in n - 1 bytes (or the
	** encoder found no memory: the file then simply goes out whole) */
	if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW,
		BROTLI_MODE_TEXT, n, p, &out, b->p)) {
		free(b);
		return (NULL);
	}
	return (blob_fit(b, out));
}

/* ${p} (${n} bytes) coded in ${c}, at the best quality if ${best}, else
** the quick one: compress_bytes() and compress_bytes_best(). */
static struct compress_blob *
bytes_coded(enum compress_coding c, const void *p, size_t n, int best)
{
	int oom = 0;

	if (n < 2)
		return (NULL);
	if (c == COMPRESS_BR)
		return (brotli_blob(
		    p, n, best ? BROTLI_MAX_QUALITY : COMPRESS_QUICK_BR, &oom));
	if (c == COMPRESS_GZIP)
		return (gzip_blob(p, n, best ? 9 : COMPRESS_QUICK_GZIP, &oom));
	return (NULL);
}

struct compress_blob *
compress_bytes(enum compress_coding c, const void *p, size_t n)
{
	return (bytes_coded(c, p, n, 0));
}

struct compress_blob *
compress_bytes_best(enum compress_coding c, const void *p, size_t n)
{
	return (bytes_coded(c, p, n, 1));
}

const void *
compress_blob_data(const struct compress_blob *b, size_t *n)
{
	*n = b->n;
	return (b->p);
}

void
compress_blob_release(struct compress_blob *b)
{
	if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

/* ---------------------------------------------------------------------
** The cache
*/

enum { ENTRY_PENDING, ENTRY_READY };

struct entry {
	struct entry *next;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int state;
	size_t charge;                 /* bytes counted against the budget */
	struct compress_blob *blob[3]; /* by coding; NULL: none smaller */
};

struct compress_cache {
	pthread_mutex_t mu;
	size_t budget, max_file, used;
	int warned; /* said once that the budget is spent */
	struct entry *bucket[NBUCKETS];
};

struct compress_cache *
compress_cache_new(size_t budget, size_t max_file)
{
	struct compress_cache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	pthread_mutex_init(&c->mu, NULL);
	c->budget = budget;
	c->max_file = max_file;
	return (c);
}

/* Unlinks nothing: frees ${e}, its copies (as far as no response holds
** them) and its charge. Can't fail. */
static void
entry_drop(struct compress_cache *c, struct entry *e)
{
	size_t i;

	for (i = 0; i < 3; i++)
		compress_blob_release(e->blob[i]);
	c->used -= e->charge;
	free(e);
}

void
compress_cache_free(struct compress_cache *c)
{
	struct entry *e, *next;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		for (e = c->bucket[i]; e != NULL; e = next) {
			next = e->next;
			entry_drop(c, e);
		}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

size_t
compress_cache_used(struct compress_cache *c)
{
	size_t n;

	if (c == NULL)
		return (0);
	pthread_mutex_lock(&c->mu);
	n = c->used;
	pthread_mutex_unlock(&c->mu);
	return (n);
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return (a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec);
}

/* Was ${e} made from the file version ${sb}? */
static int
same_version(const struct entry *e, const struct stat *sb)
{
	return (e->size == sb->st_size && same_time(&e->mtime, &sb->st_mtim) &&
	    same_time(&e->ctime, &sb->st_ctim));
}

/* The bucket of ${sb}'s file. Can't fail. */
static size_t
bucket_of(const struct stat *sb)
{
	uint64_t h = ((uint64_t)sb->st_dev * 0x9e3779b97f4a7c15ull) ^
	    (uint64_t)sb->st_ino;

	h ^= h >> 29;
	return ((size_t)((h * 0xbf58476d1ce4e5b9ull) >> 54)); /* < 1024 */
}

/* The link that points at the entry of ${sb}'s file (or at NULL). */
static struct entry **
slot_of(struct compress_cache *c, const struct stat *sb)
{
	struct entry **pp;

	for (pp = &c->bucket[bucket_of(sb)]; *pp != NULL &&
	     ((*pp)->dev != sb->st_dev || (*pp)->ino != sb->st_ino);
	     pp = &(*pp)->next)
		;
	return (pp);
}

/* Takes a reference to ${e}'s copy in ${want} into *${out}: 1, or 0 if it
** has none. Under the lock. */
static int
lend(struct entry *e, enum compress_coding want, struct compress_blob **out)
{
	if (e->blob[want] == NULL)
		return (0);
	atomic_fetch_add(&e->blob[want]->refs, 1);
	*out = e->blob[want];
	return (1);
}

/*
** Reads the ${n} bytes of ${fd} and checks that the file is still the
** version ${sb}. Returns them in a new buffer, or NULL (*${oom} set if
** for want of memory; unset if the file is short, changed or unreadable).
*/
static unsigned char *
read_version(int fd, const struct stat *sb, size_t n, int *oom)
{
	unsigned char *p;
	struct stat now;
	size_t got = 0;
	ssize_t r;

	if ((p = malloc(n)) == NULL) {
		*oom = 1;
		return (NULL);
	}
	while (got < n) {
		r = pread(fd, p + got, n - got, (off_t)got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	if (fstat(fd, &now) == -1 || now.st_size != sb->st_size ||
	    !same_time(&now.st_mtim, &sb->st_mtim) ||
	    !same_time(&now.st_ctim, &sb->st_ctim))
		goto fail;
	return (p);
fail:
	free(p);
	return (NULL);
}

int
compress_cache_get(struct compress_cache *c, int fd, const struct stat *sb,
    enum compress_coding want, struct compress_blob **out)
{
	struct entry **pp, *e;
	unsigned char *p;
	size_t n, charge;
	int oom = 0, lent;

	*out = NULL;
	if (c == NULL || (want != COMPRESS_BR && want != COMPRESS_GZIP) ||
	    sb->st_size < MIN_SIZE || (uint64_t)sb->st_size > c->max_file)
		return (0);
	n = (size_t)sb->st_size;
	pthread_mutex_lock(&c->mu);
	pp = slot_of(c, sb);
	if ((e = *pp) != NULL) {
		if (e->state == ENTRY_PENDING) { /* being made: not again */
			pthread_mutex_unlock(&c->mu);
			return (0);
		}
		if (same_version(e, sb)) {
			lent = lend(e, want, out);
			pthread_mutex_unlock(&c->mu);
			return (lent);
		}
		*pp = e->next; /* the file changed: its old copies go */
		entry_drop(c, e);
	}
	charge = sizeof(*e) + 2 * (sizeof(struct compress_blob) + n);
	if (c->budget - c->used < charge ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		if (!c->warned && c->budget - c->used < charge)
			log_warn("static files: --compress-cache (%zu bytes) "
				 "is full: files not yet compressed go out "
				 "uncompressed",
			    c->budget);
		c->warned |= c->budget - c->used < charge;
		pthread_mutex_unlock(&c->mu);
		return (0);
	}
	e->dev = sb->st_dev;
	e->ino = sb->st_ino;
	e->size = sb->st_size;
	e->mtime = sb->st_mtim;
	e->ctime = sb->st_ctim;
	e->state = ENTRY_PENDING;
	e->charge = charge;
	c->used += charge;
	e->next = c->bucket[bucket_of(sb)];
	c->bucket[bucket_of(sb)] = e;
	pthread_mutex_unlock(&c->mu);

	/* the slow part, outside the lock */
	if ((p = read_version(fd, sb, n, &oom)) != NULL) {
		e->blob[COMPRESS_GZIP] = gzip_blob(p, n, 9, &oom);
		e->blob[COMPRESS_BR] =
		    brotli_blob(p, n, BROTLI_MAX_QUALITY, &oom);
		free(p);
	}

	pthread_mutex_lock(&c->mu);
	if (p == NULL || oom) {
		/* not kept: a later request tries again */
		if (oom)
			log_warn("static files: out of memory compressing a "
				 "file of %zu bytes; it goes out uncompressed",
			    n);
		for (pp = slot_of(c, sb); *pp != e; pp = &(*pp)->next)
			;
		*pp = e->next;
		entry_drop(c, e);
		pthread_mutex_unlock(&c->mu);
		return (0);
	}
	charge = sizeof(*e);
	for (n = 0; n < 3; n++)
		if (e->blob[n] != NULL)
			charge += sizeof(struct compress_blob) + e->blob[n]->n;
	c->used = c->used - e->charge + charge;
	e->charge = charge;
	e->state = ENTRY_READY;
	lent = lend(e, want, out);
	pthread_mutex_unlock(&c->mu);
	return (lent);
}
