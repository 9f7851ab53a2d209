/* The polling half of the city link (issue 15): when the link has a poll interval, a tick GETs
 * the city's feed, url/feed?after=CURSOR (signed like the feedback: X-Upstream-Timestamp and
 * X-Upstream-Signature over "after=CURSOR"), checks the city's signature on the answer
 * {"messages": [...], "cursor": "..."} and applies each message as the webhook does
 * (upstream_apply: once per message id). The cursor and the time of the last poll are kept in
 * the settings (UPSTREAM_CURSOR); the cursor moves past what was applied or refused, not past a
 * message the store failed on. */
#ifndef JIESU_UPSTREAM_POLL_H
#define JIESU_UPSTREAM_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "util/err.h"

struct upstream_poll_stats {
    bool polled;             /* the feed was read in this pass */
    int fetched;             /* messages in the answer */
    int applied, duplicates; /* new ones applied; ones applied before */
    int refused;             /* refused by the lifecycle or malformed (logged, skipped) */
    char last_error[256];    /* the last refusal or the reason the poll failed */
};

/* One poll at now through en (its store and policy), if the link polls and poll_seconds have
 * passed since the last one. st may be NULL. Returns 0 (refused messages and an unreachable
 * city are counted in st, not errors), or a negative code with e filled when the store fails. */
int upstream_poll(struct engine *en, int64_t now, struct upstream_poll_stats *st,
                  struct js_error *e);

#endif
