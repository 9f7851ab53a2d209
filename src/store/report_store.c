/* Reports over a store: the report source, issuing snapshots, the due reports. */
#include "compat.h"
#include "store/report_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hotspot.h"
#include "store/assess_store.h"
#include "store/timers_store.h"
#include "util/buf.h"
#include "util/jtime.h"

/* The source of one or more builds: the organisation, and the month scores computed once. */
struct rsrc {
    struct report_src src;
    struct store *s;
    const char *db;
    struct assess_store *as;
    struct scheme *scheme;
    bool as_failed;
    struct {
        char key[24];
        json_t *rows;
    } cache[4];
    int n_cache;
    struct region *regions;
    struct category *cats;
    struct unit *units;
};

static int src_count(void *ctx, const struct report_filter *f, int dim1, int dim2,
                     struct report_cell **out, int *n)
{
    struct rsrc *r = ctx;
    return r->s->ops->report_count(r->s, f, dim1, dim2, out, n);
}

static int src_events(void *ctx, const struct report_filter *f, int64_t counts[ACT__COUNT])
{
    struct rsrc *r = ctx;
    return r->s->ops->report_event_counts(r->s, f, counts);
}

static const char *unit_name(const struct rsrc *r, int64_t id)
{
    for (int i = 0; i < r->src.n_units; i++)
        if (r->units[i].id == id)
            return r->units[i].name;
    return "";
}

static const char *category_name(const struct rsrc *r, int64_t id)
{
    for (int i = 0; i < r->src.n_categories; i++)
        if (r->cats[i].id == id)
            return r->cats[i].name;
    return "未分类";
}

static const char *region_name(const struct rsrc *r, int64_t id)
{
    for (int i = 0; i < r->src.n_regions; i++)
        if (r->regions[i].id == id)
            return r->regions[i].name;
    return "未定位到街道";
}

static json_t *order_row(const struct rsrc *r, const struct order *o)
{
    char when[40];
    jtime_format_cn(o->created_at, when, sizeof when);
    struct buf units;
    buf_init(&units, 0);
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active)
            buf_printf(&units, "%s%s%s", units.len ? "、" : "", unit_name(r, o->units[i].unit_id),
                       o->units[i].role == ASG_ASSIST ? "（协办）" : "");
    json_t *row = json_pack(
        "{ss ss ss ss ss ss ss ss sI ss}", "number", o->number, "title", o->title, "received", when,
        "type", o->type >= 0 && o->type < TYPE__COUNT ? js_type_labels[o->type] : "", "category",
        category_name(r, o->category_id), "street",
        region_name(r, report_street_of(&r->src, o->region_id)), "units",
        units.data ? units.data : "", "status",
        o->status >= 0 && o->status < ST__COUNT ? js_status_labels[o->status] : "", "reopens",
        (json_int_t)o->reopens, "level",
        o->level >= 0 && o->level < LEVEL__COUNT ? js_level_labels[o->level] : "");
    buf_release(&units);
    return row;
}

static int src_orders(void *ctx, const struct report_filter *f, json_t *rows)
{
    struct rsrc *r = ctx;
    int64_t ids[500];
    int n = 0;
    int rc = r->s->ops->report_order_ids(r->s, f, ids, (int)JS_ARRAY_LEN(ids), &n);
    for (int i = 0; !rc && i < n; i++) {
        struct order o;
        order_init(&o);
        rc = r->s->ops->order_get(r->s, ids[i], &o);
        if (!rc && json_array_append_new(rows, order_row(r, &o)))
            rc = -JS_ENOMEM;
        order_release(&o);
    }
    return rc;
}

static const char *warn_label(const char *kind)
{
    static const char *const k[][2] = {{"reopen", "多次重办"},
                                       {"duplicate", "多人多次集中投诉"},
                                       {"rework", "敷衍塞责、反复返工"},
                                       {"petition", "信访隐患"},
                                       {"other", "其他"}};
    for (size_t i = 0; kind && i < JS_ARRAY_LEN(k); i++)
        if (strcmp(k[i][0], kind) == 0)
            return k[i][1];
    return kind ? kind : "";
}

/* The order-level warnings (提示/警示 of the timers) raised in [from, to). */
static int src_warnings(void *ctx, int64_t from, int64_t to, int64_t unit_id, json_t *rows)
{
    struct rsrc *r = ctx;
    struct event_list evs;
    event_list_init(&evs);
    struct timers_event_query q = {
        .action = ACT_WARN, .from = from, .to = to, .unit_id = unit_id, .limit = 500};
    int rc = timers_events(r->s, &q, &evs);
    for (int i = evs.n - 1; !rc && i >= 0; i--) { /* oldest first */
        const struct event *ev = &evs.v[i];
        const json_t *args = json_object_get(ev->payload, "args");
        const char *kind = json_string_value(json_object_get(args, "kind")),
                   *level = json_string_value(json_object_get(args, "level")),
                   *reason = json_string_value(json_object_get(args, "reason"));
        struct order o;
        order_init(&o);
        if (r->s->ops->order_get(r->s, ev->order_id, &o))
            snprintf(o.number, sizeof o.number, "-");
        char when[40], kind_text[96];
        jtime_format_cn(ev->at, when, sizeof when);
        snprintf(kind_text, sizeof kind_text, "%s%s", warn_label(kind),
                 level && strcmp(level, "warning") == 0 ? "（警示）" : "（提示）");
        if (json_array_append_new(rows, json_pack("{ss ss ss ss ss}", "at", when, "number",
                                                  o.number, "title", o.title ? o.title : "", "kind",
                                                  kind_text, "text", reason ? reason : "")))
            rc = -JS_ENOMEM;
        order_release(&o);
    }
    event_list_release(&evs);
    return rc;
}

/* The hotspot warnings raised in [from, to), oldest first, with the numbers of their orders. */
static int src_hotspots(void *ctx, int64_t from, int64_t to, json_t *rows)
{
    struct rsrc *r = ctx;
    struct hotspot_warning *ws = NULL;
    int n = 0, rc = 0;
    struct hotspot_warning_query q = {
        .from = from, .to = to, .state = -1, .role = -1, .limit = 500};
    if (!r->s->ops->hotspot_warning_list)
        return 0;
    rc = r->s->ops->hotspot_warning_list(r->s, &q, &ws, &n);
    for (int i = n - 1; !rc && i >= 0; i--) { /* the list is newest first */
        const struct hotspot_warning *w = &ws[i];
        struct buf nums;
        buf_init(&nums, 16384);
        for (int k = 0; !rc && k < w->n_evidence; k++) {
            struct order o;
            order_init(&o);
            if (r->s->ops->order_get(r->s, w->evidence[k], &o) == 0)
                rc = buf_printf(&nums, "%s%s", nums.len ? "、" : "", o.number);
            order_release(&o);
        }
        char when[40];
        jtime_format_cn(w->raised_at, when, sizeof when);
        json_t *row =
            rc ? NULL
               : json_pack("{ss ss ss ss ss si si ss ss}", "at", when, "topic", w->topic_name,
                           "kind", hotspot_kind_labels[w->kind], "rule",
                           hotspot_rule_labels[w->rule], "title", w->title, "count", w->count,
                           "citizens", w->citizens, "state", hotspot_state_labels[w->state],
                           "orders", nums.len ? nums.data : "");
        if (!rc && (!row || json_array_append_new(rows, row)))
            rc = -JS_ENOMEM;
        buf_release(&nums);
    }
    for (int i = 0; i < n; i++)
        hotspot_warning_release(&ws[i]);
    free(ws);
    return rc;
}

/* The 三率 assessment of a month, computed once per source. No database location or no
 * assessment: no scores (the report says so by leaving them out). */
static int src_scores(void *ctx, const struct report_period *p, json_t **out)
{
    struct rsrc *r = ctx;
    *out = NULL;
    for (int i = 0; i < r->n_cache; i++)
        if (strcmp(r->cache[i].key, p->key) == 0) {
            *out = json_incref(r->cache[i].rows);
            return 0;
        }
    if (!r->db || r->as_failed)
        return 0;
    struct js_error e;
    js_error_clear(&e);
    if (!r->as && (assess_store_open(r->db, &r->as, &e) ||
                   assess_scheme_load(r->as, NULL, REPORT_SCHEME, &r->scheme, &e))) {
        r->as_failed = true;
        return e.code == -JS_ENOMEM ? -JS_ENOMEM : 0;
    }
    struct ind_period ip = {.from = p->from, .to = p->to, .cutoff = p->to};
    struct assess_report ar;
    memset(&ar, 0, sizeof ar);
    int rc = assess_run(r->as, r->scheme, &ip, &ar, &e);
    json_t *doc = rc ? NULL : assess_report_json(&ar, 0);
    assess_report_release(&ar);
    if (rc)
        return rc;
    if (!doc)
        return -JS_ENOMEM;
    json_t *rows = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(doc, "units"), i, u)
    {
        json_t *group = json_object_get(u, "group"), *assessed = json_object_get(u, "assessed"),
               *score = json_object_get(u, "score"), *rank = json_object_get(u, "rank");
        json_t *row =
            json_pack("{sO sO sO sO sb sO sO sI}", "unit_id", json_object_get(u, "unit_id"), "name",
                      json_object_get(u, "name"), "kind", json_object_get(u, "kind"), "group",
                      group ? group : json_null(), "assessed", json_is_true(assessed), "score",
                      score ? score : json_null(), "rank", rank ? rank : json_null(), "received",
                      (json_int_t)json_integer_value(json_object_get(u, "received")));
        if (row)
            json_array_append_new(rows, row);
    }
    json_decref(doc);
    if (r->n_cache < (int)JS_ARRAY_LEN(r->cache)) {
        snprintf(r->cache[r->n_cache].key, sizeof r->cache[r->n_cache].key, "%s", p->key);
        r->cache[r->n_cache++].rows = json_incref(rows);
    }
    *out = rows;
    return 0;
}

static void rsrc_release(struct rsrc *r)
{
    for (int i = 0; i < r->n_cache; i++)
        json_decref(r->cache[i].rows);
    scheme_free(r->scheme);
    assess_store_close(r->as);
    free(r->regions);
    free(r->cats);
    free(r->units);
    memset(r, 0, sizeof *r);
}

static int rsrc_init(struct rsrc *r, struct store *s, const char *db)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    r->db = db;
    r->src.ctx = r;
    r->src.count = src_count;
    r->src.event_counts = src_events;
    r->src.orders = src_orders;
    r->src.warnings = src_warnings;
    r->src.hotspots = src_hotspots;
    r->src.scores = src_scores;
    int rc;
    if ((rc = s->ops->region_list(s, &r->regions, &r->src.n_regions)) ||
        (rc = s->ops->category_list(s, &r->cats, &r->src.n_categories)) ||
        (rc = s->ops->unit_list(s, &r->units, &r->src.n_units))) {
        rsrc_release(r);
        return rc;
    }
    r->src.regions = r->regions;
    r->src.categories = r->cats;
    r->src.units = r->units;
    return 0;
}

int report_make(struct store *s, const char *db, const struct report_period *p, int64_t unit_id,
                int64_t now, json_t **out, struct js_error *e)
{
    struct rsrc r;
    *out = NULL;
    int rc = rsrc_init(&r, s, db);
    if (rc)
        return js_fail(e, -rc, NULL, "无法读取组织机构");
    rc = report_build(&r.src, p, unit_id, now, out, e);
    rsrc_release(&r);
    return rc;
}

/* Builds with src and stores the snapshot in its own transaction. */
static int issue_with(struct rsrc *r, const struct report_period *p, int64_t unit_id, int64_t now,
                      const struct actor *by, bool first_only, struct report_rec *out,
                      struct js_error *e)
{
    struct store *s = r->s;
    json_t *doc = NULL;
    struct report_rec rec;
    memset(&rec, 0, sizeof rec);
    int rc = report_build(&r->src, p, unit_id, now, &doc, e);
    if (rc)
        return rc;
    rec.kind = p->kind;
    snprintf(rec.period, sizeof rec.period, "%s", p->key);
    rec.unit_id = unit_id;
    rec.from = p->from;
    rec.to = p->to;
    rec.issued_at = now;
    rec.issued_by = by ? by->user_id : 0;
    snprintf(rec.issued_by_name, sizeof rec.issued_by_name, "%s",
             by && (by->user_id || by->name[0]) ? by->name : "系统（定时生成）");
    snprintf(rec.title, sizeof rec.title, "%s", json_string_value(json_object_get(doc, "title")));
    rec.doc = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (!rec.doc)
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    if ((rc = s->ops->begin(s)) == 0) {
        rc = s->ops->report_put(s, &rec, first_only);
        if (rc)
            s->ops->rollback(s);
        else
            rc = s->ops->commit(s);
    }
    if (rc) {
        free(rec.doc);
        return rc == -JS_EEXISTS ? js_fail(e, JS_EEXISTS, "period", "该期报告已经生成")
                                 : js_fail(e, -rc, NULL, "报告无法保存");
    }
    if (out)
        *out = rec;
    else
        free(rec.doc);
    return 0;
}

int report_issue(struct store *s, const char *db, const struct report_period *p, int64_t unit_id,
                 int64_t now, const struct actor *by, bool first_only, struct report_rec *out,
                 struct js_error *e)
{
    struct rsrc r;
    int rc = rsrc_init(&r, s, db);
    if (rc)
        return js_fail(e, -rc, NULL, "无法读取组织机构");
    rc = issue_with(&r, p, unit_id, now, by, first_only, out, e);
    rsrc_release(&r);
    return rc;
}

/* True when any order was received before t (a period ending before the first order is not
 * issued). */
static int has_orders_before(struct store *s, int64_t t, bool *yes)
{
    struct report_filter f;
    report_filter_init(&f);
    f.from = 1;
    f.to = t;
    struct report_cell *c = NULL;
    int n = 0;
    int rc = s->ops->report_count(s, &f, RDIM_NONE, RDIM_NONE, &c, &n);
    *yes = !rc && n > 0 && c[0].n > 0;
    free(c);
    return rc;
}

static int issued_already(struct store *s, const struct report_period *p, int64_t unit, bool *yes)
{
    struct report_query q = {.kind = p->kind, .period = p->key, .unit_id = unit, .limit = 1};
    struct report_rec *v = NULL;
    int n = 0;
    int rc = s->ops->report_list(s, &q, &v, &n);
    /* unit 0: the list does not filter by unit, but only per-unit kinds have units */
    *yes = !rc && n > 0;
    free(v);
    return rc;
}

/* Issues one due report unless it exists; *any caches whether any order came before the period
 * ended (-1: not asked yet), asked only when something is missing. */
static void due_one(struct rsrc *r, const struct report_period *p, int64_t unit, int64_t now,
                    int *any, struct report_due_stats *st, int *first_rc, struct js_error *e)
{
    bool done = false, yes = false;
    struct js_error e1;
    js_error_clear(&e1);
    int rc = issued_already(r->s, p, unit, &done);
    if (!rc && done) {
        st->present++;
        return;
    }
    if (!rc && *any < 0 && !(rc = has_orders_before(r->s, p->to, &yes)))
        *any = yes;
    if (!rc && !*any)
        return; /* the district had no orders yet */
    if (!rc)
        rc = issue_with(r, p, unit, now, NULL, true, NULL, &e1);
    if (rc == -JS_EEXISTS) { /* another pass issued it meanwhile */
        st->present++;
        return;
    }
    if (rc) {
        st->failed++;
        snprintf(st->last_error, sizeof st->last_error, "%s %s: %s", js_report_kind_labels[p->kind],
                 p->key, e1.code ? e1.message : js_err_name(rc));
        if (!*first_rc) {
            *first_rc = rc;
            if (e)
                *e = e1;
        }
        return;
    }
    st->issued++;
}

int report_issue_due(struct store *s, const char *db, int64_t now, struct report_due_stats *st,
                     struct js_error *e)
{
    struct report_due_stats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    struct rsrc r;
    int rc = rsrc_init(&r, s, db), first = 0;
    if (rc)
        return js_fail(e, -rc, NULL, "无法读取组织机构");
    for (int k = 0; k < RK__COUNT; k++) {
        struct report_period p;
        report_period_due(k, now, &p);
        int any = -1;
        if (!report_kind_per_unit(k)) {
            due_one(&r, &p, 0, now, &any, st, &first, e);
            continue;
        }
        for (int i = 0; i < r.src.n_units; i++)
            if (r.units[i].active)
                due_one(&r, &p, r.units[i].id, now, &any, st, &first, e);
    }
    rsrc_release(&r);
    return first;
}

json_t *report_rec_json(const struct report_rec *r, bool with_doc)
{
    char at[40], at_cn[40];
    jtime_format(r->issued_at, at, sizeof at);
    jtime_format_cn(r->issued_at, at_cn, sizeof at_cn);
    struct report_period p;
    struct js_error e;
    const char *label = r->period;
    if (r->kind >= 0 && report_period_parse(r->kind, r->period, &p, &e) == 0)
        label = p.label;
    json_t *j = json_pack(
        "{sI ss ss ss ss so sI ss ss ss so ss}", "id", (json_int_t)r->id, "kind",
        r->kind >= 0 ? js_report_kind_names[r->kind] : "", "kind_label",
        r->kind >= 0 ? js_report_kind_labels[r->kind] : "", "period", r->period, "period_label",
        label, "unit_id", r->unit_id ? json_integer(r->unit_id) : json_null(), "edition",
        (json_int_t)r->edition, "title", r->title, "issued_at", at, "issued_at_label", at_cn,
        "issued_by", r->issued_by ? json_integer(r->issued_by) : json_null(), "issued_by_name",
        r->issued_by_name);
    if (j && with_doc) {
        json_t *doc = r->doc ? json_loads(r->doc, 0, NULL) : NULL;
        if (!doc) {
            json_decref(j);
            return NULL;
        }
        json_object_set_new(j, "doc", doc);
    }
    return j;
}

void report_rec_release(struct report_rec *r)
{
    if (!r)
        return;
    free(r->doc);
    r->doc = NULL;
}
