/*
** `tributary peer` and `tributary federate`: the nodes this one pools
** releases with (DESIGN.md flow 10). A maintainer reads the node's key
** and fingerprint with `peer whoami` and gives them to the other
** organization out of band (in person, or read aloud over the phone);
** `peer add` pins a peer's key and refuses a node presenting another;
** `federate pull` pulls every peer's signed revocation list and latest
** releases (outbound/federate.c), each file checked against the signed
** manifest before anything is recorded.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "federate.h"
#include "federation.h"
#include "fedtimer.h"
#include "node.h"

static const char peer_usage[] =
    "usage: tributary peer whoami --data DIR\n"
    "       tributary peer add --data DIR URL --key PUBKEY --name NAME\n"
    "                          [--token-file FILE]\n"
    "       tributary peer list --data DIR\n"
    "       tributary peer remove --data DIR --name NAME\n"
    "\n"
    "whoami  this node's public key (64 hex digits) and its fingerprint,\n"
    "        XXXX-XXXX-XXXX-XXXX: the first 8 bytes of the key's SHA-256 in\n"
    "        uppercase hex, to read aloud to the other maintainer (the\n"
    "        current key: after `tributary key rotate`, the new one)\n"
    "add     fetches URL/.well-known/tributary.json and adds the node as\n"
    "        peer NAME pinned to PUBKEY (given out of band); refused, with\n"
    "        both fingerprints, if the node presents another key. FILE\n"
    "        holds a Bearer token for datasets that are not public (kept,\n"
    "        never printed)\n"
    "list    name, URL, fingerprint, last pull, last error of each peer,\n"
    "        since when its key is pinned (\"rotated\" when the peer's signed\n"
    "        statement handed over to it) and the fingerprints it had before\n"
    "remove  forgets peer NAME and what was pulled from it\n";

static const char federate_usage[] =
    "usage: tributary federate pull --data DIR [--peer NAME]\n"
    "           [--max-file-bytes N] [--max-files N] [--peer-timeout S]\n"
    "           [--max-rate BYTES_PER_S] [--quiet]\n"
    "       tributary federate release|status ... (federate release "
    "--help)\n"
    "\n"
    "Pulls each peer (or only NAME): its signed revocation list, then the\n"
    "latest approved release of each of its datasets through its Hub read\n"
    "API, verified against the key pinned by `peer add`: the manifest's\n"
    "signature, then every file's size and SHA-256. Files already held are\n"
    "not fetched again; a cut download resumes. A peer that is down, slow\n"
    "or serves a file its manifest does not name is reported and skipped.\n"
    "`tributary serve` does the same every --federate-every seconds; two\n"
    "pulls of one node never run at once (the second is refused).\n"
    "Exit 0 when every peer was pulled, 1 when any failed.\n"
    "\n"
    "  --max-file-bytes N  refuse a release with a file over N bytes\n"
    "                      (default 4294967296: 4 GiB)\n"
    "  --max-files N       refuse a release of more than N files (10000)\n"
    "  --peer-timeout S    give up on a peer after S seconds in all (3600)\n"
    "  --max-rate N        receive at most N bytes a second (0: no limit)\n";

/* The first argument after the command word that is not an option or an
** option's value (${valued}: the options that take one), or NULL. */
static const char *
positional(int argc, char **argv, const char *const *valued)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			return (argv[i]);
		if (strchr(argv[i], '=') != NULL)
			continue;
		for (k = 0; valued[k] != NULL; k++)
			if (strcmp(argv[i], valued[k]) == 0) {
				i++;
				break;
			}
	}
	return (NULL);
}

/* The first line of file ${path}, trimmed, malloc'd; NULL after saying
** why. */
static char *
read_token(const char *path)
{
	char line[FED_TOKEN_MAX + 2], *t;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return (NULL);
	}
	t = fgets(line, sizeof(line), f);
	fclose(f);
	if (t == NULL) {
		fprintf(stderr, "tributary peer: %s is empty\n", path);
		return (NULL);
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	t = strdup(line);
	sodium_memzero(line, sizeof(line));
	return (t);
}

/* peer whoami: the key and its fingerprint. */
static int
peer_whoami(struct node *n)
{
	char pk[65], fpr[FED_FPR_LEN + 1];

	hex_encode(n->sign_pk, 32, pk);
	fed_fingerprint(n->sign_pk, fpr);
	printf("public key:  %s\nfingerprint: %s\n", pk, fpr);
	return (0);
}

/* peer add: fetch, compare, store. */
static int
peer_add(struct node *n, int argc, char **argv)
{
	static const char *const valued[] = { "--key", "--name", "--token-file",
		NULL };
	const char *url = positional(argc, argv, valued);
	const char *key = opt(argc, argv, "--key");
	const char *tf = opt(argc, argv, "--token-file");
	struct fed_wellknown_doc doc = { 0 };
	struct fed_peer_add a = { 0 };
	char fa[FED_FPR_LEN + 1], fb[FED_FPR_LEN + 1], *u = NULL;
	struct err e = { 0 };
	int rc = 1;

	a.name = opt(argc, argv, "--name");
	if (url == NULL || key == NULL || a.name == NULL) {
		fputs(peer_usage, stderr);
		return (2);
	}
	if (fed_key_parse(key, a.pk) == -1) {
		fprintf(stderr,
		    "tributary peer: --key is the peer's public key, 64 hex "
		    "digits (its `tributary peer whoami`)\n");
		return (2);
	}
	if ((u = strdup(url)) == NULL)
		return (1);
	while (strlen(u) > 0 && u[strlen(u) - 1] == '/')
		u[strlen(u) - 1] = '\0';
	a.url = u;
	if (tf != NULL && (a.token = read_token(tf)) == NULL)
		goto out;
	if (federate_identity(u, a.token, 30, &doc, &e) == -1) {
		fprintf(stderr, "tributary peer: %s: %s\n", u, e.msg);
		goto out;
	}
	fed_fingerprint(doc.pk, fa);
	fed_fingerprint(a.pk, fb);
	if (sodium_memcmp(doc.pk, a.pk, 32) != 0) {
		fprintf(stderr,
		    "tributary peer: refused: %s presents key %s, but the key "
		    "given is %s. Check the key with the peer's maintainer.\n",
		    u, fa, fb);
		goto out;
	}
	if (writer_run(n->writer, fed_peer_add_job, &a, &e) == -1) {
		fprintf(stderr, "tributary peer: %s\n", e.msg);
		goto out;
	}
	printf("added %s (%s, namespace %s) at %s, key %s\n", a.name, doc.name,
	    doc.ns, u, fa);
	rc = 0;
out:
	fed_wellknown_free(&doc);
	if (a.token != NULL) {
		sodium_memzero((char *)a.token, strlen(a.token));
		free((char *)a.token);
	}
	free(u);
	return (rc);
}

/* Seconds ${at} (a JSON integer; else ${none}) as printed. */
static void
print_time(json_t *at, const char *none)
{
	time_t t;
	struct tm tm;
	char when[32];

	if (!json_is_integer(at)) {
		printf("%s", none);
		return;
	}
	t = (time_t)json_integer_value(at);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("%s", when);
}

/* peer list: one line each, tab-separated. The key's columns: since when
** it is pinned, "rotated" when a statement of the peer handed over to
** it, and the fingerprints it had before, oldest first. */
static int
peer_list(struct node *n)
{
	struct err e = { 0 };
	struct db *db;
	json_t *l, *v;
	size_t i;
	int rc = 1;

	if ((db = db_open(n->dbpath, 0, &e)) != NULL &&
	    (l = fed_peer_list(db, &e)) != NULL) {
		printf("name\turl\tfingerprint\tlast pull\tlast error\t"
		       "key since\tprevious keys\n");
		json_array_foreach(l, i, v)
		{
			json_t *prev =
			    json_object_get(v, "previous_fingerprints");
			const char *err =
			    json_string_value(json_object_get(v, "last_error"));
			size_t k;

			printf("%s\t%s\t%s\t",
			    json_string_value(json_object_get(v, "name")),
			    json_string_value(json_object_get(v, "url")),
			    json_string_value(
				json_object_get(v, "fingerprint")));
			print_time(json_object_get(v, "last_pull_at"), "never");
			printf("\t%s\t", err ? err : "-");
			print_time(json_object_get(v, "key_since"), "?");
			if (json_is_integer(
				json_object_get(v, "key_rotated_at")))
				printf(" (rotated)");
			printf("\t");
			for (k = 0; k < json_array_size(prev); k++)
				printf("%s%s", k > 0 ? "," : "",
				    json_string_value(json_array_get(prev, k)));
			printf("%s\n", k == 0 ? "-" : "");
		}
		json_decref(l);
		rc = 0;
	}
	if (rc != 0)
		fprintf(stderr, "tributary peer: %s\n", e.msg);
	db_close(db);
	return (rc);
}

/*
** tributary peer whoami|add|list|remove: 0 done, 1 refused or failed
** (said on stderr), 2 a usage error.
*/
int
cmd_peer(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *name;
	struct err e = { 0 };
	struct node *n;
	int rc;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(peer_usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	if (strcmp(argv[0], "whoami") != 0 && strcmp(argv[0], "add") != 0 &&
	    strcmp(argv[0], "list") != 0 && strcmp(argv[0], "remove") != 0) {
		fputs(peer_usage, stderr);
		return (2);
	}
	name = opt(argc, argv, "--name");
	if (strcmp(argv[0], "remove") == 0 && name == NULL) {
		fputs(peer_usage, stderr);
		return (2);
	}
	if ((n = open_node("peer", dir)) == NULL)
		return (1);
	if (strcmp(argv[0], "whoami") == 0)
		rc = peer_whoami(n);
	else if (strcmp(argv[0], "add") == 0)
		rc = peer_add(n, argc, argv);
	else if (strcmp(argv[0], "list") == 0)
		rc = peer_list(n);
	else if ((rc = writer_run(
		      n->writer, fed_peer_remove_job, (void *)name, &e)) == 0)
		fprintf(stderr, "tributary peer: %s removed\n", name);
	else {
		fprintf(stderr, "tributary peer: %s\n", e.msg);
		rc = 1;
	}
	node_close(n);
	return (rc);
}

/* The number option ${name} (default ${def}, at least ${min}) into
** ${out}; -1 after saying why if it is not one. */
static int
number(int argc, char **argv, const char *name, long long def, long long min,
    long long *out)
{
	const char *v = opt(argc, argv, name);
	char *end;

	*out = def;
	if (v == NULL)
		return (0);
	*out = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || *out < min) {
		fprintf(stderr,
		    "tributary federate: %s takes a number of at "
		    "least %lld\n",
		    name, min);
		return (-1);
	}
	return (0);
}

/*
** tributary federate pull: 0 every peer pulled, 1 a peer failed or the
** pull could not start (said on stderr), 2 a usage error.
*/
int
cmd_federate(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv);
	struct federate_opts o = { 0 };
	struct federate_result r;
	long long mf, mn, pt, mr;
	struct err e = { 0 };
	struct node *n;
	struct db *db = NULL;
	int rc = 1, lock;

	if (argc >= 1 &&
	    (strcmp(argv[0], "release") == 0 || strcmp(argv[0], "status") == 0))
		return (cmd_federate_more(dir, argc, argv));
	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(federate_usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	if (strcmp(argv[0], "pull") != 0) {
		fputs(federate_usage, stderr);
		return (2);
	}
	if (number(argc, argv, "--max-file-bytes",
		(long long)FED_DEFAULT_MAX_FILE, 1, &mf) == -1 ||
	    number(argc, argv, "--max-files", FED_DEFAULT_MAX_FILES, 1, &mn) ==
		-1 ||
	    number(argc, argv, "--peer-timeout", FED_DEFAULT_PEER_TIME, 1,
		&pt) == -1 ||
	    number(argc, argv, "--max-rate", 0, 0, &mr) == -1)
		return (2);
	o.peer = opt(argc, argv, "--peer");
	o.max_file = (uint64_t)mf;
	o.max_files = (size_t)mn;
	o.peer_time = (long)pt;
	o.max_rate = (long)mr;
	o.quiet = flag(argc, argv, "--quiet");
	if ((n = open_node("federate", dir)) == NULL)
		return (1);
	if ((lock = fedtimer_lock(n->dir, &e)) == -1 ||
	    (db = db_open(n->dbpath, 0, &e)) == NULL ||
	    federate_pull(n, db, &o, &r, &e) == -1)
		fprintf(stderr, "tributary federate: %s\n", e.msg);
	else {
		printf("%zu peer(s), %zu failed; %zu release(s) new; %zu "
		       "file(s) fetched, %zu resumed, %zu already held; %llu "
		       "bytes received; %zu revocation(s) new\n",
		    r.peers, r.failed, r.releases, r.fetched, r.resumed, r.held,
		    (unsigned long long)r.bytes, r.revoked);
		rc = r.failed > 0;
	}
	db_close(db);
	fedtimer_unlock(lock);
	node_close(n);
	return (rc);
}
