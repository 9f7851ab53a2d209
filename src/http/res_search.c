/* Search over the API (issue 9): GET /api/v1/search reads one query as an order number, an
 * upstream id, a caller's phone or name, or words; GET /api/v1/citizens/history lists a
 * caller's orders beside the intake form; the synonym list is read by all and edited by admins;
 * POST /api/v1/duplicates checks a draft, GET /api/v1/orders/{id}/duplicates an order. Looking
 * citizens up is for the roles that see them, and every such lookup is audited. */
#include "compat.h"
#include "http/res_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/res_orders.h"
#include "http/respond.h"
#include "store/dupcheck.h"
#include "store/search.h"
#include "util/jfield.h"
#include "util/jsonw.h"

#define SEARCH_DEFAULT_LIMIT 20
#define DUP_DEFAULT_LIMIT    8

static int bad(struct http_response *res, int code, const char *field, const char *msg)
{
    http_error(res, code, field, msg);
    return code;
}

/* An integer query parameter in [lo, hi] (dflt when absent). */
static int qint(const struct http_request *req, const char *name, int lo, int hi, int dflt,
                int *out, struct http_response *res)
{
    const char *v = http_query(req, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        char msg[128];
        snprintf(msg, sizeof msg, "查询参数 %s 须为%d至%d之间的整数", name, lo, hi);
        return bad(res, -JS_EINVAL, name, msg);
    }
    *out = (int)x;
    return 0;
}

static void who_of(const struct app_ctx *c, struct search_who *w)
{
    search_who_init(w, c->who.role, c->who.unit_id);
}

/* Appends the hits as a JSON array: each the order's summary form (order_api_summary_put) with
 * what matched as its last key, written as text. Returns 0 or a buffer error. */
static int hits_write(struct buf *b, const struct search_result *r, const struct actor *who,
                      int64_t now)
{
    int rc = buf_puts(b, "[");
    for (int i = 0; !rc && i < r->n; i++) {
        const char *kind = search_kind_name(r->hits[i].kind);
        const char *label = search_kind_label(r->hits[i].kind);
        if ((i && (rc = buf_puts(b, ","))) ||
            (rc = order_api_summary_put(b, &r->orders[i], who, now)))
            break;
        b->data[--b->len] = '\0'; /* the summary's closing brace: "match" goes before it */
        if (!(rc = buf_puts(b, ",\"match\":{\"kind\":")) &&
            !(rc = jsonw_put_str(b, kind, strlen(kind))) && !(rc = buf_puts(b, ",\"label\":")) &&
            !(rc = jsonw_put_str(b, label, strlen(label))))
            rc = buf_puts(b, r->hits[i].exact ? ",\"exact\":true}}" : ",\"exact\":false}}");
    }
    return rc ? rc : buf_puts(b, "]");
}

static void search(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"q", "limit", "cursor", NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct search_result r = {0};
    struct search_who w;
    struct js_error e;
    int limit, offset = 0;
    js_error_clear(&e);
    if (app_query_known(req, params, res) ||
        qint(req, "limit", 1, 100, SEARCH_DEFAULT_LIMIT, &limit, res))
        return;
    const char *cursor = http_query(req, "cursor");
    if (cursor) {
        char *end;
        long x = strtol(cursor, &end, 10);
        if (!*cursor || *end || x < 0 || x > 5000) {
            bad(res, -JS_EINVAL, "cursor", "cursor 须为上一页返回的 next_cursor");
            return;
        }
        offset = (int)x;
    }
    const char *q = http_query(req, "q");
    if (!q) {
        bad(res, -JS_EMISSING, "q", "请输入要查询的工单号、电话、姓名或关键词");
        return;
    }
    who_of(c, &w);
    json_t *syn = search_synonyms(c->store);
    int rc = search_orders(c->store, &w, q, syn, offset, limit, &r, &e);
    json_decref(syn);
    if (rc) {
        http_error_from(res, &e);
        return;
    }
    /* a phone-like query or any hit by phone or name is a lookup of citizens: audit it first */
    bool phone_like = strspn(q, "0123456789 -+") == strlen(q);
    bool audited = r.citizen_used && (r.citizen_hits > 0 || phone_like);
    if (audited && search_audit(c->store, c->user.id, app_now(a), false, q, &r)) {
        search_result_release(&r);
        http_error(res, -JS_EDB, NULL, "无法写入审计记录");
        return;
    }
    char next[16] = "";
    if (r.more)
        snprintf(next, sizeof next, "%d", offset + r.n);
    struct buf *b = http_json_body(res, 200);
    if ((rc = buf_puts(b, "{\"items\":")) || (rc = hits_write(b, &r, &c->who, app_now(a))) ||
        (rc = buf_puts(b, ",\"next_cursor\":")) ||
        (rc = next[0] ? jsonw_put_str(b, next, strlen(next)) : buf_puts(b, "null")) ||
        (rc = buf_puts(b, audited ? ",\"citizen_lookup\":true}" : ",\"citizen_lookup\":false}")))
        http_error(res, rc, NULL, "无法写出查询结果");
    http_response_header(res, "Cache-Control", "no-store");
    search_result_release(&r);
}

static void history(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"phone", "limit", NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct search_result r = {0};
    struct search_who w;
    struct js_error e;
    int limit;
    js_error_clear(&e);
    if (app_query_known(req, params, res) || qint(req, "limit", 1, 200, 50, &limit, res))
        return;
    who_of(c, &w);
    if (!w.citizens) {
        http_error(res, -JS_EFORBIDDEN, NULL, "该角色不能查看诉求人的来电历史");
        return;
    }
    const char *phone = http_query(req, "phone");
    if (!phone) {
        bad(res, -JS_EMISSING, "phone", "请给出来电号码");
        return;
    }
    if (search_history(c->store, &w, phone, limit, &r, &e)) {
        http_error_from(res, &e);
        return;
    }
    if (search_audit(c->store, c->user.id, app_now(a), true, phone, &r)) {
        search_result_release(&r);
        http_error(res, -JS_EDB, NULL, "无法写入审计记录");
        return;
    }
    struct buf *b = http_json_body(res, 200);
    int rc;
    if ((rc = buf_puts(b, "{\"items\":")) || (rc = hits_write(b, &r, &c->who, app_now(a))) ||
        (rc = buf_puts(b, r.more ? ",\"more\":true}" : ",\"more\":false}")))
        http_error(res, rc, NULL, "无法写出查询结果");
    http_response_header(res, "Cache-Control", "no-store");
    search_result_release(&r);
}

static void get_synonyms(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {NULL};
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, params, res))
        return;
    char *text = NULL;
    bool custom = c->store->ops->setting_get(c->store, SEARCH_SYNONYMS_KEY, &text) == 0 && text;
    free(text);
    http_json(res, 200,
              json_pack("{so sb so}", "groups", search_synonyms(c->store), "custom", custom,
                        "defaults", searchtext_default_synonyms()));
}

static void put_synonyms(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"groups", NULL};
    struct app_ctx *c = app_current(ap);
    json_t *body = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) ||
        app_body(req, allowed, false, &body, res))
        return;
    json_t *groups = json_object_get(body, "groups");
    if (!groups) {
        bad(res, -JS_EMISSING, "groups", "须给出同义词组 groups");
        goto out;
    }
    if (searchtext_synonyms_check(groups, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    json_t *doc = json_pack("{sO}", "groups", groups);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    struct store *s = c->store;
    int rc = text ? s->ops->begin(s) : -JS_ENOMEM;
    if (!rc) {
        rc = s->ops->setting_put(s, SEARCH_SYNONYMS_KEY, text);
        char detail[96];
        snprintf(detail, sizeof detail, "同义词表更新为%zu组", json_array_size(groups));
        if (!rc)
            rc = app_audit_append(c, c->user.id, 0, "synonyms", detail);
        rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    }
    free(text);
    if (rc) {
        app_store_error(res, rc, "groups", "synonyms");
        goto out;
    }
    http_json(res, 200, json_pack("{sO sb}", "groups", groups, "custom", true));
out:
    json_decref(body);
}

/* The answer of a duplicate check. */
static json_t *dups_json(const struct dup_result *r, const struct actor *who, int64_t now)
{
    json_t *items = json_array();
    for (int i = 0; items && i < r->n; i++) {
        const struct dup_candidate *d = &r->v[i];
        json_t *o = order_api_json(&d->order, who, now, false, NULL, NULL);
        json_array_append_new(items,
                              json_pack("{so sf sb so}", "order", o ? o : json_null(), "score",
                                        (double)((int)(d->score * 1000 + 0.5)) / 1000, "likely",
                                        d->likely, "reasons", dup_why_json(&d->why)));
    }
    return json_pack("{so si sf}", "items", items, "examined", r->examined, "threshold",
                     DUP_THRESHOLD);
}

/* Unit users and auditors do not check duplicates: the check compares citizens. */
static int dup_allowed(const struct app_ctx *c, struct http_response *res)
{
    return app_require_roles(c, ROLES_PLATFORM & ~ROLE_BIT(ROLE_AUDITOR), res);
}

static void post_duplicates(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {
        "title",        "text",      "address",     "citizen_phone",
        "citizen_name", "region_id", "category_id", "days",
        "limit",        "all",       NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    struct dup_result r = {0};
    struct js_error e;
    struct search_who w;
    js_error_clear(&e);
    if (dup_allowed(c, res) || app_body(req, allowed, false, &body, res))
        return;
    struct dup_doc d = {.created_at = app_now(a)};
    static const struct {
        const char *name;
        size_t max;
    } texts[] = {{"title", JS_MAX_TITLE},
                 {"text", JS_MAX_TEXT},
                 {"address", JS_MAX_ADDRESS},
                 {"citizen_phone", JS_MAX_SHORT},
                 {"citizen_name", JS_MAX_SHORT}};
    const char *vals[5] = {NULL};
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_object_get(body, texts[i].name);
        if (!v || json_is_null(v))
            continue;
        size_t n = json_is_string(v) ? utf8_len(json_string_value(v)) : 0;
        if (!json_is_string(v) || n > texts[i].max) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s 须为不超过%zu个字符的文本", texts[i].name, texts[i].max);
            bad(res, json_is_string(v) ? -JS_ETOOLONG : -JS_ETYPE, texts[i].name, msg);
            goto out;
        }
        vals[i] = json_string_value(v);
    }
    d.title = vals[0];
    d.text = vals[1];
    d.address = vals[2];
    d.phone = vals[3];
    d.name = vals[4];
    if ((!d.title || !d.title[0]) && (!d.text || !d.text[0])) {
        bad(res, -JS_EMISSING, "title", "须给出标题或诉求内容");
        goto out;
    }
    static const char *const ids[] = {"region_id", "category_id", NULL};
    int64_t idv[2] = {0, 0};
    for (int i = 0; ids[i]; i++) {
        json_t *v = json_object_get(body, ids[i]);
        if (v && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) <= 0)) {
            bad(res, -JS_ETYPE, ids[i], "须为正整数编号");
            goto out;
        }
        idv[i] = v ? json_integer_value(v) : 0;
    }
    d.region_id = idv[0];
    d.category_id = idv[1];
    json_t *jd = json_object_get(body, "days"), *jl = json_object_get(body, "limit"),
           *jall = json_object_get(body, "all");
    if ((jd && !json_is_integer(jd)) || (jl && !json_is_integer(jl)) ||
        (jall && !json_is_boolean(jall))) {
        bad(res, -JS_ETYPE,
            jd && !json_is_integer(jd)   ? "days"
            : jl && !json_is_integer(jl) ? "limit"
                                         : "all",
            "类型不正确");
        goto out;
    }
    int days = jd ? (int)json_integer_value(jd) : DUPCHECK_DEFAULT_DAYS;
    int limit = jl ? (int)json_integer_value(jl) : DUP_DEFAULT_LIMIT;
    if (jd && (json_integer_value(jd) < 1 || json_integer_value(jd) > DUPCHECK_MAX_DAYS)) {
        bad(res, -JS_EINVAL, "days", "查重时间范围须为1至365天");
        goto out;
    }
    if (jl && (json_integer_value(jl) < 1 || json_integer_value(jl) > 50)) {
        bad(res, -JS_EINVAL, "limit", "limit 须为1至50");
        goto out;
    }
    who_of(c, &w);
    if (dupcheck_run(c->store, &w, &d, 0, app_now(a), days, limit,
                     jall && json_is_true(jall) ? 0.0 : DUP_THRESHOLD, &r, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    http_json(res, 200, dups_json(&r, &c->who, app_now(a)));
    http_response_header(res, "Cache-Control", "no-store");
out:
    dup_result_release(&r);
    json_decref(body);
}

static void order_duplicates(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"days", "limit", "all", NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct dup_result r = {0};
    struct js_error e;
    struct search_who w;
    struct order o;
    int days, limit;
    int64_t id;
    js_error_clear(&e);
    order_init(&o);
    if (dup_allowed(c, res) || app_query_known(req, params, res) ||
        qint(req, "days", 1, DUPCHECK_MAX_DAYS, DUPCHECK_DEFAULT_DAYS, &days, res) ||
        qint(req, "limit", 1, 50, DUP_DEFAULT_LIMIT, &limit, res))
        return;
    const char *all = http_query(req, "all");
    if (all && strcmp(all, "true") && strcmp(all, "false")) {
        bad(res, -JS_EINVAL, "all", "all 须为 true 或 false");
        return;
    }
    const char *ref = http_param(req, "id");
    int rc = app_parse_id(ref, &id) ? -JS_ENOTFOUND : c->store->ops->order_get(c->store, id, &o);
    if (rc) {
        app_store_error(res, rc, "id", "order");
        goto out;
    }
    struct dup_doc d;
    dupcheck_doc_of(&o, &d);
    who_of(c, &w);
    /* the window is around the order: the days before it was created, and since */
    if (dupcheck_run(c->store, &w, &d, o.id, app_now(a) > o.created_at ? app_now(a) : o.created_at,
                     days, limit, all && !strcmp(all, "true") ? 0.0 : DUP_THRESHOLD, &r, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    http_json(res, 200, dups_json(&r, &c->who, app_now(a)));
out:
    order_release(&o);
    dup_result_release(&r);
}

static const struct route_doc search_docs[] = {
    {"GET", "/api/v1/search", "search",
     "One search box: an order number (whole or its tail), an upstream id, a caller's phone "
     "(whole or its last 4+ digits) or name — these two only for roles that see citizens, and "
     "audited — and words of title, text, address, reply and notes (1–2 characters find them "
     "inside longer words; traditional = simplified; synonyms). Ranked: number, upstream id, "
     "phone, name, words in the title, words elsewhere; newest first within each",
     "every user (unit users: their unit's orders, never by citizen)",
     "q:string!,limit:integer,cursor:string", NULL, 200},
    {"GET", "/api/v1/citizens/history", "search",
     "Every order of one phone number, newest first, with its status (audited)",
     "platform roles that see citizens", "phone:string!,limit:integer", NULL, 200},
    {"GET", "/api/v1/synonyms", "search", "The synonym groups search uses, and the defaults",
     "every user", NULL, NULL, 200},
    {"PUT", "/api/v1/synonyms", "search", "Replace the synonym groups", "admin", NULL,
     "groups:array!", 200},
    {"POST", "/api/v1/duplicates", "search",
     "Likely duplicates of a draft among recent orders (same caller, same place, similar "
     "text), each with a score and the reasons",
     "platform roles but the auditor", NULL,
     "title:string,text:string,address:string,citizen_phone:string,citizen_name:string,"
     "region_id:integer,category_id:integer,days:integer,limit:integer,all:boolean",
     200},
    {"GET", "/api/v1/orders/{id}/duplicates", "search",
     "Likely duplicates of an order among the orders of the days before it and since",
     "platform roles but the auditor", "days:integer,limit:integer,all:boolean", NULL, 200},
};

int res_search_register(struct app *a)
{
    int rc;
    if ((rc = router_add(a->router, "GET", "/api/v1/search", search)) ||
        (rc = router_add(a->router, "GET", "/api/v1/citizens/history", history)) ||
        (rc = router_add(a->router, "GET", "/api/v1/synonyms", get_synonyms)) ||
        (rc = router_add(a->router, "PUT", "/api/v1/synonyms", put_synonyms)) ||
        (rc = router_add(a->router, "POST", "/api/v1/duplicates", post_duplicates)) ||
        (rc = router_add(a->router, "GET", "/api/v1/orders/{id}/duplicates", order_duplicates)))
        return rc;
    return app_route_docs(a, search_docs, (int)JS_ARRAY_LEN(search_docs));
}
