/*
** k-anonymity of a release's demographics (release.h): release_anonymize()
** decides, over the whole release, which attributes are released and how
** coarsely, so that every combination released covers at least k
** distinct speakers; what is left over is suppressed.
**
** As Datafly does (Sweeney, 1998): while the speakers in groups under k
** are k or more, the attribute with the most distinct values is made
** coarser (ages in twenty-year ranges) or dropped; the fewer than k
** speakers then left alone in their group are taken out of the release,
** row by row, counted as left out for "k_anonymity". A speaker who gave
** nothing, or whose every released attribute was dropped, reveals
** nothing and is never taken out. One decision for the whole release:
** the same speaker id in two configs must not show two generalizations
** that narrow each other down.
*/
#include <stdio.h>
#include <string.h>

#include "release.h"

enum { A_AGE, A_GENDER, A_VARIETY, NATTR };
enum { L_GIVEN, L_COARSE, L_DROPPED };

static const char *const attr_names[NATTR] = { "age_range", "gender",
	"variety" };

/* The SQL expression for attribute ${a} at level ${l}, over d.* */
static const char *
attr_expr(int a, int l)
{
	if (l == L_DROPPED)
		return ("NULL");
	switch (a) {
	case A_AGE:
		return (l == L_GIVEN
			? "d.age_range"
			: "CASE WHEN d.age_range IN ('10-19', '20-29') THEN "
			  "'10-29' WHEN d.age_range IN ('30-39', '40-49') THEN "
			  "'30-49' WHEN d.age_range IN ('50-59', '60-69') THEN "
			  "'50-69' WHEN d.age_range IS NULL THEN NULL ELSE "
			  "'70+' END");
	case A_GENDER: return ("d.gender");
	default: return ("d.variety");
	}
}

/* The speakers of release ?1 with their attributes at ${lv}, as a WITH
** clause "s(sp, a, g, v)" and groups "grp(a, g, v, n)" into ${out}. */
static void
with_groups(const int lv[NATTR], char *out, size_t n)
{
	snprintf(out, n,
	    "WITH s AS (SELECT DISTINCT i.speaker_id AS sp, %s AS a, %s AS g, "
	    "%s AS v FROM release_items i JOIN contributions c ON c.id = "
	    "i.contribution_id LEFT JOIN demographics d ON d.account_id = "
	    "c.account_id WHERE i.release_id = ?1), grp AS (SELECT a, g, v, "
	    "count(*) AS n FROM s WHERE a IS NOT NULL OR g IS NOT NULL OR v IS "
	    "NOT NULL GROUP BY a, g, v) ",
	    attr_expr(A_AGE, lv[A_AGE]), attr_expr(A_GENDER, lv[A_GENDER]),
	    attr_expr(A_VARIETY, lv[A_VARIETY]));
}

/* Runs the one-row query ${sql} (?1 release, ?2 k) into ${out}[0..n).
** 0 or -1 with ${e}. */
static int
ints(struct db *db, const char *sql, int64_t release, int k, int64_t *out,
    int n, struct err *e)
{
	sqlite3_stmt *st;
	int rc, i;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		return (db_err(db, e, "release demographics"));
	sqlite3_bind_int64(st, 1, release);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, k);
	rc = sqlite3_step(st);
	for (i = 0; i < n; i++)
		out[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
	sqlite3_finalize(st);
	return (rc == SQLITE_ROW || rc == SQLITE_DONE
		? 0
		: db_err(db, e, "release demographics"));
}

/* Runs the write ${sql} (?1 release, ?2 k): the rows it changed, or -1
** with ${e}. */
static int64_t
change(struct db *db, const char *sql, int64_t release, int k, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
		return (db_err(db, e, "release demographics"));
	sqlite3_bind_int64(st, 1, release);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, k);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return (db_err(db, e, "release demographics"));
	return (sqlite3_changes64(db_handle(db)));
}

/* The selection's per-config counts again, from what release ${id} now
** holds. 0 or -1 with ${e}. */
static int
recount(struct db *db, int64_t id, struct release_selection *sel, struct err *e)
{
	static const char sql[] = "SELECT config, split, count(*) FROM "
				  "release_items WHERE release_id = ?1 "
				  "GROUP BY config, split ORDER BY 1, 2";
	sqlite3_stmt *st;
	json_t *c;
	int rc;

	json_object_clear(sel->configs);
	if ((st = db_prepare(db, sql, e)) == NULL)
		return (-1);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cfg = (const char *)sqlite3_column_text(st, 0);

		if ((c = json_object_get(sel->configs, cfg)) == NULL) {
			c = json_pack(
			    "{s:i,s:i,s:i}", "train", 0, "dev", 0, "test", 0);
			json_object_set_new(sel->configs, cfg, c);
		}
		json_object_set_new(c, (const char *)sqlite3_column_text(st, 1),
		    json_integer(sqlite3_column_int64(st, 2)));
	}
	sqlite3_reset(st);
	return (rc == SQLITE_DONE ? 0 : db_err(db, e, "release"));
}

int
release_anonymize(struct db *db, int64_t id, int k,
    struct release_selection *sel, json_t **what, struct err *e)
{
	char with[1024], sql[2048];
	int64_t given[NATTR], r[1 + NATTR], bad = 0, rows = 0, speakers = 0;
	int lv[NATTR], a, pick;
	json_t *rel, *gen, *drop;

	*what = NULL;
	if (k < 1)
		k = RELEASE_K_DEFAULT;
	/* Which attributes anyone in the release gave. */
	if (ints(db,
		"SELECT count(d.age_range), count(d.gender), count(d.variety) "
		"FROM release_items i JOIN contributions c ON c.id = "
		"i.contribution_id JOIN demographics d ON d.account_id = "
		"c.account_id WHERE i.release_id = ?1",
		id, k, given, NATTR, e) == -1)
		return (-1);
	for (a = 0; a < NATTR; a++)
		lv[a] = given[a] > 0 ? L_GIVEN : L_DROPPED;
	for (;;) {
		with_groups(lv, with, sizeof(with));
		snprintf(sql, sizeof(sql),
		    "%sSELECT coalesce((SELECT sum(n) FROM grp WHERE n < ?2), "
		    "0), (SELECT count(DISTINCT a) FROM s), (SELECT count("
		    "DISTINCT g) FROM s), (SELECT count(DISTINCT v) FROM s)",
		    with);
		if (ints(db, sql, id, k, r, 1 + NATTR, e) == -1)
			return (-1);
		bad = r[0];
		if (bad < k)
			break;
		/* The attribute with the most distinct values, in the
		** order of attr_names on a tie. */
		for (a = 0, pick = -1; a < NATTR; a++)
			if (lv[a] != L_DROPPED &&
			    (pick < 0 || r[1 + a] > r[1 + pick]))
				pick = a;
		if (pick < 0)
			break;
		lv[pick] =
		    pick == A_AGE && lv[pick] == L_GIVEN ? L_COARSE : L_DROPPED;
	}
	if (bad > 0) {
		/* Alone in their group, fewer than k in all: taken out. */
		snprintf(sql, sizeof(sql),
		    "%s, out AS (SELECT s.sp FROM s JOIN grp ON grp.a IS s.a "
		    "AND "
		    "grp.g IS s.g AND grp.v IS s.v WHERE grp.n < ?2) SELECT "
		    "count(*) FROM out",
		    with);
		if (ints(db, sql, id, k, &speakers, 1, e) == -1)
			return (-1);
		/* A WITH inside IN (…) needs a SELECT around it. */
		snprintf(sql, sizeof(sql),
		    "DELETE FROM release_items WHERE release_id = ?1 AND "
		    "speaker_id IN (SELECT sp FROM (%s, out AS (SELECT s.sp "
		    "FROM s JOIN grp ON grp.a IS s.a AND grp.g IS s.g AND "
		    "grp.v IS s.v WHERE grp.n < ?2) SELECT sp FROM out))",
		    with);
		if ((rows = change(db, sql, id, k, e)) < 0)
			return (-1);
	}
	if (lv[A_AGE] != L_DROPPED || lv[A_GENDER] != L_DROPPED ||
	    lv[A_VARIETY] != L_DROPPED) {
		snprintf(sql, sizeof(sql),
		    "UPDATE release_items SET age_range = %s, gender = %s, "
		    "variety = %s FROM contributions c JOIN demographics d ON "
		    "d.account_id = c.account_id WHERE c.id = "
		    "release_items.contribution_id AND "
		    "release_items.release_id "
		    "= ?1",
		    attr_expr(A_AGE, lv[A_AGE]),
		    attr_expr(A_GENDER, lv[A_GENDER]),
		    attr_expr(A_VARIETY, lv[A_VARIETY]));
		if (change(db, sql, id, k, e) < 0)
			return (-1);
	}
	if (rows > 0) {
		sel->n -= (size_t)rows;
		sel->left[LEFT_K_ANON] += (size_t)rows;
		if (recount(db, id, sel, e) == -1)
			return (-1);
	}
	rel = json_array();
	gen = json_object();
	drop = json_array();
	for (a = 0; a < NATTR; a++) {
		if (lv[a] != L_DROPPED)
			json_array_append_new(rel, json_string(attr_names[a]));
		else if (given[a] > 0)
			json_array_append_new(drop, json_string(attr_names[a]));
		if (lv[a] == L_COARSE)
			json_object_set_new(gen, attr_names[a],
			    json_string("twenty-year ranges"));
	}
	*what = json_pack("{s:i,s:o,s:o,s:o,s:I,s:I}", "k", k, "released", rel,
	    "generalized", gen, "dropped", drop, "suppressed_speakers",
	    (json_int_t)speakers, "suppressed_rows", (json_int_t)rows);
	return (*what != NULL ? 0 : err_oom(e));
}
