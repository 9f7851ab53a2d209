/* Thread-safe request metrics (counts by route, method and status; a latency histogram per
 * route and method; requests in flight) rendered in the Prometheus text exposition format
 * 0.0.4, with a hook through which the application appends its own gauges (orders by state). */
#ifndef JIESU_HTTP_METRICS_H
#define JIESU_HTTP_METRICS_H

#include "http/server.h"
#include "util/buf.h"

/* Upper bounds (seconds) of the latency histogram buckets; +Inf is implied. */
#define METRICS_BUCKETS                                                                            \
    {                                                                                              \
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10                     \
    }
/* What jiesu_build_info reports; the build may define them (-DJIESU_COMMIT=...). */
#ifndef JIESU_VERSION
#define JIESU_VERSION "0.1.0"
#endif
#ifndef JIESU_COMMIT
#define JIESU_COMMIT "unknown"
#endif

/* Most distinct route + method series kept; later ones are counted under route="other". */
#define METRICS_MAX_SERIES 1024

struct metrics;

/* Appends application metric families to out (use metrics_family() and metrics_sample()).
 * Called from metrics_render() without any metrics lock held. Returns 0 or a negative code,
 * which metrics_render() passes on. */
typedef int (*metrics_gauge_fn)(void *ctx, struct buf *out);

/* Creates empty metrics. Returns 0 or -JS_ENOMEM. */
int metrics_new(struct metrics **out);
/* Frees m. Accepts NULL. */
void metrics_free(struct metrics *m);
/* Sets the application hook (NULL: none). Not thread-safe: set it before serving. */
void metrics_set_gauges(struct metrics *m, metrics_gauge_fn fn, void *ctx);

/* Counts one finished request. route is the router pattern (NULL counts as "unmatched"; copied
 * on first use); methods outside GET HEAD POST PUT PATCH DELETE OPTIONS count as "OTHER", so
 * clients cannot create series at will. Thread-safe. */
void metrics_observe(struct metrics *m, const char *route, const char *method, int status,
                     double seconds);
/* Adds delta (+1 / -1) to the in-flight gauge. Thread-safe. */
void metrics_inflight(struct metrics *m, int delta);
/* Adds delta (+1 / -1) to the open-connections gauge; counts one header timeout. Thread-safe. */
void metrics_connections(struct metrics *m, int delta);
void metrics_header_timeout(struct metrics *m);

/* Appends the whole exposition to out: jiesu_http_requests_total{route,method,status} (counter),
 * jiesu_http_request_duration_seconds{route,method} (histogram), jiesu_http_requests_in_flight
 * (gauge), jiesu_http_connections (gauge), jiesu_http_header_timeouts_total, the process
 * families (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
 * process_max_fds, process_start_time_seconds), jiesu_build_info{version,commit,compiler} 1,
 * then the application's families. Series are sorted, so the output is stable.
 * Returns 0 or a negative code. Thread-safe. */
int metrics_render(struct metrics *m, struct buf *out);
/* Fills res with metrics_render() as "text/plain; version=0.0.4; charset=utf-8" (or a 500
 * JSON error). */
void metrics_respond(struct metrics *m, struct http_response *res);

/* Appends "# HELP name help\n# TYPE name type\n" (type "gauge", "counter", ...). */
int metrics_family(struct buf *out, const char *name, const char *type, const char *help);
/* Appends one sample line: name{l1="v1",l2="v2"} value. labels is a NULL-terminated list of
 * name, value pairs (NULL for none); values are escaped (\\, \", \n). */
int metrics_sample(struct buf *out, const char *name, const char *const *labels, double value);

#endif
