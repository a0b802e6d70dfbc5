/*
** File and text helpers for the loaders (text.h).
*/
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

int
text_read_file(
    const char *path, size_t max, char **out, size_t *n, struct err *e)
{
	char *p = NULL;
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (
		    err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_STORAGE,
			"%s: %s", path, strerror(errno)));
	/* One byte over the cap, so a larger file is noticed. */
	if ((p = malloc(max + 2)) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		goto fail;
	}
	while (got <= max && (r = read(fd, p + got, max + 1 - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_set(
			    e, ERR_STORAGE, "%s: %s", path, strerror(errno));
			goto fail;
		}
		got += (size_t)r;
	}
	if (got > max) {
		err_set(
		    e, ERR_INVALID, "%s:1: larger than %zu bytes", path, max);
		goto fail;
	}
	close(fd);
	p[got] = '\0';
	*out = p;
	*n = got;
	return (0);
fail:
	free(p);
	close(fd);
	return (-1);
}

size_t
utf8_invalid_at(const void *p, size_t n)
{
	const uint8_t *s = p;
	size_t i = 0, k, len;
	uint32_t c;

	while (i < n) {
		if (s[i] == 0)
			return (i);
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			c = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			c = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			c = s[i] & 0x07;
		} else
			return (i);
		if (n - i < len)
			return (i);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (i);
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
		    (len == 4 && c < 0x10000) || c > 0x10ffff ||
		    (c >= 0xd800 && c <= 0xdfff))
			return (i);
		i += len;
	}
	return (n);
}

int
text_line_of(const char *s, size_t n, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off && i < n; i++)
		if (s[i] == '\n')
			line++;
	return (line);
}

void
text_lower_ascii(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
text_write_file(const char *path, const void *p, size_t n, struct err *e)
{
	char tmp[PATH_MAX + 32], dir[PATH_MAX], *slash;
	size_t off = 0;
	ssize_t w;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) ==
	    -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", tmp, strerror(errno)));
	while (off < n) {
		if ((w = write(fd, (const char *)p + off, n - off)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			err_set(e, ERR_STORAGE, "%s: %s", tmp,
			    w == -1 ? strerror(errno) : "short write");
			close(fd);
			unlink(tmp);
			return (-1);
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1 || rename(tmp, path) == -1) {
		err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return (-1);
	}
	/* The rename itself is durable once the folder is. */
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) !=
		    -1) {
			fsync(fd);
			close(fd);
		}
	}
	return (0);
}

size_t
text_line_at(const char *s, size_t n, size_t off, size_t *len)
{
	const char *nl = memchr(s + off, '\n', n - off);
	size_t end = nl != NULL ? (size_t)(nl - s) : n;

	*len = end - off;
	if (*len > 0 && s[end - 1] == '\r')
		(*len)--;
	return (nl != NULL ? end + 1 : n);
}
