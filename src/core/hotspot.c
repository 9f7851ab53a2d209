/* Hotspot early warning: topics (defaults, JSON form, validation with Chinese reasons) and the
 * three detection rules over a topic's orders. */
#include "compat.h"
#include "core/hotspot.h"
#include "core/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jfield.h"
#include "util/jtime.h"

#define JS_X_NAME(N, n, l)  n,
#define JS_X_LABEL(N, n, l) l,
const char *const hotspot_kind_names[] = {HOTSPOT_KIND_LIST(JS_X_NAME) NULL};
const char *const hotspot_kind_labels[] = {HOTSPOT_KIND_LIST(JS_X_LABEL) NULL};
const char *const hotspot_rule_names[] = {HOTSPOT_RULE_LIST(JS_X_NAME) NULL};
const char *const hotspot_rule_labels[] = {HOTSPOT_RULE_LIST(JS_X_LABEL) NULL};
const char *const hotspot_state_names[] = {HOTSPOT_STATE_LIST(JS_X_NAME) NULL};
const char *const hotspot_state_labels[] = {HOTSPOT_STATE_LIST(JS_X_LABEL) NULL};
const char *const hotspot_note_names[] = {HOTSPOT_NOTE_LIST(JS_X_NAME) NULL};
const char *const hotspot_note_labels[] = {HOTSPOT_NOTE_LIST(JS_X_LABEL) NULL};
#undef JS_X_NAME
#undef JS_X_LABEL

void hotspot_topic_init(struct hotspot_topic *t)
{
    memset(t, 0, sizeof *t);
    t->kind = HSK_HOT;
    t->active = true;
    t->window_days = 7;
    t->growth_days = 14;
    t->growth_k = 3.0;
    t->citizens_days = 7;
}

/* ---- validation ---------------------------------------------------------------------------- */

static const char *const topic_fields[] = {
    "id",         "name",          "kind",         "active",     "all_orders",  "keywords",
    "categories", "regions",       "window_days",  "threshold",  "growth_days", "growth_k",
    "growth_min", "citizens_days", "citizens_min", "recipients", "updated_at",  "kind_label",
    NULL};
static const char *const recipient_fields[] = {"units", "roles", "concerned", NULL};

static json_t *field(const json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    return json_is_null(v) ? NULL : v;
}

static int get_int(const json_t *j, const char *key, const char *label, int lo, int hi, int *out,
                   struct js_error *e)
{
    json_t *v = field(j, key);
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return js_fail(e, JS_ETYPE, key, "%s（%s）须为整数", label, key);
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi)
        return js_fail(e, JS_EINVAL, key, "%s（%s）须在%d至%d之间", label, key, lo, hi);
    *out = (int)x;
    return 0;
}

static int get_bool(const json_t *j, const char *key, const char *label, bool *out,
                    struct js_error *e)
{
    json_t *v = field(j, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return js_fail(e, JS_ETYPE, key, "%s（%s）须为 true 或 false", label, key);
    *out = json_is_true(v);
    return 0;
}

/* A list of ids that must exist (what: HOTSPOT_REF_*). */
static int get_ids(const json_t *j, const char *key, const char *label, int what,
                   const struct hotspot_refs *refs, int64_t *ids, int *n, struct js_error *e)
{
    /* inside recipients the field is named recipients.units */
    const char *name = what == HOTSPOT_REF_UNIT ? "recipients.units" : key;
    json_t *v = field(j, key);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return js_fail(e, JS_ETYPE, name, "%s（%s）须为编号列表", label, name);
    if (json_array_size(v) > HOTSPOT_MAX_IDS)
        return js_fail(e, JS_ETOOLONG, name, "%s（%s）最多%d项", label, name, HOTSPOT_MAX_IDS);
    size_t i;
    json_t *x;
    *n = 0;
    json_array_foreach(v, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return js_fail(e, JS_ETYPE, name, "%s（%s）第%zu项须为正整数编号", label, name, i + 1);
        int64_t id = json_integer_value(x);
        for (int k = 0; k < *n; k++)
            if (ids[k] == id)
                return js_fail(e, JS_EINVAL, name, "%s（%s）重复填写了编号%lld", label, name,
                               (long long)id);
        if (refs && refs->exists && !refs->exists(refs->ctx, what, id))
            return js_fail(e, JS_EINVAL, name, "%s（%s）中的编号%lld不存在", label, name,
                           (long long)id);
        ids[(*n)++] = id;
    }
    return 0;
}

/* True when s holds a character that cannot be searched (spaces, punctuation, controls). */
static bool has_blank(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80 &&
            !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return true;
    return false;
}

static int get_keywords(const json_t *j, struct hotspot_topic *t, struct js_error *e)
{
    json_t *v = field(j, "keywords");
    if (!v)
        return 0;
    if (!json_is_array(v))
        return js_fail(e, JS_ETYPE, "keywords", "关键词（keywords）须为文字列表");
    if (json_array_size(v) > HOTSPOT_MAX_KEYWORDS)
        return js_fail(e, JS_ETOOLONG, "keywords", "关键词（keywords）最多%d个",
                       HOTSPOT_MAX_KEYWORDS);
    size_t i;
    json_t *x;
    t->n_keywords = 0;
    json_array_foreach(v, i, x)
    {
        const char *s = json_string_value(x);
        size_t len = s ? utf8_len(s) : 0;
        if (!s || len == (size_t)-1 || strlen(s) != json_string_length(x))
            return js_fail(e, JS_ETYPE, "keywords", "关键词（keywords）第%zu项须为文字", i + 1);
        if (len < 1 || len > 20 || strlen(s) >= HOTSPOT_KEYWORD_MAX)
            return js_fail(e, JS_EINVAL, "keywords", "关键词（keywords）第%zu项须为1至20个字",
                           i + 1);
        if (has_blank(s))
            return js_fail(e, JS_EINVAL, "keywords",
                           "关键词（keywords）“%s”不能含空格或标点，多个词请分项填写", s);
        for (int k = 0; k < t->n_keywords; k++)
            if (strcmp(t->keywords[k], s) == 0)
                return js_fail(e, JS_EINVAL, "keywords", "关键词（keywords）“%s”重复", s);
        snprintf(t->keywords[t->n_keywords++], HOTSPOT_KEYWORD_MAX, "%s", s);
    }
    return 0;
}

static int get_recipients(const json_t *j, const struct hotspot_refs *refs, struct hotspot_topic *t,
                          struct js_error *e)
{
    json_t *r = field(j, "recipients");
    if (!r)
        return 0;
    if (!json_is_object(r))
        return js_fail(e, JS_ETYPE, "recipients", "接收对象（recipients）须为对象");
    const char *key;
    json_t *v;
    json_object_foreach(r, key, v)
    {
        bool ok = false;
        for (const char *const *f = recipient_fields; *f && !ok; f++)
            ok = strcmp(*f, key) == 0;
        if (!ok)
            return js_fail(e, JS_EUNKNOWN_FIELD, "recipients", "接收对象（recipients）没有“%s”一项",
                           key);
    }
    int rc = get_ids(r, "units", "接收单位", HOTSPOT_REF_UNIT, refs, t->units, &t->n_units, e);
    if (rc)
        return rc;
    rc = get_bool(r, "concerned", "相关责任单位（recipients.concerned）", &t->concerned, e);
    if (rc)
        return rc;
    v = field(r, "roles");
    if (!v)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > HOTSPOT_MAX_ROLES)
        return js_fail(e, JS_ETYPE, "recipients.roles",
                       "接收角色（recipients.roles）须为至多%d个角色名", HOTSPOT_MAX_ROLES);
    size_t i;
    json_t *x;
    t->n_roles = 0;
    json_array_foreach(v, i, x)
    {
        int role = js_name_index(js_role_names, json_string_value(x) ? json_string_value(x) : "");
        if (role < 0 || role == ROLE_SYSTEM || role == ROLE_UNIT_OPERATOR ||
            role == ROLE_UNIT_LEADER)
            return js_fail(e, JS_EINVAL, "recipients.roles",
                           "接收角色（recipients.roles）第%zu项须为平台角色（如 leader "
                           "领导、supervisor 督办员）；单位请填在接收单位中",
                           i + 1);
        for (int k = 0; k < t->n_roles; k++)
            if (t->roles[k] == role)
                return js_fail(e, JS_EINVAL, "recipients.roles",
                               "接收角色（recipients.roles）重复填写了%s", js_role_labels[role]);
        t->roles[t->n_roles++] = role;
    }
    return 0;
}

int hotspot_topic_from_json(const json_t *j, const struct hotspot_refs *refs,
                            struct hotspot_topic *t, struct js_error *e)
{
    if (!json_is_object(j))
        return js_fail(e, JS_ETYPE, "", "预警专题须为 JSON 对象");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v)
    {
        bool ok = false;
        for (const char *const *f = topic_fields; *f && !ok; f++)
            ok = strcmp(*f, key) == 0;
        if (!ok)
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "预警专题没有“%s”这一项", key);
    }
    int rc;
    if ((v = field(j, "name"))) {
        const char *s = json_string_value(v);
        size_t len = s ? utf8_len(s) : 0;
        if (!s || len == (size_t)-1)
            return js_fail(e, JS_ETYPE, "name", "名称（name）须为文字");
        while (*s == ' ')
            s++, len--;
        if (len < 1 || len > 30 || strlen(s) >= HOTSPOT_NAME_MAX)
            return js_fail(e, JS_EINVAL, "name", "名称（name）须为1至30个字");
        snprintf(t->name, sizeof t->name, "%s", s);
    }
    if ((v = field(j, "kind"))) {
        int k = js_name_index(hotspot_kind_names, json_string_value(v) ? json_string_value(v) : "");
        if (k < 0)
            return js_fail(e, JS_EINVAL, "kind",
                           "预警类型（kind）须为 safety 安全隐患、frequent 高频、hot 热点或 "
                           "sensitive 敏感之一");
        t->kind = k;
    }
    if ((rc = get_bool(j, "active", "启用（active）", &t->active, e)) ||
        (rc = get_bool(j, "all_orders", "全部诉求（all_orders）", &t->all_orders, e)) ||
        (rc = get_keywords(j, t, e)) ||
        (rc = get_ids(j, "categories", "诉求分类", HOTSPOT_REF_CATEGORY, refs, t->categories,
                      &t->n_categories, e)) ||
        (rc = get_ids(j, "regions", "区域", HOTSPOT_REF_REGION, refs, t->regions, &t->n_regions,
                      e)) ||
        (rc =
             get_int(j, "window_days", "统计窗口天数（window_days）", 1, 90, &t->window_days, e)) ||
        (rc = get_int(j, "threshold", "阈值件数（threshold）", 0, 100000, &t->threshold, e)) ||
        (rc =
             get_int(j, "growth_days", "增长基线天数（growth_days）", 3, 60, &t->growth_days, e)) ||
        (rc = get_int(j, "growth_min", "增长最少件数（growth_min）", 0, 100000, &t->growth_min,
                      e)) ||
        (rc = get_int(j, "citizens_days", "多人反映窗口天数（citizens_days）", 1, 90,
                      &t->citizens_days, e)) ||
        (rc = get_int(j, "citizens_min", "最少反映人数（citizens_min）", 0, 1000, &t->citizens_min,
                      e)) ||
        (rc = get_recipients(j, refs, t, e)))
        return rc;
    if ((v = field(j, "growth_k"))) {
        if (!json_is_number(v))
            return js_fail(e, JS_ETYPE, "growth_k", "增长倍数（growth_k）须为数字");
        double k = json_number_value(v);
        if (!(k >= 1.0 && k <= 10.0))
            return js_fail(e, JS_EINVAL, "growth_k", "增长倍数（growth_k）须在1至10之间");
        t->growth_k = k;
    }
    /* the topic as a whole */
    if (!t->name[0])
        return js_fail(e, JS_EMISSING, "name", "名称（name）必须填写");
    if (t->threshold == 1)
        return js_fail(e, JS_EINVAL, "threshold", "阈值件数（threshold）为0（不用）或至少2件");
    if (t->growth_min == 1)
        return js_fail(e, JS_EINVAL, "growth_min",
                       "增长最少件数（growth_min）为0（不用）或至少2件");
    if (t->citizens_min == 1)
        return js_fail(e, JS_EINVAL, "citizens_min",
                       "最少反映人数（citizens_min）为0（不用）或至少2人");
    if (!t->n_keywords && !t->n_categories && !t->all_orders)
        return js_fail(e, JS_EMISSING, "keywords",
                       "关键词（keywords）和诉求分类（categories）至少填写一项，"
                       "或选择全部诉求（all_orders）");
    if (!t->threshold && !t->growth_min && !t->citizens_min)
        return js_fail(e, JS_EMISSING, "threshold",
                       "阈值（threshold）、异常增长（growth_min）和多人反映（citizens_min）"
                       "至少启用一项");
    if (t->all_orders && t->threshold)
        return js_fail(e, JS_EINVAL, "threshold",
                       "全部诉求（all_orders）的专题不设数量阈值（threshold），请用多人反映规则");
    if (!t->n_units && !t->n_roles && !t->concerned)
        return js_fail(e, JS_EMISSING, "recipients",
                       "接收对象（recipients）至少填写一个单位、角色或选择相关责任单位");
    return 0;
}

static json_t *ids_json(const int64_t *ids, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

json_t *hotspot_topic_to_json(const struct hotspot_topic *t)
{
    json_t *kw = json_array(), *roles = json_array();
    for (int i = 0; kw && i < t->n_keywords; i++)
        json_array_append_new(kw, json_string(t->keywords[i]));
    for (int i = 0; roles && i < t->n_roles; i++)
        json_array_append_new(roles, json_string(js_role_names[t->roles[i]]));
    bool kind_ok = t->kind >= 0 && t->kind < HSK__COUNT;
    return json_pack(
        "{sI ss ss ss sb sb so so so si si si sf si si si s{so so sb}}", "id", (json_int_t)t->id,
        "name", t->name, "kind", kind_ok ? hotspot_kind_names[t->kind] : "", "kind_label",
        kind_ok ? hotspot_kind_labels[t->kind] : "", "active", t->active, "all_orders",
        t->all_orders, "keywords", kw, "categories", ids_json(t->categories, t->n_categories),
        "regions", ids_json(t->regions, t->n_regions), "window_days", t->window_days, "threshold",
        t->threshold, "growth_days", t->growth_days, "growth_k", t->growth_k, "growth_min",
        t->growth_min, "citizens_days", t->citizens_days, "citizens_min", t->citizens_min,
        "recipients", "units", ids_json(t->units, t->n_units), "roles", roles, "concerned",
        t->concerned);
}

int hotspot_topic_span_days(const struct hotspot_topic *t)
{
    int span = 1;
    if (t->threshold && t->window_days > span)
        span = t->window_days;
    if (t->growth_min && t->growth_days + 1 > span)
        span = t->growth_days + 1;
    if (t->citizens_min && t->citizens_days > span)
        span = t->citizens_days;
    return span;
}

/* ---- detection ----------------------------------------------------------------------------- */

void hotspot_citizen_key(const char *phone, const char *name, char *out, size_t n)
{
    size_t k = 0;
    for (const char *p = phone; p && *p && k + 1 < n; p++)
        if (*p >= '0' && *p <= '9')
            out[k++] = *p;
    out[k] = '\0';
    /* +86 13812341111 and 13812341111 are one caller */
    if (k == 13 && out[0] == '8' && out[1] == '6')
        memmove(out, out + 2, 12);
    if (!k && name && name[0])
        snprintf(out, n, "n:%s", name);
}

void hotspot_warning_release(struct hotspot_warning *w)
{
    if (!w)
        return;
    free(w->evidence);
    w->evidence = NULL;
    w->n_evidence = 0;
}

void hotspot_finding_release(struct hotspot_finding *f)
{
    if (!f)
        return;
    free(f->ids);
    f->ids = NULL;
    f->n_ids = 0;
}

/* Reporters among the items idx (n of them): distinct known citizens, plus every order of an
 * unknown caller (who cannot be told apart). */
static int reporters_of(const struct hotspot_item *items, const int *idx, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        const char *c = items[idx[i]].citizen;
        bool seen = false;
        for (int k = 0; c[0] && k < i && !seen; k++)
            seen = strcmp(items[idx[k]].citizen, c) == 0;
        count += !seen;
    }
    return count;
}

/* Reporters among the items in [from, to). */
static int reporters_in(const struct hotspot_item *items, int n, int64_t from, int64_t to)
{
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx), k = 0;
    if (!idx)
        return 0;
    for (int i = 0; i < n; i++)
        if (items[i].at >= from && items[i].at < to)
            idx[k++] = i;
    int count = reporters_of(items, idx, k);
    free(idx);
    return count;
}

/* Collects the ids of the items in [from, to) into f. */
static int collect(const struct hotspot_item *items, int n, int64_t from, int64_t to,
                   struct hotspot_finding *f)
{
    f->ids = malloc((size_t)(n > 0 ? n : 1) * sizeof *f->ids);
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    if (!f->ids || !idx) {
        free(idx);
        hotspot_finding_release(f);
        return -JS_ENOMEM;
    }
    f->n_ids = 0;
    for (int i = 0; i < n; i++)
        if (items[i].at >= from && items[i].at < to) {
            idx[f->n_ids] = i;
            f->ids[f->n_ids++] = items[i].id;
        }
    f->count = reporters_of(items, idx, f->n_ids);
    f->citizens = hotspot_count_citizens(items, idx, f->n_ids);
    f->from = from;
    f->to = to;
    free(idx);
    return 0;
}

int hotspot_threshold(const struct hotspot_topic *t, const struct hotspot_item *items, int n,
                      int64_t now, struct hotspot_finding *out)
{
    memset(out, 0, sizeof *out);
    out->rule = HSR_THRESHOLD;
    if (t->threshold <= 0)
        return 0;
    int64_t end = now + 1; /* orders of the instant of the scan count */
    int64_t from = end - (int64_t)t->window_days * JT_DAY;
    int count = reporters_in(items, n, from, end);
    out->count = count;
    out->limit = t->threshold;
    if (count < t->threshold)
        return 0;
    int rc = collect(items, n, from, end, out);
    out->limit = t->threshold;
    return rc ? rc : 1;
}

int hotspot_growth(const struct hotspot_topic *t, const struct hotspot_item *items, int n,
                   int64_t now, struct hotspot_finding *out)
{
    memset(out, 0, sizeof *out);
    out->rule = HSR_GROWTH;
    if (t->growth_min <= 0 || t->growth_days <= 0)
        return 0;
    int days = t->growth_days;
    int *daily = calloc((size_t)days, sizeof *daily);
    if (!daily)
        return -JS_ENOMEM;
    /* day 0: the last 24 hours; day d: the 24 hours before that, d days back */
    int64_t end = now + 1; /* orders of the instant of the scan count */
    int current = reporters_in(items, n, end - JT_DAY, end);
    for (int d = 1; d <= days; d++)
        daily[d - 1] =
            reporters_in(items, n, end - (int64_t)(d + 1) * JT_DAY, end - (int64_t)d * JT_DAY);
    double sum = 0, sum2 = 0;
    for (int d = 0; d < days; d++) {
        sum += daily[d];
        sum2 += (double)daily[d] * daily[d];
    }
    free(daily);
    double mean = sum / days;
    double var = sum2 / days - mean * mean;
    double sd = var > 0 ? sqrt(var) : 0;
    double spread = sd;
    if (sqrt(mean) > spread)
        spread = sqrt(mean);
    if (spread < 1)
        spread = 1;
    out->mean = mean;
    out->sd = sd;
    out->limit = mean + t->growth_k * spread;
    out->count = current;
    if (current < t->growth_min || (double)current <= out->limit)
        return 0;
    double limit = out->limit;
    int rc = collect(items, n, end - JT_DAY, end, out);
    out->mean = mean;
    out->sd = sd;
    out->limit = limit;
    return rc ? rc : 1;
}

static int find(int *parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

void hotspot_clusters(int n, const int *a, const int *b, int n_pairs, int *label)
{
    for (int i = 0; i < n; i++)
        label[i] = i;
    for (int k = 0; k < n_pairs; k++) {
        if (a[k] < 0 || b[k] < 0 || a[k] >= n || b[k] >= n)
            continue;
        int ra = find(label, a[k]), rb = find(label, b[k]);
        if (ra < rb)
            label[rb] = ra;
        else if (rb < ra)
            label[ra] = rb;
    }
    for (int i = 0; i < n; i++)
        label[i] = find(label, i);
}

int hotspot_count_citizens(const struct hotspot_item *items, const int *idx, int n)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        const char *c = items[idx[i]].citizen;
        if (!c[0])
            continue; /* unknown callers are not counted: they could all be one person */
        bool seen = false;
        for (int k = 0; k < i && !seen; k++)
            seen = strcmp(items[idx[k]].citizen, c) == 0;
        count += !seen;
    }
    return count;
}

int hotspot_citizens(const struct hotspot_topic *t, const struct hotspot_item *items,
                     const int *idx, int n_idx, int64_t from, int64_t to,
                     struct hotspot_finding *out)
{
    memset(out, 0, sizeof *out);
    out->rule = HSR_CITIZENS;
    out->from = from;
    out->to = to;
    out->limit = t->citizens_min;
    if (t->citizens_min <= 0)
        return 0;
    out->count = n_idx;
    out->citizens = hotspot_count_citizens(items, idx, n_idx);
    if (out->citizens < t->citizens_min)
        return 0;
    out->ids = malloc((size_t)(n_idx > 0 ? n_idx : 1) * sizeof *out->ids);
    if (!out->ids)
        return -JS_ENOMEM;
    for (int i = 0; i < n_idx; i++)
        out->ids[i] = items[idx[i]].id;
    out->n_ids = n_idx;
    return 1;
}

int hotspot_rule_min(const struct hotspot_topic *t, int rule)
{
    switch (rule) {
    case HSR_THRESHOLD:
        return t->threshold;
    case HSR_GROWTH:
        return t->growth_min;
    case HSR_CITIZENS:
        return t->citizens_min;
    default:
        return 0;
    }
}

static bool in(const int64_t *v, int n, int64_t x)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

bool hotspot_is_new(const struct hotspot_topic *t, const struct hotspot_finding *f,
                    const int64_t *warned, int n_warned, const struct hotspot_item *items,
                    int n_items, int *n_new)
{
    int fresh = 0, min = hotspot_rule_min(t, f->rule), n_new_idx = 0, n_old_idx = 0;
    int *new_idx = NULL, *old_idx = NULL;
    if (items) {
        new_idx = malloc((size_t)(f->n_ids > 0 ? f->n_ids : 1) * sizeof *new_idx);
        old_idx = malloc((size_t)(f->n_ids > 0 ? f->n_ids : 1) * sizeof *old_idx);
    }
    for (int i = 0; i < f->n_ids; i++) {
        bool old = in(warned, n_warned, f->ids[i]);
        fresh += !old;
        for (int k = 0; new_idx && old_idx && k < n_items; k++)
            if (items[k].id == f->ids[i]) {
                if (old)
                    old_idx[n_old_idx++] = k;
                else
                    new_idx[n_new_idx++] = k;
                break;
            }
    }
    if (n_new)
        *n_new = fresh;
    /* without the items: orders */
    int gained = fresh, had = f->n_ids - fresh;
    if (new_idx && old_idx) {
        bool people = f->rule == HSR_CITIZENS;
        gained = people ? hotspot_count_citizens(items, new_idx, n_new_idx)
                        : reporters_of(items, new_idx, n_new_idx);
        had = people ? hotspot_count_citizens(items, old_idx, n_old_idx)
                     : reporters_of(items, old_idx, n_old_idx);
    }
    free(new_idx);
    free(old_idx);
    if (f->warned_before > had)
        had = f->warned_before;
    /* the evidence must at least double what was warned of it, and by the rule's minimum */
    return fresh > 0 && gained >= min && gained >= had;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void hotspot_evidence_digest(const int64_t *ids, int n, char out[17])
{
    int64_t *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    uint64_t h = 1469598103934665603ull;
    if (v) {
        memcpy(v, ids, (size_t)n * sizeof *v);
        qsort(v, (size_t)n, sizeof *v, cmp_id);
    }
    for (int i = 0; i < n; i++) {
        uint64_t x = (uint64_t)(v ? v[i] : ids[i]);
        for (int b = 0; b < 8; b++) {
            h ^= (x >> (8 * b)) & 0xff;
            h *= 1099511628211ull;
        }
    }
    free(v);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void hotspot_title(const struct hotspot_topic *t, const struct hotspot_finding *f, char *out,
                   size_t n)
{
    const char *kind = t->kind >= 0 && t->kind < HSK__COUNT ? hotspot_kind_labels[t->kind] : "";
    switch (f->rule) {
    case HSR_THRESHOLD:
        snprintf(out, n, "【%s】%s：近%d天%d人次反映（%d件），达到阈值%d", kind, t->name,
                 t->window_days, f->count, f->n_ids, t->threshold);
        break;
    case HSR_GROWTH:
        snprintf(out, n, "【%s】%s：近24小时%d人次反映（%d件），前%d天日均%.1f，异常增长", kind,
                 t->name, f->count, f->n_ids, t->growth_days, f->mean);
        break;
    default:
        snprintf(out, n, "【%s】%s：%d位群众反映同一问题（%d件）", kind, t->name, f->citizens,
                 f->count);
        break;
    }
}
