/* The assessment over a real database: orders driven through the real engine, the fact
 * projection synced from the events table (first in full, then incrementally), scores worked
 * out here from seed 000's formula, appeals that exclude an order once upheld, manual items,
 * linshu's year, stored schemes, the drill-down, and append-only records. */
#include "compat.h"
#include "store/assess_store.h"
#include "store/pg_schema.h"
#include "store/sqlite_schema.h"
#include "fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEAR(a, b)                                                                                 \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (fabs(a_ - b_) > 1e-9)                                                                  \
            fail_msg("%s = %.10f, expected %.10f", #a, a_, b_);                                    \
    } while (0)

#define HOUR 3600

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s", text);
    return j;
}

static int64_t dispatch_to(struct fixture *f, int64_t unit)
{
    int64_t id = fx_new_filed(f);
    char args[64];
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)unit);
    fx_ok(f, &f->as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
    return id;
}

static const char reply_resolved[] =
    "{\"result\":\"已修复\",\"closure\":\"resolved\",\"responsible\":\"王科长\"}";
static const char reply_interim[] =
    "{\"result\":\"已列入计划\",\"closure\":\"interim\",\"responsible\":\"王科长\"}";

/* The unit's row of a report. */
static int row_of(const struct assess_report *r, int64_t unit)
{
    for (int i = 0; i < r->n; i++)
        if (r->units[i].id == unit)
            return i;
    fail_msg("unit %lld not in the report", (long long)unit);
    return -1;
}

static double score_of(const struct assess_report *r, int64_t unit)
{
    int i = row_of(r, unit);
    assert_true(r->rows[i].assessed);
    return r->rows[i].score;
}

static double ind(const struct assess_report *r, int64_t unit, int indicator)
{
    return ind_value(&r->table, row_of(r, unit), indicator);
}

static const char *grade_of(const struct assess_report *r, int64_t unit)
{
    int g = r->rows[row_of(r, unit)].grade;
    return g >= 0 ? r->scheme->grades[g].grade : "-";
}

static void check_projection(struct fixture *f, int min_orders);

static void test_assessment(void **state)
{
    JS_UNUSED(state);
    struct fixture f;
    fixture_open(&f, "assess.db", "dongcheng-2016", "2026-10-05T09:00:00+08:00");
    const struct actor *disp = &f.as[ROLE_DISPATCHER], *rev = &f.as[ROLE_REVIEWER],
                       *cb = &f.as[ROLE_CALLBACK], *sup = &f.as[ROLE_SUPERVISOR],
                       *admin = &f.as[ROLE_ADMIN], *agent = &f.as[ROLE_AGENT];
    const int64_t S1 = f.unit_street[0], B1 = f.unit_dept[0], B2 = f.unit_dept[1];
    const struct actor *op_s1 = fx_unit_actor(&f, 0, false), *lead_s1 = fx_unit_actor(&f, 0, true);
    const struct actor *op_b1 = fx_unit_actor(&f, 2, false), *lead_b1 = fx_unit_actor(&f, 2, true);

    /* A (S1): resolved in time, satisfied */
    int64_t A = dispatch_to(&f, S1);
    fx_ok(&f, op_s1, ACT_SIGN, A, "{}");
    fx_advance(&f, HOUR);
    fx_ok(&f, op_s1, ACT_REPLY, A, reply_resolved);
    /* F: a new report of A's problem, not filed as its duplicate (反复举报) */
    int64_t F =
        fx_ok(&f, agent, ACT_INTAKE, 0,
              "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"又是噪音\","
              "\"text\":\"还是那个工地\"}");
    char args[512];
    snprintf(
        args, sizeof args,
        "{\"reason\":\"duplicate\",\"explanation\":\"同一问题已在办理\",\"duplicate_of\":%lld}",
        (long long)A);
    fx_ok(&f, agent, ACT_NOT_FILE, F, args);
    fx_ok(&f, rev, ACT_REVIEW, A, "{\"pass\":true}");
    fx_ok(&f, cb, ACT_CALLBACK, A,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    fx_ok(&f, cb, ACT_CLOSE, A, "{}");

    /* B (S1): a return rejected as unjustified (推诿), an interim reply in time, the citizen
     * not contacted and unsatisfied */
    int64_t B = dispatch_to(&f, S1);
    fx_ok(&f, op_s1, ACT_SIGN, B, "{}");
    fx_ok(&f, op_s1, ACT_RETURN, B,
          "{\"reason\":\"不属于本单位\",\"legal_basis\":\"《条例》第五条\"}");
    fx_ok(&f, disp, ACT_RETURN_REJECT, B, "{\"reason\":\"属于街道职责\"}");
    fx_advance(&f, HOUR);
    fx_ok(&f, op_s1, ACT_REPLY, B, reply_interim);
    fx_ok(&f, rev, ACT_REVIEW, B, "{\"pass\":true}");
    fx_ok(&f, cb, ACT_CALLBACK, B,
          "{\"contacted\":false,\"solved\":false,\"satisfaction\":\"unsatisfied\"}");
    fx_ok(&f, cb, ACT_CLOSE, B, "{\"reason\":\"诉求人不认可，已解释\"}");

    /* C (B1): supervised and not answered within 24 h, then resolved in time */
    int64_t C = dispatch_to(&f, B1);
    fx_ok(&f, op_b1, ACT_SIGN, C, "{}");
    fx_ok(&f, sup, ACT_SUPERVISE, C, "{\"reason\":\"群众反映强烈\"}");
    fx_advance(&f, 25 * HOUR);
    fx_ok(&f, op_b1, ACT_REPLY, C, reply_resolved);
    fx_ok(&f, rev, ACT_REVIEW, C, "{\"pass\":true}");
    /* D (B1): force-closed */
    int64_t D = dispatch_to(&f, B1);
    fx_ok(&f, sup, ACT_FORCE_CLOSE, D, "{\"reason\":\"逾期未回复\"}");
    /* E: returned by B1 and approved, re-dispatched to B2 */
    int64_t E = dispatch_to(&f, B1);
    fx_ok(&f, op_b1, ACT_RETURN, E, "{\"reason\":\"不属于本单位\",\"legal_basis\":\"三定方案\"}");
    fx_ok(&f, disp, ACT_RETURN_APPROVE, E, "{}");
    char to_b2[64];
    snprintf(to_b2, sizeof to_b2, "{\"unit_id\":%lld}", (long long)B2);
    fx_ok(&f, disp, ACT_DISPATCH, E, to_b2);

    struct assess_store *st = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (assess_store_open(f.db, &st, &e))
        fail_msg("open: %s", e.message);
    struct scheme *dc = NULL;
    if (assess_scheme_load(st, NULL, "dongcheng-2016", &dc, &e))
        fail_msg("scheme: %s", e.message);
    struct ind_period oct;
    assert_int_equal(ind_period_parse("2026-10", &oct, &e), 0);
    struct assess_report r;
    struct assess_sync_stats ss;
    assert_int_equal(assess_sync(st, false, &ss, &e), 0);
    assert_true(ss.full); /* the first sync folds everything */
    assert_int_equal(ss.orders, 6);
    assert_int_equal(ss.cases, 6); /* A, B, C, D, E×B1, E×B2; F has no unit */
    if (assess_run(st, dc, &oct, &r, &e))
        fail_msg("run: %s", e.message);

    NEAR(ind(&r, S1, IND_RECEIVED), 2);
    NEAR(ind(&r, S1, IND_SHIRK_RATE), 0.5);
    NEAR(ind(&r, S1, IND_INTERIM_RATE), 0.5);
    NEAR(ind(&r, S1, IND_RESOLVED_RATE), 0.5);
    NEAR(ind(&r, S1, IND_REPEAT_RATE), 0.5);
    NEAR(ind(&r, S1, IND_FEEDBACK_RATE), 0.5);
    NEAR(ind(&r, S1, IND_SATISFACTION_RATE), 0.5);
    NEAR(ind(&r, B1, IND_RECEIVED), 3);
    NEAR(ind(&r, B1, IND_VOLUME), 2);
    NEAR(ind(&r, B1, IND_FORCED_RATE), 0.5);
    NEAR(ind(&r, B1, IND_SUPERVISION_UNANSWERED), 1);
    NEAR(ind(&r, B2, IND_RECEIVED), 1);
    /* 30×(1−0.5) + 30×(0.5×0.8 + 0.5)×(1−0)×(1−0)×(1−0.5) + 20×0.5 + 20×0.5 − 0 = 48.5 */
    NEAR(score_of(&r, S1),
         30 * (1 - 0.5) + 30 * (0.5 * 0.8 + 0.5) * (1 - 0.5) + 20 * 0.5 + 20 * 0.5);
    assert_string_equal(grade_of(&r, S1), "D");
    /* 30 + 30×(0 + 0.5)×(1 − 0.5) + 0 + 0 − 3×1 = 34.5 */
    NEAR(score_of(&r, B1), 30 + 30 * 0.5 * (1 - 0.5) - 3);
    assert_string_equal(grade_of(&r, B1), "E");
    NEAR(score_of(&r, B2), 30);
    assert_false(r.rows[row_of(&r, f.unit_ent)].assessed);
    assert_int_equal(r.rows[row_of(&r, S1)].rank, 1);
    json_t *before = assess_report_json(&r, 0);
    assert_non_null(before);
    assess_report_release(&r);

    /* the drill-down: the orders behind S1's 推诿率 */
    json_t *orders;
    assert_int_equal(assess_orders(st, dc, &oct, S1, IND_SHIRK_RATE, &orders, &e), 0);
    assert_int_equal(json_array_size(orders), 2);
    json_t *ob = json_array_get(orders, 1);
    assert_int_equal(json_integer_value(json_object_get(ob, "order_id")), B);
    NEAR(json_number_value(json_object_get(
             json_object_get(json_object_get(ob, "indicators"), "shirk_rate"), "num")),
         1);
    json_decref(orders);

    /* appeals: only S1's leader may appeal B; evidence is required; one pending at a time */
    int64_t appeal = 0;
    snprintf(args, sizeof args,
             "{\"order_id\":%lld,\"indicators\":[\"推诿率\"],\"reason\":\"该件确属区住建委职责\","
             "\"evidence\":[{\"name\":\"三定方案.pdf\",\"url\":\"/files/1\"}]}",
             (long long)B);
    json_t *jargs = parse(args);
    assert_int_equal(assess_appeal_file(st, op_s1, jargs, f.now, &appeal, &e), -JS_EFORBIDDEN);
    assert_int_equal(assess_appeal_file(st, lead_b1, jargs, f.now, &appeal, &e), -JS_ENOTFOUND);
    assert_int_equal(assess_appeal_file(st, lead_s1, jargs, f.now, &appeal, &e), 0);
    assert_true(appeal > 0);
    assert_int_equal(assess_appeal_file(st, lead_s1, jargs, f.now, &appeal, &e), -JS_EEXISTS);
    json_decref(jargs);
    snprintf(args, sizeof args,
             "{\"order_id\":%lld,\"indicators\":[\"推诿率\"],\"reason\":\"x\",\"evidence\":[]}",
             (long long)A);
    jargs = parse(args);
    assert_int_equal(assess_appeal_file(st, lead_s1, jargs, f.now, &appeal, &e), -JS_EMISSING);
    assert_string_equal(e.field, "evidence");
    json_decref(jargs);
    jargs = parse("{\"order_id\":1,\"indicators\":[\"推诿律\"],\"reason\":\"x\","
                  "\"evidence\":[{\"name\":\"a\",\"url\":\"b\"}]}");
    assert_int_equal(assess_appeal_file(st, lead_s1, jargs, f.now, &appeal, &e), -JS_EINVAL);
    assert_string_equal(e.field, "indicators");
    json_decref(jargs);
    json_t *list;
    assert_int_equal(assess_appeal_list(st, S1, "pending", &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    appeal = json_integer_value(json_object_get(json_array_get(list, 0), "id"));
    json_decref(list);
    /* decisions: by a supervisor or admin; a rejection needs a note; decided once */
    jargs = parse("{\"uphold\":false}");
    assert_int_equal(assess_appeal_decide(st, disp, appeal, jargs, f.now, &e), -JS_EFORBIDDEN);
    assert_int_equal(assess_appeal_decide(st, sup, appeal, jargs, f.now, &e), -JS_EMISSING);
    json_decref(jargs);
    jargs = parse("{\"uphold\":true,\"note\":\"职责确有争议，排除使用\"}");
    assert_int_equal(assess_appeal_decide(st, sup, 9999, jargs, f.now, &e), -JS_ENOTFOUND);
    assert_int_equal(assess_appeal_decide(st, sup, appeal, jargs, f.now, &e), 0);
    assert_int_equal(assess_appeal_decide(st, admin, appeal, jargs, f.now, &e), -JS_ESTATE);
    json_decref(jargs);
    json_t *one;
    assert_int_equal(assess_appeal_get(st, appeal, &one, &e), 0);
    assert_string_equal(json_string_value(json_object_get(one, "status")), "upheld");
    assert_string_equal(json_string_value(json_array_get(json_object_get(one, "indicators"), 0)),
                        "shirk_rate");
    json_decref(one);

    /* upheld: B leaves S1's 推诿率 (0 of 1), nothing else changes → 63.5, C */
    assert_int_equal(assess_run(st, dc, &oct, &r, &e), 0);
    assert_int_equal(r.exclusions, 1);
    NEAR(ind(&r, S1, IND_SHIRK_RATE), 0);
    NEAR(r.table.den[row_of(&r, S1) * IND__COUNT + IND_SHIRK_RATE], 1);
    NEAR(ind(&r, S1, IND_INTERIM_RATE), 0.5);
    NEAR(score_of(&r, S1), 30 + 30 * 0.9 * 0.5 + 10 + 10);
    assert_string_equal(grade_of(&r, S1), "C");
    assess_report_release(&r);
    assert_int_equal(assess_orders(st, dc, &oct, S1, -1, &orders, &e), 0);
    ob = json_array_get(orders, 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(ob, "excluded"), 0)),
                        "shirk_rate");
    json_decref(orders);

    /* incremental sync: a callback on C folds C again, and only C */
    fx_ok(&f, cb, ACT_CALLBACK, C,
          "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\"}");
    assert_int_equal(assess_sync(st, false, &ss, &e), 0);
    assert_false(ss.full);
    assert_int_equal(ss.orders, 1);
    assert_int_equal(ss.events, 8); /* all of C's events, read again */
    assert_int_equal(assess_run(st, dc, &oct, &r, &e), 0);
    NEAR(score_of(&r, B1), 34.5 + 20 + 20); /* 74.5 */
    assert_string_equal(grade_of(&r, B1), "C");
    json_t *incremental = assess_report_json(&r, 0);
    assess_report_release(&r);
    /* a full rebuild gives exactly the same report */
    assert_int_equal(assess_sync(st, true, &ss, &e), 0);
    assert_true(ss.full);
    assert_int_equal(assess_run(st, dc, &oct, &r, &e), 0);
    json_t *full = assess_report_json(&r, 0);
    assert_true(json_equal(incremental, full));
    check_projection(&f, 6);
    assert_false(json_equal(before, full));
    json_t *only = assess_report_json(&r, B1);
    assert_int_equal(json_array_size(json_object_get(only, "units")), 1);
    json_decref(only);
    json_decref(before);
    json_decref(incremental);
    json_decref(full);
    assess_report_release(&r);

    /* manual items: a bonus (加分, 002 art. 34) counted in a scheme that uses it */
    int64_t item = 0;
    snprintf(args, sizeof args,
             "{\"unit_id\":%lld,\"kind\":\"bonus_points\",\"points\":2.5,\"on\":\"2026-10-20\","
             "\"note\":\"疑难事件兜底\"}",
             (long long)S1);
    jargs = parse(args);
    assert_int_equal(assess_item_add(st, op_s1, jargs, f.now, &item, &e), -JS_EFORBIDDEN);
    assert_int_equal(assess_item_add(st, sup, jargs, f.now, &item, &e), 0);
    json_decref(jargs);
    jargs = parse("{\"unit_id\":1,\"kind\":\"gift\",\"points\":1,\"on\":\"2026-10-20\","
                  "\"note\":\"x\"}");
    assert_int_equal(assess_item_add(st, sup, jargs, f.now, &item, &e), -JS_EINVAL);
    assert_string_equal(e.field, "kind");
    json_decref(jargs);
    const char *bonus_doc = "{\"name\":\"bonus-test\",\"items\":[{\"id\":\"base\",\"expr\":"
                            "\"100 × 满意率\"}],\"bonus\":{\"expr\":\"人工加分 + 兜底件数\","
                            "\"cap\":5}}";
    struct scheme *bs;
    assert_int_equal(scheme_parse(bonus_doc, strlen(bonus_doc), &bs, &e), 0);
    assert_int_equal(assess_run(st, bs, &oct, &r, &e), 0);
    NEAR(r.rows[row_of(&r, S1)].bonus, 2.5);
    NEAR(score_of(&r, S1), 100 * 0.5 + 2.5);
    assess_report_release(&r);
    jargs = parse("{\"reason\":\"录入错误\"}");
    assert_int_equal(assess_item_cancel(st, sup, item, jargs, f.now, &e), 0);
    assert_int_equal(assess_item_cancel(st, sup, item, jargs, f.now, &e), -JS_ESTATE);
    json_decref(jargs);
    assert_int_equal(assess_run(st, bs, &oct, &r, &e), 0);
    NEAR(r.rows[row_of(&r, S1)].bonus, 0);
    assess_report_release(&r);
    assert_int_equal(assess_item_list(st, S1, 0, 0, &list, &e), 0);
    assert_int_equal(json_array_size(list), 1);
    assert_true(json_is_true(json_object_get(json_array_get(list, 0), "cancelled")));
    json_decref(list);
    scheme_free(bs);

    /* linshu-2020's year: 80 % of the mean monthly score + 20 % of the year-end items */
    struct scheme *ls;
    assert_int_equal(assess_scheme_load(st, NULL, "linshu-2020", &ls, &e), 0);
    snprintf(args, sizeof args,
             "{\"unit_id\":%lld,\"kind\":\"year_end\",\"points\":80,\"on\":\"2026-12-20\","
             "\"note\":\"机构建设、知识库、诉求落实\"}",
             (long long)S1);
    jargs = parse(args);
    assert_int_equal(assess_item_add(st, sup, jargs, f.now, &item, &e), 0);
    json_decref(jargs);
    assert_int_equal(assess_run(st, ls, &oct, &r, &e), 0);
    double october = score_of(&r, S1);
    assert_false(r.year);
    assess_report_release(&r);
    struct ind_period y2026;
    assert_int_equal(ind_period_parse("2026", &y2026, &e), 0);
    assert_int_equal(assess_run(st, ls, &y2026, &r, &e), 0);
    assert_true(r.year);
    assert_int_equal(r.months, 1);
    NEAR(score_of(&r, S1), scheme_round(ls, 0.8 * october + 0.2 * 80));
    assess_report_release(&r);
    scheme_free(ls);

    /* stored schemes: the platform changes a weight; only an administrator may */
    json_t *doc = json_deep_copy(dc->doc);
    json_object_set_new(doc, "title", json_string("东城区考核（2027年修订）"));
    assert_int_equal(assess_scheme_save(st, sup, "dongcheng-2016", doc, f.now, &e), -JS_EFORBIDDEN);
    assert_int_equal(assess_scheme_save(st, admin, "other-name", doc, f.now, &e), -JS_EINVAL);
    assert_int_equal(assess_scheme_save(st, admin, "dongcheng-2016", doc, f.now, &e), 0);
    json_t *bad = json_deep_copy(doc);
    json_object_set_new(json_array_get(json_object_get(bad, "items"), 0), "expr",
                        json_string("30 × (1 − 推诿率"));
    assert_int_equal(assess_scheme_save(st, admin, "dongcheng-2016", bad, f.now, &e), -JS_EINVAL);
    assert_string_equal(e.field, "items[0].expr");
    json_decref(bad);
    json_decref(doc);
    struct scheme *stored;
    assert_int_equal(assess_scheme_load(st, NULL, "dongcheng-2016", &stored, &e), 0);
    assert_string_equal(stored->title, "东城区考核（2027年修订）");
    scheme_free(stored);
    assert_int_equal(assess_scheme_load(st, NULL, "no-such", &stored, &e), -JS_ENOTFOUND);
    assert_int_equal(assess_scheme_load(st, NULL, "../etc", &stored, &e), -JS_EINVAL);
    assert_int_equal(assess_scheme_list(st, NULL, &list, &e), 0);
    assert_int_equal(json_array_size(list), 5); /* and pingshan-2020, tianning-2013 */
    json_decref(list);

    /* records are append-only */
    assert_int_not_equal(tu_raw_exec(f.db, "UPDATE appeals SET reason = 'x'"), 0);
    assert_int_not_equal(tu_raw_exec(f.db, "DELETE FROM appeal_decisions"), 0);
    assert_int_not_equal(tu_raw_exec(f.db, "DELETE FROM assess_items"), 0);
    assert_int_not_equal(tu_raw_exec(f.db, "UPDATE assess_item_cancels SET reason = 'x'"), 0);
    assert_int_not_equal(tu_raw_exec(f.db, "DELETE FROM assess_schemes"), 0);
    assert_int_equal(tu_raw_int(f.db, "SELECT count(*) FROM assess_schemes"), 1);

    scheme_free(dc);
    assess_store_close(st);
    fixture_close(&f);
}

struct ev_list {
    struct event v[64];
    int n;
};

static int keep_event(void *ctx, const struct event *ev)
{
    struct ev_list *l = ctx;
    assert_true(l->n < 64);
    l->v[l->n] = *ev;
    l->v[l->n].payload = json_incref(ev->payload);
    l->n++;
    return 0;
}

static int cmp_case(const void *a, const void *b)
{
    const struct fact_case *x = a, *y = b;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

struct id_list {
    int64_t v[64];
    int n;
};

static int keep_id(void *ctx, const struct order *o)
{
    struct id_list *l = ctx;
    assert_true(l->n < 64);
    l->v[l->n++] = o->id;
    return 0;
}

struct case_list {
    struct fact_case v[16];
    int n;
};

static int keep_case(void *ctx, const struct assess_fact_row *r)
{
    struct case_list *l = ctx;
    assert_true(l->n < 16);
    memset(&l->v[l->n], 0, sizeof l->v[l->n]);
    assert_int_equal(fact_case_decode(&l->v[l->n], r->data, r->size), 0);
    l->n++;
    return 0;
}

/* The projection the store folds from the payload text must equal the fold of the same events
 * parsed as JSON, order by order and mark by mark (read back through the store's operations). */
static void check_projection(struct fixture *f, int min_orders)
{
    struct store *s = f->store;
    struct id_list ids = {.n = 0};
    assert_int_equal(s->ops->order_each(s, keep_id, &ids), 0);
    int orders = 0, marks = 0;
    for (int o = 0; o < ids.n; o++) {
        int64_t id = ids.v[o];
        struct ev_list l = {.n = 0};
        assert_int_equal(s->ops->event_each(s, id, keep_event, &l), 0);
        struct assess_repeat *reps = NULL;
        int nr = 0;
        assert_int_equal(s->ops->assess_repeats_get(s, id, id + 1, &reps, &nr), 0);
        int64_t rep[16];
        assert_true(nr <= 16);
        for (int i = 0; i < nr; i++)
            rep[i] = reps[i].at;
        free(reps);
        struct fact_set fs;
        struct js_error e;
        assert_int_equal(facts_derive(l.v, l.n, rep, nr, &fs, &e), 0);
        qsort(fs.cases, (size_t)fs.n_cases, sizeof fs.cases[0], cmp_case);
        struct case_list got = {.n = 0};
        struct assess_fact_query q = {.order_id = id};
        assert_int_equal(s->ops->assess_facts(s, &q, keep_case, &got), 0);
        qsort(got.v, (size_t)got.n, sizeof got.v[0], cmp_case);
        assert_int_equal(got.n, fs.n_cases);
        for (int k = 0; k < got.n; k++) {
            struct fact_case *c = &fs.cases[k], *d = &got.v[k];
            assert_int_equal(d->recv, c->recv);
            assert_int_equal(d->order_id, id);
            assert_int_equal(d->unit_id, c->unit_id);
            assert_int_equal(d->flags, c->flags);
            assert_int_equal(d->n_marks, c->n_marks);
            for (int m = 0; m < c->n_marks; m++, marks++) {
                assert_int_equal(d->marks[m].at, c->marks[m].at);
                assert_int_equal(d->marks[m].v, c->marks[m].v);
                assert_int_equal(d->marks[m].kind, c->marks[m].kind);
                assert_int_equal(d->marks[m].a, c->marks[m].a);
                assert_int_equal(d->marks[m].b, c->marks[m].b);
                assert_int_equal(d->marks[m].c, c->marks[m].c);
            }
            free(d->marks);
        }
        fact_set_release(&fs);
        for (int i = 0; i < l.n; i++)
            event_release(&l.v[i]);
        orders++;
    }
    assert_int_equal(orders, min_orders);
    assert_true(marks > 20);
}

/* Payload text with quotes, backslashes, escapes and every supervision kind: the store's
 * scanner must read it as the JSON parser does. */
static void test_projection_matches_json(void **state)
{
    JS_UNUSED(state);
    struct fixture f;
    fixture_open(&f, "scan.db", "linshu-2020", "2026-10-05T09:00:00+08:00");
    const struct actor *disp = &f.as[ROLE_DISPATCHER], *sup = &f.as[ROLE_SUPERVISOR];
    const struct actor *op = fx_unit_actor(&f, 2, false);
    static const char *const kinds[] = {"city_account", "city_written", "county_inspection",
                                        "media",        "discipline",   "巡查\\\"督办\\\\"};
    char args[512];
    for (int i = 0; i < 6; i++) {
        int64_t id = fx_ok(&f, &f.as[ROLE_AGENT], ACT_INTAKE, 0,
                           "{\"channel\":\"upstream\",\"upstream_id\":\"U\\\"1\\\\\","
                           "\"type\":\"praise\",\"title\":\"表扬\\\"好\\\"\\\\ \\u4e2d\\n\","
                           "\"text\":\"{\\\"set\\\":{\\\"units\\\":[]}} \\\\\\\"\","
                           "\"anonymous\":true,\"address\":\"某路1号\"}");
        fx_ok(&f, &f.as[ROLE_AGENT], ACT_FILE, id, "{}");
        snprintf(args, sizeof args, "{\"unit_id\":%lld,\"note\":\"\\\"set\\\":1\"}",
                 (long long)f.unit_dept[0]);
        fx_ok(&f, disp, ACT_DISPATCH, id, args);
        fx_ok(&f, op, ACT_SIGN, id, "{}");
        if (i == 4) { /* a return after the 1-working-day window (超期回退, 001 附件 三(一)2(2)) */
            fx_advance(&f, 3 * 24 * HOUR);
            fx_ok(&f, op, ACT_RETURN, id,
                  "{\"reason\":\"非本单位\\\"职责\\\"\",\"legal_basis\":\"三定\"}");
            fx_ok(&f, disp, ACT_RETURN_REJECT, id,
                  "{\"reason\":\"属本单位\",\"unjustified\":false}");
        }
        /* 签批 by the unit's leader (001 §二(二)) */
        fx_ok(&f, fx_unit_actor(&f, 2, true), ACT_SIGN_APPROVAL, id,
              "{\"handler\":\"李\\\"科员\\\"\"}");
        snprintf(args, sizeof args, "{\"reason\":\"反复\\\"投诉\\\"\",\"kind\":\"%s\"}", kinds[i]);
        fx_ok(&f, sup, ACT_SUPERVISE, id, args);
        if (i % 2)
            fx_ok(&f, op, ACT_SUPERVISE_ANSWER, id, "{\"answer\":\"已\\\"处理\\\"\"}");
        fx_advance(&f, HOUR);
        fx_ok(&f, op, ACT_REPLY, id,
              i == 5
                  ? "{\"result\":\"解释\\\\说明\",\"closure\":\"explained\",\"responsible\":\"王\","
                    "\"handler\":\"李\"}"
                  : "{\"result\":\"\\\"已\\\"\",\"closure\":\"resolved\",\"responsible\":\"王\","
                    "\"handler\":\"李\"}");
        fx_ok(&f, &f.as[ROLE_REVIEWER], ACT_REVIEW, id,
              i == 3 ? "{\"pass\":false,\"reason\":\"\\\\\",\"not_closed_reason\":\"other\"}"
                     : "{\"pass\":true}");
    }
    /* two orders of the second department called back with the service process asked apart
     * from the result (001 附件 三(一)2(1)); the second is sent back by the city, which starts a
     * new feedback limit (003 art. 13(1)) that passes unmet */
    const struct actor *op2 = fx_unit_actor(&f, 3, false), *lead2 = fx_unit_actor(&f, 3, true);
    static const char *const callbacks[] = {
        "{\"contacted\":true,\"solved\":true,\"satisfaction\":\"satisfied\","
        "\"note\":\"\\\"process_satisfaction\\\":1\",\"process_satisfaction\":\"unsatisfied\"}",
        "{\"contacted\":true,\"solved\":false,\"satisfaction\":\"unsatisfied\","
        "\"process_satisfaction\":\"basic\"}"};
    for (int i = 0; i < 2; i++) {
        int64_t id = fx_new_filed(&f);
        snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_dept[1]);
        fx_ok(&f, disp, ACT_DISPATCH, id, args);
        fx_ok(&f, op2, ACT_SIGN, id, "{}");
        fx_ok(&f, lead2, ACT_SIGN_APPROVAL, id, "{\"handler\":\"李\"}");
        fx_ok(&f, op2, ACT_REPLY, id,
              "{\"result\":\"已处理\",\"closure\":\"resolved\",\"responsible\":\"王\","
              "\"handler\":\"李\"}");
        fx_ok(&f, &f.as[ROLE_REVIEWER], ACT_REVIEW, id, "{\"pass\":true}");
        fx_ok(&f, &f.as[ROLE_CALLBACK], ACT_CALLBACK, id, callbacks[i]);
        if (i == 1)
            fx_ok(&f, &f.as[ROLE_CALLBACK], ACT_REOPEN, id,
                  "{\"level\":\"upstream\",\"reason\":\"未解决\"}");
    }
    struct assess_store *st;
    struct js_error e;
    assert_int_equal(assess_store_open(f.db, &st, &e), 0);
    struct assess_sync_stats ss;
    assert_int_equal(assess_sync(st, false, &ss, &e), 0);
    assert_int_equal(ss.orders, 8);
    check_projection(&f, 8);
    struct scheme *ls;
    assert_int_equal(assess_scheme_load(st, NULL, "linshu-2020", &ls, &e), 0);
    struct ind_period oct;
    assert_int_equal(ind_period_parse("2026-10", &oct, &e), 0);
    struct assess_report r;
    assert_int_equal(assess_run(st, ls, &oct, &r, &e), 0);
    /* 0.2 + 0.5 + 1 + 5 + 5 + 0 (an unknown kind weighs nothing) */
    NEAR(ind(&r, f.unit_dept[0], IND_SUPERVISION_DEDUCTION), 11.7);
    NEAR(ind(&r, f.unit_dept[0], IND_PRAISE_COUNT), 6);
    NEAR(ind(&r, f.unit_dept[0], IND_EXPLAINED_RATIO), 1.0 / 6);
    NEAR(ind(&r, f.unit_dept[0], IND_REWORK_RATE), 1.0 / 6);
    NEAR(ind(&r, f.unit_dept[0], IND_RETURN_RATE), 1.0 / 6);
    NEAR(ind(&r, f.unit_dept[0], IND_FEEDBACK_ONTIME_RATE), 1); /* replied within the limit */
    /* 服务响应率: the order whose service process was unsatisfying is not responded */
    NEAR(ind(&r, f.unit_dept[1], IND_RESPONDED_RATE), 0.5);
    NEAR(ind(&r, f.unit_dept[1], IND_SATISFACTION_RATE), 0.5);
    /* 按时反馈率: both replied within their first limit; the reopened order's second limit (5
     * working days from early October) passed by the cut-off without feedback */
    NEAR(ind(&r, f.unit_dept[1], IND_FEEDBACK_ONTIME_RATE), 0.5);
    assess_report_release(&r);

    /* migration 16, run again as an upgrade runs it, makes the next sync fold every order (the
     * facts of a database folded before it lack the marks above); the projection comes back
     * the same */
    const char *m16 = NULL;
    for (int i = 0; i < (tu_pg() ? pg_n_migrations : sqlite_n_migrations); i++)
        if ((tu_pg() ? pg_migrations[i].version : sqlite_migrations[i].version) == 16)
            m16 = tu_pg() ? pg_migrations[i].sql : sqlite_migrations[i].sql;
    assert_non_null(m16);
    assert_int_equal(tu_raw_exec(f.db, "DELETE FROM assess_cases"), 0);
    assert_int_equal(tu_raw_exec(f.db, m16), 0);
    assert_int_equal(assess_sync(st, false, &ss, &e), 0);
    assert_true(ss.full);
    assert_int_equal(ss.orders, 8);
    check_projection(&f, 8);
    scheme_free(ls);
    assess_store_close(st);
    fixture_close(&f);
}

static void test_open_refuses(void **state)
{
    JS_UNUSED(state);
    struct assess_store *st = NULL;
    struct js_error e;
    /* a database that `jiesu init` has not set up, on the backend under test */
    assert_int_equal(assess_store_open(tu_db_fresh("missing.db"), &st, &e), -JS_EDB);
    assert_null(st);
    assert_int_equal(assess_store_open("mysql://x", &st, &e), -JS_EINVAL);
    const char *empty = tu_db_fresh("empty.db");
    assert_int_equal(tu_raw_exec(empty, "CREATE TABLE t(x INTEGER)"), 0);
    assert_int_equal(assess_store_open(empty, &st, &e), -JS_EDB);
    assert_non_null(strstr(e.message, "jiesu init"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assessment),
        cmocka_unit_test(test_projection_matches_json),
        cmocka_unit_test(test_open_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
