/*
** Deadlines libmicrohttpd does not keep (interface layer). MHD closes a
** connection only after --connection-timeout seconds without a byte, and
** each byte restarts that clock, so a client that trickles its headers a
** byte every few seconds, or its body a few bytes a second, holds a
** connection forever; enough of them fill the node. This module records
** every connection (MHD's notify-connection callback), is told by the
** request handler when headers have arrived and how much body came, and
** runs a sweeper thread that shuts down, safely, the connections that are
** overdue:
**  - headers not complete ${header_timeout} seconds after the connection
**    became ready for a request (accepted, or its previous answer sent);
**  - while the node holds more than 15/16 of its connection limit, the
**    ones that have waited longest for their headers (at least
**    ${busy_timeout} seconds), until it holds 7/8: a full node makes room
**    for newcomers
**    at once, and a few at a time, so those closed do not all dial again
**    at once and overflow the listen queue;
**  - a body averaging under ${min_rate} bytes/s over a ${window}-second
**    window, once ${grace} seconds of it have passed.
** A connection whose request is being handled, waits for the writer or a
** hash, or is sending its answer is never touched.
**
** Shutting a socket from another thread races with MHD closing it: the
** fd could be closed and its number reused by a new connection. MHD calls
** the CLOSED notification before it closes the fd, and both the
** notification and the sweeper hold this module's lock, so a record the
** sweeper sees is a connection whose fd is still its own.
*/
#ifndef TRIBUTARY_CONNTRACK_H
#define TRIBUTARY_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

struct conntrack;
struct conn_rec;

struct conntrack_limits {
	long header_timeout; /* seconds */
	long busy_timeout;   /* seconds, while nearly full */
	long max_conns;      /* the node's connection limit */
	long min_rate;       /* bytes/s; 0 = no minimum */
	long window;         /* seconds */
	long grace;          /* seconds */
};

/* Starts the sweeper. NULL if out of memory or no thread. */
struct conntrack *conntrack_start(const struct conntrack_limits *lim);
/* Stops the sweeper and frees what is left. NULL does nothing. Can't
** fail. */
void conntrack_stop(struct conntrack *ct);

/* A connection opened with socket ${fd}: its record (NULL if out of
** memory: that connection is then simply not watched). */
struct conn_rec *conntrack_open(struct conntrack *ct, int fd);
/* The connection of ${rec} is closing (MHD's CLOSED notification, before
** it closes the fd). Frees ${rec}; NULL does nothing. Can't fail. */
void conntrack_close(struct conntrack *ct, struct conn_rec *rec);

/* What the connection of ${rec} is doing, for the sweeper's deadlines.
** None can fail; a NULL ${rec} (not watched) does nothing. */

/* The request's headers are complete; a body of ${has_body} follows. */
void conn_rec_headers(struct conn_rec *rec, int has_body);
/* ${n} more bytes of body arrived. */
void conn_rec_body(struct conn_rec *rec, size_t n);
/* The body is complete: the request is being handled. */
void conn_rec_handling(struct conn_rec *rec);
/* The answer was sent: the connection waits for its next request. */
void conn_rec_ready(struct conn_rec *rec);

/* Connections closed so far for slow headers and for a slow body (0 and
** 0 for a NULL ${ct}). Can't fail. */
void conntrack_counts(
    struct conntrack *ct, uint64_t *slow_headers, uint64_t *slow_bodies);

#endif
