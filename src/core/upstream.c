/* The city link: its settings, the signatures, and the messages from the city applied once each
 * through the engine. */
#include "compat.h"
#include "core/upstream.h"
#include "core/lifecycle.h"
#include "util/jfield.h"
#include "util/jtime.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const link_fields[] = {"url", "secret", "poll_seconds", NULL};
static const char *const msg_types[] = {"order", "supervise", "reopen", "callback", NULL};
enum { MSG_ORDER, MSG_SUPERVISE, MSG_REOPEN, MSG_CALLBACK };

int upstream_link_from_json(const json_t *doc, struct upstream_link *l, struct js_error *e)
{
    const char *url = NULL, *secret = NULL;
    int64_t poll = 0;
    memset(l, 0, sizeof *l);
    if (!json_is_object(doc))
        return js_fail(e, JS_ETYPE, "", "市级平台连接设置须为 JSON 对象");
    int rc = jf_known(doc, link_fields, e);
    if (!rc)
        rc = jf_str(doc, "url", true, 255, &url, e);
    if (!rc)
        rc = jf_str(doc, "secret", true, 127, &secret, e);
    if (!rc)
        rc = jf_int(doc, "poll_seconds", false, 0, 86400, &poll, e);
    if (rc)
        return rc;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
        return js_fail(e, JS_EINVAL, "url", "市级平台地址须以 http:// 或 https:// 开头");
    if (strlen(secret) < UPSTREAM_SECRET_MIN)
        return js_fail(e, JS_EINVAL, "secret", "共享密钥至少%d个字节", UPSTREAM_SECRET_MIN);
    snprintf(l->url, sizeof l->url, "%s", url);
    /* the paths are appended to the base: drop a trailing slash */
    size_t n = strlen(l->url);
    while (n > 8 && l->url[n - 1] == '/')
        l->url[--n] = '\0';
    snprintf(l->secret, sizeof l->secret, "%s", secret);
    l->poll_seconds = (int)poll;
    return 0;
}

int upstream_link_load(struct store *s, struct upstream_link *l)
{
    char *text = NULL;
    struct js_error e;
    memset(l, 0, sizeof *l);
    int rc = s->ops->setting_get(s, UPSTREAM_SETTING, &text);
    if (rc)
        return rc;
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    rc = doc ? upstream_link_from_json(doc, l, &e) : -JS_EBADJSON;
    json_decref(doc);
    if (rc)
        memset(l, 0, sizeof *l);
    return rc;
}

int upstream_setting_put(struct store *s, const char *key, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text)
        return -JS_ENOMEM;
    int rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->setting_put(s, key, text);
    rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    free(text);
    return rc;
}

int upstream_link_save(struct store *s, const struct upstream_link *l)
{
    return upstream_setting_put(s, UPSTREAM_SETTING,
                                json_pack("{ss ss si}", "url", l->url, "secret", l->secret,
                                          "poll_seconds", l->poll_seconds));
}

json_t *upstream_link_public(const struct upstream_link *l)
{
    return json_pack("{ss sb si}", "url", l->url, "secret_set", l->secret[0] != '\0',
                     "poll_seconds", l->poll_seconds);
}

int upstream_sign(const char *secret, int64_t ts, const char *body, size_t len,
                  char out[UPSTREAM_SIG_HEX])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "%lld.", (long long)ts);
    if (sodium_init() < 0 || n <= 0)
        return -JS_EINTERNAL;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, (unsigned long long)len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, UPSTREAM_SIG_HEX, mac, sizeof mac);
    return 0;
}

int upstream_verify(const char *secret, const char *ts_text, const char *sig, const char *body,
                    size_t len, int64_t now, struct js_error *e)
{
    char want[UPSTREAM_SIG_HEX];
    char *end = NULL;
    if (!ts_text || !ts_text[0])
        return js_fail(e, JS_EUNAUTH, UPSTREAM_HDR_TIME, "缺少签名时间");
    long long ts = strtoll(ts_text, &end, 10);
    if (!end || *end || ts <= 0)
        return js_fail(e, JS_EUNAUTH, UPSTREAM_HDR_TIME, "签名时间须为 Unix 秒数");
    if (ts < now - UPSTREAM_SKEW || ts > now + UPSTREAM_SKEW)
        return js_fail(e, JS_EUNAUTH, UPSTREAM_HDR_TIME, "签名时间与本平台时间相差超过%d秒",
                       UPSTREAM_SKEW);
    if (!sig || strlen(sig) != UPSTREAM_SIG_HEX - 1)
        return js_fail(e, JS_EUNAUTH, UPSTREAM_HDR_SIG, "缺少签名或签名格式错误");
    if (upstream_sign(secret, (int64_t)ts, body, len, want))
        return js_fail(e, JS_EINTERNAL, "", "无法计算签名");
    char lower[UPSTREAM_SIG_HEX];
    for (size_t i = 0; i < sizeof lower; i++)
        lower[i] = (sig[i] >= 'A' && sig[i] <= 'F') ? (char)(sig[i] + 32) : sig[i];
    if (sodium_memcmp(lower, want, UPSTREAM_SIG_HEX - 1) != 0)
        return js_fail(e, JS_EUNAUTH, UPSTREAM_HDR_SIG, "签名不符");
    return 0;
}

/* ---- applying a message ------------------------------------------------------------------- */

/* The key that makes a message id count once: a sequence (1 for the first delivery, taken in
 * the action's transaction, so that two deliveries at once cannot both apply it) and a blob
 * recording the order it concerned. */
static void msg_key(const char *id, char *out, size_t n)
{
    snprintf(out, n, "upstream-msg:%s", id);
}

struct mark {
    const char *id;
    int type;
};

/* engine before_commit: the message is applied exactly when the action is. */
static int mark_applied(void *ctx, struct store *s, const struct engine_result *r)
{
    struct mark *m = ctx;
    char key[UPSTREAM_MSG_ID_MAX + 32], val[64];
    int64_t seq = 0;
    msg_key(m->id, key, sizeof key);
    int rc = s->ops->next_seq(s, key, &seq);
    if (rc)
        return rc;
    if (seq != 1)
        return -JS_EEXISTS;
    int n = snprintf(val, sizeof val, "%lld", (long long)r->order_id);
    return s->ops->blob_put(s, key, val, (size_t)n, 0);
}

/* The answer for a message already applied (blob of msg_key), or -JS_ENOTFOUND. */
static int applied_before(struct store *s, const char *id, int type, json_t **answer)
{
    char key[UPSTREAM_MSG_ID_MAX + 32], text[32] = "";
    void *data = NULL;
    size_t size = 0;
    int64_t at = 0;
    struct order o;
    msg_key(id, key, sizeof key);
    int rc = s->ops->blob_get(s, key, &data, &size, &at);
    if (rc)
        return rc;
    if (size < sizeof text)
        memcpy(text, data, size);
    free(data);
    int64_t oid = strtoll(text, NULL, 10);
    order_init(&o);
    rc = s->ops->order_get(s, oid, &o);
    if (!rc)
        *answer = json_pack("{ss ss sI ss ss sb}", "id", id, "type", msg_types[type], "order_id",
                            (json_int_t)o.id, "number", o.number, "status",
                            js_status_names[o.status], "duplicate", 1);
    order_release(&o);
    return rc;
}

/* The local order of the city's order id upstream_id (channel upstream), or -JS_ENOTFOUND. */
static int find_order(struct store *s, const char *upstream_id, struct order *out)
{
    struct search_hit hits[16];
    int n = 0;
    bool more = false;
    struct search_query q = {
        .key = upstream_id, .kinds = SEARCH_BIT(SEARCH_UPSTREAM), .limit = (int)JS_ARRAY_LEN(hits)};
    int rc = s->ops->order_search(s, &q, hits, &n, &more);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++) {
        order_init(out);
        rc = s->ops->order_get(s, hits[i].id, out);
        if (rc)
            return rc;
        if (strcmp(out->upstream_id, upstream_id) == 0 && strcmp(out->channel, "upstream") == 0)
            return 0;
        order_release(out);
    }
    order_init(out);
    return -JS_ENOTFOUND;
}

/* The action a message asks for and its arguments (new reference in *args). */
static int plan(const json_t *msg, int type, const char *upstream_id, int64_t deadline, int *action,
                json_t **args, struct js_error *e)
{
    const char *reason = NULL;
    int rc = 0;
    json_t *a = NULL;
    char iso[40];
    switch (type) {
    case MSG_ORDER: {
        const json_t *order = json_object_get(msg, "order");
        if (!json_is_object(order))
            return js_fail(e, json_is_null(order) || !order ? JS_EMISSING : JS_ETYPE, "order",
                           "新工单消息须带有 order 对象（受理字段）");
        if (!deadline)
            return js_fail(e, JS_EMISSING, "deadline", "新工单消息须带有市级办理时限");
        static const char *const own[] = {"channel", "upstream_id", "upstream_deadline", NULL};
        for (const char *const *k = own; *k; k++)
            if (json_object_get(order, *k))
                return js_fail(e, JS_EINVAL, *k, "%s 由市级消息本身给出，不能写在 order 里", *k);
        a = json_deep_copy(order);
        jtime_format(deadline, iso, sizeof iso);
        if (!a || json_object_set_new(a, "channel", json_string("upstream")) ||
            json_object_set_new(a, "upstream_id", json_string(upstream_id)) ||
            json_object_set_new(a, "upstream_deadline", json_string(iso)))
            rc = -JS_ENOMEM;
        *action = ACT_INTAKE;
        break;
    }
    case MSG_SUPERVISE: {
        bool written = false;
        rc = jf_str(msg, "reason", true, 400, &reason, e);
        if (!rc)
            rc = jf_bool(msg, "written", false, &written, e);
        if (!rc) {
            /* 001 §七 weighs the city's supervisions: through its supervision account, or in
             * writing (indicators.h JS_SUPK_LIST) */
            char text[1300];
            snprintf(text, sizeof text, "市级%s督办：%s", written ? "书面" : "", reason);
            a = json_pack("{ss ss}", "reason", text, "kind",
                          written ? "city_written" : "city_account");
        }
        *action = ACT_SUPERVISE;
        break;
    }
    case MSG_REOPEN:
        rc = jf_str(msg, "reason", true, 400, &reason, e);
        if (!rc) {
            char text[1300];
            snprintf(text, sizeof text, "市级重办：%s", reason);
            a = json_pack("{ss ss}", "reason", text, "level", "upstream");
            jtime_format(deadline, iso, sizeof iso);
            if (a && deadline && json_object_set_new(a, "upstream_deadline", json_string(iso)))
                rc = -JS_ENOMEM;
        }
        *action = ACT_REOPEN;
        break;
    case MSG_CALLBACK: {
        static const char *const keys[] = {"unreachable", "contacted", "solved", "satisfaction",
                                           NULL};
        a = json_object();
        for (const char *const *k = keys; a && *k; k++) {
            json_t *v = json_object_get(msg, *k);
            if (v && json_object_set(a, *k, v))
                rc = -JS_ENOMEM;
        }
        if (a && json_object_set_new(a, "note", json_string("市级平台回访结果")))
            rc = -JS_ENOMEM;
        *action = ACT_CALLBACK;
        break;
    }
    default:
        break;
    }
    if (!rc && !a)
        rc = -JS_ENOMEM;
    if (rc) {
        json_decref(a);
        return rc == -JS_ENOMEM ? js_fail(e, JS_ENOMEM, "", NULL) : rc;
    }
    *args = a;
    return 0;
}

int upstream_apply(struct engine *en, const json_t *msg, json_t **answer, struct js_error *e)
{
    static const char *const fields[] = {"id",        "type",        "upstream_id",  "deadline",
                                         "order",     "reason",      "satisfaction", "solved",
                                         "contacted", "unreachable", "written",      NULL};
    struct store *s = en->store;
    const char *id = NULL, *upstream_id = NULL;
    int type = 0, action = 0;
    int64_t deadline = 0;
    json_t *args = NULL;
    struct order o;
    order_init(&o);
    *answer = NULL;
    if (!json_is_object(msg))
        return js_fail(e, JS_ETYPE, "", "市级消息须为 JSON 对象");
    int rc = jf_known(msg, fields, e);
    if (!rc)
        rc = jf_str(msg, "id", true, UPSTREAM_MSG_ID_MAX, &id, e);
    if (!rc)
        rc = jf_enum(msg, "type", true, msg_types, &type, e);
    if (!rc)
        rc = jf_str(msg, "upstream_id", true, 63, &upstream_id, e);
    if (!rc)
        rc = jf_time(msg, "deadline", false, &deadline, e);
    if (rc)
        goto out;
    rc = applied_before(s, id, type, answer);
    if (rc != -JS_ENOTFOUND) {
        if (rc)
            js_fail(e, rc, "id", "无法读取市级消息记录");
        goto out;
    }
    rc = plan(msg, type, upstream_id, deadline, &action, &args, e);
    if (rc)
        goto out;
    if (type != MSG_ORDER) {
        rc = find_order(s, upstream_id, &o);
        if (rc) {
            js_fail(e, rc, "upstream_id",
                    rc == -JS_ENOTFOUND ? "没有市级工单号为 %s 的工单" : "无法查找市级工单号 %s",
                    upstream_id);
            goto out;
        }
    }
    struct actor who = {.user_id = 0, .role = ROLE_SYSTEM};
    snprintf(who.name, sizeof who.name, "市级平台");
    struct mark mk = {id, type};
    struct engine_result r;
    en->before_commit = mark_applied;
    en->before_commit_ctx = &mk;
    rc = engine_execute(en, &who, action, o.id, 0, args, &r, e);
    en->before_commit = NULL;
    en->before_commit_ctx = NULL;
    if (rc == -JS_EEXISTS) {
        /* another delivery of the same message committed first */
        js_error_clear(e);
        rc = applied_before(s, id, type, answer);
        if (rc)
            js_fail(e, rc, "id", "无法读取市级消息记录");
        goto out;
    }
    if (rc)
        goto out;
    *answer = json_pack("{ss ss sI ss ss sb}", "id", id, "type", msg_types[type], "order_id",
                        (json_int_t)r.order_id, "number", r.number, "status",
                        js_status_names[r.status], "duplicate", 0);
    if (!*answer)
        rc = js_fail(e, JS_ENOMEM, "", NULL);
out:
    json_decref(args);
    order_release(&o);
    return rc;
}
