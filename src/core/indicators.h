/* Assessment indicators (SPEC §4) computed from the event log. An order's events are folded once
 * into compact "cases" (one per order and responsible unit) holding the happenings that matter
 * with their times; an indicator for a period is then a pass over the cases received in the
 * period, evaluated as they stood at the period's cut-off. Pure domain code: no I/O.
 * docs/indicators.md gives every definition in words; it must match this file and indicators.c. */
#ifndef JIESU_INDICATORS_H
#define JIESU_INDICATORS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/order.h"
#include "util/err.h"

/* The indicator catalogue: X(ENUM, id, Chinese label, kind). Kinds: R a rate (numerator ÷
 * denominator, 0..1), C a count, P points. Schemes refer to an indicator by its id, its label, or
 * a local name they map to it (several seeds use one Chinese name for different measures). */
#define JS_IND_LIST(X)                                                                             \
    X(RECEIVED, "received", "接收量", 'C')                                                         \
    X(VOLUME, "volume", "承办量", 'C')                                                             \
    X(SHIRK_RATE, "shirk_rate", "推诿率", 'R')                                                     \
    X(INTERIM_RATE, "interim_rate", "准办结率", 'R')                                               \
    X(RESOLVED_RATE, "resolved_rate", "实际办结率", 'R')                                           \
    X(FORCED_RATE, "forced_rate", "强制结案率", 'R')                                               \
    X(REWORK_RATE, "rework_rate", "返工率", 'R')                                                   \
    X(SUPERVISION_UNANSWERED, "supervision_unanswered", "督办未回复数", 'C')                       \
    X(REPEAT_RATE, "repeat_rate", "反复举报率", 'R')                                               \
    X(FEEDBACK_RATE, "feedback_rate", "反馈率", 'R')                                               \
    X(SATISFACTION_RATE, "satisfaction_rate", "满意率", 'R')                                       \
    X(RESOLUTION_RATE, "resolution_rate", "解决率", 'R')                                           \
    X(ONTIME_RATE, "ontime_rate", "按期办结率", 'R')                                               \
    X(EXTENSION_RATE, "extension_rate", "延期率", 'R')                                             \
    X(RESPONDED_RATE, "responded_rate", "服务响应率", 'R')                                         \
    X(PROCESS_DEDUCTION, "process_deduction", "办理过程扣分", 'P')                                 \
    X(FIRST_TIME_RATE, "first_time_rate", "一次办好率", 'R')                                       \
    X(REOPEN_SATISFIED_RATE, "reopen_satisfied_rate", "重办满意率", 'R')                           \
    X(REOPEN_RATE, "reopen_rate", "重办率", 'R')                                                   \
    X(DISTRICT_REOPEN_RATE, "district_reopen_rate", "区级重办率", 'R')                             \
    X(UPSTREAM_REOPEN_RATE, "upstream_reopen_rate", "上级重办率", 'R')                             \
    X(EXPLAINED_RATIO, "explained_ratio", "不合规诉求比例", 'R')                                   \
    X(SUPERVISION_DEDUCTION, "supervision_deduction", "督查督办扣分", 'P')                         \
    X(HARD_CASES, "hard_cases", "兜底件数", 'C')                                                   \
    X(PRAISE_COUNT, "praise_count", "表扬件数", 'C')                                               \
    X(MANUAL_DEDUCTION, "manual_deduction", "人工扣分", 'P')                                       \
    X(BONUS_POINTS, "bonus_points", "人工加分", 'P')                                               \
    X(YEAR_END, "year_end", "年终考核", 'P')                                                       \
    X(KB_PUBLISHED, "kb_published", "知识库条目数", 'C')                                           \
    X(KB_STALE, "kb_stale", "知识库过期未更新数", 'C')                                             \
    X(KB_STALE_RATE, "kb_stale_rate", "知识库过期率", 'R')                                         \
    X(KB_USES, "kb_uses", "知识库引用数", 'C')                                                     \
    X(RETURN_RATE, "return_rate", "回退率", 'R')                                                   \
    X(FEEDBACK_ONTIME_RATE, "feedback_ontime_rate", "按时反馈率", 'R')

#define JS_X_IND(N, id, label, kind) IND_##N,
enum indicator { JS_IND_LIST(JS_X_IND) IND__COUNT };
#undef JS_X_IND

struct ind_def {
    const char *id;    /* ASCII identifier, e.g. "shirk_rate" */
    const char *label; /* Chinese label, e.g. "推诿率" */
    char kind;         /* 'R' rate, 'C' count, 'P' points */
    const char *num;   /* what the numerator counts (for tables and docs) */
    const char *den;   /* what the denominator counts; NULL for counts and points */
};
extern const struct ind_def ind_defs[IND__COUNT];

/* The indicator named by id or label (exact, length len), or -1. */
int ind_lookup(const char *name, size_t len);
/* Bit of an indicator in an exclusion mask. */
#define IND_BIT(i) (UINT64_C(1) << (i))
#define IND_ALL    ((UINT64_C(1) << IND__COUNT) - 1)

/* Manual item kinds entered by supervisors (assess_items): each feeds one indicator. */
int ind_item_indicator(const char *kind); /* "manual_deduction" | "bonus_points" | "year_end" */

/* Kinds of supervision (the `kind` argument of the supervise action) that seed 001 weighs
 * differently; any other kind is SUPK_OTHER. */
#define JS_SUPK_LIST(X)                                                                            \
    X(OTHER, "other", "日常督办")                                                                  \
    X(CITY_ACCOUNT, "city_account", "市级督查账户督办")                                            \
    X(CITY_WRITTEN, "city_written", "市级书面督办")                                                \
    X(COUNTY_INSPECTION, "county_inspection", "政府督查室政务督查")                                \
    X(MEDIA, "media", "联合媒体现场督办")                                                          \
    X(DISCIPLINE, "discipline", "移交纪检监察问责")
#define JS_X_SUPK(N, n, l) SUPK_##N,
enum supervision_kind { JS_SUPK_LIST(JS_X_SUPK) SUPK__COUNT };
#undef JS_X_SUPK
extern const char *const js_supk_names[], *const js_supk_labels[];

/* ---- facts ---------------------------------------------------------------------------- */

/* What happened to a case, with its time. */
enum fact_mark_kind {
    FM_DROP = 1,  /* the unit stopped holding the order (return approved, merged, replaced) */
    FM_HOLD,      /* the unit holds the order again */
    FM_SHIRK,     /* a return of the unit was rejected as unjustified (推诿) */
    FM_RETURN,    /* the unit returned the order; a = rejections of its returns before this one,
                     b = 1 if after the return window (超期回退) */
    FM_REPLY,     /* the unit replied; a = enum closure, b = 1 if by the deadline in force */
    FM_REWORK,    /* review failed: the reply must be redone (返工) */
    FM_REOPEN,    /* reopened after callback; a = 0 district, 1 upstream */
    FM_CALLBACK,  /* a callback reached the citizen; a = contacted (bits 0-1: 0 no, 1 yes,
                     2 unknown) and the service process (服务过程) satisfaction as enum
                     satisfaction + 1 in bits 2-4 (0: not asked); b = solved (0 no, 1 yes,
                     2 unknown), c = enum satisfaction */
    FM_CLOSE,     /* closed; a = enum close_kind */
    FM_EXT,       /* an extension was approved */
    FM_DEADLINE,  /* the deadline in force became v (0: none) */
    FM_HANG,      /* hanging-account state became a (0 none, 1 asked, 2 active, 3 lifted) */
    FM_SUPERVISE, /* supervised; v = answer due; a = 0 unanswered, 1 answered by v, 2 late;
                     b = enum supervision_kind */
    FM_REPEAT,    /* v repeat reports of the same problem (duplicates, merged orders) */
    FM_FB_DUE,    /* a feedback limit started (dispatch, reopen): the unit must give feedback by
                     v (003 art. 13(1)) */
    FM_FEEDBACK,  /* the unit gave feedback: a reply, an extension or hanging request, hanging
                     progress, a supervision answer */
    FM__COUNT
};

struct fact_mark {
    int64_t at;
    int64_t v;
    uint8_t kind, a, b, c;
};

/* Case flags. */
#define FC_DUAL     0x01u /* held by dual dispatch (双派) rather than as lead */
#define FC_ANON     0x02u /* the citizen is anonymous */
#define FC_PRAISE   0x04u /* the order is a praise (表扬) */
#define FC_HARD     0x08u /* the unit took it on from coordination (兜底, 002 art. 34) */
#define FC_UPSTREAM 0x10u /* came from the upstream platform */

/* One order as held by one responsible (lead or dual) unit. */
struct fact_case {
    int64_t order_id, unit_id;
    int64_t recv; /* first dispatch of the order to the unit: the period key */
    uint32_t flags;
    int n_marks, cap_marks;
    struct fact_mark *marks; /* in time order; owned (malloc) unless borrowed by the caller */
};

/* The facts of one order: its cases, and the order it repeats if it was not filed as a
 * duplicate (the repeat counts against the target's units). */
struct fact_set {
    int n_cases;
    struct fact_case cases[ORDER_MAX_UNITS];
    int64_t dup_target, dup_at; /* 0 if none */
};

/* What the fold reads of one event: its header and the members of its payload's "set" (the
 * order fields it changed) and "args" (its validated input) that the definitions use. Bits say
 * which members were present. Decoded from the JSON payload by fact_event_decode, or straight
 * from the payload text by a store. */
enum {
    FS_UNITS = 1u << 0,
    FS_DEADLINE = 1u << 1,
    FS_HANG = 1u << 2,
    FS_CLOSURE = 1u << 3,
    FS_CB_CONTACTED = 1u << 4,
    FS_CB_SOLVED = 1u << 5,
    FS_CB_SAT = 1u << 6,
    FS_CB_UNREACHABLE = 1u << 7,
    FS_CLOSE_KIND = 1u << 8,
    FS_TYPE = 1u << 9,
    FS_ANONYMOUS = 1u << 10,
    FS_CHANNEL = 1u << 11,
    FS_DUPLICATE_OF = 1u << 12,
};
enum {
    FA_UNIT_ID = 1u << 0,
    FA_UNJUSTIFIED = 1u << 1,
    FA_PASS = 1u << 2,
    FA_UNREACHABLE = 1u << 3,
    FA_LEVEL = 1u << 4,
    FA_APPROVE = 1u << 5,
    FA_ANSWER_DUE = 1u << 6,
    FA_KIND = 1u << 7,
    FA_ORDERS = 1u << 8,
    FA_DUPLICATE_OF = 1u << 9,
    FA_LATE = 1u << 10,
    FA_PROCESS_SAT = 1u << 11,
    FA_FEEDBACK_DUE = 1u << 12,
};

struct fact_unit {
    int64_t unit_id;
    int role; /* enum asg_role */
    bool active, return_pending;
};

struct fact_event {
    int64_t order_id, version, at, actor_unit;
    int action, status_before, status_after;
    unsigned set, args; /* FS_* and FA_* bits */
    /* set */
    int n_units;
    struct fact_unit units[ORDER_MAX_UNITS];
    int64_t deadline, duplicate_of;
    int hang, closure, cb_contacted, cb_solved, cb_sat, close_kind, type;
    bool cb_unreachable, anonymous, upstream; /* upstream: channel is "upstream" */
    /* args */
    int64_t a_unit_id, a_answer_due, a_duplicate_of;
    int a_orders; /* how many orders a merge names */
    int a_kind;   /* enum supervision_kind */
    bool a_unjustified, a_pass, a_unreachable, a_upstream, a_approve;
    bool a_late;            /* a return made after the return window (001 附件 三(一)2(2)) */
    int a_process_sat;      /* the callback's 服务过程 satisfaction (enum satisfaction) */
    int64_t a_feedback_due; /* the feedback limit a dispatch or reopen starts (0: none) */
};

/* Decodes an event with a JSON payload. Returns 0 or -JS_EINVAL for a malformed payload. */
int fact_event_decode(const struct event *ev, struct fact_event *out, struct js_error *e);

/* Folds one order's decoded events (in version order) into facts. repeat_at lists the times at
 * which other orders were not filed as duplicates of this one (may be NULL when n_repeats is
 * 0). out must be released with fact_set_release, also after a failure. */
int facts_fold(const struct fact_event *evs, int n, const int64_t *repeat_at, int n_repeats,
               struct fact_set *out, struct js_error *e);
/* The same from events with JSON payloads (decoded one by one). */
int facts_derive(const struct event *evs, int n, const int64_t *repeat_at, int n_repeats,
                 struct fact_set *out, struct js_error *e);
/* Frees the marks of every case. Accepts NULL. */
void fact_set_release(struct fact_set *fs);

/* Compact on-disk form of a case: a 28-byte header (recv, order id, unit id as 64-bit and the
 * flags as 32-bit integers) and 12 bytes per mark (times relative to recv), little-endian, so
 * that a store reads a case as one value. fact_case_size gives the bytes needed; encode writes
 * them to out. */
size_t fact_case_size(int n_marks);
void fact_case_encode(const struct fact_case *c, uint8_t *out);
/* Decodes len bytes into c (ids, recv, flags and marks), growing c's owned marks array as
 * needed. Returns 0, -JS_EINVAL for a malformed blob, or -JS_ENOMEM. */
int fact_case_decode(struct fact_case *c, const uint8_t *blob, size_t len);

/* ---- periods and evaluation ----------------------------------------------------------- */

/* A period: cases received in [from, to) count, as they stood just before cutoff (= to). */
struct ind_period {
    int64_t from, to, cutoff;
};

/* Parses "2026-10" (month), "2026-Q4" (quarter), "2026" (year), or "FROM..TO" with two dates
 * (TO inclusive when it is a bare date) into p (Asia/Shanghai days). */
int ind_period_parse(const char *spec, struct ind_period *p, struct js_error *e);
/* Builds a period from two instants given as text, as `--from` and `--to`: a bare date for
 * `to` means the end of that day. */
int ind_period_range(const char *from, const char *to, struct ind_period *p, struct js_error *e);
/* Writes a period as "2026-10", "2026-Q4", "2026" when it is one, else "FROM..TO". */
void ind_period_format(const struct ind_period *p, char *out, size_t n);

/* Settings of the evaluation that schemes choose. */
struct ind_params {
    double supervision_points[SUPK__COUNT]; /* deduction per supervision by kind (001 §7) */
    bool basic_is_satisfied;                /* count 基本满意 as satisfied */
    double if_empty[IND__COUNT];            /* value of a rate whose denominator is 0 */
};
/* Defaults: 001's points (0, 0.2, 0.5, 1, 5, 5), basic not satisfied, empty rates 0. */
void ind_params_default(struct ind_params *prm);

/* What one case adds to each indicator of its unit: den is 0 or 1, num a count or points. */
struct ind_contrib {
    double num[IND__COUNT];
    double den[IND__COUNT];
};
/* Evaluates a case at p->cutoff. A case received outside [from, to) contributes nothing.
 * excluded masks indicators it must not count in (upheld appeals). */
void ind_case_eval(const struct fact_case *c, const struct ind_period *p,
                   const struct ind_params *prm, uint64_t excluded, struct ind_contrib *out);

/* Indicators of every unit: rows of IND__COUNT numerators, denominators and values. */
struct ind_table {
    int n_units;
    int64_t *unit_ids;
    double *num, *den, *val; /* n_units × IND__COUNT each */
    int *slot;               /* open-addressing map unit id → row */
    int n_slots;
};
/* Prepares a table for these units (ids copied). Returns 0 or -JS_ENOMEM. */
int ind_table_init(struct ind_table *t, const int64_t *unit_ids, int n_units);
/* Frees the table. Accepts NULL. */
void ind_table_release(struct ind_table *t);
/* Row of a unit, or -1. */
int ind_table_row(const struct ind_table *t, int64_t unit_id);
/* Adds one case (ignored if its unit has no row). */
void ind_table_add(struct ind_table *t, const struct fact_case *c, const struct ind_period *p,
                   const struct ind_params *prm, uint64_t excluded);
/* Adds points of a manual item to an indicator of a unit (ignored if the unit has no row). */
void ind_table_add_points(struct ind_table *t, int64_t unit_id, int indicator, double points);
/* Adds a unit's knowledge-base figures at the period's cut-off (issue 11; store_ops.kb_stats):
 * entries in force, entries out of date, and the direct answers of the period citing them; the
 * out-of-date rate is stale ÷ (published + stale). Ignored if the unit has no row. */
void ind_table_add_kb(struct ind_table *t, int64_t unit_id, int64_t published, int64_t stale,
                      int64_t uses);
/* Computes the values: rates num ÷ den (prm->if_empty when den is 0), counts and points as
 * they are. */
void ind_table_finish(struct ind_table *t, const struct ind_params *prm);
/* Value, numerator, denominator of indicator i of row r. */
static inline double ind_value(const struct ind_table *t, int r, int i)
{
    return t->val[(size_t)r * IND__COUNT + (size_t)i];
}

/* The catalogue as JSON: [{id, label, kind, numerator, denominator}] (new reference). */
json_t *ind_catalogue_json(void);

#endif
