/*
** serve's federation timer: the pull `tributary federate pull` makes
** (outbound/federate.h), run by the node itself every --federate-every
** seconds on a thread of its own, its figures handed to /metrics
** (http/metrics.h). cli/ drives both, so neither needs to see the other.
*/
#ifndef TRIBUTARY_FEDTIMER_H
#define TRIBUTARY_FEDTIMER_H

#include "err.h"
#include "federate.h"
#include "node.h"

struct fedtimer;

/*
** Starts pulling every peer of node ${n} every ${every} seconds (> 0)
** with the limits of ${o} (copied; its peer and stop are ignored), the
** first pull ${every} seconds from now, each next one ${every} seconds
** after the last ended: never two at once. Each peer gets its line on
** stderr and its outcome on the peer list; the figures go to
** metrics_federation(). Returns the timer (stop it with fedtimer_stop),
** or NULL with ${e} set (ERR_INTERNAL: no thread).
*/
struct fedtimer *fedtimer_start(
    struct node *n, long every, const struct federate_opts *o, struct err *e);
/*
** Stops ${t}: a pull under way is cut within about a second (what it
** received resumes at the next pull), the thread joined, all freed; the
** writer must still run until this returns. fedtimer_stop(NULL) does
** nothing. Can't fail.
*/
void fedtimer_stop(struct fedtimer *t);

/*
** Takes node ${dir}'s pull lock (DIR/federation/pull.lock, flock), so
** that serve's timer and `federate pull` never pull at once. Returns its
** descriptor (give it back with fedtimer_unlock), or -1 with ${e} set:
** ERR_BUSY (another pull holds it), ERR_STORAGE.
*/
int fedtimer_lock(const char *dir, struct err *e);
/* Gives back lock ${fd} from fedtimer_lock(); -1 does nothing. */
void fedtimer_unlock(int fd);

#endif
