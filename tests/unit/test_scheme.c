/* Tests of the assessment expression language and schemes: arithmetic and functions, refused
 * formulas with their positions, group functions, the built-in schemes, and the linshu-2020
 * golden case whose expected scores are worked out here from the formulas of seed 001. */
#include "compat.h"
#include "core/scheme.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"

/* ---- expressions over a few named variables ---- */

static const char *const var_names[] = {"x", "y", "推诿率", "f", NULL};
#define NV 4

static int lookup(void *ctx, const char *name, size_t len)
{
    JS_UNUSED(ctx);
    for (int i = 0; var_names[i]; i++)
        if (strlen(var_names[i]) == len && memcmp(var_names[i], name, len) == 0)
            return i;
    return -1;
}

static const struct expr_names names = {lookup, NULL};

/* Evaluates src for n units with the given variables, one group, everyone a member. */
static void eval_n(const char *src, int n, const double *vars, double *out)
{
    struct expr *x = NULL;
    struct js_error e;
    js_error_clear(&e);
    int rc = expr_compile(src, &names, "f", &x, &e);
    if (rc)
        fail_msg("'%s' refused: %s", src, e.message);
    int group[16] = {0};
    bool member[16];
    for (int i = 0; i < n; i++)
        member[i] = true;
    assert_int_equal(expr_eval(x, n, vars, NV, group, member, out), 0);
    expr_free(x);
}

static double eval1(const char *src, double x, double y, double r)
{
    double vars[NV] = {x, y, r, 0}, out;
    eval_n(src, 1, vars, &out);
    return out;
}

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

static void test_arithmetic(void **state)
{
    JS_UNUSED(state);
    NEAR(eval1("1 + 2 * 3", 0, 0, 0), 7);
    NEAR(eval1("(1 + 2) * 3", 0, 0, 0), 9);
    NEAR(eval1("10 - 4 - 3", 0, 0, 0), 3); /* left to right */
    NEAR(eval1("12 / 3 / 2", 0, 0, 0), 2);
    NEAR(eval1("-x + 3", 2, 0, 0), 1);
    NEAR(eval1("--x", 2, 0, 0), 2);
    NEAR(eval1("30 × (1 − 推诿率)", 0, 0, 0.1), 27);  /* Unicode × and − */
    NEAR(eval1("30×（1－推诿率）÷ 3", 0, 0, 0.4), 6); /* full-width forms */
    NEAR(eval1("(100% - x) * 5", 0.1, 0, 0), 4.5);    /* 100% = 1 */
    NEAR(eval1("50％ × 4", 0, 0, 0), 2);
    NEAR(eval1(".5 + 1e1", 0, 0, 0), 10.5);
    NEAR(eval1("x / y", 3, 0, 0), 0); /* division by zero gives 0 */
    NEAR(eval1("min(3, x, 7)", 1, 0, 0), 1);
    NEAR(eval1("max(3, x, 7)", 9, 0, 0), 9);
    NEAR(eval1("clamp(x, 0, 1)", 1.5, 0, 0), 1);
    NEAR(eval1("clamp(x, 0, 1)", -1, 0, 0), 0);
    NEAR(eval1("cap(3 * x, 30)", 12, 0, 0), 30); /* 12 unanswered supervisions × 3 → 30 */
    NEAR(eval1("cap(3 * x, 30)", 5, 0, 0), 15);
    NEAR(eval1("deduct(5, x)", 6.2, 0, 0), 0); /* 扣完为止 */
    NEAR(eval1("deduct(5, x)", 0.7, 0, 0), 4.3);
    NEAR(eval1("abs(x - y)", 1, 4, 0), 3);
    /* step: the first threshold x reaches */
    NEAR(eval1("step(x, 100, 10, 50, 8, 20, 6, 4)", 120, 0, 0), 10);
    NEAR(eval1("step(x, 100, 10, 50, 8, 20, 6, 4)", 50, 0, 0), 8);
    NEAR(eval1("step(x, 100, 10, 50, 8, 20, 6, 4)", 3, 0, 0), 4);
}

/* One refused formula: the message must carry the position and the reason. */
static void refused(const char *src, const char *expect)
{
    struct expr *x = (struct expr *)1;
    struct js_error e;
    js_error_clear(&e);
    int rc = expr_compile(src, &names, "items[0].expr", &x, &e);
    if (rc == 0)
        fail_msg("'%s' was accepted", src);
    assert_int_equal(rc, -JS_EINVAL);
    assert_null(x);
    assert_string_equal(e.field, "items[0].expr");
    if (strcmp(e.message, expect) != 0)
        fail_msg("'%s': got \"%s\", expected \"%s\"", src, e.message, expect);
}

static void test_refused(void **state)
{
    JS_UNUSED(state);
    /* 3 0 ␠ × ␠ ( 1 ␠ − ␠ 推 诿 率 → the end is character 14 */
    refused("30 × (1 − 推诿率", "第 14 个字符处：应为“)”，实为公式结尾");
    refused("推诿律 + 1", "第 1 个字符处：未知名称“推诿律”");
    refused("1 + * 2", "第 5 个字符处：应为数字、名称或“(”，实为“*”");
    refused("clamp(x, 2)", "第 1 个字符处：函数 clamp 需要 3 个参数，实为 2 个");
    /* a chain as long as the fuzzer's (it overflowed the stack when evaluated): refused */
    static char chain[9000];
    size_t k = 0;
    chain[k++] = '1';
    while (k + 2 < sizeof chain) {
        chain[k++] = '/';
        chain[k++] = '4';
    }
    chain[k] = '\0';
    struct expr *x = NULL;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(expr_compile(chain, &names, "f", &x, &e), -JS_EINVAL);
    assert_non_null(strstr(e.message, "公式过长"));
    assert_null(x);
    refused("2 + min()", "第 5 个字符处：函数 min 至少需要 1 个参数，实为 0 个");
    refused("1 @ 2", "第 3 个字符处：无法识别的字符“@”");
    refused("", "第 1 个字符处：公式为空");
    refused("   ", "第 1 个字符处：公式为空");
    refused("3 / 0", "第 3 个字符处：除数为零");
    refused("foo(1)", "第 1 个字符处：未知函数“foo”");
    refused("1 2", "第 3 个字符处：应为运算符或公式结尾，实为数字");
    refused("x %", "第 3 个字符处：“%”须跟在数字之后");
    /* 满 意 率 ␠ × ␠ ( 1 ␠ − ␠ 返 工 率 ) ) → the second ')' is character 16 */
    refused("满意率 × (1 − 返工率))", "第 1 个字符处：未知名称“满意率”");
    refused("推诿率 × (1 − x))", "第 14 个字符处：应为运算符或公式结尾，实为“)”");
    refused("1 + \xff", "第 5 个字符处：不是有效的 UTF-8 文本");
    refused("step(x, 1, 2)", "第 1 个字符处：step 函数依次取 x、若干对阈值和值、最后一个值（至少 4 "
                             "个且为偶数个参数），实为 "
                             "3 个");
    refused("norm(x)", "第 1 个字符处：函数 norm 需要 2 个参数，实为 1 个");
    refused("min(1, 2", "第 9 个字符处：函数 min(...) 中应为“,”或“)”，实为公式结尾");
}

static void test_group_functions(void **state)
{
    JS_UNUSED(state);
    /* Five units in two groups; unit 4 is not a member (not assessed) and must not move the
     * group's min and max even though its x is extreme. */
    double vars[5 * NV] = {0};
    double xs[5] = {0.6, 0.8, 0.7, 0.5, 99};
    for (int i = 0; i < 5; i++)
        vars[i * NV] = xs[i];
    int group[5] = {0, 0, 0, 1, 0};
    bool member[5] = {true, true, true, true, false};
    double out[5];
    struct expr *x;
    struct js_error e;

    assert_int_equal(expr_compile("norm(x, 0.9) × 35", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 5, vars, NV, group, member, out), 0);
    /* group 0: min 0.6, max 0.8, range 0.2 */
    NEAR(out[0], (0 + 0.9 * 0.2) / 0.2 * 35); /* 31.5 */
    NEAR(out[1], 35);
    NEAR(out[2], (0.1 + 0.9 * 0.1) / 0.2 * 35); /* 33.25 */
    NEAR(out[3], 35);                           /* alone in its group: max = min → full */
    expr_free(x);

    assert_int_equal(expr_compile("rank(x)", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 5, vars, NV, group, member, out), 0);
    NEAR(out[0], 3);
    NEAR(out[1], 1);
    NEAR(out[2], 2);
    NEAR(out[3], 1);
    expr_free(x);

    assert_int_equal(expr_compile("top(x, 2)", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 5, vars, NV, group, member, out), 0);
    NEAR(out[0], 0);
    NEAR(out[1], 1);
    NEAR(out[2], 1);
    expr_free(x);

    /* spread: 5 − d with d = 0.4, 3.6, 1.0 → 4.6, 1.4, 4.0, range 3.2 > 2 → compressed */
    double d[3] = {0.4, 3.6, 1.0};
    for (int i = 0; i < 3; i++)
        vars[i * NV] = d[i];
    assert_int_equal(expr_compile("spread(deduct(5, x), 2)", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 3, vars, NV, group, member, out), 0);
    NEAR(out[0], 4.6);
    NEAR(out[1], 4.6 - (4.6 - 1.4) * 2 / 3.2); /* 2.6 */
    NEAR(out[2], 4.6 - (4.6 - 4.0) * 2 / 3.2); /* 4.225 */
    expr_free(x);
    /* a spread within the limit is left alone */
    double small[3] = {0, 0.2, 0.5};
    for (int i = 0; i < 3; i++)
        vars[i * NV] = small[i];
    assert_int_equal(expr_compile("spread(deduct(5, x), 2)", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 3, vars, NV, group, member, out), 0);
    NEAR(out[0], 5);
    NEAR(out[1], 4.8);
    NEAR(out[2], 4.5);
    expr_free(x);

    /* bands: 3 members in 5 bands → ranks 1, 2, 3 fall in bands 0, 1 (5/3), 3 (10/3) */
    double v[3] = {30, 20, 10};
    for (int i = 0; i < 3; i++)
        vars[i * NV] = v[i];
    assert_int_equal(expr_compile("bands(x, 10, 8, 6, 4, 2)", &names, "f", &x, &e), 0);
    assert_int_equal(expr_eval(x, 3, vars, NV, group, member, out), 0);
    NEAR(out[0], 10);
    NEAR(out[1], 8);
    NEAR(out[2], 4);
    expr_free(x);
}

/* ---- schemes ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static struct scheme *builtin(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/schemes/%s.json", JIESU_SOURCE_DIR, name);
    char *text = slurp(path);
    struct scheme *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (scheme_parse(text, strlen(text), &s, &e))
        fail_msg("%s: %s (%s)", name, e.message, e.field);
    free(text);
    assert_string_equal(s->name, name);
    return s;
}

static void test_builtins_load(void **state)
{
    JS_UNUSED(state);
    struct scheme *d = builtin("dongcheng-2016");
    assert_int_equal(d->n_ind, 9);
    assert_int_equal(d->n_items, 5);
    assert_int_equal(d->n_grades, 5);
    assert_string_equal(d->grades[4].grade, "E");
    assert_int_equal(d->n_groups, 1);
    scheme_free(d);
    struct scheme *l = builtin("linshu-2020");
    assert_int_equal(l->n_groups, 2);
    assert_int_equal(l->n_items, 8);
    double full = 0;
    for (int k = 0; k < l->n_items; k++)
        full += l->items[k].max;
    NEAR(full, 100); /* the seven daily indicators add up to 100 points */
    assert_true(l->has_year);
    NEAR(l->year_monthly, 0.8);
    NEAR(l->year_end, 0.2);
    assert_int_equal(scheme_group_of(l, UNIT_STREET), 0);
    assert_int_equal(scheme_group_of(l, UNIT_ENTERPRISE), 1);
    NEAR(l->params.supervision_points[SUPK_MEDIA], 5);
    scheme_free(l);
    struct scheme *b = builtin("beijing-2020");
    assert_int_equal(b->n_groups, 3);
    assert_int_equal(b->n_params, 3);
    scheme_free(b);
}

static void bad_scheme(const char *json, int code, const char *field, const char *msg_part)
{
    struct scheme *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    int rc = scheme_parse(json, strlen(json), &s, &e);
    if (rc == 0)
        fail_msg("accepted: %s", json);
    assert_null(s);
    assert_int_equal(rc, code);
    if (strcmp(e.field, field) != 0 || !strstr(e.message, msg_part))
        fail_msg("%s: got field '%s' message '%s'", json, e.field, e.message);
}

#define ITEMS "\"items\":[{\"id\":\"a\",\"expr\":\"推诿率\"}]"

static void test_bad_schemes(void **state)
{
    JS_UNUSED(state);
    bad_scheme("{\"name\":\"x\"," ITEMS ",\"weights\":1}", -JS_EUNKNOWN_FIELD, "weights",
               "未知的键");
    bad_scheme("{\"name\":\"X Y\"," ITEMS "}", -JS_EINVAL, "name", "小写字母、数字");
    bad_scheme("{\"name\":\"x\",\"items\":[{\"id\":\"a\",\"expr\":\"30 × (1 − 推诿率\"}]}",
               -JS_EINVAL, "items[0].expr", "第 14 个字符处：应为“)”");
    /* an item may use earlier items only */
    bad_scheme("{\"name\":\"x\",\"items\":[{\"id\":\"a\",\"expr\":\"b + 1\"},"
               "{\"id\":\"b\",\"expr\":\"1\"}]}",
               -JS_EINVAL, "items[0].expr", "未知名称“b”");
    /* declared indicators restrict the names */
    bad_scheme("{\"name\":\"x\",\"indicators\":[\"满意率\"]," ITEMS "}", -JS_EINVAL,
               "items[0].expr", "未知名称“推诿率”");
    bad_scheme("{\"name\":\"x\",\"indicators\":{\"A\":\"nothing\"}," ITEMS "}", -JS_EINVAL,
               "indicators.A", "不是考核指标");
    bad_scheme("{\"name\":\"x\",\"groups\":[{\"name\":\"g\",\"kinds\":[\"street\"]},"
               "{\"name\":\"h\",\"kinds\":[\"street\"]}]," ITEMS "}",
               -JS_EINVAL, "groups[1].kinds", "两个分组");
    bad_scheme("{\"name\":\"x\",\"groups\":[{\"name\":\"g\",\"kinds\":[\"town\"]}]," ITEMS "}",
               -JS_EINVAL, "groups[0].kinds", "不是单位类型");
    bad_scheme("{\"name\":\"x\",\"groups\":[{\"name\":\"g\",\"kinds\":[\"street\"],"
               "\"items\":{\"zz\":\"1\"}}]," ITEMS "}",
               -JS_EINVAL, "groups[0].items", "没有项目“zz”");
    bad_scheme("{\"name\":\"x\",\"groups\":[{\"name\":\"g\",\"kinds\":[\"street\"],"
               "\"params\":{\"w\":1}}]," ITEMS "}",
               -JS_EINVAL, "groups[0].params.w", "未在考核方案的参数");
    bad_scheme("{\"name\":\"x\"," ITEMS ",\"grades\":[{\"grade\":\"A\",\"min\":60},"
               "{\"grade\":\"B\",\"min\":75}]}",
               -JS_EINVAL, "grades[1].min", "从高到低");
    bad_scheme("{\"name\":\"x\"," ITEMS ",\"grades\":[{\"grade\":\"A\"},"
               "{\"grade\":\"B\",\"min\":75}]}",
               -JS_EMISSING, "grades[0].min", "只有最后一档");
    bad_scheme("{\"name\":\"x\"," ITEMS ",\"evaluation\":{\"if_empty\":{\"督办未回复数\":1}}}",
               -JS_EINVAL, "evaluation.if_empty.督办未回复数", "不是比率类指标");
    bad_scheme("{\"name\":\"x\",\"items\":[]}", -JS_EINVAL, "items", "1 至 16");
    bad_scheme("{\"name\":\"x\"," ITEMS ",\"precision\":9}", -JS_EINVAL, "precision", "0 至 6");
    bad_scheme("{\"name\":\"x\",", -JS_EBADJSON, "", "第 1 行");
}

/* Indicator values of unit i. */
#define V(vals, i, ind) (vals)[(size_t)(i)*IND__COUNT + (ind)]

/* linshu-2020 (001 appendix), three streets and three departments (plus an enterprise with no
 * orders, which must neither be scored nor move the department group's min and max). */
static void test_linshu_golden(void **state)
{
    JS_UNUSED(state);
    struct scheme *s = builtin("linshu-2020");
    enum { S1, S2, S3, D1, D2, D3, E1, N };
    int kinds[N] = {UNIT_STREET,     UNIT_STREET,     UNIT_STREET,    UNIT_DEPARTMENT,
                    UNIT_DEPARTMENT, UNIT_DEPARTMENT, UNIT_ENTERPRISE};
    double vals[N * IND__COUNT] = {0};
    struct {
        double volume, responded, process, once, reopen_sat, district, upstream, explained, manual,
            supervision;
    } in[N] = {
        [S1] = {100, 0.90, 0.4, 0.6, 0.1, 0.02, 0.00, 0.05, 0.0, 0.0},
        [S2] = {60, 0.95, 3.6, 0.8, 0.1, 0.00, 0.04, 0.15, 1.5, 0.7},
        [S3] = {40, 1.00, 1.0, 0.7, 0.1, 0.10, 0.00, 0.10, 4.0, 6.0},
        /* every department has the same 一次办好率: max = min, full 35 points each */
        [D1] = {300, 1.00, 0.0, 0.5, 0.2, 0, 0, 0, 0, 0},
        [D2] = {20, 1.00, 0.2, 0.5, 0.1, 0, 0, 0, 0, 0},
        [D3] = {4, 1.00, 0.5, 0.5, 0.0, 0, 0, 0, 0, 0},
        [E1] = {900, 0.1, 9, 0.99, 0.99, 0.5, 0.5, 0.9, 0, 0},
    };
    for (int i = 0; i < N; i++) {
        V(vals, i, IND_RECEIVED) = i == E1 ? 0 : in[i].volume;
        V(vals, i, IND_VOLUME) = in[i].volume;
        V(vals, i, IND_RESPONDED_RATE) = in[i].responded;
        V(vals, i, IND_PROCESS_DEDUCTION) = in[i].process;
        V(vals, i, IND_FIRST_TIME_RATE) = in[i].once;
        V(vals, i, IND_REOPEN_SATISFIED_RATE) = in[i].reopen_sat;
        V(vals, i, IND_DISTRICT_REOPEN_RATE) = in[i].district;
        V(vals, i, IND_UPSTREAM_REOPEN_RATE) = in[i].upstream;
        V(vals, i, IND_EXPLAINED_RATIO) = in[i].explained;
        V(vals, i, IND_MANUAL_DEDUCTION) = in[i].manual;
        V(vals, i, IND_SUPERVISION_DEDUCTION) = in[i].supervision;
    }
    struct scheme_row rows[N];
    struct js_error e;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);

    /* The seed's formula: {(x−min)/(max−min) + f·(max−x)/(max−min)} × W. */
#define NORM(x, mn, mx, f, w) ((((x) - (mn)) + (f) * ((mx) - (x))) / ((mx) - (mn)) * (w))
    double expect[N][8] = {
        /* 承办量 streets f 0.8 over 40..100; 响应率 f 0.8 over 0.90..1.00; 办理过程: 5 − deductions
         * 4.6, 1.4, 4.0 spread 3.2 > 2, compressed to 2 below the best; 一次办好率 f 0.9 over
         * 0.6..0.8; 重办满意率 all 0.1: full 20; 重办率 (1−县级)×5 + (1−市级)×5; 疑难: 2 points
         * from the reporting share (highest 0, lowest 2) + 3 − manual deductions; 督查 5 −
         * points, floored at 0 */
        [S1] = {NORM(100, 40, 100, 0.8, 10), NORM(0.90, 0.90, 1.00, 0.8, 10), 4.6,
                NORM(0.6, 0.6, 0.8, 0.9, 35), 20, (1 - 0.02) * 5 + (1 - 0.00) * 5,
                2 * (0.15 - 0.05) / (0.15 - 0.05) + (3 - 0.0), 5 - 0.0},
        [S2] = {NORM(60, 40, 100, 0.8, 10), NORM(0.95, 0.90, 1.00, 0.8, 10),
                4.6 - (4.6 - 1.4) * 2 / (4.6 - 1.4), NORM(0.8, 0.6, 0.8, 0.9, 35), 20,
                (1 - 0.00) * 5 + (1 - 0.04) * 5, 2 * (0.15 - 0.15) / (0.15 - 0.05) + (3 - 1.5),
                5 - 0.7},
        [S3] = {NORM(40, 40, 100, 0.8, 10), NORM(1.00, 0.90, 1.00, 0.8, 10),
                4.6 - (4.6 - 4.0) * 2 / (4.6 - 1.4), NORM(0.7, 0.6, 0.8, 0.9, 35), 20,
                (1 - 0.10) * 5 + (1 - 0.00) * 5, 2 * (0.15 - 0.10) / (0.15 - 0.05) + 0, 0},
        /* departments: 承办量 in five bands 10/8/6/4/2 by the share of the group's 324 orders
         * against the centre's cut-offs (default 10 %, 5 %, 2 %, 1 %): 300/324 = 92.6 % → 10,
         * 20/324 = 6.17 % → 8, 4/324 = 1.23 % → 4 (the enterprise's 900 are not assessed and
         * not in the total);
         * 响应率 all 1: full; 办理过程 5, 4.8, 4.5 (spread 0.5 ≤ 2, unchanged); 一次办好率 all
         * equal: full 35; 重办满意率 f 0.8 over 0..0.2; nothing reopened twice; no reporting
         * differences: 2 + 3; no supervision */
        [D1] = {10, 10, 5.0, 35, NORM(0.2, 0.0, 0.2, 0.8, 20), 10, 5, 5},
        [D2] = {8, 10, 4.8, 35, NORM(0.1, 0.0, 0.2, 0.8, 20), 10, 5, 5},
        [D3] = {4, 10, 4.5, 35, NORM(0.0, 0.0, 0.2, 0.8, 20), 10, 5, 5},
    };
#undef NORM
    /* spot values written out: 8.666…, 9, 31.5, 33.25, 18, 16 */
    NEAR(expect[S2][0], 52.0 / 6);
    NEAR(expect[S2][1], 9);
    NEAR(expect[S1][3], 31.5);
    NEAR(expect[S3][3], 33.25);
    NEAR(expect[D2][4], 18);
    NEAR(expect[D3][4], 16);
    for (int i = S1; i <= D3; i++) {
        double total = 0;
        for (int k = 0; k < 8; k++) {
            if (fabs(rows[i].items[k] - expect[i][k]) > 1e-9)
                fail_msg("unit %d item %s: %.6f, expected %.6f", i, s->items[k].name,
                         rows[i].items[k], expect[i][k]);
            total += expect[i][k];
        }
        assert_true(rows[i].assessed);
        assert_true(fabs(rows[i].score - total) <= 0.005 + 1e-9);
        assert_int_equal(rows[i].grade, -1); /* 001 ranks, it has no grades */
    }
    NEAR(rows[D1].score, 100);
    NEAR(rows[D2].score, 95.8);
    NEAR(rows[D3].score, 89.5);
    NEAR(rows[S1].score, 94);
    /* ranks within each group */
    assert_int_equal(rows[S1].rank, 1);
    assert_int_equal(rows[S2].rank, 2);
    assert_int_equal(rows[S3].rank, 3);
    assert_int_equal(rows[D1].rank, 1);
    assert_int_equal(rows[D2].rank, 2);
    assert_int_equal(rows[D3].rank, 3);
    assert_false(rows[E1].assessed);
    assert_int_equal(rows[E1].rank, 0);
    assert_int_equal(rows[E1].group, 1);

    /* The year: 80 % of the mean monthly score + 20 % of the year-end items. */
    double month_sum[N] = {94 + 90, 80 * 3, 0, 100, 95.8, 89.5, 0};
    int months[N] = {2, 3, 0, 1, 1, 1, 0};
    double year_end[N] = {85, 90, 70, 100, 60, 99.5, 0};
    scheme_year_combine(s, N, month_sum, months, year_end, rows);
    NEAR(rows[S1].score, 0.8 * 92 + 0.2 * 85); /* 90.6 */
    NEAR(rows[S2].score, 0.8 * 80 + 0.2 * 90); /* 82 */
    assert_false(rows[S3].assessed);
    NEAR(rows[D1].score, 100);
    NEAR(rows[D2].score, scheme_round(s, 0.8 * 95.8 + 0.2 * 60));   /* 88.64 */
    NEAR(rows[D3].score, scheme_round(s, 0.8 * 89.5 + 0.2 * 99.5)); /* 91.5 */
    assert_int_equal(rows[D1].rank, 1);
    assert_int_equal(rows[D3].rank, 2);
    assert_int_equal(rows[D2].rank, 3);
    scheme_free(s);
}

/* dongcheng-2016 from indicator values: the formula of 000 art. 20, the bands of art. 21. */
static void test_dongcheng_formula(void **state)
{
    JS_UNUSED(state);
    struct scheme *s = builtin("dongcheng-2016");
    enum { A, B, N };
    int kinds[N] = {UNIT_STREET, UNIT_ENTERPRISE};
    double vals[N * IND__COUNT] = {0};
    V(vals, A, IND_RECEIVED) = 20;
    V(vals, A, IND_SHIRK_RATE) = 0.1;
    V(vals, A, IND_INTERIM_RATE) = 0.25;
    V(vals, A, IND_RESOLVED_RATE) = 0.5;
    V(vals, A, IND_REWORK_RATE) = 0.2;
    V(vals, A, IND_FEEDBACK_RATE) = 0.9;
    V(vals, A, IND_SATISFACTION_RATE) = 0.8;
    V(vals, A, IND_SUPERVISION_UNANSWERED) = 2;
    V(vals, B, IND_RECEIVED) = 5;
    V(vals, B, IND_RESOLVED_RATE) = 1;
    V(vals, B, IND_FEEDBACK_RATE) = 1;
    V(vals, B, IND_SATISFACTION_RATE) = 1;
    V(vals, B, IND_SUPERVISION_UNANSWERED) = 11; /* 33 points, capped at 30 */
    struct scheme_row rows[N];
    struct js_error e;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    double a = 30 * (1 - 0.1) + 30 * (0.25 * 0.8 + 0.5) * (1 - 0.2) * (1 - 0) * (1 - 0) + 20 * 0.9 +
               20 * 0.8 - 3 * 2; /* 27 + 16.8 + 18 + 16 − 6 = 71.8 */
    NEAR(a, 71.8);
    NEAR(rows[A].score, 71.8);
    assert_string_equal(s->grades[rows[A].grade].grade, "C");
    NEAR(rows[B].items[4], 30);
    NEAR(rows[B].score, 30 + 30 + 20 + 20 - 30); /* 70 */
    assert_string_equal(s->grades[rows[B].grade].grade, "C");
    assert_int_equal(rows[A].rank, 1); /* one ranking over all units */
    assert_int_equal(rows[B].rank, 2);
    /* the band edges: 90 is A, 89.99 is B, 40 is D, 39.99 is E */
    assert_string_equal(s->grades[scheme_grade_of(s, 90)].grade, "A");
    assert_string_equal(s->grades[scheme_grade_of(s, 89.99)].grade, "B");
    assert_string_equal(s->grades[scheme_grade_of(s, 75)].grade, "B");
    assert_string_equal(s->grades[scheme_grade_of(s, 60)].grade, "C");
    assert_string_equal(s->grades[scheme_grade_of(s, 40)].grade, "D");
    assert_string_equal(s->grades[scheme_grade_of(s, 39.99)].grade, "E");
    assert_string_equal(s->grades[scheme_grade_of(s, -5)].grade, "E");
    scheme_free(s);
}

/* beijing-2020: configurable weights (the default documented as a default), ties share a rank,
 * and a bonus block (002 art. 34) with a cap. */
static void test_beijing_and_bonus(void **state)
{
    JS_UNUSED(state);
    struct scheme *s = builtin("beijing-2020");
    enum { A, B, C, N };
    int kinds[N] = {UNIT_STREET, UNIT_STREET, UNIT_STREET};
    double vals[N * IND__COUNT] = {0};
    for (int i = 0; i < N; i++) {
        V(vals, i, IND_RECEIVED) = 10;
        V(vals, i, IND_FEEDBACK_RATE) = 1;
        V(vals, i, IND_RESOLUTION_RATE) = i == C ? 0.5 : 0.8;
        V(vals, i, IND_SATISFACTION_RATE) = i == C ? 0.5 : 0.9;
    }
    struct scheme_row rows[N];
    struct js_error e;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[A].score, 10 * 1 + 45 * 0.8 + 45 * 0.9); /* 86.5 */
    NEAR(rows[C].score, 10 + 45 * 0.5 + 45 * 0.5);     /* 55 */
    assert_int_equal(rows[A].rank, 1);
    assert_int_equal(rows[B].rank, 1); /* tie */
    assert_int_equal(rows[C].rank, 3);
    scheme_free(s);

    /* weights changed by the platform; bonus: 1 per hard case, 0.5 per praise, 2 for the top
     * two by volume, plus manual bonus items, capped at 5 */
    const char *doc =
        "{\"name\":\"weighted\",\"params\":{\"w\":50},"
        "\"items\":[{\"id\":\"s\",\"name\":\"满意\",\"expr\":\"w × 满意率 + (100 − w) × 解决率\"}],"
        "\"bonus\":{\"expr\":\"兜底件数 + 0.5 × 表扬件数 + 2 × top(承办量, 2) + 人工加分\","
        "\"cap\":5}}";
    assert_int_equal(scheme_parse(doc, strlen(doc), &s, &e), 0);
    V(vals, A, IND_VOLUME) = 30;
    V(vals, B, IND_VOLUME) = 20;
    V(vals, C, IND_VOLUME) = 10;
    V(vals, A, IND_HARD_CASES) = 1;
    V(vals, A, IND_PRAISE_COUNT) = 3;
    V(vals, C, IND_HARD_CASES) = 4;
    V(vals, C, IND_BONUS_POINTS) = 2.5;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[A].bonus, 1 + 1.5 + 2);
    NEAR(rows[A].score, 50 * 0.9 + 50 * 0.8 + 4.5);
    NEAR(rows[B].bonus, 2);
    NEAR(rows[C].bonus, 5); /* 4 + 2.5 capped at 5 */
    NEAR(rows[C].score, 50 * 0.5 + 50 * 0.5 + 5);
    /* a scheme with no grades gives none */
    assert_int_equal(rows[A].grade, -1);
    scheme_free(s);
}

/* Loads a built-in scheme's document with some params replaced (the centre's own settings). */
static int builtin_with(const char *name, const char *params_json, struct scheme **out,
                        struct js_error *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/schemes/%s.json", JIESU_SOURCE_DIR, name);
    char *text = slurp(path);
    json_t *doc = json_loads(text, 0, NULL), *over = json_loads(params_json, 0, NULL);
    free(text);
    assert_non_null(doc);
    assert_non_null(over);
    json_object_update(json_object_get(doc, "params"), over);
    int rc = scheme_from_json(doc, out, e);
    json_decref(over);
    json_decref(doc);
    return rc;
}

/* linshu-2020 县直单位承办量 (001 附件 三(一)1:
 * 分为10分、8分、6分、4分、2分等五个档次，由县热线中心 根据考核期内总承办量情况划分): the bands are
 * the centre's cut-offs on each department's share of the period's total, not equal fifths of the
 * ranking. */
static void test_linshu_volume_cutoffs(void **state)
{
    JS_UNUSED(state);
    enum { D1, D2, D3, D4, D5, N };
    int kinds[N] = {UNIT_DEPARTMENT, UNIT_DEPARTMENT, UNIT_DEPARTMENT, UNIT_DEPARTMENT,
                    UNIT_ENTERPRISE};
    double vals[N * IND__COUNT] = {0};
    double volume[N] = {100, 95, 90, 85, 80}; /* 450 in all: shares 22.2 % … 17.8 % */
    for (int i = 0; i < N; i++) {
        V(vals, i, IND_RECEIVED) = volume[i];
        V(vals, i, IND_VOLUME) = volume[i];
    }
    struct scheme_row rows[N];
    struct js_error e;
    /* the defaults (10 %, 5 %, 2 %, 1 %): every department is above 10 %, all get 10, where
     * equal fifths of the ranking gave 10, 8, 6, 4, 2 */
    struct scheme *s = builtin("linshu-2020");
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    for (int i = 0; i < N; i++)
        NEAR(rows[i].items[0], 10);
    scheme_free(s);
    /* the centre's cut-offs: 22 %, 21 %, 19 %, 18 % of the total */
    assert_int_equal(
        builtin_with("linshu-2020",
                     "{\"band_10\":0.22,\"band_8\":0.21,\"band_6\":0.19,\"band_4\":0.18}", &s, &e),
        0);
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[D1].items[0], 10); /* 100/450 = 22.2 % ≥ 22 % */
    NEAR(rows[D2].items[0], 8);  /* 95/450 = 21.1 % */
    NEAR(rows[D3].items[0], 6);  /* 90/450 = 20 % ≥ 19 % */
    NEAR(rows[D4].items[0], 4);  /* 85/450 = 18.89 % ≥ 18 % */
    NEAR(rows[D5].items[0], 2);  /* 80/450 = 17.8 % < 18 % */
    scheme_free(s);
    /* refused: cut-offs that do not go from the highest down leave bands no one can reach */
    js_error_clear(&e);
    assert_int_equal(builtin_with("linshu-2020", "{\"band_10\":0.05,\"band_8\":0.1}", &s, &e),
                     -JS_EINVAL);
    assert_null(s);
    assert_string_equal(e.field, "params.band_8");
    assert_non_null(strstr(e.message, "从高到低"));
    /* a step with numbers is checked the same way */
    bad_scheme(
        "{\"name\":\"x\",\"items\":[{\"id\":\"a\",\"expr\":\"step(承办量, 5, 1, 9, 2, 0)\"}]}",
        -JS_EINVAL, "items[0].expr", "从高到低");
}

/* pingshan-2020 (002 arts. 33-34): 回退情况, 按期办结率 and 满意率 with default weights 20 / 40 /
 * 40 (the seed publishes none), and the bonus for 疑难兜底 (1 each), the top ten by volume (2)
 * and 表扬件 (0.5 each), capped at 5. Twelve units in one ranking. */
static void test_pingshan_golden(void **state)
{
    JS_UNUSED(state);
    struct scheme *s = builtin("pingshan-2020");
    enum { N = 12 };
    int kinds[N];
    double vals[N * IND__COUNT] = {0};
    for (int i = 0; i < N; i++) {
        kinds[i] = i % 2 ? UNIT_DEPARTMENT : UNIT_STREET;
        V(vals, i, IND_RECEIVED) = 10;
        V(vals, i, IND_VOLUME) = 120 - 10 * i; /* 120, 110, …, 10: units 10 and 11 not top ten */
        V(vals, i, IND_ONTIME_RATE) = 0.5;
        V(vals, i, IND_SATISFACTION_RATE) = 0.5;
    }
    V(vals, 0, IND_RETURN_RATE) = 0.1; /* returned one order in ten */
    V(vals, 0, IND_ONTIME_RATE) = 0.9;
    V(vals, 0, IND_SATISFACTION_RATE) = 0.8;
    V(vals, 0, IND_HARD_CASES) = 1;
    V(vals, 0, IND_PRAISE_COUNT) = 2;
    V(vals, 1, IND_HARD_CASES) = 3; /* 3 + 2 + 2 = 7, capped at 5 */
    V(vals, 1, IND_PRAISE_COUNT) = 4;
    V(vals, 11, IND_RETURN_RATE) = 0.5;
    struct scheme_row rows[N];
    struct js_error e;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[0].items[0], 18); /* 20 × (1 − 0.1) */
    NEAR(rows[0].items[1], 36); /* 40 × 0.9 */
    NEAR(rows[0].items[2], 32); /* 40 × 0.8 */
    NEAR(rows[0].bonus, 4);     /* 1 + 2 + 0.5 × 2 */
    NEAR(rows[0].score, 90);
    NEAR(rows[1].bonus, 5);
    NEAR(rows[1].score, 20 + 20 + 20 + 5);
    NEAR(rows[9].bonus, 2); /* 30 orders: tenth */
    NEAR(rows[9].score, 62);
    NEAR(rows[10].bonus, 0); /* 20 orders: eleventh, no top-ten bonus */
    NEAR(rows[10].score, 60);
    NEAR(rows[11].score, 10 + 20 + 20); /* half its orders returned */
    assert_int_equal(rows[0].rank, 1);
    assert_int_equal(rows[1].rank, 2);
    assert_int_equal(rows[2].rank, 3); /* 62, shared by units 2 … 9 */
    assert_int_equal(rows[9].rank, 3);
    assert_int_equal(rows[10].rank, 11);
    assert_int_equal(rows[11].rank, 12);
    scheme_free(s);
    /* the platform sets the weights and points the seed does not give */
    assert_int_equal(
        builtin_with("pingshan-2020", "{\"w_return\":10,\"w_ontime\":45,\"b_top\":0}", &s, &e), 0);
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[0].score, 10 * 0.9 + 45 * 0.9 + 40 * 0.8 + 1 + 1);
    scheme_free(s);
}

/* tianning-2013 (003 arts. 13(1), 19): the 5-working-day feedback rate and satisfaction, 50 / 50
 * by default (the seed gives no weights); a unit none of whose limits has come yet has missed
 * none (if_empty 1). */
static void test_tianning_golden(void **state)
{
    JS_UNUSED(state);
    struct scheme *s = builtin("tianning-2013");
    NEAR(s->params.if_empty[IND_FEEDBACK_ONTIME_RATE], 1);
    enum { A, B, N };
    int kinds[N] = {UNIT_STREET, UNIT_DEPARTMENT};
    double vals[N * IND__COUNT] = {0};
    V(vals, A, IND_RECEIVED) = V(vals, B, IND_RECEIVED) = 5;
    V(vals, A, IND_FEEDBACK_ONTIME_RATE) = 0.8;
    V(vals, A, IND_SATISFACTION_RATE) = 0.9;
    V(vals, B, IND_FEEDBACK_ONTIME_RATE) = 1;
    V(vals, B, IND_SATISFACTION_RATE) = 0.5;
    struct scheme_row rows[N];
    struct js_error e;
    assert_int_equal(scheme_eval(s, N, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[A].score, 50 * 0.8 + 50 * 0.9); /* 85 */
    NEAR(rows[B].score, 50 * 1 + 50 * 0.5);   /* 75 */
    assert_int_equal(rows[A].rank, 1);
    assert_int_equal(rows[B].rank, 2);
    scheme_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_group_functions),
        cmocka_unit_test(test_builtins_load),
        cmocka_unit_test(test_bad_schemes),
        cmocka_unit_test(test_linshu_golden),
        cmocka_unit_test(test_dongcheng_formula),
        cmocka_unit_test(test_beijing_and_bonus),
        cmocka_unit_test(test_linshu_volume_cutoffs),
        cmocka_unit_test(test_pingshan_golden),
        cmocka_unit_test(test_tianning_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
