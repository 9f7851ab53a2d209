/* The knowledge base over the API (issue 11): list and search (as the call-taker types), one
 * version with its entry's history, create and edit (unit users), submit (unit leader), approve,
 * reject, withdraw and expire (the platform), and the per-unit figures of a period. The rules
 * are core/kb.c's; errors name the field in Chinese. */
#include "compat.h"
#include "http/res_kb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/indicators.h"
#include "core/kb.h"
#include "http/respond.h"
#include "store/search.h"
#include "text/searchtext.h"
#include "util/jfield.h"

#define KB_QUERY_MAX 200 /* characters of a typed query */
#define KB_TEXT_MAX  560 /* bytes of a complaint's text used to find entries */

static int bad(struct http_response *res, int code, const char *field, const char *msg)
{
    http_error(res, code, field, msg);
    return code;
}

/* An integer query parameter in [lo, hi] (dflt when absent). */
static int qint(const struct http_request *req, const char *name, int64_t lo, int64_t hi,
                int64_t dflt, int64_t *out, struct http_response *res)
{
    const char *v = http_query(req, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        char msg[128];
        snprintf(msg, sizeof msg, "查询参数 %s 须为 %lld 至 %lld 之间的整数", name, (long long)lo,
                 (long long)hi);
        return bad(res, -JS_EINVAL, name, msg);
    }
    *out = x;
    return 0;
}

/* The unit's name, "" when unknown. */
static void unit_name(struct store *s, int64_t id, char *out, size_t n)
{
    struct unit u;
    out[0] = '\0';
    if (id && s->ops->unit_get(s, id, &u) == 0)
        snprintf(out, n, "%s", u.name);
}

static json_t *version_json(struct store *s, const struct kb_entry *k)
{
    char name[128];
    json_t *j = kb_entry_json(k);
    unit_name(s, k->unit_id, name, sizeof name);
    if (j)
        json_object_set_new(j, "unit_name", json_string(name));
    return j;
}

/* Cuts s to at most max bytes at a character boundary, into out. */
static void cut_utf8(const char *s, size_t max, char *out)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

static void list(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"q",   "text",  "category_id", "unit_id", "status",
                                         "all", "limit", "cursor",      NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct kb_list l;
    struct st_query m;
    kb_list_init(&l);
    memset(&m, 0, sizeof m);
    int64_t limit, offset, cat, unit;
    if (app_query_known(req, params, res) || qint(req, "limit", 1, 100, 20, &limit, res) ||
        qint(req, "cursor", 0, 100000, 0, &offset, res) ||
        qint(req, "category_id", 1, INT64_MAX / 2, 0, &cat, res) ||
        qint(req, "unit_id", 1, INT64_MAX / 2, 0, &unit, res))
        return;
    const char *q = http_query(req, "q"), *text = http_query(req, "text");
    const char *status = http_query(req, "status"), *all = http_query(req, "all");
    struct kb_query kq = {
        .category_id = cat, .unit_id = unit, .limit = (int)limit, .offset = (int)offset};
    int rc = 0;
    if (q && text) {
        bad(res, -JS_EINVAL, "text", "q（关键词）与 text（诉求内容）只能给一个");
        return;
    }
    if (q || text) {
        char cut[KB_TEXT_MAX + 1];
        if (q && utf8_len(q) > KB_QUERY_MAX) {
            bad(res, -JS_ETOOLONG, "q", "关键词最多 200 个字符");
            return;
        }
        if (q && utf8_len(q) == (size_t)-1) {
            bad(res, -JS_EUTF8, "q", "关键词不是有效的 UTF-8 文本");
            return;
        }
        cut_utf8(q ? q : text, KB_TEXT_MAX, cut);
        json_t *syn = search_synonyms(c->store);
        rc = searchtext_query(cut, syn, &m);
        json_decref(syn);
        if (rc) {
            searchtext_query_release(&m);
            bad(res, rc, q ? "q" : "text", "无法解析查询内容");
            return;
        }
        kq.match = &m;
        kq.any = text != NULL;
        /* what a call-taker may cite: published and in force */
        kq.statuses = KB_BIT(KB_PUBLISHED);
        kq.in_force_at = app_now(a);
    } else {
        if (status) {
            int s = js_name_index(kb_status_names, status);
            if (s < 0) {
                bad(res, -JS_EINVAL, "status",
                    "status 应为 draft、under_review、published、expired、withdrawn 或 superseded");
                return;
            }
            kq.statuses = KB_BIT(s);
        }
        /* one row per entry (its latest version) unless a status or all=true is asked for */
        kq.latest = !status && !(all && strcmp(all, "true") == 0);
        if (app_is_unit_role(c->who.role)) {
            /* a unit sees its own entries, and the other units' published ones */
            if (unit && unit != c->who.unit_id)
                kq.statuses = KB_BIT(KB_PUBLISHED);
            else if (!unit && kq.statuses != KB_BIT(KB_PUBLISHED))
                kq.unit_id = c->who.unit_id;
        }
    }
    bool more = false;
    rc = c->store->ops->kb_list(c->store, &kq, &l, &more);
    searchtext_query_release(&m);
    if (rc) {
        app_store_error(res, rc, NULL, "knowledge base");
        kb_list_release(&l);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; items && i < l.n; i++)
        if (kb_may_read(&c->who, &l.v[i]))
            json_array_append_new(items, version_json(c->store, &l.v[i]));
    char next[24] = "";
    if (more)
        snprintf(next, sizeof next, "%lld", (long long)(offset + l.n));
    kb_list_release(&l);
    http_json(res, 200,
              json_pack("{so so}", "items", items, "next_cursor",
                        next[0] ? json_string(next) : json_null()));
    http_response_header(res, "Cache-Control", "no-store");
}

/* The version of the path's id that the user may read, or an error answered. */
static int load(struct app_ctx *c, struct http_request *req, struct kb_entry *k,
                struct http_response *res)
{
    int64_t id;
    kb_entry_init(k);
    if (app_parse_id(http_param(req, "id"), &id))
        return bad(res, -JS_ENOTFOUND, "id", "知识库条目不存在");
    int rc = c->store->ops->kb_get(c->store, id, k);
    if (rc == -JS_ENOTFOUND || (!rc && !kb_may_read(&c->who, k))) {
        kb_entry_release(k);
        return bad(res, -JS_ENOTFOUND, "id", "知识库条目不存在");
    }
    if (rc)
        app_store_error(res, rc, "id", "knowledge base entry");
    return rc;
}

static void get_one(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct kb_entry k;
    struct kb_list l;
    kb_list_init(&l);
    if (app_query_known(req, (const char *const[]){NULL}, res) || load(c, req, &k, res))
        return;
    struct kb_query q = {.entry_id = k.entry_id, .limit = 500};
    bool more;
    int rc = c->store->ops->kb_list(c->store, &q, &l, &more);
    if (rc) {
        app_store_error(res, rc, NULL, "knowledge base");
        goto out;
    }
    json_t *j = version_json(c->store, &k), *hist = json_array();
    for (int i = 0; hist && i < l.n; i++)
        if (kb_may_read(&c->who, &l.v[i]))
            json_array_append_new(hist, version_json(c->store, &l.v[i]));
    if (j)
        json_object_set_new(j, "history", hist);
    else
        json_decref(hist);
    json_object_set_new(j, "citable", json_boolean(kb_citable(&k, app_now(a))));
    http_json(res, 200, j);
out:
    kb_entry_release(&k);
    kb_list_release(&l);
}

static void audit_kb(struct app_ctx *c, const char *action, const struct kb_entry *k)
{
    char detail[128];
    snprintf(detail, sizeof detail, "kb=%lld entry=%lld version=%d status=%s", (long long)k->id,
             (long long)k->entry_id, k->version, kb_status_names[k->status]);
    app_audit(c, c->user.id, 0, action, detail);
}

static void create(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    struct kb_entry k;
    struct js_error e;
    js_error_clear(&e);
    if (app_body(req, NULL, false, &body, res))
        return;
    int rc = kb_create(c->store, &c->who, body, app_now(a), &k, &e);
    json_decref(body);
    if (rc) {
        http_error_from(res, &e);
        kb_entry_release(&k);
        return;
    }
    audit_kb(c, "kb_create", &k);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/kb/%lld", (long long)k.id);
    http_json(res, 201, version_json(c->store, &k));
    http_response_header(res, "Location", loc);
    kb_entry_release(&k);
}

static void edit(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    struct kb_entry k;
    struct js_error e;
    int64_t id;
    js_error_clear(&e);
    if (app_parse_id(http_param(req, "id"), &id)) {
        bad(res, -JS_ENOTFOUND, "id", "知识库条目不存在");
        return;
    }
    if (app_body(req, NULL, false, &body, res))
        return;
    int rc = kb_edit(c->store, &c->who, id, body, app_now(a), &k, &e);
    json_decref(body);
    if (rc) {
        http_error_from(res, &e);
        kb_entry_release(&k);
        return;
    }
    audit_kb(c, "kb_edit", &k);
    http_json(res, k.id == id ? 200 : 201, version_json(c->store, &k));
    if (k.id != id) { /* a new version: where it is */
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/kb/%lld", (long long)k.id);
        http_response_header(res, "Location", loc);
    }
    kb_entry_release(&k);
}

static void act(struct app *a, struct http_request *req, struct http_response *res, int action)
{
    static const char *const fields[] = {"note", NULL};
    struct app_ctx *c = app_current(a);
    json_t *body = NULL;
    struct kb_entry k;
    struct js_error e;
    int64_t id;
    js_error_clear(&e);
    kb_entry_init(&k);
    if (app_parse_id(http_param(req, "id"), &id)) {
        bad(res, -JS_ENOTFOUND, "id", "知识库条目不存在");
        return;
    }
    if (app_body(req, fields, true, &body, res))
        return;
    json_t *nv = json_object_get(body, "note");
    if (nv && !json_is_string(nv) && !json_is_null(nv)) {
        json_decref(body);
        bad(res, -JS_ETYPE, "note", "字段 note（理由）应为文本");
        return;
    }
    int rc = kb_act(c->store, &c->who, id, action, json_string_value(nv), app_now(a), &k, &e);
    json_decref(body);
    if (rc) {
        http_error_from(res, &e);
        return;
    }
    char what[32];
    snprintf(what, sizeof what, "kb_%s", kb_action_names[action]);
    audit_kb(c, what, &k);
    http_json(res, 200, version_json(c->store, &k));
    kb_entry_release(&k);
}

static void submit(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, KBA_SUBMIT);
}
static void approve(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, KBA_APPROVE);
}
static void reject(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, KBA_REJECT);
}
static void withdraw(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, KBA_WITHDRAW);
}
static void expire(void *ap, struct http_request *req, struct http_response *res)
{
    act(ap, req, res, KBA_EXPIRE);
}

struct stats_ctx {
    struct store *s;
    json_t *items;
};

static int stats_row(void *ctx, const struct kb_unit_stats *st)
{
    struct stats_ctx *x = ctx;
    char name[128];
    unit_name(x->s, st->unit_id, name, sizeof name);
    int64_t kept = st->published + st->stale;
    return json_array_append_new(
               x->items, json_pack("{sI ss sI sI sI sf}", "unit_id", (json_int_t)st->unit_id,
                                   "unit_name", name, "published", (json_int_t)st->published,
                                   "stale", (json_int_t)st->stale, "uses", (json_int_t)st->uses,
                                   "stale_rate", kept ? (double)st->stale / (double)kept : 0.0))
               ? -JS_ENOMEM
               : 0;
}

static void stats(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"period", NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct ind_period p;
    struct js_error e;
    js_error_clear(&e);
    if (app_query_known(req, params, res))
        return;
    const char *period = http_query(req, "period");
    if (!period) {
        bad(res, -JS_EMISSING, "period", "缺少查询参数 period，如 2026-10");
        return;
    }
    if (ind_period_parse(period, &p, &e)) {
        bad(res, -JS_EINVAL, "period", "period 应为月份（2026-10）、季度（2026-Q4）或年份（2026）");
        return;
    }
    /* a period not over yet stands as it is now, not as it will be at its end */
    int64_t now = app_now(a), cutoff = p.cutoff < now ? p.cutoff : now;
    struct stats_ctx x = {c->store, json_array()};
    int rc = x.items ? c->store->ops->kb_stats(c->store, p.from, p.to, cutoff, stats_row, &x)
                     : -JS_ENOMEM;
    if (rc) {
        json_decref(x.items);
        app_store_error(res, rc, NULL, "knowledge base");
        return;
    }
    char spec[64];
    ind_period_format(&p, spec, sizeof spec);
    http_json(res, 200, json_pack("{ss so}", "period", spec, "items", x.items));
}

static const struct route_doc kb_docs[] = {
    {"GET", "/api/v1/kb", "knowledge base",
     "Knowledge-base entries. With q (typed words: every word must match) or text (a complaint's "
     "text: any of its words) the published entries in force, most relevant first, with the same "
     "Chinese search as orders (traditional = simplified, synonyms); else the latest version of "
     "each entry (with status or all=true: every version), filtered by status, unit and category "
     "(and below)",
     "every user (unit users: their unit's entries and every published one)",
     "q:string,text:string,category_id:integer,unit_id:integer,status:string,all:boolean,"
     "limit:integer,cursor:string",
     NULL, 200},
    {"GET", "/api/v1/kb/{id}", "knowledge base",
     "One version of an entry, whether it may be cited now, and the entry's history (every "
     "version, newest first)",
     "every user who may read it", NULL, NULL, 200},
    {"POST", "/api/v1/kb", "knowledge base", "A new entry (version 1, draft)",
     "unit_operator, unit_leader (their unit)", NULL,
     "question:string!,answer:string!,basis:string,categories:array,unit_id:integer,"
     "valid_from:string,valid_to:string",
     201},
    {"PUT", "/api/v1/kb/{id}", "knowledge base",
     "Edit a version: a draft in place (200); a published, expired or withdrawn one opens a new "
     "draft version (201) while the published one stays in force; refused under review",
     "unit_operator, unit_leader (their unit)", NULL,
     "question:string,answer:string,basis:string,categories:array,valid_from:string,"
     "valid_to:string",
     200},
    {"POST", "/api/v1/kb/{id}/submit", "knowledge base", "Submit a draft for review",
     "unit_leader (their unit)", NULL, "note:string", 200},
    {"POST", "/api/v1/kb/{id}/approve", "knowledge base",
     "Publish a version under review (the entry's version published before is superseded)",
     "supervisor, admin", NULL, "note:string", 200},
    {"POST", "/api/v1/kb/{id}/reject", "knowledge base",
     "Send a version under review back to draft with the reason", "supervisor, admin", NULL,
     "note:string!", 200},
    {"POST", "/api/v1/kb/{id}/withdraw", "knowledge base",
     "Take a published version out of force with the reason",
     "unit_leader (their unit), supervisor, admin", NULL, "note:string!", 200},
    {"POST", "/api/v1/kb/{id}/expire", "knowledge base",
     "End a published version now (the scheduler does it when valid_to passes)",
     "supervisor, admin", NULL, "note:string", 200},
    {"GET", "/api/v1/kb/stats", "knowledge base",
     "Per unit: entries in force and out of date at the end of the period (now, for the "
     "current one), and the direct answers of the period citing its entries (the kb indicators)",
     "every user", "period:string!", NULL, 200},
};

int res_kb_register(struct app *a)
{
    int rc;
    struct router *r = a->router;
    if ((rc = router_add(r, "GET", "/api/v1/kb", list)) ||
        (rc = router_add(r, "POST", "/api/v1/kb", create)) ||
        (rc = router_add(r, "GET", "/api/v1/kb/stats", stats)) ||
        (rc = router_add(r, "GET", "/api/v1/kb/{id}", get_one)) ||
        (rc = router_add(r, "PUT", "/api/v1/kb/{id}", edit)) ||
        (rc = router_add(r, "POST", "/api/v1/kb/{id}/submit", submit)) ||
        (rc = router_add(r, "POST", "/api/v1/kb/{id}/approve", approve)) ||
        (rc = router_add(r, "POST", "/api/v1/kb/{id}/reject", reject)) ||
        (rc = router_add(r, "POST", "/api/v1/kb/{id}/withdraw", withdraw)) ||
        (rc = router_add(r, "POST", "/api/v1/kb/{id}/expire", expire)))
        return rc;
    return app_route_docs(a, kb_docs, (int)JS_ARRAY_LEN(kb_docs));
}
