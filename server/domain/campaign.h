/*
** Campaigns: a collection drive (domain). Imported from JSON with errors
** that name the field; read back as JSON for the API.
*/
#ifndef TRIBUTARY_CAMPAIGN_H
#define TRIBUTARY_CAMPAIGN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "ledger.h"
#include "redact.h"
#include "review.h"

struct campaign {
	int64_t id;
	char slug[64];
	char title[256];
	char language[36];
	char kind[8];            /* "text" or "audio" */
	char consent[64];        /* consent document slug */
	json_t *required_scopes; /* array of strings (owned) */
	int minimum_age;
	int max_chars;
	double min_seconds, max_seconds;
	int sample_rate;
	int64_t starts_at, ends_at; /* 0 = open */
	struct review_rule review;  /* "review": {"min_votes","rule"} */
	struct ledger_pay pay;      /* "pay": {"currency","per_item",
				    ** "per_audio_second"} (ledger.h) */
	/* What the pages show besides the title: {"description"?,
	** "translations"?: {LANG: {"title"?,"description"?,"scopes"?:
	** {SCOPE: NAME}}}} (owned; NULL: none). */
	json_t *texts;
	/* "redact": {"names": false, "allow": ["Kwame Nkrumah"]}: a drive
	** that must keep people's names (its consent and card say so), and
	** the names a drive about them may keep (redact.h, redact_ctx). */
	int keep_names;
	json_t *redact_allow; /* array of names (owned), or NULL */
};

/* Most names a campaign's "redact": {"allow"} may list. */
#define CAMPAIGN_MAX_ALLOW 100

/* Languages a campaign file may translate its words into, and bytes of a
** description. */
#define CAMPAIGN_LANGS_MAX       32
#define CAMPAIGN_DESCRIPTION_MAX 2000

/* A campaign may carry prompts: sentences to read aloud, or things to
** write about. */
#define CAMPAIGN_MAX_PROMPTS 1000
#define CAMPAIGN_PROMPT_MAX  1000

/*
** Checks a campaign definition (the JSON of `tributary campaign import`)
** and fills ${c}. Returns 0, or -1 with ${e} (ERR_INVALID) naming the
** field. ${c} must be cleared with campaign_clear() either way.
*/
int campaign_parse(json_t *def, struct campaign *c, struct err *e);
/* Frees what ${c} holds; a zeroed or cleared campaign is fine. Can't
** fail. */
void campaign_clear(struct campaign *c);
/*
** Sets what ${c} asks of redaction in ${ctx}: keep_names, and the allowed
** names in ${names} (CAMPAIGN_MAX_ALLOW slots, pointing into ${c}: valid
** until it is cleared). ${c} NULL leaves ${ctx} as it was. Can't fail.
*/
void campaign_redact_ctx(
    const struct campaign *c, const char **names, struct redact_ctx *ctx);
/*
** The largest WAV upload an audio campaign accepts, in bytes: its longest
** recording as stereo 32-bit frames (the widest format the reader takes)
** plus CAMPAIGN_WAV_SLACK for the WAV headers and extra chunks. An upload
** said to be larger can be refused before any of it is read.
*/
#define CAMPAIGN_WAV_SLACK 4096
/* The longest recording a campaign may ask for: ten minutes. Its upload is
** held in memory while it is checked (at 48 kHz, up to 230 MB). */
#define CAMPAIGN_MAX_SECONDS 600
/* That largest upload for campaign ${c}. Can't fail. */
size_t campaign_max_bytes(const struct campaign *c);
/* Public fields as JSON, a new reference; NULL if out of memory. */
json_t *campaign_json(const struct campaign *c);

/* Writer job: inserts or updates (by slug) the campaign ${def} (audited);
** arg: struct campaign_import. Returns 0 with its id, or -1 with ${e} set:
** ERR_INVALID (naming the field of the definition), ERR_STORAGE. */
struct campaign_import {
	json_t *def; /* the definition (borrowed) */
	int64_t actor;
	int64_t id; /* out */
};
int campaign_import_job(struct db *db, void *arg, struct err *e);

/* Is ${c} taking contributions at ${now}? 0 yes; -1 with ${e} set
** (ERR_FORBIDDEN) saying it has not started or has ended. */
int campaign_open(const struct campaign *c, int64_t now, struct err *e);

/* Writer job: ends campaign ${id} now (its definition's "ends_at"),
** audited. Returns 0, or -1 with ${e} set: ERR_NOT_FOUND, ERR_STORAGE. */
struct campaign_close {
	int64_t id, actor;
};
int campaign_close_job(struct db *db, void *arg, struct err *e);

/* Reads one campaign by slug (or id when slug is NULL) into ${c}: 1 found
** (clear ${c} with campaign_clear()), 0 none, -1 with ${e} set
** (ERR_STORAGE; ERR_INVALID if its stored definition no longer parses). */
int campaign_get(struct db *db, const char *slug, int64_t id,
    struct campaign *c, struct err *e);
/* Every campaign as a JSON array, each with its live "prompts"
** ([{"id","text"}], possibly empty) and "open" (taking contributions
** now). NULL with ${e} set (ERR_STORAGE). */
json_t *campaign_list(struct db *db, struct err *e);

#endif
