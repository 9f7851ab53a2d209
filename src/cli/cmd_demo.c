/* `jiesu demo`: loads the demo district into an empty database and prints the logins. */
#include "compat.h"
#include "cli/demo.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "util/jtime.h"
#include "core/engine.h"
#include "store/learn.h"
#include "store/store.h"
#include "util/shipped.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int count_orders(void *ctx, const struct order *o)
{
    JS_UNUSED(o);
    (*(long *)ctx)++;
    return 1; /* one is enough */
}

int cli_demo(struct opts *o)
{
    struct js_error e;
    js_error_clear(&e);
    const char *db = cli_db_path(o);
    struct demo_options d = {
        .data_dir = opts_get(o, "data"),
        .n_orders = 2400,
        .seed = 20261122,
        .now = (int64_t)time(NULL),
        .password = opts_get(o, "password"),
        .log = stderr,
    };
    if (!d.data_dir)
        d.data_dir = "../shared/data/tipdm2020c";
    if (!d.password)
        d.password = "jiesu-demo";
    const char *n = opts_get(o, "orders");
    if (n && (d.n_orders = atoi(n)) < 1) {
        fprintf(stderr, "jiesu demo: --orders 须为正整数\n");
        return 2;
    }
    const char *seed = opts_get(o, "seed");
    if (seed)
        d.seed = (unsigned)strtoul(seed, NULL, 10);
    /* --now: the demo's "today" (its orders lie in the 90 days before), for reproducible runs */
    const char *now = opts_get(o, "now");
    if (now && jtime_parse(now, &d.now)) {
        fprintf(stderr, "jiesu demo: --now 不是有效的日期时间：%s\n", now);
        return 2;
    }
    struct store *s = NULL;
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, "jiesu demo: 无法打开数据库：%s\n", e.message);
        store_close(s);
        return 1;
    }
    int rc = 1;
    struct engine en;
    const struct shipped *sh;
    if (shipped_default(&sh, &e) || engine_init(&en, s, sh, NULL, &e)) {
        fprintf(stderr, "jiesu demo: 无法载入政策：%s\n", e.message);
        store_close(s);
        return 1;
    }
    if (opts_has(o, "logins")) { /* only print the logins of a database already loaded */
        demo_print_logins(&en, stdout, d.password);
        rc = 0;
        goto out;
    }
    long existing = 0;
    s->ops->order_each(s, count_orders, &existing);
    if (existing) {
        fprintf(stderr, "jiesu demo: %s 中已有工单，演示数据只能载入空库\n", db);
        goto out;
    }
    /* Demo data is acknowledged to nobody until the load ends, so commits need not each
     * wait for the disk; the final switch back makes the whole load durable. */
    if (s->ops->set_bulk)
        s->ops->set_bulk(s, true);
    int load_rc = demo_load(&en, &d, &e);
    if (s->ops->set_bulk && s->ops->set_bulk(s, false) && !load_rc) {
        fprintf(stderr, "jiesu demo: 无法将载入的数据落盘保存\n");
        goto out;
    }
    /* the dashboard's counts the load appended (PostgreSQL), folded now rather than by the first
     * read of the dashboard, and before the statistics are read */
    if (!load_rc && s->ops->stats_fold && s->ops->stats_fold(s))
        fprintf(stderr, "jiesu demo: 未能汇总统计计数\n");
    /* full planner statistics of what was loaded (issue 13: never a sampled guess) */
    if (!load_rc && s->ops->analyze && s->ops->analyze(s))
        fprintf(stderr, "jiesu demo: 未能收集查询统计信息\n");
    if (load_rc) {
        fprintf(stderr, "jiesu demo: 载入失败：%s（%s%s%s）\n", e.message, js_err_name(e.code),
                e.field[0] ? "，字段 " : "", e.field);
        goto out;
    }
    /* the reports a running district would hold by now (issue 11) */
    if (demo_reports(s, db, d.now ? d.now : (int64_t)time(NULL), stderr, &e))
        fprintf(stderr, "jiesu demo: 报告未签发：%s\n", e.message);
    /* the suggestions, so that `make run` has them from the start */
    struct learn_report lr;
    if (learn_train(s, d.now, &lr, &e))
        fprintf(stderr, "jiesu demo: 未能训练分类与承办单位建议：%s\n", e.message);
    else
        fprintf(stderr, "jiesu demo: 已训练建议：%d 个类别、%d 个单位（%.1f 秒）\n", lr.cat_classes,
                lr.unit_classes, lr.seconds);
    demo_print_logins(&en, stdout, d.password);
    rc = 0;
out:
    engine_release(&en);
    store_close(s);
    return rc;
}
