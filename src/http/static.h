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
 * application/octet-stream); every file is sent with an ETag, and a matching If-None-Match
 * answers 304. Files under /vendor/ whose names carry a version or hash
 * (static_versioned_name) are sent with "Cache-Control: public, max-age=31536000, immutable";
 * every other file with "Cache-Control: no-cache", so a new UI version is picked up at once and
 * an unchanged file costs one small round trip. Text files (HTML, JS, CSS, JSON, SVG) of 256
 * bytes to 8 MiB are sent gzip-compressed (level 9, compressed once and kept in memory, up to
 * 32 MiB, until the file changes) when Accept-Encoding allows, with their own ETag and Vary:
 * Accept-Encoding. Missing files, directories, dot-files, ".." segments and symlinks resolving
 * outside the root answer 404 JSON; methods other than GET and HEAD answer 405 JSON. Other
 * files are streamed from their descriptor (res->fd), not read into memory. Thread-safe. */
void static_serve(struct static_root *s, struct http_request *req, struct http_response *res);

/* True when a file name carries a version ("-6.1.0", "@1.2", ".v2.0") or a content hash of 8+
 * lowercase hex digits between separators ("app.3f2a9c1b.js"). */
bool static_versioned_name(const char *name);

/* The Content-Type this module sends for a file name (by extension). */
const char *static_content_type(const char *name);

#endif
