/* The city link over HTTP (issue 15): POST /api/v1/upstream/webhook takes the city's signed
 * messages (core/upstream.h), GET /api/v1/upstream/feedback lists the feedback to the city with
 * what was late or failed and the counts, GET/PUT /api/v1/upstream/link show and set the link. */
#include "compat.h"
#include "http/res_upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outbox.h"
#include "core/upstream.h"
#include "http/respond.h"
#include "store/timers_store.h"

#define ROLES_FEEDBACK                                                                             \
    (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_LEADER) |                    \
     ROLE_BIT(ROLE_AUDITOR) | ROLE_BIT(ROLE_DISPATCHER))
#define FEEDBACK_MAX 5000 /* feedback messages read for one answer, at most (per kind) */

static void webhook(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct upstream_link l;
    struct js_error e;
    json_t *msg = NULL, *answer = NULL;
    js_error_clear(&e);
    int rc = upstream_link_load(c->store, &l);
    if (rc == -JS_ENOTFOUND || (!rc && !l.secret[0])) {
        http_error(res, -JS_ENOTFOUND, "", "本平台未配置市级平台连接");
        return;
    }
    if (rc) {
        app_store_error(res, rc, "", "upstream link");
        return;
    }
    if (upstream_verify(l.secret, http_header(req, UPSTREAM_HDR_TIME),
                        http_header(req, UPSTREAM_HDR_SIG), req->body, req->body_len, app_now(ap),
                        &e)) {
        http_error_from(res, &e);
        return;
    }
    json_error_t jerr;
    msg = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!msg) {
        http_error(res, -JS_EBADJSON, "", "市级消息不是有效的 JSON");
        return;
    }
    rc = upstream_apply(&c->engine, msg, &answer, &e);
    if (rc)
        http_error_from(res, &e);
    else
        http_json(res, json_is_true(json_object_get(answer, "duplicate")) ? 200 : 201, answer);
    json_decref(msg);
}

/* Whether feedback message m is late: sent after the city's deadline, or still unsent (pending
 * or failed) past it. */
static bool late(const struct outbox_msg *m, int64_t deadline, int64_t now)
{
    if (deadline <= 0)
        return false;
    return m->state == OBS_SENT ? m->sent_at > deadline : now > deadline;
}

static void list_feedback(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"only", NULL};
    static const char *const onlys[] = {"all", "late", "failed", "late_or_failed", NULL};
    struct app_ctx *c = app_current(ap);
    if (app_require_roles(c, ROLES_FEEDBACK, res) || app_query_known(req, params, res))
        return;
    const char *only_s = http_query(req, "only");
    int only = 0;
    if (only_s && only_s[0] && (only = js_name_index(onlys, only_s)) < 0) {
        http_error(res, -JS_EINVAL, "only", "only 须为 all、late、failed 或 late_or_failed");
        return;
    }
    int64_t now = app_now(ap);
    json_t *items = json_array();
    struct outbox_list l;
    outbox_list_init(&l);
    int rc = 0;
    bool truncated = false;
    const int kinds[] = {OBK_UPSTREAM_RESULT, OBK_UPSTREAM_CLOSED};
    for (size_t k = 0; k < JS_ARRAY_LEN(kinds) && !rc; k++) {
        struct outbox_query q = {.state = -1, .kind = kinds[k], .limit = 500};
        int read = 0;
        for (;;) {
            l.n = 0;
            rc = timers_outbox_list(c->store, &q, &l);
            if (rc || l.n == 0)
                break;
            for (int i = 0; i < l.n && !rc; i++) {
                const struct outbox_msg *m = &l.v[i];
                struct order o;
                order_init(&o);
                rc = c->store->ops->order_get(c->store, m->order_id, &o);
                if (rc == -JS_ENOTFOUND)
                    rc = 0;
                bool is_late = late(m, o.upstream_deadline, now);
                bool show = only == 0 || (only == 1 && is_late) ||
                            (only == 2 && m->state == OBS_FAILED) ||
                            (only == 3 && (is_late || m->state == OBS_FAILED));
                if (show && !rc)
                    json_array_append_new(
                        items,
                        json_pack("{sI ss ss ss ss s{sI ss} ss so ss si so so so sb ss}", "id",
                                  (json_int_t)m->id, "kind", js_outbox_kind_names[m->kind],
                                  "kind_label", js_outbox_kind_labels[m->kind], "state",
                                  js_outbox_state_names[m->state], "state_label",
                                  js_outbox_state_labels[m->state], "order", "id",
                                  (json_int_t)m->order_id, "number", m->order_number, "upstream_id",
                                  m->to_name, "upstream_deadline",
                                  app_time_json(o.upstream_deadline), "text", m->text, "attempts",
                                  m->attempts, "created_at", app_time_json(m->created_at),
                                  "next_at",
                                  app_time_json(m->state == OBS_PENDING ? m->next_at : 0),
                                  "sent_at", app_time_json(m->sent_at), "late", is_late,
                                  "last_error", m->last_error));
                order_release(&o);
            }
            read += l.n;
            if (l.n < q.limit)
                break;
            if (read >= FEEDBACK_MAX) {
                truncated = true;
                break;
            }
            q.before_id = l.v[l.n - 1].id;
        }
    }
    outbox_list_release(&l);
    int64_t n[UFB__COUNT];
    if (!rc)
        rc = c->store->ops->upstream_feedback_counts(c->store, now, n);
    if (rc) {
        json_decref(items);
        app_store_error(res, rc, "", "feedback");
        return;
    }
    /* the counts are the store's, over every message; past FEEDBACK_MAX messages of a kind the
     * list holds the newest only, and says so */
    http_json(res, 200,
              json_pack("{so sb s{sI sI sI sI sI sI sI}}", "items", items, "truncated", truncated,
                        "counts", "total",
                        (json_int_t)(n[UFB_SENT_ON_TIME] + n[UFB_SENT_LATE] + n[UFB_PENDING] +
                                     n[UFB_FAILED]),
                        "sent_on_time", (json_int_t)n[UFB_SENT_ON_TIME], "sent_late",
                        (json_int_t)n[UFB_SENT_LATE], "pending", (json_int_t)n[UFB_PENDING],
                        "pending_late", (json_int_t)n[UFB_PENDING_LATE], "failed",
                        (json_int_t)n[UFB_FAILED], "failed_late", (json_int_t)n[UFB_FAILED_LATE]));
}

static void get_link(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(req);
    struct app_ctx *c = app_current(ap);
    struct upstream_link l;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    int rc = upstream_link_load(c->store, &l);
    if (rc && rc != -JS_ENOTFOUND) {
        app_store_error(res, rc, "", "upstream link");
        return;
    }
    http_json(res, 200, upstream_link_public(&l));
}

static void put_link(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"url", "secret", "poll_seconds", NULL};
    struct app_ctx *c = app_current(ap);
    struct upstream_link l;
    struct js_error e;
    json_t *body = NULL;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) ||
        app_body(req, allowed, false, &body, res))
        return;
    if (upstream_link_from_json(body, &l, &e)) {
        http_error_from(res, &e);
    } else {
        int rc = upstream_link_save(c->store, &l);
        if (!rc)
            rc = app_audit(c, c->user.id, 0, "upstream_link", "市级平台连接已修改");
        if (rc)
            app_store_error(res, rc, "", "upstream link");
        else
            http_json(res, 200, upstream_link_public(&l));
    }
    json_decref(body);
}

static const struct route_doc docs[] = {
    {"POST", "/api/v1/upstream/webhook", "upstream",
     "A message from the city's 12345 platform, signed with the link's shared secret (headers "
     "X-Upstream-Timestamp: unix seconds, X-Upstream-Signature: hex HMAC-SHA256 of "
     "\"<timestamp>.<body>\"): a new order (type order), 市级督办 (supervise; written: 书面督办), "
     "市级重办 (reopen), "
     "the city's callback result (callback); applied once per message id (a repeat answers 200 "
     "with duplicate true)",
     "the city platform (signature)", NULL,
     "id:string!,type:string!,upstream_id:string!,deadline:string,order:object,reason:string,"
     "satisfaction:string,solved:boolean,contacted:boolean,unreachable:boolean,written:boolean",
     201},
    {"GET", "/api/v1/upstream/feedback", "upstream",
     "The feedback sent or to send to the city (000 art. 13) with the city's deadline of each "
     "order, whether it is late (sent after it, or unsent past it) and the counts: on time, "
     "late, pending, pending past the deadline, failed; only=late|failed|late_or_failed filters "
     "the list (the newest 5,000 of each kind; truncated says when there were more; the counts "
     "cover every message)",
     "admin, supervisor, leader, auditor, dispatcher", "only:string", NULL, 200},
    {"GET", "/api/v1/upstream/link", "upstream",
     "The city link: base URL, poll interval, whether a secret is set", "admin", NULL, NULL, 200},
    {"PUT", "/api/v1/upstream/link", "upstream",
     "Sets the city link: base URL (feedback POSTed to URL/feedback, the feed read from URL/feed), "
     "the shared secret (16-127 bytes), the poll interval in seconds (0: webhook only)",
     "admin", NULL, "url:string!,secret:string!,poll_seconds:integer", 200},
};

int res_upstream_register(struct app *a)
{
    int rc;
    if ((rc = router_add_flags(a->router, "POST", "/api/v1/upstream/webhook", webhook,
                               APP_PUBLIC)) ||
        (rc = router_add(a->router, "GET", "/api/v1/upstream/feedback", list_feedback)) ||
        (rc = router_add(a->router, "GET", "/api/v1/upstream/link", get_link)) ||
        (rc = router_add(a->router, "PUT", "/api/v1/upstream/link", put_link)))
        return rc;
    return app_route_docs(a, docs, (int)JS_ARRAY_LEN(docs));
}
