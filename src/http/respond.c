/* Response helpers (JSON, the error shape, text), response headers, and the JSON body reader. */
#include "compat.h"
#include "http/respond.h"
#include "util/jsonw.h"
#include "util/msg_zh.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

void http_response_init(struct http_response *res)
{
    res->status = 200;
    res->content_type = NULL;
    buf_init(&res->body, 0);
    res->fd = -1;
    res->fd_size = 0;
    res->stream = false;
    res->n_headers = 0;
}

void http_response_release(struct http_response *res)
{
    if (!res)
        return;
    buf_release(&res->body);
    if (res->fd >= 0)
        close(res->fd);
    res->fd = -1;
    for (int i = 0; i < res->n_headers; i++) {
        free(res->headers[i][0]);
        free(res->headers[i][1]);
    }
    res->n_headers = 0;
}

/* RFC 9110 token characters. */
static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

int http_response_header(struct http_response *res, const char *name, const char *value)
{
    if (!name || !*name || !value)
        return -JS_EINVAL;
    for (const char *p = name; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return -JS_EINVAL;
    if (strpbrk(value, "\r\n"))
        return -JS_EINVAL;
    if (res->n_headers >= HTTP_MAX_HEADERS)
        return -JS_ETOOLARGE;
    char *n = strdup(name);
    char *v = strdup(value);
    if (!n || !v) {
        free(n);
        free(v);
        return -JS_ENOMEM;
    }
    res->headers[res->n_headers][0] = n;
    res->headers[res->n_headers][1] = v;
    res->n_headers++;
    return 0;
}

/* Forgets any body or file set before. */
static void clear_body(struct http_response *res)
{
    buf_reset(&res->body);
    if (res->fd >= 0)
        close(res->fd);
    res->fd = -1;
    res->fd_size = 0;
}

/* The last resort when even an error body cannot be built. */
static void set_fallback(struct http_response *res)
{
    clear_body(res);
    res->status = 500;
    res->content_type = HTTP_JSON_TYPE;
    buf_puts(&res->body, "{\"error\":{\"code\":\"no_memory\",\"message\":\"out of memory\","
                         "\"field\":null}}");
}

static int put_json(struct http_response *res, int status, json_t *json)
{
    clear_body(res);
    int rc = jsonw_put(&res->body, json); /* json_dumps' text, without its copy and callbacks */
    if (rc)
        return rc;
    res->status = status;
    res->content_type = HTTP_JSON_TYPE;
    return 0;
}

void http_error_raw(struct http_response *res, int status, const char *code_name, const char *field,
                    const char *message)
{
    /* json_string() refuses invalid UTF-8 (e.g. echoed input): fall back to safe texts. */
    json_t *m = json_string(message ? message : "");
    if (!m)
        m = json_string("(message was not valid UTF-8)");
    json_t *f = (field && *field) ? json_string(field) : json_null();
    if (!f)
        f = json_string("?");
    json_t *err = json_pack("{s:{s:s, s:o, s:o}}", "error", "code", code_name ? code_name : "",
                            "message", m, "field", f);
    if (!err || put_json(res, status, err) != 0)
        set_fallback(res);
    json_decref(err);
}

void http_error(struct http_response *res, int code, const char *field, const char *message)
{
    /* a literal English message gets its Chinese row (util/msg_zh.c) */
    http_error_raw(res, js_err_status(code), js_err_name(code), field,
                   message ? msg_zh_or(message) : js_err_message(code));
}

void http_error_from(struct http_response *res, const struct js_error *e)
{
    int code = e->code ? e->code : -JS_EINTERNAL;
    http_error(res, code, e->field, e->message[0] ? e->message : NULL);
}

void http_json(struct http_response *res, int status, json_t *json)
{
    if (!json) {
        http_error(res, JS_EINTERNAL, NULL, "could not build the response");
        return;
    }
    if (put_json(res, status, json) != 0)
        http_error(res, JS_ENOMEM, NULL, NULL);
    json_decref(json);
}

void http_text(struct http_response *res, int status, const char *content_type, const char *text)
{
    clear_body(res);
    if (buf_puts(&res->body, text ? text : "") != 0) {
        http_error(res, JS_ENOMEM, NULL, NULL);
        return;
    }
    res->status = status;
    res->content_type = content_type;
}

struct buf *http_json_body(struct http_response *res, int status)
{
    clear_body(res);
    res->status = status;
    res->content_type = HTTP_JSON_TYPE;
    return &res->body;
}

void http_empty(struct http_response *res, int status)
{
    clear_body(res);
    res->status = status;
    res->content_type = NULL;
}

int http_body_json(const struct http_request *req, json_t **out, struct js_error *e)
{
    *out = NULL;
    if (!req->body || req->body_len == 0)
        return js_fail(e, JS_EBADJSON, NULL, "the request body is empty; a JSON object is needed");
    json_error_t je;
    json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        if (json_error_code(&je) == json_error_invalid_utf8)
            return js_fail(e, JS_EUTF8, NULL, "the request body is not valid UTF-8");
        return js_fail(e, JS_EBADJSON, NULL, "malformed JSON at line %d, column %d: %s", je.line,
                       je.column, msg_zh_json(json_error_code(&je)));
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return js_fail(e, JS_EBADJSON, NULL, "the request body must be a JSON object");
    }
    *out = j;
    return 0;
}

/* --- compression ------------------------------------------------------------------------- */

/* The q value of one Accept-Encoding element's parameters (";q=0.5"), 1 when absent. */
static double coding_q(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            char num[16];
            size_t n = (size_t)(end - p - 2);
            if (n >= sizeof num)
                n = sizeof num - 1;
            memcpy(num, p + 2, n);
            num[n] = '\0';
            return strtod(num, NULL);
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

bool http_accepts_gzip(const char *ae)
{
    double gzip_q = -1, star_q = -1;
    for (const char *p = ae; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *name_end = p;
        while (name_end < end && *name_end != ';' && *name_end != ' ' && *name_end != '\t')
            name_end++;
        size_t n = (size_t)(name_end - p);
        double q = coding_q(name_end, end);
        if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
            (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
            gzip_q = q;
        else if (n == 1 && *p == '*')
            star_q = q;
        p = end;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

bool http_compressible(const char *ct)
{
    if (!ct)
        return false;
    return strncasecmp(ct, "text/", 5) == 0 || strncasecmp(ct, "application/json", 16) == 0 ||
           strncasecmp(ct, "application/javascript", 22) == 0 ||
           strncasecmp(ct, "image/svg+xml", 13) == 0 || strncasecmp(ct, "application/xml", 15) == 0;
}

int http_gzip(const void *in, size_t n, int level, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (n > (size_t)UINT32_MAX)
        return -JS_ETOOLARGE;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -JS_ENOMEM;
    int rc = 0;
    uLong cap = deflateBound(&z, (uLong)n);
    char *dst = malloc(cap ? cap : 1);
    if (!dst) {
        rc = -JS_ENOMEM;
        goto out;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)dst;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        free(dst);
        rc = -JS_EINTERNAL;
        goto out;
    }
    *out = dst;
    *out_len = (size_t)z.total_out;
out:
    deflateEnd(&z);
    return rc;
}

void http_send_file(struct http_response *res, const char *path, const char *type,
                    const char *filename)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb)) {
        if (fd >= 0)
            close(fd);
        unlink(path);
        http_error(res, -JS_EIO, NULL, "无法读取导出文件");
        return;
    }
    unlink(path); /* the open descriptor keeps the file until it is sent */
    res->status = 200;
    res->content_type = type;
    res->fd = fd;
    res->fd_size = (uint64_t)sb.st_size;
    char disp[256];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    http_response_header(res, "Content-Disposition", disp);
}

void http_event_stream(struct http_response *res)
{
    clear_body(res);
    res->status = 200;
    res->content_type = "text/event-stream; charset=utf-8";
    res->stream = true;
}
