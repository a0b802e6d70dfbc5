/*
** Audio contributions over real HTTP: the built binary is started on a real
** node made with its own CLI (`init`, `campaign import`, `drive-codes`,
** `user add`) and sent WAV files made here, in C, with libcurl; the node's
** SQLite file and blob folder are then read directly (read-only, beside the
** running server) to see what was really kept. Covers the upload (201, the
** stored FLAC decoding to exactly the samples sent, mono, stereo mixed
** down, 24-bit rounded, other chunks dropped), Idempotency-Key replays
** (also eight at once), every refusal (bad_wav, unsupported, too_short,
** too_long, silent, clipped, wrong_rate, consent_required, unknown
** campaign, no key, no session, and too_large answered from the
** Content-Length before a byte of the body is read), playback with Range
** for its contributor and a reviewer (until it is withdrawn), the export
** with the FLAC inside, spoken statements of consent, and the recorded
** reading of a consent document. The servers are started once, before the
** tests fork, so a failing test never leaves one running; each must stop
** cleanly.
*/
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "apitest.h"
#include "audio.h"
#include "consent.h"
#include "crypto.h"
#include "testutil.h"
#include "wav.h"

#define NCARDS 20
#define PIN    "2468"
#define RITA   "rita's reviewer passphrase"
#define NBURST 8
#define RATE   16000
/* The voice campaign's max_bytes: 4096 + ceil(10 s * 16000 Hz) * 8. */
#define MAX_BYTES (4096 + 10 * RATE * 8)
/* A name a recorder left in a LIST/INFO chunk: never to be kept. */
#define SECRET "secret name"

static const char *bin;
static const char *srcdir;
static char *base;
static char maindir[700];    /* the main node's folder */
static char readingdir[700]; /* the node that has a consent reading */
static char consentdir[700]; /* its consent folder, a copy with en.wav */
static int reading_version;  /* the version whose en.wav it has: the current */
static char cards[NCARDS][CARD_CODE_LEN + 1];
static struct tu_server srv;  /* the main node */
static struct tu_server rsrv; /* the node with a recorded reading */

/* Card indices: each test has its own people (a card's first use makes
** its person on the server, which outlives the forked test). */
enum {
	C_UPLOAD,
	C_IDEM,
	C_BURST,
	C_REFUSE,
	C_NOCONSENT,
	C_LARGE,
	C_CONVERT,
	C_PLAY,
	C_PLAY_OTHER,
	C_EXPORT,
	C_SPOKEN,
	C_SPOKEN_REFUSE,
	C_SPOKEN_STRANGER,
	C_SPOKEN_GONE,
	C_WITHDRAWN_CONSENT,
	C_ERASE,
	C_ERASE_CLI,
	C_HEADERS,
	C_BADPROMPT,
	C_RECHECK,
};

/* --- HTTP --- */

/*
** ${method} ${path} on ${s}; ${w} gives the session cookie and, with
** ${csrf}, the X-CSRF-Token header (${w} may be NULL); ${key} is the
** Idempotency-Key, ${ctype} the Content-Type and ${extra} one more header
** ("Name: value"), each may be NULL; ${body} is ${n} bytes (may be NULL).
** Returns the status.
*/
static long
send_req(const struct tu_server *s, const char *method, const char *path,
    const struct who *w, int csrf, const char *key, const char *ctype,
    const char *extra, const void *body, size_t n, struct tu_resp *out)
{
	struct tu_req q = { w, csrf, key, ctype, extra, body, n };

	return (tu_request(s, method, path, &q, out));
}

/* As ${w} on the main node, with cookie and CSRF token; ${body} is JSON
** (may be NULL). */
static long
as(const struct who *w, const char *method, const char *path, const char *body,
    struct tu_resp *out)
{
	return (send_req(&srv, method, path, w, 1, NULL,
	    body ? "application/json" : NULL, NULL, body,
	    body ? strlen(body) : 0, out));
}

/* GET ${path} on ${s} as ${w} (may be NULL) with the header ${extra} (may
** be NULL, e.g. a Range). */
static long
get(const struct tu_server *s, const struct who *w, const char *path,
    const char *extra, struct tu_resp *out)
{
	return (
	    send_req(s, "GET", path, w, 0, NULL, NULL, extra, NULL, 0, out));
}

/* The first use of drive card ${i}: a new person, logged in. */
static void
card_person(int i, struct who *w)
{
	struct tu_resp r;
	char body[256];

	snprintf(body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}",
	    cards[i]);
	send_req(&srv, "POST", "/api/v1/login", NULL, 0, NULL,
	    "application/json", NULL, body, strlen(body), &r);
	ck_assert_msg(r.status == 201, "first use of card %s: %ld %.300s",
	    cards[i], r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
}

/* The reviewer "rita", logged in with her passphrase. */
static void
reviewer(struct who *w)
{
	static const char body[] =
	    "{\"handle\":\"rita\",\"passphrase\":\"" RITA "\"}";
	struct tu_resp r;

	send_req(&srv, "POST", "/api/v1/login", NULL, 0, NULL,
	    "application/json", NULL, body, strlen(body), &r);
	ck_assert_msg(
	    r.status == 200, "rita's login: %ld %.300s", r.status, r.body);
	take_session(&r, w);
	tu_resp_free(&r);
	ck_assert_str_eq(w->role, "reviewer");
}

/* Sets the languages rita reviews in, with the command beside the
** running server. */
static void
rita_languages(const char *langs)
{
	char out[4096];
	char *argv[] = { (char *)bin, "user", "languages", "--data", maindir,
		"rita", (char *)langs, NULL };

	ck_assert_msg(tu_run_quiet(argv, out, sizeof(out)) == 0,
	    "user languages: %s", out);
}

/* ${w} consents to ${campaign} for ${scopes} (a JSON array) on the current
** English general document; the consent's id. */
static long long
consent(const struct who *w, const char *campaign, const char *scopes)
{
	struct tu_resp r;
	char body[512];
	long long id;
	json_t *j;

	ck_assert_int_eq(
	    get(&srv, NULL, "/api/v1/consent/general?lang=en", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_uint_eq(strlen(jstr(j, "sha256")), 64);
	snprintf(body, sizeof(body),
	    "{\"campaign\":\"%s\",\"document\":\"%s\",\"scopes\":%s,"
	    "\"age_confirmed\":true}",
	    campaign, jstr(j, "sha256"), scopes);
	json_decref(j);
	tu_resp_free(&r);
	as(w, "POST", "/api/v1/consents", body, &r);
	ck_assert_msg(r.status == 201, "consent to %s: %ld %.300s", campaign,
	    r.status, r.body);
	j = jbody(&r);
	id = jint(json_object_get(j, "consent"), "id");
	ck_assert_int_gt(id, 0);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

static long long
consent_voice(const struct who *w)
{
	return (consent(w, "voice", "[\"publish_voice\"]"));
}

/* POST /api/v1/contributions?campaign=${campaign}[&prompt=${prompt}] as
** ${w} with ${key} (may be NULL) and the ${n} bytes of ${wav}. */
static long
upload(const struct who *w, const char *key, const char *campaign,
    const char *prompt, const void *wav, size_t n, struct tu_resp *r)
{
	char path[4096];
	char *esc = NULL;
	CURL *c;

	if (prompt != NULL) {
		c = curl_easy_init();
		ck_assert_ptr_nonnull(c);
		esc = curl_easy_escape(c, prompt, 0);
		curl_easy_cleanup(c);
		ck_assert_ptr_nonnull(esc);
	}
	if (campaign != NULL)
		snprintf(path, sizeof(path),
		    "/api/v1/contributions?campaign=%s%s%s", campaign,
		    esc ? "&prompt=" : "", esc ? esc : "");
	else
		snprintf(path, sizeof(path), "/api/v1/contributions");
	curl_free(esc);
	return (send_req(
	    &srv, "POST", path, w, 1, key, "audio/wav", NULL, wav, n, r));
}

/*
** A new recording of ${wav} (${n} bytes) to "voice" by ${w} with ${key};
** checks the answer is a pending audio contribution of ${seconds} at the
** campaign's rate, copies its SHA-256 to ${sha} and returns its id.
*/
static long long
upload_ok(const struct who *w, const char *key, const void *wav, size_t n,
    double seconds, char sha[65])
{
	struct tu_resp r;
	char url[128];
	long long id;
	json_t *j, *c, *a;

	upload(w, key, "voice", NULL, wav, n, &r);
	ck_assert_msg(
	    r.status == 201, "upload %s: %ld %.300s", key, r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	ck_assert_msg(json_is_object(c), "no contribution: %.300s", r.body);
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_str_eq(jstr(c, "kind"), "audio");
	ck_assert_str_eq(jstr(c, "campaign"), "voice");
	a = json_object_get(c, "audio");
	ck_assert_msg(json_is_object(a), "no audio: %.300s", r.body);
	ck_assert_uint_eq(strlen(jstr(a, "sha256")), 64);
	snprintf(sha, 65, "%s", jstr(a, "sha256"));
	ck_assert_msg(fabs(json_number_value(json_object_get(a, "duration")) -
			  seconds) < 1e-9,
	    "duration %f, want %f",
	    json_number_value(json_object_get(a, "duration")), seconds);
	ck_assert_int_eq(jint(a, "sample_rate"), RATE);
	snprintf(url, sizeof(url), "/api/v1/contributions/%lld/audio", id);
	ck_assert_str_eq(jstr(a, "url"), url);
	json_decref(j);
	tu_resp_free(&r);
	return (id);
}

/* --- test audio --- */

/* The next value of the xorshift generator at ${x}. */
static uint32_t
xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

/*
** Fills ${s} with ${n} samples at ${rate} that pass every check: a sine
** sweep from 200 to 800 Hz (amplitude 6000) plus pseudo-random noise (up
** to 2000) from ${seed}, so two seeds give two recordings. Can't fail.
*/
static void
voice_fill(int16_t *s, size_t n, int rate, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	double phase = 0, f;
	size_t i;

	for (i = 0; i < n; i++) {
		f = 200 + 600.0 * (double)i / (double)n;
		phase += 2 * M_PI * f / rate;
		s[i] = (int16_t)(6000 * sin(phase) +
		    (int)(xorshift(&x) % 4001) - 2000);
	}
}

/* voice_fill() into a new buffer; malloc'd. */
static int16_t *
voice(size_t n, int rate, uint32_t seed)
{
	int16_t *s = malloc(n * sizeof(*s) + 1);

	ck_assert_ptr_nonnull(s);
	voice_fill(s, n, rate, seed);
	return (s);
}

/* The canonical WAV of ${n} samples ${s} at ${rate}; malloc'd. */
static uint8_t *
wav16(const int16_t *s, size_t n, int rate, size_t *len)
{
	uint8_t *w = wav_write_mono16(s, n, rate, len);

	ck_assert_ptr_nonnull(w);
	return (w);
}

/* ${seconds} of voice() at ${rate} as a WAV; malloc'd. */
static uint8_t *
voice_wav(double seconds, int rate, uint32_t seed, size_t *len)
{
	size_t n = (size_t)lround(seconds * rate);
	int16_t *s = voice(n, rate, seed);
	uint8_t *w = wav16(s, n, rate, len);

	free(s);
	return (w);
}

static void
le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
le24(uint8_t *p, int32_t v)
{
	uint32_t u = (uint32_t)v;

	p[0] = u & 0xff;
	p[1] = (u >> 8) & 0xff;
	p[2] = (u >> 16) & 0xff;
}

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/*
** A WAV file built by hand: a fmt chunk of format ${tag} (1 PCM, or 0xFFFE
** WAVE_FORMAT_EXTENSIBLE over PCM) with ${ch} channels of ${bits} bits at
** ${rate}, then the ${extran} bytes of ${extra} (whole chunks, may be
** NULL), then a data chunk of the ${datan} bytes of ${data}. malloc'd,
** its size in ${len}.
*/
static uint8_t *
wav_build(unsigned tag, unsigned ch, unsigned bits, int rate, const void *extra,
    size_t extran, const void *data, size_t datan, size_t *len)
{
	static const uint8_t pcm_guid[16] = { 0x01, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B,
		0x71 };
	size_t fmtn = tag == 0xFFFE ? 40 : 16;
	size_t total = 12 + 8 + fmtn + extran + 8 + datan + (datan & 1);
	unsigned align = ch * (bits / 8);
	uint8_t *b = calloc(1, total), *p;

	ck_assert_ptr_nonnull(b);
	memcpy(b, "RIFF", 4);
	le32(b + 4, (uint32_t)(total - 8));
	memcpy(b + 8, "WAVEfmt ", 8);
	le32(b + 16, (uint32_t)fmtn);
	p = b + 20;
	le16(p, (uint16_t)tag);
	le16(p + 2, (uint16_t)ch);
	le32(p + 4, (uint32_t)rate);
	le32(p + 8, (uint32_t)rate * align);
	le16(p + 12, (uint16_t)align);
	le16(p + 14, (uint16_t)bits);
	if (tag == 0xFFFE) {
		le16(p + 16, 22);                  /* cbSize */
		le16(p + 18, (uint16_t)bits);      /* valid bits */
		le32(p + 20, ch == 2 ? 0x3 : 0x4); /* channel mask */
		memcpy(p + 24, pcm_guid, sizeof(pcm_guid));
	}
	p += fmtn;
	if (extran > 0) {
		memcpy(p, extra, extran);
		p += extran;
	}
	memcpy(p, "data", 4);
	le32(p + 4, (uint32_t)datan);
	if (datan > 0)
		memcpy(p + 8, data, datan);
	*len = total;
	return (b);
}

/* A LIST/INFO chunk naming the speaker: what a recorder might add. */
static const uint8_t list_info[] = "LIST\x18\x00\x00\x00"
				   "INFO"
				   "INAM\x0c\x00\x00\x00" SECRET;

/* --- the node's files, read beside the running server --- */

/* The first column of the one row ${sql} answers on the main node (see
** tu_db_get()). */
static long long
db_get(const char *sql, long long a, const char *s, char *txt, size_t txtn)
{
	return (tu_db_get(maindir, sql, a, s, txt, txtn));
}

static long long
db_int(const char *sql, long long a, const char *s)
{
	return (db_get(sql, a, s, NULL, 0));
}

/* ${w}'s contributions in the table. */
static long long
rows_of(const struct who *w)
{
	return (
	    db_int("SELECT count(*) FROM contributions WHERE account_id = ?1",
		w->id, NULL));
}

/* The lowercase hex SHA-256 of ${p}..${p}+${n}. */
static void
sha_hex(const void *p, size_t n, char out[65])
{
	uint8_t sum[SHA256_LEN];

	ck_assert_int_eq(sha256_digest(p, n, sum), 0);
	hex_encode(sum, SHA256_LEN, out);
}

/* The bytes of the main node's blob ${sha} (malloc'd, size in ${n}); the
** test fails if there is no such file or its bytes do not hash to
** ${sha}. */
static uint8_t *
blob(const char *sha, size_t *n)
{
	char path[800], got[65];
	uint8_t *b;

	ck_assert_uint_eq(strlen(sha), 64);
	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", maindir, sha, sha + 2);
	b = tu_slurp(path, n);
	sha_hex(b, *n, got);
	ck_assert_msg(strcmp(got, sha) == 0,
	    "blob %s holds bytes hashing to %s", sha, got);
	return (b);
}

/* Decodes blob ${sha} and checks it is exactly the ${n} samples ${want}
** at ${rate}. */
static void
expect_blob_samples(const char *sha, const int16_t *want, size_t n, int rate)
{
	struct err e = { 0 };
	int16_t *got;
	uint8_t *b;
	size_t bn, gn, i;
	int grate = 0;

	b = blob(sha, &bn);
	ck_assert_msg(bn > 4 && memcmp(b, "fLaC", 4) == 0,
	    "blob %s is not a FLAC stream", sha);
	got = audio_flac_decode(b, bn, &gn, &grate, &e);
	ck_assert_msg(got != NULL, "blob %s does not decode: %s", sha, e.msg);
	ck_assert_int_eq(grate, rate);
	ck_assert_uint_eq(gn, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(got[i] == want[i],
		    "blob %s: sample %zu is %d, want %d", sha, i, got[i],
		    want[i]);
	free(got);
	free(b);
}

/* Blob files in the main node's store (two-hex-digit folders). */
static long
blob_count(void)
{
	char path[800], sub[1100];
	struct dirent *de, *fe;
	DIR *d, *s;
	long n = 0;

	snprintf(path, sizeof(path), "%s/blobs", maindir);
	if ((d = opendir(path)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 2 ||
		    strspn(de->d_name, "0123456789abcdef") != 2)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if ((s = opendir(sub)) == NULL)
			continue;
		while ((fe = readdir(s)) != NULL)
			n += strlen(fe->d_name) == 62;
		closedir(s);
	}
	closedir(d);
	return (n);
}

/* Base64 ${s} decoded, malloc'd, size in ${n}. */
static uint8_t *
unbase64(const char *s, size_t *n)
{
	size_t len = strlen(s);
	uint8_t *b = malloc(len + 1);

	ck_assert_ptr_nonnull(b);
	ck_assert_msg(sodium_base642bin(b, len + 1, s, len, NULL, n, NULL,
			  sodium_base64_VARIANT_ORIGINAL) == 0,
	    "not base64: %.60s...", s);
	return (b);
}

/* --- the campaign --- */

START_TEST(test_campaign_listing)
{
	struct tu_resp r;
	json_t *j, *c, *v = NULL;
	size_t i;

	ck_assert_int_eq(get(&srv, NULL, "/api/v1/campaigns", NULL, &r), 200);
	j = jbody(&r);
	json_array_foreach(json_object_get(j, "campaigns"), i, c)
	{
		if (strcmp(jstr(c, "slug"), "voice") == 0)
			v = c;
	}
	ck_assert_msg(v != NULL, "no voice campaign: %.300s", r.body);
	ck_assert_str_eq(jstr(v, "kind"), "audio");
	ck_assert_int_eq(jint(v, "sample_rate"), RATE);
	ck_assert(json_number_value(json_object_get(v, "min_seconds")) == 1);
	ck_assert(json_number_value(json_object_get(v, "max_seconds")) == 10);
	ck_assert_int_eq(jint(v, "max_bytes"), MAX_BYTES);
	ck_assert_ptr_null(json_object_get(v, "max_chars"));
	json_decref(j);
	tu_resp_free(&r);
}
END_TEST

/* --- the upload --- */

START_TEST(test_upload)
{
	static const char prompt[] =
	    "Read aloud: write to ama.owusu@example.com & smile";
	struct tu_resp r;
	struct who w;
	char sha[65], stored[65], url[128];
	int16_t *s;
	uint8_t *wav;
	size_t n, len;
	long long cid, id, blobs;
	json_t *j, *c, *a, *list;

	card_person(C_UPLOAD, &w);
	cid = consent_voice(&w);
	n = 3 * RATE;
	s = voice(n, RATE, 1);
	wav = wav16(s, n, RATE, &len);
	blobs = blob_count();

	upload(&w, "up-1", "voice", prompt, wav, len, &r);
	ck_assert_msg(r.status == 201, "upload: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	id = jint(c, "id");
	ck_assert_int_gt(id, 0);
	ck_assert_str_eq(jstr(c, "status"), "pending");
	ck_assert_str_eq(jstr(c, "kind"), "audio");
	ck_assert_str_eq(jstr(c, "campaign"), "voice");
	ck_assert(json_is_null(json_object_get(c, "text")));
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	/* The prompt, URL-decoded and redacted like any text. */
	ck_assert_str_eq(
	    jstr(c, "prompt"), "Read aloud: write to [EMAIL] & smile");
	a = json_object_get(c, "audio");
	ck_assert_msg(json_is_object(a), "no audio: %.300s", r.body);
	snprintf(sha, sizeof(sha), "%s", jstr(a, "sha256"));
	ck_assert_uint_eq(strlen(sha), 64);
	ck_assert(json_number_value(json_object_get(a, "duration")) == 3.0);
	ck_assert_int_eq(jint(a, "sample_rate"), RATE);
	snprintf(url, sizeof(url), "/api/v1/contributions/%lld/audio", id);
	ck_assert_str_eq(jstr(a, "url"), url);
	json_decref(j);
	tu_resp_free(&r);

	/* One row, under the consent just given, one revision with the
	** recording's hash, length and rate, and no text. */
	ck_assert_int_eq(rows_of(&w), 1);
	ck_assert_int_eq(
	    db_int(
		"SELECT consent_id FROM contributions WHERE id = ?1", id, NULL),
	    cid);
	db_get("SELECT audio_sha256 FROM contribution_revisions WHERE "
	       "contribution_id = ?1 AND revision = 1",
	    id, NULL, stored, sizeof(stored));
	ck_assert_str_eq(stored, sha);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contribution_revisions "
				"WHERE contribution_id = ?1 AND kind = 'audio' "
				"AND duration = 3.0 AND sample_rate = 16000 "
				"AND text IS NULL",
			     id, NULL),
	    1);
	/* One new blob: the FLAC of exactly the samples sent. */
	ck_assert_int_eq(blob_count(), blobs + 1);
	expect_blob_samples(sha, s, n, RATE);

	/* The list shows it the same way. */
	ck_assert_int_eq(
	    as(&w, "GET", "/api/v1/me/contributions", NULL, &r), 200);
	j = jbody(&r);
	list = json_object_get(j, "contributions");
	ck_assert_uint_eq(json_array_size(list), 1);
	c = json_array_get(list, 0);
	ck_assert_int_eq(jint(c, "id"), id);
	ck_assert_str_eq(jstr(json_object_get(c, "audio"), "sha256"), sha);
	ck_assert_str_eq(jstr(json_object_get(c, "audio"), "url"), url);
	json_decref(j);
	tu_resp_free(&r);
	/* The address in the prompt was never written. */
	ck_assert_int_eq(db_int("SELECT count(*) FROM contribution_revisions "
				"WHERE instr(prompt, ?2) > 0",
			     0, "owusu"),
	    0);
	free(wav);
	free(s);
}
END_TEST

/* --- idempotency --- */

START_TEST(test_idempotency)
{
	static const char text[] =
	    "{\"campaign\":\"demo-text\",\"text\":\"A key of mine.\"}";
	struct tu_resp first, again, r;
	struct who w;
	uint8_t *wav, *other;
	size_t len, olen;
	long long blobs;

	card_person(C_IDEM, &w);
	consent_voice(&w);
	wav = voice_wav(2, RATE, 2, &len);
	other = voice_wav(2, RATE, 3, &olen);
	upload(&w, "idem-a", "voice", NULL, wav, len, &first);
	ck_assert_msg(
	    first.status == 201, "first: %ld %.300s", first.status, first.body);
	blobs = blob_count();
	upload(&w, "idem-a", "voice", NULL, wav, len, &again);
	ck_assert_msg(again.status == 200, "replay: %ld %.300s", again.status,
	    again.body);
	ck_assert_msg(
	    first.n == again.n && memcmp(first.body, again.body, first.n) == 0,
	    "the replay answered differently:\n%s\n%s", first.body, again.body);
	ck_assert_int_eq(rows_of(&w), 1);

	/* The key with another recording; with the same recording and
	** another prompt. */
	upload(&w, "idem-a", "voice", NULL, other, olen, &r);
	expect_error(&r, 409, "idempotency_mismatch", "same key, other WAV");
	tu_resp_free(&r);
	upload(&w, "idem-a", "voice", "Another prompt", wav, len, &r);
	expect_error(&r, 409, "idempotency_mismatch", "same key, other prompt");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
	/* Neither replay nor refusal stored a file. */
	ck_assert_int_eq(blob_count(), blobs);
	/* The first request still replays. */
	upload(&w, "idem-a", "voice", NULL, wav, len, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(r.n == first.n && memcmp(r.body, first.body, r.n) == 0);
	tu_resp_free(&r);
	/* A key first used for a text contribution. */
	consent(&w, "demo-text", "[\"publish_text\"]");
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "idem-t",
	    "application/json", NULL, text, strlen(text), &r);
	ck_assert_msg(r.status == 201, "text: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	upload(&w, "idem-t", "voice", NULL, wav, len, &r);
	expect_error(&r, 409, "idempotency_mismatch", "a text key for a WAV");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 2);
	/* A new key for the other recording: another contribution. */
	upload(&w, "idem-b", "voice", NULL, other, olen, &r);
	ck_assert_msg(r.status == 201, "new key: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 3);
	tu_resp_free(&first);
	tu_resp_free(&again);
	free(wav);
	free(other);
}
END_TEST

/* Uploads sent at once with one key: one recording, or two. */
START_TEST(test_idempotency_concurrent)
{
	struct tu_burst req = { 0 };
	struct who w;
	uint8_t *wav, *other;
	size_t len, olen;
	char url[160];

	snprintf(url, sizeof(url), "%s/api/v1/contributions?campaign=voice",
	    srv.base);
	card_person(C_BURST, &w);
	consent_voice(&w);
	wav = voice_wav(3, RATE, 4, &len);
	req.url = url;
	req.ctype = "audio/wav";
	req.w = &w;
	req.body = wav;
	req.len = len;
	snprintf(req.key, sizeof(req.key), "burst-1");
	tu_burst_one_key(&req, NULL, 0, NBURST);
	ck_assert_int_eq(rows_of(&w), 1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contribution_revisions r "
				"JOIN contributions c ON c.id = "
				"r.contribution_id WHERE c.account_id = ?1",
			     w.id, NULL),
	    1);

	/* One key, two recordings at once: one wins, its twins replay it,
	** every other is refused. */
	other = voice_wav(3, RATE, 40, &olen);
	snprintf(req.key, sizeof(req.key), "burst-2");
	tu_burst_one_key(&req, other, olen, NBURST);
	ck_assert_int_eq(rows_of(&w), 2);
	free(other);
	free(wav);
}
END_TEST

/* --- refusals --- */

START_TEST(test_refusals)
{
	struct tu_resp r;
	struct who w, none;
	uint8_t *good, *wav, data[3 * RATE];
	int16_t *s;
	size_t glen, len, n, i;
	long blobs;

	card_person(C_REFUSE, &w);
	consent_voice(&w);
	consent(&w, "demo-text", "[\"publish_text\"]");
	good = voice_wav(2, RATE, 5, &glen);
	blobs = blob_count();

	/* Not a WAV file; a WAV cut off half way (its sizes say more). */
	upload(&w, "r-json", "voice", NULL, "{\"text\":\"hi\"}", 13, &r);
	expect_error(&r, 400, "bad_wav", "JSON sent as audio/wav");
	tu_resp_free(&r);
	upload(&w, "r-cut", "voice", NULL, good, glen / 2, &r);
	expect_error(&r, 400, "bad_wav", "a truncated WAV");
	tu_resp_free(&r);
	upload(&w, "r-tiny", "voice", NULL, good, 20, &r);
	expect_error(&r, 400, "bad_wav", "a WAV cut inside its header");
	tu_resp_free(&r);
	/* A well-formed 8-bit WAV: a format we do not take. */
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(128 + 60 * sin((double)i / 5));
	wav = wav_build(1, 1, 8, RATE, NULL, 0, data, sizeof(data), &len);
	upload(&w, "r-8bit", "voice", NULL, wav, len, &r);
	expect_error(&r, 415, "unsupported", "an 8-bit WAV");
	tu_resp_free(&r);
	free(wav);
	/* A WAV to a campaign that collects text. */
	upload(&w, "r-text", "demo-text", NULL, good, glen, &r);
	expect_error(&r, 415, "unsupported", "a WAV to a text campaign");
	tu_resp_free(&r);
	/* Another audio type: named as such, not read as JSON. */
	send_req(&srv, "POST", "/api/v1/contributions?campaign=voice", &w, 1,
	    "r-ogg", "audio/ogg", NULL, good, glen, &r);
	expect_error(&r, 415, "unsupported", "audio/ogg");
	expect_message(&r, "audio/wav");
	tu_resp_free(&r);

	/* Too short (0.5 s, the minimum is 1), too long (10.5 s, the
	** maximum is 10). */
	wav = voice_wav(0.5, RATE, 6, &len);
	upload(&w, "r-short", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "too_short", "half a second");
	tu_resp_free(&r);
	free(wav);
	wav = voice_wav(10.5, RATE, 7, &len);
	upload(&w, "r-long", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "too_long", "ten and a half seconds");
	tu_resp_free(&r);
	free(wav);
	/* Silence; near-silence (RMS about 70); a square wave at full
	** scale. */
	n = 2 * RATE;
	s = calloc(n, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	wav = wav16(s, n, RATE, &len);
	upload(&w, "r-silent", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "silent", "zeros");
	tu_resp_free(&r);
	free(wav);
	for (i = 0; i < n; i++)
		s[i] = (int16_t)(i % 2 ? 70 : -70);
	wav = wav16(s, n, RATE, &len);
	upload(&w, "r-quiet", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "silent", "RMS 70");
	tu_resp_free(&r);
	free(wav);
	for (i = 0; i < n; i++)
		s[i] = (int16_t)((i / 40) % 2 ? 32767 : -32767);
	wav = wav16(s, n, RATE, &len);
	upload(&w, "r-clip", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "clipped", "a square wave at full scale");
	tu_resp_free(&r);
	free(wav);
	free(s);
	/* 8 kHz to a 16 kHz campaign. */
	wav = voice_wav(2, 8000, 8, &len);
	upload(&w, "r-rate", "voice", NULL, wav, len, &r);
	expect_error(&r, 400, "wrong_rate", "8 kHz");
	expect_message(&r, "16000");
	tu_resp_free(&r);
	free(wav);

	/* No such campaign; no campaign named; no key; no session; no
	** CSRF token. */
	upload(&w, "r-nocamp", "no-such-voice", NULL, good, glen, &r);
	expect_error(&r, 404, "not_found", "an unknown campaign");
	tu_resp_free(&r);
	upload(&w, "r-noq", NULL, NULL, good, glen, &r);
	expect_error(&r, 400, "invalid", "no ?campaign");
	tu_resp_free(&r);
	upload(&w, NULL, "voice", NULL, good, glen, &r);
	expect_error(&r, 400, "invalid", "no Idempotency-Key");
	expect_message(&r, "Idempotency-Key");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions?campaign=voice", NULL, 0,
	    "r-anon", "audio/wav", NULL, good, glen, &r);
	expect_error(&r, 401, "login_required", "no session");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/contributions?campaign=voice", &w, 0,
	    "r-csrf", "audio/wav", NULL, good, glen, &r);
	expect_error(&r, 403, "csrf", "no X-CSRF-Token");
	tu_resp_free(&r);

	/* No consent. */
	card_person(C_NOCONSENT, &none);
	upload(&none, "r-consent", "voice", NULL, good, glen, &r);
	expect_error(&r, 403, "consent_required", "no consent");
	expect_message(&r, "voice");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&none), 0);

	/* Nothing was kept: no row, no file. */
	ck_assert_int_eq(rows_of(&w), 0);
	ck_assert_int_eq(blob_count(), blobs);
	/* And the good one, after all that, is taken. */
	upload(&w, "r-good", "voice", NULL, good, glen, &r);
	ck_assert_msg(r.status == 201, "good: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
	ck_assert_int_eq(blob_count(), blobs + 1);
	free(good);
}
END_TEST

/* --- too large, answered before the body --- */

/*
** Sends ${head} (a request line and headers, and no body whatever its
** Content-Length says) to ${s} on a plain socket and reads the answer (its
** headers and the body its own Content-Length announces) into ${out}
** (${outsz} bytes, NUL-ended). Gives up after 10 seconds. Returns the
** status, or -1 if no whole answer came in that time.
*/
static long
head_only(const struct tu_server *s, const char *head, char *out, size_t outsz)
{
	struct sockaddr_in sa;
	struct pollfd pfd;
	struct timespec t0, t;
	size_t used = 0, off, want;
	const char *p, *end;
	ssize_t k;
	long ms, status = -1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	    "connect: %s", strerror(errno));
	for (off = 0; off < strlen(head); off += (size_t)k) {
		k = write(fd, head + off, strlen(head) - off);
		ck_assert_msg(k > 0, "write: %s", strerror(errno));
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out[0] = '\0';
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = 10000 -
		    ((t.tv_sec - t0.tv_sec) * 1000 +
			(t.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0 || used + 1 >= outsz)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)ms) <= 0)
			break;
		if ((k = read(fd, out + used, outsz - used - 1)) <= 0)
			break;
		used += (size_t)k;
		out[used] = '\0';
		if ((end = strstr(out, "\r\n\r\n")) == NULL)
			continue;
		if ((p = strcasestr(out, "\r\ncontent-length:")) == NULL ||
		    p > end)
			want = 0;
		else
			want = strtoul(p + 17, NULL, 10);
		if (used >= (size_t)(end + 4 - out) + want) {
			status = strtol(out + 9, NULL, 10);
			break;
		}
	}
	close(fd);
	return (strncmp(out, "HTTP/1.", 7) == 0 ? status : -1);
}

START_TEST(test_too_large)
{
	char head[1024], out[4096];
	struct tu_resp r;
	struct who w;
	uint8_t *junk, *wav, *data;
	int16_t *s;
	size_t n, len, jn, i;
	long long rows;

	card_person(C_LARGE, &w);
	consent_voice(&w);
	/* 100 MB announced, none sent: the answer must come at once. */
	snprintf(head, sizeof(head),
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Cookie: tributary_session=%s\r\n"
	    "X-CSRF-Token: %s\r\n"
	    "Idempotency-Key: big-1\r\n"
	    "Content-Length: 100000000\r\n\r\n",
	    srv.port, w.token, w.csrf);
	ck_assert_msg(head_only(&srv, head, out, sizeof(out)) == 413,
	    "100 MB announced: no 413 without the body: \"%s\"", out);
	ck_assert_msg(strstr(out, "\"too_large\"") != NULL,
	    "no too_large code: \"%s\"", out);
	/* One byte over the campaign's max_bytes is too much already. */
	snprintf(head, sizeof(head),
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Cookie: tributary_session=%s\r\n"
	    "X-CSRF-Token: %s\r\n"
	    "Idempotency-Key: big-2\r\n"
	    "Content-Length: %d\r\n\r\n",
	    srv.port, w.token, w.csrf, MAX_BYTES + 1);
	ck_assert_msg(head_only(&srv, head, out, sizeof(out)) == 413,
	    "max_bytes + 1 announced: \"%s\"", out);
	ck_assert_msg(strstr(out, "\"too_large\"") != NULL,
	    "no too_large code: \"%s\"", out);
	/* Within max_bytes but from a stranger, or without the CSRF token:
	** refused before the body too, so nobody unknown makes the node
	** hold a recording's worth of memory. */
	snprintf(head, sizeof(head),
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Idempotency-Key: big-3\r\n"
	    "Content-Length: %d\r\n\r\n",
	    srv.port, MAX_BYTES - 10);
	ck_assert_msg(head_only(&srv, head, out, sizeof(out)) == 401,
	    "no session, body announced: \"%s\"", out);
	snprintf(head, sizeof(head),
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Cookie: tributary_session=%s\r\n"
	    "Idempotency-Key: big-4\r\n"
	    "Content-Length: %d\r\n\r\n",
	    srv.port, w.token, MAX_BYTES - 10);
	ck_assert_msg(head_only(&srv, head, out, sizeof(out)) == 403,
	    "no CSRF token, body announced: \"%s\"", out);
	ck_assert_msg(strstr(out, "\"csrf\"") != NULL, "not csrf: \"%s\"", out);
	ck_assert_int_eq(rows_of(&w), 0);

	/* Exactly max_bytes: ten seconds, padded with a chunk to the limit,
	** is taken (and the padding is not kept). */
	n = 10 * RATE;
	s = voice(n, RATE, 9);
	jn = MAX_BYTES - (44 + n * 2) - 8;
	junk = calloc(1, 8 + jn);
	ck_assert_ptr_nonnull(junk);
	memcpy(junk, "junk", 4);
	le32(junk + 4, (uint32_t)jn);
	data = malloc(n * 2);
	ck_assert_ptr_nonnull(data);
	for (i = 0; i < n; i++)
		le16(data + 2 * i, (uint16_t)s[i]);
	wav = wav_build(1, 1, 16, RATE, junk, 8 + jn, data, n * 2, &len);
	free(data);
	ck_assert_uint_eq(len, MAX_BYTES);
	rows = rows_of(&w);
	upload(&w, "big-3", "voice", NULL, wav, len, &r);
	ck_assert_msg(
	    r.status == 201, "exactly max_bytes: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), rows + 1);
	free(wav);
	free(junk);
	free(s);
}
END_TEST

/* --- what is kept of other formats --- */

START_TEST(test_conversion)
{
	char sha[65], path[800];
	struct who w;
	int16_t *l, *rr, *want;
	int32_t *v24;
	uint8_t *data, *wav;
	size_t n = 2 * RATE, i, len;
	uint32_t x = 12345;

	card_person(C_CONVERT, &w);
	consent_voice(&w);
	l = voice(n, RATE, 10);
	rr = voice(n, RATE, 11);
	want = malloc(n * sizeof(*want));
	data = malloc(n * 6);
	v24 = malloc(n * 2 * sizeof(*v24));
	ck_assert(want && data && v24);

	/* Stereo 16-bit with a LIST/INFO chunk naming the speaker: kept as
	** the mean of the two, rounded down, and without the chunk. */
	for (i = 0; i < n; i++) {
		le16(data + 4 * i, (uint16_t)l[i]);
		le16(data + 4 * i + 2, (uint16_t)rr[i]);
		want[i] = (int16_t)((l[i] + rr[i]) >> 1);
	}
	wav = wav_build(
	    1, 2, 16, RATE, list_info, sizeof(list_info), data, n * 4, &len);
	ck_assert(memmem(wav, len, SECRET, strlen(SECRET)) != NULL);
	upload_ok(&w, "conv-stereo", wav, len, 2.0, sha);
	free(wav);
	expect_blob_samples(sha, want, n, RATE);
	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", maindir, sha, sha + 2);
	ck_assert_int_eq(tu_file_has(path, SECRET), 0);
	snprintf(path, sizeof(path), "%s/node.db", maindir);
	ck_assert_int_eq(tu_file_has(path, SECRET), 0);
	snprintf(path, sizeof(path), "%s/node.db-wal", maindir);
	ck_assert_int_ne(tu_file_has(path, SECRET), 1);

	/* Mono 24-bit: the top 16 bits, rounded half up, (v + 128) >> 8; the
	** low byte is noise, so about half the samples round up (truncation
	** would keep l[i] for all). */
	for (i = 0; i < n; i++) {
		v24[i] = l[i] * 256 + (int32_t)(xorshift(&x) % 256);
		le24(data + 3 * i, v24[i]);
		want[i] = (int16_t)((v24[i] + 128) >> 8);
	}
	wav = wav_build(1, 1, 24, RATE, NULL, 0, data, n * 3, &len);
	upload_ok(&w, "conv-24", wav, len, 2.0, sha);
	free(wav);
	expect_blob_samples(sha, want, n, RATE);

	/* Stereo 24-bit in WAVE_FORMAT_EXTENSIBLE: rounded, then mixed. */
	for (i = 0; i < n; i++) {
		int32_t a = l[i] * 256 + (int32_t)(xorshift(&x) % 256);
		int32_t b = rr[i] * 256 + (int32_t)(xorshift(&x) % 256);

		le24(data + 6 * i, a);
		le24(data + 6 * i + 3, b);
		want[i] = (int16_t)((((a + 128) >> 8) + ((b + 128) >> 8)) >> 1);
	}
	wav = wav_build(0xFFFE, 2, 24, RATE, NULL, 0, data, n * 6, &len);
	upload_ok(&w, "conv-ext", wav, len, 2.0, sha);
	free(wav);
	expect_blob_samples(sha, want, n, RATE);

	/* Mono 32-bit integer: (v + 32768) >> 16. */
	for (i = 0; i < n; i++) {
		int32_t v = l[i] * 65536 + (int32_t)(xorshift(&x) % 65536);

		le32(data + 4 * i, (uint32_t)v);
		want[i] = (int16_t)(((int64_t)v + 32768) >> 16);
	}
	wav = wav_build(1, 1, 32, RATE, NULL, 0, data, n * 4, &len);
	upload_ok(&w, "conv-32", wav, len, 2.0, sha);
	free(wav);
	expect_blob_samples(sha, want, n, RATE);

	/* Mono 32-bit float: lrintf(x * 32767), clamped to [-1, 1], NaN
	** read as 0 (one sample of each, too few to count as clipping). */
	for (i = 0; i < n; i++) {
		float f = (float)l[i] / 32768.0f;
		uint32_t u;

		if (i == 100)
			f = NAN;
		else if (i == 200)
			f = 1.5f;
		else if (i == 300)
			f = -7.0f;
		memcpy(&u, &f, sizeof(u));
		le32(data + 4 * i, u);
		want[i] = i == 100 ? 0
		    : i == 200     ? 32767
		    : i == 300     ? -32767
				   : (int16_t)lrintf(f * 32767.0f);
	}
	wav = wav_build(3, 1, 32, RATE, NULL, 0, data, n * 4, &len);
	upload_ok(&w, "conv-float", wav, len, 2.0, sha);
	free(wav);
	expect_blob_samples(sha, want, n, RATE);
	ck_assert_int_eq(rows_of(&w), 5);
	free(v24);
	free(data);
	free(want);
	free(rr);
	free(l);
}
END_TEST

/* --- playback --- */

/* GET ${path} as ${w} with ${range} (may be NULL): the status, and the
** Content-Range header (malloc'd, NULL if none) in ${cr}. */
static long
fetch(const struct who *w, const char *path, const char *range,
    struct tu_resp *r, char **cr)
{
	char h[160];

	if (range != NULL)
		snprintf(h, sizeof(h), "Range: %s", range);
	get(&srv, w, path, range ? h : NULL, r);
	*cr = tu_header(r, "Content-Range");
	return (r->status);
}

/* ${r} is 200 audio/flac with Accept-Ranges: bytes and exactly ${n}
** bytes ${want}. */
static void
expect_whole(
    const struct tu_resp *r, const uint8_t *want, size_t n, const char *what)
{
	char *h;

	ck_assert_msg(
	    r->status == 200, "%s: %ld %.300s", what, r->status, r->body);
	h = tu_header(r, "Content-Type");
	ck_assert_msg(h && strcmp(h, "audio/flac") == 0, "%s: Content-Type %s",
	    what, h ? h : "(none)");
	free(h);
	h = tu_header(r, "Accept-Ranges");
	ck_assert_msg(h && strcmp(h, "bytes") == 0, "%s: Accept-Ranges %s",
	    what, h ? h : "(none)");
	free(h);
	ck_assert_msg(r->n == n && memcmp(r->body, want, n) == 0,
	    "%s: %zu bytes, not the blob's %zu", what, r->n, n);
}

START_TEST(test_playback)
{
	static const char text[] =
	    "{\"campaign\":\"demo-text\",\"text\":\"Words only.\"}";
	struct tu_resp r;
	struct who w, other, rita;
	char sha[65], path[128], want[128], *cr;
	uint8_t *wav, *b;
	size_t len, bn;
	long long id, tid;
	json_t *j;

	card_person(C_PLAY, &w);
	card_person(C_PLAY_OTHER, &other);
	reviewer(&rita);
	consent_voice(&w);
	wav = voice_wav(2, RATE, 12, &len);
	id = upload_ok(&w, "play-1", wav, len, 2.0, sha);
	free(wav);
	b = blob(sha, &bn);
	ck_assert_uint_gt(bn, 10);
	snprintf(path, sizeof(path), "/api/v1/contributions/%lld/audio", id);

	/* Its contributor: the whole file, and ranges of it. */
	fetch(&w, path, NULL, &r, &cr);
	expect_whole(&r, b, bn, "the contributor's playback");
	ck_assert_ptr_null(cr);
	tu_resp_free(&r);
	ck_assert_int_eq(fetch(&w, path, "bytes=0-9", &r, &cr), 206);
	ck_assert_uint_eq(r.n, 10);
	ck_assert(memcmp(r.body, b, 10) == 0);
	snprintf(want, sizeof(want), "bytes 0-9/%zu", bn);
	ck_assert_msg(cr && strcmp(cr, want) == 0, "Content-Range %s, want %s",
	    cr ? cr : "(none)", want);
	free(cr);
	tu_resp_free(&r);
	ck_assert_int_eq(fetch(&w, path, "bytes=-4", &r, &cr), 206);
	ck_assert_uint_eq(r.n, 4);
	ck_assert(memcmp(r.body, b + bn - 4, 4) == 0);
	snprintf(want, sizeof(want), "bytes %zu-%zu/%zu", bn - 4, bn - 1, bn);
	ck_assert_msg(cr && strcmp(cr, want) == 0, "Content-Range %s, want %s",
	    cr ? cr : "(none)", want);
	free(cr);
	tu_resp_free(&r);
	snprintf(want, sizeof(want), "bytes=%zu-", bn);
	ck_assert_int_eq(fetch(&w, path, want, &r, &cr), 416);
	snprintf(want, sizeof(want), "bytes */%zu", bn);
	ck_assert_msg(cr && strcmp(cr, want) == 0, "Content-Range %s, want %s",
	    cr ? cr : "(none)", want);
	free(cr);
	tu_resp_free(&r);

	/* Someone else; no one; not a number; nothing there. */
	fetch(&other, path, NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "another contributor's recording");
	free(cr);
	tu_resp_free(&r);
	fetch(NULL, path, NULL, &r, &cr);
	expect_error(&r, 401, "login_required", "playback without a session");
	free(cr);
	tu_resp_free(&r);
	fetch(&w, "/api/v1/contributions/abc/audio", NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "a non-number");
	free(cr);
	tu_resp_free(&r);
	fetch(&w, "/api/v1/contributions/99999999/audio", NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "no such contribution");
	free(cr);
	tu_resp_free(&r);
	/* A text contribution has no recording. */
	consent(&w, "demo-text", "[\"publish_text\"]");
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "play-text",
	    "application/json", NULL, text, strlen(text), &r);
	ck_assert_msg(r.status == 201, "text: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	tid = jint(json_object_get(j, "contribution"), "id");
	json_decref(j);
	tu_resp_free(&r);
	snprintf(want, sizeof(want), "/api/v1/contributions/%lld/audio", tid);
	fetch(&w, want, NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "a text contribution's audio");
	free(cr);
	tu_resp_free(&r);

	/* A reviewer hears it while it stands. */
	fetch(&rita, path, NULL, &r, &cr);
	expect_whole(&r, b, bn, "the reviewer's playback");
	free(cr);
	tu_resp_free(&r);
	ck_assert_int_eq(fetch(&rita, path, "bytes=0-9", &r, &cr), 206);
	ck_assert(r.n == 10 && memcmp(r.body, b, 10) == 0);
	free(cr);
	tu_resp_free(&r);
	/* Only in her languages: reviewing Twi alone, she hears nothing of
	** this Ewe drive. */
	rita_languages("tw");
	fetch(&rita, path, NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "a reviewer of another language");
	free(cr);
	tu_resp_free(&r);
	rita_languages("ee");

	/* Withdrawn: the reviewer no longer, its contributor still. */
	snprintf(want, sizeof(want), "/api/v1/contributions/%lld/withdraw", id);
	ck_assert_int_eq(as(&w, "POST", want, "{}", &r), 200);
	tu_resp_free(&r);
	fetch(&rita, path, NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "a withdrawn recording, reviewer");
	free(cr);
	tu_resp_free(&r);
	fetch(&w, path, NULL, &r, &cr);
	expect_whole(&r, b, bn, "the contributor's after withdrawing");
	free(cr);
	tu_resp_free(&r);
	free(b);
}
END_TEST

START_TEST(test_withdrawn_consent)
{
	struct tu_resp r;
	struct who w, rita;
	char sha[65], path[128], apath[128], *cr;
	uint8_t *wav, *b;
	size_t len, bn;
	long long cid, id;

	card_person(C_WITHDRAWN_CONSENT, &w);
	reviewer(&rita);
	cid = consent_voice(&w);
	wav = voice_wav(2, RATE, 13, &len);
	id = upload_ok(&w, "wc-1", wav, len, 2.0, sha);
	b = blob(sha, &bn);
	snprintf(apath, sizeof(apath), "/api/v1/contributions/%lld/audio", id);
	fetch(&rita, apath, NULL, &r, &cr);
	expect_whole(&r, b, bn, "the reviewer, consent standing");
	free(cr);
	tu_resp_free(&r);

	snprintf(path, sizeof(path), "/api/v1/consents/%lld/withdraw", cid);
	ck_assert_int_eq(as(&w, "POST", path, "{}", &r), 200);
	tu_resp_free(&r);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contributions WHERE id "
				"= ?1 AND status = 'withdrawn'",
			     id, NULL),
	    1);
	fetch(&rita, apath, NULL, &r, &cr);
	expect_error(&r, 404, "not_found", "the reviewer, consent withdrawn");
	free(cr);
	tu_resp_free(&r);
	fetch(&w, apath, NULL, &r, &cr);
	expect_whole(&r, b, bn, "the contributor, consent withdrawn");
	free(cr);
	tu_resp_free(&r);
	/* No new recording without a live consent. */
	upload(&w, "wc-2", "voice", NULL, wav, len, &r);
	expect_error(&r, 403, "consent_required", "after the consent went");
	tu_resp_free(&r);
	ck_assert_int_eq(rows_of(&w), 1);
	free(b);
	free(wav);
}
END_TEST

/* --- export --- */

/* ${o}'s "flac_base64" is the blob named by ${sha}, byte for byte. */
static void
expect_flac_b64(json_t *o, const char *sha)
{
	const char *b64 = jstr(o, "flac_base64");
	uint8_t *got, *b;
	size_t gn, bn;
	char h[65];

	ck_assert_msg(b64 != NULL, "no flac_base64 for %s", sha);
	got = unbase64(b64, &gn);
	sha_hex(got, gn, h);
	ck_assert_str_eq(h, sha);
	b = blob(sha, &bn);
	ck_assert(gn == bn && memcmp(got, b, bn) == 0);
	free(b);
	free(got);
}

START_TEST(test_export)
{
	struct tu_resp r;
	struct who w;
	char sha1[65], sha2[65];
	uint8_t *wav;
	size_t len, i;
	long long id1, id2;
	json_t *j, *list, *c, *rev;
	int seen = 0;

	card_person(C_EXPORT, &w);
	consent_voice(&w);
	wav = voice_wav(2, RATE, 14, &len);
	id1 = upload_ok(&w, "exp-1", wav, len, 2.0, sha1);
	free(wav);
	wav = voice_wav(1.5, RATE, 15, &len);
	id2 = upload_ok(&w, "exp-2", wav, len, 1.5, sha2);
	free(wav);

	ck_assert_int_eq(as(&w, "GET", "/api/v1/me/export", NULL, &r), 200);
	j = jbody(&r);
	list = json_object_get(j, "contributions");
	ck_assert_msg(json_is_array(list) && json_array_size(list) == 2,
	    "contributions: %.300s", r.body);
	json_array_foreach(list, i, c)
	{
		const char *sha = jint(c, "id") == id1 ? sha1 : sha2;

		ck_assert(jint(c, "id") == id1 || jint(c, "id") == id2);
		ck_assert_str_eq(jstr(c, "kind"), "audio");
		ck_assert_uint_eq(
		    json_array_size(json_object_get(c, "revisions")), 1);
		rev = json_array_get(json_object_get(c, "revisions"), 0);
		ck_assert_str_eq(jstr(rev, "audio_sha256"), sha);
		ck_assert_int_eq(jint(rev, "sample_rate"), RATE);
		ck_assert(json_number_value(json_object_get(rev, "duration")) ==
		    (jint(c, "id") == id1 ? 2.0 : 1.5));
		expect_flac_b64(rev, sha);
		seen++;
	}
	ck_assert_int_eq(seen, 2);
	json_decref(j);
	tu_resp_free(&r);
}
END_TEST

/* --- spoken consent --- */

/* POST /api/v1/consents/${id}/spoken as ${w} with ${n} bytes ${body} of
** ${ctype}. */
static long
spoken(const struct who *w, long long id, const char *ctype, const void *body,
    size_t n, struct tu_resp *r)
{
	char path[128];

	snprintf(path, sizeof(path), "/api/v1/consents/%lld/spoken", id);
	return (
	    send_req(&srv, "POST", path, w, 1, NULL, ctype, NULL, body, n, r));
}

/* The consent ${id} in ${w}'s GET /api/v1/me/consents (owned). */
static json_t *
my_consent(const struct who *w, long long id)
{
	struct tu_resp r;
	json_t *j, *c, *found = NULL;
	size_t i;

	ck_assert_int_eq(as(w, "GET", "/api/v1/me/consents", NULL, &r), 200);
	j = jbody(&r);
	json_array_foreach(json_object_get(j, "consents"), i, c)
	{
		if (jint(c, "id") == id)
			found = json_incref(c);
	}
	ck_assert_msg(
	    found != NULL, "consent %lld not listed: %.300s", id, r.body);
	json_decref(j);
	tu_resp_free(&r);
	return (found);
}

START_TEST(test_spoken_consent)
{
	struct tu_resp r;
	struct who w;
	char sha[65], stored[65], actor[32];
	int16_t *s;
	uint8_t *wav;
	size_t n, len, i;
	long long cid, audits;
	json_t *j, *sp, *c;
	int found = 0;

	card_person(C_SPOKEN, &w);
	cid = consent_voice(&w);
	c = my_consent(&w, cid);
	ck_assert(json_is_null(json_object_get(c, "spoken")));
	json_decref(c);
	audits = db_int("SELECT count(*) FROM audit_log WHERE action = "
			"'consent.spoken'",
	    0, NULL);

	/* Two seconds at 22050 Hz: any rate the reader takes will do. */
	n = 2 * 22050;
	s = voice(n, 22050, 16);
	wav = wav16(s, n, 22050, &len);
	spoken(&w, cid, "audio/wav", wav, len, &r);
	ck_assert_msg(r.status == 201, "spoken: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	sp = json_object_get(j, "spoken");
	ck_assert_msg(json_is_object(sp), "no spoken: %.300s", r.body);
	snprintf(sha, sizeof(sha), "%s", jstr(sp, "sha256"));
	ck_assert_uint_eq(strlen(sha), 64);
	ck_assert(json_number_value(json_object_get(sp, "duration")) == 2.0);
	json_decref(j);
	tu_resp_free(&r);
	free(wav);
	expect_blob_samples(sha, s, n, 22050);
	free(s);

	/* Listed with the consent; kept in the row; audited once. */
	c = my_consent(&w, cid);
	sp = json_object_get(c, "spoken");
	ck_assert_msg(json_is_object(sp), "consent %lld has no spoken", cid);
	ck_assert_str_eq(jstr(sp, "sha256"), sha);
	ck_assert(json_number_value(json_object_get(sp, "duration")) == 2.0);
	ck_assert_int_gt(jint(sp, "at"), 0);
	ck_assert(json_is_null(json_object_get(c, "withdrawn_at")));
	json_decref(c);
	db_get("SELECT spoken_sha256 FROM consents WHERE id = ?1", cid, NULL,
	    stored, sizeof(stored));
	ck_assert_str_eq(stored, sha);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action "
				"= 'consent.spoken'",
			     0, NULL),
	    audits + 1);
	snprintf(actor, sizeof(actor), "%lld", w.id);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action "
				"= 'consent.spoken' AND subject_id = ?1 AND "
				"actor_id = CAST(?2 AS INTEGER)",
			     cid, actor),
	    1);

	/* In the export, with the FLAC. */
	ck_assert_int_eq(as(&w, "GET", "/api/v1/me/export", NULL, &r), 200);
	j = jbody(&r);
	json_array_foreach(json_object_get(j, "consents"), i, c)
	{
		if (jint(c, "id") != cid)
			continue;
		sp = json_object_get(c, "spoken");
		ck_assert_msg(json_is_object(sp),
		    "exported consent has no "
		    "spoken: %.300s",
		    r.body);
		ck_assert_str_eq(jstr(sp, "sha256"), sha);
		expect_flac_b64(sp, sha);
		found = 1;
	}
	ck_assert_msg(found, "consent %lld not exported", cid);
	json_decref(j);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_spoken_refusals)
{
	struct tu_resp r;
	struct who w, other, gone;
	char sha[65], stored[65], path[128];
	int16_t *s;
	uint8_t *wav, *good;
	size_t n, len, glen;
	long long cid, gid, audits;
	json_t *j;

	card_person(C_SPOKEN_REFUSE, &w);
	card_person(C_SPOKEN_GONE, &gone);
	cid = consent_voice(&w);
	good = voice_wav(1.5, RATE, 17, &glen);
	spoken(&w, cid, "audio/wav", good, glen, &r);
	ck_assert_msg(r.status == 201, "spoken: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	snprintf(sha, sizeof(sha), "%s",
	    jstr(json_object_get(j, "spoken"), "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	audits = db_int("SELECT count(*) FROM audit_log WHERE action = "
			"'consent.spoken'",
	    0, NULL);

	/* Someone else's consent: not found, and it is unchanged. */
	card_person(C_SPOKEN_STRANGER, &other);
	consent_voice(&other);
	wav = voice_wav(2, RATE, 18, &len);
	spoken(&other, cid, "audio/wav", wav, len, &r);
	expect_error(&r, 404, "not_found", "someone else's consent");
	tu_resp_free(&r);
	db_get("SELECT spoken_sha256 FROM consents WHERE id = ?1", cid, NULL,
	    stored, sizeof(stored));
	ck_assert_str_eq(stored, sha);
	spoken(&w, 99999999, "audio/wav", wav, len, &r);
	expect_error(&r, 404, "not_found", "no such consent");
	tu_resp_free(&r);
	send_req(&srv, "POST", "/api/v1/consents/abc/spoken", &w, 1, NULL,
	    "audio/wav", NULL, wav, len, &r);
	expect_error(&r, 404, "not_found", "a non-number");
	tu_resp_free(&r);

	/* A withdrawn consent. */
	gid = consent_voice(&gone);
	snprintf(path, sizeof(path), "/api/v1/consents/%lld/withdraw", gid);
	ck_assert_int_eq(as(&gone, "POST", path, "{}", &r), 200);
	tu_resp_free(&r);
	spoken(&gone, gid, "audio/wav", wav, len, &r);
	expect_error(&r, 404, "not_found", "a withdrawn consent");
	tu_resp_free(&r);
	ck_assert_int_eq(db_int("SELECT count(*) FROM consents WHERE id = ?1 "
				"AND spoken_sha256 IS NULL",
			     gid, NULL),
	    1);
	free(wav);

	/* Silent; too short; too long; not a WAV; not even audio. */
	n = 2 * RATE;
	s = calloc(n, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	wav = wav16(s, n, RATE, &len);
	spoken(&w, cid, "audio/wav", wav, len, &r);
	expect_error(&r, 400, "silent", "a silent statement");
	tu_resp_free(&r);
	free(wav);
	free(s);
	wav = voice_wav(0.5, RATE, 19, &len);
	spoken(&w, cid, "audio/wav", wav, len, &r);
	expect_error(&r, 400, "too_short", "half a second");
	tu_resp_free(&r);
	free(wav);
	wav = voice_wav(61, 8000, 20, &len);
	spoken(&w, cid, "audio/wav", wav, len, &r);
	expect_error(&r, 400, "too_long", "61 seconds");
	tu_resp_free(&r);
	free(wav);
	spoken(&w, cid, "audio/wav", good, glen / 2, &r);
	expect_error(&r, 400, "bad_wav", "a truncated statement");
	tu_resp_free(&r);
	spoken(&w, cid, "application/json", "{\"spoken\":true}", 15, &r);
	expect_error(&r, 415, "unsupported", "JSON");
	tu_resp_free(&r);
	/* No CSRF token; no session. */
	snprintf(path, sizeof(path), "/api/v1/consents/%lld/spoken", cid);
	send_req(
	    &srv, "POST", path, &w, 0, NULL, "audio/wav", NULL, good, glen, &r);
	expect_error(&r, 403, "csrf", "no X-CSRF-Token");
	tu_resp_free(&r);
	send_req(&srv, "POST", path, NULL, 0, NULL, "audio/wav", NULL, good,
	    glen, &r);
	expect_error(&r, 401, "login_required", "no session");
	tu_resp_free(&r);

	/* None of it was recorded. */
	db_get("SELECT spoken_sha256 FROM consents WHERE id = ?1", cid, NULL,
	    stored, sizeof(stored));
	ck_assert_str_eq(stored, sha);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action "
				"= 'consent.spoken'",
			     0, NULL),
	    audits);
	free(good);
}
END_TEST

/* --- the recorded reading of a consent document --- */

START_TEST(test_consent_reading)
{
	char url[128], next[128];
	struct tu_resp r;
	char path[800], want[64], *h;
	uint8_t *file;
	size_t fn;
	json_t *j;

	snprintf(url, sizeof(url),
	    "/api/v1/consent/general/reading?lang=en&version=%d",
	    reading_version);
	snprintf(next, sizeof(next),
	    "/api/v1/consent/general/reading?lang=en&version=%d",
	    reading_version + 1);
	/* The source tree's folder has no reading. */
	ck_assert_int_eq(
	    get(&srv, NULL, "/api/v1/consent/general?lang=en", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_msg(json_is_null(json_object_get(j, "reading")),
	    "reading without a file: %.300s", r.body);
	json_decref(j);
	tu_resp_free(&r);
	get(&srv, NULL, url, NULL, &r);
	expect_error(&r, 404, "not_found", "a reading that does not exist");
	tu_resp_free(&r);

	/* The copy with en.wav beside the current en.md. */
	snprintf(path, sizeof(path), "%s/general/%d/en.wav", consentdir,
	    reading_version);
	file = tu_slurp(path, &fn);
	ck_assert_ptr_nonnull(file);
	ck_assert_int_eq(
	    get(&rsrv, NULL, "/api/v1/consent/general?lang=en", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_msg(jstr(j, "reading") != NULL, "no reading: %.300s", r.body);
	ck_assert_str_eq(jstr(j, "reading"), url);
	json_decref(j);
	tu_resp_free(&r);
	ck_assert_int_eq(get(&rsrv, NULL, url, NULL, &r), 200);
	h = tu_header(&r, "Content-Type");
	ck_assert_msg(h && strcmp(h, "audio/wav") == 0, "Content-Type %s",
	    h ? h : "(none)");
	free(h);
	ck_assert(r.n == fn && memcmp(r.body, file, fn) == 0);
	tu_resp_free(&r);
	/* The current version when none is named. */
	ck_assert_int_eq(
	    get(&rsrv, NULL, "/api/v1/consent/general/reading?lang=en", NULL,
		&r),
	    200);
	ck_assert(r.n == fn && memcmp(r.body, file, fn) == 0);
	tu_resp_free(&r);
	ck_assert_int_eq(get(&rsrv, NULL, url, "Range: bytes=0-9", &r), 206);
	ck_assert(r.n == 10 && memcmp(r.body, file, 10) == 0);
	h = tu_header(&r, "Content-Range");
	snprintf(want, sizeof(want), "bytes 0-9/%zu", fn);
	ck_assert_msg(h && strcmp(h, want) == 0, "Content-Range %s, want %s",
	    h ? h : "(none)", want);
	free(h);
	tu_resp_free(&r);

	/* French has a text but no reading; no next version; no way out. */
	ck_assert_int_eq(
	    get(&rsrv, NULL, "/api/v1/consent/general?lang=fr", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_str_eq(jstr(j, "lang"), "fr");
	ck_assert(json_is_null(json_object_get(j, "reading")));
	json_decref(j);
	tu_resp_free(&r);
	get(&rsrv, NULL, "/api/v1/consent/general/reading?lang=fr", NULL, &r);
	expect_error(&r, 404, "not_found", "no French reading");
	tu_resp_free(&r);
	get(&rsrv, NULL, next, NULL, &r);
	expect_error(&r, 404, "not_found", "no next version");
	tu_resp_free(&r);
	get(&rsrv, NULL,
	    "/api/v1/consent/general/reading?lang=..%2F..%2Fgeneral%2F1%2Fen",
	    NULL, &r);
	expect_error(&r, 404, "not_found", "a path in lang");
	tu_resp_free(&r);
	free(file);
}
END_TEST

/* The campaign and prompt as headers, the key in the query: for clients
** that cannot set a query or a header. */
START_TEST(test_args_in_headers)
{
	struct tu_resp r;
	struct who w;
	uint8_t *wav;
	size_t len;
	json_t *j, *c;

	card_person(C_HEADERS, &w);
	consent_voice(&w);
	wav = voice_wav(2.0, RATE, 77, &len);
	send_req(&srv, "POST", "/api/v1/contributions?idempotency_key=hdr-1",
	    &w, 1, NULL, "audio/wav", "X-Campaign: voice", wav, len, &r);
	ck_assert_msg(
	    r.status == 201, "by header: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	c = json_object_get(j, "contribution");
	ck_assert_str_eq(jstr(c, "campaign"), "voice");
	ck_assert_str_eq(jstr(c, "kind"), "audio");
	json_decref(j);
	tu_resp_free(&r);
	/* The same key in the query replays. */
	send_req(&srv, "POST", "/api/v1/contributions?idempotency_key=hdr-1",
	    &w, 1, NULL, "audio/wav", "X-Campaign: voice", wav, len, &r);
	ck_assert_int_eq(r.status, 200);
	tu_resp_free(&r);
	/* A prompt in UTF-8, percent-encoded in X-Prompt. */
	send_req(&srv, "POST", "/api/v1/contributions?campaign=voice", &w, 1,
	    "hdr-2", "audio/wav", "X-Prompt: Tell%20me%20about%20caf%C3%A9",
	    wav, len, &r);
	ck_assert_msg(
	    r.status == 201, "prompt header: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	ck_assert_str_eq(jstr(json_object_get(j, "contribution"), "prompt"),
	    "Tell me about caf\xc3\xa9");
	json_decref(j);
	tu_resp_free(&r);
	/* Neither query nor header: a plain refusal. */
	send_req(&srv, "POST", "/api/v1/contributions", &w, 1, "hdr-3",
	    "audio/wav", NULL, wav, len, &r);
	expect_error(&r, 400, "invalid", "no campaign anywhere");
	expect_message(&r, "X-Campaign");
	tu_resp_free(&r);
	free(wav);
}
END_TEST

/*
** A prompt that is not percent-encoded UTF-8 (bytes that are not UTF-8, a
** lone or short "%", a bad or NUL escape) in X-Prompt is refused, never
** dropped with a 201, and nothing is saved; bytes that are not UTF-8 get
** the same answer in ?prompt=. (A bad escape in the query is not compared:
** req_query() reads it as no argument at all.)
*/
START_TEST(test_bad_prompt_refused)
{
	static const struct {
		const char *v;
		int query; /* also compared in ?prompt= */
	} bad[] = { { "%ff%fe", 1 }, { "%", 1 }, { "caf%C3", 1 }, { "100%", 1 },
		{ "%zz", 1 }, { "a%0", 1 }, { "%00", 1 }, { "%C0%80", 1 } };
	char path[256], hdr[256], key[32], first[512] = "";
	struct tu_resp r;
	struct who w;
	uint8_t *wav;
	size_t i, len;
	json_t *j;

	card_person(C_BADPROMPT, &w);
	consent_voice(&w);
	wav = voice_wav(2.0, RATE, 78, &len);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(hdr, sizeof(hdr), "X-Prompt: %s", bad[i].v);
		snprintf(key, sizeof(key), "badp-h%zu", i);
		send_req(&srv, "POST", "/api/v1/contributions?campaign=voice",
		    &w, 1, key, "audio/wav", hdr, wav, len, &r);
		expect_error(&r, 400, "invalid", hdr);
		expect_message(&r, "prompt");
		j = jbody(&r);
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s",
			    jstr(json_object_get(j, "error"), "message"));
		ck_assert_str_eq(
		    jstr(json_object_get(j, "error"), "message"), first);
		json_decref(j);
		tu_resp_free(&r);
		if (!bad[i].query)
			continue;
		snprintf(path, sizeof(path),
		    "/api/v1/contributions?campaign=voice&prompt=%s", bad[i].v);
		snprintf(key, sizeof(key), "badp-q%zu", i);
		send_req(&srv, "POST", path, &w, 1, key, "audio/wav", NULL, wav,
		    len, &r);
		expect_error(&r, 400, "invalid", path);
		j = jbody(&r);
		ck_assert_str_eq(
		    jstr(json_object_get(j, "error"), "message"), first);
		json_decref(j);
		tu_resp_free(&r);
	}
	/* A good one in the header still wins over none in the query, and
	** nothing of the refused ones was saved. */
	send_req(&srv, "POST", "/api/v1/contributions?campaign=voice", &w, 1,
	    "badp-ok", "audio/wav", "X-Prompt: caf%C3%A9", wav, len, &r);
	ck_assert_msg(
	    r.status == 201, "good prompt: %ld %.300s", r.status, r.body);
	tu_resp_free(&r);
	ck_assert_int_eq(
	    as(&w, "GET", "/api/v1/me/contributions", NULL, &r), 200);
	j = jbody(&r);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(j, "contributions")), 1);
	json_decref(j);
	tu_resp_free(&r);
	free(wav);
}
END_TEST

/* Writes all of ${p} to ${fd}. */
static void
write_all_fd(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t k;

	while (n > 0) {
		k = write(fd, c, n);
		ck_assert_msg(k > 0, "write: %s", strerror(errno));
		c += k;
		n -= (size_t)k;
	}
}

/*
** The session is checked before a recording's body, and again after it:
** someone logged out while the body was coming in is not saved.
*/
START_TEST(test_session_rechecked_after_body)
{
	struct sockaddr_in sa;
	struct pollfd pfd;
	struct tu_resp r;
	struct who w;
	char head[1024], out[4096];
	uint8_t *wav;
	size_t len, used = 0;
	ssize_t k;
	int fd;

	out[0] = '\0';
	card_person(C_RECHECK, &w);
	consent_voice(&w);
	wav = voice_wav(2.0, RATE, 4242, &len);
	snprintf(head, sizeof(head),
	    "POST /api/v1/contributions?campaign=voice HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n"
	    "Content-Type: audio/wav\r\n"
	    "Cookie: tributary_session=%s\r\n"
	    "X-CSRF-Token: %s\r\n"
	    "Idempotency-Key: recheck-1\r\n"
	    "Content-Length: %zu\r\n\r\n",
	    srv.port, w.token, w.csrf, len);
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)srv.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	write_all_fd(fd, head, strlen(head));
	write_all_fd(fd, wav, len / 2);
	/* Nothing answered yet: the session was good when the body began. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 300), 0);
	ck_assert_int_eq(as(&w, "POST", "/api/v1/logout", NULL, &r), 204);
	tu_resp_free(&r);
	write_all_fd(fd, wav + len / 2, len - len / 2);
	while (used + 1 < sizeof(out) && strstr(out, "\r\n\r\n") == NULL) {
		ck_assert_msg(poll(&pfd, 1, 10000) == 1, "no answer");
		if ((k = read(fd, out + used, sizeof(out) - used - 1)) <= 0)
			break;
		used += (size_t)k;
		out[used] = '\0';
	}
	close(fd);
	free(wav);
	ck_assert_msg(strncmp(out, "HTTP/1.1 401", 12) == 0,
	    "logged out during the upload: \"%.200s\"", out);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contributions WHERE "
				"account_id = ?1",
			     w.id, NULL),
	    0);
}
END_TEST

/* --- erasing an account: recordings and spoken statements go with it --- */

/* ${who} has a voice consent with a spoken statement and one recording;
** fills the consent id and both blob hashes. */
static void
erase_setup(
    int card, struct who *w, long long *cid, char rec[65], char stmt[65])
{
	struct tu_resp r;
	uint8_t *wav;
	size_t len;
	json_t *j;

	card_person(card, w);
	*cid = consent_voice(w);
	wav = voice_wav(2.0, RATE, 900 + (uint32_t)card, &len);
	upload_ok(w, "erase-1", wav, len, 2.0, rec);
	free(wav);
	wav = voice_wav(1.5, 22050, 950 + (uint32_t)card, &len);
	spoken(w, *cid, "audio/wav", wav, len, &r);
	ck_assert_msg(r.status == 201, "spoken: %ld %.300s", r.status, r.body);
	j = jbody(&r);
	snprintf(stmt, 65, "%s", jstr(json_object_get(j, "spoken"), "sha256"));
	json_decref(j);
	tu_resp_free(&r);
	free(wav);
}

/* Is the main node's blob file ${sha} there? */
static int
blob_exists(const char *sha)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/blobs/%.2s/%s", maindir, sha, sha + 2);
	return (access(path, F_OK) == 0);
}

/* What must hold in node.db once ${w} (first seen as ${handle}) is
** erased. */
static void
expect_erased(const struct who *w, const char *handle, long long cid)
{
	char h[64], want[64];

	db_get("SELECT handle FROM accounts WHERE id = ?1", w->id, NULL, h,
	    sizeof(h));
	snprintf(want, sizeof(want), "erased-%lld", w->id);
	ck_assert_str_eq(h, want);
	ck_assert_int_eq(db_int("SELECT count(*) FROM accounts WHERE handle "
				"= ?2",
			     0, handle),
	    0);
	ck_assert_int_eq(db_int("SELECT count(*) FROM accounts WHERE id = ?1 "
				"AND disabled_at IS NOT NULL AND "
				"passphrase_hash IS NULL",
			     w->id, NULL),
	    1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contributions WHERE "
				"account_id = ?1 AND status <> 'withdrawn'",
			     w->id, NULL),
	    0);
	ck_assert_int_eq(db_int("SELECT count(*) FROM contribution_revisions "
				"r JOIN contributions c ON c.id = "
				"r.contribution_id WHERE c.account_id = ?1 "
				"AND (r.audio_sha256 IS NOT NULL OR r.text IS "
				"NOT NULL OR r.prompt IS NOT NULL)",
			     w->id, NULL),
	    0);
	ck_assert_int_eq(db_int("SELECT count(*) FROM consents WHERE id = ?1 "
				"AND withdrawn_at IS NOT NULL AND "
				"spoken_sha256 IS NULL AND spoken_at IS NULL",
			     cid, NULL),
	    1);
	ck_assert_int_eq(db_int("SELECT count(*) FROM sessions WHERE "
				"account_id = ?1",
			     w->id, NULL),
	    0);
	ck_assert_int_eq(db_int("SELECT count(*) FROM audit_log WHERE action "
				"= 'account.erased' AND subject_id = ?1",
			     w->id, NULL),
	    1);
}

START_TEST(test_erase_self)
{
	struct tu_resp r;
	struct who w;
	char rec[65], stmt[65], handle[64], body[128], *cookie;
	long long cid;
	json_t *j, *er;

	erase_setup(C_ERASE, &w, &cid, rec, stmt);
	snprintf(handle, sizeof(handle), "%s", w.handle);
	ck_assert(blob_exists(rec));
	ck_assert(blob_exists(stmt));

	/* Without the confirmation nothing happens. */
	ck_assert_int_eq(as(&w, "POST", "/api/v1/me/erase", "{}", &r), 400);
	tu_resp_free(&r);
	ck_assert(blob_exists(stmt));

	ck_assert_int_eq(
	    as(&w, "POST", "/api/v1/me/erase", "{\"confirm\":\"erase\"}", &r),
	    200);
	j = jbody(&r);
	er = json_object_get(j, "erased");
	ck_assert_int_eq(jint(er, "account"), w.id);
	ck_assert_int_eq(jint(er, "contributions"), 1);
	ck_assert_int_eq(jint(er, "consents"), 1);
	ck_assert_int_eq(jint(er, "recordings"), 2);
	json_decref(j);
	cookie = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(cookie);
	ck_assert_msg(strstr(cookie, "Max-Age=0") != NULL, "%s", cookie);
	free(cookie);
	tu_resp_free(&r);

	/* The recording and the spoken statement are gone from the disk. */
	ck_assert_msg(!blob_exists(rec), "recording %s still on disk", rec);
	ck_assert_msg(!blob_exists(stmt), "statement %s still on disk", stmt);
	expect_erased(&w, handle, cid);
	/* The old session and the card no longer work. */
	ck_assert_int_eq(get(&srv, &w, "/api/v1/me", NULL, &r), 401);
	tu_resp_free(&r);
	snprintf(body, sizeof(body), "{\"card\":\"%s\",\"pin\":\"" PIN "\"}",
	    cards[C_ERASE]);
	send_req(&srv, "POST", "/api/v1/login", NULL, 0, NULL,
	    "application/json", NULL, body, strlen(body), &r);
	ck_assert_msg(r.status == 401 || r.status == 403,
	    "erased card logs in: %ld %.200s", r.status, r.body);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_erase_cli)
{
	struct who w;
	char rec[65], stmt[65], handle[64], out[4096];
	char *no[] = { (char *)bin, "user", "erase", handle, "--data", maindir,
		NULL };
	char *yes[] = { (char *)bin, "user", "erase", handle, "--data", maindir,
		"--yes", NULL };
	long long cid;

	erase_setup(C_ERASE_CLI, &w, &cid, rec, stmt);
	snprintf(handle, sizeof(handle), "%s", w.handle);
	/* Beside the running server, as an operator would. */
	ck_assert_int_eq(tu_run(no, out, sizeof(out)), 2);
	ck_assert(blob_exists(rec));
	ck_assert_msg(tu_run(yes, out, sizeof(out)) == 0, "%s", out);
	ck_assert_msg(strstr(out, "2 recordings deleted") != NULL, "%s", out);
	ck_assert(!blob_exists(rec));
	ck_assert(!blob_exists(stmt));
	expect_erased(&w, handle, cid);
}
END_TEST

/* --- setup, before any test forks --- */

/* Makes the main node in ${maindir}: the voice campaign, demo-text,
** NCARDS cards and a reviewer "rita". */
static int
make_main(void)
{
	char out[4096], count[16];
	char *init[] = { (char *)bin, "init", "--data", maindir, NULL };
	char *codes[] = { (char *)bin, "drive-codes", "--data", maindir,
		"--campaign", "voice", "--count", count, NULL };
	char *rita[] = { "sh", "-c",
		"printf '%s\\n' \"$2\" | \"$0\" user add --data \"$1\" rita "
		"--role reviewer --languages ee --passphrase-stdin",
		(char *)bin, maindir, RITA, NULL };

	snprintf(count, sizeof(count), "%d", NCARDS);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_import_campaign(bin, base, maindir, "voice.json",
		"{\"slug\":\"voice\",\"title\":\"Voice drive\","
		"\"language\":\"ee\",\"kind\":\"audio\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_voice\"],"
		"\"minimum_age\":16,\"min_seconds\":1,\"max_seconds\":10,"
		"\"sample_rate\":16000}\n") != 0 ||
	    tu_import_campaign(bin, base, maindir, "demo-text.json",
		"{\"slug\":\"demo-text\",\"title\":\"Community text drive\","
		"\"language\":\"ee\",\"kind\":\"text\",\"consent\":"
		"\"general\",\"required_scopes\":[\"publish_text\"],"
		"\"minimum_age\":16,\"max_chars\":2000}\n") != 0 ||
	    tu_run_quiet(codes, out, sizeof(out)) != 0 ||
	    tu_read_cards(out, NCARDS, cards) == -1 ||
	    tu_run_quiet(rita, out, sizeof(out)) != 0)
		return (-1);
	return (0);
}

/*
** Makes the reading node in ${readingdir} and its consent folder
** ${consentdir}: a copy of the source tree's general document and
** licences.yaml, with a one-second en.wav beside the current version's
** en.md (its number in reading_version).
*/
static int
make_reading(void)
{
	char out[4096], src[700], path[800];
	char *init[] = { (char *)bin, "init", "--data", readingdir, NULL };
	char *mk[] = { "mkdir", "-p", consentdir, NULL };
	char *cp[] = { "cp", "-R", src, consentdir, NULL };
	char *cpl[] = { "cp", src, consentdir, NULL };
	static int16_t s[RATE];
	struct consent_set set;
	struct err e = { 0 };
	uint8_t *wav;
	size_t len;
	FILE *f;
	int rc;

	snprintf(src, sizeof(src), "%s/consent", srcdir);
	if (consent_load_dir(src, &set, &e) == -1)
		return (-1);
	reading_version = consent_current_version(&set, "general");
	consent_set_free(&set);
	if (reading_version == 0)
		return (-1);
	if (tu_run_quiet(init, out, sizeof(out)) != 0 ||
	    tu_run_quiet(mk, out, sizeof(out)) != 0)
		return (-1);
	snprintf(src, sizeof(src), "%s/consent/general", srcdir);
	if (tu_run_quiet(cp, out, sizeof(out)) != 0)
		return (-1);
	snprintf(src, sizeof(src), "%s/consent/licences.yaml", srcdir);
	if (tu_run_quiet(cpl, out, sizeof(out)) != 0)
		return (-1);
	voice_fill(s, RATE, RATE, 99);
	if ((wav = wav_write_mono16(s, RATE, RATE, &len)) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s/general/%d/en.wav", consentdir,
	    reading_version);
	if ((f = fopen(path, "wb")) == NULL) {
		free(wav);
		return (-1);
	}
	rc = fwrite(wav, 1, len, f) == len ? 0 : -1;
	free(wav);
	return (fclose(f) == 0 ? rc : -1);
}

/* Starts ${s} on ${dir} with the consent folder ${consent} and the source
** tree's redaction rules and webroot. */
static int
start(struct tu_server *s, const char *dir, const char *consent)
{
	char redact[600], webroot[600];
	/* Rate limits and the uploads one account may have in flight are
	** not under test here; a burst of eight is. */
	const char *extra[] = { "--consent-dir", consent, "--redact-dir",
		redact, "--webroot", webroot, "--rate-per-address", "100000",
		"--rate-per-account", "100000", "--uploads-per-account", "8",
		NULL };

	snprintf(redact, sizeof(redact), "%s/redact", srcdir);
	snprintf(webroot, sizeof(webroot), "%s/webroot", srcdir);
	return (tu_server_start(s, dir, extra));
}

int
main(void)
{
	/* The servers, stopped (and checked) at the end. */
	struct tu_server *const stop[] = { &srv, &rsrv };
	const char *const names[] = { "main", "reading" };
	char srcconsent[700];
	Suite *s;
	TCase *tc;

	if (sodium_init() == -1)
		return (1);
	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(maindir, sizeof(maindir), "%s/main", base);
	snprintf(readingdir, sizeof(readingdir), "%s/reading", base);
	snprintf(consentdir, sizeof(consentdir), "%s/consent", base);
	snprintf(srcconsent, sizeof(srcconsent), "%s/consent", srcdir);
	if (make_main() == -1 || make_reading() == -1 ||
	    start(&srv, maindir, srcconsent) == -1 ||
	    start(&rsrv, readingdir, consentdir) == -1) {
		fprintf(
		    stderr, "could not start the servers (logs in %s)\n", base);
		tu_stop_clean(&srv, "main");
		tu_stop_clean(&rsrv, "reading");
		return (1);
	}

	s = suite_create("audio");
	tc = tcase_create("audio");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_campaign_listing);
	tcase_add_test(tc, test_upload);
	tcase_add_test(tc, test_idempotency);
	tcase_add_test(tc, test_idempotency_concurrent);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_too_large);
	tcase_add_test(tc, test_conversion);
	tcase_add_test(tc, test_playback);
	tcase_add_test(tc, test_withdrawn_consent);
	tcase_add_test(tc, test_export);
	tcase_add_test(tc, test_spoken_consent);
	tcase_add_test(tc, test_spoken_refusals);
	tcase_add_test(tc, test_consent_reading);
	tcase_add_test(tc, test_args_in_headers);
	tcase_add_test(tc, test_bad_prompt_refused);
	tcase_add_test(tc, test_session_rechecked_after_body);
	tcase_add_test(tc, test_erase_self);
	tcase_add_test(tc, test_erase_cli);
	suite_add_tcase(s, tc);

	return (tu_suite_end(s, stop, names, 2, base));
}
