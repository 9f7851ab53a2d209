/* The dashboard's figures (issue 16, migration 18), SQL shared by both backends: the table
 * order_stats holds, for each scope (0: the district; a unit id: the orders that unit holds or
 * held), dimension (enum stats_dim of store.h), local day and key, how many orders there are.
 * Triggers on orders and order_units keep it equal to what a GROUP BY over the orders would
 * give: each row change subtracts the old row's contributions and adds the new row's, so the
 * table is derived data (never copied; rebuilt by the migration's backfill).
 *
 * The contributions of one order row R: its channel (name), type, leaf category, region and
 * status on the day it was created; "reopened" (key 1) on that day when reopens > 0; its callback
 * satisfaction on the day it was closed when closed and rated. Every scope gets them: 0 and each
 * unit of order_units. The unit dimension (key = unit id, scope 0) comes from order_units. */
#ifndef JIESU_STATS_SQL_H
#define JIESU_STATS_SQL_H

/* SQL spelled by macros reads best one clause a line: */
/* clang-format off */

/* The local (UTC+8) day number of an instant column. */
#define JS_STATS_DAY(t) "((" t " + 28800) / 86400)"

/* The category of row R rolled up (the tree has three levels): ROOT, its level-1 ancestor; L2,
 * its level-2 ancestor, or the category itself when it is a root. 0 when uncategorised. A root's
 * parent_id is NULL. */
#define JS_STATS_CAT_ROOT \
    "CASE WHEN coalesce(c.parent_id, 0) = 0 THEN c.id" \
    " WHEN coalesce(p.parent_id, 0) = 0 THEN p.id ELSE p.parent_id END"
#define JS_STATS_CAT_L2 \
    "CASE WHEN coalesce(c.parent_id, 0) = 0 OR coalesce(p.parent_id, 0) = 0 THEN c.id" \
    " ELSE p.id END"
#define JS_STATS_CAT(R, WHICH) \
    "coalesce((SELECT " JS_STATS_CAT_##WHICH " FROM categories c LEFT JOIN categories p" \
    " ON p.id = c.parent_id WHERE c.id = " R ".category_id), 0)"

/* The leaf categories are counted twice: per day, and per block of JS_STATS_BLOCK days (day
 * numbers divided by it), stored with day = -1 - block, so that a long period reads its whole
 * blocks (a year: 22 rows a category instead of 365) and its days only at the two ends. Day
 * rows are >= 0, block rows < 0: a range of days never meets a block row. */
#define JS_STATS_BLOCK 16
#define JS_STATS_BLOCK_SQL "16"
#define JS_STATS_BLOCK_OF(t) "(-1 - " JS_STATS_DAY(t) " / " JS_STATS_BLOCK_SQL ")"

/* The contributions of row R (OLD, NEW, or o) as (u, dim, day, key, name) rows, u the scope
 * expression S; W starts each branch's FROM and condition (" WHERE " alone for a trigger row
 * in no FROM). The dims are enum stats_dim's numbers. */
#define JS_STATS_CONTRIB(S, R, W) \
    "SELECT " S " AS u, 0 AS dim, " JS_STATS_DAY(R ".created_at") " AS day, 0 AS key," \
    " " R ".channel AS name" W "1 = 1" \
    " UNION ALL SELECT " S ", 1, " JS_STATS_DAY(R ".created_at") ", " R ".type, ''" W "1 = 1" \
    " UNION ALL SELECT " S ", 2, " JS_STATS_DAY(R ".created_at") ", " R ".category_id, ''" W "1 = 1" \
    " UNION ALL SELECT " S ", 2, " JS_STATS_BLOCK_OF(R ".created_at") ", " R ".category_id, ''" \
    W "1 = 1" \
    " UNION ALL SELECT " S ", 3, " JS_STATS_DAY(R ".created_at") ", " R ".region_id, ''" W "1 = 1" \
    " UNION ALL SELECT " S ", 4, " JS_STATS_DAY(R ".created_at") ", " R ".status, ''" W "1 = 1" \
    " UNION ALL SELECT " S ", 6, " JS_STATS_DAY(R ".created_at") ", 1, ''" W R ".reopens > 0" \
    " UNION ALL SELECT " S ", 7, " JS_STATS_DAY(R ".closed_at") ", " R ".cb_satisfaction, ''" \
    W R ".closed_at > 0 AND " R ".cb_satisfaction > 0" \
    " UNION ALL SELECT " S ", 8, " JS_STATS_DAY(R ".created_at") ", " JS_STATS_CAT(R, ROOT) ", ''" \
    W "1 = 1" \
    " UNION ALL SELECT " S ", 9, " JS_STATS_DAY(R ".created_at") ", " JS_STATS_CAT(R, L2) ", ''" \
    W "1 = 1"

/* Upsert of signed counts into order_stats (SQLite and PostgreSQL spell it alike). */
#define JS_STATS_UPSERT \
    " ON CONFLICT (dim, scope, day, key, name) DO UPDATE SET n = order_stats.n + excluded.n"

/* Adds SIGN (+1/-1) times the contributions of orders row R (OLD or NEW of a trigger) in every
 * scope of it: the district and each unit of order_units; into table T with the clause U after
 * the rows (JS_STATS_UPSERT into order_stats; "" into PostgreSQL's order_stats_delta). */
#define JS_STATS_ROW_INTO(T, U, R, SIGN) \
    "INSERT INTO " T "(scope, dim, day, key, name, n)" \
    " SELECT c.u, c.dim, c.day, c.key, c.name, " SIGN " FROM (" \
    JS_STATS_CONTRIB("sc.u", R, " FROM (SELECT 0 AS u UNION ALL SELECT unit_id FROM order_units" \
                                " WHERE order_id = " R ".id) sc WHERE ") \
    ") c WHERE 1 = 1" U

/* Adds SIGN times the contributions of order_units row R: its order's in scope R.unit_id, and
 * the unit dimension (key: the unit) in scope 0; into T with U as above. */
#define JS_STATS_UNIT_INTO(T, U, R, SIGN) \
    "INSERT INTO " T "(scope, dim, day, key, name, n)" \
    " SELECT c.u, c.dim, c.day, c.key, c.name, " SIGN " FROM (" \
    JS_STATS_CONTRIB(R ".unit_id", "o", " FROM orders o WHERE o.id = " R ".order_id AND ") \
    " UNION ALL SELECT 0, 5, " JS_STATS_DAY("o.created_at") ", " R ".unit_id, ''" \
    " FROM orders o WHERE o.id = " R ".order_id) c WHERE 1 = 1" U

#define JS_STATS_ROW(R, SIGN)  JS_STATS_ROW_INTO("order_stats", JS_STATS_UPSERT, R, SIGN)
#define JS_STATS_UNIT(R, SIGN) JS_STATS_UNIT_INTO("order_stats", JS_STATS_UPSERT, R, SIGN)

/* The four statements of the triggers: an orders row (NEW) added or (OLD) taken away, an
 * order_units row (NEW) added or (OLD) taken away. */
#define JS_STATS_ADD_NEW      JS_STATS_ROW("NEW", "1")
#define JS_STATS_SUB_OLD      JS_STATS_ROW("OLD", "-1")
#define JS_STATS_UNIT_ADD_NEW JS_STATS_UNIT("NEW", "1")
#define JS_STATS_UNIT_SUB_OLD JS_STATS_UNIT("OLD", "-1")

/* PostgreSQL's triggers (migration 22): the same rows appended to order_stats_delta, which no
 * two transactions share, instead of added to the shared counters of order_stats (on a busy day
 * every intake adds to the same few rows, and each would hold them locked until it commits). */
#define JS_STATS_DELTA_ADD_NEW      JS_STATS_ROW_INTO("order_stats_delta", "", "NEW", "1")
#define JS_STATS_DELTA_SUB_OLD      JS_STATS_ROW_INTO("order_stats_delta", "", "OLD", "-1")
#define JS_STATS_DELTA_UNIT_ADD_NEW JS_STATS_UNIT_INTO("order_stats_delta", "", "NEW", "1")
#define JS_STATS_DELTA_UNIT_SUB_OLD JS_STATS_UNIT_INTO("order_stats_delta", "", "OLD", "-1")

/* Fields other than the status whose change moves an order's contributions. */
#define JS_STATS_MOVED \
    "OLD.channel != NEW.channel OR OLD.type != NEW.type" \
    " OR OLD.category_id != NEW.category_id OR OLD.region_id != NEW.region_id" \
    " OR OLD.created_at != NEW.created_at OR OLD.closed_at != NEW.closed_at" \
    " OR OLD.cb_satisfaction != NEW.cb_satisfaction OR (OLD.reopens > 0) != (NEW.reopens > 0)"

/* Fields whose change moves an order's contributions (the triggers of migrations 18 and 19). */
#define JS_STATS_CHANGED "OLD.status != NEW.status OR " JS_STATS_MOVED

/* A change of the status alone, which most lifecycle actions are (migration 21): only the
 * status dimension moves, from the old status's row to the new one's, in every scope of the
 * order. Subtracting and adding back the other dimensions, as JS_STATS_SUB_OLD and
 * JS_STATS_ADD_NEW do, comes to the same counts for about ten times the rows written. */
#define JS_STATS_STATUS_ONLY "OLD.status != NEW.status AND NOT (" JS_STATS_MOVED ")"
/* SIGN (+1/-1) in the status row KEY (OLD.status or NEW.status) of each scope of the order,
 * into T with the clause U after the rows, as JS_STATS_ROW_INTO. */
#define JS_STATS_STATUS_ONE_INTO(T, U, KEY, SIGN) \
    "INSERT INTO " T "(scope, dim, day, key, name, n)" \
    " SELECT sc.u, 4, " JS_STATS_DAY("NEW.created_at") ", " KEY ", '', " SIGN \
    " FROM (SELECT 0 AS u UNION ALL SELECT unit_id FROM order_units WHERE order_id = NEW.id) sc" \
    " WHERE 1 = 1" U
#define JS_STATS_STATUS_INTO(T, U) \
    JS_STATS_STATUS_ONE_INTO(T, U, "OLD.status", "-1") "; " \
    JS_STATS_STATUS_ONE_INTO(T, U, "NEW.status", "1")
#define JS_STATS_STATUS       JS_STATS_STATUS_INTO("order_stats", JS_STATS_UPSERT)
#define JS_STATS_DELTA_STATUS JS_STATS_STATUS_INTO("order_stats_delta", "")

/* The backfill of an existing database: every order's contributions in the district scope, every
 * (order, unit) pair's in the unit's scope, and the unit dimension, grouped. */
#define JS_STATS_BACKFILL \
    "INSERT INTO order_stats(scope, dim, day, key, name, n)" \
    " SELECT c.u, c.dim, c.day, c.key, c.name, count(*) FROM (" \
    JS_STATS_CONTRIB("0", "o", " FROM orders o WHERE ") \
    ") c GROUP BY c.u, c.dim, c.day, c.key, c.name;" \
    "INSERT INTO order_stats(scope, dim, day, key, name, n)" \
    " SELECT c.u, c.dim, c.day, c.key, c.name, count(*) FROM (" \
    JS_STATS_CONTRIB("ou.unit_id", "o", " FROM orders o JOIN order_units ou ON ou.order_id = o.id WHERE ") \
    ") c GROUP BY c.u, c.dim, c.day, c.key, c.name;" \
    "INSERT INTO order_stats(scope, dim, day, key, name, n)" \
    " SELECT 0, 5, " JS_STATS_DAY("o.created_at") ", ou.unit_id, '', count(*)" \
    " FROM order_units ou JOIN orders o ON o.id = ou.order_id" \
    " GROUP BY " JS_STATS_DAY("o.created_at") ", ou.unit_id;"

/* clang-format on */

#endif
