/* The engine carries out one action as one transaction: it loads the orders involved, asks the
 * lifecycle to decide, writes every changed order, appends every event and queues the
 * notifications the events cause (store_ops.outbox_put), then commits. Nothing is half-applied:
 * a refusal or a failure rolls everything back. An intake, which reads no order, is decided
 * before its transaction; the transaction only gives it its id and number and writes it. */
#ifndef JIESU_ENGINE_H
#define JIESU_ENGINE_H

#include <jansson.h>

#include "core/calendar.h"
#include "core/order.h"
#include "core/policy.h"
#include "store/store.h"
#include "util/jtime.h"

struct engine_result;

struct engine {
    struct store *store;           /* borrowed */
    const struct shipped *shipped; /* borrowed: the shipped presets and calendars */
    struct policy policy;          /* owned */
    const struct calendar *cal;    /* NULL: weekdays; engine_init points it at own_cal */
    const struct jclock *clock;    /* NULL: system clock */
    struct calendar *own_cal;      /* owned: the shipped calendars plus the stored edits */
    /* Called for every acceptance notice to a citizen, inside the intake's transaction (NULL:
     * none; engine_init leaves it NULL): may store what it needs through s and write into
     * suffix (n bytes) a sentence the notice then carries (the citizen's query code, issue 15).
     * Returns 0 or a negative code, which fails the action. */
    int (*on_acceptance)(void *ctx, struct store *s, int64_t order_id, int64_t now, char *suffix,
                         size_t n);
    void *on_acceptance_ctx;
    /* Called once per engine_execute inside its transaction, after the orders, events and
     * notifications are written and before the commit, with the result so far (NULL: none;
     * engine_init leaves it NULL; a caller sets it around one call): keeps what must be stored
     * with the action (the city's message id, issue 15). Returns 0 or a negative code, which
     * rolls the action back. */
    int (*before_commit)(void *ctx, struct store *s, const struct engine_result *r);
    void *before_commit_ctx;
};

struct engine_result {
    int64_t order_id; /* the order acted on (for intake, the new one) */
    char number[20];
    int64_t version;
    int status;
    int n_events; /* events appended, over every order touched */
};

/* Prepares an engine over an open, migrated store, with the policy stored in its settings (or
 * the dongcheng-2016 preset if none is stored) and the working-day calendar: the shipped years
 * with the years edited by administrators (setting CALENDAR_SETTING) over them. sh (usually
 * shipped_default()) holds the shipped presets and calendars and must outlive the engine. */
int engine_init(struct engine *en, struct store *s, const struct shipped *sh,
                const struct jclock *clock, struct js_error *e);
/* Releases the policy and the calendar. Accepts NULL. */
void engine_release(struct engine *en);
/* Loads the calendar again (after an edit), as engine_init does; on failure the old one stays. */
int engine_reload_calendar(struct engine *en, struct js_error *e);
/* Replaces the policy with preset + overrides and stores the choice in the settings. */
int engine_set_policy(struct engine *en, const char *preset, const json_t *overrides,
                      struct js_error *e);

/* Carries out action by who on order_id (0 for intake). expected_version 0 skips the version
 * check; otherwise a different stored version fails with -JS_ECONFLICT. args is borrowed.
 * res may be NULL. */
int engine_execute(struct engine *en, const struct actor *who, int action, int64_t order_id,
                   int64_t expected_version, const json_t *args, struct engine_result *res,
                   struct js_error *e);

/* engine_execute, and when it succeeds and out is not NULL, out receives the order acted on as
 * it was written (what the store would now read back; order_release it). out must be
 * initialised; it is left initialised and empty (id 0) when the action named no order. Saves a
 * caller that answers with the order a read of it after the commit. */
int engine_execute_order(struct engine *en, const struct actor *who, int action, int64_t order_id,
                         int64_t expected_version, const json_t *args, struct engine_result *res,
                         struct order *out, struct js_error *e);

/* Rebuilds order id from its events alone into out (order_release it). */
int engine_replay(struct engine *en, int64_t order_id, struct order *out, struct js_error *e);

#endif
