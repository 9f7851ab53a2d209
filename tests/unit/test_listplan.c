/* Order lists (issue 13): every filter of the orders API and the combinations the UI sends,
 * in every sort, paged by cursor, give exactly the orders a plain scan finds, in order; and on
 * SQLite each page's plan walks the intended index with no sort of the matches ("USE TEMP
 * B-TREE FOR ORDER BY"), whatever the planner statistics say (none, full, or misleading); and
 * the indexes that serve the lists cost a write to orders no temporary table. */
#include "compat.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/buf.h"

#define T0       1767196800 /* 2026-01-01 */
#define N_ORDERS 600
#define NOW      (T0 + 200 * 3600)

struct world {
    int64_t district, street[2], community[4];
    int64_t cat_root[2], cat_mid[4], cat_leaf[8];
    int64_t units[4];
};

static uint64_t rng = 88172645463325252ULL;
static int pick(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static struct store *open_store(const char *loc)
{
    struct store *s = NULL;
    struct js_error e;
    if (store_open(loc, &s, &e) || s->ops->migrate(s, &e))
        fail_msg("store: %s", e.message);
    return s;
}

static int64_t region(struct store *s, int64_t parent, int level, const char *name)
{
    struct region r = {.parent_id = parent, .level = level};
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.code, sizeof r.code, "R%.30s", name); /* the names here are short */
    assert_int_equal(s->ops->region_put(s, &r), 0);
    return r.id;
}

static int64_t category(struct store *s, int64_t parent, int level, const char *code)
{
    struct category c = {.parent_id = parent, .level = level};
    snprintf(c.code, sizeof c.code, "%s", code);
    snprintf(c.name, sizeof c.name, "类别%s", code);
    assert_int_equal(s->ops->category_put(s, &c), 0);
    return c.id;
}

static const char *const titles[] = {"楼下饭店噪音扰民", "小区停车难",     "路灯不亮",
                                     "物业不作为",       "垃圾清运不及时", "表扬社区工作人员"};

static void build(struct store *s, struct world *w)
{
    char name[32];
    w->district = region(s, 0, RLEVEL_DISTRICT, "东城区");
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "街道%d", i);
        w->street[i] = region(s, w->district, RLEVEL_STREET, name);
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "社区%d", i * 2 + k);
            w->community[i * 2 + k] = region(s, w->street[i], RLEVEL_COMMUNITY, name);
        }
    }
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "R%d", i);
        w->cat_root[i] = category(s, 0, 1, name);
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "M%d", i * 2 + k);
            w->cat_mid[i * 2 + k] = category(s, w->cat_root[i], 2, name);
            for (int j = 0; j < 2; j++) {
                snprintf(name, sizeof name, "L%d", i * 4 + k * 2 + j);
                w->cat_leaf[i * 4 + k * 2 + j] = category(s, w->cat_mid[i * 2 + k], 3, name);
            }
        }
    }
    for (int i = 0; i < 4; i++) {
        struct unit u = {.kind = UNIT_DEPARTMENT, .active = true};
        snprintf(u.code, sizeof u.code, "U%d", i);
        snprintf(u.name, sizeof u.name, "单位%d", i);
        assert_int_equal(s->ops->unit_put(s, &u), 0);
        w->units[i] = u.id;
    }
    static const int statuses[] = {ST_RECEIVED, ST_FILED,    ST_ANSWERED,     ST_DISPATCHED,
                                   ST_RETURNED, ST_HANDLING, ST_COORDINATION, ST_REPLIED,
                                   ST_CALLBACK, ST_CLOSED,   ST_CLOSED,       ST_ARCHIVED};
    static const char *const channels[] = {"hotline-12345", "web", "wechat"};
    assert_int_equal(s->ops->begin(s), 0);
    for (int i = 0; i < N_ORDERS; i++) {
        struct order o;
        order_init(&o);
        o.status = statuses[pick(12)];
        o.category_id = pick(5) ? w->cat_leaf[pick(8)] : w->cat_mid[pick(4)];
        o.region_id = pick(5) ? w->community[pick(4)] : w->street[pick(2)];
        snprintf(o.channel, sizeof o.channel, "%s", channels[pick(3)]);
        o.type = pick(TYPE__COUNT);
        o.level = pick(LEVEL__COUNT);
        /* equal times on purpose: the id decides between them */
        o.created_at = T0 + (int64_t)(i / 3) * 3600 + pick(2) * 60;
        o.updated_at = o.created_at + pick(48) * 3600;
        o.deadline = pick(4) ? o.created_at + pick(72) * 3600 : 0;
        o.hang = pick(6) ? 0 : 2;
        o.not_filed_reason = -1;
        o.closure = -1;
        o.cb_contacted = o.cb_solved = -1;
        order_set_str(&o.title, titles[pick(6)]);
        order_set_str(&o.text, "市民反映情况，请尽快处理");
        int nu = pick(3);
        for (int k = 0; k < nu; k++) {
            int64_t u = w->units[pick(4)];
            if (k && u == o.units[0].unit_id)
                break;
            o.units[o.n_units++] = (struct assignment){
                .unit_id = u, .role = k ? ASG_ASSIST : ASG_LEAD, .active = true};
        }
        assert_int_equal(s->ops->order_insert(s, &o), 0);
        order_release(&o);
    }
    assert_int_equal(s->ops->commit(s), 0);
}

/* ---- the expected lists, by a plain scan ---------------------------------------------------- */

/* What the plain scan needs of an order. */
struct row {
    int64_t id, category_id, region_id, deadline, created_at, updated_at, units[ORDER_MAX_UNITS];
    int status, type, level, hang, n_units;
    char channel[24];
    bool noise, parking; /* the title holds 噪音, 停车 */
};
struct all {
    struct row *v;
    int n;
};

static int keep(void *ctx, const struct order *o)
{
    struct all *a = ctx;
    a->v = realloc(a->v, (size_t)(a->n + 1) * sizeof *a->v);
    assert_non_null(a->v);
    struct row *r = &a->v[a->n++];
    *r = (struct row){.id = o->id,
                      .category_id = o->category_id,
                      .region_id = o->region_id,
                      .deadline = o->deadline,
                      .created_at = o->created_at,
                      .updated_at = o->updated_at,
                      .status = o->status,
                      .type = o->type,
                      .level = o->level,
                      .hang = o->hang,
                      .n_units = o->n_units,
                      .noise = o->title && strstr(o->title, "噪音"),
                      .parking = o->title && strstr(o->title, "停车")};
    snprintf(r->channel, sizeof r->channel, "%s", o->channel);
    for (int i = 0; i < o->n_units; i++)
        r->units[i] = o->units[i].unit_id;
    return 0;
}

static bool under(const struct world *w, bool region_tree, int64_t node, int64_t root)
{
    if (node == root)
        return true;
    if (region_tree) {
        for (int i = 0; i < 2; i++)
            if (root == w->street[i])
                return node == w->community[i * 2] || node == w->community[i * 2 + 1];
        return root == w->district;
    }
    for (int i = 0; i < 4; i++)
        if (root == w->cat_mid[i])
            return node == w->cat_leaf[i * 2] || node == w->cat_leaf[i * 2 + 1];
    for (int i = 0; i < 2; i++)
        if (root == w->cat_root[i]) {
            for (int k = 0; k < 2; k++)
                if (node == w->cat_mid[i * 2 + k] || node == w->cat_leaf[i * 4 + k * 2] ||
                    node == w->cat_leaf[i * 4 + k * 2 + 1])
                    return true;
        }
    return false;
}

static bool matches(const struct world *w, const struct order_query *q, const struct row *o,
                    const char *word)
{
    bool st = q->n_statuses == 0;
    for (int i = 0; i < q->n_statuses; i++)
        st = st || o->status == q->statuses[i];
    bool unit = q->unit_id == 0;
    for (int i = 0; i < o->n_units; i++)
        unit = unit || o->units[i] == q->unit_id;
    bool overdue =
        o->deadline > 0 && o->deadline < q->now && o->hang != 2 &&
        (o->status == ST_DISPATCHED || o->status == ST_HANDLING || o->status == ST_RETURNED);
    return st && unit && (!q->category_id || under(w, false, o->category_id, q->category_id)) &&
           (!q->region_id || under(w, true, o->region_id, q->region_id)) &&
           (!q->channel || strcmp(o->channel, q->channel) == 0) &&
           (q->type < 0 || o->type == q->type) && (q->level < 0 || o->level == q->level) &&
           (q->overdue < 0 || overdue == (q->overdue == 1)) &&
           (!q->from || o->created_at >= q->from) && (!q->to || o->created_at < q->to) &&
           (!word || (strcmp(word, "噪音") == 0 ? o->noise : o->parking));
}

static int64_t key_of(int sort, const struct row *o)
{
    switch (sort) {
    case SORT_DEADLINE_ASC:
        return o->deadline > 0 ? o->deadline : INT64_MAX;
    case SORT_UPDATED_DESC:
        return o->updated_at;
    default:
        return o->created_at;
    }
}

static int g_sort;
static int cmp_expected(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    int64_t kx = key_of(g_sort, x), ky = key_of(g_sort, y);
    int c = kx < ky ? -1 : kx > ky ? 1 : x->id < y->id ? -1 : x->id > y->id;
    return g_sort == SORT_CREATED_DESC || g_sort == SORT_UPDATED_DESC ? -c : c;
}

struct ids {
    int64_t v[N_ORDERS + 10];
    int n;
};
static int add_id(void *ctx, const struct order *o)
{
    struct ids *l = ctx;
    assert_true(l->n < N_ORDERS + 10);
    l->v[l->n++] = o->id;
    return 0;
}

/* Pages through q 7 at a time by cursor and compares with the plain scan. */
static void check_list(struct store *s, const struct world *w, const struct all *a,
                       struct order_query q, const char *word, const char *name)
{
    struct ids want = {.n = 0}, got = {.n = 0};
    struct row *sorted = calloc((size_t)a->n, sizeof *sorted);
    int n = 0;
    for (int i = 0; i < a->n; i++)
        if (matches(w, &q, &a->v[i], word))
            sorted[n++] = a->v[i];
    g_sort = q.sort;
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_expected);
    for (int i = 0; i < n; i++)
        want.v[want.n++] = sorted[i].id;
    free(sorted);
    char cursor[64] = "", next[64];
    q.limit = 7;
    for (int pages = 0; pages < N_ORDERS; pages++) {
        q.cursor = cursor[0] ? cursor : NULL;
        int rc = s->ops->order_query(s, &q, add_id, &got, next, sizeof next);
        if (rc)
            fail_msg("%s: order_query %d", name, rc);
        if (!next[0])
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    if (got.n != want.n)
        fail_msg("%s: %d orders listed, %d expected", name, got.n, want.n);
    for (int i = 0; i < want.n; i++)
        if (got.v[i] != want.v[i])
            fail_msg("%s: order %d is %lld, expected %lld", name, i, (long long)got.v[i],
                     (long long)want.v[i]);
}

/* ---- the cases --------------------------------------------------------------------------------
 */

enum {
    P_NONE,
    P_UNIT,
    P_CATEGORY,
    P_REGION,
    P_CHANNEL,
    P_TYPE,
    P_LEVEL,
    P_OVERDUE,
    P_RANGE,
    P_SEARCH
};

struct lcase {
    const char *name;
    int statuses[6], n_statuses;
    int sort, param;
    bool unit_too;
    const char *index; /* the index the SQLite plan walks (NULL: not checked) */
};

static const struct lcase cases[] = {
    {"default", {0}, 0, SORT_CREATED_DESC, P_NONE, false, "orders_created"},
    {"oldest first", {0}, 0, SORT_CREATED_ASC, P_NONE, false, "orders_created"},
    {"by deadline", {0}, 0, SORT_DEADLINE_ASC, P_NONE, false, "orders_deadline_key"},
    {"recently updated", {0}, 0, SORT_UPDATED_DESC, P_NONE, false, "orders_updated"},
    {"closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, P_NONE, false, "orders_status_created"},
    {"received oldest first",
     {ST_RECEIVED},
     1,
     SORT_CREATED_ASC,
     P_NONE,
     false,
     "orders_status_created"},
    {"replied by update",
     {ST_REPLIED},
     1,
     SORT_UPDATED_DESC,
     P_NONE,
     false,
     "orders_status_updated"},
    {"callback,answered",
     {ST_CALLBACK, ST_ANSWERED},
     2,
     SORT_UPDATED_DESC,
     P_NONE,
     false,
     "orders_status_updated"},
    {"dispatched,handling",
     {ST_DISPATCHED, ST_HANDLING},
     2,
     SORT_CREATED_DESC,
     P_NONE,
     false,
     "orders_status_created"},
    {"inbox",
     {ST_DISPATCHED, ST_HANDLING, ST_RETURNED, ST_REPLIED, ST_COORDINATION},
     5,
     SORT_DEADLINE_ASC,
     P_NONE,
     false,
     "orders_status_deadline"},
    {"unit inbox",
     {ST_DISPATCHED, ST_HANDLING, ST_RETURNED, ST_REPLIED, ST_COORDINATION},
     5,
     SORT_DEADLINE_ASC,
     P_NONE,
     true,
     "orders_status_deadline"},
    {"unit", {0}, 0, SORT_CREATED_DESC, P_UNIT, false, "order_units_created"},
    {"unit oldest first", {0}, 0, SORT_CREATED_ASC, P_UNIT, false, "order_units_created"},
    {"unit closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, P_NONE, true, "order_units_created"},
    {"unit by update", {0}, 0, SORT_UPDATED_DESC, P_UNIT, false, "orders_updated"},
    {"category subtree", {0}, 0, SORT_CREATED_DESC, P_CATEGORY, false, "orders_category_created"},
    {"region subtree", {0}, 0, SORT_CREATED_DESC, P_REGION, false, "orders_region_created"},
    {"channel", {0}, 0, SORT_CREATED_DESC, P_CHANNEL, false, "orders_channel_created"},
    {"type", {0}, 0, SORT_CREATED_DESC, P_TYPE, false, "orders_type_created"},
    {"level", {0}, 0, SORT_CREATED_ASC, P_LEVEL, false, "orders_level_created"},
    {"overdue", {0}, 0, SORT_CREATED_DESC, P_OVERDUE, false, "orders_overdue_created"},
    {"overdue by deadline", {0}, 0, SORT_DEADLINE_ASC, P_OVERDUE, false, "orders_overdue_deadline"},
    {"overdue dispatched,handling",
     {ST_DISPATCHED, ST_HANDLING},
     2,
     SORT_CREATED_DESC,
     P_OVERDUE,
     false,
     "orders_overdue_created"},
    {"date range", {0}, 0, SORT_CREATED_DESC, P_RANGE, false, "orders_created"},
    {"date range oldest first", {0}, 0, SORT_CREATED_ASC, P_RANGE, false, "orders_created"},
    {"closed in a date range",
     {ST_CLOSED},
     1,
     SORT_CREATED_DESC,
     P_RANGE,
     false,
     "orders_status_created"},
    {"category and status",
     {ST_HANDLING},
     1,
     SORT_CREATED_DESC,
     P_CATEGORY,
     false,
     "orders_status_created"},
    {"search", {0}, 0, SORT_CREATED_DESC, P_SEARCH, false, NULL},
    {"search closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, P_SEARCH, false, NULL},
};

static struct order_query query_of(const struct world *w, const struct lcase *c, int v,
                                   struct st_query *m)
{
    struct order_query q = {.statuses = c->statuses,
                            .n_statuses = c->n_statuses,
                            .type = -1,
                            .level = -1,
                            .overdue = -1,
                            .now = NOW,
                            .sort = c->sort,
                            .limit = 50};
    if (c->param == P_UNIT || c->unit_too)
        q.unit_id = w->units[v % 4];
    switch (c->param) {
    case P_CATEGORY:
        q.category_id = v % 2 ? w->cat_mid[v % 4] : w->cat_root[v % 2];
        break;
    case P_REGION:
        q.region_id = v % 2 ? w->street[v % 2] : w->district;
        break;
    case P_CHANNEL:
        q.channel = v % 2 ? "web" : "wechat";
        break;
    case P_TYPE:
        q.type = v % TYPE__COUNT;
        break;
    case P_LEVEL:
        q.level = v % LEVEL__COUNT;
        break;
    case P_OVERDUE:
        q.overdue = 1;
        break;
    case P_RANGE:
        q.from = T0 + 20 * 3600 + v * 3600;
        q.to = q.from + 80 * 3600;
        break;
    case P_SEARCH:
        assert_int_equal(searchtext_query(v % 2 ? "噪音" : "停车", NULL, m), 0);
        q.match = m;
        break;
    default:
        break;
    }
    return q;
}

static void test_lists_page_like_a_scan(void **state)
{
    (void)state;
    const char *loc = tu_db_fresh("listplan-scan.db");
    struct store *s = open_store(loc);
    struct world w;
    build(s, &w);
    struct all a = {0};
    assert_int_equal(s->ops->order_each(s, keep, &a), 0);
    assert_int_equal(a.n, N_ORDERS);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int v = 0; v < 2; v++) {
            struct st_query m;
            memset(&m, 0, sizeof m);
            struct order_query q = query_of(&w, &cases[i], v, &m);
            const char *word = q.match ? (v % 2 ? "噪音" : "停车") : NULL;
            check_list(s, &w, &a, q, word, cases[i].name);
            if (q.match)
                searchtext_query_release(&m);
        }
    free(a.v);
    store_close(s);
}

/* The plan of every case walks its index, with no sort of the matches. */
static void check_plans(struct store *s, const struct world *w, const char *when)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct st_query m;
        memset(&m, 0, sizeof m);
        struct order_query q = query_of(w, &cases[i], 1, &m);
        struct buf plan;
        buf_init(&plan, 0);
        assert_int_equal(s->ops->order_query_plan(s, &q, &plan), 0);
        const char *text = plan.data ? plan.data : "";
        if (getenv("JIESU_SHOW_PLANS")) /* to read them: JIESU_SHOW_PLANS=1 build/test_listplan */
            print_message("%s (%s):\n%s", cases[i].name, when, text);
        if (cases[i].index && !strstr(text, cases[i].index))
            fail_msg("%s (%s): the plan does not use %s:\n%s", cases[i].name, when, cases[i].index,
                     text);
        /* a search with few matches reads them all and sorts them (at most 1,000 by rule) */
        if (!q.match && strstr(text, "TEMP B-TREE"))
            fail_msg("%s (%s): the plan sorts the matches:\n%s", cases[i].name, when, text);
        if (q.match && !strstr(text, "order_search"))
            fail_msg("%s (%s): the plan does not read the search index:\n%s", cases[i].name, when,
                     text);
        buf_release(&plan);
        if (q.match)
            searchtext_query_release(&m);
    }
}

static void test_plans_hold_whatever_the_statistics(void **state)
{
    (void)state;
    const char *loc = tu_db_fresh("listplan-plans.db");
    struct store *s = open_store(loc);
    struct world w;
    build(s, &w);
    if (tu_pg()) {
        /* PostgreSQL plans by cost (no index can be named): every walk must at least stop at
         * the page's end (a Limit node), never read all matches to sort them */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            struct st_query m;
            memset(&m, 0, sizeof m);
            struct order_query q = query_of(&w, &cases[i], 1, &m);
            struct buf plan;
            buf_init(&plan, 0);
            assert_int_equal(s->ops->order_query_plan(s, &q, &plan), 0);
            if (!plan.data || !strstr(plan.data, "Limit"))
                fail_msg("%s: the plan has no limit:\n%s", cases[i].name,
                         plan.data ? plan.data : "");
            buf_release(&plan);
            if (q.match)
                searchtext_query_release(&m);
        }
        assert_int_equal(s->ops->analyze(s), 0);
        store_close(s);
        return;
    }
    check_plans(s, &w, "no statistics");
    assert_int_equal(s->ops->analyze(s), 0);
    check_plans(s, &w, "full statistics");
    store_close(s);
    /* statistics that lie: every status index says one value holds all rows, the creation
     * index that each value is unique; a sampled ANALYZE once did about this (issue 13) */
    assert_int_equal(tu_raw_exec(loc, "UPDATE sqlite_stat1 SET stat = '10000000 10000000 1'"
                                      " WHERE idx LIKE 'orders_status%';"
                                      "UPDATE sqlite_stat1 SET stat = '10000000 1'"
                                      " WHERE idx IN ('orders_created', 'orders_updated');"
                                      "UPDATE sqlite_stat1 SET stat = '10000000 10000000 1 1'"
                                      " WHERE idx = 'order_units_created'"),
                     0);
    s = open_store(loc);
    check_plans(s, &w, "misleading statistics");
    store_close(s);
}

/* SQLite evaluates each partial index's condition for the old and the new row of every write
 * to orders; an IN list of three values in one built a temporary table each time, for every
 * lifecycle action (migration 21 spells the overdue indexes' condition without IN). PostgreSQL
 * has no such cost to check: its partial indexes keep IN. */
static void test_writes_build_no_temp_table(void **state)
{
    (void)state;
    if (tu_pg())
        return;
    struct store *s = open_store(tu_db_fresh("listplan-writes.db"));
    sqlite3 *db = store_sqlite_db(s);
    assert_non_null(db);
    static const char *const writes[] = {
        "EXPLAIN UPDATE orders SET status = 8, deadline = 1, hang = 0, created_at = 1,"
        " updated_at = 1, version = 2 WHERE id = 1 AND version = 1",
        "EXPLAIN DELETE FROM orders WHERE id = 1",
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, writes[i], -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *op = (const char *)sqlite3_column_text(st, 1);
            if (op && strcmp(op, "OpenEphemeral") == 0)
                fail_msg("%s builds a temporary table (instruction %d)", writes[i],
                         sqlite3_column_int(st, 0));
        }
        sqlite3_finalize(st);
    }
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists_page_like_a_scan),
        cmocka_unit_test(test_plans_hold_whatever_the_statistics),
        cmocka_unit_test(test_writes_build_no_temp_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
