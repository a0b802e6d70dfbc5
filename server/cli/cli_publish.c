/*
** `tributary publish`: an approved release to a Hugging Face Hub (or a
** node's own Hub write API). The requests are outbound/publish.c's.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"
#include "node.h"
#include "publish.h"
#include "text.h"

static const char usage[] =
    "usage: tributary publish --data DIR VERSION --repo NAMESPACE/NAME\n"
    "           [--endpoint URL] [--private] [--token-file FILE] [--quiet]\n"
    "           [--max-rate BYTES_PER_SECOND]\n"
    "(the token is HF_TOKEN, or the first line of --token-file; the\n"
    "endpoint is https://huggingface.co unless given. Only an approved\n"
    "release that is not retired is published, after its folder is checked\n"
    "against its signed manifest. Run it again after an interruption: only\n"
    "what the Hub lacks is sent.)\n";

/* The token: the first line of ${file}, else $HF_TOKEN; into ${out}. */
static int
token(const char *file, char *out, size_t n)
{
	struct err e = { 0 };
	char *s = NULL;
	size_t len;

	out[0] = '\0';
	if (file != NULL) {
		if (text_read_file(file, 4096, &s, &len, &e) == -1) {
			fprintf(stderr, "tributary publish: %s\n", e.msg);
			return (-1);
		}
		s[strcspn(s, "\r\n")] = '\0';
		snprintf(out, n, "%s", s);
		sodium_memzero(s, len);
		free(s);
	} else if (getenv("HF_TOKEN") != NULL)
		snprintf(out, n, "%s", getenv("HF_TOKEN"));
	if (out[0] == '\0') {
		fputs("tributary publish: no token: set HF_TOKEN or give "
		      "--token-file FILE\n",
		    stderr);
		return (-1);
	}
	return (0);
}

int
cmd_publish(int argc, char **argv)
{
	struct publish_opts o = { 0 };
	struct publish_result r;
	struct err e = { 0 };
	const char *dir;
	char tok[600];
	struct node *n;
	struct db *db;
	int i, rc;

	if (flag(argc, argv, "--help") || flag(argc, argv, "-h")) {
		fputs(usage, stdout);
		return (0);
	}
	dir = take_data(&argc, argv);
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '-') {
			o.version = argv[i];
			break;
		}
		if (strcmp(argv[i], "--repo") == 0 ||
		    strcmp(argv[i], "--endpoint") == 0 ||
		    strcmp(argv[i], "--token-file") == 0 ||
		    strcmp(argv[i], "--max-rate") == 0)
			i++;
	}
	o.repo = opt(argc, argv, "--repo");
	o.endpoint = opt(argc, argv, "--endpoint");
	o.private_ = flag(argc, argv, "--private");
	o.quiet = flag(argc, argv, "--quiet");
	if (opt(argc, argv, "--max-rate") != NULL &&
	    (o.max_rate = atol(opt(argc, argv, "--max-rate"))) < 1) {
		fputs("tributary publish: --max-rate is bytes a second, 1 or "
		      "more\n",
		    stderr);
		return (2);
	}
	if (dir == NULL || o.version == NULL || o.repo == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	if (token(opt(argc, argv, "--token-file"), tok, sizeof(tok)) == -1)
		return (2);
	o.token = tok;
	if ((n = open_node("publish", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, 0, &e)) == NULL) {
		fprintf(stderr, "tributary publish: %s\n", e.msg);
		node_close(n);
		return (1);
	}
	rc = publish_release(n, db, &o, &r, &e);
	sodium_memzero(tok, sizeof(tok));
	if (rc == -1)
		fprintf(stderr, "tributary publish: %s\n", e.msg);
	else {
		printf("published %s to %s/datasets/%s at commit %s\n",
		    o.version, o.endpoint ? o.endpoint : PUBLISH_ENDPOINT,
		    o.repo, r.commit);
		printf("%zu files; %zu objects sent, %zu the Hub had%s\n",
		    r.files, r.uploaded, r.present,
		    r.committed ? ""
				: "; the branch held this release already");
		if (r.squashed)
			printf("retired versions taken off: %zu tags deleted, "
			       "history squashed, %zu LFS objects purged\n",
			    r.tags_deleted, r.purged);
	}
	db_close(db);
	node_close(n);
	return (rc == -1 ? 1 : 0);
}
