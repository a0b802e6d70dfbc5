/*
** Printable drive cards: an HTML page (for printing, never served) with one
** card per code, each with the campaign's title and language, the code in
** large letters, a QR code of the join page's address carrying it (drawn
** as SVG with libqrencode), how to use it in the campaign's language, and
** the organization behind the node with its contact, as the consent text
** promises. Also the labels that let a maintainer find the holder of a
** lost card (the name or note written on the card's stub at the drive).
*/
#ifndef TRIBUTARY_CARDS_H
#define TRIBUTARY_CARDS_H

#include <jansson.h>
#include <stdio.h>

#include "account.h"

/* What a sheet says besides the codes. */
struct cards_sheet {
	const char *base_url;    /* the node's address (cards_url_check) */
	const char *title;       /* the campaign's title */
	const char *lang;        /* the campaign's language, BCP 47 */
	const char *org_name;    /* the organization ("" or NULL: none) */
	const char *org_contact; /* its contact, lines ("" or NULL: none) */
	/* The pages' strings in ${lang} (a flat object, borrowed; NULL:
	** English), for the card's words ("cards.*") and the language's
	** name in itself ("_name"). */
	json_t *catalog;
};

/*
** Writes the cards for ${codes}[0..${n}) to ${out} as ${s} says. Each
** QR code opens ${base_url}/join.html?card=CODE. Returns 0, or -1 if a
** QR code cannot be made (out of memory, address too long) or ${out}
** fails.
*/
int cards_write(FILE *out, const struct cards_sheet *s,
    char (*codes)[CARD_CODE_LEN + 1], int n);

/*
** The sheet for the cards of campaign ${campaign_id} on the node: its
** title and language, the organization from the node's settings, the
** words from the pages' catalog in ${webroot}/i18n (the campaign's
** language, else its primary subtag's, else English), written with
** cards_write(). Returns 0, or -1 with ${e} set (ERR_NOT_FOUND no such
** campaign, ERR_STORAGE, ERR_INTERNAL a card that could not be drawn).
*/
struct db;
int cards_write_for(FILE *out, struct db *db, const char *webroot,
    const char *base_url, int64_t campaign_id, char (*codes)[CARD_CODE_LEN + 1],
    int n, struct err *e);

/* The longest base address a card takes (its QR code must stay small). */
#define CARDS_URL_MAX 200

/*
** Checks ${url}, the node's base address as the drive's phones will
** reach it, and writes it without a trailing '/' to ${out} (${size}
** bytes). Refused (-1, ${e} ERR_INVALID with the reason): not http:// or
** https://, no host, longer than CARDS_URL_MAX, a space, a control or
** non-ASCII byte or one of "<>\^`{|}, a query or fragment, or a
** path that ends in a page ("…/join.html": the cards add the join page
** themselves, so its QR codes would lead nowhere). Returns 1 for an
** http:// address on a host that is not loopback (browsers give the
** microphone and offline pages only to https or localhost: phones cannot
** record there), else 0. Can't fail otherwise.
*/
int cards_url_check(const char *url, char *out, size_t size, struct err *e);

/*
** Card labels: the name or note written on a card's stub, at most
** CARD_LABEL_MAX characters, one line. Kept with the account (it outlives
** a re-issued card); deleted when the account is erased (schema 016).
*/
#define CARD_LABEL_MAX  60
#define CARD_SEARCH_MAX 20 /* accounts a search answers at most */
#define CARD_QUERY_MAX  60 /* characters of a search */
#define CARD_SEARCH_MIN 1  /* characters of a search, at least */

/*
** Writer job: sets the label of account ${id} to ${label} ("" or NULL
** deletes it), after settings_text_clean() (one line, at most
** CARD_LABEL_MAX characters). The actor must pass account_may_act(); the
** account must have (or have had) a card. Audited as "card.labelled"
** (without the label: it may be a name). Returns 0, or -1 with ${e} set:
** ERR_INVALID, ERR_NOT_FOUND (no such account, or it never had a card),
** ERR_FORBIDDEN, ERR_STORAGE.
*/
struct card_label {
	int64_t id, actor;
	const char *label;
	char *clean; /* the job's copy; free it after the job */
};
int card_label_job(struct db *db, void *arg, struct err *e);

/*
** Adds to each account object in the JSON array ${accounts} (as
** account_list() makes them) "card": whether it has (or had) a card,
** and "card_label": its label or null. 0, or -1 with ${e} set
** (ERR_STORAGE, ERR_INTERNAL).
*/
int cards_annotate(struct db *db, json_t *accounts, struct err *e);

/* Account ${id} as account_json() with "card" and "card_label": a new
** reference, or NULL with ${e} set (ERR_NOT_FOUND, ERR_STORAGE,
** ERR_INTERNAL). */
json_t *cards_account(struct db *db, int64_t id, struct err *e);

/*
** The accounts whose card label or handle holds ${query} (after trimming,
** CARD_SEARCH_MIN to CARD_QUERY_MAX characters), compared without regard
** to case in any script (Unicode case folding): at most CARD_SEARCH_MAX,
** labels matched first, each as account_json() with "card" and
** "card_label" added. A new array; NULL with ${e} set: ERR_INVALID (the
** query), ERR_STORAGE, ERR_INTERNAL.
*/
json_t *cards_search(struct db *db, const char *query, struct err *e);

/* The slugs of the campaigns of ${account}'s live cards, as a new JSON
** array (the pages lead a card's holder to its drive). NULL with ${e}. */
json_t *cards_campaigns(struct db *db, int64_t account, struct err *e);

#endif
