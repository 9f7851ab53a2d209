/* The PostgreSQL backend's helpers shared by its files (store_pg.c and the files of its other
 * operations, e.g. pg_assess.c): statement parameters, running a statement on the handle's
 * connection (prepared once, savepoints sent along), reading values. Private to src/store/. */
#ifndef JIESU_PG_PRIVATE_H
#define JIESU_PG_PRIVATE_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pgs; /* a PostgreSQL store handle: its struct store is its first member */

/* Parameters of one statement, as text (format 0) or bytes (format 1, bytea). */
#define PMAX 96
struct pp {
    const char *v[PMAX];
    int len[PMAX], fmt[PMAX];
    char num[PMAX][32];
    int n;
};
/* Append one parameter: text, NULL, an integer, a real, text or NULL for "", an id or NULL for
 * 0, bytes. */
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
/* Runs sql with parameters a (NULL: none); *out (may be NULL) gets a query's result (PQclear),
 * *changes (may be NULL) the rows a command touched. */
int px(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes);
/* Runs a statement without parameters or rows (transaction control), unprepared. */
int exec0(struct pgs *p, const char *sql);
/* Whether a transaction this handle began is open. */
bool in_txn(struct pgs *p);

/* Values of a result: an integer (0 for NULL), text copied into dst (n bytes, cut to fit),
 * text duplicated (free(); "" for NULL), bytea copied into *data (free()). */
int64_t val_int(const PGresult *r, int row, int col);
void val_copy(const PGresult *r, int row, int col, char *dst, size_t n);
char *val_dup(const PGresult *r, int row, int col);
int val_bytes(const PGresult *r, int row, int col, void **data, size_t *n);

/* A write of one or more statements: inside a transaction it runs in a savepoint (a failure
 * undoes it alone and leaves the transaction usable); outside, several statements (multi) run in
 * a transaction of their own and one statement alone. op_end returns rc, or the commit's error. */
struct opx {
    bool savepoint, own;
};
int op_begin(struct pgs *p, bool multi, struct opx *o);
int op_end(struct pgs *p, const struct opx *o, int rc);
/* One write statement as an operation of its own (op_begin, px, op_end). */
int write1(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes);

#endif
