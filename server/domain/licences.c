/*
** The licence table (licences.h), read strictly with libyaml's document
** loader: unknown keys, repeated keys and malformed ids are errors naming
** the line, so a typo cannot silently let a release include contributions
** whose consent does not cover its licence.
*/
#include "licences.h"
#include "text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Ample for the table; libyaml's scanner is quadratic in nesting depth. */
#define LICENCES_MAX_BYTES (64 * 1024)

/* State of one parse: errors are "NAME:LINE: ...". */
struct lp {
	yaml_document_t doc;
	const char *name;
	struct err *e;
};

/* Sets ${c}'s error for the line of ${nd}. Returns -1. */
static int lp_err(const struct lp *c, const yaml_node_t *nd, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
lp_err(const struct lp *c, const yaml_node_t *nd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return (err_set(c->e, ERR_INVALID, "%s:%d: %s", c->name,
	    (int)nd->start_mark.line + 1, msg));
}

static int
oom(struct err *e)
{
	return (err_set(e, ERR_INTERNAL, "out of memory"));
}

/* The text of scalar ${nd}, or NULL if it is not a scalar or holds a NUL. */
static const char *
scalar(const yaml_node_t *nd)
{
	const char *s;

	if (nd == NULL || nd->type != YAML_SCALAR_NODE)
		return (NULL);
	s = (const char *)nd->data.scalar.value;
	return (strlen(s) == nd->data.scalar.length ? s : NULL);
}

/* 1 if ${s} is non-empty and every byte is in ${chars} or a-z. */
static int
is_id(const char *s, const char *chars)
{
	if (s == NULL || *s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && strchr(chars, *s) == NULL)
			return (0);
	return (1);
}

/* 1 if ${s} is one of the ${n} strings of ${v}. */
static int
has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return (1);
	return (0);
}

/*
** Reads ${nd}, the value of ${key}: a list of distinct scope ids, into a
** new array ${out} of ${n} strings (freed by licences_free()).
*/
static int
scope_list(
    struct lp *c, yaml_node_t *nd, const char *key, char ***out, size_t *n)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;

	if (nd->type != YAML_SEQUENCE_NODE)
		return (lp_err(c, nd, "%s must be a list of scope ids", key));
	*out = calloc((size_t)(nd->data.sequence.items.top -
			  nd->data.sequence.items.start) +
		1,
	    sizeof(**out));
	if (*out == NULL)
		return (oom(c->e));
	for (it = nd->data.sequence.items.start;
	     it < nd->data.sequence.items.top; it++) {
		item = yaml_document_get_node(&c->doc, *it);
		s = scalar(item);
		if (!is_id(s, "_"))
			return (
			    lp_err(c, item, "%s: not a scope id [a-z_]+", key));
		if (has(*out, *n, s))
			return (
			    lp_err(c, item, "%s: '%s' given twice", key, s));
		if (((*out)[*n] = strdup(s)) == NULL)
			return (oom(c->e));
		(*n)++;
	}
	return (0);
}

/* Reads licence ${l} from the pair ${k}: ${v} of the `licences` mapping. */
static int
licence_entry(struct lp *c, yaml_node_t *k, yaml_node_t *v, struct licence *l)
{
	static const char *const keys[] = { "text", "audio", "permits" };
	yaml_node_t *val[3] = { 0 };
	yaml_node_pair_t *pr;
	const char *s;
	size_t i;

	if (!is_id(s = scalar(k), "0123456789.-"))
		return (lp_err(c, k, "licence id must be [a-z0-9.-]+"));
	if ((l->id = strdup(s)) == NULL)
		return (oom(c->e));
	if (v->type != YAML_MAPPING_NODE)
		return (lp_err(
		    c, v, "%s: must map text, audio and permits", l->id));
	for (pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yaml_document_get_node(&c->doc, pr->key);

		s = scalar(kn);
		for (i = 0; i < 3 && (s == NULL || strcmp(s, keys[i]) != 0);
		     i++)
			;
		if (i == 3)
			return (lp_err(c, kn, "%s: unknown key '%s'", l->id,
			    s != NULL ? s : "?"));
		if (val[i] != NULL)
			return (
			    lp_err(c, kn, "%s: duplicate key '%s'", l->id, s));
		val[i] = yaml_document_get_node(&c->doc, pr->value);
	}
	for (i = 0; i < 3; i++)
		if (val[i] == NULL)
			return (lp_err(
			    c, v, "%s: missing key '%s'", l->id, keys[i]));
	if (scope_list(c, val[0], "text", &l->text, &l->ntext) == -1 ||
	    scope_list(c, val[1], "audio", &l->audio, &l->naudio) == -1 ||
	    scope_list(c, val[2], "permits", &l->permits, &l->npermits) == -1)
		return (-1);
	return (0);
}

/* Reads the root mapping of ${c} into ${t}. Returns 0 or -1. */
static int
table(struct lp *c, struct licence_table *t)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *k, *lic;
	yaml_node_pair_t *pr;
	size_t i;

	if (root == NULL)
		return (err_set(c->e, ERR_INVALID, "%s:1: empty", c->name));
	if (root->type != YAML_MAPPING_NODE ||
	    root->data.mapping.pairs.top - root->data.mapping.pairs.start != 1)
		return (lp_err(c, root,
		    "must be a mapping with one key, "
		    "licences"));
	k = yaml_document_get_node(
	    &c->doc, root->data.mapping.pairs.start->key);
	lic = yaml_document_get_node(
	    &c->doc, root->data.mapping.pairs.start->value);
	if (scalar(k) == NULL || strcmp(scalar(k), "licences") != 0)
		return (lp_err(c, k, "unknown key '%s'",
		    scalar(k) != NULL ? scalar(k) : "?"));
	if (lic->type != YAML_MAPPING_NODE ||
	    lic->data.mapping.pairs.top == lic->data.mapping.pairs.start)
		return (lp_err(c, lic, "licences must map licence ids"));
	t->l = calloc((size_t)(lic->data.mapping.pairs.top -
			  lic->data.mapping.pairs.start),
	    sizeof(*t->l));
	if (t->l == NULL)
		return (oom(c->e));
	for (pr = lic->data.mapping.pairs.start;
	     pr < lic->data.mapping.pairs.top; pr++) {
		k = yaml_document_get_node(&c->doc, pr->key);
		if (licence_entry(c, k,
			yaml_document_get_node(&c->doc, pr->value),
			&t->l[t->n++]) == -1)
			return (-1);
		for (i = 0; i + 1 < t->n; i++)
			if (strcmp(t->l[i].id, t->l[t->n - 1].id) == 0)
				return (lp_err(c, k, "licence '%s' given twice",
				    t->l[i].id));
	}
	return (0);
}

int
licences_parse(const void *p, size_t n, const char *name,
    struct licence_table *t, struct err *e)
{
	struct lp c = { .name = name, .e = e };
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = -1, line;

	t->l = NULL;
	t->n = 0;
	if (n > LICENCES_MAX_BYTES)
		return (err_set(e, ERR_INVALID, "%s:1: larger than %d bytes",
		    name, LICENCES_MAX_BYTES));
	if (!yaml_parser_initialize(&parser))
		return (oom(e));
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, p, n);
	if (!yaml_parser_load(&parser, &c.doc))
		goto yaml;
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_document_delete(&c.doc);
		goto yaml;
	}
	if (yaml_document_get_root_node(&extra) != NULL)
		err_set(e, ERR_INVALID, "%s:%d: more than one YAML document",
		    name, (int)extra.start_mark.line + 1);
	else
		rc = table(&c, t);
	yaml_document_delete(&extra);
	yaml_document_delete(&c.doc);
	goto out;
yaml:
	/* The reader counts bytes, not lines. */
	if (parser.error == YAML_MEMORY_ERROR)
		oom(e);
	else {
		line = parser.error == YAML_READER_ERROR
		    ? text_line_of(p, n, parser.problem_offset)
		    : (int)parser.problem_mark.line + 1;
		err_set(e, ERR_INVALID, "%s:%d: YAML: %s%s%s%s", name, line,
		    parser.problem ? parser.problem : "error",
		    parser.context ? " (" : "",
		    parser.context ? parser.context : "",
		    parser.context ? ")" : "");
	}
out:
	yaml_parser_delete(&parser);
	if (rc == -1)
		licences_free(t);
	return (rc);
}

int
licences_load(const char *path, struct licence_table *t, struct err *e)
{
	char *p = NULL;
	size_t n = 0;
	int rc;

	t->l = NULL;
	t->n = 0;
	if (text_read_file(path, LICENCES_MAX_BYTES, &p, &n, e) == -1)
		return (-1);
	rc = licences_parse(p, n, path, t, e);
	free(p);
	return (rc);
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

void
licences_free(struct licence_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->l[i].id);
		free_list(t->l[i].text, t->l[i].ntext);
		free_list(t->l[i].audio, t->l[i].naudio);
		free_list(t->l[i].permits, t->l[i].npermits);
	}
	free(t->l);
	t->l = NULL;
	t->n = 0;
}

const struct licence *
licence_find(const struct licence_table *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->l[i].id, id) == 0)
			return (&t->l[i]);
	return (NULL);
}

int
licence_covers(const struct licence *l, const char *kind,
    const char *const *granted, size_t ngranted)
{
	char **need;
	size_t nneed, i, j;

	if (l == NULL || kind == NULL)
		return (0);
	if (strcmp(kind, "text") == 0) {
		need = l->text;
		nneed = l->ntext;
	} else if (strcmp(kind, "audio") == 0) {
		need = l->audio;
		nneed = l->naudio;
	} else
		return (0);
	for (i = 0; i < nneed; i++) {
		for (j = 0; j < ngranted; j++)
			if (granted[j] != NULL &&
			    strcmp(granted[j], need[i]) == 0)
				break;
		if (j == ngranted)
			return (0);
	}
	return (1);
}
