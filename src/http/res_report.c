/* Reports over the API: the issued reports (list, one, its XLSX and its printable page), a
 * draft computed without storing, and issuing on demand. Leaders, administrators, supervisors
 * and auditors read every report; unit users read their own unit's monthly reports (others are
 * "not found" to them, as orders are); administrators and leaders issue; administrators,
 * leaders and supervisors preview. */
#include "compat.h"
#include "http/res_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/report.h"
#include "http/app.h"
#include "http/respond.h"
#include "store/report_store.h"
#include "util/jfield.h"
#include "util/jtime.h"

#define ROLES_READ_ALL                                                                             \
    (ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SUPERVISOR) |                    \
     ROLE_BIT(ROLE_AUDITOR))
#define ROLES_ISSUE   (ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_ADMIN))
#define ROLES_PREVIEW (ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SUPERVISOR))

static const char *const list_params[] = {"kind", "period", "unit_id", "before_id", "limit", NULL};
static const char *const no_params[] = {NULL};
static const char *const body_fields[] = {"kind", "period", "unit_id", NULL};

/* ---- the outputs ------------------------------------------------------------------------- */

static const json_t *doc_of(const json_t *rec)
{
    const json_t *d = json_object_get(rec, "doc");
    return d ? d : rec;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The line under the title: period, edition, who issued it and when (or "草稿"). */
static void issue_line(const json_t *rec, char *out, size_t n)
{
    const json_t *doc = doc_of(rec);
    const char *period = str(json_object_get(doc, "period"), "label");
    if (json_object_get(rec, "doc"))
        snprintf(out, n, "统计期间：%s　第 %lld 版　%s 签发于 %s", period,
                 (long long)json_integer_value(json_object_get(rec, "edition")),
                 str(rec, "issued_by_name"), str(rec, "issued_at_label"));
    else
        snprintf(out, n, "统计期间：%s　草稿，生成于 %s（未签发）", period,
                 str(doc, "generated_label"));
}

/* A value as text: counts as they are, rates as per cent, null as "—". */
static void value_text(const json_t *v, const char *type, char *out, size_t n)
{
    if (json_is_null(v) || !v)
        snprintf(out, n, "—");
    else if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else if (strcmp(type, "pct") == 0 || strcmp(type, "%") == 0)
        snprintf(out, n, "%.1f%%", json_number_value(v) * 100);
    else if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, n, "%.2f", json_number_value(v));
}

/* A sheet name: at most 31 characters, none of []:*?/\, unique by a number when needed. */
static void sheet_name(const char *title, int index, char *out, size_t n)
{
    char clean[128];
    size_t j = 0, chars = 0;
    for (const unsigned char *p = (const unsigned char *)title; *p && j + 4 < sizeof clean;) {
        int len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        if (chars >= 26)
            break;
        if (len == 1 && strchr("[]:*?/\\'", *p)) {
            p++;
            continue;
        }
        for (int k = 0; k < len && *p; k++)
            clean[j++] = (char)*p++;
        chars++;
    }
    clean[j] = 0;
    snprintf(out, n, "%d %s", index, clean);
}

int report_export_xlsx(const json_t *rec, const char *path, struct js_error *e)
{
    const json_t *doc = doc_of(rec);
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return js_fail(e, JS_EIO, NULL, "无法创建 %s", path);
    lxw_format *head = workbook_add_format(wb), *pct = workbook_add_format(wb),
               *num = workbook_add_format(wb), *title = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_num_format(pct, "0.0%");
    format_set_num_format(num, "0.00");
    format_set_bold(title);
    format_set_font_size(title, 14);

    lxw_worksheet *ws = workbook_add_worksheet(wb, "概要");
    char line[512];
    worksheet_write_string(ws, 0, 0, str(doc, "title"), title);
    issue_line(rec, line, sizeof line);
    worksheet_write_string(ws, 1, 0, line, NULL);
    worksheet_write_string(ws, 3, 0, "指标", head);
    worksheet_write_string(ws, 3, 1, "数值", head);
    worksheet_write_string(ws, 3, 2, "单位", head);
    worksheet_set_column(ws, 0, 0, 28, NULL);
    worksheet_set_column(ws, 1, 2, 14, NULL);
    size_t i;
    json_t *f;
    lxw_row_t row = 4;
    json_array_foreach(json_object_get(doc, "figures"), i, f)
    {
        const json_t *v = json_object_get(f, "value");
        const char *unit = str(f, "unit");
        worksheet_write_string(ws, row, 0, str(f, "label"), NULL);
        if (json_is_number(v))
            worksheet_write_number(ws, row, 1, json_number_value(v),
                                   strcmp(unit, "%") == 0 ? pct
                                   : json_is_real(v)      ? num
                                                          : NULL);
        else
            worksheet_write_string(ws, row, 1, "—", NULL);
        worksheet_write_string(ws, row, 2, strcmp(unit, "%") == 0 ? "" : unit, NULL);
        row++;
    }
    json_t *s;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
    {
        char name[160];
        sheet_name(str(s, "title"), (int)i + 1, name, sizeof name);
        lxw_worksheet *sh = workbook_add_worksheet(wb, name);
        if (!sh)
            continue;
        worksheet_write_string(sh, 0, 0, str(s, "title"), title);
        worksheet_write_string(sh, 1, 0, str(s, "note"), NULL);
        const json_t *cols = json_object_get(s, "columns");
        size_t c;
        json_t *col;
        json_array_foreach(cols, c, col)
        {
            worksheet_write_string(sh, 3, (lxw_col_t)c, str(col, "label"), head);
            worksheet_set_column(sh, (lxw_col_t)c, (lxw_col_t)c,
                                 strcmp(str(col, "type"), "text") == 0 ? 22 : 12, NULL);
        }
        size_t r;
        json_t *x;
        json_array_foreach(json_object_get(s, "rows"), r, x)
        {
            json_array_foreach(cols, c, col)
            {
                const json_t *v = json_object_get(x, str(col, "key"));
                const char *type = str(col, "type");
                lxw_row_t rr = (lxw_row_t)(r + 4);
                if (json_is_number(v))
                    worksheet_write_number(sh, rr, (lxw_col_t)c, json_number_value(v),
                                           strcmp(type, "pct") == 0   ? pct
                                           : strcmp(type, "num") == 0 ? num
                                                                      : NULL);
                else if (json_is_string(v))
                    worksheet_write_string(sh, rr, (lxw_col_t)c, json_string_value(v), NULL);
                else
                    worksheet_write_string(sh, rr, (lxw_col_t)c, "—", NULL);
            }
        }
        if (json_array_size(json_object_get(s, "rows")) == 0)
            worksheet_write_string(sh, 4, 0, "（本期无）", NULL);
        worksheet_freeze_panes(sh, 4, 0);
    }
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR)
        return js_fail(e, JS_EIO, NULL, "无法写入 %s：%s", path, lxw_strerror(err));
    return 0;
}

static int esc(struct buf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && !rc; s++)
        switch (*s) {
        case '<':
            rc = buf_puts(b, "&lt;");
            break;
        case '>':
            rc = buf_puts(b, "&gt;");
            break;
        case '&':
            rc = buf_puts(b, "&amp;");
            break;
        case '"':
            rc = buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = buf_puts(b, "&#39;");
            break;
        default:
            rc = buf_append(b, s, 1);
        }
    return rc;
}

/* The charted column of a section, drawn as <meter> bars beside the table. */
static int html_bars(struct buf *b, const json_t *s)
{
    const json_t *chart = json_object_get(s, "chart"), *rows = json_object_get(s, "rows");
    if (!json_is_object(chart) || json_array_size(rows) == 0)
        return 0;
    const char *x = str(chart, "x"), *y = str(chart, "y");
    double max = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        double v = json_number_value(json_object_get(r, y));
        if (v > max)
            max = v;
    }
    int rc = buf_puts(b, "<div class=\"bars\">");
    json_array_foreach(rows, i, r)
    {
        char v[64];
        value_text(json_object_get(r, y), "int", v, sizeof v);
        rc |= buf_puts(b, "<div class=\"bar\"><span class=\"bar-label\">");
        rc |= esc(b, str(r, x));
        rc |= buf_printf(b, "</span><meter min=\"0\" max=\"%g\" value=\"%g\"></meter>",
                         max > 0 ? max : 1, json_number_value(json_object_get(r, y)));
        rc |= buf_puts(b, "<span class=\"bar-value\">");
        rc |= esc(b, v);
        rc |= buf_puts(b, "</span></div>");
    }
    rc |= buf_puts(b, "</div>");
    return rc;
}

int report_export_html(const json_t *rec, struct buf *b)
{
    const json_t *doc = doc_of(rec);
    char line[512];
    issue_line(rec, line, sizeof line);
    int rc = buf_puts(b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                         "<title>");
    rc |= esc(b, str(doc, "title"));
    rc |= buf_puts(b, "</title><link rel=\"stylesheet\" href=\"/css/report.css\"></head>"
                      "<body class=\"report-print\"><article class=\"report-doc\"><header>"
                      "<p class=\"org\">接诉即办工作专班</p><h1>");
    rc |= esc(b, str(doc, "title"));
    rc |= buf_puts(b, "</h1><p class=\"issue\">");
    rc |= esc(b, line);
    rc |= buf_puts(b, "</p></header><section class=\"figures\"><h2>主要数据</h2><dl>");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "figures"), i, f)
    {
        char v[64];
        const char *unit = str(f, "unit");
        value_text(json_object_get(f, "value"), unit, v, sizeof v);
        rc |= buf_puts(b, "<div><dt>");
        rc |= esc(b, str(f, "label"));
        rc |= buf_puts(b, "</dt><dd>");
        rc |= esc(b, v);
        if (strcmp(unit, "%") && !json_is_null(json_object_get(f, "value")))
            rc |= esc(b, unit);
        rc |= buf_puts(b, "</dd></div>");
    }
    rc |= buf_puts(b, "</dl></section>");
    json_t *s;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
    {
        rc |= buf_printf(b, "<section class=\"part\" id=\"s-");
        rc |= esc(b, str(s, "id"));
        rc |= buf_printf(b, "\"><h2>%zu. ", i + 1);
        rc |= esc(b, str(s, "title"));
        rc |= buf_puts(b, "</h2><p class=\"note\">");
        rc |= esc(b, str(s, "note"));
        rc |= buf_puts(b, "</p>");
        rc |= html_bars(b, s);
        const json_t *cols = json_object_get(s, "columns"), *rows = json_object_get(s, "rows");
        if (json_array_size(rows) == 0) {
            rc |= buf_puts(b, "<p class=\"empty\">本期无。</p></section>");
            continue;
        }
        rc |= buf_puts(b, "<table><thead><tr>");
        size_t c;
        json_t *col;
        json_array_foreach(cols, c, col)
        {
            rc |= buf_puts(b, "<th>");
            rc |= esc(b, str(col, "label"));
            rc |= buf_puts(b, "</th>");
        }
        rc |= buf_puts(b, "</tr></thead><tbody>");
        size_t r;
        json_t *x;
        json_array_foreach(rows, r, x)
        {
            rc |= buf_puts(b, "<tr>");
            json_array_foreach(cols, c, col)
            {
                char v[64];
                const json_t *val = json_object_get(x, str(col, "key"));
                const char *type = str(col, "type");
                rc |= buf_puts(b, strcmp(type, "text") ? "<td class=\"n\">" : "<td>");
                if (json_is_string(val)) {
                    rc |= esc(b, json_string_value(val));
                } else {
                    value_text(val, type, v, sizeof v);
                    rc |= esc(b, v);
                }
                rc |= buf_puts(b, "</td>");
            }
            rc |= buf_puts(b, "</tr>");
        }
        rc |= buf_puts(b, "</tbody></table></section>");
    }
    rc |= buf_puts(b, "<footer><p>");
    rc |= esc(b, line);
    rc |= buf_puts(b, "</p></footer></article></body></html>\n");
    return rc ? -JS_ENOMEM : 0;
}

/* ---- handlers ---------------------------------------------------------------------------- */

static bool is_unit_user(const struct app_ctx *c)
{
    return app_is_unit_role(c->who.role);
}

/* 0 when c may read reports at all; else fills res (403). */
static int may_read(const struct app_ctx *c, struct http_response *res)
{
    if (is_unit_user(c))
        return 0;
    return app_require_roles(c, ROLES_READ_ALL, res);
}

/* Loads report id for c (a unit user: only their unit's); fills res on failure. */
static int load(struct app_ctx *c, const struct http_request *req, struct report_rec *rec,
                struct http_response *res)
{
    int64_t id;
    if (app_parse_id(http_param(req, "id"), &id)) {
        http_error(res, -JS_ENOTFOUND, "id", "报告不存在");
        return -JS_ENOTFOUND;
    }
    int rc = c->store->ops->report_get(c->store, id, rec);
    if (!rc && is_unit_user(c) && (rec->kind != RK_UNIT_MONTHLY || rec->unit_id != c->who.unit_id))
        rc = -JS_ENOTFOUND;
    if (rc) {
        report_rec_release(rec);
        if (rc == -JS_ENOTFOUND)
            http_error(res, rc, "id", "报告不存在");
        else
            app_store_error(res, rc, "id", "report");
    }
    return rc;
}

static void list_reports(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (may_read(c, res) || app_query_known(req, list_params, res))
        return;
    struct report_query q = {.kind = -1, .limit = 50};
    const char *kind = http_query(req, "kind"), *unit = http_query(req, "unit_id"),
               *before = http_query(req, "before_id"), *limit = http_query(req, "limit");
    if (kind && (q.kind = js_name_index(js_report_kind_names, kind)) < 0) {
        http_error(res, -JS_EINVAL, "kind",
                   "kind 应为 daily、weekly_special、weekly、unit_monthly、notice 或 quarterly");
        return;
    }
    q.period = http_query(req, "period");
    if (unit && app_parse_id(unit, &q.unit_id)) {
        http_error(res, -JS_EINVAL, "unit_id", "unit_id 应为单位编号");
        return;
    }
    if (before && app_parse_id(before, &q.before_id)) {
        http_error(res, -JS_EINVAL, "before_id", "before_id 应为报告编号");
        return;
    }
    if (limit) {
        int64_t l;
        if (app_parse_id(limit, &l) || l > 500) {
            http_error(res, -JS_EINVAL, "limit", "limit 应为 1 到 500");
            return;
        }
        q.limit = (int)l;
    }
    if (is_unit_user(c)) { /* their own unit's monthly reports only */
        if ((q.kind >= 0 && q.kind != RK_UNIT_MONTHLY) ||
            (q.unit_id && q.unit_id != c->who.unit_id)) {
            http_json(res, 200, json_pack("{s[] sn}", "reports", "next_before_id"));
            return;
        }
        q.kind = RK_UNIT_MONTHLY;
        q.unit_id = c->who.unit_id;
    }
    struct report_rec *v = NULL;
    int n = 0;
    int rc = c->store->ops->report_list(c->store, &q, &v, &n);
    if (rc) {
        app_store_error(res, rc, NULL, "reports");
        return;
    }
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++)
        json_array_append_new(arr, report_rec_json(&v[i], false));
    json_t *out = json_pack("{so so}", "reports", arr ? arr : json_array(), "next_before_id",
                            n == q.limit && n > 0 ? json_integer(v[n - 1].id) : json_null());
    free(v);
    http_json(res, 200, out);
}

static void get_kinds(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (may_read(c, res) || app_query_known(req, no_params, res))
        return;
    json_t *arr = json_array();
    int64_t now = app_now(a);
    for (int k = 0; arr && k < RK__COUNT; k++) {
        if (is_unit_user(c) && k != RK_UNIT_MONTHLY)
            continue;
        struct report_period p;
        report_period_due(k, now, &p);
        json_array_append_new(arr, json_pack("{ss ss sb ss ss}", "kind", js_report_kind_names[k],
                                             "label", js_report_kind_labels[k], "per_unit",
                                             report_kind_per_unit(k), "due_period", p.key,
                                             "due_label", p.label));
    }
    http_json(res, 200, json_pack("{so}", "kinds", arr ? arr : json_array()));
}

static void get_report(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct report_rec rec;
    if (may_read(c, res) || app_query_known(req, no_params, res) || load(c, req, &rec, res))
        return;
    json_t *j = report_rec_json(&rec, true);
    report_rec_release(&rec);
    if (!j)
        http_error(res, -JS_EINTERNAL, NULL, "报告文档损坏");
    else
        http_json(res, 200, j);
}

static void filename_of(const struct report_rec *rec, const char *ext, char *out, size_t n)
{
    snprintf(out, n, "report-%s-%s-%lld-v%d.%s", js_report_kind_names[rec->kind], rec->period,
             (long long)rec->unit_id, rec->edition, ext);
}

static void get_xlsx(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct report_rec rec;
    if (may_read(c, res) || app_query_known(req, no_params, res) || load(c, req, &rec, res))
        return;
    json_t *j = report_rec_json(&rec, true);
    char path[] = "/tmp/jiesu-report-XXXXXX";
    int fd = j ? mkstemp(path) : -1;
    struct js_error e;
    js_error_clear(&e);
    if (!j) {
        http_error(res, -JS_EINTERNAL, NULL, "报告文档损坏");
    } else if (fd < 0) {
        http_error(res, -JS_EIO, NULL, "无法创建导出文件");
    } else {
        close(fd);
        if (report_export_xlsx(j, path, &e)) {
            unlink(path);
            http_error_from(res, &e);
        } else {
            char name[160];
            filename_of(&rec, "xlsx", name, sizeof name);
            http_send_file(res, path,
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           name);
        }
    }
    json_decref(j);
    report_rec_release(&rec);
}

static void get_print(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct report_rec rec;
    if (may_read(c, res) || app_query_known(req, no_params, res) || load(c, req, &rec, res))
        return;
    json_t *j = report_rec_json(&rec, true);
    struct buf b;
    buf_init(&b, 0);
    if (!j || report_export_html(j, &b))
        http_error(res, -JS_EINTERNAL, NULL, "无法生成打印页");
    else
        http_text(res, 200, "text/html; charset=utf-8", b.data);
    buf_release(&b);
    json_decref(j);
    report_rec_release(&rec);
}

/* Reads {kind, period, unit_id} of a preview or an issue; the period defaults to the latest
 * complete one. Unit users may only ask for their own unit's monthly report. */
static int read_body(struct app *a, struct app_ctx *c, const struct http_request *req,
                     struct report_period *p, int64_t *unit, struct http_response *res)
{
    json_t *body = NULL;
    struct js_error e;
    js_error_clear(&e);
    int kind = -1;
    const char *period = NULL;
    *unit = 0;
    if (app_body(req, body_fields, false, &body, res))
        return -JS_EINVAL;
    int rc = jf_enum(body, "kind", true, js_report_kind_names, &kind, &e);
    if (!rc)
        rc = jf_str(body, "period", false, 16, &period, &e);
    if (!rc)
        rc = jf_int(body, "unit_id", false, 1, INT64_C(9007199254740992), unit, &e);
    if (!rc && period)
        rc = report_period_parse(kind, period, p, &e);
    else if (!rc)
        report_period_due(kind, app_now(a), p);
    if (!rc && report_kind_per_unit(kind) && !*unit && is_unit_user(c))
        *unit = c->who.unit_id;
    if (!rc && report_kind_per_unit(kind) && !*unit)
        rc = js_fail(&e, JS_EMISSING, "unit_id", "单位月度分析须指定 unit_id");
    if (!rc && !report_kind_per_unit(kind) && *unit)
        rc = js_fail(&e, JS_EINVAL, "unit_id", "此类报告不按单位生成，不应给出 unit_id");
    if (!rc && is_unit_user(c) && (kind != RK_UNIT_MONTHLY || *unit != c->who.unit_id))
        rc = js_fail(&e, JS_EFORBIDDEN, "kind", "单位用户只能查看本单位的月度分析");
    if (!rc && p->from >= app_now(a))
        rc = js_fail(&e, JS_EINVAL, "period", "该期间尚未开始");
    json_decref(body);
    if (rc)
        http_error_from(res, &e);
    return rc;
}

static void preview(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct report_period p;
    int64_t unit;
    if ((!is_unit_user(c) && app_require_roles(c, ROLES_PREVIEW, res)) ||
        app_query_known(req, no_params, res) || read_body(a, c, req, &p, &unit, res))
        return;
    json_t *doc = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (report_make(c->store, a->db, &p, unit, app_now(a), &doc, &e))
        http_error_from(res, &e);
    else
        http_json(res, 200, json_pack("{so sb}", "doc", doc, "draft", 1));
}

static void issue(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct report_period p;
    int64_t unit;
    if (app_require_roles(c, ROLES_ISSUE, res) || app_query_known(req, no_params, res) ||
        read_body(a, c, req, &p, &unit, res))
        return;
    if (p.to > app_now(a)) {
        http_error(res, -JS_EINVAL, "period", "该期间尚未结束，只能预览，不能签发");
        return;
    }
    struct report_rec rec;
    struct js_error e;
    js_error_clear(&e);
    if (report_issue(c->store, a->db, &p, unit, app_now(a), &c->who, false, &rec, &e)) {
        http_error_from(res, &e);
        return;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "report %lld issued: %s %s edition %d", (long long)rec.id,
             js_report_kind_names[rec.kind], rec.period, rec.edition);
    app_audit(c, c->user.id, 0, "report_issue", detail);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/reports/%lld", (long long)rec.id);
    http_response_header(res, "Location", loc);
    json_t *j = report_rec_json(&rec, true);
    report_rec_release(&rec);
    http_json(res, 201, j);
}

/* ---- routes ------------------------------------------------------------------------------- */

static const struct route_doc docs[] = {
    {"GET", "/api/v1/reports", "reports",
     "Issued reports (每日早报, 每周专报, 每周分析, 单位月度分析, 月度通报, 季度分析), newest "
     "first, without their documents; kind, period and unit_id filter; before_id pages. Unit "
     "users see their own unit's monthly reports",
     "leader, admin, supervisor, auditor; unit users (their unit's)",
     "kind:string,period:string,unit_id:integer,before_id:integer,limit:integer", NULL, 200},
    {"GET", "/api/v1/reports/kinds", "reports",
     "The report kinds with the period each would cover if issued now (the latest complete one)",
     "leader, admin, supervisor, auditor; unit users", NULL, NULL, 200},
    {"GET", "/api/v1/reports/{id}", "reports",
     "One issued report with its document: figures, and sections of columns and rows with the "
     "chart each is drawn as. An issued report never changes",
     "leader, admin, supervisor, auditor; unit users (their unit's)", NULL, NULL, 200},
    {"GET", "/api/v1/reports/{id}/xlsx", "reports",
     "The report as an XLSX workbook: a summary sheet and one sheet per section",
     "leader, admin, supervisor, auditor; unit users (their unit's)", NULL, NULL, 200},
    {"GET", "/api/v1/reports/{id}/print", "reports",
     "The report as a printable HTML page (A4, Chinese dates)",
     "leader, admin, supervisor, auditor; unit users (their unit's)", NULL, NULL, 200},
    {"POST", "/api/v1/reports/preview", "reports",
     "A draft of a report computed now and not stored (period: 2026-12-04 for daily and the "
     "week containing a date for weekly kinds, 2026-11 for monthly, 2026-Q4 for quarterly; "
     "default: the latest complete period)",
     "leader, admin, supervisor; unit users (their unit's monthly)", NULL,
     "kind:string!,period:string,unit_id:integer", 200},
    {"POST", "/api/v1/reports", "reports",
     "Issue a report of a period that has ended: stored as an immutable snapshot; issuing a "
     "period again stores a new, separately numbered edition",
     "leader, admin", NULL, "kind:string!,period:string,unit_id:integer", 201},
};

int res_report_register(struct app *a)
{
    struct router *r = a->router;
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/reports", list_reports)) ||
        (rc = router_add(r, "GET", "/api/v1/reports/kinds", get_kinds)) ||
        (rc = router_add(r, "GET", "/api/v1/reports/{id}", get_report)) ||
        (rc = router_add(r, "GET", "/api/v1/reports/{id}/xlsx", get_xlsx)) ||
        (rc = router_add(r, "GET", "/api/v1/reports/{id}/print", get_print)) ||
        (rc = router_add(r, "POST", "/api/v1/reports/preview", preview)) ||
        (rc = router_add(r, "POST", "/api/v1/reports", issue)))
        return rc;
    return app_route_docs(a, docs, (int)JS_ARRAY_LEN(docs));
}
