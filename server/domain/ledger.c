/*
** The ledger (ledger.h). Every entry goes through ledger_append(), the
** only writer of ledger rows: it reads the chain's head and the account's
** running balance, computes the row's balance and hash, and inserts;
** schema 011's triggers then check that balance and move the running one
** in the same statement. Each row stores
**
**     hash = SHA-256(previous row's hash || canonical bytes of this row)
**
** with the first row's previous hash 32 zero bytes. The canonical bytes
** are the row's thirteen fields in this order, each as its length in 4
** bytes (big-endian) and then its bytes:
**
**    1. id, in decimal        6. amount, in decimal (minor units, > 0)
**    2. at, seconds since     7. balance after it, in decimal ("-5")
**       1970 UTC, decimal     8. contribution_id, decimal or empty
**    3. account_id, decimal   9. release_id, decimal or empty
**    4. kind ("accrual")     10. method, or empty
**    5. currency ("GHS")     11. reference, or empty
**                            12. note, or empty
**                            13. actor_id, decimal or empty
**
** as audit.c does for the audit log. Empty texts are stored as NULL, so
** a NULL and an empty text are one thing.
*/
#include "ledger.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "audit.h"
#include "redact.h"
#include "text.h"

/* ISO 4217 codes and exponents. Sorted by code: ledger_currency()
** bisects it. */
static const struct currency currencies[] = {
	{ "BHD", 3, "Bahraini dinar" },
	{ "CHF", 2, "Swiss franc" },
	{ "ETB", 2, "Ethiopian birr" },
	{ "EUR", 2, "euro" },
	{ "GBP", 2, "pound sterling" },
	{ "GHS", 2, "Ghana cedi" },
	{ "INR", 2, "Indian rupee" },
	{ "ISK", 0, "Icelandic króna" },
	{ "JPY", 0, "yen" },
	{ "KES", 2, "Kenyan shilling" },
	{ "KWD", 3, "Kuwaiti dinar" },
	{ "NGN", 2, "naira" },
	{ "RUB", 2, "Russian ruble" },
	{ "RWF", 0, "Rwandan franc" },
	{ "TJS", 2, "somoni" },
	{ "TZS", 2, "Tanzanian shilling" },
	{ "UGX", 0, "Ugandan shilling" },
	{ "USD", 2, "US dollar" },
	{ "XAF", 0, "CFA franc BEAC" },
	{ "XOF", 0, "CFA franc BCEAO" },
	{ "ZAR", 2, "rand" },
};
#define NCURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

static const char *const methods[] = { "mobile_money", "bank", "cash",
	"other" };

static const char SQL_LAST[] =
    "SELECT id, hash FROM ledger_entries ORDER BY id DESC LIMIT 1";
static const char SQL_BALANCE[] =
    "SELECT balance, accrued, reversed, royalties, paid, entries "
    "FROM ledger_balances WHERE account_id = ?1 AND currency = ?2";
static const char SQL_INSERT[] =
    "INSERT INTO ledger_entries(id, at, account_id, kind, currency, amount, "
    "balance, contribution_id, release_id, method, reference, note, "
    "actor_id, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
    "?12, ?13, ?14)";
static const char SQL_ALL[] =
    "SELECT id, at, account_id, kind, currency, amount, balance, "
    "contribution_id, release_id, method, reference, note, actor_id, hash "
    "FROM ledger_entries ORDER BY id";
static const char SQL_ALL_BALANCES[] =
    "SELECT account_id, currency, balance FROM ledger_balances";
/* What an accrual needs: the contributor, the campaign's rate and the
** latest revision's length. */
static const char SQL_ACCRUE_INFO[] =
    "SELECT c.account_id, k.pay_currency, k.pay_per_item, "
    "k.pay_per_audio_second, (SELECT duration FROM contribution_revisions "
    "WHERE contribution_id = c.id ORDER BY revision DESC LIMIT 1) "
    "FROM contributions c JOIN campaigns k ON k.id = c.campaign_id "
    "WHERE c.id = ?1";
/* What a contribution earned and still holds, per currency. */
static const char SQL_HELD[] =
    "SELECT currency, account_id, sum(CASE kind WHEN 'accrual' THEN amount "
    "ELSE -amount END) FROM ledger_entries WHERE contribution_id = ?1 "
    "GROUP BY currency, account_id ORDER BY currency";
static const char SQL_ACCOUNT_EXISTS[] = "SELECT 1 FROM accounts WHERE id = ?1";
static const char SQL_ACCOUNT_BY_HANDLE[] =
    "SELECT id FROM accounts WHERE handle = ?1";
static const char SQL_REFERENCE_USED[] =
    "SELECT 1 FROM ledger_entries WHERE kind = 'payout' AND "
    "account_id = ?1 AND reference = ?2";
static const char SQL_RELEASE[] = "SELECT id FROM releases WHERE version = ?1";
/* A release's contributors and what they gave to it that is still
** validated: items, milliseconds of recording, recordings, texts. */
static const char SQL_RELEASE_PEOPLE[] =
    "SELECT c.account_id, count(*), sum(CAST(round(coalesce(r.duration, 0) "
    "* 1000) AS INTEGER)), sum(r.kind = 'audio'), sum(r.kind = 'text') "
    "FROM release_items i JOIN contributions c ON c.id = i.contribution_id "
    "JOIN contribution_revisions r ON r.contribution_id = i.contribution_id "
    "AND r.revision = i.revision WHERE i.release_id = ?1 AND "
    "c.status = 'validated' GROUP BY c.account_id ORDER BY c.account_id";
static const char SQL_BALANCES_OF[] =
    "SELECT currency, balance, accrued, reversed, royalties, paid, entries "
    "FROM ledger_balances WHERE account_id = ?1 ORDER BY currency";
static const char SQL_ENTRIES_OF[] =
    "SELECT e.id, e.at, e.kind, e.currency, e.amount, e.balance, "
    "e.contribution_id, r.version, e.method, e.reference, e.note "
    "FROM ledger_entries e LEFT JOIN releases r ON r.id = e.release_id "
    "WHERE e.account_id = ?1 AND e.id < ?2 ORDER BY e.id DESC LIMIT ?3";
static const char SQL_KEY_CURRENT[] =
    "SELECT id, public_key FROM treasurer_keys WHERE retired_at IS NULL "
    "ORDER BY id DESC LIMIT 1";
static const char SQL_KEY_ADD[] =
    "INSERT INTO treasurer_keys(public_key, created_at) VALUES (?1, ?2)";
static const char SQL_KEY_RETIRE[] =
    "UPDATE treasurer_keys SET retired_at = ?2 WHERE id = ?1";
static const char SQL_CONTACT_PUT[] =
    "INSERT INTO payout_contacts(account_id, method, sealed, key_id, "
    "contact_hash, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (account_id) DO UPDATE SET method = ?2, sealed = ?3, "
    "key_id = ?4, contact_hash = ?5, updated_at = ?6";
static const char SQL_CONTACT_GET[] =
    "SELECT method, sealed FROM payout_contacts WHERE account_id = ?1";
static const char SQL_CONTACT_INFO[] =
    "SELECT method, updated_at, contact_hash FROM payout_contacts "
    "WHERE account_id = ?1";
static const char SQL_CONTACT_ALL[] =
    "SELECT account_id, sealed FROM payout_contacts ORDER BY account_id";
static const char SQL_CONTACT_RESEAL[] =
    "UPDATE payout_contacts SET sealed = ?2, key_id = ?3 WHERE "
    "account_id = ?1";
static const char SQL_DUE[] =
    "SELECT a.handle, b.account_id, b.currency, b.balance FROM "
    "ledger_balances b JOIN accounts a ON a.id = b.account_id WHERE "
    "b.balance > 0 AND (?2 IS NULL OR b.currency = ?2) "
    "ORDER BY a.handle, b.currency";
static const char SQL_TOTALS[] =
    "SELECT currency, sum(max(balance, 0)), sum(min(balance, 0)), "
    "sum(accrued), sum(reversed), sum(royalties), sum(paid), count(*) "
    "FROM ledger_balances GROUP BY currency ORDER BY currency";

/* --- currencies and money --- */

const struct currency *
ledger_currency(const char *code)
{
	size_t lo = 0, hi = NCURRENCIES, mid;
	int c;

	if (code == NULL)
		return (NULL);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(code, currencies[mid].code)) == 0)
			return (&currencies[mid]);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

const char *
ledger_currency_codes(void)
{
	static char list[NCURRENCIES * 5 + 1];
	static int done;
	size_t i, n = 0;

	/* Built once from the table; racing builders write the same bytes. */
	if (!done) {
		for (i = 0; i < NCURRENCIES; i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    "%s%s", i ? ", " : "", currencies[i].code);
		done = 1;
	}
	return (list);
}

/* 10^${k} for k of 0 to 3. */
static int64_t
pow10i(int k)
{
	static const int64_t p[] = { 1, 10, 100, 1000 };

	return (p[k < 0 ? 0 : k > 3 ? 3 : k]);
}

int
ledger_amount_parse(const char *s, const struct currency *cur, int64_t *out,
    const char *what, struct err *e)
{
	int64_t v = 0, scale = pow10i(cur->exponent);
	int digits = 0, frac = -1;
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '.' && frac < 0 && digits > 0) {
			frac = 0;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			goto bad;
		if (frac >= 0 && ++frac > cur->exponent)
			return (err_set(e, ERR_INVALID,
			    "%s: %s has %d decimal%s at most", what, cur->code,
			    cur->exponent, cur->exponent == 1 ? "" : "s"));
		if (v > (LEDGER_AMOUNT_MAX - 9) / 10)
			goto big;
		v = v * 10 + (*p - '0');
		digits++;
	}
	if (digits == 0 || frac == 0)
		goto bad;
	if (frac < 0)
		frac = 0;
	v *= pow10i(cur->exponent - frac);
	if (v / scale > LEDGER_AMOUNT_MAX / scale || v > LEDGER_AMOUNT_MAX)
		goto big;
	*out = v;
	return (0);
bad:
	return (err_set(e, ERR_INVALID,
	    "%s: \"%.40s\" is not an amount of money such as %s", what, s,
	    cur->exponent ? "12.50" : "1250"));
big:
	return (err_set(e, ERR_INVALID, "%s: the amount is too large", what));
}

void
ledger_amount_format(int64_t v, const struct currency *cur, char out[32])
{
	int64_t scale = pow10i(cur->exponent);
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (cur->exponent == 0)
		snprintf(out, 32, "%s%" PRIu64, v < 0 ? "-" : "", a);
	else
		snprintf(out, 32, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "",
		    a / (uint64_t)scale, cur->exponent, a % (uint64_t)scale);
}

/* --- rates --- */

int
ledger_pay_parse(
    json_t *v, const char *kind, struct ledger_pay *p, struct err *e)
{
	const char *k, *code;
	json_t *f;
	int64_t *dst;

	memset(p, 0, sizeof(*p));
	if (v == NULL)
		return (0);
	if (!json_is_object(v))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"pay\" must be an object {\"currency\", "
		    "\"per_item\", \"per_audio_second\"}"));
	json_object_foreach(v, k, f)
	{
		if (strcmp(k, "currency") == 0)
			continue;
		if (strcmp(k, "per_item") == 0)
			dst = &p->per_item;
		else if (strcmp(k, "per_audio_second") == 0)
			dst = &p->per_audio_second;
		else
			return (err_set(e, ERR_INVALID,
			    "campaign: \"pay\" has an unknown field \"%s\"",
			    k));
		if (!json_is_integer(f) || json_integer_value(f) < 0 ||
		    json_integer_value(f) > LEDGER_RATE_MAX)
			return (err_set(e, ERR_INVALID,
			    "campaign: \"pay\".\"%s\" must be a whole number "
			    "of minor units (cents, pesewas) from 0 to %lld",
			    k, (long long)LEDGER_RATE_MAX));
		*dst = (int64_t)json_integer_value(f);
	}
	f = json_object_get(v, "currency");
	if (f == NULL)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"pay\".\"currency\" is required (an ISO 4217 "
		    "code such as \"GHS\")"));
	if (!json_is_string(f))
		return (err_set(e, ERR_INVALID,
		    "campaign: \"pay\".\"currency\" must be an ISO 4217 code "
		    "such as \"GHS\""));
	code = json_string_value(f);
	if (ledger_currency(code) == NULL)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"pay\".\"currency\": \"%.16s\" is not a "
		    "currency this node knows (%s)",
		    code, ledger_currency_codes()));
	snprintf(p->currency, sizeof(p->currency), "%s", code);
	if (kind != NULL && strcmp(kind, "text") == 0 &&
	    p->per_audio_second != 0)
		return (err_set(e, ERR_INVALID,
		    "campaign: \"pay\".\"per_audio_second\" is for recordings; "
		    "a text campaign pays \"per_item\""));
	return (0);
}

json_t *
ledger_pay_json(const struct ledger_pay *p)
{
	if (p->currency[0] == '\0')
		return (json_null());
	return (json_pack("{s:s,s:I,s:I}", "currency", p->currency, "per_item",
	    (json_int_t)p->per_item, "per_audio_second",
	    (json_int_t)p->per_audio_second));
}

int64_t
ledger_pay_amount(const struct ledger_pay *p, double seconds)
{
	int64_t ms;

	if (!(seconds > 0) || seconds > 1e7)
		ms = 0;
	else
		ms = (int64_t)llround(seconds * 1000);
	return (p->per_item + (p->per_audio_second * ms + 500) / 1000);
}

/* --- the chain: canonical bytes and appending --- */

#define LEDGER_FIELDS 13

/* One row as it is hashed. Ids of 0 and NULL texts are empty fields. */
struct row {
	int64_t id, at, account, amount, balance, contribution, release, actor;
	const char *kind, *currency, *method, *reference, *note;
};

/* A buffer the canonical bytes are built in. */
struct canon {
	uint8_t *p;
	size_t n, cap;
	uint8_t stack[1024];
};

/* Makes room for ${more} bytes: 0, or -1 if out of memory. */
static int
canon_room(struct canon *c, size_t more)
{
	uint8_t *np;
	size_t cap;

	if (c->n + more <= c->cap)
		return (0);
	cap = (c->n + more) * 2;
	if (c->p == c->stack) {
		if ((np = malloc(cap)) == NULL)
			return (-1);
		memcpy(np, c->p, c->n);
	} else if ((np = realloc(c->p, cap)) == NULL)
		return (-1);
	c->p = np;
	c->cap = cap;
	return (0);
}

static void
canon_free(struct canon *c)
{
	if (c->p != c->stack)
		free(c->p);
	c->p = c->stack;
	c->cap = sizeof(c->stack);
	c->n = 0;
}

/* Field bytes ${s} of ${len}, length first. -1 if out of memory. */
static int
canon_bytes(struct canon *c, const char *s, size_t len)
{
	if (canon_room(c, 4 + len) == -1)
		return (-1);
	c->p[c->n++] = (uint8_t)(len >> 24);
	c->p[c->n++] = (uint8_t)(len >> 16);
	c->p[c->n++] = (uint8_t)(len >> 8);
	c->p[c->n++] = (uint8_t)len;
	memcpy(c->p + c->n, s, len);
	c->n += len;
	return (0);
}

/* ${v} in decimal, or empty when ${none} and ${v} is 0. */
static int
canon_int(struct canon *c, int64_t v, int none)
{
	char d[24], *q = d + sizeof(d);
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (none && v == 0)
		return (canon_bytes(c, "", 0));
	do {
		*--q = (char)('0' + a % 10);
		a /= 10;
	} while (a != 0);
	if (v < 0)
		*--q = '-';
	return (canon_bytes(c, q, (size_t)(d + sizeof(d) - q)));
}

static int
canon_text(struct canon *c, const char *s)
{
	return (canon_bytes(c, s ? s : "", s ? strlen(s) : 0));
}

/*
** ${prev} and the canonical bytes of ${r} into ${c} (emptied first):
** exactly what is hashed. 0, or -1 if out of memory.
*/
static int
canon_row(struct canon *c, const uint8_t prev[SHA256_LEN], const struct row *r)
{
	c->n = 0;
	if (canon_room(c, SHA256_LEN) == -1)
		return (-1);
	memcpy(c->p, prev, SHA256_LEN);
	c->n = SHA256_LEN;
	if (canon_int(c, r->id, 0) == -1 || canon_int(c, r->at, 0) == -1 ||
	    canon_int(c, r->account, 0) == -1 || canon_text(c, r->kind) == -1 ||
	    canon_text(c, r->currency) == -1 ||
	    canon_int(c, r->amount, 0) == -1 ||
	    canon_int(c, r->balance, 0) == -1 ||
	    canon_int(c, r->contribution, 1) == -1 ||
	    canon_int(c, r->release, 1) == -1 ||
	    canon_text(c, r->method) == -1 ||
	    canon_text(c, r->reference) == -1 || canon_text(c, r->note) == -1 ||
	    canon_int(c, r->actor, 1) == -1)
		return (-1);
	return (0);
}

/*
** The latest row's id into ${id} (0 if none) and hash into ${hash} (32
** zero bytes if none). 1 if there is a row, 0 if not, -1 with ${e}.
*/
static int
chain_last(struct db *db, int64_t *id, uint8_t hash[SHA256_LEN], struct err *e)
{
	sqlite3_stmt *st;
	int rc, has = 0;

	*id = 0;
	memset(hash, 0, SHA256_LEN);
	if ((st = db_prepare(db, SQL_LAST, e)) == NULL)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == SHA256_LEN)
			memcpy(hash, sqlite3_column_blob(st, 1), SHA256_LEN);
		has = 1;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "ledger head"));
	return (has);
}

int
ledger_balance(struct db *db, int64_t account, const char *currency,
    struct ledger_balance *b, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(b, 0, sizeof(*b));
	snprintf(b->currency, sizeof(b->currency), "%s", currency);
	if ((st = db_prepare(db, SQL_BALANCE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_text(st, 2, currency, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b->balance = sqlite3_column_int64(st, 0);
		b->accrued = sqlite3_column_int64(st, 1);
		b->reversed = sqlite3_column_int64(st, 2);
		b->royalties = sqlite3_column_int64(st, 3);
		b->paid = sqlite3_column_int64(st, 4);
		b->entries = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "balance"));
}

/* Binds text ${s} at ${i}, NULL when empty. */
static void
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL && s[0] != '\0')
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void
bind_id_or_null(sqlite3_stmt *st, int i, int64_t v)
{
	if (v > 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/*
** Appends ${r} (kind, account, currency, amount and what its kind
** carries set; empty texts as NULL) inside a writer job: gives it the
** next id, the time, the balance after it and its hash. Returns 0 with
** r->id and r->balance set, or -1 with ${e} set (ERR_CONFLICT when a
** constraint or trigger refuses it, ERR_STORAGE, ERR_INTERNAL).
*/
static int
ledger_append(struct db *db, struct row *r, struct err *e)
{
	uint8_t prev[SHA256_LEN], hash[SHA256_LEN];
	struct ledger_balance b;
	struct canon c;
	sqlite3_stmt *st;
	int64_t last;
	int rc;

	if (r->reference != NULL && r->reference[0] == '\0')
		r->reference = NULL;
	if (r->note != NULL && r->note[0] == '\0')
		r->note = NULL;
	if (chain_last(db, &last, prev, e) == -1 ||
	    ledger_balance(db, r->account, r->currency, &b, e) == -1)
		return (-1);
	r->id = last + 1;
	r->at = (int64_t)time(NULL);
	r->balance = b.balance +
	    (strcmp(r->kind, "accrual") == 0 || strcmp(r->kind, "royalty") == 0
		    ? r->amount
		    : -r->amount);
	c.p = c.stack;
	c.cap = sizeof(c.stack);
	c.n = 0;
	if (canon_row(&c, prev, r) == -1) {
		canon_free(&c);
		return (err_oom(e));
	}
	rc = sha256_digest(c.p, c.n, hash);
	canon_free(&c);
	if (rc == -1)
		return (err_set(e, ERR_STORAGE, "ledger: SHA-256 failed"));
	if ((st = db_prepare(db, SQL_INSERT, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, r->at);
	sqlite3_bind_int64(st, 3, r->account);
	sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->currency, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, r->amount);
	sqlite3_bind_int64(st, 7, r->balance);
	bind_id_or_null(st, 8, r->contribution);
	bind_id_or_null(st, 9, r->release);
	bind_text_or_null(st, 10, r->method);
	bind_text_or_null(st, 11, r->reference);
	bind_text_or_null(st, 12, r->note);
	bind_id_or_null(st, 13, r->actor);
	sqlite3_bind_blob(st, 14, hash, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "ledger entry"));
}

/* --- accruals and reversals --- */

/* What contribution ${id} holds, per currency: up to ${max} rows into
** ${cur}/${acct}/${held}; their count, or -1 with ${e}. */
static int
held_by(struct db *db, int64_t id, char cur[][4], int64_t *acct, int64_t *held,
    int max, struct err *e)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if ((st = db_prepare(db, SQL_HELD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
		snprintf(
		    cur[n], 4, "%s", (const char *)sqlite3_column_text(st, 0));
		acct[n] = sqlite3_column_int64(st, 1);
		held[n] = sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (db_err(db, e, "ledger"));
	return (n);
}

#define HELD_MAX 8 /* currencies one contribution can have earned in */

int
ledger_accrue(struct db *db, int64_t id, int64_t actor, struct err *e)
{
	char cur[HELD_MAX][4];
	int64_t acct[HELD_MAX], held[HELD_MAX];
	struct ledger_pay pay = { { 0 }, 0, 0 };
	struct row r = { 0 };
	sqlite3_stmt *st;
	double secs = 0;
	int rc, n, i;

	if ((st = db_prepare(db, SQL_ACCRUE_INFO, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.account = sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			snprintf(pay.currency, sizeof(pay.currency), "%s",
			    (const char *)sqlite3_column_text(st, 1));
		pay.per_item = sqlite3_column_int64(st, 2);
		pay.per_audio_second = sqlite3_column_int64(st, 3);
		secs = sqlite3_column_double(st, 4);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (err_set(e, ERR_NOT_FOUND, "no such contribution"));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "contribution"));
	/* Unpaid: nothing to look up. */
	if (pay.currency[0] == '\0' ||
	    (r.amount = ledger_pay_amount(&pay, secs)) <= 0)
		return (0);
	if ((n = held_by(db, id, cur, acct, held, HELD_MAX, e)) == -1)
		return (-1);
	for (i = 0; i < n; i++)
		if (held[i] > 0)
			return (0);
	r.kind = "accrual";
	r.currency = pay.currency;
	r.contribution = id;
	r.actor = actor;
	return (ledger_append(db, &r, e) == -1 ? -1 : 1);
}

int
ledger_reverse(
    struct db *db, int64_t id, int64_t actor, const char *reason, struct err *e)
{
	char cur[HELD_MAX][4];
	int64_t acct[HELD_MAX], held[HELD_MAX];
	struct row r;
	int n, i, done = 0;

	if ((n = held_by(db, id, cur, acct, held, HELD_MAX, e)) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		if (held[i] <= 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.kind = "reversal";
		r.account = acct[i];
		r.currency = cur[i];
		r.amount = held[i];
		r.contribution = id;
		r.actor = actor;
		r.note = reason;
		if (ledger_append(db, &r, e) == -1)
			return (-1);
		done++;
	}
	return (done);
}

/* --- payouts --- */

int
ledger_method_ok(const char *m)
{
	size_t i;

	for (i = 0; m != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i]) == 0)
			return (1);
	return (0);
}

/* The method constant equal to ${m}, or NULL. */
static const char *
method_const(const char *m)
{
	size_t i;

	for (i = 0; m != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(m, methods[i]) == 0)
			return (methods[i]);
	return (NULL);
}

/* Does a payout by ${method} need a reference? */
static int
needs_reference(const char *method)
{
	return (
	    strcmp(method, "mobile_money") == 0 || strcmp(method, "bank") == 0);
}

/* 1 if ${s} (may be NULL) is UTF-8 of at most ${max} bytes with no
** control characters but tabs (and line breaks, with ${lines}). */
static int
text_ok_lines(const char *s, size_t max, int lines)
{
	size_t n, i;

	if (s == NULL)
		return (1);
	n = strlen(s);
	if (n > max || utf8_invalid_at(s, n) != n)
		return (0);
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
			!(lines && (s[i] == '\n' || s[i] == '\r'))) ||
		    s[i] == 0x7f)
			return (0);
	return (1);
}

static int
text_ok(const char *s, size_t max)
{
	return (text_ok_lines(s, max, 0));
}

/* A note may run over lines. */
static int
note_ok(const char *s)
{
	return (text_ok_lines(s, LEDGER_NOTE_MAX, 1));
}

/*
** Checks and appends payout ${p} (account known to exist) with ${where}
** ("" or "line N: ") before any message. 0, or -1 with ${e}.
*/
static int
payout_one(
    struct db *db, struct ledger_payout *p, const char *where, struct err *e)
{
	const struct currency *cur = ledger_currency(p->currency);
	struct ledger_balance b;
	struct row r = { 0 };
	sqlite3_stmt *st;
	char have[32], want[32];
	int rc;

	if (cur == NULL)
		return (err_set(e, ERR_INVALID,
		    "%s\"%.16s\" is not a currency this node knows (%s)", where,
		    p->currency ? p->currency : "", ledger_currency_codes()));
	if (p->amount <= 0 || p->amount > LEDGER_AMOUNT_MAX)
		return (err_set(
		    e, ERR_INVALID, "%sa payout must be above zero", where));
	if (!ledger_method_ok(p->method))
		return (err_set(e, ERR_INVALID,
		    "%sthe method must be mobile_money, bank, cash or other",
		    where));
	if (needs_reference(p->method) &&
	    (p->reference == NULL || p->reference[0] == '\0'))
		return (err_set(e, ERR_INVALID,
		    "%sa %s payout needs its reference (the transaction id)",
		    where, p->method));
	if (!text_ok(p->reference, LEDGER_REF_MAX) || !note_ok(p->note))
		return (err_set(e, ERR_INVALID,
		    "%sthe reference (at most %d bytes) and the note (at most "
		    "%d) are plain text",
		    where, LEDGER_REF_MAX, LEDGER_NOTE_MAX));
	if (ledger_balance(db, p->account, cur->code, &b, e) == -1)
		return (-1);
	if (p->amount > b.balance) {
		ledger_amount_format(b.balance, cur, have);
		ledger_amount_format(p->amount, cur, want);
		p->refusal = LEDGER_OVER_BALANCE;
		return (err_set(e, ERR_CONFLICT,
		    "%sa payout of %s %s is more than the balance, %s %s",
		    where, want, cur->code, have, cur->code));
	}
	if (p->reference != NULL && p->reference[0] != '\0') {
		if ((st = db_prepare(db, SQL_REFERENCE_USED, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, p->account);
		sqlite3_bind_text(st, 2, p->reference, -1, SQLITE_STATIC);
		if ((rc = db_exists(db, st, "ledger", e)) == 1)
			p->refusal = LEDGER_REFERENCE_USED;
		if (rc != 0)
			return (rc == -1 ? -1
					 : err_set(e, ERR_CONFLICT,
					       "%sthe payout with reference "
					       "\"%s\" is already recorded",
					       where, p->reference));
	}
	r.kind = "payout";
	r.account = p->account;
	r.currency = cur->code;
	r.amount = p->amount;
	r.method = method_const(p->method);
	r.reference = p->reference;
	r.note = p->note;
	r.actor = p->actor;
	if (ledger_append(db, &r, e) == -1)
		return (-1);
	p->id = r.id;
	p->balance = r.balance;
	return (0);
}

int
ledger_payout_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_payout *p = arg;
	sqlite3_stmt *st;
	int rc;

	p->refusal = NULL;
	if ((st = db_prepare(db, SQL_ACCOUNT_EXISTS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, p->account);
	if ((rc = db_exists(db, st, "account", e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no such account")
				: -1);
	if (payout_one(db, p, "", e) == -1)
		return (-1);
	return (audit_append(db, p->actor, "ledger.payout", p->account,
	    json_pack("{s:I,s:s,s:I,s:s,s:s?}", "entry", (json_int_t)p->id,
		"currency", p->currency, "amount", (json_int_t)p->amount,
		"method", p->method, "reference",
		p->reference && p->reference[0] ? p->reference : NULL),
	    e));
}

/* --- royalties --- */

/* A well-mixed 64-bit function of ${x} (splitmix64's finalizer). */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

/* Who gets a left-over unit first: the largest remainder, then the
** smallest tie value, then the lower index. */
struct share {
	uint64_t rem, tie;
	size_t i;
};

static int
share_cmp(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->rem != y->rem)
		return (x->rem > y->rem ? -1 : 1);
	if (x->tie != y->tie)
		return (x->tie < y->tie ? -1 : 1);
	return (x->i < y->i ? -1 : x->i > y->i);
}

int
ledger_split(int64_t total, const int64_t *w, const uint64_t *tie, size_t n,
    int64_t *parts)
{
	struct share *s;
	unsigned __int128 prod;
	uint64_t sum = 0;
	int64_t given = 0, left;
	size_t i;

	if (total < 0 || n == 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (w[i] < 0 || (uint64_t)w[i] > (uint64_t)INT64_MAX - sum)
			return (-1);
		sum += (uint64_t)w[i];
	}
	if (sum == 0 || (s = calloc(n, sizeof(*s))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		prod = (unsigned __int128)(uint64_t)total * (uint64_t)w[i];
		parts[i] = (int64_t)(prod / sum);
		s[i].rem = (uint64_t)(prod % sum);
		s[i].tie = tie != NULL ? tie[i] : 0;
		s[i].i = i;
		given += parts[i];
	}
	/* sum of floors > total - n, so fewer than n units are left. */
	left = total - given;
	qsort(s, n, sizeof(*s), share_cmp);
	for (i = 0; i < (size_t)left && i < n; i++)
		parts[s[i].i]++;
	free(s);
	return (0);
}

int
ledger_royalty_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_royalty *ro = arg;
	const struct currency *cur = ledger_currency(ro->currency);
	int64_t *acct = NULL, *items = NULL, *ms = NULL, *parts = NULL;
	uint64_t *tie = NULL;
	int64_t audio = 0, texts = 0;
	size_t n = 0, cap = 0, i;
	sqlite3_stmt *st;
	struct row r;
	char money[32];
	int rc, ret = -1;

	ro->people = ro->entries = 0;
	ro->weight = 0;
	if (cur == NULL)
		return (err_set(e, ERR_INVALID,
		    "\"%.16s\" is not a currency this node knows (%s)",
		    ro->currency ? ro->currency : "", ledger_currency_codes()));
	if (ro->amount <= 0 || ro->amount > LEDGER_AMOUNT_MAX)
		return (
		    err_set(e, ERR_INVALID, "a royalty must be above zero"));
	if (!note_ok(ro->note))
		return (err_set(e, ERR_INVALID,
		    "the note is plain text of at most %d bytes",
		    LEDGER_NOTE_MAX));
	if ((st = db_prepare(db, SQL_RELEASE, e)) == NULL)
		return (-1);
	sqlite3_bind_text(
	    st, 1, ro->release ? ro->release : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	ro->release_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (err_set(e, ERR_NOT_FOUND, "no release \"%.64s\"",
		    ro->release ? ro->release : ""));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "release"));

	if ((st = db_prepare(db, SQL_RELEASE_PEOPLE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, ro->release_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((acct = reallocarray(acct, cap, 8)) == NULL ||
			    (items = reallocarray(items, cap, 8)) == NULL ||
			    (ms = reallocarray(ms, cap, 8)) == NULL) {
				sqlite3_reset(st);
				err_oom(e);
				goto out;
			}
		}
		acct[n] = sqlite3_column_int64(st, 0);
		items[n] = sqlite3_column_int64(st, 1);
		ms[n] = sqlite3_column_int64(st, 2);
		audio += sqlite3_column_int64(st, 3);
		texts += sqlite3_column_int64(st, 4);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, e, "release items");
		goto out;
	}
	if (n == 0) {
		err_set(e, ERR_CONFLICT,
		    "release %s holds nothing still validated: nobody to "
		    "share with",
		    ro->release);
		goto out;
	}
	if (audio > 0 && texts > 0 && !ro->by_items) {
		err_set(e, ERR_INVALID,
		    "release %s holds both recordings and texts: share by "
		    "items (--by-items) to weigh them alike",
		    ro->release);
		goto out;
	}
	ro->unit = audio > 0 && !ro->by_items ? "milliseconds" : "items";
	if ((parts = calloc(n, sizeof(*parts))) == NULL ||
	    (tie = calloc(n, sizeof(*tie))) == NULL) {
		err_oom(e);
		goto out;
	}
	for (i = 0; i < n; i++)
		tie[i] = mix64((uint64_t)ro->release_id * 0x100000001b3ULL ^
		    mix64((uint64_t)acct[i]));
	if (ledger_split(ro->amount, ro->unit[0] == 'm' ? ms : items, tie, n,
		parts) == -1) {
		err_set(e, ERR_CONFLICT,
		    "release %s: the recordings' lengths add up to nothing",
		    ro->release);
		goto out;
	}
	ro->people = n;
	for (i = 0; i < n; i++) {
		ro->weight += ro->unit[0] == 'm' ? ms[i] : items[i];
		if (parts[i] == 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.kind = "royalty";
		r.account = acct[i];
		r.currency = cur->code;
		r.amount = parts[i];
		r.release = ro->release_id;
		r.note = ro->note;
		r.actor = ro->actor;
		if (ledger_append(db, &r, e) == -1)
			goto out;
		ro->entries++;
	}
	ledger_amount_format(ro->amount, cur, money);
	ret = audit_append(db, ro->actor, "ledger.royalty", ro->release_id,
	    json_pack("{s:s,s:s,s:s,s:I,s:I,s:s}", "release", ro->release,
		"currency", cur->code, "amount", money, "people",
		(json_int_t)ro->people, "entries", (json_int_t)ro->entries,
		"by", ro->unit),
	    e);
out:
	free(acct);
	free(items);
	free(ms);
	free(parts);
	free(tie);
	return (ret);
}

/* --- reading --- */

json_t *
ledger_balances_json(struct db *db, int64_t account, struct err *e)
{
	const struct currency *cur;
	sqlite3_stmt *st;
	json_t *arr, *o;
	char money[32];
	int rc;

	if ((st = db_prepare(db, SQL_BALANCES_OF, e)) == NULL)
		return (NULL);
	if ((arr = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, account);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(st, 0);

		money[0] = '\0';
		if ((cur = ledger_currency(code)) != NULL)
			ledger_amount_format(
			    sqlite3_column_int64(st, 1), cur, money);
		o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "currency",
		    code, "balance", (json_int_t)sqlite3_column_int64(st, 1),
		    "accrued", (json_int_t)sqlite3_column_int64(st, 2),
		    "reversed", (json_int_t)sqlite3_column_int64(st, 3),
		    "royalties", (json_int_t)sqlite3_column_int64(st, 4),
		    "paid", (json_int_t)sqlite3_column_int64(st, 5), "entries",
		    (json_int_t)sqlite3_column_int64(st, 6), "text", money);
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	return (db_list_end(db, st, rc, arr, 0, "balances", NULL, e));
}

json_t *
ledger_totals_json(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o;
	int rc;

	if ((st = db_prepare(db, SQL_TOTALS, e)) == NULL)
		return (NULL);
	if ((arr = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "currency",
		    (const char *)sqlite3_column_text(st, 0), "owed",
		    (json_int_t)sqlite3_column_int64(st, 1), "debt",
		    (json_int_t)sqlite3_column_int64(st, 2), "accrued",
		    (json_int_t)sqlite3_column_int64(st, 3), "reversed",
		    (json_int_t)sqlite3_column_int64(st, 4), "royalties",
		    (json_int_t)sqlite3_column_int64(st, 5), "paid",
		    (json_int_t)sqlite3_column_int64(st, 6), "accounts",
		    (json_int_t)sqlite3_column_int64(st, 7));
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	return (db_list_end(db, st, rc, arr, 0, "ledger totals", NULL, e));
}

/* Column ${i} as a JSON string, or null. */
static json_t *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return (s != NULL ? json_string((const char *)s) : json_null());
}

static json_t *
col_id(sqlite3_stmt *st, int i)
{
	return (sqlite3_column_type(st, i) == SQLITE_NULL
		? json_null()
		: json_integer(sqlite3_column_int64(st, i)));
}

json_t *
ledger_entries_json(struct db *db, int64_t account, int64_t before, int limit,
    int64_t *next, struct err *e)
{
	const struct currency *cur;
	sqlite3_stmt *st;
	json_t *arr, *o;
	char money[32];
	const char *kind;
	int64_t amount, last = 0;
	int rc, n = 0;

	*next = 0;
	if (limit < 1 || limit > 500)
		limit = limit < 1 ? 1 : 500;
	if ((st = db_prepare(db, SQL_ENTRIES_OF, e)) == NULL)
		return (NULL);
	if ((arr = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, account);
	sqlite3_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(st, 3, limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > limit) {
			*next = last;
			continue;
		}
		last = sqlite3_column_int64(st, 0);
		kind = (const char *)sqlite3_column_text(st, 2);
		amount = sqlite3_column_int64(st, 4);
		if (strcmp(kind, "reversal") == 0 ||
		    strcmp(kind, "payout") == 0)
			amount = -amount;
		money[0] = '\0';
		if ((cur = ledger_currency(
			 (const char *)sqlite3_column_text(st, 3))) != NULL)
			ledger_amount_format(amount, cur, money);
		o = json_pack(
		    "{s:I,s:I,s:s,s:s,s:I,s:s,s:I,s:o,s:o,s:o,s:o,s:o}", "id",
		    (json_int_t)last, "at",
		    (json_int_t)sqlite3_column_int64(st, 1), "kind", kind,
		    "currency", (const char *)sqlite3_column_text(st, 3),
		    "amount", (json_int_t)amount, "text", money, "balance",
		    (json_int_t)sqlite3_column_int64(st, 5), "contribution",
		    col_id(st, 6), "release", col_text(st, 7), "method",
		    col_text(st, 8), "reference", col_text(st, 9), "note",
		    col_text(st, 10));
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	return (db_list_end(db, st, rc, arr, 0, "ledger entries", NULL, e));
}

/* --- the chain: head and verify --- */

int
ledger_head(
    struct db *db, int64_t *id, char hex[SHA256_HEX_LEN + 1], struct err *e)
{
	uint8_t hash[SHA256_LEN];
	int rc;

	hex[0] = '\0';
	if ((rc = chain_last(db, id, hash, e)) == 1)
		hex_encode(hash, SHA256_LEN, hex);
	return (rc);
}

/*
** Running balances while verifying: an open-addressing table keyed by
** account and currency (its three letters packed), grown at half full.
*/
struct slot {
	int64_t account, sum;
	uint32_t cur;
	int used, seen;
};
struct bmap {
	struct slot *s;
	size_t cap, n;
};

static uint32_t
cur_pack(const char *c)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; c != NULL && i < 3 && c[i] != '\0'; i++)
		v = v << 8 | (unsigned char)c[i];
	return (c != NULL && strlen(c) > 3 ? v | 0x80000000u : v);
}

/* The slot of (${account}, ${cur}), added if absent; NULL if out of
** memory. */
static struct slot *
bmap_get(struct bmap *m, int64_t account, uint32_t cur)
{
	struct slot *old, *s;
	size_t i, oldcap;

	if (m->n * 2 >= m->cap) {
		old = m->s;
		oldcap = m->cap;
		m->cap = m->cap ? m->cap * 2 : 1024;
		if ((m->s = calloc(m->cap, sizeof(*m->s))) == NULL) {
			m->s = old;
			m->cap = oldcap;
			return (NULL);
		}
		m->n = 0;
		for (i = 0; i < oldcap; i++)
			if (old[i].used) {
				s = bmap_get(m, old[i].account, old[i].cur);
				*s = old[i];
			}
		free(old);
	}
	i = (size_t)mix64((uint64_t)account ^ ((uint64_t)cur << 40)) &
	    (m->cap - 1);
	while (m->s[i].used) {
		if (m->s[i].account == account && m->s[i].cur == cur)
			return (&m->s[i]);
		i = (i + 1) & (m->cap - 1);
	}
	m->s[i].used = 1;
	m->s[i].account = account;
	m->s[i].cur = cur;
	m->n++;
	return (&m->s[i]);
}

/* After the walk: every running balance against the entries. 0 with
** ${out} set if one differs, or -1 with ${e}. */
static int
check_totals(
    struct db *db, struct bmap *m, struct ledger_check *out, struct err *e)
{
	sqlite3_stmt *st;
	struct slot *s;
	const char *code;
	size_t i;
	int rc;

	if ((st = db_prepare(db, SQL_ALL_BALANCES, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		code = (const char *)sqlite3_column_text(st, 1);
		if ((s = bmap_get(m, sqlite3_column_int64(st, 0),
			 cur_pack(code))) == NULL) {
			sqlite3_reset(st);
			return (err_oom(e));
		}
		s->seen = 1;
		if (s->sum != sqlite3_column_int64(st, 2)) {
			out->state = LEDGER_TOTALS;
			out->bad_account = s->account;
			snprintf(out->bad_currency, sizeof(out->bad_currency),
			    "%s", code ? code : "");
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (db_err(db, e, "balances"));
	for (i = 0; out->state == LEDGER_INTACT && i < m->cap; i++)
		if (m->s[i].used && !m->s[i].seen && m->s[i].sum != 0) {
			out->state = LEDGER_TOTALS;
			out->bad_account = m->s[i].account;
			out->bad_currency[0] = (char)(m->s[i].cur >> 16);
			out->bad_currency[1] = (char)(m->s[i].cur >> 8);
			out->bad_currency[2] = (char)m->s[i].cur;
			out->bad_currency[3] = '\0';
		}
	return (0);
}

int
ledger_verify(struct db *db, struct ledger_check *out, ledger_sink_fn sink,
    void *sink_arg, struct err *e)
{
	uint8_t prev[SHA256_LEN], hash[SHA256_LEN];
	struct bmap m = { NULL, 0, 0 };
	struct canon c;
	struct slot *s;
	struct row r;
	sqlite3_stmt *st;
	int rc, ret = -1;

	memset(out, 0, sizeof(*out));
	memset(prev, 0, sizeof(prev));
	c.p = c.stack;
	c.cap = sizeof(c.stack);
	c.n = 0;
	if ((st = db_prepare(db, SQL_ALL, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		if (r.id != out->head_id + 1) {
			out->state = LEDGER_GAP;
			out->bad_id = r.id;
			out->after_id = out->head_id;
			break;
		}
		r.at = sqlite3_column_int64(st, 1);
		r.account = sqlite3_column_int64(st, 2);
		r.kind = (const char *)sqlite3_column_text(st, 3);
		r.currency = (const char *)sqlite3_column_text(st, 4);
		r.amount = sqlite3_column_int64(st, 5);
		r.balance = sqlite3_column_int64(st, 6);
		r.contribution = sqlite3_column_int64(st, 7);
		r.release = sqlite3_column_int64(st, 8);
		r.method = (const char *)sqlite3_column_text(st, 9);
		r.reference = (const char *)sqlite3_column_text(st, 10);
		r.note = (const char *)sqlite3_column_text(st, 11);
		r.actor = sqlite3_column_int64(st, 12);
		if (canon_row(&c, prev, &r) == -1) {
			err_oom(e);
			goto out;
		}
		if (sha256_digest(c.p, c.n, hash) == -1) {
			err_set(e, ERR_STORAGE, "ledger: SHA-256 failed");
			goto out;
		}
		if (sink != NULL)
			sink(c.p, c.n, sink_arg);
		if (sqlite3_column_bytes(st, 13) != SHA256_LEN ||
		    memcmp(sqlite3_column_blob(st, 13), hash, SHA256_LEN) !=
			0) {
			out->state = LEDGER_CHANGED;
			out->bad_id = r.id;
			break;
		}
		if ((s = bmap_get(&m, r.account, cur_pack(r.currency))) ==
		    NULL) {
			err_oom(e);
			goto out;
		}
		s->sum += r.kind != NULL &&
			(strcmp(r.kind, "accrual") == 0 ||
			    strcmp(r.kind, "royalty") == 0)
		    ? r.amount
		    : -r.amount;
		if (s->sum != r.balance) {
			out->state = LEDGER_BALANCE;
			out->bad_id = r.id;
			out->bad_account = r.account;
			snprintf(out->bad_currency, sizeof(out->bad_currency),
			    "%s", r.currency ? r.currency : "");
			break;
		}
		out->rows++;
		out->bytes += (int64_t)c.n;
		out->head_id = r.id;
		memcpy(prev, hash, SHA256_LEN);
	}
	if (out->state != LEDGER_INTACT)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, e, "ledger verify");
		goto out;
	}
	if (out->head_id > 0)
		hex_encode(prev, SHA256_LEN, out->head);
	if (out->state == LEDGER_INTACT && check_totals(db, &m, out, e) == -1)
		goto out;
	ret = 0;
out:
	if (ret == -1)
		sqlite3_reset(st);
	canon_free(&c);
	free(m.s);
	return (ret);
}

/* --- keys and sealed contacts --- */

void
ledger_keypair(uint8_t pk[LEDGER_KEY_LEN], uint8_t sk[LEDGER_KEY_LEN])
{
	crypto_box_keypair(pk, sk);
}

/* The current key's id and public key: 1, 0 none, -1 with ${e}. */
static int
key_current(
    struct db *db, int64_t *id, uint8_t pk[LEDGER_KEY_LEN], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	*id = 0;
	if ((st = db_prepare(db, SQL_KEY_CURRENT, e)) == NULL)
		return (-1);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == LEDGER_KEY_LEN)
			memcpy(pk, sqlite3_column_blob(st, 1), LEDGER_KEY_LEN);
		else
			rc = SQLITE_CORRUPT;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "treasurer key"));
}

int
ledger_key_public(struct db *db, uint8_t pk[LEDGER_KEY_LEN], struct err *e)
{
	int64_t id;

	return (key_current(db, &id, pk, e));
}

/* Inserts ${pk} as a key: its id, or -1 with ${e}. */
static int64_t
key_add(struct db *db, const uint8_t pk[LEDGER_KEY_LEN], struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(db, SQL_KEY_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_blob(st, 1, pk, LEDGER_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "treasurer key"));
	return (sqlite3_last_insert_rowid(db_handle(db)));
}

int
ledger_key_set_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_key_set *k = arg;
	uint8_t pk[LEDGER_KEY_LEN];
	char hex[2 * LEDGER_KEY_LEN + 1];
	int64_t id;
	int rc;

	if ((rc = key_current(db, &id, pk, e)) != 0)
		return (rc == -1
			? -1
			: err_set(e, ERR_CONFLICT,
			      "the node has a treasurer key already; a "
			      "new treasurer's key is set by `tributary "
			      "ledger rekey`, which re-seals every "
			      "contact"));
	if ((id = key_add(db, k->pk, e)) == -1)
		return (-1);
	hex_encode(k->pk, LEDGER_KEY_LEN, hex);
	return (audit_append(db, k->actor, "ledger.key", id,
	    json_pack("{s:s}", "public_key", hex), e));
}

int
ledger_contact_set_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_contact_set *cs = arg;
	uint8_t pk[LEDGER_KEY_LEN], h[32], *sealed;
	sqlite3_stmt *st;
	size_t n;
	int64_t key;
	int rc, hashed;

	if (!ledger_method_ok(cs->method))
		return (err_set(e, ERR_INVALID,
		    "\"method\" must be mobile_money, bank, cash or other"));
	if (cs->contact == NULL || cs->contact[0] == '\0' ||
	    !text_ok(cs->contact, LEDGER_CONTACT_MAX))
		return (err_set(e, ERR_INVALID,
		    "\"contact\" must be plain text of 1 to %d bytes",
		    LEDGER_CONTACT_MAX));
	if ((st = db_prepare(db, SQL_ACCOUNT_EXISTS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cs->account);
	if ((rc = db_exists(db, st, "account", e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no such account")
				: -1);
	if ((rc = key_current(db, &key, pk, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_CONFLICT,
				      "the node has no treasurer key yet "
				      "(`tributary ledger keygen`): a payout "
				      "contact cannot be kept until it does")
				: -1);
	n = strlen(cs->contact);
	if ((sealed = malloc(n + crypto_box_SEALBYTES)) == NULL)
		return (err_oom(e));
	crypto_box_seal(sealed, (const unsigned char *)cs->contact, n, pk);
	hashed = cs->hash_key != NULL &&
	    redact_contact_hash(cs->hash_key, cs->contact, h) == 0;
	if ((st = db_prepare(db, SQL_CONTACT_PUT, e)) == NULL) {
		free(sealed);
		return (-1);
	}
	sqlite3_bind_int64(st, 1, cs->account);
	sqlite3_bind_text(st, 2, method_const(cs->method), -1, SQLITE_STATIC);
	sqlite3_bind_blob(
	    st, 3, sealed, (int)(n + crypto_box_SEALBYTES), SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, key);
	if (hashed)
		sqlite3_bind_blob(st, 5, h, sizeof(h), SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	free(sealed);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "payout contact"));
	return (audit_append(db, cs->account, "ledger.contact", cs->account,
	    json_pack("{s:s}", "method", method_const(cs->method)), e));
}

/*
** Opens ${c} (${n} bytes) with ${sk} into a new NUL-terminated string
** (the caller wipes and frees it). NULL if it does not open or out of
** memory (${oom} tells which).
*/
static char *
unseal(const uint8_t *c, size_t n, const uint8_t sk[LEDGER_KEY_LEN], int *oom)
{
	uint8_t pk[LEDGER_KEY_LEN];
	char *m;

	*oom = 0;
	if (n < crypto_box_SEALBYTES)
		return (NULL);
	if ((m = malloc(n - crypto_box_SEALBYTES + 1)) == NULL) {
		*oom = 1;
		return (NULL);
	}
	crypto_scalarmult_base(pk, sk);
	if (crypto_box_seal_open((unsigned char *)m, c, n, pk, sk) != 0) {
		free(m);
		return (NULL);
	}
	m[n - crypto_box_SEALBYTES] = '\0';
	return (m);
}

int
ledger_contact_open(struct db *db, int64_t account,
    const uint8_t sk[LEDGER_KEY_LEN], char **contact, const char **method,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	*contact = NULL;
	*method = NULL;
	if ((st = db_prepare(db, SQL_CONTACT_GET, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*method =
		    method_const((const char *)sqlite3_column_text(st, 0));
		*contact = unseal(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), sk, &oom);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (0);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "payout contact"));
	if (*contact == NULL)
		return (oom ? err_oom(e)
			    : err_set(e, ERR_FORBIDDEN,
				  "this secret key does not open the payout "
				  "contact of account %lld",
				  (long long)account));
	return (1);
}

int
ledger_contact_info(
    struct db *db, int64_t account, struct ledger_contact *c, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((st = db_prepare(db, SQL_CONTACT_INFO, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, account);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c->method =
		    method_const((const char *)sqlite3_column_text(st, 0));
		c->updated_at = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 2) == 32) {
			memcpy(c->hash, sqlite3_column_blob(st, 2), 32);
			c->has_hash = 1;
		}
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return (1);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "payout contact"));
}

json_t *
ledger_due_json(struct db *db, struct err *e)
{
	struct ledger_contact c;
	const struct currency *cur;
	sqlite3_stmt *st;
	json_t *out, *o;
	char money[32];
	int rc;

	if ((out = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	if ((st = db_prepare(db, SQL_DUE, e)) == NULL) {
		json_decref(out);
		return (NULL);
	}
	sqlite3_bind_null(st, 2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t acct = sqlite3_column_int64(st, 1);

		if ((cur = ledger_currency(
			 (const char *)sqlite3_column_text(st, 2))) == NULL)
			continue;
		/* Another read statement while this one steps. */
		if (ledger_contact_info(db, acct, &c, e) == -1) {
			sqlite3_reset(st);
			json_decref(out);
			return (NULL);
		}
		ledger_amount_format(sqlite3_column_int64(st, 3), cur, money);
		o = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s?}", "account",
		    (json_int_t)acct, "handle", sqlite3_column_text(st, 0),
		    "currency", cur->code, "balance",
		    (json_int_t)sqlite3_column_int64(st, 3), "text", money,
		    "method", c.method);
		if (o == NULL || json_array_append_new(out, o) == -1) {
			sqlite3_reset(st);
			json_decref(out);
			err_oom(e);
			return (NULL);
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(out);
		db_err(db, e, "amounts due");
		return (NULL);
	}
	return (out);
}

int
ledger_rekey_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_rekey *rk = arg;
	uint8_t pk[LEDGER_KEY_LEN], mine[LEDGER_KEY_LEN], *sealed = NULL;
	sqlite3_stmt *st, *up;
	int64_t old, key, acct;
	char hex[2 * LEDGER_KEY_LEN + 1], *m;
	size_t len;
	int rc, oom;

	rk->count = 0;
	if ((rc = key_current(db, &old, pk, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_CONFLICT,
				      "the node has no treasurer key yet: "
				      "`tributary ledger keygen` makes one")
				: -1);
	crypto_scalarmult_base(mine, rk->old_sk);
	if (sodium_memcmp(mine, pk, LEDGER_KEY_LEN) != 0)
		return (err_set(e, ERR_FORBIDDEN,
		    "the old secret key is not the node's current treasurer "
		    "key"));
	if (sodium_memcmp(rk->new_pk, pk, LEDGER_KEY_LEN) == 0)
		return (err_set(
		    e, ERR_CONFLICT, "the new public key is the current one"));
	if (db_run(db, SQL_KEY_RETIRE, old, (int64_t)time(NULL),
		"treasurer key", e) == -1 ||
	    (key = key_add(db, rk->new_pk, e)) == -1)
		return (-1);
	/* Re-sealing updates rows the walk has passed (by primary key,
	** which the walk does not read again). */
	if ((st = db_prepare(db, SQL_CONTACT_ALL, e)) == NULL ||
	    (up = db_prepare(db, SQL_CONTACT_RESEAL, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		acct = sqlite3_column_int64(st, 0);
		m = unseal(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), rk->old_sk, &oom);
		if (m == NULL) {
			sqlite3_reset(st);
			return (oom ? err_oom(e)
				    : err_set(e, ERR_FORBIDDEN,
					  "the old secret key does not open "
					  "the payout contact of account "
					  "%lld: nothing was re-sealed",
					  (long long)acct));
		}
		len = strlen(m);
		if ((sealed = malloc(len + crypto_box_SEALBYTES)) == NULL) {
			sodium_memzero(m, len);
			free(m);
			sqlite3_reset(st);
			return (err_oom(e));
		}
		crypto_box_seal(sealed, (unsigned char *)m, len, rk->new_pk);
		sodium_memzero(m, len);
		free(m);
		sqlite3_bind_int64(up, 1, acct);
		sqlite3_bind_blob(up, 2, sealed,
		    (int)(len + crypto_box_SEALBYTES), SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, key);
		rc = sqlite3_step(up);
		sqlite3_reset(up);
		free(sealed);
		if (rc != SQLITE_DONE) {
			sqlite3_reset(st);
			return (db_err(db, e, "payout contact"));
		}
		rk->count++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "payout contacts"));
	hex_encode(rk->new_pk, LEDGER_KEY_LEN, hex);
	return (audit_append(db, rk->actor, "ledger.rekey", key,
	    json_pack("{s:s,s:i}", "public_key", hex, "contacts", rk->count),
	    e));
}

/* --- CSV --- */

/* Writes field ${s} to ${out}, quoted when it holds a comma, a quote, a
** line break or edge spaces. */
static void
csv_field(FILE *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > 0 &&
	    (strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ')) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else if (n > 0)
		fputs(s, out);
}

long
ledger_due_csv(struct db *db, const uint8_t *sk, const char *min,
    const char *currency, FILE *out, struct err *e)
{
	const struct currency *cur;
	const char *method;
	sqlite3_stmt *st;
	char money[32], *contact;
	int64_t floor;
	long lines = 0;
	int rc;

	if ((st = db_prepare(db, SQL_DUE, e)) == NULL)
		return (-1);
	bind_text_or_null(st, 2, currency);
	fputs("handle,currency,amount,method,contact,reference,note\r\n", out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		contact = NULL;
		method = NULL;
		if ((cur = ledger_currency(
			 (const char *)sqlite3_column_text(st, 2))) == NULL)
			continue;
		floor = 0;
		if (min != NULL &&
		    ledger_amount_parse(min, cur, &floor, "--min", e) == -1) {
			sqlite3_reset(st);
			return (-1);
		}
		if (sqlite3_column_int64(st, 3) < floor)
			continue;
		/* The contact is read through another statement while
		** this one is stepping: both are reads. */
		if (sk != NULL &&
		    ledger_contact_open(db, sqlite3_column_int64(st, 1), sk,
			&contact, &method, e) == -1) {
			sqlite3_reset(st);
			return (-1);
		}
		/* Without the key the method is still known: it is plain. */
		if (sk == NULL) {
			struct ledger_contact ci;

			if (ledger_contact_info(db, sqlite3_column_int64(st, 1),
				&ci, e) == -1) {
				sqlite3_reset(st);
				return (-1);
			}
			method = ci.method;
		}
		ledger_amount_format(sqlite3_column_int64(st, 3), cur, money);
		csv_field(out, (const char *)sqlite3_column_text(st, 0));
		fprintf(out, ",%s,%s,", cur->code, money);
		csv_field(out, method);
		fputc(',', out);
		csv_field(out, contact);
		fputs(",,\r\n", out);
		if (contact != NULL) {
			sodium_memzero(contact, strlen(contact));
			free(contact);
		}
		lines++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "amounts due"));
	if (fflush(out) != 0 || ferror(out))
		return (
		    err_set(e, ERR_INTERNAL, "the CSV could not be written"));
	return (lines);
}

#define CSV_FIELD_MAX  1024 /* bytes of one field */
#define CSV_FIELDS_MAX 16

enum col {
	COL_HANDLE,
	COL_CURRENCY,
	COL_AMOUNT,
	COL_METHOD,
	COL_REFERENCE,
	COL_NOTE,
	COL_CONTACT,
	NCOLS
};
static const char *const col_names[NCOLS] = { "handle", "currency", "amount",
	"method", "reference", "note", "contact" };

/* One record being read. */
struct rec {
	char f[CSV_FIELDS_MAX][CSV_FIELD_MAX + 1];
	size_t len[CSV_FIELDS_MAX];
	int n;
	long line;
};

/*
** Reads the record at *${pos} of ${p} (${n} bytes) into ${r}, moving
** *${pos} past it and *${line} past its line breaks. Returns 1 with a
** record, 0 at the end, -1 with ${e} ("line N: ...").
*/
static int
csv_record(const char *p, size_t n, size_t *pos, long *line, struct rec *r,
    struct err *e)
{
	size_t i = *pos, k;
	int quoted;

	if (i >= n)
		return (0);
	r->n = 0;
	r->line = *line;
	for (;;) {
		if (r->n == CSV_FIELDS_MAX)
			return (err_set(e, ERR_INVALID,
			    "line %ld: more than %d fields", r->line,
			    CSV_FIELDS_MAX));
		k = 0;
		quoted = i < n && p[i] == '"';
		if (quoted) {
			for (i++;; i++) {
				if (i >= n)
					return (err_set(e, ERR_INVALID,
					    "line %ld: a quote is never "
					    "closed",
					    r->line));
				if (p[i] == '"') {
					if (i + 1 < n && p[i + 1] == '"')
						i++;
					else {
						i++;
						break;
					}
				} else if (p[i] == '\n')
					(*line)++;
				if (k == CSV_FIELD_MAX)
					return (err_set(e, ERR_INVALID,
					    "line %ld: a field longer than "
					    "%d bytes",
					    r->line, CSV_FIELD_MAX));
				r->f[r->n][k++] = p[i];
			}
			if (i < n && p[i] != ',' && p[i] != '\n' &&
			    !(p[i] == '\r' && i + 1 < n && p[i + 1] == '\n'))
				return (err_set(e, ERR_INVALID,
				    "line %ld: text after a closing quote",
				    *line));
		} else {
			for (; i < n && p[i] != ',' && p[i] != '\n'; i++) {
				if (p[i] == '\r' && i + 1 < n &&
				    p[i + 1] == '\n')
					break;
				if (p[i] == '"')
					return (err_set(e, ERR_INVALID,
					    "line %ld: a quote inside a field "
					    "that does not start with one",
					    r->line));
				if (k == CSV_FIELD_MAX)
					return (err_set(e, ERR_INVALID,
					    "line %ld: a field longer than "
					    "%d bytes",
					    r->line, CSV_FIELD_MAX));
				r->f[r->n][k++] = p[i];
			}
		}
		r->f[r->n][k] = '\0';
		r->len[r->n] = k;
		r->n++;
		if (i >= n) {
			*pos = n;
			return (1);
		}
		if (p[i] == ',') {
			i++;
			continue;
		}
		/* The end of the record: "\n" or "\r\n". */
		i += p[i] == '\r' ? 2 : 1;
		(*line)++;
		*pos = i;
		return (1);
	}
}

/* ${s} without its leading and trailing spaces and tabs, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return (s);
}

/* Checks record ${r} against the header's columns ${at} and adds it to
** ${out}. 0, or -1 with ${e}. */
static int
csv_row(
    struct rec *r, const int at[NCOLS], struct ledger_csv *out, struct err *e)
{
	struct ledger_csv_row *row, *grown;
	struct err he = { 0 };
	char *v[NCOLS];
	int i;

	for (i = 0; i < r->n; i++)
		if (strlen(r->f[i]) != r->len[i])
			return (err_set(e, ERR_INVALID,
			    "line %ld: a NUL byte in field %d", r->line,
			    i + 1));
	for (i = 0; i < NCOLS; i++)
		v[i] = at[i] >= 0 ? trim(r->f[at[i]]) : NULL;
	if (out->n == LEDGER_CSV_MAX)
		return (err_set(e, ERR_TOO_LARGE,
		    "line %ld: more than %d payouts in one file", r->line,
		    LEDGER_CSV_MAX));
	if (out->n == out->cap) {
		grown = reallocarray(out->rows, out->cap ? out->cap * 2 : 16,
		    sizeof(*out->rows));
		if (grown == NULL)
			return (err_oom(e));
		out->rows = grown;
		out->cap = out->cap ? out->cap * 2 : 16;
	}
	row = &out->rows[out->n];
	memset(row, 0, sizeof(*row));
	row->line = r->line;
	if (handle_check(v[COL_HANDLE], &he) == -1)
		return (err_set(
		    e, ERR_INVALID, "line %ld: handle: %s", r->line, he.msg));
	snprintf(row->handle, sizeof(row->handle), "%s", v[COL_HANDLE]);
	if ((row->cur = ledger_currency(v[COL_CURRENCY])) == NULL)
		return (err_set(e, ERR_INVALID,
		    "line %ld: \"%.16s\" is not a currency this node knows "
		    "(%s)",
		    r->line, v[COL_CURRENCY], ledger_currency_codes()));
	if (ledger_amount_parse(
		v[COL_AMOUNT], row->cur, &row->amount, "amount", &he) == -1)
		return (
		    err_set(e, ERR_INVALID, "line %ld: %s", r->line, he.msg));
	if (row->amount == 0)
		return (err_set(e, ERR_INVALID,
		    "line %ld: a payout must be above zero", r->line));
	if (!ledger_method_ok(v[COL_METHOD]))
		return (err_set(e, ERR_INVALID,
		    "line %ld: the method must be mobile_money, bank, cash or "
		    "other",
		    r->line));
	snprintf(row->method, sizeof(row->method), "%s", v[COL_METHOD]);
	if (needs_reference(row->method) &&
	    (v[COL_REFERENCE] == NULL || v[COL_REFERENCE][0] == '\0'))
		return (err_set(e, ERR_INVALID,
		    "line %ld: a %s payout needs its reference (the "
		    "transaction id)",
		    r->line, row->method));
	if (!text_ok(v[COL_REFERENCE], LEDGER_REF_MAX) || !note_ok(v[COL_NOTE]))
		return (err_set(e, ERR_INVALID,
		    "line %ld: the reference (at most %d bytes) and the note "
		    "(at most %d) are plain UTF-8 text",
		    r->line, LEDGER_REF_MAX, LEDGER_NOTE_MAX));
	if (v[COL_REFERENCE] != NULL && v[COL_REFERENCE][0] != '\0' &&
	    (row->reference = strdup(v[COL_REFERENCE])) == NULL)
		return (err_oom(e));
	out->n++; /* the row owns its strings from here */
	if (v[COL_NOTE] != NULL && v[COL_NOTE][0] != '\0' &&
	    (row->note = strdup(v[COL_NOTE])) == NULL)
		return (err_oom(e));
	return (0);
}

int
ledger_csv_parse(
    const void *data, size_t n, struct ledger_csv *out, struct err *e)
{
	const char *p = data;
	struct rec *r;
	size_t pos = 0;
	long line = 1;
	int at[NCOLS], i, j, rc;
	char *name;

	memset(out, 0, sizeof(*out));
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	if ((r = malloc(sizeof(*r))) == NULL)
		return (err_oom(e));
	if ((rc = csv_record(p, n, &pos, &line, r, e)) != 1) {
		if (rc == 0)
			err_set(e, ERR_INVALID,
			    "line 1: the file is empty; it starts with a "
			    "header: handle,currency,amount,method,reference,"
			    "note");
		goto fail;
	}
	for (i = 0; i < NCOLS; i++)
		at[i] = -1;
	for (j = 0; j < r->n; j++) {
		name = trim(r->f[j]);
		text_lower_ascii(name);
		for (i = 0; i < NCOLS && strcmp(name, col_names[i]) != 0; i++)
			;
		if (i == NCOLS) {
			err_set(e, ERR_INVALID,
			    "line 1: unknown column \"%.40s\" (the columns "
			    "are handle, currency, amount, method, reference, "
			    "note, contact)",
			    name);
			goto fail;
		}
		if (at[i] >= 0) {
			err_set(e, ERR_INVALID, "line 1: column \"%s\" twice",
			    col_names[i]);
			goto fail;
		}
		at[i] = j;
	}
	for (i = 0; i <= COL_METHOD; i++)
		if (at[i] < 0) {
			err_set(e, ERR_INVALID,
			    "line 1: the header has no \"%s\" column",
			    col_names[i]);
			goto fail;
		}
	while ((rc = csv_record(p, n, &pos, &line, r, e)) == 1) {
		if (r->n == 1 && trim(r->f[0])[0] == '\0')
			continue; /* a blank line */
		for (i = 0, j = 0; i < NCOLS; i++)
			j += at[i] >= 0;
		if (r->n != j) {
			err_set(e, ERR_INVALID,
			    "line %ld: %d fields where the header names %d",
			    r->line, r->n, j);
			goto fail;
		}
		if (csv_row(r, at, out, e) == -1)
			goto fail;
	}
	if (rc == -1)
		goto fail;
	if (out->n == 0) {
		err_set(e, ERR_INVALID, "line %ld: the file holds no payouts",
		    line);
		goto fail;
	}
	free(r);
	return (0);
fail:
	free(r);
	ledger_csv_free(out);
	return (-1);
}

void
ledger_csv_free(struct ledger_csv *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->rows[i].reference);
		free(c->rows[i].note);
	}
	free(c->rows);
	c->rows = NULL;
	c->n = c->cap = 0;
}

int
ledger_record_job(struct db *db, void *arg, struct err *e)
{
	struct ledger_record *rec = arg;
	const struct ledger_csv_row *row;
	struct ledger_payout p;
	sqlite3_stmt *st;
	char where[32];
	size_t i;
	int rc;

	rec->count = 0;
	rec->bad_line = 0;
	for (i = 0; i < rec->csv->n; i++) {
		row = &rec->csv->rows[i];
		snprintf(where, sizeof(where), "line %ld: ", row->line);
		memset(&p, 0, sizeof(p));
		if ((st = db_prepare(db, SQL_ACCOUNT_BY_HANDLE, e)) == NULL)
			return (-1);
		sqlite3_bind_text(st, 1, row->handle, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		p.account = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		if (rc == SQLITE_DONE) {
			rec->bad_line = row->line;
			return (err_set(e, ERR_NOT_FOUND,
			    "%sno account \"%s\": nothing in the file was "
			    "recorded",
			    where, row->handle));
		}
		if (rc != SQLITE_ROW)
			return (db_err(db, e, "account"));
		p.actor = rec->actor;
		p.currency = row->cur->code;
		p.amount = row->amount;
		p.method = row->method;
		p.reference = row->reference;
		p.note = row->note;
		if (payout_one(db, &p, where, e) == -1) {
			rec->bad_line = row->line;
			if (e->code == ERR_CONFLICT || e->code == ERR_INVALID)
				snprintf(e->msg + strlen(e->msg),
				    sizeof(e->msg) - strlen(e->msg),
				    ": nothing in the file was recorded");
			return (-1);
		}
		rec->count++;
	}
	return (audit_append(db, rec->actor, "ledger.payouts", 0,
	    json_pack("{s:I}", "payouts", (json_int_t)rec->count), e));
}
