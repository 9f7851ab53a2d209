/* The SQLite backend's versioned schema: an ordered list of migrations, each applied once in
 * its own transaction and recorded in schema_migrations. Private to src/store/. */
#ifndef JIESU_SQLITE_SCHEMA_H
#define JIESU_SQLITE_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/outbox.h"

/* One step of the schema. Released migrations are never edited: a change is a new step. */
struct sqlite_migration {
    int version; /* strictly increasing, from 1 */
    const char *name;
    const char *sql; /* one or more statements */
    bool reindex;    /* rebuild the search index of every order afterwards, in the same
                        transaction */
};

/* The migrations in version order, and how many there are. */
extern const struct sqlite_migration sqlite_migrations[];
extern const int sqlite_n_migrations;

struct sqlite3;
struct sqlite3_stmt;
struct store;
struct outbox_msg;

/* Makes SQLite's process-wide settings (store_sqlite.c, conn_config_once), which only hold when
 * made before SQLite's first use: a program that opens SQLite itself before a store calls this
 * first. The store's first open calls it too. One of them opens every connection's statement
 * journals as files at once: a connection of the program's own that writes in transactions
 * keeps them in memory with PRAGMA temp_store = MEMORY (the store's VFS does it for the
 * store's). */
void store_sqlite_configure(void);
/* The connection of a SQLite store handle, or NULL for another backend: for the backend's other
 * files (sqlite_timers.c), which work inside the handle's transactions. Inside a transaction it
 * is the shared group writer's, outside the handle's own: ask again after store_begin. */
struct sqlite3 *store_sqlite_db(struct store *s);
/* The group writer's counters (issue 13) of s's database file, since it was opened in this
 * process: commits made, the transactions they held, the WAL frames they appended (a frame is a
 * page and a 24-byte header). All 0 for another backend or an in-memory database. */
struct sqlite_group_stats {
    uint64_t commits, actions, wal_frames;
    uint64_t commit_ns;     /* time the writer spent committing groups, unavailable to actions */
    uint64_t hold_ns;       /* time actions held the writer (their SQL and decisions) */
    uint64_t handoff_ns;    /* time the writer sat free while a thread was being woken to take it */
    uint64_t checkpoints;   /* checkpoints run by the checkpointer thread, off the commits */
    uint64_t restarts;      /* whole-WAL checkpoints the writer ran so that the WAL starts over */
    uint64_t restart_tries; /* the same, tried: refused while a reader stays in the WAL */
};
void store_sqlite_group_stats(struct store *s, struct sqlite_group_stats *out);
/* Maps a SQLite result code to an error code (busy, no memory, unique → exists, other
 * constraints → invalid); unexpected ones are logged with SQLite's message. */
int sqlite_fail(struct sqlite3 *db, int rc);
/* Prepares sql on db into *st (sqlite3_finalize it), or returns sqlite_fail's code. */
int sqlite_prepare(struct sqlite3 *db, const char *sql, struct sqlite3_stmt **st);
/* Steps a statement that returns no rows and finalizes it: 0 or sqlite_fail's code. */
int sqlite_run(struct sqlite3 *db, struct sqlite3_stmt *st);
/* A statement for sql on s's connection in use, from the handle's cache of prepared statements
 * (prepared on first use): for statements on a hot path, where preparing each time costs more
 * than running. Give it back with sqlite_stmt_put (which resets it) before the transaction
 * ends. */
int sqlite_stmt_get(struct store *s, const char *sql, struct sqlite3_stmt **st);
void sqlite_stmt_put(struct store *s, struct sqlite3_stmt *st);
/* Binds text s (NULL: "") to parameter i, copied. */
void sqlite_bind_text(struct sqlite3_stmt *st, int i, const char *s);
/* Copies text column i into dst (n bytes, cut to fit, "" for NULL). */
void sqlite_col_copy(struct sqlite3_stmt *st, int i, char *dst, size_t n);
/* The timers' store_ops of the SQLite backend (sqlite_timers.c). */
struct outbox_query;
struct outbox_list;
struct timers_event_query;
struct event_list;
int sqlite_outbox_put(struct store *s, struct outbox_msg *m);
int sqlite_outbox_list(struct store *s, const struct outbox_query *q, struct outbox_list *out);
int sqlite_outbox_get(struct store *s, int64_t id, struct outbox_msg *out);
int sqlite_outbox_counts(struct store *s, int64_t counts[OBS__COUNT]);
int sqlite_upstream_feedback_counts(struct store *s, int64_t now, int64_t counts[UFB__COUNT]);
int sqlite_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
                        struct outbox_list *out);
int sqlite_outbox_renew(struct store *s, const int64_t *ids, int n, int64_t until);
int sqlite_outbox_sent(struct store *s, int64_t id, int64_t now);
int sqlite_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_at,
                         bool give_up);
int sqlite_outbox_release(struct store *s, int64_t id);
int sqlite_outbox_retry(struct store *s, int64_t id, int64_t now);
int sqlite_events_by_action(struct store *s, const struct timers_event_query *q,
                            struct event_list *out);

struct st_query;
struct buf;
/* The FTS5 expression of a parsed query, as order search runs it (store_sqlite.c): every group
 * required, any of its alternatives, each a phrase of index tokens. */
int sqlite_fts_render(const struct st_query *m, struct buf *out);

/* The knowledge-base operations of the SQLite backend (sqlite_kb.c). */
struct kb_entry;
struct kb_list;
struct kb_query;
struct kb_unit_stats;
int sqlite_kb_put(struct store *s, struct kb_entry *k);
int sqlite_kb_get(struct store *s, int64_t id, struct kb_entry *out);
int sqlite_kb_list(struct store *s, const struct kb_query *q, struct kb_list *out, bool *more);
int sqlite_kb_use(struct store *s, int64_t id, int64_t order_id, int64_t at);
int sqlite_kb_stats(struct store *s, int64_t from, int64_t to, int64_t cutoff,
                    int (*cb)(void *ctx, const struct kb_unit_stats *st), void *ctx);

/* Copying between backends (sqlite_copy.c; see struct store_ops), and the rebuilds of the search
 * indexes load_finish runs, inside the caller's transaction: the orders' (store_sqlite.c) and
 * the published knowledge base's (sqlite_kb.c). */
struct store_row;
int sqlite_dump_table(struct store *s, const char *name,
                      int (*cb)(void *ctx, const struct store_row *row), void *ctx);
int sqlite_load_rows(struct store *s, const char *name, const struct store_row *rows, int n);
int sqlite_load_finish(struct store *s);
int sqlite_read_snapshot(struct store *s, bool on);
int sqlite_search_reindex(struct store *s);
int sqlite_kb_reindex(struct store *s);

#endif
