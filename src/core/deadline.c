/* Time limits of an order: which limit applies (override, tier, default), the derived
 * deadlines, and where an order stands against them. */
#include "compat.h"
#include "core/deadline.h"
#include "util/jtime.h"

#include <string.h>

static int criteria(const struct limit_override *x)
{
    return (x->category_id != 0) + (x->type >= 0) + (x->level >= 0) + (x->tier >= 0) +
           (x->channel[0] != '\0') + (x->enterprise > 0);
}

static bool matches(const struct limit_override *x, const struct order *o, int tier)
{
    return (!x->category_id || x->category_id == o->category_id) &&
           (x->type < 0 || x->type == o->type) && (x->level < 0 || x->level == o->level) &&
           (x->tier < 0 || x->tier == tier) &&
           (!x->channel[0] || strcmp(x->channel, o->channel) == 0) &&
           (x->enterprise <= 0 || o->enterprise);
}

/* The best match among the overrides that set the field `want` says (limit or sign hours). */
static const struct limit_override *best(const struct policy *p, const struct order *o, int tier,
                                         bool want_limit)
{
    const struct limit_override *found = NULL;
    for (int i = 0; i < p->limit_overrides.n; i++) {
        const struct limit_override *x = &p->limit_overrides.v[i];
        if ((want_limit ? x->limit <= 0 : x->sign_hours < 0) || !matches(x, o, tier))
            continue;
        if (!found || criteria(x) > criteria(found))
            found = x;
    }
    return found;
}

const struct limit_override *deadline_override(const struct policy *p, const struct order *o,
                                               int tier)
{
    const struct limit_override *found = NULL;
    for (int i = 0; i < p->limit_overrides.n; i++) {
        const struct limit_override *x = &p->limit_overrides.v[i];
        if (matches(x, o, tier) && (!found || criteria(x) > criteria(found)))
            found = x;
    }
    return found;
}

int deadline_tier(const struct policy *p, const struct order *o)
{
    for (int i = 0; i < p->tier_rules.n; i++) {
        const struct tier_rule *r = &p->tier_rules.v[i];
        if ((r->type < 0 || r->type == o->type) && (r->level < 0 || r->level == o->level) &&
            (r->enterprise <= 0 || o->enterprise))
            return r->tier;
    }
    return TIER_NONE;
}

int64_t deadline_upstream_end(const struct policy *p, const struct order *o)
{
    if (!o || o->upstream_deadline <= 0)
        return 0;
    return o->upstream_deadline - (int64_t)p->upstream_margin_hours * 3600;
}

int64_t deadline_inside_upstream(const struct policy *p, const struct order *o, int64_t t)
{
    int64_t end = deadline_upstream_end(p, o);
    return end > 0 && (t <= 0 || t > end) ? end : t;
}

int64_t deadline_upstream_supervise_at(const struct policy *p, const struct order *o)
{
    int64_t end = deadline_upstream_end(p, o);
    if (end <= 0 || p->upstream_supervise_hours <= 0)
        return 0;
    int hours = p->upstream_supervise_hours > p->supervision_answer_hours
                    ? p->upstream_supervise_hours
                    : p->supervision_answer_hours;
    return end - (int64_t)hours * 3600;
}

/* The limit before the city's deadline is applied. */
static int64_t local_limit(const struct policy *p, const struct calendar *cal,
                           const struct order *o, int tier, int64_t from)
{
    const struct limit_override *x = best(p, o, tier, true);
    if (x)
        return calendar_add_span(cal, from, x->limit, x->unit);
    if ((tier == TIER_H2 || tier == TIER_H24) && p->tier_hours[tier] > 0)
        return calendar_add_hours(from, p->tier_hours[tier]);
    if ((tier == TIER_D7 || tier == TIER_D15) && p->tier_days[tier] > 0)
        return calendar_add_span(cal, from, p->tier_days[tier], SPAN_DAYS);
    if (p->default_limit > 0)
        return calendar_add_span(cal, from, p->default_limit, p->default_limit_unit);
    return 0;
}

int64_t deadline_limit(const struct policy *p, const struct calendar *cal, const struct order *o,
                       int tier, int64_t from)
{
    return deadline_inside_upstream(p, o, local_limit(p, cal, o, tier, from));
}

int64_t deadline_sign(const struct policy *p, const struct order *o, int tier, int64_t from)
{
    const struct limit_override *x = best(p, o, tier, false);
    int hours = x ? x->sign_hours : p->sign_limit_hours;
    return hours > 0 ? deadline_inside_upstream(p, o, calendar_add_hours(from, hours)) : 0;
}

int64_t deadline_return_end(const struct policy *p, const struct calendar *cal, int64_t from)
{
    if (p->return_window <= 0)
        return 0;
    return calendar_add_span(cal, from, p->return_window, p->return_window_unit);
}

int64_t deadline_feedback(const struct policy *p, const struct calendar *cal, const struct order *o,
                          int64_t from)
{
    if (p->feedback_limit_workdays <= 0)
        return 0;
    return deadline_inside_upstream(p, o,
                                    calendar_add_workdays(cal, from, p->feedback_limit_workdays));
}

int64_t deadline_after_hang(int64_t deadline, int64_t hang_since, int64_t now)
{
    if (deadline <= 0 || hang_since <= 0 || now <= hang_since)
        return deadline;
    return deadline + (now - hang_since);
}

bool deadline_running(const struct order *o)
{
    return o->status == ST_DISPATCHED || o->status == ST_HANDLING || o->status == ST_RETURNED;
}

bool deadline_overdue(const struct order *o, int64_t now)
{
    return deadline_running(o) && o->deadline > 0 && o->deadline < now && o->hang != 2;
}

static const struct assignment *lead_of(const struct order *o)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].active && o->units[i].role == ASG_LEAD)
            return &o->units[i];
    return NULL;
}

void deadline_state(const struct policy *p, const struct calendar *cal, const struct order *o,
                    int64_t now, struct deadline_state *out)
{
    memset(out, 0, sizeof *out);
    out->due = o->deadline;
    out->upstream = o->upstream_deadline;
    out->running = deadline_running(o);
    out->suspended = out->running && o->hang == 2;
    out->overdue = deadline_overdue(o, now);
    const struct assignment *lead = lead_of(o);
    if (out->running && lead && !lead->signed_at)
        out->sign_due = o->sign_deadline;
    if (out->running && lead && !lead->replied_at)
        out->feedback_due = deadline_feedback(p, cal, o, lead->dispatched_at);
    bool replied = o->status == ST_REPLIED || o->status == ST_CALLBACK || o->replied_at > 0;
    out->upstream_overdue = o->upstream_deadline > 0 && now > o->upstream_deadline && !replied &&
                            !status_is_final(o->status);
    if (o->deadline > 0) {
        /* a suspended deadline does not come nearer: count from the start of the hanging */
        int64_t at =
            out->suspended && o->hang_since > 0 && o->hang_since < now ? o->hang_since : now;
        out->left = o->deadline - at;
        out->work_left = calendar_work_seconds(cal, at, o->deadline);
    }
}
