/*
** The federated release builder (see federate_release.h).
*/
#include "federate_release.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "federation.h"
#include "fedrelease.h"
#include "parquet.h"
#include "parquet_read.h"
#include "release.h"
#include "release_build.h"
#include "writer.h"

#define MANIFEST_MAX (64u << 20) /* bytes of a source's manifest.json */
#define CARD_MAX     (1u << 20)  /* bytes of a source's README.md */
#define FIELDS_MAX   256         /* columns of one kind */
#define LANGS_MAX    200         /* languages named in the card */

enum kind { KIND_TEXT, KIND_AUDIO, NKIND };
static const char *const kind_names[NKIND] = { "text", "audio" };

/* A source release as read. */
struct src {
	struct fedrel_source s;
	json_t *manifest;      /* parsed manifest.json */
	struct fed_manifest m; /* its files, checked */
	char *card;            /* its README.md, or NULL */
	int compatible;
	char why[256]; /* why not */
	struct fedrel_taken t;
	size_t cap; /* t.items' room */
	struct fedrel_revoked rev;
};

/* The columns of one kind: every source's, in the order first seen. */
struct kind_schema {
	struct parquet_field f[FIELDS_MAX];
	char *names[FIELDS_MAX]; /* owned copies of f[].name */
	size_t n;
	json_t *features; /* the `datasets` features, merged */
	int used;
};

struct fb {
	struct node *n;
	struct db *db;
	const struct fedrel_spec *spec;
	struct err *e;
	char tmp[4096];
	struct src *src;
	size_t nsrc;
	struct kind_schema k[NKIND];
	json_t *configs; /* {config: {"kind","splits":{split:rows}}} */
	json_t *files;   /* [{"path","bytes","sha256"}] */
	json_t *langs;   /* {language: true} */
	uint64_t rows;
};

/* The path of peer object ${sha} into ${out}. */
static void
object_path(const struct node *n, const char *sha, char *out, size_t len)
{
	snprintf(
	    out, len, "%s/federation/objects/%.2s/%s", n->dir, sha, sha + 2);
}

/* Where file ${ff} of source ${s} is on this node. */
static void
src_path(const struct fb *b, const struct src *s, const struct fed_file *ff,
    char *out, size_t len)
{
	if (s->s.peer_id == 0)
		snprintf(out, len, "%s/releases/%s/%s", b->n->dir, s->s.version,
		    ff->path);
	else
		object_path(b->n, ff->sha256, out, len);
}

/* Reads the file ${path} (at most ${max} bytes) into ${out}. */
static int
slurp(const char *path, size_t max, char **out, size_t *n, struct err *e)
{
	struct stat sb;
	char *p;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (
		    err_set(e, ERR_STORAGE, "%s: %s", path, strerror(errno)));
	if (fstat(fd, &sb) == -1 || (uint64_t)sb.st_size > max) {
		close(fd);
		return (
		    err_set(e, ERR_TOO_LARGE, "%s: over %zu bytes", path, max));
	}
	if ((p = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return (err_oom(e));
	}
	if (read(fd, p, (size_t)sb.st_size) != (ssize_t)sb.st_size) {
		free(p);
		close(fd);
		return (err_set(e, ERR_STORAGE, "%s: cannot read", path));
	}
	close(fd);
	p[sb.st_size] = '\0';
	*out = p;
	*n = (size_t)sb.st_size;
	return (0);
}

/* Reads source ${s}'s manifest and card, and decides whether it can go
** in. */
static int
src_load(struct fb *b, struct src *s)
{
	char path[4400], *text = NULL;
	uint8_t d[SHA256_LEN];
	size_t n, i;
	json_t *lic;

	if (s->s.peer_id == 0)
		snprintf(path, sizeof(path), "%s/releases/%s/manifest.json",
		    b->n->dir, s->s.version);
	else
		object_path(b->n, s->s.manifest_sha, path, sizeof(path));
	if (slurp(path, MANIFEST_MAX, &text, &n, b->e) == -1)
		return (-1);
	crypto_hash_sha256(d, (const uint8_t *)text, n);
	hex_encode(d, sizeof(d), s->s.manifest_sha);
	if (fed_manifest_parse(text, n, 100000, UINT64_MAX, &s->m, b->e) ==
		-1 ||
	    (s->manifest = json_loadb(text, n, 0, NULL)) == NULL) {
		char why[sizeof(b->e->msg)];

		snprintf(why, sizeof(why), "%s",
		    s->manifest == NULL && s->m.nfiles > 0 ? "not JSON"
							   : b->e->msg);
		free(text);
		return (err_set(b->e, ERR_INVALID,
		    "the manifest of %s %s of %s: %s", s->s.dataset,
		    s->s.version, s->s.name, why));
	}
	free(text);
	/* The key that signed it (a peer's earlier key, for a release made
	** before it rotated). */
	hex_encode(s->m.pk, 32, s->s.node_key);
	lic = json_object_get(s->manifest, "licence");
	s->t.licence = json_string_value(lic);
	s->t.src = &s->s;
	s->compatible = fedrel_compatible(b->spec->lt, s->t.licence,
	    json_object_get(s->manifest, "permits"), b->spec->licence,
	    b->spec->permits, b->spec->npermits, s->why, sizeof(s->why));
	if (!s->compatible)
		s->t.left_licence =
		    (uint64_t)json_integer_value(json_object_get(
			json_object_get(s->manifest, "report"), "rows"));
	for (i = 0; i < s->m.nfiles; i++)
		if (strcmp(s->m.files[i].path, "README.md") == 0) {
			src_path(b, s, &s->m.files[i], path, sizeof(path));
			if (slurp(path, CARD_MAX, &s->card, &n, b->e) == -1)
				s->card = NULL;
			b->e->msg[0] = '\0';
		}
	return (fedrel_revoked_load(
	    b->db, s->s.peer_id, s->s.dataset, &s->rev, b->e));
}

int
fedrel_shard_of(
    const char *path, char config[RELEASE_CONFIG_MAX], char split[16])
{
	const char *c, *f, *dash;
	size_t cn, sn, len = strlen(path);

	if (strncmp(path, "data/", 5) != 0 || len < 14 ||
	    strcmp(path + len - 8, ".parquet") != 0)
		return (0);
	c = path + 5;
	if ((f = strchr(c, '/')) == NULL || strchr(f + 1, '/') != NULL)
		return (0);
	cn = (size_t)(f - c);
	if ((dash = strchr(f + 1, '-')) == NULL)
		return (0);
	sn = (size_t)(dash - f - 1);
	if (cn == 0 || cn >= RELEASE_CONFIG_MAX - FEDREL_COMMUNITY_MAX - 2 ||
	    sn == 0 || sn >= 16 ||
	    strspn(c, "abcdefghijklmnopqrstuvwxyz0123456789_-") < cn ||
	    strspn(f + 1, "abcdefghijklmnopqrstuvwxyz_") < sn)
		return (0);
	memcpy(config, c, cn);
	config[cn] = '\0';
	memcpy(split, f + 1, sn);
	split[sn] = '\0';
	return (1);
}

/* The kind of a shard with fields ${f}: audio if it has a group "audio". */
static enum kind
kind_of(const struct parquet_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (f[i].type == PARQUET_GROUP &&
		    strcmp(f[i].name, "audio") == 0)
			return (KIND_AUDIO);
	return (KIND_TEXT);
}

/* The index in ${k} of the top-level column ${name}, or -1. */
static long
find_top(const struct kind_schema *k, const char *name)
{
	size_t i = 0;

	while (i < k->n) {
		if (strcmp(k->f[i].name, name) == 0)
			return ((long)i);
		i += 1 +
		    (size_t)(k->f[i].type == PARQUET_GROUP ? k->f[i].nchildren
							   : 0);
	}
	return (-1);
}

/* Is a string column of this name worth a dictionary (few values)? */
static int
dict_worth(const char *name)
{
	return (strcmp(name, "id") != 0 && strcmp(name, "text") != 0 &&
	    strcmp(name, "prompt") != 0 && strcmp(name, "sentence") != 0 &&
	    strcmp(name, "path") != 0);
}

/* Adds field ${f} to ${k} (a copy, optional). */
static int
add_field(struct fb *b, struct kind_schema *k, const struct parquet_field *f)
{
	if (k->n >= FIELDS_MAX - 1)
		return (err_set(b->e, ERR_TOO_LARGE,
		    "the sources have more than %d columns", FIELDS_MAX - 1));
	if ((k->names[k->n] = strdup(f->name)) == NULL)
		return (err_oom(b->e));
	k->f[k->n] = *f;
	k->f[k->n].name = k->names[k->n];
	k->f[k->n].optional = 1;
	k->f[k->n].dict = f->type == PARQUET_STRING && dict_worth(f->name);
	k->n++;
	return (0);
}

/* Merges the columns ${f} of a shard of source ${s} into kind ${k}; the
** same name must be the same type (and a group the same members). */
static int
merge_schema(struct fb *b, const struct src *s, struct kind_schema *k,
    const struct parquet_field *f, size_t n)
{
	size_t i = 0, c, nc;
	long at;

	while (i < n) {
		nc = f[i].type == PARQUET_GROUP ? (size_t)f[i].nchildren : 0;
		if (strcmp(f[i].name, "community") == 0)
			return (err_set(b->e, ERR_INVALID,
			    "a shard of %s %s of %s has a column `community` "
			    "already",
			    s->s.dataset, s->s.version, s->s.name));
		if ((at = find_top(k, f[i].name)) == -1) {
			for (c = 0; c <= nc; c++)
				if (add_field(b, k, &f[i + c]) == -1)
					return (-1);
		} else {
			int same = k->f[at].type == f[i].type &&
			    (size_t)k->f[at].nchildren == nc;

			for (c = 1; same && c <= nc; c++)
				same = strcmp(k->f[at + (long)c].name,
					   f[i + c].name) == 0 &&
				    k->f[at + (long)c].type == f[i + c].type;
			if (!same)
				return (err_set(b->e, ERR_INVALID,
				    "column %s of %s %s of %s has another type "
				    "than in the other sources",
				    f[i].name, s->s.dataset, s->s.version,
				    s->s.name));
		}
		i += 1 + nc;
	}
	return (0);
}

/* Merges the `datasets` features of a shard's metadata ${kv} into ${k}. */
static void
merge_features(struct kind_schema *k, const char *kv)
{
	json_t *m = kv ? json_loads(kv, 0, NULL) : NULL, *f, *v;
	const char *name;

	f = json_object_get(json_object_get(m, "info"), "features");
	if (k->features == NULL)
		k->features = json_object();
	json_object_foreach(f, name, v)
	{
		if (json_object_get(k->features, name) == NULL &&
		    json_is_object(v))
			json_object_set(k->features, name, v);
	}
	json_decref(m);
}

/* Pass one: every shard's columns, per kind. */
static int
read_schemas(struct fb *b)
{
	struct pqr_limits lim = PQR_LIMITS_DEFAULT;
	const struct parquet_field *f;
	char config[RELEASE_CONFIG_MAX], split[16], path[4400];
	struct pqr *r;
	size_t i, j, n;
	enum kind kd;

	for (i = 0; i < b->nsrc; i++) {
		struct src *s = &b->src[i];

		if (!s->compatible)
			continue;
		for (j = 0; j < s->m.nfiles; j++) {
			if (!fedrel_shard_of(s->m.files[j].path, config, split))
				continue;
			src_path(b, s, &s->m.files[j], path, sizeof(path));
			if ((r = pqr_open(path, &lim, b->e)) == NULL) {
				char why[sizeof(b->e->msg)];

				snprintf(why, sizeof(why), "%s", b->e->msg);
				return (err_set(b->e, b->e->code,
				    "%s of %s %s of %s: %s", s->m.files[j].path,
				    s->s.dataset, s->s.version, s->s.name,
				    why));
			}
			f = pqr_fields(r, &n);
			kd = kind_of(f, n);
			b->k[kd].used = 1;
			if (merge_schema(b, s, &b->k[kd], f, n) == -1) {
				pqr_close(r);
				return (-1);
			}
			merge_features(&b->k[kd], pqr_kv(r, "huggingface"));
			pqr_close(r);
		}
	}
	for (i = 0; i < NKIND; i++) {
		struct parquet_field c = { "community", PARQUET_STRING, 1, 0,
			1 };

		if (!b->k[i].used)
			continue;
		if (find_top(&b->k[i], "id") == -1)
			return (err_set(b->e, ERR_INVALID,
			    "the %s shards have no id column", kind_names[i]));
		if (add_field(b, &b->k[i], &c) == -1)
			return (-1);
		json_object_set_new(b->k[i].features, "community",
		    json_pack(
			"{s:s,s:s}", "dtype", "string", "_type", "Value"));
	}
	return (0);
}

/* Puts value ${v} of a column of type ${t} as field ${i}. */
static int
put(struct parquet *pq, size_t i, enum parquet_type t,
    const struct pqr_value *v)
{
	if (v->null)
		return (parquet_put_null(pq, i));
	switch (t) {
	case PARQUET_BOOLEAN: return (parquet_put_bool(pq, i, v->i != 0));
	case PARQUET_INT32: return (parquet_put_i32(pq, i, (int32_t)v->i));
	case PARQUET_INT64: return (parquet_put_i64(pq, i, v->i));
	case PARQUET_DOUBLE: return (parquet_put_double(pq, i, v->d));
	case PARQUET_STRING:
	case PARQUET_BINARY: return (parquet_put_bytes(pq, i, v->p, v->n));
	default: return (-1);
	}
}

/* Remembers id ${p} (${n} bytes) as taken from ${s}. */
static int
take(struct fb *b, struct src *s, const void *p, size_t n)
{
	char **nv;

	if (s->t.nitems == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((nv = realloc(s->t.items, s->cap * sizeof(*nv))) == NULL)
			return (err_oom(b->e));
		s->t.items = nv;
	}
	if ((s->t.items[s->t.nitems] = strndup(p, n)) == NULL)
		return (err_oom(b->e));
	s->t.nitems++;
	return (0);
}

/* Notes a row's language for the card. */
static void
note_language(struct fb *b, const struct pqr_value *v)
{
	char lang[36];

	if (v->null || v->n == 0 || v->n >= sizeof(lang) ||
	    json_object_size(b->langs) >= LANGS_MAX)
		return;
	memcpy(lang, v->p, v->n);
	lang[v->n] = '\0';
	if (strspn(lang, "abcdefghijklmnopqrstuvwxyz-") == v->n)
		json_object_set_new(b->langs, lang, json_true());
}

/* The shard's rows into the open writer ${pq}: its column ${map}[j] (or
** -1) as column j of ${k}. */
static int
copy_rows(struct fb *b, struct src *s, struct pqr *r,
    const struct kind_schema *k, const long *map, long id_col, long lang_col,
    struct parquet *pq, uint64_t *rows)
{
	struct pqr_value v, id;
	size_t g, row, nrows, j, c, nc;

	for (g = 0; g < pqr_groups(r); g++) {
		if (pqr_read_group(r, g, &nrows, b->e) == -1)
			return (-1);
		for (row = 0; row < nrows; row++) {
			if (pqr_get(r, row, (size_t)id_col, &id) == -1 ||
			    id.null)
				return (err_set(b->e, ERR_INVALID,
				    "a row of %s %s of %s has no id",
				    s->s.dataset, s->s.version, s->s.name));
			if (fedrel_revoked(&s->rev, id.p, id.n)) {
				s->t.left_revoked++;
				continue;
			}
			if (take(b, s, id.p, id.n) == -1)
				return (-1);
			for (j = 0; j < k->n; j += 1 + nc) {
				nc = k->f[j].type == PARQUET_GROUP
				    ? (size_t)k->f[j].nchildren
				    : 0;
				if (strcmp(k->f[j].name, "community") == 0) {
					parquet_put_str(pq, j, s->s.community);
					continue;
				}
				if (map[j] < 0 ||
				    pqr_get(r, row, (size_t)map[j], &v) == -1) {
					parquet_put_null(pq, j);
					continue;
				}
				if (nc > 0) {
					if (v.null) {
						parquet_put_null(pq, j);
						continue;
					}
					for (c = 1; c <= nc; c++) {
						pqr_get(r, row,
						    (size_t)map[j] + c, &v);
						put(pq, j + c, k->f[j + c].type,
						    &v);
					}
					continue;
				}
				put(pq, j, k->f[j].type, &v);
				if ((long)j == lang_col)
					note_language(b, &v);
			}
			if (parquet_row_end(pq, b->e) == -1)
				return (-1);
			(*rows)++;
		}
		if (parquet_row_group_end(pq, b->e) == -1)
			return (-1);
	}
	return (0);
}

/* Notes the file ${rel} (written and synced) in the manifest's list. */
static int
add_file(struct fb *b, const char *rel)
{
	char path[4400], sha[SHA256_HEX_LEN + 1];
	uint64_t bytes;

	snprintf(path, sizeof(path), "%s/%s", b->tmp, rel);
	if (release_file_sha256(path, &bytes, sha, b->e) == -1)
		return (-1);
	json_array_append_new(b->files,
	    json_pack("{s:s,s:I,s:s}", "path", rel, "bytes", (json_int_t)bytes,
		"sha256", sha));
	return (0);
}

/* Counts ${rows} rows of ${split} in config ${config} of kind ${kd}. */
static void
count_rows(struct fb *b, const char *config, enum kind kd, const char *split,
    uint64_t rows)
{
	json_t *c = json_object_get(b->configs, config), *sp;

	if (c == NULL) {
		c = json_pack("{s:s,s:{},s:[]}", "kind", kind_names[kd],
		    "splits", "files");
		json_object_set_new(b->configs, config, c);
	}
	sp = json_object_get(c, "splits");
	json_object_set_new(sp, split,
	    json_integer(json_integer_value(json_object_get(sp, split)) +
		(json_int_t)rows));
}

/* Writes shard ${ff} of source ${s} again as the release's. */
static int
copy_shard(struct fb *b, struct src *s, const struct fed_file *ff)
{
	struct pqr_limits lim = PQR_LIMITS_DEFAULT;
	const struct parquet_field *sf;
	char config[RELEASE_CONFIG_MAX], split[16], path[4400], out[4400];
	char rel[300], dir[4400], *meta = NULL;
	long map[FIELDS_MAX], at, id_col, lang_col;
	struct kind_schema *k;
	struct parquet *pq = NULL;
	struct pqr *r;
	FILE *f = NULL;
	uint64_t rows = 0;
	size_t ns, j;
	json_t *hf;
	enum kind kd;
	int rc = -1;

	if (!fedrel_shard_of(ff->path, config, split))
		return (0);
	src_path(b, s, ff, path, sizeof(path));
	if ((r = pqr_open(path, &lim, b->e)) == NULL)
		return (-1);
	sf = pqr_fields(r, &ns);
	kd = kind_of(sf, ns);
	k = &b->k[kd];
	/* Each column of the kind: where it is in this shard. */
	for (j = 0; j < k->n; j++)
		map[j] = -1;
	for (j = 0; j < ns; j++) {
		size_t nc = sf[j].type == PARQUET_GROUP
		    ? (size_t)sf[j].nchildren
		    : 0,
		       c;

		if ((at = find_top(k, sf[j].name)) >= 0)
			for (c = 0; c <= nc; c++)
				map[at + (long)c] = (long)(j + c);
		j += nc;
	}
	id_col = map[find_top(k, "id")];
	lang_col = find_top(k, "language");
	if (id_col < 0 || sf[id_col].type != PARQUET_STRING) {
		err_set(b->e, ERR_INVALID, "%s of %s %s of %s has no id column",
		    ff->path, s->s.dataset, s->s.version, s->s.name);
		goto out;
	}
	snprintf(rel, sizeof(rel), "data/%s-%s/%s", s->s.community, config,
	    strrchr(ff->path, '/') + 1);
	snprintf(
	    dir, sizeof(dir), "%s/data/%s-%s", b->tmp, s->s.community, config);
	snprintf(out, sizeof(out), "%s/%s", b->tmp, rel);
	if ((mkdir(dir, 0755) == -1 && errno != EEXIST) ||
	    (f = fopen(out, "wbx")) == NULL) {
		err_set(b->e, ERR_STORAGE, "%s: %s", rel, strerror(errno));
		goto out;
	}
	if ((pq = parquet_open(f, k->f, k->n,
		 kd == KIND_AUDIO ? PARQUET_UNCOMPRESSED : PARQUET_ZSTD,
		 b->e)) == NULL)
		goto out;
	hf = json_pack("{s:{s:O}}", "info", "features", k->features);
	meta = hf ? json_dumps(hf, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(hf);
	if (meta == NULL) {
		err_oom(b->e);
		goto out;
	}
	if (parquet_kv(pq, "huggingface", meta, b->e) == -1 ||
	    copy_rows(b, s, r, k, map, id_col, lang_col, pq, &rows) == -1)
		goto out;
	rc = parquet_close(pq, b->e);
	pq = NULL;
	if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) == -1))
		rc = err_set(b->e, ERR_STORAGE, "%s: %s", rel, strerror(errno));
out:
	parquet_free(pq);
	if (f != NULL && fclose(f) != 0 && rc == 0)
		rc = err_set(b->e, ERR_STORAGE, "%s: %s", rel, strerror(errno));
	pqr_close(r);
	free(meta);
	if (rc == 0 && rows == 0) {
		/* Every row was revoked: no empty shard. */
		unlink(out);
		rmdir(dir);
		return (0);
	}
	if (rc == 0) {
		char cname[RELEASE_CONFIG_MAX + FEDREL_COMMUNITY_MAX + 2];

		snprintf(cname, sizeof(cname), "%s-%s", s->s.community, config);
		count_rows(b, cname, kd, split, rows);
		json_array_append_new(
		    json_object_get(
			json_object_get(b->configs, cname), "files"),
		    json_pack("{s:s,s:s}", "split", split, "path", rel));
		s->t.rows += rows;
		b->rows += rows;
		rc = add_file(b, rel);
	}
	return (rc);
}

/* A features object as the card's dataset_info lists them. */
static void
card_features(struct buf *o, const json_t *f)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)f, k, v)
	{
		const char *t = json_string_value(json_object_get(v, "_type"));
		json_int_t rate =
		    json_integer_value(json_object_get(v, "sampling_rate"));

		if (t != NULL && strcmp(t, "Audio") == 0 && rate > 0)
			buf_printf(o,
			    "  - name: %s\n    dtype:\n      audio:\n        "
			    "sampling_rate: %lld\n",
			    k, (long long)rate);
		else if (t != NULL && strcmp(t, "Audio") == 0)
			buf_printf(o, "  - name: %s\n    dtype: audio\n", k);
		else
			buf_printf(o, "  - name: %s\n    dtype: %s\n", k,
			    json_string_value(json_object_get(v, "dtype"))
				?: "string");
	}
}

/* The split names of every config, in train, dev, test order first. */
static const char *const split_order[] = { "train", "dev", "validation",
	"test" };

/* One config's entry in the card's `configs:` (${files}: its shards). */
static void
card_config(struct buf *o, const char *name, const json_t *files, int dflt)
{
	json_t *v;
	size_t i, s, any;
	const char *sp;

	buf_printf(o, "- config_name: %s\n", name);
	if (dflt)
		buf_puts(o, "  default: true\n");
	buf_puts(o, "  data_files:\n");
	for (s = 0; s < sizeof(split_order) / sizeof(*split_order); s++) {
		any = 0;
		json_array_foreach((json_t *)files, i, v)
		{
			sp = json_string_value(json_object_get(v, "split"));
			if (strcmp(sp, split_order[s]) != 0)
				continue;
			if (any++ == 0)
				buf_printf(o, "  - split: %s\n    path:\n",
				    split_order[s]);
			buf_printf(o, "    - %s\n",
			    json_string_value(json_object_get(v, "path")));
		}
	}
}

void
fedrel_card_section(struct buf *o, const char *card, const char *head)
{
	char want[64];
	const char *p, *end, *line, *nl;

	if (card == NULL)
		return;
	snprintf(want, sizeof(want), "\n## %s\n", head);
	if ((p = strstr(card, want)) == NULL)
		return;
	p += strlen(want);
	end = strstr(p, "\n## ");
	if (end == NULL)
		end = p + strlen(p);
	buf_printf(o, "#### %s\n", head);
	for (line = p; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		if (line[0] == '#')
			buf_puts(o, "##");
		buf_append(o, line, (size_t)(nl - line));
		buf_puts(o, "\n");
		if (nl == end)
			break;
	}
	buf_puts(o, "\n");
}

/* The default config(s): every community's shards, one per kind. */
static void
default_files(struct fb *b, enum kind kd, json_t *out)
{
	const char *name;
	json_t *c, *v;
	size_t i;

	json_object_foreach(b->configs, name, c)
	{
		if (strcmp(json_string_value(json_object_get(c, "kind")),
			kind_names[kd]) != 0)
			continue;
		json_array_foreach(json_object_get(c, "files"), i, v)
		    json_array_append(out, v);
	}
}

static int
write_text(struct fb *b, const char *rel, const char *p, size_t n)
{
	return (release_write_file(b->tmp, rel, p, n, b->e));
}

/* README.md: the Hub's YAML, then every community credited. */
static int
write_card(struct fb *b)
{
	struct buf o = { 0 };
	const char *name, *lang;
	json_t *c, *v, *dfl[NKIND];
	uint8_t pk[32];
	char fpr[FED_FPR_LEN + 1];
	size_t i, nk = 0, k;
	int rc;

	for (k = 0; k < NKIND; k++) {
		dfl[k] = json_array();
		default_files(b, (enum kind)k, dfl[k]);
		nk += json_array_size(dfl[k]) > 0;
	}
	buf_printf(&o, "---\nlicense: %s\nlanguage:\n", b->spec->licence);
	json_object_foreach(b->langs, lang, v) buf_printf(&o, "- %s\n", lang);
	buf_puts(&o, "task_categories:\n");
	if (json_array_size(dfl[KIND_AUDIO]) > 0)
		buf_puts(
		    &o, "- automatic-speech-recognition\n- text-to-speech\n");
	if (json_array_size(dfl[KIND_TEXT]) > 0)
		buf_puts(&o, "- text-generation\n");
	buf_printf(&o, "pretty_name: %s\nconfigs:\n", b->spec->dataset);
	for (k = 0; k < NKIND; k++) {
		char dname[32];

		if (json_array_size(dfl[k]) == 0)
			continue;
		snprintf(dname, sizeof(dname),
		    nk > 1 ? "default-%s" : "default", kind_names[k]);
		card_config(&o, dname, dfl[k], k == 0 || nk == 1);
	}
	json_object_foreach(b->configs, name, c)
	    card_config(&o, name, json_object_get(c, "files"), 0);
	buf_puts(&o, "dataset_info:\n");
	json_object_foreach(b->configs, name, c)
	{
		k = strcmp(json_string_value(json_object_get(c, "kind")),
			"audio") == 0;
		buf_printf(&o, "- config_name: %s\n  features:\n", name);
		card_features(&o, b->k[k].features);
		buf_puts(&o, "  splits:\n");
		json_object_foreach(json_object_get(c, "splits"), lang, v)
		    buf_printf(&o, "  - name: %s\n    num_examples: %lld\n",
			lang, (long long)json_integer_value(v));
	}
	buf_puts(&o, "---\n\n");
	buf_printf(&o,
	    "# %s, version %s\n\n"
	    "A federated release: the latest releases of the communities "
	    "below, each collected with recorded consent, built and signed "
	    "by the community's own Tributary node, and combined here by "
	    "%s under %s. %llu items. Each community's rows are in its own "
	    "configs (`COMMUNITY-LANGUAGE-KIND`), and every row names its "
	    "community in the `community` column; ids are the ids each "
	    "community's release gave its rows (unique within a "
	    "community). `default` holds every community's rows%s.\n\n"
	    "## Communities\n\n",
	    b->spec->dataset, b->spec->version, b->spec->self_name,
	    b->spec->licence, (unsigned long long)b->rows,
	    nk > 1 ? " (`default-text` and `default-audio`: text and "
		     "recordings have different columns)"
		   : "");
	for (i = 0; i < b->nsrc; i++) {
		struct src *s = &b->src[i];

		fpr[0] = '\0';
		if (fed_key_parse(s->s.node_key, pk) == 0)
			fed_fingerprint(pk, fpr);
		buf_printf(&o,
		    "### %s\n\nRelease %s of `%s` by the node with key "
		    "fingerprint %s (manifest SHA-256 `%s`), under %s.\n\n",
		    s->s.name, s->s.version, s->s.dataset, fpr,
		    s->s.manifest_sha, s->t.licence ? s->t.licence : "(none)");
		if (!s->compatible)
			buf_printf(&o,
			    "**Left out of this release:** its %llu rows, "
			    "because %s.\n\n",
			    (unsigned long long)s->t.left_licence, s->why);
		else
			buf_printf(&o,
			    "%llu rows, in the configs `%s-…`; %llu left out "
			    "because their contributors withdrew them.\n\n",
			    (unsigned long long)s->t.rows, s->s.community,
			    (unsigned long long)s->t.left_revoked);
		fedrel_card_section(&o, s->card, "Consent");
		fedrel_card_section(&o, s->card, "Pay");
	}
	buf_puts(&o,
	    "## Withdrawal\n\n"
	    "A contributor may withdraw on their community's node at any "
	    "time. That node names the row on its signed revocation list at "
	    "once; at this node's next pull of it, every federated release "
	    "holding the row is retired (no longer served, and its tag "
	    "deleted from the Hub at the next publish), and the next "
	    "federated release leaves it out. If you hold a copy, delete "
	    "the rows a later version no longer has.\n\n"
	    "## Files\n\n`manifest.json` lists every file with its SHA-256 "
	    "and every source release it was built from (node key, version, "
	    "manifest SHA-256); `manifest.sig` is this node's Ed25519 "
	    "signature of it (key in `manifest.json`).\n");
	for (k = 0; k < NKIND; k++)
		json_decref(dfl[k]);
	if (o.p == NULL) {
		buf_free(&o);
		return (err_oom(b->e));
	}
	rc = write_text(b, "README.md", o.p, o.n);
	if (rc == 0)
		rc = add_file(b, "README.md");
	buf_free(&o);
	return (rc);
}

static int
cmp_path(const void *a, const void *b)
{
	return (
	    strcmp(json_string_value(json_object_get(*(json_t **)a, "path")),
		json_string_value(json_object_get(*(json_t **)b, "path"))));
}

/* The sources as the manifest and the report list them. */
static json_t *
sources_json(struct fb *b)
{
	json_t *a = json_array();
	uint8_t pk[32];
	char fpr[FED_FPR_LEN + 1];
	size_t i;

	for (i = 0; i < b->nsrc; i++) {
		struct src *s = &b->src[i];

		fpr[0] = '\0';
		if (fed_key_parse(s->s.node_key, pk) == 0)
			fed_fingerprint(pk, fpr);
		json_array_append_new(a,
		    json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s?,s:b,s:s?,"
			      "s:I,s:{s:I,s:I}}",
			"community", s->s.community, "name", s->s.name,
			"node_key", s->s.node_key, "fingerprint", fpr,
			"dataset", s->s.dataset, "version", s->s.version,
			"manifest_sha256", s->s.manifest_sha, "licence",
			s->t.licence, "included", s->compatible, "why_not",
			s->compatible ? NULL : s->why, "rows",
			(json_int_t)s->t.rows, "left", "licence",
			(json_int_t)s->t.left_licence, "revoked",
			(json_int_t)s->t.left_revoked));
	}
	return (a);
}

/* manifest.json and manifest.sig. */
static int
write_manifest(struct fb *b, json_t *report)
{
	json_t *m, *permits = json_array(), *docs = json_array(), *v, *files;
	uint8_t sig[crypto_sign_BYTES];
	char pk[65], sighex[129], *text;
	size_t i, j, nf;
	json_t **sorted;
	int rc;

	for (i = 0; i < b->spec->npermits; i++)
		json_array_append_new(
		    permits, json_string(b->spec->permits[i]));
	for (i = 0; i < b->nsrc; i++)
		if (b->src[i].compatible)
			json_array_foreach(json_object_get(b->src[i].manifest,
					       "consent_documents"),
			    j, v) json_array_append(docs, v);
	/* Files by path, as a local release lists them. */
	nf = json_array_size(b->files);
	if ((sorted = calloc(nf + 1, sizeof(*sorted))) == NULL)
		return (err_oom(b->e));
	for (i = 0; i < nf; i++)
		sorted[i] = json_array_get(b->files, i);
	qsort(sorted, nf, sizeof(*sorted), cmp_path);
	files = json_array();
	for (i = 0; i < nf; i++)
		json_array_append(files, sorted[i]);
	free(sorted);
	hex_encode(b->n->sign_pk, 32, pk);
	m = json_pack("{s:s,s:s,s:s,s:o,s:b,s:I,s:o,s:O,s:O,s:o,s:s,s:o}",
	    "dataset", b->spec->dataset, "version", b->spec->version, "licence",
	    b->spec->licence, "permits", permits, "federated", 1, "created_at",
	    (json_int_t)time(NULL), "sources", sources_json(b), "report",
	    report, "configs", b->configs, "consent_documents", docs,
	    "public_key", pk, "files", files);
	text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(m);
	if (text == NULL)
		return (err_oom(b->e));
	crypto_sign_detached(
	    sig, NULL, (const uint8_t *)text, strlen(text), b->n->sign_sk);
	hex_encode(sig, sizeof(sig), sighex);
	sighex[128] = '\n';
	rc = write_text(b, "manifest.json", text, strlen(text)) == -1 ||
		write_text(b, "manifest.sig", sighex, 129) == -1
	    ? -1
	    : 0;
	free(text);
	return (rc);
}

/* Checks the spec as a local release's is checked. */
static int
spec_check(const struct fedrel_spec *s, struct err *e)
{
	struct release_spec rs = { 0 };

	rs.version = s->version;
	rs.dataset = s->dataset;
	rs.licence = s->licence;
	rs.permits = s->permits;
	rs.npermits = s->npermits;
	rs.splits[0] = 100;
	return (release_spec_check(s->lt, &rs, e));
}

static void
fb_free(struct fb *b)
{
	size_t i, j;

	for (i = 0; i < b->nsrc; i++) {
		struct src *s = &b->src[i];

		json_decref(s->manifest);
		fed_manifest_free(&s->m);
		free(s->card);
		for (j = 0; j < s->t.nitems; j++)
			free(s->t.items[j]);
		free(s->t.items);
		fedrel_revoked_free(&s->rev);
	}
	free(b->src);
	for (i = 0; i < NKIND; i++) {
		for (j = 0; j < b->k[i].n; j++)
			free(b->k[i].names[j]);
		json_decref(b->k[i].features);
	}
	json_decref(b->configs);
	json_decref(b->files);
	json_decref(b->langs);
}

int
federate_release(struct node *n, struct db *db, const struct fedrel_spec *s,
    struct fedrel_result *out, struct err *e)
{
	struct fb b = { 0 };
	struct fedrel_source *srcs = NULL;
	struct fedrel_record rec = { 0 };
	struct fedrel_taken *taken = NULL;
	char root[3000], final[4400], data[4400];
	size_t i, j, nsrc = 0, in = 0;
	json_t *report = NULL, *cfg;
	const char *cname;
	struct stat sb;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	b.n = n;
	b.db = db;
	b.spec = s;
	b.e = e;
	if (spec_check(s, e) == -1)
		return (-1);
	snprintf(root, sizeof(root), "%s/releases", n->dir);
	snprintf(final, sizeof(final), "%s/%s", root, s->version);
	if (stat(final, &sb) == 0)
		return (err_set(e, ERR_CONFLICT,
		    "%s exists: a release folder is never overwritten", final));
	if (fedrel_sources(db, s->self_name, n->sign_pk, &srcs, &nsrc, e) == -1)
		return (-1);
	if (nsrc == 0) {
		free(srcs);
		return (err_set(e, ERR_NOT_FOUND,
		    "nothing to federate: no approved release here and none "
		    "pulled from a peer (tributary federate pull)"));
	}
	b.configs = json_object();
	b.files = json_array();
	b.langs = json_object();
	if ((b.src = calloc(nsrc, sizeof(*b.src))) == NULL) {
		free(srcs);
		err_oom(e);
		goto out;
	}
	b.nsrc = nsrc;
	for (i = 0; i < nsrc; i++)
		b.src[i].s = srcs[i];
	free(srcs);
	for (i = 0; i < b.nsrc; i++) {
		if (src_load(&b, &b.src[i]) == -1)
			goto out;
		in += b.src[i].compatible;
	}
	if (in == 0) {
		err_set(e, ERR_NOT_FOUND,
		    "no source can go into a release under %s: %s", s->licence,
		    b.src[0].why);
		goto out;
	}
	snprintf(b.tmp, sizeof(b.tmp), "%s/.building-%s", root, s->version);
	release_tree_remove(b.tmp);
	snprintf(data, sizeof(data), "%s/data", b.tmp);
	if ((mkdir(root, 0755) == -1 && errno != EEXIST) ||
	    mkdir(b.tmp, 0755) == -1 || mkdir(data, 0755) == -1) {
		err_set(e, ERR_STORAGE, "%s: %s", b.tmp, strerror(errno));
		goto out;
	}
	if (read_schemas(&b) == -1)
		goto out;
	for (i = 0; i < b.nsrc; i++)
		for (j = 0; b.src[i].compatible && j < b.src[i].m.nfiles; j++)
			if (copy_shard(&b, &b.src[i], &b.src[i].m.files[j]) ==
			    -1)
				goto out;
	report = json_pack("{s:I,s:{},s:o}", "rows", (json_int_t)b.rows,
	    "configs", "sources", sources_json(&b));
	json_object_foreach(b.configs, cname, cfg)
	    json_object_set(json_object_get(report, "configs"), cname,
		json_object_get(cfg, "splits"));
	if (report == NULL || write_card(&b) == -1 ||
	    write_manifest(&b, report) == -1)
		goto out;
	json_object_foreach(b.configs, cname, cfg)
	{
		snprintf(final, sizeof(final), "%s/data/%s", b.tmp, cname);
		release_dir_sync(final);
	}
	if (release_dir_sync(data) == -1 || release_dir_sync(b.tmp) == -1) {
		err_set(e, ERR_STORAGE, "%s: %s", b.tmp, strerror(errno));
		goto out;
	}
	/* Recorded, then put in place: a crash between leaves a draft
	** without its folder, which approval refuses. */
	if ((taken = calloc(b.nsrc, sizeof(*taken))) == NULL) {
		err_oom(e);
		goto out;
	}
	for (i = 0; i < b.nsrc; i++)
		taken[i] = b.src[i].t;
	rec.version = s->version;
	rec.dataset = s->dataset;
	rec.licence = s->licence;
	rec.permits = json_array();
	for (i = 0; i < s->npermits; i++)
		json_array_append_new(rec.permits, json_string(s->permits[i]));
	rec.report = report;
	rec.taken = taken;
	rec.ntaken = b.nsrc;
	rc = writer_run(n->writer, fedrel_record_job, &rec, e);
	json_decref(rec.permits);
	if (rc == -1)
		goto out;
	snprintf(final, sizeof(final), "%s/%s", root, s->version);
	if (rename(b.tmp, final) == -1 || release_dir_sync(root) == -1) {
		rc = err_set(e, ERR_STORAGE,
		    "release %s is recorded, but its folder could not be put "
		    "in place: %s",
		    s->version, strerror(errno));
		goto out;
	}
	out->report = json_incref(report);
	out->rows = b.rows;
	out->retired = rec.retired;
	rc = 0;
out:
	if (rc == -1 && b.tmp[0] != '\0')
		release_tree_remove(b.tmp);
	free(taken);
	json_decref(report);
	fb_free(&b);
	return (rc);
}
