/*
** The subcommands of the tributary binary. Each takes the arguments after
** its name and returns the process exit status.
*/
#ifndef TRIBUTARY_CLI_H
#define TRIBUTARY_CLI_H

#include <stddef.h>

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_drive_codes(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_release(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_token(int argc, char **argv);    /* cli_token.c */
int cmd_i18n(int argc, char **argv);     /* cli_i18n.c */
int cmd_settings(int argc, char **argv); /* cli_settings.c */
int cmd_peer(int argc, char **argv);     /* cli_peer.c */
int cmd_federate(int argc, char **argv); /* cli_peer.c */
int cmd_key(int argc, char **argv);      /* cli_key.c */
int cmd_webroot(int argc, char **argv);  /* cli_webroot.c */
/* `federate release` and `federate status` (cli_federate.c), on the node
** in ${dir}; ${argv}[0] is the subcommand. */
int cmd_federate_more(const char *dir, int argc, char **argv);

/* What the commands share (cli_admin.c). */
struct node;
/* Removes "--data DIR" / "--data=DIR" from argv; falls back on
** TRIBUTARY_DATA. Returns the directory or NULL. */
const char *take_data(int *argc, char **argv);
/* Opens the node in ${dir} for command ${cmd}; NULL after saying why on
** stderr. */
struct node *open_node(const char *cmd, const char *dir);
/* The value of option ${name} ("--x V" or "--x=V"), or NULL. */
const char *opt(int argc, char **argv, const char *name);
/* 1 if the flag ${name} is given, else 0. */
int flag(int argc, char **argv, const char *name);
/* The most items a comma list option takes. */
#define CLI_LIST_MAX 64
/* Splits the comma list ${s} (copied into ${store}, ${n} bytes) into
** ${out}: the count, or -1 if there are more than CLI_LIST_MAX. */
int cli_split_list(const char *s, char *store, size_t n, const char **out);
struct config;
/* The node's settings as serve would read them (the config file named
** by ${cfgfile} or TRIBUTARY_CONFIG, TRIBUTARY_* variables) into ${c}:
** 0, or -1 after saying why, as command ${cmd}. */
int cli_config(
    const char *cmd, const char *dir, const char *cfgfile, struct config *c);
struct licence_table;
/* The settings (cli_config, with --config) into ${c} (config_free it)
** and the licence table of --consent-dir, else the settings' consent
** folder, into ${lt} (licences_free it): 0, or -1 after saying why. */
int cli_licences(const char *cmd, const char *dir, int argc, char **argv,
    struct config *c, struct licence_table *lt);

/* What `release create` and `federate release` both take. */
struct cli_release_args {
	const char *version, *dataset;     /* --version, --dataset */
	char licence[64];                  /* --licence, lowered */
	const char *permits[CLI_LIST_MAX]; /* --permits, a comma list */
	size_t npermits;
	char store[1024];
};
/* Reads them from ${argv}: 0, or -1 after saying why (--permits too
** long) or when --version, --dataset or --licence is missing. */
int cli_release_args(
    const char *cmd, int argc, char **argv, struct cli_release_args *a);

#endif
