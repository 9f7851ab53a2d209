/* Hotspot early warning: each rule firing and not firing (threshold, growth against the
 * baseline, distinct citizens — one caller calling three times is one citizen), no second
 * warning for the same evidence, topic validation refusals, and the scan over a real store
 * (evidence, recipients, notifications in the outbox, acknowledgement and follow-up). */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hotspot.h"
#include "store/hotspot_scan.h"
#include "store/timers_store.h"
#include "util/jtime.h"

#define NOW ((int64_t)1764000000) /* some instant; only differences matter */
#define H   ((int64_t)3600)

static void item(struct hotspot_item *it, int64_t id, int64_t at, const char *phone)
{
    memset(it, 0, sizeof *it);
    it->id = id;
    it->at = at;
    hotspot_citizen_key(phone, NULL, it->citizen, sizeof it->citizen);
}

static void topic(struct hotspot_topic *t)
{
    hotspot_topic_init(t);
    snprintf(t->name, sizeof t->name, "测试专题");
    t->threshold = 3;
    t->window_days = 7;
    t->growth_min = 4;
    t->growth_days = 14;
    t->growth_k = 3;
    t->citizens_min = 3;
}

/* ---- threshold ----------------------------------------------------------------------------- */

static void test_threshold(void **state)
{
    (void)state;
    struct hotspot_topic t;
    struct hotspot_item it[5];
    struct hotspot_finding f;
    topic(&t);
    /* three citizens within the week: fires, evidence the three orders */
    item(&it[0], 1, NOW - 6 * JT_DAY, "13800000001");
    item(&it[1], 2, NOW - 2 * JT_DAY, "13800000002");
    item(&it[2], 3, NOW - H, "13800000003");
    assert_int_equal(hotspot_threshold(&t, it, 3, NOW, &f), 1);
    assert_int_equal(f.n_ids, 3);
    assert_int_equal(f.count, 3);
    assert_int_equal(f.from, NOW + 1 - 7 * JT_DAY);
    hotspot_finding_release(&f);
    /* the first falls out of the window: 2 < 3 */
    assert_int_equal(hotspot_threshold(&t, it, 3, NOW + JT_DAY + 1, &f), 0);
    assert_int_equal(f.count, 2);
    hotspot_finding_release(&f);
    /* one caller three times is one reporter */
    item(&it[0], 1, NOW - 3 * H, "13800000009");
    item(&it[1], 2, NOW - 2 * H, "+86 138-0000-0009");
    item(&it[2], 3, NOW - H, "13800000009");
    assert_int_equal(hotspot_threshold(&t, it, 3, NOW, &f), 0);
    assert_int_equal(f.count, 1);
    hotspot_finding_release(&f);
    /* an unknown caller counts for every order (cannot be told apart) */
    item(&it[3], 4, NOW - H, "");
    item(&it[4], 5, NOW - H, "");
    assert_int_equal(hotspot_threshold(&t, it, 5, NOW, &f), 1);
    assert_int_equal(f.count, 3);
    assert_int_equal(f.n_ids, 5);
    hotspot_finding_release(&f);
    /* off */
    t.threshold = 0;
    assert_int_equal(hotspot_threshold(&t, it, 5, NOW, &f), 0);
    hotspot_finding_release(&f);
}

/* ---- growth -------------------------------------------------------------------------------- */

static void test_growth(void **state)
{
    (void)state;
    struct hotspot_topic t;
    struct hotspot_item it[200];
    struct hotspot_finding f;
    char phone[32];
    int n = 0;
    topic(&t);
    /* a baseline of one report a day for 14 days */
    for (int d = 1; d <= 14; d++) {
        snprintf(phone, sizeof phone, "1390000%04d", d);
        item(&it[n], n + 1, NOW - d * JT_DAY - H, phone);
        n++;
    }
    /* today 6 citizens: mean 1, sd 0, spread max(0, 1, 1) = 1, limit 1 + 3 = 4 < 6 */
    for (int k = 0; k < 6; k++) {
        snprintf(phone, sizeof phone, "1370000%04d", k);
        item(&it[n], n + 1, NOW - H * (k + 1), phone);
        n++;
    }
    assert_int_equal(hotspot_growth(&t, it, n, NOW, &f), 1);
    assert_int_equal(f.count, 6);
    assert_int_equal(f.n_ids, 6);
    assert_true(f.mean > 0.99 && f.mean < 1.01);
    assert_true(f.limit > 3.99 && f.limit < 4.01);
    assert_int_equal(f.from, NOW + 1 - JT_DAY);
    hotspot_finding_release(&f);
    /* the same six days after a busy fortnight (five a day): limit 5 + 3·√5 ≈ 11.7 */
    int m = 0;
    struct hotspot_item busy[200];
    for (int d = 1; d <= 14; d++)
        for (int k = 0; k < 5; k++) {
            snprintf(phone, sizeof phone, "13%02d%02d000000", d, k);
            item(&busy[m], m + 1, NOW - d * JT_DAY - H * (k + 1), phone);
            m++;
        }
    for (int k = 0; k < 6; k++)
        busy[m++] = it[14 + k];
    assert_int_equal(hotspot_growth(&t, busy, m, NOW, &f), 0);
    assert_true(f.limit > 11.6 && f.limit < 11.8);
    hotspot_finding_release(&f);
    /* a surge from one caller (six calls) is one reporter: below growth_min */
    for (int k = 0; k < 6; k++)
        hotspot_citizen_key("13600000000", NULL, it[14 + k].citizen, sizeof it[14 + k].citizen);
    assert_int_equal(hotspot_growth(&t, it, n, NOW, &f), 0);
    assert_int_equal(f.count, 1);
    hotspot_finding_release(&f);
    /* above the limit but under the minimum count: 3 citizens against an empty baseline */
    struct hotspot_item few[3];
    for (int k = 0; k < 3; k++) {
        snprintf(phone, sizeof phone, "1350000%04d", k);
        item(&few[k], k + 1, NOW - H, phone);
    }
    t.growth_min = 4;
    assert_int_equal(hotspot_growth(&t, few, 3, NOW, &f), 0);
    hotspot_finding_release(&f);
}

/* ---- citizens ------------------------------------------------------------------------------ */

static void test_citizens(void **state)
{
    (void)state;
    struct hotspot_topic t;
    struct hotspot_item it[6];
    struct hotspot_finding f;
    int idx[3] = {0, 1, 2};
    topic(&t);
    /* one caller three times (with and without +86): one citizen, no warning */
    item(&it[0], 1, NOW - H, "13800138000");
    item(&it[1], 2, NOW - H, "+86 13800138000");
    item(&it[2], 3, NOW - H, "138-0013-8000");
    assert_int_equal(hotspot_count_citizens(it, idx, 3), 1);
    assert_int_equal(hotspot_citizens(&t, it, idx, 3, NOW - 7 * JT_DAY, NOW, &f), 0);
    assert_int_equal(f.citizens, 1);
    hotspot_finding_release(&f);
    /* three different people: fires */
    item(&it[1], 2, NOW - H, "13900139000");
    memset(it[2].citizen, 0, sizeof it[2].citizen);
    snprintf(it[2].citizen, sizeof it[2].citizen, "n:王女士");
    assert_int_equal(hotspot_citizens(&t, it, idx, 3, NOW - 7 * JT_DAY, NOW, &f), 1);
    assert_int_equal(f.citizens, 3);
    assert_int_equal(f.n_ids, 3);
    hotspot_finding_release(&f);
    /* unknown callers are not counted as citizens */
    memset(it[2].citizen, 0, sizeof it[2].citizen);
    assert_int_equal(hotspot_citizens(&t, it, idx, 3, NOW - 7 * JT_DAY, NOW, &f), 0);
    hotspot_finding_release(&f);
    /* clusters: pairs (0,1) (1,2) (4,5) → {0,1,2} {3} {4,5} */
    int a[] = {1, 1, 5}, b[] = {0, 2, 4}, label[6];
    hotspot_clusters(6, a, b, 3, label);
    assert_int_equal(label[0], 0);
    assert_int_equal(label[1], 0);
    assert_int_equal(label[2], 0);
    assert_int_equal(label[3], 3);
    assert_int_equal(label[4], 4);
    assert_int_equal(label[5], 4);
}

/* ---- never twice for the same evidence ------------------------------------------------------ */

static void test_is_new(void **state)
{
    (void)state;
    struct hotspot_topic t;
    struct hotspot_item it[8];
    struct hotspot_finding f;
    char phone[32];
    topic(&t);
    for (int i = 0; i < 8; i++) {
        snprintf(phone, sizeof phone, "1380000000%d", i);
        item(&it[i], i + 1, NOW - H, phone);
    }
    int64_t warned[3] = {1, 2, 3};
    assert_int_equal(hotspot_threshold(&t, it, 3, NOW, &f), 1);
    /* nothing warned yet: new */
    assert_true(hotspot_is_new(&t, &f, NULL, 0, it, 8, NULL));
    /* the same evidence: not new */
    assert_false(hotspot_is_new(&t, &f, warned, 3, it, 8, NULL));
    hotspot_finding_release(&f);
    /* one more order: 1 fresh < threshold 3, not new */
    int n_new = -1;
    assert_int_equal(hotspot_threshold(&t, it, 4, NOW, &f), 1);
    assert_false(hotspot_is_new(&t, &f, warned, 3, it, 8, &n_new));
    assert_int_equal(n_new, 1);
    hotspot_finding_release(&f);
    /* three more citizens: the fresh ones alone reach the threshold */
    assert_int_equal(hotspot_threshold(&t, it, 6, NOW, &f), 1);
    assert_true(hotspot_is_new(&t, &f, warned, 3, it, 8, &n_new));
    assert_int_equal(n_new, 3);
    hotspot_finding_release(&f);
    /* with a threshold of 2, two fresh reporters reach it but do not match the three warned:
     * the problem has not doubled, no new warning */
    t.threshold = 2;
    assert_int_equal(hotspot_threshold(&t, it, 5, NOW, &f), 1);
    assert_false(hotspot_is_new(&t, &f, warned, 3, it, 8, NULL));
    hotspot_finding_release(&f);
    t.threshold = 3;
    /* the same problem was warned at 5 citizens before (older evidence, out of the items): 3 new
     * ones are not a doubling */
    assert_int_equal(hotspot_threshold(&t, it, 6, NOW, &f), 1);
    f.warned_before = 5;
    assert_false(hotspot_is_new(&t, &f, warned, 3, it, 8, NULL));
    f.warned_before = 3;
    assert_true(hotspot_is_new(&t, &f, warned, 3, it, 8, NULL));
    hotspot_finding_release(&f);
    /* three fresh orders of one caller do not make a new warning */
    for (int i = 3; i < 6; i++)
        hotspot_citizen_key("13912345678", NULL, it[i].citizen, sizeof it[i].citizen);
    assert_int_equal(hotspot_threshold(&t, it, 6, NOW, &f), 1);
    assert_false(hotspot_is_new(&t, &f, warned, 3, it, 8, NULL));
    /* the digest does not depend on the order of the ids */
    char d1[17], d2[17];
    int64_t x[3] = {5, 1, 9}, y[3] = {9, 5, 1};
    hotspot_evidence_digest(x, 3, d1);
    hotspot_evidence_digest(y, 3, d2);
    assert_string_equal(d1, d2);
    hotspot_evidence_digest(x, 2, d2);
    assert_string_not_equal(d1, d2);
    hotspot_finding_release(&f);
}

/* ---- topic validation ---------------------------------------------------------------------- */

static bool only_small_ids(void *ctx, int what, int64_t id)
{
    (void)ctx;
    (void)what;
    return id < 100;
}

static void refused(const char *json, const char *field, int code)
{
    struct hotspot_topic t;
    struct js_error e;
    struct hotspot_refs refs = {only_small_ids, NULL};
    hotspot_topic_init(&t);
    js_error_clear(&e);
    json_t *j = json_loads(json, 0, NULL);
    if (!j)
        fail_msg("bad test JSON %s", json);
    int rc = hotspot_topic_from_json(j, &refs, &t, &e);
    json_decref(j);
    if (rc != code || strcmp(e.field, field) != 0)
        fail_msg("%s: expected %s on %s, got %s on '%s' (%s)", json, js_err_name(code), field,
                 js_err_name(rc), e.field, e.message);
    /* every reason is Chinese and names the field */
    assert_non_null(
        strstr(e.message, field[0] ? (strchr(field, '.') ? strchr(field, '.') + 1 : field) : ""));
}

static void test_topic_validation(void **state)
{
    (void)state;
    struct hotspot_topic t;
    struct js_error e;
    hotspot_topic_init(&t);
    json_t *ok = json_loads(
        "{\"name\":\"公共交通\",\"kind\":\"hot\",\"keywords\":[\"公交\",\"地铁\"],"
        "\"categories\":[3],\"regions\":[5],\"threshold\":10,\"growth_min\":4,\"growth_k\":2.5,"
        "\"recipients\":{\"units\":[7],\"roles\":[\"leader\"],\"concerned\":true}}",
        0, NULL);
    struct hotspot_refs refs = {only_small_ids, NULL};
    assert_int_equal(hotspot_topic_from_json(ok, &refs, &t, &e), 0);
    assert_int_equal(t.n_keywords, 2);
    assert_int_equal(t.kind, HSK_HOT);
    assert_int_equal(t.roles[0], ROLE_LEADER);
    assert_true(t.concerned);
    /* round trip through the JSON form */
    json_t *back = hotspot_topic_to_json(&t);
    struct hotspot_topic u;
    hotspot_topic_init(&u);
    assert_int_equal(hotspot_topic_from_json(back, NULL, &u, &e), 0);
    assert_string_equal(u.name, "公共交通");
    assert_int_equal(u.threshold, 10);
    assert_true(u.growth_k > 2.49 && u.growth_k < 2.51);
    assert_int_equal(u.units[0], 7);
    json_decref(back);
    json_decref(ok);

    refused("{\"kind\":\"hot\",\"keywords\":[\"公交\"],\"threshold\":5,"
            "\"recipients\":{\"roles\":[\"leader\"]}}",
            "name", -JS_EMISSING);
    refused("{\"name\":\"x\",\"kind\":\"urgent\"}", "kind", -JS_EINVAL);
    refused("{\"name\":\"x\",\"keywords\":[\"公交 地铁\"]}", "keywords", -JS_EINVAL);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\",\"公交\"]}", "keywords", -JS_EINVAL);
    refused("{\"name\":\"x\",\"keywords\":[\"\"]}", "keywords", -JS_EINVAL);
    refused("{\"name\":\"x\",\"categories\":[100]}", "categories", -JS_EINVAL);
    refused("{\"name\":\"x\",\"regions\":[\"A\"]}", "regions", -JS_ETYPE);
    refused("{\"name\":\"x\",\"window_days\":0}", "window_days", -JS_EINVAL);
    refused("{\"name\":\"x\",\"growth_k\":0.5}", "growth_k", -JS_EINVAL);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\"],\"threshold\":1,"
            "\"recipients\":{\"roles\":[\"leader\"]}}",
            "threshold", -JS_EINVAL);
    refused("{\"name\":\"x\",\"threshold\":5,\"recipients\":{\"roles\":[\"leader\"]}}", "keywords",
            -JS_EMISSING);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\"],\"recipients\":{\"roles\":[\"leader\"]}}",
            "threshold", -JS_EMISSING);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\"],\"threshold\":5}", "recipients", -JS_EMISSING);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\"],\"threshold\":5,"
            "\"recipients\":{\"roles\":[\"unit_operator\"]}}",
            "recipients.roles", -JS_EINVAL);
    refused("{\"name\":\"x\",\"keywords\":[\"公交\"],\"threshold\":5,"
            "\"recipients\":{\"units\":[500]}}",
            "recipients.units", -JS_EINVAL);
    refused("{\"name\":\"x\",\"all_orders\":true,\"threshold\":5,"
            "\"recipients\":{\"roles\":[\"leader\"]}}",
            "threshold", -JS_EINVAL);
    refused("{\"name\":\"x\",\"colour\":\"red\"}", "colour", -JS_EUNKNOWN_FIELD);
}

/* ---- the scan over a store ------------------------------------------------------------------ */

static int64_t report(struct fixture *f, const char *title, const char *phone)
{
    char args[768];
    snprintf(args, sizeof args,
             "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"%s\","
             "\"text\":\"请尽快处理。\",\"citizen_name\":\"市民\",\"citizen_phone\":\"%s\","
             "\"address\":\"多福巷12号\",\"category_id\":%lld,\"region_id\":%lld}",
             title, phone, (long long)f->cat_leaf, (long long)f->community);
    return fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0, args);
}

struct seen {
    int n;
    int64_t ids[16];
    int rules[16];
};

static void on_raise(void *ctx, const struct hotspot_warning *w)
{
    struct seen *s = ctx;
    if (s->n < 16) {
        s->ids[s->n] = w->id;
        s->rules[s->n++] = w->rule;
    }
}

static int64_t put_topic(struct store *s, const char *json)
{
    struct hotspot_topic t;
    struct js_error e;
    hotspot_topic_init(&t);
    json_t *j = json_loads(json, 0, NULL);
    assert_non_null(j);
    if (hotspot_topic_from_json(j, NULL, &t, &e))
        fail_msg("topic: %s", e.message);
    json_decref(j);
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(s->ops->hotspot_topic_put(s, &t), 0);
    assert_int_equal(s->ops->commit(s), 0);
    return t.id;
}

static int count_hotspot_messages(struct store *s)
{
    struct outbox_query q = {.state = -1, .kind = OBK_HOTSPOT, .limit = 500};
    struct outbox_list l;
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(s, &q, &l), 0);
    int n = l.n;
    outbox_list_release(&l);
    return n;
}

/* A warning inserted by another handle in a transaction of its own (another server). */
struct racer {
    const char *loc;
    struct hotspot_warning w; /* a copy: the evidence is shared, read only */
    int rc;
};

static void *race_insert(void *arg)
{
    struct racer *x = arg;
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if ((x->rc = store_open(x->loc, &s, &e)) != 0)
        return NULL;
    if (!(x->rc = s->ops->begin(s))) {
        x->rc = s->ops->hotspot_warning_insert(s, &x->w);
        int end = x->rc ? s->ops->rollback(s) : s->ops->commit(s);
        x->rc = x->rc ? x->rc : end;
    }
    store_close(s);
    return NULL;
}

static void test_scan_store(void **state)
{
    (void)state;
    struct fixture f;
    struct js_error e;
    struct hotspot_scan_stats st;
    struct seen seen = {0};
    fixture_open(&f, "hotspot.db", "linshu-2020", "2026-03-02T09:00:00+08:00");
    struct store *s = f.store;
    char json[512];
    snprintf(json, sizeof json,
             "{\"name\":\"物业专题\",\"kind\":\"frequent\",\"categories\":[%lld],"
             "\"threshold\":3,\"citizens_min\":3,\"recipients\":{\"units\":[%lld],"
             "\"roles\":[\"leader\"],\"concerned\":true}}",
             (long long)f.cat_leaf, (long long)f.unit_dept[0]);
    int64_t topic_id = put_topic(s, json);
    /* keyword topic: 井盖 matches 井盖缺失 in a title through the Chinese search */
    put_topic(s, "{\"name\":\"井盖\",\"kind\":\"safety\",\"keywords\":[\"井盖\"],"
                 "\"citizens_min\":2,\"recipients\":{\"roles\":[\"supervisor\"]}}");
    /* nothing yet */
    assert_int_equal(hotspot_scan(s, f.now, NULL, on_raise, &seen, &st, &e), 0);
    assert_int_equal(st.raised, 0);
    /* one caller reports the missing manhole cover three times: one citizen, no warning */
    int64_t a = report(&f, "道路井盖缺失", "13700000001");
    report(&f, "井盖还没补上", "13700000001");
    report(&f, "井盖缺失很危险", "+8613700000001");
    fx_advance(&f, H);
    assert_int_equal(hotspot_scan(s, f.now, NULL, on_raise, &seen, &st, &e), 0);
    assert_int_equal(st.by_rule[HSR_CITIZENS], 0);
    /* ... which also counts once for the category's threshold (one reporter) */
    assert_int_equal(st.by_rule[HSR_THRESHOLD], 0);
    /* two more citizens: the category's threshold (3 reporters) and the one problem (3
     * citizens, same category in the same community) fire; 井盖 sees the same problem (2
     * citizens would do) but it was warned already, by the first topic that caught it */
    int64_t b = report(&f, "井盖缺失", "13700000002");
    int64_t c = report(&f, "小区门口井盖丢了", "13700000003");
    fx_advance(&f, H);
    seen.n = 0;
    assert_int_equal(hotspot_scan(s, f.now, NULL, on_raise, &seen, &st, &e), 0);
    assert_int_equal(st.by_rule[HSR_THRESHOLD], 1);
    assert_int_equal(st.by_rule[HSR_CITIZENS], 1);
    assert_int_equal(st.raised, 2);
    assert_int_equal(st.repeated, 1);
    int64_t wid = 0;
    for (int i = 0; i < seen.n; i++)
        if (seen.rules[i] == HSR_THRESHOLD)
            wid = seen.ids[i];
    struct hotspot_warning w;
    assert_int_equal(s->ops->hotspot_warning_get(s, wid, &w), 0);
    assert_int_equal(w.topic_id, topic_id);
    assert_int_equal(w.n_evidence, 5);
    assert_int_equal(w.count, 3);
    assert_int_equal(w.state, HSS_OPEN);
    bool has_a = false, has_b = false, has_c = false, dept = false, street = false;
    for (int i = 0; i < w.n_evidence; i++) {
        has_a |= w.evidence[i] == a;
        has_b |= w.evidence[i] == b;
        has_c |= w.evidence[i] == c;
    }
    for (int i = 0; i < w.n_units; i++) {
        dept |= w.units[i] == f.unit_dept[0];
        street |= w.units[i] == f.unit_street[0]; /* the street of the community */
    }
    assert_true(has_a && has_b && has_c && dept && street);
    assert_int_equal(w.n_roles, 1);
    assert_int_equal(w.roles[0], ROLE_LEADER);
    hotspot_warning_release(&w);
    /* the notifications were stored with the warnings */
    int msgs = count_hotspot_messages(s);
    assert_int_equal(msgs, st.messages);
    assert_true(msgs > 0);
    /* a second scan: the same evidence is not warned again */
    fx_advance(&f, 60);
    assert_int_equal(hotspot_scan(s, f.now, NULL, NULL, NULL, &st, &e), 0);
    assert_int_equal(st.raised, 0);
    assert_true(st.repeated >= 3);
    assert_int_equal(count_hotspot_messages(s), msgs);
    /* one more report: grown, but not by a threshold's worth */
    report(&f, "井盖缺失", "13700000004");
    fx_advance(&f, H);
    assert_int_equal(hotspot_scan(s, f.now, NULL, NULL, NULL, &st, &e), 0);
    assert_int_equal(st.by_rule[HSR_THRESHOLD], 0);
    /* the daily report's list: warnings raised in [from, to) */
    struct hotspot_warning_query q = {.from = f.now - 3 * H, .to = f.now, .state = -1, .role = -1};
    struct hotspot_warning *v = NULL;
    int n = 0;
    assert_int_equal(s->ops->hotspot_warning_list(s, &q, &v, &n), 0);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++)
        hotspot_warning_release(&v[i]);
    free(v);
    q.to = f.now - 3 * H;
    q.from = 0;
    assert_int_equal(s->ops->hotspot_warning_list(s, &q, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    /* a unit sees the warnings sent to it only */
    q = (struct hotspot_warning_query){
        .state = -1, .visible_only = true, .unit_id = f.unit_dept[2], .role = -1};
    assert_int_equal(s->ops->hotspot_warning_list(s, &q, &v, &n), 0);
    assert_int_equal(n, 0);
    free(v);
    q.unit_id = f.unit_dept[0];
    assert_int_equal(s->ops->hotspot_warning_list(s, &q, &v, &n), 0);
    assert_int_equal(n, 2); /* the category topic's two warnings */
    for (int i = 0; i < n; i++)
        hotspot_warning_release(&v[i]);
    free(v);

    /* follow-up: the unit acknowledges once, reports, closes */
    const struct actor *op = fx_unit_actor(&f, 2, false), *other = fx_unit_actor(&f, 4, false);
    struct hotspot_actor ua = {.user_id = op->user_id, .role = op->role, .unit_id = op->unit_id};
    struct hotspot_actor oa = {
        .user_id = other->user_id, .role = other->role, .unit_id = other->unit_id};
    struct hotspot_actor agent = {.user_id = f.as[ROLE_AGENT].user_id, .role = ROLE_AGENT};
    snprintf(ua.name, sizeof ua.name, "%s", op->name);
    assert_int_equal(hotspot_act(s, wid, HSN_ACK, &oa, NULL, f.now, NULL, &e), -JS_ENOTFOUND);
    assert_int_equal(hotspot_act(s, wid, HSN_ACK, &agent, NULL, f.now, NULL, &e), -JS_ENOTFOUND);
    assert_int_equal(hotspot_act(s, wid, HSN_ACK, &ua, NULL, f.now, NULL, &e), 0);
    assert_int_equal(hotspot_act(s, wid, HSN_ACK, &ua, NULL, f.now, NULL, &e), -JS_ESTATE);
    assert_int_equal(hotspot_act(s, wid, HSN_FOLLOW_UP, &ua, "", f.now, NULL, &e), -JS_EMISSING);
    assert_string_equal(e.field, "text");
    assert_int_equal(hotspot_act(s, wid, HSN_FOLLOW_UP, &ua, "已派人核查", f.now, NULL, &e), 0);
    assert_int_equal(s->ops->hotspot_warning_get(s, wid, &w), 0);
    assert_int_equal(w.state, HSS_ACKED);
    assert_int_equal(w.acked_at, f.now);
    hotspot_warning_release(&w);
    assert_int_equal(hotspot_act(s, wid, HSN_CLOSE, &ua, "已全部补齐井盖", f.now + H, NULL, &e), 0);
    assert_int_equal(hotspot_act(s, wid, HSN_FOLLOW_UP, &ua, "再补充", f.now + H, NULL, &e),
                     -JS_ESTATE);
    struct hotspot_note *notes = NULL;
    assert_int_equal(s->ops->hotspot_note_list(s, wid, &notes, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(notes[0].kind, HSN_ACK);
    assert_int_equal(notes[2].kind, HSN_CLOSE);
    free(notes);
    /* the same evidence cannot be stored twice even by a racing pass */
    assert_int_equal(s->ops->hotspot_warning_get(s, wid, &w), 0);
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(s->ops->hotspot_warning_insert(s, &w), -JS_EEXISTS);
    assert_int_equal(s->ops->rollback(s), 0);
    /* ... nor by another server's pass at the same time: it waits for this one, then is refused */
    snprintf(w.digest, sizeof w.digest, "0123456789abcdef");
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(s->ops->hotspot_warning_insert(s, &w), 0);
    struct racer x = {.loc = f.db, .w = w};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, race_insert, &x), 0);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL); /* let it meet this insert */
    assert_int_equal(s->ops->commit(s), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(x.rc, -JS_EEXISTS);
    assert_int_equal(
        tu_raw_int(f.db, "SELECT count(*) FROM hotspot_warnings WHERE digest = '0123456789abcdef'"),
        1);
    hotspot_warning_release(&w);
    fixture_close(&f);
}

/* The default topics are stored once, resolve what exists, and pass validation. */
static void test_default_topics(void **state)
{
    (void)state;
    struct fixture f;
    struct js_error e;
    int added = 0;
    fixture_open(&f, "hotspot-defaults.db", "linshu-2020", "2026-03-02T09:00:00+08:00");
    assert_int_equal(hotspot_default_topics(f.store, f.now, &added, &e), 0);
    assert_true(added >= 11);
    int again = -1;
    assert_int_equal(hotspot_default_topics(f.store, f.now, &again, &e), 0);
    assert_int_equal(again, 0);
    struct hotspot_topic *v = NULL;
    int n = 0;
    assert_int_equal(f.store->ops->hotspot_topic_list(f.store, &v, &n), 0);
    assert_int_equal(n, added);
    assert_string_equal(v[0].name, "公共交通");
    assert_string_equal(v[1].name, "义务教育");
    free(v);
    fixture_close(&f);
}

/* `warn --kind safety` (a person's 安全隐患 warning on one order) is accepted and its letter
 * to the unit says why; an unknown kind is refused. */
static void test_order_safety_warning(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "hotspot-warn.db", "linshu-2020", "2026-03-02T09:00:00+08:00");
    int64_t id = fx_new_filed(&f);
    char args[128];
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_dept[0]);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
    fx_refused(&f, &f.as[ROLE_SUPERVISOR], ACT_WARN, id,
               "{\"kind\":\"urgent\",\"level\":\"warning\",\"reason\":\"x\"}", -JS_EINVAL);
    fx_ok(&f, &f.as[ROLE_SUPERVISOR], ACT_WARN, id,
          "{\"kind\":\"safety\",\"level\":\"warning\",\"reason\":\"楼道堆放杂物堵塞消防通道\"}");
    struct outbox_query q = {.state = -1, .kind = OBK_WARNING, .order_id = id, .limit = 50};
    struct outbox_list l;
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_true(l.n > 0);
    assert_non_null(strstr(l.v[0].text, "存在安全隐患：楼道堆放杂物堵塞消防通道"));
    outbox_list_release(&l);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_citizens),         cmocka_unit_test(test_is_new),
        cmocka_unit_test(test_topic_validation), cmocka_unit_test(test_scan_store),
        cmocka_unit_test(test_default_topics),   cmocka_unit_test(test_order_safety_warning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
