/* The Open311 configuration in the setting "open311": validation of an administrator's edit,
 * the client applications and their key digests, the services derived from the category tree,
 * and the signed tokens of batch services. */
#include "compat.h"
#include "store/open311.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "util/auth.h"
#include "util/jfield.h"
#include "util/jtime.h"

static const char *const endpoint_types[] = {"production", "test", NULL};
static const char *const offers[] = {"listed", "all", NULL};
static const char *const service_types[] = {"realtime", "batch", NULL};
static const char *const datatypes[] = {"string",          "text",           "number", "datetime",
                                        "singlevaluelist", "multivaluelist", NULL};

static json_t *defaults(void)
{
    return json_pack("{ss sb ss ss ss ss ss s[] s[] sI sn ss}", "jurisdiction_id", "",
                     "require_jurisdiction", 0, "contact", "", "key_service", "", "endpoint_type",
                     "production", "service_notice", "", "offer", "listed", "services", "clients",
                     "next_client_id", (json_int_t)1, "changeset", "secret", "");
}

int o311_config_load(struct store *s, json_t **out, struct js_error *e)
{
    char *text = NULL;
    *out = NULL;
    int rc = s->ops->setting_get(s, O311_SETTING, &text);
    if (rc == -JS_ENOTFOUND || (!rc && !text)) {
        *out = defaults();
        return *out ? 0 : js_fail(e, JS_ENOMEM, "", NULL);
    }
    if (rc)
        return js_fail(e, -rc, "", "无法读取 Open311 设置");
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    json_t *d = defaults();
    if (!json_is_object(j) || !d) {
        json_decref(j);
        json_decref(d);
        return js_fail(e, JS_EINTERNAL, "", "保存的 Open311 设置已损坏");
    }
    json_object_update_missing(j, d); /* settings added later get their defaults */
    json_decref(d);
    *out = j;
    return 0;
}

int o311_config_save(struct store *s, const json_t *cfg)
{
    char *text = json_dumps(cfg, JSON_COMPACT);
    if (!text)
        return -JS_ENOMEM;
    int rc = s->ops->setting_put(s, O311_SETTING, text);
    free(text);
    return rc;
}

json_t *o311_config_public(const json_t *cfg)
{
    json_t *p = json_deep_copy(cfg);
    if (!p)
        return NULL;
    json_object_del(p, "secret");
    json_object_del(p, "next_client_id");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(p, "clients"), i, c) json_object_del(c, "key_hash");
    return p;
}

/* A code: 1 to max of A-Z a-z 0-9 . _ - */
static bool code_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return false;
    return true;
}

/* Re-labels an error from a nested object with its path: "services[2].attributes[0].code". */
static int nested(struct js_error *e, int rc, const char *path)
{
    if (e && rc) {
        char f[2 * sizeof e->field];
        snprintf(f, sizeof f, "%s%s%s", path, e->field[0] ? "." : "", e->field);
        snprintf(e->field, sizeof e->field, "%.*s", (int)sizeof e->field - 1, f);
    }
    return rc;
}

static int str_into(const json_t *in, const char *key, bool required, size_t max, json_t *out,
                    const char *dflt, struct js_error *e)
{
    const char *v = NULL;
    int rc = jf_str(in, key, required, max, &v, e);
    if (rc)
        return rc;
    if (!v)
        v = dflt;
    return json_object_set_new(out, key, json_string(v)) ? js_fail(e, JS_ENOMEM, "", NULL) : 0;
}

static int enum_into(const json_t *in, const char *key, const char *const *names, int dflt,
                     json_t *out, struct js_error *e)
{
    int v = dflt;
    int rc = jf_enum(in, key, false, names, &v, e);
    if (rc)
        return rc;
    return json_object_set_new(out, key, json_string(names[v])) ? js_fail(e, JS_ENOMEM, "", NULL)
                                                                : 0;
}

static int read_values(const json_t *in, json_t *out, struct js_error *e)
{
    static const char *const keys[] = {"key", "name", NULL};
    json_t *arr = NULL, *list = json_array(), *item;
    size_t i;
    int rc = jf_array(in, "values", false, 100, &arr, e);
    json_array_foreach(arr, i, item)
    {
        char path[48];
        snprintf(path, sizeof path, "values[%zu]", i);
        json_t *v = json_object();
        rc = !json_is_object(item) ? js_fail(e, JS_ETYPE, "", "选项须为 {key, name} 对象")
                                   : jf_known(item, keys, e);
        if (!rc)
            rc = str_into(item, "key", true, 64, v, "", e);
        if (!rc)
            rc = str_into(item, "name", true, 100, v, "", e);
        if (!rc)
            for (size_t k = 0; k < i && !rc; k++)
                if (strcmp(json_string_value(json_object_get(json_array_get(list, k), "key")),
                           json_string_value(json_object_get(v, "key"))) == 0)
                    rc = js_fail(e, JS_EINVAL, "key", "选项的 key 重复");
        if (rc) {
            json_decref(v);
            rc = nested(e, rc, path);
            break;
        }
        json_array_append_new(list, v);
    }
    if (!rc)
        rc = json_object_set_new(out, "values", list) ? js_fail(e, JS_ENOMEM, "", NULL) : 0;
    else
        json_decref(list);
    return rc;
}

static int read_attribute(const json_t *in, size_t index, json_t **out, struct js_error *e)
{
    static const char *const keys[] = {"code",     "datatype",    "required",
                                       "variable", "description", "datatype_description",
                                       "order",    "values",      NULL};
    json_t *a = json_object();
    const char *code = NULL;
    bool required = false, variable = true;
    int64_t order = (int64_t)index + 2;
    int rc = !json_is_object(in) ? js_fail(e, JS_ETYPE, "", "属性须为对象") : jf_known(in, keys, e);
    if (!rc)
        rc = jf_str(in, "code", true, 64, &code, e);
    if (!rc && (!code_ok(code, 64) || strcmp(code, "request_type") == 0))
        rc = js_fail(e, JS_EINVAL, "code",
                     "属性代码（code）只能包含字母、数字、点、下划线和连字符，且不能为 "
                     "request_type（内置属性）");
    if (!rc)
        rc = json_object_set_new(a, "code", json_string(code));
    if (!rc)
        rc = enum_into(in, "datatype", datatypes, 0, a, e);
    if (!rc && !json_object_get(in, "datatype"))
        rc = js_fail(e, JS_EMISSING, "datatype", "缺少属性的数据类型（datatype）");
    if (!rc)
        rc = jf_bool(in, "required", false, &required, e);
    if (!rc)
        rc = jf_bool(in, "variable", false, &variable, e);
    if (!rc)
        rc = str_into(in, "description", true, 200, a, "", e);
    if (!rc)
        rc = str_into(in, "datatype_description", false, 200, a, "", e);
    if (!rc)
        rc = jf_int(in, "order", false, 1, 1000, &order, e);
    if (!rc)
        rc = read_values(in, a, e);
    if (!rc) {
        const char *dt = json_string_value(json_object_get(a, "datatype"));
        bool list = strstr(dt, "valuelist") != NULL;
        size_t nv = json_array_size(json_object_get(a, "values"));
        if (list && nv == 0)
            rc = js_fail(e, JS_EMISSING, "values", "列表类属性须给出选项（values）");
        else if (!list && nv > 0)
            rc = js_fail(e, JS_EINVAL, "values", "只有列表类属性才有选项（values）");
    }
    if (!rc && json_object_set_new(a, "required", json_boolean(required && variable)))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    if (!rc && json_object_set_new(a, "variable", json_boolean(variable)))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    if (!rc && json_object_set_new(a, "order", json_integer(order)))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    if (rc) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return 0;
}

static int read_service(struct store *s, const json_t *in, json_t **out, struct js_error *e)
{
    static const char *const keys[] = {
        "category_id", "type", "request_type", "description", "keywords", "attributes", NULL};
    json_t *sv = json_object(), *attrs = json_array(), *arr = NULL, *item;
    int64_t cat = 0;
    struct category c;
    size_t i;
    int rc = !json_is_object(in) ? js_fail(e, JS_ETYPE, "", "服务须为对象") : jf_known(in, keys, e);
    if (!rc)
        rc = jf_int(in, "category_id", true, 1, INT64_MAX / 2, &cat, e);
    if (!rc) {
        int src = s->ops->category_get(s, cat, &c);
        if (src == -JS_ENOTFOUND)
            rc = js_fail(e, JS_EINVAL, "category_id", "分类 %lld 不存在", (long long)cat);
        else if (src)
            rc = js_fail(e, -src, "category_id", "无法读取分类");
    }
    if (!rc)
        rc = json_object_set_new(sv, "category_id", json_integer(cat));
    if (!rc)
        rc = enum_into(in, "type", service_types, 0, sv, e);
    if (!rc)
        rc = enum_into(in, "request_type", js_type_names, TYPE_COMPLAINT, sv, e);
    if (!rc)
        rc = str_into(in, "description", false, 500, sv, "", e);
    if (!rc)
        rc = str_into(in, "keywords", false, 200, sv, "", e);
    if (!rc)
        rc = jf_array(in, "attributes", false, 20, &arr, e);
    json_array_foreach(arr, i, item)
    {
        json_t *a = NULL;
        char path[48];
        snprintf(path, sizeof path, "attributes[%zu]", i);
        if ((rc = read_attribute(item, i, &a, e))) {
            rc = nested(e, rc, path);
            break;
        }
        const char *code = json_string_value(json_object_get(a, "code"));
        for (size_t k = 0; k < json_array_size(attrs) && !rc; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(attrs, k), "code")),
                       code) == 0)
                rc = nested(e, js_fail(e, JS_EINVAL, "code", "属性代码“%s”重复", code), path);
        json_array_append_new(attrs, a);
        if (rc)
            break;
    }
    if (!rc)
        rc = json_object_set(sv, "attributes", attrs) ? js_fail(e, JS_ENOMEM, "", NULL) : 0;
    json_decref(attrs);
    if (rc) {
        json_decref(sv);
        return rc;
    }
    *out = sv;
    return 0;
}

static bool jurisdiction_ok(const char *s)
{
    return !*s || code_ok(s, 100);
}

int o311_config_edit(struct store *s, json_t *cfg, const json_t *in, int64_t now,
                     struct js_error *e)
{
    static const char *const keys[] = {"jurisdiction_id",
                                       "require_jurisdiction",
                                       "contact",
                                       "key_service",
                                       "endpoint_type",
                                       "service_notice",
                                       "offer",
                                       "services",
                                       NULL};
    json_t *next = json_object(), *services = json_array(), *arr = NULL, *item;
    bool require = false;
    size_t i;
    char when[32];
    int rc = jf_known(in, keys, e);
    if (!rc)
        rc = str_into(in, "jurisdiction_id", false, 100, next, "", e);
    if (!rc && !jurisdiction_ok(json_string_value(json_object_get(next, "jurisdiction_id"))))
        rc = js_fail(e, JS_EINVAL, "jurisdiction_id",
                     "辖区标识（jurisdiction_id）只能包含字母、数字、点、下划线和连字符，"
                     "如 dongcheng.gov.cn");
    if (!rc)
        rc = jf_bool(in, "require_jurisdiction", false, &require, e);
    if (!rc && require && !*json_string_value(json_object_get(next, "jurisdiction_id")))
        rc = js_fail(e, JS_EINVAL, "require_jurisdiction",
                     "要求提供辖区标识时须先设定辖区标识（jurisdiction_id）");
    if (!rc)
        rc = json_object_set_new(next, "require_jurisdiction", json_boolean(require));
    if (!rc)
        rc = str_into(in, "contact", false, 500, next, "", e);
    if (!rc)
        rc = str_into(in, "key_service", false, 500, next, "", e);
    if (!rc)
        rc = enum_into(in, "endpoint_type", endpoint_types, 0, next, e);
    if (!rc)
        rc = str_into(in, "service_notice", false, 500, next, "", e);
    if (!rc)
        rc = enum_into(in, "offer", offers, 0, next, e);
    if (!rc)
        rc = jf_array(in, "services", false, 1000, &arr, e);
    json_array_foreach(arr, i, item)
    {
        json_t *sv = NULL;
        char path[48];
        snprintf(path, sizeof path, "services[%zu]", i);
        if ((rc = read_service(s, item, &sv, e))) {
            rc = nested(e, rc, path);
            break;
        }
        json_int_t cat = json_integer_value(json_object_get(sv, "category_id"));
        for (size_t k = 0; k < json_array_size(services) && !rc; k++)
            if (json_integer_value(json_object_get(json_array_get(services, k), "category_id")) ==
                cat)
                rc = nested(
                    e, js_fail(e, JS_EINVAL, "category_id", "分类 %lld 重复列出", (long long)cat),
                    path);
        json_array_append_new(services, sv);
        if (rc)
            break;
    }
    if (!rc && json_object_set(next, "services", services))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    json_decref(services);
    jtime_format(now, when, sizeof when);
    if (!rc && json_object_set_new(next, "changeset", json_string(when)))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    if (!rc && json_object_update(cfg, next))
        rc = js_fail(e, JS_ENOMEM, "", NULL);
    json_decref(next);
    return rc;
}

int o311_client_add(json_t *cfg, const char *name, int64_t now, char key[65], json_t **client,
                    struct js_error *e)
{
    json_t *clients = json_object_get(cfg, "clients");
    char digest[AUTH_TOKEN_HEX], when[32];
    *client = NULL;
    if (!name || !*name)
        return js_fail(e, JS_EMISSING, "name", "缺少客户端名称（name）");
    size_t n = utf8_len(name);
    if (n == (size_t)-1)
        return js_fail(e, JS_EUTF8, "name", "客户端名称不是有效的 UTF-8 文本");
    if (n > 100 || strlen(name) > 300)
        return js_fail(e, JS_ETOOLONG, "name", "客户端名称最多 100 个字符");
    if (!json_is_array(clients) || json_array_size(clients) >= O311_MAX_CLIENTS)
        return js_fail(e, JS_ETOOLARGE, "name", "客户端已达上限（%d 个）", O311_MAX_CLIENTS);
    const char *secret = json_string_value(json_object_get(cfg, "secret"));
    if (!secret || strlen(secret) != 64) {
        char fresh[AUTH_TOKEN_HEX];
        if (auth_token_new(fresh) || json_object_set_new(cfg, "secret", json_string(fresh)))
            return js_fail(e, JS_EINTERNAL, "", "无法生成令牌密钥");
        sodium_memzero(fresh, sizeof fresh);
    }
    if (auth_token_new(key) || auth_token_digest(key, digest))
        return js_fail(e, JS_EINTERNAL, "", "无法生成接入密钥");
    json_int_t id = json_integer_value(json_object_get(cfg, "next_client_id"));
    if (id < 1)
        id = 1;
    jtime_format(now, when, sizeof when);
    json_t *c = json_pack("{sI ss ss sb ss sn}", "id", id, "name", name, "key_hash", digest,
                          "active", 1, "created_at", when, "revoked_at");
    if (!c || json_array_append(clients, c) ||
        json_object_set_new(cfg, "next_client_id", json_integer(id + 1))) {
        json_decref(c);
        return js_fail(e, JS_ENOMEM, "", NULL);
    }
    *client = json_deep_copy(c);
    json_object_del(*client, "key_hash");
    json_decref(c);
    return 0;
}

int o311_client_revoke(json_t *cfg, int64_t id, int64_t now, struct js_error *e)
{
    size_t i;
    json_t *c;
    char when[32];
    json_array_foreach(json_object_get(cfg, "clients"), i, c)
    {
        if (json_integer_value(json_object_get(c, "id")) != id)
            continue;
        if (!json_is_true(json_object_get(c, "active")))
            return js_fail(e, JS_ESTATE, "id", "该客户端已停用");
        jtime_format(now, when, sizeof when);
        if (json_object_set_new(c, "active", json_false()) ||
            json_object_set_new(c, "revoked_at", json_string(when)))
            return js_fail(e, JS_ENOMEM, "", NULL);
        return 0;
    }
    return js_fail(e, JS_ENOTFOUND, "id", "客户端不存在");
}

const json_t *o311_client_by_key(const json_t *cfg, const char *key)
{
    char digest[AUTH_TOKEN_HEX];
    if (!key || !auth_token_wellformed(key) || strlen(key) != AUTH_TOKEN_HEX - 1 ||
        auth_token_digest(key, digest))
        return NULL;
    size_t i;
    json_t *c;
    const json_t *found = NULL;
    json_array_foreach(json_object_get(cfg, "clients"), i, c)
    {
        const char *h = json_string_value(json_object_get(c, "key_hash"));
        /* compare every digest in constant time, whatever matched before */
        if (h && strlen(h) == AUTH_TOKEN_HEX - 1 &&
            sodium_memcmp(h, digest, AUTH_TOKEN_HEX - 1) == 0 &&
            json_is_true(json_object_get(c, "active")))
            found = c;
    }
    return found;
}

/* The built-in attribute: the request's type (诉求类型), defaulting to the service's. */
static json_t *type_attribute(const char *dflt)
{
    json_t *values = json_array();
    for (int t = 0; js_type_names[t]; t++)
        json_array_append_new(
            values, json_pack("{ss ss}", "key", js_type_names[t], "name", js_type_labels[t]));
    char desc[128];
    int d = js_name_index(js_type_names, dflt);
    snprintf(desc, sizeof desc, "诉求类型（不填按“%s”受理）", d >= 0 ? js_type_labels[d] : "");
    return json_pack("{sb ss ss sb ss ss si so}", "variable", 1, "code", "request_type", "datatype",
                     "singlevaluelist", "required", 0, "datatype_description", "", "description",
                     desc, "order", 1, "values", values);
}

static const json_t *listed(const json_t *cfg, int64_t cat)
{
    size_t i;
    json_t *sv;
    json_array_foreach(json_object_get(cfg, "services"), i, sv)
    {
        if (json_integer_value(json_object_get(sv, "category_id")) == cat)
            return sv;
    }
    return NULL;
}

static int cmp_attr(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "order"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "order"));
    return (x > y) - (x < y);
}

int o311_services(struct store *s, const json_t *cfg, json_t **out)
{
    struct category *cats = NULL;
    int n = 0;
    *out = NULL;
    int rc = s->ops->category_list(s, &cats, &n);
    if (rc)
        return rc;
    const char *offer = json_string_value(json_object_get(cfg, "offer"));
    bool all = offer && strcmp(offer, "all") == 0;
    json_t *list = json_array();
    for (int i = 0; i < n && list; i++) {
        const json_t *sv = listed(cfg, cats[i].id);
        if (!sv && !all)
            continue;
        const char *group = "";
        for (int k = 0; k < n; k++)
            if (cats[k].id == cats[i].parent_id)
                group = cats[k].name;
        const char *rt = sv ? json_string_value(json_object_get(sv, "request_type")) : NULL;
        rt = rt ? rt : "complaint";
        json_t *attrs = json_array();
        json_array_append_new(attrs, type_attribute(rt));
        size_t j;
        json_t *a;
        json_array_foreach(sv ? json_object_get(sv, "attributes") : NULL, j, a)
            json_array_append(attrs, a);
        /* presented in their order (the built-in one first: order 1) */
        size_t na = json_array_size(attrs);
        json_t **v = calloc(na ? na : 1, sizeof *v);
        if (v) {
            for (j = 0; j < na; j++)
                v[j] = json_incref(json_array_get(attrs, j));
            qsort(v, na, sizeof *v, cmp_attr);
            json_array_clear(attrs);
            for (j = 0; j < na; j++)
                json_array_append_new(attrs, v[j]);
            free(v);
        }
        const char *desc = sv ? json_string_value(json_object_get(sv, "description")) : "";
        const char *kw = sv ? json_string_value(json_object_get(sv, "keywords")) : "";
        const char *type = sv ? json_string_value(json_object_get(sv, "type")) : "realtime";
        json_array_append_new(list, json_pack("{sI ss ss ss ss ss ss ss so}", "category_id",
                                              (json_int_t)cats[i].id, "service_code", cats[i].code,
                                              "service_name", cats[i].name, "group", group,
                                              "description", desc ? desc : "", "keywords",
                                              kw ? kw : "", "type", type ? type : "realtime",
                                              "request_type", rt, "attributes", attrs));
    }
    free(cats);
    if (!list)
        return -JS_ENOMEM;
    *out = list;
    return 0;
}

static int mac_hex(const json_t *cfg, int64_t order_id, char out[25])
{
    const char *secret = json_string_value(json_object_get(cfg, "secret"));
    unsigned char key[32], mac[crypto_auth_hmacsha256_BYTES];
    char msg[32], hex[2 * crypto_auth_hmacsha256_BYTES + 1];
    if (!secret || strlen(secret) != 64 ||
        sodium_hex2bin(key, sizeof key, secret, 64, NULL, NULL, NULL) != 0)
        return -JS_ESTATE;
    int n = snprintf(msg, sizeof msg, "open311-token:%lld", (long long)order_id);
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, key);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    memcpy(out, hex, 24);
    out[24] = '\0';
    sodium_memzero(key, sizeof key);
    return 0;
}

int o311_token_make(const json_t *cfg, int64_t order_id, char out[O311_TOKEN_MAX])
{
    char mac[25];
    int rc = mac_hex(cfg, order_id, mac);
    if (rc)
        return rc;
    snprintf(out, O311_TOKEN_MAX, "%lld-%s", (long long)order_id, mac);
    return 0;
}

int o311_token_check(const json_t *cfg, const char *token, int64_t *order_id)
{
    const char *dash = token ? strchr(token, '-') : NULL;
    if (!dash || dash == token || dash - token > 16 || strlen(dash + 1) != 24)
        return -JS_ENOTFOUND;
    int64_t id = 0;
    for (const char *p = token; p < dash; p++) {
        if (*p < '0' || *p > '9')
            return -JS_ENOTFOUND;
        id = id * 10 + (*p - '0');
    }
    char mac[25];
    if (id <= 0 || mac_hex(cfg, id, mac) || sodium_memcmp(mac, dash + 1, 24) != 0)
        return -JS_ENOTFOUND;
    *order_id = id;
    return 0;
}
