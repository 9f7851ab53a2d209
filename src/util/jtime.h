/* Instants are int64 seconds since the epoch, UTC; shown and parsed in Asia/Shanghai (UTC+8). */
#ifndef JIESU_JTIME_H
#define JIESU_JTIME_H

#include <stddef.h>
#include <stdint.h>

#define JT_SHANGHAI_OFFSET (8 * 3600)
#define JT_DAY             86400

/* A source of the current time, so that tests and `jiesu tick` can fix it. */
struct jclock {
    int64_t (*now)(void *ctx);
    void *ctx;
};

/* The system clock. */
extern const struct jclock jclock_system;
/* Reads a clock; a NULL clock reads the system time. */
int64_t jclock_now(const struct jclock *c);

/* Writes t as "2026-11-22T09:30:00+08:00" into out (at least 26 bytes). */
void jtime_format(int64_t t, char *out, size_t n);
/* Writes t the Chinese way, "2026年11月22日 09:30" (Shanghai time), into out (at least 32
 * bytes). */
void jtime_format_cn(int64_t t, char *out, size_t n);
/* The same with the seconds, "2026年11月22日 09:30:05", for logs (at least 32 bytes). */
void jtime_format_cn_sec(int64_t t, char *out, size_t n);
/* The years jtime_parse accepts. 2000-2099: the platform records hotline work from the 2000s
 * on (the policy seeds date from 2013, the demo data from 2017), every instant stays positive (0
 * means "absent" in orders), and slips such as 0026, 0001 or a 9999 "never" sentinel are
 * refused rather than stored as real deadlines. */
#define JT_YEAR_MIN 2000
#define JT_YEAR_MAX 2099

/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an
 * optional "Z" or "+HH:MM"/"-HH:MM" suffix (local Shanghai time when absent), strictly: exactly
 * the digits shown, a year in JT_YEAR_MIN..JT_YEAR_MAX, a day that exists in its month, hours
 * 00-23, minutes and seconds 00-59 (no leap second), an offset of at most 14:00 with minutes
 * under 60. Returns 0 or -JS_EINVAL (and leaves *out alone). */
int jtime_parse(const char *s, int64_t *out);
/* Days in month m (1-12) of year y, leap years counted; 0 for a bad month. */
int jtime_days_in_month(int y, int m);
/* Local (Shanghai) calendar date of t as days since 1970-01-01. */
int64_t jtime_local_day(int64_t t);
/* Day of week of a local day number, 0 = Monday ... 6 = Sunday. */
int jtime_weekday(int64_t day);
/* Start (00:00 Shanghai) of local day number d as an instant. */
int64_t jtime_day_start(int64_t day);
/* Converts a civil date to a day number and back. */
int64_t jtime_days_from_civil(int y, int m, int d);
void jtime_civil_from_days(int64_t day, int *y, int *m, int *d);

#endif
