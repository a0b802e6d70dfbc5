/*
** What a release pins when it is created (release.h): the chains' heads
** and the pay of its contributors, as the card and the manifest give
** them whenever the folder is built.
*/
#include <string.h>

#include "audit.h"
#include "ledger.h"
#include "release.h"

/* The campaigns of release ?1 that pay, with their rates. */
static const char SQL_RATES[] =
    "SELECT DISTINCT k.slug, k.pay_currency, k.pay_per_item, "
    "k.pay_per_audio_second FROM release_items i JOIN contributions c ON "
    "c.id = i.contribution_id JOIN campaigns k ON k.id = c.campaign_id "
    "WHERE i.release_id = ?1 AND k.pay_currency IS NOT NULL ORDER BY 1";
/* Per currency, over the people of release ?1: what its items earned
** (accruals less reversals), what those people were paid in all, what
** is owed them (positive balances), how many were ever paid. */
static const char SQL_MONEY[] =
    "WITH people AS (SELECT DISTINCT c.account_id AS id FROM release_items "
    "i JOIN contributions c ON c.id = i.contribution_id WHERE "
    "i.release_id = ?1), items AS (SELECT contribution_id AS id FROM "
    "release_items WHERE release_id = ?1) "
    "SELECT b.currency, (SELECT coalesce(sum(CASE e.kind WHEN 'accrual' "
    "THEN e.amount ELSE -e.amount END), 0) FROM ledger_entries e WHERE "
    "e.currency = b.currency AND e.kind IN ('accrual', 'reversal') AND "
    "e.contribution_id IN (SELECT id FROM items)), sum(b.paid), "
    "sum(max(b.balance, 0)), sum(b.paid > 0) FROM ledger_balances b "
    "WHERE b.account_id IN (SELECT id FROM people) GROUP BY b.currency "
    "ORDER BY b.currency";
/* Royalties shared on earlier releases of dataset ?1, per currency. */
static const char SQL_ROYALTIES[] =
    "SELECT e.currency, sum(e.amount), count(DISTINCT e.account_id), "
    "count(DISTINCT e.release_id) FROM ledger_entries e JOIN releases r "
    "ON r.id = e.release_id WHERE e.kind = 'royalty' AND r.dataset = ?1 "
    "AND r.id < ?2 GROUP BY e.currency ORDER BY e.currency";

/* The rows of ${st} (stepped here) as objects of ${names}' columns, each
** an integer but the first ${ntext}; NULL with ${e}. */
static json_t *
rows(struct db *db, sqlite3_stmt *st, const char *const *names, int n,
    int ntext, struct err *e)
{
	json_t *a = json_array(), *o;
	int rc, k;

	while (a != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((o = json_object()) == NULL)
			break;
		for (k = 0; k < n; k++)
			json_object_set_new(o, names[k],
			    k < ntext
				? json_string(
				      (const char *)sqlite3_column_text(st, k))
				: json_integer(sqlite3_column_int64(st, k)));
		json_array_append_new(a, o);
	}
	sqlite3_reset(st);
	if (a == NULL) {
		err_oom(e);
		return (NULL);
	}
	if (rc != SQLITE_DONE) {
		json_decref(a);
		db_err(db, e, "release pay");
		return (NULL);
	}
	return (a);
}

int
release_pins(struct db *db, int64_t id, const char *dataset, json_t **heads,
    json_t **pay, struct err *e)
{
	static const char *const rate_cols[] = { "campaign", "currency",
		"per_item", "per_audio_second" };
	static const char *const money_cols[] = { "currency", "earned", "paid",
		"owed", "people_paid" };
	static const char *const roy_cols[] = { "currency", "amount", "people",
		"releases" };
	char ah[SHA256_HEX_LEN + 1], lh[SHA256_HEX_LEN + 1];
	int64_t aid = 0, lid = 0;
	sqlite3_stmt *st;
	json_t *rates = NULL, *money = NULL, *roy = NULL;

	*heads = *pay = NULL;
	if (audit_head(db, &aid, ah, e) == -1 ||
	    ledger_head(db, &lid, lh, e) == -1)
		return (-1);
	if (aid == 0)
		ah[0] = '\0';
	if (lid == 0)
		lh[0] = '\0';
	*heads = json_pack("{s:{s:I,s:s},s:{s:I,s:s}}", "audit", "id",
	    (json_int_t)aid, "hash", ah, "ledger", "id", (json_int_t)lid,
	    "hash", lh);
	if (*heads == NULL)
		return (err_oom(e));
	if ((st = db_prepare(db, SQL_RATES, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if ((rates = rows(db, st, rate_cols, 4, 2, e)) == NULL)
		goto fail;
	if ((st = db_prepare(db, SQL_MONEY, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if ((money = rows(db, st, money_cols, 5, 1, e)) == NULL)
		goto fail;
	if ((st = db_prepare(db, SQL_ROYALTIES, e)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((roy = rows(db, st, roy_cols, 4, 1, e)) == NULL)
		goto fail;
	*pay = json_pack("{s:o,s:o,s:o}", "rates", rates, "money", money,
	    "royalties_before", roy);
	if (*pay == NULL)
		return (err_oom(e));
	return (0);
fail:
	json_decref(rates);
	json_decref(money);
	json_decref(*heads);
	*heads = NULL;
	return (-1);
}
