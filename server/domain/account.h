/*
** Accounts, sessions and drive cards (domain). Nothing here knows HTTP:
** the CLI, the API and the tests call the same functions. Writes are
** writer jobs (writer_fn: run inside the batch transaction); reads take a
** connection. Passphrases and PINs are hashed elsewhere (hasher.h) before
** they reach a job: no Argon2 runs on the writer.
*/
#ifndef TRIBUTARY_ACCOUNT_H
#define TRIBUTARY_ACCOUNT_H

#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "db.h"
#include "err.h"

enum account_role {
	ROLE_NONE = 0,
	ROLE_CONTRIBUTOR,
	ROLE_REVIEWER,
	ROLE_MAINTAINER,
	ROLE_TREASURER,
	ROLE_ADMIN,
};

#define SESSION_IDLE (14 * 86400) /* seconds without use */
#define SESSION_MAX  (90 * 86400) /* absolute */
#define PIN_TRIES    5            /* wrong PINs before a lock */
#define PIN_LOCK     900          /* seconds a card stays locked */
#define HANDLE_MAX   32

/* "contributor" -> ROLE_CONTRIBUTOR; ROLE_NONE if unknown. Can't fail. */
enum account_role role_parse(const char *s);
/* The name of role ${r} ("none" for ROLE_NONE and unknown values), a
** string constant. Can't fail. */
const char *role_name(enum account_role r);
/* May an account holding ${have} do what needs ${need}? Admin
** passes everything; maintainer passes reviewer; everyone with an account
** passes contributor. 1 or 0; can't fail. */
int role_allows(enum account_role have, enum account_role need);
/* 0 if ${h} is a valid handle (3-32 of a-z 0-9 . _ -), else -1 with ${e}
** set (ERR_INVALID, saying what is wrong). */
int handle_check(const char *h, struct err *e);

/* The languages an account speaks: BCP 47 tags (e.g. "ee", "gaa",
** "zh-Hant"), at most ACCOUNT_LANGUAGES of them. */
#define ACCOUNT_LANGUAGES 16
#define LANG_TAG_MAX      35

struct account {
	int64_t id;
	char handle[HANDLE_MAX + 1];
	enum account_role role;
	int disabled;
	char *passphrase_hash; /* malloc'd or NULL */
	char *languages;       /* JSON array of tags, malloc'd or NULL */
	int can_translate;     /* may save translations (translate.html) */
};

/* 0 if ${tag} is a well-formed BCP 47 tag (2-3 or 5-8 letter language,
** then subtags of 1-8 letters or digits, dash-separated), else -1 with
** ${e} set (ERR_INVALID). Can't fail otherwise. */
int lang_tag_check(const char *tag, struct err *e);
/*
** "ee, ak" (comma- or space-separated tags) as a new JSON array of the
** tags, lower-cased, repeats dropped, in order. NULL with ${e} set:
** ERR_INVALID (naming the tag that is not one, or too many), ERR_INTERNAL.
*/
json_t *languages_parse(const char *list, struct err *e);
/* The same checks on a JSON array of strings (borrowed); a new array.
** NULL with ${e} set. */
json_t *languages_check(json_t *arr, struct err *e);

/* Reads the account with ${handle} (or ${id} if handle is NULL). Returns 1
** found (free ${a} with account_clear()), 0 not found, -1 with ${e} set
** (ERR_STORAGE). */
int account_get(struct db *db, const char *handle, int64_t id,
    struct account *a, struct err *e);
/* Frees what ${a} holds. Can't fail. */
void account_clear(struct account *a);
/* {"id","handle","role","disabled","languages"}, a new reference; NULL if out of
** memory. */
json_t *account_json(const struct account *a);
/* Every account as a JSON array, oldest first. NULL with ${e} set
** (ERR_STORAGE). */
json_t *account_list(struct db *db, struct err *e);

/*
** Writer job: creates the account ${handle} with ${role} (audited).
** Returns 0 with its id, or -1 with ${e} set: ERR_INVALID (not a handle),
** ERR_CONFLICT (the handle is taken), ERR_STORAGE.
*/
struct account_new {
	const char *handle;
	enum account_role role;
	const char *passphrase_hash; /* may be NULL */
	json_t *languages;           /* checked array (borrowed), or NULL */
	int64_t actor;               /* 0 = the CLI or self-service */
	int64_t id;                  /* out */
};
int account_create_job(struct db *db, void *arg, struct err *e);

/*
** May ${actor} act on the account ${target}: re-issue its card, change its
** role, disable or erase it, withdraw on its behalf? Yes for actor 0 (the
** CLI: whoever runs it owns the machine) and for the person themself;
** otherwise the actor must be a live account that is an admin or whose
** role is above the target's (contributor < reviewer < maintainer <
** treasurer < admin: enum account_role's order). Call it inside the writer
** job that acts, so the roles it compares are the ones that job commits
** under. Returns 0 if allowed; -1 with ${e} set: ERR_NOT_FOUND (no such
** target), ERR_FORBIDDEN (not allowed, or the actor's account is gone or
** disabled), ERR_STORAGE.
*/
int
account_may_act(struct db *db, int64_t actor, int64_t target, struct err *e);

/*
** Writer job: change role or passphrase, or disable (audited). The actor
** must pass account_may_act(); a new role may be no higher than the
** actor's own unless the actor is an admin (or 0). Disabling ends every
** session of the account; a new passphrase ends every one but
** ${keep_session} (the session that made the change; NULL: all of them).
** Returns 0, or -1 with ${e} set: ERR_NOT_FOUND (no such account),
** ERR_FORBIDDEN (the actor may not), ERR_STORAGE.
*/
struct account_change {
	int64_t id;
	enum account_role role;      /* ROLE_NONE = keep */
	int disable;                 /* 1 = disable and end sessions */
	const char *passphrase_hash; /* set a new passphrase (NULL = keep) */
	/* SHA-256 of the token (SHA256_LEN bytes) of the session to keep
	** when the passphrase changes; NULL ends them all */
	const uint8_t *keep_session;
	int64_t actor;
};
int account_change_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: sets the languages of account ${id} to ${languages} (a
** checked array: languages_check()). The actor must pass
** account_may_act(). Audited. Returns 0, or -1 with ${e} set:
** ERR_NOT_FOUND, ERR_FORBIDDEN, ERR_STORAGE.
*/
struct account_languages {
	int64_t id, actor;
	json_t *languages; /* borrowed */
};
int account_languages_job(struct db *db, void *arg, struct err *e);

/* Sessions. A token is 32 random bytes, base64url, held by the person's
** client; only its SHA-256 is stored. */
#define SESSION_TOKEN_LEN 43 /* base64url of 32 bytes, no padding */
#define CSRF_LEN          43

struct session {
	int64_t account_id;
	enum account_role role;
	char handle[HANDLE_MAX + 1];
	char csrf[CSRF_LEN + 1];
	time_t last_seen;
	time_t expires_at;
};

/* Writer job: starts a session for ${account_id}; fills token and csrf.
** Returns 0, or -1 with ${e} set: ERR_STORAGE (ERR_CONFLICT if the
** account is gone). */
struct session_new {
	int64_t account_id;
	char token[SESSION_TOKEN_LEN + 1]; /* out */
	char csrf[CSRF_LEN + 1];           /* out */
};
int session_create_job(struct db *db, void *arg, struct err *e);
/* Looks up ${token}: 1 live session (filled in ${s}), 0 none/expired/
** disabled, -1 with ${e} set (ERR_STORAGE). */
int session_get(struct db *db, const char *token, time_t now, struct session *s,
    struct err *e);
/* Writer job: arg is the token (char *); deletes that session (none is
** fine). Returns 0, or -1 with ${e} set: ERR_STORAGE. */
int session_delete_job(struct db *db, void *arg, struct err *e);
/* Writer job: arg is the token; sets last_seen = now (no session is
** fine). Returns 0, or -1 with ${e} set: ERR_STORAGE. */
int session_touch_job(struct db *db, void *arg, struct err *e);

/* Drive cards. Codes are random codes (crypto.h) such as "ABCD-EFGH-JKLM";
** card_normalize() accepts lower case and missing dashes and writes the
** canonical form. */
#define CARD_CODE_LEN RANDOM_CODE_LEN
/* 0 with the canonical code in ${out}, or -1 if ${in} is not a code. */
int card_normalize(const char *in, char out[CARD_CODE_LEN + 1]);

struct card {
	int64_t id;
	int64_t campaign_id;
	int64_t account_id; /* 0 = never used */
	char *pin_hash;     /* NULL = no PIN yet */
	int failed_pins;
	time_t locked_until;
	int revoked;
};
/* Reads the card whose code is ${code}: 1 found (free ${c} with
** card_clear()), 0 not, -1 with ${e} set (ERR_STORAGE). */
int card_get(struct db *db, const char *code, struct card *c, struct err *e);
/* Frees what ${c} holds. Can't fail. */
void card_clear(struct card *c);

/*
** Writer job: make ${count} new codes for a campaign, written to codes[]
** (caller allocates count * (CARD_CODE_LEN + 1)). A re-issue
** (${for_account} set) is an act on that account: the actor must pass
** account_may_act(), the account must not be disabled (nor erased, which
** disables), its old cards are revoked and every one of its sessions ends,
** since one may have come from the lost card. Returns 0, or -1 with ${e}
** set: ERR_NOT_FOUND (no such account), ERR_FORBIDDEN (the actor may
** not), ERR_CONFLICT (disabled), ERR_STORAGE; no code is made then.
*/
struct card_batch {
	int64_t campaign_id;
	int count;
	char (*codes)[CARD_CODE_LEN + 1];
	int64_t for_account; /* re-issue: bind to this account, revoke old */
	int64_t actor;
};
int card_create_job(struct db *db, void *arg, struct err *e);

/*
** Writer job: the outcome of a PIN check on card ${card_id}. On first use
** (no PIN yet) ${pin_hash} becomes the PIN and an account is created. A
** locked card is not an error: 0 with ${locked} set. Returns 0, or -1
** with ${e} set: ERR_NOT_FOUND (the card is gone or revoked),
** ERR_CONFLICT (a first use of a card that has a PIN), ERR_STORAGE.
*/
struct card_use {
	int64_t card_id;
	int ok;               /* the PIN matched (or first use) */
	const char *pin_hash; /* first use: the new PIN's hash */
	int64_t account_id;   /* out */
	int failed_pins;      /* out, after this attempt */
	time_t locked_until;  /* out */
	int created;          /* out: first use */
	int locked;           /* out: refused, the card is locked */
};
int card_use_job(struct db *db, void *arg, struct err *e);

/* Writer job: spends the one-time login code; sets account_id. Returns 0,
** or -1 with ${e} set: ERR_FORBIDDEN (wrong, used or expired),
** ERR_STORAGE. */
struct code_use {
	const char *code;
	int64_t account_id; /* out */
};
int login_code_use_job(struct db *db, void *arg, struct err *e);

#endif
