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

char *
dec_digits(char *end, unsigned long long u)
{
	do
		*--end = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	return (end);
}

int
buf_int(struct buf *b, long long v)
{
	char d[24], *q;

	q = dec_digits(d + sizeof(d),
	    v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
	if (v < 0)
		*--q = '-';
	return (buf_append(b, q, (size_t)(d + sizeof(d) - q)));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	/* Format straight into the room there is (some is made first); only
	** text longer than that is formatted a second time. */
	if (buf_reserve(b, 128) == -1)
		return (-1);
	va_start(ap, fmt);
	len = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	if (len < 0)
		goto fail;
	if ((size_t)len >= b->cap - b->n) {
		if (buf_reserve(b, (size_t)len) == -1)
			goto fail;
		va_start(ap, fmt);
		vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	b->n += (size_t)len;
	return (0);
fail:
	b->p[b->n] = '\0'; /* unchanged, as promised */
	return (-1);
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

/* The code point at ${s} (${n} > 0 bytes) and its length in ${len}; -1 if
** it is not UTF-8 (overlong, a surrogate, past U+10FFFF, cut short). */
static long
utf8_next(const unsigned char *s, size_t n, size_t *len)
{
	long cp, min;
	size_t i, k;

	if (s[0] < 0x80) {
		*len = 1;
		return (s[0]);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		k = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		k = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		k = 4, cp = s[0] & 0x07, min = 0x10000;
	} else
		return (-1);
	if (k > n)
		return (-1);
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (-1);
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (-1);
	*len = k;
	return (cp);
}

int
buf_json_ascii(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	char esc[16];
	long cp;
	int k;

	if (buf_reserve(b, n + 2) == -1 || buf_append(b, "\"", 1) == -1)
		return (-1);
	while (i < n) {
		/* Plain ASCII goes out in runs. */
		for (run = i; i < n && p[i] >= 0x20 && p[i] < 0x80 &&
		     p[i] != '"' && p[i] != '\\';
		     i++)
			;
		if (i > run && buf_append(b, s + run, i - run) == -1)
			return (-1);
		if (i == n)
			break;
		if ((cp = utf8_next(p + i, n - i, &len)) == -1)
			return (-1);
		i += len;
		switch (cp) {
		case '"': k = snprintf(esc, sizeof(esc), "\\\""); break;
		case '\\': k = snprintf(esc, sizeof(esc), "\\\\"); break;
		case '\b': k = snprintf(esc, sizeof(esc), "\\b"); break;
		case '\f': k = snprintf(esc, sizeof(esc), "\\f"); break;
		case '\n': k = snprintf(esc, sizeof(esc), "\\n"); break;
		case '\r': k = snprintf(esc, sizeof(esc), "\\r"); break;
		case '\t': k = snprintf(esc, sizeof(esc), "\\t"); break;
		default:
			if (cp < 0x10000)
				k = snprintf(esc, sizeof(esc), "\\u%04lX", cp);
			else
				k = snprintf(esc, sizeof(esc),
				    "\\u%04lX\\u%04lX",
				    0xd800 | ((cp - 0x10000) >> 10),
				    0xdc00 | ((cp - 0x10000) & 0x3ff));
		}
		if (buf_append(b, esc, (size_t)k) == -1)
			return (-1);
	}
	return (buf_append(b, "\"", 1));
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
