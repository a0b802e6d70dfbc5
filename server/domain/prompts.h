/*
** Prompts with provenance (domain): what a campaign asks people to read or
** write about, each with its source and the licence it may be released
** under, imported from a text or CSV file (prompts_parse, a parser of
** outside input), added, edited and retired by maintainers, and offered to
** each contributor so that coverage stays even.
*/
#ifndef TRIBUTARY_PROMPTS_H
#define TRIBUTARY_PROMPTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define PROMPT_MAX_CHARS  1000    /* characters of a prompt */
#define PROMPT_SOURCE_MAX 500     /* bytes of its source */
#define PROMPT_FILE_MAX   4194304 /* bytes of an imported file */
#define PROMPT_FILE_LINES 100000  /* prompts in one import */
#define PROMPT_ERRORS_MAX 100     /* refused lines named, at most */

/* The licences a prompt may carry: Hub ids of licences that let it be
** released (no non-commercial ones), NULL-terminated, with their names. */
extern const char *const prompt_licences[];
extern const char *const prompt_licence_names[];
/* 1 if ${id} is one of prompt_licences, else 0. Can't fail. */
int prompt_licence_ok(const char *id);

struct prompt_in {
	char *text, *source, *licence;
	long line; /* where it was in the file */
};
struct prompt_set {
	struct prompt_in *p;
	size_t n;
	size_t duplicates; /* lines dropped for repeating one before */
	json_t *errors;    /* [{"line","message"}], or NULL */
};

/*
** Parses the ${n} bytes at ${p}: UTF-8 text with one prompt per line
** (${csv} 0; each gets ${licence} and ${source}), or CSV with a header
** naming the columns text, source and licence in any order (${csv} 1;
** RFC 4180 quoting; ${licence} and ${source} fill empty cells). Blank
** lines are skipped, repeats dropped (counted), surrounding white space
** trimmed. A line that is not UTF-8, over PROMPT_MAX_CHARS, with a source
** over PROMPT_SOURCE_MAX or without a known licence is refused with its
** line number. Returns 0 with every prompt in ${out}; or -1 with ${e}
** set: ERR_INVALID (refused lines: ${out}->errors names up to
** PROMPT_ERRORS_MAX of them; or the file as a whole: too large, no
** header, no prompt), ERR_INTERNAL. ${out} must be freed with
** prompt_set_free() either way. Never reads past ${n}.
*/
int prompts_parse(const char *p, size_t n, int csv, const char *licence,
    const char *source, struct prompt_set *out, struct err *e);
/* Frees what ${s} holds and empties it. Can't fail. */
void prompt_set_free(struct prompt_set *s);

/*
** Writer job: adds every prompt of ${set} to campaign ${campaign_id}, all
** or nothing; those the campaign already has are counted as duplicates.
** Audited. Returns 0, or -1 with ${e} set: ERR_NOT_FOUND (no campaign),
** ERR_STORAGE.
*/
struct prompt_import {
	int64_t campaign_id, actor;
	const struct prompt_set *set;
	size_t imported, duplicates; /* out */
};
int prompt_import_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: adds one prompt (id 0) or edits prompt ${id} (NULL fields
** keep theirs; ${retire} 1 retires it, -1 restores it, 0 keeps). Checked as
** an imported line is. Audited. Returns 0 with ${id} set, or -1 with ${e}
** set: ERR_INVALID, ERR_NOT_FOUND, ERR_CONFLICT (the campaign has that
** text already), ERR_STORAGE.
*/
struct prompt_edit {
	int64_t id, campaign_id, actor;
	const char *text, *source, *licence;
	int retire;
};
int prompt_edit_job(struct db *db, void *arg, struct err *e);

/* One prompt as {"id","campaign_id","text","source","licence","uses",
** "retired"} into ${out} (a new object): 1, 0 if none, -1 with ${e}. */
int prompt_get(struct db *db, int64_t id, json_t **out, struct err *e);
/* Campaign ${campaign}'s prompts as an array: the PROMPT_LISTED live
** ones with the fewest contributions as {"id","text"} (${all} 0: what a
** phone carries for offline use), or every one as prompt_get() has it,
** retired last (${all} 1). NULL with ${e} set. */
#define PROMPT_LISTED 50
json_t *prompt_list(struct db *db, int64_t campaign, int all, struct err *e);
/*
** The live prompt of ${campaign} that ${account} has not done, with the
** fewest contributions so far (then the oldest): 1 with {"id","text"} in
** ${out}, 0 if they have done them all, -1 with ${e} set.
*/
int prompt_next(struct db *db, int64_t campaign, int64_t account, json_t **out,
    struct err *e);
/* The text of live prompt ${id} of campaign ${campaign} into ${text}
** (malloc'd): 1, 0 if there is no such live prompt, -1 with ${e}. */
int prompt_text(
    struct db *db, int64_t id, int64_t campaign, char **text, struct err *e);

#endif
