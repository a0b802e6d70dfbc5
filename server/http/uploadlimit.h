/*
** What strangers can make the node hold in memory for request bodies
** (interface layer). A body is held whole until its request is handled,
** so the node keeps a budget of bytes for all bodies at once, taken before
** a body is read (from its declared length) and given back when the
** request ends; and it counts each account's large uploads in flight, so
** one account cannot take the whole budget.
*/
#ifndef TRIBUTARY_UPLOADLIMIT_H
#define TRIBUTARY_UPLOADLIMIT_H

#include <stddef.h>
#include <stdint.h>

struct uploadlimit;

/* ${budget} bytes in all, ${per_account} large uploads per account. NULL
** if out of memory. */
struct uploadlimit *uploadlimit_new(size_t budget, long per_account);
/* Frees ${ul}; NULL does nothing. Can't fail. */
void uploadlimit_free(struct uploadlimit *ul);

/* Takes ${n} bytes of the budget: 1, or 0 if that would go over it
** (nothing taken). */
int uploadlimit_take(struct uploadlimit *ul, size_t n);
/* Gives back ${n} bytes taken before. Can't fail. */
void uploadlimit_give(struct uploadlimit *ul, size_t n);
/* Bytes taken now (for /metrics and tests). Can't fail. */
size_t uploadlimit_used(struct uploadlimit *ul);

/* Counts a large upload by ${account}: 1, or 0 if it already has its
** limit in flight (nothing counted). Out of memory refuses. */
int uploadlimit_account_take(struct uploadlimit *ul, int64_t account);
/* Ends one counted by uploadlimit_account_take(). Can't fail. */
void uploadlimit_account_give(struct uploadlimit *ul, int64_t account);

#endif
