/* The citizen's self-service (issue 15): the acceptance notice carries the order number and a
 * query code (8 random characters; only a salted SHA-256 of it is kept, as the named blob
 * "access:<order id>"), and POST /api/v1/public/query answers, for the number and the code and
 * without a login, how the order stands: status, deadline, the unit, the official's public answer
 * — never the citizen's data — and POST /api/v1/public/rate takes the citizen's satisfaction
 * rating in place of the callback's questions, and POST /api/v1/public/supplement what the citizen
 * adds while the order is handled. Guesses are limited per address and per order
 * number; a wrong code, an unknown number and an order without a code get the same answer. */
#include "compat.h"
#include "http/res_self.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lifecycle.h"
#include "http/res_files.h"
#include "http/res_open311.h"
#include "http/respond.h"
#include "util/auth.h"
#include "util/jfield.h"

#define CODE_LEN 8
/* no 0/O, 1/I/L: read aloud and typed from a text message */
static const char code_chars[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

static pthread_mutex_t limiter_lock = PTHREAD_MUTEX_INITIALIZER;
static struct auth_limiter *limiter; /* one per process, made at registration */

/* The digest kept for order_id's code: hex SHA-256 of "jiesu-query:<id>:<code>". */
static int digest(int64_t order_id, const char *code, char out[AUTH_TOKEN_HEX])
{
    char text[64];
    snprintf(text, sizeof text, "jiesu-query:%lld:%s", (long long)order_id, code);
    return auth_token_digest(text, out);
}

/* Draws a code of CODE_LEN characters, each uniform over code_chars, from one read of the
 * system's random source for most codes: a byte below the largest multiple of the alphabet's
 * size picks a character, a higher one is dropped. randombytes_uniform per character made eight
 * getrandom calls, inside the write lock (the acceptance runs in the intake's transaction). */
static void code_draw(char code[CODE_LEN + 1])
{
    const unsigned k = (unsigned)(sizeof code_chars - 1), below = 256 / k * k;
    unsigned char rnd[32];
    size_t used = sizeof rnd;
    for (int i = 0; i < CODE_LEN;) {
        if (used == sizeof rnd) {
            randombytes_buf(rnd, sizeof rnd);
            used = 0;
        }
        unsigned b = rnd[used++];
        if (b < below)
            code[i++] = code_chars[b % k];
    }
    code[CODE_LEN] = '\0';
    sodium_memzero(rnd, sizeof rnd);
}

static void blob_key(int64_t order_id, char *key, size_t n)
{
    snprintf(key, n, "access:%lld", (long long)order_id);
}

int res_self_on_acceptance(void *ctx, struct store *s, int64_t order_id, int64_t now, char *suffix,
                           size_t n)
{
    JS_UNUSED(ctx);
    char code[CODE_LEN + 1], hash[AUTH_TOKEN_HEX], key[48];
    if (auth_init())
        return -JS_EINTERNAL;
    code_draw(code);
    int rc = digest(order_id, code, hash);
    if (rc)
        return rc;
    blob_key(order_id, key, sizeof key);
    rc = s->ops->blob_put(s, key, hash, AUTH_TOKEN_HEX - 1, now);
    if (rc)
        return rc;
    snprintf(suffix, n, "查询码%s，凭工单编号和查询码可在网上查询办理进度、答复。", code);
    sodium_memzero(code, sizeof code);
    return 0;
}

/* Upper-cases and drops blanks and dashes; false when it is not CODE_LEN code characters. */
static bool normalise(const char *in, char out[CODE_LEN + 1])
{
    size_t n = 0;
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (n == CODE_LEN || !strchr(code_chars, c) || !c)
            return false;
        out[n++] = c;
    }
    out[n] = '\0';
    return n == CODE_LEN;
}

static void refuse(struct http_response *res)
{
    http_error(res, -JS_ENOTFOUND, "code", "工单编号或查询码不正确");
}

/* Reads number and code from body, counts the try, and loads the order when the code is its
 * own; else fills res (the same refusal for every miss, 429 past the limits) and returns -1. */
static int verify(struct app_ctx *c, struct http_request *req, const json_t *body, struct order *o,
                  struct http_response *res)
{
    struct store *s = c->store;
    const char *number = NULL, *code_in = NULL;
    char code[CODE_LEN + 1] = "", key[48], hash[AUTH_TOKEN_HEX], login[32];
    void *stored = NULL;
    size_t size = 0;
    int64_t retry = 0;
    int ret = -1;
    struct js_error e;
    js_error_clear(&e);
    if (jf_str(body, "number", true, 20, &number, &e) ||
        jf_str(body, "code", true, 20, &code_in, &e)) {
        http_error_from(res, &e);
        return -1;
    }
    /* every try counts against the address and the number until it succeeds */
    snprintf(login, sizeof login, "q:%s", number);
    if (auth_limiter_attempt(limiter, login, req->remote, &retry)) {
        char msg[128], after[24];
        snprintf(msg, sizeof msg, "查询次数过多，请 %lld 分钟后再试", (long long)(retry + 59) / 60);
        http_error(res, -JS_ERATELIMIT, "", msg);
        snprintf(after, sizeof after, "%lld", (long long)retry);
        http_response_header(res, "Retry-After", after);
        return -1;
    }
    int rc = normalise(code_in, code) ? s->ops->order_get_by_number(s, number, o) : -JS_ENOTFOUND;
    if (!rc) {
        blob_key(o->id, key, sizeof key);
        rc = s->ops->blob_get(s, key, &stored, &size, NULL);
    }
    if (rc == -JS_ENOTFOUND || (!rc && (size != AUTH_TOKEN_HEX - 1 || digest(o->id, code, hash) ||
                                        sodium_memcmp(hash, stored, AUTH_TOKEN_HEX - 1) != 0))) {
        refuse(res);
        goto out;
    }
    if (rc) {
        app_store_error(res, rc, "", "order");
        goto out;
    }
    auth_limiter_succeeded(limiter, login, req->remote);
    ret = 0;
out:
    free(stored);
    sodium_memzero(code, sizeof code);
    return ret;
}

static void answer_order(struct app_ctx *c, const struct order *o, struct http_response *res)
{
    struct store *s = c->store;
    struct buf answer;
    buf_init(&answer, 0);
    res_open311_public_answer(s, o, &answer);
    bool answered = o->reply_text && *o->reply_text &&
                    (o->status == ST_ANSWERED || o->status == ST_CALLBACK ||
                     o->status == ST_CLOSED || o->status == ST_ARCHIVED);
    char created[40] = "", due[40] = "", closed[40] = "";
    jtime_format_cn(o->created_at, created, sizeof created);
    if (o->deadline)
        jtime_format_cn(o->deadline, due, sizeof due);
    if (o->closed_at)
        jtime_format_cn(o->closed_at, closed, sizeof closed);
    json_t *unit = json_null();
    const struct assignment *lead = order_lead((struct order *)o);
    struct unit u;
    if (lead && s->ops->unit_get(s, lead->unit_id, &u) == 0)
        unit = json_string(u.name);
    int sat = o->cb_satisfaction;
    http_json(res, 200,
              json_pack("{ss ss ss ss so ss? ss? so ss? so sb sb ss?}", "number", o->number,
                        "status", js_status_names[o->status], "status_label",
                        js_status_labels[o->status], "created_cn", created, "deadline",
                        app_time_json(o->deadline), "deadline_cn", due[0] ? due : NULL, "closed_cn",
                        closed[0] ? closed : NULL, "unit", unit, "answer",
                        answered ? answer.data : NULL, "answered", json_boolean(answered),
                        "can_rate", lifecycle_citizen_may_rate(o), "can_supplement",
                        lifecycle_citizen_may_supplement(o), "satisfaction",
                        sat > SAT_NONE && sat < SAT__COUNT ? js_satisfaction_labels[sat] : NULL));
    buf_release(&answer);
}

static void query(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const fields[] = {"number", "code", NULL};
    struct app_ctx *c = app_current(ap);
    json_t *body = NULL;
    struct order o;
    order_init(&o);
    if (app_body(req, fields, false, &body, res) || verify(c, req, body, &o, res))
        goto out;
    answer_order(c, &o, res);
out:
    json_decref(body);
    order_release(&o);
}

/* Does action on o in the citizen's name (the system, named who; args borrowed, NULL when they
 * could not be made), then answers the order as it now stands; saved: what to say when it was
 * done but cannot be read back. o is replaced by the order as it now stands. */
static void act_for_citizen(struct app_ctx *c, struct order *o, int action, const char *who_name,
                            json_t *args, const char *saved, struct http_response *res)
{
    struct actor who = {.user_id = 0, .role = ROLE_SYSTEM};
    struct engine_result r;
    struct js_error e;
    js_error_clear(&e);
    snprintf(who.name, sizeof who.name, "%s", who_name);
    if (!args) {
        http_error(res, -JS_ENOMEM, "", NULL);
        return;
    }
    if (engine_execute(&c->engine, &who, action, o->id, o->version, args, &r, &e)) {
        http_error_from(res, &e);
        return;
    }
    order_release(o);
    order_init(o);
    if (c->store->ops->order_get(c->store, r.order_id, o)) {
        http_error(res, -JS_EBUSY, "", saved);
        return;
    }
    answer_order(c, o, res);
}

/* The citizen's satisfaction rating, as the callback would have asked it: a callback action by
 * the system, named for the citizen, which the callback clerk then sees done. */
static void rate(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const fields[] = {"number", "code", "solved", "satisfaction", NULL};
    struct app_ctx *c = app_current(ap);
    json_t *body = NULL, *args = NULL;
    struct order o;
    bool solved = false;
    int sat = SAT_NONE;
    struct js_error e;
    js_error_clear(&e);
    order_init(&o);
    if (app_body(req, fields, false, &body, res))
        goto out;
    if (jf_bool(body, "solved", true, &solved, &e) ||
        jf_enum(body, "satisfaction", true, js_satisfaction_names, &sat, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (sat == SAT_NONE) {
        http_error(res, -JS_EINVAL, "satisfaction", "请选择满意、基本满意或不满意");
        goto out;
    }
    if (verify(c, req, body, &o, res))
        goto out;
    if (!lifecycle_citizen_may_rate(&o)) {
        http_error(res, -JS_ESTATE, "satisfaction",
                   o.cb_satisfaction != SAT_NONE ? "您已评价过这件工单"
                                                 : "工单答复后才能评价，办结后不能再评价");
        goto out;
    }
    args = json_pack("{sb sb ss ss}", "contacted", 1, "solved", solved, "satisfaction",
                     js_satisfaction_names[sat], "note", "诉求人凭查询码在网上自行评价");
    act_for_citizen(c, &o, ACT_CALLBACK, "诉求人（自助查询页评价）", args, "评价已保存，请刷新查看",
                    res);
out:
    json_decref(body);
    json_decref(args);
    order_release(&o);
}

/* What the citizen adds (诉求人补充): appended to the order's text by the supplement action, done
 * by the system in the citizen's name; the units holding the order read it there. */
static void supplement(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const fields[] = {"number", "code", "text", NULL};
    struct app_ctx *c = app_current(ap);
    json_t *body = NULL, *args = NULL;
    const char *text = NULL;
    struct order o;
    struct js_error e;
    js_error_clear(&e);
    order_init(&o);
    if (app_body(req, fields, false, &body, res))
        goto out;
    if (jf_str(body, "text", true, JS_MAX_NOTE, &text, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (verify(c, req, body, &o, res))
        goto out;
    if (!lifecycle_citizen_may_supplement(&o)) {
        http_error(res, -JS_ESTATE, "text", "工单已办结，不能再补充；如有新的诉求请重新反映");
        goto out;
    }
    args = json_pack("{ss}", "text", text);
    act_for_citizen(c, &o, ACT_SUPPLEMENT, "诉求人（自助查询页补充）", args,
                    "补充已保存，请刷新查看", res);
out:
    json_decref(body);
    json_decref(args);
    order_release(&o);
}

/* The photos a citizen may add to one order from this page, and the largest photo. */
#define CITIZEN_PHOTOS_MAX  9
#define CITIZEN_PHOTO_BYTES ((size_t)8 << 20)

/* The citizen's photos already on o (attachments of kind citizen_photo). */
static int citizen_photos(const struct order *o)
{
    json_t *list = o->attachments && *o->attachments ? json_loads(o->attachments, 0, NULL) : NULL;
    size_t i;
    json_t *x;
    int n = 0;
    json_array_foreach(list, i, x)
    {
        const char *kind = json_string_value(json_object_get(x, "kind"));
        n += kind && strcmp(kind, "citizen_photo") == 0;
    }
    json_decref(list);
    return n;
}

/* A photo from the citizen (the camera of a phone), sent as the raw body with the number and
 * the code in headers: stored as an attachment named for what it is (never the phone's file
 * name, which may carry the citizen's), then added to the order by the supplement action in the
 * citizen's name. */
static void photo(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const types[] = {"image/jpeg", "image/png", "image/webp", NULL};
    static const char *const exts[] = {"jpg", "png", "webp"};
    struct app_ctx *c = app_current(ap);
    const char *number = http_header(req, "X-Order-Number"),
               *code = http_header(req, "X-Query-Code");
    const char *ct = http_header(req, "Content-Type");
    json_t *body = NULL, *args = NULL;
    struct order o;
    struct stored_file f;
    int type = -1;
    order_init(&o);
    for (int i = 0; ct && types[i] && type < 0; i++)
        if (strncmp(ct, types[i], strlen(types[i])) == 0)
            type = i;
    if (!number || !code) {
        http_error(res, -JS_EMISSING, number ? "X-Query-Code" : "X-Order-Number",
                   "请提供工单编号和查询码");
        goto out;
    }
    if (type < 0) {
        http_error(res, -JS_EINVAL, "Content-Type", "只能上传 JPEG、PNG 或 WebP 格式的照片");
        goto out;
    }
    if (req->body_len == 0 || req->body_len > CITIZEN_PHOTO_BYTES) {
        http_error(res, -JS_EINVAL, "body", "照片不能为空，且不能超过 8 MB");
        goto out;
    }
    if (!(body = json_pack("{ss ss}", "number", number, "code", code))) {
        http_error(res, -JS_ENOMEM, "", NULL);
        goto out;
    }
    if (verify(c, req, body, &o, res))
        goto out;
    if (!lifecycle_citizen_may_supplement(&o)) {
        http_error(res, -JS_ESTATE, "body", "工单已办结，不能再补充；如有新的诉求请重新反映");
        goto out;
    }
    int have = citizen_photos(&o);
    if (have >= CITIZEN_PHOTOS_MAX) {
        http_error(res, -JS_ERULE, "body", "每件工单最多上传 9 张照片");
        goto out;
    }
    char name[64];
    snprintf(name, sizeof name, "诉求人照片-%d.%s", have + 1, exts[type]);
    int rc = res_files_store(c, name, types[type], req->body, req->body_len, 0, app_now(ap), &f);
    if (rc) {
        app_store_error(res, rc, "body", "照片");
        goto out;
    }
    char url[64];
    snprintf(url, sizeof url, RES_FILES_PREFIX "/%s", f.id);
    args = json_pack("{s[{ss ss ss}]}", "attachments", "name", name, "url", url, "kind",
                     "citizen_photo");
    act_for_citizen(c, &o, ACT_SUPPLEMENT, "诉求人（自助查询页照片）", args,
                    "照片已保存，请刷新查看", res);
out:
    json_decref(body);
    json_decref(args);
    order_release(&o);
}

/* The public list of handled orders (000 arts. 5, 14: 信息公开), on the policy's switch
 * public_list: what was asked (the type and the category, never the title or the text, which
 * carry names and addresses), where (the region), when, and the official's public answer with
 * personal data masked, newest first, by cursor. */
struct public_list {
    struct app_ctx *c;
    json_t *items;
};

static int public_one(void *ctx, const struct order *o)
{
    struct public_list *l = ctx;
    struct store *s = l->c->store;
    struct category cat;
    struct region reg;
    struct buf answer;
    char created[40] = "", closed[40] = "";
    buf_init(&answer, 0);
    res_open311_public_answer(s, o, &answer);
    jtime_format_cn(o->created_at, created, sizeof created);
    if (o->closed_at)
        jtime_format_cn(o->closed_at, closed, sizeof closed);
    memset(&cat, 0, sizeof cat);
    memset(&reg, 0, sizeof reg);
    bool has_cat = o->category_id && s->ops->category_get(s, o->category_id, &cat) == 0;
    bool has_reg = o->region_id && s->ops->region_get(s, o->region_id, &reg) == 0;
    json_t *j = json_pack("{ss ss ss ss? ss? ss ss? ss?}", "number", o->number, "type",
                          js_type_labels[o->type], "status", js_status_labels[o->status],
                          "category", has_cat ? cat.name : NULL, "region",
                          has_reg ? reg.name : NULL, "created_cn", created, "closed_cn",
                          closed[0] ? closed : NULL, "answer", answer.len ? answer.data : NULL);
    buf_release(&answer);
    if (!j || json_array_append_new(l->items, j))
        return -JS_ENOMEM;
    return 0;
}

static void public_orders(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const params[] = {"cursor", "limit", NULL};
    static const int statuses[] = {ST_ANSWERED, ST_CLOSED, ST_ARCHIVED};
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, params, res))
        return;
    if (!c->engine.policy.public_list) { /* not published: nothing, and the page shows nothing */
        http_json(res, 200, json_pack("{sb s[] sn}", "published", 0, "items", "next_cursor"));
        return;
    }
    struct order_query q = {.statuses = statuses,
                            .n_statuses = 3,
                            .type = -1,
                            .level = -1,
                            .overdue = -1,
                            .sort = SORT_CREATED_DESC,
                            .limit = 20,
                            .now = app_now(ap)};
    q.cursor = http_query(req, "cursor");
    const char *lim = http_query(req, "limit");
    int64_t v = 0;
    if (lim && (app_parse_id(lim, &v) || v > 100)) {
        http_error(res, -JS_EINVAL, "limit", "须在 1 到 100 之间");
        return;
    }
    if (lim)
        q.limit = (int)v;
    struct public_list l = {.c = c, .items = json_array()};
    char next[128] = "";
    int rc = l.items ? c->store->ops->order_query(c->store, &q, public_one, &l, next, sizeof next)
                     : -JS_ENOMEM;
    if (rc) {
        json_decref(l.items);
        if (rc == -JS_EINVAL)
            http_error(res, -JS_EINVAL, "cursor", "不是本服务器给出的翻页游标");
        else
            app_store_error(res, rc, "", "orders");
        return;
    }
    http_json(res, 200,
              json_pack("{sb so so}", "published", 1, "items", l.items, "next_cursor",
                        next[0] ? json_string(next) : json_null()));
}

static const struct route_doc docs[] = {
    {"POST", "/api/v1/public/query", "self-service",
     "How an order stands, for its number and the query code of its acceptance notice, without a "
     "login: status, deadline, the unit, the official's public answer (never the citizen's data); "
     "a wrong code and an unknown number answer alike; limited per address and per number",
     "anyone with the number and the code", NULL, "number:string!,code:string!", 200},
    {"POST", "/api/v1/public/rate", "self-service",
     "The citizen's satisfaction rating for the number and the query code, once, after the "
     "answer and before the closure: recorded as the callback's answer (contacted, solved, "
     "satisfaction), which the callback clerk then finds done",
     "anyone with the number and the code", NULL,
     "number:string!,code:string!,solved:boolean!,satisfaction:string!", 200},
    {"POST", "/api/v1/public/supplement", "self-service",
     "What the citizen adds to an order still being handled, for the number and the query code: "
     "appended to the order's text, marked as the citizen's (the supplement action, by the system "
     "in the citizen's name)",
     "anyone with the number and the code", NULL, "number:string!,code:string!,text:string!", 200},
    {"GET", "/api/v1/public/orders", "self-service",
     "The handled orders, newest first, without personal data (000 arts. 5, 14 信息公开): "
     "number, type, status, category, region, times and the official's public answer, masked; "
     "published only when the policy's public_list is on (otherwise published: false and no "
     "items)",
     "anyone", "cursor:string,limit:integer", NULL, 200},
    {"POST", RES_SELF_PHOTO, "self-service",
     "A photo the citizen adds to an order still being handled: the raw body (image/jpeg, "
     "image/png or image/webp, at most 8 MB), the number and the query code in the headers "
     "X-Order-Number and X-Query-Code; stored as an attachment named 诉求人照片-N and added by "
     "the supplement action in the citizen's name; at most 9 an order",
     "anyone with the number and the code", NULL, NULL, 200},
};

int res_self_register(struct app *a)
{
    int rc = 0;
    pthread_mutex_lock(&limiter_lock);
    if (!limiter) {
        /* 5 wrong codes per number, 20 tries per address, in 15 minutes */
        rc = auth_limiter_new(5, 900, a->cfg.clock, &limiter);
        if (!rc)
            auth_limiter_set_remote_max(limiter, 20);
    }
    pthread_mutex_unlock(&limiter_lock);
    if (rc)
        return rc;
    if ((rc = router_add_flags(a->router, "POST", "/api/v1/public/query", query, APP_PUBLIC)) ||
        (rc = router_add_flags(a->router, "POST", "/api/v1/public/rate", rate, APP_PUBLIC)) ||
        (rc = router_add_flags(a->router, "POST", "/api/v1/public/supplement", supplement,
                               APP_PUBLIC)) ||
        (rc = router_add_flags(a->router, "POST", RES_SELF_PHOTO, photo, APP_PUBLIC)) ||
        (rc = router_add_flags(a->router, "GET", "/api/v1/public/orders", public_orders,
                               APP_PUBLIC)))
        return rc;
    return app_route_docs(a, docs, (int)JS_ARRAY_LEN(docs));
}
