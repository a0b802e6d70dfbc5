/*
** A flat JSON object of strings, read in one pass (jsonflat.h).
*/
#include "jsonflat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Most members an object may have here; more go to jansson. */
#define MAX_MEMBERS 32

struct rd {
	const unsigned char *p, *end;
	char *w; /* where the next decoded string goes */
};

static void
skip_ws(struct rd *r)
{
	while (r->p < r->end &&
	    (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int
hex4(const unsigned char *p, uint32_t *v)
{
	int i, d;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return (-1);
		*v = *v << 4 | (uint32_t)d;
	}
	return (0);
}

static char *
put_utf8(char *w, uint32_t c)
{
	if (c < 0x80)
		*w++ = (char)c;
	else if (c < 0x800) {
		*w++ = (char)(0xC0 | c >> 6);
		*w++ = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*w++ = (char)(0xE0 | c >> 12);
		*w++ = (char)(0x80 | (c >> 6 & 0x3F));
		*w++ = (char)(0x80 | (c & 0x3F));
	} else {
		*w++ = (char)(0xF0 | c >> 18);
		*w++ = (char)(0x80 | (c >> 12 & 0x3F));
		*w++ = (char)(0x80 | (c >> 6 & 0x3F));
		*w++ = (char)(0x80 | (c & 0x3F));
	}
	return (w);
}

/*
** The length of the UTF-8 sequence at ${p} (before ${end}) if it is one
** jansson takes (no overlong form, surrogate, or code point past
** U+10FFFF), else 0. ${p} holds a byte >= 0x80.
*/
static size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	uint32_t c;
	size_t n, i;

	if (p[0] < 0xC2 || p[0] > 0xF4)
		return (0);
	n = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	if ((size_t)(end - p) < n)
		return (0);
	c = p[0] & (0xFF >> (n + 1));
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return (0);
		c = c << 6 | (p[i] & 0x3F);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10FFFF ||
	    (c >= 0xD800 && c <= 0xDFFF))
		return (0);
	return (n);
}

/*
** Decodes the string whose opening quote ${r} is past, to r->w
** (NUL-terminated), and moves past its closing quote. Sets *${s}, *${n}.
** 0, or -1 for anything jansson would refuse.
*/
static int
read_string(struct rd *r, const char **s, size_t *n)
{
	const unsigned char *p = r->p;
	char *w = r->w;
	uint32_t c, lo;
	size_t k;

	*s = w;
	for (;;) {
		if (p >= r->end)
			return (-1);
		c = *p;
		if (c == '"')
			break;
		if (c < 0x20)
			return (-1);
		if (c >= 0x80) {
			if ((k = utf8_seq(p, r->end)) == 0)
				return (-1);
			memcpy(w, p, k);
			w += k;
			p += k;
			continue;
		}
		if (c != '\\') {
			*w++ = (char)c;
			p++;
			continue;
		}
		if (r->end - p < 2)
			return (-1);
		switch (p[1]) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '/': *w++ = '/'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u':
			if (r->end - p < 6 || hex4(p + 2, &c) == -1 || c == 0)
				return (-1);
			if (c >= 0xDC00 && c <= 0xDFFF)
				return (-1);
			if (c >= 0xD800 && c <= 0xDBFF) {
				/* A high surrogate needs its low one. */
				if (r->end - p < 12 || p[6] != '\\' ||
				    p[7] != 'u' || hex4(p + 8, &lo) == -1 ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return (-1);
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (lo - 0xDC00);
				p += 6;
			}
			w = put_utf8(w, c);
			p += 6;
			continue;
		default: return (-1);
		}
		p += 2;
	}
	*n = (size_t)(w - *s);
	*w++ = '\0';
	r->w = w;
	r->p = p + 1;
	return (0);
}

int
jsonflat_parse(const char *p, size_t n, const char *const *keys, size_t nkeys,
    struct jsonflat *out)
{
	struct rd r = { (const unsigned char *)p, (const unsigned char *)p + n,
		NULL };
	const char *name[MAX_MEMBERS], *v;
	size_t nlen[MAX_MEMBERS], members = 0, kl, vl, i;

	memset(out, 0, sizeof(*out));
	if (nkeys > JSONFLAT_MAX_KEYS)
		return (JSONFLAT_OTHER);
	skip_ws(&r);
	if (r.p == r.end || *r.p != '{')
		return (JSONFLAT_OTHER);
	r.p++;
	/* Decoded strings with their NULs never outgrow the input: each
	** string gives up at least its two quotes. */
	if ((out->mem = malloc(n + 1)) == NULL)
		return (JSONFLAT_NOMEM);
	r.w = out->mem;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
		goto end;
	}
	for (;;) {
		if (r.p == r.end || *r.p != '"' || members == MAX_MEMBERS)
			goto other;
		r.p++;
		if (read_string(&r, &name[members], &kl) == -1)
			goto other;
		for (i = 0; i < members; i++) /* jansson refuses duplicates */
			if (nlen[i] == kl &&
			    memcmp(name[i], name[members], kl) == 0)
				goto other;
		nlen[members] = kl;
		skip_ws(&r);
		if (r.p == r.end || *r.p != ':')
			goto other;
		r.p++;
		skip_ws(&r);
		if (r.p == r.end || *r.p != '"')
			goto other;
		r.p++;
		if (read_string(&r, &v, &vl) == -1)
			goto other;
		for (i = 0; i < nkeys; i++)
			if (strlen(keys[i]) == kl &&
			    memcmp(keys[i], name[members], kl) == 0) {
				out->val[i] = v;
				out->len[i] = vl;
			}
		members++;
		skip_ws(&r);
		if (r.p < r.end && *r.p == ',') {
			r.p++;
			skip_ws(&r);
			continue;
		}
		if (r.p < r.end && *r.p == '}') {
			r.p++;
			break;
		}
		goto other;
	}
end:
	skip_ws(&r);
	if (r.p != r.end)
		goto other;
	return (JSONFLAT_OK);
other:
	jsonflat_free(out);
	return (JSONFLAT_OTHER);
}

void
jsonflat_free(struct jsonflat *f)
{
	free(f->mem);
	memset(f, 0, sizeof(*f));
}
