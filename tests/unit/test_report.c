/* Reports (issue 11) over a real database: the daily and weekly figures against counts worked
 * out by hand on a small fixture, issued reports that never change (even when the orders do,
 * and when SQL tries), editions, the schedule (what is due when, never issued twice), the
 * periods, and the rules of the 通报's four classes. */
#include "compat.h"
#include "cli/ticker.h"
#include "core/hotspot.h"
#include "core/report.h"
#include "store/report_store.h"
#include "fixture.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOUR 3600

static const char reply_resolved[] =
    "{\"result\":\"已修复\",\"closure\":\"resolved\",\"responsible\":\"王科长\"}";

/* Intake + file of an order with this channel, type, region and level. */
static int64_t mk(struct fixture *f, const char *channel, const char *type, int64_t region,
                  const char *level)
{
    char args[512];
    snprintf(args, sizeof args,
             "{\"channel\":\"%s\",\"type\":\"%s\",\"title\":\"%s\",\"text\":\"楼道灯坏了很久\","
             "\"citizen_name\":\"李女士\",\"citizen_phone\":\"13800002222\",\"address\":\"多福巷"
             "3号\",\"category_id\":%lld,\"region_id\":%lld,\"level\":\"%s\"}",
             channel, type, type, (long long)f->cat_leaf, (long long)region, level);
    int64_t id = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0, args);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, id, "{}");
    return id;
}

static void dispatch_sign_reply(struct fixture *f, int64_t id, int unit_index)
{
    char args[64];
    int64_t unit = unit_index == 0 ? f->unit_street[0] : f->unit_street[1];
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)unit);
    fx_ok(f, &f->as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
    fx_ok(f, fx_unit_actor(f, unit_index, false), ACT_SIGN, id, "{}");
    fx_ok(f, fx_unit_actor(f, unit_index, false), ACT_REPLY, id, reply_resolved);
    fx_ok(f, &f->as[ROLE_REVIEWER], ACT_REVIEW, id, "{\"pass\":true}");
}

/* The section of doc with this id. */
static const json_t *section(const json_t *doc, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "id")), id) == 0)
            return s;
    }
    fail_msg("no section %s", id);
    return NULL;
}

/* The count of the row named name in a grouped section (0 if absent). */
static int64_t row_n(const json_t *doc, const char *sec, const char *name)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(section(doc, sec), "rows"), i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0)
            return json_integer_value(json_object_get(r, "n"));
    }
    return 0;
}

static size_t n_rows(const json_t *doc, const char *sec)
{
    return json_array_size(json_object_get(section(doc, sec), "rows"));
}

static const json_t *figure(const json_t *doc, const char *id)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "figures"), i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "id")), id) == 0)
            return json_object_get(x, "value");
    }
    fail_msg("no figure %s", id);
    return NULL;
}

static int64_t fig_i(const json_t *doc, const char *id)
{
    const json_t *v = figure(doc, id);
    if (!json_is_integer(v))
        fail_msg("figure %s is not a count", id);
    return json_integer_value(v);
}

static int64_t T(const char *iso)
{
    int64_t t;
    assert_int_equal(jtime_parse(iso, &t), 0);
    return t;
}

struct world {
    struct fixture f;
    const char *path;
    int64_t o1, o2, o3, o4, o5;
    char n2[20], n3[20];
};

/* Tuesday 3 November 2026: o1 (12345, complaint, 东华门) closed satisfied the same day; o2
 * (12345, consult, 景山) called back unsatisfied and reopened; o3 (wechat, complaint, 东华门,
 * major). Wednesday 4 November: o4 (web, help, 景山) and o5 (12345, complaint, 东华门). */
static void build_world(struct world *w)
{
    struct fixture *f = &w->f;
    fixture_open(f, "report.db", "dongcheng-2016", "2026-11-03T09:00:00+08:00");
    w->path = f->db; /* the store's location: a SQLite file, or PostgreSQL (JIESU_PG_URL) */
    const struct actor *cb = &f->as[ROLE_CALLBACK];
    w->o1 = mk(f, "hotline-12345", "complaint", f->community, "general");
    dispatch_sign_reply(f, w->o1, 0);
    fx_ok(f, cb, ACT_CALLBACK, w->o1,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    fx_ok(f, cb, ACT_CLOSE, w->o1, "{}");
    fx_advance(f, HOUR);
    w->o2 = mk(f, "hotline-12345", "consult", f->street[1], "general");
    dispatch_sign_reply(f, w->o2, 1);
    fx_ok(f, cb, ACT_CALLBACK, w->o2,
          "{\"contacted\":true,\"solved\":false,\"satisfaction\":\"unsatisfied\"}");
    fx_ok(f, cb, ACT_REOPEN, w->o2, "{\"reason\":\"灯仍然不亮\"}");
    fx_advance(f, HOUR);
    w->o3 = mk(f, "wechat", "complaint", f->community, "major");
    fx_advance(f, 24 * HOUR); /* Wednesday 11:00 */
    w->o4 = mk(f, "web", "help", f->street[1], "general");
    w->o5 = mk(f, "hotline-12345", "complaint", f->community, "general");
    struct order o;
    fx_get(f, w->o2, &o);
    snprintf(w->n2, sizeof w->n2, "%s", o.number);
    order_release(&o);
    fx_get(f, w->o3, &o);
    snprintf(w->n3, sizeof w->n3, "%s", o.number);
    order_release(&o);
}

static json_t *make(struct world *w, int kind, const char *period, int64_t unit)
{
    struct report_period p;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(report_period_parse(kind, period, &p, &e), 0);
    json_t *doc = NULL;
    int rc = report_make(w->f.store, w->path, &p, unit, w->f.now, &doc, &e);
    if (rc)
        fail_msg("report %s %s: %s", js_report_kind_names[kind], period, e.message);
    return doc;
}

/* The enterprise green channel (004 畅通政企沟通“绿色通道”) has its own figures in the 早报:
 * enterprise requests received and closed that day, and no others. */
static void test_green_channel_figures(void **state)
{
    JS_UNUSED(state);
    struct world w;
    build_world(&w);
    struct fixture *f = &w.f; /* Wednesday 11:00 */
    int64_t ent = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0,
                        "{\"channel\":\"hotline-12345\",\"type\":\"request\",\"title\":\"企业"
                        "用电报装\",\"text\":\"新厂房用电报装进度慢\",\"address\":\"和平里5号\","
                        "\"enterprise\":true}");
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, ent, "{}");
    dispatch_sign_reply(f, ent, 0);
    fx_ok(f, &f->as[ROLE_CALLBACK], ACT_CALLBACK, ent,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    fx_ok(f, &f->as[ROLE_CALLBACK], ACT_CLOSE, ent, "{}");
    json_t *doc = make(&w, RK_DAILY, "2026-11-04", 0);
    assert_int_equal(fig_i(doc, "received"), 3); /* o4, o5 and the enterprise request */
    assert_int_equal(fig_i(doc, "enterprise_received"), 1);
    assert_int_equal(fig_i(doc, "closed"), 1);
    assert_int_equal(fig_i(doc, "enterprise_closed"), 1);
    json_decref(doc);
    doc = make(&w, RK_DAILY, "2026-11-03", 0); /* Tuesday: none of them an enterprise's */
    assert_int_equal(fig_i(doc, "received"), 3);
    assert_int_equal(fig_i(doc, "enterprise_received"), 0);
    assert_int_equal(fig_i(doc, "enterprise_closed"), 0);
    json_decref(doc);
    fixture_close(f);
}

static void test_daily_figures(void **state)
{
    JS_UNUSED(state);
    struct world w;
    build_world(&w);
    json_t *doc = make(&w, RK_DAILY, "2026-11-03", 0);
    assert_string_equal(json_string_value(json_object_get(doc, "title")),
                        "每日早报（2026年11月3日）");
    assert_int_equal(fig_i(doc, "received"), 3); /* o4, o5 are Wednesday's */
    assert_int_equal(row_n(doc, "by_channel", "12345热线"), 2);
    assert_int_equal(row_n(doc, "by_channel", "微信"), 1);
    assert_int_equal(n_rows(doc, "by_channel"), 2);
    assert_int_equal(row_n(doc, "by_type", "投诉"), 2);
    assert_int_equal(row_n(doc, "by_type", "咨询"), 1);
    assert_int_equal(row_n(doc, "by_street", "东华门街道"), 2); /* the community rolls up */
    assert_int_equal(row_n(doc, "by_street", "景山街道"), 1);
    assert_int_equal(row_n(doc, "by_category", "城乡建设"), 3); /* leaf 物业管理 → root */
    assert_int_equal(fig_i(doc, "dispatched"), 2);
    assert_int_equal(fig_i(doc, "closed"), 1);
    assert_int_equal(fig_i(doc, "reopened"), 1);
    assert_int_equal(n_rows(doc, "reopened"), 1);
    const json_t *r0 = json_array_get(json_object_get(section(doc, "reopened"), "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "number")), w.n2);
    /* satisfaction of the orders closed that day: o1 only (o2 was not closed) */
    assert_true(fabs(json_number_value(figure(doc, "satisfaction")) - 1.0) < 1e-9);
    assert_int_equal(row_n(doc, "satisfaction", "满意"), 1);
    assert_int_equal(row_n(doc, "satisfaction", "不满意"), 0);
    assert_int_equal(n_rows(doc, "notable"), 1);
    r0 = json_array_get(json_object_get(section(doc, "notable"), "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "number")), w.n3);
    assert_int_equal(fig_i(doc, "warnings"), 0);
    assert_int_equal(fig_i(doc, "hotspots"), 0);
    json_decref(doc);

    /* a hotspot warning raised on Tuesday evening over o1 and o3 is in that day's 早报 only */
    struct hotspot_warning hw = {
        .kind = HSK_FREQUENT, .rule = HSR_THRESHOLD, .count = 2, .citizens = 2};
    snprintf(hw.topic_name, sizeof hw.topic_name, "物业服务");
    snprintf(hw.title, sizeof hw.title, "物业服务：7天内2位群众反映");
    snprintf(hw.digest, sizeof hw.digest, "0123456789abcdef");
    int64_t ev[2] = {w.o1, w.o3};
    hw.evidence = ev;
    hw.n_evidence = 2;
    hw.roles[hw.n_roles++] = ROLE_LEADER;
    hw.raised_at = hw.to = T("2026-11-03T20:00:00+08:00");
    hw.from = hw.to - 7 * 24 * HOUR;
    struct store *s = w.f.store;
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(s->ops->hotspot_warning_insert(s, &hw), 0);
    assert_int_equal(s->ops->commit(s), 0);
    doc = make(&w, RK_DAILY, "2026-11-03", 0);
    assert_int_equal(fig_i(doc, "hotspots"), 1);
    r0 = json_array_get(json_object_get(section(doc, "hotspots"), "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "topic")), "物业服务");
    assert_string_equal(json_string_value(json_object_get(r0, "rule")),
                        hotspot_rule_labels[HSR_THRESHOLD]);
    assert_int_equal(json_integer_value(json_object_get(r0, "citizens")), 2);
    struct order o;
    fx_get(&w.f, w.o1, &o);
    assert_non_null(strstr(json_string_value(json_object_get(r0, "orders")), o.number));
    order_release(&o);
    assert_non_null(strstr(json_string_value(json_object_get(r0, "orders")), w.n3));
    json_decref(doc);
    doc = make(&w, RK_DAILY, "2026-11-04", 0);
    assert_int_equal(fig_i(doc, "hotspots"), 0);
    json_decref(doc);

    /* Wednesday: o4 and o5, nothing closed, nothing reopened */
    doc = make(&w, RK_DAILY, "2026-11-04", 0);
    assert_int_equal(fig_i(doc, "received"), 2);
    assert_int_equal(row_n(doc, "by_type", "求助"), 1);
    assert_int_equal(row_n(doc, "by_channel", "网站"), 1);
    assert_int_equal(fig_i(doc, "closed"), 0);
    assert_int_equal(fig_i(doc, "reopened"), 0);
    assert_true(json_is_null(figure(doc, "satisfaction"))); /* nothing rated: no rate */
    json_decref(doc);

    /* the week: three complaints of 物业管理 in 东华门 are concentrated; o2 went to one unit */
    doc = make(&w, RK_WEEKLY_SPECIAL, "2026-11-04", 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "period"), "key")),
                        "2026-11-02");
    assert_int_equal(n_rows(doc, "concentrated"), 1);
    r0 = json_array_get(json_object_get(section(doc, "concentrated"), "rows"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "category")), "物业管理");
    assert_string_equal(json_string_value(json_object_get(r0, "street")), "东华门街道");
    assert_int_equal(json_integer_value(json_object_get(r0, "n")), 3);
    assert_int_equal(fig_i(doc, "reopened3"), 0);
    assert_int_equal(fig_i(doc, "multi_unit"), 0);
    json_decref(doc);

    /* the week's analysis: five received, none the week before, day by day */
    doc = make(&w, RK_WEEKLY, "2026-11-08", 0);
    assert_int_equal(fig_i(doc, "received"), 5);
    assert_int_equal(fig_i(doc, "received_prev"), 0);
    assert_true(json_is_null(figure(doc, "received_change")));
    assert_int_equal(n_rows(doc, "trend"), 2);
    assert_int_equal(row_n(doc, "trend", "11月3日"), 3);
    assert_int_equal(row_n(doc, "trend", "11月4日"), 2);
    assert_int_equal(fig_i(doc, "closed"), 1);
    assert_int_equal(fig_i(doc, "reopened"), 1);
    assert_int_equal(row_n(doc, "by_unit", "东华门街道办事处"), 1);
    assert_int_equal(row_n(doc, "by_unit", "景山街道办事处"), 1);
    json_decref(doc);

    /* the unit report of 东华门 for November: only the orders it holds (o1) */
    doc = make(&w, RK_UNIT_MONTHLY, "2026-11", w.f.unit_street[0]);
    assert_int_equal(fig_i(doc, "received"), 1);
    assert_int_equal(fig_i(doc, "closed"), 1);
    json_decref(doc);
    fixture_close(&w.f);
}

static void test_issued_never_changes(void **state)
{
    JS_UNUSED(state);
    struct world w;
    build_world(&w);
    struct fixture *f = &w.f;
    struct store *s = f->store;
    struct report_period p;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(report_period_parse(RK_DAILY, "2026-11-03", &p, &e), 0);
    struct report_rec rec, again;
    assert_int_equal(report_issue(s, w.path, &p, 0, f->now, &f->as[ROLE_ADMIN], false, &rec, &e),
                     0);
    assert_int_equal(rec.edition, 1);
    /* the orders move on: o2 is answered again and closed */
    fx_ok(f, fx_unit_actor(f, 1, false), ACT_REPLY, w.o2, reply_resolved);
    fx_ok(f, &f->as[ROLE_REVIEWER], ACT_REVIEW, w.o2, "{\"pass\":true}");
    fx_ok(f, &f->as[ROLE_CALLBACK], ACT_CALLBACK, w.o2,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    json_t *now = NULL;
    assert_int_equal(report_make(s, w.path, &p, 0, rec.issued_at, &now, &e), 0);
    char *now_text = json_dumps(now, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_not_equal(now_text, rec.doc); /* a new build would differ ... */
    assert_int_equal(s->ops->report_get(s, rec.id, &again), 0);
    assert_string_equal(again.doc, rec.doc); /* ... the issued one does not */
    report_rec_release(&again);
    free(now_text);
    json_decref(now);

    /* the same period again: a second edition, unless the caller wants the first only */
    struct report_rec second;
    assert_int_equal(report_issue(s, w.path, &p, 0, f->now, NULL, false, &second, &e), 0);
    assert_int_equal(second.edition, 2);
    assert_true(second.id != rec.id);
    report_rec_release(&second);
    assert_int_equal(report_issue(s, w.path, &p, 0, f->now, NULL, true, NULL, &e), -JS_EEXISTS);
    assert_string_equal(e.field, "period");

    /* SQL cannot change or delete it either (on either backend) */
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE reports SET title = 'x' WHERE id = %lld", (long long)rec.id);
    assert_int_not_equal(tu_raw_exec(w.path, sql), 0);
    snprintf(sql, sizeof sql, "DELETE FROM reports WHERE id = %lld", (long long)rec.id);
    assert_int_not_equal(tu_raw_exec(w.path, sql), 0);
    if (tu_pg())
        assert_int_not_equal(tu_raw_exec(w.path, "TRUNCATE reports"), 0);
    assert_int_equal(tu_raw_int(w.path, "SELECT count(*) FROM reports"), 2);
    assert_int_equal(s->ops->report_get(s, rec.id, &again), 0);
    assert_string_equal(again.doc, rec.doc);
    assert_string_equal(again.title, "每日早报（2026年11月3日）");
    report_rec_release(&again);
    report_rec_release(&rec);

    struct report_query q = {.kind = RK_DAILY, .period = "2026-11-03", .limit = 10};
    struct report_rec *list = NULL;
    int n = 0;
    assert_int_equal(s->ops->report_list(s, &q, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(list[0].edition, 2); /* newest first */
    assert_null(list[0].doc);
    free(list);
    fixture_close(f);
}

static void test_schedule(void **state)
{
    JS_UNUSED(state);
    struct report_period p;
    int64_t now = T("2026-11-03T00:05:00+08:00"); /* a Tuesday */
    report_period_due(RK_DAILY, now, &p);
    assert_string_equal(p.key, "2026-11-02");
    assert_string_equal(p.label, "2026年11月2日");
    report_period_due(RK_WEEKLY, now, &p);
    assert_string_equal(p.key, "2026-10-26");
    assert_string_equal(p.label, "2026年10月26日至11月1日");
    assert_int_equal(p.to, T("2026-11-02T00:00:00+08:00"));
    report_period_due(RK_NOTICE, now, &p);
    assert_string_equal(p.key, "2026-10");
    report_period_due(RK_QUARTERLY, now, &p);
    assert_string_equal(p.key, "2026-Q3");
    assert_string_equal(p.label, "2026年第三季度");
    now = T("2026-01-01T00:10:00+08:00"); /* a Thursday */
    report_period_due(RK_DAILY, now, &p);
    assert_string_equal(p.key, "2025-12-31");
    report_period_due(RK_WEEKLY_SPECIAL, now, &p);
    assert_string_equal(p.key, "2025-12-22");
    report_period_due(RK_UNIT_MONTHLY, now, &p);
    assert_string_equal(p.key, "2025-12");
    report_period_due(RK_QUARTERLY, now, &p);
    assert_string_equal(p.key, "2025-Q4");
    assert_int_equal(p.from, T("2025-10-01"));
    /* just before midnight yesterday is still not over */
    report_period_due(RK_DAILY, T("2026-11-03T23:59:59+08:00"), &p);
    assert_string_equal(p.key, "2026-11-02");

    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(report_period_parse(RK_NOTICE, "2026-13", &p, &e), -JS_EINVAL);
    assert_string_equal(e.field, "period");
    assert_int_equal(report_period_parse(RK_QUARTERLY, "2026-Q5", &p, &e), -JS_EINVAL);
    assert_int_equal(report_period_parse(RK_DAILY, "2026-11", &p, &e), -JS_EINVAL);
    assert_int_equal(report_period_parse(RK_WEEKLY, "2026-11-05", &p, &e), 0);
    assert_string_equal(p.key, "2026-11-02");

    /* what the scheduler issues, and never twice */
    struct world w;
    build_world(&w);
    struct store *s = w.f.store;
    struct report_due_stats st;
    /* Wednesday 00:05: yesterday's daily report; the earlier week, month and quarter had no
     * orders yet */
    assert_int_equal(report_issue_due(s, w.path, T("2026-11-04T00:05:00+08:00"), &st, &e), 0);
    assert_int_equal(st.issued, 1);
    assert_int_equal(st.failed, 0);
    assert_int_equal(report_issue_due(s, w.path, T("2026-11-04T00:06:00+08:00"), &st, &e), 0);
    assert_int_equal(st.issued, 0);
    assert_int_equal(st.present, 1);
    /* 1 December: the daily report, the week of 23 November (专报 and analysis), November's
     * unit reports (six active units) and 通报 */
    assert_int_equal(report_issue_due(s, w.path, T("2026-12-01T00:05:00+08:00"), &st, &e), 0);
    assert_int_equal(st.failed, 0);
    assert_int_equal(st.issued, 1 + 2 + 6 + 1);
    assert_int_equal(report_issue_due(s, w.path, T("2026-12-01T01:05:00+08:00"), &st, &e), 0);
    assert_int_equal(st.issued, 0);
    assert_int_equal(st.present, 10);
    struct report_query q = {.kind = -1, .limit = 100};
    struct report_rec *list = NULL;
    int n = 0;
    assert_int_equal(s->ops->report_list(s, &q, &list, &n), 0);
    assert_int_equal(n, 11);
    for (int i = 0; i < n; i++) {
        assert_int_equal(list[i].edition, 1);
        assert_int_equal(list[i].issued_by, 0);
    }
    free(list);
    fixture_close(&w.f);
}

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

static int count_reports(struct store *s)
{
    struct report_query q = {.kind = -1, .limit = 100};
    struct report_rec *list = NULL;
    int n = 0;
    assert_int_equal(s->ops->report_list(s, &q, &list, &n), 0);
    free(list);
    return n;
}

/* The server's scheduler thread issues the due report, once however many ticks pass. */
static void test_ticker_issues(void **state)
{
    JS_UNUSED(state);
    struct world w;
    build_world(&w);
    int64_t at = T("2026-11-04T00:05:00+08:00");
    struct jclock clock = {fixed_now, &at};
    struct ticker_config cfg = {.db = w.path, .interval_seconds = 1, .clock = &clock};
    struct ticker *t = NULL;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(ticker_start(&cfg, &t, &e), 0);
    struct timespec step = {0, 50 * 1000 * 1000};
    for (int i = 0; i < 1200 && count_reports(w.f.store) == 0; i++) /* up to a minute */
        nanosleep(&step, NULL);
    nanosleep(&(struct timespec){2, 500 * 1000 * 1000}, NULL); /* two more ticks at least */
    ticker_stop(t);
    assert_int_equal(count_reports(w.f.store), 1);
    struct report_query q = {.kind = RK_DAILY, .period = "2026-11-03", .limit = 5};
    struct report_rec *list = NULL;
    int n = 0;
    assert_int_equal(w.f.store->ops->report_list(w.f.store, &q, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].issued_at, at);
    assert_int_equal(list[0].issued_by, 0);
    free(list);
    fixture_close(&w.f);
}

static void test_notice_classes(void **state)
{
    JS_UNUSED(state);
    assert_int_equal(notice_class_size(343), 10);
    assert_int_equal(notice_class_size(40), 10);
    assert_int_equal(notice_class_size(10), 3);
    assert_int_equal(notice_class_size(1), 1);
    /* twelve streets, three per class: ids 1..12, scores 100 - 5·id (so rank = id), last
     * month's ranks reversed for 7..9 (they rose), most frequent category counts chosen */
    struct notice_street st[12];
    memset(st, 0, sizeof st);
    for (int i = 0; i < 12; i++) {
        st[i].unit_id = i + 1;
        st[i].score = 100 - 5.0 * (i + 1);
        st[i].rank = i + 1;
        st[i].prev_rank = i + 1;
        st[i].prev_score = st[i].score;
        st[i].received = 10;
        st[i].top_count = 2;
    }
    st[6].prev_rank = 12; /* id 7: 12 → 7, +5 */
    st[7].prev_rank = 11; /* id 8: 11 → 8, +3 */
    st[8].prev_rank = 10; /* id 9: 10 → 9, +1 */
    st[10].prev_rank = 9; /* id 11: 9 → 11, fell */
    st[9].prev_rank = 0;  /* id 10: not assessed last month: cannot have risen */
    st[2].top_count = 9;
    st[5].top_count = 4;
    st[11].top_count = 4; /* ties with id 6: more orders in all wins */
    st[11].received = 30;
    st[3].top_count = 3;
    st[4].top_count = 3;
    st[4].received = 20; /* id 5 ties id 4 at 3 and wins, but only three are named */
    st[11].score = NAN;  /* id 12 not assessed this month */
    st[11].rank = 0;
    int a[12], b[12], c[12], d[12];
    int *out[NC__COUNT] = {a, b, c, d}, counts[NC__COUNT];
    notice_classify(st, 12, 3, out, counts);
    assert_int_equal(counts[NC_ADVANCED], 3);
    assert_int_equal(a[0], 0);
    assert_int_equal(a[1], 1);
    assert_int_equal(a[2], 2);
    assert_int_equal(counts[NC_RECTIFY], 3); /* the lowest assessed: ids 11, 10, 9 */
    assert_int_equal(c[0], 10);
    assert_int_equal(c[1], 9);
    assert_int_equal(c[2], 8);
    assert_int_equal(counts[NC_PROGRESS], 3);
    assert_int_equal(b[0], 6);
    assert_int_equal(b[1], 7);
    assert_int_equal(b[2], 8);
    assert_int_equal(counts[NC_GOVERN], 3);
    assert_int_equal(d[0], 2);  /* 9 of one category */
    assert_int_equal(d[1], 11); /* 4, 30 orders */
    assert_int_equal(d[2], 5);  /* 4, 10 orders */
    /* a tie in score goes to more orders received */
    st[1].score = st[0].score;
    st[1].received = 50;
    notice_classify(st, 12, 3, out, counts);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[1], 0);
    /* few streets: no street is both 先进 and 整改 */
    notice_classify(st, 2, 3, out, counts);
    assert_int_equal(counts[NC_ADVANCED], 2);
    assert_int_equal(counts[NC_RECTIFY], 0);
}

static void test_notice_report(void **state)
{
    JS_UNUSED(state);
    struct world w;
    build_world(&w);
    json_t *doc = make(&w, RK_NOTICE, "2026-11", 0);
    /* two streets: one per class (a quarter of 2, rounded up); both were assessed */
    assert_int_equal(n_rows(doc, "class_advanced"), 1);
    assert_int_equal(n_rows(doc, "class_rectify"), 1);
    assert_int_equal(n_rows(doc, "class_progress"), 0); /* no October assessment */
    assert_int_equal(n_rows(doc, "class_govern"), 0);   /* nobody held 3 orders of a category */
    assert_int_equal(n_rows(doc, "streets"), 2);
    json_decref(doc);
    /* the quarter's analysis lists the scores of the units that held orders: the two streets */
    doc = make(&w, RK_QUARTERLY, "2026-Q4", 0);
    assert_int_equal(n_rows(doc, "scores"), 2);
    assert_int_equal(fig_i(doc, "received"), 5);
    json_decref(doc);
    /* refusals: a unit report needs its unit, other kinds refuse one */
    struct report_period p;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(report_period_parse(RK_UNIT_MONTHLY, "2026-11", &p, &e), 0);
    assert_int_equal(report_make(w.f.store, w.path, &p, 0, w.f.now, &doc, &e), -JS_EINVAL);
    assert_string_equal(e.field, "unit_id");
    assert_int_equal(report_make(w.f.store, w.path, &p, 99999, w.f.now, &doc, &e), -JS_ENOTFOUND);
    assert_string_equal(e.field, "unit_id");
    fixture_close(&w.f);
}

/* One handle issuing a daily report of a period in its own transaction (a second server). */
struct issuer {
    const char *loc, *period;
    bool first_only;
    int rc, edition;
};

static void report_fill(struct report_rec *r, const char *period, char *doc)
{
    memset(r, 0, sizeof *r);
    r->kind = RK_DAILY;
    snprintf(r->period, sizeof r->period, "%s", period);
    snprintf(r->title, sizeof r->title, "每日早报");
    snprintf(r->issued_by_name, sizeof r->issued_by_name, "系统");
    r->from = T("2026-11-03T00:00:00+08:00");
    r->to = r->from + 86400;
    r->issued_at = r->to + 300;
    r->doc = doc;
}

static void *issue_thread(void *arg)
{
    struct issuer *x = arg;
    struct store *s = NULL;
    struct js_error e;
    char doc[] = "{\"figures\":[]}";
    js_error_clear(&e);
    if ((x->rc = store_open(x->loc, &s, &e)) != 0)
        return NULL;
    struct report_rec r;
    report_fill(&r, x->period, doc);
    if (!(x->rc = s->ops->begin(s))) {
        x->rc = s->ops->report_put(s, &r, x->first_only);
        int end = x->rc ? s->ops->rollback(s) : s->ops->commit(s);
        x->rc = x->rc ? x->rc : end;
    }
    x->edition = r.edition;
    store_close(s);
    return NULL;
}

/* Two servers issue the same period at once: the second waits for the first and takes the next
 * edition, or, issuing the first only (the scheduler), finds it issued. */
static void test_issue_concurrent(void **state)
{
    JS_UNUSED(state);
    struct fixture f;
    fixture_open(&f, "report_race.db", "dongcheng-2016", "2026-11-03T09:00:00+08:00");
    struct store *s = f.store;
    char doc[] = "{\"figures\":[]}";
    for (int first_only = 0; first_only < 2; first_only++) {
        const char *period = first_only ? "2026-11-04" : "2026-11-03";
        struct report_rec r;
        report_fill(&r, period, doc);
        assert_int_equal(s->ops->begin(s), 0);
        assert_int_equal(s->ops->report_put(s, &r, first_only), 0);
        assert_int_equal(r.edition, 1);
        struct issuer x = {.loc = f.db, .period = period, .first_only = first_only};
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, issue_thread, &x), 0);
        /* the other handle meets the edition not yet committed (and waits for it) */
        nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
        assert_int_equal(s->ops->commit(s), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        struct report_query q = {.kind = RK_DAILY, .period = period, .limit = 10};
        struct report_rec *list = NULL;
        int n = 0;
        assert_int_equal(s->ops->report_list(s, &q, &list, &n), 0);
        if (first_only) {
            assert_int_equal(x.rc, -JS_EEXISTS);
            assert_int_equal(n, 1);
        } else {
            assert_int_equal(x.rc, 0);
            assert_int_equal(x.edition, 2);
            assert_int_equal(n, 2);
            assert_int_equal(list[0].edition, 2);
            assert_int_equal(list[1].edition, 1);
        }
        free(list);
    }
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_daily_figures),        cmocka_unit_test(test_green_channel_figures),
        cmocka_unit_test(test_issued_never_changes), cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_notice_classes),       cmocka_unit_test(test_notice_report),
        cmocka_unit_test(test_ticker_issues),        cmocka_unit_test(test_issue_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
