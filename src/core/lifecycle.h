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
     * of get_order. A caller that decides an intake before its transaction may hand out id 0
     * and a placeholder number, and put the real ones in the order and its events itself. */
    int (*create_order)(void *ctx, struct order **out);
    /* Knowledge base (issue 11): whether the version id may be cited by a direct answer now
     * (published and in force), 0 or a refusal with e filled naming field kb_entry. The engine
     * counts the citation when the action commits. NULL: citations are refused. */
    int (*kb_cite)(void *ctx, int64_t id, int64_t now, struct js_error *e);
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

/* What a citizen may do on their own order through the self-service page (the actions are done
 * by the system in their name): add to it while it is handled (supplement), and rate it once it
 * is answered and before it closes, once (callback). The same status sets the actions check. */
bool lifecycle_citizen_may_supplement(const struct order *o);
bool lifecycle_citizen_may_rate(const struct order *o);

/* ---- the shape of each action's input, declared once ----------------------------------------
 * One table per action says which fields it takes, of which type, within which limits, and
 * which are always required. It drives the validation of the input (lifecycle_check_shape, run by
 * lifecycle_decide before any semantic check), the command line's --FIELD options and --help,
 * /api/v1/meta and the OpenAPI document. Requirements that depend on other fields or on the
 * policy (duplicate_of when the reason is duplicate, a review's reason when it fails) stay in
 * the lifecycle's code: the table marks such fields optional. */

#define LC_TYPE_LIST(X)                                                                            \
    X(STRING, "string")                                                                            \
    X(INTEGER, "integer")                                                                          \
    X(ID, "id")                                                                                    \
    X(BOOLEAN, "boolean")                                                                          \
    X(NUMBER, "number")                                                                            \
    X(DATETIME, "datetime")                                                                        \
    X(ARRAY, "array")                                                                              \
    X(OBJECT, "object")

enum lc_type {
#define LC_X_TYPE(N, n) LCT_##N,
    LC_TYPE_LIST(LC_X_TYPE)
#undef LC_X_TYPE
        LCT__COUNT
};

/* "string", "id", ... by enum lc_type. */
extern const char *const lc_type_names[];

struct lc_field {
    const char *name;
    enum lc_type type;
    bool required;             /* always required (see above for conditional requirements) */
    const char *label;         /* Chinese, for --help, the web UI and the API document */
    const char *const *values; /* strings: the allowed values (NULL-terminated); NULL: any */
    int64_t max;               /* strings: characters; arrays: items; 0: no bound */
    bool ranged;               /* integers and numbers: lo <= value <= hi */
    bool lo_open;              /* numbers: lo < value */
    double lo, hi;
    enum lc_type items;  /* arrays: the type of the items (ID or OBJECT) */
    const char *example; /* a valid value as typed on the command line */
};

/* The fields of action (a list ended by a NULL name; an empty list for unknown actions). */
const struct lc_field *lifecycle_fields(int action);
/* One field of an action, NULL if the action has no such field. */
const struct lc_field *lifecycle_field(int action, const char *name);
/* The names of the fields of action, NULL-terminated (derived from lifecycle_fields). */
const char *const *lifecycle_action_fields(int action);
/* Checks args (an object) against the action's table: unknown field, wrong type, too long, out
 * of range or not one of the values, a required field missing (null and "" count as missing).
 * Returns 0 or the error code with e filled (a Chinese message naming the field and its label). */
int lifecycle_check_shape(int action, const json_t *args, struct js_error *e);
/* The JSON value of a field given as text (a command-line word, or the table's example): ids
 * and integers as integers, true/false (yes/no), numbers, arrays and objects as JSON, the rest
 * as strings. *out is a new reference. */
int lifecycle_field_value(const struct lc_field *f, const char *text, json_t **out,
                          struct js_error *e);

#endif
