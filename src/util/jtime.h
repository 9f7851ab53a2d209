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
/* Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DDTHH:MM[:SS]" with an optional "Z" or
 * "+HH:MM" suffix (local Shanghai time when absent). Returns 0 or -JS_EINVAL. */
int jtime_parse(const char *s, int64_t *out);
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
