/*
** Contributor pay (domain): an append-only, hash-chained ledger anyone
** can audit. A validated contribution accrues its campaign's rate to its
** contributor in the transaction that validates it; a maintainer's
** override to rejected reverses what it earned; a withdrawal never claws
** anything back. Treasurers record payouts (never more than the balance)
** and share royalties on a release pro rata with exact largest-remainder
** rounding. Balance per account and currency = accruals + royalties -
** reversals - payouts, kept as a running row beside the entries
** (schema/011_ledger.sql). Each entry's hash covers the one before it:
** ledger_verify() names the first row that does not fit, ledger_head()
** is the latest link.
**
** Payout contacts are sealed (crypto_box_seal) to the treasurer's public
** key: the node keeps ciphertext it cannot open; the treasurer's secret
** key, kept offline, opens them when amounts due are written out.
**
** Amounts are int64_t in the currency's minor unit (ISO 4217 exponent);
** people read and type them as money ("12.50" GHS, "1250" ISK).
*/
#ifndef TRIBUTARY_LEDGER_H
#define TRIBUTARY_LEDGER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crypto.h"
#include "db.h"
#include "err.h"

#define LEDGER_AMOUNT_MAX  1000000000000000LL /* 10^15 minor units */
#define LEDGER_RATE_MAX    1000000000LL       /* a campaign rate */
#define LEDGER_REF_MAX     200                /* bytes of a reference */
#define LEDGER_NOTE_MAX    500                /* bytes of a note */
#define LEDGER_CONTACT_MAX 500                /* bytes of a contact */
#define LEDGER_CSV_MAX     100000             /* payout lines in one file */

/* --- currencies --- */

struct currency {
	const char *code; /* ISO 4217, "GHS" */
	int exponent;     /* minor-unit digits: 2 for GHS, 0 for ISK */
	const char *name;
};
/* The currency with code ${code} (exact, upper case), or NULL if the
** project does not know it. Can't fail. */
const struct currency *ledger_currency(const char *code);
/* Every known code, comma-separated ("EUR, GHS, ..."), a string constant
** for messages. Can't fail. */
const char *ledger_currency_codes(void);
/*
** Parses money ${s} in ${cur} into minor units: digits, optionally a '.'
** and at most cur->exponent digits ("12.5" GHS is 1250; "12.505" GHS and
** "1.5" ISK are refused), at most LEDGER_AMOUNT_MAX. Returns 0, or -1
** with ${e} set (ERR_INVALID naming ${what}).
*/
int ledger_amount_parse(const char *s, const struct currency *cur, int64_t *out,
    const char *what, struct err *e);
/* ${v} minor units of ${cur} as money into ${out} ("-12.50", "1250").
** Can't fail. */
void ledger_amount_format(int64_t v, const struct currency *cur, char out[32]);

/* --- a campaign's rates --- */

struct ledger_pay {
	char currency[4];         /* "" when the campaign does not pay */
	int64_t per_item;         /* minor units per validated item */
	int64_t per_audio_second; /* minor units per second of recording */
};
/*
** Checks a campaign definition's "pay" ${v} ({"currency","per_item",
** "per_audio_second"}, integers in minor units, 0 to LEDGER_RATE_MAX; a
** text campaign (${kind} "text") pays per item only) and fills ${p}.
** ${v} NULL: unpaid (${p} cleared). Returns 0, or -1 with ${e} set
** (ERR_INVALID naming the field, or the unknown currency by its code).
*/
int ledger_pay_parse(
    json_t *v, const char *kind, struct ledger_pay *p, struct err *e);
/* ${p} as the definition writes it, a new object; JSON null when unpaid;
** NULL if out of memory. */
json_t *ledger_pay_json(const struct ledger_pay *p);
/* What ${p} pays for an item of ${seconds} of recording (0 for text):
** per_item + per_audio_second x seconds, the product rounded to the
** nearest minor unit (halves up) from whole milliseconds. Can't fail. */
int64_t ledger_pay_amount(const struct ledger_pay *p, double seconds);

/* --- entries written inside other jobs --- */

/*
** Inside a writer job: accrues contribution ${id}'s pay to its
** contributor, at its campaign's rate now and its latest revision's
** length, unless what it earned so far (accruals less reversals) is
** already above zero (an override back to validated accrues again only
** after a reversal). Returns 1 if an accrual was written, 0 if none was
** due (an unpaid campaign, a rate of 0, already accrued), -1 with ${e}
** set (ERR_NOT_FOUND, ERR_STORAGE).
*/
int ledger_accrue(struct db *db, int64_t id, int64_t actor, struct err *e);
/*
** Inside a writer job: reverses what contribution ${id} earned and still
** holds (accruals less reversals, per currency), with ${reason} as the
** entry's note. The balance may go below zero. Returns the reversals
** written (0 if nothing was held), -1 with ${e} set (ERR_STORAGE).
*/
int ledger_reverse(struct db *db, int64_t id, int64_t actor, const char *reason,
    struct err *e);

/* --- payouts --- */

/* 1 if ${m} is a payout method (mobile_money, bank, cash, other). */
int ledger_method_ok(const char *m);

/*
** Writer job: records that ${account} was paid ${amount} of ${currency}
** by ${method}, with the provider's ${reference} (required for
** mobile_money and bank) and a ${note}; audited. Returns 0 with ${id}
** and ${balance} set, or -1 with ${e} set: ERR_INVALID (a field),
** ERR_NOT_FOUND (no such account), ERR_CONFLICT (more than the balance,
** or that reference already recorded for them), ERR_STORAGE.
*/
#define LEDGER_OVER_BALANCE   "over_balance"
#define LEDGER_REFERENCE_USED "reference_used"
struct ledger_payout {
	int64_t account, actor;
	const char *currency;
	int64_t amount;
	const char *method, *reference, *note;
	int64_t id, balance; /* out */
	const char *refusal; /* out, with ERR_CONFLICT: LEDGER_OVER_BALANCE or
			     ** LEDGER_REFERENCE_USED */
};
int ledger_payout_job(struct db *db, void *arg, struct err *e);

/* --- royalties --- */

/*
** Splits ${total} (>= 0) over ${n} people pro rata to ${w} (each >= 0,
** their sum > 0) into ${parts}, by largest remainder: each gets the
** floor of total x w / sum, and the units left over (fewer than ${n}) go
** one each to the largest remainders; among equal remainders, to the
** smallest ${tie} (then the lower index). The parts sum to ${total}
** exactly and two equal weights get parts at most 1 apart. Returns 0,
** or -1 if the weights sum to 0 or overflow int64_t.
*/
int ledger_split(int64_t total, const int64_t *w, const uint64_t *tie, size_t n,
    int64_t *parts);

/*
** Writer job: shares ${amount} of ${currency} over the contributors of
** release ${release} (its version) pro rata to their items in it that are
** still validated: by milliseconds of recording when the release holds
** recordings, by items when it holds texts, by items whatever they are
** with ${by_items}. One royalty entry per person whose part is above
** zero, all linked to the release, in this one job; audited. Ties go by
** a hash of the release and the account, so no account is favoured
** across releases. Returns 0 with the out fields set, or -1 with ${e}:
** ERR_INVALID (amount, currency; a release of both recordings and texts
** without ${by_items}), ERR_NOT_FOUND (no such release), ERR_CONFLICT
** (nobody to share with), ERR_STORAGE, ERR_INTERNAL (out of memory).
*/
struct ledger_royalty {
	const char *release;
	int64_t amount;
	const char *currency, *note;
	int by_items;
	int64_t actor;
	/* out */
	int64_t release_id;
	size_t people;    /* contributors weighed */
	size_t entries;   /* entries written (parts above zero) */
	int64_t weight;   /* the weights' sum */
	const char *unit; /* "milliseconds" or "items" */
};
int ledger_royalty_job(struct db *db, void *arg, struct err *e);

/* --- reading --- */

struct ledger_balance {
	char currency[4];
	int64_t balance, accrued, reversed, royalties, paid, entries;
};
/* ${account}'s balance in ${currency}, one row: 1 found, 0 none (${b}
** zeroed), -1 with ${e} set (ERR_STORAGE). */
int ledger_balance(struct db *db, int64_t account, const char *currency,
    struct ledger_balance *b, struct err *e);
/* ${account}'s balances, a new array of {"currency","balance","accrued",
** "reversed","royalties","paid","entries","text"} ("text" the balance
** as money), by currency; NULL with ${e} set. */
json_t *ledger_balances_json(struct db *db, int64_t account, struct err *e);
/* Every account's together, by currency: a new array of {"currency",
** "owed" (positive balances),"debt" (negative ones, as a negative sum),
** "accrued","reversed","royalties","paid","accounts"}; NULL with ${e}. */
json_t *ledger_totals_json(struct db *db, struct err *e);
/*
** ${account}'s entries newest first, at most ${limit} (1-500) with ids
** below ${before} (0: from the newest): a new array of {"id","at","kind",
** "currency","amount" (minor units, below zero for reversals and
** payouts),"text" (the same as money),"balance" (after it),
** "contribution","release" (its version),"method","reference","note"}
** (null where a kind has none);
** ${next} the id to pass as ${before} for the next page (0: none). NULL
** with ${e} set.
*/
json_t *ledger_entries_json(struct db *db, int64_t account, int64_t before,
    int limit, int64_t *next, struct err *e);

/* --- the chain --- */

/*
** The chain's head: the latest row's id into ${id} and its hash in hex
** into ${hex}. Returns 1, 0 if the ledger is empty (${hex} ""), -1 with
** ${e} set (ERR_STORAGE).
*/
int ledger_head(
    struct db *db, int64_t *id, char hex[SHA256_HEX_LEN + 1], struct err *e);

enum ledger_state {
	LEDGER_INTACT = 0,
	LEDGER_CHANGED, /* row bad_id's hash does not match */
	LEDGER_GAP,     /* rows after after_id, before bad_id, are missing */
	LEDGER_BALANCE, /* row bad_id's balance does not follow (its hash
			** fits: it was written wrong) */
	LEDGER_TOTALS,  /* the running balance of bad_account in bad_currency
			** is not the sum of its entries */
};

struct ledger_check {
	enum ledger_state state;
	int64_t rows;    /* rows that fit (all of them when intact) */
	int64_t bytes;   /* bytes hashed: per row, 32 + its canonical bytes */
	int64_t head_id; /* the last row that fits, 0 if none */
	char head[SHA256_HEX_LEN + 1]; /* its hash in hex, "" if none */
	int64_t bad_id;   /* the first row that does not fit, 0 if intact */
	int64_t after_id; /* LEDGER_GAP: the row before the gap (0: none) */
	int64_t bad_account;
	char bad_currency[4];
};
/* Given each row's hashed bytes (previous hash, then canonical bytes) as
** ledger_verify() reads them, in order: the benchmark's peer hashes the
** same bytes. */
typedef void (*ledger_sink_fn)(const void *p, size_t n, void *arg);
/*
** Walks the whole ledger in id order, recomputing each row's hash from
** the one before and each row's balance from the rows before it, and
** stops at the first row that does not fit (its hash, its id following
** the previous one's from 1, its balance); then checks every running
** balance against the entries. ${sink} (may be NULL) is given every
** row's hashed bytes. Returns 0 with ${out} filled (intact or not), or
** -1 with ${e} set (ERR_STORAGE, ERR_INTERNAL).
*/
int ledger_verify(struct db *db, struct ledger_check *out, ledger_sink_fn sink,
    void *sink_arg, struct err *e);

/* --- the treasurer's key and sealed contacts --- */

#define LEDGER_KEY_LEN 32 /* crypto_box public and secret keys */

/* A fresh crypto_box key pair. Can't fail (after crypto_init()). */
void ledger_keypair(uint8_t pk[LEDGER_KEY_LEN], uint8_t sk[LEDGER_KEY_LEN]);
/* The node's current treasurer public key into ${pk}: 1, 0 if it has
** none, -1 with ${e} set. */
int ledger_key_public(struct db *db, uint8_t pk[LEDGER_KEY_LEN], struct err *e);
/* Writer job: stores ${pk} as the node's treasurer key; audited. -1 with
** ${e}: ERR_CONFLICT if it has one already (a new treasurer is a rekey),
** ERR_STORAGE. */
struct ledger_key_set {
	uint8_t pk[LEDGER_KEY_LEN];
	int64_t actor;
};
int ledger_key_set_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: seals ${contact} (1 to LEDGER_CONTACT_MAX bytes of UTF-8:
** a mobile-money number and network, bank details) to the treasurer's
** key and stores it as ${account}'s payout contact by ${method},
** replacing any before; with ${hash_key} (32 bytes; may be NULL) also its
** keyed hash for redaction. Only ciphertext is written. Returns 0, or -1
** with ${e} set: ERR_INVALID, ERR_NOT_FOUND (account), ERR_CONFLICT (the
** node has no treasurer key yet), ERR_STORAGE.
*/
struct ledger_contact_set {
	int64_t account;
	const char *method, *contact;
	const uint8_t *hash_key;
};
int ledger_contact_set_job(struct db *db, void *arg, struct err *e);
/*
** Opens ${account}'s contact with the treasurer's secret key ${sk}:
** 1 with ${contact} (malloc'd; the caller wipes and frees it) and
** ${method} (a string constant), 0 if they have none, -1 with ${e} set:
** ERR_FORBIDDEN (${sk} does not open it), ERR_STORAGE.
*/
int ledger_contact_open(struct db *db, int64_t account,
    const uint8_t sk[LEDGER_KEY_LEN], char **contact, const char **method,
    struct err *e);
/* What the node can see of a payout contact: its method (a string
** constant), when it was set, and its keyed hash for redaction. */
struct ledger_contact {
	const char *method;
	int64_t updated_at;
	uint8_t hash[32];
	int has_hash;
};
/* ${account}'s contact as the node sees it: 1 found, 0 none (${c}
** zeroed), -1 with ${e} set. */
int ledger_contact_info(
    struct db *db, int64_t account, struct ledger_contact *c, struct err *e);
/* The amounts due: every positive balance, by handle then currency, as a
** new array of {"account","handle","currency","balance","text","method"}
** (method: the payout contact's, null without one); NULL with ${e}. */
json_t *ledger_due_json(struct db *db, struct err *e);

/*
** Writer job: re-seals every contact from the current key (whose secret
** is ${old_sk}) to ${new_pk}, which becomes the current key; the old one
** is retired; audited. Nothing changes unless every contact opens.
** Returns 0 with ${count}, or -1 with ${e}: ERR_FORBIDDEN (${old_sk} is
** not the current key's, or does not open a contact), ERR_CONFLICT (no
** key yet, or ${new_pk} is the current one), ERR_STORAGE.
*/
struct ledger_rekey {
	const uint8_t *old_sk, *new_pk;
	int64_t actor;
	int count; /* out */
};
int ledger_rekey_job(struct db *db, void *arg, struct err *e);

/* --- amounts due and payouts made, as CSV --- */

/*
** Writes the amounts due as CSV to ${out}: a header, then one line per
** account and currency whose balance is above zero and at least ${min}
** (money, read in each line's currency; NULL: no minimum), in
** ${currency} only when not NULL, by handle:
** handle,currency,amount,method,contact,reference,note with the amount as
** money, the contact opened with ${sk} (NULL: left empty), reference and
** note empty for the treasurer to fill in. Returns the lines written, or
** -1 with ${e} set (ERR_INVALID: ${min} is not money in a line's
** currency; ERR_FORBIDDEN: ${sk} does not open a contact; ERR_STORAGE;
** ERR_INTERNAL: a write to ${out} failed).
*/
long ledger_due_csv(struct db *db, const uint8_t *sk, const char *min,
    const char *currency, FILE *out, struct err *e);

/* One payout line of a CSV file. */
struct ledger_csv_row {
	long line; /* where it starts, from 1 */
	char handle[33];
	const struct currency *cur;
	int64_t amount;
	char method[16];
	char *reference, *note; /* malloc'd; NULL when empty */
};
struct ledger_csv {
	struct ledger_csv_row *rows;
	size_t n, cap;
};
/*
** Parses the ${n} bytes at ${p} as a CSV of payouts made (RFC 4180:
** quoted fields, "" inside quotes, CRLF or LF, a UTF-8 BOM): a header
** naming the columns handle, currency, amount, method (required),
** reference, note, contact (optional; contact is read and dropped: it is
** never stored), then one payout a line; blank lines are skipped. Each
** field is checked (a handle, a known currency, an amount as money above
** zero, a method, a reference where the method needs one, lengths, UTF-8
** with no control characters). Never reads past ${n}. Returns 0 with
** ${out} filled (free with ledger_csv_free()), or -1 with ${e} set
** (ERR_INVALID "line N: ..." for the first bad line, ERR_TOO_LARGE,
** ERR_INTERNAL) and ${out} empty.
*/
int ledger_csv_parse(
    const void *p, size_t n, struct ledger_csv *out, struct err *e);
/* Frees what ${c} holds and empties it. Can't fail. */
void ledger_csv_free(struct ledger_csv *c);
/*
** Writer job: records every payout of ${csv}, all or none: any line
** naming no account, more than the balance, or a reference already
** recorded refuses the whole file with ${e} saying "line N: ...". Audited
** once. Returns 0 with ${count}, or -1 with ${e} set (ERR_NOT_FOUND,
** ERR_CONFLICT, ERR_INVALID, ERR_STORAGE) and ${bad_line}.
*/
struct ledger_record {
	const struct ledger_csv *csv;
	int64_t actor;
	size_t count;  /* out */
	long bad_line; /* out: 0 unless a line was refused */
};
int ledger_record_job(struct db *db, void *arg, struct err *e);

#endif
