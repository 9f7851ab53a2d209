/* Row helpers shared by the store's backends (store_sqlite.c, store_pg.c): the table of order
 * columns, the exact search keys of an order, the note tokens of an event, attachment
 * references in an order's attachment list, and list cursors. Private to src/store/. */
#ifndef JIESU_STORE_ROWS_H
#define JIESU_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

enum col_type { COL_INT, COL_BOOL, COL_REAL, COL_TEXT, COL_UNIQUE_TEXT, COL_JSON };

/* One column of the orders table per key of order_to_json; id first. */
struct store_order_col {
    const char *name;
    enum col_type type;
};
extern const struct store_order_col store_order_cols[];
extern const int store_n_order_cols;
#define STORE_MAX_ORDER_COLS 128 /* room for the columns (store_check_order_cols checks it) */

/* The order's field that column i holds (store_check_order_cols makes sure each has one of a
 * kind the column can hold), or NULL past the table. */
const struct order_field *store_order_col_field(int i);
/* Checks that the column table covers exactly the keys of order_to_json (fills e). */
int store_check_order_cols(struct js_error *e);
/* -JS_EINVAL when o has too many units or two assignments of one unit, else 0. */
int store_units_check(const struct order *o);
/* The assignment of unit_id in o, or NULL. */
const struct assignment *store_unit_of(const struct order *o, int64_t unit_id);
/* Whether assignment y of order b has the same order_units row as x of order a (NULL: none):
 * the same unit, role and state, and the same creation time of the order. */
bool store_unit_row_same(const struct order *a, const struct assignment *x, const struct order *b,
                         const struct assignment *y);
/* Whether the order_units rows of a and b differ: which units hold the order, their roles,
 * whether each is active, and the order's creation time the rows carry. An assignment's times
 * and returns are not in them. */
bool store_unit_rows_differ(const struct order *a, const struct order *b);

struct store;

/* store_ops.text_warm of both backends: memoises the tokens of texts for this thread, where
 * store_tokens_of finds them (store/store.h). */
int store_text_warm(struct store *s, const char *const *texts, int n);
/* Appends the search index tokens of each non-empty part to out (out is "" when none). */
int store_tokens_of(const char *const *parts, int n, struct buf *out);
/* The memo of this thread (NULL: none yet), for a thread that runs another's transaction. */
void *store_memo_mine(void);
/* Makes memo (a store_memo_mine of a thread that waits meanwhile) this thread's memo and returns
 * the one it replaces, to be put back the same way. */
void *store_memo_use(void *memo);

/* store_ops.txn_run as begin, fn, commit (or rollback when fn fails) on s: PostgreSQL's, and
 * SQLite's when no group writer takes it. */
int store_txn_run_plain(struct store *s, int (*fn)(struct store *s, void *arg), void *arg);

/* The exact keys of an order (migration 8's order_keys): the upstream id (lower-case letters and
 * digits) and the phone digits reversed, so that a tail is a prefix; the folded citizen name as
 * written. Empty strings: no key. The number has no key since migration 22: it is looked up in
 * orders.number, its tail through the day's sequence (store_number_tails). */
struct store_okeys {
    char upstream[72], phone[40], name[128];
};
void store_okeys_of(const struct order *o, struct store_okeys *k);
/* s reversed into out (size bytes, cut to fit). */
void store_reverse(const char *s, char *out, size_t size);
/* An upstream id folded to lower-case letters and digits, then reversed. */
void store_upstream_key(const char *s, char *out, size_t size);

/* Appends the index tokens of the free text a person wrote on ev (its notes) to out. */
int store_notes_of(const struct event *ev, struct buf *out);

/* The next file id (32 hex) an attachment list refers to (/api/v1/files/ID), from *p on:
 * true and *p advanced, or false at the end. */
bool store_file_ref_next(const char **p, char id[33]);

/* The sort key of SORT_DEADLINE_ASC: orders without a deadline (0) come last. The query must
 * spell it exactly like the expression index of the schema for SQLite to use that index. */
#define JS_SQL_DEADLINE_KEY "(CASE WHEN deadline > 0 THEN deadline ELSE 9223372036854775807 END)"

/* The orders that can be overdue: a deadline, a unit holding it (dispatched 5, handling 8,
 * returned 6) and no approved hanging account (hang 2). The partial indexes of migration 14 and
 * the overdue filter spell it exactly alike, so that SQLite can use them (the numbers are
 * checked against enum order_status where the filter is built); _OF(P) prefixes each column
 * with P, for a query that names the table (stats_query.c). */
#define JS_SQL_OVERDUE_OPEN_OF(P) P "deadline > 0 AND " P "status IN (5, 8, 6) AND " P "hang != 2"
#define JS_SQL_OVERDUE_OPEN       JS_SQL_OVERDUE_OPEN_OF("")
/* The same condition as SQLite's partial indexes spell it since migration 21: SQLite evaluates
 * an index's condition for the old and the new row of every write, and codes an IN list of
 * three or more values as a temporary table built each time (4 % of a lifecycle action's
 * instructions); equalities joined by OR cost nothing of the kind. PostgreSQL keeps IN. */
#define JS_SQLITE_OVERDUE_OPEN_OF(P)                                                               \
    P "deadline > 0 AND (" P "status = 5 OR " P "status = 8 OR " P "status = 6)"                   \
      " AND " P "hang != 2"
#define JS_SQLITE_OVERDUE_OPEN JS_SQLITE_OVERDUE_OPEN_OF("")

/* The sorts of a list (enum order_sort), in the same SQL on both backends: the key, the
 * direction, and the comparison that selects the rows after a cursor. */
struct store_sort {
    const char *key, *dir, *after;
};
extern const struct store_sort store_sorts[SORT__COUNT];

/* Checks the fields of a list query (limit, sort, statuses, type, level, overdue) and parses
 * its cursor, if any, into *ckey and *cid: -JS_EINVAL for anything out of range. */
int store_query_check(const struct order_query *q, int64_t *ckey, int64_t *cid);

/* List cursors "<sort>.<key>.<id>": parse (-JS_EINVAL if malformed or of another sort) and the
 * key of an order for a sort (enum order_sort). */
int store_cursor_parse(const char *c, int sort, int64_t *key, int64_t *id);
int64_t store_sort_key(int sort, const struct order *o);
/* Sorts n orders by the key of sort (enum order_sort), then id, in the sort's direction: the
 * order of a list page read by ids (issue 13: the page is chosen by index, then read). Returns
 * 0, or -JS_ENOMEM with v as it was. */
int store_sort_orders(struct order *v, int n, int sort);

/* The statuses whose orders are in the units' current work (dispatched to handled and called
 * back): their number is bounded by the workload, not by history, so a list of them may be
 * walked by status even for one unit (issue 13). */
bool store_status_in_work(int status);
/* The deepest page order_search serves (offset + limit). */
#define SEARCH_MAX_OFFSET 5000

/* The hits of one order_search being gathered: at most want, no order twice. */
struct store_hits {
    struct search_hit *v;
    int n, want;
};
/* Adds order id as a hit of kind unless it is there already or h is full; true if added. */
bool store_hits_add(struct store_hits *h, int64_t id, int kind, bool exact);

/* What a backend does for order_search; store_search_run drives it through the kinds in the
 * order of relevance (struct search_query of store.h). Each returns 0 or a negative code. */
struct store_search_backend {
    /* the id of the first order created at or after since, INT64_MAX when none */
    int (*since_id)(void *ctx, int64_t since, int64_t *id);
    /* adds the orders whose key of kind_letter ('u' upstream, 'p' phone reversed,
     * 'c' citizen name) is key (whole) or begins with it and is longer, newest first, as one
     * walk of order_keys' primary key (kind, key, order_id) that stops at h's page */
    int (*keys)(void *ctx, const struct search_query *sq, int64_t since_id, const char *kind_letter,
                const char *key, bool whole, int kind, struct store_hits *h);
    /* adds the orders whose number is one of numbers (a JSON array of strings), newest first */
    int (*numbers)(void *ctx, const struct search_query *sq, int64_t since_id, const char *numbers,
                   bool whole, struct store_hits *h);
    /* the order-number sequences of the days before before (YYYYMMDD; "": every day) whose last
     * sequence taken is at least min_last, newest first, at most max: day[i] (YYYYMMDD) and
     * last[i], its last sequence; *n set */
    int (*days)(void *ctx, const char *before, int64_t min_last, int max, char (*day)[9],
                int64_t *last, int *n);
    /* adds the orders matching sq->text: title matches first (unless newest_only), newest
     * first in each tier */
    int (*text)(void *ctx, const struct search_query *sq, int64_t since_id, struct store_hits *h);
};
/* Calls add(ctx, number) for each number the engine may have given on day (YYYYMMDD) whose
 * sequence ended at last (seqs' "order:YYYYMMDD"; the number is the day and the sequence, five
 * digits, six or seven past 99,999) that ends with tail (digits) and is longer than it, highest
 * sequence first. Stops at add's first non-zero return and returns it, else 0. */
int store_number_tails(const char *day, int64_t last, const char *tail,
                       int (*add)(void *ctx, const char *number), void *ctx);

/* store_ops.order_search over a backend: checks sq's limits, gathers the hits of each kind and
 * returns the page sq asks for. */
int store_search_run(const struct store_search_backend *b, void *ctx, const struct search_query *sq,
                     struct search_hit *out, int *n, bool *more);

/* Room for the longest cursor. */
#define STORE_CURSOR_MIN_SIZE 48

#endif
