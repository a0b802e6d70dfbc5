/*
** HTTPS served by the node itself (--tls-cert/--tls-key), as at a drive on
** a LAN where phones only record on a secure origin. A self-signed
** certificate for 127.0.0.1 is made here with OpenSSL; libcurl checks it
** (CAINFO), so a handshake with the wrong certificate fails the test. Also:
** the session cookie is Secure, plain HTTP to the TLS port gets no answer,
** and `serve` refuses half a configuration, a key others can read and a
** file that is not PEM, naming the file.
*/
#include <check.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apitest.h"
#include "testutil.h"

static const char *bin;
static char *base;
static char nodedir[700], certpath[700], keypath[700];
static struct tu_server srv;

/* Writes a new P-256 key and a self-signed certificate for 127.0.0.1 and
** localhost. 0 or -1. */
static int
make_cert(const char *cert, const char *key)
{
	EVP_PKEY *pk;
	X509 *x;
	X509_NAME *name;
	X509_EXTENSION *ext;
	X509V3_CTX ctx;
	FILE *f;
	int ok = 0;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return (-1);
	if ((x = X509_new()) == NULL) {
		EVP_PKEY_free(pk);
		return (-1);
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(
	    NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
	if (ext != NULL) {
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (X509_sign(x, pk, EVP_sha256()) > 0) {
		umask(077);
		if ((f = fopen(key, "w")) != NULL) {
			ok = PEM_write_PrivateKey(
				 f, pk, NULL, NULL, 0, NULL, NULL) == 1;
			ok = fclose(f) == 0 && ok;
		}
		if (ok && (f = fopen(cert, "w")) != NULL) {
			ok = PEM_write_X509(f, x) == 1;
			ok = fclose(f) == 0 && ok;
		} else
			ok = 0;
	}
	X509_free(x);
	EVP_PKEY_free(pk);
	return (ok ? 0 : -1);
}

START_TEST(test_https_healthz)
{
	struct tu_resp r;
	char url[128];

	ck_assert_msg(strncmp(srv.base, "https://", 8) == 0, "%s", srv.base);
	snprintf(url, sizeof(url), "%s/healthz", srv.base);
	ck_assert_msg(tu_http(NULL, "GET", url, NULL, NULL, 0, &r) == 0,
	    "no HTTPS answer (see %s)", srv.errlog);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(r.body, "\"status\":\"ok\""));
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_cookie_secure)
{
	const char *h[] = { "Content-Type: application/json", NULL };
	static const char body[] =
	    "{\"handle\":\"esi\",\"passphrase\":\"esi's long passphrase\"}";
	struct tu_resp r;
	char url[128], *cookie;

	snprintf(url, sizeof(url), "%s/api/v1/join", srv.base);
	ck_assert_int_eq(
	    tu_http(NULL, "POST", url, h, body, strlen(body), &r), 0);
	ck_assert_msg(r.status == 201, "join: %ld %s", r.status, r.body);
	cookie = tu_header(&r, "Set-Cookie");
	ck_assert_ptr_nonnull(cookie);
	ck_assert_msg(strstr(cookie, "; Secure") != NULL, "cookie: %s", cookie);
	ck_assert_ptr_nonnull(strstr(cookie, "HttpOnly"));
	free(cookie);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_plain_http_gets_nothing)
{
	struct tu_resp r;
	char url[128];
	int rc;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/healthz", srv.port);
	rc = tu_http(NULL, "GET", url, NULL, NULL, 0, &r);
	ck_assert_msg(rc == -1 || r.status != 200,
	    "plain HTTP on the TLS port answered %ld", r.status);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_untrusted_cert_refused)
{
	struct tu_resp r;
	char url[128];
	int rc;

	/* Without our certificate in its trust store, curl must refuse. */
	tu_ca_file = "/nonexistent/ca.pem";
	snprintf(url, sizeof(url), "%s/healthz", srv.base);
	rc = tu_http(NULL, "GET", url, NULL, NULL, 0, &r);
	ck_assert_int_eq(rc, -1);
	tu_resp_free(&r);
}
END_TEST

/* `serve` with ${args} (after --data and --port 0) must refuse to start,
** saying ${needle}. */
static void
expect_refusal(const char *a1, const char *v1, const char *a2, const char *v2,
    const char *needle)
{
	char *argv[] = { "sh", "-c", "exec \"$@\" 2>&1", "sh", "timeout", "60",
		(char *)bin, "serve", "--data", nodedir, "--port", "0",
		(char *)a1, (char *)v1, (char *)a2, (char *)v2, NULL };
	char out[4096];
	int rc;

	rc = tu_run(argv, out, sizeof(out));
	ck_assert_msg(rc != 0 && rc != 124, "exit %d, output: %s", rc, out);
	ck_assert_msg(strstr(out, "listening on") == NULL, "%s", out);
	ck_assert_msg(
	    strstr(out, needle) != NULL, "wanted \"%s\" in: %s", needle, out);
}

START_TEST(test_half_config_refused)
{
	expect_refusal("--tls-cert", certpath, NULL, NULL, "go together");
}
END_TEST

START_TEST(test_loose_key_refused)
{
	char loose[800];
	char *cp[] = { "cp", keypath, loose, NULL };
	char out[256];

	snprintf(loose, sizeof(loose), "%s/loose.key", base);
	ck_assert_int_eq(tu_run(cp, out, sizeof(out)), 0);
	ck_assert_int_eq(chmod(loose, 0644), 0);
	expect_refusal("--tls-cert", certpath, "--tls-key", loose, "loose.key");
}
END_TEST

START_TEST(test_not_pem_refused)
{
	char bad[800];
	FILE *f;

	snprintf(bad, sizeof(bad), "%s/bad.pem", base);
	ck_assert_ptr_nonnull(f = fopen(bad, "w"));
	fputs("this is not a certificate\n", f);
	fclose(f);
	expect_refusal(
	    "--tls-cert", bad, "--tls-key", keypath, "no PEM certificate");
}
END_TEST

int
main(void)
{
	const char *extra[] = { "--tls-cert", certpath, "--tls-key", keypath,
		NULL };
	char *init[] = { NULL, "init", "--data", nodedir, NULL };
	struct tu_server *const stop[] = { &srv };
	const char *const names[] = { "HTTPS" };
	const char *srcdir;
	char out[4096];
	Suite *s;
	TCase *tc;

	if (tu_suite_begin(&bin, &srcdir, &base) == -1)
		return (1);
	snprintf(nodedir, sizeof(nodedir), "%s/node", base);
	snprintf(certpath, sizeof(certpath), "%s/cert.pem", base);
	snprintf(keypath, sizeof(keypath), "%s/key.pem", base);
	init[0] = (char *)bin;
	if (make_cert(certpath, keypath) == -1 ||
	    tu_run(init, out, sizeof(out)) != 0 ||
	    tu_server_start(&srv, nodedir, extra) == -1) {
		fprintf(
		    stderr, "could not start an HTTPS node (in %s)\n", base);
		return (1);
	}
	tu_ca_file = certpath;

	s = suite_create("tls");
	tc = tcase_create("tls");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_https_healthz);
	tcase_add_test(tc, test_cookie_secure);
	tcase_add_test(tc, test_plain_http_gets_nothing);
	tcase_add_test(tc, test_untrusted_cert_refused);
	tcase_add_test(tc, test_half_config_refused);
	tcase_add_test(tc, test_loose_key_refused);
	tcase_add_test(tc, test_not_pem_refused);
	suite_add_tcase(s, tc);
	return (tu_suite_end(s, stop, names, 1, base));
}
