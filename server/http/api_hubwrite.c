/*
** The Hub's write API: Hub clients (huggingface_hub without hf_xet,
** @huggingface/hub, `tributary publish`) push datasets to the node as
** they would to the Hub (/work/shared/reference/hub-protocol.md, "Write
** API"). The read API (api_hub.c) serves what they push.
**
** Who may push: whoever holds a token from `tributary token add`, sent as
** `Authorization: Bearer hf_…` (only its SHA-256 is stored); a token made
** with --repo writes to that repo alone. Repos live in the node's
** namespace (--namespace): naming another is refused (403).
**
** A push, as the clients send it:
**   POST /api/repos/create                          the repo (409 exists)
**   POST /api/datasets/NS/NAME/preupload/main       lfs or regular, per file
**   POST /datasets/NS/NAME.git/info/lfs/objects/batch
**        answers "transfer":"basic"; an object the node holds gets no
**        actions, any other an upload URL (and a verify URL) that carries
**        its own credential: an HMAC, under a key derived from the node's
**        signing key, of the repo, object, size and an expiry
**        (--hub-upload-ttl). Clients PUT to it without a token.
**   PUT  /datasets/NS/NAME.git/info/lfs/objects/OID?size&expires&sig
**        the bytes, streamed to a temp file in the object store while
**        hashed (never held in memory), kept under their SHA-256 only if
**        it is OID and the size is the one signed.
**   (with --hub-multipart-chunk, a larger object goes in parts instead:
**   the batch answer's header names a signed URL per part, the parts are
**   PUT to them, each kept under its own SHA-256, its ETag, and a POST to
**   the join URL with the ETags in order joins them into the object.)
**   POST /api/datasets/NS/NAME/commit/main           NDJSON, one commit
** and to rewrite history: super-squash a branch, add or delete a tag.
** Every write that changes the database is a writer job, audited
** (hubpush.c); the objects are written before the job that names them.
** Errors are the Hub's (hub_error(): status, X-Error-Code, {"error"}).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "blob.h"
#include "hubpush.h"
#include "hubrepo.h"
#include "http.h"
#include "log.h"

/* ---------------------------------------------------------------------
** Shared steps: the token, the repo, the disk
*/

/*
** The request's push token (Authorization: Bearer TOKEN), checked, into
** ${t}. 1 if live; 0 with 401 queued (none, unknown or revoked), or a
** 500 if the database cannot be read; -1 if no answer could be queued.
*/
static int
token_of(struct req *r, struct hubtoken *t)
{
	const char *h = req_header(r, "Authorization");
	struct err e = { 0 };
	struct db *db;
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return (hub_error(r, 401, NULL, NULL,
			    "send a push token of this node: Authorization: "
			    "Bearer hf_... (tributary token add)") == 0
			? 0
			: -1);
	h += 7;
	while (*h == ' ')
		h++;
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = hubtoken_check(db, h, t, &e)) == -1)
		return (
		    hub_error(r, 500, NULL, NULL, "%s", e.msg) == 0 ? 0 : -1);
	if (rc == 0)
		return (hub_error(r, 401, NULL, NULL,
			    "Invalid credentials in Authorization header: "
			    "not a live push token of this node") == 0
			? 0
			: -1);
	return (1);
}

/*
** May token ${t} write to ${ns}/${name}? 1; 0 with 403 queued (another
** namespace than the node's, or a token for another repo) or 400 (a
** name we do not take); -1 if no answer could be queued.
*/
static int
repo_allowed(
    struct req *r, const char *ns, const char *name, const struct hubtoken *t)
{
	const char *mine = hubcache_namespace(req_hubs(r));
	char id[HUBREPO_ID_MAX + 2];

	if (ns == NULL || strcmp(ns, mine) != 0)
		return (hub_error(r, 403, NULL, NULL,
			    "this node hosts datasets in namespace %s only, "
			    "not %.100s",
			    mine, ns ? ns : "") == 0
			? 0
			: -1);
	if (name == NULL || !hubpush_name_ok(name))
		return (hub_error(r, 400, NULL, NULL,
			    "a repo name is 1 to 96 of A-Z a-z 0-9 . _ - (not "
			    "starting with . or -, not ending in .git)") == 0
			? 0
			: -1);
	snprintf(id, sizeof(id), "%s/%s", ns, name);
	if (t != NULL && t->repo[0] != '\0' && strcmp(t->repo, id) != 0)
		return (hub_error(r, 403, NULL, NULL,
			    "this token may push to %s only", t->repo) == 0
			? 0
			: -1);
	return (1);
}

/* The {repo} segment of a .git route without ".git", into ${out}
** (HUBREPO_ID_MAX bytes); NULL if it does not end so. */
static const char *
git_name(struct req *r, char *out, size_t n)
{
	const char *s = req_param(r, "repo");
	size_t len = s ? strlen(s) : 0;

	if (len <= 4 || len - 4 >= n || strcmp(s + len - 4, ".git") != 0)
		return (NULL);
	memcpy(out, s, len - 4);
	out[len - 4] = '\0';
	return (out);
}

/*
** Is the disk too full to take ${need} more bytes? 1 with 507 queued (the
** node's disk is full, or fewer than ${need} + --hub-disk-reserve bytes
** are free in the data folder); 0 if there is room; -1.
*/
static int
disk_refuses(struct req *r, unsigned long long need)
{
	struct node *n = req_node(r);
	unsigned long long avail, reserve;
	struct statvfs sv;
	char why[256];

	if (node_disk_full(n, why, sizeof(why)))
		return (hub_error(r, 507, NULL, NULL, "%s", why) == 0 ? 1 : -1);
	reserve = (unsigned long long)req_config(r)->hub_disk_reserve;
	if (statvfs(n->dir, &sv) == 0) {
		avail = (unsigned long long)sv.f_bavail * sv.f_frsize;
		if (avail < need || avail - need < reserve)
			return (hub_error(r, 507, NULL, NULL,
				    "the disk is nearly full: %llu bytes free, "
				    "this needs %llu and --hub-disk-reserve "
				    "keeps %llu",
				    avail, need, reserve) == 0
				? 1
				: -1);
	}
	return (0);
}

/* Answers the JSON text in ${b} (taken) with ${status} and ${ctype}. */
static int
answer_json(struct req *r, unsigned int status, const char *ctype,
    const char *etag, struct buf *b)
{
	struct MHD_Response *resp;
	size_t n = b->n;

	resp = MHD_create_response_from_buffer(
	    n, buf_take(b), MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return (-1);
	MHD_add_response_header(resp, "Content-Type", ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (etag != NULL)
		MHD_add_response_header(resp, "ETag", etag);
	return (req_respond(r, status, resp));
}

/* Answers a refused repo job from its ${miss} and ${e}. */
static int
answer_miss(struct req *r, enum hubpush_miss miss, const struct err *e)
{
	switch (miss) {
	case HUBPUSH_NO_REPO:
		return (hub_error(r, 404, "RepoNotFound", NULL, "%s", e->msg));
	case HUBPUSH_NO_REVISION:
		return (
		    hub_error(r, 404, "RevisionNotFound", NULL, "%s", e->msg));
	case HUBPUSH_NO_ENTRY:
		return (hub_error(r, 404, "EntryNotFound", NULL, "%s", e->msg));
	case HUBPUSH_STALE:
		return (hub_error(r, 412, NULL, NULL, "%s", e->msg));
	default:
		return (hub_error(r, http_status_for(e->code), NULL, NULL, "%s",
		    e->msg[0] ? e->msg : "nothing was changed"));
	}
}

/* ---------------------------------------------------------------------
** POST /api/repos/create
*/

struct create_state {
	struct hubpush_create c;
	char ns[HUBREPO_ID_MAX], name[HUBREPO_ID_MAX];
};

static int
create_build(struct req *r, void *state, void **arg)
{
	struct create_state *s = state;
	struct hubtoken t;
	const char *ns, *name, *type, *vis, *slash;
	json_t *j, *priv;
	int rc;

	if ((rc = token_of(r, &t)) != 1)
		return (rc);
	if ((j = req_json_body(r)) == NULL)
		return (0);
	type = json_string_value(json_object_get(j, "type"));
	name = json_string_value(json_object_get(j, "name"));
	ns = json_string_value(json_object_get(j, "organization"));
	vis = json_string_value(json_object_get(j, "visibility"));
	priv = json_object_get(j, "private");
	if (type != NULL && strcmp(type, "dataset") != 0)
		return (hub_error(r, 400, NULL, NULL,
		    "this node hosts dataset repos only, not %.40s", type));
	if (name == NULL || strlen(name) >= sizeof(s->name))
		return (hub_error(r, 400, NULL, NULL, "name is missing"));
	/* Older clients send "ns/name" as the name. */
	if ((slash = strchr(name, '/')) != NULL && ns == NULL) {
		snprintf(
		    s->ns, sizeof(s->ns), "%.*s", (int)(slash - name), name);
		name = slash + 1;
	} else
		snprintf(s->ns, sizeof(s->ns), "%s",
		    ns ? ns : hubcache_namespace(req_hubs(r)));
	snprintf(s->name, sizeof(s->name), "%s", name);
	if ((rc = repo_allowed(r, s->ns, s->name, &t)) != 1)
		return (rc);
	if (json_is_true(priv) || (vis != NULL && strcmp(vis, "public") != 0))
		return (hub_error(r, 400, NULL, NULL,
		    "this node serves every dataset it holds to anyone: "
		    "create a public repo"));
	if ((rc = disk_refuses(r, 0)) != 0)
		return (rc == 1 ? 0 : -1);
	s->c.name = s->name;
	s->c.token_id = t.id;
	*arg = &s->c;
	return (1);
}

/* The repo's URL, ORIGIN/datasets/NS/NAME, into ${out}. */
static void
repo_url(struct req *r, const char *name, char *out, size_t n)
{
	char origin[300];

	req_origin(r, origin, sizeof(origin));
	snprintf(out, n, "%s/datasets/%s/%s", origin,
	    hubcache_namespace(req_hubs(r)), name);
}

static int
create_failed(struct req *r, const struct writer_job *j)
{
	struct create_state *s = req_state(r);
	char url[600], id[HUBREPO_ID_MAX * 2];

	if (s->c.miss != HUBPUSH_EXISTS)
		return (answer_miss(r, s->c.miss, &j->err));
	repo_url(r, s->name, url, sizeof(url));
	snprintf(id, sizeof(id), "%s/%s", s->ns, s->name);
	return (req_json(r, 409,
	    json_pack("{s:s,s:s,s:s}", "error",
		"You already created this dataset repo", "url", url, "id",
		id)));
}

static int
create_answer(struct req *r, void *state)
{
	struct create_state *s = state;
	char url[600], id[HUBREPO_ID_MAX * 2];

	repo_url(r, s->name, url, sizeof(url));
	snprintf(id, sizeof(id), "%s/%s", s->ns, s->name);
	return (req_json(r, 201,
	    json_pack("{s:s,s:s,s:s}", "url", url, "id", id, "name", id)));
}

/*
** POST /api/repos/create: a push token. {"type":"dataset","name",
** "organization"?, "visibility"?|"private"?} → 201 {"url","id","name"}:
** the repo NS/NAME, with an empty first commit on main; 409 {"error",
** "url","id"} if it exists (pushed, or a release of that name); 400 a
** bad name, another type, a private repo (everything here is served to
** anyone); 401; 403 another namespace, a token for another repo; 507.
*/
int
create_hub_repo(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct create_state),
		.build = create_build,
		.job = hubpush_create_job,
		.failed = create_failed,
		.answer = create_answer,
	};

	return (req_write(r, &w));
}

/* ---------------------------------------------------------------------
** POST /api/datasets/{ns}/{name}/preupload/{rev}
*/

/*
** POST /api/datasets/{ns}/{name}/preupload/{rev}: a push token for the
** repo. {"files":[{"path","size","sample"}]} → 200 {"files":[{"path",
** "uploadMode":"lfs"|"regular","shouldIgnore":false}],"commitOid"} (lfs
** for Parquet, 10 MiB and up, or a binary sample; commitOid the branch's
** head, null if it has none); 400; 401; 403; 404 RepoNotFound.
*/
int
preupload_hub_files(struct req *r)
{
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	const char *rev = req_param(r, "rev"), *body;
	struct hubtoken t;
	struct err e = { 0 };
	struct buf b = { 0 };
	struct db *db;
	char head[41];
	size_t n;
	int rc, found;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    (rc = hubpush_head(db, name, rev, head, &found, &e)) == -1)
		return (hub_error(r, 500, NULL, NULL, "%s", e.msg));
	if (!found)
		return (hub_error(r, 404, "RepoNotFound", NULL,
		    "Repository not found: %s/%s (create it first)", ns, name));
	body = req_body(r, &n);
	if (hubpush_preupload(body, n, rc == 1 ? head : NULL, &b, &e) == -1) {
		buf_free(&b);
		return (hub_error(
		    r, http_status_for(e.code), NULL, NULL, "%s", e.msg));
	}
	return (answer_json(r, 200, "application/json", NULL, &b));
}

/* ---------------------------------------------------------------------
** The LFS batch, upload and verify
*/

/* Parts of one multipart upload at most, and in one batch answer (each
** part is a URL of some 250 bytes in the answer). */
#define LFS_PARTS_MAX       1000
#define LFS_BATCH_PARTS_MAX 10000

/* What a signed URL is for: "upload", "verify", "complete" (the join of a
** multipart upload), or part ${part} of ${chunk} bytes ("part N C"),
** into ${out}. */
static void
signed_what(const char *what, unsigned part, uint64_t chunk, char out[64])
{
	if (part > 0)
		snprintf(
		    out, 64, "part %u %llu", part, (unsigned long long)chunk);
	else
		snprintf(out, 64, "%s", what);
}

/* Appends to ${b} the URL of ${what} ("upload": the object, or its part
** ${part} > 0 of ${chunk} bytes; "verify": its verify; "complete": the
** join of its parts) for ${oid} of ${size} in ${name}, signed until
** ${exp}. */
static int
signed_url(struct req *r, struct buf *b, const char *what, const char *name,
    const char *oid, uint64_t size, long long exp, unsigned part,
    uint64_t chunk)
{
	char origin[300], id[HUBREPO_ID_MAX * 2], sig[65], w[64];
	const char *ns = hubcache_namespace(req_hubs(r));

	req_origin(r, origin, sizeof(origin));
	snprintf(id, sizeof(id), "%s/%s", ns, name);
	signed_what(what, part, chunk, w);
	hubpush_sign(req_node(r)->sign_sk, w, id, oid, size, exp, sig);
	if (buf_printf(b,
		"%s/datasets/%s/%s.git/info/lfs/objects/%s%s?size=%llu&",
		origin, ns, name, oid,
		strcmp(what, "verify") == 0 ? "/verify" : "",
		(unsigned long long)size) == -1 ||
	    (part > 0 &&
		buf_printf(b, "part=%u&chunk=%llu&", part,
		    (unsigned long long)chunk) == -1))
		return (-1);
	return (buf_printf(b, "expires=%lld&sig=%s", exp, sig));
}

/*
** The upload action of an object of ${size} bytes the node lacks, after
** "actions":{ in ${b}: one URL for a single PUT, or, when
** --hub-multipart-chunk is set, the object is larger and the answer's
** part budget ${parts} allows, the multipart transfer's header (chunk_size
** and a URL per part, "00001"…) and the join URL as href. 0, or -1.
*/
static int
upload_action(struct req *r, struct buf *b, const char *name,
    const struct hublfs_obj *o, long long exp, size_t *parts)
{
	const struct config *cfg = req_config(r);
	uint64_t chunk = (uint64_t)cfg->hub_multipart_chunk, n;
	unsigned i;

	if (chunk > 0 && o->size > chunk) {
		if (o->size / chunk >= LFS_PARTS_MAX)
			chunk = (o->size + LFS_PARTS_MAX - 1) / LFS_PARTS_MAX;
		n = (o->size + chunk - 1) / chunk;
		if (*parts + n > LFS_BATCH_PARTS_MAX)
			chunk = 0; /* this one in a single PUT */
		else
			*parts += n;
	} else
		chunk = 0;
	if (chunk == 0)
		return (buf_puts(b, "\"upload\":{\"href\":\"") == -1 ||
			    signed_url(r, b, "upload", name, o->oid, o->size,
				exp, 0, 0) == -1
			? -1
			: buf_printf(b, "\",\"expires_in\":%ld}",
			      cfg->hub_upload_ttl));
	if (buf_puts(b, "\"upload\":{\"href\":\"") == -1 ||
	    signed_url(r, b, "complete", name, o->oid, o->size, exp, 0, 0) ==
		-1 ||
	    buf_printf(b,
		"\",\"expires_in\":%ld,\"header\":{\"chunk_size\":"
		"\"%llu\"",
		cfg->hub_upload_ttl, (unsigned long long)chunk) == -1)
		return (-1);
	for (i = 1; i <= n; i++)
		if (buf_printf(b, ",\"%05u\":\"", i) == -1 ||
		    signed_url(r, b, "upload", name, o->oid, o->size, exp, i,
			chunk) == -1 ||
		    buf_puts(b, "\"") == -1)
			return (-1);
	return (buf_puts(b, "}}"));
}

/* Does the object store hold ${oid} with ${size} bytes? 1 yes, 0 not,
** 2 with another size. */
static int
object_held(struct req *r, const char *oid, uint64_t size)
{
	char path[4096];
	struct stat sb;

	if (blob_path(hubcache_objects(req_hubs(r)), oid, path, sizeof(path)) ==
		-1 ||
	    stat(path, &sb) == -1)
		return (0);
	return ((uint64_t)sb.st_size == size ? 1 : 2);
}

/*
** POST /datasets/{ns}/{repo}/info/lfs/objects/batch ({repo} is NAME.git):
** a push token for the repo. The git-lfs batch request (hublfs_parse():
** operation, transfers, hash_algo sha256 or sha_256, ref, at most 1000
** objects) → 200 application/vnd.git-lfs+json {"transfer":"basic",
** "objects":[{"oid","size","authenticated":true,"actions"?}]}: an object
** the node holds gets no actions; any other, for an upload, {"upload":
** {"href","expires_in"},"verify":{"href","expires_in"}}, URLs that carry
** their own credential (no token needed); for a download, or an object
** held with another size, {"error":{"code","message"}}. 400 a bad body;
** 401; 403; 404 RepoNotFound; 413 an object over --hub-max-object.
*/
int
answer_lfs_batch(struct req *r)
{
	const char *ns = req_param(r, "ns"), *body;
	char namebuf[HUBREPO_ID_MAX], head[41];
	const char *name = git_name(r, namebuf, sizeof(namebuf));
	const struct config *cfg = req_config(r);
	struct hublfs_batch bt;
	struct hubtoken t;
	struct err e = { 0 };
	struct buf b = { 0 };
	struct db *db;
	long long exp = (long long)time(NULL) + cfg->hub_upload_ttl;
	size_t n, i, parts = 0;
	int rc, found, held;

	if (name == NULL)
		return (hub_error(r, 404, "RepoNotFound", NULL,
		    "Repository not found: the LFS endpoint is "
		    "/datasets/NS/NAME.git/info/lfs/objects/batch"));
	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL ||
	    hubpush_head(db, name, "main", head, &found, &e) == -1)
		return (hub_error(r, 500, NULL, NULL, "%s", e.msg));
	if (!found)
		return (hub_error(r, 404, "RepoNotFound", NULL,
		    "Repository not found: %s/%s", ns, name));
	body = req_body(r, &n);
	if (hublfs_parse(body, n, (uint64_t)cfg->hub_max_object, &bt, &e) == -1)
		return (hub_error(
		    r, http_status_for(e.code), NULL, NULL, "%s", e.msg));
	if (buf_puts(&b, "{\"transfer\":\"basic\",\"objects\":[") == -1)
		goto oom;
	for (i = 0; i < bt.n; i++) {
		const struct hublfs_obj *o = &bt.objs[i];

		if (buf_printf(&b,
			"%s{\"oid\":\"%s\",\"size\":%llu,"
			"\"authenticated\":true",
			i ? "," : "", o->oid,
			(unsigned long long)o->size) == -1)
			goto oom;
		held = object_held(r, o->oid, o->size);
		if (held == 1)
			rc = buf_puts(&b, "}");
		else if (held == 2)
			rc = buf_puts(&b,
			    ",\"error\":{\"code\":422,\"message\":\"this node "
			    "holds that oid with another size\"}}");
		else if (!bt.upload)
			rc = buf_puts(&b,
			    ",\"error\":{\"code\":404,\"message\":\"no such "
			    "object here: download files through resolve/\"}}");
		else
			rc = buf_puts(&b, ",\"actions\":{") == -1 ||
				upload_action(r, &b, name, o, exp, &parts) ==
				    -1 ||
				buf_puts(&b, ",\"verify\":{\"href\":\"") ==
				    -1 ||
				signed_url(r, &b, "verify", name, o->oid,
				    o->size, exp, 0, 0) == -1 ||
				buf_printf(&b, "\",\"expires_in\":%ld}}}",
				    cfg->hub_upload_ttl) == -1
			    ? -1
			    : 0;
		if (rc == -1)
			goto oom;
	}
	if (buf_puts(&b, "]}") == -1)
		goto oom;
	hublfs_free(&bt);
	return (answer_json(r, 200, "application/vnd.git-lfs+json", NULL, &b));
oom:
	hublfs_free(&bt);
	buf_free(&b);
	return (-1);
}

/* An upload under way: its temp blob, the hash of what came (none for
** a part: the blob store names it), the bytes expected. */
struct upload {
	struct blob_writer *bw;
	struct sha256 *h;
	uint64_t size, got;
	unsigned part; /* > 0: part of a multipart upload */
	char oid[65];
	int failed; /* err says why; the rest of the body is dropped */
	struct err err;
};

static void
upload_free(void *p)
{
	struct upload *u = p;

	if (u == NULL)
		return;
	blob_writer_abort(u->bw);
	sha256_free(u->h);
	free(u);
}

/* The body sink of an upload: hashes and writes each piece. */
static int
upload_sink(struct req *r, const char *p, size_t n)
{
	struct upload *u = req_state(r);

	if (u == NULL || u->failed)
		return (0);
	u->got += n;
	if ((u->h != NULL && sha256_update(u->h, p, n) == -1) ||
	    blob_writer_write(u->bw, p, n, &u->err) == -1) {
		if (u->err.code == ERR_NONE)
			err_set(&u->err, ERR_INTERNAL, "cannot hash");
		u->failed = 1;
		blob_writer_abort(u->bw);
		u->bw = NULL;
	}
	return (0);
}

/* A signed URL's object: its oid, size, and for a part its number and
** the part size (both 0 otherwise). */
struct signed_obj {
	char oid[65];
	uint64_t size, chunk;
	unsigned part;
};

/* Queues 403 ${msg}: 0, or -1 if it could not be. */
static int
refuse403(struct req *r, const char *msg)
{
	return (hub_error(r, 403, NULL, NULL, "%s", msg) == 0 ? 0 : -1);
}

/*
** The checks of a signed object URL for ${what} (for "upload", a part's
** when it names one): repo, namespace, oid, size, part, expiry and
** signature, into ${so}. 1; 0 with a refusal queued; -1.
*/
static int
signed_ok(struct req *r, const char *what, struct signed_obj *so)
{
	const char *ns = req_param(r, "ns"), *o = req_param(r, "oid");
	const char *sz = req_query(r, "size"), *ex = req_query(r, "expires");
	const char *sig = req_query(r, "sig"), *pt = req_query(r, "part");
	const char *ck = req_query(r, "chunk");
	char namebuf[HUBREPO_ID_MAX], id[HUBREPO_ID_MAX * 2], *end, w[64];
	const char *name = git_name(r, namebuf, sizeof(namebuf));
	unsigned long long v, part = 0, chunk = 0;
	long long exp;
	size_t i;
	int rc;

	if (name == NULL)
		return (hub_error(r, 404, "RepoNotFound", NULL,
			    "Repository not found") == 0
			? 0
			: -1);
	if ((rc = repo_allowed(r, ns, name, NULL)) != 1)
		return (rc);
	if (o == NULL || strlen(o) != 64 || sz == NULL || ex == NULL)
		return (refuse403(r,
		    "this is not an upload URL of this node: ask the LFS "
		    "batch endpoint for one"));
	for (i = 0; i < 64; i++)
		so->oid[i] =
		    (char)(o[i] >= 'A' && o[i] <= 'F' ? o[i] + 32 : o[i]);
	so->oid[64] = '\0';
	v = strtoull(sz, &end, 10);
	if (*end != '\0' || end == sz)
		return (refuse403(r, "a bad size"));
	if (strcmp(what, "upload") == 0 && (pt != NULL || ck != NULL)) {
		part = pt ? strtoull(pt, &end, 10) : 0;
		if (pt == NULL || *end != '\0' || ck == NULL)
			return (refuse403(r, "a bad part"));
		chunk = strtoull(ck, &end, 10);
		if (*end != '\0' || chunk == 0 || part == 0 ||
		    part > LFS_PARTS_MAX || (part - 1) * chunk >= v)
			return (refuse403(r, "a bad part"));
	}
	exp = strtoll(ex, &end, 10);
	snprintf(id, sizeof(id), "%s/%s", ns, name);
	signed_what(what, (unsigned)part, chunk, w);
	if (*end != '\0' ||
	    !hubpush_sign_ok(req_node(r)->sign_sk, w, id, so->oid, v, exp, sig,
		(long long)time(NULL)))
		return (hub_error(r, 403, NULL, NULL,
			    "this %s URL is not valid or has expired: ask the "
			    "LFS batch endpoint again",
			    what) == 0
			? 0
			: -1);
	so->size = v;
	so->part = (unsigned)part;
	so->chunk = chunk;
	return (1);
}

/*
** The body_limit of the upload route: refuses before the body a URL that
** is not signed for this object or part, a Content-Length that is not
** the size signed (400), a disk without room for it (507); otherwise
** starts the temp blob and streams the body into it. The limit: the size
** signed (of the part, for a part).
*/
size_t
lfs_object_begin(struct req *r)
{
	const char *cl = req_header(r, "Content-Length");
	struct err e = { 0 };
	struct signed_obj so;
	struct upload *u;
	uint64_t size;

	if (signed_ok(r, "upload", &so) != 1)
		return (0);
	size = so.size;
	if (so.part > 0) {
		size -= (uint64_t)(so.part - 1) * so.chunk;
		if (size > so.chunk)
			size = so.chunk;
	}
	if (cl != NULL && strtoull(cl, NULL, 10) != size) {
		hub_error(r, 400, NULL, NULL,
		    "the body is %s bytes, the %s %llu", cl,
		    so.part ? "part" : "object", (unsigned long long)size);
		return (0);
	}
	if (disk_refuses(r, size) != 0)
		return (0);
	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (so.part == 0 && (u->h = sha256_new()) == NULL) ||
	    (u->bw = blob_writer_new(hubcache_objects(req_hubs(r)), &e)) ==
		NULL) {
		if (u != NULL)
			sha256_free(u->h);
		free(u);
		hub_error(r, e.code == ERR_STORAGE ? 507 : 500, NULL, NULL,
		    "%s", e.msg[0] ? e.msg : "out of memory");
		return (0);
	}
	u->size = size;
	u->part = so.part;
	memcpy(u->oid, so.oid, sizeof(so.oid));
	req_set_state(r, u, upload_free);
	req_stream_body(r, upload_sink);
	return (size > 0 ? (size_t)size : 1);
}

/*
** PUT /datasets/{ns}/{repo}/info/lfs/objects/{oid}?size=N&expires=T&sig=S
** (the upload href of a batch answer; no token: the URL is the
** credential). Body: the object's bytes (Content-Length or chunked),
** streamed to disk. 200 {"oid","size"} once they are durable under their
** SHA-256; 400 not the size signed, or bytes whose SHA-256 is not {oid}
** (nothing kept); 403 a URL not signed for this or expired; 413 more
** than the size; 507 no room. With &part=P&chunk=C (a part URL of a
** multipart answer's header): the part's bytes, kept under their own
** SHA-256, answered 200 with that hash as the ETag the join names.
*/
int
receive_lfs_object(struct req *r)
{
	struct upload *u = req_state(r);
	uint8_t md[SHA256_LEN];
	struct err e = { 0 };
	char hex[65], got[65], etag[68];
	struct buf b = { 0 };
	int rc;

	if (u == NULL)
		return (hub_error(r, 500, NULL, NULL, "the upload was lost"));
	if (u->failed)
		return (hub_error(r, u->err.code == ERR_STORAGE ? 507 : 500,
		    NULL, NULL, "%s", u->err.msg));
	if (u->got != u->size)
		return (hub_error(r, 400, NULL, NULL,
		    "the upload held %llu bytes, not the %llu of the %s",
		    (unsigned long long)u->got, (unsigned long long)u->size,
		    u->part ? "part" : "object"));
	if (u->part == 0) {
		rc = sha256_final(u->h, md);
		u->h = NULL; /* freed either way */
		if (rc == -1)
			return (hub_error(r, 500, NULL, NULL, "cannot hash"));
		hex_encode(md, SHA256_LEN, got);
		if (strcmp(got, u->oid) != 0)
			return (hub_error(r, 400, NULL, NULL,
			    "the bytes' SHA-256 is %s, not the object's %s: "
			    "nothing was kept",
			    got, u->oid));
	}
	rc = blob_writer_commit(u->bw, hex, &e);
	u->bw = NULL;
	if (rc == -1)
		return (hub_error(r, e.code == ERR_STORAGE ? 507 : 500, NULL,
		    NULL, "%s", e.msg));
	if (u->part == 0)
		return (req_json(r, 200,
		    json_pack(
			"{s:s,s:I}", "oid", hex, "size", (json_int_t)u->size)));
	snprintf(etag, sizeof(etag), "\"%s\"", hex);
	if (buf_printf(&b, "{\"part\":%u,\"etag\":\"%s\"}", u->part, hex) == -1)
		return (-1);
	return (answer_json(r, 200, "application/json", etag, &b));
}

/*
** Joins the parts named by ${parts} (the join request's [{"partNumber",
** "etag"}], 1..N in order) of ${so}'s object into the object store: each
** part must be held whole, all but the last of the part size, and the
** bytes together must be ${so}'s size and SHA-256. 0, or -1 with ${e}
** (ERR_INVALID: the client's; ERR_STORAGE: the disk's).
*/
static int
join_parts(struct blobstore *bs, const struct signed_obj *so, json_t *parts,
    struct err *e)
{
	struct blob_writer *bw;
	struct sha256 *h;
	uint8_t md[SHA256_LEN];
	char path[4096], hex[65], got[65], *buf;
	uint64_t total = 0, chunk = 0;
	size_t i, n = json_array_size(parts), len, k;
	const char *et;
	struct stat sb;
	json_t *v;
	FILE *f;
	int rc = -1;

	if ((buf = malloc(1 << 16)) == NULL || (h = sha256_new()) == NULL) {
		free(buf);
		return (err_oom(e));
	}
	if ((bw = blob_writer_new(bs, e)) == NULL)
		goto out;
	json_array_foreach(parts, i, v)
	{
		et = json_string_value(json_object_get(v, "etag"));
		if (json_integer_value(json_object_get(v, "partNumber")) !=
			(json_int_t)(i + 1) ||
		    et == NULL) {
			err_set(e, ERR_INVALID,
			    "part %zu: send the parts in order, 1 to %zu, each "
			    "with the ETag its upload answered",
			    i + 1, n);
			goto out;
		}
		len = strlen(et);
		if (len == 66 && et[0] == '"' && et[65] == '"')
			et++, len -= 2;
		for (k = 0; k < 64 && k < len; k++)
			hex[k] = et[k];
		hex[k] = '\0';
		if (len != 64 || blob_path(bs, hex, path, sizeof(path)) == -1 ||
		    (f = fopen(path, "rb")) == NULL) {
			err_set(e, ERR_INVALID,
			    "part %zu (ETag %.70s) is not on this node: upload "
			    "it again",
			    i + 1, et);
			goto out;
		}
		if (fstat(fileno(f), &sb) == -1 ||
		    (i + 1 < n && chunk != 0 &&
			(uint64_t)sb.st_size != chunk)) {
			fclose(f);
			err_set(e, ERR_INVALID,
			    "part %zu is not of the part size", i + 1);
			goto out;
		}
		if (i == 0)
			chunk = (uint64_t)sb.st_size;
		while ((len = fread(buf, 1, 1 << 16, f)) > 0) {
			total += len;
			if (total > so->size) {
				fclose(f);
				err_set(e, ERR_INVALID,
				    "the parts hold more than the %llu bytes "
				    "of the object",
				    (unsigned long long)so->size);
				goto out;
			}
			if (sha256_update(h, buf, len) == -1 ||
			    blob_writer_write(bw, buf, len, e) == -1) {
				fclose(f);
				if (e->code == ERR_NONE)
					err_set(e, ERR_INTERNAL, "cannot hash");
				goto out;
			}
		}
		fclose(f);
	}
	if (total != so->size) {
		err_set(e, ERR_INVALID,
		    "the parts hold %llu bytes, not the %llu of the object",
		    (unsigned long long)total, (unsigned long long)so->size);
		goto out;
	}
	rc = sha256_final(h, md);
	h = NULL;
	if (rc == -1) {
		err_set(e, ERR_INTERNAL, "cannot hash");
		goto out;
	}
	rc = -1;
	hex_encode(md, SHA256_LEN, got);
	if (strcmp(got, so->oid) != 0) {
		err_set(e, ERR_INVALID,
		    "the parts' SHA-256 is %s, not the object's %s: nothing "
		    "was kept",
		    got, so->oid);
		goto out;
	}
	rc = blob_writer_commit(bw, hex, e);
	bw = NULL;
out:
	blob_writer_abort(bw);
	sha256_free(h);
	free(buf);
	return (rc);
}

/*
** POST /datasets/{ns}/{repo}/info/lfs/objects/{oid}?size&expires&sig (the
** href of a multipart batch answer: the URL is the credential)
** {"oid","parts":[{"partNumber","etag"}]}: joins the uploaded parts into
** the object, then drops the parts. 200 {"oid","size"}; 400 a bad body,
** a part missing or of the wrong size, bytes that are not the object;
** 403 as the upload; 507 no room.
*/
int
complete_lfs_object(struct req *r)
{
	struct blobstore *bs = hubcache_objects(req_hubs(r));
	struct signed_obj so;
	struct err e = { 0 };
	json_t *j, *parts, *v;
	struct db *db;
	const char *et;
	char hex[65];
	size_t i;
	int rc;

	if ((rc = signed_ok(r, "complete", &so)) != 1)
		return (rc);
	if ((j = req_json_body(r)) == NULL)
		return (0);
	parts = json_object_get(j, "parts");
	if (!json_is_array(parts) || json_array_size(parts) == 0 ||
	    json_array_size(parts) > LFS_PARTS_MAX)
		return (hub_error(r, 400, NULL, NULL,
		    "send {\"oid\",\"parts\":[{\"partNumber\",\"etag\"}]} "
		    "with 1 to %d parts",
		    LFS_PARTS_MAX));
	if (object_held(r, so.oid, so.size) != 1) {
		if (disk_refuses(r, so.size) != 0)
			return (0);
		if (join_parts(bs, &so, parts, &e) == -1)
			return (hub_error(r,
			    e.code == ERR_INVALID       ? 400
				: e.code == ERR_STORAGE ? 507
							: 500,
			    NULL, NULL, "%s", e.msg));
	}
	/* The parts are not needed any more (the sweep would remove them
	** later): each goes now unless a commit names the same bytes. */
	if ((db = req_db(r, &e)) != NULL)
		json_array_foreach(parts, i, v)
		{
			et = json_string_value(json_object_get(v, "etag"));
			if (et == NULL || strlen(et) < 64)
				continue;
			snprintf(hex, sizeof(hex), "%.64s",
			    et[0] == '"' ? et + 1 : et);
			if (strcmp(hex, so.oid) != 0 &&
			    blob_erase(bs, db, hex, &e) == -1)
				log_warn("hub object part %s: %s", hex, e.msg);
		}
	return (req_json(r, 200,
	    json_pack(
		"{s:s,s:I}", "oid", so.oid, "size", (json_int_t)so.size)));
}

/*
** POST /datasets/{ns}/{repo}/info/lfs/objects/{oid}/verify?size&expires&
** sig (the verify href of a batch answer; the URL is the credential; a
** body {"oid","size"} is read and ignored). 200 {"oid","size"} if the
** node holds the object with that size; 404 if not; 403 as the upload.
*/
int
verify_lfs_object(struct req *r)
{
	struct signed_obj so;
	int rc;

	if ((rc = signed_ok(r, "verify", &so)) != 1)
		return (rc);
	if (object_held(r, so.oid, so.size) != 1)
		return (hub_error(r, 404, NULL, NULL,
		    "object %s of %llu bytes is not on this node", so.oid,
		    (unsigned long long)so.size));
	return (req_json(r, 200,
	    json_pack(
		"{s:s,s:I}", "oid", so.oid, "size", (json_int_t)so.size)));
}

/* ---------------------------------------------------------------------
** POST /api/datasets/{ns}/{name}/commit/{rev}
*/

struct commit_state {
	struct hubcommit c;
	struct hubpush_commit pc;
};

static void
commit_state_free(void *p)
{
	struct commit_state *s = p;

	if (s != NULL)
		hubcommit_free(&s->c);
	free(s);
}

/* The commit body limit: --hub-max-commit. */
size_t
hub_commit_limit(struct req *r)
{
	return ((size_t)req_config(r)->hub_max_commit);
}

static int
commit_build(struct req *r, void *state, void **arg)
{
	struct commit_state *s = state;
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	const char *body, *why = NULL;
	struct hubtoken t;
	struct err e = { 0 };
	size_t n;
	int rc;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	if (req_query(r, "create_pr") != NULL &&
	    strcmp(req_query(r, "create_pr"), "0") != 0)
		return (hub_error(r, 400, NULL, NULL,
		    "this node takes no pull requests: commit to a branch"));
	body = req_body(r, &n);
	if ((rc = disk_refuses(r, n)) != 0)
		return (rc == 1 ? 0 : -1);
	if (hubcommit_parse(
		body, n, (size_t)req_config(r)->hub_max_files, &s->c, &e) == -1)
		return (hub_error(r, e.code == ERR_INTERNAL ? 500 : 400, NULL,
		    NULL, "%s", e.msg));
	if (hubcommit_store(hubcache_objects(req_hubs(r)), &s->c, &why, &e) ==
	    -1)
		return (hub_error(r,
		    e.code == ERR_INVALID ? 422 : http_status_for(e.code), NULL,
		    NULL, "the commit was refused whole: %s", e.msg));
	s->pc.name = name;
	s->pc.branch = req_param(r, "rev");
	s->pc.c = &s->c;
	s->pc.token_id = t.id;
	s->pc.max_files = (size_t)req_config(r)->hub_max_files;
	*arg = &s->pc;
	return (1);
}

static int
commit_failed(struct req *r, const struct writer_job *j)
{
	struct commit_state *s = req_state(r);

	return (answer_miss(r, s->pc.miss, &j->err));
}

static int
commit_answer(struct req *r, void *state)
{
	struct commit_state *s = state;
	char url[700];

	repo_url(r, s->pc.name, url, sizeof(url) - 60);
	snprintf(url + strlen(url), 60, "/commit/%s", s->pc.oid);
	return (req_json(r, 200,
	    json_pack("{s:b,s:s,s:s,s:s}", "success", 1, "commitOid", s->pc.oid,
		"commitUrl", url, "hookOutput", "")));
}

/*
** POST /api/datasets/{ns}/{name}/commit/{rev}: a push token for the repo.
** NDJSON (hubcommit_parse(): a header {"summary","description"?,
** "parentCommit"?}, then file (base64), lfsFile, deletedFile,
** deletedFolder lines, at most --hub-max-files) → 200 {"success":true,
** "commitOid","commitUrl":ORIGIN/datasets/NS/NAME/commit/OID,
** "hookOutput":""}: the branch {rev} now holds its head's files with the
** operations applied. 400 a bad body, a path both file and folder, too
** many files, a pull request; 401; 403; 404 RepoNotFound,
** RevisionNotFound (not a branch), EntryNotFound (deleting what is not
** there); 412 parentCommit is not the head; 422 an lfsFile whose object
** was never uploaded or has another size (nothing is committed); 507.
*/
int
commit_hub_files(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct commit_state),
		.state_free = commit_state_free,
		.build = commit_build,
		.job = hubpush_commit_job,
		.failed = commit_failed,
		.answer = commit_answer,
	};

	return (req_write(r, &w));
}

/* ---------------------------------------------------------------------
** History: super-squash, tags
*/

static int
squash_build(struct req *r, void *state, void **arg)
{
	struct hubpush_squash *s = state;
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	struct hubtoken t;
	json_t *j = NULL;
	size_t n;
	int rc;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	req_body(r, &n);
	if (n > 0 && (j = req_json_body(r)) == NULL)
		return (0);
	s->name = name;
	s->branch = req_param(r, "rev");
	s->message =
	    n > 0 ? json_string_value(json_object_get(j, "message")) : NULL;
	s->token_id = t.id;
	*arg = s;
	return (1);
}

static int
squash_failed(struct req *r, const struct writer_job *j)
{
	return (answer_miss(
	    r, ((struct hubpush_squash *)req_state(r))->miss, &j->err));
}

static int
squash_answer(struct req *r, void *state)
{
	struct hubpush_squash *s = state;

	return (req_json(r, 200, json_pack("{s:s}", "commitOid", s->oid)));
}

/*
** POST /api/datasets/{ns}/{name}/super-squash/{rev}: a push token for the
** repo. {"message"?} (or no body) → 200 {"commitOid"}: branch {rev} is
** one commit with its head's files and no parent, and every commit no
** branch or tag points at is gone. 401; 403; 404 RepoNotFound,
** RevisionNotFound (not a branch: a tag cannot be squashed).
*/
int
squash_hub_branch(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct hubpush_squash),
		.build = squash_build,
		.job = hubpush_squash_job,
		.failed = squash_failed,
		.answer = squash_answer,
	};

	return (req_write(r, &w));
}

static int
tag_build(struct req *r, void *state, void **arg)
{
	struct hubpush_tag *s = state;
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	struct hubtoken t;
	json_t *j;
	int rc;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	s->name = name;
	s->token_id = t.id;
	s->add = strcmp(req_method(r), "POST") == 0;
	if (s->add) {
		if ((j = req_json_body(r)) == NULL)
			return (0);
		s->rev = req_param(r, "rev");
		s->tag = json_string_value(json_object_get(j, "tag"));
		s->message = json_string_value(json_object_get(j, "message"));
		if (s->tag == NULL)
			return (hub_error(
			    r, 400, NULL, NULL, "send {\"tag\",\"message\"?}"));
	} else
		s->tag = req_param(r, "tag");
	*arg = s;
	return (1);
}

static int
tag_failed(struct req *r, const struct writer_job *j)
{
	return (answer_miss(
	    r, ((struct hubpush_tag *)req_state(r))->miss, &j->err));
}

static int
tag_answer(struct req *r, void *state)
{
	struct hubpush_tag *s = state;

	return (req_json(
	    r, 200, json_pack("{s:s,s:b}", "tag", s->tag, "deleted", !s->add)));
}

static const struct req_write tag_write = {
	.state_size = sizeof(struct hubpush_tag),
	.build = tag_build,
	.job = hubpush_tag_job,
	.failed = tag_failed,
	.answer = tag_answer,
};

/*
** POST /api/datasets/{ns}/{name}/tag/{rev}: a push token for the repo.
** {"tag","message"?} → 200 {"tag","deleted":false}: revision {rev} (a
** branch, a tag or a commit id) tagged. 400 a bad tag name; 401; 403;
** 404 RepoNotFound, RevisionNotFound; 409 the tag exists.
*/
int
tag_hub_revision(struct req *r)
{
	return (req_write(r, &tag_write));
}

/*
** DELETE /api/datasets/{ns}/{name}/tag/{tag}: a push token for the repo.
** No body → 200 {"tag","deleted":true}. 401; 403; 404 RepoNotFound,
** RevisionNotFound (no such tag).
*/
int
delete_hub_tag(struct req *r)
{
	return (req_write(r, &tag_write));
}

/* ---------------------------------------------------------------------
** LFS files: GET …/lfs-files, POST …/lfs-files/batch
*/

/*
** GET /api/datasets/{ns}/{name}/lfs-files: a push token for the repo.
** 200 [{"fileOid","oid","filename","size","pushedAt"}]: the LFS objects
** its commits use (all on one page); 401; 403; 404 RepoNotFound.
*/
int
list_hub_lfs_files(struct req *r)
{
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	enum hubpush_miss miss;
	struct hubtoken t;
	struct err e = { 0 };
	struct db *db;
	json_t *a;
	int rc;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	if ((db = req_db(r, &e)) == NULL)
		return (hub_error(r, 500, NULL, NULL, "%s", e.msg));
	if ((a = hubpush_lfs_files(db, name, &miss, &e)) == NULL)
		return (answer_miss(r, miss, &e));
	return (req_json(r, 200, a));
}

struct lfsdel_state {
	struct hubpush_lfs_delete d;
	json_t *body;
};

static void
lfsdel_free(void *p)
{
	struct lfsdel_state *s = p;

	if (s != NULL) {
		json_decref(s->body);
		json_decref(s->d.gone);
		json_decref(s->d.kept);
	}
	free(s);
}

static int
lfsdel_build(struct req *r, void *state, void **arg)
{
	struct lfsdel_state *s = state;
	const char *ns = req_param(r, "ns"), *name = req_param(r, "name");
	struct hubtoken t;
	json_t *sha, *v;
	size_t i;
	int rc;

	if ((rc = token_of(r, &t)) != 1 ||
	    (rc = repo_allowed(r, ns, name, &t)) != 1)
		return (rc);
	if ((s->body = json_incref(req_json_body(r))) == NULL)
		return (0);
	sha = json_object_get(json_object_get(s->body, "deletions"), "sha");
	if (!json_is_array(sha) || json_array_size(sha) > HUBLFS_OBJS_MAX)
		return (hub_error(r, 400, NULL, NULL,
		    "send {\"deletions\":{\"sha\":[oid…]}} (at most %d)",
		    HUBLFS_OBJS_MAX));
	json_array_foreach(sha, i, v) if (!json_is_string(v) ||
	    json_string_length(v) != 64 ||
	    strspn(json_string_value(v), "0123456789abcdef") !=
		64) return (hub_error(r, 400, NULL, NULL,
	    "an oid is 64 hex digits"));
	s->d.name = name;
	s->d.oids = sha;
	s->d.token_id = t.id;
	*arg = &s->d;
	return (1);
}

static int
lfsdel_failed(struct req *r, const struct writer_job *j)
{
	return (answer_miss(
	    r, ((struct lfsdel_state *)req_state(r))->d.miss, &j->err));
}

/* Deleted in the database: the files go now, each unless another repo
** still lists it (the sweep would keep it too). */
static int
lfsdel_answer(struct req *r, void *state)
{
	struct lfsdel_state *s = state;
	struct blobstore *bs = hubcache_objects(req_hubs(r));
	struct err e = { 0 };
	struct db *db;
	json_t *v;
	size_t i;

	if ((db = req_db(r, &e)) != NULL)
		json_array_foreach(s->d.gone, i, v)
		{
			if (blob_erase(bs, db, json_string_value(v), &e) == -1)
				log_warn("hub object %s: %s",
				    json_string_value(v), e.msg);
		}
	return (req_json(r, 200,
	    json_pack("{s:O,s:O}", "deleted", s->d.gone, "kept", s->d.kept)));
}

/*
** POST /api/datasets/{ns}/{name}/lfs-files/batch {"deletions":{"sha":
** [oid…],"rewriteHistory"?}}: a push token for the repo. Deletes the
** objects no commit uses any more (after a super-squash and the tags that
** held them deleted); one still used is kept. 200 {"deleted":[oid],
** "kept":[oid]}; 400; 401; 403; 404 RepoNotFound. Audited.
*/
int
delete_hub_lfs_files(struct req *r)
{
	static const struct req_write w = {
		.state_size = sizeof(struct lfsdel_state),
		.state_free = lfsdel_free,
		.build = lfsdel_build,
		.job = hubpush_lfs_delete_job,
		.failed = lfsdel_failed,
		.answer = lfsdel_answer,
	};

	return (req_write(r, &w));
}
