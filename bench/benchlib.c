/* Helpers shared by the benchmarks (bench/benchlib.h). */
#include "compat.h"

#include "benchlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/csv.h"

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

void bench_seed(uint64_t seed)
{
    rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

uint64_t bench_rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * UINT64_C(2685821657736338717);
}

int bench_pick(int n)
{
    return (int)(bench_rnd() % (uint64_t)n);
}

void bench_messages_load(const char *path, struct bench_msg **msgs, int *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: cannot open %s\n", path);
        exit(1);
    }
    struct csv_reader r;
    struct js_error e;
    bool got;
    csv_init(&r, f, 0);
    if (csv_next(&r, &got, &e) || !got) {
        fprintf(stderr, "bench: %s: no header\n", path);
        exit(1);
    }
    int ti = csv_find(&r, "title"), xi = csv_find(&r, "text");
    if (ti < 0 || xi < 0) {
        fprintf(stderr, "bench: %s: no title or text column\n", path);
        exit(1);
    }
    while (csv_next(&r, &got, &e) == 0 && got) {
        struct bench_msg *grown = realloc(*msgs, (size_t)(*n + 1) * sizeof **msgs);
        char *title = strdup(csv_field(&r, ti)), *text = strdup(csv_field(&r, xi));
        if (!grown || !title || !text) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
        *msgs = grown;
        if (strlen(text) > 900) { /* a long letter: its first part */
            size_t k = 900;
            while (k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80)
                k--;
            text[k] = '\0';
        }
        (*msgs)[(*n)++] = (struct bench_msg){title, text};
    }
    csv_release(&r);
    fclose(f);
}

void bench_messages_shared(const char *shared, struct bench_msg **msgs, int *n)
{
    static const char *const files[] = {"messages_with_votes.csv", "messages_with_replies.csv"};
    char path[1024];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/data/tipdm2020c/%s", shared, files[i]);
        bench_messages_load(path, msgs, n);
    }
}

void bench_db_remove(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char side[1024];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffixes[i]);
        unlink(side);
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct bench_stats bench_stats_of(double *v, int n)
{
    struct bench_stats st = {0, 0, 0};
    if (n <= 0)
        return st;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    st.p99 = bench_percentile(v, n, 0.99);
    st.p50 = v[n / 2] * 1e3;
    st.mean = sum / n * 1e3;
    return st;
}

double bench_percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    int k = (int)(n * p);
    return v[k < n ? k : n - 1] * 1e3;
}

void bench_bulk_tick(struct store *s, long i, double t0)
{
    /* A bulk transaction runs inside one savepoint of the group writer, and SQLite walks the
     * savepoint's in-memory journal from its start at every nested RELEASE: the cost of an
     * insert grows with the pages the transaction has touched. 250 per commit kept 60,000
     * generated orders at 40 s where 2,000 took 104 s ($BENCH_BULK_BATCH overrides it). */
    static long batch;
    if (!batch) {
        const char *b = getenv("BENCH_BULK_BATCH");
        batch = b && atol(b) > 0 ? atol(b) : 250;
    }
    if (i % batch == batch - 1) {
        s->ops->commit(s);
        s->ops->begin(s);
    }
    if (i % 100000 == 99999)
        fprintf(stderr, "  %ld orders, %.0f s\n", i + 1, bench_now() - t0);
}

long bench_status_kb(int pid, const char *field)
{
    char path[64], line[256];
    size_t n = strlen(field);
    long kb = -1;
    if (pid)
        snprintf(path, sizeof path, "/proc/%d/status", pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    FILE *f = fopen(path, "r");
    while (f && kb < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = atol(line + n + 1);
    if (f)
        fclose(f);
    return kb;
}
