/* Which notifications an event causes and their texts; the list type; the gateway's JSON
 * document; the retry backoff. */
#include "compat.h"
#include "core/outbox.h"
#include "util/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_X_NAME(N, n, l)  n,
#define JS_X_LABEL(N, n, l) l,
const char *const js_outbox_kind_names[] = {JS_OUTBOX_KIND_LIST(JS_X_NAME) NULL};
const char *const js_outbox_kind_labels[] = {JS_OUTBOX_KIND_LIST(JS_X_LABEL) NULL};
const char *const js_outbox_state_names[] = {JS_OUTBOX_STATE_LIST(JS_X_NAME) NULL};
const char *const js_outbox_state_labels[] = {JS_OUTBOX_STATE_LIST(JS_X_LABEL) NULL};
#undef JS_X_NAME
#undef JS_X_LABEL

const char *const js_outbox_role_names[] = {"citizen",  "leader", "section",
                                            "operator", "city",   NULL};

bool outbox_kind_is_upstream(int kind)
{
    return kind == OBK_UPSTREAM_RESULT || kind == OBK_UPSTREAM_CLOSED;
}

#define PLATFORM    "12345热线" /* the signature of every message */
#define TITLE_CHARS 24          /* characters of an order's title quoted in a message */

void outbox_list_init(struct outbox_list *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

void outbox_list_release(struct outbox_list *l)
{
    if (!l)
        return;
    free(l->v);
    outbox_list_init(l);
}

int outbox_list_push(struct outbox_list *l, const struct outbox_msg *m)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 4;
        struct outbox_msg *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *m;
    return 0;
}

static const json_t *args_of(const struct event *ev)
{
    return json_object_get(ev->payload, "args");
}

static bool lead_type(const struct assignment *a)
{
    return a->role == ASG_LEAD || a->role == ASG_DUAL;
}

void outbox_units_of(const struct event *ev, const struct order *o, int64_t *ids, int max, int *n)
{
    *n = 0;
    if (ev->action == ACT_WARN) {
        const json_t *units = json_object_get(args_of(ev), "units");
        size_t i;
        const json_t *u;
        json_array_foreach(units, i, u)
        {
            if (json_is_integer(u) && *n < max)
                ids[(*n)++] = json_integer_value(u);
        }
        return;
    }
    if (ev->action == ACT_CONSULT || ev->action == ACT_PREINVESTIGATE ||
        ev->action == ACT_INSTRUCT) {
        const json_t *units = json_object_get(args_of(ev), "units");
        const json_t *one = json_object_get(args_of(ev), "unit_id");
        size_t i;
        const json_t *u;
        json_array_foreach(units, i, u)
        {
            if (json_is_integer(u) && *n < max)
                ids[(*n)++] = json_integer_value(u);
        }
        if (json_is_integer(one) && *n < max)
            ids[(*n)++] = json_integer_value(one);
        return;
    }
    if (ev->action != ACT_DISPATCH && ev->action != ACT_SUPERVISE)
        return;
    for (int i = 0; i < o->n_units && *n < max; i++)
        if (o->units[i].active && lead_type(&o->units[i]))
            ids[(*n)++] = o->units[i].unit_id;
}

/* Copies at most `chars` characters of UTF-8 s into out, adding "…" when cut. */
static void clip(const char *s, size_t chars, char *out, size_t n)
{
    size_t i = 0, count = 0;
    s = s ? s : "";
    while (s[i] && count < chars) {
        size_t len = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xf0)
            len = 4;
        else if (c >= 0xe0)
            len = 3;
        else if (c >= 0xc0)
            len = 2;
        for (size_t k = 1; k < len; k++)
            if (!s[i + k])
                len = k;
        if (i + len >= n - 4)
            break;
        i += len;
        count++;
    }
    memcpy(out, s, i);
    out[i] = '\0';
    if (s[i])
        snprintf(out + i, n - i, "…");
}

/* "2026-02-26 10:00" for an instant. */
static void when(int64_t t, char *out, size_t n)
{
    char iso[40];
    jtime_format(t, iso, sizeof iso);
    iso[10] = ' ';
    snprintf(out, n, "%.16s", iso);
}

static void base_msg(struct outbox_msg *m, int kind, const struct event *ev, const struct order *o)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->state = OBS_PENDING;
    m->order_id = o->id;
    snprintf(m->order_number, sizeof m->order_number, "%s", o->number);
    m->event_id = ev->id;
    m->created_at = m->next_at = ev->at;
}

/* A notice to the citizen, when there is a phone to send it to and the citizen is not
 * anonymous. */
static int to_citizen(struct outbox_list *out, int kind, const struct event *ev,
                      const struct order *o, const char *text)
{
    if (o->anonymous || !o->citizen_phone || !o->citizen_phone[0])
        return 0;
    struct outbox_msg m;
    base_msg(&m, kind, ev, o);
    snprintf(m.to_role, sizeof m.to_role, "citizen");
    snprintf(m.to_name, sizeof m.to_name, "%s", o->citizen_name ? o->citizen_name : "");
    snprintf(m.to_phone, sizeof m.to_phone, "%s", o->citizen_phone);
    snprintf(m.text, sizeof m.text, "%s", text);
    return outbox_list_push(out, &m);
}

/* One message per contact tier in `tiers` (bits of enum contact_tier) of unit u. */
static int to_unit(struct outbox_list *out, int kind, const struct event *ev, const struct order *o,
                   const struct unit *u, unsigned tiers, const char *text)
{
    for (int t = 0; t < CONTACT__COUNT; t++) {
        const struct contact *ct = &u->contacts[t];
        if (!(tiers & (1u << t)) || (!ct->phone[0] && !ct->email[0]))
            continue;
        struct outbox_msg m;
        base_msg(&m, kind, ev, o);
        m.unit_id = u->id;
        snprintf(m.to_role, sizeof m.to_role, "%s", js_outbox_role_names[t + 1]);
        snprintf(m.to_name, sizeof m.to_name, "%s", ct->name);
        snprintf(m.to_phone, sizeof m.to_phone, "%s", ct->phone);
        snprintf(m.to_email, sizeof m.to_email, "%s", ct->email);
        snprintf(m.text, sizeof m.text, "%s", text);
        int rc = outbox_list_push(out, &m);
        if (rc)
            return rc;
    }
    return 0;
}

/* Why a unit is warned, from the warn event's args. */
static void warning_reason(const json_t *args, char *out, size_t n)
{
    const char *kind = json_string_value(json_object_get(args, "kind"));
    json_int_t count = json_integer_value(json_object_get(args, "count"));
    const char *reason = json_string_value(json_object_get(args, "reason"));
    if (kind && strcmp(kind, "reopen") == 0)
        snprintf(out, n, "已重办%lld次，群众仍不满意", (long long)count);
    else if (kind && strcmp(kind, "duplicate") == 0)
        snprintf(out, n, "已有%lld位群众反映同一问题", (long long)count);
    else if (kind && strcmp(kind, "rework") == 0)
        snprintf(out, n, "办结申请已%lld次未通过审核被退回返工，存在敷衍塞责情况",
                 (long long)count);
    else if (kind && strcmp(kind, "petition") == 0)
        snprintf(out, n, "存在信访隐患");
    else if (kind && strcmp(kind, "safety") == 0)
        snprintf(out, n, "存在安全隐患%s%s", reason ? "：" : "", reason ? reason : "");
    else if (kind && strcmp(kind, "sensitive") == 0)
        snprintf(out, n, "属敏感事件%s%s", reason ? "：" : "", reason ? reason : "");
    else if (kind && (strcmp(kind, "frequent") == 0 || strcmp(kind, "hot") == 0))
        snprintf(out, n, "属%s事件%s%s", strcmp(kind, "hot") == 0 ? "热点" : "高频",
                 reason ? "：" : "", reason ? reason : "");
    else
        snprintf(out, n, "%s", reason ? reason : "需引起重视");
}

/* The feedback of an upstream order to the city platform (000 art. 13), if ev calls for one. */
static int to_city(const struct event *ev, const struct order *o, struct outbox_list *out)
{
    const json_t *args = args_of(ev);
    char text[OUTBOX_TEXT_MAX], note[OUTBOX_TEXT_MAX / 2];
    int kind = OBK_UPSTREAM_RESULT;
    if (!o->upstream_id[0])
        return 0;
    switch (ev->action) {
    case ACT_REVIEW:
        if (!json_is_true(json_object_get(args, "pass")))
            return 0;
        clip(o->reply_text, 1200, note, sizeof note);
        snprintf(text, sizeof text, "办理结果：%s", note);
        break;
    case ACT_ANSWER:
        clip(o->reply_text, 1200, note, sizeof note);
        snprintf(text, sizeof text, "直接答复：%s", note);
        break;
    case ACT_NOT_FILE: {
        const char *reason = json_string_value(json_object_get(args, "reason"));
        int r = js_name_index(js_notfiled_names, reason ? reason : "");
        clip(json_string_value(json_object_get(args, "explanation")), 600, note, sizeof note);
        snprintf(text, sizeof text, "不予立案：%s。%s",
                 r >= 0 ? js_notfiled_labels[r] : "不符合立案条件", note);
        break;
    }
    case ACT_FORCE_CLOSE:
        clip(json_string_value(json_object_get(args, "reason")), 600, note, sizeof note);
        snprintf(text, sizeof text, "强制结案：%s", note);
        break;
    case ACT_CLOSE:
        kind = OBK_UPSTREAM_CLOSED;
        if (o->cb_unreachable)
            snprintf(text, sizeof text, "已办结。回访：联系不上诉求人。");
        else if (o->cb_satisfaction > SAT_NONE && o->cb_satisfaction < SAT__COUNT)
            snprintf(text, sizeof text, "已办结。回访：%s，问题%s。",
                     js_satisfaction_labels[o->cb_satisfaction],
                     o->cb_solved == 1 ? "已解决" : "未解决");
        else
            snprintf(text, sizeof text, "已办结。");
        break;
    default:
        return 0;
    }
    struct outbox_msg m;
    base_msg(&m, kind, ev, o);
    snprintf(m.to_role, sizeof m.to_role, "city");
    snprintf(m.to_name, sizeof m.to_name, "%s", o->upstream_id);
    snprintf(m.text, sizeof m.text, "%s", text);
    return outbox_list_push(out, &m);
}

int outbox_plan(const struct event *ev, const struct order *o, const struct unit *units,
                int n_units, struct outbox_list *out)
{
    char text[OUTBOX_TEXT_MAX], title[TITLE_CHARS * 4 + 8], due[32], note[OUTBOX_TEXT_MAX / 2];
    const json_t *args = args_of(ev);
    int rc = to_city(ev, o, out);
    if (rc)
        return rc;
    clip(o->title, TITLE_CHARS, title, sizeof title);
    switch (ev->action) {
    case ACT_INTAKE:
        snprintf(text, sizeof text,
                 "【" PLATFORM "】您好，您反映的“%s”已受理，工单编号%s。我们将按规定时限办理，"
                 "办理情况将及时告知您。",
                 title, o->number);
        return to_citizen(out, OBK_ACCEPTANCE, ev, o, text);
    case ACT_DISPATCH: {
        char names[256] = "";
        size_t len = 0;
        for (int i = 0; i < n_units; i++) {
            int w = snprintf(names + len, sizeof names - len, "%s%s", i ? "、" : "", units[i].name);
            if (w < 0 || (size_t)w >= sizeof names - len)
                break;
            len += (size_t)w;
        }
        if (o->deadline > 0) {
            when(o->deadline, due, sizeof due);
            snprintf(text, sizeof text,
                     "【" PLATFORM "】您反映的诉求（工单编号%s）已交%s办理，办理时限至%s。"
                     "承办单位将与您联系并反馈办理结果。",
                     o->number, names[0] ? names : "承办单位", due);
        } else {
            snprintf(text, sizeof text,
                     "【" PLATFORM "】您反映的诉求（工单编号%s）已交%s办理。"
                     "承办单位将与您联系并反馈办理结果。",
                     o->number, names[0] ? names : "承办单位");
        }
        return to_citizen(out, OBK_HANDLING, ev, o, text);
    }
    case ACT_NOT_FILE: {
        const char *reason = json_string_value(json_object_get(args, "reason"));
        const char *expl = json_string_value(json_object_get(args, "explanation"));
        int r = js_name_index(js_notfiled_names, reason ? reason : "");
        clip(expl, 600, note, sizeof note);
        snprintf(text, sizeof text,
                 "【" PLATFORM "】您反映的诉求（工单编号%s）不予立案，原因：%s。%s", o->number,
                 r >= 0 ? js_notfiled_labels[r] : "不符合立案条件", note);
        return to_citizen(out, OBK_NOT_FILED, ev, o, text);
    }
    case ACT_WARN: {
        const char *level = json_string_value(json_object_get(args, "level"));
        bool hint = level && strcmp(level, "hint") == 0;
        char why[512];
        warning_reason(args, why, sizeof why);
        for (int i = 0; i < n_units && !rc; i++) {
            snprintf(text, sizeof text,
                     "【" PLATFORM "%s】%s：工单%s“%s”%s。请高度重视，安排专人迅速处理，"
                     "及时向群众回复办理结果，并将办理情况抄送热线受理中心。",
                     hint ? "提示函" : "警示函", units[i].name, o->number, title, why);
            rc = to_unit(
                out, OBK_WARNING, ev, o, &units[i],
                (1u << CONTACT_LEADER) | (1u << CONTACT_SECTION) | (1u << CONTACT_OPERATOR), text);
        }
        return rc;
    }
    case ACT_SUPERVISE: {
        const char *reason = json_string_value(json_object_get(args, "reason"));
        const char *answer_due = json_string_value(json_object_get(args, "answer_due"));
        int64_t t = 0;
        char by[48] = "尽快";
        clip(reason, 200, note, sizeof note);
        if (answer_due && jtime_parse(answer_due, &t) == 0) {
            when(t, due, sizeof due);
            snprintf(by, sizeof by, "于%s前", due);
        }
        for (int i = 0; i < n_units && !rc; i++) {
            snprintf(text, sizeof text,
                     "【" PLATFORM
                     "督办通知】%s：工单%s“%s”已启动督办（%s），请%s回复热线受理中心。",
                     units[i].name, o->number, title, note, by);
            rc = to_unit(out, OBK_SUPERVISION, ev, o, &units[i],
                         (1u << CONTACT_SECTION) | (1u << CONTACT_OPERATOR), text);
        }
        return rc;
    }
    case ACT_CONSULT:
    case ACT_PREINVESTIGATE:
    case ACT_INSTRUCT: {
        /* 001 §二(一) 会商、指定单位预先调查; 003 art. 12(3), 13(2) 领导批示交办 */
        const char *what =
            json_string_value(json_object_get(args, ev->action == ACT_CONSULT          ? "topic"
                                                    : ev->action == ACT_PREINVESTIGATE ? "task"
                                                                                       : "text"));
        int64_t t = 0;
        const char *due_s = json_string_value(json_object_get(args, "due"));
        char by[48] = "";
        clip(what, 200, note, sizeof note);
        if (due_s && jtime_parse(due_s, &t) == 0) {
            jtime_format_cn(t, due, sizeof due); /* the Chinese way, 2026年12月5日 18:00 */
            snprintf(by, sizeof by, "于%s前", due);
        }
        for (int i = 0; i < n_units && !rc; i++) {
            if (ev->action == ACT_CONSULT)
                snprintf(text, sizeof text,
                         "【" PLATFORM "会商通知】%s：工单%s“%s”派单前召集相关单位会商（%s），"
                         "请派员参加。",
                         units[i].name, o->number, title, note);
            else if (ev->action == ACT_PREINVESTIGATE)
                snprintf(text, sizeof text,
                         "【" PLATFORM "预先调查通知】%s：工单%s“%s”请贵单位预先调查核实（%s），"
                         "%s提出处理建议。",
                         units[i].name, o->number, title, note, by[0] ? by : "尽快");
            else
                snprintf(text, sizeof text,
                         "【" PLATFORM
                         "领导批示交办】%s：工单%s“%s”领导批示：%s。请经分管领导审签后"
                         "%s书面报告办理结果。",
                         units[i].name, o->number, title, note, by[0] ? by : "按时");
            rc = to_unit(out, OBK_COORDINATION, ev, o, &units[i],
                         (1u << CONTACT_LEADER) | (1u << CONTACT_SECTION), text);
        }
        return rc;
    }
    default:
        return 0;
    }
}

json_t *outbox_payload(const struct outbox_msg *m)
{
    char created[40];
    jtime_format(m->created_at, created, sizeof created);
    bool kind_ok = m->kind >= 0 && m->kind < OBK__COUNT;
    return json_pack("{sI ss ss s{ss ss ss ss} ss s{sI ss} ss}", "id", (json_int_t)m->id, "kind",
                     kind_ok ? js_outbox_kind_names[m->kind] : "", "kind_label",
                     kind_ok ? js_outbox_kind_labels[m->kind] : "", "to", "role", m->to_role,
                     "name", m->to_name, "phone", m->to_phone, "email", m->to_email, "text",
                     m->text, "order", "id", (json_int_t)m->order_id, "number", m->order_number,
                     "created_at", created);
}

json_t *outbox_city_payload(const struct outbox_msg *m)
{
    char created[40], id[48];
    jtime_format(m->created_at, created, sizeof created);
    snprintf(id, sizeof id, "jiesu-outbox-%lld", (long long)m->id);
    return json_pack("{ss ss ss ss ss ss}", "message_id", id, "kind",
                     m->kind == OBK_UPSTREAM_CLOSED ? "closed" : "result", "upstream_id",
                     m->to_name, "order_number", m->order_number, "text", m->text, "created_at",
                     created);
}

int64_t outbox_backoff(int attempts, int base_seconds)
{
    int64_t d = base_seconds > 0 ? base_seconds : 60;
    for (int i = 1; i < attempts && d < JT_DAY; i++)
        d *= 2;
    return d < JT_DAY ? d : JT_DAY;
}

void outbox_mask_phone(const char *phone, char *out, size_t n)
{
    size_t len = strlen(phone);
    if (len < 7) {
        snprintf(out, n, "%s", len ? "****" : "");
        return;
    }
    snprintf(out, n, "%.3s****%s", phone, phone + len - 4);
}
