/*
** Static files from the webroot: the pages, scripts, styles and message
** catalogs. Paths come already decoded and vetted by urlpath.c (no "..",
** no encoded separators, no NUL); here we also refuse any file whose real
** path, after symlinks, lies outside the webroot. ETag/If-None-Match,
** precompressed .gz siblings for clients that accept gzip, long caching for
** file names carrying a content hash (app.3f9a1c2e.js), no-cache otherwise.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http.h"

static const struct {
	const char *ext;
	const char *type;
} mime[] = {
	{ "html", "text/html; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "webmanifest", "application/manifest+json" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "jpg", "image/jpeg" },
	{ "webp", "image/webp" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "wav", "audio/wav" },
	{ "ogg", "audio/ogg" },
	{ "flac", "audio/flac" },
};

static const char *
mime_type(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	if (dot != NULL)
		for (i = 0; i < sizeof(mime) / sizeof(mime[0]); i++)
			if (strcmp(dot + 1, mime[i].ext) == 0)
				return (mime[i].type);
	return ("application/octet-stream");
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

/* Does the client accept gzip? ("gzip;q=0" means no) */
static int
accepts_gzip(const char *ae)
{
	const char *p;

	if (ae == NULL || (p = strstr(ae, "gzip")) == NULL)
		return (0);
	p += 4;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ';')
		return (1);
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=' &&
	    strtod(p + 2, NULL) <= 0)
		return (0);
	return (1);
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

int
static_serve(struct req *r, const char *webroot, const char *const *seg,
    size_t nseg, int trailing_slash)
{
	char root[PATH_MAX], path[PATH_MAX], gz[PATH_MAX + 4], etag[96];
	struct MHD_Response *resp;
	struct stat sb, dsb;
	const char *inm, *name;
	int fd, gzfd, len;
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

	/* A precompressed sibling, if the client takes gzip. */
	if (accepts_gzip(req_header(r, "Accept-Encoding"))) {
		struct stat gsb;
		snprintf(gz, sizeof(gz), "%s.gz", path);
		if ((gzfd = open_inside(root, gz, &gsb)) != -1) {
			close(fd);
			fd = gzfd;
			sb = gsb;
		}
	} else
		gzfd = -1;

	snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"",
	    (unsigned long long)sb.st_size,
	    (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
		(unsigned long long)sb.st_mtim.tv_nsec,
	    gzfd != -1 ? "-gz" : "");
	inm = req_header(r, "If-None-Match");
	if (inm != NULL &&
	    (strstr(inm, etag) != NULL || strcmp(inm, "*") == 0)) {
		close(fd);
		resp = MHD_create_response_from_buffer(
		    0, "", MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return (-1);
		MHD_add_response_header(resp, "ETag", etag);
		MHD_add_response_header(resp, "Vary", "Accept-Encoding");
		return (req_respond(r, 304, resp));
	}
	if ((resp = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd)) ==
	    NULL) {
		close(fd);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", mime_type(name));
	MHD_add_response_header(resp, "ETag", etag);
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	if (gzfd != -1)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	MHD_add_response_header(resp, "Cache-Control",
	    is_hashed(name) ? "public, max-age=31536000, immutable"
			    : "no-cache");
	return (req_respond(r, 200, resp));
}
