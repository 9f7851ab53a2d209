/* Copying tables between two stores through the neutral ops (dump_table, load_rows): used by
 * `jiesu copy` and by the benchmark that loads the same data into both backends. */
#ifndef JIESU_STORE_COPY_H
#define JIESU_STORE_COPY_H
#include <stdint.h>

#include "store/store.h"

/* An order-independent checksum of a table's rows and their count. */
struct copy_sum {
    int64_t rows;
    uint64_t sum;
};

/* Adds row to t: the hash of its columns by name, each with its type and value, mixed into a
 * sum, so that the result does not depend on the order of the rows. */
void copy_sum_add(struct copy_sum *t, const struct store_row *row);

/* Called for each row read from the source before it is written; it may replace values in
 * v[0..n-1] (the names are cols). Replaced text must stay valid until the next call. Returns 0
 * or a negative error code, which stops the copy. */
typedef int (*copy_edit_fn)(void *ctx, const char *table, const char *const *cols,
                            struct store_value *v, int n);
/* Called after every batch written, with the rows written so far. */
typedef void (*copy_progress_fn)(void *ctx, const char *table, int64_t done);

/* Copies every row of table from src into dst in batches of load_rows (each batch one
 * transaction of dst), through edit when not NULL. *sum (may be NULL) receives the count and
 * checksum of the rows as written. Returns 0 or a negative error code; on failure the batches
 * already written stay. */
int copy_table(struct store *src, struct store *dst, const char *table, copy_edit_fn edit,
               copy_progress_fn progress, void *ctx, struct copy_sum *sum);

#endif
