/*
** `tributary release`: cut a release (select, record the draft, build its
** folder), approve it, list them, and check a release folder anywhere.
*/
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "config.h"
#include "crypto.h"
#include "licences.h"
#include "node.h"
#include "release.h"
#include "release_build.h"
#include "text.h"

static const char usage[] =
    "usage: tributary release create --data DIR --version X --dataset NAME\n"
    "           --licence L [--permits USE,...] [--campaign SLUG]...\n"
    "           [--splits 80,10,10] [--k 5]\n"
    "       tributary release approve --data DIR X [--as HANDLE]\n"
    "       tributary release list --data DIR\n"
    "       tributary release diff --data DIR A B\n"
    "       tributary release build --data DIR X   (its folder again)\n"
    "       tributary release verify RELEASE_DIR [--public-key HEX]\n"
    "(create and approve read the node's settings: --config FILE,\n"
    "TRIBUTARY_* variables; --consent-dir names the licence table's folder)\n"
    "(create records a draft and writes DIR/releases/X; a release is\n"
    "approved once release-approvals distinct people approved it: the\n"
    "node's config, default 1; without --as, approve is the operator's)\n";

/* `release create`. */
static int
create(struct node *n, struct db *db, int argc, char **argv)
{
	const char *camps[CLI_LIST_MAX], *sp[4];
	char sstore[64];
	struct release_selection sel = { 0 };
	struct release_record rr = { 0 };
	struct licence_table lt = { 0 };
	struct cli_release_args ra;
	struct release_spec s = { 0 };
	struct config c = { 0 };
	struct err e = { 0 };
	json_t *report;
	int i, k, rc = 1;

	if (cli_release_args("release", argc, argv, &ra) == -1) {
		fputs(usage, stderr);
		return (2);
	}
	s.version = ra.version;
	s.dataset = ra.dataset;
	s.licence = ra.licence;
	s.permits = ra.permits;
	s.npermits = ra.npermits;
	for (i = 0, k = 0; i + 1 < argc && k < CLI_LIST_MAX; i++)
		if (strcmp(argv[i], "--campaign") == 0)
			camps[k++] = argv[++i];
	s.campaigns = camps;
	s.ncampaigns = (size_t)k;
	s.splits[0] = 80;
	s.splits[1] = 10;
	s.splits[2] = 10;
	if (opt(argc, argv, "--splits") != NULL) {
		if (cli_split_list(opt(argc, argv, "--splits"), sstore,
			sizeof(sstore), sp) != 3) {
			fputs("tributary release: --splits is train,dev,test "
			      "in percent, e.g. 80,10,10\n",
			    stderr);
			return (2);
		}
		for (i = 0; i < 3; i++)
			s.splits[i] = atoi(sp[i]);
	}
	if (opt(argc, argv, "--k") != NULL &&
	    (s.k = atoi(opt(argc, argv, "--k"))) < RELEASE_K_DEFAULT) {
		fprintf(stderr,
		    "tributary release: --k is the number of speakers each "
		    "released combination of demographics covers: %d or more "
		    "(the consent documents promise %d)\n",
		    RELEASE_K_DEFAULT, RELEASE_K_DEFAULT);
		return (2);
	}
	if (cli_licences("release", n->dir, argc, argv, &c, &lt) == -1)
		return (1);
	config_free(&c);
	if (release_spec_check(&lt, &s, &e) == -1)
		goto out;
	/* Selected inside the job, row by row: memory does not grow with
	** the release. */
	rr.spec = &s;
	rr.sel = &sel;
	rr.lt = &lt;
	rr.key = n->pseudonym_key;
	if (writer_run(n->writer, release_record_job, &rr, &e) == -1)
		goto out;
	if (release_build(n, db, s.version, &e) == -1) {
		fprintf(stderr,
		    "tributary release: the draft %s is recorded, but its "
		    "folder could not be written: %s\n",
		    s.version, e.msg);
		e.msg[0] = '\0';
		goto out;
	}
	report = release_report(&sel);
	printf("release %s of %s: a draft in %s/releases/%s\n", s.version,
	    s.dataset, n->dir, s.version);
	if (report != NULL)
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	json_decref(report);
	rc = 0;
out:
	if (rc == 1 && e.msg[0])
		fprintf(stderr, "tributary release: %s\n", e.msg);
	release_selection_free(&sel);
	licences_free(&lt);
	return (rc);
}

/* `release build X`: writes the folder of a recorded release whose folder
** is missing (the first attempt failed, or it was removed). */
static int
build(struct node *n, struct db *db, int argc, char **argv)
{
	struct err e = { 0 };

	if (argc < 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return (2);
	}
	if (release_build(n, db, argv[1], &e) == -1) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		return (1);
	}
	printf("release %s: written to %s/releases/%s\n", argv[1], n->dir,
	    argv[1]);
	return (0);
}

/* 1 if release ${v}'s folder holds its manifest. */
static int
built(struct node *n, const char *v)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/releases/%s/manifest.json", n->dir, v);
	return (access(path, R_OK) == 0);
}

/* `release approve X [--as HANDLE]`. */
static int
approve(struct node *n, struct db *db, const char *dir, int argc, char **argv)
{
	struct release_approve ra = { 0 };
	struct config c = { 0 };
	const char *as = opt(argc, argv, "--as");
	struct account a;
	struct err e = { 0 };
	int rc;

	if (argc < 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return (2);
	}
	ra.version = argv[1];
	ra.unbuilt = !built(n, argv[1]);
	if (as != NULL) {
		if ((rc = account_get(db, as, 0, &a, &e)) != 1) {
			fprintf(stderr, "tributary release: %s\n",
			    rc == 0 ? "no such account" : e.msg);
			return (1);
		}
		account_clear(&a);
		if (a.disabled || !role_allows(a.role, ROLE_MAINTAINER)) {
			fprintf(stderr,
			    "tributary release: %s is not a maintainer\n", as);
			return (1);
		}
		ra.actor = a.id;
	}
	if (cli_config("release", dir, opt(argc, argv, "--config"), &c) == -1)
		return (1);
	ra.needed = (int)c.release_approvals;
	config_free(&c);
	if (writer_run(n->writer, release_approve_job, &ra, &e) == -1) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		return (1);
	}
	printf("release %s: %d of %d approvals%s\n", ra.version, ra.approvals,
	    ra.needed, ra.approved ? ": approved" : "");
	return (0);
}

/* `release list`. */
static int
list(struct db *db)
{
	struct err e = { 0 };
	json_t *l, *r;
	size_t i;

	if ((l = release_list(db, &e)) == NULL) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		return (1);
	}
	json_array_foreach(l, i, r)
	{
		printf("%s\t%s\t%s\t%s\t%lld approvals\t%lld items",
		    json_string_value(json_object_get(r, "version")),
		    json_string_value(json_object_get(r, "dataset")),
		    json_string_value(json_object_get(r, "licence")),
		    json_string_value(json_object_get(r, "state")),
		    (long long)json_integer_value(
			json_object_get(r, "approvals")),
		    (long long)json_integer_value(json_object_get(r, "items")));
		if (!json_is_null(json_object_get(r, "retired_at")))
			printf("\tretired: %s",
			    json_string_value(
				json_object_get(r, "retired_why")));
		printf("\n");
	}
	json_decref(l);
	return (0);
}

/* Prints the ids of ${a} after ${label}, "none" for none. */
static void
print_ids(const char *label, json_t *a)
{
	json_t *v;
	size_t i;

	printf("%-28s %zu", label, json_array_size(a));
	json_array_foreach(a, i, v)
	    printf("%s%lld", i ? " " : ": ", (long long)json_integer_value(v));
	printf("\n");
}

/* `release diff A B`: what B adds and removes, by reason. */
static int
diff(struct db *db, int argc, char **argv)
{
	struct err e = { 0 };
	json_t *d, *rm;

	if (argc < 3) {
		fputs(usage, stderr);
		return (2);
	}
	if ((d = release_diff(db, argv[1], argv[2], &e)) == NULL) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		return (1);
	}
	rm = json_object_get(d, "removed");
	printf("from %s to %s\n", argv[1], argv[2]);
	print_ids("added", json_object_get(d, "added"));
	print_ids("removed, withdrawn", json_object_get(rm, "withdrawn"));
	print_ids("removed, no longer accepted",
	    json_object_get(rm, "not_validated"));
	print_ids("removed, outside its licence",
	    json_object_get(rm, "not_selected"));
	print_ids("corrected since", json_object_get(d, "revised"));
	json_decref(d);
	return (0);
}

/* `release verify DIR [--public-key HEX]`: 0 intact and signed, 1 not. */
static int
verify(int argc, char **argv)
{
	const char *hex = opt(argc, argv, "--public-key");
	struct release_check ck;
	struct err e = { 0 };
	uint8_t pk[32];

	if (argc < 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return (2);
	}
	if (hex != NULL && hex_decode(hex, pk, sizeof(pk)) != 0) {
		fputs("tributary release: --public-key is 64 hex digits\n",
		    stderr);
		return (2);
	}
	if (release_verify(argv[1], hex ? pk : NULL, &ck, &e) == -1) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		return (1);
	}
	printf("%zu files listed, %zu changed or missing, %zu not listed%s%s\n"
	       "signature: %s%s\n",
	    ck.files, ck.bad, ck.extra, ck.first_bad[0] ? "; first: " : "",
	    ck.first_bad, ck.signature_ok ? "valid" : "INVALID",
	    ck.key_given ? ""
			 : " (for the key the manifest names: pass "
			   "--public-key to check it is the node's)");
	return (ck.signature_ok && ck.bad == 0 && ck.extra == 0 ? 0 : 1);
}

int
cmd_release(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv);
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	int rc;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	if (strcmp(argv[0], "verify") == 0)
		return (verify(argc, argv));
	if (strcmp(argv[0], "create") != 0 && strcmp(argv[0], "approve") != 0 &&
	    strcmp(argv[0], "list") != 0 && strcmp(argv[0], "diff") != 0 &&
	    strcmp(argv[0], "build") != 0) {
		fputs(usage, stderr);
		return (2);
	}
	if ((n = open_node("release", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, 0, &e)) == NULL) {
		fprintf(stderr, "tributary release: %s\n", e.msg);
		node_close(n);
		return (1);
	}
	rc = strcmp(argv[0], "create") == 0   ? create(n, db, argc, argv)
	    : strcmp(argv[0], "approve") == 0 ? approve(n, db, dir, argc, argv)
	    : strcmp(argv[0], "diff") == 0    ? diff(db, argc, argv)
	    : strcmp(argv[0], "build") == 0   ? build(n, db, argc, argv)
					      : list(db);
	db_close(db);
	node_close(n);
	return (rc);
}
