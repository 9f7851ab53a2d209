/* The assessment (issue 5): the fact projection folded from the event log (kept current
 * incrementally), appeals and their decisions, manual items (deductions, bonuses, year-end
 * points), schemes edited by the platform, and the assessment run that puts them together. It
 * keeps everything through a store handle of its own (struct store_ops, the assess_* block), on
 * whichever backend the location names; the tables are a migration step of each backend.
 * Appeals, decisions, items and stored schemes are append-only: a correction is a new row. */
#ifndef JIESU_ASSESS_STORE_H
#define JIESU_ASSESS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/indicators.h"
#include "core/order.h"
#include "core/scheme.h"
#include "util/err.h"

struct assess_store;

/* Opens a store handle on location (as store_open) and brings its schema up to date (the
 * assessment's tables are a migration step). The database must have been initialised (`jiesu
 * init`): -JS_EDB otherwise. *out is freed with assess_store_close. */
int assess_store_open(const char *location, struct assess_store **out, struct js_error *e);
/* Closes the store handle. Accepts NULL. */
void assess_store_close(struct assess_store *st);

struct assess_sync_stats {
    int64_t events; /* new events read */
    int64_t orders; /* orders whose facts were rebuilt */
    int64_t cases;  /* fact rows written */
    bool full;      /* everything was rebuilt */
};

/* Brings the fact projection up to date with the event log: orders with events newer than the
 * last sync (and the orders they repeat) are folded again. The first sync, or a forced one,
 * folds every order, in chunks of its own transactions so that writers are not held up for
 * long. stats may be NULL. */
int assess_sync(struct assess_store *st, bool force_full, struct assess_sync_stats *stats,
                struct js_error *e);

/* A unit as the assessment lists it. */
struct assess_unit {
    int64_t id;
    char code[32];
    char name[128];
    int kind; /* enum unit_kind */
    bool active;
};

/* The result of one scheme over one period. */
struct assess_report {
    const struct scheme *scheme; /* borrowed */
    struct ind_period period;
    bool year;  /* scored as the scheme's year (monthly mean + year-end) */
    int months; /* months scored in year mode */
    int n;      /* units */
    struct assess_unit *units;
    struct ind_table table; /* indicators over the whole period */
    struct scheme_row *rows;
    int64_t cases;      /* fact rows read */
    int64_t exclusions; /* upheld appeals applied */
};

/* Syncs, then computes every unit's indicators for period p and scores them with scheme s.
 * A scheme with a "year" block scores a whole calendar year as the mean of its monthly scores
 * plus the year-end items. out is released with assess_report_release. */
int assess_run(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
               struct assess_report *out, struct js_error *e);
/* Frees a report. Accepts NULL. */
void assess_report_release(struct assess_report *r);
/* The report as JSON: {scheme, title, period, from, to, year, groups, grades, indicators:
 * [{id, name, label, kind}], items: [{id, name, max}], units: [{unit_id, code, name, kind,
 * group, assessed, score, rank, grade, bonus, items: {id: value}, indicators: {id: {value, num,
 * den}}}]} sorted by group and rank. only_unit 0: every unit; else that unit alone (its rank
 * still among all). New reference, NULL if out of memory. */
json_t *assess_report_json(const struct assess_report *r, int64_t only_unit);

/* The orders behind a unit's indicators in period p (drill-down), as a JSON array of
 * {order_id, number, title, received_at, excluded: [indicator ids], indicators: {id: {num, den}}}
 * holding the scheme's indicators (every indicator when s is NULL) that the order counts in;
 * when indicator >= 0 only orders counting in that indicator are listed. */
int assess_orders(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
                  int64_t unit_id, int indicator, json_t **out, struct js_error *e);

/* Every unit (active or not), by id. *out: free(). */
int assess_units(struct assess_store *st, struct assess_unit **out, int *n, struct js_error *e);

/* ---- appeals (申诉, 002 ch. 8) ------------------------------------------------------------- */

/* Files an appeal: who must be a unit leader whose unit held the order (according to the
 * facts); args {order_id (or order: the number), indicators: [names] or ["all"], reason,
 * evidence: [{name, url}] (at least one)}. A pending appeal of the same order by the same unit
 * is refused (-JS_EEXISTS). *id gets the new appeal's id. */
int assess_appeal_file(struct assess_store *st, const struct actor *who, const json_t *args,
                       int64_t now, int64_t *id, struct js_error *e);
/* Decides a pending appeal: who must be a supervisor or an administrator; args {uphold (bool),
 * note (required when rejecting)}. An upheld appeal excludes the order from the indicators it
 * names (排除使用) in every later assessment. */
int assess_appeal_decide(struct assess_store *st, const struct actor *who, int64_t id,
                         const json_t *args, int64_t now, struct js_error *e);
/* Appeals as a JSON array (newest first) of {id, order_id, number, unit_id, indicators,
 * reason, evidence, status, filed_by, filed_at, decided_by, decided_at, note}; unit_id 0: all
 * units; status NULL: any of "pending", "upheld", "rejected". */
int assess_appeal_list(struct assess_store *st, int64_t unit_id, const char *status, json_t **out,
                       struct js_error *e);
/* One appeal (same form), -JS_ENOTFOUND if absent. */
int assess_appeal_get(struct assess_store *st, int64_t id, json_t **out, struct js_error *e);

/* ---- manual items: deductions, bonuses (加分, 002 art. 34), year-end points (001) ---------- */

/* Adds an item: who must be a supervisor or an administrator; args {unit_id, kind
 * ("manual_deduction" | "bonus_points" | "year_end"), points (−100..100), on (date: the period
 * it counts in), note (required), order_id (optional)}. *id gets the new item's id. */
int assess_item_add(struct assess_store *st, const struct actor *who, const json_t *args,
                    int64_t now, int64_t *id, struct js_error *e);
/* Cancels an item (a new row records who, when and why): args {reason}. */
int assess_item_cancel(struct assess_store *st, const struct actor *who, int64_t id,
                       const json_t *args, int64_t now, struct js_error *e);
/* Items dated in [from, to) (0: open), of one unit (0: all), as a JSON array including cancelled
 * ones (with "cancelled": true). */
int assess_item_list(struct assess_store *st, int64_t unit_id, int64_t from, int64_t to,
                     json_t **out, struct js_error *e);

/* ---- schemes --------------------------------------------------------------------------------- */

/* Directory of the built-in schemes: $JIESU_SCHEMES, else the source tree's schemes/, else
 * /usr/share/jiesu/schemes. */
const char *assess_scheme_dir(void);
/* Loads scheme name: the newest version stored in the database, else dir/<name>.json (dir NULL:
 * assess_scheme_dir()). -JS_ENOTFOUND if neither exists. */
int assess_scheme_load(struct assess_store *st, const char *dir, const char *name,
                       struct scheme **out, struct js_error *e);
/* Stores a new version of a scheme (the platform changes a weight): who must be an
 * administrator; doc must load (scheme_from_json) and its name must be name. */
int assess_scheme_save(struct assess_store *st, const struct actor *who, const char *name,
                       const json_t *doc, int64_t now, struct js_error *e);
/* Names of the built-in and stored schemes, as a JSON array of {name, title, stored}. */
int assess_scheme_list(struct assess_store *st, const char *dir, json_t **out, struct js_error *e);

#endif
