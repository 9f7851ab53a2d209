/* Working-day arithmetic; the weekday stand-in until holiday data is loaded. */
#include "compat.h"
#include "core/calendar.h"
#include "core/policy.h"
#include "util/jtime.h"

bool calendar_is_workday(const struct calendar *c, int64_t day)
{
    JS_UNUSED(c);
    return jtime_weekday(day) < 5;
}

int64_t calendar_add_workdays(const struct calendar *c, int64_t t, int n)
{
    int64_t day = jtime_local_day(t);
    int64_t tod = t - jtime_day_start(day);
    if (!calendar_is_workday(c, day)) {
        /* A rest-day start counts from the end of that day: the limit ends at the close of the
         * n-th following working day. */
        tod = 86400 - 1;
    }
    while (n > 0) {
        day++;
        if (calendar_is_workday(c, day))
            n--;
    }
    return jtime_day_start(day) + tod;
}

int64_t calendar_add_span(const struct calendar *c, int64_t t, int amount, int unit)
{
    switch (unit) {
    case SPAN_HOURS:
        return t + (int64_t)amount * 3600;
    case SPAN_WORKDAYS:
        return calendar_add_workdays(c, t, amount);
    default:
        return t + (int64_t)amount * 86400;
    }
}
