/* Maps method + path patterns such as "/api/v1/orders/{id}" to handlers, with path parameters,
 * an optional guard (authentication) run before every matched handler, and the 404 / 405 JSON
 * answers for paths or methods that match nothing. */
#ifndef JIESU_HTTP_ROUTER_H
#define JIESU_HTTP_ROUTER_H

#include "http/server.h"

/* A route handler: same contract as http_handler_fn (thread-safe, fills res). */
typedef void (*route_fn)(void *app, struct http_request *req, struct http_response *res);

/* Runs after a route matched (req->route, req->route_flags and params are set) and before its
 * handler. Returns 0 to let the handler run; any other value means the guard has filled res
 * (e.g. a 401 error) and the handler is skipped. Typical use: authenticate unless the route's
 * flags say it is public, and set req->user_id. */
typedef int (*route_guard_fn)(void *app, struct http_request *req, struct http_response *res);

struct router;

/* Creates an empty router. Returns 0 or -JS_ENOMEM. */
int router_new(struct router **out);
/* Frees the router and its patterns. Accepts NULL. Free it only after http_server_stop(): the
 * server reads req->route (a router-owned string) when it records metrics. */
void router_free(struct router *r);

/* Adds a route. method is "GET", "POST", "PUT", "PATCH", "DELETE", ... (a GET route also answers
 * HEAD). pattern starts with '/', and each segment is either literal text or "{name}" (a whole
 * segment, name of [A-Za-z0-9_], at most HTTP_MAX_PARAMS per pattern). Where several patterns
 * match a path, the one whose first differing segment is literal wins, so "/orders/export" beats
 * "/orders/{id}". flags are opaque to the router and handed to the guard via req->route_flags.
 * Returns 0, -JS_EINVAL for a malformed pattern or method, -JS_EEXISTS for a duplicate method +
 * pattern, or -JS_ENOMEM. Not thread-safe: add every route before starting the server. */
int router_add_flags(struct router *r, const char *method, const char *pattern, route_fn fn,
                     unsigned flags);
/* router_add_flags() with flags 0. */
int router_add(struct router *r, const char *method, const char *pattern, route_fn fn);

/* Sets the guard (NULL: none). Not thread-safe: set it before starting the server. */
void router_set_guard(struct router *r, route_guard_fn guard);

/* Finds the route for req->method and req->path, sets req->route, req->route_flags and the path
 * params (values are percent-decoded path segments stored in req->arena), runs the guard, then
 * the handler. When no pattern matches the path: 404 not_found. When patterns match the path but
 * not the method: 405 method_not_allowed with an Allow header. Thread-safe once built. */
void router_dispatch(const struct router *r, void *app, struct http_request *req,
                     struct http_response *res);

/* Calls fn(ctx, method, pattern, flags) for every route in the order added; stops at the first
 * nonzero return and returns it, else 0. For documentation checks (e.g. every route is in the
 * OpenAPI document). */
int router_foreach(const struct router *r,
                   int (*fn)(void *ctx, const char *method, const char *pattern, unsigned flags),
                   void *ctx);

#endif
