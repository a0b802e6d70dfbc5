/*
** What the threads that read the database remember of it from one read to
** the next, and when they must forget it.
**
** Reading SQLite on a busy node is dear: every commit of the writer
** empties the other connections' page caches, and each read transaction
** takes the WAL's locks. Most reads of a drive ask the same three
** questions again and again (whose session is this, what is this campaign,
** has this person consented to it), whose answers change rarely. Each
** thread keeps the answers it read, and uses one only while nothing that
** could change it has been committed since.
**
** "Since" is a change counter in DIR/node.db-changes, mapped into every
** tributary process of the node (the server and any CLI command run beside
** it). Every writer, in whichever process, bumps it after committing a
** batch that may change a cached answer, before anyone is told the batch
** is saved: a read that starts after the writer's word (a logout, a
** withdrawn consent, a CLI `user erase`) never sees an older remembered
** answer. New
** contributions change none of them and do not bump it. An entry is also
** dropped after DBCACHE_TTL seconds, for changes made outside tributary
** (the sqlite3 shell). If the file cannot be mapped, nothing is
** remembered and every read goes to the database, as it would anyway.
*/
#ifndef TRIBUTARY_DBCACHE_H
#define TRIBUTARY_DBCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

#define DBCACHE_TTL     5   /* seconds an answer is trusted at most */
#define DBCACHE_KEY_MAX 96  /* longest key, in bytes */
#define DBCACHE_SLOTS   512 /* entries per thread (a power of two) */

struct dbcache;

/*
** Maps the counter file ${path} (created 0600 if missing). Returns the
** cache, or NULL only when out of memory (${e} set). A file that cannot be
** opened or mapped leaves the cache off: dbcache_get() finds nothing,
** and the reason is logged once.
*/
struct dbcache *dbcache_open(const char *path, struct err *e);
/* Unmaps and frees; the calling thread's entries go too. NULL is fine.
** Other threads' entries are freed as those threads exit. Can't fail. */
void dbcache_close(struct dbcache *c);
/* Marks every remembered answer, in every process of the node, stale.
** Safe from any thread; does nothing when the cache is off. Can't fail. */
void dbcache_bump(struct dbcache *c);
/*
** The counter now (0 when the cache is off). Read it before reading what
** is to be remembered, and give it to dbcache_put(): a change committed in
** between makes the entry stale at once instead of hiding the change.
** Can't fail.
*/
uint64_t dbcache_epoch(struct dbcache *c);
/*
** This thread's value for ${key} (${n} bytes), or NULL if it has none that
** is still good at ${now}. The value stays the cache's: copy what you need
** before the next dbcache_put() on this thread. Can't fail.
*/
const void *
dbcache_get(struct dbcache *c, const void *key, size_t n, time_t now);
/*
** Remembers ${val} for ${key} on this thread, read under ${epoch} (from
** dbcache_epoch()) at ${now}. Takes ${val} either way: it is freed with
** ${val_free} (NULL: free()) when replaced, or at once if the cache is off
** or the key is over DBCACHE_KEY_MAX. Can't fail: what cannot be
** remembered is read again next time.
*/
void dbcache_put(struct dbcache *c, const void *key, size_t n, uint64_t epoch,
    time_t now, void *val, void (*val_free)(void *));

#endif
