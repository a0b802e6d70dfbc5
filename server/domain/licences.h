/*
** The licence table (consent/licences.yaml): for each licence a release may
** carry (Hugging Face Hub licence ids), the consent scopes a text or an
** audio contribution must have granted to go into such a release, and the
** uses the licence permits that need a scope of their own. A release under
** licence L includes a contribution only if licence_covers(L, kind, granted).
*/
#ifndef TRIBUTARY_LICENCES_H
#define TRIBUTARY_LICENCES_H

#include <stddef.h>

#include "err.h"

struct licence {
	char *id; /* "cc-by-4.0" */
	char **text;
	size_t ntext;
	char **audio;
	size_t naudio;
	char **permits;
	size_t npermits;
	char **prompts; /* licences of prompts such a release may carry */
	size_t nprompts;
};

struct licence_table {
	struct licence *l;
	size_t n;
};

/*
** Parses the ${n} bytes at ${p} (at most 64 KiB): a mapping with the one
** key `licences`, mapping each licence id ([a-z0-9.-]+, unique) to the
** keys text, audio and permits, each a list of scope ids ([a-z_]+, no
** repeats), and optionally prompts: the licences ([a-z0-9.-]+) of the
** prompts a release under it may carry (without it: cc0-1.0 and pddl).
** ${name} names the input in errors. Returns 0 (free ${t} with
** licences_free()), or -1 with ${e} set (ERR_INVALID "NAME:LINE: ...",
** ERR_INTERNAL if out of memory) and ${t} empty. Never reads past ${n}.
*/
int licences_parse(const void *p, size_t n, const char *name,
    struct licence_table *t, struct err *e);
/*
** Reads and parses the file ${path} (at most 64 KiB) into ${t}. Returns 0
** or -1 with ${e} set (ERR_STORAGE if it cannot be read) and ${t} empty.
*/
int licences_load(const char *path, struct licence_table *t, struct err *e);
/* Frees what ${t} holds and empties it. Safe on an empty table. Can't
** fail. */
void licences_free(struct licence_table *t);
/* The licence ${id} of ${t}, or NULL if there is none. Can't fail. */
const struct licence *
licence_find(const struct licence_table *t, const char *id);
/*
** 1 if the ${ngranted} scope ids in ${granted} include every scope licence
** ${l} needs for ${kind} ("text" or "audio"), else 0 (also for an unknown
** kind or a NULL ${l}). Can't fail.
*/
int licence_covers(const struct licence *l, const char *kind,
    const char *const *granted, size_t ngranted);

#endif
