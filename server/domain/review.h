/*
** Community review (domain): reviewers who speak a campaign's language vote
** on its pending contributions; each campaign's decision rule turns votes
** into a status in the same transaction as the vote that decides it. A
** maintainer corrects what a reviewer found personal data in (a new
** revision, the old text erased) and may override any decision. The
** queue, the correction list and the drive's figures are index walks and
** counters kept by triggers (schema/008_review.sql), never scans.
*/
#ifndef TRIBUTARY_REVIEW_H
#define TRIBUTARY_REVIEW_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* Why a down vote was cast, in the order the pages list them;
** "personal_data" puts the item on the correction list, "other" needs a
** note. */
#define REVIEW_NREASONS 7
extern const char *const review_reasons[REVIEW_NREASONS];
#define REVIEW_NOTE_MAX   500 /* bytes */
#define REVIEW_REASON_MAX 500 /* a maintainer's reason, bytes */

/* 1 if ${s} is one of review_reasons, else 0. Can't fail. */
int review_reason_ok(const char *s);

/* A campaign's decision rule ("review" in its definition). */
#define REVIEW_MIN_VOTES_MAX 9
struct review_rule {
	int min_votes; /* 1..REVIEW_MIN_VOTES_MAX; default 2 */
	int unanimous; /* 0: "majority" (default), 1: "unanimous" */
};
/*
** What ${up} and ${down} votes make of an item under ${r}: "validated",
** "rejected" or "pending" (a string constant). Majority: validated at
** min_votes or more with more up than down; rejected at min_votes or more
** with more down than up, or at min_votes + 1 or more tied. Unanimous:
** at min_votes or more, validated if none is down, else rejected. Can't
** fail.
*/
const char *review_decide(const struct review_rule *r, int up, int down);

/* Refusals of a vote, named for the API (review_vote.refusal). */
#define REVIEW_OWN_ITEM     "own_item"
#define REVIEW_NOT_LANGUAGE "not_your_language"
#define REVIEW_SECOND_VOTE  "second_vote"
#define REVIEW_DECIDED      "already_decided"
#define REVIEW_WITHDRAWN    "withdrawn"

struct review_vote {
	int64_t account_id;      /* the reviewer */
	int64_t contribution_id; /* what they voted on */
	int vote;                /* 1 up, -1 down */
	const char *reason;      /* down votes: one of review_reasons */
	const char *note;        /* may be NULL */
	const char *key;         /* Idempotency-Key */
	char request_sha[65];    /* hash of what was asked for */
	/* out */
	int64_t id, created_at;
	int replayed;        /* the key was used before for the same vote */
	const char *status;  /* the item's status after it (constant) */
	int up, down;        /* its votes after it */
	const char *refusal; /* REVIEW_* naming why it was refused, or NULL */
	int64_t today;       /* the reviewer's votes today, this one counted */
};
/*
** Writer job: records the vote, counts it on the item and applies the
** campaign's rule (status and decided_at in the same transaction, and,
** when it validates, the contributor's pay: ledger_accrue()); a
** personal_data reason puts the item on the correction list. A key names
** one vote on one item: the same key and request on the same item again
** is a replay (replayed set, the first answer); votes on other items are
** told apart by the item, whatever their keys. Returns 0, or -1 with ${e} set: ERR_NOT_FOUND (no such
** item), ERR_FORBIDDEN (own item, not their language: refusal set),
** ERR_CONFLICT (second vote, already decided, withdrawn: refusal set; or
** the key was used on this item for another vote, refusal NULL),
** ERR_STORAGE. Atomic (writer.h): every refusal comes before a write; a
** failure between its two writes is WRITER_DIRTY.
*/
int review_vote_job(struct db *db, void *arg, struct err *e);

/* The JSON answer of a vote: {"review":{...},"status","votes":{"up",
** "down"},"today"}; NULL if out of memory. */
json_t *review_vote_json(const struct review_vote *v);

/*
** The next item for reviewer ${account} in campaign ${campaign} (its id):
** a pending item not theirs and not voted on by them, most votes first,
** oldest first. A new object {"id","campaign"(NULL here: the caller sets
** it),"kind","prompt","text","audio"({"url","duration"} or null),"votes",
** "created_at"} in ${out}; returns 1, 0 if the queue is empty for them,
** -1 with ${e} set (ERR_STORAGE).
*/
int review_next(struct db *db, int64_t campaign, int64_t account, json_t **out,
    struct err *e);
/* The votes ${account} cast on the UTC day of ${now}, from the counter
** (reviewer_days), or -1 with ${e} set. */
int64_t
review_count_today(struct db *db, int64_t account, int64_t now, struct err *e);
/* 1 if ${account} speaks ${language} (its languages list it), 0 if not,
** -1 with ${e} set. */
int review_speaks(
    struct db *db, int64_t account, const char *language, struct err *e);

/*
** Items of campaign ${campaign} for a maintainer, newest first, at most
** ${limit}, with ids below ${before} (0: from the newest): those on the
** correction list (${status} NULL) or those with ${status}. Each as
** review_next() has it plus "status", "votes":{"up","down"} and
** "reasons":[{"reason","note","reviewer"}]. A new array; ${next} the id to
** pass as before for the next page (0: none). NULL with ${e} set.
*/
json_t *review_items(struct db *db, int64_t campaign, const char *status,
    int64_t before, int limit, int64_t *next, struct err *e);

/*
** Writer job: a maintainer's correction of a text item: a new revision
** with ${text} (already redacted: ${report_json} its report), the old
** revisions' text erased, the item off the correction list; audited with
** the kinds removed and the reason. A release that holds the old text
** is retired and the item put on its dataset's revocation list. Returns 0 with ${revision} set, or -1
** with ${e} set: ERR_NOT_FOUND, ERR_CONFLICT (withdrawn, or a recording:
** refusal REVIEW_WITHDRAWN or "not_text"), ERR_STORAGE.
*/
struct review_correct {
	int64_t id, actor;
	const char *text, *report_json, *reason;
	int revision;        /* out */
	const char *refusal; /* out */
};
int review_correct_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: a maintainer sets the item's status ("validated" or
** "rejected") whatever the votes say, with a reason; off the correction
** list; audited (from, to, reason). In the same transaction the ledger
** follows: to validated accrues the item's pay unless it holds it
** already, to rejected reverses what it earned (ledger.h). Returns 0, or
** -1 with ${e} set:
** ERR_NOT_FOUND, ERR_CONFLICT (withdrawn: refusal set), ERR_STORAGE.
*/
struct review_decision {
	int64_t id, actor;
	const char *status, *reason;
	const char *refusal; /* out */
};
int review_decision_job(struct db *db, void *arg, struct err *e);

/*
** The figures of campaign ${campaign} from the counters: {"totals":{
** "pending","validated","rejected","withdrawn","validated_seconds",
** "contributors","reviewers","votes","queue","corrections"},"reasons":{
** each reason: n},"days":[30 days up to ${now}'s, oldest first: {"day",
** "submitted","validated","rejected","withdrawn","votes",
** "validated_seconds","contributors"}]}, a new object; NULL with ${e} set.
*/
json_t *
review_stats(struct db *db, int64_t campaign, int64_t now, struct err *e);

#endif
