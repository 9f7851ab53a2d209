/* The VFS that keeps SQLite's temporary files in memory (store/sqlite_memvfs.c): a file's reads,
 * writes past its end and truncations behave as a file's; temporary tables larger than their
 * cache and a savepoint's rollback come back whole through it; and no temporary file is open on
 * disk meanwhile. Its WAL files gather a commit's frames into few writes, and another connection
 * reads every commit whole as soon as it is made, with synchronous FULL and NORMAL. */
#include "compat.h"
#include "store/sqlite_memvfs.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/types.h>
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

/* The default VFS's write calls, counted (its system calls replaced through xSetSystemCall). */
static int writes;
static sqlite3_syscall_ptr real_pwrite, real_pwrite64, real_write;

static ssize_t count_pwrite(int fd, const void *b, size_t n, off_t off)
{
    writes++;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite)(fd, b, n, off);
}

static ssize_t count_pwrite64(int fd, const void *b, size_t n, off_t off)
{
    writes++;
    return ((ssize_t(*)(int, const void *, size_t, off_t))real_pwrite64)(fd, b, n, off);
}

static ssize_t count_write(int fd, const void *b, size_t n)
{
    writes++;
    return ((ssize_t(*)(int, const void *, size_t))real_write)(fd, b, n);
}

static void count_writes(bool on)
{
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    assert_non_null(unix_vfs);
    struct {
        const char *name;
        sqlite3_syscall_ptr *real, counting;
    } calls[] = {{"pwrite", &real_pwrite, (sqlite3_syscall_ptr)count_pwrite},
                 {"pwrite64", &real_pwrite64, (sqlite3_syscall_ptr)count_pwrite64},
                 {"write", &real_write, (sqlite3_syscall_ptr)count_write}};
    int set = 0;
    for (size_t i = 0; i < JS_ARRAY_LEN(calls); i++) {
        if (on) {
            *calls[i].real = unix_vfs->xGetSystemCall(unix_vfs, calls[i].name);
            set += *calls[i].real && unix_vfs->xSetSystemCall(unix_vfs, calls[i].name,
                                                              calls[i].counting) == SQLITE_OK;
        } else if (*calls[i].real) {
            unix_vfs->xSetSystemCall(unix_vfs, calls[i].name, NULL); /* back to the default */
        }
    }
    if (on)
        assert_true(set > 0);
}

/* The rows of transaction k: rows [first, first + n), each about a page. */
static void wal_txn(sqlite3 *db, int first, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO w SELECT i, i * 7, printf('%%.*c', 3500, char(65 + i %% 26)) FROM n",
             first, first + n - 1);
    exec(db, sql);
}

/* What another connection reads of rows 1..n: their count, and how many are whole and right. */
static void wal_check(sqlite3 *reader, int n)
{
    assert_int_equal(one(reader, "SELECT count(*) FROM w"), n);
    assert_int_equal(one(reader, "SELECT count(*) FROM w WHERE v = id * 7 AND length(x) = 3500 AND"
                                 " unicode(x) = 65 + id % 26 AND"
                                 " unicode(substr(x, 3500)) = 65 + id % 26"),
                     n);
}

static void wal_gathered(const char *sync)
{
    assert_int_equal(sqlite_memvfs_register(), 0);
    char path[1024], wal[1100], sql[128];
    snprintf(path, sizeof path, "%s", tu_path("memvfs-wal.db"));
    remove(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    remove(wal);
    sqlite3 *db = NULL, *reader = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    assert_int_equal(sqlite3_open_v2(path, &db, flags, SQLITE_MEMVFS_NAME), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %s", sync);
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
    exec(db, sql);
    exec(db, "CREATE TABLE w (id INTEGER PRIMARY KEY, v INTEGER, x TEXT)");
    assert_int_equal(sqlite3_open_v2(path, &reader, flags, SQLITE_MEMVFS_NAME), SQLITE_OK);
    /* one commit of 64 rows (about 66 frames of 4 KB, 270 KB): a few writes, not two a frame */
    writes = 0;
    count_writes(true);
    wal_txn(db, 1, 64);
    count_writes(false);
    print_message("synchronous=%s: 64 rows committed in %d writes\n", sync, writes);
    assert_true(writes > 0 && writes <= 16);
    int rows = 64;
    wal_check(reader, rows);
    /* commits of 1 to 40 rows, so that a commit's last frame falls anywhere in a gathered run;
     * the reader sees each whole at once, and checkpoints some of them into the database */
    for (int k = 0; k < 60; k++) {
        int n = 1 + (k * 13) % 40;
        wal_txn(db, rows + 1, n);
        rows += n;
        wal_check(reader, rows);
        if (k % 7 == 6)
            exec(reader, "PRAGMA wal_checkpoint(PASSIVE)");
        if (k % 20 == 19)
            exec(db, "PRAGMA wal_checkpoint(RESTART)"); /* the WAL starts over */
    }
    sqlite3_close(reader);
    sqlite3_close(db);
    assert_int_equal(sqlite3_open_v2(path, &db, flags, SQLITE_MEMVFS_NAME), SQLITE_OK);
    wal_check(db, rows);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_wal_gathered_full(void **state)
{
    (void)state;
    wal_gathered("FULL");
}

/* With NORMAL nothing is synced at a commit: the gathered frames are passed on once the commit's
 * last frame is whole, before another connection can see the commit. */
static void test_wal_gathered_normal(void **state)
{
    (void)state;
    wal_gathered("NORMAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_semantics),
        cmocka_unit_test(test_temporary_files_stay_in_memory),
        cmocka_unit_test(test_wal_gathered_full),
        cmocka_unit_test(test_wal_gathered_normal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
