/* One scheduler pass: list the open orders, fold each one's timeline into chasing facts, ask
 * the rules what is due, and carry it out through the engine as the system actor. */
#include "compat.h"
#include "core/scheduler.h"
#include "core/chase.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE        500
#define MAX_REPEATS 1024 /* repeats counted per order */

/* Statuses in which an order can still be chased: a unit holds it or is about to. */
static const int open_statuses[] = {ST_DISPATCHED, ST_RETURNED, ST_COORDINATION,
                                    ST_HANDLING,   ST_REPLIED,  ST_CALLBACK};

struct ids {
    int64_t *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct order *o)
{
    struct ids *ids = ctx;
    if (ids->n == ids->cap) {
        size_t cap = ids->cap ? ids->cap * 2 : 1024;
        int64_t *v = realloc(ids->v, cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        ids->v = v;
        ids->cap = cap;
    }
    ids->v[ids->n++] = o->id;
    return 0;
}

/* Every open order's id, oldest first (read before acting, so that acting does not disturb the
 * paging). */
static int open_orders(struct store *s, struct ids *ids)
{
    char cursor[128] = "", next[128];
    struct order_query q = {
        .statuses = open_statuses,
        .n_statuses = (int)JS_ARRAY_LEN(open_statuses),
        .type = -1,
        .level = -1,
        .overdue = -1,
        .sort = SORT_CREATED_ASC,
        .limit = PAGE,
    };
    for (;;) {
        q.cursor = cursor[0] ? cursor : NULL;
        int rc = s->ops->order_query(s, &q, collect, ids, next, sizeof next);
        if (rc)
            return rc;
        if (!next[0])
            return 0;
        memcpy(cursor, next, sizeof cursor);
    }
}

struct fold {
    struct chase_facts *f;
    const struct order *o;
};

static int fold_one(void *ctx, const struct event *ev)
{
    struct fold *fd = ctx;
    chase_facts_add(fd->f, fd->o, ev);
    return 0;
}

/* Who raised an order: its phone digits, else its name, else nobody known (""). */
static void citizen_key(const struct order *o, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = o->citizen_phone; p && *p && k + 1 < n; p++)
        if (*p >= '0' && *p <= '9')
            out[k++] = *p;
    out[k] = '\0';
    if (!k && o->citizen_name && o->citizen_name[0])
        snprintf(out, n, "n:%s", o->citizen_name);
}

/* Other orders about the same problem (merged into o or not filed as its duplicates), and the
 * distinct citizens among o and them. */
static int count_repeats(struct store *s, const struct order *o, int *repeats, int *citizens)
{
    static const int links[] = {LINK_MASTER, LINK_DUPLICATE_OF};
    int64_t *ids = malloc(MAX_REPEATS * sizeof *ids);
    char(*keys)[72] = malloc((MAX_REPEATS + 1) * sizeof *keys);
    int rc = ids && keys ? 0 : -JS_ENOMEM;
    int n_keys = 0;
    *repeats = 0;
    *citizens = 0;
    if (!rc) {
        citizen_key(o, keys[0], sizeof keys[0]);
        n_keys = 1;
        *citizens = 1;
    }
    for (size_t i = 0; !rc && i < JS_ARRAY_LEN(links); i++) {
        int n = 0;
        rc = s->ops->order_ids_by(s, links[i], o->id, ids, MAX_REPEATS, &n);
        *repeats += n;
        for (int k = 0; k < n && !rc && n_keys <= MAX_REPEATS; k++) {
            struct order r;
            rc = s->ops->order_get(s, ids[k], &r);
            if (rc == -JS_ENOTFOUND) {
                rc = 0;
                continue;
            }
            if (!rc) {
                char key[72];
                citizen_key(&r, key, sizeof key);
                bool seen = false;
                for (int m = 0; m < n_keys && key[0] && !seen; m++)
                    seen = strcmp(keys[m], key) == 0;
                if (!seen) {
                    snprintf(keys[n_keys++], sizeof keys[0], "%s", key);
                    (*citizens)++;
                }
            }
            order_release(&r);
        }
    }
    free(ids);
    free(keys);
    return rc;
}

static void note_failure(struct sched_stats *st, int64_t id, int action, const struct js_error *e)
{
    st->failures++;
    snprintf(st->last_failure, sizeof st->last_failure, "order %lld: %s: %s %.160s", (long long)id,
             js_action_names[action], js_err_name(e->code), e->message);
}

/* Chases one order; a store failure is returned, refusals are counted. */
static int chase_one(struct engine *en, int64_t id, int64_t now, struct sched_stats *st,
                     struct js_error *e)
{
    struct store *s = en->store;
    struct order o;
    struct chase_facts f;
    struct chase_plan plan = {.n = 0};
    struct actor system = {.role = ROLE_SYSTEM};
    snprintf(system.name, sizeof system.name, "系统");
    order_init(&o);
    chase_facts_init(&f);
    int rc = s->ops->order_get(s, id, &o);
    if (rc == -JS_ENOTFOUND) {
        rc = 0;
        goto out;
    }
    if (rc) {
        js_fail(e, rc, "", "cannot read order %lld", (long long)id);
        goto out;
    }
    struct fold fd = {&f, &o};
    rc = s->ops->event_each(s, id, fold_one, &fd);
    if (!rc)
        rc = count_repeats(s, &o, &f.repeats, &f.citizens);
    if (rc) {
        js_fail(e, rc, "", "cannot read the timeline of order %lld", (long long)id);
        goto out;
    }
    chase_facts_end(&f, now);
    rc = chase_due(&o, &f, &en->policy, en->cal, now, &plan);
    if (rc) {
        js_fail(e, rc, "", "out of memory");
        goto out;
    }
    st->scanned++;
    int64_t version = o.version;
    int done = 0;
    for (int i = 0; i < plan.n; i++) {
        struct engine_result res;
        struct js_error ae;
        js_error_clear(&ae);
        int arc =
            engine_execute(en, &system, plan.v[i].action, id, version, plan.v[i].args, &res, &ae);
        if (arc == -JS_ECONFLICT) {
            st->conflicts++; /* someone acted meanwhile: the next pass looks again */
            break;
        }
        if (arc == -JS_EBUSY || arc == -JS_EDB || arc == -JS_EIO || arc == -JS_ENOMEM) {
            rc = js_fail(e, -arc, ae.field, "%s", ae.message);
            goto out;
        }
        if (arc) {
            note_failure(st, id, plan.v[i].action, &ae);
            continue;
        }
        version = res.version;
        done++;
        st->actions++;
        st->by_action[plan.v[i].action]++;
    }
    if (done)
        st->acted++;
out:
    chase_plan_release(&plan);
    order_release(&o);
    return rc;
}

static int64_t held_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

int scheduler_pass(struct engine *en, struct sched_stats *st, struct js_error *e)
{
    struct sched_stats local;
    struct ids ids = {NULL, 0, 0};
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    /* hold the clock still: every event of the pass happens at one instant */
    int64_t now = jclock_now(en->clock);
    const struct jclock *saved = en->clock;
    const struct jclock held = {held_now, &now};
    en->clock = &held;
    st->now = now;
    int rc = open_orders(en->store, &ids);
    if (rc)
        js_fail(e, rc, "", "cannot list the open orders");
    for (size_t i = 0; !rc && i < ids.n; i++)
        rc = chase_one(en, ids.v[i], now, st, e);
    en->clock = saved;
    free(ids.v);
    return rc;
}
