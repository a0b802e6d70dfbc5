/*
** Logging: one line per event on stderr. Request lines are JSON (one object
** per line) so operators can feed them to any log tool; other messages are
** "tributary: level: text".
*/
#ifndef TRIBUTARY_LOG_H
#define TRIBUTARY_LOG_H

#include <stddef.h>

/* Writes "tributary: warning: ..." to stderr. Never fails. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes "tributary: error: ..." to stderr. Never fails. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes "tributary: ..." to stderr. Never fails. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes ${n} bytes (a whole line, newline included) in one write(2).
** Never fails (a failed write is dropped). */
void log_line(const char *p, size_t n);
/*
** Queues one request line (${n} bytes, newline included) in this thread's
** buffer; a background thread writes the buffers out every 200 ms, and a
** full buffer is written at once. Lines are never split. Never fails.
*/
void log_request_line(const char *p, size_t n);
/* Writes out every queued request line now (at shutdown). Never fails. */
void log_flush(void);
/* Turns request lines off (${on} 0) or on. Can't fail. */
void log_set_requests(int on);
/* 1 if request lines are on, else 0. Can't fail. */
int log_requests(void);

/*
** Writes into ${out} (at least 64 bytes) the client address of ${sa}
** truncated to its /24 (IPv4) or /48 (IPv6) network, e.g. "192.0.2.0/24".
** Returns ${out}; "unknown" if the address family is not IP. Can't fail.
*/
struct sockaddr;
const char *log_addr_truncated(const struct sockaddr *sa, char *out, size_t n);

#endif
