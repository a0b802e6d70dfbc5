/*
** The export of everything held about the person (GET /api/v1/me/export):
** the account, consents with the exact documents and any spoken
** statement, contributions with every revision, what they said about
** themself, their pay ledger (balances and every entry), and each recording's
** FLAC, as one JSON file to download. Route table: routes.c.
*/
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "blob.h"
#include "contrib.h"
#include "demographics.h"
#include "http.h"
#include "ledger.h"

/* Adds "flac_base64" (the blob ${sha}) to ${o} if it fits what is left
** of ${budget} bytes, else "flac_omitted": true. 0, or -1 with ${e}. */
static int
add_blob(
    struct req *r, json_t *o, const char *sha, size_t *budget, struct err *e)
{
	struct stat st;
	char path[4096], *b64 = NULL;
	unsigned char *p = NULL;
	size_t b64len;
	ssize_t got;
	int fd, rc = -1;

	if (blob_path(req_node(r)->blobs, sha, path, sizeof(path)) == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		/* Erased after a withdrawal: say so rather than fail. */
		json_object_set_new(o, "flac_base64", json_null());
		return (0);
	}
	if (fstat(fd, &st) == -1)
		goto out;
	if ((size_t)st.st_size > *budget) {
		/* One JSON file has a limit: the rest are named, each can
		** still be fetched on its own. */
		close(fd);
		json_object_set_new(o, "flac_base64", json_null());
		json_object_set_new(o, "flac_omitted", json_true());
		return (0);
	}
	*budget -= (size_t)st.st_size;
	if ((p = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	got = read(fd, p, (size_t)st.st_size);
	if (got != (ssize_t)st.st_size)
		goto out;
	b64len = sodium_base64_encoded_len(
	    (size_t)st.st_size, sodium_base64_VARIANT_ORIGINAL);
	if ((b64 = malloc(b64len)) == NULL)
		goto out;
	sodium_bin2base64(
	    b64, b64len, p, (size_t)st.st_size, sodium_base64_VARIANT_ORIGINAL);
	json_object_set_new(o, "flac_base64", json_string(b64));
	rc = 0;
out:
	if (rc == -1)
		err_set(e, ERR_STORAGE, "cannot read recording %s", sha);
	free(b64);
	free(p);
	close(fd);
	return (rc);
}

/* Adds "ledger": {"balances","entries"} (every entry, newest first) of
** ${account} to ${out}. 0, or -1 with ${e}. */
static int
export_ledger(struct db *db, int64_t account, json_t *out, struct err *e)
{
	json_t *all, *page, *bal;
	int64_t before = 0, next;

	if ((bal = ledger_balances_json(db, account, e)) == NULL)
		return (-1);
	if ((all = json_array()) == NULL) {
		json_decref(bal);
		return (err_oom(e));
	}
	do {
		if ((page = ledger_entries_json(
			 db, account, before, 500, &next, e)) == NULL) {
			json_decref(bal);
			json_decref(all);
			return (-1);
		}
		json_array_extend(all, page);
		json_decref(page);
		before = next;
	} while (next != 0);
	json_object_set_new(out, "ledger",
	    json_pack("{s:o,s:o}", "balances", bal, "entries", all));
	return (0);
}

/*
** Adds each recording's FLAC (base64) to the export ${out}, up to
** EXPORT_AUDIO_MAX bytes of FLAC in all (the file is built in memory);
** past that a recording is marked "flac_omitted" and can be fetched on its
** own. 0, or -1 with ${e} set.
*/
static int
export_audio(struct req *r, json_t *out, struct err *e)
{
	size_t budget = EXPORT_AUDIO_MAX;
	json_t *c, *rev, *sp;
	const char *sha;
	size_t i, k;

	json_array_foreach(json_object_get(out, "contributions"), i, c)
	{
		json_array_foreach(json_object_get(c, "revisions"), k, rev)
		{
			sha = json_string_value(
			    json_object_get(rev, "audio_sha256"));
			if (sha != NULL &&
			    add_blob(r, rev, sha, &budget, e) == -1)
				return (-1);
		}
	}
	json_array_foreach(json_object_get(out, "consents"), i, c)
	{
		sp = json_object_get(c, "spoken");
		sha = json_string_value(json_object_get(sp, "sha256"));
		if (sha != NULL && add_blob(r, sp, sha, &budget, e) == -1)
			return (-1);
	}
	return (0);
}

/*
** GET /api/v1/me/export: a contributor. Everything held about them as one
** JSON file (Content-Disposition: attachment).
*/
int
export_my_data(struct req *r)
{
	struct demographics d;
	struct MHD_Response *resp;
	struct err e = { 0 };
	struct db *db;
	json_t *o;
	char *s;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = contrib_export(db, req_session(r)->account_id, &e)) == NULL)
		return (req_fail(r, &e));
	if (export_audio(r, o, &e) == -1 ||
	    demographics_get(db, req_session(r)->account_id, &d, &e) == -1) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	json_object_set_new(o, "demographics", demographics_json(&d));
	if (export_ledger(db, req_session(r)->account_id, o, &e) == -1) {
		json_decref(o);
		return (req_fail(r, &e));
	}
	s = json_dumps(o, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (s == NULL)
		return (-1);
	resp = MHD_create_response_from_buffer(
	    strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(s);
		return (-1);
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "Content-Disposition",
	    "attachment; filename=\"tributary-export.json\"");
	return (req_respond(r, 200, resp));
}
