/*
** Helpers shared by the Check suites: temporary node directories, the real
** tributary binary started on a free port, and HTTP requests through
** libcurl. Nothing here is a mock: the server is the built binary
** ($TRIBUTARY_BIN) and the database a real file in a temp directory.
*/
#ifndef TRIBUTARY_TESTUTIL_H
#define TRIBUTARY_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "account.h"
#include "err.h"
#include "writer.h"

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *tu_tmpdir(void);
/* rm -rf ${dir}. */
void tu_rmrf(const char *dir);
/*
** The temporary folder of the running test or TCase, for a Check fixture:
** tcase_add_checked_fixture(tc, tu_base_setup, tu_base_teardown) gives
** each test a fresh one, tcase_add_unchecked_fixture one for the TCase.
** Setup fails the TCase if none can be made; teardown removes it.
*/
/* Runs every test of ${s} (CK_NORMAL output) and frees it: 0 if all
** passed, 1 if any failed (main()'s exit status). */
struct Suite;
int tu_suite_run(struct Suite *s);
extern char *tu_base;
void tu_base_setup(void);
void tu_base_teardown(void);
/*
** A migrated database ${tu_dbpath} in a fresh tu_base, open as ${tu_db},
** and a writer on it, ${tu_writer}, for suites that run domain jobs in
** their own process: tcase_add_checked_fixture(tc, tu_db_setup,
** tu_db_teardown). Setup fails the test if any of it cannot be made.
*/
extern char tu_dbpath[600];
extern struct db *tu_db;
extern struct writer *tu_writer;
void tu_db_setup(void);
void tu_db_teardown(void);
/* Runs ${fn} on ${tu_writer}; fails the test with the job's error. */
void tu_run_ok(writer_fn fn, void *arg);
/* Runs ${fn} on ${tu_writer}, expecting it to refuse with ${code}; fails
** the test if it does not. */
void tu_run_fails(writer_fn fn, void *arg, enum err_code code);
/* The first column of the first row ${sql} answers on ${tu_db}, ?1 bound
** to ${a} if the statement has it: as an integer (-1 if no row, -2 if
** NULL), or as text, malloc'd (NULL if no row or NULL). Fails the test if
** ${sql} does not prepare. */
long long tu_q_int(const char *sql, long long a);
char *tu_q_text(const char *sql, long long a);
/* tu_q_int() on node ${dir}'s database (DIR/node.db), through a
** connection of the test's own, opened and closed around it (a server
** may be running on it). */
long long tu_node_q_int(const char *dir, const char *sql, long long a);
/* A new account ${handle} with ${role} and a placeholder passphrase hash,
** created by account_create_job (actor 0); its id. */
int64_t tu_add_account(const char *handle, enum account_role role);
/* The campaign of definition ${def} (JSON text), imported by
** campaign_import_job (actor 0); its id. */
int64_t tu_add_campaign(const char *def);
/* A live consent of ${account} to ${campaign} for ${scopes} (a JSON array
** of scope ids), age confirmed, by checkbox, to the latest "general"
** document in English; the documents of consent/ are stored first, once
** per tu_db_setup(). Returns the consent's id. */
int64_t tu_give_consent(int64_t account, int64_t campaign, const char *scopes);
/* A new pending text contribution of ${text} by ${account} to
** ${campaign} under their live consent, made by contrib_create_job with a
** fresh key; its id. */
int64_t tu_add_text(int64_t account, int64_t campaign, const char *text);
/* Neither the database file ${dbpath} nor its WAL holds ${needle}, byte
** for byte; fails the test if either does or the file cannot be read. */
void tu_expect_not_on_disk(const char *dbpath, const char *needle);
/*
** A writer job that holds the writer until the gate opens, so that what
** is queued behind it runs as one batch. tu_gate_hold() closes the gate,
** zeroes the count of done jobs, submits ${job} (zeroed here) as the gate
** and returns once it runs; tu_gate_done is a done callback that counts
** a job as done (the gate's own included); tu_gate_release() opens the
** gate and returns once ${n} jobs are done. tu_gate_reset() closes the
** gate and zeroes the count, for a round without a gate.
*/
void tu_gate_reset(void);
void tu_gate_hold(struct writer_job *job);
void tu_gate_done(struct writer_job *job);
void tu_gate_release(int n);
/*
** The bytes of file ${path}, NUL-terminated, in a new buffer the caller
** frees, their count in ${n}: tu_read_file() returns NULL if the file
** cannot be opened, tu_slurp() fails the test. Both fail it if the file
** cannot be read whole.
*/
void *tu_read_file(const char *path, size_t *n);
void *tu_slurp(const char *path, size_t *n);
/* 1 if file ${path} holds the bytes of ${needle}, 0 if not, -1 if it
** cannot be opened. */
int tu_file_has(const char *path, const char *needle);
/* ${rel} in the source tree ($TRIBUTARY_SOURCE_DIR, else the build's), in
** a static buffer. */
const char *tu_src_path(const char *rel);
/* Runs a command (argv, NULL-ended) and returns its exit status; its
** stdout is appended to ${out} (may be NULL) up to ${outlen}-1 bytes. */
int tu_run(char *const argv[], char *out, size_t outlen);
/* Runs `$TRIBUTARY_BIN ${args...}` (NULL-ended, at most 12) under a 60 s
** timeout, its stderr folded into its stdout, which replaces ${out} (may
** be NULL). Returns the exit status. */
int tu_cli(char *out, size_t outlen, const char *const *args);

struct tu_server {
	pid_t pid;
	int port;
	char base[64];    /* "http://127.0.0.1:PORT" */
	char errlog[512]; /* path of the server's stderr */
};

/*
** Starts `$TRIBUTARY_BIN serve --data ${dir} --port 0 ${extra...}`
** (${extra} NULL-ended, may be NULL) and waits for its "listening on" line.
** The node must exist (tu_run init first). Returns 0 or -1.
*/
int
tu_server_start(struct tu_server *s, const char *dir, const char *const *extra);
/* SIGTERM, wait; returns the exit status (0 = clean shutdown). */
int tu_server_stop(struct tu_server *s);

struct tu_resp {
	long status;
	char *body;
	size_t n;
	char *headers; /* raw header block, lowercased names kept as sent */
	long connects; /* new connections this request opened (0 = reused) */
};

/* A PEM file of certificates tu_http() trusts for https:// (NULL: the
** system's). */
extern const char *tu_ca_file;
/*
** One request with libcurl: ${method} on ${url} (sent exactly as given, no
** path normalization), extra ${headers} ("Name: value", NULL-ended, may be
** NULL), optional ${body} of ${n} bytes. ${handle}: pass a void * that
** starts NULL to reuse one connection across calls (keep-alive), and free
** it with tu_http_close(); NULL for a fresh connection. Returns 0 or -1.
*/
int tu_http(void **handle, const char *method, const char *url,
    const char *const *headers, const void *body, size_t n,
    struct tu_resp *out);
void tu_http_close(void *handle);
/* The value of response header ${name} (case-insensitive), malloc'd, or
** NULL. */
char *tu_header(const struct tu_resp *r, const char *name);
/* Fails the test unless response header ${name} of ${r} is ${want}, or
** absent when ${want} is NULL. */
void
tu_expect_header(const struct tu_resp *r, const char *name, const char *want);
void tu_resp_free(struct tu_resp *r);

struct node;
struct licence_table;
/* Validates contribution ${id} as a maintainer's decision would. */
void tu_validate(int64_t id);
/* A validated one-second recording of a tone (16 kHz) by ${account} in
** ${campaign}, its FLAC stored in ${n}'s blobs. Its id. */
int64_t
tu_add_recording(struct node *n, int64_t account, int64_t campaign, int tone);
/* Records release ${version} of dataset "ewe" under cc-by-4.0 (80/10/10)
** on ${n}, builds its folder and, with ${approve}, approves it. */
struct blob_sweep_stats;
/* The sweep of node ${dir}'s hub object store as if at ${now}, with
** ${grace}, through a connection of the test's own; fails the test if it
** fails. */
void tu_hub_sweep(
    const char *dir, time_t now, long grace, struct blob_sweep_stats *st);
void tu_cut_release(struct node *n, const struct licence_table *lt,
    const char *version, int approve);

/*
** Opens the node in ${dir} for a suite's own jobs while the CLI or a
** server may run beside it: tu_db and tu_writer are its, tu_dbpath its
** file, until tu_node_close(). Fails the test if it cannot be opened.
*/
struct node *tu_node_open(const char *dir);
void tu_node_close(struct node *n);
/* The two campaigns the release tests cut from, in Ewe: "words" (text,
** publish_text) and "voices" (audio, publish_voice, 0.5 to 10 s at
** 16 kHz), imported into tu_db; their ids into ${text} and ${audio}. */
void tu_add_ewe_campaigns(int64_t *text, int64_t *audio);

/* Federation's nodes (check_federation, check_fedrelease): */
/* `init` of a node in ${dir} with the Ewe campaigns, the consent
** documents and one person, "ama", who consented to both. */
void tu_fed_node(const char *dir);
/* A new approved release ${version} of node ${dir}: ${texts} new validated
** texts and ${recs} recordings (tones from ${tone}). The id of its first
** text. */
int64_t
tu_fed_cut(const char *dir, const char *version, int texts, int recs, int tone);
/* `peer whoami` of ${dir}: its key (65 bytes) and fingerprint (20). */
void tu_fed_whoami(const char *dir, char *key, char *fpr);
/* Every file of node ${dir}'s release ${version} is in node ${holder}'s
** federation object store, byte for byte. */
void tu_fed_held_same(const char *holder, const char *dir, const char *version);

#endif
