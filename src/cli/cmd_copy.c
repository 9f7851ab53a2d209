/* `jiesu copy --from SRC --to DST`: moves a whole database from one store to another (SQLite to
 * PostgreSQL, back, or the same backend), events included and every id kept, through the store's
 * dump_table / load_rows / load_finish over the tables of store_tables; the destination must be
 * initialised and empty. The source is read in one snapshot, so that a running district can be
 * copied while it works (what is written after the snapshot began is not copied). Afterwards the
 * row counts and a checksum of every table are compared on both sides (read through the same dump
 * op) and every order is rebuilt from its events. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "store/copy.h"
#include "store/store.h"

/* The rows copied so far of a table, printed every 20,000. */
static void progress(void *ctx, const char *table, int64_t done)
{
    (void)ctx;
    if (done % 20000 == 0)
        printf("  %s：已复制 %lld 行……\n", table, (long long)done);
}

static int sum_cb(void *ctx, const struct store_row *r)
{
    copy_sum_add(ctx, r);
    return 0;
}

static int open_one(const char *what, const char *loc, struct store **s)
{
    struct js_error e;
    js_error_clear(&e);
    if (store_open(loc, s, &e) || (*s)->ops->migrate(*s, &e)) {
        char shown[512];
        store_location_shown(loc, shown, sizeof shown);
        fprintf(stderr, "jiesu copy: 无法打开%s数据库 %s：%s（%s）\n", what, shown, e.message,
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
    int ret = 1, rc = 0;
    bool snapshot = false;
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
    /* The destination must be empty: not one row in any table. */
    for (int i = 0; i < store_n_tables; i++) {
        struct copy_sum t = {0, 0};
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
    /* One consistent state of the source, read while its servers go on writing; the
     * verification below reads the same state. */
    if ((rc = src->ops->read_snapshot(src, true))) {
        fprintf(stderr, "jiesu copy: 无法在源数据库上开始只读快照（%s）\n", js_err_name(-rc));
        goto out;
    }
    snapshot = true;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (dst->ops->set_bulk)
        dst->ops->set_bulk(dst, true);
    printf("复制 %s → %s\n", from, to);
    for (int i = 0; i < store_n_tables; i++) {
        const char *table = store_tables[i].name;
        struct copy_sum sum = {0, 0};
        rc = copy_table(src, dst, table, NULL, progress, NULL, &sum);
        if (rc) {
            fprintf(stderr, "jiesu copy: 复制表 %s 失败（%s），已复制 %lld 行\n", table,
                    js_err_name(-rc), (long long)sum.rows);
            goto out;
        }
        printf("  %-20s %8lld 行  （%.1f 秒）\n", table, (long long)sum.rows, seconds_since(&t0));
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
        struct copy_sum s1 = {0, 0}, s2 = {0, 0};
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
    src->ops->read_snapshot(src, false);
    snapshot = false;
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
    if (snapshot)
        src->ops->read_snapshot(src, false);
    store_close(src);
    store_close(dst);
    return ret;
}
