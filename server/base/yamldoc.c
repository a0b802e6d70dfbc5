/*
** Strict YAML documents (yamldoc.h): loading exactly one, and the error,
** scalar and mapping helpers every reader of our YAML files shares.
*/
#include "yamldoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/*
** Sets ${e} from libyaml's error in ${parser}, which read the ${n} bytes
** at ${p}, starting on line ${line0} of ${name}. Returns -1.
*/
static int
parser_error(const yaml_parser_t *parser, const char *p, size_t n,
    const char *name, int line0, struct err *e)
{
	int line = line0 + (int)parser->problem_mark.line;

	if (parser->error == YAML_MEMORY_ERROR)
		return (err_oom(e));
	/* The reader counts bytes, not lines. */
	if (parser->error == YAML_READER_ERROR)
		line = line0 - 1 + text_line_of(p, n, parser->problem_offset);
	return (err_set(e, ERR_INVALID, "%s:%d: YAML: %s%s%s%s", name, line,
	    parser->problem ? parser->problem : "error",
	    parser->context ? " (" : "", parser->context ? parser->context : "",
	    parser->context ? ")" : ""));
}

int
yamldoc_load(struct yamldoc *y, const void *p, size_t n, const char *name,
    int line0, const char *second, struct err *e)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = -1;

	y->name = name;
	y->line0 = line0;
	y->e = e;
	if (!yaml_parser_initialize(&parser))
		return (err_oom(e));
	yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&parser, (const unsigned char *)p, n);
	if (!yaml_parser_load(&parser, &y->doc)) {
		parser_error(&parser, p, n, name, line0, e);
		goto out;
	}
	/* One document only: a second one would be silently ignored. */
	if (!yaml_parser_load(&parser, &extra)) {
		parser_error(&parser, p, n, name, line0, e);
		yaml_document_delete(&y->doc);
		goto out;
	}
	if (yaml_document_get_root_node(&extra) != NULL) {
		err_set(e, ERR_INVALID, "%s:%d: %s", name,
		    line0 + (int)extra.start_mark.line, second);
		yaml_document_delete(&y->doc);
	} else
		rc = 0;
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	return (rc);
}

void
yamldoc_free(struct yamldoc *y)
{
	yaml_document_delete(&y->doc);
}

int
yamldoc_err(
    const struct yamldoc *y, const yaml_node_t *nd, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return (err_set(y->e, ERR_INVALID, "%s:%d: %s", y->name,
	    y->line0 + (int)nd->start_mark.line, msg));
}

yaml_node_t *
yamldoc_node(struct yamldoc *y, yaml_node_item_t i)
{
	return (yaml_document_get_node(&y->doc, i));
}

const char *
yamldoc_scalar(const yaml_node_t *nd)
{
	const char *s;

	if (nd == NULL || nd->type != YAML_SCALAR_NODE)
		return (NULL);
	s = (const char *)nd->data.scalar.value;
	if (strlen(s) != nd->data.scalar.length)
		return (NULL);
	return (s);
}

int
yamldoc_is_null(const yaml_node_t *nd)
{
	const char *s = yamldoc_scalar(nd);

	if (s == NULL || nd->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return (0);
	return (strcmp(s, "") == 0 || strcmp(s, "~") == 0 ||
	    strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	    strcmp(s, "NULL") == 0);
}

int
yamldoc_mapping(struct yamldoc *y, const yaml_node_t *m,
    const struct yamldoc_keys *k, const char *ctx, yaml_node_t **val)
{
	yaml_node_pair_t *pr;
	size_t i;

	memset(val, 0, k->n * sizeof(*val));
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yamldoc_node(y, pr->key);
		const char *ks = yamldoc_scalar(kn);

		if (ks == NULL && k->not_string != NULL)
			return (yamldoc_err(y, kn, "%s%s", ctx, k->not_string));
		for (i = 0; i < k->n && (ks == NULL || strcmp(ks, k->names[i]));
		     i++)
			;
		if (i == k->n)
			return (yamldoc_err(y, kn, "%sunknown %s '%s'", ctx,
			    k->key, ks != NULL ? ks : "?"));
		if (val[i] != NULL)
			return (yamldoc_err(
			    y, kn, "%sduplicate %s '%s'", ctx, k->key, ks));
		val[i] = yamldoc_node(y, pr->value);
	}
	return (0);
}
