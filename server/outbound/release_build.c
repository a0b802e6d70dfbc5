/*
** The release builder (release_build.h): Parquet shards per config and
** split, the dataset card, the signed manifest; and the check of a
** release folder anywhere.
*/
#include "release_build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "blob.h"
#include "buf.h"
#include "crypto.h"
#include "ledger.h"
#include "parquet.h"
#include "text.h"

static const char SQL_RELEASE[] =
    "SELECT id, dataset, licence, permits, campaigns, splits, report, "
    "created_at, retired_at IS NOT NULL, state, demographics, heads, pay, "
    "federated FROM releases WHERE version = ?1";
/* The items in file order: config, split (train, dev, test), id. */
static const char SQL_ITEMS[] =
    "SELECT i.config, i.split, i.contribution_id, i.speaker_id, r.kind, "
    "r.prompt, r.text, r.audio_sha256, r.duration, r.sample_rate, k.slug, "
    "lower(k.language), s.document_sha256, c.votes_up, c.votes_down, "
    "i.age_range, i.gender, i.variety FROM release_items i JOIN contributions "
    "c ON c.id = i.contribution_id "
    "JOIN contribution_revisions r ON r.contribution_id = i.contribution_id "
    "AND r.revision = i.revision JOIN campaigns k ON k.id = c.campaign_id "
    "JOIN consents s ON s.id = c.consent_id WHERE i.release_id = ?1 "
    "ORDER BY i.config, CASE i.split WHEN 'train' THEN 0 WHEN 'dev' THEN 1 "
    "ELSE 2 END, i.contribution_id";
/* Per config and split: rows, and the sample rates of its recordings. */
static const char SQL_SHAPE[] =
    "SELECT i.config, i.split, count(*), min(r.sample_rate), "
    "max(r.sample_rate) FROM release_items i JOIN contribution_revisions r "
    "ON r.contribution_id = i.contribution_id AND r.revision = i.revision "
    "WHERE i.release_id = ?1 GROUP BY 1, 2 ORDER BY 1, CASE i.split WHEN "
    "'train' THEN 0 WHEN 'dev' THEN 1 ELSE 2 END";
static const char SQL_DOCS[] =
    "SELECT DISTINCT s.document_sha256, d.lang, d.version, d.slug FROM "
    "release_items i JOIN contributions c ON c.id = i.contribution_id JOIN "
    "consents s ON s.id = c.consent_id JOIN consent_documents d ON "
    "d.sha256 = s.document_sha256 WHERE i.release_id = ?1 ORDER BY 1";
static const char SQL_CAMPAIGNS[] =
    "SELECT DISTINCT k.slug, k.title, k.language, k.kind, "
    "k.review_min_votes, k.review_rule, "
    "json_extract(k.definition, '$.redact.names') FROM release_items i JOIN "
    "contributions c ON c.id = i.contribution_id JOIN campaigns k ON k.id = "
    "c.campaign_id WHERE i.release_id = ?1 ORDER BY 1";
static const char SQL_PROMPT_SOURCES[] =
    "SELECT DISTINCT p.source, p.licence FROM release_items i JOIN "
    "contributions c ON c.id = i.contribution_id JOIN prompts p ON p.id = "
    "c.prompt_id WHERE i.release_id = ?1 ORDER BY 1, 2";
static const char SQL_VOTES[] =
    "SELECT coalesce(sum(c.votes_up), 0), coalesce(sum(c.votes_down), 0), "
    "count(DISTINCT i.speaker_id) FROM release_items i JOIN contributions c "
    "ON c.id = i.contribution_id WHERE i.release_id = ?1";
static const char SQL_PREVIOUS[] =
    "SELECT id, version FROM releases WHERE dataset = ?1 AND id < ?2 "
    "ORDER BY id DESC LIMIT 1";
static const char SQL_REVOKED[] =
    "SELECT i.contribution_id FROM release_items i JOIN contributions c ON "
    "c.id = i.contribution_id WHERE i.release_id = ?1 AND c.status = "
    "'withdrawn' ORDER BY 1";

/* The columns of a config's files. */
enum {
	A_ID,
	A_AUDIO,
	A_BYTES,
	A_PATH,
	A_SENTENCE,
	A_DURATION,
	A_SPEAKER,
	A_LANGUAGE,
	A_UP,
	A_DOWN,
	A_CAMPAIGN,
	A_CONSENT,
	A_N
};
static const struct parquet_field audio_fields[A_N] = {
	{ "id", PARQUET_STRING, 1, 0, 0 },
	{ "audio", PARQUET_GROUP, 1, 2, 0 },
	{ "bytes", PARQUET_BINARY, 1, 0, 0 },
	{ "path", PARQUET_STRING, 1, 0, 0 },
	{ "sentence", PARQUET_STRING, 1, 0, 0 },
	{ "duration_ms", PARQUET_INT64, 1, 0, 0 },
	{ "speaker_id", PARQUET_STRING, 1, 0, 1 },
	{ "language", PARQUET_STRING, 1, 0, 1 },
	{ "up_votes", PARQUET_INT64, 1, 0, 0 },
	{ "down_votes", PARQUET_INT64, 1, 0, 0 },
	{ "campaign", PARQUET_STRING, 1, 0, 1 },
	{ "consent_sha256", PARQUET_STRING, 1, 0, 1 },
};
enum {
	T_ID,
	T_TEXT,
	T_PROMPT,
	T_SPEAKER,
	T_LANGUAGE,
	T_UP,
	T_DOWN,
	T_CAMPAIGN,
	T_CONSENT,
	T_N
};
static const struct parquet_field text_fields[T_N] = {
	{ "id", PARQUET_STRING, 1, 0, 0 },
	{ "text", PARQUET_STRING, 1, 0, 0 },
	{ "prompt", PARQUET_STRING, 1, 0, 0 },
	{ "speaker_id", PARQUET_STRING, 1, 0, 1 },
	{ "language", PARQUET_STRING, 1, 0, 1 },
	{ "up_votes", PARQUET_INT64, 1, 0, 0 },
	{ "down_votes", PARQUET_INT64, 1, 0, 0 },
	{ "campaign", PARQUET_STRING, 1, 0, 1 },
	{ "consent_sha256", PARQUET_STRING, 1, 0, 1 },
};

/* The demographic columns a release may have, after the others, as
** release_anonymize() names them; SQL_ITEMS has them from DEMO_COL. */
enum { DEMO_N = 3, DEMO_COL = 15 };
static const char *const demo_names[DEMO_N] = { "age_range", "gender",
	"variety" };

/* A file written into the release: its path under the folder. */
struct built {
	char path[256];
	uint64_t bytes;
	char sha[SHA256_HEX_LEN + 1];
};

struct build {
	struct node *n;
	struct db *db;
	struct err *e;
	int64_t id;
	char tmp[4096]; /* the folder being built */
	struct built *files;
	size_t nfiles, cap;
	json_t *configs;      /* {config: {split: {"rows","bytes","shards"}}} */
	json_t *demo;         /* what k-anonymity did (releases.demographics) */
	int released[DEMO_N]; /* the demographic columns this release has */
	struct parquet_field af[A_N + DEMO_N], tf[T_N + DEMO_N];
	size_t naf, ntf;
};

int
release_write_file(
    const char *dir, const char *rel, const void *p, size_t n, struct err *e)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) ==
	    -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", rel, strerror(errno)));
	if (write(fd, p, n) != (ssize_t)n || fsync(fd) == -1) {
		err_set(e, ERR_STORAGE, "%s: %s", rel, strerror(errno));
		close(fd);
		return (-1);
	}
	return (close(fd) == 0
		? 0
		: err_set(e, ERR_STORAGE, "%s: %s", rel, strerror(errno)));
}

/* Writes ${n} bytes to ${rel} inside the folder being built, synced. */
static int
write_file(struct build *b, const char *rel, const void *p, size_t n)
{
	return (release_write_file(b->tmp, rel, p, n, b->e));
}

int
release_file_sha256(const char *path, uint64_t *bytes,
    char sha[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t buf[65536], sum[SHA256_LEN];
	struct sha256 *h;
	ssize_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	if ((h = sha256_new()) == NULL) {
		close(fd);
		return (err_oom(e));
	}
	*bytes = 0;
	while ((k = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(h, buf, (size_t)k);
		*bytes += (uint64_t)k;
	}
	close(fd);
	/* sha256_final() frees the digest, whatever it returns. */
	if (sha256_final(h, sum) == -1 || k < 0)
		return (err_set(e, ERR_STORAGE, "%s: cannot read", path));
	hex_encode(sum, SHA256_LEN, sha);
	return (0);
}

/* Records the file ${rel}, already written and synced. */
static int
add_built(struct build *b, const char *rel)
{
	struct built *nf;
	char path[4400];

	if (b->nfiles == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		if ((nf = realloc(b->files, b->cap * sizeof(*nf))) == NULL)
			return (err_oom(b->e));
		b->files = nf;
	}
	snprintf(b->files[b->nfiles].path, sizeof(b->files[0].path), "%s", rel);
	snprintf(path, sizeof(path), "%s/%s", b->tmp, rel);
	if (release_file_sha256(path, &b->files[b->nfiles].bytes,
		b->files[b->nfiles].sha, b->e) == -1)
		return (-1);
	b->nfiles++;
	return (0);
}

/* Reads the whole blob ${sha} (a FLAC file) into ${out}. */
static int
read_blob(struct build *b, const char *sha, struct buf *out)
{
	char path[4096], chunk[65536];
	ssize_t k;
	int fd;

	out->n = 0;
	if (blob_path(b->n->blobs, sha, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (err_set(b->e, ERR_STORAGE,
		    "the recording %.12s… cannot be read", sha));
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(out, chunk, (size_t)k) == -1) {
			close(fd);
			return (err_oom(b->e));
		}
	close(fd);
	return (k == 0
		? 0
		: err_set(b->e, ERR_STORAGE, "the recording %.12s…", sha));
}

/* The columns of release ${b}: the fixed ones, then the demographics
** its k-anonymity pass released (${demo}: releases.demographics). */
static void
demo_columns(struct build *b, const char *demo)
{
	struct parquet_field f = { NULL, PARQUET_STRING, 1, 0, 1 };
	json_t *v;
	size_t i;
	int j;

	b->demo = json_loads(demo ? demo : "{}", 0, NULL);
	json_array_foreach(json_object_get(b->demo, "released"), i,
	    v) for (j = 0; j < DEMO_N; j++) b->released[j] |=
	    json_is_string(v) &&
	    strcmp(json_string_value(v), demo_names[j]) == 0;
	memcpy(b->af, audio_fields, sizeof(audio_fields));
	memcpy(b->tf, text_fields, sizeof(text_fields));
	b->naf = A_N;
	b->ntf = T_N;
	for (j = 0; j < DEMO_N; j++)
		if (b->released[j]) {
			f.name = demo_names[j];
			b->af[b->naf++] = f;
			b->tf[b->ntf++] = f;
		}
}

/* ${v} minor units of currency ${code} as money. */
static const char *
money(int64_t v, const char *code, char out[32])
{
	const struct currency *c = ledger_currency(code);

	if (c == NULL)
		snprintf(out, 32, "%lld", (long long)v);
	else
		ledger_amount_format(v, c, out);
	return (out);
}

/* The card's pay section, from what the release pinned when it was
** created (${pay}: release_pins()). */
static void
pay_statement(const struct build *b, const char *pay, struct buf *o)
{
	json_t *p = json_loads(pay ? pay : "{}", 0, NULL), *v;
	json_t *rates = json_object_get(p, "rates");
	json_t *mon = json_object_get(p, "money");
	json_t *roy = json_object_get(p, "royalties_before");
	char a[32], c[32], d[32];
	size_t i;

	(void)b;
	buf_puts(o, "## Pay\n\n");
	if (json_array_size(rates) == 0 && json_array_size(mon) == 0) {
		buf_puts(o,
		    "The campaigns of this release did not pay per "
		    "contribution.\n\n");
		json_decref(p);
		return;
	}
	buf_puts(o,
	    "Contributors are paid through the node's ledger: every amount "
	    "is an entry in an append-only, hash-chained ledger, whose head "
	    "when this release was created is in `manifest.json` "
	    "(`ledger_head`). Rates per accepted contribution:\n\n");
	json_array_foreach(rates, i, v)
	{
		const char *cur =
		    json_string_value(json_object_get(v, "currency"));

		buf_printf(o, "- `%s`: %s %s per item",
		    json_string_value(json_object_get(v, "campaign")),
		    money(json_integer_value(json_object_get(v, "per_item")),
			cur, a),
		    cur);
		if (json_integer_value(json_object_get(v, "per_audio_second")))
			buf_printf(o, " and %s %s per second of recording",
			    money(json_integer_value(
				      json_object_get(v, "per_audio_second")),
				cur, c),
			    cur);
		buf_puts(o, "\n");
	}
	buf_puts(o,
	    "\nWhen this release was created, its contributors "
	    "had:\n\n");
	json_array_foreach(mon, i, v)
	{
		const char *cur =
		    json_string_value(json_object_get(v, "currency"));

		buf_printf(o,
		    "- %s: earned %s for the items in this release; paid %s "
		    "in all (%lld %s paid); owed %s\n",
		    cur,
		    money(json_integer_value(json_object_get(v, "earned")), cur,
			a),
		    money(
			json_integer_value(json_object_get(v, "paid")), cur, c),
		    (long long)json_integer_value(
			json_object_get(v, "people_paid")),
		    json_integer_value(json_object_get(v, "people_paid")) == 1
			? "person"
			: "people",
		    money(json_integer_value(json_object_get(v, "owed")), cur,
			d));
	}
	if (json_array_size(roy) > 0) {
		buf_puts(o,
		    "\nRoyalties shared on earlier versions of this "
		    "dataset:\n\n");
		json_array_foreach(roy, i, v)
		{
			const char *cur =
			    json_string_value(json_object_get(v, "currency"));

			buf_printf(o, "- %s %s among %lld %s\n",
			    money(json_integer_value(
				      json_object_get(v, "amount")),
				cur, a),
			    cur,
			    (long long)json_integer_value(
				json_object_get(v, "people")),
			    json_integer_value(json_object_get(v, "people")) ==
				    1
				? "person"
				: "people");
		}
	}
	buf_puts(o,
	    "\nRoyalties earned by this release are shared among "
	    "its contributors by their share of it (`tributary "
	    "ledger royalty`).\n\n");
	json_decref(p);
}

/* The card's words on demographics: what was released, and what
** k-anonymity coarsened, dropped and removed. */
static void
demo_statement(const struct build *b, struct buf *o)
{
	json_t *rel = json_object_get(b->demo, "released"), *v;
	json_t *drop = json_object_get(b->demo, "dropped");
	json_int_t k = json_integer_value(json_object_get(b->demo, "k"));
	json_int_t sp, rows;
	size_t i;

	buf_puts(o, "### Demographics\n\n");
	if (json_array_size(rel) == 0 && json_array_size(drop) == 0) {
		buf_puts(o,
		    "No speaker in this release gave an age range, gender or "
		    "variety, so none is released and no row was removed for "
		    "k-anonymity.\n\n");
		return;
	}
	buf_printf(o,
	    "Speakers could choose to give an age range, a gender and their "
	    "variety (dialect or accent). They are released only where every "
	    "combination released is shared by at least %lld speakers "
	    "(k-anonymity); an empty value means not given.\n\n",
	    (long long)k);
	if (json_array_size(rel) > 0) {
		buf_puts(o, "- Released: ");
		json_array_foreach(rel, i, v) buf_printf(
		    o, "%s`%s`", i ? ", " : "", json_string_value(v));
		buf_puts(o, ".\n");
	}
	if (json_object_get(
		json_object_get(b->demo, "generalized"), "age_range") != NULL)
		buf_puts(o,
		    "- `age_range` is given in twenty-year ranges (10-29, "
		    "30-49, 50-69, 70+): ten-year ranges left groups too "
		    "small.\n");
	if (json_array_size(drop) > 0) {
		buf_puts(o,
		    "- Not released, because too few speakers share "
		    "each value: ");
		json_array_foreach(drop, i, v) buf_printf(
		    o, "%s`%s`", i ? ", " : "", json_string_value(v));
		buf_puts(o, ".\n");
	}
	sp =
	    json_integer_value(json_object_get(b->demo, "suppressed_speakers"));
	rows = json_integer_value(json_object_get(b->demo, "suppressed_rows"));
	if (sp > 0)
		buf_printf(o,
		    "- %lld speaker%s whose combination fewer than %lld "
		    "speakers share %s left out, with %lld item%s.\n\n",
		    (long long)sp, sp == 1 ? "" : "s", (long long)k,
		    sp == 1 ? "was" : "were", (long long)rows,
		    rows == 1 ? "" : "s");
	else
		buf_puts(o, "- No row was removed for k-anonymity.\n\n");
}

/* The `datasets` features of a config, as the `huggingface` metadata and
** the card give them; ${rate} the recordings' sample rate (0: mixed). */
static json_t *
features(const struct build *b, int audio, int rate)
{
	int j;

	json_t *f = json_object(), *a;

#define VALUE(name, type)                                                      \
	json_object_set_new(                                                   \
	    f, name, json_pack("{s:s,s:s}", "dtype", type, "_type", "Value"))
	VALUE("id", "string");
	if (audio) {
		a = json_pack("{s:s}", "_type", "Audio");
		if (rate > 0)
			json_object_set_new(
			    a, "sampling_rate", json_integer(rate));
		json_object_set_new(f, "audio", a);
		VALUE("sentence", "string");
		VALUE("duration_ms", "int64");
	} else {
		VALUE("text", "string");
		VALUE("prompt", "string");
	}
	VALUE("speaker_id", "string");
	VALUE("language", "string");
	VALUE("up_votes", "int64");
	VALUE("down_votes", "int64");
	VALUE("campaign", "string");
	VALUE("consent_sha256", "string");
	for (j = 0; j < DEMO_N; j++)
		if (b->released[j])
			VALUE(demo_names[j], "string");
#undef VALUE
	return (f);
}

/* A string column's value, or null. */
static void
put_text(struct parquet *pq, size_t i, sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	if (s != NULL)
		parquet_put_str(pq, i, (const char *)s);
	else
		parquet_put_null(pq, i);
}

/* One shard being written. */
struct shard {
	struct parquet *pq;
	FILE *f;
	char rel[256]; /* its name while built: ...-NNNNN.part */
	int audio;
	uint64_t rows;
};

/* Opens shard number ${k} of ${config}/${split}. */
static int
shard_open(struct build *b, struct shard *s, const char *config,
    const char *split, int k, int audio, int rate)
{
	char path[4400], *meta;
	json_t *hf;

	memset(s, 0, sizeof(*s));
	s->audio = audio;
	snprintf(
	    s->rel, sizeof(s->rel), "data/%s/%s-%05d.part", config, split, k);
	snprintf(path, sizeof(path), "%s/%s", b->tmp, s->rel);
	if ((s->f = fopen(path, "wbx")) == NULL)
		return (err_set(
		    b->e, ERR_STORAGE, "%s: %s", s->rel, strerror(errno)));
	s->pq =
	    parquet_open(s->f, audio ? b->af : b->tf, audio ? b->naf : b->ntf,
		audio ? PARQUET_UNCOMPRESSED : PARQUET_ZSTD, b->e);
	if (s->pq == NULL) {
		fclose(s->f);
		return (-1);
	}
	hf = json_pack(
	    "{s:{s:o}}", "info", "features", features(b, audio, rate));
	meta = hf ? json_dumps(hf, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(hf);
	if (meta == NULL ||
	    parquet_kv(s->pq, "huggingface", meta, b->e) == -1) {
		free(meta);
		parquet_free(s->pq);
		fclose(s->f);
		return (meta == NULL ? err_oom(b->e) : -1);
	}
	free(meta);
	return (0);
}

/* Finishes shard ${s}: the footer, synced. */
static int
shard_close(struct build *b, struct shard *s)
{
	int rc = parquet_close(s->pq, b->e);

	s->pq = NULL;
	if (rc == 0 && (fflush(s->f) != 0 || fsync(fileno(s->f)) == -1))
		rc = err_set(
		    b->e, ERR_STORAGE, "%s: %s", s->rel, strerror(errno));
	if (fclose(s->f) != 0 && rc == 0)
		rc = err_set(
		    b->e, ERR_STORAGE, "%s: %s", s->rel, strerror(errno));
	return (rc);
}

/* Renames ${config}/${split}'s ${k} shards to their -of-N names and
** records them. */
static int
shards_name(struct build *b, const char *config, const char *split, int k)
{
	char from[4400], to[4400], rel[256];
	int i;

	for (i = 0; i < k; i++) {
		snprintf(from, sizeof(from), "%s/data/%s/%s-%05d.part", b->tmp,
		    config, split, i);
		snprintf(rel, sizeof(rel), "data/%s/%s-%05d-of-%05d.parquet",
		    config, split, i, k);
		snprintf(to, sizeof(to), "%s/%s", b->tmp, rel);
		if (rename(from, to) == -1)
			return (err_set(
			    b->e, ERR_STORAGE, "%s: %s", rel, strerror(errno)));
		if (add_built(b, rel) == -1)
			return (-1);
	}
	return (0);
}

/* Adds one row (SQL_ITEMS's columns) to shard ${s}. */
static int
shard_row(struct build *b, struct shard *s, sqlite3_stmt *st, struct buf *flac)
{
	char id[32], path[48];
	struct parquet *pq = s->pq;
	size_t col = s->audio ? A_N : T_N;
	int j;

	snprintf(
	    id, sizeof(id), "%lld", (long long)sqlite3_column_int64(st, 2));
	parquet_put_str(pq, s->audio ? A_ID : T_ID, id);
	if (s->audio) {
		if (sqlite3_column_type(st, 7) == SQLITE_NULL)
			parquet_put_null(pq, A_AUDIO);
		else {
			if (read_blob(b,
				(const char *)sqlite3_column_text(st, 7),
				flac) == -1)
				return (-1);
			snprintf(path, sizeof(path), "%s.flac", id);
			parquet_put_bytes(pq, A_BYTES, flac->p, flac->n);
			parquet_put_str(pq, A_PATH, path);
		}
		put_text(pq, A_SENTENCE, st, 5);
		parquet_put_i64(pq, A_DURATION,
		    (int64_t)(sqlite3_column_double(st, 8) * 1000 + 0.5));
	} else {
		put_text(pq, T_TEXT, st, 6);
		put_text(pq, T_PROMPT, st, 5);
	}
	put_text(pq, s->audio ? A_SPEAKER : T_SPEAKER, st, 3);
	put_text(pq, s->audio ? A_LANGUAGE : T_LANGUAGE, st, 11);
	parquet_put_i64(
	    pq, s->audio ? A_UP : T_UP, sqlite3_column_int64(st, 13));
	parquet_put_i64(
	    pq, s->audio ? A_DOWN : T_DOWN, sqlite3_column_int64(st, 14));
	put_text(pq, s->audio ? A_CAMPAIGN : T_CAMPAIGN, st, 10);
	put_text(pq, s->audio ? A_CONSENT : T_CONSENT, st, 12);
	for (j = 0; j < DEMO_N; j++)
		if (b->released[j])
			put_text(pq, col++, st, DEMO_COL + j);
	if (parquet_row_end(pq, b->e) == -1)
		return (-1);
	if (++s->rows % (s->audio ? RELEASE_AUDIO_GROUP : RELEASE_TEXT_GROUP) ==
	    0)
		return (parquet_row_group_end(pq, b->e));
	return (0);
}

/* The sample rate shared by the recordings of ${config} (0: text, or
** mixed rates). */
static int
config_rate(struct build *b, const char *config)
{
	json_t *c = json_object_get(b->configs, config);

	return ((int)json_integer_value(json_object_get(c, "sampling_rate")));
}

/* Writes every Parquet shard, config by config and split by split. */
static int
write_data(struct build *b)
{
	struct shard s = { 0 };
	struct buf flac = { 0 };
	sqlite3_stmt *st;
	char config[64] = "", split[8] = "", dir[4400];
	int rc, k = 0, open_ = 0;
	long pos;

	if ((st = db_prepare(b->db, SQL_ITEMS, b->e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, b->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 0);
		const char *sp = (const char *)sqlite3_column_text(st, 1);
		int audio = strcmp((const char *)sqlite3_column_text(st, 4),
				"audio") == 0;

		if (!open_ || strcmp(c, config) != 0 ||
		    strcmp(sp, split) != 0) {
			if (open_ &&
			    (shard_close(b, &s) == -1 ||
				shards_name(b, config, split, k + 1) == -1))
				goto fail;
			if (strcmp(c, config) != 0) {
				snprintf(
				    dir, sizeof(dir), "%s/data/%s", b->tmp, c);
				if (mkdir(dir, 0755) == -1) {
					err_set(b->e, ERR_STORAGE, "%s: %s",
					    dir, strerror(errno));
					goto fail;
				}
			}
			snprintf(config, sizeof(config), "%s", c);
			snprintf(split, sizeof(split), "%s", sp);
			k = 0;
			if (shard_open(b, &s, config, split, k, audio,
				config_rate(b, config)) == -1)
				goto fail_closed;
			open_ = 1;
		} else if ((pos = ftell(s.f)) >= 0 &&
		    (uint64_t)pos >= RELEASE_SHARD_MAX && s.rows > 0) {
			/* The next shard of this split. */
			if (shard_close(b, &s) == -1)
				goto fail;
			if (shard_open(b, &s, config, split, ++k, audio,
				config_rate(b, config)) == -1)
				goto fail_closed;
		}
		if (shard_row(b, &s, st, &flac) == -1)
			goto fail;
	}
	sqlite3_reset(st);
	buf_free(&flac);
	if (rc != SQLITE_DONE) {
		if (open_) {
			parquet_free(s.pq);
			fclose(s.f);
		}
		return (db_err(b->db, b->e, "release"));
	}
	if (open_ &&
	    (shard_close(b, &s) == -1 ||
		shards_name(b, config, split, k + 1) == -1))
		return (-1);
	return (0);
fail:
	if (s.pq != NULL) {
		parquet_free(s.pq);
		fclose(s.f);
	}
fail_closed:
	sqlite3_reset(st);
	buf_free(&flac);
	return (-1);
}

/* The counts per config and split (and each config's sample rate) into
** b->configs. */
static int
read_shape(struct build *b)
{
	sqlite3_stmt *st;
	json_t *c;
	int rc;

	if ((b->configs = json_object()) == NULL)
		return (err_oom(b->e));
	if ((st = db_prepare(b->db, SQL_SHAPE, b->e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, b->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *config = (const char *)sqlite3_column_text(st, 0);

		if ((c = json_object_get(b->configs, config)) == NULL) {
			c = json_pack("{s:{},s:i}", "splits", "sampling_rate",
			    sqlite3_column_int(st, 3) ==
				    sqlite3_column_int(st, 4)
				? sqlite3_column_int(st, 3)
				: 0);
			json_object_set_new(b->configs, config, c);
		} else if (sqlite3_column_int(st, 3) !=
			sqlite3_column_int(st, 4) ||
		    sqlite3_column_int(st, 3) !=
			json_integer_value(json_object_get(c, "sampling_rate")))
			json_object_set_new(
			    c, "sampling_rate", json_integer(0));
		json_object_set_new(json_object_get(c, "splits"),
		    (const char *)sqlite3_column_text(st, 1),
		    json_integer(sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(b->db, b->e, "release"));
}

/* The bytes of ${config}'s files of ${split}. */
static uint64_t
split_bytes(const struct build *b, const char *config, const char *split)
{
	char prefix[256];
	uint64_t n = 0;
	size_t i;

	snprintf(prefix, sizeof(prefix), "data/%s/%s-", config, split);
	for (i = 0; i < b->nfiles; i++)
		if (strncmp(b->files[i].path, prefix, strlen(prefix)) == 0)
			n += b->files[i].bytes;
	return (n);
}

/* The Hub's size category for ${n} rows. */
static const char *
size_category(int64_t n)
{
	return (n < 1000       ? "n<1K"
		: n < 10000    ? "1K<n<10K"
		: n < 100000   ? "10K<n<100K"
		: n < 1000000  ? "100K<n<1M"
		: n < 10000000 ? "1M<n<10M"
			       : "10M<n<100M");
}

/* Appends the rows of ${sql} (?1 = the release) to ${out} as lines made
** by ${line} from the row. */
static int
each_row(struct build *b, const char *sql, struct buf *out,
    int (*line)(struct buf *, sqlite3_stmt *))
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(b->db, sql, b->e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, b->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (line(out, st) == -1) {
			sqlite3_reset(st);
			return (err_oom(b->e));
		}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(b->db, b->e, "release"));
}

/* A campaign's line; one whose file says "redact": {"names": false}
** says that people's names in its text were kept. */
static int
campaign_line(struct buf *o, sqlite3_stmt *st)
{
	int kept = sqlite3_column_type(st, 6) != SQLITE_NULL &&
	    sqlite3_column_int(st, 6) == 0;

	return (buf_printf(o,
	    "- **%s** (`%s`): %s, language `%s`; accepted at %d or more "
	    "votes (%s).%s\n",
	    sqlite3_column_text(st, 1), sqlite3_column_text(st, 0),
	    strcmp((const char *)sqlite3_column_text(st, 3), "audio") == 0
		? "recordings of prompts read aloud"
		: "written text",
	    sqlite3_column_text(st, 2), sqlite3_column_int(st, 4),
	    sqlite3_column_text(st, 5),
	    kept ? " People's names in its text were kept as written: this "
		   "drive did not replace them with [NAME], and its consent "
		   "document said so."
		 : ""));
}

static int
doc_line(struct buf *o, sqlite3_stmt *st)
{
	return (buf_printf(o, "- `%s`: \"%s\" version %d, in `%s`.\n",
	    sqlite3_column_text(st, 0), sqlite3_column_text(st, 3),
	    sqlite3_column_int(st, 2), sqlite3_column_text(st, 1)));
}

static int
source_line(struct buf *o, sqlite3_stmt *st)
{
	const unsigned char *src = sqlite3_column_text(st, 0);

	return (buf_printf(o, "- %s, under `%s`.\n",
	    src != NULL && src[0] != '\0' ? (const char *)src : "(no source)",
	    sqlite3_column_text(st, 1)));
}

/* The card: Hub YAML front matter, then the data statement. */
static int
write_card(struct build *b, sqlite3_stmt *rel, const char *version)
{
	struct buf o = { 0 };
	const char *config, *split, *k;
	json_t *c, *v, *langs = json_array(), *perm, *report;
	int64_t total = 0, up = 0, down = 0, speakers = 0, n;
	sqlite3_stmt *st;
	size_t i;
	int rc = -1, has_audio = 0, has_text = 0;

	json_object_foreach(b->configs, config, c)
	{
		const char *dash = strrchr(config, '-');
		char lang[48];
		int seen = 0;

		snprintf(lang, sizeof(lang), "%.*s",
		    dash ? (int)(dash - config) : (int)strlen(config), config);
		json_array_foreach(langs, i, v) seen |=
		    strcmp(json_string_value(v), lang) == 0;
		if (!seen)
			json_array_append_new(langs, json_string(lang));
		if (dash && strcmp(dash, "-audio") == 0)
			has_audio = 1;
		else
			has_text = 1;
		json_object_foreach(json_object_get(c, "splits"), split, v)
		    total += json_integer_value(v);
	}
	if ((st = db_prepare(b->db, SQL_VOTES, b->e)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, b->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		up = sqlite3_column_int64(st, 0);
		down = sqlite3_column_int64(st, 1);
		speakers = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);

	buf_printf(
	    &o, "---\nlicense: %s\nlanguage:\n", sqlite3_column_text(rel, 2));
	json_array_foreach(langs, i, v)
	    buf_printf(&o, "- %s\n", json_string_value(v));
	buf_puts(&o, "task_categories:\n");
	if (has_audio)
		buf_puts(
		    &o, "- automatic-speech-recognition\n- text-to-speech\n");
	if (has_text)
		buf_puts(&o, "- text-generation\n");
	buf_printf(&o, "pretty_name: %s\nsize_categories:\n- %s\nconfigs:\n",
	    sqlite3_column_text(rel, 1), size_category(total));
	i = 0;
	json_object_foreach(b->configs, config, c)
	{
		buf_printf(&o, "- config_name: %s\n", config);
		if (i++ == 0)
			buf_puts(&o, "  default: true\n");
		buf_puts(&o, "  data_files:\n");
		json_object_foreach(json_object_get(c, "splits"), split, v)
		    buf_printf(&o,
			"  - split: %s\n    path: data/%s/%s-*.parquet\n",
			split, config, split);
	}
	buf_puts(&o, "dataset_info:\n");
	json_object_foreach(b->configs, config, c)
	{
		uint64_t all = 0;
		json_t *f = features(b, strstr(config, "-audio") != NULL,
		    (int)json_integer_value(
			json_object_get(c, "sampling_rate")));

		buf_printf(&o, "- config_name: %s\n  features:\n", config);
		json_object_foreach(f, k, v)
		{
			const char *t =
			    json_string_value(json_object_get(v, "_type"));

			if (t != NULL && strcmp(t, "Audio") == 0) {
				n = json_integer_value(
				    json_object_get(v, "sampling_rate"));
				if (n > 0)
					buf_printf(&o,
					    "  - name: %s\n    dtype:\n      "
					    "audio:\n        sampling_rate: "
					    "%lld\n",
					    k, (long long)n);
				else
					buf_printf(&o,
					    "  - name: %s\n    dtype: audio\n",
					    k);
			} else
				buf_printf(&o, "  - name: %s\n    dtype: %s\n",
				    k,
				    json_string_value(
					json_object_get(v, "dtype")));
		}
		json_decref(f);
		buf_puts(&o, "  splits:\n");
		json_object_foreach(json_object_get(c, "splits"), split, v)
		{
			uint64_t sb = split_bytes(b, config, split);

			all += sb;
			buf_printf(&o,
			    "  - name: %s\n    num_bytes: %llu\n    "
			    "num_examples: %lld\n",
			    split, (unsigned long long)sb,
			    (long long)json_integer_value(v));
		}
		buf_printf(&o, "  download_size: %llu\n  dataset_size: %llu\n",
		    (unsigned long long)all, (unsigned long long)all);
	}
	buf_puts(&o, "---\n\n");

	/* The data statement. */
	buf_printf(&o,
	    "# %s, version %s\n\n"
	    "Speech and text given by members of a community, with recorded "
	    "consent, through a Tributary node the community runs itself. "
	    "%lld items from %lld speaker%s.\n\n"
	    "## Who contributed, and how they were asked\n\n",
	    sqlite3_column_text(rel, 1), version, (long long)total,
	    (long long)speakers, speakers == 1 ? "" : "s");
	if (each_row(b, SQL_CAMPAIGNS, &o, campaign_line) == -1)
		goto out;
	buf_puts(&o,
	    "\nSpeaker ids are keyed pseudonyms: stable across versions of "
	    "this dataset, not linkable to accounts, to other datasets or to "
	    "other nodes. Splits are speaker-disjoint.\n\n");
	demo_statement(b, &o);
	buf_puts(&o,
	    "## Consent\n\nEvery item was given under one of these consent "
	    "documents (SHA-256 of the exact text the person read):\n\n");
	if (each_row(b, SQL_DOCS, &o, doc_line) == -1)
		goto out;
	perm = json_loads((const char *)sqlite3_column_text(rel, 3), 0, NULL);
	buf_printf(&o,
	    "\nAn item is here only if its consent granted every scope the "
	    "licence `%s` needs",
	    sqlite3_column_text(rel, 2));
	if (json_array_size(perm) > 0) {
		buf_puts(&o, " and the uses this release permits (");
		json_array_foreach(perm, i, v) buf_printf(
		    &o, "%s`%s`", i ? ", " : "", json_string_value(v));
		buf_puts(&o, ")");
	}
	json_decref(perm);
	buf_puts(&o, ". Left out of this release:\n\n");
	report = json_loads((const char *)sqlite3_column_text(rel, 6), 0, NULL);
	json_object_foreach(json_object_get(report, "left"), k, v)
	    buf_printf(&o, "- %s: %lld\n", k, (long long)json_integer_value(v));
	json_decref(report);
	buf_puts(&o,
	    "\n## Prompts\n\nThe prompts read or written about "
	    "came from these sources, under these licences:\n\n");
	n = (int64_t)o.n;
	if (each_row(b, SQL_PROMPT_SOURCES, &o, source_line) == -1)
		goto out;
	if ((int64_t)o.n == n)
		buf_puts(&o,
		    "- none: no item was made from the node's "
		    "prompt list.\n");
	buf_printf(&o,
	    "\n## Review\n\nCommunity reviewers who speak the language vote "
	    "on each item; the campaign's rule above turns votes into a "
	    "decision, and a maintainer may decide against the votes with a "
	    "reason kept in the node's audit log. The items released carry "
	    "%lld votes for and %lld against.\n\n",
	    (long long)up, (long long)down);
	pay_statement(b, (const char *)sqlite3_column_text(rel, 12), &o);
	buf_printf(&o,
	    "## Withdrawal, and your obligation\n\n"
	    "Anyone who contributed may withdraw at any time. A withdrawal "
	    "retires every release that holds the item, and the node "
	    "publishes the withdrawn ids in its signed revocation list "
	    "(`/api/v1/revocations` on the node that made this release, "
	    "signed with the key in `manifest.json`). By "
	    "using this dataset you agree to apply that list: delete every "
	    "withdrawn item from your copies and from what you derive from "
	    "them.\n\n"
	    "## Files\n\n`manifest.json` lists every file with its SHA-256; "
	    "`manifest.sig` is the node's Ed25519 signature of it "
	    "(`tributary release verify`).\n");
	if (o.p == NULL) {
		err_oom(b->e);
		goto out;
	}
	rc = write_file(b, "README.md", o.p, o.n) == -1 ||
		add_built(b, "README.md") == -1
	    ? -1
	    : 0;
out:
	json_decref(langs);
	buf_free(&o);
	return (rc);
}

/* Compares built files by path (the manifest's order). */
static int
cmp_built(const void *x, const void *y)
{
	return (strcmp(
	    ((const struct built *)x)->path, ((const struct built *)y)->path));
}

/* manifest.json and manifest.sig. */
static int
write_manifest(struct build *b, sqlite3_stmt *rel, const char *version)
{
	json_t *m, *files, *docs, *revoked, *prev = json_null();
	json_t *heads, *ledger;
	char head[SHA256_HEX_LEN + 1], pk[65], sighex[129], *text = NULL;
	uint8_t sig[crypto_sign_BYTES];
	sqlite3_stmt *st;
	int64_t head_id = 0, prev_id = 0;
	size_t i;
	int rc = -1;

	qsort(b->files, b->nfiles, sizeof(*b->files), cmp_built);
	files = json_array();
	for (i = 0; i < b->nfiles; i++)
		json_array_append_new(files,
		    json_pack("{s:s,s:I,s:s}", "path", b->files[i].path,
			"bytes", (json_int_t)b->files[i].bytes, "sha256",
			b->files[i].sha));
	docs = json_array();
	if ((st = db_prepare(b->db, SQL_DOCS, b->e)) == NULL)
		goto out0;
	sqlite3_bind_int64(st, 1, b->id);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(docs,
		    json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_reset(st);
	revoked = json_array();
	if ((st = db_prepare(b->db, SQL_PREVIOUS, b->e)) == NULL)
		goto out1;
	sqlite3_bind_text(st, 1, (const char *)sqlite3_column_text(rel, 1), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, b->id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		prev_id = sqlite3_column_int64(st, 0);
		prev = json_string((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (prev_id > 0) {
		if ((st = db_prepare(b->db, SQL_REVOKED, b->e)) == NULL)
			goto out1;
		sqlite3_bind_int64(st, 1, prev_id);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
			    revoked, json_integer(sqlite3_column_int64(st, 0)));
		sqlite3_reset(st);
	}
	/* The heads the release pinned when it was created (a release from
	** before they were pinned: the audit log's now). */
	heads = json_loads((const char *)sqlite3_column_text(rel, 11), 0, NULL);
	if (json_object_get(heads, "audit") != NULL) {
		head_id = json_integer_value(
		    json_object_get(json_object_get(heads, "audit"), "id"));
		snprintf(head, sizeof(head), "%s",
		    json_string_value(json_object_get(
			json_object_get(heads, "audit"), "hash"))
			?: "");
	} else if (audit_head(b->db, &head_id, head, b->e) != 1)
		head[0] = '\0';
	ledger = json_incref(json_object_get(heads, "ledger"));
	json_decref(heads);
	hex_encode(b->n->sign_pk, 32, pk);
	m = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:{s:I,s:s},"
		      "s:s,s:o}",
	    "dataset", (const char *)sqlite3_column_text(rel, 1), "version",
	    version, "licence", (const char *)sqlite3_column_text(rel, 2),
	    "permits",
	    json_loads((const char *)sqlite3_column_text(rel, 3), 0, NULL),
	    "splits_percent",
	    json_loads((const char *)sqlite3_column_text(rel, 5), 0, NULL),
	    "report",
	    json_loads((const char *)sqlite3_column_text(rel, 6), 0, NULL),
	    "created_at", (json_int_t)sqlite3_column_int64(rel, 7), "previous",
	    prev, "revoked_since_previous", revoked, "consent_documents", docs,
	    "audit_head", "id", (json_int_t)head_id, "hash", head, "public_key",
	    pk, "files", files);
	prev = revoked = docs = files = NULL;
	if (m != NULL)
		json_object_set_new(m, "configs", json_deep_copy(b->configs));
	if (m != NULL && ledger != NULL)
		json_object_set(m, "ledger_head", ledger);
	json_decref(ledger);
	text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(m);
	if (text == NULL) {
		err_oom(b->e);
		goto out0;
	}
	crypto_sign_detached(
	    sig, NULL, (const uint8_t *)text, strlen(text), b->n->sign_sk);
	hex_encode(sig, sizeof(sig), sighex);
	sighex[128] = '\n';
	rc = write_file(b, "manifest.json", text, strlen(text)) == -1 ||
		write_file(b, "manifest.sig", sighex, 129) == -1
	    ? -1
	    : 0;
	free(text);
	return (rc);
out1:
	json_decref(revoked);
out0:
	json_decref(prev);
	json_decref(docs);
	json_decref(files);
	return (rc);
}

void
release_tree_remove(const char *path)
{
	struct dirent *d;
	char sub[4400];
	DIR *dir;

	if ((dir = opendir(path)) == NULL) {
		unlink(path);
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		release_tree_remove(sub);
	}
	closedir(dir);
	rmdir(path);
}

int
release_dir_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd == -1)
		return (-1);
	rc = fsync(fd);
	close(fd);
	return (rc);
}

int
release_build(struct node *n, struct db *db, const char *version, struct err *e)
{
	struct build b = { 0 };
	sqlite3_stmt *rel;
	char root[3000], final[4400], data[4400];
	const char *config;
	json_t *c;
	struct stat sb;
	int rc;

	b.n = n;
	b.db = db;
	b.e = e;
	if ((rel = db_prepare(db, SQL_RELEASE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(rel, 1, version, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(rel)) != SQLITE_ROW) {
		sqlite3_reset(rel);
		return (rc == SQLITE_DONE
			? err_set(e, ERR_NOT_FOUND, "no release %s", version)
			: db_err(db, e, "release"));
	}
	if (sqlite3_column_int(rel, 8)) {
		sqlite3_reset(rel);
		return (err_set(e, ERR_CONFLICT,
		    "release %s is retired: something in it was withdrawn",
		    version));
	}
	if (sqlite3_column_int(rel, 13)) {
		sqlite3_reset(rel);
		return (err_set(e, ERR_CONFLICT,
		    "release %s is federated: its folder is written by "
		    "`tributary federate release` only",
		    version));
	}
	b.id = sqlite3_column_int64(rel, 0);
	snprintf(root, sizeof(root), "%s/releases", n->dir);
	snprintf(final, sizeof(final), "%s/%s", root, version);
	snprintf(b.tmp, sizeof(b.tmp), "%s/.building-%s", root, version);
	if (stat(final, &sb) == 0) {
		sqlite3_reset(rel);
		return (err_set(e, ERR_CONFLICT,
		    "%s exists: a release folder is never overwritten", final));
	}
	/* What a crash left half built is not a release. */
	release_tree_remove(b.tmp);
	snprintf(data, sizeof(data), "%s/data", b.tmp);
	if ((mkdir(root, 0755) == -1 && errno != EEXIST) ||
	    mkdir(b.tmp, 0755) == -1 || mkdir(data, 0755) == -1) {
		sqlite3_reset(rel);
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", b.tmp, strerror(errno)));
	}
	demo_columns(&b, (const char *)sqlite3_column_text(rel, 10));
	rc = read_shape(&b) == -1 || write_data(&b) == -1 ||
		write_card(&b, rel, version) == -1 ||
		write_manifest(&b, rel, version) == -1
	    ? -1
	    : 0;
	sqlite3_reset(rel);
	if (rc == 0) {
		json_object_foreach(b.configs, config, c)
		{
			snprintf(
			    final, sizeof(final), "%s/data/%s", b.tmp, config);
			release_dir_sync(final);
		}
		snprintf(final, sizeof(final), "%s/%s", root, version);
		if (release_dir_sync(data) == -1 ||
		    release_dir_sync(b.tmp) == -1 ||
		    rename(b.tmp, final) == -1 || release_dir_sync(root) == -1)
			rc = err_set(
			    e, ERR_STORAGE, "%s: %s", final, strerror(errno));
	}
	if (rc == -1)
		release_tree_remove(b.tmp);
	json_decref(b.configs);
	json_decref(b.demo);
	free(b.files);
	return (rc);
}

/* Is ${dir}/${rel} a folder (for file systems that do not say in
** readdir)? */
static int
is_dir(const char *dir, const char *rel)
{
	char path[4400];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Adds the files under ${dir}/${rel} (recursively) not named in
** ${listed} to ${out}->extra. */
static void
count_extra(
    const char *dir, const char *rel, json_t *listed, struct release_check *out)
{
	char path[4400], sub[512];
	struct dirent *d;
	json_t *f;
	size_t i;
	DIR *dh;
	int known;

	snprintf(path, sizeof(path), "%s%s%s", dir, rel[0] ? "/" : "", rel);
	if ((dh = opendir(path)) == NULL)
		return;
	while ((d = readdir(dh)) != NULL) {
		if (d->d_name[0] == '.' &&
		    (d->d_name[1] == '\0' ||
			(d->d_name[1] == '.' && d->d_name[2] == '\0')))
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
		    d->d_name);
		if (d->d_type == DT_DIR ||
		    (d->d_type == DT_UNKNOWN && is_dir(dir, sub))) {
			count_extra(dir, sub, listed, out);
			continue;
		}
		known = strcmp(sub, "manifest.json") == 0 ||
		    strcmp(sub, "manifest.sig") == 0;
		json_array_foreach(listed, i, f) known |=
		    strcmp(json_string_value(json_object_get(f, "path")),
			sub) == 0;
		if (!known) {
			if (out->extra++ == 0 && out->first_bad[0] == '\0')
				snprintf(out->first_bad, sizeof(out->first_bad),
				    "%.200s (not listed)", sub);
		}
	}
	closedir(dh);
}

int
release_verify(const char *dir, const uint8_t *pk, struct release_check *out,
    struct err *e)
{
	char path[4400], *text = NULL, *sigtext = NULL;
	uint8_t key[32], sig[crypto_sign_BYTES];
	struct built got;
	size_t n, sn, i;
	json_t *m, *f;
	struct err ignore;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (text_read_file(path, 64u << 20, &text, &n, e) == -1)
		return (-1);
	if ((m = json_loadb(text, n, 0, NULL)) == NULL) {
		free(text);
		return (err_set(e, ERR_INVALID, "%s is not JSON", path));
	}
	out->key_given = pk != NULL;
	if (pk == NULL) {
		const char *h =
		    json_string_value(json_object_get(m, "public_key"));

		if (h == NULL || hex_decode(h, key, 32) != 0) {
			json_decref(m);
			free(text);
			return (err_set(e, ERR_INVALID,
			    "the manifest names no public key: give it"));
		}
		pk = key;
	}
	snprintf(path, sizeof(path), "%s/manifest.sig", dir);
	if (text_read_file(path, 4096, &sigtext, &sn, &ignore) == 0 &&
	    sn >= 128 && (sn == 128 || sigtext[128] == '\n') &&
	    (sigtext[128] = '\0', hex_decode(sigtext, sig, sizeof(sig)) == 0))
		out->signature_ok = crypto_sign_verify_detached(
					sig, (const uint8_t *)text, n, pk) == 0;
	free(sigtext);
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		const char *rel = json_string_value(json_object_get(f, "path"));
		const char *sha =
		    json_string_value(json_object_get(f, "sha256"));

		out->files++;
		snprintf(path, sizeof(path), "%s/%s", dir, rel ? rel : "");
		if (rel == NULL || sha == NULL || strstr(rel, "..") != NULL ||
		    release_file_sha256(path, &got.bytes, got.sha, &ignore) ==
			-1 ||
		    strcmp(got.sha, sha) != 0 ||
		    (json_int_t)got.bytes !=
			json_integer_value(json_object_get(f, "bytes"))) {
			if (out->bad++ == 0)
				snprintf(out->first_bad, sizeof(out->first_bad),
				    "%s",
				    rel ? rel : "(a file without a path)");
		}
	}
	count_extra(dir, "", json_object_get(m, "files"), out);
	json_decref(m);
	free(text);
	return (0);
}
