/* Temporary directories and paths for unit tests. */
#include "compat.h"
#include "testutil.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/shipped.h"

static char dir[256];

static void cleanup(void)
{
    if (dir[0] && !getenv("JIESU_KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

const char *tu_tmpdir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/jiesu-test-XXXXXX");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(cleanup);
    }
    return dir;
}

const char *tu_path(const char *name)
{
    static char slots[8][512];
    static int next;
    char *p = slots[next++ % 8];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    return p;
}

const char *tu_shared(void)
{
    const char *s = getenv("JIESU_SHARED");
    return s ? s : JIESU_SOURCE_DIR "/../shared";
}

const struct shipped *tu_shipped(void)
{
    const struct shipped *sh = NULL;
    struct js_error e;
    if (shipped_default(&sh, &e))
        fail_msg("shipped presets and calendars: %s", e.message);
    return sh;
}

const char *tu_pg_url(void)
{
    const char *u = getenv("JIESU_PG_URL");
    return u && u[0] ? u : NULL;
}

bool tu_pg(void)
{
    return tu_pg_url() != NULL;
}

/* Schemas made by tu_db_fresh, dropped at exit. */
static char schemas[256][64];
static int n_schemas;

static PGconn *pg_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot connect to PostgreSQL (%s): %s", url, PQerrorMessage(c));
    return c;
}

static void drop_schemas(void)
{
    if (!n_schemas || getenv("JIESU_KEEP_TMP"))
        return;
    PGconn *c = PQconnectdb(tu_pg_url());
    for (int i = 0; PQstatus(c) == CONNECTION_OK && i < n_schemas; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE", schemas[i]);
        PQclear(PQexec(c, sql));
    }
    PQfinish(c);
}

const char *tu_db_fresh(const char *name)
{
    static char slots[8][1024];
    static int next;
    char *out = slots[next++ % 8];
    if (!tu_pg()) {
        snprintf(out, 1024, "%s", tu_path(name));
        unlink(out);
        return out;
    }
    /* a schema per database: t<pid>_<name with letters and digits only> */
    char schema[64];
    int n = snprintf(schema, sizeof schema, "t%d_", (int)getpid());
    for (const char *s = name; *s && n < (int)sizeof schema - 1; s++)
        schema[n++] = (char)(((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) ? *s : '_');
    schema[n] = '\0';
    PGconn *c = pg_connect(tu_pg_url());
    char sql[256];
    snprintf(
        sql, sizeof sql,
        "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
        schema, schema);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("cannot create schema %s: %s", schema, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    if (n_schemas == 0)
        atexit(drop_schemas);
    if (n_schemas < (int)(sizeof schemas / sizeof schemas[0]))
        snprintf(schemas[n_schemas++], sizeof schemas[0], "%s", schema);
    const char *url = tu_pg_url();
    snprintf(out, 1024, "%s%soptions=-csearch_path%%3D%s", url, strchr(url, '?') ? "&" : "?",
             schema);
    return out;
}

int tu_raw_exec(const char *loc, const char *sql)
{
    if (strstr(loc, "://")) {
        PGconn *c = pg_connect(loc);
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        PQfinish(c);
        return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : 1;
    }
    sqlite3 *db = NULL;
    int rc = sqlite3_open(loc, &db);
    /* the store's own connections may be checkpointing: wait as they do */
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(db, 5000);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

int64_t tu_raw_int(const char *loc, const char *sql)
{
    int64_t v = -1;
    if (strstr(loc, "://")) {
        PGconn *c = pg_connect(loc);
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("%s: %s", sql, PQresultErrorMessage(r));
        if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
            v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        PQfinish(c);
        return v;
    }
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(loc, &db), SQLITE_OK);
    /* a read can meet a checkpoint of the store's connections (SQLITE_BUSY): wait as they do */
    assert_int_equal(sqlite3_busy_timeout(db, 5000), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

unsigned tu_rand(uint64_t *state, unsigned n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (unsigned)(*state % n);
}
