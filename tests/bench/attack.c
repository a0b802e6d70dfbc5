/*
** Load: the two attacks of a stranger with a laptop, at full size, against
** a running node, while a fresh client asks /healthz twice a second.
**
**   bench_attack slow PORT PID [conns [addresses [seconds]]]
**      conns (default 4300) connections from 127.0.0.2 onwards, spread
**      over ${addresses} (default 18) loopback addresses, each trickling a
**      request's headers a byte every 3 s; a connection the node closes is
**      opened again at once, as an attacker would.
**   bench_attack upload PORT PID COOKIE CSRF CONSENT [conns [seconds]]
**      one account's conns (default 60) uploads of a spoken statement,
**      each declaring 23,044,096 bytes (the route's limit) and sending
**      20 MB as fast as the node takes it, over and over.
**
** Prints the node's peak resident memory (VmHWM, and the highest VmRSS
** seen), how many connections the node held and closed, and the latency
** of /healthz from a fresh connection on an address the attack does not
** use (127.0.1.1): median, worst, and failures (no answer within 5 s, or
** not 200). Measures; asserts nothing.
*/
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEALTH_EVERY 0.5
#define HEALTH_LIMIT 5.0
#define MAX_SAMPLES  4096

struct conn {
	int fd;
	int connected;
	size_t sent;      /* bytes of the request sent */
	double next;      /* when to send the next byte (slow) */
	unsigned char ip; /* last octet of its source address */
};

static unsigned short port;
static int pid;
static double lat[MAX_SAMPLES];
static int nlat, health_fail;
static long rss_peak_kb;
static unsigned long opened, closed_by_node;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + ts.tv_nsec / 1e9);
}

/* The node's VmRSS or VmHWM in kB (${key} "VmRSS:"), or -1. */
static long
status_kb(const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return (v);
}

/* A non-blocking connection from 127.0.${a}.${b} to the node, or -1. */
static int
dial(int a, int b, int block)
{
	struct sockaddr_in src = { 0 }, dst = { 0 };
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr =
	    htonl(0x7f000000u | (unsigned)a << 8 | (unsigned)b);
	dst.sin_family = AF_INET;
	dst.sin_port = htons(port);
	dst.sin_addr.s_addr = htonl(0x7f000001u);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
		close(fd);
		return (-1);
	}
	if (!block)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) == -1 &&
	    errno != EINPROGRESS) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* One GET /healthz on a fresh connection from 127.0.1.1: seconds, or -1
** if no 200 came within HEALTH_LIMIT. */
static double
health(void)
{
	static const char req[] =
	    "GET /healthz HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n";
	char buf[4096];
	size_t got = 0;
	double t0 = now(), left;
	struct pollfd p;
	ssize_t n;
	int fd;

	if ((fd = dial(1, 1, 0)) == -1)
		return (-1);
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, (int)(HEALTH_LIMIT * 1000)) != 1 ||
	    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) !=
		(ssize_t)(sizeof(req) - 1)) {
		close(fd);
		return (-1);
	}
	for (;;) {
		left = HEALTH_LIMIT - (now() - t0);
		p.events = POLLIN;
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) != 1)
			break;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL &&
		    strstr(buf, "\"status\"") != NULL)
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
		return (-1);
	return (now() - t0);
}

static void
sample(double *next_health)
{
	long kb = status_kb("VmRSS:");
	double t;

	if (kb > rss_peak_kb)
		rss_peak_kb = kb;
	if (now() < *next_health)
		return;
	t = health();
	if (t < 0)
		health_fail++;
	else if (nlat < MAX_SAMPLES)
		lat[nlat++] = t;
	*next_health = now() + HEALTH_EVERY;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static void
report(const char *what)
{
	int i;

	printf("/healthz latencies in order, ms:");
	for (i = 0; i < nlat; i++)
		printf(" %.0f", lat[i] * 1e3);
	printf("\n");
	qsort(lat, (size_t)nlat, sizeof(lat[0]), cmpd);
	printf("%s: connections opened %lu, closed by the node %lu\n", what,
	    opened, closed_by_node);
	printf("node memory: peak VmRSS seen %.1f MB, VmHWM %.1f MB\n",
	    rss_peak_kb / 1024.0, status_kb("VmHWM:") / 1024.0);
	if (nlat > 0)
		printf("/healthz from a fresh address: %d answered, median "
		       "%.1f ms, worst %.1f ms; %d without a 200 within %.0f "
		       "s\n",
		    nlat, lat[nlat / 2] * 1e3, lat[nlat - 1] * 1e3, health_fail,
		    HEALTH_LIMIT);
	else
		printf("/healthz from a fresh address: none answered; %d "
		       "failed\n",
		    health_fail);
}

/* Has the node closed ${c}'s connection? Reads and drops what it sent. */
static int
gone(struct conn *c)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		return (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK));
	}
}

static void
redial(struct conn *c, int i, int addrs)
{
	if (c->fd != -1)
		close(c->fd);
	c->ip = (unsigned char)(2 + i % addrs);
	c->fd = dial(0, c->ip, 0);
	c->connected = 0;
	c->sent = 0;
	c->next = now();
	if (c->fd != -1)
		opened++;
}

static int
run_slow(int nconns, int addrs, double secs)
{
	static const char req[] =
	    "GET /healthz HTTP/1.1\r\nHost: node\r\n"
	    "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
	struct conn *c = calloc((size_t)nconns, sizeof(*c));
	struct pollfd *p = calloc((size_t)nconns, sizeof(*p));
	double end = now() + secs, next_health = now() + 2, t;
	int i;

	if (c == NULL || p == NULL)
		return (1);
	for (i = 0; i < nconns; i++) {
		c[i].fd = -1;
		redial(&c[i], i, addrs);
	}
	while ((t = now()) < end) {
		for (i = 0; i < nconns; i++) {
			p[i].fd = c[i].fd;
			p[i].events = c[i].connected ? POLLIN : POLLOUT;
			p[i].revents = 0;
		}
		poll(p, (nfds_t)nconns, 100);
		t = now();
		for (i = 0; i < nconns; i++) {
			if (c[i].fd == -1) {
				redial(&c[i], i, addrs);
				continue;
			}
			if (!c[i].connected && (p[i].revents & POLLOUT)) {
				c[i].connected = 1;
				c[i].next = t + (double)(i % 300) / 100.0;
			}
			if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    gone(&c[i])) {
				if (c[i].connected)
					closed_by_node++;
				redial(&c[i], i, addrs);
				continue;
			}
			if (c[i].connected && t >= c[i].next) {
				if (send(c[i].fd,
					req + c[i].sent % (sizeof(req) - 1), 1,
					MSG_NOSIGNAL) == 1)
					c[i].sent++;
				c[i].next = t + 3.0;
			}
		}
		sample(&next_health);
	}
	report("slow headers");
	for (i = 0; i < nconns; i++)
		if (c[i].fd != -1)
			close(c[i].fd);
	free(c);
	free(p);
	return (0);
}

static int
run_upload(const char *cookie, const char *csrf, const char *consent,
    int nconns, double secs)
{
	static char chunk[65536];
	char head[1024];
	struct conn *c = calloc((size_t)nconns, sizeof(*c));
	struct pollfd *p = calloc((size_t)nconns, sizeof(*p));
	double end = now() + secs, next_health = now() + 1;
	const size_t declared = 23044096, body = 20000000;
	unsigned long refused = 0;
	size_t hn;
	ssize_t n;
	int i;

	if (c == NULL || p == NULL)
		return (1);
	hn = (size_t)snprintf(head, sizeof(head),
	    "POST /api/v1/consents/%s/spoken HTTP/1.1\r\nHost: node\r\n"
	    "Cookie: tributary_session=%s\r\nX-CSRF-Token: %s\r\n"
	    "Content-Type: audio/wav\r\nContent-Length: %zu\r\n\r\n",
	    consent, cookie, csrf, declared);
	memset(chunk, 0x11, sizeof(chunk));
	for (i = 0; i < nconns; i++) {
		c[i].fd = -1;
		redial(&c[i], i, 1);
	}
	while (now() < end) {
		for (i = 0; i < nconns; i++) {
			p[i].fd = c[i].fd;
			p[i].events =
			    POLLIN | (c[i].sent < hn + body ? POLLOUT : 0);
			p[i].revents = 0;
		}
		poll(p, (nfds_t)nconns, 100);
		for (i = 0; i < nconns; i++) {
			if (c[i].fd == -1) {
				redial(&c[i], i, 1);
				continue;
			}
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (gone(&c[i])) {
					closed_by_node++;
					redial(&c[i], i, 1);
					continue;
				}
				refused++; /* an answer before the body */
			}
			if (!(p[i].revents & POLLOUT))
				continue;
			c[i].connected = 1;
			if (c[i].sent < hn)
				n = send(c[i].fd, head + c[i].sent,
				    hn - c[i].sent, MSG_NOSIGNAL);
			else {
				size_t left = hn + body - c[i].sent;
				n = send(c[i].fd, chunk,
				    left < sizeof(chunk) ? left : sizeof(chunk),
				    MSG_NOSIGNAL);
			}
			if (n > 0)
				c[i].sent += (size_t)n;
			else if (n == -1 && errno != EAGAIN) {
				closed_by_node++;
				redial(&c[i], i, 1);
			}
		}
		sample(&next_health);
	}
	report("large uploads");
	printf("answers read before a body was sent: %lu\n", refused);
	for (i = 0; i < nconns; i++)
		if (c[i].fd != -1)
			close(c[i].fd);
	free(c);
	free(p);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "slow") == 0) {
		port = (unsigned short)atoi(argv[2]);
		pid = atoi(argv[3]);
		return (run_slow(argc > 4 ? atoi(argv[4]) : 4300,
		    argc > 5 ? atoi(argv[5]) : 18,
		    argc > 6 ? atof(argv[6]) : 40));
	}
	if (argc >= 7 && strcmp(argv[1], "upload") == 0) {
		port = (unsigned short)atoi(argv[2]);
		pid = atoi(argv[3]);
		return (run_upload(argv[4], argv[5], argv[6],
		    argc > 7 ? atoi(argv[7]) : 60,
		    argc > 8 ? atof(argv[8]) : 20));
	}
	fprintf(stderr,
	    "usage: bench_attack slow PORT PID [conns [addresses [secs]]]\n"
	    "       bench_attack upload PORT PID COOKIE CSRF CONSENT [conns "
	    "[secs]]\n");
	return (2);
}
