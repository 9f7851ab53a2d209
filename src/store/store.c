/* Opening a store by location: picks the backend from the location's form. The backends
 * themselves live in store_<backend>.c. */
#include "compat.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_pg(const char *location)
{
    return has_prefix(location, "postgres://") || has_prefix(location, "postgresql://");
}

int store_writers_default(const char *location)
{
    return location && is_pg(location) ? 16 : 64;
}

int store_open(const char *location, struct store **out, struct js_error *e)
{
    *out = NULL;
    if (!location || !location[0])
        return js_fail(e, JS_EINVAL, "db", "no database location given");
    if (is_pg(location))
        return store_pg_open(location, out, e);
    const char *path = location;
    if (has_prefix(location, "sqlite:"))
        path = location + strlen("sqlite:");
    else if (strstr(location, "://")) {
        char shown[512];
        store_location_shown(location, shown, sizeof shown);
        return js_fail(e, JS_EINVAL, "db", "unknown database location '%s'", shown);
    }
    if (!path[0])
        return js_fail(e, JS_EINVAL, "db", "no SQLite file path after 'sqlite:'");
    return store_sqlite_open(path, out, e);
}

void store_location_shown(const char *location, char *out, size_t n)
{
    struct buf b;
    buf_init(&b, 0);
    const char *p = location ? location : "";
    const char *scheme = strstr(p, "://");
    if (scheme) {
        /* the authority ends at the path, query or fragment; its user part at the last @ */
        const char *auth = scheme + 3, *end = auth + strcspn(auth, "/?#"), *at = NULL;
        for (const char *c = auth; c < end; c++)
            if (*c == '@')
                at = c;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            buf_append(&b, p, (size_t)(colon - p));
            buf_puts(&b, ":***");
            p = at;
        }
    }
    /* password=VALUE in a query string or a keyword list, up to the next & or space */
    for (const char *k; (k = strstr(p, "password="));) {
        k += strlen("password=");
        buf_append(&b, p, (size_t)(k - p));
        buf_puts(&b, "***");
        p = k + strcspn(k, "& ");
    }
    buf_puts(&b, p);
    snprintf(out, n, "%s", b.data ? b.data : "");
    utf8_trim(out);
    buf_release(&b);
}

void store_close(struct store *s)
{
    if (s)
        s->ops->close(s);
}

void assess_appeal_rec_release(struct assess_appeal_rec *a)
{
    if (!a)
        return;
    free(a->indicators);
    free(a->reason);
    free(a->evidence);
    free(a->note);
    a->indicators = a->reason = a->evidence = a->note = NULL;
}

void assess_item_rec_release(struct assess_item_rec *it)
{
    if (!it)
        return;
    free(it->note);
    free(it->cancel_reason);
    it->note = it->cancel_reason = NULL;
}

void assess_scheme_rec_release(struct assess_scheme_rec *r)
{
    if (!r)
        return;
    free(r->doc);
    r->doc = NULL;
}
