/* The assessment's tables on SQLite (migration 13) and the SQL of its store operations: the
 * fact projection folded from the events table, appeals, manual items and stored schemes. The
 * fold, the run and the checks are in assess.c, which reaches these through struct store_ops. */
#include "compat.h"
#include "store/sqlite_assess.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_schema.h"

/* Cases (the fact projection): one row per order and responsible unit, keyed by the time the
 * unit received it so that a period is one range scan; data is the compact form of
 * core/indicators.h (the key again, the flags and the marks), read as one value. Repeats:
 * orders not filed as duplicates of another (the target's units answer for them). assess_fold
 * holds the last event folded. These three are derived from the events and can be dropped at
 * any time (an earlier layout's assess_facts and assess_sync are). The other tables are
 * append-only records. */
const char sqlite_assess_schema_sql[] =
    "DROP TABLE IF EXISTS assess_facts;"
    "DROP TABLE IF EXISTS assess_sync;"
    "CREATE TABLE IF NOT EXISTS assess_cases ("
    " recv INTEGER NOT NULL,"
    " order_id INTEGER NOT NULL,"
    " unit_id INTEGER NOT NULL,"
    " data BLOB NOT NULL,"
    " PRIMARY KEY (recv, order_id, unit_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS assess_cases_order ON assess_cases(order_id);"
    "CREATE INDEX IF NOT EXISTS assess_cases_unit ON assess_cases(unit_id, recv);"

    "CREATE TABLE IF NOT EXISTS assess_repeats ("
    " source_id INTEGER PRIMARY KEY,"
    " target_id INTEGER NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX IF NOT EXISTS assess_repeats_target ON assess_repeats(target_id, at);"

    "CREATE TABLE IF NOT EXISTS assess_fold ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " last_event INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE IF NOT EXISTS appeals ("
    " id INTEGER PRIMARY KEY,"
    " order_id INTEGER NOT NULL,"
    " unit_id INTEGER NOT NULL,"
    " indicators TEXT NOT NULL CHECK (json_valid(indicators)),"
    " reason TEXT NOT NULL,"
    " evidence TEXT NOT NULL CHECK (json_valid(evidence)),"
    " filed_by INTEGER NOT NULL,"
    " filed_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX IF NOT EXISTS appeals_order ON appeals(order_id, unit_id);"
    "CREATE INDEX IF NOT EXISTS appeals_unit ON appeals(unit_id);"
    "CREATE TABLE IF NOT EXISTS appeal_decisions ("
    " appeal_id INTEGER PRIMARY KEY REFERENCES appeals(id),"
    " upheld INTEGER NOT NULL,"
    " note TEXT NOT NULL,"
    " decided_by INTEGER NOT NULL,"
    " decided_at INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE IF NOT EXISTS assess_items ("
    " id INTEGER PRIMARY KEY,"
    " unit_id INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " on_day INTEGER NOT NULL,"
    " points REAL NOT NULL,"
    " note TEXT NOT NULL,"
    " order_id INTEGER,"
    " by_user INTEGER NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX IF NOT EXISTS assess_items_day ON assess_items(on_day);"
    "CREATE TABLE IF NOT EXISTS assess_item_cancels ("
    " item_id INTEGER PRIMARY KEY REFERENCES assess_items(id),"
    " reason TEXT NOT NULL,"
    " by_user INTEGER NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"

    "CREATE TABLE IF NOT EXISTS assess_schemes ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " doc TEXT NOT NULL CHECK (json_valid(doc)),"
    " by_user INTEGER NOT NULL,"
    " at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE INDEX IF NOT EXISTS assess_schemes_name ON assess_schemes(name, id);"

    "CREATE TRIGGER IF NOT EXISTS appeals_no_update BEFORE UPDATE ON appeals"
    " BEGIN SELECT RAISE(ABORT, 'appeals are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS appeals_no_delete BEFORE DELETE ON appeals"
    " BEGIN SELECT RAISE(ABORT, 'appeals are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS appeal_decisions_no_update BEFORE UPDATE ON appeal_decisions"
    " BEGIN SELECT RAISE(ABORT, 'appeal decisions are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS appeal_decisions_no_delete BEFORE DELETE ON appeal_decisions"
    " BEGIN SELECT RAISE(ABORT, 'appeal decisions are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_items_no_update BEFORE UPDATE ON assess_items"
    " BEGIN SELECT RAISE(ABORT, 'assessment items are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_items_no_delete BEFORE DELETE ON assess_items"
    " BEGIN SELECT RAISE(ABORT, 'assessment items are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_item_cancels_no_update BEFORE UPDATE ON"
    " assess_item_cancels BEGIN SELECT RAISE(ABORT, 'assessment items are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_item_cancels_no_delete BEFORE DELETE ON"
    " assess_item_cancels BEGIN SELECT RAISE(ABORT, 'assessment items are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_schemes_no_update BEFORE UPDATE ON assess_schemes"
    " BEGIN SELECT RAISE(ABORT, 'stored schemes are append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS assess_schemes_no_delete BEFORE DELETE ON assess_schemes"
    " BEGIN SELECT RAISE(ABORT, 'stored schemes are append-only'); END;";

/* ---- helpers ----------------------------------------------------------------------------- */

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        *st = NULL;
    return rc == SQLITE_OK ? 0 : sqlite_fail(db, rc);
}

/* Steps a statement that returns no rows and resets it. */
static int step_done(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sqlite_fail(db, rc);
}

/* Steps and finalizes a statement that returns no rows. */
static int run(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = step_done(db, st);
    sqlite3_finalize(st);
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

static int64_t one_int(sqlite3 *db, const char *sql, int64_t dflt, int *rc)
{
    sqlite3_stmt *st;
    int64_t v = dflt;
    if ((*rc = prepare(db, sql, &st)))
        return dflt;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_ROW && step != SQLITE_DONE)
        *rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return v;
}

/* ---- the fold ---------------------------------------------------------------------------- */

int sqlite_assess_state(struct store *s, int64_t *last, int64_t *max_event, int64_t *max_order)
{
    sqlite3 *db = store_sqlite_db(s);
    int rc = 0;
    if (!db)
        return -JS_EINVAL;
    /* inside a transaction the handle holds the write lock (BEGIN IMMEDIATE): every event is
     * committed, and no other can be written until it ends */
    *last = one_int(db, "SELECT last_event FROM assess_fold WHERE id = 1", -1, &rc);
    if (!rc)
        *max_event = one_int(db, "SELECT max(id) FROM events", 0, &rc);
    if (!rc)
        *max_order = one_int(db, "SELECT max(order_id) FROM events", 0, &rc);
    return rc;
}

int sqlite_assess_mark(struct store *s, int64_t last)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db, "INSERT OR REPLACE INTO assess_fold(id, last_event) VALUES (1, ?1)", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, last);
    return run(db, st);
}

int sqlite_assess_events(struct store *s, const struct assess_event_query *q,
                         store_assess_event_cb cb, void *ctx)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    /* only the bounds asked for, so that an order range is a range of (order_id, version)
     * and an event range one of the primary key */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, order_id, version, at, actor_unit, action, status_before, status_after,"
             " payload FROM events WHERE 1%s%s%s%s%s ORDER BY order_id, version",
             q->order_lo || q->order_hi ? " AND order_id >= ?1" : "",
             q->order_hi ? " AND order_id < ?2" : "", q->after ? " AND id > ?3" : "",
             q->upto ? " AND id <= ?4" : "", q->action ? " AND action = ?5" : "");
    int rc = prepare(db, sql, &st);
    if (rc)
        return rc;
    if (q->order_lo || q->order_hi)
        sqlite3_bind_int64(st, 1, q->order_lo);
    if (q->order_hi)
        sqlite3_bind_int64(st, 2, q->order_hi);
    if (q->after)
        sqlite3_bind_int64(st, 3, q->after);
    if (q->upto)
        sqlite3_bind_int64(st, 4, q->upto);
    if (q->action)
        sqlite3_bind_text(st, 5, q->action, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct assess_event_row r = {
            .id = sqlite3_column_int64(st, 0),
            .order_id = sqlite3_column_int64(st, 1),
            .version = sqlite3_column_int64(st, 2),
            .at = sqlite3_column_int64(st, 3),
            .actor_unit = sqlite3_column_int64(st, 4),
            .action = (const char *)sqlite3_column_text(st, 5),
            .status_before = (const char *)sqlite3_column_text(st, 6),
            .status_after = (const char *)sqlite3_column_text(st, 7),
            .payload = (const char *)sqlite3_column_blob(st, 8),
        };
        r.payload_len = (size_t)sqlite3_column_bytes(st, 8);
        if ((rc = cb(ctx, &r)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_assess_repeats_put(struct store *s, bool reset, const struct assess_repeat *v, int n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = 0;
    if (reset && sqlite3_exec(db, "DELETE FROM assess_repeats", NULL, NULL, NULL) != SQLITE_OK)
        return sqlite_fail(db, sqlite3_errcode(db));
    if (n <= 0)
        return 0;
    if ((rc = prepare(db,
                      "INSERT OR REPLACE INTO assess_repeats(source_id, target_id, at)"
                      " VALUES (?1, ?2, ?3)",
                      &st)))
        return rc;
    for (int i = 0; i < n && !rc; i++) {
        sqlite3_bind_int64(st, 1, v[i].source_id);
        sqlite3_bind_int64(st, 2, v[i].target_id);
        sqlite3_bind_int64(st, 3, v[i].at);
        rc = step_done(db, st);
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_assess_repeats_get(struct store *s, int64_t lo, int64_t hi, struct assess_repeat **out,
                              int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "SELECT source_id, target_id, at FROM assess_repeats WHERE target_id >= ?1"
                     " AND target_id < ?2 ORDER BY target_id, at",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int cap = 0, step;
    struct assess_repeat *v = NULL;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            struct assess_repeat *w = realloc(v, (size_t)cap * sizeof *w);
            if (!w) {
                rc = -JS_ENOMEM;
                break;
            }
            v = w;
        }
        v[(*n)++] = (struct assess_repeat){sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                           sqlite3_column_int64(st, 2)};
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

int sqlite_assess_facts_put(struct store *s, int64_t lo, int64_t hi,
                            const struct assess_fact_row *v, int n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *del, *ins;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db, "DELETE FROM assess_cases WHERE order_id >= ?1 AND order_id < ?2", &del);
    if (rc)
        return rc;
    sqlite3_bind_int64(del, 1, lo);
    sqlite3_bind_int64(del, 2, hi);
    if ((rc = run(db, del)) || n <= 0)
        return rc;
    if ((rc = prepare(db,
                      "INSERT OR REPLACE INTO assess_cases(recv, order_id, unit_id, data)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      &ins)))
        return rc;
    for (int i = 0; i < n && !rc; i++) {
        sqlite3_bind_int64(ins, 1, v[i].recv);
        sqlite3_bind_int64(ins, 2, v[i].order_id);
        sqlite3_bind_int64(ins, 3, v[i].unit_id);
        sqlite3_bind_blob(ins, 4, v[i].data, (int)v[i].size, SQLITE_STATIC);
        rc = step_done(db, ins);
    }
    sqlite3_finalize(ins);
    return rc;
}

int sqlite_assess_facts(struct store *s, const struct assess_fact_query *q, store_assess_fact_cb cb,
                        void *ctx)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    /* a period's scan reads the projection whole: keep up to 64 MiB of its pages in this
     * handle's cache (SQLite's default is 2 MiB), as the assessment's own connection did */
    sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
    /* only the conditions asked for, so that the period is a range of the primary key (recv,
     * order_id, unit_id), a unit's a range of (unit_id, recv), an order's its index */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT f.data%s FROM assess_cases f%s WHERE 1%s%s%s%s"
             " ORDER BY f.recv, f.order_id, f.unit_id",
             q->with_order ? ", o.number, o.title" : "",
             q->with_order ? " LEFT JOIN orders o ON o.id = f.order_id" : "",
             q->from ? " AND f.recv >= ?1" : "", q->to ? " AND f.recv < ?2" : "",
             q->unit_id ? " AND f.unit_id = ?3" : "", q->order_id ? " AND f.order_id = ?4" : "");
    int rc = prepare(db, sql, &st);
    if (rc)
        return rc;
    if (q->from)
        sqlite3_bind_int64(st, 1, q->from);
    if (q->to)
        sqlite3_bind_int64(st, 2, q->to);
    if (q->unit_id)
        sqlite3_bind_int64(st, 3, q->unit_id);
    if (q->order_id)
        sqlite3_bind_int64(st, 4, q->order_id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        /* the key is inside data: only data (and the order's number and title) is read */
        struct assess_fact_row r = {.data = sqlite3_column_blob(st, 0)};
        r.size = (size_t)sqlite3_column_bytes(st, 0);
        if (q->with_order) {
            r.number = (const char *)sqlite3_column_text(st, 1);
            r.title = (const char *)sqlite3_column_text(st, 2);
        }
        if ((rc = cb(ctx, &r)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

/* ---- appeals ------------------------------------------------------------------------------ */

int sqlite_assess_appeal_put(struct store *s, struct assess_appeal_rec *a)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    /* one statement: the check for a pending appeal and the insert cannot be separated */
    int rc = prepare(db,
                     "INSERT INTO appeals(order_id, unit_id, indicators, reason, evidence,"
                     " filed_by, filed_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS"
                     " (SELECT 1 FROM appeals p WHERE p.order_id = ?1 AND p.unit_id = ?2 AND NOT"
                     " EXISTS (SELECT 1 FROM appeal_decisions d WHERE d.appeal_id = p.id))",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a->order_id);
    sqlite3_bind_int64(st, 2, a->unit_id);
    sqlite3_bind_text(st, 3, a->indicators ? a->indicators : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->reason ? a->reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->evidence ? a->evidence : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->filed_by);
    sqlite3_bind_int64(st, 7, a->filed_at);
    if ((rc = run(db, st)))
        return rc;
    if (sqlite3_changes(db) == 0)
        return -JS_EEXISTS;
    a->id = sqlite3_last_insert_rowid(db);
    return 0;
}

int sqlite_assess_appeal_decide(struct store *s, int64_t id, bool upheld, const char *note,
                                int64_t by_user, int64_t at)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "INSERT INTO appeal_decisions(appeal_id, upheld, note, decided_by,"
                     " decided_at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS"
                     " (SELECT 1 FROM appeals WHERE id = ?1)",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, upheld);
    sqlite3_bind_text(st, 3, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, by_user);
    sqlite3_bind_int64(st, 5, at);
    if ((rc = run(db, st)))
        return rc;
    return sqlite3_changes(db) ? 0 : -JS_ENOTFOUND;
}

int sqlite_assess_appeal_list(struct store *s, const struct assess_appeal_query *q,
                              struct assess_appeal_rec **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "SELECT a.id, a.order_id, o.number, a.unit_id, a.indicators, a.reason,"
                     " a.evidence, a.filed_by, a.filed_at, d.upheld, d.decided_by, d.decided_at,"
                     " d.note FROM appeals a LEFT JOIN appeal_decisions d ON d.appeal_id = a.id"
                     " LEFT JOIN orders o ON o.id = a.order_id"
                     " WHERE (?1 = 0 OR a.id = ?1) AND (?2 = 0 OR a.unit_id = ?2) AND (?3 < 0 OR"
                     " (?3 = 0 AND d.appeal_id IS NULL) OR (?3 = 1 AND d.upheld = 1) OR"
                     " (?3 = 2 AND d.upheld = 0)) ORDER BY a.id DESC",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, q->id);
    sqlite3_bind_int64(st, 2, q->unit_id);
    sqlite3_bind_int(st, 3, q->status);
    int cap = 0, step;
    struct assess_appeal_rec *v = NULL;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct assess_appeal_rec *w = realloc(v, (size_t)cap * sizeof *w);
            if (!w) {
                rc = -JS_ENOMEM;
                break;
            }
            v = w;
        }
        struct assess_appeal_rec *a = &v[(*n)++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(st, 0);
        a->order_id = sqlite3_column_int64(st, 1);
        sqlite_col_copy(st, 2, a->number, sizeof a->number);
        a->unit_id = sqlite3_column_int64(st, 3);
        a->indicators = col_dup(st, 4);
        a->reason = col_dup(st, 5);
        a->evidence = col_dup(st, 6);
        a->filed_by = sqlite3_column_int64(st, 7);
        a->filed_at = sqlite3_column_int64(st, 8);
        bool decided = sqlite3_column_type(st, 9) != SQLITE_NULL;
        a->status = !decided                    ? APPEAL_PENDING
                    : sqlite3_column_int(st, 9) ? APPEAL_UPHELD
                                                : APPEAL_REJECTED;
        if (decided) {
            a->decided_by = sqlite3_column_int64(st, 10);
            a->decided_at = sqlite3_column_int64(st, 11);
            a->note = col_dup(st, 12);
        }
        if (!a->indicators || !a->reason || !a->evidence || (decided && !a->note))
            rc = -JS_ENOMEM;
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        for (int i = 0; i < *n; i++)
            assess_appeal_rec_release(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

/* ---- items --------------------------------------------------------------------------------- */

int sqlite_assess_item_put(struct store *s, struct assess_item_rec *it)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "INSERT INTO assess_items(unit_id, kind, on_day, points, note, order_id,"
                     " by_user, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, it->unit_id);
    sqlite3_bind_text(st, 2, it->kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, it->on_day);
    sqlite3_bind_double(st, 4, it->points);
    sqlite3_bind_text(st, 5, it->note ? it->note : "", -1, SQLITE_STATIC);
    if (it->order_id)
        sqlite3_bind_int64(st, 6, it->order_id);
    sqlite3_bind_int64(st, 7, it->by_user);
    sqlite3_bind_int64(st, 8, it->at);
    if ((rc = run(db, st)))
        return rc;
    it->id = sqlite3_last_insert_rowid(db);
    return 0;
}

int sqlite_assess_item_cancel(struct store *s, int64_t id, const char *reason, int64_t by_user,
                              int64_t at)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc =
        prepare(db,
                "INSERT INTO assess_item_cancels(item_id, reason, by_user, at)"
                " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM assess_items WHERE id = ?1)",
                &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, by_user);
    sqlite3_bind_int64(st, 4, at);
    if ((rc = run(db, st)))
        return rc;
    return sqlite3_changes(db) ? 0 : -JS_ENOTFOUND;
}

int sqlite_assess_item_list(struct store *s, int64_t unit_id, int64_t from, int64_t to, bool live,
                            struct assess_item_rec **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "SELECT i.id, i.unit_id, i.kind, i.on_day, i.points, i.note, i.order_id,"
                     " i.by_user, i.at, c.item_id IS NOT NULL, c.reason FROM assess_items i"
                     " LEFT JOIN assess_item_cancels c ON c.item_id = i.id"
                     " WHERE (?1 = 0 OR i.unit_id = ?1) AND (?2 = 0 OR i.on_day >= ?2)"
                     " AND (?3 = 0 OR i.on_day < ?3) AND (?4 = 0 OR c.item_id IS NULL)"
                     " ORDER BY i.on_day, i.id",
                     &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, unit_id);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int(st, 4, live);
    int cap = 0, step;
    struct assess_item_rec *v = NULL;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct assess_item_rec *w = realloc(v, (size_t)cap * sizeof *w);
            if (!w) {
                rc = -JS_ENOMEM;
                break;
            }
            v = w;
        }
        struct assess_item_rec *it = &v[(*n)++];
        memset(it, 0, sizeof *it);
        it->id = sqlite3_column_int64(st, 0);
        it->unit_id = sqlite3_column_int64(st, 1);
        sqlite_col_copy(st, 2, it->kind, sizeof it->kind);
        it->on_day = sqlite3_column_int64(st, 3);
        it->points = sqlite3_column_double(st, 4);
        it->note = col_dup(st, 5);
        it->order_id = sqlite3_column_int64(st, 6);
        it->by_user = sqlite3_column_int64(st, 7);
        it->at = sqlite3_column_int64(st, 8);
        it->cancelled = sqlite3_column_int(st, 9) != 0;
        if (it->cancelled)
            it->cancel_reason = col_dup(st, 10);
        if (!it->note || (it->cancelled && !it->cancel_reason)) {
            rc = -JS_ENOMEM;
            break;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        for (int i = 0; i < *n; i++)
            assess_item_rec_release(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

/* ---- schemes --------------------------------------------------------------------------------- */

int sqlite_assess_scheme_put(struct store *s, struct assess_scheme_rec *r)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(
        db, "INSERT INTO assess_schemes(name, doc, by_user, at) VALUES (?1, ?2, ?3, ?4)", &st);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->doc ? r->doc : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->by_user);
    sqlite3_bind_int64(st, 4, r->at);
    if ((rc = run(db, st)))
        return rc;
    r->id = sqlite3_last_insert_rowid(db);
    return 0;
}

int sqlite_assess_scheme_get(struct store *s, const char *name, struct assess_scheme_rec **out,
                             int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = prepare(db,
                     "SELECT id, name, doc, by_user, at FROM assess_schemes WHERE id IN"
                     " (SELECT max(id) FROM assess_schemes WHERE ?1 IS NULL OR name = ?1"
                     " GROUP BY name) ORDER BY name",
                     &st);
    if (rc)
        return rc;
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int cap = 0, step;
    struct assess_scheme_rec *v = NULL;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct assess_scheme_rec *w = realloc(v, (size_t)cap * sizeof *w);
            if (!w) {
                rc = -JS_ENOMEM;
                break;
            }
            v = w;
        }
        struct assess_scheme_rec *r = &v[(*n)++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        sqlite_col_copy(st, 1, r->name, sizeof r->name);
        r->doc = col_dup(st, 2);
        r->by_user = sqlite3_column_int64(st, 3);
        r->at = sqlite3_column_int64(st, 4);
        if (!r->doc) {
            rc = -JS_ENOMEM;
            break;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        for (int i = 0; i < *n; i++)
            assess_scheme_rec_release(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}
