/* libFuzzer target: what an HTTP request reaches before any socket: the router (method and path
 * against the API's kinds of pattern, path parameters), the JSON body (http_body_json), the field
 * validation of src/util/jfield.c on its members, the date-time parser and the attachment URL
 * check. Input: "METHOD\nPATH\nBODY". */
#include "compat.h"
#include "http/respond.h"
#include "http/router.h"
#include "http/server.h"
#include "util/arena.h"
#include "util/jfield.h"
#include "util/jtime.h"
#include "util/url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void handler(void *app, struct http_request *req, struct http_response *res)
{
    (void)app;
    for (int i = 0; i < req->n_params; i++)
        if (!req->params[i][0] || !req->params[i][1])
            abort();
    (void)http_param(req, "id");
    http_empty(res, 204);
}

static struct router *routes(void)
{
    static struct router *r;
    if (r)
        return r;
    static const char *const pats[][2] = {
        {"GET", "/api/v1/orders"},          {"POST", "/api/v1/orders"},
        {"GET", "/api/v1/orders/{id}"},     {"POST", "/api/v1/orders/{id}/actions/{action}"},
        {"GET", "/api/v1/files/{id}"},      {"POST", "/api/v1/files"},
        {"GET", "/api/v1/assess/{scheme}"}, {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}"},
        {"DELETE", "/api/v1/units/{id}"},   {"GET", "/"}};
    if (router_new(&r))
        abort();
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        if (router_add(r, pats[i][0], pats[i][1], handler))
            abort();
    return r;
}

static void fields(const json_t *obj)
{
    static const char *const allowed[] = {"title",  "level",       "deadline", "unit_id",
                                          "urgent", "attachments", "url",      NULL};
    static const char *const levels[] = {"normal", "urgent", "major", NULL};
    struct js_error e;
    const char *s;
    int64_t i;
    bool b;
    int k;
    json_t *arr;
    (void)jf_known(obj, allowed, &e);
    (void)jf_str(obj, "title", false, 200, &s, &e);
    (void)jf_int(obj, "unit_id", false, 1, INT64_MAX, &i, &e);
    (void)jf_bool(obj, "urgent", false, &b, &e);
    (void)jf_enum(obj, "level", false, levels, &k, &e);
    (void)jf_time(obj, "deadline", false, &i, &e);
    if (jf_array(obj, "attachments", false, 20, &arr, &e) == 0 && arr) {
        size_t n;
        json_t *it;
        json_array_foreach(arr, n, it)
        {
            if (json_is_object(it) && jf_str(it, "url", true, 2000, &s, &e) == 0)
                (void)url_check_ref("url", s, &e);
        }
    }
    if (jf_str(obj, "url", false, 2000, &s, &e) == 0 && s) {
        (void)url_is_link(s);
        (void)url_check_ref("url", s, &e);
        (void)jtime_parse(s, &i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *method = copy, *path = strchr(method, '\n'), *body = "";
    if (path) {
        *path++ = '\0';
        char *nl = strchr(path, '\n');
        if (nl) {
            *nl = '\0';
            body = nl + 1;
        }
    } else {
        path = "/";
    }
    struct arena arena;
    arena_init(&arena);
    struct http_request req = {.method = method,
                               .path = path,
                               .remote = "127.0.0.1",
                               .body = body,
                               .body_len = size - (size_t)(body - copy),
                               .arena = &arena,
                               .request_id = ""};
    if (!*body)
        req.body_len = 0;
    struct http_response res;
    http_response_init(&res);
    router_dispatch(routes(), NULL, &req, &res);
    http_response_release(&res);

    struct js_error e;
    json_t *doc = NULL;
    if (http_body_json(&req, &doc, &e) == 0 && doc) {
        if (json_is_object(doc))
            fields(doc);
        json_decref(doc);
    }
    int64_t t;
    (void)jtime_parse(path, &t);
    arena_release(&arena);
    free(copy);
    return 0;
}
