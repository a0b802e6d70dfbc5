/*
** Contributions (domain): creating one under a live consent with an
** idempotency key, listing, withdrawing, and the export of everything held
** about a person. Text arrives here already redacted: nothing in this
** module ever sees the original.
*/
#ifndef TRIBUTARY_CONTRIB_H
#define TRIBUTARY_CONTRIB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"

#define IDEMPOTENCY_KEY_MAX 128
/* Why a key used before for something else is refused (ERR_CONFLICT):
** one sentence for every caller that finds it so. */
#define CONTRIB_KEY_REUSED                                                     \
	"this idempotency key was already used for a different contribution; " \
	"use a new key"

/* Why a second contribution from the same prompt is refused
** (ERR_CONFLICT). */
#define CONTRIB_PROMPT_DONE                                                    \
	"you have already done this prompt; ask for the next one"

/* The id of ${account}'s live consent for ${campaign}, 0 if none, -1 with
** ${e} set (ERR_STORAGE). */
int64_t contrib_live_consent(
    struct db *db, int64_t account, int64_t campaign, struct err *e);

/* ${account}'s contribution already made under idempotency key ${key}: 1
** with ${id} and ${request_sha} (the hash of what was asked for then)
** filled, 0 if none, or -1 with ${e} set (ERR_STORAGE, ERR_INTERNAL). */
/* The slug of contribution ${id}'s campaign, into ${slug} (64 bytes): 1,
** 0 if there is no such contribution, -1 with ${e}. */
int
contrib_campaign_slug(struct db *db, int64_t id, char slug[64], struct err *e);
int contrib_by_key(struct db *db, int64_t account, const char *key, int64_t *id,
    char request_sha[65], struct err *e);

struct contrib_new {
	int64_t account_id, campaign_id, consent_id;
	const char *key;          /* the contributor's idempotency key: the
				  ** same key again is the same contribution */
	const char *prompt;       /* may be NULL */
	int64_t prompt_id;        /* the campaign's prompt (prompts.h), or 0;
				  ** nobody does the same one twice */
	const char *kind;         /* "text" or "audio" */
	const char *text;         /* redacted (text) */
	json_t *report;           /* redaction report (borrowed) */
	const char *report_json;  /* or that report already as stored
				  ** (compact, keys sorted); wins if set */
	const char *audio_sha256; /* audio */
	double duration;
	int sample_rate;
	char request_sha[65]; /* hash of what was asked for */
	int64_t id;           /* out */
	int64_t created_at;   /* out: when it was recorded (new ones only) */
	int replayed;         /* out: the key was used before, same ask */
};
/*
** Writer job: records the contribution and its first revision. If the key
** was used before by the same person for the same request, sets replayed
** and id and writes nothing. Atomic (writer.h): whatever it refuses leaves
** nothing written, so it may be submitted without a SAVEPOINT
** (writer_job's atomic). Returns 0, or -1 with ${e} set: ERR_CONFLICT (the key
** was used for something else; or, with the message CONTRIB_PROMPT_DONE,
** the person did prompt_id before), ERR_FORBIDDEN (the consent was withdrawn),
** ERR_STORAGE; WRITER_DIRTY with ${e} set if it could not take back a
** half-written contribution.
*/
int contrib_create_job(struct db *db, void *arg, struct err *e);
/*
** The contribution ${c} that contrib_create_job() has just recorded (not
** replayed), in campaign ${campaign} (its slug), as contrib_json() would
** read it back, without a read of the database. NULL if out of memory.
*/
json_t *contrib_new_json(const struct contrib_new *c, const char *campaign);
/*
** The same for a text contribution (kind, text and report_json set, no
** audio), as the bytes of {"contribution":{...}} that json_dumps(
** JSON_COMPACT | JSON_ENSURE_ASCII) would write, appended to ${out},
** without building a tree. Returns 0, or -1 for anything else, out
** of memory, or text that is not UTF-8 (${out} may then hold part of it).
*/
int contrib_new_answer(
    const struct contrib_new *c, const char *campaign, struct buf *out);

/*
** One contribution ({"id","campaign","status","kind","text","prompt",
** "redaction","created_at","withdrawn_at","revision","releases" (the
** versions of the releases that hold it), and for a recording
** "audio":{"sha256","duration","sample_rate","url"}}) when ${id} > 0
** (${account} 0: anyone's, for maintainers), else every contribution of
** ${account} as an array, newest first. NULL with ${e} set: ERR_NOT_FOUND
** (no such contribution of theirs), ERR_STORAGE.
*/
json_t *contrib_json(struct db *db, int64_t account, int64_t id, struct err *e);

/*
** The audio blob of contribution ${id}'s latest revision, for its
** contributor ${account}; for a reviewer (${reviewer}
** CONTRIB_AUDIO_REVIEWER) who speaks the campaign's language while it is
** pending; for a maintainer (CONTRIB_AUDIO_MAINTAINER) while it is not
** withdrawn: 1 with ${sha} filled, 0 if none of those, -1 with ${e} set
** (ERR_STORAGE).
*/
#define CONTRIB_AUDIO_REVIEWER   1
#define CONTRIB_AUDIO_MAINTAINER 2
int contrib_audio_blob(struct db *db, int64_t id, int64_t account, int reviewer,
    char sha[65], struct err *e);

struct contrib_withdraw {
	int64_t id;         /* one contribution; 0 = all of the account's */
	int64_t account_id; /* whose (0 with id: anyone's, maintainer) */
	int64_t actor;      /* who acted */
	int count;          /* out: how many were withdrawn now */
};
/* Writer job: withdraws (status withdrawn, withdrawn_at now; again is a
** no-op), audited per contribution. Returns 0, or -1 with ${e} set:
** ERR_NOT_FOUND if not theirs; ERR_FORBIDDEN if withdrawn on someone's
** behalf (account_id 0) by an actor whose role is not above the owner's
** (account_may_act()); ERR_STORAGE. */
int contrib_withdraw_job(struct db *db, void *arg, struct err *e);

/* Everything held about ${account}: account, consents (with document
** hashes), contributions with every revision, as a new JSON object. NULL
** with ${e} set: ERR_NOT_FOUND (no such account), ERR_STORAGE. */
json_t *contrib_export(struct db *db, int64_t account, struct err *e);

#endif
