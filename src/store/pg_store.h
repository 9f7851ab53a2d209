/* What the PostgreSQL backend's files share (store_pg.c and the pg_*.c files of its other
 * operations: knowledge base, hotspot warnings, reports, assessment): the handle, statement
 * parameters, running a statement inside the handle's transactions (each write in a savepoint of
 * its own), reading result values, and the search index's tsvector/tsquery text. Private to
 * src/store/. */
#ifndef JIESU_PG_STORE_H
#define JIESU_PG_STORE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "text/searchtext.h"
#include "util/buf.h"

/* The PostgreSQL handle (store_pg.c); a struct store * of this backend is one. */
struct pgs;
struct pgs *pg_of(struct store *s);
/* The handle's connection (borrowed), for what statements cannot do (COPY). */
PGconn *pg_conn(struct pgs *p);
/* Sends what the handle still owes the server (the releases and savepoint it sends lazily with
 * the next statement), so that the connection can be used directly (COPY). */
int pg_settle(struct pgs *p);
/* Writes rows into target ("table(col, ...)") with one COPY FROM STDIN, in the transaction
 * open (pg_copy.c). Values as load_rows takes them. */
int pg_copy_rows(struct pgs *p, const char *target, const struct store_row *rows, int n);

/* Parameters of one statement, as text (format 0) or bytes (format 1, bytea). At most PMAX - 1
 * are sent: a statement given more fails with -JS_EINTERNAL. */
#define PMAX 96
struct pp {
    const char *v[PMAX];
    int len[PMAX], fmt[PMAX];
    char num[PMAX][32];
    int n;
};
/* Appends a parameter: text (NULL: ""), SQL NULL, an integer, a real, text or NULL for "",
 * an id or NULL for 0, bytes (bytea). */
void p_text(struct pp *p, const char *s);
void p_null(struct pp *p);
void p_int(struct pp *p, int64_t i);
void p_real(struct pp *p, double d);
void p_text_or_null(struct pp *p, const char *s);
void p_id(struct pp *p, int64_t v);
void p_bytes(struct pp *p, const void *data, size_t n);

/* Maps a failed result to an error code by SQLSTATE (unique → exists, other integrity and the
 * append-only triggers → invalid, locks → busy). */
int pg_fail(struct pgs *p, const PGresult *r);
/* Runs a statement without parameters or rows (transaction control), unprepared. */
int exec0(struct pgs *p, const char *sql);
/* Whether a transaction this handle began is open. */
bool in_txn(struct pgs *p);

/* Runs sql with parameters a (NULL: none), prepared once per connection. *out (may be NULL)
 * gets the result of a query (PQclear it); *changes (may be NULL) the rows a command touched.
 * Returns 0 or a negative error code (unique: -JS_EEXISTS; other integrity and data errors and
 * the append-only triggers: -JS_EINVAL). */
int px(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes);
/* One write statement as an operation of its own (in a savepoint inside a transaction). */
int write1(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes);

/* A write of several statements: op_begin before the first (multi: outside a transaction they
 * run in one of their own), op_end(rc) after the last: inside a transaction a failure undoes
 * them alone and leaves the transaction usable. op_end returns the operation's result. */
struct opx {
    bool savepoint, own;
};
int op_begin(struct pgs *p, bool multi, struct opx *o);
int op_end(struct pgs *p, const struct opx *o, int rc);

/* Result values of row `row`, column `col`: an integer (0 for NULL), text copied into dst (n
 * bytes, cut to fit, "" for NULL), a malloc'd copy ("" for NULL), the index of a stored enum
 * name in names (-1: NULL or unknown). */
int64_t val_int(const PGresult *r, int row, int col);
void val_copy(const PGresult *r, int row, int col, char *dst, size_t n);
char *val_dup(const PGresult *r, int row, int col);
int val_enum(const PGresult *r, int row, int col, const char *const *names);
/* A bytea value copied into *data (free()), *n its size. */
int val_bytes(const PGresult *r, int row, int col, void **data, size_t *n);

/* A list limit: 50 for none, at most 500. */
int clamp_limit(int limit);

/* The search index's text (the tokens of text/searchtext.h): a tsvector literal of a token
 * stream, each token a lexeme at its position (appended to out); a lexeme in quotes; the
 * tsquery of one group of a parsed query (phrases, any alternative; "" when nothing
 * searchable). */
int tsvector_of(const char *tokens, struct buf *out);
int lexeme(struct buf *out, const char *s, size_t n);
int tsquery_group(const struct st_group *g, struct buf *out);

/* The issue-11 operations (pg_kb.c, pg_hotspot.c, pg_report.c); see struct store_ops. */
int pg_kb_put(struct store *s, struct kb_entry *k);
int pg_kb_get(struct store *s, int64_t id, struct kb_entry *out);
int pg_kb_list(struct store *s, const struct kb_query *q, struct kb_list *out, bool *more);
int pg_kb_use(struct store *s, int64_t id, int64_t order_id, int64_t at);
int pg_kb_stats(struct store *s, int64_t from, int64_t to, int64_t cutoff, store_kb_stats_cb cb,
                void *ctx);

int pg_hotspot_topic_put(struct store *s, struct hotspot_topic *t);
int pg_hotspot_topic_get(struct store *s, int64_t id, struct hotspot_topic *out);
int pg_hotspot_topic_list(struct store *s, struct hotspot_topic **out, int *n);
int pg_hotspot_topic_delete(struct store *s, int64_t id);
int pg_hotspot_warning_insert(struct store *s, struct hotspot_warning *w);
int pg_hotspot_warning_get(struct store *s, int64_t id, struct hotspot_warning *out);
int pg_hotspot_warning_list(struct store *s, const struct hotspot_warning_query *q,
                            struct hotspot_warning **out, int *n);
int pg_hotspot_warned_orders(struct store *s, int64_t topic_id, int rule, int64_t **ids, int *n);
int pg_hotspot_warning_state(struct store *s, int64_t id, int state, int64_t at);
int pg_hotspot_note_add(struct store *s, struct hotspot_note *n);
int pg_hotspot_note_list(struct store *s, int64_t warning_id, struct hotspot_note **out, int *n);

int pg_report_count(struct store *s, const struct report_filter *f, int dim1, int dim2,
                    struct report_cell **out, int *n);
int pg_report_event_counts(struct store *s, const struct report_filter *f,
                           int64_t counts[ACT__COUNT]);
int pg_report_order_ids(struct store *s, const struct report_filter *f, int64_t *ids, int max,
                        int *n);
/* The dashboard's counts (issue 16; pg_stats.c). */
int pg_stats_count(struct store *s, const struct stats_query *q, struct report_cell **out, int *n);
int pg_stats_fold(struct store *s);
int pg_report_put(struct store *s, struct report_rec *r, bool first_only);
int pg_report_get(struct store *s, int64_t id, struct report_rec *out);
int pg_report_list(struct store *s, const struct report_query *q, struct report_rec **out, int *n);

/* Copying between backends (pg_copy.c; see struct store_ops), and the rebuilds of the search
 * indexes load_finish runs, inside the caller's transaction: the orders' (store_pg.c) and the
 * published knowledge base's (pg_kb.c). */
int pg_dump_table(struct store *s, const char *name, store_row_cb cb, void *ctx);
int pg_load_rows(struct store *s, const char *name, const struct store_row *rows, int n);
int pg_load_finish(struct store *s);
int pg_read_snapshot(struct store *s, bool on);
int pg_search_reindex(struct store *s);
int pg_kb_reindex(struct store *s);

#endif
