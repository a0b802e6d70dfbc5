/*
** `tributary key`: the node's own Ed25519 key (DESIGN.md flow 10), which
** is who the node is to its peers. `key rotate` replaces it: a new key
** pair, and a statement signed by the old key and by the new one
** (domain/keyrot.h) that the node then presents in its well-known
** document, so each peer follows it at its next pull without anyone
** pinning the new key by hand. `key show` prints the key and the
** rotations that led to it.
**
** The running server holds the key in memory, so `key rotate` runs only
** with the node to itself: it takes the node's lock (store/node.h)
** exclusively and refuses while a server or another command has the node
** open. Stop the server, rotate, start it again.
**
** A rotation in steps, each durable before the next, so that a crash
** anywhere leaves a node that works (and `key rotate` run again finishes
** what was begun): the new key written beside the old one
** (keys/signing.key.new) and the old one kept under another name
** (keys/signing.key.old-FINGERPRINT); the statement recorded and audited
** in the database; the new key renamed into place.
*/
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "federation.h"
#include "keyrot.h"
#include "node.h"

static const char key_usage[] =
    "usage: tributary key show --data DIR\n"
    "       tributary key rotate --data DIR\n"
    "\n"
    "show    this node's public key and fingerprint, and each rotation\n"
    "        that led to it (when, old fingerprint -> new fingerprint)\n"
    "rotate  replaces the node's signing key: makes a new Ed25519 key\n"
    "        pair and a statement {\"new_key\",\"node\",\"old_key\",\n"
    "        \"rotated_at\"} signed by the old key and by the new one, which\n"
    "        the node presents in /.well-known/tributary.json from then on.\n"
    "        A peer pinned to the old key accepts the new one at its next\n"
    "        pull only with that statement. The old key file is kept as\n"
    "        DIR/keys/signing.key.old-FINGERPRINT. Refused while the node\n"
    "        is open elsewhere (a running server, another command): stop\n"
    "        the server, rotate, start it again. Interrupted, run it again:\n"
    "        it finishes the rotation it began.\n"
    "\n"
    "Limits (fixed): a node presents at most 64 rotations (rotate refuses\n"
    "a 65th), each statement at most 1024 bytes; a peer refuses a\n"
    "well-known document over either.\n";

/* Seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into ${out} (32). */
static void
iso_time(int64_t at, char out[32])
{
	time_t t = (time_t)at;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* key show: the key, then each rotation, oldest first. */
static int
key_show(struct node *n)
{
	char pk[65], fpr[FED_FPR_LEN + 1], a[FED_FPR_LEN + 1], when[32];
	struct keyrot *r = NULL;
	struct err e = { 0 };
	struct db *db;
	size_t nr = 0, i;
	int rc = 1;

	if ((db = db_open(n->dbpath, 0, &e)) == NULL ||
	    keyrot_own(db, &r, &nr, &e) == -1) {
		fprintf(stderr, "tributary key: %s\n", e.msg);
		goto out;
	}
	hex_encode(n->sign_pk, 32, pk);
	fed_fingerprint(n->sign_pk, fpr);
	printf("public key:  %s\nfingerprint: %s\nrotations:   %zu\n", pk, fpr,
	    nr);
	for (i = 0; i < nr; i++) {
		iso_time(r[i].rotated_at, when);
		fed_fingerprint(r[i].old_pk, a);
		fed_fingerprint(r[i].new_pk, fpr);
		printf("%s\t%s -> %s\n", when, a, fpr);
	}
	if (nr > 0 && memcmp(r[nr - 1].new_pk, n->sign_pk, 32) != 0)
		printf("warning: the key in use is not the one the last "
		       "rotation handed over to: peers pinned to an earlier "
		       "key will refuse it\n");
	rc = 0;
out:
	keyrot_free(r, nr);
	db_close(db);
	return (rc);
}

/*
** A rotation begun and not finished: the staged key ${sk} is the one the
** last recorded rotation of ${r}[0..${nr}) hands over to from the key in
** use. 1 if so, 0 if not.
*/
static int
staged_recorded(
    struct node *n, const struct keyrot *r, size_t nr, const uint8_t sk[64])
{
	uint8_t pk[32];

	crypto_sign_ed25519_sk_to_pk(pk, sk);
	return (nr > 0 && memcmp(r[nr - 1].old_pk, n->sign_pk, 32) == 0 &&
	    memcmp(r[nr - 1].new_pk, pk, 32) == 0);
}

/* key rotate, with the node to itself: see the top of the file. */
static int
key_rotate(struct node *n)
{
	char oldf[FED_FPR_LEN + 1], newf[FED_FPR_LEN + 1], pk[65], keep[64];
	uint8_t new_pk[32], new_sk[64], staged[64];
	struct keyrot *own = NULL, r = { 0 };
	struct err e = { 0 };
	struct db *db = NULL;
	size_t nown = 0;
	int64_t at = (int64_t)time(NULL);
	int rc = 1, k;

	if (node_lock_alone(n, &e) == -1) {
		fprintf(stderr,
		    "tributary key: refused: %s. Stop the server first, "
		    "rotate, then start it again.\n",
		    e.msg);
		return (1);
	}
	if ((db = db_open(n->dbpath, 0, &e)) == NULL ||
	    keyrot_own(db, &own, &nown, &e) == -1)
		goto fail;
	fed_fingerprint(n->sign_pk, oldf);
	if ((k = node_key_staged(n, staged, &e)) == -1)
		goto fail;
	if (k == 1 && staged_recorded(n, own, nown, staged)) {
		/* Recorded, not yet in place: finish it. */
		sodium_memzero(staged, sizeof(staged));
		if (node_key_commit(n, &e) == -1)
			goto fail;
		fed_fingerprint(n->sign_pk, newf);
		printf("finished the rotation begun before: %s -> %s\n", oldf,
		    newf);
		rc = 0;
		goto out;
	}
	sodium_memzero(staged, sizeof(staged));
	if (k == 1) /* never recorded: no one knows it */
		node_key_unstage(n);
	if (nown >= KEYROT_MAX) {
		fprintf(stderr,
		    "tributary key: refused: the node has rotated its key %d "
		    "times, the most its peers read\n",
		    KEYROT_MAX);
		goto out;
	}
	if (nown > 0 && memcmp(own[nown - 1].new_pk, n->sign_pk, 32) != 0)
		fprintf(stderr,
		    "tributary key: warning: the key in use (%s) is not the "
		    "one the last rotation handed over to: peers pinned to a "
		    "key before it will not follow\n",
		    oldf);
	/* Never dated before the last one, even if the clock went back. */
	if (nown > 0 && own[nown - 1].rotated_at > at)
		at = own[nown - 1].rotated_at;
	crypto_sign_keypair(new_pk, new_sk);
	if (keyrot_make(n->sign_sk, new_sk, at, &r, &e) == -1)
		goto fail;
	snprintf(keep, sizeof(keep), "signing.key.old-%s", oldf);
	if (node_key_stage(n, new_sk, keep, &e) == -1)
		goto fail;
	if (writer_run(n->writer, keyrot_record_job, &r, &e) == -1) {
		node_key_unstage(n);
		goto fail;
	}
	if (node_key_commit(n, &e) == -1) {
		fprintf(stderr,
		    "tributary key: the rotation is recorded but the new key "
		    "is not in place (%s): run `tributary key rotate` again "
		    "to finish it\n",
		    e.msg);
		goto out;
	}
	hex_encode(n->sign_pk, 32, pk);
	fed_fingerprint(n->sign_pk, newf);
	printf(
	    "rotated the node's key: %s -> %s\n"
	    "public key:  %s\n"
	    "fingerprint: %s\n"
	    "the old key is kept in %s/keys/%s (back it up, offline)\n"
	    "start the server again: each peer accepts the new key at its "
	    "next pull,\nwith the statement in /.well-known/tributary.json\n",
	    oldf, newf, pk, newf, n->dir, keep);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "tributary key: %s\n", e.msg);
out:
	sodium_memzero(new_sk, sizeof(new_sk));
	keyrot_clear(&r);
	keyrot_free(own, nown);
	db_close(db);
	return (rc);
}

/*
** tributary key show|rotate: 0 done, 1 refused or failed (said on
** stderr), 2 a usage error.
*/
int
cmd_key(int argc, char **argv)
{
	const char *dir = take_data(&argc, argv);
	struct node *n;
	int rc;

	if (argc < 1 || flag(argc, argv, "--help")) {
		fputs(key_usage, argc < 1 ? stderr : stdout);
		return (argc < 1 ? 2 : 0);
	}
	if (strcmp(argv[0], "show") != 0 && strcmp(argv[0], "rotate") != 0) {
		fputs(key_usage, stderr);
		return (2);
	}
	if ((n = open_node("key", dir)) == NULL)
		return (1);
	rc = strcmp(argv[0], "show") == 0 ? key_show(n) : key_rotate(n);
	node_close(n);
	return (rc);
}
