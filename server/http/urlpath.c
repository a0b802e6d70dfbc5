/*
** Path and query decoding (urlpath.h).
*/
#include "urlpath.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

/* Decodes %HH at p[i] (p[i] == '%'). Returns the byte or -1. */
static int
pct(const char *p, size_t n, size_t i)
{
	int hi, lo;

	if (n < 3 || i > n - 3)
		return (-1);
	if ((hi = hex_digit((unsigned char)p[i + 1])) < 0 ||
	    (lo = hex_digit((unsigned char)p[i + 2])) < 0)
		return (-1);
	return (hi << 4 | lo);
}

int
urlpath_parse(const char *p, size_t n, struct urlpath *up)
{
	return (urlpath_parse_ex(p, n, up, 0));
}

int
urlpath_parse_ex(const char *p, size_t n, struct urlpath *up, unsigned flags)
{
	size_t i, start, len;
	char *w;
	int c, rc;

	memset(up, 0, sizeof(*up));
	if (n == 0 || n > URLPATH_MAX_LEN || p[0] != '/')
		return (URLPATH_MALFORMED);
	if ((up->mem = malloc(n + 1)) == NULL)
		return (URLPATH_MALFORMED);
	w = up->mem;
	i = 1;
	while (i < n) {
		if (up->nseg == URLPATH_MAX_SEGS) {
			rc = URLPATH_MALFORMED;
			goto fail;
		}
		start = (size_t)(w - up->mem);
		while (i < n && p[i] != '/') {
			c = (unsigned char)p[i];
			if (c == '%') {
				if ((c = pct(p, n, i)) < 0) {
					rc = URLPATH_MALFORMED;
					goto fail;
				}
				i += 3;
			} else
				i++;
			if (c == '/' && (flags & URLPATH_SLASH_OK))
				up->slashed = 1;
			else if (c < 0x20 || c == 0x7f || c == '/' ||
			    c == '\\') {
				rc = URLPATH_UNSAFE;
				goto fail;
			}
			*w++ = (char)c;
		}
		len = (size_t)(w - up->mem) - start;
		if (i < n && p[i] == '/' && len == 0) {
			rc = URLPATH_UNSAFE; /* "//" */
			goto fail;
		}
		if (len == 0)
			break; /* p ends in '/': nothing follows */
		if ((len == 1 && up->mem[start] == '.') ||
		    (len == 2 && up->mem[start] == '.' &&
			up->mem[start + 1] == '.')) {
			rc = URLPATH_UNSAFE;
			goto fail;
		}
		*w++ = '\0';
		up->seg[up->nseg] = up->mem + start;
		up->seglen[up->nseg] = len;
		up->nseg++;
		if (i < n && p[i] == '/') {
			i++;
			if (i == n)
				up->trailing_slash = 1;
		}
	}
	*w = '\0';
	return (URLPATH_OK);
fail:
	urlpath_free(up);
	return (rc);
}

void
urlpath_free(struct urlpath *up)
{
	free(up->mem);
	memset(up, 0, sizeof(*up));
}

int
url_decode_component(const char *p, size_t n, struct buf *out)
{
	size_t i;
	int c;
	char ch;

	for (i = 0; i < n;) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if ((c = pct(p, n, i)) < 0 || c == 0)
				return (-1);
			i += 3;
		} else {
			if (c == '+')
				c = ' ';
			i++;
		}
		ch = (char)c;
		if (buf_append(out, &ch, 1) == -1)
			return (-1);
	}
	return (0);
}
