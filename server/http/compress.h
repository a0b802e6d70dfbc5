/*
** Compressed copies of the webroot's text files, for the static-file
** handler (static.c). A phone on a weak link pays for every byte of the
** first visit; the pages, scripts, styles and catalogs shrink three to
** four times under Brotli (every browser takes it over https) or gzip
** (every client there is). Each file is compressed once, on its first
** request, into a cache with a byte budget; the copies are never made
** per request. A file changed on disk (another inode, size, mtime or
** ctime) is compressed again on its next request and the old copies go.
**
** Nothing a stranger sends makes the cache hold more: it holds at most
** one copy per encoding of files that exist in the webroot, within
** --compress-cache bytes; a file that does not fit, or is larger than
** --compress-max-file, goes out as it is. Accept-Encoding is outside
** input: compress_pick() reads it within its length and is fuzzed
** (tests/fuzz/fuzz_accept.c).
*/
#ifndef TRIBUTARY_COMPRESS_H
#define TRIBUTARY_COMPRESS_H

#include <stddef.h>
#include <sys/stat.h>

/* Content codings, in the order the node prefers them (smaller first). */
enum compress_coding {
	COMPRESS_IDENTITY = 0,
	COMPRESS_BR = 1,   /* Brotli, RFC 7932 */
	COMPRESS_GZIP = 2, /* RFC 1952 */
};
#define COMPRESS_OFFER_BR   (1u << COMPRESS_BR)
#define COMPRESS_OFFER_GZIP (1u << COMPRESS_GZIP)

/*
** The coding to answer with, of those in ${offered} (COMPRESS_OFFER_*),
** for the Accept-Encoding value ${p} of ${n} bytes (NULL: no header,
** which gets COMPRESS_IDENTITY): the one with the highest q above 0,
** Brotli before gzip at equal q; "*" stands for a coding not named;
** "x-gzip" is gzip. Reads nothing past ${n}. Can't fail.
*/
enum compress_coding compress_pick(const char *p, size_t n, unsigned offered);
/* The coding's name in Content-Encoding ("br", "gzip"; "" for identity).
** Can't fail. */
const char *compress_name(enum compress_coding c);

struct compress_cache;
struct compress_blob;

/*
** A cache of compressed copies holding at most ${budget} bytes (their
** bytes and their bookkeeping), of files of at most ${max_file} bytes.
** Returns it, or NULL out of memory.
*/
struct compress_cache *compress_cache_new(size_t budget, size_t max_file);
/* Frees ${c}; copies still lent out live until released. NULL does
** nothing. Can't fail. */
void compress_cache_free(struct compress_cache *c);
/*
** The copy of the file open as ${fd} (${sb} its fstat) in coding ${want}
** (COMPRESS_BR or COMPRESS_GZIP): made now if this version of the file
** has none yet. Returns 1 with a reference in *${out} (release it with
** compress_blob_release()), or 0 when the file goes out as it is: it
** does not get smaller, it is over the size limit or the budget, another
** thread is compressing it right now, it changed while being read, or
** memory ran out (logged). Can't fail otherwise.
*/
int compress_cache_get(struct compress_cache *c, int fd, const struct stat *sb,
    enum compress_coding want, struct compress_blob **out);
/* The bytes the cache holds now (for /metrics). Can't fail. */
size_t compress_cache_used(struct compress_cache *c);

/*
** Answers made per request (public JSON documents, respond.c) are coded at
** a quality quick enough for that: Brotli 5, gzip 6 (a millisecond or so
** for the largest, a consent document of 7 KB; Brotli's best quality, for
** the files made once, takes some 20 times longer).
*/
#define COMPRESS_QUICK_BR   5
#define COMPRESS_QUICK_GZIP 6
/*
** ${p} (${n} bytes) coded now in ${c} (COMPRESS_BR or COMPRESS_GZIP) at
** the quick quality: a new blob with one reference (release it with
** compress_blob_release()), or NULL if it would not be smaller, ${c} is
** COMPRESS_IDENTITY, or memory ran out. Never give it a text that holds
** a secret beside anything a client chose (BREACH). Can't fail otherwise.
*/
struct compress_blob *
compress_bytes(enum compress_coding c, const void *p, size_t n);
/*
** As compress_bytes(), at the best quality (Brotli 11, gzip 9), as the
** cache makes its copies: for copies made once and kept, such as the
** build's (tributary webroot compress). Seconds for a megabyte.
*/
struct compress_blob *
compress_bytes_best(enum compress_coding c, const void *p, size_t n);
/* The compressed bytes of ${b} and their count in *${n}. Can't fail. */
const void *compress_blob_data(const struct compress_blob *b, size_t *n);
/* Drops a reference to ${b}, freeing it with the last. NULL does
** nothing. Can't fail. */
void compress_blob_release(struct compress_blob *b);

#endif
