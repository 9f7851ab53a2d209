/* The SQLite side of the coordination records (issue 14 point 8, migration 20): meetings with the
 * orders they concern, and accountability records, on the connection of a struct store handle
 * and inside its transactions. A meeting and its links are written in one savepoint. */
#include "compat.h"
#include "store/sqlite_coord.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/coord_rows.h"
#include "store/sqlite_schema.h"

static int exec_sql(sqlite3 *db, const char *sql)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sqlite_fail(db, rc);
}

/* Links the meeting to one order; -JS_EINVAL when the order does not exist. */
static int link_order(sqlite3 *db, int64_t meeting_id, int64_t order_id)
{
    sqlite3_stmt *st;
    int rc = sqlite_prepare(db,
                            "INSERT INTO meeting_orders(meeting_id, order_id)"
                            " SELECT ?1, id FROM orders WHERE id = ?2",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, meeting_id);
    sqlite3_bind_int64(st, 2, order_id);
    rc = sqlite_run(db, st);
    if (!rc && sqlite3_changes(db) != 1)
        rc = -JS_EINVAL;
    return rc;
}

int sqlite_meeting_add(struct store *s, struct meeting *m)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db || m->kind < 0 || m->kind >= MEETING__COUNT || m->n_orders < 1)
        return -JS_EINVAL;
    int rc = exec_sql(db, "SAVEPOINT meeting_add");
    if (rc)
        return rc;
    rc = sqlite_prepare(db,
                        "INSERT INTO meetings(kind, title, held_at, convener, participants,"
                        " decisions, follow_ups, created_by, created_by_name, created_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        &st);
    if (!rc) {
        sqlite_bind_text(st, 1, meeting_kind_names[m->kind]);
        sqlite_bind_text(st, 2, m->title);
        sqlite3_bind_int64(st, 3, m->held_at);
        sqlite_bind_text(st, 4, m->convener);
        sqlite_bind_text(st, 5, m->participants ? m->participants : "[]");
        sqlite_bind_text(st, 6, m->decisions);
        sqlite_bind_text(st, 7, m->follow_ups ? m->follow_ups : "[]");
        if (m->created_by)
            sqlite3_bind_int64(st, 8, m->created_by);
        sqlite_bind_text(st, 9, m->created_by_name);
        sqlite3_bind_int64(st, 10, m->created_at);
        rc = sqlite_run(db, st);
    }
    int64_t id = rc ? 0 : sqlite3_last_insert_rowid(db);
    for (int i = 0; !rc && i < m->n_orders; i++)
        rc = link_order(db, id, m->orders[i]);
    if (rc) {
        exec_sql(db, "ROLLBACK TO meeting_add");
        exec_sql(db, "RELEASE meeting_add");
        return rc;
    }
    rc = exec_sql(db, "RELEASE meeting_add");
    if (!rc)
        m->id = id;
    return rc;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

int sqlite_meeting_list(struct store *s, int64_t order_id, int64_t id, int limit,
                        struct meeting **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    int cap = 0, step = SQLITE_DONE;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(
        db,
        "SELECT m.id, m.kind, m.title, m.held_at, m.convener, m.participants, m.decisions,"
        " m.follow_ups, coalesce(m.created_by, 0), m.created_by_name, m.created_at,"
        " (SELECT group_concat(order_id) FROM (SELECT order_id FROM meeting_orders"
        "  WHERE meeting_id = m.id ORDER BY order_id))"
        " FROM meetings m WHERE (?1 = 0 OR m.id IN"
        " (SELECT meeting_id FROM meeting_orders WHERE order_id = ?1)) AND (?3 = 0 OR m.id = ?3)"
        " ORDER BY m.id DESC LIMIT ?2",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int(st, 2, coord_limit(limit));
    sqlite3_bind_int64(st, 3, id);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct meeting *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            *out = v;
        }
        struct meeting *m = &(*out)[(*n)++];
        meeting_init(m);
        m->id = sqlite3_column_int64(st, 0);
        m->kind = js_name_index(meeting_kind_names, (const char *)sqlite3_column_text(st, 1));
        m->title = col_dup(st, 2);
        m->held_at = sqlite3_column_int64(st, 3);
        m->convener = col_dup(st, 4);
        m->participants = col_dup(st, 5);
        m->decisions = col_dup(st, 6);
        m->follow_ups = col_dup(st, 7);
        m->created_by = sqlite3_column_int64(st, 8);
        sqlite_col_copy(st, 9, m->created_by_name, sizeof m->created_by_name);
        m->created_at = sqlite3_column_int64(st, 10);
        coord_orders_parse(m, (const char *)sqlite3_column_text(st, 11));
        if (!m->title || !m->convener || !m->participants || !m->decisions || !m->follow_ups)
            rc = -JS_ENOMEM;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        meeting_free_all(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int sqlite_acct_add(struct store *s, struct acct_rec *a)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db || a->reason < 0 || a->reason >= ACCT_REASON__COUNT || a->measure < 0 ||
        a->measure >= ACCT_MEASURE__COUNT || a->unit_id < 1)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db,
                            "INSERT INTO accountability(order_id, unit_id, person, reason, article,"
                            " measure, note, recorded_by, recorded_by_name, at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                            &st);
    if (rc)
        return rc;
    if (a->order_id)
        sqlite3_bind_int64(st, 1, a->order_id);
    sqlite3_bind_int64(st, 2, a->unit_id);
    sqlite_bind_text(st, 3, a->person);
    sqlite_bind_text(st, 4, acct_reason_names[a->reason]);
    sqlite_bind_text(st, 5, a->article);
    sqlite_bind_text(st, 6, acct_measure_names[a->measure]);
    sqlite_bind_text(st, 7, a->note);
    if (a->recorded_by)
        sqlite3_bind_int64(st, 8, a->recorded_by);
    sqlite_bind_text(st, 9, a->recorded_by_name);
    sqlite3_bind_int64(st, 10, a->at);
    rc = sqlite_run(db, st);
    if (!rc)
        a->id = sqlite3_last_insert_rowid(db);
    return rc;
}

int sqlite_acct_list(struct store *s, int64_t order_id, int64_t unit_id, int64_t id, int limit,
                     struct acct_rec **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    int cap = 0, step = SQLITE_DONE;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db,
                            "SELECT id, coalesce(order_id, 0), unit_id, person, reason, article,"
                            " measure, note, coalesce(recorded_by, 0), recorded_by_name, at"
                            " FROM accountability WHERE (?1 = 0 OR order_id = ?1)"
                            " AND (?2 = 0 OR unit_id = ?2) AND (?4 = 0 OR id = ?4)"
                            " ORDER BY id DESC LIMIT ?3",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, order_id);
    sqlite3_bind_int64(st, 2, unit_id);
    sqlite3_bind_int(st, 3, coord_limit(limit));
    sqlite3_bind_int64(st, 4, id);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct acct_rec *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            *out = v;
        }
        struct acct_rec *a = &(*out)[(*n)++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(st, 0);
        a->order_id = sqlite3_column_int64(st, 1);
        a->unit_id = sqlite3_column_int64(st, 2);
        sqlite_col_copy(st, 3, a->person, sizeof a->person);
        a->reason = js_name_index(acct_reason_names, (const char *)sqlite3_column_text(st, 4));
        sqlite_col_copy(st, 5, a->article, sizeof a->article);
        a->measure = js_name_index(acct_measure_names, (const char *)sqlite3_column_text(st, 6));
        sqlite_col_copy(st, 7, a->note, sizeof a->note);
        a->recorded_by = sqlite3_column_int64(st, 8);
        sqlite_col_copy(st, 9, a->recorded_by_name, sizeof a->recorded_by_name);
        a->at = sqlite3_column_int64(st, 10);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
