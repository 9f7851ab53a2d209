/* Building HTTP answers: JSON bodies, the one JSON error shape, plain text; and reading a JSON
 * request body with the right error codes. No libmicrohttpd here: usable from any handler. */
#ifndef JIESU_HTTP_RESPOND_H
#define JIESU_HTTP_RESPOND_H

#include <jansson.h>

#include "http/server.h"
#include "util/err.h"

#define HTTP_JSON_TYPE "application/json; charset=utf-8"

/* Sets res to status with the JSON value as body (compact, UTF-8). Steals the reference to
 * json (decref'd here, also on failure); a NULL json (e.g. a failed json_pack) gives a 500
 * error instead. Replaces any body set before. */
void http_json(struct http_response *res, int status, json_t *json);

/* Sets res to the error body {"error":{"code":"<js_err_name>","message":"...","field":...}}
 * with status js_err_status(code). code is a JS_E* value (negative or positive); field NULL or
 * "" gives "field": null; message NULL gives js_err_message(code). */
void http_error(struct http_response *res, int code, const char *field, const char *message);

/* http_error() from a filled js_error (an empty message falls back to the code's default). */
void http_error_from(struct http_response *res, const struct js_error *e);

/* The same error shape with an explicit status and code name, for statuses outside the error
 * table (405 "method_not_allowed"). */
void http_error_raw(struct http_response *res, int status, const char *code_name, const char *field,
                    const char *message);

/* Sets res to status with a text body of the given content type (copied). */
void http_text(struct http_response *res, int status, const char *content_type, const char *text);

/* Sets res to status with an empty JSON body and returns the body, for a writer that appends
 * JSON text to it itself (owned by res). */
struct buf *http_json_body(struct http_response *res, int status);

/* Sends the file at path as an attachment named filename (an export written to a temporary
 * file): the file is unlinked at once, its open descriptor streamed; an unreadable file gives
 * a 500 error. */
void http_send_file(struct http_response *res, const char *path, const char *type,
                    const char *filename);
/* Sets res to status with no body (204, 304). */
void http_empty(struct http_response *res, int status);
/* Makes res an event stream (text/event-stream, 200) that the server keeps open and feeds (see
 * http_server_config.change_seq); any body or file set before is dropped. */
void http_event_stream(struct http_response *res);

/* Parses the request body as one JSON object (duplicate keys refused). On success *out gets a
 * new reference the caller must json_decref. Errors: -JS_EBADJSON (empty body, syntax error,
 * with line and column in e->message, or not an object), -JS_EUTF8 (invalid UTF-8). */
int http_body_json(const struct http_request *req, json_t **out, struct js_error *e);

/* True when an Accept-Encoding header value (NULL: absent) accepts gzip: "gzip" or "x-gzip"
 * with a q above 0, or else "*" with a q above 0. */
bool http_accepts_gzip(const char *accept_encoding);
/* True for the content types worth compressing: text/ (any), JSON, JavaScript, SVG, XML. */
bool http_compressible(const char *content_type);
/* Compresses n bytes into a new malloc'd gzip member (*out, *out_len; free() it) at zlib level
 * 1..9. Returns 0, -JS_ENOMEM, -JS_ETOOLARGE (over 4 GiB) or -JS_EINTERNAL. */
int http_gzip(const void *in, size_t n, int level, char **out, size_t *out_len);

#endif
