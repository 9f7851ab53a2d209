/* `jiesu calendar`: lists the working-day calendar per year and edits its holidays and swapped
 * working days (the edits are kept in the database over the shipped calendars/cn-YYYY.json). */
#include "compat.h"
#include "cli/opts.h"
#include "core/calendar.h"
#include "core/engine.h"
#include "store/store.h"
#include "store/timers_store.h"
#include "util/shipped.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_calendar(struct opts *o);

static int fail(const char *what, const struct js_error *e)
{
    fprintf(stderr, "jiesu calendar: %s: %s%s%s\n", what, e->message, e->field[0] ? " field " : "",
            e->field);
    return 1;
}

/* Removes date from a list of {date, name}; returns true if it was there. */
static bool drop_date(json_t *list, const char *date)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *d = json_string_value(json_object_get(item, "date"));
        if (d && strcmp(d, date) == 0) {
            json_array_remove(list, i);
            return true;
        }
    }
    return false;
}

/* The year of a "YYYY-MM-DD" date, or 0. */
static int year_of(const char *date)
{
    int64_t t;
    int y, m, d;
    if (!date || strlen(date) != 10 || jtime_parse(date, &t))
        return 0;
    jtime_civil_from_days(jtime_local_day(t), &y, &m, &d);
    return y;
}

static void print_years(const struct calendar *cal)
{
    int years[128];
    int n = calendar_years(cal, years, (int)JS_ARRAY_LEN(years));
    printf("year  data       holidays  workdays  source\n");
    for (int i = 0; i < n; i++) {
        json_t *doc = calendar_year_json(cal, years[i]);
        printf("%d  %-9s  %8zu  %8zu  %s\n", years[i],
               json_is_true(json_object_get(doc, "edited")) ? "(edited)" : "(shipped)",
               json_array_size(json_object_get(doc, "holidays")),
               json_array_size(json_object_get(doc, "workdays")),
               json_string_value(json_object_get(doc, "source")));
        json_decref(doc);
    }
    if (n == 0)
        printf("(no years: every year counts Monday to Friday)\n");
}

int cli_calendar(struct opts *o)
{
    struct js_error e;
    struct store *s = NULL;
    struct engine en;
    json_t *doc = NULL, *file = NULL;
    int rc = 0, year = 0;
    bool engine_ready = false;
    js_error_clear(&e);
    const char *db = opts_get(o, "db");
    if (!db)
        db = getenv("JIESU_DB");
    if (!db)
        db = "data/jiesu.db";
    const char *holiday = opts_get(o, "holiday"), *workday = opts_get(o, "workday");
    const char *remove = opts_get(o, "remove"), *path = opts_get(o, "file");
    const char *name = opts_get(o, "name"), *y = opts_get(o, "year");
    const char *date = holiday ? holiday : workday ? workday : remove;
    bool reset = opts_has(o, "reset");
    int edits = (holiday != NULL) + (workday != NULL) + (remove != NULL) + (path != NULL) + reset;
    if (edits > 1) {
        fprintf(stderr, "jiesu calendar: give one of --holiday, --workday, --remove, --file, "
                        "--reset\n");
        return 2;
    }
    if (y) {
        char *end;
        year = (int)strtol(y, &end, 10);
        if (*end || year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR) {
            fprintf(stderr, "jiesu calendar: --year must be from %d to %d\n", CALENDAR_MIN_YEAR,
                    CALENDAR_MAX_YEAR);
            return 2;
        }
    }
    if (date) {
        int dy = year_of(date);
        if (!dy) {
            fprintf(stderr, "jiesu calendar: not a date YYYY-MM-DD: %s\n", date);
            return 2;
        }
        if (year && dy != year) {
            fprintf(stderr, "jiesu calendar: %s is not in %d\n", date, year);
            return 2;
        }
        year = dy;
    }
    if ((path || reset) && !year) {
        fprintf(stderr, "jiesu calendar: --file and --reset need --year\n");
        return 2;
    }
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        rc = fail(db, &e);
        goto out;
    }
    const struct shipped *sh;
    if (shipped_default(&sh, &e) || engine_init(&en, s, sh, NULL, &e)) {
        rc = fail("cannot load the calendar", &e);
        goto out;
    }
    engine_ready = true;
    if (edits) {
        if (reset) {
            rc = timers_calendar_put(s, year, NULL, &e);
        } else if (path) {
            json_error_t jerr;
            file = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
            if (!file) {
                fprintf(stderr, "jiesu calendar: %s:%d: %s\n", path, jerr.line, jerr.text);
                rc = 1;
                goto out;
            }
            rc = timers_calendar_put(s, year, file, &e);
        } else {
            doc = calendar_year_json(en.cal, year);
            if (!doc)
                doc = json_pack("{si ss s[] s[]}", "year", year, "source", "", "holidays",
                                "workdays");
            json_t *hol = json_object_get(doc, "holidays"),
                   *work = json_object_get(doc, "workdays");
            bool in_hol = drop_date(hol, date), in_work = drop_date(work, date); /* both */
            bool was = in_hol || in_work;
            if (remove && !was) {
                fprintf(stderr, "jiesu calendar: %s is not a holiday or a swapped working day\n",
                        date);
                rc = 1;
                goto out;
            }
            if (!remove)
                json_array_append_new(holiday ? hol : work,
                                      json_pack("{ss ss}", "date", date, "name", name ? name : ""));
            rc = timers_calendar_put(s, year, doc, &e);
        }
        if (rc) {
            rc = fail("cannot change the calendar", &e);
            goto out;
        }
        if (engine_reload_calendar(&en, &e)) {
            rc = fail("cannot load the calendar", &e);
            goto out;
        }
    }
    if (!year) {
        print_years(en.cal);
        goto out;
    }
    json_decref(doc);
    doc = calendar_year_json(en.cal, year);
    if (!doc) {
        printf("%d has no data: Monday to Friday are working days\n", year);
        goto out;
    }
    json_dumpf(doc, stdout, JSON_INDENT(2));
    putchar('\n');
out:
    json_decref(doc);
    json_decref(file);
    if (engine_ready)
        engine_release(&en);
    store_close(s);
    return rc;
}
