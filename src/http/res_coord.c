/* Coordination records over the API (issue 14 point 8): coordination meetings attached to the
 * orders they concern, and accountability records (问责). Writes are audited; the units and
 * orders named must exist. See res_coord.h for the routes and who may use them. */
#include "compat.h"
#include "http/res_coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/coord.h"
#include "core/model.h"
#include "http/app.h"
#include "http/respond.h"
#include "store/store.h"

/* Who records a meeting: the centre's dispatchers, supervisors and leaders; who records
 * accountability: supervisors and leaders (002 ch. 9 督办与问责); who reads it: those and the
 * auditors and admins. */
#define ROLES_MEETING_WRITE                                                                        \
    (ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_LEADER))
#define ROLES_ACCT_WRITE (ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_LEADER))
#define ROLES_ACCT_READ  (ROLES_ACCT_WRITE | ROLE_BIT(ROLE_AUDITOR) | ROLE_BIT(ROLE_ADMIN))

static const char *const no_params[] = {NULL};
static const char *const meeting_params[] = {"order_id", "limit", NULL};
static const char *const acct_params[] = {"order_id", "unit_id", "limit", NULL};

/* An optional positive id query parameter (0 when absent); fills res with 422 when bad. */
static int query_id(const struct http_request *req, struct http_response *res, const char *name,
                    int64_t *out)
{
    const char *v = http_query(req, name);
    *out = 0;
    if (!v || !v[0] || app_parse_id(v, out) == 0)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "查询参数 %s 须为正整数编号", name);
    http_error(res, -JS_EINVAL, name, msg);
    return -JS_EINVAL;
}

static int query_limit(const struct http_request *req, struct http_response *res, int *out)
{
    int64_t v = 0;
    *out = 0;
    if (query_id(req, res, "limit", &v))
        return -JS_EINVAL;
    if (v > 500) {
        http_error(res, -JS_EINVAL, "limit", "查询参数 limit 须在 1 到 500 之间");
        return -JS_EINVAL;
    }
    *out = (int)v;
    return 0;
}

/* 0 if unit id exists; else fills res with 422 naming field. */
static int need_unit(struct app_ctx *c, int64_t id, const char *field, struct http_response *res,
                     struct unit *u)
{
    int rc = c->store->ops->unit_get(c->store, id, u);
    if (rc == -JS_ENOTFOUND) {
        char msg[96];
        snprintf(msg, sizeof msg, "单位 %lld 不存在", (long long)id);
        http_error(res, -JS_EINVAL, field, msg);
    } else if (rc) {
        app_store_error(res, rc, field, "单位");
    }
    return rc;
}

/* Whether a unit user may see the records of order_id: its unit holds or held the order. */
static bool unit_sees_order(struct app_ctx *c, int64_t order_id)
{
    struct order o;
    order_init(&o);
    bool seen = false;
    if (order_id && c->who.unit_id && c->store->ops->order_get(c->store, order_id, &o) == 0) {
        for (int i = 0; i < o.n_units; i++)
            seen = seen || o.units[i].unit_id == c->who.unit_id;
        seen = seen || o.preinv_unit_id == c->who.unit_id;
    }
    order_release(&o);
    return seen;
}

/* Adds unit_name to each item of arr that names a unit_id. */
static void name_units(struct app_ctx *c, json_t *arr)
{
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
    {
        struct unit u;
        int64_t id = json_integer_value(json_object_get(item, "unit_id"));
        if (id && c->store->ops->unit_get(c->store, id, &u) == 0)
            json_object_set_new(item, "unit_name", json_string(u.name));
    }
}

/* The meeting's API form with unit names and the numbers of its orders. */
static json_t *meeting_json(struct app_ctx *c, const struct meeting *m)
{
    json_t *j = meeting_to_json(m);
    if (!j)
        return NULL;
    name_units(c, json_object_get(j, "participants"));
    name_units(c, json_object_get(j, "follow_ups"));
    json_t *numbers = json_array();
    for (int i = 0; i < m->n_orders; i++) {
        struct order o;
        order_init(&o);
        if (c->store->ops->order_get(c->store, m->orders[i], &o) == 0)
            json_array_append_new(numbers, json_string(o.number));
        order_release(&o);
    }
    json_object_set_new(j, "order_numbers", numbers);
    return j;
}

/* ---- meetings ------------------------------------------------------------------------------ */

static void post_meeting(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct meeting m;
    struct js_error e;
    json_t *body = NULL;
    meeting_init(&m);
    js_error_clear(&e);
    if (app_require_roles(c, ROLES_MEETING_WRITE, res) || app_body(req, NULL, false, &body, res))
        goto out;
    if (meeting_from_input(body, &m, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    int64_t units[MEETING_MAX_PARTICIPANTS + MEETING_MAX_FOLLOW_UPS];
    int n = meeting_units(&m, units, (int)JS_ARRAY_LEN(units));
    struct unit u;
    for (int i = 0; i < n; i++)
        if (need_unit(c, units[i], "participants", res, &u))
            goto out;
    m.created_by = c->user.id;
    snprintf(m.created_by_name, sizeof m.created_by_name, "%s", c->user.name);
    m.created_at = app_now(a);
    struct store *s = c->store;
    int rc = s->ops->begin(s);
    if (!rc) {
        rc = s->ops->meeting_add(s, &m);
        char detail[96];
        snprintf(detail, sizeof detail, "meeting=%lld kind=%s orders=%d", (long long)m.id,
                 meeting_kind_names[m.kind], m.n_orders);
        if (!rc)
            rc = app_audit_append(c, c->user.id, m.orders[0], "meeting_add", detail);
        if (rc)
            s->ops->rollback(s);
        else
            rc = s->ops->commit(s);
    }
    if (rc == -JS_EINVAL) {
        http_error(res, -JS_EINVAL, "orders", "会议记录关联的工单中有不存在的工单");
        goto out;
    }
    if (rc) {
        app_store_error(res, rc, "", "会议记录");
        goto out;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/meetings/%lld", (long long)m.id);
    http_response_header(res, "Location", loc);
    http_json(res, 201, meeting_json(c, &m));
out:
    json_decref(body);
    meeting_release(&m);
}

static void list_meetings(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t order_id;
    int limit, n = 0;
    struct meeting *v = NULL;
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) ||
        app_query_known(req, meeting_params, res) || query_id(req, res, "order_id", &order_id) ||
        query_limit(req, res, &limit))
        return;
    if (app_is_unit_role(c->who.role) && !unit_sees_order(c, order_id)) {
        http_error(res, -JS_EFORBIDDEN, "order_id", "单位用户只能查看本单位承办工单的会议记录");
        return;
    }
    int rc = c->store->ops->meeting_list(c->store, order_id, 0, limit, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "会议记录");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, meeting_json(c, &v[i]));
    meeting_free_all(v, n);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static void get_meeting(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id = 0;
    int n = 0;
    struct meeting *v = NULL;
    if (app_require_roles(c, ROLES_PLATFORM, res) || app_query_known(req, no_params, res))
        return;
    int rc = app_parse_id(http_param(req, "id"), &id) ? -JS_ENOTFOUND : 0;
    if (!rc)
        rc = c->store->ops->meeting_list(c->store, 0, id, 1, &v, &n);
    if (!rc && n == 0)
        rc = -JS_ENOTFOUND;
    if (rc) {
        meeting_free_all(v, n);
        app_store_error(res, rc, "id", "会议记录");
        return;
    }
    http_json(res, 200, meeting_json(c, &v[0]));
    meeting_free_all(v, n);
}

/* ---- accountability ------------------------------------------------------------------------ */

static json_t *acct_json(struct app_ctx *c, const struct acct_rec *r)
{
    json_t *j = acct_to_json(r);
    struct unit u;
    if (j && c->store->ops->unit_get(c->store, r->unit_id, &u) == 0)
        json_object_set_new(j, "unit_name", json_string(u.name));
    return j;
}

static void post_acct(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct acct_rec r;
    struct js_error e;
    struct unit u;
    json_t *body = NULL;
    js_error_clear(&e);
    if (app_require_roles(c, ROLES_ACCT_WRITE, res) || app_body(req, NULL, false, &body, res))
        goto out;
    if (acct_from_input(body, &r, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (need_unit(c, r.unit_id, "unit_id", res, &u))
        goto out;
    if (r.order_id) {
        struct order o;
        order_init(&o);
        int rc = c->store->ops->order_get(c->store, r.order_id, &o);
        order_release(&o);
        if (rc == -JS_ENOTFOUND) {
            http_error(res, -JS_EINVAL, "order_id", "问责记录关联的工单不存在");
            goto out;
        }
        if (rc) {
            app_store_error(res, rc, "order_id", "order");
            goto out;
        }
    }
    r.recorded_by = c->user.id;
    snprintf(r.recorded_by_name, sizeof r.recorded_by_name, "%s", c->user.name);
    r.at = app_now(a);
    struct store *s = c->store;
    int rc = s->ops->begin(s);
    if (!rc) {
        rc = s->ops->acct_add(s, &r);
        char detail[96];
        snprintf(detail, sizeof detail, "accountability=%lld unit=%lld measure=%s", (long long)r.id,
                 (long long)r.unit_id, acct_measure_names[r.measure]);
        if (!rc)
            rc = app_audit_append(c, c->user.id, r.order_id, "accountability_add", detail);
        if (rc)
            s->ops->rollback(s);
        else
            rc = s->ops->commit(s);
    }
    if (rc) {
        app_store_error(res, rc, "", "问责记录");
        goto out;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/accountability/%lld", (long long)r.id);
    http_response_header(res, "Location", loc);
    http_json(res, 201, acct_json(c, &r));
out:
    json_decref(body);
}

static void list_acct(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t order_id, unit_id;
    int limit, n = 0;
    struct acct_rec *v = NULL;
    if (app_require_roles(c, ROLES_ACCT_READ, res) || app_query_known(req, acct_params, res) ||
        query_id(req, res, "order_id", &order_id) || query_id(req, res, "unit_id", &unit_id) ||
        query_limit(req, res, &limit))
        return;
    int rc = c->store->ops->acct_list(c->store, order_id, unit_id, 0, limit, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "问责记录");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, acct_json(c, &v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static void get_acct(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id = 0;
    int n = 0;
    struct acct_rec *v = NULL;
    if (app_require_roles(c, ROLES_ACCT_READ, res) || app_query_known(req, no_params, res))
        return;
    int rc = app_parse_id(http_param(req, "id"), &id) ? -JS_ENOTFOUND : 0;
    if (!rc)
        rc = c->store->ops->acct_list(c->store, 0, 0, id, 1, &v, &n);
    if (!rc && n == 0)
        rc = -JS_ENOTFOUND;
    if (rc) {
        free(v);
        app_store_error(res, rc, "id", "问责记录");
        return;
    }
    http_json(res, 200, acct_json(c, &v[0]));
    free(v);
}

/* ---- registration -------------------------------------------------------------------------- */

static const struct route_doc coord_docs[] = {
    {"POST", "/api/v1/meetings", "coordination",
     "Record a coordination meeting (会办、联席会议、专题协调会) attached to one or more orders, "
     "with participants, decisions and follow-up items (owner, due)",
     "dispatcher, supervisor, leader", NULL,
     "kind:string!,title:string!,held_at:string!,convener:string!,participants:array!,"
     "decisions:string!,follow_ups:array,orders:array!",
     201},
    {"GET", "/api/v1/meetings", "coordination",
     "Coordination meetings, newest first; order_id: those of one order (unit users: only "
     "orders their unit holds)",
     "platform roles, unit users", "order_id:integer,limit:integer", NULL, 200},
    {"GET", "/api/v1/meetings/{id}", "coordination", "One coordination meeting", "platform roles",
     NULL, NULL, 200},
    {"POST", "/api/v1/accountability", "coordination",
     "Record accountability (问责): the person, the unit, the ground (003 art. 21), the article "
     "applied and the measure (003 art. 22)",
     "supervisor, leader", NULL,
     "order_id:integer,unit_id:integer!,person:string!,reason:string!,article:string!,"
     "measure:string!,note:string",
     201},
    {"GET", "/api/v1/accountability", "coordination",
     "Accountability records, newest first, by order and/or unit",
     "supervisor, leader, auditor, admin", "order_id:integer,unit_id:integer,limit:integer", NULL,
     200},
    {"GET", "/api/v1/accountability/{id}", "coordination", "One accountability record",
     "supervisor, leader, auditor, admin", NULL, NULL, 200},
};

int res_coord_register(struct app *a)
{
    struct router *r = a->router;
    int rc;
    if ((rc = router_add(r, "POST", "/api/v1/meetings", post_meeting)) ||
        (rc = router_add(r, "GET", "/api/v1/meetings", list_meetings)) ||
        (rc = router_add(r, "GET", "/api/v1/meetings/{id}", get_meeting)) ||
        (rc = router_add(r, "POST", "/api/v1/accountability", post_acct)) ||
        (rc = router_add(r, "GET", "/api/v1/accountability", list_acct)) ||
        (rc = router_add(r, "GET", "/api/v1/accountability/{id}", get_acct)))
        return rc;
    return app_route_docs(a, coord_docs, (int)JS_ARRAY_LEN(coord_docs));
}
