/* Benchmark of the dashboard's figures (issue 16; `make bench`, not a test): the store's
 * stats_count, which reads the table the triggers of migration 18 keep (order_stats), against
 * the strongest plain alternative measured in the same run on the same database: one GROUP BY
 * over the orders (or order_units) restricted to the period, on a covering index made for it
 * (created_at first, then every grouped column), planned by SQLite after a full ANALYZE. Both
 * sides must give the same counts; the benchmark exits non-zero when they do not.
 *
 * The database: the demo district's real organisation (demo_load with a few hundred genuine
 * orders), then N orders through the store's own order_insert (so the triggers fill order_stats
 * as in production) over the year before NOW, with real citizen titles, the real units, regions
 * and categories, statuses by age, reopenings and callback results. */
#include "compat.h"

#include "benchlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/demo.h"
#include "core/engine.h"
#include "core/model.h"
#include "core/order.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "util/jtime.h"
#include "util/shipped.h"

#define NOW  1796083200 /* 2026-12-01 08:00 +08:00 (00:00 UTC): the benchmark's "now" */
#define ITER 30

static struct bench_msg *msgs;
static int n_msgs;

struct org {
    struct unit *units;
    int n_units;
    int64_t *leaf_cats, *leaf_regions;
    int n_leaf_cats, n_leaf_regions;
};

static void org_load(struct store *s, struct org *g)
{
    struct region *regions = NULL;
    struct category *cats = NULL;
    int n_regions = 0, n_cats = 0;
    memset(g, 0, sizeof *g);
    if (s->ops->unit_list(s, &g->units, &g->n_units) ||
        s->ops->region_list(s, &regions, &n_regions) || s->ops->category_list(s, &cats, &n_cats) ||
        !g->n_units || !n_regions || !n_cats) {
        fprintf(stderr, "bench_stats: the organisation cannot be read\n");
        exit(1);
    }
    g->leaf_cats = calloc((size_t)n_cats, sizeof *g->leaf_cats);
    g->leaf_regions = calloc((size_t)n_regions, sizeof *g->leaf_regions);
    for (int i = 0; i < n_cats; i++) {
        bool parent = false;
        for (int k = 0; k < n_cats && !parent; k++)
            parent = cats[k].parent_id == cats[i].id;
        if (!parent)
            g->leaf_cats[g->n_leaf_cats++] = cats[i].id;
    }
    for (int i = 0; i < n_regions; i++) {
        bool parent = false;
        for (int k = 0; k < n_regions && !parent; k++)
            parent = regions[k].parent_id == regions[i].id;
        if (!parent)
            g->leaf_regions[g->n_leaf_regions++] = regions[i].id;
    }
    free(regions);
    free(cats);
}

static int64_t skewed_unit(const struct org *g)
{
    double u = (double)(bench_rnd() >> 11) / 9007199254740992.0;
    return g->units[(int)(u * u * g->n_units)].id;
}

static int status_for(int64_t age)
{
    int r = bench_pick(1000);
    if (age > 40 * 86400)
        return r < 700 ? ST_CLOSED : r < 950 ? ST_ARCHIVED : r < 970 ? ST_NOT_FILED : ST_ANSWERED;
    return r < 40    ? ST_FILED
           : r < 150 ? ST_DISPATCHED
           : r < 400 ? ST_HANDLING
           : r < 500 ? ST_REPLIED
           : r < 560 ? ST_CALLBACK
                     : ST_CLOSED;
}

static void generate(struct store *s, const struct org *g, long n, long first)
{
    int64_t span = 365LL * 86400;
    double t0 = bench_now();
    s->ops->set_bulk(s, true);
    s->ops->begin(s);
    for (long i = 0; i < n; i++) {
        int64_t at = NOW - span + (int64_t)((double)span * (double)i / (double)n) + bench_pick(600);
        const struct bench_msg *mg = &msgs[bench_pick(n_msgs)];
        struct order o;
        order_init(&o);
        snprintf(o.number, sizeof o.number, "S%013ld", (first + i) % 10000000000000L);
        static const char *const channels[] = {"hotline-12345", "hotline-12345", "hotline-12345",
                                               "wechat",        "web",           "upstream",
                                               "grid",          "mailbox"};
        snprintf(o.channel, sizeof o.channel, "%s", channels[bench_pick(8)]);
        order_set_str(&o.citizen_name, "王女士");
        order_set_str(&o.citizen_phone, "13800001111");
        order_set_str(&o.title, mg->title);
        order_set_str(&o.text, "");
        order_set_str(&o.address, "多福巷3号");
        o.status = status_for(NOW - at);
        o.type = bench_pick(TYPE__COUNT);
        o.level = LEVEL_GENERAL;
        o.category_id = g->leaf_cats[bench_pick(g->n_leaf_cats)];
        o.region_id = g->leaf_regions[bench_pick(g->n_leaf_regions)];
        o.created_at = at;
        o.updated_at = at + bench_pick(20 * 86400);
        if (o.updated_at > NOW)
            o.updated_at = NOW - bench_pick(3600);
        o.not_filed_reason = -1;
        o.closure = -1;
        o.cb_contacted = o.cb_solved = -1;
        if (o.status != ST_FILED && o.status != ST_NOT_FILED && o.status != ST_ANSWERED) {
            o.filed_at = at + 600;
            o.dispatched_at = at + 3600;
            o.deadline = at + 15 * 86400;
            o.n_units = bench_pick(10) ? 1 : 2;
            for (int k = 0; k < o.n_units; k++) {
                o.units[k].unit_id = skewed_unit(g);
                if (k && o.units[k].unit_id == o.units[0].unit_id)
                    o.n_units = 1;
                o.units[k].role = k ? ASG_ASSIST : ASG_LEAD;
                o.units[k].active = true;
                o.units[k].dispatched_at = o.dispatched_at;
            }
            o.reopens = bench_pick(100) < 6 ? 1 + bench_pick(2) : 0;
            if (o.status == ST_CLOSED || o.status == ST_ARCHIVED) {
                o.closed_at = o.updated_at;
                int r = bench_pick(100);
                o.cb_satisfaction = r < 60   ? SAT_SATISFIED
                                    : r < 75 ? SAT_BASIC
                                    : r < 85 ? SAT_UNSATISFIED
                                             : SAT_NONE;
            }
        }
        if (s->ops->order_insert(s, &o)) {
            fprintf(stderr, "bench_stats: insert failed at %ld\n", i);
            exit(1);
        }
        order_release(&o);
        bench_bulk_tick(s, i, t0);
    }
    s->ops->commit(s);
    s->ops->set_bulk(s, false);
}

/* One case: the store's query and the baseline's SQL (params ?1 from, ?2 to, ?3 unit). */
struct bcase {
    const char *name;
    struct stats_query q;
    const char *sql;
};

struct env {
    struct store *s;
    sqlite3 *db;
    int64_t from_day, to_day, unit;
};

static int64_t run_store(struct env *v, const struct stats_query *q, double *t)
{
    struct report_cell *c = NULL;
    int n = 0;
    double t0 = bench_now();
    if (v->s->ops->stats_count(v->s, q, &c, &n)) {
        fprintf(stderr, "bench_stats: stats_count failed\n");
        exit(1);
    }
    *t = bench_now() - t0;
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += c[i].n;
    free(c);
    return sum;
}

static int64_t run_sql(struct env *v, sqlite3_stmt *st, double *t)
{
    double t0 = bench_now();
    int64_t sum = 0;
    sqlite3_reset(st);
    while (sqlite3_step(st) == SQLITE_ROW)
        sum += sqlite3_column_int64(st, sqlite3_column_count(st) - 1);
    *t = bench_now() - t0;
    JS_UNUSED(v);
    return sum;
}

static bool run_case(struct env *v, const struct bcase *c, const char *period)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(v->db, c->sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_stats: %s: %s\n", c->sql, sqlite3_errmsg(v->db));
        exit(1);
    }
    sqlite3_bind_int64(st, 1, jtime_day_start(c->q.from_day));
    sqlite3_bind_int64(st, 2, jtime_day_start(c->q.to_day));
    sqlite3_bind_int64(st, 3, v->unit);
    double a[ITER], b[ITER];
    int64_t sa = 0, sb = 0;
    /* each side in a run of its own, so that neither reads with a cache the other emptied */
    for (int i = 0; i < ITER; i++)
        sa = run_store(v, &c->q, &a[i]);
    for (int i = 0; i < ITER; i++)
        sb = run_sql(v, st, &b[i]);
    sqlite3_finalize(st);
    struct bench_stats x = bench_stats_of(a, ITER), y = bench_stats_of(b, ITER);
    printf("  %-28s %-6s %9lld   %8.2f %8.2f   %8.2f %8.2f   %6.0fx%s\n", c->name, period,
           (long long)sa, x.p50, x.p99, y.p50, y.p99, x.p50 > 0 ? y.p50 / x.p50 : 0.0,
           sa == sb ? "" : "   DISAGREE");
    if (sa != sb)
        fprintf(stderr, "bench_stats: %s: jiesu %lld, GROUP BY %lld\n", c->name, (long long)sa,
                (long long)sb);
    return sa == sb;
}

/* Opens a fresh database at path with the demo district's organisation. */
static struct store *fresh(const char *shared, const char *path, struct org *g)
{
    struct store *s = NULL;
    struct js_error e;
    struct engine en;
    const struct shipped *sh;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/data/tipdm2020c", shared);
    struct demo_options d = {.data_dir = dir, .n_orders = 300, .seed = 13, .now = NOW - 86400};
    bench_db_remove(path);
    if (store_open(path, &s, &e) || s->ops->migrate(s, &e) || shipped_default(&sh, &e) ||
        engine_init(&en, s, sh, NULL, &e) || demo_load(&en, &d, &e)) {
        fprintf(stderr, "bench_stats: %s\n", e.message);
        exit(1);
    }
    engine_release(&en);
    org_load(s, g);
    return s;
}

/* Migration 18: order_stats, its triggers and the backfill from the orders (SQLite). */
static const struct sqlite_migration *stats_migration(void)
{
    for (int i = 0; i < sqlite_n_migrations; i++)
        if (sqlite_migrations[i].version == 18)
            return &sqlite_migrations[i];
    fprintf(stderr, "bench_stats: no migration 18\n");
    exit(1);
}

static const char drop_triggers[] =
    "DROP TRIGGER order_stats_ins; DROP TRIGGER order_stats_upd;"
    " DROP TRIGGER order_stats_del; DROP TRIGGER order_stats_unit_ins;"
    " DROP TRIGGER order_stats_unit_del; DROP TRIGGER IF EXISTS order_stats_upd_status;";

/* What the triggers cost a write: the same order_insert (bulk mode, 2,000 per transaction) with
 * and without them, on a fresh database of 20,000 orders each way. */
static bool write_cost(const char *shared, const char *db)
{
    char path[600];
    struct org g;
    const long n = 20000;
    if (!n_msgs)
        bench_messages_shared(shared, &msgs, &n_msgs);
    snprintf(path, sizeof path, "%s-writes", db);
    struct store *s = fresh(shared, path, &g);
    double t0 = bench_now();
    generate(s, &g, n, 0);
    double with = bench_now() - t0;
    store_close(s);
    s = fresh(shared, path, &g);
    if (sqlite3_exec(store_sqlite_db(s), drop_triggers, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_stats: %s\n", sqlite3_errmsg(store_sqlite_db(s)));
        return false;
    }
    t0 = bench_now();
    generate(s, &g, n, 0);
    double without = bench_now() - t0;
    store_close(s);
    bench_db_remove(path);
    printf(
        "\n  writes: %ld order_insert, %.0f us each with the triggers, %.0f us without (+%.0f%%)\n",
        n, with * 1e6 / (double)n, without * 1e6 / (double)n,
        without > 0 ? 100.0 * (with - without) / without : 0.0);
    return true;
}

int main(int argc, char **argv)
{
    long n = 1000000;
    const char *db = "/tmp/jiesu-bench-stats.db";
    const char *shared = getenv("JIESU_SHARED") ? getenv("JIESU_SHARED") : "../shared";
    bool reuse = false, remigrate = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "--reuse"))
            reuse = true;
        else if (!strcmp(argv[i], "--remigrate"))
            remigrate = true; /* with --reuse: rebuild order_stats as the migration does */
        else {
            fprintf(stderr,
                    "usage: bench_stats [--orders N] [--db PATH] [--reuse [--remigrate]]\n");
            return 2;
        }
    }
    if (n < 1000) {
        fprintf(stderr, "bench_stats: --orders must be at least 1000\n");
        return 2;
    }
    struct store *s = NULL;
    struct js_error e;
    struct stat sb;
    bool exists = stat(db, &sb) == 0;
    if (!reuse || !exists) {
        bench_messages_shared(shared, &msgs, &n_msgs);
        bench_db_remove(db);
    }
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, "bench_stats: %s\n", e.message);
        return 1;
    }
    struct env v = {.s = s, .db = store_sqlite_db(s)};
    struct org g;
    double t0 = bench_now();
    if (!reuse || !exists) {
        struct engine en;
        const struct shipped *sh;
        char dir[512];
        snprintf(dir, sizeof dir, "%s/data/tipdm2020c", shared);
        struct demo_options d = {.data_dir = dir, .n_orders = 300, .seed = 13, .now = NOW - 86400};
        if (shipped_default(&sh, &e) || engine_init(&en, s, sh, NULL, &e) ||
            (s->ops->set_bulk(s, true), demo_load(&en, &d, &e))) {
            fprintf(stderr, "bench_stats: demo: %s\n", e.message);
            return 1;
        }
        s->ops->set_bulk(s, false);
        engine_release(&en);
        org_load(s, &g);
        printf("bench_stats: the demo district (%d units), then %ld orders over a year, "
               "database %s\n",
               g.n_units, n, db);
        generate(s, &g, n, 0);
        printf("  generated through order_insert (order_stats kept by its triggers) in %.1f s\n",
               bench_now() - t0);
        t0 = bench_now();
        /* the baseline's covering indexes: the period's column first, then what is grouped */
        if (sqlite3_exec(v.db,
                         "CREATE INDEX bench_cover ON orders(created_at, channel, type,"
                         " category_id, region_id, status, reopens);"
                         "CREATE INDEX bench_closed ON orders(closed_at, cb_satisfaction);"
                         "CREATE INDEX bench_units ON order_units(created_at, unit_id);",
                         NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "bench_stats: %s\n", sqlite3_errmsg(v.db));
            return 1;
        }
        printf("  the baseline's covering indexes in %.1f s\n", bench_now() - t0);
        t0 = bench_now();
        s->ops->analyze(s);
        printf("  statistics (full ANALYZE) in %.1f s\n", bench_now() - t0);
    } else {
        org_load(s, &g);
        printf("bench_stats: reusing %s\n", db);
        if (remigrate) {
            /* migration 18's SQL again (it starts from an empty table): the triggers and the
             * counts of a database generated by an earlier build of the same step */
            t0 = bench_now();
            const struct sqlite_migration *m = stats_migration();
            if (sqlite3_exec(v.db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
                fprintf(stderr, "bench_stats: %s\n", sqlite3_errmsg(v.db));
                return 1;
            }
            s->ops->analyze(s);
            printf("  migration %d run again (order_stats rebuilt from the orders) in %.1f s\n",
                   m->version, bench_now() - t0);
        }
    }
    if (stat(db, &sb) == 0)
        printf("  database %.2f GB\n", (double)sb.st_size / 1e9);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(v.db, "SELECT count(*) FROM orders", -1, &st, NULL);
    sqlite3_step(st);
    long total = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(v.db, "SELECT count(*) FROM order_stats", -1, &st, NULL);
    sqlite3_step(st);
    printf("  %ld orders, %lld rows in order_stats\n", total,
           (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    /* the unit holding most orders, for a unit user's dashboard */
    sqlite3_prepare_v2(
        v.db, "SELECT unit_id, count(*) FROM order_units GROUP BY 1 ORDER BY 2 DESC LIMIT 1", -1,
        &st, NULL);
    sqlite3_step(st);
    v.unit = sqlite3_column_int64(st, 0);
    printf("  the largest unit (id %lld) holds %lld orders\n", (long long)v.unit,
           (long long)sqlite3_column_int64(st, 1));
    sqlite3_finalize(st);

    int64_t today = jtime_local_day(NOW - 1);
    const char *where = " FROM orders WHERE created_at >= ?1 AND created_at < ?2";
    char sql[12][400];
    snprintf(sql[0], sizeof sql[0], "SELECT channel, count(*)%s GROUP BY channel", where);
    snprintf(sql[1], sizeof sql[1], "SELECT type, count(*)%s GROUP BY type", where);
    snprintf(sql[2], sizeof sql[2], "SELECT category_id, count(*)%s GROUP BY category_id", where);
    snprintf(sql[3], sizeof sql[3], "SELECT region_id, count(*)%s GROUP BY region_id", where);
    snprintf(sql[4], sizeof sql[4], "SELECT status, count(*)%s GROUP BY status", where);
    snprintf(sql[5], sizeof sql[5], "SELECT (created_at + 28800) / 86400, count(*)%s GROUP BY 1",
             where);
    snprintf(sql[6], sizeof sql[6], "SELECT count(*)%s AND reopens > 0", where);
    snprintf(sql[7], sizeof sql[7],
             "SELECT unit_id, count(*) FROM order_units WHERE created_at >= ?1"
             " AND created_at < ?2 GROUP BY unit_id");
    snprintf(sql[8], sizeof sql[8],
             "SELECT cb_satisfaction, count(*) FROM orders WHERE closed_at >= ?1"
             " AND closed_at < ?2 AND cb_satisfaction > 0 GROUP BY 1");
    snprintf(sql[9], sizeof sql[9],
             "SELECT o.status, count(*) FROM order_units ou JOIN orders o ON o.id = ou.order_id"
             " WHERE ou.unit_id = ?3 AND ou.created_at >= ?1 AND ou.created_at < ?2 GROUP BY 1");
    snprintf(sql[11], sizeof sql[11],
             "SELECT coalesce(p.parent_id, p.id, c.id), count(*) FROM orders o"
             " LEFT JOIN categories c ON c.id = o.category_id LEFT JOIN categories p"
             " ON p.id = c.parent_id WHERE o.created_at >= ?1 AND o.created_at < ?2 GROUP BY 1");
    snprintf(sql[10], sizeof sql[10],
             "SELECT ou.unit_id, count(*) FROM order_units ou JOIN orders o ON o.id = ou.order_id"
             " WHERE ou.created_at >= ?1 AND ou.created_at < ?2 AND o.reopens > 0 GROUP BY 1");
    const int days[] = {365, 30};
    bool agree = true;
    printf("\n  %-28s %-6s %9s   %17s   %17s   %7s\n", "figure", "period", "orders",
           "jiesu p50 / p99", "GROUP BY p50/p99", "speedup");
    for (size_t d = 0; d < JS_ARRAY_LEN(days); d++) {
        char period[16];
        snprintf(period, sizeof period, "%dd", days[d]);
        int64_t from = today - days[d] + 1, to = today + 1;
        const struct bcase cases[] = {
            {"by channel", {.dim = SDIM_CHANNEL, .from_day = from, .to_day = to}, sql[0]},
            {"by type", {.dim = SDIM_TYPE, .from_day = from, .to_day = to}, sql[1]},
            {"by category (leaf)", {.dim = SDIM_CATEGORY, .from_day = from, .to_day = to}, sql[2]},
            {"by category (root)",
             {.dim = SDIM_CATEGORY_ROOT, .from_day = from, .to_day = to},
             sql[11]},
            {"by region (leaf)", {.dim = SDIM_REGION, .from_day = from, .to_day = to}, sql[3]},
            {"by status", {.dim = SDIM_STATUS, .from_day = from, .to_day = to}, sql[4]},
            {"by day", {.dim = SDIM_TYPE, .from_day = from, .to_day = to, .per_day = true}, sql[5]},
            {"reopened", {.dim = SDIM_REOPENED, .from_day = from, .to_day = to}, sql[6]},
            {"by unit", {.dim = SDIM_UNIT, .from_day = from, .to_day = to}, sql[7]},
            {"satisfaction (closed in)",
             {.dim = SDIM_SATISFACTION, .from_day = from, .to_day = to},
             sql[8]},
            {"one unit's statuses",
             {.dim = SDIM_STATUS, .from_day = from, .to_day = to, .unit_id = v.unit},
             sql[9]},
            {"reopened per unit",
             {.dim = SDIM_REOPENED, .from_day = from, .to_day = to, .each_unit = true},
             sql[10]},
        };
        for (size_t i = 0; i < JS_ARRAY_LEN(cases); i++)
            agree = run_case(&v, &cases[i], period) && agree;
    }
    /* overdue now: read from the orders (it depends on the instant), over the partial index */
    double t[ITER];
    for (int i = 0; i < ITER; i++) {
        struct stats_query q = {
            .dim = SDIM_UNIT, .from_day = today - 364, .to_day = today + 1, .overdue_at = NOW};
        int64_t got = run_store(&v, &q, &t[i]);
        if (i == 0)
            printf("  %-28s %-6s %9lld   %8.2f", "overdue now per unit", "365d", (long long)got,
                   t[0] * 1e3);
    }
    struct bench_stats x = bench_stats_of(t, ITER);
    printf(" (p50 %.2f, p99 %.2f; no stored table: same SQL as the list's filter)\n", x.p50, x.p99);
    store_close(s);
    agree = write_cost(shared, db) && agree;
    return agree ? 0 : 1;
}
