/* Time formatting and parsing in China Standard Time, which has no daylight saving. */
#include "compat.h"
#include "util/jtime.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t system_now(void *ctx)
{
    JS_UNUSED(ctx);
    return (int64_t)time(NULL);
}

const struct jclock jclock_system = {system_now, NULL};

int64_t jclock_now(const struct jclock *c)
{
    if (!c || !c->now)
        return system_now(NULL);
    return c->now(c->ctx);
}

/* Howard Hinnant's civil-date algorithms. */
int64_t jtime_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void jtime_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (mm <= 2));
    *m = mm;
    *d = dd;
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t jtime_local_day(int64_t t)
{
    return floordiv(t + JT_SHANGHAI_OFFSET, JT_DAY);
}

int jtime_weekday(int64_t day)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int64_t jtime_day_start(int64_t day)
{
    return day * JT_DAY - JT_SHANGHAI_OFFSET;
}

/* The Shanghai calendar date and the seconds into that day of t. */
static void local_parts(int64_t t, int *y, int *m, int *d, int64_t *sec)
{
    int64_t local = t + JT_SHANGHAI_OFFSET;
    int64_t day = floordiv(local, JT_DAY);
    *sec = local - day * JT_DAY;
    jtime_civil_from_days(day, y, m, d);
}

/* v (0..99) as two digits at p. */
static void put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

void jtime_format(int64_t t, char *out, size_t n)
{
    int y, m, d;
    int64_t sec;
    local_parts(t, &y, &m, &d, &sec);
    if (y >= 0 && y <= 9999 && n >= sizeof "2026-01-01T00:00:00+08:00") {
        /* what the snprintf below writes, digit by digit: an answer has a dozen instants */
        memcpy(out, "0000-00-00T00:00:00+08:00", sizeof "0000-00-00T00:00:00+08:00");
        put2(out, y / 100);
        put2(out + 2, y % 100);
        put2(out + 5, m);
        put2(out + 8, d);
        put2(out + 11, (int)(sec / 3600));
        put2(out + 14, (int)(sec / 60 % 60));
        put2(out + 17, (int)(sec % 60));
        return;
    }
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

/* t the Chinese way, with the seconds or without. */
static void format_cn(int64_t t, char *out, size_t n, bool seconds)
{
    int y, m, d;
    int64_t sec;
    local_parts(t, &y, &m, &d, &sec);
    int len = snprintf(out, n, "%d年%d月%d日 %02d:%02d", y, m, d, (int)(sec / 3600),
                       (int)(sec / 60 % 60));
    if (seconds && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, ":%02d", (int)(sec % 60));
}

void jtime_format_cn(int64_t t, char *out, size_t n)
{
    format_cn(t, out, n, false);
}

void jtime_format_cn_sec(int64_t t, char *out, size_t n)
{
    format_cn(t, out, n, true);
}

/* n decimal digits at *p (no sign, no spaces) into *v; advances *p. */
static bool digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        x = x * 10 + (c - '0');
    }
    *p += n;
    *v = x;
    return true;
}

int jtime_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int jtime_parse(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    const char *p = s;
    if (!p || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return -JS_EINVAL;
    if (y < JT_YEAR_MIN || y > JT_YEAR_MAX || mo < 1 || mo > 12 || d < 1 ||
        d > jtime_days_in_month(y, mo))
        return -JS_EINVAL; /* e.g. 0001-01-01, 9999-12-31, 2026-02-30, 2027-02-29 */
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || h > 23 || mi > 59)
            return -JS_EINVAL;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &se) || se > 59) /* no leap second: 23:59:60 is refused */
                return -JS_EINVAL;
            if (*p == '.') { /* fractional seconds (1 to 9 digits) are dropped */
                int n = 0;
                for (p++; *p >= '0' && *p <= '9'; p++)
                    n++;
                if (n < 1 || n > 9)
                    return -JS_EINVAL;
            }
        }
    }
    int64_t offset = JT_SHANGHAI_OFFSET;
    if (*p == 'Z') {
        offset = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || om > 59 ||
            oh * 60 + om > 14 * 60) /* real offsets run from -12:00 to +14:00 */
            return -JS_EINVAL;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return -JS_EINVAL;
    *out = jtime_days_from_civil(y, mo, d) * JT_DAY + h * 3600 + mi * 60 + se - offset;
    return 0;
}
