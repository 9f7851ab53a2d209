/* Carries out actions: one transaction per action, orders loaded through the store, decided by
 * the lifecycle, written back with their events. */
#include "compat.h"
#include "core/engine.h"
#include "core/kb.h"
#include "core/lifecycle.h"
#include "core/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE_MAX_ORDERS 64 /* orders one action may touch: master + merged, split children */

struct cached {
    struct order o;
    int64_t loaded_version; /* version in the store when loaded; 0 for a created order */
    bool unwritten;         /* created with an id taken, not yet inserted */
    /* the order as loaded, which the update compares o with (store.h, order_update); only for
     * an order loaded from the store (has_stored) */
    struct order stored;
    bool has_stored;
};

#define EXEC_INLINE 2 /* most actions touch one or two orders: those slots need no malloc */

/* What one execution has loaded; the lifecycle's callbacks read and extend it. The first
 * EXEC_INLINE orders live in the execution itself (on the caller's stack): an order is larger
 * than glibc's small bins, and allocating one made malloc consolidate its fast bins, 6 % of a
 * lifecycle action's time under the writer (issue 13). */
struct exec {
    struct engine *en;
    struct cached *orders[ENGINE_MAX_ORDERS];
    int n;
    int64_t kb_cited; /* the knowledge-base version a direct answer cites, 0: none */
    struct cached inline_orders[EXEC_INLINE];
};

/* Frees the slot c of x (an inline slot is only released). */
static void exec_drop(struct exec *x, struct cached *c)
{
    bool inline_slot = false;
    for (int i = 0; i < EXEC_INLINE; i++)
        inline_slot |= c == &x->inline_orders[i];
    order_release(&c->o);
    order_release(&c->stored);
    if (!inline_slot)
        free(c);
}

static void exec_release(struct exec *x)
{
    for (int i = 0; i < x->n; i++)
        exec_drop(x, x->orders[i]);
    x->n = 0;
}

static struct cached *exec_add(struct exec *x)
{
    if (x->n == ENGINE_MAX_ORDERS)
        return NULL;
    struct cached *c = x->n < EXEC_INLINE ? &x->inline_orders[x->n] : malloc(sizeof *c);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    order_init(&c->o);
    order_init(&c->stored);
    x->orders[x->n++] = c;
    return c;
}

static int cb_get_order(void *ctx, int64_t id, struct order **out)
{
    struct exec *x = ctx;
    for (int i = 0; i < x->n; i++)
        if (x->orders[i]->o.id == id) {
            *out = &x->orders[i]->o;
            return 0;
        }
    struct cached *c = exec_add(x);
    if (!c)
        return -JS_ERULE;
    struct store *s = x->en->store;
    int rc = s->ops->order_get(s, id, &c->o);
    if (!rc)
        rc = order_copy(&c->stored, &c->o);
    if (rc) {
        /* drop the slot again */
        exec_drop(x, c);
        x->n--;
        return rc;
    }
    c->has_stored = true;
    c->loaded_version = c->o.version;
    *out = &c->o;
    return 0;
}

/* A new order without its id yet (0): written whole with the action's writes. An intake decided
 * before its transaction gets its id there (intake_in_txn); every other new order at once. */
static int cb_create_provisional(void *ctx, struct order **out)
{
    struct exec *x = ctx;
    struct cached *c = exec_add(x);
    if (!c)
        return -JS_ERULE;
    c->unwritten = true;
    *out = &c->o;
    return 0;
}

static int cb_create_order(void *ctx, struct order **out)
{
    struct exec *x = ctx;
    int rc = cb_create_provisional(ctx, out);
    return rc ? rc : x->en->store->ops->order_id_take(x->en->store, &(*out)->id);
}

static int cb_merged_of(void *ctx, int64_t id, int64_t *ids, int max, int *n)
{
    struct exec *x = ctx;
    return x->en->store->ops->order_ids_by(x->en->store, LINK_MASTER, id, ids, max, n);
}

static int cb_children_of(void *ctx, int64_t id, int64_t *ids, int max, int *n)
{
    struct exec *x = ctx;
    return x->en->store->ops->order_ids_by(x->en->store, LINK_PARENT, id, ids, max, n);
}

static int cb_get_unit(void *ctx, int64_t id, struct unit *out)
{
    struct exec *x = ctx;
    return x->en->store->ops->unit_get(x->en->store, id, out);
}

static int cb_category_exists(void *ctx, int64_t id)
{
    struct exec *x = ctx;
    struct category c;
    return x->en->store->ops->category_get(x->en->store, id, &c);
}

static int cb_region_exists(void *ctx, int64_t id)
{
    struct exec *x = ctx;
    struct region r;
    return x->en->store->ops->region_get(x->en->store, id, &r);
}

/* A citation of a knowledge-base version (issue 11): checked against the store, remembered so
 * that the use is counted in the action's transaction. */
static int cb_kb_cite(void *ctx, int64_t id, int64_t now, struct js_error *e)
{
    struct exec *x = ctx;
    struct store *s = x->en->store;
    struct kb_entry k;
    int rc = s->ops->kb_get(s, id, &k);
    if (rc == 0)
        rc = kb_cite_check(&k, id, now, e);
    else if (rc == -JS_ENOTFOUND)
        rc = kb_cite_check(NULL, id, now, e);
    else
        js_fail(e, rc, "kb_entry", "无法读取知识库条目");
    kb_entry_release(&k);
    if (!rc)
        x->kb_cited = id;
    return rc;
}

static int cb_next_number(void *ctx, int64_t now, char *out)
{
    struct exec *x = ctx;
    int y, m, d;
    jtime_civil_from_days(jtime_local_day(now), &y, &m, &d);
    char key[32];
    snprintf(key, sizeof key, "order:%04d%02d%02d", y, m, d);
    int64_t seq = 0;
    int rc = x->en->store->ops->seq_take(x->en->store, key, &seq);
    if (rc)
        return rc;
    /* five digits for a district's day; a city's surge day (3-5x its 66,000) goes on with six
     * and seven, so the number stays the date and the sequence */
    if (seq > 9999999)
        return -JS_ERULE;
    snprintf(out, 20, "%04u%02u%02u%05u", (unsigned)y % 10000u, (unsigned)m % 100u,
             (unsigned)d % 100u, (unsigned)seq);
    return 0;
}

/* An intake is decided before the write lock is taken (issue 13): it reads no order, so its
 * validation, the new order and its event need nothing the transaction holds. Its order is made
 * with id 0 (cb_create_provisional) and a placeholder number; inside the transaction the engine
 * takes the real ones and puts them in (intake_in_txn). */
#define PROVISIONAL_NUMBER "-" /* not empty, so that the event's diff names the number */

static int cb_number_provisional(void *ctx, int64_t now, char *out)
{
    (void)ctx;
    (void)now;
    snprintf(out, 20, "%s", PROVISIONAL_NUMBER);
    return 0;
}

/* The shipped calendars with the stored edits over them. */
static int load_calendar(struct store *s, const struct shipped *sh, struct calendar **out,
                         struct js_error *e)
{
    struct calendar *cal = NULL;
    char *stored = NULL;
    json_t *edits = NULL;
    int rc = calendar_new(&cal);
    if (rc) {
        js_fail(e, -rc, "calendar", "out of memory");
        goto out;
    }
    rc = calendar_load_shipped(cal, sh, e);
    if (rc)
        goto out;
    rc = s->ops->setting_get(s, CALENDAR_SETTING, &stored);
    if (rc == -JS_ENOTFOUND) {
        rc = 0;
        goto out;
    }
    if (rc) {
        js_fail(e, rc, "calendar", "cannot read the calendar setting");
        goto out;
    }
    edits = json_loads(stored, 0, NULL);
    rc = calendar_apply_edits(cal, edits, e);
out:
    free(stored);
    json_decref(edits);
    if (rc) {
        calendar_free(cal);
        cal = NULL;
    }
    *out = cal;
    return rc;
}

int engine_reload_calendar(struct engine *en, struct js_error *e)
{
    struct calendar *cal;
    int rc = load_calendar(en->store, en->shipped, &cal, e);
    if (rc)
        return rc;
    calendar_free(en->own_cal);
    en->own_cal = cal;
    en->cal = cal;
    return 0;
}

/* engine_init without the calendar. */
static int engine_init_policy(struct engine *en, struct store *s, const struct shipped *sh,
                              const struct jclock *clock, struct js_error *e)
{
    memset(en, 0, sizeof *en);
    en->store = s;
    en->shipped = sh;
    en->clock = clock;
    char *stored = NULL;
    json_t *doc = NULL;
    int rc = s->ops->setting_get(s, "policy", &stored);
    if (rc == -JS_ENOTFOUND) {
        rc = policy_load(&en->policy, sh, "dongcheng-2016", NULL, e);
        goto out;
    }
    if (rc) {
        js_fail(e, rc, "", "cannot read the policy setting");
        goto out;
    }
    json_error_t jerr;
    doc = json_loads(stored, 0, &jerr);
    const char *preset = json_string_value(json_object_get(doc, "preset"));
    if (!preset) {
        rc = js_fail(e, JS_EINVAL, "policy", "stored policy setting has no preset");
        goto out;
    }
    rc = policy_load(&en->policy, sh, preset, json_object_get(doc, "overrides"), e);
out:
    free(stored);
    json_decref(doc);
    return rc;
}

int engine_init(struct engine *en, struct store *s, const struct shipped *sh,
                const struct jclock *clock, struct js_error *e)
{
    int rc = engine_init_policy(en, s, sh, clock, e);
    if (rc)
        return rc;
    rc = engine_reload_calendar(en, e);
    if (rc) {
        policy_release(&en->policy);
        memset(&en->policy, 0, sizeof en->policy);
    }
    return rc;
}

void engine_release(struct engine *en)
{
    if (!en)
        return;
    policy_release(&en->policy);
    calendar_free(en->own_cal);
    en->own_cal = NULL;
    en->cal = NULL;
}

int engine_set_policy(struct engine *en, const char *preset, const json_t *overrides,
                      struct js_error *e)
{
    struct policy p;
    memset(&p, 0, sizeof p);
    int rc = policy_load(&p, en->shipped, preset, overrides, e);
    if (rc)
        return rc;
    json_t *doc = json_object();
    json_object_set_new(doc, "preset", json_string(preset));
    json_object_set_new(doc, "overrides", overrides ? json_deep_copy(overrides) : json_object());
    char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (!text) {
        policy_release(&p);
        return js_fail(e, JS_ENOMEM, "", NULL);
    }
    struct store *s = en->store;
    rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->setting_put(s, "policy", text);
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    free(text);
    if (rc) {
        policy_release(&p);
        return js_fail(e, rc, "", "cannot store the policy");
    }
    policy_release(&en->policy);
    en->policy = p;
    return 0;
}

/* Queues the notifications the events cause (SPEC §3.16) inside the open transaction, so that
 * they are kept exactly when the events are. */
static int queue_notifications(struct exec *x, const struct event_list *events, struct js_error *e)
{
    struct store *s = x->en->store;
    struct outbox_list msgs;
    int rc = 0;
    if (!s->ops->outbox_put)
        return 0;
    outbox_list_init(&msgs);
    for (int i = 0; i < events->n && !rc; i++) {
        const struct event *ev = &events->v[i];
        struct order *o = NULL;
        int64_t ids[ORDER_MAX_UNITS];
        struct unit units[ORDER_MAX_UNITS];
        int n = 0, nu = 0;
        rc = cb_get_order(x, ev->order_id, &o);
        if (rc)
            break;
        outbox_units_of(ev, o, ids, ORDER_MAX_UNITS, &n);
        for (int k = 0; k < n; k++) {
            int urc = s->ops->unit_get(s, ids[k], &units[nu]);
            if (urc == 0)
                nu++;
            else if (urc != -JS_ENOTFOUND) {
                rc = urc;
                break;
            }
        }
        if (!rc)
            rc = outbox_plan(ev, o, units, nu, &msgs);
    }
    for (int i = 0; i < msgs.n && !rc; i++) {
        struct outbox_msg *m = &msgs.v[i];
        char suffix[256] = "";
        if (x->en->on_acceptance && m->kind == OBK_ACCEPTANCE &&
            strcmp(m->to_role, "citizen") == 0 &&
            !(rc = x->en->on_acceptance(x->en->on_acceptance_ctx, s, m->order_id, m->created_at,
                                        suffix, sizeof suffix))) {
            size_t len = strlen(m->text);
            snprintf(m->text + len, sizeof m->text - len, "%s", suffix);
        }
        if (!rc)
            rc = s->ops->outbox_put(s, m);
    }
    outbox_list_release(&msgs);
    return rc ? js_fail(e, rc, "", "cannot queue the notifications") : 0;
}

/* What an execution did: fills res (may be NULL) with the order acted on (for intake the one
 * it created, the first event's order) and the events appended, and hands that order itself over
 * to out (may be NULL): its strings move, and the cached copy is left empty. */
static void fill_result(struct exec *x, struct order *target, const struct event_list *events,
                        struct engine_result *res, struct order *out)
{
    struct order *o = target;
    if (!o && events->n)
        cb_get_order(x, events->v[0].order_id, &o);
    if (res) {
        memset(res, 0, sizeof *res);
        if (o) {
            res->order_id = o->id;
            memcpy(res->number, o->number, sizeof res->number);
            res->version = o->version;
            res->status = o->status;
        }
        res->n_events = events->n;
    }
    if (out && o) {
        order_release(out);
        *out = *o;
        order_init(o);
    }
}

int engine_execute(struct engine *en, const struct actor *who, int action, int64_t order_id,
                   int64_t expected_version, const json_t *args, struct engine_result *res,
                   struct js_error *e)
{
    return engine_execute_order(en, who, action, order_id, expected_version, args, res, NULL, e);
}

/* An action's part inside its transaction (txn_run's fn): what engine_execute_order passes in,
 * and what the transaction leaves for the answer. */
struct exec_txn {
    struct exec *x;
    const struct actor *who;
    int action;
    int64_t order_id, expected_version;
    const json_t *args;
    int64_t now;
    struct event_list *events;
    struct js_error *e;
    struct order *target; /* the order acted on, in x's cache */
    bool ran, decided;    /* the body ran (when it failed, e says why); it ended well */
};

/* The lifecycle's view of the world for t: the orders of t's execution, read through the store
 * (inside the transaction, or before it for an intake decided early). */
static struct lc_env exec_env(struct exec_txn *t)
{
    return (struct lc_env){
        .policy = &t->x->en->policy,
        .cal = t->x->en->cal,
        .now = t->now,
        .ctx = t->x,
        .get_order = cb_get_order,
        .merged_of = cb_merged_of,
        .children_of = cb_children_of,
        .get_unit = cb_get_unit,
        .category_exists = cb_category_exists,
        .region_exists = cb_region_exists,
        .next_number = cb_next_number,
        .create_order = cb_create_order,
        .kb_cite = cb_kb_cite,
    };
}

/* Writes what the decided action changed: the new orders, the events, the changed orders, the
 * knowledge base's citation, the notifications, and before_commit's record. */
static int exec_write(struct store *s, struct exec_txn *t)
{
    struct exec *x = t->x;
    struct engine *en = x->en;
    struct js_error *e = t->e;
    struct event_list *events = t->events;
    int rc;
    /* the new orders first: their events refer to them */
    for (int i = 0; i < x->n; i++) {
        struct cached *c = x->orders[i];
        if (!c->unwritten)
            continue;
        rc = s->ops->order_insert(s, &c->o);
        if (rc)
            return js_fail(e, rc, rc == -JS_EEXISTS ? "number" : "", "cannot write order");
        c->unwritten = false;
        c->loaded_version = c->o.version;
    }
    for (int i = 0; i < events->n; i++) {
        rc = s->ops->event_append(s, &events->v[i]);
        if (rc)
            return js_fail(e, rc, "", "cannot append event");
    }
    for (int i = 0; i < x->n; i++) {
        struct cached *c = x->orders[i];
        if (c->o.version == c->loaded_version)
            continue;
        rc = s->ops->order_update(s, &c->o, c->has_stored ? &c->stored : NULL, c->loaded_version);
        if (rc)
            return js_fail(e, rc, rc == -JS_ECONFLICT ? "version" : "",
                           rc == -JS_ECONFLICT
                               ? "the order changed meanwhile: reload it and try again"
                               : "cannot write order");
    }
    if (x->kb_cited && events->n) {
        rc = s->ops->kb_use(s, x->kb_cited, events->v[0].order_id, t->now);
        if (rc)
            return js_fail(e, rc, "kb_entry", "无法记录知识库条目的引用");
    }
    rc = queue_notifications(x, events, e);
    if (rc)
        return rc;
    if (en->before_commit) {
        struct engine_result so_far;
        fill_result(x, t->target, events, &so_far, NULL);
        rc = en->before_commit(en->before_commit_ctx, s, &so_far);
        if (rc)
            return js_fail(e, rc, "", "cannot record the action");
    }
    t->decided = true; /* from here a failure is the commit's */
    return 0;
}

/* Reads the order, decides the action and writes what it changed, inside the transaction the
 * store runs it in (possibly on another thread: it uses only s and t). */
static int exec_in_txn(struct store *s, void *arg)
{
    struct exec_txn *t = arg;
    struct js_error *e = t->e;
    int rc;
    t->ran = true;
    t->now = jclock_now(t->x->en->clock);
    if (t->order_id) {
        rc = cb_get_order(t->x, t->order_id, &t->target);
        if (rc)
            return js_fail(e, rc, "order",
                           rc == -JS_ENOTFOUND ? "order not found" : "cannot read order");
        if (t->expected_version && t->target->version != t->expected_version)
            return js_fail(e, JS_ECONFLICT, "version",
                           "the order is at version %lld, not %lld: reload it and try again",
                           (long long)t->target->version, (long long)t->expected_version);
    }
    struct lc_env env = exec_env(t);
    rc = lifecycle_decide(&env, t->who, t->action, t->order_id, t->args, t->events, e);
    return rc ? rc : exec_write(s, t);
}

/* An intake decided before the transaction (cb_create_provisional): takes the new order's id
 * and number, puts them in the order and its events, and writes them. */
static int intake_in_txn(struct store *s, void *arg)
{
    struct exec_txn *t = arg;
    struct exec *x = t->x;
    struct cached *c = x->orders[0];
    char number[20];
    int64_t id = 0;
    t->ran = true;
    int rc = s->ops->order_id_take(s, &id);
    if (rc)
        return js_fail(t->e, rc, "", "cannot create an order");
    rc = cb_next_number(x, t->now, number);
    if (rc)
        return js_fail(t->e, rc, "", "cannot number the order");
    c->o.id = id;
    memcpy(c->o.number, number, sizeof c->o.number);
    for (int i = 0; i < t->events->n; i++) {
        struct event *ev = &t->events->v[i];
        if (ev->order_id != 0)
            continue;
        ev->order_id = id;
        json_t *set = json_object_get(ev->payload, "set");
        /* in place: the diff keeps its order of keys */
        if (json_object_get(set, "number") &&
            json_object_set_new(set, "number", json_string(number)))
            return js_fail(t->e, JS_ENOMEM, "", NULL);
    }
    return exec_write(s, t);
}

int engine_execute_order(struct engine *en, const struct actor *who, int action, int64_t order_id,
                         int64_t expected_version, const json_t *args, struct engine_result *res,
                         struct order *out, struct js_error *e)
{
    struct store *s = en->store;
    struct exec x = {.en = en};
    struct event_list events;
    event_list_init(&events);
    json_t *empty = NULL;
    if (!args)
        args = empty = json_object();

    /* decided before the write lock: the search tokens of the texts the action brings */
    const char *texts[] = {json_string_value(json_object_get(args, "title")),
                           json_string_value(json_object_get(args, "text")),
                           json_string_value(json_object_get(args, "address"))};
    if (s->ops->text_warm)
        s->ops->text_warm(s, texts, (int)JS_ARRAY_LEN(texts));

    struct exec_txn t = {
        .x = &x,
        .who = who,
        .action = action,
        .order_id = order_id,
        .expected_version = expected_version,
        .args = args,
        .events = &events,
        .e = e,
    };
    int (*fn)(struct store *, void *) = exec_in_txn;
    int rc = 0;
    if (action == ACT_INTAKE && !order_id) {
        /* decided here, outside the write lock; refused, it never takes the writer */
        t.now = jclock_now(en->clock);
        struct lc_env env = exec_env(&t);
        env.create_order = cb_create_provisional;
        env.next_number = cb_number_provisional;
        rc = lifecycle_decide(&env, who, action, 0, args, &events, e);
        fn = intake_in_txn;
        if (!rc && (x.n != 1 || !x.orders[0]->unwritten))
            rc = js_fail(e, JS_EINTERNAL, "", "an intake made %d orders", x.n);
    }
    if (!rc) {
        rc = s->ops->txn_run(s, fn, &t);
        if (rc && (!t.ran || t.decided))
            js_fail(e, rc, "", t.decided ? "cannot commit" : "cannot start a transaction");
    }
    if (!rc)
        fill_result(&x, t.target, &events, res, out);
    event_list_release(&events);
    exec_release(&x);
    json_decref(empty);
    return rc;
}

struct replay {
    struct order *o;
    int rc;
};

static int replay_one(void *ctx, const struct event *ev)
{
    struct replay *r = ctx;
    r->rc = order_evolve(r->o, ev);
    return r->rc;
}

int engine_replay(struct engine *en, int64_t order_id, struct order *out, struct js_error *e)
{
    order_init(out);
    struct replay r = {out, 0};
    int rc = en->store->ops->event_each(en->store, order_id, replay_one, &r);
    if (rc || r.rc)
        return js_fail(e, rc ? rc : r.rc, "", "cannot replay order %lld", (long long)order_id);
    if (out->version == 0)
        return js_fail(e, JS_ENOTFOUND, "order", "order %lld has no events", (long long)order_id);
    return 0;
}
