/* A small organisation in a real store for engine-level tests: regions, categories, units of
 * every kind and a user for every role. */
#ifndef JIESU_FIXTURE_H
#define JIESU_FIXTURE_H

#include "core/engine.h"
#include "core/order.h"
#include "store/store.h"

struct fixture {
    struct store *store;
    char db[1024]; /* the store's location (file path, or PostgreSQL URL), kept after close */
    struct engine en;
    int64_t now; /* the engine's clock reads this */
    struct jclock clock;
    int64_t district, street[2], community;
    int64_t cat_root, cat_leaf;
    int64_t unit_street[2], unit_dept[3], unit_ent;
    struct actor as[ROLE__COUNT];          /* one actor per platform role */
    struct actor unit_op[6], unit_lead[6]; /* by index: street0, street1, dept0..2, ent */
};

/* Opens a fresh database `name` (a file in the test directory, or a PostgreSQL schema when
 * JIESU_PG_URL is set: tu_db_fresh) with policy preset `preset` and creates the organisation. The
 * clock starts at `start` (ISO text). */
void fixture_open(struct fixture *f, const char *name, const char *preset, const char *start);
/* Closes everything. */
void fixture_close(struct fixture *f);
/* Runs an action that must succeed; returns the resulting order id. */
int64_t fx_ok(struct fixture *f, const struct actor *who, int action, int64_t order_id,
              const char *args_json);
/* Runs an action that must fail with `code` (a negative JS_E*). */
void fx_refused(struct fixture *f, const struct actor *who, int action, int64_t order_id,
                const char *args_json, int code);
/* Loads an order (order_release it). */
void fx_get(struct fixture *f, int64_t id, struct order *o);
/* Advances the clock by seconds. */
void fx_advance(struct fixture *f, int64_t seconds);
/* The actor of unit index i (0..5) for operator (leader = false) or leader. */
const struct actor *fx_unit_actor(struct fixture *f, int i, bool leader);
/* Intake + file of a plain complaint; returns its id. */
int64_t fx_new_filed(struct fixture *f);

#endif
