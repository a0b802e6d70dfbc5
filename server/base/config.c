/*
** Options for `tributary serve` (config.h). One table drives flags,
** environment and file, and the --help text, so they cannot drift apart.
*/
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum opt_type { OPT_STR, OPT_LONG, OPT_BOOL };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	const char *def;
	long min, max;
	const char *help;
};

#define OFF(f) offsetof(struct config, f)

static const struct opt opts[] = {
	{ "data", OPT_STR, OFF(data), NULL, 0, 0,
	    "node directory made by `tributary init` (required unless "
	    "--demo)" },
	{ "bind", OPT_STR, OFF(bind), "127.0.0.1", 0, 0,
	    "address to listen on (0.0.0.0 to serve a LAN)" },
	{ "port", OPT_LONG, OFF(port), "8080", 0, 65535,
	    "TCP port; 0 picks a free one (printed on stdout)" },
	{ "threads", OPT_LONG, OFF(threads), "0", 0, 256,
	    "HTTP worker threads; 0 = one per CPU" },
	{ "epoll", OPT_BOOL, OFF(epoll), "0", 0, 1,
	    "1 = wait for connections with epoll instead of poll: for many "
	    "thousands of open connections; poll costs less per request that "
	    "waits for the writer" },
	{ "connection-timeout", OPT_LONG, OFF(conn_timeout), "30", 1, 86400,
	    "seconds an idle connection is kept open" },
	{ "per-ip-limit", OPT_LONG, OFF(per_ip_limit), "256", 1, 100000,
	    "open connections per client address (a drive shares one NAT)" },
	{ "connection-memory", OPT_LONG, OFF(conn_memory), "32768", 8192,
	    16777216, "bytes of buffer memory per connection" },
	{ "max-connections", OPT_LONG, OFF(max_conns), "4096", 16, 1000000,
	    "open connections in all" },
	{ "webroot", OPT_STR, OFF(webroot), TRIBUTARY_WEBROOT, 0, 0,
	    "folder of static files for the pages (by default the build's: "
	    "webroot/ with content-hashed copies of its scripts, style sheets "
	    "and catalogs, ops/webroot.cmake)" },
	{ "compress-cache", OPT_LONG, OFF(compress_cache), "16777216", 0,
	    1L << 34,
	    "bytes of memory for compressed copies of the webroot's text files "
	    "(Brotli and gzip, each made once, on the file's first request); "
	    "once full, files not yet compressed go out uncompressed; 0 = "
	    "never compress (a precompressed FILE.gz is still served)" },
	{ "compress-max-file", OPT_LONG, OFF(compress_max_file), "1048576", 128,
	    1L << 30,
	    "bytes of the largest text file compressed (it is read whole into "
	    "memory, and Brotli's best quality takes about a second per "
	    "megabyte); larger ones go out uncompressed" },
	{ "log-requests", OPT_BOOL, OFF(log_requests), "1", 0, 1,
	    "1 = one JSON line per request on stderr, 0 = none" },
	{ "withdrawal-grace", OPT_LONG, OFF(withdrawal_grace), "2592000", 0,
	    315360000,
	    "seconds a withdrawn contribution's text and recording are kept "
	    "before they are erased (a tombstone stays for the revocation "
	    "list)" },
	{ "blob-grace", OPT_LONG, OFF(blob_grace), "3600", 0, 31536000,
	    "seconds an unreferenced blob file is kept before the sweep" },
	{ "trusted-proxy", OPT_STR, OFF(trusted_proxy), "", 0, 0,
	    "comma-separated proxy addresses whose X-Forwarded-For and "
	    "X-Forwarded-Proto are believed" },
	{ "rate-per-address", OPT_LONG, OFF(rate_address), "50", 1, 100000,
	    "API requests per second per client address, burst 4x (a drive "
	    "shares one NAT address: keep it generous)" },
	{ "rate-per-account", OPT_LONG, OFF(rate_account), "10", 1, 100000,
	    "API requests per second per account, burst 4x" },
	{ "upload-budget", OPT_LONG, OFF(upload_budget), "268435456", 1048576,
	    1L << 40,
	    "bytes of request bodies the whole node holds at once; an upload "
	    "that would go over is refused (503, Retry-After) before its "
	    "body is read" },
	{ "uploads-per-account", OPT_LONG, OFF(uploads_per_account), "2", 1,
	    1000,
	    "large uploads (over 64 KiB) one account may send at once; more "
	    "get 429 with Retry-After before their body is read" },
	{ "header-timeout", OPT_LONG, OFF(header_timeout), "10", 1, 3600,
	    "seconds a connection may take to send a request's headers "
	    "(counted from when it became ready for one); slower ones are "
	    "closed" },
	{ "header-timeout-busy", OPT_LONG, OFF(header_timeout_busy), "1", 1,
	    3600,
	    "while more than 15/16 of --max-connections are open, "
	    "connections that have waited this many seconds for their "
	    "headers are closed, longest first, until 7/8 are: a node filled "
	    "by slow clients makes room for newcomers" },
	{ "body-min-rate", OPT_LONG, OFF(body_min_rate), "1024", 0, 1L << 30,
	    "bytes per second a request body must average over each "
	    "--body-rate-window after --body-grace; slower ones are closed "
	    "(0 = no minimum)" },
	{ "body-rate-window", OPT_LONG, OFF(body_rate_window), "10", 1, 3600,
	    "seconds over which --body-min-rate is averaged" },
	{ "body-grace", OPT_LONG, OFF(body_grace), "10", 0, 3600,
	    "seconds a request body may start slowly before --body-min-rate "
	    "applies" },
	{ "login-backoff-after", OPT_LONG, OFF(login_backoff_after), "5", 1,
	    1000,
	    "failed logins for one handle or from one address before each "
	    "further try must wait (the wait doubles, up to "
	    "--login-backoff-max)" },
	{ "login-backoff-max", OPT_LONG, OFF(login_backoff_max), "60", 1, 3600,
	    "longest wait in seconds between login tries after failures; "
	    "never a lock: the right passphrase works once the wait is over" },
	{ "hashes-per-address", OPT_LONG, OFF(hashes_per_address), "4", 1, 1000,
	    "passphrase or PIN checks one client address may have queued or "
	    "running at once; more get 429 (two hasher threads serve all)" },
	{ "release-approvals", OPT_LONG, OFF(release_approvals), "1", 1, 100,
	    "distinct maintainers (the operator at the command line counts "
	    "as one) who must approve a release before it is approved" },
	{ "namespace", OPT_STR, OFF(hub_namespace), "tributary", 0, 0,
	    "the namespace of the node's datasets on its Hub read API: Hub "
	    "clients pointed at the node load NAMESPACE/DATASET "
	    "([A-Za-z0-9._-], at most 64 bytes)" },
	{ "hub-max-object", OPT_LONG, OFF(hub_max_object), "5368709120", 1,
	    1L << 40,
	    "bytes one object pushed through the Hub write API may have (an "
	    "LFS upload, streamed to disk, never held in memory); larger ones "
	    "are refused in the batch answer and by the upload (413)" },
	{ "hub-max-commit", OPT_LONG, OFF(hub_max_commit), "67108864", 1024,
	    1L << 32,
	    "bytes of one Hub commit body (NDJSON, inline files base64): it "
	    "is held in memory and counts against --upload-budget" },
	{ "hub-max-files", OPT_LONG, OFF(hub_max_files), "10000", 1, 20000,
	    "files one Hub commit may change, and a pushed repo may hold" },
	{ "hub-upload-ttl", OPT_LONG, OFF(hub_upload_ttl), "3600", 10, 604800,
	    "seconds the signed upload and verify URLs of an LFS batch answer "
	    "stay valid" },
	{ "hub-disk-reserve", OPT_LONG, OFF(hub_disk_reserve), "268435456", 0,
	    1L << 42,
	    "bytes of disk an LFS upload or a commit must leave free in the "
	    "data folder; one that would not is refused (507) before its body "
	    "is read" },
	{ "reading-max", OPT_LONG, OFF(reading_max), "16777216", 65536,
	    1L << 30,
	    "bytes of a recorded reading of a consent document uploaded on "
	    "the translation page (a WAV, held in memory while it is checked "
	    "and counted in --upload-budget)" },
	{ "consent-part-max", OPT_LONG, OFF(consent_part_max), "8192", 256,
	    32768,
	    "bytes of one part (a title, a scope's explanation, a paragraph) "
	    "of a consent document saved on the translation page" },
	{ "hub-multipart-chunk", OPT_LONG, OFF(hub_multipart_chunk), "0", 0,
	    1L << 34,
	    "bytes of each part when an LFS object larger than this is pushed "
	    "in parts (the Hub's multipart transfer, parts PUT in parallel "
	    "and joined by the node); 0: every object in one PUT. At most "
	    "10000 parts: a larger object gets larger parts" },
	{ "hub-object-grace", OPT_LONG, OFF(hub_object_grace), "86400", 0,
	    31536000,
	    "seconds an object pushed through the Hub write API but named by "
	    "no commit (an interrupted push, the parts of a joined upload) "
	    "is kept before the sweep removes it" },
	/* The pull's limits are `federate pull`'s, with its defaults
	** (outbound/federate.h; tests/check_config.c holds them together). */
	{ "federate-every", OPT_LONG, OFF(federate_every), "3600", 0, 31536000,
	    "seconds between pulls of every peer (what `tributary federate "
	    "pull` does) on a thread of the node, the first one this long "
	    "after the start; never two at once; 0 = never" },
	{ "federate-max-file-bytes", OPT_LONG, OFF(federate_max_file),
	    "4294967296", 1, 1L << 42,
	    "a pulled release listing a file larger than this is refused" },
	{ "federate-max-files", OPT_LONG, OFF(federate_max_files), "10000", 1,
	    1000000, "a pulled release listing more files is refused" },
	{ "federate-peer-timeout", OPT_LONG, OFF(federate_peer_time), "3600", 1,
	    604800,
	    "seconds one peer's pull may take in all; then it is reported "
	    "and the next peer is pulled" },
	{ "federate-max-rate", OPT_LONG, OFF(federate_max_rate), "0", 0,
	    1L << 40,
	    "bytes a second a pull receives at most, on a metered link (0 = "
	    "no limit)" },
	{ "consent-dir", OPT_STR, OFF(consent_dir),
	    TRIBUTARY_SOURCE_DIR "/consent", 0, 0,
	    "folder of consent documents: <slug>/<version>/<lang>.md" },
	{ "redact-dir", OPT_STR, OFF(redact_dir),
	    TRIBUTARY_SOURCE_DIR "/redact", 0, 0,
	    "folder of redaction rule packs (default.yaml and locale packs)" },
	{ "naive-commit", OPT_BOOL, OFF(naive_commit), "0", 0, 1,
	    "1 = commit each write alone instead of in groups (only to "
	    "measure what group commit saves)" },
	{ "tls-cert", OPT_STR, OFF(tls_cert), "", 0, 0,
	    "PEM certificate (chain) to serve HTTPS itself, e.g. at a drive "
	    "on a LAN: phones record audio only on a secure origin" },
	{ "tls-key", OPT_STR, OFF(tls_key), "", 0, 0,
	    "PEM private key of --tls-cert (keep it 0600)" },
	{ "demo", OPT_BOOL, OFF(demo), "0", 0, 1,
	    "create ./var/demo if absent and serve it on port 8080" },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static const struct opt *
opt_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == n &&
		    strncmp(opts[i].name, name, n) == 0)
			return (&opts[i]);
	return (NULL);
}

/* Sets option ${o} from ${val}; ${from} names the source for errors. */
static int
opt_set(struct config *c, const struct opt *o, const char *val,
    const char *from, char *err, size_t errlen)
{
	char *end, **sp;
	long v;

	if (o->type == OPT_STR) {
		sp = (char **)((char *)c + o->off);
		free(*sp);
		if ((*sp = strdup(val)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		return (0);
	}
	if (o->type == OPT_BOOL &&
	    (strcmp(val, "true") == 0 || strcmp(val, "yes") == 0)) {
		v = 1;
	} else if (o->type == OPT_BOOL &&
	    (strcmp(val, "false") == 0 || strcmp(val, "no") == 0)) {
		v = 0;
	} else {
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end != '\0' || v < o->min ||
		    v > o->max) {
			snprintf(err, errlen,
			    "%s: %s must be a whole number from %ld to %ld, "
			    "not "
			    "\"%s\"",
			    from, o->name, o->min, o->max, val);
			return (-1);
		}
	}
	*(long *)((char *)c + o->off) = v;
	return (0);
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

static int
config_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char line[4096], from[512], *k, *v, *eq;
	const struct opt *o;
	FILE *f;
	int lineno = 0, rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		snprintf(from, sizeof(from), "%s:%d", path, lineno);
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(
			    err, errlen, "%s: expected name = value", from);
			rc = -1;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if ((o = opt_find(k, strlen(k))) == NULL) {
			snprintf(
			    err, errlen, "%s: unknown option \"%s\"", from, k);
			rc = -1;
			break;
		}
		rc = opt_set(c, o, v, from, err, errlen);
	}
	fclose(f);
	return (rc);
}

int
config_load(struct config *c, int argc, char **argv, FILE *out, char *err,
    size_t errlen)
{
	const char *file = NULL, *val, *a;
	char env[128], from[160];
	const struct opt *o;
	size_t i, n, j;
	int k;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NOPTS; i++)
		if (opts[i].def != NULL &&
		    opt_set(c, &opts[i], opts[i].def, "default", err, errlen) ==
			-1)
			return (-1);

	/* The config file comes from --config or TRIBUTARY_CONFIG. */
	file = getenv("TRIBUTARY_CONFIG");
	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 ||
		    strcmp(argv[k], "-h") == 0) {
			config_usage(out);
			return (1);
		}
		if (strcmp(argv[k], "--config") == 0 && k + 1 < argc)
			file = argv[k + 1];
		else if (strncmp(argv[k], "--config=", 9) == 0)
			file = argv[k] + 9;
	}
	if (file != NULL && config_file(c, file, err, errlen) == -1)
		return (-1);

	for (i = 0; i < NOPTS; i++) {
		n = (size_t)snprintf(
		    env, sizeof(env), "TRIBUTARY_%s", opts[i].name);
		for (j = 10; j < n; j++)
			env[j] = env[j] == '-'
			    ? '_'
			    : (char)toupper((unsigned char)env[j]);
		if ((val = getenv(env)) != NULL &&
		    opt_set(c, &opts[i], val, env, err, errlen) == -1)
			return (-1);
	}

	for (k = 0; k < argc; k++) {
		a = argv[k];
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument \"%s\"", a);
			return (-1);
		}
		a += 2;
		n = strcspn(a, "=");
		if (n == 6 && strncmp(a, "config", 6) == 0) {
			if (a[n] == '\0' && ++k >= argc) {
				snprintf(err, errlen, "--config needs a value");
				return (-1);
			}
			continue;
		}
		if ((o = opt_find(a, n)) == NULL) {
			snprintf(err, errlen,
			    "unknown option \"--%.*s\" (see --help)", (int)n,
			    a);
			return (-1);
		}
		snprintf(from, sizeof(from), "--%s", o->name);
		if (a[n] == '=')
			val = a + n + 1;
		else if (o->type == OPT_BOOL &&
		    (k + 1 == argc || strspn(argv[k + 1], "01") != 1 ||
			argv[k + 1][1] != '\0'))
			val = "1"; /* bare --flag; "--flag 0" takes the 0 */
		else if (k + 1 < argc)
			val = argv[++k];
		else {
			snprintf(err, errlen, "--%s needs a value", o->name);
			return (-1);
		}
		if (opt_set(c, o, val, from, err, errlen) == -1)
			return (-1);
	}
	/* The namespace is half of every repo id a Hub client asks for. */
	n = strlen(c->hub_namespace);
	if (n == 0 || n > 64 ||
	    strspn(c->hub_namespace,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789._-") != n ||
	    c->hub_namespace[0] == '.') {
		snprintf(err, errlen,
		    "namespace must be 1 to 64 of A-Z a-z 0-9 . _ - (not "
		    "starting with a dot), not \"%s\"",
		    c->hub_namespace);
		return (-1);
	}
	return (0);
}

void
config_usage(FILE *out)
{
	char env[128];
	size_t i, j, n;

	fprintf(out,
	    "usage: tributary serve [--data DIR] [options]\n\n"
	    "Each option may also be set as TRIBUTARY_<NAME> in the "
	    "environment\n"
	    "or as `name = value` in the file named by --config FILE (or\n"
	    "TRIBUTARY_CONFIG). Flags win over the environment, which wins "
	    "over\n"
	    "the file.\n\n");
	for (i = 0; i < NOPTS; i++) {
		n = (size_t)snprintf(
		    env, sizeof(env), "TRIBUTARY_%s", opts[i].name);
		for (j = 10; j < n; j++)
			env[j] = env[j] == '-'
			    ? '_'
			    : (char)toupper((unsigned char)env[j]);
		fprintf(out, "  --%-20s %s\n  %-22s   env %s", opts[i].name,
		    opts[i].help, "", env);
		if (opts[i].def != NULL)
			fprintf(out, ", default %s", opts[i].def);
		fprintf(out, "\n");
	}
	fprintf(out, "  --%-20s %s\n", "config FILE", "read options from FILE");
}

void
config_free(struct config *c)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].type == OPT_STR) {
			free(*(char **)((char *)c + opts[i].off));
			*(char **)((char *)c + opts[i].off) = NULL;
		}
}
