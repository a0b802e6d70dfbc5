/*
** The JSON API's handlers, named in the route table (routes.c) and
** described in API.md, by the file that holds them; and the request steps
** the contribution handlers share (api_shared.c), so that the text and the
** audio handlers never call each other.
**
** Every handler is a handler_fn (http.h): it returns 0 once an answer is
** queued or the request is suspended, and -1 (the layer answers 500) only
** when no answer could be queued.
*/
#ifndef TRIBUTARY_API_H
#define TRIBUTARY_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct writer_job;
struct redact_result;
struct campaign;

/* People: logins and accounts (api_people.c). */
int join_and_log_in(struct req *r);
int log_in(struct req *r);
int log_out(struct req *r);
int show_my_account(struct req *r);
int set_my_passphrase(struct req *r);
int list_accounts(struct req *r);
int create_account(struct req *r);
int change_account(struct req *r);
int reissue_card(struct req *r);
int search_accounts(struct req *r);
int label_card(struct req *r);
int set_account_languages(struct req *r);
int set_account_translator(struct req *r);
int list_languages(struct req *r);
int show_language_overrides(struct req *r);
int list_language_strings(struct req *r);
int save_language_string(struct req *r);
int review_language(struct req *r);
int upload_consent_reading(struct req *r);
size_t reading_body_limit(struct req *r);
/* May the request's account translate: a maintainer or above, or an
** account given the right (can_translate)? 1; 0 with 403 queued; -1 if
** no answer could be queued (api_i18n.c). */
int req_may_translate(struct req *r);
/* The request's {lang}, checked: a language tag. NULL with 404 queued
** (api_i18n.c). */
const char *req_lang_param(struct req *r);

/* Consent documents translated on the node (api_consent_tr.c). */
int show_consent_translation(struct req *r);
int save_consent_part(struct req *r);
int review_consent_translation(struct req *r);
int show_my_demographics(struct req *r);
int set_my_demographics(struct req *r);

/* The node's settings: the organization behind it, its switches
** (api_settings.c). */
int show_settings(struct req *r);
int change_settings(struct req *r);

/* Review: the queue and votes, the maintainer's figures, corrections and
** overrides (api_review.c). */
int list_review_campaigns(struct req *r);
int next_review_item(struct req *r);
int cast_vote(struct req *r);
int show_campaign_stats(struct req *r);
int list_corrections(struct req *r);
int list_campaign_contributions(struct req *r);
int correct_contribution(struct req *r);
int decide_contribution(struct req *r);

/* The maintainer's campaigns: saving, closing, prompts, cards, the audit
** log (api_campaign.c). */
int save_campaign(struct req *r);
int close_campaign(struct req *r);
int print_cards(struct req *r);
int list_prompts(struct req *r);
int next_prompt(struct req *r);
int save_prompt(struct req *r);
int import_prompts(struct req *r);
int list_licences(struct req *r);
int read_audit(struct req *r);

/* Releases: the public list and cards, a maintainer's preview, cut and
** approval (api_release.c). */
int list_releases(struct req *r);
int send_release_card(struct req *r);
int preview_release(struct req *r);
int create_release(struct req *r);
int approve_release(struct req *r);
int verify_release(struct req *r);
int list_release_licences(struct req *r);

/* The Hub's read API over the approved releases: repo info, tree,
** paths-info and file content, as Hub clients ask them (api_hub.c). */
int list_hub_datasets(struct req *r);
int show_hub_dataset(struct req *r);
int list_hub_tree(struct req *r);
int show_hub_paths(struct req *r);
int send_hub_file(struct req *r);
/*
** Answers a Hub error: ${status}, X-Error-Code ${code} (NULL: none),
** X-Repo-Commit ${commit} (NULL: none), and the message as
** X-Error-Message and the body {"error": MESSAGE} (api_hub.c). 0, or -1.
*/
int hub_error(struct req *r, unsigned int status, const char *code,
    const char *commit, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The Hub's write API: pushes with a Bearer token into repos of the
** node's namespace (api_hubwrite.c). */
int create_hub_repo(struct req *r);
int preupload_hub_files(struct req *r);
int answer_lfs_batch(struct req *r);
int receive_lfs_object(struct req *r);
size_t lfs_object_begin(struct req *r);
int verify_lfs_object(struct req *r);
int complete_lfs_object(struct req *r);
int commit_hub_files(struct req *r);
size_t hub_commit_limit(struct req *r);
int squash_hub_branch(struct req *r);
int list_hub_lfs_files(struct req *r);
int validate_hub_yaml(struct req *r);
int delete_hub_lfs_files(struct req *r);
int tag_hub_revision(struct req *r);
int delete_hub_tag(struct req *r);
int show_my_earnings(struct req *r);
int set_my_payout_contact(struct req *r);
int show_ledger(struct req *r);
int show_ledger_head(struct req *r);
int send_due_csv(struct req *r);
int show_account_ledger(struct req *r);
int record_payout(struct req *r);

/* Campaigns and consent (api_consent.c). */
int list_campaigns(struct req *r);
int show_consent_document(struct req *r);
int give_consent(struct req *r);
int withdraw_consent(struct req *r);
int list_my_consents(struct req *r);

/* Text contributions and redaction (api_contrib.c). */
int preview_redaction(struct req *r);
int create_text_contribution(struct req *r);
int list_my_contributions(struct req *r);
int withdraw_contribution(struct req *r);
int withdraw_my_contributions(struct req *r);

/* Recordings: contributions, spoken consent, readings (api_audio.c). */
#define SPOKEN_MAX_SECONDS 60
#define SPOKEN_MAX_BYTES   (4096 + SPOKEN_MAX_SECONDS * 48000 * 8)
int create_audio_contribution(struct req *r);
int send_contribution_audio(struct req *r);
int keep_spoken_consent(struct req *r);
int send_consent_reading(struct req *r);
/* The body limits of POST /api/v1/contributions (the campaign's longest
** recording for a WAV) and POST /api/v1/consents/{id}/spoken
** (SPOKEN_MAX_BYTES for a WAV): route.body_limit (http.h). 0 keeps the
** route's own limit. Can't fail. */
size_t contribution_body_limit(struct req *r);
size_t spoken_body_limit(struct req *r);

/* Everything held about the person, as one file (api_export.c). At most
** EXPORT_AUDIO_MAX bytes of FLAC go in it. */
#define EXPORT_AUDIO_MAX ((size_t)64 << 20)
int export_my_data(struct req *r);

/* Erasure (api_erase.c). */
int erase_account(struct req *r);
int erase_my_account(struct req *r);

/* The string member ${k} of the JSON object ${o}, or NULL (none, or not a
** string). Can't fail. */
static inline const char *
jstr(json_t *o, const char *k)
{
	return (json_string_value(json_object_get(o, k)));
}

/*
** The request steps of creating a contribution, text or audio alike
** (api_shared.c). Those returning "1, or an answer" return 1 to go on,
** else what the handler returns: 0 with an answer queued, -1 if none
** could be.
*/

/* Is the request's body a WAV file, or some audio (by Content-Type)?
** Can't fail. */
int req_is_wav(struct req *r);
int req_is_audio(struct req *r);
/*
** The Idempotency-Key that makes a retry the same contribution: the
** header, else the query's idempotency_key, 1 to IDEMPOTENCY_KEY_MAX
** characters, into ${key} (the request's). 1, or an answer: 400 invalid.
*/
int req_idempotency_key(struct req *r, const char **key);
/* A prompt (NULL: none) is at most CONTRIB_PROMPT_MAX bytes. 1, or an
** answer: 413 too_large. */
#define CONTRIB_PROMPT_MAX 2000
int req_prompt_fits(struct req *r, const char *prompt);
/*
** The campaign ${slug} that a contribution of ${kind} ("text" or
** "audio") goes to, into ${c} (clear it with campaign_clear()), and the id
** of the session's live consent to it into ${consent}. 1, or an answer
** (${c} cleared): 404 not_found, 415 unsupported (the other kind), 403
** campaign_closed (not started, or ended), 403 consent_required, or the
** error's status.
*/
int req_contribution_target(struct req *r, const char *slug, const char *kind,
    struct campaign *c, int64_t *consent);
/*
** The campaign called ${slug}, remembered by this thread while nothing
** could have changed it (dbcache.h): 1 with ${c} filled (clear it with
** campaign_clear()), 0 if there is none, -1 with ${e} set.
*/
int req_campaign(
    struct req *r, const char *slug, struct campaign *c, struct err *e);
/* The id of ${account}'s live consent to ${campaign}, remembered likewise:
** > 0, 0 if there is none, -1 with ${e} set. The writer job that stores a
** contribution checks it again. */
int64_t req_live_consent(
    struct req *r, int64_t account, int64_t campaign, struct err *e);
/*
** The campaign's prompt named by ${raw} (a prompt id as sent, NULL: none)
** for a contribution to campaign ${campaign}: its id into ${id} (0 if
** none) and its text into ${prompt} (the request's; left as it was if
** none). 1, or an answer: 400 invalid (not an id), 404 no_such_prompt
** (not a live prompt of that campaign).
*/
int req_prompt_by_id(struct req *r, const char *raw, int64_t campaign,
    int64_t *id, const char **prompt);
/* Redacts ${text} for the session's person (with ${json_only}, the report
** as report_json alone: redact_ctx) into ${out}, and as campaign ${camp}
** asks (its "redact": names kept, names allowed; NULL: the defaults). 0,
** or -1 with an answer queued (503 busy without rules, or the error's
** status). */
int req_redact_for(struct req *r, const struct campaign *camp, const char *text,
    size_t n, int json_only, struct redact_result *out);
/* req_redact_for() with the defaults. */
int req_redact(struct req *r, const char *text, size_t n, int json_only,
    struct redact_result *out);
/* Answers ${status} {"contribution"} with contribution ${id} of
** ${account} as stored. 0, or -1 if no answer could be queued. */
int answer_contribution(
    struct req *r, int64_t account, int64_t id, unsigned status);
/* Answers 409 idempotency_mismatch: the key was used for another
** contribution. 0, or -1 if no answer could be queued. */
int answer_key_reused(struct req *r);
/* Answers a contribution job that failed: 409 idempotency_mismatch or
** prompt_done, 403 consent_required, or the error's own status. 0, or -1 if no answer
** could be queued. */
int answer_contribution_failed(struct req *r, const struct writer_job *j);

/* Federation: the node's identity and signed revocation list
** (api_federation.c). */
int show_node_identity(struct req *r);
int send_federation_revocations(struct req *r);
/* Answers 200 with the JSON ${body} (${n} bytes, taken) exactly as
** signed, X-Signature ${sig} (hex) and X-Public-Key the node's key:
** a document a peer checks with the key it pinned. 0, or -1 if no answer
** could be queued. */
int answer_signed_json(struct req *r, char *body, size_t n, const char *sig);

#endif
