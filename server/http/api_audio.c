/*
** The audio API: recorded contributions (audio/wav in, FLAC kept), their
** playback with Range, spoken statements of consent, and the recorded
** reading of a consent document. The WAV is parsed strictly (wav.h) and
** checked (audio.h) on the request's thread; only the FLAC of the
** canonical samples reaches the blob store, and only its hash reaches the
** writer. The steps a text contribution takes too are api_shared.c's.
** Route table: routes.c.
*/
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "api.h"
#include "audio.h"
#include "blob.h"
#include "buf.h"
#include "campaign.h"
#include "consent_record.h"
#include "contrib.h"
#include "crypto.h"
#include "http.h"
#include "redact.h"
#include "text.h"
#include "urlpath.h"
#include "wav.h"

/*
** A recording's ${name} ("campaign", "prompt"): from the query, else from
** the header X-Campaign / X-Prompt (percent-encoded UTF-8, as a header can
** only carry ASCII). Sets *${v} to it, decoded, or to NULL if neither is
** sent; it belongs to ${r}. Returns 0, or -1 (*${v} NULL) if the value is
** not percent-encoded UTF-8: a lone or bad "%" escape, an encoded NUL,
** bytes that are not UTF-8 (or no memory to decode it). The caller
** refuses that with bad_arg(), the same answer wherever it came from;
** never is it taken as absent.
*/
static int
audio_arg(struct req *r, const char *name, const char **v)
{
	int rc;

	if ((rc = req_query_arg(r, name, v)) == 0)
		rc = req_header_arg(r,
		    strcmp(name, "campaign") == 0     ? "X-Campaign"
			: strcmp(name, "prompt") == 0 ? "X-Prompt"
						      : "X-Prompt-Id",
		    v);
	if (rc == -1 ||
	    (rc == 1 && utf8_invalid_at(*v, strlen(*v)) != strlen(*v))) {
		*v = NULL;
		return (-1);
	}
	return (0);
}

/* Answers 400 for the ${name} that audio_arg() refused. */
static int
bad_arg(struct req *r, const char *name)
{
	return (req_error(r, 400, "invalid",
	    "the %s is not percent-encoded UTF-8 (a lone or bad %%-escape, an "
	    "encoded NUL, or bytes that are not UTF-8): send its UTF-8 bytes, "
	    "each that is not a plain letter or digit as %%HH, e.g. "
	    "caf%%C3%%A9",
	    name));
}

/*
** Body limit of POST /api/v1/contributions: for a WAV, the campaign's
** largest recording (campaign_max_bytes), so a Content-Length over it is
** refused before a byte of the body is read (other audio types too, so
** they reach the handler's 415); JSON keeps the route's.
*/
size_t
contribution_body_limit(struct req *r)
{
	struct campaign camp;
	struct err e = { 0 };
	const char *slug;
	size_t max = 0;

	if (!req_is_audio(r) || audio_arg(r, "campaign", &slug) == -1 ||
	    slug == NULL)
		return (0);
	if (req_campaign(r, slug, &camp, &e) == 1 &&
	    strcmp(camp.kind, "audio") == 0)
		max = campaign_max_bytes(&camp);
	campaign_clear(&camp);
	return (max);
}

/* Body limit of POST /api/v1/consents/{id}/spoken: a WAV of up to a minute
** (SPOKEN_MAX_BYTES), after the caller's session is known good. */
size_t
spoken_body_limit(struct req *r)
{
	return (req_is_wav(r) ? SPOKEN_MAX_BYTES : 0);
}

/*
** Parses the body as WAV. 0 with ${w} filled, or -1 with a 400 bad_wav or
** 415 unsupported queued.
*/
static int
read_wav(struct req *r, struct wav_pcm *w)
{
	struct err e = { 0 };
	const char *p;
	size_t n;

	p = req_body(r, &n);
	if (wav_read(p, n, w, &e) == 0)
		return (0);
	if (e.code == ERR_UNSUPPORTED)
		req_error(r, 415, "unsupported", "%s", e.msg);
	else if (e.code == ERR_INVALID)
		req_error(r, 400, "bad_wav", "%s", e.msg);
	else
		req_fail(r, &e);
	return (-1);
}

/*
** Encodes ${w}'s samples as FLAC: the malloc'd stream and its size in
** ${n}, and in ${md5} the MD5 of the samples from its STREAMINFO (libFLAC
** computes it while encoding). NULL with an answer queued.
*/
static uint8_t *
encode(struct req *r, const struct wav_pcm *w, size_t *n, uint8_t md5[16])
{
	struct err e = { 0 };
	uint8_t *flac;

	if ((flac = audio_flac_encode(
		 w->samples, w->nsamples, w->sample_rate, n, &e)) == NULL) {
		req_fail(r, &e);
		return (NULL);
	}
	/* "fLaC", the STREAMINFO block header, then 34 bytes of STREAMINFO
	** whose last 16 are the MD5. */
	if (*n < 42 || memcmp(flac, "fLaC", 4) != 0 || (flac[4] & 0x7f) != 0) {
		free(flac);
		req_error(
		    r, 500, "internal", "the FLAC encoder wrote no STREAMINFO");
		return (NULL);
	}
	memcpy(md5, flac + 26, 16);
	return (flac);
}

/*
** Stores ${flac} (taken) as a blob, durable when the writer commits the
** row (REQ_JOB_BLOBS). 0 with ${sha} set, or -1 with an answer queued.
*/
static int
store(struct req *r, uint8_t *flac, size_t n, char sha[65])
{
	struct err e = { 0 };
	int rc;

	rc = blob_put_unsynced(req_node(r)->blobs, flac, n, sha, &e);
	free(flac);
	if (rc == -1)
		req_fail(r, &e);
	return (rc);
}

/* What the request asks for: campaign, prompt, rate, length and the
** samples (by their MD5). */
static void
audio_request_hash(const char *campaign, const char *prompt, int rate,
    size_t nsamples, const uint8_t md5[16], char out[65])
{
	uint8_t sum[SHA256_LEN];
	struct sha256 *h;
	char num[48];

	out[0] = '\0';
	if ((h = sha256_new()) == NULL)
		return;
	snprintf(num, sizeof(num), "%d %zu", rate, nsamples);
	sha256_update(h, "audio", 6);
	sha256_update(h, campaign, strlen(campaign) + 1);
	sha256_update(
	    h, prompt ? prompt : "", strlen(prompt ? prompt : "") + 1);
	sha256_update(h, num, strlen(num) + 1);
	sha256_update(h, md5, 16);
	if (sha256_final(h, sum) == 0)
		hex_encode(sum, SHA256_LEN, out);
}

struct audio_create {
	struct contrib_new cn;
	struct redact_result pr; /* the prompt, redacted */
	char key[IDEMPOTENCY_KEY_MAX + 1];
	char sha[65];
};

static void
audio_create_free(void *p)
{
	struct audio_create *c = p;

	redact_result_free(&c->pr);
	free(c);
}

/*
** A recording's campaign and prompt (NULL: none), from the query or the
** X-Campaign and X-Prompt headers, into ${slug} and ${prompt}. 1, or an
** answer: 400 invalid (no campaign, or either is not percent-encoded
** UTF-8), 413 too_large (the prompt).
*/
static int
recording_args(struct req *r, const char **slug, const char **prompt)
{
	if (audio_arg(r, "campaign", slug) == -1)
		return (bad_arg(r, "campaign"));
	if (*slug == NULL)
		return (req_error(r, 400, "invalid",
		    "name the campaign: ?campaign=SLUG or an X-Campaign "
		    "header"));
	if (audio_arg(r, "prompt", prompt) == -1)
		return (bad_arg(r, "prompt"));
	return (req_prompt_fits(r, *prompt));
}

/*
** The body as a WAV whose samples meet ${lim}, into ${w} (free it with
** wav_pcm_free()). 1, or an answer (${w} freed): 400 bad_wav, too_short,
** too_long, silent, clipped or wrong_rate, 415 unsupported.
*/
static int
recording_read(struct req *r, const struct audio_limits *lim, struct wav_pcm *w)
{
	const char *why;
	char msg[256];

	if (read_wav(r, w) == -1)
		return (0);
	if ((why = audio_check(w->samples, w->nsamples, w->sample_rate, lim,
		 msg, sizeof(msg))) != NULL) {
		wav_pcm_free(w);
		return (req_error(r, 400, why, "%s", msg));
	}
	return (1);
}

/*
** Encodes ${w} as FLAC and stores it as a blob (its hash in c->sha),
** unless c->key was used before: the request's hash (c->cn.request_sha)
** uses the samples' MD5 that the encoder computes anyway, so a replay or
** a mismatch is answered before anything is stored. 1, or an answer: 200
** the first answer again, 409 idempotency_mismatch, or the error's.
*/
static int
recording_store(
    struct req *r, struct audio_create *c, const char *slug, struct wav_pcm *w)
{
	int64_t account = req_session(r)->account_id, existing;
	struct err e = { 0 };
	struct db *db;
	char prev[65];
	uint8_t md5[16], *flac;
	size_t flacn;
	int rc;

	if ((flac = encode(r, w, &flacn, md5)) == NULL)
		return (0);
	audio_request_hash(slug, c->pr.text, w->sample_rate, w->nsamples, md5,
	    c->cn.request_sha);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = contrib_by_key(db, account, c->key, &existing, prev, &e)) !=
		0) {
		free(flac);
		if (db == NULL || rc == -1)
			return (req_fail(r, &e));
		if (strcmp(prev, c->cn.request_sha) != 0)
			return (answer_key_reused(r));
		return (answer_contribution(r, account, existing, 200));
	}
	if (store(r, flac, flacn, c->sha) == -1)
		return (0);
	return (1);
}

/*
** First call of create_audio_contribution: the key, campaign and prompt,
** the consent, the recording checked, encoded and stored; then the writer
** job's contribution in ${state}, answered by audio_answer().
*/
static int
audio_build(struct req *r, void *state, void **arg)
{
	struct audio_create *c = state;
	struct audio_limits lim;
	struct campaign camp;
	struct wav_pcm w = { 0 };
	const char *key, *slug, *prompt, *prompt_id;
	int64_t consent, pid;
	int rc;

	if ((rc = req_idempotency_key(r, &key)) != 1 ||
	    (rc = recording_args(r, &slug, &prompt)) != 1)
		return (rc);
	if (audio_arg(r, "prompt_id", &prompt_id) == -1)
		return (bad_arg(r, "prompt_id"));
	if ((rc = req_contribution_target(r, slug, "audio", &camp, &consent)) !=
	    1)
		return (rc);
	if ((rc = req_prompt_by_id(r, prompt_id, camp.id, &pid, &prompt)) !=
	    1) {
		campaign_clear(&camp);
		return (rc);
	}
	c->cn.prompt_id = pid;
	lim.sample_rate = camp.sample_rate;
	lim.min_seconds = camp.min_seconds;
	lim.max_seconds = camp.max_seconds;
	c->cn.campaign_id = camp.id;
	if ((rc = recording_read(r, &lim, &w)) != 1) {
		campaign_clear(&camp);
		return (rc);
	}
	snprintf(c->key, sizeof(c->key), "%s", key);
	/* The prompt kept with it, redacted as the drive says (a drive may
	** keep names). */
	if (prompt != NULL &&
	    req_redact_for(r, &camp, prompt, strlen(prompt), 0, &c->pr) == -1) {
		campaign_clear(&camp);
		wav_pcm_free(&w);
		return (0);
	}
	campaign_clear(&camp);
	rc = recording_store(r, c, slug, &w);
	c->cn.duration = (double)w.nsamples / w.sample_rate;
	c->cn.sample_rate = w.sample_rate;
	wav_pcm_free(&w);
	if (rc != 1)
		return (rc);
	c->cn.account_id = req_session(r)->account_id;
	c->cn.consent_id = consent;
	c->cn.key = c->key;
	c->cn.prompt = c->pr.text;
	c->cn.kind = "audio";
	c->cn.audio_sha256 = c->sha;
	*arg = &c->cn;
	return (1);
}

/* Second call: 201 with the contribution as stored, 200 for a replay the
** writer found. */
static int
audio_answer(struct req *r, void *state)
{
	struct audio_create *c = state;

	return (answer_contribution(r, req_session(r)->account_id, c->cn.id,
	    c->cn.replayed ? 200 : 201));
}

/*
** POST /api/v1/contributions?campaign=SLUG[&prompt=TEXT] with
** Content-Type audio/wav and an Idempotency-Key (routes.c sends WAV
** bodies here). The campaign and prompt may come as X-Campaign and
** X-Prompt headers instead, the key as ?idempotency_key=. 201
** {"contribution"} with "audio"; the same key again 200 with the same
** body; 400 bad_wav / too_short / too_long / silent /
** clipped / wrong_rate / invalid (no key or campaign; a campaign or prompt
** that is not percent-encoded UTF-8, in the query or a header); 403
** consent_required; 404 no campaign; 409 idempotency_mismatch; 413
** too_large (before the body, from Content-Length); 415 unsupported (a
** text campaign, or a WAV format we do not take).
*/
int
create_audio_contribution(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct audio_create),
		.state_free = audio_create_free,
		.build = audio_build,
		.job = contrib_create_job,
		.flags = REQ_JOB_BLOBS | REQ_JOB_KEEPS_CACHE | REQ_JOB_ATOMIC,
		.failed = answer_contribution_failed,
		.answer = audio_answer,
	};

	return (req_write(r, &w));
}

/* Answers blob ${sha} (FLAC) with Range support. */
static int
send_blob(struct req *r, const char *sha, const char *ctype)
{
	struct stat st;
	char path[4096], etag[72];
	int fd;

	if (blob_path(req_node(r)->blobs, sha, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (req_error(
		    r, 404, "not_found", "the recording is no longer held"));
	if (fstat(fd, &st) == -1) {
		close(fd);
		return (-1);
	}
	snprintf(etag, sizeof(etag), "\"%s\"", sha);
	return (req_file(r, fd, (uint64_t)st.st_size, ctype, etag));
}

/*
** GET /api/v1/contributions/{id}/audio: its contributor, a reviewer who
** speaks its campaign's language while it is pending, or a maintainer
** while it is not withdrawn. 200 audio/flac, or 206 for a Range; 404 if
** neither (or not a recording); 416 for a range past the end.
*/
int
send_contribution_audio(struct req *r)
{
	const struct session *s = req_session(r);
	struct err e = { 0 };
	struct db *db;
	char sha[65];
	int64_t id;
	int rc;

	if ((id = req_param_id(r)) == 0)
		return (req_error(
		    r, 404, "not_found", "no such recording of yours"));
	if ((db = req_db(r, &e)) == NULL)
		return (req_fail(r, &e));
	rc = contrib_audio_blob(db, id, s->account_id,
	    role_allows(s->role, ROLE_MAINTAINER)     ? CONTRIB_AUDIO_MAINTAINER
		: role_allows(s->role, ROLE_REVIEWER) ? CONTRIB_AUDIO_REVIEWER
						      : 0,
	    sha, &e);
	if (rc == -1)
		return (req_fail(r, &e));
	if (rc == 0)
		return (req_error(
		    r, 404, "not_found", "no such recording of yours"));
	return (send_blob(r, sha, "audio/flac"));
}

/*
** First call of keep_spoken_consent: the statement read and checked, the
** consent known to be the session's and live, the FLAC stored; the
** writer job's record in ${state}.
*/
static int
spoken_build(struct req *r, void *state, void **arg)
{
	struct consent_spoken *sp = state;
	struct audio_limits lim;
	struct wav_pcm w = { 0 };
	struct err e = { 0 };
	struct db *db = NULL;
	const char *why;
	char msg[256];
	uint8_t md5[16], *flac;
	size_t flacn;
	int rc = 0;

	if (!req_is_wav(r))
		return (req_error(
		    r, 415, "unsupported", "send the statement as audio/wav"));
	if (read_wav(r, &w) == -1)
		return (0);
	lim.sample_rate = w.sample_rate;
	lim.min_seconds = 1;
	lim.max_seconds = SPOKEN_MAX_SECONDS;
	why = audio_check(
	    w.samples, w.nsamples, w.sample_rate, &lim, msg, sizeof(msg));
	if (why != NULL && strcmp(why, "clipped") != 0) {
		wav_pcm_free(&w);
		return (req_error(r, 400, why, "%s", msg));
	}
	/* Checked again when the row is written; checked here so a stranger's
	** id stores nothing. */
	if ((sp->id = req_param_id(r)) == 0 || (db = req_db(r, &e)) == NULL ||
	    (rc = consent_live_of(
		 db, sp->id, req_session(r)->account_id, &e)) != 1) {
		wav_pcm_free(&w);
		if (sp->id != 0 && (db == NULL || rc == -1))
			return (req_fail(r, &e));
		return (req_error(r, 404, "not_found",
		    "no live consent %lld of yours", (long long)sp->id));
	}
	sp->account_id = req_session(r)->account_id;
	sp->duration = (double)w.nsamples / w.sample_rate;
	if ((flac = encode(r, &w, &flacn, md5)) == NULL ||
	    store(r, flac, flacn, sp->sha256) == -1) {
		wav_pcm_free(&w);
		return (0);
	}
	wav_pcm_free(&w);
	return (1);
}

static int
spoken_answer(struct req *r, void *state)
{
	struct consent_spoken *sp = state;

	return (req_json(r, 201,
	    json_pack("{s:{s:s,s:f}}", "spoken", "sha256", sp->sha256,
		"duration", sp->duration)));
}

/*
** POST /api/v1/consents/{id}/spoken (audio/wav): the consent's person,
** while it is live. Keeps a spoken statement of agreement as evidence with
** the consent (FLAC; never released; erased with the account). 1 to
** SPOKEN_MAX_SECONDS seconds at any rate the reader takes, not silent. 201
** {"spoken":{"sha256","duration"}}; 400 bad_wav / too_short / too_long /
** silent; 404 not a live consent of theirs; 413 over SPOKEN_MAX_BYTES; 415
** not a WAV.
*/
int
keep_spoken_consent(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct consent_spoken),
		.build = spoken_build,
		.job = consent_spoken_job,
		.flags = REQ_JOB_BLOBS,
		.answer = spoken_answer,
	};

	return (req_write(r, &w));
}

/*
** GET /api/v1/consent/{slug}/reading?lang=xx[&version=N]: anyone. The
** recorded reading of the document (current version unless named), in
** that language. 200/206 audio/ogg or audio/wav; 404 if there is none.
*/
int
send_consent_reading(struct req *r)
{
	const struct consent_set *set = req_consents(r);
	const char *slug = req_param(r, "slug"), *lang = req_query(r, "lang");
	const char *ver = req_query(r, "version"), *ctype;
	char path[4096];
	struct stat st;
	int v, fd;

	if (lang == NULL)
		lang = "en";
	v = ver ? atoi(ver) : set ? consent_current_version(set, slug) : 0;
	if (!consent_reading_path(req_config(r)->consent_dir, slug, v, lang,
		path, sizeof(path), &ctype))
		return (req_error(r, 404, "not_found",
		    "there is no recorded reading of \"%s\" in \"%s\"",
		    slug ? slug : "", lang));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		if (fd != -1)
			close(fd);
		return (req_error(r, 404, "not_found",
		    "the recorded reading cannot be read"));
	}
	return (req_file(r, fd, (uint64_t)st.st_size, ctype, NULL));
}
