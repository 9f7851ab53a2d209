/* The PostgreSQL side of the coordination records (issue 14 point 8, migration 20), as
 * sqlite_coord.c: meetings with the orders they concern (written as one operation), and
 * accountability records, inside the handle's transactions. */
#include "compat.h"
#include "store/pg_coord.h"

#include <stdlib.h>
#include <string.h>

#include "store/coord_rows.h"
#include "store/pg_store.h"

int pg_meeting_add(struct store *s, struct meeting *m)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct opx x;
    int64_t id = 0;
    if (m->kind < 0 || m->kind >= MEETING__COUNT || m->n_orders < 1)
        return -JS_EINVAL;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_text(&a, meeting_kind_names[m->kind]);
    p_text(&a, m->title);
    p_int(&a, m->held_at);
    p_text(&a, m->convener);
    p_text(&a, m->participants ? m->participants : "[]");
    p_text(&a, m->decisions);
    p_text(&a, m->follow_ups ? m->follow_ups : "[]");
    p_id(&a, m->created_by);
    p_text(&a, m->created_by_name);
    p_int(&a, m->created_at);
    rc = px(p,
            "INSERT INTO meetings(kind, title, held_at, convener, participants, decisions,"
            " follow_ups, created_by, created_by_name, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            &a, &r, NULL);
    if (!rc)
        id = val_int(r, 0, 0);
    PQclear(r);
    for (int i = 0; !rc && i < m->n_orders; i++) {
        struct pp b = {.n = 0};
        int64_t changed = 0;
        p_int(&b, id);
        p_int(&b, m->orders[i]);
        rc = px(p,
                "INSERT INTO meeting_orders(meeting_id, order_id)"
                " SELECT $1, id FROM orders WHERE id = $2",
                &b, NULL, &changed);
        if (!rc && changed != 1)
            rc = -JS_EINVAL; /* no such order */
    }
    rc = op_end(p, &x, rc);
    if (!rc)
        m->id = id;
    return rc;
}

int pg_meeting_list(struct store *s, int64_t order_id, int64_t id, int limit, struct meeting **out,
                    int *n)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    p_int(&a, order_id);
    p_int(&a, coord_limit(limit));
    p_int(&a, id);
    int rc = px(pg_of(s),
                "SELECT m.id, m.kind, m.title, m.held_at, m.convener, m.participants, m.decisions,"
                " m.follow_ups, coalesce(m.created_by, 0), m.created_by_name, m.created_at,"
                " (SELECT string_agg(order_id::text, ',' ORDER BY order_id) FROM meeting_orders"
                "  WHERE meeting_id = m.id)"
                " FROM meetings m WHERE ($1::bigint = 0 OR m.id IN"
                " (SELECT meeting_id FROM meeting_orders WHERE order_id = $1::bigint))"
                " AND ($3::bigint = 0 OR m.id = $3::bigint)"
                " ORDER BY m.id DESC LIMIT $2",
                &a, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct meeting *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < rows && !rc; i++) {
        struct meeting *m = &v[i];
        meeting_init(m);
        m->id = val_int(r, i, 0);
        m->kind = val_enum(r, i, 1, meeting_kind_names);
        m->title = val_dup(r, i, 2);
        m->held_at = val_int(r, i, 3);
        m->convener = val_dup(r, i, 4);
        m->participants = val_dup(r, i, 5);
        m->decisions = val_dup(r, i, 6);
        m->follow_ups = val_dup(r, i, 7);
        m->created_by = val_int(r, i, 8);
        val_copy(r, i, 9, m->created_by_name, sizeof m->created_by_name);
        m->created_at = val_int(r, i, 10);
        coord_orders_parse(m, PQgetvalue(r, i, 11));
        if (!m->title || !m->convener || !m->participants || !m->decisions || !m->follow_ups)
            rc = -JS_ENOMEM;
    }
    PQclear(r);
    if (rc) {
        meeting_free_all(v, rows);
        return rc;
    }
    *out = v;
    *n = rows;
    return 0;
}

int pg_acct_add(struct store *s, struct acct_rec *a)
{
    struct pp b = {.n = 0};
    PGresult *r = NULL;
    if (a->reason < 0 || a->reason >= ACCT_REASON__COUNT || a->measure < 0 ||
        a->measure >= ACCT_MEASURE__COUNT || a->unit_id < 1)
        return -JS_EINVAL;
    p_id(&b, a->order_id);
    p_int(&b, a->unit_id);
    p_text(&b, a->person);
    p_text(&b, acct_reason_names[a->reason]);
    p_text(&b, a->article);
    p_text(&b, acct_measure_names[a->measure]);
    p_text(&b, a->note);
    p_id(&b, a->recorded_by);
    p_text(&b, a->recorded_by_name);
    p_int(&b, a->at);
    int rc = write1(pg_of(s),
                    "INSERT INTO accountability(order_id, unit_id, person, reason, article,"
                    " measure, note, recorded_by, recorded_by_name, at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    &b, &r, NULL);
    if (!rc)
        a->id = val_int(r, 0, 0);
    PQclear(r);
    return rc;
}

int pg_acct_list(struct store *s, int64_t order_id, int64_t unit_id, int64_t id, int limit,
                 struct acct_rec **out, int *n)
{
    struct pp b = {.n = 0};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    p_int(&b, order_id);
    p_int(&b, unit_id);
    p_int(&b, coord_limit(limit));
    p_int(&b, id);
    int rc = px(pg_of(s),
                "SELECT id, coalesce(order_id, 0), unit_id, person, reason, article, measure,"
                " note, coalesce(recorded_by, 0), recorded_by_name, at FROM accountability"
                " WHERE ($1::bigint = 0 OR order_id = $1::bigint)"
                " AND ($2::bigint = 0 OR unit_id = $2::bigint)"
                " AND ($4::bigint = 0 OR id = $4::bigint) ORDER BY id DESC LIMIT $3",
                &b, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct acct_rec *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        struct acct_rec *a = &v[i];
        a->id = val_int(r, i, 0);
        a->order_id = val_int(r, i, 1);
        a->unit_id = val_int(r, i, 2);
        val_copy(r, i, 3, a->person, sizeof a->person);
        a->reason = val_enum(r, i, 4, acct_reason_names);
        val_copy(r, i, 5, a->article, sizeof a->article);
        a->measure = val_enum(r, i, 6, acct_measure_names);
        val_copy(r, i, 7, a->note, sizeof a->note);
        a->recorded_by = val_int(r, i, 8);
        val_copy(r, i, 9, a->recorded_by_name, sizeof a->recorded_by_name);
        a->at = val_int(r, i, 10);
    }
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}
