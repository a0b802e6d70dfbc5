/*
** Settings for `tributary serve`: every option has a flag (--name), an
** environment variable (TRIBUTARY_NAME) and a key in an optional config file
** (name = value). Flags win over the environment, which wins over the file.
*/
#ifndef TRIBUTARY_CONFIG_H
#define TRIBUTARY_CONFIG_H

#include <stddef.h>
#include <stdio.h>

struct config {
	char *data;        /* node directory */
	char *bind;        /* address to listen on */
	long port;         /* 0 = any free port */
	long threads;      /* HTTP pool threads */
	long epoll;        /* 1 = epoll, 0 = poll (the default) */
	long conn_timeout; /* seconds of idleness before a connection closes */
	long per_ip_limit; /* open connections per client address */
	long conn_memory;  /* bytes of memory per connection */
	long max_conns;    /* open connections in all */
	char *webroot;     /* static files */
	long compress_cache;    /* bytes of compressed copies of them */
	long compress_max_file; /* larger files go out uncompressed */
	long log_requests;      /* 1 = a JSON line per request on stderr */
	long blob_grace;        /* seconds an unreferenced blob is kept */
	long withdrawal_grace;  /* seconds a withdrawn item is kept */
	long demo; /* serve ./var/demo on 8080, creating it if absent */
	char *trusted_proxy; /* addresses whose X-Forwarded-For we believe */
	long rate_address;   /* requests/s per client address (burst 4x) */
	long rate_account;   /* requests/s per account (burst 4x) */
	long upload_budget;  /* bytes of bodies held, whole node */
	long uploads_per_account; /* concurrent large uploads per account */
	long header_timeout;      /* seconds to send a request's headers */
	long header_timeout_busy; /* the same while nearly full */
	long body_min_rate;       /* bytes/s a body must average (0 = off) */
	long body_rate_window;    /* seconds that average is taken over */
	long body_grace;          /* seconds before the minimum applies */
	long login_backoff_after; /* failed logins before waits begin */
	long login_backoff_max;   /* longest wait between tries, seconds */
	long hashes_per_address;  /* hash jobs one address may have queued */
	long release_approvals;   /* distinct approvers a release needs */
	char *consent_dir;        /* consent/<slug>/<version>/<lang>.md */
	char *redact_dir;         /* redaction rule packs */
	long naive_commit;        /* 1 = one commit per request (benchmarks) */
	char *tls_cert;           /* PEM certificate chain: serve HTTPS */
	char *tls_key;            /* its PEM private key */
	char *hub_namespace;      /* repo ids are NAMESPACE/DATASET */
	long hub_max_object;      /* bytes of one pushed LFS object */
	long hub_max_commit;      /* bytes of one NDJSON commit body */
	long hub_max_files;    /* files one commit may change / a repo hold */
	long hub_upload_ttl;   /* seconds an LFS upload URL stays valid */
	long hub_disk_reserve; /* bytes an upload must leave free */
	long hub_multipart_chunk; /* bytes of an LFS part; 0: no multipart */
	long hub_object_grace;    /* seconds an uncommitted object is kept */
	long reading_max;         /* bytes of an uploaded consent reading */
	long federate_every;     /* seconds between pulls of the peers; 0 off */
	long federate_max_file;  /* bytes of one pulled file */
	long federate_max_files; /* files of one pulled release */
	long federate_peer_time; /* seconds one peer may take in all */
	long federate_max_rate;  /* bytes/s a pull receives; 0: no limit */
	long consent_part_max;   /* bytes of a translated consent part */
};

/*
** Fills ${c} from defaults, then the config file (--config or
** TRIBUTARY_CONFIG), then TRIBUTARY_* variables, then the flags in
** argv[0..argc). Returns 0; 1 if --help was given (help printed to ${out});
** or -1 with a message in ${err} (errlen bytes) naming the bad option.
*/
int config_load(struct config *c, int argc, char **argv, FILE *out, char *err,
    size_t errlen);
/* Prints every option with its variable and default to ${out}. Can't
** fail (a write error on ${out} is not reported). */
void config_usage(FILE *out);
/* Frees the strings in ${c}. Can't fail. */
void config_free(struct config *c);

#endif
