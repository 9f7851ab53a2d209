/* Request metrics under one mutex: a series per route + method, holding its latency histogram and
 * its counts by status, found through an open-addressing index; rendered sorted, as Prometheus
 * text. */
#include "compat.h"
#include "http/metrics.h"
#include "http/respond.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const double bounds[] = METRICS_BUCKETS;
#define NBOUNDS ((int)JS_ARRAY_LEN(bounds))

struct status_count {
    int status;
    uint64_t n;
};

struct series {
    char *route;
    const char *method;            /* one of the static method names */
    uint64_t buckets[NBOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
    double sum;
    uint64_t count;
    struct status_count *st;
    int nst, capst;
};

struct metrics {
    pthread_mutex_t lock;
    struct series *series;
    size_t n, cap;
    uint32_t *index; /* series number + 1, 0 = empty slot */
    size_t icap;     /* a power of two, at least twice n */
    atomic_long inflight;
    atomic_long conns;
    atomic_ulong header_timeouts;
    double start_time; /* Unix seconds */
    metrics_gauge_fn gauges;
    void *gauges_ctx;
};

static const char *const methods[] = {"GET",   "HEAD",   "POST",    "PUT",
                                      "PATCH", "DELETE", "OPTIONS", "OTHER"};

static const char *method_name(const char *m)
{
    for (size_t i = 0; m && i + 1 < JS_ARRAY_LEN(methods); i++)
        if (strcmp(m, methods[i]) == 0)
            return methods[i];
    return "OTHER";
}

/* The wall-clock time now: the metrics are made as the server starts, milliseconds after the
 * process does. (/proc's boot time plus start ticks drifts by seconds from the wall clock on
 * virtual machines, so that a start could read as later than now.) */
static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int metrics_new(struct metrics **out)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        return -JS_ENOMEM;
    m->icap = 64;
    m->index = calloc(m->icap, sizeof *m->index);
    if (!m->index) {
        free(m);
        return -JS_ENOMEM;
    }
    pthread_mutex_init(&m->lock, NULL);
    atomic_init(&m->inflight, 0);
    atomic_init(&m->conns, 0);
    atomic_init(&m->header_timeouts, 0);
    m->start_time = wall_now();
    *out = m;
    return 0;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->series[i].route);
        free(m->series[i].st);
    }
    free(m->series);
    free(m->index);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_set_gauges(struct metrics *m, metrics_gauge_fn fn, void *ctx)
{
    m->gauges = fn;
    m->gauges_ctx = ctx;
}

void metrics_inflight(struct metrics *m, int delta)
{
    if (m)
        atomic_fetch_add(&m->inflight, delta);
}

void metrics_connections(struct metrics *m, int delta)
{
    if (m)
        atomic_fetch_add(&m->conns, delta);
}

void metrics_header_timeout(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->header_timeouts, 1);
}

static uint32_t hash_key(const char *route, const char *method)
{
    uint32_t h = 2166136261u;
    for (const char *s = route; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    h = (h ^ 0xff) * 16777619u;
    for (const char *s = method; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Index slot for route + method: either holding it or the empty slot where it would go. */
static size_t slot_of(const struct metrics *m, const char *route, const char *method)
{
    size_t mask = m->icap - 1;
    size_t i = hash_key(route, method) & mask;
    while (m->index[i]) {
        const struct series *s = &m->series[m->index[i] - 1];
        if (s->method == method && strcmp(s->route, route) == 0)
            break;
        i = (i + 1) & mask;
    }
    return i;
}

static int reindex(struct metrics *m, size_t icap)
{
    uint32_t *idx = calloc(icap, sizeof *idx);
    if (!idx)
        return -JS_ENOMEM;
    free(m->index);
    m->index = idx;
    m->icap = icap;
    for (size_t k = 0; k < m->n; k++)
        m->index[slot_of(m, m->series[k].route, m->series[k].method)] = (uint32_t)k + 1;
    return 0;
}

/* The series for route + method, created if needed; NULL when out of memory. Lock held. */
static struct series *series_get(struct metrics *m, const char *route, const char *method)
{
    if (m->n >= METRICS_MAX_SERIES)
        route = "other"; /* bounded cardinality: the rest share one series per method */
    size_t i = slot_of(m, route, method);
    if (m->index[i])
        return &m->series[m->index[i] - 1];
    if ((m->n + 1) * 2 > m->icap) {
        if (reindex(m, m->icap * 2) != 0)
            return NULL;
        i = slot_of(m, route, method);
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct series *p = realloc(m->series, cap * sizeof *p);
        if (!p)
            return NULL;
        m->series = p;
        m->cap = cap;
    }
    struct series *s = &m->series[m->n];
    memset(s, 0, sizeof *s);
    s->route = strdup(route);
    if (!s->route)
        return NULL;
    s->method = method;
    m->n++;
    m->index[i] = (uint32_t)m->n;
    return s;
}

void metrics_observe(struct metrics *m, const char *route, const char *method, int status,
                     double seconds)
{
    if (!m)
        return;
    const char *meth = method_name(method);
    if (!route || !*route)
        route = "unmatched";
    if (status < 100 || status > 599)
        status = 0;
    if (!(seconds >= 0))
        seconds = 0;
    int b = 0;
    while (b < NBOUNDS && seconds > bounds[b])
        b++;
    pthread_mutex_lock(&m->lock);
    struct series *s = series_get(m, route, meth);
    if (!s)
        goto out;
    s->buckets[b]++;
    s->sum += seconds;
    s->count++;
    int k = 0;
    while (k < s->nst && s->st[k].status != status)
        k++;
    if (k == s->nst) {
        if (s->nst == s->capst) {
            int cap = s->capst ? s->capst * 2 : 4;
            struct status_count *p = realloc(s->st, (size_t)cap * sizeof *p);
            if (!p)
                goto out;
            s->st = p;
            s->capst = cap;
        }
        s->st[k].status = status;
        s->st[k].n = 0;
        s->nst++;
    }
    s->st[k].n++;
out:
    pthread_mutex_unlock(&m->lock);
}

static int put_escaped(struct buf *out, const char *v)
{
    int rc = 0;
    for (const char *p = v; *p && !rc; p++) {
        if (*p == '\\')
            rc = buf_puts(out, "\\\\");
        else if (*p == '"')
            rc = buf_puts(out, "\\\"");
        else if (*p == '\n')
            rc = buf_puts(out, "\\n");
        else
            rc = buf_append(out, p, 1);
    }
    return rc;
}

static int put_value(struct buf *out, double v)
{
    if (isnan(v))
        return buf_puts(out, "NaN");
    if (isinf(v))
        return buf_puts(out, v > 0 ? "+Inf" : "-Inf");
    if (v == floor(v) && fabs(v) < 1e15)
        return buf_printf(out, "%.0f", v);
    return buf_printf(out, "%.17g", v); /* round-trips: a Unix time in seconds keeps its fraction */
}

int metrics_family(struct buf *out, const char *name, const char *type, const char *help)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_sample(struct buf *out, const char *name, const char *const *labels, double value)
{
    int rc = buf_puts(out, name);
    if (labels && labels[0]) {
        for (int i = 0; !rc && labels[i] && labels[i + 1]; i += 2) {
            rc = buf_printf(out, "%s%s=\"", i ? "," : "{", labels[i]);
            if (!rc)
                rc = put_escaped(out, labels[i + 1]);
            if (!rc)
                rc = buf_puts(out, "\"");
        }
        if (!rc)
            rc = buf_puts(out, "}");
    }
    if (!rc)
        rc = buf_puts(out, " ");
    if (!rc)
        rc = put_value(out, value);
    if (!rc)
        rc = buf_puts(out, "\n");
    return rc;
}

static int cmp_series(const void *a, const void *b)
{
    const struct series *x = *(const struct series *const *)a;
    const struct series *y = *(const struct series *const *)b;
    int c = strcmp(x->route, y->route);
    return c ? c : strcmp(x->method, y->method);
}

static int cmp_status(const void *a, const void *b)
{
    const struct status_count *x = a, *y = b;
    return (x->status > y->status) - (x->status < y->status);
}

/* Renders the HTTP families. Lock held. */
static int render_http(struct metrics *m, struct buf *out)
{
    int rc = 0;
    struct series **order = malloc((m->n ? m->n : 1) * sizeof *order);
    if (!order)
        return -JS_ENOMEM;
    for (size_t i = 0; i < m->n; i++) {
        order[i] = &m->series[i];
        qsort(order[i]->st, (size_t)order[i]->nst, sizeof *order[i]->st, cmp_status);
    }
    qsort(order, m->n, sizeof *order, cmp_series);

    const char *req = "jiesu_http_requests_total";
    rc = metrics_family(out, req, "counter", "HTTP requests by route pattern, method and status.");
    for (size_t i = 0; !rc && i < m->n; i++) {
        const struct series *s = order[i];
        for (int k = 0; !rc && k < s->nst; k++) {
            char st[16];
            snprintf(st, sizeof st, "%d", s->st[k].status);
            const char *l[] = {"route", s->route, "method", s->method, "status", st, NULL};
            rc = metrics_sample(out, req, l, (double)s->st[k].n);
        }
    }

    const char *dur = "jiesu_http_request_duration_seconds";
    if (!rc)
        rc = metrics_family(out, dur, "histogram",
                            "Time from the first byte of a request to the end of its response.");
    for (size_t i = 0; !rc && i < m->n; i++) {
        const struct series *s = order[i];
        uint64_t cum = 0;
        for (int b = 0; !rc && b <= NBOUNDS; b++) {
            char le[32];
            if (b < NBOUNDS)
                snprintf(le, sizeof le, "%g", bounds[b]);
            else
                snprintf(le, sizeof le, "+Inf");
            cum += s->buckets[b];
            const char *l[] = {"route", s->route, "method", s->method, "le", le, NULL};
            rc = metrics_sample(out, "jiesu_http_request_duration_seconds_bucket", l, (double)cum);
        }
        const char *l[] = {"route", s->route, "method", s->method, NULL};
        if (!rc)
            rc = metrics_sample(out, "jiesu_http_request_duration_seconds_sum", l, s->sum);
        if (!rc)
            rc = metrics_sample(out, "jiesu_http_request_duration_seconds_count", l,
                                (double)s->count);
    }

    const char *inf = "jiesu_http_requests_in_flight";
    if (!rc)
        rc = metrics_family(out, inf, "gauge", "HTTP requests being processed now.");
    if (!rc)
        rc = metrics_sample(out, inf, NULL, (double)atomic_load(&m->inflight));
    free(order);
    return rc;
}

static int gauge(struct buf *out, const char *name, const char *type, const char *help,
                 double value)
{
    int rc = metrics_family(out, name, type, help);
    return rc ? rc : metrics_sample(out, name, NULL, value);
}

/* The standard process families (as the Prometheus client libraries name them), the
 * connection gauges and the build. */
static int render_process(struct metrics *m, struct buf *out)
{
    int rc = gauge(out, "jiesu_http_connections", "gauge", "Open HTTP connections.",
                   (double)atomic_load(&m->conns));
    if (!rc)
        rc = gauge(out, "jiesu_http_header_timeouts_total", "counter",
                   "Connections closed for not sending a request's headers in time.",
                   (double)atomic_load(&m->header_timeouts));
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    if (!rc)
        rc = gauge(out, "process_cpu_seconds_total", "counter",
                   "Total user and system CPU time spent in seconds.", cpu);
    long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%*s %ld", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    if (!rc)
        rc = gauge(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                   (double)pages * (double)sysconf(_SC_PAGESIZE));
    double fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        for (struct dirent *de; (de = readdir(d));)
            if (de->d_name[0] != '.')
                fds++;
        closedir(d);
        fds--; /* the directory stream's own descriptor */
    }
    if (!rc)
        rc = gauge(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
    struct rlimit rl;
    if (!rc && getrlimit(RLIMIT_NOFILE, &rl) == 0)
        rc = gauge(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
                   rl.rlim_cur == RLIM_INFINITY ? INFINITY : (double)rl.rlim_cur);
    if (!rc)
        rc = gauge(out, "process_start_time_seconds", "gauge",
                   "Start time of the process since unix epoch in seconds.", m->start_time);
    if (!rc)
        rc = metrics_family(out, "jiesu_build_info", "gauge",
                            "The running build: version, commit and compiler (always 1).");
#if defined(__clang__)
    const char *compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *compiler = "gcc " __VERSION__;
#else
    const char *compiler = "unknown";
#endif
    const char *l[] = {"version",  JIESU_VERSION, "commit", JIESU_COMMIT,
                       "compiler", compiler,      NULL};
    if (!rc)
        rc = metrics_sample(out, "jiesu_build_info", l, 1);
    return rc;
}

int metrics_render(struct metrics *m, struct buf *out)
{
    pthread_mutex_lock(&m->lock);
    int rc = render_http(m, out);
    pthread_mutex_unlock(&m->lock);
    if (!rc)
        rc = render_process(m, out);
    if (!rc && m->gauges)
        rc = m->gauges(m->gauges_ctx, out);
    return rc;
}

void metrics_respond(struct metrics *m, struct http_response *res)
{
    struct buf out;
    buf_init(&out, 0);
    int rc = metrics_render(m, &out);
    if (rc)
        http_error(res, rc, NULL, "could not render the metrics");
    else
        http_text(res, 200, "text/plain; version=0.0.4; charset=utf-8", out.data ? out.data : "");
    buf_release(&out);
}
