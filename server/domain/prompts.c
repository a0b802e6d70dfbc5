/*
** Prompts with provenance (prompts.h): the import file's parser, the jobs
** that write prompts, and the reads that offer them.
*/
#include "prompts.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "buf.h"
#include "text.h"

const char *const prompt_licences[] = { "cc0-1.0", "pddl", "cc-by-4.0",
	"cc-by-sa-4.0", "cc-by-3.0", "cc-by-sa-3.0", "odc-by", "odbl", NULL };
const char *const prompt_licence_names[] = { "CC0 1.0 (public domain)",
	"Open Data Commons Public Domain Dedication", "CC BY 4.0",
	"CC BY-SA 4.0", "CC BY 3.0", "CC BY-SA 3.0",
	"Open Data Commons Attribution", "Open Database License", NULL };

static const char SQL_INSERT[] =
    "INSERT INTO prompts(campaign_id, text, source, licence, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (campaign_id, text) DO NOTHING";
static const char SQL_CAMPAIGN[] = "SELECT 1 FROM campaigns WHERE id = ?1";
static const char SQL_GET[] =
    "SELECT id, campaign_id, text, source, licence, uses, "
    "retired_at IS NOT NULL FROM prompts WHERE id = ?1";
static const char SQL_UPDATE[] =
    "UPDATE prompts SET text = ?2, source = ?3, licence = ?4, "
    "retired_at = CASE ?5 WHEN 1 THEN coalesce(retired_at, ?6) "
    "WHEN -1 THEN NULL ELSE retired_at END WHERE id = ?1";
static const char SQL_ADD[] =
    "INSERT INTO prompts(campaign_id, text, source, licence, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
#define STR_(x) #x
#define STR(x)  STR_(x)
/* The least used live prompts (prompts_next), at most PROMPT_LISTED. */
static const char SQL_LIVE[] =
    "SELECT id, text FROM prompts WHERE campaign_id = ?1 AND retired_at IS "
    "NULL ORDER BY uses, id LIMIT " STR(PROMPT_LISTED);
static const char SQL_ALL[] =
    "SELECT id, campaign_id, text, source, licence, uses, "
    "retired_at IS NOT NULL FROM prompts WHERE campaign_id = ?1 "
    "ORDER BY retired_at IS NOT NULL, id";
/* An index walk over prompts_next (fewest uses first), each candidate
** checked against the person's own (contributions_prompt). */
static const char SQL_NEXT[] =
    "SELECT p.id, p.text FROM prompts p WHERE p.campaign_id = ?1 AND "
    "p.retired_at IS NULL AND NOT EXISTS (SELECT 1 FROM contributions c "
    "WHERE c.account_id = ?2 AND c.prompt_id = p.id) "
    "ORDER BY p.uses, p.id LIMIT 1";
static const char SQL_TEXT[] =
    "SELECT text FROM prompts WHERE id = ?1 AND campaign_id = ?2 AND "
    "retired_at IS NULL";

int
prompt_licence_ok(const char *id)
{
	size_t i;

	for (i = 0; id != NULL && prompt_licences[i] != NULL; i++)
		if (strcmp(id, prompt_licences[i]) == 0)
			return (1);
	return (0);
}

void
prompt_set_free(struct prompt_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->p[i].text);
		free(s->p[i].source);
		free(s->p[i].licence);
	}
	free(s->p);
	json_decref(s->errors);
	memset(s, 0, sizeof(*s));
}

/* A refused line: named in ${s}->errors while there is room. */
static void
refuse(struct prompt_set *s, long line, const char *msg)
{
	if (s->errors == NULL)
		s->errors = json_array();
	if (json_array_size(s->errors) < PROMPT_ERRORS_MAX)
		json_array_append_new(s->errors,
		    json_pack(
			"{s:I,s:s}", "line", (json_int_t)line, "message", msg));
}

/* A copy of ${n} bytes at ${p} without the white space around them. */
static char *
trimmed(const char *p, size_t n)
{
	char *s;

	while (n > 0 && strchr(" \t\r\n", *p) != NULL)
		p++, n--;
	while (n > 0 && strchr(" \t\r\n", p[n - 1]) != NULL)
		n--;
	if ((s = malloc(n + 1)) == NULL)
		return (NULL);
	memcpy(s, p, n);
	s[n] = '\0';
	return (s);
}

/* Is ${s} valid UTF-8 with no NUL? */
static int
utf8_ok(const char *s)
{
	size_t n = strlen(s);

	return (utf8_invalid_at(s, n) == n);
}

/* Counts UTF-8 code points of valid UTF-8 ${s}. */
static size_t
chars(const char *s)
{
	size_t c = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return (c);
}

/* Orders prompts by text, then line (finding repeats), and by line. */
static int
cmp_text(const void *a, const void *b)
{
	const struct prompt_in *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return (c != 0 ? c : (x->line > y->line) - (x->line < y->line));
}
static int
cmp_line(const void *a, const void *b)
{
	const struct prompt_in *x = a, *y = b;

	return ((x->line > y->line) - (x->line < y->line));
}

/*
** Takes one prompt (cells ${text}, ${source}, ${licence} as ${n} bytes
** each, NULL for absent) found on ${line}: checked, then kept in ${s}.
** 0, or -1 out of memory.
*/
static int
take(struct prompt_set *s, long line, const char *text, size_t tn,
    const char *source, size_t sn, const char *licence, size_t ln,
    const char *dsource, const char *dlicence, size_t *cap)
{
	struct prompt_in in = { 0 };
	struct prompt_in *np;

	in.line = line;
	if ((in.text = trimmed(text, tn)) == NULL)
		return (-1);
	if (in.text[0] == '\0') { /* a blank line */
		free(in.text);
		return (0);
	}
	in.source = source != NULL ? trimmed(source, sn) : NULL;
	in.licence = licence != NULL ? trimmed(licence, ln) : NULL;
	if ((source != NULL && in.source == NULL) ||
	    (licence != NULL && in.licence == NULL))
		goto oom;
	if (in.source == NULL || in.source[0] == '\0') {
		free(in.source);
		in.source = strdup(dsource != NULL ? dsource : "");
	}
	if (in.licence == NULL || in.licence[0] == '\0') {
		free(in.licence);
		in.licence = strdup(dlicence != NULL ? dlicence : "");
	}
	if (in.source == NULL || in.licence == NULL)
		goto oom;
	text_lower_ascii(in.licence);
	if (!utf8_ok(in.text) || !utf8_ok(in.source))
		refuse(s, line, "not UTF-8 text");
	else if (chars(in.text) > PROMPT_MAX_CHARS)
		refuse(s, line, "longer than 1000 characters");
	else if (strlen(in.source) > PROMPT_SOURCE_MAX)
		refuse(s, line, "its source is longer than 500 bytes");
	else if (in.licence[0] == '\0')
		refuse(s, line,
		    "no licence: say under which licence it may "
		    "be released");
	else if (!prompt_licence_ok(in.licence))
		refuse(s, line,
		    "not a licence that lets it be released (cc0-1.0, pddl, "
		    "cc-by-4.0, cc-by-sa-4.0, cc-by-3.0, cc-by-sa-3.0, odc-by, "
		    "odbl)");
	else {
		if (s->n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			if ((np = realloc(s->p, *cap * sizeof(*np))) == NULL)
				goto oom;
			s->p = np;
		}
		s->p[s->n++] = in;
		return (0);
	}
	free(in.text);
	free(in.source);
	free(in.licence);
	return (0);
oom:
	free(in.text);
	free(in.source);
	free(in.licence);
	return (-1);
}

/* One CSV cell from ${p}[*${i}..${n}): its bytes into ${out} (a copy
** when quoted), and what ended it: ',' '\n' or 0 (end of input); -1 for a
** quote that is not closed or is followed by something other than a
** separator. */
static int
csv_cell(const char *p, size_t n, size_t *i, struct buf *out, long *line)
{
	size_t j = *i;

	out->n = 0;
	if (j < n && p[j] == '"') {
		for (j++;; j++) {
			if (j >= n)
				return (-1);
			if (p[j] == '"') {
				if (j + 1 < n && p[j + 1] == '"') {
					if (buf_append(out, "\"", 1) == -1)
						return (-2);
					j++;
					continue;
				}
				j++;
				break;
			}
			if (p[j] == '\n')
				(*line)++;
			if (buf_append(out, p + j, 1) == -1)
				return (-2);
		}
		if (j < n && p[j] == '\r')
			j++;
		if (j < n && p[j] != ',' && p[j] != '\n')
			return (-1);
	} else {
		while (j < n && p[j] != ',' && p[j] != '\n') {
			if (p[j] == '"')
				return (-1);
			j++;
		}
		if (buf_append(out, p + *i, j - *i) == -1)
			return (-2);
	}
	if (j >= n) {
		*i = n;
		return (0);
	}
	*i = j + 1;
	return (p[j]);
}

/* Skips the rest of a bad CSV row from ${i}: to after its newline. */
static size_t
csv_skip(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] != '\n')
		i++;
	return (i < n ? i + 1 : n);
}

static int
parse_csv(const char *p, size_t n, const char *licence, const char *source,
    struct prompt_set *s, struct err *e)
{
	enum { C_TEXT, C_SOURCE, C_LICENCE, NCOL };
	static const char *const names[NCOL] = { "text", "source", "licence" };
	struct buf cell[NCOL] = { { 0 } }, b = { 0 };
	int col[16], ncol = 0, have[NCOL] = { 0, 0, 0 }, end, k, c, rc = -1;
	size_t i = 0, cap = 0, row_at, k2;
	long line = 1, start;
	char *h;

	/* The header. */
	do {
		start = line;
		end = csv_cell(p, n, &i, &b, &line);
		if (end < 0 || ncol == 16) {
			rc = end == -2
			    ? err_oom(e)
			    : err_set(e, ERR_INVALID,
				  "line 1: the header must name the "
				  "columns text, source and licence");
			goto out;
		}
		if ((h = trimmed(b.p ? b.p : "", b.n)) == NULL) {
			rc = err_oom(e);
			goto out;
		}
		text_lower_ascii(h);
		col[ncol] = -1;
		for (k = 0; k < NCOL; k++)
			if (strcmp(h, names[k]) == 0 && !have[k]) {
				col[ncol] = k;
				have[k] = 1;
			}
		if (strcmp(h, "license") == 0 && !have[C_LICENCE]) {
			col[ncol] = C_LICENCE;
			have[C_LICENCE] = 1;
		}
		free(h);
		ncol++;
	} while (end == ',');
	(void)start;
	if (!have[C_TEXT]) {
		rc = err_set(e, ERR_INVALID,
		    "line 1: the header must name a \"text\" column (and may "
		    "name \"source\" and \"licence\")");
		goto out;
	}
	line++;
	while (i < n) {
		start = line;
		row_at = i;
		for (k = 0; k < NCOL; k++)
			cell[k].n = 0;
		for (c = 0, end = ','; end == ',' && i < n; c++) {
			end = csv_cell(p, n, &i, &b, &line);
			if (end == -2) {
				rc = err_oom(e);
				goto out;
			}
			if (end == -1)
				break;
			if (c < ncol && col[c] >= 0 &&
			    buf_append(&cell[col[c]], b.p ? b.p : "", b.n) ==
				-1) {
				rc = err_oom(e);
				goto out;
			}
		}
		if (end == -1) {
			/* Go on from the next line as written: the rest of
			** the file is not one long quoted cell. The row's
			** good cells may have held newlines: the next row's
			** line counts every newline skipped. */
			refuse(s, start,
			    "a quoted cell is not closed, or has text after "
			    "its closing quote");
			i = csv_skip(p, n, i);
			for (line = start - 1, k2 = row_at; k2 < i; k2++)
				line += p[k2] == '\n';
		} else if (take(s, start, cell[C_TEXT].p ? cell[C_TEXT].p : "",
			       cell[C_TEXT].n,
			       have[C_SOURCE]
				   ? (cell[C_SOURCE].p ? cell[C_SOURCE].p : "")
				   : NULL,
			       cell[C_SOURCE].n,
			       have[C_LICENCE]
				   ? (cell[C_LICENCE].p ? cell[C_LICENCE].p
							: "")
				   : NULL,
			       cell[C_LICENCE].n, source, licence,
			       &cap) == -1) {
			rc = err_oom(e);
			goto out;
		}
		line++;
		if (s->n > PROMPT_FILE_LINES) {
			rc = err_set(e, ERR_INVALID,
			    "more than %d prompts in one file",
			    PROMPT_FILE_LINES);
			goto out;
		}
	}
	rc = 0;
out:
	for (k = 0; k < NCOL; k++)
		buf_free(&cell[k]);
	buf_free(&b);
	return (rc);
}

static int
parse_lines(const char *p, size_t n, const char *licence, const char *source,
    struct prompt_set *s, struct err *e)
{
	size_t i = 0, j, cap = 0;
	long line = 1;

	while (i < n) {
		for (j = i; j < n && p[j] != '\n'; j++)
			;
		if (take(s, line, p + i, j - i, NULL, 0, NULL, 0, source,
			licence, &cap) == -1)
			return (err_oom(e));
		if (s->n > PROMPT_FILE_LINES)
			return (err_set(e, ERR_INVALID,
			    "more than %d prompts in one file",
			    PROMPT_FILE_LINES));
		i = j + 1;
		line++;
	}
	return (0);
}

int
prompts_parse(const char *p, size_t n, int csv, const char *licence,
    const char *source, struct prompt_set *out, struct err *e)
{
	size_t i, k;
	int rc;

	memset(out, 0, sizeof(*out));
	if (n > PROMPT_FILE_MAX)
		return (err_set(e, ERR_INVALID,
		    "the file is larger than %d bytes", PROMPT_FILE_MAX));
	/* A byte-order mark is not part of the first prompt. */
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3, n -= 3;
	if (memchr(p, '\0', n) != NULL)
		return (err_set(e, ERR_INVALID,
		    "the file holds a NUL byte: it is not text"));
	rc = csv ? parse_csv(p, n, licence, source, out, e)
		 : parse_lines(p, n, licence, source, out, e);
	if (rc == -1)
		return (-1);
	if (out->errors != NULL)
		return (err_set(e, ERR_INVALID,
		    "%zu line(s) refused; nothing was imported",
		    json_array_size(out->errors)));
	if (out->n == 0)
		return (err_set(e, ERR_INVALID, "the file holds no prompt"));
	/* Repeats: the first of each text stays, in file order. */
	qsort(out->p, out->n, sizeof(*out->p), cmp_text);
	for (i = 1, k = 1; i < out->n; i++) {
		if (strcmp(out->p[i].text, out->p[k - 1].text) == 0) {
			free(out->p[i].text);
			free(out->p[i].source);
			free(out->p[i].licence);
			out->duplicates++;
			continue;
		}
		out->p[k++] = out->p[i];
	}
	out->n = k;
	qsort(out->p, out->n, sizeof(*out->p), cmp_line);
	return (0);
}

/* Does campaign ${id} exist? 1, 0, -1 with ${e}. */
static int
campaign_exists(struct db *db, int64_t id, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_CAMPAIGN, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "campaign"));
}

int
prompt_import_job(struct db *db, void *arg, struct err *e)
{
	struct prompt_import *pi = arg;
	sqlite3_stmt *st;
	int64_t now = (int64_t)time(NULL);
	size_t i;
	int rc;

	pi->imported = pi->duplicates = 0;
	if ((rc = campaign_exists(db, pi->campaign_id, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no such campaign")
				: -1);
	if ((st = db_prepare(db, SQL_INSERT, e)) == NULL)
		return (-1);
	for (i = 0; i < pi->set->n; i++) {
		sqlite3_bind_int64(st, 1, pi->campaign_id);
		sqlite3_bind_text(st, 2, pi->set->p[i].text, -1, SQLITE_STATIC);
		sqlite3_bind_text(
		    st, 3, pi->set->p[i].source, -1, SQLITE_STATIC);
		sqlite3_bind_text(
		    st, 4, pi->set->p[i].licence, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "prompt"));
		if (sqlite3_changes(db_handle(db)) == 1)
			pi->imported++;
		else
			pi->duplicates++;
	}
	pi->duplicates += pi->set->duplicates;
	return (audit_append(db, pi->actor, "prompts.imported", pi->campaign_id,
	    json_pack("{s:I,s:I}", "imported", (json_int_t)pi->imported,
		"duplicates", (json_int_t)pi->duplicates),
	    e));
}

/* One prompt row (SQL_GET's columns) as JSON. */
static json_t *
prompt_row(sqlite3_stmt *st)
{
	return (json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:b}", "id",
	    (json_int_t)sqlite3_column_int64(st, 0), "campaign_id",
	    (json_int_t)sqlite3_column_int64(st, 1), "text",
	    (const char *)sqlite3_column_text(st, 2), "source",
	    (const char *)sqlite3_column_text(st, 3), "licence",
	    (const char *)sqlite3_column_text(st, 4), "uses",
	    (json_int_t)sqlite3_column_int64(st, 5), "retired",
	    sqlite3_column_int(st, 6)));
}

int
prompt_get(struct db *db, int64_t id, json_t **out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((st = db_prepare(db, SQL_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = prompt_row(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (*out != NULL ? 1 : err_oom(e));
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "prompt"));
}

/* Checks one prompt's fields as an imported line is checked. */
static int
prompt_check(
    const char *text, const char *source, const char *licence, struct err *e)
{
	if (text == NULL || text[0] == '\0' || !utf8_ok(text))
		return (err_set(e, ERR_INVALID, "the prompt's text is empty"));
	if (chars(text) > PROMPT_MAX_CHARS)
		return (err_set(e, ERR_INVALID,
		    "a prompt is at most %d characters", PROMPT_MAX_CHARS));
	if (source != NULL &&
	    (strlen(source) > PROMPT_SOURCE_MAX || !utf8_ok(source)))
		return (err_set(e, ERR_INVALID,
		    "a source is UTF-8 text of at most %d bytes",
		    PROMPT_SOURCE_MAX));
	if (!prompt_licence_ok(licence))
		return (err_set(e, ERR_INVALID,
		    "\"licence\" must be one that lets the prompt be released "
		    "(cc0-1.0, pddl, cc-by-4.0, cc-by-sa-4.0, cc-by-3.0, "
		    "cc-by-sa-3.0, odc-by, odbl)"));
	return (0);
}

int
prompt_edit_job(struct db *db, void *arg, struct err *e)
{
	struct prompt_edit *pe = arg;
	json_t *old = NULL;
	sqlite3_stmt *st;
	const char *text, *source, *licence;
	int rc;

	if (pe->id == 0) {
		if (prompt_check(pe->text, pe->source, pe->licence, e) == -1)
			return (-1);
		if ((rc = campaign_exists(db, pe->campaign_id, e)) != 1)
			return (rc == 0
				? err_set(e, ERR_NOT_FOUND, "no such campaign")
				: -1);
		if ((st = db_prepare(db, SQL_ADD, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, pe->campaign_id);
		sqlite3_bind_text(st, 2, pe->text, -1, SQLITE_STATIC);
		sqlite3_bind_text(
		    st, 3, pe->source ? pe->source : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, pe->licence, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
	} else {
		if ((rc = prompt_get(db, pe->id, &old, e)) != 1)
			return (rc == 0
				? err_set(e, ERR_NOT_FOUND, "no such prompt")
				: -1);
		text = pe->text
		    ? pe->text
		    : json_string_value(json_object_get(old, "text"));
		source = pe->source
		    ? pe->source
		    : json_string_value(json_object_get(old, "source"));
		licence = pe->licence
		    ? pe->licence
		    : json_string_value(json_object_get(old, "licence"));
		pe->campaign_id =
		    json_integer_value(json_object_get(old, "campaign_id"));
		if (prompt_check(text, source, licence, e) == -1 ||
		    (st = db_prepare(db, SQL_UPDATE, e)) == NULL) {
			json_decref(old);
			return (-1);
		}
		sqlite3_bind_int64(st, 1, pe->id);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, source, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, licence, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 5, pe->retire);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
		json_decref(old);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return (err_set(
		    e, ERR_CONFLICT, "this campaign already has that prompt"));
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "prompt"));
	if (pe->id == 0)
		pe->id = sqlite3_last_insert_rowid(db_handle(db));
	return (audit_append(db, pe->actor,
	    pe->retire == 1        ? "prompt.retired"
		: pe->retire == -1 ? "prompt.restored"
		: pe->text && pe->source == NULL && pe->licence == NULL &&
		    pe->id != 0
		? "prompt.edited"
		: "prompt.saved",
	    pe->id, json_pack("{s:I}", "campaign", (json_int_t)pe->campaign_id),
	    e));
}

json_t *
prompt_list(struct db *db, int64_t campaign, int all, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o;
	int rc;

	if ((st = db_prepare(db, all ? SQL_ALL : SQL_LIVE, e)) == NULL)
		return (NULL);
	if ((arr = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, campaign);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = all ? prompt_row(st)
			: json_pack("{s:I,s:s}", "id",
			      (json_int_t)sqlite3_column_int64(st, 0), "text",
			      (const char *)sqlite3_column_text(st, 1));
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		if (rc == SQLITE_NOMEM)
			err_oom(e);
		else
			db_err(db, e, "prompts");
		return (NULL);
	}
	return (arr);
}

int
prompt_next(struct db *db, int64_t campaign, int64_t account, json_t **out,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if ((st = db_prepare(db, SQL_NEXT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, campaign);
	sqlite3_bind_int64(st, 2, account);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = json_pack("{s:I,s:s}", "id",
		    (json_int_t)sqlite3_column_int64(st, 0), "text",
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (*out != NULL ? 1 : err_oom(e));
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "prompt"));
}

int
prompt_text(
    struct db *db, int64_t id, int64_t campaign, char **text, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*text = NULL;
	if ((st = db_prepare(db, SQL_TEXT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, campaign);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*text = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (*text != NULL ? 1 : err_oom(e));
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "prompt"));
}
