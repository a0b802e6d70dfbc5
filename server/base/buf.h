/*
** Length-carrying byte buffers. Every string we build for a response or a
** log line goes through one of these instead of strcat/sprintf into fixed
** arrays. The buffer is always NUL-terminated past n so it can be handed to
** C APIs that want a string.
*/
#ifndef TRIBUTARY_BUF_H
#define TRIBUTARY_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t n, cap;
};

/* Makes room for ${more} more bytes (and the NUL) without changing the
** contents. 0, or -1 if out of memory. */
int buf_reserve(struct buf *b, size_t more);
/* Appends ${n} bytes of ${p}. Returns 0, or -1 if out of memory (buffer
** unchanged). */
int buf_append(struct buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. Same contract as buf_append(). */
int buf_puts(struct buf *b, const char *s);
/* Appends ${v} in decimal, as printf's %lld writes it (the hot paths
** append their numbers without a format string). Same contract. */
int buf_int(struct buf *b, long long v);
/* Writes ${u} in decimal to the bytes just before ${end} (20 at most, no
** NUL) and returns where they begin. Can't fail. */
char *dec_digits(char *end, unsigned long long u);
/* Appends printf-formatted text. Same contract as buf_append(). */
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends the ${n} bytes of ${s} as the inside of a JSON string (escapes
** quotes, backslashes, controls). Returns 0, or -1 if out of memory
** (${b} may hold part of it). */
int buf_json_str(struct buf *b, const char *s, size_t n);
/*
** Appends the ${n} bytes of UTF-8 ${s} as a JSON string, quotes included,
** exactly as jansson's json_dumps() with JSON_ENSURE_ASCII writes it (\n
** and the other short escapes, \u00XX for other controls, \uXXXX and
** surrogate pairs in upper-case hex for everything past ASCII), so an
** answer built here matches one jansson builds. Returns 0, or -1 if ${s}
** is not UTF-8 or memory runs out (${b} may hold part of it).
*/
int buf_json_ascii(struct buf *b, const char *s, size_t n);
/* Hands the bytes to the caller (who frees them) and empties ${b}; an
** empty buffer gives a new "". NULL only if out of memory. */
char *buf_take(struct buf *b);
/* Frees the bytes; the buffer can be reused. buf_free on empty does
** nothing. Can't fail. */
void buf_free(struct buf *b);

#endif
