/* The PostgreSQL side of the reports (issue 11, migration 12), as sqlite_report.c: grouped
 * counts of orders and events for a period, the ids of the orders a report lists, and the issued
 * reports themselves (append-only: a trigger refuses UPDATE, DELETE and TRUNCATE). Two servers
 * issuing the same period at once: the unique edition index lets one in, the other gets
 * -JS_EEXISTS. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_store.h"

/* The column of the filter's time. */
static const char *time_col(const struct report_filter *f)
{
    return f->time == REPT_CLOSED ? "o.closed_at" : "o.created_at";
}

/* Appends " WHERE ..." for f, its parameters to a. */
static int where(struct buf *sql, struct pp *a, const struct report_filter *f)
{
    int rc = buf_puts(sql, " WHERE TRUE");
    if (f->time == REPT_CREATED || f->time == REPT_CLOSED) {
        p_int(a, f->time == REPT_CLOSED && f->from <= 0 ? 1 : f->from);
        p_int(a, f->to);
        rc |= buf_printf(sql, " AND %s >= $%d AND %s < $%d", time_col(f), a->n - 1, time_col(f),
                         a->n);
    }
    if (f->unit_id) {
        p_int(a, f->unit_id);
        rc |= buf_printf(sql, " AND o.id IN (SELECT order_id FROM order_units WHERE unit_id = $%d)",
                         a->n);
    }
    if (f->type >= 0) {
        p_int(a, f->type);
        rc |= buf_printf(sql, " AND o.type = $%d", a->n);
    }
    if (f->min_reopens > 0) {
        p_int(a, f->min_reopens);
        rc |= buf_printf(sql, " AND o.reopens >= $%d", a->n);
    }
    if (f->min_units > 0) {
        p_int(a, f->min_units);
        rc |= buf_printf(
            sql, " AND (SELECT count(*) FROM order_units ou2 WHERE ou2.order_id = o.id) >= $%d",
            a->n);
    }
    if (f->min_level > 0) {
        p_int(a, f->min_level);
        rc |= buf_printf(sql, " AND o.level >= $%d", a->n);
    }
    if (f->event_action >= 0 && f->event_action < ACT__COUNT) {
        p_text(a, js_action_names[f->event_action]);
        p_int(a, f->from);
        p_int(a, f->to);
        rc |= buf_printf(sql,
                         " AND EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.id"
                         " AND e.action = $%d AND e.at >= $%d AND e.at < $%d)",
                         a->n - 2, a->n - 1, a->n);
    }
    if (f->overdue_at > 0) {
        /* as the order list's overdue filter: past the deadline while a unit holds the order,
         * unless an approved hanging account (hang 2) suspends it */
        p_int(a, f->overdue_at);
        rc |= buf_printf(sql,
                         " AND o.deadline > 0 AND o.deadline < $%d AND o.status IN (%d, %d, %d)"
                         " AND o.hang != 2",
                         a->n, ST_DISPATCHED, ST_HANDLING, ST_RETURNED);
    }
    if (f->enterprise)
        rc |= buf_puts(sql, " AND o.enterprise <> 0");
    if (f->open)
        rc |= buf_printf(sql, " AND o.status NOT IN (%d, %d, %d, %d, %d, %d, %d)", ST_NOT_FILED,
                         ST_TRANSFERRED, ST_ANSWERED, ST_CLOSED, ST_ARCHIVED, ST_MERGED, ST_SPLIT);
    return rc ? -JS_ENOMEM : 0;
}

/* The SQL expression of a grouping ("0" for RDIM_NONE). The channel compares bytewise, as
 * SQLite's text does. */
static int dim_expr(const struct report_filter *f, int dim, struct buf *out)
{
    switch (dim) {
    case RDIM_CHANNEL:
        return buf_puts(out, "o.channel COLLATE \"C\"");
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

int pg_report_count(struct store *s, const struct report_filter *f, int dim1, int dim2,
                    struct report_cell **out, int *n)
{
    struct buf sql;
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    if (!dim_ok(dim1) || !dim_ok(dim2) || (dim1 == RDIM_UNIT && dim2 == RDIM_UNIT))
        return -JS_EINVAL;
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT ");
    rc |= dim_expr(f, dim1, &sql);
    rc |= buf_puts(&sql, ", ");
    rc |= dim_expr(f, dim2, &sql);
    rc |= buf_puts(&sql, ", count(*) FROM orders o");
    if (dim1 == RDIM_UNIT || dim2 == RDIM_UNIT)
        rc |= buf_puts(&sql, " JOIN order_units ou ON ou.order_id = o.id");
    /* groups in key order, as SQLite's GROUP BY returns them */
    if (rc || (rc = where(&sql, &a, f)) || buf_puts(&sql, " GROUP BY 1, 2 ORDER BY 1, 2")) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    rc = px(pg_of(s), sql.data, &a, &r, NULL);
    buf_release(&sql);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct report_cell *v = calloc((size_t)(rows ? rows : 1), sizeof *v);
    if (!v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        struct report_cell *c = &v[i];
        if (dim1 == RDIM_CHANNEL)
            val_copy(r, i, 0, c->name, sizeof c->name);
        else
            c->key[0] = val_int(r, i, 0);
        if (dim2 == RDIM_CHANNEL)
            val_copy(r, i, 1, c->name, sizeof c->name);
        else
            c->key[1] = val_int(r, i, 1);
        c->n = val_int(r, i, 2);
    }
    PQclear(r);
    if (rows == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = rows;
    return 0;
}

int pg_report_event_counts(struct store *s, const struct report_filter *f,
                           int64_t counts[ACT__COUNT])
{
    struct buf sql;
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    for (int i = 0; i < ACT__COUNT; i++)
        counts[i] = 0;
    buf_init(&sql, 0);
    p_int(&a, f->from);
    p_int(&a, f->to);
    int rc =
        buf_puts(&sql, "SELECT e.action, count(*) FROM events e WHERE e.at >= $1 AND e.at < $2");
    if (f->unit_id) {
        p_int(&a, f->unit_id);
        rc |= buf_puts(&sql,
                       " AND e.order_id IN (SELECT order_id FROM order_units WHERE unit_id = $3)");
    }
    rc |= buf_puts(&sql, " GROUP BY e.action");
    if (rc) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    rc = px(pg_of(s), sql.data, &a, &r, NULL);
    buf_release(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int act = val_enum(r, i, 0, js_action_names);
        if (act >= 0)
            counts[act] += val_int(r, i, 1);
    }
    PQclear(r);
    return 0;
}

int pg_report_order_ids(struct store *s, const struct report_filter *f, int64_t *ids, int max,
                        int *n)
{
    struct buf sql;
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *n = 0;
    int limit = f->limit > 0 && f->limit < max ? f->limit : max;
    if (limit <= 0)
        return 0;
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT o.id FROM orders o");
    if (rc || (rc = where(&sql, &a, f)) ||
        buf_printf(&sql,
                   " ORDER BY o.level DESC, o.reopens DESC, o.created_at DESC, o.id DESC"
                   " LIMIT %d",
                   limit)) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    rc = px(pg_of(s), sql.data, &a, &r, NULL);
    buf_release(&sql);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && *n < limit; i++)
        ids[(*n)++] = val_int(r, i, 0);
    PQclear(r);
    return 0;
}

#define REPORT_COLS                                                                                \
    "id, kind, period, coalesce(unit_id, 0), edition, period_from, period_to, title, issued_at,"   \
    " coalesce(issued_by, 0), issued_by_name"

static void rec_read(const PGresult *r, int row, struct report_rec *out)
{
    memset(out, 0, sizeof *out);
    out->id = val_int(r, row, 0);
    out->kind = val_enum(r, row, 1, js_report_kind_names);
    val_copy(r, row, 2, out->period, sizeof out->period);
    out->unit_id = val_int(r, row, 3);
    out->edition = (int)val_int(r, row, 4);
    out->from = val_int(r, row, 5);
    out->to = val_int(r, row, 6);
    val_copy(r, row, 7, out->title, sizeof out->title);
    out->issued_at = val_int(r, row, 8);
    out->issued_by = val_int(r, row, 9);
    val_copy(r, row, 10, out->issued_by_name, sizeof out->issued_by_name);
}

/* One try of report_put: the next edition as the handle sees the table now. */
static int put_once(struct pgs *p, struct report_rec *r, bool first_only)
{
    struct pp a = {.n = 0};
    PGresult *res = NULL;
    struct opx x;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_text(&a, js_report_kind_names[r->kind]);
    p_text(&a, r->period);
    p_int(&a, r->unit_id);
    rc = px(p,
            "SELECT coalesce(max(edition), 0) FROM reports WHERE kind = $1 AND period = $2"
            " AND coalesce(unit_id, 0) = $3",
            &a, &res, NULL);
    int edition = rc ? 0 : (int)val_int(res, 0, 0);
    PQclear(res);
    res = NULL;
    if (!rc && first_only && edition > 0)
        rc = -JS_EEXISTS;
    if (!rc) {
        a.n = 0;
        p_text(&a, js_report_kind_names[r->kind]);
        p_text(&a, r->period);
        p_id(&a, r->unit_id);
        p_int(&a, edition + 1);
        p_int(&a, r->from);
        p_int(&a, r->to);
        p_text(&a, r->title);
        p_int(&a, r->issued_at);
        p_id(&a, r->issued_by);
        p_text(&a, r->issued_by_name);
        p_text(&a, r->doc);
        rc = px(p,
                "INSERT INTO reports(kind, period, unit_id, edition, period_from, period_to,"
                " title, issued_at, issued_by, issued_by_name, doc)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &a, &res, NULL);
    }
    rc = op_end(p, &x, rc);
    if (!rc) {
        r->id = val_int(res, 0, 0);
        r->edition = edition + 1;
    }
    PQclear(res);
    return rc;
}

int pg_report_put(struct store *s, struct report_rec *r, bool first_only)
{
    if (r->kind < 0 || r->kind >= RK__COUNT || !r->period[0] || !r->doc)
        return -JS_EINVAL;
    /* another server issued the same edition meanwhile (it waited for that one's commit on the
     * unique index): the first only is then issued already, else the next edition is taken, as
     * SQLite's single writer gives it */
    int rc = -JS_EEXISTS;
    for (int tries = 0; rc == -JS_EEXISTS && tries < 5; tries++) {
        rc = put_once(pg_of(s), r, first_only);
        if (first_only)
            break;
    }
    return rc;
}

int pg_report_get(struct store *s, int64_t id, struct report_rec *out)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    memset(out, 0, sizeof *out);
    p_int(&a, id);
    int rc = px(pg_of(s), "SELECT " REPORT_COLS ", doc FROM reports WHERE id = $1", &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1) {
        rec_read(r, 0, out);
        out->doc = val_dup(r, 0, 11);
        rc = out->doc ? 0 : -JS_ENOMEM;
    } else {
        rc = -JS_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

int pg_report_list(struct store *s, const struct report_query *q, struct report_rec **out, int *n)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    int limit = clamp_limit(q->limit);
    if (q->kind >= 0 && q->kind < RK__COUNT)
        p_text(&a, js_report_kind_names[q->kind]);
    else
        p_null(&a);
    if (q->period)
        p_text(&a, q->period);
    else
        p_null(&a);
    p_int(&a, q->unit_id);
    p_int(&a, q->before_id);
    p_int(&a, limit);
    int rc = px(pg_of(s),
                "SELECT " REPORT_COLS " FROM reports WHERE ($1::text IS NULL OR kind = $1)"
                " AND ($2::text IS NULL OR period = $2) AND ($3::bigint = 0 OR unit_id = $3)"
                " AND ($4::bigint = 0 OR id < $4) ORDER BY id DESC LIMIT $5",
                &a, &r, NULL);
    if (rc)
        return rc;
    struct report_rec *v = calloc((size_t)limit, sizeof *v);
    if (!v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < PQntuples(r) && *n < limit; i++)
        rec_read(r, i, &v[(*n)++]);
    PQclear(r);
    *out = v;
    return 0;
}
