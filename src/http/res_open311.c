/* The Open311 GeoReport v2 server (issue 15): discovery, the services offered (categories of the
 * category tree, chosen in the setting "open311"), their definitions with attributes, POST
 * requests (a client's api_key; the request becomes an order of channel open311 through the
 * engine's intake, like any other), GET requests and requests/{id} with the status and the
 * official's public answer, and tokens/{token} for batch services. Every resource answers in XML
 * (the spec's required format) or JSON by its extension; errors are the spec's array of
 * {code, description} with HTTP 400, 403 or 404. The administrator's side (/api/v1/open311) edits
 * the settings and registers or revokes the client applications. */
#include "compat.h"
#include "http/res_open311.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/respond.h"
#include "store/open311.h"
#include "util/arena.h"
#include "util/jfield.h"
#include "util/url.h"
#include "util/xmlw.h"

#define XML_TYPE        "text/xml; charset=utf-8"
#define MAX_PARAMS      200
#define MAX_DESCRIPTION 4000 /* characters of a description (the spec's limit) */
#define MAX_IDS         100  /* service_request_id values in one GET requests */
#define MAX_LIST        1000 /* requests in one GET requests (the spec's default limit) */
#define MAX_SPAN_DAYS   90   /* the spec's longest start_date..end_date span */

enum fmt { FMT_XML, FMT_JSON };

/* --- answers ----------------------------------------------------------------------------- */

static const char *item_name(const char *parent)
{
    static const char *const names[][2] = {{"services", "service"}, {"service_requests", "request"},
                                           {"errors", "error"},     {"attributes", "attribute"},
                                           {"values", "value"},     {"endpoints", "endpoint"},
                                           {"formats", "format"}};
    for (size_t i = 0; i < JS_ARRAY_LEN(names); i++)
        if (strcmp(names[i][0], parent) == 0)
            return names[i][1];
    return NULL;
}

/* Answers v (stolen) as JSON or as the XML document root. */
static void reply(struct http_response *res, enum fmt f, int status, const char *root, json_t *v)
{
    if (!v) {
        http_error(res, -JS_ENOMEM, "", NULL);
        return;
    }
    if (f == FMT_JSON) {
        http_json(res, status, v);
        return;
    }
    struct buf b;
    buf_init(&b, 0);
    int rc = xmlw_document(&b, root, v, item_name);
    json_decref(v);
    if (rc)
        http_error(res, rc, "", NULL);
    else
        http_text(res, status, XML_TYPE, b.data);
    buf_release(&b);
}

/* The spec's error: [{code, description}] with the HTTP status (400, 403 or 404). */
static void fail(struct http_response *res, enum fmt f, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(struct http_response *res, enum fmt f, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_trim(msg);
    http_response_release(res);
    http_response_init(res);
    reply(res, f, status, "errors", json_pack("[{si ss}]", "code", status, "description", msg));
}

/* Splits "name.json" / "name.xml" into the name (into out) and the format. */
static int split_ext(const char *seg, char *out, size_t n, enum fmt *f)
{
    const char *dot = seg ? strrchr(seg, '.') : NULL;
    if (!dot || (size_t)(dot - seg) >= n || dot == seg)
        return -1;
    if (strcmp(dot, ".json") == 0)
        *f = FMT_JSON;
    else if (strcmp(dot, ".xml") == 0)
        *f = FMT_XML;
    else
        return -1;
    memcpy(out, seg, (size_t)(dot - seg));
    out[dot - seg] = '\0';
    return 0;
}

/* --- parameters: the query string, or the form of a POST -------------------------------- */

struct params {
    int n;
    const char *name[MAX_PARAMS], *value[MAX_PARAMS];
};

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Decodes n bytes of a form component ('+' is a space) into a new arena string; NULL for a
 * malformed escape or invalid UTF-8. */
static char *form_decode(struct arena *a, const char *s, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1, lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return NULL;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (memchr(out, '\0', o) || utf8_len(out) == (size_t)-1)
        return NULL;
    return out;
}

static int collect_query(void *ctx, const char *name, const char *value)
{
    struct params *p = ctx;
    if (p->n == MAX_PARAMS)
        return 1;
    p->name[p->n] = name;
    p->value[p->n] = value ? value : "";
    p->n++;
    return 0;
}

/* Reads the form body of a POST (application/x-www-form-urlencoded) into p; -1 with a reason
 * in why when it is not one. */
static int read_form(const struct http_request *req, struct params *p, const char **why)
{
    const char *ct = http_header(req, "Content-Type");
    while (ct && (*ct == ' ' || *ct == '\t'))
        ct++;
    if (req->body_len && (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
        *why = "请求须以表单格式（application/x-www-form-urlencoded）提交";
        return -1;
    }
    if (req->body_len > RES_OPEN311_MAX_BODY) {
        *why = "请求内容过大（最多 64 KiB）";
        return -1;
    }
    const char *s = req->body, *end = req->body + req->body_len;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp ? amp : end;
        if (stop > s) {
            const char *eq = memchr(s, '=', (size_t)(stop - s));
            const char *ne = eq ? eq : stop;
            if (p->n == MAX_PARAMS) {
                *why = "参数过多";
                return -1;
            }
            char *name = form_decode(req->arena, s, (size_t)(ne - s));
            char *value = eq ? form_decode(req->arena, eq + 1, (size_t)(stop - eq - 1))
                             : form_decode(req->arena, "", 0);
            if (!name || !value) {
                *why = "表单中有无效的转义或非 UTF-8 文字";
                return -1;
            }
            p->name[p->n] = name;
            p->value[p->n] = value;
            p->n++;
        }
        s = stop + 1;
    }
    return 0;
}

/* The first value of name, NULL when absent; an empty value counts as absent (the spec's
 * "Optional Arguments"). */
static const char *param(const struct params *p, const char *name)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i][0] ? p->value[i] : NULL;
    return NULL;
}

/* The first parameter not in allowed (NULL-terminated; names starting "attribute[" pass when
 * attributes is set), or NULL. */
static const char *unknown_param(const struct params *p, const char *const *allowed,
                                 bool attributes)
{
    for (int i = 0; i < p->n; i++) {
        bool ok = attributes && strncmp(p->name[i], "attribute[", 10) == 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, p->name[i]) == 0;
        if (!ok)
            return p->name[i];
    }
    return NULL;
}

/* --- the configuration and the shared checks --------------------------------------------- */

struct o311 {
    struct app *a;
    struct app_ctx *c;
    json_t *cfg;
    enum fmt f;
    struct params p;
};

static void o311_release(struct o311 *o)
{
    json_decref(o->cfg);
}

/* Loads the settings and checks the jurisdiction; on failure res is filled. */
static int o311_begin(struct o311 *o, struct app *a, struct http_request *req,
                      struct http_response *res, enum fmt f, bool form)
{
    struct js_error e;
    js_error_clear(&e);
    memset(o, 0, sizeof *o);
    o->a = a;
    o->c = app_current(a);
    o->f = f;
    if (form) {
        const char *why = NULL;
        if (read_form(req, &o->p, &why)) {
            fail(res, f, 400, "%s", why);
            return -1;
        }
    } else if (http_query_foreach(req, collect_query, &o->p)) {
        fail(res, f, 400, "查询参数过多");
        return -1;
    }
    if (o311_config_load(o->c->store, &o->cfg, &e)) {
        fail(res, f, 400, "%s", e.message);
        return -1;
    }
    const char *want = json_string_value(json_object_get(o->cfg, "jurisdiction_id"));
    const char *given = param(&o->p, "jurisdiction_id");
    if (!given && json_is_true(json_object_get(o->cfg, "require_jurisdiction"))) {
        fail(res, f, 400, "缺少辖区标识（jurisdiction_id），本接口的辖区为 %s", want);
        return -1;
    }
    if (given && (!want || strcmp(given, want) != 0)) {
        fail(res, f, 404, "辖区标识（jurisdiction_id）“%.*s”不存在", utf8_clip(given, 100), given);
        return -1;
    }
    return 0;
}

/* Refuses parameters outside allowed (with the jurisdiction and, as clients send it to every
 * method, api_key). */
static int check_params(struct o311 *o, const char *const *allowed, bool attributes,
                        struct http_response *res)
{
    const char *const common[] = {"jurisdiction_id", "api_key", NULL};
    for (int i = 0; i < o->p.n; i++) {
        struct params one = {.n = 1, .name = {o->p.name[i]}, .value = {o->p.value[i]}};
        if (unknown_param(&one, common, false) && unknown_param(&one, allowed, attributes)) {
            fail(res, o->f, 400, "未知的参数“%.*s”", utf8_clip(o->p.name[i], 64), o->p.name[i]);
            return -1;
        }
    }
    return 0;
}

/* The offered service of code (new reference), or NULL. */
static json_t *find_service(struct o311 *o, const char *code, int64_t category_id)
{
    json_t *list = NULL, *found = NULL, *sv;
    size_t i;
    if (o311_services(o->c->store, o->cfg, &list))
        return NULL;
    json_array_foreach(list, i, sv)
    {
        if ((code && strcmp(json_string_value(json_object_get(sv, "service_code")), code) == 0) ||
            (!code && json_integer_value(json_object_get(sv, "category_id")) == category_id)) {
            found = json_incref(sv);
            break;
        }
    }
    json_decref(list);
    return found;
}

/* --- discovery and services -------------------------------------------------------------- */

static bool host_ok(const char *h)
{
    if (!h || !*h || strlen(h) > 200)
        return false;
    for (; *h; h++)
        if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') ||
              *h == '.' || *h == '-' || *h == ':' || *h == '[' || *h == ']'))
            return false;
    return true;
}

static void discovery(struct o311 *o, struct http_request *req, struct http_response *res)
{
    static const char *const none[] = {NULL};
    if (check_params(o, none, false, res))
        return;
    const char *host = http_header(req, "Host");
    const char *proto = http_header(req, "X-Forwarded-Proto");
    char url[300], now[32];
    snprintf(url, sizeof url, "%s://%s/open311/v2",
             proto && strcmp(proto, "https") == 0 ? "https" : "http",
             host_ok(host) ? host : "127.0.0.1");
    const char *changeset = json_string_value(json_object_get(o->cfg, "changeset"));
    jtime_format(app_now(o->a), now, sizeof now);
    if (!changeset)
        changeset = now;
    const char *contact = json_string_value(json_object_get(o->cfg, "contact"));
    const char *key_service = json_string_value(json_object_get(o->cfg, "key_service"));
    reply(res, o->f, 200, "discovery",
          json_pack("{ss ss ss s[{ss ss ss ss s[ss]}]}", "changeset", changeset, "contact",
                    contact && *contact ? contact : "请联系本区 12345 热线平台管理员",
                    "key_service",
                    key_service && *key_service ? key_service
                                                : "接入密钥（api_key）由平台管理员登记客户端后发放",
                    "endpoints", "specification", "http://wiki.open311.org/GeoReport_v2", "url",
                    url, "changeset", changeset, "type",
                    json_string_value(json_object_get(o->cfg, "endpoint_type")), "formats",
                    "text/xml", "application/json"));
}

static void services(struct o311 *o, struct http_response *res)
{
    static const char *const none[] = {NULL};
    json_t *list = NULL, *out = json_array(), *sv;
    size_t i;
    if (check_params(o, none, false, res))
        goto out;
    if (o311_services(o->c->store, o->cfg, &list)) {
        fail(res, o->f, 400, "无法读取服务目录，请稍后再试");
        goto out;
    }
    json_array_foreach(list, i, sv)
    {
        json_array_append_new(out, json_pack("{sO sO sO sb sO sO sO}", "service_code",
                                             json_object_get(sv, "service_code"), "service_name",
                                             json_object_get(sv, "service_name"), "description",
                                             json_object_get(sv, "description"), "metadata", 1,
                                             "type", json_object_get(sv, "type"), "keywords",
                                             json_object_get(sv, "keywords"), "group",
                                             json_object_get(sv, "group")));
    }
    reply(res, o->f, 200, "services", out);
    out = NULL;
out:
    json_decref(list);
    json_decref(out);
}

static void definition(struct o311 *o, const char *code, struct http_response *res)
{
    static const char *const none[] = {NULL};
    if (check_params(o, none, false, res))
        return;
    json_t *sv = find_service(o, code, 0);
    if (!sv) {
        fail(res, o->f, 404, "服务代码（service_code）“%.*s”不存在或未开放", utf8_clip(code, 64),
             code);
        return;
    }
    json_t *attrs = json_array(), *a;
    size_t i;
    json_array_foreach(json_object_get(sv, "attributes"), i, a)
    {
        json_t *one = json_pack(
            "{sO sO sO sO sO sO sO}", "variable", json_object_get(a, "variable"), "code",
            json_object_get(a, "code"), "datatype", json_object_get(a, "datatype"), "required",
            json_object_get(a, "required"), "datatype_description",
            json_object_get(a, "datatype_description"), "order", json_object_get(a, "order"),
            "description", json_object_get(a, "description"));
        json_t *values = json_object_get(a, "values");
        if (one && json_array_size(values))
            json_object_set(one, "values", values);
        json_array_append_new(attrs, one);
    }
    reply(res, o->f, 200, "service_definition",
          json_pack("{sO so}", "service_code", json_object_get(sv, "service_code"), "attributes",
                    attrs));
    json_decref(sv);
}

/* --- requests as the spec shows them ----------------------------------------------------- */

static bool open311_closed(int status)
{
    return status_is_final(status) || status == ST_MERGED || status == ST_SPLIT;
}

/* Copies src into out with the citizen's name and phone, and any run of 7 or more digits
 * (phone, identity or account numbers) and e-mail address, replaced by asterisks. */
static void scrub(const struct order *o, const char *src, struct buf *out)
{
    const char *name = o->citizen_name, *phone = o->citizen_phone;
    size_t nl = name ? strlen(name) : 0, pl = phone ? strlen(phone) : 0;
    for (const char *p = src; *p;) {
        if (nl >= 3 && strncmp(p, name, nl) == 0) {
            buf_puts(out, "**");
            p += nl;
            continue;
        }
        if (pl >= 5 && strncmp(p, phone, pl) == 0) {
            buf_puts(out, "***");
            p += pl;
            continue;
        }
        size_t d = strspn(p, "0123456789");
        if (d >= 7) {
            for (size_t i = 0; i < d; i++)
                buf_puts(out, "*");
            p += d;
            continue;
        }
        if (d) {
            buf_append(out, p, d);
            p += d;
            continue;
        }
        if (*p == '@') {
            /* an e-mail address: mask the local part written so far and the domain */
            size_t k = out->len;
            while (k > 0 && (strchr("._-+", out->data[k - 1]) ||
                             (out->data[k - 1] >= 'a' && out->data[k - 1] <= 'z') ||
                             (out->data[k - 1] >= 'A' && out->data[k - 1] <= 'Z') ||
                             (out->data[k - 1] >= '0' && out->data[k - 1] <= '9')))
                k--;
            if (out->data) {
                out->len = k;
                out->data[k] = '\0';
            }
            buf_puts(out, "***");
            p++;
            while (*p && (strchr("._-", *p) || (*p >= 'a' && *p <= 'z') ||
                          (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                p++;
            continue;
        }
        buf_append(out, p, 1);
        p++;
    }
}

void res_open311_public_answer(struct store *s, const struct order *o, struct buf *out)
{
    bool answered = o->status == ST_ANSWERED || o->status == ST_CALLBACK ||
                    o->status == ST_CLOSED || o->status == ST_ARCHIVED;
    if (answered && o->reply_text && *o->reply_text) {
        scrub(o, o->reply_text, out);
        return;
    }
    if (o->status == ST_NOT_FILED && o->not_filed_reason >= 0 && o->not_filed_reason < NF__COUNT) {
        buf_printf(out, "不予受理：%s", js_notfiled_labels[o->not_filed_reason]);
        return;
    }
    if (o->status == ST_TRANSFERRED) {
        buf_printf(out, "已转接 %s", o->transfer_to);
        return;
    }
    if (o->status == ST_MERGED && o->master_id) {
        struct order m;
        order_init(&m);
        if (s->ops->order_get(s, o->master_id, &m) == 0)
            buf_printf(out, "已并入工单 %s 一并办理", m.number);
        order_release(&m);
        if (out->len)
            return;
    }
    buf_puts(out, js_status_labels[o->status]);
}

/* The first attachment's URL that is an absolute http(s) link, or NULL (into out). */
static json_t *media_url(const struct order *o)
{
    json_t *list = o->attachments && *o->attachments ? json_loads(o->attachments, 0, NULL) : NULL;
    json_t *found = NULL, *it;
    size_t i;
    json_array_foreach(list, i, it)
    {
        const char *u = json_string_value(json_object_get(it, "url"));
        if (u && url_is_link(u) && strncmp(u, "/", 1) != 0) {
            found = json_string(u);
            break;
        }
    }
    json_decref(list);
    return found ? found : json_null();
}

static json_t *text_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t t)
{
    return app_time_json(t);
}

/* One request as the spec shows it; services maps category ids to the offered services. */
static json_t *request_json(struct o311 *o, const struct order *ord, const json_t *services)
{
    struct store *s = o->c->store;
    const json_t *sv = NULL, *x;
    size_t i;
    json_array_foreach(services, i, x)
    {
        if (json_integer_value(json_object_get(x, "category_id")) == ord->category_id)
            sv = x;
    }
    struct category cat;
    const char *code = sv ? json_string_value(json_object_get(sv, "service_code")) : NULL;
    const char *name = sv ? json_string_value(json_object_get(sv, "service_name")) : NULL;
    if (!sv && ord->category_id && s->ops->category_get(s, ord->category_id, &cat) == 0) {
        code = cat.code;
        name = cat.name;
    }
    struct buf notes, desc;
    buf_init(&notes, 0);
    buf_init(&desc, 0);
    res_open311_public_answer(s, ord, &notes);
    scrub(ord, ord->text ? ord->text : "", &desc);
    json_t *agency = json_null();
    const struct assignment *lead = order_lead((struct order *)ord);
    struct unit u;
    if (lead && s->ops->unit_get(s, lead->unit_id, &u) == 0)
        agency = json_string(u.name);
    const char *notice = json_string_value(json_object_get(o->cfg, "service_notice"));
    json_t *j =
        json_pack("{ss ss ss ss so so so so so so so so so so so so}", "service_request_id",
                  ord->number, "status", open311_closed(ord->status) ? "closed" : "open",
                  "status_notes", notes.len ? notes.data : "", "service_code", code ? code : "",
                  "service_name", text_or_null(name), "description", text_or_null(desc.data),
                  "agency_responsible", agency, "service_notice", text_or_null(notice),
                  "requested_datetime", time_or_null(ord->created_at), "updated_datetime",
                  time_or_null(ord->updated_at), "expected_datetime", time_or_null(ord->deadline),
                  "address", text_or_null(ord->address), "address_id", json_null(), "zipcode",
                  json_null(), "lat", ord->has_coords ? json_real(ord->lat) : json_null(), "long",
                  ord->has_coords ? json_real(ord->lon) : json_null());
    if (j)
        json_object_set_new(j, "media_url", media_url(ord));
    buf_release(&notes);
    buf_release(&desc);
    return j;
}

/* Loads the order of an Open311 service_request_id (an order number); only orders of channel
 * open311 are reachable here. */
static int load_request(struct o311 *o, const char *id, struct order *ord)
{
    if (!id || !*id || strlen(id) > 19)
        return -JS_ENOTFOUND;
    for (const char *p = id; *p; p++)
        if (*p < '0' || *p > '9')
            return -JS_ENOTFOUND;
    int rc = o->c->store->ops->order_get_by_number(o->c->store, id, ord);
    if (rc)
        return rc;
    return strcmp(ord->channel, "open311") == 0 ? 0 : -JS_ENOTFOUND;
}

static void get_request(struct o311 *o, const char *id, struct http_response *res)
{
    static const char *const none[] = {NULL};
    struct order ord;
    json_t *list = NULL;
    order_init(&ord);
    if (check_params(o, none, false, res))
        goto out;
    int rc = load_request(o, id, &ord);
    if (rc == -JS_ENOTFOUND) {
        fail(res, o->f, 404, "服务请求（service_request_id）“%.*s”不存在", utf8_clip(id, 32), id);
        goto out;
    }
    if (rc || o311_services(o->c->store, o->cfg, &list)) {
        fail(res, o->f, 400, "无法读取服务请求，请稍后再试");
        goto out;
    }
    reply(res, o->f, 200, "service_requests", json_pack("[o]", request_json(o, &ord, list)));
out:
    json_decref(list);
    order_release(&ord);
}

struct list_ctx {
    struct o311 *o;
    json_t *services, *out;
    const int64_t *cats; /* service_code filter, n_cats of them; none: every service */
    int n_cats;
};

static int list_one(void *ctx, const struct order *ord)
{
    struct list_ctx *l = ctx;
    if (json_array_size(l->out) >= MAX_LIST)
        return 1;
    bool take = l->n_cats == 0;
    for (int i = 0; i < l->n_cats && !take; i++)
        take = l->cats[i] == ord->category_id;
    if (take)
        json_array_append_new(l->out, request_json(l->o, ord, l->services));
    return 0;
}

/* Splits a comma list into its items (at most max, each non-empty), into v. */
static int comma_list(struct arena *a, const char *s, char **v, int max)
{
    int n = 0;
    char *copy = arena_strdup(a, s);
    if (!copy)
        return -1;
    for (char *p = copy; p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (*p == ' ')
            p++;
        if (*p) {
            if (n == max)
                return -1;
            v[n++] = p;
        }
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

static void list_requests(struct o311 *o, struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"service_request_id", "service_code", "start_date",
                                          "end_date",           "status",       NULL};
    char *items[MAX_IDS];
    int64_t cats[MAX_IDS];
    struct list_ctx l = {.o = o, .cats = cats};
    struct order ord;
    order_init(&ord);
    l.out = json_array();
    if (check_params(o, allowed, false, res))
        goto out;
    if (o311_services(o->c->store, o->cfg, &l.services)) {
        fail(res, o->f, 400, "无法读取服务目录，请稍后再试");
        goto out;
    }
    const char *ids = param(&o->p, "service_request_id");
    if (ids) { /* "This overrides all other arguments." */
        int n = comma_list(req->arena, ids, items, MAX_IDS);
        if (n < 0) {
            fail(res, o->f, 400, "service_request_id 最多列出 %d 个，以逗号分隔", MAX_IDS);
            goto out;
        }
        for (int i = 0; i < n; i++) {
            order_release(&ord);
            order_init(&ord);
            int rc = load_request(o, items[i], &ord);
            if (rc == -JS_ENOTFOUND)
                continue;
            if (rc) {
                fail(res, o->f, 400, "无法读取服务请求，请稍后再试");
                goto out;
            }
            json_array_append_new(l.out, request_json(o, &ord, l.services));
        }
        reply(res, o->f, 200, "service_requests", l.out);
        l.out = NULL;
        goto out;
    }
    const char *codes = param(&o->p, "service_code");
    if (codes) {
        int n = comma_list(req->arena, codes, items, MAX_IDS);
        if (n < 0) {
            fail(res, o->f, 400, "service_code 最多列出 %d 个，以逗号分隔", MAX_IDS);
            goto out;
        }
        for (int i = 0; i < n; i++) {
            json_t *sv = find_service(o, items[i], 0);
            if (!sv) {
                fail(res, o->f, 404, "服务代码（service_code）“%.*s”不存在或未开放",
                     utf8_clip(items[i], 64), items[i]);
                goto out;
            }
            cats[l.n_cats++] = json_integer_value(json_object_get(sv, "category_id"));
            json_decref(sv);
        }
    }
    int statuses[ST__COUNT], n_statuses = 0;
    const char *st = param(&o->p, "status");
    bool want_open = !st, want_closed = !st;
    if (st) {
        int n = comma_list(req->arena, st, items, MAX_IDS);
        for (int i = 0; i < n; i++) {
            if (strcmp(items[i], "open") == 0)
                want_open = true;
            else if (strcmp(items[i], "closed") == 0)
                want_closed = true;
            else
                n = -1;
        }
        if (n <= 0) {
            fail(res, o->f, 400, "状态（status）须为 open 或 closed，可用逗号同时列出");
            goto out;
        }
    }
    for (int s = 0; s < ST__COUNT; s++)
        if ((open311_closed(s) && want_closed) || (!open311_closed(s) && want_open))
            statuses[n_statuses++] = s;
    int64_t from = 0, to = 0, now = app_now(o->a);
    const char *sd = param(&o->p, "start_date"), *ed = param(&o->p, "end_date");
    if ((sd && jtime_parse(sd, &from)) || (ed && jtime_parse(ed, &to))) {
        fail(res, o->f, 400, "%s 须为 W3C 日期时间，如 2026-11-01T00:00:00+08:00",
             sd && jtime_parse(sd, &from) ? "start_date" : "end_date");
        goto out;
    }
    if (!to)
        to = from ? from + MAX_SPAN_DAYS * JT_DAY : now + 1;
    if (!from)
        from = to - MAX_SPAN_DAYS * JT_DAY;
    if (to <= from || to - from > MAX_SPAN_DAYS * JT_DAY) {
        fail(res, o->f, 400, "start_date 须早于 end_date，且相距不超过 %d 天", MAX_SPAN_DAYS);
        goto out;
    }
    struct order_query q = {.statuses = statuses,
                            .n_statuses = n_statuses,
                            .channel = "open311",
                            .type = -1,
                            .level = -1,
                            .overdue = -1,
                            .now = now,
                            .from = from,
                            .to = to + 1, /* end_date is inclusive */
                            .sort = SORT_CREATED_DESC,
                            .limit = 500};
    char cursor[256] = "", next[256];
    for (;;) {
        next[0] = '\0';
        q.cursor = cursor[0] ? cursor : NULL;
        int rc = o->c->store->ops->order_query(o->c->store, &q, list_one, &l, next, sizeof next);
        if (rc < 0) {
            fail(res, o->f, 400, "无法读取服务请求，请稍后再试");
            goto out;
        }
        if (rc > 0 || !next[0])
            break;
        memcpy(cursor, next, sizeof cursor);
    }
    reply(res, o->f, 200, "service_requests", l.out);
    l.out = NULL;
out:
    json_decref(l.out);
    json_decref(l.services);
    order_release(&ord);
}

static void get_token(struct o311 *o, const char *token, struct http_response *res)
{
    static const char *const none[] = {NULL};
    int64_t id = 0;
    struct order ord;
    order_init(&ord);
    if (check_params(o, none, false, res))
        goto out;
    if (o311_token_check(o->cfg, token, &id) ||
        o->c->store->ops->order_get(o->c->store, id, &ord) || strcmp(ord.channel, "open311") != 0) {
        fail(res, o->f, 404, "令牌（token）“%.*s”不存在", utf8_clip(token, 64), token);
        goto out;
    }
    reply(res, o->f, 200, "service_requests",
          json_pack("[{ss ss}]", "service_request_id", ord.number, "token", token));
out:
    order_release(&ord);
}

/* --- POST requests: a new order ---------------------------------------------------------- */

/* The Open311 name of an intake field, for errors the lifecycle reports. */
static const char *spec_field(const char *field)
{
    static const char *const map[][2] = {{"citizen_name", "first_name、last_name"},
                                         {"citizen_phone", "phone"},
                                         {"address", "address_string"},
                                         {"lat", "lat"},
                                         {"lon", "long"},
                                         {"text", "description"},
                                         {"title", "description"},
                                         {"attachments", "media_url"}};
    for (size_t i = 0; i < JS_ARRAY_LEN(map); i++)
        if (strncmp(field, map[i][0], strlen(map[i][0])) == 0)
            return map[i][1];
    return field;
}

/* The values given for attribute code: attribute[code]=v and attribute[code][]=v (lists). */
static int attr_values(const struct params *p, const char *code, const char **v, int max)
{
    int n = 0;
    size_t cl = strlen(code);
    for (int i = 0; i < p->n; i++) {
        const char *nm = p->name[i];
        if (strncmp(nm, "attribute[", 10) != 0 || strncmp(nm + 10, code, cl) != 0)
            continue;
        const char *rest = nm + 10 + cl;
        if ((strcmp(rest, "]") == 0 || strcmp(rest, "][]") == 0) && p->value[i][0] && n < max)
            v[n++] = p->value[i];
    }
    return n;
}

static const json_t *attr_def(const json_t *sv, const char *code, size_t len)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(sv, "attributes"), i, a)
    {
        const char *c = json_string_value(json_object_get(a, "code"));
        if (strlen(c) == len && strncmp(c, code, len) == 0)
            return a;
    }
    return NULL;
}

static const char *value_name(const json_t *a, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(a, "values"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "key")), key) == 0)
            return json_string_value(json_object_get(v, "name"));
    }
    return NULL;
}

/* Checks the attributes against the service's definition and appends the given ones to text
 * ("【description】value"); *type gets the request_type attribute or the service's default.
 * Fills res and returns -1 on a refusal. */
static int read_attributes(struct o311 *o, const json_t *sv, struct buf *text, const char **type,
                           struct http_response *res)
{
    /* every attribute[...] names a defined attribute */
    for (int i = 0; i < o->p.n; i++) {
        const char *nm = o->p.name[i];
        if (strncmp(nm, "attribute[", 10) != 0 || !o->p.value[i][0])
            continue; /* an empty value is no value (the spec's optional arguments) */
        const char *close = strchr(nm + 10, ']');
        if (!close || (strcmp(close, "]") != 0 && strcmp(close, "][]") != 0) ||
            !attr_def(sv, nm + 10, (size_t)(close - nm - 10))) {
            fail(res, o->f, 400, "参数“%.*s”不是该服务定义的属性", utf8_clip(nm, 80), nm);
            return -1;
        }
    }
    *type = json_string_value(json_object_get(sv, "request_type"));
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(sv, "attributes"), i, a)
    {
        const char *code = json_string_value(json_object_get(a, "code"));
        const char *dt = json_string_value(json_object_get(a, "datatype"));
        const char *desc = json_string_value(json_object_get(a, "description"));
        const char *v[32];
        int n = attr_values(&o->p, code, v, 32);
        if (n == 0) {
            if (json_is_true(json_object_get(a, "required"))) {
                fail(res, o->f, 400, "缺少必填属性 attribute[%s]（%s）", code, desc);
                return -1;
            }
            continue;
        }
        bool multi = strcmp(dt, "multivaluelist") == 0, list = strstr(dt, "valuelist") != NULL;
        if (n > 1 && !multi) {
            fail(res, o->f, 400, "属性 attribute[%s] 只能有一个值", code);
            return -1;
        }
        if (strcmp(code, "request_type") == 0) {
            if (js_name_index(js_type_names, v[0]) < 0) {
                fail(res, o->f, 400, "属性 attribute[request_type] 的值“%.*s”不在选项之中",
                     utf8_clip(v[0], 32), v[0]);
                return -1;
            }
            *type = v[0];
            continue;
        }
        buf_printf(text, "\n【%s】", desc);
        for (int k = 0; k < n; k++) {
            const char *shown = v[k];
            size_t len = utf8_len(v[k]);
            if (len > 1000) {
                fail(res, o->f, 400, "属性 attribute[%s] 的值过长（最多 1000 个字符）", code);
                return -1;
            }
            if (list && !(shown = value_name(a, v[k]))) {
                fail(res, o->f, 400, "属性 attribute[%s] 的值“%.*s”不在选项之中", code,
                     utf8_clip(v[k], 32), v[k]);
                return -1;
            }
            int64_t t;
            char *end = NULL;
            if (strcmp(dt, "number") == 0 && (strtod(v[k], &end), !*v[k] || *end)) {
                fail(res, o->f, 400, "属性 attribute[%s] 须为数值", code);
                return -1;
            }
            if (strcmp(dt, "datetime") == 0 && jtime_parse(v[k], &t)) {
                fail(res, o->f, 400, "属性 attribute[%s] 须为 ISO 8601 日期时间", code);
                return -1;
            }
            if (strcmp(dt, "string") == 0 && strpbrk(v[k], "\r\n")) {
                fail(res, o->f, 400, "属性 attribute[%s] 不能换行", code);
                return -1;
            }
            buf_printf(text, "%s%s", k ? "、" : "", shown);
        }
    }
    return 0;
}

/* Cuts s to at most max characters (UTF-8) into out. */
static void cut_chars(const char *s, size_t max, struct buf *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0, i = 0;
    while (p[i] && chars < max) {
        i++;
        while ((p[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    buf_append(out, s, i);
    if (p[i])
        buf_puts(out, "…");
}

static bool has_non_ascii(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return true;
    return false;
}

static void post_request(struct o311 *o, struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"service_code",
                                          "lat",
                                          "long",
                                          "address_string",
                                          "address_id",
                                          "email",
                                          "device_id",
                                          "account_id",
                                          "first_name",
                                          "last_name",
                                          "phone",
                                          "description",
                                          "media_url",
                                          "deviceid", /* FixMyStreet's spelling of device_id */
                                          NULL};
    struct app_ctx *c = o->c;
    struct store *s = c->store;
    json_t *sv = NULL, *in = NULL;
    struct buf text, title, name, detail;
    buf_init(&text, 0);
    buf_init(&title, 0);
    buf_init(&name, 0);
    buf_init(&detail, 0);
    bool held = false;
    const json_t *client = o311_client_by_key(o->cfg, param(&o->p, "api_key"));
    if (!client) {
        fail(res, o->f, 403, "接入密钥（api_key）缺失或无效，不能提交服务请求");
        goto out;
    }
    if (check_params(o, allowed, true, res))
        goto out;
    const char *code = param(&o->p, "service_code");
    if (!code) {
        fail(res, o->f, 400, "缺少服务代码（service_code）");
        goto out;
    }
    if (!(sv = find_service(o, code, 0))) {
        fail(res, o->f, 404, "服务代码（service_code）“%.*s”不存在或未开放", utf8_clip(code, 64),
             code);
        goto out;
    }
    const char *lat = param(&o->p, "lat"), *lon = param(&o->p, "long");
    const char *addr = param(&o->p, "address_string"), *addr_id = param(&o->p, "address_id");
    if (!(lat && lon) && !addr && !addr_id) {
        fail(res, o->f, 400, "须提供位置：lat 和 long，或 address_string，或 address_id");
        goto out;
    }
    if ((lat != NULL) != (lon != NULL)) {
        fail(res, o->f, 400, "lat 和 long 须同时提供");
        goto out;
    }
    double la = 0, lo = 0;
    if (lat) {
        char *e1, *e2;
        la = strtod(lat, &e1);
        lo = strtod(lon, &e2);
        if (*e1 || *e2 || la < -90 || la > 90 || lo < -180 || lo > 180) {
            fail(res, o->f, 400, "lat 须为 -90 至 90、long 须为 -180 至 180 之间的数值（WGS84）");
            goto out;
        }
    }
    const char *desc = param(&o->p, "description");
    if (desc && utf8_len(desc) > MAX_DESCRIPTION) {
        fail(res, o->f, 400, "描述（description）最多 %d 个字符", MAX_DESCRIPTION);
        goto out;
    }
    const char *type = NULL;
    if (desc)
        buf_puts(&text, desc);
    if (read_attributes(o, sv, &text, &type, res))
        goto out;
    const char *sname = json_string_value(json_object_get(sv, "service_name"));
    if (!text.len)
        buf_printf(&text, "%s（未填写描述）", sname);
    else if (text.data[0] == '\n')
        memmove(text.data, text.data + 1, text.len--);
    buf_printf(&title, "%s：", sname);
    cut_chars(desc ? desc : (addr ? addr : sname), 40, &title);
    const char *first = param(&o->p, "first_name"), *last = param(&o->p, "last_name");
    if ((first && utf8_len(first) > 50) || (last && utf8_len(last) > 50)) {
        fail(res, o->f, 400, "first_name、last_name 各最多 50 个字符");
        goto out;
    }
    if (first && last)
        buf_printf(&name, has_non_ascii(first) || has_non_ascii(last) ? "%s%s" : "%s %s",
                   has_non_ascii(first) || has_non_ascii(last) ? last : first,
                   has_non_ascii(first) || has_non_ascii(last) ? first : last);
    else if (first || last)
        buf_puts(&name, first ? first : last);
    const char *phone = param(&o->p, "phone");
    bool anonymous = !name.len && !phone;
    in = json_pack("{ss ss ss ss sO sb sb}", "channel", "open311", "type", type, "title",
                   title.data, "text", text.data, "category_id", json_object_get(sv, "category_id"),
                   "anonymous", anonymous, "wants_callback", phone != NULL);
    if (!in) {
        fail(res, o->f, 400, "内存不足");
        goto out;
    }
    if (name.len)
        json_object_set_new(in, "citizen_name", json_string(name.data));
    if (phone)
        json_object_set_new(in, "citizen_phone", json_string(phone));
    if (addr || addr_id) {
        struct buf a;
        buf_init(&a, 0);
        if (addr)
            buf_puts(&a, addr);
        if (addr_id)
            buf_printf(&a, "%s（地址编号 %s）", addr ? " " : "", addr_id);
        json_object_set_new(in, "address", json_string(a.data));
        buf_release(&a);
    }
    if (lat) {
        json_object_set_new(in, "lat", json_real(la));
        json_object_set_new(in, "lon", json_real(lo));
    }
    /* every media_url given (FixMyStreet sends one per photo) is an attachment */
    json_t *media = json_array();
    for (int i = 0; i < o->p.n && media; i++)
        if (strcmp(o->p.name[i], "media_url") == 0 && o->p.value[i][0])
            json_array_append_new(media, json_pack("{ss ss ss}", "name", "Open311 媒体", "url",
                                                   o->p.value[i], "kind", "photo"));
    if (json_array_size(media))
        json_object_set(in, "attachments", media);
    json_decref(media);

    /* the order and the audit entry of who sent it commit together */
    struct actor who = {.user_id = 0, .role = ROLE_SYSTEM};
    snprintf(who.name, sizeof who.name, "Open311：%s",
             json_string_value(json_object_get(client, "name")));
    struct js_error e;
    js_error_clear(&e);
    struct engine_result r;
    if (s->ops->txn_hold(s)) {
        fail(res, o->f, 400, "数据库繁忙，请稍后再试");
        goto out;
    }
    held = true;
    if (engine_execute(&c->engine, &who, ACT_INTAKE, 0, 0, in, &r, &e)) {
        fail(res, o->f, 400, "%s（%s）", e.message, spec_field(e.field));
        goto out;
    }
    const char *email = param(&o->p, "email"), *device = param(&o->p, "device_id"),
               *device2 = param(&o->p, "deviceid"), *account = param(&o->p, "account_id");
    buf_printf(&detail, "open311 client=%lld",
               (long long)json_integer_value(json_object_get(client, "id")));
    if (email)
        buf_printf(&detail, " email=%.*s", utf8_clip(email, 120), email);
    if (device || device2)
        buf_printf(&detail, " device_id=%.*s", utf8_clip(device ? device : device2, 64),
                   device ? device : device2);
    if (account)
        buf_printf(&detail, " account_id=%.*s", utf8_clip(account, 64), account);
    int rc = s->ops->begin(s);
    if (!rc) {
        rc = app_audit_append(c, 0, r.order_id, "open311_request", detail.data);
        rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    }
    held = false;
    int frc = s->ops->txn_finish(s, rc == 0);
    if (rc || frc) {
        fail(res, o->f, 400, "无法保存服务请求，请稍后再试");
        goto out;
    }
    bool batch = strcmp(json_string_value(json_object_get(sv, "type")), "batch") == 0;
    const char *notice = json_string_value(json_object_get(o->cfg, "service_notice"));
    json_t *one = json_pack("{ss? so}", "service_notice", notice && *notice ? notice : NULL,
                            "account_id", account ? json_string(account) : json_null());
    char loc[160], token[O311_TOKEN_MAX];
    if (batch && o311_token_make(o->cfg, r.order_id, token) == 0) {
        json_object_set_new(one, "token", json_string(token));
        snprintf(loc, sizeof loc, "/open311/v2/tokens/%s.%s", token,
                 o->f == FMT_JSON ? "json" : "xml");
    } else {
        json_object_set_new(one, "service_request_id", json_string(r.number));
        snprintf(loc, sizeof loc, "/open311/v2/requests/%s.%s", r.number,
                 o->f == FMT_JSON ? "json" : "xml");
    }
    if (!json_object_get(one, "service_notice"))
        json_object_set_new(one, "service_notice", json_null());
    reply(res, o->f, 201, "service_requests", json_pack("[o]", one));
    http_response_header(res, "Location", loc);
    JS_UNUSED(req);
out:
    if (held)
        s->ops->txn_finish(s, false);
    json_decref(sv);
    json_decref(in);
    buf_release(&text);
    buf_release(&title);
    buf_release(&name);
    buf_release(&detail);
}

/* --- routes ------------------------------------------------------------------------------ */

static void top_get(void *ap, struct http_request *req, struct http_response *res)
{
    char name[64];
    enum fmt f = FMT_XML;
    struct o311 o;
    if (split_ext(http_param(req, "file"), name, sizeof name, &f)) {
        fail(res, FMT_XML, 404,
             "没有这个资源：须为 discovery、services 或 requests，后缀 .xml 或 .json");
        return;
    }
    if (strcmp(name, "discovery") != 0 && strcmp(name, "services") != 0 &&
        strcmp(name, "requests") != 0) {
        fail(res, f, 404, "没有这个资源：须为 discovery、services 或 requests");
        return;
    }
    if (o311_begin(&o, ap, req, res, f, false))
        goto out;
    if (strcmp(name, "discovery") == 0)
        discovery(&o, req, res);
    else if (strcmp(name, "services") == 0)
        services(&o, res);
    else
        list_requests(&o, req, res);
out:
    o311_release(&o);
}

static void top_post(void *ap, struct http_request *req, struct http_response *res)
{
    char name[64];
    enum fmt f = FMT_XML;
    struct o311 o;
    if (split_ext(http_param(req, "file"), name, sizeof name, &f) ||
        strcmp(name, "requests") != 0) {
        fail(res, f, 404, "没有这个资源：服务请求须提交到 requests.xml 或 requests.json");
        return;
    }
    if (o311_begin(&o, ap, req, res, f, true) == 0)
        post_request(&o, req, res);
    o311_release(&o);
}

/* The three resources with an id in the path: services/{code}, requests/{id}, tokens/{token}. */
static void by_id(void *ap, struct http_request *req, struct http_response *res, int which)
{
    char id[128];
    enum fmt f = FMT_XML;
    struct o311 o;
    if (split_ext(http_param(req, "id"), id, sizeof id, &f)) {
        fail(res, FMT_XML, 404, "没有这个资源：路径须以 .xml 或 .json 结尾");
        return;
    }
    if (o311_begin(&o, ap, req, res, f, false) == 0) {
        if (which == 0)
            definition(&o, id, res);
        else if (which == 1)
            get_request(&o, id, res);
        else
            get_token(&o, id, res);
    }
    o311_release(&o);
}

static void get_definition(void *ap, struct http_request *req, struct http_response *res)
{
    by_id(ap, req, res, 0);
}

static void get_one(void *ap, struct http_request *req, struct http_response *res)
{
    by_id(ap, req, res, 1);
}

static void get_tok(void *ap, struct http_request *req, struct http_response *res)
{
    by_id(ap, req, res, 2);
}

/* --- administration: /api/v1/open311 ----------------------------------------------------- */

/* Loads the settings for an administrator; fills res on failure. With edit, a transaction is
 * opened first and left open (admin_save commits it, admin_abort rolls it back), so that two
 * edits at once do not lose one another (SQLite serialises the writers). */
static int admin_load(struct app_ctx *c, bool edit, json_t **cfg, struct http_response *res)
{
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return -1;
    int rc = edit ? c->store->ops->begin(c->store) : 0;
    if (rc) {
        app_store_error(res, rc, "", "settings");
        return -1;
    }
    if (o311_config_load(c->store, cfg, &e)) {
        if (edit)
            c->store->ops->rollback(c->store);
        http_error_from(res, &e);
        return -1;
    }
    return 0;
}

static void admin_abort(struct app_ctx *c)
{
    c->store->ops->rollback(c->store);
}

/* Stores cfg with an audit entry and commits the transaction admin_load opened. */
static int admin_save(struct app_ctx *c, const json_t *cfg, const char *action, const char *detail,
                      struct http_response *res)
{
    struct store *s = c->store;
    int rc = o311_config_save(s, cfg);
    if (!rc)
        rc = app_audit_append(c, c->user.id, 0, action, detail);
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    if (rc)
        app_store_error(res, rc, "", "settings");
    return rc;
}

static void admin_get(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const none[] = {NULL};
    struct app_ctx *c = app_current(ap);
    json_t *cfg = NULL;
    if (app_query_known(req, none, res) || admin_load(c, false, &cfg, res))
        return;
    http_json(res, 200, o311_config_public(cfg));
    json_decref(cfg);
}

static void admin_put(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *cfg = NULL, *body = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || app_body(req, NULL, false, &body, res) ||
        admin_load(c, true, &cfg, res))
        goto out;
    if (o311_config_edit(c->store, cfg, body, app_now(a), &e)) {
        admin_abort(c);
        http_error_from(res, &e);
        goto out;
    }
    if (admin_save(c, cfg, "open311_config", "Open311 设置已修改", res))
        goto out;
    http_json(res, 200, o311_config_public(cfg));
out:
    json_decref(cfg);
    json_decref(body);
}

static void admin_client_add(void *ap, struct http_request *req, struct http_response *res)
{
    static const char *const fields[] = {"name", NULL};
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *cfg = NULL, *body = NULL, *client = NULL;
    const char *name = NULL;
    char key[65], detail[160];
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || app_body(req, fields, false, &body, res))
        goto out;
    if (jf_str(body, "name", true, 100, &name, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (admin_load(c, true, &cfg, res))
        goto out;
    if (o311_client_add(cfg, name, app_now(a), key, &client, &e)) {
        admin_abort(c);
        http_error_from(res, &e);
        goto out;
    }
    snprintf(detail, sizeof detail, "登记 Open311 客户端 %lld",
             (long long)json_integer_value(json_object_get(client, "id")));
    if (admin_save(c, cfg, "open311_client_add", detail, res))
        goto out;
    json_object_set_new(client, "api_key", json_string(key));
    http_json(res, 201, client);
    client = NULL;
out:
    json_decref(cfg);
    json_decref(body);
    json_decref(client);
}

static void admin_client_revoke(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *cfg = NULL;
    int64_t id = 0;
    char detail[160];
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    if (app_parse_id(http_param(req, "id"), &id)) {
        http_error(res, -JS_ENOTFOUND, "id", "客户端不存在");
        return;
    }
    if (admin_load(c, true, &cfg, res))
        return;
    if (o311_client_revoke(cfg, id, app_now(a), &e)) {
        admin_abort(c);
        http_error_from(res, &e);
        goto out;
    }
    snprintf(detail, sizeof detail, "停用 Open311 客户端 %lld", (long long)id);
    if (admin_save(c, cfg, "open311_client_revoke", detail, res))
        goto out;
    http_empty(res, 204);
out:
    json_decref(cfg);
}

static const struct route_doc docs[] = {
    {"GET", "/open311/v2/{file}", "open311",
     "Open311 GeoReport v2: discovery.xml|json (the endpoint, its formats and how to get a key), "
     "services.xml|json (the categories offered) or requests.xml|json (the requests made through "
     "Open311, filtered by service_request_id, service_code, start_date, end_date, status); "
     "errors are the spec's [{code, description}]",
     "anyone",
     "jurisdiction_id:string,service_request_id:string,service_code:string,"
     "start_date:string,end_date:string,status:string",
     NULL, 200},
    {"POST", "/open311/v2/{file}", "open311",
     "Open311 GeoReport v2 requests.xml|json: a service request (a form, "
     "application/x-www-form-urlencoded) becomes an order of channel open311 through the intake; "
     "answers its service_request_id (the order number), or a token for a batch service",
     "a client application with its api_key", NULL,
     "api_key:string!,jurisdiction_id:string,service_code:string!,lat:number,long:number,"
     "address_string:string,address_id:string,email:string,device_id:string,account_id:string,"
     "first_name:string,last_name:string,phone:string,description:string,media_url:string",
     201},
    {"GET", "/open311/v2/services/{id}", "open311",
     "Open311 service definition ({service_code}.xml|json): the attributes of a service "
     "(request_type first)",
     "anyone", "jurisdiction_id:string", NULL, 200},
    {"GET", "/open311/v2/requests/{id}", "open311",
     "Open311 service request ({service_request_id}.xml|json): status open or closed, the "
     "official's public answer as status_notes (citizen data removed), deadline as "
     "expected_datetime",
     "anyone", "jurisdiction_id:string", NULL, 200},
    {"GET", "/open311/v2/tokens/{id}", "open311",
     "Open311 token ({token}.xml|json): the service_request_id of a batch service's request",
     "anyone", "jurisdiction_id:string", NULL, 200},
    {"GET", "/api/v1/open311", "open311",
     "The Open311 settings: jurisdiction, services offered, clients (without their keys)", "admin",
     NULL, NULL, 200},
    {"PUT", "/api/v1/open311", "open311",
     "Edit the Open311 settings (offer all categories or the listed services, with their type, "
     "request type and attributes)",
     "admin", NULL,
     "jurisdiction_id:string,require_jurisdiction:boolean,contact:string,key_service:string,"
     "endpoint_type:string,service_notice:string,offer:string,services:array",
     200},
    {"POST", "/api/v1/open311/clients", "open311",
     "Register an Open311 client application: answers its api_key, shown this once (only its "
     "SHA-256 digest is kept)",
     "admin", NULL, "name:string!", 201},
    {"DELETE", "/api/v1/open311/clients/{id}", "open311", "Revoke a client application's api_key",
     "admin", NULL, NULL, 204},
};

int res_open311_register(struct app *a)
{
    int rc;
    struct router *r = a->router;
    if ((rc = router_add_flags(r, "GET", "/open311/v2/{file}", top_get, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "POST", "/open311/v2/{file}", top_post, APP_PUBLIC)) ||
        (rc =
             router_add_flags(r, "GET", "/open311/v2/services/{id}", get_definition, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "GET", "/open311/v2/requests/{id}", get_one, APP_PUBLIC)) ||
        (rc = router_add_flags(r, "GET", "/open311/v2/tokens/{id}", get_tok, APP_PUBLIC)) ||
        (rc = router_add(r, "GET", "/api/v1/open311", admin_get)) ||
        (rc = router_add(r, "PUT", "/api/v1/open311", admin_put)) ||
        (rc = router_add(r, "POST", "/api/v1/open311/clients", admin_client_add)) ||
        (rc = router_add(r, "DELETE", "/api/v1/open311/clients/{id}", admin_client_revoke)))
        return rc;
    return app_route_docs(a, docs, (int)JS_ARRAY_LEN(docs));
}
