/*
** Releases (domain): which contributions a release holds, and why the
** others are left out; speaker pseudonyms and splits; the draft recorded
** with every item pinned to its revision; approvals. Writing the files
** (Parquet, card, manifest) is the release builder's, in outbound/.
*/
#ifndef TRIBUTARY_RELEASE_H
#define TRIBUTARY_RELEASE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "licences.h"

#define RELEASE_VERSION_MAX 64
#define RELEASE_DATASET_MAX 96
#define RELEASE_SPEAKER_LEN 32 /* hex of a 16-byte keyed BLAKE2b */
#define RELEASE_CONFIG_MAX  48
#define RELEASE_K_DEFAULT   5 /* speakers every released combination covers */
#define RELEASE_K_MAX       1000

/* What a maintainer asks for. */
struct release_spec {
	const char *version; /* [A-Za-z0-9._-], 1..64 */
	const char *dataset; /* the dataset's name: keys the pseudonyms */
	const char *licence; /* a licence of the table */
	const char *const *permits; /* uses the release permits */
	size_t npermits;
	const char *const *campaigns; /* slugs; none: every campaign */
	size_t ncampaigns;
	int splits[3]; /* train, dev, test in percent, summing to 100 */
	int k; /* k-anonymity of the demographics, at least the default the
	       ** consent documents promise; 0: RELEASE_K_DEFAULT */
};

/* One released item. */
struct release_row {
	int64_t contribution_id;
	int revision;
	char config[RELEASE_CONFIG_MAX];       /* "ee-audio" */
	const char *split;                     /* "train", "dev", "test" */
	char speaker[RELEASE_SPEAKER_LEN + 1]; /* keyed pseudonym */
};

/* Why a contribution of the chosen campaigns is not in the release. */
enum release_left {
	LEFT_NOT_VALIDATED = 0, /* pending or rejected */
	LEFT_WITHDRAWN,
	LEFT_SCOPE_MISSING, /* its consent lacks a scope the licence needs */
	LEFT_AGE,           /* its consent did not confirm the minimum age */
	LEFT_CORRECTION,    /* a reviewer found personal data still in it */
	LEFT_K_ANON, /* its speaker's demographics are shared by too few */
	LEFT_PROMPT_LICENCE, /* its prompt's licence does not allow it */
	RELEASE_NLEFT,
};
extern const char *const release_left_names[RELEASE_NLEFT];

struct release_selection {
	struct release_row *rows; /* in id order (release_select() only) */
	size_t n;                 /* rows selected */
	size_t cap;               /* rows' room */
	size_t left[RELEASE_NLEFT];
	json_t *configs; /* {config: {split: n}} */
};

/* Called with each row release_select_each() selects; 0 to go on, or -1
** with ${e} set to stop. */
typedef int (*release_row_fn)(
    void *arg, const struct release_row *row, struct err *e);

/*
** Checks ${s} against the licence table ${lt}: a version and dataset name,
** a known licence, permits the licence allows, splits summing to 100.
** 0, or -1 with ${e} set (ERR_INVALID, naming what is wrong).
*/
int release_spec_check(const struct licence_table *lt,
    const struct release_spec *s, struct err *e);

/*
** The keyed pseudonym of ${account} in dataset ${dataset}: BLAKE2b-128
** keyed with the node's pseudonym key ${key} (32 bytes) over the dataset
** name, a NUL and the account id (8 bytes, little-endian), in hex. Stable
** across versions of one dataset; unlinkable to the account, across
** datasets and across nodes. Can't fail.
*/
void release_speaker(const uint8_t key[32], const char *dataset,
    int64_t account, char out[RELEASE_SPEAKER_LEN + 1]);
/* The split of speaker ${speaker} under ${splits} (percent): "train",
** "dev" or "test", from the pseudonym's first 8 bytes, so one speaker is
** in one split. Can't fail. */
const char *release_split(const char *speaker, const int splits[3]);

/*
** Selects what release ${s} holds from the chosen campaigns: the validated,
** not withdrawn contributions whose consent confirmed the age and grants
** every scope licence ${s}->licence needs for their kind, plus the
** permitted uses (voice_synthesis for recordings only); the rest counted
** by reason. ${key} is the node's pseudonym key. 0 with ${out} filled
** (free it with release_selection_free()), or -1 with ${e} set:
** ERR_INVALID (the spec; a campaign that does not exist), ERR_STORAGE.
*/
int release_select(struct db *db, const struct licence_table *lt,
    const uint8_t key[32], const struct release_spec *s,
    struct release_selection *out, struct err *e);
/* The same, handing each row to ${fn} instead of keeping it: ${out} holds
** only the counts, so memory does not grow with the release. */
int release_select_each(struct db *db, const struct licence_table *lt,
    const uint8_t key[32], const struct release_spec *s,
    struct release_selection *out, release_row_fn fn, void *arg, struct err *e);
/* Frees what ${sel} holds. Can't fail. */
void release_selection_free(struct release_selection *sel);
/* The selection's counts as JSON: {"rows","configs":{config:{split:n}},
** "left":{reason:n}}; NULL if out of memory. */
json_t *release_report(const struct release_selection *sel);

/*
** Writer job: records release ${spec} as a draft, each item pinned to its
** revision; audited. With ${lt} set it selects as it goes (the selection
** of release_select_each(), in the job's own transaction, nothing held:
** ${sel} gets the counts); else it records ${sel}'s rows. Returns 0 with
** ${id}, or -1 with ${e} set: ERR_INVALID (the spec), ERR_CONFLICT (the
** version exists), ERR_STORAGE.
*/
struct release_record {
	const struct release_spec *spec;
	struct release_selection *sel;
	const struct licence_table *lt; /* select in the job */
	const uint8_t *key;             /* the pseudonym key, with lt */
	int64_t actor;
	int64_t id;    /* out */
	struct db *db; /* the job's own, while it runs */
};
int release_record_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: ${actor} (0: the node's operator) approves release
** ${version}; once ${needed} distinct approvers have, it is approved.
** Again by the same approver changes nothing. Audited. Returns 0 with
** ${approvals} and ${approved} set, or -1 with ${e} set: ERR_NOT_FOUND,
** ERR_CONFLICT (retired: a withdrawn or corrected item is in it; an
** item in it is no longer validated; or ${unbuilt}), ERR_STORAGE.
*/
struct release_approve {
	const char *version;
	int64_t actor;
	int needed;
	int unbuilt; /* its folder was never written (the caller looked) */
	int approvals, approved; /* out */
};
int release_approve_job(struct db *db, void *arg, struct err *e);

/*
** The revocation list: every released item since withdrawn, per dataset,
** as the bytes of {"datasets":{NAME:[{"id","withdrawn_at"}]},
** "public_key"} (compact, keys sorted, ids ascending) into ${out}, and
** the Ed25519 signature of exactly those bytes by ${sk} (64 bytes) in hex
** into ${sig}. 0, or -1 with ${e} set.
*/
int release_revocations(struct db *db, const uint8_t pk[32],
    const uint8_t sk[64], char **out, size_t *n, char sig[129], struct err *e);

/*
** What changed from release ${a} to release ${b}: {"added":[ids],
** "removed":{"withdrawn":[ids],"not_validated":[ids],"not_selected":
** [ids]},"revised":[ids]} (removed by why they are not in ${b} now: taken
** back, no longer validated, or still validated but outside ${b}'s
** licence, consents or campaigns; revised: in both, a later revision in
** ${b}), ids ascending. NULL with ${e} set: ERR_NOT_FOUND (either
** release), ERR_STORAGE.
*/
json_t *
release_diff(struct db *db, const char *a, const char *b, struct err *e);

/*
** Inside release ${id}'s writer job, once its items are recorded: the
** demographics of its speakers (demographics.h), released only where
** every combination covers at least ${k} distinct speakers (0: the
** default). While the speakers in smaller groups are k or more, the
** attribute with the most distinct values is coarsened (age in
** twenty-year ranges) or dropped; the fewer than k still alone are taken
** out of the release (counted in ${sel} as LEFT_K_ANON, its per-config
** counts redone). A speaker who gave nothing released is never taken
** out. Each item gets its released values. 0 with ${what} = {"k",
** "released":[attr],"generalized":{attr:how},"dropped":[attr],
** "suppressed_speakers","suppressed_rows"} (a new reference), or -1 with
** ${e} set.
*/
int release_anonymize(struct db *db, int64_t id, int k,
    struct release_selection *sel, json_t **what, struct err *e);

/*
** Inside release ${id}'s writer job (dataset ${dataset}), what it pins
** for its folder, however late that is built: ${heads} = {"audit":{"id",
** "hash"},"ledger":{"id","hash"}} (id 0 and hash "" for an empty chain),
** and ${pay} = {"rates":[{"campaign","currency","per_item",
** "per_audio_second"}],"money":[{"currency","earned","paid","owed",
** "people_paid"}],"royalties_before":[{"currency","amount","people",
** "releases"}]}: the paying campaigns' rates; per currency what its items
** earned, what its contributors were paid in all and are owed, and how
** many were ever paid; the royalties shared on earlier releases of the
** dataset (minor units). 0 with both set (new references), or -1 with
** ${e} set.
*/
int release_pins(struct db *db, int64_t id, const char *dataset, json_t **heads,
    json_t **pay, struct err *e);

/* Every release, newest first: [{"version","dataset","licence","state",
** "approvals","items","created_at","retired_at","retired_why"}]; NULL with
** ${e} set. */
json_t *release_list(struct db *db, struct err *e);

#endif
