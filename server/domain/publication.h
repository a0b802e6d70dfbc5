/*
** Publications (domain): where each release was pushed (`tributary
** publish`), so a later push knows which published versions were retired
** since (and takes them off the Hub), and pages link to what was
** published. The pushing itself is outbound's (publish.h).
*/
#ifndef TRIBUTARY_PUBLICATION_H
#define TRIBUTARY_PUBLICATION_H

#include <jansson.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* What publish needs to know of a release before pushing it. */
struct publication_release {
	int64_t id;
	char dataset[100];
	int approved; /* state = 'approved' */
	int retired;  /* retired_at is set */
};
/* Release ${version}: 1 found (${out} filled), 0 none, -1 with ${e}. */
int publication_release(struct db *db, const char *version,
    struct publication_release *out, struct err *e);

/* The versions published to ${endpoint} ${repo} and not yet taken off,
** that are retired now: a new array of version strings; NULL with ${e}. */
json_t *publication_retired(
    struct db *db, const char *endpoint, const char *repo, struct err *e);

/*
** Writer job: records that release ${release} was published to
** ${endpoint} ${repo} as commit ${commit}, and that the versions in
** ${unpublished} (an array of strings, may be NULL) were taken off it;
** audited as "release.published" with all of it. 0, or -1 with ${e}.
*/
struct publication_record {
	int64_t release;
	const char *version, *endpoint, *repo, *commit;
	json_t *unpublished; /* borrowed */
	int64_t actor;
};
int publication_record_job(struct db *db, void *arg, struct err *e);

/* The publications of release ${version}, newest first: a new array of
** {"endpoint","repo","commit","at","unpublished_at"}; NULL with ${e}. */
json_t *publication_list(struct db *db, const char *version, struct err *e);

#endif
