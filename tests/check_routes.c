/*
** The route table (server/http/routes.c) and the API reference
** (server/http/API.md) say the same thing: every route has one row in
** API.md's "## Routes" table and every row is a route, with the same
** method, path, role and body limit. The rows have a strict form, which
** API.md states above its table:
**
**   | METHOD | `/path/{param}` | ROLE[ (who)] | LIMIT[ (other kind)] | answers |
**
** ROLE is "anyone" (ROLE_ANY) or a role's name (role_parse()); LIMIT is
** "—" (no body) or "N KiB", and carries a bracketed note exactly when the
** route sets its limit per request (route.body_limit). A second test
** feeds the checker tables with one thing wrong, so that it is known to
** catch each kind of drift.
*/
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "testutil.h"

#define NO_BODY "\xe2\x80\x94" /* "—" */
#define HEADER  "| method | path | role | body limit |"

/* The text of the file at ${path}, NUL-terminated; NULL if unreadable. */
static char *
slurp(const char *path)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) == -1)
			break;
	fclose(f);
	if (buf_append(&b, "", 1) == -1) {
		buf_free(&b);
		return (NULL);
	}
	return (buf_take(&b));
}

/* ${s} (${n} bytes) without the spaces around it, into ${out}. */
static void
trim(const char *s, size_t n, char *out, size_t size)
{
	while (n > 0 && *s == ' ')
		s++, n--;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

/*
** Splits a bracketed note off ${cell}: "word (note)" leaves "word" in
** ${cell} and returns 1, "word" returns 0, anything else (a bracket not
** closing the cell, an empty note) -1.
*/
static int
note_split(char *cell)
{
	char *open = strstr(cell, " (");
	size_t n = strlen(cell);

	if (open == NULL)
		return (strchr(cell, '(') == NULL ? 0 : -1);
	if (n < 2 || cell[n - 1] != ')' || open + 3 >= cell + n)
		return (-1);
	*open = '\0';
	return (1);
}

/* The role a cell names: ROLE_ANY for "anyone", a role for its name; -1
** for anything else. */
static int
role_of(const char *word)
{
	enum account_role r;

	if (strcmp(word, "anyone") == 0)
		return (ROLE_ANY);
	r = role_parse(word);
	if (r == ROLE_NONE || strcmp(role_name(r), word) != 0)
		return (-1);
	return ((int)r);
}

/* The bytes a limit cell says: 0 for "—", N * 1024 for "N KiB"; -1 for
** anything else. */
static long long
limit_of(const char *cell)
{
	char *end;
	long long n;

	if (strcmp(cell, NO_BODY) == 0)
		return (0);
	if (cell[0] < '1' || cell[0] > '9')
		return (-1);
	n = strtoll(cell, &end, 10);
	if (strcmp(end, " KiB") != 0)
		return (-1);
	return (n * 1024);
}

/* A limit in API.md's words, into ${out}. */
static void
limit_words(size_t bytes, char *out, size_t size)
{
	if (bytes == 0)
		snprintf(out, size, "%s", NO_BODY);
	else if (bytes % 1024 == 0)
		snprintf(out, size, "%zu KiB", bytes / 1024);
	else
		snprintf(out, size, "%zu bytes (not whole KiB)", bytes);
}

/*
** One row of the Routes table, the ${len} bytes at ${line}, line ${lineno}
** of API.md: checks its form and compares it with the route table,
** marking the route it names in ${seen}. Appends what is wrong to ${out}.
** Returns the number of problems.
*/
static int
row_check(const char *line, size_t len, int lineno, int *seen, struct buf *out)
{
	char cell[4][512], want[64];
	const char *p = line + 1, *bar;
	const struct route *rt = NULL;
	int i, role, lnote;
	long long limit;
	size_t k;

	for (i = 0; i < 4; i++) {
		if ((bar = memchr(p, '|', (size_t)(line + len - p))) == NULL) {
			buf_printf(out,
			    "API.md:%d: a Routes row has 5 cells "
			    "(method, path, role, body limit, answers)\n",
			    lineno);
			return (1);
		}
		trim(p, (size_t)(bar - p), cell[i], sizeof(cell[i]));
		p = bar + 1;
	}
	for (k = len; k > 0 && line[k - 1] == ' '; k--)
		;
	while (*p == ' ' && p < line + k)
		p++;
	if (k == 0 || line[k - 1] != '|' || p >= line + k - 1) {
		buf_printf(out,
		    "API.md:%d: a Routes row ends with its answers and \"|\"\n",
		    lineno);
		return (1);
	}
	k = strlen(cell[1]);
	if (k < 3 || cell[1][0] != '`' || cell[1][1] != '/' ||
	    cell[1][k - 1] != '`' || strpbrk(cell[1] + 1, " ?") != NULL ||
	    strchr(cell[1] + 1, '`') != cell[1] + k - 1) {
		buf_printf(out,
		    "API.md:%d: the path \"%s\" is not one `/path` "
		    "(a query string goes in the answers)\n",
		    lineno, cell[1]);
		return (1);
	}
	memmove(cell[1], cell[1] + 1, k - 2);
	cell[1][k - 2] = '\0';
	for (k = 0; k < nroutes; k++)
		if (strcmp(routes[k].method, cell[0]) == 0 &&
		    strcmp(routes[k].pattern, cell[1]) == 0)
			break;
	if (k == nroutes) {
		buf_printf(out,
		    "API.md:%d: %s %s is not in the route table (routes.c)\n",
		    lineno, cell[0], cell[1]);
		return (1);
	}
	rt = &routes[k];
	if (seen[k]++) {
		buf_printf(out, "API.md:%d: %s %s has a second row\n", lineno,
		    rt->method, rt->pattern);
		return (1);
	}
	if (note_split(cell[2]) == -1 || (role = role_of(cell[2])) == -1) {
		buf_printf(out,
		    "API.md:%d: %s %s: the role \"%s\" is not anyone, "
		    "contributor, reviewer, maintainer, treasurer or admin, "
		    "with who in brackets\n",
		    lineno, rt->method, rt->pattern, cell[2]);
		return (1);
	}
	if (role != (int)rt->role) {
		buf_printf(out,
		    "API.md:%d: %s %s: the role is \"%s\" in API.md, \"%s\" "
		    "in routes.c\n",
		    lineno, rt->method, rt->pattern, cell[2],
		    rt->role == ROLE_ANY ? "anyone" : role_name(rt->role));
		return (1);
	}
	limit_words(rt->max_body, want, sizeof(want));
	if ((lnote = note_split(cell[3])) == -1 ||
	    (limit = limit_of(cell[3])) == -1) {
		buf_printf(out,
		    "API.md:%d: %s %s: the body limit \"%s\" is not \"%s\" "
		    "or \"N KiB\", with another kind's in brackets\n",
		    lineno, rt->method, rt->pattern, cell[3], NO_BODY);
		return (1);
	}
	if (limit != (long long)rt->max_body) {
		buf_printf(out,
		    "API.md:%d: %s %s: the body limit is %s in API.md, %s "
		    "(%zu bytes) in routes.c\n",
		    lineno, rt->method, rt->pattern, cell[3], want,
		    rt->max_body);
		return (1);
	}
	if (lnote != (rt->body_limit != NULL)) {
		buf_printf(out,
		    "API.md:%d: %s %s: routes.c %s a limit per request: the "
		    "body limit %s say which in brackets\n",
		    lineno, rt->method, rt->pattern,
		    rt->body_limit ? "sets" : "sets no",
		    rt->body_limit ? "must" : "must not");
		return (1);
	}
	return (0);
}

/*
** Compares ${md}, the text of an API.md, with the route table. Appends a
** line to ${out} for each thing that differs, naming the route; returns
** how many there are.
*/
static int
routes_check(const char *md, struct buf *out)
{
	int seen[256] = { 0 }, bad = 0, lineno = 1, in_table = 0, tables = 0;
	const char *line, *nl, *sect;
	size_t len, k;

	ck_assert_uint_le(nroutes, sizeof(seen) / sizeof(seen[0]));
	if ((sect = strstr(md, "\n## Routes\n")) == NULL) {
		buf_printf(out, "API.md has no \"## Routes\" section\n");
		return (1);
	}
	for (line = md; line < sect + 1; line++)
		if (*line == '\n')
			lineno++;
	for (line = sect + 1; *line != '\0'; line = nl + 1, lineno++) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			nl = line + strlen(line);
		len = (size_t)(nl - line);
		if (line != sect + 1 && len >= 3 && memcmp(line, "## ", 3) == 0)
			break; /* the next section */
		if (len == 0 || line[0] != '|') {
			in_table = 0;
			if (*nl == '\0')
				break;
			continue;
		}
		if (!in_table) { /* a table begins: its header, its rule */
			in_table = 1;
			if (tables++ > 0 ||
			    strncmp(line,
				"| method | path | role | body limit |",
				36) != 0) {
				buf_printf(out,
				    "API.md:%d: the Routes section has one "
				    "table, whose header starts \"| method | "
				    "path | role | body limit |\"\n",
				    lineno);
				return (bad + 1);
			}
			if (*nl == '\0' || strncmp(nl + 1, "|---", 4) != 0) {
				buf_printf(out,
				    "API.md:%d: the Routes table has no "
				    "|---| line under its header\n",
				    lineno);
				return (bad + 1);
			}
			nl = strchr(nl + 1, '\n');
			lineno++;
			if (nl == NULL)
				break;
			continue;
		}
		bad += row_check(line, len, lineno, seen, out);
		if (*nl == '\0')
			break;
	}
	for (k = 0; k < nroutes; k++)
		if (!seen[k]) {
			buf_printf(out,
			    "routes.c: %s %s has no row in API.md's Routes "
			    "table\n",
			    routes[k].method, routes[k].pattern);
			bad++;
		}
	return (bad);
}

START_TEST(test_api_md_matches_routes)
{
	const char *dir = getenv("TRIBUTARY_SOURCE_DIR");
	struct buf out = { 0 };
	char path[4096];
	char *md;
	int bad;

	snprintf(path, sizeof(path), "%s/server/http/API.md",
	    dir != NULL ? dir : TRIBUTARY_SOURCE_DIR);
	md = slurp(path);
	ck_assert_msg(md != NULL, "cannot read %s: %s", path, strerror(errno));
	bad = routes_check(md, &out);
	ck_assert_msg(bad == 0, "%d difference(s) between %s and routes.c:\n%s",
	    bad, path, out.p ? out.p : "");
	ck_assert_uint_gt(nroutes, 0);
	buf_free(&out);
	free(md);
}
END_TEST

/*
** A Routes section written from the route table itself, with route
** ${skip} left out (-1: none) and ${extra} (may be NULL) as one more row.
*/
static char *
table_from_routes(long skip, const char *extra)
{
	struct buf b = { 0 };
	char lim[64];
	size_t i;

	buf_puts(&b,
	    "# API\n\n## Routes\n\nThe rows.\n\n"
	    "| method | path | role | body limit | answers |\n"
	    "|---|---|---|---|---|\n");
	for (i = 0; i < nroutes; i++) {
		if ((long)i == skip)
			continue;
		limit_words(routes[i].max_body, lim, sizeof(lim));
		buf_printf(&b, "| %s | `%s` | %s%s | %s%s | 200 |\n",
		    routes[i].method, routes[i].pattern,
		    routes[i].role == ROLE_ANY ? "anyone"
					       : role_name(routes[i].role),
		    i % 2 ? " (who)" : "", lim,
		    routes[i].body_limit ? " (a recording)" : "");
	}
	if (extra != NULL)
		buf_puts(&b, extra);
	buf_puts(&b, "\nA paragraph.\n\n## Sessions\n\n| a | b |\n");
	ck_assert_ptr_nonnull(b.p);
	return (buf_take(&b));
}

/* The route of ${method} ${pattern}'s index in the table. */
static size_t
route_index(const char *method, const char *pattern)
{
	size_t i;

	for (i = 0; i < nroutes; i++)
		if (strcmp(routes[i].method, method) == 0 &&
		    strcmp(routes[i].pattern, pattern) == 0)
			return (i);
	ck_abort_msg("no route %s %s", method, pattern);
	return (0);
}

/* Replaces the first ${from} in ${s} (which must hold it) by ${to}. */
static char *
edit(char *s, const char *from, const char *to)
{
	struct buf b = { 0 };
	char *at = strstr(s, from);

	ck_assert_msg(at != NULL, "no \"%s\" to change", from);
	buf_append(&b, s, (size_t)(at - s));
	buf_puts(&b, to);
	buf_puts(&b, at + strlen(from));
	free(s);
	ck_assert_ptr_nonnull(b.p);
	return (buf_take(&b));
}

/* Each kind of drift, and words its message must hold. */
static const struct {
	const char *what;
	const char *from, *to; /* an edit of the generated table */
	int drop_redact;       /* leave POST /api/v1/redact's row out */
	const char *extra;     /* one more row */
	const char *says;
} drifts[] = {
	{ "a limit", "| `/api/v1/redact` | contributor | 64 KiB |",
	    "| `/api/v1/redact` | contributor | 4 KiB |", 0, NULL,
	    "POST /api/v1/redact: the body limit is 4 KiB in API.md" },
	{ "a role", "| GET | `/api/v1/accounts` | admin",
	    "| GET | `/api/v1/accounts` | maintainer", 0, NULL,
	    "GET /api/v1/accounts: the role is \"maintainer\"" },
	{ "a method", "| GET | `/api/v1/licences` |",
	    "| POST | `/api/v1/licences` |", 0, NULL,
	    "POST /api/v1/licences is not in the route table" },
	{ "a path", "| `/api/v1/me/export` |", "| `/api/v1/me/exports` |", 0,
	    NULL, "GET /api/v1/me/exports is not in the route table" },
	{ "a missing row", NULL, NULL, 1, NULL,
	    "routes.c: POST /api/v1/redact has no row" },
	{ "a row too many", NULL, NULL, 0,
	    "| GET | `/api/v1/nothing` | "
	    "anyone | \xe2\x80\x94 | 200 |\n",
	    "GET /api/v1/nothing is not in the route table" },
	{ "a second row", NULL, NULL, 0,
	    "| GET | `/healthz` | anyone | "
	    "\xe2\x80\x94 | 200 |\n",
	    "GET /healthz has a second row" },
	{ "a per-request limit unsaid",
	    "| 64 KiB (a recording) | 200 |\n| GET | "
	    "`/api/v1/contributions/{id}/audio`",
	    "| 64 KiB | 200 |\n| GET | `/api/v1/contributions/{id}/audio`", 0,
	    NULL,
	    "POST /api/v1/contributions: routes.c sets a limit per request" },
	{ "a role in other words", "| GET | `/api/v1/accounts` | admin",
	    "| GET | `/api/v1/accounts` | an admin", 0, NULL,
	    "GET /api/v1/accounts: the role \"an admin\" is not" },
	{ "a limit in other words", "| `/api/v1/redact` | contributor | 64 KiB",
	    "| `/api/v1/redact` | contributor | 65536", 0, NULL,
	    "POST /api/v1/redact: the body limit \"65536\" is not" },
	{ "a row without answers", NULL, NULL, 0,
	    "| GET | `/metrics` | anyone | \xe2\x80\x94 |\n",
	    "ends with its answers" },
	{ "a query in the path", "| `/api/v1/consent/{slug}` |",
	    "| `/api/v1/consent/{slug}?lang=` |", 0, NULL,
	    "is not one `/path`" },
};

START_TEST(test_checker_sees_drift)
{
	struct buf out = { 0 };
	char *md;
	int bad;

	/* The table as the route table would write it is clean... */
	md = table_from_routes(-1, NULL);
	bad = routes_check(md, &out);
	ck_assert_msg(bad == 0, "the generated table is not clean: %s",
	    out.p ? out.p : "");
	buf_free(&out);
	free(md);
	/* ...and with the one thing wrong, it is not. */
	md = table_from_routes(drifts[_i].drop_redact
		? (long)route_index("POST", "/api/v1/redact")
		: -1,
	    drifts[_i].extra);
	if (drifts[_i].from != NULL)
		md = edit(md, drifts[_i].from, drifts[_i].to);
	bad = routes_check(md, &out);
	ck_assert_msg(bad >= 1, "%s went unseen", drifts[_i].what);
	ck_assert_msg(out.p != NULL && strstr(out.p, drifts[_i].says) != NULL,
	    "%s: the message does not say \"%s\": %s", drifts[_i].what,
	    drifts[_i].says, out.p ? out.p : "");
	buf_free(&out);
	free(md);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("routes");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_api_md_matches_routes);
	tcase_add_loop_test(
	    tc, test_checker_sees_drift, 0, sizeof(drifts) / sizeof(drifts[0]));
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
