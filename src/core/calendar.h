/* The working-day calendar (SPEC §3.13): weekends, public holidays and swapped working days
 * (调休) per year, in Asia/Shanghai local time; instants stay UTC seconds. A year without data
 * counts Monday to Friday as working days, and so does a NULL calendar. A loaded calendar is
 * never changed while it is shared: build a new one to change it. */
#ifndef JIESU_CALENDAR_H
#define JIESU_CALENDAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/shipped.h"

#define CALENDAR_MIN_YEAR 2000
#define CALENDAR_MAX_YEAR 2099
#define CALENDAR_MAX_NAME 32         /* characters of a holiday's name */
#define CALENDAR_SETTING  "calendar" /* the store setting holding the edited years */

struct calendar;

/* A calendar with no data (Monday to Friday). Returns 0 or -JS_ENOMEM. Free with
 * calendar_free. */
int calendar_new(struct calendar **out);
/* Frees a calendar. Accepts NULL. */
void calendar_free(struct calendar *c);

/* Replaces the data of `year` with doc (borrowed):
 *   {"year": 2026, "source": "...", "holidays": [...], "workdays": [...]}
 * where each item is "YYYY-MM-DD" or {"date": "YYYY-MM-DD", "name": "春节"}. holidays are rest
 * days (whatever the weekday); workdays are swapped working days and must fall on a Saturday or
 * Sunday. "year" is optional but must match; "edited" is accepted and ignored (it is what
 * calendar_year_json shows). `edited` marks data set by an administrator rather than shipped in
 * a file. Errors name the field (e.g. "holidays[3].date"); c is unchanged on error. */
int calendar_set_year(struct calendar *c, int year, const json_t *doc, bool edited,
                      struct js_error *e);
/* Checks doc as calendar_set_year would, without a calendar. */
int calendar_check_year(int year, const json_t *doc, struct js_error *e);
/* Drops the data of `year`: it counts Monday to Friday again. */
void calendar_clear_year(struct calendar *c, int year);
/* The canonical document of `year` ({"year", "source", "edited", "holidays": [{date, name}],
 * "workdays": [...]}, dates ascending), or NULL when the year has no data (new reference). */
json_t *calendar_year_json(const struct calendar *c, int year);
/* Writes the years that have data, ascending, into years (at most max); returns how many. */
int calendar_years(const struct calendar *c, int *years, int max);

/* Loads the shipped calendar of every year sh holds (util/shipped.h; NULL loads nothing). A
 * malformed document fails with -JS_EINVAL naming its file in e. */
int calendar_load_shipped(struct calendar *c, const struct shipped *sh, struct js_error *e);
/* Applies the years edited by administrators, stored as one object {"2026": doc, ...} (the
 * CALENDAR_SETTING setting), over what is loaded. edits is borrowed; NULL does nothing. */
int calendar_apply_edits(struct calendar *c, const json_t *edits, struct js_error *e);

/* True if local day number `day` is a working day. */
bool calendar_is_workday(const struct calendar *c, int64_t day);
/* Adds n working days to instant t: the same local time of day on the n-th working day after
 * t's day (if t falls on a rest day, counting starts from the next working day and the limit
 * ends at the close, 23:59:59, of the n-th working day). */
int64_t calendar_add_workdays(const struct calendar *c, int64_t t, int n);
/* Adds clock hours (the 2 h and 24 h tiers run through nights and holidays). */
int64_t calendar_add_hours(int64_t t, int hours);
/* Adds a span of enum span_unit (days: calendar days, workdays, hours) to t. */
int64_t calendar_add_span(const struct calendar *c, int64_t t, int amount, int unit);
/* Working time between two instants: the seconds of [from, to) that fall on working days
 * (whole local days); negative when to < from. */
int64_t calendar_work_seconds(const struct calendar *c, int64_t from, int64_t to);

#endif
