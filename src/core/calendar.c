/* The working-day calendar: per year, a table of special days (holidays, swapped working days)
 * over the Monday-to-Friday rule, loaded from the shipped files and the administrators' edits. */
#include "compat.h"
#include "core/calendar.h"
#include "core/policy.h"
#include "util/jfield.h"
#include "util/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCE 500 /* characters of a year's source note */

enum day_kind { DAY_NORMAL, DAY_HOLIDAY, DAY_WORKDAY };

struct special_day {
    int yday; /* 0-based day of the year */
    int kind; /* DAY_HOLIDAY or DAY_WORKDAY */
    char name[CALENDAR_MAX_NAME * 4 + 1];
};

struct cal_year {
    int year;
    bool edited;
    int64_t first_day; /* day number of January 1 */
    unsigned char kind[366];
    struct special_day *days; /* ascending */
    int n_days;
    char *source;
};

struct calendar {
    struct cal_year **years; /* ascending by year */
    int n, cap;
};

static void year_free(struct cal_year *y)
{
    if (!y)
        return;
    free(y->days);
    free(y->source);
    free(y);
}

int calendar_new(struct calendar **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -JS_ENOMEM;
}

void calendar_free(struct calendar *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        year_free(c->years[i]);
    free(c->years);
    free(c);
}

static const struct cal_year *find_year(const struct calendar *c, int year)
{
    if (!c)
        return NULL;
    for (int i = 0; i < c->n; i++)
        if (c->years[i]->year == year)
            return c->years[i];
    return NULL;
}

/* ---- reading a year's document ------------------------------------------------------------ */

static int cmp_special(const void *a, const void *b)
{
    const struct special_day *x = a, *y = b;
    return (x->yday > y->yday) - (x->yday < y->yday);
}

/* Reads "YYYY-MM-DD" strictly, as a day number. */
static int parse_date(const char *s, int64_t *day)
{
    int64_t t;
    if (!s || strlen(s) != 10 || jtime_parse(s, &t))
        return -JS_EINVAL;
    *day = jtime_local_day(t);
    return 0;
}

/* Reads one list (holidays or workdays) of doc into y. */
static int read_list(struct cal_year *y, const json_t *doc, const char *key, int kind,
                     struct js_error *e)
{
    static const char *const item_keys[] = {"date", "name", NULL};
    json_t *arr, *item;
    size_t i;
    char field[64];
    int rc = jf_array(doc, key, true, 366, &arr, e);
    if (rc)
        return rc;
    json_array_foreach(arr, i, item)
    {
        const char *date = NULL, *name = NULL;
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        if (json_is_string(item)) {
            date = json_string_value(item);
        } else if (json_is_object(item)) {
            if ((rc = jf_known(item, item_keys, e)) ||
                (rc = jf_str(item, "date", true, 10, &date, e)) ||
                (rc = jf_str(item, "name", false, CALENDAR_MAX_NAME, &name, e))) {
                char inner[24];
                snprintf(inner, sizeof inner, "%.20s", e ? e->field : "");
                if (e)
                    snprintf(e->field, sizeof e->field, "%s[%zu].%s", key, i, inner);
                return rc;
            }
            snprintf(field, sizeof field, "%s[%zu].date", key, i);
        } else {
            return js_fail(e, JS_ETYPE, field, "a day is \"YYYY-MM-DD\" or {\"date\", \"name\"}");
        }
        int64_t day;
        if (parse_date(date, &day))
            return js_fail(e, JS_EINVAL, field, "'%s' is not a date YYYY-MM-DD", date);
        int64_t yday = day - y->first_day;
        int64_t len = jtime_days_from_civil(y->year + 1, 1, 1) - y->first_day;
        if (yday < 0 || yday >= len)
            return js_fail(e, JS_EINVAL, field, "%s is not in %d", date, y->year);
        if (y->kind[yday] != DAY_NORMAL)
            return js_fail(e, JS_EINVAL, field, "%s is listed twice", date);
        if (kind == DAY_WORKDAY && jtime_weekday(day) < 5)
            return js_fail(e, JS_EINVAL, field,
                           "%s is a weekday: a swapped working day falls on a Saturday or Sunday",
                           date);
        struct special_day *sd = &y->days[y->n_days++];
        sd->yday = (int)yday;
        sd->kind = kind;
        snprintf(sd->name, sizeof sd->name, "%s", name ? name : "");
        y->kind[yday] = (unsigned char)kind;
    }
    return 0;
}

/* Builds a year from doc; *out owned by the caller. */
static int build_year(int year, const json_t *doc, bool edited, struct cal_year **out,
                      struct js_error *e)
{
    static const char *const keys[] = {"year", "source", "edited", "holidays", "workdays", NULL};
    struct cal_year *y = NULL;
    const char *source = NULL;
    int64_t doc_year = year;
    int rc;
    *out = NULL;
    if (year < CALENDAR_MIN_YEAR || year > CALENDAR_MAX_YEAR)
        return js_fail(e, JS_EINVAL, "year", "the year must be from %d to %d", CALENDAR_MIN_YEAR,
                       CALENDAR_MAX_YEAR);
    if (!json_is_object(doc))
        return js_fail(e, JS_ETYPE, "", "a calendar year is a JSON object");
    if ((rc = jf_known(doc, keys, e)) ||
        (rc = jf_int(doc, "year", false, CALENDAR_MIN_YEAR, CALENDAR_MAX_YEAR, &doc_year, e)) ||
        (rc = jf_str(doc, "source", false, MAX_SOURCE, &source, e)))
        return rc;
    if (doc_year != year)
        return js_fail(e, JS_EINVAL, "year", "the document is for %lld, not %d",
                       (long long)doc_year, year);
    const json_t *ed = json_object_get(doc, "edited");
    if (ed && !json_is_boolean(ed) && !json_is_null(ed))
        return js_fail(e, JS_ETYPE, "edited", "'edited' must be true or false");
    y = calloc(1, sizeof *y);
    if (!y)
        return js_fail(e, JS_ENOMEM, "", "out of memory");
    y->year = year;
    y->edited = edited;
    y->first_day = jtime_days_from_civil(year, 1, 1);
    y->days = calloc(366, sizeof *y->days);
    y->source = strdup(source ? source : "");
    if (!y->days || !y->source) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory");
        goto out;
    }
    if ((rc = read_list(y, doc, "holidays", DAY_HOLIDAY, e)) ||
        (rc = read_list(y, doc, "workdays", DAY_WORKDAY, e)))
        goto out;
    qsort(y->days, (size_t)y->n_days, sizeof *y->days, cmp_special);
    *out = y;
    y = NULL;
out:
    year_free(y);
    return rc;
}

int calendar_check_year(int year, const json_t *doc, struct js_error *e)
{
    struct cal_year *y;
    int rc = build_year(year, doc, false, &y, e);
    year_free(y);
    return rc;
}

int calendar_set_year(struct calendar *c, int year, const json_t *doc, bool edited,
                      struct js_error *e)
{
    struct cal_year *y;
    int rc = build_year(year, doc, edited, &y, e);
    if (rc)
        return rc;
    for (int i = 0; i < c->n; i++)
        if (c->years[i]->year == year) {
            year_free(c->years[i]);
            c->years[i] = y;
            return 0;
        }
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        struct cal_year **v = realloc(c->years, (size_t)cap * sizeof *v);
        if (!v) {
            year_free(y);
            return js_fail(e, JS_ENOMEM, "", "out of memory");
        }
        c->years = v;
        c->cap = cap;
    }
    int at = c->n;
    while (at > 0 && c->years[at - 1]->year > year) {
        c->years[at] = c->years[at - 1];
        at--;
    }
    c->years[at] = y;
    c->n++;
    return 0;
}

void calendar_clear_year(struct calendar *c, int year)
{
    for (int i = 0; c && i < c->n; i++)
        if (c->years[i]->year == year) {
            year_free(c->years[i]);
            memmove(&c->years[i], &c->years[i + 1], (size_t)(c->n - i - 1) * sizeof *c->years);
            c->n--;
            return;
        }
}

json_t *calendar_year_json(const struct calendar *c, int year)
{
    const struct cal_year *y = find_year(c, year);
    if (!y)
        return NULL;
    json_t *hol = json_array(), *work = json_array();
    json_t *doc = json_pack("{si ss sb so so}", "year", year, "source", y->source, "edited",
                            y->edited, "holidays", hol, "workdays", work);
    if (!doc)
        return NULL;
    for (int i = 0; i < y->n_days; i++) {
        const struct special_day *sd = &y->days[i];
        int yy, mm, dd;
        char date[16];
        jtime_civil_from_days(y->first_day + sd->yday, &yy, &mm, &dd);
        snprintf(date, sizeof date, "%04d-%02d-%02d", yy % 10000, mm % 100, dd % 100);
        if (json_array_append_new(sd->kind == DAY_HOLIDAY ? hol : work,
                                  json_pack("{ss ss}", "date", date, "name", sd->name))) {
            json_decref(doc);
            return NULL;
        }
    }
    return doc;
}

int calendar_years(const struct calendar *c, int *years, int max)
{
    int n = 0;
    for (int i = 0; c && i < c->n && n < max; i++)
        years[n++] = c->years[i]->year;
    return n;
}

/* ---- files and edits ---------------------------------------------------------------------- */

int calendar_load_shipped(struct calendar *c, const struct shipped *sh, struct js_error *e)
{
    const char *key;
    json_t *doc;
    if (!sh)
        return 0;
    json_object_foreach(sh->calendars, key, doc)
    {
        int rc = calendar_set_year(c, atoi(key), doc, false, e);
        if (rc) {
            if (e) {
                char msg[sizeof e->message];
                snprintf(msg, sizeof msg, "%s", e->message);
                snprintf(e->message, sizeof e->message, "cn-%s.json: %.200s", key, msg);
            }
            return rc;
        }
    }
    return 0;
}

int calendar_apply_edits(struct calendar *c, const json_t *edits, struct js_error *e)
{
    if (!edits)
        return 0;
    if (!json_is_object(edits))
        return js_fail(e, JS_ETYPE, CALENDAR_SETTING, "the calendar setting must be an object");
    const char *key;
    json_t *doc;
    json_object_foreach((json_t *)edits, key, doc)
    {
        char *end;
        long year = strtol(key, &end, 10);
        if (*end || end == key)
            return js_fail(e, JS_EINVAL, CALENDAR_SETTING, "'%s' is not a year", key);
        int rc = calendar_set_year(c, (int)year, doc, true, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- arithmetic --------------------------------------------------------------------------- */

bool calendar_is_workday(const struct calendar *c, int64_t day)
{
    int y, m, d;
    jtime_civil_from_days(day, &y, &m, &d);
    const struct cal_year *cy = find_year(c, y);
    if (cy) {
        int kind = cy->kind[day - cy->first_day];
        if (kind == DAY_HOLIDAY)
            return false;
        if (kind == DAY_WORKDAY)
            return true;
    }
    return jtime_weekday(day) < 5;
}

int64_t calendar_add_workdays(const struct calendar *c, int64_t t, int n)
{
    int64_t day = jtime_local_day(t);
    int64_t tod = t - jtime_day_start(day);
    if (!calendar_is_workday(c, day)) {
        /* A rest-day start counts from the end of that day: the limit ends at the close of the
         * n-th following working day. */
        tod = JT_DAY - 1;
    }
    while (n > 0) {
        day++;
        if (calendar_is_workday(c, day))
            n--;
    }
    return jtime_day_start(day) + tod;
}

int64_t calendar_add_hours(int64_t t, int hours)
{
    return t + (int64_t)hours * 3600;
}

int64_t calendar_add_span(const struct calendar *c, int64_t t, int amount, int unit)
{
    switch (unit) {
    case SPAN_HOURS:
        return calendar_add_hours(t, amount);
    case SPAN_WORKDAYS:
        return calendar_add_workdays(c, t, amount);
    default:
        return t + (int64_t)amount * JT_DAY;
    }
}

int64_t calendar_work_seconds(const struct calendar *c, int64_t from, int64_t to)
{
    if (to < from)
        return -calendar_work_seconds(c, to, from);
    int64_t total = 0;
    for (int64_t day = jtime_local_day(from); jtime_day_start(day) < to; day++) {
        if (!calendar_is_workday(c, day))
            continue;
        int64_t a = jtime_day_start(day), b = a + JT_DAY;
        if (a < from)
            a = from;
        if (b > to)
            b = to;
        if (b > a)
            total += b - a;
    }
    return total;
}
