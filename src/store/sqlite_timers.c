/* The SQLite side of the timers' store operations: the outbox table (written inside the
 * engine's transaction, claimed and updated by the delivery pass) and lists of one action's
 * events across orders, on the connection of a struct store handle. */
#include "compat.h"
#include "store/timers_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_schema.h"
#include "util/buf.h"

#define MSG_COLS                                                                                   \
    "id, kind, state, order_id, order_number, event_id, unit_id, to_role, to_name, to_phone,"      \
    " to_email, text, attempts, created_at, next_at, sent_at, last_error"

static void msg_read(sqlite3_stmt *st, struct outbox_msg *m)
{
    memset(m, 0, sizeof *m);
    m->id = sqlite3_column_int64(st, 0);
    m->kind = js_name_index(js_outbox_kind_names, (const char *)sqlite3_column_text(st, 1));
    m->state = js_name_index(js_outbox_state_names, (const char *)sqlite3_column_text(st, 2));
    m->order_id = sqlite3_column_int64(st, 3);
    sqlite_col_copy(st, 4, m->order_number, sizeof m->order_number);
    m->event_id = sqlite3_column_int64(st, 5);
    m->unit_id = sqlite3_column_int64(st, 6);
    sqlite_col_copy(st, 7, m->to_role, sizeof m->to_role);
    sqlite_col_copy(st, 8, m->to_name, sizeof m->to_name);
    sqlite_col_copy(st, 9, m->to_phone, sizeof m->to_phone);
    sqlite_col_copy(st, 10, m->to_email, sizeof m->to_email);
    sqlite_col_copy(st, 11, m->text, sizeof m->text);
    m->attempts = sqlite3_column_int(st, 12);
    m->created_at = sqlite3_column_int64(st, 13);
    m->next_at = sqlite3_column_int64(st, 14);
    m->sent_at = sqlite3_column_int64(st, 15);
    sqlite_col_copy(st, 16, m->last_error, sizeof m->last_error);
}

/* Reads every row of st into out and finalizes st. */
static int read_msgs(sqlite3 *db, sqlite3_stmt *st, struct outbox_list *out)
{
    int step = SQLITE_DONE, rc = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_msg m;
        msg_read(st, &m);
        rc = outbox_list_push(out, &m);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_outbox_put(struct store *s, struct outbox_msg *m)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    if (m->kind < 0 || m->kind >= OBK__COUNT || m->order_id < 0)
        return -JS_EINVAL;
    /* cached: every action that notifies runs it inside the write lock */
    int rc = sqlite_stmt_get(
        s,
        "INSERT INTO outbox(kind, state, order_id, order_number, event_id, unit_id,"
        " to_role, to_name, to_phone, to_email, text, attempts, created_at, next_at)"
        " VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, ?11, ?12)",
        &st);
    if (rc)
        return rc;
    sqlite_bind_text(st, 1, js_outbox_kind_names[m->kind]);
    if (m->order_id)
        sqlite3_bind_int64(st, 2, m->order_id);
    sqlite_bind_text(st, 3, m->order_number);
    if (m->event_id)
        sqlite3_bind_int64(st, 4, m->event_id);
    if (m->unit_id)
        sqlite3_bind_int64(st, 5, m->unit_id);
    sqlite_bind_text(st, 6, m->to_role);
    sqlite_bind_text(st, 7, m->to_name);
    sqlite_bind_text(st, 8, m->to_phone);
    sqlite_bind_text(st, 9, m->to_email);
    sqlite_bind_text(st, 10, m->text);
    sqlite3_bind_int64(st, 11, m->created_at);
    sqlite3_bind_int64(st, 12, m->next_at);
    int src = sqlite3_step(st);
    rc = src == SQLITE_DONE ? 0 : sqlite_fail(db, src);
    if (!rc) {
        m->id = sqlite3_last_insert_rowid(db);
        m->state = OBS_PENDING;
        m->attempts = 0;
    }
    sqlite_stmt_put(s, st);
    return rc;
}

static int clamp_limit(int limit)
{
    return limit < 1 ? 50 : limit > 500 ? 500 : limit;
}

int sqlite_outbox_list(struct store *s, const struct outbox_query *q, struct outbox_list *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db,
                            "SELECT " MSG_COLS " FROM outbox WHERE (?1 IS NULL OR state = ?1)"
                            " AND (?2 IS NULL OR kind = ?2) AND (?3 = 0 OR order_id = ?3)"
                            " AND (?4 = 0 OR id < ?4) ORDER BY id DESC LIMIT ?5",
                            &st);
    if (rc)
        return rc;
    if (q->state >= 0 && q->state < OBS__COUNT)
        sqlite_bind_text(st, 1, js_outbox_state_names[q->state]);
    if (q->kind >= 0 && q->kind < OBK__COUNT)
        sqlite_bind_text(st, 2, js_outbox_kind_names[q->kind]);
    sqlite3_bind_int64(st, 3, q->order_id);
    sqlite3_bind_int64(st, 4, q->before_id);
    sqlite3_bind_int(st, 5, clamp_limit(q->limit));
    return read_msgs(db, st, out);
}

int sqlite_outbox_get(struct store *s, int64_t id, struct outbox_msg *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "SELECT " MSG_COLS " FROM outbox WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        msg_read(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_outbox_counts(struct store *s, int64_t counts[OBS__COUNT])
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    for (int i = 0; i < OBS__COUNT; i++)
        counts[i] = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "SELECT state, count(*) FROM outbox GROUP BY state", &st);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int i = js_name_index(js_outbox_state_names, (const char *)sqlite3_column_text(st, 0));
        if (i >= 0)
            counts[i] = sqlite3_column_int64(st, 1);
    }
    if (step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

/* Adds n messages of state (a wire name) that are late or not into counts. */
static void fold_feedback(int64_t counts[UFB__COUNT], const char *state, bool late, int64_t n)
{
    int k = state ? js_name_index(js_outbox_state_names, state) : -1;
    if (k == OBS_SENT)
        counts[late ? UFB_SENT_LATE : UFB_SENT_ON_TIME] += n;
    else if (k == OBS_PENDING || k == OBS_FAILED) {
        counts[k == OBS_PENDING ? UFB_PENDING : UFB_FAILED] += n;
        if (late)
            counts[k == OBS_PENDING ? UFB_PENDING_LATE : UFB_FAILED_LATE] += n;
    }
}

int sqlite_upstream_feedback_counts(struct store *s, int64_t now, int64_t counts[UFB__COUNT])
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    for (int i = 0; i < UFB__COUNT; i++)
        counts[i] = 0;
    if (!db)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db,
                       "SELECT o.state, CASE WHEN r.upstream_deadline > 0 AND ((o.state = 'sent' "
                       "AND o.sent_at > r.upstream_deadline) OR (o.state <> 'sent' AND ?1 > "
                       "r.upstream_deadline)) THEN 1 ELSE 0 END, count(*) FROM outbox o JOIN "
                       "orders r ON r.id = o.order_id WHERE o.kind IN (?2, ?3) GROUP BY 1, 2",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now);
    sqlite_bind_text(st, 2, js_outbox_kind_names[OBK_UPSTREAM_RESULT]);
    sqlite_bind_text(st, 3, js_outbox_kind_names[OBK_UPSTREAM_CLOSED]);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        fold_feedback(counts, (const char *)sqlite3_column_text(st, 0),
                      sqlite3_column_int(st, 1) != 0, sqlite3_column_int64(st, 2));
    if (step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
                        struct outbox_list *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    if (!db)
        return -JS_EINVAL;
    int first = out->n;
    int rc = s->ops->begin(s);
    if (rc)
        return rc;
    db = store_sqlite_db(s); /* the transaction's connection (the group writer's) */
    rc = sqlite_prepare(db,
                        "SELECT " MSG_COLS " FROM outbox WHERE state = 'pending' AND next_at <= ?1"
                        " AND lease_until <= ?1 ORDER BY next_at, id LIMIT ?2",
                        &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int(st, 2, max > 0 ? max : 1);
        rc = read_msgs(db, st, out);
    }
    for (int i = first; !rc && i < out->n; i++) {
        rc = sqlite_prepare(db, "UPDATE outbox SET lease_until = ?2 WHERE id = ?1", &st);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, out->v[i].id);
        sqlite3_bind_int64(st, 2, now + (lease_seconds > 0 ? lease_seconds : 60));
        rc = sqlite_run(db, st);
    }
    if (!rc)
        rc = s->ops->commit(s);
    if (rc) {
        s->ops->rollback(s);
        out->n = first;
    }
    return rc;
}

int sqlite_outbox_renew(struct store *s, const int64_t *ids, int n, int64_t until)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    if (!db)
        return -JS_EINVAL;
    if (n <= 0)
        return 0;
    int rc = s->ops->begin(s);
    if (rc)
        return rc;
    db = store_sqlite_db(s); /* the transaction's connection (the group writer's) */
    for (int i = 0; !rc && i < n; i++) {
        rc = sqlite_prepare(db,
                            "UPDATE outbox SET lease_until = ?2 WHERE id = ?1 AND state = 'pending'"
                            " AND lease_until > 0",
                            &st);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, until);
        rc = sqlite_run(db, st);
    }
    if (!rc)
        rc = s->ops->commit(s);
    if (rc)
        s->ops->rollback(s);
    return rc;
}

int sqlite_outbox_sent(struct store *s, int64_t id, int64_t now)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db,
                       "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?2,"
                       " lease_until = 0, last_error = '' WHERE id = ?1 AND state = 'pending'",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    rc = sqlite_run(db, st);
    return rc ? rc : sqlite3_changes(db) == 1 ? 0 : -JS_ESTATE;
}

int sqlite_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_at,
                         bool give_up)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    char err[256];
    if (!db)
        return -JS_EINVAL;
    snprintf(err, sizeof err, "%s", error ? error : "");
    int rc = sqlite_prepare(db,
                            "UPDATE outbox SET state = ?4, attempts = attempts + 1, next_at = ?3,"
                            " lease_until = 0, last_error = ?2 WHERE id = ?1 AND state = 'pending'",
                            &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite_bind_text(st, 2, err);
    sqlite3_bind_int64(st, 3, next_at);
    sqlite_bind_text(st, 4, give_up ? "failed" : "pending");
    rc = sqlite_run(db, st);
    return rc ? rc : sqlite3_changes(db) == 1 ? 0 : -JS_ESTATE;
}

int sqlite_outbox_release(struct store *s, int64_t id)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(
        db, "UPDATE outbox SET lease_until = 0 WHERE id = ?1 AND state = 'pending'", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    return sqlite_run(db, st);
}

int sqlite_outbox_retry(struct store *s, int64_t id, int64_t now)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    struct outbox_msg m;
    int rc = timers_outbox_get(s, id, &m);
    if (rc)
        return rc;
    if (m.state != OBS_FAILED)
        return -JS_ESTATE;
    rc = sqlite_prepare(db,
                        "UPDATE outbox SET state = 'pending', next_at = ?2, lease_until = 0"
                        " WHERE id = ?1 AND state = 'failed'",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    rc = sqlite_run(db, st);
    return rc ? rc : sqlite3_changes(db) == 1 ? 0 : -JS_ESTATE;
}

int sqlite_events_by_action(struct store *s, const struct timers_event_query *q,
                            struct event_list *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    if (q->action < 0 || q->action >= ACT__COUNT)
        return -JS_EINVAL;
    int rc = sqlite_prepare(
        db,
        "SELECT id, order_id, version, at, actor_user, actor_role, actor_unit, actor_name,"
        " action, status_before, status_after, payload FROM events"
        " WHERE action = ?1 AND (?2 = 0 OR at >= ?2) AND (?3 = 0 OR at < ?3)"
        " AND (?4 = 0 OR id < ?4) AND (?5 = 0 OR EXISTS (SELECT 1 FROM"
        " json_each(json_extract(payload, '$.args.units')) WHERE value = ?5))"
        " ORDER BY at DESC, id DESC LIMIT ?6",
        &st);
    if (rc)
        return rc;
    sqlite_bind_text(st, 1, js_action_names[q->action]);
    sqlite3_bind_int64(st, 2, q->from);
    sqlite3_bind_int64(st, 3, q->to);
    sqlite3_bind_int64(st, 4, q->before_id);
    sqlite3_bind_int64(st, 5, q->unit_id);
    sqlite3_bind_int(st, 6, clamp_limit(q->limit));
    int step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.id = sqlite3_column_int64(st, 0);
        ev.order_id = sqlite3_column_int64(st, 1);
        ev.version = sqlite3_column_int64(st, 2);
        ev.at = sqlite3_column_int64(st, 3);
        ev.actor.user_id = sqlite3_column_int64(st, 4);
        ev.actor.role = js_name_index(js_role_names, (const char *)sqlite3_column_text(st, 5));
        ev.actor.unit_id = sqlite3_column_int64(st, 6);
        sqlite_col_copy(st, 7, ev.actor.name, sizeof ev.actor.name);
        ev.action = js_name_index(js_action_names, (const char *)sqlite3_column_text(st, 8));
        ev.status_before = js_name_index(js_status_names, (const char *)sqlite3_column_text(st, 9));
        ev.status_after = js_name_index(js_status_names, (const char *)sqlite3_column_text(st, 10));
        const char *payload = (const char *)sqlite3_column_text(st, 11);
        ev.payload = payload ? json_loads(payload, 0, NULL) : NULL;
        if (!ev.payload) {
            rc = -JS_EDB;
            break;
        }
        rc = event_list_push(out, &ev);
        if (rc)
            event_release(&ev);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}
