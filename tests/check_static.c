/*
** Compressed static files (compress.h, static.c): the Accept-Encoding
** reader on its own; the cache of compressed copies on its own (what it
** makes decodes to the file, a changed file is made again, the size
** limit, the budget); and the built server over real HTTP, as a phone's
** browser meets it: the coding negotiated (br, gzip, refusals, "*", no
** header), the decoded bytes equal the file, Content-Length, an ETag per
** coding and 304s with each, Vary, HEAD, Range answered from the file
** itself, a file changed on disk, a missing file, files that are not
** text, a stale or fresh .gz beside a file, and the settings that turn
** it off or bound it.
*/
#include <brotli/decode.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compress.h"
#include "testutil.h"

/* ---------------------------------------------------------------------
** Helpers
*/

static char www[700];  /* ${tu_base}/www: the webroot */
static char node[700]; /* ${tu_base}/node */
static struct tu_server srv;
static int srv_up;

/* ${n} bytes of text that compress well but not to nothing: lines of a
** page's script, numbered. In a new buffer. */
static char *
text_of(size_t n, const char *word)
{
	char *p = malloc(n + 1);
	size_t used = 0;
	int k = 0, w;

	ck_assert_ptr_nonnull(p);
	while (used < n) {
		w = snprintf(p + used, n + 1 - used,
		    "export const %s_%d = t('%s.line_%d'); // %d\n", word, k,
		    word, k * 7 % 13, k);
		used += (size_t)w < n + 1 - used ? (size_t)w : n - used;
		k++;
	}
	p[n] = '\0';
	return (p);
}

static void
put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* Sets ${name}'s modification time ${secs} seconds from now. */
static void
age(const char *dir, const char *name, int secs)
{
	struct timespec ts[2];
	char path[1024];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += secs;
	ts[1] = ts[0];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* ${p} (${n} bytes) decoded from ${coding} ("gzip", "br"); its length in
** *${out_n}. Fails the test if it does not decode. */
static char *
decode(const char *coding, const char *p, size_t n, size_t want, size_t *out_n)
{
	char *out = malloc(want + 1);
	size_t got = want + 1;
	z_stream z;

	ck_assert_ptr_nonnull(out);
	if (strcmp(coding, "br") == 0) {
		ck_assert_int_eq(BrotliDecoderDecompress(n, (const uint8_t *)p,
				     &got, (uint8_t *)out),
		    BROTLI_DECODER_RESULT_SUCCESS);
	} else {
		ck_assert_str_eq(coding, "gzip");
		memset(&z, 0, sizeof(z));
		ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (Bytef *)p;
		z.avail_in = (uInt)n;
		z.next_out = (Bytef *)out;
		z.avail_out = (uInt)(want + 1);
		ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
		got = z.total_out;
		inflateEnd(&z);
	}
	*out_n = got;
	return (out);
}

/* ${p} (${n} bytes) decodes from ${coding} to exactly ${file} (${fn}). */
static void
decodes_to(
    const char *coding, const void *p, size_t n, const char *file, size_t fn)
{
	size_t got;
	char *d = decode(coding, p, n, fn, &got);

	ck_assert_uint_eq(got, fn);
	ck_assert_msg(memcmp(d, file, fn) == 0, "decoded bytes differ");
	free(d);
}

/* ---------------------------------------------------------------------
** compress_pick(): Accept-Encoding
*/

static const struct {
	const char *ae; /* NULL: no header */
	unsigned offered;
	enum compress_coding want;
} picks[] = {
	{ NULL, COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_IDENTITY },
	{ "", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_IDENTITY },
	{ "gzip", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_GZIP },
	{ "br", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_BR },
	/* what Chromium sends: Brotli, the smaller */
	{ "gzip, deflate, br, zstd", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_BR },
	{ "gzip, deflate, br, zstd", COMPRESS_OFFER_GZIP, COMPRESS_GZIP },
	{ "br", COMPRESS_OFFER_GZIP, COMPRESS_IDENTITY },
	{ "gzip;q=0", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ "gzip ; q=0, br;q=0.000", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ "br;q=0, gzip", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_GZIP },
	{ "br;q=0.5, gzip;q=0.8", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_GZIP },
	{ "br;q=0.001", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_BR },
	{ "*", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_BR },
	{ "*;q=0", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_IDENTITY },
	{ "br;q=0, *", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_GZIP },
	{ "*, gzip;q=0", COMPRESS_OFFER_GZIP, COMPRESS_IDENTITY },
	{ "identity;q=1, br;q=0.5", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ "identity;q=0.1, br", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_BR },
	{ "GZIP", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_GZIP },
	{ "x-gzip", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP, COMPRESS_GZIP },
	{ "deflate, compress", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ "gzipx, brotli", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	/* a malformed weight leaves its coding out */
	{ "br;q=1.5, gzip;q=abc", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ "br;q=, gzip", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_GZIP },
	/* named twice: the refusal holds */
	{ "br, br;q=0", COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP,
	    COMPRESS_IDENTITY },
	{ " , ,br ;level=5;q=1", COMPRESS_OFFER_BR, COMPRESS_BR },
};

START_TEST(test_pick)
{
	const char *ae = picks[_i].ae;

	ck_assert_msg(compress_pick(ae, ae ? strlen(ae) : 0,
			  picks[_i].offered) == picks[_i].want,
	    "Accept-Encoding \"%s\" (offered %u): not %d", ae ? ae : "(none)",
	    picks[_i].offered, picks[_i].want);
}
END_TEST

/* The reader stops at the length it is given, not at a NUL. */
START_TEST(test_pick_bounded)
{
	const char ae[] = "gzip;q=0, br";

	ck_assert_int_eq(
	    compress_pick(ae, 8, COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP),
	    COMPRESS_IDENTITY); /* "gzip;q=0" */
	ck_assert_int_eq(
	    compress_pick(ae, 4, COMPRESS_OFFER_BR | COMPRESS_OFFER_GZIP),
	    COMPRESS_GZIP); /* "gzip" */
}
END_TEST

/* ---------------------------------------------------------------------
** The cache on its own
*/

/* Opens ${tu_base}/${name} and fstats it into ${sb}. */
static int
open_stat(const char *name, struct stat *sb)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tu_base, name);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, sb), 0);
	return (fd);
}

/* ${c}'s copy of ${name} in ${coding} decodes to ${want} (${n} bytes). */
static void
cache_decodes(struct compress_cache *c, const char *name,
    enum compress_coding coding, const char *want, size_t n)
{
	struct compress_blob *b;
	struct stat sb;
	const void *p;
	size_t bn;
	int fd = open_stat(name, &sb);

	ck_assert_int_eq(compress_cache_get(c, fd, &sb, coding, &b), 1);
	p = compress_blob_data(b, &bn);
	ck_assert_uint_lt(bn, n / 2);
	decodes_to(compress_name(coding), p, bn, want, n);
	compress_blob_release(b);
	close(fd);
}

START_TEST(test_cache_decodes_and_follows_changes)
{
	struct compress_cache *c = compress_cache_new(1 << 20, 1 << 20);
	char *a = text_of(20000, "first"), *b = text_of(30000, "second");
	struct compress_blob *held, *again;
	struct stat sb;
	size_t used;
	int fd;

	ck_assert_ptr_nonnull(c);
	put(tu_base, "app.js", a, 20000);
	cache_decodes(c, "app.js", COMPRESS_BR, a, 20000);
	cache_decodes(c, "app.js", COMPRESS_GZIP, a, 20000);
	used = compress_cache_used(c);
	ck_assert_uint_gt(used, 0);
	ck_assert_uint_lt(used, 20000);

	/* made once: the same copy again, nothing more held */
	fd = open_stat("app.js", &sb);
	ck_assert_int_eq(compress_cache_get(c, fd, &sb, COMPRESS_BR, &held), 1);
	ck_assert_int_eq(
	    compress_cache_get(c, fd, &sb, COMPRESS_BR, &again), 1);
	ck_assert_ptr_eq(held, again);
	compress_blob_release(again);
	ck_assert_uint_eq(compress_cache_used(c), used);
	close(fd);

	/* changed on disk: made again from the new bytes; the old copy a
	** response still holds stays whole */
	put(tu_base, "app.js", b, 30000);
	cache_decodes(c, "app.js", COMPRESS_BR, b, 30000);
	{
		size_t hn;
		const void *hp = compress_blob_data(held, &hn);

		decodes_to("br", hp, hn, a, 20000);
	}
	compress_blob_release(held);
	compress_cache_free(c);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_cache_limits)
{
	/* room for one 20 kB file's worst case (twice it) and no more */
	struct compress_cache *c = compress_cache_new(41000, 25000);
	char *a = text_of(20000, "one"), *b = text_of(20000, "two");
	char *big = text_of(30000, "big"), tiny[] = "tiny\n";
	struct compress_blob *out;
	struct stat sb;
	int fd;

	put(tu_base, "a.js", a, 20000);
	put(tu_base, "b.js", b, 20000);
	put(tu_base, "big.js", big, 30000);
	put(tu_base, "tiny.js", tiny, strlen(tiny));
	cache_decodes(c, "a.js", COMPRESS_GZIP, a, 20000);
	/* the budget is spent: b.js goes out as it is */
	fd = open_stat("b.js", &sb);
	ck_assert_int_eq(compress_cache_get(c, fd, &sb, COMPRESS_BR, &out), 0);
	ck_assert_ptr_null(out);
	close(fd);
	ck_assert_uint_le(compress_cache_used(c), 41000);
	/* over --compress-max-file, and too small to be worth it */
	fd = open_stat("big.js", &sb);
	ck_assert_int_eq(compress_cache_get(c, fd, &sb, COMPRESS_BR, &out), 0);
	close(fd);
	fd = open_stat("tiny.js", &sb);
	ck_assert_int_eq(compress_cache_get(c, fd, &sb, COMPRESS_BR, &out), 0);
	close(fd);
	/* no cache (--compress-cache 0) compresses nothing */
	fd = open_stat("a.js", &sb);
	ck_assert_int_eq(
	    compress_cache_get(NULL, fd, &sb, COMPRESS_BR, &out), 0);
	close(fd);
	compress_cache_free(c);
	compress_cache_free(NULL);
	compress_blob_release(NULL);
	free(a);
	free(b);
	free(big);
}
END_TEST

/* Bytes that do not get smaller are kept as they are. */
START_TEST(test_cache_incompressible)
{
	struct compress_cache *c = compress_cache_new(1 << 20, 1 << 20);
	struct compress_blob *out;
	unsigned char noise[4096];
	struct stat sb;
	uint32_t x = 2463534242u;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(noise); i++) { /* xorshift */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		noise[i] = (unsigned char)x;
	}
	put(tu_base, "noise.txt", noise, sizeof(noise));
	fd = open_stat("noise.txt", &sb);
	ck_assert_int_eq(compress_cache_get(c, fd, &sb, COMPRESS_BR, &out), 0);
	ck_assert_int_eq(
	    compress_cache_get(c, fd, &sb, COMPRESS_GZIP, &out), 0);
	close(fd);
	compress_cache_free(c);
}
END_TEST

/* ---------------------------------------------------------------------
** Over HTTP
*/

#define JS_SIZE 24000
static char *js; /* www/app.js */

/* A node and a webroot: a script, a page, an image, a tiny file. */
static void
make_site(void)
{
	char out[512];
	char *argv[] = { (char *)(getenv("TRIBUTARY_BIN") ?: "./tributary"),
		"init", "--data", node, NULL };
	const unsigned char png[200] = { 0x89, 'P', 'N', 'G' };
	char *page = text_of(6000, "page");

	tu_base_setup();
	snprintf(www, sizeof(www), "%s/www", tu_base);
	snprintf(node, sizeof(node), "%s/node", tu_base);
	ck_assert_int_eq(mkdir(www, 0755), 0);
	ck_assert_int_eq(tu_run(argv, out, sizeof(out)), 0);
	js = text_of(JS_SIZE, "app");
	put(www, "app.js", js, JS_SIZE);
	put(www, "index.html", page, 6000);
	put(www, "logo.png", png, sizeof(png));
	put(www, "tiny.css", "p{}\n", 4);
	free(page);
}

static void
serve(const char *const *extra)
{
	const char *base[12] = { "--webroot", www, "--log-requests", "0" };
	size_t i;

	for (i = 0; extra != NULL && extra[i] != NULL && i < 7; i++)
		base[4 + i] = extra[i];
	ck_assert_msg(tu_server_start(&srv, node, base) == 0,
	    "server did not start (log in %s)", srv.errlog);
	srv_up = 1;
}

static void
setup_site(void)
{
	make_site();
	serve(NULL);
}

static void
teardown_site(void)
{
	int rc = srv_up ? tu_server_stop(&srv) : 0;

	srv_up = 0;
	free(js);
	js = NULL;
	tu_base_teardown();
	ck_assert_msg(rc == 0, "server exit status %d", rc);
}

/* GET (or ${method}) ${path} with the request headers ${h...} (NULL-ended). */
static void
fetch(const char *method, const char *path, struct tu_resp *r,
    const char *const *h)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", srv.base, path);
	ck_assert_msg(tu_http(NULL, method, url, h, NULL, 0, r) == 0,
	    "%s %s: transport error", method, path);
}

/*
** GET /app.js with "Accept-Encoding: ${ae}" (NULL: none) answers 200 in
** ${coding} ("" for the file itself), whose bytes decode to the file and
** are as long as Content-Length says; returns the ETag (caller frees).
*/
static char *
get_js(const char *ae, const char *coding)
{
	char hdr[256], *etag, len[32];
	const char *h[] = { hdr, NULL };
	struct tu_resp r;

	snprintf(hdr, sizeof(hdr), "Accept-Encoding: %s", ae ? ae : "");
	fetch("GET", "/app.js", &r, ae ? h : NULL);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", coding[0] ? coding : NULL);
	tu_expect_header(&r, "Vary", "Accept-Encoding");
	tu_expect_header(&r, "Content-Type", "text/javascript; charset=utf-8");
	snprintf(len, sizeof(len), "%zu", r.n);
	tu_expect_header(&r, "Content-Length", len);
	if (coding[0]) {
		ck_assert_uint_lt(r.n, JS_SIZE / 3);
		decodes_to(coding, r.body, r.n, js, JS_SIZE);
		tu_expect_header(&r, "Accept-Ranges", NULL);
	} else {
		ck_assert_uint_eq(r.n, JS_SIZE);
		ck_assert(memcmp(r.body, js, JS_SIZE) == 0);
		tu_expect_header(&r, "Accept-Ranges", "bytes");
	}
	etag = tu_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag);
	tu_resp_free(&r);
	return (etag);
}

static const struct {
	const char *ae;
	const char *coding;
} negotiated[] = {
	{ NULL, "" },
	{ "gzip", "gzip" },
	{ "br", "br" },
	{ "gzip, deflate, br, zstd", "br" },
	{ "gzip;q=0", "" },
	{ "gzip;q=0, br;q=0", "" },
	{ "br;q=0, gzip", "gzip" },
	{ "*", "br" },
	{ "*;q=0", "" },
	{ "identity", "" },
};

START_TEST(test_http_negotiated)
{
	free(get_js(negotiated[_i].ae, negotiated[_i].coding));
	/* the second time from the cache, the same */
	free(get_js(negotiated[_i].ae, negotiated[_i].coding));
}
END_TEST

/* A 304 with each coding's own ETag; another coding's ETag does not make
** a 304 for this one. */
START_TEST(test_http_etags_304)
{
	char *plain = get_js(NULL, ""), *gz = get_js("gzip", "gzip");
	char *br = get_js("br, gzip", "br"), inm[256], ae[64];
	const char *h[] = { inm, ae, NULL };
	struct tu_resp r;
	const struct {
		const char *etag, *ae;
		long status;
	} cases[] = {
		{ plain, "identity", 304 },
		{ gz, "gzip", 304 },
		{ br, "gzip, br", 304 },
		{ br, "gzip", 200 },
		{ gz, "br", 200 },
		{ plain, "br", 200 },
	};
	size_t i;

	ck_assert_str_ne(plain, gz);
	ck_assert_str_ne(plain, br);
	ck_assert_str_ne(gz, br);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", cases[i].etag);
		snprintf(ae, sizeof(ae), "Accept-Encoding: %s", cases[i].ae);
		fetch("GET", "/app.js", &r, h);
		ck_assert_msg(r.status == cases[i].status,
		    "%s with %s: %ld, not %ld", cases[i].ae, cases[i].etag,
		    r.status, cases[i].status);
		tu_expect_header(&r, "Vary", "Accept-Encoding");
		if (r.status == 304) {
			ck_assert_uint_eq(r.n, 0);
			tu_expect_header(&r, "ETag", cases[i].etag);
			tu_expect_header(&r, "Cache-Control", "no-cache");
		}
		tu_resp_free(&r);
	}
	free(plain);
	free(gz);
	free(br);
}
END_TEST

START_TEST(test_http_head)
{
	const char *h[] = { "Accept-Encoding: gzip, br", NULL };
	struct tu_resp r, g;
	char *len;

	fetch("GET", "/app.js", &g, h);
	fetch("HEAD", "/app.js", &r, h);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.n, 0);
	tu_expect_header(&r, "Content-Encoding", "br");
	len = tu_header(&g, "Content-Length");
	tu_expect_header(&r, "Content-Length", len);
	free(len);
	len = tu_header(&g, "ETag");
	tu_expect_header(&r, "ETag", len);
	free(len);
	tu_resp_free(&r);
	tu_resp_free(&g);
}
END_TEST

/* A Range gets bytes of the file itself, never of a coded copy. */
START_TEST(test_http_range)
{
	const char *h[] = { "Accept-Encoding: gzip, br", "Range: bytes=100-199",
		NULL };
	const char *past[] = { "Accept-Encoding: br", "Range: bytes=99999-",
		NULL };
	struct tu_resp r;

	fetch("GET", "/app.js", &r, h);
	ck_assert_int_eq(r.status, 206);
	tu_expect_header(&r, "Content-Encoding", NULL);
	tu_expect_header(&r, "Content-Range", "bytes 100-199/24000");
	ck_assert_uint_eq(r.n, 100);
	ck_assert(memcmp(r.body, js + 100, 100) == 0);
	tu_resp_free(&r);
	fetch("GET", "/app.js", &r, past);
	ck_assert_int_eq(r.status, 416);
	tu_expect_header(&r, "Content-Range", "bytes */24000");
	tu_resp_free(&r);
}
END_TEST

/* Not text, too small, missing: as they are, or a 404. */
START_TEST(test_http_not_coded)
{
	const char *h[] = { "Accept-Encoding: gzip, br", NULL };
	struct tu_resp r;

	fetch("GET", "/logo.png", &r, h);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	ck_assert_uint_eq(r.n, 200);
	tu_resp_free(&r);
	fetch("GET", "/tiny.css", &r, h);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	ck_assert_str_eq(r.body, "p{}\n");
	tu_resp_free(&r);
	fetch("GET", "/missing.js", &r, h);
	ck_assert_int_eq(r.status, 404);
	tu_expect_header(&r, "Content-Encoding", NULL);
	ck_assert_ptr_nonnull(strstr(r.body, "\"not_found\""));
	tu_resp_free(&r);
	/* the page, by its folder's name */
	fetch("GET", "/", &r, h);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", "br");
	tu_expect_header(&r, "Content-Type", "text/html; charset=utf-8");
	tu_resp_free(&r);
}
END_TEST

/* A file changed while the node runs goes out as it is now. */
START_TEST(test_http_changed_file)
{
	char *old = get_js("br", "br"), *now;

	free(js);
	js = text_of(JS_SIZE, "changed");
	put(www, "app.js", js, JS_SIZE);
	age(www, "app.js", 5); /* a new mtime even on a coarse clock */
	now = get_js("br", "br");
	ck_assert_str_ne(old, now);
	free(old);
	free(now);
}
END_TEST

/* A precompressed .gz beside the file serves gzip; a stale one (older
** than the file) is passed over for the node's own copy. */
START_TEST(test_http_gz_sibling)
{
	char *gz = text_of(JS_SIZE, "sibling"), *etag;
	char path[1024];
	char *argv[] = { "gzip", "-k", "-f", "-n", path, NULL };
	size_t n;
	char *sib;

	snprintf(path, sizeof(path), "%s/s.js", www);
	put(www, "s.js", gz, JS_SIZE);
	ck_assert_int_eq(tu_run(argv, NULL, 0), 0);
	snprintf(path, sizeof(path), "%s/s.js.gz", www);
	sib = tu_slurp(path, &n);
	{
		const char *h[] = { "Accept-Encoding: gzip, br;q=0", NULL };
		struct tu_resp r;

		fetch("GET", "/s.js", &r, h);
		ck_assert_int_eq(r.status, 200);
		tu_expect_header(&r, "Content-Encoding", "gzip");
		ck_assert_uint_eq(r.n, n);
		ck_assert(memcmp(r.body, sib, n) == 0);
		etag = tu_header(&r, "ETag");
		ck_assert_ptr_nonnull(strstr(etag, "-gz\""));
		free(etag);
		tu_resp_free(&r);

		age(www, "s.js", 60); /* now the .gz is older */
		fetch("GET", "/s.js", &r, h);
		tu_expect_header(&r, "Content-Encoding", "gzip");
		decodes_to("gzip", r.body, r.n, gz, JS_SIZE);
		etag = tu_header(&r, "ETag");
		ck_assert_ptr_nonnull(strstr(etag, "-gzip\""));
		free(etag);
		tu_resp_free(&r);
	}
	free(sib);
	free(gz);
}
END_TEST

/* --compress-cache 0: nothing compressed; --compress-max-file under the
** script's size: the script goes out whole, the page compressed. */
START_TEST(test_http_settings)
{
	const char *off[] = { "--compress-cache", "0", NULL };
	const char *small[] = { "--compress-max-file", "10000", NULL };
	const char *h[] = { "Accept-Encoding: br, gzip", NULL };
	struct tu_resp r;

	make_site();
	serve(off);
	free(get_js("br, gzip", ""));
	ck_assert_int_eq(tu_server_stop(&srv), 0);
	serve(small);
	free(get_js("br, gzip", ""));
	fetch("GET", "/index.html", &r, h);
	tu_expect_header(&r, "Content-Encoding", "br");
	tu_resp_free(&r);
	fetch("GET", "/metrics", &r, NULL);
	ck_assert_ptr_nonnull(
	    strstr(r.body, "tributary_compress_cache_bytes "));
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_http_help)
{
	const char *args[] = { "serve", "--help", NULL };
	char out[32768];

	tu_cli(out, sizeof(out), args);
	ck_assert_ptr_nonnull(strstr(out, "--compress-cache"));
	ck_assert_ptr_nonnull(strstr(out, "--compress-max-file"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("static");
	TCase *tc;

	tc = tcase_create("pick");
	tcase_add_loop_test(tc, test_pick, 0, sizeof(picks) / sizeof(picks[0]));
	tcase_add_test(tc, test_pick_bounded);
	tcase_add_test(tc, test_http_help);
	suite_add_tcase(s, tc);

	tc = tcase_create("cache");
	tcase_add_checked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_test(tc, test_cache_decodes_and_follows_changes);
	tcase_add_test(tc, test_cache_limits);
	tcase_add_test(tc, test_cache_incompressible);
	suite_add_tcase(s, tc);

	tc = tcase_create("http");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_site, teardown_site);
	tcase_add_loop_test(tc, test_http_negotiated, 0,
	    sizeof(negotiated) / sizeof(negotiated[0]));
	tcase_add_test(tc, test_http_etags_304);
	tcase_add_test(tc, test_http_head);
	tcase_add_test(tc, test_http_range);
	tcase_add_test(tc, test_http_not_coded);
	tcase_add_test(tc, test_http_changed_file);
	tcase_add_test(tc, test_http_gz_sibling);
	suite_add_tcase(s, tc);

	tc = tcase_create("settings");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown_site);
	tcase_add_test(tc, test_http_settings);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
