/*
** Consent documents (consent.h): the strict parser of one file, the loader
** of the consent/ folder with its cross-language checks, look-ups, and the
** writer job that stores each distinct file in consent_documents.
**
** A file is "---" line, YAML front matter, "---" line, Markdown body. The
** front matter goes to libyaml's document loader on exactly its own bytes;
** the body is only scanned for `## ` headings. Every error names the file
** and the 1-based line in it.
*/
#include "consent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "text.h"
#include "yamldoc.h"

static const char SQL_CONSENT_DOC_INSERT[] =
    "INSERT OR IGNORE INTO consent_documents(sha256, slug, version, lang,"
    " title, reviewed, minimum_age, scopes, bytes, loaded_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/* Character classes of the ids. */
static int
is_scope_char(char c)
{
	return ((c >= 'a' && c <= 'z') || c == '_');
}

static int
is_anchor_char(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
}

/* 1 if ${s} is one or more characters of class ${ok}. */
static int
all_of(const char *s, size_t n, int (*ok)(char))
{
	size_t i;

	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (!ok(s[i]))
			return (0);
	return (1);
}

/* 1 if ${s} is a language tag: [a-z]{2,3}(-[A-Za-z0-9]+)*. */
static int
is_lang(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n && s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return (0);
	while (i < n) {
		if (s[i++] != '-')
			return (0);
		for (k = 0; i < n && s[i] != '-'; i++, k++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
				(s[i] >= 'A' && s[i] <= 'Z') ||
				(s[i] >= '0' && s[i] <= '9')))
				return (0);
		if (k == 0)
			return (0);
	}
	return (1);
}

static int
is_dashes(const char *s, size_t len)
{
	return (len == 3 && memcmp(s, "---", 3) == 0);
}

/*
** Copies string ${nd} (value of ${key}) to ${out}. An empty string is
** refused if ${nonempty}. Returns 0 or -1 with the error set.
*/
static int
fm_string(struct yamldoc *f, yaml_node_t *nd, const char *key, int nonempty,
    char **out)
{
	const char *s = yamldoc_scalar(nd);

	if (s == NULL || yamldoc_is_null(nd))
		return (yamldoc_err(f, nd, "%s must be a string", key));
	if (nonempty && *s == '\0')
		return (yamldoc_err(f, nd, "%s must not be empty", key));
	if ((*out = strdup(s)) == NULL)
		return (err_oom(f->e));
	return (0);
}

/* Reads plain integer ${nd} (value of ${key}) within [min, max]. */
static int
fm_int(struct yamldoc *f, yaml_node_t *nd, const char *key, int min, int max,
    int *out)
{
	const char *s = yamldoc_scalar(nd);
	long v = 0;
	size_t i;

	if (s == NULL || nd->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    *s == '\0' || strlen(s) > 9)
		goto bad;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		v = v * 10 + (s[i] - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = (int)v;
	return (0);
bad:
	return (yamldoc_err(
	    f, nd, "%s must be an integer from %d to %d", key, min, max));
}

/* Reads plain `true` or `false`. */
static int
fm_bool(struct yamldoc *f, yaml_node_t *nd, const char *key, int *out)
{
	const char *s = yamldoc_scalar(nd);

	if (s != NULL && nd->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (strcmp(s, "true") == 0)
			return (*out = 1, 0);
		if (strcmp(s, "false") == 0)
			return (*out = 0, 0);
	}
	return (yamldoc_err(f, nd, "%s must be true or false", key));
}

/* The keys of a scope. */
enum { S_ID, S_EXPLANATION, NS };
static const char *const scope_keys[NS] = { "id", "explanation" };
static const struct yamldoc_keys scope_map = { scope_keys, NS, "scope key",
	NULL };

/*
** Reads the scopes sequence ${seq}: a non-empty list of mappings with
** exactly `id` ([a-z_]+, unique) and `explanation` (non-empty string).
*/
static int
fm_scopes(struct yamldoc *f, yaml_node_t *seq, struct consent_doc *d)
{
	yaml_node_item_t *it;
	size_t n, i;

	if (seq->type != YAML_SEQUENCE_NODE ||
	    seq->data.sequence.items.top == seq->data.sequence.items.start)
		return (yamldoc_err(f, seq, "scopes must be a non-empty list"));
	n = (size_t)(seq->data.sequence.items.top -
	    seq->data.sequence.items.start);
	if ((d->scopes = calloc(n, sizeof(*d->scopes))) == NULL)
		return (err_oom(f->e));
	for (it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		struct consent_scope *sc = &d->scopes[d->nscopes++];
		yaml_node_t *m = yamldoc_node(f, *it), *val[NS], *id, *ex;

		if (m->type != YAML_MAPPING_NODE)
			return (yamldoc_err(f, m,
			    "each scope must be a mapping of id and "
			    "explanation"));
		if (yamldoc_mapping(f, m, &scope_map, "", val) == -1)
			return (-1);
		id = val[S_ID];
		ex = val[S_EXPLANATION];
		if (id == NULL || ex == NULL)
			return (yamldoc_err(f, m, "scope needs %s",
			    id == NULL ? "an id" : "an explanation"));
		if (fm_string(f, id, "scope id", 1, &sc->id) == -1)
			return (-1);
		if (!all_of(sc->id, strlen(sc->id), is_scope_char))
			return (yamldoc_err(
			    f, id, "scope id '%s' is not [a-z_]+", sc->id));
		for (i = 0; i + 1 < d->nscopes; i++)
			if (strcmp(d->scopes[i].id, sc->id) == 0)
				return (yamldoc_err(
				    f, id, "duplicate scope id '%s'", sc->id));
		if (fm_string(f, ex, "explanation", 1, &sc->explanation) == -1)
			return (-1);
	}
	return (0);
}

/* The front-matter keys, in the order they are read. */
enum { K_TITLE, K_VERSION, K_LANG, K_AGE, K_REVIEWED, K_NOTES, K_SCOPES, NK };
static const char *const fm_keys[NK] = { "title", "version", "lang",
	"minimum_age", "reviewed", "licence_notes", "scopes" };
static const struct yamldoc_keys fm_map = { fm_keys, NK, "key",
	"keys must be strings" };

/* Fills ${d} from the root mapping of ${f}. Returns 0 or -1. */
static int
fm_fields(struct yamldoc *f, struct consent_doc *d)
{
	yaml_node_t *root = yaml_document_get_root_node(&f->doc);
	yaml_node_t *val[NK];
	int k;

	if (root == NULL)
		return (err_set(f->e, ERR_INVALID,
		    "%s:%d: front matter is empty", f->name, f->line0));
	if (root->type != YAML_MAPPING_NODE)
		return (yamldoc_err(f, root, "front matter must be a mapping"));
	if (yamldoc_mapping(f, root, &fm_map, "", val) == -1)
		return (-1);
	for (k = 0; k < NK; k++)
		if (val[k] == NULL && k != K_NOTES)
			return (yamldoc_err(
			    f, root, "missing key '%s'", fm_keys[k]));
	if (fm_string(f, val[K_TITLE], "title", 1, &d->title) == -1 ||
	    fm_int(f, val[K_VERSION], "version", 1, 1000000, &d->version) ==
		-1 ||
	    fm_string(f, val[K_LANG], "lang", 1, &d->lang) == -1 ||
	    fm_int(f, val[K_AGE], "minimum_age", 0, 120, &d->minimum_age) ==
		-1 ||
	    fm_bool(f, val[K_REVIEWED], "reviewed", &d->reviewed) == -1)
		return (-1);
	if (!is_lang(d->lang, strlen(d->lang)))
		return (yamldoc_err(f, val[K_LANG],
		    "lang '%s' is not a language tag like en or pt-BR",
		    d->lang));
	if (val[K_NOTES] != NULL &&
	    fm_string(f, val[K_NOTES], "licence_notes", 0, &d->licence_notes) ==
		-1)
		return (-1);
	return (fm_scopes(f, val[K_SCOPES], d));
}

/*
** Parses the ${n} front-matter bytes at ${p}, which start on line ${line0}
** of the file ${name}, into ${d}. Returns 0 or -1 with ${e} set.
*/
static int
fm_parse(const char *p, size_t n, const char *name, int line0,
    struct consent_doc *d, struct err *e)
{
	struct yamldoc f;
	int rc;

	if (yamldoc_load(&f, p, n, name, line0,
		"front matter must be one YAML document", e) == -1)
		return (-1);
	rc = fm_fields(&f, d);
	yamldoc_free(&f);
	return (rc);
}

/*
** Collects the anchor ids of the body's `## Text {#id}` headings into
** ${d}. The body starts on line ${line} of ${name}. Every `## ` heading
** must have an id; ids are [a-z0-9-]+ and unique; there is at least one.
*/
static int
body_headings(struct consent_doc *d, const char *name, int line, struct err *e)
{
	const char *s = d->body, *h, *open;
	size_t n = strlen(d->body), off = 0, len, i, idlen;
	int first = line;
	char *id, **v;

	for (; off < n; line++) {
		h = s + off;
		off = text_line_at(s, n, off, &len);
		if (len < 2 || h[0] != '#' || h[1] != '#' ||
		    (len > 2 && h[2] != ' ' && h[2] != '\t'))
			continue;
		while (len > 2 && (h[len - 1] == ' ' || h[len - 1] == '\t'))
			len--;
		for (open = h + len - 1; open > h + 2 && open[0] != '{'; open--)
			;
		if (len < 3 || h[len - 1] != '}' || open[0] != '{' ||
		    open[1] != '#' || (open[-1] != ' ' && open[-1] != '\t'))
			return (err_set(e, ERR_INVALID,
			    "%s:%d: heading does not end with {#id}", name,
			    line));
		idlen = (size_t)(h + len - 1 - (open + 2));
		if (!all_of(open + 2, idlen, is_anchor_char))
			return (err_set(e, ERR_INVALID,
			    "%s:%d: heading id '%.*s' is not [a-z0-9-]+", name,
			    line, (int)idlen, open + 2));
		for (i = 0; i < d->nheadings; i++)
			if (strlen(d->headings[i]) == idlen &&
			    memcmp(d->headings[i], open + 2, idlen) == 0)
				return (err_set(e, ERR_INVALID,
				    "%s:%d: duplicate heading id '%.*s'", name,
				    line, (int)idlen, open + 2));
		if ((id = strndup(open + 2, idlen)) == NULL)
			return (err_oom(e));
		v = reallocarray(d->headings, d->nheadings + 1, sizeof(*v));
		if (v == NULL) {
			free(id);
			return (err_oom(e));
		}
		d->headings = v;
		d->headings[d->nheadings++] = id;
	}
	if (d->nheadings == 0)
		return (err_set(e, ERR_INVALID,
		    "%s:%d: the body has no '## Heading {#id}'", name, first));
	return (0);
}

struct consent_doc *
consent_parse(const void *p, size_t n, const char *name, struct err *e)
{
	const char *s = p;
	struct consent_doc *d;
	uint8_t md[SHA256_LEN];
	size_t bad, off, len, fm0, fm1;
	int line;

	if ((bad = utf8_invalid_at(p, n)) < n) {
		err_set(e, ERR_INVALID, "%s:%d: %s", name,
		    text_line_of(s, n, bad),
		    s[bad] == '\0' ? "NUL byte" : "invalid UTF-8");
		return (NULL);
	}
	if (n == 0 || (off = text_line_at(s, n, 0, &len), !is_dashes(s, len))) {
		err_set(e, ERR_INVALID,
		    "%s:1: must start with a line '---' (front matter)", name);
		return (NULL);
	}
	/* The front matter runs from line 2 to the next line "---". */
	fm0 = off;
	for (line = 2;; line++) {
		if (off >= n) {
			err_set(e, ERR_INVALID,
			    "%s:1: front matter has no closing line '---'",
			    name);
			return (NULL);
		}
		fm1 = off;
		off = text_line_at(s, n, off, &len);
		if (is_dashes(s + fm1, len))
			break;
	}
	/* libyaml's scanner is quadratic in nesting depth: keep it small. */
	if (fm1 - fm0 > CONSENT_MAX_FRONT_MATTER) {
		err_set(e, ERR_INVALID,
		    "%s:2: front matter is longer than %d bytes", name,
		    CONSENT_MAX_FRONT_MATTER);
		return (NULL);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->bytes = malloc(n)) == NULL ||
	    (d->body = strndup(s + off, n - off)) == NULL) {
		err_oom(e);
		goto fail;
	}
	memcpy(d->bytes, p, n);
	d->nbytes = n;
	if (sha256_digest(p, n, md) == -1) {
		err_set(e, ERR_INTERNAL, "%s: SHA-256 failed", name);
		goto fail;
	}
	hex_encode(md, sizeof(md), d->sha256);
	if (fm_parse(s + fm0, fm1 - fm0, name, 2, d, e) == -1 ||
	    body_headings(d, name, line + 1, e) == -1)
		goto fail;
	return (d);
fail:
	consent_doc_free(d);
	return (NULL);
}

void
consent_doc_free(struct consent_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nscopes; i++) {
		free(d->scopes[i].id);
		free(d->scopes[i].explanation);
	}
	free(d->scopes);
	for (i = 0; i < d->nheadings; i++)
		free(d->headings[i]);
	free(d->headings);
	free(d->slug);
	free(d->lang);
	free(d->title);
	free(d->licence_notes);
	free(d->body);
	free(d->bytes);
	free(d);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
free_names(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/*
** The names in folder ${path} but "." and "..", sorted, as a new
** NULL-terminated array (free with free_names()). NULL with ${e} set.
*/
static char **
list_dir(const char *path, struct err *e)
{
	struct dirent *de;
	char **v, **nv;
	size_t n = 0;
	DIR *dp;

	if ((dp = opendir(path)) == NULL) {
		err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if ((v = calloc(1, sizeof(*v))) == NULL)
		goto nomem;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((nv = reallocarray(v, n + 2, sizeof(*v))) == NULL)
			goto nomem;
		v = nv;
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		v[++n] = NULL;
	}
	closedir(dp);
	qsort(v, n, sizeof(*v), name_cmp);
	return (v);
nomem:
	err_oom(e);
	free_names(v);
	closedir(dp);
	return (NULL);
}

/* 1 if ${path} is a folder (${dir} 1) or a regular file (${dir} 0). */
static int
is_kind(const char *path, int dir)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return (0);
	return (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

/* 1 if ${s} is a version folder name: a positive integer, no leading 0. */
static int
is_version(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 6 || s[0] == '0')
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* The line of front-matter key ${key} in ${d}'s file, or 1. */
static int
key_line(const struct consent_doc *d, const char *key)
{
	const char *s = (const char *)d->bytes;
	size_t off = 0, len, k = strlen(key);
	int line;

	for (line = 1; off < d->nbytes; line++) {
		size_t start = off;

		off = text_line_at(s, d->nbytes, off, &len);
		if (line > 1 && is_dashes(s + start, len))
			break;
		if (len > k && memcmp(s + start, key, k) == 0 &&
		    s[start + k] == ':')
			return (line);
	}
	return (1);
}

/* Appends ${d} to ${s}. Returns 0 or -1 (out of memory, ${d} not taken). */
static int
set_add(struct consent_set *s, struct consent_doc *d)
{
	struct consent_doc **v;

	if ((v = reallocarray(s->docs, s->n + 1, sizeof(*v))) == NULL)
		return (-1);
	s->docs = v;
	s->docs[s->n++] = d;
	return (0);
}

/*
** Loads ${path}, named by the folders ${slug}/${version} and language
** ${lang}, checks its front matter against them and adds it to ${s}.
*/
static int
load_one(struct consent_set *s, const char *path, const char *slug, int version,
    const char *lang, struct err *e)
{
	struct consent_doc *d;
	uint8_t *p = NULL;
	size_t n = 0;

	if (text_read_file(path, CONSENT_MAX_BYTES, (char **)&p, &n, e) == -1)
		return (-1);
	d = consent_parse(p, n, path, e);
	free(p);
	if (d == NULL)
		return (-1);
	if (d->version != version) {
		err_set(e, ERR_INVALID,
		    "%s:%d: version %d does not match its folder %d", path,
		    key_line(d, "version"), d->version, version);
		goto fail;
	}
	if (strcmp(d->lang, lang) != 0) {
		err_set(e, ERR_INVALID,
		    "%s:%d: lang '%s' does not match the file name %s.md", path,
		    key_line(d, "lang"), d->lang, lang);
		goto fail;
	}
	if ((d->slug = strdup(slug)) == NULL || set_add(s, d) == -1) {
		err_oom(e);
		goto fail;
	}
	return (0);
fail:
	consent_doc_free(d);
	return (-1);
}

/* Loads every <lang>.md of folder ${path} (= DIR/${slug}/${version}). */
static int
load_version(struct consent_set *s, const char *path, const char *slug,
    int version, struct err *e)
{
	char file[PATH_MAX], lang[64], **names;
	size_t i, len;
	int rc = 0;

	if ((names = list_dir(path, e)) == NULL)
		return (-1);
	for (i = 0; rc == 0 && names[i] != NULL; i++) {
		len = strlen(names[i]);
		if (len < 4 || len - 3 >= sizeof(lang) ||
		    strcmp(names[i] + len - 3, ".md") != 0 ||
		    !is_lang(names[i], len - 3))
			continue;
		snprintf(lang, sizeof(lang), "%.*s", (int)(len - 3), names[i]);
		if (snprintf(file, sizeof(file), "%s/%s", path, names[i]) >=
		    (int)sizeof(file))
			rc = err_set(e, ERR_INVALID, "%s/%s: path too long",
			    path, names[i]);
		else if (is_kind(file, 0))
			rc = load_one(s, file, slug, version, lang, e);
	}
	free_names(names);
	return (rc);
}

/* Loads every version folder of DIR/${slug} (= ${path}). */
static int
load_slug(
    struct consent_set *s, const char *path, const char *slug, struct err *e)
{
	char sub[PATH_MAX], **names;
	size_t i;
	int rc = 0;

	if ((names = list_dir(path, e)) == NULL)
		return (-1);
	for (i = 0; rc == 0 && names[i] != NULL; i++) {
		if (!is_version(names[i]))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, names[i]) >=
		    (int)sizeof(sub))
			rc = err_set(e, ERR_INVALID, "%s/%s: path too long",
			    path, names[i]);
		else if (is_kind(sub, 1))
			rc = load_version(s, sub, slug, atoi(names[i]), e);
	}
	free_names(names);
	return (rc);
}

static int
doc_cmp(const void *a, const void *b)
{
	const struct consent_doc *x = *(const struct consent_doc *const *)a;
	const struct consent_doc *y = *(const struct consent_doc *const *)b;
	int c;

	if ((c = strcmp(x->slug, y->slug)) != 0)
		return (c);
	if (x->version != y->version)
		return (x->version < y->version ? -1 : 1);
	return (strcmp(x->lang, y->lang));
}

/* Scope (${scopes} 1) or heading id ${i} of ${d}, or NULL past the end. */
static const char *
doc_id(const struct consent_doc *d, int scopes, size_t i)
{
	if (scopes)
		return (i < d->nscopes ? d->scopes[i].id : NULL);
	return (i < d->nheadings ? d->headings[i] : NULL);
}

/*
** Compares the scope or heading ids of translation ${t} with those of
** ${en}; on a difference sets ${e} naming both files and returns -1.
*/
static int
ids_match(const char *dir, const struct consent_doc *en,
    const struct consent_doc *t, int scopes, struct err *e)
{
	const char *x, *y, *what = scopes ? "scope" : "heading";
	size_t i;

	for (i = 0;; i++) {
		x = doc_id(t, scopes, i);
		y = doc_id(en, scopes, i);
		if (x == NULL && y == NULL)
			return (0);
		if (x == NULL || y == NULL || strcmp(x, y) != 0)
			break;
	}
	return (err_set(e, ERR_INVALID,
	    "%s/%s/%d/%s.md:1: %s ids differ from %s/%s/%d/en.md: %s %zu is "
	    "%s%s%s here but %s%s%s there",
	    dir, t->slug, t->version, t->lang, what, dir, en->slug, en->version,
	    what, i + 1, x ? "'" : "", x ? x : "missing", x ? "'" : "",
	    y ? "'" : "", y ? y : "missing", y ? "'" : ""));
}

/* 1 if ${a} and ${b} are languages of the same slug and version. */
static int
same_text(const struct consent_doc *a, const struct consent_doc *b)
{
	return (a->version == b->version && strcmp(a->slug, b->slug) == 0);
}

/*
** Checks each slug/version group of sorted ${s}: it has an "en" document,
** and every other language has en's scope ids, heading ids and
** minimum_age.
*/
static int
check_groups(const char *dir, const struct consent_set *s, struct err *e)
{
	const struct consent_doc *en, *t;
	size_t i, j, k;

	for (i = 0; i < s->n; i = j) {
		en = NULL;
		for (j = i; j < s->n && same_text(s->docs[i], s->docs[j]); j++)
			if (strcmp(s->docs[j]->lang, "en") == 0)
				en = s->docs[j];
		if (en == NULL)
			return (err_set(e, ERR_INVALID,
			    "%s/%s/%d: no en.md (the English text is binding "
			    "for unreviewed translations)",
			    dir, s->docs[i]->slug, s->docs[i]->version));
		for (k = i; k < j; k++) {
			t = s->docs[k];
			if (ids_match(dir, en, t, 1, e) == -1 ||
			    ids_match(dir, en, t, 0, e) == -1)
				return (-1);
			if (t->minimum_age != en->minimum_age)
				return (err_set(e, ERR_INVALID,
				    "%s/%s/%d/%s.md:%d: minimum_age %d differs "
				    "from %d in %s/%s/%d/en.md",
				    dir, t->slug, t->version, t->lang,
				    key_line(t, "minimum_age"), t->minimum_age,
				    en->minimum_age, dir, en->slug,
				    en->version));
		}
	}
	return (0);
}

/* Adds every document of folder ${dir} to ${out}, unsorted, unchecked. */
static int
load_raw(const char *dir, struct consent_set *out, struct err *e)
{
	char path[PATH_MAX], **names;
	size_t i;
	int rc = 0;

	if ((names = list_dir(dir, e)) == NULL)
		return (-1);
	for (i = 0; rc == 0 && names[i] != NULL; i++) {
		if (!all_of(names[i], strlen(names[i]), is_anchor_char))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path))
			rc = err_set(e, ERR_INVALID, "%s/%s: path too long",
			    dir, names[i]);
		else if (is_kind(path, 1))
			rc = load_slug(out, path, names[i], e);
	}
	free_names(names);
	return (rc);
}

int
consent_load_dir(const char *dir, struct consent_set *out, struct err *e)
{
	out->docs = NULL;
	out->n = 0;
	if (load_raw(dir, out, e) == -1)
		goto fail;
	qsort(out->docs, out->n, sizeof(*out->docs), doc_cmp);
	if (check_groups(dir, out, e) == -1)
		goto fail;
	return (0);
fail:
	consent_set_free(out);
	return (-1);
}

/*
** Puts ${d} into ${s} (taken, also on failure): in place of the document
** of the same slug, version and language, or added. ${replaced} is set
** when one was replaced. 0, or -1 out of memory.
*/
static int
set_put(struct consent_set *s, struct consent_doc *d, int *replaced)
{
	size_t i;

	*replaced = 0;
	for (i = 0; i < s->n; i++)
		if (doc_cmp(&s->docs[i], &d) == 0) {
			consent_doc_free(s->docs[i]);
			s->docs[i] = d;
			*replaced = 1;
			return (0);
		}
	if (set_add(s, d) == -1) {
		consent_doc_free(d);
		return (-1);
	}
	return (0);
}

int
consent_load_dirs(const char *shipped, const char *node_dir,
    struct consent_set *out, struct err *e)
{
	struct consent_set own = { 0 };
	size_t i;
	int replaced;

	out->docs = NULL;
	out->n = 0;
	if (load_raw(shipped, out, e) == -1)
		goto fail;
	if (node_dir != NULL && is_kind(node_dir, 1)) {
		if (load_raw(node_dir, &own, e) == -1)
			goto fail;
		for (i = 0; i < own.n; i++) {
			if (set_put(out, own.docs[i], &replaced) == -1) {
				own.docs[i] = NULL;
				err_oom(e);
				goto fail;
			}
			own.docs[i] = NULL;
		}
		consent_set_free(&own);
	}
	qsort(out->docs, out->n, sizeof(*out->docs), doc_cmp);
	if (check_groups(shipped, out, e) == -1)
		goto fail;
	return (0);
fail:
	for (i = 0; i < own.n; i++)
		consent_doc_free(own.docs[i]);
	free(own.docs);
	consent_set_free(out);
	return (-1);
}

struct consent_doc *
consent_doc_copy(const struct consent_doc *d, struct err *e)
{
	struct consent_doc *c;

	if ((c = consent_parse(d->bytes, d->nbytes, d->slug, e)) == NULL)
		return (NULL);
	if ((c->slug = strdup(d->slug)) == NULL) {
		consent_doc_free(c);
		err_oom(e);
		return (NULL);
	}
	return (c);
}

int
consent_set_with(const struct consent_set *base, struct consent_doc **add,
    size_t nadd, struct consent_set *out, struct err *e)
{
	struct consent_doc *c;
	size_t i;
	int replaced;

	out->docs = NULL;
	out->n = 0;
	for (i = 0; i < base->n; i++) {
		if ((c = consent_doc_copy(base->docs[i], e)) == NULL)
			goto fail;
		if (set_add(out, c) == -1) {
			consent_doc_free(c);
			err_oom(e);
			goto fail;
		}
	}
	for (i = 0; i < nadd; i++) {
		if ((c = consent_doc_copy(add[i], e)) == NULL)
			goto fail;
		if (set_put(out, c, &replaced) == -1) {
			err_oom(e);
			goto fail;
		}
	}
	qsort(out->docs, out->n, sizeof(*out->docs), doc_cmp);
	if (check_groups("consent", out, e) == -1)
		goto fail;
	return (0);
fail:
	consent_set_free(out);
	return (-1);
}

/* ---------------------------------------------------------------------
** The node's current set, swapped while requests read it
*/

/* One set on the shelf, and how many readers hold it. The set comes
** first: a reader's pointer to it is a pointer to this. */
struct shelved {
	struct consent_set set;
	unsigned long refs;
	struct shelved *next; /* on the list of retired sets */
};

struct consent_shelf {
	pthread_mutex_t mu;
	struct shelved *cur;
	struct shelved *retired; /* swapped out, still held by someone */
};

static void
shelved_free(struct shelved *h)
{
	consent_set_free(&h->set);
	free(h);
}

struct consent_shelf *
consent_shelf_new(struct consent_set *s, struct err *e)
{
	struct consent_shelf *sh;

	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    (sh->cur = calloc(1, sizeof(*sh->cur))) == NULL) {
		free(sh);
		err_oom(e);
		return (NULL);
	}
	pthread_mutex_init(&sh->mu, NULL);
	sh->cur->set = *s;
	s->docs = NULL;
	s->n = 0;
	return (sh);
}

const struct consent_set *
consent_shelf_hold(struct consent_shelf *sh)
{
	struct shelved *h;

	pthread_mutex_lock(&sh->mu);
	h = sh->cur;
	h->refs++;
	pthread_mutex_unlock(&sh->mu);
	return (&h->set);
}

void
consent_shelf_drop(struct consent_shelf *sh, const struct consent_set *s)
{
	struct shelved *h = (struct shelved *)(uintptr_t)s, **pp;

	if (s == NULL)
		return;
	pthread_mutex_lock(&sh->mu);
	if (--h->refs == 0 && h != sh->cur) {
		for (pp = &sh->retired; *pp != NULL; pp = &(*pp)->next)
			if (*pp == h) {
				*pp = h->next;
				break;
			}
		shelved_free(h);
	}
	pthread_mutex_unlock(&sh->mu);
}

int
consent_shelf_put(
    struct consent_shelf *sh, struct consent_set *s, struct err *e)
{
	struct shelved *h, *old;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (err_oom(e));
	h->set = *s;
	s->docs = NULL;
	s->n = 0;
	pthread_mutex_lock(&sh->mu);
	old = sh->cur;
	sh->cur = h;
	if (old->refs == 0) {
		shelved_free(old);
	} else {
		old->next = sh->retired;
		sh->retired = old;
	}
	pthread_mutex_unlock(&sh->mu);
	return (0);
}

void
consent_shelf_free(struct consent_shelf *sh)
{
	struct shelved *h, *next;

	if (sh == NULL)
		return;
	for (h = sh->retired; h != NULL; h = next) {
		next = h->next;
		shelved_free(h);
	}
	shelved_free(sh->cur);
	pthread_mutex_destroy(&sh->mu);
	free(sh);
}

void
consent_set_free(struct consent_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		consent_doc_free(s->docs[i]);
	free(s->docs);
	s->docs = NULL;
	s->n = 0;
}

const struct consent_doc *
consent_find(const struct consent_set *s, const char *slug, int version,
    const char *lang)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->docs[i]->version == version &&
		    strcmp(s->docs[i]->slug, slug) == 0 &&
		    strcmp(s->docs[i]->lang, lang) == 0)
			return (s->docs[i]);
	return (NULL);
}

const struct consent_doc *
consent_latest(const struct consent_set *s, const char *slug, const char *lang)
{
	const struct consent_doc *best = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->docs[i]->slug, slug) == 0 &&
		    strcmp(s->docs[i]->lang, lang) == 0 &&
		    (best == NULL || s->docs[i]->version > best->version))
			best = s->docs[i];
	return (best);
}

int
consent_current_version(const struct consent_set *s, const char *slug)
{
	size_t i;
	int v = 0;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->docs[i]->slug, slug) == 0 &&
		    s->docs[i]->version > v)
			v = s->docs[i]->version;
	return (v);
}

const struct consent_doc *
consent_by_hash(const struct consent_set *s, const char *sha256hex)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->docs[i]->sha256, sha256hex) == 0)
			return (s->docs[i]);
	return (NULL);
}

/* The scope ids of ${d} as a new compact JSON array string, or NULL. */
static char *
scope_ids_json(const struct consent_doc *d)
{
	json_t *a;
	char *s = NULL;
	size_t i;

	if ((a = json_array()) == NULL)
		return (NULL);
	for (i = 0; i < d->nscopes; i++)
		if (json_array_append_new(a, json_string(d->scopes[i].id)) ==
		    -1)
			goto out;
	s = json_dumps(a, JSON_COMPACT);
out:
	json_decref(a);
	return (s);
}

int
consent_store_job(struct db *db, void *arg, struct err *e)
{
	const struct consent_set *s = arg;
	const struct consent_doc *d;
	sqlite3_stmt *st;
	char *scopes;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++) {
		d = s->docs[i];
		if ((st = db_prepare(db, SQL_CONSENT_DOC_INSERT, e)) == NULL)
			return (-1);
		if ((scopes = scope_ids_json(d)) == NULL)
			return (err_oom(e));
		sqlite3_bind_text(st, 1, d->sha256, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, d->slug, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, d->version);
		sqlite3_bind_text(st, 4, d->lang, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, d->title, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, d->reviewed);
		sqlite3_bind_int(st, 7, d->minimum_age);
		sqlite3_bind_text(st, 8, scopes, -1, SQLITE_STATIC);
		sqlite3_bind_blob64(st, 9, d->bytes, d->nbytes, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)time(NULL));
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			db_err(db, e, "consent_documents insert");
		sqlite3_reset(st);
		free(scopes);
		if (rc != SQLITE_DONE)
			return (-1);
	}
	return (0);
}

json_t *
consent_doc_json(const struct consent_doc *d)
{
	json_t *j, *scopes, *headings;
	size_t i;

	j = json_pack("{s:s?, s:i, s:s?, s:s, s:b, s:s, s:i, s:s?, s:s}",
	    "slug", d->slug, "version", d->version, "lang", d->lang, "title",
	    d->title, "reviewed", d->reviewed, "sha256", d->sha256,
	    "minimum_age", d->minimum_age, "licence_notes", d->licence_notes,
	    "body", d->body);
	if (j == NULL)
		return (NULL);
	if (json_object_set_new(j, "scopes", scopes = json_array()) == -1 ||
	    json_object_set_new(j, "headings", headings = json_array()) == -1)
		goto fail;
	for (i = 0; i < d->nscopes; i++)
		if (json_array_append_new(scopes,
			json_pack("{s:s, s:s}", "id", d->scopes[i].id,
			    "explanation", d->scopes[i].explanation)) == -1)
			goto fail;
	for (i = 0; i < d->nheadings; i++)
		if (json_array_append_new(
			headings, json_string(d->headings[i])) == -1)
			goto fail;
	return (j);
fail:
	json_decref(j);
	return (NULL);
}

/* Is ${s} made only of [a-z0-9-] (and 1..63 long)? */
static int
safe_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return (n > 0 && n < 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
}

int
consent_reading_path(const char *dir, const char *slug, int version,
    const char *lang, char *path, size_t n, const char **ctype)
{
	static const struct {
		const char *ext, *type;
	} kinds[] = { { "ogg", "audio/ogg" }, { "wav", "audio/wav" } };
	struct stat st;
	size_t i;
	int len;

	if (!safe_name(slug) || !safe_name(lang) || version <= 0)
		return (0);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		len = snprintf(path, n, "%s/%s/%d/%s.%s", dir, slug, version,
		    lang, kinds[i].ext);
		if (len < 0 || (size_t)len >= n)
			return (0);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			*ctype = kinds[i].type;
			return (1);
		}
	}
	return (0);
}
