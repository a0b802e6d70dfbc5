/*
** `tributary user`, `tributary drive-codes`, `tributary campaign`,
** `tributary audit`: the maintainer's commands. They open the node's
** database beside a running server (the writer retries while the server
** holds the write lock) and call the same domain functions as the API. They act as actor 0, the
** machine's owner: the rule for acts on another account
** (account_may_act) lets them change, disable or erase anyone.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "text.h"
#include "review.h"
#include "prompts.h"
#include "audit.h"
#include "campaign.h"
#include "cards.h"
#include "cli.h"
#include "config.h"
#include "erase.h"
#include "hasher.h"
#include "licences.h"
#include "node.h"

const char *
take_data(int *argc, char **argv)
{
	const char *dir = getenv("TRIBUTARY_DATA");
	int i, j;

	for (i = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < *argc) {
			dir = argv[i + 1];
			for (j = i; j + 2 < *argc; j++)
				argv[j] = argv[j + 2];
			*argc -= 2;
			i--;
		} else if (strncmp(argv[i], "--data=", 7) == 0) {
			dir = argv[i] + 7;
			for (j = i; j + 1 < *argc; j++)
				argv[j] = argv[j + 1];
			*argc -= 1;
			i--;
		}
	}
	return (dir);
}

struct node *
open_node(const char *cmd, const char *dir)
{
	struct err e = { 0 };
	struct node *n;

	if (dir == NULL) {
		fprintf(stderr, "tributary %s: --data DIR is required\n", cmd);
		return (NULL);
	}
	if ((n = node_open(dir, &e)) == NULL)
		fprintf(stderr, "tributary %s: %s\n", cmd, e.msg);
	return (n);
}

const char *
opt(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], name) == 0 && i + 1 < argc)
			return (argv[i + 1]);
		if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=')
			return (argv[i] + n + 1);
	}
	return (NULL);
}

int
flag(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return (1);
	return (0);
}

static const char user_usage[] =
    "usage: tributary user add HANDLE [--role ROLE] [--languages ee,ak]\n"
    "                          [--passphrase-stdin]\n"
    "       tributary user role HANDLE ROLE\n"
    "       tributary user languages HANDLE ee,ak\n"
    "       tributary user disable HANDLE\n"
    "       tributary user erase HANDLE --yes\n"
    "       tributary user list\n"
    "(each with --data DIR; roles: contributor reviewer maintainer "
    "treasurer admin)\n";

/* `user erase`: 0, 1 failed, 2 not confirmed. */
static int
user_erase(
    struct node *n, struct db *db, int64_t id, const char *handle, int yes)
{
	struct account_erase ae = { 0 };
	struct err e = { 0 };
	int gone;

	if (!yes) {
		fprintf(stderr,
		    "tributary user: erasing %s withdraws and erases "
		    "everything they gave and cannot be undone; add --yes\n",
		    handle);
		return (2);
	}
	ae.id = id;
	ae.actor = 0;
	if (writer_run(n->writer, account_erase_job, &ae, &e) == -1 ||
	    (gone = account_erase_blobs(&ae, n->blobs, db, &e)) == -1) {
		free(ae.blobs);
		fprintf(stderr, "tributary user: %s\n", e.msg);
		return (1);
	}
	printf("erased %s: %d contributions withdrawn, %d consents, %d "
	       "recordings deleted; the account is now erased-%lld\n",
	    handle, ae.contributions, ae.consents, gone, (long long)id);
	return (0);
}

int
cmd_user(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *rs;
	struct account_change ac = { 0 };
	struct account_languages al = { 0 };
	struct account_new an = { 0 };
	json_t *langs = NULL;
	struct hasher_job hj;
	struct account a;
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	json_t *list, *v;
	size_t i, len;
	int rc = 1, found;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(user_usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	if ((n = open_node("user", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, 0, &e)) == NULL)
		goto out;
	if (strcmp(argv[0], "list") == 0) {
		if ((list = account_list(db, &e)) == NULL)
			goto out;
		json_array_foreach(list, i, v) printf("%lld\t%s\t%s%s\n",
		    (long long)json_integer_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "handle")),
		    json_string_value(json_object_get(v, "role")),
		    json_is_true(json_object_get(v, "disabled")) ? "\tdisabled"
								 : "");
		json_decref(list);
		rc = 0;
		goto out;
	}
	if (argc < 2) {
		fputs(user_usage, stderr);
		rc = 2;
		goto out;
	}
	if (strcmp(argv[0], "add") == 0) {
		an.handle = argv[1];
		rs = opt(argc, argv, "--role");
		if ((an.role = role_parse(rs ? rs : "contributor")) ==
		    ROLE_NONE) {
			fprintf(stderr, "tributary user: unknown role \"%s\"\n",
			    rs);
			rc = 2;
			goto out;
		}
		if ((rs = opt(argc, argv, "--languages")) != NULL &&
		    (langs = an.languages = languages_parse(rs, &e)) == NULL) {
			rc = 2;
			fprintf(stderr, "tributary user: %s\n", e.msg);
			e.msg[0] = '\0';
			goto out;
		}
		if (flag(argc, argv, "--passphrase-stdin")) {
			memset(&hj, 0, sizeof(hj));
			if (fgets(hj.secret, sizeof(hj.secret), stdin) ==
			    NULL) {
				fprintf(stderr,
				    "tributary user: no passphrase "
				    "on stdin\n");
				goto out;
			}
			len = strcspn(hj.secret, "\r\n");
			hj.secret[len] = '\0';
			if (len < 10) {
				fprintf(stderr,
				    "tributary user: a passphrase "
				    "is at least 10 characters\n");
				rc = 2;
				goto out;
			}
			hasher_run(&hj);
			an.passphrase_hash = hj.hash;
		}
		if (writer_run(n->writer, account_create_job, &an, &e) == -1)
			goto out;
		printf("added %s (%s), id %lld\n", an.handle,
		    role_name(an.role), (long long)an.id);
		rc = 0;
		goto out;
	}
	if ((found = account_get(db, argv[1], 0, &a, &e)) != 1) {
		if (found == 0)
			fprintf(stderr, "tributary user: no account \"%s\"\n",
			    argv[1]);
		goto out;
	}
	account_clear(&a);
	ac.id = a.id;
	if (strcmp(argv[0], "erase") == 0) {
		rc =
		    user_erase(n, db, a.id, argv[1], flag(argc, argv, "--yes"));
		goto out;
	}
	if (strcmp(argv[0], "languages") == 0 && argc >= 3) {
		if ((langs = languages_parse(argv[2], &e)) == NULL) {
			rc = 2;
			fprintf(stderr, "tributary user: %s\n", e.msg);
			e.msg[0] = '\0';
			goto out;
		}
		al.id = a.id;
		al.languages = langs;
		if (writer_run(n->writer, account_languages_job, &al, &e) == -1)
			goto out;
		rs = json_dumps(langs, JSON_COMPACT);
		printf("%s: languages %s\n", argv[1], rs ? rs : "");
		free((char *)rs);
		rc = 0;
		goto out;
	}
	if (strcmp(argv[0], "role") == 0 && argc >= 3) {
		if ((ac.role = role_parse(argv[2])) == ROLE_NONE) {
			fprintf(stderr, "tributary user: unknown role \"%s\"\n",
			    argv[2]);
			rc = 2;
			goto out;
		}
	} else if (strcmp(argv[0], "disable") == 0)
		ac.disable = 1;
	else {
		fputs(user_usage, stderr);
		rc = 2;
		goto out;
	}
	if (writer_run(n->writer, account_change_job, &ac, &e) == -1)
		goto out;
	printf("%s: %s\n", argv[1], ac.disable ? "disabled" : argv[2]);
	rc = 0;
out:
	if (rc == 1 && e.msg[0])
		fprintf(stderr, "tributary user: %s\n", e.msg);
	json_decref(langs);
	db_close(db);
	node_close(n);
	return (rc);
}

static const char drive_codes_usage[] =
    "usage: tributary drive-codes --data DIR --campaign SLUG [--count N]\n"
    "           [--cards FILE.html --url https://NODE [--webroot DIR]]\n"
    "Prints N new card codes, one per line. --cards also writes a printable\n"
    "page of cards: the campaign's title and language, the code, how to use\n"
    "it in the campaign's language (from the pages' catalogs in\n"
    "--webroot/i18n), the organization and its contact (tributary\n"
    "settings), and a QR code of URL/join.html?card=CODE. --url is the\n"
    "node's base address as the phones reach it (https://drive.lan, not\n"
    "a page such as .../join.html). An http:// address on a host that is\n"
    "not loopback is refused for an audio campaign (phones cannot record\n"
    "there: browsers give the microphone only to https or localhost) and\n"
    "warned about for a text one (the pages cannot work offline there).\n";

/*
** Checks --url for the cards of ${c}: its base address into ${base}.
** 0 to go on (having warned on stderr if phones cannot record there and
** ${c} is a text campaign), or 2 (exit status) having said why not.
*/
static int
cards_url_ok(const char *url, const struct campaign *c, char *base, size_t n)
{
	struct err e = { 0 };
	int rc = cards_url_check(url, base, n, &e);

	if (rc == -1) {
		fprintf(stderr, "tributary drive-codes: --url %s: %s\n", url,
		    e.msg);
		return (2);
	}
	if (rc == 1 && strcmp(c->kind, "audio") == 0) {
		fprintf(stderr,
		    "tributary drive-codes: --url %s: phones cannot record "
		    "there: browsers give the microphone only to https:// "
		    "addresses (or localhost). Serve the node over TLS "
		    "(ops/README.md) and give its https:// address\n",
		    url);
		return (2);
	}
	if (rc == 1)
		fprintf(stderr,
		    "tributary drive-codes: warning: --url %s is plain http "
		    "on another machine: phones cannot record there and the "
		    "pages cannot work offline (browsers allow both only on "
		    "https:// or localhost); fine for a text drive on a "
		    "trusted network\n",
		    url);
	return (0);
}

/* Writes the sheet of ${cb}'s cards to ${path}. 0, or 1 having said why. */
static int
cards_file(struct db *db, const char *path, const char *webroot,
    const char *base, const struct card_batch *cb)
{
	struct err e = { 0 };
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(
		    stderr, "tributary drive-codes: cannot write %s\n", path);
		return (1);
	}
	if (cards_write_for(f, db, webroot, base, cb->campaign_id, cb->codes,
		cb->count, &e) == -1) {
		fprintf(stderr, "tributary drive-codes: %s: %s\n", path, e.msg);
		rc = 1;
	}
	if (fclose(f) != 0 && rc == 0) {
		fprintf(
		    stderr, "tributary drive-codes: cannot write %s\n", path);
		rc = 1;
	}
	return (rc);
}

int
cmd_drive_codes(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *slug, *cs, *cards, *url;
	char base[CARDS_URL_MAX + 1], errbuf[256];
	struct card_batch cb = { 0 };
	struct campaign c = { 0 };
	struct config cfg = { 0 };
	struct err e = { 0 };
	struct node *n;
	struct db *db = NULL;
	int rc = 1, i, found;

	slug = opt(argc, argv, "--campaign");
	cs = opt(argc, argv, "--count");
	cards = opt(argc, argv, "--cards");
	url = opt(argc, argv, "--url");
	if (slug == NULL || flag(argc, argv, "--help")) {
		fputs(drive_codes_usage, slug ? stdout : stderr);
		return (slug ? 0 : 2);
	}
	cb.count = cs ? atoi(cs) : 1;
	if (cb.count < 1 || cb.count > 10000) {
		fprintf(
		    stderr, "tributary drive-codes: --count is 1 to 10000\n");
		return (2);
	}
	if (cards != NULL && url == NULL) {
		fprintf(stderr,
		    "tributary drive-codes: --cards needs --url, the "
		    "node's address as phones reach it\n");
		return (2);
	}
	/* The webroot serve would use: its default, the config file, the
	** environment; --webroot wins. */
	if (cards != NULL &&
	    config_load(&cfg, 0, NULL, stdout, errbuf, sizeof(errbuf)) != 0) {
		fprintf(stderr, "tributary drive-codes: %s\n", errbuf);
		config_free(&cfg);
		return (2);
	}
	if ((n = open_node("drive-codes", dir)) == NULL) {
		config_free(&cfg);
		return (1);
	}
	if ((db = db_open(n->dbpath, 0, &e)) == NULL)
		goto out;
	if ((found = campaign_get(db, slug, 0, &c, &e)) != 1) {
		if (found == 0)
			err_set(&e, ERR_NOT_FOUND, "no campaign \"%s\"", slug);
		goto out;
	}
	cb.campaign_id = c.id;
	/* Refused before any code is made. */
	if (cards != NULL &&
	    (rc = cards_url_ok(url, &c, base, sizeof(base))) != 0)
		goto out;
	rc = 1;
	if ((cb.codes = calloc((size_t)cb.count, sizeof(*cb.codes))) == NULL)
		goto out;
	if (writer_run(n->writer, card_create_job, &cb, &e) == -1)
		goto out;
	for (i = 0; i < cb.count; i++)
		printf("%s\n", cb.codes[i]);
	rc = cards == NULL ? 0
			   : cards_file(db, cards,
				 opt(argc, argv, "--webroot") != NULL
				     ? opt(argc, argv, "--webroot")
				     : cfg.webroot,
				 base, &cb);
out:
	if (rc == 1 && e.msg[0])
		fprintf(stderr, "tributary drive-codes: %s\n", e.msg);
	campaign_clear(&c);
	config_free(&cfg);
	free(cb.codes);
	db_close(db);
	node_close(n);
	return (rc);
}

static const char campaign_usage[] =
    "usage: tributary campaign import --data DIR FILE.json\n"
    "       tributary campaign prompts --data DIR SLUG FILE [--licence ID]\n"
    "                          [--source TEXT]\n"
    "       tributary campaign stats --data DIR SLUG\n"
    "(prompts: FILE.csv has a header naming text, source, licence; any\n"
    "other file is one prompt per line, each under --licence and --source)\n";

/* `campaign import FILE`. */
static int
campaign_import_cmd(struct node *n, const char *file)
{
	struct campaign_import ci = { 0 };
	json_error_t je;
	struct err e = { 0 };
	int rc = 1;

	if ((ci.def = json_load_file(file, JSON_REJECT_DUPLICATES, &je)) ==
	    NULL) {
		fprintf(stderr, "tributary campaign: %s:%d: %s\n", file,
		    je.line, je.text);
		return (1);
	}
	if (writer_run(n->writer, campaign_import_job, &ci, &e) == -1)
		fprintf(stderr, "tributary campaign: %s: %s\n", file, e.msg);
	else {
		printf("imported campaign %s\n",
		    json_string_value(json_object_get(ci.def, "slug")));
		rc = 0;
	}
	json_decref(ci.def);
	return (rc);
}

/* `campaign prompts SLUG FILE`: all or nothing, each refused line named. */
static int
campaign_prompts_cmd(struct node *n, struct db *db, const char *slug,
    const char *file, const char *licence, const char *source)
{
	struct prompt_import pi = { 0 };
	struct prompt_set set = { 0 };
	struct campaign c;
	struct err e = { 0 };
	size_t len, i;
	char *body = NULL, lic[32];
	json_t *v;
	int rc = 1, csv;

	if ((rc = campaign_get(db, slug, 0, &c, &e)) != 1) {
		fprintf(stderr, "tributary campaign: %s\n",
		    rc == 0 ? "no such campaign" : e.msg);
		return (1);
	}
	pi.campaign_id = c.id;
	campaign_clear(&c);
	if (text_read_file(file, PROMPT_FILE_MAX, &body, &len, &e) == -1) {
		fprintf(stderr, "tributary campaign: %s\n", e.msg);
		return (1);
	}
	len = strlen(file);
	csv = len > 4 && strcasecmp(file + len - 4, ".csv") == 0;
	snprintf(lic, sizeof(lic), "%s", licence ? licence : "");
	text_lower_ascii(lic);
	rc = 1;
	if (prompts_parse(body, strlen(body), csv, lic[0] ? lic : NULL, source,
		&set, &e) == -1) {
		fprintf(stderr, "tributary campaign: %s: %s\n", file, e.msg);
		json_array_foreach(set.errors, i, v) fprintf(stderr,
		    "%s:%lld: %s\n", file,
		    (long long)json_integer_value(json_object_get(v, "line")),
		    json_string_value(json_object_get(v, "message")));
		goto out;
	}
	pi.set = &set;
	if (writer_run(n->writer, prompt_import_job, &pi, &e) == -1) {
		fprintf(stderr, "tributary campaign: %s\n", e.msg);
		goto out;
	}
	printf("imported %zu prompts into %s (%zu already there or "
	       "repeated)\n",
	    pi.imported, slug, pi.duplicates);
	rc = 0;
out:
	prompt_set_free(&set);
	free(body);
	return (rc);
}

/* `campaign stats SLUG`: the figures of the campaign page, as text. */
static int
campaign_stats_cmd(struct db *db, const char *slug)
{
	static const char *const keys[] = { "pending", "validated", "rejected",
		"withdrawn", "contributors", "reviewers", "votes", "queue",
		"corrections", NULL };
	struct campaign c;
	struct err e = { 0 };
	json_t *o, *t, *r, *d;
	const char *k;
	size_t i;
	int rc;

	if ((rc = campaign_get(db, slug, 0, &c, &e)) != 1) {
		fprintf(stderr, "tributary campaign: %s\n",
		    rc == 0 ? "no such campaign" : e.msg);
		return (1);
	}
	o = review_stats(db, c.id, (int64_t)time(NULL), &e);
	campaign_clear(&c);
	if (o == NULL) {
		fprintf(stderr, "tributary campaign: %s\n", e.msg);
		return (1);
	}
	t = json_object_get(o, "totals");
	printf("campaign %s\n", slug);
	for (i = 0; keys[i] != NULL; i++)
		printf("  %-18s %lld\n", keys[i],
		    (long long)json_integer_value(json_object_get(t, keys[i])));
	printf("  %-18s %.2f\n", "validated hours",
	    json_real_value(json_object_get(t, "validated_seconds")) / 3600);
	printf("down-vote reasons\n");
	json_object_foreach(json_object_get(o, "reasons"), k, r)
	    printf("  %-18s %lld\n", k, (long long)json_integer_value(r));
	printf("last 30 days: day submitted validated rejected withdrawn "
	       "votes\n");
	json_array_foreach(json_object_get(o, "days"), i, d)
	    printf("  %s %9lld %9lld %8lld %9lld %5lld\n",
		json_string_value(json_object_get(d, "day")),
		(long long)json_integer_value(json_object_get(d, "submitted")),
		(long long)json_integer_value(json_object_get(d, "validated")),
		(long long)json_integer_value(json_object_get(d, "rejected")),
		(long long)json_integer_value(json_object_get(d, "withdrawn")),
		(long long)json_integer_value(json_object_get(d, "votes")));
	json_decref(o);
	return (0);
}

int
cmd_campaign(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv);
	struct err e = { 0 };
	struct node *n;
	struct db *db = NULL;
	int rc = 1;

	if (argc < 2 || flag(argc, argv, "--help") ||
	    (strcmp(argv[0], "import") != 0 && strcmp(argv[0], "stats") != 0 &&
		(strcmp(argv[0], "prompts") != 0 || argc < 3))) {
		fputs(campaign_usage,
		    flag(argc, argv, "--help") ? stdout : stderr);
		return (flag(argc, argv, "--help") ? 0 : 2);
	}
	if ((n = open_node("campaign", dir)) == NULL)
		return (1);
	if (strcmp(argv[0], "import") == 0)
		rc = campaign_import_cmd(n, argv[1]);
	else if ((db = db_open(n->dbpath, 0, &e)) == NULL)
		fprintf(stderr, "tributary campaign: %s\n", e.msg);
	else if (strcmp(argv[0], "prompts") == 0)
		rc = campaign_prompts_cmd(n, db, argv[1], argv[2],
		    opt(argc, argv, "--licence"), opt(argc, argv, "--source"));
	else
		rc = campaign_stats_cmd(db, argv[1]);
	db_close(db);
	node_close(n);
	return (rc);
}

static const char audit_usage[] =
    "usage: tributary audit verify --data DIR\n"
    "       tributary audit tail --data DIR [--count N]\n";

/* `audit verify`: 0 intact, 1 broken or unreadable. */
static int
audit_verify_cmd(struct db *db)
{
	struct audit_check ac;
	struct err e = { 0 };

	if (audit_verify(db, &ac, &e) == -1) {
		fprintf(stderr, "tributary audit: %s\n", e.msg);
		return (1);
	}
	if (ac.state == AUDIT_CHANGED) {
		printf(
		    "audit log: row %lld: hash does not match (changed after "
		    "it was written)\n",
		    (long long)ac.bad_id);
		return (1);
	}
	if (ac.state == AUDIT_GAP && ac.after_id == 0) {
		printf("audit log: row %lld is the first: rows before it are "
		       "missing\n",
		    (long long)ac.bad_id);
		return (1);
	}
	if (ac.state == AUDIT_GAP) {
		printf("audit log: row %lld follows row %lld: rows between are "
		       "missing\n",
		    (long long)ac.bad_id, (long long)ac.after_id);
		return (1);
	}
	printf("audit log: %lld rows, chain intact, head %s",
	    (long long)ac.rows, ac.head[0] ? ac.head : "(none)");
	if (ac.before > 0)
		printf(" (%lld rows from before the chain, not checked)",
		    (long long)ac.before);
	printf("\n");
	return (0);
}

/* `audit tail`: the latest ${count} rows, newest first, one line each:
** id, time (ISO 8601 UTC), actor, action, subject, detail, tab-separated;
** "-" where there is no actor or subject. */
static int
audit_tail_cmd(struct db *db, int count)
{
	struct err e = { 0 };
	json_t *list, *v, *x;
	char when[32], *d;
	struct tm tm;
	time_t at;
	size_t i;

	if ((list = audit_tail(db, count, &e)) == NULL) {
		fprintf(stderr, "tributary audit: %s\n", e.msg);
		return (1);
	}
	json_array_foreach(list, i, v)
	{
		at = (time_t)json_integer_value(json_object_get(v, "at"));
		gmtime_r(&at, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("%lld\t%s\t",
		    (long long)json_integer_value(json_object_get(v, "id")),
		    when);
		if ((x = json_object_get(v, "actor")) != NULL &&
		    json_is_string(x))
			printf("%s", json_string_value(x));
		else if (json_is_integer(x = json_object_get(v, "actor_id")))
			printf("#%lld", (long long)json_integer_value(x));
		else
			printf("-");
		printf(
		    "\t%s\t", json_string_value(json_object_get(v, "action")));
		if (json_is_integer(x = json_object_get(v, "subject_id")))
			printf("%lld", (long long)json_integer_value(x));
		else
			printf("-");
		d = json_dumps(json_object_get(v, "detail"),
		    JSON_COMPACT | JSON_SORT_KEYS);
		printf("\t%s\n", d ? d : "{}");
		free(d);
	}
	json_decref(list);
	return (0);
}

int
cmd_audit(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *cs;
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	long count = 20;
	char *end;
	int rc;

	if (argc < 1 || flag(argc, argv, "--help") ||
	    (strcmp(argv[0], "verify") != 0 && strcmp(argv[0], "tail") != 0)) {
		fputs(audit_usage,
		    argc < 1 || !flag(argc, argv, "--help") ? stderr : stdout);
		return (flag(argc, argv, "--help") ? 0 : 2);
	}
	if ((cs = opt(argc, argv, "--count")) != NULL) {
		count = strtol(cs, &end, 10);
		if (*cs == '\0' || *end != '\0' || count < 1 ||
		    count > 1000000) {
			fprintf(stderr,
			    "tributary audit: --count wants a number from 1\n");
			return (2);
		}
	}
	if ((n = open_node("audit", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, DB_READONLY, &e)) == NULL) {
		fprintf(stderr, "tributary audit: %s\n", e.msg);
		node_close(n);
		return (1);
	}
	rc = strcmp(argv[0], "verify") == 0 ? audit_verify_cmd(db)
					    : audit_tail_cmd(db, (int)count);
	db_close(db);
	node_close(n);
	return (rc);
}

int
cli_split_list(const char *s, char *store, size_t n, const char **out)
{
	char *p, *save = NULL;
	int k = 0;

	if (s == NULL)
		return (0);
	snprintf(store, n, "%s", s);
	for (p = strtok_r(store, ",", &save); p != NULL;
	     p = strtok_r(NULL, ",", &save)) {
		if (k == CLI_LIST_MAX)
			return (-1);
		out[k++] = p;
	}
	return (k);
}

int
cli_config(
    const char *cmd, const char *dir, const char *cfgfile, struct config *c)
{
	char *av[4] = { "--data", (char *)dir, NULL, NULL }, err[256];
	int ac = 2;

	if (cfgfile != NULL) {
		av[2] = "--config";
		av[3] = (char *)cfgfile;
		ac = 4;
	}
	if (config_load(c, ac, av, stderr, err, sizeof(err)) != 0) {
		fprintf(stderr, "tributary %s: %s\n", cmd, err);
		return (-1);
	}
	return (0);
}

int
cli_licences(const char *cmd, const char *dir, int argc, char **argv,
    struct config *c, struct licence_table *lt)
{
	struct err e = { 0 };
	char path[4096];

	if (cli_config(cmd, dir, opt(argc, argv, "--config"), c) == -1)
		return (-1);
	snprintf(path, sizeof(path), "%s/licences.yaml",
	    opt(argc, argv, "--consent-dir") ? opt(argc, argv, "--consent-dir")
					     : c->consent_dir);
	if (licences_load(path, lt, &e) == -1) {
		fprintf(stderr, "tributary %s: %s\n", cmd, e.msg);
		config_free(c);
		return (-1);
	}
	return (0);
}

int
cli_release_args(
    const char *cmd, int argc, char **argv, struct cli_release_args *a)
{
	int k;

	memset(a, 0, sizeof(*a));
	a->version = opt(argc, argv, "--version");
	a->dataset = opt(argc, argv, "--dataset");
	snprintf(a->licence, sizeof(a->licence), "%s",
	    opt(argc, argv, "--licence") ? opt(argc, argv, "--licence") : "");
	text_lower_ascii(a->licence);
	if ((k = cli_split_list(opt(argc, argv, "--permits"), a->store,
		 sizeof(a->store), a->permits)) < 0) {
		fprintf(stderr, "tributary %s: too many --permits\n", cmd);
		return (-1);
	}
	a->npermits = (size_t)k;
	return (
	    a->version == NULL || a->dataset == NULL || a->licence[0] == '\0'
		? -1
		: 0);
}
