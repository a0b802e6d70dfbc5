/*
** The releases API: the public list of approved releases and their cards;
** for maintainers, every release, a preview of what a release would hold,
** cutting one (the folder is written by the builder serve hands the node:
** node.release_build) and approving it. The rules are release.c's. Route
** table: routes.c.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "http.h"
#include "keyrot.h"
#include "licences.h"
#include "publication.h"
#include "release.h"
#include "text.h"

/*
** GET /api/v1/releases: anyone. The approved releases not retired, newest
** first: 200 {"releases":[{"version","dataset","licence","state",
** "approvals","items","created_at"}]}.
** GET /api/v1/releases/all: a maintainer. Every release, drafts and
** retired ones too ("retired_at", "retired_why").
*/
int
list_releases(struct req *r)
{
	int all = strcmp(req_url(r), "/api/v1/releases/all") == 0;
	struct err e = { 0 };
	struct db *db;
	json_t *l, *v, *out;
	size_t i;

	if ((db = req_db(r, &e)) == NULL || (l = release_list(db, &e)) == NULL)
		return (req_fail(r, &e));
	/* Where each was published (tributary publish). */
	json_array_foreach(l, i, v)
	{
		json_t *pub = publication_list(db, jstr(v, "version"), &e);

		if (pub == NULL) {
			json_decref(l);
			return (req_fail(r, &e));
		}
		json_object_set_new(v, "published", pub);
	}
	if (all)
		return (req_json(r, 200, json_pack("{s:o}", "releases", l)));
	out = json_array();
	json_array_foreach(
	    l, i, v) if (strcmp(jstr(v, "state"), "approved") == 0 &&
	    json_is_null(json_object_get(v, "retired_at")))
	{
		char repo[256];

		json_object_del(v, "retired_at");
		json_object_del(v, "retired_why");
		/* Its id on the node's Hub read API. */
		snprintf(repo, sizeof(repo), "%s/%s",
		    req_config(r)->hub_namespace, jstr(v, "dataset"));
		json_object_set_new(v, "repo", json_string(repo));
		json_array_append(out, v);
	}
	json_decref(l);
	return (req_json(r, 200, json_pack("{s:o}", "releases", out)));
}

/*
** GET /api/v1/releases/{version}/card: anyone for an approved release not
** retired, a maintainer for any. 200 text/markdown: its README.md; 404.
*/
int
send_release_card(struct req *r)
{
	const struct session *s = req_session(r);
	const char *v = req_param(r, "version");
	struct err e = { 0 };
	char path[4096];
	struct db *db;
	struct stat sb;
	json_t *l, *x;
	size_t i;
	int fd, shown = 0;

	if ((db = req_db(r, &e)) == NULL || (l = release_list(db, &e)) == NULL)
		return (req_fail(r, &e));
	json_array_foreach(l, i,
	    x) if (v != NULL && strcmp(jstr(x, "version"), v) == 0) shown =
	    (s != NULL && role_allows(s->role, ROLE_MAINTAINER)) ||
	    (strcmp(jstr(x, "state"), "approved") == 0 &&
		json_is_null(json_object_get(x, "retired_at")));
	json_decref(l);
	snprintf(path, sizeof(path), "%s/releases/%s/README.md",
	    req_node(r)->dir, v ? v : "");
	if (!shown || strchr(v, '/') != NULL || v[0] == '.' ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (req_error(r, 404, "not_found", "no such release"));
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return (req_error(r, 404, "not_found", "no such release"));
	}
	return (req_file(
	    r, fd, (uint64_t)sb.st_size, "text/markdown; charset=utf-8", NULL));
}

#define RELEASE_LIST_MAX 32

/* A release asked for in a body: the spec and the strings it points at. */
struct cut {
	struct release_spec spec;
	struct release_selection sel;
	struct release_record rr;
	struct licence_table lt;
	json_t *body;
	const char *permits[RELEASE_LIST_MAX], *campaigns[RELEASE_LIST_MAX];
	char licence[64];
};

static void
cut_free(void *p)
{
	struct cut *c = p;

	release_selection_free(&c->sel);
	licences_free(&c->lt);
	json_decref(c->body);
	free(c);
}

/* ${k}'s strings (a JSON array) into ${out}: the count, or -1. */
static int
strings(json_t *body, const char *k, const char **out)
{
	json_t *a = json_object_get(body, k), *v;
	size_t i;

	if (a == NULL)
		return (0);
	if (!json_is_array(a) || json_array_size(a) > RELEASE_LIST_MAX)
		return (-1);
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return (-1);
		out[i] = json_string_value(v);
	}
	return ((int)json_array_size(a));
}

/*
** The body {"version","dataset","licence","permits"?,"campaigns"?,
** "splits"?} into ${c}, the licence table loaded and the selection made.
** 1, or an answer: 400 invalid (naming what), or the error's status.
*/
static int
cut_read(struct req *r, struct cut *c)
{
	struct err e = { 0 };
	char path[4096];
	struct db *db;
	json_t *sp;
	int k, i;

	if ((c->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	c->spec.version = jstr(c->body, "version");
	c->spec.dataset = jstr(c->body, "dataset");
	snprintf(c->licence, sizeof(c->licence), "%s",
	    jstr(c->body, "licence") ? jstr(c->body, "licence") : "");
	text_lower_ascii(c->licence);
	c->spec.licence = c->licence;
	if ((k = strings(c->body, "permits", c->permits)) < 0)
		return (req_error(r, 400, "invalid",
		    "\"permits\" is a list of uses (at most %d)",
		    RELEASE_LIST_MAX));
	c->spec.permits = c->permits;
	c->spec.npermits = (size_t)k;
	if ((k = strings(c->body, "campaigns", c->campaigns)) < 0)
		return (req_error(r, 400, "invalid",
		    "\"campaigns\" is a list of campaign slugs (at most %d)",
		    RELEASE_LIST_MAX));
	c->spec.campaigns = c->campaigns;
	c->spec.ncampaigns = (size_t)k;
	c->spec.splits[0] = 80;
	c->spec.splits[1] = 10;
	c->spec.splits[2] = 10;
	if ((sp = json_object_get(c->body, "splits")) != NULL) {
		if (!json_is_array(sp) || json_array_size(sp) != 3)
			return (req_error(r, 400, "invalid",
			    "\"splits\" is [train, dev, test] in percent"));
		for (i = 0; i < 3; i++)
			c->spec.splits[i] =
			    (int)json_integer_value(json_array_get(sp, i));
	}
	if ((sp = json_object_get(c->body, "k")) != NULL) {
		if (!json_is_integer(sp))
			return (req_error(r, 400, "invalid",
			    "\"k\" is a number of speakers, 5 or more"));
		c->spec.k = (int)json_integer_value(sp);
		if (json_integer_value(sp) != c->spec.k)
			c->spec.k = -1;
	}
	if (c->spec.version == NULL || c->spec.dataset == NULL)
		return (req_error(r, 400, "invalid",
		    "\"version\", \"dataset\" and \"licence\" are required"));
	snprintf(
	    path, sizeof(path), "%s/licences.yaml", req_config(r)->consent_dir);
	/* Counted here, rows not kept (the cut selects again in its job). */
	if (licences_load(path, &c->lt, &e) == -1 ||
	    (db = req_db(r, &e)) == NULL ||
	    release_select_each(db, &c->lt, req_node(r)->pseudonym_key,
		&c->spec, &c->sel, NULL, NULL, &e) == -1)
		return (e.code == ERR_INVALID
			? req_error(r, 400, "invalid", "%s", e.msg)
			: req_fail(r, &e));
	return (1);
}

/*
** POST /api/v1/releases/preview {"version","dataset","licence",
** "permits"?,"campaigns"?,"splits"?}: a maintainer. What that release
** would hold, recording nothing: 200 {"report":{"rows","configs":{config:
** {split:n}},"left":{reason:n}}}; 400 invalid.
*/
int
preview_release(struct req *r)
{
	struct cut *c;
	json_t *rep;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	if ((rc = cut_read(r, c)) == 1) {
		rep = release_report(&c->sel);
		rc = req_json(r, 200, json_pack("{s:o}", "report", rep));
	}
	cut_free(c);
	return (rc);
}

static int
cut_build(struct req *r, void *state, void **arg)
{
	struct cut *c = state;
	int rc;

	if ((rc = cut_read(r, c)) != 1)
		return (rc);
	if (req_node(r)->release_build == NULL)
		return (req_error(
		    r, 503, "busy", "this node cannot write release folders"));
	c->rr.spec = &c->spec;
	c->rr.sel = &c->sel;
	c->rr.lt = &c->lt;
	c->rr.key = req_node(r)->pseudonym_key;
	c->rr.actor = req_session(r)->account_id;
	*arg = &c->rr;
	return (1);
}

static int
cut_failed(struct req *r, const struct writer_job *j)
{
	if (j->err.code == ERR_CONFLICT)
		return (req_error(r, 409, "conflict", "%s", j->err.msg));
	return (req_fail(r, &j->err));
}

/* Recorded: the folder now (on this thread; it may take a while). */
static int
cut_answer(struct req *r, void *state)
{
	struct cut *c = state;
	struct err e = { 0 };
	struct db *db;

	if ((db = req_db(r, &e)) == NULL ||
	    req_node(r)->release_build(req_node(r), db, c->spec.version, &e) ==
		-1)
		return (req_error(r, 500, "internal",
		    "the draft %s is recorded, but its folder could not be "
		    "written: %s (`tributary release build %s` writes it)",
		    c->spec.version, e.msg, c->spec.version));
	return (req_json(r, 201,
	    json_pack("{s:{s:s,s:s,s:s,s:o}}", "release", "version",
		c->spec.version, "dataset", c->spec.dataset, "state", "draft",
		"report", release_report(&c->sel))));
}

/*
** POST /api/v1/releases {as preview}: a maintainer. Records the draft
** (every item pinned to its revision; audited) and writes its folder,
** DATA/releases/VERSION: 201 {"release":{"version","dataset","state",
** "report"}}; 400 invalid; 409 conflict (the version exists); 500 if the
** draft is recorded but the folder could not be written (the message
** says why; `tributary release` can retry it).
*/
int
create_release(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct cut),
		.state_free = cut_free,
		.build = cut_build,
		.job = release_record_job,
		.failed = cut_failed,
		.answer = cut_answer,
	};

	return (req_write(r, &w));
}

struct appr {
	struct release_approve ra;
	char version[RELEASE_VERSION_MAX + 1];
};

static int
appr_build(struct req *r, void *state, void **arg)
{
	struct appr *a = state;
	const char *v = req_param(r, "version");
	char path[4096];

	if (v == NULL || strlen(v) > RELEASE_VERSION_MAX)
		return (req_error(r, 404, "not_found", "no such release"));
	snprintf(a->version, sizeof(a->version), "%s", v);
	/* Only a release whose folder was written can be approved. */
	snprintf(path, sizeof(path), "%s/releases/%s/manifest.json",
	    req_node(r)->dir, a->version);
	a->ra.unbuilt = strchr(a->version, '/') != NULL ||
	    a->version[0] == '.' || access(path, R_OK) != 0;
	a->ra.version = a->version;
	a->ra.actor = req_session(r)->account_id;
	a->ra.needed = (int)req_config(r)->release_approvals;
	*arg = &a->ra;
	return (1);
}

static int
appr_answer(struct req *r, void *state)
{
	struct appr *a = state;

	return (req_json(r, 200,
	    json_pack("{s:s,s:i,s:i,s:s}", "version", a->version, "approvals",
		a->ra.approvals, "needed", a->ra.needed, "state",
		a->ra.approved ? "approved" : "draft")));
}

/*
** POST /api/v1/releases/{version}/approve: a maintainer, as themself.
** Once release-approvals distinct people have, it is approved; again by
** the same person changes nothing. Audited. 200 {"version","approvals",
** "needed","state"}; 404; 409 conflict (retired).
*/
int
approve_release(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct appr),
		.build = appr_build,
		.job = release_approve_job,
		.failed = cut_failed,
		.answer = appr_answer,
	};

	return (req_write(r, &w));
}

/*
** POST /api/v1/releases/{version}/verify: a maintainer. Checks the
** release's folder against its manifest and the node's key, as `tributary
** release verify` does: 200 {"version","valid","first_bad"} (first_bad:
** the first missing, changed or unlisted file, "manifest.sig" if only the
** signature fails, "" when valid); 404 no such release or no folder.
*/
int
verify_release(struct req *r)
{
	const char *v = req_param(r, "version");
	char dir[4096], why[256];
	struct err e = { 0 };
	int valid;

	if (v == NULL || strlen(v) > RELEASE_VERSION_MAX || v[0] == '.' ||
	    strchr(v, '/') != NULL)
		return (req_error(r, 404, "not_found", "no such release"));
	snprintf(dir, sizeof(dir), "%s/releases/%s", req_node(r)->dir, v);
	if (req_node(r)->release_verify == NULL)
		return (req_error(
		    r, 503, "busy", "this node cannot check release folders"));
	if (access(dir, F_OK) != 0)
		return (req_error(r, 404, "not_found",
		    "release %s has no folder on this node", v));
	if (req_node(r)->release_verify(
		dir, req_node(r)->sign_pk, &valid, why, sizeof(why), &e) == -1)
		return (req_json(r, 200,
		    json_pack("{s:s,s:b,s:s}", "version", v, "valid", 0,
			"first_bad", "manifest.json")));
	/* A release made before the node's key was rotated is signed by a
	** key the node had then. */
	if (!valid && strcmp(why, "manifest.sig") == 0) {
		struct keyrot *kr = NULL;
		size_t nk = 0, k;
		struct db *db = req_db(r, &e);

		if (db != NULL && keyrot_own(db, &kr, &nk, &e) == 0) {
			for (k = 0; k < nk && !valid; k++)
				if (req_node(r)->release_verify(dir,
					kr[k].old_pk, &valid, why, sizeof(why),
					&e) == -1)
					break;
			keyrot_free(kr, nk);
		}
	}
	return (req_json(r, 200,
	    json_pack("{s:s,s:b,s:s}", "version", v, "valid", valid,
		"first_bad", why)));
}

/*
** GET /api/v1/releases/licences: a maintainer. The licence table a
** release is cut under (consent/licences.yaml): 200 {"licences":[{"id",
** "text":[scope],"audio":[scope],"permits":[use]}]}, in the file's order:
** the scopes an item's consent must grant to be in such a release, and the
** uses it may permit.
*/
int
list_release_licences(struct req *r)
{
	struct licence_table lt;
	struct err e = { 0 };
	char path[4096];
	json_t *out, *l;
	size_t i, k;

	snprintf(
	    path, sizeof(path), "%s/licences.yaml", req_config(r)->consent_dir);
	if (licences_load(path, &lt, &e) == -1)
		return (req_fail(r, &e));
	out = json_array();
	for (i = 0; out != NULL && i < lt.n; i++) {
		const struct licence *x = &lt.l[i];

		l = json_pack("{s:s,s:[],s:[],s:[]}", "id", x->id, "text",
		    "audio", "permits");
		for (k = 0; l != NULL && k < x->ntext; k++)
			json_array_append_new(json_object_get(l, "text"),
			    json_string(x->text[k]));
		for (k = 0; l != NULL && k < x->naudio; k++)
			json_array_append_new(json_object_get(l, "audio"),
			    json_string(x->audio[k]));
		for (k = 0; l != NULL && k < x->npermits; k++)
			json_array_append_new(json_object_get(l, "permits"),
			    json_string(x->permits[k]));
		json_array_append_new(out, l);
	}
	licences_free(&lt);
	return (req_json(r, 200, json_pack("{s:o}", "licences", out)));
}
