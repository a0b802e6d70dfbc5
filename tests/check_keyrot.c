/*
** Key rotation (domain/keyrot.h, `tributary key`, the pull's following of
** a chain of statements) in two parts.
**
** "checker": the statement checker alone, with keys made here: a chain of
** two rotations followed from either key; a gap; a statement dated before
** the one it follows; one byte changed; signed only by the new key, or
** only by the old one; a chain that ends elsewhere or comes back to a
** key; the statements a well-known document carries, bounded.
**
** "nodes": real nodes on loopback (nodes B and C cut and approve
** releases; A pins both and pulls). `key rotate` is refused while B's
** server runs. B rotates while stopped and is started again: A's next
** pull accepts the new key, says so on stderr, audits it, shows it on the
** peer list; B's release cut before the rotation (signed by the old key)
** and the one cut after (the new key) are both pulled. C's key file is
** replaced by a fresh key without a statement: refused with both
** fingerprints and nothing recorded, and so are a statement with a byte
** changed, one signed only by the new key and one signed only by the old;
** the right statement is then accepted.
**
** Each "nodes" test starts the servers it needs and stops them; their
** pids also go to a file the TCase's teardown reads, so a test that fails
** half-way leaves no server behind.
*/
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consent.h"
#include "crypto.h"
#include "db.h"
#include "federation.h"
#include "keyrot.h"
#include "licences.h"
#include "node.h"
#include "testutil.h"

/* ---- the checker ---- */

static uint8_t kpk[5][32], ksk[5][64];

static void
keys_setup(void)
{
	int i;

	ck_assert_int_eq(sodium_init() >= 0, 1);
	for (i = 0; i < 5; i++)
		crypto_sign_keypair(kpk[i], ksk[i]);
}

/* The statement that key ${a} hands over to key ${b} at ${at}. */
static struct keyrot
rot(int a, int b, int64_t at)
{
	struct keyrot r;
	struct err e = { 0 };

	ck_assert_msg(
	    keyrot_make(ksk[a], ksk[b], at, &r, &e) == 0, "%s", e.msg);
	return (r);
}

/* ${r}'s bytes signed by key ${k}, as hex, into ${sig}. */
static void
sign_as(const struct keyrot *r, int k, char sig[129])
{
	uint8_t s[crypto_sign_BYTES];

	crypto_sign_detached(
	    s, NULL, (const uint8_t *)r->statement, r->n, ksk[k]);
	hex_encode(s, sizeof(s), sig);
}

/* keyrot_chain() of ${r}[0..${n}) from key ${pin} to key ${pres}: 0 with
** ${from} set, or -1 with ${why} filled (${len} bytes). */
static int
chain(const struct keyrot *r, size_t n, int pin, int pres, size_t *from,
    char *why, size_t len)
{
	struct err e = { 0 };
	int rc;

	rc = keyrot_chain(r, n, kpk[pin], kpk[pres], from, &e);
	snprintf(why, len, "%s", e.msg);
	if (rc == -1)
		ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	return (rc);
}

START_TEST(test_statement_bytes)
{
	char want[400], hex0[65], hex1[65];
	struct keyrot r = rot(0, 1, 1796500000), back;
	struct err e = { 0 };

	hex_encode(kpk[0], 32, hex0);
	hex_encode(kpk[1], 32, hex1);
	snprintf(want, sizeof(want),
	    "{\"new_key\":\"%s\",\"node\":\"tributary\",\"old_key\":\"%s\","
	    "\"rotated_at\":1796500000}",
	    hex1, hex0);
	ck_assert_str_eq(r.statement, want);
	ck_assert_uint_eq(r.n, strlen(want));
	/* Read back as a peer reads it. */
	ck_assert_msg(keyrot_parse(r.statement, r.n, r.old_sig, r.new_sig,
			  &back, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(memcmp(back.old_pk, kpk[0], 32), 0);
	ck_assert_int_eq(memcmp(back.new_pk, kpk[1], 32), 0);
	ck_assert_int_eq(back.rotated_at, 1796500000);
	keyrot_clear(&back);
	/* Not a statement: another "node", a key handed to itself, too
	** long, a short signature. */
	snprintf(want, sizeof(want),
	    "{\"new_key\":\"%s\",\"node\":\"other\",\"old_key\":\"%s\","
	    "\"rotated_at\":1}",
	    hex1, hex0);
	ck_assert_int_eq(
	    keyrot_parse(want, strlen(want), r.old_sig, r.new_sig, &back, &e),
	    -1);
	ck_assert_ptr_null(back.statement);
	snprintf(want, sizeof(want),
	    "{\"new_key\":\"%s\",\"node\":\"tributary\",\"old_key\":\"%s\","
	    "\"rotated_at\":1}",
	    hex0, hex0);
	ck_assert_int_eq(
	    keyrot_parse(want, strlen(want), r.old_sig, r.new_sig, &back, &e),
	    -1);
	ck_assert_int_eq(keyrot_parse(r.statement, KEYROT_STATEMENT_MAX + 1,
			     r.old_sig, r.new_sig, &back, &e),
	    -1);
	ck_assert_int_eq(e.code, ERR_TOO_LARGE);
	ck_assert_int_eq(
	    keyrot_parse(r.statement, r.n, "abcd", r.new_sig, &back, &e), -1);
	keyrot_clear(&r);
}
END_TEST

START_TEST(test_chain_of_two)
{
	struct keyrot r[2] = { rot(0, 1, 100), rot(1, 2, 200) };
	char why[512];
	size_t from = 99;

	ck_assert_msg(
	    chain(r, 2, 0, 2, &from, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(from, 0);
	/* A peer that pinned the middle key follows the second only. */
	ck_assert_msg(
	    chain(r, 2, 1, 2, &from, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(from, 1);
	/* The same time twice is not going back. */
	keyrot_clear(&r[1]);
	r[1] = rot(1, 2, 100);
	ck_assert_msg(
	    chain(r, 2, 0, 2, &from, why, sizeof(why)) == 0, "%s", why);
	/* A key no statement hands over from; a chain that ends elsewhere. */
	ck_assert_int_eq(chain(r, 2, 3, 2, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "hands over from the pinned key"), "%s", why);
	ck_assert_int_eq(chain(r, 2, 0, 3, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "end at key"), "%s", why);
	ck_assert_int_eq(chain(r, 0, 0, 2, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "no key rotation statement"), "%s", why);
	keyrot_clear(&r[0]);
	keyrot_clear(&r[1]);
}
END_TEST

START_TEST(test_chain_gap)
{
	struct keyrot r[2] = { rot(0, 1, 100), rot(2, 3, 200) };
	char why[512];
	size_t from;

	ck_assert_int_eq(chain(r, 2, 0, 3, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "break at statement 2"), "%s", why);
	/* Pinned after the gap: only the second is followed. */
	ck_assert_msg(
	    chain(r, 2, 2, 3, &from, why, sizeof(why)) == 0, "%s", why);
	ck_assert_uint_eq(from, 1);
	keyrot_clear(&r[0]);
	keyrot_clear(&r[1]);
}
END_TEST

START_TEST(test_chain_time_back)
{
	struct keyrot r[2] = { rot(0, 1, 200), rot(1, 2, 199) };
	char why[512];
	size_t from;

	ck_assert_int_eq(chain(r, 2, 0, 2, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "statement 2 is dated before"), "%s", why);
	keyrot_clear(&r[0]);
	keyrot_clear(&r[1]);
}
END_TEST

START_TEST(test_chain_tampered)
{
	struct keyrot r = rot(0, 1, 1796500000);
	char why[512], *d;
	size_t from;

	/* One byte of the time changed: neither signature holds. */
	ck_assert_ptr_nonnull(d = strstr(r.statement, "1796500000"));
	d[9] = '1';
	ck_assert_int_eq(chain(&r, 1, 0, 1, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "not signed by its old key"), "%s", why);
	d[9] = '0';
	ck_assert_msg(
	    chain(&r, 1, 0, 1, &from, why, sizeof(why)) == 0, "%s", why);
	/* Signed only by the new key (its signature in both places). */
	sign_as(&r, 1, r.old_sig);
	ck_assert_int_eq(chain(&r, 1, 0, 1, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "not signed by its old key"), "%s", why);
	/* Signed only by the old key: the new one proves nothing. */
	sign_as(&r, 0, r.old_sig);
	sign_as(&r, 0, r.new_sig);
	ck_assert_int_eq(chain(&r, 1, 0, 1, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "not signed by its new key"), "%s", why);
	/* Someone else's key signing for the old one. */
	sign_as(&r, 1, r.new_sig);
	sign_as(&r, 4, r.old_sig);
	ck_assert_int_eq(chain(&r, 1, 0, 1, &from, why, sizeof(why)), -1);
	keyrot_clear(&r);
}
END_TEST

START_TEST(test_chain_loop)
{
	struct keyrot r[3] = { rot(0, 1, 100), rot(1, 2, 200), rot(2, 1, 300) };
	char why[512];
	size_t from;

	ck_assert_int_eq(chain(r, 3, 0, 1, &from, why, sizeof(why)), -1);
	ck_assert_msg(
	    strstr(why, "hands back to a key used before"), "%s", why);
	keyrot_clear(&r[2]);
	r[2] = rot(2, 0, 300);
	ck_assert_int_eq(chain(r, 3, 0, 0, &from, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "hands back"), "%s", why);
	keyrot_clear(&r[0]);
	keyrot_clear(&r[1]);
	keyrot_clear(&r[2]);
}
END_TEST

/* A well-known document of key ${pres} carrying ${rot} (a JSON array, or
** NULL for none), parsed: 0 or -1 as fed_wellknown_parse(). */
static int
doc_parse(int pres, json_t *rots, struct fed_wellknown_doc *d)
{
	char hex[65], *text;
	struct err e = { 0 };
	json_t *o;
	int rc;

	hex_encode(kpk[pres], 32, hex);
	o = json_pack("{s:s,s:s,s:[],s:{s:s,s:s}}", "namespace", "orgb",
	    "public_key", hex, "datasets", "revocations", "url",
	    FED_PATH_REVOCATIONS, "head",
	    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
	if (rots != NULL)
		json_object_set_new(o, "key_rotations", rots);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	rc = fed_wellknown_parse(text, strlen(text), d, &e);
	if (rc == -1)
		ck_assert_msg(e.msg[0] != '\0', "no reason given");
	free(text);
	return (rc);
}

static json_t *
rot_json(const struct keyrot *r)
{
	return (json_pack("{s:s%,s:s,s:s}", "statement", r->statement, r->n,
	    "old_signature", r->old_sig, "new_signature", r->new_sig));
}

START_TEST(test_wellknown_rotations)
{
	struct keyrot r[2] = { rot(0, 1, 100), rot(1, 2, 200) };
	struct fed_wellknown_doc d;
	char why[512];
	json_t *a;
	size_t from, i;

	/* None: an older node's document. */
	ck_assert_int_eq(doc_parse(0, NULL, &d), 0);
	ck_assert_uint_eq(d.nrot, 0);
	fed_wellknown_free(&d);
	/* Two, kept byte for byte, and they chain. */
	ck_assert_int_eq(
	    doc_parse(
		2, json_pack("[o,o]", rot_json(&r[0]), rot_json(&r[1])), &d),
	    0);
	ck_assert_uint_eq(d.nrot, 2);
	ck_assert_str_eq(d.rot[1].statement, r[1].statement);
	ck_assert_msg(chain(d.rot, d.nrot, 0, 2, &from, why, sizeof(why)) == 0,
	    "%s", why);
	fed_wellknown_free(&d);
	ck_assert_ptr_null(d.rot);
	/* Over the limit of statements. */
	a = json_array();
	for (i = 0; i <= KEYROT_MAX; i++)
		json_array_append_new(a, rot_json(&r[0]));
	ck_assert_int_eq(doc_parse(2, a, &d), -1);
	ck_assert_ptr_null(d.rot);
	/* A NUL inside a statement; a statement that is not one; a
	** signature missing. */
	a = json_pack("[{s:s#,s:s,s:s}]", "statement", r[0].statement,
	    (int)r[0].n, "old_signature", r[0].old_sig, "new_signature",
	    r[0].new_sig);
	json_object_set_new(
	    json_array_get(a, 0), "statement", json_stringn("{\"a\":1}\0x", 9));
	ck_assert_int_eq(doc_parse(2, a, &d), -1);
	ck_assert_int_eq(
	    doc_parse(2,
		json_pack("[{s:s,s:s,s:s}]", "statement", "{}", "old_signature",
		    r[0].old_sig, "new_signature", r[0].new_sig),
		&d),
	    -1);
	ck_assert_int_eq(doc_parse(2,
			     json_pack("[{s:s,s:s}]", "statement",
				 r[0].statement, "old_signature", r[0].old_sig),
			     &d),
	    -1);
	ck_assert_int_eq(doc_parse(2, json_string("x"), &d), -1);
	keyrot_clear(&r[0]);
	keyrot_clear(&r[1]);
}
END_TEST

/* ---- real nodes ---- */

static struct tu_server srv_b, srv_c;
static char adir[700], bdir[700], cdir[700], pidfile[800];
static char bkey[65], ckey[65], bfpr[FED_FPR_LEN + 1], cfpr[FED_FPR_LEN + 1];

static const char *eb[] = { "--namespace", "orgb", "--rate-per-address",
	"100000", NULL };
static const char *ec[] = { "--namespace", "orgc", "--rate-per-address",
	"100000", NULL };

/* Starts node ${dir}'s server into ${s}, its pid noted for teardown. */
static void
start(struct tu_server *s, const char *dir, const char **extra)
{
	FILE *fp;

	if (tu_server_start(s, dir, extra) != 0) {
		size_t z;
		char *l = tu_read_file(s->errlog, &z);
		ck_abort_msg("%s: %s", dir, l ? l : "?");
	}
	ck_assert_ptr_nonnull(fp = fopen(pidfile, "a"));
	fprintf(fp, "%d\n", (int)s->pid);
	fclose(fp);
}

static void
suite_setup(void)
{
	char out[1024];

	tu_base_setup();
	snprintf(adir, sizeof(adir), "%s/a", tu_base);
	snprintf(bdir, sizeof(bdir), "%s/b", tu_base);
	snprintf(cdir, sizeof(cdir), "%s/c", tu_base);
	snprintf(pidfile, sizeof(pidfile), "%s/servers", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", adir, NULL }),
	    0);
	tu_fed_node(bdir);
	tu_fed_node(cdir);
	tu_fed_cut(bdir, "1.0.0", 3, 1, 3);
	tu_fed_cut(cdir, "2.0.0", 2, 1, 9);
	tu_fed_whoami(bdir, bkey, bfpr);
	tu_fed_whoami(cdir, ckey, cfpr);
}

/* Stops every server a test started and left running (it failed). */
static void
suite_teardown(void)
{
	FILE *fp;
	int pid;

	if ((fp = fopen(pidfile, "r")) != NULL) {
		while (fscanf(fp, "%d", &pid) == 1)
			if (pid > 0)
				kill((pid_t)pid, SIGTERM);
		fclose(fp);
		sleep(1);
	}
	tu_base_teardown();
}

/* Node ${dir}'s database open as tu_db, for a count or a change. */
static void
db_at(const char *dir)
{
	struct err e = { 0 };

	snprintf(tu_dbpath, sizeof(tu_dbpath), "%.580s/node.db", dir);
	ck_assert_ptr_nonnull(tu_db = db_open(tu_dbpath, 0, &e));
}

static void
db_done(void)
{
	db_close(tu_db);
	tu_db = NULL;
}

/* Runs the write ${sql} on node ${dir}'s database (none of its
** processes running, or one that reads it per request). */
static void
exec_at(const char *dir, const char *sql)
{
	char *msg = NULL;

	db_at(dir);
	ck_assert_msg(
	    sqlite3_exec(db_handle(tu_db), sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
	db_done();
}

/* A's peer ${name} now answers at ${base}: its server was started
** again, on another port (its address changed, not its key). */
static void
moved(const char *name, const char *base)
{
	char sql[300];

	snprintf(sql, sizeof(sql),
	    "UPDATE peers SET url = '%s' WHERE name = "
	    "'%s'",
	    base, name);
	exec_at(adir, sql);
}

static int
pull(char *out, size_t n, const char *peer)
{
	return (tu_cli(out, n,
	    (const char *const[]){
		"federate", "pull", "--data", adir, "--peer", peer, NULL }));
}

/* The line of `peer list` for peer ${name}, into ${line}. */
static void
list_line(const char *name, char *line, size_t len)
{
	char out[8192], want[80];
	const char *p;

	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "list", "--data", adir, NULL }),
	    0);
	snprintf(want, sizeof(want), "\n%s\t", name);
	ck_assert_msg((p = strstr(out, want)) != NULL, "%s", out);
	snprintf(line, len, "%.*s", (int)strcspn(p + 1, "\n"), p + 1);
}

/* The key release ${version} of node ${dir} names in its manifest. */
static void
manifest_key(const char *dir, const char *version, char key[65])
{
	char path[1200];
	json_t *m;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", dir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	snprintf(
	    key, 65, "%s", json_string_value(json_object_get(m, "public_key")));
	json_decref(m);
}

START_TEST(test_rotate_refused_while_served)
{
	char out[4096], key[65], fpr[FED_FPR_LEN + 1];

	start(&srv_b, bdir, eb);
	ck_assert_int_ne(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "key", "rotate", "--data", bdir, NULL }),
	    0);
	ck_assert_msg(strstr(out, "refused") && strstr(out, "Stop the server"),
	    "%s", out);
	ck_assert_int_eq(tu_server_stop(&srv_b), 0);
	tu_fed_whoami(bdir, key, fpr);
	ck_assert_str_eq(key, bkey);
	ck_assert_int_eq(tu_node_q_int(bdir,
			     "SELECT count(*) FROM key_rotations "
			     "WHERE ?1",
			     1),
	    0);
	/* `key show` before any rotation. */
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "key", "show", "--data", bdir, NULL }),
	    0);
	ck_assert_msg(
	    strstr(out, bfpr) && strstr(out, "rotations:   0"), "%s", out);
}
END_TEST

START_TEST(test_rotation_followed)
{
	char out[8192], line[2048], want[200], nkey[65], nfpr[FED_FPR_LEN + 1];
	char mkey[65], path[1200], oldk[1200];
	uint8_t sk[64], pk[32];
	size_t n;
	void *x;

	/* A pins B and pulls 1.0.0. */
	start(&srv_b, bdir, eb);
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_b.base, "--key", bkey, "--name", "b", NULL }) == 0,
	    "add b: %s", out);
	ck_assert_msg(pull(out, sizeof(out), "b") == 0, "pull: %s", out);
	tu_fed_held_same(adir, bdir, "1.0.0");
	/* B cuts 1.1.0 with its first key; A has not pulled it yet. */
	tu_fed_cut(bdir, "1.1.0", 2, 0, 0);
	manifest_key(bdir, "1.1.0", mkey);
	ck_assert_str_eq(mkey, bkey);
	/* B stops, rotates, starts again. */
	ck_assert_int_eq(tu_server_stop(&srv_b), 0);
	ck_assert_msg(tu_cli(out, sizeof(out),
			  (const char *const[]){
			      "key", "rotate", "--data", bdir, NULL }) == 0,
	    "rotate: %s", out);
	tu_fed_whoami(bdir, nkey, nfpr);
	ck_assert_str_ne(nkey, bkey);
	ck_assert_msg(strstr(out, bfpr) && strstr(out, nfpr), "%s", out);
	/* The old key is kept, whole. */
	snprintf(oldk, sizeof(oldk), "%s/keys/signing.key.old-%s", bdir, bfpr);
	ck_assert_ptr_nonnull(x = tu_read_file(oldk, &n));
	ck_assert_uint_eq(n, 64);
	memcpy(sk, x, 64);
	free(x);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_memzero(sk, sizeof(sk));
	hex_encode(pk, 32, path);
	ck_assert_str_eq(path, bkey);
	ck_assert_int_eq(tu_node_q_int(bdir,
			     "SELECT count(*) FROM audit_log WHERE "
			     "action = 'node.key_rotate' AND ?1",
			     1),
	    1);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "key", "show", "--data", bdir, NULL }),
	    0);
	snprintf(want, sizeof(want), "%s -> %s", bfpr, nfpr);
	ck_assert_msg(
	    strstr(out, want) && strstr(out, "rotations:   1"), "%s", out);
	start(&srv_b, bdir, eb);
	moved("b", srv_b.base);
	/* A follows: says so, pulls 1.1.0 (signed by the old key). */
	ck_assert_msg(pull(out, sizeof(out), "b") == 0, "pull: %s", out);
	snprintf(want, sizeof(want),
	    "peer b rotated its key: %s -> %s (statement signed by the old "
	    "key)",
	    bfpr, nfpr);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "1 release(s) new") != NULL, "%s", out);
	tu_fed_held_same(adir, bdir, "1.1.0");
	/* B's own 1.1.0, signed by the key it had then, is still published
	** (to B's own Hub write API). */
	{
		char tok[800], *t;
		FILE *f;

		ck_assert_int_eq(
		    tu_cli(out, sizeof(out),
			(const char *const[]){ "token", "add", "--data", bdir,
			    "--name", "self", NULL }),
		    0);
		ck_assert_ptr_nonnull(t = strstr(out, "hf_"));
		snprintf(tok, sizeof(tok), "%s/b-token", tu_base);
		ck_assert_ptr_nonnull(f = fopen(tok, "w"));
		fprintf(f, "%.43s\n", t);
		fclose(f);
		ck_assert_msg(tu_cli(out, sizeof(out),
				  (const char *const[]){ "publish", "--data",
				      bdir, "1.1.0", "--repo", "orgb/old",
				      "--endpoint", srv_b.base, "--quiet",
				      "--token-file", tok, NULL }) == 0,
		    "publish of a release signed before the rotation: %s", out);
	}
	snprintf(path, sizeof(path),
	    "SELECT count(*) FROM peers WHERE name = 'b' AND public_key = '%s' "
	    "AND ?1",
	    nkey);
	ck_assert_int_eq(tu_node_q_int(adir, path, 1), 1);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_keys WHERE "
			     "peer_id = (SELECT id FROM peers WHERE "
			     "name = 'b') AND ?1",
			     1),
	    2);
	snprintf(path, sizeof(path),
	    "SELECT count(*) FROM audit_log WHERE action = "
	    "'federation.peer_key_rotated' AND detail LIKE '%%%s%%' AND "
	    "detail LIKE '%%%s%%' AND ?1",
	    bfpr, nfpr);
	ck_assert_int_eq(tu_node_q_int(adir, path, 1), 1);
	/* The peer list: the new fingerprint, rotated, the old one before. */
	list_line("b", line, sizeof(line));
	ck_assert_msg(strstr(line, nfpr) && strstr(line, "(rotated)") &&
		strstr(line, bfpr) && strstr(line, nfpr) < strstr(line, bfpr),
	    "%s", line);
	/* B cuts 1.2.0, signed with its new key: pulled too. */
	tu_fed_cut(bdir, "1.2.0", 2, 0, 0);
	manifest_key(bdir, "1.2.0", mkey);
	ck_assert_str_eq(mkey, nkey);
	ck_assert_msg(pull(out, sizeof(out), "b") == 0, "pull: %s", out);
	ck_assert_msg(strstr(out, "1 release(s) new") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "rotated its key") == NULL,
	    "a second pull rotates again: %s", out);
	tu_fed_held_same(adir, bdir, "1.2.0");
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM audit_log WHERE "
			     "action = 'federation.peer_key_rotated' "
			     "AND ?1",
			     1),
	    1);
	ck_assert_int_eq(tu_server_stop(&srv_b), 0);
}
END_TEST

/* C's key rotations in its database become exactly one: ${r}'s
** statement with ${old_sig} and ${new_sig} (NULL: none). */
static void
c_rotation(const struct keyrot *r, const char *stmt, const char *old_sig,
    const char *new_sig)
{
	char oldh[65], newh[65];
	sqlite3_stmt *st;

	db_at(cdir);
	ck_assert_int_eq(sqlite3_exec(db_handle(tu_db),
			     "DELETE FROM key_rotations", NULL, NULL, NULL),
	    SQLITE_OK);
	if (r != NULL) {
		hex_encode(r->old_pk, 32, oldh);
		hex_encode(r->new_pk, 32, newh);
		ck_assert_int_eq(
		    sqlite3_prepare_v2(db_handle(tu_db),
			"INSERT INTO key_rotations (old_key, new_key, "
			"rotated_at, statement, old_signature, "
			"new_signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			-1, &st, NULL),
		    SQLITE_OK);
		sqlite3_bind_text(st, 1, oldh, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, newh, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, r->rotated_at);
		sqlite3_bind_text(st, 4, stmt, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, old_sig, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, new_sig, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	db_done();
}

/* A's pull of C is refused for ${why}: both fingerprints said, the
** peer's last error says why, and C's key is still the one pinned. */
static void
c_refused(const char *nfpr, const char *why)
{
	char out[8192], sql[400];

	ck_assert_msg(pull(out, sizeof(out), "c") != 0, "%s", out);
	ck_assert_msg(strstr(out, cfpr) && strstr(out, nfpr) &&
		strstr(out, "refused") && strstr(out, why),
	    "not refused for \"%s\" with both fingerprints: %s", why, out);
	ck_assert_msg(strstr(out, "rotated its key") == NULL, "%s", out);
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM peers WHERE name = 'c' AND public_key = '%s' "
	    "AND last_error LIKE '%%refused%%' AND last_error LIKE '%%%s%%' "
	    "AND ?1",
	    ckey, why);
	ck_assert_int_eq(tu_node_q_int(adir, sql, 1), 1);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_keys WHERE "
			     "peer_id = (SELECT id FROM peers WHERE "
			     "name = 'c') AND ?1",
			     1),
	    1);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM audit_log WHERE "
			     "action = 'federation.peer_key_rotated' "
			     "AND subject_id = (SELECT id FROM peers "
			     "WHERE name = 'c') AND ?1",
			     1),
	    0);
}

START_TEST(test_without_statement_refused)
{
	char out[8192], path[1200], nkey[65], nfpr[FED_FPR_LEN + 1], want[200];
	char sig[129], *d, *bad;
	uint8_t old_sk[64], new_sk[64], new_pk[32], s[crypto_sign_BYTES];
	struct keyrot r;
	struct err e = { 0 };
	size_t n;
	void *x;
	FILE *fp;

	start(&srv_c, cdir, ec);
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_c.base, "--key", ckey, "--name", "c", NULL }) == 0,
	    "add c: %s", out);
	ck_assert_msg(pull(out, sizeof(out), "c") == 0, "pull: %s", out);
	ck_assert_int_eq(tu_server_stop(&srv_c), 0);
	/* C's key file replaced by a fresh key: no statement. */
	snprintf(path, sizeof(path), "%s/keys/signing.key", cdir);
	ck_assert_ptr_nonnull(x = tu_read_file(path, &n));
	ck_assert_uint_eq(n, 64);
	memcpy(old_sk, x, 64);
	free(x);
	crypto_sign_keypair(new_pk, new_sk);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(new_sk, 1, 64, fp), 64);
	fclose(fp);
	chmod(path, 0600);
	tu_fed_whoami(cdir, nkey, nfpr);
	ck_assert_str_ne(nkey, ckey);
	start(&srv_c, cdir, ec);
	moved("c", srv_c.base);
	c_refused(nfpr, "no key rotation statement");
	/* A statement with one byte changed. */
	ck_assert_int_eq(keyrot_make(old_sk, new_sk, 1796500000, &r, &e), 0);
	ck_assert_ptr_nonnull(bad = strdup(r.statement));
	ck_assert_ptr_nonnull(d = strstr(bad, "1796500000"));
	d[9] = '7';
	c_rotation(&r, bad, r.old_sig, r.new_sig);
	c_refused(nfpr, "not signed by its old key");
	/* Signed only by the new key. */
	crypto_sign_detached(
	    s, NULL, (const uint8_t *)r.statement, r.n, new_sk);
	hex_encode(s, sizeof(s), sig);
	c_rotation(&r, r.statement, sig, r.new_sig);
	c_refused(nfpr, "not signed by its old key");
	/* Signed only by the old key. */
	c_rotation(&r, r.statement, r.old_sig, r.old_sig);
	c_refused(nfpr, "not signed by its new key");
	/* The statement as made: accepted. */
	c_rotation(&r, r.statement, r.old_sig, r.new_sig);
	ck_assert_msg(pull(out, sizeof(out), "c") == 0, "%s", out);
	snprintf(want, sizeof(want),
	    "peer c rotated its key: %s -> %s (statement signed by the old "
	    "key)",
	    cfpr, nfpr);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE name "
			     "= 'c' AND last_error IS NULL AND ?1",
			     1),
	    1);
	sodium_memzero(old_sk, sizeof(old_sk));
	sodium_memzero(new_sk, sizeof(new_sk));
	free(bad);
	keyrot_clear(&r);
	ck_assert_int_eq(tu_server_stop(&srv_c), 0);
}
END_TEST

/* Node ${dir}'s secret key file's bytes into ${sk}. */
static void
key_file(const char *dir, const char *name, uint8_t sk[64])
{
	char path[1200];
	size_t n;
	void *x;

	snprintf(path, sizeof(path), "%s/keys/%s", dir, name);
	ck_assert_ptr_nonnull(x = tu_read_file(path, &n));
	ck_assert_uint_eq(n, 64);
	memcpy(sk, x, 64);
	free(x);
}

/* Writes ${sk} as node ${dir}'s staged key, as a rotation stopped after
** its first step leaves it. */
static void
stage(const char *dir, const uint8_t sk[64])
{
	char path[1200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/keys/signing.key.new", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(sk, 1, 64, fp), 64);
	fclose(fp);
	chmod(path, 0600);
}

/*
** A rotation stopped half-way (a crash, a full disk) is finished by the
** next `key rotate`: recorded but not in place, the recorded key is put
** in place and no other is made; staged but never recorded, the staged
** key is thrown away and a fresh rotation made.
*/
START_TEST(test_rotation_interrupted)
{
	char out[4096], ddir[800], key[65], fpr[FED_FPR_LEN + 1], hex[65];
	uint8_t old_sk[64], new_sk[64], new_pk[32], got[64];
	struct keyrot r;
	struct err e = { 0 };
	struct node *n;

	snprintf(ddir, sizeof(ddir), "%s/d", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", ddir, NULL }),
	    0);
	key_file(ddir, "signing.key", old_sk);
	crypto_sign_keypair(new_pk, new_sk);
	/* Recorded, not in place. */
	stage(ddir, new_sk);
	ck_assert_int_eq(keyrot_make(old_sk, new_sk, 1796500000, &r, &e), 0);
	n = tu_node_open(ddir);
	tu_run_ok(keyrot_record_job, &r);
	tu_node_close(n);
	keyrot_clear(&r);
	ck_assert_msg(tu_cli(out, sizeof(out),
			  (const char *const[]){
			      "key", "rotate", "--data", ddir, NULL }) == 0,
	    "%s", out);
	ck_assert_msg(strstr(out, "finished the rotation"), "%s", out);
	tu_fed_whoami(ddir, key, fpr);
	hex_encode(new_pk, 32, hex);
	ck_assert_str_eq(key, hex);
	ck_assert_int_eq(tu_node_q_int(ddir,
			     "SELECT count(*) FROM key_rotations "
			     "WHERE ?1",
			     1),
	    1);
	/* Staged, never recorded: no one knows it; a fresh one is made. */
	crypto_sign_keypair(new_pk, old_sk);
	stage(ddir, old_sk);
	ck_assert_msg(tu_cli(out, sizeof(out),
			  (const char *const[]){
			      "key", "rotate", "--data", ddir, NULL }) == 0,
	    "%s", out);
	ck_assert_msg(strstr(out, "rotated the node's key"), "%s", out);
	key_file(ddir, "signing.key", got);
	ck_assert_int_ne(memcmp(got, old_sk, 64), 0);
	ck_assert_int_ne(memcmp(got, new_sk, 64), 0);
	snprintf(out, sizeof(out), "%s/keys/signing.key.new", ddir);
	ck_assert_int_eq(access(out, F_OK), -1);
	ck_assert_int_eq(tu_node_q_int(ddir,
			     "SELECT count(*) FROM key_rotations "
			     "WHERE ?1",
			     1),
	    2);
	/* Both kept: the first key and the one it handed over to. */
	snprintf(out, sizeof(out), "%s/keys/signing.key.old-%s", ddir, fpr);
	ck_assert_int_eq(access(out, F_OK), 0);
	sodium_memzero(old_sk, sizeof(old_sk));
	sodium_memzero(new_sk, sizeof(new_sk));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("keyrot");
	TCase *tu = tcase_create("checker");
	TCase *tc = tcase_create("nodes");

	tcase_add_checked_fixture(tu, keys_setup, NULL);
	tcase_add_test(tu, test_statement_bytes);
	tcase_add_test(tu, test_chain_of_two);
	tcase_add_test(tu, test_chain_gap);
	tcase_add_test(tu, test_chain_time_back);
	tcase_add_test(tu, test_chain_tampered);
	tcase_add_test(tu, test_chain_loop);
	tcase_add_test(tu, test_wellknown_rotations);
	suite_add_tcase(s, tu);
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_rotate_refused_while_served);
	tcase_add_test(tc, test_rotation_followed);
	tcase_add_test(tc, test_without_statement_refused);
	tcase_add_test(tc, test_rotation_interrupted);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
