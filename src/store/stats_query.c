/* The SQL of the dashboard's counts, one builder for both backends (their dialects differ in
 * the placeholders and in SQLite's index hint). */
#include "compat.h"
#include "store/stats_query.h"

#include "store/rows.h"
#include "store/stats_sql.h"

static int param(struct buf *sql, bool pg, struct stats_params *p, int64_t v)
{
    if (p->n >= (int)JS_ARRAY_LEN(p->v))
        return -JS_EINVAL;
    p->v[p->n++] = v;
    return pg ? buf_printf(sql, "$%d", p->n) : buf_puts(sql, "?");
}

/* A local day number's first instant (UTC+8). */
static int64_t day_start(int64_t day)
{
    return day * 86400 - 8 * 3600;
}

int stats_query_sql(const struct stats_query *q, bool pg, struct buf *sql, struct stats_params *p)
{
    int rc = 0;
    p->n = 0;
    if (q->dim < 0 || q->dim >= SDIM__COUNT)
        return -JS_EINVAL;
    int64_t to_day = q->to_day > 0 ? q->to_day : INT64_MAX / 86400 - 1;
    if (q->overdue_at > 0) {
        /* the overdue orders, as the list's overdue filter, over its partial index: SQLite is
         * told so (INDEXED BY, as the list is), since left to its statistics it took
         * (status, created_at) and read every open order's row, 75 ms at 1,000,000 orders
         * against 18 ms */
        bool by_unit = q->dim == SDIM_UNIT;
        rc |= buf_puts(sql, by_unit ? "SELECT ou.unit_id, '', 0, count(*) FROM orders o"
                                    : "SELECT 0, '', 0, count(*) FROM orders o");
        rc |= buf_puts(sql, pg ? "" : " INDEXED BY orders_overdue_created");
        rc |= buf_puts(sql, by_unit ? " JOIN order_units ou ON ou.order_id = o.id" : "");
        /* the partial index's condition as each backend spells it (rows.h) */
        rc |= buf_puts(sql, pg ? " WHERE " JS_SQL_OVERDUE_OPEN_OF("o.")
                               : " WHERE " JS_SQLITE_OVERDUE_OPEN_OF("o."));
        rc |= buf_puts(sql, " AND o.deadline < ");
        rc |= param(sql, pg, p, q->overdue_at);
        rc |= buf_puts(sql, " AND o.created_at >= ");
        rc |= param(sql, pg, p, day_start(q->from_day));
        rc |= buf_puts(sql, " AND o.created_at < ");
        rc |= param(sql, pg, p, q->to_day > 0 ? day_start(q->to_day) : INT64_MAX);
        if (q->unit_id && by_unit) {
            rc |= buf_puts(sql, " AND ou.unit_id = ");
            rc |= param(sql, pg, p, q->unit_id);
        } else if (q->unit_id) {
            rc |= buf_puts(sql, " AND o.id IN (SELECT order_id FROM order_units WHERE unit_id = ");
            rc |= param(sql, pg, p, q->unit_id);
            rc |= buf_puts(sql, ")");
        }
        rc |= buf_puts(sql, by_unit ? " GROUP BY ou.unit_id ORDER BY 1" : "");
        return rc ? -JS_ENOMEM : 0;
    }
    /* the unit dimension lives in the district's scope, its key the unit */
    bool unit_dim = q->dim == SDIM_UNIT;
    if (q->each_unit && unit_dim)
        return -JS_EINVAL;
    const char *col2 = q->each_unit ? "scope" : q->per_day ? "day" : "0";
    rc |= buf_printf(sql, "SELECT key, name, %s, sum(n) FROM order_stats WHERE dim = ", col2);
    rc |= param(sql, pg, p, q->dim);
    if (q->each_unit) {
        rc |= buf_puts(sql, " AND scope > 0");
    } else {
        rc |= buf_puts(sql, " AND scope = ");
        rc |= param(sql, pg, p, unit_dim ? 0 : q->unit_id);
    }
    /* day rows are >= 0; the leaf categories' block rows (< 0) serve the whole blocks of a
     * period counted per key */
    int64_t from = q->from_day > 0 ? q->from_day : 0;
    int64_t b1 = (from + JS_STATS_BLOCK - 1) / JS_STATS_BLOCK, b2 = to_day / JS_STATS_BLOCK;
    if (q->dim == SDIM_CATEGORY && !q->per_day && b2 > b1) {
        rc |= buf_puts(sql, " AND ((day >= ");
        rc |= param(sql, pg, p, from);
        rc |= buf_puts(sql, " AND day < ");
        rc |= param(sql, pg, p, b1 * JS_STATS_BLOCK);
        rc |= buf_puts(sql, ") OR (day >= ");
        rc |= param(sql, pg, p, b2 * JS_STATS_BLOCK);
        rc |= buf_puts(sql, " AND day < ");
        rc |= param(sql, pg, p, to_day);
        rc |= buf_puts(sql, ") OR (day >= ");
        rc |= param(sql, pg, p, -b2);
        rc |= buf_puts(sql, " AND day < ");
        rc |= param(sql, pg, p, -b1);
        rc |= buf_puts(sql, "))");
    } else {
        rc |= buf_puts(sql, " AND day >= ");
        rc |= param(sql, pg, p, from);
        rc |= buf_puts(sql, " AND day < ");
        rc |= param(sql, pg, p, to_day);
    }
    if (unit_dim && q->unit_id) {
        rc |= buf_puts(sql, " AND key = ");
        rc |= param(sql, pg, p, q->unit_id);
    }
    rc |= buf_printf(sql, " GROUP BY key, name%s%s HAVING sum(n) != 0 ORDER BY 1, 2%s",
                     q->each_unit || q->per_day ? ", " : "", q->each_unit || q->per_day ? col2 : "",
                     q->each_unit || q->per_day ? ", 3" : "");
    return rc ? -JS_ENOMEM : 0;
}
