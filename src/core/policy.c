/* Policy settings from a preset document plus overrides: one table of settings drives parsing,
 * validation and the display document, so a key cannot be read without also being shown. */
#include "compat.h"
#include "core/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "util/shipped.h"

const char *const policy_preset_names[] = {"dongcheng-2016", "linshu-2020",  "pingshan-2020",
                                           "tianning-2013",  "beijing-2020", NULL};

/* Wire names of enum span_unit, in enum order. */
static const char *const unit_names[] = {"days", "workdays", "hours", NULL};

enum kind {
    K_INT,
    K_UNIT,
    K_BOOL,
    K_TIER_HOURS,
    K_TIER_DAYS,
    K_SHARES,
    K_NAME,
    K_OVERRIDES,
    K_TIER_RULES,
    K_LEVELS,
    K_URL
};

struct setting {
    const char *key;
    enum kind kind;
    size_t off; /* offset of the field in struct policy */
    int min, max;
};

#define S(key, kind, min, max)                                                                     \
    {                                                                                              \
#key, kind, offsetof(struct policy, key), min, max                                         \
    }

/* Every key of struct policy (except preset and doc), in struct order. Ranges are the widest
 * values that still make sense; 0 where allowed means "off" (see docs/policy.md). */
static const struct setting settings[] = {
    S(return_window, K_INT, 0, 8760),
    S(return_window_unit, K_UNIT, 0, 0),
    S(return_needs_basis, K_BOOL, 0, 0),
    S(late_return_allowed, K_BOOL, 0, 0),
    S(second_return_needs_attachment, K_BOOL, 0, 0),
    S(coordination_threshold, K_INT, 1, 100),
    S(first_handler_duty, K_BOOL, 0, 0),
    S(sign_limit_hours, K_INT, 0, 720),
    S(tier_hours, K_TIER_HOURS, 1, 720),
    S(tier_days, K_TIER_DAYS, 1, 365),
    S(default_limit, K_INT, 1, 8760),
    S(default_limit_unit, K_UNIT, 0, 0),
    S(feedback_limit_workdays, K_INT, 1, 365),
    S(supervision_answer_hours, K_INT, 1, 720),
    S(upstream_supervise_hours, K_INT, 0, 720),
    S(upstream_margin_hours, K_INT, 0, 720),
    S(forced_close_hours, K_INT, 0, 8760),
    S(urge_shares, K_SHARES, 0, 0),
    S(max_extension_days, K_INT, 0, 365),
    S(levels, K_LEVELS, 0, 0),
    S(tier_rules, K_TIER_RULES, 0, 0),
    S(limit_overrides, K_OVERRIDES, 0, 0),
    S(hang_remind_days, K_INT, 0, 365),
    S(hang_progress_days, K_INT, 0, 365),
    S(callback_tries, K_INT, 1, 20),
    S(reopen_warning, K_INT, 0, 100),
    S(special_report, K_INT, 0, 100),
    S(rework_warning, K_INT, 0, 100),
    S(duplicate_warning, K_INT, 0, 100),
    S(verify_upstream, K_BOOL, 0, 0),
    S(callback_required_for_answer, K_BOOL, 0, 0),
    S(reply_needs_sign_approval, K_BOOL, 0, 0),
    S(reply_waits_for_assists, K_BOOL, 0, 0),
    S(public_list, K_BOOL, 0, 0),
    S(scheme, K_NAME, 0, 0),
    S(notify_gateway_url, K_URL, 0, 0),
    S(notify_backoff_seconds, K_INT, 1, 86400),
    S(notify_max_attempts, K_INT, 1, 100),
};

#undef S

/* The tiers each object-valued setting holds: its JSON keys and the enum tier slots. */
static const char *const tier_hour_keys[] = {"2h", "24h", NULL};
static const int tier_hour_slots[] = {TIER_H2, TIER_H24};
static const char *const tier_day_keys[] = {"7d", "15d", NULL};
static const int tier_day_slots[] = {TIER_D7, TIER_D15};

static const struct setting *find_setting(const char *key)
{
    for (size_t i = 0; i < JS_ARRAY_LEN(settings); i++)
        if (strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

/* True for 1..maxlen characters of [a-z0-9-]. */
static bool is_slug(const char *s, size_t maxlen)
{
    size_t n = strlen(s);
    if (n == 0 || n > maxlen)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static int read_int(const json_t *v, int min, int max, int *out, const char *field,
                    struct js_error *e)
{
    if (!json_is_integer(v))
        return js_fail(e, JS_ETYPE, field, "'%s' must be an integer", field);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return js_fail(e, JS_EINVAL, field, "'%s' must be between %d and %d", field, min, max);
    *out = (int)x;
    return 0;
}

/* Reads {"2h": n, "24h": n} (or the day tiers) into the slots of arr. */
static int read_tiers(const struct setting *d, const json_t *v, const char *const *keys,
                      const int *slots, int *arr, struct js_error *e)
{
    char field[64];
    if (!json_is_object(v))
        return js_fail(e, JS_ETYPE, d->key, "'%s' must be an object like {\"%s\": n, \"%s\": n}",
                       d->key, keys[0], keys[1]);
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x)
    {
        bool known = false;
        for (int i = 0; keys[i]; i++)
            known = known || strcmp(keys[i], k) == 0;
        if (!known) {
            snprintf(field, sizeof field, "%s.%s", d->key, k);
            return js_fail(e, JS_EUNKNOWN_FIELD, field, "'%s' has no tier '%s'", d->key, k);
        }
    }
    for (int i = 0; keys[i]; i++) {
        snprintf(field, sizeof field, "%s.%s", d->key, keys[i]);
        json_t *t = json_object_get(v, keys[i]);
        if (!t)
            return js_fail(e, JS_EMISSING, field, "'%s' is required", field);
        int rc = read_int(t, d->min, d->max, &arr[slots[i]], field, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reads up to 4 increasing shares in (0, 1]; the rest of the array is zeroed. */
static int read_shares(const struct setting *d, const json_t *v, double *shares, struct js_error *e)
{
    const size_t max = 4;
    if (!json_is_array(v))
        return js_fail(e, JS_ETYPE, d->key, "'%s' must be an array of numbers", d->key);
    if (json_array_size(v) > max)
        return js_fail(e, JS_EINVAL, d->key, "'%s' has more than %zu shares", d->key, max);
    double tmp[4] = {0, 0, 0, 0};
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (!json_is_number(x))
            return js_fail(e, JS_ETYPE, d->key, "'%s' must hold numbers only", d->key);
        double s = json_number_value(x);
        if (!(s > 0.0 && s <= 1.0))
            return js_fail(e, JS_EINVAL, d->key, "each share of '%s' must be in (0, 1]", d->key);
        if (i > 0 && !(s > tmp[i - 1]))
            return js_fail(e, JS_EINVAL, d->key, "the shares of '%s' must increase", d->key);
        tmp[i] = s;
    }
    memcpy(shares, tmp, sizeof tmp);
    return 0;
}

/* Checks that the entry v (named field) is an object whose keys are all in keys. */
static int check_entry(const json_t *v, const char *field, const char *const *keys,
                       struct js_error *e)
{
    char f[96];
    if (!json_is_object(v))
        return js_fail(e, JS_ETYPE, field, "'%s' must be an object", field);
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        if (js_name_index(keys, key) < 0) {
            snprintf(f, sizeof f, "%s.%s", field, key);
            return js_fail(e, JS_EUNKNOWN_FIELD, f, "'%s' has no key '%s'", field, key);
        }
    }
    return 0;
}

/* Reads an entry's type, level and tier, each by name, into out[0..2] (left as they are when
 * absent); *named counts those given. */
static int read_kinds(const json_t *v, const char *field, int *out[3], int *named,
                      struct js_error *e)
{
    static const char *const *const enums[] = {js_type_names, js_level_names, js_tier_names};
    static const char *const enum_keys[] = {"type", "level", "tier"};
    char f[96];
    for (int k = 0; k < 3; k++) {
        const json_t *x = json_object_get(v, enum_keys[k]);
        if (!x)
            continue;
        snprintf(f, sizeof f, "%s.%s", field, enum_keys[k]);
        int i = json_is_string(x) ? js_name_index(enums[k], json_string_value(x)) : -1;
        if (i < 0)
            return js_fail(e, JS_EINVAL, f, "'%s' is not a known %s", f, enum_keys[k]);
        *out[k] = i;
        (*named)++;
    }
    return 0;
}

/* Reads an entry's "enterprise" (the green channel of enterprise requests, 004
 * 畅通政企沟通“绿色通道”): true or left out; *flag is 1 when given, *named counts it. */
static int read_enterprise(const json_t *v, const char *field, int *flag, int *named,
                           struct js_error *e)
{
    const json_t *x = json_object_get(v, "enterprise");
    char f[96];
    if (!x)
        return 0;
    snprintf(f, sizeof f, "%s.enterprise", field);
    if (!json_is_true(x))
        return js_fail(e, JS_EINVAL, f, "'%s' is true or left out", f);
    *flag = 1;
    (*named)++;
    return 0;
}

/* Reads a setting that is an array of at most max entries, each by one(entry, its name, the
 * i-th of items, each size bytes); *n entries. Stops at the first bad entry. */
static int read_entries(const struct setting *d, const json_t *v, int max,
                        int (*one)(const json_t *v, const char *field, void *item,
                                   struct js_error *e),
                        void *items, size_t size, int *n, struct js_error *e)
{
    char field[64];
    if (!json_is_array(v))
        return js_fail(e, JS_ETYPE, d->key, "'%s' must be an array of objects", d->key);
    if (json_array_size(v) > (size_t)max)
        return js_fail(e, JS_EINVAL, d->key, "'%s' has more than %d entries", d->key, max);
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        snprintf(field, sizeof field, "%s[%zu]", d->key, i);
        int rc = one(x, field, (char *)items + (*n)++ * size, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Reads one entry of limit_overrides; field is its name for errors ("limit_overrides[2]"). */
static int read_override(const json_t *v, const char *field, void *item, struct js_error *e)
{
    struct limit_override *o = item;
    static const char *const keys[] = {"category_id", "type",  "level", "tier",       "channel",
                                       "enterprise",  "limit", "unit",  "sign_hours", NULL};
    char f[96];
    memset(o, 0, sizeof *o);
    o->type = o->level = o->tier = o->enterprise = o->sign_hours = -1;
    int criteria = 0, rc = check_entry(v, field, keys, e);
    if (rc)
        return rc;
    json_t *x;
    if ((x = json_object_get(v, "category_id"))) {
        snprintf(f, sizeof f, "%s.category_id", field);
        if (!json_is_integer(x) || json_integer_value(x) < 1)
            return js_fail(e, JS_EINVAL, f, "'%s' must be a category id (an integer >= 1)", f);
        o->category_id = json_integer_value(x);
        criteria++;
    }
    int *kinds[] = {&o->type, &o->level, &o->tier};
    if ((rc = read_kinds(v, field, kinds, &criteria, e)))
        return rc;
    if ((x = json_object_get(v, "channel"))) {
        snprintf(f, sizeof f, "%s.channel", field);
        if (!json_is_string(x) || !is_slug(json_string_value(x), sizeof o->channel - 1))
            return js_fail(e, JS_EINVAL, f, "'%s' must be 1-%zu characters of [a-z0-9-]", f,
                           sizeof o->channel - 1);
        snprintf(o->channel, sizeof o->channel, "%s", json_string_value(x));
        criteria++;
    }
    if ((rc = read_enterprise(v, field, &o->enterprise, &criteria, e)))
        return rc;
    if (criteria == 0)
        return js_fail(e, JS_EINVAL, field,
                       "'%s' must name a category_id, type, level, tier, channel or enterprise",
                       field);
    if ((x = json_object_get(v, "limit"))) {
        snprintf(f, sizeof f, "%s.limit", field);
        if ((rc = read_int(x, 1, 8760, &o->limit, f, e)))
            return rc;
        json_t *u = json_object_get(v, "unit");
        snprintf(f, sizeof f, "%s.unit", field);
        o->unit = u && json_is_string(u) ? js_name_index(unit_names, json_string_value(u)) : -1;
        if (o->unit < 0)
            return js_fail(e, u ? JS_EINVAL : JS_EMISSING, f,
                           "'%s' must be \"days\", \"workdays\" or \"hours\"", f);
        if (o->unit != SPAN_HOURS && o->limit > 365)
            return js_fail(e, JS_EINVAL, f, "a limit is at most 365 days or working days");
    } else if (json_object_get(v, "unit")) {
        snprintf(f, sizeof f, "%s.unit", field);
        return js_fail(e, JS_EINVAL, f, "'unit' goes with 'limit'");
    }
    if ((x = json_object_get(v, "sign_hours"))) {
        snprintf(f, sizeof f, "%s.sign_hours", field);
        if ((rc = read_int(x, 0, 720, &o->sign_hours, f, e)))
            return rc;
    }
    if (o->limit == 0 && o->sign_hours < 0)
        return js_fail(e, JS_EINVAL, field, "'%s' sets neither 'limit' nor 'sign_hours'", field);
    return 0;
}

static int read_overrides(const struct setting *d, const json_t *v, struct limit_overrides *out,
                          struct js_error *e)
{
    struct limit_overrides tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc =
        read_entries(d, v, POLICY_MAX_OVERRIDES, read_override, tmp.v, sizeof tmp.v[0], &tmp.n, e);
    if (!rc)
        *out = tmp;
    return rc;
}

static json_t *overrides_json(const struct limit_overrides *lo)
{
    json_t *a = json_array();
    for (int i = 0; a && i < lo->n; i++) {
        const struct limit_override *o = &lo->v[i];
        json_t *x = json_object();
        if (!x || json_array_append_new(a, x)) {
            json_decref(a);
            return NULL;
        }
        if (o->category_id)
            json_object_set_new(x, "category_id", json_integer(o->category_id));
        if (o->type >= 0)
            json_object_set_new(x, "type", json_string(js_type_names[o->type]));
        if (o->level >= 0)
            json_object_set_new(x, "level", json_string(js_level_names[o->level]));
        if (o->tier >= 0)
            json_object_set_new(x, "tier", json_string(js_tier_names[o->tier]));
        if (o->channel[0])
            json_object_set_new(x, "channel", json_string(o->channel));
        if (o->enterprise > 0)
            json_object_set_new(x, "enterprise", json_true());
        if (o->limit > 0) {
            json_object_set_new(x, "limit", json_integer(o->limit));
            json_object_set_new(x, "unit", json_string(unit_names[o->unit]));
        }
        if (o->sign_hours >= 0)
            json_object_set_new(x, "sign_hours", json_integer(o->sign_hours));
    }
    return a;
}

/* Reads the list of urgency levels a deployment uses (names of enum level, each once, at least
 * one) into the bit set *out. */
static int read_levels(const struct setting *d, const json_t *v, unsigned *out, struct js_error *e)
{
    unsigned set = 0;
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return js_fail(e, JS_ETYPE, d->key, "'%s' must be a non-empty array of level names",
                       d->key);
    json_array_foreach(v, i, x)
    {
        int l = json_is_string(x) ? js_name_index(js_level_names, json_string_value(x)) : -1;
        if (l < 0)
            return js_fail(e, JS_EINVAL, d->key, "'%s' names an unknown level", d->key);
        if (set & (1u << l))
            return js_fail(e, JS_EINVAL, d->key, "'%s' names a level twice", d->key);
        set |= 1u << l;
    }
    *out = set;
    return 0;
}

static json_t *levels_json(unsigned set)
{
    json_t *a = json_array();
    for (int l = 0; a && js_level_names[l]; l++)
        if ((set & (1u << l)) && json_array_append_new(a, json_string(js_level_names[l]))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

bool policy_level_allowed(const struct policy *p, int level)
{
    return level >= 0 && level < 32 && (p->levels & (1u << level)) != 0;
}

/* Reads one entry of tier_rules ({"type", "level", "enterprise", "tier"}); field names it. */
static int read_tier_rule(const json_t *v, const char *field, void *item, struct js_error *e)
{
    static const char *const keys[] = {"type", "level", "enterprise", "tier", NULL};
    struct tier_rule *r = item;
    char f[96];
    r->type = r->level = r->enterprise = r->tier = -1;
    int named = 0, rc = check_entry(v, field, keys, e);
    int *kinds[] = {&r->type, &r->level, &r->tier};
    if (!rc)
        rc = read_kinds(v, field, kinds, &named, e);
    if (!rc)
        rc = read_enterprise(v, field, &r->enterprise, &named, e);
    if (rc)
        return rc;
    snprintf(f, sizeof f, "%s.tier", field);
    if (r->tier <= TIER_NONE)
        return js_fail(e, r->tier < 0 ? JS_EMISSING : JS_EINVAL, f,
                       "'%s' must be one of 2h, 24h, 7d, 15d", f);
    if (r->type < 0 && r->level < 0 && r->enterprise < 0)
        return js_fail(e, JS_EINVAL, field, "'%s' must name a type, level or enterprise", field);
    return 0;
}

static int read_tier_rules(const struct setting *d, const json_t *v, struct tier_rules *out,
                           struct js_error *e)
{
    struct tier_rules tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc = read_entries(d, v, POLICY_MAX_TIER_RULES, read_tier_rule, tmp.v, sizeof tmp.v[0],
                          &tmp.n, e);
    if (!rc)
        *out = tmp;
    return rc;
}

static json_t *tier_rules_json(const struct tier_rules *tr)
{
    json_t *a = json_array();
    for (int i = 0; a && i < tr->n; i++) {
        const struct tier_rule *r = &tr->v[i];
        json_t *x = json_object();
        if (!x || json_array_append_new(a, x)) {
            json_decref(a);
            return NULL;
        }
        if (r->type >= 0)
            json_object_set_new(x, "type", json_string(js_type_names[r->type]));
        if (r->level >= 0)
            json_object_set_new(x, "level", json_string(js_level_names[r->level]));
        if (r->enterprise > 0)
            json_object_set_new(x, "enterprise", json_true());
        json_object_set_new(x, "tier", json_string(js_tier_names[r->tier]));
    }
    return a;
}

/* "" or an http(s) URL without spaces or control characters. */
static int read_url(const struct setting *d, const json_t *v, char *out, size_t n,
                    struct js_error *e)
{
    if (!json_is_string(v))
        return js_fail(e, JS_ETYPE, d->key, "'%s' must be a string", d->key);
    const char *s = json_string_value(v);
    size_t len = strlen(s);
    if (len >= n)
        return js_fail(e, JS_ETOOLONG, d->key, "'%s' is longer than %zu bytes", d->key, n - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return js_fail(e, JS_EINVAL, d->key, "'%s' must not contain spaces", d->key);
    if (len && strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
        return js_fail(e, JS_EINVAL, d->key, "'%s' must be \"\" or an http:// or https:// URL",
                       d->key);
    memcpy(out, s, len + 1);
    return 0;
}

/* Stores value v of setting d into p, checking type and range. */
static int read_value(const struct setting *d, const json_t *v, struct policy *p,
                      struct js_error *e)
{
    void *field = (char *)p + d->off;
    switch (d->kind) {
    case K_INT:
        return read_int(v, d->min, d->max, (int *)field, d->key, e);
    case K_UNIT: {
        if (!json_is_string(v))
            return js_fail(e, JS_ETYPE, d->key, "'%s' must be a string", d->key);
        for (int i = 0; unit_names[i]; i++)
            if (strcmp(unit_names[i], json_string_value(v)) == 0) {
                *(int *)field = i;
                return 0;
            }
        return js_fail(e, JS_EINVAL, d->key, "'%s' must be \"days\", \"workdays\" or \"hours\"",
                       d->key);
    }
    case K_BOOL:
        if (!json_is_boolean(v))
            return js_fail(e, JS_ETYPE, d->key, "'%s' must be true or false", d->key);
        *(bool *)field = json_is_true(v);
        return 0;
    case K_TIER_HOURS:
        return read_tiers(d, v, tier_hour_keys, tier_hour_slots, (int *)field, e);
    case K_TIER_DAYS:
        return read_tiers(d, v, tier_day_keys, tier_day_slots, (int *)field, e);
    case K_SHARES:
        return read_shares(d, v, (double *)field, e);
    case K_OVERRIDES:
        return read_overrides(d, v, (struct limit_overrides *)field, e);
    case K_TIER_RULES:
        return read_tier_rules(d, v, (struct tier_rules *)field, e);
    case K_LEVELS:
        return read_levels(d, v, (unsigned *)field, e);
    case K_URL:
        return read_url(d, v, field, sizeof p->notify_gateway_url, e);
    case K_NAME:
        if (!json_is_string(v))
            return js_fail(e, JS_ETYPE, d->key, "'%s' must be a string", d->key);
        if (!is_slug(json_string_value(v), sizeof p->scheme - 1))
            return js_fail(e, JS_EINVAL, d->key, "'%s' must be 1-%zu characters of [a-z0-9-]",
                           d->key, sizeof p->scheme - 1);
        snprintf(field, sizeof p->scheme, "%s", json_string_value(v));
        return 0;
    }
    return js_fail(e, JS_EINTERNAL, d->key, "unhandled setting kind");
}

/* The effective value of setting d in p, as a new JSON value (NULL when out of memory). */
static json_t *value_json(const struct setting *d, const struct policy *p)
{
    const void *field = (const char *)p + d->off;
    switch (d->kind) {
    case K_INT:
        return json_integer(*(const int *)field);
    case K_UNIT:
        return json_string(unit_names[*(const int *)field]);
    case K_BOOL:
        return json_boolean(*(const bool *)field);
    case K_TIER_HOURS:
        return json_pack("{s:i, s:i}", tier_hour_keys[0], p->tier_hours[tier_hour_slots[0]],
                         tier_hour_keys[1], p->tier_hours[tier_hour_slots[1]]);
    case K_TIER_DAYS:
        return json_pack("{s:i, s:i}", tier_day_keys[0], p->tier_days[tier_day_slots[0]],
                         tier_day_keys[1], p->tier_days[tier_day_slots[1]]);
    case K_SHARES: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < JS_ARRAY_LEN(p->urge_shares) && p->urge_shares[i] > 0; i++)
            if (json_array_append_new(a, json_real(p->urge_shares[i]))) {
                json_decref(a);
                a = NULL;
            }
        return a;
    }
    case K_NAME:
    case K_URL:
        return json_string(field);
    case K_OVERRIDES:
        return overrides_json((const struct limit_overrides *)field);
    case K_TIER_RULES:
        return tier_rules_json((const struct tier_rules *)field);
    case K_LEVELS:
        return levels_json(*(const unsigned *)field);
    }
    return NULL;
}

/* Checks the rules that tie two settings together. */
static int check_cross(const struct policy *p, struct js_error *e)
{
    if (p->return_window_unit != SPAN_HOURS && p->return_window > 365)
        return js_fail(e, JS_EINVAL, "return_window",
                       "'return_window' must be at most 365 days or working days");
    if (p->default_limit_unit != SPAN_HOURS && p->default_limit > 365)
        return js_fail(e, JS_EINVAL, "default_limit",
                       "'default_limit' must be at most 365 days or working days");
    return 0;
}

/* Reads the settings object of a preset into p: every known key must be there, as
 * {"value": v, "source": "non-empty text"}. */
static int read_preset_settings(const json_t *obj, struct policy *p, struct js_error *e)
{
    char field[64];
    if (!json_is_object(obj))
        return js_fail(e, JS_ETYPE, "settings", "'settings' must be an object");
    const char *key;
    json_t *entry;
    json_object_foreach((json_t *)obj, key, entry)
    {
        if (!find_setting(key))
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "unknown setting '%s'", key);
    }
    for (size_t i = 0; i < JS_ARRAY_LEN(settings); i++) {
        const struct setting *d = &settings[i];
        entry = json_object_get(obj, d->key);
        if (!entry)
            return js_fail(e, JS_EMISSING, d->key, "the preset has no setting '%s'", d->key);
        if (!json_is_object(entry))
            return js_fail(e, JS_ETYPE, d->key,
                           "setting '%s' must be an object {\"value\": ..., \"source\": ...}",
                           d->key);
        json_t *x;
        json_object_foreach(entry, key, x)
        {
            if (strcmp(key, "value") != 0 && strcmp(key, "source") != 0) {
                snprintf(field, sizeof field, "%s.%s", d->key, key);
                return js_fail(e, JS_EUNKNOWN_FIELD, field, "unknown field '%s'", field);
            }
        }
        json_t *src = json_object_get(entry, "source");
        snprintf(field, sizeof field, "%s.source", d->key);
        if (!src)
            return js_fail(e, JS_EMISSING, field, "setting '%s' names no source", d->key);
        if (!json_is_string(src) || json_string_length(src) == 0)
            return js_fail(e, JS_ETYPE, field, "'%s' must be a non-empty string", field);
        json_t *v = json_object_get(entry, "value");
        if (!v) {
            snprintf(field, sizeof field, "%s.value", d->key);
            return js_fail(e, JS_EMISSING, field, "setting '%s' has no value", d->key);
        }
        int rc = read_value(d, v, p, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Builds p->doc from the preset and the final values in p. */
static int build_doc(struct policy *p, const json_t *preset, const json_t *overrides,
                     struct js_error *e)
{
    int rc = -JS_ENOMEM;
    json_t *doc = json_object(), *list = json_object();
    if (!doc || !list)
        goto out;
    if (json_object_set_new(doc, "preset", json_string(p->preset)) ||
        json_object_set(doc, "title", json_object_get(preset, "title")) ||
        json_object_set(doc, "seed", json_object_get(preset, "seed")) ||
        json_object_set(doc, "settings", list))
        goto out;
    const json_t *settings_obj = json_object_get(preset, "settings");
    for (size_t i = 0; i < JS_ARRAY_LEN(settings); i++) {
        const struct setting *d = &settings[i];
        const json_t *entry = json_object_get(settings_obj, d->key);
        bool over = overrides && json_object_get(overrides, d->key);
        json_t *value = value_json(d, p);
        if (!value)
            goto out;
        json_t *item = json_pack("{s:o, s:O, s:b}", "value", value, "source",
                                 json_object_get(entry, "source"), "overridden", over);
        if (!item ||
            (over && json_object_set(item, "preset_value", json_object_get(entry, "value"))) ||
            json_object_set_new(list, d->key, item))
            goto out;
    }
    p->doc = doc;
    doc = NULL;
    rc = 0;
out:
    json_decref(doc);
    json_decref(list);
    return rc ? js_fail(e, -rc, "", "out of memory building the policy document") : 0;
}

int policy_from_json(struct policy *p, const json_t *preset, const json_t *overrides,
                     struct js_error *e)
{
    struct policy tmp;
    const char *name = NULL;
    int rc;
    memset(&tmp, 0, sizeof tmp);
    memset(p, 0, sizeof *p);
    if (!json_is_object(preset))
        return js_fail(e, JS_ETYPE, "preset", "a preset must be a JSON object");
    static const char *const top[] = {"name", "title", "seed", "settings", NULL};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)preset, key, v)
    {
        bool known = false;
        for (const char *const *t = top; *t; t++)
            known = known || strcmp(*t, key) == 0;
        if (!known)
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "unknown preset field '%s'", key);
    }
    for (const char *const *t = top; *t; t++)
        if (!json_object_get(preset, *t))
            return js_fail(e, JS_EMISSING, *t, "the preset has no '%s'", *t);
    for (int i = 0; i < 3; i++)
        if (!json_is_string(json_object_get(preset, top[i])))
            return js_fail(e, JS_ETYPE, top[i], "'%s' must be a string", top[i]);
    name = json_string_value(json_object_get(preset, "name"));
    if (!is_slug(name, sizeof tmp.preset - 1))
        return js_fail(e, JS_EINVAL, "name", "a preset name is 1-%zu characters of [a-z0-9-]",
                       sizeof tmp.preset - 1);
    snprintf(tmp.preset, sizeof tmp.preset, "%s", name);

    rc = read_preset_settings(json_object_get(preset, "settings"), &tmp, e);
    if (rc)
        return rc;
    if (overrides && !json_is_object(overrides))
        return js_fail(e, JS_ETYPE, "overrides", "overrides must be an object of key: value");
    if (overrides) {
        json_object_foreach((json_t *)overrides, key, v)
        {
            const struct setting *d = find_setting(key);
            if (!d)
                return js_fail(e, JS_EUNKNOWN_FIELD, key, "unknown setting '%s'", key);
            rc = read_value(d, v, &tmp, e);
            if (rc)
                return rc;
        }
    }
    rc = check_cross(&tmp, e);
    if (rc)
        return rc;
    rc = build_doc(&tmp, preset, overrides, e);
    if (rc)
        return rc;
    *p = tmp;
    return 0;
}

int policy_load(struct policy *p, const struct shipped *sh, const char *name,
                const json_t *overrides, struct js_error *e)
{
    memset(p, 0, sizeof *p);
    if (!name || !is_slug(name, sizeof p->preset - 1))
        return js_fail(e, JS_EINVAL, "preset", "a preset name is 1-%zu characters of [a-z0-9-]",
                       sizeof p->preset - 1);
    const json_t *doc = shipped_preset(sh, name);
    if (!doc)
        return js_fail(e, JS_ENOTFOUND, "preset", "no preset named '%s' is shipped", name);
    int rc = policy_from_json(p, doc, overrides, e);
    if (rc)
        return rc;
    if (strcmp(p->preset, name) != 0) {
        rc =
            js_fail(e, JS_EINVAL, "name", "preset file %s.json names preset '%s'", name, p->preset);
        policy_release(p);
        memset(p, 0, sizeof *p);
    }
    return rc;
}

void policy_release(struct policy *p)
{
    if (!p)
        return;
    json_decref(p->doc);
    p->doc = NULL;
}
