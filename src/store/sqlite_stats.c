/* The SQLite side of the dashboard's counts (issue 16): the statement of stats_query.c on the
 * connection of a struct store handle, read into report cells. */
#include "compat.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite_report.h"
#include "store/sqlite_schema.h"
#include "store/stats_query.h"

int sqlite_stats_count(struct store *s, const struct stats_query *q, struct report_cell **out,
                       int *n)
{
    sqlite3 *db = store_sqlite_db(s);
    struct report_cell *v = NULL;
    sqlite3_stmt *st = NULL;
    struct stats_params p = {0};
    struct buf sql;
    int cap = 0, step, rc;
    *out = NULL;
    *n = 0;
    buf_init(&sql, 0);
    if (!db) {
        rc = -JS_EINVAL;
        goto out;
    }
    if ((rc = stats_query_sql(q, false, &sql, &p)))
        goto out;
    if ((step = sqlite3_prepare_v2(db, sql.data, -1, &st, NULL)) != SQLITE_OK) {
        rc = sqlite_fail(db, step);
        goto out;
    }
    for (int i = 0; i < p.n; i++)
        sqlite3_bind_int64(st, i + 1, p.v[i]);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            struct report_cell *nv = realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) {
                rc = -JS_ENOMEM;
                goto out;
            }
            v = nv;
        }
        struct report_cell *c = &v[(*n)++];
        memset(c, 0, sizeof *c);
        c->key[0] = sqlite3_column_int64(st, 0);
        const unsigned char *name = sqlite3_column_text(st, 1);
        snprintf(c->name, sizeof c->name, "%s", name ? (const char *)name : "");
        c->key[1] = sqlite3_column_int64(st, 2);
        c->n = sqlite3_column_int64(st, 3);
    }
    if (step != SQLITE_DONE)
        rc = sqlite_fail(db, step);
out:
    sqlite3_finalize(st);
    buf_release(&sql);
    if (rc) {
        free(v);
        v = NULL;
        *n = 0;
    }
    *out = v;
    return rc;
}
