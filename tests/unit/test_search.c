/* Tests of search (issue 9): each kind of lookup, Chinese recall (two characters inside longer
 * words, one character, traditional input, synonyms, notes and replies), the rules of who may
 * look citizens up, the audit of such lookups, and the duplicate check's candidates. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store/dupcheck.h"
#include "store/rows.h"
#include "store/search.h"
#include "store/sqlite_schema.h"
#include "testutil.h"

#include <sqlite3.h>
#include "text/searchtext.h"

static int64_t intake(struct fixture *f, const char *title, const char *text, const char *name,
                      const char *phone, const char *address, const char *upstream)
{
    char args[2048];
    snprintf(args, sizeof args,
             "{\"channel\":\"%s\",\"type\":\"complaint\",\"title\":\"%s\",\"text\":\"%s\","
             "\"citizen_name\":\"%s\",\"citizen_phone\":\"%s\",\"address\":\"%s\"%s%s%s}",
             upstream ? "upstream" : "hotline-12345", title, text, name, phone, address,
             upstream ? ",\"upstream_id\":\"" : "", upstream ? upstream : "", upstream ? "\"" : "");
    int64_t id = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0, args);
    fx_advance(f, 600);
    return id;
}

/* The ids found for q by role (unit: for unit roles), at most 50, in result order. */
static int find(struct fixture *f, int role, int64_t unit, const char *q, bool synonyms,
                int64_t *ids, int *kinds)
{
    struct search_who w;
    struct search_result r;
    struct js_error e;
    js_error_clear(&e);
    search_who_init(&w, role, unit);
    json_t *syn = synonyms ? searchtext_default_synonyms() : NULL;
    int rc = search_orders(f->store, &w, q, syn, 0, 50, &r, &e);
    json_decref(syn);
    if (rc)
        fail_msg("search %s: %s", q, e.message);
    int n = r.n;
    for (int i = 0; i < n; i++) {
        if (ids)
            ids[i] = r.orders[i].id;
        if (kinds)
            kinds[i] = r.hits[i].kind;
    }
    search_result_release(&r);
    return n;
}

static bool has(const int64_t *ids, int n, int64_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

struct world {
    struct fixture f;
    int64_t park, chaos, noise, noise2, trad, other, upstream, dispatched;
};

static void world_open(struct world *w, const char *name)
{
    struct fixture *f = &w->f;
    fixture_open(f, name, "dongcheng-2016", "2026-11-16T09:00:00+08:00");
    w->park = intake(f, "停车场收费过高", "小区地下停车场每月收费八百元", "王建国", "13812340001",
                     "多福巷12号", NULL);
    w->chaos = intake(f, "路边乱停车堵路", "每天早上车辆乱停车，消防通道被占", "李梅",
                      "13812340002", "景山前街3号", NULL);
    w->noise = intake(f, "夜间施工噪音", "工地夜间施工噪音很大", "张伟", "13912345678",
                      "东四十条5号", NULL);
    w->noise2 = intake(f, "广场舞噪声扰民", "晚上十点后仍有噪声", "赵敏", "13712345678",
                       "朝阳门内大街8号", NULL);
    w->trad = intake(f, "停車場出口擁堵", "停車場出口每天擁堵", "陈静", "13600001111",
                     "美术馆后街1号", NULL);
    w->other = intake(f, "垃圾清运不及时", "垃圾桶满了没人清理", "王建军", "13500002222",
                      "东华门大街2号", NULL);
    w->upstream = intake(f, "供暖不热", "室温只有十五度", "孙丽", "13400003333", "北池子9号",
                         "BJ12345-2026-0001");
    /* dispatched to street 0 with a note only its reply and notes mention */
    w->dispatched = intake(f, "楼道灯不亮", "三号楼楼道灯坏了", "周强", "13300004444",
                           "东华门街道多福巷社区", NULL);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, w->dispatched, "{}");
    char args[200];
    snprintf(args, sizeof args, "{\"unit_id\":%lld,\"note\":\"请物业维修声控开关\"}",
             (long long)f->unit_street[0]);
    fx_ok(f, &f->as[ROLE_DISPATCHER], ACT_DISPATCH, w->dispatched, args);
}

static void test_words_inside_longer_words(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-words.db");
    int64_t ids[64];
    /* 停车 is inside 停车场 and 乱停车; the traditional 停車場 folds to 停车场 */
    int n = find(&w.f, ROLE_AGENT, 0, "停车", false, ids, NULL);
    assert_int_equal(n, 3);
    assert_true(has(ids, n, w.park) && has(ids, n, w.chaos) && has(ids, n, w.trad));
    /* one character: every order holding it */
    n = find(&w.f, ROLE_AGENT, 0, "噪", false, ids, NULL);
    assert_int_equal(n, 2);
    /* traditional input finds simplified text, and the other way round */
    n = find(&w.f, ROLE_AGENT, 0, "停車場", false, ids, NULL);
    assert_int_equal(n, 2);
    assert_true(has(ids, n, w.park) && has(ids, n, w.trad));
    n = find(&w.f, ROLE_AGENT, 0, "出口拥堵", false, ids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.trad);
    /* a phrase must appear as written, not its characters anywhere */
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "停车场收费", false, ids, NULL), 1);
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "收费停车场", false, ids, NULL), 0);
    /* several words: all required */
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "停车 消防", false, ids, NULL), 1);
    /* numbers inside addresses */
    n = find(&w.f, ROLE_AGENT, 0, "多福巷12号", false, ids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.park);
    /* the title first: 停车 in a title ranks before 停车 in the text only */
    n = find(&w.f, ROLE_AGENT, 0, "停车场", false, ids, NULL);
    assert_int_equal(n, 2);
    fixture_close(&w.f);
}

static void test_synonyms_notes_reply(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-syn.db");
    int64_t ids[64];
    /* 噪音 alone finds one; with the default synonyms 噪声 too */
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "噪音", false, ids, NULL), 1);
    int n = find(&w.f, ROLE_AGENT, 0, "噪音", true, ids, NULL);
    assert_int_equal(n, 2);
    assert_true(has(ids, n, w.noise) && has(ids, n, w.noise2));
    /* a note written on the timeline is searchable; the order's reply too */
    n = find(&w.f, ROLE_AGENT, 0, "声控开关", false, ids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.dispatched);
    fx_ok(&w.f, fx_unit_actor(&w.f, 0, false), ACT_SIGN, w.dispatched, "{}");
    fx_ok(&w.f, fx_unit_actor(&w.f, 0, false), ACT_REPLY, w.dispatched,
          "{\"result\":\"已更换感应灯泡并恢复照明\",\"closure\":\"resolved\","
          "\"responsible\":\"物业\",\"handler\":\"刘师傅\"}");
    n = find(&w.f, ROLE_AGENT, 0, "感应灯泡", false, ids, NULL);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.dispatched);
    /* system notes (urges, overdue marks) are not indexed as people's notes */
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "已超过办理时限", false, ids, NULL), 0);

    /* the index rebuilt from scratch (a copy's load_finish) answers as the one kept up to date,
     * notes of several events included, phrases across two notes too */
    static const char *const queries[] = {"声控开关",    "感应灯泡", "停车",       "噪",
                                          "物业",        "刘师傅",   "开关已更换", "多福巷12号",
                                          "13812340001", "王建"};
    enum { NQ = sizeof queries / sizeof queries[0] };
    int64_t before[NQ][64], after[64];
    int nb[NQ];
    for (int q = 0; q < NQ; q++)
        nb[q] = find(&w.f, ROLE_ADMIN, 0, queries[q], false, before[q], NULL);
    assert_true(nb[0] == 1 && nb[2] == 3);
    assert_int_equal(w.f.store->ops->load_finish(w.f.store), 0);
    for (int q = 0; q < NQ; q++) {
        int na = find(&w.f, ROLE_ADMIN, 0, queries[q], false, after, NULL);
        if (na != nb[q] || memcmp(after, before[q], (size_t)na * sizeof *after))
            fail_msg("%s: %d hits before the rebuild, %d after", queries[q], nb[q], na);
    }
    fixture_close(&w.f);
}

static void test_numbers_phones_names(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-keys.db");
    int64_t ids[64];
    int kinds[64];
    struct order o;
    fx_get(&w.f, w.noise, &o);
    char number[20];
    snprintf(number, sizeof number, "%s", o.number);
    order_release(&o);
    /* the whole number: that order, exactly */
    int n = find(&w.f, ROLE_AGENT, 0, number, false, ids, kinds);
    assert_true(n >= 1);
    assert_int_equal(ids[0], w.noise);
    assert_int_equal(kinds[0], SEARCH_NUMBER);
    /* a unique tail of the number */
    n = find(&w.f, ROLE_AGENT, 0, number + 8, false, ids, kinds);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.noise);
    /* the upstream id, whole and its tail, case-insensitive */
    n = find(&w.f, ROLE_AGENT, 0, "bj12345-2026-0001", false, ids, kinds);
    assert_int_equal(ids[0], w.upstream);
    assert_int_equal(kinds[0], SEARCH_UPSTREAM);
    /* the phone, whole (with separators and +86) and its last 4 digits */
    n = find(&w.f, ROLE_AGENT, 0, "+86 139-1234-5678", false, ids, kinds);
    assert_true(n >= 1);
    assert_int_equal(ids[0], w.noise);
    assert_int_equal(kinds[0], SEARCH_PHONE);
    n = find(&w.f, ROLE_AGENT, 0, "5678", false, ids, kinds);
    assert_int_equal(n, 2); /* 139…5678 and 137…5678 */
    assert_true(has(ids, n, w.noise) && has(ids, n, w.noise2));
    /* a name, whole or the surname; 王建国 and 王建军 share 王建 */
    n = find(&w.f, ROLE_AGENT, 0, "王建国", false, ids, kinds);
    assert_int_equal(n, 1);
    assert_int_equal(kinds[0], SEARCH_NAME);
    n = find(&w.f, ROLE_AGENT, 0, "王建", false, ids, kinds);
    assert_int_equal(n, 2);
    /* fewer than 4 digits is no phone lookup */
    assert_int_equal(find(&w.f, ROLE_AGENT, 0, "678", false, ids, kinds), 0);
    fixture_close(&w.f);
}

static void test_who_may_look_up_citizens(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-who.db");
    int64_t ids[64];
    int kinds[64];
    /* the auditor sees citizens masked: no lookup by phone or name */
    assert_int_equal(find(&w.f, ROLE_AUDITOR, 0, "13912345678", false, ids, kinds), 0);
    assert_int_equal(find(&w.f, ROLE_AUDITOR, 0, "王建国", false, ids, kinds), 0);
    /* but words still work for the auditor */
    assert_int_equal(find(&w.f, ROLE_AUDITOR, 0, "停车", false, ids, kinds), 3);
    /* a unit user: only orders its unit holds, never by citizen */
    int64_t unit = w.f.unit_street[0], other = w.f.unit_street[1];
    int n = find(&w.f, ROLE_UNIT_OPERATOR, unit, "楼道灯", false, ids, kinds);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], w.dispatched);
    assert_int_equal(find(&w.f, ROLE_UNIT_OPERATOR, other, "楼道灯", false, ids, kinds), 0);
    assert_int_equal(find(&w.f, ROLE_UNIT_OPERATOR, unit, "周强", false, ids, kinds), 0);
    assert_int_equal(find(&w.f, ROLE_UNIT_OPERATOR, unit, "13300004444", false, ids, kinds), 0);
    assert_int_equal(find(&w.f, ROLE_UNIT_LEADER, unit, "停车", false, ids, kinds), 0);
    /* a caller's history: every order of the phone, newest first; refused to unit users */
    struct search_who who;
    struct search_result r;
    struct js_error e;
    js_error_clear(&e);
    intake(&w.f, "又来反映楼道灯", "楼道灯还是不亮", "周强", "133 0000 4444", "多福巷社区", NULL);
    search_who_init(&who, ROLE_AGENT, 0);
    assert_int_equal(search_history(w.f.store, &who, "13300004444", 10, &r, &e), 0);
    assert_int_equal(r.n, 2);
    assert_true(r.orders[0].created_at > r.orders[1].created_at);
    assert_int_equal(r.orders[1].id, w.dispatched);
    /* the lookup is audited */
    assert_int_equal(
        search_audit(w.f.store, w.f.as[ROLE_AGENT].user_id, w.f.now, true, "13300004444", &r), 0);
    search_result_release(&r);
    struct audit_entry *a = NULL;
    int na = 0;
    assert_int_equal(w.f.store->ops->audit_list(w.f.store, 0, 100, &a, &na), 0);
    assert_true(na >= 1);
    assert_string_equal(a[na - 1].action, "citizen_history");
    assert_non_null(strstr(a[na - 1].detail, "13300004444"));
    free(a);
    search_who_init(&who, ROLE_UNIT_OPERATOR, unit);
    assert_int_equal(search_history(w.f.store, &who, "13300004444", 10, &r, &e), -JS_EFORBIDDEN);
    search_who_init(&who, ROLE_AGENT, 0);
    assert_int_equal(search_history(w.f.store, &who, "12ab", 10, &r, &e), -JS_EINVAL);
    /* bad input: empty and too long */
    assert_int_equal(search_orders(w.f.store, &who, "  ", NULL, 0, 10, &r, &e), -JS_EMISSING);
    char longq[1000];
    memset(longq, 'a', 300);
    longq[300] = '\0';
    assert_int_equal(search_orders(w.f.store, &who, longq, NULL, 0, 10, &r, &e), -JS_ETOOLONG);
    fixture_close(&w.f);
}

/* The sorts SQLite's statements on order_keys have made since they were prepared, over every
 * such statement the handle's connection holds: -1 when it holds none. */
static int keys_sorts(struct store *s)
{
    sqlite3 *db = store_sqlite_db(s);
    assert_non_null(db);
    int sorts = -1;
    for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st)) {
        const char *sql = sqlite3_sql(st);
        if (sql && strstr(sql, "FROM order_keys"))
            sorts = (sorts < 0 ? 0 : sorts) + sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0);
    }
    return sorts;
}

/* A caller with many orders (a landline, also recorded once with its area code and once more
 * after them): the history pages the whole number's orders newest first; a search by the number
 * gives them first, then the longer number's; and on SQLite neither sorts the caller's orders
 * (issue 13: they are walked down the key's index and the walk stops at the page). */
static void test_frequent_caller(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-caller.db");
    enum { N = 30 };
    int64_t area[2], mine[N];
    area[0] =
        intake(&w.f, "楼上漏水", "卫生间顶棚漏水", "刘芳", "010-6512-5555", "北池子1号", NULL);
    for (int i = 0; i < N; i++)
        mine[i] = intake(&w.f, "楼上漏水", "又漏水了", "刘芳", "6512 5555", "北池子1号", NULL);
    area[1] = intake(&w.f, "楼上还在漏水", "仍然漏水", "刘芳", "01065125555", "北池子1号", NULL);
    struct search_who who;
    struct search_result r;
    struct js_error e;
    js_error_clear(&e);
    search_who_init(&who, ROLE_AGENT, 0);
    assert_int_equal(search_history(w.f.store, &who, "65125555", 10, &r, &e), 0);
    assert_int_equal(r.n, 10);
    for (int i = 0; i < r.n; i++)
        assert_int_equal(r.orders[i].id, mine[N - 1 - i]);
    assert_true(r.more);
    search_result_release(&r);
    int64_t ids[64];
    int kinds[64];
    int n = find(&w.f, ROLE_AGENT, 0, "65125555", false, ids, kinds);
    assert_int_equal(n, N + 2);
    for (int i = 0; i < N; i++)
        assert_int_equal(ids[i], mine[N - 1 - i]);
    assert_int_equal(ids[N], area[1]);
    assert_int_equal(ids[N + 1], area[0]);
    assert_int_equal(kinds[N + 1], SEARCH_PHONE);
    /* PostgreSQL plans by cost: there the order of the hits above is what is checked */
    if (!tu_pg()) {
        int before = keys_sorts(w.f.store);
        assert_true(before >= 0); /* the lookups above went through order_keys */
        assert_int_equal(search_history(w.f.store, &who, "65125555", 10, &r, &e), 0);
        search_result_release(&r);
        assert_int_equal(keys_sorts(w.f.store), before);
    }
    fixture_close(&w.f);
}

static void test_duplicate_candidates(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-dups.db");
    struct search_who who;
    struct dup_result r;
    struct js_error e;
    js_error_clear(&e);
    search_who_init(&who, ROLE_AGENT, 0);
    /* the same caller retelling the same problem with another title */
    struct dup_doc d = {.title = "地下车库停车费太贵",
                        .text = "我们小区地下停车场每月收费八百元，太高了",
                        .phone = "13812340001",
                        .address = "多福巷12号",
                        .created_at = w.f.now};
    assert_int_equal(dupcheck_run(w.f.store, &who, &d, 0, w.f.now, 30, 5, DUP_THRESHOLD, &r, &e),
                     0);
    assert_true(r.n >= 1);
    assert_int_equal(r.v[0].order.id, w.park);
    assert_true(r.v[0].why.same_phone);
    assert_true(r.v[0].likely);
    dup_result_release(&r);
    /* nothing similar: no likely duplicate */
    struct dup_doc other = {
        .title = "咨询社保卡补办", .text = "社保卡丢了怎么补办", .created_at = w.f.now};
    assert_int_equal(
        dupcheck_run(w.f.store, &who, &other, 0, w.f.now, 30, 5, DUP_THRESHOLD, &r, &e), 0);
    assert_int_equal(r.n, 0);
    dup_result_release(&r);
    /* outside the window: not a candidate */
    assert_int_equal(
        dupcheck_run(w.f.store, &who, &d, 0, w.f.now + 40 * 86400, 30, 5, DUP_THRESHOLD, &r, &e),
        0);
    assert_int_equal(r.n, 0);
    dup_result_release(&r);
    /* bad input */
    assert_int_equal(dupcheck_run(w.f.store, &who, &d, 0, w.f.now, 0, 5, 0, &r, &e), -JS_EINVAL);
    fixture_close(&w.f);
}

static int warm_first(void *ctx, const struct order *o)
{
    *(int64_t *)ctx = o->id;
    return 1;
}

/* Tokens computed before the transaction (text_warm, issue 13) are the ones computed inside it:
 * the same string for several parts, warmed or not, on either backend's op. */
static void test_text_warm(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "warm.db", "dongcheng-2016", "2026-10-05T09:00:00+08:00");
    const char *parts[] = {"多福巷12号旁工地每晚11点后仍在施工", "", NULL, "A区12号 停車场"};
    struct buf cold, warm;
    buf_init(&cold, 0);
    buf_init(&warm, 0);
    assert_int_equal(store_tokens_of(parts, 4, &cold), 0);
    assert_int_equal(f.store->ops->text_warm(f.store, parts, 4), 0);
    assert_int_equal(store_tokens_of(parts, 4, &warm), 0);
    assert_string_equal(warm.data, cold.data);
    /* the parts' tokens are joined by one space */
    assert_non_null(strstr(cold.data, "施工 工 a 区 12 号 停车 车场 场"));
    /* and an order taken in after warming its texts is found by them */
    const char *texts[] = {"窨井盖缺失", "路口窨井盖丢了很危险", "景山前街"};
    assert_int_equal(f.store->ops->text_warm(f.store, texts, 3), 0);
    int64_t id =
        fx_ok(&f, &f.as[ROLE_AGENT], ACT_INTAKE, 0,
              "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":"
              "\"窨井盖缺失\",\"text\":\"路口窨井盖丢了很危险\",\"address\":\"景山前街\"}");
    struct st_query q;
    assert_int_equal(searchtext_query("窨井盖", NULL, &q), 0);
    struct order_query oq = {.match = &q, .type = -1, .level = -1, .overdue = -1, .limit = 10};
    int64_t found = 0;
    assert_int_equal(f.store->ops->order_query(f.store, &oq, warm_first, &found, NULL, 0), 1);
    assert_int_equal(found, id);
    searchtext_query_release(&q);
    buf_release(&cold);
    buf_release(&warm);
    fixture_close(&f);
}

/* The search rows an action writes on the group writer are staged and written just before its
 * group's COMMIT (issue 13): they come and go with the action, rows and notes staged in one
 * transaction are written in the order they were made, and a refused action's rows never reach
 * the index, nor the next group's. */
static void test_search_rows_go_with_their_action(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, "search-staged.db");
    struct fixture *f = &w.f;
    struct store *s = f->store;
    int64_t ids[64];
    /* refused: an inserted order and a retitled one, rolled back */
    struct order o;
    order_init(&o);
    assert_int_equal(s->ops->order_get(s, w.park, &o), 0);
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(order_set_str(&o.title, "窨井盖缺失"), 0);
    assert_int_equal(s->ops->order_update(s, &o, NULL, o.version), 0);
    o.id = 0;
    memcpy(o.number, "20261116-T1", sizeof "20261116-T1");
    assert_int_equal(order_set_str(&o.title, "窨井盖被盗"), 0);
    assert_int_equal(s->ops->order_insert(s, &o), 0);
    assert_int_equal(s->ops->rollback(s), 0);
    order_release(&o);
    assert_int_equal(find(f, ROLE_AGENT, 0, "井盖", false, ids, NULL), 0);
    assert_int_equal(find(f, ROLE_AGENT, 0, "停车场收费", false, ids, NULL), 1);
    /* the next group commits its own rows only */
    int64_t lamp =
        intake(f, "路灯不亮", "十字路口路灯坏了", "钱进", "13200005555", "北河沿大街", NULL);
    assert_int_equal(find(f, ROLE_AGENT, 0, "井盖", false, ids, NULL), 0);
    assert_int_equal(find(f, ROLE_AGENT, 0, "路灯", false, ids, NULL), 1);
    assert_int_equal(ids[0], lamp);
    /* one held transaction: a level rolled back, an intake and a note on it, committed together */
    assert_int_equal(s->ops->txn_hold(s), 0);
    order_init(&o);
    assert_int_equal(s->ops->order_get(s, w.noise, &o), 0);
    assert_int_equal(s->ops->begin(s), 0);
    assert_int_equal(order_set_str(&o.title, "窨井盖松动"), 0);
    assert_int_equal(s->ops->order_update(s, &o, NULL, o.version), 0);
    assert_int_equal(s->ops->rollback(s), 0);
    order_release(&o);
    int64_t tree = intake(f, "树枝遮挡信号灯", "路口大树枝叶挡住红绿灯", "吴迪", "13100006666",
                          "地安门东大街", NULL);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, tree, "{}");
    char args[200];
    snprintf(args, sizeof args, "{\"unit_id\":%lld,\"note\":\"请园林队修剪枝杈\"}",
             (long long)f->unit_street[0]);
    fx_ok(f, &f->as[ROLE_DISPATCHER], ACT_DISPATCH, tree, args);
    assert_int_equal(s->ops->txn_finish(s, true), 0);
    assert_int_equal(find(f, ROLE_AGENT, 0, "信号灯", false, ids, NULL), 1);
    assert_int_equal(ids[0], tree);
    assert_int_equal(find(f, ROLE_AGENT, 0, "枝杈", false, ids, NULL), 1);
    assert_int_equal(ids[0], tree);
    assert_int_equal(find(f, ROLE_AGENT, 0, "井盖", false, ids, NULL), 0);
    assert_int_equal(find(f, ROLE_AGENT, 0, "施工噪音", false, ids, NULL), 1);
    fixture_close(f);
}

static void test_tokens(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(searchtext_index("乱停車，A区12号", &b), 0);
    assert_string_equal(b.data, "乱停 停车 车 a 区 12 号");
    buf_release(&b);
    struct st_query q;
    assert_int_equal(searchtext_query("停车 噪", NULL, &q), 0);
    assert_int_equal(q.n, 2);
    assert_string_equal(q.g[0].alt[0].tokens, "停车");
    assert_false(q.g[0].alt[0].prefix);
    assert_string_equal(q.g[1].alt[0].tokens, "噪");
    assert_true(q.g[1].alt[0].prefix);
    searchtext_query_release(&q);
    /* the synonym list is checked */
    struct js_error e;
    js_error_clear(&e);
    json_t *ok = json_loads("[[\"噪音\",\"噪声\"]]", 0, NULL);
    json_t *bad1 = json_loads("[[\"噪音\"]]", 0, NULL);
    json_t *bad2 = json_loads("[[\"噪 音\",\"噪声\"]]", 0, NULL);
    json_t *bad3 = json_loads("{}", 0, NULL);
    assert_int_equal(searchtext_synonyms_check(ok, &e), 0);
    assert_int_equal(searchtext_synonyms_check(bad1, &e), -JS_EINVAL);
    assert_int_equal(searchtext_synonyms_check(bad2, &e), -JS_EINVAL);
    assert_int_equal(searchtext_synonyms_check(bad3, &e), -JS_EINVAL);
    json_t *def = searchtext_default_synonyms();
    assert_int_equal(searchtext_synonyms_check(def, &e), 0);
    json_decref(def);
    json_decref(ok);
    json_decref(bad1);
    json_decref(bad2);
    json_decref(bad3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_text_warm),
        cmocka_unit_test(test_words_inside_longer_words),
        cmocka_unit_test(test_synonyms_notes_reply),
        cmocka_unit_test(test_numbers_phones_names),
        cmocka_unit_test(test_who_may_look_up_citizens),
        cmocka_unit_test(test_frequent_caller),
        cmocka_unit_test(test_duplicate_candidates),
        cmocka_unit_test(test_search_rows_go_with_their_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
