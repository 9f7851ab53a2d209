/* The time limits of an order (SPEC §3.13, seeds 000 arts. 9-10, 001 §二(三), 003 art. 13, 004
 * tiers and 挂账): the handling deadline by override, tier or default, the sign limit, the return
 * window, the feedback limit, the upstream deadline kept beside the local one, and what an
 * extension or a hanging account does to them. Pure: instants in, instants out. */
#ifndef JIESU_DEADLINE_H
#define JIESU_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/order.h"
#include "core/policy.h"

/* The end of every local time limit of an upstream order (000 arts. 10, 13): the city's deadline
 * less the policy's upstream_margin_hours; 0 when o has no upstream deadline. */
int64_t deadline_upstream_end(const struct policy *p, const struct order *o);
/* A local time limit t of o kept inside the city's: t, or deadline_upstream_end when t is later
 * or when t is 0 (no local limit) and o has an upstream deadline. */
int64_t deadline_inside_upstream(const struct policy *p, const struct order *o, int64_t t);
/* When the system supervises an upstream order not yet replied to (000 art. 10): early enough
 * that the unit's supervision answer (supervision_answer_hours) falls before
 * deadline_upstream_end, and not later than upstream_supervise_hours before it; 0 when o has no
 * upstream deadline or upstream_supervise_hours is 0. */
int64_t deadline_upstream_supervise_at(const struct policy *p, const struct order *o);

/* The override of p that applies to order o when its tier is `tier`: of those whose criteria
 * (category, level, tier, channel) all match, the one naming the most, the first listed among
 * equals; NULL when none matches. Borrowed from p. */
const struct limit_override *deadline_override(const struct policy *p, const struct order *o,
                                               int tier);

/* The tier o gets from the policy's tier_rules by its type, level and enterprise flag (004: the
 * tier follows urgency and type): the first rule that matches; TIER_NONE when none does. */
int deadline_tier(const struct policy *p, const struct order *o);

/* The handling deadline of o counted from `from` with tier `tier`: a matching override's limit;
 * else the tier (2h / 24h in clock hours, 7d / 15d in calendar days); else the policy's default
 * limit in its unit (days, working days by cal, or hours); kept inside the city's deadline
 * (deadline_inside_upstream). 0 when there is no limit. */
int64_t deadline_limit(const struct policy *p, const struct calendar *cal, const struct order *o,
                       int tier, int64_t from);
/* The sign deadline of a dispatch at `from`: a matching override's sign_hours, else
 * sign_limit_hours, in clock hours, no later than deadline_upstream_end; 0 when there is no sign
 * limit. */
int64_t deadline_sign(const struct policy *p, const struct order *o, int tier, int64_t from);
/* The end of the return window of a unit that got the order at `from` (000 art. 9: 2 days, 001
 * §二(三): 1 working day); 0 when the window is unlimited (return_window 0). */
int64_t deadline_return_end(const struct policy *p, const struct calendar *cal, int64_t from);
/* The feedback deadline of a unit that got order o at `from`: feedback_limit_workdays working
 * days (003 art. 13: results, or progress and the reason for a delay, within 5), no later than
 * deadline_upstream_end. o may be NULL (no upstream deadline). */
int64_t deadline_feedback(const struct policy *p, const struct calendar *cal, const struct order *o,
                          int64_t from);
/* The deadline once an approved hanging account that began at hang_since is lifted at now: the
 * time spent hanging is added back (004: not overdue while approved). A deadline of 0, or an
 * unknown start (0), is returned unchanged. */
int64_t deadline_after_hang(int64_t deadline, int64_t hang_since, int64_t now);

/* True while a unit holds the order (dispatched, handling, returned) and its clock runs. */
bool deadline_running(const struct order *o);
/* True if o is past its handling deadline at now while its clock runs and no approved hanging
 * account suspends it (the same rule as the store's overdue filter). */
bool deadline_overdue(const struct order *o, int64_t now);

/* Where an order stands against its limits at `now`. */
struct deadline_state {
    int64_t due;           /* the handling deadline; 0 when none */
    int64_t upstream;      /* the upstream platform's deadline kept beside it; 0 when none */
    int64_t sign_due;      /* the sign deadline while the lead unit has not signed; else 0 */
    int64_t feedback_due;  /* the feedback deadline of the lead unit while it has not replied */
    bool running;          /* a unit holds the order */
    bool suspended;        /* an approved hanging account suspends the deadline */
    bool overdue;          /* past due while running and not suspended */
    bool upstream_overdue; /* past the upstream deadline without a reply */
    int64_t left;          /* seconds until due (negative when past); 0 without a deadline */
    int64_t work_left;     /* the same in working time by the calendar */
};
/* Fills out for o at now. */
void deadline_state(const struct policy *p, const struct calendar *cal, const struct order *o,
                    int64_t now, struct deadline_state *out);

#endif
