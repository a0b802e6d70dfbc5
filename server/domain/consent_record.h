/*
** Consent records: a person's yes to some scopes of one consent document
** for one campaign, and its withdrawal (domain). The record keeps the
** document's SHA-256, so what was agreed to can always be shown exactly.
*/
#ifndef TRIBUTARY_CONSENT_RECORD_H
#define TRIBUTARY_CONSENT_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "campaign.h"
#include "consent.h"
#include "db.h"
#include "err.h"

/*
** Checks a consent about to be given for campaign ${c}: ${doc_sha} must be
** the current version of the campaign's document in some language
** (ERR_CONFLICT otherwise, the current English hash written to ${current});
** ${age_confirmed} must be true (ERR_FORBIDDEN: a guardian must consent);
** ${scopes} must be known scope ids of the document, without repeats, and
** include every scope the campaign requires (ERR_INVALID naming it).
** Returns 0 or -1 with ${e} set. Reads nothing: can be called outside the
** writer.
*/
int consent_validate(const struct campaign *c, const struct consent_set *docs,
    const char *doc_sha, json_t *scopes, int age_confirmed, char current[65],
    struct err *e);

struct consent_give {
	int64_t account_id;
	int64_t campaign_id;
	const char *document; /* sha256 hex */
	json_t *scopes;       /* borrowed array of ids */
	int age_confirmed;
	const char *method; /* "checkbox" */
	int64_t id;         /* out */
};
/* Writer job: records the consent and audits "consent.given". Returns 0
** with its id, or -1 with ${e} set: ERR_STORAGE (ERR_CONFLICT if the
** database refuses the row, e.g. an account or campaign gone). The
** consent is checked before (consent_validate()), not here. */
int consent_give_job(struct db *db, void *arg, struct err *e);

struct consent_withdraw {
	int64_t id;
	int64_t account_id; /* the consent must be this person's */
	int64_t actor;      /* who acted (a maintainer on their behalf) */
};
/* Writer job: sets withdrawn_at (once; again is a no-op), withdraws every
** contribution given under it, audits "consent.withdrawn". Returns 0, or
** -1 with ${e} set: ERR_NOT_FOUND if it is not that person's,
** ERR_STORAGE. */
int consent_withdraw_job(struct db *db, void *arg, struct err *e);

/* Is consent ${id} a live one of ${account_id}'s? 1, 0, or -1 with ${e}
** set (ERR_STORAGE). */
int
consent_live_of(struct db *db, int64_t id, int64_t account_id, struct err *e);

struct consent_spoken {
	int64_t id;         /* the consent */
	int64_t account_id; /* must be theirs, and live */
	char sha256[65];    /* the statement's FLAC blob */
	double duration;
};
/* Writer job: records a spoken statement of agreement (evidence, never
** released) on a live consent of that person, replacing an earlier one;
** audits "consent.spoken". Returns 0, or -1 with ${e} set: ERR_NOT_FOUND
** if not theirs or withdrawn, ERR_STORAGE. */
int consent_spoken_job(struct db *db, void *arg, struct err *e);

/* One consent as JSON ({"id","campaign","campaign_title","document",
** "lang","version","scopes","given_at","withdrawn_at","spoken"}), or
** every consent of ${account_id} as an array when ${id} is 0. NULL with
** ${e} set: ERR_NOT_FOUND if ${id} is not theirs, ERR_STORAGE. */
json_t *consent_record_json(
    struct db *db, int64_t account_id, int64_t id, struct err *e);

#endif
