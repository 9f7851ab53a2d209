/* The chasing rules (SPEC §3.13-14; 000 arts. 10 and 19(4), 001 §二(五)(六) and §三(一), 002
 * ch. 9, 003 arts. 5(6) and 13): given an order, the relevant facts of its timeline, the policy
 * and the time, which chasing actions are due — urges at shares of the limit, at the sign limit
 * and the feedback limit, overdue flags, supervisions (overdue, near the upstream deadline,
 * reopened, repeated) with their 24 h answer, urges for unanswered supervisions, warnings
 * (提示/警示), special reports and forced closure; for an approved hanging account (004 挂账),
 * a reminder before the plan's expected date, a supervision after it, and an urge when a
 * progress report is due. Every action the rules ask for names the
 * threshold it is for in its arguments, and the facts remember the thresholds the system has
 * already acted on, so that asking again at the same instant gives nothing. Pure. */
#ifndef JIESU_CHASE_H
#define JIESU_CHASE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/calendar.h"
#include "core/order.h"
#include "core/policy.h"

#define CHASE_MAX_SUP     32 /* supervisions remembered per order */
#define CHASE_MAX_ACTIONS 16 /* actions one order may get in one pass */

/* Kinds of warning the rules give (the "kind" of a warn action). */
enum chase_warn { CHASE_WARN_REOPEN, CHASE_WARN_DUPLICATE, CHASE_WARN_REWORK, CHASE_WARN__COUNT };
extern const char *const chase_warn_names[]; /* "reopen", "duplicate", "rework" */

/* What an order's timeline says about chasing, folded event by event. */
struct chase_facts {
    int64_t clock_start;      /* when the current limit started: the last dispatch or reopen */
    int64_t deadline_set_at;  /* when the deadline last changed (dispatch, extension, lift...) */
    double urged_share;       /* highest share of the current limit the system urged at */
    bool urged_sign;          /* the system urged signing for the current sign deadline */
    int64_t feedback_urged;   /* due of the last feedback urge by the system; 0 none */
    int64_t last_feedback;    /* a lead unit's last reply, extension or hanging request, hanging
                                 progress or supervision answer */
    bool marked_overdue;      /* overdue flag for the current deadline */
    bool supervised_overdue;  /* supervision of the current deadline being passed */
    bool supervised_upstream; /* supervision before the current upstream deadline */
    int supervised_reopens;   /* reopen count of the last supervision of a reopened order */
    int supervised_repeats;   /* repeat count of the last supervision of a repeated problem */
    int warned[CHASE_WARN__COUNT]; /* highest count warned about, by kind */
    int reported;                  /* reopen count of the last special report */
    int64_t hang_report_at;    /* 004 挂账: the approval or the lead unit's last progress report
                                  of the current hanging account; 0: none approved */
    int64_t hang_reminded;     /* expected date the system reminded the unit of; 0 none */
    int64_t hang_supervised;   /* expected date the system supervised as passed; 0 none */
    int64_t hang_report_urged; /* due of the last progress-report urge by the system; 0 none */
    int64_t instruct_urged;    /* due of the instruction report the system urged; 0 none */
    int64_t sup_due[CHASE_MAX_SUP]; /* answer due of the open supervisions, oldest first (0:
                                       no limit) */
    int n_sup;
    int64_t sup_urged[CHASE_MAX_SUP]; /* answer dues the system has urged about */
    int n_sup_urged;
    int sup_answered_late; /* supervisions answered after their due */
    int sup_unanswered;    /* open supervisions past their due (set by chase_facts_end) */
    int repeats;           /* other citizens' orders about the same problem: merged into this
                              one or not filed as its duplicates (filled by the caller) */
    int citizens;          /* distinct citizens among this order and those repeats, by phone
                              (else name); one without either counts as one (filled by the
                              caller; 0: not counted, then repeats + 1 is used) */
};

/* Empty facts. */
void chase_facts_init(struct chase_facts *f);
/* Folds one event of o's timeline into f; call it for every event in version order. o is the
 * order as it stands now (the facts compare recorded thresholds with its current deadlines). */
void chase_facts_add(struct chase_facts *f, const struct order *o, const struct event *ev);
/* Ends the fold at now: counts the open supervisions already past their due. */
void chase_facts_end(struct chase_facts *f, int64_t now);
/* Supervisions not answered in time (督办未回复, 000 art. 19(6)): answered late, or open and past
 * their due. */
int chase_unanswered(const struct chase_facts *f);

/* One action to carry out as the system. */
struct chase_action {
    int action;   /* enum action */
    json_t *args; /* owned */
};
struct chase_plan {
    struct chase_action v[CHASE_MAX_ACTIONS];
    int n;
};
/* Frees the arguments of a plan. Accepts NULL. */
void chase_plan_release(struct chase_plan *p);

/* Fills out (which must be empty) with the actions due on o at now, in the order to carry them
 * out: the overdue flag, urges, supervisions, urges about unanswered supervisions, warnings,
 * the special report; or, once the forced-closure limit has passed, only the overdue flag and
 * the forced closure. cal may be NULL (weekdays). Returns 0 or -JS_ENOMEM (out released). */
int chase_due(const struct order *o, const struct chase_facts *f, const struct policy *p,
              const struct calendar *cal, int64_t now, struct chase_plan *out);

#endif
