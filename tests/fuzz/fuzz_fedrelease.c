/*
** libFuzzer harness for what the federated release builder reads of a
** source release besides its Parquet shards (federate_release.h): a
** path its manifest lists, as a shard's config and split
** (fedrel_shard_of()), and the card's "Consent" and "Pay" sections
** (fedrel_card_section()). The input, copied into a buffer of exactly
** its size plus its NUL, is both: its first line the path, the whole the
** card. Every outcome must keep the header's promises, or we abort():
**  - a path taken has a config of [a-z0-9_-] and a split of [a-z_], both
**    non-empty, and is "data/CONFIG/SPLIT-….parquet";
**  - a section appended begins "#### HEAD", holds no line of the card
**    from outside the section, and is no longer than the card plus the
**    heading and the extra '#'s.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_fedrelease.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "federate_release.h"

/* The card's lines: at most this many headings get "##" more. */
static size_t
lines(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '\n';
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), config[RELEASE_CONFIG_MAX], split[16];
	char path[1100];
	const char *heads[] = { "Consent", "Pay" };
	struct buf o = { 0 };
	size_t i, k, len;

	if (s == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	len = strcspn(s, "\n");
	if (len < sizeof(path)) {
		memcpy(path, s, len);
		path[len] = '\0';
		if (fedrel_shard_of(path, config, split)) {
			k = strlen(config);
			if (k == 0 ||
			    strspn(config,
				"abcdefghijklmnopqrstuvwxyz0123456789"
				"_-") != k ||
			    strlen(split) == 0 ||
			    strspn(split, "abcdefghijklmnopqrstuvwxyz_") !=
				strlen(split) ||
			    strncmp(path, "data/", 5) != 0 ||
			    strncmp(path + 5, config, k) != 0 ||
			    path[5 + k] != '/' ||
			    strncmp(path + 6 + k, split, strlen(split)) != 0 ||
			    path[6 + k + strlen(split)] != '-' ||
			    strcmp(path + len - 8, ".parquet") != 0)
				abort();
		}
	}
	for (i = 0; i < 2; i++) {
		o.n = 0;
		fedrel_card_section(&o, s, heads[i]);
		if (o.n == 0)
			continue;
		if (strncmp(o.p, "#### ", 5) != 0 ||
		    strncmp(o.p + 5, heads[i], strlen(heads[i])) != 0 ||
		    o.n > size + 16 + 2 * lines(s) + 2)
			abort();
	}
	buf_free(&o);
	free(s);
	return (0);
}
