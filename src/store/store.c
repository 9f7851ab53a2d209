/* Opening a store by location: picks the backend from the location's form. The backends
 * themselves live in store_<backend>.c. */
#include "compat.h"
#include "store/store.h"

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
