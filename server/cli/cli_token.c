/*
** `tributary token`: the push tokens of the node's Hub write API
** (server/http/api_hubwrite.c). A maintainer gives one to whoever may push
** datasets to the node (another node's `tributary publish`, a Hub
** client); the token is printed once and only its SHA-256 is kept, so a
** lost token is revoked and replaced, never shown again.
*/
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hubpush.h"
#include "node.h"

static const char token_usage[] =
    "usage: tributary token add --data DIR --name NAME [--repo NS/NAME]\n"
    "       tributary token list --data DIR\n"
    "       tributary token revoke --data DIR --name NAME\n"
    "\n"
    "add     makes a push token for the node's Hub write API and prints it\n"
    "        once (send it as Authorization: Bearer TOKEN; HF_TOKEN for a\n"
    "        Hub client); with --repo it may push to that repo only\n"
    "list    every token: id, name, repo (* for any), live or revoked\n"
    "revoke  ends the token called NAME at once\n";

/*
** tributary token add|list|revoke: 0 done, 1 refused or failed (said on
** stderr), 2 a usage error.
*/
int
cmd_token(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *name, *repo;
	struct hubtoken_add ta = { 0 };
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	json_t *list, *v;
	size_t i;
	int rc = 1;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(token_usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	name = opt(argc, argv, "--name");
	repo = opt(argc, argv, "--repo");
	if (strcmp(argv[0], "list") != 0 && name == NULL) {
		fputs(token_usage, stderr);
		return (2);
	}
	if (strcmp(argv[0], "add") != 0 && strcmp(argv[0], "list") != 0 &&
	    strcmp(argv[0], "revoke") != 0) {
		fputs(token_usage, stderr);
		return (2);
	}
	if ((n = open_node("token", dir)) == NULL)
		return (1);
	if (strcmp(argv[0], "add") == 0) {
		ta.name = name;
		ta.repo = repo;
		if (writer_run(n->writer, hubtoken_add_job, &ta, &e) == 0) {
			printf("%s\n", ta.token);
			fprintf(stderr,
			    "tributary token: %s made%s%s; it is shown this "
			    "once only\n",
			    name, repo ? " for " : "", repo ? repo : "");
			rc = 0;
		}
		sodium_memzero(ta.token, sizeof(ta.token));
	} else if (strcmp(argv[0], "revoke") == 0) {
		if (writer_run(n->writer, hubtoken_revoke_job, (void *)name,
			&e) == 0) {
			fprintf(stderr, "tributary token: %s revoked\n", name);
			rc = 0;
		}
	} else {
		if ((db = db_open(n->dbpath, 0, &e)) != NULL &&
		    (list = hubtoken_list(db, &e)) != NULL) {
			json_array_foreach(list, i, v) printf(
			    "%lld\t%s\t%s\t%s\n",
			    (long long)json_integer_value(
				json_object_get(v, "id")),
			    json_string_value(json_object_get(v, "name")),
			    json_is_string(json_object_get(v, "repo"))
				? json_string_value(json_object_get(v, "repo"))
				: "*",
			    json_is_null(json_object_get(v, "revoked_at"))
				? "live"
				: "revoked");
			json_decref(list);
			rc = 0;
		}
		db_close(db);
	}
	if (rc != 0 && e.msg[0] != '\0')
		fprintf(stderr, "tributary token: %s\n", e.msg);
	node_close(n);
	return (rc);
}
