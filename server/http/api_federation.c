/*
** What a node tells its peers (DESIGN.md flow 10, domain/federation.h):
** who it is, at /.well-known/tributary.json, and what its people took
** back, as a list signed with its key. Both are public: a peer reads them
** before pulling a release, and anyone may check a release against them.
** Route table: routes.c.
*/
#include <stdlib.h>

#include "api.h"
#include "config.h"
#include "crypto.h"
#include "federation.h"
#include "http.h"
#include "node.h"

/*
** GET /.well-known/tributary.json: anyone. 200 with the node's
** well-known document (fed_wellknown()): its name, namespace, public key
** (hex) and fingerprint, datasets with their latest approved versions,
** the revocation list's path and head, the software's version.
*/
int
show_node_identity(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	json_t *o;

	if ((db = req_db(r, &e)) == NULL ||
	    (o = fed_wellknown(db, req_node(r)->sign_pk,
		 req_config(r)->hub_namespace, &e)) == NULL)
		return (req_fail(r, &e));
	return (req_json(r, 200, o));
}

/*
** GET /api/v1/federation/revocations: anyone. 200 with the signed
** revocation list (fed_revocations()), its bytes exactly as signed;
** X-Signature is the node's Ed25519 signature of them (hex) and
** X-Public-Key the node's key (hex).
*/
int
send_federation_revocations(struct req *r)
{
	struct err e = { 0 };
	struct db *db;
	char sig[129], *body;
	size_t n;

	if ((db = req_db(r, &e)) == NULL ||
	    fed_revocations(db, req_node(r)->sign_pk, req_node(r)->sign_sk,
		&body, &n, sig, &e) == -1)
		return (req_fail(r, &e));
	return (answer_signed_json(r, body, n, sig));
}

int
answer_signed_json(struct req *r, char *body, size_t n, const char *sig)
{
	struct MHD_Response *resp;
	char pk[65];

	resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return (-1);
	}
	hex_encode(req_node(r)->sign_pk, 32, pk);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "X-Signature", sig);
	MHD_add_response_header(resp, "X-Public-Key", pk);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	return (req_respond(r, 200, resp));
}
