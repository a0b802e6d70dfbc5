/*
** The subcommands of the tributary binary. Each takes the arguments after
** its name and returns the process exit status.
*/
#ifndef TRIBUTARY_CLI_H
#define TRIBUTARY_CLI_H

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

#endif
