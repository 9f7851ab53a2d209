/* A LIBLINEAR text classifier over string labels: hashed character n-gram features (friso words
 * optional), log-tf × idf weights, L2 norm (NB-SVM scaling optional); the trained weights are
 * kept per feature as int8 with a scale so that the model is compact and its binary form
 * self-contained. */
#include "compat.h"
#include "text/classify.h"

#define CLASSIFY_TEXT_HEAD 1500 /* bytes of the text whose words and n-grams count */
#include "text/fold.h"
#include "text/segment.h"
#include "util/jfield.h"

#include <linear.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC          "JSCLF002" /* 001: without head_bytes */
#define MAGIC_V1       "JSCLF001"
#define WEIGHT_BUDGET  (4u << 20) /* features × classes kept, at most */
#define FEATURES_LIMIT (1 << 16)
#define NODES_BUDGET   (5u << 20) /* LIBLINEAR nodes of a fit (16 bytes each), at most */

struct classifier {
    struct classifier_opts o;
    int n_class, n_feat;
    char **labels;  /* n_class, in the order of the weights */
    uint64_t *hash; /* n_feat, ascending */
    float *idf;     /* n_feat */
    float *scale;   /* n_feat: weight = scale × q */
    float *bias;    /* n_class */
    signed char *q; /* n_feat × n_class */
};

/* --- features ---------------------------------------------------------------------------- */

static void resolve(const struct classifier_opts *in, struct classifier_opts *o)
{
    static const struct classifier_opts zero;
    *o = in ? *in : zero;
    /* resolved values are stable under resolve: the model's options are resolved again */
    if (o->ngram_max == 0)
        o->ngram_max = 3;
    if (o->ngram_max < 0)
        o->ngram_max = -1;
    if (o->no_words == 0)
        o->no_words = 1;
    if (o->no_words < 0)
        o->no_words = -1;
    if (o->ngram_max > 4)
        o->ngram_max = 4;
    if (o->title_weight == 0)
        o->title_weight = 1;
    if (o->c <= 0)
        o->c = (o->solver == CLF_LR || o->solver == CLF_LR_PRIMAL) ? 30 : 1;
    if (o->temperature <= 0)
        o->temperature = 4;
    if (o->min_df <= 0)
        o->min_df = 2;
    if (o->min_per_class <= 0)
        o->min_per_class = 1;
    if (o->head_bytes <= 0)
        o->head_bytes = CLASSIFY_TEXT_HEAD;
    if (o->nb < 0)
        o->nb = 0;
    o->cancel = NULL; /* a model keeps no pointer to its training's flag */
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t hash_tok(char kind, const char *s, size_t n)
{
    return fnv(fnv(0xcbf29ce484222325ull, &kind, 1), s, n);
}

static int bag_add(struct clf_bag *b, uint64_t h, float v)
{
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 256;
        uint64_t *nh = realloc(b->h, (size_t)cap * sizeof *nh);
        if (!nh)
            return -JS_ENOMEM;
        b->h = nh;
        float *nv = realloc(b->v, (size_t)cap * sizeof *nv);
        if (!nv)
            return -JS_ENOMEM;
        b->v = nv;
        b->cap = cap;
    }
    b->h[b->n] = h;
    b->v[b->n] = v;
    b->n++;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the bag by hash and sums the counts of equal hashes. */
struct hv {
    uint64_t h; /* first: sorted with cmp_u64 */
    float v;
};

static int bag_finish(struct clf_bag *b)
{
    if (b->n == 0)
        return 0;
    struct hv *t = malloc((size_t)b->n * sizeof *t);
    if (!t)
        return -JS_ENOMEM;
    for (int i = 0; i < b->n; i++)
        t[i] = (struct hv){b->h[i], b->v[i]};
    qsort(t, (size_t)b->n, sizeof *t, cmp_u64);
    int k = 0;
    for (int i = 0; i < b->n; i++) {
        if (k && b->h[k - 1] == t[i].h) {
            b->v[k - 1] += t[i].v;
        } else {
            b->h[k] = t[i].h;
            b->v[k] = t[i].v;
            k++;
        }
    }
    b->n = k;
    free(t);
    return 0;
}

void clf_bag_release(struct clf_bag *b)
{
    if (!b)
        return;
    free(b->h);
    free(b->v);
    memset(b, 0, sizeof *b);
}

static size_t cp_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Adds the features of space-separated words: each word (kind w), pairs of words (kind p, when
 * asked), character n-grams of the words run together (kind c + n). */
static int add_words(struct clf_bag *b, const struct classifier_opts *o, const char *words, char kw,
                     char kp, char kc, float weight, bool grams)
{
    int rc = 0;
    size_t len = strlen(words);
    char *flat = malloc(len + 1);
    size_t *starts = malloc((len + 2) * sizeof *starts);
    if (!flat || !starts) {
        rc = -JS_ENOMEM;
        goto out;
    }
    size_t fl = 0, nc = 0;
    const char *prev = NULL;
    size_t prev_n = 0;
    for (const char *p = words; *p;) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (!n)
            continue;
        if (kw && (rc = bag_add(b, hash_tok(kw, w, n), weight)))
            goto out;
        if (kp && prev) {
            uint64_t h = fnv(hash_tok(kp, prev, prev_n), "\x01", 1);
            if ((rc = bag_add(b, fnv(h, w, n), weight)))
                goto out;
        }
        prev = w;
        prev_n = n;
        for (size_t i = 0; i < n; i += cp_len((unsigned char)w[i]))
            starts[nc++] = fl + i;
        memcpy(flat + fl, w, n);
        fl += n;
    }
    starts[nc] = fl;
    if (grams)
        for (int g = 1; g <= o->ngram_max; g++)
            for (size_t i = 0; i + (size_t)g <= nc; i++)
                if ((rc = bag_add(b,
                                  hash_tok((char)(kc + g), flat + starts[i],
                                           starts[i + (size_t)g] - starts[i]),
                                  weight)))
                    goto out;
out:
    free(flat);
    free(starts);
    return rc;
}

/* True for code points that carry meaning (as segment.c keeps them in words): letters, digits,
 * CJK; false for spaces, punctuation and decorative symbols. */
static bool is_word_cp(uint32_t c)
{
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c <= 0xBF || c == 0xD7 || c == 0xF7)
        return false;
    if ((c >= 0x2000 && c <= 0x206F) || (c >= 0x2190 && c <= 0x2BFF))
        return false;
    if (c >= 0x3000 && c <= 0x303F)
        return c >= 0x3005 && c <= 0x3007;
    if ((c >= 0xFE10 && c <= 0xFE1F) || (c >= 0xFE30 && c <= 0xFE6F))
        return false;
    if ((c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
        (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
        return false;
    return true;
}

/* Appends the folded letters, digits and CJK characters of text (simplified, lower case), run
 * together: one "word" whose character n-grams add_words makes. */
static int fold_chars(const char *text, struct buf *out)
{
    if (utf8_len(text) == (size_t)-1)
        return -JS_EUTF8;
    int rc = buf_append(out, "", 0);
    for (const char *p = text; !rc && *p;) {
        uint32_t cp = text_fold_cp(text_next_cp(&p));
        if (is_word_cp(cp))
            rc = text_put_cp(out, cp);
    }
    return rc;
}

int classifier_features(const struct classifier_opts *in, const char *title, const char *text,
                        struct clf_bag *bag)
{
    struct classifier_opts o;
    resolve(in, &o);
    bag->n = 0;
    struct buf tw, xw;
    buf_init(&tw, 0);
    buf_init(&xw, 0);
    int rc = 0;
    if (o.pre_segmented) {
        if ((title && (rc = add_words(bag, &o, title, 'w', 0, 0, 1, false))) ||
            (rc = add_words(bag, &o, text ? text : "", 'w', 0, 0, 1, false)))
            goto out;
        rc = bag_finish(bag);
        goto out;
    }
    /* the beginning of a long letter says what it is about; cutting words costs ~1 ms per KB */
    size_t hn = text ? strlen(text) : 0;
    if (hn > (size_t)o.head_bytes) {
        hn = (size_t)o.head_bytes;
        while (hn > 0 && ((unsigned char)text[hn] & 0xC0) == 0x80)
            hn--;
    }
    char *head = malloc(hn + 1);
    if (!head) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if (hn)
        memcpy(head, text, hn);
    head[hn] = '\0';
    if (o.no_words > 0 && !o.word_bigrams) {
        /* characters only: no friso, no lock */
        if ((title && (rc = fold_chars(title, &tw))) || (rc = fold_chars(head, &xw))) {
            free(head);
            goto out;
        }
    } else {
        struct segmenter *seg = segmenter_default();
        if (!seg) {
            free(head);
            rc = -JS_EINTERNAL;
            goto out;
        }
        if ((title && (rc = segmenter_cut(seg, title, &tw))) ||
            (rc = segmenter_cut(seg, head, &xw))) {
            free(head);
            goto out;
        }
    }
    free(head);
    char kw = o.no_words > 0 ? 0 : 'w', kp = o.word_bigrams ? 'p' : 0;
    bool grams = o.ngram_max > 0;
    if (tw.len && ((rc = add_words(bag, &o, tw.data, kw, kp, 'c', 1, grams)) ||
                   (o.title_weight > 0 && (rc = add_words(bag, &o, tw.data, kw ? 'W' : 0, 0, 'C',
                                                          (float)o.title_weight, grams)))))
        goto out;
    if (xw.len && (rc = add_words(bag, &o, xw.data, kw, kp, 'c', 1, grams)))
        goto out;
    rc = bag_finish(bag);
out:
    buf_release(&tw);
    buf_release(&xw);
    return rc;
}

/* --- training ---------------------------------------------------------------------------- */

static void quiet(const char *s)
{
    JS_UNUSED(s);
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void make_quiet(void)
{
    set_print_string_function(quiet);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int find_feature(const struct classifier *c, uint64_t h)
{
    int lo = 0, hi = c->n_feat - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (c->hash[mid] == h)
            return mid;
        if (c->hash[mid] < h)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static double tf_weight(const struct classifier *c, float count)
{
    return c->o.raw_tf ? count : 1 + log(count);
}

/* The weighted, normalised sparse vector of bag: indexes (ascending) and values; returns how
 * many. idx and val hold bag->n entries. */
static int vectorise(const struct classifier *c, const struct clf_bag *bag, int *idx, double *val)
{
    int k = 0;
    double norm = 0;
    for (int i = 0; i < bag->n; i++) {
        int f = find_feature(c, bag->h[i]);
        if (f < 0 || bag->v[i] <= 0)
            continue;
        idx[k] = f;
        val[k] = tf_weight(c, bag->v[i]) * c->idf[f];
        norm += val[k] * val[k];
        k++;
    }
    norm = norm > 0 ? 1 / sqrt(norm) : 0;
    for (int i = 0; i < k; i++)
        val[i] *= norm;
    return k;
}

struct df_entry {
    uint64_t h;
    int df;
};

static int cmp_df_desc(const void *a, const void *b)
{
    const struct df_entry *x = a, *y = b;
    if (x->df != y->df)
        return y->df - x->df;
    return x->h < y->h ? -1 : x->h > y->h;
}

static int cmp_df_hash(const void *a, const void *b)
{
    const struct df_entry *x = a, *y = b;
    return x->h < y->h ? -1 : x->h > y->h;
}

void classifier_free(struct classifier *c)
{
    if (!c)
        return;
    for (int i = 0; c->labels && i < c->n_class; i++)
        free(c->labels[i]);
    free(c->labels);
    free(c->hash);
    free(c->idf);
    free(c->scale);
    free(c->bias);
    free(c->q);
    free(c);
}

/* Allocates the arrays of a model of n_class classes and n_feat features. */
static int model_alloc(struct classifier *c, int n_class, int n_feat)
{
    c->n_class = n_class;
    c->n_feat = n_feat;
    c->labels = calloc((size_t)n_class, sizeof *c->labels);
    c->hash = malloc((size_t)(n_feat ? n_feat : 1) * sizeof *c->hash);
    c->idf = malloc((size_t)(n_feat ? n_feat : 1) * sizeof *c->idf);
    c->scale = malloc((size_t)(n_feat ? n_feat : 1) * sizeof *c->scale);
    c->bias = calloc((size_t)n_class, sizeof *c->bias);
    c->q = malloc((size_t)(n_feat ? n_feat : 1) * (size_t)n_class);
    return c->labels && c->hash && c->idf && c->scale && c->bias && c->q ? 0 : -JS_ENOMEM;
}

/* The training texts' features one at a time: the bags made beforehand, or each text cut again
 * into one reused bag, so that the features of all the texts are never in memory together (the
 * bags of 20,000 letters took about 380 MB). */
struct bag_src {
    const struct clf_bag *bags; /* NULL: cut docs[i] */
    const struct classifier_doc *docs;
    const struct classifier_opts *o;
    struct clf_bag tmp;
};

/* Points *out at the features of text i (valid until the next call). */
static int bag_get(struct bag_src *s, int i, const struct clf_bag **out, struct js_error *e)
{
    if (s->bags) {
        *out = &s->bags[i];
        return 0;
    }
    int rc = classifier_features(s->o, s->docs[i].title, s->docs[i].text, &s->tmp);
    if (rc)
        return js_fail(e, -rc, "text", "cannot read the words of text %d: %s", i + 1,
                       js_err_message(rc));
    *out = &s->tmp;
    return 0;
}

/* Document frequencies by feature hash, open addressing; a count of 0 marks a free slot. About
 * 12 bytes a slot, at most two slots a distinct feature (20,000 letters have about a million). */
struct df_table {
    uint64_t *h;
    uint32_t *n;
    size_t cap, used;
};

static size_t df_slot(uint64_t h, size_t mask)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (size_t)h & mask;
}

static int df_grow(struct df_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : (size_t)1 << 16, mask = cap - 1;
    uint64_t *h = malloc(cap * sizeof *h);
    uint32_t *n = calloc(cap, sizeof *n);
    if (!h || !n) {
        free(h);
        free(n);
        return -JS_ENOMEM;
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->n[i]) {
            size_t k = df_slot(t->h[i], mask);
            while (n[k])
                k = (k + 1) & mask;
            h[k] = t->h[i];
            n[k] = t->n[i];
        }
    free(t->h);
    free(t->n);
    t->h = h;
    t->n = n;
    t->cap = cap;
    return 0;
}

/* Counts one more text holding feature h. */
static int df_add(struct df_table *t, uint64_t h)
{
    if (2 * (t->used + 1) > t->cap) {
        int rc = df_grow(t);
        if (rc)
            return rc;
    }
    size_t mask = t->cap - 1, k = df_slot(h, mask);
    while (t->n[k] && t->h[k] != h)
        k = (k + 1) & mask;
    if (!t->n[k]) {
        t->h[k] = h;
        t->used++;
    }
    t->n[k]++;
    return 0;
}

static void df_table_release(struct df_table *t)
{
    free(t->h);
    free(t->n);
    memset(t, 0, sizeof *t);
}

/* 0, or -JS_ECANCELED with e filled once the training is asked to stop. */
static int stop_asked(const struct classifier_opts *in, struct js_error *e)
{
    return in && in->cancel && atomic_load(in->cancel) ? js_fail(e, JS_ECANCELED, "", "训练已中止")
                                                       : 0;
}

/* Chooses the features: those in at least min_df of the n_docs texts (keep[i] >= 0), at most
 * max_features of them, the most frequent; fills c's hashes and idf. *max_bag is the largest
 * bag seen, *n_bound the nodes the problem can need at most. */
static int choose_features(struct classifier *c, struct bag_src *src, const int *keep, int n,
                           int n_docs, const struct classifier_opts *in, int *max_bag,
                           size_t *n_bound, struct js_error *e)
{
    struct df_table t = {0};
    struct df_entry *df = NULL;
    int rc = 0;
    *max_bag = 0;
    *n_bound = 0;
    for (int i = 0; i < n && !rc; i++) {
        const struct clf_bag *b = NULL;
        if (!(rc = stop_asked(in, e)) && !(rc = bag_get(src, i, &b, e)) && keep[i] >= 0) {
            if (b->n > *max_bag)
                *max_bag = b->n;
            *n_bound += (size_t)b->n + 2;
            for (int j = 0; j < b->n && !rc; j++)
                if ((rc = df_add(&t, b->h[j])))
                    js_fail(e, JS_ENOMEM, "", "out of memory counting features");
        }
    }
    if (rc)
        goto out;
    size_t kept = 0;
    for (size_t i = 0; i < t.cap; i++)
        kept += t.n[i] >= (uint32_t)c->o.min_df;
    df = malloc((kept ? kept : 1) * sizeof *df);
    if (!df) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory counting features");
        goto out;
    }
    kept = 0;
    for (size_t i = 0; i < t.cap; i++)
        if (t.n[i] >= (uint32_t)c->o.min_df)
            df[kept++] = (struct df_entry){t.h[i], (int)t.n[i]};
    df_table_release(&t);
    int max_feat =
        c->o.max_features > 0 ? c->o.max_features : (int)(WEIGHT_BUDGET / (unsigned)c->n_class);
    if (max_feat > FEATURES_LIMIT && c->o.max_features <= 0)
        max_feat = FEATURES_LIMIT;
    /* by default also at most NODES_BUDGET nodes in LIBLINEAR's copy of the texts: a feature
     * costs a node in every text that holds it, and the most frequent are kept */
    size_t nodes = 2 * (size_t)n_docs;
    for (size_t i = 0; i < kept; i++)
        nodes += (size_t)df[i].df;
    bool over = c->o.max_features <= 0 && nodes > NODES_BUDGET;
    if (kept > (size_t)max_feat || over) {
        qsort(df, kept, sizeof *df, cmp_df_desc);
        if (kept > (size_t)max_feat)
            kept = (size_t)max_feat;
        nodes = 2 * (size_t)n_docs;
        for (size_t i = 0; over && i < kept; i++)
            if ((nodes += (size_t)df[i].df) > NODES_BUDGET)
                kept = i;
    }
    qsort(df, kept, sizeof *df, cmp_df_hash);
    if ((rc = model_alloc(c, c->n_class, (int)kept))) {
        js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    for (size_t i = 0; i < kept; i++) {
        c->hash[i] = df[i].h;
        c->idf[i] = (float)(log((1.0 + n_docs) / (1.0 + df[i].df)) + 1);
    }
out:
    df_table_release(&t);
    free(df);
    return rc;
}

/* LIBLINEAR's problem over the kept texts: x[d] points into *nodes (one node a kept feature, the
 * bias, the end), y[d] is the class. The nodes are allocated once at n_bound, and only the pages
 * written become resident: a growing array would leave its old copies as holes in the heap. */
static int make_problem(const struct classifier *c, struct bag_src *src, const int *keep, int n,
                        int max_bag, size_t n_bound, const struct classifier_opts *in,
                        struct feature_node **x, double *y, struct feature_node **nodes_out,
                        size_t *n_nodes, struct js_error *e)
{
    int *idx = malloc((size_t)(max_bag + 1) * sizeof *idx);
    double *val = malloc((size_t)(max_bag + 1) * sizeof *val);
    struct feature_node *nodes = malloc((n_bound ? n_bound : 1) * sizeof *nodes);
    size_t at = 0;
    int rc = 0, d = 0;
    if (!idx || !val || !nodes) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0)
            continue;
        const struct clf_bag *b = NULL;
        if ((rc = stop_asked(in, e)) || (rc = bag_get(src, i, &b, e)))
            break;
        if (b->n > max_bag || at + (size_t)b->n + 2 > n_bound) {
            /* the same text cut again is the same bag */
            rc = js_fail(e, JS_EINTERNAL, "text", "text %d changed while training", i + 1);
            break;
        }
        int nv = vectorise(c, b, idx, val);
        x[d] = nodes + at;
        for (int j = 0; j < nv; j++)
            nodes[at++] = (struct feature_node){idx[j] + 1, val[j]};
        nodes[at++] = (struct feature_node){c->n_feat + 1, 1.0};
        nodes[at++] = (struct feature_node){-1, 0};
        y[d++] = keep[i];
    }
    if (rc)
        goto out;
    *nodes_out = nodes;
    *n_nodes = at;
    nodes = NULL;
out:
    free(nodes);
    free(idx);
    free(val);
    return rc;
}

/* Fits class j against the rest and writes its weights (w[f × n_class + j]) and bias. NB-SVM
 * (Wang & Manning 2012) when o.nb > 0: the features are scaled by
 * r = log((a + Σ_j x / ‖a + Σ_j x‖₁) / (a + Σ_rest x / ‖…‖₁)), and the weights of the fitted model
 * times r are the weights over the unscaled features. */
struct ovr {
    const struct problem *prob;
    struct parameter param;
    struct feature_node *nodes;
    size_t n_nodes;
    const double *orig;      /* NB: the nodes' unscaled values */
    const double *sum, *tot; /* NB: Σ x per feature and class, per feature */
    double *r, *yb;
    const int *n_per;
    const double *wv; /* balanced: C factor of each class */
};

static int fit_one(struct classifier *c, struct ovr *v, int j, float *w, struct js_error *e)
{
    size_t nf = (size_t)c->n_feat, n_class = (size_t)c->n_class;
    int n_docs = v->prob->l;
    if (v->orig) {
        double a = c->o.nb, sp = 0, sq = 0;
        for (size_t f = 0; f < nf; f++) {
            double pj = v->sum[f * n_class + (size_t)j];
            sp += pj + a;
            sq += v->tot[f] - pj + a;
        }
        for (size_t f = 0; f < nf; f++) {
            double pj = v->sum[f * n_class + (size_t)j];
            v->r[f] = log((pj + a) / sp) - log((v->tot[f] - pj + a) / sq);
        }
        v->r[nf] = 1; /* the bias */
        for (size_t i = 0; i < v->n_nodes; i++)
            v->nodes[i].value =
                v->nodes[i].index > 0 ? v->orig[i] * v->r[v->nodes[i].index - 1] : 0;
    }
    for (int i = 0; i < n_docs; i++)
        v->yb[i] = (int)v->prob->y[i] == j ? 1 : -1;
    struct problem pj = *v->prob;
    pj.y = v->yb;
    struct parameter pb = v->param;
    static int lab[2] = {1, -1};
    double wt[2] = {1, 1};
    if (c->o.balanced && v->n_per[j] > 0) {
        /* NB: positives weighted as the rest; else as LIBLINEAR weighs class j of many */
        wt[0] = v->orig ? (double)(n_docs - v->n_per[j]) / v->n_per[j] : v->wv[j];
        pb.nr_weight = 2;
        pb.weight_label = lab;
        pb.weight = wt;
    }
    struct model *mb = train(&pj, &pb);
    if (!mb)
        return js_fail(e, JS_ENOMEM, "", "LIBLINEAR failed to train");
    int li = mb->label[0] == 1 ? 0 : 1;
    for (size_t f = 0; f < nf; f++)
        w[f * n_class + (size_t)j] =
            (float)(get_decfun_coef(mb, (int)f + 1, li) * (v->orig ? v->r[f] : 1));
    c->bias[j] = (float)get_decfun_bias(mb, li);
    free_and_destroy_model(&mb);
    return 0;
}

/* Trains from the features src gives of n labelled texts. */
static int train_src(struct bag_src *src, const char *const *labels, int n,
                     const struct classifier_opts *in, struct classifier **out, struct js_error *e)
{
    int rc = 0;
    *out = NULL;
    struct classifier *c = calloc(1, sizeof *c);
    char **names = NULL;
    int *cls = NULL, *count = NULL, *keep_cls = NULL, *keep = NULL;
    struct feature_node **x = NULL, *nodes = NULL;
    double *y = NULL, *wv = NULL, *sum = NULL, *tot = NULL, *r = NULL, *orig = NULL, *yb = NULL;
    float *w = NULL;
    int *wl = NULL, *n_per = NULL;
    struct model *m = NULL;
    if (!c || n < 0)
        return js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
    resolve(in, &c->o);
    pthread_once(&quiet_once, make_quiet);

    /* classes: the distinct labels, those with enough texts */
    names = malloc((size_t)(n ? n : 1) * sizeof *names);
    cls = malloc((size_t)(n ? n : 1) * sizeof *cls);
    count = calloc((size_t)(n ? n : 1), sizeof *count);
    keep_cls = malloc((size_t)(n ? n : 1) * sizeof *keep_cls);
    keep = malloc((size_t)(n ? n : 1) * sizeof *keep);
    if (!names || !cls || !count || !keep_cls || !keep) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    for (int i = 0; i < n; i++)
        names[i] = (char *)labels[i];
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int n_names = 0;
    for (int i = 0; i < n; i++)
        if (!n_names || strcmp(names[n_names - 1], names[i]) != 0)
            names[n_names++] = names[i];
    for (int i = 0; i < n; i++) {
        char **p = bsearch(&labels[i], names, (size_t)n_names, sizeof *names, cmp_str);
        cls[i] = (int)(p - names);
        count[cls[i]]++;
    }
    int n_class = 0;
    for (int k = 0; k < n_names; k++)
        keep_cls[k] = count[k] >= c->o.min_per_class ? n_class++ : -1;
    if (n_class < 2) {
        rc = js_fail(e, JS_EINVAL, "label",
                     "at least two classes with %d texts each are needed, found %d",
                     c->o.min_per_class, n_class);
        goto out;
    }
    c->n_class = n_class;
    int n_docs = 0;
    for (int i = 0; i < n; i++)
        if ((keep[i] = keep_cls[cls[i]]) >= 0)
            n_docs++;

    /* the features, then the LIBLINEAR problem over them */
    int max_bag = 0;
    size_t n_bound = 0;
    if ((rc = choose_features(c, src, keep, n, n_docs, in, &max_bag, &n_bound, e)))
        goto out;
    x = malloc((size_t)n_docs * sizeof *x);
    y = malloc((size_t)n_docs * sizeof *y);
    if (!x || !y) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    size_t n_nodes = 0;
    if ((rc = make_problem(c, src, keep, n, max_bag, n_bound, in, x, y, &nodes, &n_nodes, e)))
        goto out;
    struct problem prob = {.l = n_docs, .n = c->n_feat + 1, .y = y, .x = x, .bias = 1.0};
    static const int solvers[] = {L2R_LR_DUAL, L2R_L2LOSS_SVC_DUAL, MCSVM_CS, L2R_LR};
    int solver = c->o.solver >= 0 && c->o.solver < (int)JS_ARRAY_LEN(solvers) ? c->o.solver : 0;
    if (c->o.nb > 0 && solvers[solver] == MCSVM_CS)
        solver = CLF_SVM;
    struct parameter param = {
        .solver_type = solvers[solver], .eps = solvers[solver] == L2R_LR ? 0.01 : 0.1, .C = c->o.c};
    /* class-balanced C: a class of s texts gets C × (texts / classes) / s */
    wl = malloc((size_t)n_class * sizeof *wl);
    wv = malloc((size_t)n_class * sizeof *wv);
    n_per = calloc((size_t)n_class, sizeof *n_per);
    if (!wl || !wv || !n_per) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    for (int i = 0; i < n_docs; i++)
        n_per[(int)y[i]]++;
    for (int j = 0; j < n_class; j++) {
        wl[j] = j;
        wv[j] = n_per[j] ? (double)n_docs / n_class / n_per[j] : 1;
    }
    if (c->o.balanced) {
        param.nr_weight = n_class;
        param.weight_label = wl;
        param.weight = wv;
    }
    const char *why = check_parameter(&prob, &param);
    if (why) {
        rc = js_fail(e, JS_EINVAL, "", "LIBLINEAR: %s", why);
        goto out;
    }
    for (int j = 0; j < n_class; j++) {
        c->labels[j] = NULL;
        int orig_k = -1;
        for (int kk = 0; kk < n_names; kk++)
            if (keep_cls[kk] == j)
                orig_k = kk;
        c->labels[j] = strdup(orig_k >= 0 ? names[orig_k] : "");
        if (!c->labels[j]) {
            rc = js_fail(e, JS_ENOMEM, "", "out of memory");
            goto out;
        }
    }
    /* full weights, class j of feature f at w[f × n_class + j] */
    size_t nf = (size_t)c->n_feat;
    w = calloc(nf * (size_t)n_class + 1, sizeof *w);
    if (!w) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
        goto out;
    }
    if (c->o.nb > 0 || (solvers[solver] != MCSVM_CS && n_class > 2)) {
        /* one class against the rest at a time, as LIBLINEAR would, but stoppable between
         * classes and without LIBLINEAR's copy of every class's weights in doubles */
        struct ovr v = {.prob = &prob,
                        .param = param,
                        .nodes = nodes,
                        .n_nodes = n_nodes,
                        .n_per = n_per,
                        .wv = wv};
        v.param.nr_weight = 0;
        v.param.weight_label = NULL;
        v.param.weight = NULL;
        yb = malloc((size_t)n_docs * sizeof *yb);
        if (!yb) {
            rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
            goto out;
        }
        v.yb = yb;
        if (c->o.nb > 0) {
            sum = calloc(nf * (size_t)n_class, sizeof *sum);
            tot = calloc(nf, sizeof *tot);
            r = malloc((nf + 1) * sizeof *r);
            orig = malloc(n_nodes * sizeof *orig);
            if (!sum || !tot || !r || !orig) {
                rc = js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
                goto out;
            }
            for (size_t i = 0; i < n_nodes; i++)
                orig[i] = nodes[i].value;
            for (int i = 0; i < n_docs; i++)
                for (struct feature_node *p = x[i]; p->index != -1; p++)
                    if (p->index <= c->n_feat) {
                        sum[(size_t)(p->index - 1) * (size_t)n_class + (size_t)y[i]] += p->value;
                        tot[p->index - 1] += p->value;
                    }
            v.sum = sum;
            v.tot = tot;
            v.r = r;
            v.orig = orig;
        }
        for (int j = 0; j < n_class && !rc; j++)
            if (!(rc = stop_asked(in, e)))
                rc = fit_one(c, &v, j, w, e);
        if (rc)
            goto out;
    } else {
        m = train(&prob, &param);
        if (!m) {
            rc = js_fail(e, JS_ENOMEM, "", "LIBLINEAR failed to train");
            goto out;
        }
        /* LIBLINEAR's class order: label[k] is our class */
        for (int kk = 0; kk < n_class; kk++) {
            int j = (int)m->label[kk];
            c->bias[j] = (float)get_decfun_bias(m, kk);
            for (size_t f = 0; f < nf; f++)
                w[f * (size_t)n_class + (size_t)j] = (float)get_decfun_coef(m, (int)f + 1, kk);
        }
    }

    /* the weights as int8 with a scale per feature */
    for (size_t f = 0; f < nf; f++) {
        const float *wf = w + f * (size_t)n_class;
        double mx = 0;
        for (int j = 0; j < n_class; j++)
            if (fabs(wf[j]) > mx)
                mx = fabs(wf[j]);
        c->scale[f] = (float)(mx / 127);
        for (int j = 0; j < n_class; j++)
            c->q[f * (size_t)n_class + (size_t)j] =
                (signed char)(mx > 0 ? lround(wf[j] / c->scale[f]) : 0);
    }
    *out = c;
    c = NULL;
out:
    if (m)
        free_and_destroy_model(&m);
    classifier_free(c);
    free(names);
    free(cls);
    free(count);
    free(keep_cls);
    free(keep);
    free(x);
    free(nodes);
    free(y);
    free(w);
    free(wv);
    free(wl);
    free(n_per);
    free(sum);
    free(tot);
    free(r);
    free(orig);
    free(yb);
    return rc;
}

int classifier_train_bags(const struct clf_bag *bags, const char *const *labels, int n,
                          const struct classifier_opts *o, struct classifier **out,
                          struct js_error *e)
{
    struct bag_src src = {.bags = bags};
    return train_src(&src, labels, n, o, out, e);
}

int classifier_train(const struct classifier_doc *docs, int n, const struct classifier_opts *o,
                     struct classifier **out, struct js_error *e)
{
    *out = NULL;
    const char **labels = malloc((size_t)(n > 0 ? n : 1) * sizeof *labels);
    if (!labels)
        return js_fail(e, JS_ENOMEM, "", "out of memory training a classifier");
    for (int i = 0; i < n; i++)
        labels[i] = docs[i].label ? docs[i].label : "";
    struct bag_src src = {.docs = docs, .o = o};
    int rc = train_src(&src, labels, n, o, out, e);
    clf_bag_release(&src.tmp);
    free(labels);
    return rc;
}

/* --- prediction -------------------------------------------------------------------------- */

int classifier_predict_bag(const struct classifier *c, const struct clf_bag *bag, int k,
                           struct classifier_hit *hits, int *n)
{
    *n = 0;
    if (!c || k <= 0)
        return c ? 0 : -JS_EINVAL;
    int rc = 0;
    int *idx = malloc((size_t)(bag->n + 1) * sizeof *idx);
    double *val = malloc((size_t)(bag->n + 1) * sizeof *val);
    double *score = malloc((size_t)c->n_class * sizeof *score);
    if (!idx || !val || !score) {
        rc = -JS_ENOMEM;
        goto out;
    }
    int nv = vectorise(c, bag, idx, val);
    for (int j = 0; j < c->n_class; j++)
        score[j] = c->bias[j];
    for (int i = 0; i < nv; i++) {
        const signed char *q = c->q + (size_t)idx[i] * (size_t)c->n_class;
        double v = val[i] * c->scale[idx[i]];
        for (int j = 0; j < c->n_class; j++)
            score[j] += v * q[j];
    }
    double sum = 0;
    if (c->o.solver == CLF_LR || c->o.solver == CLF_LR_PRIMAL) {
        for (int j = 0; j < c->n_class; j++)
            sum += (score[j] = 1 / (1 + exp(-score[j])));
    } else {
        double mx = score[0];
        for (int j = 1; j < c->n_class; j++)
            if (score[j] > mx)
                mx = score[j];
        for (int j = 0; j < c->n_class; j++)
            sum += (score[j] = exp(c->o.temperature * (score[j] - mx)));
    }
    if (k > c->n_class)
        k = c->n_class;
    for (int r = 0; r < k; r++) {
        int best = -1;
        for (int j = 0; j < c->n_class; j++)
            if (score[j] >= 0 && (best < 0 || score[j] > score[best]))
                best = j;
        hits[r].label = c->labels[best];
        hits[r].confidence = sum > 0 ? score[best] / sum : 0;
        score[best] = -1;
    }
    *n = k;
out:
    free(idx);
    free(val);
    free(score);
    return rc;
}

int classifier_predict(const struct classifier *c, const char *title, const char *text, int k,
                       struct classifier_hit *hits, int *n)
{
    *n = 0;
    if (!c)
        return -JS_EINVAL;
    struct clf_bag bag = {0};
    int rc = classifier_features(&c->o, title, text, &bag);
    if (!rc)
        rc = classifier_predict_bag(c, &bag, k, hits, n);
    clf_bag_release(&bag);
    return rc;
}

const struct classifier_opts *classifier_opts_of(const struct classifier *c)
{
    return &c->o;
}

int classifier_classes(const struct classifier *c)
{
    return c ? c->n_class : 0;
}

int classifier_features_kept(const struct classifier *c)
{
    return c ? c->n_feat : 0;
}

const char *classifier_label(const struct classifier *c, int i)
{
    return c && i >= 0 && i < c->n_class ? c->labels[i] : NULL;
}

/* --- binary form: little-endian, MAGIC first --------------------------------------------- */

static int put_u32(struct buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return buf_append(b, p, 4);
}

static int put_u64(struct buf *b, uint64_t v)
{
    int rc = put_u32(b, (uint32_t)v);
    return rc ? rc : put_u32(b, (uint32_t)(v >> 32));
}

static int put_f32(struct buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    return put_u32(b, v);
}

static int put_f64(struct buf *b, double f)
{
    uint64_t v;
    memcpy(&v, &f, 8);
    return put_u64(b, v);
}

int classifier_save(const struct classifier *c, struct buf *out)
{
    if (!c)
        return -JS_EINVAL;
    const struct classifier_opts *o = &c->o;
    int rc = buf_append(out, MAGIC, 8);
    int32_t ints[] = {o->ngram_max, o->no_words,   o->word_bigrams, o->pre_segmented, o->raw_tf,
                      o->solver,    o->min_df,     o->max_features, o->min_per_class, c->n_class,
                      c->n_feat,    o->head_bytes, o->balanced};
    for (size_t i = 0; !rc && i < JS_ARRAY_LEN(ints); i++)
        rc = put_u32(out, (uint32_t)ints[i]);
    double dbl[] = {o->title_weight, o->c, o->temperature, o->nb};
    for (size_t i = 0; !rc && i < JS_ARRAY_LEN(dbl); i++)
        rc = put_f64(out, dbl[i]);
    for (int j = 0; !rc && j < c->n_class; j++) {
        size_t len = strlen(c->labels[j]);
        if (!(rc = put_u32(out, (uint32_t)len)))
            rc = buf_append(out, c->labels[j], len);
    }
    for (int f = 0; !rc && f < c->n_feat; f++)
        rc = put_u64(out, c->hash[f]);
    for (int f = 0; !rc && f < c->n_feat; f++)
        rc = put_f32(out, c->idf[f]);
    for (int f = 0; !rc && f < c->n_feat; f++)
        rc = put_f32(out, c->scale[f]);
    for (int j = 0; !rc && j < c->n_class; j++)
        rc = put_f32(out, c->bias[j]);
    if (!rc)
        rc = buf_append(out, c->q, (size_t)c->n_feat * (size_t)c->n_class);
    return rc;
}

struct reader {
    const unsigned char *p;
    size_t left;
    bool bad;
};

static const unsigned char *take(struct reader *r, size_t n)
{
    if (r->bad || r->left < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    r->left -= n;
    return p;
}

static uint32_t get_u32(struct reader *r)
{
    const unsigned char *p = take(r, 4);
    return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
             : 0;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

static float get_f32(struct reader *r)
{
    uint32_t v = get_u32(r);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

static double get_f64(struct reader *r)
{
    uint64_t v = get_u64(r);
    double f;
    memcpy(&f, &v, 8);
    return f;
}

int classifier_load(const void *data, size_t size, struct classifier **out, struct js_error *e)
{
    *out = NULL;
    struct reader r = {data, size, false};
    const unsigned char *magic = take(&r, 8);
    bool v1 = magic && memcmp(magic, MAGIC_V1, 8) == 0;
    if (!magic || (!v1 && memcmp(magic, MAGIC, 8) != 0))
        return js_fail(e, JS_EINVAL, "model", "not a jiesu classifier model");
    struct classifier *c = calloc(1, sizeof *c);
    if (!c)
        return js_fail(e, JS_ENOMEM, "", NULL);
    int rc = 0;
    struct classifier_opts *o = &c->o;
    o->ngram_max = (int32_t)get_u32(&r);
    o->no_words = (int32_t)get_u32(&r);
    o->word_bigrams = (int32_t)get_u32(&r);
    o->pre_segmented = (int32_t)get_u32(&r);
    o->raw_tf = (int32_t)get_u32(&r);
    o->solver = (int32_t)get_u32(&r);
    o->min_df = (int32_t)get_u32(&r);
    o->max_features = (int32_t)get_u32(&r);
    o->min_per_class = (int32_t)get_u32(&r);
    int32_t n_class = (int32_t)get_u32(&r), n_feat = (int32_t)get_u32(&r);
    if (v1) { /* stored resolved the old way: no_words 0 was words, ngram_max 0 none */
        o->no_words = o->no_words ? 1 : -1;
        o->ngram_max = o->ngram_max ? o->ngram_max : -1;
    }
    o->head_bytes = v1 ? CLASSIFY_TEXT_HEAD : (int32_t)get_u32(&r);
    o->balanced = v1 ? 0 : (int32_t)get_u32(&r);
    o->title_weight = get_f64(&r);
    o->c = get_f64(&r);
    o->temperature = get_f64(&r);
    o->nb = v1 ? 0 : get_f64(&r);
    if (o->head_bytes <= 0)
        o->head_bytes = CLASSIFY_TEXT_HEAD;
    if (r.bad || n_class < 2 || n_class > 1000000 || n_feat < 0 ||
        (uint64_t)n_feat * (uint64_t)(n_class + 16) > size) {
        rc = js_fail(e, JS_EINVAL, "model", "a damaged classifier model");
        goto out;
    }
    if ((rc = model_alloc(c, n_class, n_feat))) {
        js_fail(e, JS_ENOMEM, "", NULL);
        goto out;
    }
    for (int j = 0; j < n_class; j++) {
        uint32_t len = get_u32(&r);
        const unsigned char *p = take(&r, len);
        c->labels[j] = p ? strndup((const char *)p, len) : NULL;
        if (!c->labels[j]) {
            rc = js_fail(e, p ? JS_ENOMEM : JS_EINVAL, "model", "a damaged classifier model");
            goto out;
        }
    }
    for (int f = 0; f < n_feat; f++)
        c->hash[f] = get_u64(&r);
    for (int f = 0; f < n_feat; f++)
        c->idf[f] = get_f32(&r);
    for (int f = 0; f < n_feat; f++)
        c->scale[f] = get_f32(&r);
    for (int j = 0; j < n_class; j++)
        c->bias[j] = get_f32(&r);
    const unsigned char *q = take(&r, (size_t)n_feat * (size_t)n_class);
    if (!q || r.left) {
        rc = js_fail(e, JS_EINVAL, "model", "a damaged classifier model");
        goto out;
    }
    memcpy(c->q, q, (size_t)n_feat * (size_t)n_class);
    for (int f = 1; f < n_feat; f++)
        if (c->hash[f - 1] >= c->hash[f]) {
            rc = js_fail(e, JS_EINVAL, "model", "a damaged classifier model");
            goto out;
        }
    *out = c;
    c = NULL;
out:
    classifier_free(c);
    return rc;
}
