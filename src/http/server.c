/* The libmicrohttpd adapter: per-request context with body collection under a cap, 413 / 415
 * answers before the application, one handler call per request on a pool of handler threads fed
 * first come first served, the log line and metrics at completion, event streams that wait
 * suspended, and a graceful stop that waits for in-flight requests. */
#include "compat.h"
#include "http/server.h"
#include "http/metrics.h"
#include "http/respond.h"
#include "util/arena.h"
#include "util/jtime.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_THREADS   4
#define DEFAULT_MAX_BODY  ((size_t)1 << 20)
#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_GRACE_S   10
#define DEFAULT_HEADER_S  10
#define DEFAULT_PER_IP    256
#define DEFAULT_QUERY_MAX 100
#define DEFAULT_WATCH_MS  1000
#define DEFAULT_PING_S    20
/* MHD's own threads only read requests and write answers; the handlers run elsewhere. */
#define MAX_IO_THREADS 2
/* The descriptor limit is raised up to this at start; connections get all but a reserve. */
#define FD_WANTED 65536
/* Bodies smaller than this are not worth compressing. */
#define GZIP_MIN   1024
#define GZIP_LEVEL 4
/* Every answer: only this origin's scripts, styles, images, fonts and fetches; no framing. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "        \
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "                    \
    "form-action 'self'; frame-ancestors 'none'"
/* How much of an over-long body is read and thrown away (so the connection stays usable) before
 * the connection is closed instead. */
#define DRAIN_SLACK ((size_t)1 << 20)

/* One open connection, for the header deadline: the reaper closes a connection that has
 * spent more than header_timeout_s waiting for a request's headers. */
struct conn_slot {
    struct conn_slot *prev, *next;
    int fd;
    atomic_llong since_ms; /* when it started waiting for headers (monotonic ms) */
    atomic_bool busy;      /* a request is being read or answered */
    bool reaped;
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_server_config cfg;
    atomic_uint inflight;
    atomic_bool stopping;
    int port;
    pthread_mutex_t conns_lock; /* guards the list, and makes shutdown() safe: MHD notifies
                                   the close (removing the slot) before it closes the socket */
    struct conn_slot conns;     /* list head */
    atomic_uint n_conns;
    atomic_ulong header_timeouts;
    pthread_t reaper;
    bool reaper_started;
    pthread_cond_t reaper_wake;
    bool reaper_stop; /* under conns_lock */
    uint64_t rid_key; /* random, for request ids */
    atomic_ullong rid_next;
    /* event streams: the open ones (guarded by streams_lock, as their suspended flags) and the
     * watcher thread that resumes them when the change number moves or a ping is due */
    pthread_mutex_t streams_lock;
    struct stream *streams;
    unsigned n_streams;
    pthread_t watcher;
    bool watcher_started;
    pthread_cond_t watcher_wake;
    bool watcher_stop; /* under streams_lock */
    atomic_ullong seq; /* the change number last read */
    atomic_bool seq_known;
    /* The handler threads (cfg.threads of them) and the requests waiting for one, oldest first.
     * A request's connection is suspended while it waits and runs, so that MHD's threads go on
     * reading other connections: a handler that waits (for its group's commit, say) holds only
     * its own request, and requests are served in the order they arrived whichever connection
     * they came on. */
    pthread_mutex_t jobs_lock;
    pthread_cond_t jobs_wake;
    struct req_ctx *jobs_head, *jobs_tail;
    bool jobs_stop; /* under jobs_lock: no more requests are queued */
    pthread_t *workers;
    unsigned n_workers; /* started */
};

/* One open event stream; its fields under srv->streams_lock. */
struct stream {
    struct stream *prev, *next;
    struct http_server *srv;
    struct MHD_Connection *conn;
    uint64_t sent;     /* the change number last sent */
    bool sent_any;     /* a change number was sent */
    bool greeted;      /* the opening lines were sent */
    bool suspended;    /* waiting in MHD_suspend_connection() */
    long long last_ms; /* when something was last written (monotonic ms) */
};

/* Returned by the URI callback for a request with too many query arguments (stripped). */
static char too_many_params;

/* Everything about one request, from its first handler call to its completion. */
struct req_ctx {
    struct http_server *srv;
    struct http_request req;
    struct arena arena;
    struct buf body;
    struct timespec t0;
    char remote[INET6_ADDRSTRLEN];
    char rid[72];
    size_t limit;    /* body cap for this request */
    size_t received; /* body bytes seen, kept or thrown away */
    int reject;      /* 0, JS_ETOOLARGE or JS_EMEDIA: the body is thrown away */
    bool too_many_params;
    bool gzip_ok; /* the client accepts gzip */
    bool responded;
    int status;
    uint64_t bytes;
    struct req_ctx *job_next; /* the queue of requests waiting for a handler thread */
    struct http_response res; /* the handler's answer, sent once the connection resumes */
    bool ran;                 /* the handler has run: res waits to be sent */
};

/* ---- request accessors ---- */

const char *http_header(const struct http_request *r, const char *name)
{
    if (!r->conn)
        return NULL;
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const struct http_request *r, const char *name)
{
    const char *v = NULL;
    size_t vlen = 0;
    if (!r->conn)
        return NULL;
    if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
                                      &vlen) != MHD_YES)
        return NULL;
    return v ? v : "";
}

struct query_iter {
    int (*fn)(void *ctx, const char *name, const char *value);
    void *ctx;
    int rc;
};

static enum MHD_Result query_each(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct query_iter *it = cls;
    JS_UNUSED(kind);
    it->rc = it->fn(it->ctx, key, value ? value : "");
    return it->rc ? MHD_NO : MHD_YES;
}

int http_query_foreach(const struct http_request *r,
                       int (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
    struct query_iter it = {fn, ctx, 0};
    if (r->conn)
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_each, &it);
    return it.rc;
}

const char *http_param(const struct http_request *r, const char *name)
{
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i][0], name) == 0)
            return r->params[i][1];
    return NULL;
}

/* ---- responses ---- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_raw_path(const struct http_server *s, const char *path)
{
    for (const char *const *p = s->cfg.raw_body_prefixes; p && *p; p++)
        if (starts_with(path, *p))
            return true;
    return false;
}

/* application/json, optionally followed by parameters such as "; charset=utf-8". */
static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    char c = ct[16];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

static bool has_body_semantics(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

static bool has_header(const struct http_response *res, const char *name)
{
    for (int i = 0; i < res->n_headers; i++)
        if (strcasecmp(res->headers[i][0], name) == 0)
            return true;
    return false;
}

static long long now_ms(void);

/* ---- event streams ---- */

/* Whether stream st has a change to send (the number moved since it last sent one), and whether
 * a ping is due. Called with streams_lock held. */
static bool stream_has_change(const struct http_server *s, const struct stream *st)
{
    return atomic_load(&s->seq_known) && (!st->sent_any || atomic_load(&s->seq) != st->sent);
}

static bool stream_ping_due(const struct http_server *s, const struct stream *st, long long now)
{
    return now - st->last_ms >= (long long)s->cfg.ping_s * 1000;
}

/* Writes the stream's next lines into buf (at most max bytes): the opening lines, a change
 * event when the change number moved, or a ping when one is due; otherwise suspends the
 * connection until the watcher resumes it, and writes nothing. The end of the stream when
 * the server stops. Called by MHD on the connection's worker thread. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *st = cls;
    struct http_server *s = st->srv;
    JS_UNUSED(pos);
    ssize_t n = 0;
    long long now = now_ms();
    pthread_mutex_lock(&s->streams_lock);
    uint64_t seq = atomic_load(&s->seq);
    if (atomic_load(&s->stopping)) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (!st->greeted) {
        /* the client reconnects 3 s after a break */
        n = snprintf(buf, max, "retry: 3000\n: jiesu\n\n");
        st->greeted = true;
    } else if (stream_has_change(s, st)) {
        n = snprintf(buf, max, "event: change\ndata: {\"seq\":%llu}\n\n", (unsigned long long)seq);
        st->sent = seq;
        st->sent_any = true;
    } else if (stream_ping_due(s, st, now)) {
        n = snprintf(buf, max, ": ping\n\n");
    } else {
        st->suspended = true;
        MHD_suspend_connection(st->conn);
    }
    if (n > 0)
        st->last_ms = now;
    pthread_mutex_unlock(&s->streams_lock);
    return n < 0 || (size_t)n < max ? n : 0; /* max is the block size, far above a line */
}

/* MHD is done with the stream's response: forget the stream. */
static void stream_free(void *cls)
{
    struct stream *st = cls;
    struct http_server *s = st->srv;
    pthread_mutex_lock(&s->streams_lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    s->n_streams--;
    pthread_mutex_unlock(&s->streams_lock);
    free(st);
}

/* Resumes every waiting stream that has something to send (all of them when all). Called with
 * streams_lock held. */
static void streams_resume(struct http_server *s, bool all)
{
    long long now = now_ms();
    for (struct stream *st = s->streams; st; st = st->next) {
        if (!st->suspended)
            continue;
        if (all || stream_has_change(s, st) || stream_ping_due(s, st, now)) {
            st->suspended = false;
            MHD_resume_connection(st->conn);
        }
    }
}

/* The watcher: while streams are open, reads the change number every watch_ms and resumes the
 * streams that must send. */
static void *watcher_main(void *arg)
{
    struct http_server *s = arg;
    pthread_mutex_lock(&s->streams_lock);
    while (!s->watcher_stop) {
        if (s->n_streams > 0 && s->cfg.change_seq) {
            pthread_mutex_unlock(&s->streams_lock);
            uint64_t seq = s->cfg.change_seq(s->cfg.app); /* may do I/O: not under the lock */
            pthread_mutex_lock(&s->streams_lock);
            atomic_store(&s->seq, seq);
            atomic_store(&s->seq_known, true);
        }
        streams_resume(s, false);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = (long long)until.tv_nsec + (long long)s->cfg.watch_ms * 1000000LL;
        until.tv_sec += (time_t)(ns / 1000000000LL);
        until.tv_nsec = (long)(ns % 1000000000LL);
        if (!s->watcher_stop)
            pthread_cond_timedwait(&s->watcher_wake, &s->streams_lock, &until);
    }
    pthread_mutex_unlock(&s->streams_lock);
    return NULL;
}

/* An MHD response for a new stream on conn (NULL when out of memory); the watcher is woken to
 * read the change number at once. */
static struct MHD_Response *stream_open(struct http_server *s, struct MHD_Connection *conn)
{
    struct stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->srv = s;
    st->conn = conn;
    st->last_ms = now_ms();
    struct MHD_Response *mr =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024, stream_read, st, stream_free);
    if (!mr) {
        free(st);
        return NULL;
    }
    pthread_mutex_lock(&s->streams_lock);
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    s->n_streams++;
    pthread_cond_signal(&s->watcher_wake);
    pthread_mutex_unlock(&s->streams_lock);
    return mr;
}

/* Turns res into an MHD response and queues it; releases res. */
static enum MHD_Result send_response(struct req_ctx *c, struct MHD_Connection *conn,
                                     struct http_response *res)
{
    struct MHD_Response *mr = NULL;
    if (res->status < 100 || res->status > 599)
        http_error(res, JS_EINTERNAL, NULL, "the handler set no valid status");
    /* compressed before MHD copies anything; the headers go on once mr exists */
    bool vary = false, gz = false;
    if (res->fd < 0 && res->body.len >= GZIP_MIN && http_compressible(res->content_type) &&
        !has_header(res, "Content-Encoding") && res->status != 204 && res->status != 304) {
        vary = true;
        char *z = NULL;
        size_t zlen = 0;
        if (c->gzip_ok && http_gzip(res->body.data, res->body.len, GZIP_LEVEL, &z, &zlen) == 0) {
            if (zlen < res->body.len) { /* fits in place: the buffer holds more */
                memcpy(res->body.data, z, zlen);
                res->body.len = zlen;
                res->body.data[zlen] = '\0';
                gz = true;
            }
            free(z);
        }
    }
    if (res->stream) {
        mr = stream_open(c->srv, conn);
        if (mr) {
            MHD_add_response_header(mr, "X-Accel-Buffering", "no"); /* proxies: pass it on */
        } else {
            http_error(res, JS_ENOMEM, NULL, NULL);
            res->stream = false;
        }
    }
    if (!mr && res->fd >= 0) {
        mr = MHD_create_response_from_fd64(res->fd_size, res->fd);
        if (mr) {
            c->bytes = res->fd_size;
            res->fd = -1; /* MHD closes it */
        } else {
            http_error(res, JS_ENOMEM, NULL, NULL);
        }
    }
    if (!mr) {
        size_t len = res->body.len;
        char *data = buf_steal(&res->body);
        if (data)
            mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        if (!mr) {
            free(data);
            http_response_release(res);
            return MHD_NO;
        }
        c->bytes = len;
    }
    if (res->content_type)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    for (int i = 0; i < res->n_headers; i++)
        MHD_add_response_header(mr, res->headers[i][0], res->headers[i][1]);
    if (gz)
        MHD_add_response_header(mr, "Content-Encoding", "gzip");
    if (vary)
        MHD_add_response_header(mr, "Vary", "Accept-Encoding");
    if (!has_header(res, "Cache-Control"))
        MHD_add_response_header(mr, "Cache-Control", "no-store");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(mr, "X-Frame-Options", "DENY");
    MHD_add_response_header(mr, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(mr, "Content-Security-Policy", CSP);
    if (c->rid[0])
        MHD_add_response_header(mr, "X-Request-Id", c->rid);
    if (atomic_load(&c->srv->stopping))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    c->status = res->status;
    c->responded = true;
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)res->status, mr);
    MHD_destroy_response(mr);
    http_response_release(res);
    return rc;
}

/* Answers with an error without calling the application. */
static enum MHD_Result send_error(struct req_ctx *c, struct MHD_Connection *conn, int code)
{
    struct http_response res;
    http_response_init(&res);
    if (code == JS_ETOOLARGE) {
        char msg[128];
        snprintf(msg, sizeof msg, "请求体超过%zu字节的上限", c->limit);
        http_error(&res, code, NULL, msg);
    } else if (code == JS_EMEDIA) {
        http_error(&res, code, "Content-Type", "the request body must be application/json");
    } else {
        http_error(&res, code, NULL, NULL);
    }
    return send_response(c, conn, &res);
}

/* A handler thread: runs the queued requests' handlers, oldest first, and resumes each request's
 * connection so that an MHD thread sends the answer. Ends once stopped and the queue is empty. */
static void *worker_main(void *arg)
{
    struct http_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->jobs_lock);
        while (!s->jobs_head && !s->jobs_stop)
            pthread_cond_wait(&s->jobs_wake, &s->jobs_lock);
        struct req_ctx *c = s->jobs_head;
        if (c) {
            s->jobs_head = c->job_next;
            if (!s->jobs_head)
                s->jobs_tail = NULL;
        }
        pthread_mutex_unlock(&s->jobs_lock);
        if (!c)
            return NULL;
        struct MHD_Connection *conn = c->req.conn;
        s->cfg.handler(s->cfg.app, &c->req, &c->res);
        c->ran = true;
        MHD_resume_connection(conn); /* c belongs to MHD's thread again from here on */
    }
}

/* Hands c to the handler threads (its connection suspended until its answer is ready), or, once
 * the server stops queueing, runs the handler here and answers at once. */
static enum MHD_Result run_handler(struct req_ctx *c, struct MHD_Connection *conn)
{
    struct http_server *s = c->srv;
    http_response_init(&c->res);
    c->req.body = c->body.data ? c->body.data : "";
    c->req.body_len = c->body.len;
    pthread_mutex_lock(&s->jobs_lock);
    if (!s->jobs_stop && s->n_workers) {
        MHD_suspend_connection(conn);
        c->job_next = NULL;
        if (s->jobs_tail)
            s->jobs_tail->job_next = c;
        else
            s->jobs_head = c;
        s->jobs_tail = c;
        pthread_mutex_unlock(&s->jobs_lock);
        /* after the unlock: the woken thread does not wake only to wait for the lock */
        pthread_cond_signal(&s->jobs_wake);
        return MHD_YES;
    }
    pthread_mutex_unlock(&s->jobs_lock);
    s->cfg.handler(s->cfg.app, &c->req, &c->res);
    return send_response(c, conn, &c->res);
}

/* ---- the MHD callbacks ---- */

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A client's X-Request-Id is kept when it is 1 to 64 of A-Z a-z 0-9 - _ . : */
static bool rid_ok(const char *v)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              ch == '-' || ch == '_' || ch == '.' || ch == ':'))
            return false;
    }
    return true;
}

/* 16 hex digits, distinct per request (a keyed mix of a counter: splitmix64). */
static void rid_make(struct http_server *s, char *out, size_t n)
{
    uint64_t z = s->rid_key + 0x9e3779b97f4a7c15ull * (atomic_fetch_add(&s->rid_next, 1) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    snprintf(out, n, "%016llx", (unsigned long long)z);
}

static struct conn_slot *slot_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_slot *sl = calloc(1, sizeof *sl);
        if (!sl || !ci) {
            free(sl);
            return; /* not watched: only the idle timeout applies */
        }
        sl->fd = ci->connect_fd;
        atomic_init(&sl->since_ms, now_ms());
        atomic_init(&sl->busy, false);
        pthread_mutex_lock(&s->conns_lock);
        sl->next = s->conns.next;
        sl->prev = &s->conns;
        s->conns.next->prev = sl;
        s->conns.next = sl;
        pthread_mutex_unlock(&s->conns_lock);
        *socket_context = sl;
        atomic_fetch_add(&s->n_conns, 1);
        metrics_connections(s->cfg.metrics, 1);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_slot *sl = *socket_context;
        if (!sl)
            return;
        pthread_mutex_lock(&s->conns_lock);
        sl->prev->next = sl->next;
        sl->next->prev = sl->prev;
        pthread_mutex_unlock(&s->conns_lock);
        free(sl);
        *socket_context = NULL;
        atomic_fetch_sub(&s->n_conns, 1);
        metrics_connections(s->cfg.metrics, -1);
    }
}

/* Closes the connections that have waited too long for a request's headers (slow or silent
 * clients holding connections), every quarter of a second. */
static void *reaper_main(void *arg)
{
    struct http_server *s = arg;
    long long limit = (long long)s->cfg.header_timeout_s * 1000;
    pthread_mutex_lock(&s->conns_lock);
    while (!s->reaper_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->reaper_wake, &s->conns_lock, &until);
        if (s->reaper_stop)
            break;
        long long now = now_ms();
        for (struct conn_slot *sl = s->conns.next; sl != &s->conns; sl = sl->next) {
            if (sl->reaped || atomic_load(&sl->busy) || now - atomic_load(&sl->since_ms) <= limit)
                continue;
            /* bytes the server has not read yet: the server is the slow one (its worker thread
             * is busy with other requests), not the client */
            int pending = 0;
            if (ioctl(sl->fd, FIONREAD, &pending) == 0 && pending > 0)
                continue;
            /* the slot is still listed, so MHD has not closed the socket yet */
            shutdown(sl->fd, SHUT_RDWR);
            sl->reaped = true;
            atomic_fetch_add(&s->header_timeouts, 1);
            metrics_header_timeout(s->cfg.metrics);
        }
    }
    pthread_mutex_unlock(&s->conns_lock);
    return NULL;
}

/* Sees the raw request target before MHD parses its query: a target with more than
 * max_query_params arguments has its query cut off (MHD 0.9.75 would otherwise exhaust the
 * connection's memory pool on the arguments and hang until the timeout) and is answered 414. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http_server *s = cls;
    JS_UNUSED(conn);
    const char *q = strchr(uri, '?');
    if (!q)
        return NULL;
    unsigned n = 1;
    for (const char *p = q + 1; *p; p++)
        if (*p == '&')
            n++;
    if (n <= s->cfg.max_query_params)
        return NULL;
    /* MHD hands the target in its own writable read buffer and parses the query from q + 1 on
     * after this call: an empty query leaves nothing to parse. */
    ((char *)(uintptr_t)q)[1] = '\0';
    return &too_many_params;
}

static struct req_ctx *ctx_new(struct http_server *s, struct MHD_Connection *conn, const char *url,
                               const char *method)
{
    struct req_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    c->srv = s;
    arena_init(&c->arena);
    c->req.method = arena_strdup(&c->arena, method);
    c->req.path = arena_strdup(&c->arena, url);
    if (!c->req.method || !c->req.path) {
        arena_release(&c->arena);
        free(c);
        return NULL;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(c->remote, sizeof c->remote, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, c->remote,
                      sizeof c->remote);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      c->remote, sizeof c->remote);
    }
    c->req.remote = c->remote;
    const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (rid_ok(rid))
        snprintf(c->rid, sizeof c->rid, "%s", rid);
    else
        rid_make(s, c->rid, sizeof c->rid);
    c->req.request_id = c->rid;
    c->gzip_ok =
        http_accepts_gzip(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding"));
    c->req.arena = &c->arena;
    c->req.conn = conn;
    c->req.body = "";
    bool raw = is_raw_path(s, c->req.path);
    c->limit = raw ? s->cfg.max_raw_body : s->cfg.max_body;
    buf_init(&c->body, c->limit);
    if (has_body_semantics(method) && !raw &&
        !is_json_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type")))
        c->reject = JS_EMEDIA; /* decided at the end: only if a body actually came */
    return c;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;
    JS_UNUSED(version);
    bool stripped = false;
    if (c == (void *)&too_many_params) {
        c = NULL;
        stripped = true;
    }
    if (!c) {
        struct conn_slot *sl = slot_of(conn);
        if (sl)
            atomic_store(&sl->busy, true);
        c = ctx_new(s, conn, url, method);
        if (!c)
            return MHD_NO;
        *con_cls = c;
        c->too_many_params = stripped;
        atomic_fetch_add(&s->inflight, 1);
        metrics_inflight(s->cfg.metrics, 1);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(cl, &end, 10);
            /* far over the cap: answer now and close. A little over: read the body away and
             * answer at its end, so that the client, still sending, does read the 413 */
            if (errno == ERANGE || n > c->limit + DRAIN_SLACK)
                return send_error(c, conn, JS_ETOOLARGE); /* early: the connection closes */
            if (n > c->limit)
                c->reject = JS_ETOOLARGE;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (c->responded)
            return MHD_YES;
        c->received += n;
        if (!c->reject) {
            int rc = buf_append(&c->body, upload_data, n);
            if (rc) {
                c->reject = rc == -JS_ETOOLARGE ? JS_ETOOLARGE : JS_ENOMEM;
                buf_release(&c->body);
            }
        } else if (c->received > c->limit) {
            c->reject = JS_ETOOLARGE;
        }
        if (c->reject && c->received - c->limit > DRAIN_SLACK && c->received > c->limit)
            return send_error(c, conn, c->reject); /* stop reading: the connection closes */
        return MHD_YES;
    }
    if (c->responded)
        return MHD_YES;
    if (c->ran) /* resumed: the handler thread's answer is ready */
        return send_response(c, conn, &c->res);
    if (c->reject == JS_EMEDIA && c->received == 0)
        c->reject = 0; /* no body, nothing to object to */
    if (c->reject)
        return send_error(c, conn, c->reject);
    if (c->too_many_params) {
        struct http_response res;
        http_response_init(&res);
        char msg[128];
        snprintf(msg, sizeof msg, "查询参数过多：最多 %u 个", s->cfg.max_query_params);
        http_error_raw(&res, 414, "too_many_params", NULL, msg);
        return send_response(c, conn, &res);
    }
    return run_handler(c, conn);
}

/* Writes s into out with spaces, control characters and '%' percent-encoded, so that one
 * request is one parseable log line whatever its path. */
static void log_path(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;
    for (; *s && j + 4 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 0x20 || ch == 0x7f || ch == '%') {
            out[j++] = '%';
            out[j++] = hex[ch >> 4];
            out[j++] = hex[ch & 15];
        } else {
            out[j++] = (char)ch;
        }
    }
    if (*s && n >= 4) {
        j = j + 3 < n ? j : n - 4;
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req_ctx *c = *con_cls;
    JS_UNUSED(toe);
    struct conn_slot *sl = slot_of(conn);
    if (sl) { /* the header deadline starts again for the next request on this connection */
        atomic_store(&sl->since_ms, now_ms());
        atomic_store(&sl->busy, false);
    }
    if (c == (void *)&too_many_params)
        c = NULL;
    if (!c)
        return;
    *con_cls = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - c->t0.tv_sec) + (double)(t1.tv_nsec - c->t0.tv_nsec) / 1e9;
    if (c->responded)
        metrics_observe(s->cfg.metrics, c->req.route, c->req.method, c->status, secs);
    if (s->cfg.log) {
        char when[40], path[512], user[24];
        jtime_format_cn_sec((int64_t)time(NULL), when, sizeof when);
        log_path(path, sizeof path, c->req.path);
        if (c->req.user_id)
            snprintf(user, sizeof user, "%lld", (long long)c->req.user_id);
        else
            snprintf(user, sizeof user, "-");
        char method[24];
        log_path(method, sizeof method, c->req.method);
        flockfile(s->cfg.log);
        fprintf(s->cfg.log, "%s %s %s %s %d %llu %.2fms user=%s rid=%s\n", when, c->remote, method,
                path, c->status, (unsigned long long)c->bytes, secs * 1000.0, user, c->rid);
        fflush(s->cfg.log);
        funlockfile(s->cfg.log);
    }
    if (c->ran && !c->responded)
        http_response_release(&c->res); /* the client left before its answer went out */
    buf_release(&c->body);
    arena_release(&c->arena);
    free(c);
    metrics_inflight(s->cfg.metrics, -1);
    atomic_fetch_sub(&s->inflight, 1);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    FILE *f = cls;
    if (!f)
        return;
    flockfile(f);
    fputs("mhd: ", f);
    vfprintf(f, fmt, ap);
    fflush(f);
    funlockfile(f);
}

/* ---- start and stop ---- */

/* Parses "host:port", "[v6]:port" or ":port" into ss. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, bool *v6,
                        struct js_error *e)
{
    char host[64];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (!listen || !*listen)
        return js_fail(e, JS_EINVAL, "listen", "no listen address");
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || (size_t)(close - listen - 1) >= sizeof host)
            return js_fail(e, JS_EINVAL, "listen", "bad listen address %s", listen);
        memcpy(host, listen + 1, (size_t)(close - listen - 1));
        host[close - listen - 1] = '\0';
        port = close + 2;
        *v6 = true;
    } else {
        const char *colon = strrchr(listen, ':');
        if (!colon || (size_t)(colon - listen) >= sizeof host)
            return js_fail(e, JS_EINVAL, "listen", "bad listen address %s (host:port)", listen);
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = '\0';
        port = colon + 1;
        *v6 = false;
    }
    char *end;
    errno = 0;
    long p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535)
        return js_fail(e, JS_EINVAL, "listen", "bad port in %s", listen);
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)p);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return js_fail(e, JS_EINVAL, "listen", "bad IPv6 address in %s", listen);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        if (!host[0] || strcmp(host, "*") == 0)
            a->sin_addr.s_addr = htonl(INADDR_ANY);
        else if (strcmp(host, "localhost") == 0)
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        else if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return js_fail(e, JS_EINVAL, "listen", "bad IPv4 address in %s", listen);
    }
    return 0;
}

/* Raises the soft descriptor limit towards its hard limit (at most FD_WANTED) and returns it. */
static unsigned fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_WANTED ? FD_WANTED : rl.rlim_max;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit up = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl.rlim_cur = want;
    }
    return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > FD_WANTED ? FD_WANTED
                                                                   : (unsigned)rl.rlim_cur;
}

static void workers_stop(struct http_server *s);
static void server_free(struct http_server *s);

int http_server_start(const struct http_server_config *cfg, struct http_server **out,
                      struct js_error *e)
{
    *out = NULL;
    if (!cfg->handler)
        return js_fail(e, JS_EINVAL, "handler", "no request handler");
    struct sockaddr_storage ss;
    bool v6 = false;
    int rc = parse_listen(cfg->listen, &ss, &v6, e);
    if (rc)
        return rc;
    struct http_server *s = calloc(1, sizeof *s);
    if (!s)
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    s->cfg = *cfg;
    if (!s->cfg.threads)
        s->cfg.threads = DEFAULT_THREADS;
    if (!s->cfg.max_body)
        s->cfg.max_body = DEFAULT_MAX_BODY;
    if (!s->cfg.max_raw_body)
        s->cfg.max_raw_body = s->cfg.max_body;
    if (!s->cfg.timeout_s)
        s->cfg.timeout_s = DEFAULT_TIMEOUT_S;
    if (!s->cfg.grace_s)
        s->cfg.grace_s = DEFAULT_GRACE_S;
    if (!s->cfg.header_timeout_s)
        s->cfg.header_timeout_s = DEFAULT_HEADER_S;
    if (!s->cfg.max_query_params)
        s->cfg.max_query_params = DEFAULT_QUERY_MAX;
    if (!s->cfg.watch_ms)
        s->cfg.watch_ms = DEFAULT_WATCH_MS;
    if (!s->cfg.ping_s)
        s->cfg.ping_s = DEFAULT_PING_S;
    if (!s->cfg.max_conns) {
        /* the rest of the descriptors: the database handles, files, logs */
        unsigned fds = fd_limit();
        unsigned reserve = fds / 16 > 128 ? fds / 16 : 128;
        s->cfg.max_conns = fds > reserve + 64 ? fds - reserve : 64;
    }
    if (!s->cfg.max_conns_per_ip) {
        /* also small enough that one address cannot fill a worker thread's share */
        unsigned share = s->cfg.max_conns / (2 * s->cfg.threads);
        s->cfg.max_conns_per_ip = share < DEFAULT_PER_IP ? share : DEFAULT_PER_IP;
        if (s->cfg.max_conns_per_ip < 8)
            s->cfg.max_conns_per_ip = 8;
    }
    atomic_init(&s->inflight, 0);
    atomic_init(&s->stopping, false);
    atomic_init(&s->n_conns, 0);
    atomic_init(&s->header_timeouts, 0);
    atomic_init(&s->rid_next, 0);
    if (getrandom(&s->rid_key, sizeof s->rid_key, 0) != (ssize_t)sizeof s->rid_key)
        s->rid_key = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    s->conns.next = s->conns.prev = &s->conns;
    pthread_mutex_init(&s->conns_lock, NULL);
    pthread_cond_init(&s->reaper_wake, NULL);
    pthread_mutex_init(&s->streams_lock, NULL);
    pthread_cond_init(&s->watcher_wake, NULL);
    atomic_init(&s->seq, 0);
    atomic_init(&s->seq_known, false);
    pthread_mutex_init(&s->jobs_lock, NULL);
    pthread_cond_init(&s->jobs_wake, NULL);
    unsigned io_threads = s->cfg.threads < MAX_IO_THREADS ? s->cfg.threads : MAX_IO_THREADS;
    s->workers = calloc(s->cfg.threads, sizeof *s->workers);
    if (!s->workers) {
        server_free(s);
        return js_fail(e, JS_ENOMEM, NULL, NULL);
    }
    while (s->n_workers < s->cfg.threads &&
           pthread_create(&s->workers[s->n_workers], NULL, worker_main, s) == 0)
        s->n_workers++;
    if (!s->n_workers) {
        server_free(s);
        return js_fail(e, JS_ENOMEM, "threads", "无法启动处理请求的线程");
    }

    /* suspend/resume: the event streams wait without a worker thread (it implies the ITC) */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (cfg->log)
        flags |= MHD_USE_ERROR_LOG;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.timeout_s, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.max_conns, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)s->cfg.max_conns_per_ip, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s},
        {io_threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)io_threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    /* MHD_OPTION_ARRAY stops at the first MHD_OPTION_END: move the optional ones to the end. */
    size_t n = 0;
    for (size_t i = 0; i < JS_ARRAY_LEN(opts); i++)
        if (opts[i].option != MHD_OPTION_END)
            opts[n++] = opts[i];
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* MHD wants the logger as the very first option (not inside an array), to route its own
     * option messages through it; without a log file the logger drops them. */
    s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                            on_mhd_log, cfg->log, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->d) {
        server_free(s);
        return js_fail(e, JS_EIO, "listen", "could not listen on %s (address in use?)",
                       cfg->listen);
    }
    s->reaper_started = pthread_create(&s->reaper, NULL, reaper_main, s) == 0;
    s->watcher_started = pthread_create(&s->watcher, NULL, watcher_main, s) == 0;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? (int)di->port : -1;
    *out = s;
    return 0;
}

/* Stops queueing requests and waits for the handler threads to empty the queue and end. */
static void workers_stop(struct http_server *s)
{
    pthread_mutex_lock(&s->jobs_lock);
    s->jobs_stop = true;
    pthread_cond_broadcast(&s->jobs_wake);
    pthread_mutex_unlock(&s->jobs_lock);
    for (unsigned i = 0; i < s->n_workers; i++)
        pthread_join(s->workers[i], NULL);
    s->n_workers = 0;
}

/* Frees s once its threads are stopped (the handler threads are stopped here). */
static void server_free(struct http_server *s)
{
    workers_stop(s);
    free(s->workers);
    pthread_cond_destroy(&s->jobs_wake);
    pthread_mutex_destroy(&s->jobs_lock);
    pthread_cond_destroy(&s->watcher_wake);
    pthread_mutex_destroy(&s->streams_lock);
    pthread_cond_destroy(&s->reaper_wake);
    pthread_mutex_destroy(&s->conns_lock);
    free(s);
}

int http_server_port(const struct http_server *s)
{
    return s ? s->port : -1;
}

unsigned http_server_inflight(const struct http_server *s)
{
    return atomic_load(&s->inflight);
}

unsigned http_server_connections(const struct http_server *s)
{
    return atomic_load(&s->n_conns);
}

unsigned long http_server_header_timeouts(const struct http_server *s)
{
    return atomic_load(&s->header_timeouts);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, true);
    MHD_socket listen_fd = MHD_quiesce_daemon(s->d);
    /* the streams end (their next read sees stopping): wake the waiting ones */
    pthread_mutex_lock(&s->streams_lock);
    streams_resume(s, true);
    pthread_mutex_unlock(&s->streams_lock);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&s->inflight) == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec >= (time_t)s->cfg.grace_s)
            break;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    if (s->reaper_started) {
        pthread_mutex_lock(&s->conns_lock);
        s->reaper_stop = true;
        pthread_cond_signal(&s->reaper_wake);
        pthread_mutex_unlock(&s->conns_lock);
        pthread_join(s->reaper, NULL);
    }
    if (s->watcher_started) {
        pthread_mutex_lock(&s->streams_lock);
        s->watcher_stop = true;
        streams_resume(s, true); /* a stream opened since is woken too */
        pthread_cond_signal(&s->watcher_wake);
        pthread_mutex_unlock(&s->streams_lock);
        pthread_join(s->watcher, NULL);
    }
    workers_stop(s); /* before MHD stops: every queued request is answered or resumed */
    MHD_stop_daemon(s->d);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    server_free(s);
}
