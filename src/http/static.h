/* Serves the web UI's files from a root directory for GET/HEAD requests, with safe path
 * resolution: no "..", no dot-files, no symlink leading out of the root. */
#ifndef JIESU_HTTP_STATIC_H
#define JIESU_HTTP_STATIC_H

#include "http/server.h"
#include "util/err.h"

struct static_root;

/* Opens a web root (resolved once with realpath). Returns 0 and *out, or -JS_ENOTFOUND /
 * -JS_EINVAL (not a directory) / -JS_ENOMEM with e filled. Free with static_root_free(). */
int static_root_open(const char *dir, struct static_root **out, struct js_error *e);
/* Frees the root. Accepts NULL. */
void static_root_free(struct static_root *s);

/* Answers req from the root: "/" and any path ending in "/" serve that directory's index.html;
 * other paths serve the regular file they name. Sets req->route to "static" (metrics label).
 * Content types for .html .js .mjs .css .json .svg .png .ico .woff2 .map (others
 * application/octet-stream); every file is sent with "Cache-Control: no-cache" and an ETag, and
 * a matching If-None-Match answers 304, so a new UI version is picked up at once and an
 * unchanged file costs one small round trip. Missing files, directories, dot-files, ".."
 * segments and symlinks resolving outside the root answer 404 JSON; methods other than GET and
 * HEAD answer 405 JSON. The file is streamed from its descriptor (res->fd), not read into
 * memory. Thread-safe. */
void static_serve(const struct static_root *s, struct http_request *req, struct http_response *res);

/* The Content-Type this module sends for a file name (by extension). */
const char *static_content_type(const char *name);

#endif
