/* Coordination records: the closed lists of meetings and accountability, and the checking and
 * JSON form of the records (see coord.h). */
#include "compat.h"
#include "core/coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jfield.h"
#include "util/jtime.h"

#define NAME(N, n, l)  n,
#define LABEL(N, n, l) l,
const char *const meeting_kind_names[] = {MEETING_KIND_LIST(NAME) NULL};
const char *const meeting_kind_labels[] = {MEETING_KIND_LIST(LABEL) NULL};
const char *const acct_reason_names[] = {ACCT_REASON_LIST(NAME) NULL};
const char *const acct_reason_labels[] = {ACCT_REASON_LIST(LABEL) NULL};
const char *const acct_measure_names[] = {ACCT_MEASURE_LIST(NAME) NULL};
const char *const acct_measure_labels[] = {ACCT_MEASURE_LIST(LABEL) NULL};
#undef NAME
#undef LABEL

void meeting_init(struct meeting *m)
{
    memset(m, 0, sizeof *m);
}

void meeting_release(struct meeting *m)
{
    if (!m)
        return;
    free(m->title);
    free(m->convener);
    free(m->decisions);
    free(m->participants);
    free(m->follow_ups);
    m->title = m->convener = m->decisions = m->participants = m->follow_ups = NULL;
}

void meeting_free_all(struct meeting *v, int n)
{
    for (int i = 0; v && i < n; i++)
        meeting_release(&v[i]);
    free(v);
}

static int dup_to(char **out, const char *s, struct js_error *e)
{
    *out = strdup(s ? s : "");
    return *out ? 0 : js_fail(e, JS_ENOMEM, "", "out of memory");
}

/* Writes "key[i].sub" into field. */
static const char *item_field(char *field, size_t n, const char *key, size_t i, const char *sub)
{
    snprintf(field, n, "%s[%zu]%s%s", key, i, sub[0] ? "." : "", sub);
    return field;
}

/* Rewrites e->field "x" of an error inside item i of key as "key[i].x" (cut to fit). */
static void nest_field(struct js_error *e, const char *key, size_t i)
{
    char joined[160];
    snprintf(joined, sizeof joined, "%s[%zu]%s%s", key, i, e->field[0] ? "." : "", e->field);
    size_t n = strlen(joined);
    if (n >= sizeof e->field)
        n = sizeof e->field - 1;
    memcpy(e->field, joined, n);
    e->field[n] = '\0';
}

/* participants: 1..32 of {name (required), unit_id?}; normalised into *text. */
static int read_participants(const json_t *in, char **text, struct js_error *e)
{
    static const char *const keys[] = {"name", "unit_id", NULL};
    json_t *arr, *item, *norm = NULL;
    size_t i;
    char field[64];
    int rc = jf_array(in, "participants", true, MEETING_MAX_PARTICIPANTS, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0)
        return js_fail(e, JS_EMISSING, "participants", "参会单位和人员（participants）至少一项");
    if (!(norm = json_array()))
        return js_fail(e, JS_ENOMEM, "", "out of memory");
    json_array_foreach(arr, i, item)
    {
        const char *name;
        int64_t unit = 0;
        if (!json_is_object(item)) {
            rc = js_fail(e, JS_ETYPE, item_field(field, sizeof field, "participants", i, ""),
                         "参会单位和人员的每一项应为对象 {name, unit_id}");
            break;
        }
        if ((rc = jf_known(item, keys, e)) || (rc = jf_str(item, "name", true, 100, &name, e)) ||
            (rc = jf_int(item, "unit_id", false, 1, INT64_MAX, &unit, e))) {
            nest_field(e, "participants", i);
            break;
        }
        json_t *one = json_pack("{ss}", "name", name);
        if (!one || (unit && json_object_set_new(one, "unit_id", json_integer(unit))) ||
            json_array_append_new(norm, one)) {
            rc = js_fail(e, JS_ENOMEM, "", "out of memory");
            break;
        }
    }
    if (!rc && !(*text = json_dumps(norm, JSON_COMPACT)))
        rc = js_fail(e, JS_ENOMEM, "", "out of memory");
    json_decref(norm);
    return rc;
}

/* follow_ups: 0..20 of {item (required), unit_id?, owner?, due?}; normalised into *text. */
static int read_follow_ups(const json_t *in, char **text, struct js_error *e)
{
    static const char *const keys[] = {"item", "unit_id", "owner", "due", NULL};
    json_t *arr, *item, *norm = NULL;
    size_t i;
    char field[64];
    int rc = jf_array(in, "follow_ups", false, MEETING_MAX_FOLLOW_UPS, &arr, e);
    if (rc)
        return rc;
    if (!(norm = json_array()))
        return js_fail(e, JS_ENOMEM, "", "out of memory");
    for (i = 0; arr && i < json_array_size(arr) && !rc; i++) {
        const char *what, *owner;
        int64_t unit = 0, due = 0;
        item = json_array_get(arr, i);
        if (!json_is_object(item)) {
            rc = js_fail(e, JS_ETYPE, item_field(field, sizeof field, "follow_ups", i, ""),
                         "后续事项的每一项应为对象 {item, unit_id, owner, due}");
            break;
        }
        if ((rc = jf_known(item, keys, e)) || (rc = jf_str(item, "item", true, 500, &what, e)) ||
            (rc = jf_int(item, "unit_id", false, 1, INT64_MAX, &unit, e)) ||
            (rc = jf_str(item, "owner", false, 100, &owner, e)) ||
            (rc = jf_time(item, "due", false, &due, e))) {
            nest_field(e, "follow_ups", i);
            break;
        }
        if (!unit && !(owner && *owner)) {
            rc = js_fail(e, JS_EMISSING, item_field(field, sizeof field, "follow_ups", i, "owner"),
                         "每项后续事项须有责任单位（unit_id）或责任人（owner）");
            break;
        }
        char iso[40];
        json_t *one = json_pack("{ss}", "item", what);
        if (one && due) {
            jtime_format(due, iso, sizeof iso);
            if (json_object_set_new(one, "due", json_string(iso)))
                one = NULL;
        }
        if (!one || (unit && json_object_set_new(one, "unit_id", json_integer(unit))) ||
            (owner && *owner && json_object_set_new(one, "owner", json_string(owner))) ||
            json_array_append_new(norm, one)) {
            rc = js_fail(e, JS_ENOMEM, "", "out of memory");
            break;
        }
    }
    if (!rc && !(*text = json_dumps(norm, JSON_COMPACT)))
        rc = js_fail(e, JS_ENOMEM, "", "out of memory");
    json_decref(norm);
    return rc;
}

int meeting_from_input(const json_t *in, struct meeting *m, struct js_error *e)
{
    static const char *const keys[] = {"kind",     "title",        "held_at",
                                       "convener", "decisions",    "follow_ups",
                                       "orders",   "participants", NULL};
    const char *title, *convener, *decisions;
    json_t *orders, *item;
    size_t i;
    int rc;
    if (!json_is_object(in))
        return js_fail(e, JS_ETYPE, "", "请求体应为 JSON 对象");
    if ((rc = jf_known(in, keys, e)) ||
        (rc = jf_enum(in, "kind", true, meeting_kind_names, &m->kind, e)) ||
        (rc = jf_str(in, "title", true, JS_MAX_TITLE, &title, e)) ||
        (rc = jf_time(in, "held_at", true, &m->held_at, e)) ||
        (rc = jf_str(in, "convener", true, JS_MAX_SHORT, &convener, e)) ||
        (rc = jf_str(in, "decisions", true, JS_MAX_NOTE, &decisions, e)))
        return rc;
    if (!*title || !*convener || !*decisions)
        return js_fail(e, JS_EMISSING,
                       !*title      ? "title"
                       : !*convener ? "convener"
                                    : "decisions",
                       "会议名称、召集人和议定事项不能为空");
    if ((rc = dup_to(&m->title, title, e)) || (rc = dup_to(&m->convener, convener, e)) ||
        (rc = dup_to(&m->decisions, decisions, e)) ||
        (rc = read_participants(in, &m->participants, e)) ||
        (rc = read_follow_ups(in, &m->follow_ups, e)) ||
        (rc = jf_array(in, "orders", true, MEETING_MAX_ORDERS, &orders, e)))
        return rc;
    if (json_array_size(orders) == 0)
        return js_fail(e, JS_EMISSING, "orders", "会议记录须关联至少一件工单（orders）");
    json_array_foreach(orders, i, item)
    {
        int64_t id = json_is_integer(item) ? json_integer_value(item) : 0;
        if (id < 1)
            return js_fail(e, JS_ETYPE, "orders", "orders 应为工单编号（正整数）的数组");
        for (int k = 0; k < m->n_orders; k++)
            if (m->orders[k] == id)
                return js_fail(e, JS_EINVAL, "orders", "工单 %lld 重复列出", (long long)id);
        m->orders[m->n_orders++] = id;
    }
    return 0;
}

/* Adds the unit_id of each item of the JSON array text to ids (distinct, at most max). */
static int units_of(const char *text, int64_t *ids, int n, int max)
{
    json_t *arr = json_loads(text ? text : "[]", 0, NULL), *item;
    size_t i;
    json_array_foreach(arr, i, item)
    {
        int64_t id = json_integer_value(json_object_get(item, "unit_id"));
        bool seen = id <= 0;
        for (int k = 0; k < n && !seen; k++)
            seen = ids[k] == id;
        if (!seen && n < max)
            ids[n++] = id;
    }
    json_decref(arr);
    return n;
}

int meeting_units(const struct meeting *m, int64_t *ids, int max)
{
    int n = units_of(m->participants, ids, 0, max);
    return units_of(m->follow_ups, ids, n, max);
}

static json_t *time_pair(json_t *j, const char *key, int64_t t)
{
    char iso[40], cn[40], label[48];
    jtime_format(t, iso, sizeof iso);
    jtime_format_cn(t, cn, sizeof cn);
    snprintf(label, sizeof label, "%s_label", key);
    json_object_set_new(j, key, json_string(iso));
    json_object_set_new(j, label, json_string(cn));
    return j;
}

json_t *meeting_to_json(const struct meeting *m)
{
    bool kind_ok = m->kind >= 0 && m->kind < MEETING__COUNT;
    json_t *orders = json_array(), *item;
    json_t *parts = json_loads(m->participants ? m->participants : "[]", 0, NULL);
    json_t *follow = json_loads(m->follow_ups ? m->follow_ups : "[]", 0, NULL);
    size_t i;
    for (int k = 0; orders && k < m->n_orders; k++)
        json_array_append_new(orders, json_integer(m->orders[k]));
    json_array_foreach(follow, i, item)
    {
        int64_t due;
        const char *iso = json_string_value(json_object_get(item, "due"));
        if (iso && jtime_parse(iso, &due) == 0) {
            char cn[40];
            jtime_format_cn(due, cn, sizeof cn);
            json_object_set_new(item, "due_label", json_string(cn));
        }
    }
    json_t *j = json_pack(
        "{sI ss ss ss ss ss so so so sI ss}", "id", (json_int_t)m->id, "kind",
        kind_ok ? meeting_kind_names[m->kind] : "", "kind_label",
        kind_ok ? meeting_kind_labels[m->kind] : "", "title", m->title ? m->title : "", "convener",
        m->convener ? m->convener : "", "decisions", m->decisions ? m->decisions : "",
        "participants", json_is_array(parts) ? parts : json_array(), "follow_ups",
        json_is_array(follow) ? follow : json_array(), "orders", orders ? orders : json_array(),
        "created_by", (json_int_t)m->created_by, "created_by_name", m->created_by_name);
    if (!json_is_array(parts))
        json_decref(parts);
    if (!json_is_array(follow))
        json_decref(follow);
    if (!j)
        return NULL;
    time_pair(j, "held_at", m->held_at);
    return time_pair(j, "created_at", m->created_at);
}

int acct_from_input(const json_t *in, struct acct_rec *a, struct js_error *e)
{
    static const char *const keys[] = {"order_id", "unit_id", "person", "reason",
                                       "article",  "measure", "note",   NULL};
    const char *person, *article, *note;
    int rc;
    memset(a, 0, sizeof *a);
    if (!json_is_object(in))
        return js_fail(e, JS_ETYPE, "", "请求体应为 JSON 对象");
    if ((rc = jf_known(in, keys, e)) ||
        (rc = jf_int(in, "order_id", false, 1, INT64_MAX, &a->order_id, e)) ||
        (rc = jf_int(in, "unit_id", true, 1, INT64_MAX, &a->unit_id, e)) ||
        (rc = jf_str(in, "person", true, JS_MAX_SHORT, &person, e)) ||
        (rc = jf_enum(in, "reason", true, acct_reason_names, &a->reason, e)) ||
        (rc = jf_str(in, "article", true, JS_MAX_SHORT, &article, e)) ||
        (rc = jf_enum(in, "measure", true, acct_measure_names, &a->measure, e)) ||
        (rc = jf_str(in, "note", false, JS_MAX_NOTE, &note, e)))
        return rc;
    if (!*person)
        return js_fail(e, JS_EMISSING, "person", "被问责人（person）不能为空");
    if (!*article)
        return js_fail(e, JS_EMISSING, "article",
                       "问责须写明所依据的条款（article），如“天宁办法第二十一条第（一）项”");
    if (a->reason == ACCT_REASON_OTHER && !(note && *note))
        return js_fail(e, JS_EMISSING, "note", "问责情形为“其他”时须在 note 中说明具体情形");
    snprintf(a->person, sizeof a->person, "%s", person);
    snprintf(a->article, sizeof a->article, "%s", article);
    snprintf(a->note, sizeof a->note, "%s", note ? note : "");
    return 0;
}

json_t *acct_to_json(const struct acct_rec *a)
{
    bool r_ok = a->reason >= 0 && a->reason < ACCT_REASON__COUNT;
    bool m_ok = a->measure >= 0 && a->measure < ACCT_MEASURE__COUNT;
    json_t *j = json_pack(
        "{sI so sI ss ss ss ss ss ss ss sI ss}", "id", (json_int_t)a->id, "order_id",
        a->order_id ? json_integer(a->order_id) : json_null(), "unit_id", (json_int_t)a->unit_id,
        "person", a->person, "reason", r_ok ? acct_reason_names[a->reason] : "", "reason_label",
        r_ok ? acct_reason_labels[a->reason] : "", "article", a->article, "measure",
        m_ok ? acct_measure_names[a->measure] : "", "measure_label",
        m_ok ? acct_measure_labels[a->measure] : "", "note", a->note, "recorded_by",
        (json_int_t)a->recorded_by, "recorded_by_name", a->recorded_by_name);
    return j ? time_pair(j, "at", a->at) : NULL;
}
