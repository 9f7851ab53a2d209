/* The SQL of the dashboard's counts (struct stats_query of store.h), built once for both
 * backends. Private to src/store/. */
#ifndef JIESU_STATS_QUERY_H
#define JIESU_STATS_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

/* The statement's integer parameters, in order. */
struct stats_params {
    int n;
    int64_t v[12];
};

/* Appends to sql the SELECT for q; its result rows are (key, name, day, count), in key, name,
 * day order; its parameters go to p. pg: PostgreSQL's dialect ($n placeholders, no index
 * hints), else SQLite's (? placeholders, the overdue count's index named). Returns 0,
 * -JS_EINVAL for a dim out of range, -JS_ENOMEM. */
int stats_query_sql(const struct stats_query *q, bool pg, struct buf *sql, struct stats_params *p);

#endif
