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

#endif
