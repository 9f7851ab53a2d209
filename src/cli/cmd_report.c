/* `jiesu report`: the report kinds, a draft (preview), issuing a report or every report due,
 * the issued reports, and one of them as text, JSON, XLSX or a printable HTML page, from the
 * same code as the API and the scheduler. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/report.h"
#include "http/res_report.h"
#include "store/report_store.h"
#include "store/store.h"
#include "util/jtime.h"

int cli_report(struct opts *o);

static int fail(const char *what, const struct js_error *e)
{
    fprintf(stderr, "jiesu report: %s：%s%s%s%s\n", what, e->message, e->field[0] ? "（字段 " : "",
            e->field, e->field[0] ? "）" : "");
    return 1;
}

static void value_text(const json_t *v, const char *type, char *out, size_t n)
{
    if (!v || json_is_null(v))
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

/* The document as text: title, figures, then each section's rows (columns separated by two
 * spaces). */
static void print_doc(const json_t *rec)
{
    const json_t *doc = json_object_get(rec, "doc") ? json_object_get(rec, "doc") : rec;
    printf("%s\n", json_string_value(json_object_get(doc, "title")));
    if (json_object_get(rec, "doc"))
        printf("第 %lld 版，%s 签发于 %s\n",
               (long long)json_integer_value(json_object_get(rec, "edition")),
               json_string_value(json_object_get(rec, "issued_by_name")),
               json_string_value(json_object_get(rec, "issued_at_label")));
    else
        printf("草稿，生成于 %s（未签发）\n",
               json_string_value(json_object_get(doc, "generated_label")));
    size_t i;
    json_t *f;
    printf("\n");
    json_array_foreach(json_object_get(doc, "figures"), i, f)
    {
        char v[64];
        const char *unit = json_string_value(json_object_get(f, "unit"));
        value_text(json_object_get(f, "value"), unit ? unit : "", v, sizeof v);
        printf("  %s：%s%s\n", json_string_value(json_object_get(f, "label")), v,
               unit && strcmp(unit, "%") && strcmp(v, "—") ? unit : "");
    }
    json_t *s;
    json_array_foreach(json_object_get(doc, "sections"), i, s)
    {
        printf("\n%zu. %s（%s）\n", i + 1, json_string_value(json_object_get(s, "title")),
               json_string_value(json_object_get(s, "note")));
        const json_t *cols = json_object_get(s, "columns"), *rows = json_object_get(s, "rows");
        size_t c, r;
        json_t *col, *x;
        printf("  ");
        json_array_foreach(cols, c, col)
        {
            printf("%s%s", c ? "  " : "", json_string_value(json_object_get(col, "label")));
        }
        printf("\n");
        json_array_foreach(rows, r, x)
        {
            printf("  ");
            json_array_foreach(cols, c, col)
            {
                char v[512];
                const char *key = json_string_value(json_object_get(col, "key"));
                value_text(json_object_get(x, key), json_string_value(json_object_get(col, "type")),
                           v, sizeof v);
                printf("%s%s", c ? "  " : "", v);
            }
            printf("\n");
        }
        if (!json_array_size(rows))
            printf("  （本期无）\n");
    }
}

/* Writes the outputs asked for (--xlsx FILE, --html FILE, --format json|text). */
static int output(struct opts *o, const json_t *rec)
{
    struct js_error e;
    js_error_clear(&e);
    const char *xlsx = opts_get(o, "xlsx"), *html = opts_get(o, "html"),
               *format = opts_get(o, "format");
    if (xlsx) {
        if (report_export_xlsx(rec, xlsx, &e))
            return fail("无法导出 xlsx", &e);
        fprintf(stderr, "已写入 %s\n", xlsx);
    }
    if (html) {
        struct buf b;
        buf_init(&b, 0);
        FILE *f = NULL;
        int bad = report_export_html(rec, &b) || !(f = fopen(html, "wb")) ||
                  fwrite(b.data, 1, b.len, f) != b.len;
        if (f && fclose(f))
            bad = 1;
        buf_release(&b);
        if (bad) {
            fprintf(stderr, "jiesu report: 无法写入 %s\n", html);
            return 1;
        }
        fprintf(stderr, "已写入 %s\n", html);
    }
    if (format && strcmp(format, "json") == 0) {
        json_dumpf(rec, stdout, JSON_INDENT(2));
        putchar('\n');
    } else if (!xlsx && !html) {
        print_doc(rec);
    }
    return 0;
}

/* --kind, --period (default: the latest complete one) and --unit (code or id). */
static int read_period(struct opts *o, struct store *s, int64_t now, struct report_period *p,
                       int64_t *unit)
{
    struct js_error e;
    js_error_clear(&e);
    const char *kind = opts_get(o, "kind"), *period = opts_get(o, "period"),
               *uref = opts_get(o, "unit");
    int k = kind ? js_name_index(js_report_kind_names, kind) : -1;
    if (k < 0) {
        fprintf(stderr, "jiesu report: --kind 应为 daily、weekly_special、weekly、unit_monthly、"
                        "notice 或 quarterly\n");
        return 2;
    }
    if (!period)
        report_period_due(k, now, p);
    else if (report_period_parse(k, period, p, &e)) {
        fail("报告期间", &e);
        return 2;
    }
    *unit = 0;
    if (uref) {
        struct unit u;
        int64_t id = strtoll(uref, NULL, 10);
        if (s->ops->unit_get_by_code(s, uref, &u) == 0)
            *unit = u.id;
        else if (id > 0 && s->ops->unit_get(s, id, &u) == 0)
            *unit = u.id;
        else {
            fprintf(stderr, "jiesu report: 没有单位 '%s'（请给出单位代码或编号）\n", uref);
            return 2;
        }
    }
    if (report_kind_per_unit(k) != (*unit != 0)) {
        fprintf(stderr, "jiesu report: %s\n",
                report_kind_per_unit(k) ? "单位月度分析须用 --unit 指定单位"
                                        : "此类报告不按单位生成，不要给出 --unit");
        return 2;
    }
    return 0;
}

static int list(struct opts *o, struct store *s)
{
    struct report_query q = {.kind = -1, .limit = 50};
    const char *kind = opts_get(o, "kind"), *limit = opts_get(o, "limit");
    if (kind && (q.kind = js_name_index(js_report_kind_names, kind)) < 0) {
        fprintf(stderr, "jiesu report: 未知的报告类型 '%s'\n", kind);
        return 2;
    }
    q.period = opts_get(o, "period");
    if (limit)
        q.limit = atoi(limit);
    struct report_rec *v = NULL;
    int n = 0;
    if (s->ops->report_list(s, &q, &v, &n)) {
        fprintf(stderr, "jiesu report: 无法列出报告\n");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        json_t *j = report_rec_json(&v[i], false);
        printf("%6lld  %-14s %-10s 第%d版  %s  %s\n", (long long)v[i].id,
               js_report_kind_names[v[i].kind], v[i].period, v[i].edition,
               json_string_value(json_object_get(j, "issued_at_label")), v[i].title);
        json_decref(j);
    }
    printf("%d 份\n", n);
    free(v);
    return 0;
}

int cli_report(struct opts *o)
{
    const char *db = cli_db_path(o);
    struct js_error e;
    js_error_clear(&e);
    int64_t now = (int64_t)time(NULL);
    const char *at = opts_get(o, "now");
    if (at && jtime_parse(at, &now)) {
        fprintf(stderr, "jiesu report: --now 不是日期时间：%s\n", at);
        return 2;
    }
    if (opts_has(o, "kinds")) {
        for (int k = 0; k < RK__COUNT; k++) {
            struct report_period p;
            report_period_due(k, now, &p);
            printf("%-14s %-12s 当前应出：%s%s\n", js_report_kind_names[k],
                   js_report_kind_labels[k], p.label,
                   report_kind_per_unit(k) ? "（每个单位一份）" : "");
        }
        return 0;
    }
    struct store *s = NULL;
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        store_close(s);
        return fail("无法打开数据库", &e);
    }
    int rc = 0;
    struct report_period p;
    int64_t unit = 0;
    if (opts_has(o, "due")) {
        struct report_due_stats st;
        rc = report_issue_due(s, db, now, &st, &e);
        printf("签发 %d 份，已有 %d 份，失败 %d 份\n", st.issued, st.present, st.failed);
        if (st.failed)
            fprintf(stderr, "jiesu report: 最近的失败：%s\n", st.last_error);
        rc = rc ? 1 : 0;
    } else if (opts_has(o, "preview")) {
        json_t *doc = NULL;
        if (!(rc = read_period(o, s, now, &p, &unit))) {
            if (report_make(s, db, &p, unit, now, &doc, &e))
                rc = fail("无法预览", &e);
            else
                rc = output(o, doc);
        }
        json_decref(doc);
    } else if (opts_has(o, "issue")) {
        struct actor by = {.role = ROLE_SYSTEM, .name = "系统（命令行签发）"};
        const char *as = opts_get(o, "as");
        if (as) {
            struct user u;
            if (s->ops->user_get_by_login(s, as, &u) ||
                (u.role != ROLE_ADMIN && u.role != ROLE_LEADER)) {
                fprintf(stderr, "jiesu report: --as 应为管理员或领导的登录名\n");
                rc = 2;
                goto out;
            }
            by.user_id = u.id;
            by.role = u.role;
            snprintf(by.name, sizeof by.name, "%s", u.name);
        }
        if (!(rc = read_period(o, s, now, &p, &unit))) {
            struct report_rec rec;
            if (p.to > now) {
                fprintf(stderr, "jiesu report: 该期间尚未结束，只能 --preview\n");
                rc = 2;
            } else if (report_issue(s, db, &p, unit, now, &by, false, &rec, &e)) {
                rc = fail("无法签发", &e);
            } else {
                json_t *j = report_rec_json(&rec, true);
                fprintf(stderr, "已签发 %s，编号 %lld，第 %d 版\n", rec.title, (long long)rec.id,
                        rec.edition);
                rc = j ? output(o, j) : 1;
                json_decref(j);
                report_rec_release(&rec);
            }
        }
    } else if (opts_get(o, "show")) {
        struct report_rec rec;
        int64_t id = strtoll(opts_get(o, "show"), NULL, 10);
        if (id <= 0 || s->ops->report_get(s, id, &rec)) {
            fprintf(stderr, "jiesu report: 没有编号为 %s 的报告\n", opts_get(o, "show"));
            rc = 2;
        } else {
            json_t *j = report_rec_json(&rec, true);
            rc = j ? output(o, j) : 1;
            json_decref(j);
            report_rec_release(&rec);
        }
    } else {
        rc = list(o, s);
    }
out:
    store_close(s);
    return rc;
}
