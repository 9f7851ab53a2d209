/* The HTTP server adapter: the one place that knows libmicrohttpd. It collects request bodies
 * under a size cap, refuses bad media types, calls one application handler per request, logs
 * one line per request, feeds the metrics, and shuts down gracefully. */
#ifndef JIESU_HTTP_SERVER_H
#define JIESU_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/err.h"

struct arena;
struct metrics;

#define HTTP_MAX_PARAMS  8
#define HTTP_MAX_HEADERS 8

/* One request, as the application sees it. Every pointer is valid until the handler returns
 * (the server keeps the request alive until the response is sent, but handlers must not keep
 * pointers past their return). Nothing here is owned by the handler. */
struct http_request {
    const char *method;   /* "GET", "POST", ... as sent (HEAD is passed as "HEAD") */
    const char *path;     /* percent-decoded path, without the query string */
    const char *remote;   /* client address text, "127.0.0.1" or "::1" */
    const char *body;     /* NUL-terminated copy of the body; "" when there is none */
    size_t body_len;      /* bytes in body, not counting the NUL */
    struct arena *arena;  /* per-request arena, released after the response is sent */
    void *conn;           /* adapter-private (the MHD connection); NULL in hand-made requests */
    const char *route;    /* pattern that matched, set by the router (or "static"), for the
                             metrics label and logs; must be a long-lived string */
    unsigned route_flags; /* flags given to router_add_flags() for the matched route */
    const char *params[HTTP_MAX_PARAMS][2]; /* path params set by the router: name, value */
    int n_params;
    int64_t user_id;        /* set by the application after authentication; 0 = anonymous */
    const char *request_id; /* the X-Request-Id echoed in the answer and the log line: the
                               client's when sane (1 to 64 of A-Z a-z 0-9 - _ . :), otherwise
                               16 generated hex digits; "" in hand-made requests */
};

/* The answer a handler fills in. The server initialises it (status 200, no body) before calling
 * the handler and releases it afterwards; handlers only fill it, normally through the helpers
 * of http/respond.h. */
struct http_response {
    int status;
    const char *content_type; /* static or arena string; NULL sends no Content-Type */
    struct buf body;          /* the body, unless fd >= 0 */
    int fd;                   /* when >= 0: the body is fd_size bytes of this open file, and the
                                 response owns the descriptor (closed after sending/release) */
    uint64_t fd_size;
    bool stream; /* when true (set by http_event_stream()): no body, but an event stream that
                    stays open (see http_server_config.change_seq) */
    int n_headers;
    char *headers[HTTP_MAX_HEADERS][2]; /* extra headers: malloc'd name, value (owned) */
};

/* Header value of the request (case-insensitive name), or NULL if absent or conn is NULL. */
const char *http_header(const struct http_request *r, const char *name);
/* Decoded query argument, "" if present without a value, NULL if absent. When an argument is
 * repeated, the first one is returned. */
const char *http_query(const struct http_request *r, const char *name);
/* Calls fn for every query argument in order (value is "" when absent); stops and returns fn's
 * value at the first nonzero one; returns 0 otherwise. Useful to refuse unknown filters. */
int http_query_foreach(const struct http_request *r,
                       int (*fn)(void *ctx, const char *name, const char *value), void *ctx);
/* Path parameter set by the router for {name}, or NULL. */
const char *http_param(const struct http_request *r, const char *name);

/* Prepares an empty 200 response with no body and no file. */
void http_response_init(struct http_response *res);
/* Frees the body, the extra headers, and closes fd if set. Accepts NULL. */
void http_response_release(struct http_response *res);
/* Adds a header (both strings copied). Returns 0, -JS_EINVAL for a malformed name or a value
 * containing CR, LF or NUL (header injection), -JS_ETOOLARGE when HTTP_MAX_HEADERS are set, or
 * -JS_ENOMEM. Content-Type is set through res->content_type instead. */
int http_response_header(struct http_response *res, const char *name, const char *value);

/* The application's entry point: called once per accepted request, from one of the server's
 * handler threads (so it must be thread-safe), in the order the requests were complete. It must
 * fill res; it may block (a slow handler occupies its handler thread and its own request's
 * connection, nothing else). */
typedef void (*http_handler_fn)(void *app, struct http_request *req, struct http_response *res);

struct http_server_config {
    const char *listen;        /* "127.0.0.1:8080", "0.0.0.0:80", "[::1]:8080", ":8080" (all IPv4
                                  interfaces); port 0 picks a free port (see http_server_port) */
    unsigned threads;          /* handler threads, fed from one first-in first-out queue of
                                  requests; 0 means 4 (MHD's own threads only read and write) */
    size_t max_body;           /* largest JSON body accepted; 0 means 1 MiB; larger → 413 */
    size_t max_raw_body;       /* largest body under raw_body_prefixes; 0 means max_body */
    unsigned timeout_s;        /* idle connection timeout (body, response); 0 means 30 */
    unsigned header_timeout_s; /* time a connection has to deliver a request's line and headers,
                                  counted from its opening or from the end of the previous
                                  answer (so also the keep-alive idle time); 0 means 10 */
    unsigned max_conns;        /* open connections at most; 0 sizes it to the descriptor limit
                                  (raised to its hard maximum, up to 65536, at start) */
    unsigned max_conns_per_ip; /* open connections from one address at most; 0 means 256
                                  (less when max_conns is small) */
    unsigned max_query_params; /* query arguments at most; more answers 414 JSON; 0 means 100 */
    unsigned grace_s;          /* how long stop waits for in-flight requests; 0 means 10 */
    http_handler_fn handler;
    void *app;               /* passed to the handler */
    FILE *log;               /* one line per request; NULL logs nothing. Not closed. */
    struct metrics *metrics; /* optional; observes every request (route, method, status,
                                latency). Not owned; must outlive the server. */
    const char *const *raw_body_prefixes; /* NULL-terminated path prefixes whose POST/PUT/PATCH
                                             bodies may have any Content-Type (uploads); NULL
                                             means none. The array must outlive the server. */
    /* Event streams (responses with stream set): while one is open, a thread of the server
     * calls change_seq(app) every watch_ms (0 means 1000) and, when the number it returns
     * differs from the one a stream last sent, sends that stream "event: change" with
     * {"seq":N}; a stream that had nothing to send for ping_s (0 means 20) gets a comment line,
     * so that proxies keep it open and a closed client is noticed. Waiting streams hold no
     * worker thread. NULL: streams send only the comment lines. */
    uint64_t (*change_seq)(void *app);
    unsigned watch_ms;
    unsigned ping_s;
};

struct http_server;

/* Starts listening and serving in background threads (MHD internal polling threads with epoll
 * that read and write, and cfg.threads handler threads; HTTP/1.1 keep-alive). Before calling the
 * handler, the server answers by itself: 413 when the body exceeds the cap (the handler is not
 * called, the rest of the body is discarded, or the connection closed when the declared length is
 * already too big), and 415 for a non-empty POST/PUT/PATCH body whose Content-Type is not
 * application/json (parameters such as charset allowed) outside raw_body_prefixes; 414 for more
 * than max_query_params query arguments. Connections beyond max_conns_per_ip from one address are
 * closed at once; one that has not delivered a request's headers within header_timeout_s is closed.
 * Every answer carries the security headers (Content-Security-Policy 'self' only with
 * frame-ancestors 'none', X-Frame-Options DENY, Referrer-Policy no-referrer,
 * X-Content-Type-Options nosniff), X-Request-Id, and "Cache-Control: no-store" unless the
 * handler set a Cache-Control itself. A body (not a file) of at least 1 KiB of a compressible
 * type is gzip-compressed when the request's Accept-Encoding allows it (Vary: Accept-Encoding).
 * Log line format:
 *   <iso time> <remote> <method> <path> <status> <bytes> <ms>ms user=<id or -> rid=<request id>
 * Returns 0 and *out, or a negative code with e filled (bad address, port in use). The config
 * is copied; the strings and objects it points to must outlive the server. */
int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct js_error *e);
/* The port actually bound (useful with port 0), or -1. */
int http_server_port(const struct http_server *s);
/* Requests currently between their first byte of processing and the end of their response. */
unsigned http_server_inflight(const struct http_server *s);
/* Connections open now; and how many were closed for not delivering their headers in time. */
unsigned http_server_connections(const struct http_server *s);
unsigned long http_server_header_timeouts(const struct http_server *s);
/* Graceful stop: stops accepting connections, lets in-flight requests finish (waiting up to
 * grace_s for them; responses sent meanwhile carry Connection: close), then stops the threads,
 * closes idle keep-alive connections and frees s. A handler still running after grace_s is not
 * interrupted: the final join waits for it. Accepts NULL. Not async-signal-safe: call it from
 * the main thread after a signal (e.g. sigwait on SIGTERM), never from a signal handler or a
 * request handler. */
void http_server_stop(struct http_server *s);

#endif
