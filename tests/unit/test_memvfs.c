/* The VFS that keeps SQLite's temporary files in memory (store/sqlite_memvfs.c): a file's reads,
 * writes past its end and truncations behave as a file's; temporary tables larger than their
 * cache and a savepoint's rollback come back whole through it; and no temporary file is open on
 * disk meanwhile. */
#include "compat.h"
#include "store/sqlite_memvfs.h"

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static void test_file_semantics(void **state)
{
    (void)state;
    assert_int_equal(sqlite_memvfs_register(), 0);
    sqlite3_vfs *v = sqlite3_vfs_find(SQLITE_MEMVFS_NAME);
    assert_non_null(v);
    sqlite3_file *f = calloc(1, (size_t)v->szOsFile);
    assert_non_null(f);
    int out = 0;
    int flags = SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                SQLITE_OPEN_DELETEONCLOSE;
    assert_int_equal(v->xOpen(v, NULL, f, flags, &out), SQLITE_OK);
    sqlite3_int64 size = -1;
    assert_int_equal(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    assert_int_equal(size, 0);
    /* a write past the end: the gap reads as zeros */
    assert_int_equal(f->pMethods->xWrite(f, "abcdefghij", 10, 100), SQLITE_OK);
    assert_int_equal(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    assert_int_equal(size, 110);
    unsigned char buf[200];
    memset(buf, 0xff, sizeof buf);
    /* a read past the end: zeros and a short read */
    assert_int_equal(f->pMethods->xRead(f, buf, 200, 0), SQLITE_IOERR_SHORT_READ);
    for (int i = 0; i < 200; i++)
        if (i < 100 || i >= 110)
            assert_int_equal(buf[i], 0);
    assert_memory_equal(buf + 100, "abcdefghij", 10);
    assert_int_equal(f->pMethods->xRead(f, buf, 5, 102), SQLITE_OK);
    assert_memory_equal(buf, "cdefg", 5);
    /* shorter, then longer again: what was cut reads as zeros */
    assert_int_equal(f->pMethods->xTruncate(f, 103), SQLITE_OK);
    assert_int_equal(f->pMethods->xTruncate(f, 108), SQLITE_OK);
    assert_int_equal(f->pMethods->xFileSize(f, &size), SQLITE_OK);
    assert_int_equal(size, 108);
    assert_int_equal(f->pMethods->xRead(f, buf, 8, 100), SQLITE_OK);
    assert_memory_equal(buf, "abc\0\0\0\0\0", 8);
    /* a large write grows it: 3 MB in 4 KB pages, read back */
    static unsigned char page[4096];
    for (int k = 0; k < 768; k++) {
        memset(page, k & 0xff, sizeof page);
        assert_int_equal(f->pMethods->xWrite(f, page, 4096, (sqlite3_int64)k * 4096), SQLITE_OK);
    }
    for (int k = 0; k < 768; k += 97) {
        assert_int_equal(f->pMethods->xRead(f, page, 4096, (sqlite3_int64)k * 4096), SQLITE_OK);
        assert_int_equal(page[0], k & 0xff);
        assert_int_equal(page[4095], k & 0xff);
    }
    assert_int_equal(f->pMethods->xClose(f), SQLITE_OK);
    /* a file SQLite names goes to the default VFS: its methods are not these */
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_path("memvfs-named.db"));
    remove(path);
    assert_int_equal(v->xOpen(v, path, f,
                              SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              &out),
                     SQLITE_OK);
    assert_int_equal(f->pMethods->xWrite(f, "x", 1, 0), SQLITE_OK);
    assert_int_equal(f->pMethods->xClose(f), SQLITE_OK);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp); /* it is on disk */
    fclose(fp);
    free(f);
}

/* How many of this process's open descriptors are SQLite's temporary files ("etilqs_" names,
 * removed as soon as they are opened: the descriptor is what remains). */
static int temp_files_open(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    char link[600], target[1200];
    while ((de = readdir(d)) != NULL) {
        snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
        ssize_t k = readlink(link, target, sizeof target - 1);
        if (k <= 0)
            continue;
        target[k] = '\0';
        if (strstr(target, "/etilqs_"))
            n++;
    }
    closedir(d);
    return n;
}

static sqlite3_int64 one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_int64 v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

static void test_temporary_files_stay_in_memory(void **state)
{
    (void)state;
    assert_int_equal(sqlite_memvfs_register(), 0);
    char path[1024];
    snprintf(path, sizeof path, "%s", tu_path("memvfs.db"));
    remove(path);
    sqlite3 *db = NULL;
    assert_int_equal(
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, SQLITE_MEMVFS_NAME),
        SQLITE_OK);
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA temp_store = FILE; PRAGMA temp.cache_size = 8");
    /* a temporary table of 4 MB with a cache of 8 pages: its pages go to its file and back */
    exec(db, "CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, x BLOB);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)"
             " INSERT INTO t SELECT i, zeroblob(4000) FROM n;"
             "UPDATE t SET x = randomblob(4000) WHERE id % 3 = 0");
    assert_int_equal(one(db, "SELECT count(*) FROM t WHERE length(x) = 4000"), 1000);
    assert_int_equal(one(db, "SELECT count(*) FROM t WHERE x = zeroblob(4000)"), 667);
    /* a table of the database changed inside a savepoint and rolled back: every page returns */
    exec(db, "CREATE TABLE m (id INTEGER PRIMARY KEY, x BLOB);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
             " INSERT INTO m SELECT i, randomblob(3000) FROM n");
    sqlite3_int64 before = one(db, "SELECT sum(unicode(hex(substr(x, 7, 4)))) FROM m");
    exec(db, "BEGIN; SAVEPOINT a; UPDATE m SET x = zeroblob(10); DELETE FROM m WHERE id > 500;"
             "ROLLBACK TO a; RELEASE a; COMMIT");
    assert_int_equal(one(db, "SELECT count(*) FROM m"), 2000);
    assert_int_equal(one(db, "SELECT sum(unicode(hex(substr(x, 7, 4)))) FROM m"), before);
    /* a sort larger than the cache */
    assert_int_equal(one(db, "SELECT count(*) FROM (SELECT x FROM m ORDER BY x DESC)"), 2000);
    assert_int_equal(temp_files_open(), 0);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_semantics),
        cmocka_unit_test(test_temporary_files_stay_in_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
