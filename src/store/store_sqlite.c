/* The SQLite backend of the store: one connection per handle, every statement prepared once and
 * cached, orders kept as rows with a column per field of the canonical JSON form, and a
 * full-text index over segmented words. */
#include "compat.h"
#include "store/store.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/rows.h"
#include "store/sqlite_coord.h"
#include "store/sqlite_hotspot.h"
#include "store/sqlite_assess.h"
#include "store/sqlite_report.h"
#include "store/sqlite_memvfs.h"
#include "store/sqlite_schema.h"
#include "text/fold.h"
#include "text/searchtext.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/wake.h"

/* ---------------------------------------------------------------------------------------------
 * The handle and its statement cache
 * ------------------------------------------------------------------------------------------- */

#define STMT_CACHE 96

/* One cached statement. A statement is busy from stmt_get to stmt_put; a nested use of the same
 * SQL (e.g. from a callback) gets a second statement instead of resetting the first. */
struct stmt_slot {
    uint64_t hash;
    char *sql; /* owned copy, the cache key */
    sqlite3_stmt *st;
    uint64_t used; /* for least-recently-used eviction */
    bool busy;
};

struct gc_writer;

struct sq {
    struct store base; /* first, so that a struct store * is a struct sq * */
    /* the connection in use: the handle's own one, or the shared writer's while the handle
     * holds it (between store_begin and the end of its transaction); cache and tick follow */
    sqlite3 *db;
    struct stmt_slot *cache;
    uint64_t *tick;
    sqlite3 *own_db;
    struct stmt_slot own_cache[STMT_CACHE];
    uint64_t own_tick;
    struct gc_writer *w; /* the group writer of this database file, NULL: none (:memory:) */
    bool owns;           /* this handle holds the writer */
    int64_t busy_since;  /* the busy handler's first call (ms), to give up after 5 s */
    int64_t id_taken;    /* the last order id order_id_take gave on this handle */
    /* SQL built from the order column table at open */
    char *order_select; /* "SELECT <columns> FROM orders" */
    char *order_by_id, *order_by_number, *order_page;
    char *order_insert;
    /* search: the first order id created at or after memo_since (ids only grow) */
    int64_t memo_since, memo_since_id;
    /* deferred commit (txn_hold): hold asks for it, held is true while the held transaction is
     * open, depth counts the store_begin levels inside it (each a savepoint) */
    bool hold, held;
    int depth;
};

static struct sq *sq_of(struct store *s)
{
    return (struct sq *)s;
}

int sqlite_fail(struct sqlite3 *db, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -JS_EBUSY;
    case SQLITE_NOMEM:
        return -JS_ENOMEM;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return -JS_EEXISTS;
        return -JS_EINVAL; /* foreign key, check, not null, datatype, append-only trigger */
    default:
        fprintf(stderr, "jiesu: sqlite error %d: %s\n", rc, sqlite3_errmsg(db));
        return -JS_EDB;
    }
}

int sqlite_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : sqlite_fail(db, rc);
}

int sqlite_run(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sqlite_fail(db, rc);
}

void sqlite_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_TRANSIENT);
}

/* The cache key's hash: FNV-1a over the length and at most the first and the last 64 bytes.
 * Statements share long column lists and differ near an end; a collision costs one strcmp. */
static uint64_t hash_str(const char *s)
{
    size_t n = strlen(s), head = n < 128 ? n : 64;
    uint64_t h = (14695981039346656037ULL ^ n) * 1099511628211ULL;
    for (size_t i = 0; i < head; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    for (size_t i = n < 128 ? n : n - 64; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static void slot_clear(struct stmt_slot *sl)
{
    sqlite3_finalize(sl->st);
    free(sl->sql);
    memset(sl, 0, sizeof *sl);
}

/* A ready statement for sql, from the cache or freshly prepared. Give it back with stmt_put. */
static int stmt_get(struct sq *q, const char *sql, sqlite3_stmt **out)
{
    uint64_t h = hash_str(sql);
    struct stmt_slot *victim = NULL;
    *out = NULL;
    for (int i = 0; i < STMT_CACHE; i++) {
        struct stmt_slot *sl = &q->cache[i];
        if (sl->busy)
            continue;
        if (sl->st && sl->hash == h && strcmp(sl->sql, sql) == 0) {
            sl->busy = true;
            sl->used = ++*q->tick;
            *out = sl->st;
            return 0;
        }
        if (!sl->st) {
            if (!victim || victim->st)
                victim = sl;
        } else if (!victim || (victim->st && sl->used < victim->used)) {
            victim = sl;
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(q->db, sql, -1, victim ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(q->db, rc);
    if (victim) {
        char *key = strdup(sql);
        if (!key) {
            sqlite3_finalize(st);
            return -JS_ENOMEM;
        }
        slot_clear(victim);
        *victim = (struct stmt_slot){h, key, st, ++*q->tick, true};
    }
    *out = st;
    return 0;
}

/* Resets a statement from stmt_get and returns it to the cache. Accepts NULL. */
static void stmt_put(struct sq *q, sqlite3_stmt *st)
{
    if (!st)
        return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int i = 0; i < STMT_CACHE; i++)
        if (q->cache[i].st == st) {
            q->cache[i].busy = false;
            return;
        }
    sqlite3_finalize(st); /* an uncached second copy */
}

/* Steps st to its end, ignoring rows. */
static int run(struct sq *q, sqlite3_stmt *st)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    return rc == SQLITE_DONE ? 0 : sqlite_fail(q->db, rc);
}

/* Runs one statement without parameters. */
static int exec1(struct sq *q, const char *sql)
{
    sqlite3_stmt *st;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s ? s : "", -1, SQLITE_STATIC);
}

/* Binds NULL for "": used for unique text columns, where blanks must not collide. */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0])
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Binds NULL for 0: used for optional references. */
static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

void sqlite_col_copy(struct sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    size_t len = t ? strlen(t) : 0;
    if (len >= n)
        len = n - 1;
    if (len)
        memcpy(dst, t, len);
    dst[len] = '\0';
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

/* Index of a stored enum name, or -1 (NULL and unknown names alike). */
static int col_enum(sqlite3_stmt *st, int i, const char *const *names)
{
    return js_name_index(names, (const char *)sqlite3_column_text(st, i));
}

static bool in_range(int v, int count)
{
    return v >= 0 && v < count;
}

/* Every multi-statement write runs inside a savepoint, so it is atomic with or without an
 * enclosing store_begin. */
static int op_begin(struct sq *q)
{
    return exec1(q, "SAVEPOINT store_op");
}

static int op_end(struct sq *q, int rc)
{
    if (rc == 0) {
        rc = exec1(q, "RELEASE store_op");
        if (rc == 0)
            return 0;
    }
    exec1(q, "ROLLBACK TO store_op");
    exec1(q, "RELEASE store_op");
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Group commit (issue 13)
 *
 * Every handle on the same database file in this process shares one writer connection. A
 * transaction (store_begin .. store_commit) takes the writer, runs in its own savepoint inside
 * the writer's open transaction, and gives the writer back at its end; a refused transaction
 * rolls back its savepoint alone. A committed one then waits until the group it joined is
 * committed: the first waiter that finds the writer free and nobody waiting to take it commits
 * the whole group with one COMMIT (synchronous=FULL: one sync of the WAL) and wakes every member
 * with the result. Nobody returns from store_commit before the COMMIT that holds its work has
 * returned, so an acknowledged action is on disk. Writes made on a handle outside store_begin
 * (autocommit) use the handle's own connection; its busy handler waits for the writer's group to
 * end instead of sleeping blindly.
 *
 * A transaction handed over whole (txn_run, an action of the engine) does not take the writer
 * itself: it is queued, and the oldest queued one's thread takes the writer and runs every queued
 * transaction one after the other, each in its savepoint, with its caller's handle, while more
 * keep coming. Handing the writer from thread to thread cost a wake-up per transaction (measured:
 * 15-21 % of the writer's time at 64 threads, in which nothing ran); now one thread runs a whole
 * group, and the others only wake for their group's result. Queued jobs and gc_acquire take
 * turns, so neither starves the other.
 * ------------------------------------------------------------------------------------------- */

#define GC_MAX_GROUP 256 /* actions in one commit at most, to bound a group's latency */

/* The writes to the search index an action makes on the writer are staged in a temporary table
 * (temp.search_stage, on the writer's connection alone) and replayed, in the order they were
 * made, just before the group's COMMIT. FTS5 flushes its pending terms at every savepoint
 * statement, so written directly each action's savepoints wrote a segment of its own (measured:
 * a quarter of an order insert's time under the writer). A temporary table is inside the same
 * transaction and savepoints, so a refused action's staged rows are rolled back with it. Reads
 * made inside an open transaction see only the search rows of committed groups. */
enum { STAGE_INSERT, STAGE_UPDATE, STAGE_NOTES, STAGE_READ, STAGE_CLEAR, STAGE__COUNT };

/* The search index's writes (?1..?4: t, b, y, n; ?5: the order id), and the stage's reading and
 * emptying. */
static const char *const stage_sql[STAGE__COUNT] = {
    [STAGE_INSERT] = "INSERT INTO order_search(t, b, y, n, rowid) VALUES (?1, ?2, ?3, ?4, ?5)",
    [STAGE_UPDATE] = "UPDATE order_search SET t = ?1, b = ?2, y = ?3 WHERE rowid = ?5",
    [STAGE_NOTES] = ("UPDATE order_search SET n = CASE WHEN n = '' THEN ?4 ELSE n || ' ' || ?4"
                     " END WHERE rowid = ?5"),
    [STAGE_READ] = "SELECT kind, id, t, b, y, n FROM temp.search_stage ORDER BY seq",
    [STAGE_CLEAR] = "DELETE FROM temp.search_stage",
};

/* A thread waiting for its transaction's end (the group's commit, or a refusal), on its own
 * stack. Its word's bit GC_DONE is set once rc holds the result; a queued job's waiter is also
 * posted GC_POKE to look whether it leads. The end is posted without the writer's lock, which a
 * woken member then need not take again: with a condition variable under that lock, the tens of
 * members woken at each commit queued on the lock behind the next group's leader. A woken member
 * wakes the two in kid in turn (gc_pass_on), so that the thread that committed wakes one, not
 * the whole group: a wake-up cost it about 10 µs here, 0.6-0.8 ms for a group of 62 on the
 * writer's path. */
struct gc_waiter {
    struct gc_waiter *next;
    int rc;
    struct wake wk;
    pthread_t self;           /* the waiting thread */
    struct gc_waiter *kid[2]; /* the members this one wakes once it is woken */
};
enum { GC_DONE = 1, GC_POKE = 2 };

/* A transaction handed over whole (txn_run): queued until the thread holding the writer runs it
 * in a savepoint of the group's transaction. Lives on its caller's stack; the caller waits on wt,
 * which joins the group when the transaction is kept and ends at once when it is refused. */
struct gc_job {
    struct gc_job *next;
    struct sq *q;
    int (*fn)(struct store *s, void *arg);
    void *arg;
    void *memo; /* the caller's token memo (store_memo_mine) */
    int rc;     /* fn's result, or the savepoint's */
    struct gc_waiter wt;
};

struct gc_writer {
    struct gc_writer *next; /* the registry */
    char *path;
    pid_t pid; /* the process that opened it: a forked child opens its own */
    int refs;
    sqlite3 *db;
    struct stmt_slot cache[STMT_CACHE];
    uint64_t tick;
    pthread_mutex_t m;
    pthread_cond_t take; /* signalled, one waiter at a time, when the writer may be taken */
    pthread_cond_t cv;   /* broadcast when a group ends, for the few that wait for that */
    struct sq *owner;    /* the handle holding the connection, NULL: free */
    pthread_t owner_thread;
    bool flushing; /* a member is committing the group */
    bool in_txn;   /* the writer's transaction is open */
    int queued;    /* threads waiting in gc_acquire to take the writer */
    struct gc_job *jobs,
        *jobs_tail; /* transactions queued for the writer (txn_run), oldest first */
    bool jobs_last; /* the last to take the writer ran jobs: a waiting gc_acquire goes next */
    int outside;    /* own-connection writes waiting in the busy handler */
    int n_group;    /* transactions released into the open one, waiting for its commit */
    struct gc_waiter *group;
    uint64_t commits, actions;
    uint64_t commit_ns;                /* time spent in the groups' COMMITs */
    uint64_t hold_ns;                  /* time actions held the writer */
    uint64_t handoff_ns;               /* time free between a taker's wake-up and its take */
    uint64_t held_at, woken_at;        /* when the owner took it; when a taker was signalled */
    uint64_t wal_frames;               /* frames the writer appended to the WAL */
    int wal_last;                      /* frames in the WAL after the last commit */
    int ckpt_mark;                     /* frames in the WAL when a checkpoint was last asked */
    int restart_at;                    /* frames in the WAL from which the writer restarts it */
    bool restart_due;                  /* the WAL passed restart_at: restart after this commit */
    int restart_gap;                   /* frames from a refused restart to the next try */
    uint64_t restarts, restart_tries;  /* (under m) whole-WAL checkpoints that succeeded; tried */
    sqlite3_stmt *stage[STAGE__COUNT]; /* the staged search writes' replay, prepared on first use */
    /* The checkpointer: a thread with a connection of its own copies the WAL back into the
     * database once a commit leaves GC_CKPT_FRAMES frames in it. On the committing thread (as
     * wal_autocheckpoint does it) every group behind that commit waited for the copy and its
     * sync; a passive checkpoint elsewhere lets the writer go on appending meanwhile. */
    pthread_mutex_t ckpt_m;
    pthread_cond_t ckpt_wake;
    pthread_t ckpt_thread;
    sqlite3 *ckpt_db;
    bool ckpt_started, ckpt_due, ckpt_stop; /* under ckpt_m */
    bool ckpt_running;                      /* under ckpt_m: the checkpointer is copying */
    bool ckpt_held; /* under ckpt_m: the writer is restarting the WAL; the checkpointer waits */
    uint64_t checkpoints; /* under ckpt_m */
};

enum { GC_CKPT_FRAMES = 1000 }; /* wal_autocheckpoint's default */

/* The WAL starts over only at a write that begins when every frame has been copied back and no
 * reader still reads one. Under a steady stream of groups the passive checkpoints never catch up
 * with the writer, and the WAL grew without end (measured: 0.8-1.1 GB through bench_write's HTTP
 * phases; each reader searches a hash table per 4,096 frames, recovery after a crash reads it
 * all). Once a commit leaves GC_WAL_RESTART_FRAMES frames (16 MB), the writer copies the rest
 * itself between two groups and waits, for GC_RESTART_WAIT_MS at most, for the readers still in
 * the WAL to end: the next group starts it over. The checkpointer has copied most of it by then. */
enum { GC_WAL_RESTART_FRAMES = 4 * GC_CKPT_FRAMES, GC_RESTART_WAIT_MS = 20 };
enum { SQ_BUSY_MS = 5000 }; /* a connection's busy timeout */

static pthread_mutex_t gc_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gc_writer *gc_registry;

static uint64_t gc_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t gc_now_ms(void)
{
    return (int64_t)(gc_now_ns() / 1000000u);
}

static void gc_deadline(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (ms % 1000) * 1000000L;
    ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

static int conn_open(const char *path, sqlite3 **db, struct js_error *e);

/* Whether a thread waits to take the writer or to have a transaction run (the lock held): then
 * the open group waits for it instead of committing. */
static bool gc_waiting(const struct gc_writer *w)
{
    return w->queued > 0 || w->jobs;
}

/* Whether the writer is free to take (the lock held): nobody holds it or commits, and the open
 * group has room. */
static bool gc_free(const struct gc_writer *w)
{
    return !w->owner && !w->flushing && w->n_group < GC_MAX_GROUP;
}

/* Whether this thread holds the writer (the lock held), through any of its handles: then it must
 * not wait for the writer, which would never come. */
static bool gc_mine(const struct gc_writer *w)
{
    return w->owner && pthread_equal(w->owner_thread, pthread_self());
}

/* Whether the queued jobs go next when the writer is free (the lock held): the two kinds of
 * waiter take turns, so a waiting gc_acquire goes after a run of jobs. */
static bool gc_jobs_turn(const struct gc_writer *w)
{
    return w->queued == 0 || !w->jobs_last;
}

/* Hands the writer on, if it is free to take, to one thread waiting in gc_acquire or to the
 * oldest queued job's (the writer's lock held). Waking one, not all, keeps a busy writer from
 * waking every thread at every release: on two cores with tens of waiters that herd cost more CPU
 * than the actions. */
static void gc_hand_on(struct gc_writer *w)
{
    if (!gc_free(w) || !gc_waiting(w))
        return;
    if (!w->woken_at)
        w->woken_at = gc_now_ns();
    /* the oldest queued job leads the queue's next run */
    if (w->jobs && gc_jobs_turn(w))
        wake_post(&w->jobs->wt.wk, GC_POKE);
    else
        pthread_cond_signal(&w->take);
}

/* Ends the waiter g with rc and wakes it (the writer's lock held or not). */
static void gc_end(struct gc_waiter *g, int rc)
{
    g->rc = rc;
    g->kid[0] = g->kid[1] = NULL;
    wake_post(&g->wk, GC_DONE); /* g may be gone once this returns */
}

/* Wakes the two members the woken waiter me wakes in turn (me's own thread, once it saw
 * GC_DONE). */
static void gc_pass_on(struct gc_waiter *me)
{
    struct gc_waiter *a = me->kid[0], *b = me->kid[1];
    if (a)
        wake_post(&a->wk, GC_DONE);
    if (b)
        wake_post(&b->wk, GC_DONE);
}

/* Ends the members of the group g with rc (the writer's lock held or not): the calling thread's
 * own member at once, the others as a binary tree in list order, member i waking 2i+1 and 2i+2,
 * of which this wakes the root. */
static void gc_wake_group(struct gc_waiter *g, int rc)
{
    pthread_t me = pthread_self();
    struct gc_waiter *root = NULL, *tail = NULL, *p, *next;
    for (p = g; p; p = next) {
        next = p->next; /* the members' own list, relinked without this thread's */
        p->rc = rc;
        p->kid[0] = p->kid[1] = NULL;
        if (pthread_equal(p->self, me)) {
            wake_add(&p->wk, GC_DONE); /* this thread's own: it looks once this returns */
            continue;
        }
        p->next = NULL;
        if (tail)
            tail->next = p;
        else
            root = p;
        tail = p;
    }
    struct gc_waiter *c = root ? root->next : NULL;
    for (p = root; p && c; p = p->next) {
        p->kid[0] = c;
        c = c->next;
        p->kid[1] = c;
        c = c ? c->next : NULL;
    }
    if (root)
        wake_post(&root->wk, GC_DONE);
}

/* The open group was lost (SQLite rolled its transaction back, the writer's lock held): its
 * members fail, and the writer has no transaction open. */
static void gc_lose_group(struct gc_writer *w)
{
    gc_wake_group(w->group, -JS_EDB);
    w->group = NULL;
    w->n_group = 0;
    w->in_txn = false;
    pthread_cond_broadcast(&w->cv);
}

/* Prepares the replay statement k of the writer's staged search writes once. */
static int stage_stmt(struct gc_writer *w, int k, sqlite3_stmt **out)
{
    int src = SQLITE_OK;
    if (!w->stage[k])
        src = sqlite3_prepare_v3(w->db, stage_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &w->stage[k],
                                 NULL);
    *out = w->stage[k];
    return src;
}

/* Writes the group's staged search rows to order_search in the order they were staged, and
 * empties the stage (the writer's connection, inside the group's transaction). Returns an
 * SQLite result code. */
static int stage_replay(struct gc_writer *w)
{
    sqlite3_stmt *rd, *wr, *clear;
    int src = stage_stmt(w, STAGE_READ, &rd);
    while (src == SQLITE_OK && (src = sqlite3_step(rd)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(rd, 0);
        if (kind < 0 || kind > STAGE_NOTES) {
            src = SQLITE_CORRUPT;
            break;
        }
        if ((src = stage_stmt(w, kind, &wr)) != SQLITE_OK)
            break;
        for (int i = 2; i <= 5; i++)
            sqlite3_bind_value(wr, i - 1, sqlite3_column_value(rd, i));
        sqlite3_bind_int64(wr, 5, sqlite3_column_int64(rd, 1));
        src = sqlite3_step(wr);
        sqlite3_reset(wr);
        sqlite3_clear_bindings(wr);
        if (src != SQLITE_DONE)
            break;
        src = SQLITE_OK;
    }
    if (rd)
        sqlite3_reset(rd);
    if (src == SQLITE_DONE && (src = stage_stmt(w, STAGE_CLEAR, &clear)) == SQLITE_OK) {
        src = sqlite3_step(clear);
        sqlite3_reset(clear);
    }
    return src == SQLITE_DONE ? SQLITE_OK : src;
}

/* What gc_restart_wal did. */
enum gc_restart { GC_RESTART_LATER, GC_RESTART_REFUSED, GC_RESTART_DONE };

/* Copies the whole WAL back and waits for its readers, so that the next commit starts it over
 * (the writer's connection, between groups, by the thread flushing). While the checkpointer is
 * copying, SQLite would refuse at once (one checkpoint at a time): the restart is left for the
 * next group (GC_RESTART_LATER), and the checkpointer starts no other copy until it has run
 * (measured with the database's syncs slowed to 150 ms: otherwise the checkpointer ran its
 * queued copies first, and the WAL reached 44 MB with one restart in 14,000 frames). Refused (a
 * reader stays longer than GC_RESTART_WAIT_MS, another process writes): tried again GC_CKPT_FRAMES
 * frames later, then twice, four, eight and sixteen times as many while it keeps being refused,
 * so that a long reader does not stall the writer at every thousand frames. */
static enum gc_restart gc_restart_wal(struct gc_writer *w)
{
    pthread_mutex_lock(&w->ckpt_m);
    w->ckpt_held = true; /* no other copy starts before the restart */
    w->ckpt_due = false; /* the restart copies it all */
    bool busy = w->ckpt_running;
    pthread_mutex_unlock(&w->ckpt_m);
    if (busy)
        return GC_RESTART_LATER; /* restart_due stays set */
    sqlite3_busy_timeout(w->db, GC_RESTART_WAIT_MS);
    int src = sqlite3_wal_checkpoint_v2(w->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    sqlite3_busy_timeout(w->db, SQ_BUSY_MS);
    pthread_mutex_lock(&w->ckpt_m);
    w->ckpt_held = false;
    pthread_cond_signal(&w->ckpt_wake);
    pthread_mutex_unlock(&w->ckpt_m);
    w->restart_due = false;
    if (src == SQLITE_OK)
        w->restart_gap = GC_CKPT_FRAMES;
    /* the hook resets it when the WAL starts over */
    w->restart_at = w->wal_last + w->restart_gap;
    if (src != SQLITE_OK && w->restart_gap < 16 * GC_CKPT_FRAMES)
        w->restart_gap *= 2;
    return src == SQLITE_OK ? GC_RESTART_DONE : GC_RESTART_REFUSED;
}

/* Commits the open group (the writer free, its lock held; released while committing). */
static void gc_flush_locked(struct gc_writer *w)
{
    struct gc_waiter *g = w->group;
    int n = w->n_group;
    bool open = w->in_txn;
    w->group = NULL;
    w->n_group = 0;
    w->flushing = true;
    pthread_mutex_unlock(&w->m);
    int rc = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (open && sqlite3_get_autocommit(w->db)) {
        rc = -JS_EDB; /* SQLite rolled the transaction back on its own (an I/O error) */
    } else if (open) {
        int src = n ? stage_replay(w) : SQLITE_OK;
        if (src == SQLITE_OK)
            src = sqlite3_exec(w->db, n ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
        if (src != SQLITE_OK) {
            rc = sqlite_fail(w->db, src);
            if (!sqlite3_get_autocommit(w->db))
                sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    /* the members need not wait for the WAL's restart, nor for the writer's lock */
    gc_wake_group(g, rc);
    pthread_mutex_lock(&w->m);
    w->in_txn = false;
    if (n) {
        w->commits++;
        w->actions += (uint64_t)n;
    }
    pthread_cond_broadcast(&w->cv);
    if (w->restart_due) {
        pthread_mutex_unlock(&w->m);
        enum gc_restart done = gc_restart_wal(w);
        pthread_mutex_lock(&w->m);
        w->restart_tries += done != GC_RESTART_LATER;
        w->restarts += done == GC_RESTART_DONE;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    w->commit_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
    w->flushing = false;
    pthread_cond_broadcast(&w->cv);
    gc_hand_on(w);
}

/* Counts the frames the writer's commits append to the WAL (the log restarts after a
 * checkpoint: then all its frames are new). Called with the writer held. */
static int gc_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct gc_writer *w = arg;
    bool restarted = frames < w->wal_last;
    w->wal_frames += (uint64_t)(restarted ? frames : frames - w->wal_last);
    w->wal_last = frames;
    /* Once per GC_CKPT_FRAMES new frames: the WAL starts over only at the first write after a
     * checkpoint that copied it all, and the commits in between (tens, with a checkpoint off
     * the commit) must not each ask for another, with its sync of the database. */
    if (restarted) {
        w->ckpt_mark = 0;
        w->restart_at = GC_WAL_RESTART_FRAMES;
    }
    if (frames >= w->restart_at)
        w->restart_due = true;
    if (frames < w->ckpt_mark + GC_CKPT_FRAMES)
        return SQLITE_OK;
    w->ckpt_mark = frames;
    if (w->restart_due) /* the writer copies it all after this commit */
        return SQLITE_OK;
    pthread_mutex_lock(&w->ckpt_m);
    bool handed = w->ckpt_started;
    w->ckpt_due = true;
    pthread_cond_signal(&w->ckpt_wake);
    pthread_mutex_unlock(&w->ckpt_m);
    if (!handed) /* no checkpointer thread: what wal_autocheckpoint(1000) would do, here */
        sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

/* The checkpointer thread: a passive checkpoint each time the hook asks for one, until
 * stopped. Passive: it copies what no reader still needs and waits for nobody; the WAL starts
 * over at the first write after a checkpoint that copied it all. */
static void *gc_ckpt_main(void *arg)
{
    struct gc_writer *w = arg;
    pthread_mutex_lock(&w->ckpt_m);
    for (;;) {
        while ((!w->ckpt_due || w->ckpt_held) && !w->ckpt_stop)
            pthread_cond_wait(&w->ckpt_wake, &w->ckpt_m);
        if (w->ckpt_stop)
            break;
        w->ckpt_due = false;
        w->ckpt_running = true;
        pthread_mutex_unlock(&w->ckpt_m);
        int src =
            sqlite3_wal_checkpoint_v2(w->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&w->ckpt_m);
        w->ckpt_running = false;
        if (src == SQLITE_OK)
            w->checkpoints++;
    }
    pthread_mutex_unlock(&w->ckpt_m);
    return NULL;
}

/* Starts w's checkpointer. Without it (its connection or thread refused) the hook checkpoints
 * on the committing thread, as before. */
static void gc_ckpt_start(struct gc_writer *w)
{
    struct js_error e;
    if (conn_open(w->path, &w->ckpt_db, &e)) {
        sqlite3_close_v2(w->ckpt_db);
        w->ckpt_db = NULL;
        return;
    }
    w->ckpt_started = pthread_create(&w->ckpt_thread, NULL, gc_ckpt_main, w) == 0;
    if (!w->ckpt_started) {
        sqlite3_close_v2(w->ckpt_db);
        w->ckpt_db = NULL;
    }
}

static void gc_ckpt_stop(struct gc_writer *w)
{
    if (w->ckpt_started) {
        pthread_mutex_lock(&w->ckpt_m);
        w->ckpt_stop = true;
        pthread_cond_signal(&w->ckpt_wake);
        pthread_mutex_unlock(&w->ckpt_m);
        pthread_join(w->ckpt_thread, NULL);
        w->ckpt_started = false;
    }
    sqlite3_close_v2(w->ckpt_db);
    w->ckpt_db = NULL;
}

/* The writer of path, shared by every handle on it (created on first use). */
static int gc_writer_get(const char *path, struct gc_writer **out, struct js_error *e)
{
    int rc = 0;
    *out = NULL;
    pthread_mutex_lock(&gc_registry_lock);
    struct gc_writer *w = gc_registry;
    while (w && (w->pid != getpid() || strcmp(w->path, path) != 0))
        w = w->next; /* a connection must not cross a fork: a child's handles get their own */
    if (w) {
        w->refs++;
        goto out;
    }
    w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        w = NULL;
        rc = js_fail(e, JS_ENOMEM, "db", NULL);
        goto out;
    }
    rc = conn_open(path, &w->db, e);
    if (!rc && sqlite3_exec(w->db,
                            "CREATE TEMP TABLE search_stage(seq INTEGER PRIMARY KEY, kind INTEGER"
                            " NOT NULL, id INTEGER NOT NULL, t TEXT, b TEXT, y TEXT, n TEXT)",
                            NULL, NULL, NULL) != SQLITE_OK)
        rc = js_fail(e, JS_EDB, "db", "cannot use %s: %s", path, sqlite3_errmsg(w->db));
    if (rc) {
        sqlite3_close_v2(w->db);
        free(w->path);
        free(w);
        w = NULL;
        goto out;
    }
    /* counts the WAL frames, and has them checkpointed as wal_autocheckpoint(1000) did */
    w->restart_at = GC_WAL_RESTART_FRAMES;
    w->restart_gap = GC_CKPT_FRAMES;
    pthread_mutex_init(&w->ckpt_m, NULL);
    pthread_cond_init(&w->ckpt_wake, NULL);
    gc_ckpt_start(w);
    sqlite3_wal_hook(w->db, gc_wal_hook, w);
    pthread_mutex_init(&w->m, NULL);
    pthread_cond_init(&w->take, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->pid = getpid();
    w->refs = 1;
    w->next = gc_registry;
    gc_registry = w;
out:
    pthread_mutex_unlock(&gc_registry_lock);
    *out = w;
    return rc;
}

static void gc_writer_put(struct gc_writer *w)
{
    if (!w || w->pid != getpid())
        return; /* the parent's, in a forked child: not this process's to close */
    pthread_mutex_lock(&gc_registry_lock);
    if (--w->refs > 0) {
        pthread_mutex_unlock(&gc_registry_lock);
        return;
    }
    for (struct gc_writer **p = &gc_registry; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    pthread_mutex_unlock(&gc_registry_lock);
    for (int i = 0; i < STMT_CACHE; i++)
        slot_clear(&w->cache[i]);
    for (int i = 0; i < STAGE__COUNT; i++)
        sqlite3_finalize(w->stage[i]);
    if (!sqlite3_get_autocommit(w->db))
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    gc_ckpt_stop(w);
    pthread_cond_destroy(&w->ckpt_wake);
    pthread_mutex_destroy(&w->ckpt_m);
    sqlite3_close_v2(w->db);
    pthread_cond_destroy(&w->take);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->m);
    free(w->path);
    free(w);
}

/* Points the handle at the writer's connection, or back at its own. */
static void gc_swap(struct sq *q, bool to_writer)
{
    q->owns = to_writer;
    q->db = to_writer ? q->w->db : q->own_db;
    q->cache = to_writer ? q->w->cache : q->own_cache;
    q->tick = to_writer ? &q->w->tick : &q->own_tick;
}

/* Gives the writer back (its lock held): commits the open group when nobody waits for the
 * writer or the group is full, else hands the writer on and leaves the group open for them. */
static void gc_give_back(struct gc_writer *w)
{
    w->owner = NULL;
    w->hold_ns += gc_now_ns() - w->held_at;
    if (!w->flushing && (!gc_waiting(w) || w->n_group >= GC_MAX_GROUP))
        gc_flush_locked(w); /* commits the group, or closes an empty transaction */
    else
        gc_hand_on(w);
}

/* Waits, counted in queued, until the writer is free to take (the writer's lock held). */
static void gc_wait_free(struct gc_writer *w)
{
    while (!gc_free(w)) {
        w->queued++;
        pthread_cond_wait(&w->take, &w->m);
        w->queued--;
    }
}

/* Lets a write on an own connection that waits for the lock have it first, for up to 2 ms (the
 * writer's lock held, released meanwhile). Returns whether it waited. */
static bool gc_yield_outside(struct gc_writer *w)
{
    if (w->in_txn || w->outside == 0)
        return false;
    struct timespec ts;
    gc_deadline(&ts, 2);
    while (w->outside > 0 && !w->in_txn && !w->owner && !w->flushing)
        if (pthread_cond_timedwait(&w->cv, &w->m, &ts) == ETIMEDOUT)
            break;
    return true;
}

/* Makes q the writer's owner (the writer free, its lock held). Fails the open group's members
 * first if SQLite rolled it back. */
static void gc_take_locked(struct gc_writer *w, struct sq *q)
{
    if (w->in_txn && sqlite3_get_autocommit(w->db))
        gc_lose_group(w);
    w->owner = q;
    w->owner_thread = pthread_self();
    w->held_at = gc_now_ns();
    if (w->woken_at) {
        w->handoff_ns += w->held_at - w->woken_at;
        w->woken_at = 0;
    }
}

/* Takes the writer for a transaction of q: opens the group's transaction if none is open, then
 * the transaction's own savepoint. */
static int gc_acquire(struct sq *q)
{
    struct gc_writer *w = q->w;
    int rc = 0;
    pthread_mutex_lock(&w->m);
    if (gc_mine(w)) {
        pthread_mutex_unlock(&w->m);
        return -JS_EBUSY;
    }
    gc_wait_free(w);
    if (gc_yield_outside(w))
        gc_wait_free(w);
    gc_take_locked(w, q);
    w->jobs_last = false;
    bool start = !w->in_txn;
    pthread_mutex_unlock(&w->m);
    gc_swap(q, true);
    if (start) {
        /* IMMEDIATE takes the write lock now: another process's writer waits on busy_timeout */
        rc = exec1(q, "BEGIN IMMEDIATE");
        if (!rc) {
            pthread_mutex_lock(&w->m);
            w->in_txn = true;
            pthread_mutex_unlock(&w->m);
        }
    }
    if (!rc)
        rc = exec1(q, "SAVEPOINT gc");
    if (rc) {
        gc_swap(q, false);
        pthread_mutex_lock(&w->m);
        gc_give_back(w);
        pthread_mutex_unlock(&w->m);
    }
    return rc;
}

/* Ends q's transaction and gives the writer back: keep releases its savepoint into the group and
 * returns once the group's commit is durable (with its result); otherwise the savepoint is
 * rolled back alone and the others in the group are not touched. */
static int gc_release(struct sq *q, bool keep)
{
    struct gc_writer *w = q->w;
    int rc = 0;
    if (keep)
        rc = exec1(q, "RELEASE gc");
    if (!keep || rc) {
        exec1(q, "ROLLBACK TO gc");
        exec1(q, "RELEASE gc");
    }
    gc_swap(q, false);
    pthread_mutex_lock(&w->m);
    if (!keep || rc) {
        gc_give_back(w);
        pthread_mutex_unlock(&w->m);
        return rc;
    }
    struct gc_waiter me = {.next = w->group, .self = pthread_self()};
    w->group = &me;
    w->n_group++;
    /* The group is committed by the member that gives the writer back with nobody waiting to
     * take it, or the group full; until then the writer goes on to the next taker. */
    gc_give_back(w);
    pthread_mutex_unlock(&w->m);
    for (uint32_t v; !((v = wake_read(&me.wk)) & GC_DONE);)
        wake_wait(&me.wk, v);
    gc_pass_on(&me);
    return me.rc;
}

/* Runs job j in a savepoint of the writer's open transaction (the writer held by this thread,
 * its lock not held), with its caller's handle and token memo. Returns 0 when j's work is kept. */
static int gc_job_run(struct gc_job *j)
{
    struct sq *q = j->q;
    gc_swap(q, true);
    void *mine = store_memo_use(j->memo);
    int rc = exec1(q, "SAVEPOINT gc");
    if (!rc) {
        rc = j->fn(&q->base, j->arg);
        if (!rc)
            rc = exec1(q, "RELEASE gc");
        if (rc) {
            exec1(q, "ROLLBACK TO gc");
            exec1(q, "RELEASE gc");
        }
    }
    store_memo_use(mine);
    gc_swap(q, false);
    return rc;
}

/* Takes the writer (free, its lock held) and runs the queued jobs, oldest first, each in a
 * savepoint of the group's transaction: the kept ones join the group, a refused one ends at
 * once. Goes on while jobs keep coming, the group has room and no gc_acquire waits, then commits
 * the group if nobody waits for the writer, or hands it on. lead is the leading job's handle. */
static void gc_lead(struct gc_writer *w, struct sq *lead)
{
    gc_take_locked(w, lead);
    w->jobs_last = true;
    for (bool first = true; w->jobs && w->n_group < GC_MAX_GROUP && (first || w->queued == 0);
         first = false) {
        struct gc_job *batch = w->jobs, *last = batch;
        for (int k = w->n_group + 1; last->next && k < GC_MAX_GROUP; k++)
            last = last->next;
        w->jobs = last->next;
        if (!w->jobs)
            w->jobs_tail = NULL;
        last->next = NULL;
        bool open = w->in_txn;
        pthread_mutex_unlock(&w->m);
        int brc = 0;
        if (!open) {
            /* IMMEDIATE takes the write lock now: another process's writer waits on busy_timeout */
            int src = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
            brc = src == SQLITE_OK ? 0 : sqlite_fail(w->db, src);
        }
        for (struct gc_job *j = batch; j; j = j->next)
            j->rc = brc ? brc : sqlite3_get_autocommit(w->db) ? -JS_EDB : gc_job_run(j);
        /* SQLite may have rolled the whole transaction back (an I/O error, a full disk) */
        bool lost = !brc && sqlite3_get_autocommit(w->db);
        pthread_mutex_lock(&w->m);
        w->in_txn = !brc;
        if (lost)
            gc_lose_group(w);
        for (struct gc_job *j = batch, *next; j; j = next) {
            next = j->next;
            if (j->rc || lost) {
                gc_end(&j->wt, j->rc ? j->rc : -JS_EDB);
            } else {
                j->wt.next = w->group;
                w->group = &j->wt;
                w->n_group++;
            }
        }
        if (brc || lost)
            break;
    }
    gc_give_back(w);
}

/* The busy handler of a handle's own connection: a write outside store_begin found the lock
 * taken. If this process's writer holds it, waits for its group to end; another process: sleeps
 * as SQLite would. Gives up after SQ_BUSY_MS (SQLITE_BUSY), as busy_timeout does, and at once when
 * this thread holds the writer through another handle. */
static int gc_busy(void *arg, int count)
{
    struct sq *q = arg;
    struct gc_writer *w = q->w;
    int64_t now = gc_now_ms();
    if (count == 0)
        q->busy_since = now;
    if (now - q->busy_since > SQ_BUSY_MS)
        return 0;
    pthread_mutex_lock(&w->m);
    if (gc_mine(w)) {
        pthread_mutex_unlock(&w->m);
        return 0;
    }
    if (w->in_txn) {
        struct timespec ts;
        gc_deadline(&ts, 100);
        w->outside++;
        while (w->in_txn)
            if (pthread_cond_timedwait(&w->cv, &w->m, &ts) == ETIMEDOUT)
                break;
        w->outside--;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->m);
        return 1;
    }
    pthread_mutex_unlock(&w->m);
    struct timespec ts = {0, (count < 10 ? 1 : 10) * 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

static const struct store_ops sqlite_ops;

void store_sqlite_group_stats(struct store *s, struct sqlite_group_stats *out)
{
    struct gc_writer *w = s && s->ops == &sqlite_ops ? sq_of(s)->w : NULL;
    memset(out, 0, sizeof *out);
    if (!w)
        return;
    pthread_mutex_lock(&w->m);
    out->commits = w->commits;
    out->actions = w->actions;
    out->wal_frames = w->wal_frames;
    out->commit_ns = w->commit_ns;
    out->hold_ns = w->hold_ns;
    out->handoff_ns = w->handoff_ns;
    out->restarts = w->restarts;
    out->restart_tries = w->restart_tries;
    pthread_mutex_unlock(&w->m);
    pthread_mutex_lock(&w->ckpt_m);
    out->checkpoints = w->checkpoints;
    pthread_mutex_unlock(&w->ckpt_m);
}

/* ---------------------------------------------------------------------------------------------
 * Opening, closing, migrations, transactions
 * ------------------------------------------------------------------------------------------- */

static void sq_close(struct store *s)
{
    struct sq *q = sq_of(s);
    if (!q)
        return;
    if (q->owns)
        gc_release(q, false);
    for (int i = 0; i < STMT_CACHE; i++)
        slot_clear(&q->own_cache[i]);
    gc_writer_put(q->w);
    /* Lets SQLite refresh the planner statistics of tables that changed a lot (the documented
     * way to keep query plans good on a growing database), reading every row: a sampled
     * ANALYZE (analysis_limit) once replaced good statistics with poor ones and flipped the plan
     * of a list from milliseconds to seconds (issue 13). Lists name their index anyway. */
    if (q->db && q->base.ops)
        sqlite3_exec(q->db, "PRAGMA analysis_limit = 0; PRAGMA optimize", NULL, NULL, NULL);
    sqlite3_close_v2(q->db);
    free(q->order_select);
    free(q->order_by_id);
    free(q->order_by_number);
    free(q->order_page);
    free(q->order_insert);
    free(q);
}

static int sq_schema_version(struct store *s, int *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    *out = 0;
    int rc = stmt_get(q,
                      "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                      " AND name = 'schema_migrations'",
                      &st);
    if (rc)
        return rc;
    int step = sqlite3_step(st);
    bool exists = step == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
    if (step != SQLITE_ROW)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    if (rc || !exists)
        return rc;
    rc = stmt_get(q, "SELECT coalesce(max(version), 0) FROM schema_migrations", &st);
    if (rc)
        return rc;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* Applies one migration in its own transaction, unless another process applied it meanwhile. */
static int reindex_all(struct sq *q);

static int migrate_one(struct sq *q, const struct sqlite_migration *m, struct js_error *e)
{
    sqlite3_stmt *st = NULL;
    char *msg = NULL;
    int rc = exec1(q, "BEGIN IMMEDIATE");
    if (rc)
        return js_fail(e, -rc, "db", "cannot start migration %d: %s", m->version,
                       sqlite3_errmsg(q->db));
    rc = stmt_get(q, "SELECT 1 FROM schema_migrations WHERE version = ?1", &st);
    if (rc)
        goto out;
    sqlite3_bind_int(st, 1, m->version);
    int step = sqlite3_step(st);
    stmt_put(q, st);
    st = NULL;
    if (step == SQLITE_ROW)
        goto out; /* already there */
    if (step != SQLITE_DONE) {
        rc = sqlite_fail(q->db, step);
        goto out;
    }
    int xrc = sqlite3_exec(q->db, m->sql, NULL, NULL, &msg);
    if (xrc != SQLITE_OK) {
        rc = js_fail(e, JS_EDB, "db", "migration %d (%s) failed: %s", m->version, m->name,
                     msg ? msg : sqlite3_errstr(xrc));
        goto out;
    }
    if (m->reindex && (rc = reindex_all(q)) != 0) {
        js_fail(e, -rc, "db", "migration %d (%s): the search index cannot be rebuilt", m->version,
                m->name);
        goto out;
    }
    rc = stmt_get(q, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)",
                  &st);
    if (rc)
        goto out;
    sqlite3_bind_int(st, 1, m->version);
    bind_text(st, 2, m->name);
    sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
    rc = run(q, st);
out:
    stmt_put(q, st);
    sqlite3_free(msg);
    if (rc == 0)
        rc = exec1(q, "COMMIT");
    if (rc) {
        exec1(q, "ROLLBACK");
        if (!e || !e->code)
            js_fail(e, -rc, "db", "migration %d (%s) failed", m->version, m->name);
    }
    return rc;
}

static int sq_migrate(struct store *s, struct js_error *e)
{
    struct sq *q = sq_of(s);
    js_error_clear(e);
    int rc = exec1(q, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY,"
                      " name TEXT NOT NULL,"
                      " applied_at INTEGER NOT NULL"
                      ") STRICT");
    if (rc)
        return js_fail(e, -rc, "db", "cannot create schema_migrations: %s", sqlite3_errmsg(q->db));
    int have = 0;
    rc = sq_schema_version(s, &have);
    if (rc)
        return js_fail(e, -rc, "db", "cannot read the schema version");
    int latest = sqlite_migrations[sqlite_n_migrations - 1].version;
    if (have > latest)
        return js_fail(e, JS_EDB, "db",
                       "the database has schema version %d, newer than this program's %d", have,
                       latest);
    for (int i = 0; i < sqlite_n_migrations; i++) {
        if (sqlite_migrations[i].version <= have)
            continue;
        rc = migrate_one(q, &sqlite_migrations[i], e);
        if (rc)
            return rc;
    }
    return 0;
}

static const char *const hold_savepoints[] = {"held1", "held2", "held3", "held4",
                                              "held5", "held6", "held7", "held8"};
#define HOLD_MAX_DEPTH ((int)JS_ARRAY_LEN(hold_savepoints))

static int hold_sql(struct sq *q, const char *verb, int level)
{
    char sql[48];
    snprintf(sql, sizeof sql, "%s %s", verb, hold_savepoints[level - 1]);
    return exec1(q, sql);
}

/* SQLite ended the held transaction on its own (an I/O error rolls it back): forget it. */
static void hold_check(struct sq *q)
{
    if (q->held && sqlite3_get_autocommit(q->db)) {
        if (q->owns)
            gc_release(q, false);
        q->held = false;
        q->depth = 0;
    }
}

/* Opens a transaction: on the group writer (a savepoint in its transaction), or, without one
 * (an in-memory database), on the handle's own connection. */
static int txn_open(struct sq *q)
{
    if (q->w)
        return gc_acquire(q);
    /* IMMEDIATE takes the write lock now, so concurrent writers wait on busy_timeout here
     * instead of failing later when a read lock cannot be upgraded. */
    return exec1(q, "BEGIN IMMEDIATE");
}

/* Ends the transaction txn_open opened: commit (durable when it returns) or roll back. */
static int txn_close(struct sq *q, bool commit)
{
    if (q->owns)
        return gc_release(q, commit);
    if (!q->w && !sqlite3_get_autocommit(q->db))
        return exec1(q, commit ? "COMMIT" : "ROLLBACK");
    return commit ? -JS_EINTERNAL : 0; /* nothing open (or SQLite already rolled back) */
}

static int sq_begin(struct store *s)
{
    struct sq *q = sq_of(s);
    hold_check(q);
    if (q->held) {
        if (q->depth == HOLD_MAX_DEPTH)
            return -JS_EINTERNAL;
        int rc = hold_sql(q, "SAVEPOINT", q->depth + 1);
        if (!rc)
            q->depth++;
        return rc;
    }
    if (q->owns || !sqlite3_get_autocommit(q->db)) {
        fprintf(stderr, "jiesu: store_begin inside an open transaction\n");
        return -JS_EINTERNAL;
    }
    int rc = txn_open(q);
    if (rc || !q->hold)
        return rc;
    q->held = true;
    q->depth = 0;
    rc = hold_sql(q, "SAVEPOINT", 1);
    if (rc) {
        txn_close(q, false);
        q->held = false;
        return rc;
    }
    q->depth = 1;
    return 0;
}

static int sq_txn_hold(struct store *s)
{
    struct sq *q = sq_of(s);
    if (q->hold || q->owns || !sqlite3_get_autocommit(q->db))
        return -JS_EINTERNAL;
    q->hold = true;
    return 0;
}

static int sq_txn_finish(struct store *s, bool commit)
{
    struct sq *q = sq_of(s);
    int rc = 0;
    hold_check(q);
    if (q->held) {
        if (commit && q->depth == 0) {
            rc = txn_close(q, true);
        } else {
            rc = commit ? -JS_EINTERNAL : 0; /* a level left open: never commit half of it */
            txn_close(q, false);
        }
    }
    q->hold = q->held = false;
    q->depth = 0;
    return rc;
}

/* A copy of blob column i into *data (free(); never NULL on success) and its size into *n. */
static int col_blob_dup(sqlite3_stmt *st, int i, void **data, size_t *n)
{
    const void *blob = sqlite3_column_blob(st, i);
    *n = (size_t)sqlite3_column_bytes(st, i);
    *data = malloc(*n ? *n : 1);
    if (!*data)
        return -JS_ENOMEM;
    if (*n)
        memcpy(*data, blob, *n);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Named blobs
 * ------------------------------------------------------------------------------------------- */

static int sq_blob_put(struct store *s, const char *key, const void *data, size_t size, int64_t at)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!key || !key[0])
        return -JS_EINVAL;
    int rc = stmt_get(q, "INSERT OR REPLACE INTO blobs(key, at, data) VALUES (?, ?, ?)", &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_blob64(st, 3, data ? data : "", (sqlite3_uint64)size, SQLITE_STATIC);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

static int sq_blob_get(struct store *s, const char *key, void **data, size_t *size, int64_t *at)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    *data = NULL;
    *size = 0;
    int rc = stmt_get(q, "SELECT at, data FROM blobs WHERE key = ?", &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        if (at)
            *at = sqlite3_column_int64(st, 0);
        rc = col_blob_dup(st, 1, data, size);
    } else {
        rc = src == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, src);
    }
    stmt_put(q, st);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Attachments
 * ------------------------------------------------------------------------------------------- */

static int sq_file_put(struct store *s, const struct stored_file *f, const void *data)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q,
                      "INSERT INTO files(id, name, type, size, sha256, at, user_id, data) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, f->id);
    bind_text(st, 2, f->name);
    bind_text(st, 3, f->type);
    sqlite3_bind_int64(st, 4, f->size);
    bind_text(st, 5, f->sha256);
    sqlite3_bind_int64(st, 6, f->at);
    bind_id(st, 7, f->user_id);
    sqlite3_bind_blob64(st, 8, data ? data : "", (sqlite3_uint64)f->size, SQLITE_STATIC);
    int src = sqlite3_step(st);
    rc = src == SQLITE_DONE ? 0 : src == SQLITE_CONSTRAINT ? -JS_EEXISTS : sqlite_fail(q->db, src);
    stmt_put(q, st);
    return rc;
}

static int sq_file_get(struct store *s, const char *id, struct stored_file *f, void **data)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    *data = NULL;
    int rc = stmt_get(q,
                      "SELECT id, name, type, size, sha256, at, user_id, data FROM files "
                      "WHERE id = ?",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, id);
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        memset(f, 0, sizeof *f);
        sqlite_col_copy(st, 0, f->id, sizeof f->id);
        sqlite_col_copy(st, 1, f->name, sizeof f->name);
        sqlite_col_copy(st, 2, f->type, sizeof f->type);
        f->size = sqlite3_column_int64(st, 3);
        sqlite_col_copy(st, 4, f->sha256, sizeof f->sha256);
        f->at = sqlite3_column_int64(st, 5);
        f->user_id = sqlite3_column_int64(st, 6);
        size_t n = 0;
        rc = col_blob_dup(st, 7, data, &n);
        f->size = (int64_t)n;
    } else {
        rc = src == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, src);
    }
    stmt_put(q, st);
    return rc;
}

/* Sets synchronous on the writer's connection (waiting until no group is open) and q's own. */
static int bulk_sync(struct sq *q, const char *sql)
{
    int rc = 0;
    struct gc_writer *w = q->w;
    if (w) {
        pthread_mutex_lock(&w->m);
        /* not counted in queued: the open group must commit, not wait for this thread */
        while (w->owner || w->flushing || w->in_txn)
            pthread_cond_wait(&w->cv, &w->m);
        int src = sqlite3_exec(w->db, sql, NULL, NULL, NULL);
        rc = src == SQLITE_OK ? 0 : sqlite_fail(w->db, src);
        pthread_mutex_unlock(&w->m);
    }
    return rc ? rc : exec1(q, sql);
}

static int sq_set_bulk(struct store *s, bool on)
{
    struct sq *q = sq_of(s);
    if (q->owns || !sqlite3_get_autocommit(q->db))
        return -JS_EINTERNAL; /* not inside a transaction */
    if (on)
        return bulk_sync(q, "PRAGMA synchronous = NORMAL");
    int rc = bulk_sync(q, "PRAGMA synchronous = FULL");
    /* In WAL mode a checkpoint syncs the log and the database: everything committed under
     * NORMAL is on disk once it returns. */
    return rc ? rc : exec1(q, "PRAGMA wal_checkpoint(FULL)");
}

static int sq_analyze(struct store *s)
{
    struct sq *q = sq_of(s);
    int rc = exec1(q, "PRAGMA analysis_limit = 0");
    return rc ? rc : exec1(q, "ANALYZE");
}

static int sq_commit(struct store *s)
{
    struct sq *q = sq_of(s);
    hold_check(q);
    if (q->held && q->depth > 0) {
        /* inside a held transaction: the level's work is kept; the commit comes at txn_finish */
        int rc = hold_sql(q, "RELEASE", q->depth);
        if (!rc)
            q->depth--;
        return rc;
    }
    if (q->held) {
        q->held = false; /* committed at level 0: the hold opens a new one at the next begin */
        q->depth = 0;
    }
    return txn_close(q, true);
}

static int sq_rollback(struct store *s)
{
    struct sq *q = sq_of(s);
    hold_check(q);
    if (q->held && q->depth > 0) {
        int rc = hold_sql(q, "ROLLBACK TO", q->depth);
        int rc2 = hold_sql(q, "RELEASE", q->depth);
        q->depth--;
        return rc ? rc : rc2;
    }
    if (q->held) {
        q->held = false;
        q->depth = 0;
    }
    return txn_close(q, false);
}

static int sq_txn_run(struct store *s, int (*fn)(struct store *s, void *arg), void *arg)
{
    struct sq *q = sq_of(s);
    hold_check(q);
    if (!q->w || q->hold || q->held)
        return store_txn_run_plain(s, fn, arg);
    if (q->owns || !sqlite3_get_autocommit(q->db)) {
        fprintf(stderr, "jiesu: store_txn_run inside an open transaction\n");
        return -JS_EINTERNAL;
    }
    struct gc_writer *w = q->w;
    struct gc_job me = {
        .q = q, .fn = fn, .arg = arg, .memo = store_memo_mine(), .wt.self = pthread_self()};
    pthread_mutex_lock(&w->m);
    if (gc_mine(w)) {
        pthread_mutex_unlock(&w->m);
        return -JS_EBUSY;
    }
    if (w->jobs_tail)
        w->jobs_tail->next = &me;
    else
        w->jobs = &me;
    w->jobs_tail = &me;
    /* until done: the group it joined committed, or refused; the oldest job leads a free writer */
    bool yielded = false;
    for (;;) {
        uint32_t v = wake_read(&me.wt.wk);
        if (v & GC_DONE)
            break;
        if (w->jobs == &me && gc_free(w) && gc_jobs_turn(w)) {
            if (!yielded && (yielded = gc_yield_outside(w)))
                continue; /* the writer may have been taken meanwhile: look again */
            gc_lead(w, q);
            continue;
        }
        pthread_mutex_unlock(&w->m);
        wake_wait(&me.wt.wk, v);
        if (wake_read(&me.wt.wk) & GC_DONE)
            goto ended; /* without the writer's lock */
        pthread_mutex_lock(&w->m);
    }
    pthread_mutex_unlock(&w->m);
ended:
    gc_pass_on(&me.wt);
    return me.wt.rc;
}

static int sq_next_seq(struct store *s, const char *key, int64_t *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!key || !key[0])
        return -JS_EINVAL;
    int rc = stmt_get(q,
                      "INSERT INTO seqs(key, value) VALUES (?1, 1)"
                      " ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        step = sqlite3_step(st);
    }
    rc = step == SQLITE_DONE ? 0 : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
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

static int build_order_sql(struct sq *q)
{
    struct buf sel, ins;
    int rc = 0;
    buf_init(&sel, 0);
    buf_init(&ins, 0);
    rc |= buf_puts(&sel, "SELECT ");
    rc |= buf_puts(&ins, "INSERT INTO orders(");
    for (int i = 0; i < store_n_order_cols; i++) {
        const char *sep = i ? ", " : "";
        rc |= buf_printf(&sel, "%s\"%s\"", sep, store_order_cols[i].name);
        rc |= buf_printf(&ins, "%s\"%s\"", sep, store_order_cols[i].name);
    }
    rc |= buf_puts(&sel, " FROM orders");
    rc |= buf_puts(&ins, ") VALUES (");
    for (int i = 0; i < store_n_order_cols; i++)
        rc |= buf_printf(&ins, "%s?%d", i ? ", " : "", i + 1);
    rc |= buf_puts(&ins, ")");
    if (rc) {
        buf_release(&sel);
        buf_release(&ins);
        return -JS_ENOMEM;
    }
    q->order_select = buf_steal(&sel);
    q->order_insert = buf_steal(&ins);
    q->order_by_id = sql_join(q->order_select, " WHERE id = ?1");
    q->order_by_number = sql_join(q->order_select, " WHERE number = ?1");
    /* pages of 256 by id, so that no statement stays open while callbacks run, and no read
     * transaction spans the whole table */
    q->order_page = sql_join(q->order_select, " WHERE id > ?1 ORDER BY id LIMIT 256");
    if (!q->order_select || !q->order_insert || !q->order_by_id || !q->order_by_number ||
        !q->order_page)
        return -JS_ENOMEM;
    return 0;
}

/* Binds column c of the order o to parameter k, straight from its field (store_order_col_field).
 * units is the compact JSON text of o's assignments, for the units column. */
static void col_bind(sqlite3_stmt *st, int k, int c, const struct order *o, const char *units)
{
    const struct order_field *f = store_order_col_field(c);
    switch (store_order_cols[c].type) {
    case COL_INT:
        if (c == 0)
            bind_id(st, k, order_field_int(o, f));
        else
            sqlite3_bind_int64(st, k, order_field_int(o, f));
        break;
    case COL_BOOL:
        sqlite3_bind_int(st, k, order_field_int(o, f) != 0);
        break;
    case COL_REAL:
        sqlite3_bind_double(st, k, order_field_real(o, f));
        break;
    case COL_TEXT:
        bind_text(st, k, order_field_text(o, f));
        break;
    case COL_UNIQUE_TEXT:
        bind_text_or_null(st, k, order_field_text(o, f));
        break;
    case COL_JSON:
        bind_text(st, k, units);
        break;
    }
}

/* Binds the order o to ?1..?N of the insert statement (see col_bind). */
static void order_bind(sqlite3_stmt *st, const struct order *o, const char *units)
{
    for (int i = 0; i < store_n_order_cols; i++)
        col_bind(st, i + 1, i, o, units);
}

/* Reads a row of order_select (columns from `first` on) into out, which must be initialised:
 * each column straight into its field, as order_from_json would set it from the canonical form
 * (an order read twice per lifecycle action: building that form cost more than the reads). */
static int order_read(sqlite3_stmt *st, int first, struct order *out)
{
    int rc = 0;
    order_release(out);
    order_init(out);
    for (int i = 0; i < store_n_order_cols && !rc; i++) {
        int c = first + i;
        const struct order_field *f = store_order_col_field(i);
        switch (store_order_cols[i].type) {
        case COL_INT:
        case COL_BOOL:
            order_field_set_int(out, f, sqlite3_column_int64(st, c));
            break;
        case COL_REAL:
            order_field_set_real(out, f, sqlite3_column_double(st, c));
            break;
        case COL_TEXT:
        case COL_UNIQUE_TEXT:
            rc = order_field_set_text(out, f, (const char *)sqlite3_column_text(st, c));
            break;
        case COL_JSON:
            if ((rc = order_units_parse(out, (const char *)sqlite3_column_text(st, c))))
                fprintf(stderr, "jiesu: order row %lld: unreadable column %s\n",
                        (long long)sqlite3_column_int64(st, first), store_order_cols[i].name);
            break;
        }
    }
    return rc == -JS_EINVAL ? -JS_EDB : rc;
}

/* Runs the cached statement sql with the integers v[0..n) bound as ?1..?n. */
static int run_ints(struct sq *q, const char *sql, const int64_t *v, int n)
{
    sqlite3_stmt *st;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(st, i + 1, v[i]);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

/* The order_units row of assignment a of o, in the column order of the statements below. */
static void unit_row(int64_t id, const struct order *o, const struct assignment *a, int64_t *v)
{
    v[0] = id;
    v[1] = a->unit_id;
    v[2] = a->role;
    v[3] = a->active;
    v[4] = o->created_at; /* the unit filter's order (issue 13) */
}

/* Writes the order_units rows of order id from o: all of them (old NULL, a new order), or only
 * what differs from old, the order as stored. A row holds the unit, its role, whether it is
 * active and the order's creation time; most unit actions change none of them (a signature, a
 * reply), and each row deleted or inserted moves the dashboard's counts of the unit (eleven
 * upserts, stats_sql.h), so unchanged rows are left alone (issue 13, session 13). */
static int units_write(struct sq *q, int64_t id, const struct order *o, const struct order *old)
{
    int64_t v[5];
    int rc = 0;
    for (int i = 0; old && i < old->n_units && !rc; i++) {
        if (!store_unit_of(o, old->units[i].unit_id))
            rc = run_ints(q, "DELETE FROM order_units WHERE order_id = ?1 AND unit_id = ?2",
                          (int64_t[]){id, old->units[i].unit_id}, 2);
    }
    for (int i = 0; i < o->n_units && !rc; i++) {
        const struct assignment *a = &o->units[i];
        const struct assignment *was = old ? store_unit_of(old, a->unit_id) : NULL;
        unit_row(id, o, a, v);
        if (!was)
            rc = run_ints(q,
                          "INSERT INTO order_units(order_id, unit_id, role, active, created_at)"
                          " VALUES (?1, ?2, ?3, ?4, ?5)",
                          v, 5);
        else if (!store_unit_row_same(old, was, o, a))
            rc = run_ints(q,
                          "UPDATE order_units SET role = ?3, active = ?4, created_at = ?5"
                          " WHERE order_id = ?1 AND unit_id = ?2",
                          v, 5);
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The search index (migration 8): order_search holds the tokens of title (t), text and address
 * (b), reply (y) and people's notes (n); order_keys the exact keys.
 * ------------------------------------------------------------------------------------------- */

/* Writes one row of the search index: kind STAGE_INSERT (t, b, y, n), STAGE_UPDATE (t, b, y) or
 * STAGE_NOTES (n appended). On the group writer it is staged for the group's commit
 * (stage_replay), unless direct; elsewhere it is written at once. */
static int search_put(struct sq *q, int kind, int64_t id, const char *t, const char *b,
                      const char *y, const char *n, bool direct)
{
    sqlite3_stmt *st;
    bool stage = q->owns && !direct;
    int rc = stmt_get(q,
                      stage ? "INSERT INTO temp.search_stage(kind, id, t, b, y, n)"
                              " VALUES (?6, ?5, ?1, ?2, ?3, ?4)"
                            : stage_sql[kind],
                      &st);
    if (rc)
        return rc;
    const char *vals[] = {t, b, y, n};
    for (int i = 0; i < 4; i++)
        if (vals[i])
            bind_text(st, i + 1, vals[i]);
    sqlite3_bind_int64(st, 5, id);
    if (stage)
        sqlite3_bind_int(st, 6, kind);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

/* Writes the title, body and reply columns of order id; insert: a new row with notes (tokens,
 * NULL for none); direct: never staged (see search_put). */
static int fts_write(struct sq *q, int64_t id, const struct order *o, bool insert,
                     const char *notes, bool direct)
{
    struct buf t, b, y;
    const char *title[] = {o->title}, *body[] = {o->text, o->address}, *reply[] = {o->reply_text};
    buf_init(&t, 0);
    buf_init(&b, 0);
    buf_init(&y, 0);
    int rc = store_tokens_of(title, 1, &t);
    if (!rc)
        rc = store_tokens_of(body, 2, &b);
    if (!rc)
        rc = store_tokens_of(reply, 1, &y);
    if (!rc)
        rc = search_put(q, insert ? STAGE_INSERT : STAGE_UPDATE, id, t.data ? t.data : "",
                        b.data ? b.data : "", y.data ? y.data : "",
                        insert ? (notes ? notes : "") : NULL, direct);
    buf_release(&t);
    buf_release(&b);
    buf_release(&y);
    return rc;
}

static int keys_write(struct sq *q, int64_t id, const struct order *o, bool replace)
{
    sqlite3_stmt *st;
    struct store_okeys k;
    int rc = 0;
    if (replace) {
        if ((rc = stmt_get(q, "DELETE FROM order_keys WHERE order_id = ?1", &st)))
            return rc;
        sqlite3_bind_int64(st, 1, id);
        rc = run(q, st);
        stmt_put(q, st);
        if (rc)
            return rc;
    }
    store_okeys_of(o, &k);
    /* the three keys in one statement, the blank ones left out */
    if ((rc = stmt_get(q,
                       "INSERT OR IGNORE INTO order_keys(kind, key, order_id) SELECT column1,"
                       " column2, ?4 FROM (VALUES ('u', ?1), ('p', ?2), ('c', ?3))"
                       " WHERE column2 <> ''",
                       &st)))
        return rc;
    bind_text(st, 1, k.upstream);
    bind_text(st, 2, k.phone);
    bind_text(st, 3, k.name);
    sqlite3_bind_int64(st, 4, id);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

static int notes_append(struct sq *q, const struct event *ev)
{
    struct buf toks;
    buf_init(&toks, 0);
    int rc = store_notes_of(ev, &toks);
    if (!rc && toks.len)
        rc = search_put(q, STAGE_NOTES, ev->order_id, NULL, NULL, NULL, toks.data, false);
    buf_release(&toks);
    return rc;
}

static int event_read(sqlite3_stmt *st, struct event *ev);

/* Rebuilds the whole search index from the orders and their events (a migration, load_finish):
 * a page of orders at a time, each order's row written once with its people's notes in the
 * order they were written (as notes_append leaves them). */
static int reindex_all(struct sq *q)
{
    enum { PAGE = 256 };
    sqlite3_stmt *st = NULL;
    struct order *o = calloc(PAGE, sizeof *o);
    struct buf *notes = calloc(PAGE, sizeof *notes);
    struct buf toks;
    buf_init(&toks, 0);
    int64_t after = 0;
    int rc = o && notes ? 0 : -JS_ENOMEM, step, n = 0;
    for (int i = 0; i < PAGE && notes; i++)
        buf_init(&notes[i], 0);
    if (!rc)
        rc = exec1(q, "DELETE FROM order_search");
    if (!rc && q->owns) /* rebuilt from the rows themselves: what is staged would come twice */
        rc = exec1(q, "DELETE FROM temp.search_stage");
    if (!rc)
        rc = exec1(q, "DELETE FROM order_keys");
    while (!rc) {
        if ((rc = stmt_get(q, q->order_page, &st)))
            break;
        sqlite3_bind_int64(st, 1, after);
        for (n = 0; n < PAGE && (step = sqlite3_step(st)) == SQLITE_ROW; n++) {
            order_init(&o[n]);
            notes[n].len = 0;
            if ((rc = order_read(st, 0, &o[n]))) {
                n++;
                break;
            }
        }
        stmt_put(q, st);
        st = NULL;
        if (rc || n == 0)
            break;
        after = o[n - 1].id;
        /* the notes of the page's events */
        rc = stmt_get(q,
                      "SELECT id, order_id, version, at, actor_user, actor_role, actor_unit,"
                      " actor_name, action, status_before, status_after, payload FROM events"
                      " WHERE order_id BETWEEN ?1 AND ?2 ORDER BY order_id, version",
                      &st);
        if (!rc) {
            sqlite3_bind_int64(st, 1, o[0].id);
            sqlite3_bind_int64(st, 2, after);
        }
        for (int cur = 0; !rc && (step = sqlite3_step(st)) == SQLITE_ROW;) {
            struct event ev;
            if ((rc = event_read(st, &ev)))
                break;
            while (cur < n && o[cur].id < ev.order_id)
                cur++;
            toks.len = 0;
            if (cur < n && o[cur].id == ev.order_id && !(rc = store_notes_of(&ev, &toks)) &&
                toks.len) {
                struct buf *b = &notes[cur];
                rc = (b->len && buf_puts(b, " ")) || buf_puts(b, toks.data) ? -JS_ENOMEM : 0;
            }
            event_release(&ev);
        }
        if (!rc && step != SQLITE_ROW && step != SQLITE_DONE)
            rc = sqlite_fail(q->db, step);
        stmt_put(q, st);
        st = NULL;
        for (int i = 0; i < n && !rc; i++)
            if (!(rc = fts_write(q, o[i].id, &o[i], true, notes[i].len ? notes[i].data : NULL,
                                 true)))
                rc = keys_write(q, o[i].id, &o[i], false);
        for (int i = 0; i < n; i++)
            order_release(&o[i]);
        bool last = n < PAGE;
        n = 0;
        if (last)
            break;
    }
    for (int i = 0; i < n; i++)
        order_release(&o[i]);
    for (int i = 0; i < PAGE && notes; i++)
        buf_release(&notes[i]);
    free(notes);
    free(o);
    buf_release(&toks);
    return rc;
}

int sqlite_search_reindex(struct store *s)
{
    return reindex_all(sq_of(s));
}

static int file_refs_write(struct sq *q, int64_t order_id, const char *attachments);

/* The writer is this transaction's alone: one past the highest id stored or taken here. */
static int sq_order_id_take(struct store *s, int64_t *id)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q, "SELECT coalesce(max(id), 0) FROM orders", &st);
    if (rc)
        return rc;
    int src = sqlite3_step(st);
    if (src == SQLITE_ROW) {
        int64_t top = sqlite3_column_int64(st, 0);
        *id = (top > q->id_taken ? top : q->id_taken) + 1;
        q->id_taken = *id;
    } else {
        rc = sqlite_fail(q->db, src);
    }
    stmt_put(q, st);
    return rc;
}

static int sq_order_insert(struct store *s, struct order *o)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    char *units = NULL;
    int64_t id = 0;
    int rc = store_units_check(o);
    if (rc)
        return rc;
    if (!(units = order_units_text(o))) {
        rc = -JS_ENOMEM;
        goto out;
    }
    rc = op_begin(q);
    if (rc)
        goto out;
    rc = stmt_get(q, q->order_insert, &st);
    if (!rc) {
        order_bind(st, o, units);
        rc = run(q, st);
        id = sqlite3_last_insert_rowid(q->db);
        stmt_put(q, st);
    }
    if (!rc)
        rc = units_write(q, id, o, NULL);
    if (!rc)
        rc = fts_write(q, id, o, true, NULL, false);
    if (!rc)
        rc = keys_write(q, id, o, false);
    if (!rc)
        rc = file_refs_write(q, id, o->attachments);
    rc = op_end(q, rc);
    if (!rc)
        o->id = id;
out:
    free(units);
    return rc;
}

static int order_get_one(sqlite3_stmt *st, struct order *out);

/* Whether name is one of the n names. */
static bool name_in(const char *name, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Sets only the columns that differ from the stored row: SQLite rewrites the entries of every
 * index whose columns an UPDATE names, changed or not, and the orders table has 12 (measured:
 * an update naming every column cost 4-6 times one naming the changed ones). The columns are
 * compared field by field through the order's field table with the stored row (the caller's
 * copy, or read here), and the version is always set. */
static int sq_order_update(struct store *s, const struct order *o, const struct order *stored,
                           int64_t expected_version)
{
    static const char *const text_keys[] = {"title", "text", "address", "reply_text"};
    static const char *const key_keys[] = {"number", "upstream_id", "citizen_phone",
                                           "citizen_name"};
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    char *units = NULL;
    struct order old;
    struct buf sql;
    int cols[STORE_MAX_ORDER_COLS], n = 0;
    bool began = false, set_units = false, set_text = false, set_keys = false;
    order_init(&old);
    buf_init(&sql, 0);
    if (o->id <= 0 || (stored && (stored->id != o->id || stored->version != expected_version)))
        return -JS_EINVAL;
    int rc = store_units_check(o);
    if (rc)
        return rc;
    rc = op_begin(q);
    if (rc)
        goto out;
    began = true;
    if (!stored) {
        if ((rc = stmt_get(q, q->order_by_id, &st)))
            goto out;
        sqlite3_bind_int64(st, 1, o->id);
        rc = order_get_one(st, &old);
        stmt_put(q, st);
        if (!rc && old.version != expected_version)
            rc = -JS_ECONFLICT;
        if (rc)
            goto out;
        stored = &old;
    }
    rc = buf_puts(&sql, "UPDATE orders SET ");
    for (int i = 1; i < store_n_order_cols; i++) {
        const struct order_field *f = store_order_col_field(i);
        if (f->off != offsetof(struct order, version) && !order_field_differs(stored, o, f))
            continue;
        const char *name = store_order_cols[i].name;
        set_units |= f->kind == OF_UNITS;
        set_text |= name_in(name, text_keys, JS_ARRAY_LEN(text_keys));
        set_keys |= name_in(name, key_keys, JS_ARRAY_LEN(key_keys));
        rc |= buf_puts(&sql, n ? ", \"" : "\"");
        rc |= buf_puts(&sql, name);
        rc |= buf_puts(&sql, "\" = ?");
        rc |= buf_put_int(&sql, n + 2);
        cols[n++] = i;
    }
    rc |= buf_puts(&sql, " WHERE id = ?1 AND version = ?");
    rc |= buf_put_int(&sql, n + 2);
    if (rc || (set_units && !(units = order_units_text(o)))) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = stmt_get(q, sql.data, &st)))
        goto out;
    sqlite3_bind_int64(st, 1, o->id);
    for (int k = 0; k < n; k++)
        col_bind(st, k + 2, cols[k], o, units);
    sqlite3_bind_int64(st, n + 2, expected_version);
    rc = run(q, st);
    if (!rc && sqlite3_changes(q->db) != 1)
        rc = -JS_ECONFLICT;
    stmt_put(q, st);
    if (!rc && set_units && store_unit_rows_differ(stored, o))
        rc = units_write(q, o->id, o, stored);
    if (!rc && set_text)
        rc = fts_write(q, o->id, o, false, NULL, false);
    if (!rc && set_keys)
        rc = keys_write(q, o->id, o, true);
    if (!rc)
        rc = file_refs_write(q, o->id, o->attachments);
out:
    if (began)
        rc = op_end(q, rc);
    order_release(&old);
    buf_release(&sql);
    free(units);
    return rc;
}

/* Reads the one order that st (already bound) selects. */
static int order_get_one(sqlite3_stmt *st, struct order *out)
{
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        return order_read(st, 0, out);
    return step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(sqlite3_db_handle(st), step);
}

static int sq_order_get(struct store *s, int64_t id, struct order *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    order_init(out);
    int rc = stmt_get(q, q->order_by_id, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = order_get_one(st, out);
    stmt_put(q, st);
    return rc;
}

static int sq_order_get_by_number(struct store *s, const char *number, struct order *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    order_init(out);
    if (!number || !number[0])
        return -JS_ENOTFOUND;
    int rc = stmt_get(q, q->order_by_number, &st);
    if (rc)
        return rc;
    bind_text(st, 1, number);
    rc = order_get_one(st, out);
    stmt_put(q, st);
    return rc;
}

/* A list of orders read before any callback runs, so that callbacks may use the store. */
struct order_batch {
    struct order *v;
    int n, cap;
};

static void batch_release(struct order_batch *b)
{
    for (int i = 0; i < b->n; i++)
        order_release(&b->v[i]);
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

/* Steps st to its end, reading every row into b. */
static int batch_fill(struct sq *q, sqlite3_stmt *st, struct order_batch *b)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (b->n == b->cap) {
            int cap = b->cap ? b->cap * 2 : 64;
            struct order *v = realloc(b->v, (size_t)cap * sizeof *v);
            if (!v)
                return -JS_ENOMEM;
            b->v = v;
            b->cap = cap;
        }
        struct order *o = &b->v[b->n++];
        order_init(o);
        int rc = order_read(st, 0, o);
        if (rc)
            return rc;
    }
    return step == SQLITE_DONE ? 0 : sqlite_fail(q->db, step);
}

/* Query parameters, bound in order after the SQL is built. A list page repeats its filters
 * once per value of its driving column (at most LIST_MERGE_MAX walks), hence the room; lists
 * allocate it, searches keep theirs on the stack. */
#define MAX_QPARAMS 4096
struct qparams {
    struct {
        const char *s; /* text if not NULL, else i */
        int64_t i;
    } v[MAX_QPARAMS];
    int n;
};

static void qp_int(struct qparams *p, int64_t i)
{
    if (p->n >= MAX_QPARAMS) { /* counted on: the caller refuses the query (list_sql) */
        p->n++;
        return;
    }
    p->v[p->n].s = NULL;
    p->v[p->n++].i = i;
}

static void qp_text(struct qparams *p, const char *s)
{
    if (p->n >= MAX_QPARAMS) {
        p->n++;
        return;
    }
    p->v[p->n].s = s;
    p->v[p->n++].i = 0;
}

/* The FTS5 expression of a parsed query: every group required, any of its alternatives, each a
 * phrase of index tokens (which hold no quotes), a prefix phrase ending in '*'. */
static int fts_render(const struct st_query *m, struct buf *out)
{
    int rc = 0;
    for (int i = 0; i < m->n && !rc; i++) {
        rc |= buf_puts(out, i ? " AND (" : "(");
        for (int k = 0; k < m->g[i].n; k++)
            rc |= buf_printf(out, "%s\"%s\"%s", k ? " OR " : "", m->g[i].alt[k].tokens,
                             m->g[i].alt[k].prefix ? " *" : "");
        rc |= buf_puts(out, ")");
    }
    return rc ? -JS_ENOMEM : 0;
}

/* The FTS5 expression of plain text (no synonyms). Empty if nothing searchable. */
static int fts_query(const char *text, struct buf *out)
{
    struct st_query m;
    int rc = searchtext_query(text, NULL, &m);
    if (!rc)
        rc = fts_render(&m, out);
    searchtext_query_release(&m);
    return rc;
}

int sqlite_fts_render(const struct st_query *m, struct buf *out)
{
    return fts_render(m, out);
}

/* ---------------------------------------------------------------------------------------------
 * Order lists (issue 13). A page is chosen by walking one index in the order of the sort, so
 * that no query sorts all its matches and the plan does not hang on the planner's statistics:
 * the driving index is picked here by rule and named with INDEXED BY. A filter with several
 * values on an indexed column (statuses, a category or region subtree) walks that index once per
 * value and merges the walks (UNION ALL under ORDER BY: SQLite merges sorted co-routines and
 * stops at the page's end). The page's ids are then read by primary key and put in order here.
 * ------------------------------------------------------------------------------------------- */

/* The most values a driving filter may merge; a larger subtree filters instead. */
#define LIST_MERGE_MAX 48
/* A text search with at most this many matches reads them all and sorts them (bounded); with
 * more, it walks the sort's index and keeps the matches. */
#define LIST_SEARCH_SMALL 1000

_Static_assert(ST_DISPATCHED == 5 && ST_HANDLING == 8 && ST_RETURNED == 6,
               "JS_SQLITE_OVERDUE_OPEN spells these statuses as numbers");

enum list_drive {
    DRIVE_SORT,     /* the sort's own index, every filter checked on the way */
    DRIVE_SEARCH,   /* few text matches: read them all by id, sort them */
    DRIVE_OVERDUE,  /* the partial indexes of orders that can be overdue */
    DRIVE_UNIT,     /* order_units by (unit, created_at) */
    DRIVE_STATUS,   /* (status, sort key), one walk per status */
    DRIVE_CATEGORY, /* (category_id, created_at), one walk per category of the subtree */
    DRIVE_REGION,   /* (region_id, created_at), one walk per region of the subtree */
    DRIVE_CHANNEL,  /* (channel, created_at) */
    DRIVE_TYPE,     /* (type, created_at) */
    DRIVE_LEVEL,    /* (level, created_at) */
};

struct list_plan {
    int drive;         /* enum list_drive */
    const char *index; /* the index walked (INDEXED BY), NULL for DRIVE_SEARCH */
    const char *col;   /* the driving column compared to each value, or NULL */
    int64_t vals[LIST_MERGE_MAX];
    int n_vals;
};

/* The ids of a category or region subtree (table: categories or regions) into pl->vals; false
 * if it has more than LIST_MERGE_MAX nodes. */
static int subtree_vals(struct sq *sq, const char *table, int64_t root, struct list_plan *pl,
                        bool *fits)
{
    char sql[256];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION SELECT t.id FROM %s t JOIN sub ON"
             " t.parent_id = sub.id) SELECT id FROM sub LIMIT %d",
             table, LIST_MERGE_MAX + 1);
    int rc = stmt_get(sq, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, root);
    int step;
    pl->n_vals = 0;
    *fits = true;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (pl->n_vals == LIST_MERGE_MAX) {
            *fits = false;
            break;
        }
        pl->vals[pl->n_vals++] = sqlite3_column_int64(st, 0);
    }
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : sqlite_fail(sq->db, step);
    stmt_put(sq, st);
    return rc;
}

/* How many orders the text expression matches, counting no further than limit. */
static int search_count(struct sq *sq, const char *match, int limit, int *n)
{
    sqlite3_stmt *st;
    *n = 0;
    int rc = stmt_get(sq,
                      "SELECT count(*) FROM (SELECT rowid FROM order_search WHERE order_search"
                      " MATCH ?1 LIMIT ?2)",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, match);
    sqlite3_bind_int(st, 2, limit);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *n = sqlite3_column_int(st, 0);
    rc = step == SQLITE_ROW ? 0 : sqlite_fail(sq->db, step);
    stmt_put(sq, st);
    return rc;
}

/* Picks the way q's page is read, by rule: the most selective driving filter whose index also
 * serves the sort. */
static int list_plan_choose(struct sq *sq, const struct order_query *q, const char *match,
                            struct list_plan *pl)
{
    static const char *const by_sort[] = {[SORT_CREATED_DESC] = "orders_created",
                                          [SORT_CREATED_ASC] = "orders_created",
                                          [SORT_DEADLINE_ASC] = "orders_deadline_key",
                                          [SORT_UPDATED_DESC] = "orders_updated"};
    static const char *const status_by_sort[] = {[SORT_CREATED_DESC] = "orders_status_created",
                                                 [SORT_CREATED_ASC] = "orders_status_created",
                                                 [SORT_DEADLINE_ASC] = "orders_status_deadline",
                                                 [SORT_UPDATED_DESC] = "orders_status_updated"};
    bool created = q->sort == SORT_CREATED_DESC || q->sort == SORT_CREATED_ASC;
    bool fits = false;
    int rc = 0;
    memset(pl, 0, sizeof *pl);
    pl->drive = DRIVE_SORT;
    pl->index = by_sort[q->sort];
    if (match) {
        int n = 0;
        rc = search_count(sq, match, LIST_SEARCH_SMALL + 1, &n);
        if (rc || n <= LIST_SEARCH_SMALL) {
            pl->drive = DRIVE_SEARCH;
            pl->index = NULL;
            return rc;
        }
    }
    if (q->overdue == 1 && q->sort != SORT_UPDATED_DESC) {
        pl->drive = DRIVE_OVERDUE;
        pl->index = created ? "orders_overdue_created" : "orders_overdue_deadline";
        return 0;
    }
    bool in_work = q->n_statuses > 0;
    for (int i = 0; i < q->n_statuses; i++)
        in_work = in_work && store_status_in_work(q->statuses[i]);
    /* a unit's history is walked by unit; its current work (bounded) by status */
    if (q->unit_id && created && !in_work) {
        pl->drive = DRIVE_UNIT;
        pl->index = "order_units_created";
        return 0;
    }
    if (q->n_statuses > 0) {
        pl->drive = DRIVE_STATUS;
        pl->index = status_by_sort[q->sort];
        pl->col = "status";
        for (int i = 0; i < q->n_statuses && pl->n_vals < LIST_MERGE_MAX; i++)
            pl->vals[pl->n_vals++] = q->statuses[i];
        return 0;
    }
    if (!created)
        return 0;
    if (q->category_id && !(rc = subtree_vals(sq, "categories", q->category_id, pl, &fits)) &&
        fits) {
        pl->drive = DRIVE_CATEGORY;
        pl->index = "orders_category_created";
        pl->col = "category_id";
        return 0;
    }
    if (!rc && q->region_id && !(rc = subtree_vals(sq, "regions", q->region_id, pl, &fits)) &&
        fits) {
        pl->drive = DRIVE_REGION;
        pl->index = "orders_region_created";
        pl->col = "region_id";
        return 0;
    }
    pl->n_vals = 0;
    if (rc)
        return rc;
    if (q->channel && q->channel[0]) {
        pl->drive = DRIVE_CHANNEL;
        pl->index = "orders_channel_created";
        pl->col = "channel";
        pl->n_vals = 1;
    } else if (q->type >= 0) {
        pl->drive = DRIVE_TYPE;
        pl->index = "orders_type_created";
        pl->col = "type";
        pl->vals[pl->n_vals++] = q->type;
    } else if (q->level >= 0) {
        pl->drive = DRIVE_LEVEL;
        pl->index = "orders_level_created";
        pl->col = "level";
        pl->vals[pl->n_vals++] = q->level;
    }
    return 0;
}

/* Appends q's filters (" AND ...") but the one the plan drives by, and collects their
 * parameters. created is how the creation time is spelled (it is ambiguous in a join). */
static int list_filters(const struct order_query *q, const struct list_plan *pl, const char *match,
                        const char *created, struct buf *sql, struct qparams *p)
{
    int rc = 0;
    if (q->n_statuses > 0 && pl->drive != DRIVE_STATUS) {
        rc |= buf_puts(sql, " AND status IN (");
        for (int i = 0; i < q->n_statuses; i++) {
            rc |= buf_puts(sql, i ? ", ?" : "?");
            qp_int(p, q->statuses[i]);
        }
        rc |= buf_puts(sql, ")");
    }
    if (q->unit_id && pl->drive != DRIVE_UNIT) {
        /* the primary key (order_id, unit_id) answers for one order */
        rc |= buf_puts(sql, " AND EXISTS (SELECT 1 FROM order_units u WHERE u.order_id = id"
                            " AND u.unit_id = ?)");
        qp_int(p, q->unit_id);
    }
    if (q->category_id && pl->drive != DRIVE_CATEGORY) {
        rc |= buf_puts(sql, " AND category_id IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION"
                            " SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)"
                            " SELECT id FROM sub)");
        qp_int(p, q->category_id);
    }
    if (q->region_id && pl->drive != DRIVE_REGION) {
        rc |= buf_puts(sql, " AND region_id IN (WITH RECURSIVE sub(id) AS (SELECT ? UNION"
                            " SELECT r.id FROM regions r JOIN sub ON r.parent_id = sub.id)"
                            " SELECT id FROM sub)");
        qp_int(p, q->region_id);
    }
    if (q->channel && q->channel[0] && pl->drive != DRIVE_CHANNEL) {
        rc |= buf_puts(sql, " AND channel = ?");
        qp_text(p, q->channel);
    }
    if (q->type >= 0 && pl->drive != DRIVE_TYPE) {
        rc |= buf_puts(sql, " AND type = ?");
        qp_int(p, q->type);
    }
    if (q->level >= 0 && pl->drive != DRIVE_LEVEL) {
        rc |= buf_puts(sql, " AND level = ?");
        qp_int(p, q->level);
    }
    if (q->reopened)
        rc |= buf_puts(sql, " AND reopens > 0");
    if (q->instructed)
        rc |= buf_puts(sql, " AND instruct_unit_id <> 0");
    if (q->preinv)
        rc |= buf_puts(sql, " AND preinv = 1");
    if (q->preinv && q->preinv_unit_id) {
        rc |= buf_puts(sql, " AND preinv_unit_id = ?");
        qp_int(p, q->preinv_unit_id);
    }
    if (q->overdue >= 0) {
        /* Overdue: past the deadline while a unit holds the order, unless an approved hanging
         * account (hang 2) suspends it. Spelled as the partial indexes' condition. */
        rc |= buf_puts(sql, q->overdue ? " AND " JS_SQLITE_OVERDUE_OPEN " AND deadline < ?"
                                       : " AND NOT (" JS_SQLITE_OVERDUE_OPEN " AND deadline < ?)");
        qp_int(p, q->now > 0 ? q->now : (int64_t)time(NULL)); /* now 0: the system clock */
    }
    if (q->hanging) /* 挂账: listed as such, never as overdue (hang 2 is out of the filter above) */
        rc |= buf_puts(sql, " AND hang = 2");
    if (q->enterprise) /* the green channel's queue (004) */
        rc |= buf_puts(sql, " AND enterprise <> 0");
    if (q->from) {
        rc |= buf_printf(sql, " AND %s >= ?", created);
        qp_int(p, q->from);
    }
    if (q->to) {
        rc |= buf_printf(sql, " AND %s < ?", created);
        qp_int(p, q->to);
    }
    if (match) {
        rc |=
            buf_puts(sql, " AND id IN (SELECT rowid FROM order_search WHERE order_search MATCH ?)");
        qp_text(p, match);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* Appends one walk of the plan (value v of its driving column): rows (k, id) in the sort's
 * order, after the cursor if there is one. */
static int list_arm(const struct order_query *q, const struct list_plan *pl, int v,
                    const char *match, bool after, int64_t ckey, int64_t cid, struct buf *sql,
                    struct qparams *p)
{
    const char *key = store_sorts[q->sort].key;
    int rc = 0;
    if (pl->drive == DRIVE_UNIT) {
        rc |= buf_puts(sql, "SELECT ou.created_at AS k, ou.order_id AS id FROM order_units AS ou"
                            " INDEXED BY order_units_created CROSS JOIN orders ON orders.id ="
                            " ou.order_id WHERE ou.unit_id = ?");
        qp_int(p, q->unit_id);
        rc |= list_filters(q, pl, match, "ou.created_at", sql, p);
        if (after) {
            rc |= buf_printf(sql, " AND (ou.created_at, ou.order_id) %s (?, ?)",
                             store_sorts[q->sort].after);
            qp_int(p, ckey);
            qp_int(p, cid);
        }
        return rc ? -JS_ENOMEM : 0;
    }
    if (pl->index)
        rc |=
            buf_printf(sql, "SELECT %s AS k, id FROM orders INDEXED BY %s WHERE 1", key, pl->index);
    else /* DRIVE_SEARCH: by rowid from the text index's matches, no other index */
        rc |= buf_printf(sql, "SELECT %s AS k, id FROM orders NOT INDEXED WHERE 1", key);
    if (pl->col) {
        rc |= buf_printf(sql, " AND %s = ?", pl->col);
        if (pl->drive == DRIVE_CHANNEL)
            qp_text(p, q->channel);
        else
            qp_int(p, pl->vals[v]);
    }
    rc |= list_filters(q, pl, match, "created_at", sql, p);
    if (after) {
        rc |= buf_printf(sql, " AND (%s, id) %s (?, ?)", key, store_sorts[q->sort].after);
        qp_int(p, ckey);
        qp_int(p, cid);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* The SQL of q's page (limit + 1 rows, unordered: store_sort_orders puts them in order) and its
 * parameters. */
static int list_sql(struct sq *sq, const struct order_query *q, const char *match, bool after,
                    int64_t ckey, int64_t cid, struct buf *sql, struct qparams *p)
{
    struct list_plan pl;
    int rc = list_plan_choose(sq, q, match, &pl);
    if (rc)
        return rc;
    const char *dir = store_sorts[q->sort].dir;
    int arms = pl.n_vals > 1 ? pl.n_vals : 1;
    rc = buf_printf(sql, "%s WHERE id IN (SELECT id FROM (", sq->order_select);
    for (int v = 0; v < arms && !rc; v++) {
        if (v)
            rc = buf_puts(sql, " UNION ALL ");
        if (!rc)
            rc = list_arm(q, &pl, v, match, after, ckey, cid, sql, p);
    }
    if (!rc)
        rc = buf_printf(sql, " ORDER BY 1 %s, 2 %s LIMIT ?))", dir, dir);
    qp_int(p, q->limit + 1); /* one more tells whether there is a next page */
    if (!rc && p->n > MAX_QPARAMS)
        rc = -JS_EINVAL;
    return rc;
}

/* Checks q and parses its cursor; the text expression of its search into match (or empty). */
static int list_prepare(const struct order_query *q, int64_t *ckey, int64_t *cid, struct buf *match)
{
    if (store_query_check(q, ckey, cid))
        return -JS_EINVAL;
    if (q->match)
        return fts_render(q->match, match);
    if (q->text && q->text[0])
        return fts_query(q->text, match);
    return 0;
}

static void bind_params(sqlite3_stmt *st, const struct qparams *p)
{
    for (int i = 0; i < p->n && i < MAX_QPARAMS; i++)
        if (p->v[i].s)
            bind_text(st, i + 1, p->v[i].s);
        else
            sqlite3_bind_int64(st, i + 1, p->v[i].i);
}

static int sq_order_query(struct store *s, const struct order_query *q, store_order_cb cb,
                          void *ctx, char *next_cursor, size_t cursor_size)
{
    struct sq *sq = sq_of(s);
    struct buf sql, match;
    struct qparams *p = calloc(1, sizeof *p);
    struct order_batch b = {0};
    sqlite3_stmt *st = NULL;
    int64_t ckey = 0, cid = 0;
    int rc = 0;

    buf_init(&sql, 0);
    buf_init(&match, 0);
    if (next_cursor && cursor_size)
        next_cursor[0] = '\0';
    if (!p) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if (next_cursor && cursor_size < STORE_CURSOR_MIN_SIZE) {
        rc = -JS_EINVAL;
        goto out;
    }
    rc = list_prepare(q, &ckey, &cid, &match);
    if (!rc)
        rc = list_sql(sq, q, match.len ? match.data : NULL, cid != 0, ckey, cid, &sql, p);
    if (!rc)
        rc = stmt_get(sq, sql.data, &st);
    if (rc)
        goto out;
    bind_params(st, p);
    rc = batch_fill(sq, st, &b);
    stmt_put(sq, st);
    if (rc)
        goto out;
    if ((rc = store_sort_orders(b.v, b.n, q->sort)))
        goto out;
    int n = b.n < q->limit ? b.n : q->limit;
    for (int i = 0; i < n; i++) {
        rc = cb(ctx, &b.v[i]);
        if (rc)
            goto out;
    }
    if (b.n > q->limit && next_cursor)
        snprintf(next_cursor, cursor_size, "%d.%lld.%lld", q->sort,
                 (long long)store_sort_key(q->sort, &b.v[n - 1]), (long long)b.v[n - 1].id);
out:
    batch_release(&b);
    buf_release(&sql);
    buf_release(&match);
    free(p);
    return rc;
}

static int sq_order_query_plan(struct store *s, const struct order_query *q, struct buf *out)
{
    struct sq *sq = sq_of(s);
    struct buf sql, match;
    struct qparams *p = calloc(1, sizeof *p);
    sqlite3_stmt *st = NULL;
    int64_t ckey = 0, cid = 0;
    int rc = 0, step;

    buf_init(&sql, 0);
    buf_init(&match, 0);
    if (!p) {
        rc = -JS_ENOMEM;
        goto out;
    }
    rc = list_prepare(q, &ckey, &cid, &match);
    if (!rc)
        rc = buf_puts(&sql, "EXPLAIN QUERY PLAN ") ? -JS_ENOMEM : 0;
    if (!rc)
        rc = list_sql(sq, q, match.len ? match.data : NULL, cid != 0, ckey, cid, &sql, p);
    if (rc)
        goto out;
    if (sqlite3_prepare_v2(sq->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
        rc = sqlite_fail(sq->db, SQLITE_ERROR);
        goto out;
    }
    bind_params(st, p);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (buf_printf(out, "%s\n", (const char *)sqlite3_column_text(st, 3))) {
            rc = -JS_ENOMEM;
            goto out;
        }
    if (step != SQLITE_DONE)
        rc = sqlite_fail(sq->db, step);
out:
    sqlite3_finalize(st);
    buf_release(&sql);
    buf_release(&match);
    free(p);
    return rc;
}

/* ---- search ---- */

/* The common filters of every kind: unit, window, exclusion; col is the order id's column. */
static int search_filters(const struct search_query *q, int64_t since_id, const char *col,
                          struct buf *sql, struct qparams *p)
{
    int rc = 0;
    if (q->unit_id) {
        rc |=
            buf_printf(sql, " AND %s IN (SELECT order_id FROM order_units WHERE unit_id = ?)", col);
        qp_int(p, q->unit_id);
    }
    if (since_id) {
        rc |= buf_printf(sql, " AND %s >= ?", col);
        qp_int(p, since_id);
    }
    if (q->exclude_id) {
        rc |= buf_printf(sql, " AND %s != ?", col);
        qp_int(p, q->exclude_id);
    }
    return rc ? -JS_ENOMEM : 0;
}

/* Runs sql (its parameters in p; the last one is bound to the row limit) and adds each new id
 * (column 0; column 1, when present, true for an exact key) as a hit of kind. */
static int search_collect(struct sq *q, const char *sql, struct qparams *p, int kind,
                          struct store_hits *h)
{
    sqlite3_stmt *st;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    for (int i = 0; i < p->n; i++)
        if (p->v[i].s)
            bind_text(st, i + 1, p->v[i].s);
        else
            sqlite3_bind_int64(st, i + 1, p->v[i].i);
    int step;
    bool exact_col = sqlite3_column_count(st) > 1;
    while (h->n < h->want && (step = sqlite3_step(st)) == SQLITE_ROW) {
        store_hits_add(h, sqlite3_column_int64(st, 0), kind,
                       exact_col && sqlite3_column_int(st, 1));
    }
    if (h->n < h->want && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* Lookups in order_keys (store_search_backend.keys): the key whole, or the longer keys it begins
 * (reversed keys: its tails). */
static int search_keys(void *ctx, const struct search_query *sq, int64_t since_id,
                       const char *kind_letter, const char *key, bool whole, int kind,
                       struct store_hits *h)
{
    struct sq *q = ctx;
    struct buf sql;
    struct qparams p = {.n = 0};
    char hi[160];
    size_t n = strlen(key);
    if (n == 0 || n >= sizeof hi)
        return 0;
    memcpy(hi, key, n + 1);
    hi[n - 1] = (char)(hi[n - 1] + 1); /* keys end in a letter, digit or UTF-8 byte < 0xFF */
    buf_init(&sql, 0);
    int rc = buf_printf(&sql, "SELECT order_id, %d FROM order_keys WHERE kind = ?", whole);
    qp_text(&p, kind_letter);
    if (whole) {
        rc |= buf_puts(&sql, " AND key = ?");
        qp_text(&p, key);
    } else {
        rc |= buf_puts(&sql, " AND key > ? AND key < ?");
        qp_text(&p, key);
        qp_text(&p, hi);
    }
    rc = rc ? -JS_ENOMEM : search_filters(sq, since_id, "order_id", &sql, &p);
    if (!rc)
        rc = buf_puts(&sql, " ORDER BY order_id DESC LIMIT ?") ? -JS_ENOMEM : 0;
    qp_int(&p, h->want);
    if (!rc)
        rc = search_collect(q, sql.data, &p, kind, h);
    buf_release(&sql);
    return rc;
}

/* Numbers (store_search_backend.numbers): each a probe of orders.number's unique index. */
static int search_numbers(void *ctx, const struct search_query *sq, int64_t since_id,
                          const char *numbers, bool whole, struct store_hits *h)
{
    struct buf sql;
    struct qparams p = {.n = 0};
    buf_init(&sql, 0);
    qp_text(&p, numbers);
    int rc = buf_printf(&sql,
                        "SELECT id, %d FROM orders WHERE number IN (SELECT value FROM"
                        " json_each(?))",
                        whole)
                 ? -JS_ENOMEM
                 : search_filters(sq, since_id, "id", &sql, &p);
    if (!rc)
        rc = buf_puts(&sql, " ORDER BY id DESC LIMIT ?") ? -JS_ENOMEM : 0;
    qp_int(&p, h->want);
    if (!rc)
        rc = search_collect(ctx, sql.data, &p, SEARCH_NUMBER, h);
    buf_release(&sql);
    return rc;
}

/* The days' order-number sequences (store_search_backend.days): a walk down seqs' key. */
static int search_days(void *ctx, const char *before, int64_t min_last, int max, char (*day)[9],
                       int64_t *last, int *n)
{
    struct sq *q = ctx;
    sqlite3_stmt *st;
    char hi[16];
    snprintf(hi, sizeof hi, before[0] ? "order:%s" : "order;", before);
    *n = 0;
    int rc = stmt_get(q,
                      "SELECT substr(key, 7), value FROM seqs WHERE key > 'order:' AND key < ?1"
                      " AND length(key) = 14 AND value >= ?3 ORDER BY key DESC LIMIT ?2",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, hi);
    sqlite3_bind_int(st, 2, max);
    sqlite3_bind_int64(st, 3, min_last);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        snprintf(day[*n], 9, "%s", d ? d : "");
        last[(*n)++] = sqlite3_column_int64(st, 1);
    }
    rc = step == SQLITE_DONE ? 0 : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* Text: first the orders whose title matches, then the others, newest first in each. */
static int search_text(void *ctx, const struct search_query *sq, int64_t since_id,
                       struct store_hits *h)
{
    struct sq *q = ctx;
    struct buf expr, sql;
    buf_init(&expr, 0);
    buf_init(&sql, 0);
    int rc = fts_render(sq->text, &expr);
    for (int tier = sq->newest_only ? 1 : 0; tier < 2 && !rc && h->n < h->want; tier++) {
        struct qparams p = {.n = 0};
        buf_reset(&sql);
        rc = buf_puts(&sql, "SELECT rowid FROM order_search WHERE order_search MATCH ?");
        if (tier == 0) {
            struct buf t;
            buf_init(&t, 0);
            rc |= buf_printf(&t, "t : (%s)", expr.data);
            char *s = buf_steal(&t);
            buf_release(&t);
            if (!s) {
                rc = -JS_ENOMEM;
                break;
            }
            /* qparams borrow their text: keep it until the query ran */
            qp_text(&p, s);
            if (!rc)
                rc = search_filters(sq, since_id, "rowid", &sql, &p);
            rc |= buf_puts(&sql, " ORDER BY rowid DESC LIMIT ?");
            qp_int(&p, h->want);
            if (!rc)
                rc = search_collect(q, sql.data, &p, SEARCH_TEXT, h);
            free(s);
        } else {
            qp_text(&p, expr.data);
            rc = search_filters(sq, since_id, "rowid", &sql, &p);
            rc |= buf_puts(&sql, " ORDER BY rowid DESC LIMIT ?");
            qp_int(&p, h->want);
            if (!rc)
                rc = search_collect(q, sql.data, &p, SEARCH_TEXT, h);
        }
    }
    buf_release(&expr);
    buf_release(&sql);
    return rc;
}

/* The id of the first order created at or after since (INT64_MAX: none), remembered for the
 * next search with the same bound (a window such as "the last 30 days" repeats). */
static int sq_search_since(void *ctx, int64_t since, int64_t *id)
{
    struct sq *q = ctx;
    sqlite3_stmt *st;
    if (since == q->memo_since) {
        *id = q->memo_since_id;
        return 0;
    }
    int rc = stmt_get(q, "SELECT id FROM orders WHERE created_at >= ?1 ORDER BY created_at LIMIT 1",
                      &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (step == SQLITE_DONE)
        *id = INT64_MAX;
    else
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    if (!rc && *id != INT64_MAX) {
        q->memo_since = since;
        q->memo_since_id = *id;
    }
    return rc;
}

static const struct store_search_backend sq_search = {sq_search_since, search_keys, search_numbers,
                                                      search_days, search_text};

static int sq_order_search(struct store *s, const struct search_query *sq, struct search_hit *out,
                           int *n, bool *more)
{
    return store_search_run(&sq_search, sq_of(s), sq, out, n, more);
}

static int sq_order_each(struct store *s, store_order_cb cb, void *ctx)
{
    struct sq *q = sq_of(s);
    struct order_batch b = {0};
    int64_t after = 0;
    int rc = 0;
    for (;;) {
        sqlite3_stmt *st;
        rc = stmt_get(q, q->order_page, &st);
        if (rc)
            break;
        sqlite3_bind_int64(st, 1, after);
        rc = batch_fill(q, st, &b);
        stmt_put(q, st);
        for (int i = 0; i < b.n && !rc; i++)
            rc = cb(ctx, &b.v[i]);
        if (rc || b.n < 256)
            break;
        after = b.v[b.n - 1].id;
        batch_release(&b);
    }
    batch_release(&b);
    return rc;
}

static int sq_order_ids_by(struct store *s, int link, int64_t value, int64_t *ids, int max, int *n)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    const char *sql;
    *n = 0;
    /* the "!= 0" term lets SQLite use the partial index */
    if (link == LINK_MASTER)
        sql = "SELECT id FROM orders WHERE master_id = ?1 AND master_id != 0 ORDER BY id LIMIT ?2";
    else if (link == LINK_PARENT)
        sql = "SELECT id FROM orders WHERE parent_id = ?1 AND parent_id != 0 ORDER BY id LIMIT ?2";
    else if (link == LINK_DUPLICATE_OF) /* index of migration 5 */
        sql = "SELECT id FROM orders WHERE duplicate_of = ?1 AND duplicate_of != 0 ORDER BY id"
              " LIMIT ?2";
    else
        return -JS_EINVAL;
    if (max < 0 || (max > 0 && !ids))
        return -JS_EINVAL;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, value);
    sqlite3_bind_int(st, 2, max);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

static int sq_order_count_by_status(struct store *s, int64_t counts[ST__COUNT])
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    for (int i = 0; i < ST__COUNT; i++)
        counts[i] = 0;
    int rc = stmt_get(q, "SELECT status, count(*) FROM orders GROUP BY status", &st);
    if (rc)
        return rc;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int status = sqlite3_column_int(st, 0);
        if (in_range(status, ST__COUNT))
            counts[status] = sqlite3_column_int64(st, 1);
    }
    if (step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------------------------- */

static int sq_event_append(struct store *s, struct event *ev)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!in_range(ev->action, ACT__COUNT) || !in_range(ev->status_before, ST__COUNT) ||
        !in_range(ev->status_after, ST__COUNT) || !in_range(ev->actor.role, ROLE__COUNT) ||
        ev->order_id <= 0 || (ev->payload && !json_is_object(ev->payload)))
        return -JS_EINVAL;
    char *payload = ev->payload ? jsonw_dumps(ev->payload) : strdup("{}");
    if (!payload)
        return -JS_ENOMEM;
    int rc = stmt_get(q,
                      "INSERT INTO events(order_id, version, at, actor_user, actor_role,"
                      " actor_unit, actor_name, action, status_before, status_after, payload)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                      &st);
    if (rc)
        goto out;
    sqlite3_bind_int64(st, 1, ev->order_id);
    sqlite3_bind_int64(st, 2, ev->version);
    sqlite3_bind_int64(st, 3, ev->at);
    bind_id(st, 4, ev->actor.user_id);
    bind_text(st, 5, js_role_names[ev->actor.role]);
    bind_id(st, 6, ev->actor.unit_id);
    bind_text(st, 7, ev->actor.name);
    bind_text(st, 8, js_action_names[ev->action]);
    bind_text(st, 9, js_status_names[ev->status_before]);
    bind_text(st, 10, js_status_names[ev->status_after]);
    bind_text(st, 11, payload);
    rc = run(q, st);
    if (!rc)
        ev->id = sqlite3_last_insert_rowid(q->db);
    stmt_put(q, st);
    if (!rc)
        rc = notes_append(q, ev);
out:
    free(payload);
    return rc;
}

static int event_read(sqlite3_stmt *st, struct event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = sqlite3_column_int64(st, 0);
    ev->order_id = sqlite3_column_int64(st, 1);
    ev->version = sqlite3_column_int64(st, 2);
    ev->at = sqlite3_column_int64(st, 3);
    ev->actor.user_id = sqlite3_column_int64(st, 4);
    ev->actor.role = col_enum(st, 5, js_role_names);
    ev->actor.unit_id = sqlite3_column_int64(st, 6);
    sqlite_col_copy(st, 7, ev->actor.name, sizeof ev->actor.name);
    ev->action = col_enum(st, 8, js_action_names);
    ev->status_before = col_enum(st, 9, js_status_names);
    ev->status_after = col_enum(st, 10, js_status_names);
    const char *payload = (const char *)sqlite3_column_text(st, 11);
    ev->payload = payload ? json_loads(payload, 0, NULL) : NULL;
    if (ev->actor.role < 0 || ev->action < 0 || ev->status_before < 0 || ev->status_after < 0 ||
        !ev->payload) {
        fprintf(stderr, "jiesu: event %lld is unreadable (unknown name or bad payload)\n",
                (long long)ev->id);
        return -JS_EDB;
    }
    return 0;
}

static int sq_event_each(struct store *s, int64_t order_id, store_event_cb cb, void *ctx)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    struct event_list l;
    event_list_init(&l);
    int rc = stmt_get(q,
                      "SELECT id, order_id, version, at, actor_user, actor_role, actor_unit,"
                      " actor_name, action, status_before, status_after, payload"
                      " FROM events WHERE order_id = ?1 ORDER BY version",
                      &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, order_id);
    int step = SQLITE_DONE;
    /* read them all first, so that the callback may use the store */
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct event ev;
        rc = event_read(st, &ev);
        if (!rc)
            rc = event_list_push(&l, &ev);
        if (rc)
            event_release(&ev);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    for (int i = 0; i < l.n && !rc; i++)
        rc = cb(ctx, &l.v[i]);
    event_list_release(&l);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Organisation
 * ------------------------------------------------------------------------------------------- */

typedef void (*row_reader)(sqlite3_stmt *st, void *item);

/* Inserts (id 0: *id is assigned) or updates (no such row: -JS_ENOTFOUND) with a statement whose
 * ?1 is the id; bind fills the other parameters. */
static int put_row(struct sq *q, const char *insert_sql, const char *update_sql, int64_t *id,
                   void (*bind)(sqlite3_stmt *st, const void *item), const void *item)
{
    sqlite3_stmt *st;
    if (*id < 0)
        return -JS_EINVAL;
    int rc = stmt_get(q, *id ? update_sql : insert_sql, &st);
    if (rc)
        return rc;
    bind_id(st, 1, *id);
    bind(st, item);
    rc = run(q, st);
    if (!rc && *id == 0)
        *id = sqlite3_last_insert_rowid(q->db);
    else if (!rc && sqlite3_changes(q->db) == 0)
        rc = -JS_ENOTFOUND;
    stmt_put(q, st);
    return rc;
}

/* Reads the row that sql selects with ?1 = id (text NULL) or ?1 = text. */
static int get_row(struct sq *q, const char *sql, int64_t id, const char *text, row_reader read,
                   void *item)
{
    sqlite3_stmt *st;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    if (text)
        bind_text(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        read(st, item);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* Reads every row of sql into a malloc'ed array of items of size bytes. */
static int list_rows(struct sq *q, const char *sql, size_t size, row_reader read, void **out,
                     int *n)
{
    sqlite3_stmt *st;
    char *v = NULL;
    int cap = 0, step;
    *out = NULL;
    *n = 0;
    int rc = stmt_get(q, sql, &st);
    if (rc)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char *grown = realloc(v, (size_t)cap * size);
            if (!grown) {
                rc = -JS_ENOMEM;
                break;
            }
            v = grown;
        }
        void *item = v + (size_t)(*n)++ * size;
        memset(item, 0, size);
        read(st, item);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    if (rc) {
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

#define UNIT_COLS                                                                                  \
    "id, code, name, kind, region_id, active, leader_name, leader_phone, leader_email,"            \
    " section_name, section_phone, section_email, operator_name, operator_phone, operator_email"

static void unit_bind(sqlite3_stmt *st, const void *item)
{
    const struct unit *u = item;
    bind_text_or_null(st, 2, u->code);
    bind_text(st, 3, u->name);
    bind_text(st, 4, js_unit_kind_names[u->kind]);
    bind_id(st, 5, u->region_id);
    sqlite3_bind_int(st, 6, u->active);
    for (int t = 0; t < CONTACT__COUNT; t++) {
        bind_text(st, 7 + 3 * t, u->contacts[t].name);
        bind_text(st, 8 + 3 * t, u->contacts[t].phone);
        bind_text(st, 9 + 3 * t, u->contacts[t].email);
    }
}

static void unit_read(sqlite3_stmt *st, void *item)
{
    struct unit *u = item;
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    sqlite_col_copy(st, 1, u->code, sizeof u->code);
    sqlite_col_copy(st, 2, u->name, sizeof u->name);
    u->kind = col_enum(st, 3, js_unit_kind_names);
    u->region_id = sqlite3_column_int64(st, 4);
    u->active = sqlite3_column_int(st, 5) != 0;
    for (int t = 0; t < CONTACT__COUNT; t++) {
        sqlite_col_copy(st, 6 + 3 * t, u->contacts[t].name, sizeof u->contacts[t].name);
        sqlite_col_copy(st, 7 + 3 * t, u->contacts[t].phone, sizeof u->contacts[t].phone);
        sqlite_col_copy(st, 8 + 3 * t, u->contacts[t].email, sizeof u->contacts[t].email);
    }
}

static int sq_unit_put(struct store *s, struct unit *u)
{
    if (!in_range(u->kind, UNIT__COUNT))
        return -JS_EINVAL;
    return put_row(sq_of(s),
                   "INSERT INTO units(" UNIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                   " ?10, ?11, ?12, ?13, ?14, ?15)",
                   "UPDATE units SET code = ?2, name = ?3, kind = ?4, region_id = ?5, active = ?6,"
                   " leader_name = ?7, leader_phone = ?8, leader_email = ?9, section_name = ?10,"
                   " section_phone = ?11, section_email = ?12, operator_name = ?13,"
                   " operator_phone = ?14, operator_email = ?15 WHERE id = ?1",
                   &u->id, unit_bind, u);
}

static int sq_unit_get(struct store *s, int64_t id, struct unit *out)
{
    return get_row(sq_of(s), "SELECT " UNIT_COLS " FROM units WHERE id = ?1", id, NULL, unit_read,
                   out);
}

static int sq_unit_get_by_code(struct store *s, const char *code, struct unit *out)
{
    if (!code || !code[0])
        return -JS_ENOTFOUND;
    return get_row(sq_of(s), "SELECT " UNIT_COLS " FROM units WHERE code = ?1", 0, code, unit_read,
                   out);
}

static int sq_unit_list(struct store *s, struct unit **out, int *n)
{
    return list_rows(sq_of(s), "SELECT " UNIT_COLS " FROM units ORDER BY id", sizeof **out,
                     unit_read, (void **)out, n);
}

#define USER_COLS "id, login, name, role, unit_id, phone, pwhash, active"

static void user_bind(sqlite3_stmt *st, const void *item)
{
    const struct user *u = item;
    bind_text_or_null(st, 2, u->login);
    bind_text(st, 3, u->name);
    bind_text(st, 4, js_role_names[u->role]);
    bind_id(st, 5, u->unit_id);
    bind_text(st, 6, u->phone);
    bind_text(st, 7, u->pwhash);
    sqlite3_bind_int(st, 8, u->active);
}

static void user_read(sqlite3_stmt *st, void *item)
{
    struct user *u = item;
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(st, 0);
    sqlite_col_copy(st, 1, u->login, sizeof u->login);
    sqlite_col_copy(st, 2, u->name, sizeof u->name);
    u->role = col_enum(st, 3, js_role_names);
    u->unit_id = sqlite3_column_int64(st, 4);
    sqlite_col_copy(st, 5, u->phone, sizeof u->phone);
    sqlite_col_copy(st, 6, u->pwhash, sizeof u->pwhash);
    u->active = sqlite3_column_int(st, 7) != 0;
}

static int sq_user_put(struct store *s, struct user *u)
{
    if (!in_range(u->role, ROLE__COUNT))
        return -JS_EINVAL;
    return put_row(sq_of(s),
                   "INSERT INTO users(" USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                   "UPDATE users SET login = ?2, name = ?3, role = ?4, unit_id = ?5, phone = ?6,"
                   " pwhash = ?7, active = ?8 WHERE id = ?1",
                   &u->id, user_bind, u);
}

static int sq_user_get(struct store *s, int64_t id, struct user *out)
{
    return get_row(sq_of(s), "SELECT " USER_COLS " FROM users WHERE id = ?1", id, NULL, user_read,
                   out);
}

static int sq_user_get_by_login(struct store *s, const char *login, struct user *out)
{
    if (!login || !login[0])
        return -JS_ENOTFOUND;
    return get_row(sq_of(s), "SELECT " USER_COLS " FROM users WHERE login = ?1", 0, login,
                   user_read, out);
}

static int sq_user_list(struct store *s, struct user **out, int *n)
{
    return list_rows(sq_of(s), "SELECT " USER_COLS " FROM users ORDER BY id", sizeof **out,
                     user_read, (void **)out, n);
}

#define REGION_COLS "id, parent_id, level, code, name"

static void region_bind(sqlite3_stmt *st, const void *item)
{
    const struct region *r = item;
    bind_id(st, 2, r->parent_id);
    bind_text(st, 3, js_region_level_names[r->level]);
    bind_text(st, 4, r->code);
    bind_text(st, 5, r->name);
}

static void region_read(sqlite3_stmt *st, void *item)
{
    struct region *r = item;
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->parent_id = sqlite3_column_int64(st, 1);
    r->level = col_enum(st, 2, js_region_level_names);
    sqlite_col_copy(st, 3, r->code, sizeof r->code);
    sqlite_col_copy(st, 4, r->name, sizeof r->name);
}

static int sq_region_put(struct store *s, struct region *r)
{
    if (!in_range(r->level, RLEVEL__COUNT) || r->parent_id < 0 || (r->id && r->parent_id == r->id))
        return -JS_EINVAL;
    return put_row(sq_of(s), "INSERT INTO regions(" REGION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)",
                   "UPDATE regions SET parent_id = ?2, level = ?3, code = ?4, name = ?5"
                   " WHERE id = ?1",
                   &r->id, region_bind, r);
}

static int sq_region_get(struct store *s, int64_t id, struct region *out)
{
    return get_row(sq_of(s), "SELECT " REGION_COLS " FROM regions WHERE id = ?1", id, NULL,
                   region_read, out);
}

static int sq_region_list(struct store *s, struct region **out, int *n)
{
    return list_rows(sq_of(s), "SELECT " REGION_COLS " FROM regions ORDER BY id", sizeof **out,
                     region_read, (void **)out, n);
}

#define CATEGORY_COLS "id, parent_id, level, code, name"

static void category_bind(sqlite3_stmt *st, const void *item)
{
    const struct category *c = item;
    bind_id(st, 2, c->parent_id);
    sqlite3_bind_int(st, 3, c->level);
    bind_text_or_null(st, 4, c->code);
    bind_text(st, 5, c->name);
}

static void category_read(sqlite3_stmt *st, void *item)
{
    struct category *c = item;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->parent_id = sqlite3_column_int64(st, 1);
    c->level = sqlite3_column_int(st, 2);
    sqlite_col_copy(st, 3, c->code, sizeof c->code);
    sqlite_col_copy(st, 4, c->name, sizeof c->name);
}

static int sq_category_put(struct store *s, struct category *c)
{
    if (c->parent_id < 0 || (c->id && c->parent_id == c->id))
        return -JS_EINVAL;
    return put_row(sq_of(s),
                   "INSERT INTO categories(" CATEGORY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)",
                   "UPDATE categories SET parent_id = ?2, level = ?3, code = ?4, name = ?5"
                   " WHERE id = ?1",
                   &c->id, category_bind, c);
}

static int sq_category_get(struct store *s, int64_t id, struct category *out)
{
    return get_row(sq_of(s), "SELECT " CATEGORY_COLS " FROM categories WHERE id = ?1", id, NULL,
                   category_read, out);
}

static int sq_category_list(struct store *s, struct category **out, int *n)
{
    return list_rows(sq_of(s), "SELECT " CATEGORY_COLS " FROM categories ORDER BY id", sizeof **out,
                     category_read, (void **)out, n);
}

#define CATALOGUE_COLS "id, category_id, region_id, unit_id, basis"

static void catalogue_bind(sqlite3_stmt *st, const void *item)
{
    const struct catalogue_entry *c = item;
    sqlite3_bind_int64(st, 2, c->category_id);
    bind_id(st, 3, c->region_id);
    sqlite3_bind_int64(st, 4, c->unit_id);
    bind_text(st, 5, c->basis);
}

static void catalogue_read(sqlite3_stmt *st, void *item)
{
    struct catalogue_entry *c = item;
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(st, 0);
    c->category_id = sqlite3_column_int64(st, 1);
    c->region_id = sqlite3_column_int64(st, 2);
    c->unit_id = sqlite3_column_int64(st, 3);
    sqlite_col_copy(st, 4, c->basis, sizeof c->basis);
}

static int sq_catalogue_put(struct store *s, struct catalogue_entry *c)
{
    if (c->category_id <= 0 || c->unit_id <= 0 || c->region_id < 0)
        return -JS_EINVAL;
    return put_row(sq_of(s),
                   "INSERT INTO catalogue(" CATALOGUE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)",
                   "UPDATE catalogue SET category_id = ?2, region_id = ?3, unit_id = ?4,"
                   " basis = ?5 WHERE id = ?1",
                   &c->id, catalogue_bind, c);
}

static int sq_catalogue_delete(struct store *s, int64_t id)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q, "DELETE FROM catalogue WHERE id = ?1", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = run(q, st);
    if (!rc && sqlite3_changes(q->db) == 0)
        rc = -JS_ENOTFOUND;
    stmt_put(q, st);
    return rc;
}

static int sq_catalogue_list(struct store *s, struct catalogue_entry **out, int *n)
{
    return list_rows(sq_of(s), "SELECT " CATALOGUE_COLS " FROM catalogue ORDER BY id", sizeof **out,
                     catalogue_read, (void **)out, n);
}

static int sq_catalogue_lookup(struct store *s, int64_t category_id, int64_t region_id,
                               struct catalogue_entry *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    if (category_id <= 0)
        return -JS_ENOTFOUND;
    /* Walk up both trees (depth 0 = the given node; bounded against cycles), then take the
     * nearest category, then the nearest region, with "any region" as the last resort. */
    int rc = stmt_get(
        q,
        "WITH RECURSIVE"
        " cat(id, depth) AS (SELECT ?1, 0 UNION ALL SELECT c.parent_id, cat.depth + 1"
        "  FROM categories c JOIN cat ON c.id = cat.id"
        "  WHERE c.parent_id IS NOT NULL AND cat.depth < 32),"
        " reg(id, depth) AS (SELECT ?2, 0 WHERE ?2 > 0 UNION ALL SELECT r.parent_id, reg.depth + 1"
        "  FROM regions r JOIN reg ON r.id = reg.id"
        "  WHERE r.parent_id IS NOT NULL AND reg.depth < 32)"
        " SELECT k.id, k.category_id, k.region_id, k.unit_id, k.basis"
        " FROM catalogue k JOIN cat ON k.category_id = cat.id"
        " LEFT JOIN reg ON k.region_id = reg.id"
        " WHERE k.region_id IS NULL OR reg.id IS NOT NULL"
        " ORDER BY cat.depth, k.region_id IS NULL, reg.depth, k.id LIMIT 1",
        &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, category_id);
    sqlite3_bind_int64(st, 2, region_id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        catalogue_read(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Settings, sessions, audit, idempotency
 * ------------------------------------------------------------------------------------------- */

static int sq_setting_get(struct store *s, const char *key, char **out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    *out = NULL;
    int rc = stmt_get(q, "SELECT value FROM settings WHERE key = ?1", &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = (*out = col_dup(st, 0)) ? 0 : -JS_ENOMEM;
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

static int sq_setting_put(struct store *s, const char *key, const char *json)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!key || !key[0] || !json)
        return -JS_EINVAL;
    int rc = stmt_get(q,
                      "INSERT INTO settings(key, value) VALUES (?1, ?2)"
                      " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    bind_text(st, 2, json);
    rc = run(q, st); /* not JSON: the CHECK fails, -JS_EINVAL */
    stmt_put(q, st);
    return rc;
}

static int sq_session_put(struct store *s, const char *token_hash, int64_t user_id,
                          int64_t expires_at)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!token_hash || !token_hash[0])
        return -JS_EINVAL;
    int rc = stmt_get(q,
                      "INSERT INTO sessions(token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT(token_hash) DO UPDATE SET user_id = excluded.user_id,"
                      " expires_at = excluded.expires_at",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, token_hash);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, expires_at);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

static int sq_session_get(struct store *s, const char *token_hash, int64_t now, struct user *out)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    memset(out, 0, sizeof *out);
    int rc = stmt_get(q,
                      "SELECT " USER_COLS " FROM users WHERE id = (SELECT user_id FROM sessions"
                      " WHERE token_hash = ?1 AND expires_at > ?2)",
                      &st);
    if (rc)
        return rc;
    bind_text(st, 1, token_hash);
    sqlite3_bind_int64(st, 2, now);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        user_read(st, out);
    else
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

static int sq_session_delete(struct store *s, const char *token_hash)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q, "DELETE FROM sessions WHERE token_hash = ?1", &st);
    if (rc)
        return rc;
    bind_text(st, 1, token_hash);
    rc = run(q, st); /* deleting an absent session is not an error: logout is idempotent */
    stmt_put(q, st);
    return rc;
}

static int sq_session_delete_user(struct store *s, int64_t user_id, const char *keep_hash, int *n)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q, "DELETE FROM sessions WHERE user_id = ?1 AND token_hash != ?2", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, user_id);
    bind_text(st, 2, keep_hash ? keep_hash : "");
    rc = run(q, st);
    stmt_put(q, st);
    if (n)
        *n = rc ? 0 : sqlite3_changes(q->db);
    return rc;
}

static int sq_login_failure_put(struct store *s, const char *key, int64_t at, int64_t forget_before)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = op_begin(q);
    if (rc)
        return rc;
    rc = stmt_get(q, "DELETE FROM login_failures WHERE at < ?1", &st);
    if (!rc) {
        sqlite3_bind_int64(st, 1, forget_before);
        rc = run(q, st);
        stmt_put(q, st);
    }
    if (!rc)
        rc = stmt_get(q, "INSERT INTO login_failures(key, at) VALUES (?1, ?2)", &st);
    if (!rc) {
        bind_text(st, 1, key);
        sqlite3_bind_int64(st, 2, at);
        rc = run(q, st);
        stmt_put(q, st);
    }
    return op_end(q, rc);
}

static int sq_login_failure_clear(struct store *s, const char *key)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q, "DELETE FROM login_failures WHERE key = ?1", &st);
    if (rc)
        return rc;
    bind_text(st, 1, key);
    rc = run(q, st);
    stmt_put(q, st);
    return rc;
}

static int sq_login_failure_each(struct store *s, int64_t since,
                                 int (*cb)(void *ctx, const char *key, int64_t at), void *ctx)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc =
        stmt_get(q, "SELECT key, at FROM login_failures WHERE at >= ?1 ORDER BY at, rowid", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, since);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *k = sqlite3_column_text(st, 0);
        rc = cb(ctx, k ? (const char *)k : "", sqlite3_column_int64(st, 1));
        if (rc)
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

/* Records which files o's attachments refer to (their url holds /api/v1/files/<32 hex>). */
static int file_refs_write(struct sq *q, int64_t order_id, const char *attachments)
{
    const char *p = attachments;
    char id[33];
    int rc = 0;
    while (!rc && store_file_ref_next(&p, id)) {
        sqlite3_stmt *st;
        rc = stmt_get(q, "INSERT OR IGNORE INTO file_refs(file_id, order_id) VALUES (?1, ?2)", &st);
        if (rc)
            break;
        bind_text(st, 1, id);
        sqlite3_bind_int64(st, 2, order_id);
        rc = run(q, st);
        stmt_put(q, st);
    }
    return rc;
}

static int sq_file_orders(struct store *s, const char *id, int64_t *ids, int max, int *n)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    *n = 0;
    int rc =
        stmt_get(q, "SELECT order_id FROM file_refs WHERE file_id = ?1 ORDER BY order_id", &st);
    if (rc)
        return rc;
    bind_text(st, 1, id);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
    return rc;
}

static int sq_audit_append(struct store *s, struct audit_entry *a)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    int rc = stmt_get(q,
                      "INSERT INTO audit(at, user_id, order_id, action, detail)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
                      &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a->at);
    bind_id(st, 2, a->user_id);
    bind_id(st, 3, a->order_id);
    bind_text(st, 4, a->action);
    bind_text(st, 5, a->detail);
    rc = run(q, st);
    if (!rc)
        a->id = sqlite3_last_insert_rowid(q->db);
    stmt_put(q, st);
    return rc;
}

static void audit_read(sqlite3_stmt *st, void *item)
{
    struct audit_entry *a = item;
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(st, 0);
    a->at = sqlite3_column_int64(st, 1);
    a->user_id = sqlite3_column_int64(st, 2);
    a->order_id = sqlite3_column_int64(st, 3);
    sqlite_col_copy(st, 4, a->action, sizeof a->action);
    sqlite_col_copy(st, 5, a->detail, sizeof a->detail);
}

static int sq_audit_query(struct store *s, const struct audit_query *aq, struct audit_entry **out,
                          int *n)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st = NULL;
    struct audit_entry *v = NULL;
    struct buf sql;
    int step, rc = 0;
    *out = NULL;
    *n = 0;
    if (aq->limit < 1 || aq->limit > 10000)
        return -JS_EINVAL;
    buf_init(&sql, 0);
    /* only the filters given are in the text (each variant is one cached statement), so that
     * the indexes on user_id and order_id serve them */
    rc |= buf_puts(&sql, "SELECT a.id, a.at, a.user_id, a.order_id, a.action, a.detail,"
                         " coalesce(o.number, '') FROM audit a"
                         " LEFT JOIN orders o ON o.id = a.order_id WHERE TRUE");
    if (aq->cursor)
        rc |= buf_puts(&sql, aq->newest_first ? " AND a.id < ?1" : " AND a.id > ?1");
    if (aq->user_id)
        rc |= buf_puts(&sql, " AND a.user_id = ?2");
    if (aq->order_id)
        rc |= buf_puts(&sql, " AND a.order_id = ?3");
    if (aq->action && aq->action[0])
        rc |= buf_puts(&sql, " AND a.action = ?4");
    if (aq->from)
        rc |= buf_puts(&sql, " AND a.at >= ?5");
    if (aq->to)
        rc |= buf_puts(&sql, " AND a.at < ?6");
    rc |= buf_puts(&sql,
                   aq->newest_first ? " ORDER BY a.id DESC LIMIT ?7" : " ORDER BY a.id LIMIT ?7");
    if (rc) {
        rc = -JS_ENOMEM;
        goto out;
    }
    v = malloc((size_t)aq->limit * sizeof *v);
    if (!v) {
        rc = -JS_ENOMEM;
        goto out;
    }
    if ((rc = stmt_get(q, sql.data, &st)))
        goto out;
    sqlite3_bind_int64(st, 1, aq->cursor);
    sqlite3_bind_int64(st, 2, aq->user_id);
    sqlite3_bind_int64(st, 3, aq->order_id);
    sqlite3_bind_text(st, 4, aq->action ? aq->action : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, aq->from);
    sqlite3_bind_int64(st, 6, aq->to);
    sqlite3_bind_int(st, 7, aq->limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < aq->limit) {
        audit_read(st, &v[*n]);
        sqlite_col_copy(st, 6, v[*n].order_number, sizeof v[*n].order_number);
        (*n)++;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sqlite_fail(q->db, step);
    stmt_put(q, st);
out:
    buf_release(&sql);
    if (rc) {
        free(v);
        *n = 0;
    } else {
        *out = v;
    }
    return rc;
}

/* audit_list is the first form of audit_query: the entries after an id, oldest first. */
static int sq_audit_list(struct store *s, int64_t after_id, int limit, struct audit_entry **out,
                         int *n)
{
    struct audit_query q = {.cursor = after_id, .limit = limit};
    return sq_audit_query(s, &q, out, n);
}

static int sq_idem_get(struct store *s, int64_t user_id, const char *key, char **req_hash,
                       int *status, char **body)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (req_hash)
        *req_hash = NULL;
    if (body)
        *body = NULL;
    int rc = stmt_get(
        q, "SELECT req_hash, status, body FROM idempotency WHERE user_id = ?1 AND key = ?2", &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, user_id);
    bind_text(st, 2, key);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        if (status)
            *status = sqlite3_column_int(st, 1);
        if (req_hash && !(*req_hash = col_dup(st, 0)))
            rc = -JS_ENOMEM;
        if (body && !(*body = col_dup(st, 2)))
            rc = -JS_ENOMEM;
    } else {
        rc = step == SQLITE_DONE ? -JS_ENOTFOUND : sqlite_fail(q->db, step);
    }
    stmt_put(q, st);
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

static int sq_idem_put(struct store *s, int64_t user_id, const char *key, const char *req_hash,
                       int status, const char *body, int64_t at)
{
    struct sq *q = sq_of(s);
    sqlite3_stmt *st;
    if (!key || !key[0])
        return -JS_EINVAL;
    int rc = stmt_get(q,
                      "INSERT INTO idempotency(user_id, key, req_hash, status, body, at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      &st);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, user_id);
    bind_text(st, 2, key);
    bind_text(st, 3, req_hash);
    sqlite3_bind_int(st, 4, status);
    bind_text(st, 5, body);
    sqlite3_bind_int64(st, 6, at);
    rc = run(q, st); /* a response already stored for (user, key): -JS_EEXISTS */
    stmt_put(q, st);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The operations table and opening
 * ------------------------------------------------------------------------------------------- */

static const struct store_ops sqlite_ops = {
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .next_seq = sq_next_seq,
    .seq_take = sq_next_seq, /* one writer: nobody queues on the counter */
    .order_insert = sq_order_insert,
    .order_id_take = sq_order_id_take,
    .order_update = sq_order_update,
    .order_get = sq_order_get,
    .order_get_by_number = sq_order_get_by_number,
    .order_query = sq_order_query,
    .order_query_plan = sq_order_query_plan,
    .analyze = sq_analyze,
    .order_each = sq_order_each,
    .order_ids_by = sq_order_ids_by,
    .order_count_by_status = sq_order_count_by_status,
    .event_append = sq_event_append,
    .event_each = sq_event_each,
    .unit_put = sq_unit_put,
    .unit_get = sq_unit_get,
    .unit_get_by_code = sq_unit_get_by_code,
    .unit_list = sq_unit_list,
    .user_put = sq_user_put,
    .user_get = sq_user_get,
    .user_get_by_login = sq_user_get_by_login,
    .user_list = sq_user_list,
    .region_put = sq_region_put,
    .region_get = sq_region_get,
    .region_list = sq_region_list,
    .category_put = sq_category_put,
    .category_get = sq_category_get,
    .category_list = sq_category_list,
    .catalogue_put = sq_catalogue_put,
    .catalogue_delete = sq_catalogue_delete,
    .catalogue_list = sq_catalogue_list,
    .catalogue_lookup = sq_catalogue_lookup,
    .setting_get = sq_setting_get,
    .setting_put = sq_setting_put,
    .session_put = sq_session_put,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .session_delete_user = sq_session_delete_user,
    .login_failure_put = sq_login_failure_put,
    .login_failure_clear = sq_login_failure_clear,
    .login_failure_each = sq_login_failure_each,
    .file_orders = sq_file_orders,
    .txn_hold = sq_txn_hold,
    .txn_finish = sq_txn_finish,
    .txn_run = sq_txn_run,
    .text_warm = store_text_warm,
    .audit_append = sq_audit_append,
    .audit_list = sq_audit_list,
    .audit_query = sq_audit_query,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .outbox_put = sqlite_outbox_put, /* sqlite_timers.c */
    .outbox_list = sqlite_outbox_list,
    .outbox_get = sqlite_outbox_get,
    .outbox_counts = sqlite_outbox_counts,
    .upstream_feedback_counts = sqlite_upstream_feedback_counts,
    .outbox_claim = sqlite_outbox_claim,
    .outbox_renew = sqlite_outbox_renew,
    .outbox_sent = sqlite_outbox_sent,
    .outbox_failed = sqlite_outbox_failed,
    .outbox_release = sqlite_outbox_release,
    .outbox_retry = sqlite_outbox_retry,
    .events_by_action = sqlite_events_by_action,
    .set_bulk = sq_set_bulk,
    .file_put = sq_file_put,
    .file_get = sq_file_get,
    .order_search = sq_order_search,
    .blob_put = sq_blob_put,
    .blob_get = sq_blob_get,
    /* reports (issue 11) */
    .report_count = sqlite_report_count,
    .report_event_counts = sqlite_report_event_counts,
    .report_order_ids = sqlite_report_order_ids,
    .report_put = sqlite_report_put,
    .stats_count = sqlite_stats_count,
    .report_get = sqlite_report_get,
    .report_list = sqlite_report_list,
    /* knowledge base: sqlite_kb.c */
    .kb_put = sqlite_kb_put,
    .kb_get = sqlite_kb_get,
    .kb_list = sqlite_kb_list,
    .kb_use = sqlite_kb_use,
    .kb_stats = sqlite_kb_stats,
    /* hotspot early warning: sqlite_hotspot.c */
    .hotspot_topic_put = sqlite_hotspot_topic_put,
    .hotspot_topic_get = sqlite_hotspot_topic_get,
    .hotspot_topic_list = sqlite_hotspot_topic_list,
    .hotspot_topic_delete = sqlite_hotspot_topic_delete,
    .hotspot_warning_insert = sqlite_hotspot_warning_insert,
    .hotspot_warning_get = sqlite_hotspot_warning_get,
    .hotspot_warning_list = sqlite_hotspot_warning_list,
    .hotspot_warned_orders = sqlite_hotspot_warned_orders,
    .hotspot_warning_state = sqlite_hotspot_warning_state,
    .hotspot_note_add = sqlite_hotspot_note_add,
    .hotspot_note_list = sqlite_hotspot_note_list,
    .meeting_add = sqlite_meeting_add,
    .meeting_list = sqlite_meeting_list,
    .acct_add = sqlite_acct_add,
    .acct_list = sqlite_acct_list,
    /* assessment (issue 5): sqlite_assess.c */
    .assess_state = sqlite_assess_state,
    .assess_mark = sqlite_assess_mark,
    .assess_events = sqlite_assess_events,
    .assess_repeats_put = sqlite_assess_repeats_put,
    .assess_repeats_get = sqlite_assess_repeats_get,
    .assess_facts_put = sqlite_assess_facts_put,
    .assess_facts = sqlite_assess_facts,
    .assess_appeal_put = sqlite_assess_appeal_put,
    .assess_appeal_decide = sqlite_assess_appeal_decide,
    .assess_appeal_list = sqlite_assess_appeal_list,
    .assess_item_put = sqlite_assess_item_put,
    .assess_item_cancel = sqlite_assess_item_cancel,
    .assess_item_list = sqlite_assess_item_list,
    .assess_scheme_put = sqlite_assess_scheme_put,
    .assess_scheme_get = sqlite_assess_scheme_get,
    .dump_table = sqlite_dump_table,
    .load_rows = sqlite_load_rows,
    .load_finish = sqlite_load_finish,
    .read_snapshot = sqlite_read_snapshot,
};

int sqlite_stmt_get(struct store *s, const char *sql, sqlite3_stmt **st)
{
    return stmt_get(sq_of(s), sql, st);
}

void sqlite_stmt_put(struct store *s, sqlite3_stmt *st)
{
    stmt_put(sq_of(s), st);
}

struct sqlite3 *store_sqlite_db(struct store *s)
{
    return s && s->ops == &sqlite_ops ? sq_of(s)->db : NULL;
}

/* Before SQLite's first use in the process: turns off its memory statistics, and opens the
 * sub-journals of savepoints at once as files of the connection's VFS (sqlite_memvfs.c keeps them
 * in memory) instead of holding their first 64 KB in SQLite's own chunks. With the statistics
 * on, every allocation SQLite makes takes one process-wide mutex: under the group writer, 64
 * threads' reads, decisions and the writer's SQL queued on it (issue 13); jiesu reads no
 * sqlite3_status figure. When something else initialised SQLite first, this does nothing. */
static void conn_config_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 0);
}

void store_sqlite_configure(void)
{
    static pthread_once_t config = PTHREAD_ONCE_INIT;
    pthread_once(&config, conn_config_once);
}

/* Opens a connection to path with the settings every connection uses. *db may be set on
 * failure too (close it). */
static int conn_open(const char *path, sqlite3 **db, struct js_error *e)
{
    store_sqlite_configure();
    if (sqlite_memvfs_register())
        return js_fail(e, JS_EDB, "db", "无法准备 SQLite 的临时文件");
    /* NOMUTEX: a connection is used by one thread at a time (the library itself is
     * threadsafe); the group writer's is handed over under its lock. */
    int src =
        sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        SQLITE_MEMVFS_NAME);
    if (src != SQLITE_OK)
        return js_fail(e, JS_EDB, "db", "cannot open %s: %s", path,
                       *db ? sqlite3_errmsg(*db) : sqlite3_errstr(src));
    sqlite3_extended_result_codes(*db, 1);
    sqlite3_busy_timeout(*db, SQ_BUSY_MS);
    /* synchronous=FULL: every COMMIT syncs the WAL before it returns, so an acknowledged write
     * survives a power cut (NORMAL could lose the last commits). Throughput comes from batching
     * several writes in one transaction (the group commit above), not from weaker syncing. */
    /* Temporary files (savepoints' sub-journals, temporary tables, large sorts) are in memory
     * through the connection's VFS (sqlite_memvfs.c): a file cost an order insert 330 µs instead
     * of 73 µs. temp_store=MEMORY would keep them in memory too, but a sub-journal in 1 KB
     * chunks, a malloc each, freed at every release: about 9 % of a lifecycle action's
     * instructions (session 14). SQLITE_CONFIG_STMTJRNL_SPILL makes SQLite's chunk larger, but a
     * chunk is also the size of the spill's one write to the file, and the default VFS takes
     * writes under 128 KB only (a larger one failed as SQLITE_FULL: test_store's
     * test_refused_large_txn); with the largest that works, `bench_write --work 1000` opened 208
     * temporary files. */
    /* journal_size_limit: a WAL that grew past 64 MB (a long reader kept it from starting over)
     * is cut back to that at the first commit after it starts over. */
    static const char *const pragmas[] = {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL",
                                          "PRAGMA temp_store = FILE",
                                          "PRAGMA journal_size_limit = 67108864"};
    sqlite3_stmt *st = NULL;
    src = sqlite3_prepare_v2(*db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
    if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (mode && strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0)
            fprintf(stderr, "jiesu: %s: journal mode is %s, not wal\n", path, mode);
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < JS_ARRAY_LEN(pragmas) && src == SQLITE_OK; i++)
        src = sqlite3_exec(*db, pragmas[i], NULL, NULL, NULL);
    if (src != SQLITE_OK)
        return js_fail(e, (src & 0xff) == SQLITE_BUSY ? JS_EBUSY : JS_EDB, "db",
                       "cannot use %s: %s", path, sqlite3_errmsg(*db));
    return 0;
}

/* An in-memory or temporary database is private to its connection: no shared writer. */
static bool path_shareable(const char *path)
{
    return path[0] && strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0;
}

int store_sqlite_open(const char *path, struct store **out, struct js_error *e)
{
    *out = NULL;
    struct sq *q = calloc(1, sizeof *q);
    if (!q)
        return js_fail(e, JS_ENOMEM, "db", NULL);
    q->base.ops = &sqlite_ops;
    q->cache = q->own_cache;
    q->tick = &q->own_tick;
    int rc = store_check_order_cols(e);
    if (rc)
        goto fail;
    if (build_order_sql(q)) {
        rc = js_fail(e, JS_ENOMEM, "db", NULL);
        goto fail;
    }
    rc = conn_open(path, &q->own_db, e);
    q->db = q->own_db;
    if (rc)
        goto fail;
    if (path_shareable(path)) {
        rc = gc_writer_get(path, &q->w, e);
        if (rc)
            goto fail;
        sqlite3_busy_handler(q->own_db, gc_busy, q);
    }
    *out = &q->base;
    return 0;
fail:
    sq_close(&q->base);
    return rc;
}
