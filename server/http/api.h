/*
** Handlers of the people/campaign/consent API (api.c), named in the route
** table (routes.c).
*/
#ifndef TRIBUTARY_API_H
#define TRIBUTARY_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;

int join_page(struct req *r);
int login_page(struct req *r);
int logout_page(struct req *r);
int me_page(struct req *r);
int campaigns_page(struct req *r);
int consent_doc_page(struct req *r);
int consent_give_page(struct req *r);
int consent_withdraw_page(struct req *r);
int my_consents_page(struct req *r);
int accounts_page(struct req *r);
int passphrase_page(struct req *r);
int account_create_page(struct req *r);
int account_change_page(struct req *r);
int card_reissue_page(struct req *r);
int redact_page(struct req *r);
int contrib_create_page(struct req *r);
struct writer_job;
struct redact_result;
struct campaign;
/*
** The campaign called ${slug}, remembered by this thread while nothing
** could have changed it (dbcache.h): 1 with ${c} filled (clear it with
** campaign_clear()), 0 if there is none, -1 with ${e}.
*/
int req_campaign(
    struct req *r, const char *slug, struct campaign *c, struct err *e);
/* The id of ${account}'s live consent to ${campaign}, remembered likewise:
** > 0, 0 if there is none, -1 with ${e}. The writer job that stores a
** contribution checks it again. */
int64_t req_live_consent(
    struct req *r, int64_t account, int64_t campaign, struct err *e);
/* Redacts ${text} for the session's person (with ${json_only}, the report
** as report_json alone: redact_ctx). 0, or -1 with an answer queued. */
int redact_for(struct req *r, const char *text, size_t n, int json_only,
    struct redact_result *out);
/* Answers ${status} {"contribution"} with contribution ${id} as stored. */
int answer_contrib(struct req *r, int64_t account, int64_t id, unsigned status);
/* Answers a contribution job that failed: 409 idempotency_mismatch, 403
** consent_required, or the error's own status. */
int contrib_job_failed(struct req *r, const struct writer_job *j);

/* Erasure (api_erase.c). */
int account_erase_page(struct req *r);
int my_erase_page(struct req *r);

/* Audio (api_audio.c). */
#define SPOKEN_MAX_SECONDS 60
#define SPOKEN_MAX_BYTES   (4096 + SPOKEN_MAX_SECONDS * 48000 * 8)
int req_is_wav(struct req *r);
int req_is_audio(struct req *r);
size_t contrib_body_limit(struct req *r);
size_t spoken_body_limit(struct req *r);
int contrib_audio_create(struct req *r);
int contrib_audio_page(struct req *r);
int consent_spoken_page(struct req *r);
int consent_reading_page(struct req *r);
/* Adds each recording's FLAC (base64) to an export, up to EXPORT_AUDIO_MAX
** bytes of FLAC in all (the file is built in memory); past that a
** recording is marked "flac_omitted" and can be fetched on its own. 0, or
** -1 with ${e}. */
#define EXPORT_AUDIO_MAX ((size_t)64 << 20)
int export_add_audio(struct req *r, json_t *out, struct err *e);
int my_contribs_page(struct req *r);
int contrib_withdraw_page(struct req *r);
int withdraw_all_page(struct req *r);
int export_page(struct req *r);

#endif
