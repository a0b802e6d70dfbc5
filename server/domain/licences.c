/*
** The licence table (licences.h), read strictly with libyaml's document
** loader: unknown keys, repeated keys and malformed ids are errors naming
** the line, so a typo cannot silently let a release include contributions
** whose consent does not cover its licence.
*/
#include "licences.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "yamldoc.h"

/* Ample for the table; libyaml's scanner is quadratic in nesting depth. */
#define LICENCES_MAX_BYTES (64 * 1024)

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
** Reads ${nd}, the value of ${key}: a list of distinct ids ([a-z] and the
** characters of ${extra}; ${what} names them in errors), into a new array
** ${out} of ${n} strings (freed by licences_free()).
*/
static int
id_list(struct yamldoc *c, yaml_node_t *nd, const char *key, const char *extra,
    const char *what, char ***out, size_t *n)
{
	yaml_node_item_t *it;
	yaml_node_t *item;
	const char *s;

	if (nd->type != YAML_SEQUENCE_NODE)
		return (yamldoc_err(c, nd, "%s must be a list of ids", key));
	*out = calloc((size_t)(nd->data.sequence.items.top -
			  nd->data.sequence.items.start) +
		1,
	    sizeof(**out));
	if (*out == NULL)
		return (err_oom(c->e));
	for (it = nd->data.sequence.items.start;
	     it < nd->data.sequence.items.top; it++) {
		item = yamldoc_node(c, *it);
		s = yamldoc_scalar(item);
		if (!is_id(s, extra))
			return (
			    yamldoc_err(c, item, "%s: not a %s", key, what));
		if (has(*out, *n, s))
			return (yamldoc_err(
			    c, item, "%s: '%s' given twice", key, s));
		if (((*out)[*n] = strdup(s)) == NULL)
			return (err_oom(c->e));
		(*n)++;
	}
	return (0);
}

/* A list of scope ids ([a-z_]+). */
static int
scope_list(
    struct yamldoc *c, yaml_node_t *nd, const char *key, char ***out, size_t *n)
{
	return (id_list(c, nd, key, "_", "scope id [a-z_]+", out, n));
}

/* The keys of a licence (prompts is optional). */
enum { L_TEXT, L_AUDIO, L_PERMITS, L_PROMPTS, NL };
static const char *const licence_keys[NL] = { "text", "audio", "permits",
	"prompts" };
static const struct yamldoc_keys licence_map = { licence_keys, NL, "key",
	NULL };

/* Reads licence ${l} from the pair ${k}: ${v} of the `licences` mapping. */
static int
licence_entry(
    struct yamldoc *c, yaml_node_t *k, yaml_node_t *v, struct licence *l)
{
	yaml_node_t *val[NL];
	char ctx[400]; /* as long as yamldoc_err()'s message */
	const char *s;
	size_t i;

	if (!is_id(s = yamldoc_scalar(k), "0123456789.-"))
		return (yamldoc_err(c, k, "licence id must be [a-z0-9.-]+"));
	if ((l->id = strdup(s)) == NULL)
		return (err_oom(c->e));
	if (v->type != YAML_MAPPING_NODE)
		return (yamldoc_err(
		    c, v, "%s: must map text, audio and permits", l->id));
	snprintf(ctx, sizeof(ctx), "%s: ", l->id);
	if (yamldoc_mapping(c, v, &licence_map, ctx, val) == -1)
		return (-1);
	for (i = 0; i < L_PROMPTS; i++)
		if (val[i] == NULL)
			return (yamldoc_err(c, v, "%s: missing key '%s'", l->id,
			    licence_keys[i]));
	if (scope_list(c, val[L_TEXT], "text", &l->text, &l->ntext) == -1 ||
	    scope_list(c, val[L_AUDIO], "audio", &l->audio, &l->naudio) == -1 ||
	    scope_list(
		c, val[L_PERMITS], "permits", &l->permits, &l->npermits) == -1)
		return (-1);
	/* Without the key: prompts in the public domain only. */
	if (val[L_PROMPTS] == NULL) {
		if ((l->prompts = calloc(3, sizeof(*l->prompts))) == NULL ||
		    (l->prompts[0] = strdup("cc0-1.0")) == NULL ||
		    (l->prompts[1] = strdup("pddl")) == NULL)
			return (err_oom(c->e));
		l->nprompts = 2;
		return (0);
	}
	return (id_list(c, val[L_PROMPTS], "prompts", "0123456789.-",
	    "licence id [a-z0-9.-]+", &l->prompts, &l->nprompts));
}

/* Reads the root mapping of ${c} into ${t}. Returns 0 or -1. */
static int
table(struct yamldoc *c, struct licence_table *t)
{
	yaml_node_t *root = yaml_document_get_root_node(&c->doc), *k, *lic;
	yaml_node_pair_t *pr;
	size_t i;

	if (root == NULL)
		return (err_set(c->e, ERR_INVALID, "%s:1: empty", c->name));
	if (root->type != YAML_MAPPING_NODE ||
	    root->data.mapping.pairs.top - root->data.mapping.pairs.start != 1)
		return (yamldoc_err(c, root,
		    "must be a mapping with one key, "
		    "licences"));
	k = yamldoc_node(c, root->data.mapping.pairs.start->key);
	lic = yamldoc_node(c, root->data.mapping.pairs.start->value);
	if (yamldoc_scalar(k) == NULL ||
	    strcmp(yamldoc_scalar(k), "licences") != 0)
		return (yamldoc_err(c, k, "unknown key '%s'",
		    yamldoc_scalar(k) != NULL ? yamldoc_scalar(k) : "?"));
	if (lic->type != YAML_MAPPING_NODE ||
	    lic->data.mapping.pairs.top == lic->data.mapping.pairs.start)
		return (yamldoc_err(c, lic, "licences must map licence ids"));
	t->l = calloc((size_t)(lic->data.mapping.pairs.top -
			  lic->data.mapping.pairs.start),
	    sizeof(*t->l));
	if (t->l == NULL)
		return (err_oom(c->e));
	for (pr = lic->data.mapping.pairs.start;
	     pr < lic->data.mapping.pairs.top; pr++) {
		k = yamldoc_node(c, pr->key);
		if (licence_entry(
			c, k, yamldoc_node(c, pr->value), &t->l[t->n++]) == -1)
			return (-1);
		for (i = 0; i + 1 < t->n; i++)
			if (strcmp(t->l[i].id, t->l[t->n - 1].id) == 0)
				return (yamldoc_err(c, k,
				    "licence '%s' given twice", t->l[i].id));
	}
	return (0);
}

int
licences_parse(const void *p, size_t n, const char *name,
    struct licence_table *t, struct err *e)
{
	struct yamldoc c;
	int rc;

	t->l = NULL;
	t->n = 0;
	if (n > LICENCES_MAX_BYTES)
		return (err_set(e, ERR_INVALID, "%s:1: larger than %d bytes",
		    name, LICENCES_MAX_BYTES));
	if (yamldoc_load(&c, p, n, name, 1, "more than one YAML document", e) ==
	    -1)
		return (-1);
	rc = table(&c, t);
	yamldoc_free(&c);
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
		free_list(t->l[i].prompts, t->l[i].nprompts);
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
