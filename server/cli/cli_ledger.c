/*
** `tributary ledger`: the treasurer's commands. Check the ledger's chain,
** read balances, share a royalty on a release, record a payout, make the
** treasurer's key pair, write the amounts due (contacts opened with the
** secret key, which never enters the node) and record the payouts made
** from that file, and re-seal every contact for a new treasurer. They
** call the same domain functions as the API (ledger.h), as actor 0, the
** machine's owner. Amounts are typed as money: 12.50 GHS, 1250 ISK.
*/
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "crypto.h"
#include "ledger.h"
#include "node.h"
#include "text.h"

static const char usage[] =
    "usage: tributary ledger verify --data DIR\n"
    "       tributary ledger head --data DIR\n"
    "       tributary ledger balance --data DIR [HANDLE]\n"
    "       tributary ledger royalty --data DIR --release X --amount N\n"
    "           --currency C [--note TEXT] [--by-items]\n"
    "       tributary ledger payout --data DIR HANDLE --amount N "
    "--currency C\n"
    "           --method mobile_money|bank|cash|other [--reference R] "
    "[--note TEXT]\n"
    "       tributary ledger keygen --out FILE [--data DIR]\n"
    "       tributary ledger payouts --data DIR --secret-key FILE [--min N]\n"
    "           [--currency C] [--out FILE]\n"
    "       tributary ledger record --data DIR FILE.csv\n"
    "       tributary ledger rekey --data DIR --secret-key OLD "
    "--public-key NEW\n"
    "(amounts are money in the currency: 12.50 GHS, 1250 ISK; keygen\n"
    "writes the secret key to FILE once, mode 0600, and its public key to\n"
    "FILE.pub; with --data it becomes the node's treasurer key. NEW is a\n"
    "public key file or its 64 hex digits. payouts writes the CSV of\n"
    "amounts due: fill in each reference and feed it to record)\n";

#define KEY_FILE_MAX 4096

/* The 32-byte key in hex text ${s}, trimmed, into ${k}: 0 or -1. */
static int
key_from_hex(const char *s, uint8_t k[LEDGER_KEY_LEN])
{
	char hex[2 * LEDGER_KEY_LEN + 1];
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strcspn(s, " \t\r\n");
	if (n != 2 * LEDGER_KEY_LEN || s[n + strspn(s + n, " \t\r\n")] != 0)
		return (-1);
	memcpy(hex, s, n);
	hex[n] = '\0';
	return (hex_decode(hex, k, LEDGER_KEY_LEN));
}

/* Reads the key in file ${path} (64 hex digits) into ${k}: 0, or -1 after
** saying why. */
static int
key_read(const char *path, uint8_t k[LEDGER_KEY_LEN])
{
	struct err e = { 0 };
	char *text;
	size_t n;
	int rc;

	if (text_read_file(path, KEY_FILE_MAX, &text, &n, &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (-1);
	}
	rc = key_from_hex(text, k);
	sodium_memzero(text, n);
	free(text);
	if (rc == -1)
		fprintf(stderr,
		    "tributary ledger: %s does not hold a key (64 hex "
		    "digits)\n",
		    path);
	return (rc);
}

/* Writes ${k} in hex to a new file ${path} with ${mode}, refusing one
** that exists; synced. 0, or -1 after saying why. */
static int
key_write(const char *path, const uint8_t k[LEDGER_KEY_LEN], mode_t mode)
{
	char hex[2 * LEDGER_KEY_LEN + 2];
	int fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) ==
	    -1) {
		fprintf(stderr, "tributary ledger: %s: %s%s\n", path,
		    strerror(errno),
		    errno == EEXIST ? " (a key is never overwritten)" : "");
		return (-1);
	}
	hex_encode(k, LEDGER_KEY_LEN, hex);
	hex[2 * LEDGER_KEY_LEN] = '\n';
	if (write(fd, hex, sizeof(hex) - 1) != (ssize_t)(sizeof(hex) - 1) ||
	    fsync(fd) == -1) {
		fprintf(stderr, "tributary ledger: %s: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	sodium_memzero(hex, sizeof(hex));
	if (close(fd) == -1 && rc == 0) {
		fprintf(stderr, "tributary ledger: %s: %s\n", path,
		    strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	return (rc);
}

/* `ledger keygen --out FILE [--data DIR]`. */
static int
keygen(const char *dir, int argc, char **argv)
{
	const char *out = opt(argc, argv, "--out");
	struct ledger_key_set ks = { { 0 }, 0 };
	uint8_t sk[LEDGER_KEY_LEN], pk[LEDGER_KEY_LEN];
	char pub[4096], hex[2 * LEDGER_KEY_LEN + 1];
	struct node *n = NULL;
	struct err e = { 0 };
	struct db *db = NULL;
	int rc = 1;

	if (out == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	snprintf(pub, sizeof(pub), "%s.pub", out);
	if (dir != NULL) {
		if ((n = open_node("ledger", dir)) == NULL)
			return (1);
		if ((db = db_open(n->dbpath, 0, &e)) == NULL ||
		    (rc = ledger_key_public(db, pk, &e)) == -1) {
			fprintf(stderr, "tributary ledger: %s\n", e.msg);
			rc = 1;
			goto out;
		}
		if (rc == 1) {
			fputs("tributary ledger: the node has a treasurer key "
			      "already; a new treasurer makes a key pair "
			      "without --data and the node changes to it with "
			      "`tributary ledger rekey`\n",
			    stderr);
			rc = 1;
			goto out;
		}
		rc = 1;
	}
	ledger_keypair(pk, sk);
	if (key_write(out, sk, 0600) == -1)
		goto out;
	if (key_write(pub, pk, 0644) == -1) {
		unlink(out);
		goto out;
	}
	if (n != NULL) {
		memcpy(ks.pk, pk, sizeof(pk));
		if (writer_run(n->writer, ledger_key_set_job, &ks, &e) == -1) {
			fprintf(stderr, "tributary ledger: %s\n", e.msg);
			unlink(out);
			unlink(pub);
			goto out;
		}
	}
	hex_encode(pk, LEDGER_KEY_LEN, hex);
	printf("secret key written to %s (keep it offline: it opens every "
	       "payout contact)\npublic key %s, also in %s%s\n",
	    out, hex, pub,
	    n != NULL ? "\nthe node seals payout contacts to it from now on"
		      : "");
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	db_close(db);
	node_close(n);
	return (rc);
}

/* Prints what ledger_verify() found; 0 intact, 1 not. */
static int
verify(struct db *db)
{
	struct ledger_check ck;
	struct err e = { 0 };

	if (ledger_verify(db, &ck, NULL, NULL, &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	switch (ck.state) {
	case LEDGER_INTACT:
		printf("ledger intact: %lld entries", (long long)ck.rows);
		if (ck.head_id > 0)
			printf(
			    ", head %lld %s", (long long)ck.head_id, ck.head);
		printf("\n");
		return (0);
	case LEDGER_CHANGED:
		printf("ledger BROKEN: entry %lld was changed after it was "
		       "written (its hash does not match); %lld entries "
		       "before it are intact\n",
		    (long long)ck.bad_id, (long long)ck.rows);
		break;
	case LEDGER_GAP:
		printf("ledger BROKEN: entries after %lld and before %lld are "
		       "missing\n",
		    (long long)ck.after_id, (long long)ck.bad_id);
		break;
	case LEDGER_BALANCE:
		printf("ledger BROKEN: entry %lld carries a balance that does "
		       "not follow from the entries of account %lld in %s "
		       "before it\n",
		    (long long)ck.bad_id, (long long)ck.bad_account,
		    ck.bad_currency);
		break;
	case LEDGER_TOTALS:
		printf("ledger BROKEN: the running balance of account %lld in "
		       "%s is not the sum of its entries\n",
		    (long long)ck.bad_account, ck.bad_currency);
		break;
	}
	return (1);
}

static int
head(struct db *db)
{
	char hex[SHA256_HEX_LEN + 1];
	struct err e = { 0 };
	int64_t id;
	int rc;

	if ((rc = ledger_head(db, &id, hex, &e)) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	if (rc == 0)
		printf("0 (the ledger is empty)\n");
	else
		printf("%lld %s\n", (long long)id, hex);
	return (0);
}

/* ${v} minor units of ${code} as money, in a static buffer of ${slot}. */
static const char *
money(const char *code, json_int_t v, int slot)
{
	static char buf[8][32];
	const struct currency *cur = ledger_currency(code);

	if (cur == NULL)
		snprintf(buf[slot], sizeof(buf[slot]), "%lld", (long long)v);
	else
		ledger_amount_format((int64_t)v, cur, buf[slot]);
	return (buf[slot]);
}

#define J(o, k) json_integer_value(json_object_get((o), (k)))
#define S(o, k) json_string_value(json_object_get((o), (k)))

/* `ledger balance [HANDLE]`. */
static int
balance(struct db *db, int argc, char **argv)
{
	struct err e = { 0 };
	struct account a;
	json_t *l, *b;
	size_t i;
	int rc;

	if (argc >= 2 && argv[1][0] != '-') {
		if ((rc = account_get(db, argv[1], 0, &a, &e)) != 1) {
			fprintf(stderr, "tributary ledger: %s\n",
			    rc == 0 ? "no such account" : e.msg);
			return (1);
		}
		account_clear(&a);
		if ((l = ledger_balances_json(db, a.id, &e)) == NULL) {
			fprintf(stderr, "tributary ledger: %s\n", e.msg);
			return (1);
		}
		if (json_array_size(l) == 0)
			printf("%s has no ledger entries\n", argv[1]);
		json_array_foreach(l, i, b)
		{
			const char *c = S(b, "currency");

			printf("%s %s %s: accrued %s, royalties %s, reversed "
			       "%s, paid %s (%lld entries)\n",
			    argv[1], c, money(c, J(b, "balance"), 0),
			    money(c, J(b, "accrued"), 1),
			    money(c, J(b, "royalties"), 2),
			    money(c, J(b, "reversed"), 3),
			    money(c, J(b, "paid"), 4),
			    (long long)J(b, "entries"));
		}
		json_decref(l);
		return (0);
	}
	if ((l = ledger_totals_json(db, &e)) == NULL) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	if (json_array_size(l) == 0)
		printf("the ledger is empty\n");
	json_array_foreach(l, i, b)
	{
		const char *c = S(b, "currency");

		printf("%s owed %s to %lld accounts (debts %s); accrued %s, "
		       "royalties %s, reversed %s, ",
		    c, money(c, J(b, "owed"), 0), (long long)J(b, "accounts"),
		    money(c, J(b, "debt"), 1), money(c, J(b, "accrued"), 2),
		    money(c, J(b, "royalties"), 3),
		    money(c, J(b, "reversed"), 4));
		printf("paid %s\n", money(c, J(b, "paid"), 5));
	}
	json_decref(l);
	return (0);
}

/* ${s} as money in ${code} into ${v}: 0, or -1 after saying why. */
static int
amount_arg(const char *s, const char *code, int64_t *v)
{
	const struct currency *cur = ledger_currency(code);
	struct err e = { 0 };

	if (cur == NULL) {
		fprintf(stderr,
		    "tributary ledger: --currency: \"%s\" is not a currency "
		    "this node knows (%s)\n",
		    code ? code : "", ledger_currency_codes());
		return (-1);
	}
	if (ledger_amount_parse(s, cur, v, "--amount", &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (-1);
	}
	return (0);
}

/* `ledger royalty --release X --amount N --currency C`. */
static int
royalty(struct node *n, int argc, char **argv)
{
	struct ledger_royalty ro = { 0 };
	struct err e = { 0 };
	const char *amount = opt(argc, argv, "--amount");

	ro.release = opt(argc, argv, "--release");
	ro.currency = opt(argc, argv, "--currency");
	ro.note = opt(argc, argv, "--note");
	ro.by_items = flag(argc, argv, "--by-items");
	if (ro.release == NULL || amount == NULL || ro.currency == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	if (amount_arg(amount, ro.currency, &ro.amount) == -1)
		return (2);
	if (writer_run(n->writer, ledger_royalty_job, &ro, &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	printf("royalty of %s %s on release %s shared among %zu people by "
	       "%s (%zu entries)\n",
	    money(ro.currency, ro.amount, 0), ro.currency, ro.release,
	    ro.people, ro.unit, ro.entries);
	return (0);
}

/* `ledger payout HANDLE --amount N --currency C --method M`. */
static int
payout(struct node *n, struct db *db, int argc, char **argv)
{
	struct ledger_payout p = { 0 };
	const char *amount = opt(argc, argv, "--amount");
	struct err e = { 0 };
	struct account a;
	int rc;

	p.currency = opt(argc, argv, "--currency");
	p.method = opt(argc, argv, "--method");
	p.reference = opt(argc, argv, "--reference");
	p.note = opt(argc, argv, "--note");
	if (argc < 2 || argv[1][0] == '-' || amount == NULL ||
	    p.currency == NULL || p.method == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	if (amount_arg(amount, p.currency, &p.amount) == -1)
		return (2);
	if ((rc = account_get(db, argv[1], 0, &a, &e)) != 1) {
		fprintf(stderr, "tributary ledger: %s\n",
		    rc == 0 ? "no such account" : e.msg);
		return (1);
	}
	account_clear(&a);
	p.account = a.id;
	if (writer_run(n->writer, ledger_payout_job, &p, &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	printf("payout %lld: %s %s to %s; balance now %s %s\n", (long long)p.id,
	    money(p.currency, p.amount, 0), p.currency, argv[1],
	    money(p.currency, p.balance, 1), p.currency);
	return (0);
}

/* `ledger payouts --secret-key FILE [--min N] [--currency C] [--out F]`. */
static int
payouts(struct db *db, int argc, char **argv)
{
	const char *skf = opt(argc, argv, "--secret-key"),
		   *outf = opt(argc, argv, "--out");
	uint8_t sk[LEDGER_KEY_LEN];
	struct err e = { 0 };
	FILE *out = stdout;
	long lines;
	int fd;

	if (skf == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	if (key_read(skf, sk) == -1)
		return (1);
	if (outf != NULL) {
		/* It holds every contact in the clear. */
		if ((fd = open(outf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			 0600)) == -1 ||
		    (out = fdopen(fd, "w")) == NULL) {
			fprintf(stderr, "tributary ledger: %s: %s\n", outf,
			    strerror(errno));
			sodium_memzero(sk, sizeof(sk));
			return (1);
		}
	}
	lines = ledger_due_csv(db, sk, opt(argc, argv, "--min"),
	    opt(argc, argv, "--currency"), out, &e);
	sodium_memzero(sk, sizeof(sk));
	if (out != stdout && fclose(out) != 0 && lines >= 0) {
		err_set(&e, ERR_INTERNAL, "%s: %s", outf, strerror(errno));
		lines = -1;
	}
	if (lines < 0) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		if (outf != NULL)
			unlink(outf);
		return (1);
	}
	fprintf(stderr, "%ld amounts due%s%s\n", lines,
	    outf ? " written to " : "", outf ? outf : "");
	return (0);
}

#define CSV_FILE_MAX (16 * 1024 * 1024)

/* `ledger record FILE.csv`. */
static int
record(struct node *n, int argc, char **argv)
{
	struct ledger_record rec = { 0 };
	struct ledger_csv csv;
	struct err e = { 0 };
	char *text;
	size_t len;
	int rc = 1;

	if (argc < 2 || argv[1][0] == '-') {
		fputs(usage, stderr);
		return (2);
	}
	if (text_read_file(argv[1], CSV_FILE_MAX, &text, &len, &e) == -1) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		return (1);
	}
	/* The file may hold contacts (the payouts file, filled in): they
	** are dropped by the parser and wiped here. */
	if (ledger_csv_parse(text, len, &csv, &e) == -1) {
		fprintf(stderr,
		    "tributary ledger: %s: %s (nothing was recorded)\n",
		    argv[1], e.msg);
		goto out;
	}
	rec.csv = &csv;
	if (writer_run(n->writer, ledger_record_job, &rec, &e) == -1)
		fprintf(stderr, "tributary ledger: %s: %s\n", argv[1], e.msg);
	else {
		printf("%zu payouts recorded from %s\n", rec.count, argv[1]);
		rc = 0;
	}
	ledger_csv_free(&csv);
out:
	sodium_memzero(text, len);
	free(text);
	return (rc);
}

/* `ledger rekey --secret-key OLD --public-key NEW`. */
static int
rekey(struct node *n, int argc, char **argv)
{
	const char *skf = opt(argc, argv, "--secret-key"),
		   *pkv = opt(argc, argv, "--public-key");
	uint8_t sk[LEDGER_KEY_LEN], pk[LEDGER_KEY_LEN];
	struct ledger_rekey rk = { 0 };
	struct err e = { 0 };
	int rc = 1;

	if (skf == NULL || pkv == NULL) {
		fputs(usage, stderr);
		return (2);
	}
	if (key_from_hex(pkv, pk) == -1 && key_read(pkv, pk) == -1)
		return (2);
	if (key_read(skf, sk) == -1)
		return (1);
	rk.old_sk = sk;
	rk.new_pk = pk;
	if (writer_run(n->writer, ledger_rekey_job, &rk, &e) == -1)
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
	else {
		printf("%d payout contacts re-sealed to the new key; the old "
		       "secret key no longer opens them\n",
		    rk.count);
		rc = 0;
	}
	sodium_memzero(sk, sizeof(sk));
	return (rc);
}

int
cmd_ledger(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv);
	struct err e = { 0 };
	struct node *n;
	struct db *db;
	const char *c;
	int rc;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	c = argv[0];
	if (strcmp(c, "keygen") == 0)
		return (keygen(dir, argc, argv));
	if (strcmp(c, "verify") != 0 && strcmp(c, "head") != 0 &&
	    strcmp(c, "balance") != 0 && strcmp(c, "royalty") != 0 &&
	    strcmp(c, "payout") != 0 && strcmp(c, "payouts") != 0 &&
	    strcmp(c, "record") != 0 && strcmp(c, "rekey") != 0) {
		fputs(usage, stderr);
		return (2);
	}
	if ((n = open_node("ledger", dir)) == NULL)
		return (1);
	if ((db = db_open(n->dbpath, 0, &e)) == NULL) {
		fprintf(stderr, "tributary ledger: %s\n", e.msg);
		node_close(n);
		return (1);
	}
	rc = strcmp(c, "verify") == 0   ? verify(db)
	    : strcmp(c, "head") == 0    ? head(db)
	    : strcmp(c, "balance") == 0 ? balance(db, argc, argv)
	    : strcmp(c, "royalty") == 0 ? royalty(n, argc, argv)
	    : strcmp(c, "payout") == 0  ? payout(n, db, argc, argv)
	    : strcmp(c, "payouts") == 0 ? payouts(db, argc, argv)
	    : strcmp(c, "record") == 0  ? record(n, argc, argv)
					: rekey(n, argc, argv);
	db_close(db);
	node_close(n);
	return (rc);
}
