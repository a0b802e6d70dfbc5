/*
** File and text helpers for the loaders (text.h).
*/
#include "text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
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
