/* Tests of the HTTP layer against the real server on a loopback port, spoken to by a small
 * blocking socket client: routing, error bodies, body caps, media types, keep-alive, graceful
 * stop, static files, metrics and the log line; plus router, respond and metrics units. */
#include "compat.h"
#include "testutil.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static.h"
#include "util/arena.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- a tiny HTTP/1.1 client ---- */

struct resp {
    int status;
    char head[8192]; /* status line and headers */
    char *body;      /* malloc'd, NUL-terminated */
    size_t body_len;
    bool closed; /* the server closed the connection after this response */
};

static void resp_free(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

static int conn_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const char *data, size_t n)
{
    while (n) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close early (413): reading tells */
        data += w;
        n -= (size_t)w;
    }
}

/* Case-insensitive header lookup in r->head; copies the value into a static slot. */
static const char *resp_header(const struct resp *r, const char *name)
{
    static char val[4][512];
    static int slot;
    size_t n = strlen(name);
    for (const char *p = strstr(r->head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t len = end ? (size_t)(end - v) : strlen(v);
            char *out = val[slot++ % 4];
            snprintf(out, 512, "%.*s", (int)len, v);
            return out;
        }
    }
    return NULL;
}

/* Reads one response; returns 0, or -1 if the connection closed before a full response. */
static int read_response(int fd, struct resp *r, bool head_request)
{
    memset(r, 0, sizeof *r);
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        if (have + 1 >= sizeof r->head)
            return -1;
        ssize_t n = recv(fd, r->head + have, 1, 0); /* byte by byte: no over-read */
        if (n <= 0)
            return -1;
        have += (size_t)n;
        r->head[have] = '\0';
        end = strstr(r->head, "\r\n\r\n");
    }
    end[2] = '\0'; /* keep the last header's CRLF for resp_header */
    if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
        return -1;
    const char *cl = resp_header(r, "Content-Length");
    size_t len = cl ? (size_t)strtoull(cl, NULL, 10) : 0;
    if (head_request || r->status == 304 || r->status == 204)
        len = 0;
    r->body = malloc(len + 1);
    assert_non_null(r->body);
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(fd, r->body + got, len - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    r->body[len] = '\0';
    r->body_len = len;
    const char *c = resp_header(r, "Connection");
    r->closed = c && strcasecmp(c, "close") == 0;
    return 0;
}

/* One request on a fresh connection. */
static void request(int port, const char *raw, struct resp *r)
{
    int fd = conn_open(port);
    assert_true(fd >= 0);
    send_all(fd, raw, strlen(raw));
    assert_int_equal(read_response(fd, r, strncmp(raw, "HEAD ", 5) == 0), 0);
    close(fd);
}

static void get(int port, const char *path, struct resp *r)
{
    char raw[1024];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    request(port, raw, r);
}

/* Sends a request with a body on fd (Content-Length) and reads the answer. */
static int post_on(int fd, const char *path, const char *ctype, const char *body, size_t n,
                   struct resp *r)
{
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: t\r\n%s%s%sContent-Length: %zu\r\n\r\n", path,
                      ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "", n);
    send_all(fd, head, (size_t)hl);
    send_all(fd, body, n);
    return read_response(fd, r, false);
}

static void post(int port, const char *path, const char *ctype, const char *body, struct resp *r)
{
    int fd = conn_open(port);
    assert_true(fd >= 0);
    assert_int_equal(post_on(fd, path, ctype, body, strlen(body), r), 0);
    close(fd);
}

/* Checks the error shape: status, code, and field (NULL: JSON null). */
static void assert_error(const struct resp *r, int status, const char *code, const char *field)
{
    assert_int_equal(r->status, status);
    assert_non_null(resp_header(r, "Content-Type"));
    assert_true(strncmp(resp_header(r, "Content-Type"), "application/json", 16) == 0);
    json_error_t je;
    json_t *j = json_loads(r->body, 0, &je);
    assert_non_null(j);
    json_t *err = json_object_get(j, "error");
    assert_true(json_is_object(err));
    assert_string_equal(json_string_value(json_object_get(err, "code")), code);
    assert_true(json_is_string(json_object_get(err, "message")));
    json_t *f = json_object_get(err, "field");
    if (field)
        assert_string_equal(json_string_value(f), field);
    else
        assert_true(json_is_null(f));
    assert_int_equal(json_object_size(err), 3);
    json_decref(j);
}

/* The string member name of a JSON body. */
static char *json_member(const struct resp *r, const char *name)
{
    static char out[256];
    json_t *j = json_loads(r->body, 0, NULL);
    assert_non_null(j);
    json_t *v = json_object_get(j, name);
    if (json_is_string(v))
        snprintf(out, sizeof out, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, sizeof out, "%lld", (long long)json_integer_value(v));
    else
        snprintf(out, sizeof out, "<%s>", v ? "other" : "absent");
    json_decref(j);
    return out;
}

/* ---- the application under test ---- */

#define ROUTE_PRIVATE 1u

struct app {
    struct router *router;
    struct static_root *root;
    struct metrics *metrics;
    struct http_server *server;
    int port;
    FILE *log;
    atomic_int handled;      /* bodies that reached a handler */
    atomic_int slow_started; /* the slow handler is running */
    atomic_int slow_done;
};

static void h_order(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    char *copy = arena_strdup(req->arena, http_param(req, "id")); /* the arena works */
    http_json(res, 200, json_pack("{s:s, s:s}", "id", copy, "route", req->route));
}

static void h_export(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    http_json(res, 200, json_pack("{s:b, s:s}", "export", 1, "route", req->route));
}

static void h_note_delete(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    http_json(
        res, 200,
        json_pack("{s:s, s:s}", "id", http_param(req, "id"), "note", http_param(req, "note")));
}

static void h_create(void *app, struct http_request *req, struct http_response *res)
{
    struct app *a = app;
    atomic_fetch_add(&a->handled, 1);
    json_t *body;
    struct js_error e;
    if (http_body_json(req, &body, &e) != 0) {
        http_error_from(res, &e);
        return;
    }
    json_decref(body);
    http_json(res, 201, json_pack("{s:I}", "len", (json_int_t)req->body_len));
}

static void h_upload(void *app, struct http_request *req, struct http_response *res)
{
    struct app *a = app;
    atomic_fetch_add(&a->handled, 1);
    const char *ct = http_header(req, "content-type");
    http_json(res, 200,
              json_pack("{s:s, s:I, s:s}", "type", ct ? ct : "", "len", (json_int_t)req->body_len,
                        "name", http_param(req, "name")));
}

static int count_arg(void *ctx, const char *name, const char *value)
{
    JS_UNUSED(name);
    JS_UNUSED(value);
    (*(int *)ctx)++;
    return 0;
}

static void h_query(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    int n = 0;
    http_query_foreach(req, count_arg, &n);
    const char *q = http_query(req, "q");
    const char *flag = http_query(req, "flag");
    http_json(res, 200,
              json_pack("{s:s, s:s, s:s, s:i}", "q", q ? q : "<absent>", "flag",
                        flag ? flag : "<absent>", "none",
                        http_query(req, "none") ? "present" : "<absent>", "n", n));
}

static void h_private(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    http_json(res, 200, json_pack("{s:I}", "user", (json_int_t)req->user_id));
}

static void h_slow(void *app, struct http_request *req, struct http_response *res)
{
    struct app *a = app;
    JS_UNUSED(req);
    atomic_store(&a->slow_started, 1);
    struct timespec nap = {0, 600 * 1000 * 1000};
    nanosleep(&nap, NULL);
    http_json(res, 200, json_pack("{s:b}", "slow", 1));
    atomic_store(&a->slow_done, 1);
}

static int guard(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    if (!(req->route_flags & ROUTE_PRIVATE))
        return 0;
    const char *auth = http_header(req, "Authorization");
    if (!auth || strcmp(auth, "Bearer good") != 0) {
        http_error(res, JS_EUNAUTH, NULL, NULL);
        return 1;
    }
    req->user_id = 7;
    return 0;
}

static void top(void *app, struct http_request *req, struct http_response *res)
{
    struct app *a = app;
    if (strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/slow") == 0)
        router_dispatch(a->router, app, req, res);
    else if (strcmp(req->path, "/metrics") == 0)
        metrics_respond(a->metrics, res);
    else
        static_serve(a->root, req, res);
}

static int app_gauges(void *ctx, struct buf *out)
{
    JS_UNUSED(ctx);
    int rc = metrics_family(out, "jiesu_orders", "gauge", "Orders by state.");
    const char *l1[] = {"state", "received", NULL};
    const char *l2[] = {"state", "closed", NULL};
    if (!rc)
        rc = metrics_sample(out, "jiesu_orders", l1, 3);
    if (!rc)
        rc = metrics_sample(out, "jiesu_orders", l2, 11);
    return rc;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *web_root(void)
{
    static char root[512];
    if (root[0])
        return root;
    snprintf(root, sizeof root, "%s", tu_path("www"));
    mkdir(root, 0755);
    mkdir(tu_path("www/sub"), 0755);
    write_file(tu_path("www/index.html"), "<!doctype html><title>接诉即办</title>");
    write_file(tu_path("www/app.js"), "console.log('jiesu');\n");
    write_file(tu_path("www/style.css"), "body{margin:0}\n");
    write_file(tu_path("www/font.woff2"), "wOF2");
    write_file(tu_path("www/sub/index.html"), "<p>sub</p>");
    write_file(tu_path("www/.env"), "SECRET=1");
    write_file(tu_path("secret.txt"), "TOP SECRET OUTSIDE THE ROOT");
    assert_int_equal(symlink("../secret.txt", tu_path("www/escape.txt")), 0);
    assert_int_equal(symlink("app.js", tu_path("www/alias.js")), 0);
    assert_int_equal(symlink("..", tu_path("www/up")), 0);
    return root;
}

static const char *const raw_prefixes[] = {"/api/v1/files/", NULL};

static int setup(void **state)
{
    struct app *a = calloc(1, sizeof *a);
    assert_non_null(a);
    assert_int_equal(router_new(&a->router), 0);
    assert_int_equal(router_add(a->router, "GET", "/api/v1/orders/{id}", h_order), 0);
    assert_int_equal(router_add(a->router, "GET", "/api/v1/orders/export", h_export), 0);
    assert_int_equal(router_add(a->router, "POST", "/api/v1/orders", h_create), 0);
    assert_int_equal(
        router_add(a->router, "DELETE", "/api/v1/orders/{id}/notes/{note}", h_note_delete), 0);
    assert_int_equal(router_add(a->router, "POST", "/api/v1/files/{name}", h_upload), 0);
    assert_int_equal(router_add(a->router, "GET", "/api/v1/query", h_query), 0);
    assert_int_equal(
        router_add_flags(a->router, "GET", "/api/v1/private", h_private, ROUTE_PRIVATE), 0);
    assert_int_equal(router_add(a->router, "GET", "/slow", h_slow), 0);
    router_set_guard(a->router, guard);
    struct js_error e;
    assert_int_equal(static_root_open(web_root(), &a->root, &e), 0);
    assert_int_equal(metrics_new(&a->metrics), 0);
    metrics_set_gauges(a->metrics, app_gauges, a);
    a->log = tmpfile();
    assert_non_null(a->log);

    struct http_server_config cfg = {
        .listen = "127.0.0.1:0",
        .threads = 3,
        .max_body = 1024,
        .max_raw_body = 4096,
        .handler = top,
        .app = a,
        .log = a->log,
        .metrics = a->metrics,
        .raw_body_prefixes = raw_prefixes,
    };
    assert_int_equal(http_server_start(&cfg, &a->server, &e), 0);
    a->port = http_server_port(a->server);
    assert_true(a->port > 0);
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    struct app *a = *state;
    http_server_stop(a->server);
    router_free(a->router);
    static_root_free(a->root);
    metrics_free(a->metrics);
    fclose(a->log);
    free(a);
    return 0;
}

/* ---- server tests ---- */

static void test_routing_with_params(void **state)
{
    struct app *a = *state;
    struct resp r;
    get(a->port, "/api/v1/orders/42", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "id"), "42");
    assert_string_equal(json_member(&r, "route"), "/api/v1/orders/{id}");
    assert_true(strncmp(resp_header(&r, "Content-Type"), "application/json", 16) == 0);
    resp_free(&r);

    /* The literal route beats the parameter. */
    get(a->port, "/api/v1/orders/export", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "route"), "/api/v1/orders/export");
    resp_free(&r);

    /* Parameters arrive percent-decoded. */
    get(a->port, "/api/v1/orders/%E5%8C%97%E4%BA%AC-7", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "id"), "北京-7");
    resp_free(&r);

    request(a->port, "DELETE /api/v1/orders/9/notes/3 HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "id"), "9");
    assert_string_equal(json_member(&r, "note"), "3");
    resp_free(&r);

    get(a->port, "/api/v1/query?q=a%20b%E4%B8%AD&flag&x=1", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "q"), "a b中");
    assert_string_equal(json_member(&r, "flag"), "");
    assert_string_equal(json_member(&r, "none"), "<absent>");
    assert_string_equal(json_member(&r, "n"), "3");
    resp_free(&r);

    /* HEAD is answered by GET routes, without a body. */
    request(a->port, "HEAD /api/v1/orders/42 HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    resp_free(&r);
}

static void test_unknown_route_is_404_json(void **state)
{
    struct app *a = *state;
    struct resp r;
    get(a->port, "/api/v1/nothing-here", &r);
    assert_error(&r, 404, "not_found", NULL);
    resp_free(&r);
    get(a->port, "/api/v1/orders/", &r); /* empty parameter */
    assert_error(&r, 404, "not_found", NULL);
    resp_free(&r);
    get(a->port, "/api/v1/orders/1/2", &r);
    assert_error(&r, 404, "not_found", NULL);
    resp_free(&r);
}

static void test_wrong_method_is_405(void **state)
{
    struct app *a = *state;
    struct resp r;
    request(a->port, "DELETE /api/v1/orders/42 HTTP/1.1\r\nHost: t\r\n\r\n", &r);
    assert_error(&r, 405, "method_not_allowed", NULL);
    assert_string_equal(resp_header(&r, "Allow"), "GET, HEAD");
    resp_free(&r);
    request(a->port, "PUT /api/v1/orders HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &r);
    assert_error(&r, 405, "method_not_allowed", NULL);
    assert_string_equal(resp_header(&r, "Allow"), "POST");
    resp_free(&r);
}

static void test_body_cap(void **state)
{
    struct app *a = *state;
    struct resp r;
    /* A JSON body of exactly max_body bytes is accepted. */
    char body[2100];
    memset(body, 'x', sizeof body);
    memcpy(body, "{\"a\":\"", 6);
    memcpy(body + 1024 - 2, "\"}", 2);
    body[1024] = '\0';
    post(a->port, "/api/v1/orders", "application/json", body, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(json_member(&r, "len"), "1024");
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 1);

    /* One byte more, declared by Content-Length: the body is read away and 413 answered at its
     * end (a client still sending would otherwise miss the answer); the handler never runs. */
    body[1022] = 'x';
    memcpy(body + 1025 - 2, "\"}", 2);
    body[1025] = '\0';
    post(a->port, "/api/v1/orders", "application/json", body, &r);
    assert_error(&r, 413, "too_large", NULL);
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 1);

    /* Far more than the cap, declared by Content-Length: 413 at once, the connection closes
     * (nothing of the body is read). */
    request(a->port,
            "POST /api/v1/orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            "Content-Length: 104857600\r\n\r\n",
            &r);
    assert_error(&r, 413, "too_large", NULL);
    assert_true(r.closed);
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 1);

    /* A chunked body that grows past the cap: 413, the rest is read and discarded, and the
     * connection stays usable. */
    int fd = conn_open(a->port);
    assert_true(fd >= 0);
    const char *head = "POST /api/v1/orders HTTP/1.1\r\nHost: t\r\nContent-Type: application/json"
                       "\r\nTransfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, strlen(head));
    memset(body, 'y', 2000);
    for (int i = 0; i < 3; i++) {
        send_all(fd, "7d0\r\n", 5);
        send_all(fd, body, 2000);
        send_all(fd, "\r\n", 2);
    }
    send_all(fd, "0\r\n\r\n", 5);
    assert_int_equal(read_response(fd, &r, false), 0);
    assert_error(&r, 413, "too_large", NULL);
    assert_false(r.closed);
    resp_free(&r);
    assert_int_equal(post_on(fd, "/api/v1/orders", "application/json", "{}", 2, &r), 0);
    assert_int_equal(r.status, 201);
    resp_free(&r);
    close(fd);
    assert_int_equal(atomic_load(&a->handled), 2);

    /* Raw upload paths have their own cap. */
    memset(body, 'z', 2000);
    body[2000] = '\0';
    post(a->port, "/api/v1/files/photo.jpg", "image/jpeg", body, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "len"), "2000");
    assert_string_equal(json_member(&r, "type"), "image/jpeg");
    assert_string_equal(json_member(&r, "name"), "photo.jpg");
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 3);
}

static void test_media_type(void **state)
{
    struct app *a = *state;
    struct resp r;
    post(a->port, "/api/v1/orders", "text/plain", "{\"a\":1}", &r);
    assert_error(&r, 415, "unsupported_media", "Content-Type");
    resp_free(&r);
    post(a->port, "/api/v1/orders", NULL, "{\"a\":1}", &r);
    assert_error(&r, 415, "unsupported_media", "Content-Type");
    resp_free(&r);
    post(a->port, "/api/v1/orders", "application/jsonp", "{\"a\":1}", &r);
    assert_error(&r, 415, "unsupported_media", "Content-Type");
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 0);

    post(a->port, "/api/v1/orders", "Application/JSON; charset=utf-8", "{\"a\":1}", &r);
    assert_int_equal(r.status, 201);
    resp_free(&r);
    /* No body: nothing to object to; the handler sees an empty body. */
    post(a->port, "/api/v1/orders", "text/plain", "", &r);
    assert_error(&r, 400, "bad_json", NULL);
    resp_free(&r);
    post(a->port, "/api/v1/orders", "application/json", "{\"a\":", &r);
    assert_error(&r, 400, "bad_json", NULL);
    resp_free(&r);
    post(a->port, "/api/v1/orders", "application/json", "{\"a\":\"\xff\xfe\"}", &r);
    assert_error(&r, 400, "bad_utf8", NULL);
    resp_free(&r);
    post(a->port, "/api/v1/orders", "application/json", "[1,2]", &r);
    assert_error(&r, 400, "bad_json", NULL);
    resp_free(&r);
    post(a->port, "/api/v1/orders", "application/json", "{\"a\":1,\"a\":2}", &r);
    assert_error(&r, 400, "bad_json", NULL);
    resp_free(&r);
    assert_int_equal(atomic_load(&a->handled), 6);

    post(a->port, "/api/v1/files/note.txt", "text/plain; charset=utf-8", "你好", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "len"), "6");
    resp_free(&r);
}

static void test_keep_alive(void **state)
{
    struct app *a = *state;
    int fd = conn_open(a->port);
    assert_true(fd >= 0);
    struct resp r;
    for (int i = 0; i < 3; i++) {
        const char *req = i == 1 ? "GET /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n"
                                 : "GET /api/v1/orders/5 HTTP/1.1\r\nHost: t\r\n\r\n";
        send_all(fd, req, strlen(req));
        assert_int_equal(read_response(fd, &r, false), 0);
        assert_int_equal(r.status, i == 1 ? 404 : 200);
        assert_false(r.closed);
        resp_free(&r);
    }
    assert_int_equal(post_on(fd, "/api/v1/orders", "application/json", "{}", 2, &r), 0);
    assert_int_equal(r.status, 201);
    assert_false(r.closed);
    resp_free(&r);
    close(fd);
}

static void test_guard_and_log_line(void **state)
{
    struct app *a = *state;
    struct resp r;
    get(a->port, "/api/v1/private", &r);
    assert_error(&r, 401, "unauthorized", NULL);
    resp_free(&r);
    request(a->port,
            "GET /api/v1/private HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer good\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(json_member(&r, "user"), "7");
    resp_free(&r);
    get(a->port, "/api/v1/orders/a%20b?secret=token", &r);
    resp_free(&r);

    /* Stop so that every completion has been logged, then read the log. */
    http_server_stop(a->server);
    a->server = NULL;
    rewind(a->log);
    char line[1024];
    int n = 0;
    regex_t re;
    assert_int_equal(regcomp(&re,
                             "^[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日 [0-9]{2}:[0-9]{2}:[0-9]{2} "
                             "127\\.0\\.0\\.1 GET (/[^ ]*) ([0-9]{3}) ([0-9]+) [0-9]+\\.[0-9]{2}ms "
                             "user=(-|[0-9]+) rid=[0-9a-f]{16}\n$",
                             REG_EXTENDED),
                     0);
    bool saw_user = false, saw_401 = false, saw_space = false;
    while (fgets(line, sizeof line, a->log)) {
        regmatch_t m[5];
        assert_int_equal(regexec(&re, line, 5, m, 0), 0);
        n++;
        if (strstr(line, " 200 ") && strstr(line, "user=7 "))
            saw_user = true;
        if (strstr(line, "/api/v1/private 401 ") && strstr(line, "user=- "))
            saw_401 = true;
        if (strstr(line, "/api/v1/orders/a%20b 200 "))
            saw_space = true; /* escaped, and the query string is not logged */
        assert_null(strstr(line, "secret"));
    }
    regfree(&re);
    assert_int_equal(n, 3);
    assert_true(saw_user && saw_401 && saw_space);
}

struct slow_client {
    int port;
    struct resp r;
    int rc;
};

static void *slow_client_run(void *arg)
{
    struct slow_client *c = arg;
    int fd = conn_open(c->port);
    if (fd < 0) {
        c->rc = -1;
        return NULL;
    }
    const char *req = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(fd, req, strlen(req));
    c->rc = read_response(fd, &c->r, false);
    close(fd);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_graceful_stop(void **state)
{
    struct app *a = *state;
    /* An idle keep-alive connection must not hold the stop up. */
    int idle = conn_open(a->port);
    assert_true(idle >= 0);
    struct resp r;
    const char *first = "GET /api/v1/orders/1 HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(idle, first, strlen(first));
    assert_int_equal(read_response(idle, &r, false), 0);
    resp_free(&r);
    /* The first request ends once the server has logged it, which may come after the client read
     * its answer (seen once in CI: 2 in flight below): wait for that, up to 5 s. */
    for (int i = 0; i < 5000 && http_server_inflight(a->server) > 0; i++) {
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    assert_int_equal(http_server_inflight(a->server), 0);

    struct slow_client c = {.port = a->port};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, slow_client_run, &c), 0);
    while (!atomic_load(&a->slow_started)) {
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    assert_int_equal(http_server_inflight(a->server), 1);
    assert_false(atomic_load(&a->slow_done));
    double t0 = now_s();
    http_server_stop(a->server);
    double took = now_s() - t0;
    a->server = NULL;
    /* The stop waited for the slow request, which completed normally. */
    assert_true(atomic_load(&a->slow_done));
    assert_true(took > 0.3 && took < 5.0);
    pthread_join(t, NULL);
    assert_int_equal(c.rc, 0);
    assert_int_equal(c.r.status, 200);
    assert_string_equal(c.r.body, "{\"slow\":true}");
    assert_true(c.r.closed); /* answered during the stop: Connection: close */
    resp_free(&c.r);
    /* Nobody listens any more; the idle connection was closed. */
    assert_int_equal(conn_open(a->port), -1);
    char byte;
    assert_true(recv(idle, &byte, 1, 0) <= 0);
    close(idle);
}

/* A handler that takes long holds only its own request: the other connections' requests are
 * answered meanwhile, whichever of the server's threads read them. Sixteen keep-alive connections
 * are opened and used first, so that the one the slow request came on shares its reading thread
 * with others (a server that ran handlers on its reading threads kept those waiting). */
static void test_slow_handler_holds_only_its_request(void **state)
{
    struct app *a = *state;
    enum { N = 16 };
    int fds[N];
    struct resp r;
    const char *get1 = "GET /api/v1/orders/1 HTTP/1.1\r\nHost: t\r\n\r\n";
    for (int i = 0; i < N; i++) {
        fds[i] = conn_open(a->port);
        assert_true(fds[i] >= 0);
        send_all(fds[i], get1, strlen(get1));
        assert_int_equal(read_response(fds[i], &r, false), 0);
        assert_int_equal(r.status, 200);
        resp_free(&r);
    }
    const char *slow = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(fds[0], slow, strlen(slow));
    while (!atomic_load(&a->slow_started)) {
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    for (int i = 1; i < N; i++) {
        send_all(fds[i], get1, strlen(get1));
        assert_int_equal(read_response(fds[i], &r, false), 0);
        assert_int_equal(r.status, 200);
        resp_free(&r);
        assert_false(atomic_load(&a->slow_done)); /* answered while the slow one still ran */
    }
    assert_int_equal(read_response(fds[0], &r, false), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"slow\":true}");
    resp_free(&r);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

static void test_static_files(void **state)
{
    struct app *a = *state;
    struct resp r;
    get(a->port, "/", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<!doctype html><title>接诉即办</title>");
    assert_string_equal(resp_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal(resp_header(&r, "Cache-Control"), "no-cache");
    char etag[128];
    snprintf(etag, sizeof etag, "%s", resp_header(&r, "ETag"));
    resp_free(&r);

    char raw[512];
    snprintf(raw, sizeof raw, "GET /index.html HTTP/1.1\r\nHost: t\r\nIf-None-Match: %s\r\n\r\n",
             etag);
    request(a->port, raw, &r);
    assert_int_equal(r.status, 304);
    resp_free(&r);

    get(a->port, "/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "console.log('jiesu');\n");
    assert_string_equal(resp_header(&r, "Content-Type"), "text/javascript; charset=utf-8");
    resp_free(&r);
    get(a->port, "/style.css", &r);
    assert_string_equal(resp_header(&r, "Content-Type"), "text/css; charset=utf-8");
    resp_free(&r);
    get(a->port, "/font.woff2", &r);
    assert_string_equal(resp_header(&r, "Content-Type"), "font/woff2");
    resp_free(&r);
    get(a->port, "/sub/", &r);
    assert_string_equal(r.body, "<p>sub</p>");
    resp_free(&r);
    get(a->port, "/alias.js", &r); /* a symlink inside the root is fine */
    assert_int_equal(r.status, 200);
    resp_free(&r);

    static const char *const refused[] = {
        "/missing.css",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/sub/../../secret.txt",
        "/sub/%2E%2E/%2E%2E/secret.txt",
        "/escape.txt",
        "/up/secret.txt",
        "/.env",
        "/sub",
        "//etc/passwd",
        "/sub/..%2F..%2Fsecret.txt",
        "/..\\secret.txt",
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(refused); i++) {
        get(a->port, refused[i], &r);
        assert_error(&r, 404, "not_found", NULL);
        assert_null(strstr(r.body, "SECRET"));
        resp_free(&r);
    }
    post(a->port, "/index.html", "application/json", "{}", &r);
    assert_error(&r, 405, "method_not_allowed", NULL);
    resp_free(&r);
}

static void test_metrics_endpoint(void **state)
{
    struct app *a = *state;
    /* One connection: each request completes (and is counted) before the next is read. */
    int fd = conn_open(a->port);
    assert_true(fd >= 0);
    const char *reqs[] = {"GET /api/v1/orders/1", "GET /api/v1/orders/2",    "GET /api/v1/nope",
                          "GET /app.js",          "DELETE /api/v1/orders/3", "GET /metrics"};
    struct resp r;
    for (size_t i = 0; i < JS_ARRAY_LEN(reqs); i++) {
        char raw[256];
        snprintf(raw, sizeof raw, "%s HTTP/1.1\r\nHost: t\r\n\r\n", reqs[i]);
        send_all(fd, raw, strlen(raw));
        assert_int_equal(read_response(fd, &r, false), 0);
        if (i + 1 < JS_ARRAY_LEN(reqs))
            resp_free(&r);
    }
    close(fd);
    assert_int_equal(r.status, 200);
    assert_string_equal(resp_header(&r, "Content-Type"),
                        "text/plain; version=0.0.4; charset=utf-8");
    static const char *const want[] = {
        "# TYPE jiesu_http_requests_total counter\n",
        "jiesu_http_requests_total{route=\"/api/v1/orders/{id}\",method=\"GET\",status=\"200\"} "
        "2\n",
        "jiesu_http_requests_total{route=\"unmatched\",method=\"DELETE\",status=\"405\"} 1\n",
        "jiesu_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n",
        "jiesu_http_requests_total{route=\"static\",method=\"GET\",status=\"200\"} 1\n",
        "# TYPE jiesu_http_request_duration_seconds histogram\n",
        "jiesu_http_request_duration_seconds_bucket{route=\"/api/v1/orders/{id}\",method=\"GET\","
        "le=\"+Inf\"} 2\n",
        "jiesu_http_request_duration_seconds_bucket{route=\"/api/v1/orders/{id}\",method=\"GET\","
        "le=\"10\"} 2\n",
        "jiesu_http_request_duration_seconds_count{route=\"/api/v1/orders/{id}\",method=\"GET\"} "
        "2\n",
        "jiesu_http_requests_in_flight 1\n", /* the /metrics request itself */
        "# TYPE jiesu_orders gauge\n",
        "jiesu_orders{state=\"received\"} 3\n",
        "jiesu_orders{state=\"closed\"} 11\n",
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(want); i++) {
        if (!strstr(r.body, want[i]))
            fail_msg("metrics lack: %s\n--- got:\n%s", want[i], r.body);
    }
    resp_free(&r);
}

static void test_listen_errors(void **state)
{
    struct app *a = *state;
    struct http_server *s = NULL;
    struct js_error e;
    struct http_server_config cfg = {.handler = top, .app = a};
    static const char *const bad[] = {
        "", "nohost", "127.0.0.1:", "127.0.0.1:99999", "300.1.1.1:80", "[::1:80", "127.0.0.1:8x"};
    for (size_t i = 0; i < JS_ARRAY_LEN(bad); i++) {
        cfg.listen = bad[i];
        assert_int_equal(http_server_start(&cfg, &s, &e), -JS_EINVAL);
        assert_string_equal(e.field, "listen");
        assert_null(s);
    }
    /* The port the fixture already uses. */
    char busy[32];
    snprintf(busy, sizeof busy, "127.0.0.1:%d", a->port);
    cfg.listen = busy;
    assert_int_equal(http_server_start(&cfg, &s, &e), -JS_EIO);
    assert_null(s);
    /* IPv6 loopback, when the host has it. */
    cfg.listen = "[::1]:0";
    if (http_server_start(&cfg, &s, &e) == 0) {
        assert_true(http_server_port(s) > 0);
        http_server_stop(s);
    }
    http_server_stop(NULL);
}

/* ---- event streams ---- */

static atomic_ullong stream_seq;

static uint64_t read_stream_seq(void *app)
{
    JS_UNUSED(app);
    return atomic_load(&stream_seq);
}

static void h_stream(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    if (strcmp(req->path, "/changes") == 0)
        http_event_stream(res);
    else
        http_json(res, 200, json_pack("{sb}", "ok", 1));
}

/* Reads from fd into got (appending) until it holds want; false on timeout or close. */
static bool read_until(int fd, struct buf *got, const char *want)
{
    while (!strstr(got->data ? got->data : "", want)) {
        char chunk[1024];
        ssize_t n = recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
            return false;
        assert_int_equal(buf_append(got, chunk, (size_t)n), 0);
    }
    return true;
}

/* Streams get the change number when it moves and a ping when idle; while they wait, they hold
 * no worker thread (two threads, twenty streams, and a plain request still answers); stopping
 * the server ends them. */
static void test_event_stream(void **state)
{
    (void)state;
    struct js_error e;
    struct http_server *s = NULL;
    atomic_store(&stream_seq, 7);
    struct http_server_config cfg = {
        .listen = "127.0.0.1:0",
        .threads = 2,
        .handler = h_stream,
        .change_seq = read_stream_seq,
        .watch_ms = 20,
        .ping_s = 1,
        .grace_s = 60, /* a stop that waited for the streams would take this long */
    };
    assert_int_equal(http_server_start(&cfg, &s, &e), 0);
    int port = http_server_port(s);
    enum { N = 20 };
    int fds[N];
    struct buf got[N];
    for (int i = 0; i < N; i++) {
        buf_init(&got[i], 0);
        fds[i] = conn_open(port);
        assert_true(fds[i] >= 0);
        const char *rq = "GET /changes HTTP/1.1\r\nHost: x\r\n\r\n";
        send_all(fds[i], rq, strlen(rq));
        assert_true(read_until(fds[i], &got[i], "data: {\"seq\":7}\n\n"));
        assert_non_null(strstr(got[i].data, "text/event-stream"));
    }
    /* every stream waits: a plain request still finds a worker */
    struct resp r;
    get(port, "/plain", &r);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    /* a change reaches every stream */
    atomic_store(&stream_seq, 9);
    for (int i = 0; i < N; i++)
        assert_true(read_until(fds[i], &got[i], "event: change\ndata: {\"seq\":9}\n\n"));
    /* nothing moves: a ping within ping_s (and no repeated change) */
    assert_true(read_until(fds[0], &got[0], ": ping\n\n"));
    assert_null(strstr(strstr(got[0].data, "{\"seq\":9}") + 1, "{\"seq\":"));
    /* a client that went away does not stop the others */
    close(fds[1]);
    fds[1] = -1;
    atomic_store(&stream_seq, 10);
    assert_true(read_until(fds[2], &got[2], "{\"seq\":10}"));
    /* stopping ends the open streams (the last chunk) instead of waiting out the grace time */
    double t0 = now_s();
    http_server_stop(s);
    assert_true(now_s() - t0 < 30.0);
    for (int i = 0; i < N; i++) {
        if (fds[i] >= 0) {
            assert_true(read_until(fds[i], &got[i], "\r\n0\r\n\r\n"));
            close(fds[i]);
        }
        buf_release(&got[i]);
    }
}

/* ---- units without a server ---- */

static void noop(void *app, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(app);
    JS_UNUSED(req);
    http_empty(res, 204);
}

static int count_route(void *ctx, const char *method, const char *pattern, unsigned flags)
{
    JS_UNUSED(method);
    JS_UNUSED(pattern);
    JS_UNUSED(flags);
    (*(int *)ctx)++;
    return 0;
}

static void test_router_unit(void **state)
{
    (void)state;
    struct router *r;
    assert_int_equal(router_new(&r), 0);
    assert_int_equal(router_add(r, "GET", "/a/{x}", noop), 0);
    assert_int_equal(router_add(r, "GET", "/a/{y}", noop), -JS_EEXISTS);
    assert_int_equal(router_add(r, "POST", "/a/{y}", noop), 0);
    assert_int_equal(router_add(r, "get", "/b", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "b", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/b/{}", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/b/{x}/{x}", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/b//c", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/b/x{y}", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/b/{a-b}", noop), -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", noop), 0);
    assert_int_equal(router_add(r, "GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", noop),
                     -JS_EINVAL);
    assert_int_equal(router_add(r, "GET", "/", noop), 0);
    int n = 0;
    assert_int_equal(router_foreach(r, count_route, &n), 0);
    assert_int_equal(n, 4);

    /* A hand-made request without arena or connection. */
    struct http_request req = {.method = "GET", .path = "/"};
    struct http_response res;
    http_response_init(&res);
    router_dispatch(r, NULL, &req, &res);
    assert_int_equal(res.status, 204);
    assert_string_equal(req.route, "/");
    http_response_release(&res);

    struct http_request req2 = {.method = "GET", .path = "/1/2/3/4/5/6/7/8"};
    http_response_init(&res);
    router_dispatch(r, NULL, &req2, &res);
    assert_int_equal(res.status, 204);
    assert_string_equal(req2.route, "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}");
    http_response_release(&res);
    router_free(r);
    router_free(NULL);
}

static void test_respond_unit(void **state)
{
    (void)state;
    struct http_response res;
    http_response_init(&res);
    http_error(&res, -JS_ENOTFOUND, NULL, NULL);
    assert_int_equal(res.status, 404);
    assert_string_equal(res.body.data, "{\"error\":{\"code\":\"not_found\",\"message\":"
                                       "\"对象不存在，或您无权查看\",\"field\":null}}");
    struct js_error e;
    js_fail(&e, JS_ETOOLONG, "title", "title is longer than %d characters", 200);
    http_error_from(&res, &e);
    assert_int_equal(res.status, 422);
    assert_string_equal(res.body.data, "{\"error\":{\"code\":\"too_long\",\"message\":\"title is "
                                       "longer than 200 characters\",\"field\":\"title\"}}");
    http_error(&res, JS_ESTATE, "action", "bad \xff input");
    assert_int_equal(res.status, 409);
    assert_non_null(strstr(res.body.data, "\"code\":\"bad_state\""));
    http_json(&res, 200, NULL);
    assert_int_equal(res.status, 500);
    http_json(&res, 201, json_pack("{s:s}", "名", "值"));
    assert_int_equal(res.status, 201);
    assert_string_equal(res.body.data, "{\"名\":\"值\"}");

    assert_int_equal(http_response_header(&res, "X-Bad\r\nInjected", "v"), -JS_EINVAL);
    assert_int_equal(http_response_header(&res, "Location", "/a\r\nSet-Cookie: x"), -JS_EINVAL);
    assert_int_equal(http_response_header(&res, "Bad Name", "v"), -JS_EINVAL);
    for (int i = 0; i < HTTP_MAX_HEADERS; i++)
        assert_int_equal(http_response_header(&res, "X-N", "v"), 0);
    assert_int_equal(http_response_header(&res, "X-N", "v"), -JS_ETOOLARGE);
    http_response_release(&res);
    http_response_release(NULL);

    assert_string_equal(static_content_type("a/b.MJS"), "text/javascript; charset=utf-8");
    assert_string_equal(static_content_type("x.map"), "application/json; charset=utf-8");
    assert_string_equal(static_content_type("i.svg"), "image/svg+xml");
    assert_string_equal(static_content_type("i.png"), "image/png");
    assert_string_equal(static_content_type("favicon.ico"), "image/x-icon");
    assert_string_equal(static_content_type("d.json"), "application/json; charset=utf-8");
    assert_string_equal(static_content_type("dir.v2/README"), "application/octet-stream");
}

struct observer {
    struct metrics *m;
    int id;
};

static void *observe_many(void *arg)
{
    struct observer *o = arg;
    for (int i = 0; i < 20000; i++)
        metrics_observe(o->m, i % 2 ? "/a" : "/b", o->id % 2 ? "GET" : "POST", 200,
                        (double)(i % 100) / 1000.0);
    return NULL;
}

static void test_metrics_unit(void **state)
{
    (void)state;
    struct metrics *m;
    assert_int_equal(metrics_new(&m), 0);
    pthread_t t[4];
    struct observer o[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (struct observer){m, i};
        pthread_create(&t[i], NULL, observe_many, &o[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    metrics_observe(m, "/q\"uote\\\n", "BREW", 418, 0.0001);
    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(metrics_render(m, &out), 0);
    /* 4 threads × 10000 per route, two threads per method. */
    assert_non_null(strstr(out.data,
                           "jiesu_http_requests_total{route=\"/a\",method=\"GET\",status=\"200\"} "
                           "20000\n"));
    assert_non_null(strstr(out.data,
                           "jiesu_http_requests_total{route=\"/b\",method=\"POST\",status=\"200\"} "
                           "20000\n"));
    /* (i%100) ms: per thread, 200 cycles hold 3 odd (1,3,5) and 3 even (0,2,4) residues of at
     * most 5 ms, so 600 per thread and route in the 0.005 bucket, 1200 for two threads. */
    assert_non_null(strstr(out.data, "jiesu_http_request_duration_seconds_bucket{route=\"/a\","
                                     "method=\"GET\",le=\"0.005\"} 1200\n"));
    assert_non_null(strstr(out.data, "jiesu_http_request_duration_seconds_bucket{route=\"/b\","
                                     "method=\"GET\",le=\"0.005\"} 1200\n"));
    assert_non_null(
        strstr(out.data, "{route=\"/q\\\"uote\\\\\\n\",method=\"OTHER\",status=\"418\"} 1\n"));
    assert_non_null(strstr(out.data, "jiesu_http_requests_in_flight 0\n"));
    /* Sorted: /a before /b. */
    assert_true(strstr(out.data, "route=\"/a\"") < strstr(out.data, "route=\"/b\""));
    buf_release(&out);

    /* Cardinality is bounded. */
    char route[32];
    for (int i = 0; i < METRICS_MAX_SERIES + 50; i++) {
        snprintf(route, sizeof route, "/r%d", i);
        metrics_observe(m, route, "GET", 200, 0.01);
    }
    buf_init(&out, 0);
    assert_int_equal(metrics_render(m, &out), 0);
    assert_non_null(strstr(out.data, "route=\"other\",method=\"GET\""));
    assert_null(strstr(out.data, "route=\"/r1060\""));
    buf_release(&out);
    metrics_free(m);
    metrics_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routing_with_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_route_is_404_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_method_is_405, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_media_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_and_log_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graceful_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_handler_holds_only_its_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_static_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
        cmocka_unit_test(test_event_stream),
        cmocka_unit_test(test_router_unit),
        cmocka_unit_test(test_respond_unit),
        cmocka_unit_test(test_metrics_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
