/* Tests of the time limits and of chasing, over a real SQLite store with a fake clock: deadlines
 * by tier, override and working day (across the Spring Festival and a swapped working Saturday),
 * urges at shares of the limit, the sign and feedback limits, supervision (overdue, upstream,
 * reopened, repeated) with its answer limit, warnings and special reports, an order extended then
 * force-closed, a hanging account that is never overdue, ticks that change nothing the second
 * time; the notifications outbox (queued with the events, delivered to a real local HTTP receiver
 * that refuses and then recovers, with backoff, exactly once, across a restart); the API routes
 * and the `jiesu tick` / `jiesu calendar` commands. */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/notify.h"
#include "cli/ticker.h"
#include "core/chase.h"
#include "core/deadline.h"
#include "core/scheduler.h"
#include "http/app.h"
#include "http/res_timers.h"
#include "http/respond.h"
#include "http/server.h"
#include "store/timers_store.h"
#include "util/auth.h"

#define DAY  86400
#define HOUR 3600

/* ---- helpers ------------------------------------------------------------------------------- */

static int64_t T(const char *iso)
{
    int64_t t;
    if (jtime_parse(iso, &t))
        fail_msg("bad time %s", iso);
    return t;
}

static void assert_time(int64_t got, const char *want)
{
    char buf[40];
    jtime_format(got, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static struct sched_stats tick(struct fixture *f)
{
    struct sched_stats st;
    struct js_error e;
    js_error_clear(&e);
    if (scheduler_pass(&f->en, &st, &e))
        fail_msg("scheduler pass failed: %s", e.message);
    if (st.failures)
        fail_msg("scheduler refused something: %s", st.last_failure);
    return st;
}

struct collect {
    int action;
    int n;
    json_t *last_args; /* of the last event of `action` */
    int total;
};

static int collect_one(void *ctx, const struct event *ev)
{
    struct collect *c = ctx;
    c->total++;
    if (ev->action == c->action) {
        c->n++;
        json_decref(c->last_args);
        c->last_args = json_incref(json_object_get(ev->payload, "args"));
    }
    return 0;
}

/* How many events of `action` the order has. */
static int count_action(struct fixture *f, int64_t id, int action)
{
    struct collect c = {action, 0, NULL, 0};
    assert_int_equal(f->store->ops->event_each(f->store, id, collect_one, &c), 0);
    json_decref(c.last_args);
    return c.n;
}

/* The args of the order's last event of `action` (new reference; fails if there is none). */
static json_t *last_args(struct fixture *f, int64_t id, int action)
{
    struct collect c = {action, 0, NULL, 0};
    assert_int_equal(f->store->ops->event_each(f->store, id, collect_one, &c), 0);
    if (!c.last_args)
        fail_msg("order %lld has no %s event", (long long)id, js_action_names[action]);
    return c.last_args;
}

static const char *arg_str(const json_t *args, const char *key)
{
    const char *s = json_string_value(json_object_get(args, key));
    if (!s)
        fail_msg("no string '%s' in the args", key);
    return s;
}

struct count_all {
    struct store *s;
    int events;
};

static int count_order_events(void *ctx, const struct order *o)
{
    struct count_all *c = ctx;
    struct collect k = {-1, 0, NULL, 0};
    c->s->ops->event_each(c->s, o->id, collect_one, &k);
    c->events += k.total;
    return 0;
}

/* Every event in the database. */
static int total_events(struct fixture *f)
{
    struct count_all c = {f->store, 0};
    assert_int_equal(f->store->ops->order_each(f->store, count_order_events, &c), 0);
    return c.events;
}

/* A second pass at the same instant does nothing and adds no event. */
static void tick_again_changes_nothing(struct fixture *f)
{
    int before = total_events(f);
    struct sched_stats st = tick(f);
    assert_int_equal(st.actions, 0);
    assert_int_equal(total_events(f), before);
}

static int outbox_count(struct fixture *f, int64_t order_id, int kind)
{
    struct outbox_list l;
    struct outbox_query q = {.state = -1, .kind = kind, .order_id = order_id, .limit = 500};
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f->store, &q, &l), 0);
    int n = l.n;
    outbox_list_release(&l);
    return n;
}

static int outbox_total(struct fixture *f)
{
    int64_t counts[OBS__COUNT];
    assert_int_equal(timers_outbox_counts(f->store, counts), 0);
    return (int)(counts[OBS_PENDING] + counts[OBS_SENT] + counts[OBS_FAILED]);
}

static void set_policy(struct fixture *f, const char *preset, const char *overrides)
{
    struct js_error e;
    json_t *o = overrides ? json_loads(overrides, 0, NULL) : NULL;
    if (engine_set_policy(&f->en, preset, o, &e))
        fail_msg("policy %s %s: %s", preset, overrides ? overrides : "", e.message);
    json_decref(o);
}

static void dispatch_to(struct fixture *f, int64_t id, int64_t unit)
{
    char args[64];
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)unit);
    fx_ok(f, &f->as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
}

/* A filed order dispatched to street unit 0 and signed by it, at the clock's time. */
static int64_t signed_order(struct fixture *f)
{
    int64_t id = fx_new_filed(f);
    dispatch_to(f, id, f->unit_street[0]);
    fx_ok(f, fx_unit_actor(f, 0, false), ACT_SIGN, id, "{}");
    return id;
}

static int64_t deadline_of(struct fixture *f, int64_t id)
{
    struct order o;
    fx_get(f, id, &o);
    int64_t d = o.deadline;
    order_release(&o);
    return d;
}

static void assert_replays(struct fixture *f, int64_t id)
{
    struct order stored, rebuilt;
    struct js_error e;
    fx_get(f, id, &stored);
    assert_int_equal(engine_replay(&f->en, id, &rebuilt, &e), 0);
    json_t *a = order_to_json(&stored), *b = order_to_json(&rebuilt);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    order_release(&stored);
    order_release(&rebuilt);
}

/* ---- deadlines (pure) --------------------------------------------------------------------- */

static void load_policy(struct policy *p, const char *preset, const char *overrides)
{
    struct js_error e;
    json_t *o = overrides ? json_loads(overrides, 0, NULL) : NULL;
    if (policy_load(p, tu_shipped(), preset, o, &e))
        fail_msg("%s: %s (%s)", preset, e.message, e.field);
    json_decref(o);
}

static struct calendar *shipped_calendar(void)
{
    struct calendar *c;
    struct js_error e;
    assert_int_equal(calendar_new(&c), 0);
    assert_int_equal(calendar_load_shipped(c, tu_shipped(), &e), 0);
    return c;
}

static void test_deadline_limits(void **state)
{
    (void)state;
    struct calendar *cal = shipped_calendar();
    struct policy p;
    struct order o;
    order_init(&o);
    snprintf(o.channel, sizeof o.channel, "hotline-12345");
    o.level = LEVEL_GENERAL;
    o.category_id = 7;
    int64_t t = T("2026-02-12T10:00");

    load_policy(&p, "dongcheng-2016", NULL);
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-27T10:00:00+08:00");
    /* 2 h and 24 h run in clock hours, through the night and the holiday */
    assert_time(deadline_limit(&p, cal, &o, TIER_H2, t), "2026-02-12T12:00:00+08:00");
    assert_time(deadline_limit(&p, cal, &o, TIER_H24, T("2026-02-14T18:00")),
                "2026-02-15T18:00:00+08:00");
    /* 7 d and 15 d in calendar days, holidays included */
    assert_time(deadline_limit(&p, cal, &o, TIER_D7, t), "2026-02-19T10:00:00+08:00");
    assert_time(deadline_sign(&p, &o, TIER_NONE, t), "2026-02-13T10:00:00+08:00");
    assert_time(deadline_return_end(&p, cal, t), "2026-02-14T10:00:00+08:00");
    /* feedback: 5 working days (003 art. 13) across the Spring Festival */
    assert_time(deadline_feedback(&p, cal, NULL, t), "2026-02-26T10:00:00+08:00");
    policy_release(&p);

    /* tianning-2013: 5 working days (003 art. 13(1)) */
    load_policy(&p, "tianning-2013", NULL);
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-26T10:00:00+08:00");
    assert_time(deadline_limit(&p, NULL, &o, TIER_NONE, t), "2026-02-19T10:00:00+08:00");
    policy_release(&p);

    /* linshu-2020: the return window is 1 working day; Friday → the swapped Saturday */
    load_policy(&p, "linshu-2020", NULL);
    assert_time(deadline_return_end(&p, cal, T("2026-02-13T10:00")), "2026-02-14T10:00:00+08:00");
    policy_release(&p);
    load_policy(&p, "beijing-2020", NULL);
    assert_time(deadline_sign(&p, &o, TIER_NONE, t), "2026-02-12T12:00:00+08:00");
    policy_release(&p);

    /* overrides per level, channel, category and tier: the most specific wins */
    load_policy(&p, "dongcheng-2016",
                "{\"limit_overrides\": ["
                "{\"level\": \"urgent\", \"limit\": 24, \"unit\": \"hours\"},"
                "{\"level\": \"urgent\", \"channel\": \"upstream\", \"limit\": 12, \"unit\": "
                "\"hours\", \"sign_hours\": 1},"
                "{\"category_id\": 7, \"limit\": 3, \"unit\": \"workdays\"},"
                "{\"tier\": \"7d\", \"category_id\": 7, \"limit\": 10, \"unit\": \"days\"}]}");
    assert_int_equal(p.limit_overrides.n, 4);
    o.category_id = 8;
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-27T10:00:00+08:00");
    o.category_id = 7;
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-24T10:00:00+08:00");
    assert_time(deadline_limit(&p, cal, &o, TIER_D7, t), "2026-02-22T10:00:00+08:00");
    o.level = LEVEL_URGENT; /* level and category tie: the first listed wins */
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-13T10:00:00+08:00");
    assert_time(deadline_sign(&p, &o, TIER_NONE, t), "2026-02-13T10:00:00+08:00");
    snprintf(o.channel, sizeof o.channel, "upstream");
    assert_time(deadline_limit(&p, cal, &o, TIER_NONE, t), "2026-02-12T22:00:00+08:00");
    assert_time(deadline_sign(&p, &o, TIER_NONE, t), "2026-02-12T11:00:00+08:00");
    assert_non_null(deadline_override(&p, &o, TIER_NONE));
    assert_int_equal(deadline_override(&p, &o, TIER_NONE)->limit, 12);
    /* the display document gives the overrides back */
    json_t *shown = json_object_get(
        json_object_get(json_object_get(p.doc, "settings"), "limit_overrides"), "value");
    assert_int_equal(json_array_size(shown), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(shown, 1), "channel")),
                        "upstream");
    policy_release(&p);

    /* hanging: the time spent hanging is added back */
    assert_int_equal(deadline_after_hang(1000, 400, 900), 1500);
    assert_int_equal(deadline_after_hang(1000, 0, 900), 1000);
    assert_int_equal(deadline_after_hang(0, 400, 900), 0);
    order_release(&o);
    calendar_free(cal);
}

static void expect_policy_error(const char *overrides, int code, const char *field)
{
    struct policy p;
    struct js_error e;
    json_t *o = json_loads(overrides, 0, NULL);
    assert_non_null(o);
    js_error_clear(&e);
    int rc = policy_load(&p, tu_shipped(), "dongcheng-2016", o, &e);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", overrides, js_err_name(code), js_err_name(rc),
                 e.message);
    assert_string_equal(e.field, field);
    json_decref(o);
}

static void test_new_policy_keys(void **state)
{
    (void)state;
    expect_policy_error("{\"limit_overrides\": [{\"limit\": 3, \"unit\": \"days\"}]}", -JS_EINVAL,
                        "limit_overrides[0]");
    expect_policy_error("{\"limit_overrides\": [{\"level\": \"urgent\"}]}", -JS_EINVAL,
                        "limit_overrides[0]");
    expect_policy_error("{\"limit_overrides\": [{\"level\": \"urgent\", \"limit\": 3}]}",
                        -JS_EMISSING, "limit_overrides[0].unit");
    expect_policy_error("{\"limit_overrides\": [{\"level\": \"high\", \"limit\": 3, "
                        "\"unit\": \"days\"}]}",
                        -JS_EINVAL, "limit_overrides[0].level");
    expect_policy_error("{\"limit_overrides\": [{\"level\": \"urgent\", \"sign_hours\": 1, "
                        "\"foo\": 1}]}",
                        -JS_EUNKNOWN_FIELD, "limit_overrides[0].foo");
    expect_policy_error("{\"limit_overrides\": [{\"channel\": \"Up stream\", \"sign_hours\": 1}]}",
                        -JS_EINVAL, "limit_overrides[0].channel");
    expect_policy_error("{\"limit_overrides\": {}}", -JS_ETYPE, "limit_overrides");
    expect_policy_error("{\"notify_gateway_url\": \"ftp://sms.example\"}", -JS_EINVAL,
                        "notify_gateway_url");
    expect_policy_error("{\"notify_gateway_url\": \"http://a b\"}", -JS_EINVAL,
                        "notify_gateway_url");
    expect_policy_error("{\"notify_max_attempts\": 0}", -JS_EINVAL, "notify_max_attempts");
    expect_policy_error("{\"duplicate_warning\": -1}", -JS_EINVAL, "duplicate_warning");
    struct policy p;
    load_policy(&p, "linshu-2020", "{\"notify_gateway_url\": \"https://sms.example/send\"}");
    assert_string_equal(p.notify_gateway_url, "https://sms.example/send");
    assert_int_equal(p.duplicate_warning, 3);
    assert_int_equal(p.notify_backoff_seconds, 60);
    policy_release(&p);
}

/* ---- deadlines through the engine --------------------------------------------------------- */

/* 5 working days from Thursday 2026-02-12 cross the Spring Festival: the deadline is the 26th. */
static void test_spring_festival_dispatch(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "spring.db", "tianning-2013", "2026-02-12T10:00:00+08:00");
    int64_t id = signed_order(&f);
    assert_time(deadline_of(&f, id), "2026-02-26T10:00:00+08:00");
    fixture_close(&f);
}

/* Linshu's return window is 1 working day: Saturday 2026-02-14 is one (调休), so a unit that got
 * the order on Friday may return it on Saturday morning, but not on the next Monday. */
static void test_swapped_saturday_return_window(void **state)
{
    (void)state;
    const char *ret = "{\"reason\":\"非本单位职责\",\"legal_basis\":\"三定方案\"}";
    struct fixture f;
    fixture_open(&f, "saturday.db", "linshu-2020", "2026-02-13T10:00:00+08:00");
    /* linshu takes late returns (late, with a deduction): refuse them here to see the window */
    set_policy(&f, "linshu-2020", "{\"late_return_allowed\": false}");
    int64_t a = fx_new_filed(&f), b = fx_new_filed(&f);
    dispatch_to(&f, a, f.unit_dept[0]);
    dispatch_to(&f, b, f.unit_dept[0]);
    f.now = T("2026-02-14T09:30");
    fx_ok(&f, fx_unit_actor(&f, 2, false), ACT_RETURN, a, ret);
    f.now = T("2026-02-16T09:30");
    fx_refused(&f, fx_unit_actor(&f, 2, false), ACT_RETURN, b, ret, -JS_EWINDOW);
    fixture_close(&f);
}

/* ---- chasing ------------------------------------------------------------------------------ */

static void test_urges_at_shares(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "shares.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    set_policy(&f, "dongcheng-2016", "{\"feedback_limit_workdays\": 100}");
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    int64_t due = deadline_of(&f, id);
    assert_int_equal(due, t0 + 15 * DAY);

    f.now = t0 + 7 * DAY;
    assert_int_equal(tick(&f).actions, 0);
    /* a person's urge, even one naming the threshold, is not the system's */
    char manual[160], due_iso[40];
    jtime_format(due, due_iso, sizeof due_iso);
    snprintf(manual, sizeof manual,
             "{\"note\":\"请加快\",\"kind\":\"share\",\"share\":0.5,"
             "\"due\":\"%s\"}",
             due_iso);
    fx_ok(&f, &f.as[ROLE_SUPERVISOR], ACT_URGE, id, manual);
    f.now = t0 + 7 * DAY + 12 * HOUR; /* half of 15 days */
    struct sched_stats st = tick(&f);
    assert_int_equal(st.actions, 1);
    assert_int_equal(st.by_action[ACT_URGE], 1);
    json_t *args = last_args(&f, id, ACT_URGE);
    assert_string_equal(arg_str(args, "kind"), "share");
    assert_true(json_number_value(json_object_get(args, "share")) == 0.5);
    assert_int_equal(T(arg_str(args, "due")), due);
    json_decref(args);
    tick_again_changes_nothing(&f);

    f.now = t0 + 12 * DAY; /* four fifths */
    assert_int_equal(tick(&f).by_action[ACT_URGE], 1);
    args = last_args(&f, id, ACT_URGE);
    assert_true(json_number_value(json_object_get(args, "share")) == 0.8);
    json_decref(args);
    tick_again_changes_nothing(&f);

    int out_before = outbox_count(&f, id, OBK_SUPERVISION);
    assert_int_equal(out_before, 0);
    f.now = due + 60; /* the deadline: urge, overdue flag, supervision */
    st = tick(&f);
    assert_int_equal(st.actions, 3);
    assert_int_equal(st.by_action[ACT_URGE], 1);
    assert_int_equal(st.by_action[ACT_MARK_OVERDUE], 1);
    assert_int_equal(st.by_action[ACT_SUPERVISE], 1);
    args = last_args(&f, id, ACT_SUPERVISE);
    assert_string_equal(arg_str(args, "kind"), "overdue");
    assert_int_equal(T(arg_str(args, "answer_due")), due + 60 + 24 * HOUR); /* 000 art. 10 */
    json_decref(args);
    /* the supervision notice goes to the section head and the operator of the unit */
    assert_int_equal(outbox_count(&f, id, OBK_SUPERVISION), 2);
    tick_again_changes_nothing(&f);

    struct order o;
    fx_get(&f, id, &o);
    assert_int_equal(o.urges, 4);
    assert_int_equal(o.supervisions, 1);
    assert_int_equal(o.supervisions_open, 1);
    order_release(&o);
    assert_replays(&f, id);
    fixture_close(&f);
}

/* A scheduler that was down past several shares urges once, at the highest one. */
static void test_late_pass_urges_once(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "late.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    set_policy(&f, "dongcheng-2016", "{\"feedback_limit_workdays\": 100}");
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    f.now = t0 + 13 * DAY;
    struct sched_stats st = tick(&f);
    assert_int_equal(st.actions, 1);
    json_t *args = last_args(&f, id, ACT_URGE);
    assert_true(json_number_value(json_object_get(args, "share")) == 0.8);
    json_decref(args);
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

static void test_sign_and_feedback_limits(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "sign.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t t0 = f.now;
    const struct actor *op = fx_unit_actor(&f, 0, false);
    int64_t a = fx_new_filed(&f), b = fx_new_filed(&f), c = fx_new_filed(&f);
    dispatch_to(&f, a, f.unit_street[0]);
    dispatch_to(&f, b, f.unit_street[0]);
    dispatch_to(&f, c, f.unit_street[0]);
    fx_ok(&f, op, ACT_SIGN, b, "{}");
    fx_ok(&f, op, ACT_SIGN, c, "{}");
    char args[160], until[40];
    jtime_format(deadline_of(&f, b) + 2 * DAY, until, sizeof until);
    snprintf(args, sizeof args, "{\"until\":\"%s\",\"reason\":\"需要协调\"}", until);
    fx_ok(&f, op, ACT_EXTENSION_REQUEST, b, args); /* a sign of life: feedback */
    fx_ok(&f, op, ACT_CONTACT, c, "{\"method\":\"phone\",\"result\":\"已联系\"}");

    f.now = t0 + 23 * HOUR;
    assert_int_equal(tick(&f).actions, 0);
    f.now = t0 + 25 * HOUR; /* past the 24 h sign limit: only a is unsigned */
    struct sched_stats st = tick(&f);
    assert_int_equal(st.actions, 1);
    json_t *j = last_args(&f, a, ACT_URGE);
    assert_string_equal(arg_str(j, "kind"), "sign");
    json_decref(j);
    tick_again_changes_nothing(&f);
    fx_ok(&f, op, ACT_SIGN, a, "{}");

    /* 5 working days after Monday's dispatch (003 art. 13): a and c gave no feedback */
    f.now = T("2026-11-23T09:01");
    st = tick(&f);
    assert_int_equal(st.actions, 2);
    assert_int_equal(count_action(&f, b, ACT_URGE), 0);
    j = last_args(&f, c, ACT_URGE);
    assert_string_equal(arg_str(j, "kind"), "feedback");
    assert_string_equal(arg_str(j, "due"), "2026-11-23T09:00:00+08:00");
    json_decref(j);
    assert_int_equal(count_action(&f, a, ACT_URGE), 2);
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

/* The urges of kind `kind` an order has. */
static int kind_count;
static const char *kind_wanted;
static int count_kind_one(void *ctx, const struct event *ev)
{
    (void)ctx;
    const char *k =
        json_string_value(json_object_get(json_object_get(ev->payload, "args"), "kind"));
    if (ev->action == ACT_URGE && k && strcmp(k, kind_wanted) == 0)
        kind_count++;
    return 0;
}
static int urges_of_kind(struct fixture *f, int64_t id, const char *kind)
{
    kind_count = 0;
    kind_wanted = kind;
    assert_int_equal(f->store->ops->event_each(f->store, id, count_kind_one, NULL), 0);
    return kind_count;
}

/* tianning-2013 (003 art. 13(1)): the 5-working-day feedback limit is its own timer with its own
 * urge, also where it coincides with the handling deadline (5 working days there too) or comes
 * after a shorter one; an extension asked with its reason is feedback and moves nothing of it;
 * a reopen starts it again. */
static void test_tianning_feedback_timer(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "feedback.db", "tianning-2013", "2026-11-16T09:00:00+08:00"); /* Monday */
    const struct actor *op = fx_unit_actor(&f, 0, false);
    int64_t a = signed_order(&f);
    assert_time(deadline_of(&f, a), "2026-11-23T09:00:00+08:00"); /* the deadline: 5 wd */
    int64_t b = signed_order(&f);
    char args[200], until[40];
    jtime_format(deadline_of(&f, b) + 3 * DAY, until, sizeof until);
    snprintf(args, sizeof args, "{\"until\":\"%s\",\"reason\":\"需协调产权单位，不能按时办结\"}",
             until);
    fx_ok(&f, op, ACT_EXTENSION_REQUEST, b, args);
    int64_t c = fx_new_filed(&f); /* a 交办件 with a shorter limit of its own */
    snprintf(args, sizeof args, "{\"unit_id\":%lld,\"deadline\":\"2026-11-18T09:00:00+08:00\"}",
             (long long)f.unit_street[0]);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, c, args);
    fx_ok(&f, op, ACT_SIGN, c, "{}");

    f.now = T("2026-11-23T08:59");
    tick(&f);
    assert_int_equal(urges_of_kind(&f, a, "feedback"), 0); /* not before its time */
    assert_int_equal(urges_of_kind(&f, c, "feedback"), 0);
    f.now = T("2026-11-23T09:01");
    tick(&f);
    /* a: the deadline's urge and, its own, the feedback urge at the same instant */
    assert_int_equal(urges_of_kind(&f, a, "feedback"), 1);
    assert_int_equal(urges_of_kind(&f, a, "share"), 2); /* 0.8 at 08:59, 1 at 09:01 */
    json_t *j = last_args(&f, a, ACT_URGE);
    assert_string_equal(arg_str(j, "kind"), "feedback");
    assert_string_equal(arg_str(j, "due"), "2026-11-23T09:00:00+08:00");
    assert_non_null(strstr(arg_str(j, "note"), "5个工作日"));
    json_decref(j);
    assert_int_equal(urges_of_kind(&f, b, "feedback"), 0); /* it reported the reason */
    assert_int_equal(urges_of_kind(&f, c, "feedback"), 1); /* after its shorter deadline */
    tick_again_changes_nothing(&f);

    /* a replies, is reviewed and reopened: the feedback timer starts again from the reopen */
    fx_ok(&f, op, ACT_REPLY, a,
          "{\"result\":\"已处理\",\"closure\":\"resolved\",\"responsible\":\"王科长\"}");
    fx_ok(&f, &f.as[ROLE_REVIEWER], ACT_REVIEW, a, "{\"pass\":true}");
    fx_ok(&f, &f.as[ROLE_CALLBACK], ACT_CALLBACK, a,
          "{\"contacted\":true,\"solved\":false,\"satisfaction\":\"unsatisfied\"}");
    f.now = T("2026-11-24T10:00");
    fx_ok(&f, &f.as[ROLE_CALLBACK], ACT_REOPEN, a, "{\"reason\":\"仍未解决\"}");
    f.now = T("2026-12-01T09:59");
    tick(&f);
    assert_int_equal(urges_of_kind(&f, a, "feedback"), 1);
    f.now = T("2026-12-01T10:01");
    tick(&f);
    assert_int_equal(urges_of_kind(&f, a, "feedback"), 2);
    j = last_args(&f, a, ACT_URGE);
    assert_string_equal(arg_str(j, "due"), "2026-12-01T10:00:00+08:00");
    json_decref(j);
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

/* An extension moves the deadline; the order is force-closed forced_close_hours (48 h,
 * 000 art. 19(4)) after the new deadline, and nothing is overdue before it. */
static void test_extended_then_forced_closed(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "forced.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    int64_t old = deadline_of(&f, id);
    f.now = t0 + DAY;
    char args[160], until[40];
    jtime_format(old + 3 * DAY, until, sizeof until);
    snprintf(args, sizeof args, "{\"until\":\"%s\",\"reason\":\"需协调产权单位\"}", until);
    fx_ok(&f, fx_unit_actor(&f, 0, false), ACT_EXTENSION_REQUEST, id, args);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_EXTENSION_DECIDE, id, "{\"approve\":true}");
    int64_t due = deadline_of(&f, id);
    assert_int_equal(due, old + 3 * DAY);

    f.now = old + HOUR; /* past the old deadline only */
    tick(&f);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 0);
    assert_int_equal(count_action(&f, id, ACT_SUPERVISE), 0);
    tick_again_changes_nothing(&f);

    f.now = due + HOUR;
    tick(&f);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 1);
    assert_int_equal(count_action(&f, id, ACT_SUPERVISE), 1);
    tick_again_changes_nothing(&f);

    f.now = due + 47 * HOUR; /* the supervision went unanswered: an urge, no closure yet */
    tick(&f);
    assert_int_equal(count_action(&f, id, ACT_FORCE_CLOSE), 0);
    json_t *j = last_args(&f, id, ACT_URGE);
    assert_string_equal(arg_str(j, "kind"), "supervision");
    json_decref(j);

    f.now = due + 48 * HOUR;
    struct sched_stats st = tick(&f);
    assert_int_equal(st.by_action[ACT_FORCE_CLOSE], 1);
    struct order o;
    fx_get(&f, id, &o);
    assert_int_equal(o.status, ST_CLOSED);
    assert_int_equal(o.close_kind, CK_FORCED);
    assert_int_equal(o.closed_at, due + 48 * HOUR);
    assert_int_equal(o.extensions, 1);
    order_release(&o);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 1);
    tick_again_changes_nothing(&f);
    assert_replays(&f, id);
    fixture_close(&f);
}

static int count_overdue(void *ctx, const struct order *o)
{
    (void)o;
    (*(int *)ctx)++;
    return 0;
}

/* An approved hanging account (004) is never overdue, urged or force-closed; lifting it adds
 * the time it hung to the deadline. */
static void test_hanging_account_never_overdue(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "hang.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    int64_t due = deadline_of(&f, id);
    const struct actor *op = fx_unit_actor(&f, 0, false);
    f.now = t0 + DAY;
    /* the plan's expected date lies beyond the test, and progress is reported every 20 days
     * (the interval is 30): nothing but the suspension is at work here */
    fx_ok(&f, op, ACT_HANG_REQUEST, id,
          "{\"scope\":\"老旧管网改造\",\"plan\":\"列入明年计划\","
          "\"expected\":\"2027-12-31T18:00:00+08:00\"}");
    f.now = t0 + 2 * DAY;
    fx_ok(&f, &f.as[ROLE_SUPERVISOR], ACT_HANG_DECIDE, id, "{\"approve\":true}");
    for (int d = 10; d <= 60; d += 10) {
        f.now = t0 + d * DAY;
        if (d % 20 == 0)
            fx_ok(&f, op, ACT_HANG_PROGRESS, id, "{\"progress\":\"按计划推进\"}");
        assert_int_equal(tick(&f).actions, 0);
        struct order_query q = {.overdue = 1, .now = f.now, .type = -1, .level = -1, .limit = 10};
        int n = 0;
        char cursor[64];
        assert_int_equal(
            f.store->ops->order_query(f.store, &q, count_overdue, &n, cursor, sizeof cursor), 0);
        assert_int_equal(n, 0);
        struct order o;
        fx_get(&f, id, &o);
        struct deadline_state ds;
        deadline_state(&f.en.policy, f.en.cal, &o, f.now, &ds);
        assert_true(ds.suspended);
        assert_false(ds.overdue);
        assert_int_equal(ds.left, due - (t0 + 2 * DAY)); /* the clock stopped at the approval */
        order_release(&o);
    }
    f.now = t0 + 60 * DAY;
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_HANG_LIFT, id,
          "{\"result\":\"管网改造完成\",\"note\":\"改造完成\"}");
    int64_t moved = deadline_of(&f, id);
    assert_int_equal(moved, due + 58 * DAY);
    f.now += HOUR;
    tick(&f);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 0);
    f.now = moved + HOUR;
    tick(&f);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 1);
    assert_replays(&f, id);
    fixture_close(&f);
}

/* How many orders a list query gives. */
static int list_count(struct fixture *f, struct order_query *q)
{
    int n = 0;
    char cursor[64];
    assert_int_equal(
        f->store->ops->order_query(f->store, q, count_overdue, &n, cursor, sizeof cursor), 0);
    return n;
}

/* Takes in and files an order of the given type and level (enterprise or not), with `extra`
 * JSON members added to the intake ("" for none); returns its id. */
static int64_t take_in(struct fixture *f, const char *type, const char *level, bool enterprise,
                       const char *extra)
{
    char args[768];
    snprintf(args, sizeof args,
             "{\"channel\":\"hotline-12345\",\"type\":\"%s\",\"level\":\"%s\","
             "\"enterprise\":%s,\"title\":\"供水中断\",\"text\":\"整栋楼停水。\","
             "\"citizen_name\":\"王女士\",\"citizen_phone\":\"13800002222\","
             "\"address\":\"和平里5号\",\"category_id\":%lld,\"region_id\":%lld%s}",
             type, level, enterprise ? "true" : "false", (long long)f->cat_leaf,
             (long long)f->community, extra);
    int64_t id = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0, args);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, id, "{}");
    return id;
}

/* The tier and the handling limit (deadline - dispatch) of an order dispatched now. */
static int64_t dispatched_limit(struct fixture *f, int64_t id, int *tier)
{
    dispatch_to(f, id, f->unit_street[0]);
    struct order o;
    fx_get(f, id, &o);
    *tier = o.tier;
    int64_t limit = o.deadline - o.dispatched_at;
    order_release(&o);
    return limit;
}

/* 004 (根据诉求的轻重缓急程度…原则上实行2小时、24小时、7天和15天四级处置模式;
 * 按照…诉求类型，实行差异化 管理; 畅通政企沟通“绿色通道”): under beijing-2020 the tier follows
 * urgency and type, and the enterprise green channel has its own tier and queue; a tier given by
 * hand wins. Under dongcheng-2016 (000 art. 8 sets limits per order) no tier follows.
 * limit_overrides take the type and the enterprise flag as criteria; malformed rules are refused
 * naming the key. */
static void test_tiers_follow_urgency_and_type(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "tiers.db", "beijing-2020", "2026-11-16T09:00:00+08:00");
    int tier;
    int64_t id = take_in(&f, "help", "urgent", false, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 2 * HOUR);
    assert_int_equal(tier, TIER_H2);
    id = take_in(&f, "complaint", "urgent", false, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 24 * HOUR);
    assert_int_equal(tier, TIER_H24);
    id = take_in(&f, "consult", "major", false, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 7 * DAY);
    assert_int_equal(tier, TIER_D7);
    int64_t ent = take_in(&f, "complaint", "general", true, ""); /* the green channel */
    assert_int_equal(dispatched_limit(&f, ent, &tier), 7 * DAY);
    assert_int_equal(tier, TIER_D7);
    id = take_in(&f, "complaint", "general", false, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 15 * DAY);
    assert_int_equal(tier, TIER_D15);
    id = take_in(&f, "help", "urgent", false, ",\"tier\":\"24h\""); /* given by hand */
    assert_int_equal(dispatched_limit(&f, id, &tier), 24 * HOUR);
    /* filing with a new urgency gives the new tier */
    char args[96];
    snprintf(args, sizeof args,
             "{\"channel\":\"web\",\"type\":\"help\",\"title\":\"t\",\"text\":\"x\","
             "\"address\":\"a\"}");
    id = fx_ok(&f, &f.as[ROLE_AGENT], ACT_INTAKE, 0, args);
    fx_ok(&f, &f.as[ROLE_AGENT], ACT_FILE, id, "{\"level\":\"urgent\"}");
    assert_int_equal(dispatched_limit(&f, id, &tier), 2 * HOUR);
    /* the green channel's queue: enterprise requests only */
    struct order_query q = {
        .overdue = -1, .enterprise = true, .type = -1, .level = -1, .limit = 50};
    assert_int_equal(list_count(&f, &q), 1);
    q.enterprise = false;
    assert_int_equal(list_count(&f, &q), 7);

    /* overrides by type and by enterprise: the most specific wins over the tier */
    set_policy(&f, "beijing-2020",
               "{\"limit_overrides\": [{\"type\": \"consult\", \"limit\": 3, \"unit\": "
               "\"workdays\"}, {\"enterprise\": true, \"level\": \"general\", \"limit\": 5, "
               "\"unit\": \"days\", \"sign_hours\": 1}]}");
    id = take_in(&f, "consult", "general", false, ""); /* Monday: 3 working days → Thursday */
    assert_int_equal(dispatched_limit(&f, id, &tier), 3 * DAY);
    id = take_in(&f, "complaint", "general", true, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 5 * DAY);
    struct order o;
    fx_get(&f, id, &o);
    assert_int_equal(o.sign_deadline - o.dispatched_at, HOUR);
    order_release(&o);
    id = take_in(&f, "help", "urgent", true, ""); /* no override names urgent: the 2 h tier */
    assert_int_equal(dispatched_limit(&f, id, &tier), 2 * HOUR);

    /* dongcheng-2016: the platform sets limits per order; no tier follows the level */
    set_policy(&f, "dongcheng-2016", NULL);
    id = take_in(&f, "help", "urgent", false, "");
    assert_int_equal(dispatched_limit(&f, id, &tier), 15 * DAY);
    assert_int_equal(tier, TIER_NONE);

    /* each preset sets its levels (000 art. 8): a level it does not use is refused */
    set_policy(&f, "tianning-2013", "{\"levels\": [\"general\", \"major\"]}");
    fx_refused(&f, &f.as[ROLE_AGENT], ACT_INTAKE, 0,
               "{\"channel\":\"hotline-12345\",\"type\":\"help\",\"level\":\"urgent\","
               "\"title\":\"供水中断\",\"text\":\"整栋楼停水。\"}",
               -JS_ERULE);
    id = take_in(&f, "help", "major", false, "");
    assert_true(id > 0);
    fixture_close(&f);
    expect_policy_error("{\"levels\": []}", -JS_ETYPE, "levels");
    expect_policy_error("{\"levels\": [\"general\", \"critical\"]}", -JS_EINVAL, "levels");
    expect_policy_error("{\"levels\": [\"major\", \"major\"]}", -JS_EINVAL, "levels");

    expect_policy_error("{\"tier_rules\": [{\"tier\": \"2h\"}]}", -JS_EINVAL, "tier_rules[0]");
    expect_policy_error("{\"tier_rules\": [{\"level\": \"urgent\"}]}", -JS_EMISSING,
                        "tier_rules[0].tier");
    expect_policy_error("{\"tier_rules\": [{\"level\": \"urgent\", \"tier\": \"none\"}]}",
                        -JS_EINVAL, "tier_rules[0].tier");
    expect_policy_error("{\"tier_rules\": [{\"type\": \"gossip\", \"tier\": \"2h\"}]}", -JS_EINVAL,
                        "tier_rules[0].type");
    expect_policy_error("{\"tier_rules\": [{\"level\": \"urgent\", \"tier\": \"2h\", "
                        "\"when\": 1}]}",
                        -JS_EUNKNOWN_FIELD, "tier_rules[0].when");
    expect_policy_error("{\"limit_overrides\": [{\"enterprise\": false, \"limit\": 1, "
                        "\"unit\": \"days\"}]}",
                        -JS_EINVAL, "limit_overrides[0].enterprise");
    expect_policy_error("{\"limit_overrides\": [{\"type\": \"gossip\", \"limit\": 1, "
                        "\"unit\": \"days\"}]}",
                        -JS_EINVAL, "limit_overrides[0].type");
}

/* How many system events of `action` with args kind `kind` the order has, and the due of the
 * last one in *due (ISO text, "" when none). */
struct sys_kind_count {
    int action;
    const char *kind;
    int n;
    char due[40];
};

static int sys_kind_one(void *ctx, const struct event *ev)
{
    struct sys_kind_count *k = ctx;
    const json_t *args = json_object_get(ev->payload, "args");
    const char *kind = json_string_value(json_object_get(args, "kind"));
    if (ev->action == k->action && ev->actor.role == ROLE_SYSTEM && kind &&
        strcmp(kind, k->kind) == 0) {
        k->n++;
        const char *due = json_string_value(json_object_get(args, "due"));
        snprintf(k->due, sizeof k->due, "%s", due ? due : "");
    }
    return 0;
}

static int count_kind(struct fixture *f, int64_t id, int action, const char *kind, char *due)
{
    struct sys_kind_count k = {action, kind, 0, ""};
    assert_int_equal(f->store->ops->event_each(f->store, id, sys_kind_one, &k), 0);
    if (due)
        memcpy(due, k.due, sizeof k.due);
    return k.n;
}

/* 004 挂账 (完善挂账销账和监督提醒机制), beijing-2020: the plan's expected date is kept; the unit
 * is reminded hang_remind_days (7) before it and supervised once it has passed; a progress report
 * is urged hang_progress_days (30) after the approval or the last report; each once. The account
 * is listed as 挂账 (hanging=true), never as overdue; lifting names its result. With both
 * intervals off (0) there is no reminder and no report urge, only the supervision. */
static void test_hanging_account_chased(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "hang_chase.db", "beijing-2020", "2026-11-16T09:00:00+08:00");
    assert_int_equal(f.en.policy.hang_remind_days, 7);
    assert_int_equal(f.en.policy.hang_progress_days, 30);
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    int64_t other = signed_order(&f); /* the same limit, not hanging: it becomes overdue */
    const struct actor *op = fx_unit_actor(&f, 0, false);
    int64_t expected = t0 + 60 * DAY;
    char iso[40], args[256], due[40];
    jtime_format(expected, iso, sizeof iso);
    snprintf(args, sizeof args,
             "{\"scope\":\"供热管网老化\",\"plan\":\"列入明年管网改造\",\"expected\":\"%s\"}", iso);
    f.now = t0 + DAY;
    fx_refused(&f, op, ACT_HANG_REQUEST, id, "{\"scope\":\"供热管网老化\",\"plan\":\"改造\"}",
               -JS_EMISSING);
    fx_ok(&f, op, ACT_HANG_REQUEST, id, args);
    f.now = t0 + 2 * DAY;
    fx_ok(&f, &f.as[ROLE_SUPERVISOR], ACT_HANG_DECIDE, id, "{\"approve\":true}");
    struct order o;
    fx_get(&f, id, &o);
    assert_int_equal(o.hang_expected, expected);
    order_release(&o);

    f.now = t0 + 20 * DAY; /* past the 15-day limit: the other order is overdue, this one not */
    tick(&f);
    assert_int_equal(count_action(&f, other, ACT_MARK_OVERDUE), 1);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 0);
    assert_int_equal(count_action(&f, id, ACT_URGE) + count_action(&f, id, ACT_SUPERVISE), 0);
    struct order_query q = {.overdue = 1, .now = f.now, .type = -1, .level = -1, .limit = 10};
    assert_int_equal(list_count(&f, &q), 1); /* only the other one */
    struct order_query h = {.overdue = -1, .hanging = true, .type = -1, .level = -1, .limit = 10};
    assert_int_equal(list_count(&f, &h), 1); /* listed as 挂账 */
    h.overdue = 1, h.now = f.now;
    assert_int_equal(list_count(&f, &h), 0); /* never as overdue */

    /* a progress report is due 30 days after the approval */
    f.now = t0 + 31 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "hang_report", NULL), 0);
    f.now = t0 + 32 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "hang_report", due), 1);
    assert_time(T(due), "2026-12-18T09:00:00+08:00");
    tick_again_changes_nothing(&f);
    f.now = t0 + 33 * DAY;
    fx_ok(&f, op, ACT_HANG_PROGRESS, id, "{\"progress\":\"改造方案已报批\"}");

    /* reminded 7 days before the expected date, once */
    f.now = expected - 8 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "hang_remind", NULL), 0);
    f.now = expected - 7 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "hang_remind", due), 1);
    assert_int_equal(T(due), expected);
    tick_again_changes_nothing(&f);
    json_t *a = last_args(&f, id, ACT_URGE);
    assert_non_null(strstr(arg_str(a, "note"), "2027年1月15日")); /* the Chinese way */
    json_decref(a);

    /* the expected date passes without lifting: supervised once, still not overdue */
    f.now = expected + HOUR;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_SUPERVISE, "hang_expected", due), 1);
    assert_int_equal(T(due), expected);
    assert_int_equal(count_kind(&f, id, ACT_SUPERVISE, "overdue", NULL), 0);
    assert_int_equal(count_action(&f, id, ACT_MARK_OVERDUE), 0);
    tick_again_changes_nothing(&f);
    /* the next report falls 30 days after the last one */
    f.now = t0 + 63 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "hang_report", due), 2);
    assert_time(T(due), "2027-01-18T09:00:00+08:00");

    /* lifting names its result; the account leaves the 挂账 list */
    fx_refused(&f, op, ACT_HANG_LIFT, id, "{\"note\":\"已完成\"}", -JS_EMISSING);
    fx_ok(&f, op, ACT_HANG_LIFT, id, "{\"result\":\"管网改造完成，恢复供热\"}");
    assert_int_equal(list_count(&f, &h), 0);
    h.overdue = -1;
    assert_int_equal(list_count(&f, &h), 0);
    assert_replays(&f, id);

    /* both intervals off: no reminder and no report urge, the supervision stays */
    set_policy(&f, "beijing-2020", "{\"hang_remind_days\": 0, \"hang_progress_days\": 0}");
    t0 = f.now;
    int64_t id2 = signed_order(&f);
    expected = t0 + 40 * DAY;
    jtime_format(expected, iso, sizeof iso);
    snprintf(args, sizeof args,
             "{\"scope\":\"道路改建\",\"plan\":\"纳入年度计划\",\"expected\":\"%s\"}", iso);
    fx_ok(&f, op, ACT_HANG_REQUEST, id2, args);
    fx_ok(&f, &f.as[ROLE_SUPERVISOR], ACT_HANG_DECIDE, id2, "{\"approve\":true}");
    for (int d = 5; d <= 40; d += 5) {
        f.now = t0 + d * DAY;
        tick(&f);
    }
    assert_int_equal(count_action(&f, id2, ACT_URGE), 0);
    f.now = expected + HOUR;
    tick(&f);
    assert_int_equal(count_kind(&f, id2, ACT_SUPERVISE, "hang_expected", NULL), 1);
    fixture_close(&f);
}

/* 领导批示交办 (003 art. 13(2)), tianning-2013: the unit owes a written report by the due time;
 * once it has passed without one, the scheduler urges the report once (kind instruct); a report
 * in time is never urged. */
static void test_instruct_report_chased(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "instruct_chase.db", "tianning-2013", "2026-11-16T09:00:00+08:00");
    int64_t t0 = f.now;
    int64_t id = signed_order(&f);
    int64_t in_time = signed_order(&f);
    const struct actor *unit_leader = fx_unit_actor(&f, 0, true);
    char args[256], iso[40], due[40];
    jtime_format(t0 + 2 * DAY, iso, sizeof iso);
    snprintf(args, sizeof args, "{\"text\":\"请书面报告\",\"unit_id\":%lld,\"due\":\"%s\"}",
             (long long)f.unit_street[0], iso);
    fx_ok(&f, &f.as[ROLE_LEADER], ACT_INSTRUCT, id, args);
    fx_ok(&f, &f.as[ROLE_LEADER], ACT_INSTRUCT, in_time, args);
    f.now = t0 + DAY;
    fx_ok(&f, unit_leader, ACT_INSTRUCT_REPORT, in_time, "{\"report\":\"已办结，特此报告\"}");
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "instruct", NULL), 0); /* not due yet */
    f.now = t0 + 2 * DAY + HOUR;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "instruct", due), 1);
    assert_int_equal(T(due), t0 + 2 * DAY);
    json_t *a = last_args(&f, id, ACT_URGE);
    assert_non_null(strstr(arg_str(a, "note"), "2026年11月18日"));
    json_decref(a);
    assert_int_equal(count_kind(&f, in_time, ACT_URGE, "instruct", NULL), 0);
    tick_again_changes_nothing(&f);
    fx_ok(&f, unit_leader, ACT_INSTRUCT_REPORT, id, "{\"report\":\"迟报，已办结\"}");
    f.now = t0 + 3 * DAY;
    tick(&f);
    assert_int_equal(count_kind(&f, id, ACT_URGE, "instruct", NULL), 1); /* reported: no more */
    assert_replays(&f, id);
    fixture_close(&f);
}

struct fold_ctx {
    struct chase_facts *f;
    const struct order *o;
};

static int fold(void *ctx, const struct event *ev)
{
    struct fold_ctx *c = ctx;
    chase_facts_add(c->f, c->o, ev);
    return 0;
}

static int unanswered(struct fixture *f, int64_t id)
{
    struct order o;
    struct chase_facts facts;
    fx_get(f, id, &o);
    chase_facts_init(&facts);
    struct fold_ctx c = {&facts, &o};
    assert_int_equal(f->store->ops->event_each(f->store, id, fold, &c), 0);
    chase_facts_end(&facts, f->now);
    order_release(&o);
    return chase_unanswered(&facts);
}

/* 000 arts. 10 and 13: on every preset, every local time limit of an upstream order (the
 * handling deadline by each tier and by default, the sign limit, the feedback limit, the start of
 * the upstream supervision plus its answer) ends no later than the city's deadline less
 * upstream_margin_hours; an order without a city deadline keeps its local limits. */
static void test_upstream_limits_inside(void **state)
{
    (void)state;
    struct calendar *cal = shipped_calendar();
    const char *const presets[] = {"dongcheng-2016", "linshu-2020", "pingshan-2020",
                                   "tianning-2013", "beijing-2020"};
    const int tiers[] = {TIER_NONE, TIER_H2, TIER_H24, TIER_D7, TIER_D15};
    int64_t t = T("2026-11-09T10:00");
    for (size_t i = 0; i < JS_ARRAY_LEN(presets); i++) {
        struct policy p;
        struct order o;
        load_policy(&p, presets[i], NULL);
        assert_true(p.upstream_margin_hours > 0);
        order_init(&o);
        snprintf(o.channel, sizeof o.channel, "upstream");
        o.level = LEVEL_GENERAL;
        o.upstream_deadline = T("2026-11-12T18:00"); /* the city deadline of 11-12 */
        int64_t end = o.upstream_deadline - (int64_t)p.upstream_margin_hours * 3600;
        assert_int_equal(deadline_upstream_end(&p, &o), end);
        for (size_t k = 0; k < JS_ARRAY_LEN(tiers); k++) {
            int64_t d = deadline_limit(&p, cal, &o, tiers[k], t);
            assert_true(d > t);
            assert_true(d <= end);
            int64_t s = deadline_sign(&p, &o, tiers[k], t);
            assert_true(s <= end);
        }
        /* the 15-day default would end on 11-24: it ends at the city's less the margin */
        if (p.default_limit_unit == SPAN_DAYS && p.default_limit >= 15)
            assert_int_equal(deadline_limit(&p, cal, &o, TIER_NONE, t), end);
        assert_true(deadline_feedback(&p, cal, &o, t) <= end);
        int64_t sup = deadline_upstream_supervise_at(&p, &o);
        assert_true(sup > t);
        assert_true(sup + (int64_t)p.supervision_answer_hours * 3600 <= end);
        assert_true(sup <= o.upstream_deadline - (int64_t)p.upstream_supervise_hours * 3600);
        /* a later city deadline leaves the local limits alone */
        o.upstream_deadline = T("2027-06-01T18:00");
        o.channel[0] = '\0';
        int64_t far = deadline_limit(&p, cal, &o, TIER_NONE, t);
        o.upstream_deadline = 0;
        assert_int_equal(deadline_limit(&p, cal, &o, TIER_NONE, t), far);
        assert_int_equal(deadline_upstream_end(&p, &o), 0);
        assert_int_equal(deadline_upstream_supervise_at(&p, &o), 0);
        order_release(&o);
        policy_release(&p);
    }
    calendar_free(cal);
}

/* 000 art. 10: an upstream order not replied to is supervised before the city's deadline, early
 * enough that the unit's 24 h answer falls before that deadline less the margin (24 h in
 * dongcheng-2016): at 48 h before it; the unit must answer by then, else the supervision counts
 * as unanswered and is urged. */
static void test_upstream_supervision(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "upstream.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t t0 = f.now;
    char args[640], updue[40];
    jtime_format(t0 + 3 * DAY, updue, sizeof updue);
    snprintf(args, sizeof args,
             "{\"channel\":\"upstream\",\"upstream_id\":\"SJ-2026-0001\",\"upstream_deadline\":"
             "\"%s\",\"type\":\"complaint\",\"title\":\"路灯不亮\",\"text\":\"小区门口路灯不亮。\","
             "\"citizen_name\":\"李女士\",\"citizen_phone\":\"13900002222\",\"address\":"
             "\"多福巷3号\",\"category_id\":%lld,\"region_id\":%lld}",
             updue, (long long)f.cat_leaf, (long long)f.community);
    const struct actor *agent = &f.as[ROLE_AGENT];
    int64_t id = fx_ok(&f, agent, ACT_INTAKE, 0, args);
    fx_ok(&f, agent, ACT_VERIFY, id, "{}");
    fx_ok(&f, agent, ACT_FILE, id, "{}");
    dispatch_to(&f, id, f.unit_street[0]);
    fx_ok(&f, fx_unit_actor(&f, 0, false), ACT_SIGN, id, "{}");

    f.now = t0 + 3 * DAY - 49 * HOUR;
    assert_int_equal(tick(&f).actions, 0);
    f.now = t0 + 3 * DAY - 47 * HOUR;
    struct sched_stats st = tick(&f);
    assert_int_equal(st.by_action[ACT_SUPERVISE], 1);
    json_t *j = last_args(&f, id, ACT_SUPERVISE);
    assert_string_equal(arg_str(j, "kind"), "upstream");
    assert_string_equal(arg_str(j, "due"), updue);
    char end[40];
    jtime_format(t0 + 2 * DAY, end, sizeof end); /* 24 h answer capped at the city's less 24 h */
    assert_string_equal(arg_str(j, "answer_due"), end);
    json_decref(j);
    assert_int_equal(outbox_count(&f, id, OBK_SUPERVISION), 2);
    assert_int_equal(unanswered(&f, id), 0);
    tick_again_changes_nothing(&f);

    f.now += 25 * HOUR; /* the 24 h answer limit has passed */
    assert_int_equal(unanswered(&f, id), 1);
    st = tick(&f);
    j = last_args(&f, id, ACT_URGE);
    assert_string_equal(arg_str(j, "kind"), "supervision");
    json_decref(j);
    tick_again_changes_nothing(&f);
    fx_ok(&f, fx_unit_actor(&f, 0, false), ACT_SUPERVISE_ANSWER, id, "{\"answer\":\"已安排维修\"}");
    struct order o;
    fx_get(&f, id, &o);
    /* the local deadline (the city's less the margin) has passed too: supervised as overdue */
    assert_int_equal(o.deadline, t0 + 2 * DAY);
    assert_int_equal(o.supervisions_open, 1);
    order_release(&o);
    assert_int_equal(unanswered(&f, id), 1); /* answered late still counts (督办未回复) */
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

/* reply → review pass → callback unsatisfied → reopen (district). */
static void reopen_round(struct fixture *f, int64_t id)
{
    fx_ok(f, fx_unit_actor(f, 0, false), ACT_REPLY, id,
          "{\"result\":\"已处理\",\"closure\":\"resolved\",\"responsible\":\"王科长\"}");
    fx_ok(f, &f->as[ROLE_REVIEWER], ACT_REVIEW, id, "{\"pass\":true}");
    fx_ok(f, &f->as[ROLE_CALLBACK], ACT_CALLBACK, id,
          "{\"contacted\":true,\"solved\":false,\"satisfaction\":\"unsatisfied\"}");
    fx_ok(f, &f->as[ROLE_CALLBACK], ACT_REOPEN, id, "{\"reason\":\"问题仍未解决\"}");
}

/* 001 §二(五)(六), §三(一): reopened orders are supervised; reopened twice → a hint (提示) to the
 * unit's contacts, three times → a warning (警示) and a special report (专报). */
static void test_reopen_warnings_and_special_report(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "reopen.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = signed_order(&f);
    f.now += HOUR;
    reopen_round(&f, id);
    struct sched_stats st = tick(&f);
    assert_int_equal(st.by_action[ACT_SUPERVISE], 1);
    assert_int_equal(st.by_action[ACT_WARN], 0);
    json_t *j = last_args(&f, id, ACT_SUPERVISE);
    assert_string_equal(arg_str(j, "kind"), "reopened");
    json_decref(j);
    tick_again_changes_nothing(&f);

    f.now += HOUR;
    reopen_round(&f, id);
    st = tick(&f);
    assert_int_equal(st.by_action[ACT_SUPERVISE], 1);
    assert_int_equal(st.by_action[ACT_WARN], 1);
    assert_int_equal(st.by_action[ACT_SPECIAL_REPORT], 0);
    j = last_args(&f, id, ACT_WARN);
    assert_string_equal(arg_str(j, "kind"), "reopen");
    assert_string_equal(arg_str(j, "level"), "hint");
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 2);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "units"), 0)),
                     f.unit_street[0]);
    json_decref(j);
    /* warning letters to the three contacts of the unit (000 art. 6) */
    assert_int_equal(outbox_count(&f, id, OBK_WARNING), 3);
    tick_again_changes_nothing(&f);

    f.now += HOUR;
    reopen_round(&f, id);
    st = tick(&f);
    assert_int_equal(st.by_action[ACT_WARN], 1);
    assert_int_equal(st.by_action[ACT_SPECIAL_REPORT], 1);
    j = last_args(&f, id, ACT_WARN);
    assert_string_equal(arg_str(j, "level"), "warning");
    json_decref(j);
    j = last_args(&f, id, ACT_SPECIAL_REPORT);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 3);
    json_decref(j);
    tick_again_changes_nothing(&f);

    struct event_list l;
    struct timers_event_query q = {.action = ACT_WARN, .unit_id = f.unit_street[0], .limit = 50};
    event_list_init(&l);
    assert_int_equal(timers_events(f.store, &q, &l), 0);
    assert_int_equal(l.n, 2);
    event_list_release(&l);
    q.unit_id = f.unit_street[1];
    assert_int_equal(timers_events(f.store, &q, &l), 0);
    assert_int_equal(l.n, 0);
    event_list_release(&l);
    q = (struct timers_event_query){.action = ACT_SPECIAL_REPORT, .limit = 50};
    assert_int_equal(timers_events(f.store, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].order_id, id);
    event_list_release(&l);
    assert_replays(&f, id);
    fixture_close(&f);
}

/* Perfunctory work: a reply failed twice at review → a hint. */
static void test_rework_warning(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "rework.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = signed_order(&f);
    const char *reply =
        "{\"result\":\"已处理\",\"closure\":\"resolved\",\"responsible\":\"王科长\"}";
    for (int i = 0; i < 2; i++) {
        fx_ok(&f, fx_unit_actor(&f, 0, false), ACT_REPLY, id, reply);
        fx_ok(&f, &f.as[ROLE_REVIEWER], ACT_REVIEW, id,
              "{\"pass\":false,\"reason\":\"未附现场照片\",\"not_closed_reason\":\"unhandled\"}");
        struct sched_stats st = tick(&f);
        assert_int_equal(st.by_action[ACT_WARN], i == 1 ? 1 : 0);
    }
    json_t *j = last_args(&f, id, ACT_WARN);
    assert_string_equal(arg_str(j, "kind"), "rework");
    assert_string_equal(arg_str(j, "level"), "hint");
    json_decref(j);
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

/* Several citizens about one problem (not filed as duplicates, or merged): the order is
 * supervised as repeated, and with 3 citizens the unit gets a hint. */
static void test_duplicate_warning(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "dups.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t master = signed_order(&f);
    const struct actor *agent = &f.as[ROLE_AGENT];
    char args[200];
    snprintf(
        args, sizeof args,
        "{\"reason\":\"duplicate\",\"duplicate_of\":%lld,\"explanation\":\"该问题已在办理中\"}",
        (long long)master);
    int64_t r1 = fx_ok(&f, agent, ACT_INTAKE, 0,
                       "{\"channel\":\"wechat\",\"type\":\"complaint\",\"title\":\"噪音\","
                       "\"text\":\"夜间施工\",\"citizen_name\":\"赵先生\",\"citizen_phone\":"
                       "\"13700003333\"}");
    int64_t r2 = fx_ok(&f, agent, ACT_INTAKE, 0,
                       "{\"channel\":\"web\",\"type\":\"complaint\",\"title\":\"噪音\","
                       "\"text\":\"夜间施工\",\"anonymous\":true}");
    fx_ok(&f, agent, ACT_NOT_FILE, r1, args);
    fx_ok(&f, agent, ACT_NOT_FILE, r2, args);
    /* the citizen who left a phone is told why (003 art. 10); the anonymous one is not */
    assert_int_equal(outbox_count(&f, r1, OBK_NOT_FILED), 1);
    assert_int_equal(outbox_count(&f, r2, OBK_NOT_FILED), 0);
    struct outbox_list l;
    struct outbox_query oq = {.state = -1, .kind = OBK_NOT_FILED, .order_id = r1, .limit = 5};
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f.store, &oq, &l), 0);
    assert_non_null(strstr(l.v[0].text, "该问题已在办理中"));
    assert_non_null(strstr(l.v[0].text, "重复投诉"));
    outbox_list_release(&l);

    struct sched_stats st = tick(&f);
    assert_int_equal(st.by_action[ACT_SUPERVISE], 1);
    assert_int_equal(st.by_action[ACT_WARN], 1);
    json_t *j = last_args(&f, master, ACT_WARN);
    assert_string_equal(arg_str(j, "kind"), "duplicate");
    assert_string_equal(arg_str(j, "level"), "hint");
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 3);
    json_decref(j);
    j = last_args(&f, master, ACT_SUPERVISE);
    assert_string_equal(arg_str(j, "kind"), "repeated");
    json_decref(j);
    tick_again_changes_nothing(&f);

    /* the master's own caller calling again is no new citizen (多人 counts people, issue 9):
     * supervised as repeated again, but no warning */
    int64_t again = fx_new_filed(&f);
    snprintf(args, sizeof args, "{\"orders\":[%lld]}", (long long)again);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_MERGE, master, args);
    st = tick(&f);
    assert_int_equal(st.by_action[ACT_WARN], 0);
    tick_again_changes_nothing(&f);

    /* a fourth citizen, merged into the master: a warning (警示) */
    int64_t r3 = fx_ok(&f, agent, ACT_INTAKE, 0,
                       "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":"
                       "\"噪音\",\"text\":\"夜间施工\",\"citizen_name\":\"钱女士\","
                       "\"citizen_phone\":\"13900004444\",\"address\":\"多福巷14号\"}");
    fx_ok(&f, agent, ACT_FILE, r3, "{}");
    snprintf(args, sizeof args, "{\"orders\":[%lld]}", (long long)r3);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_MERGE, master, args);
    st = tick(&f);
    assert_int_equal(st.by_action[ACT_WARN], 1);
    j = last_args(&f, master, ACT_WARN);
    assert_string_equal(arg_str(j, "level"), "warning");
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 4);
    json_decref(j);
    tick_again_changes_nothing(&f);
    fixture_close(&f);
}

/* ---- the outbox ------------------------------------------------------------------------------ */

/* Notices are queued in the transaction of the event that causes them, and only then. */
static void test_outbox_with_events(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "outbox.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = fx_new_filed(&f);
    assert_int_equal(outbox_count(&f, id, OBK_ACCEPTANCE), 1);
    struct outbox_list l;
    struct outbox_query q = {.state = -1, .kind = -1, .order_id = id, .limit = 50};
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].to_phone, "13800001111");
    assert_string_equal(l.v[0].to_role, "citizen");
    assert_int_equal(l.v[0].state, OBS_PENDING);
    assert_true(l.v[0].event_id > 0);
    struct order o;
    fx_get(&f, id, &o);
    assert_non_null(strstr(l.v[0].text, o.number));
    order_release(&o);
    outbox_list_release(&l);

    int64_t anon = fx_ok(&f, &f.as[ROLE_AGENT], ACT_INTAKE, 0,
                         "{\"channel\":\"web\",\"type\":\"consult\",\"title\":\"咨询\","
                         "\"text\":\"社保\",\"anonymous\":true}");
    assert_int_equal(outbox_count(&f, anon, -1), 0);

    /* a refused action queues nothing */
    int total = outbox_total(&f);
    fx_refused(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, "{\"unit_id\":999999}", -JS_EINVAL);
    assert_int_equal(outbox_total(&f), total);

    dispatch_to(&f, id, f.unit_street[0]);
    q.kind = OBK_HANDLING;
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_non_null(strstr(l.v[0].text, "东华门街道办事处"));
    assert_non_null(strstr(l.v[0].text, "2026-12-01 09:00")); /* the deadline, 15 days */
    outbox_list_release(&l);
    fixture_close(&f);
}

/* A webhook receiver on a loopback port: refuses with 503 while asked to, else records ids. */
struct receiver {
    struct http_server *srv;
    int port;
    atomic_int refuse;
    pthread_mutex_t lock;
    int got[256]; /* deliveries per message id */
    int total, refused;
    bool keys_ok;
};

static void receive(void *app, struct http_request *req, struct http_response *res)
{
    struct receiver *r = app;
    if (atomic_load(&r->refuse)) {
        pthread_mutex_lock(&r->lock);
        r->refused++;
        pthread_mutex_unlock(&r->lock);
        http_error(res, -JS_EBUSY, "", "gateway down");
        return;
    }
    json_t *doc = json_loads(req->body, 0, NULL);
    json_int_t id = json_integer_value(json_object_get(doc, "id"));
    const char *key = http_header(req, "Idempotency-Key");
    char want[64];
    snprintf(want, sizeof want, "jiesu-outbox-%lld", (long long)id);
    pthread_mutex_lock(&r->lock);
    if (!key || strcmp(key, want) != 0 || !json_object_get(json_object_get(doc, "to"), "phone") ||
        !json_is_string(json_object_get(doc, "text")))
        r->keys_ok = false;
    if (id > 0 && id < 256)
        r->got[id]++;
    r->total++;
    pthread_mutex_unlock(&r->lock);
    json_decref(doc);
    http_json(res, 200, json_pack("{sb}", "ok", 1));
}

static void receiver_start(struct receiver *r)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    r->keys_ok = true;
    struct http_server_config cfg = {
        .listen = "127.0.0.1:0", .threads = 2, .handler = receive, .app = r};
    struct js_error e;
    assert_int_equal(http_server_start(&cfg, &r->srv, &e), 0);
    r->port = http_server_port(r->srv);
}

static void receiver_stop(struct receiver *r)
{
    http_server_stop(r->srv);
    pthread_mutex_destroy(&r->lock);
}

static struct notify_stats deliver(struct store *s, int64_t now, const char *url, int max)
{
    struct notify_config cfg = {
        .gateway_url = url, .backoff_seconds = 60, .max_attempts = max, .timeout_ms = 3000};
    struct notify_stats st;
    struct js_error e;
    if (notify_deliver(s, now, &cfg, &st, &e))
        fail_msg("delivery failed: %s", e.message);
    return st;
}

static void outbox_get(struct store *s, int64_t id, struct outbox_msg *m)
{
    assert_int_equal(timers_outbox_get(s, id, m), 0);
}

/* The gateway refuses: messages stay pending with growing waits. It recovers: each message is
 * delivered exactly once. A restart in between loses nothing. */
static void test_outbox_delivery(void **state)
{
    (void)state;
    struct receiver r;
    receiver_start(&r);
    atomic_store(&r.refuse, 1);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/sms", r.port);

    struct fixture f;
    fixture_open(&f, "deliver.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t a = fx_new_filed(&f), b = fx_new_filed(&f);
    int64_t t0 = f.now;
    int64_t ids[2];
    struct outbox_list l;
    struct outbox_query q = {.state = OBS_PENDING, .kind = -1, .limit = 50};
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_int_equal(l.n, 2);
    ids[0] = l.v[0].id;
    ids[1] = l.v[1].id;
    assert_true(l.v[0].order_id == a || l.v[0].order_id == b);
    outbox_list_release(&l);

    int64_t now = t0, wait = 60;
    for (int attempt = 1; attempt <= 3; attempt++) {
        struct notify_stats st = deliver(f.store, now, url, 12);
        assert_int_equal(st.claimed, 2);
        assert_int_equal(st.retried, 2);
        assert_int_equal(st.sent, 0);
        for (int i = 0; i < 2; i++) {
            struct outbox_msg m;
            outbox_get(f.store, ids[i], &m);
            assert_int_equal(m.state, OBS_PENDING);
            assert_int_equal(m.attempts, attempt);
            assert_int_equal(m.next_at, now + wait); /* 60, 120, 240: exponential backoff */
            assert_non_null(strstr(m.last_error, "503"));
        }
        /* not due again before the wait is over */
        assert_int_equal(deliver(f.store, now + wait - 1, url, 12).claimed, 0);
        now += wait;
        wait *= 2;
    }
    assert_int_equal(r.refused, 6);

    /* restart: close and reopen the store; the messages are still there */
    fixture_close(&f);
    struct store *s;
    struct js_error e;
    assert_int_equal(store_open(f.db, &s, &e), 0);
    assert_int_equal(s->ops->migrate(s, &e), 0);
    int64_t counts[OBS__COUNT];
    assert_int_equal(timers_outbox_counts(s, counts), 0);
    assert_int_equal(counts[OBS_PENDING], 2);

    atomic_store(&r.refuse, 0);
    struct notify_stats st = deliver(s, now, url, 12);
    assert_int_equal(st.sent, 2);
    assert_int_equal(deliver(s, now + DAY, url, 12).claimed, 0);
    assert_int_equal(r.total, 2);
    assert_int_equal(r.got[ids[0]], 1);
    assert_int_equal(r.got[ids[1]], 1);
    assert_true(r.keys_ok);
    for (int i = 0; i < 2; i++) {
        struct outbox_msg m;
        outbox_get(s, ids[i], &m);
        assert_int_equal(m.state, OBS_SENT);
        assert_int_equal(m.attempts, 4);
        assert_int_equal(m.sent_at, now);
        assert_string_equal(m.last_error, "");
    }

    /* a message that runs out of attempts fails, and can be sent again by hand */
    atomic_store(&r.refuse, 1);
    struct fixture g;
    fixture_open(&g, "deliver2.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    fx_new_filed(&g);
    q.state = -1;
    assert_int_equal(timers_outbox_list(g.store, &q, &l), 0);
    int64_t lone = l.v[0].id;
    outbox_list_release(&l);
    assert_int_equal(deliver(g.store, g.now, url, 2).retried, 1);
    st = deliver(g.store, g.now + 60, url, 2);
    assert_int_equal(st.failed, 1);
    struct outbox_msg m;
    outbox_get(g.store, lone, &m);
    assert_int_equal(m.state, OBS_FAILED);
    assert_int_equal(deliver(g.store, g.now + DAY, url, 2).claimed, 0);
    assert_int_equal(timers_outbox_retry(g.store, lone, g.now + DAY), 0);
    assert_int_equal(timers_outbox_retry(g.store, lone, g.now + DAY), -JS_ESTATE);
    atomic_store(&r.refuse, 0);
    assert_int_equal(deliver(g.store, g.now + DAY, url, 2).sent, 1);
    fixture_close(&g);
    store_close(s);
    receiver_stop(&r);
}

/* A message claimed by another deliverer is left alone until its lease ends. */
static void test_outbox_lease(void **state)
{
    (void)state;
    struct receiver r;
    receiver_start(&r);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/sms", r.port);
    struct fixture f;
    fixture_open(&f, "lease.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    fx_new_filed(&f);
    struct outbox_list held;
    outbox_list_init(&held);
    assert_int_equal(timers_outbox_claim(f.store, f.now, 120, 10, &held), 0);
    assert_int_equal(held.n, 1);
    assert_int_equal(deliver(f.store, f.now, url, 12).claimed, 0);
    assert_int_equal(deliver(f.store, f.now + 119, url, 12).claimed, 0);
    assert_int_equal(deliver(f.store, f.now + 120, url, 12).sent, 1);
    /* the first deliverer comes back late: the message is no longer pending */
    assert_int_equal(timers_outbox_sent(f.store, held.v[0].id, f.now + 121), -JS_ESTATE);
    assert_int_equal(r.total, 1);
    outbox_list_release(&held);
    /* a pass told to stop sends nothing more and gives its messages back at once */
    fx_new_filed(&f);
    atomic_bool cancel;
    atomic_init(&cancel, true);
    struct notify_config cfg = {.gateway_url = url, .cancel = &cancel};
    struct notify_stats st;
    struct js_error e;
    assert_int_equal(notify_deliver(f.store, f.now + 200, &cfg, &st, &e), 0);
    assert_int_equal(st.claimed, 1);
    assert_int_equal(st.sent, 0);
    assert_int_equal(deliver(f.store, f.now + 200, url, 12).sent, 1);
    assert_int_equal(r.total, 2);
    fixture_close(&f);
    receiver_stop(&r);
}

/* A whole tick: scheduler pass then delivery at the same instant, through the tick_run of
 * `jiesu tick` and of the server's thread. On PostgreSQL the tick also folds the dashboard's
 * counts the actions appended, so that they do not pile up when nobody reads the dashboard. */
static void test_tick_run(void **state)
{
    (void)state;
    struct receiver r;
    receiver_start(&r);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/sms", r.port);
    struct fixture f;
    fixture_open(&f, "tickrun.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = signed_order(&f);
    f.now += 16 * DAY;
    if (tu_pg())
        assert_true(tu_raw_int(f.db, "SELECT count(*) FROM order_stats_delta") > 0);
    else
        assert_null(f.store->ops->stats_fold); /* counted in place */
    struct tick_result res;
    struct js_error e;
    assert_int_equal(tick_run(f.store, &f.clock, url, NULL, &res, &e), 0);
    assert_string_equal(res.stats_error, "");
    if (tu_pg()) /* the overdue mark's counts too: the fold came after the scheduler's pass */
        assert_int_equal(tu_raw_int(f.db, "SELECT count(*) FROM order_stats_delta"), 0);
    assert_int_equal(res.sched.by_action[ACT_MARK_OVERDUE], 1);
    assert_int_equal(res.sched.now, f.now);
    /* acceptance + handling notice to the citizen, supervision notice to two contacts */
    assert_int_equal(res.notify.sent, 4);
    assert_int_equal(r.total, 4);
    assert_int_equal(tick_run(f.store, &f.clock, url, NULL, &res, &e), 0);
    assert_int_equal(res.sched.actions, 0);
    assert_int_equal(res.notify.claimed, 0);
    assert_int_equal(count_action(&f, id, ACT_SUPERVISE), 1);
    fixture_close(&f);
    receiver_stop(&r);
}

/* The server's scheduler thread starts, and stops promptly when asked. */
static void test_ticker_thread(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "ticker.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    struct ticker *t;
    struct js_error e;
    struct ticker_config cfg = {.db = f.db, .interval_seconds = 3600};
    assert_int_equal(ticker_start(&cfg, &t, &e), 0);
    nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ticker_stop(t);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true(b.tv_sec - a.tv_sec < 2);
    cfg.interval_seconds = 0;
    assert_int_equal(ticker_start(&cfg, &t, &e), -JS_EINVAL);
    fixture_close(&f);
}

/* ---- the API --------------------------------------------------------------------------------- */

struct reply {
    long status;
    json_t *body;
};

static size_t gather(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    buf_append(b, p, size * n);
    return size * n;
}

static struct reply call(int port, const char *method, const char *path, const char *token,
                         const char *body)
{
    CURL *c = curl_easy_init();
    struct buf out;
    struct curl_slist *h = NULL;
    char url[256], auth[128];
    buf_init(&out, 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    h = curl_slist_append(h, "Content-Type: application/json");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    struct reply r = {0, NULL};
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = out.len ? json_loads(out.data, 0, NULL) : NULL;
    buf_release(&out);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return r;
}

static char *login(int port, const char *user)
{
    char body[128];
    snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"secret-pass-1\"}", user);
    struct reply r = call(port, "POST", "/api/v1/auth/login", NULL, body);
    if (r.status != 200)
        fail_msg("login %s: %ld", user, r.status);
    char *token = strdup(json_string_value(json_object_get(r.body, "token")));
    json_decref(r.body);
    return token;
}

static void set_password(struct store *s, const char *login_name)
{
    struct user u;
    struct js_error e;
    assert_int_equal(s->ops->user_get_by_login(s, login_name, &u), 0);
    assert_int_equal(auth_password_hash("secret-pass-1", u.pwhash, &e), 0);
    assert_int_equal(s->ops->user_put(s, &u), 0);
}

static void test_api_routes(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "api.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    int64_t id = signed_order(&f);
    for (int i = 0; i < 2; i++) {
        f.now += HOUR;
        reopen_round(&f, id);
    }
    tick(&f); /* a warning and a supervision */
    set_password(f.store, "admin");
    set_password(f.store, "supervisor");
    set_password(f.store, "op0");
    set_password(f.store, "op1");

    struct app_config ac = {.db = f.db, .clock = &f.clock};
    struct app *app;
    struct js_error e;
    assert_int_equal(app_new(&ac, &app, &e), 0);
    struct http_server_config sc = {
        .listen = "127.0.0.1:0", .threads = 2, .handler = app_handle, .app = app};
    struct http_server *srv;
    assert_int_equal(http_server_start(&sc, &srv, &e), 0);
    int port = http_server_port(srv);
    char *admin = login(port, "admin"), *sup = login(port, "supervisor");
    char *op0 = login(port, "op0"), *op1 = login(port, "op1");

    /* the calendar: everyone reads it; flat lists for the screen, and the years */
    struct reply r = call(port, "GET", "/api/v1/calendar", op0, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_array_size(json_object_get(r.body, "holidays")) >= 61);
    assert_int_equal(json_array_size(json_object_get(r.body, "workdays")), 11);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/calendar/2026", op0, NULL);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "has_data")));
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/calendar/1999", op0, NULL);
    assert_int_equal(r.status, 404);
    json_decref(r.body);
    /* only an admin edits it; a bad day is refused naming the field */
    const char *y2027 = "{\"source\":\"本区试行\",\"holidays\":[{\"date\":\"2027-01-01\","
                        "\"name\":\"元旦\"}],\"workdays\":[]}";
    r = call(port, "PUT", "/api/v1/calendar/2027", sup, y2027);
    assert_int_equal(r.status, 403);
    json_decref(r.body);
    r = call(port, "PUT", "/api/v1/calendar/2027", admin,
             "{\"holidays\":[],\"workdays\":[\"2027-01-04\"]}");
    assert_int_equal(r.status, 422);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.body, "error"), "field")),
        "workdays[0]");
    json_decref(r.body);
    r = call(port, "PUT", "/api/v1/calendar/2027", admin, y2027);
    assert_int_equal(r.status, 200);
    assert_true(json_is_true(json_object_get(r.body, "edited")));
    json_decref(r.body);
    /* the engines use it: the edit is in the store's setting, loaded by engine_init */
    assert_int_equal(engine_reload_calendar(&f.en, &e), 0);
    assert_false(calendar_is_workday(f.en.cal, jtime_local_day(T("2027-01-01"))));
    /* the flat form of the calendar screen: toggling a day keeps the names of the others */
    r = call(port, "GET", "/api/v1/calendar", admin, NULL);
    json_t *hol = json_deep_copy(json_object_get(r.body, "holidays"));
    json_t *work = json_deep_copy(json_object_get(r.body, "workdays"));
    json_decref(r.body);
    json_array_append_new(hol, json_string("2026-03-02"));
    json_array_append_new(work, json_string("2026-02-15")); /* a holiday Sunday made to work */
    json_t *flat = json_pack("{so so}", "holidays", hol, "workdays", work);
    char *flat_text = json_dumps(flat, 0);
    r = call(port, "PUT", "/api/v1/calendar", admin, flat_text);
    assert_int_equal(r.status, 200);
    json_decref(r.body);
    free(flat_text);
    json_decref(flat);
    r = call(port, "GET", "/api/v1/calendar/2026", admin, NULL);
    json_t *first = json_array_get(json_object_get(r.body, "holidays"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "name")), "元旦");
    assert_int_equal(json_array_size(json_object_get(r.body, "holidays")), 33);
    assert_int_equal(json_array_size(json_object_get(r.body, "workdays")), 7);
    json_decref(r.body);
    r = call(port, "DELETE", "/api/v1/calendar/2026", admin, NULL);
    assert_int_equal(r.status, 200);
    assert_false(json_is_true(json_object_get(r.body, "edited")));
    assert_int_equal(json_array_size(json_object_get(r.body, "holidays")), 33);
    json_decref(r.body);

    /* the outbox: staff only; the citizen's number is masked */
    r = call(port, "GET", "/api/v1/outbox?kind=acceptance", op0, NULL);
    assert_int_equal(r.status, 403);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/outbox?kind=acceptance", sup, NULL);
    assert_int_equal(r.status, 200);
    json_t *m0 = json_array_get(json_object_get(r.body, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(m0, "state")), "pending");
    assert_string_equal(json_string_value(json_object_get(json_object_get(m0, "to"), "phone")),
                        "138****1111");
    assert_true(json_integer_value(json_object_get(json_object_get(r.body, "counts"), "pending")) >=
                4);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/outbox?state=lost", sup, NULL);
    assert_int_equal(r.status, 422);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/outbox?colour=red", sup, NULL);
    assert_int_equal(r.status, 400);
    json_decref(r.body);
    r = call(port, "POST", "/api/v1/outbox/1/retry", admin, "{}");
    assert_int_equal(r.status, 409); /* pending, not failed */
    json_decref(r.body);

    /* warnings: the platform sees them all, a unit only its own */
    r = call(port, "GET", "/api/v1/warnings", sup, NULL);
    assert_int_equal(r.status, 200);
    json_t *items = json_object_get(r.body, "items");
    assert_int_equal(json_array_size(items), 1);
    json_t *w = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(w, "kind")), "reopen");
    assert_string_equal(json_string_value(json_object_get(w, "level_label")), "提示");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(w, "units"), 0), "name")),
        "东华门街道办事处");
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/warnings", op0, NULL);
    assert_int_equal(json_array_size(json_object_get(r.body, "items")), 1);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/warnings?unit_id=1", op1, NULL);
    assert_int_equal(json_array_size(json_object_get(r.body, "items")), 0);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/special-reports", sup, NULL);
    assert_int_equal(r.status, 200);
    assert_int_equal(json_array_size(json_object_get(r.body, "items")), 0);
    json_decref(r.body);
    r = call(port, "GET", "/api/v1/special-reports", op0, NULL);
    assert_int_equal(r.status, 403);
    json_decref(r.body);

    /* every route is described in the OpenAPI document */
    r = call(port, "GET", "/api/v1/openapi.json", NULL, NULL);
    assert_int_equal(r.status, 200);
    json_t *paths = json_object_get(r.body, "paths");
    static const char *const mine[][2] = {
        {"/api/v1/calendar", "put"}, {"/api/v1/calendar/{year}", "delete"},
        {"/api/v1/outbox", "get"},   {"/api/v1/outbox/{id}/retry", "post"},
        {"/api/v1/warnings", "get"}, {"/api/v1/special-reports", "get"}};
    for (size_t i = 0; i < JS_ARRAY_LEN(mine); i++) {
        json_t *op = json_object_get(json_object_get(paths, mine[i][0]), mine[i][1]);
        if (!op || json_is_true(json_object_get(op, "x-undocumented")))
            fail_msg("%s %s is not documented", mine[i][1], mine[i][0]);
    }
    json_decref(r.body);

    free(admin);
    free(sup);
    free(op0);
    free(op1);
    http_server_stop(srv);
    app_free(app);
    fixture_close(&f);
}

/* ---- the commands ------------------------------------------------------------------------------
 */

/* Runs a shell command and returns its first line of output (static buffer). */
static const char *run_cmd(const char *cmd, int *status)
{
    static char line[8192];
    line[0] = '\0';
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    char rest[512];
    while (fgets(rest, sizeof rest, p))
        ;
    *status = pclose(p);
    return line;
}

static void test_commands(void **state)
{
    (void)state;
    const char *bin = getenv("JIESU_BIN");
    if (!bin) /* ctest names the binary; without it this test fails rather than skips */
        fail_msg("JIESU_BIN is not set: run this test through ctest, or set JIESU_BIN to the "
                 "jiesu binary");
    struct fixture f;
    fixture_open(&f, "cli.db", "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    signed_order(&f);
    fixture_close(&f);
    char cmd[4096];
    int status;
    snprintf(cmd, sizeof cmd, "%s tick --db '%s' --now 2026-12-02T10:00 2>&1", bin, f.db);
    json_t *j = json_loads(run_cmd(cmd, &status), 0, NULL);
    assert_int_equal(status, 0);
    assert_non_null(j);
    /* past the deadline and the feedback limit: the urges at the deadline and for feedback, the
     * overdue flag, the supervision */
    assert_int_equal(json_integer_value(json_object_get(j, "actions")), 4);
    json_t *by = json_object_get(j, "by_action");
    assert_int_equal(json_integer_value(json_object_get(by, "mark_overdue")), 1);
    assert_int_equal(json_integer_value(json_object_get(by, "urge")), 2);
    assert_int_equal(json_integer_value(json_object_get(by, "supervise")), 1);
    json_decref(j);
    j = json_loads(run_cmd(cmd, &status), 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "actions")), 0);
    json_decref(j);
    snprintf(cmd, sizeof cmd, "%s tick --db '%s' --now yesterday 2>&1", bin, f.db);
    run_cmd(cmd, &status);
    assert_int_equal(WEXITSTATUS(status), 2);

    snprintf(cmd, sizeof cmd,
             "%s calendar --db '%s' --holiday 2026-03-02 --name 本地假日 >/dev/null 2>&1 && "
             "%s calendar --db '%s' --year 2026 | tr -d ' \\n'",
             bin, f.db, bin, f.db);
    const char *out = run_cmd(cmd, &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "\"date\":\"2026-03-02\",\"name\":\"本地假日\""));
    assert_non_null(strstr(out, "\"edited\":true"));
    snprintf(cmd, sizeof cmd, "%s calendar --db '%s' --workday 2026-03-03 2>&1", bin, f.db);
    out = run_cmd(cmd, &status);
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_non_null(strstr(out, "调休上班日"));
    snprintf(cmd, sizeof cmd,
             "%s calendar --db '%s' --year 2026 --reset >/dev/null && %s calendar --db '%s' | grep "
             "'^2026'",
             bin, f.db, bin, f.db);
    out = run_cmd(cmd, &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "随附日历"));
    /* the State Council's notice, read into a year; one of another year refused */
    char notice[] = "/tmp/jiesu-notice-XXXXXX";
    int nfd = mkstemp(notice);
    assert_true(nfd >= 0);
    close(nfd);
    FILE *nf = fopen(notice, "w");
    assert_non_null(nf);
    fputs("国务院办公厅关于2027年部分节假日安排的通知\n"
          "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n"
          "二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月14日（周日）上班。\n",
          nf);
    fclose(nf);
    snprintf(cmd, sizeof cmd, "%s calendar --db '%s' --year 2027 --notice '%s' | tr -d ' \\n'", bin,
             f.db, notice);
    out = run_cmd(cmd, &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "\"date\":\"2027-02-14\",\"name\":\"春节调休上班\""));
    assert_non_null(strstr(out, "\"date\":\"2027-02-08\",\"name\":\"春节\""));
    snprintf(cmd, sizeof cmd, "%s calendar --db '%s' --year 2028 --notice '%s' 2>&1", bin, f.db,
             notice);
    out = run_cmd(cmd, &status);
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_non_null(strstr(out, "2027年的节假日安排通知"));
    unlink(notice);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deadline_limits),
        cmocka_unit_test(test_new_policy_keys),
        cmocka_unit_test(test_spring_festival_dispatch),
        cmocka_unit_test(test_swapped_saturday_return_window),
        cmocka_unit_test(test_urges_at_shares),
        cmocka_unit_test(test_late_pass_urges_once),
        cmocka_unit_test(test_sign_and_feedback_limits),
        cmocka_unit_test(test_tianning_feedback_timer),
        cmocka_unit_test(test_extended_then_forced_closed),
        cmocka_unit_test(test_hanging_account_never_overdue),
        cmocka_unit_test(test_hanging_account_chased),
        cmocka_unit_test(test_instruct_report_chased),
        cmocka_unit_test(test_tiers_follow_urgency_and_type),
        cmocka_unit_test(test_upstream_supervision),
        cmocka_unit_test(test_upstream_limits_inside),
        cmocka_unit_test(test_reopen_warnings_and_special_report),
        cmocka_unit_test(test_rework_warning),
        cmocka_unit_test(test_duplicate_warning),
        cmocka_unit_test(test_outbox_with_events),
        cmocka_unit_test(test_outbox_delivery),
        cmocka_unit_test(test_outbox_lease),
        cmocka_unit_test(test_tick_run),
        cmocka_unit_test(test_ticker_thread),
        cmocka_unit_test(test_api_routes),
        cmocka_unit_test(test_commands),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
