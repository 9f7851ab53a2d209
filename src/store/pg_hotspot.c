/* The PostgreSQL side of hotspot early warning (issue 11, migration 11), as sqlite_hotspot.c:
 * topics (kept as their JSON document), warnings with their evidence and recipients, and
 * follow-up notes, inside the handle's transactions. A warning whose topic, rule and digest are
 * already stored is refused by the unique key (-JS_EEXISTS), by whichever server comes second. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "store/pg_store.h"

#define WARNING_COLS                                                                               \
    "id, coalesce(topic_id, 0), topic_name, kind, rule, state, raised_at, from_at, to_at, count,"  \
    " citizens, mean, sd, lim, title, digest, acked_at, closed_at"

/* ---- topics -------------------------------------------------------------------------------- */

static int topic_read(const PGresult *r, int row, struct hotspot_topic *t)
{
    hotspot_topic_init(t);
    json_t *doc = json_loads(PQgetvalue(r, row, 1), 0, NULL);
    struct js_error e;
    js_error_clear(&e);
    int rc = doc ? hotspot_topic_from_json(doc, NULL, t, &e) : -JS_EDB;
    json_decref(doc);
    t->id = val_int(r, row, 0);
    t->updated_at = val_int(r, row, 2);
    if (rc)
        fprintf(stderr, "jiesu: hotspot topic %lld unreadable: %s\n", (long long)t->id, e.message);
    return rc ? -JS_EDB : 0;
}

int pg_hotspot_topic_put(struct store *s, struct hotspot_topic *t)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    int64_t changed = 0;
    json_t *doc = hotspot_topic_to_json(t);
    if (doc)
        json_object_del(doc, "id");
    if (doc)
        json_object_del(doc, "kind_label");
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (!text)
        return -JS_ENOMEM;
    p_text(&a, t->name);
    p_text(&a, t->kind >= 0 && t->kind < HSK__COUNT ? hotspot_kind_names[t->kind] : "");
    p_int(&a, t->active);
    p_text(&a, text);
    p_int(&a, t->updated_at);
    int rc;
    if (t->id == 0) {
        rc = write1(pg_of(s),
                    "INSERT INTO hotspot_topics(name, kind, active, doc, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &a, &r, NULL);
        if (!rc)
            t->id = val_int(r, 0, 0);
        PQclear(r);
    } else {
        p_int(&a, t->id);
        rc = write1(pg_of(s),
                    "UPDATE hotspot_topics SET name = $1, kind = $2, active = $3, doc = $4,"
                    " updated_at = $5 WHERE id = $6",
                    &a, NULL, &changed);
        if (!rc && changed == 0)
            rc = -JS_ENOTFOUND;
    }
    free(text);
    return rc;
}

int pg_hotspot_topic_get(struct store *s, int64_t id, struct hotspot_topic *out)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    p_int(&a, id);
    int rc =
        px(pg_of(s), "SELECT id, doc, updated_at FROM hotspot_topics WHERE id = $1", &a, &r, NULL);
    if (rc)
        return rc;
    rc = PQntuples(r) == 1 ? topic_read(r, 0, out) : -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

int pg_hotspot_topic_list(struct store *s, struct hotspot_topic **out, int *n)
{
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    int rc =
        px(pg_of(s), "SELECT id, doc, updated_at FROM hotspot_topics ORDER BY id", NULL, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct hotspot_topic *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v)
        rc = -JS_ENOMEM;
    for (int i = 0; i < rows && !rc; i++)
        if (!(rc = topic_read(r, i, &v[i])))
            (*n)++;
    PQclear(r);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

int pg_hotspot_topic_delete(struct store *s, int64_t id)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    p_int(&a, id);
    int rc = write1(pg_of(s), "DELETE FROM hotspot_topics WHERE id = $1", &a, NULL, &changed);
    return rc ? rc : changed ? 0 : -JS_ENOTFOUND;
}

/* ---- warnings ------------------------------------------------------------------------------ */

static void warning_read(const PGresult *r, int row, struct hotspot_warning *w)
{
    memset(w, 0, sizeof *w);
    w->id = val_int(r, row, 0);
    w->topic_id = val_int(r, row, 1);
    val_copy(r, row, 2, w->topic_name, sizeof w->topic_name);
    w->kind = val_enum(r, row, 3, hotspot_kind_names);
    w->rule = val_enum(r, row, 4, hotspot_rule_names);
    w->state = val_enum(r, row, 5, hotspot_state_names);
    w->raised_at = val_int(r, row, 6);
    w->from = val_int(r, row, 7);
    w->to = val_int(r, row, 8);
    w->count = (int)val_int(r, row, 9);
    w->citizens = (int)val_int(r, row, 10);
    w->mean = strtod(PQgetvalue(r, row, 11), NULL);
    w->sd = strtod(PQgetvalue(r, row, 12), NULL);
    w->limit = strtod(PQgetvalue(r, row, 13), NULL);
    val_copy(r, row, 14, w->title, sizeof w->title);
    val_copy(r, row, 15, w->digest, sizeof w->digest);
    w->acked_at = val_int(r, row, 16);
    w->closed_at = val_int(r, row, 17);
}

/* Fills w's evidence (by order id) and recipients (in the order written) from their tables. */
static int warning_details(struct pgs *p, struct hotspot_warning *w)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    p_int(&a, w->id);
    int rc = px(p, "SELECT order_id FROM hotspot_evidence WHERE warning_id = $1 ORDER BY order_id",
                &a, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows) {
        w->evidence = malloc((size_t)rows * sizeof *w->evidence);
        if (!w->evidence) {
            PQclear(r);
            return -JS_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++)
        w->evidence[w->n_evidence++] = val_int(r, i, 0);
    PQclear(r);
    rc = px(p,
            "SELECT coalesce(unit_id, 0), coalesce(role, '') FROM hotspot_recipients"
            " WHERE warning_id = $1 ORDER BY id",
            &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t unit = val_int(r, i, 0);
        int role = val_enum(r, i, 1, js_role_names);
        if (unit && w->n_units < HOTSPOT_MAX_RECIPIENT_UNITS)
            w->units[w->n_units++] = unit;
        else if (!unit && role >= 0 && w->n_roles < HOTSPOT_MAX_ROLES)
            w->roles[w->n_roles++] = role;
    }
    PQclear(r);
    return 0;
}

int pg_hotspot_warning_insert(struct store *s, struct hotspot_warning *w)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct opx x;
    if (w->rule < 0 || w->rule >= HSR__COUNT || w->kind < 0 || w->kind >= HSK__COUNT ||
        w->n_evidence < 1)
        return -JS_EINVAL;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_id(&a, w->topic_id);
    p_text(&a, w->topic_name);
    p_text(&a, hotspot_kind_names[w->kind]);
    p_text(&a, hotspot_rule_names[w->rule]);
    p_int(&a, w->raised_at);
    p_int(&a, w->from);
    p_int(&a, w->to);
    p_int(&a, w->count);
    p_int(&a, w->citizens);
    p_real(&a, w->mean);
    p_real(&a, w->sd);
    p_real(&a, w->limit);
    p_text(&a, w->title);
    p_text(&a, w->digest);
    rc = px(p,
            "INSERT INTO hotspot_warnings(topic_id, topic_name, kind, rule, state, raised_at,"
            " from_at, to_at, count, citizens, mean, sd, lim, title, digest)"
            " VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            " RETURNING id",
            &a, &r, NULL);
    int64_t id = rc ? 0 : val_int(r, 0, 0);
    PQclear(r);
    for (int i = 0; !rc && i < w->n_evidence; i++) {
        a.n = 0;
        p_int(&a, id);
        p_int(&a, w->evidence[i]);
        rc = px(p,
                "INSERT INTO hotspot_evidence(warning_id, order_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                &a, NULL, NULL);
    }
    for (int i = 0; !rc && i < w->n_units + w->n_roles; i++) {
        a.n = 0;
        p_int(&a, id);
        if (i < w->n_units) {
            p_int(&a, w->units[i]);
            p_null(&a);
        } else {
            p_null(&a);
            p_text(&a, js_role_names[w->roles[i - w->n_units]]);
        }
        rc = px(p, "INSERT INTO hotspot_recipients(warning_id, unit_id, role) VALUES ($1, $2, $3)",
                &a, NULL, NULL);
    }
    rc = op_end(p, &x, rc);
    if (!rc) {
        w->id = id;
        w->state = HSS_OPEN;
    }
    return rc;
}

int pg_hotspot_warning_get(struct store *s, int64_t id, struct hotspot_warning *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    memset(out, 0, sizeof *out);
    p_int(&a, id);
    int rc = px(p, "SELECT " WARNING_COLS " FROM hotspot_warnings WHERE id = $1", &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        warning_read(r, 0, out);
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    if (!rc)
        rc = warning_details(p, out);
    if (rc)
        hotspot_warning_release(out);
    return rc;
}

int pg_hotspot_warning_list(struct store *s, const struct hotspot_warning_query *q,
                            struct hotspot_warning **out, int *n)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct buf sql;
    *out = NULL;
    *n = 0;
    int limit = clamp_limit(q->limit);
    buf_init(&sql, 0);
    int rc = buf_puts(&sql, "SELECT " WARNING_COLS " FROM hotspot_warnings w WHERE TRUE");
    if (q->from) {
        p_int(&a, q->from);
        rc |= buf_printf(&sql, " AND raised_at >= $%d", a.n);
    }
    if (q->to) {
        p_int(&a, q->to);
        rc |= buf_printf(&sql, " AND raised_at < $%d", a.n);
    }
    if (q->state >= 0) { /* a state out of range takes nothing, as SQLite's unbound NULL */
        if (q->state < HSS__COUNT)
            p_text(&a, hotspot_state_names[q->state]);
        else
            p_null(&a);
        rc |= buf_printf(&sql, " AND state = $%d", a.n);
    }
    if (q->topic_id) {
        p_int(&a, q->topic_id);
        rc |= buf_printf(&sql, " AND topic_id = $%d", a.n);
    }
    if (q->before_id) {
        p_int(&a, q->before_id);
        rc |= buf_printf(&sql, " AND id < $%d", a.n);
    }
    if (q->visible_only) {
        p_int(&a, q->unit_id);
        p_text(&a, q->role >= 0 && q->role < ROLE__COUNT ? js_role_names[q->role] : "");
        rc |= buf_printf(&sql,
                         " AND EXISTS (SELECT 1 FROM hotspot_recipients r WHERE r.warning_id = w.id"
                         " AND (($%d::bigint != 0 AND r.unit_id = $%d) OR r.role = $%d))",
                         a.n - 1, a.n - 1, a.n);
    }
    p_int(&a, limit);
    rc |= buf_printf(&sql, " ORDER BY id DESC LIMIT $%d", a.n);
    if (rc) {
        buf_release(&sql);
        return -JS_ENOMEM;
    }
    rc = px(p, sql.data, &a, &r, NULL);
    buf_release(&sql);
    if (rc)
        return rc;
    struct hotspot_warning *v = calloc((size_t)limit, sizeof *v);
    if (!v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < PQntuples(r) && *n < limit; i++)
        warning_read(r, i, &v[(*n)++]);
    PQclear(r);
    for (int i = 0; !rc && i < *n; i++)
        rc = warning_details(p, &v[i]);
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

int pg_hotspot_warned_orders(struct store *s, int64_t topic_id, int rule, int64_t **ids, int *n)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *ids = NULL;
    *n = 0;
    if (rule < 0 || rule >= HSR__COUNT)
        return -JS_EINVAL;
    p_int(&a, topic_id);
    p_text(&a, hotspot_rule_names[rule]);
    int rc = px(pg_of(s),
                "SELECT DISTINCT e.order_id FROM hotspot_evidence e"
                " JOIN hotspot_warnings w ON w.id = e.warning_id"
                " WHERE ($1::bigint = 0 OR w.topic_id = $1) AND w.rule = $2 ORDER BY e.order_id",
                &a, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows) {
        *ids = malloc((size_t)rows * sizeof **ids);
        if (!*ids) {
            PQclear(r);
            return -JS_ENOMEM;
        }
    }
    for (int i = 0; i < rows; i++)
        (*ids)[(*n)++] = val_int(r, i, 0);
    PQclear(r);
    return 0;
}

int pg_hotspot_warning_state(struct store *s, int64_t id, int state, int64_t at)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    if (state < 0 || state >= HSS__COUNT)
        return -JS_EINVAL;
    p_int(&a, id);
    p_text(&a, hotspot_state_names[state]);
    const char *sql = "UPDATE hotspot_warnings SET state = $2 WHERE id = $1";
    if (state == HSS_ACKED || state == HSS_CLOSED) {
        p_int(&a, at);
        sql = state == HSS_ACKED
                  ? "UPDATE hotspot_warnings SET state = $2, acked_at = $3 WHERE id = $1"
                  : "UPDATE hotspot_warnings SET state = $2, closed_at = $3 WHERE id = $1";
    }
    int rc = write1(pg_of(s), sql, &a, NULL, &changed);
    return rc ? rc : changed ? 0 : -JS_ENOTFOUND;
}

int pg_hotspot_note_add(struct store *s, struct hotspot_note *n)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    if (n->kind < 0 || n->kind >= HSN__COUNT)
        return -JS_EINVAL;
    p_int(&a, n->warning_id);
    p_int(&a, n->at);
    p_id(&a, n->user_id);
    p_text(&a, n->user_name);
    p_id(&a, n->unit_id);
    p_text(&a, hotspot_note_names[n->kind]);
    p_text(&a, n->text);
    int rc = write1(pg_of(s),
                    "INSERT INTO hotspot_notes(warning_id, at, user_id, user_name, unit_id, kind,"
                    " text) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &a, &r, NULL);
    if (!rc)
        n->id = val_int(r, 0, 0);
    PQclear(r);
    return rc;
}

int pg_hotspot_note_list(struct store *s, int64_t warning_id, struct hotspot_note **out, int *n)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    *out = NULL;
    *n = 0;
    p_int(&a, warning_id);
    int rc = px(pg_of(s),
                "SELECT id, warning_id, at, coalesce(user_id, 0), user_name,"
                " coalesce(unit_id, 0), kind, text FROM hotspot_notes WHERE warning_id = $1"
                " ORDER BY id",
                &a, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct hotspot_note *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        struct hotspot_note *x = &v[i];
        x->id = val_int(r, i, 0);
        x->warning_id = val_int(r, i, 1);
        x->at = val_int(r, i, 2);
        x->user_id = val_int(r, i, 3);
        val_copy(r, i, 4, x->user_name, sizeof x->user_name);
        x->unit_id = val_int(r, i, 5);
        x->kind = val_enum(r, i, 6, hotspot_note_names);
        val_copy(r, i, 7, x->text, sizeof x->text);
    }
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}
