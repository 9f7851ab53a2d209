/* A small in-memory world of orders, units, categories and regions that implements the
 * callbacks of struct lc_env for tests of the lifecycle, and keeps every event decided so that
 * orders can be rebuilt from their timeline. */
#ifndef JIESU_TEST_LCWORLD_H
#define JIESU_TEST_LCWORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/lifecycle.h"

#define LCW_MAX_ORDERS 256
#define LCW_MAX_UNITS  32
#define LCW_MAX_IDS    32

struct lcworld {
    struct policy policy;                 /* a copy; doc is never set */
    struct lc_env env;                    /* env.ctx points back to the world */
    struct order *orders[LCW_MAX_ORDERS]; /* owned, ids 1..n_orders in creation order */
    int n_orders;
    struct unit units[LCW_MAX_UNITS];
    int n_units;
    int64_t categories[LCW_MAX_IDS], regions[LCW_MAX_IDS];
    int n_categories, n_regions;
    int64_t kb_citable[LCW_MAX_IDS]; /* knowledge-base versions a direct answer may cite */
    int n_kb;
    int64_t seq_day;       /* local day of the last number handed out */
    int seq;               /* the daily sequence */
    struct event_list log; /* every event of every successful decision, in order */
};

/* Prepares a world ruled by a copy of policy p, with the clock at now. */
void lcw_init(struct lcworld *w, const struct policy *p, int64_t now);
/* Frees the world's orders and log. Accepts NULL. */
void lcw_release(struct lcworld *w);
/* Sets the clock. */
void lcw_set_now(struct lcworld *w, int64_t now);
/* Sets the clock from an ISO-8601 time (aborts the test run on a malformed one). */
void lcw_at(struct lcworld *w, const char *iso);

/* Adds a unit (name copied), a category and a region. */
void lcw_add_unit(struct lcworld *w, int64_t id, const char *name, bool active);
void lcw_add_category(struct lcworld *w, int64_t id);
void lcw_add_region(struct lcworld *w, int64_t id);

/* The live order with id, or NULL; owned by the world. */
struct order *lcw_order(struct lcworld *w, int64_t id);

/* Runs lifecycle_decide in the world. The decided events are appended to out (initialised by
 * the caller, which releases it) and, on success, also kept in the world's log. Nothing is
 * rolled back on refusal, so tests see whatever the decision left behind. */
int lcw_do(struct lcworld *w, const struct actor *who, int action, int64_t order_id,
           const json_t *args, struct event_list *out, struct js_error *e);

/* Rebuilds order id from an order_init'ed order by folding order_evolve over its logged events
 * and tells whether the result equals the live order (json_equal of order_to_json). */
bool lcw_replays(struct lcworld *w, int64_t id);

#endif
