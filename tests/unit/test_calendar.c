/* Tests of the working-day calendar: the shipped 2025 and 2026 State Council calendars (holidays
 * and swapped working days), working-day arithmetic across the Spring Festival and National Day,
 * working time between instants, and the validation of a year's document. */
#include "compat.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/calendar.h"
#include "core/policy.h"
#include "util/jtime.h"
#include "util/shipped.h"

static struct calendar *shipped(void)
{
    struct calendar *c;
    struct js_error e;
    assert_int_equal(calendar_new(&c), 0);
    if (calendar_load_shipped(c, tu_shipped(), &e))
        fail_msg("shipped calendars: %s", e.message);
    return c;
}

static int64_t at(const char *iso)
{
    int64_t t;
    if (jtime_parse(iso, &t))
        fail_msg("bad time %s", iso);
    return t;
}

static int64_t day(const char *date)
{
    return jtime_local_day(at(date));
}

static void assert_time(int64_t got, const char *want)
{
    char buf[40];
    jtime_format(got, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (!j)
        fail_msg("bad test JSON %s: %s", text, jerr.text);
    return j;
}

/* Both years are shipped with the State Council's numbers of days. */
static void test_shipped_years(void **state)
{
    (void)state;
    struct calendar *c = shipped();
    int years[8];
    int n = calendar_years(c, years, 8);
    assert_true(n >= 2);
    int want[2][3] = {{2025, 28, 5}, {2026, 33, 6}};
    for (int k = 0; k < 2; k++) {
        json_t *doc = calendar_year_json(c, want[k][0]);
        assert_non_null(doc);
        assert_int_equal(json_array_size(json_object_get(doc, "holidays")), want[k][1]);
        assert_int_equal(json_array_size(json_object_get(doc, "workdays")), want[k][2]);
        assert_false(json_is_true(json_object_get(doc, "edited")));
        const char *src = json_string_value(json_object_get(doc, "source"));
        assert_non_null(strstr(src, "国务院办公厅"));
        /* every holiday is a rest day; every swapped working day is a weekend day that works */
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(doc, "holidays"), i, item)
        {
            int64_t d = day(json_string_value(json_object_get(item, "date")));
            assert_false(calendar_is_workday(c, d));
            assert_true(strlen(json_string_value(json_object_get(item, "name"))) > 0);
        }
        json_array_foreach(json_object_get(doc, "workdays"), i, item)
        {
            int64_t d = day(json_string_value(json_object_get(item, "date")));
            assert_true(jtime_weekday(d) >= 5);
            assert_true(calendar_is_workday(c, d));
            assert_false(calendar_is_workday(NULL, d));
        }
        json_decref(doc);
    }
    calendar_free(c);
}

static void test_known_days(void **state)
{
    (void)state;
    struct calendar *c = shipped();
    static const struct {
        const char *date;
        bool work;
    } cases[] = {
        {"2025-01-01", false}, {"2025-01-26", true},  {"2025-01-28", false}, {"2025-02-04", false},
        {"2025-02-05", true},  {"2025-02-08", true},  {"2025-04-27", true},  {"2025-05-05", false},
        {"2025-06-02", false}, {"2025-09-28", true},  {"2025-10-08", false}, {"2025-10-11", true},
        {"2026-01-02", false}, {"2026-01-04", true},  {"2026-02-13", true},  {"2026-02-14", true},
        {"2026-02-15", false}, {"2026-02-16", false}, {"2026-02-23", false}, {"2026-02-24", true},
        {"2026-02-28", true},  {"2026-03-01", false}, {"2026-04-06", false}, {"2026-05-09", true},
        {"2026-06-19", false}, {"2026-09-20", true},  {"2026-09-25", false}, {"2026-10-07", false},
        {"2026-10-08", true},  {"2026-10-10", true},  {"2026-11-21", false}, {"2026-11-23", true},
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(cases); i++)
        if (calendar_is_workday(c, day(cases[i].date)) != cases[i].work)
            fail_msg("%s should be a %s day", cases[i].date, cases[i].work ? "working" : "rest");
    /* a year without data counts Monday to Friday */
    assert_true(calendar_is_workday(c, day("2030-01-01")));
    assert_false(calendar_is_workday(c, day("2030-01-05")));
    calendar_free(c);
}

static void test_add_workdays(void **state)
{
    (void)state;
    struct calendar *c = shipped();
    /* 5 working days from Thursday 2026-02-12: Fri 13, Sat 14 (swapped), then the Spring Festival
     * 15-23, Tue 24, Wed 25, Thu 26 */
    assert_time(calendar_add_workdays(c, at("2026-02-12T10:00"), 5), "2026-02-26T10:00:00+08:00");
    /* the weekday rule alone would give the next Thursday */
    assert_time(calendar_add_workdays(NULL, at("2026-02-12T10:00"), 5),
                "2026-02-19T10:00:00+08:00");
    /* Friday + 1 working day is the swapped Saturday */
    assert_time(calendar_add_workdays(c, at("2026-02-13T10:00"), 1), "2026-02-14T10:00:00+08:00");
    /* from a holiday, counting starts the next working day and ends at its close */
    assert_time(calendar_add_workdays(c, at("2026-02-16T09:00"), 1), "2026-02-24T23:59:59+08:00");
    /* National Day 2025: Tue 30 Sep + 3 = Thu 9, Fri 10, Sat 11 Oct (swapped) */
    assert_time(calendar_add_workdays(c, at("2025-09-30T17:00"), 3), "2025-10-11T17:00:00+08:00");
    /* spans */
    assert_time(calendar_add_span(c, at("2026-02-14T22:00"), 24, SPAN_HOURS),
                "2026-02-15T22:00:00+08:00");
    assert_time(calendar_add_hours(at("2026-02-14T22:00"), 2), "2026-02-15T00:00:00+08:00");
    assert_time(calendar_add_span(c, at("2026-02-12T10:00"), 7, SPAN_DAYS),
                "2026-02-19T10:00:00+08:00");
    assert_time(calendar_add_span(c, at("2026-02-12T10:00"), 5, SPAN_WORKDAYS),
                "2026-02-26T10:00:00+08:00");
    calendar_free(c);
}

static void test_work_seconds(void **state)
{
    (void)state;
    struct calendar *c = shipped();
    /* Fri 13, Sat 14 (swapped) and Tue 24 are the only working days from 13 to 24 Feb */
    int64_t a = at("2026-02-13T00:00"), b = at("2026-02-25T00:00");
    assert_int_equal(calendar_work_seconds(c, a, b), 3 * 86400);
    assert_int_equal(calendar_work_seconds(c, b, a), -3 * 86400);
    assert_int_equal(calendar_work_seconds(c, at("2026-02-13T12:00"), at("2026-02-14T06:00")),
                     18 * 3600);
    assert_int_equal(calendar_work_seconds(c, at("2026-02-15T12:00"), at("2026-02-16T06:00")), 0);
    /* the weekday rule counts the Spring Festival weekdays */
    assert_int_equal(calendar_work_seconds(NULL, a, b), 8 * 86400);
    calendar_free(c);
}

static void expect_year_error(const char *doc_text, int code, const char *field)
{
    struct calendar *c = shipped();
    struct js_error e;
    json_t *before = calendar_year_json(c, 2026);
    json_t *doc = parse(doc_text);
    js_error_clear(&e);
    int rc = calendar_set_year(c, 2026, doc, true, &e);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", doc_text, js_err_name(code), js_err_name(rc),
                 e.message);
    assert_string_equal(e.field, field);
    assert_int_equal(calendar_check_year(2026, doc, &e), code);
    json_t *after = calendar_year_json(c, 2026);
    assert_true(json_equal(before, after)); /* unchanged on error */
    json_decref(before);
    json_decref(after);
    json_decref(doc);
    calendar_free(c);
}

static void test_year_validation(void **state)
{
    (void)state;
    expect_year_error("{\"holidays\": [], \"workdays\": [\"2026-03-04\"]}", -JS_EINVAL,
                      "workdays[0]");
    expect_year_error("{\"holidays\": [\"2027-01-01\"], \"workdays\": []}", -JS_EINVAL,
                      "holidays[0]");
    expect_year_error("{\"holidays\": [\"2026-02-30\"], \"workdays\": []}", -JS_EINVAL,
                      "holidays[0]");
    expect_year_error("{\"holidays\": [\"2026-03-07\"], \"workdays\": [\"2026-03-07\"]}",
                      -JS_EINVAL, "workdays[0]");
    expect_year_error("{\"holidays\": [{\"date\": \"2026-05-01\", \"nom\": \"x\"}], "
                      "\"workdays\": []}",
                      -JS_EUNKNOWN_FIELD, "holidays[0].nom");
    expect_year_error("{\"holidays\": [{\"name\": \"劳动节\"}], \"workdays\": []}", -JS_EMISSING,
                      "holidays[0].date");
    expect_year_error("{\"holidays\": [{\"date\": \"2026-05-01\", \"name\": "
                      "\"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三\"}],"
                      " \"workdays\": []}",
                      -JS_ETOOLONG, "holidays[0].name");
    expect_year_error("{\"workdays\": []}", -JS_EMISSING, "holidays");
    expect_year_error("{\"holidays\": [], \"workdays\": [], \"extra\": 1}", -JS_EUNKNOWN_FIELD,
                      "extra");
    expect_year_error("{\"year\": 2025, \"holidays\": [], \"workdays\": []}", -JS_EINVAL, "year");
    expect_year_error("{\"holidays\": [5], \"workdays\": []}", -JS_ETYPE, "holidays[0]");
    expect_year_error("[]", -JS_ETYPE, "");
}

static void test_set_roundtrip_and_edits(void **state)
{
    (void)state;
    struct calendar *c = shipped();
    struct js_error e;
    /* the canonical document reads back to itself */
    json_t *doc = calendar_year_json(c, 2026);
    assert_int_equal(calendar_set_year(c, 2026, doc, false, &e), 0);
    json_t *again = calendar_year_json(c, 2026);
    assert_true(json_equal(doc, again));
    json_decref(again);
    json_decref(doc);
    /* an edit replaces the year and is marked */
    json_t *edits = parse("{\"2026\": {\"source\": \"本区调整\", \"holidays\": "
                          "[{\"date\": \"2026-03-02\", \"name\": \"本地假日\"}], "
                          "\"workdays\": [\"2026-03-07\"]}}");
    assert_int_equal(calendar_apply_edits(c, edits, &e), 0);
    assert_false(calendar_is_workday(c, day("2026-03-02")));
    assert_true(calendar_is_workday(c, day("2026-03-07")));
    assert_true(calendar_is_workday(c, day("2026-02-16"))); /* the shipped year is replaced */
    doc = calendar_year_json(c, 2026);
    assert_true(json_is_true(json_object_get(doc, "edited")));
    json_t *w0 = json_array_get(json_object_get(doc, "workdays"), 0);
    assert_string_equal(json_string_value(json_object_get(w0, "date")), "2026-03-07");
    assert_string_equal(json_string_value(json_object_get(w0, "name")), "");
    json_decref(doc);
    json_decref(edits);
    edits = parse("{\"twenty\": {\"holidays\": [], \"workdays\": []}}");
    assert_int_equal(calendar_apply_edits(c, edits, &e), -JS_EINVAL);
    json_decref(edits);
    /* clearing a year goes back to Monday to Friday */
    calendar_clear_year(c, 2026);
    assert_null(calendar_year_json(c, 2026));
    assert_true(calendar_is_workday(c, day("2026-02-16")));
    assert_false(calendar_is_workday(c, day("2026-02-14")));
    calendar_free(c);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_load_dir(void **state)
{
    (void)state;
    struct calendar *c;
    struct js_error e;
    assert_int_equal(calendar_new(&c), 0);
    /* a missing directory is no calendar, not an error */
    struct shipped sh;
    const char *presets = shipped_preset_dir();
    assert_int_equal(shipped_load(&sh, presets, tu_path("no-such-dir"), &e), 0);
    assert_int_equal(calendar_load_shipped(c, &sh, &e), 0);
    assert_int_equal(calendar_years(c, (int[4]){0}, 4), 0);
    shipped_release(&sh);
    assert_int_equal(calendar_load_shipped(c, NULL, &e), 0);
    const char *dir = tu_path("cals");
    mkdir(dir, 0700);
    char path[600];
    snprintf(path, sizeof path, "%s/cn-2031.json", dir);
    write_file(path, "{\"holidays\": [\"2031-01-01\"], \"workdays\": []}");
    snprintf(path, sizeof path, "%s/notes.json", dir); /* not a calendar name: ignored */
    write_file(path, "not json");
    assert_int_equal(shipped_load(&sh, presets, dir, &e), 0);
    assert_int_equal(calendar_load_shipped(c, &sh, &e), 0);
    shipped_release(&sh);
    assert_false(calendar_is_workday(c, day("2031-01-01")));
    snprintf(path, sizeof path, "%s/cn-2032.json", dir);
    write_file(path, "{\"holidays\": [\"2031-01-02\"], \"workdays\": []}");
    js_error_clear(&e);
    assert_int_equal(shipped_load(&sh, presets, dir, &e), 0);
    assert_int_equal(calendar_load_shipped(c, &sh, &e), -JS_EINVAL);
    assert_non_null(strstr(e.message, "cn-2032.json"));
    shipped_release(&sh);
    write_file(path, "{");
    assert_int_equal(shipped_load(&sh, presets, dir, &e), -JS_EBADJSON);
    assert_non_null(strstr(e.message, "cn-2032.json"));
    calendar_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_years),   cmocka_unit_test(test_known_days),
        cmocka_unit_test(test_add_workdays),    cmocka_unit_test(test_work_seconds),
        cmocka_unit_test(test_year_validation), cmocka_unit_test(test_set_roundtrip_and_edits),
        cmocka_unit_test(test_load_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
