/* Name and label tables generated from the X-macro lists of model.h. */
#include "compat.h"
#include "core/model.h"

#include <string.h>

#define NAME(N, n, l)  n,
#define LABEL(N, n, l) l,
#define TABLES(prefix, LIST)                                                                       \
    const char *const js_##prefix##_names[] = {LIST(NAME) NULL};                                   \
    const char *const js_##prefix##_labels[] = {LIST(LABEL) NULL};

TABLES(status, JS_STATUS_LIST)
TABLES(role, JS_ROLE_LIST)
TABLES(action, JS_ACTION_LIST)
TABLES(type, JS_TYPE_LIST)
TABLES(level, JS_LEVEL_LIST)
TABLES(tier, JS_TIER_LIST)
TABLES(closure, JS_CLOSURE_LIST)
TABLES(satisfaction, JS_SATISFACTION_LIST)
TABLES(notfiled, JS_NOTFILED_LIST)
TABLES(asg, JS_ASG_LIST)
TABLES(unit_kind, JS_UNIT_KIND_LIST)
TABLES(region_level, JS_REGION_LEVEL_LIST)
TABLES(close_kind, JS_CLOSE_KIND_LIST)

int js_name_index(const char *const *names, const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int status_is_final(int s)
{
    return s == ST_NOT_FILED || s == ST_TRANSFERRED || s == ST_CLOSED || s == ST_ARCHIVED;
}

int status_is_with_unit(int s)
{
    return s == ST_DISPATCHED || s == ST_HANDLING || s == ST_RETURNED || s == ST_REPLIED;
}
