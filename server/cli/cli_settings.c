/*
** `tributary settings`: the organization behind the node (its name,
** contact and "who we are", shown on the home page and the printed drive
** cards) and the node's switches. Without a setter it prints what is set;
** with setters it changes them through the same writer job as the admin
** page (settings_change_job), audited with actor 0, the machine's owner.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "node.h"
#include "settings.h"

static const char settings_usage[] =
    "usage: tributary settings --data DIR [--org-name NAME]\n"
    "           [--org-contact TEXT] [--org-about TEXT]\n"
    "           [--handle-signup on|off]\n"
    "Without a setter, prints the settings. The organization's name (at\n"
    "most 100 characters, one line), contact (phone, e-mail, address: at\n"
    "most 300) and who-we-are (at most 1000) are public: the home page and\n"
    "every printed drive card show them. \"\" clears one; \\n in a contact\n"
    "or who-we-are starts a new line. --handle-signup off stops anyone\n"
    "creating an account with a handle (a drive that uses only cards).\n";

/* ${s} with each "\n" (backslash, n) turned into a line break, in place:
** a shell argument cannot easily hold one. */
static void
unescape_lines(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else
			*w++ = *s;
	}
	*w = '\0';
}

/* Prints ${v} under ${k}, later lines indented under the first. */
static void
print_field(const char *k, const char *v)
{
	printf("%-14s ", k);
	for (; *v != '\0'; v++) {
		putchar(*v);
		if (*v == '\n')
			printf("%-14s ", "");
	}
	putchar('\n');
}

static void
print_settings(const struct settings *s)
{
	print_field("org-name", s->org_name);
	print_field("org-contact", s->org_contact);
	print_field("org-about", s->org_about);
	print_field("handle-signup", s->handle_signup ? "on" : "off");
}

int
cmd_settings(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv), *sw;
	struct settings_change c = { .handle_signup = -1 };
	char *texts[3] = { NULL, NULL, NULL };
	static const char *const names[3] = { "--org-name", "--org-contact",
		"--org-about" };
	struct settings s = { 0 };
	struct err e = { 0 };
	struct node *n = NULL;
	struct db *db = NULL;
	int rc = 1, i, set = 0;

	if (flag(argc, argv, "--help")) {
		fputs(settings_usage, stdout);
		return (0);
	}
	for (i = 0; i < 3; i++)
		if (opt(argc, argv, names[i]) != NULL) {
			texts[i] = (char *)opt(argc, argv, names[i]);
			unescape_lines(texts[i]);
			set = 1;
		}
	c.org_name = texts[0];
	c.org_contact = texts[1];
	c.org_about = texts[2];
	if ((sw = opt(argc, argv, "--handle-signup")) != NULL) {
		if (strcmp(sw, "on") != 0 && strcmp(sw, "off") != 0) {
			fprintf(stderr,
			    "tributary settings: --handle-signup is on or "
			    "off\n");
			return (2);
		}
		c.handle_signup = strcmp(sw, "on") == 0;
		set = 1;
	}
	if (set && settings_change_check(&c, &e) == -1) {
		fprintf(stderr, "tributary settings: %s\n", e.msg);
		settings_change_clear(&c);
		return (2);
	}
	if ((n = open_node("settings", dir)) == NULL)
		goto out;
	if (set && writer_run(n->writer, settings_change_job, &c, &e) == -1)
		goto out;
	if ((db = db_open(n->dbpath, DB_READONLY, &e)) == NULL ||
	    settings_get(db, &s, &e) == -1)
		goto out;
	if (set)
		printf(c.changed ? "changed %d setting%s:\n"
				 : "nothing to "
				   "change:\n",
		    c.changed, c.changed == 1 ? "" : "s");
	print_settings(&s);
	settings_clear(&s);
	rc = 0;
out:
	if (rc && e.msg[0])
		fprintf(stderr, "tributary settings: %s\n", e.msg);
	settings_change_clear(&c);
	db_close(db);
	node_close(n);
	return (rc);
}
