/*
** The node's settings: the organization that runs it (its name, its
** contact — phone, e-mail, address — and a short "who we are") and the
** node's switches (may anyone sign up with a handle?). One row in
** node_settings (schema 016). The organization's details are public: the
** home page and the printed drive cards show them, because the consent
** text promises people they are there. An admin changes them on the
** admin page or with `tributary settings`; every change is audited.
*/
#ifndef TRIBUTARY_SETTINGS_H
#define TRIBUTARY_SETTINGS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "db.h"
#include "err.h"

/* The bounds, in characters (Unicode code points) after trimming. */
#define ORG_NAME_MAX    100  /* one line */
#define ORG_CONTACT_MAX 300  /* lines: phone, e-mail, address */
#define ORG_ABOUT_MAX   1000 /* lines */

struct settings {
	char *org_name;    /* malloc'd; "" when not set */
	char *org_contact; /* malloc'd; "" when not set */
	char *org_about;   /* malloc'd; "" when not set */
	int handle_signup; /* 1: anyone may join with a handle */
	time_t updated_at; /* 0: never changed */
};

/* Reads the settings into ${s} (free with settings_clear()). 0, or -1
** with ${e} set (ERR_STORAGE; ERR_INTERNAL out of memory). */
int settings_get(struct db *db, struct settings *s, struct err *e);
/* Frees what ${s} holds; a zeroed ${s} is fine. Can't fail. */
void settings_clear(struct settings *s);
/* {"org_name","org_contact","org_about","handle_signup","updated_at"}
** (updated_at null when never changed): a new reference, NULL if out of
** memory. Everything in it is public. */
json_t *settings_json(const struct settings *s);

/*
** Cleans a free-text field a person typed: ${in} trimmed of white space
** at both ends, "\r\n" turned into "\n", into a new string *${out} (the
** caller frees it). Refused (ERR_INVALID, naming ${field}): bad UTF-8,
** more than ${max} characters, a control character (a line break too,
** unless ${lines}). Returns 0, or -1 with ${e} set (ERR_INVALID,
** ERR_INTERNAL out of memory) and *${out} NULL.
*/
int settings_text_clean(const char *in, size_t max, int lines,
    const char *field, char **out, struct err *e);

/*
** A change of settings: each field NULL (or handle_signup -1) is kept.
** settings_change_check() cleans the texts in place (into the owned
** copies) and refuses what does not fit, before anything is written:
** 0, or -1 with ${e} set (ERR_INVALID naming the field and its bound,
** ERR_INTERNAL). Free with settings_change_clear().
*/
struct settings_change {
	const char *org_name, *org_contact, *org_about; /* NULL = keep */
	int handle_signup;                              /* -1 keep, 0, 1 */
	int64_t actor;                                  /* 0: the CLI */
	char *own[3]; /* the cleaned texts (settings_change_check) */
	int changed;  /* out: how many fields the job changed */
};
int settings_change_check(struct settings_change *c, struct err *e);
void settings_change_clear(struct settings_change *c);

/*
** Writer job: applies the change ${arg} (a struct settings_change that
** passed settings_change_check(); the job checks again) and audits it as
** "settings.changed" with the fields changed and their new values; a
** change that changes nothing writes nothing. Returns 0 with ${changed}
** set, or -1 with ${e} set: ERR_INVALID, ERR_STORAGE.
*/
int settings_change_job(struct db *db, void *arg, struct err *e);

#endif
