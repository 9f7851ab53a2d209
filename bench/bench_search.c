/* Benchmark of search and the duplicate check (`make bench`, not a test): builds a store of N
 * orders (1,000,000 by default) from the real citizen messages of ../shared/data (titles and
 * texts cycled, callers, names, addresses and numbers generated), through the store's own
 * order_insert, so the index is jiesu's real one. Then times jiesu's search for a phone, an
 * order number, a 2-character word and a 4-character phrase, and the duplicate check, against
 * the strongest plain-SQLite alternatives measured in the same run on the same database: an
 * index on the phone column, the unique number index, LIKE '%word%' newest first, and an FTS5
 * trigram index for the phrase (trigram cannot search 2 characters). Both sides load the 20
 * orders they return. */
#include "compat.h"

#include "benchlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/model.h"
#include "core/order.h"
#include "store/dupcheck.h"
#include "store/learn.h"
#include "text/classify.h"
#include "store/search.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/jfield.h"
#include "util/jtime.h"

struct sqlite3 *store_sqlite_db(struct store *s); /* store/sqlite_schema.h */

static struct bench_msg *msgs;
static int n_msgs;

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
static const char *const given[] = {"伟", "芳", "娜",   "敏",   "静",   "丽",  "强",
                                    "磊", "军", "洋",   "勇",   "艳",   "杰",  "涛",
                                    "明", "超", "秀英", "建国", "桂兰", "志强"};
static const char *const roads[] = {"多福巷",       "景山前街",     "美术馆后街", "东四十条",
                                    "北池子大街",   "朝阳门内大街", "东华门大街", "南锣鼓巷",
                                    "交道口南大街", "安定门内大街"};

#define N_SAMPLE 200

struct sample {
    char phone[32], number[48];
    int64_t id;
};

static int64_t *units_of; /* unused placeholder for symmetry */

static void generate(struct store *s, long n, struct sample *samp)
{
    int64_t start = 1767196800; /* 2026-01-01 */
    int64_t span = 365LL * 86400;
    char number[48], phone[32], name[32], addr[96], upstream[40];
    int64_t day_seq = 0;
    double t0 = bench_now();
    s->ops->set_bulk(s, true);
    s->ops->begin(s);
    for (long i = 0; i < n; i++) {
        int64_t at = start + (int64_t)((double)span * (double)i / (double)n);
        int y, m, d;
        jtime_civil_from_days(jtime_local_day(at), &y, &m, &d);
        /* the number as the engine gives it: the day and its sequence, taken from seqs */
        char seq_key[32];
        snprintf(seq_key, sizeof seq_key, "order:%04d%02d%02d", y % 10000, m % 100, d % 100);
        if (s->ops->next_seq(s, seq_key, &day_seq)) {
            fprintf(stderr, "bench_search: sequence failed at %ld\n", i);
            exit(1);
        }
        snprintf(number, sizeof number, "%04d%02d%02d%05d", y % 10000, m % 100, d % 100,
                 (int)(day_seq % 100000));
        /* about one caller in five calls again: a pool of 800,000 numbers for 1M orders */
        snprintf(phone, sizeof phone, "1%d%09d", 3 + bench_pick(7),
                 bench_pick((int)(n * 8 / 10) + 1) * 7 + 11);
        snprintf(name, sizeof name, "%s%s", surnames[bench_pick(20)], given[bench_pick(20)]);
        snprintf(addr, sizeof addr, "%s%d号", roads[bench_pick(10)], 1 + bench_pick(200));
        const struct bench_msg *mg = &msgs[bench_pick(n_msgs)];
        struct order o;
        order_init(&o);
        memcpy(o.number, number, 14); /* YYYYMMDD + 5 digits and the NUL */
        snprintf(o.channel, sizeof o.channel, "%s", bench_pick(10) ? "hotline-12345" : "upstream");
        if (!strcmp(o.channel, "upstream")) {
            snprintf(upstream, sizeof upstream, "BJ%04d%06ld", y, i);
            snprintf(o.upstream_id, sizeof o.upstream_id, "%s", upstream);
        }
        order_set_str(&o.citizen_name, name);
        order_set_str(&o.citizen_phone, phone);
        order_set_str(&o.title, mg->title);
        order_set_str(&o.text, mg->text);
        order_set_str(&o.address, addr);
        o.status = ST_CLOSED;
        o.created_at = o.updated_at = at;
        o.not_filed_reason = -1;
        o.closure = -1;
        o.cb_contacted = o.cb_solved = -1;
        if (s->ops->order_insert(s, &o)) {
            fprintf(stderr, "bench_search: insert failed at %ld\n", i);
            exit(1);
        }
        if (i % (n / N_SAMPLE) == 0 && i / (n / N_SAMPLE) < N_SAMPLE) {
            struct sample *sp = &samp[i / (n / N_SAMPLE)];
            snprintf(sp->phone, sizeof sp->phone, "%s", phone);
            memcpy(sp->number, number, 14);
            sp->id = o.id;
        }
        order_release(&o);
        bench_bulk_tick(s, i, t0);
    }
    s->ops->commit(s);
    s->ops->set_bulk(s, false);
}

struct stats {
    double p50, p99, mean;
    long hits;
};

static struct stats summarize(double *v, int n, long hits)
{
    struct bench_stats b = bench_stats_of(v, n);
    return (struct stats){b.p50, b.p99, b.mean, hits};
}

/* Loads the orders of ids as search does, so both sides pay the same. */
static void load_all(struct store *s, const int64_t *ids, int n)
{
    for (int i = 0; i < n; i++) {
        struct order o;
        s->ops->order_get(s, ids[i], &o);
        order_release(&o);
    }
}

/* s reversed into out (size bytes, cut to fit). */
static void sql_rev_into(const char *s, char *out, size_t size)
{
    size_t len = strlen(s), n = len < size ? len : size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[len - 1 - i];
    out[n] = '\0';
}

/* bl_rev(text): the text reversed (ASCII), for the baseline's reversed-number keys. */
static void sql_rev(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    char out[64];
    sql_rev_into(t ? t : "", out, sizeof out);
    sqlite3_result_text(cx, out, -1, SQLITE_TRANSIENT);
}

static int baseline(struct store *s, sqlite3_stmt *st, const char *arg)
{
    int64_t ids[20];
    int n = 0;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    while (n < 20 && sqlite3_step(st) == SQLITE_ROW)
        ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    load_all(s, ids, n);
    return n;
}

static void report(const char *what, struct stats a, struct stats b, const char *bname)
{
    printf("  %-22s jiesu p50 %7.3f ms p99 %7.3f ms (hits %5.1f/query) | %-26s p50 %8.3f ms p99 "
           "%8.3f ms (hits %5.1f) | p99 ratio %.2f\n",
           what, a.p50, a.p99, (double)a.hits / N_SAMPLE, bname, b.p50, b.p99,
           (double)b.hits / N_SAMPLE, b.p99 / (a.p99 > 0 ? a.p99 : 1e-9));
}

int main(int argc, char **argv)
{
    long n = 1000000;
    const char *db = "/tmp/jiesu-bench-search.db";
    const char *shared = getenv("JIESU_SHARED") ? getenv("JIESU_SHARED") : "../shared";
    bool reuse = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (!strcmp(argv[i], "--reuse"))
            reuse = true;
        else {
            fprintf(stderr, "usage: bench_search [--orders N] [--db PATH] [--reuse]\n");
            return 2;
        }
    }
    if (n < N_SAMPLE * 10) {
        fprintf(stderr, "bench_search: --orders must be at least %d\n", N_SAMPLE * 10);
        return 2;
    }
    bench_messages_shared(shared, &msgs, &n_msgs);
    struct sample samp[N_SAMPLE];
    memset(samp, 0, sizeof samp);
    struct store *s = NULL;
    struct js_error e;
    struct stat sb;
    bool exists = stat(db, &sb) == 0;
    if (!reuse || !exists)
        bench_db_remove(db);
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, "bench_search: %s\n", e.message);
        return 1;
    }
    sqlite3 *sdb = store_sqlite_db(s);
    printf("bench_search: %ld orders from %d real messages, database %s\n", n, n_msgs, db);
    double t0 = bench_now();
    if (!reuse || !exists) {
        generate(s, n, samp);
        printf("  generated and indexed in %.1f s (%.0f orders/s)\n", bench_now() - t0,
               (double)n / (bench_now() - t0));
        t0 = bench_now();
        sqlite3_create_function(sdb, "bl_rev", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_rev,
                                NULL, NULL);
        sqlite3_exec(sdb,
                     "CREATE INDEX bl_phone ON orders(citizen_phone);"
                     "CREATE TABLE bl_num(rnum TEXT PRIMARY KEY, id INTEGER NOT NULL)"
                     " WITHOUT ROWID;"
                     "INSERT INTO bl_num SELECT bl_rev(number), id FROM orders;"
                     "CREATE VIRTUAL TABLE bl_tri USING fts5(title, text, content='orders',"
                     " content_rowid='id', tokenize='trigram');"
                     "INSERT INTO bl_tri(bl_tri) VALUES('rebuild');",
                     NULL, NULL, NULL);
        printf(
            "  baseline indexes (phone b-tree, reversed numbers, FTS5 trigram) built in %.1f s\n",
            bench_now() - t0);
    } else {
        /* samples from the stored orders, evenly spaced */
        sqlite3_stmt *st;
        sqlite3_prepare_v2(sdb, "SELECT id, citizen_phone, number FROM orders WHERE id = ?1", -1,
                           &st, NULL);
        for (int i = 0; i < N_SAMPLE; i++) {
            sqlite3_bind_int64(st, 1, 1 + (int64_t)i * (n / N_SAMPLE));
            if (sqlite3_step(st) == SQLITE_ROW) {
                samp[i].id = sqlite3_column_int64(st, 0);
                snprintf(samp[i].phone, sizeof samp[i].phone, "%s", sqlite3_column_text(st, 1));
                snprintf(samp[i].number, sizeof samp[i].number, "%s", sqlite3_column_text(st, 2));
            }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    struct stat dbs;
    if (stat(db, &dbs) == 0)
        printf("  database %.2f GB\n", (double)dbs.st_size / 1e9);

    static const char *const words2[] = {"停车", "噪音", "物业", "拆迁", "漏水",
                                         "路灯", "垃圾", "学校", "工资", "公交"};
    static const char *const phrases4[] = {"小区物业", "噪音扰民", "违章建筑", "拖欠工资",
                                           "停车收费", "安全隐患", "道路维修", "公交线路",
                                           "自来水管", "小区绿化"};
    struct search_who who;
    search_who_init(&who, ROLE_AGENT, 0);
    double ta[N_SAMPLE], tb[N_SAMPLE];
    long ha, hb;
    sqlite3_stmt *st_phone, *st_number, *st_like, *st_tri, *st_tail;
    sqlite3_prepare_v2(sdb, "SELECT id FROM orders WHERE citizen_phone = ?1 ORDER BY id DESC", -1,
                       &st_phone, NULL);
    sqlite3_prepare_v2(sdb, "SELECT id FROM orders WHERE number = ?1", -1, &st_number, NULL);
    /* a tail: the range of the reversed numbers that begin with it reversed, newest first */
    sqlite3_prepare_v2(sdb,
                       "SELECT id FROM bl_num WHERE rnum > ?1 AND rnum < ?1 || ':' ORDER BY id"
                       " DESC",
                       -1, &st_tail, NULL);
    sqlite3_prepare_v2(sdb,
                       "SELECT id FROM orders WHERE title LIKE '%' || ?1 || '%' OR text LIKE '%' "
                       "|| ?1 || '%' OR address LIKE '%' || ?1 || '%' ORDER BY id DESC",
                       -1, &st_like, NULL);
    sqlite3_prepare_v2(sdb,
                       "SELECT rowid FROM bl_tri WHERE bl_tri MATCH '\"' || ?1 || '\"' ORDER BY "
                       "rowid DESC",
                       -1, &st_tri, NULL);
    json_t *syn = NULL; /* synonyms off: the baseline has none */
    printf("  %d queries of each kind, 20 results each, both sides loading the orders:\n",
           N_SAMPLE);
    for (int kind = 0; kind < 5; kind++) {
        ha = hb = 0;
        /* one untimed pass warms the caches of both sides */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < N_SAMPLE; i++) {
                const char *q = kind == 0   ? samp[i].phone
                                : kind == 1 ? samp[i].number
                                : kind == 2 ? words2[i % 10]
                                : kind == 3 ? phrases4[i % 10]
                                            : samp[i].number + 8; /* the last five digits */
                struct search_result r;
                double a = bench_now();
                int rc = search_orders(s, &who, q, syn, 0, 20, &r, &e);
                double b = bench_now();
                if (rc) {
                    fprintf(stderr, "search %s: %s\n", q, e.message);
                    return 1;
                }
                ha += r.n;
                search_result_release(&r);
                sqlite3_stmt *bst = kind == 0   ? st_phone
                                    : kind == 1 ? st_number
                                    : kind == 2 ? st_like
                                    : kind == 3 ? st_tri
                                                : st_tail;
                char rq[16];
                sql_rev_into(q, rq, sizeof rq);
                double c = bench_now();
                hb += baseline(s, bst, kind == 4 ? rq : q);
                double d = bench_now();
                ta[i] = b - a;
                tb[i] = d - c;
            }
        static const char *const names[] = {"phone (whole)", "order number", "2-char word",
                                            "4-char phrase", "number's last 5 digits"};
        static const char *const bnames[] = {"b-tree on phone", "unique index on number",
                                             "LIKE '%w%' newest first", "FTS5 trigram phrase",
                                             "reversed-number b-tree"};
        report(names[kind], summarize(ta, N_SAMPLE, ha / 2), summarize(tb, N_SAMPLE, hb / 2),
               bnames[kind]);
    }
    /* the duplicate check: a sampled order's text retold (its title dropped), same caller */
    double td[N_SAMPLE];
    long found = 0, examined = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < N_SAMPLE; i++) {
            struct order o;
            if (s->ops->order_get(s, samp[i].id, &o))
                continue;
            struct dup_doc d = {.title = "",
                                .text = o.text,
                                .address = o.address,
                                .phone = o.citizen_phone,
                                .created_at = o.created_at + 3600};
            struct dup_result r;
            double a = bench_now();
            if (dupcheck_run(s, &who, &d, 0, o.created_at + 3600, 30, 8, DUP_THRESHOLD, &r, &e)) {
                fprintf(stderr, "dupcheck: %s\n", e.message);
                return 1;
            }
            td[i] = bench_now() - a;
            if (pass) {
                examined += r.examined;
                for (int k = 0; k < r.n; k++)
                    if (r.v[k].order.id == o.id) {
                        found++;
                        break;
                    }
            }
            dup_result_release(&r);
            order_release(&o);
        }
    struct stats ds = summarize(td, N_SAMPLE, found);
    printf("  duplicate check (30 days): p50 %.3f ms p99 %.3f ms, %.1f candidates scored per "
           "check, the retold original found in %ld of %d\n",
           ds.p50, ds.p99, (double)examined / N_SAMPLE, found, N_SAMPLE);
    /* a suggestion: a category model learnt from train.csv (7 classes, stored as categories
     * of this store), asked for the sampled orders' texts; the store is consulted for the
     * category names and the catalogue */
    {
        char path[512];
        snprintf(path, sizeof path, "%s/data/tipdm2020c/train.csv", shared);
        FILE *f = fopen(path, "r");
        struct csv_reader r;
        bool got;
        if (!f) {
            fprintf(stderr, "bench_search: cannot open %s\n", path);
            return 1;
        }
        csv_init(&r, f, 0);
        csv_next(&r, &got, &e);
        int li = csv_find(&r, "label"), ti = csv_find(&r, "title"), xi = csv_find(&r, "text");
        struct classifier_doc *docs = NULL;
        int nd = 0;
        char ids[16][24], names[16][64];
        int nl = 0;
        while (csv_next(&r, &got, &e) == 0 && got) {
            const char *label = csv_field(&r, li);
            int k = 0;
            while (k < nl && strcmp(names[k], label))
                k++;
            if (k == nl && nl < 16) {
                struct category c = {.level = 1};
                snprintf(c.name, sizeof c.name, "%s", label);
                snprintf(c.code, sizeof c.code, "B%02d", nl);
                struct category old;
                if (s->ops->category_get(s, (int64_t)nl + 1, &old) != 0 || strcmp(old.name, label))
                    s->ops->category_put(s, &c);
                else
                    c.id = old.id;
                snprintf(names[nl], sizeof names[nl], "%s", label);
                snprintf(ids[nl++], sizeof ids[0], "%lld", (long long)c.id);
            }
            struct classifier_doc *grown = realloc(docs, (size_t)(nd + 1) * sizeof *docs);
            if (!grown)
                return 1;
            docs = grown;
            docs[nd++] = (struct classifier_doc){strdup(csv_field(&r, ti)),
                                                 strdup(csv_field(&r, xi)), ids[k]};
        }
        csv_release(&r);
        fclose(f);
        struct classifier_opts co = {0};
        struct learn_models m = {0};
        double a = bench_now();
        if (classifier_train(docs, nd, &co, &m.category, &e)) {
            fprintf(stderr, "bench_search: training: %s\n", e.message);
            return 1;
        }
        printf("  suggestion model: %d training rows, %d classes, trained in %.1f s\n", nd,
               classifier_classes(m.category), bench_now() - a);
        double tsug[N_SAMPLE];
        long chars = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < N_SAMPLE; i++) {
                struct order o;
                if (s->ops->order_get(s, samp[i].id, &o))
                    continue;
                struct suggestions out;
                a = bench_now();
                learn_suggest(s, &m, o.title, o.text, 0, 0, &out);
                tsug[i] = bench_now() - a;
                if (pass)
                    chars += (long)(utf8_len(o.title) + utf8_len(o.text));
                order_release(&o);
            }
        struct stats gs = summarize(tsug, N_SAMPLE, 0);
        printf("  suggestion (top 3 categories and units, %d-character texts on average): p50 "
               "%.3f ms p99 %.3f ms\n",
               (int)(chars / N_SAMPLE), gs.p50, gs.p99);
        classifier_free(m.category);
        for (int i = 0; i < nd; i++) {
            free((void *)docs[i].title);
            free((void *)docs[i].text);
        }
        free(docs);
    }
    (void)units_of;
    sqlite3_finalize(st_phone);
    sqlite3_finalize(st_number);
    sqlite3_finalize(st_tail);
    sqlite3_finalize(st_like);
    sqlite3_finalize(st_tri);
    store_close(s);
    return 0;
}
