/* Opening a store by location: picks the backend from the location's form. The backends
 * themselves live in store_<backend>.c. */
#include "compat.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int store_open(const char *location, struct store **out, struct js_error *e)
{
    *out = NULL;
    if (!location || !location[0])
        return js_fail(e, JS_EINVAL, "db", "no database location given");
    if (has_prefix(location, "postgres://") || has_prefix(location, "postgresql://"))
        return store_pg_open(location, out, e);
    const char *path = location;
    if (has_prefix(location, "sqlite:"))
        path = location + strlen("sqlite:");
    else if (strstr(location, "://"))
        return js_fail(e, JS_EINVAL, "db", "unknown database location '%s'", location);
    if (!path[0])
        return js_fail(e, JS_EINVAL, "db", "no SQLite file path after 'sqlite:'");
    return store_sqlite_open(path, out, e);
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
