/* Policy settings (SPEC §9): every number or choice the seeds set. A preset per seed fills them
 * as that seed says; a deployment picks one and overrides keys. */
#ifndef JIESU_POLICY_H
#define JIESU_POLICY_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"
#include "util/shipped.h"

enum span_unit { SPAN_DAYS, SPAN_WORKDAYS, SPAN_HOURS };

/* A time limit for the orders of a category, type, level, channel, tier and/or of enterprises (SPEC
 * §3.13: limits are configurable per category, level and channel). Of the overrides that match an
 * order, the one naming the most criteria wins (the first listed among equals). */
struct limit_override {
    int64_t category_id; /* 0: any category */
    int type;            /* enum req_type, -1: any */
    int level;           /* enum level, -1: any */
    int enterprise;      /* 1: enterprise requests only (the green channel of 004), -1: any */
    int tier;            /* enum tier, -1: any */
    char channel[24];    /* "": any channel */
    int limit;           /* handling limit; 0: keep the tier's or the default limit */
    int unit;            /* enum span_unit of limit */
    int sign_hours;      /* sign limit in hours; -1: keep sign_limit_hours; 0: none */
};

#define POLICY_MAX_OVERRIDES 32
struct limit_overrides {
    int n;
    struct limit_override v[POLICY_MAX_OVERRIDES];
};

/* The tier an order gets from its urgency and type when none is given (004: 根据诉求的轻重缓急
 *程度…实行2小时、24小时、7天和15天四级处置模式; 按照…诉求类型，实行差异化管理): the first rule
 * whose criteria all match gives the tier. */
struct tier_rule {
    int type;       /* enum req_type, -1: any */
    int level;      /* enum level, -1: any */
    int enterprise; /* 1: enterprise requests only, -1: any */
    int tier;       /* enum tier given */
};

#define POLICY_MAX_TIER_RULES 16
struct tier_rules {
    int n;
    struct tier_rule v[POLICY_MAX_TIER_RULES];
};

struct policy {
    char preset[32];

    /* return (000 art. 9, 001 §2(3)) */
    int return_window;
    int return_window_unit; /* enum span_unit */
    bool return_needs_basis;
    bool late_return_allowed; /* 001 附件: a return after the window goes to the platform and costs
                                 a deduction instead of being refused */
    bool second_return_needs_attachment;
    int coordination_threshold; /* units returned before coordination (000 art. 11) */
    bool first_handler_duty;    /* 001: a unit holding part of the duty keeps the order */

    /* time limits */
    int sign_limit_hours;
    int tier_hours[5];           /* by enum tier: 2h, 24h in clock hours */
    int tier_days[5];            /* by enum tier: 7d, 15d in calendar days */
    int default_limit;           /* limit when no tier is set */
    int default_limit_unit;      /* enum span_unit */
    int feedback_limit_workdays; /* 003 art. 13: 5 */
    int supervision_answer_hours;
    int upstream_supervise_hours; /* supervise this long before the upstream deadline */
    int upstream_margin_hours;    /* the local deadline and every timer of an upstream order end
                                     this long before the city's deadline (000 art. 13) */
    int forced_close_hours;       /* after the deadline with no reply */
    double urge_shares[4];        /* shares of the limit at which to urge; 0 ends the list */
    int max_extension_days;
    unsigned levels; /* the urgency levels (000 art. 8 一般、重大、紧急) orders may have here: bit
                        (1u << enum level) for each; never 0 */
    struct tier_rules tier_rules;
    struct limit_overrides limit_overrides;
    int hang_remind_days; /* 004 挂账 监督提醒: remind the unit this many days before the plan's
                             expected date; 0: no reminder */
    int hang_progress_days; /* 004 挂账: a progress report is due this many days after the
                               approval or the last report; 0: no interval */

    /* callback, reopen, warnings */
    int callback_tries;
    int reopen_warning;    /* reopened this often → warning (001 §2(5)) */
    int special_report;    /* reopened this often → special report (001 §2(6)) */
    int rework_warning;    /* perfunctory work */
    int duplicate_warning; /* this many citizens complain about one problem → warning */
    bool verify_upstream;  /* 000 art. 7 */
    bool callback_required_for_answer; /* direct answers go to callback before closing */
    bool reply_needs_sign_approval; /* 001 §2(2): a reply needs the unit leader's 签批 and names
                                       the lead and the handler */
    bool reply_waits_for_assists;   /* 002 ch. 4: the lead's reply waits for every assisting unit
                                       of a parallel dispatch to report its part */

    bool public_list; /* 000 arts. 5, 14 (信息公开): the handled orders, without personal data, on
                         a public page */

    char scheme[32]; /* assessment scheme name */

    /* notifications (SPEC §3.16) */
    char notify_gateway_url[256]; /* webhook of the SMS / messaging gateway; "" = hold messages */
    int notify_backoff_seconds;   /* first retry delay, doubled after each failure */
    int notify_max_attempts;      /* a message fails for good after this many attempts */

    json_t *doc; /* owned: the effective settings with their sources, for display */
};

/* Loads the shipped preset `name` (from sh, see util/shipped.h) and applies overrides (an object of
 * key → value, may be NULL). Unknown keys or wrong types fail with the key in e->field. p is pure
 * output (an old doc in it is not freed): on success it owns a new p->doc (policy_release it); on
 * failure it is zeroed. A name not of [a-z0-9-] fails with -JS_EINVAL (field "preset"), a preset sh
 * does not hold with -JS_ENOTFOUND. overrides is borrowed. */
int policy_load(struct policy *p, const struct shipped *sh, const char *name,
                const json_t *overrides, struct js_error *e);
/* Loads from a preset document already parsed (borrowed), as policy_load does. */
int policy_from_json(struct policy *p, const json_t *preset, const json_t *overrides,
                     struct js_error *e);
/* Frees what a policy owns. Accepts NULL. */
void policy_release(struct policy *p);
/* True when orders under p may have urgency level (enum level) `level`. */
bool policy_level_allowed(const struct policy *p, int level);
/* Names of the built-in presets, NULL-terminated. */
extern const char *const policy_preset_names[];

#endif
