/* The PostgreSQL backend of the store (libpq): one connection per handle, every statement
 * prepared once per connection, the same tables and columns as the SQLite backend (pg_schema.c)
 * and the same behaviour for every operation: error codes, cursors, sort orders and limits.
 *
 * Transactions: store_begin opens a READ COMMITTED transaction; optimistic version checks,
 * unique keys and row locks (outbox leases: FOR UPDATE SKIP LOCKED) give what SQLite's single
 * writer gave. A failed statement aborts a PostgreSQL transaction, where SQLite only undoes the
 * statement: every write inside a transaction therefore runs in a savepoint of its own, so that
 * a refused write (-JS_EEXISTS, -JS_EINVAL) leaves the transaction usable, as on SQLite. */
#include "compat.h"
#include "store/store.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/pg_assess.h"
#include "store/pg_coord.h"
#include "store/pg_schema.h"
#include "store/pg_store.h"
#include "store/rows.h"
#include "text/fold.h"
#include "text/searchtext.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/utf8.h"

/* ---------------------------------------------------------------------------------------------
 * The handle, prepared statements and parameters
 * ------------------------------------------------------------------------------------------- */

#define PREP_MAX 512 /* statements prepared per connection; more run unprepared */

struct prep {
    uint64_t hash;
    char *sql;
};

struct pgs {
    struct store base; /* first, so that a struct store * is a struct pgs * */
    PGconn *c;
    struct prep prep[PREP_MAX];
    int n_prep;
    char *order_select, *order_by_id, *order_by_number, *order_page, *order_insert, *order_update;
    char *order_insert_id; /* the insert with its id given (order_id_take) */
    int64_t memo_since, memo_since_id;
    bool hold, held; /* deferred commit, as in store_sqlite.c */
    int depth;
    bool tx; /* a transaction this handle began (BEGIN) has not ended (COMMIT/ROLLBACK) */
    /* The savepoint of an operation inside a transaction is sent with the operation's first
     * statement, and its release with the next statement (one round trip instead of three):
     * sp_pending, a SAVEPOINT store_op still to send; owed, RELEASE store_op still to send. */
    bool sp_pending;
    int owed;
    bool bulk;    /* set_bulk(true): asynchronous commits, set again after a reconnection */
    char *url;    /* the connection string, for the counters' connection */
    PGconn *seqc; /* the counters' own connection (seq_take in a transaction), NULL until used */
    int64_t lease_seconds; /* of this handle's last outbox claim: what a renewal extends by */
};

int pg_settle(struct pgs *p)
{
    return p->owed || p->sp_pending ? px(p, "SELECT 1", NULL, NULL, NULL) : 0;
}

PGconn *pg_conn(struct pgs *p)
{
    return p->c;
}

struct pgs *pg_of(struct store *s)
{
    return (struct pgs *)s;
}

void p_text(struct pp *p, const char *s)
{
    if (p->n >= PMAX)
        return;
    p->v[p->n] = s ? s : "";
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

void p_null(struct pp *p)
{
    if (p->n >= PMAX)
        return;
    p->v[p->n] = NULL;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

void p_int(struct pp *p, int64_t i)
{
    if (p->n >= PMAX)
        return;
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)i);
    p_text(p, p->num[p->n]);
}

void p_real(struct pp *p, double d)
{
    if (p->n >= PMAX)
        return;
    snprintf(p->num[p->n], sizeof p->num[p->n], "%.17g", d);
    p_text(p, p->num[p->n]);
}

/* NULL for "": unique text columns, where blanks must not collide. */
void p_text_or_null(struct pp *p, const char *s)
{
    if (s && s[0])
        p_text(p, s);
    else
        p_null(p);
}

/* NULL for 0: optional references. */
void p_id(struct pp *p, int64_t v)
{
    if (v)
        p_int(p, v);
    else
        p_null(p);
}

void p_bytes(struct pp *p, const void *data, size_t n)
{
    if (p->n >= PMAX)
        return;
    p->v[p->n] = data ? data : "";
    p->len[p->n] = (int)n;
    p->fmt[p->n++] = 1;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Maps a failed result to an error code by SQLSTATE: unique → exists, other integrity and data
 * errors (foreign key, check, not null, the append-only triggers, bad JSON) → invalid, lock and
 * serialization failures → busy; others are logged with the server's message. */
int pg_fail(struct pgs *p, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state) {
        if (strcmp(state, "23505") == 0)
            return -JS_EEXISTS;
        if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0 ||
            strcmp(state, "P0001") == 0)
            return -JS_EINVAL;
        if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
            strcmp(state, "55P03") == 0)
            return -JS_EBUSY;
        if (strcmp(state, "53200") == 0)
            return -JS_ENOMEM;
    }
    fprintf(stderr, "jiesu: postgresql error %s: %s", state ? state : "-",
            r ? PQresultErrorMessage(r) : PQerrorMessage(p->c));
    return -JS_EDB;
}

static void forget_prepared(struct pgs *p)
{
    for (int i = 0; i < p->n_prep; i++)
        free(p->prep[i].sql);
    p->n_prep = 0;
}

/* Why libpq could not connect, in Chinese, from the English text of its message (libpq's own
 * translations need a Chinese locale the machine may not have): the common causes by the words
 * libpq and the C library use for them. Writes into out (n bytes); a cause not in the table
 * keeps libpq's first line, quoted as the original. */
static void pg_connect_reason(const char *msg, char *out, size_t n)
{
    static const struct {
        const char *needle, *needle2, *zh;
    } causes[] = {
        {"Connection refused", NULL, "服务器拒绝连接：该地址和端口上没有 PostgreSQL 在接受连接"},
        {"could not translate host name", NULL, "无法解析主机名"},
        {"Name or service not known", NULL, "无法解析主机名"},
        {"password authentication failed", NULL, "密码认证失败：用户名或密码不对"},
        {"no password supplied", NULL, "服务器要求密码，但数据库地址中没有给出"},
        {"database \"", "does not exist", "数据库不存在"},
        {"role \"", "does not exist", "数据库用户不存在"},
        {"no pg_hba.conf entry", NULL, "服务器的 pg_hba.conf 不允许这个主机、用户或数据库连接"},
        {"timeout expired", NULL, "连接超时"},
        {"Connection timed out", NULL, "连接超时"},
        {"No route to host", NULL, "网络不可达"},
        {"Network is unreachable", NULL, "网络不可达"},
        {"No such file or directory", NULL, "本机的 PostgreSQL 套接字不存在：服务器是否在运行？"},
        {"too many clients", NULL, "服务器的连接数已满"},
        {"remaining connection slots", NULL, "服务器的连接数已满"},
        {"starting up", NULL, "数据库正在启动，请稍后再试"},
        {"shutting down", NULL, "数据库正在关闭"},
        {"server does not support SSL", NULL, "服务器不支持 SSL，而连接要求 SSL"},
        {"invalid URI query parameter", NULL, "数据库地址中有不认识的参数"},
        {"invalid URI", NULL, "数据库地址的写法不对"},
        {"invalid connection option", NULL, "数据库地址中有不认识的参数"},
        {"missing \"=\"", NULL, "数据库地址的写法不对"},
    };
    msg = msg ? msg : "";
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (strstr(msg, causes[i].needle) &&
            (!causes[i].needle2 || strstr(msg, causes[i].needle2))) {
            snprintf(out, n, "%s", causes[i].zh);
            return;
        }
    size_t len = strcspn(msg, "\n");
    snprintf(out, n, "原因未能识别（PostgreSQL 原文：%.*s）", utf8_clip(msg, len > 300 ? 300 : len),
             msg);
}

/* A lost connection is opened again before the next statement, unless a transaction was open on
 * it: then every statement fails until that transaction ends (its commit reports the loss), so
 * that no part of it is committed alone on the new connection. */
static int conn_check(struct pgs *p)
{
    if (PQstatus(p->c) == CONNECTION_OK)
        return 0;
    if (p->tx)
        return -JS_EDB;
    PQreset(p->c);
    if (PQstatus(p->c) != CONNECTION_OK) {
        char why[512];
        pg_connect_reason(PQerrorMessage(p->c), why, sizeof why);
        fprintf(stderr, "jiesu: PostgreSQL 重新连接失败：%s\n", why);
        return -JS_EDB;
    }
    forget_prepared(p); /* prepared statements belong to the old session */
    p->sp_pending = false;
    p->owed = 0;
    int rc = exec0(p, "SET client_encoding = 'UTF8'");
    if (!rc && p->bulk)
        rc = exec0(p, "SET synchronous_commit = off");
    return rc;
}

/* The name of the prepared statement for sql ("" when none could be prepared: run unprepared). */
static int prepared(struct pgs *p, const char *sql, char name[16])
{
    uint64_t h = hash_str(sql);
    name[0] = '\0';
    for (int i = 0; i < p->n_prep; i++)
        if (p->prep[i].hash == h && strcmp(p->prep[i].sql, sql) == 0) {
            snprintf(name, 16, "s%d", i);
            return 0;
        }
    if (p->n_prep == PREP_MAX)
        return 0;
    char *key = strdup(sql);
    if (!key)
        return -JS_ENOMEM;
    snprintf(name, 16, "s%d", p->n_prep);
    PGresult *r = PQprepare(p->c, name, sql, 0, NULL);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = pg_fail(p, r);
        free(key);
        name[0] = '\0';
    } else {
        p->prep[p->n_prep++] = (struct prep){h, key};
    }
    PQclear(r);
    return rc;
}

/* Sends the owed releases, the pending savepoint and the statement in one pipeline and returns
 * the statement's result (or the first failure before it; NULL if nothing came back). */
static PGresult *exec_pipelined(struct pgs *p, const char *name, const char *sql,
                                const struct pp *a)
{
    PGconn *c = p->c;
    PGresult *res = NULL, *err = NULL;
    int sent = 0;
    if (!PQenterPipelineMode(c))
        return NULL;
    bool ok = true;
    for (int i = 0; i < p->owed && ok; i++, sent += ok)
        ok = PQsendQueryParams(c, "RELEASE store_op", 0, NULL, NULL, NULL, NULL, 0);
    if (ok && p->sp_pending) {
        ok = PQsendQueryParams(c, "SAVEPOINT store_op", 0, NULL, NULL, NULL, NULL, 0);
        sent += ok;
    }
    if (ok) {
        ok = name[0] ? PQsendQueryPrepared(c, name, a->n, a->v, a->len, a->fmt, 0)
                     : PQsendQueryParams(c, sql, a->n, NULL, a->v, a->len, a->fmt, 0);
        sent += ok;
    }
    p->owed = 0;
    p->sp_pending = false;
    bool synced = ok && PQpipelineSync(c);
    /* each query's result is followed by NULL; the sync's result ends the pipeline */
    for (int got = 0, nulls = 0; synced && nulls <= sent;) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            if (PQstatus(c) != CONNECTION_OK)
                break;
            nulls++;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (++got == sent && ok) {
            res = r;
        } else if (st != PGRES_COMMAND_OK && !err) {
            err = r;
        } else {
            PQclear(r);
        }
    }
    PQexitPipelineMode(c);
    if (err) { /* a release or the savepoint failed: that is the error to report */
        PQclear(res);
        return err;
    }
    return res;
}

/* Runs sql with parameters a (NULL: none). *out (may be NULL) gets the result of a query, to
 * PQclear; *changes (may be NULL) the rows a command touched. */
int px(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes)
{
    static const struct pp none = {.n = 0};
    char name[16];
    if (out)
        *out = NULL;
    if (changes)
        *changes = 0;
    if (!a)
        a = &none;
    if (a->n >= PMAX)
        return -JS_EINTERNAL;
    int rc = conn_check(p);
    if (rc)
        return rc;
    rc = prepared(p, sql, name);
    if (rc)
        return rc;
    PGresult *r;
    if (p->owed || p->sp_pending)
        r = exec_pipelined(p, name, sql, a);
    else
        r = name[0] ? PQexecPrepared(p->c, name, a->n, a->v, a->len, a->fmt, 0)
                    : PQexecParams(p->c, sql, a->n, NULL, a->v, a->len, a->fmt, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = pg_fail(p, r);
        PQclear(r);
        return rc;
    }
    if (changes) {
        const char *t = PQcmdTuples(r);
        *changes = t && t[0] ? strtoll(t, NULL, 10) : 0;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* Runs a statement without parameters or rows (transaction control), unprepared. BEGIN, COMMIT
 * and ROLLBACK keep track of the open transaction; a ROLLBACK on a lost connection has nothing left
 * to undo. */
int exec0(struct pgs *p, const char *sql)
{
    bool begin = strcmp(sql, "BEGIN") == 0, rollback = strcmp(sql, "ROLLBACK") == 0,
         commit = strcmp(sql, "COMMIT") == 0;
    if (rollback && PQstatus(p->c) != CONNECTION_OK) {
        p->tx = false;
        return 0;
    }
    int rc = conn_check(p);
    if (rc)
        return rc;
    if (rollback || commit) { /* ends every savepoint */
        p->owed = 0;
        p->sp_pending = false;
    }
    PGresult *r;
    if (p->owed) { /* the owed releases first, in the same simple query */
        struct buf q;
        buf_init(&q, 0);
        for (int i = 0; i < p->owed; i++)
            rc |= buf_puts(&q, "RELEASE store_op; ");
        rc |= buf_puts(&q, sql);
        p->owed = 0;
        r = rc ? NULL : PQexec(p->c, q.data);
        buf_release(&q);
        if (rc)
            return -JS_ENOMEM;
    } else {
        r = PQexec(p->c, sql);
    }
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_fail(p, r);
    PQclear(r);
    if (begin && !rc)
        p->tx = true;
    if (commit)
        p->tx = false; /* committed, or rolled back when it had failed */
    if (rollback) {
        p->tx = false;
        if (rc && PQstatus(p->c) != CONNECTION_OK)
            rc = 0; /* the server ended the session, and the transaction with it */
    }
    return rc;
}

/* COMMIT, which PostgreSQL answers with ROLLBACK when the transaction had failed. Whatever the
 * outcome, the transaction has ended. */
static int commit_sql(struct pgs *p)
{
    int rc = conn_check(p);
    bool open = p->tx;
    p->tx = false;
    p->owed = 0; /* COMMIT releases every savepoint */
    p->sp_pending = false;
    if (rc)
        return rc; /* the connection, and the transaction with it, was lost */
    if (!open) {
        fprintf(stderr, "jiesu: postgresql: COMMIT without a transaction\n");
        return -JS_EINTERNAL;
    }
    PGresult *r = PQexec(p->c, "COMMIT");
    rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_fail(p, r);
    if (!rc && strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        fprintf(stderr, "jiesu: postgresql: the transaction had failed and was rolled back\n");
        rc = -JS_EDB;
    }
    PQclear(r);
    return rc;
}

/* Whether a transaction is open on this handle (as the handle began it: a lost connection
 * still counts until the transaction is ended). */
bool in_txn(struct pgs *p)
{
    return p->tx;
}

int64_t val_int(const PGresult *r, int row, int col)
{
    const char *t = PQgetvalue(r, row, col);
    return t && t[0] ? strtoll(t, NULL, 10) : 0;
}

void val_copy(const PGresult *r, int row, int col, char *dst, size_t n)
{
    const char *t = PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
    size_t len = strlen(t);
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(dst, t, len);
    dst[len] = '\0';
}

char *val_dup(const PGresult *r, int row, int col)
{
    return strdup(PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

/* Index of a stored enum name, or -1 (NULL and unknown names alike). */
int val_enum(const PGresult *r, int row, int col, const char *const *names)
{
    return js_name_index(names, PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col));
}

/* A copy of bytea column col (text form) into *data (free(); never NULL on success). */
int val_bytes(const PGresult *r, int row, int col, void **data, size_t *n)
{
    size_t len = 0;
    unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), &len);
    *data = NULL;
    *n = 0;
    if (!raw)
        return -JS_ENOMEM;
    *data = malloc(len ? len : 1);
    if (*data) {
        if (len)
            memcpy(*data, raw, len);
        *n = len;
    }
    PQfreemem(raw);
    return *data ? 0 : -JS_ENOMEM;
}

static bool in_range(int v, int count)
{
    return v >= 0 && v < count;
}

/* A write of one or more statements: inside a transaction it runs in a savepoint (a failure
 * undoes it alone and leaves the transaction usable); outside, several statements run in a
 * transaction of their own and one statement alone. */
int op_begin(struct pgs *p, bool multi, struct opx *o)
{
    *o = (struct opx){false, false};
    if (in_txn(p)) {
        o->savepoint = true;
        p->sp_pending = true; /* sent with the operation's first statement */
        return 0;
    }
    if (!multi)
        return 0;
    o->own = true;
    return exec0(p, "BEGIN");
}

int op_end(struct pgs *p, const struct opx *o, int rc)
{
    if (o->savepoint) {
        if (p->sp_pending) { /* no statement was sent: nothing to undo or release */
            p->sp_pending = false;
            return rc;
        }
        if (rc == 0) {
            p->owed++; /* released with the next statement */
            return 0;
        }
        exec0(p, "ROLLBACK TO store_op");
        exec0(p, "RELEASE store_op");
    } else if (o->own) {
        if (rc == 0)
            return commit_sql(p);
        exec0(p, "ROLLBACK");
    }
    return rc;
}

/* One write statement as an operation of its own. */
int write1(struct pgs *p, const char *sql, const struct pp *a, PGresult **out, int64_t *changes)
{
    struct opx o;
    int rc = op_begin(p, false, &o);
    if (rc)
        return rc;
    rc = px(p, sql, a, out, changes);
    if (rc && out && *out) {
        PQclear(*out);
        *out = NULL;
    }
    rc = op_end(p, &o, rc);
    if (rc && out && *out) {
        PQclear(*out);
        *out = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Opening, closing, migrations, transactions
 * ------------------------------------------------------------------------------------------- */

static void pg_close(struct store *s)
{
    struct pgs *p = pg_of(s);
    if (!p)
        return;
    if (p->c)
        PQfinish(p->c);
    if (p->seqc)
        PQfinish(p->seqc);
    free(p->url);
    forget_prepared(p);
    free(p->order_select);
    free(p->order_by_id);
    free(p->order_by_number);
    free(p->order_page);
    free(p->order_insert);
    free(p->order_insert_id);
    free(p->order_update);
    free(p);
}

static int pg_schema_version(struct store *s, int *out)
{
    struct pgs *p = pg_of(s);
    PGresult *r;
    *out = 0;
    int rc = px(p, "SELECT to_regclass('schema_migrations') IS NOT NULL", NULL, &r, NULL);
    if (rc)
        return rc;
    bool exists = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (!exists)
        return 0;
    rc = px(p, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, &r, NULL);
    if (rc)
        return rc;
    *out = (int)val_int(r, 0, 0);
    PQclear(r);
    return 0;
}

static int reindex_all(struct pgs *p);

/* Applies m in a transaction of its own; reindex: rebuild the search index with it (see
 * pg_migrate for when that is left to a later migration). */
static int migrate_one(struct pgs *p, const struct pg_migration *m, bool reindex,
                       struct js_error *e)
{
    PGresult *r = NULL;
    struct pp a = {.n = 0};
    int rc = exec0(p, "BEGIN");
    if (rc)
        return js_fail(e, -rc, "db", "cannot start migration %d: %s", m->version,
                       PQerrorMessage(p->c));
    p_int(&a, m->version);
    rc = px(p, "SELECT 1 FROM schema_migrations WHERE version = $1::int", &a, &r, NULL);
    if (rc)
        goto out;
    bool done = PQntuples(r) > 0;
    PQclear(r);
    if (done)
        goto out; /* another server applied it meanwhile */
    r = PQexec(p->c, m->sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = js_fail(e, JS_EDB, "db", "migration %d (%s) failed: %s", m->version, m->name,
                     PQresultErrorMessage(r));
        PQclear(r);
        goto out;
    }
    PQclear(r);
    if (reindex && (rc = reindex_all(p)) != 0) {
        js_fail(e, -rc, "db", "migration %d (%s): the search index cannot be rebuilt", m->version,
                m->name);
        goto out;
    }
    a.n = 0;
    p_int(&a, m->version);
    p_text(&a, m->name);
    p_int(&a, (int64_t)time(NULL));
    rc = px(p, "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)", &a,
            NULL, NULL);
out:
    if (rc == 0)
        rc = commit_sql(p);
    else
        exec0(p, "ROLLBACK");
    if (rc && (!e || !e->code))
        js_fail(e, -rc, "db", "migration %d (%s) failed", m->version, m->name);
    return rc;
}

/* Migrations of several servers starting at once are serialised by an advisory lock. */
#define MIGRATE_LOCK   "SELECT pg_advisory_lock(7468311012)"
#define MIGRATE_UNLOCK "SELECT pg_advisory_unlock(7468311012)"

static int pg_migrate(struct store *s, struct js_error *e)
{
    struct pgs *p = pg_of(s);
    js_error_clear(e);
    if (in_txn(p))
        return js_fail(e, JS_EINTERNAL, "db", "migrate inside a transaction");
    int rc = px(p, MIGRATE_LOCK, NULL, NULL, NULL);
    if (rc)
        return js_fail(e, -rc, "db", "cannot lock the schema: %s", PQerrorMessage(p->c));
    rc = exec0(p, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version INTEGER PRIMARY KEY,"
                  " name TEXT NOT NULL,"
                  " applied_at BIGINT NOT NULL)");
    if (rc) {
        js_fail(e, -rc, "db", "cannot create schema_migrations: %s", PQerrorMessage(p->c));
        goto out;
    }
    int have = 0;
    rc = pg_schema_version(s, &have);
    if (rc) {
        js_fail(e, -rc, "db", "cannot read the schema version");
        goto out;
    }
    int latest = pg_migrations[pg_n_migrations - 1].version;
    if (have > latest) {
        rc = js_fail(e, JS_EDB, "db",
                     "the database has schema version %d, newer than this program's %d", have,
                     latest);
        goto out;
    }
    /* the index is rebuilt from whole orders, which need every column: a reindexing migration
     * followed by one that adds a column to orders (and reindexes itself) leaves it to that one,
     * so that a run stopped in between still ends with the index rebuilt */
    for (int i = 0; i < pg_n_migrations && !rc; i++) {
        if (pg_migrations[i].version <= have)
            continue;
        bool reindex = pg_migrations[i].reindex;
        for (int j = i + 1; reindex && j < pg_n_migrations; j++)
            if (pg_migrations[j].reindex)
                reindex = false;
        rc = migrate_one(p, &pg_migrations[i], reindex, e);
    }
out:
    px(p, MIGRATE_UNLOCK, NULL, NULL, NULL);
    return rc;
}

static const char *const hold_savepoints[] = {"held1", "held2", "held3", "held4",
                                              "held5", "held6", "held7", "held8"};
#define HOLD_MAX_DEPTH ((int)JS_ARRAY_LEN(hold_savepoints))

static int hold_sql(struct pgs *p, const char *verb, int level)
{
    char sql[48];
    snprintf(sql, sizeof sql, "%s %s", verb, hold_savepoints[level - 1]);
    return exec0(p, sql);
}

/* The held transaction ended on its own (connection lost): forget it. */
static void hold_check(struct pgs *p)
{
    if (p->held && !in_txn(p)) {
        p->held = false;
        p->depth = 0;
    }
}

static int pg_begin(struct store *s)
{
    struct pgs *p = pg_of(s);
    hold_check(p);
    if (p->held) {
        if (p->depth == HOLD_MAX_DEPTH)
            return -JS_EINTERNAL;
        int rc = hold_sql(p, "SAVEPOINT", p->depth + 1);
        if (!rc)
            p->depth++;
        return rc;
    }
    if (in_txn(p)) {
        fprintf(stderr, "jiesu: store_begin inside an open transaction\n");
        return -JS_EINTERNAL;
    }
    int rc = exec0(p, "BEGIN");
    if (rc || !p->hold)
        return rc;
    p->held = true;
    p->depth = 0;
    rc = hold_sql(p, "SAVEPOINT", 1);
    if (rc) {
        exec0(p, "ROLLBACK");
        p->held = false;
        return rc;
    }
    p->depth = 1;
    return 0;
}

static int pg_commit(struct store *s)
{
    struct pgs *p = pg_of(s);
    hold_check(p);
    if (p->held && p->depth > 0) {
        int rc = hold_sql(p, "RELEASE", p->depth);
        if (!rc)
            p->depth--;
        return rc;
    }
    return commit_sql(p);
}

static int pg_rollback(struct store *s)
{
    struct pgs *p = pg_of(s);
    hold_check(p);
    if (p->held && p->depth > 0) {
        int rc = hold_sql(p, "ROLLBACK TO", p->depth);
        int rc2 = hold_sql(p, "RELEASE", p->depth);
        p->depth--;
        return rc ? rc : rc2;
    }
    if (!in_txn(p))
        return 0;
    return exec0(p, "ROLLBACK");
}

static int pg_txn_hold(struct store *s)
{
    struct pgs *p = pg_of(s);
    if (p->hold || in_txn(p))
        return -JS_EINTERNAL;
    p->hold = true;
    return 0;
}

static int pg_txn_finish(struct store *s, bool commit)
{
    struct pgs *p = pg_of(s);
    int rc = 0;
    hold_check(p);
    if (p->held) {
        if (commit && p->depth == 0)
            rc = commit_sql(p);
        else
            rc = commit ? -JS_EINTERNAL : 0; /* a level left open: never commit half of it */
        if (in_txn(p))
            exec0(p, "ROLLBACK");
    }
    p->hold = p->held = false;
    p->depth = 0;
    return rc;
}

/* Bulk loading: asynchronous commit (a crash loses the last commits, never corrupts); turning
 * it off commits a transaction that holds a transaction id synchronously, which flushes the
 * write-ahead log up to it, and so every asynchronous commit before it. */
static int pg_set_bulk(struct store *s, bool on)
{
    struct pgs *p = pg_of(s);
    if (in_txn(p))
        return -JS_EINTERNAL;
    if (on) {
        int rc = exec0(p, "SET synchronous_commit = off");
        p->bulk = rc == 0;
        return rc;
    }
    int rc = exec0(p, "SET synchronous_commit = on");
    if (!rc)
        p->bulk = false;
    if (!rc)
        rc = exec0(p, "BEGIN");
    if (!rc) {
        rc = px(p, "SELECT pg_current_xact_id()", NULL, NULL, NULL);
        rc = rc ? (exec0(p, "ROLLBACK"), rc) : commit_sql(p);
    }
    return rc;
}

#define SEQ_SQL                                                                                    \
    "INSERT INTO seqs(key, value) VALUES ($1, 1)"                                                  \
    " ON CONFLICT (key) DO UPDATE SET value = seqs.value + 1 RETURNING value"

static void quiet_notices(void *arg, const char *message);

/* The counters' connection, opened on first use (and again after a loss): its statements commit
 * at once, asynchronously (the transaction that uses a number commits after it, and its durable
 * commit flushes the write-ahead log up to and past the counter's). */
static int seq_conn(struct pgs *p)
{
    if (p->seqc && PQstatus(p->seqc) == CONNECTION_OK)
        return 0;
    if (p->seqc)
        PQfinish(p->seqc);
    p->seqc = PQconnectdb(p->url);
    if (!p->seqc || PQstatus(p->seqc) != CONNECTION_OK) {
        fprintf(stderr, "jiesu: postgresql: cannot open the counters' connection: %s",
                p->seqc ? PQerrorMessage(p->seqc) : "out of memory\n");
        return -JS_EDB;
    }
    PQsetNoticeProcessor(p->seqc, quiet_notices, NULL);
    PGresult *r = PQexec(p->seqc, "SET client_encoding = 'UTF8'; SET synchronous_commit = off");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pg_fail(p, r);
    PQclear(r);
    return rc;
}

static int pg_next_seq(struct store *s, const char *key, int64_t *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r;
    if (!key || !key[0])
        return -JS_EINVAL;
    p_text(&a, key);
    int rc = write1(p, SEQ_SQL, &a, &r, NULL);
    if (rc)
        return rc;
    *out = val_int(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Inside a transaction, on the counters' own connection, committed at once: concurrent
 * transactions do not queue on the counter's row until each commits. A value taken by a
 * transaction that then rolls back is not given again (a gap), as with a PostgreSQL sequence. */
static int pg_seq_take(struct store *s, const char *key, int64_t *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    if (!key || !key[0])
        return -JS_EINVAL;
    if (!in_txn(p))
        return pg_next_seq(s, key, out);
    p_text(&a, key);
    int rc = seq_conn(p);
    if (rc)
        return rc;
    PGresult *r = PQexecParams(p->seqc, SEQ_SQL, 1, NULL, a.v, a.len, a.fmt, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = pg_fail(p, r);
        PQclear(r);
        return rc;
    }
    *out = val_int(r, 0, 0);
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Named blobs and attachments
 * ------------------------------------------------------------------------------------------- */

static int pg_blob_put(struct store *s, const char *key, const void *data, size_t size, int64_t at)
{
    struct pp a = {.n = 0};
    if (!key || !key[0] || size > INT32_MAX)
        return -JS_EINVAL;
    p_text(&a, key);
    p_int(&a, at);
    p_bytes(&a, data, size);
    return write1(pg_of(s),
                  "INSERT INTO blobs(key, at, data) VALUES ($1, $2, $3) ON CONFLICT (key)"
                  " DO UPDATE SET at = excluded.at, data = excluded.data",
                  &a, NULL, NULL);
}

static int pg_blob_get(struct store *s, const char *key, void **data, size_t *size, int64_t *at)
{
    struct pp a = {.n = 0};
    PGresult *r;
    *data = NULL;
    *size = 0;
    p_text(&a, key);
    int rc = px(pg_of(s), "SELECT at, data FROM blobs WHERE key = $1", &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1) {
        if (at)
            *at = val_int(r, 0, 0);
        rc = val_bytes(r, 0, 1, data, size);
    } else {
        rc = -JS_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int pg_file_put(struct store *s, const struct stored_file *f, const void *data)
{
    struct pp a = {.n = 0};
    if (f->size < 0 || f->size > INT32_MAX)
        return -JS_EINVAL;
    p_text(&a, f->id);
    p_text(&a, f->name);
    p_text(&a, f->type);
    p_int(&a, f->size);
    p_text(&a, f->sha256);
    p_int(&a, f->at);
    p_id(&a, f->user_id);
    p_bytes(&a, data, (size_t)f->size);
    return write1(pg_of(s),
                  "INSERT INTO files(id, name, type, size, sha256, at, user_id, data)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                  &a, NULL, NULL);
}

static int pg_file_get(struct store *s, const char *id, struct stored_file *f, void **data)
{
    struct pp a = {.n = 0};
    PGresult *r;
    *data = NULL;
    p_text(&a, id);
    int rc = px(pg_of(s),
                "SELECT id, name, type, size, sha256, at, user_id, data FROM files WHERE id = $1",
                &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1) {
        memset(f, 0, sizeof *f);
        val_copy(r, 0, 0, f->id, sizeof f->id);
        val_copy(r, 0, 1, f->name, sizeof f->name);
        val_copy(r, 0, 2, f->type, sizeof f->type);
        val_copy(r, 0, 4, f->sha256, sizeof f->sha256);
        f->at = val_int(r, 0, 5);
        f->user_id = val_int(r, 0, 6);
        size_t n = 0;
        rc = val_bytes(r, 0, 7, data, &n);
        f->size = (int64_t)n;
    } else {
        rc = -JS_ENOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int file_refs_write(struct pgs *p, int64_t order_id, const char *attachments)
{
    const char *cur = attachments;
    char id[33];
    int rc = 0;
    while (!rc && store_file_ref_next(&cur, id)) {
        struct pp a = {.n = 0};
        p_text(&a, id);
        p_int(&a, order_id);
        rc =
            px(p, "INSERT INTO file_refs(file_id, order_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
               &a, NULL, NULL);
    }
    return rc;
}

static int pg_file_orders(struct store *s, const char *id, int64_t *ids, int max, int *n)
{
    struct pp a = {.n = 0};
    PGresult *r;
    *n = 0;
    p_text(&a, id);
    int rc = px(pg_of(s), "SELECT order_id FROM file_refs WHERE file_id = $1 ORDER BY order_id", &a,
                &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && *n < max; i++)
        ids[(*n)++] = val_int(r, i, 0);
    PQclear(r);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Orders
 * ------------------------------------------------------------------------------------------- */

static char *sql_join(const char *a, const char *b)
{
    struct buf out;
    buf_init(&out, 0);
    if (buf_puts(&out, a) || buf_puts(&out, b)) {
        buf_release(&out);
        return NULL;
    }
    return buf_steal(&out);
}

/* The order statements from the column table: the plain insert leaves id to the identity column,
 * order_insert_id gives it (an id from order_id_take). */
static int build_order_sql(struct pgs *p)
{
    struct buf sel, ins, upd, ins_id;
    int rc = 0, n = store_n_order_cols;
    buf_init(&sel, 0);
    buf_init(&ins, 0);
    buf_init(&upd, 0);
    buf_init(&ins_id, 0);
    rc |= buf_puts(&sel, "SELECT ");
    rc |= buf_puts(&ins, "INSERT INTO orders(");
    rc |= buf_puts(&upd, "UPDATE orders SET ");
    rc |= buf_puts(&ins_id, "INSERT INTO orders(");
    for (int i = 0; i < n; i++) {
        rc |= buf_printf(&sel, "%s\"%s\"", i ? ", " : "", store_order_cols[i].name);
        rc |= buf_printf(&ins_id, "%s\"%s\"", i ? ", " : "", store_order_cols[i].name);
        if (i > 0) {
            rc |= buf_printf(&ins, "%s\"%s\"", i > 1 ? ", " : "", store_order_cols[i].name);
            rc |= buf_printf(&upd, "%s\"%s\" = $%d", i > 1 ? ", " : "", store_order_cols[i].name,
                             i + 1);
        }
    }
    rc |= buf_puts(&sel, " FROM orders");
    rc |= buf_puts(&ins, ") VALUES (");
    for (int i = 1; i < n; i++)
        rc |= buf_printf(&ins, "%s$%d", i > 1 ? ", " : "", i);
    rc |= buf_puts(&ins_id, ") VALUES (");
    for (int i = 0; i < n; i++)
        rc |= buf_printf(&ins_id, "%s$%d", i ? ", " : "", i + 1);
    rc |= buf_puts(&ins, ") RETURNING id");
    rc |= buf_puts(&ins_id, ") RETURNING id");
    rc |= buf_printf(&upd, " WHERE id = $1 AND version = $%d", n + 1);
    if (rc) {
        buf_release(&sel);
        buf_release(&ins);
        buf_release(&upd);
        buf_release(&ins_id);
        return -JS_ENOMEM;
    }
    p->order_insert_id = buf_steal(&ins_id);
    p->order_select = buf_steal(&sel);
    p->order_insert = buf_steal(&ins);
    p->order_update = buf_steal(&upd);
    p->order_by_id = sql_join(p->order_select, " WHERE id = $1");
    p->order_by_number = sql_join(p->order_select, " WHERE number = $1");
    p->order_page = sql_join(p->order_select, " WHERE id > $1 ORDER BY id LIMIT 256");
    if (!p->order_select || !p->order_insert || !p->order_update || !p->order_by_id ||
        !p->order_by_number || !p->order_page || !p->order_insert_id)
        return -JS_ENOMEM;
    return 0;
}

/* The parameters of order j: every column (update: $1 is the id) or all but id (insert). */
static void order_params(struct pp *a, const json_t *j, const char *units, bool with_id)
{
    for (int i = with_id ? 0 : 1; i < store_n_order_cols; i++) {
        const json_t *v = json_object_get(j, store_order_cols[i].name);
        switch (store_order_cols[i].type) {
        case COL_INT:
            p_int(a, json_integer_value(v));
            break;
        case COL_BOOL:
            p_int(a, json_is_true(v));
            break;
        case COL_REAL:
            p_real(a, json_number_value(v));
            break;
        case COL_TEXT:
            p_text(a, json_string_value(v));
            break;
        case COL_UNIQUE_TEXT:
            p_text_or_null(a, json_string_value(v));
            break;
        case COL_JSON:
            p_text(a, units);
            break;
        }
    }
}

/* Reads row `row` of an order_select result into out (initialised). */
static int order_read(const PGresult *r, int row, struct order *out)
{
    json_t *j = json_object();
    int rc = j ? 0 : -JS_ENOMEM;
    for (int i = 0; i < store_n_order_cols && !rc; i++) {
        const char *t = PQgetisnull(r, row, i) ? NULL : PQgetvalue(r, row, i);
        json_t *v = NULL;
        switch (store_order_cols[i].type) {
        case COL_INT:
            v = json_integer(t ? strtoll(t, NULL, 10) : 0);
            break;
        case COL_BOOL:
            v = json_boolean(t && strtol(t, NULL, 10) != 0);
            break;
        case COL_REAL:
            v = json_real(t ? strtod(t, NULL) : 0.0);
            break;
        case COL_TEXT:
        case COL_UNIQUE_TEXT:
            v = json_string(t ? t : "");
            break;
        case COL_JSON:
            v = t ? json_loads(t, 0, NULL) : json_array();
            break;
        }
        if (!v) {
            fprintf(stderr, "jiesu: order row %lld: unreadable column %s\n",
                    (long long)val_int(r, row, 0), store_order_cols[i].name);
            rc = -JS_EDB;
        } else if (json_object_set_new(j, store_order_cols[i].name, v)) {
            rc = -JS_ENOMEM;
        }
    }
    if (!rc)
        rc = order_from_json(out, j);
    json_decref(j);
    return rc;
}

static char *units_json(const json_t *j)
{
    return json_dumps(json_object_get(j, "units"), JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Writes the order_units rows of order id from o, one statement for all of them (arrays): for a
 * new order (replace false) inserted; otherwise only what changed, as on SQLite (session 13):
 * the rows of units no longer on the order deleted, new ones inserted, a changed role, state or
 * creation time updated in place, and unchanged rows (a signature, a reply) left alone, so that
 * the dashboard's counts (the insert and delete triggers) do not move. */
static int units_write(struct pgs *p, int64_t id, const struct order *o, bool replace)
{
    int rc = 0;
    struct buf units, roles, active;
    buf_init(&units, 0);
    buf_init(&roles, 0);
    buf_init(&active, 0);
    rc |= buf_puts(&units, "{") | buf_puts(&roles, "{") | buf_puts(&active, "{");
    for (int i = 0; i < o->n_units; i++) {
        const char *sep = i ? "," : "";
        rc |= buf_printf(&units, "%s%lld", sep, (long long)o->units[i].unit_id);
        rc |= buf_printf(&roles, "%s%d", sep, o->units[i].role);
        rc |= buf_printf(&active, "%s%d", sep, o->units[i].active ? 1 : 0);
    }
    rc |= buf_puts(&units, "}") | buf_puts(&roles, "}") | buf_puts(&active, "}");
    if (rc) {
        rc = -JS_ENOMEM;
        goto out;
    }
    struct pp a = {.n = 0};
    p_int(&a, id);
    p_text(&a, units.data);
    if (replace &&
        (rc = px(p, "DELETE FROM order_units WHERE order_id = $1 AND unit_id <> ALL($2::bigint[])",
                 &a, NULL, NULL)))
        goto out;
    if (o->n_units == 0)
        goto out;
    p_text(&a, roles.data);
    p_text(&a, active.data);
    p_int(&a, o->created_at); /* the unit filter's order (issue 13) */
    rc = px(p,
            "INSERT INTO order_units(order_id, unit_id, role, active, created_at)"
            " SELECT $1, u, r, a, $5 FROM unnest($2::bigint[], $3::int[], $4::int[])"
            " AS t(u, r, a)"
            " ON CONFLICT (order_id, unit_id) DO UPDATE SET role = excluded.role,"
            " active = excluded.active, created_at = excluded.created_at"
            " WHERE (order_units.role, order_units.active, order_units.created_at)"
            " IS DISTINCT FROM (excluded.role, excluded.active, excluded.created_at)",
            &a, NULL, NULL);
out:
    buf_release(&units);
    buf_release(&roles);
    buf_release(&active);
    return rc;
}

/* ---- the search index: tokens as tsvector lexemes at their positions ---- */

/* Appends a tsvector/tsquery lexeme in quotes, doubling quotes and backslashes. */
int lexeme(struct buf *out, const char *s, size_t n)
{
    int rc = buf_puts(out, "'");
    for (size_t i = 0; i < n && !rc; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            rc = buf_append(out, &s[i], 1);
        if (!rc)
            rc = buf_append(out, &s[i], 1);
    }
    return rc ? rc : buf_puts(out, "'");
}

/* PostgreSQL's limit on the bytes of one lexeme: longer tokens are not indexed. */
#define LEXEME_MAX 2046

/* The tsvector text of a token stream ("a b c" → "'a':1 'b':2 'c':3"). Positions past 16383
 * are kept at 16383 by PostgreSQL, and at most 256 positions of one lexeme. */
/* As tsvector_of, the positions after *last (the greatest position written before: 0 for a new
 * vector), which is moved to the greatest position this stream writes: what tsvector || tsvector
 * does to its right operand. */
static int tsvector_at(const char *tokens, int *last, struct buf *out)
{
    int rc = buf_append(out, "", 0), pos = *last, top = *last;
    const char *s = tokens ? tokens : "";
    while (*s && !rc) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n == 0)
            break;
        pos++;
        if (n <= LEXEME_MAX) {
            int at = pos < 16383 ? pos : 16383;
            if (out->len)
                rc = buf_puts(out, " ");
            if (!rc)
                rc = lexeme(out, s, n);
            if (!rc)
                rc = buf_printf(out, ":%d", at);
            top = at;
        }
        s += n;
    }
    *last = top;
    return rc;
}

int tsvector_of(const char *tokens, struct buf *out)
{
    int last = 0;
    return tsvector_at(tokens, &last, out);
}

/* The tsquery of one group of a parsed query: any alternative, each a phrase of its tokens
 * (followed by operators <->), a prefix phrase's last token with :*. Empty when no token. */
int tsquery_group(const struct st_group *g, struct buf *out)
{
    int rc = buf_append(out, "", 0), alts = 0;
    for (int k = 0; k < g->n && !rc; k++) {
        const char *s = g->alt[k].tokens ? g->alt[k].tokens : "";
        int toks = 0;
        size_t mark = out->len;
        rc = buf_puts(out, alts ? " | (" : "(");
        while (*s && !rc) {
            while (*s == ' ')
                s++;
            size_t n = strcspn(s, " ");
            if (n == 0)
                break;
            if (toks++)
                rc = buf_puts(out, " <-> ");
            if (!rc)
                rc = lexeme(out, s, n);
            s += n;
            while (*s == ' ')
                s++;
            if (!rc && !*s && g->alt[k].prefix)
                rc = buf_puts(out, ":*");
        }
        if (!rc && toks == 0) { /* nothing searchable: leave the alternative out */
            out->len = mark;
            out->data[mark] = '\0';
            continue;
        }
        if (!rc)
            rc = buf_puts(out, ")");
        alts++;
    }
    return rc;
}

/* Appends the search condition of m on order_search alias s (columns t, b, y, n; title only:
 * t) to sql, with placeholders "$%k" for the k-th group's tsquery; the tsqueries go to qs,
 * NUL-separated, their offsets to offs, their count to *groups. Every group must match, each
 * within one column (a phrase never spans two columns, as in FTS5). */
static int match_sql(const struct st_query *m, bool title_only, struct buf *qs, size_t *offs,
                     struct buf *sql, int *groups)
{
    int rc = 0;
    *groups = 0;
    for (int i = 0; i < m->n && i < ST_MAX_GROUPS && !rc; i++) {
        size_t at = qs->len;
        if ((rc = tsquery_group(&m->g[i], qs)))
            break;
        if (qs->len == at)
            continue;               /* nothing searchable in this group */
        rc = buf_append(qs, "", 1); /* the NUL ends this query inside qs */
        offs[(*groups)++] = at;
        int k = *groups;
        if (title_only)
            rc |= buf_printf(sql, " AND s.t @@ $%%%d::tsquery", k);
        else
            rc |= buf_printf(sql,
                             " AND (s.t @@ $%%%d::tsquery OR s.b @@ $%%%d::tsquery"
                             " OR s.y @@ $%%%d::tsquery OR s.n @@ $%%%d::tsquery)",
                             k, k, k, k);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* SQL text with "$%k" placeholders (from match_sql) numbered from first: $%1 is $first. */
static int number_params(const char *in, int first, struct buf *out)
{
    int rc = buf_append(out, "", 0);
    for (const char *s = in; *s && !rc; s++) {
        if (s[0] == '$' && s[1] == '%') {
            char *end;
            long k = strtol(s + 2, &end, 10);
            rc = buf_printf(out, "$%ld", first + k - 1);
            s = end - 1;
        } else {
            rc = buf_append(out, s, 1);
        }
    }
    return rc;
}

/* Appends m's condition on order_search alias s to sql (" AND (s.t @@ $k OR …)") and its
 * tsqueries to a (their text kept in qs, which must live until the query ran). *empty: m had
 * nothing searchable (nothing added). */
static int match_where(const struct st_query *m, bool title_only, struct buf *qs, struct buf *sql,
                       struct pp *a, bool *empty)
{
    struct buf cond, num;
    size_t offs[ST_MAX_GROUPS];
    int groups = 0;
    buf_init(&cond, 0);
    buf_init(&num, 0);
    int rc = buf_append(&cond, "", 0);
    if (!rc)
        rc = match_sql(m, title_only, qs, offs, &cond, &groups);
    *empty = groups == 0;
    if (!rc && groups > 0) {
        rc = number_params(cond.data, a->n + 1, &num);
        if (!rc)
            rc = buf_puts(sql, num.data);
        for (int i = 0; i < groups && !rc; i++)
            p_text(a, qs->data + offs[i]);
    }
    buf_release(&cond);
    buf_release(&num);
    return rc ? -JS_ENOMEM : 0;
}

/* Appends " AND col IN (orders matching m)" to sql and its parameters to a (their text kept in
 * qs, which must live until the query ran). *empty: m had nothing searchable (nothing added). */
static int match_filter(const struct st_query *m, bool title_only, const char *col, struct buf *qs,
                        struct buf *sql, struct pp *a, bool *empty)
{
    struct buf where;
    buf_init(&where, 0);
    int rc = match_where(m, title_only, qs, &where, a, empty);
    if (!rc && !*empty)
        /* OFFSET 0 keeps the match a subquery of its own, planned on the GIN indexes (bitmap
         * scans): otherwise an ORDER BY … LIMIT outside tempts the planner to walk the orders
         * newest first and test every tsvector (measured 106 ms against 20 ms on the demo's
         * 2,400 orders, and unbounded on a rare word) */
        rc = buf_printf(sql,
                        " AND %s IN (SELECT s.order_id FROM order_search s WHERE TRUE%s OFFSET 0)",
                        col, where.data)
                 ? -JS_ENOMEM
                 : 0;
    buf_release(&where);
    return rc;
}

static int search_write(struct pgs *p, int64_t id, const struct order *o, bool insert)
{
    struct buf t, b, y, vt, vb, vy;
    struct pp a = {.n = 0};
    const char *title[] = {o->title}, *body[] = {o->text, o->address}, *reply[] = {o->reply_text};
    buf_init(&t, 0);
    buf_init(&b, 0);
    buf_init(&y, 0);
    buf_init(&vt, 0);
    buf_init(&vb, 0);
    buf_init(&vy, 0);
    int rc = store_tokens_of(title, 1, &t);
    if (!rc)
        rc = store_tokens_of(body, 2, &b);
    if (!rc)
        rc = store_tokens_of(reply, 1, &y);
    if (!rc)
        rc = tsvector_of(t.data, &vt);
    if (!rc)
        rc = tsvector_of(b.data, &vb);
    if (!rc)
        rc = tsvector_of(y.data, &vy);
    if (rc)
        goto out;
    p_text(&a, vt.data);
    p_text(&a, vb.data);
    p_text(&a, vy.data);
    p_int(&a, id);
    rc = px(p,
            insert ? "INSERT INTO order_search(t, b, y, n, order_id)"
                     " VALUES ($1::tsvector, $2::tsvector, $3::tsvector, ''::tsvector, $4)"
                   : "UPDATE order_search SET t = $1::tsvector, b = $2::tsvector, y = $3::tsvector"
                     " WHERE order_id = $4",
            &a, NULL, NULL);
out:
    buf_release(&t);
    buf_release(&b);
    buf_release(&y);
    buf_release(&vt);
    buf_release(&vb);
    buf_release(&vy);
    return rc;
}

static int keys_write(struct pgs *p, int64_t id, const struct order *o, bool replace)
{
    struct store_okeys k;
    int rc = 0;
    if (replace) {
        struct pp a = {.n = 0};
        p_int(&a, id);
        if ((rc = px(p, "DELETE FROM order_keys WHERE order_id = $1", &a, NULL, NULL)))
            return rc;
    }
    store_okeys_of(o, &k);
    struct pp a = {.n = 0};
    p_text(&a, k.upstream);
    p_text(&a, k.phone);
    p_text(&a, k.name);
    p_int(&a, id);
    /* the three keys in one statement; blank ones are no keys */
    return px(p,
              "INSERT INTO order_keys(kind, key, order_id) SELECT kind, key, $4::bigint FROM"
              " (VALUES ('u', $1::text), ('p', $2::text), ('c', $3::text))"
              " AS v(kind, key) WHERE key <> '' ON CONFLICT DO NOTHING",
              &a, NULL, NULL);
}

static int notes_append(struct pgs *p, const struct event *ev)
{
    struct buf toks, vec;
    struct pp a = {.n = 0};
    buf_init(&toks, 0);
    buf_init(&vec, 0);
    int rc = store_notes_of(ev, &toks);
    if (rc || toks.len == 0)
        goto out;
    if ((rc = tsvector_of(toks.data, &vec)))
        goto out;
    p_text(&a, vec.data);
    p_int(&a, ev->order_id);
    /* tsvector || tsvector shifts the right one's positions past the left's: the notes read as
     * one text, as the SQLite index's appended column does */
    rc = px(p, "UPDATE order_search SET n = n || $1::tsvector WHERE order_id = $2", &a, NULL, NULL);
out:
    buf_release(&toks);
    buf_release(&vec);
    return rc;
}

static int event_read(const PGresult *r, int row, struct event *ev);

#define EVENT_COLS                                                                                 \
    "id, order_id, version, at, actor_user, actor_role, actor_unit, actor_name, action,"           \
    " status_before, status_after, payload"

/* The search rows of one order being rebuilt: its four vectors, the notes' growing. */
struct reidx {
    int64_t id;
    struct buf t, b, y, n;
    int n_last; /* the greatest position in n so far */
    struct store_okeys k;
};

/* Writes the page's rows: order_search and order_keys, each with one COPY. */
static int reindex_flush(struct pgs *p, struct reidx *x, int n)
{
    static const char *const scols[] = {"order_id", "t", "b", "y", "n"};
    static const char *const kcols[] = {"kind", "key", "order_id"};
    struct store_value *sv = calloc((size_t)n * 5 + (size_t)n * 3 * 3, sizeof *sv);
    struct store_row *rows = calloc((size_t)n * 5, sizeof *rows);
    int rc = sv && rows ? 0 : -JS_ENOMEM, nk = 0;
    struct store_value *kv = sv + (size_t)n * 5;
    for (int i = 0; i < n && !rc; i++) {
        struct store_value *v = sv + (size_t)i * 5;
        const struct buf *b[4] = {&x[i].t, &x[i].b, &x[i].y, &x[i].n};
        v[0] = (struct store_value){.type = SV_INT, .i = x[i].id};
        for (int k = 0; k < 4; k++)
            v[1 + k] = (struct store_value){
                .type = SV_TEXT, .p = b[k]->len ? b[k]->data : "", .n = b[k]->len};
        rows[i] = (struct store_row){5, scols, v};
    }
    if (!rc)
        rc = pg_copy_rows(p, "order_search(order_id, t, b, y, n)", rows, n);
    for (int i = 0; i < n && !rc; i++) {
        const char *key[3] = {x[i].k.upstream, x[i].k.phone, x[i].k.name};
        static const char *const kind[3] = {"u", "p", "c"};
        for (int k = 0; k < 3; k++) {
            if (!key[k][0])
                continue; /* blank ones are no keys */
            struct store_value *v = kv + (size_t)nk * 3;
            v[0] = (struct store_value){.type = SV_TEXT, .p = kind[k], .n = 1};
            v[1] = (struct store_value){.type = SV_TEXT, .p = key[k], .n = strlen(key[k])};
            v[2] = (struct store_value){.type = SV_INT, .i = x[i].id};
            rows[nk++] = (struct store_row){3, kcols, v};
        }
    }
    if (!rc && nk)
        rc = pg_copy_rows(p, "order_keys(kind, key, order_id)", rows, nk);
    free(rows);
    free(sv);
    return rc;
}

/* Rebuilds the whole search index from the orders and their events (a migration, load_finish),
 * inside the caller's transaction: a page of orders at a time, with their events' notes in the
 * order the events were written (each note's vector after the ones before, as the appends of
 * notes_append leave it), each page's rows written with COPY. */
static int reindex_all(struct pgs *p)
{
    enum { PAGE = 256 };
    struct reidx *x = calloc(PAGE, sizeof *x);
    struct buf toks;
    buf_init(&toks, 0);
    int64_t after = 0;
    int rc = x ? 0 : -JS_ENOMEM;
    for (int i = 0; i < PAGE && x; i++) {
        buf_init(&x[i].t, 0);
        buf_init(&x[i].b, 0);
        buf_init(&x[i].y, 0);
        buf_init(&x[i].n, 0);
    }
    if (!rc)
        rc = px(p, "DELETE FROM order_keys", NULL, NULL, NULL);
    if (!rc)
        rc = px(p, "DELETE FROM order_search", NULL, NULL, NULL);
    if (!rc)
        rc = exec0(p, "DROP INDEX IF EXISTS order_search_t, order_search_b, order_search_y,"
                      " order_search_n");
    while (!rc) {
        struct pp a = {.n = 0};
        PGresult *r = NULL;
        p_int(&a, after);
        if ((rc = px(p, p->order_page, &a, &r, NULL)))
            break;
        int n = PQntuples(r);
        for (int i = 0; i < n && !rc; i++) {
            struct order o;
            order_init(&o);
            rc = order_read(r, i, &o);
            const char *title[] = {o.title}, *body[] = {o.text, o.address},
                       *reply[] = {o.reply_text};
            struct reidx *e = &x[i];
            e->id = o.id;
            e->t.len = e->b.len = e->y.len = e->n.len = 0;
            e->n_last = 0;
            for (int k = 0; k < 3 && !rc; k++) {
                toks.len = 0;
                rc = store_tokens_of(k == 0 ? title : k == 1 ? body : reply, k == 1 ? 2 : 1, &toks);
                if (!rc)
                    rc = tsvector_of(toks.data, k == 0 ? &e->t : k == 1 ? &e->b : &e->y);
            }
            store_okeys_of(&o, &e->k);
            after = o.id;
            order_release(&o);
        }
        PQclear(r);
        if (rc || n == 0)
            break;
        /* the notes of the page's events, in the order they were written */
        a.n = 0;
        p_int(&a, x[0].id);
        p_int(&a, after);
        if ((rc = px(p,
                     "SELECT " EVENT_COLS " FROM events WHERE order_id BETWEEN $1 AND $2"
                     " ORDER BY order_id, version",
                     &a, &r, NULL)))
            break;
        int cur = 0;
        for (int i = 0; i < PQntuples(r) && !rc; i++) {
            struct event ev;
            rc = event_read(r, i, &ev);
            while (!rc && cur < n && x[cur].id < ev.order_id)
                cur++;
            toks.len = 0;
            if (!rc && cur < n && x[cur].id == ev.order_id && !(rc = store_notes_of(&ev, &toks)) &&
                toks.len) {
                rc = tsvector_at(toks.data, &x[cur].n_last, &x[cur].n);
            }
            event_release(&ev);
        }
        PQclear(r);
        if (!rc)
            rc = reindex_flush(p, x, n);
        if (n < PAGE)
            break;
    }
    if (!rc)
        rc = exec0(p, "SET LOCAL maintenance_work_mem = '256MB'");
    if (!rc)
        rc = exec0(p, pg_order_search_gin);
    for (int i = 0; i < PAGE && x; i++) {
        buf_release(&x[i].t);
        buf_release(&x[i].b);
        buf_release(&x[i].y);
        buf_release(&x[i].n);
    }
    free(x);
    buf_release(&toks);
    return rc;
}

int pg_search_reindex(struct store *s)
{
    return reindex_all(pg_of(s));
}

/* From the identity's sequence: never given twice, whatever commits or rolls back. */
static int pg_order_id_take(struct store *s, int64_t *id)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    int rc = px(p, "SELECT nextval(pg_get_serial_sequence('orders', 'id'))", &a, &r, NULL);
    if (rc)
        return rc;
    *id = val_int(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_order_insert(struct store *s, struct order *o)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    struct opx x;
    PGresult *r = NULL;
    char *units = NULL;
    int64_t id = 0;
    int rc = store_units_check(o);
    if (rc)
        return rc;
    json_t *j = order_to_json(o);
    if (!j || !(units = units_json(j))) {
        rc = -JS_ENOMEM;
        goto out;
    }
    order_params(&a, j, units, o->id != 0);
    if ((rc = op_begin(p, true, &x)))
        goto out;
    rc = px(p, o->id ? p->order_insert_id : p->order_insert, &a, &r, NULL);
    if (!rc) {
        id = val_int(r, 0, 0);
        PQclear(r);
    }
    if (!rc)
        rc = units_write(p, id, o, false);
    if (!rc)
        rc = search_write(p, id, o, true);
    if (!rc)
        rc = keys_write(p, id, o, false);
    if (!rc)
        rc = file_refs_write(p, id, o->attachments);
    rc = op_end(p, &x, rc);
    if (!rc)
        o->id = id;
out:
    free(units);
    json_decref(j);
    return rc;
}

static bool str_differs(const PGresult *r, int col, const char *s)
{
    return strcmp(PQgetvalue(r, 0, col), s ? s : "") != 0;
}

/* Whether texts a and b differ, NULL being "". */
static bool text_differs(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") != 0;
}

/* What an update from stored to o must rewrite besides the row: the search index (texts), the
 * exact keys, the order_units rows (not for a signature or a reply, which change only an
 * assignment's times). */
static void update_extras(const struct order *stored, const struct order *o, bool *text, bool *keys,
                          bool *units)
{
    *text = text_differs(stored->title, o->title) || text_differs(stored->text, o->text) ||
            text_differs(stored->address, o->address) ||
            text_differs(stored->reply_text, o->reply_text);
    *keys = text_differs(stored->number, o->number) ||
            text_differs(stored->upstream_id, o->upstream_id) ||
            text_differs(stored->citizen_phone, o->citizen_phone) ||
            text_differs(stored->citizen_name, o->citizen_name);
    *units = store_unit_rows_differ(stored, o);
}

static int pg_order_update(struct store *s, const struct order *o, const struct order *stored,
                           int64_t expected_version)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    struct opx x;
    PGresult *r = NULL;
    char *units = NULL;
    bool text_changed = false, keys_changed = false, units_changed = false, began = false;
    if (o->id <= 0 || (stored && (stored->id != o->id || stored->version != expected_version)))
        return -JS_EINVAL;
    int rc = store_units_check(o);
    if (rc)
        return rc;
    json_t *j = order_to_json(o);
    if (!j || !(units = units_json(j))) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = op_begin(p, true, &x)))
        goto out;
    began = true;
    /* with the caller's copy, the update's version condition is the only check: a row changed
     * since has another version, and the update then changes nothing (-JS_ECONFLICT) */
    if (stored) {
        update_extras(stored, o, &text_changed, &keys_changed, &units_changed);
        goto write;
    }
    p_int(&a, o->id);
    /* FOR UPDATE: the row stays as read until the update below */
    rc = px(p,
            "SELECT version, title, text, address, units, reply_text, coalesce(number, ''),"
            " upstream_id, citizen_phone, citizen_name FROM orders WHERE id = $1 FOR UPDATE",
            &a, &r, NULL);
    if (rc)
        goto out;
    if (PQntuples(r) == 1) {
        if (val_int(r, 0, 0) != expected_version)
            rc = -JS_ECONFLICT;
        text_changed = str_differs(r, 1, o->title) || str_differs(r, 2, o->text) ||
                       str_differs(r, 3, o->address) || str_differs(r, 5, o->reply_text);
        keys_changed = str_differs(r, 6, o->number) || str_differs(r, 7, o->upstream_id) ||
                       str_differs(r, 8, o->citizen_phone) || str_differs(r, 9, o->citizen_name);
        units_changed = str_differs(r, 4, units);
    } else {
        rc = -JS_ENOTFOUND;
    }
    PQclear(r);
    if (rc)
        goto out;
write:
    a.n = 0;
    order_params(&a, j, units, true);
    p_int(&a, expected_version);
    int64_t changed = 0;
    rc = px(p, p->order_update, &a, NULL, &changed);
    if (!rc && changed != 1)
        rc = -JS_ECONFLICT;
    if (!rc && units_changed)
        rc = units_write(p, o->id, o, true);
    if (!rc && text_changed)
        rc = search_write(p, o->id, o, false);
    if (!rc && keys_changed)
        rc = keys_write(p, o->id, o, true);
    if (!rc)
        rc = file_refs_write(p, o->id, o->attachments);
out:
    if (began)
        rc = op_end(p, &x, rc);
    free(units);
    json_decref(j);
    return rc;
}

static int order_get_one(struct pgs *p, const char *sql, const struct pp *a, struct order *out)
{
    PGresult *r;
    int rc = px(p, sql, a, &r, NULL);
    if (rc)
        return rc;
    rc = PQntuples(r) == 1 ? order_read(r, 0, out) : -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int pg_order_get(struct store *s, int64_t id, struct order *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    order_init(out);
    p_int(&a, id);
    return order_get_one(p, p->order_by_id, &a, out);
}

static int pg_order_get_by_number(struct store *s, const char *number, struct order *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    order_init(out);
    if (!number || !number[0])
        return -JS_ENOTFOUND;
    p_text(&a, number);
    return order_get_one(p, p->order_by_number, &a, out);
}

/* Orders read before any callback runs, so that callbacks may use the store. */
struct order_batch {
    struct order *v;
    int n;
};

static void batch_release(struct order_batch *b)
{
    for (int i = 0; i < b->n; i++)
        order_release(&b->v[i]);
    free(b->v);
    b->v = NULL;
    b->n = 0;
}

static int batch_fill(const PGresult *r, struct order_batch *b)
{
    int n = PQntuples(r);
    b->v = calloc((size_t)(n ? n : 1), sizeof *b->v);
    if (!b->v)
        return -JS_ENOMEM;
    for (int i = 0; i < n; i++) {
        order_init(&b->v[b->n++]);
        int rc = order_read(r, i, &b->v[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Order lists (issue 13): as on SQLite, a page is read by walking an index that serves the
 * sort, once per value of a driving filter with several values (statuses, a category or region
 * subtree), each walk limited to the page and the walks merged; a unit's orders by order_units
 * (unit_id, created_at). The page's ids are read by primary key and put in order here. */
#define LIST_MERGE_MAX 48

enum { PDRIVE_SORT, PDRIVE_STATUS, PDRIVE_UNIT, PDRIVE_CATEGORY, PDRIVE_REGION };

struct pg_plan {
    int drive;
    const char *col; /* the driving column, or NULL */
    int64_t vals[LIST_MERGE_MAX];
    int n_vals;
};

/* The ids of a subtree of table (categories or regions) into pl; *fits false when too many. */
static int pg_subtree(struct pgs *p, const char *table, int64_t root, struct pg_plan *pl,
                      bool *fits)
{
    char sql[256];
    struct pp a = {.n = 0};
    PGresult *r;
    p_int(&a, root);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE sub(id) AS (SELECT $1::bigint UNION SELECT t.id FROM %s t JOIN sub"
             " ON t.parent_id = sub.id) SELECT id FROM sub LIMIT %d",
             table, LIST_MERGE_MAX + 1);
    int rc = px(p, sql, &a, &r, NULL);
    if (rc)
        return rc;
    int n = PQntuples(r);
    *fits = n <= LIST_MERGE_MAX;
    pl->n_vals = 0;
    for (int i = 0; i < n && *fits; i++)
        pl->vals[pl->n_vals++] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
    PQclear(r);
    return 0;
}

/* The way q's page is read, by rule (the same rules as SQLite's list_plan_choose). */
static int pg_plan_choose(struct pgs *p, const struct order_query *q, bool search,
                          struct pg_plan *pl)
{
    bool created = q->sort == SORT_CREATED_DESC || q->sort == SORT_CREATED_ASC, fits = false;
    memset(pl, 0, sizeof *pl);
    pl->drive = PDRIVE_SORT;
    if (search || q->overdue == 1) /* the text index or the overdue partial indexes */
        return 0;
    bool in_work = q->n_statuses > 0;
    for (int i = 0; i < q->n_statuses; i++)
        in_work = in_work && store_status_in_work(q->statuses[i]);
    if (q->unit_id && created && !in_work) {
        pl->drive = PDRIVE_UNIT;
        return 0;
    }
    if (q->n_statuses > 0) {
        pl->drive = PDRIVE_STATUS;
        pl->col = "status";
        for (int i = 0; i < q->n_statuses && pl->n_vals < LIST_MERGE_MAX; i++)
            pl->vals[pl->n_vals++] = q->statuses[i];
        return 0;
    }
    if (!created)
        return 0;
    int rc = 0;
    if (q->category_id && !(rc = pg_subtree(p, "categories", q->category_id, pl, &fits)) && fits) {
        pl->drive = PDRIVE_CATEGORY;
        pl->col = "category_id";
        return 0;
    }
    if (!rc && q->region_id && !(rc = pg_subtree(p, "regions", q->region_id, pl, &fits)) && fits) {
        pl->drive = PDRIVE_REGION;
        pl->col = "region_id";
        return 0;
    }
    pl->n_vals = 0;
    return rc;
}

/* Appends q's filters but the driving one; created spells the creation time (ambiguous in
 * the unit's join). */
static int query_where(const struct order_query *q, const struct pg_plan *pl, const char *created,
                       struct buf *sql, struct pp *a)
{
    int rc = 0;
    if (q->n_statuses > 0 && pl->drive != PDRIVE_STATUS) {
        rc |= buf_puts(sql, " AND status IN (");
        for (int i = 0; i < q->n_statuses; i++) {
            p_int(a, q->statuses[i]);
            rc |= buf_printf(sql, "%s$%d", i ? ", " : "", a->n);
        }
        rc |= buf_puts(sql, ")");
    }
    if (q->unit_id && pl->drive != PDRIVE_UNIT) {
        p_int(a, q->unit_id);
        rc |= buf_printf(sql,
                         " AND EXISTS (SELECT 1 FROM order_units u WHERE u.order_id = orders.id"
                         " AND u.unit_id = $%d)",
                         a->n);
    }
    if (q->category_id && pl->drive != PDRIVE_CATEGORY) {
        p_int(a, q->category_id);
        rc |= buf_printf(sql,
                         " AND category_id IN (WITH RECURSIVE sub(id) AS (SELECT $%d::bigint UNION"
                         " SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)"
                         " SELECT id FROM sub)",
                         a->n);
    }
    if (q->region_id && pl->drive != PDRIVE_REGION) {
        p_int(a, q->region_id);
        rc |= buf_printf(sql,
                         " AND region_id IN (WITH RECURSIVE sub(id) AS (SELECT $%d::bigint UNION"
                         " SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id)"
                         " SELECT id FROM sub)",
                         a->n);
    }
    if (q->channel && q->channel[0]) {
        p_text(a, q->channel);
        rc |= buf_printf(sql, " AND channel = $%d", a->n);
    }
    if (q->type >= 0) {
        p_int(a, q->type);
        rc |= buf_printf(sql, " AND type = $%d", a->n);
    }
    if (q->level >= 0) {
        p_int(a, q->level);
        rc |= buf_printf(sql, " AND level = $%d", a->n);
    }
    if (q->reopened)
        rc |= buf_puts(sql, " AND reopens > 0");
    if (q->instructed)
        rc |= buf_puts(sql, " AND instruct_unit_id <> 0");
    if (q->preinv)
        rc |= buf_puts(sql, " AND preinv = 1");
    if (q->preinv && q->preinv_unit_id) {
        p_int(a, q->preinv_unit_id);
        rc |= buf_printf(sql, " AND preinv_unit_id = $%d", a->n);
    }
    if (q->overdue >= 0) {
        /* spelled as the partial indexes' condition (migration 14) */
        p_int(a, q->now > 0 ? q->now : (int64_t)time(NULL));
        rc |= buf_printf(sql,
                         q->overdue ? " AND " JS_SQL_OVERDUE_OPEN " AND deadline < $%d"
                                    : " AND NOT (" JS_SQL_OVERDUE_OPEN " AND deadline < $%d)",
                         a->n);
    }
    if (q->hanging) /* 挂账: listed as such, never as overdue (hang 2 is out of the filter above) */
        rc |= buf_puts(sql, " AND hang = 2");
    if (q->enterprise) /* the green channel's queue (004) */
        rc |= buf_puts(sql, " AND enterprise <> 0");
    if (q->from) {
        p_int(a, q->from);
        rc |= buf_printf(sql, " AND %s >= $%d", created, a->n);
    }
    if (q->to) {
        p_int(a, q->to);
        rc |= buf_printf(sql, " AND %s < $%d", created, a->n);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* The SQL of q's page (limit + 1 rows, unordered) and its parameters; qs keeps the search
 * texts. */
static int pg_list_sql(struct pgs *p, const struct order_query *q, const struct st_query *m,
                       int64_t ckey, int64_t cid, struct buf *sql, struct buf *qs, struct pp *a)
{
    struct pg_plan pl;
    struct buf filt;
    int rc = pg_plan_choose(p, q, m && m->n > 0, &pl);
    if (rc)
        return rc;
    buf_init(&filt, 0);
    bool unit = pl.drive == PDRIVE_UNIT;
    rc = query_where(q, &pl, unit ? "orders.created_at" : "created_at", &filt, a);
    if (!rc && m && m->n > 0) {
        bool empty;
        rc = match_filter(m, false, "orders.id", qs, &filt, a, &empty);
    }
    const char *key = unit ? "ou.created_at" : store_sorts[q->sort].key,
               *dir = store_sorts[q->sort].dir;
    const char *id = unit ? "ou.order_id" : "orders.id";
    if (!rc && cid) {
        p_int(a, ckey);
        p_int(a, cid);
        rc = buf_printf(&filt, " AND (%s, %s) %s ($%d, $%d)", key, id, store_sorts[q->sort].after,
                        a->n - 1, a->n);
    }
    p_int(a, q->limit + 1);
    int lim = a->n, arms = pl.n_vals > 1 ? pl.n_vals : 1;
    if (!rc)
        rc = buf_printf(sql, "%s WHERE id IN (SELECT id FROM (", p->order_select);
    for (int v = 0; v < arms && !rc; v++) {
        rc |= buf_puts(sql, v ? " UNION ALL (" : "(");
        if (unit) {
            p_int(a, q->unit_id);
            rc |= buf_printf(sql,
                             "SELECT ou.created_at AS k, ou.order_id AS id FROM order_units ou"
                             " JOIN orders ON orders.id = ou.order_id WHERE ou.unit_id = $%d",
                             a->n);
        } else {
            rc |= buf_printf(sql, "SELECT %s AS k, orders.id AS id FROM orders WHERE TRUE", key);
        }
        if (pl.col) /* validated enum values and ids read from the database: literals */
            rc |= buf_printf(sql, " AND %s = %lld", pl.col, (long long)pl.vals[v]);
        rc |= buf_printf(sql, "%s ORDER BY %s %s, %s %s LIMIT $%d)", filt.data ? filt.data : "",
                         key, dir, id, dir, lim);
    }
    if (!rc)
        rc = buf_printf(sql, ") x ORDER BY k %s, id %s LIMIT $%d)", dir, dir, lim);
    buf_release(&filt);
    return rc ? (rc < 0 ? rc : -JS_ENOMEM) : 0;
}

/* Checks q, parses its cursor and its search text (into parsed; *m: the query to match). */
static int pg_list_prepare(const struct order_query *q, int64_t *ckey, int64_t *cid,
                           struct st_query *parsed, const struct st_query **m)
{
    if (store_query_check(q, ckey, cid))
        return -JS_EINVAL;
    *m = q->match;
    if (!*m && q->text && q->text[0]) {
        *m = parsed;
        return searchtext_query(q->text, NULL, parsed);
    }
    return 0;
}

static int pg_order_query(struct store *s, const struct order_query *q, store_order_cb cb,
                          void *ctx, char *next_cursor, size_t cursor_size)
{
    struct pgs *p = pg_of(s);
    struct buf sql, qs;
    struct pp a = {.n = 0};
    struct order_batch b = {0};
    struct st_query parsed = {.n = 0};
    const struct st_query *m = NULL;
    PGresult *r = NULL;
    int64_t ckey = 0, cid = 0;
    int rc = 0;

    if (next_cursor && cursor_size)
        next_cursor[0] = '\0';
    buf_init(&sql, 0);
    buf_init(&qs, 0);
    if (next_cursor && cursor_size < STORE_CURSOR_MIN_SIZE)
        rc = -JS_EINVAL;
    if (!rc)
        rc = pg_list_prepare(q, &ckey, &cid, &parsed, &m);
    if (!rc)
        rc = pg_list_sql(p, q, m, ckey, cid, &sql, &qs, &a);
    if (rc)
        goto out;
    if ((rc = px(p, sql.data, &a, &r, NULL)))
        goto out;
    rc = batch_fill(r, &b);
    PQclear(r);
    if (rc)
        goto out;
    if ((rc = store_sort_orders(b.v, b.n, q->sort)))
        goto out;
    int n = b.n < q->limit ? b.n : q->limit;
    for (int i = 0; i < n; i++)
        if ((rc = cb(ctx, &b.v[i])))
            goto out;
    if (b.n > q->limit && next_cursor)
        snprintf(next_cursor, cursor_size, "%d.%lld.%lld", q->sort,
                 (long long)store_sort_key(q->sort, &b.v[n - 1]), (long long)b.v[n - 1].id);
out:
    searchtext_query_release(&parsed);
    batch_release(&b);
    buf_release(&sql);
    buf_release(&qs);
    return rc;
}

static int pg_order_query_plan(struct store *s, const struct order_query *q, struct buf *out)
{
    struct pgs *p = pg_of(s);
    struct buf sql, qs;
    struct pp a = {.n = 0};
    struct st_query parsed = {.n = 0};
    const struct st_query *m = NULL;
    PGresult *r = NULL;
    int64_t ckey = 0, cid = 0;
    int rc;

    buf_init(&sql, 0);
    buf_init(&qs, 0);
    rc = pg_list_prepare(q, &ckey, &cid, &parsed, &m);
    if (!rc)
        rc = buf_puts(&sql, "EXPLAIN ") ? -JS_ENOMEM : 0;
    if (!rc)
        rc = pg_list_sql(p, q, m, ckey, cid, &sql, &qs, &a);
    if (!rc)
        rc = px(p, sql.data, &a, &r, NULL);
    for (int i = 0; !rc && i < PQntuples(r); i++)
        if (buf_printf(out, "%s\n", PQgetvalue(r, i, 0)))
            rc = -JS_ENOMEM;
    PQclear(r);
    searchtext_query_release(&parsed);
    buf_release(&sql);
    buf_release(&qs);
    return rc;
}

static int pg_analyze(struct store *s)
{
    return exec0(pg_of(s), "ANALYZE");
}

static int pg_order_each(struct store *s, store_order_cb cb, void *ctx)
{
    struct pgs *p = pg_of(s);
    int64_t after = 0;
    int rc = 0;
    for (;;) {
        struct order_batch b = {0};
        struct pp a = {.n = 0};
        PGresult *r;
        p_int(&a, after);
        if ((rc = px(p, p->order_page, &a, &r, NULL)))
            break;
        rc = batch_fill(r, &b);
        PQclear(r);
        for (int i = 0; i < b.n && !rc; i++)
            rc = cb(ctx, &b.v[i]);
        int n = b.n;
        if (n)
            after = b.v[n - 1].id;
        batch_release(&b);
        if (rc || n < 256)
            break;
    }
    return rc;
}

static int pg_order_ids_by(struct store *s, int link, int64_t value, int64_t *ids, int max, int *n)
{
    struct pp a = {.n = 0};
    PGresult *r;
    const char *sql;
    *n = 0;
    if (link == LINK_MASTER)
        sql = "SELECT id FROM orders WHERE master_id = $1 AND master_id != 0 ORDER BY id LIMIT $2";
    else if (link == LINK_PARENT)
        sql = "SELECT id FROM orders WHERE parent_id = $1 AND parent_id != 0 ORDER BY id LIMIT $2";
    else if (link == LINK_DUPLICATE_OF)
        sql = "SELECT id FROM orders WHERE duplicate_of = $1 AND duplicate_of != 0 ORDER BY id"
              " LIMIT $2";
    else
        return -JS_EINVAL;
    if (max < 0 || (max > 0 && !ids))
        return -JS_EINVAL;
    p_int(&a, value);
    p_int(&a, max);
    int rc = px(pg_of(s), sql, &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && *n < max; i++)
        ids[(*n)++] = val_int(r, i, 0);
    PQclear(r);
    return 0;
}

static int pg_order_count_by_status(struct store *s, int64_t counts[ST__COUNT])
{
    PGresult *r;
    for (int i = 0; i < ST__COUNT; i++)
        counts[i] = 0;
    int rc = px(pg_of(s), "SELECT status, count(*) FROM orders GROUP BY status", NULL, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int status = (int)val_int(r, i, 0);
        if (in_range(status, ST__COUNT))
            counts[status] = val_int(r, i, 1);
    }
    PQclear(r);
    return 0;
}

/* ---- search ---- */

static int search_filters(const struct search_query *q, int64_t since_id, const char *col,
                          struct buf *sql, struct pp *a)
{
    int rc = 0;
    if (q->unit_id) {
        p_int(a, q->unit_id);
        rc |= buf_printf(sql, " AND %s IN (SELECT order_id FROM order_units WHERE unit_id = $%d)",
                         col, a->n);
    }
    if (since_id) {
        p_int(a, since_id);
        rc |= buf_printf(sql, " AND %s >= $%d", col, a->n);
    }
    if (q->exclude_id) {
        p_int(a, q->exclude_id);
        rc |= buf_printf(sql, " AND %s != $%d", col, a->n);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* Runs sql and adds each new id (column 0; column 1, when present, 't' for an exact key) as a
 * hit of kind. */
static int search_collect(struct pgs *p, const char *sql, const struct pp *a, int kind,
                          struct store_hits *h)
{
    PGresult *r;
    int rc = px(p, sql, a, &r, NULL);
    if (rc)
        return rc;
    bool exact_col = PQnfields(r) > 1;
    for (int i = 0; i < PQntuples(r) && h->n < h->want; i++) {
        store_hits_add(h, val_int(r, i, 0), kind,
                       exact_col && strcmp(PQgetvalue(r, i, 1), "t") == 0);
    }
    PQclear(r);
    return 0;
}

/* Lookups in order_keys (store_search_backend.keys): the key whole, or the longer keys it begins
 * (bytewise: key COLLATE "C" in (key, key || U+10FFFF), the largest character, so that the bound
 * is valid UTF-8). */
static int search_keys(void *ctx, const struct search_query *sq, int64_t since_id,
                       const char *kind_letter, const char *key, bool whole, int kind,
                       struct store_hits *h)
{
    struct pgs *p = ctx;
    struct buf sql;
    struct pp a = {.n = 0};
    char hi[168];
    size_t n = strlen(key);
    if (n == 0 || n >= 160)
        return 0;
    memcpy(hi, key, n);
    memcpy(hi + n, "\xF4\x8F\xBF\xBF", 5);
    buf_init(&sql, 0);
    p_text(&a, key);
    p_text(&a, kind_letter);
    int rc = buf_printf(&sql, "SELECT order_id, %s FROM order_keys WHERE kind = $2",
                        whole ? "true" : "false");
    if (whole) {
        rc |= buf_puts(&sql, " AND key = $1");
    } else {
        p_text(&a, hi);
        rc |= buf_puts(&sql, " AND key > $1 AND key < $3");
    }
    rc = rc ? -JS_ENOMEM : search_filters(sq, since_id, "order_id", &sql, &a);
    p_int(&a, h->want);
    if (!rc)
        rc = buf_printf(&sql, " ORDER BY order_id DESC LIMIT $%d", a.n) ? -JS_ENOMEM : 0;
    if (!rc)
        rc = search_collect(p, sql.data, &a, kind, h);
    buf_release(&sql);
    return rc;
}

/* Numbers (store_search_backend.numbers): each a probe of orders.number's unique index. */
static int search_numbers(void *ctx, const struct search_query *sq, int64_t since_id,
                          const char *numbers, bool whole, struct store_hits *h)
{
    struct buf sql;
    struct pp a = {.n = 0};
    buf_init(&sql, 0);
    p_text(&a, numbers);
    int rc = buf_printf(&sql,
                        "SELECT id, %s FROM orders WHERE number = ANY(ARRAY(SELECT"
                        " jsonb_array_elements_text($1::jsonb)))",
                        whole ? "true" : "false")
                 ? -JS_ENOMEM
                 : search_filters(sq, since_id, "id", &sql, &a);
    p_int(&a, h->want);
    if (!rc)
        rc = buf_printf(&sql, " ORDER BY id DESC LIMIT $%d", a.n) ? -JS_ENOMEM : 0;
    if (!rc)
        rc = search_collect(ctx, sql.data, &a, SEARCH_NUMBER, h);
    buf_release(&sql);
    return rc;
}

/* The days' order-number sequences (store_search_backend.days): a walk down seqs_day. */
static int search_days(void *ctx, const char *before, int64_t min_last, int max, char (*day)[9],
                       int64_t *last, int *n)
{
    struct pgs *p = ctx;
    struct pp a = {.n = 0};
    PGresult *r;
    char hi[16];
    snprintf(hi, sizeof hi, before[0] ? "order:%s" : "order;", before);
    *n = 0;
    p_text(&a, hi);
    p_int(&a, max);
    p_int(&a, min_last);
    int rc = px(p,
                "SELECT substr(key, 7), value FROM seqs WHERE key COLLATE \"C\" > 'order:' AND"
                " key COLLATE \"C\" < $1 AND length(key) = 14 AND value >= $3"
                " ORDER BY key COLLATE \"C\" DESC LIMIT $2",
                &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && i < max; i++) {
        snprintf(day[*n], 9, "%s", PQgetvalue(r, i, 0));
        last[(*n)++] = val_int(r, i, 1);
    }
    PQclear(r);
    return 0;
}

/* Matches at most this many are fetched whole and sorted here; a word with more is common
 * enough that walking the orders newest first finds a page of them at once. */
#define SEARCH_PROBE 2000

static int by_id_desc(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? 1 : a > b ? -1 : 0;
}

/* Text: first the orders whose title matches, then the others, newest first in each. Each tier
 * first asks for up to SEARCH_PROBE matches in any order (the GIN indexes: cheap for a rare
 * word); all of them came back: they are sorted here. More: the word is common, and the orders
 * are walked newest first (order_search's key, backwards) until a page matched. One plan for
 * both would be wrong for one of them: sorting every match of a common word took 245 ms at
 * 1,000,000 orders, walking for a rare one seconds. */
static int search_text(void *ctx, const struct search_query *sq, int64_t since_id,
                       struct store_hits *h)
{
    struct pgs *p = ctx;
    struct buf sql, where, qs;
    int64_t *ids = NULL;
    int rc = 0;
    buf_init(&sql, 0);
    buf_init(&where, 0);
    buf_init(&qs, 0);
    for (int tier = sq->newest_only ? 1 : 0; tier < 2 && !rc && h->n < h->want; tier++) {
        struct pp a = {.n = 0};
        bool empty = true;
        PGresult *r = NULL;
        buf_reset(&where);
        buf_reset(&qs);
        rc = buf_puts(&where, " FROM order_search s WHERE TRUE") ? -JS_ENOMEM : 0;
        if (!rc)
            rc = match_where(sq->text, tier == 0, &qs, &where, &a, &empty);
        if (rc || empty)
            break;
        if ((rc = search_filters(sq, since_id, "s.order_id", &where, &a)))
            break;
        struct pp probe = a;
        p_int(&probe, SEARCH_PROBE + 1);
        buf_reset(&sql);
        if (buf_printf(&sql, "SELECT s.order_id%s LIMIT $%d", where.data, probe.n)) {
            rc = -JS_ENOMEM;
            break;
        }
        if ((rc = px(p, sql.data, &probe, &r, NULL)))
            break;
        int n = PQntuples(r);
        if (n <= SEARCH_PROBE) {
            free(ids);
            ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
            if (!ids) {
                PQclear(r);
                rc = -JS_ENOMEM;
                break;
            }
            for (int i = 0; i < n; i++)
                ids[i] = val_int(r, i, 0);
            PQclear(r);
            qsort(ids, (size_t)n, sizeof *ids, by_id_desc);
            for (int i = 0; i < n && h->n < h->want; i++)
                store_hits_add(h, ids[i], SEARCH_TEXT, false);
            continue;
        }
        PQclear(r);
        p_int(&a, h->want);
        buf_reset(&sql);
        if (buf_printf(&sql, "SELECT s.order_id%s ORDER BY s.order_id DESC LIMIT $%d", where.data,
                       a.n)) {
            rc = -JS_ENOMEM;
            break;
        }
        rc = search_collect(p, sql.data, &a, SEARCH_TEXT, h);
    }
    free(ids);
    buf_release(&sql);
    buf_release(&where);
    buf_release(&qs);
    return rc;
}

/* The id of the first order created at or after since (INT64_MAX: none), remembered for the
 * next search with the same bound. */
static int pg_search_since(void *ctx, int64_t since, int64_t *id)
{
    struct pgs *p = ctx;
    if (since == p->memo_since) {
        *id = p->memo_since_id;
        return 0;
    }
    struct pp a = {.n = 0};
    PGresult *r;
    p_int(&a, since);
    int rc = px(p, "SELECT id FROM orders WHERE created_at >= $1 ORDER BY created_at LIMIT 1", &a,
                &r, NULL);
    if (rc)
        return rc;
    *id = PQntuples(r) == 1 ? val_int(r, 0, 0) : INT64_MAX;
    PQclear(r);
    if (*id != INT64_MAX) {
        p->memo_since = since;
        p->memo_since_id = *id;
    }
    return 0;
}

static const struct store_search_backend pg_search = {pg_search_since, search_keys, search_numbers,
                                                      search_days, search_text};

static int pg_order_search(struct store *s, const struct search_query *sq, struct search_hit *out,
                           int *n, bool *more)
{
    return store_search_run(&pg_search, pg_of(s), sq, out, n, more);
}

/* ---------------------------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------------------------- */

static int pg_event_append(struct store *s, struct event *ev)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    struct opx x;
    PGresult *r = NULL;
    if (!in_range(ev->action, ACT__COUNT) || !in_range(ev->status_before, ST__COUNT) ||
        !in_range(ev->status_after, ST__COUNT) || !in_range(ev->actor.role, ROLE__COUNT) ||
        ev->order_id <= 0 || (ev->payload && !json_is_object(ev->payload)))
        return -JS_EINVAL;
    char *payload = ev->payload ? jsonw_dumps(ev->payload) : strdup("{}");
    if (!payload)
        return -JS_ENOMEM;
    p_int(&a, ev->order_id);
    p_int(&a, ev->version);
    p_int(&a, ev->at);
    p_id(&a, ev->actor.user_id);
    p_text(&a, js_role_names[ev->actor.role]);
    p_id(&a, ev->actor.unit_id);
    p_text(&a, ev->actor.name);
    p_text(&a, js_action_names[ev->action]);
    p_text(&a, js_status_names[ev->status_before]);
    p_text(&a, js_status_names[ev->status_after]);
    p_text(&a, payload);
    int rc = op_begin(p, true, &x);
    if (rc)
        goto out;
    rc = px(p,
            "INSERT INTO events(order_id, version, at, actor_user, actor_role, actor_unit,"
            " actor_name, action, status_before, status_after, payload)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            &a, &r, NULL);
    int64_t id = 0;
    if (!rc) {
        id = val_int(r, 0, 0);
        PQclear(r);
    }
    if (!rc)
        rc = notes_append(p, ev);
    rc = op_end(p, &x, rc);
    if (!rc)
        ev->id = id;
out:
    free(payload);
    return rc;
}

static int event_read(const PGresult *r, int row, struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = val_int(r, row, 0);
    ev->order_id = val_int(r, row, 1);
    ev->version = val_int(r, row, 2);
    ev->at = val_int(r, row, 3);
    ev->actor.user_id = val_int(r, row, 4);
    ev->actor.role = val_enum(r, row, 5, js_role_names);
    ev->actor.unit_id = val_int(r, row, 6);
    val_copy(r, row, 7, ev->actor.name, sizeof ev->actor.name);
    ev->action = val_enum(r, row, 8, js_action_names);
    ev->status_before = val_enum(r, row, 9, js_status_names);
    ev->status_after = val_enum(r, row, 10, js_status_names);
    ev->payload = PQgetisnull(r, row, 11) ? NULL : json_loads(PQgetvalue(r, row, 11), 0, NULL);
    if (ev->actor.role < 0 || ev->action < 0 || ev->status_before < 0 || ev->status_after < 0 ||
        !ev->payload) {
        fprintf(stderr, "jiesu: event %lld is unreadable (unknown name or bad payload)\n",
                (long long)ev->id);
        return -JS_EDB;
    }
    return 0;
}

static int pg_event_each(struct store *s, int64_t order_id, store_event_cb cb, void *ctx)
{
    struct pp a = {.n = 0};
    struct event_list l;
    PGresult *r;
    event_list_init(&l);
    p_int(&a, order_id);
    int rc = px(pg_of(s), "SELECT " EVENT_COLS " FROM events WHERE order_id = $1 ORDER BY version",
                &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        struct event ev;
        rc = event_read(r, i, &ev);
        if (!rc)
            rc = event_list_push(&l, &ev);
        if (rc)
            event_release(&ev);
    }
    PQclear(r);
    for (int i = 0; i < l.n && !rc; i++)
        rc = cb(ctx, &l.v[i]);
    event_list_release(&l);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Organisation
 * ------------------------------------------------------------------------------------------- */

typedef void (*row_reader)(const PGresult *r, int row, void *item);

/* Inserts (id 0: *id is assigned; insert_sql takes the item's parameters, RETURNING id) or
 * updates (no such row: -JS_ENOTFOUND; update_sql's $1 is the id). */
static int put_row(struct pgs *p, const char *insert_sql, const char *update_sql, int64_t *id,
                   void (*params)(struct pp *a, const void *item), const void *item)
{
    struct pp a = {.n = 0};
    PGresult *r = NULL;
    int64_t changed = 0;
    if (*id < 0)
        return -JS_EINVAL;
    if (*id) {
        p_int(&a, *id);
        params(&a, item);
        int rc = write1(p, update_sql, &a, NULL, &changed);
        return rc ? rc : changed ? 0 : -JS_ENOTFOUND;
    }
    params(&a, item);
    int rc = write1(p, insert_sql, &a, &r, NULL);
    if (!rc) {
        *id = val_int(r, 0, 0);
        PQclear(r);
    }
    return rc;
}

static int get_row(struct pgs *p, const char *sql, int64_t id, const char *text, row_reader read,
                   void *item)
{
    struct pp a = {.n = 0};
    PGresult *r;
    if (text)
        p_text(&a, text);
    else
        p_int(&a, id);
    int rc = px(p, sql, &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        read(r, 0, item);
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int list_rows(struct pgs *p, const char *sql, size_t size, row_reader read, void **out,
                     int *n)
{
    PGresult *r;
    *out = NULL;
    *n = 0;
    int rc = px(p, sql, NULL, &r, NULL);
    if (rc)
        return rc;
    int rows = PQntuples(r);
    char *v = calloc((size_t)(rows ? rows : 1), size);
    if (!v) {
        PQclear(r);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < rows; i++)
        read(r, i, v + (size_t)i * size);
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}

#define UNIT_COLS                                                                                  \
    "id, code, name, kind, region_id, active, leader_name, leader_phone, leader_email,"            \
    " section_name, section_phone, section_email, operator_name, operator_phone, operator_email"

static void unit_params(struct pp *a, const void *item)
{
    const struct unit *u = item;
    p_text_or_null(a, u->code);
    p_text(a, u->name);
    p_text(a, js_unit_kind_names[u->kind]);
    p_id(a, u->region_id);
    p_int(a, u->active);
    for (int t = 0; t < CONTACT__COUNT; t++) {
        p_text(a, u->contacts[t].name);
        p_text(a, u->contacts[t].phone);
        p_text(a, u->contacts[t].email);
    }
}

static void unit_read(const PGresult *r, int row, void *item)
{
    struct unit *u = item;
    memset(u, 0, sizeof *u);
    u->id = val_int(r, row, 0);
    val_copy(r, row, 1, u->code, sizeof u->code);
    val_copy(r, row, 2, u->name, sizeof u->name);
    u->kind = val_enum(r, row, 3, js_unit_kind_names);
    u->region_id = val_int(r, row, 4);
    u->active = val_int(r, row, 5) != 0;
    for (int t = 0; t < CONTACT__COUNT; t++) {
        val_copy(r, row, 6 + 3 * t, u->contacts[t].name, sizeof u->contacts[t].name);
        val_copy(r, row, 7 + 3 * t, u->contacts[t].phone, sizeof u->contacts[t].phone);
        val_copy(r, row, 8 + 3 * t, u->contacts[t].email, sizeof u->contacts[t].email);
    }
}

static int pg_unit_put(struct store *s, struct unit *u)
{
    if (!in_range(u->kind, UNIT__COUNT))
        return -JS_EINVAL;
    return put_row(pg_of(s),
                   "INSERT INTO units(code, name, kind, region_id, active, leader_name,"
                   " leader_phone, leader_email, section_name, section_phone, section_email,"
                   " operator_name, operator_phone, operator_email) VALUES ($1, $2, $3, $4, $5,"
                   " $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
                   "UPDATE units SET code = $2, name = $3, kind = $4, region_id = $5, active = $6,"
                   " leader_name = $7, leader_phone = $8, leader_email = $9, section_name = $10,"
                   " section_phone = $11, section_email = $12, operator_name = $13,"
                   " operator_phone = $14, operator_email = $15 WHERE id = $1",
                   &u->id, unit_params, u);
}

static int pg_unit_get(struct store *s, int64_t id, struct unit *out)
{
    return get_row(pg_of(s), "SELECT " UNIT_COLS " FROM units WHERE id = $1", id, NULL, unit_read,
                   out);
}

static int pg_unit_get_by_code(struct store *s, const char *code, struct unit *out)
{
    if (!code || !code[0])
        return -JS_ENOTFOUND;
    return get_row(pg_of(s), "SELECT " UNIT_COLS " FROM units WHERE code = $1", 0, code, unit_read,
                   out);
}

static int pg_unit_list(struct store *s, struct unit **out, int *n)
{
    return list_rows(pg_of(s), "SELECT " UNIT_COLS " FROM units ORDER BY id", sizeof **out,
                     unit_read, (void **)out, n);
}

#define USER_COLS "id, login, name, role, unit_id, phone, pwhash, active"

static void user_params(struct pp *a, const void *item)
{
    const struct user *u = item;
    p_text_or_null(a, u->login);
    p_text(a, u->name);
    p_text(a, js_role_names[u->role]);
    p_id(a, u->unit_id);
    p_text(a, u->phone);
    p_text(a, u->pwhash);
    p_int(a, u->active);
}

static void user_read(const PGresult *r, int row, void *item)
{
    struct user *u = item;
    memset(u, 0, sizeof *u);
    u->id = val_int(r, row, 0);
    val_copy(r, row, 1, u->login, sizeof u->login);
    val_copy(r, row, 2, u->name, sizeof u->name);
    u->role = val_enum(r, row, 3, js_role_names);
    u->unit_id = val_int(r, row, 4);
    val_copy(r, row, 5, u->phone, sizeof u->phone);
    val_copy(r, row, 6, u->pwhash, sizeof u->pwhash);
    u->active = val_int(r, row, 7) != 0;
}

static int pg_user_put(struct store *s, struct user *u)
{
    if (!in_range(u->role, ROLE__COUNT))
        return -JS_EINVAL;
    return put_row(pg_of(s),
                   "INSERT INTO users(login, name, role, unit_id, phone, pwhash, active)"
                   " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                   "UPDATE users SET login = $2, name = $3, role = $4, unit_id = $5, phone = $6,"
                   " pwhash = $7, active = $8 WHERE id = $1",
                   &u->id, user_params, u);
}

static int pg_user_get(struct store *s, int64_t id, struct user *out)
{
    return get_row(pg_of(s), "SELECT " USER_COLS " FROM users WHERE id = $1", id, NULL, user_read,
                   out);
}

static int pg_user_get_by_login(struct store *s, const char *login, struct user *out)
{
    if (!login || !login[0])
        return -JS_ENOTFOUND;
    return get_row(pg_of(s), "SELECT " USER_COLS " FROM users WHERE login = $1", 0, login,
                   user_read, out);
}

static int pg_user_list(struct store *s, struct user **out, int *n)
{
    return list_rows(pg_of(s), "SELECT " USER_COLS " FROM users ORDER BY id", sizeof **out,
                     user_read, (void **)out, n);
}

#define REGION_COLS "id, parent_id, level, code, name"

static void region_params(struct pp *a, const void *item)
{
    const struct region *r = item;
    p_id(a, r->parent_id);
    p_text(a, js_region_level_names[r->level]);
    p_text(a, r->code);
    p_text(a, r->name);
}

static void region_read(const PGresult *res, int row, void *item)
{
    struct region *r = item;
    memset(r, 0, sizeof *r);
    r->id = val_int(res, row, 0);
    r->parent_id = val_int(res, row, 1);
    r->level = val_enum(res, row, 2, js_region_level_names);
    val_copy(res, row, 3, r->code, sizeof r->code);
    val_copy(res, row, 4, r->name, sizeof r->name);
}

static int pg_region_put(struct store *s, struct region *r)
{
    if (!in_range(r->level, RLEVEL__COUNT) || r->parent_id < 0 || (r->id && r->parent_id == r->id))
        return -JS_EINVAL;
    return put_row(pg_of(s),
                   "INSERT INTO regions(parent_id, level, code, name) VALUES ($1, $2, $3, $4)"
                   " RETURNING id",
                   "UPDATE regions SET parent_id = $2, level = $3, code = $4, name = $5"
                   " WHERE id = $1",
                   &r->id, region_params, r);
}

static int pg_region_get(struct store *s, int64_t id, struct region *out)
{
    return get_row(pg_of(s), "SELECT " REGION_COLS " FROM regions WHERE id = $1", id, NULL,
                   region_read, out);
}

static int pg_region_list(struct store *s, struct region **out, int *n)
{
    return list_rows(pg_of(s), "SELECT " REGION_COLS " FROM regions ORDER BY id", sizeof **out,
                     region_read, (void **)out, n);
}

#define CATEGORY_COLS "id, parent_id, level, code, name"

static void category_params(struct pp *a, const void *item)
{
    const struct category *c = item;
    p_id(a, c->parent_id);
    p_int(a, c->level);
    p_text_or_null(a, c->code);
    p_text(a, c->name);
}

static void category_read(const PGresult *r, int row, void *item)
{
    struct category *c = item;
    memset(c, 0, sizeof *c);
    c->id = val_int(r, row, 0);
    c->parent_id = val_int(r, row, 1);
    c->level = (int)val_int(r, row, 2);
    val_copy(r, row, 3, c->code, sizeof c->code);
    val_copy(r, row, 4, c->name, sizeof c->name);
}

static int pg_category_put(struct store *s, struct category *c)
{
    if (c->parent_id < 0 || (c->id && c->parent_id == c->id))
        return -JS_EINVAL;
    return put_row(pg_of(s),
                   "INSERT INTO categories(parent_id, level, code, name) VALUES ($1, $2, $3, $4)"
                   " RETURNING id",
                   "UPDATE categories SET parent_id = $2, level = $3, code = $4, name = $5"
                   " WHERE id = $1",
                   &c->id, category_params, c);
}

static int pg_category_get(struct store *s, int64_t id, struct category *out)
{
    return get_row(pg_of(s), "SELECT " CATEGORY_COLS " FROM categories WHERE id = $1", id, NULL,
                   category_read, out);
}

static int pg_category_list(struct store *s, struct category **out, int *n)
{
    return list_rows(pg_of(s), "SELECT " CATEGORY_COLS " FROM categories ORDER BY id", sizeof **out,
                     category_read, (void **)out, n);
}

#define CATALOGUE_COLS "id, category_id, region_id, unit_id, basis"

static void catalogue_params(struct pp *a, const void *item)
{
    const struct catalogue_entry *c = item;
    p_int(a, c->category_id);
    p_id(a, c->region_id);
    p_int(a, c->unit_id);
    p_text(a, c->basis);
}

static void catalogue_read(const PGresult *r, int row, void *item)
{
    struct catalogue_entry *c = item;
    memset(c, 0, sizeof *c);
    c->id = val_int(r, row, 0);
    c->category_id = val_int(r, row, 1);
    c->region_id = val_int(r, row, 2);
    c->unit_id = val_int(r, row, 3);
    val_copy(r, row, 4, c->basis, sizeof c->basis);
}

static int pg_catalogue_put(struct store *s, struct catalogue_entry *c)
{
    if (c->category_id <= 0 || c->unit_id <= 0 || c->region_id < 0)
        return -JS_EINVAL;
    return put_row(pg_of(s),
                   "INSERT INTO catalogue(category_id, region_id, unit_id, basis)"
                   " VALUES ($1, $2, $3, $4) RETURNING id",
                   "UPDATE catalogue SET category_id = $2, region_id = $3, unit_id = $4,"
                   " basis = $5 WHERE id = $1",
                   &c->id, catalogue_params, c);
}

static int pg_catalogue_delete(struct store *s, int64_t id)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    p_int(&a, id);
    int rc = write1(pg_of(s), "DELETE FROM catalogue WHERE id = $1", &a, NULL, &changed);
    return rc ? rc : changed ? 0 : -JS_ENOTFOUND;
}

static int pg_catalogue_list(struct store *s, struct catalogue_entry **out, int *n)
{
    return list_rows(pg_of(s), "SELECT " CATALOGUE_COLS " FROM catalogue ORDER BY id", sizeof **out,
                     catalogue_read, (void **)out, n);
}

static int pg_catalogue_lookup(struct store *s, int64_t category_id, int64_t region_id,
                               struct catalogue_entry *out)
{
    struct pp a = {.n = 0};
    memset(out, 0, sizeof *out);
    if (category_id <= 0)
        return -JS_ENOTFOUND;
    p_int(&a, category_id);
    p_int(&a, region_id);
    PGresult *r;
    /* as store_sqlite.c: walk up both trees, nearest category, then nearest region, "any
     * region" last */
    int rc = px(pg_of(s),
                "WITH RECURSIVE"
                " cat(id, depth) AS (SELECT $1::bigint, 0 UNION ALL SELECT c.parent_id,"
                "  cat.depth + 1 FROM categories c JOIN cat ON c.id = cat.id"
                "  WHERE c.parent_id IS NOT NULL AND cat.depth < 32),"
                " reg(id, depth) AS (SELECT $2::bigint, 0 WHERE $2::bigint > 0 UNION ALL"
                "  SELECT r.parent_id, reg.depth + 1 FROM regions r JOIN reg ON r.id = reg.id"
                "  WHERE r.parent_id IS NOT NULL AND reg.depth < 32)"
                " SELECT k.id, k.category_id, k.region_id, k.unit_id, k.basis"
                " FROM catalogue k JOIN cat ON k.category_id = cat.id"
                " LEFT JOIN reg ON k.region_id = reg.id"
                " WHERE k.region_id IS NULL OR reg.id IS NOT NULL"
                " ORDER BY cat.depth, k.region_id IS NULL, reg.depth NULLS FIRST, k.id LIMIT 1",
                &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) >= 1)
        catalogue_read(r, 0, out);
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Settings, sessions, failed logins, audit, idempotency
 * ------------------------------------------------------------------------------------------- */

static int pg_setting_get(struct store *s, const char *key, char **out)
{
    struct pp a = {.n = 0};
    PGresult *r;
    *out = NULL;
    p_text(&a, key);
    int rc = px(pg_of(s), "SELECT value FROM settings WHERE key = $1", &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        rc = (*out = val_dup(r, 0, 0)) ? 0 : -JS_ENOMEM;
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int pg_setting_put(struct store *s, const char *key, const char *json)
{
    struct pp a = {.n = 0};
    if (!key || !key[0] || !json)
        return -JS_EINVAL;
    p_text(&a, key);
    p_text(&a, json);
    /* not JSON: the CHECK's cast fails, -JS_EINVAL */
    return write1(pg_of(s),
                  "INSERT INTO settings(key, value) VALUES ($1, $2)"
                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                  &a, NULL, NULL);
}

static int pg_session_put(struct store *s, const char *token_hash, int64_t user_id,
                          int64_t expires_at)
{
    struct pp a = {.n = 0};
    if (!token_hash || !token_hash[0])
        return -JS_EINVAL;
    p_text(&a, token_hash);
    p_int(&a, user_id);
    p_int(&a, expires_at);
    return write1(pg_of(s),
                  "INSERT INTO sessions(token_hash, user_id, expires_at) VALUES ($1, $2, $3)"
                  " ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id,"
                  " expires_at = excluded.expires_at",
                  &a, NULL, NULL);
}

static int pg_session_get(struct store *s, const char *token_hash, int64_t now, struct user *out)
{
    struct pp a = {.n = 0};
    PGresult *r;
    memset(out, 0, sizeof *out);
    p_text(&a, token_hash);
    p_int(&a, now);
    int rc = px(pg_of(s),
                "SELECT " USER_COLS " FROM users WHERE id = (SELECT user_id FROM sessions"
                " WHERE token_hash = $1 AND expires_at > $2)",
                &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        user_read(r, 0, out);
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int pg_session_delete(struct store *s, const char *token_hash)
{
    struct pp a = {.n = 0};
    p_text(&a, token_hash);
    /* deleting an absent session is not an error: logout is idempotent */
    return write1(pg_of(s), "DELETE FROM sessions WHERE token_hash = $1", &a, NULL, NULL);
}

static int pg_session_delete_user(struct store *s, int64_t user_id, const char *keep_hash, int *n)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    p_int(&a, user_id);
    p_text(&a, keep_hash ? keep_hash : "");
    int rc = write1(pg_of(s), "DELETE FROM sessions WHERE user_id = $1 AND token_hash != $2", &a,
                    NULL, &changed);
    if (n)
        *n = rc ? 0 : (int)changed;
    return rc;
}

static int pg_login_failure_put(struct store *s, const char *key, int64_t at, int64_t forget_before)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    struct opx x;
    int rc = op_begin(p, true, &x);
    if (rc)
        return rc;
    p_int(&a, forget_before);
    rc = px(p, "DELETE FROM login_failures WHERE at < $1", &a, NULL, NULL);
    if (!rc) {
        a.n = 0;
        p_text(&a, key);
        p_int(&a, at);
        rc = px(p, "INSERT INTO login_failures(key, at) VALUES ($1, $2)", &a, NULL, NULL);
    }
    return op_end(p, &x, rc);
}

static int pg_login_failure_clear(struct store *s, const char *key)
{
    struct pp a = {.n = 0};
    p_text(&a, key);
    return write1(pg_of(s), "DELETE FROM login_failures WHERE key = $1", &a, NULL, NULL);
}

static int pg_login_failure_each(struct store *s, int64_t since,
                                 int (*cb)(void *ctx, const char *key, int64_t at), void *ctx)
{
    struct pp a = {.n = 0};
    PGresult *r;
    p_int(&a, since);
    int rc = px(pg_of(s), "SELECT key, at FROM login_failures WHERE at >= $1 ORDER BY at, id", &a,
                &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++)
        rc = cb(ctx, PQgetvalue(r, i, 0), val_int(r, i, 1));
    PQclear(r);
    return rc;
}

static int pg_audit_append(struct store *s, struct audit_entry *e)
{
    struct pp a = {.n = 0};
    PGresult *r;
    p_int(&a, e->at);
    p_id(&a, e->user_id);
    p_id(&a, e->order_id);
    p_text(&a, e->action);
    p_text(&a, e->detail);
    int rc = write1(pg_of(s),
                    "INSERT INTO audit(at, user_id, order_id, action, detail)"
                    " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &a, &r, NULL);
    if (rc)
        return rc;
    e->id = val_int(r, 0, 0);
    PQclear(r);
    return 0;
}

static int pg_audit_query(struct store *s, const struct audit_query *aq, struct audit_entry **out,
                          int *n)
{
    struct pp a = {.n = 0};
    struct buf sql;
    PGresult *r = NULL;
    struct audit_entry *v = NULL;
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (aq->limit < 1 || aq->limit > 10000)
        return -JS_EINVAL;
    buf_init(&sql, 0);
    rc |= buf_puts(&sql, "SELECT a.id, a.at, a.user_id, a.order_id, a.action, a.detail,"
                         " coalesce(o.number, '') FROM audit a"
                         " LEFT JOIN orders o ON o.id = a.order_id WHERE TRUE");
    if (aq->cursor) {
        p_int(&a, aq->cursor);
        rc |= buf_printf(&sql, aq->newest_first ? " AND a.id < $%d" : " AND a.id > $%d", a.n);
    }
    if (aq->user_id) {
        p_int(&a, aq->user_id);
        rc |= buf_printf(&sql, " AND a.user_id = $%d", a.n);
    }
    if (aq->order_id) {
        p_int(&a, aq->order_id);
        rc |= buf_printf(&sql, " AND a.order_id = $%d", a.n);
    }
    if (aq->action && aq->action[0]) {
        p_text(&a, aq->action);
        rc |= buf_printf(&sql, " AND a.action = $%d", a.n);
    }
    if (aq->from) {
        p_int(&a, aq->from);
        rc |= buf_printf(&sql, " AND a.at >= $%d", a.n);
    }
    if (aq->to) {
        p_int(&a, aq->to);
        rc |= buf_printf(&sql, " AND a.at < $%d", a.n);
    }
    p_int(&a, aq->limit);
    rc |= buf_printf(
        &sql, aq->newest_first ? " ORDER BY a.id DESC LIMIT $%d" : " ORDER BY a.id LIMIT $%d", a.n);
    if (rc) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = px(pg_of(s), sql.data, &a, &r, NULL)))
        goto out;
    v = malloc((size_t)aq->limit * sizeof *v);
    if (!v) {
        rc = -JS_ENOMEM;
        goto out;
    }
    for (int i = 0; i < PQntuples(r) && *n < aq->limit; i++) {
        struct audit_entry *e = &v[(*n)++];
        memset(e, 0, sizeof *e);
        e->id = val_int(r, i, 0);
        e->at = val_int(r, i, 1);
        e->user_id = val_int(r, i, 2);
        e->order_id = val_int(r, i, 3);
        val_copy(r, i, 4, e->action, sizeof e->action);
        val_copy(r, i, 5, e->detail, sizeof e->detail);
        val_copy(r, i, 6, e->order_number, sizeof e->order_number);
    }
    *out = v;
    v = NULL;
out:
    PQclear(r);
    free(v);
    buf_release(&sql);
    if (rc)
        *n = 0;
    return rc;
}

/* audit_list is the first form of audit_query: the entries after an id, oldest first. */
static int pg_audit_list(struct store *s, int64_t after_id, int limit, struct audit_entry **out,
                         int *n)
{
    struct audit_query q = {.cursor = after_id, .limit = limit};
    return pg_audit_query(s, &q, out, n);
}

static int pg_idem_get(struct store *s, int64_t user_id, const char *key, char **req_hash,
                       int *status, char **body)
{
    struct pp a = {.n = 0};
    PGresult *r;
    if (req_hash)
        *req_hash = NULL;
    if (body)
        *body = NULL;
    p_int(&a, user_id);
    p_text(&a, key);
    int rc = px(pg_of(s),
                "SELECT req_hash, status, body FROM idempotency WHERE user_id = $1 AND key = $2",
                &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1) {
        if (status)
            *status = (int)val_int(r, 0, 1);
        if (req_hash && !(*req_hash = val_dup(r, 0, 0)))
            rc = -JS_ENOMEM;
        if (body && !(*body = val_dup(r, 0, 2)))
            rc = -JS_ENOMEM;
    } else {
        rc = -JS_ENOTFOUND;
    }
    PQclear(r);
    if (rc) {
        if (req_hash) {
            free(*req_hash);
            *req_hash = NULL;
        }
        if (body) {
            free(*body);
            *body = NULL;
        }
    }
    return rc;
}

static int pg_idem_put(struct store *s, int64_t user_id, const char *key, const char *req_hash,
                       int status, const char *body, int64_t at)
{
    struct pp a = {.n = 0};
    if (!key || !key[0])
        return -JS_EINVAL;
    p_int(&a, user_id);
    p_text(&a, key);
    p_text(&a, req_hash);
    p_int(&a, status);
    p_text(&a, body);
    p_int(&a, at);
    /* a response already stored for (user, key), by this server or another: -JS_EEXISTS */
    return write1(pg_of(s),
                  "INSERT INTO idempotency(user_id, key, req_hash, status, body, at)"
                  " VALUES ($1, $2, $3, $4, $5, $6)",
                  &a, NULL, NULL);
}

/* ---------------------------------------------------------------------------------------------
 * The outbox and its delivery leases; one action's events across orders
 * ------------------------------------------------------------------------------------------- */

#define MSG_COLS                                                                                   \
    "id, kind, state, order_id, order_number, event_id, unit_id, to_role, to_name, to_phone,"      \
    " to_email, text, attempts, created_at, next_at, sent_at, last_error"

static void msg_read(const PGresult *r, int row, struct outbox_msg *m)
{
    memset(m, 0, sizeof *m);
    m->id = val_int(r, row, 0);
    m->kind = val_enum(r, row, 1, js_outbox_kind_names);
    m->state = val_enum(r, row, 2, js_outbox_state_names);
    m->order_id = val_int(r, row, 3);
    val_copy(r, row, 4, m->order_number, sizeof m->order_number);
    m->event_id = val_int(r, row, 5);
    m->unit_id = val_int(r, row, 6);
    val_copy(r, row, 7, m->to_role, sizeof m->to_role);
    val_copy(r, row, 8, m->to_name, sizeof m->to_name);
    val_copy(r, row, 9, m->to_phone, sizeof m->to_phone);
    val_copy(r, row, 10, m->to_email, sizeof m->to_email);
    val_copy(r, row, 11, m->text, sizeof m->text);
    m->attempts = (int)val_int(r, row, 12);
    m->created_at = val_int(r, row, 13);
    m->next_at = val_int(r, row, 14);
    m->sent_at = val_int(r, row, 15);
    val_copy(r, row, 16, m->last_error, sizeof m->last_error);
}

static int read_msgs(PGresult *r, struct outbox_list *out)
{
    int rc = 0;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        struct outbox_msg m;
        msg_read(r, i, &m);
        rc = outbox_list_push(out, &m);
    }
    PQclear(r);
    return rc;
}

int clamp_limit(int limit)
{
    return limit < 1 ? 50 : limit > 500 ? 500 : limit;
}

static int pg_outbox_put(struct store *s, struct outbox_msg *m)
{
    struct pp a = {.n = 0};
    PGresult *r;
    if (m->kind < 0 || m->kind >= OBK__COUNT || m->order_id < 0)
        return -JS_EINVAL;
    p_text(&a, js_outbox_kind_names[m->kind]);
    p_id(&a, m->order_id); /* none: a message about no order (a knowledge-base reminder) */
    p_text(&a, m->order_number);
    p_id(&a, m->event_id);
    p_id(&a, m->unit_id);
    p_text(&a, m->to_role);
    p_text(&a, m->to_name);
    p_text(&a, m->to_phone);
    p_text(&a, m->to_email);
    p_text(&a, m->text);
    p_int(&a, m->created_at);
    p_int(&a, m->next_at);
    int rc = write1(pg_of(s),
                    "INSERT INTO outbox(kind, state, order_id, order_number, event_id, unit_id,"
                    " to_role, to_name, to_phone, to_email, text, attempts, created_at, next_at)"
                    " VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)"
                    " RETURNING id",
                    &a, &r, NULL);
    if (rc)
        return rc;
    m->id = val_int(r, 0, 0);
    m->state = OBS_PENDING;
    m->attempts = 0;
    PQclear(r);
    return 0;
}

static int pg_outbox_list(struct store *s, const struct outbox_query *q, struct outbox_list *out)
{
    struct pp a = {.n = 0};
    PGresult *r;
    if (q->state >= 0 && q->state < OBS__COUNT)
        p_text(&a, js_outbox_state_names[q->state]);
    else
        p_null(&a);
    if (q->kind >= 0 && q->kind < OBK__COUNT)
        p_text(&a, js_outbox_kind_names[q->kind]);
    else
        p_null(&a);
    p_int(&a, q->order_id);
    p_int(&a, q->before_id);
    p_int(&a, clamp_limit(q->limit));
    int rc = px(pg_of(s),
                "SELECT " MSG_COLS " FROM outbox WHERE ($1::text IS NULL OR state = $1)"
                " AND ($2::text IS NULL OR kind = $2) AND ($3::bigint = 0 OR order_id = $3)"
                " AND ($4::bigint = 0 OR id < $4) ORDER BY id DESC LIMIT $5",
                &a, &r, NULL);
    return rc ? rc : read_msgs(r, out);
}

static int pg_outbox_get(struct store *s, int64_t id, struct outbox_msg *out)
{
    struct pp a = {.n = 0};
    PGresult *r;
    p_int(&a, id);
    int rc = px(pg_of(s), "SELECT " MSG_COLS " FROM outbox WHERE id = $1", &a, &r, NULL);
    if (rc)
        return rc;
    if (PQntuples(r) == 1)
        msg_read(r, 0, out);
    else
        rc = -JS_ENOTFOUND;
    PQclear(r);
    return rc;
}

static int pg_outbox_counts(struct store *s, int64_t counts[OBS__COUNT])
{
    PGresult *r;
    for (int i = 0; i < OBS__COUNT; i++)
        counts[i] = 0;
    int rc = px(pg_of(s), "SELECT state, count(*) FROM outbox GROUP BY state", NULL, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int k = val_enum(r, i, 0, js_outbox_state_names);
        if (k >= 0)
            counts[k] = val_int(r, i, 1);
    }
    PQclear(r);
    return 0;
}

static int pg_upstream_feedback_counts(struct store *s, int64_t now, int64_t counts[UFB__COUNT])
{
    struct pp a = {.n = 0};
    PGresult *r;
    for (int i = 0; i < UFB__COUNT; i++)
        counts[i] = 0;
    p_int(&a, now);
    p_text(&a, js_outbox_kind_names[OBK_UPSTREAM_RESULT]);
    p_text(&a, js_outbox_kind_names[OBK_UPSTREAM_CLOSED]);
    int rc = px(pg_of(s),
                "SELECT o.state, CASE WHEN r.upstream_deadline > 0 AND ((o.state = 'sent' AND "
                "o.sent_at > r.upstream_deadline) OR (o.state <> 'sent' AND $1::bigint > "
                "r.upstream_deadline)) THEN 1 ELSE 0 END, count(*) FROM outbox o JOIN orders r ON "
                "r.id = o.order_id WHERE o.kind IN ($2, $3) GROUP BY 1, 2",
                &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        int k = val_enum(r, i, 0, js_outbox_state_names);
        bool late = val_int(r, i, 1) != 0;
        int64_t n = val_int(r, i, 2);
        if (k == OBS_SENT)
            counts[late ? UFB_SENT_LATE : UFB_SENT_ON_TIME] += n;
        else if (k == OBS_PENDING || k == OBS_FAILED) {
            counts[k == OBS_PENDING ? UFB_PENDING : UFB_FAILED] += n;
            if (late)
                counts[k == OBS_PENDING ? UFB_PENDING_LATE : UFB_FAILED_LATE] += n;
        }
    }
    PQclear(r);
    return 0;
}

/* Outbox leases are judged at the caller's now but never later than the database's clock
 * (epoch seconds), and set and renewed from that instant: a deliverer whose clock runs ahead (a
 * skewed server, a `jiesu tick --now` a day on) cannot find another server's lease over while
 * that server is still sending, and the leases it takes end as the others count. A caller's clock
 * behind the database's (tests at a fixed instant) is used as it is. */
#define PG_DB_NOW "(extract(epoch FROM clock_timestamp()))::bigint"
static const char claim_sql[] =
    "WITH due AS (SELECT id FROM outbox WHERE state = 'pending' AND next_at <= $1"
    " AND lease_until <= LEAST($1, " PG_DB_NOW ") ORDER BY next_at, id LIMIT $3"
    " FOR UPDATE SKIP LOCKED),"
    " claimed AS (UPDATE outbox o SET lease_until = LEAST($1, " PG_DB_NOW ") + $2"
    " FROM due WHERE o.id = due.id RETURNING o.*)"
    " SELECT " MSG_COLS " FROM claimed ORDER BY next_at, id";

/* Claims due messages with a lease: the rows are locked as they are picked and rows another
 * server holds are skipped, so that two servers never claim one message. Due is judged at now
 * (next_at was set on the callers' clocks); the lease as above. */
static int pg_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
                           struct outbox_list *out)
{
    struct pgs *p = pg_of(s);
    struct pp a = {.n = 0};
    PGresult *r;
    p->lease_seconds = lease_seconds > 0 ? lease_seconds : 60;
    p_int(&a, now);
    p_int(&a, p->lease_seconds);
    p_int(&a, max > 0 ? max : 1);
    int rc = write1(p, claim_sql, &a, &r, NULL);
    return rc ? rc : read_msgs(r, out);
}

/* until, on the caller's clock, is capped at one lease of the claim's length from the database's
 * now (pg_outbox_claim); a renewal never shortens a lease. */
static int pg_outbox_renew(struct store *s, const int64_t *ids, int n, int64_t until)
{
    struct pgs *p = pg_of(s);
    struct opx x;
    if (n <= 0)
        return 0;
    int64_t lease = p->lease_seconds > 0 ? p->lease_seconds : 60;
    int rc = op_begin(p, true, &x);
    for (int i = 0; !rc && i < n; i++) {
        struct pp a = {.n = 0};
        p_int(&a, ids[i]);
        p_int(&a, until);
        p_int(&a, lease);
        rc = px(p,
                "UPDATE outbox SET lease_until = GREATEST(lease_until, LEAST($2::bigint, " PG_DB_NOW
                " + $3))"
                " WHERE id = $1 AND state = 'pending' AND lease_until > 0",
                &a, NULL, NULL);
    }
    return op_end(p, &x, rc);
}

static int pg_outbox_sent(struct store *s, int64_t id, int64_t now)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    p_int(&a, id);
    p_int(&a, now);
    int rc = write1(pg_of(s),
                    "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = $2,"
                    " lease_until = 0, last_error = '' WHERE id = $1 AND state = 'pending'",
                    &a, NULL, &changed);
    return rc ? rc : changed == 1 ? 0 : -JS_ESTATE;
}

static int pg_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_at,
                            bool give_up)
{
    struct pp a = {.n = 0};
    int64_t changed = 0;
    char err[256];
    snprintf(err, sizeof err, "%s", error ? error : "");
    p_int(&a, id);
    p_text(&a, err);
    p_int(&a, next_at);
    p_text(&a, give_up ? "failed" : "pending");
    int rc = write1(pg_of(s),
                    "UPDATE outbox SET state = $4, attempts = attempts + 1, next_at = $3,"
                    " lease_until = 0, last_error = $2 WHERE id = $1 AND state = 'pending'",
                    &a, NULL, &changed);
    return rc ? rc : changed == 1 ? 0 : -JS_ESTATE;
}

static int pg_outbox_release(struct store *s, int64_t id)
{
    struct pp a = {.n = 0};
    p_int(&a, id);
    return write1(pg_of(s), "UPDATE outbox SET lease_until = 0 WHERE id = $1 AND state = 'pending'",
                  &a, NULL, NULL);
}

static int pg_outbox_retry(struct store *s, int64_t id, int64_t now)
{
    struct outbox_msg m;
    struct pp a = {.n = 0};
    int64_t changed = 0;
    int rc = pg_outbox_get(s, id, &m);
    if (rc)
        return rc;
    if (m.state != OBS_FAILED)
        return -JS_ESTATE;
    p_int(&a, id);
    p_int(&a, now);
    rc = write1(pg_of(s),
                "UPDATE outbox SET state = 'pending', next_at = $2, lease_until = 0"
                " WHERE id = $1 AND state = 'failed'",
                &a, NULL, &changed);
    return rc ? rc : changed == 1 ? 0 : -JS_ESTATE;
}

static int pg_events_by_action(struct store *s, const struct timers_event_query *q,
                               struct event_list *out)
{
    struct pp a = {.n = 0};
    PGresult *r;
    if (q->action < 0 || q->action >= ACT__COUNT)
        return -JS_EINVAL;
    p_text(&a, js_action_names[q->action]);
    p_int(&a, q->from);
    p_int(&a, q->to);
    p_int(&a, q->before_id);
    p_int(&a, q->unit_id);
    p_int(&a, clamp_limit(q->limit));
    /* jsonb @> a number: an array holding it, or that number itself (as SQLite's json_each) */
    int rc = px(pg_of(s),
                "SELECT " EVENT_COLS " FROM events WHERE action = $1"
                " AND ($2::bigint = 0 OR at >= $2) AND ($3::bigint = 0 OR at < $3)"
                " AND ($4::bigint = 0 OR id < $4) AND ($5::bigint = 0 OR"
                " (payload::jsonb -> 'args' -> 'units') @> to_jsonb($5::bigint))"
                " ORDER BY at DESC, id DESC LIMIT $6",
                &a, &r, NULL);
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r) && !rc; i++) {
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.id = val_int(r, i, 0);
        ev.order_id = val_int(r, i, 1);
        ev.version = val_int(r, i, 2);
        ev.at = val_int(r, i, 3);
        ev.actor.user_id = val_int(r, i, 4);
        ev.actor.role = val_enum(r, i, 5, js_role_names);
        ev.actor.unit_id = val_int(r, i, 6);
        val_copy(r, i, 7, ev.actor.name, sizeof ev.actor.name);
        ev.action = val_enum(r, i, 8, js_action_names);
        ev.status_before = val_enum(r, i, 9, js_status_names);
        ev.status_after = val_enum(r, i, 10, js_status_names);
        ev.payload = json_loads(PQgetvalue(r, i, 11), 0, NULL);
        if (!ev.payload) {
            rc = -JS_EDB;
            break;
        }
        rc = event_list_push(out, &ev);
        if (rc)
            event_release(&ev);
    }
    PQclear(r);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The operations table and opening
 * ------------------------------------------------------------------------------------------- */

static const struct store_ops pg_ops = {
    .close = pg_close,
    .migrate = pg_migrate,
    .schema_version = pg_schema_version,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .txn_hold = pg_txn_hold,
    .txn_finish = pg_txn_finish,
    .txn_run = store_txn_run_plain,
    .text_warm = store_text_warm,
    .next_seq = pg_next_seq,
    .seq_take = pg_seq_take,
    .order_insert = pg_order_insert,
    .order_id_take = pg_order_id_take,
    .order_update = pg_order_update,
    .order_get = pg_order_get,
    .order_get_by_number = pg_order_get_by_number,
    .order_query = pg_order_query,
    .order_query_plan = pg_order_query_plan,
    .analyze = pg_analyze,
    .order_each = pg_order_each,
    .order_ids_by = pg_order_ids_by,
    .order_count_by_status = pg_order_count_by_status,
    .event_append = pg_event_append,
    .event_each = pg_event_each,
    .unit_put = pg_unit_put,
    .unit_get = pg_unit_get,
    .unit_get_by_code = pg_unit_get_by_code,
    .unit_list = pg_unit_list,
    .user_put = pg_user_put,
    .user_get = pg_user_get,
    .user_get_by_login = pg_user_get_by_login,
    .user_list = pg_user_list,
    .region_put = pg_region_put,
    .region_get = pg_region_get,
    .region_list = pg_region_list,
    .category_put = pg_category_put,
    .category_get = pg_category_get,
    .category_list = pg_category_list,
    .catalogue_put = pg_catalogue_put,
    .catalogue_delete = pg_catalogue_delete,
    .catalogue_list = pg_catalogue_list,
    .catalogue_lookup = pg_catalogue_lookup,
    .setting_get = pg_setting_get,
    .setting_put = pg_setting_put,
    .session_put = pg_session_put,
    .session_get = pg_session_get,
    .session_delete = pg_session_delete,
    .session_delete_user = pg_session_delete_user,
    .login_failure_put = pg_login_failure_put,
    .login_failure_clear = pg_login_failure_clear,
    .login_failure_each = pg_login_failure_each,
    .audit_append = pg_audit_append,
    .audit_list = pg_audit_list,
    .audit_query = pg_audit_query,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .outbox_put = pg_outbox_put,
    .outbox_list = pg_outbox_list,
    .outbox_get = pg_outbox_get,
    .outbox_counts = pg_outbox_counts,
    .upstream_feedback_counts = pg_upstream_feedback_counts,
    .outbox_claim = pg_outbox_claim,
    .outbox_renew = pg_outbox_renew,
    .outbox_sent = pg_outbox_sent,
    .outbox_failed = pg_outbox_failed,
    .outbox_release = pg_outbox_release,
    .outbox_retry = pg_outbox_retry,
    .events_by_action = pg_events_by_action,
    .set_bulk = pg_set_bulk,
    .file_put = pg_file_put,
    .file_get = pg_file_get,
    .file_orders = pg_file_orders,
    .order_search = pg_order_search,
    .blob_put = pg_blob_put,
    .blob_get = pg_blob_get,
    /* issue 11: pg_report.c, pg_kb.c, pg_hotspot.c */
    .report_count = pg_report_count,
    .report_event_counts = pg_report_event_counts,
    .report_order_ids = pg_report_order_ids,
    .report_put = pg_report_put,
    .stats_count = pg_stats_count,
    .stats_fold = pg_stats_fold,
    .report_get = pg_report_get,
    .report_list = pg_report_list,
    .kb_put = pg_kb_put,
    .kb_get = pg_kb_get,
    .kb_list = pg_kb_list,
    .kb_use = pg_kb_use,
    .kb_stats = pg_kb_stats,
    .hotspot_topic_put = pg_hotspot_topic_put,
    .hotspot_topic_get = pg_hotspot_topic_get,
    .hotspot_topic_list = pg_hotspot_topic_list,
    .hotspot_topic_delete = pg_hotspot_topic_delete,
    .hotspot_warning_insert = pg_hotspot_warning_insert,
    .hotspot_warning_get = pg_hotspot_warning_get,
    .hotspot_warning_list = pg_hotspot_warning_list,
    .hotspot_warned_orders = pg_hotspot_warned_orders,
    .hotspot_warning_state = pg_hotspot_warning_state,
    .hotspot_note_add = pg_hotspot_note_add,
    .hotspot_note_list = pg_hotspot_note_list,
    .meeting_add = pg_meeting_add,
    .meeting_list = pg_meeting_list,
    .acct_add = pg_acct_add,
    .acct_list = pg_acct_list,
    /* assessment (issue 5): pg_assess.c */
    .assess_state = pg_assess_state,
    .assess_mark = pg_assess_mark,
    .assess_events = pg_assess_events,
    .assess_repeats_put = pg_assess_repeats_put,
    .assess_repeats_get = pg_assess_repeats_get,
    .assess_facts_put = pg_assess_facts_put,
    .assess_facts = pg_assess_facts,
    .assess_appeal_put = pg_assess_appeal_put,
    .assess_appeal_decide = pg_assess_appeal_decide,
    .assess_appeal_list = pg_assess_appeal_list,
    .assess_item_put = pg_assess_item_put,
    .assess_item_cancel = pg_assess_item_cancel,
    .assess_item_list = pg_assess_item_list,
    .assess_scheme_put = pg_assess_scheme_put,
    .assess_scheme_get = pg_assess_scheme_get,
    .dump_table = pg_dump_table,
    .load_rows = pg_load_rows,
    .load_finish = pg_load_finish,
    .read_snapshot = pg_read_snapshot,
};

/* Server notices (e.g. "relation already exists, skipping") are not errors: not printed. */
static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int store_pg_open(const char *url, struct store **out, struct js_error *e)
{
    *out = NULL;
    struct pgs *p = calloc(1, sizeof *p);
    if (!p)
        return js_fail(e, JS_ENOMEM, "db", NULL);
    p->base.ops = &pg_ops;
    int rc = store_check_order_cols(e);
    if (rc)
        goto fail;
    if (build_order_sql(p)) {
        rc = js_fail(e, JS_ENOMEM, "db", NULL);
        goto fail;
    }
    if (!(p->url = strdup(url))) {
        rc = js_fail(e, JS_ENOMEM, "db", NULL);
        goto fail;
    }
    p->c = PQconnectdb(url);
    if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
        /* libpq's message names host and port, never the password */
        char why[512];
        if (!p->c) {
            rc = js_fail(e, JS_ENOMEM, "db", NULL);
            goto fail;
        }
        pg_connect_reason(PQerrorMessage(p->c), why, sizeof why);
        rc = js_fail(e, JS_EDB, "db", "cannot connect to PostgreSQL: %s", why);
        goto fail;
    }
    PQsetNoticeProcessor(p->c, quiet_notices, NULL);
    if (PQserverVersion(p->c) < 120000) {
        rc = js_fail(e, JS_EDB, "db", "PostgreSQL %d is too old: 12 or newer is needed",
                     PQserverVersion(p->c) / 10000);
        goto fail;
    }
    /* UTF-8 text both ways; times are integers, so the session time zone does not matter */
    if ((rc = exec0(p, "SET client_encoding = 'UTF8'")) != 0) {
        js_fail(e, -rc, "db", "cannot set the client encoding: %s", PQerrorMessage(p->c));
        goto fail;
    }
    *out = &p->base;
    return 0;
fail:
    pg_close(&p->base);
    return rc;
}
