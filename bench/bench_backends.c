/* Benchmark of the two backends side by side (`make bench`, not a test): the same 1,000,000
 * orders with their events in SQLite and in PostgreSQL, then the same work on each through the
 * store interface: intake, list filters, search and a month's assessment.
 *
 * The data is bench_assess's database (one month of orders with every lifecycle event, for 300
 * units), copied into each backend through the store's own dump_table/load_rows/load_finish (what
 * `jiesu copy` does), with each order given a real citizen message of ../shared/data as title
 * and text, a caller, an address, one of 30 categories and one of 16 streets, so that search and
 * the filters have something real to find. Each side is then timed doing the same things:
 *
 *   intake      new orders through the engine, each its own durable transaction, one at a time
 *   list        a page of 50 of GET /api/v1/orders for the filters the UI uses, and the next page
 *   search      a 2-character word, a whole phone number and an order number (search_orders)
 *   assessment  the dongcheng-2016 assessment of the month: the fact projection built from the
 *               events once, then the assessment itself (first run and best of three)
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchlib.h"
#include "core/engine.h"
#include "core/indicators.h"
#include "core/model.h"
#include "core/scheme.h"
#include "store/assess_store.h"
#include "store/copy.h"
#include "store/search.h"
#include "store/store.h"
#include "util/jtime.h"
#include "util/shipped.h"

#define N_CATEGORIES 30
#define N_STREETS    16
#define N_SEARCH     4  /* kinds of search timed */
#define N_QUERIES    40 /* timed runs of each list filter and each search kind */

static const char *const category_names[N_CATEGORIES] = {
    "噪声污染", "大气污染", "水污染",   "垃圾清运", "违章建筑", "物业管理", "供暖",     "供水",
    "供电",     "燃气",     "道路维修", "路灯",     "停车管理", "公交线路", "交通秩序", "园林绿化",
    "市容环境", "拆迁安置", "房屋质量", "劳动纠纷", "拖欠工资", "教育",     "医疗卫生", "食品安全",
    "市场监管", "消费维权", "社会保障", "户籍管理", "养老服务", "社区服务"};
static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "秀英", "建国"};
static const char *const roads[] = {"多福巷",     "景山前街",    "美术馆后街",   "东四十条",
                                    "北池子大街", "南锣鼓巷",    "交道口南大街", "安定门内大街",
                                    "东华门大街", "朝阳门内大街"};
/* rare or absent in complaints: the worst case of a plan that walks the orders newest first */
static const char *const rare2[] = {"鸵鸟", "潜艇", "火山", "冰川", "钢琴",
                                    "骆驼", "熊猫", "灯塔", "飞碟", "琵琶"};
static const char *const words2[] = {"停车", "噪音", "物业", "拆迁", "漏水",
                                     "路灯", "垃圾", "学校", "工资", "公交"};

static struct bench_msg *msgs;
static int n_msgs;

/* The values an order is given, all derived from its id (the same on both sides). */
struct fill {
    char phone[24], name[32], address[96];
    const struct bench_msg *m;
    int64_t category_id, region_id;
};

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void fill_of(int64_t id, int64_t first_region, struct fill *f)
{
    uint64_t h = mix((uint64_t)id);
    /* about one caller in five calls again: a pool of 800,000 numbers per 1,000,000 orders */
    snprintf(f->phone, sizeof f->phone, "13%09llu",
             (unsigned long long)(mix((uint64_t)id * 5 / 4 % 800000 + 7) % 1000000000ULL));
    snprintf(f->name, sizeof f->name, "%s%s", surnames[h % 10], given[(h >> 8) % 10]);
    snprintf(f->address, sizeof f->address, "%s%d号", roads[(h >> 16) % 10],
             1 + (int)((h >> 24) % 200));
    f->m = &msgs[(h >> 32) % (uint64_t)n_msgs];
    f->category_id = 1 + (int64_t)((h >> 40) % N_CATEGORIES);
    f->region_id = first_region + (int64_t)((h >> 48) % N_STREETS);
}

/* The copy's edit of an order row: the fill of its id in place of the generated constants. */
struct loader {
    int64_t first_region;
    struct fill f;
    char number[24];
};

static void set_text(struct store_value *v, const char *s)
{
    v->type = SV_TEXT;
    v->p = s;
    v->n = strlen(s);
}

static int edit_order(void *ctx, const char *table, const char *const *cols, struct store_value *v,
                      int n)
{
    struct loader *l = ctx;
    if (strcmp(table, "orders") != 0)
        return 0;
    int64_t id = 0, created = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(cols[i], "id"))
            id = v[i].i;
        else if (!strcmp(cols[i], "created_at"))
            created = v[i].i;
    fill_of(id, l->first_region, &l->f);
    /* a real number: the day and a sequence (a day of the month holds < 100,000 of them) */
    int y, m, d;
    jtime_civil_from_days(jtime_local_day(created), &y, &m, &d);
    snprintf(l->number, sizeof l->number, "%04d%02d%02d%05d", y % 10000, m % 100, d % 100,
             (int)(id % 100000));
    for (int i = 0; i < n; i++) {
        const char *c = cols[i];
        if (!strcmp(c, "title"))
            set_text(&v[i], l->f.m->title);
        else if (!strcmp(c, "text"))
            set_text(&v[i], l->f.m->text);
        else if (!strcmp(c, "address"))
            set_text(&v[i], l->f.address);
        else if (!strcmp(c, "citizen_phone"))
            set_text(&v[i], l->f.phone);
        else if (!strcmp(c, "citizen_name"))
            set_text(&v[i], l->f.name);
        else if (!strcmp(c, "number"))
            set_text(&v[i], l->number);
        else if (!strcmp(c, "category_id"))
            v[i] = (struct store_value){.type = SV_INT, .i = l->f.category_id};
        else if (!strcmp(c, "region_id"))
            v[i] = (struct store_value){.type = SV_INT, .i = l->f.region_id};
    }
    return 0;
}

static void progress(void *ctx, const char *table, int64_t done)
{
    (void)ctx;
    if (done % 500000 == 0)
        fprintf(stderr, "    %s: %lld rows\n", table, (long long)done);
}

static void die(const char *what, const char *side, int rc, const struct js_error *e)
{
    fprintf(stderr, "bench_backends: %s: %s failed: %s (%s)\n", side, what,
            e && e->message[0] ? e->message : "", js_err_name(rc < 0 ? -rc : rc));
    exit(1);
}

static int64_t count_orders(struct store *s)
{
    int64_t c[ST__COUNT], n = 0;
    if (s->ops->order_count_by_status(s, c))
        return -1;
    for (int i = 0; i < ST__COUNT; i++)
        n += c[i];
    return n;
}

/* What one side measured. */
struct side {
    const char *name, *loc;
    struct store *s;
    int64_t first_region;
    double load_s, index_s;
    struct bench_stats intake;
    double intake_rate;
    struct bench_stats list[8], next[8];
    long list_rows[8];
    struct bench_stats search[N_SEARCH];
    long search_hits[N_SEARCH];
    double fold_s, assess_first, assess_best;
    int64_t facts;
    int units;
    char first_unit[128];
    double first_score;
};

/* The streets and categories the fill refers to, made before the orders are loaded. */
static void put_org(struct side *sd)
{
    struct store *s = sd->s;
    struct js_error e;
    js_error_clear(&e);
    int rc = s->ops->begin(s);
    struct region d = {.level = 0};
    snprintf(d.code, sizeof d.code, "BD");
    snprintf(d.name, sizeof d.name, "基准区");
    if (!rc)
        rc = s->ops->region_put(s, &d);
    for (int i = 0; i < N_STREETS && !rc; i++) {
        struct region r = {.parent_id = d.id, .level = 1};
        snprintf(r.code, sizeof r.code, "BD%02d", i + 1);
        snprintf(r.name, sizeof r.name, "基准街道%02d", i + 1);
        rc = s->ops->region_put(s, &r);
        if (i == 0)
            sd->first_region = r.id;
    }
    for (int i = 0; i < N_CATEGORIES && !rc; i++) {
        struct category c = {.level = 1};
        snprintf(c.code, sizeof c.code, "BC%02d", i + 1);
        snprintf(c.name, sizeof c.name, "%s", category_names[i]);
        rc = s->ops->category_put(s, &c);
    }
    if (rc) {
        s->ops->rollback(s);
        die("streets and categories", sd->name, rc, &e);
    }
    if ((rc = s->ops->commit(s)))
        die("commit", sd->name, rc, &e);
}

static void load(struct side *sd, struct store *src)
{
    struct loader l = {.first_region = 0};
    put_org(sd);
    l.first_region = sd->first_region;
    struct store *s = sd->s;
    s->ops->set_bulk(s, true);
    double t = bench_now();
    for (int i = 0; i < store_n_tables; i++) {
        const char *table = store_tables[i].name;
        if (!strcmp(table, "regions") || !strcmp(table, "categories"))
            continue; /* the source has none: put_org made them */
        int rc = copy_table(src, s, table, edit_order, progress, &l, NULL);
        if (rc)
            die(table, sd->name, rc, NULL);
    }
    sd->load_s = bench_now() - t;
    t = bench_now();
    int rc = s->ops->load_finish(s);
    if (rc)
        die("load_finish", sd->name, rc, NULL);
    s->ops->set_bulk(s, false);
    sd->index_s = bench_now() - t;
}

/* n intakes through the engine, one durable transaction each. */
static void intake(struct side *sd, int n)
{
    struct engine en;
    const struct shipped *sh;
    struct js_error e;
    js_error_clear(&e);
    int rc = shipped_default(&sh, &e);
    if (rc || (rc = engine_init(&en, sd->s, sh, NULL, &e)))
        die("engine", sd->name, rc, &e);
    struct actor who = {.user_id = 0, .role = ROLE_AGENT, .unit_id = 0};
    snprintf(who.name, sizeof who.name, "基准坐席");
    double *v = malloc((size_t)n * sizeof *v), t0 = bench_now();
    for (int i = 0; i < n; i++) {
        struct fill f;
        memset(&f, 0, sizeof f);
        fill_of(5000000 + i, sd->first_region, &f);
        json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:b}", "channel",
                              "hotline-12345", "type", "complaint", "title", f.m->title, "text",
                              f.m->text, "citizen_name", f.name, "citizen_phone", f.phone,
                              "category_id", (json_int_t)f.category_id, "region_id",
                              (json_int_t)f.region_id, "address", f.address, "wants_callback", 1);
        double t = bench_now();
        rc = engine_execute(&en, &who, ACT_INTAKE, 0, 0, a, NULL, &e);
        v[i] = bench_now() - t;
        json_decref(a);
        if (rc)
            die("intake", sd->name, rc, &e);
    }
    sd->intake_rate = n / (bench_now() - t0);
    sd->intake = bench_stats_of(v, n);
    free(v);
    engine_release(&en);
}

static int count_cb(void *ctx, const struct order *o)
{
    (void)o;
    ++*(long *)ctx;
    return 0;
}

static const char *const list_names[8] = {"newest", "status=closed", "unit",    "category",
                                          "street", "overdue",       "one day", "status+unit"};

/* The filters the UI sends, each timed for a first page of 50 and for the page after it. */
static void lists(struct side *sd, int64_t from, int64_t to)
{
    static const int closed[] = {ST_CLOSED};
    static const int open[] = {ST_FILED, ST_DISPATCHED, ST_HANDLING, ST_RETURNED};
    double v[N_QUERIES], w[N_QUERIES];
    char cursor[256];
    for (int k = 0; k < 8; k++) {
        long rows = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < N_QUERIES; i++) {
                struct order_query q = {.type = -1, .level = -1, .overdue = -1, .limit = 50};
                q.sort = SORT_CREATED_DESC;
                switch (k) {
                case 1:
                    q.statuses = closed;
                    q.n_statuses = 1;
                    break;
                case 2:
                    q.unit_id = 1 + i % 50;
                    break;
                case 3:
                    q.category_id = 1 + i % N_CATEGORIES;
                    break;
                case 4:
                    q.region_id = sd->first_region + i % N_STREETS;
                    break;
                case 5:
                    q.overdue = 1;
                    q.now = to;
                    break;
                case 6:
                    q.from = from + (int64_t)(i % 28) * JT_DAY;
                    q.to = q.from + JT_DAY;
                    break;
                case 7:
                    q.statuses = open;
                    q.n_statuses = 4;
                    q.unit_id = 1 + i % 50;
                    break;
                default:
                    break;
                }
                long got = 0;
                cursor[0] = '\0';
                double t = bench_now();
                int rc = sd->s->ops->order_query(sd->s, &q, count_cb, &got, cursor, sizeof cursor);
                v[i] = bench_now() - t;
                if (rc)
                    die(list_names[k], sd->name, rc, NULL);
                rows += pass ? got : 0;
                q.cursor = cursor;
                t = bench_now();
                if (cursor[0] && (rc = sd->s->ops->order_query(sd->s, &q, count_cb, &got, NULL, 0)))
                    die(list_names[k], sd->name, rc, NULL);
                w[i] = bench_now() - t;
            }
        sd->list[k] = bench_stats_of(v, N_QUERIES);
        sd->next[k] = bench_stats_of(w, N_QUERIES);
        sd->list_rows[k] = rows;
    }
}

static void searches(struct side *sd, int64_t n_orders)
{
    struct search_who who;
    search_who_init(&who, ROLE_AGENT, 0);
    double v[N_QUERIES];
    for (int k = 0; k < N_SEARCH; k++) {
        long hits = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < N_QUERIES; i++) {
                int64_t id = 1 + (int64_t)i * (n_orders / N_QUERIES);
                struct fill f;
                memset(&f, 0, sizeof f);
                fill_of(id, sd->first_region, &f);
                char q[40];
                if (k == 0)
                    snprintf(q, sizeof q, "%s", words2[i % 10]);
                else if (k == 3)
                    snprintf(q, sizeof q, "%s", rare2[i % 10]);
                else if (k == 1)
                    snprintf(q, sizeof q, "%s", f.phone);
                else { /* the number as the user reads it off the order */
                    struct order o;
                    order_init(&o);
                    if (sd->s->ops->order_get(sd->s, id, &o))
                        die("order_get", sd->name, -JS_ENOTFOUND, NULL);
                    snprintf(q, sizeof q, "%s", o.number);
                    order_release(&o);
                }
                struct search_result r;
                struct js_error e;
                js_error_clear(&e);
                double t = bench_now();
                int rc = search_orders(sd->s, &who, q, NULL, 0, 20, &r, &e);
                v[i] = bench_now() - t;
                if (rc)
                    die("search", sd->name, rc, &e);
                hits += pass ? r.n : 0;
                search_result_release(&r);
            }
        sd->search[k] = bench_stats_of(v, N_QUERIES);
        sd->search_hits[k] = hits;
    }
}

static void assessment(struct side *sd, const struct ind_period *p)
{
    struct assess_store *st = NULL;
    struct scheme *sch = NULL;
    struct js_error e;
    js_error_clear(&e);
    int rc = assess_store_open(sd->loc, &st, &e);
    if (rc || (rc = assess_scheme_load(st, NULL, "dongcheng-2016", &sch, &e)))
        die("assessment", sd->name, rc, &e);
    struct assess_sync_stats ss;
    double t = bench_now();
    if ((rc = assess_sync(st, true, &ss, &e)))
        die("fact projection", sd->name, rc, &e);
    sd->fold_s = bench_now() - t;
    sd->assess_best = 1e9;
    for (int i = 0; i < 3; i++) {
        struct assess_report r;
        memset(&r, 0, sizeof r);
        t = bench_now();
        if ((rc = assess_run(st, sch, p, &r, &e)))
            die("assessment", sd->name, rc, &e);
        double dt = bench_now() - t;
        if (i == 0) {
            sd->assess_first = dt;
            sd->facts = r.cases;
            sd->units = r.n;
            for (int u = 0; u < r.n; u++)
                if (r.rows[u].rank == 1) {
                    snprintf(sd->first_unit, sizeof sd->first_unit, "%s", r.units[u].name);
                    sd->first_score = r.rows[u].score;
                }
        }
        if (dt < sd->assess_best)
            sd->assess_best = dt;
        assess_report_release(&r);
    }
    scheme_free(sch);
    assess_store_close(st);
}

/* One line of the table: SQLite's figure x, PostgreSQL's y, and their ratio. */
static void row(const char *what, double x, double y, const char *unit)
{
    printf("  %-44s %10.2f %-3s %10.2f %-3s  %6.2f\n", what, x, unit, y, unit, x > 0 ? y / x : 0);
}

int main(int argc, char **argv)
{
    const char *source = "/tmp/jiesu-bench.db", *sqlite_path = "/tmp/jiesu-bench-sqlite.db";
    const char *pg = getenv("JIESU_PG_URL"), *month = "2026-10";
    const char *shared = getenv("JIESU_SHARED") ? getenv("JIESU_SHARED") : "../shared";
    int intakes = 2000;
    bool reuse = false;
    const char *only = NULL; /* "search": time the searches alone (on databases already loaded) */
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--source") && v)
            source = argv[++i];
        else if (!strcmp(argv[i], "--sqlite") && v)
            sqlite_path = argv[++i];
        else if (!strcmp(argv[i], "--pg") && v)
            pg = argv[++i];
        else if (!strcmp(argv[i], "--month") && v)
            month = argv[++i];
        else if (!strcmp(argv[i], "--intakes") && v)
            intakes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reuse"))
            reuse = true;
        else if (!strcmp(argv[i], "--only") && v && !strcmp(v, "search"))
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_backends [--source BENCH_ASSESS.db] [--sqlite PATH] "
                            "[--pg URL] [--month YYYY-MM] [--intakes N] [--reuse] "
                            "[--only search]\n");
            return 2;
        }
    }
    if (!pg || !pg[0] || intakes < 10) {
        fprintf(stderr, "bench_backends: needs --pg URL (or JIESU_PG_URL) and --intakes >= 10\n");
        return 2;
    }
    struct js_error e;
    js_error_clear(&e);
    struct ind_period per;
    if (ind_period_parse(month, &per, &e)) {
        fprintf(stderr, "bench_backends: %s\n", e.message);
        return 2;
    }
    bench_messages_shared(shared, &msgs, &n_msgs);

    struct store *src = NULL;
    struct stat sb;
    if (stat(source, &sb) != 0 || store_open(source, &src, &e) || src->ops->migrate(src, &e)) {
        fprintf(stderr, "bench_backends: the source %s (made by bench_assess) cannot be opened\n",
                source);
        return 1;
    }
    int64_t n_orders = count_orders(src);
    printf("bench_backends: %lld orders of %s (%s, %.2f GB) in SQLite and PostgreSQL\n",
           (long long)n_orders, month, source, (double)sb.st_size / 1e9);
    struct side sides[2] = {{.name = "SQLite", .loc = sqlite_path},
                            {.name = "PostgreSQL", .loc = pg}};
    if (!reuse)
        bench_db_remove(sqlite_path);
    for (int k = 0; k < 2; k++) {
        struct side *sd = &sides[k];
        if (store_open(sd->loc, &sd->s, &e) || sd->s->ops->migrate(sd->s, &e))
            die("open", sd->name, e.code, &e);
        int64_t have = count_orders(sd->s);
        if (have >= n_orders && reuse) {
            struct region *r = NULL;
            int n = 0;
            sd->s->ops->region_list(sd->s, &r, &n);
            for (int i = 0; i < n; i++)
                if (!strcmp(r[i].code, "BD01"))
                    sd->first_region = r[i].id;
            free(r);
            printf("  %s: %lld orders already loaded (--reuse)\n", sd->name, (long long)have);
            continue;
        }
        if (have != 0) {
            fprintf(stderr,
                    "bench_backends: %s (%s) is not empty: give a fresh database, or --reuse\n",
                    sd->name, sd->loc);
            return 1;
        }
        fprintf(stderr, "  loading %s...\n", sd->name);
        load(sd, src);
        printf("  %s: loaded in %.1f s, search index built in %.1f s\n", sd->name, sd->load_s,
               sd->index_s);
    }
    store_close(src);
    for (int k = 0; k < 2; k++) {
        struct side *sd = &sides[k];
        fprintf(stderr, "  timing %s...\n", sd->name);
        if (!only)
            intake(sd, intakes);
        if (!only)
            lists(sd, per.from, per.to);
        searches(sd, n_orders);
        store_close(sd->s);
        sd->s = NULL;
        if (!only)
            assessment(sd, &per);
    }
    const struct side *a = &sides[0], *b = &sides[1];
    char what[96];
    static const char *const search_names[N_SEARCH] = {"2-character word", "whole phone",
                                                       "order number", "rare 2-char word"};
    /* with --only search, the rows of what was not timed are left out */
    printf("\n  %-44s %14s %14s  %6s\n", "", "SQLite", "PostgreSQL", "PG/SQL");
    if (a->load_s > 0 && b->load_s > 0) {
        row("load: orders and events copied in", a->load_s, b->load_s, "s");
        row("load: search index built in", a->index_s, b->index_s, "s");
    }
    if (!only) {
        row("intake, durable, one at a time: orders/s", a->intake_rate, b->intake_rate, "/s");
        row("intake p50", a->intake.p50, b->intake.p50, "ms");
        row("intake p99", a->intake.p99, b->intake.p99, "ms");
        for (int k = 0; k < 8; k++) {
            snprintf(what, sizeof what, "list %s: page of 50, p50", list_names[k]);
            row(what, a->list[k].p50, b->list[k].p50, "ms");
            snprintf(what, sizeof what, "list %s: page of 50, p99", list_names[k]);
            row(what, a->list[k].p99, b->list[k].p99, "ms");
            snprintf(what, sizeof what, "list %s: next page, p99", list_names[k]);
            row(what, a->next[k].p99, b->next[k].p99, "ms");
        }
    }
    for (int k = 0; k < N_SEARCH; k++) {
        snprintf(what, sizeof what, "search %s (20 hits), p50", search_names[k]);
        row(what, a->search[k].p50, b->search[k].p50, "ms");
        snprintf(what, sizeof what, "search %s (20 hits), p99", search_names[k]);
        row(what, a->search[k].p99, b->search[k].p99, "ms");
    }
    bool same = true;
    if (!only) {
        row("assessment: fact projection built (once)", a->fold_s, b->fold_s, "s");
        row("assessment of the month: first run", a->assess_first, b->assess_first, "s");
        row("assessment of the month: best of 3", a->assess_best, b->assess_best, "s");
        printf("\n  rows per list filter (both sides): ");
        for (int k = 0; k < 8; k++) {
            printf("%s %ld/%ld%s", list_names[k], a->list_rows[k], b->list_rows[k],
                   k < 7 ? ", " : "\n");
            same &= a->list_rows[k] == b->list_rows[k];
        }
    }
    printf("  search hits (both sides): %ld/%ld, %ld/%ld, %ld/%ld, %ld/%ld\n", a->search_hits[0],
           b->search_hits[0], a->search_hits[1], b->search_hits[1], a->search_hits[2],
           b->search_hits[2], a->search_hits[3], b->search_hits[3]);
    for (int k = 0; k < N_SEARCH; k++)
        same &= a->search_hits[k] == b->search_hits[k];
    if (!only) {
        printf("  assessment: %lld/%lld facts, %d/%d units, first %s %.2f / %s %.2f\n",
               (long long)a->facts, (long long)b->facts, a->units, b->units, a->first_unit,
               a->first_score, b->first_unit, b->first_score);
        same &= a->facts == b->facts && a->units == b->units && a->first_score == b->first_score;
    }
    printf("  both backends found%s the same: %s\n", only ? "" : " and scored",
           same ? "yes" : "NO");
    return same ? 0 : 1;
}
