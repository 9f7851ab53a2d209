/* Duplicates and repeats of a new or existing order among recent orders: candidates come from
 * the store (same caller, same address, the draft's rarest index tokens), the scorer of
 * text/dup.h ranks them and says why. Works on any backend through store_ops. */
#ifndef JIESU_DUPCHECK_H
#define JIESU_DUPCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/order.h"
#include "store/search.h"
#include "store/store.h"
#include "text/dup.h"

#define DUPCHECK_DEFAULT_DAYS 30
#define DUPCHECK_MAX_DAYS     365

struct dup_candidate {
    struct order order; /* owned */
    double score;       /* in [0,1] */
    bool likely;        /* score >= DUP_THRESHOLD */
    struct dup_why why;
};

struct dup_result {
    struct dup_candidate *v; /* n of them, best first */
    int n;
    int examined; /* candidates scored */
};

/* The duplicates of draft among the orders created in the `days` days before now (and after),
 * leaving out exclude_id, best first: at most limit, and only those scoring at least
 * min_score. who limits the orders to those its unit holds. Fills *out (release it with
 * dup_result_release) or returns a negative code with e filled. */
int dupcheck_run(struct store *s, const struct search_who *who, const struct dup_doc *draft,
                 int64_t exclude_id, int64_t now, int days, int limit, double min_score,
                 struct dup_result *out, struct js_error *e);
/* The draft of an existing order (borrowing its strings). */
void dupcheck_doc_of(const struct order *o, struct dup_doc *d);
/* Frees what a result holds. Accepts NULL. */
void dup_result_release(struct dup_result *r);

#endif
