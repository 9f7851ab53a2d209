/* The dashboard's figures over the API (issue 16): GET /api/v1/stats counts the orders of a
 * period by one dimension from the store's stats_count (a table the backends keep by triggers),
 * never by reading the orders; each item carries the query of the order list that shows its
 * orders (the drill-down). Unit users get their own unit's figures only. */
#include "compat.h"
#include "http/res_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/report.h"
#include "http/app.h"
#include "http/respond.h"
#include "util/buf.h"
#include "util/jtime.h"

#define STATS_MAX_DAYS 3660 /* ten years */

static const char *const stats_params[] = {"by", "from", "to", "unit_id", "per", "parent", NULL};

enum by {
    BY_DAY,
    BY_CHANNEL,
    BY_TYPE,
    BY_CATEGORY,
    BY_STREET,
    BY_UNIT,
    BY_STATUS,
    BY_REOPENED,
    BY_SATISFACTION,
    BY_OVERDUE,
    BY__COUNT
};
static const char *const by_names[] = {"day",          "channel", "type",   "category",
                                       "street",       "unit",    "status", "reopened",
                                       "satisfaction", "overdue", NULL};
/* The store's dimension of each (the day: every order has a type). */
static const int by_dim[BY__COUNT] = {SDIM_TYPE,         SDIM_CHANNEL, SDIM_TYPE,   SDIM_CATEGORY,
                                      SDIM_REGION,       SDIM_UNIT,    SDIM_STATUS, SDIM_REOPENED,
                                      SDIM_SATISFACTION, SDIM_UNIT};

enum per { PER_NONE, PER_DAY, PER_WEEK, PER_MONTH };
static const char *const per_names[] = {"none", "day", "week", "month", NULL};

/* What one request asks. */
struct ask {
    int by, per;
    int64_t from_day, to_day; /* days in [from_day, to_day] (to inclusive) */
    int64_t unit_id;          /* 0: the district */
    int64_t parent;           /* by=category: the children of this category (0: the roots) */
    int64_t now;
};

static int fail(struct http_response *res, const char *field, const char *msg)
{
    http_error(res, -JS_EINVAL, field, msg);
    return -JS_EINVAL;
}

/* A date parameter "YYYY-MM-DD" as a local day number; absent: *out unchanged. */
static int param_day(const struct http_request *req, struct http_response *res, const char *name,
                     int64_t *out)
{
    const char *v = http_query(req, name);
    int64_t t;
    if (!v)
        return 0;
    if (strlen(v) != 10 || jtime_parse(v, &t)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s 须为日期，如 2026-11-01", name);
        return fail(res, name, msg);
    }
    *out = jtime_local_day(t);
    return 0;
}

static int param_id(const struct http_request *req, struct http_response *res, const char *name,
                    int64_t *out)
{
    const char *v = http_query(req, name);
    if (!v)
        return 0;
    if (app_parse_id(v, out) || *out <= 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s 须为正整数编号", name);
        return fail(res, name, msg);
    }
    return 0;
}

static void day_text(int64_t day, char *out, size_t n)
{
    int y, m, d;
    jtime_civil_from_days(day, &y, &m, &d);
    snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

/* The first day of the period (of kind per) holding day. */
static int64_t period_start(int per, int64_t day)
{
    int y, m, d;
    switch (per) {
    case PER_WEEK:
        return day - jtime_weekday(day);
    case PER_MONTH:
        jtime_civil_from_days(day, &y, &m, &d);
        return jtime_days_from_civil(y, m, 1);
    default:
        return day;
    }
}

/* The last day of the period starting at start. */
static int64_t period_end(int per, int64_t start)
{
    int y, m, d;
    switch (per) {
    case PER_WEEK:
        return start + 6;
    case PER_MONTH:
        jtime_civil_from_days(start, &y, &m, &d);
        return start + jtime_days_in_month(y, m) - 1;
    default:
        return start;
    }
}

static void period_key(int per, int64_t start, char *out, size_t n)
{
    day_text(start, out, n);
    if (per == PER_MONTH)
        out[7] = '\0';
}

/* The order list's query for days [from, to] of a's scope and the filter extra ("" for none);
 * JSON null when extra is NULL (no list filter shows these orders). */
static json_t *list_query(const struct ask *a, int64_t from, int64_t to, const char *extra)
{
    if (!extra)
        return json_null();
    char f[16], t[16], q[256];
    day_text(from < a->from_day ? a->from_day : from, f, sizeof f);
    day_text(to > a->to_day ? a->to_day : to, t, sizeof t);
    if (a->unit_id)
        snprintf(q, sizeof q, "from=%s&to=%s&unit_id=%lld%s%s", f, t, (long long)a->unit_id,
                 extra[0] ? "&" : "", extra);
    else
        snprintf(q, sizeof q, "from=%s&to=%s%s%s", f, t, extra[0] ? "&" : "", extra);
    return json_string(q);
}

/* The organisation the labels need, loaded once per request when needed. */
struct org_cache {
    struct category *cats;
    int n_cats;
    struct region *regions;
    int n_regions;
    struct unit *units;
    int n_units;
};

static void org_cache_release(struct org_cache *o)
{
    free(o->cats);
    free(o->regions);
    free(o->units);
}

static const struct category *cat_by_id(const struct org_cache *o, int64_t id)
{
    for (int i = 0; i < o->n_cats; i++)
        if (o->cats[i].id == id)
            return &o->cats[i];
    return NULL;
}

static const struct region *region_by_id(const struct org_cache *o, int64_t id)
{
    for (int i = 0; i < o->n_regions; i++)
        if (o->regions[i].id == id)
            return &o->regions[i];
    return NULL;
}

static const char *unit_name(const struct org_cache *o, int64_t id)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].id == id)
            return o->units[i].name;
    return "已删除的单位";
}

/* The child of parent (0: the root) on the way up from category id, or -1 when id is not
 * below parent; id itself when id == parent. */
static int64_t cat_group(const struct org_cache *o, int64_t id, int64_t parent)
{
    if (id == parent)
        return id;
    for (int depth = 0; depth < 16 && id; depth++) {
        const struct category *c = cat_by_id(o, id);
        if (!c)
            return -1;
        if (c->parent_id == parent)
            return c->id;
        id = c->parent_id;
    }
    return -1;
}

static int64_t street_of(const struct org_cache *o, int64_t id)
{
    for (int depth = 0; depth < 16; depth++) {
        const struct region *r = region_by_id(o, id);
        if (!r)
            return 0;
        if (r->level == RLEVEL_STREET)
            return r->id;
        id = r->parent_id;
    }
    return 0;
}

/* Accumulated items: one per key (and period), summed. */
struct item {
    int64_t key, start;
    char name[32];
    int64_t n, reopened, overdue;
};
struct items {
    struct item *v;
    int n, cap;
};

static struct item *item_at(struct items *it, int64_t key, const char *name, int64_t start)
{
    for (int i = 0; i < it->n; i++)
        if (it->v[i].key == key && it->v[i].start == start && strcmp(it->v[i].name, name) == 0)
            return &it->v[i];
    if (it->n == it->cap) {
        int cap = it->cap ? it->cap * 2 : 64;
        struct item *nv = realloc(it->v, (size_t)cap * sizeof *nv);
        if (!nv)
            return NULL;
        it->v = nv;
        it->cap = cap;
    }
    struct item *x = &it->v[it->n++];
    memset(x, 0, sizeof *x);
    x->key = key;
    x->start = start;
    snprintf(x->name, sizeof x->name, "%s", name);
    return x;
}

/* Items by period first, then by count (largest first), then key. */
static int item_cmp(const void *pa, const void *pb)
{
    const struct item *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int count(struct app_ctx *c, const struct ask *a, int dim, bool per_day, bool each_unit,
                 int64_t overdue_at, struct report_cell **cells, int *n)
{
    struct stats_query q = {.dim = dim,
                            .from_day = a->from_day,
                            .to_day = a->to_day + 1,
                            .unit_id = a->unit_id,
                            .per_day = per_day,
                            .each_unit = each_unit,
                            .overdue_at = overdue_at};
    return c->store->ops->stats_count(c->store, &q, cells, n);
}

/* The label and the list filter of one item. filter gets "" (no extra filter) or a filter, or
 * is set NULL when no list filter shows exactly these orders. */
static void describe(const struct ask *a, const struct org_cache *o, const struct item *x,
                     char *label, size_t n_label, char *filter, size_t n_filter, bool *listable)
{
    *listable = true;
    filter[0] = '\0';
    switch (a->by) {
    case BY_DAY:
        snprintf(label, n_label, "受理量");
        break;
    case BY_OVERDUE:
        snprintf(label, n_label, "%s", unit_name(o, x->key));
        if (a->unit_id)
            snprintf(filter, n_filter, "overdue=true");
        else
            snprintf(filter, n_filter, "unit_id=%lld&overdue=true", (long long)x->key);
        break;
    case BY_CHANNEL:
        snprintf(label, n_label, "%s", report_channel_label(x->name));
        snprintf(filter, n_filter, "channel=%s", x->name);
        break;
    case BY_TYPE:
        snprintf(label, n_label, "%s",
                 x->key >= 0 && x->key < TYPE__COUNT ? js_type_labels[x->key] : "未知类型");
        snprintf(filter, n_filter, "type=%s",
                 x->key >= 0 && x->key < TYPE__COUNT ? js_type_names[x->key] : "");
        *listable = x->key >= 0 && x->key < TYPE__COUNT;
        break;
    case BY_STATUS:
        snprintf(label, n_label, "%s",
                 x->key >= 0 && x->key < ST__COUNT ? js_status_labels[x->key] : "未知状态");
        snprintf(filter, n_filter, "status=%s",
                 x->key >= 0 && x->key < ST__COUNT ? js_status_names[x->key] : "");
        *listable = x->key >= 0 && x->key < ST__COUNT;
        break;
    case BY_CATEGORY: {
        const struct category *cat = cat_by_id(o, x->key);
        if (!x->key || !cat) {
            snprintf(label, n_label, "未分类");
            *listable = false;
        } else if (x->key == a->parent) {
            snprintf(label, n_label, "%s（未细分）", cat->name);
            *listable = false;
        } else {
            snprintf(label, n_label, "%s", cat->name);
            snprintf(filter, n_filter, "category_id=%lld", (long long)x->key);
        }
        break;
    }
    case BY_STREET: {
        const struct region *r = x->key ? region_by_id(o, x->key) : NULL;
        snprintf(label, n_label, "%s", r ? r->name : "未定位到街道");
        if (r)
            snprintf(filter, n_filter, "region_id=%lld", (long long)x->key);
        *listable = r != NULL;
        break;
    }
    case BY_UNIT:
        snprintf(label, n_label, "%s", unit_name(o, x->key));
        /* a unit user's list is their unit already */
        if (!a->unit_id)
            snprintf(filter, n_filter, "unit_id=%lld", (long long)x->key);
        break;
    case BY_REOPENED:
        snprintf(label, n_label, "重办");
        snprintf(filter, n_filter, "reopened=true");
        break;
    case BY_SATISFACTION:
        snprintf(label, n_label, "%s",
                 x->key > 0 && x->key < SAT__COUNT ? js_satisfaction_labels[x->key] : "未评价");
        *listable = false; /* counted by the day of closing; the list filters by receipt */
        break;
    default:
        label[0] = '\0';
        *listable = false;
    }
}

static void get_stats(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *app = ap;
    struct app_ctx *c = app_current(app);
    struct ask a = {.by = -1, .per = PER_NONE, .now = app_now(app)};
    struct org_cache o = {0};
    struct items it = {0};
    struct report_cell *cells = NULL, *extra = NULL;
    int n_cells = 0, n_extra = 0, rc = 0;
    json_t *items = NULL;
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) ||
        app_query_known(req, stats_params, res))
        return;
    const char *by = http_query(req, "by");
    if (!by || (a.by = js_name_index(by_names, by)) < 0) {
        fail(res, "by",
             "统计维度（by）须为按日、渠道、类型、分类、街道、单位、状态、重办、满意度或超期之一"
             "（取值见接口文档）");
        return;
    }
    const char *per = http_query(req, "per");
    if (per && (a.per = js_name_index(per_names, per)) < 0) {
        fail(res, "per", "分段（per）须为不分段、按日、按周或按月（取值见接口文档）");
        return;
    }
    if (a.by == BY_DAY && !per)
        a.per = PER_DAY;
    if (a.per != PER_NONE &&
        (a.by == BY_CATEGORY || a.by == BY_STREET || a.by == BY_UNIT || a.by == BY_OVERDUE)) {
        fail(res, "per", "按单位、分类、街道或超期统计时不能再按时间分段（per）");
        return;
    }
    if (a.by == BY_DAY && a.per == PER_NONE) {
        fail(res, "per", "按日统计时须按日、按周或按月分段（per）");
        return;
    }
    int64_t today = jtime_local_day(a.now);
    a.to_day = today;
    a.from_day = -1;
    if (param_day(req, res, "from", &a.from_day) || param_day(req, res, "to", &a.to_day) ||
        param_id(req, res, "unit_id", &a.unit_id) || param_id(req, res, "parent", &a.parent))
        return;
    if (a.from_day < 0)
        a.from_day = a.to_day - 29;
    if (a.to_day < a.from_day) {
        fail(res, "to", "截止日期（to）不得早于起始日期");
        return;
    }
    if (a.to_day - a.from_day >= STATS_MAX_DAYS) {
        fail(res, "from", "统计区间不得超过十年");
        return;
    }
    if (a.parent && a.by != BY_CATEGORY) {
        fail(res, "parent", "上级分类（parent）只用于按分类统计");
        return;
    }
    if (app_is_unit_role(c->who.role)) {
        if (a.unit_id && a.unit_id != c->who.unit_id) {
            http_error(res, -JS_EFORBIDDEN, "unit_id", "单位用户只能查看本单位的统计");
            return;
        }
        a.unit_id = c->who.unit_id ? c->who.unit_id : -1;
    }
    /* the labels' organisation */
    if (a.by == BY_CATEGORY)
        rc = c->store->ops->category_list(c->store, &o.cats, &o.n_cats);
    else if (a.by == BY_STREET)
        rc = c->store->ops->region_list(c->store, &o.regions, &o.n_regions);
    else if (a.by == BY_UNIT || a.by == BY_OVERDUE)
        rc = c->store->ops->unit_list(c->store, &o.units, &o.n_units);
    if (!rc && a.parent && !cat_by_id(&o, a.parent)) {
        fail(res, "parent", "上级分类（parent）不是已有的分类");
        goto out;
    }
    /* categories: the roots, a root's children and a level-2 category's children have their
     * own counts; deeper ones are rolled up from the leaves */
    int dim = by_dim[a.by];
    if (!rc && a.by == BY_CATEGORY) {
        const struct category *p = a.parent ? cat_by_id(&o, a.parent) : NULL;
        dim = !a.parent ? SDIM_CATEGORY_ROOT : !p->parent_id ? SDIM_CATEGORY_L2 : SDIM_CATEGORY;
    }
    /* the counts */
    bool per_day = a.per != PER_NONE;
    int64_t total = -1;
    if (!rc)
        rc = count(c, &a, dim, per_day, false, a.by == BY_OVERDUE ? a.now : 0, &cells, &n_cells);
    for (int i = 0; !rc && i < n_cells; i++) {
        const struct report_cell *cell = &cells[i];
        int64_t key = cell->key[0], start = per_day ? period_start(a.per, cell->key[1]) : 0;
        if (a.by == BY_DAY)
            key = 0; /* one series: every type together */
        else if (a.by == BY_CATEGORY && (key = cat_group(&o, key, a.parent)) < 0)
            continue;
        else if (a.by == BY_STREET)
            key = street_of(&o, key);
        struct item *x = item_at(&it, key, cell->name, start);
        if (!x)
            rc = -JS_ENOMEM;
        else
            x->n += cell->n;
    }
    if (!rc && (a.by == BY_UNIT || a.by == BY_OVERDUE)) {
        /* the orders once each (an order of two units is in both units' counts) */
        rc =
            count(c, &a, SDIM_TYPE, false, false, a.by == BY_OVERDUE ? a.now : 0, &extra, &n_extra);
        total = 0;
        for (int i = 0; !rc && i < n_extra; i++)
            total += extra[i].n;
    }
    if (!rc && a.by == BY_UNIT) {
        /* each unit's reopened and overdue orders, for the units chart */
        free(extra);
        extra = NULL;
        rc = count(c, &a, SDIM_REOPENED, false, !a.unit_id, 0, &extra, &n_extra);
        for (int i = 0; !rc && i < n_extra; i++) {
            int64_t u = a.unit_id ? a.unit_id : extra[i].key[1];
            for (int k = 0; k < it.n; k++)
                if (it.v[k].key == u)
                    it.v[k].reopened += extra[i].n;
        }
        free(extra);
        extra = NULL;
        if (!rc)
            rc = count(c, &a, SDIM_UNIT, false, false, a.now, &extra, &n_extra);
        for (int i = 0; !rc && i < n_extra; i++)
            for (int k = 0; k < it.n; k++)
                if (it.v[k].key == extra[i].key[0])
                    it.v[k].overdue += extra[i].n;
    }
    if (rc) {
        app_store_error(res, rc, "", "stats");
        goto out;
    }
    if (it.n > 1)
        qsort(it.v, (size_t)it.n, sizeof *it.v, item_cmp);
    if (!(items = json_array())) {
        http_error(res, -JS_ENOMEM, NULL, NULL);
        goto out;
    }
    int64_t sum = 0;
    for (int i = 0; i < it.n; i++) {
        const struct item *x = &it.v[i];
        char label[160], filter[96], pk[16];
        bool listable;
        sum += x->n;
        describe(&a, &o, x, label, sizeof label, filter, sizeof filter, &listable);
        int64_t from = per_day ? x->start : a.from_day,
                to = per_day ? period_end(a.per, x->start) : a.to_day;
        json_t *j = json_pack("{ss sI so}", "label", label, "count", (json_int_t)x->n, "query",
                              list_query(&a, from, to, listable ? filter : NULL));
        if (j && a.by == BY_CHANNEL)
            json_object_set_new(j, "key", json_string(x->name));
        else if (j && (a.by == BY_TYPE || a.by == BY_STATUS || a.by == BY_SATISFACTION)) {
            const char *const *names = a.by == BY_TYPE     ? js_type_names
                                       : a.by == BY_STATUS ? js_status_names
                                                           : js_satisfaction_names;
            int lim = a.by == BY_TYPE ? TYPE__COUNT : a.by == BY_STATUS ? ST__COUNT : SAT__COUNT;
            json_object_set_new(j, "key",
                                x->key >= 0 && x->key < lim ? json_string(names[x->key])
                                                            : json_integer(x->key));
        } else if (j && a.by != BY_DAY && a.by != BY_REOPENED)
            json_object_set_new(j, "key", json_integer(x->key));
        if (j && per_day) {
            period_key(a.per, x->start, pk, sizeof pk);
            json_object_set_new(j, "period", json_string(pk));
        }
        if (j && a.by == BY_UNIT) {
            json_object_set_new(j, "reopened", json_integer(x->reopened));
            json_object_set_new(j, "overdue", json_integer(x->overdue));
            json_object_set_new(
                j, "overdue_query",
                list_query(&a, a.from_day, a.to_day, a.unit_id ? "overdue=true" : NULL));
            json_object_set_new(
                j, "reopened_query",
                list_query(&a, a.from_day, a.to_day, a.unit_id ? "reopened=true" : NULL));
            if (!a.unit_id) {
                char f2[96];
                snprintf(f2, sizeof f2, "unit_id=%lld&overdue=true", (long long)x->key);
                json_object_set_new(j, "overdue_query", list_query(&a, a.from_day, a.to_day, f2));
                snprintf(f2, sizeof f2, "unit_id=%lld&reopened=true", (long long)x->key);
                json_object_set_new(j, "reopened_query", list_query(&a, a.from_day, a.to_day, f2));
            }
        }
        if (!j || json_array_append_new(items, j)) {
            http_error(res, -JS_ENOMEM, NULL, NULL);
            goto out;
        }
    }
    char fd[16], td[16];
    day_text(a.from_day, fd, sizeof fd);
    day_text(a.to_day, td, sizeof td);
    json_t *body =
        json_pack("{ss ss ss ss so sI so}", "by", by_names[a.by], "per", per_names[a.per], "from",
                  fd, "to", td, "unit_id", a.unit_id > 0 ? json_integer(a.unit_id) : json_null(),
                  "total", (json_int_t)(total >= 0 ? total : sum), "items", items);
    items = NULL;
    http_json(res, 200, body);
out:
    json_decref(items);
    free(cells);
    free(extra);
    free(it.v);
    org_cache_release(&o);
}

static const struct route_doc stats_docs[] = {
    {"GET", "/api/v1/stats", "reports",
     "The dashboard's figures: orders received in [from, to] (dates, default the last 30 days) "
     "counted by day, channel, type, category (the children of parent, default the roots), "
     "street, unit (with each unit's reopened and overdue orders), status, reopened, callback "
     "satisfaction (by the day of closing) or overdue now, optionally per day, week or month; "
     "each item's query is the order list's filter that shows its orders. Unit users get their "
     "own unit's figures",
     "platform roles, unit users",
     "by:string!,from:string,to:string,unit_id:integer,per:string,parent:integer", NULL, 200},
};

int res_stats_register(struct app *a)
{
    int rc = router_add(a->router, "GET", "/api/v1/stats", get_stats);
    if (rc)
        return rc;
    return app_route_docs(a, stats_docs, (int)JS_ARRAY_LEN(stats_docs));
}
