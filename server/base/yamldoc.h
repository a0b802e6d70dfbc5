/*
** One YAML document read strictly, for every reader of our YAML files
** (consent front matter, the licence table, redaction rule packs):
** libyaml's document loader on exactly the given bytes, one document and
** no more (a second one would otherwise be silently ignored), and errors
** that name the file and the 1-based line of the node at fault, as
** "NAME:LINE: what is wrong", so an author can go straight to it.
**
** A reader fills a struct yamldoc with yamldoc_load(), walks the document
** with yamldoc_node() and yamldoc_scalar(), checks each mapping's keys
** with yamldoc_mapping(), reports with yamldoc_err(), and frees it with
** yamldoc_free(). What a value must be is the reader's own business.
*/
#ifndef TRIBUTARY_YAMLDOC_H
#define TRIBUTARY_YAMLDOC_H

#include <stddef.h>
#include <yaml.h>

#include "err.h"

struct yamldoc {
	yaml_document_t doc;
	const char *name; /* names the input in errors */
	int line0;        /* the file line of the input's first line */
	struct err *e;    /* where errors go */
};

/*
** Loads the one YAML document in the ${n} bytes at ${p} into ${y}; its
** errors name ${name} and count lines from ${line0} (1 for a whole file,
** more for a part of one, such as front matter). Returns 0 (free ${y} with
** yamldoc_free()), or -1 with ${e} set and nothing to free: ERR_INVALID
** "NAME:LINE: YAML: PROBLEM (CONTEXT)" for what libyaml refuses, or
** "NAME:LINE: ${second}" on the line where a second document starts;
** ERR_INTERNAL if out of memory. Never reads past ${n}.
*/
int yamldoc_load(struct yamldoc *y, const void *p, size_t n, const char *name,
    int line0, const char *second, struct err *e);
/* Frees ${y}'s document. Only after a yamldoc_load() that returned 0. */
void yamldoc_free(struct yamldoc *y);

/*
** Sets ${y}'s error to ERR_INVALID "NAME:LINE: " and the printf-formatted
** message, LINE being the line ${nd} starts on. Returns -1, so a reader
** can `return (yamldoc_err(y, nd, ...));`.
*/
int yamldoc_err(const struct yamldoc *y, const yaml_node_t *nd, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* Node ${i} of ${y}'s document (a mapping's key or value, a sequence's
** item), or NULL if there is none. Can't fail. */
yaml_node_t *yamldoc_node(struct yamldoc *y, yaml_node_item_t i);
/* The text of scalar ${nd}, or NULL if ${nd} is NULL, not a scalar, or
** holds a NUL byte (so no reader is fooled by a string cut short). */
const char *yamldoc_scalar(const yaml_node_t *nd);
/* 1 if ${nd} is a plain scalar YAML reads as null ("", ~, null, Null,
** NULL), else 0. */
int yamldoc_is_null(const yaml_node_t *nd);

/* The keys a mapping may have, and how yamldoc_mapping() words errors. */
struct yamldoc_keys {
	const char *const *names; /* the keys it may have */
	size_t n;
	const char *key; /* what one is called in errors: "key" */
	/* The error for a key that is not a string; NULL to call it an
	** unknown key '?'. */
	const char *not_string;
};

/*
** Reads mapping ${m}, whose keys must each be one of ${k}'s names and
** appear at most once: val[i] becomes the value of names[i], or stays
** NULL where that key is absent (${val} has k->n slots, zeroed here).
** ${m} must be a mapping. Returns 0, or -1 with ${y}'s error set on the
** offending key's line: "${ctx}unknown KEY 'NAME'" or "${ctx}duplicate
** KEY 'NAME'" (KEY is k->key; ${ctx} such as "rule 3: " says where, ""
** for nothing).
*/
int yamldoc_mapping(struct yamldoc *y, const yaml_node_t *m,
    const struct yamldoc_keys *k, const char *ctx, yaml_node_t **val);

#endif
