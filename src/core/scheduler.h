/* The scheduler (SPEC §3.13): one pass at one instant finds the chasing work that is due on the
 * open orders (src/core/chase.h) and carries it out through the engine as the system, one
 * transaction per action, so that every urge, supervision, warning, overdue flag, special report
 * and forced closure is an event on the order's timeline with its notifications. A pass at an
 * instant that has already been handled changes nothing: the rules skip thresholds already
 * recorded on the timeline. `jiesu tick` runs one pass; `jiesu serve` runs one every minute. */
#ifndef JIESU_SCHEDULER_H
#define JIESU_SCHEDULER_H

#include "core/engine.h"
#include "core/model.h"
#include "util/err.h"

struct sched_stats {
    int64_t now;               /* the instant of the pass */
    int scanned;               /* open orders looked at */
    int acted;                 /* orders that got at least one action */
    int actions;               /* actions carried out */
    int by_action[ACT__COUNT]; /* of which, by action */
    int conflicts;             /* orders skipped because a user changed them meanwhile */
    int failures;              /* actions refused or failed; the pass goes on */
    char last_failure[256];    /* what the last failure was, for the log */
};

/* Runs one pass at the instant of en's clock: every event of the pass carries that instant (the
 * clock is held still during the pass and given back after). st may be NULL. Returns 0, or a
 * negative code with e filled when the store cannot be read (the pass stops there); refused
 * actions are counted in st and do not stop it. */
int scheduler_pass(struct engine *en, struct sched_stats *st, struct js_error *e);

#endif
