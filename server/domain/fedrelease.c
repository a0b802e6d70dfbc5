/*
** Federated releases: their sources, licence compatibility, revoked ids,
** the record and the status (see fedrelease.h).
*/
#include "fedrelease.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"

/* This node's latest approved release of each dataset, not retired and
** not federated. */
static const char SQL_OWN[] =
    "SELECT r.dataset, r.version FROM releases r WHERE r.state = "
    "'approved' AND r.retired_at IS NULL AND r.federated = 0 AND r.id = "
    "(SELECT max(id) FROM releases WHERE dataset = r.dataset AND state = "
    "'approved' AND retired_at IS NULL AND federated = 0) ORDER BY "
    "r.dataset";
/* Each peer's latest pulled release of each dataset. */
static const char SQL_PEERS[] =
    "SELECT p.id, p.name, p.public_key, r.id, r.dataset, r.version, "
    "r.manifest_sha256 FROM peer_releases r JOIN peers p ON p.id = "
    "r.peer_id WHERE r.id = (SELECT max(id) FROM peer_releases WHERE "
    "peer_id = r.peer_id AND dataset = r.dataset) ORDER BY p.name, "
    "r.dataset";
static const char SQL_REVOKED_OWN[] =
    "SELECT CAST(contribution_id AS TEXT) FROM revocations WHERE dataset "
    "= ?1";
static const char SQL_REVOKED_PEER[] =
    "SELECT item FROM peer_revocations WHERE dataset = ?1 AND peer_id = ?2";
static const char SQL_VERSION_TAKEN[] =
    "SELECT 1 FROM releases WHERE version = ?1";
static const char SQL_REL_ADD[] =
    "INSERT INTO releases (version, dataset, licence, permits, campaigns, "
    "splits, report, created_at, federated) VALUES (?1, ?2, ?3, ?4, '[]', "
    "'[0,0,0]', ?5, ?6, 1)";
static const char SQL_SRC_ADD[] =
    "INSERT INTO federated_sources (release_id, community, name, peer_id, "
    "node_key, dataset, version, manifest_sha256, licence, rows, "
    "left_licence, left_revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12)";
static const char SQL_ITEM_ADD[] =
    "INSERT OR IGNORE INTO federated_items (release_id, peer_id, dataset, "
    "item) VALUES (?1, ?2, ?3, ?4)";
/* A row of it revoked while it was built (after its sources were read). */
static const char SQL_LATE[] =
    "SELECT i.peer_id, i.dataset, i.item FROM federated_items i WHERE "
    "i.release_id = ?1 AND (EXISTS (SELECT 1 FROM peer_revocations v "
    "WHERE i.peer_id <> 0 AND v.peer_id = i.peer_id AND v.dataset = "
    "i.dataset AND v.item = i.item) OR EXISTS (SELECT 1 FROM revocations "
    "v WHERE i.peer_id = 0 AND v.dataset = i.dataset AND "
    "CAST(v.contribution_id AS TEXT) = i.item)) LIMIT 1";
static const char SQL_RETIRE[] =
    "UPDATE releases SET retired_at = unixepoch(), retired_peer = "
    "nullif(?2, 0), retired_why = ?3 WHERE id = ?1";

/* Lowers ${name} to a config prefix: [a-z0-9-], no leading or trailing
** '-', at most FEDREL_COMMUNITY_MAX bytes; "node" if nothing is left. */
static void
community_of(const char *name, char out[FEDREL_COMMUNITY_MAX + 1])
{
	size_t k = 0;
	const char *p;

	for (p = name; *p != '\0' && k < FEDREL_COMMUNITY_MAX; p++) {
		unsigned char c = (unsigned char)*p;

		if (isalnum(c) && c < 0x80)
			out[k++] = (char)tolower(c);
		else if (k > 0 && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	if (k == 0)
		snprintf(out, FEDREL_COMMUNITY_MAX + 1, "node");
}

/* Makes ${s}'s community prefix unlike those of the ${n} sources before
** it of another node (a suffix -2, -3, ...). */
static void
community_unique(struct fedrel_source *all, size_t n, struct fedrel_source *s)
{
	char base[FEDREL_COMMUNITY_MAX + 1];
	size_t i;
	int k = 1, clash;

	/* "-NNN": room is left for the suffix. */

	snprintf(base, sizeof(base), "%s", s->community);
	do {
		clash = 0;
		for (i = 0; i < n; i++)
			if (all[i].peer_id != s->peer_id &&
			    strcmp(all[i].community, s->community) == 0)
				clash = 1;
		if (clash) {
			char t[64];

			snprintf(t, sizeof(t), "%.*s-%d",
			    FEDREL_COMMUNITY_MAX - 4, base, ++k);
			memcpy(s->community, t, FEDREL_COMMUNITY_MAX);
			s->community[FEDREL_COMMUNITY_MAX] = '\0';
		}
	} while (clash && k < 1000);
}

/* Room for one more source in ${v}. */
static struct fedrel_source *
grow(struct fedrel_source **v, size_t n, size_t *cap)
{
	struct fedrel_source *nv;

	if (n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		if ((nv = realloc(*v, *cap * sizeof(*nv))) == NULL)
			return (NULL);
		*v = nv;
	}
	memset(&(*v)[n], 0, sizeof(**v));
	return (&(*v)[n]);
}

#define COPY(dst, st, col)                                                     \
	snprintf((dst), sizeof(dst), "%s",                                     \
	    (const char *)sqlite3_column_text((st), (col)) ?: "")

int
fedrel_sources(struct db *db, const char *self_name, const uint8_t self_pk[32],
    struct fedrel_source **out, size_t *n, struct err *e)
{
	struct fedrel_source *v = NULL, *s;
	sqlite3_stmt *st;
	size_t k = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((st = db_prepare(db, SQL_OWN, e)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((s = grow(&v, k, &cap)) == NULL)
			goto oom;
		snprintf(s->name, sizeof(s->name), "%s", self_name);
		community_of(self_name, s->community);
		hex_encode(self_pk, 32, s->node_key);
		COPY(s->dataset, st, 0);
		COPY(s->version, st, 1);
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	if ((st = db_prepare(db, SQL_PEERS, e)) == NULL)
		goto fail0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((s = grow(&v, k, &cap)) == NULL)
			goto oom;
		s->peer_id = sqlite3_column_int64(st, 0);
		COPY(s->name, st, 1);
		community_of(s->name, s->community);
		COPY(s->node_key, st, 2);
		s->peer_rel = sqlite3_column_int64(st, 3);
		COPY(s->dataset, st, 4);
		COPY(s->version, st, 5);
		COPY(s->manifest_sha, st, 6);
		community_unique(v, k, s);
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		goto fail;
	*out = v;
	*n = k;
	return (0);
oom:
	sqlite3_reset(st);
	free(v);
	return (err_oom(e));
fail:
	db_err(db, e, "the federated sources");
fail0:
	free(v);
	return (-1);
}

/* Is every one of the ${n} strings ${a} among ${b}'s ${m}? */
static int
subset(char *const *a, size_t n, char *const *b, size_t m)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < m && strcmp(a[i], b[j]) != 0; j++)
			;
		if (j == m)
			return (0);
	}
	return (1);
}

int
fedrel_compatible(const struct licence_table *lt, const char *src,
    const json_t *src_permits, const char *dst, const char *const *dst_permits,
    size_t ndst, char *why, size_t len)
{
	const struct licence *s = licence_find(lt, src ? src : "");
	const struct licence *d = licence_find(lt, dst ? dst : "");
	size_t i, j;

	if (d == NULL) {
		snprintf(why, len, "licence %s is not in this node's table",
		    dst ? dst : "");
		return (0);
	}
	if (s == NULL) {
		snprintf(why, len,
		    "its licence %s is not in this node's table, so what its "
		    "contributors consented to is not known here",
		    src ? src : "(none)");
		return (0);
	}
	if (!subset(d->text, d->ntext, s->text, s->ntext) ||
	    !subset(d->audio, d->naudio, s->audio, s->naudio)) {
		snprintf(why, len,
		    "%s needs consent scopes that %s did not ask for", dst,
		    src);
		return (0);
	}
	for (i = 0; i < ndst; i++) {
		for (j = 0; j < json_array_size(src_permits) &&
		     strcmp(dst_permits[i],
			 json_string_value(json_array_get(src_permits, j))
			     ?: "") != 0;
		     j++)
			;
		if (j == json_array_size(src_permits)) {
			snprintf(
			    why, len, "it does not permit %s", dst_permits[i]);
			return (0);
		}
	}
	if (!subset(s->prompts, s->nprompts, d->prompts, d->nprompts)) {
		snprintf(why, len,
		    "%s allows prompts under licences that %s does not", src,
		    dst);
		return (0);
	}
	why[0] = '\0';
	return (1);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
fedrel_revoked_load(struct db *db, int64_t peer_id, const char *dataset,
    struct fedrel_revoked *out, struct err *e)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	char **nv;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((st = db_prepare(
		 db, peer_id ? SQL_REVOKED_PEER : SQL_REVOKED_OWN, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, dataset, -1, SQLITE_TRANSIENT);
	if (peer_id)
		sqlite3_bind_int64(st, 2, peer_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nv = realloc(out->ids, cap * sizeof(*nv))) == NULL)
				break;
			out->ids = nv;
		}
		if ((out->ids[out->n] = strdup(
			 (const char *)sqlite3_column_text(st, 0) ?: "")) ==
		    NULL)
			break;
		out->n++;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		fedrel_revoked_free(out);
		return (err_oom(e));
	}
	if (rc != SQLITE_DONE) {
		fedrel_revoked_free(out);
		return (db_err(db, e, "the revoked ids"));
	}
	if (out->n > 1)
		qsort(out->ids, out->n, sizeof(*out->ids), cmp_str);
	return (0);
}

int
fedrel_revoked(const struct fedrel_revoked *r, const void *id, size_t n)
{
	char key[256];
	const char *k = key;

	/* Ids are at most 64 bytes on a revocation list; no NUL in one. */
	if (n >= sizeof(key) || memchr(id, '\0', n) != NULL || r->n == 0)
		return (0);
	memcpy(key, id, n);
	key[n] = '\0';
	return (bsearch(&k, r->ids, r->n, sizeof(*r->ids), cmp_str) != NULL);
}

void
fedrel_revoked_free(struct fedrel_revoked *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->ids[i]);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

/* Records source ${t} of release ${id}, and its rows. */
static int
record_source(
    struct db *db, int64_t id, const struct fedrel_taken *t, struct err *e)
{
	const struct fedrel_source *s = t->src;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((st = db_prepare(db, SQL_SRC_ADD, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, s->community, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, s->peer_id);
	sqlite3_bind_text(st, 5, s->node_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, s->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->manifest_sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(
	    st, 9, t->licence ? t->licence : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, (int64_t)t->rows);
	sqlite3_bind_int64(st, 11, (int64_t)t->left_licence);
	sqlite3_bind_int64(st, 12, (int64_t)t->left_revoked);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "a federated source"));
	if ((st = db_prepare(db, SQL_ITEM_ADD, e)) == NULL)
		return (-1);
	for (i = 0; i < t->nitems; i++) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, s->peer_id);
		sqlite3_bind_text(st, 3, s->dataset, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, t->items[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "a federated row"));
	}
	return (0);
}

int
fedrel_record_job(struct db *db, void *arg, struct err *e)
{
	struct fedrel_record *r = arg;
	char *permits, *report, why[512];
	sqlite3_stmt *st;
	int64_t peer;
	size_t i;
	int rc;

	if ((st = db_prepare(db, SQL_VERSION_TAKEN, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, r->version, -1, SQLITE_STATIC);
	if ((rc = db_exists(db, st, "releases", e)) != 0)
		return (rc == 1 ? err_set(e, ERR_CONFLICT,
				      "release %s exists already", r->version)
				: -1);
	permits = json_dumps(r->permits, JSON_COMPACT);
	report = json_dumps(r->report, JSON_COMPACT | JSON_SORT_KEYS);
	if (permits == NULL || report == NULL ||
	    (st = db_prepare(db, SQL_REL_ADD, e)) == NULL) {
		free(permits);
		free(report);
		return (permits == NULL || report == NULL ? err_oom(e) : -1);
	}
	sqlite3_bind_text(st, 1, r->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->dataset, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->licence, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, permits, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, report, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(permits);
	free(report);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "the release"));
	r->id = sqlite3_last_insert_rowid(db_handle(db));
	for (i = 0; i < r->ntaken; i++)
		if (record_source(db, r->id, &r->taken[i], e) == -1)
			return (-1);
	/* A revocation recorded after the sources were read: the release
	** is retired now, as the triggers would have done. */
	if ((st = db_prepare(db, SQL_LATE, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, r->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		peer = sqlite3_column_int64(st, 0);
		snprintf(why, sizeof(why), "row %s of %s was revoked",
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 1));
		r->retired = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return (db_err(db, e, "the revoked rows"));
	if (r->retired) {
		if ((st = db_prepare(db, SQL_RETIRE, e)) == NULL)
			return (-1);
		sqlite3_bind_int64(st, 1, r->id);
		sqlite3_bind_int64(st, 2, peer);
		sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return (db_err(db, e, "the release"));
	}
	return (audit_append(db, 0, "release.federated", r->id,
	    json_pack("{s:s,s:s,s:s,s:O,s:I}", "version", r->version, "dataset",
		r->dataset, "licence", r->licence, "report", r->report,
		"sources", (json_int_t)r->ntaken),
	    e));
}

static const char SQL_ST_PEERS[] =
    "SELECT id, name, url, public_key, last_pull_at, last_ok_at, "
    "last_error, (SELECT count(*) FROM peer_revocations v WHERE "
    "v.peer_id = p.id) FROM peers p ORDER BY name";
static const char SQL_ST_PULLED[] =
    "SELECT dataset, version, pulled_at FROM peer_releases WHERE peer_id = "
    "?1 ORDER BY id DESC LIMIT 20";
static const char SQL_ST_RETIRED[] =
    "SELECT version, dataset, retired_at, retired_why FROM releases WHERE "
    "retired_peer = ?1 ORDER BY id";
static const char SQL_ST_FED[] =
    "SELECT id, version, dataset, state, retired_at, retired_why FROM "
    "releases WHERE federated = 1 ORDER BY id";
static const char SQL_ST_SRC[] =
    "SELECT name, community, dataset, version, licence, rows, "
    "left_licence, left_revoked FROM federated_sources WHERE release_id = "
    "?1 ORDER BY community, dataset";

/* A column as JSON: null, an integer or a string. */
static json_t *
col(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: return (json_null());
	case SQLITE_INTEGER: return (json_integer(sqlite3_column_int64(st, i)));
	default: return (json_string((const char *)sqlite3_column_text(st, i)));
	}
}

/* The rows of ${sql} (bound to ${id} if it takes one) as objects with
** the ${n} keys ${keys}. */
static json_t *
rows_of(struct db *db, const char *sql, int64_t id, const char *const *keys,
    int n, struct err *e)
{
	sqlite3_stmt *st;
	json_t *arr = json_array(), *o;
	int rc, i;

	if ((st = db_prepare(db, sql, e)) == NULL) {
		json_decref(arr);
		return (NULL);
	}
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = json_object();
		for (i = 0; i < n; i++)
			json_object_set_new(o, keys[i], col(st, i));
		json_array_append_new(arr, o);
	}
	return (db_list_end(db, st, rc, arr, 0, "the federation", NULL, e));
}

json_t *
fedrel_status(struct db *db, struct err *e)
{
	static const char *const pk[] = { "id", "name", "url", "public_key",
		"last_pull_at", "last_ok_at", "last_error", "revocations" };
	static const char *const rk[] = { "dataset", "version", "pulled_at" };
	static const char *const tk[] = { "version", "dataset", "at", "why" };
	static const char *const fk[] = { "id", "version", "dataset", "state",
		"retired_at", "retired_why" };
	static const char *const sk[] = { "name", "community", "dataset",
		"version", "licence", "rows", "left_licence", "left_revoked" };
	json_t *peers, *fed, *p, *f, *v;
	size_t i;
	int64_t id;

	if ((peers = rows_of(db, SQL_ST_PEERS, 0, pk, 8, e)) == NULL)
		return (NULL);
	json_array_foreach(peers, i, p)
	{
		id = json_integer_value(json_object_get(p, "id"));
		if ((v = rows_of(db, SQL_ST_PULLED, id, rk, 3, e)) == NULL)
			goto fail;
		json_object_set_new(p, "releases", v);
		if ((v = rows_of(db, SQL_ST_RETIRED, id, tk, 4, e)) == NULL)
			goto fail;
		json_object_set_new(p, "retired", v);
		json_object_del(p, "id");
	}
	if ((fed = rows_of(db, SQL_ST_FED, 0, fk, 6, e)) == NULL)
		goto fail;
	json_array_foreach(fed, i, f)
	{
		id = json_integer_value(json_object_get(f, "id"));
		if ((v = rows_of(db, SQL_ST_SRC, id, sk, 8, e)) == NULL) {
			json_decref(fed);
			goto fail;
		}
		json_object_set_new(f, "sources", v);
		json_object_del(f, "id");
	}
	return (json_pack("{s:o,s:o}", "peers", peers, "federated", fed));
fail:
	json_decref(peers);
	return (NULL);
}
