/* Tests of the strict date-time parser (src/util/jtime.c): what it accepts, the offsets, seconds,
 * years and days of month it refuses, and the round trip through jtime_format. */
#include "compat.h"
#include "testutil.h"
#include "util/err.h"
#include "util/jtime.h"

#include <stdio.h>
#include <string.h>

static int64_t parsed(const char *s)
{
    int64_t t = -1;
    int rc = jtime_parse(s, &t);
    if (rc)
        fail_msg("jtime_parse refused %s (%d)", s, rc);
    return t;
}

static void test_accepts(void **state)
{
    (void)state;
    int64_t base = parsed("2026-11-22T09:30:00+08:00");
    assert_int_equal(base, 1795311000);
    assert_int_equal(parsed("2026-11-22T09:30+08:00"), base);
    assert_int_equal(parsed("2026-11-22 09:30:00"), base); /* Shanghai when no offset */
    assert_int_equal(parsed("2026-11-22T01:30:00Z"), base);
    assert_int_equal(parsed("2026-11-22T01:30:00.123456Z"), base);
    assert_int_equal(parsed("2026-11-22T15:30:00+14:00"), base);
    assert_int_equal(parsed("2026-11-21T13:30:00-12:00"), base);
    assert_int_equal(parsed("2026-11-22T07:00:00+05:30"), base);
    assert_int_equal(parsed("2026-11-22"), base - 9 * 3600 - 30 * 60);
    assert_int_equal(parsed("2028-02-29") + JT_DAY, parsed("2028-03-01")); /* leap year */
    assert_int_equal(parsed("2000-02-29") + JT_DAY, parsed("2000-03-01")); /* 400-year rule */
    parsed("2000-01-01T00:00:00+08:00");
    parsed("2099-12-31T23:59:59+08:00");
    parsed("2026-12-31T23:59:59-14:00");
}

static void test_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* offsets */
        "2026-11-22T09:30:00+99:99", "2026-11-22T09:30:00+14:01", "2026-11-22T09:30:00-14:30",
        "2026-11-22T09:30:00+08:60", "2026-11-22T09:30:00+8:00", "2026-11-22T09:30:00+0800",
        "2026-11-22T09:30:00+08", "2026-11-22T09:30:00+08:00Z", "2026-11-22T09:30:00z",
        /* times */
        "2026-11-22T23:59:60", "2026-11-22T24:00", "2026-11-22T09:60", "2026-11-22T9:30",
        "2026-11-22T09:30:5", "2026-11-22T09:30:00.", "2026-11-22T09:30:00.1234567890",
        "2026-11-22T", "2026-11-22T09", "2026-11-22T09:30:00 ", "2026-11-22t09:30",
        /* years */
        "0001-01-01", "9999-12-31", "1999-12-31T23:59:59", "2100-01-01", "1970-01-01", "0026-11-22",
        "+026-11-22", " 2026-11-22", "20261-11-22", "-026-11-22",
        /* days of month */
        "2026-02-29", "2027-02-29", "2100-02-29", "2026-04-31", "2026-06-31", "2026-09-31",
        "2026-11-31", "2026-01-32", "2026-01-00", "2026-00-10", "2026-13-01", "2026-1-01",
        "2026-01-1", "2026/01/01", "", "now", "2026-11-22x"};
    for (size_t i = 0; i < JS_ARRAY_LEN(bad); i++) {
        int64_t t = 42;
        int rc = jtime_parse(bad[i], &t);
        if (rc != -JS_EINVAL)
            fail_msg("jtime_parse accepted '%s' (rc %d, t %lld)", bad[i], rc, (long long)t);
        assert_int_equal(t, 42); /* untouched */
    }
    int64_t t = 0;
    assert_int_equal(jtime_parse(NULL, &t), -JS_EINVAL);
}

static void test_days_in_month(void **state)
{
    (void)state;
    assert_int_equal(jtime_days_in_month(2026, 1), 31);
    assert_int_equal(jtime_days_in_month(2026, 2), 28);
    assert_int_equal(jtime_days_in_month(2028, 2), 29);
    assert_int_equal(jtime_days_in_month(2000, 2), 29);
    assert_int_equal(jtime_days_in_month(2100, 2), 28);
    assert_int_equal(jtime_days_in_month(2026, 4), 30);
    assert_int_equal(jtime_days_in_month(2026, 12), 31);
    assert_int_equal(jtime_days_in_month(2026, 0), 0);
    assert_int_equal(jtime_days_in_month(2026, 13), 0);
}

/* Every day of the accepted range (and a few times in it) survives format then parse. */
static void test_roundtrip(void **state)
{
    (void)state;
    int64_t first = parsed("2000-01-01"), last = parsed("2099-12-31");
    int days = 0;
    for (int64_t t = first; t <= last; t += JT_DAY + 3671) {
        char s[40];
        jtime_format(t, s, sizeof s);
        assert_int_equal(parsed(s), t);
        days++;
    }
    assert_true(days > 30000);
}

/* The digit-by-digit writing equals printf's over years 0..9999 and every second of a day;
 * outside those years, and in a short buffer, printf's own is kept. */
static void test_format_digits(void **state)
{
    (void)state;
    static const int years[] = {-1, 0, 1, 999, 1970, 2026, 9999, 10000};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        int64_t day = jtime_days_from_civil(years[i], 12, 31);
        for (int64_t sec = 0; sec < JT_DAY; sec += 17) {
            int64_t t = jtime_day_start(day) + sec;
            char got[40], want[40];
            jtime_format(t, got, sizeof got);
            snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", years[i], 12, 31,
                     (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
            assert_string_equal(got, want);
        }
    }
    char small[12];
    jtime_format(jtime_day_start(jtime_days_from_civil(2026, 3, 5)), small, sizeof small);
    assert_string_equal(small, "2026-03-05T");
}

/* The Chinese writing of an instant, in Shanghai time, with and without the seconds, and cut
 * to a short buffer without overrunning it. */
static void test_format_cn(void **state)
{
    (void)state;
    int64_t t = parsed("2026-03-05T08:07:09+08:00");
    char s[40];
    jtime_format_cn(t, s, sizeof s);
    assert_string_equal(s, "2026年3月5日 08:07");
    jtime_format_cn_sec(t, s, sizeof s);
    assert_string_equal(s, "2026年3月5日 08:07:09");
    jtime_format_cn_sec(parsed("2026-12-31T23:59:59Z"), s, sizeof s);
    assert_string_equal(s, "2027年1月1日 07:59:59");
    char small[8];
    jtime_format_cn_sec(t, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),   cmocka_unit_test(test_format_cn),
        cmocka_unit_test(test_refuses),   cmocka_unit_test(test_days_in_month),
        cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_format_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
