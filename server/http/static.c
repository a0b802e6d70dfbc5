/*
** Static files from the webroot: the pages, scripts, styles and message
** catalogs. Paths come already decoded and vetted by urlpath.c (no "..",
** no encoded separators, no NUL); here we also refuse any file whose real
** path, after symlinks, lies outside the webroot. ETag/If-None-Match and
** no-cache, but for file names carrying a content hash (app.3f9a1c2e.js):
** those are kept a year as immutable, and their compressed copies go
** without an ETag (never asked for again, it would only cost bytes).
**
** Text (pages, scripts, styles, catalogs, SVG) goes out compressed to a
** client that takes it: Brotli, else gzip, from copies made once per file
** version (compress.h), each coding with its own ETag and every answer
** with Vary: Accept-Encoding. A precompressed .gz or .br beside a file
** (the build writes them for the webroot's text), no older than it, is
** served for gzip or Brotli as it is. The file itself goes out to
** everyone else, with Range (206, 416) as req_file() answers it; a
** request with a Range always gets the file itself, never a coded copy.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compress.h"
#include "http.h"

/* Types by extension; "text" marks the ones worth compressing. */
static const struct {
	const char *ext;
	const char *type;
	int text;
} mime[] = {
	{ "html", "text/html; charset=utf-8", 1 },
	{ "css", "text/css; charset=utf-8", 1 },
	{ "js", "text/javascript; charset=utf-8", 1 },
	{ "mjs", "text/javascript; charset=utf-8", 1 },
	{ "json", "application/json", 1 },
	{ "webmanifest", "application/manifest+json", 1 },
	{ "svg", "image/svg+xml", 1 },
	{ "png", "image/png", 0 },
	{ "jpg", "image/jpeg", 0 },
	{ "webp", "image/webp", 0 },
	{ "ico", "image/x-icon", 0 },
	{ "woff2", "font/woff2", 0 },
	{ "txt", "text/plain; charset=utf-8", 1 },
	{ "md", "text/markdown; charset=utf-8", 1 },
	{ "wav", "audio/wav", 0 },
	{ "ogg", "audio/ogg", 0 },
	{ "flac", "audio/flac", 0 },
};

/* The type of file ${name}, and in *${text} whether it is text. */
static const char *
mime_type(const char *name, int *text)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	*text = 0;
	if (dot != NULL)
		for (i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
			if (strcmp(dot + 1, mime[i].ext) == 0) {
				*text = mime[i].text;
				return (mime[i].type);
			}
	return ("application/octet-stream");
}

int
static_is_text(const char *name)
{
	int text;

	mime_type(name, &text);
	return (text);
}

/* Does the file name carry a content hash: name.<8+ hex>.ext? */
static int
is_hashed(const char *name)
{
	const char *p = strchr(name, '.'), *q;
	size_t n;

	while (p != NULL) {
		q = strchr(p + 1, '.');
		if (q == NULL)
			return (0);
		n = (size_t)(q - p - 1);
		if (n >= 8 && strspn(p + 1, "0123456789abcdef") == n)
			return (1);
		p = q;
	}
	return (0);
}

/* Is ${path}'s real location inside ${root} (a real path)? */
static int
inside(const char *root, const char *path)
{
	char real[PATH_MAX];
	size_t n = strlen(root);

	if (realpath(path, real) == NULL)
		return (0);
	if (n == 1) /* the webroot is "/" */
		return (1);
	return (
	    strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0'));
}

/* Opens ${path} if it is a regular file inside ${root}. -1 if not. */
static int
open_inside(const char *root, const char *path, struct stat *sb)
{
	int fd;

	if (!inside(root, path))
		return (-1);
	/* O_NONBLOCK: a FIFO must not hold this thread waiting for a writer
	** (it is refused just below); regular files ignore it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return (-1);
	if (fstat(fd, sb) == -1 || !S_ISREG(sb->st_mode)) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* ${out} (${n} bytes): the strong ETag of the file version ${sb} as
** coded by ${suffix} ("" for the file itself). */
static void
etag_of(char *out, size_t n, const struct stat *sb, const char *suffix)
{
	snprintf(out, n, "\"%llx-%llx%s\"", (unsigned long long)sb->st_size,
	    (unsigned long long)sb->st_mtim.tv_sec * 1000000000ull +
		(unsigned long long)sb->st_mtim.tv_nsec,
	    suffix);
}

/* Does the If-None-Match value ${inm} (NULL: none) name ${etag}? */
static int
not_modified(const char *inm, const char *etag)
{
	return (inm != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0));
}

/* The Cache-Control of file ${name}: one whose name carries its content's
** hash never changes. */
static const char *
cache_control(const char *name)
{
	return (is_hashed(name) ? "max-age=31536000, immutable" : "no-cache");
}

/* Answers 304 for ${etag} of file ${name}. A handler_fn's contract. */
static int
answer_304(struct req *r, const char *etag, const char *name)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(resp, "Cache-Control", cache_control(name));
	return (req_respond(r, 304, resp));
}

/* Gives a compressed copy back once MHD is done with it. */
static void
blob_sent(void *cls)
{
	compress_blob_release(cls);
}

/*
** Answers 200 with ${fd} (${size} bytes; taken) or, if ${fd} is -1, the
** compressed copy ${blob} (taken), coded in ${c}. A handler_fn's
** contract.
*/
static int
answer_coded(struct req *r, int fd, uint64_t size, struct compress_blob *blob,
    enum compress_coding c, const char *ctype, const char *etag,
    const char *name)
{
	struct MHD_Response *resp;
	const void *p;
	size_t n;

	if (fd != -1) {
		if ((resp = MHD_create_response_from_fd64(size, fd)) == NULL)
			close(fd);
	} else {
		p = compress_blob_data(blob, &n);
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    n, (void *)p, blob_sent, blob);
		if (resp == NULL)
			compress_blob_release(blob);
	}
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Content-Encoding", compress_name(c));
	/* a hashed file is never asked for again: no ETag to send */
	if (!is_hashed(name))
		MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(resp, "Cache-Control", cache_control(name));
	return (req_respond(r, 200, resp));
}

/* Is the file ${gsb} no older than the file ${sb}? */
static int
not_older(const struct stat *gsb, const struct stat *sb)
{
	return (gsb->st_mtim.tv_sec > sb->st_mtim.tv_sec ||
	    (gsb->st_mtim.tv_sec == sb->st_mtim.tv_sec &&
		gsb->st_mtim.tv_nsec >= sb->st_mtim.tv_nsec));
}

/*
** Answers with the file ${path} (open as ${fd}, ${sb}) coded in ${c}, if
** there is such a copy: a precompressed ${path}.gz (gzip) or ${path}.br
** (Brotli) no older than the file (the build writes them: tributary
** webroot compress), else (${text} only) the cache's. Returns 1 with the
** answer (200 or 304) queued and ${fd} closed; 0 if there is no such
** copy, ${fd} left open; -1 if no answer could be queued, ${fd} closed.
*/
static int
serve_coded(struct req *r, const char *root, const char *path, int fd,
    const struct stat *sb, enum compress_coding c, int text, const char *ctype)
{
	const char *inm = req_header(r, "If-None-Match");
	const char *name = strrchr(path, '/') + 1;
	char gz[PATH_MAX + 4], etag[96];
	struct compress_blob *blob;
	struct stat gsb;
	int gzfd = -1;

	if (c == COMPRESS_GZIP || c == COMPRESS_BR) {
		snprintf(gz, sizeof(gz), "%s.%s", path,
		    c == COMPRESS_GZIP ? "gz" : "br");
		gzfd = open_inside(root, gz, &gsb);
	}
	if (gzfd != -1 && not_older(&gsb, sb)) {
		close(fd);
		etag_of(etag, sizeof(etag), &gsb,
		    c == COMPRESS_GZIP ? "-gz" : "-brf");
		if (not_modified(inm, etag)) {
			close(gzfd);
			return (answer_304(r, etag, name) == 0 ? 1 : -1);
		}
		return (answer_coded(r, gzfd, (uint64_t)gsb.st_size, NULL, c,
			    ctype, etag, name) == 0
			? 1
			: -1);
	}
	if (gzfd != -1) /* older than the file: stale, not served */
		close(gzfd);
	if (!text)
		return (0);
	etag_of(etag, sizeof(etag), sb, c == COMPRESS_BR ? "-br" : "-gzip");
	/* The client holds this very copy: no need to look for it. */
	if (not_modified(inm, etag)) {
		close(fd);
		return (answer_304(r, etag, name) == 0 ? 1 : -1);
	}
	if (compress_cache_get(req_compress(r), fd, sb, c, &blob) == 0)
		return (0);
	close(fd);
	return (
	    answer_coded(r, -1, 0, blob, c, ctype, etag, name) == 0 ? 1 : -1);
}

int
static_serve(struct req *r, const char *webroot, const char *const *seg,
    size_t nseg, int trailing_slash)
{
	static const char *const vary[] = { "Vary", "Accept-Encoding", NULL };
	enum compress_coding want[2] = { COMPRESS_IDENTITY, COMPRESS_IDENTITY };
	char root[PATH_MAX], path[PATH_MAX], etag[96];
	const char *ae, *name, *ctype;
	struct stat sb, dsb;
	int fd, len, text, rc;
	unsigned offer;
	size_t i, used;

	if (realpath(webroot, root) == NULL)
		return (req_error(r, 404, "not_found", "nothing is here"));
	used = (size_t)snprintf(path, sizeof(path), "%s", root);
	for (i = 0; i < nseg; i++) {
		if (seg[i][0] == '.') /* no dotfiles: .git, .env */
			return (
			    req_error(r, 404, "not_found", "nothing is here"));
		len = snprintf(path + used, sizeof(path) - used, "/%s", seg[i]);
		if (len < 0 || (size_t)len >= sizeof(path) - used)
			return (
			    req_error(r, 404, "not_found", "nothing is here"));
		used += (size_t)len;
	}
	if (nseg == 0 || trailing_slash ||
	    (stat(path, &dsb) == 0 && S_ISDIR(dsb.st_mode))) {
		len = snprintf(path + used, sizeof(path) - used, "/index.html");
		if (len < 0 || (size_t)len >= sizeof(path) - used)
			return (
			    req_error(r, 404, "not_found", "nothing is here"));
	}
	if ((fd = open_inside(root, path, &sb)) == -1)
		return (req_error(r, 404, "not_found", "nothing is here"));
	name = strrchr(path, '/') + 1;
	ctype = mime_type(name, &text);

	/*
	** The coding the client prefers, then gzip if that was Brotli and
	** there is no copy in it. Text is compressed here; any file may have
	** a precompressed .gz beside it. A Range asks for bytes of the file
	** itself: it gets the file.
	*/
	ae = req_header(r, "Accept-Encoding");
	offer = COMPRESS_OFFER_GZIP | (text ? COMPRESS_OFFER_BR : 0);
	if (ae != NULL && req_header(r, "Range") == NULL) {
		want[0] = compress_pick(ae, strlen(ae), offer);
		if (want[0] == COMPRESS_BR)
			want[1] =
			    compress_pick(ae, strlen(ae), COMPRESS_OFFER_GZIP);
	}
	for (i = 0; i < 2 && want[i] != COMPRESS_IDENTITY; i++)
		if ((rc = serve_coded(
			 r, root, path, fd, &sb, want[i], text, ctype)) != 0)
			return (rc == 1 ? 0 : -1);

	etag_of(etag, sizeof(etag), &sb, "");
	if (not_modified(req_header(r, "If-None-Match"), etag)) {
		close(fd);
		return (answer_304(r, etag, name));
	}
	return (req_file_with(r, fd, (uint64_t)sb.st_size, ctype, etag,
	    cache_control(name), vary));
}
