/* What the benchmarks share: a monotonic clock, a seeded generator, the real citizen messages of
 * ../shared/data, and percentiles of timings. Not part of jiesu. */
#ifndef JIESU_BENCHLIB_H
#define JIESU_BENCHLIB_H
#include <stdint.h>

/* Seconds on the monotonic clock. */
double bench_now(void);

/* xorshift64*: deterministic for a seed; bench_pick(n) is in [0, n). */
void bench_seed(uint64_t seed);
uint64_t bench_rnd(void);
int bench_pick(int n);

/* A citizen message: title and text (cut to 900 bytes at a character boundary). */
struct bench_msg {
    char *title, *text;
};
/* Appends the messages of a CSV file with columns "title" and "text" to *msgs (*n of them);
 * exits with a message when the file cannot be read. */
void bench_messages_load(const char *path, struct bench_msg **msgs, int *n);
/* Appends the messages of both tipdm2020c files below shared (../shared: the data dir's parent). */
void bench_messages_shared(const char *shared, struct bench_msg **msgs, int *n);

struct store;
/* In a bulk load of orders (store in bulk mode, a transaction open): after the i-th order,
 * commits every 2,000 and begins again, and says on stderr every 100,000 how far it got since
 * t0 (bench_now()). */
void bench_bulk_tick(struct store *s, long i, double t0);

/* A memory figure of /proc/PID/status in kB (field "VmHWM" or "VmRSS"; pid 0: this process), or
 * -1 when it cannot be read. */
long bench_status_kb(int pid, const char *field);

/* Removes a SQLite database file and its -wal and -shm files (those absent are no error). */
void bench_db_remove(const char *path);

/* Timings in seconds summarised in milliseconds. v is sorted in place. */
struct bench_stats {
    double p50, p99, mean;
};
struct bench_stats bench_stats_of(double *v, int n);
/* The p-quantile (0..1) of n timings in seconds, in milliseconds; v is sorted in place. */
double bench_percentile(double *v, int n, double p);

#endif
