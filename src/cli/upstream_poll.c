/* Reading the city's feed with libcurl and applying its messages. */
#include "compat.h"
#include "cli/upstream_poll.h"
#include "core/upstream.h"
#include "util/buf.h"
#include "util/utf8.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FEED_MAX_BYTES (4 * 1024 * 1024) /* the largest answer read */
#define CURSOR_MAX     256

struct answer {
    struct buf body;
    bool too_big;
    char ts[32], sig[UPSTREAM_SIG_HEX + 8];
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nmemb;
    if (a->body.len + n > FEED_MAX_BYTES) {
        a->too_big = true;
        return 0;
    }
    return buf_append(&a->body, ptr, n) ? 0 : n;
}

/* Keeps the value of header name (case-insensitive) from one header line. */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    snprintf(out, size, "%.*s", (int)(end - v), v);
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct answer *a = ud;
    size_t n = size * nmemb;
    header_value(ptr, n, UPSTREAM_HDR_TIME, a->ts, sizeof a->ts);
    header_value(ptr, n, UPSTREAM_HDR_SIG, a->sig, sizeof a->sig);
    return n;
}

/* The stored cursor and the time of the last poll. */
static int load_cursor(struct store *s, char *cursor, size_t n, int64_t *polled_at)
{
    char *text = NULL;
    cursor[0] = '\0';
    *polled_at = 0;
    int rc = s->ops->setting_get(s, UPSTREAM_CURSOR, &text);
    if (rc == -JS_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    json_t *doc = json_loads(text, 0, NULL);
    free(text);
    const char *c = json_string_value(json_object_get(doc, "cursor"));
    snprintf(cursor, n, "%s", c ? c : "");
    *polled_at = json_integer_value(json_object_get(doc, "polled_at"));
    json_decref(doc);
    return 0;
}

static int save_cursor(struct store *s, const char *cursor, int64_t polled_at)
{
    return upstream_setting_put(
        s, UPSTREAM_CURSOR,
        json_pack("{ss sI}", "cursor", cursor, "polled_at", (json_int_t)polled_at));
}

/* GETs the feed after cursor into a; 0, or -JS_EIO with the reason in st->last_error. */
static int fetch(const struct upstream_link *l, const char *cursor, int64_t now, struct answer *a,
                 struct upstream_poll_stats *st)
{
    char url[600], signed_part[CURSOR_MAX + 16], hex[UPSTREAM_SIG_HEX], h1[64], h2[128];
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = NULL, *next;
    int rc = -JS_EIO;
    CURL *curl = curl_easy_init();
    if (!curl) {
        snprintf(st->last_error, sizeof st->last_error, "libcurl 初始化失败");
        return -JS_EIO;
    }
    char *escaped = curl_easy_escape(curl, cursor, 0);
    snprintf(url, sizeof url, "%s/feed?after=%s", l->url, escaped ? escaped : "");
    curl_free(escaped);
    snprintf(signed_part, sizeof signed_part, "after=%s", cursor);
    if (upstream_sign(l->secret, now, signed_part, strlen(signed_part), hex)) {
        curl_easy_cleanup(curl);
        return -JS_EINTERNAL;
    }
    snprintf(h1, sizeof h1, UPSTREAM_HDR_TIME ": %lld", (long long)now);
    snprintf(h2, sizeof h2, UPSTREAM_HDR_SIG ": %s", hex);
    if (!(next = curl_slist_append(hdr, h1)) || !(hdr = next) ||
        !(next = curl_slist_append(hdr, h2))) {
        curl_slist_free_all(hdr);
        curl_easy_cleanup(curl);
        return -JS_ENOMEM;
    }
    hdr = next;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "jiesu-upstream/1");
    CURLcode cc = curl_easy_perform(curl);
    long status = 0;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200)
            rc = 0;
        else
            snprintf(st->last_error, sizeof st->last_error, "市级平台下发接口返回 HTTP %ld",
                     status);
    } else {
        if (a->too_big)
            snprintf(st->last_error, sizeof st->last_error, "市级平台下发接口的应答过大");
        else {
            const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
            snprintf(st->last_error, sizeof st->last_error, "无法读取市级平台下发接口：%.*s",
                     utf8_clip(why, 200), why);
        }
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(curl);
    return rc;
}

/* Failures of the store (not of the message): the cursor must not move past them. */
static bool store_failure(int rc)
{
    return rc == -JS_EDB || rc == -JS_EIO || rc == -JS_EBUSY || rc == -JS_ENOMEM ||
           rc == -JS_EINTERNAL || rc == -JS_ECONFLICT;
}

int upstream_poll(struct engine *en, int64_t now, struct upstream_poll_stats *st,
                  struct js_error *e)
{
    struct upstream_poll_stats local;
    struct upstream_link l;
    struct answer a;
    char cursor[CURSOR_MAX];
    int64_t polled_at = 0;
    json_t *doc = NULL;
    struct store *s = en->store;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    memset(&a, 0, sizeof a);
    buf_init(&a.body, FEED_MAX_BYTES + 1);
    int rc = upstream_link_load(s, &l);
    if (rc == -JS_ENOTFOUND || (!rc && (l.poll_seconds <= 0 || !l.url[0])))
        return 0;
    if (rc)
        return js_fail(e, rc, "", "无法读取市级平台连接");
    rc = load_cursor(s, cursor, sizeof cursor, &polled_at);
    if (rc)
        return js_fail(e, rc, "", "无法读取市级平台下发数据的游标");
    if (polled_at > 0 && now < polled_at + l.poll_seconds)
        return 0;
    st->polled = true;
    if (fetch(&l, cursor, now, &a, st))
        goto out; /* the city is unreachable: counted, tried again next time */
    struct js_error ve;
    js_error_clear(&ve);
    if (upstream_verify(l.secret, a.ts, a.sig, a.body.data ? a.body.data : "", a.body.len, now,
                        &ve)) {
        snprintf(st->last_error, sizeof st->last_error, "市级平台下发数据的签名无效：%.200s",
                 ve.message);
        goto out;
    }
    doc = json_loadb(a.body.data ? a.body.data : "", a.body.len, 0, NULL);
    const json_t *msgs = json_object_get(doc, "messages");
    const char *next = json_string_value(json_object_get(doc, "cursor"));
    if (!json_is_array(msgs) || !next || strlen(next) >= sizeof cursor) {
        snprintf(st->last_error, sizeof st->last_error,
                 "市级平台下发接口的应答不是 {\"messages\": [...], \"cursor\": \"...\"}");
        goto out;
    }
    size_t i;
    const json_t *m;
    bool stopped = false;
    json_array_foreach(msgs, i, m)
    {
        json_t *ans = NULL;
        struct js_error me;
        js_error_clear(&me);
        st->fetched++;
        int arc = upstream_apply(en, m, &ans, &me);
        if (!arc) {
            if (json_is_true(json_object_get(ans, "duplicate")))
                st->duplicates++;
            else
                st->applied++;
        } else if (store_failure(arc)) {
            /* keep the cursor: the whole page is read again next time, applied ones answer
             * duplicate */
            snprintf(st->last_error, sizeof st->last_error, "第 %zu 条消息：%.200s", i + 1,
                     me.message);
            stopped = true;
        } else {
            st->refused++;
            const char *id = json_string_value(json_object_get(m, "id"));
            snprintf(st->last_error, sizeof st->last_error, "消息 %.48s：%.40s %.120s",
                     id ? id : "?", me.field, me.message);
        }
        json_decref(ans);
        if (stopped)
            break;
    }
    rc = save_cursor(s, stopped ? cursor : next, now);
    if (rc)
        js_fail(e, rc, "", "无法保存市级平台下发数据的游标");
out:
    json_decref(doc);
    buf_release(&a.body);
    return rc;
}
