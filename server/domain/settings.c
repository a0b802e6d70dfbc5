/*
** The node's settings (settings.h): one row of node_settings, read by
** anyone's request (the home page, the join page, the card sheet) and
** changed by an admin's writer job, which audits what it changed.
*/
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "text.h"

static const char SQL_SETTINGS_GET[] =
    "SELECT org_name, org_contact, org_about, handle_signup, "
    "coalesce(updated_at, 0) FROM node_settings WHERE id = 1";
static const char SQL_SETTINGS_SET[] =
    "UPDATE node_settings SET org_name = coalesce(?1, org_name), "
    "org_contact = coalesce(?2, org_contact), "
    "org_about = coalesce(?3, org_about), "
    "handle_signup = coalesce(?4, handle_signup), updated_at = ?5, "
    "updated_by = nullif(?6, 0) WHERE id = 1";

/* The text in column ${i} of ${st}, as a new string ("" for NULL). */
static char *
column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return (strdup(t != NULL ? (const char *)t : ""));
}

int
settings_get(struct db *db, struct settings *s, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(s, 0, sizeof(*s));
	if ((st = db_prepare(db, SQL_SETTINGS_GET, e)) == NULL)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		s->org_name = column_dup(st, 0);
		s->org_contact = column_dup(st, 1);
		s->org_about = column_dup(st, 2);
		s->handle_signup = sqlite3_column_int(st, 3) != 0;
		s->updated_at = (time_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (rc == SQLITE_DONE ? err_set(e, ERR_STORAGE,
						"the node's settings row is "
						"missing")
					  : db_err(db, e, "settings"));
	if (s->org_name == NULL || s->org_contact == NULL ||
	    s->org_about == NULL) {
		settings_clear(s);
		return (err_oom(e));
	}
	return (0);
}

void
settings_clear(struct settings *s)
{
	free(s->org_name);
	free(s->org_contact);
	free(s->org_about);
	s->org_name = s->org_contact = s->org_about = NULL;
}

json_t *
settings_json(const struct settings *s)
{
	return (json_pack("{s:s,s:s,s:s,s:b,s:o}", "org_name", s->org_name,
	    "org_contact", s->org_contact, "org_about", s->org_about,
	    "handle_signup", s->handle_signup, "updated_at",
	    s->updated_at > 0 ? json_integer((json_int_t)s->updated_at)
			      : json_null()));
}

static int
is_space(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

int
settings_text_clean(const char *in, size_t max, int lines, const char *field,
    char **out, struct err *e)
{
	size_t n = strlen(in), i, j, chars = 0;
	unsigned char c;
	char *s;

	*out = NULL;
	if (utf8_invalid_at(in, n) != n)
		return (err_set(
		    e, ERR_INVALID, "\"%s\" is not valid UTF-8 text", field));
	while (n > 0 && is_space(in[n - 1]))
		n--;
	while (n > 0 && is_space(*in))
		in++, n--;
	if ((s = malloc(n + 1)) == NULL)
		return (err_oom(e));
	for (i = j = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '\r' && i + 1 < n && in[i + 1] == '\n')
			continue;
		if (c == '\t')
			c = ' ';
		/* C0 and DEL; C1 (U+0080-U+009F) is 0xC2 0x80-0x9F. */
		if ((c < 0x20 && !(c == '\n' && lines)) || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n &&
			(unsigned char)in[i + 1] < 0xa0)) {
			free(s);
			return (err_set(e, ERR_INVALID,
			    c == '\n' ? "\"%s\" is one line"
				      : "\"%s\" holds a control character",
			    field));
		}
		if ((c & 0xc0) != 0x80)
			chars++;
		s[j++] = (char)c;
	}
	s[j] = '\0';
	if (chars > max) {
		free(s);
		return (err_set(e, ERR_INVALID,
		    "\"%s\" is at most %zu characters (this is %zu)", field,
		    max, chars));
	}
	*out = s;
	return (0);
}

int
settings_change_check(struct settings_change *c, struct err *e)
{
	static const struct {
		const char *name;
		size_t max;
		int lines;
	} f[3] = {
		{ "org_name", ORG_NAME_MAX, 0 },
		{ "org_contact", ORG_CONTACT_MAX, 1 },
		{ "org_about", ORG_ABOUT_MAX, 1 },
	};
	const char **v[3] = { &c->org_name, &c->org_contact, &c->org_about };
	int i;

	if (c->handle_signup < -1 || c->handle_signup > 1)
		return (err_set(
		    e, ERR_INVALID, "\"handle_signup\" is true or false"));
	for (i = 0; i < 3; i++) {
		if (*v[i] == NULL || *v[i] == c->own[i])
			continue;
		free(c->own[i]);
		if (settings_text_clean(*v[i], f[i].max, f[i].lines, f[i].name,
			&c->own[i], e) == -1)
			return (-1);
		*v[i] = c->own[i];
	}
	return (0);
}

void
settings_change_clear(struct settings_change *c)
{
	int i;

	for (i = 0; i < 3; i++) {
		free(c->own[i]);
		c->own[i] = NULL;
	}
}

/* Binds ${v} as ?${i} of ${st}, NULL when it is unchanged from ${old}
** (NULL: keep), and adds it to ${detail} under ${k} when it changes. */
static int
bind_change(sqlite3_stmt *st, int i, const char *v, const char *old,
    json_t *detail, const char *k)
{
	if (v == NULL || strcmp(v, old) == 0)
		return (0);
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	json_object_set_new(detail, k, json_string(v));
	return (1);
}

int
settings_change_job(struct db *db, void *arg, struct err *e)
{
	struct settings_change *c = arg;
	struct settings old;
	sqlite3_stmt *st;
	json_t *detail;
	int rc;

	c->changed = 0;
	if (settings_change_check(c, e) == -1 ||
	    settings_get(db, &old, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_SETTINGS_SET, e)) == NULL ||
	    (detail = json_object()) == NULL) {
		settings_clear(&old);
		return (st == NULL ? -1 : err_oom(e));
	}
	sqlite3_clear_bindings(st);
	c->changed +=
	    bind_change(st, 1, c->org_name, old.org_name, detail, "org_name");
	c->changed += bind_change(
	    st, 2, c->org_contact, old.org_contact, detail, "org_contact");
	c->changed += bind_change(
	    st, 3, c->org_about, old.org_about, detail, "org_about");
	if (c->handle_signup != -1 && c->handle_signup != old.handle_signup) {
		sqlite3_bind_int(st, 4, c->handle_signup);
		json_object_set_new(
		    detail, "handle_signup", json_boolean(c->handle_signup));
		c->changed++;
	}
	settings_clear(&old);
	if (c->changed == 0) {
		json_decref(detail);
		return (0);
	}
	sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	sqlite3_bind_int64(st, 6, c->actor);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(detail);
		return (db_err(db, e, "settings"));
	}
	return (audit_append(db, c->actor, "settings.changed", 0, detail, e));
}
