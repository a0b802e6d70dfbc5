/*
** Small helpers for the parsers of files we load (consent documents,
** redaction rule packs, the licence table; their YAML is yamldoc.h's):
** reading a whole file with a
** size cap, finding bad UTF-8, and turning a byte offset into a line
** number for error messages.
*/
#ifndef TRIBUTARY_TEXT_H
#define TRIBUTARY_TEXT_H

#include <stddef.h>

#include "err.h"

/*
** Reads all of ${path} into a new NUL-terminated buffer (*${out}, freed by
** the caller) of *${n} bytes. A file over ${max} bytes is refused
** (ERR_INVALID, "PATH:1: larger than MAX bytes"); a missing one is
** ERR_NOT_FOUND; other failures ERR_STORAGE. Returns 0 or -1 with ${e}.
*/
int text_read_file(
    const char *path, size_t max, char **out, size_t *n, struct err *e);
/*
** Writes the ${n} bytes at ${p} to ${path} whole or not at all: a temp
** file beside it (PATH.tmp.PID), fsynced, renamed over it, then the
** folder fsynced. 0, or -1 with ${e} (ERR_STORAGE; the temp file
** removed, ${path} as it was).
*/
int text_write_file(const char *path, const void *p, size_t n, struct err *e);
/* The offset of the first NUL byte or invalid UTF-8 sequence (overlong,
** surrogate, above U+10FFFF, truncated) in ${p}, or ${n} if none. Can't
** fail. */
size_t utf8_invalid_at(const void *p, size_t n);
/* Turns the ASCII letters of ${s} to lower case, in place (language tags,
** licence ids, CSV headers: no other letter is touched). Can't fail. */
void text_lower_ascii(char *s);
/* The line of the ${n} bytes at ${s} that starts at ${off} (< ${n}): its
** length without the newline and a '\r' before it into ${len}; returns
** the offset of the next line (${n} after the last). Can't fail. */
size_t text_line_at(const char *s, size_t n, size_t off, size_t *len);
/* The 1-based line holding byte ${off} of the ${n} bytes at ${s} (the
** last line for an ${off} past the end). Can't fail. */
int text_line_of(const char *s, size_t n, size_t off);

#endif
