/*
** Growable byte buffers (see buf.h).
*/
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
buf_reserve(struct buf *b, size_t more)
{
	size_t need, cap;
	char *np;

	if (more > (size_t)-1 - b->n - 1)
		return (-1);
	need = b->n + more + 1;
	if (need <= b->cap)
		return (0);
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if ((np = realloc(b->p, cap)) == NULL)
		return (-1);
	b->p = np;
	b->cap = cap;
	return (0);
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
	return (0);
}

int
buf_puts(struct buf *b, const char *s)
{
	return (buf_append(b, s, strlen(s)));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0 || buf_reserve(b, (size_t)len) == -1)
		return (-1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)len;
	return (0);
}

int
buf_json_str(struct buf *b, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			if (buf_append(b, esc, 2) == -1)
				return (-1);
		} else if (c < 0x20) {
			if (buf_printf(b, "\\u%04x", c) == -1)
				return (-1);
		} else if (buf_append(b, &s[i], 1) == -1)
			return (-1);
	}
	return (0);
}

char *
buf_take(struct buf *b)
{
	char *p = b->p;

	if (p == NULL)
		p = calloc(1, 1);
	b->p = NULL;
	b->n = b->cap = 0;
	return (p);
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}
