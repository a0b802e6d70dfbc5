/*
** `tributary init` and `tributary serve`: the interface that makes and runs
** a node. Domain work happens in node.c and the modules it opens; this file
** only parses arguments, prints and waits for signals.
*/
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "blob.h"
#include "campaign.h"
#include "cli.h"
#include "config.h"
#include "consent.h"
#include "consent_tr.h"
#include "erase.h"
#include "fedtimer.h"
#include "release_build.h"
#include "redact.h"
#include "crypto.h"
#include "http.h"
#include "hubrepo.h"
#include "log.h"
#include "node.h"

#define DEMO_DIR "var/demo"

int
cmd_init(int argc, char **argv)
{
	char code[NODE_CODE_LEN + 1];
	const char *dir = NULL;
	struct err e = { 0 };
	int i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--data=", 7) == 0)
			dir = argv[i] + 7;
		else if (strcmp(argv[i], "--help") == 0) {
			printf(
			    "usage: tributary init --data DIR\n\n"
			    "Creates a node in DIR: node.db, blobs/, keys/ "
			    "(Ed25519 "
			    "signing key, pseudonym secret).\nPrints the first "
			    "admin's one-time login code.\n");
			return (0);
		} else {
			fprintf(stderr,
			    "tributary init: unexpected argument "
			    "\"%s\"\n",
			    argv[i]);
			return (2);
		}
	}
	if (dir == NULL)
		dir = getenv("TRIBUTARY_DATA");
	if (dir == NULL) {
		fprintf(stderr, "tributary init: --data DIR is required\n");
		return (2);
	}
	if (node_init(dir, code, &e) == -1) {
		fprintf(stderr, "tributary init: %s\n", e.msg);
		return (1);
	}
	printf("created node in %s\n", dir);
	printf("admin login code (one use, 7 days): %s\n", code);
	return (0);
}

/* How often the blob sweep runs, and how often the consent documents are
** tried again while a full disk kept them from being stored. */
#define SWEEP_EVERY      600
#define DOCS_RETRY_EVERY 5

/* The writer's periodic work (sweep_tick). */
struct sweep_ctx {
	struct blobstore *bs;
	long grace;
	struct blobstore *hub; /* DATA/hub-objects */
	long hub_grace;        /* --hub-object-grace */
	long withdrawal_grace; /* --withdrawal-grace */
	time_t swept;          /* when the sweep last ran; 0 never */
	/* The consent documents, while a full disk keeps them out of the
	** database (held from the shelf); NULL once stored. */
	const struct consent_set *docs;
	struct consent_shelf *shelf;
};

/*
** Stores the consent documents ${docs} in a transaction of its own, on the
** writer's connection ${db} between batches. 0, or -1 with ${e} set.
*/
static int
docs_store(struct db *db, const struct consent_set *docs, struct err *e)
{
	if (db_exec(db, "BEGIN IMMEDIATE", e) == -1)
		return (-1);
	if (consent_store_job(db, (void *)(uintptr_t)docs, e) == -1 ||
	    db_exec(db, "COMMIT", e) == -1) {
		sqlite3_exec(db_handle(db), "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	return (0);
}

/*
** Erases what was withdrawn more than ${grace} seconds before ${now}, a
** thousand at a time, each thousand in a transaction of its own on the
** writer's connection ${db} between batches, before the blob sweep
** removes the recordings it leaves unreferenced. 0, or -1 with ${e} set.
*/
static int
erase_due(struct db *db, time_t now, long grace, struct err *e)
{
	struct erase_withdrawn ew = { 0 };

	ew.now = (int64_t)now;
	ew.grace = grace;
	ew.limit = 1000;
	do {
		if (db_exec(db, "BEGIN IMMEDIATE", e) == -1)
			return (-1);
		if (erase_withdrawn_job(db, &ew, e) == -1 ||
		    db_exec(db, "COMMIT", e) == -1) {
			sqlite3_exec(
			    db_handle(db), "ROLLBACK", NULL, NULL, NULL);
			return (-1);
		}
		if (ew.count > 0)
			log_info("erased %d contributions withdrawn more than "
				 "%ld s ago",
			    ew.count, grace);
	} while (ew.count == ew.limit);
	return (0);
}

/*
** Runs on the writer thread every DOCS_RETRY_EVERY or SWEEP_EVERY seconds:
** stores the consent documents a full disk kept out at start, once there
** is room, and every SWEEP_EVERY seconds removes unreferenced blobs past
** the grace (which frees space, and writes nothing).
*/
static void
sweep_tick(struct db *db, void *arg)
{
	struct sweep_ctx *sc = arg;
	struct blob_sweep_stats st;
	struct err e = { 0 };
	time_t now = time(NULL);

	if (sc->docs != NULL) {
		if (docs_store(db, sc->docs, &e) == 0) {
			log_info("the consent documents are stored now: "
				 "consents can be given again");
			consent_shelf_drop(sc->shelf, sc->docs);
			sc->docs = NULL;
		} else if (!db_full_seen(db))
			log_warn("consent documents: %s", e.msg);
	}
	if (sc->swept != 0 && now - sc->swept < SWEEP_EVERY)
		return;
	sc->swept = now;
	if (erase_due(db, now, sc->withdrawal_grace, &e) == -1 &&
	    !db_full_seen(db))
		log_warn("erasing withdrawn contributions: %s", e.msg);
	if (blob_sweep(sc->bs, db, now, sc->grace, &st, &e) == -1)
		log_warn("blob sweep: %s", e.msg);
	else if (st.removed > 0)
		log_info(
		    "blob sweep: removed %zu unreferenced files", st.removed);
	if (sc->hub == NULL)
		return;
	if (blob_sweep(sc->hub, db, now, sc->hub_grace, &st, &e) == -1)
		log_warn("hub object sweep: %s", e.msg);
	else if (st.removed > 0)
		log_info("hub object sweep: removed %zu objects no commit "
			 "names",
		    st.removed);
}

/* The demo node's sample campaigns: text, and recordings, both paying. */
static const char DEMO_CAMPAIGN[] =
    "{\"slug\":\"demo-text\",\"title\":\"Community text drive (demo)\","
    "\"language\":\"en\",\"kind\":\"text\",\"consent\":\"general\","
    "\"required_scopes\":[\"publish_text\"],\"minimum_age\":16,"
    "\"max_chars\":2000,\"pay\":{\"currency\":\"GHS\",\"per_item\":50}}";
static const char DEMO_AUDIO_CAMPAIGN[] =
    "{\"slug\":\"demo-voice\",\"title\":\"Community voice drive "
    "(demo)\",\"language\":\"en\",\"kind\":\"audio\",\"consent\":"
    "\"general\",\"required_scopes\":[\"publish_voice\"],"
    "\"minimum_age\":16,\"min_seconds\":1,\"max_seconds\":15,"
    "\"sample_rate\":16000,\"pay\":{\"currency\":\"GHS\",\"per_item\":"
    "20,\"per_audio_second\":5}}";

/*
** Fills a fresh demo node: the sample campaigns and five drive-card codes,
** printed so a newcomer can join as a contributor. Returns 0 or -1.
*/
static int
demo_fill(struct node *n, struct err *e)
{
	char codes[5][CARD_CODE_LEN + 1];
	struct campaign_import ci = { 0 };
	struct card_batch cb = { 0 };
	int i, rc;

	ci.def = json_loads(DEMO_AUDIO_CAMPAIGN, 0, NULL);
	rc = writer_run(n->writer, campaign_import_job, &ci, e);
	json_decref(ci.def);
	if (rc == -1)
		return (-1);
	ci.def = json_loads(DEMO_CAMPAIGN, 0, NULL);
	rc = writer_run(n->writer, campaign_import_job, &ci, e);
	json_decref(ci.def);
	if (rc == -1)
		return (-1);
	cb.campaign_id = ci.id;
	cb.count = 5;
	cb.codes = codes;
	if (writer_run(n->writer, card_create_job, &cb, e) == -1)
		return (-1);
	printf("demo drive-card codes (join with one and a PIN you choose):\n");
	for (i = 0; i < 5; i++)
		printf("  %s\n", codes[i]);
	return (0);
}

/* What `tributary serve` holds while it runs. */
struct serve {
	struct config c;
	struct node *n;
	struct consent_shelf *docs;
	struct sweep_ctx sc;
	char code[NODE_CODE_LEN + 1]; /* a new demo node's admin login code */
	int created;                  /* the demo node was made just now */
};

/*
** Signals are taken synchronously (sigwait, in cmd_serve). Blocks SIGINT
** and SIGTERM, gathered in ${set}, before any thread starts: threads
** inherit the mask, and a SIGTERM handed to a thread that does not block
** it (the writer, started by node_open) would kill the process instead of
** stopping it cleanly. One arriving during start-up waits and stops the
** node once it is up.
*/
static void
signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
** Reads the settings of ${sv} from ${argv}; for --demo, makes the demo
** node if it is not there yet (its admin code in sv->code). Returns -1 to
** go on, or the exit status to end with (0 after --help, 2 for bad
** settings, 1 if the demo node cannot be made), having said why.
*/
static int
serve_settings(struct serve *sv, int argc, char **argv)
{
	char errbuf[512];
	struct err e = { 0 };
	int rc;

	rc = config_load(&sv->c, argc, argv, stdout, errbuf, sizeof(errbuf));
	if (rc == 1)
		return (0);
	if (rc == -1) {
		fprintf(stderr, "tributary serve: %s\n", errbuf);
		return (2);
	}
	if (sv->c.demo) {
		if (sv->c.data == NULL)
			sv->c.data = strdup(DEMO_DIR);
		if (!node_exists(sv->c.data)) {
			mkdir("var", 0700);
			if (node_init(sv->c.data, sv->code, &e) == -1) {
				fprintf(stderr, "tributary serve: %s\n", e.msg);
				return (1);
			}
			sv->created = 1;
		}
	}
	if (sv->c.data == NULL) {
		fprintf(stderr,
		    "tributary serve: --data DIR is required (or "
		    "--demo); see --help\n");
		return (2);
	}
	return (-1);
}

/*
** Loads the consent documents of ${sv}'s settings, and those made on the
** node (DATA/consent, consent_tr.h; those of a review a crash lost set
** aside first, ctr_reconcile()) over them, onto the shelf sv->docs
** and stores any new ones. A malformed document stops the node (file and
** line). On a full disk the node starts all the same: the writer's tick
** stores them once there is room, and a consent to one of them is refused
** until then. Returns 0, or -1 with ${e} set.
*/
static int
serve_consents(struct serve *sv, struct err *e)
{
	struct consent_set set;
	const struct consent_set *held;
	char own[PATH_MAX];
	struct db *db;
	int rc;

	snprintf(own, sizeof(own), "%s/%s", sv->c.data, CONSENT_TR_DIR);
	/* first, what a review lost in a crash wrote: set aside */
	if ((db = db_open(sv->n->dbpath, 0, e)) == NULL)
		return (-1);
	rc = ctr_reconcile(db, sv->c.data, e);
	db_close(db);
	if (rc == -1)
		return (-1);
	if (consent_load_dirs(sv->c.consent_dir, own, &set, e) == -1)
		return (-1);
	if ((sv->docs = consent_shelf_new(&set, e)) == NULL) {
		consent_set_free(&set);
		return (-1);
	}
	held = consent_shelf_hold(sv->docs);
	rc = writer_run(
	    sv->n->writer, consent_store_job, (void *)(uintptr_t)held, e);
	if (rc == -1) {
		if (!writer_disk_full(sv->n->writer)) {
			consent_shelf_drop(sv->docs, held);
			return (-1);
		}
		log_err("the disk is full: the consent documents in %s "
			"cannot be stored; consents to new ones are refused "
			"until there is room (tried again every %d s)",
		    sv->c.consent_dir, DOCS_RETRY_EVERY);
		sv->sc.docs = held;
		sv->sc.shelf = sv->docs;
	} else
		consent_shelf_drop(sv->docs, held);
	sv->n->consents = sv->docs;
	return (0);
}

/*
** Opens ${sv}'s node with what it serves: the consent documents and the
** redaction rule packs (a malformed pack stops the node too). Returns 0,
** or -1 with ${e} set.
*/
static int
serve_open(struct serve *sv, struct err *e)
{
	char why[256];

	log_set_requests((int)sv->c.log_requests);
	if ((sv->n = node_open(sv->c.data, e)) == NULL)
		return (-1);
	/* A full disk does not stop the node: it serves what it has and
	** refuses writes. Said first, so the lines that follow make
	** sense. */
	if (node_disk_full(sv->n, why, sizeof(why)))
		log_err("%s", why);
	if (serve_consents(sv, e) == -1)
		return (-1);
	if ((sv->n->redact = redact_load(sv->c.redact_dir, NULL, 0, e)) == NULL)
		return (-1);
	writer_set_naive(sv->n->writer, (int)sv->c.naive_commit);
	return (0);
}

/* Says where ${s} listens and, for a demo node, how to log in. */
static void
serve_announce(const struct serve *sv, struct server *s)
{
	const struct config *c = &sv->c;

	printf("listening on %s://%s:%u\n",
	    c->tls_cert[0] != '\0' ? "https" : "http",
	    strchr(c->bind, ':')                  ? "[::1]"
		: strcmp(c->bind, "0.0.0.0") == 0 ? "127.0.0.1"
						  : c->bind,
	    server_port(s));
	if (c->demo) {
		printf("demo node in %s\n", c->data);
		if (sv->created)
			printf("admin login code (one use, 7 days): %s\n",
			    sv->code);
		else
			printf("admin login code: printed when %s was created; "
			       "delete the folder to start over\n",
			    c->data);
	}
	fflush(stdout);
}

/* node.release_verify: release_verify() as the HTTP layer sees it. */
static int
verify_release(const char *dir, const uint8_t *pk, int *valid, char *why,
    size_t whylen, struct err *e)
{
	struct release_check ck;

	if (release_verify(dir, pk, &ck, e) == -1)
		return (-1);
	*valid = ck.signature_ok && ck.bad == 0 && ck.extra == 0;
	snprintf(why, whylen, "%s",
	    !ck.signature_ok && ck.first_bad[0] == '\0' ? "manifest.sig"
							: ck.first_bad);
	return (0);
}

/*
** Starts the pull of the peers every --federate-every seconds, with the
** limits of ${sv}'s settings, into *${ft}. 0, or -1 with ${e} set.
*/
static int
serve_federate(struct serve *sv, struct fedtimer **ft, struct err *e)
{
	struct federate_opts o = { 0 };

	o.max_file = (uint64_t)sv->c.federate_max_file;
	o.max_files = (size_t)sv->c.federate_max_files;
	o.peer_time = sv->c.federate_peer_time;
	o.max_rate = sv->c.federate_max_rate;
	if ((*ft = fedtimer_start(sv->n, sv->c.federate_every, &o, e)) == NULL)
		return (-1);
	log_info("pulling every peer every %ld s (--federate-every), the "
		 "first time in %ld s",
	    sv->c.federate_every, sv->c.federate_every);
	return (0);
}

int
cmd_serve(int argc, char **argv)
{
	struct serve sv = { 0 };
	struct fedtimer *ft = NULL;
	struct server *s;
	struct err e = { 0 };
	sigset_t set;
	int rc, sig;

	signals_block(&set);
	if ((rc = serve_settings(&sv, argc, argv)) != -1)
		goto out;
	rc = 1;
	if (serve_open(&sv, &e) == -1)
		goto fail;
	if (sv.created && demo_fill(sv.n, &e) == -1) {
		fprintf(stderr, "tributary serve: demo: %s\n", e.msg);
		goto out;
	}
	sv.n->release_build = release_build;
	sv.n->release_verify = verify_release;
	sv.sc.bs = sv.n->blobs;
	sv.sc.grace = sv.c.blob_grace;
	sv.sc.withdrawal_grace = sv.c.withdrawal_grace;
	if ((sv.sc.hub = hubcache_open_objects(sv.c.data, &e)) == NULL)
		goto fail;
	sv.sc.hub_grace = sv.c.hub_object_grace;
	writer_set_tick(sv.n->writer, sweep_tick, &sv.sc,
	    sv.sc.docs != NULL ? DOCS_RETRY_EVERY : SWEEP_EVERY);
	if ((s = server_start(sv.n, &sv.c, &e)) == NULL)
		goto fail;
	if (sv.c.federate_every > 0 && serve_federate(&sv, &ft, &e) == -1) {
		server_stop(s);
		goto fail;
	}
	serve_announce(&sv, s);
	sigwait(&set, &sig);
	log_info("signal %d: finishing queued writes, then stopping", sig);
	/* A pull under way is cut first: it records through the writer,
	** which node_close() stops. */
	fedtimer_stop(ft);
	server_stop(s);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "tributary serve: %s\n", e.msg);
out:
	/* The writer's tick uses sv.docs until node_close() stops it. */
	if (sv.n != NULL)
		redact_free(sv.n->redact);
	node_close(sv.n);
	blob_close(sv.sc.hub);
	if (sv.sc.docs != NULL)
		consent_shelf_drop(sv.docs, sv.sc.docs);
	consent_shelf_free(sv.docs);
	config_free(&sv.c);
	return (rc);
}
