/* The application behind `jiesu serve`: configuration, router, metrics and login limiter, one
 * store handle and engine per worker thread, the bearer-token guard, idempotent POSTs, and the
 * helpers the resource files (res_*.c) share. */
#ifndef JIESU_HTTP_APP_H
#define JIESU_HTTP_APP_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/org.h"
#include "http/router.h"
#include "http/server.h"
#include "util/auth.h"
#include "util/err.h"
#include "util/jtime.h"

struct metrics;
struct static_root;
struct learn_slot;

/* Route flag: no login needed (login, health, metrics, the API document). */
#define APP_PUBLIC 1u

/* Role sets for app_require_roles(). */
#define ROLE_BIT(r) (1u << (r))
#define ROLES_PLATFORM                                                                             \
    (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_REVIEWER) |                  \
     ROLE_BIT(ROLE_CALLBACK) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN) |                  \
     ROLE_BIT(ROLE_AUDITOR) | ROLE_BIT(ROLE_LEADER))
#define ROLES_UNIT (ROLE_BIT(ROLE_UNIT_OPERATOR) | ROLE_BIT(ROLE_UNIT_LEADER))

#define APP_IDEM_KEY_MAX 128 /* longest Idempotency-Key accepted, in bytes */
#define APP_MAX_INFLIGHT 256 /* idempotent requests processed at once, at most */

struct app_config {
    const char *db;              /* store location (file path or sqlite:PATH); required */
    const char *web;             /* web root for non-API paths; NULL or "": none (404) */
    int64_t token_seconds;       /* session lifetime; 0 means 8 hours */
    unsigned login_max_failures; /* failed logins per login / address; 0 means 5 */
    int64_t login_window_s;      /* window of the limiter; 0 means 900 (15 min) */
    const struct jclock *clock;  /* NULL: the system clock */
};

/* Per worker thread: its own store handle and engine (a handle serves one thread at a time),
 * and the state of the request the thread is handling. Created lazily by app_ctx_get(). */
struct app_ctx {
    struct store *store;
    struct engine engine;
    unsigned policy_gen; /* app->policy_gen when the engine's policy was loaded */

    /* the current request, reset at its start */
    bool authed;
    struct user user; /* the logged-in user (pwhash included: never send it) */
    struct actor who; /* the same user as the engine's actor */
    char token_hash[AUTH_TOKEN_HEX];
    bool idem_pending; /* a POST with a fresh Idempotency-Key: store the answer */
    bool idem_claimed; /* this request holds its key in app->inflight */
    char idem_key[APP_IDEM_KEY_MAX + 1];
    char idem_hash[AUTH_TOKEN_HEX];

    struct app_ctx *next; /* the app's list of every context, freed by app_free() */
};

/* What the OpenAPI document says about a route beyond its method and pattern. query and body
 * are "name:type" lists separated by commas ('!' after the type: required); body "@intake" or
 * "@action" stands for the lifecycle's fields. ok is the success status (200, 201, 204). */
struct route_doc {
    const char *method, *pattern, *tag, *summary, *who, *query, *body;
    int ok;
};

#define APP_MAX_DOC_TABLES 16

struct app {
    struct app_config cfg;
    char *db; /* owned copy of cfg.db */
    struct router *router;
    struct metrics *metrics;
    struct auth_limiter *limiter;
    struct static_root *web; /* NULL when no web root */
    pthread_key_t key;
    pthread_mutex_t lock; /* guards ctxs */
    struct app_ctx *ctxs;
    atomic_uint policy_gen; /* bumped when the policy changes, so threads reload it */
    const struct route_doc *doc_tables[APP_MAX_DOC_TABLES]; /* other resources' descriptions */
    int doc_counts[APP_MAX_DOC_TABLES];
    int n_doc_tables;
    /* Idempotency keys of requests being processed, so that a retry sent while the first try
     * still runs is told to wait instead of being applied twice. Guarded by lock. */
    struct {
        int64_t user_id;
        char key[APP_IDEM_KEY_MAX + 1];
    } inflight[APP_MAX_INFLIGHT];
    int n_inflight;
    struct learn_slot *models; /* the suggestion models (res_suggest.c), swapped after training */
    atomic_ullong change_seq;  /* app_change_seq()'s last answer */
};

/* Builds the application: copies cfg (the strings it points to must outlive the app, except db
 * which is copied), opens the web root if given, registers every route and the guard, and
 * checks that the store opens and the policy loads (on the calling thread's context). Does not
 * migrate: the caller has done it. Returns 0 and *out, or a negative code with e filled. */
int app_new(const struct app_config *cfg, struct app **out, struct js_error *e);
/* Frees the app and every per-thread context. Stop the server first. Accepts NULL. */
void app_free(struct app *a);

/* The server's handler (http_handler_fn): /api/..., /healthz and /metrics go through the
 * router; other paths are static files from the web root. */
void app_handle(void *app, struct http_request *req, struct http_response *res);

/* The calling thread's context, created on first use (store_open of cfg.db, engine_init); the
 * engine is reloaded when the policy changed on another thread. Returns 0 and *out (owned by
 * the app), or a negative code with e filled. */
int app_ctx_get(struct app *a, struct app_ctx **out, struct js_error *e);
/* The calling thread's context once app_handle() has set it up (never NULL inside a handler). */
struct app_ctx *app_current(struct app *a);
/* Tells every thread to reload its policy before its next request (after a policy change). */
void app_policy_changed(struct app *a);

/* The current time of the app's clock. */
int64_t app_now(const struct app *a);
/* The change number for event streams (http_server_config.change_seq): the id of the newest
 * event in the store, which every change of an order appends, whichever server or process made
 * it. On a store error, the number last read. Uses the calling thread's context. */
uint64_t app_change_seq(void *app);
/* True for unit_operator and unit_leader. */
bool app_is_unit_role(int role);
/* 0 if the logged-in user's role is in mask; else fills res with 403 and returns -JS_EFORBIDDEN. */
int app_require_roles(const struct app_ctx *c, unsigned mask, struct http_response *res);

/* Reads the request body as a JSON object whose keys are all in allowed (NULL-terminated; NULL
 * accepts any key). allow_empty: an empty body reads as {}. Returns 0 and *out (new reference), or
 * fills res with the error (400 bad_json / bad_utf8 / unknown_field) and returns the negative code.
 */
int app_body(const struct http_request *req, const char *const *allowed, bool allow_empty,
             json_t **out, struct http_response *res);
/* 0 if every query parameter of req is in allowed (NULL-terminated); else fills res with 400
 * unknown_field naming the first other one and returns -JS_EUNKNOWN_FIELD. */
int app_query_known(const struct http_request *req, const char *const *allowed,
                    struct http_response *res);
/* An optional date or date-time query parameter name of req (as jtime_parse reads it) into *out
 * (0 when absent or empty). Returns 0, or fills res with 422 naming it and returns -JS_EINVAL. */
int app_query_time(const struct http_request *req, struct http_response *res, const char *name,
                   int64_t *out);
/* Reads a positive decimal id (1 .. 2^53) from text; returns 0 or -JS_EINVAL. */
int app_parse_id(const char *s, int64_t *out);
/* Reads a string field into a fixed char array: like jf_str, and also -JS_ETOOLONG when the
 * UTF-8 bytes do not fit in dst (dst unchanged when absent). */
int app_str_field(const json_t *obj, const char *key, bool required, size_t maxchars, char *dst,
                  size_t dst_size, struct js_error *e);
/* Fills res with the error of a failed store call (not found → 404 naming field, exists →
 * 409, busy → 503, others → 500). */
void app_store_error(struct http_response *res, int rc, const char *field, const char *what);

/* Appends an audit entry on c's store (inside the caller's transaction if one is open). detail
 * is copied (truncated to fit). Returns 0 or a negative code. */
int app_audit_append(struct app_ctx *c, int64_t user_id, int64_t order_id, const char *action,
                     const char *detail);
/* The same in its own transaction (for reads, logins and logouts). */
int app_audit(struct app_ctx *c, int64_t user_id, int64_t order_id, const char *action,
              const char *detail);

/* Writes t as ISO text into a JSON value; 0 gives null. (New reference.) */
json_t *app_time_json(int64_t t);
/* The public form of a user (no password hash). (New reference.) */
json_t *app_user_json(const struct user *u);

/* Route tables of the resource files; each returns 0 or the first router_add error. */
int res_auth_routes(struct router *r);
/* Reloads the failed logins of the last window from the store into a->limiter (at start-up, on
 * the calling thread's context). Returns 0 or a negative code. */
int res_auth_limiter_load(struct app *a);
int res_orders_routes(struct router *r);
int res_admin_routes(struct router *r);
int res_ops_routes(struct router *r);

/* The gauges /metrics appends (orders by status), for metrics_set_gauges(); ctx is the app. */
int res_ops_gauges(void *app, struct buf *out);

/* Adds a table of n route descriptions (borrowed: static storage) that the OpenAPI document
 * consults after res_ops.c's own, for resources registered outside this set of files. Call
 * before serving. Returns 0 or -JS_ETOOLARGE past APP_MAX_DOC_TABLES tables. */
int app_route_docs(struct app *a, const struct route_doc *docs, int n);

/* The OpenAPI 3.0 document of every route of a's router (new reference, NULL if out of
 * memory). Routes missing from every description table are still listed, marked
 * "x-undocumented": true, so a route cannot silently be left out. */
json_t *res_ops_openapi(const struct app *a);

#endif
