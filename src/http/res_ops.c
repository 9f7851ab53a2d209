/* Operations and self-description: /healthz, /metrics (with orders by status), the vocabulary
 * of the domain for clients (/api/v1/meta), and the OpenAPI 3.0 document generated from the
 * router's own table, so no route can be left out of it. */
#include "compat.h"
#include "http/app.h"
#include "core/lifecycle.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- health and metrics ------------------------------------------------------------------ */

static void healthz(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(req);
    struct app_ctx *c = app_current(ap);
    int version = 0;
    int rc = c->store->ops->schema_version(c->store, &version);
    if (rc || version <= 0) {
        http_error(res, -JS_EBUSY, "db", "the database does not answer");
        return;
    }
    http_json(res, 200,
              json_pack("{ss ss si}", "status", "ok", "db", "ok", "schema_version", version));
}

int res_ops_gauges(void *ap, struct buf *out)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (!c)
        return 0;
    int64_t counts[ST__COUNT];
    memset(counts, 0, sizeof counts);
    int rc = c->store->ops->order_count_by_status(c->store, counts);
    if (rc)
        return rc;
    rc = metrics_family(out, "jiesu_orders", "gauge", "Orders by status.");
    for (int st = 0; !rc && st < ST__COUNT; st++) {
        const char *labels[] = {"status", js_status_names[st], NULL};
        rc = metrics_sample(out, "jiesu_orders", labels, (double)counts[st]);
    }
    /* the feedback to the city platform by outcome (issue 15) */
    int64_t fb[UFB__COUNT];
    static const char *const outcomes[UFB__COUNT] = {"sent_on_time", "sent_late", "pending",
                                                     "pending_late", "failed",    "failed_late"};
    if (!rc)
        rc = c->store->ops->upstream_feedback_counts(c->store, app_now(a), fb);
    if (!rc)
        rc = metrics_family(out, "jiesu_upstream_feedback", "gauge",
                            "Feedback to the city platform by outcome against its deadline.");
    for (int k = 0; !rc && k < UFB__COUNT; k++) {
        const char *labels[] = {"outcome", outcomes[k], NULL};
        rc = metrics_sample(out, "jiesu_upstream_feedback", labels, (double)fb[k]);
    }
    if (!rc)
        rc = metrics_family(out, "jiesu_login_limiter_keys", "gauge",
                            "Login names and addresses with recent failed logins.");
    if (!rc)
        rc = metrics_sample(out, "jiesu_login_limiter_keys", NULL,
                            (double)auth_limiter_size(a->limiter));
    return rc;
}

static void metrics(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(req);
    struct app *a = ap;
    metrics_respond(a->metrics, res);
}

/* --- vocabulary -------------------------------------------------------------------------- */

static const char *const channels[] = {"hotline-12345", "hotline-96010", "wechat",   "weibo",
                                       "web",           "mailbox",       "media",    "conduct",
                                       "leader",        "grid",          "video-ai", "forum",
                                       "open311",       "upstream",      NULL};

static json_t *name_table(const char *const *names, const char *const *labels)
{
    json_t *a = json_array();
    for (int i = 0; names[i]; i++)
        json_array_append_new(
            a, json_pack("{ss ss}", "name", names[i], "label", labels ? labels[i] : names[i]));
    return a;
}

static json_t *action_table(void)
{
    json_t *a = json_array();
    for (int act = 0; act < ACT__COUNT; act++) {
        json_t *fields = json_array(), *roles = json_array();
        const char *const *f = lifecycle_action_fields(act);
        for (; f && *f; f++)
            json_array_append_new(fields, json_string(*f));
        for (int r = 0; r < ROLE__COUNT; r++)
            if (lifecycle_role_allows(r, act))
                json_array_append_new(roles, json_string(js_role_names[r]));
        json_array_append_new(a,
                              json_pack("{ss ss so so}", "name", js_action_names[act], "label",
                                        js_action_labels[act], "fields", fields, "roles", roles));
    }
    return a;
}

static void meta(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(ap);
    static const char *const no_params[] = {NULL};
    if (app_query_known(req, no_params, res))
        return;
    json_t *ch = json_array();
    for (const char *const *p = channels; *p; p++)
        json_array_append_new(ch, json_string(*p));
    http_json(res, 200,
              json_pack("{so so so so so so so so so so so so so so}", "statuses",
                        name_table(js_status_names, js_status_labels), "roles",
                        name_table(js_role_names, js_role_labels), "actions", action_table(),
                        "types", name_table(js_type_names, js_type_labels), "levels",
                        name_table(js_level_names, js_level_labels), "tiers",
                        name_table(js_tier_names, js_tier_labels), "closures",
                        name_table(js_closure_names, js_closure_labels), "satisfactions",
                        name_table(js_satisfaction_names, js_satisfaction_labels),
                        "not_filed_reasons", name_table(js_notfiled_names, js_notfiled_labels),
                        "unit_kinds", name_table(js_unit_kind_names, js_unit_kind_labels),
                        "region_levels", name_table(js_region_level_names, js_region_level_labels),
                        "close_kinds", name_table(js_close_kind_names, js_close_kind_labels),
                        "assignment_roles", name_table(js_asg_names, js_asg_labels), "channels",
                        ch));
}

/* --- new work arrives by itself ---------------------------------------------------------- */

/* An event stream of the store's change number: the client reloads what it shows when it moves
 * (only the number is sent; what changed is read through the routes that check the role). */
static void changes(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(ap);
    JS_UNUSED(req);
    http_event_stream(res);
}

/* --- the OpenAPI document ---------------------------------------------------------------- */

/* This file's descriptions of the routes of res_*.c (struct route_doc: see http/app.h). */
static const struct route_doc docs[] = {
    {"GET", "/healthz", "operations", "Health: the process answers and the database opens",
     "anyone", NULL, NULL, 200},
    {"GET", "/metrics", "operations",
     "Prometheus metrics: requests by route and status, latency histogram, orders by status",
     "anyone", NULL, NULL, 200},
    {"GET", "/api/v1/openapi.json", "operations", "This document", "anyone", NULL, NULL, 200},
    {"GET", "/api/v1/meta", "operations",
     "The vocabulary: statuses, roles, actions with their fields and roles, and the other "
     "closed lists, with Chinese labels",
     "anyone", NULL, NULL, 200},
    {"GET", "/api/v1/changes", "operations",
     "Server-sent events: 'change' with {\"seq\":N} whenever an order changes anywhere (N is "
     "the newest event's id; nothing else is sent), a comment line every 20 s otherwise. The "
     "client then reloads its queues through the routes that check its role",
     "any user", NULL, NULL, 200},
    {"POST", "/api/v1/auth/login", "accounts",
     "Log in with a password; answers a bearer token and its expiry. Five failures per login "
     "or address within 15 minutes answer 429 with Retry-After",
     "anyone", NULL, "login:string!,password:string!", 200},
    {"POST", "/api/v1/auth/logout", "accounts", "End the current session", "any user", NULL, NULL,
     204},
    {"POST", "/api/v1/auth/password", "accounts", "Change one's own password", "any user", NULL,
     "old_password:string!,new_password:string!", 204},
    {"GET", "/api/v1/me", "accounts",
     "The logged-in user, their unit, the actions their role allows, and whether citizen data "
     "is masked for them",
     "any user", NULL, NULL, 200},
    {"GET", "/api/v1/orders", "orders",
     "List orders, filtered, sorted and paged by cursor. Unit users see their own unit's "
     "orders only. Items leave out the citizen and the texts; an order awaiting a return "
     "decision carries returned_at, when its last return was filed",
     "any user",
     "status:string,unit_id:integer,category_id:integer,region_id:integer,channel:string,"
     "type:string,level:string,overdue:boolean,hanging:boolean,enterprise:boolean,"
     "reopened:boolean,instructed:boolean,preinv:boolean,from:string,to:string,q:string,sort:"
     "string,cursor:string,"
     "limit:integer",
     NULL, 200},
    {"POST", "/api/v1/orders", "orders", "Take in a new order (受理)", "agent, dispatcher", NULL,
     "@intake", 201},
    {"GET", "/api/v1/orders/{id}", "orders",
     "An order (by id or number) with its timeline. Citizen name and phone are masked for unit "
     "users and auditors unless the order needs contact; every unmasked read is audited",
     "any user who may see the order", NULL, NULL, 200},
    {"GET", "/api/v1/orders/{id}/suggest", "orders",
     "The responsibility catalogue's unit for the order's category and region", "any user", NULL,
     NULL, 200},
    {"POST", "/api/v1/orders/{id}/actions/{action}", "actions",
     "Carry out a lifecycle action on an order. The body holds the order's version (a stale "
     "one answers 409) and the action's fields; see the per-action paths below",
     "as the role matrix says", NULL, "@action", 200},
    {"GET", "/api/v1/units", "organisation", "Units with their three-tier contacts", "any user",
     NULL, NULL, 200},
    {"POST", "/api/v1/units", "organisation", "Create a unit", "admin", NULL,
     "code:string!,name:string!,kind:string!,region_id:integer,active:boolean,contacts:object",
     201},
    {"GET", "/api/v1/units/{id}", "organisation", "One unit", "any user", NULL, NULL, 200},
    {"PUT", "/api/v1/units/{id}", "organisation", "Change the given fields of a unit", "admin",
     NULL, "code:string,name:string,kind:string,region_id:integer,active:boolean,contacts:object",
     200},
    {"GET", "/api/v1/users", "organisation", "Users (never their password hashes)",
     "admin, auditor", NULL, NULL, 200},
    {"POST", "/api/v1/users", "organisation", "Create a user with a password", "admin", NULL,
     "login:string!,name:string!,role:string!,unit_id:integer,phone:string,password:string!,"
     "active:boolean",
     201},
    {"GET", "/api/v1/users/{id}", "organisation", "One user", "admin, auditor, the user", NULL,
     NULL, 200},
    {"PUT", "/api/v1/users/{id}", "organisation",
     "Change the given fields of a user: role, unit, active, name, phone, password", "admin", NULL,
     "login:string,name:string,role:string,unit_id:integer,phone:string,password:string,"
     "active:boolean",
     200},
    {"GET", "/api/v1/regions", "organisation", "Regions (district, street, community, grid)",
     "any user", NULL, NULL, 200},
    {"POST", "/api/v1/regions", "organisation", "Create a region", "admin", NULL,
     "parent_id:integer,level:string!,code:string!,name:string!", 201},
    {"PUT", "/api/v1/regions/{id}", "organisation", "Change the given fields of a region", "admin",
     NULL, "parent_id:integer,level:string,code:string,name:string", 200},
    {"GET", "/api/v1/categories", "organisation", "The category tree (levels 1 to 3)", "any user",
     NULL, NULL, 200},
    {"POST", "/api/v1/categories", "organisation", "Create a category", "admin", NULL,
     "parent_id:integer,level:integer,code:string!,name:string!", 201},
    {"PUT", "/api/v1/categories/{id}", "organisation", "Change the given fields of a category",
     "admin", NULL, "parent_id:integer,level:integer,code:string,name:string", 200},
    {"GET", "/api/v1/catalogue", "organisation",
     "The responsibility catalogue (category × region → unit)", "any user", NULL, NULL, 200},
    {"POST", "/api/v1/catalogue", "organisation", "Add a catalogue entry", "admin", NULL,
     "category_id:integer!,region_id:integer,unit_id:integer!,basis:string", 201},
    {"DELETE", "/api/v1/catalogue/{id}", "organisation", "Remove a catalogue entry", "admin", NULL,
     NULL, 204},
    {"GET", "/api/v1/policy", "policy",
     "The effective policy with the source of every setting, the stored overrides and the "
     "presets",
     "any user", NULL, NULL, 200},
    {"PUT", "/api/v1/policy", "policy", "Choose the preset and overrides", "admin", NULL,
     "preset:string!,overrides:object", 200},
    {"GET", "/api/v1/audit", "audit",
     "The audit trail (logins, unmasked reads, administration), oldest first (newest=true: "
     "newest first), paged by cursor ('after' is the older name of 'cursor'); filtered by user, "
     "order (its number or id), action and time (from <= at < to); each entry with its order's "
     "number",
     "auditor, admin",
     "cursor:string,after:integer,limit:integer,user_id:integer,order:string,action:string,"
     "from:string,to:string,newest:boolean",
     NULL, 200},
};

static const struct route_doc *find_in(const struct route_doc *table, int n, const char *method,
                                       const char *pattern)
{
    for (int i = 0; i < n; i++)
        if (strcmp(table[i].method, method) == 0 && strcmp(table[i].pattern, pattern) == 0)
            return &table[i];
    return NULL;
}

static const struct route_doc *find_doc(const struct app *a, const char *method,
                                        const char *pattern)
{
    const struct route_doc *d = find_in(docs, (int)JS_ARRAY_LEN(docs), method, pattern);
    for (int t = 0; !d && t < a->n_doc_tables; t++)
        d = find_in(a->doc_tables[t], a->doc_counts[t], method, pattern);
    return d;
}

static json_t *type_schema(const char *type)
{
    json_t *s = json_pack("{ss}", "type", type);
    if (strcmp(type, "array") == 0)
        json_object_set_new(s, "items", json_object());
    return s;
}

/* The JSON schema of one action field, from the lifecycle's table. */
static json_t *field_schema(const struct lc_field *f)
{
    static const char *const json_types[LCT__COUNT] = {
        [LCT_STRING] = "string",   [LCT_INTEGER] = "integer", [LCT_ID] = "integer",
        [LCT_BOOLEAN] = "boolean", [LCT_NUMBER] = "number",   [LCT_DATETIME] = "string",
        [LCT_ARRAY] = "array",     [LCT_OBJECT] = "object"};
    json_t *s = json_pack("{ss ss}", "type", json_types[f->type], "description", f->label);
    if (f->type == LCT_DATETIME)
        json_object_set_new(s, "format", json_string("date-time"));
    if (f->type == LCT_STRING && f->max)
        json_object_set_new(s, "maxLength", json_integer(f->max));
    if (f->values) {
        json_t *e = json_array();
        for (const char *const *v = f->values; *v; v++)
            json_array_append_new(e, json_string(*v));
        json_object_set_new(s, "enum", e);
    }
    if (f->ranged && f->type == LCT_ID) {
        json_object_set_new(s, "minimum", json_integer(1));
    } else if (f->ranged) {
        json_object_set_new(s, "minimum",
                            f->type == LCT_INTEGER ? json_integer((json_int_t)f->lo)
                                                   : json_real(f->lo));
        json_object_set_new(s, "maximum",
                            f->type == LCT_INTEGER ? json_integer((json_int_t)f->hi)
                                                   : json_real(f->hi));
        if (f->lo_open)
            json_object_set_new(s, "exclusiveMinimum", json_true());
    }
    if (f->type == LCT_ARRAY) {
        json_object_set_new(s, "items",
                            f->items == LCT_ID
                                ? json_pack("{ss si}", "type", "integer", "minimum", 1)
                                : json_pack("{ss}", "type", "object"));
        if (f->max)
            json_object_set_new(s, "maxItems", json_integer(f->max));
    }
    json_t *example = NULL;
    if (f->example && lifecycle_field_value(f, f->example, &example, NULL) == 0)
        json_object_set_new(s, "example", example);
    return s;
}

/* Reads the next "name:type" item of a comma-separated spec into name and type; returns false
 * at the end. */
static bool spec_next(const char **p, char *name, size_t nn, char *type, size_t tn)
{
    const char *s = *p;
    if (!*s)
        return false;
    const char *end = strchr(s, ',');
    if (!end)
        end = s + strlen(s);
    const char *colon = memchr(s, ':', (size_t)(end - s));
    if (!colon)
        colon = end;
    snprintf(name, nn, "%.*s", (int)(colon - s), s);
    snprintf(type, tn, "%.*s", colon < end ? (int)(end - colon - 1) : 0,
             colon < end ? colon + 1 : "");
    *p = *end ? end + 1 : end;
    return true;
}

/* An object schema from a "name:type!,..." list. */
static json_t *spec_schema(const char *spec)
{
    json_t *props = json_object(), *req = json_array();
    char name[64], type[32];
    for (const char *p = spec; spec_next(&p, name, sizeof name, type, sizeof type);) {
        size_t tl = strlen(type);
        bool required = tl && type[tl - 1] == '!';
        if (required)
            type[tl - 1] = '\0';
        json_object_set_new(props, name, type_schema(type));
        if (required)
            json_array_append_new(req, json_string(name));
    }
    json_t *s =
        json_pack("{ss so sb}", "type", "object", "properties", props, "additionalProperties", 0);
    if (json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    return s;
}

/* The schema of an action's body: version (except intake) plus the action's fields, required
 * as the lifecycle's table says. */
static json_t *action_schema(int action)
{
    json_t *props = json_object(), *req = json_array();
    if (action != ACT_INTAKE) {
        json_object_set_new(props, "version",
                            json_pack("{ss si ss}", "type", "integer", "minimum", 1, "description",
                                      "the order's version as last read"));
        json_array_append_new(req, json_string("version"));
    }
    for (const struct lc_field *f = lifecycle_fields(action); f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f));
        if (f->required)
            json_array_append_new(req, json_string(f->name));
    }
    json_t *s =
        json_pack("{ss so sb}", "type", "object", "properties", props, "additionalProperties", 0);
    if (json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    return s;
}

static json_t *query_params(const char *spec)
{
    json_t *params = json_array();
    char name[64], type[32];
    for (const char *p = spec; spec_next(&p, name, sizeof name, type, sizeof type);) {
        size_t tl = strlen(type);
        bool required = tl && type[tl - 1] == '!';
        if (required)
            type[tl - 1] = '\0';
        json_array_append_new(params, json_pack("{ss ss sb so}", "name", name, "in", "query",
                                                "required", required, "schema", type_schema(type)));
    }
    return params;
}

/* What a route answers on success beyond application/json {"type":"object"}: media types
 * separated by '|' and the schema (a component name, or "binary" / "text"). */
static const struct {
    const char *method, *pattern, *media, *schema;
} answers[] = {
    {"GET", "/healthz", "application/json", "Health"},
    {"GET", "/metrics", "text/plain; version=0.0.4", "text"},
    {"GET", "/api/v1/changes", "text/event-stream", "text"},
    {"GET", "/api/v1/orders", "application/json", "OrderList"},
    {"POST", "/api/v1/orders", "application/json", "ActionResult"},
    {"GET", "/api/v1/orders/{id}", "application/json", "OrderDetail"},
    {"POST", "/api/v1/orders/{id}/actions/{action}", "application/json", "ActionResult"},
    {"GET", "/api/v1/audit", "application/json", "CursorList"},
    {"GET", "/api/v1/outbox", "application/json", "CursorList"},
    {"GET", "/api/v1/warnings", "application/json", "CursorList"},
    {"GET", "/api/v1/search", "application/json", "CursorList"},
    {"GET", "/api/v1/units", "application/json", "ItemList"},
    {"GET", "/api/v1/users", "application/json", "ItemList"},
    {"GET", "/api/v1/regions", "application/json", "ItemList"},
    {"GET", "/api/v1/categories", "application/json", "ItemList"},
    {"GET", "/api/v1/catalogue", "application/json", "ItemList"},
    {"GET", "/api/v1/assess/items", "application/json", "ItemList"},
    {"GET", "/api/v1/assess",
     "application/json|text/csv|"
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     ""},
    {"GET", "/api/v1/files/{id}",
     "application/octet-stream|image/*|audio/*|video/*|application/pdf", "binary"},
    {"GET", "/open311/v2/{file}", "text/xml|application/json", "text"},
    {"POST", "/open311/v2/{file}", "text/xml|application/json", "text"},
    {"GET", "/open311/v2/services/{id}", "text/xml|application/json", "text"},
    {"GET", "/open311/v2/requests/{id}", "text/xml|application/json", "text"},
    {"GET", "/open311/v2/tokens/{id}", "text/xml|application/json", "text"},
};

static json_t *media_schema(const char *media, const char *schema)
{
    if (strcmp(media, "text/csv") == 0 || strcmp(schema, "text") == 0)
        return json_pack("{ss}", "type", "string");
    if (strncmp(media, "application/json", 16) != 0 || strcmp(schema, "binary") == 0)
        return json_pack("{ss ss}", "type", "string", "format", "binary");
    if (*schema)
        return json_sprintf("#/components/schemas/%s", schema); /* a $ref, wrapped below */
    return json_pack("{ss}", "type", "object");
}

static json_t *success_content(const char *method, const char *pattern)
{
    const char *media = "application/json", *schema = "";
    for (size_t i = 0; i < JS_ARRAY_LEN(answers); i++)
        if (strcmp(answers[i].method, method) == 0 && strcmp(answers[i].pattern, pattern) == 0) {
            media = answers[i].media;
            schema = answers[i].schema;
        }
    json_t *content = json_object();
    for (const char *p = media; *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char one[96];
        snprintf(one, sizeof one, "%.*s", (int)n, p);
        json_t *sc = media_schema(one, schema);
        if (json_is_string(sc)) {
            json_t *ref = json_pack("{sO}", "$ref", sc);
            json_decref(sc);
            sc = ref;
        }
        json_object_set_new(content, one, json_pack("{so}", "schema", sc));
        p += n + (bar ? 1 : 0);
    }
    return content;
}

/* The answers of an operation: the success (with its media types and schema, and Location on
 * 201), the error statuses that apply to the route, and a default error. */
static json_t *responses(const char *method, const char *pattern, unsigned flags, int ok)
{
    char code[8];
    snprintf(code, sizeof code, "%d", ok);
    json_t *r = json_object();
    json_t *success = json_pack("{ss}", "description",
                                ok == 204   ? "done, no body"
                                : ok == 201 ? "created"
                                            : "success");
    if (ok != 204)
        json_object_set_new(success, "content", success_content(method, pattern));
    if (ok == 201)
        json_object_set_new(success, "headers",
                            json_pack("{s{ss s{ss}}}", "Location", "description",
                                      "the created resource's URL", "schema", "type", "string"));
    json_object_set_new(r, code, success);
    bool get = strcmp(method, "GET") == 0, is_public = flags & APP_PUBLIC;
    struct {
        const char *status, *name;
        bool when;
    } errs[] = {
        {"400", "BadRequest", true},
        {"401", "Unauthorized", !is_public},
        {"403", "Forbidden", !is_public},
        {"404", "NotFound", strchr(pattern, '{') != NULL},
        {"409", "Conflict", !get && !is_public},
        {"422", "Unprocessable", !get || strstr(pattern, "orders") || strstr(pattern, "audit")},
        {"429", "TooManyRequests", strcmp(pattern, "/api/v1/auth/login") == 0},
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(errs); i++)
        if (errs[i].when)
            json_object_set_new(
                r, errs[i].status,
                json_pack("{ss+}", "$ref", "#/components/responses/", errs[i].name));
    json_object_set_new(r, "default", json_pack("{ss}", "$ref", "#/components/responses/Error"));
    return r;
}

/* "GET /api/v1/orders/{id}/suggest" → "get_orders_id_suggest". */
static json_t *operation_id(const char *method, const char *pattern)
{
    char id[160];
    size_t n = 0;
    for (const char *m = method; *m && n < 10; m++)
        id[n++] = (char)(*m >= 'A' && *m <= 'Z' ? *m + 32 : *m);
    const char *p = strncmp(pattern, "/api/v1", 7) == 0 ? pattern + 7 : pattern;
    for (; *p && n < sizeof id - 2; p++) {
        char ch = *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z'))
            id[n++] = ch;
        else if (ch == '/' || ch == '-' || ch == '.')
            if (id[n - 1] != '_')
                id[n++] = '_';
    }
    while (n > 0 && id[n - 1] == '_')
        n--;
    id[n] = '\0';
    return json_string(id);
}

/* One operation object. action >= 0 documents one concrete action path. */
static json_t *operation(const char *method, const char *pattern, unsigned flags,
                         const struct route_doc *d, int action)
{
    json_t *op = json_object();
    json_t *params = d && d->query ? query_params(d->query) : json_array();
    /* path parameters, from the pattern itself */
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            break;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        json_t *schema = json_pack("{ss}", "type", "string");
        if (strcmp(name, "action") == 0) {
            json_t *names = json_array();
            for (int a = 0; a < ACT__COUNT; a++)
                if (a != ACT_INTAKE && a != ACT_MERGED_INTO)
                    json_array_append_new(names, json_string(js_action_names[a]));
            json_object_set_new(schema, "enum", names);
        }
        json_array_append_new(params, json_pack("{ss ss sb so ss}", "name", name, "in", "path",
                                                "required", 1, "schema", schema, "description",
                                                strcmp(name, "id") == 0 && strstr(pattern, "orders")
                                                    ? "order id or number"
                                                    : name));
    }
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (action >= 0) {
        char summary[160];
        snprintf(summary, sizeof summary, "%s (%s)", js_action_names[action],
                 js_action_labels[action]);
        json_t *roles = json_array();
        for (int r = 0; r < ROLE__COUNT; r++)
            if (lifecycle_role_allows(r, action))
                json_array_append_new(roles, json_string(js_role_names[r]));
        json_object_set_new(op, "summary", json_string(summary));
        json_object_set_new(op, "tags", json_pack("[s]", "actions"));
        json_object_set_new(op, "x-roles", roles);
        json_object_set_new(op, "operationId", json_sprintf("action_%s", js_action_names[action]));
        json_object_set_new(op, "requestBody",
                            json_pack("{sb s{s{so}}}", "required", 1, "content", "application/json",
                                      "schema", action_schema(action)));
        json_object_set_new(op, "responses",
                            responses(method, "/api/v1/orders/{id}/actions/{action}", flags, 200));
    } else if (d) {
        json_object_set_new(op, "summary", json_string(d->summary));
        json_object_set_new(op, "description", json_sprintf("Who: %s.", d->who));
        json_object_set_new(op, "tags", json_pack("[s]", d->tag));
        json_t *body = NULL;
        if (d->body && strcmp(d->body, "@intake") == 0)
            body = action_schema(ACT_INTAKE);
        else if (d->body && strcmp(d->body, "@action") == 0)
            body = json_pack("{ss s{s{ssss}} sb}", "type", "object", "properties", "version",
                             "type", "integer", "description", "the order's version",
                             "additionalProperties", 1);
        else if (d->body && strchr(d->body, ' ')) /* prose: a raw body, e.g. a file upload */
            body = json_pack("{ss ss ss}", "type", "string", "format", "binary", "description",
                             d->body);
        else if (d->body)
            body = spec_schema(d->body);
        if (body)
            json_object_set_new(op, "requestBody",
                                json_pack("{sb s{s{so}}}", "required", 1, "content",
                                          json_is_string(json_object_get(body, "format"))
                                              ? "application/octet-stream"
                                          : strncmp(pattern, "/open311/", 9) == 0
                                              ? "application/x-www-form-urlencoded"
                                              : "application/json",
                                          "schema", body));
        json_object_set_new(op, "operationId", operation_id(method, pattern));
        json_object_set_new(op, "responses", responses(method, pattern, flags, d->ok));
    } else {
        json_object_set_new(op, "summary", json_string("(undocumented route)"));
        json_object_set_new(op, "x-undocumented", json_true());
        json_object_set_new(op, "operationId", operation_id(method, pattern));
        json_object_set_new(op, "responses", responses(method, pattern, flags, 200));
    }
    if (flags & APP_PUBLIC)
        json_object_set_new(op, "security", json_array());
    if (strcmp(method, "POST") == 0 && !(flags & APP_PUBLIC)) {
        json_t *list = json_object_get(op, "parameters");
        if (!list) {
            list = json_array();
            json_object_set_new(op, "parameters", list);
        }
        json_array_append_new(
            list, json_pack("{ss ss sb s{ss si} ss}", "name", "Idempotency-Key", "in", "header",
                            "required", 0, "schema", "type", "string", "maxLength",
                            APP_IDEM_KEY_MAX, "description",
                            "a retried request with the same key is applied once and its answer "
                            "replayed; the same key with another body answers 422"));
    }
    return op;
}

static void add_op(json_t *paths, const char *path, const char *method, json_t *op)
{
    json_t *item = json_object_get(paths, path);
    if (!item) {
        item = json_object();
        json_object_set_new(paths, path, item);
    }
    char lower[16];
    size_t n = strlen(method);
    if (n >= sizeof lower)
        n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] + 32 : method[i]);
    lower[n] = '\0';
    json_object_set_new(item, lower, op);
}

struct doc_ctx {
    const struct app *a;
    json_t *paths;
};

static int doc_route(void *ctx, const char *method, const char *pattern, unsigned flags)
{
    struct doc_ctx *dc = ctx;
    json_t *paths = dc->paths;
    const struct route_doc *d = find_doc(dc->a, method, pattern);
    add_op(paths, pattern, method, operation(method, pattern, flags, d, -1));
    if (strcmp(pattern, "/api/v1/orders/{id}/actions/{action}") == 0) {
        for (int a = 0; a < ACT__COUNT; a++) {
            if (a == ACT_INTAKE || a == ACT_MERGED_INTO)
                continue;
            char path[96];
            snprintf(path, sizeof path, "/api/v1/orders/{id}/actions/%s", js_action_names[a]);
            add_op(paths, path, method, operation(method, "/api/v1/orders/{id}", flags, NULL, a));
        }
    }
    return 0;
}

/* A list of names as a JSON array. */
static json_t *names_json(const char *const *names)
{
    json_t *a = json_array();
    for (; *names; names++)
        json_array_append_new(a, json_string(*names));
    return a;
}

/* The shared schemas: the error, orders (summary and detail), lists and action answers. */
static json_t *component_schemas(void)
{
    json_t *error =
        json_pack("{ss s{s{ss s{s{ss} s{ss} s{ss sb}} s[sss]}} s[s]}", "type", "object",
                  "properties", "error", "type", "object", "properties", "code", "type", "string",
                  "message", "type", "string", "field", "type", "string", "nullable", 1, "required",
                  "code", "message", "field", "required", "error");
    json_t *ts = json_pack("{ss ss sb}", "type", "string", "format", "date-time", "nullable", 1);
    json_t *summary = json_pack(
        "{ss ss s[ssss] s{s{ss} s{ss} s{ss} s{ss so} s{ss} s{ss so} s{ss so} s{ss so} s{ss} "
        "s{ss sb} s{ss sb} s{ss sb} sO sO sO s{ss} s{ss s{ss}}} sb}",
        "type", "object", "description", "an order as lists and action answers give it", "required",
        "id", "number", "version", "status", "properties", "id", "type", "integer", "number",
        "type", "string", "version", "type", "integer", "status", "type", "string", "enum",
        names_json(js_status_names), "status_label", "type", "string", "type", "type", "string",
        "enum", names_json(js_type_names), "level", "type", "string", "enum",
        names_json(js_level_names), "tier", "type", "string", "enum", names_json(js_tier_names),
        "title", "type", "string", "category_id", "type", "integer", "nullable", 1, "region_id",
        "type", "integer", "nullable", 1, "upstream_id", "type", "string", "nullable", 1,
        "created_at", ts, "deadline", ts, "closed_at", ts, "overdue", "type", "boolean", "units",
        "type", "array", "items", "type", "object", "additionalProperties", 1);
    json_decref(ts);
    json_t *event =
        json_pack("{ss s{s{ss} s{ss ss} s{ss} s{ss} s{ss sb} s{ss sb} s{ss}} sb}", "type", "object",
                  "properties", "version", "type", "integer", "at", "type", "string", "format",
                  "date-time", "actor", "type", "object", "action", "type", "string",
                  "status_before", "type", "string", "nullable", 1, "status_after", "type",
                  "string", "nullable", 1, "args", "type", "object", "additionalProperties", 1);
    json_t *detail = json_pack(
        "{ss s[{ss}{ss s{s{ss} s{ss} s{ss} s{ss s{ss}} s{ss} s{ss so}}}]}", "description",
        "an order with its citizen (masked for unit users and auditors unless it needs contact), "
        "texts, attachments and timeline",
        "allOf", "$ref", "#/components/schemas/OrderSummary", "type", "object", "properties",
        "citizen_name", "type", "string", "citizen_phone", "type", "string", "text", "type",
        "string", "attachments", "type", "array", "items", "type", "object", "citizen_masked",
        "type", "boolean", "timeline", "type", "array", "items", event);
    json_t *cursor_list = json_pack(
        "{ss ss s[ss] s{s{ss s{ss}} s{ss sb ss}} sb}", "type", "object", "description",
        "a page of a list: pass next_cursor as ?cursor= for the next page (null: the last page)",
        "required", "items", "next_cursor", "properties", "items", "type", "array", "items", "type",
        "object", "next_cursor", "type", "string", "nullable", 1, "description",
        "opaque; null after the last page", "additionalProperties", 1);
    json_t *order_list =
        json_pack("{ss s[ss] s{s{ss s{ss}} s{ss sb} s{ss}}}", "type", "object", "required", "items",
                  "next_cursor", "properties", "items", "type", "array", "items", "$ref",
                  "#/components/schemas/OrderSummary", "next_cursor", "type", "string", "nullable",
                  1, "limit", "type", "integer");
    json_t *item_list = json_pack("{ss s[s] s{s{ss s{ss}}} sb}", "type", "object", "required",
                                  "items", "properties", "items", "type", "array", "items", "type",
                                  "object", "additionalProperties", 1);
    json_t *result = json_pack("{ss s[ss] s{s{ss} s{ss}}}", "type", "object", "required", "order",
                               "events", "properties", "order", "$ref",
                               "#/components/schemas/OrderSummary", "events", "type", "integer");
    json_t *health =
        json_pack("{ss s{s{ss} s{ss} s{ss}}}", "type", "object", "properties", "status", "type",
                  "string", "db", "type", "string", "schema_version", "type", "integer");
    return json_pack("{so so so so so so so so}", "Error", error, "OrderSummary", summary,
                     "OrderDetail", detail, "OrderList", order_list, "CursorList", cursor_list,
                     "ItemList", item_list, "ActionResult", result, "Health", health);
}

/* The error answers, one per common status, all of the Error shape. */
static json_t *component_responses(void)
{
    static const char *const r[][2] = {
        {"BadRequest", "400 bad input: malformed JSON, unknown field, wrong type, missing field"},
        {"Unauthorized", "401 login required"},
        {"Forbidden", "403 the role may not do this"},
        {"NotFound", "404 not found (also for orders of other units)"},
        {"Conflict", "409 the order's state or version, or an existing resource, conflicts"},
        {"Unprocessable", "422 a value is invalid, too long, or against the policy"},
        {"TooManyRequests", "429 too many failed logins: see Retry-After"},
        {"Error", "an error (413 body too large, 415 not JSON, 5xx server errors, ...)"},
    };
    json_t *out = json_object();
    for (size_t i = 0; i < JS_ARRAY_LEN(r); i++)
        json_object_set_new(out, r[i][0],
                            json_pack("{ss s{s{s{ss}}}}", "description", r[i][1], "content",
                                      "application/json", "schema", "$ref",
                                      "#/components/schemas/Error"));
    return out;
}

json_t *res_ops_openapi(const struct app *a)
{
    struct doc_ctx dc = {a, json_object()};
    json_t *paths = dc.paths;
    if (!paths)
        return NULL;
    router_foreach(a->router, doc_route, &dc);
    json_t *security = json_pack("[{s[]}]", "bearer");
    return json_pack(
        "{ss s{ss ss ss} s[{ss}] so s{so so s{s{ss ss}}} so}", "openapi", "3.0.3", "info", "title",
        "jiesu API", "version", "1", "description",
        "The work-order platform of a citizen-service hotline (12345 / 接诉即办). Every error "
        "is {\"error\":{\"code\",\"message\",\"field\"}}. Log in at /api/v1/auth/login and send "
        "the token as Authorization: Bearer <token>. Lists page with ?cursor= and answer "
        "next_cursor; every 201 answer carries Location.",
        "servers", "url", "/", "paths", paths, "components", "schemas", component_schemas(),
        "responses", component_responses(), "securitySchemes", "bearer", "type", "http", "scheme",
        "bearer", "security", security);
}

static void openapi(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(req);
    struct app *a = ap;
    http_json(res, 200, res_ops_openapi(a));
}

int res_ops_routes(struct router *r)
{
    int rc;
    if ((rc = router_add_flags(r, "GET", "/healthz", healthz, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "GET", "/metrics", metrics, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "GET", "/api/v1/openapi.json", openapi, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "GET", "/api/v1/meta", meta, APP_PUBLIC)) ||
        (rc = router_add(r, "GET", "/api/v1/changes", changes)))
        return rc;
    return 0;
}
