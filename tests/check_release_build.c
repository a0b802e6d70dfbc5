/*
** The release builder (server/outbound/release_build.c): the folder a
** release becomes, read back by DuckDB and hyparquet (tests/parquet/
** read.mjs), its card's YAML parsed with libyaml against the rows, the
** same bytes from the same database, a changed byte found by `release
** verify`, and no half-built release left behind.
*/
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#include "audio.h"
#include "blob.h"
#include "contrib.h"
#include "crypto.h"
#include "demographics.h"
#include "ledger.h"
#include "licences.h"
#include "release.h"
#include "release_build.h"
#include "review.h"
#include "testutil.h"

static struct node node;
static struct licence_table lt;

static void
setup(void)
{
	struct err e = { 0 };
	char path[700];

	tu_db_setup();
	memset(&node, 0, sizeof(node));
	node.dir = tu_base;
	snprintf(path, sizeof(path), "%s/blobs", tu_base);
	ck_assert_ptr_nonnull(node.blobs = blob_open(path, &e));
	crypto_sign_keypair(node.sign_pk, node.sign_sk);
	memset(node.pseudonym_key, 7, sizeof(node.pseudonym_key));
	ck_assert_msg(
	    licences_load(tu_src_path("consent/licences.yaml"), &lt, &e) == 0,
	    "%s", e.msg);
}

static void
teardown(void)
{
	licences_free(&lt);
	blob_close(node.blobs);
	tu_db_teardown();
}

/* Selects and records release ${version} under cc-by-4.0, then builds. */
static int
cut(const char *version, struct err *e)
{
	struct release_selection sel;
	struct release_record rr = { 0 };
	struct release_spec s = { 0 };

	s.version = version;
	s.dataset = "ewe";
	s.licence = "cc-by-4.0";
	s.splits[0] = 80;
	s.splits[1] = 10;
	s.splits[2] = 10;
	ck_assert_int_eq(
	    release_select(tu_db, &lt, node.pseudonym_key, &s, &sel, e), 0);
	rr.spec = &s;
	rr.sel = &sel;
	tu_run_ok(release_record_job, &rr);
	release_selection_free(&sel);
	return (release_build(&node, tu_db, version, e));
}

/* A node with a text and an audio campaign, two speakers, items of both. */
static void
populate(void)
{
	int64_t t, a, p1, p2;
	int i;
	char text[64];

	t = tu_add_campaign(
	    "{\"slug\":\"words\",\"title\":\"Words\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000,"
	    "\"pay\":{\"currency\":\"GHS\",\"per_item\":50}}");
	a = tu_add_campaign(
	    "{\"slug\":\"voices\",\"title\":\"Voices\",\"language\":\"ee\","
	    "\"kind\":\"audio\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_voice\"],\"minimum_age\":16,\"min_seconds\":0.5,"
	    "\"max_seconds\":10,\"sample_rate\":16000}");
	p1 = tu_add_account("ama", ROLE_CONTRIBUTOR);
	p2 = tu_add_account("kofi", ROLE_CONTRIBUTOR);
	tu_give_consent(p1, t, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(p2, t, "[\"publish_text\",\"commercial_use\"]");
	tu_give_consent(p1, a,
	    "[\"publish_voice\",\"commercial_use\",\"voice_synthesis\"]");
	for (i = 0; i < 6; i++) {
		snprintf(
		    text, sizeof(text), "Sentence %d: \xc9\x96 \xc6\x90", i);
		tu_validate(tu_add_text(i % 2 ? p1 : p2, t, text));
	}
	tu_add_recording(&node, p1, a, 3);
	tu_add_recording(&node, p1, a, 5);
}

/* Runs the readers on ${file}; their JSON. */
static json_t *
read_back(const char *file)
{
	char cmd[2048], *out;
	size_t n = 0, cap = 1 << 20;
	json_t *j;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "node %s '%s' 2>&1",
	    tu_src_path("tests/parquet/read.mjs"), file);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	out = malloc(cap);
	n = fread(out, 1, cap - 1, p);
	out[n] = '\0';
	ck_assert_int_eq(pclose(p), 0);
	j = json_loads(out, 0, NULL);
	ck_assert_msg(j != NULL, "readers said: %.500s", out);
	free(out);
	return (j);
}

/* Whether the readers are installed (ops/dev test runs npm ci). */
static int
readers_there(void)
{
	char path[700];

	snprintf(path, sizeof(path), "%s",
	    tu_src_path("node_modules/@duckdb/node-api/package.json"));
	return (access(path, R_OK) == 0);
}

/* The first file under ${dir}/data/${config} of split ${split}. */
static void
shard(
    const char *dir, const char *config, const char *split, char *out, size_t n)
{
	snprintf(
	    out, n, "%s/data/%s/%s-00000-of-00001.parquet", dir, config, split);
}

START_TEST(test_folder_read_back)
{
	char dir[800], file[1000];
	struct err e = { 0 };
	json_t *j, *rows, *schema, *row, *col;
	size_t i;
	int audio_seen = 0;
	struct stat sb;

	populate();
	ck_assert_msg(cut("1.0.0", &e) == 0, "%s", e.msg);
	snprintf(dir, sizeof(dir), "%s/releases/1.0.0", tu_base);
	snprintf(file, sizeof(file), "%s/README.md", dir);
	ck_assert_int_eq(stat(file, &sb), 0);
	snprintf(file, sizeof(file), "%s/manifest.sig", dir);
	ck_assert_int_eq(stat(file, &sb), 0);
	snprintf(file, sizeof(file), "%s/releases/.building-1.0.0", tu_base);
	ck_assert_int_ne(stat(file, &sb), 0);
	if (!readers_there()) {
		fprintf(stderr,
		    "check_release_build: SKIPPING the readers "
		    "(run `npm ci`)\n");
		return;
	}
	/* The recordings: DuckDB sees the Audio struct, and the bytes are
	** the FLAC stored, which decodes to the samples. */
	shard(dir, "ee-audio", "train", file, sizeof(file));
	if (stat(file, &sb) != 0)
		shard(dir, "ee-audio", "test", file, sizeof(file));
	if (stat(file, &sb) != 0)
		shard(dir, "ee-audio", "dev", file, sizeof(file));
	j = read_back(file);
	schema = json_object_get(json_object_get(j, "duckdb"), "schema");
	json_array_foreach(schema, i, col)
	{
		if (strcmp(json_string_value(json_array_get(col, 0)),
			"audio") == 0) {
			ck_assert_msg(
			    strstr(json_string_value(json_array_get(col, 1)),
				"STRUCT(bytes BLOB") != NULL &&
				strstr(
				    json_string_value(json_array_get(col, 1)),
				    "VARCHAR)") != NULL,
			    "audio is %s",
			    json_string_value(json_array_get(col, 1)));
			audio_seen = 1;
		}
	}
	ck_assert_msg(audio_seen, "no audio column");
	rows = json_object_get(json_object_get(j, "duckdb"), "rows");
	ck_assert_int_eq(json_array_size(rows), 2);
	row = json_array_get(rows, 0);
	ck_assert_str_eq(json_string_value(json_object_get(row, "sentence")),
	    "Read this sentence aloud.");
	ck_assert_str_eq(
	    json_string_value(json_object_get(row, "duration_ms")), "1000");
	/* The bytes DuckDB read are a FLAC file that decodes to the samples
	** recorded (the first recording: tone 3). */
	{
		const char *hex = json_string_value(
		    json_object_get(json_object_get(row, "audio"), "bytes"));
		size_t len = hex ? strlen(hex) / 2 : 0, ns, k;
		uint8_t *flac = malloc(len + 1);
		int16_t *got;
		int rate;

		ck_assert_ptr_nonnull(hex);
		ck_assert_int_eq(hex_decode(hex, flac, len), 0);
		ck_assert_ptr_nonnull(
		    got = audio_flac_decode(flac, len, &ns, &rate, &e));
		ck_assert_int_eq(ns, 16000);
		ck_assert_int_eq(rate, 16000);
		for (k = 0; k < ns; k++)
			ck_assert_int_eq(
			    got[k], (int16_t)((k * 3) % 2000 - 1000));
		free(got);
		free(flac);
	}
	/* hyparquet reads the same rows. */
	ck_assert_msg(
	    json_equal(
		rows, json_object_get(json_object_get(j, "hyparquet"), "rows")),
	    "DuckDB and hyparquet differ");
	json_decref(j);
}
END_TEST

/* Every split's num_examples in the card equals the rows of its files. */
START_TEST(test_card_counts)
{
	char path[800];
	struct err e = { 0 };
	yaml_parser_t p;
	yaml_document_t doc;
	char *text;
	size_t n;
	int64_t sum;

	populate();
	ck_assert_msg(cut("1.0.0", &e) == 0, "%s", e.msg);
	snprintf(path, sizeof(path), "%s/releases/1.0.0/README.md", tu_base);
	text = tu_slurp(path, &n);
	ck_assert(strncmp(text, "---\n", 4) == 0);
	*strstr(text + 4, "\n---\n") = '\0';
	ck_assert(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(
	    &p, (const unsigned char *)text + 4, strlen(text + 4));
	ck_assert_msg(yaml_parser_load(&p, &doc), "the card's YAML: %s",
	    p.problem ? p.problem : "?");
	ck_assert_ptr_nonnull(yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	/* The counts: the card's num_examples add up to the items. */
	sum = 0;
	for (char *q = text; (q = strstr(q, "num_examples: ")) != NULL; q++)
		sum += atoll(q + 14);
	ck_assert_int_eq(
	    sum, tu_q_int("SELECT count(*) FROM release_items", 0));
	ck_assert_int_eq(sum, 8);
	free(text);
}
END_TEST

/* Reads ${path} whole. */
static char *
file_bytes(const char *path, size_t *n)
{
	return (tu_slurp(path, n));
}

/* The same database, built twice: the same bytes, file for file. */
START_TEST(test_byte_identical)
{
	static const char *const files[] = { "README.md", "manifest.json",
		"manifest.sig" };
	char a[1200], b[1200], moved[800];
	struct err e = { 0 };
	char *x, *y;
	size_t nx, ny, i;

	populate();
	ck_assert_msg(cut("1.0.0", &e) == 0, "%s", e.msg);
	snprintf(a, sizeof(a), "%s/releases/1.0.0", tu_base);
	snprintf(moved, sizeof(moved), "%s/first", tu_base);
	ck_assert_int_eq(rename(a, moved), 0);
	/* Later the audit log and the ledger move on (an item validated,
	** its pay accrued): what the release pinned does not. */
	{
		int64_t later = tu_add_text(tu_q_int("SELECT min(id) FROM "
						     "accounts WHERE handle = "
						     "'ama' AND ?1",
						1),
		    tu_q_int("SELECT id FROM campaigns WHERE slug = 'words' "
			     "AND ?1",
			1),
		    "A later one.");

		tu_validate(later);
		ck_assert_int_gt(tu_q_int("SELECT count(*) FROM ledger_entries "
					  "WHERE contribution_id = ?1",
				     later),
		    0);
	}
	/* The folder is gone, the draft stays: build it again. */
	ck_assert_msg(
	    release_build(&node, tu_db, "1.0.0", &e) == 0, "%s", e.msg);
	for (i = 0; i < 3; i++) {
		snprintf(a, sizeof(a), "%s/%s", moved, files[i]);
		snprintf(
		    b, sizeof(b), "%s/releases/1.0.0/%s", tu_base, files[i]);
		x = file_bytes(a, &nx);
		y = file_bytes(b, &ny);
		ck_assert_msg(
		    nx == ny && memcmp(x, y, nx) == 0, "%s differs", files[i]);
		free(x);
		free(y);
	}
	/* A folder is never overwritten. */
	ck_assert_int_eq(release_build(&node, tu_db, "1.0.0", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONFLICT);
}
END_TEST

/* Flips one byte of ${path} at ${off}. */
static void
flip(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	ck_assert_ptr_nonnull(f);
	fseek(f, off, SEEK_SET);
	c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 1, f);
	fclose(f);
}

START_TEST(test_tamper)
{
	struct release_check ck;
	char dir[800], path[1200];
	struct err e = { 0 };
	uint8_t other[32], sk[64];

	populate();
	ck_assert_msg(cut("1.0.0", &e) == 0, "%s", e.msg);
	snprintf(dir, sizeof(dir), "%s/releases/1.0.0", tu_base);
	ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
	ck_assert(ck.signature_ok && ck.bad == 0 && ck.extra == 0);
	ck_assert_int_ge(ck.files, 3); /* the card, a text and an audio shard */
	/* Another node's key does not verify it. */
	crypto_sign_keypair(other, sk);
	ck_assert_int_eq(release_verify(dir, other, &ck, &e), 0);
	ck_assert(!ck.signature_ok);
	/* One byte of one Parquet file. */
	snprintf(path, sizeof(path), "%s/README.md", dir);
	flip(path, 10);
	ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
	ck_assert_int_eq(ck.bad, 1);
	ck_assert_str_eq(ck.first_bad, "README.md");
	flip(path, 10);
	/* One byte of the manifest: a digit of the audit chain's head, so
	** it is still JSON and only the signature can tell. */
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	{
		size_t n;
		char *m = tu_slurp(path, &n);
		long off = (long)(strstr(m, "\"hash\": \"") - m) + 10;

		free(m);
		flip(path, off);
		ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
		ck_assert(!ck.signature_ok);
		flip(path, off);
		ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
		ck_assert(ck.signature_ok);
	}
	/* A file slipped in. */
	snprintf(path, sizeof(path), "%s/data/extra.parquet", dir);
	fclose(fopen(path, "w"));
	ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
	ck_assert_int_eq(ck.extra, 1);
}
END_TEST

/*
** Killed at any moment while it builds, a release is either not there or
** whole (it verifies), and the next attempt finishes it. The child opens
** its own connection (none is carried across fork()).
*/
START_TEST(test_kill_during_build)
{
	struct release_selection sel;
	struct release_record rr = { 0 };
	struct release_spec s = { 0 };
	struct release_check ck;
	struct err e = { 0 };
	char dir[800], text[64];
	int64_t camp, who;
	int i, round, whole = 0, absent = 0, status;
	useconds_t wait_us;
	struct stat sb;
	pid_t pid;

	camp = tu_add_campaign(
	    "{\"slug\":\"many\",\"title\":\"Many\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}");
	who = tu_add_account("many", ROLE_CONTRIBUTOR);
	tu_give_consent(who, camp, "[\"publish_text\",\"commercial_use\"]");
	for (i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text), "Line %d of many.", i);
		tu_add_text(who, camp, text);
	}
	ck_assert_int_eq(tu_q_int("UPDATE contributions SET status = "
				  "'validated' RETURNING 1",
			     0),
	    1);
	ck_assert_int_eq(tu_q_int("SELECT count(*) FROM contributions WHERE "
				  "status = 'validated'",
			     0),
	    3000);
	s.version = "k";
	s.dataset = "many";
	s.licence = "cc-by-4.0";
	s.splits[0] = 100;
	ck_assert_int_eq(
	    release_select(tu_db, &lt, node.pseudonym_key, &s, &sel, &e), 0);
	rr.spec = &s;
	rr.sel = &sel;
	tu_run_ok(release_record_job, &rr);
	release_selection_free(&sel);
	snprintf(dir, sizeof(dir), "%s/releases/k", tu_base);
	/* Kills sooner and later, until a build has finished: each wait
	** half again the one before, from none. */
	for (round = 0, wait_us = 0; round < 40 && whole == 0;
	     round++, wait_us = wait_us ? wait_us * 3 / 2 : 2000) {
		if ((pid = fork()) == 0) {
			struct db *db = db_open(tu_dbpath, 0, &e);

			_exit(
			    db != NULL && release_build(&node, db, "k", &e) == 0
				? 0
				: 1);
		}
		ck_assert_int_gt(pid, 0);
		usleep(wait_us);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (stat(dir, &sb) != 0) {
			absent++;
			continue;
		}
		/* Whole: it verifies with the node's key. */
		ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
		ck_assert_msg(ck.signature_ok && ck.bad == 0 && ck.extra == 0,
		    "a killed build left a broken release: %s", ck.first_bad);
		whole++;
		tu_rmrf(dir);
	}
	/* Both ends were seen: killed before the rename, and after it. */
	ck_assert_int_gt(absent, 0);
	ck_assert_msg(whole > 0, "no build finished in %d tries", round);
	/* What a killed build left is cleared by the next. */
	ck_assert_msg(release_build(&node, tu_db, "k", &e) == 0, "%s", e.msg);
	ck_assert_int_eq(release_verify(dir, node.sign_pk, &ck, &e), 0);
	ck_assert(ck.signature_ok && ck.bad == 0);
}
END_TEST

/*
** The demographics a release keeps are columns of its files, as the
** readers see them, and the card says what k-anonymity did: five women
** in their twenties, each with her own variety: age and gender are
** released, the variety is not.
*/
START_TEST(test_demographic_columns)
{
	static const char *const varieties[] = { "Anlo", "Tongu", "Awuna",
		"Kpando", "Peki" };
	struct release_selection sel = { 0 };
	struct release_record rr = { 0 };
	struct release_spec s = { 0 };
	struct demographics_set ds;
	char h[16], dir[800], file[1000], *card;
	struct err e = { 0 };
	int64_t t, who;
	json_t *j, *rows, *row, *schema, *col;
	size_t i, n;
	int seen_age = 0, seen_variety = 0;

	t = tu_add_campaign(
	    "{\"slug\":\"words\",\"title\":\"Words\",\"language\":\"ee\","
	    "\"kind\":\"text\",\"consent\":\"general\",\"required_scopes\":"
	    "[\"publish_text\"],\"minimum_age\":16,\"max_chars\":2000}");
	for (i = 0; i < 5; i++) {
		snprintf(h, sizeof(h), "woman%zu", i);
		who = tu_add_account(h, ROLE_CONTRIBUTOR);
		tu_give_consent(
		    who, t, "[\"publish_text\",\"commercial_use\"]");
		tu_validate(tu_add_text(who, t, "Ŋdi nyuie."));
		memset(&ds, 0, sizeof(ds));
		ds.account = who;
		snprintf(ds.d.age_range, sizeof(ds.d.age_range), "20-29");
		snprintf(ds.d.gender, sizeof(ds.d.gender), "female");
		snprintf(
		    ds.d.variety, sizeof(ds.d.variety), "%s", varieties[i]);
		tu_run_ok(demographics_job, &ds);
	}
	s.version = "1.0.0";
	s.dataset = "ewe";
	s.licence = "cc-by-4.0";
	s.splits[0] = 100;
	rr.spec = &s;
	rr.sel = &sel;
	rr.lt = &lt;
	rr.key = node.pseudonym_key;
	tu_run_ok(release_record_job, &rr);
	release_selection_free(&sel);
	ck_assert_msg(
	    release_build(&node, tu_db, "1.0.0", &e) == 0, "%s", e.msg);
	snprintf(dir, sizeof(dir), "%s/releases/1.0.0", tu_base);
	snprintf(file, sizeof(file), "%s/README.md", dir);
	card = tu_slurp(file, &n);
	ck_assert_msg(
	    strstr(card, "- Released: `age_range`, `gender`.") != NULL, "%s",
	    card);
	ck_assert_ptr_nonnull(strstr(card, "share each value: `variety`."));
	ck_assert_ptr_nonnull(strstr(card, "No row was removed"));
	ck_assert_ptr_nonnull(strstr(card, "name: age_range"));
	free(card);
	if (!readers_there())
		return;
	shard(dir, "ee-text", "train", file, sizeof(file));
	j = read_back(file);
	schema = json_object_get(json_object_get(j, "duckdb"), "schema");
	json_array_foreach(schema, i, col)
	{
		seen_age |= strcmp(json_string_value(json_array_get(col, 0)),
				"age_range") == 0;
		seen_variety |=
		    strcmp(json_string_value(json_array_get(col, 0)),
			"variety") == 0;
	}
	ck_assert(seen_age && !seen_variety);
	rows = json_object_get(json_object_get(j, "duckdb"), "rows");
	ck_assert_int_eq(json_array_size(rows), 5);
	json_array_foreach(rows, i, row)
	{
		ck_assert_str_eq(
		    json_string_value(json_object_get(row, "age_range")),
		    "20-29");
		ck_assert_str_eq(
		    json_string_value(json_object_get(row, "gender")),
		    "female");
	}
	ck_assert_msg(
	    json_equal(
		rows, json_object_get(json_object_get(j, "hyparquet"), "rows")),
	    "DuckDB and hyparquet differ");
	ck_assert_ptr_nonnull(
	    strstr(json_string_value(json_object_get(
		       json_object_get(json_object_get(j, "duckdb"), "kv"),
		       "huggingface")),
		"\"age_range\""));
	json_decref(j);
}
END_TEST

/*
** The card's pay section and the manifest's ledger head, from what the
** release pinned when it was created: the rate, what its items earned
** (six texts at 0.50 GHS), what was paid and is owed; the ledger head is
** the one at creation, not after a later payout.
*/
START_TEST(test_pay_pinned)
{
	struct ledger_payout po = { 0 };
	char path[800], hex[SHA256_HEX_LEN + 1], *card, *man;
	struct err e = { 0 };
	int64_t head_id;
	json_t *m;
	size_t n;

	populate();
	/* One payout before the cut: 1.00 GHS to ama. */
	po.account = tu_q_int("SELECT id FROM accounts WHERE handle = 'ama' "
			      "AND ?1",
	    1);
	po.currency = "GHS";
	po.amount = 100;
	po.method = "cash";
	tu_run_ok(ledger_payout_job, &po);
	ck_assert_int_eq(ledger_head(tu_db, &head_id, hex, &e), 1);
	ck_assert_msg(cut("1.0.0", &e) == 0, "%s", e.msg);
	/* And one after: the release does not see it. */
	po.amount = 50;
	tu_run_ok(ledger_payout_job, &po);
	snprintf(path, sizeof(path), "%s/releases/1.0.0/README.md", tu_base);
	card = tu_slurp(path, &n);
	ck_assert_msg(strstr(card, "## Pay") != NULL, "%s", card);
	ck_assert_ptr_nonnull(strstr(card, "- `words`: 0.50 GHS per item\n"));
	ck_assert_msg(
	    strstr(card,
		"- GHS: earned 3.00 for the items in this release; "
		"paid 1.00 in all (1 person paid); owed 2.00\n") != NULL,
	    "%s", strstr(card, "## Pay"));
	free(card);
	snprintf(
	    path, sizeof(path), "%s/releases/1.0.0/manifest.json", tu_base);
	man = tu_slurp(path, &n);
	m = json_loads(man, 0, NULL);
	free(man);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(m, "ledger_head"), "id")),
	    head_id);
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(m, "ledger_head"), "hash")),
	    hex);
	json_decref(m);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("release_build");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_folder_read_back);
	tcase_add_test(tc, test_card_counts);
	tcase_add_test(tc, test_demographic_columns);
	tcase_add_test(tc, test_pay_pinned);
	tcase_add_test(tc, test_byte_identical);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_kill_during_build);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
