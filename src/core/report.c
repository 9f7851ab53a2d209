/* The reporting cycle: kinds, periods, the schedule, the 通报 rules and the report builders. */
#include "compat.h"
#include "core/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jtime.h"

#define JS_X_NAME(N, n, l)  n,
#define JS_X_LABEL(N, n, l) l,
const char *const js_report_kind_names[] = {JS_REPORT_KIND_LIST(JS_X_NAME) NULL};
const char *const js_report_kind_labels[] = {JS_REPORT_KIND_LIST(JS_X_LABEL) NULL};
const char *const js_notice_class_names[] = {"advanced", "progress", "rectify", "govern", NULL};
const char *const js_notice_class_labels[] = {"先进类", "进步类", "整改类", "治理类", NULL};

/* ---- periods ------------------------------------------------------------------------------ */

static const char *const quarter_cn[] = {"一", "二", "三", "四"};

static int64_t month_start_day(int y, int m)
{
    return jtime_days_from_civil(y, m, 1);
}

bool report_kind_per_unit(int kind)
{
    return kind == RK_UNIT_MONTHLY;
}

static bool kind_monthly(int kind)
{
    return kind == RK_UNIT_MONTHLY || kind == RK_NOTICE;
}

static bool kind_weekly(int kind)
{
    return kind == RK_WEEKLY || kind == RK_WEEKLY_SPECIAL;
}

void report_period_at(int kind, int64_t t, struct report_period *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    int64_t day = jtime_local_day(t), d0, d1;
    int y, m, d;
    jtime_civil_from_days(day, &y, &m, &d);
    if (kind == RK_DAILY) {
        d0 = day;
        d1 = day + 1;
        snprintf(out->key, sizeof out->key, "%04d-%02d-%02d", y, m, d);
        snprintf(out->label, sizeof out->label, "%d年%d月%d日", y, m, d);
    } else if (kind_weekly(kind)) {
        d0 = day - jtime_weekday(day);
        d1 = d0 + 7;
        int y1, m1, dd1, y2, m2, dd2;
        jtime_civil_from_days(d0, &y1, &m1, &dd1);
        jtime_civil_from_days(d1 - 1, &y2, &m2, &dd2);
        snprintf(out->key, sizeof out->key, "%04d-%02d-%02d", y1, m1, dd1);
        if (y1 == y2)
            snprintf(out->label, sizeof out->label, "%d年%d月%d日至%d月%d日", y1, m1, dd1, m2, dd2);
        else
            snprintf(out->label, sizeof out->label, "%d年%d月%d日至%d年%d月%d日", y1, m1, dd1, y2,
                     m2, dd2);
    } else if (kind == RK_QUARTERLY) {
        int q = (m - 1) / 3;
        d0 = month_start_day(y, q * 3 + 1);
        d1 = q == 3 ? month_start_day(y + 1, 1) : month_start_day(y, q * 3 + 4);
        snprintf(out->key, sizeof out->key, "%04d-Q%d", y, q + 1);
        snprintf(out->label, sizeof out->label, "%d年第%s季度", y, quarter_cn[q]);
    } else { /* monthly */
        d0 = month_start_day(y, m);
        d1 = m == 12 ? month_start_day(y + 1, 1) : month_start_day(y, m + 1);
        snprintf(out->key, sizeof out->key, "%04d-%02d", y, m);
        snprintf(out->label, sizeof out->label, "%d年%d月", y, m);
    }
    out->from = jtime_day_start(d0);
    out->to = jtime_day_start(d1);
}

void report_period_prev(const struct report_period *p, struct report_period *out)
{
    report_period_at(p->kind, p->from - 1, out);
}

void report_period_due(int kind, int64_t now, struct report_period *out)
{
    struct report_period cur;
    report_period_at(kind, now, &cur);
    report_period_prev(&cur, out);
}

int report_period_parse(int kind, const char *spec, struct report_period *out, struct js_error *e)
{
    char date[16];
    int64_t t;
    size_t n = spec ? strlen(spec) : 0;
    if (kind < 0 || kind >= RK__COUNT)
        return js_fail(e, JS_EINVAL, "kind", "未知的报告类型");
    if (kind == RK_DAILY || kind_weekly(kind)) {
        if (n != 10 || jtime_parse(spec, &t))
            return js_fail(e, JS_EINVAL, "period", "期间应为日期，如 2026-12-04");
    } else if (kind_monthly(kind)) {
        if (n != 7 || spec[4] != '-')
            return js_fail(e, JS_EINVAL, "period", "期间应为月份，如 2026-11");
        snprintf(date, sizeof date, "%s-01", spec);
        if (jtime_parse(date, &t))
            return js_fail(e, JS_EINVAL, "period", "期间应为月份，如 2026-11");
    } else {
        if (n != 7 || spec[4] != '-' || spec[5] != 'Q' || spec[6] < '1' || spec[6] > '4')
            return js_fail(e, JS_EINVAL, "period", "期间应为季度，如 2026-Q4");
        snprintf(date, sizeof date, "%.4s-%02d-01", spec, (spec[6] - '1') * 3 + 1);
        if (jtime_parse(date, &t))
            return js_fail(e, JS_EINVAL, "period", "期间应为季度，如 2026-Q4");
    }
    report_period_at(kind, t, out);
    return 0;
}

void report_filter_init(struct report_filter *f)
{
    memset(f, 0, sizeof *f);
    f->type = -1;
    f->event_action = -1;
    f->time = REPT_CREATED;
}

/* ---- the 通报 ------------------------------------------------------------------------------- */

int notice_class_size(int n_streets)
{
    int k = (n_streets + 3) / 4;
    return k > 10 ? 10 : k;
}

static const struct notice_street *cmp_base;

/* Higher score first; ties: more received, then lower id. */
static int by_score_desc(const void *a, const void *b)
{
    const struct notice_street *x = &cmp_base[*(const int *)a], *y = &cmp_base[*(const int *)b];
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->received != y->received)
        return x->received > y->received ? -1 : 1;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

static int by_progress(const void *a, const void *b)
{
    const struct notice_street *x = &cmp_base[*(const int *)a], *y = &cmp_base[*(const int *)b];
    int rx = x->prev_rank - x->rank, ry = y->prev_rank - y->rank;
    if (rx != ry)
        return rx > ry ? -1 : 1;
    double gx = x->score - x->prev_score, gy = y->score - y->prev_score;
    if (gx != gy)
        return gx > gy ? -1 : 1;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

static int by_govern(const void *a, const void *b)
{
    const struct notice_street *x = &cmp_base[*(const int *)a], *y = &cmp_base[*(const int *)b];
    if (x->top_count != y->top_count)
        return x->top_count > y->top_count ? -1 : 1;
    if (x->received != y->received)
        return x->received > y->received ? -1 : 1;
    return x->unit_id < y->unit_id ? -1 : x->unit_id > y->unit_id;
}

void notice_classify(const struct notice_street *st, int n, int k, int *out[NC__COUNT],
                     int counts[NC__COUNT])
{
    for (int c = 0; c < NC__COUNT; c++)
        counts[c] = 0;
    int *idx = n > 0 ? calloc((size_t)n, sizeof *idx) : NULL;
    if (!idx)
        return;
    /* qsort has no context argument in C11: the comparison reads cmp_base, set just before.
     * The builders run one report at a time per call, and the sort is short. */
    int m = 0;
    for (int i = 0; i < n; i++)
        if (st[i].rank > 0 && !isnan(st[i].score))
            idx[m++] = i;
    cmp_base = st;
    qsort(idx, (size_t)m, sizeof *idx, by_score_desc);
    int adv = m < k ? m : k;
    for (int i = 0; i < adv; i++)
        out[NC_ADVANCED][counts[NC_ADVANCED]++] = idx[i];
    for (int i = m - 1; i >= adv && counts[NC_RECTIFY] < k; i--)
        out[NC_RECTIFY][counts[NC_RECTIFY]++] = idx[i];

    m = 0;
    for (int i = 0; i < n; i++)
        if (st[i].rank > 0 && st[i].prev_rank > 0 && st[i].prev_rank - st[i].rank >= 1)
            idx[m++] = i;
    qsort(idx, (size_t)m, sizeof *idx, by_progress);
    for (int i = 0; i < m && i < k; i++)
        out[NC_PROGRESS][counts[NC_PROGRESS]++] = idx[i];

    m = 0;
    for (int i = 0; i < n; i++)
        if (st[i].top_count >= NOTICE_GOVERN_MIN)
            idx[m++] = i;
    qsort(idx, (size_t)m, sizeof *idx, by_govern);
    for (int i = 0; i < m && i < k; i++)
        out[NC_GOVERN][counts[NC_GOVERN]++] = idx[i];
    free(idx);
}

/* ---- the organisation ---------------------------------------------------------------------- */

static const struct region *region_by_id(const struct report_src *src, int64_t id)
{
    for (int i = 0; i < src->n_regions; i++)
        if (src->regions[i].id == id)
            return &src->regions[i];
    return NULL;
}

static const struct category *category_by_id(const struct report_src *src, int64_t id)
{
    for (int i = 0; i < src->n_categories; i++)
        if (src->categories[i].id == id)
            return &src->categories[i];
    return NULL;
}

static const struct unit *unit_by_id(const struct report_src *src, int64_t id)
{
    for (int i = 0; i < src->n_units; i++)
        if (src->units[i].id == id)
            return &src->units[i];
    return NULL;
}

int64_t report_street_of(const struct report_src *src, int64_t region_id)
{
    for (int depth = 0; depth < 16; depth++) {
        const struct region *r = region_by_id(src, region_id);
        if (!r)
            return 0;
        if (r->level == RLEVEL_STREET)
            return r->id;
        region_id = r->parent_id;
    }
    return 0;
}

int64_t report_root_category(const struct report_src *src, int64_t category_id)
{
    for (int depth = 0; depth < 16; depth++) {
        const struct category *c = category_by_id(src, category_id);
        if (!c)
            return 0;
        if (!c->parent_id)
            return c->id;
        category_id = c->parent_id;
    }
    return 0;
}

static const char *const channel_keys[] = {
    "hotline-12345", "hotline-96010", "wechat", "weibo",    "web",   "mailbox", "media",
    "conduct",       "leader",        "grid",   "video-ai", "forum", "open311", "upstream"};
static const char *const channel_cn[] = {"12345热线", "96010热线",    "微信",         "微博",
                                         "网站",      "区长信箱",     "舆情媒体曝光", "政风行风",
                                         "领导批示",  "网格员上报",   "视频智能识别", "网络问政",
                                         "Open311",   "市级12345派单"};

static const char *channel_label(const char *c)
{
    for (size_t i = 0; i < sizeof channel_keys / sizeof *channel_keys; i++)
        if (strcmp(channel_keys[i], c) == 0)
            return channel_cn[i];
    return c;
}

const char *report_channel_label(const char *channel)
{
    return channel_label(channel);
}

/* ---- document helpers ---------------------------------------------------------------------- */

static json_t *new_doc(const struct report_src *src, const struct report_period *p, int64_t unit,
                       int64_t now)
{
    char when[40], iso[40], title[400];
    const struct unit *u = unit ? unit_by_id(src, unit) : NULL;
    if (u)
        snprintf(title, sizeof title, "%s（%s，%s）", js_report_kind_labels[p->kind], u->name,
                 p->label);
    else
        snprintf(title, sizeof title, "%s（%s）", js_report_kind_labels[p->kind], p->label);
    jtime_format_cn(now, when, sizeof when);
    jtime_format(now, iso, sizeof iso);
    char from[40], to[40];
    jtime_format(p->from, from, sizeof from);
    jtime_format(p->to, to, sizeof to);
    return json_pack(
        "{ss ss ss s{ss ss ss ss} so ss ss s[] s[]}", "kind", js_report_kind_names[p->kind],
        "kind_label", js_report_kind_labels[p->kind], "title", title, "period", "key", p->key,
        "from", from, "to", to, "label", p->label, "unit",
        u ? json_pack("{sI ss}", "id", (json_int_t)u->id, "name", u->name) : json_null(),
        "generated_at", iso, "generated_label", when, "figures", "sections");
}

static int add_figure(json_t *doc, const char *id, const char *label, json_t *value,
                      const char *unit)
{
    json_t *f = json_pack("{ss ss so ss}", "id", id, "label", label, "value",
                          value ? value : json_null(), "unit", unit ? unit : "");
    return !f || json_array_append_new(json_object_get(doc, "figures"), f) ? -JS_ENOMEM : 0;
}

static json_t *ratio(int64_t num, int64_t den)
{
    return den > 0 ? json_real((double)num / (double)den) : json_null();
}

/* Adds a section; columns is "key:label:type;..." and chart "type:x:y" or NULL. Steals rows. */
static int add_section(json_t *doc, const char *id, const char *title, const char *note,
                       const char *columns, json_t *rows, const char *chart)
{
    json_t *cols = json_array();
    char buf[512];
    snprintf(buf, sizeof buf, "%s", columns);
    for (char *c = buf, *next; c && *c && cols; c = next) {
        next = strchr(c, ';');
        if (next)
            *next++ = 0;
        char *l = strchr(c, ':'), *t = l ? strchr(l + 1, ':') : NULL;
        if (!l || !t)
            continue;
        *l++ = 0;
        *t++ = 0;
        json_array_append_new(cols, json_pack("{ss ss ss}", "key", c, "label", l, "type", t));
    }
    json_t *ch = json_null();
    if (chart) {
        char cb[96];
        snprintf(cb, sizeof cb, "%s", chart);
        char *x = strchr(cb, ':'), *y = x ? strchr(x + 1, ':') : NULL;
        if (x && y) {
            *x++ = 0;
            *y++ = 0;
            ch = json_pack("{ss ss ss}", "type", cb, "x", x, "y", y);
        }
    }
    json_t *s = json_pack("{ss ss ss so so so}", "id", id, "title", title, "note", note ? note : "",
                          "columns", cols ? cols : json_array(), "rows", rows ? rows : json_array(),
                          "chart", ch ? ch : json_null());
    return !s || json_array_append_new(json_object_get(doc, "sections"), s) ? -JS_ENOMEM : 0;
}

/* Groups of counts rolled up under a label. */
struct agg_item {
    char name[288];
    int64_t key, n;
};
struct agg {
    struct agg_item *v;
    int n, cap;
};

static int agg_add(struct agg *a, int64_t key, const char *name, int64_t n)
{
    for (int i = 0; i < a->n; i++)
        if (a->v[i].key == key && strcmp(a->v[i].name, name) == 0) {
            a->v[i].n += n;
            return 0;
        }
    if (a->n == a->cap) {
        int cap = a->cap ? a->cap * 2 : 16;
        void *v = realloc(a->v, (size_t)cap * sizeof *a->v);
        if (!v)
            return -JS_ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n].key = key;
    snprintf(a->v[a->n].name, sizeof a->v[a->n].name, "%s", name);
    a->v[a->n].n = n;
    a->n++;
    return 0;
}

/* Sorts by count, most first; ties by name. */
static void agg_sort(struct agg *a)
{
    for (int i = 1; i < a->n; i++) /* insertion sort: a few dozen groups */
        for (int j = i;
             j > 0 && (a->v[j].n > a->v[j - 1].n ||
                       (a->v[j].n == a->v[j - 1].n && strcmp(a->v[j].name, a->v[j - 1].name) < 0));
             j--) {
            struct agg_item t = a->v[j];
            a->v[j] = a->v[j - 1];
            a->v[j - 1] = t;
        }
}

/* The label and the rolled-up key of a cell's key in dim. */
static void dim_label(const struct report_src *src, int dim, const struct report_cell *c, int which,
                      int64_t *key, char *out, size_t n)
{
    int64_t k = c->key[which];
    *key = k;
    switch (dim) {
    case RDIM_CHANNEL:
        *key = 0;
        snprintf(out, n, "%s", channel_label(c->name));
        break;
    case RDIM_TYPE:
        snprintf(out, n, "%s", k >= 0 && k < TYPE__COUNT ? js_type_labels[k] : "未分类");
        break;
    case RDIM_SATISFACTION:
        snprintf(out, n, "%s", k >= 0 && k < SAT__COUNT ? js_satisfaction_labels[k] : "未评价");
        break;
    case RDIM_CATEGORY: {
        *key = report_root_category(src, k);
        const struct category *cat = category_by_id(src, *key);
        snprintf(out, n, "%s", cat ? cat->name : "未分类");
        break;
    }
    case RDIM_REGION: {
        *key = report_street_of(src, k);
        const struct region *r = region_by_id(src, *key);
        snprintf(out, n, "%s", r ? r->name : "未定位到街道");
        break;
    }
    case RDIM_UNIT: {
        const struct unit *u = unit_by_id(src, k);
        snprintf(out, n, "%s", u ? u->name : "未知单位");
        break;
    }
    case RDIM_DAY: {
        int y, m, d;
        jtime_civil_from_days(k, &y, &m, &d);
        snprintf(out, n, "%d月%d日", m, d);
        break;
    }
    default:
        snprintf(out, n, "合计");
    }
}

/* Counts f grouped by dim, rolled up, as rows {name, n, share} sorted by n (by day for
 * RDIM_DAY); *total gets the sum. */
static int grouped_rows(const struct report_src *src, const struct report_filter *f, int dim,
                        json_t **rows, int64_t *total)
{
    struct report_cell *cells = NULL;
    int n = 0;
    struct agg a = {0};
    int64_t sum = 0;
    *rows = NULL;
    int rc = src->count(src->ctx, f, dim, RDIM_NONE, &cells, &n);
    for (int i = 0; !rc && i < n; i++) {
        char name[128];
        int64_t key;
        dim_label(src, dim, &cells[i], 0, &key, name, sizeof name);
        rc = agg_add(&a, dim == RDIM_DAY ? cells[i].key[0] : key, name, cells[i].n);
        sum += cells[i].n;
    }
    if (!rc && dim != RDIM_DAY)
        agg_sort(&a);
    if (!rc && dim == RDIM_DAY) /* by day, oldest first */
        for (int i = 1; i < a.n; i++)
            for (int j = i; j > 0 && a.v[j].key < a.v[j - 1].key; j--) {
                struct agg_item t = a.v[j];
                a.v[j] = a.v[j - 1];
                a.v[j - 1] = t;
            }
    json_t *r = rc ? NULL : json_array();
    for (int i = 0; r && i < a.n; i++)
        if (json_array_append_new(r,
                                  json_pack("{ss sI so}", "name", a.v[i].name, "n",
                                            (json_int_t)a.v[i].n, "share", ratio(a.v[i].n, sum))))
            rc = -JS_ENOMEM;
    if (!rc && !r)
        rc = -JS_ENOMEM;
    free(cells);
    free(a.v);
    if (rc) {
        json_decref(r);
        return rc;
    }
    *rows = r;
    if (total)
        *total = sum;
    return 0;
}

static int64_t count_one(const struct report_src *src, const struct report_filter *f, int *rc)
{
    struct report_cell *cells = NULL;
    int n = 0;
    int64_t total = 0;
    if (*rc)
        return 0;
    *rc = src->count(src->ctx, f, RDIM_NONE, RDIM_NONE, &cells, &n);
    for (int i = 0; i < n; i++)
        total += cells[i].n;
    free(cells);
    return total;
}

static void period_filter(struct report_filter *f, const struct report_period *p, int64_t unit)
{
    report_filter_init(f);
    f->from = p->from;
    f->to = p->to;
    f->unit_id = unit;
}

#define ORDER_COLUMNS                                                                              \
    "number:工单编号:text;title:标题:text;received:受理时间:text;type:类型:text;"      \
    "category:分类:text;street:街道:text;units:承办单位:text;status:状态:text;"          \
    "reopens:重办次数:int"

static int order_list(const struct report_src *src, const struct report_filter *f, json_t **rows)
{
    *rows = json_array();
    if (!*rows)
        return -JS_ENOMEM;
    int rc = src->orders(src->ctx, f, *rows);
    if (rc) {
        json_decref(*rows);
        *rows = NULL;
    }
    return rc;
}

/* ---- the sections ------------------------------------------------------------------------ */

/* Volume by channel, type, category and street; figures: received, dispatched, closed. */
static int volume_sections(const struct report_src *src, const struct report_period *p,
                           int64_t unit, json_t *doc, bool streets)
{
    struct report_filter f;
    period_filter(&f, p, unit);
    json_t *rows = NULL;
    int64_t received = 0;
    int rc = grouped_rows(src, &f, RDIM_CHANNEL, &rows, &received);
    if (!rc)
        rc = add_figure(doc, "received", "受理量", json_integer(received), "件");
    if (!rc)
        rc = add_section(doc, "by_channel", "按渠道", "本期受理的工单",
                         "name:渠道:text;n:件数:int;share:占比:pct", rows, "pie:name:n");
    if (!rc && !(rc = grouped_rows(src, &f, RDIM_TYPE, &rows, NULL)))
        rc = add_section(doc, "by_type", "按诉求类型", "本期受理的工单",
                         "name:类型:text;n:件数:int;share:占比:pct", rows, "pie:name:n");
    if (!rc && !(rc = grouped_rows(src, &f, RDIM_CATEGORY, &rows, NULL)))
        rc = add_section(doc, "by_category", "按诉求分类（一级）", "本期受理的工单",
                         "name:分类:text;n:件数:int;share:占比:pct", rows, "bar:name:n");
    if (!rc && streets && !(rc = grouped_rows(src, &f, RDIM_REGION, &rows, NULL)))
        rc = add_section(doc, "by_street", "按街道", "本期受理的工单，按诉求发生地所在街道",
                         "name:街道:text;n:件数:int;share:占比:pct", rows, "bar:name:n");
    return rc;
}

int report_daily_volume(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    int64_t ev[ACT__COUNT] = {0};
    struct report_filter f;
    period_filter(&f, p, 0);
    int rc = volume_sections(src, p, 0, doc, true);
    if (!rc)
        rc = src->event_counts(src->ctx, &f, ev);
    if (!rc)
        rc = add_figure(doc, "dispatched", "派单", json_integer(ev[ACT_DISPATCH]), "次");
    f.time = REPT_CLOSED;
    int64_t closed = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "closed", "办结", json_integer(closed), "件");
    /* the enterprise green channel's own figures (004 畅通政企沟通“绿色通道”) */
    f.enterprise = true;
    int64_t ent_closed = count_one(src, &f, &rc);
    f.time = REPT_CREATED;
    int64_t ent_received = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "enterprise_received", "企业诉求受理（绿色通道）",
                        json_integer(ent_received), "件");
    if (!rc)
        rc = add_figure(doc, "enterprise_closed", "企业诉求办结（绿色通道）",
                        json_integer(ent_closed), "件");
    return rc;
}

int report_daily_warnings(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    json_t *rows = json_array();
    if (!rows)
        return -JS_ENOMEM;
    int rc = src->warnings(src->ctx, p->from, p->to, 0, rows);
    if (!rc)
        rc = add_figure(doc, "warnings", "新增预警",
                        json_integer((json_int_t)json_array_size(rows)), "条");
    if (!rc)
        return add_section(doc, "warnings", "新增预警", "本期发出的工单提示、警示",
                           "at:时间:text;number:工单编号:text;title:标题:text;kind:类别:text;"
                           "text:内容:text",
                           rows, NULL);
    json_decref(rows);
    return rc;
}

int report_daily_hotspots(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    json_t *rows = json_array();
    if (!rows)
        return -JS_ENOMEM;
    int rc = src->hotspots(src->ctx, p->from, p->to, rows);
    if (!rc)
        rc = add_figure(doc, "hotspots", "新增热点预警",
                        json_integer((json_int_t)json_array_size(rows)), "条");
    if (!rc)
        return add_section(doc, "hotspots", "新增热点预警",
                           "本期发出的安全隐患、高频、热点、敏感问题预警及其依据工单",
                           "at:时间:text;topic:专题:text;kind:类别:text;rule:规则:text;"
                           "title:预警内容:text;count:诉求数:int;citizens:诉求人数:int;"
                           "state:状态:text;orders:依据工单:text",
                           rows, NULL);
    json_decref(rows);
    return rc;
}

int report_daily_overdue(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    f.time = REPT_NONE;
    f.event_action = ACT_MARK_OVERDUE;
    f.limit = 50;
    json_t *rows = NULL;
    int rc = 0;
    int64_t n = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "overdue_new", "新增超期", json_integer(n), "件");
    struct report_filter now;
    report_filter_init(&now);
    now.time = REPT_NONE;
    now.overdue_at = p->to;
    int64_t open_overdue = count_one(src, &now, &rc);
    if (!rc)
        rc =
            add_figure(doc, "overdue_open", "超期未办结（期末）", json_integer(open_overdue), "件");
    if (!rc && !(rc = order_list(src, &f, &rows)))
        rc = add_section(doc, "overdue", "新增超期工单", "本期被标记超期的工单", ORDER_COLUMNS,
                         rows, NULL);
    return rc;
}

int report_daily_reopened(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    f.time = REPT_NONE;
    f.event_action = ACT_REOPEN;
    f.limit = 50;
    json_t *rows = NULL;
    int rc = 0;
    int64_t n = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "reopened", "重办", json_integer(n), "件");
    if (!rc && !(rc = order_list(src, &f, &rows)))
        rc = add_section(doc, "reopened", "重办工单", "本期被发回重办的工单", ORDER_COLUMNS, rows,
                         NULL);
    return rc;
}

/* Satisfaction of the orders closed in p (held by unit, 0: any): a section and the figure. */
static int satisfaction_section(const struct report_src *src, const struct report_period *p,
                                int64_t unit, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, unit);
    f.time = REPT_CLOSED;
    struct report_cell *cells = NULL;
    int n = 0;
    int rc = src->count(src->ctx, &f, RDIM_SATISFACTION, RDIM_NONE, &cells, &n);
    if (rc)
        return rc;
    int64_t by[SAT__COUNT] = {0};
    for (int i = 0; i < n; i++)
        if (cells[i].key[0] >= 0 && cells[i].key[0] < SAT__COUNT)
            by[cells[i].key[0]] += cells[i].n;
    free(cells);
    int64_t rated = by[SAT_SATISFIED] + by[SAT_BASIC] + by[SAT_UNSATISFIED];
    rc = add_figure(doc, "satisfaction", "满意率（满意+基本满意）",
                    ratio(by[SAT_SATISFIED] + by[SAT_BASIC], rated), "%");
    json_t *rows = json_array();
    for (int s = SAT_SATISFIED; rows && s < SAT__COUNT; s++)
        json_array_append_new(rows, json_pack("{ss sI so}", "name", js_satisfaction_labels[s], "n",
                                              (json_int_t)by[s], "share", ratio(by[s], rated)));
    if (rows)
        json_array_append_new(rows, json_pack("{ss sI sn}", "name", "未评价", "n",
                                              (json_int_t)by[SAT_NONE], "share"));
    if (!rc)
        rc =
            add_section(doc, "satisfaction", "满意度", "本期办结工单的回访评价；占比以已评价为分母",
                        "name:评价:text;n:件数:int;share:占比:pct", rows, "pie:name:n");
    else
        json_decref(rows);
    return rc;
}

int report_daily_satisfaction(const struct report_src *src, const struct report_period *p,
                              json_t *doc)
{
    return satisfaction_section(src, p, 0, doc);
}

int report_daily_notable(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    f.min_level = LEVEL_MAJOR;
    f.limit = 30;
    json_t *rows = NULL;
    int rc = order_list(src, &f, &rows);
    if (!rc)
        rc = add_section(doc, "notable", "重点工单", "本期受理的重大、紧急工单", ORDER_COLUMNS,
                         rows, NULL);
    json_t *sup = NULL;
    f.min_level = 0;
    f.time = REPT_NONE;
    f.event_action = ACT_SUPERVISE;
    if (!rc && !(rc = order_list(src, &f, &sup)))
        rc = add_section(doc, "supervised", "督办工单", "本期被督办的工单", ORDER_COLUMNS, sup,
                         NULL);
    return rc;
}

/* ---- the kinds --------------------------------------------------------------------------- */

/* The sections of the 早报 in the order they appear: a new section is one more entry. */
static int (*const daily_sections[])(const struct report_src *, const struct report_period *,
                                     json_t *) = {
    report_daily_volume,   report_daily_warnings,     report_daily_hotspots, report_daily_overdue,
    report_daily_reopened, report_daily_satisfaction, report_daily_notable,
};

static int build_daily(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    for (size_t i = 0; i < sizeof daily_sections / sizeof *daily_sections; i++) {
        int rc = daily_sections[i](src, p, doc);
        if (rc)
            return rc;
    }
    return 0;
}

/* Complaints of one (leaf) category in one street, at least 3 in the period. */
static int concentrated(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    f.type = TYPE_COMPLAINT;
    struct report_cell *cells = NULL;
    int n = 0;
    int rc = src->count(src->ctx, &f, RDIM_CATEGORY, RDIM_REGION, &cells, &n);
    if (rc)
        return rc;
    struct agg a = {0};
    for (int i = 0; !rc && i < n; i++) {
        int64_t street = report_street_of(src, cells[i].key[1]);
        const struct region *r = region_by_id(src, street);
        const struct category *c = category_by_id(src, cells[i].key[0]);
        char name[288];
        snprintf(name, sizeof name, "%s｜%s", c ? c->name : "未分类", r ? r->name : "未定位到街道");
        rc = agg_add(&a, cells[i].key[0] * 1000003 + street, name, cells[i].n);
    }
    free(cells);
    agg_sort(&a);
    json_t *rows = json_array();
    for (int i = 0; !rc && rows && i < a.n; i++) {
        if (a.v[i].n < 3)
            continue;
        char *bar = strstr(a.v[i].name, "｜");
        if (!bar)
            continue;
        *bar = 0;
        json_array_append_new(rows, json_pack("{ss ss sI}", "category", a.v[i].name, "street",
                                              bar + strlen("｜"), "n", (json_int_t)a.v[i].n));
    }
    free(a.v);
    if (!rc && rows)
        rc = add_figure(doc, "concentrated", "集中投诉事项",
                        json_integer((json_int_t)json_array_size(rows)), "项");
    if (!rc && rows)
        return add_section(
            doc, "concentrated", "投诉相对集中的事项", "本周同一街道同一分类的投诉 3 件及以上",
            "category:分类:text;street:街道:text;n:投诉件数:int", rows, "bar:category:n");
    json_decref(rows);
    return rc ? rc : -JS_ENOMEM;
}

static int build_weekly_special(const struct report_src *src, const struct report_period *p,
                                json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    f.time = REPT_NONE;
    f.event_action = ACT_REOPEN;
    f.min_reopens = 3;
    f.limit = 100;
    json_t *rows = NULL;
    int rc = order_list(src, &f, &rows);
    if (!rc)
        rc = add_figure(doc, "reopened3", "重办三次以上",
                        json_integer((json_int_t)json_array_size(rows)), "件");
    if (!rc)
        rc = add_section(doc, "reopened3", "重办三次以上的工单",
                         "本周又被发回重办、累计重办三次及以上的工单（001 二(六)）", ORDER_COLUMNS,
                         rows, NULL);
    if (!rc)
        rc = concentrated(src, p, doc);
    period_filter(&f, p, 0);
    f.min_units = 2;
    f.limit = 100;
    if (!rc && !(rc = order_list(src, &f, &rows))) {
        rc = add_figure(doc, "multi_unit", "涉及多个单位",
                        json_integer((json_int_t)json_array_size(rows)), "件");
        if (!rc)
            rc = add_section(doc, "multi_unit", "涉及多个单位的事项",
                             "本周受理、由两个及以上单位承办的工单", ORDER_COLUMNS, rows, NULL);
        else
            json_decref(rows);
    }
    return rc;
}

/* Received this period against the previous one (a figure with the change). */
static int compare_prev(const struct report_src *src, const struct report_period *p, int64_t unit,
                        json_t *doc)
{
    struct report_period prev;
    report_period_prev(p, &prev);
    struct report_filter f;
    period_filter(&f, &prev, unit);
    int rc = 0;
    int64_t before = count_one(src, &f, &rc);
    period_filter(&f, p, unit);
    int64_t now = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "received_prev", "上期受理量", json_integer(before), "件");
    if (!rc)
        rc = add_figure(
            doc, "received_change", "环比",
            before > 0 ? json_real((double)(now - before) / (double)before) : json_null(), "%");
    return rc;
}

static int trend(const struct report_src *src, const struct report_period *p, int64_t unit,
                 json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, unit);
    json_t *rows = NULL;
    int rc = grouped_rows(src, &f, RDIM_DAY, &rows, NULL);
    if (!rc)
        rc = add_section(doc, "trend", "每日受理量", "本期每天受理的工单",
                         "name:日期:text;n:件数:int", rows, "line:name:n");
    return rc;
}

static int closing_figures(const struct report_src *src, const struct report_period *p,
                           int64_t unit, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, unit);
    int64_t ev[ACT__COUNT] = {0};
    int rc = src->event_counts(src->ctx, &f, ev);
    f.time = REPT_CLOSED;
    int64_t closed = count_one(src, &f, &rc);
    if (!rc)
        rc = add_figure(doc, "closed", "办结", json_integer(closed), "件");
    if (!rc)
        rc = add_figure(doc, "reopened", "重办", json_integer(ev[ACT_REOPEN]), "次");
    if (!rc)
        rc = add_figure(doc, "overdue_new", "新增超期", json_integer(ev[ACT_MARK_OVERDUE]), "件");
    if (!rc)
        rc = add_figure(doc, "supervised", "督办", json_integer(ev[ACT_SUPERVISE]), "次");
    struct report_filter od;
    report_filter_init(&od);
    od.time = REPT_NONE;
    od.unit_id = unit;
    od.overdue_at = p->to;
    int64_t open_overdue = count_one(src, &od, &rc);
    if (!rc)
        rc =
            add_figure(doc, "overdue_open", "超期未办结（期末）", json_integer(open_overdue), "件");
    return rc;
}

/* The units that held the most orders in p. */
static int top_units(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    struct report_filter f;
    period_filter(&f, p, 0);
    json_t *rows = NULL;
    int rc = grouped_rows(src, &f, RDIM_UNIT, &rows, NULL);
    if (rc)
        return rc;
    while (json_array_size(rows) > 20)
        json_array_remove(rows, json_array_size(rows) - 1);
    return add_section(doc, "by_unit", "承办量前二十的单位", "本期受理、由该单位承办的工单",
                       "name:单位:text;n:件数:int;share:占比:pct", rows, "bar:name:n");
}

/* Every assessed unit's 三率 score and rank in its group over p (the quarter's 考评情况). */
static int group_scores(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    json_t *scores = NULL;
    int rc = src->scores ? src->scores(src->ctx, p, &scores) : 0;
    if (rc || !scores)
        return rc;
    json_t *rows = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(scores, i, u)
    {
        json_t *score = json_object_get(u, "score"), *rank = json_object_get(u, "rank"),
               *group = json_object_get(u, "group");
        if (!json_is_number(score) || !rows)
            continue;
        json_array_append_new(
            rows, json_pack("{ss ss sO sO sI}", "group",
                            json_is_string(group) ? json_string_value(group) : "", "name",
                            json_string_value(json_object_get(u, "name")), "score", score, "rank",
                            json_is_integer(rank) ? rank : json_null(), "received",
                            (json_int_t)json_integer_value(json_object_get(u, "received"))));
    }
    json_decref(scores);
    if (!rows)
        return -JS_ENOMEM;
    return add_section(
        doc, "scores", "各单位“三率”考评",
        "本期的响应率、解决率、满意率考评（beijing-2020 方案），按分组排名",
        "group:分组:text;name:单位:text;score:得分:num;rank:组内排名:int;received:承办量:int", rows,
        NULL);
}

static int build_analysis(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    int rc;
    if ((rc = volume_sections(src, p, 0, doc, true)) || (rc = compare_prev(src, p, 0, doc)) ||
        (rc = closing_figures(src, p, 0, doc)) || (rc = satisfaction_section(src, p, 0, doc)) ||
        (rc = trend(src, p, 0, doc)) || (rc = top_units(src, p, doc)))
        return rc;
    if (p->kind == RK_QUARTERLY && !(rc = concentrated(src, p, doc)))
        rc = group_scores(src, p, doc);
    return rc;
}

/* The unit's row of the month's assessment, as figures. */
static int unit_score(const struct report_src *src, const struct report_period *p, int64_t unit,
                      json_t *doc)
{
    json_t *scores = NULL;
    int rc = src->scores ? src->scores(src->ctx, p, &scores) : 0;
    if (rc || !scores)
        return rc;
    size_t i;
    json_t *u;
    json_array_foreach(scores, i, u)
    {
        if (json_integer_value(json_object_get(u, "unit_id")) != unit)
            continue;
        json_t *score = json_object_get(u, "score"), *rank = json_object_get(u, "rank");
        rc = add_figure(doc, "score", "“三率”考评得分",
                        json_is_number(score) ? json_incref(score) : json_null(), "分");
        if (!rc)
            rc = add_figure(doc, "rank", "组内排名",
                            json_is_integer(rank) ? json_incref(rank) : json_null(), "名");
        break;
    }
    json_decref(scores);
    return rc;
}

static int build_unit_monthly(const struct report_src *src, const struct report_period *p,
                              int64_t unit, json_t *doc)
{
    if (!unit_by_id(src, unit))
        return -JS_ENOTFOUND;
    int rc;
    if ((rc = volume_sections(src, p, unit, doc, true)) || (rc = compare_prev(src, p, unit, doc)) ||
        (rc = closing_figures(src, p, unit, doc)) ||
        (rc = satisfaction_section(src, p, unit, doc)) || (rc = trend(src, p, unit, doc)) ||
        (rc = unit_score(src, p, unit, doc)))
        return rc;
    struct report_filter f;
    period_filter(&f, p, unit);
    f.time = REPT_NONE;
    f.event_action = ACT_REOPEN;
    f.limit = 50;
    json_t *rows = NULL;
    if (!(rc = order_list(src, &f, &rows)))
        rc = add_section(doc, "reopened", "本月重办工单", "本月被发回重办的本单位工单",
                         ORDER_COLUMNS, rows, NULL);
    return rc;
}

/* Score and rank of each street in a month's assessment. */
static int street_scores(const struct report_src *src, const struct report_period *p,
                         struct notice_street *st, int n, bool prev)
{
    json_t *scores = NULL;
    int rc = src->scores ? src->scores(src->ctx, p, &scores) : 0;
    if (rc)
        return rc;
    /* rank among the streets by score (the scheme ranks within its groups; streets are one) */
    size_t i;
    json_t *u;
    json_array_foreach(scores, i, u)
    {
        int64_t id = json_integer_value(json_object_get(u, "unit_id"));
        json_t *score = json_object_get(u, "score"), *rank = json_object_get(u, "rank");
        for (int k = 0; k < n; k++) {
            if (st[k].unit_id != id || !json_is_number(score) || !json_is_integer(rank))
                continue;
            if (prev) {
                st[k].prev_score = json_number_value(score);
                st[k].prev_rank = (int)json_integer_value(rank);
            } else {
                st[k].score = json_number_value(score);
                st[k].rank = (int)json_integer_value(rank);
            }
        }
    }
    json_decref(scores);
    return 0;
}

static int build_notice(const struct report_src *src, const struct report_period *p, json_t *doc)
{
    int n = 0;
    for (int i = 0; i < src->n_units; i++)
        if (src->units[i].kind == UNIT_STREET && src->units[i].active)
            n++;
    struct notice_street *st = calloc((size_t)(n ? n : 1), sizeof *st);
    int *lists = calloc((size_t)(n ? n : 1) * NC__COUNT, sizeof *lists);
    if (!st || !lists) {
        free(st);
        free(lists);
        return -JS_ENOMEM;
    }
    n = 0;
    for (int i = 0; i < src->n_units; i++)
        if (src->units[i].kind == UNIT_STREET && src->units[i].active) {
            st[n].unit_id = src->units[i].id;
            st[n].score = st[n].prev_score = NAN;
            n++;
        }
    struct report_period prev;
    report_period_prev(p, &prev);
    int rc = street_scores(src, p, st, n, false);
    if (!rc)
        rc = street_scores(src, &prev, st, n, true);
    /* orders each street held this month, and of its most frequent category */
    struct report_filter f;
    period_filter(&f, p, 0);
    struct report_cell *cells = NULL;
    int nc = 0;
    if (!rc)
        rc = src->count(src->ctx, &f, RDIM_UNIT, RDIM_CATEGORY, &cells, &nc);
    for (int i = 0; !rc && i < nc; i++)
        for (int k = 0; k < n; k++)
            if (st[k].unit_id == cells[i].key[0]) {
                st[k].received += cells[i].n;
                if (cells[i].n > st[k].top_count ||
                    (cells[i].n == st[k].top_count && cells[i].key[1] < st[k].top_category)) {
                    st[k].top_count = cells[i].n;
                    st[k].top_category = cells[i].key[1];
                }
            }
    free(cells);
    int k = notice_class_size(n), counts[NC__COUNT];
    int *out[NC__COUNT];
    for (int c = 0; c < NC__COUNT; c++)
        out[c] = lists + (size_t)c * (size_t)(n ? n : 1);
    if (!rc)
        notice_classify(st, n, k, out, counts);
    static const char *const notes[NC__COUNT] = {
        "本月“三率”考评得分最高的街道（乡镇）",
        "排名较上月上升最多的街道（乡镇）（上月名次减本月名次，至少上升一位）",
        "先进类以外本月得分最低的街道（乡镇）",
        "本月同一分类诉求最多的街道（乡镇）（至少 3 件），需开展专项治理、主动治理"};
    for (int c = 0; !rc && c < NC__COUNT; c++) {
        json_t *rows = json_array();
        for (int i = 0; rows && i < counts[c]; i++) {
            const struct notice_street *s = &st[out[c][i]];
            const struct unit *u = unit_by_id(src, s->unit_id);
            const struct category *cat = category_by_id(src, s->top_category);
            json_t *r = json_pack(
                "{sI ss sI so so so so sI ss sI}", "no", (json_int_t)(i + 1), "name",
                u ? u->name : "", "unit_id", (json_int_t)s->unit_id, "score",
                isnan(s->score) ? json_null() : json_real(s->score), "rank",
                s->rank ? json_integer(s->rank) : json_null(), "prev_rank",
                s->prev_rank ? json_integer(s->prev_rank) : json_null(), "rise",
                s->rank && s->prev_rank ? json_integer(s->prev_rank - s->rank) : json_null(),
                "received", (json_int_t)s->received, "top_category", cat ? cat->name : "",
                "top_count", (json_int_t)s->top_count);
            json_array_append_new(rows, r);
        }
        char id[32], title[64];
        snprintf(id, sizeof id, "class_%s", js_notice_class_names[c]);
        snprintf(title, sizeof title, "%s街道（乡镇）", js_notice_class_labels[c]);
        const char *cols =
            c == NC_GOVERN
                ? "no:序号:int;name:街道（乡镇）:text;top_category:高频问题:text;top_count:件数:"
                  "int;received:本月承办:int;rank:本月排名:int"
            : c == NC_PROGRESS
                ? "no:序号:int;name:街道（乡镇）:text;prev_rank:上月排名:int;rank:本月排名:int;"
                  "rise:上升:int;score:得分:num"
                : "no:序号:int;name:街道（乡镇）:text;score:得分:num;rank:排名:int;received:本月承"
                  "办:int";
        rc = add_figure(doc, js_notice_class_names[c], js_notice_class_labels[c],
                        json_integer(counts[c]), "个");
        if (!rc)
            rc = add_section(doc, id, title, notes[c], cols, rows, NULL);
        else
            json_decref(rows);
    }
    /* every street, by rank (those not assessed last) */
    json_t *all = json_array();
    int *order = calloc((size_t)(n ? n : 1), sizeof *order);
    for (int i = 0; order && i < n; i++) {
        int j = i;
        for (; j > 0; j--) {
            const struct notice_street *a = &st[order[j - 1]];
            int ra = a->rank ? a->rank : 1 << 30, rb = st[i].rank ? st[i].rank : 1 << 30;
            if (ra <= rb)
                break;
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
    if (!order)
        rc = -JS_ENOMEM;
    for (int k2 = 0; !rc && all && k2 < n; k2++) {
        int i = order[k2];
        const struct unit *u = unit_by_id(src, st[i].unit_id);
        json_array_append_new(
            all, json_pack("{ss so so so sI}", "name", u ? u->name : "", "score",
                           isnan(st[i].score) ? json_null() : json_real(st[i].score), "rank",
                           st[i].rank ? json_integer(st[i].rank) : json_null(), "prev_rank",
                           st[i].prev_rank ? json_integer(st[i].prev_rank) : json_null(),
                           "received", (json_int_t)st[i].received));
    }
    if (!rc)
        rc = add_section(doc, "streets", "各街道（乡镇）“三率”考评",
                         "得分与排名取自“三率”考评方案（beijing-2020）",
                         "name:街道（乡镇）:text;score:得分:num;rank:本月排名:int;prev_rank:"
                         "上月排名:int;received:本月承办:int",
                         all, "bar:name:score");
    else
        json_decref(all);
    free(order);
    free(st);
    free(lists);
    return rc;
}

int report_build(const struct report_src *src, const struct report_period *p, int64_t unit_id,
                 int64_t now, json_t **out, struct js_error *e)
{
    *out = NULL;
    if (p->kind < 0 || p->kind >= RK__COUNT)
        return js_fail(e, JS_EINVAL, "kind", "未知的报告类型");
    if (report_kind_per_unit(p->kind) != (unit_id != 0))
        return js_fail(e, JS_EINVAL, "unit_id",
                       report_kind_per_unit(p->kind) ? "单位月度分析须指定单位"
                                                     : "此类报告不按单位生成");
    if (unit_id && !unit_by_id(src, unit_id))
        return js_fail(e, JS_ENOTFOUND, "unit_id", "单位不存在");
    json_t *doc = new_doc(src, p, unit_id, now);
    if (!doc)
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    int rc;
    switch (p->kind) {
    case RK_DAILY:
        rc = build_daily(src, p, doc);
        break;
    case RK_WEEKLY_SPECIAL:
        rc = build_weekly_special(src, p, doc);
        break;
    case RK_UNIT_MONTHLY:
        rc = build_unit_monthly(src, p, unit_id, doc);
        break;
    case RK_NOTICE:
        rc = build_notice(src, p, doc);
        break;
    default:
        rc = build_analysis(src, p, doc);
    }
    if (rc) {
        json_decref(doc);
        return js_fail(e, -rc, NULL, "报告生成失败：%s", js_err_message(rc));
    }
    *out = doc;
    return 0;
}
