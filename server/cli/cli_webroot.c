/*
** `tributary webroot compress DIR`: writes beside every text file of a
** webroot (pages, scripts, style sheets, catalogs, SVG: static_is_text())
** its Brotli (FILE.br) and gzip (FILE.gz) copies at the best quality,
** which the node serves as they are (static.c) instead of making them on
** a first request. The build runs it on the webroot it makes, so the
** first visitor after a start waits for no compression (Brotli's best
** takes a fifth of a second for the style sheet) and the node's cache of
** copies (--compress-cache) is left for files that have none.
**
** A copy is written only where it is smaller than the file and only when
** it is missing or older than the file, so a second run costs a stat per
** file; a copy whose file is gone is removed. Each copy is written whole
** or not at all (text_write_file). Dotfiles are left alone, as the node
** never serves them.
*/
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compress.h"
#include "http.h"
#include "text.h"

static const char webroot_usage[] =
    "usage: tributary webroot compress DIR\n"
    "\n"
    "compress  write FILE.br and FILE.gz (best quality) beside every text\n"
    "          file of the webroot DIR, where smaller than the file and\n"
    "          missing or older than it; remove copies whose file is gone.\n"
    "          The node serves them as they are. The build runs it.\n";

/* The largest file compressed: a webroot's files are tens of KB. */
#define WEBROOT_MAX_FILE (16u << 20)

static struct {
	unsigned written, kept, removed, failed;
} tally;

/* Does ${path} end in ${suffix}? */
static int
ends_with(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return (n >= m && strcmp(path + n - m, suffix) == 0);
}

/* The length of the webroot's own path, which any name may have. */
static size_t rootlen;

/* Is some part of ${path} below the webroot a dotfile? */
static int
hidden(const char *path)
{
	return (strlen(path) > rootlen && strstr(path + rootlen, "/.") != NULL);
}

/* Is there at ${out} a copy no older than the file ${sb}? */
static int
fresh(const char *out, const struct stat *sb)
{
	struct stat osb;

	return (stat(out, &osb) == 0 &&
	    (osb.st_mtim.tv_sec > sb->st_mtim.tv_sec ||
		(osb.st_mtim.tv_sec == sb->st_mtim.tv_sec &&
		    osb.st_mtim.tv_nsec >= sb->st_mtim.tv_nsec)));
}

/* Writes the copy in ${c} of a file's ${n} bytes at ${data} to ${out}. */
static void
write_copy(const char *data, size_t n, enum compress_coding c, const char *out)
{
	struct compress_blob *b;
	struct err e = { 0 };
	const void *p;
	size_t m;

	if ((b = compress_bytes_best(c, data, n)) == NULL) {
		/* no smaller: the file goes out as it is, no stale copy */
		if (unlink(out) == 0)
			tally.removed++;
		return;
	}
	p = compress_blob_data(b, &m);
	if (text_write_file(out, p, m, &e) == -1) {
		fprintf(stderr, "tributary webroot: %s\n", e.msg);
		tally.failed++;
	} else
		tally.written++;
	compress_blob_release(b);
}

static int
visit(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char br[4096], gz[4096], *data;
	struct err e = { 0 };
	int fbr, fgz;
	size_t n;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(sb->st_mode) || hidden(path))
		return (0);
	if (ends_with(path, ".gz") || ends_with(path, ".br")) {
		/* the copy of a text file that is gone goes too (an archive
		** such as data.tar.gz is nobody's copy: it stays) */
		snprintf(br, sizeof(br), "%.*s", (int)(strlen(path) - 3), path);
		if (static_is_text(br) && access(br, F_OK) != 0 &&
		    unlink(path) == 0)
			tally.removed++;
		return (0);
	}
	if (!static_is_text(path) || strstr(path, ".tmp.") != NULL)
		return (0);
	if (snprintf(br, sizeof(br), "%s.br", path) >= (int)sizeof(br) ||
	    snprintf(gz, sizeof(gz), "%s.gz", path) >= (int)sizeof(gz))
		return (0);
	fbr = fresh(br, sb);
	fgz = fresh(gz, sb);
	tally.kept += (unsigned)(fbr + fgz);
	if (fbr && fgz)
		return (0);
	if ((size_t)sb->st_size > WEBROOT_MAX_FILE) {
		printf("webroot: %s: over %u bytes, served as it is\n", path,
		    WEBROOT_MAX_FILE);
		return (0);
	}
	if (text_read_file(path, WEBROOT_MAX_FILE, &data, &n, &e) == -1) {
		fprintf(stderr, "tributary webroot: %s\n", e.msg);
		tally.failed++;
		return (0);
	}
	if (!fbr)
		write_copy(data, n, COMPRESS_BR, br);
	if (!fgz)
		write_copy(data, n, COMPRESS_GZIP, gz);
	free(data);
	return (0);
}

/* tributary webroot: 0 done, 1 failed (said on stderr), 2 usage. */
int
cmd_webroot(int argc, char **argv)
{
	char root[PATH_MAX];
	struct stat sb;

	if (argc >= 1 && flag(argc, argv, "--help")) {
		fputs(webroot_usage, stdout);
		return (0);
	}
	if (argc != 2 || strcmp(argv[0], "compress") != 0) {
		fputs(webroot_usage, stderr);
		return (2);
	}
	/* the folder itself, whatever its name: a link to it, a trailing
	** slash */
	if (stat(argv[1], &sb) == -1 || !S_ISDIR(sb.st_mode) ||
	    realpath(argv[1], root) == NULL) {
		fprintf(
		    stderr, "tributary webroot: %s: not a folder\n", argv[1]);
		return (1);
	}
	rootlen = strlen(root);
	if (nftw(root, visit, 16, FTW_PHYS) == -1) {
		perror("tributary webroot");
		return (1);
	}
	printf("webroot %s: %u copies written, %u kept, %u removed%s\n",
	    argv[1], tally.written, tally.kept, tally.removed,
	    tally.failed ? ", some failed" : "");
	return (tally.failed ? 1 : 0);
}
