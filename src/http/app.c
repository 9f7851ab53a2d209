/* The application behind `jiesu serve`: per-thread store handles and engines, the bearer-token
 * guard, idempotent POSTs, and the helpers shared by the resource files. */
#include "compat.h"
#include "http/app.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "http/res_assess.h"
#include "http/res_files.h"
#include "http/res_kb.h"
#include "http/res_open311.h"
#include "http/res_self.h"
#include "http/res_upstream.h"
#include "http/res_report.h"
#include "http/res_search.h"
#include "http/res_stats.h"
#include "http/res_coord.h"
#include "http/res_hotspot.h"
#include "http/res_suggest.h"
#include "http/res_timers.h"
#include "http/static.h"
#include "store/store.h"
#include "util/jfield.h"
#include "util/shipped.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Copies src into dst (size n): valid UTF-8 sequences as they are, any other byte as '?', cut
 * on a character boundary, so that text from requests can always be stored and shown. */
static void utf8_clean(char *dst, size_t n, const char *src)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t o = 0;
    while (*p) {
        size_t len = *p < 0x80                           ? 1
                     : (*p & 0xE0) == 0xC0 && *p >= 0xC2 ? 2
                     : (*p & 0xF0) == 0xE0               ? 3
                     : (*p & 0xF8) == 0xF0 && *p <= 0xF4 ? 4
                                                         : 0;
        for (size_t i = 1; i < len; i++)
            if ((p[i] & 0xC0) != 0x80)
                len = 0;
        if (o + (len ? len : 1) >= n)
            break;
        if (len) {
            memcpy(dst + o, p, len);
            o += len;
            p += len;
        } else {
            dst[o++] = '?';
            p++;
        }
    }
    dst[o] = '\0';
}

int64_t app_now(const struct app *a)
{
    return jclock_now(a->cfg.clock);
}

int app_query_time(const struct http_request *req, struct http_response *res, const char *name,
                   int64_t *out)
{
    const char *v = http_query(req, name);
    *out = 0;
    if (!v || !v[0])
        return 0;
    if (jtime_parse(v, out) == 0)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s 须为日期（如2026-11-22）或日期时间", name);
    http_error(res, -JS_EINVAL, name, msg);
    return -JS_EINVAL;
}

uint64_t app_change_seq(void *ap)
{
    struct app *a = ap;
    struct app_ctx *c = NULL;
    struct js_error e;
    int64_t last = 0, max_event = 0, max_order = 0;
    js_error_clear(&e);
    /* assess_state outside a transaction: three reads of an index's end, no lock */
    if (app_ctx_get(a, &c, &e) == 0 &&
        c->store->ops->assess_state(c->store, &last, &max_event, &max_order) == 0)
        atomic_store(&a->change_seq, (uint64_t)max_event);
    return atomic_load(&a->change_seq);
}

bool app_is_unit_role(int role)
{
    return role == ROLE_UNIT_OPERATOR || role == ROLE_UNIT_LEADER;
}

static void ctx_free(struct app_ctx *c)
{
    if (!c)
        return;
    if (c->store)
        engine_release(&c->engine);
    store_close(c->store);
    free(c);
}

int app_ctx_get(struct app *a, struct app_ctx **out, struct js_error *e)
{
    struct app_ctx *c = pthread_getspecific(a->key);
    int rc = 0;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return js_fail(e, JS_ENOMEM, "", NULL);
        unsigned gen = atomic_load(&a->policy_gen);
        rc = store_open(a->db, &c->store, e);
        if (rc) {
            free(c);
            return rc;
        }
        const struct shipped *sh;
        rc = shipped_default(&sh, e);
        if (!rc)
            rc = engine_init(&c->engine, c->store, sh, a->cfg.clock, e);
        if (rc) {
            store_close(c->store);
            free(c);
            return rc;
        }
        c->engine.on_acceptance = res_self_on_acceptance; /* the citizen's query code */
        c->policy_gen = gen;
        pthread_mutex_lock(&a->lock);
        c->next = a->ctxs;
        a->ctxs = c;
        pthread_mutex_unlock(&a->lock);
        pthread_setspecific(a->key, c);
    } else {
        unsigned gen = atomic_load(&a->policy_gen);
        if (gen != c->policy_gen) {
            struct engine fresh;
            const struct shipped *sh;
            rc = shipped_default(&sh, e);
            if (!rc)
                rc = engine_init(&fresh, c->store, sh, a->cfg.clock, e);
            if (rc)
                return rc;
            engine_release(&c->engine);
            c->engine = fresh;
            c->engine.on_acceptance = res_self_on_acceptance;
            c->policy_gen = gen;
        }
    }
    *out = c;
    return 0;
}

struct app_ctx *app_current(struct app *a)
{
    return pthread_getspecific(a->key);
}

int app_route_docs(struct app *a, const struct route_doc *docs, int n)
{
    if (a->n_doc_tables == APP_MAX_DOC_TABLES)
        return -JS_ETOOLARGE;
    a->doc_tables[a->n_doc_tables] = docs;
    a->doc_counts[a->n_doc_tables] = n;
    a->n_doc_tables++;
    return 0;
}

void app_policy_changed(struct app *a)
{
    atomic_fetch_add(&a->policy_gen, 1);
}

int app_require_roles(const struct app_ctx *c, unsigned mask, struct http_response *res)
{
    if (c->authed && c->who.role >= 0 && c->who.role < ROLE__COUNT &&
        (mask & ROLE_BIT(c->who.role)))
        return 0;
    http_error(res, -JS_EFORBIDDEN, "", "your role may not do this");
    return -JS_EFORBIDDEN;
}

int app_body(const struct http_request *req, const char *const *allowed, bool allow_empty,
             json_t **out, struct http_response *res)
{
    struct js_error e;
    js_error_clear(&e);
    *out = NULL;
    json_t *j = NULL;
    int rc;
    if (allow_empty && req->body_len == 0) {
        j = json_object();
        if (!j) {
            http_error(res, -JS_ENOMEM, "", NULL);
            return -JS_ENOMEM;
        }
    } else {
        rc = http_body_json(req, &j, &e);
        if (rc) {
            http_error_from(res, &e);
            return rc;
        }
    }
    rc = allowed ? jf_known(j, allowed, &e) : 0;
    if (rc) {
        json_decref(j);
        http_error_from(res, &e);
        return rc;
    }
    *out = j;
    return 0;
}

struct query_check {
    const char *const *allowed;
    const char *unknown;
};

static int query_check_one(void *ctx, const char *name, const char *value)
{
    JS_UNUSED(value);
    struct query_check *q = ctx;
    for (const char *const *p = q->allowed; *p; p++)
        if (strcmp(*p, name) == 0)
            return 0;
    q->unknown = name;
    return 1;
}

int app_query_known(const struct http_request *req, const char *const *allowed,
                    struct http_response *res)
{
    struct query_check q = {allowed, NULL};
    if (!http_query_foreach(req, query_check_one, &q))
        return 0;
    char name[64], msg[160];
    utf8_clean(name, sizeof name, q.unknown);
    snprintf(msg, sizeof msg, "未知的查询参数“%s”", name);
    http_error(res, -JS_EUNKNOWN_FIELD, name, msg);
    return -JS_EUNKNOWN_FIELD;
}

int app_parse_id(const char *s, int64_t *out)
{
    if (!s || !s[0] || strlen(s) > 16)
        return -JS_EINVAL;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -JS_EINVAL;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0 || v > ((int64_t)1 << 53))
        return -JS_EINVAL;
    *out = v;
    return 0;
}

int app_str_field(const json_t *obj, const char *key, bool required, size_t maxchars, char *dst,
                  size_t dst_size, struct js_error *e)
{
    const char *s = NULL;
    int rc = jf_str(obj, key, required, maxchars, &s, e);
    if (rc || !s)
        return rc;
    size_t n = strlen(s);
    if (n >= dst_size)
        return js_fail(e, JS_ETOOLONG, key, "'%s' is longer than %zu bytes", key, dst_size - 1);
    memcpy(dst, s, n + 1);
    return 0;
}

/* The Chinese name of what a store call was about (the handlers name it in English). */
static const char *what_zh(const char *what)
{
    static const char *const names[][2] = {
        {"audit entry", "审计记录"},
        {"audit trail", "审计日志"},
        {"cannot store the file", "文件"},
        {"catalogue entry", "职责目录条目"},
        {"catalogue", "职责目录"},
        {"categories", "分类"},
        {"category", "分类"},
        {"file", "文件"},
        {"hotspot topic", "预警专题"},
        {"hotspot topics", "预警专题"},
        {"hotspot warning", "预警"},
        {"hotspot warnings", "预警"},
        {"idempotency record", "幂等记录"},
        {"knowledge base entry", "知识库条目"},
        {"knowledge base", "知识库"},
        {"message", "消息"},
        {"no such file", "文件"},
        {"order", "工单"},
        {"orders", "工单"},
        {"outbox", "待发消息"},
        {"region", "区域"},
        {"regions", "区域"},
        {"report", "报告"},
        {"reports", "报告"},
        {"session", "登录会话"},
        {"special reports", "专报"},
        {"synonyms", "同义词"},
        {"timeline", "办理记录"},
        {"unit", "单位"},
        {"units", "单位"},
        {"user", "用户"},
        {"users", "用户"},
        {"warnings", "预警"},
    };
    for (size_t i = 0; what && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], what) == 0)
            return names[i][1];
    return what ? what : "";
}

void app_store_error(struct http_response *res, int rc, const char *field, const char *what)
{
    char msg[160];
    what = what_zh(what);
    if (rc == -JS_ENOTFOUND)
        snprintf(msg, sizeof msg, "%s不存在", what);
    else if (rc == -JS_EEXISTS)
        snprintf(msg, sizeof msg, "%s已存在", what);
    else if (rc == -JS_EBUSY)
        snprintf(msg, sizeof msg, "数据库繁忙，请稍后再试");
    else
        snprintf(msg, sizeof msg, "无法保存%s：%s", what, js_err_message(rc));
    http_error(res, rc, (rc == -JS_ENOTFOUND || rc == -JS_EEXISTS) ? field : "", msg);
}

int app_audit_append(struct app_ctx *c, int64_t user_id, int64_t order_id, const char *action,
                     const char *detail)
{
    struct audit_entry a;
    memset(&a, 0, sizeof a);
    a.user_id = user_id;
    a.order_id = order_id;
    a.at = jclock_now(c->engine.clock);
    snprintf(a.action, sizeof a.action, "%s", action);
    utf8_clean(a.detail, sizeof a.detail, detail ? detail : "");
    return c->store->ops->audit_append(c->store, &a);
}

struct audit_txn {
    struct app_ctx *c;
    int64_t user_id, order_id;
    const char *action, *detail;
};

static int audit_in_txn(struct store *s, void *arg)
{
    const struct audit_txn *t = arg;
    (void)s; /* t->c->store */
    return app_audit_append(t->c, t->user_id, t->order_id, t->action, t->detail);
}

int app_audit(struct app_ctx *c, int64_t user_id, int64_t order_id, const char *action,
              const char *detail)
{
    /* a record of its own, handed over whole: it joins the writes' next group */
    struct audit_txn t = {c, user_id, order_id, action, detail};
    return c->store->ops->txn_run(c->store, audit_in_txn, &t);
}

json_t *app_time_json(int64_t t)
{
    if (t <= 0)
        return json_null();
    char buf[32];
    jtime_format(t, buf, sizeof buf);
    return json_string_nocheck(buf); /* ASCII of our own making */
}

json_t *app_user_json(const struct user *u)
{
    bool valid_role = u->role >= 0 && u->role < ROLE__COUNT;
    return json_pack("{sI ss ss ss ss so ss sb}", "id", (json_int_t)u->id, "login", u->login,
                     "name", u->name, "role", valid_role ? js_role_names[u->role] : "",
                     "role_label", valid_role ? js_role_labels[u->role] : "", "unit_id",
                     u->unit_id ? json_integer(u->unit_id) : json_null(), "phone", u->phone,
                     "active", u->active);
}

/* --- authentication and idempotency ------------------------------------------------------ */

static void unauthorized(struct http_response *res, const char *message)
{
    http_error(res, -JS_EUNAUTH, "", message);
    http_response_header(res, "WWW-Authenticate", "Bearer");
}

static int authenticate(struct app *a, struct app_ctx *c, struct http_request *req,
                        struct http_response *res)
{
    const char *token = auth_bearer(http_header(req, "Authorization"));
    if (!token) {
        unauthorized(res, "login required: send Authorization: Bearer <token>");
        return -JS_EUNAUTH;
    }
    if (!auth_token_wellformed(token)) {
        unauthorized(res, "malformed bearer token");
        return -JS_EUNAUTH;
    }
    if (auth_token_digest(token, c->token_hash)) {
        http_error(res, -JS_EINTERNAL, "", NULL);
        return -JS_EINTERNAL;
    }
    /* the session and its user in one lookup */
    int rc = c->store->ops->session_get(c->store, c->token_hash, app_now(a), &c->user);
    if (rc == -JS_ENOTFOUND) {
        unauthorized(res, "the session has expired or was logged out: log in again");
        return -JS_EUNAUTH;
    }
    if (rc) {
        app_store_error(res, rc, "", "session");
        return rc;
    }
    if (!c->user.active) {
        unauthorized(res, "this account is disabled");
        return -JS_EUNAUTH;
    }
    memset(&c->who, 0, sizeof c->who);
    c->who.user_id = c->user.id;
    c->who.role = c->user.role;
    c->who.unit_id = app_is_unit_role(c->user.role) ? c->user.unit_id : 0;
    snprintf(c->who.name, sizeof c->who.name, "%s", c->user.name);
    c->authed = true;
    req->user_id = c->user.id;
    return 0;
}

/* SHA-256 of method, path and body, as hex: what an Idempotency-Key is bound to. */
static void request_hash(const struct http_request *req, char out[AUTH_TOKEN_HEX])
{
    crypto_hash_sha256_state st;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)req->method, strlen(req->method));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)req->path, strlen(req->path));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)req->body, req->body_len);
    crypto_hash_sha256_final(&st, d);
    sodium_bin2hex(out, AUTH_TOKEN_HEX, d, sizeof d);
}

static bool idem_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > APP_IDEM_KEY_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

/* Replays a stored answer, refuses a reused key with another request, or marks the request so
 * app_handle stores its answer. Returns 0 to run the handler. */
/* Claims (user, key) for this request: 0, -JS_ECONFLICT if another request holds it, or
 * -JS_EBUSY when APP_MAX_INFLIGHT are in flight. */
static int inflight_claim(struct app *a, int64_t user_id, const char *key)
{
    int rc = 0;
    pthread_mutex_lock(&a->lock);
    for (int i = 0; !rc && i < a->n_inflight; i++)
        if (a->inflight[i].user_id == user_id && strcmp(a->inflight[i].key, key) == 0)
            rc = -JS_ECONFLICT;
    if (!rc && a->n_inflight == APP_MAX_INFLIGHT)
        rc = -JS_EBUSY;
    if (!rc) {
        a->inflight[a->n_inflight].user_id = user_id;
        snprintf(a->inflight[a->n_inflight].key, sizeof a->inflight[0].key, "%s", key);
        a->n_inflight++;
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

static void inflight_release(struct app *a, int64_t user_id, const char *key)
{
    pthread_mutex_lock(&a->lock);
    for (int i = 0; i < a->n_inflight; i++)
        if (a->inflight[i].user_id == user_id && strcmp(a->inflight[i].key, key) == 0) {
            a->inflight[i] = a->inflight[--a->n_inflight];
            break;
        }
    pthread_mutex_unlock(&a->lock);
}

static int idempotency(struct app *a, struct app_ctx *c, struct http_request *req,
                       struct http_response *res)
{
    const char *key = http_header(req, "Idempotency-Key");
    if (!key || strcmp(req->method, "POST") != 0)
        return 0;
    if (!idem_key_ok(key)) {
        http_error(res, -JS_EINVAL, "Idempotency-Key",
                   "Idempotency-Key must be 1 to 128 printable ASCII characters");
        return -JS_EINVAL;
    }
    char hash[AUTH_TOKEN_HEX];
    request_hash(req, hash);
    char *stored_hash = NULL, *body = NULL;
    int status = 0;
    /* claim first, then look: a first try that ends between the two cannot be missed */
    int claim = inflight_claim(a, c->user.id, key);
    if (claim) {
        http_error(res, claim, "Idempotency-Key",
                   claim == -JS_ECONFLICT
                       ? "a request with this Idempotency-Key is still being processed: retry"
                       : "too many idempotent requests at once: retry");
        return claim;
    }
    memcpy(c->idem_key, key, strlen(key) + 1);
    c->idem_claimed = true;
    int rc = c->store->ops->idem_get(c->store, c->user.id, key, &stored_hash, &status, &body);
    if (rc == -JS_ENOTFOUND) {
        /* the action's transaction is held open until the answer is stored with it
         * (idempotency_store): a crash loses both or keeps both */
        rc = c->store->ops->txn_hold(c->store);
        if (rc) {
            app_store_error(res, rc, "", "idempotency record");
            goto out;
        }
        c->idem_pending = true;
        memcpy(c->idem_hash, hash, sizeof hash);
        return 0;
    }
    if (rc) {
        app_store_error(res, rc, "", "idempotency record");
        goto out;
    }
    if (strcmp(stored_hash ? stored_hash : "", hash) != 0) {
        rc = -JS_EINVAL;
        http_error(res, rc, "Idempotency-Key",
                   "this Idempotency-Key was used for a different request");
        goto out;
    }
    rc = 1;
    if (body && body[0])
        http_text(res, status, HTTP_JSON_TYPE, body);
    else
        http_empty(res, status);
    http_response_header(res, "Idempotent-Replayed", "true");
out:
    free(stored_hash);
    free(body);
    return rc;
}

/* The same key sent to two servers at once (a shared database): both ran the request, the
 * other stored its answer first, and this one's work has just been rolled back with its answer's
 * insert. Answers with the stored answer, as a retry would get it; false when there is none or it
 * was for a different request (the caller then answers with the error). */
static bool replay_stored(struct app_ctx *c, struct http_response *res)
{
    char *stored_hash = NULL, *body = NULL;
    int status = 0;
    bool done = false;
    if (c->store->ops->idem_get(c->store, c->user.id, c->idem_key, &stored_hash, &status, &body) ==
            0 &&
        strcmp(stored_hash ? stored_hash : "", c->idem_hash) == 0) {
        http_response_release(res); /* its headers (Location...) named the undone work */
        http_response_init(res);
        if (body && body[0])
            http_text(res, status, HTTP_JSON_TYPE, body);
        else
            http_empty(res, status);
        http_response_header(res, "Idempotent-Replayed", "true");
        done = true;
    }
    free(stored_hash);
    free(body);
    return done;
}

/* Stores the answer of an idempotent request in the transaction its action opened (held since
 * idempotency()), and commits both at once; an answer not worth keeping (5xx, a streamed file)
 * rolls the held work back, so that a retry runs the request afresh. */
static void idempotency_store(struct app *a, struct app_ctx *c, struct http_response *res)
{
    int st = res->status;
    struct store *s = c->store;
    bool keep = ((st >= 200 && st < 300) || (st >= 400 && st < 500)) && res->fd < 0;
    int rc = 0;
    if (keep) {
        const char *body = res->body.len ? res->body.data : "";
        rc = s->ops->begin(s);
        if (!rc) {
            rc = s->ops->idem_put(s, c->user.id, c->idem_key, c->idem_hash, st, body, app_now(a));
            rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
        }
    }
    int frc = s->ops->txn_finish(s, keep && !rc);
    if (keep && rc == -JS_EEXISTS && !frc && replay_stored(c, res))
        return;
    if (keep && (rc || frc))
        http_error(res, rc ? rc : frc, "",
                   (rc ? rc : frc) == -JS_EBUSY ? "数据库繁忙，请重试"
                                                : "无法保存处理结果，请重试");
}

static int guard(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (req->route_flags & APP_PUBLIC)
        return 0;
    int rc = authenticate(a, c, req, res);
    if (rc)
        return rc;
    return idempotency(a, c, req, res);
}

/* --- the handler ------------------------------------------------------------------------- */

static bool routed_path(const char *p)
{
    return has_prefix(p, "/api/") || strcmp(p, "/api") == 0 || strcmp(p, "/healthz") == 0 ||
           strcmp(p, "/metrics") == 0 || has_prefix(p, RES_OPEN311_PREFIX);
}

void app_handle(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    if (!routed_path(req->path)) {
        if (a->web) {
            static_serve(a->web, req, res);
        } else {
            req->route = "static";
            http_error(res, -JS_ENOTFOUND, "", "no web root is configured");
        }
        return;
    }
    struct js_error e;
    js_error_clear(&e);
    struct app_ctx *c = NULL;
    int rc = app_ctx_get(a, &c, &e);
    if (rc) {
        fprintf(stderr, "jiesu: cannot open the store: %s\n", e.message);
        http_error(res, -JS_EBUSY, "", "the database is not available");
        return;
    }
    c->authed = false;
    c->idem_pending = false;
    c->idem_claimed = false;
    memset(&c->user, 0, sizeof c->user);
    memset(&c->who, 0, sizeof c->who);
    c->token_hash[0] = '\0';
    router_dispatch(a->router, a, req, res);
    if (c->idem_pending)
        idempotency_store(a, c, res);
    if (c->idem_claimed)
        inflight_release(a, c->user.id, c->idem_key);
    c->idem_claimed = false;
    /* the password hash never outlives the request */
    sodium_memzero(c->user.pwhash, sizeof c->user.pwhash);
    c->idem_pending = false;
}

/* --- lifetime ---------------------------------------------------------------------------- */

int app_new(const struct app_config *cfg, struct app **out, struct js_error *e)
{
    *out = NULL;
    if (!cfg->db || !cfg->db[0])
        return js_fail(e, JS_EINVAL, "db", "no database given");
    struct app *a = calloc(1, sizeof *a);
    if (!a)
        return js_fail(e, JS_ENOMEM, "", NULL);
    int rc = 0;
    a->cfg = *cfg;
    if (a->cfg.token_seconds <= 0)
        a->cfg.token_seconds = 8 * 3600;
    if (a->cfg.login_max_failures == 0)
        a->cfg.login_max_failures = 5;
    if (a->cfg.login_window_s <= 0)
        a->cfg.login_window_s = 900;
    pthread_mutex_init(&a->lock, NULL);
    atomic_init(&a->policy_gen, 0);
    if (pthread_key_create(&a->key, NULL)) {
        pthread_mutex_destroy(&a->lock);
        free(a);
        return js_fail(e, JS_EINTERNAL, "", "cannot create a thread key");
    }
    a->db = strdup(cfg->db);
    if (!a->db) {
        rc = js_fail(e, JS_ENOMEM, "", NULL);
        goto fail;
    }
    a->cfg.db = a->db;
    if (auth_init()) {
        rc = js_fail(e, JS_EINTERNAL, "", "libsodium failed to initialise");
        goto fail;
    }
    rc = auth_limiter_new(a->cfg.login_max_failures, a->cfg.login_window_s, a->cfg.clock,
                          &a->limiter);
    if (rc) {
        js_fail(e, rc, "", "cannot create the login limiter");
        goto fail;
    }
    if (cfg->web && cfg->web[0]) {
        rc = static_root_open(cfg->web, &a->web, e);
        if (rc)
            goto fail;
    }
    rc = metrics_new(&a->metrics);
    if (rc) {
        js_fail(e, rc, "", "cannot create the metrics");
        goto fail;
    }
    metrics_set_gauges(a->metrics, res_ops_gauges, a);
    rc = router_new(&a->router);
    if (rc) {
        js_fail(e, rc, "", "cannot create the router");
        goto fail;
    }
    router_set_guard(a->router, guard);
    if ((rc = res_ops_routes(a->router)) || (rc = res_auth_routes(a->router)) ||
        (rc = res_orders_routes(a->router)) || (rc = res_admin_routes(a->router)) ||
        (rc = res_timers_register(a)) || (rc = res_files_register(a)) ||
        (rc = res_assess_register_app(a)) || (rc = res_suggest_register(a)) ||
        (rc = res_search_register(a)) || (rc = res_kb_register(a)) ||
        (rc = res_report_register(a)) || (rc = res_hotspot_register(a)) ||
        (rc = res_open311_register(a)) || (rc = res_self_register(a)) ||
        (rc = res_upstream_register(a)) || (rc = res_stats_register(a)) ||
        (rc = res_coord_register(a))) {
        js_fail(e, rc, "", "cannot register the routes");
        goto fail;
    }
    struct app_ctx *c;
    rc = app_ctx_get(a, &c, e);
    if (rc)
        goto fail;
    rc = res_auth_limiter_load(a);
    if (rc) {
        js_fail(e, rc, "", "cannot read the failed logins");
        goto fail;
    }
    *out = a;
    return 0;
fail:
    app_free(a);
    return rc;
}

void app_free(struct app *a)
{
    if (!a)
        return;
    struct app_ctx *c = a->ctxs;
    while (c) {
        struct app_ctx *next = c->next;
        ctx_free(c);
        c = next;
    }
    a->ctxs = NULL;
    pthread_setspecific(a->key, NULL);
    pthread_key_delete(a->key);
    pthread_mutex_destroy(&a->lock);
    router_free(a->router);
    metrics_free(a->metrics);
    auth_limiter_free(a->limiter);
    static_root_free(a->web);
    res_suggest_free(a);
    free(a->db);
    free(a);
}
