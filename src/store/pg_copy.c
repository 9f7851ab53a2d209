/* Copying a database between backends, PostgreSQL side (store.h: dump_table, load_rows,
 * load_finish): the tables of store_tables as rows of typed values, in and out; afterwards every
 * identity column's sequence is set past the greatest id copied. */
#include "compat.h"
#include "store/pg_store.h"

#include <stdlib.h>
#include <string.h>

/* Type oids of the values this schema stores (catalog/pg_type.h). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701
};

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

/* Hands every row of r to cb as typed values; v, cols and bytes have room for its columns. */
static int rows_out(const PGresult *r, struct store_value *v, const char **cols, void **bytes,
                    store_row_cb cb, void *ctx)
{
    int n = PQnfields(r), rc = 0;
    for (int i = 0; i < n; i++)
        cols[i] = PQfname(r, i);
    for (int row = 0; !rc && row < PQntuples(r); row++) {
        for (int i = 0; i < n && !rc; i++) {
            memset(&v[i], 0, sizeof v[i]);
            if (PQgetisnull(r, row, i))
                continue; /* SV_NULL */
            const char *x = PQgetvalue(r, row, i);
            switch ((int)PQftype(r, i)) {
            case OID_BOOL:
                v[i].type = SV_INT;
                v[i].i = x[0] == 't';
                break;
            case OID_INT2:
            case OID_INT4:
            case OID_INT8:
                v[i].type = SV_INT;
                v[i].i = strtoll(x, NULL, 10);
                break;
            case OID_FLOAT4:
            case OID_FLOAT8:
                v[i].type = SV_REAL;
                v[i].d = strtod(x, NULL);
                break;
            case OID_BYTEA:
                v[i].type = SV_BLOB;
                free(bytes[i]);
                bytes[i] = NULL;
                rc = val_bytes(r, row, i, &bytes[i], &v[i].n);
                v[i].p = bytes[i];
                break;
            default:
                v[i].type = SV_TEXT;
                v[i].p = x;
                v[i].n = (size_t)PQgetlength(r, row, i);
            }
        }
        if (!rc) {
            struct store_row one = {n, cols, v};
            rc = cb(ctx, &one);
        }
    }
    return rc;
}

/* The rows are read through a cursor, DUMP_PAGE at a time, so that a table of millions of rows
 * never sits in memory whole; inside the caller's transaction (a snapshot) or one of its own. */
#define DUMP_PAGE   5000
#define DUMP_PAGE_S "5000"

int pg_dump_table(struct store *s, const char *name, store_row_cb cb, void *ctx)
{
    struct pgs *p = pg_of(s);
    const struct store_table *t = store_table_find(name);
    PGresult *r = NULL;
    struct store_value *v = NULL;
    const char **cols = NULL;
    void **bytes = NULL;
    struct buf sql;
    buf_init(&sql, 0);
    int rc = 0, n = 0;
    bool own = false, declared = false;
    if (!t)
        return -JS_EINVAL;
    if (buf_printf(&sql, "DECLARE jiesu_dump NO SCROLL CURSOR FOR SELECT * FROM %s ORDER BY %s",
                   t->name, t->rowid ? "id" : t->order_by)) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if (!in_txn(p)) {
        if ((rc = exec0(p, "BEGIN")))
            goto out;
        own = true;
    }
    if ((rc = exec0(p, sql.data)))
        goto out;
    declared = true;
    do {
        PQclear(r);
        r = NULL;
        if ((rc = pg_settle(p)))
            break;
        r = PQexec(pg_conn(p), "FETCH " DUMP_PAGE_S " FROM jiesu_dump");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = pg_fail(p, r);
            break;
        }
        if (!v) {
            n = PQnfields(r);
            v = calloc((size_t)n + 1, sizeof *v);
            cols = calloc((size_t)n + 1, sizeof *cols);
            bytes = calloc((size_t)n + 1, sizeof *bytes);
            if (!v || !cols || !bytes) {
                rc = -JS_ENOMEM;
                break;
            }
        }
        rc = rows_out(r, v, cols, bytes, cb, ctx);
    } while (!rc && PQntuples(r) == DUMP_PAGE);
out:
    if (declared) { /* fails in an aborted transaction, which its owner ends anyway */
        int e = exec0(p, "CLOSE jiesu_dump");
        if (!rc)
            rc = e;
    }
    if (own) {
        int e = exec0(p, rc ? "ROLLBACK" : "COMMIT");
        if (!rc)
            rc = e;
    }
    if (bytes)
        for (int i = 0; i < n; i++)
            free(bytes[i]);
    free(bytes);
    free(v);
    free(cols);
    PQclear(r);
    buf_release(&sql);
    return rc;
}

/* Appends v to a COPY text-format line: \N for NULL, text with backslash, tab, newline and
 * carriage return escaped, bytes as bytea hex (its backslash escaped for COPY). */
static int copy_value(struct buf *b, const struct store_value *v)
{
    static const char hex[] = "0123456789abcdef";
    int rc = 0;
    switch (v->type) {
    case SV_INT:
        return buf_printf(b, "%lld", (long long)v->i) ? -JS_ENOMEM : 0;
    case SV_REAL:
        return buf_printf(b, "%.17g", v->d) ? -JS_ENOMEM : 0;
    case SV_TEXT:
        for (size_t i = 0; i < v->n && !rc; i++) {
            char c = v->p[i];
            const char *esc = c == '\\'   ? "\\\\"
                              : c == '\t' ? "\\t"
                              : c == '\n' ? "\\n"
                              : c == '\r' ? "\\r"
                                          : NULL;
            rc = esc ? buf_puts(b, esc) : buf_append(b, &c, 1);
        }
        return rc ? -JS_ENOMEM : 0;
    case SV_BLOB:
        rc = buf_puts(b, "\\\\x");
        for (size_t i = 0; i < v->n && !rc; i++) {
            unsigned char c = (unsigned char)v->p[i];
            char two[2] = {hex[c >> 4], hex[c & 15]};
            rc = buf_append(b, two, 2);
        }
        return rc ? -JS_ENOMEM : 0;
    default:
        return buf_puts(b, "\\N") ? -JS_ENOMEM : 0;
    }
}

int pg_copy_rows(struct pgs *p, const char *target, const struct store_row *rows, int n)
{
    PGconn *c = pg_conn(p);
    struct buf sql, line;
    buf_init(&sql, 0);
    buf_init(&line, 0);
    int rc = pg_settle(p);
    if (rc || n <= 0)
        goto out;
    int nc = rows[0].n;
    if (buf_printf(&sql, "COPY %s FROM STDIN", target)) {
        rc = -JS_ENOMEM;
        goto out;
    }
    PGresult *r = PQexec(c, sql.data);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = pg_fail(p, r);
        PQclear(r);
        goto out;
    }
    PQclear(r);
    for (int k = 0; k < n && !rc; k++) {
        if (rows[k].n != nc) {
            rc = -JS_EINVAL;
            break;
        }
        for (int i = 0; i < nc && !rc; i++) {
            if (i && buf_append(&line, "\t", 1))
                rc = -JS_ENOMEM;
            else
                rc = copy_value(&line, &rows[k].v[i]);
        }
        if (!rc && buf_append(&line, "\n", 1))
            rc = -JS_ENOMEM;
        if (!rc && (line.len >= 1 << 20 || k == n - 1)) {
            if (PQputCopyData(c, line.data, (int)line.len) != 1)
                rc = -JS_EDB;
            line.len = 0;
        }
    }
    if (PQputCopyEnd(c, rc ? "jiesu: the rows could not be sent" : NULL) != 1 && !rc)
        rc = -JS_EDB;
    while ((r = PQgetResult(c))) {
        if (!rc && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(p, r);
        PQclear(r);
    }
out:
    buf_release(&line);
    buf_release(&sql);
    return rc;
}

/* The rows go in one COPY inside a transaction of their own: one round trip for the batch
 * instead of one per row. */
int pg_load_rows(struct store *s, const char *name, const struct store_row *rows, int n)
{
    struct pgs *p = pg_of(s);
    const struct store_table *t = store_table_find(name);
    struct buf target;
    buf_init(&target, 0);
    int rc = 0;
    if (!t || n < 0)
        return -JS_EINVAL;
    if (n == 0)
        return 0;
    rc = buf_printf(&target, "%s(", t->name) ? -JS_ENOMEM : 0;
    for (int i = 0; i < rows[0].n && !rc; i++) {
        if (!plain_name(rows[0].cols[i]))
            rc = -JS_EINVAL;
        else if (buf_printf(&target, "%s%s", i ? ", " : "", rows[0].cols[i]))
            rc = -JS_ENOMEM;
    }
    if (!rc && buf_puts(&target, ")"))
        rc = -JS_ENOMEM;
    if (rc || (rc = exec0(p, "BEGIN")))
        goto out;
    rc = pg_copy_rows(p, target.data, rows, n);
    int e = exec0(p, rc ? "ROLLBACK" : "COMMIT");
    if (!rc)
        rc = e;
out:
    buf_release(&target);
    return rc;
}

/* Sets the sequence of every identity (or serial) column of the schema past the column's
 * greatest value (at 1 for an empty table, as a fresh one). */
static int sequences_reset(struct pgs *p)
{
    PGresult *r = NULL;
    struct buf sql;
    buf_init(&sql, 0);
    int rc = px(p,
                "SELECT table_name::text, column_name::text FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
                " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')"
                " ORDER BY table_name, column_name",
                NULL, &r, NULL);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        const char *t = PQgetvalue(r, i, 0), *c = PQgetvalue(r, i, 1);
        if (!plain_name(t) || !plain_name(c))
            continue;
        sql.len = 0;
        if (buf_printf(&sql,
                       "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                       " COALESCE((SELECT max(%s) FROM %s), 1),"
                       " (SELECT max(%s) FROM %s) IS NOT NULL)",
                       t, c, c, t, c, t)) {
            rc = -JS_ENOMEM;
            break;
        }
        rc = px(p, sql.data, NULL, NULL, NULL);
    }
    PQclear(r);
    buf_release(&sql);
    return rc;
}

int pg_load_finish(struct store *s)
{
    struct pgs *p = pg_of(s);
    int rc = exec0(p, "BEGIN");
    if (rc)
        return rc;
    rc = sequences_reset(p);
    if (!rc)
        rc = pg_search_reindex(s);
    if (!rc)
        rc = pg_kb_reindex(s);
    int e = exec0(p, rc ? "ROLLBACK" : "COMMIT");
    return rc ? rc : e;
}

int pg_read_snapshot(struct store *s, bool on)
{
    struct pgs *p = pg_of(s);
    if (!on)
        return exec0(p, "COMMIT");
    int rc = exec0(p, "BEGIN");
    if (!rc && (rc = exec0(p, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")))
        exec0(p, "ROLLBACK");
    return rc;
}
