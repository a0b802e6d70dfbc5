/*
** Settings (config.h): the defaults; a config file, then TRIBUTARY_*
** variables, then flags, each winning over the one before; bad values,
** unknown flags and unknown file keys are refused with a message naming
** the option (and file:line); --help lists every option, and the ops
** guide names each; the federation pull's limits default to what
** `federate pull` uses.
*/
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "federate.h"
#include "testutil.h"

/* Every option, as flag name; its variable is TRIBUTARY_ + upper, - to _. */
static const char *const options[] = {
	"data",
	"bind",
	"port",
	"threads",
	"connection-timeout",
	"per-ip-limit",
	"connection-memory",
	"max-connections",
	"webroot",
	"log-requests",
	"blob-grace",
	"demo",
	"federate-every",
	"federate-max-file-bytes",
	"federate-max-files",
	"federate-peer-timeout",
	"federate-max-rate",
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static void
env_name(const char *opt, char *out, size_t n)
{
	size_t i;

	snprintf(out, n, "TRIBUTARY_%s", opt);
	for (i = 10; out[i] != '\0'; i++)
		out[i] =
		    out[i] == '-' ? '_' : (char)toupper((unsigned char)out[i]);
}

/* Each test starts with none of our variables set (tests run forked). */
static void
clean_env(void)
{
	char env[128];
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		env_name(options[i], env, sizeof(env));
		unsetenv(env);
	}
	unsetenv("TRIBUTARY_CONFIG");
}

/* Writes ${text} to ${tu_base}/${name}; its path into ${path}. */
static void
write_file(const char *name, const char *text, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/%s", tu_base, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* config_load on a NULL-ended argument list. */
static int
load(struct config *c, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0, rc;
	va_list ap;

	va_start(ap, errlen);
	while ((argv[argc] = va_arg(ap, char *)) != NULL && argc < 31)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	rc = config_load(c, argc, argv, stdout, err, errlen);
	return (rc);
}

START_TEST(test_defaults)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), 0);
	ck_assert_ptr_null(c.data);
	ck_assert_str_eq(c.bind, "127.0.0.1");
	ck_assert_int_eq(c.port, 8080);
	ck_assert_int_eq(c.threads, 0);
	ck_assert_int_eq(c.conn_timeout, 30);
	ck_assert_int_eq(c.per_ip_limit, 256);
	ck_assert_int_eq(c.conn_memory, 32768);
	ck_assert_int_eq(c.max_conns, 4096);
	ck_assert_ptr_nonnull(c.webroot);
	ck_assert_ptr_nonnull(strstr(c.webroot, "webroot"));
	ck_assert_int_eq(c.log_requests, 1);
	ck_assert_int_eq(c.blob_grace, 3600);
	ck_assert_int_eq(c.demo, 0);
	/* serve's pulls keep to the limits `federate pull` keeps to. */
	ck_assert_int_eq(c.federate_every, 3600);
	ck_assert_uint_eq((uint64_t)c.federate_max_file, FED_DEFAULT_MAX_FILE);
	ck_assert_int_eq(c.federate_max_files, FED_DEFAULT_MAX_FILES);
	ck_assert_int_eq(c.federate_peer_time, FED_DEFAULT_PEER_TIME);
	ck_assert_int_eq(c.federate_max_rate, 0);
	config_free(&c);
	ck_assert_ptr_null(c.bind);
	ck_assert_ptr_null(c.webroot);
}
END_TEST

START_TEST(test_file_env_flag_precedence)
{
	char path[600], err[512], flag[700];
	struct config c;

	write_file("serve.conf",
	    "# a comment\n"
	    "\n"
	    "port = 9001\n"
	    "  bind=0.0.0.0  \n"
	    "connection-timeout = 45\n"
	    "data = /srv/node\n",
	    path, sizeof(path));

	/* File only, named by flag... */
	snprintf(flag, sizeof(flag), "--config=%s", path);
	ck_assert_msg(load(&c, err, sizeof(err), flag, NULL) == 0, "%s", err);
	ck_assert_int_eq(c.port, 9001);
	ck_assert_str_eq(c.bind, "0.0.0.0");
	ck_assert_int_eq(c.conn_timeout, 45);
	ck_assert_str_eq(c.data, "/srv/node");
	ck_assert_int_eq(c.threads, 0); /* untouched: default */
	config_free(&c);
	ck_assert_msg(
	    load(&c, err, sizeof(err), "--config", path, NULL) == 0, "%s", err);
	ck_assert_int_eq(c.port, 9001);
	config_free(&c);

	/* ...or by TRIBUTARY_CONFIG. */
	setenv("TRIBUTARY_CONFIG", path, 1);
	ck_assert_msg(load(&c, err, sizeof(err), NULL) == 0, "%s", err);
	ck_assert_int_eq(c.port, 9001);
	config_free(&c);

	/* The environment wins over the file. */
	setenv("TRIBUTARY_PORT", "9002", 1);
	setenv("TRIBUTARY_CONNECTION_TIMEOUT", "46", 1);
	ck_assert_msg(load(&c, err, sizeof(err), NULL) == 0, "%s", err);
	ck_assert_int_eq(c.port, 9002);
	ck_assert_int_eq(c.conn_timeout, 46);
	ck_assert_str_eq(c.bind, "0.0.0.0");
	config_free(&c);

	/* Flags win over the environment, both spellings. */
	ck_assert_int_eq(load(&c, err, sizeof(err), "--port", "9003", NULL), 0);
	ck_assert_int_eq(c.port, 9003);
	ck_assert_int_eq(c.conn_timeout, 46);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "--port=9004", "--data",
			     "/elsewhere", NULL),
	    0);
	ck_assert_int_eq(c.port, 9004);
	ck_assert_str_eq(c.data, "/elsewhere");
	config_free(&c);
}
END_TEST

START_TEST(test_bools)
{
	struct config c;
	char err[512];

	setenv("TRIBUTARY_LOG_REQUESTS", "no", 1);
	ck_assert_msg(
	    load(&c, err, sizeof(err), "--demo", NULL) == 0, "%s", err);
	ck_assert_int_eq(c.demo, 1);
	ck_assert_int_eq(c.log_requests, 0);
	config_free(&c);
	ck_assert_int_eq(
	    load(&c, err, sizeof(err), "--log-requests=true", "--demo=0", NULL),
	    0);
	ck_assert_int_eq(c.log_requests, 1);
	ck_assert_int_eq(c.demo, 0);
	/* serve's pulls keep to the limits `federate pull` keeps to. */
	ck_assert_int_eq(c.federate_every, 3600);
	ck_assert_uint_eq((uint64_t)c.federate_max_file, FED_DEFAULT_MAX_FILE);
	ck_assert_int_eq(c.federate_max_files, FED_DEFAULT_MAX_FILES);
	ck_assert_int_eq(c.federate_peer_time, FED_DEFAULT_PEER_TIME);
	ck_assert_int_eq(c.federate_max_rate, 0);
	config_free(&c);
	/* A bare flag means 1; a following 0 or 1 is its value; anything
	** else after it is the next argument. */
	ck_assert_int_eq(load(&c, err, sizeof(err), "--log-requests", "0",
			     "--demo", "1", NULL),
	    0);
	ck_assert_int_eq(c.log_requests, 0);
	ck_assert_int_eq(c.demo, 1);
	config_free(&c);
	ck_assert_int_eq(
	    load(&c, err, sizeof(err), "--demo", "--port", "9", NULL), 0);
	ck_assert_int_eq(c.demo, 1);
	ck_assert_int_eq(c.port, 9);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "--demo=2", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "demo"));
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "--demo", "2", NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "\"2\""));
	config_free(&c);
}
END_TEST

START_TEST(test_port_out_of_range)
{
	static const char *bad[] = {
		"--port=70000",
		"--port=65536",
		"--port=-1",
		"--port=abc",
		"--port=",
		"--port=80x",
		"--port=99999999999999999999999",
	};
	struct config c;
	char err[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(load(&c, err, sizeof(err), bad[i], NULL) == -1,
		    "%s accepted", bad[i]);
		ck_assert_msg(
		    strstr(err, "port") != NULL, "%s: %s", bad[i], err);
		ck_assert_msg(
		    strstr(err, "0 to 65535") != NULL, "%s: %s", bad[i], err);
		config_free(&c);
	}
	ck_assert_int_eq(load(&c, err, sizeof(err), "--port=65535", NULL), 0);
	ck_assert_int_eq(c.port, 65535);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "--port=0", NULL), 0);
	ck_assert_int_eq(c.port, 0);
	config_free(&c);

	/* The same check guards the environment, naming the variable. */
	setenv("TRIBUTARY_PORT", "70000", 1);
	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), -1);
	ck_assert_msg(strstr(err, "TRIBUTARY_PORT") != NULL, "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_unknown_flag)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load(&c, err, sizeof(err), "--port", "1",
			     "--no-such-thing=3", NULL),
	    -1);
	ck_assert_msg(strstr(err, "--no-such-thing") != NULL, "%s", err);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "stray", NULL), -1);
	ck_assert_msg(strstr(err, "stray") != NULL, "%s", err);
	config_free(&c);
	ck_assert_int_eq(load(&c, err, sizeof(err), "--port", NULL), -1);
	ck_assert_msg(strstr(err, "--port") != NULL, "%s", err);
	config_free(&c);
}
END_TEST

/* "--config" with nothing after it names no file: refuse it, as "--port"
** with no value is refused, rather than silently using no file. */
START_TEST(test_config_flag_needs_value)
{
	struct config c;
	char err[512];

	ck_assert_int_eq(load(&c, err, sizeof(err), "--config", NULL), -1);
	ck_assert_msg(strstr(err, "--config") != NULL, "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_file_errors_name_line)
{
	char path[600], err[512], want[700];
	struct config c;

	write_file("bad-key.conf", "port = 9001\n# fine\nportt = 9002\n", path,
	    sizeof(path));
	setenv("TRIBUTARY_CONFIG", path, 1);
	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), -1);
	snprintf(want, sizeof(want), "%s:3", path);
	ck_assert_msg(strstr(err, want) != NULL, "no %s in: %s", want, err);
	ck_assert_msg(strstr(err, "portt") != NULL, "%s", err);
	config_free(&c);

	write_file(
	    "bad-value.conf", "\n\nthreads = 9999\n", path, sizeof(path));
	setenv("TRIBUTARY_CONFIG", path, 1);
	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), -1);
	snprintf(want, sizeof(want), "%s:3", path);
	ck_assert_msg(strstr(err, want) != NULL, "no %s in: %s", want, err);
	ck_assert_msg(strstr(err, "threads") != NULL, "%s", err);
	config_free(&c);

	write_file("no-eq.conf", "port 9001\n", path, sizeof(path));
	setenv("TRIBUTARY_CONFIG", path, 1);
	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), -1);
	snprintf(want, sizeof(want), "%s:1", path);
	ck_assert_msg(strstr(err, want) != NULL, "no %s in: %s", want, err);
	config_free(&c);

	snprintf(path, sizeof(path), "%s/absent.conf", tu_base);
	setenv("TRIBUTARY_CONFIG", path, 1);
	ck_assert_int_eq(load(&c, err, sizeof(err), NULL), -1);
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	config_free(&c);
}
END_TEST

START_TEST(test_help_lists_everything)
{
	char *argv[] = { "--port=70000", "--help", NULL };
	char err[512], env[128], flag[128], *text = NULL;
	size_t len = 0, i;
	struct config c;
	FILE *out;

	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	/* --help wins even over a bad value given with it. */
	ck_assert_int_eq(config_load(&c, 2, argv, out, err, sizeof(err)), 1);
	fclose(out);
	for (i = 0; i < NOPTIONS; i++) {
		snprintf(flag, sizeof(flag), "--%s ", options[i]);
		env_name(options[i], env, sizeof(env));
		ck_assert_msg(
		    strstr(text, flag) != NULL, "no %s in:\n%s", flag, text);
		ck_assert_msg(
		    strstr(text, env) != NULL, "no %s in:\n%s", env, text);
	}
	ck_assert_ptr_nonnull(strstr(text, "--config"));
	ck_assert_ptr_nonnull(strstr(text, "TRIBUTARY_CONFIG"));
	ck_assert_ptr_nonnull(strstr(text, "default 8080"));
	free(text);
	config_free(&c);
}
END_TEST

/* Every option --help lists is named in the ops guide (ops/README.md). */
START_TEST(test_ops_guide_names_everything)
{
	char *argv[] = { "--help", NULL };
	char err[512], flag[128], *text = NULL, *guide, *p, *q;
	size_t len = 0, n;
	struct config c;
	FILE *out;

	ck_assert_ptr_nonnull(out = open_memstream(&text, &len));
	ck_assert_int_eq(config_load(&c, 1, argv, out, err, sizeof(err)), 1);
	fclose(out);
	guide = tu_slurp(tu_src_path("ops/README.md"), &n);
	for (p = text; (p = strstr(p, "\n  --")) != NULL; p = q) {
		p += 3;
		q = p + strcspn(p, " \n");
		snprintf(flag, sizeof(flag), "%.*s", (int)(q - p), p);
		if (strcmp(flag, "--config") == 0)
			continue;
		ck_assert_msg(strstr(guide, flag) != NULL,
		    "%s is not in ops/README.md", flag);
	}
	free(guide);
	free(text);
	config_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, tu_base_setup, tu_base_teardown);
	tcase_add_checked_fixture(tc, clean_env, NULL);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_file_env_flag_precedence);
	tcase_add_test(tc, test_bools);
	tcase_add_test(tc, test_port_out_of_range);
	tcase_add_test(tc, test_unknown_flag);
	tcase_add_test(tc, test_config_flag_needs_value);
	tcase_add_test(tc, test_file_errors_name_line);
	tcase_add_test(tc, test_help_lists_everything);
	tcase_add_test(tc, test_ops_guide_names_everything);
	suite_add_tcase(s, tc);
	return (tu_suite_run(s));
}
