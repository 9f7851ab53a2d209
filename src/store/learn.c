/* Training, loading and using the suggestion models through the store's operations only. */
#include "compat.h"
#include "store/learn.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- models and the slot ----------------------------------------------------------------- */

static int load_one(struct store *s, const char *key, struct classifier **out, int64_t *at,
                    struct js_error *e)
{
    void *data = NULL;
    size_t size = 0;
    *out = NULL;
    *at = 0;
    int rc = s->ops->blob_get ? s->ops->blob_get(s, key, &data, &size, at) : -JS_ENOTFOUND;
    if (rc == -JS_ENOTFOUND) {
        *at = 0;
        return 0;
    }
    if (rc)
        return js_fail(e, -rc, key, "cannot read %s: %s", key, js_err_message(rc));
    rc = classifier_load(data, size, out, e);
    free(data);
    if (rc)
        *at = 0;
    return rc;
}

int learn_load(struct store *s, struct learn_models **out, struct js_error *e)
{
    *out = NULL;
    struct learn_models *m = calloc(1, sizeof *m);
    if (!m)
        return js_fail(e, JS_ENOMEM, "", NULL);
    atomic_init(&m->refs, 1);
    int rc = load_one(s, LEARN_KEY_CATEGORY, &m->category, &m->category_at, e);
    if (!rc)
        rc = load_one(s, LEARN_KEY_UNIT, &m->unit, &m->unit_at, e);
    if (rc) {
        learn_models_unref(m);
        return rc;
    }
    *out = m;
    return 0;
}

struct learn_models *learn_models_ref(struct learn_models *m)
{
    if (m)
        atomic_fetch_add(&m->refs, 1);
    return m;
}

void learn_models_unref(struct learn_models *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    classifier_free(m->category);
    classifier_free(m->unit);
    free(m);
}

int learn_slot_init(struct learn_slot *slot)
{
    slot->m = NULL;
    return pthread_mutex_init(&slot->lock, NULL) ? -JS_EINTERNAL : 0;
}

void learn_slot_release(struct learn_slot *slot)
{
    if (!slot)
        return;
    learn_models_unref(slot->m);
    slot->m = NULL;
    pthread_mutex_destroy(&slot->lock);
}

struct learn_models *learn_slot_get(struct learn_slot *slot)
{
    pthread_mutex_lock(&slot->lock);
    struct learn_models *m = learn_models_ref(slot->m);
    pthread_mutex_unlock(&slot->lock);
    return m;
}

void learn_slot_set(struct learn_slot *slot, struct learn_models *m)
{
    pthread_mutex_lock(&slot->lock);
    struct learn_models *old = slot->m;
    slot->m = m;
    pthread_mutex_unlock(&slot->lock);
    learn_models_unref(old);
}

/* --- training ---------------------------------------------------------------------------- */

struct example {
    char *title, *text, *cat, *unit;
};

/* The labelled orders read so far, newest first, at most max of them. */
struct collect {
    struct example *v;
    int n, cap, max;
    long orders;
    int rc;
    const atomic_bool *cancel;
};

static void example_release(struct example *x)
{
    free(x->title);
    free(x->text);
    free(x->cat);
    free(x->unit);
    memset(x, 0, sizeof *x);
}

static int collect_one(void *ctx, const struct order *o)
{
    struct collect *c = ctx;
    if (c->cancel && atomic_load(c->cancel))
        return c->rc = -JS_ECANCELED;
    if (c->n == c->max) /* the rest of the last page: older than those kept */
        return 0;
    c->orders++;
    int64_t unit = 0;
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active && o->units[i].role == ASG_LEAD) {
            unit = o->units[i].unit_id;
            break;
        }
    if (!o->category_id && !unit)
        return 0;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 1024;
        if (cap > c->max)
            cap = c->max;
        struct example *v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v)
            return c->rc = -JS_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    struct example *x = &c->v[c->n++];
    memset(x, 0, sizeof *x);
    struct buf b;
    buf_init(&b, 0);
    int rc = buf_printf(&b, "%s %s", o->text ? o->text : "", o->address ? o->address : "");
    x->text = rc ? NULL : buf_steal(&b);
    buf_release(&b);
    x->title = strdup(o->title ? o->title : "");
    char num[24];
    if (o->category_id) {
        snprintf(num, sizeof num, "%lld", (long long)o->category_id);
        x->cat = strdup(num);
    }
    if (unit) {
        snprintf(num, sizeof num, "%lld", (long long)unit);
        x->unit = strdup(num);
    }
    if (!x->text || !x->title || (o->category_id && !x->cat) || (unit && !x->unit))
        return c->rc = -JS_ENOMEM;
    return 0;
}

/* Reads the orders newest first, a page at a time by the list's own index, until c->max
 * labelled ones are kept or none is left: a district's older millions are never read. */
static int collect_newest(struct store *s, struct collect *c)
{
    struct order_query q = {
        .type = -1, .level = -1, .overdue = -1, .sort = SORT_CREATED_DESC, .limit = 500};
    char cursor[128] = "", next[128];
    for (;;) {
        q.cursor = cursor[0] ? cursor : NULL;
        int rc = s->ops->order_query(s, &q, collect_one, c, next, sizeof next);
        if (c->rc)
            return c->rc;
        if (rc)
            return rc;
        if (!next[0] || c->n == c->max)
            return 0;
        memcpy(cursor, next, sizeof cursor);
    }
}

/* Trains one model from the examples that have a label at field offset off, and stores it. */
static int train_one(struct store *s, const struct collect *c, bool units, const char *key,
                     int64_t at, int *examples, int *classes, size_t *bytes, struct js_error *e)
{
    struct classifier_doc *docs = malloc((size_t)(c->n ? c->n : 1) * sizeof *docs);
    struct classifier *m = NULL;
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    int rc = 0, n = 0;
    *examples = *classes = 0;
    *bytes = 0;
    if (!docs)
        return js_fail(e, JS_ENOMEM, "", NULL);
    for (int i = 0; i < c->n; i++) {
        const char *label = units ? c->v[i].unit : c->v[i].cat;
        if (label)
            docs[n++] = (struct classifier_doc){c->v[i].title, c->v[i].text, label};
    }
    struct classifier_opts o = {.min_per_class = LEARN_MIN_PER_CLASS, .cancel = c->cancel};
    rc = classifier_train(docs, n, &o, &m, e);
    if (rc == -JS_EINVAL) { /* too few classes: nothing to learn yet */
        rc = 0;
        js_error_clear(e);
        goto out;
    }
    if (rc)
        goto out;
    if ((rc = classifier_save(m, &b))) {
        js_fail(e, -rc, key, "cannot write %s", key);
        goto out;
    }
    if (!s->ops->blob_put) {
        rc = js_fail(e, JS_EINTERNAL, key, "this store cannot keep models");
        goto out;
    }
    if ((rc = s->ops->begin(s)))
        goto fail_store;
    if ((rc = s->ops->blob_put(s, key, b.data, b.len, at))) {
        s->ops->rollback(s);
        goto fail_store;
    }
    if ((rc = s->ops->commit(s)))
        goto fail_store;
    *classes = classifier_classes(m);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < *classes; k++)
            if (strcmp(docs[i].label, classifier_label(m, k)) == 0) {
                (*examples)++;
                break;
            }
    *bytes = b.len;
    goto out;
fail_store:
    js_fail(e, -rc, key, "cannot store %s: %s", key, js_err_message(rc));
out:
    classifier_free(m);
    buf_release(&b);
    free(docs);
    return rc;
}

int learn_train(struct store *s, int64_t at, struct learn_report *r, struct js_error *e)
{
    return learn_train_n(s, at, LEARN_MAX_EXAMPLES, NULL, r, e);
}

int learn_train_n(struct store *s, int64_t at, int max_examples, const atomic_bool *cancel,
                  struct learn_report *r, struct js_error *e)
{
    struct learn_report dummy;
    if (!r)
        r = &dummy;
    memset(r, 0, sizeof *r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct collect c = {.max = max_examples > 0 ? max_examples : LEARN_MAX_EXAMPLES,
                        .cancel = cancel};
    int64_t counts[ST__COUNT], total = 0;
    int rc = s->ops->order_count_by_status(s, counts);
    if (!rc)
        rc = collect_newest(s, &c);
    r->orders = c.orders;
    for (int i = 0; i < ST__COUNT; i++)
        total += counts[i];
    /* counted before the reads: orders made since are read but not counted */
    r->older = !rc && total > c.orders ? (long)(total - c.orders) : 0;
    if (rc == -JS_ECANCELED) {
        js_fail(e, JS_ECANCELED, "", "训练已中止");
        goto out;
    }
    if (rc) {
        js_fail(e, -rc, "", "cannot read the orders: %s", js_err_message(rc));
        goto out;
    }
    /* freed memory goes back to the system after the reads, after each fit and at the end:
     * glibc would keep it for reuse, and the next step's arrays do not fit its holes */
    malloc_trim(0);
    if ((rc = train_one(s, &c, false, LEARN_KEY_CATEGORY, at, &r->cat_examples, &r->cat_classes,
                        &r->cat_bytes, e)))
        goto out;
    malloc_trim(0);
    if ((rc = train_one(s, &c, true, LEARN_KEY_UNIT, at, &r->unit_examples, &r->unit_classes,
                        &r->unit_bytes, e)))
        goto out;
out:
    for (int i = 0; i < c.n; i++)
        example_release(&c.v[i]);
    free(c.v);
    malloc_trim(0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

/* --- suggestions ------------------------------------------------------------------------- */

/* Fills the name and path of category id; -JS_ENOTFOUND when it is gone. */
static int category_named(struct store *s, int64_t id, struct suggestion *g)
{
    struct category chain[8];
    int depth = 0;
    int64_t at = id;
    if (!id)
        return -JS_ENOTFOUND;
    while (at && depth < (int)JS_ARRAY_LEN(chain)) {
        int rc = s->ops->category_get(s, at, &chain[depth]);
        if (rc)
            return depth ? 0 : rc;
        at = chain[depth++].parent_id;
    }
    g->id = id;
    snprintf(g->name, sizeof g->name, "%s", chain[0].name);
    size_t k = 0;
    g->path[0] = '\0';
    for (int i = depth - 1; i >= 0 && k < sizeof g->path; i--) {
        int w = snprintf(g->path + k, sizeof g->path - k, "%s%s", i == depth - 1 ? "" : " / ",
                         chain[i].name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return 0;
}

static int unit_named(struct store *s, int64_t id, struct suggestion *g)
{
    struct unit u;
    int rc = s->ops->unit_get(s, id, &u);
    if (rc)
        return rc;
    if (!u.active)
        return -JS_ENOTFOUND;
    g->id = id;
    snprintf(g->name, sizeof g->name, "%s", u.name);
    g->path[0] = '\0';
    return 0;
}

static bool has_unit(const struct suggestions *out, int64_t id)
{
    for (int i = 0; i < out->n_units; i++)
        if (out->units[i].id == id)
            return true;
    return false;
}

int learn_suggest(struct store *s, const struct learn_models *m, const char *title,
                  const char *text, int64_t region_id, int64_t category_id, struct suggestions *out)
{
    memset(out, 0, sizeof *out);
    int rc = 0;
    if (m)
        out->model_at = m->category_at > m->unit_at ? m->category_at : m->unit_at;
    struct classifier_hit hits[LEARN_TOP + 3];
    int nh = 0;
    if (m && m->category) {
        rc = classifier_predict(m->category, title, text, LEARN_TOP + 3, hits, &nh);
        if (rc)
            return rc;
        for (int i = 0; i < nh && out->n_categories < LEARN_TOP; i++) {
            struct suggestion *g = &out->categories[out->n_categories];
            if (category_named(s, strtoll(hits[i].label, NULL, 10), g))
                continue;
            g->confidence = hits[i].confidence;
            g->source = "model";
            out->n_categories++;
        }
    }
    /* the catalogue's unit first: for the given category, else the first suggested one */
    struct catalogue_entry ce;
    for (int i = -1; i < out->n_categories && out->n_units == 0; i++) {
        int64_t cat = i < 0 ? category_id : out->categories[i].id;
        if (!cat || s->ops->catalogue_lookup(s, cat, region_id, &ce))
            continue;
        struct suggestion *g = &out->units[0];
        if (unit_named(s, ce.unit_id, g))
            continue;
        g->confidence = i < 0 ? 1.0 : out->categories[i].confidence;
        g->source = "catalogue";
        out->n_units = 1;
    }
    if (m && m->unit) {
        rc = classifier_predict(m->unit, title, text, LEARN_TOP + 3, hits, &nh);
        if (rc)
            return rc;
        for (int i = 0; i < nh && out->n_units < LEARN_TOP; i++) {
            int64_t id = strtoll(hits[i].label, NULL, 10);
            struct suggestion *g = &out->units[out->n_units];
            if (has_unit(out, id)) {
                /* the catalogue's unit is also the model's: keep the surer confidence */
                if (out->units[0].id == id && hits[i].confidence > out->units[0].confidence)
                    out->units[0].confidence = hits[i].confidence;
                continue;
            }
            if (unit_named(s, id, g))
                continue;
            g->confidence = hits[i].confidence;
            g->source = "model";
            out->n_units++;
        }
    }
    return 0;
}
