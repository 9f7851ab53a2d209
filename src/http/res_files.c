/* Attachments: recordings, photos and documents that replies, returns and appeals refer to.
 * A file is uploaded as the raw request body (name in X-File-Name, percent-encoded), kept in the
 * store under a random id, and referred to by its URL /api/v1/files/{id}. */
#include "compat.h"
#include "http/res_files.h"
#include "http/app.h"
#include "http/res_orders.h"
#include "http/respond.h"
#include "util/arena.h"
#include "util/jfield.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLES_UPLOAD                                                                               \
    (ROLE_BIT(ROLE_AGENT) | ROLE_BIT(ROLE_DISPATCHER) | ROLE_BIT(ROLE_REVIEWER) |                  \
     ROLE_BIT(ROLE_CALLBACK) | ROLE_BIT(ROLE_SUPERVISOR) | ROLE_BIT(ROLE_ADMIN) | ROLES_UNIT)

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decodes src into dst (n bytes); refuses control characters and path separators so a
 * name can never be taken for a path. Returns 0 or -JS_EINVAL. */
static int decode_name(const char *src, char *dst, size_t n)
{
    size_t k = 0;
    for (const char *p = src; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return -JS_EINVAL;
            c = hi * 16 + lo;
            p += 2;
        }
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || k + 1 >= n)
            return -JS_EINVAL;
        dst[k++] = (char)c;
    }
    dst[k] = '\0';
    return k ? 0 : -JS_EINVAL;
}

/* A media type as sent, without parameters, if it is a plain type/subtype token. */
static void media_type(const char *ct, char *dst, size_t n)
{
    size_t k = 0;
    bool slash = false;
    for (const char *p = ct ? ct : ""; *p && *p != ';' && *p != ' ' && k + 1 < n; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("+-.", c) || (c == '/' && !slash);
        if (!ok) {
            k = 0;
            break;
        }
        slash |= c == '/';
        dst[k++] = c;
    }
    dst[k] = '\0';
    if (!slash)
        snprintf(dst, n, "application/octet-stream");
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

int res_files_store(struct app_ctx *c, const char *name, const char *content_type, const void *data,
                    size_t len, int64_t user_id, int64_t now, struct stored_file *f)
{
    unsigned char rnd[16], digest[crypto_hash_sha256_BYTES];
    if (!len || len > RES_FILES_MAX)
        return -JS_EINVAL;
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    media_type(content_type, f->type, sizeof f->type);
    randombytes_buf(rnd, sizeof rnd);
    hex(rnd, sizeof rnd, f->id);
    crypto_hash_sha256(digest, (const unsigned char *)data, len);
    hex(digest, sizeof digest, f->sha256);
    f->size = (int64_t)len;
    f->at = now;
    f->user_id = user_id;
    /* the audit names the file by id, type and size, never by its name: the trail is read by
     * people who may not see the order the file belongs to */
    char detail[320];
    snprintf(detail, sizeof detail, "file %s %s (%lld bytes)", f->id, f->type, (long long)f->size);
    struct store *s = c->store;
    int rc = s->ops->begin(s);
    if (!rc) {
        rc = s->ops->file_put(s, f, data);
        if (!rc)
            rc = app_audit_append(c, user_id, 0, "upload", detail);
        rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
    }
    return rc;
}

static void post_file(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLES_UPLOAD, res))
        return;
    struct stored_file f;
    char name[sizeof f.name];
    const char *raw_name = http_header(req, "X-File-Name");
    if (!raw_name || decode_name(raw_name, name, sizeof name) || utf8_len(name) == (size_t)-1) {
        http_error(res, -JS_EINVAL, "X-File-Name",
                   "give the file name, percent-encoded UTF-8 without slashes");
        return;
    }
    if (req->body_len == 0) {
        http_error(res, -JS_EMISSING, "body", "the file is empty");
        return;
    }
    int rc = res_files_store(c, name, http_header(req, "Content-Type"), req->body, req->body_len,
                             c->user.id, app_now(a), &f);
    if (rc) {
        app_store_error(res, rc, "body", "cannot store the file");
        return;
    }
    char url[64];
    snprintf(url, sizeof url, RES_FILES_PREFIX "/%s", f.id);
    http_response_header(res, "Location", url);
    http_json(res, 201,
              json_pack("{ss ss ss ss sI ss}", "id", f.id, "url", url, "name", f.name, "type",
                        f.type, "size", (json_int_t)f.size, "sha256", f.sha256));
}

/* Types a browser may show inline without risk to this origin; others are downloads. */
static bool inline_safe(const char *type)
{
    return strncmp(type, "image/", 6) == 0
               ? strcmp(type, "image/svg+xml") != 0
               : strncmp(type, "audio/", 6) == 0 || strncmp(type, "video/", 6) == 0 ||
                     strcmp(type, "application/pdf") == 0;
}

#define FILE_MAX_ORDERS 64 /* orders referring to one file looked at, at most */

/* Whether the logged-in user may download f: its uploader while no order refers to it; then
 * whoever may see one of those orders with the citizen's data (platform roles that see citizens
 * unmasked; unit users for the orders their unit holds or held; not auditors, who see citizens
 * masked). *order_id: the order that grants it (0: none, or the uploader's own file). The file's
 * name loses the citizen's name and phone when the user's unit is the one complained about. */
static int may_download(struct app_ctx *c, struct stored_file *f, bool *ok, int64_t *order_id)
{
    struct store *s = c->store;
    int64_t ids[FILE_MAX_ORDERS];
    int n = 0;
    *ok = false;
    *order_id = 0;
    int rc = s->ops->file_orders(s, f->id, ids, FILE_MAX_ORDERS, &n);
    if (rc)
        return rc;
    if (n == 0) {
        *ok = f->user_id == c->user.id;
        return 0;
    }
    if (c->who.role == ROLE_AUDITOR)
        return 0;
    if (!app_is_unit_role(c->who.role)) {
        *ok = true;
        *order_id = ids[0];
        return 0;
    }
    for (int i = 0; i < n && !*ok; i++) {
        struct order o;
        order_init(&o);
        rc = s->ops->order_get(s, ids[i], &o);
        if (rc == -JS_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc)
            return rc;
        for (int k = 0; k < o.n_units; k++)
            if (c->who.unit_id && o.units[k].unit_id == c->who.unit_id) {
                *ok = true;
                *order_id = o.id;
            }
        if (*ok && citizen_withheld(&c->who, &o))
            citizen_scrub_name(&o, f->name, sizeof f->name);
        order_release(&o);
    }
    return 0;
}

static void get_file(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    const char *id = http_param(req, "id");
    bool ok = id && strlen(id) == 32;
    for (const char *p = id; ok && *p; p++)
        ok = hexval(*p) >= 0 && !(*p >= 'A' && *p <= 'F');
    if (!ok) {
        http_error(res, -JS_ENOTFOUND, "id", "no such file");
        return;
    }
    struct stored_file f;
    void *data = NULL;
    int rc = c->store->ops->file_get(c->store, id, &f, &data);
    if (rc) {
        app_store_error(res, rc, "id", "no such file");
        return;
    }
    bool allowed = false;
    int64_t order_id = 0;
    rc = may_download(c, &f, &allowed, &order_id);
    char detail[96];
    snprintf(detail, sizeof detail, "file %s", f.id);
    if (!rc)
        rc = app_audit(c, c->user.id, order_id, allowed ? "download" : "download_denied", detail);
    if (rc || !allowed) {
        free(data);
        /* not allowed reads as absent: nobody learns that a file exists */
        if (rc)
            app_store_error(res, rc, "id", "file");
        else
            http_error(res, -JS_ENOTFOUND, "id", "no such file");
        return;
    }
    if (buf_append(&res->body, data, (size_t)f.size)) {
        free(data);
        http_error(res, -JS_ENOMEM, NULL, NULL);
        return;
    }
    free(data);
    res->status = 200;
    res->content_type = arena_strdup(req->arena, f.type);
    http_response_header(res, "Cache-Control", "private, max-age=86400, immutable");
    if (!inline_safe(f.type)) {
        char disp[900];
        size_t k = (size_t)snprintf(disp, sizeof disp, "attachment; filename*=UTF-8''");
        static const char digits[] = "0123456789ABCDEF";
        for (const unsigned char *p = (const unsigned char *)f.name; *p && k + 4 < sizeof disp;
             p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '.' || *p == '-' || *p == '_') {
                disp[k++] = (char)*p;
            } else {
                disp[k++] = '%';
                disp[k++] = digits[*p >> 4];
                disp[k++] = digits[*p & 15];
            }
        }
        disp[k] = '\0';
        http_response_header(res, "Content-Disposition", disp);
    }
}

static const struct route_doc files_docs[] = {
    {"POST", RES_FILES_PREFIX, "files",
     "Upload an attachment (recording, photo, document) as the raw body, its name "
     "percent-encoded in X-File-Name; answers its id and URL to put in an action's attachments",
     "platform and unit users", NULL, "raw file body (any media type, at most 20 MiB)", 201},
    {"GET", RES_FILES_PREFIX "/{id}", "files",
     "Download an attachment by id (images, audio, video and PDF inline; other types as a "
     "download)",
     "its uploader until an order refers to it; then who may see such an order (platform "
     "roles but auditors; unit users for their unit's orders); audited",
     NULL, NULL, 200},
};

int res_files_register(struct app *a)
{
    int rc = router_add(a->router, "POST", RES_FILES_PREFIX, post_file);
    if (!rc)
        rc = router_add(a->router, "GET", RES_FILES_PREFIX "/{id}", get_file);
    if (!rc)
        rc = app_route_docs(a, files_docs, (int)JS_ARRAY_LEN(files_docs));
    return rc;
}
