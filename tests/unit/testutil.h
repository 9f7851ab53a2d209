/* Helpers shared by the unit tests. */
#ifndef JIESU_TESTUTIL_H
#define JIESU_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* A fresh temporary directory path (created), freed at exit. */
const char *tu_tmpdir(void);
/* The shipped presets and calendars of the source tree (shipped_default); fails the test when
 * they cannot be read. */
const struct shipped *tu_shipped(void);
/* Path of a file inside tu_tmpdir(); returns a static buffer per call slot (8 slots). */
const char *tu_path(const char *name);
/* The shared/ directory beside the repository. */
const char *tu_shared(void);

#include <stdbool.h>
#include <stdint.h>

/* The PostgreSQL URL the store tests run against (JIESU_PG_URL), or NULL: SQLite files. */
const char *tu_pg_url(void);
/* True when the store tests run against PostgreSQL. */
bool tu_pg(void);
/* The location of a fresh, empty database called name: a file in tu_tmpdir() (removed first) on
 * SQLite; on PostgreSQL a new schema of JIESU_PG_URL's database (dropped at exit), as a URL whose
 * search_path selects it. Returns a static buffer per call slot (8 slots). */
const char *tu_db_fresh(const char *name);
/* Runs SQL on a database location (of tu_db_fresh) through a separate raw connection: 0 when it
 * succeeded, non-zero when it failed. */
int tu_raw_exec(const char *loc, const char *sql);
/* The integer in the first column of the first row SQL returns on loc (-1 when none); the test
 * fails if the query does. */
int64_t tu_raw_int(const char *loc, const char *sql);
/* A number in [0, n) from the xorshift generator whose state is *state (never 0): the same
 * sequence on every run, for the tests that draw their cases. */
unsigned tu_rand(uint64_t *state, unsigned n);

#endif
