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

#include "core/order.h"
#include "core/org.h"
#include "core/outbox.h"
#include "text/searchtext.h"
#include "util/err.h"

struct store;

/* A filtered, sorted, paged order list (issue: HTTP API). Zero/NULL fields do not filter. */
enum order_sort { SORT_CREATED_DESC, SORT_CREATED_ASC, SORT_DEADLINE_ASC, SORT_UPDATED_DESC };
struct order_query {
    const int *statuses; /* list of enum order_status */
    int n_statuses;
    int64_t unit_id;     /* orders this unit holds (any assignment, active or not) */
    int64_t category_id; /* this category or any below it */
    int64_t region_id;   /* this region or any below it */
    const char *channel;
    int type, level; /* -1: any */
    int overdue;     /* -1 any, 1 overdue at `now`, 0 not overdue */
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
/* How orders point at another (order_ids_by): merged into it, split from it, a duplicate of it. */
enum order_link { LINK_MASTER, LINK_PARENT, LINK_DUPLICATE_OF, LINK__COUNT };

/* Callback for lists: return 0 to go on, non-zero to stop (that value is returned). */
typedef int (*store_order_cb)(void *ctx, const struct order *o);
typedef int (*store_event_cb)(void *ctx, const struct event *ev);

struct audit_entry {
    int64_t id, at, user_id, order_id;
    char action[32];
    char detail[512];
};

/* An uploaded attachment (recording, photo, document). */
struct stored_file {
    char id[33];
    char name[256];
    char type[128];
    int64_t size, at, user_id;
    char sha256[65];
};

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

    /* counters, e.g. key "order:20261122" for order numbers */
    int (*next_seq)(struct store *s, const char *key, int64_t *out);

    /* orders: insert assigns o->id; update writes every field and succeeds only if the stored
     * version is expected_version (else -JS_ECONFLICT) */
    int (*order_insert)(struct store *s, struct order *o);
    int (*order_update)(struct store *s, const struct order *o, int64_t expected_version);
    int (*order_get)(struct store *s, int64_t id, struct order *out);
    int (*order_get_by_number)(struct store *s, const char *number, struct order *out);
    int (*order_query)(struct store *s, const struct order_query *q, store_order_cb cb, void *ctx,
                       char *next_cursor, size_t cursor_size);
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
    int (*session_get)(struct store *s, const char *token_hash, int64_t now, int64_t *user_id);
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
    int (*outbox_retry)(struct store *s, int64_t id, int64_t now);
    int (*events_by_action)(struct store *s, const struct timers_event_query *q,
                            struct event_list *out);

    /* Bulk loading (the demo): when on, commits may reach the disk later than they return (a
     * crash can lose the last ones, never corrupt); turning it off makes everything committed
     * so far durable before it returns. Off by default. */
    int (*set_bulk)(struct store *s, bool on);

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
};

struct store {
    const struct store_ops *ops;
};

/* Opens a store from a location: a file path or "sqlite:PATH" for SQLite, a libpq URL
 * "postgres://USER@HOST:PORT/DB" (or "postgresql://...") for PostgreSQL. *out is freed with
 * store_close. */
int store_open(const char *location, struct store **out, struct js_error *e);
/* Closes a store. Accepts NULL. */
void store_close(struct store *s);

/* The SQLite backend (store_sqlite.c). */
int store_sqlite_open(const char *path, struct store **out, struct js_error *e);
/* The PostgreSQL backend (store_pg.c): url is a libpq connection URL. */
int store_pg_open(const char *url, struct store **out, struct js_error *e);

#endif
