/* The chasing rules: the facts folded from an order's timeline, and the actions due from them.
 * Every threshold an action is for travels in its arguments (kind, share, due, count), so that
 * the facts of the next pass see it as done. */
#include "compat.h"
#include "core/chase.h"
#include "core/deadline.h"
#include "util/jtime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const chase_warn_names[] = {"reopen", "duplicate", "rework", NULL};

void chase_facts_init(struct chase_facts *f)
{
    memset(f, 0, sizeof *f);
}

static const json_t *args_of(const struct event *ev)
{
    return json_object_get(ev->payload, "args");
}

/* An ISO time field of args, 0 when absent or malformed. */
static int64_t arg_time(const json_t *args, const char *key)
{
    int64_t t = 0;
    const char *s = json_string_value(json_object_get(args, key));
    if (!s || jtime_parse(s, &t))
        return 0;
    return t;
}

static int arg_int(const json_t *args, const char *key)
{
    const json_t *v = json_object_get(args, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}

static bool arg_is(const json_t *args, const char *key, const char *value)
{
    const char *s = json_string_value(json_object_get(args, key));
    return s && strcmp(s, value) == 0;
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static bool is_unit_role(int role)
{
    return role == ROLE_UNIT_OPERATOR || role == ROLE_UNIT_LEADER;
}

/* A system urge or supervision: the events the rules count as their own. */
static void fold_system(struct chase_facts *f, const struct order *o, const struct event *ev)
{
    const json_t *args = args_of(ev);
    int64_t due = arg_time(args, "due");
    switch (ev->action) {
    case ACT_URGE:
        if (arg_is(args, "kind", "share") && due == o->deadline) {
            double share = json_number_value(json_object_get(args, "share"));
            if (share > f->urged_share)
                f->urged_share = share;
        } else if (arg_is(args, "kind", "sign") && due == o->sign_deadline) {
            f->urged_sign = true;
        } else if (arg_is(args, "kind", "feedback")) {
            f->feedback_urged = due;
        } else if (arg_is(args, "kind", "hang_remind")) {
            f->hang_reminded = due;
        } else if (arg_is(args, "kind", "hang_report")) {
            f->hang_report_urged = due;
        } else if (arg_is(args, "kind", "instruct")) {
            f->instruct_urged = due;
        } else if (arg_is(args, "kind", "supervision") && f->n_sup_urged < CHASE_MAX_SUP) {
            f->sup_urged[f->n_sup_urged++] = due;
        }
        break;
    case ACT_MARK_OVERDUE:
        if (due == o->deadline)
            f->marked_overdue = true;
        break;
    case ACT_SUPERVISE:
        if (arg_is(args, "kind", "overdue") && due == o->deadline)
            f->supervised_overdue = true;
        else if (arg_is(args, "kind", "upstream") && due == o->upstream_deadline)
            f->supervised_upstream = true;
        else if (arg_is(args, "kind", "hang_expected"))
            f->hang_supervised = due;
        else if (arg_is(args, "kind", "reopened"))
            f->supervised_reopens = imax(f->supervised_reopens, arg_int(args, "count"));
        else if (arg_is(args, "kind", "repeated"))
            f->supervised_repeats = imax(f->supervised_repeats, arg_int(args, "count"));
        break;
    case ACT_WARN: {
        const char *kind = json_string_value(json_object_get(args, "kind"));
        int k = kind ? js_name_index(chase_warn_names, kind) : -1;
        if (k >= 0)
            f->warned[k] = imax(f->warned[k], arg_int(args, "count"));
        break;
    }
    case ACT_SPECIAL_REPORT:
        f->reported = imax(f->reported, arg_int(args, "count"));
        break;
    default:
        break;
    }
}

void chase_facts_add(struct chase_facts *f, const struct order *o, const struct event *ev)
{
    const json_t *args = args_of(ev);
    if (json_object_get(json_object_get(ev->payload, "set"), "deadline"))
        f->deadline_set_at = ev->at;
    switch (ev->action) {
    case ACT_DISPATCH:
    case ACT_REOPEN:
        f->clock_start = ev->at;
        break;
    case ACT_HANG_DECIDE:
        /* an approved hanging account starts the interval of its progress reports */
        if (json_is_true(json_object_get(args, "approve")))
            f->hang_report_at = ev->at;
        break;
    case ACT_HANG_PROGRESS:
        if (f->hang_report_at > 0)
            f->hang_report_at = ev->at;
        break;
    case ACT_HANG_LIFT:
        f->hang_report_at = 0;
        break;
    case ACT_SUPERVISE:
        /* every supervision awaits an answer, whoever started it; answers go oldest first */
        if (f->n_sup < CHASE_MAX_SUP)
            f->sup_due[f->n_sup++] = arg_time(args, "answer_due");
        break;
    case ACT_SUPERVISE_ANSWER:
        if (f->n_sup > 0) {
            if (f->sup_due[0] > 0 && ev->at > f->sup_due[0])
                f->sup_answered_late++;
            memmove(f->sup_due, f->sup_due + 1, (size_t)(f->n_sup - 1) * sizeof *f->sup_due);
            f->n_sup--;
        }
        break;
    default:
        break;
    }
    if (is_unit_role(ev->actor.role) &&
        (ev->action == ACT_REPLY || ev->action == ACT_EXTENSION_REQUEST ||
         ev->action == ACT_HANG_REQUEST || ev->action == ACT_HANG_PROGRESS ||
         ev->action == ACT_SUPERVISE_ANSWER))
        f->last_feedback = ev->at;
    if (ev->actor.role == ROLE_SYSTEM)
        fold_system(f, o, ev);
}

void chase_facts_end(struct chase_facts *f, int64_t now)
{
    f->sup_unanswered = 0;
    for (int i = 0; i < f->n_sup; i++)
        if (f->sup_due[i] > 0 && f->sup_due[i] < now)
            f->sup_unanswered++;
}

int chase_unanswered(const struct chase_facts *f)
{
    return f->sup_answered_late + f->sup_unanswered;
}

void chase_plan_release(struct chase_plan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n; i++)
        json_decref(p->v[i].args);
    p->n = 0;
}

/* ---- the rules ---------------------------------------------------------------------------- */

struct ctx {
    const struct order *o;
    const struct chase_facts *f;
    const struct policy *p;
    const struct calendar *cal;
    int64_t now;
    struct chase_plan *out;
    int rc;
};

/* Adds an action (args owned; NULL means out of memory). */
static void add(struct ctx *c, int action, json_t *args)
{
    if (c->rc)
        goto drop;
    if (!args) {
        c->rc = -JS_ENOMEM;
        return;
    }
    if (c->out->n == CHASE_MAX_ACTIONS)
        goto drop; /* the rest waits for the next pass */
    c->out->v[c->out->n].action = action;
    c->out->v[c->out->n].args = args;
    c->out->n++;
    return;
drop:
    json_decref(args);
}

static json_t *iso(int64_t t)
{
    char buf[40];
    jtime_format(t, buf, sizeof buf);
    return json_string(buf);
}

static bool is_status(const struct order *o, unsigned mask)
{
    return (mask & (1u << o->status)) != 0;
}

#define S(x) (1u << ST_##x)

/* The active lead unit, or NULL. */
static const struct assignment *lead_of(const struct order *o)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active && o->units[i].role == ASG_LEAD)
            return &o->units[i];
    return NULL;
}

static bool has_lead_type(const struct order *o)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active && (o->units[i].role == ASG_LEAD || o->units[i].role == ASG_DUAL))
            return true;
    return false;
}

/* Urges at shares of the limit (SPEC §3.13): of the shares whose instant has come since the
 * deadline was last set, the highest one not urged yet. */
static void rule_shares(struct ctx *c)
{
    const struct order *o = c->o;
    int64_t start = c->f->clock_start ? c->f->clock_start : o->dispatched_at;
    int64_t limit = o->deadline - start;
    if (limit <= 0)
        return;
    double due_share = 0;
    for (size_t i = 0; i < JS_ARRAY_LEN(c->p->urge_shares) && c->p->urge_shares[i] > 0; i++) {
        double share = c->p->urge_shares[i];
        int64_t at = start + (int64_t)floor(share * (double)limit);
        if (at <= c->now && at >= c->f->deadline_set_at)
            due_share = share;
    }
    if (due_share <= 0 || c->f->urged_share >= due_share - 1e-9)
        return;
    char note[96];
    if (due_share >= 1.0 - 1e-9)
        snprintf(note, sizeof note, "已到办理时限，请抓紧办理并反馈");
    else
        snprintf(note, sizeof note, "已过办理时限的%d%%，请抓紧办理", (int)lround(due_share * 100));
    add(c, ACT_URGE,
        json_pack("{ss ss sf so}", "note", note, "kind", "share", "share", due_share, "due",
                  iso(o->deadline)));
}

/* Urge to sign once the sign limit has passed. */
static void rule_sign(struct ctx *c)
{
    const struct order *o = c->o;
    const struct assignment *lead = lead_of(o);
    if (o->status != ST_DISPATCHED || o->sign_deadline <= 0 || c->now < o->sign_deadline || !lead ||
        lead->signed_at || c->f->urged_sign)
        return;
    add(c, ACT_URGE,
        json_pack("{ss ss so}", "note", "超过签收时限仍未签收，请立即签收", "kind", "sign", "due",
                  iso(o->sign_deadline)));
}

/* The feedback limit (003 art. 13(1):
 * 承办单位应在5个工作日内反馈办理结果…因特殊情况不能按时办结的，要及时
 * 上报办理情况及不能按时办结的原因) is its own timer, distinct from the handling deadline: it runs
 * from the unit's dispatch or the last reopen, in working days, is met by any feedback of the
 * unit (a reply, an extension or hanging request with its reason, hanging progress, a supervision
 * answer) and is not moved by an extension; when it passes without one, the unit gets its own
 * urge (kind feedback), also when the deadline falls at the same instant or earlier. */
static void rule_feedback(struct ctx *c)
{
    const struct order *o = c->o;
    const struct assignment *lead = lead_of(o);
    if (!lead || lead->replied_at || !lead->dispatched_at)
        return;
    int64_t start =
        lead->dispatched_at > c->f->clock_start ? lead->dispatched_at : c->f->clock_start;
    int64_t due = deadline_feedback(c->p, c->cal, o, start);
    if (due <= 0 || c->now < due || c->f->last_feedback >= start || c->f->feedback_urged == due)
        return;
    char note[160];
    snprintf(note, sizeof note,
             "%d个工作日内未反馈办理结果，也未上报办理情况及不能按时办结的原因，请及时反馈",
             c->p->feedback_limit_workdays);
    add(c, ACT_URGE, json_pack("{ss ss so}", "note", note, "kind", "feedback", "due", iso(due)));
}

static void supervise(struct ctx *c, const char *kind, const char *reason, int64_t due, int count)
{
    json_t *args = json_pack("{ss ss}", "reason", reason, "kind", kind);
    if (args && due && json_object_set_new(args, "due", iso(due))) {
        json_decref(args);
        args = NULL;
    }
    if (args && count && json_object_set_new(args, "count", json_integer(count))) {
        json_decref(args);
        args = NULL;
    }
    add(c, ACT_SUPERVISE, args);
}

/* Supervisions (000 art. 10, 001 §三(一)): overdue orders, orders near the upstream deadline,
 * reopened ones (the citizen was not satisfied), repeated complaints. */
static void rule_supervise(struct ctx *c, bool suspended)
{
    const struct order *o = c->o;
    const struct chase_facts *f = c->f;
    char reason[128];
    if (!is_status(o, S(DISPATCHED) | S(HANDLING)))
        return;
    if (!suspended && o->deadline > 0 && c->now > o->deadline && !f->supervised_overdue)
        supervise(c, "overdue", "超过办理时限未办结", o->deadline, 0);
    int64_t at = deadline_upstream_supervise_at(c->p, o);
    if (!suspended && at > 0 && c->now >= at && !f->supervised_upstream)
        supervise(c, "upstream", "临近市级考核截止时限仍未反馈", o->upstream_deadline, 0);
    if (o->status == ST_HANDLING && o->reopens > f->supervised_reopens) {
        snprintf(reason, sizeof reason, "群众不满意，工单第%d次重办", o->reopens);
        supervise(c, "reopened", reason, 0, o->reopens);
    }
    if (f->repeats > f->supervised_repeats) {
        snprintf(reason, sizeof reason, "同一问题重复投诉%d件", f->repeats);
        supervise(c, "repeated", reason, 0, f->repeats);
    }
}

/* An approved hanging account (004: 完善挂账销账和监督提醒机制): the plan's expected date is
 * kept on the order; the unit is reminded hang_remind_days before it, the account is supervised
 * once the date has passed without lifting, and a progress report is urged hang_progress_days
 * after the approval or the last report. Each names its threshold (due) so it happens once. */
static void rule_hang(struct ctx *c)
{
    const struct order *o = c->o;
    const struct chase_facts *f = c->f;
    const struct policy *p = c->p;
    char note[192], when[40];
    int64_t expected = o->hang_expected;
    if (expected > 0 && c->now > expected && f->hang_supervised != expected) {
        jtime_format_cn(expected, when, sizeof when);
        snprintf(note, sizeof note, "挂账事项已过计划解决时间（%s），仍未销账", when);
        supervise(c, "hang_expected", note, expected, 0);
    } else if (expected > 0 && p->hang_remind_days > 0 && c->now <= expected &&
               c->now >= expected - (int64_t)p->hang_remind_days * JT_DAY &&
               f->hang_reminded != expected) {
        jtime_format_cn(expected, when, sizeof when);
        snprintf(note, sizeof note, "挂账事项计划于%s解决，请抓紧推进，解决后及时销账", when);
        add(c, ACT_URGE,
            json_pack("{ss ss so}", "note", note, "kind", "hang_remind", "due", iso(expected)));
    }
    if (p->hang_progress_days > 0 && f->hang_report_at > 0) {
        int64_t due = f->hang_report_at + (int64_t)p->hang_progress_days * JT_DAY;
        if (c->now >= due && f->hang_report_urged != due) {
            snprintf(note, sizeof note, "挂账事项已%d天未报送进展，请报送办理进展",
                     p->hang_progress_days);
            add(c, ACT_URGE,
                json_pack("{ss ss so}", "note", note, "kind", "hang_report", "due", iso(due)));
        }
    }
}

/* 领导批示交办 (003 art. 13(2)): the written report of the unit the instruction was handed to
 * is urged once when its due time has passed without it. */
static void rule_instruct(struct ctx *c)
{
    const struct order *o = c->o;
    char note[192], when[40];
    if (!o->instruct_unit_id || o->instruct_due <= 0 || c->now <= o->instruct_due ||
        c->f->instruct_urged == o->instruct_due ||
        !is_status(o, S(DISPATCHED) | S(HANDLING) | S(RETURNED)))
        return;
    jtime_format_cn(o->instruct_due, when, sizeof when);
    snprintf(note, sizeof note,
             "领导批示交办的事项已过书面报告期限（%s），请经单位分管领导审签后立即书面报告", when);
    add(c, ACT_URGE,
        json_pack("{ss ss so}", "note", note, "kind", "instruct", "due", iso(o->instruct_due)));
}

/* Urge about every supervision whose answer is overdue (督办未回复). */
static void rule_unanswered(struct ctx *c)
{
    const struct chase_facts *f = c->f;
    if (!is_status(c->o, S(DISPATCHED) | S(HANDLING) | S(RETURNED)))
        return;
    for (int i = 0; i < f->n_sup; i++) {
        int64_t due = f->sup_due[i];
        bool urged = false;
        for (int k = 0; k < f->n_sup_urged && !urged; k++)
            urged = f->sup_urged[k] == due;
        if (due > 0 && due < c->now && !urged)
            add(c, ACT_URGE,
                json_pack("{ss ss so}", "note", "督办未在时限内回复，请立即回复", "kind",
                          "supervision", "due", iso(due)));
    }
}

static void warn(struct ctx *c, int kind, int count, int threshold, const char *reason)
{
    add(c, ACT_WARN,
        json_pack("{ss ss si ss}", "kind", chase_warn_names[kind], "level",
                  count > threshold ? "warning" : "hint", "count", count, "reason", reason));
}

/* 提示/警示 (001 §二(五)): reopened twice or more, several citizens about one problem,
 * perfunctory work (rework). The first warning at a threshold is a hint (提示), later ones are
 * warnings (警示). */
static void rule_warn(struct ctx *c)
{
    const struct order *o = c->o;
    const struct policy *p = c->p;
    char reason[128];
    if (!has_lead_type(o))
        return;
    if (p->reopen_warning > 0 && o->reopens >= p->reopen_warning &&
        o->reopens > c->f->warned[CHASE_WARN_REOPEN]) {
        snprintf(reason, sizeof reason, "工单重办%d次", o->reopens);
        warn(c, CHASE_WARN_REOPEN, o->reopens, p->reopen_warning, reason);
    }
    /* 多人: distinct people, not orders (one caller calling three times is one citizen) */
    int citizens = c->f->citizens > 0 ? c->f->citizens : c->f->repeats + 1;
    if (p->duplicate_warning > 0 && c->f->repeats > 0 && citizens >= p->duplicate_warning &&
        citizens > c->f->warned[CHASE_WARN_DUPLICATE]) {
        snprintf(reason, sizeof reason, "%d位群众集中反映同一问题", citizens);
        warn(c, CHASE_WARN_DUPLICATE, citizens, p->duplicate_warning, reason);
    }
    if (p->rework_warning > 0 && o->reworks >= p->rework_warning &&
        o->reworks > c->f->warned[CHASE_WARN_REWORK]) {
        snprintf(reason, sizeof reason, "办结申请%d次未通过审核，工作敷衍", o->reworks);
        warn(c, CHASE_WARN_REWORK, o->reworks, p->rework_warning, reason);
    }
}

/* 专报 (001 §二(六)): reopened three times or more. */
static void rule_special(struct ctx *c)
{
    const struct order *o = c->o;
    if (c->p->special_report <= 0 || o->reopens < c->p->special_report ||
        o->reopens <= c->f->reported)
        return;
    char reason[96];
    snprintf(reason, sizeof reason, "工单重办%d次，形成专报", o->reopens);
    add(c, ACT_SPECIAL_REPORT, json_pack("{ss si}", "reason", reason, "count", o->reopens));
}

int chase_due(const struct order *o, const struct chase_facts *f, const struct policy *p,
              const struct calendar *cal, int64_t now, struct chase_plan *out)
{
    struct ctx c = {o, f, p, cal, now, out, 0};
    bool running = deadline_running(o);
    bool suspended = running && o->hang == 2;
    bool overdue = deadline_overdue(o, now);
    if (overdue && !f->marked_overdue)
        add(&c, ACT_MARK_OVERDUE, json_pack("{ss}", "note", "已超过办理时限"));
    bool force = p->forced_close_hours > 0 && is_status(o, S(DISPATCHED) | S(HANDLING)) &&
                 !suspended && o->deadline > 0 &&
                 now >= o->deadline + (int64_t)p->forced_close_hours * 3600;
    if (force) {
        char reason[128];
        snprintf(reason, sizeof reason, "超过办理时限%d小时仍未回复，系统强制结案",
                 p->forced_close_hours);
        add(&c, ACT_FORCE_CLOSE, json_pack("{ss}", "reason", reason));
    } else {
        if (is_status(o, S(DISPATCHED) | S(HANDLING)) && !suspended && o->deadline > 0)
            rule_shares(&c);
        rule_sign(&c);
        if (is_status(o, S(DISPATCHED) | S(HANDLING)) && !suspended)
            rule_feedback(&c);
        rule_supervise(&c, suspended);
        if (suspended && is_status(o, S(DISPATCHED) | S(HANDLING)))
            rule_hang(&c);
        rule_unanswered(&c);
        rule_instruct(&c);
        rule_warn(&c);
        rule_special(&c);
    }
    if (c.rc)
        chase_plan_release(out);
    return c.rc;
}
