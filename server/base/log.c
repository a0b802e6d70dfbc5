/*
** Logging to stderr (see log.h).
*/
#include "log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int log_reqs = 1;

static void log_v(const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
log_v(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	int n, m;

	n = snprintf(line, sizeof(line), "tributary: %s", level);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	log_line(line, (size_t)n);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("warning: ", fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("error: ", fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v("", fmt, ap);
	va_end(ap);
}

void
log_line(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(STDERR_FILENO, p, n)) <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/*
** Request lines are buffered per thread: one write(2) per request costs a
** quarter of a small request's time. Each buffer has its own mutex, taken
** by its thread and, briefly, by the flusher.
*/
struct logbuf {
	pthread_mutex_t mu;
	size_t n;
	struct logbuf *next;
	char p[16384];
};

static pthread_mutex_t logbufs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct logbuf *logbufs;
static pthread_key_t logbuf_key;
static pthread_once_t logbuf_once = PTHREAD_ONCE_INIT;

static void
logbuf_write(struct logbuf *b)
{
	log_line(b->p, b->n);
	b->n = 0;
}

void
log_flush(void)
{
	struct logbuf *b;

	pthread_mutex_lock(&logbufs_mu);
	for (b = logbufs; b != NULL; b = b->next) {
		pthread_mutex_lock(&b->mu);
		logbuf_write(b);
		pthread_mutex_unlock(&b->mu);
	}
	pthread_mutex_unlock(&logbufs_mu);
}

static void *
flusher_main(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 * 1000 };

	(void)arg;
	for (;;) {
		nanosleep(&ts, NULL);
		log_flush();
	}
	return (NULL);
}

static void
logbuf_init(void)
{
	pthread_t t;

	pthread_key_create(&logbuf_key, NULL);
	if (pthread_create(&t, NULL, flusher_main, NULL) == 0)
		pthread_detach(t);
}

void
log_request_line(const char *p, size_t n)
{
	struct logbuf *b;

	pthread_once(&logbuf_once, logbuf_init);
	if ((b = pthread_getspecific(logbuf_key)) == NULL) {
		/* Kept for the life of the process, reachable from logbufs. */
		if ((b = calloc(1, sizeof(*b))) == NULL) {
			log_line(p, n);
			return;
		}
		pthread_mutex_init(&b->mu, NULL);
		pthread_mutex_lock(&logbufs_mu);
		b->next = logbufs;
		logbufs = b;
		pthread_mutex_unlock(&logbufs_mu);
		pthread_setspecific(logbuf_key, b);
	}
	pthread_mutex_lock(&b->mu);
	if (b->n + n > sizeof(b->p))
		logbuf_write(b);
	if (n > sizeof(b->p))
		log_line(p, n);
	else {
		memcpy(b->p + b->n, p, n);
		b->n += n;
	}
	pthread_mutex_unlock(&b->mu);
}

void
log_set_requests(int on)
{
	log_reqs = on;
}

int
log_requests(void)
{
	return (log_reqs);
}

const char *
log_addr_truncated(const struct sockaddr *sa, char *out, size_t n)
{
	char tmp[INET6_ADDRSTRLEN];

	if (sa != NULL && sa->sa_family == AF_INET) {
		struct in_addr a = ((const struct sockaddr_in *)sa)->sin_addr;
		a.s_addr &= htonl(0xffffff00u);
		inet_ntop(AF_INET, &a, tmp, sizeof(tmp));
		snprintf(out, n, "%s/24", tmp);
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		struct in6_addr a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			struct in_addr v4;
			memcpy(&v4, &a.s6_addr[12], 4);
			v4.s_addr &= htonl(0xffffff00u);
			inet_ntop(AF_INET, &v4, tmp, sizeof(tmp));
			snprintf(out, n, "%s/24", tmp);
			return (out);
		}
		memset(&a.s6_addr[6], 0, 10);
		inet_ntop(AF_INET6, &a, tmp, sizeof(tmp));
		snprintf(out, n, "%s/48", tmp);
	} else
		snprintf(out, n, "unknown");
	return (out);
}
