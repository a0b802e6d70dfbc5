/*
** `tributary federate release` and `tributary federate status`: the
** combined dataset of every community this node federates with
** (outbound/federate_release.c builds it, domain/fedrelease.c decides
** what it holds), and what the pulls and revocations did.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "federate_release.h"
#include "fedrelease.h"
#include "licences.h"
#include "node.h"
#include "settings.h"
#include "text.h"

static const char usage[] =
    "usage: tributary federate release --data DIR --version X --dataset NAME\n"
    "           --licence L [--permits USE,...] [--config FILE]\n"
    "           [--consent-dir DIR]\n"
    "       tributary federate status --data DIR [--json]\n"
    "\n"
    "release  builds one dataset from the latest release of every\n"
    "         community: this node's latest approved release of each\n"
    "         dataset and each peer's latest pulled one. One config per\n"
    "         community (COMMUNITY-LANGUAGE-KIND) and `default` of all.\n"
    "         A source whose licence or permitted uses do not allow L and\n"
    "         the uses given is left out whole (the card says why and how\n"
    "         many rows); every row revoked by any node is left out. The\n"
    "         manifest names each source (node key, version, manifest\n"
    "         SHA-256) and is signed with this node's key. It is a draft:\n"
    "         approve it with `tributary release approve X`; it is served\n"
    "         and published like any release, and retired at the pull that\n"
    "         brings a revocation of a row it holds.\n"
    "status   per peer: the last pull and its error, the releases pulled,\n"
    "         the revocations held, the releases retired because of them;\n"
    "         then every federated release and its sources\n";

/* `federate release`. */
static int
release(struct node *n, struct db *db, const char *dir, int argc, char **argv)
{
	struct licence_table lt = { 0 };
	struct fedrel_result res = { 0 };
	struct cli_release_args ra;
	struct fedrel_spec s = { 0 };
	struct settings set = { 0 };
	struct config c = { 0 };
	struct err e = { 0 };
	int rc = 1;

	if (cli_release_args("federate", argc, argv, &ra) == -1) {
		fputs(usage, stderr);
		return (2);
	}
	s.version = ra.version;
	s.dataset = ra.dataset;
	s.licence = ra.licence;
	s.permits = ra.permits;
	s.npermits = ra.npermits;
	if (cli_licences("federate", dir, argc, argv, &c, &lt) == -1)
		return (1);
	if (settings_get(db, &set, &e) == -1)
		goto out;
	s.lt = &lt;
	s.self_name =
	    set.org_name && set.org_name[0] ? set.org_name : c.hub_namespace;
	if (federate_release(n, db, &s, &res, &e) == -1)
		goto out;
	printf("federated release %s of %s: a draft in %s/releases/%s, %llu "
	       "rows%s\n",
	    s.version, s.dataset, n->dir, s.version,
	    (unsigned long long)res.rows,
	    res.retired ? " (retired already: a row of it was revoked while "
			  "it was built)"
			: "");
	json_dumpf(res.report, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	printf("\n");
	json_decref(res.report);
	rc = 0;
out:
	if (rc == 1 && e.msg[0])
		fprintf(stderr, "tributary federate: %s\n", e.msg);
	settings_clear(&set);
	licences_free(&lt);
	config_free(&c);
	return (rc);
}

/* A time for people, or "never". */
static const char *
when(json_t *t, char *out, size_t n)
{
	time_t v = (time_t)json_integer_value(t);
	struct tm tm;

	if (!json_is_integer(t) || v == 0)
		return ("never");
	gmtime_r(&v, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M UTC", &tm);
	return (out);
}

/* `federate status`. */
static int
status(struct db *db, int argc, char **argv)
{
	struct err e = { 0 };
	json_t *st, *p, *v, *f, *src;
	char a[32], b[32];
	size_t i, j;

	if ((st = fedrel_status(db, &e)) == NULL) {
		fprintf(stderr, "tributary federate: %s\n", e.msg);
		return (1);
	}
	if (flag(argc, argv, "--json")) {
		json_dumpf(st, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
		json_decref(st);
		return (0);
	}
	if (json_array_size(json_object_get(st, "peers")) == 0)
		printf("no peers (tributary peer add)\n");
	json_array_foreach(json_object_get(st, "peers"), i, p)
	{
		printf("peer %s (%s)\n  last pull: %s; last complete: %s\n",
		    json_string_value(json_object_get(p, "name")),
		    json_string_value(json_object_get(p, "url")),
		    when(json_object_get(p, "last_pull_at"), a, sizeof(a)),
		    when(json_object_get(p, "last_ok_at"), b, sizeof(b)));
		if (json_is_string(json_object_get(p, "last_error")))
			printf("  last error: %s\n",
			    json_string_value(
				json_object_get(p, "last_error")));
		printf("  revocations applied: %lld\n",
		    (long long)json_integer_value(
			json_object_get(p, "revocations")));
		json_array_foreach(json_object_get(p, "releases"), j, v)
		    printf("  pulled %s %s at %s\n",
			json_string_value(json_object_get(v, "dataset")),
			json_string_value(json_object_get(v, "version")),
			when(json_object_get(v, "pulled_at"), a, sizeof(a)));
		json_array_foreach(json_object_get(p, "retired"), j, v)
		    printf("  retired %s (%s) at %s: %s\n",
			json_string_value(json_object_get(v, "version")),
			json_string_value(json_object_get(v, "dataset")),
			when(json_object_get(v, "at"), a, sizeof(a)),
			json_string_value(json_object_get(v, "why")));
	}
	json_array_foreach(json_object_get(st, "federated"), i, f)
	{
		printf("federated release %s of %s: %s%s%s\n",
		    json_string_value(json_object_get(f, "version")),
		    json_string_value(json_object_get(f, "dataset")),
		    json_is_string(json_object_get(f, "retired_why"))
			? "retired, "
			: "",
		    json_is_string(json_object_get(f, "retired_why"))
			? json_string_value(json_object_get(f, "retired_why"))
			: json_string_value(json_object_get(f, "state")),
		    "");
		json_array_foreach(json_object_get(f, "sources"), j, src)
		    printf("  %s: %s %s under %s, %lld rows, %lld left out "
			   "(licence), %lld revoked\n",
			json_string_value(json_object_get(src, "name")),
			json_string_value(json_object_get(src, "dataset")),
			json_string_value(json_object_get(src, "version")),
			json_string_value(json_object_get(src, "licence")),
			(long long)json_integer_value(
			    json_object_get(src, "rows")),
			(long long)json_integer_value(
			    json_object_get(src, "left_licence")),
			(long long)json_integer_value(
			    json_object_get(src, "left_revoked")));
	}
	json_decref(st);
	return (0);
}

int
cmd_federate_more(const char *dir, int argc, char **argv)
{
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	int rc;

	if (flag(argc, argv, "--help")) {
		fputs(usage, stdout);
		return (0);
	}
	if ((n = open_node("federate", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, 0, &e)) == NULL) {
		fprintf(stderr, "tributary federate: %s\n", e.msg);
		node_close(n);
		return (1);
	}
	rc = strcmp(argv[0], "release") == 0 ? release(n, db, dir, argc, argv)
					     : status(db, argc, argv);
	db_close(db);
	node_close(n);
	return (rc);
}
