/* Time formatting and parsing in China Standard Time, which has no daylight saving. */
#include "compat.h"
#include "util/jtime.h"
#include "util/err.h"

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

void jtime_format(int64_t t, char *out, size_t n)
{
    int y, m, d;
    int64_t sec;
    local_parts(t, &y, &m, &d, &sec);
    snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

void jtime_format_cn(int64_t t, char *out, size_t n)
{
    int y, m, d;
    int64_t sec;
    local_parts(t, &y, &m, &d, &sec);
    snprintf(out, n, "%d年%d月%d日 %02d:%02d", y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60));
}

int jtime_parse(const char *s, int64_t *out)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, used = 0;
    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
        return -JS_EINVAL;
    const char *p = s + used;
    if (*p == 'T' || *p == ' ') {
        int u2 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &u2) != 2 || u2 != 5)
            return -JS_EINVAL;
        p += 1 + u2;
        if (*p == ':') {
            int u3 = 0;
            if (sscanf(p + 1, "%2d%n", &se, &u3) != 1 || u3 != 2)
                return -JS_EINVAL;
            p += 1 + u3;
            if (*p == '.') { /* fractional seconds are dropped */
                p++;
                while (*p >= '0' && *p <= '9')
                    p++;
            }
        }
    }
    int64_t offset = JT_SHANGHAI_OFFSET;
    if (*p == 'Z') {
        offset = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = 0, om = 0, u4 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &u4) != 2 || u4 != 5)
            return -JS_EINVAL;
        offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        p += 1 + u4;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -JS_EINVAL;
    int64_t day = jtime_days_from_civil(y, mo, d);
    int yy, mm, dd;
    jtime_civil_from_days(day, &yy, &mm, &dd);
    if (yy != y || mm != mo || dd != d)
        return -JS_EINVAL; /* e.g. 2026-02-30 */
    *out = day * JT_DAY + h * 3600 + mi * 60 + se - offset;
    return 0;
}
