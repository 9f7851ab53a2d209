/* A VFS over SQLite's default one whose anonymous temporary files live in memory, and whose WAL
 * files gather consecutive writes into one. SQLite keeps a savepoint's sub-journal in memory
 * itself only with temp_store=MEMORY, and then in chunks of 1 KB, a malloc each, all freed at
 * every release: about a tenth of a lifecycle action's instructions under the group writer, where
 * every action has a savepoint (issue 13). Here a temporary file is one buffer that grows by
 * doubling, kept across truncations and, when the file is closed, for the next one, so a
 * journaled page costs a copy. SQLite writes each WAL frame as two writes, its header and its
 * page: a group's commit of 137 pages made 274 pwrite calls, a fifth of the group writer's time
 * (session 17). The other files SQLite names (the database, shared memory) are opened by the
 * default VFS into the same handle, and their methods are its own. */
#include "compat.h"
#include "store/sqlite_memvfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* A temporary file: its bytes [0, size) in data, which holds cap. */
struct memfile {
    sqlite3_file base;
    unsigned char *data;
    sqlite3_int64 size, cap;
};

/* Buffers of closed files, kept for the next ones: a sub-journal is opened and closed with every
 * transaction, and grows to a few hundred KB in each. At most POOL_MAX are kept, none larger than
 * POOL_KEEP bytes, so what is kept stays bounded. */
enum { POOL_MAX = 8 };
#define POOL_KEEP ((sqlite3_int64)1 << 20)
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    unsigned char *data;
    sqlite3_int64 cap;
} pool[POOL_MAX];
static int pool_n;

static int mf_close(sqlite3_file *f)
{
    struct memfile *m = (struct memfile *)f;
    if (m->data && m->cap <= POOL_KEEP) {
        pthread_mutex_lock(&pool_lock);
        if (pool_n < POOL_MAX) {
            pool[pool_n].data = m->data;
            pool[pool_n].cap = m->cap;
            pool_n++;
            m->data = NULL;
        }
        pthread_mutex_unlock(&pool_lock);
    }
    free(m->data);
    m->data = NULL;
    m->size = m->cap = 0;
    return SQLITE_OK;
}

/* Bytes past the end read as zeros, with SQLITE_IOERR_SHORT_READ, as SQLite requires. */
static int mf_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    struct memfile *m = (struct memfile *)f;
    sqlite3_int64 have = off < m->size ? m->size - off : 0;
    if (have >= amt) {
        memcpy(out, m->data + off, (size_t)amt);
        return SQLITE_OK;
    }
    if (have > 0)
        memcpy(out, m->data + off, (size_t)have);
    memset((unsigned char *)out + have, 0, (size_t)(amt - have));
    return SQLITE_IOERR_SHORT_READ;
}

/* Makes room for n bytes: the buffer doubles until it holds them. */
static int mf_reserve(struct memfile *m, sqlite3_int64 n)
{
    if (n <= m->cap)
        return SQLITE_OK;
    sqlite3_int64 cap = m->cap ? m->cap : 65536;
    while (cap < n)
        cap *= 2;
    unsigned char *d = realloc(m->data, (size_t)cap);
    if (!d)
        return SQLITE_IOERR_NOMEM;
    m->data = d;
    m->cap = cap;
    return SQLITE_OK;
}

/* Bytes written past the end make the file longer; a gap before them reads as zeros. */
static int mf_write(sqlite3_file *f, const void *in, int amt, sqlite3_int64 off)
{
    struct memfile *m = (struct memfile *)f;
    if (off < 0 || amt < 0)
        return SQLITE_IOERR_WRITE;
    sqlite3_int64 end = off + amt;
    if (end > m->size) {
        int rc = mf_reserve(m, end);
        if (rc)
            return rc;
        if (off > m->size)
            memset(m->data + m->size, 0, (size_t)(off - m->size));
        m->size = end;
    }
    memcpy(m->data + off, in, (size_t)amt);
    return SQLITE_OK;
}

static int mf_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    struct memfile *m = (struct memfile *)f;
    if (n < 0)
        return SQLITE_IOERR_TRUNCATE;
    if (n > m->size) {
        int rc = mf_reserve(m, n);
        if (rc)
            return rc;
        memset(m->data + m->size, 0, (size_t)(n - m->size));
    }
    m->size = n; /* a shorter file keeps its buffer, for the next savepoint's pages */
    return SQLITE_OK;
}

static int mf_sync(sqlite3_file *f, int flags)
{
    (void)f;
    (void)flags;
    return SQLITE_OK;
}

static int mf_size(sqlite3_file *f, sqlite3_int64 *out)
{
    *out = ((struct memfile *)f)->size;
    return SQLITE_OK;
}

static int mf_lock(sqlite3_file *f, int level)
{
    (void)f;
    (void)level;
    return SQLITE_OK;
}

static int mf_reserved(sqlite3_file *f, int *out)
{
    (void)f;
    *out = 0;
    return SQLITE_OK;
}

static int mf_control(sqlite3_file *f, int op, void *arg)
{
    (void)f;
    (void)op;
    (void)arg;
    return SQLITE_NOTFOUND;
}

static int mf_sector(sqlite3_file *f)
{
    (void)f;
    return 4096;
}

static int mf_caps(sqlite3_file *f)
{
    (void)f;
    return SQLITE_IOCAP_POWERSAFE_OVERWRITE; /* what the default VFS says of its own files */
}

static const sqlite3_io_methods memfile_methods = {
    .iVersion = 1,
    .xClose = mf_close,
    .xRead = mf_read,
    .xWrite = mf_write,
    .xTruncate = mf_truncate,
    .xSync = mf_sync,
    .xFileSize = mf_size,
    .xLock = mf_lock,
    .xUnlock = mf_lock,
    .xCheckReservedLock = mf_reserved,
    .xFileControl = mf_control,
    .xSectorSize = mf_sector,
    .xDeviceCharacteristics = mf_caps,
};

/* ---- WAL files: consecutive writes gathered ---- */

/* A WAL file: the default VFS's file (real, in the same allocation, after this) and the bytes
 * written but not yet passed on, pending, which belong at [at, at + len) of the file. A write that
 * continues pending joins it; any other call passes pending on first, so the file reads as if
 * every write had gone through at once. pending is passed on when it would exceed WAL_GATHER
 * bytes, and as soon as it holds the whole of a commit's last frame, before SQLite publishes the
 * commit to other connections in the shared memory: with synchronous=FULL that is also before
 * the sync, and with NORMAL (a bulk load) there is no sync to wait for. */
struct walfile {
    sqlite3_file base;
    sqlite3_file *real;
    unsigned char *pending;
    int len;
    sqlite3_int64 at;
    sqlite3_int64 frame;      /* the frame size (24 + the page size), 0 until known */
    sqlite3_int64 commit_end; /* where the commit's last frame pending holds part of ends, or 0 */
};

/* At most this many bytes are passed on in one write: the default VFS takes a write's length
 * modulo 128 KB (session 14 saw a larger write fail as SQLITE_FULL). */
enum { WAL_GATHER = 65536 };
enum { WAL_HDR = 32, WAL_FRAME_HDR = 24 };

#define ALIGN16(n) (((n) + 15) & ~(sqlite3_int64)15)

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Passes the pending bytes on. On failure they are dropped: the commit they belong to fails. */
static int wf_flush(struct walfile *w)
{
    if (w->len == 0)
        return SQLITE_OK;
    int len = w->len;
    w->len = 0;
    if (w->commit_end && w->at + len >= w->commit_end)
        w->commit_end = 0; /* the commit's last frame is passed on whole */
    return w->real->pMethods->xWrite(w->real, w->pending, len, w->at);
}

/* The frame size, from the WAL's header (the page size at bytes 8-11; 1 means 65536): from data
 * when it is the header, else read from the file once. 0 when the file has no header yet. */
static sqlite3_int64 wf_frame(struct walfile *w, const unsigned char *data, int amt,
                              sqlite3_int64 off)
{
    if (w->frame)
        return w->frame;
    unsigned char hdr[WAL_HDR];
    if (off == 0 && amt >= WAL_HDR)
        memcpy(hdr, data, WAL_HDR);
    else if (w->real->pMethods->xRead(w->real, hdr, WAL_HDR, 0) != SQLITE_OK)
        return 0;
    uint32_t page = be32(hdr + 8);
    if (page == 1)
        page = 65536;
    if (page < 512 || page > 65536 || (page & (page - 1)))
        return 0;
    return w->frame = WAL_FRAME_HDR + (sqlite3_int64)page;
}

/* Whether [off, off + amt) holds the header of a frame that ends a commit (its bytes 4-7, the
 * database's size after the commit, not 0); *end receives where that frame ends. fs: the frame
 * size. */
static bool wf_commit_in(sqlite3_int64 fs, const unsigned char *data, int amt, sqlite3_int64 off,
                         sqlite3_int64 *end)
{
    bool found = false;
    sqlite3_int64 k = off <= WAL_HDR ? 0 : (off - WAL_HDR + fs - 1) / fs;
    for (sqlite3_int64 h = WAL_HDR + k * fs; h + WAL_FRAME_HDR <= off + amt; h += fs)
        if (be32(data + (h - off) + 4) != 0) {
            found = true;
            *end = h + fs;
        }
    return found;
}

static int wf_write(sqlite3_file *f, const void *in, int amt, sqlite3_int64 off)
{
    struct walfile *w = (struct walfile *)f;
    const unsigned char *data = in;
    int rc = SQLITE_OK;
    if (w->len && (off != w->at + w->len || w->len + amt > WAL_GATHER) && (rc = wf_flush(w)))
        return rc;
    sqlite3_int64 fs = amt > 0 ? wf_frame(w, data, amt, off) : 0, end = 0;
    if (fs && wf_commit_in(fs, data, amt, off, &end))
        w->commit_end = end;
    /* through at once: the frame size unknown, too large to gather */
    if (!fs || amt > WAL_GATHER || (!w->pending && !(w->pending = malloc(WAL_GATHER)))) {
        if ((rc = wf_flush(w)) || (rc = w->real->pMethods->xWrite(w->real, in, amt, off)))
            return rc;
        if (w->commit_end && off + amt >= w->commit_end)
            w->commit_end = 0;
        return SQLITE_OK;
    }
    if (w->len == 0)
        w->at = off;
    memcpy(w->pending + w->len, data, (size_t)amt);
    w->len += amt;
    if (w->commit_end && w->at + w->len >= w->commit_end)
        rc = wf_flush(w);
    return rc;
}

static int wf_read(sqlite3_file *f, void *out, int amt, sqlite3_int64 off)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    return rc ? rc : w->real->pMethods->xRead(w->real, out, amt, off);
}

static int wf_truncate(sqlite3_file *f, sqlite3_int64 n)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    return rc ? rc : w->real->pMethods->xTruncate(w->real, n);
}

static int wf_sync(sqlite3_file *f, int flags)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    return rc ? rc : w->real->pMethods->xSync(w->real, flags);
}

static int wf_size(sqlite3_file *f, sqlite3_int64 *out)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    return rc ? rc : w->real->pMethods->xFileSize(w->real, out);
}

static int wf_close(sqlite3_file *f)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    int rc2 = w->real->pMethods ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
    free(w->pending);
    w->pending = NULL;
    return rc ? rc : rc2;
}

static int wf_lock(sqlite3_file *f, int level)
{
    struct walfile *w = (struct walfile *)f;
    return w->real->pMethods->xLock(w->real, level);
}

static int wf_unlock(sqlite3_file *f, int level)
{
    struct walfile *w = (struct walfile *)f;
    return w->real->pMethods->xUnlock(w->real, level);
}

static int wf_reserved(sqlite3_file *f, int *out)
{
    struct walfile *w = (struct walfile *)f;
    return w->real->pMethods->xCheckReservedLock(w->real, out);
}

static int wf_control(sqlite3_file *f, int op, void *arg)
{
    struct walfile *w = (struct walfile *)f;
    int rc = wf_flush(w);
    return rc ? rc : w->real->pMethods->xFileControl(w->real, op, arg);
}

static int wf_sector(sqlite3_file *f)
{
    struct walfile *w = (struct walfile *)f;
    return w->real->pMethods->xSectorSize(w->real);
}

static int wf_caps(sqlite3_file *f)
{
    struct walfile *w = (struct walfile *)f;
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

static const sqlite3_io_methods walfile_methods = {
    .iVersion = 1,
    .xClose = wf_close,
    .xRead = wf_read,
    .xWrite = wf_write,
    .xTruncate = wf_truncate,
    .xSync = wf_sync,
    .xFileSize = wf_size,
    .xLock = wf_lock,
    .xUnlock = wf_unlock,
    .xCheckReservedLock = wf_reserved,
    .xFileControl = wf_control,
    .xSectorSize = wf_sector,
    .xDeviceCharacteristics = wf_caps,
};

#define REAL(v) ((sqlite3_vfs *)(v)->pAppData)

/* SQLite's temporary files: opened without a name, deleted on close. */
#define TEMP_KINDS                                                                                 \
    (SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_TEMP_DB |                     \
     SQLITE_OPEN_TRANSIENT_DB)

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    if (name && (flags & SQLITE_OPEN_WAL)) {
        struct walfile *w = (struct walfile *)f;
        memset(w, 0, sizeof *w);
        w->real = (sqlite3_file *)((char *)f + ALIGN16(sizeof *w));
        memset(w->real, 0, (size_t)REAL(v)->szOsFile);
        int rc = REAL(v)->xOpen(REAL(v), name, w->real, flags, out_flags);
        /* a failed open may leave methods to close with (SQLite then calls our xClose) */
        if (rc == SQLITE_OK || w->real->pMethods)
            w->base.pMethods = &walfile_methods;
        return rc;
    }
    if (name || !(flags & TEMP_KINDS))
        return REAL(v)->xOpen(REAL(v), name, f, flags, out_flags);
    struct memfile *m = (struct memfile *)f;
    memset(m, 0, sizeof *m);
    m->base.pMethods = &memfile_methods;
    pthread_mutex_lock(&pool_lock);
    if (pool_n > 0) {
        pool_n--;
        m->data = pool[pool_n].data;
        m->cap = pool[pool_n].cap;
    }
    pthread_mutex_unlock(&pool_lock);
    if (out_flags)
        *out_flags = flags;
    return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync)
{
    return REAL(v)->xDelete(REAL(v), name, sync);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    return REAL(v)->xAccess(REAL(v), name, flags, out);
}

static int v_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
    return REAL(v)->xFullPathname(REAL(v), name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *name)
{
    return REAL(v)->xDlOpen(REAL(v), name);
}

static void v_dlerror(sqlite3_vfs *v, int n, char *out)
{
    REAL(v)->xDlError(REAL(v), n, out);
}

static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    return REAL(v)->xDlSym(REAL(v), h, sym);
}

static void v_dlclose(sqlite3_vfs *v, void *h)
{
    REAL(v)->xDlClose(REAL(v), h);
}

static int v_random(sqlite3_vfs *v, int n, char *out)
{
    return REAL(v)->xRandomness(REAL(v), n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
    return REAL(v)->xSleep(REAL(v), us);
}

static int v_time(sqlite3_vfs *v, double *out)
{
    return REAL(v)->xCurrentTime(REAL(v), out);
}

static int v_lasterror(sqlite3_vfs *v, int n, char *out)
{
    return REAL(v)->xGetLastError(REAL(v), n, out);
}

static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    return REAL(v)->xCurrentTimeInt64(REAL(v), out);
}

static int v_setcall(sqlite3_vfs *v, const char *name, sqlite3_syscall_ptr p)
{
    return REAL(v)->xSetSystemCall(REAL(v), name, p);
}

static sqlite3_syscall_ptr v_getcall(sqlite3_vfs *v, const char *name)
{
    return REAL(v)->xGetSystemCall(REAL(v), name);
}

static const char *v_nextcall(sqlite3_vfs *v, const char *name)
{
    return REAL(v)->xNextSystemCall(REAL(v), name);
}

static sqlite3_vfs memvfs;
static int register_rc;

static void register_once(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (!real) {
        register_rc = -JS_EDB;
        return;
    }
    int size = real->szOsFile;
    if (size < (int)sizeof(struct memfile))
        size = (int)sizeof(struct memfile);
    if (size < (int)ALIGN16(sizeof(struct walfile)) + real->szOsFile)
        size = (int)ALIGN16(sizeof(struct walfile)) + real->szOsFile;
    memvfs = (sqlite3_vfs){
        .iVersion = real->iVersion < 3 ? real->iVersion : 3,
        .szOsFile = size,
        .mxPathname = real->mxPathname,
        .zName = SQLITE_MEMVFS_NAME,
        .pAppData = real,
        .xOpen = v_open,
        .xDelete = v_delete,
        .xAccess = v_access,
        .xFullPathname = v_full,
        .xDlOpen = real->xDlOpen ? v_dlopen : NULL,
        .xDlError = real->xDlError ? v_dlerror : NULL,
        .xDlSym = real->xDlSym ? v_dlsym : NULL,
        .xDlClose = real->xDlClose ? v_dlclose : NULL,
        .xRandomness = v_random,
        .xSleep = v_sleep,
        .xCurrentTime = v_time,
        .xGetLastError = real->xGetLastError ? v_lasterror : NULL,
    };
    if (memvfs.iVersion >= 2)
        memvfs.xCurrentTimeInt64 = real->xCurrentTimeInt64 ? v_time64 : NULL;
    if (memvfs.iVersion >= 3) {
        memvfs.xSetSystemCall = real->xSetSystemCall ? v_setcall : NULL;
        memvfs.xGetSystemCall = real->xGetSystemCall ? v_getcall : NULL;
        memvfs.xNextSystemCall = real->xNextSystemCall ? v_nextcall : NULL;
    }
    register_rc = sqlite3_vfs_register(&memvfs, 0) == SQLITE_OK ? 0 : -JS_EDB;
}

int sqlite_memvfs_register(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, register_once);
    return register_rc;
}
