/* Assessment indicators: folding an order's events into cases with timed marks, the compact form
 * of the marks, and evaluating a case at a period's cut-off (definitions in docs/indicators.md). */
#include "compat.h"
#include "core/indicators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jtime.h"

const struct ind_def ind_defs[IND__COUNT] = {
    [IND_RECEIVED] = {"received", "接收量", 'C', "考核期内派给本单位的工单", NULL},
    [IND_VOLUME] = {"volume", "承办量", 'C', "考核期内接收、截至统计时本单位仍在办理的工单", NULL},
    [IND_SHIRK_RATE] = {"shirk_rate", "推诿率", 'R', "本单位被认定为无正当理由的退单",
                        "接收的工单"},
    [IND_INTERIM_RATE] = {"interim_rate", "准办结率", 'R', "现行答复为阶段性办结且按时答复的工单",
                          "办理的工单"},
    [IND_RESOLVED_RATE] = {"resolved_rate", "实际办结率", 'R',
                           "现行答复为已解决或已解释且按时答复的工单", "办理的工单"},
    [IND_FORCED_RATE] = {"forced_rate", "强制结案率", 'R', "被强制结案的工单", "办理的工单"},
    [IND_REWORK_RATE] = {"rework_rate", "返工率", 'R', "答复未通过审核的工单", "办理的工单"},
    [IND_SUPERVISION_UNANSWERED] = {"supervision_unanswered", "督办未回复数", 'C',
                                    "督办逾期未回复的工单", NULL},
    [IND_REPEAT_RATE] = {"repeat_rate", "反复举报率", 'R', "派单后同一问题的重复反映",
                         "办理的工单"},
    [IND_FEEDBACK_RATE] = {"feedback_rate", "反馈率", 'R', "最近一次回访确认单位已联系诉求人的工单",
                           "有回访结果的办理工单"},
    [IND_SATISFACTION_RATE] = {"satisfaction_rate", "满意率", 'R', "最近一次回访为满意的工单",
                               "有回访结果的办理工单"},
    [IND_RESOLUTION_RATE] = {"resolution_rate", "解决率", 'R', "最近一次回访为已解决的工单",
                             "有回访结果的办理工单"},
    [IND_ONTIME_RATE] = {"ontime_rate", "按期办结率", 'R', "现行答复按时给出的工单", "办理的工单"},
    [IND_EXTENSION_RATE] = {"extension_rate", "延期率", 'R', "获准延期的工单", "办理的工单"},
    [IND_RESPONDED_RATE] = {"responded_rate", "服务响应率", 'R',
                            "各次回访均未报告“未联系”或服务过程不满意的工单（001 附件 三(一)2(1)）",
                            "办理的工单"},
    [IND_PROCESS_DEDUCTION] =
        {"process_deduction", "办理过程扣分", 'P',
         "每件无正当理由退单扣0.5分，每件坚持退单、超时限退单、逾期答复、超期未答复各扣0.2分",
         NULL},
    [IND_FIRST_TIME_RATE] = {"first_time_rate", "一次办好率", 'R', "首次回访即满意、未经重办的工单",
                             "办理的工单"},
    [IND_REOPEN_SATISFIED_RATE] = {"reopen_satisfied_rate", "重办满意率", 'R',
                                   "被市级热线受理中心发回重办后回访满意的工单（001 附件）",
                                   "办理的工单"},
    [IND_REOPEN_RATE] = {"reopen_rate", "重办率", 'R', "至少重办一次的工单", "办理的工单"},
    [IND_DISTRICT_REOPEN_RATE] = {"district_reopen_rate", "区级重办率", 'R',
                                  "区级重办两次及以上的工单", "办理的工单"},
    [IND_UPSTREAM_REOPEN_RATE] = {"upstream_reopen_rate", "上级重办率", 'R',
                                  "上级平台重办两次及以上的工单", "办理的工单"},
    [IND_EXPLAINED_RATIO] = {"explained_ratio", "不合规诉求比例", 'R',
                             "以解释方式办结的工单（不合规诉求）", "办理的工单"},
    [IND_SUPERVISION_DEDUCTION] = {"supervision_deduction", "督查督办扣分", 'P', "按督办类型计扣分",
                                   NULL},
    [IND_HARD_CASES] = {"hard_cases", "兜底件数", 'C', "本单位从协调中兜底承办的工单", NULL},
    [IND_PRAISE_COUNT] = {"praise_count", "表扬件数", 'C', "涉及本单位的表扬工单", NULL},
    [IND_MANUAL_DEDUCTION] = {"manual_deduction", "人工扣分", 'P', "督办人员录入的扣分项目", NULL},
    [IND_BONUS_POINTS] = {"bonus_points", "人工加分", 'P', "督办人员录入的加分项目", NULL},
    [IND_YEAR_END] = {"year_end", "年终考核", 'P', "督办人员录入的年终考核项目", NULL},
    [IND_KB_PUBLISHED] = {"kb_published", "知识库条目数", 'C',
                          "截至统计时本单位现行有效的知识库条目", NULL},
    [IND_KB_STALE] = {"kb_stale", "知识库过期未更新数", 'C',
                      "曾发布、截至统计时已失效且未更新的条目（已撤回的除外）", NULL},
    [IND_KB_STALE_RATE] = {"kb_stale_rate", "知识库过期率", 'R', "已过期的条目",
                           "现行有效或已过期的条目"},
    [IND_KB_USES] = {"kb_uses", "知识库引用数", 'C', "考核期内引用本单位条目的直接答复", NULL},
    [IND_RETURN_RATE] = {"return_rate", "回退率", 'R',
                         "本单位退回过的工单（002 第三十三条 回退情况）", "接收的工单"},
    [IND_FEEDBACK_ONTIME_RATE] = {"feedback_ontime_rate", "按时反馈率", 'R',
                                  "每次反馈时限内均已反馈办理结果或进展的工单（003 第十三条）",
                                  "反馈时限已到或已反馈的办理工单"},
};

const char *const js_supk_names[] = {
#define JS_X_NAME(N, n, l) n,
    JS_SUPK_LIST(JS_X_NAME)
#undef JS_X_NAME
        NULL};
const char *const js_supk_labels[] = {
#define JS_X_LABEL(N, n, l) l,
    JS_SUPK_LIST(JS_X_LABEL)
#undef JS_X_LABEL
        NULL};

int ind_lookup(const char *name, size_t len)
{
    for (int i = 0; i < IND__COUNT; i++) {
        const char *id = ind_defs[i].id, *label = ind_defs[i].label;
        if ((strlen(id) == len && memcmp(id, name, len) == 0) ||
            (strlen(label) == len && memcmp(label, name, len) == 0))
            return i;
    }
    return -1;
}

int ind_item_indicator(const char *kind)
{
    static const int items[] = {IND_MANUAL_DEDUCTION, IND_BONUS_POINTS, IND_YEAR_END};
    for (size_t i = 0; kind && i < JS_ARRAY_LEN(items); i++)
        if (strcmp(kind, ind_defs[items[i]].id) == 0)
            return items[i];
    return -1;
}

json_t *ind_catalogue_json(void)
{
    json_t *a = json_array();
    for (int i = 0; a && i < IND__COUNT; i++) {
        const struct ind_def *d = &ind_defs[i];
        const char *kind = d->kind == 'R' ? "rate" : d->kind == 'C' ? "count" : "points";
        json_array_append_new(a, json_pack("{ss ss ss ss so}", "id", d->id, "label", d->label,
                                           "kind", kind, "numerator", d->num, "denominator",
                                           d->den ? json_string(d->den) : json_null()));
    }
    return a;
}

/* ---- folding events into cases --------------------------------------------------------- */

static int64_t jint(const json_t *v)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

int fact_event_decode(const struct event *ev, struct fact_event *out, struct js_error *e)
{
    memset(out, 0, sizeof *out);
    out->order_id = ev->order_id;
    out->version = ev->version;
    out->at = ev->at;
    out->actor_unit = ev->actor.unit_id;
    out->action = ev->action;
    out->status_before = ev->status_before;
    out->status_after = ev->status_after;
    const json_t *set = json_object_get(ev->payload, "set");
    const json_t *args = json_object_get(ev->payload, "args");
    if ((set && !json_is_object(set)) || (args && !json_is_object(args)))
        return js_fail(e, JS_EINVAL, "payload", "event %lld of order %lld has a malformed payload",
                       (long long)ev->version, (long long)ev->order_id);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)set, k, v)
    {
        if (strcmp(k, "units") == 0) {
            if (!json_is_array(v) || json_array_size(v) > ORDER_MAX_UNITS)
                return js_fail(e, JS_EINVAL, "payload",
                               "event %lld of order %lld has malformed units",
                               (long long)ev->version, (long long)ev->order_id);
            out->set |= FS_UNITS;
            size_t i;
            json_t *u;
            json_array_foreach(v, i, u)
            {
                struct fact_unit *fu = &out->units[out->n_units++];
                fu->unit_id = jint(json_object_get(u, "unit_id"));
                fu->role = (int)jint(json_object_get(u, "role"));
                fu->active = json_is_true(json_object_get(u, "active"));
                fu->return_pending = json_is_true(json_object_get(u, "return_pending"));
            }
        } else if (strcmp(k, "deadline") == 0) {
            out->set |= FS_DEADLINE;
            out->deadline = jint(v);
        } else if (strcmp(k, "hang") == 0) {
            out->set |= FS_HANG;
            out->hang = (int)jint(v);
        } else if (strcmp(k, "closure") == 0) {
            out->set |= FS_CLOSURE;
            out->closure = (int)jint(v);
        } else if (strcmp(k, "cb_contacted") == 0) {
            out->set |= FS_CB_CONTACTED;
            out->cb_contacted = (int)jint(v);
        } else if (strcmp(k, "cb_solved") == 0) {
            out->set |= FS_CB_SOLVED;
            out->cb_solved = (int)jint(v);
        } else if (strcmp(k, "cb_satisfaction") == 0) {
            out->set |= FS_CB_SAT;
            out->cb_sat = (int)jint(v);
        } else if (strcmp(k, "cb_unreachable") == 0) {
            out->set |= FS_CB_UNREACHABLE;
            out->cb_unreachable = json_is_true(v);
        } else if (strcmp(k, "close_kind") == 0) {
            out->set |= FS_CLOSE_KIND;
            out->close_kind = (int)jint(v);
        } else if (strcmp(k, "type") == 0) {
            out->set |= FS_TYPE;
            out->type = (int)jint(v);
        } else if (strcmp(k, "anonymous") == 0) {
            out->set |= FS_ANONYMOUS;
            out->anonymous = json_is_true(v);
        } else if (strcmp(k, "channel") == 0) {
            out->set |= FS_CHANNEL;
            out->upstream = json_is_string(v) && strcmp(json_string_value(v), "upstream") == 0;
        } else if (strcmp(k, "duplicate_of") == 0) {
            out->set |= FS_DUPLICATE_OF;
            out->duplicate_of = jint(v);
        }
    }
    json_object_foreach((json_t *)args, k, v)
    {
        if (strcmp(k, "unit_id") == 0 && json_is_integer(v)) {
            out->args |= FA_UNIT_ID;
            out->a_unit_id = jint(v);
        } else if (strcmp(k, "unjustified") == 0) {
            out->args |= FA_UNJUSTIFIED;
            out->a_unjustified = json_is_true(v);
        } else if (strcmp(k, "late") == 0) {
            out->args |= FA_LATE;
            out->a_late = json_is_true(v);
        } else if (strcmp(k, "pass") == 0) {
            out->args |= FA_PASS;
            out->a_pass = !json_is_false(v);
        } else if (strcmp(k, "unreachable") == 0) {
            out->args |= FA_UNREACHABLE;
            out->a_unreachable = json_is_true(v);
        } else if (strcmp(k, "level") == 0) {
            out->args |= FA_LEVEL;
            out->a_upstream = json_is_string(v) && strcmp(json_string_value(v), "upstream") == 0;
        } else if (strcmp(k, "approve") == 0) {
            out->args |= FA_APPROVE;
            out->a_approve = json_is_true(v);
        } else if (strcmp(k, "answer_due") == 0) {
            int64_t t;
            if (json_is_integer(v)) {
                out->args |= FA_ANSWER_DUE;
                out->a_answer_due = jint(v);
            } else if (json_is_string(v) && jtime_parse(json_string_value(v), &t) == 0) {
                out->args |= FA_ANSWER_DUE;
                out->a_answer_due = t;
            }
        } else if (strcmp(k, "kind") == 0) {
            out->args |= FA_KIND;
            int kind = json_is_string(v) ? js_name_index(js_supk_names, json_string_value(v)) : -1;
            out->a_kind = kind < 0 ? SUPK_OTHER : kind;
        } else if (strcmp(k, "orders") == 0) {
            out->args |= FA_ORDERS;
            out->a_orders = (int)json_array_size(v);
        } else if (strcmp(k, "duplicate_of") == 0 && json_is_integer(v)) {
            out->args |= FA_DUPLICATE_OF;
            out->a_duplicate_of = jint(v);
        } else if (strcmp(k, "process_satisfaction") == 0) {
            int sat =
                json_is_string(v) ? js_name_index(js_satisfaction_names, json_string_value(v)) : -1;
            if (sat > SAT_NONE) {
                out->args |= FA_PROCESS_SAT;
                out->a_process_sat = sat;
            }
        } else if (strcmp(k, "feedback_due") == 0) {
            int64_t t;
            if (json_is_integer(v)) {
                out->args |= FA_FEEDBACK_DUE;
                out->a_feedback_due = jint(v);
            } else if (json_is_string(v) && jtime_parse(json_string_value(v), &t) == 0) {
                out->args |= FA_FEEDBACK_DUE;
                out->a_feedback_due = t;
            }
        }
    }
    return 0;
}

/* The part of an order's state the fold needs, kept from the "set" of each event. */
struct mini {
    int n_units;
    struct fact_unit u[ORDER_MAX_UNITS];
    int64_t deadline, duplicate_of;
    int hang, closure, cb_contacted, cb_solved, cb_sat, close_kind, type;
    bool cb_unreachable, anonymous, upstream;
};

static void mini_init(struct mini *m)
{
    memset(m, 0, sizeof *m);
    m->closure = -1;
    m->cb_contacted = m->cb_solved = -1;
    m->cb_sat = SAT_NONE;
    m->close_kind = CK_NONE;
}

/* Applies the members of an event's "set" that the fold reads. */
static void mini_apply(struct mini *m, const struct fact_event *fe)
{
    unsigned s = fe->set;
    if (s & FS_UNITS) {
        m->n_units = fe->n_units;
        memcpy(m->u, fe->units, sizeof(struct fact_unit) * (size_t)fe->n_units);
    }
    if (s & FS_DEADLINE)
        m->deadline = fe->deadline;
    if (s & FS_HANG)
        m->hang = fe->hang;
    if (s & FS_CLOSURE)
        m->closure = fe->closure;
    if (s & FS_CB_CONTACTED)
        m->cb_contacted = fe->cb_contacted;
    if (s & FS_CB_SOLVED)
        m->cb_solved = fe->cb_solved;
    if (s & FS_CB_SAT)
        m->cb_sat = fe->cb_sat;
    if (s & FS_CB_UNREACHABLE)
        m->cb_unreachable = fe->cb_unreachable;
    if (s & FS_CLOSE_KIND)
        m->close_kind = fe->close_kind;
    if (s & FS_TYPE)
        m->type = fe->type;
    if (s & FS_ANONYMOUS)
        m->anonymous = fe->anonymous;
    if (s & FS_CHANNEL)
        m->upstream = fe->upstream;
    if (s & FS_DUPLICATE_OF)
        m->duplicate_of = fe->duplicate_of;
}

/* True if the unit holds the order as a responsible unit (lead or dual). */
static bool responsible(const struct fact_unit *u)
{
    return u->active && (u->role == ASG_LEAD || u->role == ASG_DUAL);
}

static bool responsible_in(const struct mini *m, int64_t unit_id)
{
    for (int i = 0; i < m->n_units; i++)
        if (m->u[i].unit_id == unit_id && responsible(&m->u[i]))
            return true;
    return false;
}

static struct fact_case *case_of(struct fact_set *fs, int64_t unit_id)
{
    for (int i = 0; i < fs->n_cases; i++)
        if (fs->cases[i].unit_id == unit_id)
            return &fs->cases[i];
    return NULL;
}

static int mark(struct fact_case *c, int kind, int64_t at, int64_t v, int a, int b, int cc)
{
    if (!c)
        return 0;
    if (c->n_marks == c->cap_marks) {
        int cap = c->cap_marks ? c->cap_marks * 2 : 8;
        struct fact_mark *m = realloc(c->marks, (size_t)cap * sizeof *m);
        if (!m)
            return -JS_ENOMEM;
        c->marks = m;
        c->cap_marks = cap;
    }
    c->marks[c->n_marks++] = (struct fact_mark){.at = at,
                                                .v = v,
                                                .kind = (uint8_t)kind,
                                                .a = (uint8_t)a,
                                                .b = (uint8_t)b,
                                                .c = (uint8_t)cc};
    return 0;
}

/* Adds a mark to every case whose unit is responsible in m. */
static int mark_held(struct fact_set *fs, const struct mini *m, int kind, int64_t at, int64_t v,
                     int a, int b, int cc)
{
    for (int i = 0; i < fs->n_cases; i++)
        if (responsible_in(m, fs->cases[i].unit_id)) {
            int rc = mark(&fs->cases[i], kind, at, v, a, b, cc);
            if (rc)
                return rc;
        }
    return 0;
}

static uint8_t tri(int v)
{
    return v < 0 ? 2 : v ? 1 : 0;
}

static int sort_marks_cmp(const void *a, const void *b)
{
    const struct fact_mark *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return 0;
}

/* Insertion of repeat marks keeps the marks in time order (stable for equal times). */
static int add_repeat(struct fact_case *c, int64_t at)
{
    int rc = mark(c, FM_REPEAT, at, 1, 0, 0, 0);
    if (rc)
        return rc;
    struct fact_mark m = c->marks[c->n_marks - 1];
    int i = c->n_marks - 1;
    while (i > 0 && c->marks[i - 1].at > m.at) {
        c->marks[i] = c->marks[i - 1];
        i--;
    }
    c->marks[i] = m;
    return 0;
}

void fact_set_release(struct fact_set *fs)
{
    if (!fs)
        return;
    for (int i = 0; i < fs->n_cases; i++)
        free(fs->cases[i].marks);
    fs->n_cases = 0;
}

/* One event of the fold: what changed responsibility, and the marks of the action. */
static int fold_event(struct fact_set *fs, struct mini *st, int rejections[],
                      const struct fact_event *ev, struct js_error *e)
{
    struct mini before = *st;
    int rc = 0;
    mini_apply(st, ev);
    int64_t at = ev->at;

    /* Responsibility: new units get a case, units that stopped holding get a DROP. */
    for (int i = 0; i < st->n_units; i++) {
        const struct fact_unit *u = &st->u[i];
        if (!responsible(u) || responsible_in(&before, u->unit_id))
            continue;
        struct fact_case *c = case_of(fs, u->unit_id);
        if (c) {
            if ((rc = mark(c, FM_HOLD, at, 0, 0, 0, 0)))
                return rc;
            continue;
        }
        if (fs->n_cases >= ORDER_MAX_UNITS)
            return js_fail(e, JS_EINVAL, "units", "order %lld has too many units",
                           (long long)ev->order_id);
        c = &fs->cases[fs->n_cases++];
        memset(c, 0, sizeof *c);
        c->order_id = ev->order_id;
        c->unit_id = u->unit_id;
        c->recv = at;
        c->flags =
            (u->role == ASG_DUAL ? FC_DUAL : 0) | (st->anonymous ? FC_ANON : 0) |
            (st->type == TYPE_PRAISE ? FC_PRAISE : 0) | (st->upstream ? FC_UPSTREAM : 0) |
            (ev->action == ACT_DISPATCH && ev->status_before == ST_COORDINATION ? FC_HARD : 0);
        if ((rc = mark(c, FM_DEADLINE, at, st->deadline, 0, 0, 0)) ||
            (st->hang && (rc = mark(c, FM_HANG, at, 0, st->hang, 0, 0))))
            return rc;
    }
    for (int i = 0; i < before.n_units; i++) {
        const struct fact_unit *u = &before.u[i];
        if (responsible(u) && !responsible_in(st, u->unit_id) &&
            (rc = mark(case_of(fs, u->unit_id), FM_DROP, at, 0, 0, 0, 0)))
            return rc;
    }
    if ((ev->set & FS_DEADLINE) && (rc = mark_held(fs, st, FM_DEADLINE, at, st->deadline, 0, 0, 0)))
        return rc;
    if ((ev->set & FS_HANG) && (rc = mark_held(fs, st, FM_HANG, at, 0, st->hang, 0, 0)))
        return rc;

    switch (ev->action) {
    case ACT_RETURN: {
        struct fact_case *c = case_of(fs, ev->actor_unit);
        if (c) {
            int k = (int)(c - fs->cases);
            rc = mark(c, FM_RETURN, at, 0, rejections[k] > 255 ? 255 : rejections[k],
                      (ev->args & FA_LATE) && ev->a_late ? 1 : 0, 0);
        }
        break;
    }
    case ACT_RETURN_REJECT: {
        int64_t unit = (ev->args & FA_UNIT_ID) ? ev->a_unit_id : 0;
        for (int i = 0; !unit && i < before.n_units; i++)
            if (before.u[i].return_pending) { /* the unit whose return is no longer pending */
                bool still = false;
                for (int j = 0; j < st->n_units; j++)
                    if (st->u[j].unit_id == before.u[i].unit_id && st->u[j].return_pending)
                        still = true;
                if (!still)
                    unit = before.u[i].unit_id;
            }
        struct fact_case *c = case_of(fs, unit);
        if (!c)
            break;
        rejections[c - fs->cases]++;
        if (!(ev->args & FA_UNJUSTIFIED) || ev->a_unjustified) /* absent means unjustified */
            rc = mark(c, FM_SHIRK, at, 0, 0, 0, 0);
        break;
    }
    case ACT_REPLY: {
        bool in_time = before.deadline == 0 || at <= before.deadline || before.hang == 2;
        rc = mark(case_of(fs, ev->actor_unit), FM_REPLY, at, 0, st->closure < 0 ? 0 : st->closure,
                  in_time, 0);
        break;
    }
    case ACT_REVIEW:
        if ((ev->args & FA_PASS) && !ev->a_pass)
            rc = mark_held(fs, &before, FM_REWORK, at, 0, 0, 0, 0);
        break;
    case ACT_CALLBACK: {
        /* bits 0-1: contacted (0 no, 1 yes, 2 unknown); bits 2-4: the service-process
         * satisfaction + 1 (001 附件 三(一)2(1)), 0 when not asked */
        int process = (ev->args & FA_PROCESS_SAT) ? ev->a_process_sat + 1 : 0;
        if (!ev->a_unreachable && !st->cb_unreachable && st->cb_sat != SAT_NONE)
            rc = mark_held(fs, &before, FM_CALLBACK, at, 0, tri(st->cb_contacted) | process << 2,
                           tri(st->cb_solved), st->cb_sat);
        break;
    }
    case ACT_REOPEN:
        rc = mark_held(fs, &before, FM_REOPEN, at, 0, ev->a_upstream, 0, 0);
        break;
    case ACT_EXTENSION_REQUEST:
    case ACT_HANG_REQUEST:
    case ACT_HANG_PROGRESS:
        rc = mark(case_of(fs, ev->actor_unit), FM_FEEDBACK, at, 0, 0, 0, 0);
        break;
    case ACT_CLOSE:
    case ACT_FORCE_CLOSE:
        rc = mark_held(fs, &before, FM_CLOSE, at, 0,
                       ev->action == ACT_FORCE_CLOSE ? CK_FORCED : st->close_kind, 0, 0);
        break;
    case ACT_EXTENSION_DECIDE:
        if (ev->a_approve)
            rc = mark_held(fs, &before, FM_EXT, at, 0, 0, 0, 0);
        break;
    case ACT_SUPERVISE: /* the answer is due when args say, else in 24 h */
        rc = mark_held(fs, &before, FM_SUPERVISE, at,
                       (ev->args & FA_ANSWER_DUE) ? ev->a_answer_due : at + 24 * 3600, 0,
                       (ev->args & FA_KIND) ? ev->a_kind : SUPK_OTHER, 0);
        break;
    case ACT_SUPERVISE_ANSWER: {
        struct fact_case *c = case_of(fs, ev->actor_unit);
        if ((rc = mark(c, FM_FEEDBACK, at, 0, 0, 0, 0)))
            break;
        for (int i = 0; c && i < c->n_marks; i++)
            if (c->marks[i].kind == FM_SUPERVISE && c->marks[i].a == 0) {
                c->marks[i].a = at <= c->marks[i].v ? 1 : 2;
                break;
            }
        break;
    }
    case ACT_MERGE:
        if (ev->a_orders > 0)
            rc = mark_held(fs, &before, FM_REPEAT, at, ev->a_orders, 0, 0, 0);
        break;
    case ACT_NOT_FILE: {
        int64_t dup = st->duplicate_of               ? st->duplicate_of
                      : (ev->args & FA_DUPLICATE_OF) ? ev->a_duplicate_of
                                                     : 0;
        if (dup) {
            fs->dup_target = dup;
            fs->dup_at = at;
        }
        break;
    }
    default:
        break;
    }
    /* a dispatch or a reopen starts a feedback limit for the units that hold the order after
     * it (003 art. 13(1)); a reply is feedback too */
    if (!rc && (ev->args & FA_FEEDBACK_DUE) && ev->a_feedback_due > 0 &&
        (ev->action == ACT_DISPATCH || ev->action == ACT_REOPEN))
        rc = mark_held(fs, st, FM_FB_DUE, at, ev->a_feedback_due, 0, 0, 0);
    if (!rc && ev->action == ACT_REPLY)
        rc = mark(case_of(fs, ev->actor_unit), FM_FEEDBACK, at, 0, 0, 0, 0);
    return rc;
}

int facts_fold(const struct fact_event *evs, int n, const int64_t *repeat_at, int n_repeats,
               struct fact_set *out, struct js_error *e)
{
    memset(out, 0, sizeof *out);
    struct mini st;
    mini_init(&st);
    int rejections[ORDER_MAX_UNITS] = {0};
    int rc = 0;
    bool sorted = true;
    for (int i = 0; i < n; i++) {
        if (i > 0 && evs[i].at < evs[i - 1].at)
            sorted = false;
        if ((rc = fold_event(out, &st, rejections, &evs[i], e)))
            return rc == -JS_ENOMEM ? js_fail(e, JS_ENOMEM, NULL, "out of memory") : rc;
    }
    for (int c = 0; !sorted && c < out->n_cases; c++) /* clocks never go back, but be safe */
        qsort(out->cases[c].marks, (size_t)out->cases[c].n_marks, sizeof(struct fact_mark),
              sort_marks_cmp);
    for (int r = 0; r < n_repeats; r++)
        for (int c = 0; c < out->n_cases; c++)
            if ((rc = add_repeat(&out->cases[c], repeat_at[r])))
                return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    return 0;
}

int facts_derive(const struct event *evs, int n, const int64_t *repeat_at, int n_repeats,
                 struct fact_set *out, struct js_error *e)
{
    memset(out, 0, sizeof *out);
    struct fact_event *fe = malloc(sizeof *fe * (size_t)(n > 0 ? n : 1));
    if (!fe)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    int rc = 0;
    for (int i = 0; i < n && !rc; i++)
        rc = fact_event_decode(&evs[i], &fe[i], e);
    if (!rc)
        rc = facts_fold(fe, n, repeat_at, n_repeats, out, e);
    free(fe);
    return rc;
}

/* ---- compact form ----------------------------------------------------------------------- */

#define MARK_BYTES 12
#define NO_TIME    INT32_MIN

static void put32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
    p[2] = (uint8_t)(u >> 16);
    p[3] = (uint8_t)(u >> 24);
}

static int32_t get32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

static int32_t rel(int64_t t, int64_t base)
{
    int64_t d = t - base;
    return d < -INT32_MAX ? -INT32_MAX : d > INT32_MAX ? INT32_MAX : (int32_t)d;
}

/* Kinds whose v is an instant (stored relative to recv, 0 as NO_TIME). */
static bool v_is_time(int kind)
{
    return kind == FM_DEADLINE || kind == FM_SUPERVISE || kind == FM_FB_DUE;
}

#define HEAD_BYTES 28

static void put64(uint8_t *p, int64_t v)
{
    put32(p, (int32_t)(uint32_t)((uint64_t)v & 0xFFFFFFFFu));
    put32(p + 4, (int32_t)(uint32_t)((uint64_t)v >> 32));
}

static int64_t get64(const uint8_t *p)
{
    return (int64_t)((uint64_t)(uint32_t)get32(p) | (uint64_t)(uint32_t)get32(p + 4) << 32);
}

size_t fact_case_size(int n_marks)
{
    return HEAD_BYTES + (size_t)n_marks * MARK_BYTES;
}

void fact_case_encode(const struct fact_case *c, uint8_t *out)
{
    put64(out, c->recv);
    put64(out + 8, c->order_id);
    put64(out + 16, c->unit_id);
    put32(out + 24, (int32_t)c->flags);
    out += HEAD_BYTES;
    for (int i = 0; i < c->n_marks; i++, out += MARK_BYTES) {
        const struct fact_mark *m = &c->marks[i];
        put32(out, rel(m->at, c->recv));
        int32_t v;
        if (v_is_time(m->kind))
            v = m->v ? rel(m->v, c->recv) : NO_TIME;
        else
            v = m->v > INT32_MAX ? INT32_MAX : (int32_t)m->v;
        put32(out + 4, v);
        out[8] = m->kind;
        out[9] = m->a;
        out[10] = m->b;
        out[11] = m->c;
    }
}

int fact_case_decode(struct fact_case *c, const uint8_t *blob, size_t len)
{
    if (len < HEAD_BYTES || (len - HEAD_BYTES) % MARK_BYTES)
        return -JS_EINVAL;
    int n = (int)((len - HEAD_BYTES) / MARK_BYTES);
    if (n > c->cap_marks) {
        struct fact_mark *m = realloc(c->marks, (size_t)n * sizeof *m);
        if (!m)
            return -JS_ENOMEM;
        c->marks = m;
        c->cap_marks = n;
    }
    c->recv = get64(blob);
    c->order_id = get64(blob + 8);
    c->unit_id = get64(blob + 16);
    c->flags = (uint32_t)get32(blob + 24);
    blob += HEAD_BYTES;
    for (int i = 0; i < n; i++, blob += MARK_BYTES) {
        struct fact_mark *m = &c->marks[i];
        m->at = c->recv + get32(blob);
        int32_t v = get32(blob + 4);
        m->kind = blob[8];
        if (m->kind == 0 || m->kind >= FM__COUNT)
            return -JS_EINVAL;
        m->v = v_is_time(m->kind) ? (v == NO_TIME ? 0 : c->recv + v) : v;
        m->a = blob[9];
        m->b = blob[10];
        m->c = blob[11];
    }
    c->n_marks = n;
    return 0;
}

/* ---- periods ---------------------------------------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

static bool is_bare_date(const char *s)
{
    return strlen(s) == 10 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) &&
           s[7] == '-' && all_digits(s + 8, 2);
}

static int64_t month_start(int y, int m)
{
    while (m > 12) {
        m -= 12;
        y++;
    }
    return jtime_day_start(jtime_days_from_civil(y, m, 1));
}

int ind_period_range(const char *from, const char *to, struct ind_period *p, struct js_error *e)
{
    int64_t f, t;
    if (!from || jtime_parse(from, &f))
        return js_fail(e, JS_EINVAL, "from", "not a date: %s", from ? from : "(none)");
    if (!to || jtime_parse(to, &t))
        return js_fail(e, JS_EINVAL, "to", "not a date: %s", to ? to : "(none)");
    if (is_bare_date(to))
        t += JT_DAY;
    if (t <= f)
        return js_fail(e, JS_EINVAL, "to", "the period ends before it starts");
    p->from = f;
    p->to = p->cutoff = t;
    return 0;
}

int ind_period_parse(const char *spec, struct ind_period *p, struct js_error *e)
{
    size_t n = spec ? strlen(spec) : 0;
    const char *dots = spec ? strstr(spec, "..") : NULL;
    if (dots) {
        char a[40], b[40];
        size_t la = (size_t)(dots - spec), lb = n - la - 2;
        if (la == 0 || lb == 0 || la >= sizeof a || lb >= sizeof b)
            return js_fail(e, JS_EINVAL, "period", "expected FROM..TO, got '%s'", spec);
        memcpy(a, spec, la);
        a[la] = '\0';
        memcpy(b, dots + 2, lb);
        b[lb] = '\0';
        return ind_period_range(a, b, p, e);
    }
    if (n < 4 || !all_digits(spec, 4))
        return js_fail(e, JS_EINVAL, "period",
                       "expected YYYY, YYYY-MM, YYYY-Qn or FROM..TO, got '%s'", spec ? spec : "");
    int y = (spec[0] - '0') * 1000 + (spec[1] - '0') * 100 + (spec[2] - '0') * 10 + spec[3] - '0';
    if (n == 4) {
        p->from = month_start(y, 1);
        p->to = month_start(y + 1, 1);
    } else if (n == 7 && spec[4] == '-' && (spec[5] == 'Q' || spec[5] == 'q') && spec[6] >= '1' &&
               spec[6] <= '4') {
        int q = spec[6] - '0';
        p->from = month_start(y, 3 * q - 2);
        p->to = month_start(y, 3 * q + 1);
    } else if (n == 7 && spec[4] == '-' && all_digits(spec + 5, 2)) {
        int m = (spec[5] - '0') * 10 + spec[6] - '0';
        if (m < 1 || m > 12)
            return js_fail(e, JS_EINVAL, "period", "no month %d", m);
        p->from = month_start(y, m);
        p->to = month_start(y, m + 1);
    } else {
        return js_fail(e, JS_EINVAL, "period",
                       "expected YYYY, YYYY-MM, YYYY-Qn or FROM..TO, got '%s'", spec);
    }
    p->cutoff = p->to;
    return 0;
}

void ind_period_format(const struct ind_period *p, char *out, size_t n)
{
    int y, m, d;
    jtime_civil_from_days(jtime_local_day(p->from), &y, &m, &d);
    bool day_aligned = p->from == jtime_day_start(jtime_local_day(p->from));
    if (day_aligned && d == 1) {
        if (m == 1 && p->to == month_start(y + 1, 1)) {
            snprintf(out, n, "%04d", y);
            return;
        }
        if ((m - 1) % 3 == 0 && p->to == month_start(y, m + 3)) {
            snprintf(out, n, "%04d-Q%d", y, (m + 2) / 3);
            return;
        }
        if (p->to == month_start(y, m + 1)) {
            snprintf(out, n, "%04d-%02d", y, m);
            return;
        }
    }
    char a[32], b[32];
    jtime_format(p->from, a, sizeof a);
    jtime_format(p->to, b, sizeof b);
    snprintf(out, n, "%s..%s", a, b);
}

/* ---- evaluating a case ------------------------------------------------------------------- */

void ind_params_default(struct ind_params *prm)
{
    memset(prm, 0, sizeof *prm);
    prm->supervision_points[SUPK_CITY_ACCOUNT] = 0.2;
    prm->supervision_points[SUPK_CITY_WRITTEN] = 0.5;
    prm->supervision_points[SUPK_COUNTY_INSPECTION] = 1;
    prm->supervision_points[SUPK_MEDIA] = 5;
    prm->supervision_points[SUPK_DISCIPLINE] = 5;
}

/* A case as it stood at the cut-off. */
struct standing {
    bool held, replied, reply_in_time, reworked, forced, closed, ext, reopened;
    int reply_closure, shirks, insists, late_replies, late_returns, repeats, close_kind, hang;
    int returns;
    int reopens[2];
    bool has_cb, first_cb_done, first_cb_satisfied, last_satisfied, last_after_reopen,
        ever_not_contacted;
    int last_contacted, last_solved;
    int64_t deadline;
    /* feedback limits (003 art. 13): the current one, whether it was met, and the limits
     * decided before the cut-off (met, or passed without feedback) and those missed */
    int64_t fb_due;
    bool fb_met;
    int fb_decided, fb_missed;
    bool supervision_unanswered;
    double supervision_points;
};

/* Ends the current feedback limit at `until` (the next limit's start, or the cut-off): it is
 * decided if it was met or passed before then, missed if it passed without feedback. */
static void fb_close(struct standing *s, int64_t until)
{
    if (s->fb_due <= 0)
        return;
    if (s->fb_met || s->fb_due < until) {
        s->fb_decided++;
        if (!s->fb_met)
            s->fb_missed++;
    }
    s->fb_due = 0;
}

static void stand(const struct fact_case *c, int64_t cut, const struct ind_params *prm,
                  struct standing *s)
{
    memset(s, 0, sizeof *s);
    s->held = true;
    s->reply_closure = -1;
    for (int i = 0; i < c->n_marks; i++) {
        const struct fact_mark *m = &c->marks[i];
        if (m->at >= cut)
            break;
        switch (m->kind) {
        case FM_DROP:
            s->held = false;
            break;
        case FM_HOLD:
            s->held = true;
            break;
        case FM_SHIRK:
            s->shirks++;
            break;
        case FM_RETURN:
            s->returns++;
            if (m->a > 0)
                s->insists++;
            if (m->b)
                s->late_returns++;
            break;
        case FM_REPLY:
            s->replied = true;
            s->reply_closure = m->a;
            s->reply_in_time = m->b != 0;
            if (!m->b)
                s->late_replies++;
            break;
        case FM_REWORK:
            s->reworked = true;
            s->replied = false;
            break;
        case FM_REOPEN:
            s->reopens[m->a ? 1 : 0]++;
            s->reopened = true;
            s->replied = false;
            break;
        case FM_CALLBACK: {
            bool sat = m->c == SAT_SATISFIED || (prm->basic_is_satisfied && m->c == SAT_BASIC);
            if (!s->first_cb_done) {
                s->first_cb_done = true;
                s->first_cb_satisfied = sat && !s->reopened;
            }
            s->has_cb = true;
            int contacted = m->a & 3, process = m->a >> 2;
            s->last_contacted = contacted;
            s->last_solved = m->b;
            s->last_satisfied = sat;
            s->last_after_reopen = s->reopened;
            /* 001 附件 三(一)2(1): 未联系的、服务过程不满意的，即视为未响应工单 */
            if (contacted == 0 || process == SAT_UNSATISFIED + 1)
                s->ever_not_contacted = true;
            break;
        }
        case FM_CLOSE:
            s->closed = true;
            s->close_kind = m->a;
            if (m->a == CK_FORCED)
                s->forced = true;
            break;
        case FM_EXT:
            s->ext = true;
            break;
        case FM_DEADLINE:
            s->deadline = m->v;
            break;
        case FM_HANG:
            s->hang = m->a;
            break;
        case FM_SUPERVISE:
            if (m->b < SUPK__COUNT)
                s->supervision_points += prm->supervision_points[m->b];
            if (m->v < cut && m->a != 1)
                s->supervision_unanswered = true;
            break;
        case FM_REPEAT:
            if (m->at >= c->recv)
                s->repeats += (int)m->v;
            break;
        case FM_FB_DUE:
            fb_close(s, m->at);
            s->fb_due = m->v;
            s->fb_met = false;
            break;
        case FM_FEEDBACK:
            if (s->fb_due > 0 && m->at <= s->fb_due)
                s->fb_met = true;
            break;
        default:
            break;
        }
    }
    fb_close(s, cut);
}

#define RATE(i, cond)                                                                              \
    do {                                                                                           \
        den[i] += 1;                                                                               \
        num[i] += (cond) ? 1 : 0;                                                                  \
    } while (0)

/* Adds what a case received in the period contributes to num and den (IND__COUNT each). */
static void accumulate(const struct fact_case *c, const struct ind_period *p,
                       const struct ind_params *prm, double *num, double *den)
{
    struct standing s;
    stand(c, p->cutoff, prm, &s);
    bool overdue_unreplied = s.held && !s.replied && s.deadline > 0 && s.deadline < p->cutoff &&
                             s.hang != 2 && (!s.closed || s.forced);

    /* Every order received counts for these. */
    num[IND_RECEIVED] += 1;
    den[IND_SHIRK_RATE] += 1;
    num[IND_SHIRK_RATE] += s.shirks;
    num[IND_PROCESS_DEDUCTION] +=
        0.5 * s.shirks +
        0.2 * (s.insists + s.late_returns + s.late_replies + (overdue_unreplied ? 1 : 0));
    num[IND_SUPERVISION_DEDUCTION] += s.supervision_points;
    RATE(IND_RETURN_RATE, s.returns > 0); /* 002 art. 33 回退情况 */
    if (!s.held)
        return;
    bool in_time = s.replied && s.reply_in_time;
    num[IND_VOLUME] += 1;
    RATE(IND_INTERIM_RATE, in_time && s.reply_closure == CLOSURE_INTERIM);
    RATE(IND_RESOLVED_RATE,
         in_time && (s.reply_closure == CLOSURE_RESOLVED || s.reply_closure == CLOSURE_EXPLAINED));
    RATE(IND_FORCED_RATE, s.forced);
    RATE(IND_REWORK_RATE, s.reworked);
    num[IND_SUPERVISION_UNANSWERED] += s.supervision_unanswered ? 1 : 0;
    den[IND_REPEAT_RATE] += 1;
    num[IND_REPEAT_RATE] += s.repeats;
    if (s.has_cb) {
        RATE(IND_FEEDBACK_RATE, s.last_contacted == 1);
        RATE(IND_SATISFACTION_RATE, s.last_satisfied);
        RATE(IND_RESOLUTION_RATE, s.last_solved == 1);
    }
    RATE(IND_ONTIME_RATE, in_time);
    RATE(IND_EXTENSION_RATE, s.ext);
    RATE(IND_RESPONDED_RATE, (c->flags & FC_ANON) || !s.ever_not_contacted);
    RATE(IND_FIRST_TIME_RATE, s.first_cb_satisfied);
    /* 001 附件 三(一)4: 工单在被市级热线受理中心发回重办后…群众对办理结果表示满意: the city's
     * reopens only, not the district's own */
    RATE(IND_REOPEN_SATISFIED_RATE,
         s.reopens[1] > 0 && s.has_cb && s.last_after_reopen && s.last_satisfied);
    RATE(IND_REOPEN_RATE, s.reopened);
    RATE(IND_DISTRICT_REOPEN_RATE, s.reopens[0] >= 2);
    RATE(IND_UPSTREAM_REOPEN_RATE, s.reopens[1] >= 2);
    RATE(IND_EXPLAINED_RATIO, s.replied && s.reply_closure == CLOSURE_EXPLAINED);
    num[IND_HARD_CASES] += (c->flags & FC_HARD) ? 1 : 0;
    num[IND_PRAISE_COUNT] += (c->flags & FC_PRAISE) ? 1 : 0;
    if (s.fb_decided > 0) /* 003 art. 13(1): 5个工作日内反馈办理结果 */
        RATE(IND_FEEDBACK_ONTIME_RATE, s.fb_missed == 0);
}

static bool in_period(const struct fact_case *c, const struct ind_period *p)
{
    return c->recv >= p->from && c->recv < p->to && c->recv < p->cutoff;
}

void ind_case_eval(const struct fact_case *c, const struct ind_period *p,
                   const struct ind_params *prm, uint64_t excluded, struct ind_contrib *out)
{
    memset(out, 0, sizeof *out);
    if (!in_period(c, p))
        return;
    accumulate(c, p, prm, out->num, out->den);
    for (int i = 0; excluded && i < IND__COUNT; i++)
        if (excluded & IND_BIT(i)) {
            out->num[i] = 0;
            out->den[i] = 0;
        }
}

#undef RATE

/* ---- the table ---------------------------------------------------------------------------- */

static unsigned hash_id(int64_t id, int n_slots)
{
    uint64_t h = (uint64_t)id * UINT64_C(0x9E3779B97F4A7C15);
    return (unsigned)(h >> 32) & (unsigned)(n_slots - 1);
}

int ind_table_init(struct ind_table *t, const int64_t *unit_ids, int n_units)
{
    memset(t, 0, sizeof *t);
    int slots = 16;
    while (slots < 2 * n_units)
        slots *= 2;
    size_t cells = (size_t)(n_units > 0 ? n_units : 1) * IND__COUNT;
    t->unit_ids = malloc(sizeof(int64_t) * (size_t)(n_units > 0 ? n_units : 1));
    t->num = calloc(cells, sizeof(double));
    t->den = calloc(cells, sizeof(double));
    t->val = calloc(cells, sizeof(double));
    t->slot = calloc((size_t)slots, sizeof(int));
    if (!t->unit_ids || !t->num || !t->den || !t->val || !t->slot) {
        ind_table_release(t);
        return -JS_ENOMEM;
    }
    t->n_slots = slots;
    for (int r = 0; r < n_units; r++) {
        t->unit_ids[r] = unit_ids[r];
        unsigned h = hash_id(unit_ids[r], slots);
        while (t->slot[h] && t->unit_ids[t->slot[h] - 1] != unit_ids[r])
            h = (h + 1) & (unsigned)(slots - 1);
        if (!t->slot[h])
            t->slot[h] = r + 1;
    }
    t->n_units = n_units;
    return 0;
}

void ind_table_release(struct ind_table *t)
{
    if (!t)
        return;
    free(t->unit_ids);
    free(t->num);
    free(t->den);
    free(t->val);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

int ind_table_row(const struct ind_table *t, int64_t unit_id)
{
    if (!t->n_slots)
        return -1;
    unsigned h = hash_id(unit_id, t->n_slots);
    while (t->slot[h]) {
        int r = t->slot[h] - 1;
        if (t->unit_ids[r] == unit_id)
            return r;
        h = (h + 1) & (unsigned)(t->n_slots - 1);
    }
    return -1;
}

void ind_table_add(struct ind_table *t, const struct fact_case *c, const struct ind_period *p,
                   const struct ind_params *prm, uint64_t excluded)
{
    int r = ind_table_row(t, c->unit_id);
    if (r < 0 || !in_period(c, p))
        return;
    double *num = t->num + (size_t)r * IND__COUNT, *den = t->den + (size_t)r * IND__COUNT;
    if (!excluded) { /* the common case: straight into the unit's row */
        accumulate(c, p, prm, num, den);
        return;
    }
    struct ind_contrib k;
    ind_case_eval(c, p, prm, excluded, &k);
    for (int i = 0; i < IND__COUNT; i++) {
        num[i] += k.num[i];
        den[i] += k.den[i];
    }
}

void ind_table_add_points(struct ind_table *t, int64_t unit_id, int indicator, double points)
{
    int r = ind_table_row(t, unit_id);
    if (r >= 0 && indicator >= 0 && indicator < IND__COUNT)
        t->num[(size_t)r * IND__COUNT + (size_t)indicator] += points;
}

void ind_table_add_kb(struct ind_table *t, int64_t unit_id, int64_t published, int64_t stale,
                      int64_t uses)
{
    int r = ind_table_row(t, unit_id);
    if (r < 0)
        return;
    double *num = t->num + (size_t)r * IND__COUNT, *den = t->den + (size_t)r * IND__COUNT;
    num[IND_KB_PUBLISHED] += (double)published;
    num[IND_KB_STALE] += (double)stale;
    num[IND_KB_STALE_RATE] += (double)stale;
    den[IND_KB_STALE_RATE] += (double)(published + stale);
    num[IND_KB_USES] += (double)uses;
}

void ind_table_finish(struct ind_table *t, const struct ind_params *prm)
{
    for (int r = 0; r < t->n_units; r++)
        for (int i = 0; i < IND__COUNT; i++) {
            size_t k = (size_t)r * IND__COUNT + (size_t)i;
            if (ind_defs[i].kind == 'R')
                t->val[k] = t->den[k] > 0 ? t->num[k] / t->den[k] : prm->if_empty[i];
            else
                t->val[k] = t->num[k];
        }
}
