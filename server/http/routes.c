/*
** Every URL the server answers, and the small handlers that belong to no
** domain module. The API reference beside this file (API.md) lists each
** route with its role, body limit and answers; tests/check_routes.c fails
** when the two differ.
*/
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "audit.h"
#include "hasher.h"
#include "http.h"
#include "ledger.h"
#include "metrics.h"
#include "prompts.h"
#include "release.h"

static int report_health(struct req *r);
static int report_metrics(struct req *r);
static int create_contribution(struct req *r);
static int list_revocations(struct req *r);

/* method, pattern, handler, role needed, body bytes accepted, and the
** function that sets the body limit per request (NULL: the fixed one) */
const struct route routes[] = {
	{ "GET", "/healthz", report_health, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/metrics", report_metrics, ROLE_ANY, 0, NULL, NULL },
	{ "POST", "/api/v1/join", join_and_log_in, ROLE_ANY, 4096, NULL, NULL },
	{ "POST", "/api/v1/login", log_in, ROLE_ANY, 4096, NULL, NULL },
	{ "POST", "/api/v1/logout", log_out, ROLE_CONTRIBUTOR, 1024, NULL,
	    NULL },
	{ "GET", "/api/v1/me", show_my_account, ROLE_CONTRIBUTOR, 0, NULL,
	    NULL },
	{ "GET", "/api/v1/me/consents", list_my_consents, ROLE_CONTRIBUTOR, 0,
	    NULL, NULL },
	{ "GET", "/api/v1/me/contributions", list_my_contributions,
	    ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "GET", "/api/v1/me/export", export_my_data, ROLE_CONTRIBUTOR, 0, NULL,
	    NULL },
	{ "GET", "/api/v1/me/demographics", show_my_demographics,
	    ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "POST", "/api/v1/me/demographics", set_my_demographics,
	    ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "GET", "/api/v1/me/earnings", show_my_earnings, ROLE_CONTRIBUTOR, 0,
	    NULL, NULL },
	{ "POST", "/api/v1/me/payout-contact", set_my_payout_contact,
	    ROLE_CONTRIBUTOR, 2048, NULL, NULL },
	{ "POST", "/api/v1/me/erase", erase_my_account, ROLE_CONTRIBUTOR, 1024,
	    NULL, NULL },
	{ "POST", "/api/v1/me/passphrase", set_my_passphrase, ROLE_CONTRIBUTOR,
	    4096, NULL, NULL },
	{ "POST", "/api/v1/me/withdraw-all", withdraw_my_contributions,
	    ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "POST", "/api/v1/redact", preview_redaction, ROLE_CONTRIBUTOR, 65536,
	    NULL, NULL },
	{ "POST", "/api/v1/contributions", create_contribution,
	    ROLE_CONTRIBUTOR, 65536, contribution_body_limit, NULL },
	{ "GET", "/api/v1/contributions/{id}/audio", send_contribution_audio,
	    ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "POST", "/api/v1/contributions/{id}/withdraw", withdraw_contribution,
	    ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "GET", "/api/v1/campaigns", list_campaigns, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/consent/{slug}", show_consent_document, ROLE_ANY, 0,
	    NULL, NULL },
	{ "POST", "/api/v1/consents", give_consent, ROLE_CONTRIBUTOR, 8192,
	    NULL, NULL },
	{ "POST", "/api/v1/consents/{id}/withdraw", withdraw_consent,
	    ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "POST", "/api/v1/consents/{id}/spoken", keep_spoken_consent,
	    ROLE_CONTRIBUTOR, 65536, spoken_body_limit, NULL },
	{ "POST", "/api/v1/consent/{slug}/reading", upload_consent_reading,
	    ROLE_CONTRIBUTOR, 1024, reading_body_limit, NULL },
	{ "GET", "/api/v1/consent/{slug}/reading", send_consent_reading,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/consent/{slug}/translations/{lang}",
	    show_consent_translation, ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "PUT", "/api/v1/consent/{slug}/translations/{lang}/parts/{part}",
	    save_consent_part, ROLE_CONTRIBUTOR, 65536, NULL, NULL },
	{ "POST", "/api/v1/consent/{slug}/translations/{lang}/review",
	    review_consent_translation, ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "GET", "/api/v1/accounts", list_accounts, ROLE_ADMIN, 0, NULL, NULL },
	{ "POST", "/api/v1/accounts", create_account, ROLE_ADMIN, 4096, NULL,
	    NULL },
	{ "POST", "/api/v1/accounts/{id}/role", change_account, ROLE_ADMIN,
	    1024, NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/disable", change_account, ROLE_ADMIN,
	    1024, NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/erase", erase_account, ROLE_ADMIN,
	    1024, NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/card", reissue_card, ROLE_MAINTAINER,
	    1024, NULL, NULL },
	{ "GET", "/api/v1/accounts/search", search_accounts, ROLE_MAINTAINER, 0,
	    NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/card-label", label_card,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/languages", set_account_languages,
	    ROLE_MAINTAINER, 4096, NULL, NULL },
	{ "POST", "/api/v1/accounts/{id}/translator", set_account_translator,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	{ "GET", "/api/v1/i18n", list_languages, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/i18n/{lang}/overrides", show_language_overrides,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/i18n/{lang}/strings", list_language_strings,
	    ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "PUT", "/api/v1/i18n/{lang}/strings/{key}", save_language_string,
	    ROLE_CONTRIBUTOR, 16384, NULL, NULL },
	{ "POST", "/api/v1/i18n/{lang}/review", review_language,
	    ROLE_CONTRIBUTOR, 1024, NULL, NULL },
	{ "GET", "/api/v1/campaigns/{slug}/prompt", next_prompt,
	    ROLE_CONTRIBUTOR, 0, NULL, NULL },
	{ "GET", "/api/v1/licences", list_licences, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/settings", show_settings, ROLE_ANY, 0, NULL, NULL },
	{ "POST", "/api/v1/settings", change_settings, ROLE_ADMIN, 8192, NULL,
	    NULL },
	{ "GET", "/api/v1/review/campaigns", list_review_campaigns,
	    ROLE_REVIEWER, 0, NULL, NULL },
	{ "GET", "/api/v1/review/next", next_review_item, ROLE_REVIEWER, 0,
	    NULL, NULL },
	{ "POST", "/api/v1/reviews", cast_vote, ROLE_REVIEWER, 4096, NULL,
	    NULL },
	{ "POST", "/api/v1/campaigns", save_campaign, ROLE_MAINTAINER, 65536,
	    NULL, NULL },
	{ "GET", "/api/v1/campaigns/{slug}/stats", show_campaign_stats,
	    ROLE_MAINTAINER, 0, NULL, NULL },
	{ "GET", "/api/v1/campaigns/{slug}/corrections", list_corrections,
	    ROLE_MAINTAINER, 0, NULL, NULL },
	{ "GET", "/api/v1/campaigns/{slug}/contributions",
	    list_campaign_contributions, ROLE_MAINTAINER, 0, NULL, NULL },
	{ "POST", "/api/v1/campaigns/{slug}/close", close_campaign,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	{ "POST", "/api/v1/campaigns/{slug}/cards", print_cards,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	{ "GET", "/api/v1/campaigns/{slug}/prompts", list_prompts,
	    ROLE_MAINTAINER, 0, NULL, NULL },
	{ "POST", "/api/v1/campaigns/{slug}/prompts", save_prompt,
	    ROLE_MAINTAINER, 8192, NULL, NULL },
	{ "POST", "/api/v1/campaigns/{slug}/prompts/import", import_prompts,
	    ROLE_MAINTAINER, PROMPT_FILE_MAX, NULL, "text/" },
	{ "POST", "/api/v1/prompts/{id}", save_prompt, ROLE_MAINTAINER, 8192,
	    NULL, NULL },
	{ "POST", "/api/v1/contributions/{id}/correct", correct_contribution,
	    ROLE_MAINTAINER, 65536, NULL, NULL },
	{ "POST", "/api/v1/contributions/{id}/decision", decide_contribution,
	    ROLE_MAINTAINER, 4096, NULL, NULL },
	{ "GET", "/api/v1/audit", read_audit, ROLE_MAINTAINER, 0, NULL, NULL },
	{ "GET", "/api/v1/ledger", show_ledger, ROLE_TREASURER, 0, NULL, NULL },
	{ "GET", "/api/v1/ledger/head", show_ledger_head, ROLE_ANY, 0, NULL,
	    NULL },
	{ "GET", "/api/v1/ledger/due.csv", send_due_csv, ROLE_TREASURER, 0,
	    NULL, NULL },
	{ "GET", "/api/v1/ledger/accounts/{id}", show_account_ledger,
	    ROLE_TREASURER, 0, NULL, NULL },
	{ "POST", "/api/v1/ledger/payouts", record_payout, ROLE_TREASURER, 4096,
	    NULL, NULL },
	{ "GET", "/api/v1/revocations", list_revocations, ROLE_ANY, 0, NULL,
	    NULL },
	{ "GET", "/.well-known/tributary.json", show_node_identity, ROLE_ANY, 0,
	    NULL, NULL },
	{ "GET", "/api/v1/federation/revocations", send_federation_revocations,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/releases", list_releases, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/v1/releases/all", list_releases, ROLE_MAINTAINER, 0,
	    NULL, NULL },
	{ "GET", "/api/v1/releases/licences", list_release_licences,
	    ROLE_MAINTAINER, 0, NULL, NULL },
	{ "GET", "/api/v1/releases/{version}/card", send_release_card, ROLE_ANY,
	    0, NULL, NULL },
	{ "POST", "/api/v1/releases/preview", preview_release, ROLE_MAINTAINER,
	    4096, NULL, NULL },
	{ "POST", "/api/v1/releases", create_release, ROLE_MAINTAINER, 4096,
	    NULL, NULL },
	{ "POST", "/api/v1/releases/{version}/verify", verify_release,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	{ "POST", "/api/v1/releases/{version}/approve", approve_release,
	    ROLE_MAINTAINER, 1024, NULL, NULL },
	/* The Hub's read API (api_hub.c): route_is_hub() knows them by
	** their prefixes. */
	{ "GET", "/api/datasets", list_hub_datasets, ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/datasets/{ns}/{name}", show_hub_dataset, ROLE_ANY, 0,
	    NULL, NULL },
	{ "GET", "/api/datasets/{ns}/{name}/revision/{rev}", show_hub_dataset,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/datasets/{ns}/{name}/tree/{rev}", list_hub_tree,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/datasets/{ns}/{name}/tree/{rev}/{path*}", list_hub_tree,
	    ROLE_ANY, 0, NULL, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/paths-info/{rev}", show_hub_paths,
	    ROLE_ANY, 65536, NULL, NULL },
	{ "GET", "/datasets/{ns}/{name}/resolve/{rev}/{path*}", send_hub_file,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/datasets/{ns}/{name}/raw/{rev}/{path*}", send_hub_file,
	    ROLE_ANY, 0, NULL, NULL },
	/* The Hub's write API (api_hubwrite.c): a push token (Bearer), not
	** a session, so no role; each handler checks the token. */
	{ "POST", "/api/repos/create", create_hub_repo, ROLE_ANY, 4096, NULL,
	    NULL },
	{ "POST", "/api/validate-yaml", validate_hub_yaml, ROLE_ANY, 1048576,
	    NULL, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/preupload/{rev}",
	    preupload_hub_files, ROLE_ANY, 1048576, NULL, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/commit/{rev}", commit_hub_files,
	    ROLE_ANY, 65536, hub_commit_limit, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/super-squash/{rev}",
	    squash_hub_branch, ROLE_ANY, 4096, NULL, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/tag/{rev}", tag_hub_revision,
	    ROLE_ANY, 4096, NULL, NULL },
	{ "DELETE", "/api/datasets/{ns}/{name}/tag/{tag}", delete_hub_tag,
	    ROLE_ANY, 0, NULL, NULL },
	{ "GET", "/api/datasets/{ns}/{name}/lfs-files", list_hub_lfs_files,
	    ROLE_ANY, 0, NULL, NULL },
	{ "POST", "/api/datasets/{ns}/{name}/lfs-files/batch",
	    delete_hub_lfs_files, ROLE_ANY, 131072, NULL, NULL },
	{ "POST", "/datasets/{ns}/{repo}/info/lfs/objects/batch",
	    answer_lfs_batch, ROLE_ANY, 262144, NULL, NULL },
	{ "PUT", "/datasets/{ns}/{repo}/info/lfs/objects/{oid}",
	    receive_lfs_object, ROLE_ANY, 0, lfs_object_begin, NULL },
	{ "POST", "/datasets/{ns}/{repo}/info/lfs/objects/{oid}",
	    complete_lfs_object, ROLE_ANY, 131072, NULL, NULL },
	{ "POST", "/datasets/{ns}/{repo}/info/lfs/objects/{oid}/verify",
	    verify_lfs_object, ROLE_ANY, 4096, NULL, NULL },
};
const size_t nroutes = sizeof(routes) / sizeof(routes[0]);

/*
** GET /healthz: is the node up, its database readable, its disk not full?
** Anyone. 200 {"status":"ok","version":V,"database":"ok","disk":"ok"}. A
** full disk (node_disk_full) answers 200 too, with "status":"degraded",
** "disk":"full" and the plain "reason": the node still serves every read
** and answers 507 only to writes, so a load balancer should keep sending
** it traffic, and a 503 would make it stop. 503 with "database":"error"
** and the reason if a read fails.
*/
static int
report_health(struct req *r)
{
	char why[256];
	struct err e = { 0 };
	int full;

	full = node_disk_full(req_node(r), why, sizeof(why));
	if (http_db_probe(r, &e) == -1)
		return (req_json(r, 503,
		    json_pack("{s:s,s:s,s:s,s:s,s:s}", "status", "degraded",
			"version", TRIBUTARY_VERSION, "database", "error",
			"disk", full ? "full" : "ok", "reason", e.msg)));
	if (full)
		return (req_json(r, 200,
		    json_pack("{s:s,s:s,s:s,s:s,s:s}", "status", "degraded",
			"version", TRIBUTARY_VERSION, "database", "ok", "disk",
			"full", "reason", why)));
	return (req_json(r, 200,
	    json_pack("{s:s,s:s,s:s,s:s}", "status", "ok", "version",
		TRIBUTARY_VERSION, "database", "ok", "disk", "ok")));
}

/*
** GET /metrics: Prometheus text exposition of request counts by route and
** status, request latency, group-commit batches, connection gauges, and
** the audit log's chain head (audit_head: its latest row's id and hash,
** left out while the log has no hashed row or cannot be read). Anyone who can reach the port (bind to loopback or filter it in front).
*/
static int
report_metrics(struct req *r)
{
	struct MHD_Response *resp;
	struct writer_stats ws;
	char head[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	struct buf b = { 0 };
	struct db *db;
	int64_t head_id;
	size_t n;

	writer_stats(req_node(r)->writer, &ws);
	if (metrics_render(&b) == -1 || http_metrics(r, &b) == -1 ||
	    buf_printf(&b,
		"# HELP tributary_auth_dummy_hashes_total Logins with an "
		"unknown handle or card, answered after a full hash all the "
		"same.\n"
		"# TYPE tributary_auth_dummy_hashes_total counter\n"
		"tributary_auth_dummy_hashes_total %lu\n"
		"# HELP tributary_writer_seconds_total Time the writer spent "
		"running jobs, committing (the fsync), and handing answers "
		"back.\n"
		"# TYPE tributary_writer_seconds_total counter\n"
		"tributary_writer_seconds_total{phase=\"jobs\"} %.6f\n"
		"tributary_writer_seconds_total{phase=\"commit\"} %.6f\n"
		"tributary_writer_seconds_total{phase=\"notify\"} %.6f\n",
		hasher_dummy_count(), ws.secs_jobs, ws.secs_commit,
		ws.secs_notify) == -1) {
		buf_free(&b);
		return (-1);
	}
	if ((db = req_db(r, &e)) != NULL &&
	    audit_head(db, &head_id, head, &e) == 1 &&
	    buf_printf(&b,
		"# HELP tributary_audit_head_info The audit log's latest row "
		"and its hash, the head of its hash chain.\n"
		"# TYPE tributary_audit_head_info gauge\n"
		"tributary_audit_head_info{hash=\"%s\",id=\"%lld\"} 1\n",
		head, (long long)head_id) == -1) {
		buf_free(&b);
		return (-1);
	}
	if (db != NULL && ledger_head(db, &head_id, head, &e) == 1 &&
	    buf_printf(&b,
		"# HELP tributary_ledger_head_info The pay ledger's latest "
		"entry and its hash, the head of its hash chain.\n"
		"# TYPE tributary_ledger_head_info gauge\n"
		"tributary_ledger_head_info{hash=\"%s\",id=\"%lld\"} 1\n",
		head, (long long)head_id) == -1) {
		buf_free(&b);
		return (-1);
	}
	n = b.n;
	resp = MHD_create_response_from_buffer(
	    n, buf_take(&b), MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(
	    resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	return (req_respond(r, 200, resp));
}

/*
** POST /api/v1/contributions: a text (JSON) goes to
** create_text_contribution (api_contrib.c), a recording (audio/wav) to
** create_audio_contribution (api_audio.c); other audio is 415. Every WAV
** type is audio/...: a JSON body is told apart at once.
*/
static int
create_contribution(struct req *r)
{
	if (!req_is_audio(r))
		return (create_text_contribution(r));
	if (req_is_wav(r))
		return (create_audio_contribution(r));
	return (req_error(r, 415, "unsupported",
	    "send recordings as audio/wav (16-bit PCM is what the pages "
	    "record)"));
}

/*
** GET /api/v1/revocations: anyone. The signed revocation list: every
** released item since withdrawn, per dataset (release_revocations()), the
** body signed with the node's key: X-Signature (Ed25519 of the body's
** bytes, hex), X-Public-Key (hex). Users of a release apply it.
*/
static int
list_revocations(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	char sig[129], *body;
	size_t n;

	if ((db = req_db(r, &e)) == NULL ||
	    release_revocations(db, req_node(r)->sign_pk, req_node(r)->sign_sk,
		&body, &n, sig, &e) == -1)
		return (req_fail(r, &e));
	return (answer_signed_json(r, body, n, sig));
}
