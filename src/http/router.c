/* The router: a list of compiled patterns scanned per request (a few hundred routes at most),
 * picking the most literal match, with a guard before handlers and JSON 404 / 405 answers. */
#include "compat.h"
#include "http/router.h"
#include "http/respond.h"
#include "util/arena.h"
#include "util/buf.h"

#include <jansson.h>
#include <strings.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 64

struct seg {
    char *text; /* literal text, or the parameter name */
    bool param;
};

struct route {
    char *method;
    char *pattern;
    struct seg *segs;
    int nsegs;
    route_fn fn;
    unsigned flags;
};

struct router {
    struct route *routes;
    size_t n, cap;
    route_guard_fn guard;
};

int router_new(struct router **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -JS_ENOMEM;
}

static void route_release(struct route *rt)
{
    for (int i = 0; i < rt->nsegs; i++)
        free(rt->segs[i].text);
    free(rt->segs);
    free(rt->method);
    free(rt->pattern);
}

void router_free(struct router *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        route_release(&r->routes[i]);
    free(r->routes);
    free(r);
}

void router_set_guard(struct router *r, route_guard_fn guard)
{
    r->guard = guard;
}

static bool valid_method(const char *m)
{
    if (!m || !*m || strlen(m) > 16)
        return false;
    for (; *m; m++)
        if (*m < 'A' || *m > 'Z')
            return false;
    return true;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

/* Compiles pattern into rt->segs. */
static int compile(struct route *rt, const char *pattern)
{
    if (pattern[0] != '/')
        return -JS_EINVAL;
    int nparams = 0;
    rt->segs = calloc(MAX_SEGS, sizeof *rt->segs);
    if (!rt->segs)
        return -JS_ENOMEM;
    const char *p = pattern + 1;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (rt->nsegs == MAX_SEGS)
            return -JS_EINVAL;
        struct seg *sg = &rt->segs[rt->nsegs];
        if (n == 0 && end)
            return -JS_EINVAL; /* "//" inside a pattern */
        if (n >= 2 && p[0] == '{' && p[n - 1] == '}') {
            if (!valid_name(p + 1, n - 2) || ++nparams > HTTP_MAX_PARAMS)
                return -JS_EINVAL;
            sg->param = true;
            sg->text = strndup(p + 1, n - 2);
        } else {
            if (memchr(p, '{', n) || memchr(p, '}', n))
                return -JS_EINVAL;
            sg->text = strndup(p, n);
        }
        if (!sg->text)
            return -JS_ENOMEM;
        rt->nsegs++;
        if (!end)
            break;
        p = end + 1;
    }
    for (int i = 0; i < rt->nsegs; i++)
        for (int j = 0; j < i; j++)
            if (rt->segs[i].param && rt->segs[j].param &&
                strcmp(rt->segs[i].text, rt->segs[j].text) == 0)
                return -JS_EINVAL; /* the same parameter name twice */
    return 0;
}

/* True when both patterns have the same shape (parameter names aside). */
static bool same_shape(const struct route *a, const struct route *b)
{
    if (a->nsegs != b->nsegs)
        return false;
    for (int i = 0; i < a->nsegs; i++) {
        if (a->segs[i].param != b->segs[i].param)
            return false;
        if (!a->segs[i].param && strcmp(a->segs[i].text, b->segs[i].text) != 0)
            return false;
    }
    return true;
}

int router_add_flags(struct router *r, const char *method, const char *pattern, route_fn fn,
                     unsigned flags)
{
    if (!valid_method(method) || !pattern || !fn)
        return -JS_EINVAL;
    struct route rt = {0};
    int rc = compile(&rt, pattern);
    if (rc)
        goto out;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->routes[i].method, method) == 0 && same_shape(&r->routes[i], &rt)) {
            rc = -JS_EEXISTS;
            goto out;
        }
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct route *p = realloc(r->routes, cap * sizeof *p);
        if (!p) {
            rc = -JS_ENOMEM;
            goto out;
        }
        r->routes = p;
        r->cap = cap;
    }
    rt.method = strdup(method);
    rt.pattern = strdup(pattern);
    if (!rt.method || !rt.pattern) {
        rc = -JS_ENOMEM;
        goto out;
    }
    rt.fn = fn;
    rt.flags = flags;
    r->routes[r->n++] = rt;
    return 0;
out:
    route_release(&rt);
    return rc;
}

int router_add(struct router *r, const char *method, const char *pattern, route_fn fn)
{
    return router_add_flags(r, method, pattern, fn, 0);
}

int router_foreach(const struct router *r,
                   int (*fn)(void *ctx, const char *method, const char *pattern, unsigned flags),
                   void *ctx)
{
    for (size_t i = 0; i < r->n; i++) {
        int rc = fn(ctx, r->routes[i].method, r->routes[i].pattern, r->routes[i].flags);
        if (rc)
            return rc;
    }
    return 0;
}

static bool path_matches(const struct route *rt, char *const *segs, int nsegs)
{
    if (rt->nsegs != nsegs)
        return false;
    for (int i = 0; i < nsegs; i++) {
        if (rt->segs[i].param) {
            if (!segs[i][0])
                return false;
        } else if (strcmp(rt->segs[i].text, segs[i]) != 0) {
            return false;
        }
    }
    return true;
}

/* True when a is more specific than b: literal at the first segment where they differ. */
static bool more_specific(const struct route *a, const struct route *b)
{
    for (int i = 0; i < a->nsegs; i++)
        if (a->segs[i].param != b->segs[i].param)
            return !a->segs[i].param;
    return false;
}

static bool method_matches(const struct route *rt, const char *method)
{
    return strcmp(rt->method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0);
}

/* Answers 405 with an Allow header listing the methods the path accepts. */
static void not_allowed(const struct router *r, char *const *segs, int nsegs,
                        struct http_request *req, struct http_response *res)
{
    const char *seen[32];
    int nseen = 0;
    struct buf allow;
    buf_init(&allow, 1024);
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (!path_matches(rt, segs, nsegs))
            continue;
        const char *ms[2] = {rt->method, strcmp(rt->method, "GET") == 0 ? "HEAD" : NULL};
        for (int k = 0; k < 2 && ms[k]; k++) {
            bool dup = false;
            for (int j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], ms[k]) == 0;
            if (dup || nseen == (int)JS_ARRAY_LEN(seen))
                continue;
            seen[nseen++] = ms[k];
            buf_printf(&allow, "%s%s", allow.len ? ", " : "", ms[k]);
        }
    }
    char msg[128];
    snprintf(msg, sizeof msg, "此处不允许 %s 请求", req->method);
    http_error_raw(res, 405, "method_not_allowed", NULL, msg);
    if (allow.len)
        http_response_header(res, "Allow", allow.data);
    buf_release(&allow);
}

/* Every 201 answer says where the created resource is: unless the handler set Location, it is
 * the request's path followed by the "id" of the JSON answer (POST /api/v1/units →
 * /api/v1/units/7). */
static void add_location(const struct http_request *req, struct http_response *res)
{
    for (int i = 0; i < res->n_headers; i++)
        if (strcasecmp(res->headers[i][0], "Location") == 0)
            return;
    if (res->fd >= 0 || !res->body.len)
        return;
    json_t *j = json_loadb(res->body.data, res->body.len, 0, NULL);
    json_t *id = json_object_get(j, "id");
    if (json_is_integer(id)) {
        char loc[512];
        size_t n = strlen(req->path);
        while (n > 1 && req->path[n - 1] == '/')
            n--;
        snprintf(loc, sizeof loc, "%.*s/%lld", (int)n, req->path,
                 (long long)json_integer_value(id));
        http_response_header(res, "Location", loc);
    }
    json_decref(j);
}

void router_dispatch(const struct router *r, void *app, struct http_request *req,
                     struct http_response *res)
{
    char *segs[MAX_SEGS];
    int nsegs = 0;
    size_t len = strlen(req->path);
    char *copy = req->arena ? arena_alloc(req->arena, len + 1) : malloc(len + 1);
    if (!copy) {
        http_error(res, JS_ENOMEM, NULL, NULL);
        return;
    }
    memcpy(copy, req->path, len + 1);
    if (copy[0] != '/')
        goto not_found;
    for (char *p = copy + 1;;) {
        if (nsegs == MAX_SEGS)
            goto not_found;
        segs[nsegs++] = p;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        p = slash + 1;
    }

    const struct route *best = NULL;
    bool path_seen = false;
    for (size_t i = 0; i < r->n; i++) {
        const struct route *rt = &r->routes[i];
        if (!path_matches(rt, segs, nsegs))
            continue;
        path_seen = true;
        if (method_matches(rt, req->method) && (!best || more_specific(rt, best)))
            best = rt;
    }
    if (!best) {
        if (path_seen) {
            not_allowed(r, segs, nsegs, req, res);
            goto out;
        }
        goto not_found;
    }

    req->route = best->pattern;
    req->route_flags = best->flags;
    req->n_params = 0;
    for (int i = 0; i < nsegs; i++) {
        if (!best->segs[i].param)
            continue;
        req->params[req->n_params][0] = best->segs[i].text;
        req->params[req->n_params][1] = segs[i];
        req->n_params++;
    }
    if (!r->guard || r->guard(app, req, res) == 0)
        best->fn(app, req, res);
    if (res->status == 201)
        add_location(req, res);
    goto out;

not_found:
    http_error(res, JS_ENOTFOUND, NULL, "no such resource");
out:
    if (!req->arena) {
        free(copy);
        req->n_params = 0; /* the values pointed into copy */
    }
}
