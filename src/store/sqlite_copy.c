/* Copying a database between backends, SQLite side (store.h: dump_table, load_rows,
 * load_finish): the tables of store_tables as rows of typed values, in and out. */
#include "compat.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "util/buf.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* Whether s is a plain SQL name (letters, digits, '_'), so that it may be spelled in a
 * statement. */
static bool plain_name(const char *s)
{
    if (!s || !s[0])
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

int sqlite_dump_table(struct store *s, const char *name, store_row_cb cb, void *ctx)
{
    sqlite3 *db = store_sqlite_db(s);
    const struct store_table *t = store_table_find(name);
    sqlite3_stmt *st = NULL;
    struct store_value *v = NULL;
    const char **cols = NULL;
    struct buf sql;
    buf_init(&sql, 0);
    int rc = 0, step;
    if (!db || !t)
        return -JS_EINVAL;
    if (buf_printf(&sql, "SELECT %s* FROM %s ORDER BY %s", t->rowid ? "rowid AS id, " : "", t->name,
                   t->rowid ? "rowid" : t->order_by)) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = sqlite_prepare(db, sql.data, &st)))
        goto out;
    int n = sqlite3_column_count(st);
    v = calloc((size_t)n + 1, sizeof *v);
    cols = calloc((size_t)n + 1, sizeof *cols);
    if (!v || !cols) {
        rc = -JS_ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++)
        cols[i] = sqlite3_column_name(st, i);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            memset(&v[i], 0, sizeof v[i]);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v[i].type = SV_INT;
                v[i].i = sqlite3_column_int64(st, i);
                break;
            case SQLITE_FLOAT:
                v[i].type = SV_REAL;
                v[i].d = sqlite3_column_double(st, i);
                break;
            case SQLITE_TEXT:
                v[i].type = SV_TEXT;
                v[i].p = (const char *)sqlite3_column_text(st, i);
                v[i].n = (size_t)sqlite3_column_bytes(st, i);
                break;
            case SQLITE_BLOB:
                v[i].type = SV_BLOB;
                v[i].p = sqlite3_column_blob(st, i);
                v[i].n = (size_t)sqlite3_column_bytes(st, i);
                break;
            default:
                v[i].type = SV_NULL;
            }
        }
        struct store_row row = {n, cols, v};
        rc = cb(ctx, &row);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
out:
    sqlite3_finalize(st);
    free(v);
    free(cols);
    buf_release(&sql);
    return rc;
}

int sqlite_load_rows(struct store *s, const char *name, const struct store_row *rows, int n)
{
    sqlite3 *db = store_sqlite_db(s);
    const struct store_table *t = store_table_find(name);
    sqlite3_stmt *st = NULL;
    struct buf sql;
    buf_init(&sql, 0);
    int rc = 0, step;
    bool open = false;
    if (!db || !t || n < 0)
        return -JS_EINVAL;
    if (n == 0)
        return 0;
    int nc = rows[0].n;
    rc = buf_printf(&sql, "INSERT INTO %s(", t->name) ? -JS_ENOMEM : 0;
    for (int i = 0; i < nc && !rc; i++) {
        const char *c = rows[0].cols[i];
        if (!plain_name(c))
            rc = -JS_EINVAL;
        else if (buf_printf(&sql, "%s%s", i ? ", " : "",
                            t->rowid && strcmp(c, "id") == 0 ? "rowid" : c))
            rc = -JS_ENOMEM;
    }
    if (!rc && buf_puts(&sql, ") VALUES ("))
        rc = -JS_ENOMEM;
    for (int i = 0; i < nc && !rc; i++)
        if (buf_printf(&sql, "%s?%d", i ? ", " : "", i + 1))
            rc = -JS_ENOMEM;
    if (!rc && buf_puts(&sql, ")"))
        rc = -JS_ENOMEM;
    if (rc)
        goto out;
    if ((step = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
        rc = sqlite_fail(db, step);
        goto out;
    }
    open = true;
    if ((rc = sqlite_prepare(db, sql.data, &st)))
        goto out;
    for (int r = 0; r < n && !rc; r++) {
        if (rows[r].n != nc) {
            rc = -JS_EINVAL;
            break;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        for (int i = 0; i < nc; i++) {
            const struct store_value *v = &rows[r].v[i];
            switch (v->type) {
            case SV_INT:
                sqlite3_bind_int64(st, i + 1, v->i);
                break;
            case SV_REAL:
                sqlite3_bind_double(st, i + 1, v->d);
                break;
            case SV_TEXT:
                sqlite3_bind_text(st, i + 1, v->p ? v->p : "", (int)v->n, SQLITE_STATIC);
                break;
            case SV_BLOB:
                sqlite3_bind_blob(st, i + 1, v->p ? v->p : "", (int)v->n, SQLITE_STATIC);
                break;
            default:
                sqlite3_bind_null(st, i + 1);
            }
        }
        if ((step = sqlite3_step(st)) != SQLITE_DONE)
            rc = sqlite_fail(db, step);
    }
out:
    sqlite3_finalize(st);
    if (open) {
        int e = sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
        if (!rc && e != SQLITE_OK)
            rc = sqlite_fail(db, e);
    }
    buf_release(&sql);
    return rc;
}

int sqlite_load_finish(struct store *s)
{
    sqlite3 *db = store_sqlite_db(s);
    if (!db)
        return -JS_EINVAL;
    /* The ids: SQLite gives a rowid table max(rowid) + 1 by itself. The search indexes: */
    int step = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (step != SQLITE_OK)
        return sqlite_fail(db, step);
    int rc = sqlite_search_reindex(s);
    if (!rc)
        rc = sqlite_kb_reindex(s);
    step = sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    if (!rc && step != SQLITE_OK)
        rc = sqlite_fail(db, step);
    return rc;
}

int sqlite_read_snapshot(struct store *s, bool on)
{
    sqlite3 *db = store_sqlite_db(s);
    if (!db)
        return -JS_EINVAL;
    /* a read transaction holds its snapshot from its first read on */
    int step = sqlite3_exec(db, on ? "BEGIN; SELECT count(*) FROM schema_migrations" : "COMMIT",
                            NULL, NULL, NULL);
    return step == SQLITE_OK ? 0 : sqlite_fail(db, step);
}
