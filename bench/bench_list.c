/* Benchmark of the order lists at 1,000,000 orders (issue 13; `make bench`, not a test). Builds
 * a store with the demo district's real organisation (regions, category tree, units, users:
 * demo_load with a few hundred genuine orders), then N orders through the store's own
 * order_insert with the real citizen messages of ../shared/data as titles and texts, the real
 * units, regions and categories, statuses by age (most closed, the last weeks open, some
 * overdue), so that the search index and the order_units rows are jiesu's real ones. Then times
 * every filter of GET /api/v1/orders and the combinations the UI sends, a page of 50, first page
 * and a deep page (page 21 by keyset cursor), against the plain indexed SQL a skilled engineer
 * would write measured in the same run on the same database and the same indexes: one SELECT
 * with the filter in WHERE, ORDER BY the sort key and id, LIMIT 50 (OFFSET 1000 for the deep
 * page), planned by SQLite after a full ANALYZE. */
#include "compat.h"

#include "benchlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/demo.h"
#include "core/engine.h"
#include "core/model.h"
#include "core/order.h"
#include "store/store.h"
#include "text/searchtext.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/jtime.h"
#include "util/shipped.h"

struct sqlite3 *store_sqlite_db(struct store *s);                 /* store/sqlite_schema.h */
int sqlite_fts_render(const struct st_query *m, struct buf *out); /* store_sqlite.c */

#define NOW  1796083200 /* 2026-12-01 00:00 +08:00: the benchmark's "today" */
#define PAGE 50
#define DEEP 20 /* pages skipped before the deep page */
#define ITER 200

/* CPU time of this process: on a shared machine the wall clock's tail is mostly other
 * processes' turns, so both are reported. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double unif(void)
{
    return (double)(bench_rnd() >> 11) / 9007199254740992.0;
}

static struct bench_msg *msgs;
static int n_msgs;

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋"};
static const char *const roads[] = {"多福巷",     "景山前街", "美术馆后街",   "东四十条",
                                    "北池子大街", "南锣鼓巷", "交道口南大街", "安定门内大街"};

/* The organisation the orders draw on (read back from the store after the demo load). */
struct org {
    struct unit *units;
    struct region *regions;
    struct category *cats;
    int n_units, n_regions, n_cats;
    int64_t *leaf_cats, *leaf_regions;
    int n_leaf_cats, n_leaf_regions;
};

static void org_load(struct store *s, struct org *g)
{
    memset(g, 0, sizeof *g);
    if (s->ops->unit_list(s, &g->units, &g->n_units) ||
        s->ops->region_list(s, &g->regions, &g->n_regions) ||
        s->ops->category_list(s, &g->cats, &g->n_cats) || !g->n_units || !g->n_regions ||
        !g->n_cats) {
        fprintf(stderr, "bench_list: the organisation cannot be read\n");
        exit(1);
    }
    g->leaf_cats = calloc((size_t)g->n_cats, sizeof *g->leaf_cats);
    g->leaf_regions = calloc((size_t)g->n_regions, sizeof *g->leaf_regions);
    for (int i = 0; i < g->n_cats; i++) {
        bool parent = false;
        for (int k = 0; k < g->n_cats && !parent; k++)
            parent = g->cats[k].parent_id == g->cats[i].id;
        if (!parent)
            g->leaf_cats[g->n_leaf_cats++] = g->cats[i].id;
    }
    for (int i = 0; i < g->n_regions; i++) {
        bool parent = false;
        for (int k = 0; k < g->n_regions && !parent; k++)
            parent = g->regions[k].parent_id == g->regions[i].id;
        if (!parent)
            g->leaf_regions[g->n_leaf_regions++] = g->regions[i].id;
    }
}

/* A unit, skewed: a few units hold many orders, most hold few (as in a district). */
static int64_t skewed_unit(const struct org *g)
{
    double u = unif();
    return g->units[(int)(u * u * g->n_units)].id;
}

/* The status of an order received `age` seconds before NOW: old orders are closed or
 * archived (a few never filed, transferred or answered), recent ones spread over the queue. */
static int status_for(int64_t age)
{
    int r = bench_pick(1000);
    if (age > 40 * 86400) {
        if (r < 700)
            return ST_CLOSED;
        if (r < 950)
            return ST_ARCHIVED;
        if (r < 965)
            return ST_NOT_FILED;
        if (r < 980)
            return ST_TRANSFERRED;
        return r < 995 ? ST_ANSWERED : ST_MERGED;
    }
    static const struct {
        int status, upto;
    } mix[] = {{ST_RECEIVED, 20},      {ST_FILED, 40},     {ST_DISPATCHED, 120}, {ST_RETURNED, 130},
               {ST_COORDINATION, 133}, {ST_HANDLING, 400}, {ST_REPLIED, 470},    {ST_CALLBACK, 540},
               {ST_ANSWERED, 600},     {ST_CLOSED, 1000}};
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
        if (r < mix[i].upto)
            return mix[i].status;
    return ST_CLOSED;
}

static void generate(struct store *s, const struct org *g, long n)
{
    int64_t span = 365LL * 86400;
    char number[20], phone[32], name[32], addr[96];
    double t0 = bench_now();
    s->ops->set_bulk(s, true);
    s->ops->begin(s);
    for (long i = 0; i < n; i++) {
        int64_t at = NOW - span + (int64_t)((double)span * (double)i / (double)n) + bench_pick(600);
        snprintf(number, sizeof number, "B%013ld", i % 10000000000000L);
        snprintf(phone, sizeof phone, "1%d%09d", 3 + bench_pick(7),
                 bench_pick((int)(n * 8 / 10) + 1) * 7 + 11);
        snprintf(name, sizeof name, "%s%s", surnames[bench_pick(10)], given[bench_pick(10)]);
        snprintf(addr, sizeof addr, "%s%d号", roads[bench_pick(8)], 1 + bench_pick(200));
        const struct bench_msg *mg = &msgs[bench_pick(n_msgs)];
        struct order o;
        order_init(&o);
        snprintf(o.number, sizeof o.number, "%s", number);
        snprintf(o.channel, sizeof o.channel, "%s",
                 bench_pick(10) < 7 ? "hotline-12345" : (bench_pick(2) ? "upstream" : "web"));
        order_set_str(&o.citizen_name, name);
        order_set_str(&o.citizen_phone, phone);
        order_set_str(&o.title, mg->title);
        order_set_str(&o.text, mg->text);
        order_set_str(&o.address, addr);
        o.status = status_for(NOW - at);
        int t = bench_pick(100);
        o.type = t < 30   ? TYPE_CONSULT
                 : t < 40 ? TYPE_SUGGEST
                 : t < 60 ? TYPE_HELP
                 : t < 90 ? TYPE_COMPLAINT
                 : t < 95 ? TYPE_REPORT
                 : t < 99 ? TYPE_REQUEST
                          : TYPE_PRAISE;
        o.level = bench_pick(100) < 95 ? LEVEL_GENERAL : bench_pick(2) ? LEVEL_MAJOR : LEVEL_URGENT;
        o.category_id = g->leaf_cats[bench_pick(g->n_leaf_cats)];
        o.region_id = g->leaf_regions[bench_pick(g->n_leaf_regions)];
        o.created_at = at;
        o.updated_at = at + bench_pick(20 * 86400);
        if (o.updated_at > NOW)
            o.updated_at = NOW - bench_pick(3600);
        o.not_filed_reason = -1;
        o.closure = -1;
        o.cb_contacted = o.cb_solved = -1;
        bool dispatched = o.status != ST_RECEIVED && o.status != ST_FILED &&
                          o.status != ST_NOT_FILED && o.status != ST_TRANSFERRED &&
                          o.status != ST_ANSWERED && o.status != ST_MERGED;
        if (dispatched) {
            o.filed_at = at + 600;
            o.dispatched_at = at + 3600;
            o.deadline = at + (o.level == LEVEL_GENERAL ? 15 : 3) * 86400;
            o.n_units = bench_pick(10) ? 1 : 2;
            for (int k = 0; k < o.n_units; k++) {
                o.units[k].unit_id = skewed_unit(g);
                if (k && o.units[k].unit_id == o.units[0].unit_id)
                    o.n_units = 1;
                o.units[k].role = k ? ASG_ASSIST : ASG_LEAD;
                o.units[k].active = true;
                o.units[k].dispatched_at = o.dispatched_at;
            }
            if (o.status == ST_HANDLING && bench_pick(50) == 0)
                o.hang = 2;
            if (o.status == ST_CLOSED || o.status == ST_ARCHIVED)
                o.closed_at = o.updated_at;
        }
        if (s->ops->order_insert(s, &o)) {
            fprintf(stderr, "bench_list: insert failed at %ld\n", i);
            exit(1);
        }
        order_release(&o);
        bench_bulk_tick(s, i, t0);
    }
    s->ops->commit(s);
    s->ops->set_bulk(s, false);
}

/* ---- the filters ------------------------------------------------------------------------- */

/* One case: fills q (and the baseline's WHERE and ORDER BY) for the i-th parameter value. */
struct filter_case {
    const char *name;
    int statuses[6], n_statuses;
    int sort;
    int param;     /* 0 none, 1 unit, 2 category (level 1), 3 region (level street), 4 channel,
                      5 type, 6 overdue, 7 date range, 8 search word, 9 level */
    bool unit_too; /* also a unit (a unit user's view) */
};

static const char *const words[] = {"噪音", "停车", "物业", "漏水", "路灯", "垃圾", "工资", "公交"};

static const struct filter_case cases[] = {
    {"default (newest first)", {0}, 0, SORT_CREATED_DESC, 0, false},
    {"status=closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, 0, false},
    {"status=coordination", {ST_COORDINATION}, 1, SORT_CREATED_DESC, 0, false},
    {"status=received created_asc", {ST_RECEIVED}, 1, SORT_CREATED_ASC, 0, false},
    {"status=replied updated_desc", {ST_REPLIED}, 1, SORT_UPDATED_DESC, 0, false},
    {"status=callback,answered upd", {ST_CALLBACK, ST_ANSWERED}, 2, SORT_UPDATED_DESC, 0, false},
    {"status=dispatched,handling", {ST_DISPATCHED, ST_HANDLING}, 2, SORT_CREATED_DESC, 0, false},
    {"inbox (5 open) deadline_asc",
     {ST_DISPATCHED, ST_HANDLING, ST_RETURNED, ST_REPLIED, ST_COORDINATION},
     5,
     SORT_DEADLINE_ASC,
     0,
     false},
    {"unit_id", {0}, 0, SORT_CREATED_DESC, 1, false},
    {"unit inbox deadline_asc",
     {ST_DISPATCHED, ST_HANDLING, ST_RETURNED, ST_REPLIED, ST_COORDINATION},
     5,
     SORT_DEADLINE_ASC,
     0,
     true},
    {"unit + status=closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, 0, true},
    {"category_id (subtree)", {0}, 0, SORT_CREATED_DESC, 2, false},
    {"region_id (subtree)", {0}, 0, SORT_CREATED_DESC, 3, false},
    {"channel=web", {0}, 0, SORT_CREATED_DESC, 4, false},
    {"type", {0}, 0, SORT_CREATED_DESC, 5, false},
    {"level=urgent", {0}, 0, SORT_CREATED_DESC, 9, false},
    {"overdue=true", {0}, 0, SORT_CREATED_DESC, 6, false},
    {"overdue + dispatched,handling", {ST_DISPATCHED, ST_HANDLING}, 2, SORT_CREATED_DESC, 6, false},
    {"date range (one week)", {0}, 0, SORT_CREATED_DESC, 7, false},
    {"dashboard from=day created_asc", {0}, 0, SORT_CREATED_ASC, 7, false},
    {"search word (q)", {0}, 0, SORT_CREATED_DESC, 8, false},
    {"search + status=closed", {ST_CLOSED}, 1, SORT_CREATED_DESC, 8, false},
};

static const char *const sort_sql[] = {
    [SORT_CREATED_DESC] = "created_at DESC, id DESC",
    [SORT_CREATED_ASC] = "created_at ASC, id ASC",
    [SORT_DEADLINE_ASC] = ("(CASE WHEN deadline > 0 THEN deadline ELSE 9223372036854775807 END)"
                           " ASC, id ASC"),
    [SORT_UPDATED_DESC] = "updated_at DESC, id DESC",
};

/* The subtree of id in a parent table, as a SQL list "(a, b, c)". */
static void subtree_sql(const int64_t *parent_of_ids, const int64_t *ids, int n, int64_t root,
                        struct buf *out)
{
    int64_t set[4096];
    int k = 0;
    set[k++] = root;
    for (int pass = 0; pass < 6; pass++)
        for (int i = 0; i < n; i++) {
            bool in = false, have = false;
            for (int j = 0; j < k; j++) {
                in = in || parent_of_ids[i] == set[j];
                have = have || ids[i] == set[j];
            }
            if (in && !have && k < 4096)
                set[k++] = ids[i];
        }
    buf_puts(out, "(");
    for (int j = 0; j < k; j++)
        buf_printf(out, "%s%lld", j ? ", " : "", (long long)set[j]);
    buf_puts(out, ")");
}

struct env {
    struct store *s;
    sqlite3 *db;
    struct org g;
    int64_t *cat_parent, *cat_id, *reg_parent, *reg_id;
    int64_t *cat_tops, *reg_streets;
    int n_cat_tops, n_reg_streets;
    int64_t *big_units; /* units holding the most orders, then the rest */
};

/* Fills q and the baseline's WHERE for value i of case c. The match is kept by the caller. */
static void case_fill(const struct env *v, const struct filter_case *c, int i,
                      struct order_query *q, struct buf *where, struct st_query *m)
{
    *q = (struct order_query){.statuses = c->statuses,
                              .n_statuses = c->n_statuses,
                              .type = -1,
                              .level = -1,
                              .overdue = -1,
                              .now = NOW,
                              .sort = c->sort,
                              .limit = PAGE};
    buf_puts(where, "1");
    if (c->n_statuses) {
        buf_puts(where, " AND status IN (");
        for (int k = 0; k < c->n_statuses; k++)
            buf_printf(where, "%s%d", k ? ", " : "", c->statuses[k]);
        buf_puts(where, ")");
    }
    if (c->param == 1 || c->unit_too) {
        q->unit_id = v->big_units[i % v->g.n_units];
        buf_printf(where, " AND id IN (SELECT order_id FROM order_units WHERE unit_id = %lld)",
                   (long long)q->unit_id);
    }
    switch (c->param) {
    case 2:
        q->category_id = v->cat_tops[i % v->n_cat_tops];
        buf_puts(where, " AND category_id IN ");
        subtree_sql(v->cat_parent, v->cat_id, v->g.n_cats, q->category_id, where);
        break;
    case 3:
        q->region_id = v->reg_streets[i % v->n_reg_streets];
        buf_puts(where, " AND region_id IN ");
        subtree_sql(v->reg_parent, v->reg_id, v->g.n_regions, q->region_id, where);
        break;
    case 4:
        q->channel = "web";
        buf_puts(where, " AND channel = 'web'");
        break;
    case 5:
        q->type = (int)(i % TYPE__COUNT);
        buf_printf(where, " AND type = %d", q->type);
        break;
    case 9:
        q->level = LEVEL_URGENT;
        buf_printf(where, " AND level = %d", LEVEL_URGENT);
        break;
    case 6:
        q->overdue = 1;
        buf_printf(where,
                   " AND deadline > 0 AND deadline < %d AND status IN (%d, %d, %d) AND hang != 2",
                   NOW, ST_DISPATCHED, ST_HANDLING, ST_RETURNED);
        break;
    case 7: {
        int64_t from = NOW - (int64_t)(1 + i % 300) * 86400;
        q->from = from;
        q->to = from + (c->sort == SORT_CREATED_ASC ? 86400 : 7 * 86400);
        buf_printf(where, " AND created_at >= %lld AND created_at < %lld", (long long)q->from,
                   (long long)q->to);
        break;
    }
    case 8: {
        struct buf fts;
        buf_init(&fts, 0);
        searchtext_query(words[i % 8], NULL, m);
        sqlite_fts_render(m, &fts);
        q->match = m;
        char *quoted = sqlite3_mprintf("%Q", fts.data);
        buf_printf(where, " AND id IN (SELECT rowid FROM order_search WHERE order_search MATCH %s)",
                   quoted);
        sqlite3_free(quoted);
        buf_release(&fts);
        break;
    }
    default:
        break;
    }
}

struct page_ctx {
    int n;
};
static int count_one(void *ctx, const struct order *o)
{
    (void)o;
    ((struct page_ctx *)ctx)->n++;
    return 0;
}

/* The baseline: one plain SELECT, every column read, as an engineer would page it. */
static int baseline_page(sqlite3 *db, const char *where, int sort, int offset)
{
    char *sql = sqlite3_mprintf("SELECT * FROM orders WHERE %s ORDER BY %s LIMIT %d OFFSET %d",
                                where, sort_sql[sort], PAGE, offset);
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_list: baseline: %s\n", sqlite3_errmsg(db));
        exit(1);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int k = 0; k < sqlite3_column_count(st); k++)
            (void)sqlite3_column_text(st, k);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return n;
}

static double pct(double *v, int n, double p)
{
    return bench_percentile(v, n, p);
}

/* Times one case: ITER first pages and ITER/4 deep pages (page DEEP+1); the baseline the same
 * for the first n_base of them (its sorts of every match take seconds a page at 1,000,000
 * orders). */
static int run_case(struct env *v, const struct filter_case *c, int n_base, double *worst)
{
    double ta[ITER], tb[ITER], da[ITER], db[ITER], ca[ITER], cb[ITER];
    long hits = 0, bhits = 0, hits_b = 0;
    int nd = 0, ndb = 0;
    for (int i = 0; i < ITER; i++) {
        struct order_query q;
        struct buf where;
        struct st_query m;
        memset(&m, 0, sizeof m);
        buf_init(&where, 0);
        case_fill(v, c, i, &q, &where, &m);
        struct page_ctx pc = {0};
        char next[96] = "";
        double c0 = cpu_s(), t0 = bench_now();
        int rc = v->s->ops->order_query(v->s, &q, count_one, &pc, next, sizeof next);
        double t1 = bench_now(), c1 = cpu_s();
        if (rc) {
            fprintf(stderr, "bench_list: %s: order_query %d\n", c->name, rc);
            exit(1);
        }
        hits += pc.n;
        bool base = i < n_base;
        if (base) {
            hits_b += pc.n;
            bhits += baseline_page(v->db, where.data, c->sort, 0);
        }
        double t2 = bench_now(), c2 = cpu_s();
        ta[i] = t1 - t0;
        ca[i] = c1 - c0;
        if (base) {
            tb[i] = t2 - t1;
            cb[i] = c2 - c1;
        }
        if (i % 4 == 0 && next[0]) { /* walk to page DEEP+1, then time it */
            char cur[sizeof next];
            int page = 1;
            while (page < DEEP && next[0]) {
                memcpy(cur, next, sizeof cur);
                q.cursor = cur;
                pc.n = 0;
                v->s->ops->order_query(v->s, &q, count_one, &pc, next, sizeof next);
                page++;
            }
            if (next[0]) {
                memcpy(cur, next, sizeof cur);
                q.cursor = cur;
                pc.n = 0;
                t0 = bench_now();
                v->s->ops->order_query(v->s, &q, count_one, &pc, next, sizeof next);
                t1 = bench_now();
                da[nd++] = t1 - t0;
                if (base) {
                    baseline_page(v->db, where.data, c->sort, PAGE * DEEP);
                    db[ndb++] = bench_now() - t1;
                }
            }
        }
        buf_release(&where);
        if (q.match)
            searchtext_query_release(&m);
    }
    double a50 = pct(ta, ITER, 0.5), a99 = pct(ta, ITER, 0.99);
    double b50 = pct(tb, n_base, 0.5), b99 = pct(tb, n_base, 0.99);
    double ac99 = pct(ca, ITER, 0.99), bc99 = pct(cb, n_base, 0.99);
    printf("  %-31s %5.1f/pg | first: jiesu p50 %6.2f p99 %6.2f (cpu %6.2f) ms, plain SQL p50 "
           "%7.2f p99 %7.2f (cpu %7.2f) ms",
           c->name, (double)hits / ITER, a50, a99, ac99, b50, b99, bc99);
    if (n_base < ITER)
        printf(" (plain SQL: %d pages)", n_base);
    if (bhits != hits_b)
        printf(" [rows differ: %ld vs %ld]", hits_b, bhits);
    if (a99 > *worst)
        *worst = a99;
    if (nd) {
        double e50 = pct(da, nd, 0.5), e99 = pct(da, nd, 0.99);
        double f50 = ndb ? pct(db, ndb, 0.5) : 0, f99 = ndb ? pct(db, ndb, 0.99) : 0;
        printf(" | page %d: jiesu p50 %6.2f p99 %6.2f, OFFSET p50 %7.2f p99 %7.2f", DEEP + 1, e50,
               e99, f50, f99);
        if (e99 > *worst)
            *worst = e99;
    }
    printf("\n");
    return 0;
}

static int64_t *ids_of_units_by_size(sqlite3 *db, int n_units)
{
    int64_t *out = calloc((size_t)n_units + 1, sizeof *out);
    sqlite3_stmt *st;
    int k = 0;
    sqlite3_prepare_v2(db,
                       "SELECT u.id FROM units u ORDER BY (SELECT count(*) FROM order_units ou"
                       " WHERE ou.unit_id = u.id) DESC, u.id",
                       -1, &st, NULL);
    while (k < n_units && sqlite3_step(st) == SQLITE_ROW)
        out[k++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return out;
}

int main(int argc, char **argv)
{
    long n = 1000000;
    const char *db = "/tmp/jiesu-bench-list.db";
    const char *shared = getenv("JIESU_SHARED") ? getenv("JIESU_SHARED") : "../shared";
    bool reuse = false;
    const char *only = NULL; /* --only TEXT: the filters whose name holds TEXT */
    int n_base = ITER;       /* --baseline N: the baseline's first pages per filter */
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "--reuse"))
            reuse = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--baseline") && i + 1 < argc)
            n_base = atoi(argv[++i]);
        else {
            fprintf(stderr,
                    "usage: bench_list [--orders N] [--db PATH] [--reuse] [--only TEXT] "
                    "[--baseline N (1..%d)]\n",
                    ITER);
            return 2;
        }
    }
    if (n_base < 1 || n_base > ITER) {
        fprintf(stderr, "bench_list: --baseline must be 1 to %d\n", ITER);
        return 2;
    }
    if (n < 10000) {
        fprintf(stderr, "bench_list: --orders must be at least 10000\n");
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
        fprintf(stderr, "bench_list: %s\n", e.message);
        return 1;
    }
    sqlite3 *sdb = store_sqlite_db(s);
    struct env v = {.s = s, .db = sdb};
    double t0 = bench_now();
    if (!reuse || !exists) {
        struct engine en;
        const struct shipped *sh;
        char dir[512];
        snprintf(dir, sizeof dir, "%s/data/tipdm2020c", shared);
        struct demo_options d = {.data_dir = dir, .n_orders = 300, .seed = 13, .now = NOW - 86400};
        if (shipped_default(&sh, &e) || engine_init(&en, s, sh, NULL, &e) ||
            (s->ops->set_bulk(s, true), demo_load(&en, &d, &e))) {
            fprintf(stderr, "bench_list: demo: %s\n", e.message);
            return 1;
        }
        s->ops->set_bulk(s, false);
        engine_release(&en);
        org_load(s, &v.g);
        printf("bench_list: the demo district (%d units, %d regions, %d categories), then %ld "
               "orders from %d real messages, database %s\n",
               v.g.n_units, v.g.n_regions, v.g.n_cats, n, n_msgs, db);
        generate(s, &v.g, n);
        printf("  generated and indexed in %.1f s\n", bench_now() - t0);
        t0 = bench_now();
        if (s->ops->analyze)
            s->ops->analyze(s);
        printf("  statistics (full ANALYZE) in %.1f s\n", bench_now() - t0);
    } else {
        org_load(s, &v.g);
        printf("bench_list: reusing %s (%d units)\n", db, v.g.n_units);
    }
    if (stat(db, &sb) == 0)
        printf("  database %.2f GB\n", (double)sb.st_size / 1e9);
    v.cat_parent = calloc((size_t)v.g.n_cats, sizeof(int64_t));
    v.cat_id = calloc((size_t)v.g.n_cats, sizeof(int64_t));
    v.cat_tops = calloc((size_t)v.g.n_cats, sizeof(int64_t));
    for (int i = 0; i < v.g.n_cats; i++) {
        v.cat_parent[i] = v.g.cats[i].parent_id;
        v.cat_id[i] = v.g.cats[i].id;
        if (v.g.cats[i].level == 1)
            v.cat_tops[v.n_cat_tops++] = v.g.cats[i].id;
    }
    v.reg_parent = calloc((size_t)v.g.n_regions, sizeof(int64_t));
    v.reg_id = calloc((size_t)v.g.n_regions, sizeof(int64_t));
    v.reg_streets = calloc((size_t)v.g.n_regions, sizeof(int64_t));
    for (int i = 0; i < v.g.n_regions; i++) {
        v.reg_parent[i] = v.g.regions[i].parent_id;
        v.reg_id[i] = v.g.regions[i].id;
        if (v.g.regions[i].level == RLEVEL_STREET)
            v.reg_streets[v.n_reg_streets++] = v.g.regions[i].id;
    }
    if (!v.n_reg_streets)
        v.reg_streets[v.n_reg_streets++] = v.g.regions[0].id;
    v.big_units = ids_of_units_by_size(sdb, v.g.n_units);
    printf("  %d page requests per filter (page of %d), every 4th also to page %d by cursor;"
           " times in ms\n",
           ITER, PAGE, DEEP + 1);
    double worst = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!only || strstr(cases[i].name, only))
            run_case(&v, &cases[i], n_base, &worst);
    printf("  worst jiesu p99: %.2f ms (target < 20 ms)\n", worst);
    /* the memory the reads took in this process (the store's side of point 5) */
    printf("  this process's peak resident memory after all the reads: %ld kB\n",
           bench_status_kb(0, "VmHWM"));
    store_close(s);
    return 0;
}
