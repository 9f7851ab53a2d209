/* Parsing of --name value options and their translation into action arguments. */
#include "compat.h"
#include "cli/opts.h"
#include "core/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int opts_parse(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            snprintf(o->error, sizeof o->error,
                     "unexpected argument '%s' (options are --name value)", a);
            return -1;
        }
        if (o->n == OPTS_MAX) {
            snprintf(o->error, sizeof o->error, "too many options");
            return -1;
        }
        const char *eq = strchr(a, '=');
        if (eq) {
            char *copy = strdup(a + 2);
            if (!copy) {
                snprintf(o->error, sizeof o->error, "out of memory");
                return -1;
            }
            copy[eq - a - 2] = '\0';
            o->owned[o->n] = copy;
            o->name[o->n] = copy;
            o->value[o->n] = copy + (eq - a - 2) + 1;
        } else {
            o->name[o->n] = a + 2;
            if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
                o->value[o->n] = argv[++i];
        }
        o->n++;
    }
    return 0;
}

void opts_release(struct opts *o)
{
    if (!o)
        return;
    for (int i = 0; i < o->n; i++)
        free(o->owned[i]);
    o->n = 0;
}

const char *opts_get(const struct opts *o, const char *name)
{
    for (int i = o->n - 1; i >= 0; i--)
        if (strcmp(o->name[i], name) == 0)
            return o->value[i] ? o->value[i] : "true";
    return NULL;
}

bool opts_has(const struct opts *o, const char *name)
{
    return opts_get(o, name) != NULL;
}

/* A command-line word as JSON: JSON when it parses as an object, array or literal, else a
 * string. */
static json_t *loose_json(const char *v)
{
    json_t *j = json_loads(v, JSON_DECODE_ANY, NULL);
    return j ? j : json_string(v);
}

int opts_collect_sets(const struct opts *o, json_t **out, struct js_error *e)
{
    *out = NULL;
    for (int i = 0; i < o->n; i++) {
        if (strcmp(o->name[i], "set") != 0)
            continue;
        const char *kv = o->value[i] ? o->value[i] : "";
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            json_decref(*out);
            *out = NULL;
            return js_fail(e, JS_EINVAL, "set", "--set takes KEY=VALUE, got '%s'", kv);
        }
        if (!*out)
            *out = json_object();
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
        json_object_set_new(*out, key, loose_json(eq + 1));
    }
    return 0;
}

static const char *const common_options[] = {"db",  "as",   "order", "version",
                                             "now", "json", "help",  NULL};
static const char *const bool_fields[] = {
    "anonymous", "wants_callback", "needs_contact", "enterprise", "leader_signed", "unjustified",
    "approve",   "pass",           "unreachable",   "contacted",  "solved",        NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Converts one --FIELD value to the JSON type the action expects. */
static int typed_value(const char *field, const char *v, json_t **out, struct js_error *e)
{
    if (in_list(bool_fields, field)) {
        if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
            *out = json_true();
        else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
            *out = json_false();
        else
            return js_fail(e, JS_ETYPE, field, "--%s takes true or false", field);
        return 0;
    }
    if (ends_with(field, "_id") || strcmp(field, "duplicate_of") == 0 ||
        strcmp(field, "kb_entry") == 0) {
        char *end;
        long long x = strtoll(v, &end, 10);
        if (*end || end == v)
            return js_fail(e, JS_ETYPE, field, "--%s takes an integer id", field);
        *out = json_integer(x);
        return 0;
    }
    if (strcmp(field, "lat") == 0 || strcmp(field, "lon") == 0) {
        char *end;
        double x = strtod(v, &end);
        if (*end || end == v)
            return js_fail(e, JS_ETYPE, field, "--%s takes a number", field);
        *out = json_real(x);
        return 0;
    }
    if (v[0] == '[' || v[0] == '{') {
        json_error_t jerr;
        *out = json_loads(v, 0, &jerr);
        if (!*out)
            return js_fail(e, JS_EBADJSON, field, "--%s: %s", field, jerr.text);
        return 0;
    }
    *out = json_string(v);
    return *out ? 0 : js_fail(e, JS_EUTF8, field, "--%s is not valid UTF-8", field);
}

int opts_action_args(const struct opts *o, int action, json_t **out, struct js_error *e)
{
    json_t *args = NULL;
    const char *js = opts_get(o, "json");
    if (js) {
        json_error_t jerr;
        args = json_loads(js, 0, &jerr);
        if (!json_is_object(args)) {
            json_decref(args);
            return js_fail(e, JS_EBADJSON, "json", "--json must be a JSON object: %s",
                           args ? "not an object" : jerr.text);
        }
    } else {
        args = json_object();
    }
    const char *const *fields = lifecycle_action_fields(action);
    for (int i = 0; i < o->n; i++) {
        const char *name = o->name[i];
        if (in_list(common_options, name))
            continue;
        if (!fields || !in_list(fields, name)) {
            json_decref(args);
            return js_fail(e, JS_EUNKNOWN_FIELD, name, "unknown option --%s for %s", name,
                           js_action_names[action]);
        }
        json_t *v = NULL;
        int rc = typed_value(name, o->value[i] ? o->value[i] : "true", &v, e);
        if (rc) {
            json_decref(args);
            return rc;
        }
        json_object_set_new(args, name, v);
    }
    *out = args;
    return 0;
}
