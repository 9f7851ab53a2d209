/* The reporting cycle (issue 11): the kinds of report the seeds ask for, their periods, which
 * ones are due at an instant, the rules of the monthly 通报, and the builders that turn grouped
 * counts into a report document. Pure domain code: the figures come through the callbacks of
 * struct report_src (the store's grouped queries, the assessment), the document is JSON.
 *
 * A report document is {kind, kind_label, title, period: {key, from, to, label}, unit: {id,
 * name} | null, generated_at, generated_label, figures: [{id, label, value, unit}], sections:
 * [{id, title, note, columns: [{key, label, type}], rows: [{...}], chart: {type, x, y} | null}]}
 * with column types "text", "int", "pct" (a fraction shown as per cent) and "num"; every date a
 * person reads is already in Chinese form. One renderer per output (screen, XLSX, print, CLI)
 * reads this shape, whatever the kind. */
#ifndef JIESU_REPORT_H
#define JIESU_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "core/org.h"
#include "util/err.h"

/* X(NAME, wire name, Chinese label) */
#define JS_REPORT_KIND_LIST(X)                                                                     \
    X(DAILY, "daily", "每日早报")                                                                  \
    X(WEEKLY_SPECIAL, "weekly_special", "每周专报")                                                \
    X(WEEKLY, "weekly", "每周分析")                                                                \
    X(UNIT_MONTHLY, "unit_monthly", "单位月度分析")                                                \
    X(NOTICE, "notice", "月度通报")                                                                \
    X(QUARTERLY, "quarterly", "季度分析")

#define JS_X_RKIND(N, n, l) RK_##N,
enum report_kind { JS_REPORT_KIND_LIST(JS_X_RKIND) RK__COUNT };
extern const char *const js_report_kind_names[], *const js_report_kind_labels[];

/* The period a report covers: [from, to) in Asia/Shanghai days. key is its canonical text:
 * "2026-12-04" (day), "2026-11-30" (the Monday of a week), "2026-11" (month), "2026-Q4". */
struct report_period {
    int kind; /* enum report_kind */
    int64_t from, to;
    char key[24];
    char label[80]; /* 2026年12月4日, 2026年11月30日至12月6日, 2026年11月, 2026年第四季度 */
};

/* The period of kind that contains instant t. */
void report_period_at(int kind, int64_t t, struct report_period *out);
/* The period of the same kind just before p. */
void report_period_prev(const struct report_period *p, struct report_period *out);
/* Parses a period for kind: "YYYY-MM-DD" for daily; a date (its week, Monday to Sunday) for the
 * weekly kinds; "YYYY-MM" for the monthly kinds; "YYYY-Qn" for quarterly. Returns 0 or
 * -JS_EINVAL with e naming field "period". */
int report_period_parse(int kind, const char *spec, struct report_period *out, struct js_error *e);
/* The latest complete period of kind at instant now: yesterday, last week (from Monday 00:00),
 * last month (from the 1st), last quarter (from its first day). This is what the scheduler
 * issues at now if it has not been issued yet. */
void report_period_due(int kind, int64_t now, struct report_period *out);
/* True when kind is issued once per unit (the monthly unit report). */
bool report_kind_per_unit(int kind);

/* ---- grouped counts, as the store gives them --------------------------------------------- */

/* How counts are grouped (struct store_ops.report_count). */
enum report_dim {
    RDIM_NONE = -1,
    RDIM_CHANNEL,      /* name: the channel */
    RDIM_TYPE,         /* key: enum req_type */
    RDIM_CATEGORY,     /* key: the order's (leaf) category id */
    RDIM_REGION,       /* key: the order's region id */
    RDIM_SATISFACTION, /* key: enum satisfaction */
    RDIM_UNIT,         /* key: each unit that holds or held the order */
    RDIM_DAY,          /* key: local day number of the period's time column */
    RDIM__COUNT
};
/* Which time of the order falls in the period. */
enum report_time { REPT_CREATED, REPT_CLOSED, REPT_NONE };

/* Which orders a count or a list takes. Zero fields do not filter. */
struct report_filter {
    int64_t from, to;   /* the time column in [from, to) */
    int time;           /* enum report_time; REPT_NONE: no time filter */
    int64_t unit_id;    /* orders this unit holds or held */
    int type;           /* enum req_type, -1: any */
    int min_reopens;    /* reopened at least this many times */
    int min_units;      /* held by at least this many units */
    int min_level;      /* enum level at least this */
    int event_action;   /* enum action, -1: none; else orders with such an event in [from, to) */
    int64_t overdue_at; /* only orders overdue at this instant (held by a unit past the
                           deadline, not suspended by an approved hanging account) */
    bool open;          /* only orders not in a final status */
    bool enterprise;    /* only enterprise requests (the green channel of 004) */
    int limit;          /* lists: 1..500 */
};
/* A filter that takes nothing out (types -1, event_action -1). */
void report_filter_init(struct report_filter *f);

/* One group: key1/key2 (or name for the channel) and the count. */
struct report_cell {
    int64_t key[2];
    char name[32];
    int64_t n;
};

/* Where the builders get their figures. Each callback returns 0 or a negative error code. */
struct report_src {
    void *ctx;
    /* Counts of the orders f takes, grouped by dim1 and dim2 (RDIM_NONE: one cell, or one
     * level); *out: free(). */
    int (*count)(void *ctx, const struct report_filter *f, int dim1, int dim2,
                 struct report_cell **out, int *n);
    /* How many events of each action happened in [f->from, f->to) on orders f->unit_id holds
     * or held (0: any). */
    int (*event_counts)(void *ctx, const struct report_filter *f, int64_t counts[ACT__COUNT]);
    /* Appends to rows (a JSON array) the orders f takes, most serious first, as {number,
     * title, received, status, type, category, street, units, reopens, level}. */
    int (*orders)(void *ctx, const struct report_filter *f, json_t *rows);
    /* Appends to rows the warnings raised in [from, to) (unit_id 0: all) as {at, number,
     * title, kind, text}. */
    int (*warnings)(void *ctx, int64_t from, int64_t to, int64_t unit_id, json_t *rows);
    /* Appends to rows the hotspot warnings (热点、高频、安全隐患、敏感) raised in [from, to),
     * oldest first, as {at, topic, kind, rule, title, count, citizens, state, orders} (orders: the
     * evidence's order numbers joined with "、"). */
    int (*hotspots)(void *ctx, int64_t from, int64_t to, json_t *rows);
    /* The assessment of the month p (monthly period): a JSON array of {unit_id, name, kind,
     * group, assessed, score, rank, received} (new reference in *out), NULL *out when there is
     * no assessment. */
    int (*scores)(void *ctx, const struct report_period *p, json_t **out);
    /* the organisation (borrowed) */
    const struct region *regions;
    int n_regions;
    const struct category *categories;
    int n_categories;
    const struct unit *units;
    int n_units;
};

/* ---- the monthly 通报 (seed 004) ---------------------------------------------------------- */

/* One street (街道/乡镇 unit) as the 通报 sees it. */
struct notice_street {
    int64_t unit_id;
    double score, prev_score; /* 三率 score this month and last; NAN: not assessed */
    int rank, prev_rank;      /* rank among the streets; 0: not assessed */
    int64_t received;         /* orders held this month */
    int64_t top_count;        /* orders of its most frequent category this month */
    int64_t top_category;     /* that category */
};
enum notice_class { NC_ADVANCED, NC_PROGRESS, NC_RECTIFY, NC_GOVERN, NC__COUNT };
extern const char *const js_notice_class_names[], *const js_notice_class_labels[];

/* The number named in each class: 10 (seed 004), but no more than a quarter of the streets
 * (rounded up) so that a small district's classes stay meaningful. */
int notice_class_size(int n_streets);
/* Minimum orders of one category in a month for a street to be named 治理类. */
#define NOTICE_GOVERN_MIN 3

/* Names the streets of each class (indices into st, best first, at most k each, *counts set):
 *   先进类 advanced: the k highest scores among the streets assessed this month;
 *   整改类 rectify:  the k lowest scores among the other assessed streets;
 *   进步类 progress: the k largest rises in rank over the previous month (previous rank minus
 *                    this rank, at least 1), ties by the larger rise in score;
 *   治理类 govern:   the k streets with the most orders of one single category this month (at
 *                    least NOTICE_GOVERN_MIN: a recurring problem calling for 专项治理), ties by
 *                    more orders in all.
 * Ties in score go to more orders received, then the lower unit id. A street may be named in
 * 进步类 or 治理类 as well as in another class. out[c] must hold k entries. */
void notice_classify(const struct notice_street *st, int n, int k, int *out[NC__COUNT],
                     int counts[NC__COUNT]);

/* ---- building --------------------------------------------------------------------------- */

/* Builds the report of kind over p (unit_id: the unit of a unit report, else 0) from src, as
 * generated at now. *out is a new reference. Returns 0 or a negative code with e filled. */
int report_build(const struct report_src *src, const struct report_period *p, int64_t unit_id,
                 int64_t now, json_t **out, struct js_error *e);

/* The sections of the daily report, one function each (so that another source of warnings can
 * be added as a section of its own): each appends its section(s) to doc's "sections" and its
 * headline figures to doc's "figures". */
int report_daily_volume(const struct report_src *src, const struct report_period *p, json_t *doc);
int report_daily_warnings(const struct report_src *src, const struct report_period *p, json_t *doc);
int report_daily_hotspots(const struct report_src *src, const struct report_period *p, json_t *doc);
int report_daily_overdue(const struct report_src *src, const struct report_period *p, json_t *doc);
int report_daily_reopened(const struct report_src *src, const struct report_period *p, json_t *doc);
int report_daily_satisfaction(const struct report_src *src, const struct report_period *p,
                              json_t *doc);
int report_daily_notable(const struct report_src *src, const struct report_period *p, json_t *doc);

/* The Chinese name of a channel (12345热线 for hotline-12345), or the channel itself. */
const char *report_channel_label(const char *channel);
/* The street (街道-level region) a region lies in, or 0. */
int64_t report_street_of(const struct report_src *src, int64_t region_id);
/* The top-level category a category lies under (itself at level 1), or 0. */
int64_t report_root_category(const struct report_src *src, int64_t category_id);

#endif
