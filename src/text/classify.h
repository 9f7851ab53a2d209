/* A text classifier over string labels (issue 9: category and unit suggestions). Features are
 * character 1-3-grams of the simplified text by default (friso words optional; title features
 * apart), weighted by log-tf × idf and L2-normalised; the model is a LIBLINEAR linear model, kept
 * as feature hashes, idf and int8 weights so that a model over ~100 classes stays a few MB. A
 * trained model is read-only: classifier_predict may run on many threads at once. */
#ifndef JIESU_CLASSIFY_H
#define JIESU_CLASSIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

/* The linear model LIBLINEAR fits. */
enum classifier_solver {
    CLF_LR,  /* L2-regularised logistic regression (dual): calibrated confidences */
    CLF_SVM, /* L2-regularised L2-loss SVM (dual), one-vs-rest, softmax over decisions */
    CLF_CS,  /* Crammer-Singer multi-class SVM, softmax over decisions */
    CLF_LR_PRIMAL,
};

/* How features are made and the model fitted. Zero values take the defaults. */
struct classifier_opts {
    int ngram_max;       /* character n-grams 1..ngram_max (0: 3; -1: none) */
    int no_words;        /* 0: the default, no words; 1: no friso words; -1: friso words too.
                          * Without words and word_bigrams the text is not cut by friso at all
                          * (no lock): n-grams of its folded letters, digits and CJK characters */
    int word_bigrams;    /* 1: also pairs of adjacent words */
    int pre_segmented;   /* 1: text is already words separated by spaces (no friso, no n-grams) */
    int raw_tf;          /* 1: raw term frequency instead of 1 + log tf */
    double title_weight; /* weight of the title's own features (0: 1; < 0: none) */
    int solver;          /* enum classifier_solver */
    double c;            /* LIBLINEAR's C (0: 1 for SVMs, 30 for LR) */
    double temperature;  /* softmax scale of SVM decision values (0: 4) */
    int min_df;          /* features in fewer training texts are dropped (0: 2) */
    int max_features;    /* at most this many features, the most frequent (0: ~4M weights / classes,
                          * at most 65,536) */
    int min_per_class;   /* classes with fewer training texts are left out (0: 1) */
    int head_bytes;      /* bytes of the text whose features count (0: CLASSIFY_TEXT_HEAD, 1500) */
    int balanced;        /* 1: C of each class scaled by (texts / classes) / texts of the class */
    double nb;           /* > 0: NB-SVM, one-vs-rest over features scaled per class by their
                          * log-count ratio, smoothed by nb (e.g. 1); 0: plain LIBLINEAR */
    const atomic_bool *cancel; /* training only, never saved: once *cancel is true a training
                                * stops at the next text or class it fits (a two-class or
                                * Crammer-Singer fit is one) with -JS_ECANCELED */
};

/* A text's features before weighting: distinct feature hashes with their counts. */
struct clf_bag {
    uint64_t *h;
    float *v;
    int n, cap;
};

/* One suggestion: a label of the model (borrowed from it) and a confidence in [0, 1]. */
struct classifier_hit {
    const char *label;
    double confidence;
};

/* A training example. title may be NULL. */
struct classifier_doc {
    const char *title, *text, *label;
};

struct classifier;

/* Fills bag with the features of title (may be NULL) and text, made as o says (segmenting with
 * segmenter_default() unless o->pre_segmented). Returns 0 or a negative code. */
int classifier_features(const struct classifier_opts *o, const char *title, const char *text,
                        struct clf_bag *bag);
/* Frees a bag's storage. Accepts NULL. */
void clf_bag_release(struct clf_bag *bag);

/* Trains on n examples. Each text is cut twice (once to count the features, once for the fit)
 * and its features are never kept, so that memory holds the texts, LIBLINEAR's sparse copy of
 * the kept features (16 bytes each, at most 80 MB unless o->max_features is set) and the weights.
 * More than two classes are fitted one against the rest, in turn (but for Crammer-Singer). Returns
 * 0 and *out (free with classifier_free), or a negative code with e filled (-JS_EINVAL when fewer
 * than two classes remain, -JS_ECANCELED when o->cancel was set). */
int classifier_train(const struct classifier_doc *docs, int n, const struct classifier_opts *o,
                     struct classifier **out, struct js_error *e);
/* The same from features made beforehand with classifier_features and the same o (so that
 * cross-validation segments each text once). */
int classifier_train_bags(const struct clf_bag *bags, const char *const *labels, int n,
                          const struct classifier_opts *o, struct classifier **out,
                          struct js_error *e);
/* The k most likely labels of title (may be NULL) and text, best first; *n is how many were
 * written (at most k and the number of classes). Thread-safe. */
int classifier_predict(const struct classifier *c, const char *title, const char *text, int k,
                       struct classifier_hit *hits, int *n);
/* The same from a bag made with the model's options (classifier_opts_of). */
int classifier_predict_bag(const struct classifier *c, const struct clf_bag *bag, int k,
                           struct classifier_hit *hits, int *n);
/* The options the model was trained with. */
const struct classifier_opts *classifier_opts_of(const struct classifier *c);
/* Number of classes and of features kept. */
int classifier_classes(const struct classifier *c);
int classifier_features_kept(const struct classifier *c);
/* The label of class i (0 <= i < classifier_classes). */
const char *classifier_label(const struct classifier *c, int i);

/* Appends the model to out in its compact self-contained binary form. */
int classifier_save(const struct classifier *c, struct buf *out);
/* Reads a model written by classifier_save. Returns 0 and *out, or -JS_EINVAL with e filled when
 * data is not such a model. */
int classifier_load(const void *data, size_t size, struct classifier **out, struct js_error *e);
/* Frees a model. Accepts NULL. */
void classifier_free(struct classifier *c);

#endif
