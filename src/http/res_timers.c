/* The timers issue over the API: the working-day calendar per year (read by everyone, edited by
 * admins and audited), the notifications outbox with the state of every message, the warnings
 * (提示/警示) given to units, and the special-report list (专报). */
#include "compat.h"
#include "http/res_timers.h"
#include "core/calendar.h"
#include "core/notice.h"
#include "core/outbox.h"
#include "http/app.h"
#include "http/res_orders.h"
#include "http/respond.h"
#include "store/timers_store.h"
#include "util/jfield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_YEARS 128

static const char *const no_params[] = {NULL};
static const char *const calendar_fields[] = {"holidays", "workdays", NULL};
static const char *const year_fields[] = {"year", "source", "edited", "holidays", "workdays", NULL};
static const char *const notice_fields[] = {"text", NULL};
static const char *const outbox_params[] = {"state",  "kind",  "order_id", "cursor",
                                            "before", "limit", NULL};
static const char *const warning_params[] = {"from",   "to",    "unit_id", "cursor",
                                             "before", "limit", NULL};
static const char *const report_params[] = {"from", "to", "limit", NULL};

#define ROLES_OUTBOX (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_SUPERVISOR))

/* ---- shared ------------------------------------------------------------------------------ */

/* The {year} path parameter, or 404. */
static int path_year(const struct http_request *req, struct http_response *res, int *year)
{
    const char *s = http_param(req, "year");
    char *end;
    long y = s ? strtol(s, &end, 10) : 0;
    if (!s || *end || y < CALENDAR_MIN_YEAR || y > CALENDAR_MAX_YEAR) {
        http_error(res, -JS_ENOTFOUND, "year", "no such calendar year");
        return -JS_ENOTFOUND;
    }
    *year = (int)y;
    return 0;
}

/* An optional positive integer query parameter; 400 naming it when malformed. */
static int query_id(const struct http_request *req, struct http_response *res, const char *name,
                    int64_t *out)
{
    const char *v = http_query(req, name);
    *out = 0;
    if (!v || !v[0])
        return 0;
    if (app_parse_id(v, out) == 0)
        return 0;
    http_error(res, -JS_EINVAL, name, "must be a positive integer");
    return -JS_EINVAL;
}

/* The list cursor: "cursor" (the next_cursor of the page before), or the older name "before"
 * (kept for one release); both hold the id the next page starts below. */
static int query_cursor(const struct http_request *req, struct http_response *res, int64_t *out)
{
    const char *v = http_query(req, "cursor");
    *out = 0;
    if (!v || !v[0])
        return query_id(req, res, "before", out);
    if (app_parse_id(v, out) == 0)
        return 0;
    http_error(res, -JS_EINVAL, "cursor", "cursor 须为上一页返回的 next_cursor");
    return -JS_EINVAL;
}

/* The next_cursor of a page that ended at id last (NULL when the page was the last one). */
static json_t *next_cursor(bool more, int64_t last)
{
    return more ? json_sprintf("%lld", (long long)last) : json_null();
}

static int query_limit(const struct http_request *req, struct http_response *res, int *out)
{
    int64_t v;
    *out = 50;
    if (query_id(req, res, "limit", &v))
        return -JS_EINVAL;
    if (v > 500) {
        http_error(res, -JS_EINVAL, "limit", "must be from 1 to 500");
        return -JS_EINVAL;
    }
    if (v)
        *out = (int)v;
    return 0;
}

/* ---- the calendar ------------------------------------------------------------------------ */

/* Tells every engine to load the calendar again (this thread's at once). */
static void calendar_changed(struct app *a, struct app_ctx *c)
{
    struct js_error e;
    js_error_clear(&e);
    engine_reload_calendar(&c->engine, &e);
    app_policy_changed(a); /* the other threads load it again before their next request */
}

static json_t *year_or_empty(const struct calendar *cal, int year)
{
    json_t *doc = calendar_year_json(cal, year);
    if (doc)
        return json_object_set_new(doc, "has_data", json_true()) ? (json_decref(doc), NULL) : doc;
    return json_pack("{si ss sb sb s[] s[]}", "year", year, "source", "", "edited", 0, "has_data",
                     0, "holidays", "workdays");
}

static void get_calendar(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    int years[MAX_YEARS];
    int n = calendar_years(c->engine.cal, years, MAX_YEARS);
    json_t *hol = json_array(), *work = json_array(), *list = json_array();
    for (int i = 0; i < n; i++) {
        json_t *doc = calendar_year_json(c->engine.cal, years[i]);
        size_t k;
        json_t *item;
        json_array_foreach(json_object_get(doc, "holidays"), k, item)
            json_array_append(hol, json_object_get(item, "date"));
        json_array_foreach(json_object_get(doc, "workdays"), k, item)
            json_array_append(work, json_object_get(item, "date"));
        json_array_append_new(list, doc);
    }
    http_json(res, 200, json_pack("{so so so}", "holidays", hol, "workdays", work, "years", list));
}

static void get_calendar_year(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int year;
    if (app_query_known(req, no_params, res) || path_year(req, res, &year))
        return;
    http_json(res, 200, year_or_empty(c->engine.cal, year));
}

static void audit_calendar(struct app_ctx *c, const char *what, int year)
{
    char detail[64];
    snprintf(detail, sizeof detail, "calendar year=%d", year);
    app_audit(c, c->user.id, 0, what, detail);
}

static void put_calendar_year(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int year;
    json_t *body = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || path_year(req, res, &year) ||
        app_body(req, year_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    if (timers_calendar_put(c->store, year, body, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    calendar_changed(a, c);
    audit_calendar(c, "calendar_update", year);
    http_json(res, 200, year_or_empty(c->engine.cal, year));
out:
    json_decref(body);
}

/* Reads the State Council's notice (body {"text"}) into the year's document without storing it:
 * the calendar screen shows it, and saves it with PUT /api/v1/calendar/{year}. */
static void read_notice(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int year;
    json_t *body = NULL, *doc = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || app_query_known(req, no_params, res) ||
        path_year(req, res, &year) || app_body(req, notice_fields, false, &body, res))
        return;
    const json_t *text = json_object_get(body, "text");
    struct js_error e;
    js_error_clear(&e);
    if (!json_is_string(text))
        http_error(res, -JS_EINVAL, "text", "text 须为通知全文（字符串）");
    else if (notice_parse(json_string_value(text), year, &doc, &e))
        http_error_from(res, &e);
    else
        http_json(res, 200, doc);
    json_decref(body);
}

static void delete_calendar_year(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int year;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || path_year(req, res, &year) ||
        app_query_known(req, no_params, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    if (timers_calendar_put(c->store, year, NULL, &e)) {
        http_error_from(res, &e);
        return;
    }
    calendar_changed(a, c);
    audit_calendar(c, "calendar_reset", year);
    http_json(res, 200, year_or_empty(c->engine.cal, year));
}

/* The date of a list item ("YYYY-MM-DD" or {"date": ...}), or NULL. */
static const char *item_date(const json_t *item)
{
    return json_is_string(item) ? json_string_value(item)
                                : json_string_value(json_object_get(item, "date"));
}

static int item_year(const json_t *item)
{
    const char *d = item_date(item);
    int y = 0;
    if (!d || strlen(d) != 10 || sscanf(d, "%4d", &y) != 1)
        return 0;
    return y;
}

/* The name the calendar has for date in year's doc, "" if none. */
static const char *known_name(const json_t *doc, const char *date)
{
    static const char *const lists[] = {"holidays", "workdays"};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc, lists[l]), i, item)
        {
            const char *d = json_string_value(json_object_get(item, "date"));
            const char *name = json_string_value(json_object_get(item, "name"));
            if (d && date && strcmp(d, date) == 0)
                return name ? name : "";
        }
    }
    return "";
}

/* True if list (of dates or {date}) holds date. */
static bool lists_date(const json_t *list, const char *date)
{
    size_t i;
    json_t *item;
    json_array_foreach((json_t *)list, i, item)
    {
        const char *d = item_date(item);
        if (d && date && strcmp(d, date) == 0)
            return true;
    }
    return false;
}

/* Builds year's document from the flat lists of the body, keeping the names and the source the
 * calendar already has. A date in both lists is a working day (as the calendar screen shows it:
 * a weekend holiday turned into a working day). */
static json_t *year_from_lists(const struct calendar *cal, int year, const json_t *hol,
                               const json_t *work)
{
    json_t *old = calendar_year_json(cal, year);
    json_t *doc = json_pack("{si ss s[] s[]}", "year", year, "source",
                            old ? json_string_value(json_object_get(old, "source")) : "",
                            "holidays", "workdays");
    const json_t *in[2] = {hol, work};
    static const char *const keys[] = {"holidays", "workdays"};
    for (int l = 0; doc && l < 2; l++) {
        size_t i;
        json_t *item;
        json_array_foreach((json_t *)in[l], i, item)
        {
            if (item_year(item) != year || (l == 0 && lists_date(work, item_date(item))))
                continue;
            json_t *copy;
            if (json_is_string(item))
                copy = json_pack("{sO ss}", "date", item, "name",
                                 old ? known_name(old, item_date(item)) : "");
            else
                copy = json_deep_copy(item);
            if (!copy || json_array_append_new(json_object_get(doc, keys[l]), copy)) {
                json_decref(doc);
                doc = NULL;
                break;
            }
        }
    }
    json_decref(old);
    return doc;
}

static void put_calendar(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *body = NULL, *hol, *work;
    int years[MAX_YEARS * 2], n;
    struct js_error e;
    js_error_clear(&e);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) ||
        app_body(req, calendar_fields, false, &body, res))
        return;
    if (jf_array(body, "holidays", true, 366 * MAX_YEARS, &hol, &e) ||
        jf_array(body, "workdays", true, 366 * MAX_YEARS, &work, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    /* every year the calendar has, and every year the body names */
    n = calendar_years(c->engine.cal, years, MAX_YEARS);
    const json_t *lists[2] = {hol, work};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *item;
        json_array_foreach((json_t *)lists[l], i, item)
        {
            int y = item_year(item);
            if (y < CALENDAR_MIN_YEAR || y > CALENDAR_MAX_YEAR) {
                char field[40];
                snprintf(field, sizeof field, "%s[%zu]", l ? "workdays" : "holidays", i);
                http_error(res, -JS_EINVAL, field, "not a date YYYY-MM-DD of a supported year");
                goto out;
            }
            bool seen = false;
            for (int k = 0; k < n && !seen; k++)
                seen = years[k] == y;
            if (!seen && n < (int)JS_ARRAY_LEN(years))
                years[n++] = y;
        }
    }
    /* check every year first, so that nothing is stored when one is refused */
    json_t *docs[JS_ARRAY_LEN(years)];
    int built = 0, rc = 0;
    for (; built < n; built++) {
        docs[built] = year_from_lists(c->engine.cal, years[built], hol, work);
        if (!docs[built]) {
            http_error(res, -JS_ENOMEM, "", NULL);
            goto release;
        }
        if (calendar_check_year(years[built], docs[built], &e)) {
            built++;
            http_error_from(res, &e);
            goto release;
        }
    }
    for (int i = 0; i < n && !rc; i++)
        rc = timers_calendar_put(c->store, years[i], docs[i], &e);
    if (rc) {
        http_error_from(res, &e);
        goto release;
    }
    calendar_changed(a, c);
    audit_calendar(c, "calendar_update", n ? years[0] : 0);
    get_calendar(a, req, res);
release:
    for (int i = 0; i < built; i++)
        json_decref(docs[i]);
out:
    json_decref(body);
}

/* ---- the outbox -------------------------------------------------------------------------- */

/* "张三" → "张**": the first character only (as the orders show a masked citizen). */
static void mask_name(const char *s, char *out, size_t n)
{
    size_t k = 0;
    if (s && s[0]) {
        k = 1;
        while (s[k] && ((unsigned char)s[k] & 0xC0) == 0x80 && k < 4)
            k++;
    }
    snprintf(out, n, "%.*s%s", (int)k, s ? s : "", k ? "**" : "");
}

static bool to_citizen(const struct outbox_msg *m)
{
    return strcmp(m->to_role, "citizen") == 0;
}

/* masked: the citizen's name is shown masked too (roles that see citizens masked). */
static json_t *msg_json(const struct outbox_msg *m, bool masked)
{
    char phone[40], name[sizeof m->to_name];
    /* the citizen's number is confidential (SPEC §8): shown masked; units' numbers are not */
    if (strcmp(m->to_role, "citizen") == 0)
        outbox_mask_phone(m->to_phone, phone, sizeof phone);
    else
        snprintf(phone, sizeof phone, "%s", m->to_phone);
    if (masked && to_citizen(m))
        mask_name(m->to_name, name, sizeof name);
    else
        snprintf(name, sizeof name, "%s", m->to_name);
    bool kind_ok = m->kind >= 0 && m->kind < OBK__COUNT;
    bool state_ok = m->state >= 0 && m->state < OBS__COUNT;
    return json_pack("{sI ss ss ss ss s{sI ss} so s{ss ss ss ss} ss si so so so ss}", "id",
                     (json_int_t)m->id, "kind", kind_ok ? js_outbox_kind_names[m->kind] : "",
                     "kind_label", kind_ok ? js_outbox_kind_labels[m->kind] : "", "state",
                     state_ok ? js_outbox_state_names[m->state] : "", "state_label",
                     state_ok ? js_outbox_state_labels[m->state] : "", "order", "id",
                     (json_int_t)m->order_id, "number", m->order_number, "unit_id",
                     m->unit_id ? json_integer(m->unit_id) : json_null(), "to", "role", m->to_role,
                     "name", name, "phone", phone, "email", m->to_email, "text", m->text,
                     "attempts", m->attempts, "created_at", app_time_json(m->created_at), "next_at",
                     app_time_json(m->state == OBS_PENDING ? m->next_at : 0), "sent_at",
                     app_time_json(m->sent_at), "last_error", m->last_error);
}

static void list_outbox(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct outbox_query q = {.state = -1, .kind = -1};
    if (app_require_roles(c, ROLES_OUTBOX, res) || app_query_known(req, outbox_params, res) ||
        query_id(req, res, "order_id", &q.order_id) || query_cursor(req, res, &q.before_id) ||
        query_limit(req, res, &q.limit))
        return;
    const char *state = http_query(req, "state"), *kind = http_query(req, "kind");
    if (state && state[0] && (q.state = js_name_index(js_outbox_state_names, state)) < 0) {
        http_error(res, -JS_EINVAL, "state", "must be pending, sent or failed");
        return;
    }
    if (kind && kind[0] && (q.kind = js_name_index(js_outbox_kind_names, kind)) < 0) {
        http_error(res, -JS_EINVAL, "kind", "not a kind of message");
        return;
    }
    struct outbox_list l;
    int64_t counts[OBS__COUNT];
    outbox_list_init(&l);
    int rc = timers_outbox_list(c->store, &q, &l);
    if (!rc)
        rc = timers_outbox_counts(c->store, counts);
    if (rc) {
        outbox_list_release(&l);
        app_store_error(res, rc, "", "outbox");
        return;
    }
    /* a citizen's real name read unmasked is audited like an order's (read_citizen), one entry
     * per order, before anything is sent */
    bool masked = masked_role(c->who.role);
    rc = masked ? 0 : c->store->ops->begin(c->store);
    for (int i = 0; !masked && !rc && i < l.n; i++) {
        bool first = to_citizen(&l.v[i]) && l.v[i].to_name[0];
        for (int k = 0; first && k < i; k++)
            if (l.v[k].order_id == l.v[i].order_id && to_citizen(&l.v[k]) && l.v[k].to_name[0])
                first = false;
        if (!first)
            continue;
        char detail[96];
        snprintf(detail, sizeof detail, "order=%s fields=citizen_name via=outbox",
                 l.v[i].order_number);
        rc = app_audit_append(c, c->user.id, l.v[i].order_id, "read_citizen", detail);
    }
    if (!masked)
        rc = rc ? (c->store->ops->rollback(c->store), rc) : c->store->ops->commit(c->store);
    if (rc) {
        outbox_list_release(&l);
        app_store_error(res, rc, "", "audit entry");
        return;
    }
    json_t *items = json_array(), *cj = json_object();
    for (int i = 0; i < l.n; i++)
        json_array_append_new(items, msg_json(&l.v[i], masked));
    for (int s = 0; s < OBS__COUNT; s++)
        json_object_set_new(cj, js_outbox_state_names[s], json_integer(counts[s]));
    json_t *next = l.n == q.limit ? json_integer(l.v[l.n - 1].id) : json_null();
    json_t *cursor = next_cursor(l.n == q.limit, l.n ? l.v[l.n - 1].id : 0);
    outbox_list_release(&l);
    http_json(res, 200,
              json_pack("{so so so so}", "items", items, "counts", cj, "next_cursor", cursor,
                        "next_before", next));
}

static void retry_outbox(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    int64_t id;
    json_t *body = NULL;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    if (app_parse_id(http_param(req, "id"), &id)) {
        http_error(res, -JS_ENOTFOUND, "id", "没有这条通知");
        return;
    }
    if (app_body(req, no_params, true, &body, res))
        return;
    json_decref(body);
    int rc = timers_outbox_retry(c->store, id, app_now(a));
    if (rc == -JS_ESTATE) {
        http_error(res, rc, "state", "只有发送失败的通知才能重发");
        return;
    }
    if (rc) {
        app_store_error(res, rc, "id", "message");
        return;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "outbox message=%lld", (long long)id);
    app_audit(c, c->user.id, 0, "outbox_retry", detail);
    struct outbox_msg m;
    rc = timers_outbox_get(c->store, id, &m);
    if (rc) {
        app_store_error(res, rc, "id", "message");
        return;
    }
    /* the answer shows a citizen's real name to an unmasked role: audited like the list */
    bool masked = masked_role(c->who.role);
    if (!masked && to_citizen(&m)) {
        snprintf(detail, sizeof detail, "via=outbox_retry message=%lld", (long long)id);
        if (app_audit(c, c->user.id, m.order_id, "read_citizen", detail)) {
            http_error(res, -JS_EDB, NULL, "无法写入审计记录");
            return;
        }
    }
    http_json(res, 200, msg_json(&m, masked));
}

/* ---- warnings and special reports -------------------------------------------------------- */

/* A short form of the order an event belongs to. */
static json_t *order_brief(struct store *s, int64_t id)
{
    struct order o;
    order_init(&o);
    json_t *j;
    if (s->ops->order_get(s, id, &o) == 0) {
        bool st_ok = o.status >= 0 && o.status < ST__COUNT;
        j = json_pack("{sI ss ss ss ss si si}", "id", (json_int_t)o.id, "number", o.number, "title",
                      o.title ? o.title : "", "status", st_ok ? js_status_names[o.status] : "",
                      "status_label", st_ok ? js_status_labels[o.status] : "", "reopens", o.reopens,
                      "reworks", o.reworks);
    } else {
        j = json_pack("{sI}", "id", (json_int_t)id);
    }
    order_release(&o);
    return j;
}

static json_t *units_brief(struct store *s, const json_t *ids)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        struct unit u;
        int64_t id = json_integer_value(v);
        if (s->ops->unit_get(s, id, &u) == 0)
            json_array_append_new(out, json_pack("{sI ss}", "id", (json_int_t)id, "name", u.name));
        else
            json_array_append_new(out, json_pack("{sI}", "id", (json_int_t)id));
    }
    return out;
}

static void list_warnings(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct timers_event_query q = {.action = ACT_WARN};
    if (app_require_roles(c, ROLES_PLATFORM | ROLES_UNIT, res) ||
        app_query_known(req, warning_params, res) || app_query_time(req, res, "from", &q.from) ||
        app_query_time(req, res, "to", &q.to) || query_id(req, res, "unit_id", &q.unit_id) ||
        query_cursor(req, res, &q.before_id) || query_limit(req, res, &q.limit))
        return;
    if (app_is_unit_role(c->who.role))
        q.unit_id = c->who.unit_id; /* a unit sees the warnings it received */
    struct event_list l;
    event_list_init(&l);
    int rc = timers_events(c->store, &q, &l);
    if (rc) {
        event_list_release(&l);
        app_store_error(res, rc, "", "warnings");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < l.n; i++) {
        const struct event *ev = &l.v[i];
        const json_t *args = json_object_get(ev->payload, "args");
        const char *level = json_string_value(json_object_get(args, "level"));
        json_array_append_new(
            items,
            json_pack("{sI so so sO sO sO sO so ss}", "event_id", (json_int_t)ev->id, "at",
                      app_time_json(ev->at), "order", order_brief(c->store, ev->order_id), "kind",
                      json_object_get(args, "kind"), "level", json_object_get(args, "level"),
                      "count",
                      json_object_get(args, "count") ? json_object_get(args, "count") : json_null(),
                      "reason", json_object_get(args, "reason"), "units",
                      units_brief(c->store, json_object_get(args, "units")), "level_label",
                      level && strcmp(level, "hint") == 0 ? "提示" : "警示"));
    }
    json_t *next = l.n == q.limit ? json_integer(l.v[l.n - 1].id) : json_null();
    json_t *cursor = next_cursor(l.n == q.limit, l.n ? l.v[l.n - 1].id : 0);
    event_list_release(&l);
    http_json(res, 200,
              json_pack("{so so so}", "items", items, "next_cursor", cursor, "next_before", next));
}

static void list_special_reports(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct timers_event_query q = {.action = ACT_SPECIAL_REPORT};
    if (app_require_roles(c, ROLES_PLATFORM, res) || app_query_known(req, report_params, res) ||
        app_query_time(req, res, "from", &q.from) || app_query_time(req, res, "to", &q.to) ||
        query_limit(req, res, &q.limit))
        return;
    struct event_list l;
    event_list_init(&l);
    int rc = timers_events(c->store, &q, &l);
    if (rc) {
        event_list_release(&l);
        app_store_error(res, rc, "", "special reports");
        return;
    }
    /* one row per order: its latest report (the events come newest first) */
    json_t *items = json_array();
    for (int i = 0; i < l.n; i++) {
        const struct event *ev = &l.v[i];
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = l.v[k].order_id == ev->order_id;
        if (seen)
            continue;
        const json_t *args = json_object_get(ev->payload, "args");
        json_array_append_new(items, json_pack("{so so sO sO}", "order",
                                               order_brief(c->store, ev->order_id), "reported_at",
                                               app_time_json(ev->at), "count",
                                               json_object_get(args, "count"), "reason",
                                               json_object_get(args, "reason")));
    }
    event_list_release(&l);
    http_json(res, 200, json_pack("{so}", "items", items));
}

int res_timers_routes(struct router *r)
{
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/calendar", get_calendar)) ||
        (rc = router_add(r, "PUT", "/api/v1/calendar", put_calendar)) ||
        (rc = router_add(r, "GET", "/api/v1/calendar/{year}", get_calendar_year)) ||
        (rc = router_add(r, "PUT", "/api/v1/calendar/{year}", put_calendar_year)) ||
        (rc = router_add(r, "DELETE", "/api/v1/calendar/{year}", delete_calendar_year)) ||
        (rc = router_add(r, "POST", "/api/v1/calendar/{year}/notice", read_notice)) ||
        (rc = router_add(r, "GET", "/api/v1/outbox", list_outbox)) ||
        (rc = router_add(r, "POST", "/api/v1/outbox/{id}/retry", retry_outbox)) ||
        (rc = router_add(r, "GET", "/api/v1/warnings", list_warnings)) ||
        (rc = router_add(r, "GET", "/api/v1/special-reports", list_special_reports)))
        return rc;
    return 0;
}

/* What the OpenAPI document says about these routes. */
static const struct route_doc timers_docs[] = {
    {"GET", "/api/v1/calendar", "calendar",
     "The working-day calendar: every special date (holidays, swapped working days) and each year "
     "with data",
     "any user", NULL, NULL, 200},
    {"PUT", "/api/v1/calendar", "calendar",
     "Replace the special dates of every year named or already known (flat lists of dates)",
     "admin", NULL, "holidays:array!,workdays:array!", 200},
    {"GET", "/api/v1/calendar/{year}", "calendar", "One year's holidays and swapped working days",
     "any user", NULL, NULL, 200},
    {"PUT", "/api/v1/calendar/{year}", "calendar",
     "Replace one year (kept over the shipped calendar file)", "admin", NULL,
     "year:integer,source:string,holidays:array!,workdays:array!", 200},
    {"POST", "/api/v1/calendar/{year}/notice", "calendar",
     "Read the State Council's holiday notice of the year (its text) into the year's holidays "
     "and swapped working days, named by festival, without storing them (PUT the year to save); "
     "dates of other years come back in other_years",
     "admin", NULL, "text:string!", 200},
    {"DELETE", "/api/v1/calendar/{year}", "calendar",
     "Drop the edits of a year: the shipped calendar file counts again", "admin", NULL, NULL, 200},
    {"GET", "/api/v1/outbox", "notifications",
     "Notification messages with their delivery state (pending / sent / failed), newest first",
     "admin, supervisor",
     "state:string,kind:string,order_id:integer,cursor:string,before:integer,"
     "limit:integer",
     NULL, 200},
    {"POST", "/api/v1/outbox/{id}/retry", "notifications", "Send a failed message again", "admin",
     NULL, NULL, 200},
    {"GET", "/api/v1/warnings", "chasing",
     "Hints and warnings (提示/警示) given to units, newest first; a unit sees its own",
     "platform roles, unit users",
     "from:string,to:string,unit_id:integer,cursor:string,before:integer,"
     "limit:integer",
     NULL, 200},
    {"GET", "/api/v1/special-reports", "chasing",
     "Orders on the special-report list (专报: reopened three times or more), latest report first",
     "platform roles", "from:string,to:string,limit:integer", NULL, 200},
};

int res_timers_register(struct app *a)
{
    int rc = res_timers_routes(a->router);
    if (!rc)
        rc = app_route_docs(a, timers_docs, (int)JS_ARRAY_LEN(timers_docs));
    return rc;
}
