/* Orders over the API: filtered, sorted, paged lists; intake; an order with its timeline (citizen
 * data masked for unit users and auditors, every unmasked read audited); every lifecycle action
 * with the order's version; and the catalogue's dispatch suggestion. */
#include "compat.h"
#include "http/app.h"
#include "core/lifecycle.h"
#include "http/res_orders.h"
#include "http/respond.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jfield.h"
#include "util/jsonw.h"
#include "util/jtime.h"
#include "util/msg_zh.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 50
#define CURSOR_MAX         128
#define QUERY_TEXT_MAX     200 /* characters of the q parameter */

static const char *const hang_names[] = {"none", "requested", "active", "lifted", NULL};
static const char *const no_params[] = {NULL};
static const char *const sort_names[] = {"created_desc", "created_asc", "deadline_asc",
                                         "updated_desc", NULL};
static const char *const list_params[] = {
    "status",  "unit_id", "category_id", "region_id",  "channel", "type", "level",
    "overdue", "hanging", "enterprise",  "from",       "to",      "q",    "sort",
    "cursor",  "limit",   "reopened",    "instructed", "preinv",  NULL};
static const char *const id_fields[] = {
    "category_id",   "region_id",       "master_id",      "parent_id",        "duplicate_of",
    "about_unit_id", "consult_unit_id", "preinv_unit_id", "instruct_unit_id", NULL};
/* The states of a pre-dispatch consultation and a pre-investigation (core/order.h). */
static const char *const consult_names[] = {"none", "consulting", "concluded", "dispatched", NULL};
static const char *const consult_labels[] = {"无", "会商中", "会商已有结果", "已按会商结果派单"};
static const char *const preinv_names[] = {"none", "pending", "reported", NULL};
static const char *const preinv_labels[] = {"无", "预先调查中", "已反馈调查情况"};

/* --- presentation ------------------------------------------------------------------------ */

/* The API form's rules, for the tree (order_api_json) and the text (order_api_summary_write)
 * alike: the enumerations written by name, each with its Chinese label but hang, the labels
 * following the order's fields in this order; the tri-states (unknown, no, yes); and what the
 * summary leaves out. */
struct api_enum {
    const char *field, *label_key;
    const char *const *names, *const *labels;
};
static const struct api_enum api_enums[] = {
    {"status", "status_label", js_status_names, js_status_labels},
    {"type", "type_label", js_type_names, js_type_labels},
    {"level", "level_label", js_level_names, js_level_labels},
    {"tier", "tier_label", js_tier_names, js_tier_labels},
    {"closure", "closure_label", js_closure_names, js_closure_labels},
    {"not_filed_reason", "not_filed_reason_label", js_notfiled_names, js_notfiled_labels},
    {"cb_satisfaction", "cb_satisfaction_label", js_satisfaction_names, js_satisfaction_labels},
    {"close_kind", "close_kind_label", js_close_kind_names, js_close_kind_labels},
    {"hang", NULL, hang_names, NULL},
    {"consult", "consult_label", consult_names, consult_labels},
    {"preinv", "preinv_label", preinv_names, preinv_labels},
};
static const char *const tri_fields[] = {"cb_contacted", "cb_solved", NULL};
static const char *const summary_drop[] = {"citizen_name", "citizen_phone", "text",
                                           "reply_text",   "attachments",   NULL};

bool masked_role(int role)
{
    return app_is_unit_role(role) || role == ROLE_AUDITOR;
}

bool citizen_withheld(const struct actor *who, const struct order *o)
{
    return app_is_unit_role(who->role) && who->unit_id && o->about_unit_id == who->unit_id;
}

/* True when who sees o's citizen masked: masked roles, unless the order needs contact, and
 * always the unit complained about. */
static bool citizen_masked_for(const struct actor *who, const struct order *o)
{
    return masked_role(who->role) && (!o->needs_contact || citizen_withheld(who, o));
}

/* Characters (not bytes) of UTF-8 text. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The digits of s (at most n - 1 of them) into out. */
static void digits_of(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (*s >= '0' && *s <= '9')
            out[k++] = *s;
    out[k] = '\0';
}

/* s with every occurrence of the needles (NULL-ended; "" ones skipped) replaced by "***";
 * a new string, or NULL when nothing changed or out of memory. */
static char *scrub_text(const char *s, const char *const *needles)
{
    struct buf b;
    bool changed = false;
    buf_init(&b, 0);
    while (*s) {
        size_t hit = 0;
        for (const char *const *n = needles; *n && !hit; n++)
            if ((*n)[0] && strncmp(s, *n, strlen(*n)) == 0)
                hit = strlen(*n);
        if (hit) {
            changed = true;
            if (buf_puts(&b, "***"))
                goto fail;
            s += hit;
        } else if (buf_append(&b, s++, 1)) {
            goto fail;
        }
    }
    if (!changed)
        goto fail;
    if (b.len == 0 && buf_puts(&b, ""))
        goto fail;
    return buf_steal(&b);
fail:
    buf_release(&b);
    return NULL;
}

/* Replaces the citizen's name (two characters or more) and phone (as written and as bare digits,
 * seven or more) in every string inside j, keys left alone. */
static void scrub_json(json_t *j, const struct order *o)
{
    char digits[40];
    const char *name = o->citizen_name && utf8_chars(o->citizen_name) >= 2 ? o->citizen_name : "";
    const char *phone = o->citizen_phone && strlen(o->citizen_phone) >= 7 ? o->citizen_phone : "";
    digits_of(o->citizen_phone, digits, sizeof digits);
    if (strlen(digits) < 7)
        digits[0] = '\0';
    const char *const needles[] = {name, phone, digits, NULL};
    if (!name[0] && !phone[0] && !digits[0])
        return;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        void *tmp;
        json_object_foreach_safe(j, tmp, k, v)
        {
            if (json_is_string(v)) {
                char *s = scrub_text(json_string_value(v), needles);
                if (s)
                    json_object_set_new(j, k, json_string(s));
                free(s);
            } else {
                scrub_json(v, o);
            }
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            if (json_is_string(v)) {
                char *s = scrub_text(json_string_value(v), needles);
                if (s)
                    json_array_set_new(j, i, json_string(s));
                free(s);
            } else {
                scrub_json(v, o);
            }
        }
    }
}

void citizen_scrub_name(const struct order *o, char *name, size_t n)
{
    json_t *j = json_pack("{ss}", "name", name);
    if (!j)
        return;
    scrub_json(j, o);
    snprintf(name, n, "%s", json_string_value(json_object_get(j, "name")));
    json_decref(j);
}

/* Withholds the citizen from the unit complained about: no name, no phone (not even masked),
 * and the name and the phone taken out of every text, attachment name and argument of j. */
static void withhold_citizen(json_t *j, const struct order *o)
{
    static const char *const keys[] = {"citizen_name", "citizen_phone"};
    for (size_t i = 0; i < JS_ARRAY_LEN(keys); i++)
        if (json_object_get(j, keys[i]))
            json_object_set_new(j, keys[i], json_string(""));
    scrub_json(j, o);
}

/* True when a unit user may see o: its unit holds (or held) an assignment. Platform roles see
 * every order. */
static bool order_visible(const struct actor *who, const struct order *o)
{
    if (!app_is_unit_role(who->role))
        return true;
    for (int i = 0; i < o->n_units; i++)
        if (who->unit_id && o->units[i].unit_id == who->unit_id)
            return true;
    /* the unit designated to investigate it before dispatch (001 §二(一)) */
    return who->unit_id && o->preinv_unit_id == who->unit_id;
}

/* A leader's instruction handed to a unit whose written report is past due (003 art. 13(2)). */
static bool instruct_overdue(const struct order *o, int64_t now)
{
    return o->instruct_unit_id && o->instruct_due > 0 && o->instruct_due < now;
}

static bool order_overdue(const struct order *o, int64_t now)
{
    return o->deadline > 0 && o->deadline < now &&
           (o->status == ST_DISPATCHED || o->status == ST_HANDLING || o->status == ST_RETURNED) &&
           o->hang != 2;
}

/* "张三" → "张**": the first character only. */
static json_t *mask_name(const char *s)
{
    if (!s || !s[0])
        return json_string("");
    size_t n = 1;
    while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
        n++;
    char out[16];
    if (n > 4)
        n = 4;
    memcpy(out, s, n);
    memcpy(out + n, "**", 3);
    return json_string(out);
}

/* "13812341111" → "138****1111". */
static json_t *mask_phone(const char *s)
{
    if (!s || !s[0])
        return json_string("");
    size_t n = strlen(s);
    if (n < 8)
        return json_string("****");
    char out[16];
    snprintf(out, sizeof out, "%.3s****%.4s", s, s + n - 4);
    return json_string(out);
}

/* Replaces the number at key by its name from names, and sets label_key (NULL: none) to its
 * label. The tables are the program's own UTF-8: they need no check. */
static void set_name(json_t *j, const char *key, const char *label_key, const char *const *names,
                     int n_names, const char *const *labels)
{
    json_t *v = json_object_get(j, key);
    if (!json_is_integer(v))
        return;
    json_int_t x = json_integer_value(v);
    bool ok = x >= 0 && x < n_names;
    json_object_set_new_nocheck(j, key, ok ? json_string_nocheck(names[x]) : json_null());
    if (label_key)
        json_object_set_new_nocheck(j, label_key,
                                    ok ? json_string_nocheck(labels[x]) : json_null());
}

static int count_names(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

#define SET_NAME(j, key, table, labels, with)                                                      \
    set_name(j, key, (with) ? key "_label" : NULL, table, count_names(table), labels)

static void tri_state(json_t *j, const char *key)
{
    json_int_t x = json_integer_value(json_object_get(j, key));
    json_object_set_new(j, key, x < 0 ? json_null() : json_boolean(x > 0));
}

/* Applies the role's masking to a JSON object holding citizen_name / citizen_phone. */
static void mask_citizen(json_t *j)
{
    json_t *v;
    if ((v = json_object_get(j, "citizen_name")) && json_is_string(v))
        json_object_set_new(j, "citizen_name", mask_name(json_string_value(v)));
    if ((v = json_object_get(j, "citizen_phone")) && json_is_string(v))
        json_object_set_new(j, "citizen_phone", mask_phone(json_string_value(v)));
}

/* The API form of an order: enums by name (with Chinese labels for the main ones), times in
 * ISO text, 0 ids as null, attachments as an array, and "overdue". The summary form (lists,
 * action answers) leaves out the citizen, the texts and the attachments; the detail form
 * masks the citizen for masked roles unless the order needs contact, and then sets *unmasked
 * when unmasked citizen data is in it. units are given names from `units` when non-NULL. */
json_t *order_api_json(const struct order *o, const struct actor *who, int64_t now, bool detail,
                       bool *unmasked, struct store *units)
{
    json_t *j = order_to_json(o);
    if (!j)
        return NULL;
    for (size_t i = 0; i < JS_ARRAY_LEN(api_enums); i++)
        set_name(j, api_enums[i].field, api_enums[i].label_key, api_enums[i].names,
                 count_names(api_enums[i].names), api_enums[i].labels);
    for (const char *const *f = tri_fields; *f; f++)
        tri_state(j, *f);
    for (const char *const *f = order_time_fields; *f; f++)
        json_object_set_new(j, *f, app_time_json(json_integer_value(json_object_get(j, *f))));
    for (const char *const *f = id_fields; *f; f++)
        if (json_integer_value(json_object_get(j, *f)) == 0)
            json_object_set_new(j, *f, json_null());
    if (!o->has_coords) {
        json_object_set_new(j, "lat", json_null());
        json_object_set_new(j, "lon", json_null());
    }
    json_object_set_new(j, "overdue", json_boolean(order_overdue(o, now)));
    json_object_set_new(j, "instruct_overdue", json_boolean(instruct_overdue(o, now)));

    json_t *units_j = json_object_get(j, "units");
    size_t i;
    json_t *u;
    json_array_foreach(units_j, i, u)
    {
        SET_NAME(u, "role", js_asg_names, js_asg_labels, true);
        for (const char *const *f = order_asg_time_fields; *f; f++)
            json_object_set_new(u, *f, app_time_json(json_integer_value(json_object_get(u, *f))));
        if (units) {
            struct unit un;
            int64_t uid = json_integer_value(json_object_get(u, "unit_id"));
            if (units->ops->unit_get(units, uid, &un) == 0) {
                json_object_set_new(u, "unit_code", json_string(un.code));
                json_object_set_new(u, "unit_name", json_string(un.name));
            }
        }
    }

    if (units && o->about_unit_id) {
        struct unit un;
        if (units->ops->unit_get(units, o->about_unit_id, &un) == 0)
            json_object_set_new(j, "about_unit_name", json_string(un.name));
    }
    if (!detail) {
        for (const char *const *f = summary_drop; *f; f++)
            json_object_del(j, *f);
        return j;
    }
    json_error_t jerr;
    json_t *att = json_loads(o->attachments ? o->attachments : "[]", 0, &jerr);
    json_object_set_new(j, "attachments", json_is_array(att) ? att : json_array());
    if (att && !json_is_array(att))
        json_decref(att);
    bool mask = citizen_masked_for(who, o), withheld = citizen_withheld(who, o);
    json_object_set_new(j, "citizen_masked", json_boolean(mask));
    json_object_set_new(j, "citizen_withheld", json_boolean(withheld));
    if (withheld)
        withhold_citizen(j, o);
    else if (mask)
        mask_citizen(j);
    else if ((o->citizen_name && o->citizen_name[0]) || (o->citizen_phone && o->citizen_phone[0]))
        *unmasked = true;
    return j;
}

/* What the API form does with each of the order's fields, by its place in order_field_list:
 * the same rules as order_api_json's, looked up once. */
enum api_kind { AK_PLAIN, AK_ENUM, AK_TIME, AK_ID, AK_TRI, AK_DROP, AK_COORD };
enum { API_FIELDS_MAX = 128 };
/* An assignment's fields (ASG_FIELDS), and what the API form does with each: the role by name,
 * the instants as times (AK_ENUM, AK_TIME), the rest as they are. */
#define ASG_NAME(f, is_bool) #f,
static const char *const asg_names[] = {ASG_FIELDS(ASG_NAME)};
#undef ASG_NAME
static struct {
    unsigned char kind[API_FIELDS_MAX], en[API_FIELDS_MAX]; /* en: index in api_enums */
    unsigned char asg_kind[JS_ARRAY_LEN(asg_names)];
    int n_names[JS_ARRAY_LEN(api_enums)], n_roles;
    const struct order_field *enum_field[JS_ARRAY_LEN(api_enums)];
} api_rules;
static pthread_once_t api_rules_once = PTHREAD_ONCE_INIT;

static bool in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

static void api_rules_init(void)
{
    size_t n;
    const struct order_field *fs = order_field_list(&n);
    assert(n <= API_FIELDS_MAX);
    api_rules.n_roles = count_names(js_asg_names);
    for (size_t k = 0; k < JS_ARRAY_LEN(asg_names); k++)
        api_rules.asg_kind[k] = strcmp(asg_names[k], "role") == 0              ? AK_ENUM
                                : in_list(order_asg_time_fields, asg_names[k]) ? AK_TIME
                                                                               : AK_PLAIN;
    for (size_t k = 0; k < JS_ARRAY_LEN(api_enums); k++) {
        api_rules.n_names[k] = count_names(api_enums[k].names);
        api_rules.enum_field[k] = order_field_find(api_enums[k].field);
        assert(api_rules.enum_field[k]);
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = fs[i].name;
        int rules = 0;
        api_rules.kind[i] = fs[i].kind == OF_REAL ? AK_COORD : AK_PLAIN;
        for (size_t k = 0; k < JS_ARRAY_LEN(api_enums); k++)
            if (strcmp(api_enums[k].field, name) == 0) {
                api_rules.kind[i] = AK_ENUM;
                api_rules.en[i] = (unsigned char)k;
                rules++;
            }
        static const struct {
            const char *const *list;
            enum api_kind kind;
        } lists[] = {{order_time_fields, AK_TIME},
                     {id_fields, AK_ID},
                     {tri_fields, AK_TRI},
                     {summary_drop, AK_DROP}};
        for (size_t l = 0; l < JS_ARRAY_LEN(lists); l++)
            if (in_list(lists[l].list, name)) {
                api_rules.kind[i] = (unsigned char)lists[l].kind;
                rules++;
            }
        assert(rules <= 1); /* the tree applies them one after another: no field has two */
    }
}

/* Writes "key": (after a comma unless first): one reservation, about 80 times an order. */
static int put_key(struct buf *b, const char *key, bool first)
{
    size_t n = strlen(key); /* the program's own identifiers: nothing to escape */
    int rc = buf_reserve(b, n + 4);
    if (rc)
        return rc;
    char *p = b->data + b->len;
    if (!first)
        *p++ = ',';
    *p++ = '"';
    memcpy(p, key, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    *p = '\0';
    b->len = (size_t)(p - b->data);
    return 0;
}

static int put_time(struct buf *b, int64_t t)
{
    if (t <= 0)
        return buf_puts(b, "null");
    char s[32];
    jtime_format(t, s, sizeof s);
    return jsonw_put_str(b, s, strlen(s));
}

/* names[x] (of n) as a JSON string, or null when x is out of range. */
static int put_name(struct buf *b, const char *const *names, int n, int64_t x)
{
    return x >= 0 && x < n ? jsonw_put_str(b, names[x], strlen(names[x])) : buf_puts(b, "null");
}

/* One field of an assignment, as api_rules.asg_kind says (kind). */
static int put_asg_value(struct buf *b, int kind, int64_t v, bool is_bool)
{
    if (kind == AK_ENUM)
        return put_name(b, js_asg_names, api_rules.n_roles, v);
    if (kind == AK_TIME)
        return put_time(b, v);
    return is_bool ? buf_puts(b, v ? "true" : "false") : buf_put_int(b, v);
}

static int put_units(struct buf *b, const struct order *o)
{
    int rc = buf_puts(b, "[");
    for (int i = 0; !rc && i < o->n_units; i++) {
        const struct assignment *a = &o->units[i];
        bool first = true;
        int k = 0; /* the field's place in asg_names */
        rc = buf_puts(b, i ? ",{" : "{");
#define PUT_ASG(f, is_bool)                                                                        \
    if (!rc)                                                                                       \
        rc = put_key(b, #f, first);                                                                \
    if (!rc)                                                                                       \
        rc = put_asg_value(b, api_rules.asg_kind[k], (int64_t)a->f, is_bool);                      \
    first = false;                                                                                 \
    k++;
        ASG_FIELDS(PUT_ASG)
#undef PUT_ASG
        if (!rc)
            rc = put_key(b, "role_label", false);
        if (!rc)
            rc = put_name(b, js_asg_labels, api_rules.n_roles, a->role);
        if (!rc)
            rc = buf_puts(b, "}");
    }
    return rc ? rc : buf_puts(b, "]");
}

int order_api_summary_write(struct buf *b, const struct order *o, int64_t now)
{
    pthread_once(&api_rules_once, api_rules_init);
    size_t n, mark = b->len;
    const struct order_field *fs = order_field_list(&n);
    int rc = buf_puts(b, "{");
    bool first = true;
    for (size_t i = 0; !rc && i < n; i++) {
        const struct order_field *f = &fs[i];
        int kind = api_rules.kind[i];
        if (kind == AK_DROP)
            continue;
        rc = put_key(b, f->name, first);
        first = false;
        if (rc)
            break;
        switch (kind) {
        case AK_ENUM: {
            int k = api_rules.en[i];
            rc = put_name(b, api_enums[k].names, api_rules.n_names[k], order_field_int(o, f));
            break;
        }
        case AK_TIME:
            rc = put_time(b, order_field_int(o, f));
            break;
        case AK_ID: {
            int64_t id = order_field_int(o, f);
            rc = id ? buf_put_int(b, id) : buf_puts(b, "null");
            break;
        }
        case AK_TRI: {
            int64_t x = order_field_int(o, f);
            rc = buf_puts(b, x < 0 ? "null" : x > 0 ? "true" : "false");
            break;
        }
        case AK_COORD: {
            json_t *r = o->has_coords ? json_real(order_field_real(o, f)) : json_null();
            rc = jsonw_put(b, r);
            json_decref(r);
            break;
        }
        default:
            switch (f->kind) {
            case OF_INT:
                rc = buf_put_int(b, order_field_int(o, f));
                break;
            case OF_BOOL:
                rc = buf_puts(b, order_field_int(o, f) ? "true" : "false");
                break;
            case OF_CHARS:
            case OF_STR: {
                const char *s = order_field_text(o, f);
                rc = jsonw_put_str(b, s, strlen(s));
                break;
            }
            case OF_UNITS:
                rc = put_units(b, o);
                break;
            case OF_REAL:
                rc = -JS_EINVAL;
                break; /* AK_COORD */
            }
        }
    }
    for (size_t k = 0; !rc && k < JS_ARRAY_LEN(api_enums); k++) {
        if (!api_enums[k].label_key)
            continue;
        rc = put_key(b, api_enums[k].label_key, false);
        if (!rc)
            rc = put_name(b, api_enums[k].labels, api_rules.n_names[k],
                          order_field_int(o, api_rules.enum_field[k]));
    }
    if (!rc)
        rc = put_key(b, "overdue", false);
    if (!rc)
        rc = buf_puts(b, order_overdue(o, now) ? "true" : "false");
    if (!rc)
        rc = put_key(b, "instruct_overdue", false);
    if (!rc)
        rc = buf_puts(b, instruct_overdue(o, now) ? "true" : "false");
    if (!rc)
        rc = buf_puts(b, "}");
    if (rc) {
        b->len = mark;
        if (b->data)
            b->data[mark] = 0;
    }
    return rc;
}

int order_api_summary_put(struct buf *b, const struct order *o, const struct actor *who,
                          int64_t now)
{
    int rc = order_api_summary_write(b, o, now);
    if (rc != -JS_EINVAL)
        return rc;
    json_t *j = order_api_json(o, who, now, false, NULL, NULL);
    rc = j ? jsonw_put(b, j) : -JS_ENOMEM;
    json_decref(j);
    return rc;
}

/* --- finding an order -------------------------------------------------------------------- */

/* Loads the order named by the {id} path parameter (an id or a 13-digit number) if the user may
 * see it; otherwise fills res with 404 (the same answer whether it exists or not). The order is
 * initialised either way: release it. */
/* Whether ref (the {id} path parameter) is an order's 13-digit number rather than its id. */
static bool ref_is_number(const char *ref)
{
    size_t n = ref ? strlen(ref) : 0;
    return n >= 12 && n < sizeof((struct order *)0)->number && strspn(ref, "0123456789") == n;
}

static int load_order(struct app_ctx *c, const struct http_request *req, struct order *o,
                      struct http_response *res)
{
    order_init(o);
    const char *ref = http_param(req, "id");
    struct store *s = c->store;
    int rc;
    int64_t id = 0;
    if (ref_is_number(ref))
        rc = s->ops->order_get_by_number(s, ref, o);
    else if (app_parse_id(ref, &id) == 0)
        rc = s->ops->order_get(s, id, o);
    else
        rc = -JS_ENOTFOUND;
    if (!rc && !order_visible(&c->who, o))
        rc = -JS_ENOTFOUND;
    if (rc)
        app_store_error(res, rc, "id", "order");
    return rc;
}

/* --- list -------------------------------------------------------------------------------- */

static int bad_param(struct http_response *res, const char *name, const char *why)
{
    char msg[200];
    snprintf(msg, sizeof msg, "查询参数 %s %s", name, msg_zh_or(why)); /* util/msg_zh.c */
    http_error(res, -JS_EINVAL, name, msg);
    return -JS_EINVAL;
}

static int param_id(const struct http_request *req, const char *name, int64_t *out,
                    struct http_response *res)
{
    const char *v = http_query(req, name);
    if (!v)
        return 0;
    if (app_parse_id(v, out))
        return bad_param(res, name, "must be a positive integer id");
    return 0;
}

static int param_enum(const struct http_request *req, const char *name, const char *const *names,
                      int *out, struct http_response *res)
{
    const char *v = http_query(req, name);
    if (!v)
        return 0;
    int i = js_name_index(names, v);
    if (i < 0)
        return bad_param(res, name, "is not one of the known names");
    *out = i;
    return 0;
}

static int param_time(const struct http_request *req, const char *name, bool end_of_day,
                      int64_t *out, struct http_response *res)
{
    const char *v = http_query(req, name);
    if (!v)
        return 0;
    if (jtime_parse(v, out))
        return bad_param(res, name, "must be an ISO date or date-time");
    if (end_of_day && strlen(v) == 10) /* a plain date as `to` includes that day */
        *out += JT_DAY;
    return 0;
}

static bool channel_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 23 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* A page of the list, written as text (issue 13): each order's summary as order_api_summary_write
 * writes it, the tree's way only for an order that holds text that is not UTF-8. The orders in
 * status returned are noted with the place of their closing brace, where returned_at goes. */
struct list_ctx {
    struct buf items; /* the items, comma-separated, without the brackets */
    int n;
    const struct actor *who;
    int64_t now;
    struct {
        int64_t id;
        size_t end;  /* the offset of the item's closing brace in items */
    } returned[500]; /* the listed orders awaiting a return decision */
    int n_returned;
};

static int list_one(void *ctx, const struct order *o)
{
    struct list_ctx *l = ctx;
    int rc = l->n ? buf_puts(&l->items, ",") : 0;
    if (rc)
        return rc;
    rc = order_api_summary_put(&l->items, o, l->who, l->now);
    if (rc)
        return rc;
    l->n++;
    if (o->status == ST_RETURNED && l->n_returned < (int)JS_ARRAY_LEN(l->returned)) {
        l->returned[l->n_returned].id = o->id;
        l->returned[l->n_returned++].end = l->items.len - 1;
    }
    return 0;
}

static int last_return(void *ctx, const struct event *ev)
{
    if (ev->action == ACT_RETURN)
        *(int64_t *)ctx = ev->at;
    return 0;
}

/* Writes the list's answer into b: the items with returned_at (the last return filed, issue 16:
 * the age of a return awaiting decision) added to the orders in status returned, read from
 * their timelines after the list, then the cursor and the limit. The bytes are those of
 * {"items": [...], "next_cursor": ..., "limit": ...} as the tree was written. */
static int list_write(struct store *s, struct list_ctx *l, const char *next, int limit,
                      struct buf *b)
{
    int rc = buf_puts(b, "{\"items\":[");
    size_t from = 0;
    for (int k = 0; !rc && k < l->n_returned; k++) {
        int64_t at = 0;
        if ((rc = s->ops->event_each(s, l->returned[k].id, last_return, &at)))
            break;
        if (!at)
            continue;
        rc = buf_append(b, l->items.data + from, l->returned[k].end - from);
        if (!rc)
            rc = put_key(b, "returned_at", false);
        if (!rc)
            rc = put_time(b, at);
        from = l->returned[k].end;
    }
    if (!rc && l->items.len > from)
        rc = buf_append(b, l->items.data + from, l->items.len - from);
    if (!rc)
        rc = buf_puts(b, "],\"next_cursor\":");
    if (!rc)
        rc = next[0] ? jsonw_put_str(b, next, strlen(next)) : buf_puts(b, "null");
    if (!rc)
        rc = buf_puts(b, ",\"limit\":");
    if (!rc)
        rc = buf_put_int(b, limit);
    return rc ? rc : buf_puts(b, "}");
}

static void list_orders(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (app_query_known(req, list_params, res))
        return;
    int64_t now = app_now(a);
    int statuses[ST__COUNT];
    struct order_query q = {.type = -1,
                            .level = -1,
                            .overdue = -1,
                            .now = now,
                            .sort = SORT_CREATED_DESC,
                            .limit = LIST_DEFAULT_LIMIT};
    const char *st = http_query(req, "status");
    if (st) {
        char copy[512];
        if (strlen(st) >= sizeof copy) {
            bad_param(res, "status", "is too long");
            return;
        }
        memcpy(copy, st, strlen(st) + 1);
        char *p = copy;
        while (p) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            int i = js_name_index(js_status_names, p);
            if (i < 0) {
                bad_param(res, "status", "names an unknown status");
                return;
            }
            bool dup = false;
            for (int k = 0; k < q.n_statuses; k++)
                dup = dup || statuses[k] == i;
            if (!dup)
                statuses[q.n_statuses++] = i;
            p = comma ? comma + 1 : NULL;
        }
        q.statuses = statuses;
    }
    if (param_id(req, "unit_id", &q.unit_id, res) ||
        param_id(req, "category_id", &q.category_id, res) ||
        param_id(req, "region_id", &q.region_id, res) ||
        param_enum(req, "type", js_type_names, &q.type, res) ||
        param_enum(req, "level", js_level_names, &q.level, res) ||
        param_enum(req, "sort", sort_names, &q.sort, res) ||
        param_time(req, "from", false, &q.from, res) || param_time(req, "to", true, &q.to, res))
        return;
    q.channel = http_query(req, "channel");
    if (q.channel && !channel_ok(q.channel)) {
        bad_param(res, "channel", "must be 1 to 23 characters of a-z, 0-9 and '-'");
        return;
    }
    const char *ov = http_query(req, "overdue");
    if (ov) {
        if (strcmp(ov, "true") == 0)
            q.overdue = 1;
        else if (strcmp(ov, "false") == 0)
            q.overdue = 0;
        else {
            bad_param(res, "overdue", "must be true or false");
            return;
        }
    }
    /* 挂账 (004): approved hanging accounts, their own list, never among the overdue; the
     * enterprise green channel (004 绿色通道): enterprise requests only; orders reopened at least
     * once (the dashboard's drill-down); leaders' instructions awaiting their written report
     * (领导批示交办, issue 14 point 8) */
    static const char *const flags[] = {"hanging", "enterprise", "reopened", "instructed",
                                        "preinv"};
    bool *flag_out[] = {&q.hanging, &q.enterprise, &q.reopened, &q.instructed, &q.preinv};
    for (int i = 0; i < 5; i++) {
        const char *v = http_query(req, flags[i]);
        if (v && strcmp(v, "true") != 0) {
            bad_param(res, flags[i], "must be true (or left out)");
            return;
        }
        *flag_out[i] = v != NULL;
    }
    q.text = http_query(req, "q");
    if (q.text) {
        size_t n = utf8_len(q.text);
        if (n == (size_t)-1) {
            http_error(res, -JS_EUTF8, "q", "query parameter 'q' is not valid UTF-8");
            return;
        }
        if (n > QUERY_TEXT_MAX) {
            http_error(res, -JS_ETOOLONG, "q", "query parameter 'q' is too long");
            return;
        }
        if (n == 0)
            q.text = NULL;
    }
    q.cursor = http_query(req, "cursor");
    if (q.cursor && (strlen(q.cursor) >= CURSOR_MAX || !q.cursor[0])) {
        bad_param(res, "cursor", "is not a cursor this server gave");
        return;
    }
    const char *lim = http_query(req, "limit");
    if (lim) {
        int64_t v = 0;
        if (app_parse_id(lim, &v) || v > 500) {
            bad_param(res, "limit", "must be between 1 and 500");
            return;
        }
        q.limit = (int)v;
    }
    if (app_is_unit_role(c->who.role)) {
        if (q.unit_id && q.unit_id != c->who.unit_id) {
            http_error(res, -JS_EFORBIDDEN, "unit_id",
                       "unit users see their own unit's orders only");
            return;
        }
        q.unit_id = c->who.unit_id ? c->who.unit_id : -1;
        if (q.preinv) { /* the orders it is designated to investigate first: it holds none */
            q.preinv_unit_id = q.unit_id;
            q.unit_id = 0;
        }
    }
    if (q.from && q.to && q.from >= q.to) {
        bad_param(res, "to", "must be after 'from'");
        return;
    }
    struct list_ctx l = {.who = &c->who, .now = now};
    buf_init(&l.items, 0);
    char next[CURSOR_MAX] = "";
    int rc = c->store->ops->order_query(c->store, &q, list_one, &l, next, sizeof next);
    if (rc == -JS_EINVAL) {
        bad_param(res, "cursor", "is not a cursor this server gave");
        goto out;
    }
    if (!rc)
        rc = list_write(c->store, &l, next, q.limit, http_json_body(res, 200));
    if (rc)
        app_store_error(res, rc, "", "orders");
out:
    buf_release(&l.items);
}

/* --- detail ------------------------------------------------------------------------------ */

struct timeline_ctx {
    json_t *events;
    bool mask;
    const struct order *withhold; /* the order whose citizen is withheld from the reader, or NULL */
    bool unmasked;                /* unmasked citizen data was put into the timeline */
};

static json_t *status_json(int st)
{
    return (st >= 0 && st < ST__COUNT) ? json_string(js_status_names[st]) : json_null();
}

static int timeline_one(void *ctx, const struct event *ev)
{
    struct timeline_ctx *t = ctx;
    json_t *args = json_object_get(ev->payload, "args");
    args = json_is_object(args) ? json_deep_copy(args) : json_object();
    const char *cn = json_string_value(json_object_get(args, "citizen_name"));
    const char *cp = json_string_value(json_object_get(args, "citizen_phone"));
    if (t->withhold)
        withhold_citizen(args, t->withhold);
    else if (t->mask)
        mask_citizen(args);
    else if ((cn && cn[0]) || (cp && cp[0]))
        t->unmasked = true;
    bool act_ok = ev->action >= 0 && ev->action < ACT__COUNT;
    bool role_ok = ev->actor.role >= 0 && ev->actor.role < ROLE__COUNT;
    json_t *actor =
        json_pack("{so ss ss ss so}", "user_id",
                  ev->actor.user_id ? json_integer(ev->actor.user_id) : json_null(), "name",
                  ev->actor.name, "role", role_ok ? js_role_names[ev->actor.role] : "",
                  "role_label", role_ok ? js_role_labels[ev->actor.role] : "", "unit_id",
                  ev->actor.unit_id ? json_integer(ev->actor.unit_id) : json_null());
    json_t *j = json_pack("{sI so so ss ss so so so so so}", "version", (json_int_t)ev->version,
                          "at", app_time_json(ev->at), "actor", actor, "action",
                          act_ok ? js_action_names[ev->action] : "", "action_label",
                          act_ok ? js_action_labels[ev->action] : "", "status_before",
                          status_json(ev->status_before), "status_before_label",
                          (ev->status_before >= 0 && ev->status_before < ST__COUNT)
                              ? json_string(js_status_labels[ev->status_before])
                              : json_null(),
                          "status_after", status_json(ev->status_after), "status_after_label",
                          (ev->status_after >= 0 && ev->status_after < ST__COUNT)
                              ? json_string(js_status_labels[ev->status_after])
                              : json_null(),
                          "args", args);
    if (!j)
        return -JS_ENOMEM;
    json_array_append_new(t->events, j);
    return 0;
}

static void get_order(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct order o;
    json_t *j = NULL;
    order_init(&o);
    if (app_query_known(req, no_params, res) || load_order(c, req, &o, res))
        goto out;
    bool unmasked = false;
    j = order_api_json(&o, &c->who, app_now(a), true, &unmasked, c->store);
    struct timeline_ctx t = {json_array(), citizen_masked_for(&c->who, &o),
                             citizen_withheld(&c->who, &o) ? &o : NULL, false};
    int rc = c->store->ops->event_each(c->store, o.id, timeline_one, &t);
    if (rc || !j) {
        json_decref(t.events);
        app_store_error(res, rc ? rc : -JS_ENOMEM, "", "timeline");
        goto out;
    }
    json_object_set_new(j, "timeline", t.events);
    if ((unmasked || t.unmasked) && strcmp(req->method, "HEAD") != 0) {
        /* no unmasked read without its audit entry (HEAD sends no body, so reads nothing) */
        char detail[96];
        snprintf(detail, sizeof detail, "order=%s fields=citizen_name,citizen_phone", o.number);
        rc = app_audit(c, c->user.id, o.id, "read_citizen", detail);
        if (rc) {
            app_store_error(res, rc, "", "audit entry");
            goto out;
        }
    }
    http_json(res, 200, j);
    j = NULL;
out:
    json_decref(j);
    order_release(&o);
}

/* --- intake and actions ------------------------------------------------------------------ */

/* Answers an action with the order it acted on: o as the engine wrote it (engine_execute_order),
 * or, when the engine handed none over, as read again. Releases o. */
static void answer_result(struct app *a, struct app_ctx *c, const struct engine_result *r,
                          struct order *o_done, int status, struct http_response *res)
{
    struct order o = *o_done;
    order_init(o_done);
    int rc = o.id && o.id == r->order_id ? 0 : c->store->ops->order_get(c->store, r->order_id, &o);
    if (rc) {
        app_store_error(res, rc, "", "order");
        goto out;
    }
    struct buf *body = http_json_body(res, status);
    if ((rc = buf_puts(body, "{\"order\":")) ||
        (rc = order_api_summary_put(body, &o, &c->who, app_now(a))) ||
        (rc = buf_puts(body, ",\"events\":")) || (rc = buf_put_int(body, r->n_events)) ||
        (rc = buf_puts(body, "}"))) {
        app_store_error(res, rc, "", "order");
        goto out;
    }
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/orders/%s", o.number);
        http_response_header(res, "Location", loc);
    }
out:
    order_release(&o);
}

static void intake(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (!lifecycle_role_allows(c->who.role, ACT_INTAKE)) {
        http_error(res, -JS_EFORBIDDEN, "", "your role may not take in orders");
        return;
    }
    json_t *body = NULL;
    if (app_body(req, NULL, false, &body, res)) /* fields: lifecycle_check_shape */
        return;
    struct js_error e;
    js_error_clear(&e);
    struct engine_result r;
    struct order done;
    order_init(&done);
    if (engine_execute_order(&c->engine, &c->who, ACT_INTAKE, 0, 0, body, &r, &done, &e))
        http_error_from(res, &e);
    else
        answer_result(a, c, &r, &done, 201, res);
    order_release(&done);
    json_decref(body);
}

static void act(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    const char *name = http_param(req, "action");
    int action = name ? js_name_index(js_action_names, name) : -1;
    json_t *body = NULL, *args = NULL;
    struct order o;
    order_init(&o);
    if (action < 0) {
        http_error(res, -JS_ENOTFOUND, "action", "no such action");
        goto out;
    }
    if (action == ACT_INTAKE) {
        http_error(res, -JS_EINVAL, "action", "intake makes a new order: POST /api/v1/orders");
        goto out;
    }
    if (!lifecycle_role_allows(c->who.role, action)) {
        char msg[128];
        snprintf(msg, sizeof msg, "角色“%s”不能执行“%s”", js_role_labels[c->who.role],
                 js_action_labels[action]);
        http_error(res, -JS_EFORBIDDEN, "", msg);
        goto out;
    }
    order_release(&o);
    /* Who sees every order (not a unit's staff) acts on an id without a read of the order
     * first: the engine reads it in its transaction anyway. A unit's staff, or a number, need
     * the read (visibility, the id). */
    const char *ref = http_param(req, "id");
    int64_t id = 0;
    bool direct =
        !app_is_unit_role(c->who.role) && !ref_is_number(ref) && app_parse_id(ref, &id) == 0;
    if (!direct && load_order(c, req, &o, res))
        goto out;
    if (!direct)
        id = o.id;
    if (app_body(req, NULL, false, &body, res))
        goto out;
    struct js_error e;
    js_error_clear(&e);
    int64_t version = 0;
    if (jf_int(body, "version", true, 1, INT64_MAX, &version, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    args = json_deep_copy(body);
    if (!args) {
        http_error(res, -JS_ENOMEM, "", NULL);
        goto out;
    }
    json_object_del(args, "version");
    struct engine_result r;
    order_release(&o);
    order_init(&o); /* receives the order as the action left it */
    int rc = engine_execute_order(&c->engine, &c->who, action, id, version, args, &r, &o, &e);
    if (rc == -JS_ENOTFOUND && direct && strcmp(e.field, "order") == 0)
        app_store_error(res, rc, "id", "order"); /* load_order's answer for a missing order */
    else if (rc)
        http_error_from(res, &e);
    if (rc)
        goto out;
    answer_result(a, c, &r, &o, 200, res);
out:
    json_decref(body);
    json_decref(args);
    order_release(&o);
}

/* --- suggestion -------------------------------------------------------------------------- */

static void suggest(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct store *s = c->store;
    struct order o;
    order_init(&o);
    if (app_query_known(req, no_params, res) || load_order(c, req, &o, res))
        goto out;
    json_t *list = json_array();
    struct catalogue_entry ce;
    int rc = o.category_id ? s->ops->catalogue_lookup(s, o.category_id, o.region_id, &ce)
                           : -JS_ENOTFOUND;
    if (rc == 0) {
        struct unit u;
        if (s->ops->unit_get(s, ce.unit_id, &u) == 0)
            json_array_append_new(
                list, json_pack("{sI ss ss ss sI ss}", "unit_id", (json_int_t)u.id, "unit_code",
                                u.code, "unit_name", u.name, "source", "catalogue", "entry_id",
                                (json_int_t)ce.id, "basis", ce.basis));
    } else if (rc != -JS_ENOTFOUND) {
        json_decref(list);
        app_store_error(res, rc, "", "catalogue");
        goto out;
    }
    http_json(res, 200,
              json_pack("{sI ss so so so}", "order_id", (json_int_t)o.id, "number", o.number,
                        "category_id", o.category_id ? json_integer(o.category_id) : json_null(),
                        "region_id", o.region_id ? json_integer(o.region_id) : json_null(),
                        "suggestions", list));
out:
    order_release(&o);
}

int res_orders_routes(struct router *r)
{
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/orders", list_orders)) ||
        (rc = router_add(r, "POST", "/api/v1/orders", intake)) ||
        (rc = router_add(r, "GET", "/api/v1/orders/{id}", get_order)) ||
        (rc = router_add(r, "GET", "/api/v1/orders/{id}/suggest", suggest)) ||
        (rc = router_add(r, "POST", "/api/v1/orders/{id}/actions/{action}", act)))
        return rc;
    return 0;
}
