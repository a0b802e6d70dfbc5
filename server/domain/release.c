/*
** Releases (release.h): selection by status and consent, pseudonyms,
** splits, the draft and its approvals.
*/
#include "release.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "crypto.h"

const char *const release_left_names[RELEASE_NLEFT] = { "not_validated",
	"withdrawn", "scope_missing", "age", "awaiting_correction",
	"k_anonymity", "prompt_licence" };

/* Every contribution of the chosen campaigns (?1: a JSON array of slugs,
** NULL for all) with what deciding on it needs, in id order. */
static const char SQL_CANDIDATES[] =
    "SELECT c.id, c.status, c.account_id, lower(k.language), r.kind, "
    "r.revision, s.scopes, s.age_confirmed, c.needs_correction, p.licence "
    "FROM contributions c "
    "LEFT JOIN prompts p ON p.id = c.prompt_id "
    "JOIN campaigns k ON k.id = c.campaign_id "
    "JOIN consents s ON s.id = c.consent_id "
    "JOIN contribution_revisions r ON r.contribution_id = c.id AND "
    "r.revision = (SELECT max(revision) FROM contribution_revisions "
    "WHERE contribution_id = c.id) "
    "WHERE ?1 IS NULL OR k.slug IN (SELECT value FROM json_each(?1)) "
    "ORDER BY c.id";
static const char SQL_CAMPAIGN[] = "SELECT 1 FROM campaigns WHERE slug = ?1";
static const char SQL_RELEASE[] =
    "INSERT INTO releases(version, dataset, licence, permits, campaigns, "
    "splits, report, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char SQL_REPORT[] =
    "UPDATE releases SET report = ?2, demographics = ?3, heads = ?4, "
    "pay = ?5 WHERE id = ?1";
static const char SQL_ITEM[] =
    "INSERT INTO release_items(release_id, contribution_id, revision, "
    "config, split, speaker_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_FIND[] =
    "SELECT id, retired_at IS NOT NULL FROM releases WHERE version = ?1";
static const char SQL_APPROVE[] =
    "INSERT INTO release_approvals(release_id, account_id, at) "
    "VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_CHANGED[] =
    "SELECT EXISTS (SELECT 1 FROM release_items i JOIN contributions c ON "
    "c.id = i.contribution_id WHERE i.release_id = ?1 AND (c.status <> "
    "'validated' OR c.needs_correction = 1))";
static const char SQL_APPROVALS[] =
    "SELECT count(*) FROM release_approvals WHERE release_id = ?1";
static const char SQL_APPROVED[] =
    "UPDATE releases SET state = 'approved' WHERE id = ?1";
static const char SQL_REVOCATIONS[] =
    "SELECT dataset, contribution_id, withdrawn_at FROM revocations "
    "ORDER BY dataset, contribution_id";
static const char SQL_VERSION_ID[] =
    "SELECT id FROM releases WHERE version = ?1";
/* In ?1 and not in ?2, with the item's status now. */
static const char SQL_GONE[] =
    "SELECT i.contribution_id, c.status FROM release_items i JOIN "
    "contributions c ON c.id = i.contribution_id WHERE i.release_id = ?1 "
    "AND NOT EXISTS (SELECT 1 FROM release_items j WHERE j.release_id = ?2 "
    "AND j.contribution_id = i.contribution_id) ORDER BY 1";
/* In both, released at a later revision in ?2. */
static const char SQL_REVISED[] =
    "SELECT i.contribution_id FROM release_items i JOIN release_items j ON "
    "j.contribution_id = i.contribution_id AND j.release_id = ?2 WHERE "
    "i.release_id = ?1 AND j.revision > i.revision ORDER BY 1";
static const char SQL_LIST[] =
    "SELECT r.version, r.dataset, r.licence, r.state, "
    "(SELECT count(*) FROM release_approvals WHERE release_id = r.id), "
    "(SELECT count(*) FROM release_items WHERE release_id = r.id), "
    "r.created_at, r.retired_at, r.retired_why FROM releases r "
    "ORDER BY r.id DESC";

/* Does ${s} hold only [A-Za-z0-9._-] and have 1..${max} bytes? */
static int
name_ok(const char *s, size_t max)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return (0);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
			(s[i] >= 'A' && s[i] <= 'Z') ||
			(s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
			s[i] == '_' || s[i] == '-'))
			return (0);
	return (1);
}

int
release_spec_check(
    const struct licence_table *lt, const struct release_spec *s, struct err *e)
{
	const struct licence *l;
	size_t i, k;
	int found;

	if (!name_ok(s->version, RELEASE_VERSION_MAX) || s->version[0] == '.')
		return (err_set(e, ERR_INVALID,
		    "a version is 1 to %d of A-Z a-z 0-9 . _ - (e.g. 1.0.0)",
		    RELEASE_VERSION_MAX));
	if (!name_ok(s->dataset, RELEASE_DATASET_MAX))
		return (err_set(e, ERR_INVALID,
		    "a dataset name is 1 to %d of A-Z a-z 0-9 . _ -",
		    RELEASE_DATASET_MAX));
	if ((l = licence_find(lt, s->licence)) == NULL)
		return (err_set(e, ERR_INVALID,
		    "no licence \"%s\" in the licence table "
		    "(consent/licences.yaml)",
		    s->licence ? s->licence : ""));
	for (i = 0; i < s->npermits; i++) {
		for (k = 0, found = 0; k < l->npermits; k++)
			found |= strcmp(l->permits[k], s->permits[i]) == 0;
		if (!found)
			return (err_set(e, ERR_INVALID, "%s does not permit %s",
			    l->id, s->permits[i]));
	}
	if (s->splits[0] < 0 || s->splits[1] < 0 || s->splits[2] < 0 ||
	    s->splits[0] > 100 || s->splits[1] > 100 || s->splits[2] > 100 ||
	    s->splits[0] + s->splits[1] + s->splits[2] != 100)
		return (err_set(e, ERR_INVALID,
		    "the splits are three percentages (train, dev, test) "
		    "that add up to 100"));
	/* The consent documents promise five: k may only be stricter. */
	if (s->k != 0 && (s->k < RELEASE_K_DEFAULT || s->k > RELEASE_K_MAX))
		return (err_set(e, ERR_INVALID,
		    "k is the number of speakers each released combination of "
		    "demographics covers: %d (what the consent documents "
		    "promise) to %d",
		    RELEASE_K_DEFAULT, RELEASE_K_MAX));
	return (0);
}

void
release_speaker(const uint8_t key[32], const char *dataset, int64_t account,
    char out[RELEASE_SPEAKER_LEN + 1])
{
	crypto_generichash_state st;
	uint8_t id[8], h[RELEASE_SPEAKER_LEN / 2];
	uint64_t a = (uint64_t)account;
	int i;

	for (i = 0; i < 8; i++)
		id[i] = (uint8_t)(a >> (8 * i));
	crypto_generichash_init(&st, key, 32, sizeof(h));
	crypto_generichash_update(
	    &st, (const uint8_t *)dataset, strlen(dataset) + 1);
	crypto_generichash_update(&st, id, sizeof(id));
	crypto_generichash_final(&st, h, sizeof(h));
	hex_encode(h, sizeof(h), out);
}

const char *
release_split(const char *speaker, const int splits[3])
{
	uint64_t v = 0;
	unsigned bucket;
	int i;

	for (i = 0; i < 16 && speaker[i] != '\0'; i++)
		v = v << 4 | (uint64_t)hex_digit(speaker[i]);
	bucket = (unsigned)(v % 10000);
	if (bucket < (unsigned)splits[0] * 100)
		return ("train");
	if (bucket < (unsigned)(splits[0] + splits[1]) * 100)
		return ("dev");
	return ("test");
}

/* Does the JSON array ${granted} hold ${scope}? */
static int
grants(json_t *granted, const char *scope)
{
	json_t *v;
	size_t i;

	json_array_foreach(granted, i, v) if (json_is_string(v) &&
	    strcmp(json_string_value(v), scope) == 0) return (1);
	return (0);
}

/* Does consent scopes ${scopes} (JSON text) grant all that a ${kind}
** contribution needs under ${l} and the permitted uses of ${s}? */
static int
covered(const struct licence *l, const struct release_spec *s, const char *kind,
    const char *scopes)
{
	json_t *g = json_loads(scopes ? scopes : "[]", 0, NULL);
	char **need = strcmp(kind, "audio") == 0 ? l->audio : l->text;
	size_t n = strcmp(kind, "audio") == 0 ? l->naudio : l->ntext, i;
	int ok = json_is_array(g);

	for (i = 0; ok && i < n; i++)
		ok = grants(g, need[i]);
	for (i = 0; ok && i < s->npermits; i++)
		if (strcmp(s->permits[i], "voice_synthesis") != 0 ||
		    strcmp(kind, "audio") == 0)
			ok = grants(g, s->permits[i]);
	json_decref(g);
	return (ok);
}

/* May a release under ${l} carry a prompt under licence ${p} (NULL: the
** item was made from no prompt of the list)? */
static int
prompt_fits(const struct licence *l, const char *p)
{
	size_t i;

	for (i = 0; p != NULL && i < l->nprompts; i++)
		if (strcmp(l->prompts[i], p) == 0)
			return (1);
	return (p == NULL);
}

/* The chosen campaigns as a JSON array text (NULL: all), after checking
** each exists. 0, or -1 with ${e}. */
static int
campaigns_arg(
    struct db *db, const struct release_spec *s, char **out, struct err *e)
{
	sqlite3_stmt *st;
	json_t *a;
	size_t i;
	int rc;

	*out = NULL;
	if (s->ncampaigns == 0)
		return (0);
	if ((a = json_array()) == NULL)
		return (err_oom(e));
	for (i = 0; i < s->ncampaigns; i++) {
		if ((st = db_prepare(db, SQL_CAMPAIGN, e)) == NULL) {
			json_decref(a);
			return (-1);
		}
		sqlite3_bind_text(st, 1, s->campaigns[i], -1, SQLITE_STATIC);
		if ((rc = db_exists(db, st, "campaign", e)) != 1) {
			json_decref(a);
			return (rc == 0
				? err_set(e, ERR_INVALID, "no campaign \"%s\"",
				      s->campaigns[i])
				: -1);
		}
		json_array_append_new(a, json_string(s->campaigns[i]));
	}
	*out = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return (*out != NULL ? 0 : err_oom(e));
}

void
release_selection_free(struct release_selection *sel)
{
	free(sel->rows);
	json_decref(sel->configs);
	memset(sel, 0, sizeof(*sel));
}

/* Counts ${row} in ${sel}->configs. 0, or -1 out of memory. */
static int
count_row(struct release_selection *sel, const struct release_row *row)
{
	json_t *c;

	if ((c = json_object_get(sel->configs, row->config)) == NULL) {
		c = json_pack("{s:i,s:i,s:i}", "train", 0, "dev", 0, "test", 0);
		if (c == NULL ||
		    json_object_set_new(sel->configs, row->config, c) == -1)
			return (-1);
	}
	return (json_object_set_new(c, row->split,
	    json_integer(
		json_integer_value(json_object_get(c, row->split)) + 1)));
}

int
release_select_each(struct db *db, const struct licence_table *lt,
    const uint8_t key[32], const struct release_spec *s,
    struct release_selection *out, release_row_fn fn, void *arg, struct err *e)
{
	const struct licence *l;
	struct release_row row;
	sqlite3_stmt *st;
	const char *status, *kind;
	char *camps;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((out->configs = json_object()) == NULL)
		return (err_oom(e));
	if (release_spec_check(lt, s, e) == -1 ||
	    campaigns_arg(db, s, &camps, e) == -1)
		return (-1);
	l = licence_find(lt, s->licence);
	if ((st = db_prepare(db, SQL_CANDIDATES, e)) == NULL) {
		free(camps);
		return (-1);
	}
	if (camps != NULL)
		sqlite3_bind_text(st, 1, camps, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	free(camps);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		status = (const char *)sqlite3_column_text(st, 1);
		kind = (const char *)sqlite3_column_text(st, 4);
		if (strcmp(status, "withdrawn") == 0) {
			out->left[LEFT_WITHDRAWN]++;
			continue;
		}
		if (strcmp(status, "validated") != 0) {
			out->left[LEFT_NOT_VALIDATED]++;
			continue;
		}
		if (sqlite3_column_int(st, 7) == 0) {
			out->left[LEFT_AGE]++;
			continue;
		}
		if (sqlite3_column_int(st, 8) != 0) {
			out->left[LEFT_CORRECTION]++;
			continue;
		}
		if (!covered(
			l, s, kind, (const char *)sqlite3_column_text(st, 6))) {
			out->left[LEFT_SCOPE_MISSING]++;
			continue;
		}
		if (!prompt_fits(l, (const char *)sqlite3_column_text(st, 9))) {
			out->left[LEFT_PROMPT_LICENCE]++;
			continue;
		}
		row.contribution_id = sqlite3_column_int64(st, 0);
		row.revision = sqlite3_column_int(st, 5);
		snprintf(row.config, sizeof(row.config), "%s-%s",
		    (const char *)sqlite3_column_text(st, 3), kind);
		release_speaker(
		    key, s->dataset, sqlite3_column_int64(st, 2), row.speaker);
		row.split = release_split(row.speaker, s->splits);
		if (count_row(out, &row) == -1) {
			sqlite3_reset(st);
			return (err_oom(e));
		}
		out->n++;
		if (fn != NULL && fn(arg, &row, e) == -1) {
			sqlite3_reset(st);
			return (-1);
		}
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "release"));
}

/* Keeps ${row} in the selection ${arg} (release_select()); it is already
** counted in n. */
static int
keep_row(void *arg, const struct release_row *row, struct err *e)
{
	struct release_selection *sel = arg;
	struct release_row *nr;

	if (sel->n > sel->cap) {
		sel->cap = sel->cap ? sel->cap * 2 : 256;
		if ((nr = realloc(sel->rows, sel->cap * sizeof(*nr))) == NULL)
			return (err_oom(e));
		sel->rows = nr;
	}
	sel->rows[sel->n - 1] = *row;
	return (0);
}

int
release_select(struct db *db, const struct licence_table *lt,
    const uint8_t key[32], const struct release_spec *s,
    struct release_selection *out, struct err *e)
{
	if (release_select_each(db, lt, key, s, out, keep_row, out, e) == -1) {
		release_selection_free(out);
		return (-1);
	}
	return (0);
}

json_t *
release_report(const struct release_selection *sel)
{
	json_t *o, *left;
	size_t i;

	o = json_pack("{s:I,s:O,s:{}}", "rows", (json_int_t)sel->n, "configs",
	    sel->configs ? sel->configs : json_object(), "left");
	if (o == NULL)
		return (NULL);
	left = json_object_get(o, "left");
	for (i = 0; i < RELEASE_NLEFT; i++)
		json_object_set_new(left, release_left_names[i],
		    json_integer((json_int_t)sel->left[i]));
	return (o);
}

/* ${n} strings as a compact JSON array text (malloc'd), NULL if out of
** memory. */
static char *
strings_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	char *s;
	size_t i;

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return (s);
}

/* Records ${row} as an item of release ${arg} (a struct release_record). */
static int
insert_row(void *arg, const struct release_row *r, struct err *e)
{
	struct release_record *rr = arg;
	sqlite3_stmt *st;
	int rc;

	if ((st = db_prepare(rr->db, SQL_ITEM, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, rr->id);
	sqlite3_bind_int64(st, 2, r->contribution_id);
	sqlite3_bind_int(st, 3, r->revision);
	sqlite3_bind_text(st, 4, r->config, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->split, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->speaker, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(rr->db, e, "release item"));
}

int
release_record_job(struct db *db, void *arg, struct err *e)
{
	struct release_record *rr = arg;
	const struct release_spec *s = rr->spec;
	sqlite3_stmt *st;
	char *permits, *camps, *splits, *report = NULL, *demo = NULL;
	char *heads_s = NULL, *pay_s = NULL;
	json_t *rep, *what = NULL, *heads = NULL, *pay = NULL;
	size_t i;
	int rc;

	rr->db = db;
	permits = strings_json(s->permits, s->npermits);
	camps = strings_json(s->campaigns, s->ncampaigns);
	rep = json_pack("[i,i,i]", s->splits[0], s->splits[1], s->splits[2]);
	splits = rep ? json_dumps(rep, JSON_COMPACT) : NULL;
	json_decref(rep);
	rc = -1;
	if (permits == NULL || camps == NULL || splits == NULL) {
		err_oom(e);
		goto out;
	}
	if ((st = db_prepare(db, SQL_RELEASE, e)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, s->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->licence, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, permits, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, camps, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, splits, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, "{}", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		rc = err_set(e, ERR_CONFLICT, "there is a release %s already",
		    s->version);
		goto out;
	}
	if (rc != SQLITE_DONE) {
		rc = db_err(db, e, "release");
		goto out;
	}
	rr->id = sqlite3_last_insert_rowid(db_handle(db));
	rc = -1;
	/* Selected here, row by row into the table: nothing is held. */
	if (rr->lt != NULL) {
		release_selection_free(rr->sel);
		if (release_select_each(db, rr->lt, rr->key, s, rr->sel,
			insert_row, rr, e) == -1)
			goto out;
	} else
		for (i = 0; i < rr->sel->n; i++)
			if (insert_row(rr, &rr->sel->rows[i], e) == -1)
				goto out;
	if (release_anonymize(db, rr->id, s->k, rr->sel, &what, e) == -1)
		goto out;
	demo = json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS);
	/* The chains' heads before this release's own audit row. */
	if (release_pins(db, rr->id, s->dataset, &heads, &pay, e) == -1)
		goto out;
	heads_s = json_dumps(heads, JSON_COMPACT | JSON_SORT_KEYS);
	pay_s = json_dumps(pay, JSON_COMPACT | JSON_SORT_KEYS);
	rep = release_report(rr->sel);
	report = rep ? json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(rep);
	if (report == NULL || demo == NULL || heads_s == NULL ||
	    pay_s == NULL) {
		err_oom(e);
		goto out;
	}
	if ((st = db_prepare(db, SQL_REPORT, e)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, rr->id);
	sqlite3_bind_text(st, 2, report, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, demo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, heads_s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pay_s, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		rc = db_err(db, e, "release");
		goto out;
	}
	rc = audit_append(db, rr->actor, "release.created", rr->id,
	    json_pack("{s:s,s:s,s:s,s:I}", "version", s->version, "dataset",
		s->dataset, "licence", s->licence, "items",
		(json_int_t)rr->sel->n),
	    e);
out:
	free(permits);
	free(camps);
	free(splits);
	free(report);
	free(demo);
	free(heads_s);
	free(pay_s);
	json_decref(what);
	json_decref(heads);
	json_decref(pay);
	return (rc);
}

int
release_approve_job(struct db *db, void *arg, struct err *e)
{
	struct release_approve *ra = arg;
	sqlite3_stmt *st;
	int64_t id;
	int rc, retired, added;

	if ((st = db_prepare(db, SQL_FIND, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, ra->version, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	retired = rc == SQLITE_ROW ? sqlite3_column_int(st, 1) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return (
		    err_set(e, ERR_NOT_FOUND, "no release %s", ra->version));
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "release"));
	if (retired)
		return (err_set(e, ERR_CONFLICT,
		    "release %s is retired: something in it was withdrawn; "
		    "cut a new one",
		    ra->version));
	if (ra->unbuilt)
		return (err_set(e, ERR_CONFLICT,
		    "release %s has no folder: `tributary release build %s` "
		    "writes it",
		    ra->version, ra->version));
	/* A decision changed since it was cut: cut a new one. */
	if ((st = db_prepare(db, SQL_CHANGED, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	retired = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "release"));
	if (retired)
		return (err_set(e, ERR_CONFLICT,
		    "an item of release %s is no longer accepted as it was "
		    "when it was cut; cut a new one",
		    ra->version));
	if ((st = db_prepare(db, SQL_APPROVE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, ra->actor);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "approval"));
	added = sqlite3_changes(db_handle(db));
	if ((st = db_prepare(db, SQL_APPROVALS, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	ra->approvals = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return (db_err(db, e, "release"));
	ra->approved = ra->approvals >= (ra->needed > 0 ? ra->needed : 1);
	if (ra->approved && db_run(db, SQL_APPROVED, id, 0, "release", e) == -1)
		return (-1);
	if (added == 0)
		return (0);
	return (audit_append(db, ra->actor, "release.approved", id,
	    json_pack("{s:s,s:i,s:b}", "version", ra->version, "approvals",
		ra->approvals, "approved", ra->approved),
	    e));
}

json_t *
release_list(struct db *db, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr, *o;
	int rc;

	if ((st = db_prepare(db, SQL_LIST, e)) == NULL)
		return (NULL);
	if ((arr = json_array()) == NULL) {
		sqlite3_reset(st);
		err_oom(e);
		return (NULL);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:o,s:o}",
		    "version", (const char *)sqlite3_column_text(st, 0),
		    "dataset", (const char *)sqlite3_column_text(st, 1),
		    "licence", (const char *)sqlite3_column_text(st, 2),
		    "state", (const char *)sqlite3_column_text(st, 3),
		    "approvals", sqlite3_column_int(st, 4), "items",
		    sqlite3_column_int(st, 5), "created_at",
		    (json_int_t)sqlite3_column_int64(st, 6), "retired_at",
		    sqlite3_column_type(st, 7) == SQLITE_NULL
			? json_null()
			: json_integer(sqlite3_column_int64(st, 7)),
		    "retired_why",
		    sqlite3_column_type(st, 8) == SQLITE_NULL
			? json_null()
			: json_string(
			      (const char *)sqlite3_column_text(st, 8)));
		if (o == NULL || json_array_append_new(arr, o) == -1) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	return (db_list_end(db, st, rc, arr, 0, "releases", NULL, e));
}

int
release_revocations(struct db *db, const uint8_t pk[32], const uint8_t sk[64],
    char **out, size_t *n, char sig[129], struct err *e)
{
	uint8_t s[crypto_sign_BYTES];
	char pkhex[65];
	sqlite3_stmt *st;
	json_t *o, *ds, *l;
	int rc;

	*out = NULL;
	hex_encode(pk, 32, pkhex);
	if ((o = json_pack("{s:{},s:s}", "datasets", "public_key", pkhex)) ==
	    NULL)
		return (err_oom(e));
	ds = json_object_get(o, "datasets");
	if ((st = db_prepare(db, SQL_REVOCATIONS, e)) == NULL) {
		json_decref(o);
		return (-1);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if ((l = json_object_get(ds, name)) == NULL) {
			l = json_array();
			json_object_set_new(ds, name, l);
		}
		json_array_append_new(l,
		    json_pack("{s:I,s:I}", "id",
			(json_int_t)sqlite3_column_int64(st, 1), "withdrawn_at",
			(json_int_t)sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(o);
		return (db_err(db, e, "revocations"));
	}
	*out = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (*out == NULL)
		return (err_oom(e));
	*n = strlen(*out);
	crypto_sign_detached(s, NULL, (const uint8_t *)*out, *n, sk);
	hex_encode(s, sizeof(s), sig);
	return (0);
}

/* The id of release ${version}: > 0, 0 if none, -1 with ${e}. */
static int64_t
version_id(struct db *db, const char *version, struct err *e)
{
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	if ((st = db_prepare(db, SQL_VERSION_ID, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, version, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE
		? id
		: db_err(db, e, "release"));
}

/* Appends to ${out} (by the status in column 1 when ${why}) the ids of
** ${sql} run with ?1 = ${x}, ?2 = ${y}. 0, or -1 with ${e}. */
static int
collect(struct db *db, const char *sql, int64_t x, int64_t y, json_t *out,
    int why, struct err *e)
{
	sqlite3_stmt *st;
	const char *s, *k;
	int rc;

	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, x);
	sqlite3_bind_int64(st, 2, y);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *id = json_integer(sqlite3_column_int64(st, 0));

		if (!why) {
			json_array_append_new(out, id);
			continue;
		}
		s = (const char *)sqlite3_column_text(st, 1);
		k = strcmp(s, "withdrawn") == 0   ? "withdrawn"
		    : strcmp(s, "validated") != 0 ? "not_validated"
						  : "not_selected";
		json_array_append_new(json_object_get(out, k), id);
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "release"));
}

json_t *
release_diff(struct db *db, const char *a, const char *b, struct err *e)
{
	int64_t ia, ib;
	json_t *o;

	if ((ia = version_id(db, a, e)) <= 0 ||
	    (ib = version_id(db, b, e)) <= 0) {
		if (ia == 0 || (ia > 0 && ib == 0))
			err_set(
			    e, ERR_NOT_FOUND, "no release %s", ia == 0 ? a : b);
		return (NULL);
	}
	o = json_pack("{s:[],s:{s:[],s:[],s:[]},s:[]}", "added", "removed",
	    "withdrawn", "not_validated", "not_selected", "revised");
	if (o == NULL) {
		err_oom(e);
		return (NULL);
	}
	if (collect(db, SQL_GONE, ib, ia, json_object_get(o, "added"), 0, e) ==
		-1 ||
	    collect(db, SQL_GONE, ia, ib, json_object_get(o, "removed"), 1,
		e) == -1 ||
	    collect(db, SQL_REVISED, ia, ib, json_object_get(o, "revised"), 0,
		e) == -1) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}
