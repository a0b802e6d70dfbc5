/*
** `tributary i18n status`: how far each language of the pages is
** translated (server/domain/i18n.c): its catalog file in the webroot and
** the strings saved on the node's translation page, against English's
** keys. A language under 90% is not offered in the pages' language menu.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "i18n.h"
#include "node.h"

static const char i18n_usage[] =
    "usage: tributary i18n status --data DIR [--webroot DIR]\n"
    "\n"
    "status  per language: its name, the share of the pages' strings it\n"
    "        has (its catalog file and the strings saved on the node),\n"
    "        whether a second speaker reviewed it, and whether the\n"
    "        language menu offers it (90% or more)\n";

/* tributary i18n status: 0 done, 1 failed (said on stderr), 2 usage. */
int
cmd_i18n(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *web;
	char cat[4096];
	struct i18n_set s;
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	json_t *a, *v;
	size_t i;
	int rc = 1;

	if (argc < 1 || flag(argc, argv, "--help") ||
	    strcmp(argv[0], "status") != 0) {
		fputs(i18n_usage,
		    argc < 1 || strcmp(argv[0], "status") != 0 ? stderr
							       : stdout);
		return (argc >= 1 && flag(argc, argv, "--help") ? 0 : 2);
	}
	web = opt(argc, argv, "--webroot");
	snprintf(cat, sizeof(cat), "%s/i18n", web ? web : TRIBUTARY_WEBROOT);
	if (i18n_load(cat, &s, &e) == -1) {
		fprintf(stderr, "tributary i18n: %s\n", e.msg);
		return (1);
	}
	if ((n = open_node("i18n", dir)) == NULL) {
		i18n_free(&s);
		return (1);
	}
	if ((db = db_open(n->dbpath, 0, &e)) != NULL &&
	    (a = i18n_status(&s, db, &e)) != NULL) {
		printf("%-8s %-14s %8s %11s %-10s %s\n", "lang", "name",
		    "coverage", "strings", "reviewed", "menu");
		json_array_foreach(a, i, v)
		{
			printf("%-8s %-14s %7.1f%% %5lld/%-5lld %-10s %s\n",
			    json_string_value(json_object_get(v, "lang")),
			    json_string_value(json_object_get(v, "name")),
			    json_real_value(json_object_get(v, "coverage")) *
				100,
			    (long long)json_integer_value(
				json_object_get(v, "have")),
			    (long long)json_integer_value(
				json_object_get(v, "keys")),
			    json_is_true(json_object_get(v, "reviewed"))
				? "yes"
				: "draft",
			    json_is_true(json_object_get(v, "offered"))
				? "offered"
				: "not offered (under 90%)");
		}
		json_decref(a);
		rc = 0;
	}
	if (rc != 0)
		fprintf(stderr, "tributary i18n: %s\n", e.msg);
	db_close(db);
	node_close(n);
	i18n_free(&s);
	return (rc);
}
