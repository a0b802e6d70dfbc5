/*
** The request-path decoder. libmicrohttpd hands us the path still
** percent-encoded (our unescape callback leaves %HH alone), so this is the
** one place that decodes it: it splits on the literal '/', decodes each
** segment, and refuses anything that could name a file outside a folder or
** smuggle a separator: "." and ".." segments (also as %2e%2e), encoded
** '/' or '\' (%2f, %5c), NUL and other control bytes, empty segments
** ("//"). Outside input: fuzzed by tests/fuzz/fuzz_urlpath.c.
*/
#ifndef TRIBUTARY_URLPATH_H
#define TRIBUTARY_URLPATH_H

#include <stddef.h>

#include "buf.h"

#define URLPATH_MAX_SEGS 32
#define URLPATH_MAX_LEN  4096

enum urlpath_status {
	URLPATH_OK = 0,
	URLPATH_MALFORMED = -1, /* bad %-escape, too long, no leading '/' */
	URLPATH_UNSAFE = -2,    /* traversal, separator or control byte */
};

struct urlpath {
	char *mem; /* decoded segments, NUL-ended */
	size_t nseg;
	const char *seg[URLPATH_MAX_SEGS]; /* point into mem */
	size_t seglen[URLPATH_MAX_SEGS];
	int trailing_slash; /* path ended in '/' */
	int slashed; /* a segment holds a decoded '/' (URLPATH_SLASH_OK) */
};

/* urlpath_parse_ex() flags. URLPATH_SLASH_OK: an encoded '/' (%2F) is
** decoded into its segment instead of refused; the Hub's clients encode
** revisions and repo paths that way. Only for routes that look a segment
** up by name and never join it onto a file path (the Hub read API). */
#define URLPATH_SLASH_OK 1

/*
** Decodes the ${n} bytes of path ${p} into ${up}. Returns URLPATH_OK (the
** caller frees with urlpath_free), or a negative urlpath_status with ${up}
** holding nothing to free. Never reads past ${n}.
*/
int urlpath_parse(const char *p, size_t n, struct urlpath *up);
/* The same, with ${flags} (URLPATH_*). */
int
urlpath_parse_ex(const char *p, size_t n, struct urlpath *up, unsigned flags);
/* Frees what urlpath_parse() allocated; safe on a zeroed struct. Can't
** fail. */
void urlpath_free(struct urlpath *up);

/*
** Percent-decodes one query-string component of ${n} bytes, turning '+'
** into a space, and appends it to ${out}. Returns 0; -1 on a bad escape, an
** encoded NUL, or out of memory (${out} may hold part of the value).
*/
int url_decode_component(const char *p, size_t n, struct buf *out);

#endif
