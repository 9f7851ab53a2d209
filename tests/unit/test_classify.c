/* Tests of the suggestion classifier (issue 9): held-out accuracy on a train.csv subset far above
 * chance, identical predictions after a save/load round trip, traditional characters classified
 * like simplified ones, the same model from texts cut while training or beforehand, each fit,
 * a training stopped, and, on a demo district, a suggestion for a text of each category with
 * enough orders that names that category among its top 3, the catalogue's unit first. */
#include "compat.h"
#include "testutil.h"
#include "cli/demo.h"
#include "store/learn.h"
#include "store/store.h"
#include "text/classify.h"
#include "util/csv.h"
#include "util/jtime.h"

#include <opencc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROWS 2000 /* of train.csv: every fifth held out */

struct rows {
    struct classifier_doc *d;
    int n;
};

static void load_rows(struct rows *r)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/train.csv", tu_shared());
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct csv_reader cr;
    csv_init(&cr, f, 0);
    struct js_error e;
    bool got = false;
    assert_int_equal(csv_next(&cr, &got, &e), 0);
    int cl = csv_find(&cr, "label"), ct = csv_find(&cr, "title"), cx = csv_find(&cr, "text");
    assert_true(cl >= 0 && ct >= 0 && cx >= 0);
    /* rows spread over the file (it is sorted by label) */
    struct classifier_doc *all = NULL;
    int n = 0, cap = 0;
    while (csv_next(&cr, &got, &e) == 0 && got) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct classifier_doc *grown = realloc(all, (size_t)cap * sizeof *all);
            assert_non_null(grown);
            all = grown;
        }
        all[n].label = strdup(csv_field(&cr, cl));
        all[n].title = strdup(csv_field(&cr, ct));
        all[n].text = strdup(csv_field(&cr, cx));
        n++;
    }
    csv_release(&cr);
    fclose(f);
    r->d = calloc(ROWS, sizeof *r->d);
    assert_non_null(r->d);
    int step = n / ROWS;
    for (int i = 0; i < n; i++) {
        if (i % step == 0 && r->n < ROWS) {
            r->d[r->n++] = all[i];
        } else {
            free((char *)all[i].label);
            free((char *)all[i].title);
            free((char *)all[i].text);
        }
    }
    free(all);
}

static void free_rows(struct rows *r)
{
    for (int i = 0; i < r->n; i++) {
        free((char *)r->d[i].label);
        free((char *)r->d[i].title);
        free((char *)r->d[i].text);
    }
    free(r->d);
}

/* Held-out top-1 accuracy of c on every fifth of docs[0..n). */
static double held_out(const struct classifier *c, const struct classifier_doc *docs, int n)
{
    int ok = 0, held = 0;
    for (int i = 0; i < n; i += 5) {
        struct classifier_hit h[1];
        int nh = 0;
        assert_int_equal(classifier_predict(c, docs[i].title, docs[i].text, 1, h, &nh), 0);
        held++;
        ok += nh == 1 && strcmp(h[0].label, docs[i].label) == 0;
    }
    return held ? (double)ok / held : 0;
}

/* Trains on the four fifths of docs[0..n) not held out. */
static struct classifier *train_most(const struct classifier_doc *docs, int n,
                                     const struct classifier_opts *o)
{
    struct classifier_doc *tr = calloc((size_t)n, sizeof *tr);
    assert_non_null(tr);
    int ntr = 0;
    for (int i = 0; i < n; i++)
        if (i % 5)
            tr[ntr++] = docs[i];
    struct classifier *c = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (classifier_train(tr, ntr, o, &c, &e))
        fail_msg("train: %s", e.message);
    free(tr);
    return c;
}

static void test_train_csv(void **state)
{
    (void)state;
    struct rows r = {0};
    load_rows(&r);
    struct classifier *c = train_most(r.d, r.n, NULL);
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(classifier_classes(c), 7);

    /* held out: far above chance (the largest class is about 22 %) */
    int ok1 = 0, ok3 = 0, held = 0;
    for (int i = 0; i < r.n; i += 5) {
        struct classifier_hit h[3];
        int nh = 0;
        assert_int_equal(classifier_predict(c, r.d[i].title, r.d[i].text, 3, h, &nh), 0);
        assert_int_equal(nh, 3);
        assert_true(h[0].confidence >= h[1].confidence && h[1].confidence >= h[2].confidence);
        assert_true(h[0].confidence <= 1 && h[2].confidence >= 0);
        held++;
        for (int k = 0; k < nh; k++)
            if (strcmp(h[k].label, r.d[i].label) == 0) {
                ok1 += k == 0;
                ok3++;
            }
    }
    fprintf(stderr, "held out: top-1 %.3f, top-3 %.3f of %d\n", (double)ok1 / held,
            (double)ok3 / held, held);
    assert_true(ok1 > held * 0.75);
    assert_true(ok3 > held * 0.95);

    /* save / load: the same predictions */
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(classifier_save(c, &b), 0);
    struct classifier *c2 = NULL;
    if (classifier_load(b.data, b.len, &c2, &e))
        fail_msg("load: %s", e.message);
    for (int i = 0; i < r.n; i += 25) {
        struct classifier_hit h1[3], h2[3];
        int n1 = 0, n2 = 0;
        assert_int_equal(classifier_predict(c, r.d[i].title, r.d[i].text, 3, h1, &n1), 0);
        assert_int_equal(classifier_predict(c2, r.d[i].title, r.d[i].text, 3, h2, &n2), 0);
        assert_int_equal(n1, n2);
        for (int k = 0; k < n1; k++) {
            assert_string_equal(h1[k].label, h2[k].label);
            assert_true(h1[k].confidence == h2[k].confidence);
        }
    }
    /* the previous form (JSCLF001: no head_bytes, balanced, nb) still loads, alike */
    {
        const size_t v2_head = 8 + 13 * 4 + 4 * 8, v1_head = 8 + 11 * 4 + 3 * 8;
        struct buf v1;
        buf_init(&v1, 0);
        assert_int_equal(buf_append(&v1, "JSCLF001", 8), 0);
        assert_int_equal(buf_append(&v1, b.data + 8, 11 * 4), 0);
        assert_int_equal(buf_append(&v1, b.data + 8 + 13 * 4, 3 * 8), 0);
        assert_int_equal(buf_append(&v1, b.data + v2_head, b.len - v2_head), 0);
        assert_int_equal(v1.len, b.len - v2_head + v1_head);
        struct classifier *c1 = NULL;
        if (classifier_load(v1.data, v1.len, &c1, &e))
            fail_msg("load v1: %s", e.message);
        for (int i = 0; i < r.n; i += 100) {
            struct classifier_hit h1[1], h2[1];
            int n1 = 0, n2 = 0;
            assert_int_equal(classifier_predict(c, r.d[i].title, r.d[i].text, 1, h1, &n1), 0);
            assert_int_equal(classifier_predict(c1, r.d[i].title, r.d[i].text, 1, h2, &n2), 0);
            assert_string_equal(h1[0].label, h2[0].label);
        }
        classifier_free(c1);
        buf_release(&v1);
    }
    /* damaged forms are refused */
    struct classifier *bad = NULL;
    assert_int_equal(classifier_load(b.data, b.len - 1, &bad, &e) == 0 ? 0 : -1, -1);
    assert_null(bad);
    assert_int_equal(classifier_load("JSCLF00", 7, &bad, &e) == 0 ? 0 : -1, -1);
    assert_null(bad);
    classifier_free(c2);
    buf_release(&b);

    /* traditional characters: classified like the simplified text */
    opencc_t s2t = opencc_open("s2t.json");
    assert_true(s2t != (opencc_t)-1);
    int same = 0, tried = 0;
    for (int i = 0; i < r.n; i += 50) {
        char *tt = opencc_convert_utf8(s2t, r.d[i].title, strlen(r.d[i].title));
        char *tx = opencc_convert_utf8(s2t, r.d[i].text, strlen(r.d[i].text));
        assert_non_null(tt);
        assert_non_null(tx);
        struct classifier_hit h1[1], h2[1];
        int n1 = 0, n2 = 0;
        assert_int_equal(classifier_predict(c, r.d[i].title, r.d[i].text, 1, h1, &n1), 0);
        assert_int_equal(classifier_predict(c, tt, tx, 1, h2, &n2), 0);
        tried++;
        same += strcmp(h1[0].label, h2[0].label) == 0;
        opencc_convert_utf8_free(tt);
        opencc_convert_utf8_free(tx);
    }
    opencc_close(s2t);
    fprintf(stderr, "traditional: %d of %d classified alike\n", same, tried);
    assert_true(same >= tried - 1);

    /* one class is not enough */
    struct classifier_doc one[2] = {{"a", "b", "x"}, {"c", "d", "x"}};
    struct classifier *c3 = NULL;
    assert_int_equal(classifier_train(one, 2, NULL, &c3, &e), -JS_EINVAL);
    assert_null(c3);
    classifier_free(c);
    free_rows(&r);
}

/* The texts cut while training (classifier_train cuts each twice and keeps none) and cut
 * beforehand (classifier_train_bags) make the same model, byte for byte; the fits that are not
 * one class against the rest (two classes, Crammer-Singer) and NB-SVM learn too; a training
 * asked to stop returns -JS_ECANCELED and no model. */
static void test_train_paths(void **state)
{
    (void)state;
    struct rows r = {0};
    load_rows(&r);
    const int n = 600; /* spread over the rows: all seven labels */
    struct classifier_doc *d = calloc((size_t)n, sizeof *d);
    struct clf_bag *bags = calloc((size_t)n, sizeof *bags);
    const char **labels = calloc((size_t)n, sizeof *labels);
    assert_non_null(d);
    assert_non_null(bags);
    assert_non_null(labels);
    for (int i = 0; i < n; i++) {
        d[i] = r.d[(size_t)i * (size_t)r.n / (size_t)n];
        assert_int_equal(classifier_features(NULL, d[i].title, d[i].text, &bags[i]), 0);
        labels[i] = d[i].label;
    }
    struct classifier *a = NULL, *b = NULL;
    struct js_error e;
    js_error_clear(&e);
    srand(1); /* LIBLINEAR's solvers draw from rand() */
    if (classifier_train(d, n, NULL, &a, &e))
        fail_msg("train: %s", e.message);
    srand(1);
    if (classifier_train_bags(bags, labels, n, NULL, &b, &e))
        fail_msg("train_bags: %s", e.message);
    assert_int_equal(classifier_classes(a), 7);
    assert_true(classifier_features_kept(a) > 1000);
    struct buf sa, sb;
    buf_init(&sa, 0);
    buf_init(&sb, 0);
    assert_int_equal(classifier_save(a, &sa), 0);
    assert_int_equal(classifier_save(b, &sb), 0);
    assert_int_equal(sa.len, sb.len);
    assert_memory_equal(sa.data, sb.data, sa.len);
    buf_release(&sa);
    buf_release(&sb);
    classifier_free(a);
    classifier_free(b);

    /* the other fits, on held-out texts (chance: about 0.22 of seven, 0.5 of two) */
    struct classifier_opts cs = {.solver = CLF_CS},
                           nb = {.solver = CLF_SVM, .nb = 1, .balanced = 1}, lrb = {.balanced = 1};
    const struct classifier_opts *fits[] = {&cs, &nb, &lrb};
    for (size_t k = 0; k < sizeof fits / sizeof *fits; k++) {
        struct classifier *c = train_most(d, n, fits[k]);
        double acc = held_out(c, d, n);
        fprintf(stderr, "fit %zu: held-out top-1 %.3f\n", k, acc);
        assert_true(acc > 0.6);
        classifier_free(c);
    }
    struct classifier_doc *two = calloc((size_t)r.n, sizeof *two);
    assert_non_null(two);
    int n2 = 0;
    for (int i = 0; i < r.n; i++)
        if (strcmp(r.d[i].label, r.d[0].label) == 0 ||
            strcmp(r.d[i].label, r.d[r.n - 1].label) == 0)
            two[n2++] = r.d[i];
    struct classifier *c2 = train_most(two, n2, NULL);
    assert_int_equal(classifier_classes(c2), 2);
    double acc2 = held_out(c2, two, n2);
    fprintf(stderr, "two classes (%d texts): held-out top-1 %.3f\n", n2, acc2);
    assert_true(acc2 > 0.8);
    classifier_free(c2);
    free(two);

    /* asked to stop */
    atomic_bool stop = true;
    struct classifier_opts so = {.cancel = &stop};
    struct classifier *c3 = NULL;
    assert_int_equal(classifier_train(d, n, &so, &c3, &e), -JS_ECANCELED);
    assert_null(c3);
    assert_int_equal(classifier_train_bags(bags, labels, n, &so, &c3, &e), -JS_ECANCELED);
    assert_null(c3);

    for (int i = 0; i < n; i++)
        clf_bag_release(&bags[i]);
    free(bags);
    free(labels);
    free(d);
    free_rows(&r);
}

/* --- the demo district ------------------------------------------------------------------- */

struct by_cat {
    int64_t cat[1024];
    int count[1024];
    int64_t first[1024]; /* an order of that category */
    int n;
};

static int count_cat(void *ctx, const struct order *o)
{
    struct by_cat *b = ctx;
    if (!o->category_id)
        return 0;
    for (int i = 0; i < b->n; i++)
        if (b->cat[i] == o->category_id) {
            b->count[i]++;
            return 0;
        }
    if (b->n < 1024) {
        b->cat[b->n] = o->category_id;
        b->count[b->n] = 1;
        b->first[b->n] = o->id;
        b->n++;
    }
    return 0;
}

static void test_demo_suggestions(void **state)
{
    (void)state;
    const char *path = tu_path("classify-demo.db");
    unlink(path);
    struct store *s = NULL;
    struct engine en;
    struct js_error e;
    js_error_clear(&e);
    if (store_open(path, &s, &e) || s->ops->migrate(s, &e) ||
        engine_init(&en, s, tu_shipped(), NULL, &e))
        fail_msg("cannot open %s: %s", path, e.message);
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/data/tipdm2020c", tu_shared());
    struct demo_options opt = {.data_dir = dir, .n_orders = 800, .seed = 7, .password = "x-pass"};
    assert_int_equal(jtime_parse("2026-11-20 18:30", &opt.now), 0);
    if (demo_load(&en, &opt, &e))
        fail_msg("demo_load: %s", e.message);

    /* no model yet: no suggestion, and no error */
    struct learn_models *m = NULL;
    assert_int_equal(learn_load(s, &m, &e), 0);
    assert_null(m->category);
    struct suggestions sg;
    assert_int_equal(learn_suggest(s, m, "小区噪音扰民", "夜间施工噪音严重", 0, 0, &sg), 0);
    assert_int_equal(sg.n_categories, 0);
    assert_int_equal(sg.n_units, 0);
    assert_int_equal(sg.model_at, 0);
    learn_models_unref(m);

    /* a training asked to stop stores nothing */
    struct learn_report rep;
    atomic_bool stop = true;
    assert_int_equal(learn_train_n(s, opt.now, 0, &stop, &rep, &e), -JS_ECANCELED);
    assert_int_equal(learn_load(s, &m, &e), 0);
    assert_null(m->category);
    assert_null(m->unit);
    learn_models_unref(m);

    if (learn_train(s, opt.now, &rep, &e))
        fail_msg("learn_train: %s", e.message);
    fprintf(stderr, "trained on %ld orders: %d categories (%d orders), %d units (%d orders)\n",
            rep.orders, rep.cat_classes, rep.cat_examples, rep.unit_classes, rep.unit_examples);
    assert_true(rep.cat_classes >= 5);
    assert_true(rep.unit_classes >= 5);
    assert_int_equal(rep.older, 0);
    /* at most so many labelled orders, the newest: the others are counted as older */
    struct learn_report few;
    if (learn_train_n(s, opt.now, 100, NULL, &few, &e))
        fail_msg("learn_train_n: %s", e.message);
    assert_true(few.orders >= 100 && few.orders < rep.orders);
    assert_int_equal(few.orders + few.older, rep.orders);
    assert_true(few.cat_examples <= 100 && few.unit_examples <= 100);
    if (learn_train(s, opt.now, &rep, &e)) /* the models of all of them again */
        fail_msg("learn_train: %s", e.message);
    assert_int_equal(learn_load(s, &m, &e), 0);
    assert_non_null(m->category);
    assert_non_null(m->unit);
    assert_int_equal(m->category_at, opt.now);

    struct by_cat *b = calloc(1, sizeof *b);
    assert_non_null(b);
    assert_int_equal(s->ops->order_each(s, count_cat, b), 0);
    int checked = 0, found = 0, catalogue_first = 0, with_entry = 0;
    for (int i = 0; i < b->n; i++) {
        if (b->count[i] < LEARN_MIN_PER_CLASS)
            continue;
        struct order o;
        order_init(&o);
        assert_int_equal(s->ops->order_get(s, b->first[i], &o), 0);
        char text[12000];
        snprintf(text, sizeof text, "%s %s", o.text, o.address);
        assert_int_equal(learn_suggest(s, m, o.title, text, o.region_id, 0, &sg), 0);
        checked++;
        bool in3 = false;
        for (int k = 0; k < sg.n_categories; k++) {
            assert_string_equal(sg.categories[k].source, "model");
            assert_true(sg.categories[k].confidence >= 0 && sg.categories[k].confidence <= 1);
            assert_true(sg.categories[k].path[0] != '\0');
            in3 |= sg.categories[k].id == b->cat[i];
        }
        found += in3;
        if (!in3)
            fprintf(stderr, "category %lld (%d orders) not in the top 3 of order %s\n",
                    (long long)b->cat[i], b->count[i], o.number);
        /* the category given: its catalogue unit comes first */
        struct catalogue_entry ce;
        if (s->ops->catalogue_lookup(s, b->cat[i], o.region_id, &ce) == 0) {
            with_entry++;
            assert_int_equal(learn_suggest(s, m, o.title, text, o.region_id, b->cat[i], &sg), 0);
            assert_true(sg.n_units >= 1);
            catalogue_first +=
                sg.units[0].id == ce.unit_id && strcmp(sg.units[0].source, "catalogue") == 0;
        }
        order_release(&o);
    }
    fprintf(stderr, "%d of %d categories in their own top 3; catalogue first %d of %d\n", found,
            checked, catalogue_first, with_entry);
    assert_true(checked >= 5);
    assert_int_equal(found, checked);
    assert_int_equal(catalogue_first, with_entry);
    free(b);
    learn_models_unref(m);
    engine_release(&en);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_train_csv),
        cmocka_unit_test(test_train_paths),
        cmocka_unit_test(test_demo_suggestions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
