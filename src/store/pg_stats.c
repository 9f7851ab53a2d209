/* The PostgreSQL side of the dashboard's counts (issue 16), as sqlite_stats.c: the statement of
 * stats_query.c, read into report cells, after the counts the triggers appended to
 * order_stats_delta (migration 19) are folded into order_stats. */
#include "compat.h"

#include <stdlib.h>

#include "store/pg_store.h"
#include "store/stats_query.h"
#include "store/stats_sql.h"

/* Folds: moves the appended counts into order_stats, summed, in one transaction of its own. The
 * DELETE takes exactly the rows committed when it starts (later ones wait for the next fold);
 * folds are serialised by an advisory lock. Inside a caller's transaction nothing is folded
 * (the counts read are then those of the last fold). */
static int fold(struct pgs *p)
{
    if (in_txn(p))
        return 0;
    int rc = exec0(p, "BEGIN");
    if (rc)
        return rc;
    rc = px(p, "SELECT pg_advisory_xact_lock(7468311014)", NULL, NULL, NULL);
    if (!rc)
        rc = px(p,
                "WITH d AS (DELETE FROM order_stats_delta"
                " RETURNING scope, dim, day, key, name, n)"
                " INSERT INTO order_stats(scope, dim, day, key, name, n)"
                " SELECT scope, dim, day, key, name, sum(n) FROM d"
                " GROUP BY scope, dim, day, key, name" JS_STATS_UPSERT,
                NULL, NULL, NULL);
    if (rc) {
        exec0(p, "ROLLBACK");
        return rc;
    }
    return exec0(p, "COMMIT");
}

int pg_stats_fold(struct store *s)
{
    return fold(pg_of(s));
}

int pg_stats_count(struct store *s, const struct stats_query *q, struct report_cell **out, int *n)
{
    struct stats_params p = {0};
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    struct report_cell *v = NULL;
    struct buf sql;
    int rc;
    *out = NULL;
    *n = 0;
    buf_init(&sql, 0);
    if ((rc = fold(pg_of(s))) || (rc = stats_query_sql(q, true, &sql, &p)))
        goto out;
    for (int i = 0; i < p.n; i++)
        p_int(&a, p.v[i]);
    if ((rc = px(pg_of(s), sql.data, &a, &r, NULL)))
        goto out;
    int rows = PQntuples(r);
    if (rows > 0 && !(v = calloc((size_t)rows, sizeof *v))) {
        rc = -JS_ENOMEM;
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        v[i].key[0] = val_int(r, i, 0);
        val_copy(r, i, 1, v[i].name, sizeof v[i].name);
        v[i].key[1] = val_int(r, i, 2);
        v[i].n = val_int(r, i, 3);
    }
    *out = v;
    *n = rows;
out:
    PQclear(r);
    buf_release(&sql);
    return rc;
}
