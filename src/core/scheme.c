/* The expression language of assessment schemes (a tokenizer, a recursive-descent parser to a
 * node array, a vectorised evaluator with group functions) and the scheme documents around it. */
#include "compat.h"
#include "core/scheme.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "util/msg_zh.h"

/* ---- characters ------------------------------------------------------------------------- */

/* Decodes one UTF-8 code point at s; returns its length in bytes, 0 at the end, -1 if invalid. */
static int utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!u[0])
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    int n = (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3 : (u[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n)
        return -1;
    uint32_t c = u[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return -1;
        c = c << 6 | (u[i] & 0x3F);
    }
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
        (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *cp = c;
    return n;
}

/* The ASCII operator a code point stands for ('+', '-', '*', '/', '(', ')', ',', '%'), a space
 * (' '), or 0 for a character that may be part of a name. */
static char op_of(uint32_t c)
{
    switch (c) {
    case '+':
    case 0xFF0B:
        return '+';
    case '-':
    case 0x2212:
    case 0xFF0D:
        return '-';
    case '*':
    case 0x00D7:
    case 0xFF0A:
        return '*';
    case '/':
    case 0x00F7:
    case 0xFF0F:
        return '/';
    case '(':
    case 0xFF08:
        return '(';
    case ')':
    case 0xFF09:
        return ')';
    case ',':
    case 0xFF0C:
        return ',';
    case '%':
    case 0xFF05:
        return '%';
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case 0x3000:
        return ' ';
    default:
        return 0;
    }
}

static bool name_start(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= 0x80 && !op_of(c));
}

static bool name_char(uint32_t c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* ---- tokens and nodes --------------------------------------------------------------------- */

enum tok { T_END, T_NUM, T_NAME, T_OP };

struct lexer {
    const char *src;
    size_t at; /* byte offset of the next character */
    int chars; /* characters consumed before `at` */
    enum tok tok;
    char op;
    double num;
    const char *name;
    size_t name_len;
    int pos; /* 1-based character position of the current token */
    struct js_error *e;
    const char *field;
};

enum xop { XO_NUM, XO_VAR, XO_NEG, XO_ADD, XO_SUB, XO_MUL, XO_DIV, XO_FN };
enum xfn {
    XF_MIN,
    XF_MAX,
    XF_CLAMP,
    XF_CAP,
    XF_DEDUCT,
    XF_ABS,
    XF_STEP,
    XF_NORM,
    XF_SPREAD,
    XF_RANK,
    XF_TOP,
    XF_BANDS,
    XF_SHARE
};

static const struct {
    const char *name;
    int fn, min_args, max_args; /* max -1: any */
} functions[] = {
    {"min", XF_MIN, 1, -1},    {"max", XF_MAX, 1, -1},      {"clamp", XF_CLAMP, 3, 3},
    {"cap", XF_CAP, 2, 2},     {"deduct", XF_DEDUCT, 2, 2}, {"abs", XF_ABS, 1, 1},
    {"step", XF_STEP, 4, -1},  {"norm", XF_NORM, 2, 2},     {"spread", XF_SPREAD, 2, 2},
    {"rank", XF_RANK, 1, 1},   {"top", XF_TOP, 2, 2},       {"bands", XF_BANDS, 2, -1},
    {"share", XF_SHARE, 1, 1},
};

struct xnode {
    int op, fn;
    double num;
    int var;
    int first, nargs; /* children: args[first .. first + nargs) */
};

struct expr {
    struct xnode *nodes;
    int n, cap;
    int *args;
    int n_args, cap_args;
    int root;
};

static int lex_fail(struct lexer *lx, int pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lex_fail(struct lexer *lx, int pos, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return js_fail(lx->e, JS_EINVAL, lx->field, "at character %d: %s", pos, reason);
}

/* Reads the next token. */
static int lex(struct lexer *lx)
{
    uint32_t c;
    int len;
    for (;;) {
        len = utf8_next(lx->src + lx->at, &c);
        if (len < 0)
            return lex_fail(lx, lx->chars + 1, "%s", "不是有效的 UTF-8 文本");
        if (len == 0 || op_of(c) != ' ')
            break;
        lx->at += (size_t)len;
        lx->chars++;
    }
    lx->pos = lx->chars + 1;
    if (len == 0) {
        lx->tok = T_END;
        return 0;
    }
    const char *start = lx->src + lx->at;
    if ((c >= '0' && c <= '9') || c == '.') {
        char *end;
        double v = strtod(start, &end);
        if (end == start)
            return lex_fail(lx, lx->pos, "%s", "数字格式有误");
        for (const char *p = start; p < end; p++)
            lx->chars++;
        lx->at += (size_t)(end - start);
        uint32_t pc;
        int pl = utf8_next(lx->src + lx->at, &pc);
        if (pl > 0 && op_of(pc) == '%') {
            v /= 100;
            lx->at += (size_t)pl;
            lx->chars++;
        }
        lx->tok = T_NUM;
        lx->num = v;
        return 0;
    }
    char op = op_of(c);
    if (op) {
        if (op == '%')
            return lex_fail(lx, lx->pos, "%s", "“%”须跟在数字之后");
        lx->tok = T_OP;
        lx->op = op;
        lx->at += (size_t)len;
        lx->chars++;
        return 0;
    }
    if (!name_start(c)) {
        char bad[8];
        snprintf(bad, sizeof bad, "%.*s", len, start);
        return lex_fail(lx, lx->pos, "无法识别的字符“%s”", bad);
    }
    size_t n = 0;
    while ((len = utf8_next(start + n, &c)) > 0 && name_char(c)) {
        n += (size_t)len;
        lx->chars++;
    }
    if (len < 0)
        return lex_fail(lx, lx->chars + 1, "%s", "不是有效的 UTF-8 文本");
    lx->at += n;
    lx->tok = T_NAME;
    lx->name = start;
    lx->name_len = n;
    return 0;
}

static int add_node(struct expr *x, struct xnode nd)
{
    if (x->n == x->cap) {
        int cap = x->cap ? x->cap * 2 : 16;
        struct xnode *v = realloc(x->nodes, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        x->nodes = v;
        x->cap = cap;
    }
    x->nodes[x->n] = nd;
    return x->n++;
}

static int add_args(struct expr *x, const int *kids, int n)
{
    if (x->n_args + n > x->cap_args) {
        int cap = x->cap_args ? x->cap_args * 2 : 16;
        while (cap < x->n_args + n)
            cap *= 2;
        int *v = realloc(x->args, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        x->args = v;
        x->cap_args = cap;
    }
    memcpy(x->args + x->n_args, kids, (size_t)n * sizeof *kids);
    x->n_args += n;
    return x->n_args - n;
}

struct parser {
    struct lexer lx;
    struct expr *x;
    const struct expr_names *names;
    int depth;
};

static int parse_sum(struct parser *p);

static bool at_op(struct parser *p, char op)
{
    return p->lx.tok == T_OP && p->lx.op == op;
}

static const char *tok_text(struct parser *p, char *buf, size_t n)
{
    switch (p->lx.tok) {
    case T_END:
        return "公式结尾";
    case T_NUM:
        return "数字";
    case T_NAME:
        snprintf(buf, n, "“%.*s”", (int)p->lx.name_len, p->lx.name);
        return buf;
    default:
        snprintf(buf, n, "“%c”", p->lx.op);
        return buf;
    }
}

static int parse_call(struct parser *p, const char *name, size_t len, int pos)
{
    int f = -1;
    for (size_t i = 0; i < JS_ARRAY_LEN(functions); i++)
        if (strlen(functions[i].name) == len && memcmp(functions[i].name, name, len) == 0)
            f = (int)i;
    char nm[80];
    snprintf(nm, sizeof nm, "%.*s", (int)(len > 60 ? 60 : len), name);
    if (f < 0)
        return lex_fail(&p->lx, pos, "未知函数“%s”", nm);
    int kids[64], n = 0, rc;
    if ((rc = lex(&p->lx)))
        return rc;
    if (!at_op(p, ')')) {
        for (;;) {
            if (n == (int)JS_ARRAY_LEN(kids))
                return lex_fail(&p->lx, p->lx.pos, "函数 %s 的参数过多", nm);
            if ((rc = parse_sum(p)) < 0)
                return rc;
            kids[n++] = rc;
            if (at_op(p, ','))
                rc = lex(&p->lx);
            else
                break;
            if (rc)
                return rc;
        }
    }
    if (!at_op(p, ')')) {
        char buf[80];
        char reason[256]; /* the text, nm and buf (79 bytes each) always fit */
        snprintf(reason, sizeof reason, "函数 %s(...) 中应为“,”或“)”，实为%s", nm,
                 tok_text(p, buf, sizeof buf));
        return lex_fail(&p->lx, p->lx.pos, "%s", reason);
    }
    if (n < functions[f].min_args || (functions[f].max_args >= 0 && n > functions[f].max_args) ||
        (functions[f].fn == XF_STEP && n % 2)) {
        char reason[160];
        if (functions[f].fn == XF_STEP)
            snprintf(reason, sizeof reason,
                     "step 函数依次取 x、若干对阈值和值、最后一个值（至少 4 "
                     "个且为偶数个参数），实为 %d 个",
                     n);
        else if (functions[f].max_args == functions[f].min_args)
            snprintf(reason, sizeof reason, "函数 %s 需要 %d 个参数，实为 %d 个", nm,
                     functions[f].min_args, n);
        else
            snprintf(reason, sizeof reason, "函数 %s 至少需要 %d 个参数，实为 %d 个", nm,
                     functions[f].min_args, n);
        return lex_fail(&p->lx, pos, "%s", reason);
    }
    if ((rc = lex(&p->lx)))
        return rc;
    int first = add_args(p->x, kids, n);
    if (first < 0)
        return first;
    return add_node(p->x,
                    (struct xnode){.op = XO_FN, .fn = functions[f].fn, .first = first, .nargs = n});
}

static int parse_primary(struct parser *p)
{
    int rc, pos = p->lx.pos;
    if (++p->depth > 64)
        return lex_fail(&p->lx, pos, "%s", "公式嵌套过深");
    if (p->lx.tok == T_NUM) {
        double v = p->lx.num;
        if ((rc = lex(&p->lx)))
            return rc;
        rc = add_node(p->x, (struct xnode){.op = XO_NUM, .num = v});
    } else if (p->lx.tok == T_NAME) {
        const char *name = p->lx.name;
        size_t len = p->lx.name_len;
        if ((rc = lex(&p->lx)))
            return rc;
        if (at_op(p, '(')) {
            rc = parse_call(p, name, len, pos);
        } else {
            int var = p->names->lookup(p->names->ctx, name, len);
            if (var < 0) {
                char nm[80];
                snprintf(nm, sizeof nm, "%.*s", (int)(len > 60 ? 60 : len), name);
                return lex_fail(&p->lx, pos, "未知名称“%s”", nm);
            }
            rc = add_node(p->x, (struct xnode){.op = XO_VAR, .var = var});
        }
    } else if (at_op(p, '(')) {
        if ((rc = lex(&p->lx)) || (rc = parse_sum(p)) < 0)
            return rc;
        if (!at_op(p, ')')) {
            char buf[80];
            return lex_fail(&p->lx, p->lx.pos, "应为“)”，实为%s", tok_text(p, buf, sizeof buf));
        }
        int inner = rc;
        if ((rc = lex(&p->lx)))
            return rc;
        rc = inner;
    } else {
        char buf[80];
        return lex_fail(&p->lx, pos, "应为数字、名称或“(”，实为%s", tok_text(p, buf, sizeof buf));
    }
    p->depth--;
    return rc;
}

static int parse_unary(struct parser *p)
{
    if (at_op(p, '-') || at_op(p, '+')) {
        bool neg = p->lx.op == '-';
        int rc;
        if (++p->depth > 64)
            return lex_fail(&p->lx, p->lx.pos, "%s", "公式嵌套过深");
        if ((rc = lex(&p->lx)) || (rc = parse_unary(p)) < 0)
            return rc;
        p->depth--;
        if (!neg)
            return rc;
        int kid = rc, first = add_args(p->x, &kid, 1);
        if (first < 0)
            return first;
        return add_node(p->x, (struct xnode){.op = XO_NEG, .first = first, .nargs = 1});
    }
    return parse_primary(p);
}

/* The nodes of one formula at most: a chain a+b+c… is as deep as it is long, and evaluating it
 * recurses that deep. */
#define EXPR_MAX_NODES 512

static int binary(struct parser *p, int op, int l, int r)
{
    if (p->x->n >= EXPR_MAX_NODES)
        return lex_fail(&p->lx, p->lx.pos, "公式过长（最多 %d 项）", EXPR_MAX_NODES);
    int kids[2] = {l, r}, first = add_args(p->x, kids, 2);
    if (first < 0)
        return first;
    return add_node(p->x, (struct xnode){.op = op, .first = first, .nargs = 2});
}

static int parse_product(struct parser *p)
{
    int l = parse_unary(p), rc;
    while (l >= 0 && (at_op(p, '*') || at_op(p, '/'))) {
        int op = p->lx.op == '*' ? XO_MUL : XO_DIV, pos = p->lx.pos;
        if ((rc = lex(&p->lx)))
            return rc;
        int r = parse_unary(p);
        if (r < 0)
            return r;
        if (op == XO_DIV && p->x->nodes[r].op == XO_NUM && p->x->nodes[r].num == 0)
            return lex_fail(&p->lx, pos, "%s", "除数为零");
        l = binary(p, op, l, r);
    }
    return l;
}

static int parse_sum(struct parser *p)
{
    int l = parse_product(p), rc;
    while (l >= 0 && (at_op(p, '+') || at_op(p, '-'))) {
        int op = p->lx.op == '+' ? XO_ADD : XO_SUB;
        if ((rc = lex(&p->lx)))
            return rc;
        int r = parse_product(p);
        if (r < 0)
            return r;
        l = binary(p, op, l, r);
    }
    return l;
}

void expr_free(struct expr *x)
{
    if (!x)
        return;
    free(x->nodes);
    free(x->args);
    free(x);
}

int expr_compile(const char *src, const struct expr_names *names, const char *field,
                 struct expr **out, struct js_error *e)
{
    *out = NULL;
    struct expr *x = calloc(1, sizeof *x);
    if (!x)
        return js_fail(e, JS_ENOMEM, field, "out of memory");
    struct parser p = {
        .lx = {.src = src ? src : "", .e = e, .field = field}, .x = x, .names = names};
    int rc = lex(&p.lx);
    if (!rc && p.lx.tok == T_END)
        rc = lex_fail(&p.lx, 1, "%s", "公式为空");
    if (!rc && (rc = parse_sum(&p)) >= 0) {
        x->root = rc;
        rc = 0;
        if (p.lx.tok != T_END) {
            char buf[80];
            rc = lex_fail(&p.lx, p.lx.pos, "应为运算符或公式结尾，实为%s",
                          tok_text(&p, buf, sizeof buf));
        }
    }
    if (rc == -JS_ENOMEM)
        js_fail(e, JS_ENOMEM, field, "out of memory");
    if (rc) {
        expr_free(x);
        return rc;
    }
    *out = x;
    return 0;
}

/* ---- evaluation -------------------------------------------------------------------------- */

struct evalctx {
    const struct expr *x;
    int n, nvars;
    const double *vars;
    const int *group;
    const bool *member;
};

/* Min and max of v over the members of unit i's group. Returns false if there are none. */
static bool group_range(const struct evalctx *c, const double *v, int i, double *mn, double *mx)
{
    bool any = false;
    for (int j = 0; j < c->n; j++) {
        if (c->group[j] != c->group[i] || !c->member[j])
            continue;
        if (!any || v[j] < *mn)
            *mn = v[j];
        if (!any || v[j] > *mx)
            *mx = v[j];
        any = true;
    }
    return any;
}

/* The sum of v over the members of unit i's group. */
static double group_sum(const struct evalctx *c, const double *v, int i)
{
    double sum = 0;
    for (int j = 0; j < c->n; j++)
        if (c->group[j] == c->group[i] && c->member[j])
            sum += v[j];
    return sum;
}

/* 1 + the members of unit i's group with a strictly higher value, and the member count. */
static int group_rank(const struct evalctx *c, const double *v, int i, int *members)
{
    int r = 1, m = 0;
    for (int j = 0; j < c->n; j++) {
        if (c->group[j] != c->group[i] || !c->member[j])
            continue;
        m++;
        if (v[j] > v[i])
            r++;
    }
    *members = m;
    return r;
}

static int eval_node(const struct evalctx *c, int node, double *out);

static int eval_fn(const struct evalctx *c, const struct xnode *nd, double *out)
{
    int rc = 0, n = c->n, k = nd->nargs;
    double *a = malloc(sizeof(double) * (size_t)n * (size_t)k);
    if (!a)
        return -JS_ENOMEM;
    for (int j = 0; j < k && !rc; j++)
        rc = eval_node(c, c->x->args[nd->first + j], a + (size_t)j * (size_t)n);
    if (rc)
        goto out;
#define ARG(j, i) a[(size_t)(j) * (size_t)n + (size_t)(i)]
    for (int i = 0; i < n; i++) {
        double r = 0, mn = 0, mx = 0;
        int members = 0;
        switch (nd->fn) {
        case XF_MIN:
        case XF_MAX:
            r = ARG(0, i);
            for (int j = 1; j < k; j++)
                r = nd->fn == XF_MIN ? fmin(r, ARG(j, i)) : fmax(r, ARG(j, i));
            break;
        case XF_CLAMP:
            r = fmin(fmax(ARG(0, i), ARG(1, i)), ARG(2, i));
            break;
        case XF_CAP:
            r = fmin(ARG(0, i), ARG(1, i));
            break;
        case XF_DEDUCT:
            r = fmax(0, ARG(0, i) - ARG(1, i));
            break;
        case XF_ABS:
            r = fabs(ARG(0, i));
            break;
        case XF_STEP:
            r = ARG(k - 1, i);
            for (int j = 1; j + 1 < k; j += 2)
                if (ARG(0, i) >= ARG(j, i)) {
                    r = ARG(j + 1, i);
                    break;
                }
            break;
        case XF_NORM:
            if (!group_range(c, a, i, &mn, &mx) || mx - mn <= 1e-12)
                r = 1;
            else
                r = ((ARG(0, i) - mn) + ARG(1, i) * (mx - ARG(0, i))) / (mx - mn);
            break;
        case XF_SPREAD:
            r = ARG(0, i);
            if (group_range(c, a, i, &mn, &mx) && mx - mn > ARG(1, i) && mx - mn > 0)
                r = mx - (mx - r) * ARG(1, i) / (mx - mn);
            break;
        case XF_RANK:
            r = group_rank(c, a, i, &members);
            break;
        case XF_TOP:
            r = group_rank(c, a, i, &members) <= ARG(1, i) ? 1 : 0;
            break;
        case XF_BANDS: {
            int rank = group_rank(c, a, i, &members), bands = k - 1;
            int b = members > 0 ? (int)(((long)(rank - 1) * bands) / members) : 0;
            if (b >= bands)
                b = bands - 1;
            r = ARG(1 + b, i);
            break;
        }
        case XF_SHARE: { /* x ÷ the group's total (001: 根据考核期内总承办量情况划分) */
            double sum = group_sum(c, a, i);
            r = sum > 0 ? ARG(0, i) / sum : 0;
            break;
        }
        }
        out[i] = r;
    }
#undef ARG
out:
    free(a);
    return rc;
}

static int eval_node(const struct evalctx *c, int node, double *out)
{
    const struct xnode *nd = &c->x->nodes[node];
    int n = c->n, rc = 0;
    switch (nd->op) {
    case XO_NUM:
        for (int i = 0; i < n; i++)
            out[i] = nd->num;
        return 0;
    case XO_VAR:
        for (int i = 0; i < n; i++)
            out[i] = c->vars[(size_t)i * (size_t)c->nvars + (size_t)nd->var];
        return 0;
    case XO_NEG:
        rc = eval_node(c, c->x->args[nd->first], out);
        for (int i = 0; !rc && i < n; i++)
            out[i] = -out[i];
        return rc;
    case XO_FN:
        return eval_fn(c, nd, out);
    default:
        break;
    }
    double *r = malloc(sizeof(double) * (size_t)n);
    if (!r)
        return -JS_ENOMEM;
    if ((rc = eval_node(c, c->x->args[nd->first], out)) ||
        (rc = eval_node(c, c->x->args[nd->first + 1], r)))
        goto out;
    for (int i = 0; i < n; i++)
        switch (nd->op) {
        case XO_ADD:
            out[i] += r[i];
            break;
        case XO_SUB:
            out[i] -= r[i];
            break;
        case XO_MUL:
            out[i] *= r[i];
            break;
        default:
            out[i] = r[i] == 0 ? 0 : out[i] / r[i];
            break;
        }
out:
    free(r);
    return rc;
}

int expr_eval(const struct expr *x, int n, const double *vars, int nvars, const int *group,
              const bool *member, double *out)
{
    if (n <= 0)
        return 0;
    struct evalctx c = {x, n, nvars, vars, group, member};
    return eval_node(&c, x->root, out);
}

/* ---- schemes ------------------------------------------------------------------------------- */

/* Variables: the indicators, then the parameters, then the items. */
#define V_PARAM(p) (IND__COUNT + (p))
#define V_ITEM(k)  (IND__COUNT + SCHEME_MAX_PARAMS + (k))
#define N_VARS     (IND__COUNT + SCHEME_MAX_PARAMS + SCHEME_MAX_ITEMS)

struct resolver {
    struct scheme *s;
    bool declared;         /* the scheme lists its indicators */
    int items_visible;     /* items that may be referred to */
    bool used[IND__COUNT]; /* indicators referred to */
};

static bool name_is(const char *s, const char *name, size_t len)
{
    return strlen(s) == len && memcmp(s, name, len) == 0;
}

static int resolve(void *ctx, const char *name, size_t len)
{
    struct resolver *r = ctx;
    struct scheme *s = r->s;
    for (int k = 0; k < r->items_visible; k++)
        if (name_is(s->items[k].id, name, len) || name_is(s->items[k].name, name, len))
            return V_ITEM(k);
    for (int p = 0; p < s->n_params; p++)
        if (name_is(s->param_name[p], name, len))
            return V_PARAM(p);
    int ind = -1;
    for (int i = 0; i < s->n_ind && ind < 0; i++)
        if (name_is(s->ind_name[i], name, len))
            ind = s->ind[i];
    if (ind < 0) {
        ind = ind_lookup(name, len);
        if (ind >= 0 && r->declared) {
            bool ok = false;
            for (int i = 0; i < s->n_ind; i++)
                ok = ok || s->ind[i] == ind;
            if (!ok)
                return -1;
        }
    }
    if (ind >= 0)
        r->used[ind] = true;
    return ind;
}

static bool is_slug(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

static int check_keys(const json_t *obj, const char *const *allowed, const char *where,
                      struct js_error *e)
{
    const char *k;
    json_t *v;
    if (!json_is_object(obj))
        return js_fail(e, JS_ETYPE, where, "%s must be an object", where);
    json_object_foreach((json_t *)obj, k, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, k) == 0;
        if (!ok) {
            char field[64];
            snprintf(field, sizeof field, "%s%s%s", where, where[0] ? "." : "", k);
            return js_fail(e, JS_EUNKNOWN_FIELD, field, "unknown key '%s'", k);
        }
    }
    return 0;
}

static int get_str(const json_t *obj, const char *key, bool required, const char *field,
                   const char **out, struct js_error *e)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return required ? js_fail(e, JS_EMISSING, field, "%s is required", field) : 0;
    if (!json_is_string(v))
        return js_fail(e, JS_ETYPE, field, "%s must be a string", field);
    *out = json_string_value(v);
    return 0;
}

static int get_num(const json_t *v, const char *field, double *out, struct js_error *e)
{
    if (!json_is_number(v))
        return js_fail(e, JS_ETYPE, field, "%s must be a number", field);
    *out = json_number_value(v);
    if (!isfinite(*out))
        return js_fail(e, JS_EINVAL, field, "%s must be finite", field);
    return 0;
}

static int compile(struct resolver *r, const char *src, const char *field, struct expr **out,
                   struct js_error *e)
{
    struct expr_names names = {resolve, r};
    return expr_compile(src, &names, field, out, e);
}

static int load_indicators(struct scheme *s, const json_t *v, struct js_error *e)
{
    if (!v)
        return 0;
    char field[96];
    if (json_is_array(v)) {
        size_t i;
        json_t *it;
        json_array_foreach(v, i, it)
        {
            snprintf(field, sizeof field, "indicators[%zu]", i);
            int ind = json_is_string(it)
                          ? ind_lookup(json_string_value(it), strlen(json_string_value(it)))
                          : -1;
            if (ind < 0)
                return js_fail(e, JS_EINVAL, field, "not an indicator: %s",
                               json_is_string(it) ? json_string_value(it) : "(not a string)");
            if (s->n_ind >= IND__COUNT)
                return js_fail(e, JS_EINVAL, field, "too many indicators");
            s->ind[s->n_ind] = ind;
            snprintf(s->ind_name[s->n_ind++], sizeof s->ind_name[0], "%s", json_string_value(it));
        }
        return 0;
    }
    if (!json_is_object(v))
        return js_fail(e, JS_ETYPE, "indicators",
                       "indicators must be a list of names or an object of name → indicator");
    const char *k;
    json_t *it;
    json_object_foreach((json_t *)v, k, it)
    {
        snprintf(field, sizeof field, "indicators.%s", k);
        int ind = json_is_string(it)
                      ? ind_lookup(json_string_value(it), strlen(json_string_value(it)))
                      : -1;
        if (ind < 0)
            return js_fail(e, JS_EINVAL, field, "not an indicator: %s",
                           json_is_string(it) ? json_string_value(it) : "(not a string)");
        if (strlen(k) >= sizeof s->ind_name[0] || !k[0])
            return js_fail(e, JS_EINVAL, field, "the name is empty or too long");
        if (s->n_ind >= IND__COUNT)
            return js_fail(e, JS_EINVAL, field, "too many indicators");
        s->ind[s->n_ind] = ind;
        snprintf(s->ind_name[s->n_ind++], sizeof s->ind_name[0], "%s", k);
    }
    return 0;
}

static int load_params(struct scheme *s, const json_t *v, int group, const char *where,
                       struct js_error *e)
{
    if (!v)
        return 0;
    if (!json_is_object(v))
        return js_fail(e, JS_ETYPE, where, "%s must be an object of name → number", where);
    const char *k;
    json_t *it;
    char field[96];
    json_object_foreach((json_t *)v, k, it)
    {
        snprintf(field, sizeof field, "%s.%s", where, k);
        int p = -1;
        for (int i = 0; i < s->n_params; i++)
            if (strcmp(s->param_name[i], k) == 0)
                p = i;
        if (p < 0) {
            if (group >= 0)
                return js_fail(e, JS_EINVAL, field,
                               "parameter '%s' is not declared in the scheme's params", k);
            if (s->n_params >= SCHEME_MAX_PARAMS || strlen(k) >= sizeof s->param_name[0] || !k[0] ||
                ind_lookup(k, strlen(k)) >= 0)
                return js_fail(e, JS_EINVAL, field,
                               "too many parameters, or a bad or taken name '%s'", k);
            p = s->n_params++;
            snprintf(s->param_name[p], sizeof s->param_name[0], "%s", k);
        }
        double val = 0;
        if (get_num(it, field, &val, e))
            return -JS_EINVAL;
        if (group < 0)
            for (int g = 0; g < SCHEME_MAX_GROUPS; g++)
                s->param[g][p] = val;
        else
            s->param[group][p] = val;
    }
    return 0;
}

static int load_groups(struct scheme *s, const json_t *v, struct js_error *e)
{
    static const char *const keys[] = {"name", "kinds", "params", "items", "score", NULL};
    char field[96];
    if (!v) {
        s->n_groups = 1;
        snprintf(s->groups[0].name, sizeof s->groups[0].name, "全部");
        s->groups[0].kinds = (1u << UNIT__COUNT) - 1;
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > SCHEME_MAX_GROUPS)
        return js_fail(e, JS_EINVAL, "groups", "groups must be a list of 1 to %d groups",
                       SCHEME_MAX_GROUPS);
    size_t i;
    json_t *g;
    unsigned seen = 0;
    json_array_foreach(v, i, g)
    {
        snprintf(field, sizeof field, "groups[%zu]", i);
        int krc = check_keys(g, keys, field, e);
        if (krc)
            return krc;
        struct scheme_group *sg = &s->groups[s->n_groups++];
        const char *name;
        char f2[128];
        snprintf(f2, sizeof f2, "%s.name", field);
        if (get_str(g, "name", true, f2, &name, e))
            return -JS_EINVAL;
        snprintf(sg->name, sizeof sg->name, "%s", name);
        const json_t *kinds = json_object_get(g, "kinds");
        snprintf(f2, sizeof f2, "%s.kinds", field);
        if (!json_is_array(kinds) || json_array_size(kinds) == 0)
            return js_fail(e, JS_EINVAL, f2, "kinds must be a non-empty list of unit kinds");
        size_t j;
        json_t *k;
        json_array_foreach(kinds, j, k)
        {
            int kind =
                json_is_string(k) ? js_name_index(js_unit_kind_names, json_string_value(k)) : -1;
            if (kind < 0)
                return js_fail(e, JS_EINVAL, f2, "not a unit kind: %s",
                               json_is_string(k) ? json_string_value(k) : "(not a string)");
            if (seen & (1u << kind))
                return js_fail(e, JS_EINVAL, f2, "kind %s is in two groups", json_string_value(k));
            seen |= 1u << kind;
            sg->kinds |= 1u << kind;
        }
    }
    return 0;
}

/* The value of a step() threshold known when the scheme loads (a number, or a parameter with
 * group g's value); false when it depends on the units. *param is the parameter or -1. */
static bool const_value(const struct scheme *s, const struct expr *x, int node, int g, double *v,
                        int *param)
{
    const struct xnode *nd = &x->nodes[node];
    *param = -1;
    if (nd->op == XO_NUM) {
        *v = nd->num;
        return true;
    }
    if (nd->op == XO_VAR && nd->var >= V_PARAM(0) && nd->var < V_PARAM(s->n_params)) {
        *param = nd->var - V_PARAM(0);
        *v = s->param[g][*param];
        return true;
    }
    return false;
}

/* The thresholds of every step() in x that are known at load (numbers and parameters, e.g. the
 * 承办量 cut-offs the centre sets for 001's five bands) must go from the highest down: step
 * takes the first threshold x reaches, so a lower one listed first would hide the rest. The
 * refusal names the parameter when the threshold is one. */
static int check_steps(const struct scheme *s, const struct expr *x, int g, const char *field,
                       struct js_error *e)
{
    for (int n = 0; x && n < x->n; n++) {
        const struct xnode *nd = &x->nodes[n];
        if (nd->op != XO_FN || nd->fn != XF_STEP)
            continue;
        double prev = 0, v;
        int prev_param = -1, param;
        bool have_prev = false;
        for (int j = 1; j + 1 < nd->nargs; j += 2) {
            if (!const_value(s, x, x->args[nd->first + j], g, &v, &param)) {
                have_prev = false;
                continue;
            }
            if (have_prev && v >= prev) {
                char f[160];
                if (param >= 0)
                    snprintf(f, sizeof f, "params.%s", s->param_name[param]);
                else
                    snprintf(f, sizeof f, "%s", field);
                return js_fail(e, JS_EINVAL, f,
                               "分档阈值须从高到低排列：阈值 %s%s%g 不低于前一个阈值 "
                               "%s%s%g，后面的档次取不到",
                               param >= 0 ? s->param_name[param] : "", param >= 0 ? " = " : "", v,
                               prev_param >= 0 ? s->param_name[prev_param] : "",
                               prev_param >= 0 ? " = " : "", prev);
            }
            prev = v;
            prev_param = param;
            have_prev = true;
        }
    }
    return 0;
}

static int load_items(struct scheme *s, struct resolver *r, const json_t *doc, struct js_error *e)
{
    static const char *const keys[] = {"id", "name", "max", "expr", NULL};
    const json_t *items = json_object_get(doc, "items");
    const json_t *groups = json_object_get(doc, "groups");
    char field[96], f2[128];
    if (!json_is_array(items) || json_array_size(items) == 0 ||
        json_array_size(items) > SCHEME_MAX_ITEMS)
        return js_fail(e, JS_EINVAL, "items", "items must be a list of 1 to %d scored items",
                       SCHEME_MAX_ITEMS);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        snprintf(field, sizeof field, "items[%zu]", i);
        int krc = check_keys(it, keys, field, e);
        if (krc)
            return krc;
        struct scheme_item *item = &s->items[i];
        const char *id, *name, *src;
        snprintf(f2, sizeof f2, "%s.id", field);
        if (get_str(it, "id", true, f2, &id, e))
            return -JS_EINVAL;
        if (!is_slug(id, sizeof item->id - 1))
            return js_fail(e, JS_EINVAL, f2, "an item id is 1 to 31 of [a-z0-9_-]");
        snprintf(f2, sizeof f2, "%s.name", field);
        if (get_str(it, "name", false, f2, &name, e))
            return -JS_EINVAL;
        if (name && (strlen(name) >= sizeof item->name || !name[0]))
            return js_fail(e, JS_EINVAL, f2, "the name is empty or too long");
        for (int k = 0; k < (int)i; k++)
            if (strcmp(s->items[k].id, id) == 0 || (name && strcmp(s->items[k].name, name) == 0))
                return js_fail(e, JS_EINVAL, field, "two items have the same id or name");
        snprintf(item->id, sizeof item->id, "%s", id);
        snprintf(item->name, sizeof item->name, "%s", name ? name : id);
        const json_t *mx = json_object_get(it, "max");
        snprintf(f2, sizeof f2, "%s.max", field);
        if (mx && get_num(mx, f2, &item->max, e))
            return -JS_EINVAL;
        snprintf(f2, sizeof f2, "%s.expr", field);
        if (get_str(it, "expr", true, f2, &src, e))
            return -JS_EINVAL;
        r->items_visible = (int)i;
        struct expr *def = NULL;
        int rc = compile(r, src, f2, &def, e);
        for (int g = 0; !rc && g < s->n_groups; g++) {
            const json_t *ov =
                json_object_get(json_object_get(json_array_get(groups, (size_t)g), "items"), id);
            snprintf(f2, sizeof f2, "groups[%d].items.%s", g, id);
            if (!ov)
                item->expr[g] = def;
            else if (!json_is_string(ov))
                rc = js_fail(e, JS_ETYPE, f2, "%s must be a formula (a string)", f2);
            else
                rc = compile(r, json_string_value(ov), f2, &item->expr[g], e);
            if (!rc) {
                char fx[140];
                snprintf(fx, sizeof fx, "%s.expr", field);
                rc = check_steps(s, item->expr[g], g, ov ? f2 : fx, e);
            }
        }
        bool shared = false;
        for (int g = 0; g < s->n_groups; g++)
            shared = shared || (def && item->expr[g] == def);
        if (!shared)
            expr_free(def);
        s->n_items = (int)i + 1; /* so that scheme_free frees what was compiled */
        if (rc)
            return rc;
    }
    /* group item overrides must name an item */
    for (int g = 0; g < s->n_groups; g++) {
        const json_t *ov = json_object_get(json_array_get(groups, (size_t)g), "items");
        if (!ov)
            continue;
        snprintf(f2, sizeof f2, "groups[%d].items", g);
        if (!json_is_object(ov))
            return js_fail(e, JS_ETYPE, f2, "%s must be an object of item id → formula", f2);
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)ov, k, x)
        {
            bool found = false;
            for (int j = 0; j < s->n_items; j++)
                found = found || strcmp(s->items[j].id, k) == 0;
            if (!found)
                return js_fail(e, JS_EINVAL, f2, "no item '%s' in the scheme", k);
        }
    }
    r->items_visible = s->n_items;
    return 0;
}

static int load_score(struct scheme *s, struct resolver *r, const json_t *doc, struct js_error *e)
{
    const char *src;
    char f2[96];
    if (get_str(doc, "score", false, "score", &src, e))
        return -JS_EINVAL;
    struct expr *def = NULL;
    int rc;
    if (src && (rc = compile(r, src, "score", &def, e)))
        return rc;
    bool used = false;
    for (int g = 0; g < s->n_groups; g++) {
        const json_t *grp = json_array_get(json_object_get(doc, "groups"), (size_t)g);
        const char *gs;
        snprintf(f2, sizeof f2, "groups[%d].score", g);
        if (get_str(grp, "score", false, f2, &gs, e)) {
            rc = -JS_EINVAL;
            goto fail;
        }
        if (gs) {
            if ((rc = compile(r, gs, f2, &s->score[g], e)))
                goto fail;
        } else {
            s->score[g] = def;
            used = used || def;
        }
    }
    if (!used)
        expr_free(def);
    return 0;
fail:
    if (!used)
        expr_free(def);
    return rc;
}

static int load_grades(struct scheme *s, const json_t *v, struct js_error *e)
{
    static const char *const keys[] = {"grade", "min", NULL};
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > SCHEME_MAX_GRADES)
        return js_fail(e, JS_EINVAL, "grades", "grades must be a list of at most %d bands",
                       SCHEME_MAX_GRADES);
    size_t i;
    json_t *g;
    char field[64], f2[96];
    json_array_foreach(v, i, g)
    {
        snprintf(field, sizeof field, "grades[%zu]", i);
        int krc = check_keys(g, keys, field, e);
        if (krc)
            return krc;
        const char *name;
        snprintf(f2, sizeof f2, "%s.grade", field);
        if (get_str(g, "grade", true, f2, &name, e))
            return -JS_EINVAL;
        if (!name[0] || strlen(name) >= sizeof s->grades[0].grade)
            return js_fail(e, JS_EINVAL, f2, "a grade name is 1 to 7 bytes");
        struct scheme_grade *sg = &s->grades[s->n_grades++];
        snprintf(sg->grade, sizeof sg->grade, "%s", name);
        const json_t *mn = json_object_get(g, "min");
        snprintf(f2, sizeof f2, "%s.min", field);
        if (!mn) {
            if (i + 1 != json_array_size(v))
                return js_fail(e, JS_EMISSING, f2, "only the last band may omit min");
            sg->min = -HUGE_VAL;
        } else if (get_num(mn, f2, &sg->min, e)) {
            return -JS_EINVAL;
        }
        if (i > 0 && !(sg->min < s->grades[i - 1].min))
            return js_fail(e, JS_EINVAL, f2, "bands must be listed from the highest min down");
    }
    return 0;
}

static int load_evaluation(struct scheme *s, const json_t *v, struct js_error *e)
{
    static const char *const keys[] = {"supervision_points", "basic_is_satisfied", "if_empty",
                                       NULL};
    ind_params_default(&s->params);
    if (!v)
        return 0;
    int krc = check_keys(v, keys, "evaluation", e);
    if (krc)
        return krc;
    char field[96];
    const json_t *sp = json_object_get(v, "supervision_points");
    if (sp) {
        if (!json_is_object(sp))
            return js_fail(e, JS_ETYPE, "evaluation.supervision_points",
                           "supervision_points must be an object of kind → points");
        const char *k;
        json_t *it;
        json_object_foreach((json_t *)sp, k, it)
        {
            snprintf(field, sizeof field, "evaluation.supervision_points.%s", k);
            int kind = js_name_index(js_supk_names, k);
            if (kind < 0)
                return js_fail(e, JS_EINVAL, field, "not a supervision kind: %s", k);
            if (get_num(it, field, &s->params.supervision_points[kind], e))
                return -JS_EINVAL;
        }
    }
    const json_t *b = json_object_get(v, "basic_is_satisfied");
    if (b && !json_is_boolean(b))
        return js_fail(e, JS_ETYPE, "evaluation.basic_is_satisfied",
                       "basic_is_satisfied must be true or false");
    s->params.basic_is_satisfied = json_is_true(b);
    const json_t *ie = json_object_get(v, "if_empty");
    if (ie) {
        if (!json_is_object(ie))
            return js_fail(e, JS_ETYPE, "evaluation.if_empty",
                           "if_empty must be an object of indicator → value");
        const char *k;
        json_t *it;
        json_object_foreach((json_t *)ie, k, it)
        {
            snprintf(field, sizeof field, "evaluation.if_empty.%s", k);
            struct resolver r = {.s = s};
            int ind = resolve(&r, k, strlen(k));
            if (ind < 0 || ind >= IND__COUNT || ind_defs[ind].kind != 'R')
                return js_fail(e, JS_EINVAL, field, "not a rate indicator: %s", k);
            if (get_num(it, field, &s->params.if_empty[ind], e))
                return -JS_EINVAL;
        }
    }
    return 0;
}

static int load_year(struct scheme *s, const json_t *v, struct js_error *e)
{
    static const char *const keys[] = {"monthly", "year_end", "indicator", NULL};
    if (!v)
        return 0;
    int krc = check_keys(v, keys, "year", e);
    if (krc)
        return krc;
    const json_t *m = json_object_get(v, "monthly"), *y = json_object_get(v, "year_end");
    if (!m || !y)
        return js_fail(e, JS_EMISSING, "year", "year needs monthly and year_end weights");
    if (get_num(m, "year.monthly", &s->year_monthly, e) ||
        get_num(y, "year.year_end", &s->year_end, e))
        return -JS_EINVAL;
    const char *ind;
    if (get_str(v, "indicator", false, "year.indicator", &ind, e))
        return -JS_EINVAL;
    s->year_indicator = ind ? ind_lookup(ind, strlen(ind)) : IND_YEAR_END;
    if (s->year_indicator < 0)
        return js_fail(e, JS_EINVAL, "year.indicator", "not an indicator: %s", ind);
    s->has_year = true;
    return 0;
}

int scheme_from_json(const json_t *doc, struct scheme **out, struct js_error *e)
{
    static const char *const keys[] = {
        "name",  "title", "source", "note",      "indicators", "params",     "groups", "items",
        "score", "bonus", "grades", "precision", "rank",       "evaluation", "year",   NULL};
    static const char *const bonus_keys[] = {"expr", "cap", NULL};
    *out = NULL;
    int rc = check_keys(doc, keys, "", e);
    if (rc)
        return rc;
    struct scheme *s = calloc(1, sizeof *s);
    if (!s)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    struct resolver r = {.s = s};
    const char *name, *title, *rank;
    if ((rc = get_str(doc, "name", true, "name", &name, e)))
        goto fail;
    if (!is_slug(name, sizeof s->name - 1)) {
        rc = js_fail(e, JS_EINVAL, "name", "a scheme name is 1 to 31 of [a-z0-9_-]");
        goto fail;
    }
    snprintf(s->name, sizeof s->name, "%s", name);
    if ((rc = get_str(doc, "title", false, "title", &title, e)))
        goto fail;
    snprintf(s->title, sizeof s->title, "%s", title ? title : name);
    const json_t *ind = json_object_get(doc, "indicators");
    if ((rc = load_indicators(s, ind, e)))
        goto fail;
    r.declared = ind != NULL;
    if ((rc = load_params(s, json_object_get(doc, "params"), -1, "params", e)) ||
        (rc = load_groups(s, json_object_get(doc, "groups"), e)))
        goto fail;
    for (int g = 0; g < s->n_groups; g++) {
        char where[64];
        snprintf(where, sizeof where, "groups[%d].params", g);
        const json_t *grp = json_array_get(json_object_get(doc, "groups"), (size_t)g);
        if ((rc = load_params(s, json_object_get(grp, "params"), g, where, e)))
            goto fail;
    }
    if ((rc = load_items(s, &r, doc, e)) || (rc = load_score(s, &r, doc, e)))
        goto fail;
    const json_t *bonus = json_object_get(doc, "bonus");
    if (bonus) {
        const char *src;
        if ((rc = check_keys(bonus, bonus_keys, "bonus", e)) ||
            (rc = get_str(bonus, "expr", true, "bonus.expr", &src, e)) ||
            (rc = compile(&r, src, "bonus.expr", &s->bonus, e)))
            goto fail;
        const json_t *cap = json_object_get(bonus, "cap");
        if (cap && (rc = get_num(cap, "bonus.cap", &s->bonus_cap, e)))
            goto fail;
    }
    if ((rc = load_grades(s, json_object_get(doc, "grades"), e)))
        goto fail;
    s->precision = 2;
    const json_t *prec = json_object_get(doc, "precision");
    if (prec) {
        if (!json_is_integer(prec) || json_integer_value(prec) < 0 ||
            json_integer_value(prec) > 6) {
            rc = js_fail(e, JS_EINVAL, "precision", "precision is 0 to 6 decimals");
            goto fail;
        }
        s->precision = (int)json_integer_value(prec);
    }
    if ((rc = get_str(doc, "rank", false, "rank", &rank, e)))
        goto fail;
    if (rank && strcmp(rank, "group") != 0 && strcmp(rank, "all") != 0) {
        rc = js_fail(e, JS_EINVAL, "rank", "rank is \"group\" or \"all\"");
        goto fail;
    }
    s->rank_in_group = !rank || strcmp(rank, "group") == 0;
    if ((rc = load_evaluation(s, json_object_get(doc, "evaluation"), e)) ||
        (rc = load_year(s, json_object_get(doc, "year"), e)))
        goto fail;
    if (!r.declared) /* show the indicators the formulas use, in catalogue order */
        for (int i = 0; i < IND__COUNT; i++)
            if (r.used[i]) {
                s->ind[s->n_ind] = i;
                snprintf(s->ind_name[s->n_ind++], sizeof s->ind_name[0], "%s", ind_defs[i].label);
            }
    s->doc = json_incref((json_t *)doc);
    *out = s;
    return 0;
fail:
    if (e && !e->code)
        js_fail(e, rc, NULL, "invalid scheme");
    scheme_free(s);
    return rc ? rc : -JS_EINVAL;
}

int scheme_parse(const char *text, size_t len, struct scheme **out, struct js_error *e)
{
    json_error_t jerr;
    *out = NULL;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return js_fail(e, JS_EBADJSON, NULL, "line %d column %d: %s", jerr.line, jerr.column,
                       msg_zh_json(json_error_code(&jerr)));
    int rc = scheme_from_json(doc, out, e);
    json_decref(doc);
    return rc;
}

void scheme_free(struct scheme *s)
{
    if (!s)
        return;
    for (int k = 0; k < SCHEME_MAX_ITEMS; k++)
        for (int g = 0; g < SCHEME_MAX_GROUPS; g++) {
            struct expr *x = s->items[k].expr[g];
            if (!x)
                continue;
            for (int h = g; h < SCHEME_MAX_GROUPS; h++)
                if (s->items[k].expr[h] == x)
                    s->items[k].expr[h] = NULL;
            expr_free(x);
        }
    for (int g = 0; g < SCHEME_MAX_GROUPS; g++) {
        struct expr *x = s->score[g];
        if (!x)
            continue;
        for (int h = g; h < SCHEME_MAX_GROUPS; h++)
            if (s->score[h] == x)
                s->score[h] = NULL;
        expr_free(x);
    }
    expr_free(s->bonus);
    json_decref(s->doc);
    free(s);
}

int scheme_group_of(const struct scheme *s, int unit_kind)
{
    for (int g = 0; g < s->n_groups; g++)
        if (unit_kind >= 0 && unit_kind < 32 && (s->groups[g].kinds & (1u << unit_kind)))
            return g;
    return -1;
}

double scheme_round(const struct scheme *s, double v)
{
    double f = pow(10, s->precision);
    return round(v * f) / f;
}

int scheme_grade_of(const struct scheme *s, double score)
{
    for (int i = 0; i < s->n_grades; i++)
        if (score >= s->grades[i].min)
            return i;
    return -1;
}

void scheme_rank(const struct scheme *s, int n, struct scheme_row *rows)
{
    for (int i = 0; i < n; i++) {
        rows[i].rank = 0;
        rows[i].grade = -1;
        if (!rows[i].assessed)
            continue;
        int r = 1;
        for (int j = 0; j < n; j++)
            if (rows[j].assessed && rows[j].score > rows[i].score &&
                (!s->rank_in_group || rows[j].group == rows[i].group))
                r++;
        rows[i].rank = r;
        rows[i].grade = scheme_grade_of(s, rows[i].score);
    }
}

void scheme_year_combine(const struct scheme *s, int n, const double *month_sum, const int *months,
                         const double *year_end_pts, struct scheme_row *rows)
{
    for (int i = 0; i < n; i++) {
        rows[i].assessed = rows[i].group >= 0 && months[i] > 0;
        rows[i].score = rows[i].assessed
                            ? scheme_round(s, s->year_monthly * month_sum[i] / months[i] +
                                                  s->year_end * year_end_pts[i])
                            : 0;
    }
    scheme_rank(s, n, rows);
}

int scheme_eval(const struct scheme *s, int n, const int *kinds, const double *vals,
                const bool *member, struct scheme_row *rows, struct js_error *e)
{
    int rc = 0;
    double *vars = calloc((size_t)(n > 0 ? n : 1) * N_VARS, sizeof(double));
    double *tmp = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    int *group = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    bool *mem = malloc(sizeof(bool) * (size_t)(n > 0 ? n : 1));
    if (!vars || !tmp || !group || !mem) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        memset(&rows[i], 0, sizeof rows[i]);
        group[i] = scheme_group_of(s, kinds[i]);
        rows[i].group = group[i];
        mem[i] =
            group[i] >= 0 && (member ? member[i] : vals[(size_t)i * IND__COUNT + IND_RECEIVED] > 0);
        rows[i].assessed = mem[i];
        double *v = vars + (size_t)i * N_VARS;
        memcpy(v, vals + (size_t)i * IND__COUNT, sizeof(double) * IND__COUNT);
        for (int p = 0; p < s->n_params; p++)
            v[V_PARAM(p)] = s->param[group[i] >= 0 ? group[i] : 0][p];
    }
    for (int k = 0; k < s->n_items; k++) {
        for (int g = 0; g < s->n_groups; g++) {
            if ((rc = expr_eval(s->items[k].expr[g], n, vars, N_VARS, group, mem, tmp)))
                goto nomem;
            for (int i = 0; i < n; i++)
                if (group[i] == g) {
                    rows[i].items[k] = tmp[i];
                    vars[(size_t)i * N_VARS + V_ITEM(k)] = tmp[i];
                }
        }
    }
    for (int g = 0; g < s->n_groups; g++) {
        if (s->score[g] && (rc = expr_eval(s->score[g], n, vars, N_VARS, group, mem, tmp)))
            goto nomem;
        for (int i = 0; i < n; i++) {
            if (group[i] != g)
                continue;
            double sc = 0;
            if (s->score[g])
                sc = tmp[i];
            else
                for (int k = 0; k < s->n_items; k++)
                    sc += rows[i].items[k];
            rows[i].score = sc;
        }
    }
    if (s->bonus) {
        if ((rc = expr_eval(s->bonus, n, vars, N_VARS, group, mem, tmp)))
            goto nomem;
        for (int i = 0; i < n; i++) {
            double b = tmp[i];
            if (s->bonus_cap > 0 && b > s->bonus_cap)
                b = s->bonus_cap;
            rows[i].bonus = b;
            rows[i].score += b;
        }
    }
    for (int i = 0; i < n; i++) {
        if (rows[i].assessed)
            rows[i].score = scheme_round(s, rows[i].score);
        else
            rows[i].score = 0;
    }
    scheme_rank(s, n, rows);
    goto out;
nomem:
    rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
out:
    free(vars);
    free(tmp);
    free(group);
    free(mem);
    return rc;
}
