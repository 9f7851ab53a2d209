/* `jiesu copy --from SRC --to DST`: moves a whole database from one store to another (SQLite to
 * PostgreSQL, back, or the same backend), events included and every id kept, through the store's
 * dump_table / load_rows / load_finish over the tables of store_tables; the destination must be
 * initialised and empty. Afterwards the row counts and a checksum of every table are compared on
 * both sides (read through the same dump op) and every order is rebuilt from its events. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "store/store.h"

#define COPY_BATCH 1000

/* The order-independent checksum of a table and its row count. */
struct tsum {
    int64_t rows;
    uint64_t sum;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* The hash of one row: its columns by name, each with its type and value; the table's checksum
 * is the sum of its rows' hashes (mixed), so that it does not depend on the order of rows whose
 * keys the two backends may collate differently. */
static void tsum_add(struct tsum *t, const struct store_row *r)
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

static int sum_cb(void *ctx, const struct store_row *r)
{
    tsum_add(ctx, r);
    return 0;
}

/* Rows read from the source waiting to be written: each row one block (its values, then their
 * bytes, NUL-terminated); the column names of the table copied once. */
struct batch {
    struct store *dst;
    const char *table;
    struct store_row rows[COPY_BATCH];
    int n;
    char **cols;
    int ncols;
    struct tsum sum;
    int64_t done;
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
    b->done += b->n;
    batch_clear(b);
    if (!rc && b->done % 20000 == 0)
        printf("  %s：已复制 %lld 行……\n", b->table, (long long)b->done);
    return rc;
}

static int copy_cb(void *ctx, const struct store_row *r)
{
    struct batch *b = ctx;
    if (!b->cols) {
        b->cols = calloc((size_t)r->n + 1, sizeof *b->cols);
        if (!b->cols)
            return -JS_ENOMEM;
        b->ncols = r->n;
        for (int i = 0; i < r->n; i++)
            if (!(b->cols[i] = strdup(r->cols[i])))
                return -JS_ENOMEM;
    }
    if (r->n != b->ncols)
        return -JS_EINVAL;
    tsum_add(&b->sum, r);
    size_t size = (size_t)r->n * sizeof(struct store_value);
    for (int i = 0; i < r->n; i++)
        if (r->v[i].type == SV_TEXT || r->v[i].type == SV_BLOB)
            size += r->v[i].n + 1;
    struct store_value *v = malloc(size ? size : 1);
    if (!v)
        return -JS_ENOMEM;
    char *bytes = (char *)(v + r->n);
    for (int i = 0; i < r->n; i++) {
        v[i] = r->v[i];
        if (v[i].type == SV_TEXT || v[i].type == SV_BLOB) {
            if (v[i].n)
                memcpy(bytes, r->v[i].p, v[i].n);
            bytes[v[i].n] = '\0';
            v[i].p = bytes;
            bytes += v[i].n + 1;
        }
    }
    b->rows[b->n++] = (struct store_row){r->n, (const char *const *)b->cols, v};
    return b->n == COPY_BATCH ? batch_flush(b) : 0;
}

static int open_one(const char *what, const char *loc, struct store **s)
{
    struct js_error e;
    js_error_clear(&e);
    if (store_open(loc, s, &e) || (*s)->ops->migrate(*s, &e)) {
        fprintf(stderr, "jiesu copy: 无法打开%s数据库 %s：%s（%s）\n", what, loc, e.message,
                js_err_name(e.code));
        store_close(*s);
        *s = NULL;
        return 1;
    }
    return 0;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cli_copy(struct opts *o)
{
    const char *from = opts_get(o, "from"), *to = opts_get(o, "to");
    struct store *src = NULL, *dst = NULL;
    struct batch *b = NULL;
    int ret = 1, rc = 0;
    if (!from || !to || !from[0] || !to[0]) {
        fprintf(stderr, "jiesu copy: 须给出 --from（源数据库）和 --to（目标数据库）\n");
        return 2;
    }
    if (strcmp(from, to) == 0) {
        fprintf(stderr, "jiesu copy: 源数据库与目标数据库相同\n");
        return 2;
    }
    if (open_one("源", from, &src) || open_one("目标", to, &dst))
        goto out;
    b = calloc(1, sizeof *b);
    if (!b) {
        fprintf(stderr, "jiesu copy: 内存不足\n");
        goto out;
    }
    /* The destination must be empty: not one row in any table. */
    for (int i = 0; i < store_n_tables; i++) {
        struct tsum t = {0, 0};
        if ((rc = dst->ops->dump_table(dst, store_tables[i].name, sum_cb, &t))) {
            fprintf(stderr, "jiesu copy: 读取目标数据库的表 %s 失败（%s）\n", store_tables[i].name,
                    js_err_name(-rc));
            goto out;
        }
        if (t.rows) {
            fprintf(stderr,
                    "jiesu copy: 目标数据库不是空的（表 %s 已有 %lld 行），拒绝复制，未做任何改动；"
                    "请指定一个新初始化的空数据库\n",
                    store_tables[i].name, (long long)t.rows);
            goto out;
        }
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (dst->ops->set_bulk)
        dst->ops->set_bulk(dst, true);
    printf("复制 %s → %s\n", from, to);
    for (int i = 0; i < store_n_tables; i++) {
        memset(b, 0, sizeof *b);
        b->dst = dst;
        b->table = store_tables[i].name;
        rc = src->ops->dump_table(src, b->table, copy_cb, b);
        if (!rc && b->n)
            rc = batch_flush(b);
        batch_clear(b);
        for (int k = 0; b->cols && k < b->ncols; k++)
            free(b->cols[k]);
        free(b->cols);
        b->cols = NULL;
        if (rc) {
            fprintf(stderr, "jiesu copy: 复制表 %s 失败（%s），已复制 %lld 行\n", b->table,
                    js_err_name(-rc), (long long)b->done);
            goto out;
        }
        printf("  %-20s %8lld 行  （%.1f 秒）\n", b->table, (long long)b->sum.rows,
               seconds_since(&t0));
    }
    printf("重置编号序列，按复制的工单、事件与知识库重建检索索引……\n");
    fflush(stdout);
    if ((rc = dst->ops->load_finish(dst))) {
        fprintf(stderr, "jiesu copy: 重置编号序列、重建检索索引失败（%s）\n", js_err_name(-rc));
        goto out;
    }
    if (dst->ops->set_bulk)
        dst->ops->set_bulk(dst, false);
    printf("复制完成，用时 %.1f 秒；重建检索索引完毕。\n校验（源与目标逐表比较行数与校验和）：\n",
           seconds_since(&t0));
    int bad = 0;
    for (int i = 0; i < store_n_tables; i++) {
        struct tsum s1 = {0, 0}, s2 = {0, 0};
        rc = src->ops->dump_table(src, store_tables[i].name, sum_cb, &s1);
        if (!rc)
            rc = dst->ops->dump_table(dst, store_tables[i].name, sum_cb, &s2);
        if (rc) {
            fprintf(stderr, "jiesu copy: 校验表 %s 时读取失败（%s）\n", store_tables[i].name,
                    js_err_name(-rc));
            goto out;
        }
        bool same = s1.rows == s2.rows && s1.sum == s2.sum;
        bad += !same;
        printf("  %-20s 源 %8lld 行 %016llx  目标 %8lld 行 %016llx  %s\n", store_tables[i].name,
               (long long)s1.rows, (unsigned long long)s1.sum, (long long)s2.rows,
               (unsigned long long)s2.sum, same ? "一致" : "不一致");
    }
    store_close(dst);
    dst = NULL;
    /* Every order rebuilt from its copied events (as `jiesu check-replay --db DST`). */
    char *argv[] = {"jiesu", "check-replay", "--db", (char *)to, NULL};
    printf("事件重放校验（jiesu check-replay --db %s）：\n", to);
    int replay = cli_main(4, argv);
    if (bad || replay) {
        fprintf(stderr, "jiesu copy: 校验未通过：%d 张表不一致%s\n", bad,
                replay ? "，事件重放与工单不符" : "");
        goto out;
    }
    printf("校验通过：%d 张表行数与校验和一致，事件重放一致。\n", store_n_tables);
    ret = 0;
out:
    free(b);
    store_close(src);
    store_close(dst);
    return ret;
}
