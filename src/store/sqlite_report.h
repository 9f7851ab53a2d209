/* The SQLite backend's report operations (sqlite_report.c): the store_ops entries of issue 11
 * and the SQL of their migration step. Private to src/store/. */
#ifndef JIESU_SQLITE_REPORT_H
#define JIESU_SQLITE_REPORT_H

#include "store/store.h"

/* Migration 12: the table of issued reports, append-only. */
extern const char sqlite_report_schema_sql[];

/* The store_ops entries (see struct store_ops for what each does). */
int sqlite_report_count(struct store *s, const struct report_filter *f, int dim1, int dim2,
                        struct report_cell **out, int *n);
int sqlite_report_event_counts(struct store *s, const struct report_filter *f,
                               int64_t counts[ACT__COUNT]);
int sqlite_report_order_ids(struct store *s, const struct report_filter *f, int64_t *ids, int max,
                            int *n);
/* The dashboard's counts (issue 16; sqlite_stats.c). */
int sqlite_stats_count(struct store *s, const struct stats_query *q, struct report_cell **out,
                       int *n);
int sqlite_report_put(struct store *s, struct report_rec *r, bool first_only);
int sqlite_report_get(struct store *s, int64_t id, struct report_rec *out);
int sqlite_report_list(struct store *s, const struct report_query *q, struct report_rec **out,
                       int *n);

#endif
