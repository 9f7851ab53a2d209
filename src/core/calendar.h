/* Working-day arithmetic in Asia/Shanghai local time. Until the holiday calendar lands, a
 * working day is Monday to Friday; every caller goes through these functions. */
#ifndef JIESU_CALENDAR_H
#define JIESU_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

struct calendar; /* holidays and swapped working days; NULL means weekdays only */

/* True if local day number `day` is a working day. */
bool calendar_is_workday(const struct calendar *c, int64_t day);
/* Adds n working days to instant t: the same local time of day on the n-th working day after
 * t's day (if t's time falls on a rest day, counting starts from the next working day). */
int64_t calendar_add_workdays(const struct calendar *c, int64_t t, int n);
/* Adds a span (enum span_unit) to t. */
int64_t calendar_add_span(const struct calendar *c, int64_t t, int amount, int unit);

#endif
