/*
** The HTTP layer end to end: the built binary started on a free port
** against a fresh node and a webroot this file fills, spoken to over real
** HTTP. Health and metrics, static files (types, ETag, gzip siblings,
** caching, HEAD, folders), every way out of the webroot, JSON errors,
** keep-alive, request bodies on routes that take none, the request log,
** clean shutdown, and the command line's refusals.
*/
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "testutil.h"

#define SECRET     "TOP-SECRET-0b7e41c9"
#define APP_JS     "console.log('app');\n"
#define INDEX_HTML "<!doctype html><title>root index</title>\n"
#define SUB_HTML   "<!doctype html><title>sub index</title>\n"

/* Per-test state (each test runs in its own process under CK_FORK). */
static char *tmp;      /* the temp dir holding everything below */
static char node[600]; /* ${tmp}/node: the node's data dir */
static char www[600];  /* ${tmp}/www: the webroot */
static struct tu_server srv;
static pid_t watchdog; /* cleans up if this process dies first */
static int watchdog_fd = -1;

static const char *
bin(void)
{
	const char *b = getenv("TRIBUTARY_BIN");

	return (b != NULL ? b : "./tributary");
}

static void
write_file(const char *dir, const char *name, const char *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

static void
write_str(const char *dir, const char *name, const char *s)
{
	write_file(dir, name, s, strlen(s));
}

/* The whole file at ${dir}/${name}; *n gets its length. */
static char *
read_all(const char *dir, const char *name, size_t *n)
{
	char path[1024], *p = NULL;
	size_t cap = 0, used = 0, r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	for (;;) {
		if (used + 4096 + 1 > cap) {
			cap = (used + 4096 + 1) * 2;
			p = realloc(p, cap);
			ck_assert_ptr_nonnull(p);
		}
		if ((r = fread(p + used, 1, 4096, f)) == 0)
			break;
		used += r;
	}
	fclose(f);
	p[used] = '\0';
	*n = used;
	return (p);
}

/*
** Check ends a failed test with _exit() and a timed-out one with SIGKILL,
** then kills the test's process group (the server with it), so neither
** teardown nor an exit handler runs. The temp dir would stay behind: a
** watchdog child in its own process group waits for the pipe to this
** process to close and removes it.
*/
static void
watchdog_start(void)
{
	struct stat sb;
	int p[2], fd, i;
	ssize_t r;
	char c;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	watchdog = fork();
	ck_assert_int_ne(watchdog, -1);
	if (watchdog == 0) {
		setpgid(0, 0);
		close(p[1]);
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		do
			r = read(p[0], &c, 1);
		while (r > 0 || (r == -1 && errno == EINTR));
		/* The server may still be dying: retry until the dir is gone. */
		for (i = 0; i < 50 && lstat(tmp, &sb) == 0; i++) {
			tu_rmrf(tmp);
			usleep(100000);
		}
		_exit(0);
	}
	setpgid(watchdog, watchdog);
	close(p[0]);
	watchdog_fd = p[1];
}

/* Stops the server; returns its exit status (0 = clean shutdown). */
static int
stop_server(void)
{
	if (srv.pid <= 0)
		return (0);
	return (tu_server_stop(&srv));
}

static int
init_node(const char *dir)
{
	char *argv[] = { (char *)bin(), "init", "--data", (char *)dir, NULL };
	char out[512];

	return (tu_run(argv, out, sizeof(out)));
}

/* A temp dir with an initialised node in ${node}; no server. */
static void
setup_node(void)
{
	memset(&srv, 0, sizeof(srv));
	tmp = tu_tmpdir();
	ck_assert_ptr_nonnull(tmp);
	watchdog_start();
	snprintf(node, sizeof(node), "%s/node", tmp);
	snprintf(www, sizeof(www), "%s/www", tmp);
	ck_assert_int_eq(init_node(node), 0);
}

/*
** The webroot: pages, a script, a style sheet, a hashed asset, a big text
** file with its gzip sibling, a folder with an index, a dotfile, and
** symlinks pointing inside and outside. The secret lives next to it.
*/
static void
fill_webroot(void)
{
	char path[1024], link[1024], line[64], outside[700];
	char *gz[] = { "gzip", "-k", "-f", path, NULL };
	size_t i, used = 0, cap = 200000;
	char *big;
	int n;

	ck_assert_int_eq(mkdir(www, 0755), 0);
	snprintf(path, sizeof(path), "%s/sub", www);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	write_str(www, "index.html", INDEX_HTML);
	write_str(www, "app.js", APP_JS);
	write_str(www, "sw.js", "self.addEventListener('fetch', () => {});\n");
	write_str(www, "style.css", "body { color: #222; }\n");
	write_str(www, "app.0123abcd.js", "console.log('hashed');\n");
	/* a hashed script long enough to be worth compressing */
	write_str(www, "long.0123abcd.js",
	    "/* a script named with its content's hash */\n"
	    "export function hashed() { return 'hashed'; }\n"
	    "export function named() { return 'named with its hash'; }\n"
	    "export function kept() { return 'kept a year as immutable'; }\n");
	write_str(www, "sub/index.html", SUB_HTML);
	write_str(www, ".hidden", SECRET " in a dotfile\n");

	big = malloc(cap);
	ck_assert_ptr_nonnull(big);
	for (i = 0; used + sizeof(line) < cap; i++) {
		n = snprintf(
		    line, sizeof(line), "line %zu: the quick brown fox\n", i);
		memcpy(big + used, line, (size_t)n);
		used += (size_t)n;
	}
	write_file(www, "big.txt", big, used);
	free(big);
	snprintf(path, sizeof(path), "%s/big.txt", www);
	ck_assert_int_eq(tu_run(gz, NULL, 0), 0);

	/* Outside the webroot: a file and a folder holding the secret. */
	write_str(tmp, "secret.txt", SECRET "\n");
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	write_str(outside, "secret.txt", SECRET "\n");

	snprintf(path, sizeof(path), "%s/secret.txt", tmp);
	snprintf(link, sizeof(link), "%s/out.txt", www);
	ck_assert_int_eq(symlink(path, link), 0);
	snprintf(link, sizeof(link), "%s/outdir", www);
	ck_assert_int_eq(symlink(outside, link), 0);
	/* A relative link climbing out. */
	snprintf(link, sizeof(link), "%s/sub/up.txt", www);
	ck_assert_int_eq(symlink("../../secret.txt", link), 0);
	/* And one that stays inside: served. */
	snprintf(path, sizeof(path), "%s/app.js", www);
	snprintf(link, sizeof(link), "%s/in.js", www);
	ck_assert_int_eq(symlink(path, link), 0);
}

static void
setup_server(void)
{
	const char *extra[] = { "--webroot", www, "--connection-timeout", "3",
		NULL };

	setup_node();
	fill_webroot();
	ck_assert_msg(tu_server_start(&srv, node, extra) == 0,
	    "server did not start (log in %s)", srv.errlog);
}

static void
teardown(void)
{
	int rc = stop_server();

	/* The watchdog sees the pipe close and removes the temp dir. */
	close(watchdog_fd);
	watchdog_fd = -1;
	waitpid(watchdog, NULL, 0);
	watchdog = 0;
	free(tmp);
	tmp = NULL;
	ck_assert_msg(
	    rc == 0, "server exit status %d, not a clean shutdown", rc);
}

/* ${method} ${path} on the server, a fresh connection. */
static void
req(const char *method, const char *path, const char *const *headers,
    const void *body, size_t n, struct tu_resp *r)
{
	char url[1024];

	snprintf(url, sizeof(url), "%s%s", srv.base, path);
	ck_assert_msg(tu_http(NULL, method, url, headers, body, n, r) == 0,
	    "%s %s: transport error", method, path);
}

static void
get(const char *path, struct tu_resp *r)
{
	req("GET", path, NULL, NULL, 0, r);
}

/* GET ${path} answers ${status}, with the body ${body} unless it is NULL. */
static void
expect_get(const char *path, long status, const char *body)
{
	struct tu_resp r;

	get(path, &r);
	ck_assert_msg(r.status == status, "GET %s: %ld", path, r.status);
	if (body != NULL)
		ck_assert_str_eq(r.body, body);
	tu_resp_free(&r);
}

/* The security headers: on a page the whole set; on any other answer
** (JSON, a script) nosniff and a policy that lets it run, load and be
** framed by nothing. */
static void
assert_security_headers(const struct tu_resp *r)
{
	char *csp, *ct = tu_header(r, "Content-Type");
	int page = ct != NULL && strncmp(ct, "text/html", 9) == 0;

	tu_expect_header(r, "X-Content-Type-Options", "nosniff");
	csp = tu_header(r, "Content-Security-Policy");
	ck_assert_msg(csp != NULL, "Content-Security-Policy missing");
	ck_assert_msg(
	    strstr(csp, "frame-ancestors 'none'") != NULL, "CSP: %s", csp);
	if (page) {
		tu_expect_header(r, "X-Frame-Options", "DENY");
		tu_expect_header(r, "Referrer-Policy", "no-referrer");
		ck_assert_msg(
		    strstr(csp, "default-src 'self'") != NULL, "CSP: %s", csp);
	} else
		ck_assert_msg(
		    strstr(csp, "default-src 'none'") != NULL, "CSP: %s", csp);
	free(csp);
	free(ct);
}

/* Asserts the headers of a script or style of the webroot: nosniff, and
** no policy of its own (a page's governs it). */
static void
assert_static_headers(const struct tu_resp *r)
{
	char *h;

	tu_expect_header(r, "X-Content-Type-Options", "nosniff");
	ck_assert_ptr_null(h = tu_header(r, "Content-Security-Policy"));
	ck_assert_ptr_null(h = tu_header(r, "X-Frame-Options"));
}

/* Asserts a JSON error body {"error":{"code":${code},"message":...}}. */
static void
assert_json_error(const struct tu_resp *r, const char *code)
{
	json_error_t je;
	json_t *j, *err, *c, *m;
	char *ct;

	ct = tu_header(r, "Content-Type");
	ck_assert_msg(ct != NULL && strncmp(ct, "application/json", 16) == 0,
	    "Content-Type %s", ct ? ct : "(none)");
	free(ct);
	j = json_loads(r->body, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s", r->body);
	err = json_object_get(j, "error");
	ck_assert_msg(json_is_object(err), "no error object: %s", r->body);
	c = json_object_get(err, "code");
	m = json_object_get(err, "message");
	ck_assert_msg(json_is_string(c), "no error.code: %s", r->body);
	ck_assert_msg(json_is_string(m) && json_string_length(m) > 0,
	    "no error.message: %s", r->body);
	if (code != NULL)
		ck_assert_str_eq(json_string_value(c), code);
	json_decref(j);
}

/*
** ${method} ${path}, without a body, answers ${status} with the JSON error
** ${code} and the security headers; the answer is left in ${r} (free it
** with tu_resp_free()).
*/
static void
expect_error(const char *method, const char *path, long status,
    const char *code, struct tu_resp *r)
{
	req(method, path, NULL, NULL, 0, r);
	ck_assert_msg(
	    r->status == status, "%s %s: status %ld", method, path, r->status);
	assert_json_error(r, code);
	assert_security_headers(r);
}

/*
** ${n} GET /healthz on one new connection, kept in ${h}: each answers
** 200, and only the first opens a connection.
*/
static void
healthz_kept(void **h, int n)
{
	char url[256];
	struct tu_resp r;
	int i;

	snprintf(url, sizeof(url), "%s/healthz", srv.base);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(tu_http(h, "GET", url, NULL, NULL, 0, &r), 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert_msg(r.connects == (i == 0 ? 1 : 0),
		    "request %d opened %ld connections", i, r.connects);
		tu_resp_free(&r);
	}
}

START_TEST(test_healthz)
{
	struct tu_resp r;
	json_error_t je;
	json_t *j;

	get("/healthz", &r);
	ck_assert_int_eq(r.status, 200);
	j = json_loads(r.body, 0, &je);
	ck_assert_msg(j != NULL, "not JSON: %s", r.body);
	ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "ok");
	ck_assert_msg(json_is_string(json_object_get(j, "version")) &&
		json_string_length(json_object_get(j, "version")) > 0,
	    "no version: %s", r.body);
	ck_assert_str_eq(
	    json_string_value(json_object_get(j, "database")), "ok");
	json_decref(j);
	assert_security_headers(&r);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_metrics)
{
	char url[256];
	struct tu_resp r;
	void *h = NULL;

	/* One connection: each request is logged before the next is read. */
	healthz_kept(&h, 3);
	snprintf(url, sizeof(url), "%s/metrics", srv.base);
	ck_assert_int_eq(tu_http(&h, "GET", url, NULL, NULL, 0, &r), 0);
	tu_http_close(h);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(strstr(r.body,
			  "tributary_http_requests_total{route=\"GET "
			  "/healthz\",status=\"200\"} 3\n") != NULL,
	    "%s", r.body);
	ck_assert_ptr_nonnull(
	    strstr(r.body, "tributary_http_request_duration_seconds_bucket"));
	ck_assert_ptr_nonnull(strstr(r.body, "tributary_commit_batch_jobs"));
	ck_assert_ptr_nonnull(strstr(r.body, "\ntributary_connections_open "));
	ck_assert_ptr_nonnull(
	    strstr(r.body, "\ntributary_connections_suspended "));
	assert_security_headers(&r);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_static_index_and_types)
{
	static const char *const ae_br[] = { "Accept-Encoding: br", NULL };
	struct tu_resp r;
	char *v;

	get("/", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, INDEX_HTML);
	v = tu_header(&r, "Content-Type");
	ck_assert_msg(v != NULL && strncmp(v, "text/html", 9) == 0, "%s", v);
	free(v);
	assert_security_headers(&r);
	tu_resp_free(&r);

	get("/app.js", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, APP_JS);
	v = tu_header(&r, "Content-Type");
	ck_assert_msg(v != NULL &&
		(strncmp(v, "text/javascript", 15) == 0 ||
		    strncmp(v, "application/javascript", 22) == 0),
	    "%s", v);
	free(v);
	tu_expect_header(&r, "Cache-Control", "no-cache");
	tu_resp_free(&r);

	get("/style.css", &r);
	ck_assert_int_eq(r.status, 200);
	v = tu_header(&r, "Content-Type");
	ck_assert_msg(v != NULL && strncmp(v, "text/css", 8) == 0, "%s", v);
	free(v);
	tu_resp_free(&r);

	get("/app.0123abcd.js", &r);
	ck_assert_int_eq(r.status, 200);
	v = tu_header(&r, "Cache-Control");
	ck_assert_msg(v != NULL && strstr(v, "immutable") != NULL, "%s", v);
	free(v);
	tu_resp_free(&r);

	/* compressed, as a browser asks: no ETag, it is never asked again */
	req("GET", "/long.0123abcd.js", ae_br, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", "br");
	ck_assert_ptr_null(v = tu_header(&r, "ETag"));
	v = tu_header(&r, "Cache-Control");
	ck_assert_msg(v != NULL && strstr(v, "immutable") != NULL, "%s", v);
	free(v);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_etag_304)
{
	struct tu_resp r;
	char hdr[256], *etag, *v;
	const char *h[] = { hdr, NULL };

	get("/app.js", &r);
	ck_assert_int_eq(r.status, 200);
	etag = tu_header(&r, "ETag");
	ck_assert_msg(etag != NULL && etag[0] == '"', "ETag %s", etag);
	tu_resp_free(&r);

	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
	req("GET", "/app.js", h, NULL, 0, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.n, 0);
	v = tu_header(&r, "ETag");
	ck_assert_msg(v != NULL && strcmp(v, etag) == 0, "ETag %s", v);
	free(v);
	tu_resp_free(&r);

	/* a page's 304: the copy kept has the policy of its 200 already */
	get("/", &r);
	ck_assert_int_eq(r.status, 200);
	v = tu_header(&r, "ETag");
	ck_assert_ptr_nonnull(v);
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", v);
	free(v);
	tu_resp_free(&r);
	req("GET", "/", h, NULL, 0, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_ptr_null(v = tu_header(&r, "Content-Security-Policy"));
	ck_assert_ptr_nonnull(v = tu_header(&r, "ETag"));
	free(v);
	tu_resp_free(&r);

	/* Another ETag: the full file again. */
	snprintf(hdr, sizeof(hdr), "If-None-Match: \"0-0\"");
	req("GET", "/app.js", h, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, APP_JS);
	tu_resp_free(&r);
	free(etag);
}
END_TEST

/* GET ${path} asking for ${coding} answers 200 with the ${n} bytes at
** ${body}, in that coding. */
static void
expect_coded(const char *path, const char *coding, const char *body, size_t n)
{
	char hdr[64];
	const char *h[] = { hdr, NULL };
	struct tu_resp r;

	snprintf(hdr, sizeof(hdr), "Accept-Encoding: %s", coding);
	req("GET", path, h, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", coding);
	ck_assert_uint_eq(r.n, n);
	ck_assert_msg(memcmp(r.body, body, n) == 0, "not the %s copy", coding);
	tu_resp_free(&r);
}

/*
** `tributary webroot compress DIR` writes a Brotli and a gzip copy beside
** each text file of a webroot, which the node then serves as they are; a
** second run writes nothing; a copy older than its file is not served; a
** copy whose file is gone is removed by the next run.
*/
START_TEST(test_webroot_compress)
{
	const char *br[] = { "Accept-Encoding: br", NULL };
	const char *args[] = { "webroot", "compress", NULL, NULL };
	char dir[700], out[4096], path[800], *plain, *brc, *gz, *un;
	size_t nplain, nbr, ngz, i, used = 0;
	uLongf nun;
	struct stat sb;
	struct tu_resp r;
	char page[8192];

	snprintf(dir, sizeof(dir), "%s/pre", www);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	for (i = 0; used + 80 < sizeof(page); i++)
		used += (size_t)snprintf(page + used, sizeof(page) - used,
		    "<p>paragraph %zu of a page worth compressing</p>\n", i);
	write_file(dir, "page.html", page, used);
	write_str(dir, "tiny.js", "x;\n"); /* too small to gain */
	write_str(dir, "photo.png", "not text, never compressed\n");
	write_str(dir, "data.tar.gz", "an archive: nobody's copy\n");
	args[2] = dir;
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "%s", out);
	ck_assert_msg(strstr(out, "2 copies written") != NULL, "%s", out);

	plain = read_all(dir, "page.html", &nplain);
	brc = read_all(dir, "page.html.br", &nbr);
	gz = read_all(dir, "page.html.gz", &ngz);
	ck_assert_uint_lt(nbr, nplain / 4);
	ck_assert_uint_lt(ngz, nplain / 4);
	nun = (uLongf)nplain + 1;
	un = malloc(nun);
	ck_assert_ptr_nonnull(un);
	{
		z_stream z;

		memset(&z, 0, sizeof(z));
		ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (Bytef *)gz;
		z.avail_in = (uInt)ngz;
		z.next_out = (Bytef *)un;
		z.avail_out = (uInt)nun;
		ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
		ck_assert_uint_eq(z.total_out, nplain);
		inflateEnd(&z);
	}
	ck_assert_msg(memcmp(un, plain, nplain) == 0, "gzip copy differs");
	free(un);
	snprintf(path, sizeof(path), "%s/tiny.js.br", dir);
	ck_assert_int_eq(stat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/photo.png.gz", dir);
	ck_assert_int_eq(stat(path, &sb), -1);

	/* the node serves the copies as they are */
	expect_coded("/pre/page.html", "br", brc, nbr);
	expect_coded("/pre/page.html", "gzip", gz, ngz);

	/* again (named with a trailing slash): nothing to write */
	snprintf(path, sizeof(path), "%s/", dir);
	args[2] = path;
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "%s", out);
	args[2] = dir;
	ck_assert_msg(
	    strstr(out, "0 copies written, 2 kept") != NULL, "%s", out);

	/* the page changes: its old copies are not served, the next run
	** makes new ones */
	sleep(1); /* a later mtime than the copies', whatever the clock */
	page[0] = ' ';
	write_file(dir, "page.html", page, used);
	req("GET", "/pre/page.html", br, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(r.n != nbr || memcmp(r.body, brc, nbr) != 0,
	    "the stale .br copy was served");
	tu_resp_free(&r);
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "%s", out);
	ck_assert_msg(strstr(out, "2 copies written") != NULL, "%s", out);

	/* the page goes: so do its copies */
	snprintf(path, sizeof(path), "%s/page.html", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_msg(tu_cli(out, sizeof(out), args) == 0, "%s", out);
	ck_assert_msg(strstr(out, "2 removed") != NULL, "%s", out);
	snprintf(path, sizeof(path), "%s/page.html.br", dir);
	ck_assert_int_eq(stat(path, &sb), -1);
	snprintf(path, sizeof(path), "%s/data.tar.gz", dir);
	ck_assert_int_eq(stat(path, &sb), 0);

	/* not a folder: a clear error */
	args[2] = path;
	ck_assert_int_eq(tu_cli(out, sizeof(out), args), 1);
	ck_assert_msg(strstr(out, "not a folder") != NULL, "%s", out);
	free(plain);
	free(brc);
	free(gz);
}
END_TEST

START_TEST(test_gzip_sibling)
{
	const char *gzip[] = { "Accept-Encoding: gzip", NULL };
	const char *q0[] = { "Accept-Encoding: gzip;q=0", NULL };
	char *plain, *gz, *etag_gz, *etag_plain;
	size_t nplain, ngz;
	struct tu_resp r;

	plain = read_all(www, "big.txt", &nplain);
	gz = read_all(www, "big.txt.gz", &ngz);
	ck_assert_uint_lt(ngz, nplain);

	req("GET", "/big.txt", gzip, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", "gzip");
	tu_expect_header(&r, "Vary", "Accept-Encoding");
	ck_assert_uint_eq(r.n, ngz);
	ck_assert_msg(memcmp(r.body, gz, ngz) == 0, "gzip bytes differ");
	etag_gz = tu_header(&r, "ETag");
	tu_resp_free(&r);

	get("/big.txt", &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	tu_expect_header(&r, "Vary", "Accept-Encoding");
	ck_assert_uint_eq(r.n, nplain);
	ck_assert_msg(memcmp(r.body, plain, nplain) == 0, "plain bytes differ");
	etag_plain = tu_header(&r, "ETag");
	tu_resp_free(&r);
	/* The two encodings must not share a validator. */
	ck_assert_ptr_nonnull(etag_gz);
	ck_assert_ptr_nonnull(etag_plain);
	ck_assert_str_ne(etag_gz, etag_plain);

	req("GET", "/big.txt", q0, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	ck_assert_uint_eq(r.n, nplain);
	tu_resp_free(&r);

	free(etag_gz);
	free(etag_plain);
	free(plain);
	free(gz);
}
END_TEST

/* The ${n} bytes at ${p} gunzipped, NUL-terminated; *${out_n} its length. */
static char *
gunzip(const void *p, size_t n, size_t *out_n)
{
	size_t cap = 65536;
	char *out = malloc(cap);
	z_stream z;

	ck_assert_ptr_nonnull(out);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)(cap - 1);
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	*out_n = z.total_out;
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return (out);
}

/*
** A public JSON answer (the language list) goes out compressed as
** Accept-Encoding asks, with Vary and an ETag of each coding, and a 304
** for that ETag in that coding only; /api/v1/me, which carries a
** session's secret when it answers, never goes out compressed.
*/
START_TEST(test_public_json_coded)
{
	const char *gzip[] = { "Accept-Encoding: gzip", NULL };
	char hdr[300], dir[700], *plain, *etag_gz, *etag_plain, *v, *un;
	const char *again[] = { "Accept-Encoding: gzip", hdr, NULL };
	const char *again_plain[] = { hdr, NULL };
	const char *const langs[] = { "en", "fr", "is", "ru" };
	struct tu_resp r;
	size_t nplain, nun, i;

	snprintf(dir, sizeof(dir), "%s/i18n", www);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		snprintf(hdr, sizeof(hdr), "%s.json", langs[i]);
		write_str(dir, hdr,
		    "{\"_reviewed\": true, \"a.one\": \"One\", "
		    "\"a.two\": \"Two\"}");
	}

	get("/api/v1/i18n", &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	tu_expect_header(&r, "Vary", "Accept-Encoding");
	tu_expect_header(&r, "Cache-Control", "private, no-cache");
	ck_assert_uint_ge(r.n, 256);
	plain = strdup(r.body);
	nplain = r.n;
	etag_plain = tu_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag_plain);
	tu_resp_free(&r);

	req("GET", "/api/v1/i18n", gzip, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", "gzip");
	tu_expect_header(&r, "Vary", "Accept-Encoding");
	ck_assert_uint_lt(r.n, nplain);
	un = gunzip(r.body, r.n, &nun);
	ck_assert_uint_eq(nun, nplain);
	ck_assert_str_eq(un, plain);
	free(un);
	etag_gz = tu_header(&r, "ETag");
	ck_assert_ptr_nonnull(etag_gz);
	ck_assert_str_ne(etag_gz, etag_plain);
	tu_resp_free(&r);

	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag_gz);
	req("GET", "/api/v1/i18n", again, NULL, 0, &r);
	ck_assert_int_eq(r.status, 304);
	ck_assert_uint_eq(r.n, 0);
	v = tu_header(&r, "ETag");
	ck_assert_msg(v != NULL && strcmp(v, etag_gz) == 0, "ETag %s", v);
	free(v);
	tu_resp_free(&r);
	/* the gzip copy's ETag does not stand for the plain answer */
	req("GET", "/api/v1/i18n", again_plain, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, plain);
	tu_resp_free(&r);

	req("GET", "/api/v1/me", gzip, NULL, 0, &r);
	tu_expect_header(&r, "Content-Encoding", NULL);
	tu_expect_header(&r, "Cache-Control", "no-store");
	tu_resp_free(&r);

	free(etag_gz);
	free(etag_plain);
	free(plain);
}
END_TEST

/* "gzip ; q=0" and "gzip;  q=0" refuse gzip as "gzip;q=0" does (RFC 9110
** 12.4.2: optional whitespace around the ';'). */
static const char *const gzip_refusals[] = {
	"Accept-Encoding: gzip;q=0",
	"Accept-Encoding: gzip; q=0",
	"Accept-Encoding: gzip ; q=0",
	"Accept-Encoding: br;q=0, gzip;q=0.0",
};

START_TEST(test_gzip_refused)
{
	const char *h[] = { gzip_refusals[_i], NULL };
	struct tu_resp r;
	size_t nplain;
	char *plain;

	plain = read_all(www, "big.txt", &nplain);
	req("GET", "/big.txt", h, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	tu_expect_header(&r, "Content-Encoding", NULL);
	ck_assert_uint_eq(r.n, nplain);
	ck_assert_msg(memcmp(r.body, plain, nplain) == 0, "plain bytes differ");
	tu_resp_free(&r);
	free(plain);
}
END_TEST

/*
** A FIFO in the webroot is not a file to serve: a JSON 404 right away. A
** server that open()s it without O_NONBLOCK waits for a writer forever
** (that worker thread and shutdown with it); tu_http's own transfer limit
** then fails this test.
*/
START_TEST(test_fifo_not_served)
{
	char path[1024];
	struct tu_resp r;

	snprintf(path, sizeof(path), "%s/pipe.txt", www);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	get("/pipe.txt", &r);
	ck_assert_int_eq(r.status, 404);
	assert_json_error(&r, "not_found");
	tu_resp_free(&r);

	expect_get("/healthz", 200, NULL);
}
END_TEST

START_TEST(test_head)
{
	struct tu_resp r;
	char want[32];

	req("HEAD", "/app.js", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	snprintf(want, sizeof(want), "%zu", strlen(APP_JS));
	tu_expect_header(&r, "Content-Length", want);
	ck_assert_uint_eq(r.n, 0);
	assert_static_headers(&r);
	tu_resp_free(&r);

	/* HEAD on a route answers like GET without the body. */
	req("HEAD", "/healthz", NULL, NULL, 0, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_uint_eq(r.n, 0);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_subdir_index)
{
	expect_get("/sub/", 200, SUB_HTML);
	expect_get("/sub", 200, SUB_HTML);
	expect_get("/sub/index.html", 200, SUB_HTML);
}
END_TEST

START_TEST(test_symlink_inside)
{
	expect_get("/in.js", 200, APP_JS);
}
END_TEST

/* Every one of these must be a JSON 404 and never the secret. */
static const char *const escapes[] = {
	"/../secret.txt",
	"/%2e%2e/secret.txt",
	"/%2E%2E/secret.txt",
	"/.%2e/secret.txt",
	"/%2e./secret.txt",
	"/sub/../../secret.txt",
	"/sub/..%2f..%2fsecret.txt",
	"/sub%2f..%2f..%2fsecret.txt",
	"/sub/%2e%2e/%2e%2e/secret.txt",
	"/..%5c..%5csecret.txt",
	"/%2fetc%2fpasswd",
	"//etc/passwd",
	"/etc/passwd",
	"/secret.txt",
	"/app.js%00.txt",
	"/sub/%00",
	"/out.txt",
	"/outdir/secret.txt",
	"/sub/up.txt",
	"/.hidden",
	"/sub/../.hidden",
	"/%2ehidden",
};

START_TEST(test_escape_refused)
{
	const char *path = escapes[_i];
	struct tu_resp r;

	expect_error("GET", path, 404, "not_found", &r);
	ck_assert_msg(
	    strstr(r.body, SECRET) == NULL, "%s leaked the secret", path);
	ck_assert_msg(
	    strstr(r.body, "root:") == NULL, "%s leaked passwd", path);
	tu_resp_free(&r);
}
END_TEST

static const char *const malformed[] = {
	"/a%zz",
	"/a%2",
	"/a%",
	"/sub/%g0",
};

START_TEST(test_bad_escape)
{
	const char *path = malformed[_i];
	struct tu_resp r;

	expect_error("GET", path, 400, "bad_path", &r);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_not_found_json)
{
	struct tu_resp r;

	expect_error("GET", "/api/v1/nothing", 404, "not_found", &r);
	tu_resp_free(&r);
	/* No route, not a GET: still a JSON 404. */
	expect_error("DELETE", "/api/v1/nothing", 404, "not_found", &r);
	tu_resp_free(&r);
}
END_TEST

START_TEST(test_method_not_allowed)
{
	struct tu_resp r;

	expect_error("POST", "/healthz", 405, "method_not_allowed", &r);
	tu_expect_header(&r, "Allow", "GET");
	tu_resp_free(&r);
	expect_error("DELETE", "/metrics", 405, "method_not_allowed", &r);
	tu_expect_header(&r, "Allow", "GET");
	tu_resp_free(&r);
}
END_TEST

/* An answer of each kind: a file, errors of the static files, of the
** path, of the method, a HEAD, a route. */
static const struct {
	const char *method, *path;
	long status;
} kinds[] = {
	{ "GET", "/app.js", 200 },
	{ "GET", "/nope.txt", 404 },
	{ "GET", "/api/v1/nothing", 404 },
	{ "GET", "/../secret.txt", 404 },
	{ "GET", "/a%zz", 400 },
	{ "POST", "/healthz", 405 },
	{ "HEAD", "/", 200 },
	{ "GET", "/healthz", 200 },
};

/* Every JSON error is "Cache-Control: no-store" (404 and 405 are cacheable
** by default, RFC 9110 15.1). */
START_TEST(test_errors_not_cached)
{
	struct tu_resp r;
	char *v;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].status < 400)
			continue;
		req(kinds[i].method, kinds[i].path, NULL, NULL, 0, &r);
		ck_assert_int_eq(r.status, kinds[i].status);
		v = tu_header(&r, "Cache-Control");
		ck_assert_msg(v != NULL && strcmp(v, "no-store") == 0,
		    "%s %s: Cache-Control %s", kinds[i].method, kinds[i].path,
		    v ? v : "(none)");
		free(v);
		tu_resp_free(&r);
	}
}
END_TEST

START_TEST(test_keepalive)
{
	void *h = NULL;

	healthz_kept(&h, 20);
	tu_http_close(h);
}
END_TEST

/* Static files, errors and 405s keep the connection too. */
START_TEST(test_keepalive_mixed)
{
	char url[256];
	struct tu_resp r;
	void *h = NULL;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(url, sizeof(url), "%s%s", srv.base, kinds[i].path);
		ck_assert_int_eq(
		    tu_http(&h, kinds[i].method, url, NULL, NULL, 0, &r), 0);
		ck_assert_msg(r.status == kinds[i].status, "%s %s: %ld",
		    kinds[i].method, kinds[i].path, r.status);
		ck_assert_msg(r.connects == (i == 0 ? 1 : 0),
		    "%s %s opened %ld connections", kinds[i].method,
		    kinds[i].path, r.connects);
		tu_resp_free(&r);
	}
	tu_http_close(h);
}
END_TEST

/*
** A 100 KiB body on /healthz, which takes none, is refused up front as
** JSON with the security headers: POST 405 (the path has only GET), GET
** 413 (over its limit of no body). The node answers the next request.
*/
static const struct {
	const char *method;
	long status;
	const char *code;
} bodyless[] = {
	{ "POST", 405, "method_not_allowed" },
	{ "GET", 413, "too_large" },
};

START_TEST(test_body_on_bodyless_route)
{
	size_t n = 100 * 1024;
	char *body = malloc(n);
	struct tu_resp r;

	ck_assert_ptr_nonnull(body);
	memset(body, 'a', n);
	req(bodyless[_i].method, "/healthz", NULL, body, n, &r);
	free(body);
	ck_assert_int_eq(r.status, bodyless[_i].status);
	assert_json_error(&r, bodyless[_i].code);
	assert_security_headers(&r);
	tu_resp_free(&r);

	expect_get("/healthz", 200, NULL);
}
END_TEST

START_TEST(test_clean_shutdown)
{
	expect_get("/healthz", 200, NULL);
	ck_assert_int_eq(stop_server(), 0);
}
END_TEST

START_TEST(test_request_log)
{
	static const char *const paths[] = { "/healthz", "/app.js", "/nope",
		"/a%zz" };
	char dir[600], *log, *line, *next, *save = NULL;
	const char *client;
	json_error_t je;
	struct tu_resp r;
	size_t i, n;
	int lines = 0, seen_health = 0, seen_bad = 0;
	json_t *j;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		get(paths[i], &r);
		tu_resp_free(&r);
	}
	/* After shutdown every finished request has been logged. */
	ck_assert_int_eq(stop_server(), 0);
	snprintf(dir, sizeof(dir), "%s", node);
	log = read_all(dir, "server.log", &n);
	for (line = strtok_r(log, "\n", &save); line != NULL; line = next) {
		next = strtok_r(NULL, "\n", &save);
		if (line[0] != '{')
			continue;
		j = json_loads(line, 0, &je);
		ck_assert_msg(j != NULL, "log line is not JSON: %s", line);
		client = json_string_value(json_object_get(j, "client"));
		ck_assert_msg(client != NULL &&
			strncmp(client, "127.0.0.", 8) == 0 &&
			strlen(client) > 3 &&
			strcmp(client + strlen(client) - 3, "/24") == 0,
		    "client not truncated to /24: %s", line);
		ck_assert_msg(json_is_integer(json_object_get(j, "status")),
		    "no status: %s", line);
		ck_assert_msg(json_is_string(json_object_get(j, "method")),
		    "no method: %s", line);
		ck_assert_msg(json_is_string(json_object_get(j, "path")),
		    "no path: %s", line);
		if (strcmp(json_string_value(json_object_get(j, "path")),
			"/healthz") == 0 &&
		    strcmp(json_string_value(json_object_get(j, "method")),
			"GET") == 0 &&
		    json_integer_value(json_object_get(j, "status")) == 200)
			seen_health++;
		if (strcmp(json_string_value(json_object_get(j, "path")),
			"/a%zz") == 0 &&
		    json_integer_value(json_object_get(j, "status")) == 400)
			seen_bad++;
		json_decref(j);
		lines++;
	}
	free(log);
	ck_assert_int_eq(lines, 4);
	ck_assert_int_eq(seen_health, 1);
	ck_assert_int_eq(seen_bad, 1);
}
END_TEST

START_TEST(test_port_taken)
{
	char node2[700], port[16], out[1024];
	char *argv[] = { "timeout", "60", (char *)bin(), "serve", "--data",
		node2, "--port", port, "--webroot", www, NULL };
	int rc;

	snprintf(node2, sizeof(node2), "%s/node2", tmp);
	ck_assert_int_eq(init_node(node2), 0);
	snprintf(port, sizeof(port), "%d", srv.port);
	rc = tu_run(argv, out, sizeof(out));
	/* 124: still running when timeout stopped it, so it did listen. */
	ck_assert_msg(rc != 0 && rc != 124,
	    "second server on port %s: exit "
	    "%d, output: %s",
	    port, rc, out);
	ck_assert_msg(strstr(out, "listening on") == NULL, "%s", out);

	expect_get("/healthz", 200, NULL);
}
END_TEST

START_TEST(test_cli_bad_port)
{
	const char *args[] = { "serve", "--data", node, "--port", "banana",
		NULL };
	char out[8192];
	int rc;

	rc = tu_cli(out, sizeof(out), args);
	ck_assert_msg(rc == 2, "exit %d, output: %s", rc, out);
	ck_assert_msg(strstr(out, "port") != NULL && strstr(out, "banana"),
	    "error does not name the option: %s", out);
}
END_TEST

START_TEST(test_cli_serve_help)
{
	const char *args[] = { "serve", "--help", NULL };
	char out[16384];
	int rc;

	rc = tu_cli(out, sizeof(out), args);
	ck_assert_msg(rc == 0, "exit %d, output: %s", rc, out);
	ck_assert_msg(strstr(out, "TRIBUTARY_PORT") != NULL, "%s", out);
}
END_TEST

START_TEST(test_cli_help)
{
	const char *args[] = { "help", NULL };
	char out[4096];
	int rc;

	rc = tu_cli(out, sizeof(out), args);
	ck_assert_msg(rc == 0, "exit %d, output: %s", rc, out);
	ck_assert_msg(strstr(out, "\n  init ") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\n  serve ") != NULL, "%s", out);
}
END_TEST

START_TEST(test_cli_loose_key)
{
	const char *args[] = { "serve", "--data", node, "--port", "0", NULL };
	char key[700], out[4096];
	int rc;

	snprintf(key, sizeof(key), "%s/keys/signing.key", node);
	ck_assert_int_eq(chmod(key, 0644), 0);
	rc = tu_cli(out, sizeof(out), args);
	ck_assert_msg(rc != 0 && rc != 124, "exit %d, output: %s", rc, out);
	ck_assert_msg(strstr(out, "listening on") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "signing.key") != NULL, "%s", out);
}
END_TEST

/* A page carries the whole set of security headers; a script, a style
** sheet or JSON carries nosniff and a policy of nothing (a page's policy
** governs them), saving bytes on a weak link; a service worker script
** carries the page's policy, which governs the worker. */
START_TEST(test_security_headers_by_kind)
{
	struct tu_resp r;
	char *h;

	get("/index.html", &r);
	ck_assert_int_eq(r.status, 200);
	assert_security_headers(&r);
	ck_assert_ptr_nonnull(h = tu_header(&r, "X-Frame-Options"));
	free(h);
	tu_resp_free(&r);
	/* a script of the webroot: nosniff, and no policy of its own */
	get("/app.js", &r);
	ck_assert_int_eq(r.status, 200);
	assert_static_headers(&r);
	ck_assert_ptr_null(h = tu_header(&r, "Referrer-Policy"));
	tu_resp_free(&r);
	/* a file that is not there is an error: the policy of nothing */
	get("/missing.js", &r);
	ck_assert_int_eq(r.status, 404);
	assert_security_headers(&r);
	tu_resp_free(&r);
	get("/sw.js", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(h = tu_header(&r, "Content-Security-Policy"));
	ck_assert_msg(strstr(h, "worker-src 'self'") != NULL, "sw.js: %s", h);
	free(h);
	tu_resp_free(&r);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("http");
	TCase *tc;

	tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup_server, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_healthz);
	tcase_add_test(tc, test_security_headers_by_kind);
	tcase_add_test(tc, test_metrics);
	tcase_add_test(tc, test_not_found_json);
	tcase_add_test(tc, test_method_not_allowed);
	tcase_add_test(tc, test_errors_not_cached);
	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_keepalive_mixed);
	tcase_add_loop_test(tc, test_body_on_bodyless_route, 0,
	    sizeof(bodyless) / sizeof(bodyless[0]));
	tcase_add_test(tc, test_clean_shutdown);
	tcase_add_test(tc, test_request_log);
	tcase_add_test(tc, test_port_taken);
	suite_add_tcase(s, tc);

	tc = tcase_create("static");
	tcase_add_checked_fixture(tc, setup_server, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_static_index_and_types);
	tcase_add_test(tc, test_etag_304);
	tcase_add_test(tc, test_webroot_compress);
	tcase_add_test(tc, test_gzip_sibling);
	tcase_add_test(tc, test_public_json_coded);
	tcase_add_loop_test(tc, test_gzip_refused, 0,
	    sizeof(gzip_refusals) / sizeof(gzip_refusals[0]));
	tcase_add_test(tc, test_head);
	tcase_add_test(tc, test_subdir_index);
	tcase_add_test(tc, test_symlink_inside);
	tcase_add_test(tc, test_fifo_not_served);
	tcase_add_loop_test(
	    tc, test_escape_refused, 0, sizeof(escapes) / sizeof(escapes[0]));
	tcase_add_loop_test(
	    tc, test_bad_escape, 0, sizeof(malformed) / sizeof(malformed[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, setup_node, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cli_bad_port);
	tcase_add_test(tc, test_cli_serve_help);
	tcase_add_test(tc, test_cli_help);
	tcase_add_test(tc, test_cli_loose_key);
	suite_add_tcase(s, tc);

	return (tu_suite_run(s));
}
