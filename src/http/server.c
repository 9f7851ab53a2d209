/* The libmicrohttpd adapter: per-request context with body collection under a cap, 413 / 415
 * answers before the application, one handler call per request, the log line and metrics at
 * completion, and a graceful stop that waits for in-flight requests. */
#include "compat.h"
#include "http/server.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "util/arena.h"
#include "util/jtime.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_THREADS   4
#define DEFAULT_MAX_BODY  ((size_t)1 << 20)
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_GRACE_S   10
/* How much of an over-long body is read and thrown away (so the connection stays usable) before
 * the connection is closed instead. */
#define DRAIN_SLACK ((size_t)1 << 20)

struct http_server {
    struct MHD_Daemon *d;
    struct http_server_config cfg;
    atomic_uint inflight;
    atomic_bool stopping;
    int port;
};

/* Everything about one request, from its first handler call to its completion. */
struct req_ctx {
    struct http_server *srv;
    struct http_request req;
    struct arena arena;
    struct buf body;
    struct timespec t0;
    char remote[INET6_ADDRSTRLEN];
    size_t limit;    /* body cap for this request */
    size_t received; /* body bytes seen, kept or thrown away */
    int reject;      /* 0, JS_ETOOLARGE or JS_EMEDIA: the body is thrown away */
    bool responded;
    int status;
    uint64_t bytes;
};

/* ---- request accessors ---- */

const char *http_header(const struct http_request *r, const char *name)
{
    if (!r->conn)
        return NULL;
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_request *r, const char *name)
{
    const char *v = NULL;
    size_t vlen = 0;
    if (!r->conn)
        return NULL;
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
                                      &vlen) != MHD_YES)
        return NULL;
    return v ? v : "";
}

struct query_iter {
    int (*fn)(void *ctx, const char *name, const char *value);
    void *ctx;
    int rc;
};

static enum MHD_Result query_each(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct query_iter *it = cls;
    JS_UNUSED(kind);
    it->rc = it->fn(it->ctx, key, value ? value : "");
    return it->rc ? MHD_NO : MHD_YES;
}

int http_query_foreach(const struct http_request *r,
                       int (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
    struct query_iter it = {fn, ctx, 0};
    if (r->conn)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_each, &it);
    return it.rc;
}

const char *http_param(const struct http_request *r, const char *name)
{
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i][0], name) == 0)
            return r->params[i][1];
    return NULL;
}

/* ---- responses ---- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_raw_path(const struct http_server *s, const char *path)
{
    for (const char *const *p = s->cfg.raw_body_prefixes; p && *p; p++)
        if (starts_with(path, *p))
            return true;
    return false;
}

/* application/json, optionally followed by parameters such as "; charset=utf-8". */
static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    char c = ct[16];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

static bool has_body_semantics(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* Turns res into an MHD response and queues it; releases res. */
static enum MHD_Result send_response(struct req_ctx *c, struct MHD_Connection *conn,
                                     struct http_response *res)
{
    struct MHD_Response *mr = NULL;
    if (res->status < 100 || res->status > 599)
        http_error(res, JS_EINTERNAL, NULL, "the handler set no valid status");
    if (res->fd >= 0) {
        mr = MHD_create_response_from_fd64(res->fd_size, res->fd);
        if (mr) {
            c->bytes = res->fd_size;
            res->fd = -1; /* MHD closes it */
        } else {
            http_error(res, JS_ENOMEM, NULL, NULL);
        }
    }
    if (!mr) {
        size_t len = res->body.len;
        char *data = buf_steal(&res->body);
        if (data)
            mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!mr) {
            free(data);
            http_response_release(res);
            return MHD_NO;
        }
        c->bytes = len;
    }
    if (res->content_type)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    for (int i = 0; i < res->n_headers; i++)
        MHD_add_response_header(mr, res->headers[i][0], res->headers[i][1]);
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    if (atomic_load(&c->srv->stopping))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    c->status = res->status;
    c->responded = true;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    http_response_release(res);
    return rc;
}

/* Answers with an error without calling the application. */
static enum MHD_Result send_error(struct req_ctx *c, struct MHD_Connection *conn, int code)
{
    struct http_response res;
    http_response_init(&res);
    if (code == JS_ETOOLARGE) {
        char msg[128];
        snprintf(msg, sizeof msg, "the request body is larger than %zu bytes", c->limit);
        http_error(&res, code, NULL, msg);
    } else if (code == JS_EMEDIA) {
        http_error(&res, code, "Content-Type", "the request body must be application/json");
    } else {
        http_error(&res, code, NULL, NULL);
    }
    return send_response(c, conn, &res);
}

static enum MHD_Result run_handler(struct req_ctx *c)
{
    struct http_response res;
    http_response_init(&res);
    c->req.body = c->body.data ? c->body.data : "";
    c->req.body_len = c->body.len;
    c->srv->cfg.handler(c->srv->cfg.app, &c->req, &res);
    return send_response(c, c->req.conn, &res);
}

/* ---- the MHD callbacks ---- */

static struct req_ctx *ctx_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
                               const char *method)
{
    struct req_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    c->srv = s;
    arena_init(&c->arena);
    c->req.method = arena_strdup(&c->arena, method);
    c->req.path = arena_strdup(&c->arena, url);
    if (!c->req.method || !c->req.path) {
        arena_release(&c->arena);
        free(c);
        return NULL;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(c->remote, sizeof c->remote, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, c->remote,
                      sizeof c->remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      c->remote, sizeof c->remote);
    }
    c->req.remote = c->remote;
    c->req.arena = &c->arena;
    c->req.conn = conn;
    c->req.body = "";
    bool raw = is_raw_path(s, c->req.path);
    c->limit = raw ? s->cfg.max_raw_body : s->cfg.max_body;
    buf_init(&c->body, c->limit);
    if (has_body_semantics(method) && !raw &&
        !is_json_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type")))
        c->reject = JS_EMEDIA; /* decided at the end: only if a body actually came */
    return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;
    JS_UNUSED(version);
    if (!c) {
        c = ctx_new(s, conn, url, method);
        if (!c)
            return MHD_NO;
        *con_cls = c;
        atomic_fetch_add(&s->inflight, 1);
        metrics_inflight(s->cfg.metrics, 1);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            if (errno == ERANGE || n > c->limit)
                return send_error(c, conn, JS_ETOOLARGE); /* early: the connection closes */
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->responded)
            return MHD_YES;
        c->received += n;
        if (!c->reject) {
            int rc = buf_append(&c->body, upload_data, n);
            if (rc) {
                c->reject = rc == -JS_ETOOLARGE ? JS_ETOOLARGE : JS_ENOMEM;
                buf_release(&c->body);
            }
        } else if (c->received > c->limit) {
            c->reject = JS_ETOOLARGE;
        }
        if (c->reject && c->received - c->limit > DRAIN_SLACK && c->received > c->limit)
            return send_error(c, conn, c->reject); /* stop reading: the connection closes */
        return MHD_YES;
    }
    if (c->responded)
        return MHD_YES;
    if (c->reject == JS_EMEDIA && c->received == 0)
        c->reject = 0; /* no body, nothing to object to */
    if (c->reject)
        return send_error(c, conn, c->reject);
    return run_handler(c);
}

/* Writes s into out with spaces, control characters and '%' percent-encoded, so that one
 * request is one parseable log line whatever its path. */
static void log_path(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    for (; *s && j + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch == 0x7f || ch == '%') {
            out[j++] = '%';
            out[j++] = hex[ch >> 4];
            out[j++] = hex[ch & 15];
        } else {
            out[j++] = (char)ch;
        }
    }
    if (*s && n >= 4) {
        j = j + 3 < n ? j : n - 4;
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;
    JS_UNUSED(conn);
    JS_UNUSED(toe);
    if (!c)
        return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - c->t0.tv_sec) + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e9;
    if (c->responded)
        metrics_observe(s->cfg.metrics, c->req.route, c->req.method, c->status, secs);
    if (s->cfg.log) {
        char when[32], path[512], user[24];
        jtime_format((int64_t)time(NULL), when, sizeof when);
        log_path(path, sizeof path, c->req.path);
        if (c->req.user_id)
            snprintf(user, sizeof user, "%lld", (long long)c->req.user_id);
        else
            snprintf(user, sizeof user, "-");
        char method[24];
        log_path(method, sizeof method, c->req.method);
        flockfile(s->cfg.log);
        fprintf(s->cfg.log, "%s %s %s %s %d %llu %.2fms user=%s\n", when, c->remote, method, path,
                c->status, (unsigned long long)c->bytes, secs * 1000.0, user);
        fflush(s->cfg.log);
        funlockfile(s->cfg.log);
    }
    buf_release(&c->body);
    arena_release(&c->arena);
    free(c);
    metrics_inflight(s->cfg.metrics, -1);
    atomic_fetch_sub(&s->inflight, 1);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    FILE *f = cls;
    if (!f)
        return;
    flockfile(f);
    fputs("mhd: ", f);
    vfprintf(f, fmt, ap);
    fflush(f);
    funlockfile(f);
}

/* ---- start and stop ---- */

/* Parses "host:port", "[v6]:port" or ":port" into ss. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
                        struct js_error *e)
{
    char host[64];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (!listen || !*listen)
        return js_fail(e, JS_EINVAL, "listen", "no listen address");
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            return js_fail(e, JS_EINVAL, "listen", "bad listen address %s", listen);
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
        *v6 = true;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            return js_fail(e, JS_EINVAL, "listen", "bad listen address %s (host:port)", listen);
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
        *v6 = false;
    }
    char *end;
    errno = 0;
    long p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535)
        return js_fail(e, JS_EINVAL, "listen", "bad port in %s", listen);
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return js_fail(e, JS_EINVAL, "listen", "bad IPv6 address in %s", listen);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        if (!host[0] || strcmp(host, "*") == 0)
            a->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (strcmp(host, "localhost") == 0)
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return js_fail(e, JS_EINVAL, "listen", "bad IPv4 address in %s", listen);
    }
    return 0;
}

int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct js_error *e)
{
    *out = NULL;
    if (!cfg->handler)
        return js_fail(e, JS_EINVAL, "handler", "no request handler");
    struct sockaddr_storage ss;
    bool v6 = false;
    int rc = parse_listen(cfg->listen, &ss, &v6, e);
    if (rc)
        return rc;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    s->cfg = *cfg;
    if (!s->cfg.threads)
        s->cfg.threads = DEFAULT_THREADS;
    if (!s->cfg.max_body)
        s->cfg.max_body = DEFAULT_MAX_BODY;
    if (!s->cfg.max_raw_body)
        s->cfg.max_raw_body = s->cfg.max_body;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = DEFAULT_TIMEOUT_S;
    if (!s->cfg.grace_s)
        s->cfg.grace_s = DEFAULT_GRACE_S;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->stopping, false);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (cfg->log)
        flags |= MHD_USE_ERROR_LOG;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.timeout_s, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {s->cfg.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END,
         (intptr_t)s->cfg.threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* MHD_OPTION_ARRAY stops at the first MHD_OPTION_END: move the optional ones to the end. */
    size_t n = 0;
    for (size_t i = 0; i < JS_ARRAY_LEN(opts); i++)
        if (opts[i].option != MHD_OPTION_END)
            opts[n++] = opts[i];
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* MHD wants the logger as the very first option (not inside an array), to route its own
     * option messages through it; without a log file the logger drops them. */
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, cfg->log, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return js_fail(e, JS_EIO, "listen", "could not listen on %s (address in use?)",
                       cfg->listen);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? (int)di->port : -1;
    *out = s;
    return 0;
}

int http_server_port(const struct http_server *s)
{
    return s ? s->port : -1;
}

unsigned http_server_inflight(const struct http_server *s)
{
    return atomic_load(&s->inflight);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket listen_fd = MHD_quiesce_daemon(s->d);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&s->inflight) == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)s->cfg.grace_s)
            break;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    MHD_stop_daemon(s->d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    free(s);
}
