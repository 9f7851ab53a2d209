/* Assessment schemes as data (SPEC §5): a small expression language over indicator names, and
 * schemes (indicators used, scored items, unit groups by kind, grade bands) loaded from JSON
 * and evaluated over every unit at once, so that group functions such as min–max normalisation
 * see the whole group. Pure domain code: the JSON text is handed in. */
#ifndef JIESU_SCHEME_H
#define JIESU_SCHEME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/indicators.h"
#include "util/err.h"

/* ---- expressions -------------------------------------------------------------------------
 * Numbers (30, 0.8, 100%), names (ASCII like shirk_rate or Chinese like 推诿率), + − × ÷ (also
 * + - * / and the full-width forms), parentheses, and functions:
 *   min(a, …) max(a, …) clamp(x, lo, hi) cap(x, c) = min(x, c) deduct(total, points) =
 *   max(0, total − points) abs(x) step(x, t1, v1, …, tk, vk, v_else) (first ti with x ≥ ti)
 * and group functions, over the units of the same group that are assessed:
 *   norm(x, f) = (x − min)/(max − min) + f × (max − x)/(max − min)   (max = min: 1, full)
 *   spread(x, d): when max − min > d, max − (max − x) × d/(max − min), else x
 *   rank(x) (1 = highest, ties share) top(x, n) (1 if rank ≤ n else 0)
 *   bands(x, v1, …, vk): the group ranked by x split into k equal bands scoring v1 … vk.
 *   share(x): x ÷ the sum of x over the group (0 when the sum is 0).
 * Division by zero gives 0. The thresholds of step() known at load (numbers, parameters) must
 * go from the highest down, or the scheme is refused. */

struct expr;

/* Resolves a name (not NUL-terminated, len bytes) to a variable index ≥ 0, or -1. */
struct expr_names {
    int (*lookup)(void *ctx, const char *name, size_t len);
    void *ctx;
};

/* Compiles src. A refusal fills e with field `field` and a message giving the 1-based
 * character position and the reason, e.g. "第 7 个字符处：未知名称“推诿律”". *out is
 * freed with expr_free. */
int expr_compile(const char *src, const struct expr_names *names, const char *field,
                 struct expr **out, struct js_error *e);
/* Frees an expression. Accepts NULL. */
void expr_free(struct expr *x);

/* Evaluates x for n units. vars holds nvars values per unit (row-major); group[i] is unit i's
 * group and member[i] whether it takes part in group statistics. out gets n values. Returns 0 or
 * -JS_ENOMEM. */
int expr_eval(const struct expr *x, int n, const double *vars, int nvars, const int *group,
              const bool *member, double *out);

/* ---- schemes ----------------------------------------------------------------------------- */

#define SCHEME_MAX_ITEMS  16
#define SCHEME_MAX_GROUPS 8
#define SCHEME_MAX_PARAMS 16
#define SCHEME_MAX_GRADES 8

struct scheme_item {
    char id[32];
    char name[64];
    double max;                           /* full marks, for display; 0 if not given */
    struct expr *expr[SCHEME_MAX_GROUPS]; /* per group (a group override, else the default) */
};

struct scheme_group {
    char name[64];
    unsigned kinds; /* bit (1 << enum unit_kind) */
};

struct scheme_grade {
    char grade[8];
    double min; /* -HUGE_VAL for the last band */
};

struct scheme {
    char name[32];
    char title[160];
    int n_ind;                     /* indicators the scheme shows, in its order */
    int ind[IND__COUNT];           /* catalogue indices */
    char ind_name[IND__COUNT][64]; /* the scheme's own name for each */
    int n_params;
    char param_name[SCHEME_MAX_PARAMS][32];
    double param[SCHEME_MAX_GROUPS][SCHEME_MAX_PARAMS]; /* value per group */
    int n_items;
    struct scheme_item items[SCHEME_MAX_ITEMS];
    struct expr *score[SCHEME_MAX_GROUPS]; /* NULL: the sum of the items */
    struct expr *bonus;                    /* optional, added to the score */
    double bonus_cap;                      /* 0: no cap */
    int n_groups;
    struct scheme_group groups[SCHEME_MAX_GROUPS];
    int n_grades;
    struct scheme_grade grades[SCHEME_MAX_GRADES];
    int precision; /* decimals the score is rounded to before grading and ranking */
    bool rank_in_group;
    /* year = monthly × mean of the monthly scores + year_end × the year-end indicator */
    bool has_year;
    double year_monthly, year_end;
    int year_indicator;
    struct ind_params params; /* evaluation settings */
    json_t *doc;              /* the scheme document (owned) */
};

/* Loads a scheme from its JSON document (borrowed; a reference is kept). Unknown keys, bad
 * formulas, unknown names, and inconsistent groups or grades are refused with the JSON path
 * of the offending value in e->field. *out is freed with scheme_free. */
int scheme_from_json(const json_t *doc, struct scheme **out, struct js_error *e);
/* The same from JSON text. */
int scheme_parse(const char *text, size_t len, struct scheme **out, struct js_error *e);
/* Frees a scheme. Accepts NULL. */
void scheme_free(struct scheme *s);

/* The group of a unit kind, or -1 if the scheme does not assess that kind. */
int scheme_group_of(const struct scheme *s, int unit_kind);

/* The result of one unit. */
struct scheme_row {
    int group;     /* -1: the scheme does not assess this unit's kind */
    bool assessed; /* false: no orders in the period (no score, no rank) */
    double items[SCHEME_MAX_ITEMS];
    double bonus;
    double score; /* rounded to the scheme's precision */
    int rank;     /* 1 = best, ties share; 0 when not assessed */
    int grade;    /* index in s->grades, -1 if none */
};

/* Scores n units: kinds[i] is unit i's enum unit_kind, vals holds IND__COUNT indicator values
 * per unit (ind_table's val), member[i] says whether it is assessed (NULL: when it received
 * orders in the period). rows gets n results. */
int scheme_eval(const struct scheme *s, int n, const int *kinds, const double *vals,
                const bool *member, struct scheme_row *rows, struct js_error *e);
/* The year total of a scheme with a "year" block (001: 80 % daily + 20 % year-end): for unit i,
 * assessed in months[i] > 0 months whose scores add up to month_sum[i], the score becomes
 * year_monthly × month_sum[i] / months[i] + year_end × year_end_pts[i], rounded; then ranks and
 * grades. rows[i].group must be set; items and bonus are left as they are. */
void scheme_year_combine(const struct scheme *s, int n, const double *month_sum, const int *months,
                         const double *year_end_pts, struct scheme_row *rows);
/* Ranks and grades rows whose score is already set (used after combining monthly scores). */
void scheme_rank(const struct scheme *s, int n, struct scheme_row *rows);
/* The grade band index of a score, or -1. */
int scheme_grade_of(const struct scheme *s, double score);
/* Rounds a score to the scheme's precision (half away from zero). */
double scheme_round(const struct scheme *s, double v);

#endif
