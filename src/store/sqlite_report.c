/* The SQLite side of the reports (issue 11): grouped counts of orders and events for a period,
 * the ids of the orders a report lists, and the issued reports themselves (an append-only
 * table: triggers refuse UPDATE and DELETE), on the connection of a struct store handle. */
#include "compat.h"
#include "store/sqlite_report.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_schema.h"
#include "util/buf.h"

/* Migration 12: the issued reports. unit_id NULL for reports of the whole district. */
const char sqlite_report_schema_sql[] =
    "CREATE TABLE reports ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " period TEXT NOT NULL,"
    " unit_id INTEGER REFERENCES units(id),"
    " edition INTEGER NOT NULL CHECK (edition >= 1),"
    " period_from INTEGER NOT NULL,"
    " period_to INTEGER NOT NULL,"
    " title TEXT NOT NULL,"
    " issued_at INTEGER NOT NULL,"
    " issued_by INTEGER REFERENCES users(id),"
    " issued_by_name TEXT NOT NULL,"
    " doc TEXT NOT NULL CHECK (json_valid(doc))"
    ") STRICT;"
    "CREATE UNIQUE INDEX reports_edition ON reports(kind, period, coalesce(unit_id, 0), edition);"
    "CREATE INDEX reports_kind ON reports(kind, id);"
    "CREATE INDEX reports_unit ON reports(unit_id, id) WHERE unit_id IS NOT NULL;"
    "CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports"
    " BEGIN SELECT RAISE(ABORT, 'issued reports never change'); END;"
    "CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports"
    " BEGIN SELECT RAISE(ABORT, 'issued reports never change'); END;";

/* Bound values of a query being built. */
struct params {
    int n;
    struct {
        bool text;
        int64_t i;
        const char *s;
    } v[24];
};

static void p_int(struct params *p, int64_t i)
{
    if (p->n < (int)JS_ARRAY_LEN(p->v)) {
        p->v[p->n].text = false;
        p->v[p->n++].i = i;
    }
}

static void p_text(struct params *p, const char *s)
{
    if (p->n < (int)JS_ARRAY_LEN(p->v)) {
        p->v[p->n].text = true;
        p->v[p->n++].s = s;
    }
}

static int prepare(sqlite3 *db, const struct buf *sql, const struct params *p, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql->data, -1, st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, rc);
    for (int i = 0; i < p->n; i++)
        if (p->v[i].text)
            sqlite3_bind_text(*st, i + 1, p->v[i].s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(*st, i + 1, p->v[i].i);
    return 0;
}

/* The column of the filter's time. */
static const char *time_col(const struct report_filter *f)
{
    return f->time == REPT_CLOSED ? "o.closed_at" : "o.created_at";
}

/* Appends " WHERE ..." for f. */
static int where(struct buf *sql, struct params *p, const struct report_filter *f)
{
    int rc = buf_puts(sql, " WHERE 1");
    if (f->time == REPT_CREATED || f->time == REPT_CLOSED) {
        rc |= buf_printf(sql, " AND %s >= ? AND %s < ?", time_col(f), time_col(f));
        p_int(p, f->time == REPT_CLOSED && f->from <= 0 ? 1 : f->from);
        p_int(p, f->to);
    }
    if (f->unit_id) {
        rc |= buf_puts(sql, " AND o.id IN (SELECT order_id FROM order_units WHERE unit_id = ?)");
        p_int(p, f->unit_id);
    }
    if (f->type >= 0) {
        rc |= buf_puts(sql, " AND o.type = ?");
        p_int(p, f->type);
    }
    if (f->min_reopens > 0) {
        rc |= buf_puts(sql, " AND o.reopens >= ?");
        p_int(p, f->min_reopens);
    }
    if (f->min_units > 0) {
        rc |= buf_puts(
            sql, " AND (SELECT count(*) FROM order_units ou2 WHERE ou2.order_id = o.id) >= ?");
        p_int(p, f->min_units);
    }
    if (f->min_level > 0) {
        rc |= buf_puts(sql, " AND o.level >= ?");
        p_int(p, f->min_level);
    }
    if (f->event_action >= 0 && f->event_action < ACT__COUNT) {
        rc |= buf_puts(sql, " AND EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.id"
                            " AND e.action = ? AND e.at >= ? AND e.at < ?)");
        p_text(p, js_action_names[f->event_action]);
        p_int(p, f->from);
        p_int(p, f->to);
    }
    if (f->overdue_at > 0) {
        /* as the order list's overdue filter: past the deadline while a unit holds the order,
         * unless an approved hanging account (hang 2) suspends it */
        rc |= buf_printf(sql,
                         " AND o.deadline > 0 AND o.deadline < ? AND o.status IN (%d, %d, %d)"
                         " AND o.hang != 2",
                         ST_DISPATCHED, ST_HANDLING, ST_RETURNED);
        p_int(p, f->overdue_at);
    }
    if (f->enterprise)
        rc |= buf_puts(sql, " AND o.enterprise <> 0");
    if (f->open)
        rc |= buf_printf(sql, " AND o.status NOT IN (%d, %d, %d, %d, %d, %d, %d)", ST_NOT_FILED,
                         ST_TRANSFERRED, ST_ANSWERED, ST_CLOSED, ST_ARCHIVED, ST_MERGED, ST_SPLIT);
    return rc ? -JS_ENOMEM : 0;
}

/* The SQL expression of a grouping, or NULL for RDIM_NONE. */
static int dim_expr(const struct report_filter *f, int dim, struct buf *out)
{
    switch (dim) {
    case RDIM_CHANNEL:
        return buf_puts(out, "o.channel");
    case RDIM_TYPE:
        return buf_puts(out, "o.type");
    case RDIM_CATEGORY:
        return buf_puts(out, "o.category_id");
    case RDIM_REGION:
        return buf_puts(out, "o.region_id");
    case RDIM_SATISFACTION:
        return buf_puts(out, "o.cb_satisfaction");
    case RDIM_UNIT:
        return buf_puts(out, "ou.unit_id");
    case RDIM_DAY:
        return buf_printf(out, "((%s + %d) / %d)", time_col(f), 8 * 3600, 86400);
    default:
        return buf_puts(out, "0");
    }
}

static bool dim_ok(int dim)
{
    return dim >= RDIM_NONE && dim < RDIM__COUNT;
}

int sqlite_report_count(struct store *s, const struct report_filter *f, int dim1, int dim2,
                        struct report_cell **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    if (!dim_ok(dim1) || !dim_ok(dim2) || (dim1 == RDIM_UNIT && dim2 == RDIM_UNIT))
        return -JS_EINVAL;
    struct buf sql;
    struct params p = {0};
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT ");
    rc |= dim_expr(f, dim1, &sql);
    rc |= buf_puts(&sql, ", ");
    rc |= dim_expr(f, dim2, &sql);
    rc |= buf_puts(&sql, ", count(*) FROM orders o");
    if (dim1 == RDIM_UNIT || dim2 == RDIM_UNIT)
        rc |= buf_puts(&sql, " JOIN order_units ou ON ou.order_id = o.id");
    if (rc || (rc = where(&sql, &p, f)) || buf_puts(&sql, " GROUP BY 1, 2")) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    rc = prepare(db, &sql, &p, &st);
    buf_release(&sql);
    if (rc)
        return rc;
    int cap = 0, step;
    struct report_cell *v = NULL;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            struct report_cell *nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) {
                rc = -JS_ENOMEM;
                break;
            }
            v = nv;
        }
        struct report_cell *c = &v[(*n)++];
        memset(c, 0, sizeof *c);
        if (dim1 == RDIM_CHANNEL)
            sqlite_col_copy(st, 0, c->name, sizeof c->name);
        else
            c->key[0] = sqlite3_column_int64(st, 0);
        if (dim2 == RDIM_CHANNEL)
            sqlite_col_copy(st, 1, c->name, sizeof c->name);
        else
            c->key[1] = sqlite3_column_int64(st, 1);
        c->n = sqlite3_column_int64(st, 2);
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

int sqlite_report_event_counts(struct store *s, const struct report_filter *f,
                               int64_t counts[ACT__COUNT])
{
    sqlite3 *db = store_sqlite_db(s);
    if (!db)
        return -JS_EINVAL;
    for (int a = 0; a < ACT__COUNT; a++)
        counts[a] = 0;
    struct buf sql;
    struct params p = {0};
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT e.action, count(*) FROM events e WHERE e.at >= ? AND e.at < ?");
    p_int(&p, f->from);
    p_int(&p, f->to);
    if (f->unit_id) {
        rc |= buf_puts(&sql,
                       " AND e.order_id IN (SELECT order_id FROM order_units WHERE unit_id = ?)");
        p_int(&p, f->unit_id);
    }
    rc |= buf_puts(&sql, " GROUP BY e.action");
    if (rc) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    rc = prepare(db, &sql, &p, &st);
    buf_release(&sql);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int a = js_name_index(js_action_names, (const char *)sqlite3_column_text(st, 0));
        if (a >= 0)
            counts[a] += sqlite3_column_int64(st, 1);
    }
    rc = step == SQLITE_DONE ? 0 : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_report_order_ids(struct store *s, const struct report_filter *f, int64_t *ids, int max,
                            int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int limit = f->limit > 0 && f->limit < max ? f->limit : max;
    if (limit <= 0)
        return 0;
    struct buf sql;
    struct params p = {0};
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT o.id FROM orders o");
    if (rc || (rc = where(&sql, &p, f)) ||
        buf_printf(&sql,
                   " ORDER BY o.level DESC, o.reopens DESC, o.created_at DESC, o.id DESC"
                   " LIMIT %d",
                   limit)) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    sqlite3_stmt *st = NULL;
    rc = prepare(db, &sql, &p, &st);
    buf_release(&sql);
    if (rc)
        return rc;
    int step;
    while (*n < limit && (step = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    rc = *n == limit || step == SQLITE_DONE ? 0 : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

#define REPORT_COLS                                                                                \
    "id, kind, period, coalesce(unit_id, 0), edition, period_from, period_to, title, issued_at,"   \
    " coalesce(issued_by, 0), issued_by_name"

static void rec_read(sqlite3_stmt *st, struct report_rec *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->kind = js_name_index(js_report_kind_names, (const char *)sqlite3_column_text(st, 1));
    sqlite_col_copy(st, 2, r->period, sizeof r->period);
    r->unit_id = sqlite3_column_int64(st, 3);
    r->edition = sqlite3_column_int(st, 4);
    r->from = sqlite3_column_int64(st, 5);
    r->to = sqlite3_column_int64(st, 6);
    sqlite_col_copy(st, 7, r->title, sizeof r->title);
    r->issued_at = sqlite3_column_int64(st, 8);
    r->issued_by = sqlite3_column_int64(st, 9);
    sqlite_col_copy(st, 10, r->issued_by_name, sizeof r->issued_by_name);
}

int sqlite_report_put(struct store *s, struct report_rec *r, bool first_only)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    if (!db)
        return -JS_EINVAL;
    if (r->kind < 0 || r->kind >= RK__COUNT || !r->period[0] || !r->doc)
        return -JS_EINVAL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT coalesce(max(edition), 0) FROM reports WHERE kind = ?1"
                                " AND period = ?2 AND coalesce(unit_id, 0) = ?3",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, rc);
    sqlite3_bind_text(st, 1, js_report_kind_names[r->kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->unit_id);
    rc = sqlite3_step(st);
    int edition = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (edition < 0)
        return sqlite_fail(db, rc);
    if (first_only && edition > 0)
        return -JS_EEXISTS;
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO reports(kind, period, unit_id, edition, period_from,"
                            " period_to, title, issued_at, issued_by, issued_by_name, doc)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, rc);
    sqlite3_bind_text(st, 1, js_report_kind_names[r->kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->period, -1, SQLITE_TRANSIENT);
    if (r->unit_id)
        sqlite3_bind_int64(st, 3, r->unit_id);
    sqlite3_bind_int(st, 4, edition + 1);
    sqlite3_bind_int64(st, 5, r->from);
    sqlite3_bind_int64(st, 6, r->to);
    sqlite3_bind_text(st, 7, r->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, r->issued_at);
    if (r->issued_by)
        sqlite3_bind_int64(st, 9, r->issued_by);
    sqlite3_bind_text(st, 10, r->issued_by_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, r->doc, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return sqlite_fail(db, rc);
    r->id = sqlite3_last_insert_rowid(db);
    r->edition = edition + 1;
    return 0;
}

int sqlite_report_get(struct store *s, int64_t id, struct report_rec *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite3_prepare_v2(db, "SELECT " REPORT_COLS ", doc FROM reports WHERE id = ?1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, rc);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rec_read(st, out);
        const char *doc = (const char *)sqlite3_column_text(st, 11);
        out->doc = strdup(doc ? doc : "{}");
        rc = out->doc ? 0 : -JS_ENOMEM;
    } else {
        rc = rc == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(db, rc);
    }
    sqlite3_finalize(st);
    return rc;
}

int sqlite_report_list(struct store *s, const struct report_query *q, struct report_rec **out,
                       int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int limit = q->limit < 1 ? 50 : q->limit > 500 ? 500 : q->limit;
    int rc =
        sqlite3_prepare_v2(db,
                           "SELECT " REPORT_COLS " FROM reports WHERE (?1 IS NULL OR kind = ?1)"
                           " AND (?2 IS NULL OR period = ?2) AND (?3 = 0 OR unit_id = ?3)"
                           " AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5",
                           -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, rc);
    if (q->kind >= 0 && q->kind < RK__COUNT)
        sqlite3_bind_text(st, 1, js_report_kind_names[q->kind], -1, SQLITE_STATIC);
    if (q->period)
        sqlite3_bind_text(st, 2, q->period, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, q->unit_id);
    sqlite3_bind_int64(st, 4, q->before_id);
    sqlite3_bind_int(st, 5, limit);
    struct report_rec *v = calloc((size_t)limit, sizeof *v);
    if (!v) {
        sqlite3_finalize(st);
        return -JS_ENOMEM;
    }
    int step;
    while (*n < limit && (step = sqlite3_step(st)) == SQLITE_ROW)
        rec_read(st, &v[(*n)++]);
    rc = *n == limit || step == SQLITE_DONE ? 0 : sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}
