/*
** tributary: one binary, git-style subcommands.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "crypto.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *what;
} cmds[] = {
	{ "help", cmd_help, "list the commands" },
	{ "init", cmd_init, "create a node: tributary init --data DIR" },
	{ "serve", cmd_serve,
	    "run a node: tributary serve --data DIR "
	    "[--port N] (--help for all options; --demo for a sample node)" },
	{ "user", cmd_user,
	    "manage accounts: user add|role|disable|list --data DIR" },
	{ "drive-codes", cmd_drive_codes,
	    "print new card codes: drive-codes --data DIR --campaign SLUG "
	    "--count N" },
	{ "campaign", cmd_campaign,
	    "add or update a campaign: campaign import --data DIR FILE.json" },
	{ "audit", cmd_audit,
	    "check or list the audit log: audit verify|tail --data DIR "
	    "[--count N]" },
	{ "release", cmd_release,
	    "cut, approve, list and check releases: release "
	    "create|approve|list|verify (release --help)" },
	{ "ledger", cmd_ledger,
	    "contributor pay: ledger verify|balance|royalty|payout|keygen|"
	    "payouts|record|rekey|head (ledger --help)" },
	{ "publish", cmd_publish,
	    "push an approved release to a Hugging Face Hub: publish --data "
	    "DIR VERSION --repo NS/NAME (publish --help)" },
	{ "token", cmd_token,
	    "push tokens for the Hub write API: token add|list|revoke (token "
	    "--help)" },
	{ "i18n", cmd_i18n,
	    "how far each language of the pages is translated: i18n status "
	    "--data DIR" },
	{ "settings", cmd_settings,
	    "the organization behind the node and its switches: settings "
	    "--data DIR [--org-name NAME] [--org-contact TEXT] (settings "
	    "--help)" },
	{ "peer", cmd_peer,
	    "the nodes this one pools releases with: peer "
	    "whoami|add|list|remove (peer --help)" },
	{ "key", cmd_key,
	    "this node's signing key: key show|rotate --data DIR (key "
	    "--help)" },
	{ "federate", cmd_federate,
	    "pull every peer's signed releases and revocations: federate pull "
	    "--data DIR [--peer NAME] (federate --help)" },
	{ "webroot", cmd_webroot,
	    "precompress a webroot: webroot compress DIR (the build runs "
	    "it)" },
	{ "version", cmd_version, "print the version" },
};

static int
cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("usage: tributary COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		printf("  %-10s %s\n", cmds[i].name, cmds[i].what);
	return (0);
}

static int
cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("tributary %s\n", TRIBUTARY_VERSION);
	return (0);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (crypto_init() == -1) {
		fprintf(stderr, "tributary: libsodium failed to start\n");
		return (1);
	}
	if (argc < 2) {
		cmd_help(0, NULL);
		return (2);
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return (cmds[i].fn(argc - 2, argv + 2));
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return (cmd_help(0, NULL));
	fprintf(stderr,
	    "tributary: unknown command \"%s\" (try tributary "
	    "help)\n",
	    argv[1]);
	return (2);
}
