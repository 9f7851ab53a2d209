/* Benchmark of the suggestions (issue 9): 10-fold cross-validation on the 7 classes of
 * ../shared/data/tipdm2020c/train.csv (never any other data) of (a) jiesu's classifier with its
 * default options (friso words + character n-grams, LIBLINEAR) and (b) the standard baseline,
 * TF-IDF over the given segmented_text words + linear SVM (LIBLINEAR, C chosen by the same
 * cross-validation), printing top-1 and top-3 accuracy of both and the time of one suggestion
 * (features + model, p50/p99 over every test row). Folds are fixed: rows are shuffled by a
 * seeded generator and dealt round-robin. --tune prints a grid of other options too. */
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
};

/* Cross-validates options o over rows (bags made once); timing includes making the features of
 * each test row from its text, as a suggestion does. */
static int crossval(const struct row *rows, int n, const int *fold, const struct classifier_opts *o,
                    bool timed, struct result *res)
{
    struct clf_bag *bags = calloc((size_t)n, sizeof *bags);
    const char **labels = malloc((size_t)n * sizeof *labels);
    struct clf_bag *tb = calloc((size_t)n, sizeof *tb);
    const char **tl = malloc((size_t)n * sizeof *tl);
    double *times = malloc((size_t)n * sizeof *times);
    int rc = -1, ok1 = 0, ok3 = 0, nt = 0;
    double kb = 0;
    if (!bags || !labels || !tb || !tl || !times)
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
                tl[m++] = labels[i];
            }
        struct classifier *c = NULL;
        struct js_error e;
        if (classifier_train_bags(tb, tl, m, o, &c, &e)) {
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
            double t0 = now_s();
            if (timed) {
                const char *title = o->pre_segmented ? NULL : rows[i].title;
                const char *text = o->pre_segmented ? rows[i].seg : rows[i].text;
                classifier_predict(c, title, text, 3, hits, &nh);
            } else {
                classifier_predict_bag(c, &bags[i], 3, hits, &nh);
            }
            times[nt++] = now_s() - t0;
            for (int h = 0; h < nh; h++)
                if (strcmp(hits[h].label, rows[i].label) == 0) {
                    ok1 += h == 0;
                    ok3++;
                }
        }
        classifier_free(c);
    }
    qsort(times, (size_t)nt, sizeof *times, cmp_double);
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
    return rc;
}

static void print_result(const char *name, const struct classifier_opts *o, const struct result *r)
{
    printf("  %-44s top-1 %.4f  top-3 %.4f", name, r->top1, r->top3);
    if (r->p50_us > 0)
        printf("  suggestion p50 %.0f µs p99 %.0f µs", r->p50_us, r->p99_us);
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
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--tune") == 0)
            tune = true;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            path = argv[++i];
        else {
            fprintf(stderr, "usage: bench_classify [--data train.csv] [--tune]\n");
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
    for (size_t i = 0; i < JS_ARRAY_LEN(cs); i++) {
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
    crossval(rows, n, fold, &best_b, true, &best_br);
    printf("(b) baseline, TF-IDF over segmented_text + linear SVM (LIBLINEAR), best C of "
           "{0.1, 0.3, 1, 3}:\n");
    print_result("baseline", &best_b, &best_br);

    if (tune) {
        struct {
            const char *name;
            struct classifier_opts o;
        } grid[] = {
            {"words only, LR", {.ngram_max = -1, .solver = CLF_LR}},
            {"chars 1-2 only, LR", {.no_words = 1, .solver = CLF_LR}},
            {"words + chars 1-2, LR C=10", {.solver = CLF_LR, .c = 10}},
            {"words + chars 1-2, LR C=30", {.solver = CLF_LR, .c = 30}},
            {"words + chars 1-2, LR C=100", {.solver = CLF_LR, .c = 100}},
            {"words + chars 1-3, LR C=30", {.ngram_max = 3, .solver = CLF_LR, .c = 30}},
            {"words + chars 1-2, SVM C=0.3", {.solver = CLF_SVM, .c = 0.3}},
            {"words + chars 1-2, SVM C=1", {.solver = CLF_SVM, .c = 1}},
            {"words + chars 1-3, SVM C=1", {.ngram_max = 3, .solver = CLF_SVM, .c = 1}},
            {"words + chars 1-2, CS C=0.3", {.solver = CLF_CS, .c = 0.3}},
            {"words + chars 1-2, CS C=1", {.solver = CLF_CS, .c = 1}},
            {"words + chars 1-2, no title weight, LR C=30",
             {.solver = CLF_LR, .c = 30, .title_weight = -1}},
            {"words + chars 1-2, title x2, LR C=30",
             {.solver = CLF_LR, .c = 30, .title_weight = 2}},
            {"words + bigrams + chars 1-2, LR C=30",
             {.word_bigrams = 1, .solver = CLF_LR, .c = 30}},
            {"words + chars 1-2, raw tf, LR C=30", {.raw_tf = 1, .solver = CLF_LR, .c = 30}},
        };
        for (size_t i = 0; i < JS_ARRAY_LEN(grid); i++) {
            if (crossval(rows, n, fold, &grid[i].o, false, &r))
                return 1;
            print_result(grid[i].name, &grid[i].o, &r);
        }
    }
    /* (a) jiesu's classifier with the options `jiesu train` and `jiesu classify` use */
    struct classifier_opts a = {0};
    if (crossval(rows, n, fold, &a, true, &r))
        return 1;
    printf("(a) jiesu: friso words + character 1-2-grams (title features apart), log-tf × idf, "
           "LIBLINEAR L2 logistic regression, C=30 (the defaults):\n");
    print_result("jiesu", &a, &r);
    printf("total %.1f s\n", now_s() - t0);
    return 0;
}
