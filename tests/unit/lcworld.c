/* An in-memory world implementing the lifecycle's environment callbacks for the unit tests:
 * orders live in heap cells that never move, and every decided event is kept for replay. */
#include "compat.h"
#include "lcworld.h"
#include "util/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int w_get_order(void *ctx, int64_t id, struct order **out)
{
    struct order *o = lcw_order(ctx, id);
    if (!o)
        return -JS_ENOTFOUND;
    *out = o;
    return 0;
}

/* Ids of the orders whose field (master_id or parent_id) is id. */
static int w_related(struct lcworld *w, int64_t id, bool by_master, int64_t *ids, int max, int *n)
{
    *n = 0;
    for (int i = 0; i < w->n_orders; i++) {
        const struct order *o = w->orders[i];
        if ((by_master ? o->master_id : o->parent_id) == id && *n < max)
            ids[(*n)++] = o->id;
    }
    return 0;
}

static int w_merged_of(void *ctx, int64_t master_id, int64_t *ids, int max, int *n)
{
    return w_related(ctx, master_id, true, ids, max, n);
}

static int w_children_of(void *ctx, int64_t parent_id, int64_t *ids, int max, int *n)
{
    return w_related(ctx, parent_id, false, ids, max, n);
}

static int w_get_unit(void *ctx, int64_t id, struct unit *out)
{
    struct lcworld *w = ctx;
    for (int i = 0; i < w->n_units; i++)
        if (w->units[i].id == id) {
            *out = w->units[i];
            return 0;
        }
    return -JS_ENOTFOUND;
}

static int in_list(const int64_t *v, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (v[i] == id)
            return 0;
    return -JS_ENOTFOUND;
}

static int w_category_exists(void *ctx, int64_t id)
{
    struct lcworld *w = ctx;
    return in_list(w->categories, w->n_categories, id);
}

static int w_region_exists(void *ctx, int64_t id)
{
    struct lcworld *w = ctx;
    return in_list(w->regions, w->n_regions, id);
}

static int w_kb_cite(void *ctx, int64_t id, int64_t now, struct js_error *e)
{
    struct lcworld *w = ctx;
    (void)now;
    if (in_list(w->kb_citable, w->n_kb, id) == 0)
        return 0;
    return js_fail(e, JS_ENOTFOUND, "kb_entry", "知识库条目 kb_entry=%lld 不存在", (long long)id);
}

static int w_next_number(void *ctx, int64_t now, char *out)
{
    struct lcworld *w = ctx;
    int64_t day = jtime_local_day(now);
    int y, m, d;
    if (day != w->seq_day) {
        w->seq_day = day;
        w->seq = 0;
    }
    jtime_civil_from_days(day, &y, &m, &d);
    snprintf(out, 20, "%04d%02d%02d%05d", y % 10000, m % 100, d % 100, ++w->seq % 100000);
    return 0;
}

static int w_create_order(void *ctx, struct order **out)
{
    struct lcworld *w = ctx;
    struct order *o;
    if (w->n_orders >= LCW_MAX_ORDERS || !(o = malloc(sizeof *o)))
        return -JS_ENOMEM;
    order_init(o);
    o->id = w->n_orders + 1;
    w->orders[w->n_orders++] = o;
    *out = o;
    return 0;
}

void lcw_init(struct lcworld *w, const struct policy *p, int64_t now)
{
    memset(w, 0, sizeof *w);
    w->policy = *p;
    w->policy.doc = NULL;
    w->seq_day = -1;
    event_list_init(&w->log);
    w->env = (struct lc_env){
        .policy = &w->policy,
        .cal = NULL,
        .now = now,
        .ctx = w,
        .get_order = w_get_order,
        .merged_of = w_merged_of,
        .children_of = w_children_of,
        .get_unit = w_get_unit,
        .category_exists = w_category_exists,
        .region_exists = w_region_exists,
        .next_number = w_next_number,
        .create_order = w_create_order,
        .kb_cite = w_kb_cite,
    };
}

void lcw_release(struct lcworld *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->n_orders; i++) {
        order_release(w->orders[i]);
        free(w->orders[i]);
    }
    w->n_orders = 0;
    event_list_release(&w->log);
}

void lcw_set_now(struct lcworld *w, int64_t now)
{
    w->env.now = now;
}

void lcw_at(struct lcworld *w, const char *iso)
{
    int64_t t;
    if (jtime_parse(iso, &t)) {
        fprintf(stderr, "lcw_at: bad time %s\n", iso);
        abort();
    }
    w->env.now = t;
}

void lcw_add_unit(struct lcworld *w, int64_t id, const char *name, bool active)
{
    if (w->n_units >= LCW_MAX_UNITS)
        abort();
    struct unit *u = &w->units[w->n_units++];
    memset(u, 0, sizeof *u);
    u->id = id;
    snprintf(u->name, sizeof u->name, "%s", name);
    u->kind = UNIT_STREET;
    u->active = active;
}

void lcw_add_category(struct lcworld *w, int64_t id)
{
    if (w->n_categories >= LCW_MAX_IDS)
        abort();
    w->categories[w->n_categories++] = id;
}

void lcw_add_region(struct lcworld *w, int64_t id)
{
    if (w->n_regions >= LCW_MAX_IDS)
        abort();
    w->regions[w->n_regions++] = id;
}

struct order *lcw_order(struct lcworld *w, int64_t id)
{
    return id >= 1 && id <= w->n_orders ? w->orders[id - 1] : NULL;
}

int lcw_do(struct lcworld *w, const struct actor *who, int action, int64_t order_id,
           const json_t *args, struct event_list *out, struct js_error *e)
{
    int first = out->n;
    int rc = lifecycle_decide(&w->env, who, action, order_id, args, out, e);
    if (rc)
        return rc;
    for (int i = first; i < out->n; i++) {
        struct event ev = out->v[i];
        ev.payload = json_incref(ev.payload);
        if (event_list_push(&w->log, &ev)) {
            json_decref(ev.payload);
            return -JS_ENOMEM;
        }
    }
    return 0;
}

bool lcw_replays(struct lcworld *w, int64_t id)
{
    struct order *live = lcw_order(w, id), o;
    bool ok = live != NULL;
    order_init(&o);
    for (int i = 0; ok && i < w->log.n; i++)
        if (w->log.v[i].order_id == id && order_evolve(&o, &w->log.v[i]) != 0)
            ok = false;
    if (ok) {
        json_t *a = order_to_json(&o), *b = order_to_json(live);
        ok = a && b && json_equal(a, b);
        json_decref(a);
        json_decref(b);
    }
    order_release(&o);
    return ok;
}
