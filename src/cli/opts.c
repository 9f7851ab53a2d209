/* Parsing of --name value options and their translation into action arguments. */
#include "compat.h"
#include "cli/opts.h"
#include "core/lifecycle.h"
#include "util/msg_zh.h"

#include <stdio.h>
#include <string.h>

int opts_parse(struct opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            snprintf(o->error, sizeof o->error, "无法识别的参数 '%s'（选项须写成 --名称 值）", a);
            return -1;
        }
        if (o->n == OPTS_MAX) {
            snprintf(o->error, sizeof o->error, "选项过多");
            return -1;
        }
        const char *eq = strchr(a, '=');
        if (eq) {
            char *copy = strdup(a + 2);
            if (!copy) {
                snprintf(o->error, sizeof o->error, "内存不足");
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
            return js_fail(e, JS_EINVAL, "set", "--set 须写成 KEY=VALUE，收到的是 '%s'", kv);
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

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
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
            return js_fail(e, JS_EBADJSON, "json", "--json 须为 JSON 对象：%s",
                           args ? "不是对象" : msg_zh_json(json_error_code(&jerr)));
        }
    } else {
        args = json_object();
    }
    for (int i = 0; i < o->n; i++) {
        const char *name = o->name[i];
        if (in_list(common_options, name))
            continue;
        const struct lc_field *f = lifecycle_field(action, name);
        if (!f) {
            json_decref(args);
            return js_fail(e, JS_EUNKNOWN_FIELD, name, "%s 没有选项 --%s（见 jiesu %s --help）",
                           js_action_names[action], name, js_action_names[action]);
        }
        json_t *v = NULL;
        int rc = lifecycle_field_value(f, o->value[i] ? o->value[i] : "true", &v, e);
        if (rc) {
            json_decref(args);
            return rc;
        }
        json_object_set_new(args, name, v);
    }
    *out = args;
    return 0;
}
