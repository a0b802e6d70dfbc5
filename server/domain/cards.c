/*
** Printable drive cards and card labels (cards.h). A sheet is plain HTML
** with inline SVG: it prints from any browser and needs nothing from the
** node once written. Its words come from the pages' catalog in the
** campaign's language, so a drive in Ho prints cards in Ewe.
*/
#include "cards.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "campaign.h"
#include "settings.h"
#include "text.h"

/* A catalog file larger than this is not one (ours are ~60 KiB). */
#define CATALOG_MAX (1 << 20)

/* The words of a card in English, when the catalog has none. */
static const struct {
	const char *key, *en;
} card_words[] = {
	{ "cards.how",
	    "Scan the code, or open {url} and type the card code. The first "
	    "time, choose a PIN of 4 to 8 digits." },
	{ "cards.keep", "Keep this card: it is your login on any phone." },
	{ "cards.run_by", "Run by {name}" },
};

/* Writes ${s} with HTML's five special characters escaped. */
static void
html_text(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\n': fputs("<br>", out); break;
		default: fputc(*s, out);
		}
}

/*
** Writes the card word ${key} of ${cat} (English if it has none), escaped,
** with each "{url}" or "{name}" in it replaced by ${var} (escaped too).
*/
static void
card_word(FILE *out, json_t *cat, const char *key, const char *var)
{
	const char *w = json_string_value(json_object_get(cat, key));
	char one[2] = { 0, 0 };
	size_t i;

	for (i = 0; w == NULL && i < sizeof(card_words) / sizeof(card_words[0]);
	     i++)
		if (strcmp(card_words[i].key, key) == 0)
			w = card_words[i].en;
	while (w != NULL && *w != '\0') {
		if (strncmp(w, "{url}", 5) == 0 ||
		    strncmp(w, "{name}", 6) == 0) {
			html_text(out, var != NULL ? var : "");
			w += w[1] == 'u' ? 5 : 6;
			continue;
		}
		one[0] = *w++;
		html_text(out, one);
	}
}

/* One QR code as an SVG path: a 1-unit square per dark module. */
static int
qr_svg(FILE *out, const char *text)
{
	QRcode *q;
	int x, y, w;

	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return (-1);
	w = q->width;
	fprintf(out,
	    "<svg class=\"qr\" viewBox=\"-4 -4 %d %d\" "
	    "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"QR code\"><rect x=\"-4\" y=\"-4\" width=\"%d\" "
	    "height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	    w + 8, w + 8, w + 8, w + 8);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				fprintf(out, "M%d %dh1v1h-1z", x, y);
	fputs("\"/></svg>\n", out);
	QRcode_free(q);
	return (0);
}

/* ${s} is set and not empty. */
static int
given(const char *s)
{
	return (s != NULL && *s != '\0');
}

int
cards_write(FILE *out, const struct cards_sheet *s,
    char (*codes)[CARD_CODE_LEN + 1], int n)
{
	const char *lang = given(s->lang) ? s->lang : "en";
	const char *name =
	    json_string_value(json_object_get(s->catalog, "_name"));
	char url[CARDS_URL_MAX + 64];
	int i;

	fputs("<!doctype html>\n<html lang=\"", out);
	html_text(out, lang);
	fputs("\"><head><meta charset=\"utf-8\">"
	      "<title>Drive cards</title>\n<style>\n"
	      "body{font-family:system-ui,\"Noto Sans\",\"DejaVu Sans\","
	      "sans-serif;margin:0}\n"
	      ".card{display:inline-block;width:85mm;height:54mm;box-sizing:"
	      "border-box;border:1px dashed #999;padding:3mm 4mm;margin:2mm;"
	      "vertical-align:top;page-break-inside:avoid;position:relative;"
	      "overflow:hidden}\n"
	      ".qr{width:27mm;height:27mm;position:absolute;right:3mm;"
	      "bottom:3mm}\n"
	      ".code{font:bold 5.5mm/1.2 monospace;letter-spacing:.4mm;"
	      "margin-top:1.5mm}\n"
	      "h2{font-size:3.8mm;margin:0}\n.lang{font-size:2.6mm;"
	      "color:#444}\n"
	      "p{font-size:2.7mm;margin:1.2mm 0;width:48mm}\n"
	      ".org{font-size:2.2mm;width:48mm;color:#222}\n"
	      "</style></head><body>\n",
	    out);
	for (i = 0; i < n; i++) {
		snprintf(url, sizeof(url), "%s/join.html?card=%s", s->base_url,
		    codes[i]);
		fputs("<div class=\"card\"><h2>", out);
		html_text(out, s->title);
		fputs("</h2><div class=\"lang\">", out);
		html_text(out, name != NULL ? name : lang);
		fputs("</div><div class=\"code\">", out);
		html_text(out, codes[i]);
		fputs("</div><p>", out);
		card_word(out, s->catalog, "cards.how", s->base_url);
		fputs(" ", out);
		card_word(out, s->catalog, "cards.keep", NULL);
		fputs("</p>\n", out);
		if (given(s->org_name) || given(s->org_contact)) {
			fputs("<div class=\"org\">", out);
			if (given(s->org_name))
				card_word(out, s->catalog, "cards.run_by",
				    s->org_name);
			if (given(s->org_name) && given(s->org_contact))
				fputs("<br>", out);
			if (given(s->org_contact))
				html_text(out, s->org_contact);
			fputs("</div>\n", out);
		}
		if (qr_svg(out, url) == -1)
			return (-1);
		fputs("</div>\n", out);
	}
	fputs("</body></html>\n", out);
	return (ferror(out) ? -1 : 0);
}

/*
** The pages' catalog for ${lang} in ${webroot}/i18n: the language's own
** file, else its primary subtag's ("ee-GH" -> "ee"), else NULL (the
** cards speak English then). A new reference; an unreadable or malformed
** file counts as none.
*/
static json_t *
catalog_load(const char *webroot, const char *lang)
{
	char path[1024], tag[40];
	struct err e = { 0 };
	size_t len, k;
	json_t *j = NULL;
	char *body;
	int tries;

	if (webroot == NULL || lang == NULL || lang_tag_check(lang, &e) == -1)
		return (NULL);
	snprintf(tag, sizeof(tag), "%s", lang);
	text_lower_ascii(tag);
	for (tries = 0; tries < 2 && j == NULL; tries++) {
		snprintf(path, sizeof(path), "%s/i18n/%s.json", webroot, tag);
		if (text_read_file(path, CATALOG_MAX, &body, &len, &e) == 0) {
			j = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
			free(body);
			if (j != NULL && !json_is_object(j)) {
				json_decref(j);
				j = NULL;
			}
		}
		if ((k = strcspn(tag, "-")) == strlen(tag))
			break;
		tag[k] = '\0';
	}
	return (j);
}

int
cards_write_for(FILE *out, struct db *db, const char *webroot,
    const char *base_url, int64_t campaign_id, char (*codes)[CARD_CODE_LEN + 1],
    int n, struct err *e)
{
	struct cards_sheet sh = { 0 };
	struct settings st;
	struct campaign c;
	int rc;

	if ((rc = campaign_get(db, NULL, campaign_id, &c, e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND, "no such campaign")
				: -1);
	if (settings_get(db, &st, e) == -1) {
		campaign_clear(&c);
		return (-1);
	}
	sh.base_url = base_url;
	sh.title = c.title;
	sh.lang = c.language;
	sh.org_name = st.org_name;
	sh.org_contact = st.org_contact;
	sh.catalog = catalog_load(webroot, c.language);
	rc = cards_write(out, &sh, codes, n);
	json_decref(sh.catalog);
	settings_clear(&st);
	campaign_clear(&c);
	if (rc == -1)
		return (err_set(e, ERR_INTERNAL,
		    "the cards could not be drawn (out of memory, or the "
		    "address is too long for a QR code)"));
	return (0);
}

/* Is ${host} (${n} bytes, without the port) a loopback name or address,
** which browsers treat as secure over plain http? */
static int
host_is_loopback(const char *host, size_t n)
{
	static const char sub[] = ".localhost";

	if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(host, "[::1]", 5) == 0) ||
	    (n > sizeof(sub) - 1 &&
		strncasecmp(
		    host + n - (sizeof(sub) - 1), sub, sizeof(sub) - 1) == 0))
		return (1);
	/* 127.0.0.0/8, written as a dotted address */
	return (n >= 9 && strncmp(host, "127.", 4) == 0 &&
	    strspn(host, "0123456789.") == n);
}

int
cards_url_check(const char *url, char *out, size_t size, struct err *e)
{
	const char *host, *path, *last;
	size_t n = strlen(url), hn;
	int http;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n > CARDS_URL_MAX || n + 1 > size)
		return (err_set(e, ERR_INVALID,
		    "the address is over %d characters: its QR codes would "
		    "be too dense to scan",
		    CARDS_URL_MAX));
	for (path = url; path < url + n; path++)
		if ((unsigned char)*path <= ' ' ||
		    (unsigned char)*path >= 0x7f ||
		    strchr("\"<>\\^`{|}", *path) != NULL)
			return (err_set(e, ERR_INVALID,
			    "the address holds a space or a character an "
			    "address cannot have; give it as the browser shows "
			    "it (a name in another script as punycode, "
			    "xn--…)"));
	http = strncasecmp(url, "http://", 7) == 0;
	if (!http && strncasecmp(url, "https://", 8) != 0)
		return (err_set(e, ERR_INVALID,
		    "the address must start with https:// (or http://): "
		    "the phones open it in a browser"));
	host = url + (http ? 7 : 8);
	path = host + strcspn(host, "/?#");
	hn = (size_t)(path - host);
	if (hn == 0 || strcspn(host, "@ ") < hn)
		return (err_set(e, ERR_INVALID,
		    "the address names no host (give the node's name, e.g. "
		    "https://drive.lan)"));
	if (strcspn(url, "?#") < strlen(url))
		return (err_set(e, ERR_INVALID,
		    "give the node's base address without \"?\" or \"#\": the "
		    "cards add join.html?card=CODE to it"));
	/* The last segment of the path, without the trailing '/'s. */
	for (last = url + n; last > path && last[-1] != '/'; last--)
		;
	if (last > path && memchr(last, '.', (size_t)(url + n - last)) != NULL)
		return (err_set(e, ERR_INVALID,
		    "give the node's base address, not a page (\"%.*s\"): the "
		    "cards add join.html?card=CODE to it, so this would "
		    "lead to a page that does not exist",
		    (int)(url + n - last), last));
	memcpy(out, url, n);
	out[n] = '\0';
	/* The host without its port ("[::1]:8080", "drive.lan:80"). */
	if (*host == '[')
		hn = strcspn(host, "]") + 1 < hn ? strcspn(host, "]") + 1 : hn;
	else if (memchr(host, ':', hn) != NULL)
		hn = (size_t)((const char *)memchr(host, ':', hn) - host);
	return (http && !host_is_loopback(host, hn));
}

/* ---------------------------------------------------------------------
** Card labels
*/

static const char SQL_HAD_CARD[] =
    "SELECT 1 FROM drive_codes WHERE account_id = ?1 LIMIT 1";
static const char SQL_LABEL_SET[] =
    "INSERT INTO card_labels(account_id, label, set_at, set_by) "
    "VALUES (?1, ?2, ?3, nullif(?4, 0)) ON CONFLICT(account_id) DO UPDATE "
    "SET label = excluded.label, set_at = excluded.set_at, "
    "set_by = excluded.set_by";
static const char SQL_LABEL_DELETE[] =
    "DELETE FROM card_labels WHERE account_id = ?1";
/* Every account with its label and whether it has (had) a card, in id
** order. The card holders are gathered once (drive_codes has no index on
** account_id: a subquery per account would scan it per account, 49 s for
** 20 000 accounts against a quarter of a second this way). */
static const char SQL_CARD_INFO[] =
    "SELECT a.id, a.handle, l.label, c.account_id IS NOT NULL FROM "
    "accounts a LEFT JOIN card_labels l ON l.account_id = a.id LEFT JOIN "
    "(SELECT DISTINCT account_id FROM drive_codes WHERE account_id IS NOT "
    "NULL) c ON c.account_id = a.id ORDER BY a.id";
static const char SQL_CARD_INFO_ONE[] =
    "SELECT a.id, a.handle, l.label, EXISTS (SELECT 1 FROM drive_codes d "
    "WHERE d.account_id = a.id) FROM accounts a LEFT JOIN card_labels l "
    "ON l.account_id = a.id WHERE a.id = ?1";

int
card_label_job(struct db *db, void *arg, struct err *e)
{
	struct card_label *cl = arg;
	sqlite3_stmt *st;
	int rc;

	free(cl->clean);
	cl->clean = NULL;
	if (settings_text_clean(cl->label ? cl->label : "", CARD_LABEL_MAX, 0,
		"label", &cl->clean, e) == -1 ||
	    account_may_act(db, cl->actor, cl->id, e) == -1)
		return (-1);
	if ((st = db_prepare(db, SQL_HAD_CARD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, cl->id);
	if ((rc = db_exists(db, st, "card", e)) != 1)
		return (rc == 0 ? err_set(e, ERR_NOT_FOUND,
				      "this account never had a card")
				: -1);
	if (cl->clean[0] == '\0') {
		if (db_run(db, SQL_LABEL_DELETE, cl->id, 0, "label", e) == -1)
			return (-1);
	} else {
		if ((st = db_prepare(db, SQL_LABEL_SET, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, cl->id);
		sqlite3_bind_text(st, 2, cl->clean, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
		sqlite3_bind_int64(st, 4, cl->actor);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "label"));
	}
	return (audit_append(db, cl->actor, "card.labelled", cl->id,
	    json_pack("{s:b}", "label", cl->clean[0] != '\0'), e));
}

/* Adds "card" and "card_label" from the row of ${st} to ${o}. */
static void
card_fields(json_t *o, sqlite3_stmt *st)
{
	const unsigned char *l = sqlite3_column_text(st, 2);

	json_object_set_new(o, "card", json_boolean(sqlite3_column_int(st, 3)));
	json_object_set_new(o, "card_label",
	    l != NULL ? json_string((const char *)l) : json_null());
}

int
cards_annotate(struct db *db, json_t *accounts, struct err *e)
{
	sqlite3_stmt *st;
	size_t i = 0, n = json_array_size(accounts);
	json_int_t id;
	json_t *o;
	int rc;

	/* Both are in id order: walk them side by side. */
	if ((st = db_prepare(db, SQL_CARD_INFO, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && i < n) {
		id = sqlite3_column_int64(st, 0);
		while (i < n &&
		    json_integer_value(json_object_get(
			o = json_array_get(accounts, i), "id")) < id)
			i++;
		if (i < n && json_integer_value(json_object_get(o, "id")) == id)
			card_fields(o, st);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return (db_err(db, e, "cards"));
	return (0);
}

/* Does ${re} find itself in ${s}? */
static int
found(pcre2_code *re, pcre2_match_data *md, const unsigned char *s)
{
	return (s != NULL &&
	    pcre2_match(re, s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL) >= 0);
}

/* Account ${row}'s account_json() with the row's card fields: a new
** reference, or NULL with ${e} set (ERR_NOT_FOUND, ERR_STORAGE,
** ERR_INTERNAL). */
static json_t *
account_with_card(struct db *db, sqlite3_stmt *row, struct err *e)
{
	struct account a;
	json_t *o;
	int rc;

	if ((rc = account_get(db, NULL, sqlite3_column_int64(row, 0), &a, e)) !=
	    1) {
		if (rc == 0)
			err_set(e, ERR_NOT_FOUND, "no such account");
		return (NULL);
	}
	o = account_json(&a);
	account_clear(&a);
	if (o == NULL) {
		err_oom(e);
		return (NULL);
	}
	card_fields(o, row);
	return (o);
}

/* Appends account_with_card() of ${row} to ${arr}. 0, or -1 with ${e}
** set. */
static int
append_account(struct db *db, json_t *arr, sqlite3_stmt *row, struct err *e)
{
	json_t *o = account_with_card(db, row, e);

	if (o == NULL)
		return (-1);
	return (json_array_append_new(arr, o) == 0 ? 0 : err_oom(e));
}

json_t *
cards_account(struct db *db, int64_t id, struct err *e)
{
	sqlite3_stmt *st;
	json_t *o = NULL;
	int rc;

	if ((st = db_prepare(db, SQL_CARD_INFO_ONE, e)) == NULL)
		return (NULL);
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		o = account_with_card(db, st, e);
	else if (rc == SQLITE_DONE)
		err_set(e, ERR_NOT_FOUND, "no such account");
	else
		db_err(db, e, "account");
	sqlite3_reset(st);
	return (o);
}

json_t *
cards_search(struct db *db, const char *query, struct err *e)
{
	pcre2_match_data *md = NULL;
	pcre2_code *re = NULL;
	json_t *by_label, *by_handle = NULL;
	sqlite3_stmt *st;
	PCRE2_SIZE off;
	size_t chars;
	char *q;
	int rc = SQLITE_DONE, ec, fail = 0;

	if (settings_text_clean(query, CARD_QUERY_MAX, 0, "q", &q, e) == -1)
		return (NULL);
	for (chars = 0, off = 0; q[off] != '\0'; off++)
		chars += ((unsigned char)q[off] & 0xc0) != 0x80;
	if (chars < CARD_SEARCH_MIN) {
		free(q);
		err_set(
		    e, ERR_INVALID, "give \"q\", a name or note to look for");
		return (NULL);
	}
	/* With UTF, CASELESS folds case by Unicode's rules (LITERAL takes
	** no UCP). */
	re = pcre2_compile((PCRE2_SPTR)q, PCRE2_ZERO_TERMINATED,
	    PCRE2_LITERAL | PCRE2_CASELESS | PCRE2_UTF, &ec, &off, NULL);
	free(q);
	by_label = json_array();
	if (re == NULL || by_label == NULL ||
	    (by_handle = json_array()) == NULL ||
	    (md = pcre2_match_data_create_from_pattern(re, NULL)) == NULL ||
	    (st = db_prepare(db, SQL_CARD_INFO, e)) == NULL) {
		fail = 1;
		goto out;
	}
	while (json_array_size(by_label) < CARD_SEARCH_MAX &&
	    (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (found(re, md, sqlite3_column_text(st, 2)))
			fail = append_account(db, by_label, st, e) == -1;
		else if (json_array_size(by_handle) < CARD_SEARCH_MAX &&
		    found(re, md, sqlite3_column_text(st, 1)))
			fail = append_account(db, by_handle, st, e) == -1;
		if (fail)
			break;
	}
	sqlite3_reset(st);
	if (!fail && rc != SQLITE_DONE && rc != SQLITE_ROW)
		fail = db_err(db, e, "accounts") == -1;
	while (!fail && json_array_size(by_label) < CARD_SEARCH_MAX &&
	    json_array_size(by_handle) > 0) {
		json_array_append(by_label, json_array_get(by_handle, 0));
		json_array_remove(by_handle, 0);
	}
out:
	if (fail && e->code == ERR_NONE)
		err_oom(e);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	json_decref(by_handle);
	if (fail) {
		json_decref(by_label);
		return (NULL);
	}
	return (by_label);
}

static const char SQL_CARD_CAMPAIGNS[] =
    "SELECT DISTINCT c.slug FROM drive_codes d JOIN campaigns c ON c.id = "
    "d.campaign_id WHERE d.account_id = ?1 AND d.revoked_at IS NULL "
    "ORDER BY c.slug";

json_t *
cards_campaigns(struct db *db, int64_t account, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	int rc;

	if ((st = db_prepare(db, SQL_CARD_CAMPAIGNS, e)) == NULL)
		return (NULL);
	if ((a = json_array()) == NULL) {
		err_oom(e);
		return (NULL);
	}
	sqlite3_bind_int64(st, 1, account);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(
		    a, json_string((const char *)sqlite3_column_text(st, 0)));
	return (db_list_end(db, st, rc, a, 0, "card campaigns", NULL, e));
}
