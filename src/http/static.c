/* Static files of the web UI: path checks, realpath containment in the root, content types,
 * ETag revalidation, a file descriptor handed to the server for streaming, gzip forms kept in
 * memory, and year-long caching of versioned vendor files. */
#include "compat.h"
#include "http/static.h"
#include "http/respond.h"
#include "util/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compressed files are kept up to this much memory, each file up to GZ_FILE_MAX. */
#define GZ_CACHE_MAX ((size_t)32 << 20)
#define GZ_FILE_MAX  ((off_t)8 << 20)
#define GZ_FILE_MIN  256

/* The gzip form of one file as it was (size, mtime) when compressed. */
struct gz_entry {
    struct gz_entry *next;
    char *path; /* realpath */
    off_t size;
    long long mtime_ns;
    char *data;
    size_t len;
};

struct static_root {
    char *dir;      /* realpath of the root */
    size_t dir_len; /* 0 when the root is "/" */
    pthread_mutex_t lock;
    struct gz_entry *gz; /* most recently compressed first */
    size_t gz_bytes;
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
    pthread_mutex_init(&s->lock, NULL);
    *out = s;
    return 0;
}

void static_root_free(struct static_root *s)
{
    if (!s)
        return;
    for (struct gz_entry *g = s->gz, *next; g; g = next) {
        next = g->next;
        free(g->path);
        free(g->data);
        free(g);
    }
    pthread_mutex_destroy(&s->lock);
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

/* True when a file name carries its version or content hash ("echarts-6.1.0.min.js",
 * "app.3f2a9c1b.js"), so that its content never changes under that name. */
bool static_versioned_name(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (const char *p = base; *p; p++) {
        if (*p != '-' && *p != '@' && *p != '.' && *p != '_')
            continue;
        const char *q = p + 1;
        if (*q == 'v')
            q++;
        /* digits '.' digits: a version number */
        const char *d = q;
        while (*d >= '0' && *d <= '9')
            d++;
        if (d > q && *d == '.' && d[1] >= '0' && d[1] <= '9')
            return true;
        /* eight or more hex digits up to the next separator: a content hash */
        const char *h = p + 1;
        while ((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'))
            h++;
        if (h - (p + 1) >= 8 && (*h == '.' || *h == '-'))
            return true;
    }
    return false;
}

/* Copies the gzip form of the open file (compressing it on first use, or when it changed) into
 * res->body. Returns 0, or a negative code when it cannot (then the plain file is sent). */
static int gz_body(struct static_root *s, const char *real, int fd, const struct stat *st,
                   struct http_response *res)
{
    long long mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000ll + st->st_mtim.tv_nsec;
    int rc = 0;
    char *raw = NULL, *z = NULL;
    size_t zlen = 0;
    pthread_mutex_lock(&s->lock);
    struct gz_entry **pp = &s->gz;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->path, real) == 0)
            break;
    if (*pp && (*pp)->size == st->st_size && (*pp)->mtime_ns == mtime_ns) {
        rc = buf_append(&res->body, (*pp)->data, (*pp)->len);
        pthread_mutex_unlock(&s->lock);
        return rc;
    }
    if (*pp) { /* the file changed: forget its old form */
        struct gz_entry *old = *pp;
        *pp = old->next;
        s->gz_bytes -= old->len;
        free(old->path);
        free(old->data);
        free(old);
    }
    pthread_mutex_unlock(&s->lock);

    /* compress outside the lock; two first requests may both do it, once each */
    raw = malloc((size_t)st->st_size);
    if (!raw)
        return -JS_ENOMEM;
    size_t got = 0;
    while (got < (size_t)st->st_size) {
        ssize_t n = pread(fd, raw + got, (size_t)st->st_size - got, (off_t)got);
        if (n <= 0) {
            rc = -JS_EIO;
            goto out;
        }
        got += (size_t)n;
    }
    rc = http_gzip(raw, got, 9, &z, &zlen);
    if (rc)
        goto out;
    rc = buf_append(&res->body, z, zlen);
    if (rc)
        goto out;
    struct gz_entry *g = calloc(1, sizeof *g);
    char *path = strdup(real);
    if (!g || !path) {
        free(g);
        free(path);
        goto out; /* served, just not kept */
    }
    g->path = path;
    g->size = st->st_size;
    g->mtime_ns = mtime_ns;
    g->data = z;
    g->len = zlen;
    z = NULL;
    pthread_mutex_lock(&s->lock);
    g->next = s->gz;
    s->gz = g;
    s->gz_bytes += g->len;
    /* over the budget: drop the oldest forms (the list's tail) */
    while (s->gz_bytes > GZ_CACHE_MAX && s->gz && s->gz->next) {
        struct gz_entry **last = &s->gz;
        while ((*last)->next)
            last = &(*last)->next;
        struct gz_entry *old = *last;
        *last = NULL;
        s->gz_bytes -= old->len;
        free(old->path);
        free(old->data);
        free(old);
    }
    pthread_mutex_unlock(&s->lock);
out:
    free(raw);
    free(z);
    return rc;
}

void static_serve(struct static_root *s, struct http_request *req, struct http_response *res)
{
    struct buf full;
    char *real = NULL;
    int fd = -1;
    buf_init(&full, 8192);
    req->route = "static";
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_error_raw(res, 405, "method_not_allowed", NULL, "静态文件只读");
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

    const char *type = static_content_type(dir_index ? "index.html" : req->path);
    bool compressible = http_compressible(type) && st.st_size >= GZ_FILE_MIN;
    bool gz = compressible && st.st_size <= GZ_FILE_MAX &&
              http_accepts_gzip(http_header(req, "Accept-Encoding"));
    /* the gzip form is another representation: another tag */
    char etag[80];
    snprintf(etag, sizeof etag, "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec,
             gz ? "-gz" : "");
    if (etag_listed(http_header(req, "If-None-Match"), etag)) {
        http_empty(res, 304);
    } else {
        http_empty(res, 200);
        res->content_type = type;
        if (gz && gz_body(s, real, fd, &st, res) == 0) {
            http_response_header(res, "Content-Encoding", "gzip");
        } else {
            buf_reset(&res->body);
            res->fd = fd;
            res->fd_size = (uint64_t)st.st_size;
            fd = -1; /* now owned by res */
        }
    }
    bool immutable = strncmp(req->path, "/vendor/", 8) == 0 && static_versioned_name(req->path);
    http_response_header(res, "Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
    http_response_header(res, "ETag", etag);
    if (compressible)
        http_response_header(res, "Vary", "Accept-Encoding");
    goto out;

not_found:
    http_error(res, JS_ENOTFOUND, NULL, "no such file");
out:
    if (fd >= 0)
        close(fd);
    free(real);
    buf_release(&full);
}
