/*
** Releases as Hub repositories (hubrepo.h): which release a revision
** names, and everything about a release's files worked out once.
**
** A repo is built from its folder: manifest.json gives every file's path,
** size and SHA-256; the small files that are not LFS-tracked (the card,
** the manifest and its signature) are read once for their git blob id and
** checked against the manifest; the card's YAML front matter becomes
** cardData. Built repos are immutable and reference-counted; the cache
** keeps up to HUB_CACHE_MAX of them and drops the least recently used.
*/
#include "hubrepo.h"

#include <ctype.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "blob.h"
#include "crypto.h"
#include "text.h"
#include "yamldoc.h"

#define MANIFEST_MAX   (16u * 1024 * 1024)
#define CARD_MAX       (1024u * 1024)
#define SIG_MAX        4096
#define ROWS_MAX       1000 /* releases of one dataset looked at */
#define YAML_DEPTH_MAX 64

struct hubrepo {
	atomic_int refs;
	int64_t id; /* releases.id; minus hub_commits.id when pushed */
	int pushed; /* pushed (hubpush.h): files are in the object store */
	struct blobstore *objects; /* the store, when pushed */
	char *version, *dataset, *dir;
	char commit[41];
	struct hubentry *ents; /* sorted by path */
	size_t nents;
	char *info, *info_blobs, *summary; /* JSON, built once */
	size_t info_n, info_blobs_n, summary_n;
};

struct hubcache {
	char *dir, *ns;
	struct blobstore *objects; /* pushed files: DIR/hub-objects */
	pthread_mutex_t mu;        /* the slots */
	pthread_mutex_t build_mu;  /* one build at a time */
	struct hubrepo *slot[HUB_CACHE_MAX];
	uint64_t used[HUB_CACHE_MAX];
	uint64_t tick;
};

/* A release as the database has it. */
struct relrow {
	int64_t id, created_at, approved_at, repo_created_at;
	char version[72];
	char why[200];
	int approved, retired;
	int pushed;      /* a pushed repo's commit: id is minus its rowid */
	char title[256]; /* a pushed commit's summary */
};

static const char SQL_HUB_RELEASES[] =
    "SELECT r.id, r.version, r.state = 'approved', r.created_at, "
    "r.retired_at IS NOT NULL, coalesce(r.retired_why, ''), "
    "coalesce((SELECT max(at) FROM release_approvals "
    "WHERE release_id = r.id), r.created_at) "
    "FROM releases r WHERE r.dataset = ?1 ORDER BY r.id DESC LIMIT 1000";
/* The datasets served: those with a release served, and the repos
** pushed to the node; the most recently changed first. */
static const char SQL_HUB_DATASETS[] =
    "SELECT name FROM (SELECT dataset AS name, max(created_at) AS at "
    "FROM releases WHERE state = 'approved' AND retired_at IS NULL "
    "GROUP BY dataset UNION ALL SELECT r.name, coalesce(max(c.at), "
    "r.created_at) FROM hub_repos r LEFT JOIN hub_commits c ON "
    "c.repo_id = r.id GROUP BY r.id) GROUP BY name ORDER BY max(at) "
    "DESC, name";

/* ---------------------------------------------------------------------
** Small helpers
*/

/* The git object id of ${n} bytes of ${type} ("blob", "tree") at ${p}:
** SHA-1 of "TYPE LEN\0" and the bytes, in hex. 0, or -1. */
static int
git_oid(const char *type, const void *p, size_t n, char out[41])
{
	EVP_MD_CTX *ctx;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char head[48];
	int hn, ok;

	hn = snprintf(head, sizeof(head), "%s %zu", type, n) + 1;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, head, (size_t)hn) == 1 &&
	    EVP_DigestUpdate(ctx, p, n) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (-1);
	hex_encode(md, 20, out);
	return (0);
}

/* ${t} as the Hub writes dates: 2024-05-01T12:00:00.000Z. */
static void
iso_date(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

static int
is_hex40(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
			(s[i] >= 'a' && s[i] <= 'f')))
			return (0);
	return (s[40] == '\0');
}

int
hub_path_clean(char *path)
{
	size_t n = strlen(path), i, seg;

	if (n > 0 && path[0] == '/')
		memmove(path, path + 1, n--);
	if (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	if (n == 0 || n > HUB_PATH_MAX)
		return (-1);
	for (i = 0, seg = 0; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		if (i == seg || (i - seg == 1 && path[seg] == '.') ||
		    (i - seg == 2 && path[seg] == '.' && path[seg + 1] == '.'))
			return (-1);
		seg = i + 1;
	}
	return (0);
}

/* ---------------------------------------------------------------------
** The card's front matter as JSON (cardData)
*/

/* A plain YAML scalar as the core schema reads it: null, a boolean, an
** integer, a float, or else a string. NULL if out of memory. */
static json_t *
yaml_plain(const char *s)
{
	char *end;
	long long v;
	double d;
	size_t n = strlen(s);

	if (n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	    strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0)
		return (json_null());
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		return (json_true());
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		return (json_false());
	if (strspn(s + (s[0] == '-' || s[0] == '+'), "0123456789") ==
		n - (s[0] == '-' || s[0] == '+') &&
	    n > (size_t)(s[0] == '-' || s[0] == '+')) {
		v = strtoll(s, &end, 10);
		if (*end == '\0')
			return (json_integer(v));
	}
	if (strspn(s, "0123456789+-.eE") == n && strpbrk(s, "0123456789")) {
		d = strtod(s, &end);
		if (*end == '\0')
			return (json_real(d));
	}
	return (json_string(s));
}

/* YAML node ${nd} of ${y} as JSON, ${depth} deep; NULL if it cannot be
** (too deep, a key that is not a string, not UTF-8, out of memory). */
static json_t *
yaml_json(struct yamldoc *y, yaml_node_t *nd, int depth)
{
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	json_t *o, *v;
	const char *k, *s;

	if (nd == NULL || depth > YAML_DEPTH_MAX)
		return (NULL);
	switch (nd->type) {
	case YAML_SCALAR_NODE:
		if ((s = yamldoc_scalar(nd)) == NULL)
			return (NULL);
		if (nd->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return (yaml_plain(s));
		return (json_string(s));
	case YAML_SEQUENCE_NODE:
		o = json_array();
		for (it = nd->data.sequence.items.start;
		     o != NULL && it < nd->data.sequence.items.top; it++) {
			if ((v = yaml_json(
				 y, yamldoc_node(y, *it), depth + 1)) == NULL) {
				json_decref(o);
				return (NULL);
			}
			json_array_append_new(o, v);
		}
		return (o);
	case YAML_MAPPING_NODE:
		o = json_object();
		for (pr = nd->data.mapping.pairs.start;
		     o != NULL && pr < nd->data.mapping.pairs.top; pr++) {
			k = yamldoc_scalar(yamldoc_node(y, pr->key));
			v = k ? yaml_json(
				    y, yamldoc_node(y, pr->value), depth + 1)
			      : NULL;
			if (v == NULL || json_object_set_new(o, k, v) == -1) {
				json_decref(o);
				return (NULL);
			}
		}
		return (o);
	default: return (NULL);
	}
}

/* The front matter of card ${p} (${n} bytes) as JSON; {} when it has none
** or it cannot be read (a card is ours, but a repo without cardData is
** still a repo). NULL only out of memory. */
static json_t *
card_data(const char *p, size_t n)
{
	struct yamldoc y;
	struct err e = { 0 };
	const char *start, *end;
	json_t *j = NULL;

	if (n < 4 || strncmp(p, "---\n", 4) != 0)
		return (json_object());
	start = p + 4;
	if (strncmp(start, "---\n", 4) == 0)
		return (json_object());
	if ((end = memmem(start, n - 4, "\n---\n", 5)) == NULL &&
	    (end = memmem(start, n - 4, "\n---", 4)) == NULL)
		return (json_object());
	if (yamldoc_load(&y, start, (size_t)(end - start) + 1, "README.md", 2,
		"more than one YAML document", &e) == -1)
		return (json_object());
	j = yaml_json(&y, yamldoc_node(&y, 1), 0);
	yamldoc_free(&y);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		return (json_object());
	}
	return (j);
}

/* ---------------------------------------------------------------------
** Building a release's repo
*/

static void
repo_free(struct hubrepo *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nents; i++) {
		free((char *)h->ents[i].path);
		free(h->ents[i].json);
		free(h->ents[i].json_x);
	}
	free(h->ents);
	free(h->version);
	free(h->dataset);
	free(h->dir);
	free(h->info);
	free(h->info_blobs);
	free(h->summary);
	free(h);
}

static int
ent_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct hubentry *)a)->path,
	    ((const struct hubentry *)b)->path));
}

/* Adds entry ${path} (copied) to ${h}; its slot, or NULL. */
static struct hubentry *
ent_add(struct hubrepo *h, size_t *cap, const char *path, size_t len)
{
	struct hubentry *n;

	if (h->nents == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((n = realloc(h->ents, *cap * sizeof(*n))) == NULL)
			return (NULL);
		h->ents = n;
	}
	n = &h->ents[h->nents];
	memset(n, 0, sizeof(*n));
	if ((n->path = strndup(path, len)) == NULL)
		return (NULL);
	h->nents++;
	return (n);
}

/* Reads folder file ${name} of ${h} (at most ${max} bytes); *${p} freed
** by the caller. 0, or -1 with ${e} set. */
static int
read_small(const struct hubrepo *h, const char *name, size_t max, char **p,
    size_t *n, struct err *e)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", h->dir, name);
	return (text_read_file(path, max, p, n, e));
}

/* File entry ${f} from the bytes ${p} (${n}): size, SHA-256, blob id. */
static int
ent_from_bytes(struct hubentry *f, const char *p, size_t n, struct err *e)
{
	uint8_t md[SHA256_LEN];

	if (sha256_digest(p, n, md) == -1 ||
	    git_oid("blob", p, n, f->oid) == -1)
		return (err_set(e, ERR_INTERNAL, "cannot hash %s", f->path));
	hex_encode(md, SHA256_LEN, f->sha256);
	f->size = n;
	return (0);
}

/* The LFS pointer of ${f} and its blob id. */
static int
ent_lfs(struct hubentry *f)
{
	char ptr[200];
	int n;

	n = snprintf(ptr, sizeof(ptr),
	    "version https://git-lfs.github.com/spec/v1\noid sha256:%s\n"
	    "size %llu\n",
	    f->sha256, (unsigned long long)f->size);
	f->lfs = 1;
	f->pointer_size = (unsigned)n;
	return (git_oid("blob", ptr, (size_t)n, f->oid));
}

/* Does a path end in ${ext}? */
static int
ends_with(const char *s, const char *ext)
{
	size_t n = strlen(s), m = strlen(ext);

	return (n >= m && strcmp(s + n - m, ext) == 0);
}

/* A git tree entry's name order: a directory sorts as NAME/. */
struct child {
	const char *name;
	size_t len;
	int dir;
	const char *oid;
};

static int
child_cmp(const void *a, const void *b)
{
	const struct child *x = a, *y = b;
	size_t i, n = x->len < y->len ? x->len : y->len;
	int cx, cy;

	for (i = 0; i < n; i++)
		if (x->name[i] != y->name[i])
			return ((unsigned char)x->name[i] -
			    (unsigned char)y->name[i]);
	cx = i < x->len ? (unsigned char)x->name[i] : (x->dir ? '/' : 0);
	cy = i < y->len ? (unsigned char)y->name[i] : (y->dir ? '/' : 0);
	return (cx - cy);
}

/*
** The git tree id of the directory at entry ${d} (SIZE_MAX: the root),
** from its children's ids (deeper ones already done). 0, or -1.
*/
static int
tree_oid(struct hubrepo *h, size_t d, char out[41])
{
	const char *pre = d == (size_t)-1 ? "" : h->ents[d].path;
	size_t plen = strlen(pre), i, nc = 0, cap = 16;
	struct child *c, *nc2;
	struct buf b = { 0 };
	uint8_t raw[20];
	int rc = -1;

	if ((c = malloc(cap * sizeof(*c))) == NULL)
		return (-1);
	for (i = d == (size_t)-1 ? 0 : d + 1; i < h->nents; i++) {
		const char *p = h->ents[i].path;

		if (plen > 0 && (strncmp(p, pre, plen) != 0 || p[plen] != '/'))
			break;
		p += plen ? plen + 1 : 0;
		if (strchr(p, '/') != NULL)
			continue;
		if (nc == cap) {
			cap *= 2;
			if ((nc2 = realloc(c, cap * sizeof(*c))) == NULL)
				goto out;
			c = nc2;
		}
		c[nc].name = p;
		c[nc].len = strlen(p);
		c[nc].dir = h->ents[i].dir;
		c[nc].oid = h->ents[i].oid;
		nc++;
	}
	qsort(c, nc, sizeof(*c), child_cmp);
	for (i = 0; i < nc; i++) {
		if (buf_puts(&b, c[i].dir ? "40000 " : "100644 ") == -1 ||
		    buf_append(&b, c[i].name, c[i].len + 1) == -1 ||
		    hex_decode(c[i].oid, raw, 20) == -1 ||
		    buf_append(&b, raw, 20) == -1)
			goto out;
	}
	rc = git_oid("tree", b.p ? b.p : "", b.n, out);
out:
	buf_free(&b);
	free(c);
	return (rc);
}

/* Entry ${f}'s two tree-entry JSON texts. */
static int
ent_json(struct hubrepo *h, struct hubentry *f, const char *lastcommit)
{
	struct buf b = { 0 };

	if (buf_printf(&b,
		"{\"type\":\"%s\",\"oid\":\"%s\",\"size\":%llu,"
		"\"path\":\"",
		f->dir ? "directory" : "file", f->oid,
		(unsigned long long)f->size) == -1 ||
	    buf_json_str(&b, f->path, strlen(f->path)) == -1 ||
	    buf_puts(&b, "\"") == -1)
		goto fail;
	if (f->lfs &&
	    buf_printf(&b,
		",\"lfs\":{\"oid\":\"%s\",\"size\":%llu,"
		"\"pointerSize\":%u}",
		f->sha256, (unsigned long long)f->size, f->pointer_size) == -1)
		goto fail;
	f->json_n = b.n + 1;
	if (buf_puts(&b, "}") == -1 || (f->json = strdup(b.p)) == NULL)
		goto fail;
	b.n--;
	if (buf_printf(&b, ",\"lastCommit\":%s}", lastcommit) == -1)
		goto fail;
	f->json_xn = b.n;
	f->json_x = buf_take(&b);
	(void)h;
	return (f->json_x ? 0 : -1);
fail:
	buf_free(&b);
	return (-1);
}

/* The repo-info texts of ${h}: info, info with blobs, and the summary
** the datasets list gives. */
static int
repo_infos(
    struct hubrepo *h, const char *ns, const struct relrow *row, json_t *card)
{
	json_t *base, *tags, *v, *sib, *sibb, *s;
	char id[200], created[32], modified[32], _id[25];
	uint8_t md[SHA256_LEN];
	const char *key;
	size_t i;
	int rc = -1;

	snprintf(id, sizeof(id), "%s/%s", ns, h->dataset);
	if (sha256_digest(id, strlen(id), md) == -1)
		return (-1);
	hex_encode(md, 12, _id);
	iso_date(row->repo_created_at, created);
	iso_date(row->approved_at, modified);
	tags = json_array();
	if ((v = json_object_get(card, "license")) != NULL && json_is_string(v))
		json_array_append_new(
		    tags, json_sprintf("license:%s", json_string_value(v)));
	json_object_foreach(card, key, v)
	{
		size_t j;
		json_t *x;

		if (strcmp(key, "language") != 0 &&
		    strcmp(key, "task_categories") != 0 &&
		    strcmp(key, "size_categories") != 0 &&
		    strcmp(key, "tags") != 0)
			continue;
		if (json_is_string(v))
			json_array_append_new(tags,
			    strcmp(key, "tags") == 0
				? json_incref(v)
				: json_sprintf(
				      "%s:%s", key, json_string_value(v)));
		json_array_foreach(v, j, x) if (json_is_string(x))
		    json_array_append_new(tags,
			strcmp(key, "tags") == 0
			    ? json_incref(x)
			    : json_sprintf("%s:%s", key, json_string_value(x)));
	}
	json_array_append_new(tags, json_string("format:parquet"));
	base = json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:i,s:i,s:s,s:s,s:o}",
	    "_id", _id, "id", id, "author", ns, "sha", h->commit, "private", 0,
	    "gated", 0, "disabled", 0, "downloads", 0, "likes", 0,
	    "lastModified", modified, "createdAt", created, "tags", tags);
	if (base == NULL)
		return (-1);
	h->summary = json_dumps(base, JSON_COMPACT);
	json_object_set(base, "cardData", card);
	sib = json_array();
	sibb = json_array();
	for (i = 0; i < h->nents; i++) {
		const struct hubentry *f = &h->ents[i];

		if (f->dir)
			continue;
		json_array_append_new(
		    sib, json_pack("{s:s}", "rfilename", f->path));
		s = json_pack("{s:s,s:I,s:s}", "rfilename", f->path, "size",
		    (json_int_t)f->size, "blobId", f->oid);
		if (s != NULL && f->lfs)
			json_object_set_new(s, "lfs",
			    json_pack("{s:s,s:I,s:i}", "sha256", f->sha256,
				"size", (json_int_t)f->size, "pointerSize",
				(int)f->pointer_size));
		json_array_append_new(sibb, s);
	}
	json_object_set_new(base, "siblings", sib);
	h->info = json_dumps(base, JSON_COMPACT);
	json_object_set_new(base, "siblings", sibb);
	h->info_blobs = json_dumps(base, JSON_COMPACT);
	json_decref(base);
	if (h->summary != NULL && h->info != NULL && h->info_blobs != NULL) {
		h->summary_n = strlen(h->summary);
		h->info_n = strlen(h->info);
		h->info_blobs_n = strlen(h->info_blobs);
		rc = 0;
	}
	return (rc);
}

/* Adds every directory above the files of ${h}, once each. */
static int
repo_dirs(struct hubrepo *h, size_t *cap)
{
	size_t i, nfiles = h->nents;
	const char *p, *slash;
	struct hubentry *d;

	for (i = 0; i < nfiles; i++) {
		p = h->ents[i].path;
		for (slash = strchr(p, '/'); slash != NULL;
		     slash = strchr(slash + 1, '/')) {
			size_t len = (size_t)(slash - p), j;
			int seen = 0;

			/* Directories are few: look among those added. */
			for (j = nfiles; j < h->nents && !seen; j++)
				seen = strlen(h->ents[j].path) == len &&
				    strncmp(h->ents[j].path, p, len) == 0;
			if (seen)
				continue;
			if (h->nents - nfiles >= 4096 ||
			    (d = ent_add(h, cap, p, len)) == NULL)
				return (-1);
			d->dir = 1;
		}
	}
	return (0);
}

/*
** Builds the repo of release ${row} of ${dataset} from its folder. The
** repo, or NULL with ${e} set: ERR_NOT_FOUND (no folder or manifest),
** ERR_STORAGE (a file differs from the manifest, or is unreadable),
** ERR_INVALID (a manifest we cannot serve), ERR_INTERNAL.
*/
static struct hubrepo *
repo_build(struct hubcache *c, const char *dataset, const struct relrow *row,
    struct err *e)
{
	struct hubrepo *h;
	struct hubentry *f;
	json_t *m = NULL, *files, *x, *card = NULL;
	char *text = NULL, *small = NULL, lastc[256], date[32];
	uint8_t md[SHA256_LEN];
	size_t n, sn, i, cap = 0;
	json_error_t je;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		err_oom(e);
		return (NULL);
	}
	atomic_init(&h->refs, 1);
	h->id = row->id;
	if ((h->version = strdup(row->version)) == NULL ||
	    (h->dataset = strdup(dataset)) == NULL ||
	    asprintf(&h->dir, "%s/releases/%s", c->dir, row->version) == -1) {
		h->dir = NULL;
		err_oom(e);
		goto fail;
	}
	if (read_small(h, "manifest.json", MANIFEST_MAX, &text, &n, e) == -1)
		goto fail;
	if (sha256_digest(text, n, md) == -1) {
		err_set(e, ERR_INTERNAL, "cannot hash the manifest");
		goto fail;
	}
	hex_encode(md, 20, h->commit);
	if ((m = json_loadb(text, n, 0, &je)) == NULL ||
	    !json_is_array(files = json_object_get(m, "files")) ||
	    json_array_size(files) > HUB_FILES_MAX) {
		err_set(e, ERR_INVALID,
		    "release %s: its manifest lists no files we can serve",
		    row->version);
		goto fail;
	}
	json_array_foreach(files, i, x)
	{
		const char *p = json_string_value(json_object_get(x, "path"));
		const char *sha =
		    json_string_value(json_object_get(x, "sha256"));
		json_t *by = json_object_get(x, "bytes");
		char clean[HUB_PATH_MAX + 2];

		if (p == NULL || sha == NULL || strlen(sha) != 64 ||
		    strspn(sha, "0123456789abcdef") != 64 ||
		    !json_is_integer(by) || json_integer_value(by) < 0 ||
		    strlen(p) > HUB_PATH_MAX ||
		    snprintf(clean, sizeof(clean), "%s", p) < 0 ||
		    hub_path_clean(clean) == -1 || strcmp(clean, p) != 0 ||
		    strcmp(p, "manifest.json") == 0 ||
		    strcmp(p, "manifest.sig") == 0) {
			err_set(e, ERR_INVALID,
			    "release %s: its manifest has a file entry we "
			    "cannot serve (%zu)",
			    row->version, i);
			goto fail;
		}
		if ((f = ent_add(h, &cap, p, strlen(p))) == NULL) {
			err_oom(e);
			goto fail;
		}
		f->size = (uint64_t)json_integer_value(by);
		memcpy(f->sha256, sha, 65);
		if (ends_with(p, ".parquet") || f->size >= HUB_LFS_MIN) {
			if (ent_lfs(f) == -1) {
				err_set(e, ERR_INTERNAL, "cannot hash");
				goto fail;
			}
			continue;
		}
		/* A small file: read for its blob id, checked as we go. */
		if (read_small(h, p, HUB_LFS_MIN, &small, &sn, e) == -1)
			goto fail;
		if (ent_from_bytes(f, small, sn, e) == -1)
			goto fail;
		if (strcmp(f->sha256, sha) != 0 ||
		    f->size != (uint64_t)json_integer_value(by)) {
			err_set(e, ERR_STORAGE,
			    "release %s: %s differs from its manifest",
			    row->version, p);
			goto fail;
		}
		if (strcmp(p, "README.md") == 0 &&
		    (card = card_data(small, sn)) == NULL) {
			err_oom(e);
			goto fail;
		}
		free(small);
		small = NULL;
	}
	if ((f = ent_add(h, &cap, "manifest.json", 13)) == NULL ||
	    ent_from_bytes(f, text, n, e) == -1) {
		if (f == NULL)
			err_oom(e);
		goto fail;
	}
	if (read_small(h, "manifest.sig", SIG_MAX, &small, &sn, e) == -1 ||
	    (f = ent_add(h, &cap, "manifest.sig", 12)) == NULL ||
	    ent_from_bytes(f, small, sn, e) == -1) {
		if (e->code == ERR_NONE)
			err_oom(e);
		goto fail;
	}
	free(small);
	small = NULL;
	if (repo_dirs(h, &cap) == -1) {
		err_set(e, ERR_INVALID, "release %s: too many folders",
		    row->version);
		goto fail;
	}
	qsort(h->ents, h->nents, sizeof(*h->ents), ent_cmp);
	for (i = 1; i < h->nents; i++)
		if (strcmp(h->ents[i - 1].path, h->ents[i].path) == 0) {
			err_set(e, ERR_INVALID,
			    "release %s: its manifest names %s twice",
			    row->version, h->ents[i].path);
			goto fail;
		}
	/* Directories from the deepest up: a subfolder sorts after its
	** parent, so walking backwards meets children first. */
	for (i = h->nents; i-- > 0;)
		if (h->ents[i].dir && tree_oid(h, i, h->ents[i].oid) == -1) {
			err_oom(e);
			goto fail;
		}
	iso_date(row->approved_at, date);
	snprintf(lastc, sizeof(lastc),
	    "{\"id\":\"%s\",\"title\":\"Release %s\",\"date\":\"%s\"}",
	    h->commit, row->version, date);
	for (i = 0; i < h->nents; i++)
		if (ent_json(h, &h->ents[i], lastc) == -1) {
			err_oom(e);
			goto fail;
		}
	if (card == NULL && (card = json_object()) == NULL) {
		err_oom(e);
		goto fail;
	}
	if (repo_infos(h, c->ns, row, card) == -1) {
		err_oom(e);
		goto fail;
	}
	json_decref(card);
	json_decref(m);
	free(text);
	return (h);
fail:
	json_decref(card);
	json_decref(m);
	free(text);
	free(small);
	repo_free(h);
	return (NULL);
}

/* ---------------------------------------------------------------------
** Building a pushed repo's commit (hubpush.h)
*/

static const char SQL_PUSHED_REPO[] =
    "SELECT id, created_at FROM hub_repos WHERE name = ?1";
/* A branch before a tag of the same name ('branch' < 'tag'). */
static const char SQL_PUSHED_REF[] =
    "SELECT c.id, c.oid, c.summary, c.at FROM hub_refs r JOIN hub_commits "
    "c ON c.id = r.commit_id WHERE r.repo_id = ?1 AND r.name = ?2 "
    "ORDER BY r.kind LIMIT 1";
static const char SQL_PUSHED_COMMIT[] =
    "SELECT id, oid, summary, at FROM hub_commits WHERE repo_id = ?1 AND "
    "oid = ?2";
static const char SQL_PUSHED_FILES[] =
    "SELECT path, sha256, size, lfs, oid FROM hub_commit_files "
    "WHERE commit_id = ?1 ORDER BY path";

/*
** Builds the repo of pushed commit ${row} (id minus its rowid) of
** ${dataset} from its file rows. The card (README.md, when not LFS) is
** read from the object store for cardData. The repo, or NULL with ${e}
** set (ERR_STORAGE, ERR_INVALID, ERR_INTERNAL).
*/
static struct hubrepo *
pushed_build(struct hubcache *c, struct db *db, const char *dataset,
    const struct relrow *row, struct err *e)
{
	struct hubrepo *h;
	struct hubentry *f;
	sqlite3_stmt *st;
	json_t *card = NULL;
	struct buf lc = { 0 };
	char *small = NULL, date[32], path[4096];
	size_t sn, i, cap = 0;
	int rc;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		err_oom(e);
		return (NULL);
	}
	atomic_init(&h->refs, 1);
	h->id = row->id;
	h->pushed = 1;
	h->objects = c->objects;
	snprintf(h->commit, sizeof(h->commit), "%.40s", row->version);
	if ((h->version = strdup(row->version)) == NULL ||
	    (h->dataset = strdup(dataset)) == NULL ||
	    asprintf(&h->dir, "%s/hub-objects", c->dir) == -1) {
		h->dir = NULL;
		err_oom(e);
		goto fail;
	}
	if ((st = db_prepare(db, SQL_PUSHED_FILES, e)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, -row->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (h->nents >= HUB_FILES_MAX ||
		    (f = ent_add(h, &cap,
			 (const char *)sqlite3_column_text(st, 0),
			 (size_t)sqlite3_column_bytes(st, 0))) == NULL) {
			sqlite3_reset(st);
			err_set(e,
			    h->nents >= HUB_FILES_MAX ? ERR_INVALID
						      : ERR_INTERNAL,
			    "commit %s: too many files or out of memory",
			    row->version);
			goto fail;
		}
		snprintf(f->sha256, sizeof(f->sha256), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		f->size = (uint64_t)sqlite3_column_int64(st, 2);
		snprintf(f->oid, sizeof(f->oid), "%s",
		    (const char *)sqlite3_column_text(st, 4));
		if (sqlite3_column_int(st, 3) && ent_lfs(f) == -1) {
			sqlite3_reset(st);
			err_set(e, ERR_INTERNAL, "cannot hash");
			goto fail;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_err(db, e, "a pushed commit's files");
		goto fail;
	}
	f = NULL;
	for (i = 0; i < h->nents; i++)
		if (strcmp(h->ents[i].path, "README.md") == 0 &&
		    !h->ents[i].lfs && h->ents[i].size <= CARD_MAX)
			f = &h->ents[i];
	if (f != NULL &&
	    blob_path(c->objects, f->sha256, path, sizeof(path)) == 0 &&
	    text_read_file(path, CARD_MAX, &small, &sn, e) == 0) {
		if ((card = card_data(small, sn)) == NULL) {
			err_oom(e);
			goto fail;
		}
	}
	*e = (struct err){ 0 }; /* a card we cannot read: no cardData */
	free(small);
	small = NULL;
	if (repo_dirs(h, &cap) == -1) {
		err_set(e, ERR_INVALID, "commit %s: too many folders",
		    row->version);
		goto fail;
	}
	if (h->nents > 0) /* a new repo's first commit holds nothing */
		qsort(h->ents, h->nents, sizeof(*h->ents), ent_cmp);
	for (i = h->nents; i-- > 0;)
		if (h->ents[i].dir && tree_oid(h, i, h->ents[i].oid) == -1) {
			err_oom(e);
			goto fail;
		}
	iso_date(row->approved_at, date);
	if (buf_printf(&lc, "{\"id\":\"%s\",\"title\":\"", h->commit) == -1 ||
	    buf_json_str(&lc, row->title, strlen(row->title)) == -1 ||
	    buf_printf(&lc, "\",\"date\":\"%s\"}", date) == -1) {
		err_oom(e);
		goto fail;
	}
	for (i = 0; i < h->nents; i++)
		if (ent_json(h, &h->ents[i], lc.p) == -1) {
			err_oom(e);
			goto fail;
		}
	if (card == NULL && (card = json_object()) == NULL) {
		err_oom(e);
		goto fail;
	}
	if (repo_infos(h, c->ns, row, card) == -1) {
		err_oom(e);
		goto fail;
	}
	json_decref(card);
	buf_free(&lc);
	return (h);
fail:
	json_decref(card);
	buf_free(&lc);
	free(small);
	repo_free(h);
	return (NULL);
}

/* ---------------------------------------------------------------------
** The cache
*/

struct blobstore *
hubcache_open_objects(const char *dir, struct err *e)
{
	char path[4096];

	struct blobstore *bs;

	snprintf(path, sizeof(path), "%s/hub-objects", dir);
	if ((bs = blob_open(path, e)) != NULL)
		blob_refs_hub(bs);
	return (bs);
}

struct blobstore *
hubcache_objects(const struct hubcache *c)
{
	return (c->objects);
}

struct hubcache *
hubcache_new(const char *dir, const char *ns, struct err *e)
{
	struct hubcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->dir = strdup(dir)) == NULL || (c->ns = strdup(ns)) == NULL) {
		if (c != NULL)
			free(c->dir);
		free(c);
		err_oom(e);
		return (NULL);
	}
	if ((c->objects = hubcache_open_objects(dir, e)) == NULL) {
		free(c->dir);
		free(c->ns);
		free(c);
		return (NULL);
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->build_mu, NULL);
	return (c);
}

void
hubcache_free(struct hubcache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < HUB_CACHE_MAX; i++)
		hubrepo_close(c->slot[i]);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->build_mu);
	blob_close(c->objects);
	free(c->dir);
	free(c->ns);
	free(c);
}

const char *
hubcache_namespace(const struct hubcache *c)
{
	return (c->ns);
}

void
hubrepo_close(struct hubrepo *h)
{
	if (h != NULL && atomic_fetch_sub(&h->refs, 1) == 1)
		repo_free(h);
}

/* The repo of ${row} held by the cache, a reference taken, or NULL. */
static struct hubrepo *
cache_find(struct hubcache *c, const struct relrow *row)
{
	struct hubrepo *h = NULL;
	size_t i;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < HUB_CACHE_MAX; i++)
		if (c->slot[i] != NULL && c->slot[i]->id == row->id &&
		    strcmp(c->slot[i]->version, row->version) == 0) {
			h = c->slot[i];
			atomic_fetch_add(&h->refs, 1);
			c->used[i] = ++c->tick;
			break;
		}
	pthread_mutex_unlock(&c->mu);
	return (h);
}

/* The repo of release ${row}, from the cache or built into it; a
** reference for the caller. NULL with ${e} set. */
static struct hubrepo *
cache_get(struct hubcache *c, struct db *db, const char *dataset,
    const struct relrow *row, struct err *e)
{
	struct hubrepo *h, *old = NULL;
	size_t i, v = 0;

	if ((h = cache_find(c, row)) != NULL)
		return (h);
	pthread_mutex_lock(&c->build_mu);
	if ((h = cache_find(c, row)) == NULL &&
	    (h = row->pushed ? pushed_build(c, db, dataset, row, e)
			     : repo_build(c, dataset, row, e)) != NULL) {
		pthread_mutex_lock(&c->mu);
		for (i = 0; i < HUB_CACHE_MAX; i++) {
			if (c->slot[i] == NULL) {
				v = i;
				break;
			}
			if (c->used[i] < c->used[v])
				v = i;
		}
		old = c->slot[v];
		c->slot[v] = h;
		c->used[v] = ++c->tick;
		atomic_fetch_add(&h->refs, 1); /* the cache's */
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&c->build_mu);
	hubrepo_close(old);
	return (h);
}

/* The releases of ${dataset}, newest first, into ${rows} (ROWS_MAX). */
static int
dataset_rows(struct db *db, const char *dataset, struct relrow *rows, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st;
	int64_t first = 0;
	size_t i;
	int rc;

	*n = 0;
	if ((st = db_prepare(db, SQL_HUB_RELEASES, e)) == NULL)
		return (-1);
	sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
	while (*n < ROWS_MAX && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct relrow *r = &rows[*n];

		r->id = sqlite3_column_int64(st, 0);
		snprintf(r->version, sizeof(r->version), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		r->approved = sqlite3_column_int(st, 2);
		r->created_at = sqlite3_column_int64(st, 3);
		r->retired = sqlite3_column_int(st, 4);
		snprintf(r->why, sizeof(r->why), "%s",
		    (const char *)sqlite3_column_text(st, 5));
		r->approved_at = sqlite3_column_int64(st, 6);
		(*n)++;
	}
	sqlite3_reset(st);
	/* The repo was created with the dataset's first release (of those
	** up to each one, so an answer never changes). */
	for (i = *n; i-- > 0;) {
		if (first == 0 || rows[i].created_at < first)
			first = rows[i].created_at;
		rows[i].repo_created_at = first;
	}
	return (0);
}

/*
** hubrepo_open() for a dataset no release names: the pushed repo
** ${dataset}, at revision ${rev} (HEAD is main; a branch, a tag, or one
** of its commit ids). As hubrepo_open().
*/
static struct hubrepo *
pushed_open(struct hubcache *c, struct db *db, const char *dataset,
    const char *rev, enum hub_miss *miss, char *why, size_t whylen,
    struct err *e)
{
	struct relrow row;
	sqlite3_stmt *st;
	int64_t repo = 0, created = 0;
	int rc;

	memset(&row, 0, sizeof(row));
	if ((st = db_prepare(db, SQL_PUSHED_REPO, e)) == NULL)
		return (NULL);
	sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		repo = sqlite3_column_int64(st, 0);
		created = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(db, e, "the pushed repos");
		return (NULL);
	}
	if (rc == SQLITE_DONE) {
		*miss = HUB_REPO_NOT_FOUND;
		snprintf(why, whylen, "no dataset %s/%s on this node", c->ns,
		    dataset);
		return (NULL);
	}
	if ((st = db_prepare(
		 db, is_hex40(rev) ? SQL_PUSHED_COMMIT : SQL_PUSHED_REF, e)) ==
	    NULL)
		return (NULL);
	sqlite3_bind_int64(st, 1, repo);
	sqlite3_bind_text(
	    st, 2, strcmp(rev, "HEAD") == 0 ? "main" : rev, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.id = -sqlite3_column_int64(st, 0);
		snprintf(row.version, sizeof(row.version), "%s",
		    (const char *)sqlite3_column_text(st, 1));
		snprintf(row.title, sizeof(row.title), "%s",
		    (const char *)sqlite3_column_text(st, 2));
		row.approved_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_err(db, e, "the pushed commits");
		return (NULL);
	}
	if (rc == SQLITE_DONE) {
		*miss = HUB_REVISION_NOT_FOUND;
		snprintf(why, whylen, "no revision %.100s of %s/%s", rev, c->ns,
		    dataset);
		return (NULL);
	}
	row.pushed = 1;
	row.approved = 1;
	row.created_at = row.repo_created_at = created;
	return (cache_get(c, db, dataset, &row, e));
}

struct hubrepo *
hubrepo_open(struct hubcache *c, struct db *db, const char *dataset,
    const char *rev, enum hub_miss *miss, char *why, size_t whylen,
    struct err *e)
{
	struct relrow *rows, *pick = NULL, *latest = NULL;
	struct hubrepo *h = NULL;
	size_t n, i, approved = 0;

	*miss = HUB_FOUND;
	if ((rows = calloc(ROWS_MAX, sizeof(*rows))) == NULL) {
		err_oom(e);
		return (NULL);
	}
	if (dataset_rows(db, dataset, rows, &n, e) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		approved += rows[i].approved;
		if (latest == NULL && rows[i].approved && !rows[i].retired)
			latest = &rows[i];
	}
	if (approved == 0) {
		/* No release of that name: a pushed repo, or nothing. */
		free(rows);
		return (pushed_open(c, db, dataset, rev, miss, why, whylen, e));
	}
	if (strcmp(rev, "main") == 0 || strcmp(rev, "HEAD") == 0) {
		if ((pick = latest) == NULL) {
			*miss = HUB_REVISION_NOT_FOUND;
			snprintf(why, whylen,
			    "no release of %s is served now: every one was "
			    "retired",
			    dataset);
			goto out;
		}
	} else if (is_hex40(rev)) {
		for (i = 0; i < n && pick == NULL; i++) {
			if (!rows[i].approved)
				continue;
			if ((h = cache_get(c, db, dataset, &rows[i], e)) ==
			    NULL) {
				if (e->code == ERR_NOT_FOUND) {
					*e = (struct err){ 0 };
					continue; /* no folder: no commit */
				}
				goto out;
			}
			if (strcmp(h->commit, rev) == 0)
				pick = &rows[i];
			else {
				hubrepo_close(h);
				h = NULL;
			}
		}
	} else
		for (i = 0; i < n && pick == NULL; i++)
			if (rows[i].approved &&
			    (strcmp(rows[i].version, rev) == 0 ||
				(rev[0] == 'v' &&
				    strcmp(rows[i].version, rev + 1) == 0)))
				pick = &rows[i];
	if (pick == NULL) {
		*miss = HUB_REVISION_NOT_FOUND;
		snprintf(why, whylen, "no revision %.100s of %s/%s", rev, c->ns,
		    dataset);
		goto out;
	}
	if (pick->retired) {
		hubrepo_close(h);
		h = NULL;
		*miss = HUB_REVISION_NOT_FOUND;
		if (latest != NULL)
			snprintf(why, whylen,
			    "release %s of %s was retired (%s); its successor "
			    "is %s",
			    pick->version, dataset, pick->why, latest->version);
		else
			snprintf(why, whylen,
			    "release %s of %s was retired (%s); no release "
			    "replaces it yet",
			    pick->version, dataset, pick->why);
		goto out;
	}
	if (h == NULL && (h = cache_get(c, db, dataset, pick, e)) == NULL &&
	    e->code == ERR_NOT_FOUND) {
		/* Approved but its folder is gone: not servable. */
		*miss = HUB_REVISION_NOT_FOUND;
		snprintf(why, whylen, "release %s of %s is not on this node",
		    pick->version, dataset);
		*e = (struct err){ 0 };
	}
out:
	free(rows);
	return (h);
}

const char *
hubrepo_commit(const struct hubrepo *h)
{
	return (h->commit);
}

const char *
hubrepo_version(const struct hubrepo *h)
{
	return (h->version);
}

const char *
hubrepo_dir(const struct hubrepo *h)
{
	return (h->dir);
}

int
hubrepo_file_path(
    const struct hubrepo *h, const struct hubentry *f, char *out, size_t n)
{
	int w;

	if (h->pushed)
		return (blob_path(h->objects, f->sha256, out, n));
	w = snprintf(out, n, "%s/%s", h->dir, f->path);
	return (w < 0 || (size_t)w >= n ? -1 : 0);
}

/* The index of the first entry whose path is not less than ${path}. */
static size_t
lower_bound(const struct hubrepo *h, const char *path)
{
	size_t lo = 0, hi = h->nents, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(h->ents[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

const struct hubentry *
hubrepo_find(const struct hubrepo *h, const char *path)
{
	size_t i = lower_bound(h, path);

	if (i < h->nents && strcmp(h->ents[i].path, path) == 0)
		return (&h->ents[i]);
	return (NULL);
}

int
hubrepo_info(const struct hubrepo *h, int blobs, struct buf *out)
{
	return (blobs ? buf_append(out, h->info_blobs, h->info_blobs_n)
		      : buf_append(out, h->info, h->info_n));
}

int
hubrepo_tree(const struct hubrepo *h, const char *path, int recursive,
    int expand, size_t offset, size_t limit, struct buf *out, size_t *next)
{
	const struct hubentry *d = NULL;
	size_t plen = strlen(path), i, k = 0, sent = 0;
	const char *p;

	*next = 0;
	if (plen > 0 && ((d = hubrepo_find(h, path)) == NULL || !d->dir))
		return (1);
	if (buf_puts(out, "[") == -1)
		return (-1);
	for (i = d ? (size_t)(d - h->ents) + 1 : 0; i < h->nents; i++) {
		p = h->ents[i].path;
		if (plen > 0) {
			if (strncmp(p, path, plen) != 0 || p[plen] != '/')
				break; /* past the folder (sorted) */
			p += plen + 1;
		}
		if (!recursive && strchr(p, '/') != NULL)
			continue;
		if (k++ < offset)
			continue;
		if (sent == limit) {
			*next = offset + sent;
			break;
		}
		if ((sent++ > 0 && buf_puts(out, ",") == -1) ||
		    buf_append(out,
			expand ? h->ents[i].json_x : h->ents[i].json,
			expand ? h->ents[i].json_xn : h->ents[i].json_n) == -1)
			return (-1);
	}
	return (buf_puts(out, "]"));
}

int
hubrepo_paths_info(
    const struct hubrepo *h, const struct hubpaths *hp, struct buf *out)
{
	const struct hubentry *f;
	size_t i, j, sent = 0;
	char *clean;
	int dup;

	if (buf_puts(out, "[") == -1)
		return (-1);
	for (i = 0; i < hp->n; i++) {
		if ((clean = strdup(hp->paths[i])) == NULL)
			return (-1);
		f = hub_path_clean(clean) == 0 ? hubrepo_find(h, clean) : NULL;
		free(clean);
		if (f == NULL)
			continue;
		for (j = 0, dup = 0; j < i && !dup; j++)
			dup = strcmp(hp->paths[j], hp->paths[i]) == 0;
		if (dup)
			continue;
		if ((sent++ > 0 && buf_puts(out, ",") == -1) ||
		    buf_append(out, hp->expand ? f->json_x : f->json,
			hp->expand ? f->json_xn : f->json_n) == -1)
			return (-1);
	}
	return (buf_puts(out, "]"));
}

/* ---------------------------------------------------------------------
** The paths-info body (outside input)
*/

void
hubpaths_free(struct hubpaths *hp)
{
	free(hp->paths);
	free(hp->mem);
	memset(hp, 0, sizeof(*hp));
}

/* Is the form value ${v} (${n} bytes, decoded) a yes? */
static int
form_yes(const char *v, size_t n)
{
	return ((n == 4 && strncasecmp(v, "true", 4) == 0) ||
	    (n == 1 && v[0] == '1'));
}

/* Decodes the ${n} form bytes at ${p} ('+' a space, %HH) to ${out},
** NUL-ended; its length, or -1 on a bad escape or a NUL. */
static long
form_decode(const char *p, size_t n, char *out)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (p[i] == '+')
			out[o++] = ' ';
		else if (p[i] == '%') {
			if (n - i < 3 ||
			    (hi = hex_digit((unsigned char)p[i + 1])) < 0 ||
			    (lo = hex_digit((unsigned char)p[i + 2])) < 0 ||
			    (hi == 0 && lo == 0))
				return (-1);
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (p[i] == '\0')
			return (-1);
		else
			out[o++] = p[i];
	}
	out[o] = '\0';
	return ((long)o);
}

int
hubpaths_parse(
    const char *p, size_t n, int form, struct hubpaths *out, struct err *e)
{
	json_t *j = NULL, *a, *v;
	json_error_t je;
	size_t i, used = 0, len;
	const char *amp, *eq, *end = p + n, *s;
	long dn;

	memset(out, 0, sizeof(*out));
	/* Decoded text is never longer than its source, and every path
	** needs one NUL: n + HUB_PATHS_MAX + 1 bytes hold them all. */
	if ((out->mem = malloc(n + HUB_PATHS_MAX + 1)) == NULL ||
	    (out->paths = calloc(HUB_PATHS_MAX, sizeof(char *))) == NULL)
		goto oom;
	if (!form) {
		if ((j = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je)) ==
			NULL ||
		    !json_is_object(j)) {
			err_set(e, ERR_INVALID,
			    "send {\"paths\":[...],\"expand\":BOOL}");
			goto fail;
		}
		a = json_object_get(j, "paths");
		if (!json_is_array(a) || json_array_size(a) > HUB_PATHS_MAX) {
			err_set(e, ERR_INVALID,
			    "paths must be a list of at most %d paths",
			    HUB_PATHS_MAX);
			goto fail;
		}
		v = json_object_get(j, "expand");
		if (v != NULL && !json_is_boolean(v) && !json_is_null(v)) {
			err_set(e, ERR_INVALID, "expand must be true or false");
			goto fail;
		}
		out->expand = json_is_true(v);
		json_array_foreach(a, i, v)
		{
			if ((s = json_string_value(v)) == NULL ||
			    (len = json_string_length(v)) > HUB_PATH_MAX ||
			    memchr(s, '\0', len) != NULL) {
				err_set(e, ERR_INVALID,
				    "each path is a string of at most %d bytes",
				    HUB_PATH_MAX);
				goto fail;
			}
			out->paths[out->n++] =
			    memcpy(out->mem + used, s, len + 1);
			used += len + 1;
		}
		json_decref(j);
		return (0);
	}
	for (s = p; s < end; s = amp + 1) {
		if ((amp = memchr(s, '&', (size_t)(end - s))) == NULL)
			amp = end;
		if (amp == s)
			continue;
		if ((eq = memchr(s, '=', (size_t)(amp - s))) == NULL)
			eq = amp;
		if ((size_t)(eq - s) == 5 && memcmp(s, "paths", 5) == 0) {
			if (out->n == HUB_PATHS_MAX) {
				err_set(e, ERR_INVALID,
				    "at most %d paths at once", HUB_PATHS_MAX);
				goto fail;
			}
			len = eq < amp ? (size_t)(amp - eq - 1) : 0;
			if ((dn = form_decode(
				 eq + (eq < amp), len, out->mem + used)) < 0 ||
			    dn > HUB_PATH_MAX) {
				err_set(e, ERR_INVALID,
				    "a path is badly encoded or over %d bytes",
				    HUB_PATH_MAX);
				goto fail;
			}
			out->paths[out->n++] = out->mem + used;
			used += (size_t)dn + 1;
		} else if ((size_t)(eq - s) == 6 &&
		    memcmp(s, "expand", 6) == 0) {
			len = eq < amp ? (size_t)(amp - eq - 1) : 0;
			out->expand = form_yes(eq + (eq < amp), len);
		}
		/* other fields are ignored, as the Hub does */
	}
	return (0);
oom:
	err_oom(e);
fail:
	json_decref(j);
	hubpaths_free(out);
	return (-1);
}

/* ---------------------------------------------------------------------
** The datasets list
*/

int
hubcache_list(struct hubcache *c, struct db *db, const char *author,
    const char *search, size_t limit, struct buf *out, struct err *e)
{
	sqlite3_stmt *st;
	struct hubrepo *h;
	enum hub_miss miss;
	char why[256], id[200], **names = NULL, **nn;
	size_t n = 0, cap = 0, i, sent = 0, shown;
	int rc = -1, step;

	if ((st = db_prepare(db, SQL_HUB_DATASETS, e)) == NULL)
		return (-1);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && n < HUB_PAGE_MAX) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL)
				break;
			names = nn;
		}
		if ((names[n] = strdup(
			 (const char *)sqlite3_column_text(st, 0))) == NULL)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE && step != SQLITE_ROW) {
		db_err(db, e, "the datasets");
		goto out;
	}
	if (buf_puts(out, "[") == -1)
		goto oom;
	shown = author != NULL && strcmp(author, c->ns) != 0 ? 0 : n;
	for (i = 0; i < shown && sent < limit; i++) {
		snprintf(id, sizeof(id), "%s/%s", c->ns, names[i]);
		if (search != NULL && strcasestr(id, search) == NULL)
			continue;
		h = hubrepo_open(
		    c, db, names[i], "main", &miss, why, sizeof(why), e);
		if (h == NULL) {
			if (miss != HUB_FOUND)
				continue;
			goto out;
		}
		step = (sent++ > 0 && buf_puts(out, ",") == -1) ||
		    buf_append(out, h->summary, h->summary_n) == -1;
		hubrepo_close(h);
		if (step)
			goto oom;
	}
	if (buf_puts(out, "]") == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	err_oom(e);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (rc);
}
