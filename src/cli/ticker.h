/* The scheduler thread of `jiesu serve`: every interval it runs one scheduler pass and one
 * outbox delivery pass on its own store handle, with the policy and calendar read afresh from
 * the store each time (so that changes made through the API apply). It stops cleanly: the
 * pass under way finishes, then the thread exits. */
#ifndef JIESU_TICKER_H
#define JIESU_TICKER_H

#include <stdatomic.h>
#include <stdio.h>

#include "cli/notify.h"
#include "cli/upstream_poll.h"
#include "core/scheduler.h"
#include "store/hotspot_scan.h"
#include "store/store.h"
#include "util/err.h"
#include "util/jtime.h"

struct ticker_config {
    const char *db;             /* store location; copied */
    int interval_seconds;       /* time between passes; the first one comes after one interval */
    const char *gateway;        /* overrides the policy's notify_gateway_url when set; copied */
    FILE *log;                  /* one line per pass that did something, and errors; NULL: none */
    const struct jclock *clock; /* NULL: the system clock */
};

struct ticker;

/* Starts the thread. Block the process's stop signals before, so that the thread inherits the
 * mask. Returns 0 and *out, or a negative code with e filled. */
int ticker_start(const struct ticker_config *cfg, struct ticker **out, struct js_error *e);
/* Asks the thread to stop, waits for it and frees t. Accepts NULL. */
void ticker_stop(struct ticker *t);
/* What one tick did. */
struct tick_result {
    struct sched_stats sched;
    struct notify_stats notify;
    int kb_expired, kb_reminded;         /* knowledge-base versions expired, reminders queued */
    struct hotspot_scan_stats hotspot;   /* the hotspot scan at the same instant */
    struct upstream_poll_stats upstream; /* the city feed read at the same instant (issue 15) */
    char hotspot_error[320];             /* why the hotspot scan failed, "" if it did not */
    char stats_error[160]; /* why folding the dashboard's counts failed, "" if it did not */
};
/* One tick on an open, migrated store: loads the policy and the calendar (engine_init), runs one
 * scheduler pass, the knowledge base's expiry pass (kb_tick), one hotspot scan
 * (store/hotspot_scan.h) and a read of the city's feed when it is due (cli/upstream_poll.h) at the
 * clock's instant, folds the dashboard's appended counts (store_ops.stats_fold, PostgreSQL), and
 * then one delivery pass at the same instant.
 * gateway overrides the policy's notify_gateway_url when not NULL; cancel (may be NULL) cuts the
 * delivery pass short when set. r may be NULL. Returns 0, or a
 * negative code with e filled (the delivery pass is skipped when the scheduler pass failed). */
int tick_run(struct store *s, const struct jclock *clock, const char *gateway,
             const atomic_bool *cancel, struct tick_result *r, struct js_error *e);

#endif
