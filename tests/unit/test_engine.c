/* Engine-level tests over a real SQLite store: one order's whole life under every preset, the
 * timeline and counters it leaves, replay from events, version conflicts, and a process killed
 * in the middle of a burst of actions. */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct timeline {
    int actions[64];
    int n;
};

static int collect(void *ctx, const struct event *ev)
{
    struct timeline *t = ctx;
    if (t->n < 64)
        t->actions[t->n++] = ev->action;
    return 0;
}

static void assert_replay_equal(struct fixture *f, int64_t id)
{
    struct order stored, rebuilt;
    struct js_error e;
    fx_get(f, id, &stored);
    assert_int_equal(engine_replay(&f->en, id, &rebuilt, &e), 0);
    json_t *a = order_to_json(&stored), *b = order_to_json(&rebuilt);
    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
        fail_msg("replay differs:\nstored  %s\nrebuilt %s", sa, sb);
    }
    json_decref(a);
    json_decref(b);
    order_release(&stored);
    order_release(&rebuilt);
}

/* dispatch → return → re-dispatch → sign → extension → reply → review fail → reply →
 * callback not satisfied → reopen → reply → callback satisfied → close. */
static void whole_life(const char *preset)
{
    struct fixture f;
    char db[64];
    snprintf(db, sizeof db, "life-%s.db", preset);
    /* Monday morning, so that working-day windows are open. */
    fixture_open(&f, db, preset, "2026-11-16T09:00:00+08:00");
    const struct actor *disp = &f.as[ROLE_DISPATCHER];
    const struct actor *rev = &f.as[ROLE_REVIEWER], *cb = &f.as[ROLE_CALLBACK];
    char args[256];

    int64_t id = fx_new_filed(&f);
    fx_advance(&f, 600);
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_dept[1]);
    fx_ok(&f, disp, ACT_DISPATCH, id, args);
    fx_advance(&f, 3600);
    fx_ok(&f, fx_unit_actor(&f, 3, false), ACT_RETURN, id,
          "{\"reason\":\"不属于本单位职责\",\"legal_basis\":\"《物业管理条例》第五条\"}");
    fx_advance(&f, 600);
    fx_ok(&f, disp, ACT_RETURN_APPROVE, id, "{}");
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_street[0]);
    fx_ok(&f, disp, ACT_DISPATCH, id, args);
    fx_advance(&f, 1800);
    const struct actor *op = fx_unit_actor(&f, 0, false);
    fx_ok(&f, op, ACT_SIGN, id, "{}");
    /* 签批 by the unit's leader (needed for a reply under linshu-2020, 001 §二(二)) */
    fx_ok(&f, fx_unit_actor(&f, 0, true), ACT_SIGN_APPROVAL, id, "{\"handler\":\"李科员\"}");

    struct order o;
    fx_get(&f, id, &o);
    int64_t deadline = o.deadline;
    assert_true(deadline > f.now);
    order_release(&o);
    char until[40];
    jtime_format(deadline + 3 * 86400, until, sizeof until);
    snprintf(args, sizeof args, "{\"until\":\"%s\",\"reason\":\"需协调产权单位\"}", until);
    fx_ok(&f, op, ACT_EXTENSION_REQUEST, id, args);
    fx_ok(&f, disp, ACT_EXTENSION_DECIDE, id, "{\"approve\":true}");
    fx_get(&f, id, &o);
    assert_int_equal(o.deadline, deadline + 3 * 86400);
    order_release(&o);

    const char *reply = "{\"result\":\"已约谈施工单位，夜间停止施工。\",\"closure\":\"resolved\","
                        "\"responsible\":\"王科长\",\"handler\":\"李科员\"}";
    fx_ok(&f, op, ACT_REPLY, id, reply);
    fx_ok(&f, rev, ACT_REVIEW, id,
          "{\"pass\":false,\"reason\":\"未附现场照片\",\"not_closed_reason\":\"unhandled\"}");
    fx_ok(&f, op, ACT_REPLY, id, reply);
    fx_ok(&f, rev, ACT_REVIEW, id, "{\"pass\":true}");
    fx_ok(&f, cb, ACT_CALLBACK, id,
          "{\"contacted\":true,\"solved\":false,\"satisfaction\":\"unsatisfied\"}");
    fx_ok(&f, cb, ACT_REOPEN, id, "{\"reason\":\"仍有夜间施工\"}");
    fx_ok(&f, op, ACT_REPLY, id, reply);
    fx_ok(&f, rev, ACT_REVIEW, id, "{\"pass\":true}");
    fx_ok(&f, cb, ACT_CALLBACK, id,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    fx_ok(&f, cb, ACT_CLOSE, id, "{}");

    fx_get(&f, id, &o);
    assert_int_equal(o.status, ST_CLOSED);
    assert_int_equal(o.returns, 1);
    assert_int_equal(o.reworks, 1);
    assert_int_equal(o.reopens, 1);
    assert_int_equal(o.reopens_district, 1);
    assert_int_equal(o.extensions, 1);
    assert_int_equal(o.cb_satisfaction, SAT_SATISFIED);
    assert_int_equal(o.close_kind, CK_NORMAL);
    struct assignment *a = order_unit(&o, f.unit_dept[1]);
    assert_non_null(a);
    assert_false(a->active);
    assert_int_equal(a->returns, 1);
    assert_true(order_lead(&o)->unit_id == f.unit_street[0]);

    static const int expected[] = {ACT_INTAKE,
                                   ACT_FILE,
                                   ACT_DISPATCH,
                                   ACT_RETURN,
                                   ACT_RETURN_APPROVE,
                                   ACT_DISPATCH,
                                   ACT_SIGN,
                                   ACT_SIGN_APPROVAL,
                                   ACT_EXTENSION_REQUEST,
                                   ACT_EXTENSION_DECIDE,
                                   ACT_REPLY,
                                   ACT_REVIEW,
                                   ACT_REPLY,
                                   ACT_REVIEW,
                                   ACT_CALLBACK,
                                   ACT_REOPEN,
                                   ACT_REPLY,
                                   ACT_REVIEW,
                                   ACT_CALLBACK,
                                   ACT_CLOSE};
    struct timeline t = {.n = 0};
    assert_int_equal(f.store->ops->event_each(f.store, id, collect, &t), 0);
    assert_int_equal(t.n, (int)JS_ARRAY_LEN(expected));
    for (int i = 0; i < t.n; i++)
        if (t.actions[i] != expected[i])
            fail_msg("%s: event %d is %s, expected %s", preset, i, js_action_names[t.actions[i]],
                     js_action_names[expected[i]]);
    assert_int_equal(o.version, t.n);
    order_release(&o);
    assert_replay_equal(&f, id);
    fixture_close(&f);
}

static void life_dongcheng(void **state)
{
    whole_life("dongcheng-2016");
}
static void life_linshu(void **state)
{
    whole_life("linshu-2020");
}
static void life_pingshan(void **state)
{
    whole_life("pingshan-2020");
}
static void life_tianning(void **state)
{
    whole_life("tianning-2013");
}
static void life_beijing(void **state)
{
    whole_life("beijing-2020");
}

/* Whether the last return event of an order was recorded as late. */
static int late_seen;
static int find_late(void *ctx, const struct event *ev)
{
    (void)ctx;
    if (ev->action == ACT_RETURN)
        late_seen = json_is_true(json_object_get(json_object_get(ev->payload, "args"), "late"));
    return 0;
}

/* The return window differs by preset: 2 calendar days (000 art. 9) against 1 working day
 * (001 §2(3)). Wednesday 10:00 → Thursday 15:00 is inside the first and outside the second;
 * Friday 16:00 → Monday 10:00 is outside the first and inside the second. After its window
 * dongcheng refuses a return; linshu takes it, late (超期回退 costs 0.2 points, 001 附件
 * 三(一)2(2)). */
static void return_window_follows_preset(void **state)
{
    const char *presets[] = {"dongcheng-2016", "linshu-2020"};
    const char *dispatched[] = {"2026-11-18T10:00:00+08:00", "2026-11-20T16:00:00+08:00"};
    const int64_t delay[] = {29 * 3600, 2 * 86400 + 18 * 3600};
    const int expect[2][2] = {{0, -JS_EWINDOW}, {0, 0}}; /* [preset][scenario] */
    const int late[2][2] = {{0, 0}, {1, 0}};
    for (int p = 0; p < 2; p++)
        for (int sc = 0; sc < 2; sc++) {
            struct fixture f;
            char db[64];
            snprintf(db, sizeof db, "window-%d-%d.db", p, sc);
            fixture_open(&f, db, presets[p], dispatched[sc]);
            int64_t id = fx_new_filed(&f);
            char args[64];
            snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_dept[0]);
            fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
            fx_advance(&f, delay[sc]);
            const char *ret = "{\"reason\":\"非本单位职责\",\"legal_basis\":\"三定方案\"}";
            if (expect[p][sc] == 0) {
                fx_ok(&f, fx_unit_actor(&f, 2, false), ACT_RETURN, id, ret);
                late_seen = -1;
                assert_int_equal(f.store->ops->event_each(f.store, id, find_late, NULL), 0);
                assert_int_equal(late_seen, late[p][sc]);
            } else
                fx_refused(&f, fx_unit_actor(&f, 2, false), ACT_RETURN, id, ret, expect[p][sc]);
            fixture_close(&f);
        }
}

static void stale_version_conflicts(void **state)
{
    struct fixture f;
    fixture_open(&f, "conflict.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = fx_new_filed(&f);
    struct order o;
    fx_get(&f, id, &o);
    int64_t v = o.version;
    order_release(&o);
    json_t *args = json_pack("{sI}", "unit_id", (json_int_t)f.unit_dept[0]);
    struct js_error e;
    assert_int_equal(
        engine_execute(&f.en, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, v - 1, args, NULL, &e),
        -JS_ECONFLICT);
    assert_string_equal(e.field, "version");
    fx_get(&f, id, &o);
    assert_int_equal(o.version, v);
    assert_int_equal(o.status, ST_FILED);
    order_release(&o);
    assert_int_equal(
        engine_execute(&f.en, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, v, args, NULL, &e), 0);
    json_decref(args);
    fixture_close(&f);
}

/* A city's surge day goes past 99,999 orders: the 100,000th gets a six-digit sequence and is
 * found by its number like any other. */
static void numbers_past_a_district_day(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "numbers.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t first = fx_new_filed(&f);
    struct order o;
    fx_get(&f, first, &o);
    assert_string_equal(o.number, "2026111600001");
    order_release(&o);
    assert_int_equal(
        tu_raw_exec(f.db, "UPDATE seqs SET value = 99999 WHERE key = 'order:20261116'"), 0);
    int64_t id = fx_new_filed(&f);
    fx_get(&f, id, &o);
    assert_string_equal(o.number, "20261116100000");
    struct order by;
    order_init(&by);
    assert_int_equal(f.store->ops->order_get_by_number(f.store, "20261116100000", &by), 0);
    assert_int_equal(by.id, id);
    order_release(&by);
    order_release(&o);
    fixture_close(&f);
}

/* The intake's event, as stored. */
static int first_event(void *ctx, const struct event *ev)
{
    struct event *out = ctx;
    if (ev->version == 1) {
        *out = *ev;
        out->payload = json_incref(ev->payload);
    }
    return 0;
}

/* An intake is decided before the write lock, with a placeholder for its number (engine.c):
 * refused there, it takes no number; accepted, the stored order and its event carry the number
 * and id the transaction took, and the order replays from the event as it was stored. */
static void intake_decided_before_the_writer(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "intake-early.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    const struct actor *agent = &f.as[ROLE_AGENT];
    fx_refused(&f, agent, ACT_INTAKE, 0,
               "{\"channel\":\"Hotline\",\"type\":\"complaint\",\"title\":\"t\",\"text\":\"x\"}",
               -JS_EINVAL);
    fx_refused(&f, agent, ACT_INTAKE, 0,
               "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"t\","
               "\"text\":\"x\",\"category_id\":999999}",
               -JS_EINVAL);
    int64_t id = fx_new_filed(&f);
    struct order o;
    fx_get(&f, id, &o);
    assert_string_equal(o.number, "2026111600001"); /* the refused ones took no number */
    struct event ev = {.payload = NULL};
    assert_int_equal(f.store->ops->event_each(f.store, id, first_event, &ev), 0);
    assert_int_equal(ev.action, ACT_INTAKE);
    assert_int_equal(ev.order_id, id);
    const json_t *set = json_object_get(ev.payload, "set");
    assert_string_equal(json_string_value(json_object_get(set, "number")), o.number);
    json_decref(ev.payload);
    int64_t next = fx_new_filed(&f);
    struct order o2;
    fx_get(&f, next, &o2);
    assert_string_equal(o2.number, "2026111600002");
    assert_true(next > id);
    order_release(&o2);
    order_release(&o);
    assert_replay_equal(&f, id);
    assert_replay_equal(&f, next);
    fixture_close(&f);
}

/* A refused action leaves the database as it was: no event, no change. */
static void refusal_changes_nothing(void **state)
{
    struct fixture f;
    fixture_open(&f, "refuse.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = fx_new_filed(&f);
    struct order before, after;
    fx_get(&f, id, &before);
    fx_refused(&f, fx_unit_actor(&f, 0, false), ACT_SIGN, id, "{}", -JS_ENOTFOUND);
    fx_refused(&f, &f.as[ROLE_AGENT], ACT_DISPATCH, id, "{\"unit_id\":1}", -JS_EFORBIDDEN);
    fx_refused(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, "{\"unit_id\":999999}", -JS_EINVAL);
    fx_refused(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, "{\"unit\":1}", -JS_EUNKNOWN_FIELD);
    fx_get(&f, id, &after);
    json_t *a = order_to_json(&before), *b = order_to_json(&after);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    struct timeline t = {.n = 0};
    f.store->ops->event_each(f.store, id, collect, &t);
    assert_int_equal(t.n, 2);
    order_release(&before);
    order_release(&after);
    fixture_close(&f);
}

/* A child keeps doing whole actions until it is killed; the store must hold only whole ones. */
static void burst(const char *path)
{
    struct js_error e;
    struct store *s = NULL;
    struct engine en;
    if (store_open(path, &s, &e) || engine_init(&en, s, tu_shipped(), NULL, &e))
        _exit(3);
    struct user disp, agent, op;
    struct unit u;
    if (s->ops->user_get_by_login(s, "dispatcher", &disp) ||
        s->ops->user_get_by_login(s, "agent", &agent) || s->ops->user_get_by_login(s, "op0", &op) ||
        s->ops->unit_get(s, op.unit_id, &u))
        _exit(4);
    struct actor ad = {disp.id, disp.role, 0, "d"}, aa = {agent.id, agent.role, 0, "a"},
                 ao = {op.id, op.role, op.unit_id, "o"};
    json_t *intake =
        json_pack("{ss ss ss ss ss}", "channel", "hotline-12345", "type", "complaint", "title",
                  "路灯不亮", "text", "小区门口路灯坏了三天", "address", "多福巷1号");
    json_t *disp_args = json_pack("{sI}", "unit_id", (json_int_t)u.id);
    json_t *empty = json_object();
    json_t *reply =
        json_pack("{ss ss ss}", "result", "已修复", "closure", "resolved", "responsible", "李工");
    for (;;) {
        struct engine_result r;
        if (engine_execute(&en, &aa, ACT_INTAKE, 0, 0, intake, &r, &e))
            _exit(5);
        int64_t id = r.order_id;
        if (engine_execute(&en, &aa, ACT_FILE, id, 0, empty, NULL, &e) ||
            engine_execute(&en, &ad, ACT_DISPATCH, id, 0, disp_args, NULL, &e) ||
            engine_execute(&en, &ao, ACT_SIGN, id, 0, empty, NULL, &e) ||
            engine_execute(&en, &ao, ACT_REPLY, id, 0, reply, NULL, &e))
            _exit(6);
    }
}

struct check {
    struct fixture *f;
    long orders, events;
};

static int count_events(void *ctx, const struct event *ev)
{
    (*(long *)ctx)++;
    JS_UNUSED(ev);
    return 0;
}

static int check_one(void *ctx, const struct order *o)
{
    struct check *c = ctx;
    long n = 0;
    c->f->store->ops->event_each(c->f->store, o->id, count_events, &n);
    assert_int_equal(n, o->version);
    assert_true(o->version >= 1);
    c->orders++;
    c->events += n;
    assert_replay_equal(c->f, o->id);
    return 0;
}

static void sigkill_mid_burst(void **state)
{
    struct fixture f;
    fixture_open(&f, "kill.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    const char *path = f.db;
    srand((unsigned)time(NULL));
    for (int round = 0; round < 4; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            burst(path);
        struct timespec ts = {0, (150 + rand() % 250) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status))
            fail_msg("burst child ended on its own with status %d", WEXITSTATUS(status));
    }
    /* Reopen, as after a crash, and check every order against its events. */
    fixture_close(&f);
    struct js_error e;
    assert_int_equal(store_open(path, &f.store, &e), 0);
    assert_int_equal(engine_init(&f.en, f.store, tu_shipped(), NULL, &e), 0);
    struct check c = {&f, 0, 0};
    assert_int_equal(f.store->ops->order_each(f.store, check_one, &c), 0);
    assert_true(c.orders > 0);
    printf("after 4 kills: %ld orders, %ld events, all whole\n", c.orders, c.events);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(life_dongcheng),
        cmocka_unit_test(life_linshu),
        cmocka_unit_test(life_pingshan),
        cmocka_unit_test(life_tianning),
        cmocka_unit_test(life_beijing),
        cmocka_unit_test(return_window_follows_preset),
        cmocka_unit_test(stale_version_conflicts),
        cmocka_unit_test(refusal_changes_nothing),
        cmocka_unit_test(intake_decided_before_the_writer),
        cmocka_unit_test(numbers_past_a_district_day),
        cmocka_unit_test(sigkill_mid_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
