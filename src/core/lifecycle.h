/* The "decide" half of the lifecycle: given the current orders, an actor and an action with its
 * arguments, either refuse with a named error or produce the events that carry the action out.
 * Pure domain code: everything it needs from outside comes through struct lc_env. */
#ifndef JIESU_LIFECYCLE_H
#define JIESU_LIFECYCLE_H

#include <jansson.h>

#include "core/order.h"
#include "core/org.h"
#include "core/policy.h"

struct calendar;

/* What deciding may ask of the world. Callbacks return 0, -JS_ENOTFOUND, or another error. */
struct lc_env {
    const struct policy *policy;
    const struct calendar *cal; /* NULL: weekdays */
    int64_t now;
    void *ctx;
    /* An order by id, owned by the caller, which applies the decided events to the same objects
     * in order. The pointer stays valid for the whole decision. */
    int (*get_order)(void *ctx, int64_t id, struct order **out);
    /* Ids of orders merged into master (at most max), and how many. */
    int (*merged_of)(void *ctx, int64_t master_id, int64_t *ids, int max, int *n);
    /* Ids of the children of a split parent. */
    int (*children_of)(void *ctx, int64_t parent_id, int64_t *ids, int max, int *n);
    int (*get_unit)(void *ctx, int64_t id, struct unit *out);
    int (*category_exists)(void *ctx, int64_t id);
    int (*region_exists)(void *ctx, int64_t id);
    /* Writes the next order number for the local day of `now` into out (20 bytes). */
    int (*next_number)(void *ctx, int64_t now, char *out);
    /* A new, empty order (order_init'ed) with its id assigned, owned by the caller like those
     * of get_order. */
    int (*create_order)(void *ctx, struct order **out);
};

/* Decides `action` by `who` on order `order_id` (0 for intake) with args (a JSON object,
 * borrowed). On success it applies each event with order_evolve to the orders env handed out,
 * appends the events to out in the order they were applied, and returns 0. On refusal it
 * returns a negative code with e filled; it may then have changed env's orders, which the
 * caller must discard (the engine rolls the transaction back). */
int lifecycle_decide(const struct lc_env *env, const struct actor *who, int action,
                     int64_t order_id, const json_t *args, struct event_list *out,
                     struct js_error *e);

/* True if role may perform action at all (the role matrix of SPEC §1). */
bool lifecycle_role_allows(int role, int action);

/* The fields each action accepts, NULL-terminated (for --help and the API document). */
const char *const *lifecycle_action_fields(int action);

#endif
