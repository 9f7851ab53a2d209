/* libFuzzer target: calendar files (src/core/calendar.c) as the loader reads them: any bytes as
 * JSON, then as one year's file and as the administrator's edits; an accepted year is used. */
#include "compat.h"
#include "core/calendar.h"
#include "util/jtime.h"

#include <jansson.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return 0;
    struct calendar *c = NULL;
    if (calendar_new(&c)) {
        json_decref(doc);
        return 0;
    }
    struct js_error e;
    json_t *y = json_is_object(doc) ? json_object_get(doc, "year") : NULL;
    int year = json_is_integer(y) ? (int)json_integer_value(y) : 2026;
    (void)calendar_check_year(year, doc, &e);
    if (calendar_set_year(c, year, doc, false, &e) == 0 && year >= 2000 && year <= 2099) {
        int64_t t = jtime_day_start(jtime_days_from_civil(year, 1, 1));
        int64_t end = calendar_add_workdays(c, t, 300);
        (void)calendar_work_seconds(c, t, end);
        json_decref(calendar_year_json(c, year));
    }
    (void)calendar_apply_edits(c, doc, &e);
    calendar_free(c);
    json_decref(doc);
    return 0;
}
