/* Typed, validated reads of JSON request fields. */
#include "compat.h"
#include "util/jfield.h"
#include "util/jtime.h"

#include <string.h>

int jf_known(const json_t *obj, const char *const *allowed, struct js_error *e)
{
    if (!json_is_object(obj))
        return js_fail(e, JS_ETYPE, "", "the request body must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                ok = true;
                break;
            }
        if (!ok)
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "unknown field '%s'", key);
    }
    return 0;
}

static json_t *get(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    return json_is_null(v) ? NULL : v;
}

int jf_str(const json_t *obj, const char *key, bool required, size_t maxchars, const char **out,
           struct js_error *e)
{
    json_t *v = get(obj, key);
    *out = NULL;
    if (!v)
        return required ? js_fail(e, JS_EMISSING, key, "'%s' is required", key) : 0;
    if (!json_is_string(v))
        return js_fail(e, JS_ETYPE, key, "'%s' must be a string", key);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return js_fail(e, JS_EUTF8, key, "'%s' contains a NUL character", key);
    size_t n = utf8_len(s);
    if (n == (size_t)-1)
        return js_fail(e, JS_EUTF8, key, "'%s' is not valid UTF-8", key);
    if (required && n == 0)
        return js_fail(e, JS_EMISSING, key, "'%s' must not be empty", key);
    if (maxchars && n > maxchars)
        return js_fail(e, JS_ETOOLONG, key, "'%s' is longer than %zu characters", key, maxchars);
    *out = s;
    return 0;
}

int jf_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
           int64_t *out, struct js_error *e)
{
    json_t *v = get(obj, key);
    if (!v)
        return required ? js_fail(e, JS_EMISSING, key, "'%s' is required", key) : 0;
    if (!json_is_integer(v))
        return js_fail(e, JS_ETYPE, key, "'%s' must be an integer", key);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return js_fail(e, JS_EINVAL, key, "'%s' must be between %lld and %lld", key, (long long)min,
                       (long long)max);
    *out = x;
    return 0;
}

int jf_bool(const json_t *obj, const char *key, bool required, bool *out, struct js_error *e)
{
    json_t *v = get(obj, key);
    if (!v)
        return required ? js_fail(e, JS_EMISSING, key, "'%s' is required", key) : 0;
    if (!json_is_boolean(v))
        return js_fail(e, JS_ETYPE, key, "'%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int jf_enum(const json_t *obj, const char *key, bool required, const char *const *names, int *out,
            struct js_error *e)
{
    const char *s;
    int rc = jf_str(obj, key, required, 64, &s, e);
    if (rc || !s)
        return rc;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    return js_fail(e, JS_EINVAL, key, "'%s' has no value '%s'", key, s);
}

int jf_time(const json_t *obj, const char *key, bool required, int64_t *out, struct js_error *e)
{
    const char *s;
    int rc = jf_str(obj, key, required, 40, &s, e);
    if (rc || !s)
        return rc;
    if (jtime_parse(s, out))
        return js_fail(e, JS_EINVAL, key, "'%s' is not a date-time like 2026-11-22T09:30:00+08:00",
                       key);
    return 0;
}

int jf_array(const json_t *obj, const char *key, bool required, size_t maxn, json_t **out,
             struct js_error *e)
{
    json_t *v = get(obj, key);
    *out = NULL;
    if (!v)
        return required ? js_fail(e, JS_EMISSING, key, "'%s' is required", key) : 0;
    if (!json_is_array(v))
        return js_fail(e, JS_ETYPE, key, "'%s' must be an array", key);
    if (maxn && json_array_size(v) > maxn)
        return js_fail(e, JS_ETOOLONG, key, "'%s' has more than %zu items", key, maxn);
    *out = v;
    return 0;
}
