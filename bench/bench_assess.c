/* Benchmark of the assessment (`make bench`, not a test): generates a month of orders with their
 * events for a few hundred units in a real jiesu database (bulk insert), folds the events into
 * the fact projection, then times one month's dongcheng-2016 assessment by jiesu's code against
 * one SQL query that computes the same nine indicators from the events table, and checks that
 * both give the same numbers. */
#include "compat.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/indicators.h"
#include "core/model.h"
#include "core/scheme.h"
#include "store/assess_store.h"
#include "store/store.h"
#include "util/jtime.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a deterministic generator ---------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* An integer in [0, n). */
static int64_t pick(int64_t n)
{
    return (int64_t)(rnd() % (uint64_t)n);
}

/* True with probability pct / 100. */
static bool chance(double pct)
{
    return (double)(rnd() % 100000) < pct * 1000;
}

#define HOUR 3600
#define DAY  86400

struct asg {
    int64_t unit;
    bool active, pending;
    int64_t disp, sign, reply;
    int returns;
};

struct gen {
    sqlite3 *db;
    sqlite3_stmt *ins_event, *ins_order, *ins_unit;
    int64_t order_id, version;
    int status;
    struct asg u[2];
    int n_units;
    int64_t deadline, closed_at;
    int closure, close_kind, cb_contacted, cb_solved, cb_sat, reopens, reworks, supervisions;
    char payload[4096];
    char units[512];
    int64_t events;
};

static const char intake_text[] =
    "小区门口的路灯已经坏了两个多星期，晚上出行很不方便，老人和孩子经过时容易摔倒，"
    "附近还有施工围挡，夜间视线很差。多次向物业反映没有结果，希望有关部门尽快派人维修，"
    "并检查周边其他路灯是否正常。";

static const char *units_json(struct gen *g)
{
    size_t o = 0;
    o += (size_t)snprintf(g->units + o, sizeof g->units - o, "[");
    for (int i = 0; i < g->n_units; i++) {
        const struct asg *a = &g->u[i];
        o += (size_t)snprintf(g->units + o, sizeof g->units - o,
                              "%s{\"unit_id\":%lld,\"role\":0,\"active\":%s,\"return_pending\":%s,"
                              "\"dispatched_at\":%lld,\"signed_at\":%lld,\"replied_at\":%lld,"
                              "\"returns\":%d}",
                              i ? "," : "", (long long)a->unit, a->active ? "true" : "false",
                              a->pending ? "true" : "false", (long long)a->disp, (long long)a->sign,
                              (long long)a->reply, a->returns);
    }
    snprintf(g->units + o, sizeof g->units - o, "]");
    return g->units;
}

static void emit(struct gen *g, int action, int64_t at, int64_t unit, int status_after)
{
    sqlite3_stmt *s = g->ins_event;
    sqlite3_bind_int64(s, 1, g->order_id);
    sqlite3_bind_int64(s, 2, ++g->version);
    sqlite3_bind_int64(s, 3, at);
    if (unit) {
        sqlite3_bind_int64(s, 4, 1000 + unit);
        sqlite3_bind_text(s, 5, "unit_operator", -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 6, unit);
        sqlite3_bind_text(s, 7, "单位操作员", -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_int64(s, 4, 1);
        sqlite3_bind_text(s, 5, "dispatcher", -1, SQLITE_STATIC);
        sqlite3_bind_null(s, 6);
        sqlite3_bind_text(s, 7, "钱分拨", -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(s, 8, js_action_names[action], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, js_status_names[g->status], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, js_status_names[status_after], -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, g->payload, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        fprintf(stderr, "bench: insert event: %s\n", sqlite3_errmsg(g->db));
        exit(1);
    }
    sqlite3_reset(s);
    g->status = status_after;
    g->events++;
}

#define P(...) snprintf(g->payload, sizeof g->payload, __VA_ARGS__)

static void dispatch(struct gen *g, int64_t at, int64_t unit)
{
    for (int i = 0; i < g->n_units; i++)
        g->u[i].active = false;
    g->u[g->n_units++] = (struct asg){.unit = unit, .active = true, .disp = at};
    g->deadline = at + 15 * DAY;
    P("{\"args\":{\"unit_id\":%lld,\"note\":\"请按职责办理\"},\"set\":{\"dispatched_at\":%lld,"
      "\"deadline\":%lld,\"sign_deadline\":%lld,\"units\":%s}}",
      (long long)unit, (long long)at, (long long)g->deadline, (long long)(at + DAY), units_json(g));
    emit(g, ACT_DISPATCH, at, 0, ST_DISPATCHED);
    g->u[g->n_units - 1].sign = at + HOUR;
    P("{\"args\":{\"note\":\"已签收\"},\"set\":{\"units\":%s}}", units_json(g));
    emit(g, ACT_SIGN, at + HOUR, unit, ST_HANDLING);
}

static void reply(struct gen *g, int64_t at, struct asg *a, int closure)
{
    a->reply = at;
    if (closure != g->closure)
        P("{\"args\":{\"result\":\"已派人现场处理完毕\",\"closure\":\"%s\",\"responsible\":"
          "\"王科长\"},"
          "\"set\":{\"replied_at\":%lld,\"closure\":%d,\"reply_text\":\"已派人现场处理完毕\","
          "\"units\":%s}}",
          js_closure_names[closure], (long long)at, closure, units_json(g));
    else
        P("{\"args\":{\"result\":\"已派人现场处理完毕\",\"closure\":\"%s\",\"responsible\":"
          "\"王科长\"},"
          "\"set\":{\"replied_at\":%lld,\"units\":%s}}",
          js_closure_names[closure], (long long)at, units_json(g));
    g->closure = closure;
    emit(g, ACT_REPLY, at, a->unit, ST_REPLIED);
}

static void callback(struct gen *g, int64_t at, int contacted, int solved, int sat)
{
    P("{\"args\":{\"contacted\":%s,\"solved\":%s,\"satisfaction\":\"%s\"},\"set\":{\"cb_tries\":1,"
      "\"cb_contacted\":%d,\"cb_solved\":%d,\"cb_satisfaction\":%d}}",
      contacted ? "true" : "false", solved ? "true" : "false", js_satisfaction_names[sat],
      contacted, solved, sat);
    g->cb_contacted = contacted;
    g->cb_solved = solved;
    g->cb_sat = sat;
    emit(g, ACT_CALLBACK, at, 0, g->status);
}

static int random_sat(void)
{
    int64_t r = pick(100);
    return r < 70 ? SAT_SATISFIED : r < 85 ? SAT_BASIC : SAT_UNSATISFIED;
}

/* One order's life; returns false when it was not filed (a duplicate). */
static void one_order(struct gen *g, int64_t id, int64_t t0, int n_units)
{
    memset(&g->u, 0, sizeof g->u);
    g->order_id = id;
    g->version = 0;
    g->status = ST_RECEIVED;
    g->n_units = 0;
    g->deadline = g->closed_at = 0;
    g->closure = -1;
    g->close_kind = CK_NONE;
    g->cb_contacted = g->cb_solved = -1;
    g->cb_sat = SAT_NONE;
    g->reopens = g->reworks = g->supervisions = 0;
    P("{\"args\":{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"路灯不亮\","
      "\"text\":\"%s\"},\"set\":{\"channel\":\"hotline-12345\",\"type\":3,\"title\":\"路灯不亮\","
      "\"text\":\"%s\",\"wants_callback\":true,\"citizen_name\":\"张先生\",\"citizen_phone\":"
      "\"13800001111\",\"created_at\":%lld,\"verified\":true}}",
      intake_text, intake_text, (long long)t0);
    emit(g, ACT_INTAKE, t0, 0, ST_RECEIVED);
    if (id > 1000 && chance(2)) { /* a repeat report of a recent order: not filed */
        int64_t target = id - 1 - pick(1000);
        g->closed_at = t0 + 120;
        P("{\"args\":{\"reason\":\"duplicate\",\"explanation\":\"同一问题已在办理\","
          "\"duplicate_of\":%lld},\"set\":{\"not_filed_reason\":1,\"duplicate_of\":%lld,"
          "\"closed_at\":%lld}}",
          (long long)target, (long long)target, (long long)g->closed_at);
        emit(g, ACT_NOT_FILE, g->closed_at, 0, ST_NOT_FILED);
        sqlite3_bind_int64(g->ins_order, 5, target);
        return;
    }
    sqlite3_bind_int64(g->ins_order, 5, 0);
    P("{\"args\":{\"note\":\"予以立案\"},\"set\":{\"filed_at\":%lld}}", (long long)(t0 + 60));
    emit(g, ACT_FILE, t0 + 60, 0, ST_FILED);
    int64_t t = t0 + 600;
    /* units are skewed: the first ones get more orders, as busy departments do */
    double x = (double)(rnd() % 1000000) / 1e6;
    int64_t unit = 1 + (int64_t)(n_units * x * x);
    if (unit > n_units)
        unit = n_units;
    dispatch(g, t, unit);
    struct asg *a = &g->u[0];
    if (chance(3)) { /* returned, approved, re-dispatched */
        a->pending = true;
        a->returns = 1;
        P("{\"args\":{\"reason\":\"不属于本单位职责\",\"legal_basis\":\"三定方案\"},"
          "\"set\":{\"returns\":1,\"units\":%s}}",
          units_json(g));
        emit(g, ACT_RETURN, t + 2 * HOUR, unit, ST_RETURNED);
        a->pending = false;
        a->active = false;
        P("{\"args\":{\"unit_id\":%lld},\"set\":{\"units\":%s}}", (long long)unit, units_json(g));
        emit(g, ACT_RETURN_APPROVE, t + 3 * HOUR, 0, ST_FILED);
        unit = 1 + (unit + 1 + pick(n_units - 2)) % n_units; /* another unit */
        t += 4 * HOUR;
        dispatch(g, t, unit);
        a = &g->u[1];
    } else if (chance(4)) { /* returned and rejected */
        bool unjustified = chance(70);
        a->pending = true;
        a->returns = 1;
        P("{\"args\":{\"reason\":\"不属于本单位职责\",\"legal_basis\":\"三定方案\"},"
          "\"set\":{\"returns\":1,\"units\":%s}}",
          units_json(g));
        emit(g, ACT_RETURN, t + 2 * HOUR, unit, ST_RETURNED);
        a->pending = false;
        P("{\"args\":{\"unit_id\":%lld,\"reason\":\"属于本单位职责\",\"unjustified\":%s},"
          "\"set\":{\"units\":%s}}",
          (long long)unit, unjustified ? "true" : "false", units_json(g));
        emit(g, ACT_RETURN_REJECT, t + 3 * HOUR, 0, ST_HANDLING);
    }
    if (chance(3)) { /* an extension of 10 days */
        int64_t until = g->deadline + 10 * DAY;
        P("{\"args\":{\"until\":\"x\",\"reason\":\"需协调多个部门\"},\"set\":{\"ext_pending\":true,"
          "\"ext_requested_until\":%lld}}",
          (long long)until);
        emit(g, ACT_EXTENSION_REQUEST, t + 2 * DAY, unit, ST_HANDLING);
        g->deadline = until;
        P("{\"args\":{\"approve\":true},\"set\":{\"ext_pending\":false,\"deadline\":%lld,"
          "\"extensions\":1}}",
          (long long)until);
        emit(g, ACT_EXTENSION_DECIDE, t + 2 * DAY + HOUR, 0, ST_HANDLING);
    }
    if (chance(6)) { /* supervised: answered in time, late, or never */
        char due[40];
        jtime_format(t + 2 * DAY, due, sizeof due);
        g->supervisions = 1;
        P("{\"args\":{\"reason\":\"群众反映强烈\",\"answer_due\":\"%s\"},\"set\":{\"supervisions\":"
          "1,"
          "\"supervisions_open\":1}}",
          due);
        emit(g, ACT_SUPERVISE, t + DAY, 0, ST_HANDLING);
        int64_t r = pick(10);
        if (r < 7) {
            P("{\"args\":{\"answer\":\"已安排处理\"},\"set\":{\"supervisions_open\":0}}");
            emit(g, ACT_SUPERVISE_ANSWER, t + DAY + (r < 5 ? 5 : 29) * HOUR, unit, ST_HANDLING);
        }
    }
    if (chance(3)) { /* never replied: force-closed */
        g->closed_at = t + 17 * DAY;
        g->close_kind = CK_FORCED;
        P("{\"args\":{\"reason\":\"逾期未回复\"},\"set\":{\"closed_at\":%lld,\"close_kind\":2}}",
          (long long)g->closed_at);
        emit(g, ACT_FORCE_CLOSE, g->closed_at, 0, ST_CLOSED);
        return;
    }
    if (chance(5))
        return; /* still being handled */
    int64_t r = pick(100);
    int closure = r < 80 ? CLOSURE_RESOLVED : r < 95 ? CLOSURE_INTERIM : CLOSURE_EXPLAINED;
    int64_t at = t + (1 + pick(chance(10) ? 25 : 12)) * DAY + pick(8 * HOUR);
    reply(g, at, a, closure);
    if (chance(5)) { /* review failed: rework */
        a->reply = 0;
        g->reworks = 1;
        P("{\"args\":{\"pass\":false,\"reason\":\"回复内容不完整\"},\"set\":{\"reworks\":1,"
          "\"units\":%s}}",
          units_json(g));
        emit(g, ACT_REVIEW, at + HOUR, 0, ST_HANDLING);
        at += DAY;
        reply(g, at, a, closure);
    }
    P("{\"args\":{\"pass\":true},\"set\":{}}");
    emit(g, ACT_REVIEW, at + 2 * HOUR, 0, ST_CALLBACK);
    at += DAY;
    if (chance(5)) {
        P("{\"args\":{\"unreachable\":true},\"set\":{\"cb_tries\":1}}");
        emit(g, ACT_CALLBACK, at, 0, ST_CALLBACK);
        at += HOUR;
    }
    int sat = random_sat();
    callback(g, at, chance(90), sat == SAT_SATISFIED || chance(50), sat);
    if (sat == SAT_UNSATISFIED && chance(40)) { /* reopened once */
        bool upstream = chance(20);
        a->reply = 0;
        g->reopens = 1;
        g->deadline = at + 7 * DAY;
        P("{\"args\":{\"level\":\"%s\",\"reason\":\"诉求人不满意\"},\"set\":{\"deadline\":%lld,"
          "\"closure\":-1,\"cb_tries\":0,\"cb_contacted\":-1,\"cb_solved\":-1,"
          "\"cb_satisfaction\":0,\"reopens\":1,\"%s\":1,\"units\":%s}}",
          upstream ? "upstream" : "district", (long long)g->deadline,
          upstream ? "reopens_upstream" : "reopens_district", units_json(g));
        g->closure = -1;
        emit(g, ACT_REOPEN, at + HOUR, 0, ST_HANDLING);
        at += 3 * DAY;
        reply(g, at, a, CLOSURE_RESOLVED);
        P("{\"args\":{\"pass\":true},\"set\":{}}");
        emit(g, ACT_REVIEW, at + HOUR, 0, ST_CALLBACK);
        sat = chance(60) ? SAT_SATISFIED : SAT_UNSATISFIED;
        at += DAY;
        callback(g, at, 1, sat == SAT_SATISFIED, sat);
    }
    g->closed_at = at + HOUR;
    g->close_kind = CK_NORMAL;
    P("{\"args\":{%s},\"set\":{\"closed_at\":%lld,\"close_kind\":1}}",
      sat == SAT_UNSATISFIED ? "\"reason\":\"已解释\"" : "", (long long)g->closed_at);
    emit(g, ACT_CLOSE, g->closed_at, 0, ST_CLOSED);
}

static void exec_or_die(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static void generate(const char *path, int64_t n_orders, int n_units, int64_t from, int64_t to,
                     unsigned seed)
{
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    unlink(path);
    if (store_open(path, &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, "bench: %s\n", e.message);
        exit(1);
    }
    store_close(s);
    struct gen g;
    memset(&g, 0, sizeof g);
    rng_state = seed ? seed : 88172645463325252ULL;
    if (sqlite3_open(path, &g.db) != SQLITE_OK)
        exit(1);
    /* generation only: no fsync, the data is rebuilt if the machine stops; the statement
     * journals in memory (the store made SQLite open them as files at once: store_sqlite.c) */
    exec_or_die(g.db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;"
                      " PRAGMA temp_store = MEMORY");
    exec_or_die(g.db, "BEGIN");
    sqlite3_stmt *u;
    sqlite3_prepare_v2(g.db,
                       "INSERT INTO units(id, code, name, kind, region_id, active, leader_name,"
                       " leader_phone, leader_email, section_name, section_phone, section_email,"
                       " operator_name, operator_phone, operator_email)"
                       " VALUES (?1, ?2, ?3, ?4, NULL, 1, '', '', '', '', '', '', '', '', '')",
                       -1, &u, NULL);
    for (int i = 1; i <= n_units; i++) {
        char code[16], name[64];
        const char *kind = i % 7 == 0 ? "street" : i % 11 == 0 ? "enterprise" : "department";
        snprintf(code, sizeof code, "U%03d", i);
        snprintf(name, sizeof name, "%s%03d", strcmp(kind, "street") == 0 ? "街道" : "单位", i);
        sqlite3_bind_int(u, 1, i);
        sqlite3_bind_text(u, 2, code, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 3, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(u, 4, kind, -1, SQLITE_STATIC);
        sqlite3_step(u);
        sqlite3_reset(u);
    }
    sqlite3_finalize(u);
    sqlite3_prepare_v2(g.db,
                       "INSERT INTO events(order_id, version, at, actor_user, actor_role,"
                       " actor_unit, actor_name, action, status_before, status_after, payload)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                       -1, &g.ins_event, NULL);
    /* the order rows: the columns the fold and the SQL read are real, the rest plain */
    sqlite3_prepare_v2(
        g.db,
        "INSERT INTO orders(id, number, version, status, duplicate_of, channel, upstream_id,"
        " upstream_deadline, verified, citizen_name, citizen_phone, anonymous, wants_callback,"
        " needs_contact, type, level, tier, category_id, region_id, title, text, address,"
        " has_coords, lat, lon, enterprise, attachments, created_at, updated_at, filed_at,"
        " dispatched_at, replied_at, closed_at, archived_at, units, master_id, parent_id,"
        " not_filed_reason, transfer_to, deadline, sign_deadline, contacted, sign_approved,"
        " ext_pending, ext_requested_until, hang, closure, reply_text, cb_tries, cb_contacted,"
        " cb_solved, cb_satisfaction, cb_unreachable, returns, reworks, reopens,"
        " reopens_district, reopens_upstream, urges, supervisions, supervisions_open, extensions,"
        " close_kind) VALUES (?1, ?2, ?3, ?4, ?5, 'hotline-12345', '', 0, 1, '张先生',"
        " '13800001111', 0, 1, 0, 3, 0, 0, 0, 0, '路灯不亮', '', '', 0, 0, 0, 0, '[]', ?6, ?7, ?6,"
        " ?6, 0, ?8, 0, ?9, 0, 0, ?10, '', ?11, 0, 0, 0, 0, 0, 0, ?12, '', 0, ?13, ?14, ?15, 0, 0,"
        " ?16, ?17, 0, 0, 0, ?18, 0, 0, ?19)",
        -1, &g.ins_order, NULL);
    /* the units that hold or held each order, as the engine keeps them (the lists filter on it) */
    sqlite3_prepare_v2(g.db,
                       "INSERT INTO order_units(order_id, unit_id, role, active)"
                       " VALUES (?1, ?2, 0, ?3)",
                       -1, &g.ins_unit, NULL);
    if (!g.ins_event || !g.ins_order || !g.ins_unit) {
        fprintf(stderr, "bench: prepare: %s\n", sqlite3_errmsg(g.db));
        exit(1);
    }
    double t0 = now_s();
    for (int64_t id = 1; id <= n_orders; id++) {
        int64_t created =
            from + (int64_t)((double)(to - from - DAY) * (double)(id - 1) / (double)n_orders);
        one_order(&g, id, created, n_units);
        sqlite3_stmt *o = g.ins_order;
        char number[24];
        snprintf(number, sizeof number, "B%011lld", (long long)id);
        sqlite3_bind_int64(o, 1, id);
        sqlite3_bind_text(o, 2, number, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(o, 3, g.version);
        sqlite3_bind_int(o, 4, g.status);
        sqlite3_bind_int64(o, 6, created);
        sqlite3_bind_int64(o, 7, created);
        sqlite3_bind_int64(o, 8, g.closed_at);
        sqlite3_bind_text(o, 9, g.n_units ? units_json(&g) : "[]", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(o, 10, g.status == ST_NOT_FILED ? NF_DUPLICATE : -1);
        sqlite3_bind_int64(o, 11, g.deadline);
        sqlite3_bind_int(o, 12, g.closure);
        sqlite3_bind_int(o, 13, g.cb_contacted);
        sqlite3_bind_int(o, 14, g.cb_solved);
        sqlite3_bind_int(o, 15, g.cb_sat);
        sqlite3_bind_int(o, 16, g.reworks);
        sqlite3_bind_int(o, 17, g.reopens);
        sqlite3_bind_int(o, 18, g.supervisions);
        sqlite3_bind_int(o, 19, g.close_kind);
        if (sqlite3_step(o) != SQLITE_DONE) {
            fprintf(stderr, "bench: insert order: %s\n", sqlite3_errmsg(g.db));
            exit(1);
        }
        sqlite3_reset(o);
        for (int k = 0; k < g.n_units; k++) {
            sqlite3_bind_int64(g.ins_unit, 1, id);
            sqlite3_bind_int64(g.ins_unit, 2, g.u[k].unit);
            sqlite3_bind_int(g.ins_unit, 3, g.u[k].active);
            if (sqlite3_step(g.ins_unit) != SQLITE_DONE) {
                fprintf(stderr, "bench: insert order unit: %s\n", sqlite3_errmsg(g.db));
                exit(1);
            }
            sqlite3_reset(g.ins_unit);
        }
        if (id % 100000 == 0) {
            exec_or_die(g.db, "COMMIT; BEGIN");
            fprintf(stderr, "\r  %lld orders, %lld events (%.0f s)", (long long)id,
                    (long long)g.events, now_s() - t0);
        }
    }
    exec_or_die(g.db, "COMMIT");
    fprintf(stderr, "\n");
    sqlite3_finalize(g.ins_event);
    sqlite3_finalize(g.ins_order);
    sqlite3_finalize(g.ins_unit);
    exec_or_die(g.db, "PRAGMA wal_checkpoint(TRUNCATE); ANALYZE");
    sqlite3_close(g.db);
}

/* ---- the same nine numbers in one SQL query ------------------------------------------------ */

/* Per unit: the counts behind the nine dongcheng-2016 indicators, computed from the events
 * table with the definitions of docs/indicators.md (orders dispatched to the unit in [from, to),
 * as they stood at `to`). It leaves out what the generated data never has (hanging accounts, a
 * unit given an order back after a release) and reads the callback's own arguments. */
static const char sql_query[] =
    "WITH d AS MATERIALIZED ("
    "  SELECT e.order_id, CAST(u.value ->> 'unit_id' AS INTEGER) AS unit_id, min(e.at) AS recv"
    "  FROM events e, json_each(e.payload, '$.set.units') u"
    "  WHERE e.action = 'dispatch' AND e.at < :to AND u.value ->> 'active' = 1"
    "    AND u.value ->> 'role' IN (0, 2) AND u.value ->> 'dispatched_at' = e.at"
    "  GROUP BY 1, 2 HAVING min(e.at) >= :from),"
    " c AS MATERIALIZED ("
    "  SELECT d.order_id, d.unit_id, d.recv,"
    "   NOT EXISTS (SELECT 1 FROM events x, json_each(x.payload, '$.set.units') u"
    "     WHERE x.order_id = d.order_id AND x.at < :to"
    "       AND x.action IN ('return_approve', 'merged_into')"
    "       AND u.value ->> 'unit_id' = d.unit_id AND u.value ->> 'active' = 0) AS held,"
    "   (SELECT count(*) FROM events x WHERE x.order_id = d.order_id"
    "     AND x.action = 'return_reject' AND x.at < :to"
    "     AND coalesce(x.payload ->> '$.args.unjustified', 1) = 1"
    "     AND coalesce(x.payload ->> '$.args.unit_id', (SELECT r.actor_unit FROM events r"
    "       WHERE r.order_id = x.order_id AND r.action = 'return' AND r.version < x.version"
    "       ORDER BY r.version DESC LIMIT 1)) = d.unit_id) AS shirks,"
    "   (SELECT max(x.version) FROM events x WHERE x.order_id = d.order_id"
    "     AND x.action = 'reply' AND x.actor_unit = d.unit_id AND x.at < :to) AS rv,"
    "   EXISTS (SELECT 1 FROM events x WHERE x.order_id = d.order_id"
    "     AND x.action = 'force_close' AND x.at < :to) AS forced,"
    "   EXISTS (SELECT 1 FROM events x WHERE x.order_id = d.order_id AND x.action = 'review'"
    "     AND x.at < :to AND x.payload ->> '$.args.pass' = 0) AS reworked,"
    "   EXISTS (SELECT 1 FROM events s WHERE s.order_id = d.order_id"
    "     AND s.action = 'supervise' AND s.at < :to"
    "     AND unixepoch(s.payload ->> '$.args.answer_due') < :to"
    /* answers match supervisions first in, first out: the k-th supervision was answered in
     * time when k answers of the unit came by its due time */
    "     AND (SELECT count(*) FROM events a WHERE a.order_id = s.order_id"
    "       AND a.action = 'supervise_answer' AND a.actor_unit = d.unit_id"
    "       AND a.at <= unixepoch(s.payload ->> '$.args.answer_due'))"
    "     <= (SELECT count(*) FROM events s2 WHERE s2.order_id = s.order_id"
    "       AND s2.action = 'supervise' AND s2.version < s.version)) AS sup_late,"
    "   (SELECT count(*) FROM orders o WHERE o.duplicate_of != 0 AND o.duplicate_of = d.order_id"
    "     AND o.closed_at >= d.recv AND o.closed_at < :to)"
    "   + (SELECT coalesce(sum(json_array_length(x.payload, '$.args.orders')), 0)"
    "     FROM events x WHERE x.order_id = d.order_id AND x.action = 'merge'"
    "     AND x.at >= d.recv AND x.at < :to) AS repeats,"
    "   (SELECT max(x.version) FROM events x WHERE x.order_id = d.order_id"
    "     AND x.action = 'callback' AND x.at < :to"
    "     AND coalesce(x.payload ->> '$.args.unreachable', 0) = 0) AS cv"
    "  FROM d),"
    " r AS MATERIALIZED ("
    "  SELECT c.*,"
    "   c.rv IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events y WHERE y.order_id = c.order_id"
    "     AND y.version > c.rv AND y.at < :to AND (y.action = 'reopen'"
    "     OR (y.action = 'review' AND y.payload ->> '$.args.pass' = 0))) AS standing,"
    "   (SELECT p.payload ->> '$.set.closure' FROM events p WHERE p.order_id = c.order_id"
    "     AND p.version <= c.rv AND p.payload ->> '$.set.closure' IS NOT NULL"
    "     ORDER BY p.version DESC LIMIT 1) AS closure,"
    "   (SELECT x.at FROM events x WHERE x.order_id = c.order_id AND x.version = c.rv)"
    "     AS reply_at,"
    "   (SELECT p.payload ->> '$.set.deadline' FROM events p WHERE p.order_id = c.order_id"
    "     AND p.version < c.rv AND p.payload ->> '$.set.deadline' IS NOT NULL"
    "     ORDER BY p.version DESC LIMIT 1) AS deadline_before,"
    "   (SELECT x.payload ->> '$.args.contacted' FROM events x WHERE x.order_id = c.order_id"
    "     AND x.version = c.cv) AS cb_contacted,"
    "   (SELECT x.payload ->> '$.args.satisfaction' FROM events x"
    "     WHERE x.order_id = c.order_id AND x.version = c.cv) AS cb_sat"
    "  FROM c)"
    " SELECT unit_id, count(*), sum(held), sum(shirks),"
    "  sum(held AND standing AND closure = 1 AND intime),"
    "  sum(held AND standing AND closure IN (0, 2) AND intime),"
    "  sum(held AND forced), sum(held AND reworked), sum(held AND sup_late),"
    "  sum(CASE WHEN held THEN repeats ELSE 0 END),"
    "  sum(held AND cv IS NOT NULL), sum(held AND cv IS NOT NULL AND cb_contacted = 1),"
    "  sum(held AND cv IS NOT NULL AND cb_sat = 'satisfied')"
    " FROM (SELECT r.*, (coalesce(deadline_before, 0) = 0 OR reply_at <= deadline_before)"
    "   AS intime FROM r)"
    " GROUP BY unit_id ORDER BY unit_id";

/* The fair baseline (issue 13): the same per-(order, unit) facts as sql_query, derived once
 * with SQL into a flat table (CREATE TABLE ... AS SELECT over events and orders: the JSON
 * payloads are read once, at derivation), then the nine indicators as one GROUP BY over it. The
 * derivation reuses sql_query's WITH clauses, so both baselines mean exactly the same thing; the
 * facts are those standing at the month's end, as the assessment reads them. */
static const char flat_columns[] =
    " SELECT unit_id, order_id, recv, held, shirks,"
    "  held AND standing AND closure = 1 AND intime AS interim,"
    "  held AND standing AND closure IN (0, 2) AND intime AS resolved,"
    "  held AND forced AS forced, held AND reworked AS reworked, held AND sup_late AS sup_late,"
    "  CASE WHEN held THEN repeats ELSE 0 END AS repeats,"
    "  held AND cv IS NOT NULL AS called,"
    "  held AND cv IS NOT NULL AND cb_contacted = 1 AS contacted,"
    "  held AND cv IS NOT NULL AND cb_sat = 'satisfied' AS satisfied"
    " FROM (SELECT r.*, (coalesce(deadline_before, 0) = 0 OR reply_at <= deadline_before)"
    "   AS intime FROM r)";

static const char flat_group[] =
    "SELECT unit_id, count(*), sum(held), sum(shirks), sum(interim), sum(resolved), sum(forced),"
    " sum(reworked), sum(sup_late), sum(repeats), sum(called), sum(contacted), sum(satisfied)"
    " FROM bl_facts WHERE recv >= :from AND recv < :to GROUP BY unit_id ORDER BY unit_id";

/* Derives bl_facts for [from, to) (dropped first); its time in seconds, or -1. */
static double flat_derive(sqlite3 *db, int64_t from, int64_t to)
{
    const char *tail = strstr(sql_query, " SELECT unit_id, count(*)");
    char *sql = tail ? sqlite3_mprintf("DROP TABLE IF EXISTS bl_facts; CREATE TABLE bl_facts AS"
                                       " %.*s%s",
                                       (int)(tail - sql_query), sql_query, flat_columns)
                     : NULL;
    sqlite3_stmt *st = NULL;
    double t = now_s(), dt = -1;
    const char *rest = sql;
    /* two statements: the DROP, then the CREATE with its parameters */
    while (rest && *rest) {
        if (sqlite3_prepare_v2(db, rest, -1, &st, &rest) != SQLITE_OK) {
            fprintf(stderr, "bench: flat table: %s\n", sqlite3_errmsg(db));
            break;
        }
        if (!st)
            continue;
        int k = sqlite3_bind_parameter_index(st, ":from");
        if (k)
            sqlite3_bind_int64(st, k, from);
        k = sqlite3_bind_parameter_index(st, ":to");
        if (k)
            sqlite3_bind_int64(st, k, to);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "bench: flat table: %s\n", sqlite3_errmsg(db));
            break;
        }
        if (!*rest)
            dt = now_s() - t;
    }
    sqlite3_free(sql);
    return dt;
}

struct agree {
    int rows, mismatches;
    double max_diff;
};

static void compare_rows(sqlite3_stmt *q, const struct assess_report *r, const char *name,
                         struct agree *out);

/* Runs a prepared baseline (13 columns per unit as sql_query), compares every unit with r; its
 * time in seconds. */
static double run_baseline(sqlite3 *db, const char *sql, const struct ind_period *p,
                           const struct assess_report *r, const char *name, struct agree *out)
{
    sqlite3_stmt *q;
    double t = now_s();
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        fprintf(stderr, "bench: %s: %s\n", name, sqlite3_errmsg(db));
        exit(1);
    }
    sqlite3_bind_int64(q, sqlite3_bind_parameter_index(q, ":from"), p->from);
    sqlite3_bind_int64(q, sqlite3_bind_parameter_index(q, ":to"), p->to);
    compare_rows(q, r, name, out);
    sqlite3_finalize(q);
    return now_s() - t;
}

/* The nine indicators of a unit from the SQL counts, in the order of nine[]. */
static const int nine[9] = {IND_SHIRK_RATE,  IND_INTERIM_RATE,  IND_RESOLVED_RATE,
                            IND_FORCED_RATE, IND_REWORK_RATE,   IND_SUPERVISION_UNANSWERED,
                            IND_REPEAT_RATE, IND_FEEDBACK_RATE, IND_SATISFACTION_RATE};

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static void compare_rows(sqlite3_stmt *q, const struct assess_report *r, const char *name,
                         struct agree *out)
{
    double sql_vals[9];
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t unit = sqlite3_column_int64(q, 0);
        double c[13];
        for (int k = 1; k < 13; k++)
            c[k] = sqlite3_column_double(q, k);
        /* received, volume, shirks, interim, resolved, forced, rework, sup_late, repeats,
         * called, contacted, satisfied */
        sql_vals[0] = ratio(c[3], c[1]);
        sql_vals[1] = ratio(c[4], c[2]);
        sql_vals[2] = ratio(c[5], c[2]);
        sql_vals[3] = ratio(c[6], c[2]);
        sql_vals[4] = ratio(c[7], c[2]);
        sql_vals[5] = c[8];
        sql_vals[6] = ratio(c[9], c[2]);
        sql_vals[7] = ratio(c[11], c[10]);
        sql_vals[8] = ratio(c[12], c[10]);
        int row = ind_table_row(&r->table, unit);
        out->rows++;
        bool same = row >= 0 && ind_value(&r->table, row, IND_RECEIVED) == c[1];
        for (int k = 0; row >= 0 && k < 9; k++) {
            double d = fabs(ind_value(&r->table, row, nine[k]) - sql_vals[k]);
            if (d > out->max_diff)
                out->max_diff = d;
            if (d > 1e-9)
                same = false;
        }
        if (!same && out->mismatches++ < 5) {
            fprintf(stderr, "  unit %lld differs: %s", (long long)unit, name);
            for (int k = 0; k < 9; k++)
                fprintf(stderr, " %.4f", sql_vals[k]);
            fprintf(stderr, "\n                     jiesu");
            for (int k = 0; row >= 0 && k < 9; k++)
                fprintf(stderr, " %.4f", ind_value(&r->table, row, nine[k]));
            fprintf(stderr, "\n");
        }
    }
}

int main(int argc, char **argv)
{
    const char *path = "/tmp/jiesu-bench.db", *month = "2026-10";
    int64_t n_orders = 1000000;
    int n_units = 300, runs = 3;
    unsigned seed = 20261122;
    bool reuse = false, no_sql = false, fresh = false;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--db") == 0 && v)
            path = argv[++i];
        else if (strcmp(argv[i], "--orders") == 0 && v)
            n_orders = atoll(argv[++i]);
        else if (strcmp(argv[i], "--units") == 0 && v)
            n_units = atoi(argv[++i]);
        else if (strcmp(argv[i], "--month") == 0 && v)
            month = argv[++i];
        else if (strcmp(argv[i], "--seed") == 0 && v)
            seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0 && v)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = true;
        else if (strcmp(argv[i], "--no-sql") == 0)
            no_sql = true;
        else {
            fprintf(stderr,
                    "usage: bench_assess [--db PATH] [--orders N] [--units N] [--month YYYY-MM] "
                    "[--seed N] [--runs N] [--reuse] [--no-sql]\n");
            return 2;
        }
    }
    if (n_orders < 1 || n_units < 2 || runs < 1)
        return 2;
    struct js_error e;
    js_error_clear(&e);
    struct ind_period p;
    if (ind_period_parse(month, &p, &e)) {
        fprintf(stderr, "bench: %s\n", e.message);
        return 2;
    }
    struct stat sb;
    printf("bench_assess: %lld orders for %d units in %s, database %s\n", (long long)n_orders,
           n_units, month, path);
    if (!reuse || stat(path, &sb) != 0) {
        double t = now_s();
        generate(path, n_orders, n_units, p.from, p.to, seed);
        fresh = true;
        printf("  generated in %.1f s\n", now_s() - t);
    }
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM events)",
                       -1, &q, NULL);
    sqlite3_step(q);
    long long orders = sqlite3_column_int64(q, 0), events = sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    stat(path, &sb);
    printf("  %lld orders, %lld events, database %.2f GB\n", orders, events,
           (double)sb.st_size / 1e9);

    struct assess_store *st = NULL;
    struct scheme *s = NULL;
    if (assess_store_open(path, &st, &e) ||
        assess_scheme_load(st, NULL, "dongcheng-2016", &s, &e)) {
        fprintf(stderr, "bench: %s\n", e.message);
        return 1;
    }
    struct assess_sync_stats ss;
    double t = now_s();
    if (assess_sync(st, fresh, &ss, &e)) {
        fprintf(stderr, "bench: sync: %s\n", e.message);
        return 1;
    }
    double t_fold = now_s() - t;
    if (ss.full)
        printf("  fact projection (built once, then kept up to date incrementally): %lld events "
               "of %lld orders folded into %lld facts in %.1f s (%.0f events/s)\n",
               (long long)ss.events, (long long)ss.orders, (long long)ss.cases, t_fold,
               (double)ss.events / t_fold);
    else
        printf("  fact projection up to date: incremental sync read %lld new events in %.3f s\n",
               (long long)ss.events, t_fold);

    /* jiesu: one month's dongcheng-2016 assessment (sync check, scan, indicators, scores) */
    struct assess_report r;
    memset(&r, 0, sizeof r);
    double best = 1e9, first = 0;
    for (int i = 0; i < runs; i++) {
        t = now_s();
        if (assess_run(st, s, &p, &r, &e)) {
            fprintf(stderr, "bench: run: %s\n", e.message);
            return 1;
        }
        double dt = now_s() - t;
        if (i == 0)
            first = dt;
        if (dt < best)
            best = dt;
        if (i + 1 < runs)
            assess_report_release(&r);
    }
    printf("  jiesu assessment of %s: %.3f s (first run %.3f s), %lld facts, %d units\n", month,
           best, first, (long long)r.cases, r.n);

    if (no_sql) {
        assess_report_release(&r);
        scheme_free(s);
        assess_store_close(st);
        sqlite3_close(db);
        return 0;
    }
    /* the same numbers by one SQL query over the events (JSON payloads), cold then warm */
    struct agree ev, ev2, fl, fl2;
    double t_sql = run_baseline(db, sql_query, &p, &r, "events SQL", &ev);
    double t_sql2 = run_baseline(db, sql_query, &p, &r, "events SQL", &ev2);
    /* the fair baseline: a flat per-order facts table derived once, then one GROUP BY */
    double t_derive = flat_derive(db, p.from, p.to);
    if (t_derive < 0)
        return 1;
    double t_flat = run_baseline(db, flat_group, &p, &r, "flat GROUP BY", &fl);
    double t_flat2 = t_flat;
    for (int i = 1; i < runs; i++) {
        double dt = run_baseline(db, flat_group, &p, &r, "flat GROUP BY", &fl2);
        if (dt < t_flat2)
            t_flat2 = dt;
    }
    int assessed = 0;
    for (int i = 0; i < r.n; i++)
        assessed += ind_value(&r.table, i, IND_RECEIVED) > 0;
    bool agree =
        ev.mismatches == 0 && ev.rows == assessed && fl.mismatches == 0 && fl.rows == assessed;
    int rows = ev.rows, mismatches = ev.mismatches + fl.mismatches;
    (void)ev2;
    printf("  one SQL query over the events table:   %.3f s cold, %.3f s warm, %d units\n", t_sql,
           t_sql2, ev.rows);
    printf("  flat facts table derived once by SQL:  %.3f s (not counted below)\n", t_derive);
    printf("  one GROUP BY over the flat table:      %.4f s cold, %.4f s warm, %d units\n", t_flat,
           t_flat2, fl.rows);
    printf("  same nine indicators for every unit, all three: %s (events SQL: %d of %d units "
           "differ, largest difference %.2g; flat: %d of %d differ, largest %.2g)\n",
           agree ? "yes" : "NO", ev.mismatches, ev.rows, ev.max_diff, fl.mismatches, fl.rows,
           fl.max_diff);
    printf("  jiesu vs events SQL: %.1f× faster cold (%.3f s vs %.3f s), %.1f× warm (%.3f s vs "
           "%.3f s)\n",
           t_sql / first, first, t_sql, t_sql2 / best, best, t_sql2);
    printf("  jiesu vs flat GROUP BY: %.2f× cold (%.4f s vs %.4f s), %.2f× warm (%.4f s vs %.4f "
           "s) (above 1: jiesu faster)\n",
           t_flat / first, first, t_flat, t_flat2 / best, best, t_flat2);
    int top = -1;
    for (int i = 0; i < r.n; i++)
        if (r.rows[i].rank == 1)
            top = i;
    if (top >= 0)
        printf("  first: %s, %.2f points, grade %s\n", r.units[top].name, r.rows[top].score,
               r.rows[top].grade >= 0 ? s->grades[r.rows[top].grade].grade : "-");
    assess_report_release(&r);
    scheme_free(s);
    assess_store_close(st);
    sqlite3_close(db);
    (void)rows;
    return mismatches == 0 && agree ? 0 : 1;
}
