/*
** Benchmark: redaction alone, in MB/s, over a synthetic text of everyday
** sentences with and without personal data (one in five holds an e-mail
** address or a phone number, two in ten people's names, and the text is
** full of capitalised words that are not names), with every rule pack
** loaded, its names: lists included.
**
**   bench_redact REDACT_DIR [megabytes]        (default 8)
**
** Measures; asserts nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "redact.h"

static const char *const lines[] = {
	"We sang the harvest song at dawn, and the children answered. ",
	"Write to ama.owusu@example.com about the festival. ",
	"The bus leaves at 14:30 and costs GH\xe2\x82\xb5 25.50 this year. ",
	"Call me on +233 24 123 4567 after church. ",
	"Psalm 23:1-6 was read in three languages in 2026. ",
	"Gr\xc3\xb3\xc3\xb0ur dagur, vi\xc3\xb0 f\xc3\xb3rum \xc3\xad sund. ",
	"\xd0\x9c\xd0\xb0\xd0\xbd \xd0\xb1\xd0\xb0 \xd0\xb1\xd0\xbe\xd0\xb7\xd0"
	"\xbe\xd1\x80 \xd1\x80\xd0\xb0\xd1\x84\xd1\x82\xd0\xb0\xd0\xbc. ",
	"Version 2.10.3 fixed the counts for 3 000 people. ",
	"My grandmother Akosua Agyeman taught me this song in Kumasi. ",
	"\xd0\xaf \xd0\xb3\xd0\xbe\xd0\xb2\xd0\xbe\xd1\x80\xd0\xb8\xd0\xbb "
	"\xd1\x81 "
	"\xd0\xa0\xd1\x83\xd1\x81\xd1\x82\xd0\xb0\xd0\xbc\xd0\xbe\xd0\xbc "
	"\xd0\xa1\xd0\xb0\xd0\xb8\xd0\xb4\xd0\xbe\xd0\xb2\xd1\x8b\xd0\xbc "
	"\xd0\xb2 \xd0\x94\xd1\x83\xd1\x88\xd0\xb0\xd0\xbd\xd0\xb1\xd0\xb5. ",
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	struct redact_result rr;
	struct redact_set *rs;
	struct redact_ctx ctx = { .handle = "ama" };
	struct buf text = { 0 };
	struct err e = { 0 };
	size_t mb = argc > 2 ? (size_t)atoi(argv[2]) : 8, i, chunk = 2000;
	size_t done = 0, found = 0;
	double t0, t;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_redact REDACT_DIR [megabytes]\n");
		return (2);
	}
	if ((rs = redact_load(argv[1], NULL, 0, &e)) == NULL) {
		fprintf(stderr, "bench_redact: %s\n", e.msg);
		return (1);
	}
	for (i = 0; text.n < mb * 1000000; i++)
		buf_puts(&text, lines[i % (sizeof(lines) / sizeof(lines[0]))]);
	/* Contributions are short: redact in pieces of about 2000 bytes, cut
	** at sentence ends so no match is split. */
	t0 = now();
	while (done < text.n) {
		size_t n = text.n - done < chunk ? text.n - done : chunk;
		while (done + n < text.n && text.p[done + n - 1] != ' ')
			n++;
		if (redact_text(rs, text.p + done, n, &ctx, &rr, &e) == -1) {
			fprintf(stderr, "bench_redact: %s\n", e.msg);
			return (1);
		}
		found += json_object_size(rr.report);
		redact_result_free(&rr);
		done += n;
	}
	t = now() - t0;
	printf("redaction alone: %.1f MB in %.2f s = %.1f MB/s (%zu rules, "
	       "pieces of ~%zu bytes)\n",
	    text.n / 1e6, t, text.n / 1e6 / t, redact_nrules(rs), chunk);
	buf_free(&text);
	redact_free(rs);
	return (found ? 0 : 1);
}
