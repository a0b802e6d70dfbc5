/*
** Benchmark of the ledger (ledger.h), run by tests/bench/ledger:
**
**   bench_ledger_chain DIR [entries [accounts]]
**
** In a fresh database in DIR: ${accounts} contributors (default 10,000)
** each with one validated recording in one release (written with plain
** SQL in one transaction, so schema 008's triggers keep their counts),
** then royalties on that release through the writer, each one entry per
** person, until the ledger holds ${entries} (default 1,000,000): each
** royalty's time is kept (the first, the median, the last, over 10,000
** contributors). Then ledger_verify() twice, timed (the second with the
** pages cached), as MB/s of the bytes it hashes; the same bytes written
** to DIR/canonical.bin and `sha256sum` over them, best of two, as MB/s;
** and the ratio. Then 10,000 balance reads (one row each) and 1,000
** reads of what the earnings page shows (the balances and the latest 50
** entries of one person), mean and worst. Measures; asserts no time.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "ledger.h"
#include "writer.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The people, their recordings and the release, in one transaction. */
static const char SQL_LOAD[] =
    "BEGIN IMMEDIATE;"
    "INSERT INTO consent_documents(sha256, slug, version, lang, title, "
    "reviewed, minimum_age, scopes, bytes, loaded_at) VALUES ('bench', "
    "'general', 1, 'en', 'Bench', 1, 16, '[\"publish_voice\"]', x'00', 1);"
    "INSERT INTO campaigns(id, slug, title, language, kind, consent_slug, "
    "required_scopes, minimum_age, definition, created_at) VALUES (1, "
    "'bench', 'Bench', 'ee', 'audio', 'general', '[\"publish_voice\"]', 16,"
    " '{}', 1);";
static const char SQL_ACCOUNTS[] =
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE "
    "i < ?1) INSERT INTO accounts(id, handle, role, created_at) SELECT i, "
    "printf('p%06d', i), 'contributor', 1 FROM n";
static const char SQL_LOAD_REST[] =
    "INSERT INTO consents(id, account_id, campaign_id, document_sha256, "
    "scopes, method, age_confirmed, given_at) SELECT id, id, 1, 'bench', "
    "'[\"publish_voice\"]', 'checkbox', 1, 1 FROM accounts;"
    "INSERT INTO contributions(id, account_id, campaign_id, consent_id, "
    "idempotency_key, request_sha256, status, created_at) SELECT id, id, 1, "
    "id, 'k', 'r', 'validated', 1 FROM accounts;"
    "INSERT INTO contribution_revisions(contribution_id, revision, kind, "
    "audio_sha256, duration, sample_rate, created_at) SELECT id, 1, "
    "'audio', printf('%064x', id), 1 + (id * 7919 % 9000) / 1000.0, 16000, "
    "1 FROM contributions;"
    "INSERT INTO releases(id, version, dataset, licence, permits, "
    "campaigns, splits, report, created_at) VALUES (1, '1.0.0', 'bench', "
    "'cc0-1.0', '[]', '[\"bench\"]', '[80,10,10]', '{}', 1);"
    "INSERT INTO release_items(release_id, contribution_id, revision, "
    "config, split, speaker_id) SELECT 1, id, 1, 'ee-audio', 'train', "
    "'s' || id FROM contributions;"
    "COMMIT;";

static void
sink(const void *p, size_t n, void *arg)
{
	fwrite(p, 1, n, arg);
}

int
main(int argc, char **argv)
{
	long entries = argc > 2 ? atol(argv[2]) : 1000000;
	long accounts = argc > 3 ? atol(argv[3]) : 10000;
	char path[4096], bin[4096], cmd[8300];
	struct ledger_royalty ro;
	struct ledger_check ck;
	struct ledger_balance b;
	struct writer *w;
	struct err e = { 0 };
	struct db *db;
	double t0, t, *roy, best, sha, worst = 0, sum = 0;
	long i, nroy, rounds;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr,
		    "usage: bench_ledger_chain DIR [entries "
		    "[accounts]]\n");
		return (2);
	}
	snprintf(path, sizeof(path), "%s/node.db", argv[1]);
	snprintf(bin, sizeof(bin), "%s/canonical.bin", argv[1]);
	if ((db = db_open(path, 0, &e)) == NULL || db_migrate(db, &e) == -1 ||
	    (w = writer_start(path, 0, &e)) == NULL) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return (1);
	}
	t0 = now();
	if (db_exec(db, SQL_LOAD, &e) == -1 ||
	    db_run(db, SQL_ACCOUNTS, accounts, 0, "accounts", &e) == -1 ||
	    db_exec(db, SQL_LOAD_REST, &e) == -1) {
		fprintf(stderr, "bench: load: %s\n", e.msg);
		return (1);
	}
	printf("loaded %ld contributors with a recording each in release "
	       "1.0.0: %.2f s\n",
	    accounts, now() - t0);

	rounds = (entries + accounts - 1) / accounts;
	roy = calloc((size_t)rounds, sizeof(*roy));
	t0 = now();
	for (nroy = 0; nroy < rounds; nroy++) {
		memset(&ro, 0, sizeof(ro));
		ro.release = "1.0.0";
		ro.currency = nroy % 2 ? "GHS" : "ISK";
		ro.amount = 1000000 + nroy * 7919;
		ro.note = "bench";
		t = now();
		if (writer_run(w, ledger_royalty_job, &ro, &e) == -1) {
			fprintf(stderr, "bench: royalty: %s\n", e.msg);
			return (1);
		}
		roy[nroy] = now() - t;
		if (nroy == 0)
			printf("royalty over %zu contributors, the first "
			       "(empty ledger): %.3f s\n",
			    ro.people, roy[0]);
	}
	printf("%ld royalties, %ld entries written: %.1f s (%.0f entries/s "
	       "through the writer)\n",
	    nroy, nroy * accounts, now() - t0,
	    (double)(nroy * accounts) / (now() - t0));
	printf("royalty over %ld contributors, the last (%ld entries before "
	       "it): %.3f s\n",
	    accounts, (nroy - 1) * accounts, roy[nroy - 1]);
	qsort(roy, (size_t)nroy, sizeof(*roy), cmp_double);
	printf("royalty over %ld contributors, median of %ld: %.3f s, worst "
	       "%.3f s\n",
	    accounts, nroy, roy[nroy / 2], roy[nroy - 1]);
	free(roy);
	writer_stop(w);

	best = 1e9;
	for (i = 0; i < 2; i++) {
		t = now();
		if (ledger_verify(db, &ck, NULL, NULL, &e) == -1 ||
		    ck.state != LEDGER_INTACT) {
			fprintf(stderr, "bench: verify: %s (state %d)\n", e.msg,
			    ck.state);
			return (1);
		}
		t = now() - t;
		printf(
		    "ledger verify, run %ld: %lld entries, %.1f MB hashed in "
		    "%.3f s: %.1f MB/s\n",
		    i + 1, (long long)ck.rows, (double)ck.bytes / 1e6, t,
		    (double)ck.bytes / 1e6 / t);
		if (t < best)
			best = t;
	}
	if ((f = fopen(bin, "w")) == NULL ||
	    ledger_verify(db, &ck, sink, f, &e) == -1 || fclose(f) != 0) {
		fprintf(stderr, "bench: %s: cannot write\n", bin);
		return (1);
	}
	snprintf(cmd, sizeof(cmd), "sha256sum %s >/dev/null", bin);
	sha = 1e9;
	for (i = 0; i < 2; i++) {
		t = now();
		if (system(cmd) != 0) {
			fprintf(stderr, "bench: %s failed\n", cmd);
			return (1);
		}
		t = now() - t;
		if (t < sha)
			sha = t;
	}
	printf("sha256sum over the same %.1f MB (%s): %.3f s: %.1f MB/s\n",
	    (double)ck.bytes / 1e6, bin, sha, (double)ck.bytes / 1e6 / sha);
	printf("ratio verify / sha256sum: %.2f (goal >= 0.5)\n", sha / best);
	unlink(bin);

	srand(1);
	for (i = 0; i < 10000; i++) {
		int64_t who = 1 + rand() % accounts;

		t = now();
		if (ledger_balance(db, who, "GHS", &b, &e) != 1) {
			fprintf(stderr, "bench: balance: %s\n", e.msg);
			return (1);
		}
		t = now() - t;
		sum += t;
		if (t > worst)
			worst = t;
	}
	printf("balance read (one row), 10000 accounts at random: mean %.1f "
	       "us, worst %.1f us\n",
	    sum / 10000 * 1e6, worst * 1e6);
	sum = worst = 0;
	for (i = 0; i < 1000; i++) {
		int64_t who = 1 + rand() % accounts, next;
		json_t *x, *y;

		t = now();
		x = ledger_balances_json(db, who, &e);
		y = ledger_entries_json(db, who, 0, 50, &next, &e);
		if (x == NULL || y == NULL) {
			fprintf(stderr, "bench: earnings: %s\n", e.msg);
			return (1);
		}
		json_decref(x);
		json_decref(y);
		t = now() - t;
		sum += t;
		if (t > worst)
			worst = t;
	}
	printf("earnings page's reads (balances + latest 50 entries), 1000 "
	       "people: mean %.2f ms, worst %.2f ms (goal under 5 ms)\n",
	    sum / 1000 * 1e3, worst * 1e3);
	db_close(db);
	return (0);
}
