/*
** Consent documents: the texts a contributor reads before giving consent.
** Each is a Markdown file consent/<slug>/<version>/<lang>.md with YAML
** front matter (title, version, lang, minimum_age, reviewed, licence_notes,
** scopes) and a body whose `## ` headings carry `{#anchor}` ids. A consent
** is recorded against the SHA-256 of the exact file bytes, so a document is
** kept byte for byte and stored once per distinct content. The "en" text of
** each version is binding where a translation is not reviewed.
** The files are outside input (an organization edits them): consent_parse()
** is fuzzed by tests/fuzz/fuzz_consent.c.
*/
#ifndef TRIBUTARY_CONSENT_H
#define TRIBUTARY_CONSENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "err.h"

/* Largest consent file consent_load_dir() reads. */
#define CONSENT_MAX_BYTES (1024 * 1024)
/* Largest front matter consent_parse() accepts (real ones are ~2 KiB). */
#define CONSENT_MAX_FRONT_MATTER (16 * 1024)

struct consent_scope {
	char *id;
	char *explanation;
};

struct consent_doc {
	char *slug; /* from the folder: consent/<slug>/<version>/<lang>.md */
	int version;
	char *lang;
	char *title;
	int minimum_age;
	int reviewed; /* 1 true, 0 false */
	char *licence_notes;
	struct consent_scope *scopes;
	size_t nscopes;
	char **headings; /* anchor ids of `## ... {#id}` in order */
	size_t nheadings;
	char *body; /* the Markdown after the front matter, NUL-terminated */
	uint8_t *bytes; /* the exact file bytes */
	size_t nbytes;
	char sha256[65]; /* lowercase hex SHA-256 of bytes */
};

/*
** Parses the ${n} bytes at ${p} as one consent document; ${name} names it
** in errors. Returns a new document (the caller frees it with
** consent_doc_free()) with slug NULL; version and lang are those of the
** front matter (the loader sets slug and checks version and lang against
** the path). On error returns NULL with ${e} set: ERR_INVALID and
** "NAME:LINE: what is wrong" (LINE 1-based in the file), or ERR_INTERNAL if
** out of memory. Never reads past ${n}.
*/
struct consent_doc *
consent_parse(const void *p, size_t n, const char *name, struct err *e);
/* Frees ${d} and everything it holds. consent_doc_free(NULL) does nothing. */
void consent_doc_free(struct consent_doc *d);

struct consent_set {
	struct consent_doc **docs; /* sorted by slug, version, lang */
	size_t n;
};

/*
** Loads every ${dir}/<slug>/<version>/<lang>.md into ${out} (slug
** [a-z0-9-]+, version a positive integer without leading zeros, lang
** [a-z]{2,3}(-[A-Za-z0-9]+)*); other names are skipped. Checks that the
** front matter's version and lang match the path; that every language of
** one slug and version has the same scope ids, heading ids (both in the
** same order) and minimum_age as its "en" document; and that each version
** has an "en" document. Returns 0 (free ${out} with consent_set_free()), or
** -1 with ${e} set (ERR_INVALID "FILE:LINE: ...", ERR_STORAGE if a file or
** folder cannot be read) and ${out} empty.
*/
int consent_load_dir(const char *dir, struct consent_set *out, struct err *e);
/* Frees every document of ${s} and empties it. Safe on an empty set. */
void consent_set_free(struct consent_set *s);

/*
** As consent_load_dir(${shipped}), then every document of ${node_dir}
** (the consent documents made on the node: consent_tr.h), if that folder
** exists, in place of the shipped one of the same slug, version and
** language or beside them; the checks run on the whole. Returns 0, or -1
** with ${e} set and ${out} empty.
*/
int consent_load_dirs(const char *shipped, const char *node_dir,
    struct consent_set *out, struct err *e);
/* A copy of ${d} (parsed again from its bytes, slug kept), or NULL with
** ${e} set. Free it with consent_doc_free(). */
struct consent_doc *
consent_doc_copy(const struct consent_doc *d, struct err *e);
/*
** A new set into ${out}: copies of ${base}'s documents with copies of the
** ${nadd} documents ${add} in place of the same slug, version and
** language, or beside them; checked as the loader checks a folder.
** Returns 0 (free ${out} with consent_set_free()), or -1 with ${e} set
** (ERR_INVALID naming what differs, ERR_INTERNAL) and ${out} empty.
*/
int consent_set_with(const struct consent_set *base, struct consent_doc **add,
    size_t nadd, struct consent_set *out, struct err *e);

/*
** The node's current consent set, which request threads read while a
** reviewed translation replaces it (consent_tr.h). A reader holds the set
** it was given until it drops it; a set swapped out is freed when its last
** reader drops it. Every function is safe from any thread.
*/
struct consent_shelf;
/* A shelf holding ${s}'s documents (taken: ${s} is left empty). NULL with
** ${e} set (out of memory; ${s} untouched). Free with consent_shelf_free(). */
struct consent_shelf *consent_shelf_new(struct consent_set *s, struct err *e);
/* The current set, held until consent_shelf_drop(). Can't fail. */
const struct consent_set *consent_shelf_hold(struct consent_shelf *sh);
/* Lets go of ${s} (from consent_shelf_hold(); NULL does nothing). Can't
** fail. */
void consent_shelf_drop(struct consent_shelf *sh, const struct consent_set *s);
/* Makes ${s}'s documents the current set (taken: ${s} is left empty);
** the one before is freed once nobody holds it. 0, or -1 out of memory
** with ${e} set (nothing changed). */
int consent_shelf_put(
    struct consent_shelf *sh, struct consent_set *s, struct err *e);
/* Frees ${sh} and every set on it; nobody may hold one. NULL does
** nothing. */
void consent_shelf_free(struct consent_shelf *sh);

/* Look-ups in ${s}: none can fail, NULL (or 0) meaning there is none. */
/* The document ${slug}/${version}/${lang}, or NULL. */
const struct consent_doc *consent_find(const struct consent_set *s,
    const char *slug, int version, const char *lang);
/* The highest version of ${slug} that has ${lang} (NULL if none). */
const struct consent_doc *
consent_latest(const struct consent_set *s, const char *slug, const char *lang);
/* The highest version number of ${slug} in any language, 0 if none. */
int consent_current_version(const struct consent_set *s, const char *slug);
/* The document whose bytes hash to ${sha256hex} (lowercase hex), or NULL. */
const struct consent_doc *
consent_by_hash(const struct consent_set *s, const char *sha256hex);

/*
** Writer job: ${arg} is a struct consent_set *. INSERT OR IGNORE every
** document into consent_documents (a file already stored under its hash is
** left alone). Returns 0, or -1 with ${e} set: ERR_STORAGE ("the disk is
** full: ..." when there is no room), ERR_INTERNAL if out of memory.
*/
int consent_store_job(struct db *db, void *arg, struct err *e);

/*
** ${d} as a new JSON object: slug, version, lang, title, reviewed, sha256,
** minimum_age, licence_notes (null if absent), scopes [{id, explanation}],
** headings [ids], body. The caller owns the reference. NULL if out of
** memory.
*/
json_t *consent_doc_json(const struct consent_doc *d);

/*
** The recorded reading of a consent document, if the folder ${dir} holds
** one beside its text: <slug>/<version>/<lang>.ogg or .wav. Writes its path
** to ${path} (${n} bytes) and its media type to *${ctype}. 1 found; 0 if
** not, or if ${slug} or ${lang} is not made of [a-z0-9-] (1 to 63 long) or
** ${version} is not positive. Can't fail otherwise.
*/
int consent_reading_path(const char *dir, const char *slug, int version,
    const char *lang, char *path, size_t n, const char **ctype);

#endif
