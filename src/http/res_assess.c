/* The assessment over the API: the ranking of a scheme for a period (JSON, CSV or XLSX), the
 * orders behind a unit's indicators, appeals and their decisions, manual items, schemes and the
 * indicator catalogue. Unit users see their own unit only. Each handler uses a per-thread
 * assessment store on the app's database. */
#include "compat.h"
#include "http/res_assess.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/model.h"
#include "http/app.h"
#include "http/respond.h"
#include "util/csv.h"
#include "util/jtime.h"
#include "util/utf8.h"

/* ---- the per-thread assessment store ------------------------------------------------------ */

struct tl_store {
    char *db;
    struct assess_store *st;
};

static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void tl_free(void *p)
{
    struct tl_store *t = p;
    if (!t)
        return;
    assess_store_close(t->st);
    free(t->db);
    free(t);
}

static void tl_init(void)
{
    pthread_key_create(&tl_key, tl_free);
}

/* The calling thread's assessment store on a->db, opened on first use (and again if the app's
 * database changed, as in tests that run several apps on one thread). */
static struct assess_store *store_for(struct app *a, struct http_response *res)
{
    pthread_once(&tl_once, tl_init);
    struct tl_store *t = pthread_getspecific(tl_key);
    if (t && strcmp(t->db, a->db) != 0) {
        pthread_setspecific(tl_key, NULL);
        tl_free(t);
        t = NULL;
    }
    if (!t) {
        struct js_error e;
        js_error_clear(&e);
        t = calloc(1, sizeof *t);
        if (!t || !(t->db = strdup(a->db)) || assess_store_open(a->db, &t->st, &e)) {
            tl_free(t);
            if (e.code)
                http_error_from(res, &e);
            else
                http_error(res, -JS_ENOMEM, NULL, NULL);
            return NULL;
        }
        pthread_setspecific(tl_key, t);
    }
    return t->st;
}

/* ---- shared -----------------------------------------------------------------------------------
 */

static const char *const report_params[] = {"scheme",  "period", "from", "to",
                                            "unit_id", "format", NULL};
static const char *const orders_params[] = {"scheme", "period", "from", "to", "indicator", NULL};
static const char *const appeal_params[] = {"unit_id", "status", NULL};
static const char *const item_params[] = {"unit_id", "period", "from", "to", NULL};
static const char *const no_params[] = {NULL};
static const char *const preview_params[] = {"period", "from", "to", NULL};

static bool is_unit_user(const struct app_ctx *c)
{
    return app_is_unit_role(c->who.role);
}

/* The period of the query: period=, or from= and to=, else the current month. */
static int query_period(struct app *a, const struct http_request *req, struct ind_period *p,
                        bool required, struct http_response *res)
{
    struct js_error e;
    js_error_clear(&e);
    const char *period = http_query(req, "period"), *from = http_query(req, "from"),
               *to = http_query(req, "to");
    int rc;
    if (period && (from || to))
        rc = js_fail(&e, JS_EINVAL, "period", "give period, or from and to, not both");
    else if (period)
        rc = ind_period_parse(period, p, &e);
    else if (from || to)
        rc = ind_period_range(from, to, p, &e);
    else if (required) {
        int y, m, d;
        jtime_civil_from_days(jtime_local_day(app_now(a)), &y, &m, &d);
        char spec[16];
        snprintf(spec, sizeof spec, "%04d-%02d", y, m);
        rc = ind_period_parse(spec, p, &e);
    } else {
        p->from = p->to = p->cutoff = 0;
        return 0;
    }
    if (rc)
        http_error_from(res, &e);
    return rc;
}

/* An optional integer query parameter. */
static int query_id(const struct http_request *req, const char *name, int64_t *out,
                    struct http_response *res)
{
    const char *v = http_query(req, name);
    *out = 0;
    if (!v)
        return 0;
    if (app_parse_id(v, out)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s 须为正整数", name);
        http_error(res, -JS_EINVAL, name, msg);
        return -JS_EINVAL;
    }
    return 0;
}

/* The scheme of the query, else the policy's. */
static struct scheme *load_scheme(struct app_ctx *c, struct assess_store *st,
                                  const struct http_request *req, struct http_response *res)
{
    const char *name = http_query(req, "scheme");
    if (!name || !name[0])
        name = c->engine.policy.scheme[0] ? c->engine.policy.scheme : "dongcheng-2016";
    struct scheme *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (assess_scheme_load(st, NULL, name, &s, &e)) {
        if (e.code == -JS_ENOTFOUND) {
            snprintf(e.field, sizeof e.field, "scheme");
            snprintf(e.message, sizeof e.message, "没有考核方案“%.*s”", utf8_clip(name, 60), name);
        }
        http_error_from(res, &e);
        return NULL;
    }
    return s;
}

static int path_id(const struct http_request *req, struct http_response *res, const char *what,
                   int64_t *id)
{
    if (app_parse_id(http_param(req, "id"), id) == 0)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s不存在", what);
    http_error(res, -JS_ENOTFOUND, "id", msg);
    return -JS_ENOTFOUND;
}

/* ---- exports ----------------------------------------------------------------------------------
 */

static int csv_num(struct buf *b, double v, bool percent)
{
    return buf_printf(b, "%.2f", percent ? v * 100 : v);
}

/* The units of the export, in the order and selection of the JSON form. */
static json_t *export_rows(const struct assess_report *r, int64_t only_unit, json_t **doc)
{
    *doc = assess_report_json(r, only_unit);
    return *doc ? json_object_get(*doc, "units") : NULL;
}

static const char *kind_label(const char *kind)
{
    int k = js_name_index(js_unit_kind_names, kind);
    return k >= 0 ? js_unit_kind_labels[k] : kind;
}

int assess_export_csv(const struct assess_report *r, int64_t only_unit, struct buf *out)
{
    const struct scheme *s = r->scheme;
    json_t *doc;
    json_t *units = export_rows(r, only_unit, &doc);
    if (!units)
        return -JS_ENOMEM;
    int rc = buf_puts(out, "\xEF\xBB\xBF分组,排名,单位编码,单位名称,单位类型,得分,等级,接收量");
    for (int k = 0; !rc && k < s->n_items; k++)
        rc = buf_puts(out, ",") || csv_put_field(out, s->items[k].name);
    if (!rc && s->bonus)
        rc = buf_puts(out, ",加分");
    for (int i = 0; !rc && i < s->n_ind; i++) {
        char h[96];
        snprintf(h, sizeof h, "%s%s", s->ind_name[i], ind_defs[s->ind[i]].kind == 'R' ? "(%)" : "");
        rc = buf_puts(out, ",") || csv_put_field(out, h);
    }
    if (!rc)
        rc = buf_puts(out, "\r\n");
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        if (rc)
            break;
        const json_t *group = json_object_get(u, "group"), *rank = json_object_get(u, "rank"),
                     *score = json_object_get(u, "score"), *grade = json_object_get(u, "grade");
        rc = csv_put_field(out, json_is_string(group) ? json_string_value(group) : "") ||
             buf_puts(out, ",");
        if (!rc && json_is_integer(rank))
            rc = buf_printf(out, "%lld", (long long)json_integer_value(rank));
        rc = rc || buf_puts(out, ",") ||
             csv_put_field(out, json_string_value(json_object_get(u, "code"))) ||
             buf_puts(out, ",") ||
             csv_put_field(out, json_string_value(json_object_get(u, "name"))) ||
             buf_puts(out, ",") ||
             csv_put_field(out, kind_label(json_string_value(json_object_get(u, "kind")))) ||
             buf_puts(out, ",");
        if (!rc && json_is_number(score))
            rc = csv_num(out, json_number_value(score), false);
        rc =
            rc || buf_puts(out, ",") ||
            csv_put_field(out, json_is_string(grade) ? json_string_value(grade) : "") ||
            buf_printf(out, ",%lld", (long long)json_integer_value(json_object_get(u, "received")));
        const json_t *items = json_object_get(u, "items"), *inds = json_object_get(u, "indicators");
        for (int k = 0; !rc && k < s->n_items; k++)
            rc = buf_puts(out, ",") ||
                 csv_num(out, json_number_value(json_object_get(items, s->items[k].id)), false);
        if (!rc && s->bonus)
            rc = buf_puts(out, ",") ||
                 csv_num(out, json_number_value(json_object_get(u, "bonus")), false);
        for (int k = 0; !rc && k < s->n_ind; k++) {
            const struct ind_def *d = &ind_defs[s->ind[k]];
            double v = json_number_value(json_object_get(json_object_get(inds, d->id), "value"));
            rc = buf_puts(out, ",") || csv_num(out, v, d->kind == 'R');
        }
        if (!rc)
            rc = buf_puts(out, "\r\n");
    }
    json_decref(doc);
    return rc ? -JS_ENOMEM : 0;
}

int assess_export_xlsx(const struct assess_report *r, int64_t only_unit, const char *path,
                       struct js_error *e)
{
    const struct scheme *s = r->scheme;
    json_t *doc;
    json_t *units = export_rows(r, only_unit, &doc);
    if (!units)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        json_decref(doc);
        return js_fail(e, JS_EIO, NULL, "cannot create %s", path);
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "考核排名");
    lxw_worksheet *defs = workbook_add_worksheet(wb, "指标说明");
    lxw_format *head = workbook_add_format(wb), *pct = workbook_add_format(wb),
               *num = workbook_add_format(wb), *title = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_text_wrap(head);
    format_set_num_format(pct, "0.00%");
    format_set_num_format(num, "0.00");
    format_set_bold(title);
    format_set_font_size(title, 14);

    char period[80], line[400];
    ind_period_format(&r->period, period, sizeof period);
    snprintf(line, sizeof line, "%s  考核期：%s%s", s->title, period,
             r->year ? "（年度：月度平均×权重＋年终考核×权重）" : "");
    worksheet_write_string(ws, 0, 0, line, title);
    static const char *const fixed[] = {"分组",     "排名", "单位编码", "单位名称",
                                        "单位类型", "得分", "等级",     "接收量"};
    lxw_col_t col = 0;
    for (size_t k = 0; k < JS_ARRAY_LEN(fixed); k++)
        worksheet_write_string(ws, 2, col++, fixed[k], head);
    for (int k = 0; k < s->n_items; k++)
        worksheet_write_string(ws, 2, col++, s->items[k].name, head);
    if (s->bonus)
        worksheet_write_string(ws, 2, col++, "加分", head);
    for (int k = 0; k < s->n_ind; k++)
        worksheet_write_string(ws, 2, col++, s->ind_name[k], head);
    worksheet_set_column(ws, 0, 2, 10, NULL);
    worksheet_set_column(ws, 3, 3, 24, NULL);
    worksheet_set_column(ws, 4, col, 12, NULL);
    worksheet_freeze_panes(ws, 3, 4);

    lxw_row_t row = 3;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        const json_t *group = json_object_get(u, "group"), *rank = json_object_get(u, "rank"),
                     *score = json_object_get(u, "score"), *grade = json_object_get(u, "grade");
        col = 0;
        worksheet_write_string(ws, row, col++,
                               json_is_string(group) ? json_string_value(group) : "", NULL);
        if (json_is_integer(rank))
            worksheet_write_number(ws, row, col, (double)json_integer_value(rank), NULL);
        col++;
        worksheet_write_string(ws, row, col++, json_string_value(json_object_get(u, "code")), NULL);
        worksheet_write_string(ws, row, col++, json_string_value(json_object_get(u, "name")), NULL);
        worksheet_write_string(ws, row, col++,
                               kind_label(json_string_value(json_object_get(u, "kind"))), NULL);
        if (json_is_number(score))
            worksheet_write_number(ws, row, col, json_number_value(score), num);
        col++;
        if (json_is_string(grade))
            worksheet_write_string(ws, row, col, json_string_value(grade), NULL);
        col++;
        worksheet_write_number(ws, row, col++,
                               (double)json_integer_value(json_object_get(u, "received")), NULL);
        const json_t *items = json_object_get(u, "items"), *inds = json_object_get(u, "indicators");
        for (int k = 0; k < s->n_items; k++)
            worksheet_write_number(ws, row, col++,
                                   json_number_value(json_object_get(items, s->items[k].id)), num);
        if (s->bonus)
            worksheet_write_number(ws, row, col++, json_number_value(json_object_get(u, "bonus")),
                                   num);
        for (int k = 0; k < s->n_ind; k++) {
            const struct ind_def *d = &ind_defs[s->ind[k]];
            double v = json_number_value(json_object_get(json_object_get(inds, d->id), "value"));
            worksheet_write_number(ws, row, col++, v, d->kind == 'R' ? pct : num);
        }
        row++;
    }

    static const char *const def_head[] = {"指标", "标识", "类型", "分子", "分母"};
    for (lxw_col_t k = 0; k < JS_ARRAY_LEN(def_head); k++)
        worksheet_write_string(defs, 0, k, def_head[k], head);
    worksheet_set_column(defs, 0, 2, 16, NULL);
    worksheet_set_column(defs, 3, 4, 60, NULL);
    for (int k = 0; k < s->n_ind; k++) {
        const struct ind_def *d = &ind_defs[s->ind[k]];
        worksheet_write_string(defs, (lxw_row_t)(k + 1), 0, s->ind_name[k], NULL);
        worksheet_write_string(defs, (lxw_row_t)(k + 1), 1, d->id, NULL);
        worksheet_write_string(defs, (lxw_row_t)(k + 1), 2,
                               d->kind == 'R'   ? "比率"
                               : d->kind == 'C' ? "计数"
                                                : "分值",
                               NULL);
        worksheet_write_string(defs, (lxw_row_t)(k + 1), 3, d->num, NULL);
        worksheet_write_string(defs, (lxw_row_t)(k + 1), 4, d->den ? d->den : "", NULL);
    }
    lxw_error err = workbook_close(wb);
    json_decref(doc);
    if (err != LXW_NO_ERROR)
        return js_fail(e, JS_EIO, NULL, "cannot write %s: %s", path, lxw_strerror(err));
    return 0;
}

/* ---- the ranking -------------------------------------------------------------------------- */

/* The ranking as the API answers it: the report, with its cases and exclusions (new reference,
 * NULL when out of memory). */
static json_t *report_json(const struct assess_report *r, int64_t unit)
{
    json_t *j = assess_report_json(r, unit);
    if (j) {
        json_object_set_new(j, "cases", json_integer(r->cases));
        json_object_set_new(j, "exclusions", json_integer(r->exclusions));
    }
    return j;
}

static void get_report(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct ind_period p;
    int64_t unit = 0;
    if (app_query_known(req, report_params, res) || query_period(a, req, &p, true, res) ||
        query_id(req, "unit_id", &unit, res))
        return;
    const char *format = http_query(req, "format");
    if (format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "xlsx") != 0) {
        http_error(res, -JS_EINVAL, "format", "format is json, csv or xlsx");
        return;
    }
    if (is_unit_user(c)) {
        if (unit && unit != c->who.unit_id) {
            http_error(res, -JS_ENOTFOUND, "unit_id", "unit not found");
            return;
        }
        unit = c->who.unit_id;
    }
    struct assess_store *st = store_for(a, res);
    struct scheme *s = st ? load_scheme(c, st, req, res) : NULL;
    if (!s)
        return;
    struct assess_report r;
    struct js_error e;
    js_error_clear(&e);
    if (assess_run(st, s, &p, &r, &e)) {
        http_error_from(res, &e);
        scheme_free(s);
        return;
    }
    char period[80], filename[192];
    ind_period_format(&p, period, sizeof period);
    for (char *q = period; *q; q++)
        if (*q == ':' || *q == '+')
            *q = '-';
    if (format && strcmp(format, "csv") == 0) {
        struct buf b;
        buf_init(&b, 0);
        if (assess_export_csv(&r, unit, &b)) {
            http_error(res, -JS_ENOMEM, NULL, NULL);
        } else {
            http_text(res, 200, "text/csv; charset=utf-8", b.data ? b.data : "");
            snprintf(filename, sizeof filename, "attachment; filename=\"%s_%s.csv\"", s->name,
                     period);
            http_response_header(res, "Content-Disposition", filename);
        }
        buf_release(&b);
    } else if (format && strcmp(format, "xlsx") == 0) {
        char path[] = "/tmp/jiesu-assess-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0) {
            http_error(res, -JS_EIO, NULL, "cannot create the export");
        } else {
            close(fd);
            if (assess_export_xlsx(&r, unit, path, &e)) {
                unlink(path);
                http_error_from(res, &e);
            } else {
                snprintf(filename, sizeof filename, "%s_%s.xlsx", s->name, period);
                http_send_file(res, path,
                               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               filename);
            }
        }
    } else {
        http_json(res, 200, report_json(&r, unit));
    }
    assess_report_release(&r);
    scheme_free(s);
}

static void get_unit_orders(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct ind_period p;
    int64_t unit;
    if (app_query_known(req, orders_params, res) || path_id(req, res, "单位", &unit) ||
        query_period(a, req, &p, true, res))
        return;
    if (is_unit_user(c) && unit != c->who.unit_id) {
        http_error(res, -JS_ENOTFOUND, "id", "unit not found");
        return;
    }
    int indicator = -1;
    const char *iname = http_query(req, "indicator");
    if (iname && (indicator = ind_lookup(iname, strlen(iname))) < 0) {
        http_error(res, -JS_EINVAL, "indicator", "not an indicator");
        return;
    }
    struct assess_store *st = store_for(a, res);
    struct scheme *s = st ? load_scheme(c, st, req, res) : NULL;
    if (!s)
        return;
    json_t *orders = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (assess_orders(st, s, &p, unit, indicator, &orders, &e)) {
        http_error_from(res, &e);
    } else {
        char period[80];
        ind_period_format(&p, period, sizeof period);
        http_json(res, 200,
                  json_pack("{sI ss ss so}", "unit_id", (json_int_t)unit, "scheme", s->name,
                            "period", period, "orders", orders));
    }
    scheme_free(s);
}

static void get_indicators(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(ap);
    if (app_query_known(req, no_params, res))
        return;
    json_t *supk = json_array();
    for (int k = 0; k < SUPK__COUNT; k++)
        json_array_append_new(
            supk, json_pack("{ss ss}", "kind", js_supk_names[k], "label", js_supk_labels[k]));
    http_json(res, 200,
              json_pack("{so so}", "indicators", ind_catalogue_json(), "supervision_kinds", supk));
}

/* ---- schemes ------------------------------------------------------------------------------ */

static void list_schemes(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (app_query_known(req, no_params, res))
        return;
    struct assess_store *st = store_for(a, res);
    if (!st)
        return;
    json_t *list;
    struct js_error e;
    js_error_clear(&e);
    if (assess_scheme_list(st, NULL, &list, &e)) {
        http_error_from(res, &e);
        return;
    }
    http_json(res, 200,
              json_pack("{so ss}", "schemes", list, "policy_scheme", c->engine.policy.scheme));
}

static void get_scheme(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    if (app_query_known(req, no_params, res))
        return;
    struct assess_store *st = store_for(a, res);
    if (!st)
        return;
    struct scheme *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (assess_scheme_load(st, NULL, http_param(req, "name"), &s, &e)) {
        if (e.code == -JS_ENOTFOUND || e.code == -JS_EINVAL)
            http_error(res, -JS_ENOTFOUND, "name", "scheme not found");
        else
            http_error_from(res, &e);
        return;
    }
    http_json(res, 200, json_incref(s->doc));
    scheme_free(s);
}

static void put_scheme(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *doc = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || app_query_known(req, no_params, res) ||
        app_body(req, NULL, false, &doc, res))
        return;
    struct assess_store *st = store_for(a, res);
    const char *name = http_param(req, "name");
    struct js_error e;
    js_error_clear(&e);
    if (st) {
        if (assess_scheme_save(st, &c->who, name, doc, app_now(a), &e)) {
            http_error_from(res, &e);
        } else {
            char detail[128];
            snprintf(detail, sizeof detail, "scheme %s saved", name);
            app_audit(c, c->user.id, 0, "assess_scheme", detail);
            http_json(res, 200, json_incref(doc));
        }
    }
    json_decref(doc);
}

/* The ranking a scheme document would give for a period, without storing the document: the
 * scheme editor's live preview. */
static void preview_scheme(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *doc = NULL;
    struct ind_period p;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) ||
        app_query_known(req, preview_params, res) || query_period(a, req, &p, true, res) ||
        app_body(req, NULL, false, &doc, res))
        return;
    struct assess_store *st = store_for(a, res);
    struct scheme *s = NULL;
    struct assess_report r;
    struct js_error e;
    js_error_clear(&e);
    if (!st)
        goto out;
    if (scheme_from_json(doc, &s, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (assess_run(st, s, &p, &r, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    json_t *j = report_json(&r, 0);
    if (j)
        json_object_set_new(j, "preview", json_true());
    http_json(res, 200, j);
    assess_report_release(&r);
out:
    scheme_free(s);
    json_decref(doc);
}

/* ---- appeals ------------------------------------------------------------------------------ */

static const char *const appeal_fields[] = {"order_id", "order",    "indicators",
                                            "reason",   "evidence", NULL};
static const char *const decision_fields[] = {"uphold", "note", NULL};

static void list_appeals(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int64_t unit = 0;
    if (app_query_known(req, appeal_params, res) || query_id(req, "unit_id", &unit, res))
        return;
    if (is_unit_user(c))
        unit = c->who.unit_id;
    struct assess_store *st = store_for(a, res);
    if (!st)
        return;
    json_t *list;
    struct js_error e;
    js_error_clear(&e);
    if (assess_appeal_list(st, unit, http_query(req, "status"), &list, &e))
        http_error_from(res, &e);
    else
        http_json(res, 200, json_pack("{so}", "appeals", list));
}

/* One appeal, or 404 when it does not exist or belongs to another unit of a unit user. */
static json_t *appeal_visible(struct app_ctx *c, struct assess_store *st, int64_t id,
                              struct http_response *res)
{
    json_t *j = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (assess_appeal_get(st, id, &j, &e)) {
        http_error_from(res, &e);
        return NULL;
    }
    if (is_unit_user(c) && json_integer_value(json_object_get(j, "unit_id")) != c->who.unit_id) {
        json_decref(j);
        http_error(res, -JS_ENOTFOUND, "id", "appeal not found");
        return NULL;
    }
    return j;
}

static void get_appeal(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int64_t id;
    if (app_query_known(req, no_params, res) || path_id(req, res, "申诉", &id))
        return;
    struct assess_store *st = store_for(a, res);
    json_t *j = st ? appeal_visible(c, st, id, res) : NULL;
    if (j)
        http_json(res, 200, j);
}

static void file_appeal(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_UNIT_LEADER), res) ||
        app_query_known(req, no_params, res) || app_body(req, appeal_fields, false, &body, res))
        return;
    struct assess_store *st = store_for(a, res);
    struct js_error e;
    js_error_clear(&e);
    int64_t id = 0;
    if (st) {
        if (assess_appeal_file(st, &c->who, body, app_now(a), &id, &e)) {
            http_error_from(res, &e);
        } else {
            json_t *j = appeal_visible(c, st, id, res);
            if (j) {
                char detail[96];
                snprintf(detail, sizeof detail, "appeal %lld filed", (long long)id);
                app_audit(c, c->user.id, json_integer_value(json_object_get(j, "order_id")),
                          "assess_appeal", detail);
                http_json(res, 201, j);
            }
        }
    }
    json_decref(body);
}

static void decide_appeal(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    int64_t id;
    if (app_require_roles(c, ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN), res) ||
        app_query_known(req, no_params, res) || path_id(req, res, "申诉", &id) ||
        app_body(req, decision_fields, false, &body, res))
        return;
    struct assess_store *st = store_for(a, res);
    struct js_error e;
    js_error_clear(&e);
    if (st) {
        if (assess_appeal_decide(st, &c->who, id, body, app_now(a), &e)) {
            http_error_from(res, &e);
        } else {
            json_t *j = appeal_visible(c, st, id, res);
            if (j) {
                char detail[96];
                snprintf(detail, sizeof detail, "appeal %lld %s", (long long)id,
                         json_string_value(json_object_get(j, "status")));
                app_audit(c, c->user.id, json_integer_value(json_object_get(j, "order_id")),
                          "assess_decision", detail);
                http_json(res, 200, j);
            }
        }
    }
    json_decref(body);
}

/* ---- manual items ------------------------------------------------------------------------- */

static const char *const item_fields[] = {"unit_id", "kind",     "points", "on",
                                          "note",    "order_id", NULL};
static const char *const cancel_fields[] = {"reason", NULL};

static void list_items(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int64_t unit = 0;
    struct ind_period p;
    if (app_query_known(req, item_params, res) || query_id(req, "unit_id", &unit, res) ||
        query_period(a, req, &p, false, res))
        return;
    if (is_unit_user(c))
        unit = c->who.unit_id;
    struct assess_store *st = store_for(a, res);
    if (!st)
        return;
    json_t *list;
    struct js_error e;
    js_error_clear(&e);
    if (assess_item_list(st, unit, p.from, p.to, &list, &e))
        http_error_from(res, &e);
    else
        http_json(res, 200, json_pack("{so}", "items", list));
}

static void add_item(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN), res) ||
        app_query_known(req, no_params, res) || app_body(req, item_fields, false, &body, res))
        return;
    struct assess_store *st = store_for(a, res);
    struct js_error e;
    js_error_clear(&e);
    int64_t id = 0;
    if (st) {
        if (assess_item_add(st, &c->who, body, app_now(a), &id, &e)) {
            http_error_from(res, &e);
        } else {
            char detail[160];
            snprintf(detail, sizeof detail, "item %lld: %s %g for unit %lld", (long long)id,
                     json_string_value(json_object_get(body, "kind")),
                     json_number_value(json_object_get(body, "points")),
                     (long long)json_integer_value(json_object_get(body, "unit_id")));
            app_audit(c, c->user.id, 0, "assess_item", detail);
            json_t *j = json_deep_copy(body);
            json_object_set_new(j, "id", json_integer(id));
            http_json(res, 201, j);
        }
    }
    json_decref(body);
}

static void cancel_item(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    int64_t id;
    if (app_require_roles(c, ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN), res) ||
        app_query_known(req, no_params, res) || path_id(req, res, "考核项目", &id) ||
        app_body(req, cancel_fields, false, &body, res))
        return;
    struct assess_store *st = store_for(a, res);
    struct js_error e;
    js_error_clear(&e);
    if (st) {
        if (assess_item_cancel(st, &c->who, id, body, app_now(a), &e)) {
            http_error_from(res, &e);
        } else {
            char detail[96];
            snprintf(detail, sizeof detail, "item %lld cancelled", (long long)id);
            app_audit(c, c->user.id, 0, "assess_item_cancel", detail);
            http_json(res, 200, json_pack("{sI sb}", "id", (json_int_t)id, "cancelled", 1));
        }
    }
    json_decref(body);
}

/* ---- routes ------------------------------------------------------------------------------- */

const struct route_doc res_assess_docs[] = {
    {"GET", "/api/v1/assess", "assessment",
     "The ranking of a scheme (default: the policy's) for a period (period=2026-10, 2026-Q4, "
     "2026 or FROM..TO; or from and to; default the current month): score, rank and grade per "
     "unit with every item and indicator (value, numerator, denominator). format=csv or xlsx "
     "downloads it with Chinese headers. Unit users get their own unit's row",
     "any user", "scheme:string,period:string,from:string,to:string,unit_id:integer,format:string",
     NULL, 200},
    {"GET", "/api/v1/assess/indicators", "assessment",
     "The indicator catalogue (id, Chinese label, numerator, denominator) and the supervision "
     "kinds that linshu-2020 weighs",
     "any user", NULL, NULL, 200},
    {"GET", "/api/v1/assess/units/{id}/orders", "assessment",
     "The orders behind a unit's indicators in a period: for each order, what it adds to each "
     "indicator's numerator and denominator, and the indicators an upheld appeal excludes it "
     "from. indicator= lists the orders of one indicator",
     "platform users; a unit user for their own unit",
     "scheme:string,period:string,from:string,to:string,indicator:string", NULL, 200},
    {"GET", "/api/v1/assess/schemes", "assessment",
     "The built-in and stored schemes, and the policy's scheme", "any user", NULL, NULL, 200},
    {"GET", "/api/v1/assess/schemes/{name}", "assessment",
     "A scheme document: indicators, items and their formulas, groups, grades", "any user", NULL,
     NULL, 200},
    {"PUT", "/api/v1/assess/schemes/{name}", "assessment",
     "Store a new version of a scheme (the body is the whole document); a bad formula is "
     "refused with the character position and the reason",
     "admin", NULL,
     "name:string!,title:string,indicators:object,params:object,groups:array,items:array!,"
     "score:string,bonus:object,grades:array,precision:integer,rank:string,evaluation:object,"
     "year:object",
     200},
    {"POST", "/api/v1/assess/preview", "assessment",
     "The ranking a scheme document (the body, as PUT /api/v1/assess/schemes/{name} takes it) "
     "would give for a period (default the current month), without storing it: the scheme "
     "editor's live preview; a bad formula is refused as on saving",
     "admin", "period:string,from:string,to:string",
     "name:string!,title:string,indicators:object,params:object,groups:array,items:array!,"
     "score:string,bonus:object,grades:array,precision:integer,rank:string,evaluation:object,"
     "year:object",
     200},
    {"GET", "/api/v1/assess/appeals", "assessment",
     "Appeals (申诉), newest first; unit users see their own unit's", "any user",
     "unit_id:integer,status:string", NULL, 200},
    {"POST", "/api/v1/assess/appeals", "assessment",
     "Appeal an order's outcome with evidence, naming the indicators (or \"all\") it should be "
     "excluded from",
     "unit_leader", NULL,
     "order_id:integer,order:string,indicators:array!,reason:string!,evidence:array!", 201},
    {"GET", "/api/v1/assess/appeals/{id}", "assessment", "One appeal with its decision",
     "any user who may see it", NULL, NULL, 200},
    {"POST", "/api/v1/assess/appeals/{id}/decision", "assessment",
     "Uphold (the order is excluded from the named indicators, 排除使用) or reject (with a "
     "note) a pending appeal",
     "supervisor, admin", NULL, "uphold:boolean!,note:string", 200},
    {"GET", "/api/v1/assess/items", "assessment",
     "Manual items (deductions, bonuses, year-end points) dated in a period; unit users see "
     "their own unit's",
     "any user", "unit_id:integer,period:string,from:string,to:string", NULL, 200},
    {"POST", "/api/v1/assess/items", "assessment",
     "Enter a manual item: kind manual_deduction, bonus_points (加分, 002 art. 34) or year_end "
     "(001), points, the day it counts on, a note",
     "supervisor, admin", NULL,
     "unit_id:integer!,kind:string!,points:number!,on:string!,note:string!,order_id:integer", 201},
    {"POST", "/api/v1/assess/items/{id}/cancel", "assessment",
     "Cancel a manual item (recorded with the reason; nothing is deleted)", "supervisor, admin",
     NULL, "reason:string!", 200},
};
const int res_assess_n_docs = (int)JS_ARRAY_LEN(res_assess_docs);

int res_assess_register(struct router *r)
{
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/assess", get_report)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/indicators", get_indicators)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/units/{id}/orders", get_unit_orders)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/schemes", list_schemes)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/schemes/{name}", get_scheme)) ||
        (rc = router_add(r, "PUT", "/api/v1/assess/schemes/{name}", put_scheme)) ||
        (rc = router_add(r, "POST", "/api/v1/assess/preview", preview_scheme)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/appeals", list_appeals)) ||
        (rc = router_add(r, "POST", "/api/v1/assess/appeals", file_appeal)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/appeals/{id}", get_appeal)) ||
        (rc = router_add(r, "POST", "/api/v1/assess/appeals/{id}/decision", decide_appeal)) ||
        (rc = router_add(r, "GET", "/api/v1/assess/items", list_items)) ||
        (rc = router_add(r, "POST", "/api/v1/assess/items", add_item)) ||
        (rc = router_add(r, "POST", "/api/v1/assess/items/{id}/cancel", cancel_item)))
        return rc;
    return 0;
}

int res_assess_register_app(struct app *a)
{
    int rc = res_assess_register(a->router);
    return rc ? rc : app_route_docs(a, res_assess_docs, res_assess_n_docs);
}
