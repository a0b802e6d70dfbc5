/*
** libFuzzer harness for what a peer sends a pulling node (federation.h):
** the well-known document (fed_wellknown_parse()), the revocation list
** once its signature is taken as good (fed_revlist_parse(), the key being
** the input's 32 bytes after the first), a release's manifest.json
** (fed_manifest_parse(), with small limits) and manifest.sig
** (fed_sig_check()). The first byte picks which. The input is copied into
** a buffer of exactly its size so a read past n is caught. Every outcome
** must keep the header's promises, or we abort():
**  - a well-known document taken has a namespace of [A-Za-z0-9._-], a
**    revocation path beginning '/' without "..", at most 1000 datasets,
**    and at most KEYROT_MAX key rotations, each a statement of at most
**    KEYROT_STATEMENT_MAX bytes, NUL-free, naming two different keys; one
**    refused leaves nothing to free and says why. The chain checker
**    (keyrot_chain()), run from the first statement's old key to the key
**    presented, either says why it refuses or names a first statement
**    whose old key is that key, with the last one's new key presented;
**  - a revocation list taken is an array whose every entry has a dataset,
**    an id and a time, and its head is 64 hex digits;
**  - a manifest taken holds at most the limit of files, each at most the
**    byte limit, paths relative, without "." or ".." segments, sorted
**    and each once; one refused is empty.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_federation.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "federation.h"

#define MAX_FILES 64
#define MAX_BYTES 1000000

/* Does ${s} hold a segment "." or ".." or an empty one, or begin '/'? */
static int
bad_path(const char *s)
{
	const char *p = s, *q;
	size_t n;

	if (*s == '/' || *s == '\0')
		return (1);
	for (;;) {
		q = strchr(p, '/');
		n = q ? (size_t)(q - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return (1);
		if (q == NULL)
			return (0);
		p = q + 1;
	}
}

/* The promises about the key rotations of a document taken, ${d}. */
static void
rotations(const struct fed_wellknown_doc *d)
{
	struct err e = { 0 };
	size_t i, from = (size_t)-1;

	if (d->nrot > KEYROT_MAX || (d->nrot > 0) != (d->rot != NULL))
		abort();
	for (i = 0; i < d->nrot; i++)
		if (d->rot[i].n > KEYROT_STATEMENT_MAX ||
		    strlen(d->rot[i].statement) != d->rot[i].n ||
		    memcmp(d->rot[i].old_pk, d->rot[i].new_pk, 32) == 0 ||
		    strlen(d->rot[i].old_sig) != 128 ||
		    strlen(d->rot[i].new_sig) != 128)
			abort();
	if (d->nrot == 0)
		return;
	if (keyrot_chain(d->rot, d->nrot, d->rot[0].old_pk, d->pk, &from, &e) ==
	    -1) {
		if (e.msg[0] == '\0' || e.code != ERR_FORBIDDEN)
			abort();
		return;
	}
	if (from >= d->nrot ||
	    memcmp(d->rot[from].old_pk, d->rot[0].old_pk, 32) != 0 ||
	    memcmp(d->rot[d->nrot - 1].new_pk, d->pk, 32) != 0)
		abort();
}

static void
wellknown(const uint8_t *p, size_t n)
{
	struct fed_wellknown_doc d;
	struct err e = { 0 };

	if (fed_wellknown_parse(p, n, &d, &e) == -1) {
		if (e.msg[0] == '\0' || d.datasets != NULL || d.rot != NULL ||
		    d.nrot != 0)
			abort();
		return;
	}
	rotations(&d);
	if (d.ns[0] == '\0' ||
	    strspn(d.ns,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != strlen(d.ns) ||
	    d.rev_url[0] != '/' || strstr(d.rev_url, "..") != NULL ||
	    strlen(d.rev_head) != 64 || !json_is_array(d.datasets) ||
	    json_array_size(d.datasets) > 1000)
		abort();
	fed_wellknown_free(&d);
	if (d.datasets != NULL || d.rot != NULL || d.nrot != 0)
		abort();
}

static void
revlist(const uint8_t *p, size_t n)
{
	char head[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	json_t *a, *v;
	size_t i;

	if (n < 32)
		return;
	if (fed_revlist_parse(p + 32, n - 32, p, &a, head, &e) == -1) {
		if (a != NULL || e.msg[0] == '\0')
			abort();
		return;
	}
	if (!json_is_array(a) || strlen(head) != 64)
		abort();
	json_array_foreach(a, i, v)
	{
		if (json_string_value(json_object_get(v, "dataset")) == NULL ||
		    json_string_value(json_object_get(v, "id")) == NULL ||
		    !json_is_integer(json_object_get(v, "withdrawn_at")))
			abort();
	}
	json_decref(a);
}

static void
manifest(const uint8_t *p, size_t n)
{
	struct fed_manifest m;
	struct err e = { 0 };
	size_t i;

	if (fed_manifest_parse(p, n, MAX_FILES, MAX_BYTES, &m, &e) == -1) {
		if (m.files != NULL || m.nfiles != 0 || e.msg[0] == '\0')
			abort();
		return;
	}
	if (m.nfiles > MAX_FILES)
		abort();
	for (i = 0; i < m.nfiles; i++) {
		if (m.files[i].bytes > MAX_BYTES || bad_path(m.files[i].path) ||
		    strstr(m.files[i].path, "..") == m.files[i].path ||
		    strlen(m.files[i].sha256) != 64)
			abort();
		if (i > 0 && strcmp(m.files[i - 1].path, m.files[i].path) >= 0)
			abort();
	}
	fed_manifest_free(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p;
	uint8_t pk[32] = { 0 };

	if (size < 1)
		return (0);
	if ((p = malloc(size > 1 ? size - 1 : 1)) == NULL)
		return (0);
	memcpy(p, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0: wellknown(p, size - 1); break;
	case 1: revlist(p, size - 1); break;
	case 2: manifest(p, size - 1); break;
	default:
		/* Never valid for a zero key; must not read past n. */
		if (fed_sig_check(p, size - 1, p, size - 1, pk))
			abort();
		break;
	}
	free(p);
	return (0);
}
