/* The assessment's storage on SQLite: the fact projection folded from the events table, appeals,
 * manual items and stored schemes, and the assessment run (sync, scan the period's facts,
 * evaluate, score). See assess_store.h. */
#include "compat.h"
#include "store/assess_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/kb.h"
#include "core/model.h"
#include "store/sqlite_schema.h"
#include "util/buf.h"
#include "util/jfield.h"
#include "util/jtime.h"
#include "util/url.h"

/* Cases (the fact projection): one row per order and responsible unit, keyed by the time the
 * unit received it so that a period is one range scan; data is the compact form of
 * core/indicators.h (the key again, the flags and the marks), read as one value. Repeats:
 * orders not filed as duplicates of another (the target's units answer for them). assess_fold
 * holds the last event folded. These three are derived from the events and can be dropped at
 * any time (an earlier layout's assess_facts and assess_sync are). The other tables are
 * append-only records. */
const char assess_schema_sql[] =
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

struct assess_store {
    sqlite3 *db;
};

#define SYNC_CHUNK 20000 /* orders folded per transaction in a full rebuild */

/* ---- helpers ----------------------------------------------------------------------------- */

static int db_error(struct assess_store *st, int rc, struct js_error *e, const char *what)
{
    int code = (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? JS_EBUSY : JS_EDB;
    return js_fail(e, code, NULL, "%s: %s", what, sqlite3_errmsg(st->db));
}

static int prepare(struct assess_store *st, const char *sql, sqlite3_stmt **out, struct js_error *e)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, out, NULL);
    if (rc != SQLITE_OK) {
        *out = NULL;
        return db_error(st, rc, e, "prepare");
    }
    return 0;
}

static int exec(struct assess_store *st, const char *sql, struct js_error *e)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_error(st, rc, e, sql);
}

/* Runs a statement that returns no rows (or ignores them) and resets it. */
static int step_done(struct assess_store *st, sqlite3_stmt *s, struct js_error *e)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_CONSTRAINT)
        return js_fail(e, JS_EINVAL, NULL, "%s", sqlite3_errmsg(st->db));
    return db_error(st, rc, e, "write");
}

static int64_t query_int(struct assess_store *st, const char *sql, int64_t arg, int64_t dflt)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return dflt;
    sqlite3_bind_int64(s, 1, arg);
    int64_t v = dflt;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static json_t *col_json(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    json_t *j = t ? json_loads(t, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *col_str(sqlite3_stmt *s, int i)
{
    const char *t = (const char *)sqlite3_column_text(s, i);
    return t ? json_string(t) : json_null();
}

static json_t *time_json(int64_t t)
{
    if (!t)
        return json_null();
    char buf[40];
    jtime_format(t, buf, sizeof buf);
    return json_string(buf);
}

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

/* ---- open and close ------------------------------------------------------------------------ */

int assess_store_open(const char *location, struct assess_store **out, struct js_error *e)
{
    *out = NULL;
    if (!location || !location[0])
        return js_fail(e, JS_EINVAL, "db", "no database location given");
    if (has_prefix(location, "postgres://") || has_prefix(location, "postgresql://"))
        return js_fail(e, JS_EINVAL, "db",
                       "the PostgreSQL backend is not built yet: use a SQLite file path");
    const char *path = has_prefix(location, "sqlite:") ? location + 7 : location;
    struct assess_store *st = calloc(1, sizeof *st);
    if (!st)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    int rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = js_fail(e, JS_EDB, "db", "cannot open %s: %s", path,
                     st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    /* synchronous=FULL like the main store: appeals and decisions must survive a power cut */
    sqlite3_busy_timeout(st->db, 5000);
    if ((rc = exec(
             st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;",
             e)))
        goto fail;
    if (query_int(st,
                  "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN"
                  " ('orders', 'events', 'units') AND ?1 = ?1",
                  0, 0) != 3) {
        rc = js_fail(e, JS_EDB, "db", "%s has no jiesu schema: run `jiesu init` first", path);
        goto fail;
    }
    if ((rc = exec(st, assess_schema_sql, e)))
        goto fail;
    *out = st;
    return 0;
fail:
    assess_store_close(st);
    return rc;
}

void assess_store_close(struct assess_store *st)
{
    if (!st)
        return;
    sqlite3_close_v2(st->db);
    free(st);
}

/* ---- the fact projection ----------------------------------------------------------------- */

struct folder {
    struct assess_store *st;
    sqlite3_stmt *del, *ins, *reps;
    struct fact_event *evs;
    int n, cap;
    int64_t *rep_at;
    int n_rep, cap_rep;
    int64_t *targets; /* when not NULL: the only orders of the range that have repeats */
    int n_targets;
    uint8_t *blob;
    size_t cap_blob;
    struct assess_sync_stats *stats;
};

static void folder_clear_events(struct folder *f)
{
    f->n = 0;
}

static void folder_release(struct folder *f)
{
    folder_clear_events(f);
    free(f->evs);
    free(f->rep_at);
    free(f->blob);
    sqlite3_finalize(f->del);
    sqlite3_finalize(f->ins);
    sqlite3_finalize(f->reps);
}

static int folder_init(struct folder *f, struct assess_store *st, struct assess_sync_stats *stats,
                       struct js_error *e)
{
    memset(f, 0, sizeof *f);
    f->st = st;
    f->stats = stats;
    int rc;
    if ((rc = prepare(st, "DELETE FROM assess_cases WHERE order_id = ?1", &f->del, e)) ||
        (rc = prepare(st,
                      "INSERT OR REPLACE INTO assess_cases(recv, order_id, unit_id, data)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      &f->ins, e)) ||
        (rc = prepare(st, "SELECT at FROM assess_repeats WHERE target_id = ?1 ORDER BY at",
                      &f->reps, e)))
        folder_release(f);
    return rc;
}

/* ---- reading payloads fast ----
 * An intake payload carries the whole citizen text, and building JSON objects for every
 * payload made the fold spend most of its time on what it never reads. The scanner below walks
 * the payload text (as jansson wrote it) and decodes only the members of "set" and "args" the
 * fold reads; anything it does not expect sends the event to the full parser instead. */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of the JSON value starting at p, or NULL if it is malformed. */
static const char *skip_value(const char *p, const char *end, int depth)
{
    p = skip_ws(p, end);
    if (p >= end || depth > 64)
        return NULL;
    if (*p == '"') { /* the next quote not escaped by an odd run of backslashes */
        const char *s = ++p;
        for (;;) {
            const char *q = memchr(p, '"', (size_t)(end - p));
            if (!q)
                return NULL;
            size_t bs = 0;
            for (const char *b = q; b > s && b[-1] == '\\'; b--)
                bs++;
            if (bs % 2 == 0)
                return q + 1;
            p = q + 1;
        }
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                if (!(p = skip_value(p, end, depth + 1)))
                    return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            if (!(p = skip_value(p, end, depth + 1)))
                return NULL;
            p = skip_ws(p, end);
            if (p >= end)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    const char *s = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
        p++;
    return p > s ? p : NULL;
}

/* The next member of an object whose '{' has been read: 1 with key and value ranges, 0 at the
 * closing brace, -1 if the text is not what jansson writes. */
static int member_next(const char **pp, const char *end, const char **k, size_t *kl, const char **v,
                       const char **ve)
{
    const char *p = skip_ws(*pp, end);
    if (p < end && *p == ',')
        p = skip_ws(p + 1, end);
    else if (p < end && *p == '}') {
        *pp = p + 1;
        return 0;
    }
    if (p >= end || *p != '"')
        return -1;
    const char *kend = skip_value(p, end, 0);
    if (!kend || memchr(p, '\\', (size_t)(kend - p)))
        return -1;
    *k = p + 1;
    *kl = (size_t)(kend - p - 2);
    p = skip_ws(kend, end);
    if (p >= end || *p != ':')
        return -1;
    *v = skip_ws(p + 1, end);
    if (!(*ve = skip_value(*v, end, 0)))
        return -1;
    *pp = *ve;
    return 1;
}

static bool key_is(const char *k, size_t kl, const char *name)
{
    return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

/* An integer value; false for anything else (the full parser then decides). */
static bool int_value(const char *v, const char *ve, int64_t *out)
{
    char buf[32];
    size_t n = (size_t)(ve - v);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *endp;
    long long x = strtoll(buf, &endp, 10);
    if (*endp)
        return false;
    *out = x;
    return true;
}

static bool is_true(const char *v, const char *ve)
{
    return ve - v == 4 && memcmp(v, "true", 4) == 0;
}

static bool is_false(const char *v, const char *ve)
{
    return ve - v == 5 && memcmp(v, "false", 5) == 0;
}

/* A string value without escapes into buf (false if it has escapes or does not fit). */
static bool str_value(const char *v, const char *ve, char *buf, size_t n)
{
    if (ve - v < 2 || *v != '"' || (size_t)(ve - v - 2) >= n || memchr(v, '\\', (size_t)(ve - v)))
        return false;
    memcpy(buf, v + 1, (size_t)(ve - v - 2));
    buf[ve - v - 2] = '\0';
    return true;
}

#define WANT_INT(dst)                                                                              \
    do {                                                                                           \
        int64_t x_;                                                                                \
        if (!int_value(v, ve, &x_))                                                                \
            return -1;                                                                             \
        dst = x_;                                                                                  \
    } while (0)

static int scan_units(const char *v, const char *ve, struct fact_event *fe)
{
    const char *p = skip_ws(v, ve);
    if (p >= ve || *p != '[')
        return -1;
    p = skip_ws(p + 1, ve);
    fe->n_units = 0;
    while (p < ve && *p != ']') {
        if (*p == ',')
            p = skip_ws(p + 1, ve);
        if (p >= ve || *p != '{' || fe->n_units >= ORDER_MAX_UNITS)
            return -1;
        struct fact_unit *u = &fe->units[fe->n_units++];
        memset(u, 0, sizeof *u);
        const char *q = p + 1, *k, *uv, *uve;
        size_t kl;
        int r;
        while ((r = member_next(&q, ve, &k, &kl, &uv, &uve)) == 1) {
            const char *vv = uv, *vve = uve;
            int64_t x;
            if (key_is(k, kl, "unit_id")) {
                if (!int_value(vv, vve, &x))
                    return -1;
                u->unit_id = x;
            } else if (key_is(k, kl, "role")) {
                if (!int_value(vv, vve, &x))
                    return -1;
                u->role = (int)x;
            } else if (key_is(k, kl, "active"))
                u->active = is_true(vv, vve);
            else if (key_is(k, kl, "return_pending"))
                u->return_pending = is_true(vv, vve);
        }
        if (r < 0)
            return -1;
        p = skip_ws(q, ve);
    }
    return p < ve ? 0 : -1;
}

static int scan_set(const char *p, const char *end, struct fact_event *fe)
{
    const char *k, *v, *ve;
    size_t kl;
    int r;
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        if (key_is(k, kl, "units")) {
            fe->set |= FS_UNITS;
            if (scan_units(v, ve, fe))
                return -1;
        } else if (key_is(k, kl, "deadline")) {
            fe->set |= FS_DEADLINE;
            WANT_INT(fe->deadline);
        } else if (key_is(k, kl, "hang")) {
            fe->set |= FS_HANG;
            WANT_INT(fe->hang);
        } else if (key_is(k, kl, "closure")) {
            fe->set |= FS_CLOSURE;
            WANT_INT(fe->closure);
        } else if (key_is(k, kl, "cb_contacted")) {
            fe->set |= FS_CB_CONTACTED;
            WANT_INT(fe->cb_contacted);
        } else if (key_is(k, kl, "cb_solved")) {
            fe->set |= FS_CB_SOLVED;
            WANT_INT(fe->cb_solved);
        } else if (key_is(k, kl, "cb_satisfaction")) {
            fe->set |= FS_CB_SAT;
            WANT_INT(fe->cb_sat);
        } else if (key_is(k, kl, "cb_unreachable")) {
            fe->set |= FS_CB_UNREACHABLE;
            fe->cb_unreachable = is_true(v, ve);
        } else if (key_is(k, kl, "close_kind")) {
            fe->set |= FS_CLOSE_KIND;
            WANT_INT(fe->close_kind);
        } else if (key_is(k, kl, "type")) {
            fe->set |= FS_TYPE;
            WANT_INT(fe->type);
        } else if (key_is(k, kl, "anonymous")) {
            fe->set |= FS_ANONYMOUS;
            fe->anonymous = is_true(v, ve);
        } else if (key_is(k, kl, "channel")) {
            char ch[32];
            fe->set |= FS_CHANNEL;
            fe->upstream = str_value(v, ve, ch, sizeof ch) && strcmp(ch, "upstream") == 0;
        } else if (key_is(k, kl, "duplicate_of")) {
            fe->set |= FS_DUPLICATE_OF;
            WANT_INT(fe->duplicate_of);
        }
    }
    return r;
}

static int scan_args(const char *p, const char *end, struct fact_event *fe)
{
    const char *k, *v, *ve;
    size_t kl;
    int r;
    char buf[48];
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        if (key_is(k, kl, "unit_id")) {
            if (int_value(v, ve, &fe->a_unit_id))
                fe->args |= FA_UNIT_ID;
        } else if (key_is(k, kl, "unjustified")) {
            fe->args |= FA_UNJUSTIFIED;
            fe->a_unjustified = is_true(v, ve);
        } else if (key_is(k, kl, "pass")) {
            fe->args |= FA_PASS;
            fe->a_pass = !is_false(v, ve);
        } else if (key_is(k, kl, "unreachable")) {
            fe->args |= FA_UNREACHABLE;
            fe->a_unreachable = is_true(v, ve);
        } else if (key_is(k, kl, "level")) {
            fe->args |= FA_LEVEL;
            fe->a_upstream = str_value(v, ve, buf, sizeof buf) && strcmp(buf, "upstream") == 0;
        } else if (key_is(k, kl, "approve")) {
            fe->args |= FA_APPROVE;
            fe->a_approve = is_true(v, ve);
        } else if (key_is(k, kl, "answer_due")) {
            int64_t t;
            if (*v == '"') {
                if (!str_value(v, ve, buf, sizeof buf))
                    return -1;
                if (jtime_parse(buf, &t) == 0) {
                    fe->args |= FA_ANSWER_DUE;
                    fe->a_answer_due = t;
                }
            } else if (int_value(v, ve, &t)) {
                fe->args |= FA_ANSWER_DUE;
                fe->a_answer_due = t;
            }
        } else if (key_is(k, kl, "kind")) {
            fe->args |= FA_KIND;
            int kind = -1;
            if (*v == '"' && !str_value(v, ve, buf, sizeof buf)) {
                if (memchr(v, '\\', (size_t)(ve - v)))
                    return -1; /* escaped: let the parser decide */
            } else if (*v == '"') {
                kind = js_name_index(js_supk_names, buf);
            }
            fe->a_kind = kind < 0 ? SUPK_OTHER : kind;
        } else if (key_is(k, kl, "orders")) {
            fe->args |= FA_ORDERS;
            const char *q = skip_ws(v, ve);
            if (q >= ve || *q != '[')
                return -1;
            q = skip_ws(q + 1, ve);
            int n = 0;
            while (q < ve && *q != ']') {
                if (!(q = skip_value(q, ve, 1)))
                    return -1;
                n++;
                q = skip_ws(q, ve);
                if (q < ve && *q == ',')
                    q = skip_ws(q + 1, ve);
            }
            fe->a_orders = n;
        } else if (key_is(k, kl, "duplicate_of")) {
            if (int_value(v, ve, &fe->a_duplicate_of))
                fe->args |= FA_DUPLICATE_OF;
        }
    }
    return r;
}

#undef WANT_INT

/* Decodes the payload text into fe's set and args; -1 when the text is not as expected. */
static int scan_payload(const char *text, size_t len, struct fact_event *fe)
{
    const char *p = skip_ws(text, text + len), *end = text + len, *k, *v, *ve;
    size_t kl;
    int r;
    if (p >= end || *p != '{')
        return -1;
    p++;
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        bool is_set = key_is(k, kl, "set"), is_args = key_is(k, kl, "args");
        if (!is_set && !is_args)
            continue;
        if (*v != '{')
            return -1;
        if ((is_set ? scan_set : scan_args)(v + 1, ve, fe) != 0)
            return -1;
    }
    return r;
}

/* Reads one events row (order_id, version, at, actor_unit, action, status_before,
 * status_after, payload) into the folder. */
static int folder_add_event(struct folder *f, sqlite3_stmt *s, struct js_error *e)
{
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 64;
        struct fact_event *v = realloc(f->evs, (size_t)cap * sizeof *v);
        if (!v)
            return js_fail(e, JS_ENOMEM, NULL, "out of memory");
        f->evs = v;
        f->cap = cap;
    }
    struct fact_event *fe = &f->evs[f->n];
    memset(fe, 0, sizeof *fe);
    fe->order_id = sqlite3_column_int64(s, 0);
    fe->version = sqlite3_column_int64(s, 1);
    fe->at = sqlite3_column_int64(s, 2);
    fe->actor_unit = sqlite3_column_int64(s, 3);
    const char *action = (const char *)sqlite3_column_text(s, 4);
    const char *before = (const char *)sqlite3_column_text(s, 5);
    const char *after = (const char *)sqlite3_column_text(s, 6);
    fe->action = action ? js_name_index(js_action_names, action) : -1;
    fe->status_before = before ? js_name_index(js_status_names, before) : -1;
    fe->status_after = after ? js_name_index(js_status_names, after) : -1;
    const char *payload = (const char *)sqlite3_column_blob(s, 7);
    size_t len = (size_t)sqlite3_column_bytes(s, 7);
    int rc = fe->action < 0 || fe->status_after < 0 || !payload ? -1 : 0;
    if (!rc && scan_payload(payload, len, fe) != 0) {
        /* not what the scanner expects: decode it with the JSON parser */
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.order_id = fe->order_id;
        ev.version = fe->version;
        ev.at = fe->at;
        ev.actor.unit_id = fe->actor_unit;
        ev.action = fe->action;
        ev.status_before = fe->status_before;
        ev.status_after = fe->status_after;
        ev.payload = json_loadb(payload, len, 0, NULL);
        rc = ev.payload ? fact_event_decode(&ev, fe, NULL) : -1;
        json_decref(ev.payload);
    }
    if (rc)
        return js_fail(e, JS_EDB, "events", "event %lld of order %lld is unreadable",
                       (long long)fe->version, (long long)fe->order_id);
    f->n++;
    if (f->stats)
        f->stats->events++;
    return 0;
}

static int cmp_id(const void *a, const void *b);

/* Folds the events collected for one order and replaces its fact rows. */
static int folder_flush(struct folder *f, int64_t order_id, struct js_error *e)
{
    struct assess_store *st = f->st;
    int rc = 0;
    f->n_rep = 0;
    if (f->targets &&
        !bsearch(&order_id, f->targets, (size_t)f->n_targets, sizeof(int64_t), cmp_id))
        goto fold; /* no repeats of this one: spare the query */
    sqlite3_bind_int64(f->reps, 1, order_id);
    while ((rc = sqlite3_step(f->reps)) == SQLITE_ROW) {
        if (f->n_rep == f->cap_rep) {
            int cap = f->cap_rep ? f->cap_rep * 2 : 16;
            int64_t *v = realloc(f->rep_at, (size_t)cap * sizeof *v);
            if (!v) {
                sqlite3_reset(f->reps);
                return js_fail(e, JS_ENOMEM, NULL, "out of memory");
            }
            f->rep_at = v;
            f->cap_rep = cap;
        }
        f->rep_at[f->n_rep++] = sqlite3_column_int64(f->reps, 0);
    }
    sqlite3_reset(f->reps);
    if (rc != SQLITE_DONE)
        return db_error(st, rc, e, "read repeats");
fold:;
    struct fact_set fs;
    rc = facts_fold(f->evs, f->n, f->rep_at, f->n_rep, &fs, e);
    if (rc)
        goto out;
    sqlite3_bind_int64(f->del, 1, order_id);
    if ((rc = step_done(st, f->del, e)))
        goto out;
    for (int i = 0; i < fs.n_cases; i++) {
        const struct fact_case *c = &fs.cases[i];
        size_t need = fact_case_size(c->n_marks);
        if (need > f->cap_blob) {
            uint8_t *b = realloc(f->blob, need);
            if (!b) {
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                goto out;
            }
            f->blob = b;
            f->cap_blob = need;
        }
        fact_case_encode(c, f->blob);
        sqlite3_bind_int64(f->ins, 1, c->recv);
        sqlite3_bind_int64(f->ins, 2, c->order_id);
        sqlite3_bind_int64(f->ins, 3, c->unit_id);
        sqlite3_bind_blob(f->ins, 4, f->blob, (int)need, SQLITE_STATIC);
        if ((rc = step_done(st, f->ins, e)))
            goto out;
        if (f->stats)
            f->stats->cases++;
    }
    if (f->stats)
        f->stats->orders++;
out:
    fact_set_release(&fs);
    folder_clear_events(f);
    return rc;
}

static const char event_cols[] =
    "SELECT order_id, version, at, actor_unit, action, status_before, status_after, payload"
    " FROM events";

/* Folds every order with lo <= id < hi from a scan of its events. */
static int fold_range(struct folder *f, int64_t lo, int64_t hi, struct js_error *e)
{
    sqlite3_stmt *s;
    char sql[256];
    snprintf(sql, sizeof sql,
             "%s WHERE order_id >= ?1 AND order_id < ?2 ORDER BY order_id, version", event_cols);
    int rc = prepare(f->st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_stmt *t;
    if ((rc = prepare(f->st,
                      "SELECT DISTINCT target_id FROM assess_repeats WHERE target_id >= ?1"
                      " AND target_id < ?2 ORDER BY target_id",
                      &t, e))) {
        sqlite3_finalize(s);
        return rc;
    }
    sqlite3_bind_int64(t, 1, lo);
    sqlite3_bind_int64(t, 2, hi);
    int cap = 0;
    f->n_targets = 0;
    while (!rc && sqlite3_step(t) == SQLITE_ROW) {
        if (f->n_targets == cap) {
            cap = cap ? cap * 2 : 256;
            int64_t *v = realloc(f->targets, (size_t)cap * sizeof *v);
            if (!v)
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
            else
                f->targets = v;
        }
        if (!rc)
            f->targets[f->n_targets++] = sqlite3_column_int64(t, 0);
    }
    sqlite3_finalize(t);
    if (!f->targets && !rc)
        f->targets = malloc(sizeof(int64_t)); /* an empty list: no order has repeats */
    if (!f->targets && !rc)
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
    if (rc) {
        sqlite3_finalize(s);
        return rc;
    }
    sqlite3_bind_int64(s, 1, lo);
    sqlite3_bind_int64(s, 2, hi);
    int64_t cur = 0;
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t oid = sqlite3_column_int64(s, 0);
        if (oid != cur && f->n && (rc = folder_flush(f, cur, e)))
            goto out;
        cur = oid;
        if ((rc = folder_add_event(f, s, e)))
            goto out;
    }
    if (step != SQLITE_DONE) {
        rc = db_error(f->st, step, e, "read events");
        goto out;
    }
    if (f->n)
        rc = folder_flush(f, cur, e);
out:
    sqlite3_finalize(s);
    folder_clear_events(f);
    free(f->targets);
    f->targets = NULL;
    f->n_targets = 0;
    return rc;
}

/* Folds one order from its events. */
static int fold_order(struct folder *f, sqlite3_stmt *by_order, int64_t id, struct js_error *e)
{
    int rc = 0, step;
    sqlite3_bind_int64(by_order, 1, id);
    while ((step = sqlite3_step(by_order)) == SQLITE_ROW)
        if ((rc = folder_add_event(f, by_order, e)))
            break;
    sqlite3_reset(by_order);
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = db_error(f->st, step, e, "read events");
    if (!rc)
        rc = folder_flush(f, id, e);
    folder_clear_events(f);
    return rc;
}

/* Records the duplicates among events (lo, hi] in assess_repeats; the ids of the orders they
 * repeat are appended to *targets (when targets is not NULL). */
static int record_repeats(struct assess_store *st, int64_t lo, int64_t hi, int64_t **targets,
                          int *n, int *cap, struct js_error *e)
{
    sqlite3_stmt *sel, *ins;
    int rc = prepare(st,
                     "SELECT order_id, at, coalesce(payload ->> '$.set.duplicate_of',"
                     " payload ->> '$.args.duplicate_of') FROM events"
                     " WHERE id > ?1 AND id <= ?2 AND action = 'not_file'",
                     &sel, e);
    if (rc)
        return rc;
    if ((rc = prepare(st,
                      "INSERT OR REPLACE INTO assess_repeats(source_id, target_id, at)"
                      " VALUES (?1, ?2, ?3)",
                      &ins, e))) {
        sqlite3_finalize(sel);
        return rc;
    }
    sqlite3_bind_int64(sel, 1, lo);
    sqlite3_bind_int64(sel, 2, hi);
    int step;
    while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t target = sqlite3_column_int64(sel, 2);
        if (target <= 0)
            continue;
        sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
        sqlite3_bind_int64(ins, 2, target);
        sqlite3_bind_int64(ins, 3, sqlite3_column_int64(sel, 1));
        if ((rc = step_done(st, ins, e)))
            break;
        if (targets) {
            if (*n == *cap) {
                int c = *cap ? *cap * 2 : 64;
                int64_t *v = realloc(*targets, (size_t)c * sizeof *v);
                if (!v) {
                    rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                    break;
                }
                *targets = v;
                *cap = c;
            }
            (*targets)[(*n)++] = target;
        }
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(st, step, e, "read duplicates");
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return rc;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int set_watermark(struct assess_store *st, int64_t last, struct js_error *e)
{
    sqlite3_stmt *s;
    int rc =
        prepare(st, "INSERT OR REPLACE INTO assess_fold(id, last_event) VALUES (1, ?1)", &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, last);
    rc = step_done(st, s, e);
    sqlite3_finalize(s);
    return rc;
}

static int sync_full(struct assess_store *st, int64_t max_event, struct folder *f,
                     struct js_error *e)
{
    int rc;
    if ((rc = exec(st, "BEGIN IMMEDIATE", e)))
        return rc;
    if ((rc = exec(st, "DELETE FROM assess_repeats", e)) ||
        (rc = record_repeats(st, 0, max_event, NULL, NULL, NULL, e)) ||
        (rc = exec(st, "COMMIT", e))) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    int64_t max_order = query_int(st, "SELECT max(order_id) FROM events WHERE ?1 = ?1", 0, 0);
    sqlite3_stmt *del;
    if ((rc = prepare(st, "DELETE FROM assess_cases WHERE order_id >= ?1 AND order_id < ?2", &del,
                      e)))
        return rc;
    for (int64_t lo = 0; lo <= max_order && !rc; lo += SYNC_CHUNK) {
        if ((rc = exec(st, "BEGIN IMMEDIATE", e)))
            break;
        sqlite3_bind_int64(del, 1, lo);
        sqlite3_bind_int64(del, 2, lo + SYNC_CHUNK);
        if ((rc = step_done(st, del, e)) || (rc = fold_range(f, lo, lo + SYNC_CHUNK, e)) ||
            (lo + SYNC_CHUNK > max_order && (rc = set_watermark(st, max_event, e))) ||
            (rc = exec(st, "COMMIT", e)))
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(del);
    if (!rc && max_order == 0) {
        if (!(rc = exec(st, "BEGIN IMMEDIATE", e)) && !(rc = set_watermark(st, max_event, e)))
            rc = exec(st, "COMMIT", e);
        if (rc)
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

static int sync_incremental(struct assess_store *st, int64_t last, struct folder *f,
                            struct js_error *e)
{
    int64_t *ids = NULL;
    int n = 0, cap = 0, rc;
    sqlite3_stmt *touched = NULL, *by_order = NULL;
    /* nothing new: no transaction (and no disk flush) at all */
    if (query_int(st, "SELECT max(id) FROM events WHERE ?1 = ?1", 0, 0) <= last)
        return 0;
    if ((rc = exec(st, "BEGIN IMMEDIATE", e)))
        return rc;
    /* under the write lock every event up to max is committed and visible */
    int64_t max_event = query_int(st, "SELECT max(id) FROM events WHERE ?1 = ?1", 0, 0);
    if (max_event <= last)
        goto done;
    if ((rc = record_repeats(st, last, max_event, &ids, &n, &cap, e)) ||
        (rc = prepare(st, "SELECT DISTINCT order_id FROM events WHERE id > ?1 AND id <= ?2",
                      &touched, e)))
        goto done;
    sqlite3_bind_int64(touched, 1, last);
    sqlite3_bind_int64(touched, 2, max_event);
    int step;
    while ((step = sqlite3_step(touched)) == SQLITE_ROW) {
        if (n == cap) {
            int c = cap ? cap * 2 : 64;
            int64_t *v = realloc(ids, (size_t)c * sizeof *v);
            if (!v) {
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                goto done;
            }
            ids = v;
            cap = c;
        }
        ids[n++] = sqlite3_column_int64(touched, 0);
    }
    if (step != SQLITE_DONE) {
        rc = db_error(st, step, e, "read new events");
        goto done;
    }
    qsort(ids, (size_t)n, sizeof *ids, cmp_id);
    char sql[256];
    snprintf(sql, sizeof sql, "%s WHERE order_id = ?1 ORDER BY version", event_cols);
    if ((rc = prepare(st, sql, &by_order, e)))
        goto done;
    for (int i = 0; i < n && !rc; i++)
        if (i == 0 || ids[i] != ids[i - 1])
            rc = fold_order(f, by_order, ids[i], e);
    if (!rc)
        rc = set_watermark(st, max_event, e);
done:
    sqlite3_finalize(touched);
    sqlite3_finalize(by_order);
    free(ids);
    if (!rc)
        rc = exec(st, "COMMIT", e);
    if (rc)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int assess_sync(struct assess_store *st, bool force_full, struct assess_sync_stats *stats,
                struct js_error *e)
{
    struct assess_sync_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    int64_t last =
        query_int(st, "SELECT last_event FROM assess_fold WHERE id = 1 AND ?1 = ?1", 0, -1);
    struct folder f;
    int rc = folder_init(&f, st, stats, e);
    if (rc)
        return rc;
    if (force_full || last < 0) {
        stats->full = true;
        int64_t max_event = query_int(st, "SELECT max(id) FROM events WHERE ?1 = ?1", 0, 0);
        rc = sync_full(st, max_event, &f, e);
    } else {
        rc = sync_incremental(st, last, &f, e);
    }
    folder_release(&f);
    return rc;
}

/* ---- units ----------------------------------------------------------------------------------- */

int assess_units(struct assess_store *st, struct assess_unit **out, int *n, struct js_error *e)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    int rc = prepare(st, "SELECT id, code, name, kind, active FROM units ORDER BY id", &s, e);
    if (rc)
        return rc;
    int cap = 0, step;
    struct assess_unit *v = NULL;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            struct assess_unit *w = realloc(v, (size_t)cap * sizeof *w);
            if (!w) {
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                break;
            }
            v = w;
        }
        struct assess_unit *u = &v[(*n)++];
        memset(u, 0, sizeof *u);
        u->id = sqlite3_column_int64(s, 0);
        const char *code = (const char *)sqlite3_column_text(s, 1);
        const char *name = (const char *)sqlite3_column_text(s, 2);
        const char *kind = (const char *)sqlite3_column_text(s, 3);
        snprintf(u->code, sizeof u->code, "%s", code ? code : "");
        snprintf(u->name, sizeof u->name, "%s", name ? name : "");
        u->kind = kind ? js_name_index(js_unit_kind_names, kind) : -1;
        u->active = sqlite3_column_int(s, 4) != 0;
    }
    if (!rc && step != SQLITE_DONE)
        rc = db_error(st, step, e, "read units");
    sqlite3_finalize(s);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

/* ---- exclusions from upheld appeals ---------------------------------------------------------- */

struct excl_map {
    int64_t *order, *unit;
    uint64_t *mask;
    int n, slots;
};

static unsigned excl_hash(int64_t order, int64_t unit, int slots)
{
    uint64_t h = ((uint64_t)order * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)unit * 0x85EBCA6Bu);
    return (unsigned)(h >> 32) & (unsigned)(slots - 1);
}

static uint64_t excl_get(const struct excl_map *m, int64_t order, int64_t unit)
{
    if (!m->n)
        return 0;
    unsigned h = excl_hash(order, unit, m->slots);
    while (m->order[h]) {
        if (m->order[h] == order && m->unit[h] == unit)
            return m->mask[h];
        h = (h + 1) & (unsigned)(m->slots - 1);
    }
    return 0;
}

static void excl_release(struct excl_map *m)
{
    free(m->order);
    free(m->unit);
    free(m->mask);
    memset(m, 0, sizeof *m);
}

/* The indicators an appeal names, as a mask ("all" → every indicator). */
static uint64_t mask_of(const json_t *names)
{
    uint64_t mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (strcmp(s, "all") == 0)
            return IND_ALL;
        int ind = ind_lookup(s, strlen(s));
        if (ind >= 0)
            mask |= IND_BIT(ind);
    }
    return mask;
}

static int load_exclusions(struct assess_store *st, struct excl_map *m, struct js_error *e)
{
    memset(m, 0, sizeof *m);
    int64_t count =
        query_int(st, "SELECT count(*) FROM appeal_decisions WHERE upheld = 1 AND ?1 = ?1", 0, 0);
    if (count == 0)
        return 0;
    int slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    m->order = calloc((size_t)slots, sizeof *m->order);
    m->unit = calloc((size_t)slots, sizeof *m->unit);
    m->mask = calloc((size_t)slots, sizeof *m->mask);
    if (!m->order || !m->unit || !m->mask) {
        excl_release(m);
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    }
    m->slots = slots;
    sqlite3_stmt *s;
    int rc = prepare(st,
                     "SELECT a.order_id, a.unit_id, a.indicators FROM appeals a"
                     " JOIN appeal_decisions d ON d.appeal_id = a.id WHERE d.upheld = 1",
                     &s, e);
    if (rc) {
        excl_release(m);
        return rc;
    }
    while (sqlite3_step(s) == SQLITE_ROW && m->n < count) {
        int64_t order = sqlite3_column_int64(s, 0), unit = sqlite3_column_int64(s, 1);
        json_t *names = col_json(s, 2);
        uint64_t mask = mask_of(names);
        json_decref(names);
        unsigned h = excl_hash(order, unit, slots);
        while (m->order[h] && !(m->order[h] == order && m->unit[h] == unit))
            h = (h + 1) & (unsigned)(slots - 1);
        if (!m->order[h])
            m->n++;
        m->order[h] = order;
        m->unit[h] = unit;
        m->mask[h] |= mask;
    }
    sqlite3_finalize(s);
    return 0;
}

/* ---- the run -----------------------------------------------------------------------------------
 */

/* A unit's knowledge-base figures into the table (the kb indicators). */
static int add_kb(void *ctx, const struct kb_unit_stats *k)
{
    ind_table_add_kb(ctx, k->unit_id, k->published, k->stale, k->uses);
    return 0;
}

/* Indicators of every unit for period p: a scan of the facts received in p, plus the items. */
static int compute(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
                   const struct excl_map *ex, const int64_t *ids, int n, struct ind_table *t,
                   int64_t *cases, int64_t *excluded, struct js_error *e)
{
    int rc = ind_table_init(t, ids, n);
    if (rc)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    sqlite3_stmt *q = NULL, *items = NULL;
    struct fact_case c = {0};
    if ((rc = prepare(st, "SELECT data FROM assess_cases WHERE recv >= ?1 AND recv < ?2", &q, e)))
        goto out;
    sqlite3_bind_int64(q, 1, p->from);
    sqlite3_bind_int64(q, 2, p->to);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const uint8_t *blob = sqlite3_column_blob(q, 0);
        int len = sqlite3_column_bytes(q, 0);
        if (fact_case_decode(&c, blob, (size_t)len)) {
            rc = js_fail(e, JS_EDB, "assess_cases", "a case of the period is unreadable");
            goto out;
        }
        uint64_t mask = excl_get(ex, c.order_id, c.unit_id);
        if (mask && excluded)
            (*excluded)++;
        ind_table_add(t, &c, p, &s->params, mask);
        if (cases)
            (*cases)++;
    }
    if (step != SQLITE_DONE) {
        rc = db_error(st, step, e, "read facts");
        goto out;
    }
    if ((rc = prepare(st,
                      "SELECT i.unit_id, i.kind, i.points FROM assess_items i"
                      " WHERE i.on_day >= ?1 AND i.on_day < ?2 AND NOT EXISTS"
                      " (SELECT 1 FROM assess_item_cancels c WHERE c.item_id = i.id)",
                      &items, e)))
        goto out;
    sqlite3_bind_int64(items, 1, p->from);
    sqlite3_bind_int64(items, 2, p->to);
    while ((step = sqlite3_step(items)) == SQLITE_ROW)
        ind_table_add_points(t, sqlite3_column_int64(items, 0),
                             ind_item_indicator((const char *)sqlite3_column_text(items, 1)),
                             sqlite3_column_double(items, 2));
    if (step != SQLITE_DONE) {
        rc = db_error(st, step, e, "read items");
        goto out;
    }
    if ((rc = sqlite_kb_stats_db(st->db, p->from, p->to, p->cutoff, add_kb, t))) {
        rc = db_error(st, SQLITE_ERROR, e, "read the knowledge base");
        goto out;
    }
    ind_table_finish(t, &s->params);
out:
    free(c.marks);
    sqlite3_finalize(q);
    sqlite3_finalize(items);
    if (rc)
        ind_table_release(t);
    return rc;
}

void assess_report_release(struct assess_report *r)
{
    if (!r)
        return;
    free(r->units);
    free(r->rows);
    ind_table_release(&r->table);
    memset(r, 0, sizeof *r);
}

/* True if p is one whole calendar year (Asia/Shanghai). */
static bool is_year(const struct ind_period *p, int *year)
{
    int y, m, d;
    jtime_civil_from_days(jtime_local_day(p->from), &y, &m, &d);
    *year = y;
    return m == 1 && d == 1 && p->from == jtime_day_start(jtime_days_from_civil(y, 1, 1)) &&
           p->to == jtime_day_start(jtime_days_from_civil(y + 1, 1, 1));
}

int assess_run(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
               struct assess_report *out, struct js_error *e)
{
    memset(out, 0, sizeof *out);
    out->scheme = s;
    out->period = *p;
    struct excl_map ex = {0};
    int64_t *ids = NULL;
    int *kinds = NULL;
    double *month_sum = NULL, *year_end = NULL;
    int *months = NULL;
    struct scheme_row *mrows = NULL;
    int rc = assess_sync(st, false, NULL, e);
    if (rc || (rc = assess_units(st, &out->units, &out->n, e)) ||
        (rc = load_exclusions(st, &ex, e)))
        goto out;
    int n = out->n;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    ids = malloc(cnt * sizeof *ids);
    kinds = malloc(cnt * sizeof *kinds);
    out->rows = calloc(cnt, sizeof *out->rows);
    if (!ids || !kinds || !out->rows) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        ids[i] = out->units[i].id;
        kinds[i] = out->units[i].kind;
    }
    if ((rc = compute(st, s, p, &ex, ids, n, &out->table, &out->cases, &out->exclusions, e)) ||
        (rc = scheme_eval(s, n, kinds, out->table.val, NULL, out->rows, e)))
        goto out;
    int year;
    if (!s->has_year || !is_year(p, &year))
        goto out;
    /* 001: the year is 80 % of the daily (monthly) results and 20 % of the year-end items */
    out->year = true;
    month_sum = calloc(cnt, sizeof *month_sum);
    year_end = calloc(cnt, sizeof *year_end);
    months = calloc(cnt, sizeof *months);
    mrows = calloc(cnt, sizeof *mrows);
    if (!month_sum || !year_end || !months || !mrows) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (int m = 1; m <= 12; m++) {
        char spec[16];
        struct ind_period pm;
        struct ind_table tm;
        snprintf(spec, sizeof spec, "%04d-%02d", year, m);
        if ((rc = ind_period_parse(spec, &pm, e)) ||
            (rc = compute(st, s, &pm, &ex, ids, n, &tm, NULL, NULL, e)))
            goto out;
        rc = scheme_eval(s, n, kinds, tm.val, NULL, mrows, e);
        ind_table_release(&tm);
        if (rc)
            goto out;
        bool any = false;
        for (int i = 0; i < n; i++)
            if (mrows[i].assessed) {
                month_sum[i] += mrows[i].score;
                months[i]++;
                any = true;
            }
        out->months += any;
    }
    for (int i = 0; i < n; i++)
        year_end[i] = ind_value(&out->table, i, s->year_indicator);
    scheme_year_combine(s, n, month_sum, months, year_end, out->rows);
out:
    excl_release(&ex);
    free(ids);
    free(kinds);
    free(month_sum);
    free(year_end);
    free(months);
    free(mrows);
    if (rc)
        assess_report_release(out);
    return rc;
}

static json_t *num_json(double v)
{
    return json_real(v);
}

static int row_cmp_ctx_rank(const struct assess_report *r, int a, int b)
{
    const struct scheme_row *x = &r->rows[a], *y = &r->rows[b];
    if (x->group != y->group) { /* groups in scheme order, units of no group last */
        if (x->group < 0 || y->group < 0)
            return x->group < 0 ? 1 : -1;
        return x->group - y->group;
    }
    if (x->assessed != y->assessed)
        return x->assessed ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return r->units[a].id < r->units[b].id ? -1 : 1;
}

json_t *assess_report_json(const struct assess_report *r, int64_t only_unit)
{
    const struct scheme *s = r->scheme;
    char period[80];
    ind_period_format(&r->period, period, sizeof period);
    json_t *j = json_object(), *inds = json_array(), *items = json_array(), *groups = json_array(),
           *grades = json_array(), *units = json_array();
    int *order = malloc(sizeof(int) * (size_t)(r->n > 0 ? r->n : 1));
    if (!j || !inds || !items || !groups || !grades || !units || !order)
        goto fail;
    json_object_set_new(j, "scheme", json_string(s->name));
    json_object_set_new(j, "title", json_string(s->title));
    json_object_set_new(j, "period", json_string(period));
    json_object_set_new(j, "from", time_json(r->period.from));
    json_object_set_new(j, "to", time_json(r->period.to));
    json_object_set_new(j, "year", json_boolean(r->year));
    if (r->year)
        json_object_set_new(j, "months", json_integer(r->months));
    for (int i = 0; i < s->n_ind; i++) {
        const struct ind_def *d = &ind_defs[s->ind[i]];
        json_array_append_new(inds, json_pack("{ss ss ss ss ss so}", "id", d->id, "name",
                                              s->ind_name[i], "label", d->label, "kind",
                                              d->kind == 'R'   ? "rate"
                                              : d->kind == 'C' ? "count"
                                                               : "points",
                                              "numerator", d->num, "denominator",
                                              d->den ? json_string(d->den) : json_null()));
    }
    for (int k = 0; k < s->n_items; k++)
        json_array_append_new(
            items, json_pack("{ss ss so}", "id", s->items[k].id, "name", s->items[k].name, "max",
                             s->items[k].max ? num_json(s->items[k].max) : json_null()));
    for (int g = 0; g < s->n_groups; g++) {
        json_t *kinds = json_array();
        for (int k = 0; k < UNIT__COUNT; k++)
            if (s->groups[g].kinds & (1u << k))
                json_array_append_new(kinds, json_string(js_unit_kind_names[k]));
        json_array_append_new(groups,
                              json_pack("{ss so}", "name", s->groups[g].name, "kinds", kinds));
    }
    for (int g = 0; g < s->n_grades; g++)
        json_array_append_new(grades, json_pack("{ss so}", "grade", s->grades[g].grade, "min",
                                                g + 1 < s->n_grades || s->grades[g].min > -1e300
                                                    ? num_json(s->grades[g].min)
                                                    : json_null()));
    json_object_set_new(j, "indicators", inds);
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "groups", groups);
    json_object_set_new(j, "grades", grades);
    inds = items = groups = grades = NULL;
    for (int i = 0; i < r->n; i++)
        order[i] = i;
    for (int i = 1; i < r->n; i++) /* insertion sort: a few hundred units */
        for (int k = i; k > 0 && row_cmp_ctx_rank(r, order[k - 1], order[k]) > 0; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (int oi = 0; oi < r->n; oi++) {
        int i = order[oi];
        const struct assess_unit *u = &r->units[i];
        const struct scheme_row *row = &r->rows[i];
        if (only_unit ? u->id != only_unit
                      : (!u->active && ind_value(&r->table, i, IND_RECEIVED) == 0))
            continue;
        json_t *ju =
            json_pack("{sI ss ss ss}", "unit_id", (json_int_t)u->id, "code", u->code, "name",
                      u->name, "kind", u->kind >= 0 ? js_unit_kind_names[u->kind] : "");
        json_t *it = json_object(), *in = json_object();
        json_object_set_new(
            ju, "group", row->group >= 0 ? json_string(s->groups[row->group].name) : json_null());
        json_object_set_new(ju, "assessed", json_boolean(row->assessed));
        json_object_set_new(ju, "score", row->assessed ? num_json(row->score) : json_null());
        json_object_set_new(ju, "rank", row->assessed ? json_integer(row->rank) : json_null());
        json_object_set_new(
            ju, "grade", row->grade >= 0 ? json_string(s->grades[row->grade].grade) : json_null());
        json_object_set_new(ju, "bonus", num_json(row->bonus));
        for (int k = 0; k < s->n_items; k++)
            json_object_set_new(it, s->items[k].id, num_json(row->items[k]));
        for (int k = 0; k < s->n_ind; k++) {
            int ind = s->ind[k];
            size_t cell = (size_t)i * IND__COUNT + (size_t)ind;
            json_object_set_new(
                in, ind_defs[ind].id,
                json_pack("{so so so}", "value", num_json(r->table.val[cell]), "num",
                          num_json(r->table.num[cell]), "den",
                          ind_defs[ind].kind == 'R' ? num_json(r->table.den[cell]) : json_null()));
        }
        json_object_set_new(ju, "received",
                            json_integer((json_int_t)ind_value(&r->table, i, IND_RECEIVED)));
        json_object_set_new(ju, "items", it);
        json_object_set_new(ju, "indicators", in);
        json_array_append_new(units, ju);
    }
    json_object_set_new(j, "units", units);
    free(order);
    return j;
fail:
    json_decref(j);
    json_decref(inds);
    json_decref(items);
    json_decref(groups);
    json_decref(grades);
    json_decref(units);
    free(order);
    return NULL;
}

int assess_orders(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
                  int64_t unit_id, int indicator, json_t **out, struct js_error *e)
{
    *out = NULL;
    struct excl_map ex = {0};
    sqlite3_stmt *q = NULL;
    struct fact_case c = {0};
    struct ind_params dflt;
    ind_params_default(&dflt);
    const struct ind_params *prm = s ? &s->params : &dflt;
    json_t *arr = json_array();
    int rc = assess_sync(st, false, NULL, e);
    if (rc || (rc = load_exclusions(st, &ex, e)))
        goto out;
    if (!arr) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = prepare(st,
                      "SELECT f.data, o.number, o.title"
                      " FROM assess_cases f LEFT JOIN orders o ON o.id = f.order_id"
                      " WHERE f.unit_id = ?1 AND f.recv >= ?2 AND f.recv < ?3"
                      " ORDER BY f.recv, f.order_id",
                      &q, e)))
        goto out;
    sqlite3_bind_int64(q, 1, unit_id);
    sqlite3_bind_int64(q, 2, p->from);
    sqlite3_bind_int64(q, 3, p->to);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (fact_case_decode(&c, sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0))) {
            rc = js_fail(e, JS_EDB, "assess_cases", "a case of unit %lld is unreadable",
                         (long long)unit_id);
            goto out;
        }
        uint64_t mask = excl_get(&ex, c.order_id, c.unit_id);
        struct ind_contrib k, all;
        ind_case_eval(&c, p, prm, mask, &k);
        ind_case_eval(&c, p, prm, 0, &all);
        json_t *inds = json_object(), *excluded = json_array();
        bool wanted = indicator < 0;
        for (int i = 0; i < IND__COUNT; i++) {
            bool shown = !s;
            for (int x = 0; s && x < s->n_ind; x++)
                shown = shown || s->ind[x] == i;
            if (!shown)
                continue;
            if (mask & IND_BIT(i) && (all.den[i] || all.num[i] != 0))
                json_array_append_new(excluded, json_string(ind_defs[i].id));
            if (!k.den[i] && k.num[i] == 0)
                continue;
            if (i == indicator)
                wanted = true;
            json_object_set_new(inds, ind_defs[i].id,
                                json_pack("{so so}", "num", json_real(k.num[i]), "den",
                                          ind_defs[i].kind == 'R'
                                              ? json_integer((json_int_t)k.den[i])
                                              : json_null()));
        }
        if (!wanted || (json_object_size(inds) == 0 && json_array_size(excluded) == 0)) {
            json_decref(inds);
            json_decref(excluded);
            continue;
        }
        json_t *row = json_pack("{sI so so so so so}", "order_id", (json_int_t)c.order_id, "number",
                                col_str(q, 1), "title", col_str(q, 2), "received_at",
                                time_json(c.recv), "excluded", excluded, "indicators", inds);
        json_array_append_new(arr, row);
    }
    if (step != SQLITE_DONE)
        rc = db_error(st, step, e, "read facts");
out:
    free(c.marks);
    sqlite3_finalize(q);
    excl_release(&ex);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

/* ---- appeals ------------------------------------------------------------------------------ */

static bool is_role(const struct actor *who, int a, int b)
{
    return who->role == a || who->role == b;
}

/* Resolves {order_id} or {order: number} to an order id. */
static int order_ref(struct assess_store *st, const json_t *args, int64_t *id, struct js_error *e)
{
    int64_t oid = 0;
    const char *number = NULL;
    int rc;
    if ((rc = jf_int(args, "order_id", false, 1, INT64_MAX, &oid, e)) ||
        (rc = jf_str(args, "order", false, 20, &number, e)))
        return rc;
    if (!oid && !number)
        return js_fail(e, JS_EMISSING, "order_id", "order_id (or order, the number) is required");
    if (!oid) {
        sqlite3_stmt *s;
        if ((rc = prepare(st, "SELECT id FROM orders WHERE number = ?1", &s, e)))
            return rc;
        sqlite3_bind_text(s, 1, number, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW)
            oid = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        if (!oid)
            return js_fail(e, JS_ENOTFOUND, "order", "order not found");
    }
    *id = oid;
    return 0;
}

static int appeal_indicators(const json_t *args, json_t **out, struct js_error *e)
{
    json_t *arr;
    int rc = jf_array(args, "indicators", true, IND__COUNT, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0)
        return js_fail(e, JS_EMISSING, "indicators", "name at least one indicator, or \"all\"");
    json_t *ids = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        int ind = s ? ind_lookup(s, strlen(s)) : -1;
        if (s && strcmp(s, "all") == 0) {
            json_array_clear(ids);
            json_array_append_new(ids, json_string("all"));
            break;
        }
        if (ind < 0) {
            json_decref(ids);
            return js_fail(e, JS_EINVAL, "indicators", "not an indicator: %s",
                           s ? s : "(not a string)");
        }
        json_array_append_new(ids, json_string(ind_defs[ind].id));
    }
    *out = ids;
    return 0;
}

static int evidence_of(const json_t *args, json_t **out, struct js_error *e)
{
    static const char *const keys[] = {"name", "url", "kind", NULL};
    json_t *arr;
    int rc = jf_array(args, "evidence", true, 20, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0)
        return js_fail(e, JS_EMISSING, "evidence",
                       "an appeal needs evidence (at least one attachment)");
    json_t *copy = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *name, *url, *kind = NULL;
        if ((rc = jf_known(v, keys, e)) || (rc = jf_str(v, "name", true, 200, &name, e)) ||
            (rc = jf_str(v, "url", true, 1000, &url, e)) || (rc = url_check_ref("url", url, e)) ||
            (rc = jf_str(v, "kind", false, 32, &kind, e))) {
            snprintf(e->field, sizeof e->field, "evidence[%zu]", i);
            json_decref(copy);
            return rc;
        }
        json_t *item = json_pack("{ss ss}", "name", name, "url", url);
        if (kind)
            json_object_set_new(item, "kind", json_string(kind));
        json_array_append_new(copy, item);
    }
    *out = copy;
    return 0;
}

int assess_appeal_file(struct assess_store *st, const struct actor *who, const json_t *args,
                       int64_t now, int64_t *id, struct js_error *e)
{
    static const char *const keys[] = {"order_id", "order",    "indicators",
                                       "reason",   "evidence", NULL};
    if (who->role != ROLE_UNIT_LEADER || !who->unit_id)
        return js_fail(e, JS_EFORBIDDEN, NULL, "appeals are filed by a unit leader (单位领导)");
    json_t *inds = NULL, *evidence = NULL;
    char *inds_text = NULL, *ev_text = NULL;
    const char *reason;
    int64_t oid = 0;
    sqlite3_stmt *s = NULL;
    int rc;
    if ((rc = jf_known(args, keys, e)) || (rc = order_ref(st, args, &oid, e)) ||
        (rc = appeal_indicators(args, &inds, e)) ||
        (rc = jf_str(args, "reason", true, JS_MAX_NOTE, &reason, e)) ||
        (rc = evidence_of(args, &evidence, e)) || (rc = assess_sync(st, false, NULL, e)))
        goto out;
    if ((rc =
             prepare(st, "SELECT 1 FROM assess_cases WHERE order_id = ?1 AND unit_id = ?2", &s, e)))
        goto out;
    sqlite3_bind_int64(s, 1, oid);
    sqlite3_bind_int64(s, 2, who->unit_id);
    bool held = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    s = NULL;
    if (!held) { /* units must not learn of other units' orders */
        rc = js_fail(e, JS_ENOTFOUND, "order_id", "order not found");
        goto out;
    }
    inds_text = json_dumps(inds, JSON_COMPACT);
    ev_text = json_dumps(evidence, JSON_COMPACT);
    if (!inds_text || !ev_text) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = exec(st, "BEGIN IMMEDIATE", e)))
        goto out;
    if ((rc = prepare(st,
                      "SELECT 1 FROM appeals a WHERE a.order_id = ?1 AND a.unit_id = ?2 AND NOT"
                      " EXISTS (SELECT 1 FROM appeal_decisions d WHERE d.appeal_id = a.id)",
                      &s, e)))
        goto rollback;
    sqlite3_bind_int64(s, 1, oid);
    sqlite3_bind_int64(s, 2, who->unit_id);
    bool pending = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    s = NULL;
    if (pending) {
        rc = js_fail(e, JS_EEXISTS, "order_id",
                     "this order already has a pending appeal of your unit");
        goto rollback;
    }
    if ((rc = prepare(st,
                      "INSERT INTO appeals(order_id, unit_id, indicators, reason, evidence,"
                      " filed_by, filed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      &s, e)))
        goto rollback;
    sqlite3_bind_int64(s, 1, oid);
    sqlite3_bind_int64(s, 2, who->unit_id);
    sqlite3_bind_text(s, 3, inds_text, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, ev_text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, who->user_id);
    sqlite3_bind_int64(s, 7, now);
    if ((rc = step_done(st, s, e)))
        goto rollback;
    *id = sqlite3_last_insert_rowid(st->db);
    rc = exec(st, "COMMIT", e);
    if (!rc)
        goto out;
rollback:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(s);
    json_decref(inds);
    json_decref(evidence);
    free(inds_text);
    free(ev_text);
    return rc;
}

int assess_appeal_decide(struct assess_store *st, const struct actor *who, int64_t id,
                         const json_t *args, int64_t now, struct js_error *e)
{
    static const char *const keys[] = {"uphold", "note", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "appeals are decided by a supervisor or an admin");
    bool uphold = false;
    const char *note = NULL;
    int rc;
    if ((rc = jf_known(args, keys, e)) || (rc = jf_bool(args, "uphold", true, &uphold, e)) ||
        (rc = jf_str(args, "note", !uphold, JS_MAX_NOTE, &note, e)))
        return rc;
    sqlite3_stmt *s = NULL;
    if ((rc = exec(st, "BEGIN IMMEDIATE", e)))
        return rc;
    if ((rc = prepare(st,
                      "SELECT (SELECT count(*) FROM appeal_decisions d WHERE d.appeal_id = a.id)"
                      " FROM appeals a WHERE a.id = ?1",
                      &s, e)))
        goto rollback;
    sqlite3_bind_int64(s, 1, id);
    int found = sqlite3_step(s);
    int decided = found == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    s = NULL;
    if (found != SQLITE_ROW) {
        rc = js_fail(e, JS_ENOTFOUND, "id", "appeal not found");
        goto rollback;
    }
    if (decided) {
        rc = js_fail(e, JS_ESTATE, NULL, "the appeal has already been decided");
        goto rollback;
    }
    if ((rc = prepare(st,
                      "INSERT INTO appeal_decisions(appeal_id, upheld, note, decided_by,"
                      " decided_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                      &s, e)))
        goto rollback;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, uphold);
    sqlite3_bind_text(s, 3, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, who->user_id);
    sqlite3_bind_int64(s, 5, now);
    rc = step_done(st, s, e);
    sqlite3_finalize(s);
    if (!rc && !(rc = exec(st, "COMMIT", e)))
        return 0;
rollback:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static const char appeal_select[] =
    "SELECT a.id, a.order_id, o.number, a.unit_id, a.indicators, a.reason, a.evidence,"
    " a.filed_by, a.filed_at, d.upheld, d.decided_by, d.decided_at, d.note"
    " FROM appeals a LEFT JOIN appeal_decisions d ON d.appeal_id = a.id"
    " LEFT JOIN orders o ON o.id = a.order_id";

static json_t *appeal_row(sqlite3_stmt *s)
{
    bool decided = sqlite3_column_type(s, 9) != SQLITE_NULL;
    const char *status = !decided ? "pending" : sqlite3_column_int(s, 9) ? "upheld" : "rejected";
    return json_pack("{sI sI so sI so so so sI so ss so so so}", "id",
                     (json_int_t)sqlite3_column_int64(s, 0), "order_id",
                     (json_int_t)sqlite3_column_int64(s, 1), "number", col_str(s, 2), "unit_id",
                     (json_int_t)sqlite3_column_int64(s, 3), "indicators", col_json(s, 4), "reason",
                     col_str(s, 5), "evidence", col_json(s, 6), "filed_by",
                     (json_int_t)sqlite3_column_int64(s, 7), "filed_at",
                     time_json(sqlite3_column_int64(s, 8)), "status", status, "decided_by",
                     decided ? json_integer(sqlite3_column_int64(s, 10)) : json_null(),
                     "decided_at", decided ? time_json(sqlite3_column_int64(s, 11)) : json_null(),
                     "note", decided ? col_str(s, 12) : json_null());
}

int assess_appeal_list(struct assess_store *st, int64_t unit_id, const char *status, json_t **out,
                       struct js_error *e)
{
    *out = NULL;
    if (status && strcmp(status, "pending") != 0 && strcmp(status, "upheld") != 0 &&
        strcmp(status, "rejected") != 0)
        return js_fail(e, JS_EINVAL, "status", "status is pending, upheld or rejected");
    char sql[700];
    snprintf(sql, sizeof sql,
             "%s WHERE (?1 = 0 OR a.unit_id = ?1) AND (?2 IS NULL OR"
             " (?2 = 'pending' AND d.appeal_id IS NULL) OR (?2 = 'upheld' AND d.upheld = 1) OR"
             " (?2 = 'rejected' AND d.upheld = 0)) ORDER BY a.id DESC",
             appeal_select);
    sqlite3_stmt *s;
    int rc = prepare(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, unit_id);
    if (status)
        sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(arr, appeal_row(s));
    if (step != SQLITE_DONE)
        rc = db_error(st, step, e, "read appeals");
    sqlite3_finalize(s);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

int assess_appeal_get(struct assess_store *st, int64_t id, json_t **out, struct js_error *e)
{
    *out = NULL;
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE a.id = ?1", appeal_select);
    sqlite3_stmt *s;
    int rc = prepare(st, sql, &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        *out = appeal_row(s);
    else if (step == SQLITE_DONE)
        rc = js_fail(e, JS_ENOTFOUND, "id", "appeal not found");
    else
        rc = db_error(st, step, e, "read appeal");
    sqlite3_finalize(s);
    return rc;
}

/* ---- items --------------------------------------------------------------------------------- */

int assess_item_add(struct assess_store *st, const struct actor *who, const json_t *args,
                    int64_t now, int64_t *id, struct js_error *e)
{
    static const char *const keys[] = {"unit_id", "kind", "points", "on", "note", "order_id", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "items are entered by a supervisor or an admin");
    int64_t unit = 0, on = 0, order = 0;
    const char *kind, *note;
    int rc;
    if ((rc = jf_known(args, keys, e)) ||
        (rc = jf_int(args, "unit_id", true, 1, INT64_MAX, &unit, e)) ||
        (rc = jf_str(args, "kind", true, 32, &kind, e)) ||
        (rc = jf_time(args, "on", true, &on, e)) ||
        (rc = jf_str(args, "note", true, JS_MAX_NOTE, &note, e)) ||
        (rc = jf_int(args, "order_id", false, 1, INT64_MAX, &order, e)))
        return rc;
    const json_t *pts = json_object_get(args, "points");
    if (!pts)
        return js_fail(e, JS_EMISSING, "points", "points is required");
    if (!json_is_number(pts))
        return js_fail(e, JS_ETYPE, "points", "points must be a number");
    double points = json_number_value(pts);
    if (!(points >= -100 && points <= 100))
        return js_fail(e, JS_EINVAL, "points", "points must be between -100 and 100");
    if (ind_item_indicator(kind) < 0)
        return js_fail(e, JS_EINVAL, "kind",
                       "kind is manual_deduction, bonus_points or year_end, not '%s'", kind);
    if (query_int(st, "SELECT count(*) FROM units WHERE id = ?1", unit, 0) == 0)
        return js_fail(e, JS_EINVAL, "unit_id", "no unit %lld", (long long)unit);
    sqlite3_stmt *s;
    if ((rc = prepare(st,
                      "INSERT INTO assess_items(unit_id, kind, on_day, points, note, order_id,"
                      " by_user, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      &s, e)))
        return rc;
    sqlite3_bind_int64(s, 1, unit);
    sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, on);
    sqlite3_bind_double(s, 4, points);
    sqlite3_bind_text(s, 5, note, -1, SQLITE_STATIC);
    if (order)
        sqlite3_bind_int64(s, 6, order);
    sqlite3_bind_int64(s, 7, who->user_id);
    sqlite3_bind_int64(s, 8, now);
    rc = step_done(st, s, e);
    if (!rc)
        *id = sqlite3_last_insert_rowid(st->db);
    sqlite3_finalize(s);
    return rc;
}

int assess_item_cancel(struct assess_store *st, const struct actor *who, int64_t id,
                       const json_t *args, int64_t now, struct js_error *e)
{
    static const char *const keys[] = {"reason", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "items are cancelled by a supervisor or an admin");
    const char *reason;
    int rc;
    if ((rc = jf_known(args, keys, e)) ||
        (rc = jf_str(args, "reason", true, JS_MAX_NOTE, &reason, e)))
        return rc;
    if (query_int(st, "SELECT count(*) FROM assess_items WHERE id = ?1", id, 0) == 0)
        return js_fail(e, JS_ENOTFOUND, "id", "item not found");
    if (query_int(st, "SELECT count(*) FROM assess_item_cancels WHERE item_id = ?1", id, 0))
        return js_fail(e, JS_ESTATE, NULL, "the item is already cancelled");
    sqlite3_stmt *s;
    if ((rc = prepare(st,
                      "INSERT INTO assess_item_cancels(item_id, reason, by_user, at)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      &s, e)))
        return rc;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, who->user_id);
    sqlite3_bind_int64(s, 4, now);
    rc = step_done(st, s, e);
    sqlite3_finalize(s);
    return rc;
}

int assess_item_list(struct assess_store *st, int64_t unit_id, int64_t from, int64_t to,
                     json_t **out, struct js_error *e)
{
    *out = NULL;
    sqlite3_stmt *s;
    int rc = prepare(st,
                     "SELECT i.id, i.unit_id, i.kind, i.on_day, i.points, i.note, i.order_id,"
                     " i.by_user, i.at, c.item_id IS NOT NULL, c.reason FROM assess_items i"
                     " LEFT JOIN assess_item_cancels c ON c.item_id = i.id"
                     " WHERE (?1 = 0 OR i.unit_id = ?1) AND (?2 = 0 OR i.on_day >= ?2)"
                     " AND (?3 = 0 OR i.on_day < ?3) ORDER BY i.on_day, i.id",
                     &s, e);
    if (rc)
        return rc;
    sqlite3_bind_int64(s, 1, unit_id);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    json_t *arr = json_array();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        bool cancelled = sqlite3_column_int(s, 9) != 0;
        json_array_append_new(
            arr, json_pack("{sI sI so so sf so so sI so sb so}", "id",
                           (json_int_t)sqlite3_column_int64(s, 0), "unit_id",
                           (json_int_t)sqlite3_column_int64(s, 1), "kind", col_str(s, 2), "on",
                           time_json(sqlite3_column_int64(s, 3)), "points",
                           sqlite3_column_double(s, 4), "note", col_str(s, 5), "order_id",
                           sqlite3_column_type(s, 6) == SQLITE_NULL
                               ? json_null()
                               : json_integer(sqlite3_column_int64(s, 6)),
                           "by", (json_int_t)sqlite3_column_int64(s, 7), "at",
                           time_json(sqlite3_column_int64(s, 8)), "cancelled", cancelled,
                           "cancel_reason", cancelled ? col_str(s, 10) : json_null()));
    }
    if (step != SQLITE_DONE)
        rc = db_error(st, step, e, "read items");
    sqlite3_finalize(s);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

/* ---- schemes --------------------------------------------------------------------------------- */

const char *assess_scheme_dir(void)
{
    const char *env = getenv("JIESU_SCHEMES");
    if (env && env[0])
        return env;
#ifdef JIESU_SOURCE_DIR
    struct stat sb;
    if (stat(JIESU_SOURCE_DIR "/schemes", &sb) == 0 && S_ISDIR(sb.st_mode))
        return JIESU_SOURCE_DIR "/schemes";
#endif
    return "/usr/share/jiesu/schemes";
}

static bool scheme_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-' || name[i] == '_'))
            return false;
    return true;
}

static int read_file(const char *path, struct buf *b, struct js_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return js_fail(e, JS_ENOTFOUND, "scheme", "no scheme file %s", path);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(b, chunk, n);
    if (!rc && ferror(f))
        rc = js_fail(e, JS_EIO, "scheme", "cannot read %s", path);
    fclose(f);
    return rc;
}

int assess_scheme_load(struct assess_store *st, const char *dir, const char *name,
                       struct scheme **out, struct js_error *e)
{
    *out = NULL;
    if (!scheme_name_ok(name))
        return js_fail(e, JS_EINVAL, "scheme", "a scheme name is 1 to 31 of [a-z0-9_-]");
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (st) {
        if ((rc = prepare(st,
                          "SELECT doc FROM assess_schemes WHERE name = ?1 ORDER BY id DESC"
                          " LIMIT 1",
                          &s, e)))
            return rc;
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) {
            const char *doc = (const char *)sqlite3_column_text(s, 0);
            rc = scheme_parse(doc, strlen(doc), out, e);
            sqlite3_finalize(s);
            return rc;
        }
        sqlite3_finalize(s);
    }
    char path[1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.json", dir ? dir : assess_scheme_dir(), name) >=
        sizeof path)
        return js_fail(e, JS_EINVAL, "scheme", "the schemes directory path is too long");
    struct buf b;
    buf_init(&b, 1 << 20);
    if (!(rc = read_file(path, &b, e)))
        rc = scheme_parse(b.data ? b.data : "", b.len, out, e);
    buf_release(&b);
    if (!rc && strcmp((*out)->name, name) != 0) {
        rc = js_fail(e, JS_EINVAL, "name", "%s names scheme '%s', not '%s'", path, (*out)->name,
                     name);
        scheme_free(*out);
        *out = NULL;
    }
    return rc;
}

int assess_scheme_save(struct assess_store *st, const struct actor *who, const char *name,
                       const json_t *doc, int64_t now, struct js_error *e)
{
    if (who->role != ROLE_ADMIN)
        return js_fail(e, JS_EFORBIDDEN, NULL, "schemes are changed by an administrator");
    struct scheme *s = NULL;
    int rc = scheme_from_json(doc, &s, e);
    if (rc)
        return rc;
    bool same = strcmp(s->name, name) == 0;
    scheme_free(s);
    if (!same)
        return js_fail(e, JS_EINVAL, "name", "the document's name must be '%s'", name);
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    sqlite3_stmt *ins;
    if (!(rc = prepare(st,
                       "INSERT INTO assess_schemes(name, doc, by_user, at) VALUES (?1, ?2, ?3, ?4)",
                       &ins, e))) {
        sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 3, who->user_id);
        sqlite3_bind_int64(ins, 4, now);
        rc = step_done(st, ins, e);
        sqlite3_finalize(ins);
    }
    free(text);
    return rc;
}

static const char *const builtin_schemes[] = {"dongcheng-2016", "linshu-2020", "beijing-2020",
                                              NULL};

int assess_scheme_list(struct assess_store *st, const char *dir, json_t **out, struct js_error *e)
{
    *out = NULL;
    json_t *arr = json_array();
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (!arr)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    for (int i = 0; builtin_schemes[i]; i++) {
        struct scheme *sc = NULL;
        struct js_error ignore;
        if (assess_scheme_load(NULL, dir, builtin_schemes[i], &sc, &ignore) == 0) {
            json_array_append_new(
                arr, json_pack("{ss ss sb}", "name", sc->name, "title", sc->title, "stored", 0));
            scheme_free(sc);
        }
    }
    if (st && !(rc = prepare(st,
                             "SELECT name, doc ->> '$.title', max(id) FROM assess_schemes"
                             " GROUP BY name ORDER BY name",
                             &s, e))) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(s, 0);
            const char *title = (const char *)sqlite3_column_text(s, 1);
            json_t *found = NULL;
            size_t i;
            json_t *v;
            for (i = 0; i < json_array_size(arr); i++) {
                v = json_array_get(arr, i);
                if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0)
                    found = v;
            }
            if (!found) {
                found = json_pack("{ss}", "name", name);
                json_array_append_new(arr, found);
            }
            json_object_set_new(found, "title", json_string(title ? title : name));
            json_object_set_new(found, "stored", json_true());
        }
        sqlite3_finalize(s);
    }
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}
