/* The SQLite side of hotspot early warning: topics (kept as their JSON document), warnings with
 * their evidence and recipients, and follow-up notes, on the connection of a struct store
 * handle and inside its transactions. */
#include "compat.h"
#include "store/sqlite_hotspot.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "store/sqlite_schema.h"
#include "util/buf.h"

#define WARNING_COLS                                                                               \
    "id, coalesce(topic_id, 0), topic_name, kind, rule, state, raised_at, from_at, to_at, count,"  \
    " citizens, mean, sd, lim, title, digest, acked_at, closed_at"

/* ---- topics -------------------------------------------------------------------------------- */

static int topic_read(sqlite3_stmt *st, struct hotspot_topic *t)
{
    hotspot_topic_init(t);
    json_t *doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
    struct js_error e;
    js_error_clear(&e);
    int rc = doc ? hotspot_topic_from_json(doc, NULL, t, &e) : -JS_EDB;
    json_decref(doc);
    t->id = sqlite3_column_int64(st, 0);
    t->updated_at = sqlite3_column_int64(st, 2);
    if (rc)
        fprintf(stderr, "jiesu: hotspot topic %lld unreadable: %s\n", (long long)t->id, e.message);
    return rc ? -JS_EDB : 0;
}

int sqlite_hotspot_topic_put(struct store *s, struct hotspot_topic *t)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    if (!db)
        return -JS_EINVAL;
    json_t *doc = hotspot_topic_to_json(t);
    if (doc)
        json_object_del(doc, "id");
    if (doc)
        json_object_del(doc, "kind_label");
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return -JS_ENOMEM;
    int rc;
    if (t->id == 0)
        rc = sqlite_prepare(db,
                            "INSERT INTO hotspot_topics(name, kind, active, doc, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5)",
                            &st);
    else
        rc = sqlite_prepare(db,
                            "UPDATE hotspot_topics SET name = ?1, kind = ?2, active = ?3, doc = ?4,"
                            " updated_at = ?5 WHERE id = ?6",
                            &st);
    if (rc)
        goto out;
    sqlite_bind_text(st, 1, t->name);
    sqlite_bind_text(st, 2,
                     t->kind >= 0 && t->kind < HSK__COUNT ? hotspot_kind_names[t->kind] : "");
    sqlite3_bind_int(st, 3, t->active);
    sqlite_bind_text(st, 4, text);
    sqlite3_bind_int64(st, 5, t->updated_at);
    if (t->id)
        sqlite3_bind_int64(st, 6, t->id);
    rc = sqlite_run(db, st);
    if (!rc && t->id == 0)
        t->id = sqlite3_last_insert_rowid(db);
    else if (!rc && sqlite3_changes(db) == 0)
        rc = -JS_ENOTFOUND;
out:
    free(text);
    return rc;
}

int sqlite_hotspot_topic_get(struct store *s, int64_t id, struct hotspot_topic *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db, "SELECT id, doc, updated_at FROM hotspot_topics WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = topic_read(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_hotspot_topic_list(struct store *s, struct hotspot_topic **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "SELECT id, doc, updated_at FROM hotspot_topics ORDER BY id", &st);
    if (rc)
        return rc;
    int cap = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            struct hotspot_topic *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            *out = v;
        }
        rc = topic_read(st, &(*out)[*n]);
        if (!rc)
            (*n)++;
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

int sqlite_hotspot_topic_delete(struct store *s, int64_t id)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "DELETE FROM hotspot_topics WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite_run(db, st);
    if (!rc && sqlite3_changes(db) == 0)
        rc = -JS_ENOTFOUND;
    return rc;
}

/* ---- warnings ------------------------------------------------------------------------------ */

static void warning_read(sqlite3_stmt *st, struct hotspot_warning *w)
{
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(st, 0);
    w->topic_id = sqlite3_column_int64(st, 1);
    sqlite_col_copy(st, 2, w->topic_name, sizeof w->topic_name);
    w->kind = js_name_index(hotspot_kind_names, (const char *)sqlite3_column_text(st, 3));
    w->rule = js_name_index(hotspot_rule_names, (const char *)sqlite3_column_text(st, 4));
    w->state = js_name_index(hotspot_state_names, (const char *)sqlite3_column_text(st, 5));
    w->raised_at = sqlite3_column_int64(st, 6);
    w->from = sqlite3_column_int64(st, 7);
    w->to = sqlite3_column_int64(st, 8);
    w->count = sqlite3_column_int(st, 9);
    w->citizens = sqlite3_column_int(st, 10);
    w->mean = sqlite3_column_double(st, 11);
    w->sd = sqlite3_column_double(st, 12);
    w->limit = sqlite3_column_double(st, 13);
    sqlite_col_copy(st, 14, w->title, sizeof w->title);
    sqlite_col_copy(st, 15, w->digest, sizeof w->digest);
    w->acked_at = sqlite3_column_int64(st, 16);
    w->closed_at = sqlite3_column_int64(st, 17);
}

/* Fills w's evidence and recipients from their tables. */
static int warning_details(sqlite3 *db, struct hotspot_warning *w)
{
    sqlite3_stmt *st;
    int rc = sqlite_prepare(
        db, "SELECT order_id FROM hotspot_evidence WHERE warning_id = ?1 ORDER BY order_id", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, w->id);
    int cap = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (w->n_evidence == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *v = realloc(w->evidence, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            w->evidence = v;
        }
        w->evidence[w->n_evidence++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    rc = sqlite_prepare(db,
                        "SELECT coalesce(unit_id, 0), coalesce(role, '') FROM hotspot_recipients"
                        " WHERE warning_id = ?1 ORDER BY rowid",
                        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, w->id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t unit = sqlite3_column_int64(st, 0);
        int role = js_name_index(js_role_names, (const char *)sqlite3_column_text(st, 1));
        if (unit && w->n_units < HOTSPOT_MAX_RECIPIENT_UNITS)
            w->units[w->n_units++] = unit;
        else if (!unit && role >= 0 && w->n_roles < HOTSPOT_MAX_ROLES)
            w->roles[w->n_roles++] = role;
    }
    rc = step == SQLITE_DONE ? 0 : sqlite_fail(db, step);
    sqlite3_finalize(st);
    return rc;
}

int sqlite_hotspot_warning_insert(struct store *s, struct hotspot_warning *w)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db)
        return -JS_EINVAL;
    if (w->rule < 0 || w->rule >= HSR__COUNT || w->kind < 0 || w->kind >= HSK__COUNT ||
        w->n_evidence < 1)
        return -JS_EINVAL;
    int rc = sqlite_prepare(
        db,
        "INSERT INTO hotspot_warnings(topic_id, topic_name, kind, rule, state, raised_at,"
        " from_at, to_at, count, citizens, mean, sd, lim, title, digest)"
        " VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        &st);
    if (rc)
        return rc;
    if (w->topic_id)
        sqlite3_bind_int64(st, 1, w->topic_id);
    sqlite_bind_text(st, 2, w->topic_name);
    sqlite_bind_text(st, 3, hotspot_kind_names[w->kind]);
    sqlite_bind_text(st, 4, hotspot_rule_names[w->rule]);
    sqlite3_bind_int64(st, 5, w->raised_at);
    sqlite3_bind_int64(st, 6, w->from);
    sqlite3_bind_int64(st, 7, w->to);
    sqlite3_bind_int(st, 8, w->count);
    sqlite3_bind_int(st, 9, w->citizens);
    sqlite3_bind_double(st, 10, w->mean);
    sqlite3_bind_double(st, 11, w->sd);
    sqlite3_bind_double(st, 12, w->limit);
    sqlite_bind_text(st, 13, w->title);
    sqlite_bind_text(st, 14, w->digest);
    if ((rc = sqlite_run(db, st)))
        return rc;
    w->id = sqlite3_last_insert_rowid(db);
    w->state = HSS_OPEN;
    rc = sqlite_prepare(
        db, "INSERT OR IGNORE INTO hotspot_evidence(warning_id, order_id) VALUES (?1, ?2)", &st);
    for (int i = 0; !rc && i < w->n_evidence; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, w->id);
        sqlite3_bind_int64(st, 2, w->evidence[i]);
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = sqlite_fail(db, step);
    }
    if (st)
        sqlite3_finalize(st);
    st = NULL;
    if (!rc)
        rc = sqlite_prepare(
            db, "INSERT INTO hotspot_recipients(warning_id, unit_id, role) VALUES (?1, ?2, ?3)",
            &st);
    for (int i = 0; !rc && i < w->n_units + w->n_roles; i++) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        sqlite3_bind_int64(st, 1, w->id);
        if (i < w->n_units)
            sqlite3_bind_int64(st, 2, w->units[i]);
        else
            sqlite_bind_text(st, 3, js_role_names[w->roles[i - w->n_units]]);
        int step = sqlite3_step(st);
        if (step != SQLITE_DONE)
            rc = sqlite_fail(db, step);
    }
    if (st)
        sqlite3_finalize(st);
    return rc;
}

int sqlite_hotspot_warning_get(struct store *s, int64_t id, struct hotspot_warning *out)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    if (!db)
        return -JS_EINVAL;
    int rc = sqlite_prepare(db, "SELECT " WARNING_COLS " FROM hotspot_warnings WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        warning_read(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (!rc)
        rc = warning_details(db, out);
    if (rc)
        hotspot_warning_release(out);
    return rc;
}

int sqlite_hotspot_warning_list(struct store *s, const struct hotspot_warning_query *q,
                                struct hotspot_warning **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    struct buf sql;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    buf_init(&sql, 0);
    buf_puts(&sql, "SELECT " WARNING_COLS " FROM hotspot_warnings w WHERE 1");
    if (q->from)
        buf_puts(&sql, " AND raised_at >= ?1");
    if (q->to)
        buf_puts(&sql, " AND raised_at < ?2");
    if (q->state >= 0)
        buf_puts(&sql, " AND state = ?3");
    if (q->topic_id)
        buf_puts(&sql, " AND topic_id = ?4");
    if (q->before_id)
        buf_puts(&sql, " AND id < ?5");
    if (q->visible_only)
        buf_puts(&sql, " AND EXISTS (SELECT 1 FROM hotspot_recipients r WHERE r.warning_id = w.id"
                       " AND ((?6 != 0 AND r.unit_id = ?6) OR r.role = ?7))");
    buf_puts(&sql, " ORDER BY id DESC LIMIT ?8");
    int rc = sql.data ? sqlite_prepare(db, sql.data, &st) : -JS_ENOMEM;
    buf_release(&sql);
    if (rc)
        return rc;
    int limit = q->limit < 1 ? 50 : q->limit > 500 ? 500 : q->limit;
    sqlite3_bind_int64(st, 1, q->from);
    sqlite3_bind_int64(st, 2, q->to);
    if (q->state >= 0 && q->state < HSS__COUNT)
        sqlite_bind_text(st, 3, hotspot_state_names[q->state]);
    sqlite3_bind_int64(st, 4, q->topic_id);
    sqlite3_bind_int64(st, 5, q->before_id);
    sqlite3_bind_int64(st, 6, q->unit_id);
    sqlite_bind_text(st, 7, q->role >= 0 && q->role < ROLE__COUNT ? js_role_names[q->role] : "");
    sqlite3_bind_int(st, 8, limit);
    int step;
    struct hotspot_warning *v = calloc((size_t)limit, sizeof *v);
    if (!v) {
        sqlite3_finalize(st);
        return -JS_ENOMEM;
    }
    while (*n < limit && (step = sqlite3_step(st)) == SQLITE_ROW)
        warning_read(st, &v[(*n)++]);
    if (*n < limit && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    for (int i = 0; !rc && i < *n; i++)
        rc = warning_details(db, &v[i]);
    if (rc) {
        for (int i = 0; i < *n; i++)
            hotspot_warning_release(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

int sqlite_hotspot_warned_orders(struct store *s, int64_t topic_id, int rule, int64_t **ids, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *ids = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    if (rule < 0 || rule >= HSR__COUNT)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db,
                       "SELECT DISTINCT e.order_id FROM hotspot_evidence e"
                       " JOIN hotspot_warnings w ON w.id = e.warning_id"
                       " WHERE (?1 = 0 OR w.topic_id = ?1) AND w.rule = ?2 ORDER BY e.order_id",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, topic_id);
    sqlite_bind_text(st, 2, hotspot_rule_names[rule]);
    int cap = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *v = realloc(*ids, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            *ids = v;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
    sqlite3_finalize(st);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

int sqlite_hotspot_warning_state(struct store *s, int64_t id, int state, int64_t at)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db || state < 0 || state >= HSS__COUNT)
        return -JS_EINVAL;
    const char *sql = state == HSS_ACKED
                          ? "UPDATE hotspot_warnings SET state = ?2, acked_at = ?3 WHERE id = ?1"
                      : state == HSS_CLOSED
                          ? "UPDATE hotspot_warnings SET state = ?2, closed_at = ?3 WHERE id = ?1"
                          : "UPDATE hotspot_warnings SET state = ?2 WHERE id = ?1 AND ?3 = ?3";
    int rc = sqlite_prepare(db, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite_bind_text(st, 2, hotspot_state_names[state]);
    sqlite3_bind_int64(st, 3, at);
    rc = sqlite_run(db, st);
    if (!rc && sqlite3_changes(db) == 0)
        rc = -JS_ENOTFOUND;
    return rc;
}

int sqlite_hotspot_note_add(struct store *s, struct hotspot_note *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    if (!db || n->kind < 0 || n->kind >= HSN__COUNT)
        return -JS_EINVAL;
    int rc = sqlite_prepare(
        db,
        "INSERT INTO hotspot_notes(warning_id, at, user_id, user_name, unit_id, kind,"
        " text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, n->warning_id);
    sqlite3_bind_int64(st, 2, n->at);
    if (n->user_id)
        sqlite3_bind_int64(st, 3, n->user_id);
    sqlite_bind_text(st, 4, n->user_name);
    if (n->unit_id)
        sqlite3_bind_int64(st, 5, n->unit_id);
    sqlite_bind_text(st, 6, hotspot_note_names[n->kind]);
    sqlite_bind_text(st, 7, n->text);
    rc = sqlite_run(db, st);
    if (!rc)
        n->id = sqlite3_last_insert_rowid(db);
    return rc;
}

int sqlite_hotspot_note_list(struct store *s, int64_t warning_id, struct hotspot_note **out, int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    sqlite3_stmt *st;
    *out = NULL;
    *n = 0;
    if (!db)
        return -JS_EINVAL;
    int rc =
        sqlite_prepare(db,
                       "SELECT id, warning_id, at, coalesce(user_id, 0), user_name,"
                       " coalesce(unit_id, 0), kind, text FROM hotspot_notes WHERE warning_id = ?1"
                       " ORDER BY id",
                       &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, warning_id);
    int cap = 0, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct hotspot_note *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -JS_ENOMEM;
                break;
            }
            *out = v;
        }
        struct hotspot_note *x = &(*out)[(*n)++];
        memset(x, 0, sizeof *x);
        x->id = sqlite3_column_int64(st, 0);
        x->warning_id = sqlite3_column_int64(st, 1);
        x->at = sqlite3_column_int64(st, 2);
        x->user_id = sqlite3_column_int64(st, 3);
        sqlite_col_copy(st, 4, x->user_name, sizeof x->user_name);
        x->unit_id = sqlite3_column_int64(st, 5);
        x->kind = js_name_index(hotspot_note_names, (const char *)sqlite3_column_text(st, 6));
        sqlite_col_copy(st, 7, x->text, sizeof x->text);
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
