/* `jiesu copy` (cli/cmd_copy.c) end to end through the binary (JIESU_BIN): a demo district of
 * 300 orders on SQLite is copied to a fresh database (PostgreSQL when JIESU_PG_URL is set, as
 * test_copy_pg runs it; else another SQLite file) and from there to a new SQLite file. The
 * three must hold the same rows table by table (read through the store's dump_table), answer
 * the same searches and the same assessment, and replay their events; a copy into a database
 * that is not empty is refused and changes nothing; ids go on after the greatest copied. */
#include "compat.h"
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "store/store.h"

static char src_db[512], mid_db[1024], back_db[512];

/* Runs a shell command; *out (may be NULL) gets its standard output (free()). Returns its exit
 * status. */
static int run(const char *cmd, char **out)
{
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            char *bigger = realloc(buf, cap);
            assert_non_null(bigger);
            buf = bigger;
        }
    }
    buf[n] = '\0';
    int st = pclose(f);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

static int jiesu(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jiesu(char **out, const char *fmt, ...)
{
    const char *bin = getenv("JIESU_BIN");
    assert_non_null(bin);
    char args[4096], cmd[5000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", bin, args);
    return run(cmd, out);
}

/* Row count and an order-independent hash of every table of store_tables, read through the
 * store's dump_table. */
struct tab {
    int64_t rows;
    uint64_t sum;
};

static int hash_cb(void *ctx, const struct store_row *r)
{
    struct tab *t = ctx;
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < r->n; i++) {
        const struct store_value *v = &r->v[i];
        char num[64];
        const char *p = num;
        size_t n;
        if (v->type == SV_INT)
            n = (size_t)snprintf(num, sizeof num, "%s=i%lld", r->cols[i], (long long)v->i);
        else if (v->type == SV_REAL)
            n = (size_t)snprintf(num, sizeof num, "%s=r%.17g", r->cols[i], v->d);
        else if (v->type == SV_NULL)
            n = (size_t)snprintf(num, sizeof num, "%s=null", r->cols[i]);
        else {
            for (const char *c = r->cols[i]; *c; c++)
                h = (h ^ (unsigned char)*c) * 1099511628211ULL;
            snprintf(num, sizeof num, "=%c%zu:", v->type == SV_TEXT ? 't' : 'b', v->n);
            n = strlen(num);
            for (size_t k = 0; k < n; k++)
                h = (h ^ (unsigned char)num[k]) * 1099511628211ULL;
            p = v->p;
            n = v->n;
        }
        for (size_t k = 0; k < n; k++)
            h = (h ^ (unsigned char)p[k]) * 1099511628211ULL;
    }
    t->sum += h ^ (h >> 29);
    t->rows++;
    return 0;
}

static void tables_of(const char *loc, struct tab *out)
{
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(store_open(loc, &s, &e), 0);
    for (int i = 0; i < store_n_tables; i++) {
        out[i] = (struct tab){0, 0};
        assert_int_equal(s->ops->dump_table(s, store_tables[i].name, hash_cb, &out[i]), 0);
    }
    store_close(s);
}

static void same_tables(const char *a, const char *b)
{
    struct tab ta[64], tb[64];
    assert_true(store_n_tables <= 64);
    tables_of(a, ta);
    tables_of(b, tb);
    for (int i = 0; i < store_n_tables; i++) {
        if (ta[i].rows != tb[i].rows || ta[i].sum != tb[i].sum)
            fail_msg("table %s differs: %lld rows vs %lld", store_tables[i].name,
                     (long long)ta[i].rows, (long long)tb[i].rows);
    }
}

static int64_t table_rows(const char *loc, const char *name)
{
    struct tab t[64];
    tables_of(loc, t);
    return t[store_table_find(name) - store_tables].rows;
}

/* The demo on SQLite, copied to the middle database and back to a new SQLite file. */
static int setup(void **state)
{
    (void)state;
    snprintf(src_db, sizeof src_db, "%s", tu_path("src.db"));
    snprintf(mid_db, sizeof mid_db, "%s", tu_pg() ? tu_db_fresh("copy_mid") : tu_path("mid.db"));
    snprintf(back_db, sizeof back_db, "%s", tu_path("back.db"));
    char *out = NULL;
    if (jiesu(&out, "init --db '%s'", src_db) ||
        jiesu(NULL, "demo --db '%s' --orders 300 --data '%s/data/tipdm2020c'", src_db,
              tu_shared())) {
        fprintf(stderr, "demo failed: %s\n", out ? out : "");
        free(out);
        return -1;
    }
    free(out);
    /* rows in the append-only tables of the assessment (a boolean, a real, JSON text) and in a
     * table whose id is SQLite's rowid */
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (store_open(src_db, &s, &e))
        return -1;
    struct assess_appeal_rec a = {.order_id = 1, .unit_id = 1, .filed_by = 1, .filed_at = 1000};
    a.indicators = strdup("[\"shi\"]");
    a.reason = strdup("复制测试的申诉");
    a.evidence = strdup("[]");
    struct assess_item_rec it = {
        .unit_id = 1, .on_day = 20261015, .by_user = 1, .at = 1001, .points = 2.75};
    snprintf(it.kind, sizeof it.kind, "deduction");
    it.note = strdup("扣分 0.1 + 0.2");
    struct assess_scheme_rec sc = {.by_user = 1, .at = 1002};
    snprintf(sc.name, sizeof sc.name, "copy-test");
    sc.doc = strdup("{\"name\": \"copy-test\", \"w\": 0.30000000000000004}");
    int rc = s->ops->assess_appeal_put(s, &a);
    if (!rc)
        rc = s->ops->assess_appeal_decide(s, a.id, true, "同意", 1, 1003);
    if (!rc)
        rc = s->ops->assess_item_put(s, &it);
    if (!rc)
        rc = s->ops->assess_item_cancel(s, it.id, "录入有误", 1, 1004);
    if (!rc)
        rc = s->ops->assess_scheme_put(s, &sc);
    assess_appeal_rec_release(&a);
    assess_item_rec_release(&it);
    assess_scheme_rec_release(&sc);
    store_close(s);
    if (rc ||
        tu_raw_exec(src_db, "INSERT INTO login_failures(key, at) VALUES ('Lx', 5), ('Ay', 6)") ||
        /* what PostgreSQL's COPY text format must escape: backslash, tab, newline, carriage
         * return, and bytes (NUL, 0xff, a backslash) */
        tu_raw_exec(src_db, "INSERT INTO audit(at, action, detail) VALUES (8, 'copy_test',"
                            " 'a\\\\b' || char(9) || 'c' || char(10) || 'd' || char(13) ||"
                            " '\\\\N 末')") ||
        tu_raw_exec(src_db, "INSERT INTO blobs(key, at, data) VALUES ('copy_test', 7,"
                            " x'00ff5c0a095c4e')"))
        return -1;
    return 0;
}

static void copy_there_and_back(void **state)
{
    (void)state;
    char *out = NULL;
    int rc = jiesu(&out, "copy --from '%s' --to '%s'", src_db, mid_db);
    if (rc)
        fail_msg("copy to the middle database: %s", out);
    assert_non_null(strstr(out, "校验通过"));
    assert_non_null(strstr(out, "已按事件重建 300 件工单，0 件与存储不一致"));
    free(out);
    rc = jiesu(&out, "copy --from '%s' --to '%s'", mid_db, back_db);
    if (rc)
        fail_msg("copy back to SQLite: %s", out);
    free(out);

    assert_int_equal(table_rows(src_db, "orders"), 300);
    assert_int_equal(table_rows(src_db, "appeal_decisions"), 1);
    assert_int_equal(table_rows(src_db, "assess_item_cancels"), 1);
    assert_int_equal(table_rows(src_db, "assess_schemes"), 1);
    assert_int_equal(table_rows(src_db, "login_failures"), 2);
    assert_true(table_rows(src_db, "events") > 300);
    same_tables(src_db, mid_db);
    same_tables(src_db, back_db);

    const char *dbs[3] = {src_db, mid_db, back_db};
    /* words, and the number of an order of the demo (which numbers it gets depends on the demo) */
    struct store *s = NULL;
    struct js_error e;
    struct order o;
    js_error_clear(&e);
    order_init(&o);
    assert_int_equal(store_open(src_db, &s, &e), 0);
    assert_int_equal(s->ops->order_get(s, 3, &o), 0);
    store_close(s);
    char number[24];
    snprintf(number, sizeof number, "%s", o.number);
    order_release(&o);
    const char *const queries[] = {"噪音", number, "小区 施工", "油烟"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char *r[3];
        for (int i = 0; i < 3; i++)
            assert_int_equal(
                jiesu(&r[i], "search --db '%s' --as admin --q '%s' --limit 50", dbs[i], queries[q]),
                0);
        assert_true(strlen(r[0]) > 40); /* it finds something */
        assert_string_equal(r[0], r[1]);
        assert_string_equal(r[0], r[2]);
        for (int i = 0; i < 3; i++)
            free(r[i]);
    }
    char *k[3], *a[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jiesu(&k[i], "kb --db '%s' --search 公积金", dbs[i]), 0);
        assert_int_equal(jiesu(&a[i], "assess --db '%s' --period 2026-10 --format json", dbs[i]),
                         0);
        assert_int_equal(jiesu(NULL, "check-replay --db '%s'", dbs[i]), 0);
    }
    assert_non_null(strstr(k[0], "公积金"));
    assert_non_null(strstr(a[0], "\"indicators\""));
    for (int i = 1; i < 3; i++) {
        assert_string_equal(k[0], k[i]);
        assert_string_equal(a[0], a[i]);
    }
    for (int i = 0; i < 3; i++) {
        free(k[i]);
        free(a[i]);
    }
}

/* A copy into a database that is not empty is refused and changes nothing. */
static void refuses_a_database_not_empty(void **state)
{
    (void)state;
    struct tab before[64], after[64];
    tables_of(mid_db, before);
    assert_true(before[0].rows > 0);
    char *out = NULL;
    int rc = jiesu(&out, "copy --from '%s' --to '%s'", back_db, mid_db);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "不是空的"));
    free(out);
    tables_of(mid_db, after);
    for (int i = 0; i < store_n_tables; i++) {
        assert_int_equal(before[i].rows, after[i].rows);
        assert_true(before[i].sum == after[i].sum);
    }
    /* missing options: usage, exit 2 */
    assert_int_equal(jiesu(NULL, "copy --from '%s'", back_db), 2);
}

/* The ids go on after the greatest copied (PostgreSQL: the identity sequences were set). */
static void ids_go_on(void **state)
{
    (void)state;
    int64_t max = tu_raw_int(mid_db, "SELECT max(id) FROM regions");
    assert_true(max > 1);
    assert_int_equal(tu_raw_exec(mid_db, "INSERT INTO regions(level, name)"
                                         " SELECT level, 'copy test' FROM regions WHERE id = 1"),
                     0);
    assert_int_equal(tu_raw_int(mid_db, "SELECT id FROM regions WHERE name = 'copy test'"),
                     max + 1);
}

/* A read snapshot keeps reading the state it began with while another connection writes; the
 * rows written meanwhile appear once it ends (both sides: SQLite, and the middle database). */
static void snapshot_reads_one_state(void **state)
{
    (void)state;
    const char *dbs[2] = {src_db, mid_db};
    for (int k = 0; k < 2; k++) {
        struct store *s = NULL;
        struct js_error e;
        js_error_clear(&e);
        assert_int_equal(store_open(dbs[k], &s, &e), 0);
        struct tab before = {0, 0}, during = {0, 0}, after = {0, 0};
        int t = (int)(store_table_find("login_failures") - store_tables);
        assert_int_equal(s->ops->read_snapshot(s, true), 0);
        assert_int_equal(s->ops->dump_table(s, store_tables[t].name, hash_cb, &before), 0);
        assert_int_equal(
            tu_raw_exec(dbs[k], "INSERT INTO login_failures(key, at) VALUES ('Sn', 9)"), 0);
        assert_int_equal(s->ops->dump_table(s, store_tables[t].name, hash_cb, &during), 0);
        assert_int_equal(s->ops->read_snapshot(s, false), 0);
        assert_int_equal(s->ops->dump_table(s, store_tables[t].name, hash_cb, &after), 0);
        assert_int_equal(during.rows, before.rows);
        assert_true(during.sum == before.sum);
        assert_int_equal(after.rows, before.rows + 1);
        store_close(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_there_and_back),
        cmocka_unit_test(refuses_a_database_not_empty),
        cmocka_unit_test(ids_go_on),
        cmocka_unit_test(snapshot_reads_one_state),
    };
    return cmocka_run_group_tests_name(tu_pg() ? "copy SQLite -> PostgreSQL -> SQLite"
                                               : "copy SQLite -> SQLite -> SQLite",
                                       tests, setup, NULL);
}
