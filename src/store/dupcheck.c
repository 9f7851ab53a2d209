/* Duplicate check (see dupcheck.h). Three cheap lookups bound the work whatever the size of the
 * store: the caller's phone (an index) and bounded probes of the draft's most telling index
 * tokens (its address's first); only those few dozen candidates are loaded and scored. */
#include "compat.h"
#include "store/dupcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text/fold.h"
#include "text/searchtext.h"

#define MAX_CANDIDATES  40
#define MAX_TOKENS      32  /* distinct tokens of the draft probed */
#define TEXT_HEAD       100 /* characters of the draft's text whose tokens are probed */
#define PROBE_CAP       48  /* orders one probe may find before its token counts as common */
#define RARE_CANDIDATES 16  /* candidates taken from the votes of uncommon tokens */
#define MAX_PROBES      8   /* tokens probed, the most telling first */
#define MIN_PROBE_IDF   3.0 /* the commonest hotline bigrams (小区, 问题 …) are never probed */

void dup_result_release(struct dup_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        order_release(&r->v[i].order);
    free(r->v);
    memset(r, 0, sizeof *r);
}

void dupcheck_doc_of(const struct order *o, struct dup_doc *d)
{
    memset(d, 0, sizeof *d);
    d->title = o->title;
    d->text = o->text;
    d->address = o->address;
    d->phone = o->citizen_phone;
    d->name = o->citizen_name;
    d->region_id = o->region_id;
    d->category_id = o->category_id;
    d->created_at = o->created_at;
}

struct idset {
    int64_t v[MAX_CANDIDATES];
    int n;
};

static void idset_add(struct idset *s, int64_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return;
    if (s->n < MAX_CANDIDATES)
        s->v[s->n++] = id;
}

static int collect(struct store *s, const struct search_query *q, struct idset *ids)
{
    struct search_hit hits[32];
    int n = 0;
    bool more;
    struct search_query qq = *q;
    if (qq.limit > (int)(sizeof hits / sizeof hits[0]))
        qq.limit = (int)(sizeof hits / sizeof hits[0]);
    int rc = s->ops->order_search(s, &qq, hits, &n, &more);
    for (int i = 0; i < n && !rc; i++)
        idset_add(ids, hits[i].id);
    return rc;
}

/* The distinct index tokens of the draft's address, title and the beginning of its text
 * (bigrams; letters-and-digits tokens of 4 or more), at most MAX_TOKENS. */
static int draft_tokens(const struct dup_doc *d, struct buf *toks, const char **v, int *n)
{
    char head[3 * TEXT_HEAD + 1];
    size_t k = 0;
    int chars = 0;
    for (const char *p = d->text ? d->text : ""; *p && chars < TEXT_HEAD && k + 4 < sizeof head;
         chars++) {
        do
            head[k++] = *p++;
        while (*p && ((unsigned char)*p & 0xC0) == 0x80 && k + 1 < sizeof head);
    }
    head[k] = '\0';
    const char *parts[] = {d->address, d->title, head};
    int rc = 0;
    *n = 0;
    for (size_t i = 0; i < 3 && !rc; i++)
        if (parts[i] && parts[i][0]) {
            rc = searchtext_index(parts[i], toks);
            if (!rc)
                rc = buf_append(toks, " ", 1);
        }
    if (rc || !toks->data)
        return rc;
    char *p = toks->data;
    while (*p && *n < MAX_TOKENS) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char *t = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = '\0';
        bool cjk = (unsigned char)t[0] >= 0x80;
        size_t len = strlen(t);
        if ((cjk && len < 6) ||
            (!cjk && len < 4)) /* single characters, short numbers: too common */
            continue;
        bool seen = false;
        for (int m = 0; m < *n && !seen; m++)
            seen = strcmp(v[m], t) == 0;
        if (!seen)
            v[(*n)++] = t;
    }
    return 0;
}

/* Orders sharing the draft's uncommon tokens in the window: the MAX_PROBES most telling tokens
 * are each probed for at most PROBE_CAP orders, newest first; a token that fills the cap is too
 * common here to tell anything; the others vote for their orders with the weight
 * log(cap / count), and the best voted are candidates. The cost is bounded by MAX_PROBES
 * probes of at most PROBE_CAP rows whatever the size of the store. */
static int rare_token_candidates(struct store *s, const struct search_query *base, const char **v,
                                 int n, struct idset *out)
{
    struct {
        int64_t id;
        double w;
    } votes[MAX_TOKENS * 8];
    int nv = 0, rc = 0;
    struct search_hit hits[PROBE_CAP];
    /* the most telling tokens first (the scorer's IDF; the address's, then the title's come
     * first among equals), the commonest hotline bigrams never: their probes cost the most and
     * say least */
    int order[MAX_TOKENS] = {0}, no = 0;
    double idf[MAX_TOKENS];
    for (int i = 0; i < n; i++) {
        idf[i] = dup_token_idf(v[i]);
        if (idf[i] < MIN_PROBE_IDF)
            continue;
        int k = no++;
        while (k > 0 && idf[order[k - 1]] < idf[i]) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    if (no > MAX_PROBES)
        no = MAX_PROBES;
    for (int oi = 0; oi < no && !rc; oi++) {
        int i = order[oi];
        struct st_query q;
        memset(&q, 0, sizeof q);
        q.n = 1;
        q.g[0].n = 1;
        q.g[0].alt[0].tokens = (char *)v[i]; /* borrowed: not released */
        struct search_query sq = *base;
        sq.text = &q;
        sq.kinds = SEARCH_BIT(SEARCH_TEXT);
        sq.newest_only = true;
        sq.limit = PROBE_CAP - 1;
        int got = 0;
        bool more = false;
        rc = s->ops->order_search(s, &sq, hits, &got, &more);
        if (rc || more || got == 0)
            continue;
        double w = log((double)PROBE_CAP / got);
        for (int k = 0; k < got; k++) {
            int j = 0;
            while (j < nv && votes[j].id != hits[k].id)
                j++;
            if (j == nv) {
                if (nv == (int)(sizeof votes / sizeof votes[0]))
                    continue;
                votes[nv].id = hits[k].id;
                votes[nv++].w = 0;
            }
            votes[j].w += w;
        }
    }
    for (int r = 0; r < RARE_CANDIDATES && !rc; r++) {
        int best = -1;
        for (int j = 0; j < nv; j++)
            if (votes[j].w > 0 && (best < 0 || votes[j].w > votes[best].w ||
                                   (votes[j].w == votes[best].w && votes[j].id > votes[best].id)))
                best = j;
        if (best < 0)
            break;
        idset_add(out, votes[best].id);
        votes[best].w = 0;
    }
    return rc;
}

static int cmp_candidate(const void *a, const void *b)
{
    const struct dup_candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->order.created_at < y->order.created_at ? 1 : -1;
}

/* Folds the texts of d into owned copies so that the scorer needs no OpenCC call. */
struct folded {
    struct buf title, text, address;
};

static int fold_doc(const struct dup_doc *d, struct folded *f, struct dup_doc *out)
{
    buf_init(&f->title, 0);
    buf_init(&f->text, 0);
    buf_init(&f->address, 0);
    int rc = text_fold(d->title ? d->title : "", &f->title);
    if (!rc)
        rc = text_fold(d->text ? d->text : "", &f->text);
    if (!rc)
        rc = text_fold(d->address ? d->address : "", &f->address);
    *out = *d;
    out->title = f->title.data;
    out->text = f->text.data;
    out->address = f->address.data;
    return rc;
}

static void folded_release(struct folded *f)
{
    buf_release(&f->title);
    buf_release(&f->text);
    buf_release(&f->address);
}

int dupcheck_run(struct store *s, const struct search_who *who, const struct dup_doc *draft,
                 int64_t exclude_id, int64_t now, int days, int limit, double min_score,
                 struct dup_result *out, struct js_error *e)
{
    struct idset ids = {.n = 0};
    struct buf toks;
    struct dup_sig dsig;
    struct folded fd;
    struct dup_doc dd;
    const char *tokv[MAX_TOKENS];
    int ntok = 0, rc;
    memset(out, 0, sizeof *out);
    memset(&dsig, 0, sizeof dsig);
    buf_init(&toks, 0);
    if (days < 1 || days > DUPCHECK_MAX_DAYS)
        return js_fail(e, JS_EINVAL, "days", "查重时间范围须为1至%d天", DUPCHECK_MAX_DAYS);
    if (limit < 1 || limit > 50)
        return js_fail(e, JS_EINVAL, "limit", "limit 须为1至50");
    rc = fold_doc(draft, &fd, &dd);
    if (rc) {
        rc = js_fail(e, -rc, "text", "诉求内容不是有效文本");
        goto out;
    }
    struct search_query base = {.unit_id = who->unit_id,
                                .since = now - (int64_t)days * 86400,
                                .exclude_id = exclude_id,
                                .limit = 20};
    /* 1. the same caller */
    char digits[40];
    if (draft->phone && searchtext_phone_digits(draft->phone, digits, sizeof digits) >= 5) {
        struct search_query sq = base;
        sq.key = digits;
        sq.kinds = SEARCH_BIT(SEARCH_PHONE);
        sq.phone_exact = true;
        if ((rc = collect(s, &sq, &ids)))
            goto fail;
    }
    /* 3. the orders that share the draft's uncommon tokens */
    if ((rc = draft_tokens(draft, &toks, tokv, &ntok)))
        goto fail;
    if ((rc = rare_token_candidates(s, &base, tokv, ntok, &ids)))
        goto fail;
    /* score */
    if ((rc = dup_sig_make(NULL, &dd, &dsig)))
        goto fail;
    out->v = calloc((size_t)(ids.n ? ids.n : 1), sizeof *out->v);
    if (!out->v) {
        rc = -JS_ENOMEM;
        goto fail;
    }
    for (int i = 0; i < ids.n; i++) {
        struct dup_candidate *c = &out->v[out->n];
        rc = s->ops->order_get(s, ids.v[i], &c->order);
        if (rc == -JS_ENOTFOUND) {
            order_release(&c->order);
            rc = 0;
            continue;
        }
        if (rc)
            goto fail;
        if (c->order.created_at < base.since) { /* outside the window (ids only bound it) */
            order_release(&c->order);
            continue;
        }
        struct dup_doc cd, fcd;
        struct folded cf;
        dupcheck_doc_of(&c->order, &cd);
        struct dup_sig csig;
        memset(&csig, 0, sizeof csig);
        rc = fold_doc(&cd, &cf, &fcd);
        if (!rc)
            rc = dup_sig_make(NULL, &fcd, &csig);
        if (!rc)
            c->score = dup_score(&dsig, &csig, &c->why);
        dup_sig_release(&csig);
        folded_release(&cf);
        if (rc) {
            order_release(&c->order);
            goto fail;
        }
        out->examined++;
        c->likely = c->score >= DUP_THRESHOLD;
        if (c->score < min_score) {
            order_release(&c->order);
            continue;
        }
        out->n++;
    }
    qsort(out->v, (size_t)out->n, sizeof *out->v, cmp_candidate);
    while (out->n > limit)
        order_release(&out->v[--out->n].order);
    goto out;
fail:
    js_fail(e, -rc, "", "查重失败");
    dup_result_release(out);
out:
    dup_sig_release(&dsig);
    folded_release(&fd);
    buf_release(&toks);
    return rc;
}
