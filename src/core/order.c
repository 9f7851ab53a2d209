/* Order and event memory management, and the canonical JSON form of an order. The function
 * that changes an order by an event, order_evolve, lives in evolve.c. */
#include "compat.h"
#include "core/order.h"
#include "util/buf.h"
#include "util/jfield.h"
#include "util/utf8.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void order_init(struct order *o)
{
    memset(o, 0, sizeof *o);
    o->status = ST_RECEIVED;
    o->not_filed_reason = -1;
    o->closure = -1;
    o->cb_contacted = -1;
    o->cb_solved = -1;
    o->cb_satisfaction = SAT_NONE;
    o->close_kind = CK_NONE;
}

#define ORDER_STRINGS(X)                                                                           \
    X(citizen_name) X(citizen_phone) X(title) X(text) X(address) X(attachments) X(reply_text)

void order_release(struct order *o)
{
    if (!o)
        return;
#define FREE_STR(f)                                                                                \
    free(o->f);                                                                                    \
    o->f = NULL;
    ORDER_STRINGS(FREE_STR)
#undef FREE_STR
}

int order_set_str(char **field, const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        return -JS_ENOMEM;
    free(*field);
    *field = p;
    return 0;
}

int order_copy(struct order *dst, const struct order *src)
{
    *dst = *src;
#define NULL_STR(f) dst->f = NULL;
    ORDER_STRINGS(NULL_STR)
#undef NULL_STR
#define DUP_STR(f)                                                                                 \
    if (src->f && order_set_str(&dst->f, src->f))                                                  \
        goto fail;
    ORDER_STRINGS(DUP_STR)
#undef DUP_STR
    return 0;
fail:
    order_release(dst);
    return -JS_ENOMEM;
}

struct assignment *order_unit(struct order *o, int64_t unit_id)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].unit_id == unit_id)
            return &o->units[i];
    return NULL;
}

struct assignment *order_lead(struct order *o)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active && o->units[i].role == ASG_LEAD)
            return &o->units[i];
    return NULL;
}

int order_units_returned(const struct order *o)
{
    int n = 0;
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].returns > 0)
            n++;
    return n;
}

void event_release(struct event *ev)
{
    if (!ev)
        return;
    json_decref(ev->payload);
    ev->payload = NULL;
}

void event_list_init(struct event_list *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

void event_list_release(struct event_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        event_release(&l->v[i]);
    free(l->v);
    event_list_init(l);
}

int event_list_push(struct event_list *l, const struct event *ev)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        struct event *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *ev;
    return 0;
}

/* The canonical JSON form: one table of fields drives both directions. */
/* clang-format off */
#define ORDER_INTS(X) \
    X(id) X(version) X(status) X(upstream_deadline) X(type) X(level) X(tier) X(category_id) \
    X(region_id) X(created_at) X(updated_at) X(filed_at) X(dispatched_at) X(replied_at) \
    X(closed_at) X(archived_at) X(master_id) X(parent_id) X(duplicate_of) X(not_filed_reason) \
    X(deadline) X(sign_deadline) X(ext_requested_until) X(hang) X(hang_since) X(closure) \
    X(hang_expected) X(cb_tries) X(cb_contacted) X(cb_solved) X(cb_satisfaction) X(returns) X(reworks) \
    X(reopens) X(reopens_district) X(reopens_upstream) X(urges) X(supervisions) \
    X(supervisions_open) X(extensions) X(close_kind) X(about_unit_id) X(consult) \
    X(consult_unit_id) X(preinv) X(preinv_unit_id) X(instruct_unit_id) X(instruct_due)
#define ORDER_BOOLS(X) \
    X(verified) X(anonymous) X(wants_callback) X(needs_contact) X(has_coords) X(enterprise) \
    X(contacted) X(sign_approved) X(ext_pending) X(cb_unreachable)
#define ORDER_CHARS(X) \
    X(number) X(channel) X(upstream_id) X(transfer_to)
/* clang-format on */

const char *const order_time_fields[] = {
    "upstream_deadline",   "created_at", "updated_at",    "filed_at",     "dispatched_at",
    "replied_at",          "closed_at",  "archived_at",   "deadline",     "sign_deadline",
    "ext_requested_until", "hang_since", "hang_expected", "instruct_due", NULL};
const char *const order_asg_time_fields[] = {"dispatched_at", "signed_at", "replied_at", NULL};

/* The canonical form of o's assignments (new reference). */
static json_t *units_to_json(const struct order *o)
{
    json_t *units = json_array();
    for (int i = 0; i < o->n_units && units; i++) {
        const struct assignment *a = &o->units[i];
        json_t *u = json_object();
#define PUT_ASG(f, is_bool)                                                                        \
    json_object_set_new_nocheck(u, #f, (is_bool) ? json_boolean(a->f) : json_integer(a->f));
        ASG_FIELDS(PUT_ASG)
#undef PUT_ASG
        json_array_append_new(units, u);
    }
    return units;
}

static bool units_differ(const struct order *a, const struct order *b)
{
    if (a->n_units != b->n_units)
        return true;
    for (int i = 0; i < a->n_units; i++) {
        const struct assignment *x = &a->units[i], *y = &b->units[i];
#define DIFF_ASG(f, is_bool)                                                                       \
    if ((is_bool) ? !x->f != !y->f : x->f != y->f)                                                 \
        return true;
        ASG_FIELDS(DIFF_ASG)
#undef DIFF_ASG
    }
    return false;
}

json_t *order_to_json(const struct order *o)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
#define PUT_INT(f) json_object_set_new(j, #f, json_integer(o->f));
    ORDER_INTS(PUT_INT)
#undef PUT_INT
#define PUT_BOOL(f) json_object_set_new(j, #f, json_boolean(o->f));
    ORDER_BOOLS(PUT_BOOL)
#undef PUT_BOOL
#define PUT_CHARS(f) json_object_set_new(j, #f, json_string(o->f));
    ORDER_CHARS(PUT_CHARS)
#undef PUT_CHARS
#define PUT_STR(f) json_object_set_new(j, #f, json_string(o->f ? o->f : ""));
    ORDER_STRINGS(PUT_STR)
#undef PUT_STR
    json_object_set_new(j, "lat", json_real(o->lat));
    json_object_set_new(j, "lon", json_real(o->lon));
    json_object_set_new(j, "units", units_to_json(o));
    return j;
}

/* Copies s (NULL: "") into the char array dst of n bytes, cut between characters to fit. */
static void chars_set(char *dst, size_t n, const char *s)
{
    s = s ? s : "";
    size_t len = (size_t)utf8_clip(s, n - 1); /* cut between characters, never inside one */
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static void copy_chars(char *dst, size_t n, const json_t *v)
{
    chars_set(dst, n, json_is_string(v) ? json_string_value(v) : "");
}

static int units_apply(struct order *o, const json_t *units);

/* Sets the fields named in j (any subset of the canonical form) on o. */
static int order_apply(struct order *o, const json_t *j)
{
    json_t *v;
#define GET_INT(f)                                                                                 \
    if ((v = json_object_get(j, #f)) && json_is_integer(v))                                        \
        o->f = json_integer_value(v);
    ORDER_INTS(GET_INT)
#undef GET_INT
#define GET_BOOL(f)                                                                                \
    if ((v = json_object_get(j, #f)))                                                              \
        o->f = json_is_true(v);
    ORDER_BOOLS(GET_BOOL)
#undef GET_BOOL
#define GET_CHARS(f)                                                                               \
    if ((v = json_object_get(j, #f)))                                                              \
        copy_chars(o->f, sizeof o->f, v);
    ORDER_CHARS(GET_CHARS)
#undef GET_CHARS
#define GET_STR(f)                                                                                 \
    if ((v = json_object_get(j, #f)) &&                                                            \
        order_set_str(&o->f, json_is_string(v) ? json_string_value(v) : ""))                       \
        return -JS_ENOMEM;
    ORDER_STRINGS(GET_STR)
#undef GET_STR
    if ((v = json_object_get(j, "lat")))
        o->lat = json_number_value(v);
    if ((v = json_object_get(j, "lon")))
        o->lon = json_number_value(v);
    json_t *units = json_object_get(j, "units");
    return units ? units_apply(o, units) : 0;
}

/* Sets o's assignments from their canonical form. */
static int units_apply(struct order *o, const json_t *units)
{
    if (!json_is_array(units) || json_array_size(units) > ORDER_MAX_UNITS)
        return -JS_EINVAL;
    o->n_units = 0;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        struct assignment *a = &o->units[o->n_units++];
        memset(a, 0, sizeof *a);
#define GET_ASG(f, is_bool)                                                                        \
    a->f = (is_bool) ? json_is_true(json_object_get(u, #f))                                        \
                     : json_integer_value(json_object_get(u, #f));
        ASG_FIELDS(GET_ASG)
#undef GET_ASG
    }
    return 0;
}

/* The field table, from the same lists as the canonical form. */
#define OF_ENTRY(f, k)    {#f, k, offsetof(struct order, f), sizeof(((struct order *)0)->f)},
#define OF_INT_ENTRY(f)   OF_ENTRY(f, OF_INT)
#define OF_BOOL_ENTRY(f)  OF_ENTRY(f, OF_BOOL)
#define OF_CHARS_ENTRY(f) OF_ENTRY(f, OF_CHARS)
#define OF_STR_ENTRY(f)   OF_ENTRY(f, OF_STR)
static const struct order_field order_fields[] = {
    ORDER_INTS(OF_INT_ENTRY) ORDER_BOOLS(OF_BOOL_ENTRY) ORDER_CHARS(OF_CHARS_ENTRY)
        ORDER_STRINGS(OF_STR_ENTRY) OF_ENTRY(lat, OF_REAL) OF_ENTRY(lon, OF_REAL)
            OF_ENTRY(units, OF_UNITS)};
#undef OF_INT_ENTRY
#undef OF_BOOL_ENTRY
#undef OF_CHARS_ENTRY
#undef OF_STR_ENTRY
#undef OF_ENTRY

const struct order_field *order_field_list(size_t *n)
{
    *n = sizeof order_fields / sizeof order_fields[0];
    return order_fields;
}

const struct order_field *order_field_find(const char *name)
{
    for (size_t i = 0; i < sizeof order_fields / sizeof order_fields[0]; i++)
        if (strcmp(order_fields[i].name, name) == 0)
            return &order_fields[i];
    return NULL;
}

int64_t order_field_int(const struct order *o, const struct order_field *f)
{
    const char *p = (const char *)o + f->off;
    if (f->kind == OF_BOOL)
        return *(const bool *)p;
    if (f->size == sizeof(int64_t))
        return *(const int64_t *)p;
    assert(f->kind == OF_INT && f->size == sizeof(int));
    return *(const int *)p;
}

void order_field_set_int(struct order *o, const struct order_field *f, int64_t v)
{
    char *p = (char *)o + f->off;
    if (f->kind == OF_BOOL)
        *(bool *)p = v != 0;
    else if (f->size == sizeof(int64_t))
        *(int64_t *)p = v;
    else
        *(int *)p = (int)v;
}

double order_field_real(const struct order *o, const struct order_field *f)
{
    double v;
    assert(f->kind == OF_REAL && f->size == sizeof v);
    memcpy(&v, (const char *)o + f->off, sizeof v);
    return v;
}

void order_field_set_real(struct order *o, const struct order_field *f, double v)
{
    assert(f->kind == OF_REAL && f->size == sizeof v);
    memcpy((char *)o + f->off, &v, sizeof v);
}

const char *order_field_text(const struct order *o, const struct order_field *f)
{
    const char *p = (const char *)o + f->off;
    if (f->kind == OF_CHARS)
        return p;
    assert(f->kind == OF_STR);
    const char *s = *(char *const *)p;
    return s ? s : "";
}

bool order_field_differs(const struct order *a, const struct order *b, const struct order_field *f)
{
    switch (f->kind) {
    case OF_INT:
    case OF_BOOL:
        return order_field_int(a, f) != order_field_int(b, f);
    case OF_REAL:
        return order_field_real(a, f) != order_field_real(b, f);
    case OF_CHARS:
    case OF_STR:
        return strcmp(order_field_text(a, f), order_field_text(b, f)) != 0;
    case OF_UNITS:
        return units_differ(a, b);
    }
    return true;
}

int order_field_set_text(struct order *o, const struct order_field *f, const char *s)
{
    char *p = (char *)o + f->off;
    if (f->kind == OF_STR)
        return order_set_str((char **)p, s);
    assert(f->kind == OF_CHARS);
    chars_set(p, f->size, s);
    return 0;
}

/* Written by hand, the same text as json_dumps(units_to_json(o), JSON_COMPACT), which cost a
 * dispatch about 14,000 instructions under the write lock. */
char *order_units_text(const struct order *o)
{
    struct buf b;
    int rc = 0;
    buf_init(&b, 0);
    rc |= buf_puts(&b, "[");
    for (int i = 0; i < o->n_units; i++) {
        const struct assignment *a = &o->units[i];
        const char *sep = i ? ",{\"" : "{\"";
#define TEXT_ASG(f, is_bool)                                                                       \
    rc |= buf_puts(&b, sep);                                                                       \
    rc |= buf_puts(&b, #f "\":");                                                                  \
    rc |= (is_bool) ? buf_puts(&b, a->f ? "true" : "false") : buf_put_int(&b, a->f);               \
    sep = ",\"";
        ASG_FIELDS(TEXT_ASG)
#undef TEXT_ASG
        rc |= buf_puts(&b, "}");
    }
    rc |= buf_puts(&b, "]");
    if (rc) {
        buf_release(&b);
        return NULL;
    }
    return buf_steal(&b);
}

int order_units_parse(struct order *o, const char *text)
{
    json_t *units = json_loads(text ? text : "[]", 0, NULL);
    int rc = units ? units_apply(o, units) : -JS_EINVAL;
    json_decref(units);
    return rc;
}

int order_from_json(struct order *o, const json_t *j)
{
    if (!json_is_object(j))
        return -JS_EINVAL;
    order_release(o);
    order_init(o);
    return order_apply(o, j);
}

/* Compared field by field in C, the fields that differ set in the canonical form's order: the
 * same object as diffing the two canonical forms, without building them (issue 13: the two
 * forms were half of an intake's decision under the write lock). */
json_t *order_diff(const struct order *before, const struct order *after)
{
    json_t *set = json_object();
    if (!set)
        return NULL;
        /* version, status and updated_at are carried by the event itself */
#define SKIP(f)                                                                                    \
    (strcmp(#f, "version") == 0 || strcmp(#f, "status") == 0 || strcmp(#f, "updated_at") == 0)
#define DIFF_INT(f)                                                                                \
    if (!SKIP(f) && before->f != after->f)                                                         \
        json_object_set_new(set, #f, json_integer(after->f));
    ORDER_INTS(DIFF_INT)
#undef DIFF_INT
#undef SKIP
#define DIFF_BOOL(f)                                                                               \
    if (!before->f != !after->f)                                                                   \
        json_object_set_new(set, #f, json_boolean(after->f));
    ORDER_BOOLS(DIFF_BOOL)
#undef DIFF_BOOL
#define DIFF_CHARS(f)                                                                              \
    if (strcmp(before->f, after->f) != 0)                                                          \
        json_object_set_new(set, #f, json_string(after->f));
    ORDER_CHARS(DIFF_CHARS)
#undef DIFF_CHARS
#define DIFF_STR(f)                                                                                \
    if (strcmp(before->f ? before->f : "", after->f ? after->f : "") != 0)                         \
        json_object_set_new(set, #f, json_string(after->f ? after->f : ""));
    ORDER_STRINGS(DIFF_STR)
#undef DIFF_STR
    if (before->lat != after->lat)
        json_object_set_new(set, "lat", json_real(after->lat));
    if (before->lon != after->lon)
        json_object_set_new(set, "lon", json_real(after->lon));
    if (units_differ(before, after))
        json_object_set_new(set, "units", units_to_json(after));
    return set;
}

int order_evolve(struct order *o, const struct event *ev)
{
    const json_t *set = json_object_get(ev->payload, "set");
    if (set && !json_is_object(set))
        return -JS_EINVAL;
    if (ev->version != o->version + 1)
        return -JS_ECONFLICT;
    int rc = set ? order_apply(o, set) : 0;
    if (rc)
        return rc;
    if (ev->action == ACT_INTAKE && o->id == 0)
        o->id = ev->order_id;
    o->version = ev->version;
    o->status = ev->status_after;
    o->updated_at = ev->at;
    return 0;
}
