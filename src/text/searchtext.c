/* Index tokens, query phrases and synonyms for search (see searchtext.h). */
#include "compat.h"
#include "text/searchtext.h"

#include <stdlib.h>
#include <string.h>

#include "text/fold.h"
#include "util/jfield.h"

#define MAX_LATIN_TOKEN 32 /* bytes of one letters-and-digits token */
#define MAX_QUERY_BYTES 600

static bool is_cjk(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) || c == 0x3007;
}

static bool is_latin(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

/* A run of one class of characters in folded text. */
struct run {
    const char *start; /* first byte */
    const char *end;   /* one past the last byte */
    int n;             /* characters */
    bool cjk;
};

/* Finds the next run at or after *p; returns false at the end of the text or at a separator
 * (then *p is left on the separator, *sep set). */
static bool next_run(const char **p, struct run *r, bool *sep)
{
    *sep = false;
    if (!**p)
        return false;
    const char *q = *p;
    uint32_t c = text_next_cp(&q);
    bool cjk = is_cjk(c);
    if (!cjk && !is_latin(c)) {
        *sep = true;
        return false;
    }
    r->start = *p;
    r->cjk = cjk;
    r->n = 1;
    const char *end = q;
    for (;;) {
        const char *t = end;
        if (!*t)
            break;
        uint32_t d = text_next_cp(&t);
        if (cjk ? !is_cjk(d) : !is_latin(d))
            break;
        end = t;
        r->n++;
    }
    r->end = end;
    *p = end;
    return true;
}

static int put_token(struct buf *out, const char *s, size_t n)
{
    int rc = out->len && out->data[out->len - 1] != ' ' ? buf_append(out, " ", 1) : 0;
    return rc ? rc : buf_append(out, s, n);
}

/* The tokens of one run. terminal: append the last character alone after the bigrams. */
static int run_tokens(const struct run *r, bool terminal, struct buf *out)
{
    if (!r->cjk) {
        size_t n = (size_t)(r->end - r->start);
        return put_token(out, r->start, n < MAX_LATIN_TOKEN ? n : MAX_LATIN_TOKEN);
    }
    if (r->n == 1)
        return put_token(out, r->start, (size_t)(r->end - r->start));
    const char *a = r->start;
    int rc = 0;
    for (int i = 0; i + 1 < r->n && !rc; i++) {
        const char *b = a;
        text_next_cp(&b);
        const char *c = b;
        text_next_cp(&c);
        rc = put_token(out, a, (size_t)(c - a));
        a = b;
    }
    if (!rc && terminal)
        rc = put_token(out, a, (size_t)(r->end - a));
    return rc;
}

int searchtext_index(const char *text, struct buf *out)
{
    struct buf f;
    buf_init(&f, 0);
    int rc = text_fold(text, &f);
    const char *p = f.data ? f.data : "";
    while (!rc && *p) {
        struct run r;
        bool sep;
        if (next_run(&p, &r, &sep))
            rc = run_tokens(&r, true, out);
        else if (sep)
            text_next_cp(&p);
    }
    if (!rc)
        rc = buf_append(out, "", 0);
    buf_release(&f);
    return rc;
}

/* The phrase of one query part (no separators inside). */
static int part_phrase(const char *part, struct st_phrase *ph)
{
    struct run runs[64];
    int n = 0;
    const char *p = part;
    bool sep;
    while (n < (int)JS_ARRAY_LEN(runs) && next_run(&p, &runs[n], &sep))
        n++;
    struct buf out;
    buf_init(&out, 0);
    int rc = buf_append(&out, "", 0);
    for (int i = 0; i < n && !rc; i++) {
        bool last = i == n - 1;
        rc = run_tokens(&runs[i], !last, &out);
    }
    ph->prefix = n > 0 && (!runs[n - 1].cjk || runs[n - 1].n == 1);
    ph->tokens = rc ? NULL : buf_steal(&out);
    buf_release(&out);
    if (!rc && !ph->tokens)
        rc = -JS_ENOMEM;
    return rc;
}

static int add_alt(struct st_group *g, const char *text)
{
    if (g->n >= ST_MAX_ALTS)
        return 0;
    struct st_phrase ph = {0};
    int rc = part_phrase(text, &ph);
    if (rc)
        return rc;
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->alt[i].tokens, ph.tokens) == 0 && g->alt[i].prefix == ph.prefix) {
            free(ph.tokens);
            return 0;
        }
    if (!ph.tokens[0]) {
        free(ph.tokens);
        return 0;
    }
    g->alt[g->n++] = ph;
    return 0;
}

/* Adds to g the part with each synonym group's longest member found in it replaced by each
 * other member of that group. */
static int add_synonyms(struct st_group *g, const char *part, const json_t *synonyms)
{
    size_t i, k;
    json_t *grp, *w;
    int rc = 0;
    struct buf f, alt;
    buf_init(&f, 0);
    buf_init(&alt, 0);
    json_array_foreach(synonyms, i, grp)
    {
        const char *best = NULL;
        size_t best_len = 0;
        json_array_foreach(grp, k, w)
        {
            buf_reset(&f);
            if (!json_is_string(w) || (rc = text_fold(json_string_value(w), &f)))
                continue;
            if (f.len > best_len && strstr(part, f.data)) {
                free((void *)best);
                best = strdup(f.data);
                best_len = f.len;
            }
        }
        if (!best)
            continue;
        const char *at = strstr(part, best);
        json_array_foreach(grp, k, w)
        {
            buf_reset(&f);
            buf_reset(&alt);
            if (!json_is_string(w) || text_fold(json_string_value(w), &f) ||
                strcmp(f.data, best) == 0)
                continue;
            rc = buf_append(&alt, part, (size_t)(at - part));
            if (!rc)
                rc = buf_puts(&alt, f.data);
            if (!rc)
                rc = buf_puts(&alt, at + best_len);
            if (!rc)
                rc = add_alt(g, alt.data);
            if (rc)
                break;
        }
        free((void *)best);
        if (rc || g->n >= ST_MAX_ALTS)
            break;
    }
    buf_release(&f);
    buf_release(&alt);
    return rc;
}

int searchtext_query(const char *q, const json_t *synonyms, struct st_query *out)
{
    memset(out, 0, sizeof *out);
    if (!q)
        return 0;
    if (strlen(q) > MAX_QUERY_BYTES)
        return -JS_ETOOLONG;
    struct buf f, part;
    buf_init(&f, 0);
    buf_init(&part, 0);
    int rc = text_fold(q, &f);
    const char *p = f.data ? f.data : "";
    while (!rc && *p && out->n < ST_MAX_GROUPS) {
        /* one part: up to the next separator */
        buf_reset(&part);
        while (*p) {
            const char *t = p;
            uint32_t c = text_next_cp(&t);
            if (!is_cjk(c) && !is_latin(c))
                break;
            rc = buf_append(&part, p, (size_t)(t - p));
            if (rc)
                break;
            p = t;
        }
        if (*p)
            text_next_cp(&p); /* the separator */
        if (rc || part.len == 0)
            continue;
        struct st_group *g = &out->g[out->n];
        rc = add_alt(g, part.data);
        if (!rc && json_is_array(synonyms))
            rc = add_synonyms(g, part.data, synonyms);
        if (g->n > 0)
            out->n++;
    }
    buf_release(&f);
    buf_release(&part);
    return rc;
}

void searchtext_query_release(struct st_query *q)
{
    if (!q)
        return;
    for (int i = 0; i < q->n; i++)
        for (int k = 0; k < q->g[i].n; k++)
            free(q->g[i].alt[k].tokens);
    memset(q, 0, sizeof *q);
}

/* Groups a district's call-takers meet every day: the same thing said in other words. */
static const char *const default_groups[][6] = {
    {"噪音", "噪声", NULL},
    {"物业", "物业公司", "物管", NULL},
    {"停车", "泊车", NULL},
    {"漏水", "渗水", "渗漏", NULL},
    {"路灯", "街灯", NULL},
    {"违建", "违章建筑", "违法建设", "私搭乱建", NULL},
    {"欠薪", "拖欠工资", "讨薪", NULL},
    {"公交", "公交车", "公共汽车", NULL},
    {"停水", "断水", NULL},
    {"停电", "断电", NULL},
    {"暖气", "供暖", "采暖", NULL},
    {"电动车", "电瓶车", "电动自行车", NULL},
    {"出租车", "的士", "网约车", NULL},
    {"拆迁", "征收", NULL},
    {"医保", "医疗保险", NULL},
    {"社保", "社会保险", NULL},
    {"占道经营", "摆摊", "流动摊贩", NULL},
    {"油烟", "餐饮油烟", NULL},
    {"渣土车", "泥头车", NULL},
    {"井盖", "窨井盖", NULL},
};

json_t *searchtext_default_synonyms(void)
{
    json_t *all = json_array();
    for (size_t i = 0; all && i < JS_ARRAY_LEN(default_groups); i++) {
        json_t *g = json_array();
        for (int k = 0; g && default_groups[i][k]; k++)
            json_array_append_new(g, json_string(default_groups[i][k]));
        json_array_append_new(all, g);
    }
    return all;
}

int searchtext_synonyms_check(const json_t *groups, struct js_error *e)
{
    size_t i, k;
    json_t *g, *w;
    if (!json_is_array(groups) || json_array_size(groups) > 1000)
        return js_fail(e, JS_EINVAL, "groups", "同义词表须为不超过1000组的数组");
    json_array_foreach(groups, i, g)
    {
        if (!json_is_array(g) || json_array_size(g) < 2 || json_array_size(g) > 12)
            return js_fail(e, JS_EINVAL, "groups", "第%zu组须为2至12个词的数组", i + 1);
        json_array_foreach(g, k, w)
        {
            const char *s = json_string_value(w);
            size_t n = s ? utf8_len(s) : 0;
            if (!s || n == 0 || n == (size_t)-1 || n > 20)
                return js_fail(e, JS_EINVAL, "groups", "第%zu组第%zu个词须为1至20个字符", i + 1,
                               k + 1);
            const char *p = s;
            while (*p) {
                uint32_t c = text_fold_cp(text_next_cp(&p));
                if (!is_cjk(c) && !is_latin(c))
                    return js_fail(e, JS_EINVAL, "groups", "第%zu组的“%s”含空格或标点", i + 1, s);
            }
            for (size_t m = 0; m < k; m++)
                if (strcmp(json_string_value(json_array_get(g, m)), s) == 0)
                    return js_fail(e, JS_EINVAL, "groups", "第%zu组的“%s”重复", i + 1, s);
        }
    }
    return 0;
}

int searchtext_phone_digits(const char *s, char *out, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return 0;
    for (; s && *s && n + 1 < size; s++)
        if (*s >= '0' && *s <= '9')
            out[n++] = *s;
    out[n] = '\0';
    if (n == 13 && out[0] == '8' && out[1] == '6') {
        memmove(out, out + 2, n - 1);
        n -= 2;
    }
    return (int)n;
}
