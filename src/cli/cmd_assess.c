/* `jiesu assess`: a scheme's ranking for a period as a table, CSV, XLSX or JSON, and the orders
 * behind a unit's indicators (--unit with --orders), from the same code as the API. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/model.h"
#include "core/policy.h"
#include "http/res_assess.h"
#include "store/assess_store.h"
#include "store/store.h"
#include "util/jtime.h"
#include "util/shipped.h"

int cli_assess(struct opts *o);

static int fail(const char *what, const struct js_error *e)
{
    fprintf(stderr, "jiesu assess: %s：%s%s%s%s\n", what, e->message, e->field[0] ? "（字段 " : "",
            e->field, e->field[0] ? "）" : "");
    return 1;
}

/* Display width of UTF-8 text: East Asian wide characters take two columns. */
static int width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        uint32_t c;
        int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
        c = n == 1 ? *p : (uint32_t)(*p & (0x7F >> n));
        for (int i = 1; i < n && p[i]; i++)
            c = c << 6 | (p[i] & 0x3F);
        w += (c >= 0x1100 &&
              (c <= 0x115F || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
               (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
               (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || c >= 0x20000))
                 ? 2
                 : 1;
        for (int i = 0; i < n && *p; i++)
            p++;
    }
    return w;
}

/* Prints s left-aligned (or right-aligned) in w columns. */
static void cell(const char *s, int w, bool right)
{
    int pad = w - width(s);
    if (right)
        printf("%*s%s ", pad > 0 ? pad : 0, "", s);
    else
        printf("%s%*s ", s, pad > 0 ? pad : 0, "");
}

static void print_table(const struct assess_report *r, int64_t only_unit)
{
    const struct scheme *s = r->scheme;
    json_t *doc = assess_report_json(r, only_unit);
    if (!doc)
        return;
    char period[80];
    ind_period_format(&r->period, period, sizeof period);
    printf("%s — %s%s\n", s->title, period,
           r->year ? "（年度 = 月度平均 × 权重 + 年终考核 × 权重）" : "");
    printf("%lld 条事实，%lld 件申诉排除\n\n", (long long)r->cases, (long long)r->exclusions);
    cell("排名", 4, true);
    cell("单位", 24, false);
    cell("分组", 10, false);
    cell("接收", 6, true);
    cell("得分", 7, true);
    cell("等级", 4, false);
    for (int k = 0; k < s->n_items; k++)
        cell(s->items[k].name, width(s->items[k].name) > 8 ? width(s->items[k].name) : 8, true);
    if (s->bonus) /* e.g. 002 art. 34's bonus points */
        cell("加分", 8, true);
    for (int k = 0; k < s->n_ind; k++)
        cell(s->ind_name[k], width(s->ind_name[k]) > 8 ? width(s->ind_name[k]) : 8, true);
    printf("\n");
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(doc, "units"), i, u)
    {
        char buf[64];
        const json_t *rank = json_object_get(u, "rank"), *score = json_object_get(u, "score"),
                     *grade = json_object_get(u, "grade"), *group = json_object_get(u, "group");
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(rank));
        cell(json_is_integer(rank) ? buf : "-", 4, true);
        cell(json_string_value(json_object_get(u, "name")), 24, false);
        cell(json_is_string(group) ? json_string_value(group) : "-", 10, false);
        snprintf(buf, sizeof buf, "%lld",
                 (long long)json_integer_value(json_object_get(u, "received")));
        cell(buf, 6, true);
        snprintf(buf, sizeof buf, "%.2f", json_number_value(score));
        cell(json_is_number(score) ? buf : "-", 7, true);
        cell(json_is_string(grade) ? json_string_value(grade) : "-", 4, false);
        const json_t *items = json_object_get(u, "items"), *inds = json_object_get(u, "indicators");
        for (int k = 0; k < s->n_items; k++) {
            snprintf(buf, sizeof buf, "%.2f",
                     json_number_value(json_object_get(items, s->items[k].id)));
            cell(buf, width(s->items[k].name) > 8 ? width(s->items[k].name) : 8, true);
        }
        if (s->bonus) {
            snprintf(buf, sizeof buf, "%.2f", json_number_value(json_object_get(u, "bonus")));
            cell(buf, 8, true);
        }
        for (int k = 0; k < s->n_ind; k++) {
            const struct ind_def *d = &ind_defs[s->ind[k]];
            const json_t *x = json_object_get(inds, d->id);
            double v = json_number_value(json_object_get(x, "value"));
            if (d->kind == 'R')
                snprintf(buf, sizeof buf, "%.2f%%", v * 100);
            else
                snprintf(buf, sizeof buf, "%g", v);
            cell(buf, width(s->ind_name[k]) > 8 ? width(s->ind_name[k]) : 8, true);
        }
        printf("\n");
    }
    json_decref(doc);
}

static void print_orders(const json_t *orders, const struct scheme *s)
{
    size_t i;
    json_t *o;
    json_array_foreach(orders, i, o)
    {
        const json_t *number = json_object_get(o, "number"), *title = json_object_get(o, "title");
        printf("%-14s %.19s  %s\n", json_is_string(number) ? json_string_value(number) : "-",
               json_string_value(json_object_get(o, "received_at")),
               json_is_string(title) ? json_string_value(title) : "");
        const char *key;
        json_t *v;
        printf("    ");
        json_object_foreach(json_object_get(o, "indicators"), key, v)
        {
            int ind = ind_lookup(key, strlen(key));
            const char *name = ind >= 0 ? ind_defs[ind].label : key;
            for (int k = 0; s && k < s->n_ind; k++)
                if (s->ind[k] == ind)
                    name = s->ind_name[k];
            const json_t *den = json_object_get(v, "den");
            if (json_is_integer(den))
                printf(" %s %g/%lld", name, json_number_value(json_object_get(v, "num")),
                       (long long)json_integer_value(den));
            else
                printf(" %s %g", name, json_number_value(json_object_get(v, "num")));
        }
        if (json_array_size(json_object_get(o, "excluded"))) {
            printf("   申诉排除:");
            const json_t *ex = json_object_get(o, "excluded");
            for (size_t j = 0; j < json_array_size(ex); j++)
                printf(" %s", json_string_value(json_array_get(ex, j)));
        }
        printf("\n");
    }
    printf("%zu 件\n", json_array_size(orders));
}

/* The scheme a deployment uses: the policy's, as stored in the settings. */
static void policy_scheme(const char *db, char *out, size_t n)
{
    snprintf(out, n, "dongcheng-2016");
    struct store *s = NULL;
    struct js_error e;
    char *text = NULL;
    if (store_open(db, &s, &e) == 0 && s->ops->setting_get(s, "policy", &text) == 0 && text) {
        json_t *doc = json_loads(text, 0, NULL);
        struct policy p;
        const struct shipped *sh;
        if (doc && shipped_default(&sh, &e) == 0 &&
            policy_load(&p, sh, json_string_value(json_object_get(doc, "preset")),
                        json_object_get(doc, "overrides"), &e) == 0) {
            if (p.scheme[0])
                snprintf(out, n, "%s", p.scheme);
            policy_release(&p);
        }
        json_decref(doc);
    }
    free(text);
    store_close(s);
}

int cli_assess(struct opts *o)
{
    const char *db = cli_db_path(o);
    const char *format = opts_get(o, "format"), *out = opts_get(o, "out");
    if (!format)
        format = "table";
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "xlsx") &&
        strcmp(format, "json")) {
        fprintf(stderr, "jiesu assess: --format 须为 table、csv、xlsx 或 json\n");
        return 2;
    }
    struct js_error e;
    js_error_clear(&e);
    struct ind_period p;
    const char *period = opts_get(o, "period"), *from = opts_get(o, "from"),
               *to = opts_get(o, "to");
    if (period && (from || to)) {
        fprintf(stderr, "jiesu assess: --period 与 --from、--to 只能给出一种\n");
        return 2;
    }
    if (period         ? ind_period_parse(period, &p, &e)
        : (from || to) ? ind_period_range(from, to, &p, &e)
                       : 0)
        return fail("考核期", &e);
    if (!period && !from && !to) {
        int y, m, d;
        char spec[16];
        jtime_civil_from_days(jtime_local_day((int64_t)time(NULL)), &y, &m, &d);
        snprintf(spec, sizeof spec, "%04d-%02d", y, m);
        ind_period_parse(spec, &p, &e);
    }
    struct assess_store *st = NULL;
    struct scheme *s = NULL;
    struct assess_report r;
    memset(&r, 0, sizeof r);
    int rc = 1;
    if (assess_store_open(db, &st, &e)) {
        rc = fail("无法打开数据库", &e);
        goto out;
    }
    if (opts_has(o, "rebuild") || opts_has(o, "sync")) {
        struct assess_sync_stats ss;
        clock_t t0 = clock();
        if (assess_sync(st, opts_has(o, "rebuild"), &ss, &e)) {
            rc = fail("无法更新考核事实", &e);
            goto out;
        }
        fprintf(stderr,
                "jiesu assess: 考核事实已%s：事件 %lld 个，工单 %lld 件，事实 %lld 条（%.2f 秒）\n",
                ss.full ? "重建" : "更新", (long long)ss.events, (long long)ss.orders,
                (long long)ss.cases, (double)(clock() - t0) / CLOCKS_PER_SEC);
    }
    char scheme_name[32];
    const char *name = opts_get(o, "scheme");
    if (!name) {
        policy_scheme(db, scheme_name, sizeof scheme_name);
        name = scheme_name;
    }
    if (assess_scheme_load(st, NULL, name, &s, &e)) {
        rc = fail("考核方案", &e);
        goto out;
    }
    int64_t unit = 0;
    const char *uref = opts_get(o, "unit");
    if (uref) {
        struct assess_unit *units;
        int n;
        if (assess_units(st, &units, &n, &e)) {
            rc = fail("无法列出单位", &e);
            goto out;
        }
        for (int i = 0; i < n && !unit; i++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)units[i].id);
            if (strcmp(units[i].code, uref) == 0 || strcmp(id, uref) == 0 ||
                strcmp(units[i].name, uref) == 0)
                unit = units[i].id;
        }
        free(units);
        if (!unit) {
            fprintf(stderr, "jiesu assess: 没有单位 '%s'（请给出单位代码、编号或名称）\n", uref);
            rc = 2;
            goto out;
        }
    }
    if (opts_has(o, "orders")) {
        if (!unit) {
            fprintf(stderr, "jiesu assess: --orders 须同时用 --unit 指明单位\n");
            rc = 2;
            goto out;
        }
        int indicator = -1;
        const char *iname = opts_get(o, "indicator");
        if (iname && (indicator = ind_lookup(iname, strlen(iname))) < 0) {
            for (int k = 0; k < s->n_ind; k++)
                if (strcmp(s->ind_name[k], iname) == 0)
                    indicator = s->ind[k];
            if (indicator < 0) {
                fprintf(stderr, "jiesu assess: 没有指标 '%s'\n", iname);
                rc = 2;
                goto out;
            }
        }
        json_t *orders;
        if (assess_orders(st, s, &p, unit, indicator, &orders, &e)) {
            rc = fail("无法列出工单", &e);
            goto out;
        }
        if (strcmp(format, "json") == 0) {
            json_dumpf(orders, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            print_orders(orders, s);
        }
        json_decref(orders);
        rc = 0;
        goto out;
    }
    if (assess_run(st, s, &p, &r, &e)) {
        rc = fail("无法计算考核结果", &e);
        goto out;
    }
    if (strcmp(format, "table") == 0) {
        print_table(&r, unit);
        rc = 0;
    } else if (strcmp(format, "json") == 0) {
        json_t *j = assess_report_json(&r, unit);
        rc = !j || json_dumpf(j, stdout, JSON_INDENT(2)) != 0;
        putchar('\n');
        json_decref(j);
    } else if (strcmp(format, "csv") == 0) {
        struct buf b;
        buf_init(&b, 0);
        rc = assess_export_csv(&r, unit, &b) != 0;
        if (!rc) {
            FILE *f = out ? fopen(out, "wb") : stdout;
            rc = !f || fwrite(b.data, 1, b.len, f) != b.len;
            if (f && f != stdout && fclose(f))
                rc = 1;
            if (rc)
                fprintf(stderr, "jiesu assess: 无法写入 %s\n", out ? out : "标准输出");
        }
        buf_release(&b);
    } else {
        char path[256];
        if (!out) {
            char ps[80];
            ind_period_format(&p, ps, sizeof ps);
            snprintf(path, sizeof path, "%s_%s.xlsx", s->name, ps);
            out = path;
        }
        if (assess_export_xlsx(&r, unit, out, &e))
            rc = fail("无法导出 xlsx", &e);
        else {
            fprintf(stderr, "jiesu assess: 已写入 %s\n", out);
            rc = 0;
        }
    }
out:
    assess_report_release(&r);
    scheme_free(s);
    assess_store_close(st);
    return rc;
}
