/* Webhook delivery of the outbox with libcurl: claim, POST, record sent or back off. */
#include "compat.h"
#include "cli/notify.h"
#include "core/outbox.h"
#include "core/upstream.h"
#include "store/timers_store.h"
#include "util/utf8.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS       20  /* batches in one pass */
#define NOTIFY_MAX_BATCH 500 /* messages claimed at once, at most */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_setup(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void notify_config_from_policy(struct notify_config *cfg, const struct policy *p)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->gateway_url = p->notify_gateway_url;
    cfg->backoff_seconds = p->notify_backoff_seconds;
    cfg->max_attempts = p->notify_max_attempts;
}

/* The gateway's answer body is not needed: drop it. */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
    JS_UNUSED(ptr);
    JS_UNUSED(ud);
    return size * nmemb;
}

/* POSTs one message, to the gateway or, for the feedback of an upstream order, to the city's
 * url/feedback signed with the link's secret; returns 0 on a 2xx answer, else -JS_EIO with the
 * reason in err. */
static int post(CURL *curl, const struct notify_config *cfg, const struct outbox_msg *m,
                int64_t now, char *err, size_t n)
{
    char key[64], errbuf[CURL_ERROR_SIZE] = "", url[300], ts[64], sig[UPSTREAM_SIG_HEX + 32];
    struct curl_slist *hdr = NULL;
    bool city = outbox_kind_is_upstream(m->kind);
    json_t *doc = city ? outbox_city_payload(m) : outbox_payload(m);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    int rc = -JS_EIO;
    json_decref(doc);
    if (!body) {
        snprintf(err, n, "内存不足");
        return -JS_ENOMEM;
    }
    snprintf(key, sizeof key, "Idempotency-Key: jiesu-outbox-%lld", (long long)m->id);
    snprintf(url, sizeof url, "%s", cfg->gateway_url ? cfg->gateway_url : "");
    const char *headers[4] = {"Content-Type: application/json; charset=utf-8", key, NULL, NULL};
    if (city) {
        char hex[UPSTREAM_SIG_HEX];
        snprintf(url, sizeof url, "%s/feedback", cfg->city->url);
        if (upstream_sign(cfg->city->secret, now, body, strlen(body), hex)) {
            free(body);
            snprintf(err, n, "无法签名");
            return -JS_EINTERNAL;
        }
        snprintf(ts, sizeof ts, UPSTREAM_HDR_TIME ": %lld", (long long)now);
        snprintf(sig, sizeof sig, UPSTREAM_HDR_SIG ": %s", hex);
        headers[2] = ts;
        headers[3] = sig;
    }
    for (size_t i = 0; i < JS_ARRAY_LEN(headers) && headers[i]; i++) {
        struct curl_slist *next = curl_slist_append(hdr, headers[i]);
        if (!next) {
            curl_slist_free_all(hdr);
            free(body);
            snprintf(err, n, "内存不足");
            return -JS_ENOMEM;
        }
        hdr = next;
    }
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "jiesu-outbox/1");
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300)
            rc = 0;
        else
            snprintf(err, n, "%s返回 HTTP %ld", city ? "市级平台" : "通知网关", status);
    } else {
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        snprintf(err, n, "发送失败：%.*s", utf8_clip(why, 200), why);
    }
    curl_slist_free_all(hdr);
    free(body);
    return rc;
}

/* Whether m has somewhere to go: the city link for feedback, the gateway for the rest. */
static bool deliverable(const struct notify_config *cfg, const struct outbox_msg *m)
{
    if (outbox_kind_is_upstream(m->kind))
        return cfg->city && cfg->city->url[0] && cfg->city->secret[0];
    return cfg->gateway_url && cfg->gateway_url[0];
}

/* Sends the claimed messages and records each outcome. */
static int send_batch(struct store *s, CURL *curl, const struct notify_config *cfg, int64_t now,
                      const struct outbox_list *claimed, struct notify_stats *st,
                      struct js_error *e)
{
    int max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 12;
    for (int i = 0; i < claimed->n; i++) {
        const struct outbox_msg *m = &claimed->v[i];
        char err[256] = "";
        int rc;
        if (cfg->cancel && atomic_load(cfg->cancel)) {
            /* stopping: give the rest back at once rather than when the lease ends */
            for (int k = i; k < claimed->n; k++)
                timers_outbox_release(s, claimed->v[k].id);
            return 0;
        }
        /* keep holding what is left, for one more lease from the clock's time (never shorter
         * than the claim's) */
        int64_t ids[NOTIFY_MAX_BATCH];
        int n = 0;
        for (int k = i; k < claimed->n && n < NOTIFY_MAX_BATCH; k++)
            ids[n++] = claimed->v[k].id;
        int64_t t = jclock_now(cfg->clock);
        rc = timers_outbox_renew(s, ids, n, (t > now ? t : now) + NOTIFY_LEASE_SECONDS);
        if (rc)
            return js_fail(e, rc, "", "无法续租消息 %lld", (long long)m->id);
        if (!deliverable(cfg, m)) {
            /* its destination is not configured: it waits, given back at once */
            rc = timers_outbox_release(s, m->id);
            if (rc)
                return js_fail(e, rc, "", "无法释放消息 %lld", (long long)m->id);
            continue;
        }
        st->tried++;
        if (post(curl, cfg, m, now, err, sizeof err) == 0) {
            rc = timers_outbox_sent(s, m->id, now);
            st->sent++;
        } else {
            int attempts = m->attempts + 1;
            bool give_up = attempts >= max_attempts;
            int64_t next = now + outbox_backoff(attempts, cfg->backoff_seconds);
            rc = timers_outbox_failed(s, m->id, err, next, give_up);
            if (give_up)
                st->failed++;
            else
                st->retried++;
            snprintf(st->last_error, sizeof st->last_error, "消息 %lld：%.*s", (long long)m->id,
                     utf8_clip(err, 200), err);
        }
        /* -JS_ESTATE: another deliverer took it over after our lease ended; nothing to do */
        if (rc && rc != -JS_ESTATE)
            return js_fail(e, rc, "", "无法记录消息 %lld 的投递结果", (long long)m->id);
    }
    return 0;
}

int notify_deliver(struct store *s, int64_t now, const struct notify_config *cfg,
                   struct notify_stats *st, struct js_error *e)
{
    struct notify_stats local;
    struct outbox_list claimed;
    struct upstream_link link;
    struct notify_config with_link;
    CURL *curl = NULL;
    int rc = 0;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    if (!cfg->city) {
        /* the city link stored in the settings, when there is one */
        with_link = *cfg;
        rc = upstream_link_load(s, &link);
        if (rc && rc != -JS_ENOTFOUND)
            return js_fail(e, rc, "", "无法读取市级平台连接");
        with_link.city = rc ? NULL : &link;
        cfg = &with_link;
        rc = 0;
    }
    if ((!cfg->gateway_url || !cfg->gateway_url[0]) && (!cfg->city || !cfg->city->url[0]))
        return 0;
    pthread_once(&curl_once, curl_setup);
    if (curl_init_rc != CURLE_OK || !(curl = curl_easy_init()))
        return js_fail(e, JS_EINTERNAL, "", "libcurl 初始化失败");
    int batch = cfg->batch > 0 ? cfg->batch : 100;
    if (batch > NOTIFY_MAX_BATCH)
        batch = NOTIFY_MAX_BATCH;
    /* short leases, renewed before each send (send_batch): one request lasts at most the
     * timeout plus the connection's, far less than a lease */
    int64_t lease = NOTIFY_LEASE_SECONDS;
    outbox_list_init(&claimed);
    /* batch after batch: what was tried is no longer due at now (sent, or retried later) */
    for (int round = 0; round < MAX_ROUNDS; round++) {
        claimed.n = 0;
        rc = timers_outbox_claim(s, now, lease, batch, &claimed);
        if (rc) {
            js_fail(e, rc, "", "无法领取到期的消息");
            goto out;
        }
        st->claimed += claimed.n;
        int tried = st->tried;
        rc = send_batch(s, curl, cfg, now, &claimed, st, e);
        /* a batch of messages that had nowhere to go would be claimed again: stop */
        if (rc || claimed.n < batch || st->tried == tried ||
            (cfg->cancel && atomic_load(cfg->cancel)))
            break;
    }
out:
    outbox_list_release(&claimed);
    curl_easy_cleanup(curl);
    return rc;
}
