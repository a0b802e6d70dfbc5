/*
** Demographics (domain): what a contributor chose to say about themself,
** all optional: an age range, a gender, their variety (dialect or
** accent). Never shown to reviewers; released only where at least k
** speakers share every combination (release.c); in the person's export;
** erased with the account.
*/
#ifndef TRIBUTARY_DEMOGRAPHICS_H
#define TRIBUTARY_DEMOGRAPHICS_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define DEMO_VARIETY_MAX 64 /* bytes */

/* The age ranges one may give ("10-19" … "80+") and the genders
** ("female", "male", "another"), NULL-terminated. */
extern const char *const demo_age_ranges[];
extern const char *const demo_genders[];

/* "" for what was not given. */
struct demographics {
	char age_range[8];
	char gender[8];
	char variety[DEMO_VARIETY_MAX + 1];
};

/*
** Reads {"age_range","gender","variety"} (each optional; null or "" is
** "not given") from ${o} into ${d}: an age range and gender from the
** lists above; a variety trimmed, its inner spaces collapsed, 1-64 bytes
** of UTF-8 words (no digits, "@" or control characters: it is published,
** so it must not carry a number or an address). 0, or -1 with ${e} set
** (ERR_INVALID naming the field).
*/
int demographics_parse(json_t *o, struct demographics *d, struct err *e);
/* ${d} as {"age_range","gender","variety"}, null for what was not given;
** NULL if out of memory. */
json_t *demographics_json(const struct demographics *d);
/* Reads account ${account}'s into ${d} (all "" if none). 0, or -1 with
** ${e} set. */
int demographics_get(
    struct db *db, int64_t account, struct demographics *d, struct err *e);

/* Writer job: sets account ${account}'s demographics to ${d}; all "not
** given" deletes the row. 0, or -1 with ${e} set. */
struct demographics_set {
	int64_t account;
	struct demographics d;
};
int demographics_job(struct db *db, void *arg, struct err *e);

#endif
