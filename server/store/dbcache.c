/*
** Remembered database answers, per thread, with a change counter shared by
** the node's processes (dbcache.h).
*/
#include "dbcache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

struct slot {
	void *val; /* NULL: empty */
	void (*val_free)(void *);
	uint64_t epoch;
	time_t at;
	size_t n;
	unsigned char key[DBCACHE_KEY_MAX];
};

/* One thread's entries, direct-mapped by a hash of the key. */
struct table {
	struct slot slot[DBCACHE_SLOTS];
};

struct dbcache {
	_Atomic uint64_t *counter; /* in the mapped file; NULL: off */
	pthread_key_t key;
};

static void
slot_clear(struct slot *s)
{
	if (s->val != NULL)
		(s->val_free ? s->val_free : free)(s->val);
	/* Keys may be session tokens. */
	explicit_bzero(s->key, s->n);
	s->val = NULL;
	s->n = 0;
}

static void
table_free(void *p)
{
	struct table *t = p;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < DBCACHE_SLOTS; i++)
		slot_clear(&t->slot[i]);
	free(t);
}

/* FNV-1a: keys are short, and a collision only costs a read. */
static size_t
slot_of(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return ((size_t)(h ^ (h >> 32)) & (DBCACHE_SLOTS - 1));
}

struct dbcache *
dbcache_open(const char *path, struct err *e)
{
	struct dbcache *c;
	void *m;
	int fd;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return (NULL);
	}
	if (pthread_key_create(&c->key, table_free) != 0) {
		free(c);
		err_set(e, ERR_INTERNAL, "out of thread keys");
		return (NULL);
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s: %s; answers are read from the database "
			 "every time",
		    path, strerror(errno));
		return (c);
	}
	/* Its blocks are allocated, not merely its size set: a write through
	** the mapping to a hole the disk has no room for is a SIGBUS. Two
	** processes may both find it new: allocating what is there already
	** is harmless, and a counter already bumped is never shrunk. */
	if ((errno = posix_fallocate(fd, 0, sizeof(uint64_t))) != 0) {
		log_warn("%s: %s; answers are read from the database "
			 "every time",
		    path, strerror(errno));
		close(fd);
		return (c);
	}
	m = mmap(
	    NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		log_warn("%s: mmap: %s; answers are read from the database "
			 "every time",
		    path, strerror(errno));
		return (c);
	}
	c->counter = m;
	return (c);
}

void
dbcache_close(struct dbcache *c)
{
	if (c == NULL)
		return;
	table_free(pthread_getspecific(c->key));
	pthread_setspecific(c->key, NULL);
	pthread_key_delete(c->key);
	if (c->counter != NULL)
		munmap((void *)c->counter, sizeof(uint64_t));
	free(c);
}

void
dbcache_bump(struct dbcache *c)
{
	if (c != NULL && c->counter != NULL)
		atomic_fetch_add(c->counter, 1);
}

uint64_t
dbcache_epoch(struct dbcache *c)
{
	return (c != NULL && c->counter != NULL ? atomic_load(c->counter) : 0);
}

const void *
dbcache_get(struct dbcache *c, const void *key, size_t n, time_t now)
{
	struct table *t;
	struct slot *s;

	if (c == NULL || c->counter == NULL || n > DBCACHE_KEY_MAX ||
	    (t = pthread_getspecific(c->key)) == NULL)
		return (NULL);
	s = &t->slot[slot_of(key, n)];
	if (s->val == NULL || s->n != n || memcmp(s->key, key, n) != 0)
		return (NULL);
	if (s->epoch != atomic_load(c->counter) || now < s->at ||
	    now - s->at >= DBCACHE_TTL) {
		slot_clear(s);
		return (NULL);
	}
	return (s->val);
}

void
dbcache_put(struct dbcache *c, const void *key, size_t n, uint64_t epoch,
    time_t now, void *val, void (*val_free)(void *))
{
	struct table *t;
	struct slot *s;

	if (c == NULL || c->counter == NULL || n > DBCACHE_KEY_MAX)
		goto drop;
	if ((t = pthread_getspecific(c->key)) == NULL) {
		if ((t = calloc(1, sizeof(*t))) == NULL)
			goto drop;
		if (pthread_setspecific(c->key, t) != 0) {
			free(t);
			goto drop;
		}
	}
	s = &t->slot[slot_of(key, n)];
	slot_clear(s);
	memcpy(s->key, key, n);
	s->n = n;
	s->epoch = epoch;
	s->at = now;
	s->val = val;
	s->val_free = val_free;
	return;
drop:
	if (val != NULL)
		(val_free ? val_free : free)(val);
}
