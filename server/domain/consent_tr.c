/*
** Consent documents translated on the node (consent_tr.h): cutting a
** document into parts and part ids, checking a translated part, the
** translation page's view, saving drafts, and the review that writes the
** reviewed document and swaps the node's consent set.
**
** The review writes files from the writer thread, inside its job: the
** database rows come first (a refusal there leaves no file), then the
** files (temp file, fsync, rename; a failure puts back those written),
** then the swap, which cannot fail. If the batch is lost after all, the
** handler calls ctr_review_undo(), which puts back the files and the set.
*/
#include "consent_tr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "buf.h"
#include "crypto.h"
#include "i18n.h"
#include "log.h"
#include "text.h"

static const char SQL_CTR_DRAFTS[] =
    "SELECT part, text, by, at FROM consent_translations WHERE slug = ?1 "
    "AND version = ?2 AND lang = ?3 AND review_id IS NULL";
static const char SQL_CTR_SAVE[] =
    "INSERT INTO consent_translations (slug, version, lang, part, text, by,"
    " at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (slug, version, "
    "lang, part) DO UPDATE SET text = excluded.text, by = excluded.by, "
    "at = excluded.at, review_id = NULL";
static const char SQL_CTR_CONSENTED[] =
    "SELECT 1 FROM consents WHERE document_sha256 = ?1 LIMIT 1";
static const char SQL_CTR_REVIEW[] =
    "INSERT INTO consent_translation_reviews (slug, version, lang, by, at, "
    "made_version, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/* Other languages' drafts of the version a review copied follow it. */
static const char SQL_CTR_CARRY[] =
    "UPDATE consent_translations SET version = ?4 WHERE slug = ?1 AND "
    "version = ?2 AND lang != ?3 AND review_id IS NULL";
static const char SQL_CTR_APPLIED[] =
    "UPDATE consent_translations SET review_id = ?4 WHERE slug = ?1 AND "
    "version = ?2 AND lang = ?3 AND review_id IS NULL";

/* Was the document ${lang} of ${slug} version ${version}, of SHA-256 ${sha},
** made by a recorded review: the latest review of that language into
** that version wrote it, or (no such review) a review into that version
** copied it, making a new version, and stored that very text? */
static const char SQL_CTR_RECORDED[] =
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM consent_translation_reviews "
    "WHERE slug = ?1 AND made_version = ?2 AND lang = ?4) THEN (SELECT "
    "sha256 = ?3 FROM consent_translation_reviews WHERE slug = ?1 AND "
    "made_version = ?2 AND lang = ?4 ORDER BY id DESC LIMIT 1) ELSE "
    "(EXISTS (SELECT 1 FROM consent_translation_reviews WHERE slug = ?1 "
    "AND made_version = ?2 AND version < ?2) AND EXISTS (SELECT 1 FROM "
    "consent_documents WHERE sha256 = ?3 AND slug = ?1 AND version = ?2 "
    "AND lang = ?4)) END";
/* The text the latest recorded review of ${lang} into ${version} made. */
static const char SQL_CTR_RECORDED_TEXT[] =
    "SELECT d.bytes FROM consent_translation_reviews r JOIN "
    "consent_documents d ON d.sha256 = r.sha256 WHERE r.slug = ?1 AND "
    "r.made_version = ?2 AND r.lang = ?3 ORDER BY r.id DESC LIMIT 1";

/* Now in milliseconds, as the pages' translations keep it. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* ---------------------------------------------------------------------
** Parts and their ids
*/

void
ctr_parts_free(struct ctr_parts *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].id);
		free(ps->v[i].text);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}

/* Appends a part ${kind} named ${id} with the ${n} bytes of ${text}. 0, or
** -1 out of memory. */
static int
parts_add(struct ctr_parts *ps, enum ctr_kind kind, const char *id,
    const char *text, size_t n)
{
	struct ctr_part *v;
	char *i, *t;

	if ((i = strdup(id)) == NULL || (t = strndup(text, n)) == NULL) {
		free(i);
		return (-1);
	}
	if ((v = reallocarray(ps->v, ps->n + 1, sizeof(*v))) == NULL) {
		free(i);
		free(t);
		return (-1);
	}
	ps->v = v;
	v[ps->n].id = i;
	v[ps->n].kind = kind;
	v[ps->n].text = t;
	ps->n++;
	return (0);
}

static int
is_anchor_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
}

static int
is_scope_char(char c)
{
	return ((c >= 'a' && c <= 'z') || c == '_');
}

/* 1 if the ${n} bytes at ${p} are 1..CONSENT_TR_ID_MAX of class ${ok}. */
static int
id_of(const char *p, size_t n, int (*ok)(char))
{
	size_t i;

	if (n == 0 || n > CONSENT_TR_ID_MAX)
		return (0);
	for (i = 0; i < n; i++)
		if (!ok(p[i]))
			return (0);
	return (1);
}

/* Reads the ${n} bytes at ${p} as a block number 1..9999. */
static int
number_of(const char *p, size_t n, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	if (n == 0 || n > 4 || p[0] == '0')
		return (-1);
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return (-1);
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return (0);
}

int
ctr_part_id_parse(const char *p, size_t n, struct ctr_ref *out)
{
	const char *dot;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (n == 5 && memcmp(p, "title", 5) == 0)
		return (out->kind = CTR_TITLE, 0);
	if (n == 13 && memcmp(p, "licence_notes", 13) == 0)
		return (out->kind = CTR_LICENCE, 0);
	if (n > 6 && memcmp(p, "scope.", 6) == 0) {
		if (!id_of(p + 6, n - 6, is_scope_char))
			return (-1);
		out->kind = CTR_SCOPE;
		memcpy(out->id, p + 6, n - 6);
		return (0);
	}
	if (n > 8 && memcmp(p, "heading.", 8) == 0) {
		if (!id_of(p + 8, n - 8, is_anchor_char))
			return (-1);
		out->kind = CTR_HEADING;
		memcpy(out->id, p + 8, n - 8);
		return (0);
	}
	if (n > 5 && memcmp(p, "para.", 5) == 0) {
		p += 5;
		n -= 5;
		out->kind = CTR_PARA;
		if ((dot = memchr(p, '.', n)) == NULL)
			return (number_of(p, n, &out->n));
		k = (size_t)(dot - p);
		if (!id_of(p, k, is_anchor_char))
			return (-1);
		memcpy(out->id, p, k);
		return (number_of(dot + 1, n - k - 1, &out->n));
	}
	return (-1);
}

/* Is the line ${h} (${len} bytes) blank: nothing but spaces and tabs? */
static int
is_blank(const char *h, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (h[i] != ' ' && h[i] != '\t')
			return (0);
	return (1);
}

/* Is the line ${h} (${len} bytes) a `## ` heading, as consent.c finds
** them? */
static int
is_heading(const char *h, size_t len)
{
	return (len >= 2 && h[0] == '#' && h[1] == '#' &&
	    (len == 2 || h[2] == ' ' || h[2] == '\t'));
}

/* The anchor of heading line ${h} (${len} bytes): its start into *${a},
** its length returned; 0 if the line does not end with {#anchor}. */
static size_t
heading_anchor(const char *h, size_t len, const char **a)
{
	const char *open;
	size_t k;

	while (len > 2 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
		len--;
	if (len < 3 || h[len - 1] != '}')
		return (0);
	for (open = h + len - 1; open > h + 2 && open[0] != '{'; open--)
		;
	if (open[0] != '{' || open[1] != '#' ||
	    (open[-1] != ' ' && open[-1] != '\t'))
		return (0);
	k = (size_t)(h + len - 1 - (open + 2));
	if (!id_of(open + 2, k, is_anchor_char))
		return (0);
	*a = open + 2;
	return (k);
}

int
ctr_body_split(const char *p, size_t n, struct ctr_parts *out, struct err *e)
{
	char anchor[CONSENT_TR_ID_MAX + 1] = "", id[CONSENT_TR_ID_MAX + 32];
	size_t off = 0, next, len, start = 0, end = 0, k;
	unsigned count = 0;
	const char *a;
	int line = 0, open = 0;

	out->v = NULL;
	out->n = 0;
	if (memchr(p, '\0', n) != NULL)
		return (err_set(e, ERR_INVALID, "the body holds a NUL byte"));
	for (; off <= n; off = next) {
		line++;
		if (off == n) {
			len = 0;
			next = n + 1;
		} else
			next = text_line_at(p, n, off, &len);
		/* A blank line, a heading or the end closes a block. */
		if (open &&
		    (off == n || is_blank(p + off, len) ||
			is_heading(p + off, len))) {
			if (++count > 9999)
				goto toomany;
			if (anchor[0] == '\0')
				snprintf(id, sizeof(id), "para.%u", count);
			else
				snprintf(id, sizeof(id), "para.%s.%u", anchor,
				    count);
			if (parts_add(out, CTR_PARA, id, p + start,
				end - start) == -1)
				goto nomem;
			open = 0;
		}
		if (off == n || is_blank(p + off, len))
			continue;
		if (is_heading(p + off, len)) {
			if ((k = heading_anchor(p + off, len, &a)) == 0) {
				err_set(e, ERR_INVALID,
				    "body line %d: a heading must end with "
				    "{#id} ([a-z0-9-], at most %d)",
				    line, CONSENT_TR_ID_MAX);
				goto fail;
			}
			memcpy(anchor, a, k);
			anchor[k] = '\0';
			snprintf(id, sizeof(id), "heading.%s", anchor);
			if (parts_add(out, CTR_HEADING, id, p + off, len) == -1)
				goto nomem;
			count = 0;
			continue;
		}
		if (!open) {
			open = 1;
			start = off;
		}
		end = off + len;
	}
	return (0);
toomany:
	err_set(e, ERR_INVALID, "body line %d: more than 9999 blocks", line);
	goto fail;
nomem:
	err_oom(e);
fail:
	ctr_parts_free(out);
	return (-1);
}

int
ctr_doc_parts(const struct consent_doc *d, struct ctr_parts *out, struct err *e)
{
	struct ctr_parts body;
	char id[CONSENT_TR_ID_MAX + 16];
	size_t i;

	out->v = NULL;
	out->n = 0;
	if (parts_add(out, CTR_TITLE, "title", d->title, strlen(d->title)) ==
	    -1)
		goto nomem;
	if (d->licence_notes != NULL &&
	    parts_add(out, CTR_LICENCE, "licence_notes", d->licence_notes,
		strlen(d->licence_notes)) == -1)
		goto nomem;
	for (i = 0; i < d->nscopes; i++) {
		snprintf(id, sizeof(id), "scope.%.*s", CONSENT_TR_ID_MAX,
		    d->scopes[i].id);
		if (parts_add(out, CTR_SCOPE, id, d->scopes[i].explanation,
			strlen(d->scopes[i].explanation)) == -1)
			goto nomem;
	}
	if (ctr_body_split(d->body, strlen(d->body), &body, e) == -1) {
		ctr_parts_free(out);
		return (-1);
	}
	for (i = 0; i < body.n; i++)
		if (parts_add(out, body.v[i].kind, body.v[i].id, body.v[i].text,
			strlen(body.v[i].text)) == -1) {
			ctr_parts_free(&body);
			goto nomem;
		}
	ctr_parts_free(&body);
	return (0);
nomem:
	ctr_parts_free(out);
	return (err_oom(e));
}

/* The index of part ${id} in ${ps}, or -1. */
static long
part_index(const struct ctr_parts *ps, const char *id)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].id, id) == 0)
			return ((long)i);
	return (-1);
}

/* ${*s} with "\n\n" and ${more} after it (${after}) or before it, in a new
** string replacing *${s}. 0, or -1 out of memory. */
static int
join_into(char **s, const char *more, int after)
{
	char *j;

	if (asprintf(&j, "%s\n\n%s", after ? *s : more, after ? more : *s) ==
	    -1)
		return (-1);
	free(*s);
	*s = j;
	return (0);
}

/*
** The texts of translation ${t} for English's parts ${en}: texts[i] (a
** new string, or NULL) for en->v[i]. A block of ${t} whose id English
** lacks joins the matched part before it (or, with none, the one after).
** 0, or -1 out of memory (${texts} freed).
*/
static int
align(const struct ctr_parts *en, const struct ctr_parts *t, char **texts)
{
	const char *orphan = NULL;
	long at, last = -1;
	size_t i;

	for (i = 0; i < en->n; i++)
		texts[i] = NULL;
	for (i = 0; i < t->n; i++) {
		if ((at = part_index(en, t->v[i].id)) >= 0) {
			if ((texts[at] = strdup(t->v[i].text)) == NULL)
				goto nomem;
			if (orphan != NULL &&
			    join_into(&texts[at], orphan, 0) == -1)
				goto nomem;
			orphan = NULL;
			last = at;
		} else if (last >= 0) {
			if (join_into(&texts[last], t->v[i].text, 1) == -1)
				goto nomem;
		} else if (orphan == NULL)
			orphan = t->v[i].text;
	}
	return (0);
nomem:
	for (i = 0; i < en->n; i++) {
		free(texts[i]);
		texts[i] = NULL;
	}
	return (-1);
}

/* ---------------------------------------------------------------------
** Checking a translated part
*/

size_t
ctr_text_trim(const char *text, const char **start)
{
	size_t n;

	while (*text == '\n' || *text == '\r')
		text++;
	n = strlen(text);
	while (n > 0 &&
	    (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' ||
		text[n - 1] == '\r'))
		n--;
	*start = text;
	return (n);
}

enum ctr_bad
ctr_text_check(enum ctr_kind kind, const char *en, const char *text, size_t max,
    struct err *e)
{
	size_t n = strlen(text), off, next, len, i, ka, kt;
	const char *a = "", *b = "";

	if (n > max) {
		err_set(e, ERR_TOO_LARGE,
		    "a part is at most %zu bytes; this one is %zu", max, n);
		return (CTR_BAD_TOO_LARGE);
	}
	if (is_blank(text, n) ||
	    (kind == CTR_HEADING && n > 2 && is_blank(text + 2, n - 2))) {
		err_set(e, ERR_INVALID, "the text is empty");
		return (CTR_BAD_EMPTY);
	}
	if (utf8_invalid_at(text, n) != n) {
		err_set(e, ERR_INVALID, "the text is not valid UTF-8");
		return (CTR_BAD_NOT_TEXT);
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n' &&
		    text[i] != '\t') {
			err_set(e, ERR_INVALID,
			    "the text holds a control character (byte %zu)",
			    i + 1);
			return (CTR_BAD_NOT_TEXT);
		}
	if (kind != CTR_PARA && memchr(text, '\n', n) != NULL) {
		err_set(e, ERR_INVALID, "this part is one line: no line break");
		return (CTR_BAD_ONE_LINE);
	}
	if (kind == CTR_HEADING) {
		ka = heading_anchor(en, strlen(en), &a);
		if (!is_heading(text, n) ||
		    (kt = heading_anchor(text, n, &b)) == 0 || kt != ka ||
		    memcmp(a, b, ka) != 0) {
			err_set(e, ERR_INVALID,
			    "a heading starts with \"## \" and keeps its "
			    "{#%.*s} at the end, as in English",
			    (int)ka, a);
			return (CTR_BAD_HEADING);
		}
		return (CTR_OK);
	}
	if (kind != CTR_PARA)
		return (CTR_OK);
	for (off = 0; off < n; off = next) {
		next = text_line_at(text, n, off, &len);
		if (is_blank(text + off, len)) {
			err_set(e, ERR_INVALID,
			    "a paragraph has no blank line inside: a blank "
			    "line would make it two");
			return (CTR_BAD_BLANK_LINE);
		}
		if (is_heading(text + off, len)) {
			err_set(e, ERR_INVALID,
			    "a paragraph holds no \"## \" heading line: "
			    "headings are parts of their own");
			return (CTR_BAD_HEADING);
		}
	}
	return (CTR_OK);
}

/* ---------------------------------------------------------------------
** The translation page's view
*/

int
ctr_english_part(const struct consent_set *s, const char *slug,
    const char *part, enum ctr_kind *kind, const char **en, int *version,
    struct err *e)
{
	const struct consent_doc *d;
	struct ctr_parts ps;
	long at;

	*version = s ? consent_current_version(s, slug) : 0;
	if (*version == 0 ||
	    (d = consent_find(s, slug, *version, "en")) == NULL)
		return (err_set(e, ERR_NOT_FOUND,
		    "there is no consent document \"%.60s\"", slug));
	if (ctr_doc_parts(d, &ps, e) == -1)
		return (-1);
	if ((at = part_index(&ps, part)) < 0) {
		ctr_parts_free(&ps);
		return (err_set(e, ERR_NOT_FOUND,
		    "version %d of \"%.60s\" has no part \"%.80s\"", *version,
		    slug, part));
	}
	*kind = ps.v[at].kind;
	/* The text lives as long as the document: find it there again. */
	switch (*kind) {
	case CTR_TITLE: *en = d->title; break;
	case CTR_LICENCE: *en = d->licence_notes; break;
	case CTR_SCOPE:
		*en =
		    d->scopes[at - 1 - (d->licence_notes != NULL)].explanation;
		break;
	default:
		/* A block: its bytes are inside the body. */
		*en = strstr(d->body, ps.v[at].text);
		break;
	}
	ctr_parts_free(&ps);
	if (*en == NULL)
		return (err_set(e, ERR_INTERNAL, "part \"%s\" lost", part));
	return (0);
}

/* Has anyone consented to the document hashed ${sha}? 1, 0, or -1. */
static int
consented(struct db *db, const char *sha, struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_CTR_CONSENTED, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
	return (db_exists(db, st, "consents", e));
}

/* The drafts of ${slug}/${version}/${lang} not yet reviewed: a new object
** part → [text, by, at]. NULL with ${e}. */
static json_t *
drafts_of(struct db *db, const char *slug, int version, const char *lang,
    struct err *e)
{
	sqlite3_stmt *st;

	if ((st = db_prepare(db, SQL_CTR_DRAFTS, e)) == NULL)
		return (NULL);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, lang, -1, SQLITE_STATIC);
	return (i18n_drafts_rows(db, st, "consent translations", e));
}

static const char *const kind_names[] = { "title", "licence_notes", "scope",
	"heading", "paragraph" };

json_t *
ctr_view(const struct consent_set *s, struct db *db, const char *slug,
    const char *lang, struct err *e)
{
	const struct consent_doc *en, *cur;
	struct ctr_parts ep = { 0 }, cp = { 0 };
	json_t *o = NULL, *todo = NULL, *done = NULL, *drafts = NULL, *row, *dv;
	char **texts = NULL;
	int v, any = 0;
	size_t i;

	v = s ? consent_current_version(s, slug) : 0;
	if (v == 0 || (en = consent_find(s, slug, v, "en")) == NULL) {
		err_set(e, ERR_NOT_FOUND,
		    "there is no consent document \"%.60s\"", slug);
		return (NULL);
	}
	cur = consent_find(s, slug, v, lang);
	if (ctr_doc_parts(en, &ep, e) == -1 ||
	    (cur != NULL && ctr_doc_parts(cur, &cp, e) == -1))
		goto out;
	if ((texts = calloc(ep.n + 1, sizeof(*texts))) == NULL ||
	    align(&ep, &cp, texts) == -1) {
		err_oom(e);
		goto out;
	}
	if ((drafts = drafts_of(db, slug, v, lang, e)) == NULL)
		goto out;
	if (cur != NULL && (any = consented(db, cur->sha256, e)) == -1)
		goto out;
	todo = json_array();
	done = json_array();
	for (i = 0; i < ep.n; i++) {
		dv = json_object_get(drafts, ep.v[i].id);
		row = json_pack("{s:s,s:s,s:s,s:s?,s:O,s:b}", "id", ep.v[i].id,
		    "kind", kind_names[ep.v[i].kind], "en", ep.v[i].text,
		    "text", texts[i], "draft",
		    dv ? json_array_get(dv, 0) : json_null(), "missing",
		    dv == NULL && texts[i] == NULL);
		if (row != NULL && dv != NULL) {
			json_object_set(row, "by", json_array_get(dv, 1));
			json_object_set(row, "at", json_array_get(dv, 2));
		}
		json_array_append_new(
		    dv == NULL && texts[i] == NULL ? todo : done, row);
	}
	json_array_extend(todo, done);
	o = json_pack("{s:s,s:i,s:s,s:b,s:b,s:b,s:i,s:I,s:s?,s:O}", "slug",
	    slug, "version", v, "lang", lang, "exists", cur != NULL, "reviewed",
	    cur != NULL && cur->reviewed, "consented", any, "next_version",
	    any ? v + 1 : v, "drafts", (json_int_t)json_object_size(drafts),
	    "sha256", cur ? cur->sha256 : NULL, "parts", todo);
	if (o == NULL)
		err_oom(e);
out:
	for (i = 0; texts != NULL && i < ep.n; i++)
		free(texts[i]);
	free(texts);
	json_decref(todo);
	json_decref(done);
	json_decref(drafts);
	ctr_parts_free(&ep);
	ctr_parts_free(&cp);
	return (o);
}

/* ---------------------------------------------------------------------
** Saving a draft
*/

int
ctr_save_job(struct db *db, void *arg, struct err *e)
{
	struct ctr_save *sv = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_CTR_SAVE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, sv->slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, sv->version);
	sqlite3_bind_text(st, 3, sv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sv->part, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sv->text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, sv->by);
	sqlite3_bind_int64(st, 7, now_ms());
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent translations"));
	return (audit_append(db, sv->by, "consent.part_saved", 0,
	    json_pack("{s:s,s:i,s:s,s:s,s:s}", "slug", sv->slug, "version",
		sv->version, "lang", sv->lang, "part", sv->part, "text",
		sv->text),
	    e));
}

/* ---------------------------------------------------------------------
** The review: the document made, written and served
*/

/* Appends ${s} to ${b} as a YAML double-quoted scalar. */
static int
yaml_quoted(struct buf *b, const char *s)
{
	int rc = buf_puts(b, "\"");

	for (; rc == 0 && *s != '\0'; s++)
		rc = *s == '"'   ? buf_puts(b, "\\\"")
		    : *s == '\\' ? buf_puts(b, "\\\\")
		    : *s == '\t' ? buf_puts(b, "\\t")
				 : buf_append(b, s, 1);
	return (rc == 0 ? buf_puts(b, "\"") : -1);
}

/*
** The document ${lang} of ${en}'s slug as version ${version}, reviewed,
** with text ${texts}[i] for each of English's parts ${ep}, into ${b}. 0,
** or -1 out of memory.
*/
static int
render(struct buf *b, const struct consent_doc *en, const struct ctr_parts *ep,
    char **texts, int version, const char *lang)
{
	size_t i, k = 0;
	int rc, body = 0;

	rc = buf_puts(b, "---\ntitle: ");
	rc |= yaml_quoted(b, texts[0]);
	rc |= buf_printf(b,
	    "\nversion: %d\nlang: %s\nminimum_age: %d\nreviewed: true\n",
	    version, lang, en->minimum_age);
	for (i = 1; i < ep->n; i++) {
		switch (ep->v[i].kind) {
		case CTR_LICENCE:
			rc |= buf_puts(b, "licence_notes: ");
			rc |= yaml_quoted(b, texts[i]);
			rc |= buf_puts(b, "\n");
			break;
		case CTR_SCOPE:
			if (k++ == 0)
				rc |= buf_puts(b, "scopes:\n");
			rc |= buf_printf(b,
			    "  - id: %s\n    explanation: ", ep->v[i].id + 6);
			rc |= yaml_quoted(b, texts[i]);
			rc |= buf_puts(b, "\n");
			break;
		default:
			if (body++ == 0)
				rc |= buf_puts(b, "---\n");
			rc |= buf_puts(b, "\n");
			rc |= buf_puts(b, texts[i]);
			rc |= buf_puts(b, "\n");
			break;
		}
	}
	if (body == 0)
		rc |= buf_puts(b, "---\n");
	return (rc != 0 ? -1 : 0);
}

/*
** The bytes of ${d} with its front matter's `version:` line saying
** ${version}, into ${b}: the same text as version ${version}. 0, or -1
** (out of memory, or no such line).
*/
static int
with_version(struct buf *b, const struct consent_doc *d, int version)
{
	const char *s = (const char *)d->bytes;
	size_t off, next, len;

	off = text_line_at(s, d->nbytes, 0, &len); /* the first "---" */
	for (; off < d->nbytes; off = next) {
		next = text_line_at(s, d->nbytes, off, &len);
		if (len == 3 && memcmp(s + off, "---", 3) == 0)
			return (-1);
		if (len >= 8 && memcmp(s + off, "version:", 8) == 0)
			return (buf_append(b, s, off) == -1 ||
				    buf_printf(b, "version: %d", version) ==
					-1 ||
				    buf_append(b, s + off + len,
					d->nbytes - off - len) == -1
				? -1
				: 0);
	}
	return (-1);
}

/* A file written by the review, and what was there before. */
struct ctr_file {
	char path[PATH_MAX];
	uint8_t *old; /* its bytes before; NULL if there was none */
	size_t nold;
	char from[PATH_MAX]; /* "": written; else renamed from there */
};

struct ctr_undo {
	const struct consent_set *before; /* held from the shelf */
	struct ctr_file *files;
	size_t nfiles;
};

/* mkdir -p ${path}'s folders (not its last part). 0, or -1 with ${e}. */
static int
make_parents(const char *path, struct err *e)
{
	char p[PATH_MAX];
	size_t i;

	snprintf(p, sizeof(p), "%s", path);
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST) {
			err_set(e, ERR_STORAGE, "%s: %s", p, strerror(errno));
			return (-1);
		}
		p[i] = '/';
	}
	return (0);
}

/* Puts back the files of ${u}, newest first; logs what cannot be. */
static void
files_put_back(struct ctr_undo *u)
{
	struct err e = { 0 };
	size_t i;

	for (i = u->nfiles; i-- > 0;) {
		struct ctr_file *f = &u->files[i];

		if (f->from[0] != '\0') {
			if (rename(f->path, f->from) == -1)
				log_err("consent translation: cannot put back "
					"%s: %s",
				    f->from, strerror(errno));
		} else if (f->old != NULL
			? text_write_file(f->path, f->old, f->nold, &e) == -1
			: unlink(f->path) == -1 && errno != ENOENT)
			log_err("consent translation: cannot put back %s: %s",
			    f->path, f->old ? e.msg : strerror(errno));
		free(f->old);
	}
	free(u->files);
	u->files = NULL;
	u->nfiles = 0;
}

/* Writes document ${d} as ${dir}/CONSENT_TR_DIR/SLUG/VERSION/LANG.md,
** keeping what was there in ${u}. 0, or -1 with ${e}. */
static int
write_doc(struct ctr_undo *u, const char *dir, const struct consent_doc *d,
    struct err *e)
{
	struct ctr_file *f, *v;
	struct err ignore = { 0 };
	char *old = NULL;
	size_t nold = 0;

	if ((v = reallocarray(u->files, u->nfiles + 1, sizeof(*v))) == NULL)
		return (err_oom(e));
	u->files = v;
	f = &v[u->nfiles];
	memset(f, 0, sizeof(*f));
	if (snprintf(f->path, sizeof(f->path), "%s/%s/%s/%d/%s.md", dir,
		CONSENT_TR_DIR, d->slug, d->version,
		d->lang) >= (int)sizeof(f->path))
		return (err_set(e, ERR_STORAGE, "%s: path too long", dir));
	if (text_read_file(f->path, CONSENT_MAX_BYTES, &old, &nold, &ignore) ==
	    0) {
		f->old = (uint8_t *)old;
		f->nold = nold;
	}
	u->nfiles++;
	if (make_parents(f->path, e) == -1 ||
	    text_write_file(f->path, d->bytes, d->nbytes, e) == -1)
		return (-1);
	return (0);
}

/*
** A new version's copy of the document ${lang} (its text unchanged) keeps
** the recorded reading of the version it copies: ${readings}/SLUG/FROM/
** LANG.(ogg|wav) linked (else copied) as SLUG/TO/LANG.ext, kept in ${u}
** for an undo. A reading that cannot follow is logged, and the copy goes
** without one (the consent page then plays none). Can't fail.
*/
static void
carry_reading(struct ctr_undo *u, const char *readings, const char *slug,
    int from, int to, const char *lang)
{
	char src[PATH_MAX], dst[PATH_MAX], *p = NULL;
	struct ctr_file *f, *v;
	struct err e = { 0 };
	const char *ctype;
	struct stat st;
	size_t n;

	if (readings == NULL ||
	    !consent_reading_path(
		readings, slug, from, lang, src, sizeof(src), &ctype))
		return;
	if (snprintf(dst, sizeof(dst), "%s/%s/%d/%s%s", readings, slug, to,
		lang, strrchr(src, '.')) >= (int)sizeof(dst) ||
	    lstat(dst, &st) == 0)
		return; /* too long, or one is there already: kept */
	if ((v = reallocarray(u->files, u->nfiles + 1, sizeof(*v))) == NULL)
		return;
	u->files = v;
	f = &v[u->nfiles];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", dst);
	if (make_parents(dst, &e) == -1 ||
	    (link(src, dst) == -1 &&
		(text_read_file(src, (size_t)1 << 30, &p, &n, &e) == -1 ||
		    text_write_file(dst, p, n, &e) == -1))) {
		log_err("consent translation: the reading %s does not follow "
			"into version %d: %s",
		    src, to, e.msg[0] ? e.msg : strerror(errno));
		free(p);
		return;
	}
	free(p);
	u->nfiles++; /* an undo removes it */
}

/*
** Sets aside the recorded reading of ${lang} ${slug} ${version}, whose
** text a review changed: renamed LANG.ext.superseded (kept in ${u} for an
** undo), so the consent page plays none until one is recorded for the new
** text. One that cannot be set aside is logged. Can't fail.
*/
static void
set_reading_aside(struct ctr_undo *u, const char *readings, const char *slug,
    int version, const char *lang)
{
	char src[PATH_MAX];
	struct ctr_file *f, *v;
	const char *ctype;

	if (readings == NULL ||
	    !consent_reading_path(
		readings, slug, version, lang, src, sizeof(src), &ctype))
		return;
	if ((v = reallocarray(u->files, u->nfiles + 1, sizeof(*v))) == NULL)
		return;
	u->files = v;
	f = &v[u->nfiles];
	memset(f, 0, sizeof(*f));
	if (snprintf(f->path, sizeof(f->path), "%s.superseded", src) >=
	    (int)sizeof(f->path))
		return;
	if (rename(src, f->path) == -1) {
		log_err("consent translation: the reading %s, of a text the "
			"review changed, cannot be set aside: %s",
		    src, strerror(errno));
		return;
	}
	snprintf(f->from, sizeof(f->from), "%s", src);
	u->nfiles++;
}

/* Stores ${d} in consent_documents (a text already there stays). */
static int
store_doc(struct db *db, const struct consent_doc *d, struct err *e)
{
	struct consent_doc *one[1] = { (struct consent_doc *)(uintptr_t)d };
	struct consent_set s = { one, 1 };

	return (consent_store_job(db, &s, e));
}

/* Sets ${rv}'s refusal ${why} with ${code} and the message. -1. */
#define REFUSE(rv, why, code, ...)                                             \
	((rv)->refused = (why), err_set(e, (code), __VA_ARGS__))

/*
** The texts of every English part ${ep} for ${rv}'s language: a draft, or
** the current document's (${cur}, may be NULL) part. -1 with ${e} set
** (a part missing: CTR_R_MISSING).
*/
static int
review_texts(struct ctr_review *rv, const struct ctr_parts *ep,
    const struct consent_doc *cur, json_t *drafts, char **texts, struct err *e)
{
	struct ctr_parts cp = { 0 };
	json_t *dv;
	size_t i;

	if (cur != NULL && ctr_doc_parts(cur, &cp, e) == -1)
		return (-1);
	if (align(ep, &cp, texts) == -1) {
		ctr_parts_free(&cp);
		return (err_oom(e));
	}
	ctr_parts_free(&cp);
	for (i = 0; i < ep->n; i++) {
		if ((dv = json_object_get(drafts, ep->v[i].id)) != NULL) {
			free(texts[i]);
			if ((texts[i] = strdup(json_string_value(
				 json_array_get(dv, 0)))) == NULL)
				return (err_oom(e));
		}
		if (texts[i] == NULL)
			return (REFUSE(rv, CTR_R_MISSING, ERR_CONFLICT,
			    "part \"%s\" has no text in %s yet: translate it "
			    "first",
			    ep->v[i].id, rv->lang));
	}
	return (0);
}

/*
** The documents the review makes into ${made} (${nmade} set): the
** reviewed one first, then for a new version the copies of the others of
** version ${v}. 0, or -1 with ${e}.
*/
static int
review_make(struct ctr_review *rv, const struct consent_set *s, int v,
    const struct ctr_parts *ep, char **texts, struct consent_doc **made,
    size_t *nmade, struct err *e)
{
	const struct consent_doc *en = consent_find(s, rv->slug, v, "en");
	struct buf b = { 0 };
	char name[200], why[sizeof(e->msg)];
	size_t i;

	*nmade = 0;
	snprintf(
	    name, sizeof(name), "%s/%d/%s.md", rv->slug, rv->version, rv->lang);
	if (render(&b, en, ep, texts, rv->version, rv->lang) == -1)
		return (err_oom(e));
	made[0] = consent_parse(b.p, b.n, name, e);
	buf_free(&b);
	if (made[0] == NULL) {
		snprintf(why, sizeof(why), "%s", e->msg);
		return (REFUSE(rv, CTR_R_DOCUMENT, ERR_INVALID,
		    "the reviewed document would not be a valid one: %s", why));
	}
	*nmade = 1;
	if ((made[0]->slug = strdup(rv->slug)) == NULL)
		return (err_oom(e));
	if (!rv->new_version)
		return (0);
	for (i = 0; i < s->n; i++) {
		const struct consent_doc *d = s->docs[i];

		if (d->version != v || strcmp(d->slug, rv->slug) != 0 ||
		    strcmp(d->lang, rv->lang) == 0)
			continue;
		snprintf(name, sizeof(name), "%s/%d/%s.md", rv->slug,
		    rv->version, d->lang);
		if (with_version(&b, d, rv->version) == -1) {
			buf_free(&b);
			return (err_set(e, ERR_INVALID,
			    "%s: no version line to copy it by", name));
		}
		made[*nmade] = consent_parse(b.p, b.n, name, e);
		buf_free(&b);
		if (made[*nmade] == NULL)
			return (-1);
		(*nmade)++;
		if ((made[*nmade - 1]->slug = strdup(rv->slug)) == NULL)
			return (err_oom(e));
	}
	return (0);
}

/* Records the review of ${rv} (the drafts applied, its row, the
** documents ${made}) and audits it. 0, or -1 with ${e}. */
static int
review_record(struct db *db, struct ctr_review *rv, struct consent_doc **made,
    size_t nmade, struct err *e)
{
	sqlite3_stmt *st;
	int64_t id;
	size_t i;
	int rc;

	for (i = 0; i < nmade; i++)
		if (store_doc(db, made[i], e) == -1)
			return (-1);
	if ((st = db_prepare(db, SQL_CTR_REVIEW, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, rv->slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, rv->from_version);
	sqlite3_bind_text(st, 3, rv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, rv->by);
	sqlite3_bind_int64(st, 5, now_ms());
	sqlite3_bind_int(st, 6, rv->version);
	sqlite3_bind_text(st, 7, rv->sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent translation reviews"));
	id = sqlite3_last_insert_rowid(db_handle(db));
	if ((st = db_prepare(db, SQL_CTR_APPLIED, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, rv->slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, rv->from_version);
	sqlite3_bind_text(st, 3, rv->lang, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "consent translations"));
	if (rv->new_version) {
		if ((st = db_prepare(db, SQL_CTR_CARRY, e)) == NULL)
			return (-1);
		sqlite3_bind_text(st, 1, rv->slug, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, rv->from_version);
		sqlite3_bind_text(st, 3, rv->lang, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, rv->version);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "consent translations"));
	}
	return (audit_append(db, rv->by, "consent.translation_reviewed", id,
	    json_pack("{s:s,s:s,s:i,s:i,s:b,s:i,s:s}", "slug", rv->slug, "lang",
		rv->lang, "from_version", rv->from_version, "version",
		rv->version, "new_version", rv->new_version, "drafts",
		rv->drafts, "sha256", rv->sha256),
	    e));
}

int
ctr_review_job(struct db *db, void *arg, struct err *e)
{
	struct ctr_review *rv = arg;
	const struct consent_set *s;
	const struct consent_doc *en, *cur;
	struct consent_doc **made = NULL;
	struct consent_set next = { 0 };
	struct ctr_parts ep = { 0 };
	json_t *drafts = NULL, *dv;
	char **texts = NULL, why[sizeof(e->msg)];
	const char *k;
	size_t i, nmade = 0;
	int rc = -1, any;

	rv->refused = CTR_R_NONE;
	if ((rv->undo = calloc(1, sizeof(*rv->undo))) == NULL)
		return (err_oom(e));
	s = rv->undo->before = consent_shelf_hold(rv->shelf);
	rv->from_version = consent_current_version(s, rv->slug);
	if (strcmp(rv->lang, "en") == 0)
		return (err_set(e, ERR_NOT_FOUND,
		    "English is the text translations are made from: it is "
		    "not translated here"));
	if (rv->from_version == 0 ||
	    (en = consent_find(s, rv->slug, rv->from_version, "en")) == NULL)
		return (err_set(e, ERR_NOT_FOUND,
		    "there is no consent document \"%.60s\"", rv->slug));
	cur = consent_find(s, rv->slug, rv->from_version, rv->lang);
	if ((drafts = drafts_of(db, rv->slug, rv->from_version, rv->lang, e)) ==
	    NULL)
		goto out;
	json_object_foreach(drafts, k, dv)
	{
		if (json_integer_value(json_array_get(dv, 1)) == rv->by) {
			REFUSE(rv, CTR_R_SECOND_SPEAKER, ERR_CONFLICT,
			    "you saved part \"%s\" of this translation: a "
			    "second speaker must review it",
			    k);
			goto out;
		}
	}
	rv->drafts = (int)json_object_size(drafts);
	if (rv->drafts == 0 && cur != NULL && cur->reviewed) {
		REFUSE(rv, CTR_R_NOTHING, ERR_CONFLICT,
		    "this translation is reviewed already and nothing was "
		    "saved since");
		goto out;
	}
	if (ctr_doc_parts(en, &ep, e) == -1)
		goto out;
	if ((texts = calloc(ep.n + 1, sizeof(*texts))) == NULL) {
		err_oom(e);
		goto out;
	}
	if (review_texts(rv, &ep, cur, drafts, texts, e) == -1)
		goto out;
	/* The hash rule: a text someone consented to stays as it is. */
	any = cur != NULL ? consented(db, cur->sha256, e) : 0;
	if (any == -1)
		goto out;
	rv->new_version = any;
	rv->version = rv->from_version + any;
	if ((made = calloc(s->n + 1, sizeof(*made))) == NULL) {
		err_oom(e);
		goto out;
	}
	if (review_make(rv, s, rv->from_version, &ep, texts, made, &nmade, e) ==
	    -1)
		goto out;
	snprintf(rv->sha256, sizeof(rv->sha256), "%s", made[0]->sha256);
	if (consent_set_with(s, made, nmade, &next, e) == -1) {
		snprintf(why, sizeof(why), "%s", e->msg);
		REFUSE(rv, CTR_R_DOCUMENT, ERR_INVALID,
		    "the reviewed document would not fit the others: %s", why);
		goto out;
	}
	if (review_record(db, rv, made, nmade, e) == -1)
		goto out;
	for (i = 0; i < nmade; i++)
		if (write_doc(rv->undo, rv->dir, made[i], e) == -1) {
			files_put_back(rv->undo);
			goto out;
		}
	/* a reading of the text the review changed no longer reads what is
	** written: set aside (a new version has none to begin with) */
	if (!rv->new_version)
		set_reading_aside(
		    rv->undo, rv->readings, rv->slug, rv->version, rv->lang);
	/* the copies' texts are unchanged: their readings follow them (the
	** reviewed text's does not: it no longer reads what is written) */
	for (i = 1; rv->new_version && i < nmade; i++)
		carry_reading(rv->undo, rv->readings, rv->slug,
		    rv->from_version, rv->version, made[i]->lang);
	if (consent_shelf_put(rv->shelf, &next, e) == -1) {
		files_put_back(rv->undo);
		goto out;
	}
	rc = 0;
out:
	consent_set_free(&next);
	for (i = 0; i < nmade; i++)
		consent_doc_free(made[i]);
	free(made);
	for (i = 0; texts != NULL && i < ep.n; i++)
		free(texts[i]);
	free(texts);
	ctr_parts_free(&ep);
	json_decref(drafts);
	return (rc);
}

void
ctr_review_undo(struct ctr_review *rv)
{
	struct consent_set back;
	struct err e = { 0 };

	if (rv->undo == NULL || rv->undo->nfiles == 0)
		return;
	files_put_back(rv->undo);
	if (consent_set_with(rv->undo->before, NULL, 0, &back, &e) == -1 ||
	    consent_shelf_put(rv->shelf, &back, &e) == -1) {
		consent_set_free(&back);
		log_err("consent translation: the documents before the lost "
			"review cannot be served again until a restart: %s",
		    e.msg);
	}
}

void
ctr_review_clear(struct ctr_review *rv)
{
	size_t i;

	if (rv->undo == NULL)
		return;
	for (i = 0; i < rv->undo->nfiles; i++)
		free(rv->undo->files[i].old);
	free(rv->undo->files);
	consent_shelf_drop(rv->shelf, rv->undo->before);
	free(rv->undo);
	rv->undo = NULL;
}

/* Writes back as ${path} the text a recorded review made of ${lang}
** ${slug} ${version}, if one did (a lost review wrote over it). 1 written,
** 0 there is none, -1 with ${e}. */
static int
restore_recorded(struct db *db, const char *path, const char *slug, int version,
    const char *lang, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_CTR_RECORDED_TEXT, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, lang, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = text_write_file(path, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), e);
		sqlite3_reset(st);
		return (rc == 0 ? 1 : -1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (err_set(e, ERR_STORAGE,
		    "consent translation reviews: step %d", rc));
	return (0);
}

/* Sets aside ${path} (LANG.md of ${slug} version ${version}) if no
** recorded review made it: a copy as LANG.md.unrecorded, then in its
** place the text the last recorded review made, or nothing (a crash in
** between leaves the file to be found again). 1 set aside, 0 kept, -1
** with ${e}. */
static int
reconcile_doc(struct db *db, const char *path, const char *slug, int version,
    const char *lang, struct err *e)
{
	char *p, hex[2 * SHA256_LEN + 1], aside[PATH_MAX + 16];
	uint8_t md[SHA256_LEN];
	sqlite3_stmt *st;
	size_t n;
	int rc, ok;

	if ((st = db_prepare(db, SQL_CTR_RECORDED, e)) == NULL)
		return (-1);
	if (text_read_file(path, CONSENT_MAX_BYTES, &p, &n, e) == -1)
		return (-1);
	if (sha256_digest(p, n, md) == -1) {
		free(p);
		return (err_oom(e));
	}
	hex_encode(md, sizeof(md), hex);
	sqlite3_bind_text(st, 1, slug, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, version);
	sqlite3_bind_text(st, 3, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, lang, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	ok = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW || ok) {
		free(p);
		return (rc != SQLITE_ROW
			? err_set(e, ERR_STORAGE,
			      "consent translation reviews: step %d", rc)
			: 0);
	}
	snprintf(aside, sizeof(aside), "%s.unrecorded", path);
	rc = text_write_file(aside, p, n, e);
	free(p);
	if (rc == -1 ||
	    (rc = restore_recorded(db, path, slug, version, lang, e)) == -1)
		return (-1);
	if (rc == 0 && unlink(path) == -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	log_err("consent translation: %s was written by a review that was "
		"never recorded (a crash before its commit): set aside as "
		"%s%s; its drafts are kept for a second speaker to review "
		"again",
	    path, aside,
	    rc == 1 ? ", the text of its last recorded review written back"
		    : "");
	return (1);
}

struct reconcile {
	struct db *db;
	struct err *e;
	char slug[256];
	int version;
	int aside;
};

/* Calls ${fn} with each name in ${dir} not starting with a dot, until one
** returns -1. 0 (no such folder too), -1 as ${fn} said, -2 errno set. */
static int
each_name(
    const char *dir, int (*fn)(const char *, const char *, void *), void *arg)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return (errno == ENOENT ? 0 : -2);
	while (rc != -1 && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			rc = fn(dir, de->d_name, arg);
	closedir(d);
	return (rc == -1 ? -1 : 0);
}

static int
reconcile_lang(const char *dir, const char *name, void *arg)
{
	struct reconcile *rc = arg;
	char path[PATH_MAX], lang[64];
	size_t n = strlen(name);
	int r;

	if (n <= 3 || n - 3 >= sizeof(lang) ||
	    strcmp(name + n - 3, ".md") != 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		(int)sizeof(path))
		return (0);
	snprintf(lang, sizeof(lang), "%.*s", (int)(n - 3), name);
	if ((r = reconcile_doc(
		 rc->db, path, rc->slug, rc->version, lang, rc->e)) == -1)
		return (-1);
	rc->aside += r;
	return (0);
}

static int
reconcile_version(const char *dir, const char *name, void *arg)
{
	struct reconcile *rc = arg;
	char path[PATH_MAX], *end;
	long v = strtol(name, &end, 10);
	int r;

	if (*end != '\0' || v <= 0 || v > INT_MAX ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		(int)sizeof(path))
		return (0);
	rc->version = (int)v;
	if ((r = each_name(path, reconcile_lang, rc)) == -2)
		return (err_set(
		    rc->e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	return (r);
}

static int
reconcile_slug(const char *dir, const char *name, void *arg)
{
	struct reconcile *rc = arg;
	char path[PATH_MAX];
	int r;

	if (snprintf(rc->slug, sizeof(rc->slug), "%s", name) >=
		(int)sizeof(rc->slug) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		(int)sizeof(path))
		return (0);
	if ((r = each_name(path, reconcile_version, rc)) == -2)
		return (err_set(
		    rc->e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	return (r);
}

int
ctr_reconcile(struct db *db, const char *dir, struct err *e)
{
	struct reconcile rc = { 0 };
	char top[PATH_MAX];
	int r;

	if (snprintf(top, sizeof(top), "%s/%s", dir, CONSENT_TR_DIR) >=
	    (int)sizeof(top))
		return (err_set(e, ERR_STORAGE, "%s: path too long", dir));
	rc.db = db;
	rc.e = e;
	if ((r = each_name(top, reconcile_slug, &rc)) == -2)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", top, strerror(errno)));
	return (r == -1 ? -1 : rc.aside);
}
