/* Category and unit suggestions learnt from the platform's own orders (issue 9): training the
 * two models ("model:category", "model:unit") from the store's orders, loading them back, and
 * suggesting the top 3 categories and units of a new order's text, the responsibility
 * catalogue's unit first. Uses only the store's operations, never SQL. */
#ifndef JIESU_LEARN_H
#define JIESU_LEARN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/store.h"
#include "text/classify.h"
#include "util/err.h"

#define LEARN_KEY_CATEGORY  "model:category"
#define LEARN_KEY_UNIT      "model:unit"
#define LEARN_MIN_PER_CLASS 3 /* a category or unit is learnt from at least this many orders */
#define LEARN_TOP           3

/* Both models, shared read-only between threads and reference-counted. */
struct learn_models {
    struct classifier *category, *unit; /* NULL when not trained */
    int64_t category_at, unit_at;       /* when each was trained; 0 when absent */
    atomic_int refs;
};

/* Loads whatever models the store holds (none is not an error: *out then holds two NULLs).
 * *out has one reference; drop it with learn_models_unref. */
int learn_load(struct store *s, struct learn_models **out, struct js_error *e);
/* Takes one more reference (returns m). Accepts NULL. */
struct learn_models *learn_models_ref(struct learn_models *m);
/* Drops a reference, freeing the models with the last one. Accepts NULL. */
void learn_models_unref(struct learn_models *m);

/* The models an application serves: swapped whole after training while requests hold
 * references to the previous ones. */
struct learn_slot {
    pthread_mutex_t lock;
    struct learn_models *m;
};

/* Prepares an empty slot. */
int learn_slot_init(struct learn_slot *slot);
/* Frees the slot's models and lock. Accepts NULL. */
void learn_slot_release(struct learn_slot *slot);
/* The current models with a reference taken (NULL when none were ever set). */
struct learn_models *learn_slot_get(struct learn_slot *slot);
/* Replaces the models (takes over m's reference). */
void learn_slot_set(struct learn_slot *slot, struct learn_models *m);

/* What learn_train did. */
struct learn_report {
    long orders;                     /* orders read, the newest */
    int cat_examples, cat_classes;   /* orders and categories learnt (0: not trained) */
    int unit_examples, unit_classes; /* orders and units learnt */
    size_t cat_bytes, unit_bytes;    /* stored sizes */
    long older;                      /* orders not read: older than those read */
    double seconds;
};

/* The labelled orders a training reads at most: the newest ones. Memory grows with them (their
 * texts, and LIBLINEAR's copy of their features, which the classifier caps at 80 MB), and a
 * city's millions would not fit inside the server; the newest 20,000 hold the current
 * categories and units. */
#define LEARN_MAX_EXAMPLES 20000

/* Trains both models from the newest LEARN_MAX_EXAMPLES labelled orders of s (by creation, read
 * newest first; text: title + text + address) and stores each with blob_put at `at`: categories
 * from orders that have one, units from the lead unit of dispatched orders, each class with at
 * least LEARN_MIN_PER_CLASS orders. A model with fewer than two such classes is not trained (the
 * stored one is kept). r may be NULL. */
int learn_train(struct store *s, int64_t at, struct learn_report *r, struct js_error *e);
/* As learn_train, with at most max_examples labelled orders (the newest). Once *cancel (may be
 * NULL) is true, it stops at the next order read or class fitted with -JS_ECANCELED and stores
 * nothing more. */
int learn_train_n(struct store *s, int64_t at, int max_examples, const atomic_bool *cancel,
                  struct learn_report *r, struct js_error *e);

/* One suggestion. source: "model" or "catalogue". */
struct suggestion {
    int64_t id;
    char name[128];
    char path[400]; /* categories: the names from the top, joined by " / " */
    double confidence;
    const char *source;
};

struct suggestions {
    struct suggestion categories[LEARN_TOP], units[LEARN_TOP];
    int n_categories, n_units;
    int64_t model_at; /* the newer model's training time; 0 when there is none */
};

/* Suggests for a new order: the model's top categories, and its units with the catalogue's
 * unit first (for category_id when given, else for the first suggested category that has a
 * catalogue entry in region_id). m may be NULL; empty lists are not an error. Thread-safe for
 * one store handle per thread. */
int learn_suggest(struct store *s, const struct learn_models *m, const char *title,
                  const char *text, int64_t region_id, int64_t category_id,
                  struct suggestions *out);

#endif
