/* Copying tables between two stores through dump_table and load_rows, in batches; the checksum
 * `jiesu copy` uses to compare the two sides. Backend-neutral: only store_ops. */
#include "compat.h"

#include "store/copy.h"

#include <stdlib.h>
#include <string.h>

#define COPY_BATCH    1000
#define COPY_MAX_COLS 128

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void copy_sum_add(struct copy_sum *t, const struct store_row *r)
{
    uint64_t h = 14695981039346656037ULL;
    const char *last = NULL;
    for (int k = 0; k < r->n; k++) {
        int best = -1; /* the next column by name after `last` */
        for (int i = 0; i < r->n; i++)
            if ((!last || strcmp(r->cols[i], last) > 0) &&
                (best < 0 || strcmp(r->cols[i], r->cols[best]) < 0))
                best = i;
        if (best < 0)
            break;
        last = r->cols[best];
        const struct store_value *v = &r->v[best];
        unsigned char type = (unsigned char)v->type;
        h = fnv(h, last, strlen(last) + 1);
        h = fnv(h, &type, 1);
        if (v->type == SV_INT)
            h = fnv(h, &v->i, sizeof v->i);
        else if (v->type == SV_REAL)
            h = fnv(h, &v->d, sizeof v->d);
        else if (v->type == SV_TEXT || v->type == SV_BLOB) {
            h = fnv(h, &v->n, sizeof v->n);
            h = fnv(h, v->p, v->n);
        }
    }
    h ^= h >> 33; /* splitmix's finaliser */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    t->sum += h;
    t->rows++;
}

/* Rows read from the source waiting to be written: each row one block (its values, then their
 * bytes, NUL-terminated); the column names of the table kept once. */
struct batch {
    struct store *dst;
    const char *table;
    copy_edit_fn edit;
    copy_progress_fn progress;
    void *ctx;
    struct store_row rows[COPY_BATCH];
    int n;
    char **cols;
    int ncols;
    struct copy_sum sum;
};

static void batch_clear(struct batch *b)
{
    for (int i = 0; i < b->n; i++)
        free((void *)b->rows[i].v);
    b->n = 0;
}

static int batch_flush(struct batch *b)
{
    int rc = b->dst->ops->load_rows(b->dst, b->table, b->rows, b->n);
    batch_clear(b);
    if (!rc && b->progress)
        b->progress(b->ctx, b->table, b->sum.rows);
    return rc;
}

static int copy_cb(void *ctx, const struct store_row *in)
{
    struct batch *b = ctx;
    struct store_value edited[COPY_MAX_COLS];
    struct store_row row = *in;
    if (in->n > COPY_MAX_COLS)
        return -JS_EINVAL;
    if (!b->cols) {
        b->cols = calloc((size_t)in->n + 1, sizeof *b->cols);
        if (!b->cols)
            return -JS_ENOMEM;
        b->ncols = in->n;
        for (int i = 0; i < in->n; i++)
            if (!(b->cols[i] = strdup(in->cols[i])))
                return -JS_ENOMEM;
    }
    if (in->n != b->ncols)
        return -JS_EINVAL;
    if (b->edit) {
        memcpy(edited, in->v, (size_t)in->n * sizeof *edited);
        int rc = b->edit(b->ctx, b->table, in->cols, edited, in->n);
        if (rc)
            return rc;
        row.v = edited;
    }
    copy_sum_add(&b->sum, &row);
    size_t size = (size_t)row.n * sizeof(struct store_value);
    for (int i = 0; i < row.n; i++)
        if (row.v[i].type == SV_TEXT || row.v[i].type == SV_BLOB)
            size += row.v[i].n + 1;
    struct store_value *v = malloc(size ? size : 1);
    if (!v)
        return -JS_ENOMEM;
    char *bytes = (char *)(v + row.n);
    for (int i = 0; i < row.n; i++) {
        v[i] = row.v[i];
        if (v[i].type == SV_TEXT || v[i].type == SV_BLOB) {
            if (v[i].n)
                memcpy(bytes, row.v[i].p, v[i].n);
            bytes[v[i].n] = '\0';
            v[i].p = bytes;
            bytes += v[i].n + 1;
        }
    }
    b->rows[b->n++] = (struct store_row){row.n, (const char *const *)b->cols, v};
    return b->n == COPY_BATCH ? batch_flush(b) : 0;
}

int copy_table(struct store *src, struct store *dst, const char *table, copy_edit_fn edit,
               copy_progress_fn progress, void *ctx, struct copy_sum *sum)
{
    struct batch *b = calloc(1, sizeof *b);
    if (!b)
        return -JS_ENOMEM;
    b->dst = dst;
    b->table = table;
    b->edit = edit;
    b->progress = progress;
    b->ctx = ctx;
    int rc = src->ops->dump_table(src, table, copy_cb, b);
    if (!rc && b->n)
        rc = batch_flush(b);
    batch_clear(b);
    for (int k = 0; b->cols && k < b->ncols; k++)
        free(b->cols[k]);
    free(b->cols);
    if (sum)
        *sum = b->sum;
    free(b);
    return rc;
}
