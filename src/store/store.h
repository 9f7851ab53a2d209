/* The one storage interface. Backends (SQLite: store_sqlite.c, PostgreSQL: store_pg.c) fill a
 * table of operations; the rest of the program calls the store_* wrappers and never sees SQL.
 *
 * Transactions: every write happens between store_begin and store_commit/store_rollback on the
 * same handle. A handle is used by one thread at a time; open one per thread. A backend may
 * batch several commits into one durable flush (group commit) as long as store_commit returns
 * only once the transaction is durable. */
#ifndef JIESU_STORE_H
#define JIESU_STORE_H

#include <jansson.h>
#include <stdint.h>

#include "core/coord.h"
#include "core/kb.h"
#include "core/hotspot.h"
#include "core/order.h"
#include "core/org.h"
#include "core/outbox.h"
#include "core/report.h"
#include "text/searchtext.h"
#include "util/err.h"

struct store;
struct buf;

/* A filtered, sorted, paged order list (issue: HTTP API). Zero/NULL fields do not filter. */
enum order_sort {
    SORT_CREATED_DESC,
    SORT_CREATED_ASC,
    SORT_DEADLINE_ASC,
    SORT_UPDATED_DESC,
    SORT__COUNT
};
struct order_query {
    const int *statuses; /* list of enum order_status */
    int n_statuses;
    int64_t unit_id;     /* orders this unit holds (any assignment, active or not) */
    int64_t category_id; /* this category or any below it */
    int64_t region_id;   /* this region or any below it */
    const char *channel;
    int type, level; /* -1: any */
    int overdue;     /* -1 any, 1 overdue at `now`, 0 not overdue */
    bool hanging;    /* only approved hanging accounts (挂账, hang 2); false: any */
    bool enterprise; /* only enterprise requests (the green channel of 004); false: any */
    bool reopened;   /* only orders reopened at least once (issue 16: the dashboard's drill-down) */
    bool instructed; /* only orders with a leader's instruction awaiting its written report
                        (领导批示交办, issue 14 point 8) */
    bool preinv;     /* only orders awaiting the findings of a designated unit (预先调查) */
    int64_t preinv_unit_id; /* with preinv: only those designated to this unit; 0: any */
    int64_t now;
    int64_t from, to; /* created_at in [from, to); 0: open */
    const char *text; /* searched in title, text, address, reply and notes (no synonyms) */
    const struct st_query *match; /* a parsed query (with synonyms); replaces text */
    int sort;                     /* enum order_sort */
    const char *cursor;           /* from the previous page, or NULL */
    int limit;                    /* 1..500 */
};

/* One search (issue 9). The kinds are tried in the order of enum search_kind, which is also
 * the order of relevance: an exact order number before a tail, phone before name before text;
 * within a kind exact keys come first, then text by relevance, then newest first. */
enum search_kind {
    SEARCH_NUMBER,
    SEARCH_UPSTREAM,
    SEARCH_PHONE,
    SEARCH_NAME,
    SEARCH_TEXT,
    SEARCH__COUNT
};
#define SEARCH_BIT(k) (1u << (k))
struct search_query {
    const char *key;             /* number or upstream id (whole or its tail), or phone digits
                                    (whole or the last 4 or more); NULL: none */
    const char *name;            /* citizen name, whole or its beginning; NULL: none */
    const struct st_query *text; /* NULL or empty: none */
    unsigned kinds;              /* SEARCH_BIT()s of the kinds to try */
    bool phone_exact;            /* the phone must be the whole key (a caller's history) */
    bool newest_only;            /* text newest first, without ranking title matches first */
    int64_t unit_id;             /* only orders this unit holds or held; 0: any */
    int64_t since;               /* only orders created at or after this time; 0: any */
    int64_t exclude_id;          /* leave this order out; 0: none */
    int offset, limit;           /* hits to skip, hits to return (1..500) */
};
struct search_hit {
    int64_t id;
    int kind;   /* enum search_kind of the best match */
    bool exact; /* the whole key matched (not a tail or a beginning) */
};

/* A filtered list of outbox messages, newest first. Zero fields do not filter. */
struct outbox_query {
    int state; /* enum outbox_state, -1: any */
    int kind;  /* enum outbox_kind, -1: any */
    int64_t order_id;
    int64_t before_id; /* paging: messages with a smaller id */
    int limit;         /* 1..500 */
};

/* Timeline entries of one action across orders, newest first. Zero fields do not filter. */
struct timers_event_query {
    int action;        /* enum action (e.g. ACT_WARN, ACT_SPECIAL_REPORT); required */
    int64_t from, to;  /* at in [from, to) */
    int64_t unit_id;   /* warn: events whose args.units name this unit */
    int64_t before_id; /* paging: events with a smaller id */
    int limit;         /* 1..500 */
};
/* The dashboard's figures (issue 16): counts of orders by one dimension, from the table the
 * backends keep by triggers (store/stats_sql.h), so that a year of a district answers at once. */
enum stats_dim {
    SDIM_CHANNEL,       /* name: the channel; by the day the order was created */
    SDIM_TYPE,          /* key: enum req_type */
    SDIM_CATEGORY,      /* key: the leaf category id */
    SDIM_REGION,        /* key: the region id */
    SDIM_STATUS,        /* key: enum order_status (now) */
    SDIM_UNIT,          /* key: each unit that holds or held the order */
    SDIM_REOPENED,      /* key 1: orders reopened at least once */
    SDIM_SATISFACTION,  /* key: enum satisfaction; by the day the order was closed */
    SDIM_CATEGORY_ROOT, /* key: the category's root (level 1) */
    SDIM_CATEGORY_L2,   /* key: the category's level-2 ancestor (the root itself for a root) */
    SDIM__COUNT
};
struct stats_query {
    int dim;          /* enum stats_dim */
    int64_t from_day; /* local (UTC+8) day numbers, days in [from_day, to_day) */
    int64_t to_day;
    int64_t unit_id;    /* only the orders this unit holds or held; 0: the district */
    bool per_day;       /* one cell per key and day (key[1] = the day), else per key */
    bool each_unit;     /* instead of per_day: one cell per key and unit (key[1] = the unit),
                           from each unit's scope; unit_id ignored; not with SDIM_UNIT */
    int64_t overdue_at; /* > 0: instead, the orders created in the days that are overdue
                           at this instant (as the list's overdue filter), by dim
                           SDIM_UNIT (key: each holding unit) or any other dim as one cell */
};

/* How orders point at another (order_ids_by): merged into it, split from it, a duplicate of it. */
enum order_link { LINK_MASTER, LINK_PARENT, LINK_DUPLICATE_OF, LINK__COUNT };

/* Callback for lists: return 0 to go on, non-zero to stop (that value is returned). */
typedef int (*store_order_cb)(void *ctx, const struct order *o);
typedef int (*store_event_cb)(void *ctx, const struct event *ev);

struct audit_entry {
    int64_t id, at, user_id, order_id;
    char action[32];
    char detail[512];
    char order_number[24]; /* the order's number when order_id is set (audit_query only) */
};

/* What audit_query takes: a page of entries after the cursor (an entry's id; 0: from the first,
 * or with newest_first from the last), kept by every filter given. */
struct audit_query {
    int64_t cursor;
    int limit; /* 1 to 10,000 */
    bool newest_first;
    int64_t user_id, order_id; /* 0: any */
    const char *action;        /* NULL or "": any */
    int64_t from, to;          /* from <= at < to; 0: open */
};

/* An uploaded attachment (recording, photo, document). */
struct stored_file {
    char id[33];
    char name[256];
    char type[128];
    int64_t size, at, user_id;
    char sha256[65];
};

/* An issued report (issue 11): an immutable snapshot of a report document. */
struct report_rec {
    int64_t id;
    int kind;        /* enum report_kind */
    char period[24]; /* struct report_period key */
    int64_t unit_id; /* the unit of a unit report, else 0 */
    int edition;     /* 1, then 2, 3 ... when the same period is issued again */
    int64_t from, to, issued_at;
    int64_t issued_by; /* user id; 0: the scheduler */
    char issued_by_name[64];
    char title[192];
    char *doc; /* the JSON document (free()); NULL in lists */
};
/* Which issued reports a list takes, newest first. */
struct report_query {
    int kind;           /* enum report_kind, -1: any */
    const char *period; /* NULL: any */
    int64_t unit_id;    /* 0: any */
    int64_t before_id;  /* paging: reports with a smaller id */
    int limit;          /* 1..500 */
};

/* A list of knowledge-base versions (issue 11). Zero/NULL fields do not filter. */
struct kb_query {
    int64_t id;             /* this version only */
    int64_t entry_id;       /* the versions of this entry */
    int64_t unit_id;        /* the owner unit */
    int64_t category_id;    /* one of the version's categories is this one or below it */
    unsigned statuses;      /* KB_BIT()s of enum kb_status; 0: any */
    bool latest;            /* only the newest version of each entry */
    int64_t in_force_at;    /* only versions in force (published and valid) at this instant */
    int64_t expires_before; /* only versions with 0 < valid_to < this */
    /* text: only published versions whose question, answer or basis match, most relevant
     * first (the question weighs most). Every group must match (as in order search), or with
     * any, any token of any group (a complaint's text against short entries). */
    const struct st_query *match;
    bool any;
    int offset, limit; /* versions to skip, versions to return (1..500) */
};

/* A unit's use of the knowledge base over a period (the kb indicators), see core/kb.h. */
typedef int (*store_kb_stats_cb)(void *ctx, const struct kb_unit_stats *st);

/* The assessment's records (issue 5; store/assess_store.h folds, computes and validates). */
/* One event as the fold reads it: names as stored, the payload as the JSON text stored. */
struct assess_event_row {
    int64_t id, order_id, version, at, actor_unit;
    const char *action, *status_before, *status_after; /* NULL when absent */
    const char *payload;
    size_t payload_len;
};
/* Which events assess_events reads (every bound is optional). */
struct assess_event_query {
    int64_t order_lo, order_hi; /* orders with order_lo <= id < order_hi; order_hi 0: no bound */
    int64_t after, upto;        /* events with after < id <= upto; upto 0: no bound */
    const char *action;         /* only this action; NULL: any */
};
typedef int (*store_assess_event_cb)(void *ctx, const struct assess_event_row *r);
/* A fact row: one order and responsible unit, keyed by the time the unit received it; data is
 * the encoded struct fact_case (core/indicators.h), which holds the key again. Written with the
 * key; read back, only data is given (recv, order_id, unit_id are 0: decode data), and the
 * order's number and title when asked. */
struct assess_fact_row {
    int64_t recv, order_id, unit_id;
    const void *data;
    size_t size;
    const char *number, *title;
};
/* Which fact rows assess_facts reads: recv in [from, to) (0: open), of one unit and one order
 * (0: any); with_order adds the order's number and title and sorts by recv, then order. */
struct assess_fact_query {
    int64_t from, to, unit_id, order_id;
    bool with_order;
};
typedef int (*store_assess_fact_cb)(void *ctx, const struct assess_fact_row *r);
/* An order not filed as a duplicate of another (反复举报): source repeats target since at. */
struct assess_repeat {
    int64_t source_id, target_id, at;
};
enum assess_appeal_status { APPEAL_PENDING, APPEAL_UPHELD, APPEAL_REJECTED };
/* An appeal with its decision (status pending: no decision). Texts are owned (free() with
 * assess_appeal_rec_release); indicators and evidence are JSON arrays as text. */
struct assess_appeal_rec {
    int64_t id, order_id, unit_id, filed_by, filed_at;
    char number[24]; /* the order's number ("" if unknown) */
    char *indicators, *reason, *evidence;
    int status; /* enum assess_appeal_status */
    int64_t decided_by, decided_at;
    char *note;
};
/* Which appeals assess_appeal_list reads, newest first: one (id), a unit's (0: all), of a
 * status (-1: any). */
struct assess_appeal_query {
    int64_t id, unit_id;
    int status;
};
/* A manual item (deduction, bonus, year-end points) and its cancellation, if any. Texts owned
 * (assess_item_rec_release). order_id 0: none. */
struct assess_item_rec {
    int64_t id, unit_id, on_day, order_id, by_user, at;
    char kind[32];
    double points;
    char *note;
    bool cancelled;
    char *cancel_reason;
};
/* A stored version of a scheme; doc owned (assess_scheme_rec_release). */
struct assess_scheme_rec {
    int64_t id, by_user, at;
    char name[32];
    char *doc;
};

/* A value of a copied row (dump_table / load_rows): SQL NULL, an integer (booleans 0/1), a real,
 * text (p, n bytes, not NUL-terminated necessarily) or bytes (p, n). */
enum store_vtype { SV_NULL, SV_INT, SV_REAL, SV_TEXT, SV_BLOB };
struct store_value {
    enum store_vtype type;
    int64_t i;
    double d;
    const char *p;
    size_t n;
};
/* One row of a table: n columns, their names and values. */
struct store_row {
    int n;
    const char *const *cols;
    const struct store_value *v;
};
typedef int (*store_row_cb)(void *ctx, const struct store_row *row);

/* The tables a copy moves, in dependency order (a table after those it refers to), with the
 * columns that order its rows; declared once (tables.c) for both backends. The search indexes
 * are not listed: they are derived, and load_finish rebuilds them. */
struct store_table {
    const char *name;
    const char *order_by;
    bool rowid; /* the id column is SQLite's implicit rowid (a column "id" elsewhere) */
};
extern const struct store_table store_tables[];
extern const int store_n_tables;
/* The entry of store_tables named name, or NULL. */
const struct store_table *store_table_find(const char *name);

struct store_ops {
    void (*close)(struct store *s);
    int (*migrate)(struct store *s, struct js_error *e);
    int (*schema_version)(struct store *s, int *out);

    int (*begin)(struct store *s);
    int (*commit)(struct store *s);
    int (*rollback)(struct store *s);
    /* Deferred commit (an idempotent request's answer stored by the commit of its action):
     * after txn_hold, the first begin on this handle opens a transaction that its commit does not
     * end; begins, commits and rollbacks inside it act on nested levels (savepoints), so an
     * action that fails still rolls back alone. txn_finish(commit) then commits all of it, or
     * rolls all of it back, and ends the hold (0 when nothing was opened). Writes made outside
     * begin/commit are not held. txn_hold must not be called inside a transaction. */
    int (*txn_hold)(struct store *s);
    int (*txn_finish)(struct store *s, bool commit);
    /* One action's transaction handed over whole (issue 13): runs fn(s, arg) inside a
     * transaction of its own and commits it when fn returns 0, returning once it is durable (0,
     * or the commit's error); when fn fails its writes are rolled back and its result returned.
     * fn may run on another thread while the caller waits (a group writer runs the transactions
     * queued for it one after the other, without handing the write lock from thread to thread):
     * it must use only s and arg, and must not begin or end transactions itself. Inside a held
     * transaction (txn_hold) it is a nested level, as begin and commit are. Call outside a
     * transaction. */
    int (*txn_run)(struct store *s, int (*fn)(struct store *s, void *arg), void *arg);
    /* Work a write can do before its transaction (issue 13): computes what the backend derives
     * from texts (an order's title, text, address: the search-index tokens) and keeps the last
     * few for this thread, so that an order_insert or order_update inside the next transaction
     * finds them ready instead of computing them while it holds the write lock. NULL and ""
     * are skipped; a failure only means they are computed later. Call outside a transaction. */
    int (*text_warm)(struct store *s, const char *const *texts, int n);

    /* counters, e.g. key "order:20261122" for order numbers: 1, 2, 3... per key. next_seq's
     * increment belongs to the caller's transaction (undone when it rolls back). seq_take gives
     * each value once but may leave gaps: on PostgreSQL a value taken inside a transaction is
     * committed at once on a connection of its own, so that concurrent transactions (intakes)
     * do not queue on the counter's row until each commits; on SQLite (one writer) it is
     * next_seq. */
    int (*next_seq)(struct store *s, const char *key, int64_t *out);
    int (*seq_take)(struct store *s, const char *key, int64_t *out);

    /* orders: insert assigns o->id unless it is set (an id from order_id_take); update writes
     * every field and succeeds only if the stored version is expected_version (else
     * -JS_ECONFLICT). Update compares o with the stored row to write only what changed: stored,
     * when not NULL, is that row as read at expected_version (the engine's copy), so that the
     * backend need not read it again (issue 13); every write of an order raises its version, so
     * the copy of a version is the row. A stored of another id or version is -JS_EINVAL. */
    int (*order_insert)(struct store *s, struct order *o);
    /* An id for an order inserted later in the same transaction, so that the engine writes a
     * new order once, whole, at the end of its action (issue 13). Ids taken and never inserted
     * leave gaps. Only inside a transaction; every backend has it. */
    int (*order_id_take)(struct store *s, int64_t *id);
    int (*order_update)(struct store *s, const struct order *o, const struct order *stored,
                        int64_t expected_version);
    int (*order_get)(struct store *s, int64_t id, struct order *out);
    int (*order_get_by_number)(struct store *s, const char *number, struct order *out);
    int (*order_query)(struct store *s, const struct order_query *q, store_order_cb cb, void *ctx,
                       char *next_cursor, size_t cursor_size);
    /* The backend's query plan of q's page (issue 13), appended to out as text, one line per
     * plan node; for tests and benchmarks that check a list walks the intended index. */
    int (*order_query_plan)(struct store *s, const struct order_query *q, struct buf *out);
    int (*order_each)(struct store *s, store_order_cb cb, void *ctx);
    /* the orders linked to order `value` by `link` (enum order_link), by id, at most max */
    int (*order_ids_by)(struct store *s, int link, int64_t value, int64_t *ids, int max, int *n);
    int (*order_count_by_status)(struct store *s, int64_t counts[ST__COUNT]);

    /* events: append assigns ev->id */
    int (*event_append)(struct store *s, struct event *ev);
    int (*event_each)(struct store *s, int64_t order_id, store_event_cb cb, void *ctx);

    /* organisation; *_put inserts when id == 0 (assigning it), else updates */
    int (*unit_put)(struct store *s, struct unit *u);
    int (*unit_get)(struct store *s, int64_t id, struct unit *out);
    int (*unit_get_by_code)(struct store *s, const char *code, struct unit *out);
    int (*unit_list)(struct store *s, struct unit **out, int *n); /* *out: free() */
    int (*user_put)(struct store *s, struct user *u);
    int (*user_get)(struct store *s, int64_t id, struct user *out);
    int (*user_get_by_login)(struct store *s, const char *login, struct user *out);
    int (*user_list)(struct store *s, struct user **out, int *n);
    int (*region_put)(struct store *s, struct region *r);
    int (*region_get)(struct store *s, int64_t id, struct region *out);
    int (*region_list)(struct store *s, struct region **out, int *n);
    int (*category_put)(struct store *s, struct category *c);
    int (*category_get)(struct store *s, int64_t id, struct category *out);
    int (*category_list)(struct store *s, struct category **out, int *n);
    int (*catalogue_put)(struct store *s, struct catalogue_entry *c);
    int (*catalogue_delete)(struct store *s, int64_t id);
    int (*catalogue_list)(struct store *s, struct catalogue_entry **out, int *n);
    /* the unit for a category in a region: the most specific match walking up both trees */
    int (*catalogue_lookup)(struct store *s, int64_t category_id, int64_t region_id,
                            struct catalogue_entry *out);

    /* settings: key → JSON text (e.g. "policy") */
    int (*setting_get)(struct store *s, const char *key, char **out); /* *out: free() */
    int (*setting_put)(struct store *s, const char *key, const char *json);

    /* sessions: token_hash is hex sha256 of the bearer token */
    int (*session_put)(struct store *s, const char *token_hash, int64_t user_id,
                       int64_t expires_at);
    /* the user of the session token_hash if it is live at now (active or not), in one lookup:
     * every authenticated request makes it. -JS_ENOTFOUND: no such session, or expired. */
    int (*session_get)(struct store *s, const char *token_hash, int64_t now, struct user *out);
    int (*session_delete)(struct store *s, const char *token_hash);
    /* deletes every session of user_id but keep_hash's (NULL: every one); sets *n (may be NULL)
     * to how many were deleted */
    int (*session_delete_user)(struct store *s, int64_t user_id, const char *keep_hash, int *n);

    /* failed logins, so that the limiter survives a restart: key is a kind letter ('L' login,
     * 'A' address) and the text; put also forgets every failure before forget_before; each
     * calls cb for every failure at or after since, oldest first */
    int (*login_failure_put)(struct store *s, const char *key, int64_t at, int64_t forget_before);
    int (*login_failure_clear)(struct store *s, const char *key);
    int (*login_failure_each)(struct store *s, int64_t since,
                              int (*cb)(void *ctx, const char *key, int64_t at), void *ctx);

    /* audit trail: append-only */
    int (*audit_append)(struct store *s, struct audit_entry *a);
    int (*audit_list)(struct store *s, int64_t after_id, int limit, struct audit_entry **out,
                      int *n);
    /* the entries q takes, with their orders' numbers, into *out (free()), *n of them;
     * -JS_EINVAL for a limit out of range */
    int (*audit_query)(struct store *s, const struct audit_query *q, struct audit_entry **out,
                       int *n);

    /* idempotency: a stored response for (user, key) */
    int (*idem_get)(struct store *s, int64_t user_id, const char *key, char **req_hash, int *status,
                    char **body);
    int (*idem_put)(struct store *s, int64_t user_id, const char *key, const char *req_hash,
                    int status, const char *body, int64_t at);

    /* notifications outbox (issue 4): stores m as pending, assigning m->id, inside the current
     * transaction, so that a message is kept exactly when the event that causes it is. NULL in
     * a backend without an outbox (the engine then queues nothing). See store/timers_store.h
     * for delivery. */
    int (*outbox_put)(struct store *s, struct outbox_msg *m);

    /* outbox delivery and chasing lists (timers; store/timers_store.h documents each) */
    int (*outbox_list)(struct store *s, const struct outbox_query *q, struct outbox_list *out);
    int (*outbox_get)(struct store *s, int64_t id, struct outbox_msg *out);
    int (*outbox_counts)(struct store *s, int64_t counts[OBS__COUNT]);
    int (*outbox_claim)(struct store *s, int64_t now, int64_t lease_seconds, int max,
                        struct outbox_list *out);
    int (*outbox_renew)(struct store *s, const int64_t *ids, int n, int64_t until);
    int (*outbox_sent)(struct store *s, int64_t id, int64_t now);
    int (*outbox_failed)(struct store *s, int64_t id, const char *error, int64_t next_at,
                         bool give_up);
    int (*outbox_release)(struct store *s, int64_t id);
    /* the feedback to the city platform (outbox kinds upstream_*, issue 15) counted at now by
     * outcome against its order's upstream deadline: counts[UFB_*] (pending and failed count
     * every such message, the *_LATE ones those of them past the deadline) */
    int (*upstream_feedback_counts)(struct store *s, int64_t now, int64_t counts[UFB__COUNT]);
    int (*outbox_retry)(struct store *s, int64_t id, int64_t now);
    int (*events_by_action)(struct store *s, const struct timers_event_query *q,
                            struct event_list *out);

    /* Bulk loading (the demo): when on, commits may reach the disk later than they return (a
     * crash can lose the last ones, never corrupt); turning it off makes everything committed
     * so far durable before it returns. Off by default. */
    int (*set_bulk)(struct store *s, bool on);
    /* Full planner statistics of every table, read from all rows (never a sample): after a bulk
     * load (demo, copy, benchmarks) so that plans are made on accurate figures (issue 13). */
    int (*analyze)(struct store *s);

    /* attachments: file bodies by an opaque id (32 hex characters); file_get fills *data
     * (free()) and the metadata; -JS_ENOTFOUND when absent */
    int (*file_put)(struct store *s, const struct stored_file *f, const void *data);
    int (*file_get)(struct store *s, const char *id, struct stored_file *f, void **data);
    /* the orders whose attachments refer to file id (their url holds /api/v1/files/ID), at most
     * max of them into ids, *n set; kept up to date by order_insert and order_update */
    int (*file_orders)(struct store *s, const char *id, int64_t *ids, int max, int *n);

    /* search (issue 9): fills hits (room for q->limit) with the matching orders in the order of
     * relevance, sets *n and *more (there are hits after these) */
    int (*order_search)(struct store *s, const struct search_query *q, struct search_hit *hits,
                        int *n, bool *more);

    /* named binary blobs (trained models, by key such as "model:category"): blob_put replaces
     * the blob of key; blob_get fills *data (free()), *size and *at, -JS_ENOTFOUND when absent */
    int (*blob_put)(struct store *s, const char *key, const void *data, size_t size, int64_t at);
    int (*blob_get)(struct store *s, const char *key, void **data, size_t *size, int64_t *at);

    /* ---- reports (issue 11) ------------------------------------------------------------------
     * report_count: counts of the orders f takes (struct report_filter of core/report.h),
     *   grouped by dim1 and then dim2 (enum report_dim; RDIM_NONE: not grouped), into *out
     *   (free()), *n cells; a text key (the channel) goes to name, numbers to key[0], key[1].
     * report_event_counts: how many events of each action happened in [f->from, f->to) on the
     *   orders f->unit_id holds or held (0: any); counts[] is overwritten.
     * report_order_ids: the ids of the orders f takes, most serious first (level, reopens,
     *   newest), at most max (and f->limit when set), *n set.
     * report_put: stores an issued report as it is, never to change (the backend refuses any
     *   update or deletion); assigns r->id and r->edition (one more than the highest edition of
     *   the same kind, period and unit). first_only: -JS_EEXISTS if any edition exists (the
     *   scheduler's "issue once"). Call inside a transaction.
     * report_get: one report with its document into *out (release with report_rec_release),
     *   -JS_ENOTFOUND when absent.
     * report_list: the reports q takes, newest first, without documents (*out: free()). */
    int (*report_count)(struct store *s, const struct report_filter *f, int dim1, int dim2,
                        struct report_cell **out, int *n);
    int (*report_event_counts)(struct store *s, const struct report_filter *f,
                               int64_t counts[ACT__COUNT]);
    int (*report_order_ids)(struct store *s, const struct report_filter *f, int64_t *ids, int max,
                            int *n);
    int (*report_put)(struct store *s, struct report_rec *r, bool first_only);
    /* stats_count (issue 16): the counts q asks for into *out (free()), *n cells, cells with
     * a count of 0 left out: key[0] the key (name for the channel), key[1] the day when
     * per_day. -JS_EINVAL for a dim out of range. */
    int (*stats_count)(struct store *s, const struct stats_query *q, struct report_cell **out,
                       int *n);
    /* Moves the counts the triggers appended since the last fold into the table stats_count
     * reads, in a transaction of its own (PostgreSQL, where the triggers append them; NULL where
     * they are counted in place). stats_count folds first as well; the scheduler folds at every
     * tick so that what a fold has to move stays bounded when nobody reads the counts. */
    int (*stats_fold)(struct store *s);
    int (*report_get)(struct store *s, int64_t id, struct report_rec *out);
    int (*report_list)(struct store *s, const struct report_query *q, struct report_rec **out,
                       int *n);
    /* knowledge base (issue 11; core/kb.h). Versions are rows: kb_put inserts k when k->id is
     * 0 (assigning id, and entry_id = id when entry_id is 0), else rewrites it; the text index
     * holds exactly the published versions. kb_get fills out (release with kb_entry_release),
     * -JS_ENOTFOUND when absent. kb_list appends the versions matching q to out (newest entry
     * first, versions newest first; by relevance when q->match) and sets *more. kb_use records
     * that the direct answer of order_id cited version id at `at` (uses + 1), inside the
     * action's transaction. kb_stats calls cb for every unit owning entries, with its versions
     * in force at cutoff, its entries out of date at cutoff and the citations in [from, to). */
    int (*kb_put)(struct store *s, struct kb_entry *k);
    int (*kb_get)(struct store *s, int64_t id, struct kb_entry *out);
    int (*kb_list)(struct store *s, const struct kb_query *q, struct kb_list *out, bool *more);
    int (*kb_use)(struct store *s, int64_t id, int64_t order_id, int64_t at);
    int (*kb_stats)(struct store *s, int64_t from, int64_t to, int64_t cutoff, store_kb_stats_cb cb,
                    void *ctx);
    /* hotspot early warning (issue 11; core/hotspot.h). Topics: topic_put inserts when id == 0
     * (assigning it) else replaces (-JS_ENOTFOUND when absent), -JS_EEXISTS when another topic
     * has the name; topic_list fills *out (free()) by id; topic_delete keeps the topic's
     * warnings (their topic_id becomes 0). Warnings: warning_insert stores w with its evidence
     * and recipients inside the current transaction (assigning w->id; state open), and fails
     * with -JS_EEXISTS when the topic already has a warning of that rule with the same digest;
     * warning_get fills *out (evidence owned: hotspot_warning_release); warning_list appends
     * the matching warnings to *out (n of them; free() each with hotspot_warning_release and
     * then the array), newest first — with from/to it is the list of warnings raised in
     * [from, to) that the daily report (每日早报) reads; warned_orders gives every order of the
     * earlier warnings of a topic (0: of every topic) and rule (*ids: free()); warning_state sets
     * the state with its time (acked_at or closed_at). Notes: note_add assigns n->id; note_list
     * fills *out (free()), oldest first. */
    int (*hotspot_topic_put)(struct store *s, struct hotspot_topic *t);
    int (*hotspot_topic_get)(struct store *s, int64_t id, struct hotspot_topic *out);
    int (*hotspot_topic_list)(struct store *s, struct hotspot_topic **out, int *n);
    int (*hotspot_topic_delete)(struct store *s, int64_t id);
    int (*hotspot_warning_insert)(struct store *s, struct hotspot_warning *w);
    int (*hotspot_warning_get)(struct store *s, int64_t id, struct hotspot_warning *out);
    int (*hotspot_warning_list)(struct store *s, const struct hotspot_warning_query *q,
                                struct hotspot_warning **out, int *n);
    int (*hotspot_warned_orders)(struct store *s, int64_t topic_id, int rule, int64_t **ids,
                                 int *n);
    int (*hotspot_warning_state)(struct store *s, int64_t id, int state, int64_t at);
    int (*hotspot_note_add)(struct store *s, struct hotspot_note *n);
    int (*hotspot_note_list)(struct store *s, int64_t warning_id, struct hotspot_note **out,
                             int *n);
    /* ---- assessment (issue 5; store/assess_store.h) ------------------------------------------
     * The fact projection is derived from the events and rebuilt at will; appeals, decisions,
     * items, cancellations and stored schemes are append-only (the backend refuses updates and
     * deletions).
     * assess_state: the last event folded (*last, -1 before the first fold), the highest event
     *   id and the highest order id with events. Inside a transaction it also makes sure every
     *   event up to *max_event is committed and that no event with a smaller id can appear until
     *   the transaction ends (SQLite: the write lock; PostgreSQL: a lock on events).
     * assess_mark: records last as the last event folded.
     * assess_events: calls cb for every event q takes, by order id then version.
     * assess_repeats_put: records the repeats v (a source's newer repeat replaces its older);
     *   reset forgets every recorded one first.
     * assess_repeats_get: the repeats of targets in [lo, hi), by target then at (*out: free()).
     * assess_facts_put: replaces the fact rows of the orders in [lo, hi) by v (n rows).
     * assess_facts: calls cb for every fact row q takes.
     * assess_appeal_put: stores an appeal (its status and decision ignored), assigning a->id;
     *   -JS_EEXISTS when the unit has a pending appeal of the same order.
     * assess_appeal_decide: -JS_ENOTFOUND when there is no such appeal, -JS_EEXISTS when it is
     *   decided already.
     * assess_appeal_list: the appeals q takes into *out (assess_appeal_rec_release each, then
     *   free()).
     * assess_item_put: stores an item (not cancelled), assigning it->id.
     * assess_item_cancel: -JS_ENOTFOUND when there is no such item, -JS_EEXISTS when it is
     *   cancelled already.
     * assess_item_list: items dated in [from, to) (0: open) of a unit (0: any), by date then id;
     *   live: without the cancelled ones (release as appeals).
     * assess_scheme_put: stores a new version of a scheme (doc: JSON text), assigning r->id.
     * assess_scheme_get: the newest version of scheme name (NULL: of every stored scheme, by
     *   name) into *out (*n of them, 0 when none; release as appeals). */
    int (*assess_state)(struct store *s, int64_t *last, int64_t *max_event, int64_t *max_order);
    int (*assess_mark)(struct store *s, int64_t last);
    int (*assess_events)(struct store *s, const struct assess_event_query *q,
                         store_assess_event_cb cb, void *ctx);
    int (*assess_repeats_put)(struct store *s, bool reset, const struct assess_repeat *v, int n);
    int (*assess_repeats_get)(struct store *s, int64_t lo, int64_t hi, struct assess_repeat **out,
                              int *n);
    int (*assess_facts_put)(struct store *s, int64_t lo, int64_t hi,
                            const struct assess_fact_row *v, int n);
    int (*assess_facts)(struct store *s, const struct assess_fact_query *q, store_assess_fact_cb cb,
                        void *ctx);
    int (*assess_appeal_put)(struct store *s, struct assess_appeal_rec *a);
    int (*assess_appeal_decide)(struct store *s, int64_t id, bool upheld, const char *note,
                                int64_t by_user, int64_t at);
    int (*assess_appeal_list)(struct store *s, const struct assess_appeal_query *q,
                              struct assess_appeal_rec **out, int *n);
    int (*assess_item_put)(struct store *s, struct assess_item_rec *it);
    int (*assess_item_cancel)(struct store *s, int64_t id, const char *reason, int64_t by_user,
                              int64_t at);
    int (*assess_item_list)(struct store *s, int64_t unit_id, int64_t from, int64_t to, bool live,
                            struct assess_item_rec **out, int *n);
    int (*assess_scheme_put)(struct store *s, struct assess_scheme_rec *r);
    int (*assess_scheme_get)(struct store *s, const char *name, struct assess_scheme_rec **out,
                             int *n);
    /* ---- copying a database between backends (issue 12; cli/cmd_copy.c) ----------------------
     * Every table of store_tables, by name, as rows of typed values (struct store_row).
     * dump_table: calls cb for every row of table name in the table's key order (store_tables'
     *   order_by); the row's texts live until cb returns. -JS_EINVAL for a name not listed.
     * load_rows: inserts rows into table name as they are (ids included), in one transaction of
     *   its own (bulk: the caller copies in batches); -JS_EINVAL for an unknown table or column,
     *   -JS_EEXISTS for a key that is there already.
     * load_finish: after the last load: sets every id sequence past the greatest id copied and
     *   rebuilds the search indexes (orders, their notes, the published knowledge base) from the
     *   copied rows, in one transaction.
     * read_snapshot(on): the dump_table calls that follow, until read_snapshot(off), read one
     *   consistent state of the whole database while its writers go on (a read-only transaction;
     *   SQLite: the WAL snapshot, PostgreSQL: REPEATABLE READ). Nothing else is called on the
     *   handle meanwhile. */
    /* ---- coordination records (issue 14 point 8; core/coord.h) --------------------------------
     * meeting_add: stores a coordination meeting and its links to m->orders (every one must
     *   exist: -JS_EINVAL otherwise), setting m->id; records are never changed afterwards.
     * meeting_list: the meetings linked to order_id (0: any order), or the one meeting id (0:
     *   any), newest first, at most limit, into *out (meeting_free_all), each with all its
     *   orders.
     * acct_add: stores an accountability record (问责), setting a->id.
     * acct_list: the records of order_id and/or unit_id, or the one record id (0: any), newest
     *   first, at most limit (*out: free()). */
    int (*meeting_add)(struct store *s, struct meeting *m);
    int (*meeting_list)(struct store *s, int64_t order_id, int64_t id, int limit,
                        struct meeting **out, int *n);
    int (*acct_add)(struct store *s, struct acct_rec *a);
    int (*acct_list)(struct store *s, int64_t order_id, int64_t unit_id, int64_t id, int limit,
                     struct acct_rec **out, int *n);
    int (*dump_table)(struct store *s, const char *name, store_row_cb cb, void *ctx);
    int (*load_rows)(struct store *s, const char *name, const struct store_row *rows, int n);
    int (*load_finish)(struct store *s);
    int (*read_snapshot)(struct store *s, bool on);
};

/* Frees the document of a report record (the record itself is the caller's). Accepts NULL. */
void report_rec_release(struct report_rec *r);
/* Free the texts of the assessment's records (the records themselves are the caller's). Accept
 * NULL. */
void assess_appeal_rec_release(struct assess_appeal_rec *a);
void assess_item_rec_release(struct assess_item_rec *it);
void assess_scheme_rec_release(struct assess_scheme_rec *r);

struct store {
    const struct store_ops *ops;
};

/* Opens a store from a location: a file path or "sqlite:PATH" for SQLite, a libpq URL
 * "postgres://USER@HOST:PORT/DB" (or "postgresql://...") for PostgreSQL. *out is freed with
 * store_close. */
int store_open(const char *location, struct store **out, struct js_error *e);
/* How many threads should have their writes waiting on a store at location at once, for a
 * server's default (issue 13). SQLite: 64, since its group writer runs the waiting transactions
 * one after the other and commits them together, and the threads prepare the next ones
 * meanwhile (measured: 16 threads kept file + dispatch under 4,200/s over HTTP, 64 reached
 * 5,400-5,700/s). PostgreSQL: 16, since each is a connection of the database server's own. */
int store_writers_default(const char *location);

/* location as it may be shown to people and logs: the password of a URL's user part and the
 * value of any password= parameter replaced by ***, cut to fit out (n bytes). */
void store_location_shown(const char *location, char *out, size_t n);
/* Closes a store. Accepts NULL. */
void store_close(struct store *s);

/* The SQLite backend (store_sqlite.c). */
int store_sqlite_open(const char *path, struct store **out, struct js_error *e);
/* The PostgreSQL backend (store_pg.c): url is a libpq connection URL. */
int store_pg_open(const char *url, struct store **out, struct js_error *e);

#endif
