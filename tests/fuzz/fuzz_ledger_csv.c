/*
** libFuzzer harness for ledger_csv_parse() (ledger.h), the parser of the
** payout files a treasurer feeds to `tributary ledger record` (filled in
** by hand or by a spreadsheet: outside input). The input is copied into a
** buffer of exactly its size, so a read past n is caught. Every outcome
** must keep the header's promises, or we abort():
**  - taken (0): at least one row, at most LEDGER_CSV_MAX; rows in file
**    order, each starting on a line within the file after the header's;
**    a valid handle; a known currency; an amount from 1 to
**    LEDGER_AMOUNT_MAX that prints as money and parses back the same; a
**    payout method; a reference where the method needs one; reference and
**    note non-empty when present, UTF-8, within their lengths, the
**    reference on one line;
**  - refused (-1): ERR_INVALID, ERR_TOO_LARGE or ERR_INTERNAL with a
**    message naming a line ("line N: ", N within the file), and nothing
**    left in the result;
**  - ledger_csv_free() leaves the result empty either way.
** Build with -DFUZZ=ON; the seed corpus is tests/fuzz/corpus/fuzz_ledger_csv.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "ledger.h"
#include "text.h"

static void
check_text(const char *s, size_t max, int lines)
{
	size_t n, i;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n == 0 || n > max || utf8_invalid_at(s, n) != n)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
		    !(lines && (s[i] == '\n' || s[i] == '\r')))
			abort();
}

static void
check_taken(const struct ledger_csv *c, long lines)
{
	const struct ledger_csv_row *r;
	struct err e = { 0 };
	char money[32];
	int64_t back;
	long prev = 1;
	size_t i;

	if (c->n == 0 || c->n > LEDGER_CSV_MAX || c->rows == NULL)
		abort();
	for (i = 0; i < c->n; i++) {
		r = &c->rows[i];
		if (r->line <= prev || r->line > lines)
			abort();
		prev = r->line;
		if (handle_check(r->handle, &e) == -1)
			abort();
		if (r->cur == NULL || ledger_currency(r->cur->code) != r->cur)
			abort();
		if (r->amount < 1 || r->amount > LEDGER_AMOUNT_MAX)
			abort();
		ledger_amount_format(r->amount, r->cur, money);
		if (ledger_amount_parse(money, r->cur, &back, "amount", &e) ==
			-1 ||
		    back != r->amount)
			abort();
		if (!ledger_method_ok(r->method))
			abort();
		if ((strcmp(r->method, "mobile_money") == 0 ||
			strcmp(r->method, "bank") == 0) &&
		    r->reference == NULL)
			abort();
		check_text(r->reference, LEDGER_REF_MAX, 0);
		check_text(r->note, LEDGER_NOTE_MAX, 1);
	}
}

static void
check_refused(const struct ledger_csv *c, const struct err *e, long lines)
{
	char *end;
	long line;

	if (e->code != ERR_INVALID && e->code != ERR_TOO_LARGE &&
	    e->code != ERR_INTERNAL)
		abort();
	if (c->n != 0 || c->rows != NULL)
		abort();
	if (e->code == ERR_INTERNAL)
		return;
	if (strncmp(e->msg, "line ", 5) != 0)
		abort();
	line = strtol(e->msg + 5, &end, 10);
	if (end == e->msg + 5 || *end != ':' || line < 1 || line > lines)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ledger_csv c;
	struct err e = { 0 };
	long lines = 1;
	char *copy;
	size_t i;
	int rc;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if ((copy = malloc(size ? size : 1)) == NULL)
		return (0);
	memcpy(copy, data, size);
	rc = ledger_csv_parse(copy, size, &c, &e);
	if (rc == 0)
		check_taken(&c, lines);
	else if (rc == -1)
		check_refused(&c, &e, lines);
	else
		abort();
	ledger_csv_free(&c);
	if (c.n != 0 || c.rows != NULL)
		abort();
	free(copy);
	return (0);
}
