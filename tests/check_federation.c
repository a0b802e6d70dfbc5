/*
** Federation (issue 19's foundation) on loopback: nodes B and C each cut
** and approve a release and serve it; node A adds them as peers and
** pulls. A's identity and B's signed revocation list as served; a peer
** presenting another key is refused with both fingerprints; A's pull
** holds B's and C's files byte for byte after checking the signature; a
** second pull fetches no file; a file altered on B after signing is
** refused and named, and nothing of that release is recorded; a pull cut
** half-way resumes with Range (a partial file left behind, and a
** connection dropped mid-file); a tampered revocation list is refused;
** B down: C is still pulled and B reported.
*/
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consent.h"
#include "contrib.h"
#include "crypto.h"
#include "db.h"
#include "federation.h"
#include "licences.h"
#include "node.h"
#include "testutil.h"

static struct tu_server srv_b, srv_c;
static char adir[700], bdir[700], cdir[700];
static char bkey[65], ckey[65], bfpr[FED_FPR_LEN + 1], cfpr[FED_FPR_LEN + 1];
static int64_t b_text; /* a text of B's 1.0.0 */

/* A new release ${version} of node ${dir}. */
static void
cut(const char *dir, const char *version, int texts, int recs, int tone)
{
	int64_t first = tu_fed_cut(dir, version, texts, recs, tone);

	if (b_text == 0 && strcmp(dir, bdir) == 0)
		b_text = first;
}

static void
suite_setup(void)
{
	char out[1024], webroot[600];
	const char *eb[] = { "--namespace", "orgb", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };
	const char *ec[] = { "--namespace", "orgc", "--webroot", webroot,
		"--rate-per-address", "100000", NULL };

	tu_base_setup();
	snprintf(adir, sizeof(adir), "%s/a", tu_base);
	snprintf(bdir, sizeof(bdir), "%s/b", tu_base);
	snprintf(cdir, sizeof(cdir), "%s/c", tu_base);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "init", "--data", adir, NULL }),
	    0);
	tu_fed_node(bdir);
	tu_fed_node(cdir);
	cut(bdir, "1.0.0", 4, 2, 3);
	cut(cdir, "2.0.0", 3, 1, 9);
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "settings", "--data", cdir,
				 "--org-name", "Ga Voices Trust", NULL }),
	    0);
	tu_fed_whoami(bdir, bkey, bfpr);
	tu_fed_whoami(cdir, ckey, cfpr);
	snprintf(webroot, sizeof(webroot), "%s", tu_src_path("webroot"));
	if (tu_server_start(&srv_b, bdir, eb) != 0) {
		size_t z;
		char *l = tu_read_file(srv_b.errlog, &z);
		ck_abort_msg("B: %s", l ? l : "?");
	}
	ck_assert_int_eq(tu_server_start(&srv_c, cdir, ec), 0);
}

static void
suite_teardown(void)
{
	if (srv_b.pid > 0)
		tu_server_stop(&srv_b);
	if (srv_c.pid > 0)
		tu_server_stop(&srv_c);
	tu_base_teardown();
}

/* `tributary federate pull --data A` with ${more} options (NULL-ended,
** at most 4); its exit status, its output into ${out}. */
static int
pull(char *out, size_t n, const char *a1, const char *a2)
{
	return (tu_cli(out, n,
	    (const char *const[]){
		"federate", "pull", "--data", adir, a1, a2, NULL }));
}

/* Lines of B's request log that fetched a release file. */
static int
b_file_requests(void)
{
	size_t n;
	char *log = tu_slurp(srv_b.errlog, &n), *p = log;
	int k = 0;

	while ((p = strstr(p, "/resolve/")) != NULL) {
		k++;
		p++;
	}
	free(log);
	return (k);
}

START_TEST(test_identity)
{
	struct tu_resp r = { 0 };
	char url[200];
	json_t *o, *d;

	snprintf(url, sizeof(url), "%s/.well-known/tributary.json", srv_b.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(o = json_loadb(r.body, r.n, 0, NULL));
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "namespace")), "orgb");
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "orgb");
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "public_key")), bkey);
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "fingerprint")), bfpr);
	d = json_array_get(json_object_get(o, "datasets"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "name")), "ewe");
	ck_assert_str_eq(
	    json_string_value(json_object_get(d, "version")), "1.0.0");
	ck_assert_str_eq(json_string_value(json_object_get(
			     json_object_get(o, "revocations"), "url")),
	    FED_PATH_REVOCATIONS);
	json_decref(o);
	tu_resp_free(&r);
	/* C's organization has a name: its document says it. */
	snprintf(url, sizeof(url), "%s/.well-known/tributary.json", srv_c.base);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_ptr_nonnull(o = json_loadb(r.body, r.n, 0, NULL));
	ck_assert_str_eq(
	    json_string_value(json_object_get(o, "name")), "Ga Voices Trust");
	json_decref(o);
	tu_resp_free(&r);
	/* The fingerprint is the key's SHA-256, 8 bytes, in groups. */
	{
		uint8_t pk[32], d2[32];
		char hex[17];

		ck_assert_int_eq(fed_key_parse(bkey, pk), 0);
		sha256_digest(pk, 32, d2);
		hex_encode(d2, 8, hex);
		ck_assert_int_eq(strncasecmp(bfpr, hex, 4), 0);
		ck_assert_int_eq(strncasecmp(bfpr + 15, hex + 12, 4), 0);
		ck_assert_int_eq(bfpr[4], '-');
	}
}
END_TEST

START_TEST(test_wrong_key_refused)
{
	char out[4096];

	ck_assert_int_ne(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_b.base, "--key", ckey, "--name", "b", NULL }),
	    0);
	ck_assert_msg(strstr(out, bfpr) != NULL && strstr(out, cfpr) != NULL,
	    "both fingerprints are not shown: %s", out);
	ck_assert_int_eq(
	    tu_node_q_int(adir, "SELECT count(*) FROM peers WHERE ?1", 1), 0);
}
END_TEST

START_TEST(test_pull_and_again)
{
	char out[8192], tok[800], url[100];
	int before;
	FILE *fp;

	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_b.base, "--key", bkey, "--name", "b", NULL }) == 0,
	    "add b: %s", out);
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir,
		    srv_c.base, "--key", ckey, "--name", "c", NULL }) == 0,
	    "add c: %s", out);
	ck_assert_msg(pull(out, sizeof(out), NULL, NULL) == 0, "pull: %s", out);
	ck_assert_msg(strstr(out, "2 release(s) new") != NULL, "%s", out);
	tu_fed_held_same(adir, bdir, "1.0.0");
	tu_fed_held_same(adir, cdir, "2.0.0");
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_releases WHERE ?1", 1),
	    2);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM audit_log WHERE action "
			     "= 'federation.pull' AND ?1",
			     1),
	    2);
	/* Again: nothing new, and no file asked of B (whose log lines are
	** written once each answer is sent: wait for them to settle). */
	do {
		before = b_file_requests();
		usleep(200000);
	} while (b_file_requests() != before);
	ck_assert_msg(pull(out, sizeof(out), NULL, NULL) == 0, "pull: %s", out);
	ck_assert_msg(strstr(out, "0 file(s) fetched") != NULL &&
		strstr(out, "0 bytes received") != NULL &&
		strstr(out, "0 release(s) new") != NULL,
	    "%s", out);
	ck_assert_int_eq(b_file_requests(), before);
	/* The list shows both, no error, and never a token. */
	snprintf(tok, sizeof(tok), "%s/token", tu_base);
	ck_assert_ptr_nonnull(fp = fopen(tok, "w"));
	fputs("hf_secretsecretsecret\n", fp);
	fclose(fp);
	snprintf(url, sizeof(url), "http://localhost:%s",
	    strrchr(srv_c.base, ':') + 1);
	ck_assert_msg(tu_cli(out, sizeof(out),
			  (const char *const[]){ "peer", "add", "--data", adir,
			      url, "--key", ckey, "--name", "c-with-token",
			      "--token-file", tok, NULL }) == 0,
	    "add with a token: %s", out);
	ck_assert_int_eq(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "list", "--data", adir, NULL }),
	    0);
	ck_assert_msg(strstr(out, bfpr) != NULL && strstr(out, cfpr) != NULL &&
		strstr(out, "c-with-token") != NULL,
	    "%s", out);
	ck_assert_msg(strstr(out, "secretsecret") == NULL, "%s", out);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE token = "
			     "'hf_secretsecretsecret' AND ?1",
			     1),
	    1);
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "peer", "remove", "--data",
				 adir, "--name", "c-with-token", NULL }),
	    0);
}
END_TEST

/* One byte of B's release ${version}'s text Parquet file (new in each
** release, unlike the audio one), flipped. */
static void
flip(const char *version, char *which, size_t len)
{
	char path[1200];
	json_t *m, *f;
	size_t i;
	FILE *fp;
	int c;

	snprintf(
	    path, sizeof(path), "%s/releases/%s/manifest.json", bdir, version);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		const char *p = json_string_value(json_object_get(f, "path"));

		if (strncmp(p, "data/", 5) == 0 && strstr(p, "text") != NULL) {
			snprintf(which, len, "%s", p);
			break;
		}
	}
	json_decref(m);
	snprintf(path, sizeof(path), "%s/releases/%s/%s", bdir, version, which);
	ck_assert_ptr_nonnull(fp = fopen(path, "r+b"));
	fseek(fp, 40, SEEK_SET);
	c = fgetc(fp);
	fseek(fp, 40, SEEK_SET);
	fputc(c ^ 0x20, fp);
	fclose(fp);
}

START_TEST(test_tampered_file_refused)
{
	char out[8192], which[600];

	cut(bdir, "1.1.0", 2, 0, 0);
	flip("1.1.0", which, sizeof(which));
	ck_assert_msg(pull(out, sizeof(out), "--peer", "b") != 0, "%s", out);
	ck_assert_msg(strstr(out, which) != NULL && strstr(out, "refused"),
	    "the altered file is not named: %s", out);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peer_releases WHERE "
			     "version = '1.1.0' AND ?1",
			     1),
	    0);
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE name = 'b' "
			     "AND last_error LIKE '%refused%' AND ?1",
			     1),
	    1);
	/* Put right, it is pulled, and the error is cleared. */
	flip("1.1.0", which, sizeof(which));
	ck_assert_msg(pull(out, sizeof(out), "--peer", "b") == 0, "%s", out);
	tu_fed_held_same(adir, bdir, "1.1.0");
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE name = 'b' "
			     "AND last_error IS NULL AND ?1",
			     1),
	    1);
}
END_TEST

/*
** A pull cut half-way leaves the first bytes of a file in
** DIR/federation/partial/SHA.part (as a killed or dropped download
** does): the next pull asks B for the rest with Range (a 206 in B's
** log), and the whole file verifies. A partial file whose bytes are not
** the file's is found out by the hash, removed and named; the pull after
** fetches it whole.
*/
START_TEST(test_cut_and_resumed)
{
	char out[8192], path[1200], part[1200], sha[65], rel[600], *log;
	long big = 0, v;
	json_t *m, *f;
	size_t i, n;
	FILE *fp;
	void *x;
	int round;

	for (round = 0; round < 2; round++) {
		const char *version = round == 0 ? "1.2.0" : "1.3.0";

		cut(bdir, version, 1, 2, 20 + 5 * round);
		snprintf(path, sizeof(path), "%s/releases/%s/manifest.json",
		    bdir, version);
		ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
		big = 0;
		json_array_foreach(json_object_get(m, "files"), i, f)
		{
			v = (long)json_integer_value(
			    json_object_get(f, "bytes"));
			if (v > big) {
				big = v;
				snprintf(sha, sizeof(sha), "%s",
				    json_string_value(
					json_object_get(f, "sha256")));
				snprintf(rel, sizeof(rel), "%s",
				    json_string_value(
					json_object_get(f, "path")));
			}
		}
		json_decref(m);
		snprintf(path, sizeof(path), "%s/releases/%s/%s", bdir, version,
		    rel);
		x = tu_slurp(path, &n);
		snprintf(part, sizeof(part), "%s/federation/partial/%s.part",
		    adir, sha);
		ck_assert_ptr_nonnull(fp = fopen(part, "wb"));
		if (round == 1)
			((char *)x)[10] ^= 1; /* not the file's bytes */
		ck_assert_uint_eq(fwrite(x, 1, n / 2, fp), n / 2);
		fclose(fp);
		free(x);
		if (round == 0) {
			ck_assert_msg(
			    pull(out, sizeof(out), "--peer", "b") == 0, "%s",
			    out);
			ck_assert_msg(strstr(out, "1 resumed") != NULL,
			    "the cut file was not resumed: %s", out);
			/* B logs a request once it is answered: wait. */
			for (i = 0; i < 40; i++) {
				log = tu_slurp(srv_b.errlog, &n);
				v = strstr(log, "\"status\":206") != NULL;
				free(log);
				if (v)
					break;
				usleep(50000);
			}
			ck_assert_msg(v, "no Range request reached B");
			tu_fed_held_same(adir, bdir, version);
			continue;
		}
		ck_assert_msg(
		    pull(out, sizeof(out), "--peer", "b") != 0, "%s", out);
		ck_assert_msg(strstr(out, rel) != NULL, "%s", out);
		ck_assert_int_eq(access(part, F_OK), -1);
		ck_assert_msg(
		    pull(out, sizeof(out), "--peer", "b") == 0, "%s", out);
		tu_fed_held_same(adir, bdir, version);
	}
}
END_TEST

/*
** A proxy on loopback in front of B that drops the connection once, in
** the middle of the answer to the first request for ${cut_path} without
** a Range: bytes flow both ways untouched until then; once that request
** has gone by, ${cut_after} more bytes of answer reach the client, and
** both sides are closed. Everything else passes whole.
*/
static char cut_path[700], err_path[700];
static long cut_after;
static int proxy_port, proxy_fd = -1, cut_done, err_done;

/* The port of ${base} ("http://127.0.0.1:PORT"). */
static int
port_of(const char *base)
{
	return (atoi(strrchr(base, ':') + 1));
}

static void *
proxy_conn(void *arg)
{
	int c = (int)(intptr_t)arg, s, cutting = 0;
	struct sockaddr_in a = { 0 };
	struct pollfd pf[2];
	long left = 0;
	char buf[16384];
	ssize_t k;

	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port_of(srv_b.base));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&a, sizeof(a)) == -1) {
		close(c);
		return (NULL);
	}
	pf[0].fd = c;
	pf[1].fd = s;
	pf[0].events = pf[1].events = POLLIN;
	while (poll(pf, 2, 10000) > 0) {
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			if ((k = read(c, buf, sizeof(buf))) <= 0)
				break;
			if (!err_done && err_path[0] != '\0' &&
			    memmem(buf, (size_t)k, err_path,
				strlen(err_path)) != NULL) {
				static const char busy[] =
				    "HTTP/1.1 503 Service Unavailable\r\n"
				    "Content-Type: application/json\r\n"
				    "Content-Length: 60\r\nConnection: close"
				    "\r\n\r\n{\"error\":{\"code\":\"busy\","
				    "\"message\":\"try again later!!!\"}}";

				err_done = 1;
				(void)!write(c, busy, sizeof(busy) - 1);
				break;
			}
			if (!cut_done &&
			    memmem(buf, (size_t)k, cut_path,
				strlen(cut_path)) != NULL &&
			    memmem(buf, (size_t)k, "Range:", 6) == NULL) {
				cut_done = cutting = 1;
				left = cut_after;
			}
			if (write(s, buf, (size_t)k) != k)
				break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			if ((k = read(s, buf, sizeof(buf))) <= 0)
				break;
			if (cutting && k > left)
				k = left;
			if (k > 0 && write(c, buf, (size_t)k) != k)
				break;
			if (cutting && (left -= k) <= 0)
				break;
		}
	}
	close(s);
	close(c);
	return (NULL);
}

static void *
proxy_main(void *arg)
{
	pthread_t t;
	int c;

	(void)arg;
	while ((c = accept(proxy_fd, NULL, NULL)) != -1) {
		if (pthread_create(&t, NULL, proxy_conn, (void *)(intptr_t)c) ==
		    0)
			pthread_detach(t);
		else
			close(c);
	}
	return (NULL);
}

/* Starts the proxy on a free port (proxy_port). */
static void
proxy_start(void)
{
	struct sockaddr_in a = { 0 };
	socklen_t n = sizeof(a);
	pthread_t t;
	int one = 1;

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(proxy_fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	setsockopt(proxy_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(proxy_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(proxy_fd, 16), 0);
	ck_assert_int_eq(getsockname(proxy_fd, (struct sockaddr *)&a, &n), 0);
	proxy_port = ntohs(a.sin_port);
	ck_assert_int_eq(pthread_create(&t, NULL, proxy_main, NULL), 0);
	pthread_detach(t);
}

/*
** The connection drops in the middle of a file (the proxy above): the
** same pull asks for the rest with Range, and the whole file verifies.
*/
START_TEST(test_dropped_connection)
{
	char out[8192], path[1200], url[64], sha[65];
	long big = 0, v;
	json_t *m, *f;
	size_t i;

	cut(bdir, "1.4.0", 1, 2, 40);
	snprintf(path, sizeof(path), "%s/releases/1.4.0/manifest.json", bdir);
	ck_assert_ptr_nonnull(m = json_load_file(path, 0, NULL));
	/* The biggest file A does not hold yet. */
	json_array_foreach(json_object_get(m, "files"), i, f)
	{
		v = (long)json_integer_value(json_object_get(f, "bytes"));
		snprintf(sha, sizeof(sha), "%s",
		    json_string_value(json_object_get(f, "sha256")));
		snprintf(path, sizeof(path), "%s/federation/objects/%.2s/%s",
		    adir, sha, sha + 2);
		if (v > big && access(path, F_OK) == -1) {
			big = v;
			snprintf(cut_path, sizeof(cut_path), "%s",
			    json_string_value(json_object_get(f, "path")));
		}
	}
	ck_assert_int_gt(big, 1000);
	json_decref(m);
	cut_after = big / 2; /* headers and half the body, about */
	proxy_start();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", proxy_port);
	/* B again, through the proxy, under another name. */
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir, url,
		    "--key", bkey, "--name", "b-via-proxy", NULL }) == 0,
	    "%s", out);
	ck_assert_msg(
	    pull(out, sizeof(out), "--peer", "b-via-proxy") == 0, "%s", out);
	ck_assert_msg(cut_done, "the proxy never cut: %s", out);
	ck_assert_msg(strstr(out, "1 resumed") != NULL,
	    "the dropped file was not resumed: %s", out);
	tu_fed_held_same(adir, bdir, "1.4.0");
	close(proxy_fd);
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "peer", "remove", "--data",
				 adir, "--name", "b-via-proxy", NULL }),
	    0);
}
END_TEST

/*
** B answers a file with an error for a while (503 and a JSON body, from
** the proxy above): the pull fails naming the answer and keeps nothing
** of the error's body, so the very next pull completes.
*/
START_TEST(test_error_answer_kept_out)
{
	char out[8192], url[64];

	/* Its card: new in every release, so A fetches it. */
	cut(bdir, "1.5.0", 2, 0, 0);
	snprintf(err_path, sizeof(err_path), "/README.md");
	cut_done = 1; /* no cut in this one */
	proxy_start();
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", proxy_port);
	ck_assert_msg(
	    tu_cli(out, sizeof(out),
		(const char *const[]){ "peer", "add", "--data", adir, url,
		    "--key", bkey, "--name", "b-busy", NULL }) == 0,
	    "%s", out);
	/* B's Hub read API names its releases from a cache of a moment:
	** until it serves 1.5.0 at main. */
	{
		struct tu_resp r = { 0 };
		char u[200];
		int i, seen = 0;

		snprintf(u, sizeof(u),
		    "%s/datasets/orgb/ewe/resolve/main/README.md", srv_b.base);
		for (i = 0; i < 600 && !seen; i++) {
			if (tu_http(NULL, "GET", u, NULL, NULL, 0, &r) == 0 &&
			    r.body != NULL && strstr(r.body, "1.5.0") != NULL)
				seen = 1;
			tu_resp_free(&r);
			if (!seen)
				usleep(100000);
		}
		ck_assert_msg(seen, "B never served 1.5.0 at main");
	}
	ck_assert_msg(
	    pull(out, sizeof(out), "--peer", "b-busy") != 0, "%s", out);
	ck_assert_msg(strstr(out, "answered 503") != NULL, "%s", out);
	ck_assert_msg(pull(out, sizeof(out), "--peer", "b-busy") == 0,
	    "the pull after an error answer: %s", out);
	tu_fed_held_same(adir, bdir, "1.5.0");
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "peer", "remove", "--data",
				 adir, "--name", "b-busy", NULL }),
	    0);
}
END_TEST

START_TEST(test_revocation_list)
{
	struct contrib_withdraw w = { 0 };
	struct tu_resp r = { 0 };
	char url[200], head[65], id[32], *sig, *body, out[8192];
	uint8_t pk[32], other[32];
	struct err e = { 0 };
	struct node *n;
	json_t *a;

	/* A contributor on B withdraws a text released in 1.0.0. */
	n = tu_node_open(bdir);
	w.id = b_text;
	tu_run_ok(contrib_withdraw_job, &w);
	tu_node_close(n);
	snprintf(url, sizeof(url), "%s%s", srv_b.base, FED_PATH_REVOCATIONS);
	ck_assert_int_eq(tu_http(NULL, "GET", url, NULL, NULL, 0, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(sig = tu_header(&r, "X-Signature"));
	ck_assert_int_eq(fed_key_parse(bkey, pk), 0);
	ck_assert_msg(
	    fed_revlist_verify(r.body, r.n, sig, pk, &a, head, &e) == 0, "%s",
	    e.msg);
	/* The id as B's rows carry it. */
	snprintf(id, sizeof(id), "%lld", (long long)b_text);
	ck_assert_int_eq(json_array_size(a), 1);
	ck_assert_str_eq(
	    json_string_value(json_object_get(json_array_get(a, 0), "id")), id);
	json_decref(a);
	/* Another key, or one byte changed: refused. */
	ck_assert_int_eq(fed_key_parse(ckey, other), 0);
	ck_assert_int_eq(
	    fed_revlist_verify(r.body, r.n, sig, other, &a, head, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	ck_assert_ptr_nonnull(body = strstr(r.body, id));
	body[0] = body[0] == '9' ? '8' : body[0] + 1;
	ck_assert_int_eq(
	    fed_revlist_verify(r.body, r.n, sig, pk, &a, head, &e), -1);
	ck_assert_int_eq(e.code, ERR_FORBIDDEN);
	free(sig);
	tu_resp_free(&r);
	/* A's pull takes it in. */
	ck_assert_msg(pull(out, sizeof(out), "--peer", "b") == 0, "%s", out);
	snprintf(url, sizeof(url),
	    "SELECT count(*) FROM peer_revocations WHERE item = '%s' AND ?1",
	    id);
	ck_assert_int_eq(tu_node_q_int(adir, url, 1), 1);
}
END_TEST

START_TEST(test_peer_down)
{
	char out[8192];

	struct tu_resp r = { 0 };
	int i;

	/* B was started by the suite's process: stopped from here by its
	** pid, and the suite's teardown reaps it. */
	ck_assert_int_eq(kill(srv_b.pid, SIGTERM), 0);
	for (i = 0; i < 100; i++) {
		int up =
		    tu_http(NULL, "GET", srv_b.base, NULL, NULL, 0, &r) == 0;

		tu_resp_free(&r);
		if (!up)
			break;
		usleep(50000);
	}
	cut(cdir, "2.1.0", 2, 0, 0);
	ck_assert_int_ne(pull(out, sizeof(out), NULL, NULL), 0);
	ck_assert_msg(strstr(out, "peer b failed") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "peer c pulled") != NULL, "%s", out);
	tu_fed_held_same(adir, cdir, "2.1.0");
	ck_assert_int_eq(tu_node_q_int(adir,
			     "SELECT count(*) FROM peers WHERE name = 'b' "
			     "AND last_error IS NOT NULL AND ?1",
			     1),
	    1);
	ck_assert_int_eq(tu_cli(out, sizeof(out),
			     (const char *const[]){ "peer", "remove", "--data",
				 adir, "--name", "b", NULL }),
	    0);
	ck_assert_int_eq(
	    tu_node_q_int(adir, "SELECT count(*) FROM peers WHERE ?1", 1), 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("federation");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_wrong_key_refused);
	tcase_add_test(tc, test_pull_and_again);
	tcase_add_test(tc, test_tampered_file_refused);
	tcase_add_test(tc, test_cut_and_resumed);
	tcase_add_test(tc, test_dropped_connection);
	tcase_add_test(tc, test_error_answer_kept_out);
	tcase_add_test(tc, test_revocation_list);
	tcase_add_test(tc, test_peer_down);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
