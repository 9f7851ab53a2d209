/* Static files of the web UI: path checks, realpath containment in the root, content types,
 * ETag revalidation, and a file descriptor handed to the server for streaming. */
#include "compat.h"
#include "http/static.h"
#include "http/respond.h"
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct static_root {
    char *dir;      /* realpath of the root */
    size_t dir_len; /* 0 when the root is "/" */
};

int static_root_open(const char *dir, struct static_root **out, struct js_error *e)
{
    *out = NULL;
    char *real = realpath(dir, NULL);
    if (!real)
        return js_fail(e, errno == ENOMEM ? JS_ENOMEM : JS_ENOTFOUND, "web_root", "web root %s: %s",
                       dir, strerror(errno));
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(real);
        return js_fail(e, JS_EINVAL, "web_root", "web root %s is not a directory", dir);
    }
    struct static_root *s = calloc(1, sizeof *s);
    if (!s) {
        free(real);
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    }
    s->dir = real;
    s->dir_len = strcmp(real, "/") == 0 ? 0 : strlen(real);
    *out = s;
    return 0;
}

void static_root_free(struct static_root *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s);
}

const char *static_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    for (size_t i = 0; dot && i < JS_ARRAY_LEN(types); i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* True when every segment of the request path is acceptable: not empty (except a trailing
 * slash), not starting with '.' (".", "..", dot-files), no backslash. */
static bool path_ok(const char *path)
{
    if (path[0] != '/' || strchr(path, '\\'))
        return false;
    for (const char *p = path + 1; *p;) {
        const char *end = strchr(p, '/');
        if (p[0] == '.' || (end == p))
            return false;
        if (!end)
            break;
        p = end + 1;
    }
    return true;
}

/* True when an If-None-Match header value lists etag (or is "*"). */
static bool etag_listed(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t n = strlen(etag);
    for (const char *p = strstr(inm, etag); p; p = strstr(p + 1, etag)) {
        char after = p[n];
        if (after == '\0' || after == ',' || after == ' ')
            return true;
    }
    return false;
}

void static_serve(const struct static_root *s, struct http_request *req, struct http_response *res)
{
    struct buf full;
    char *real = NULL;
    int fd = -1;
    buf_init(&full, 8192);
    req->route = "static";
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_error_raw(res, 405, "method_not_allowed", NULL, "static files are read-only");
        http_response_header(res, "Allow", "GET, HEAD");
        goto out;
    }
    if (!path_ok(req->path))
        goto not_found;
    size_t plen = strlen(req->path);
    bool dir_index = req->path[plen - 1] == '/';
    if (buf_printf(&full, "%s%s%s", s->dir, req->path, dir_index ? "index.html" : "") != 0)
        goto not_found; /* longer than any real path */
    real = realpath(full.data, NULL);
    if (!real)
        goto not_found;
    if (strncmp(real, s->dir, s->dir_len) != 0 || real[s->dir_len] != '/')
        goto not_found; /* a symlink led out of the root */
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        goto not_found;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto not_found;

    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    if (etag_listed(http_header(req, "If-None-Match"), etag)) {
        http_empty(res, 304);
    } else {
        http_empty(res, 200);
        res->content_type = static_content_type(dir_index ? "index.html" : req->path);
        res->fd = fd;
        res->fd_size = (uint64_t)st.st_size;
        fd = -1; /* now owned by res */
    }
    http_response_header(res, "Cache-Control", "no-cache");
    http_response_header(res, "ETag", etag);
    goto out;

not_found:
    http_error(res, JS_ENOTFOUND, NULL, "no such file");
out:
    if (fd >= 0)
        close(fd);
    free(real);
    buf_release(&full);
}
