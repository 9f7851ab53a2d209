/* Benchmark of the suggestions (issue 9): 10-fold cross-validation on the 7 classes of
 * ../shared/data/tipdm2020c/train.csv (never any other data) of (a) jiesu's classifier with its
 * default options (character 1-3-grams, LIBLINEAR) and (b) the standard baseline,
 * TF-IDF over the given segmented_text words + linear SVM (LIBLINEAR, C chosen by the same
 * cross-validation), printing top-1 and top-3 accuracy of both and the time of one suggestion
 * (features + model, p50/p99 over every test row). Folds are fixed: rows are shuffled by a
 * seeded generator and dealt round-robin. --tune prints a grid of other options too (--pick 1,4:
 * only those entries of it, without (a) and (b)). */
#include "compat.h"
#include "text/classify.h"
#include "util/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FOLDS 10

struct row {
    char *label, *title, *text, *seg;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int load(const char *path, struct row **out, int *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_classify: cannot open %s\n", path);
        return -1;
    }
    struct csv_reader r;
    csv_init(&r, f, 0);
    struct js_error e;
    bool got = false;
    int rc = -1, cap = 0, cl = -1, ct = -1, cx = -1, cs = -1;
    *out = NULL;
    *n = 0;
    if (csv_next(&r, &got, &e) || !got)
        goto out;
    cl = csv_find(&r, "label");
    ct = csv_find(&r, "title");
    cx = csv_find(&r, "text");
    cs = csv_find(&r, "segmented_text");
    if (cl < 0 || ct < 0 || cx < 0 || cs < 0) {
        fprintf(stderr, "bench_classify: %s lacks label/title/text/segmented_text\n", path);
        goto out;
    }
    while (!csv_next(&r, &got, &e) && got) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct row *nr = realloc(*out, (size_t)cap * sizeof *nr);
            if (!nr)
                goto out;
            *out = nr;
        }
        struct row *w = &(*out)[(*n)++];
        w->label = strdup(csv_field(&r, cl));
        w->title = strdup(csv_field(&r, ct));
        w->text = strdup(csv_field(&r, cx));
        w->seg = strdup(csv_field(&r, cs));
        if (!w->label || !w->title || !w->text || !w->seg)
            goto out;
    }
    rc = 0;
out:
    csv_release(&r);
    fclose(f);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct result {
    double top1, top3, p50_us, p99_us, model_kb;
    double cpu_p50_us, cpu_p99_us; /* the thread's CPU time: without preemption on a busy host */
};

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Cross-validates options o over rows (bags made once); timing includes making the features of
 * each test row from its text, as a suggestion does. */
static int crossval2(const struct row *rows, int n, const int *fold,
                     const struct classifier_opts *o, const struct classifier_opts *o2, bool timed,
                     struct result *res);

static int crossval(const struct row *rows, int n, const int *fold, const struct classifier_opts *o,
                    bool timed, struct result *res)
{
    return crossval2(rows, n, fold, o, NULL, timed, res);
}

static const char *row_title(const struct classifier_opts *o, const struct row *r)
{
    return o->pre_segmented ? NULL : r->title;
}

static const char *row_text(const struct classifier_opts *o, const struct row *r)
{
    return o->pre_segmented ? r->seg : r->text;
}

#define MAXC 64

/* The mean of two models' confidences, best first into hits (at most 3). */
static void ensemble(const struct classifier *c1, const struct classifier *c2,
                     const struct clf_bag *b1, const struct clf_bag *b2,
                     struct classifier_hit *hits, int *nh)
{
    struct classifier_hit h1[MAXC], h2[MAXC];
    int n1 = 0, n2 = 0;
    classifier_predict_bag(c1, b1, MAXC, h1, &n1);
    classifier_predict_bag(c2, b2, MAXC, h2, &n2);
    for (int i = 0; i < n1; i++)
        for (int j = 0; j < n2; j++)
            if (strcmp(h1[i].label, h2[j].label) == 0)
                h1[i].confidence = (h1[i].confidence + h2[j].confidence) / 2;
    *nh = n1 < 3 ? n1 : 3;
    for (int r = 0; r < *nh; r++) {
        int best = r;
        for (int i = r + 1; i < n1; i++)
            if (h1[i].confidence > h1[best].confidence)
                best = i;
        struct classifier_hit t = h1[r];
        h1[r] = h1[best];
        h1[best] = t;
        hits[r] = h1[r];
    }
}

static int crossval2(const struct row *rows, int n, const int *fold,
                     const struct classifier_opts *o, const struct classifier_opts *o2, bool timed,
                     struct result *res)
{
    struct clf_bag *bags2 = o2 ? calloc((size_t)n, sizeof *bags2) : NULL;
    struct clf_bag *tb2 = o2 ? calloc((size_t)n, sizeof *tb2) : NULL;
    if (o2 && (!bags2 || !tb2))
        return -1;
    for (int i = 0; o2 && i < n; i++)
        if (classifier_features(o2, row_title(o2, &rows[i]), row_text(o2, &rows[i]), &bags2[i]))
            return -1;
    struct clf_bag *bags = calloc((size_t)n, sizeof *bags);
    const char **labels = malloc((size_t)n * sizeof *labels);
    struct clf_bag *tb = calloc((size_t)n, sizeof *tb);
    const char **tl = malloc((size_t)n * sizeof *tl);
    double *times = malloc((size_t)n * sizeof *times);
    double *cpu = malloc((size_t)n * sizeof *cpu);
    int rc = -1, ok1 = 0, ok3 = 0, nt = 0;
    double kb = 0;
    if (!bags || !labels || !tb || !tl || !times || !cpu)
        goto out;
    for (int i = 0; i < n; i++) {
        const char *title = o->pre_segmented ? NULL : rows[i].title;
        const char *text = o->pre_segmented ? rows[i].seg : rows[i].text;
        if (classifier_features(o, title, text, &bags[i]))
            goto out;
        labels[i] = rows[i].label;
    }
    for (int k = 0; k < FOLDS; k++) {
        int m = 0;
        for (int i = 0; i < n; i++)
            if (fold[i] != k) {
                tb[m] = bags[i];
                if (o2)
                    tb2[m] = bags2[i];
                tl[m++] = labels[i];
            }
        struct classifier *c = NULL, *c2 = NULL;
        struct js_error e;
        if (classifier_train_bags(tb, tl, m, o, &c, &e) ||
            (o2 && classifier_train_bags(tb2, tl, m, o2, &c2, &e))) {
            fprintf(stderr, "bench_classify: %s\n", e.message);
            goto out;
        }
        struct buf b;
        buf_init(&b, 0);
        classifier_save(c, &b);
        kb += (double)b.len / 1024 / FOLDS;
        buf_release(&b);
        for (int i = 0; i < n; i++) {
            if (fold[i] != k)
                continue;
            struct classifier_hit hits[3];
            int nh = 0;
            double t0 = now_s(), u0 = cpu_s();
            if (o2) {
                ensemble(c, c2, &bags[i], &bags2[i], hits, &nh);
            } else if (timed) {
                const char *title = o->pre_segmented ? NULL : rows[i].title;
                const char *text = o->pre_segmented ? rows[i].seg : rows[i].text;
                classifier_predict(c, title, text, 3, hits, &nh);
            } else {
                classifier_predict_bag(c, &bags[i], 3, hits, &nh);
            }
            cpu[nt] = cpu_s() - u0;
            times[nt++] = now_s() - t0;
            for (int h = 0; h < nh; h++)
                if (strcmp(hits[h].label, rows[i].label) == 0) {
                    ok1 += h == 0;
                    ok3++;
                }
        }
        classifier_free(c);
        classifier_free(c2);
    }
    qsort(times, (size_t)nt, sizeof *times, cmp_double);
    qsort(cpu, (size_t)nt, sizeof *cpu, cmp_double);
    res->cpu_p50_us = timed ? cpu[nt / 2] * 1e6 : 0;
    res->cpu_p99_us = timed ? cpu[(size_t)(nt * 0.99)] * 1e6 : 0;
    res->top1 = (double)ok1 / n;
    res->top3 = (double)ok3 / n;
    res->p50_us = timed ? times[nt / 2] * 1e6 : 0; /* untimed: features were made before */
    res->p99_us = timed ? times[(size_t)(nt * 0.99)] * 1e6 : 0;
    res->model_kb = kb;
    rc = 0;
out:
    for (int i = 0; bags && i < n; i++)
        clf_bag_release(&bags[i]);
    free(bags);
    free(labels);
    free(tb);
    free(tl);
    free(times);
    free(cpu);
    for (int i = 0; bags2 && i < n; i++)
        clf_bag_release(&bags2[i]);
    free(bags2);
    free(tb2);
    return rc;
}

static void print_result(const char *name, const struct classifier_opts *o, const struct result *r)
{
    printf("  %-44s top-1 %.4f  top-3 %.4f", name, r->top1, r->top3);
    if (r->p50_us > 0)
        printf("  suggestion p50 %.0f µs p99 %.0f µs (CPU %.0f / %.0f µs)", r->p50_us, r->p99_us,
               r->cpu_p50_us, r->cpu_p99_us);
    printf("  model %.0f KB", r->model_kb);
    if (o->c > 0)
        printf("  (C=%g)", o->c);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *path = JIESU_SOURCE_DIR "/../shared/data/tipdm2020c/train.csv";
    bool tune = false;
    const char *pick = NULL; /* --tune 1,2,5: only those entries of the grid */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tune") == 0)
            tune = true;
        else if (strcmp(argv[i], "--pick") == 0 && i + 1 < argc)
            tune = true, pick = argv[++i];
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_classify [--data train.csv] [--tune | --pick 1,2,5]\n");
            return 2;
        }
    }
    struct row *rows = NULL;
    int n = 0;
    if (load(path, &rows, &n))
        return 1;
    /* deterministic folds: a seeded Fisher-Yates shuffle, then round-robin */
    int *perm = malloc((size_t)n * sizeof *perm), *fold = malloc((size_t)n * sizeof *fold);
    if (!perm || !fold)
        return 1;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    uint64_t st = 20261122;
    for (int i = n - 1; i > 0; i--) {
        st = st * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((st >> 33) % (uint64_t)(i + 1));
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < n; i++)
        fold[perm[i]] = i % FOLDS;
    printf("bench_classify: %d rows of %s, %d-fold cross-validation\n", n, path, FOLDS);

    struct result r;
    double t0 = now_s();
    /* (b) the baseline: TF-IDF (raw tf × smooth idf, L2) over segmented_text + linear SVM */
    static const double cs[] = {0.1, 0.3, 1, 3};
    struct classifier_opts best_b = {0};
    struct result best_br = {0};
    for (size_t i = 0; !pick && i < JS_ARRAY_LEN(cs); i++) {
        struct classifier_opts b = {
            .pre_segmented = 1, .raw_tf = 1, .min_df = 1, .solver = CLF_SVM, .c = cs[i]};
        if (crossval(rows, n, fold, &b, false, &r))
            return 1;
        if (tune)
            print_result("baseline TF-IDF words + linear SVM", &b, &r);
        if (r.top1 > best_br.top1) {
            best_br = r;
            best_b = b;
        }
    }
    if (!pick)
        crossval(rows, n, fold, &best_b, true, &best_br);
    if (!pick)
        printf("(b) baseline, TF-IDF over segmented_text + linear SVM (LIBLINEAR), best C of "
               "{0.1, 0.3, 1, 3}:\n");
    if (!pick)
        print_result("baseline", &best_b, &best_br);

    if (tune) {
        /* every entry on the same folds, features made once, untimed; o2: an ensemble (mean of
         * the two models' confidences) */
        static const struct {
            const char *name;
            struct classifier_opts o, o2;
        } grid[] = {
            {"0 words + chars 1-2, LR C=30 (old default)",
             {.no_words = -1, .ngram_max = 2, .solver = CLF_LR, .c = 30},
             {0}},
            {"1 words + chars 1-2, SVM C=1",
             {.no_words = -1, .ngram_max = 2, .solver = CLF_SVM, .c = 1},
             {0}},
            {"2 chars 1-3, no friso, LR C=30", {.no_words = 1, .ngram_max = 3, .c = 30}, {0}},
            {"3 chars 1-4, no friso, LR C=30", {.no_words = 1, .ngram_max = 4, .c = 30}, {0}},
            {"4 chars 1-3, no friso, SVM C=1",
             {.no_words = 1, .ngram_max = 3, .solver = CLF_SVM, .c = 1},
             {0}},
            {"5 chars 1-4, no friso, SVM C=1",
             {.no_words = 1, .ngram_max = 4, .solver = CLF_SVM, .c = 1},
             {0}},
            {"6 NB-LR words + chars 1-2, C=30",
             {.no_words = -1, .ngram_max = 2, .nb = 1, .c = 30},
             {0}},
            {"7 NB-SVM words + chars 1-2, C=1",
             {.no_words = -1, .ngram_max = 2, .nb = 1, .solver = CLF_SVM, .c = 1},
             {0}},
            {"8 NB-SVM chars 1-3, C=1",
             {.nb = 1, .no_words = 1, .ngram_max = 3, .solver = CLF_SVM, .c = 1},
             {0}},
            {"9 NB-LR chars 1-3, C=30", {.nb = 1, .no_words = 1, .ngram_max = 3, .c = 30}, {0}},
            {"10 words + word bigrams + chars 1-2, LR C=30",
             {.no_words = -1, .ngram_max = 2, .word_bigrams = 1, .c = 30},
             {0}},
            {"11 words + chars 1-2, title x2, LR C=30",
             {.no_words = -1, .ngram_max = 2, .title_weight = 2, .c = 30},
             {0}},
            {"12 words + chars 1-2, no title apart, LR C=30",
             {.no_words = -1, .ngram_max = 2, .title_weight = -1, .c = 30},
             {0}},
            {"13 words + chars 1-2, balanced C, LR C=30",
             {.no_words = -1, .ngram_max = 2, .balanced = 1, .c = 30},
             {0}},
            {"14 LR + SVM, words + chars 1-2",
             {.no_words = -1, .ngram_max = 2, .c = 30},
             {.no_words = -1, .ngram_max = 2, .solver = CLF_SVM, .c = 1}},
            {"15 LR + SVM, chars 1-3",
             {.no_words = 1, .ngram_max = 3, .c = 30},
             {.no_words = 1, .ngram_max = 3, .solver = CLF_SVM, .c = 1}},
            {"16 LR words+chars 1-2 + LR chars 1-4",
             {.no_words = -1, .ngram_max = 2, .c = 30},
             {.no_words = 1, .ngram_max = 4, .c = 30}},
            {"17 chars 1-3, no friso, LR C=100", {.no_words = 1, .ngram_max = 3, .c = 100}, {0}},
            {"18 NB-SVM chars 1-3, C=0.3",
             {.nb = 1, .no_words = 1, .ngram_max = 3, .solver = CLF_SVM, .c = 0.3},
             {0}},
            {"19 NB-LR chars 1-3, C=10", {.nb = 1, .no_words = 1, .ngram_max = 3, .c = 10}, {0}},
            {"20 NB-LR words + chars 1-3, C=30",
             {.no_words = -1, .nb = 1, .ngram_max = 3, .c = 30},
             {0}},
            {"21 words + chars 1-3, SVM C=1",
             {.no_words = -1, .ngram_max = 3, .solver = CLF_SVM, .c = 1},
             {0}},
            {"22 chars 1-3, LR, timed", {.no_words = 1, .ngram_max = 3, .c = 30}, {0}},
            {"23 chars 1-3, LR, 1000 B, timed",
             {.no_words = 1, .ngram_max = 3, .c = 30, .head_bytes = 1000},
             {0}},
            {"24 chars 1-3, LR, 600 B, timed",
             {.no_words = 1, .ngram_max = 3, .c = 30, .head_bytes = 600},
             {0}},
            {"25 words + chars 1-2, LR, 600 B, timed",
             {.no_words = -1, .ngram_max = 2, .c = 30, .head_bytes = 600},
             {0}},
            {"26 chars 1-3, LR, 4000 B, timed",
             {.no_words = 1, .ngram_max = 3, .c = 30, .head_bytes = 4000},
             {0}},
            {"27 words + chars 1-2, LR, timed", {.no_words = -1, .ngram_max = 2, .c = 30}, {0}},
            {"28 chars 1-3, title x2, LR C=30",
             {.no_words = 1, .ngram_max = 3, .c = 30, .title_weight = 2},
             {0}},
            {"29 chars 1-3, title x3, LR C=30",
             {.no_words = 1, .ngram_max = 3, .c = 30, .title_weight = 3},
             {0}},
        };
        for (size_t i = 0; i < JS_ARRAY_LEN(grid); i++) {
            if (pick) {
                char key[16];
                snprintf(key, sizeof key, ",%zu,", i);
                char padded[256];
                snprintf(padded, sizeof padded, ",%s,", pick);
                if (!strstr(padded, key))
                    continue;
            }
            const struct classifier_opts *o2 = grid[i].o2.c > 0 ? &grid[i].o2 : NULL;
            if (crossval2(rows, n, fold, &grid[i].o, o2, strstr(grid[i].name, "timed") != NULL, &r))
                return 1;
            print_result(grid[i].name, &grid[i].o, &r);
        }
    }
    /* (a) jiesu's classifier with the options `jiesu train` and `jiesu classify` use */
    struct classifier_opts a = {0};
    if (pick)
        return 0;
    if (crossval(rows, n, fold, &a, true, &r))
        return 1;
    printf("(a) jiesu: character 1-3-grams of the folded text, no friso (title features apart), "
           "log-tf × idf, LIBLINEAR L2 logistic regression, C=30 (the defaults):\n");
    print_result("jiesu", &a, &r);
    printf("total %.1f s\n", now_s() - t0);
    return 0;
}
