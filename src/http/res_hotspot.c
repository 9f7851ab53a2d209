/* Hotspot early warning over the API: topics (read by platform roles, edited by the centre's
 * managers, audited), a scan on demand, and the warnings inbox of recipients with the evidence
 * orders and the follow-up (签收, 处置反馈, 办结). */
#include "compat.h"
#include "http/res_hotspot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "http/app.h"
#include "http/respond.h"
#include "store/hotspot_scan.h"
#include "util/jtime.h"

#define ROLES_TOPIC_ADMIN (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SUPERVISOR))

static const char *const no_params[] = {NULL};
static const char *const list_params[] = {"from",   "to",     "state", "topic_id",
                                          "cursor", "before", "limit", NULL};
static const char *const text_fields[] = {"text", NULL};

/* ---- shared -------------------------------------------------------------------------------- */

static int path_id(const struct http_request *req, struct http_response *res, const char *what,
                   int64_t *id)
{
    if (app_parse_id(http_param(req, "id"), id) == 0)
        return 0;
    char msg[64];
    snprintf(msg, sizeof msg, "没有这个%s", what);
    http_error(res, -JS_ENOTFOUND, "id", msg);
    return -JS_ENOTFOUND;
}

static int query_int(const struct http_request *req, struct http_response *res, const char *name,
                     int64_t max, int64_t *out)
{
    const char *v = http_query(req, name);
    if (!v || !v[0])
        return 0;
    int64_t x;
    if (app_parse_id(v, &x) == 0 && x <= max) {
        *out = x;
        return 0;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "%s 须为1至%lld之间的整数", name, (long long)max);
    http_error(res, -JS_EINVAL, name, msg);
    return -JS_EINVAL;
}

static struct hotspot_actor actor_of(const struct app_ctx *c)
{
    struct hotspot_actor a = {
        .user_id = c->user.id, .role = c->user.role, .unit_id = c->user.unit_id};
    snprintf(a.name, sizeof a.name, "%s", c->user.name);
    return a;
}

static bool ref_exists(void *ctx, int what, int64_t id)
{
    struct store *s = ctx;
    struct category c;
    struct region r;
    struct unit u;
    switch (what) {
    case HOTSPOT_REF_CATEGORY:
        return s->ops->category_get(s, id, &c) == 0;
    case HOTSPOT_REF_REGION:
        return s->ops->region_get(s, id, &r) == 0;
    default:
        return s->ops->unit_get(s, id, &u) == 0;
    }
}

/* ---- topics -------------------------------------------------------------------------------- */

static void list_topics(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_require_roles(c, ROLES_PLATFORM, res) || app_query_known(req, no_params, res))
        return;
    struct hotspot_topic *v = NULL;
    int n = 0;
    int rc = c->store->ops->hotspot_topic_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "hotspot topics");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *j = hotspot_topic_to_json(&v[i]);
        if (j)
            json_object_set_new(j, "updated_at", app_time_json(v[i].updated_at));
        json_array_append_new(items, j);
    }
    free(v);
    json_t *kinds = json_array();
    for (int k = 0; k < HSK__COUNT; k++)
        json_array_append_new(kinds, json_pack("{ss ss}", "name", hotspot_kind_names[k], "label",
                                               hotspot_kind_labels[k]));
    http_json(res, 200, json_pack("{so so}", "items", items, "kinds", kinds));
}

static void get_topic(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    struct hotspot_topic t;
    if (app_require_roles(c, ROLES_PLATFORM, res) || app_query_known(req, no_params, res) ||
        path_id(req, res, "预警专题", &id))
        return;
    int rc = c->store->ops->hotspot_topic_get(c->store, id, &t);
    if (rc == -JS_ENOTFOUND) {
        http_error(res, rc, "id", "没有这个预警专题");
        return;
    }
    if (rc) {
        app_store_error(res, rc, "id", "hotspot topic");
        return;
    }
    json_t *j = hotspot_topic_to_json(&t);
    if (j)
        json_object_set_new(j, "updated_at", app_time_json(t.updated_at));
    http_json(res, 200, j);
}

/* POST (id 0) and PUT: the body's fields over the stored topic (or the defaults). */
static void put_topic(struct app *a, struct http_request *req, struct http_response *res,
                      int64_t id)
{
    struct app_ctx *c = app_current(a);
    struct js_error e;
    struct hotspot_topic t;
    json_t *body = NULL;
    js_error_clear(&e);
    hotspot_topic_init(&t);
    if (app_require_roles(c, ROLES_TOPIC_ADMIN, res) || app_body(req, NULL, false, &body, res))
        return;
    struct store *s = c->store;
    int rc = id ? s->ops->hotspot_topic_get(s, id, &t) : 0;
    if (rc == -JS_ENOTFOUND) {
        http_error(res, rc, "id", "没有这个预警专题");
        goto out;
    }
    if (rc) {
        app_store_error(res, rc, "id", "hotspot topic");
        goto out;
    }
    json_object_del(body, "id"); /* the path names the topic */
    json_object_del(body, "kind_label");
    json_object_del(body, "updated_at");
    struct hotspot_refs refs = {ref_exists, s};
    if ((rc = hotspot_topic_from_json(body, &refs, &t, &e))) {
        http_error_from(res, &e);
        goto out;
    }
    t.id = id;
    t.updated_at = app_now(a);
    rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->hotspot_topic_put(s, &t);
    if (!rc) {
        char detail[160];
        snprintf(detail, sizeof detail, "hotspot topic=%lld name=%s", (long long)t.id, t.name);
        rc = app_audit_append(c, c->user.id, 0, id ? "hotspot_topic_update" : "hotspot_topic_add",
                              detail);
    }
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    if (rc == -JS_EEXISTS) {
        char msg[160];
        snprintf(msg, sizeof msg, "已有名为“%s”的预警专题（name）", t.name);
        http_error(res, rc, "name", msg);
        goto out;
    }
    if (rc) {
        app_store_error(res, rc, "", "hotspot topic");
        goto out;
    }
    json_t *j = hotspot_topic_to_json(&t);
    if (j)
        json_object_set_new(j, "updated_at", app_time_json(t.updated_at));
    if (!id && j) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/hotspots/topics/%lld", (long long)t.id);
        http_response_header(res, "Location", loc);
    }
    http_json(res, id ? 200 : 201, j);
out:
    json_decref(body);
}

static void post_topic(void *ap, struct http_request *req, struct http_response *res)
{
    put_topic(ap, req, res, 0);
}

static void update_topic(void *ap, struct http_request *req, struct http_response *res)
{
    int64_t id;
    if (!path_id(req, res, "预警专题", &id))
        put_topic(ap, req, res, id);
}

static void delete_topic(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || path_id(req, res, "预警专题", &id))
        return;
    struct store *s = c->store;
    int rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->hotspot_topic_delete(s, id);
    if (!rc) {
        char detail[64];
        snprintf(detail, sizeof detail, "hotspot topic=%lld", (long long)id);
        rc = app_audit_append(c, c->user.id, 0, "hotspot_topic_delete", detail);
    }
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    if (rc == -JS_ENOTFOUND) {
        http_error(res, rc, "id", "没有这个预警专题");
        return;
    }
    if (rc) {
        app_store_error(res, rc, "id", "hotspot topic");
        return;
    }
    http_empty(res, 204);
}

/* ---- warnings ------------------------------------------------------------------------------ */

static json_t *unit_names(struct store *s, const int64_t *ids, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        struct unit u;
        bool ok = s->ops->unit_get(s, ids[i], &u) == 0;
        json_array_append_new(
            a, json_pack("{sI ss}", "id", (json_int_t)ids[i], "name", ok ? u.name : ""));
    }
    return a;
}

static json_t *warning_json(struct store *s, const struct hotspot_warning *w, bool detail)
{
    json_t *roles = json_array();
    for (int i = 0; i < w->n_roles; i++)
        json_array_append_new(roles, json_pack("{ss ss}", "name", js_role_names[w->roles[i]],
                                               "label", js_role_labels[w->roles[i]]));
    bool kind_ok = w->kind >= 0 && w->kind < HSK__COUNT;
    bool rule_ok = w->rule >= 0 && w->rule < HSR__COUNT;
    bool state_ok = w->state >= 0 && w->state < HSS__COUNT;
    json_t *j = json_pack(
        "{sI so ss ss ss ss ss ss ss ss so so so si si si sf sf sf ss s{so so} so so}", "id",
        (json_int_t)w->id, "topic_id", w->topic_id ? json_integer(w->topic_id) : json_null(),
        "topic_name", w->topic_name, "kind", kind_ok ? hotspot_kind_names[w->kind] : "",
        "kind_label", kind_ok ? hotspot_kind_labels[w->kind] : "", "rule",
        rule_ok ? hotspot_rule_names[w->rule] : "", "rule_label",
        rule_ok ? hotspot_rule_labels[w->rule] : "", "state",
        state_ok ? hotspot_state_names[w->state] : "", "state_label",
        state_ok ? hotspot_state_labels[w->state] : "", "title", w->title, "raised_at",
        app_time_json(w->raised_at), "from", app_time_json(w->from), "to", app_time_json(w->to),
        "count", w->count, "orders", w->n_evidence, "citizens", w->citizens, "mean", w->mean, "sd",
        w->sd, "limit", w->limit, "digest", w->digest, "recipients", "units",
        unit_names(s, w->units, w->n_units), "roles", roles, "acked_at", app_time_json(w->acked_at),
        "closed_at", app_time_json(w->closed_at));
    if (!j || !detail)
        return j;
    json_t *ev = json_array();
    for (int i = 0; i < w->n_evidence; i++) {
        struct order o;
        order_init(&o);
        if (s->ops->order_get(s, w->evidence[i], &o) == 0) {
            struct region r;
            bool st_ok = o.status >= 0 && o.status < ST__COUNT;
            json_array_append_new(
                ev, json_pack("{sI ss ss ss ss so ss}", "id", (json_int_t)o.id, "number", o.number,
                              "title", o.title ? o.title : "", "status",
                              st_ok ? js_status_names[o.status] : "", "status_label",
                              st_ok ? js_status_labels[o.status] : "", "created_at",
                              app_time_json(o.created_at), "region",
                              o.region_id && s->ops->region_get(s, o.region_id, &r) == 0 ? r.name
                                                                                         : ""));
        }
        order_release(&o);
    }
    json_object_set_new(j, "evidence", ev);
    struct hotspot_note *notes = NULL;
    int n = 0;
    json_t *nj = json_array();
    if (s->ops->hotspot_note_list(s, w->id, &notes, &n) == 0)
        for (int i = 0; i < n; i++) {
            struct unit u;
            bool unit_ok = notes[i].unit_id && s->ops->unit_get(s, notes[i].unit_id, &u) == 0;
            json_array_append_new(
                nj, json_pack("{sI ss ss so ss ss}", "id", (json_int_t)notes[i].id, "kind",
                              hotspot_note_names[notes[i].kind], "kind_label",
                              hotspot_note_labels[notes[i].kind], "at", app_time_json(notes[i].at),
                              "user_name", notes[i].user_name, "unit_name", unit_ok ? u.name : ""));
            json_object_set_new(json_array_get(nj, json_array_size(nj) - 1), "text",
                                json_string(notes[i].text));
        }
    free(notes);
    json_object_set_new(j, "notes", nj);
    return j;
}

/* The warnings c's user may see, with the query's filters. */
static void list_warnings(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct hotspot_warning_query q = {.state = -1, .role = -1, .limit = 50};
    int64_t limit = 50;
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) ||
        app_query_known(req, list_params, res) || app_query_time(req, res, "from", &q.from) ||
        app_query_time(req, res, "to", &q.to) ||
        query_int(req, res, "topic_id", INT64_MAX / 2, &q.topic_id) ||
        query_int(req, res, "before", INT64_MAX / 2, &q.before_id) ||
        query_int(req, res, "cursor", INT64_MAX / 2, &q.before_id) ||
        query_int(req, res, "limit", 500, &limit))
        return;
    q.limit = (int)limit;
    const char *state = http_query(req, "state");
    if (state && state[0] && (q.state = js_name_index(hotspot_state_names, state)) < 0) {
        http_error(res, -JS_EINVAL, "state",
                   "state 须为 open（待签收）、acked（已签收）或 closed（已办结）");
        return;
    }
    struct hotspot_actor a = actor_of(c);
    if (a.role != ROLE_ADMIN && a.role != ROLE_SUPERVISOR) {
        q.visible_only = true;
        bool unit_user = app_is_unit_role(a.role);
        q.unit_id = unit_user ? a.unit_id : 0;
        q.role = unit_user ? -1 : a.role;
    }
    struct hotspot_warning *v = NULL;
    int n = 0;
    int rc = c->store->ops->hotspot_warning_list(c->store, &q, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "hotspot warnings");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(items, warning_json(c->store, &v[i], false));
        hotspot_warning_release(&v[i]);
    }
    json_t *next = n == q.limit && n ? json_sprintf("%lld", (long long)v[n - 1].id) : json_null();
    free(v);
    http_json(res, 200, json_pack("{so so}", "items", items, "next_cursor", next));
}

static void get_warning(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    struct hotspot_warning w;
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) ||
        app_query_known(req, no_params, res) || path_id(req, res, "预警", &id))
        return;
    int rc = c->store->ops->hotspot_warning_get(c->store, id, &w);
    struct hotspot_actor a = actor_of(c);
    if (rc == -JS_ENOTFOUND || (!rc && !hotspot_may_see(&w, &a))) {
        hotspot_warning_release(&w);
        http_error(res, -JS_ENOTFOUND, "id", "没有这条预警");
        return;
    }
    if (rc) {
        app_store_error(res, rc, "id", "hotspot warning");
        return;
    }
    json_t *j = warning_json(c->store, &w, true);
    struct hotspot_note *notes = NULL;
    int n_notes = 0;
    if (j && c->store->ops->hotspot_note_list(c->store, id, &notes, &n_notes) == 0) {
        json_object_set_new(j, "may_ack",
                            json_boolean(w.state != HSS_CLOSED && hotspot_is_recipient(&w, &a) &&
                                         !hotspot_acked_by(notes, n_notes, &a)));
        json_object_set_new(j, "may_follow_up", json_boolean(w.state != HSS_CLOSED));
    }
    free(notes);
    hotspot_warning_release(&w);
    http_json(res, 200, j);
}

static void act(struct app *ap, struct http_request *req, struct http_response *res, int kind)
{
    struct app_ctx *c = app_current(ap);
    struct js_error e;
    int64_t id;
    json_t *body = NULL;
    js_error_clear(&e);
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) || path_id(req, res, "预警", &id) ||
        app_body(req, kind == HSN_ACK ? no_params : text_fields, kind == HSN_ACK, &body, res))
        return;
    const json_t *t = json_object_get(body, "text");
    if (t && !json_is_string(t)) {
        http_error(res, -JS_ETYPE, "text", "处置内容（text）须为文字");
        json_decref(body);
        return;
    }
    struct hotspot_actor a = actor_of(c);
    int rc = hotspot_act(c->store, id, kind, &a, json_string_value(t), app_now(ap), NULL, &e);
    json_decref(body);
    if (rc) {
        http_error_from(res, &e);
        return;
    }
    struct hotspot_warning w;
    rc = c->store->ops->hotspot_warning_get(c->store, id, &w);
    if (rc) {
        app_store_error(res, rc, "id", "hotspot warning");
        return;
    }
    json_t *j = warning_json(c->store, &w, true);
    hotspot_warning_release(&w);
    http_json(res, 200, j);
}

static void ack_warning(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, HSN_ACK);
}

static void follow_up_warning(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, HSN_FOLLOW_UP);
}

static void close_warning(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, HSN_CLOSE);
}

struct raised {
    struct store *s;
    json_t *items;
};

static void on_raise(void *ctx, const struct hotspot_warning *w)
{
    struct raised *r = ctx;
    json_array_append_new(r->items, warning_json(r->s, w, false));
}

static void scan_now(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct js_error e;
    struct hotspot_scan_stats st;
    json_t *body = NULL;
    js_error_clear(&e);
    if (app_require_roles(c, ROLES_TOPIC_ADMIN, res) || app_body(req, no_params, true, &body, res))
        return;
    json_decref(body);
    struct raised r = {c->store, json_array()};
    int rc = hotspot_scan(c->store, app_now(ap), NULL, on_raise, &r, &st, &e);
    if (rc) {
        json_decref(r.items);
        http_error_from(res, &e);
        return;
    }
    app_audit(c, c->user.id, 0, "hotspot_scan", "");
    http_json(res, 200,
              json_pack("{so si si si si si so}", "now", app_time_json(st.now), "topics", st.topics,
                        "orders", st.orders, "raised", st.raised, "repeated", st.repeated,
                        "messages", st.messages, "warnings", r.items));
}

/* ---- registration -------------------------------------------------------------------------- */

static const struct route_doc hotspot_docs[] = {
    {"GET", "/api/v1/hotspots/topics", "hotspot",
     "The watched topics of hotspot early warning (热点预警专题) and the four kinds",
     "platform roles", NULL, NULL, 200},
    {"POST", "/api/v1/hotspots/topics", "hotspot",
     "A new topic: name, kind, keywords/categories/all_orders, regions, rules, recipients",
     "admin, supervisor", NULL,
     "name:string!,kind:string,active:boolean,all_orders:boolean,keywords:array,"
     "categories:array,regions:array,window_days:integer,threshold:integer,growth_days:integer,"
     "growth_k:number,growth_min:integer,citizens_days:integer,citizens_min:integer,"
     "recipients:object",
     201},
    {"GET", "/api/v1/hotspots/topics/{id}", "hotspot", "One topic", "platform roles", NULL, NULL,
     200},
    {"PUT", "/api/v1/hotspots/topics/{id}", "hotspot",
     "Change a topic: the fields given replace the stored ones; the whole is checked again",
     "admin, supervisor", NULL,
     "name:string,kind:string,active:boolean,all_orders:boolean,keywords:array,"
     "categories:array,regions:array,window_days:integer,threshold:integer,growth_days:integer,"
     "growth_k:number,growth_min:integer,citizens_days:integer,citizens_min:integer,"
     "recipients:object",
     200},
    {"DELETE", "/api/v1/hotspots/topics/{id}", "hotspot",
     "Delete a topic (its warnings are kept with its name)", "admin", NULL, NULL, 204},
    {"POST", "/api/v1/hotspots/scan", "hotspot",
     "Run the hotspot scan now (the scheduler runs it every tick); returns the new warnings",
     "admin, supervisor", NULL, NULL, 200},
    {"GET", "/api/v1/hotspots/warnings", "hotspot",
     "Warnings raised, newest first: those sent to the user's unit or role (admin and "
     "supervisor see all); from/to select the raising time",
     "platform roles, unit users",
     "from:string,to:string,state:string,topic_id:integer,cursor:string,before:integer,"
     "limit:integer",
     NULL, 200},
    {"GET", "/api/v1/hotspots/warnings/{id}", "hotspot",
     "One warning with its figures, recipients, evidence orders and follow-up notes",
     "recipients, admin, supervisor", NULL, NULL, 200},
    {"POST", "/api/v1/hotspots/warnings/{id}/ack", "hotspot",
     "Acknowledge (签收) a warning, once per recipient unit or user", "recipients", NULL, NULL,
     200},
    {"POST", "/api/v1/hotspots/warnings/{id}/follow-up", "hotspot",
     "Report what was done (处置反馈)", "recipients, admin, supervisor", NULL, "text:string!", 200},
    {"POST", "/api/v1/hotspots/warnings/{id}/close", "hotspot",
     "Close (办结) a warning with the result", "recipients, admin, supervisor", NULL,
     "text:string!", 200},
};

int res_hotspot_register(struct app *a)
{
    struct router *r = a->router;
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/hotspots/topics", list_topics)) ||
        (rc = router_add(r, "POST", "/api/v1/hotspots/topics", post_topic)) ||
        (rc = router_add(r, "GET", "/api/v1/hotspots/topics/{id}", get_topic)) ||
        (rc = router_add(r, "PUT", "/api/v1/hotspots/topics/{id}", update_topic)) ||
        (rc = router_add(r, "DELETE", "/api/v1/hotspots/topics/{id}", delete_topic)) ||
        (rc = router_add(r, "POST", "/api/v1/hotspots/scan", scan_now)) ||
        (rc = router_add(r, "GET", "/api/v1/hotspots/warnings", list_warnings)) ||
        (rc = router_add(r, "GET", "/api/v1/hotspots/warnings/{id}", get_warning)) ||
        (rc = router_add(r, "POST", "/api/v1/hotspots/warnings/{id}/ack", ack_warning)) ||
        (rc = router_add(r, "POST", "/api/v1/hotspots/warnings/{id}/follow-up",
                         follow_up_warning)) ||
        (rc = router_add(r, "POST", "/api/v1/hotspots/warnings/{id}/close", close_warning)))
        return rc;
    return app_route_docs(a, hotspot_docs, (int)JS_ARRAY_LEN(hotspot_docs));
}
