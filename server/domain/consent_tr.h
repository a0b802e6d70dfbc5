/*
** Consent documents translated on the node (the translation page's
** "Consent document" tab). A document is cut into parts, each a unit a
** translator writes: its title, licence_notes, each scope's explanation,
** and each block of its Markdown body (split on blank lines; a `## `
** heading line is a block of its own; Markdown inside a block is kept as
** it is). A part is named by an id that holds across languages:
**
**   title | licence_notes | scope.ID | heading.ANCHOR
**   | para.N (the Nth block before the first heading)
**   | para.ANCHOR.N (the Nth block after heading ANCHOR), N from 1
**
** Blocks of a translation are matched to English's by that id, that is
** by their place within their section; a section where the translation
** has more blocks than English keeps the extra ones with its last one.
**
** A translator saves parts as drafts (table consent_translations, per
** slug, version, lang and part). A second speaker (someone who saved no
** part of the drafts) marks the language's document reviewed: the node
** then writes the document, its current text with the drafts applied and
** `reviewed: true`, as DATA/consent/SLUG/VERSION/LANG.md, and serves it at
** once. The hash rule: a consent records the SHA-256 of the exact text a
** person read, so a text somebody consented to is never replaced. If
** nobody consented to the language's document of the latest version, the
** reviewed text replaces it at that version; if anybody did, it becomes
** version + 1, with English and every other language copied from the
** current version byte for byte but for their `version:` line.
*/
#ifndef TRIBUTARY_CONSENT_TR_H
#define TRIBUTARY_CONSENT_TR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "consent.h"
#include "db.h"
#include "err.h"

/* The folder under the node's data folder that holds the documents made
** on the node: DATA/consent/SLUG/VERSION/LANG.md. */
#define CONSENT_TR_DIR "consent"
/* Longest anchor or scope id a part id names. */
#define CONSENT_TR_ID_MAX 63

enum ctr_kind { CTR_TITLE, CTR_LICENCE, CTR_SCOPE, CTR_HEADING, CTR_PARA };

struct ctr_part {
	char *id; /* as above */
	enum ctr_kind kind;
	char *text; /* the part's text, NUL-terminated */
};
struct ctr_parts {
	struct ctr_part *v;
	size_t n;
};
/* Frees every part of ${ps} and empties it. Safe on an empty list. */
void ctr_parts_free(struct ctr_parts *ps);

/* A part id, read (ctr_part_id_parse()). */
struct ctr_ref {
	enum ctr_kind kind;
	char id[CONSENT_TR_ID_MAX + 1]; /* scope id or anchor; "" if none */
	unsigned n;                     /* a block's number; 0 else */
};
/*
** Reads the ${n} bytes at ${p} as a part id into ${out}: 0, or -1 if they
** are not one (a scope id is [a-z_]+, an anchor [a-z0-9-]+, each 1 to
** CONSENT_TR_ID_MAX long; N a number from 1 to 9999 without leading
** zeros). Outside input (the URL); never reads past ${n}. Can't fail
** otherwise.
*/
int ctr_part_id_parse(const char *p, size_t n, struct ctr_ref *out);

/*
** Cuts the ${n} bytes at ${p}, a Markdown body, into blocks appended to
** ${out} as CTR_HEADING and CTR_PARA parts. A heading must end with
** `{#anchor}` (as consent_parse() requires); a NUL byte is refused. 0,
** or -1 with ${e} set (ERR_INVALID naming the line; ERR_INTERNAL out of
** memory) and ${out} freed. Never reads past ${n}.
*/
int
ctr_body_split(const char *p, size_t n, struct ctr_parts *out, struct err *e);
/* Every part of document ${d}, in the document's order, into ${out}. 0,
** or -1 with ${e} set and ${out} empty. */
int ctr_doc_parts(
    const struct consent_doc *d, struct ctr_parts *out, struct err *e);

/* Why a part's text is refused (ctr_text_check()). */
enum ctr_bad {
	CTR_OK = 0,
	CTR_BAD_EMPTY,      /* nothing but white space */
	CTR_BAD_TOO_LARGE,  /* over the limit */
	CTR_BAD_NOT_TEXT,   /* not UTF-8, or a control character */
	CTR_BAD_ONE_LINE,   /* a title, scope or heading with a line break */
	CTR_BAD_BLANK_LINE, /* a blank line inside a block: two blocks */
	CTR_BAD_HEADING,    /* a heading changed its {#anchor}, or a block
			 ** that is not a heading holds a heading line */
};
/*
** May ${text} stand as the translation of the part of kind ${kind} whose
** English is ${en}? At most ${max} bytes. CTR_OK, or why not with ${e}
** set (ERR_INVALID, or ERR_TOO_LARGE) in plain words. Can't fail
** otherwise; reads ${text} up to its NUL.
*/
enum ctr_bad ctr_text_check(enum ctr_kind kind, const char *en,
    const char *text, size_t max, struct err *e);
/* The length of ${text} without the white space at its end and the line
** breaks at its start, its start into *${start}. Can't fail. */
size_t ctr_text_trim(const char *text, const char **start);

/*
** The translation page's view of document ${slug} in ${lang} at its
** latest version: {"slug","version","lang","exists","reviewed","consented",
** "next_version","drafts","sha256","parts":[{"id","kind","en","text",
** "draft","by","at","missing"}]}, the parts without any text first, then
** in the document's order. "text" is the part in the language's current
** document (null if none), "draft" the one saved on the node since the
** last review. NULL with ${e} set: ERR_NOT_FOUND (no such document),
** ERR_STORAGE.
*/
json_t *ctr_view(const struct consent_set *s, struct db *db, const char *slug,
    const char *lang, struct err *e);

/*
** Finds the English part ${part} of ${slug}'s latest version in ${s}: its
** kind and English text into *${kind} and *${en} (borrowed from ${s}),
** the version into *${version}. 0, or -1 with ${e} set (ERR_NOT_FOUND).
*/
int ctr_english_part(const struct consent_set *s, const char *slug,
    const char *part, enum ctr_kind *kind, const char **en, int *version,
    struct err *e);

/* Saves a draft of one part (writer job), audited as
** "consent.part_saved". ERR_STORAGE. */
struct ctr_save {
	const char *slug, *lang, *part, *text;
	int version; /* the version translated from */
	int64_t by;
};
int ctr_save_job(struct db *db, void *arg, struct err *e);

/* Why a review is refused (ctr_review.refused). */
enum ctr_refusal {
	CTR_R_NONE = 0,
	CTR_R_SECOND_SPEAKER, /* the reviewer saved a part of the drafts */
	CTR_R_MISSING,        /* a part has no text at all */
	CTR_R_NOTHING,        /* reviewed already, and no drafts since */
	CTR_R_DOCUMENT,       /* the document made is not a valid one */
};

struct ctr_undo; /* files to put back if the batch is lost */

/*
** Marks ${lang}'s document ${slug} reviewed by ${by} (writer job): the
** hash rule above decides the version; the document (and for a new
** version, the copies of the others) is stored in consent_documents,
** written under ${dir}/CONSENT_TR_DIR (temp file, fsync, rename) and put
** on ${shelf} at once; the drafts are marked applied; audited as
** "consent.translation_reviewed". Refusals set ${refused}: ERR_CONFLICT
** for CTR_R_SECOND_SPEAKER, CTR_R_MISSING and CTR_R_NOTHING; ERR_INVALID
** for CTR_R_DOCUMENT; ERR_NOT_FOUND (no such document, or English);
** else ERR_STORAGE, ERR_INTERNAL.
*/
struct ctr_review {
	struct consent_shelf *shelf;
	const char *dir;      /* the node's data folder */
	const char *readings; /* where recorded readings are (--consent-dir) */
	const char *slug, *lang;
	int64_t by;
	/* out */
	enum ctr_refusal refused;
	int from_version; /* the latest version before */
	int version;      /* the version the reviewed text was written as */
	int new_version;  /* 1 if that is a new version */
	int drafts;       /* drafts applied */
	char sha256[65];  /* of the document written */
	struct ctr_undo *undo;
};
int ctr_review_job(struct db *db, void *arg, struct err *e);
/*
** Sets aside each document under ${dir}/CONSENT_TR_DIR that no recorded
** review made: the files of a review whose batch a crash lost after they
** were written (ctr_review_job() writes them before the batch commits).
** Each becomes LANG.md.unrecorded, which nothing loads, and is logged;
** its drafts are still there for a second speaker to review again. Run
** before the documents are loaded. Returns how many were set aside, or
** -1 with ${e} set.
*/
int ctr_reconcile(struct db *db, const char *dir, struct err *e);
/* After the job succeeded but its batch was lost: puts back the files it
** wrote and the set it replaced. Can't fail (what cannot be put back is
** logged). */
void ctr_review_undo(struct ctr_review *rv);
/* Frees what ${rv} keeps for an undo. Can't fail. */
void ctr_review_clear(struct ctr_review *rv);

#endif
