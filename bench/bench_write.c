/* Benchmark of durable writes (issue 13; `make bench`, not a test). Starts the real `jiesu serve`
 * on a fresh database (init, one admin, then a unit, an agent and a dispatcher through the API),
 * and drives it over HTTP/1.1 keep-alive connections from threads: intake with 1, 8 and 64
 * connections (orders/s, p50/p99), then the lifecycle actions file and dispatch on those orders
 * with 8 and 64 connections. WAL bytes per intake are counted in this process (the group
 * writer's WAL hook, store/sqlite_schema.h) while 64 threads take in orders through the engine,
 * the same action the HTTP route runs. Beside them, in the same run and on the same disk: plain
 * SQLite, synchronous=FULL in WAL mode as jiesu, one order row and one event row per intake,
 * committing each and committing 64 at a time. Then the rows the 64 threads' intakes wrote are
 * copied by plain SQL, a group of orders per commit, into a fresh database of jiesu's schema,
 * whole and with parts of it left out: the WAL that the schema itself costs, without the engine. */
#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "core/engine.h"
#include "core/model.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "util/shipped.h"

#define MAX_CONNS 64

static int http_work; /* --http-work N: the server under callgrind, N requests a phase */
#define BODY                                                                                                            \
    "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"小区夜间施工噪音扰民\","               \
    "\"text\":\"多福巷12号旁工地每晚11点后仍在施工，噪音很大，影响休息。\",\"citizen_name\":" \
    "\"张三丰\",\"citizen_phone\":\"13812341111\",\"address\":\"多福巷12号\"}"

static void die(const char *what)
{
    fprintf(stderr, "bench_write: %s\n", what);
    exit(1);
}

/* ---- a small HTTP/1.1 keep-alive client -------------------------------------------------- */

struct conn {
    int fd;
    char buf[262144]; /* a page of the order list is ~80 KB */
    size_t len;
};

static int port;

static void conn_open(struct conn *c)
{
    c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        die("cannot connect to the server");
}

/* The value after header name (lower case, with its colon) in head, or NULL. */
static const char *find_header(const char *head, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = head; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && (p[i] | 0x20) == name[i])
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

/* Sends one request and reads the answer: returns the status, the body into body (NUL-ended). */
static int http(struct conn *c, const char *method, const char *path, const char *token,
                const char *body, char *out, size_t out_size)
{
    char req[4096];
    size_t blen = body ? strlen(body) : 0;
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s%s%s\r\n%s",
                     method, path, blen, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", body ? body : "");
    if (n <= 0 || (size_t)n >= sizeof req)
        die("request too long");
    for (size_t off = 0; off < (size_t)n;) {
        ssize_t w = send(c->fd, req + off, (size_t)n - off, MSG_NOSIGNAL);
        if (w <= 0)
            die("send failed");
        off += (size_t)w;
    }
    c->len = 0;
    for (;;) {
        ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, 0);
        if (r <= 0)
            die("the server closed the connection");
        c->len += (size_t)r;
        c->buf[c->len] = '\0';
        char *end = strstr(c->buf, "\r\n\r\n");
        if (!end)
            continue;
        const char *cl = find_header(c->buf, "content-length:");
        size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
        size_t head = (size_t)(end + 4 - c->buf);
        if (c->len < head + want)
            continue;
        int status = atoi(c->buf + 9);
        if (out) {
            size_t k = want < out_size - 1 ? want : out_size - 1;
            memcpy(out, c->buf + head, k);
            out[k] = '\0';
        }
        return status;
    }
}

/* The integer key of the JSON object text (0 when absent). */
static int64_t json_id(const char *text, const char *key)
{
    json_t *j = json_loads(text, 0, NULL);
    int64_t v = (int64_t)json_integer_value(json_object_get(j, key));
    json_decref(j);
    return v;
}

static void login(const char *who, const char *password, char *token, size_t n)
{
    struct conn c;
    char body[256], out[4096];
    conn_open(&c);
    snprintf(body, sizeof body, "{\"login\":\"%s\",\"password\":\"%s\"}", who, password);
    if (http(&c, "POST", "/api/v1/auth/login", NULL, body, out, sizeof out) != 200)
        die(out);
    json_t *j = json_loads(out, 0, NULL);
    snprintf(token, n, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    close(c.fd);
}

/* ---- load phases -------------------------------------------------------------------------- */

struct order_ref {
    int64_t id, version;
};

/* The id and version of an action's answer ({"order": {...}}), parsed once: the client shares the
 * two cores with the server, and a second parse of the whole order cost it CPU the server then
 * lacked. */
static struct order_ref order_ref_of(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    json_t *o = json_object_get(j, "order");
    struct order_ref r = {(int64_t)json_integer_value(json_object_get(o, "id")),
                          (int64_t)json_integer_value(json_object_get(o, "version"))};
    json_decref(j);
    return r;
}

struct phase {
    const char *token2; /* dispatcher's, for the lifecycle phase */
    const char *token;
    double until;
    int64_t unit_id;
    /* lifecycle: orders to file and dispatch, taken in turn */
    struct order_ref *orders;
    int n_orders;
    atomic_int next;
    /* intake: orders created, kept for the lifecycle */
    pthread_mutex_t lock;
    struct order_ref *made;
    int n_made, cap_made;
    bool lifecycle;
    const char *get; /* the HTTP ceiling: GET this path instead (no write) */
    atomic_int errors;
    pid_t server; /* whose CPU time each request cost is printed */
    /* --http-work: the phase ends after this many requests (a lifecycle round is two), not at
     * until; the server runs under callgrind, which counts each phase's instructions */
    bool counted;
    atomic_int budget;
};

struct worker {
    struct phase *p;
    double *lat;
    int n, cap;
    pthread_t th;
};

static void lat_add(struct worker *w, double s)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 4096;
        w->lat = realloc(w->lat, (size_t)w->cap * sizeof *w->lat);
        if (!w->lat)
            die("out of memory");
    }
    w->lat[w->n++] = s;
}

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    struct phase *p = w->p;
    struct conn *c = malloc(sizeof *c);
    char *out = malloc(65536);
    if (!c || !out)
        die("out of memory");
    conn_open(c);
    while (p->counted ? atomic_fetch_sub(&p->budget, p->lifecycle ? 2 : 1) > 0
                      : bench_now() < p->until) {
        if (p->get) {
            double t0 = bench_now();
            int st = http(c, "GET", p->get, p->token, NULL, out, 65536);
            lat_add(w, bench_now() - t0);
            if (st != 200)
                atomic_fetch_add(&p->errors, 1);
            continue;
        }
        if (!p->lifecycle) {
            double t0 = bench_now();
            int st = http(c, "POST", "/api/v1/orders", p->token, BODY, out, 65536);
            lat_add(w, bench_now() - t0);
            if (st != 201) {
                atomic_fetch_add(&p->errors, 1);
                continue;
            }
            struct order_ref r = order_ref_of(out);
            pthread_mutex_lock(&p->lock);
            if (p->n_made == p->cap_made) {
                p->cap_made = p->cap_made ? 2 * p->cap_made : 65536;
                p->made = realloc(p->made, (size_t)p->cap_made * sizeof *p->made);
                if (!p->made)
                    die("out of memory");
            }
            p->made[p->n_made++] = r;
            pthread_mutex_unlock(&p->lock);
            continue;
        }
        int i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n_orders)
            break;
        struct order_ref *r = &p->orders[i];
        char path[96], body[128];
        snprintf(path, sizeof path, "/api/v1/orders/%lld/actions/file", (long long)r->id);
        snprintf(body, sizeof body, "{\"version\":%lld}", (long long)r->version);
        double t0 = bench_now();
        int st = http(c, "POST", path, p->token, body, out, 65536);
        lat_add(w, bench_now() - t0);
        if (st != 200) {
            atomic_fetch_add(&p->errors, 1);
            continue;
        }
        snprintf(path, sizeof path, "/api/v1/orders/%lld/actions/dispatch", (long long)r->id);
        snprintf(body, sizeof body, "{\"version\":%lld,\"unit_id\":%lld}",
                 (long long)order_ref_of(out).version, (long long)p->unit_id);
        t0 = bench_now();
        st = http(c, "POST", path, p->token2, body, out, 65536);
        lat_add(w, bench_now() - t0);
        if (st != 200)
            atomic_fetch_add(&p->errors, 1);
    }
    close(c->fd);
    free(c);
    free(out);
    return NULL;
}

/* The CPU time (user and system) process pid has used, in seconds; its own with pid 0. */
static double cpu_s(pid_t pid)
{
    if (!pid) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    }
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[len] = 0;
    /* the fields after the command's closing parenthesis; utime and stime are the 12th and 13th */
    const char *q = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!q || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        die("cannot read the server's CPU time");
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Runs one phase with n connections for seconds; prints the rate and the percentiles. */
static void run_phase(struct phase *p, int n, double seconds, const char *label)
{
    struct worker ws[MAX_CONNS];
    memset(ws, 0, sizeof ws);
    atomic_store(&p->errors, 0);
    double cpu0 = cpu_s(p->server), own0 = cpu_s(0);
    double t0 = bench_now();
    p->until = t0 + seconds;
    for (int i = 0; i < n; i++) {
        ws[i].p = p;
        if (pthread_create(&ws[i].th, NULL, worker_run, &ws[i]))
            die("pthread_create");
    }
    int total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(ws[i].th, NULL);
        total += ws[i].n;
    }
    double el = bench_now() - t0;
    double cpu = cpu_s(p->server) - cpu0, own = cpu_s(0) - own0;
    double *all = malloc((size_t)(total ? total : 1) * sizeof *all);
    if (!all)
        die("out of memory");
    int k = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + k, ws[i].lat, (size_t)ws[i].n * sizeof *all);
        k += ws[i].n;
        free(ws[i].lat);
    }
    struct bench_stats st = bench_stats_of(all, total);
    printf("  %-26s %2d conns  %8.0f /s  p50 %7.2f ms  p99 %7.2f ms  (%d in %.1f s, %d errors; "
           "server CPU %.0f us each, client %.0f us)\n",
           label, n, total / el, st.p50, st.p99, total, el, atomic_load(&p->errors),
           cpu * 1e6 / (total ? total : 1), own * 1e6 / (total ? total : 1));
    free(all);
}

/* ---- plain SQLite, the same row shape ----------------------------------------------------- */

/* KB of WAL per item: frames of page_size bytes (each with its 24-byte header) over n items. */
static double wal_kb(uint64_t frames, int page_size, long n)
{
    return (double)frames * (page_size + 24) / (double)(n ? n : 1) / 1024.0;
}

static uint64_t plain_frames;
static int plain_last;

static int plain_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    (void)arg;
    plain_frames += (uint64_t)(frames >= plain_last ? frames - plain_last : frames);
    plain_last = frames;
    if (frames >= 1000)
        sqlite3_wal_checkpoint(db, name);
    return SQLITE_OK;
}

static void plain(const char *path, double seconds, int batch, int page_size)
{
    sqlite3 *db;
    bench_db_remove(path);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("plain: open");
    sqlite3_exec(db,
                 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                 "CREATE TABLE orders(id INTEGER PRIMARY KEY, number TEXT UNIQUE, status TEXT,"
                 " title TEXT, text TEXT, citizen_name TEXT, citizen_phone TEXT, address TEXT,"
                 " created_at INTEGER, version INTEGER);"
                 "CREATE TABLE events(id INTEGER PRIMARY KEY, order_id INTEGER, at INTEGER,"
                 " action TEXT, payload TEXT);"
                 "CREATE INDEX events_order ON events(order_id, id);",
                 NULL, NULL, NULL);
    plain_frames = 0;
    plain_last = 0;
    sqlite3_wal_hook(db, plain_hook, NULL);
    sqlite3_stmt *o, *ev;
    sqlite3_prepare_v2(db,
                       "INSERT INTO orders(number, status, title, text, citizen_name,"
                       " citizen_phone, address, created_at, version)"
                       " VALUES (?1, 'intake', '小区夜间施工噪音扰民', ?2, '张三丰', '13812341111',"
                       " '多福巷12号', ?3, 1)",
                       -1, &o, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO events(order_id, at, action, payload) VALUES (?1, ?2,"
                       " 'intake', ?3)",
                       -1, &ev, NULL);
    double t0 = bench_now(), until = t0 + seconds;
    long n = 0;
    while (bench_now() < until) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int i = 0; i < batch; i++, n++) {
            char num[32];
            snprintf(num, sizeof num, "2026120500%07ld", n);
            sqlite3_bind_text(o, 1, num, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(o, 2, "多福巷12号旁工地每晚11点后仍在施工，噪音很大，影响休息。", -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(o, 3, 1764900000 + n);
            if (sqlite3_step(o) != SQLITE_DONE)
                die("plain: insert order");
            sqlite3_reset(o);
            sqlite3_bind_int64(ev, 1, sqlite3_last_insert_rowid(db));
            sqlite3_bind_int64(ev, 2, 1764900000 + n);
            sqlite3_bind_text(ev, 3, BODY, -1, SQLITE_STATIC);
            if (sqlite3_step(ev) != SQLITE_DONE)
                die("plain: insert event");
            sqlite3_reset(ev);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die("plain: commit");
    }
    double el = bench_now() - t0;
    printf("  plain SQLite, %2d per commit     %8.0f /s  WAL %6.1f KB per intake (%ld rows)\n",
           batch, n / el, wal_kb(plain_frames, page_size, n), n);
    sqlite3_finalize(o);
    sqlite3_finalize(ev);
    sqlite3_close(db);
}

/* ---- jiesu's WAL per intake, in process --------------------------------------------------- */

/* The largest size a database's WAL file reaches while phases run, sampled every 10 ms: the
 * writer must start the WAL over under a steady load, not let it grow. */
struct wal_watch {
    char path[1100];
    atomic_bool stop;
    long long largest;
    pthread_t th;
};

static void *wal_watch_loop(void *arg)
{
    struct wal_watch *ww = arg;
    while (!atomic_load(&ww->stop)) {
        struct stat st;
        if (stat(ww->path, &st) == 0 && (long long)st.st_size > ww->largest)
            ww->largest = (long long)st.st_size;
        nanosleep(&(struct timespec){0, 10000000L}, NULL);
    }
    return NULL;
}

static void wal_watch_start(struct wal_watch *ww, const char *db)
{
    memset(ww, 0, sizeof *ww);
    snprintf(ww->path, sizeof ww->path, "%s-wal", db);
    if (pthread_create(&ww->th, NULL, wal_watch_loop, ww))
        die("pthread_create");
}

/* Stops the watch; the largest size seen, in MB. */
static double wal_watch_stop(struct wal_watch *ww)
{
    atomic_store(&ww->stop, true);
    pthread_join(ww->th, NULL);
    return (double)ww->largest / (1024.0 * 1024.0);
}

/* Runs threads of fn(arg) for seconds (setting *until) and prints what they did: done counts
 * them (a `one`, `many` of them), with the group writer's WAL per one and its commits. Returns
 * the actions per commit. */
static double inproc_time(struct store *s, const char *path, void *(*fn)(void *), void *arg,
                          double *until, atomic_long *done, int threads, double seconds,
                          int page_size, const char *one, const char *many)
{
    struct sqlite_group_stats a, b;
    struct wal_watch ww;
    wal_watch_start(&ww, path);
    store_sqlite_group_stats(s, &a);
    pthread_t th[MAX_CONNS];
    double cpu0 = cpu_s(0);
    double t0 = bench_now();
    *until = t0 + seconds;
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, fn, arg);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double el = bench_now() - t0;
    double cpu = cpu_s(0) - cpu0;
    store_sqlite_group_stats(s, &b);
    double wal_mb = wal_watch_stop(&ww);
    long n = atomic_load(done);
    double per_commit = (double)(b.actions - a.actions) /
                        (double)(b.commits > a.commits ? b.commits - a.commits : 1);
    printf("  jiesu engine, %2d threads       %8.0f /s  WAL %6.1f KB per %s (%ld %s, %.1f per "
           "commit; CPU %.0f us each; the writer: committing %.0f%%, in actions %.0f%%, handed "
           "over %.0f%% of the time; the WAL file at most %.1f MB, started over %llu times in %llu "
           "tries)\n",
           threads, n / el, wal_kb(b.wal_frames - a.wal_frames, page_size, n), one, n, many,
           per_commit, cpu * 1e6 / (double)(n ? n : 1),
           100.0 * (double)(b.commit_ns - a.commit_ns) / 1e9 / el,
           100.0 * (double)(b.hold_ns - a.hold_ns) / 1e9 / el,
           100.0 * (double)(b.handoff_ns - a.handoff_ns) / 1e9 / el, wal_mb,
           (unsigned long long)(b.restarts - a.restarts),
           (unsigned long long)(b.restart_tries - a.restart_tries));
    return per_commit;
}

/* Opens the store at path and an engine on it with the shipped policy, or dies. */
static void engine_open(const char *path, struct store **s, struct engine *en)
{
    struct js_error e;
    const struct shipped *sh;
    if (store_open(path, s, &e) || shipped_default(&sh, &e) || engine_init(en, *s, sh, NULL, &e))
        die(e.message);
}

struct inproc {
    const char *path;
    struct actor agent;
    double until;
    atomic_long done;
};

static void *inproc_run(void *arg)
{
    struct inproc *ip = arg;
    struct store *s = NULL;
    struct engine en;
    struct js_error e;
    engine_open(ip->path, &s, &en);
    json_t *args = json_loads(BODY, 0, NULL);
    while (bench_now() < ip->until) {
        struct engine_result r;
        if (engine_execute(&en, &ip->agent, ACT_INTAKE, 0, 0, args, &r, &e))
            die(e.message);
        atomic_fetch_add(&ip->done, 1);
    }
    json_decref(args);
    engine_release(&en);
    store_close(s);
    return NULL;
}

/* Creates the database at path afresh with `jiesu init`, or dies. */
static void fresh_db(const char *bin, const char *path)
{
    char cmd[2048];
    bench_db_remove(path);
    snprintf(cmd, sizeof cmd, "%s init --db %s >/dev/null", bin, path);
    if (system(cmd) != 0)
        die("jiesu init failed");
}

/* Adds the agent (login "agent"), or dies. */
static struct user put_agent(struct store *s)
{
    struct user u = {.role = ROLE_AGENT, .active = true};
    snprintf(u.login, sizeof u.login, "agent");
    snprintf(u.name, sizeof u.name, "坐席");
    if (s->ops->user_put(s, &u))
        die("cannot add the agent");
    return u;
}

/* Adds the unit the lifecycle dispatches to and the dispatcher, or dies. */
static void put_unit_dispatcher(struct store *s, struct unit *u, struct user *d)
{
    *u = (struct unit){.kind = UNIT_DEPARTMENT, .active = true};
    snprintf(u->code, sizeof u->code, "ZJW");
    snprintf(u->name, sizeof u->name, "区住建委");
    *d = (struct user){.role = ROLE_DISPATCHER, .active = true};
    snprintf(d->login, sizeof d->login, "dispatcher");
    snprintf(d->name, sizeof d->name, "分拨员");
    if (s->ops->unit_put(s, u) || s->ops->user_put(s, d))
        die("cannot add the unit and the dispatcher");
}

/* Intake in process on threads; returns the intakes per commit. */
static double inproc_wal(const char *bin, const char *path, double seconds, int threads,
                         int page_size)
{
    fresh_db(bin, path);
    struct store *s = NULL;
    struct js_error e;
    if (store_open(path, &s, &e))
        die(e.message);
    struct user u = put_agent(s);
    struct inproc ip = {.path = path, .agent = {u.id, ROLE_AGENT, 0, "坐席"}};
    double group = inproc_time(s, path, inproc_run, &ip, &ip.until, &ip.done, threads, seconds,
                               page_size, "intake", "intakes");
    store_close(s);
    return group;
}

/* ---- jiesu's rows written again by plain SQL, a group at a time ---------------------------- */

/* What a copy leaves out of jiesu's schema, each variant more than the one before, to show what
 * each part costs. */
enum rows_variant {
    ROWS_ALL,       /* the schema as jiesu has it */
    ROWS_NO_LISTS,  /* without the indexes on orders (the lists' filters and sorts, issue 13) */
    ROWS_NO_SEARCH, /* without those and the search index */
    ROWS_TWO_ROWS, /* the order and event rows alone, each table with one key, as the plain shape */
};

static const char *const rows_variant_names[] = {
    [ROWS_ALL] = ("copied by plain SQL into jiesu's schema with its indexes, search index and "
                  "triggers"),
    [ROWS_NO_LISTS] = "the same without the orders' indexes but the number's",
    [ROWS_NO_SEARCH] = "the same without those and the search index",
    [ROWS_TWO_ROWS] = "jiesu's order and event rows alone, the plain shape's tables and keys",
};

/* What an intake wrote, copied a group of orders at a time from the phase's database (attached
 * as src): the order first, then what refers to it. order_search is the search index, whose rowid
 * is the order's id; seqs holds the day's sequence, rewritten once a group as the engine's
 * intakes rewrite it. order_stats is kept by the schema's own triggers, as in jiesu. Each
 * statement is left out from the variant `from` on. */
static const struct {
    const char *sql;
    enum rows_variant from;
} rows_sql[] = {
    {"INSERT INTO main.orders SELECT * FROM src.orders WHERE id BETWEEN ?1 AND ?2",
     ROWS_TWO_ROWS + 1},
    {"INSERT INTO main.events SELECT * FROM src.events WHERE order_id BETWEEN ?1 AND ?2",
     ROWS_TWO_ROWS + 1},
    {"INSERT INTO main.order_search(rowid, t, b, y, n) SELECT rowid, t, b, y, n"
     " FROM src.order_search WHERE rowid BETWEEN ?1 AND ?2",
     ROWS_NO_SEARCH},
    {"INSERT INTO main.order_keys SELECT * FROM src.order_keys WHERE order_id BETWEEN ?1 AND ?2",
     ROWS_TWO_ROWS},
    {"INSERT INTO main.outbox SELECT * FROM src.outbox WHERE order_id BETWEEN ?1 AND ?2",
     ROWS_TWO_ROWS},
    {"INSERT OR REPLACE INTO main.seqs SELECT * FROM src.seqs", ROWS_TWO_ROWS},
};

/* Runs the SQL texts the query q on db yields (gathered first: a schema change waits for the
 * query to end), or dies. */
static void exec_rows(sqlite3 *db, const char *q)
{
    sqlite3_stmt *st;
    char all[8192];
    size_t len = 0;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db));
    all[0] = '\0';
    while (len < sizeof all && sqlite3_step(st) == SQLITE_ROW)
        len += (size_t)snprintf(all + len, sizeof all - len, "%s;",
                                (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (len >= sizeof all || sqlite3_exec(db, all, NULL, NULL, NULL) != SQLITE_OK)
        die("rows: drop");
}

/* Drops what variant v leaves out of the database db, or dies. */
static void rows_drop(sqlite3 *db, enum rows_variant v)
{
    if (v >= ROWS_NO_LISTS)
        exec_rows(db, "SELECT 'DROP INDEX main.\"' || name || '\"' FROM main.sqlite_master WHERE"
                      " type = 'index' AND tbl_name = 'orders' AND sql IS NOT NULL");
    if (v >= ROWS_NO_SEARCH &&
        sqlite3_exec(db, "DROP TABLE main.order_search", NULL, NULL, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db));
    /* the plain shape: events keyed by their order, no other index, no trigger */
    if (v >= ROWS_TWO_ROWS)
        exec_rows(db, "SELECT 'DROP ' || type || ' main.\"' || name || '\"' FROM main.sqlite_master"
                      " WHERE (type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL) OR"
                      " (type = 'trigger' AND tbl_name = 'orders')");
}

/* Dies unless every table holds as many rows in main as in src (the order and event tables alone
 * for ROWS_TWO_ROWS): a table the intake wrote and the copy left out would make its WAL too
 * small. */
static void rows_check(sqlite3 *db, enum rows_variant v)
{
    sqlite3_stmt *names;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM src.sqlite_master WHERE type = 'table' AND name NOT"
                           " LIKE 'sqlite_%' AND name NOT LIKE 'order_search_%' AND (?1 = 0 OR"
                           " name IN ('orders', 'events'))",
                           -1, &names, NULL) != SQLITE_OK)
        die("rows: list the tables");
    sqlite3_bind_int(names, 1, v >= ROWS_TWO_ROWS);
    while (sqlite3_step(names) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(names, 0);
        if (sqlite3_table_column_metadata(db, "main", t, NULL, NULL, NULL, NULL, NULL, NULL) !=
            SQLITE_OK)
            continue; /* dropped for the variant */
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT (SELECT count(*) FROM main.\"%s\") = (SELECT count(*) FROM src.\"%s\")", t,
                 t);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK ||
            sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_int(st, 0)) {
            fprintf(stderr, "bench_write: the copy of the intakes left rows of %s out\n", t);
            exit(1);
        }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(names);
}

/* Writes the orders of the database at src again into a fresh jiesu database at dst (its schema,
 * indexes, search index and triggers, less what variant v leaves out), batch orders per commit,
 * with plain SQL and no engine, and prints the WAL per intake: what the schema itself costs,
 * against which the engine's WAL is read. */
static void rows_again(const char *bin, const char *src, const char *dst, int batch, int page_size,
                       enum rows_variant v)
{
    sqlite3 *db;
    sqlite3_stmt *st[JS_ARRAY_LEN(rows_sql)], *att = NULL;
    fresh_db(bin, dst);
    if (sqlite3_open(dst, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &att, NULL) != SQLITE_OK)
        die("rows: open");
    sqlite3_bind_text(att, 1, src, -1, SQLITE_STATIC);
    if (sqlite3_step(att) != SQLITE_DONE ||
        sqlite3_exec(db, "INSERT OR IGNORE INTO main.users SELECT * FROM src.users", NULL, NULL,
                     NULL) != SQLITE_OK)
        die("rows: attach");
    sqlite3_finalize(att);
    rows_drop(db, v);
    for (size_t i = 0; i < JS_ARRAY_LEN(rows_sql); i++) {
        st[i] = NULL;
        if (v < rows_sql[i].from &&
            sqlite3_prepare_v2(db, rows_sql[i].sql, -1, &st[i], NULL) != SQLITE_OK)
            die(sqlite3_errmsg(db));
    }
    sqlite3_stmt *range;
    if (sqlite3_prepare_v2(db, "SELECT min(id), max(id), count(*) FROM src.orders", -1, &range,
                           NULL) != SQLITE_OK ||
        sqlite3_step(range) != SQLITE_ROW)
        die("rows: the orders' ids");
    sqlite3_int64 lo = sqlite3_column_int64(range, 0), hi = sqlite3_column_int64(range, 1);
    long n = (long)sqlite3_column_int64(range, 2);
    sqlite3_finalize(range);
    plain_frames = 0;
    plain_last = 0;
    sqlite3_wal_hook(db, plain_hook, NULL);
    double t0 = bench_now();
    for (sqlite3_int64 a = lo; a <= hi; a += batch) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            die("rows: begin");
        for (size_t i = 0; i < JS_ARRAY_LEN(rows_sql); i++) {
            if (!st[i])
                continue;
            sqlite3_bind_int64(st[i], 1, a);
            sqlite3_bind_int64(st[i], 2, a + batch - 1);
            if (sqlite3_step(st[i]) != SQLITE_DONE)
                die(sqlite3_errmsg(db));
            sqlite3_reset(st[i]);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            die("rows: commit");
    }
    double el = bench_now() - t0;
    rows_check(db, v);
    printf("  jiesu's rows again, %2d per commit %7.0f /s  WAL %6.1f KB per intake (%ld intakes, "
           "%s)\n",
           batch, n / el, wal_kb(plain_frames, page_size, n), n, rows_variant_names[v]);
    for (size_t i = 0; i < JS_ARRAY_LEN(rows_sql); i++)
        sqlite3_finalize(st[i]);
    sqlite3_close(db);
}

/* The lifecycle in process: file (agent) then dispatch (dispatcher) on the orders the intake
 * phase left in path, each an action through the engine, taken in turn by the threads. */
struct inproc_lc {
    const char *path;
    struct actor agent, dispatcher;
    int64_t unit_id, last_id;
    double until;
    atomic_long next, done;
};

static void *inproc_lc_run(void *arg)
{
    struct inproc_lc *ip = arg;
    struct store *s = NULL;
    struct engine en;
    struct js_error e;
    engine_open(ip->path, &s, &en);
    json_t *file = json_object(), *dispatch = json_pack("{sI}", "unit_id", (json_int_t)ip->unit_id);
    int64_t id;
    while (bench_now() < ip->until && (id = atomic_fetch_add(&ip->next, 1)) <= ip->last_id) {
        struct engine_result r;
        if (engine_execute(&en, &ip->agent, ACT_FILE, id, 0, file, &r, &e) ||
            engine_execute(&en, &ip->dispatcher, ACT_DISPATCH, id, 0, dispatch, &r, &e))
            die(e.message);
        atomic_fetch_add(&ip->done, 2);
    }
    json_decref(file);
    json_decref(dispatch);
    engine_release(&en);
    store_close(s);
    return NULL;
}

static void inproc_lifecycle(const char *path, double seconds, int threads, int page_size)
{
    struct store *s = NULL;
    struct js_error e;
    if (store_open(path, &s, &e))
        die(e.message);
    struct unit u;
    struct user d;
    put_unit_dispatcher(s, &u, &d);
    int64_t counts[ST__COUNT];
    if (s->ops->order_count_by_status(s, counts))
        die("cannot prepare the lifecycle phase");
    struct user a;
    if (s->ops->user_get_by_login(s, "agent", &a))
        die("no agent");
    struct inproc_lc ip = {.path = path,
                           .agent = {a.id, ROLE_AGENT, 0, "坐席"},
                           .dispatcher = {d.id, ROLE_DISPATCHER, 0, "分拨员"},
                           .unit_id = u.id,
                           .last_id = counts[ST_RECEIVED],
                           .next = 1};
    inproc_time(s, path, inproc_lc_run, &ip, &ip.until, &ip.done, threads, seconds, page_size,
                "action", "file and dispatch actions");
    store_close(s);
}

/* The work of one action, on one thread (no group, no waiting): n intakes, then file and
 * dispatch on each order. Each loop is its own function so that callgrind can count the
 * instructions of each alone (scripts/bench: --toggle-collect and --dump-after name them); here
 * they print the CPU time each action cost. Noinline: the names must stay in the binary. */
struct work {
    struct engine en;
    struct actor agent, dispatcher, operator;
    json_t *body, *file, *dispatch;
    int n;
};

__attribute__((noinline)) void work_intakes(struct work *w)
{
    struct engine_result r;
    struct js_error e;
    for (int i = 0; i < w->n; i++)
        if (engine_execute(&w->en, &w->agent, ACT_INTAKE, 0, 0, w->body, &r, &e))
            die(e.message);
}

__attribute__((noinline)) void work_lifecycle(struct work *w)
{
    struct engine_result r;
    struct js_error e;
    for (int i = 1; i <= w->n; i++)
        if (engine_execute(&w->en, &w->agent, ACT_FILE, i, 0, w->file, &r, &e) ||
            engine_execute(&w->en, &w->dispatcher, ACT_DISPATCH, i, 0, w->dispatch, &r, &e))
            die(e.message);
}

/* The unit's side: its operator signs for each dispatched order (签收), an action that changes
 * the order and its assignment's times but none of its units. */
__attribute__((noinline)) void work_sign(struct work *w)
{
    struct engine_result r;
    struct js_error e;
    for (int i = 1; i <= w->n; i++)
        if (engine_execute(&w->en, &w->operator, ACT_SIGN, i, 0, w->file, &r, &e))
            die(e.message);
}

static void work_phases(const char *bin, const char *path, int n)
{
    fresh_db(bin, path);
    struct store *s = NULL;
    struct work w = {.n = n};
    engine_open(path, &s, &w.en);
    struct user a = put_agent(s), d;
    struct unit u;
    put_unit_dispatcher(s, &u, &d);
    w.agent = (struct actor){a.id, ROLE_AGENT, 0, "坐席"};
    w.dispatcher = (struct actor){d.id, ROLE_DISPATCHER, 0, "分拨员"};
    struct user op = {.role = ROLE_UNIT_OPERATOR, .unit_id = u.id, .active = true};
    snprintf(op.login, sizeof op.login, "operator");
    snprintf(op.name, sizeof op.name, "单位操作员");
    if (s->ops->user_put(s, &op))
        die("cannot add the unit's operator");
    w.operator=(struct actor){op.id, ROLE_UNIT_OPERATOR, u.id, "单位操作员"};
    w.body = json_loads(BODY, 0, NULL);
    w.file = json_object();
    w.dispatch = json_pack("{sI}", "unit_id", (json_int_t)u.id);
    /* the first action loads the text tables (segmentation, conversion): once, not counted */
    struct engine_result r;
    struct js_error e;
    if (engine_execute(&w.en, &w.agent, ACT_INTAKE, 0, 0, w.body, &r, &e))
        die(e.message);
    double c0 = cpu_s(0);
    work_intakes(&w);
    double c1 = cpu_s(0);
    work_lifecycle(&w);
    double c2 = cpu_s(0);
    work_sign(&w);
    double c3 = cpu_s(0);
    printf("  one thread, %d intakes             CPU %4.0f us each\n", n, (c1 - c0) * 1e6 / n);
    printf("  one thread, %d file + %d dispatch  CPU %4.0f us each\n", n, n,
           (c2 - c1) * 1e6 / (2.0 * n));
    printf("  one thread, %d sign (unit)          CPU %4.0f us each\n", n, (c3 - c2) * 1e6 / n);
    json_decref(w.body);
    json_decref(w.file);
    json_decref(w.dispatch);
    engine_release(&w.en);
    store_close(s);
}

/* Reads what the server writes to stdout, so that it never blocks on a full pipe. */
static void *drain(void *arg)
{
    char line[512];
    while (fgets(line, sizeof line, (FILE *)arg))
        ;
    return NULL;
}

/* ---- main --------------------------------------------------------------------------------- */

/* Runs a shell command, dying with what when it fails. */
static void run(const char *cmd, const char *what)
{
    if (system(cmd) != 0)
        die(what);
}

/* The instructions of every thread of the server (under callgrind) since its counters were last
 * zeroed: asks for a dump, then reads the total of the newest dump file. */
static double callgrind_dump(pid_t pid, const char *dir, int part)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "callgrind_control --dump %d >/dev/null 2>&1", (int)pid);
    run(cmd, "callgrind_control failed (is valgrind installed? scripts/setup --bench)");
    snprintf(cmd, sizeof cmd, "%s/jiesu-http-work.cg.%d", dir, part);
    double total = -1;
    for (int tries = 0; tries < 100 && total < 0; tries++) {
        FILE *f = fopen(cmd, "r");
        char line[512];
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, "totals: ", 8) == 0 || strncmp(line, "summary: ", 9) == 0)
                total = atof(strchr(line, ' ') + 1);
        if (f)
            fclose(f);
        if (total < 0) /* the dump is written by the server's own thread */
            nanosleep(&(struct timespec){0, 100000000L}, NULL);
    }
    if (total < 0)
        die("no callgrind dump from the server");
    return total;
}

/* --http-work: each phase a fixed number of requests on 8 connections, the server's instructions
 * counted by callgrind between a zeroing before and a dump after. */
static void counted_phases(struct phase *p, const char *dir)
{
    printf("== jiesu serve under callgrind: instructions of the whole server per request, %d "
           "requests a phase on 8 connections\n",
           http_work);
    const char *labels[] = {"GET /api/v1/me (no write)",
                            "intake (POST /api/v1/orders)",
                            "file or dispatch",
                            "GET /api/v1/orders (a page of 50)",
                            "GET /api/v1/citizens/history (the caller's last 50)",
                            "GET /api/v1/search (20 hits by words)"};
    /* the GET phases' paths (NULL: intake or lifecycle); every order has BODY's phone and text */
    const char *paths[] = {"/api/v1/me",
                           NULL,
                           NULL,
                           "/api/v1/orders?limit=50",
                           "/api/v1/citizens/history?phone=13812341111&limit=50",
                           "/api/v1/search?q=%E5%99%AA%E9%9F%B3"};
    p->counted = true;
    /* every handler thread opens its store on its first request: not a request's work */
    p->get = "/api/v1/me";
    atomic_store(&p->budget, 50 * 16);
    run_phase(p, 8, 0, "warm-up (not counted)");
    /* and the first intake builds the process's text tables (fold.c's traditional-to-simplified
     * table alone is ~260 million instructions, once), each thread's first its recent texts'
     * tokens: start-up work too, which the intake figure counted until session 13 */
    p->get = NULL;
    atomic_store(&p->budget, 8 * 16);
    run_phase(p, 8, 0, "warm-up intakes (not counted)");
    char cmd[256];
    for (int k = 0; k < (int)(sizeof labels / sizeof labels[0]); k++) {
        p->get = paths[k];
        p->lifecycle = k == 2;
        if (p->lifecycle) {
            p->orders = p->made;
            p->n_orders = p->n_made;
            atomic_store(&p->next, 0);
        }
        /* the reads of many orders cost callgrind's time: a tenth as many of them */
        int n = k >= 3 && http_work >= 10 ? http_work / 10 : http_work;
        atomic_store(&p->budget, n);
        snprintf(cmd, sizeof cmd, "callgrind_control --zero %d >/dev/null 2>&1", (int)p->server);
        run(cmd, "callgrind_control failed");
        run_phase(p, 8, 0, labels[k]);
        double ir = callgrind_dump(p->server, dir, k + 1);
        printf("  callgrind: %.0f instructions per request (%s)\n", ir / n, labels[k]);
    }
}

/* Prints the server's peak and current resident memory (issue 13 point 5: under 200 MB). */
static void print_server_memory(pid_t pid)
{
    printf("  the server's memory after these phases: peak %.1f MB, now %.1f MB (VmHWM, VmRSS)\n",
           bench_status_kb((int)pid, "VmHWM") / 1024.0,
           bench_status_kb((int)pid, "VmRSS") / 1024.0);
}

/* Starts `jiesu serve` on db (a file, created afresh, or a postgres:// URL whose database is
 * emptied first), runs after_init (psql SQL, may be NULL) on a PostgreSQL database once it is
 * initialised, then measures intake with 1, 8 and 64 connections and file + dispatch with 8 and
 * 64, printing each phase under title. */
static void server_phases(const char *bin, const char *db, const char *dir, int threads,
                          double seconds, const char *title, const char *after_init)
{
    char cmd[4096];
    bool pg = strncmp(db, "postgres", 8) == 0;
    if (pg) {
        snprintf(cmd, sizeof cmd,
                 "psql -q -X -v ON_ERROR_STOP=1 '%s' -c 'DROP SCHEMA public CASCADE; CREATE "
                 "SCHEMA public;' >/dev/null",
                 db);
        run(cmd, "psql could not empty the database");
    } else {
        bench_db_remove(db);
    }
    snprintf(cmd, sizeof cmd,
             "%s init --db '%s' >/dev/null && %s useradd --db '%s' --login admin --name 管理员 "
             "--role admin --password bench-pass-2026 >/dev/null",
             bin, db, bin, db);
    run(cmd, "jiesu init/useradd failed");
    if (pg && after_init) {
        snprintf(cmd, sizeof cmd, "psql -q -X -v ON_ERROR_STOP=1 '%s' -c '%s' >/dev/null", db,
                 after_init);
        run(cmd, "psql failed on the bench's SQL");
    }
    int pipefd[2];
    if (pipe(pipefd))
        die("pipe");
    if (!threads)
        threads = store_writers_default(db); /* what `jiesu serve` takes when not told */
    char threads_s[16];
    snprintf(threads_s, sizeof threads_s, "%d", threads);
    char log[1100];
    snprintf(log, sizeof log, "%s/jiesu-bench-write.log", dir);
    port = 0;
    pid_t pid = fork();
    if (pid == 0) {
        FILE *lf = fopen(log, "w"); /* the server's access log */
        if (lf)
            dup2(fileno(lf), 2);
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        if (http_work > 0) {
            char out[1200];
            snprintf(out, sizeof out, "--callgrind-out-file=%s/jiesu-http-work.cg", dir);
            execlp("valgrind", "valgrind", "--tool=callgrind", "--quiet", out, bin, "serve", "--db",
                   db, "--listen", "127.0.0.1:0", "--threads", threads_s, "--tick-seconds", "0",
                   "--train-hours", "0", (char *)NULL);
        } else {
            execl(bin, bin, "serve", "--db", db, "--listen", "127.0.0.1:0", "--threads", threads_s,
                  "--tick-seconds", "0", "--train-hours", "0", (char *)NULL);
        }
        _exit(127);
    }
    close(pipefd[1]);
    FILE *f = fdopen(pipefd[0], "r");
    char line[512];
    while (!port && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "服务地址 http://127.0.0.1:");
        if (p)
            port = atoi(p + strlen("服务地址 http://127.0.0.1:"));
    }
    if (!port)
        die("the server did not start");
    pthread_t drainer;
    pthread_create(&drainer, NULL, drain, f);

    char admin[256], agent[256], disp[256], out[8192];
    login("admin", "bench-pass-2026", admin, sizeof admin);
    struct conn c;
    conn_open(&c);
    if (http(&c, "POST", "/api/v1/units", admin,
             "{\"code\":\"ZJW\",\"name\":\"区住建委\",\"kind\":\"department\"}", out,
             sizeof out) != 201)
        die(out);
    int64_t unit_id = json_id(out, "id");
    if (http(&c, "POST", "/api/v1/users", admin,
             "{\"login\":\"agent1\",\"name\":\"赵坐席\",\"role\":\"agent\",\"password\":"
             "\"bench-pass-2026\"}",
             out, sizeof out) != 201 ||
        http(&c, "POST", "/api/v1/users", admin,
             "{\"login\":\"dispatcher1\",\"name\":\"钱分拨\",\"role\":\"dispatcher\","
             "\"password\":\"bench-pass-2026\"}",
             out, sizeof out) != 201)
        die(out);
    close(c.fd);
    login("agent1", "bench-pass-2026", agent, sizeof agent);
    login("dispatcher1", "bench-pass-2026", disp, sizeof disp);

    struct phase p = {.token = agent, .token2 = disp, .unit_id = unit_id, .server = pid};
    pthread_mutex_init(&p.lock, NULL);
    if (http_work > 0) {
        counted_phases(&p, dir);
        goto stop;
    }
    printf("== %s, jiesu serve --threads %d: durable intake over HTTP (POST /api/v1/orders)\n",
           title, threads);
    /* The ceiling of HTTP on this machine: the cheapest authenticated answer (the session's
     * user), no write. No durable intake over HTTP can go faster than this. */
    struct wal_watch ww;
    if (!pg)
        wal_watch_start(&ww, db);
    p.get = "/api/v1/me";
    run_phase(&p, 64, seconds, "GET /api/v1/me (no write)");
    p.get = NULL;
    const int conns[] = {1, 8, 64};
    for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++)
        run_phase(&p, conns[i], seconds, "intake");

    printf("== %s: lifecycle over HTTP, file (agent) + dispatch (dispatcher), each an action\n",
           title);
    p.lifecycle = true;
    p.token = agent;
    p.orders = p.made;
    p.n_orders = p.n_made;
    atomic_store(&p.next, 0);
    run_phase(&p, 8, seconds, "file + dispatch");
    run_phase(&p, 64, seconds, "file + dispatch");

    print_server_memory(pid);
    if (!pg)
        printf("  the WAL file through these phases: at most %.1f MB\n", wal_watch_stop(&ww));
stop:
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    pthread_join(drainer, NULL);
    fclose(f);
    free(p.made);
    pthread_mutex_destroy(&p.lock);
}

int main(int argc, char **argv)
{
    const char *bin = "build/jiesu", *dir = "/tmp", *pg = NULL;
    double seconds = 3;
    int threads = 0, work = 0; /* 0: the server's default */
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--bin") == 0)
            bin = argv[i + 1];
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--pg") == 0)
            pg = argv[i + 1];
        else if (strcmp(argv[i], "--work") == 0)
            work = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--http-work") == 0)
            http_work = atoi(argv[i + 1]);
        else
            die("usage: bench_write [--bin JIESU] [--dir DIR] [--seconds S] [--threads N] "
                "[--pg postgres://URL (emptied)] [--work N (only the one-thread phases, N "
                "orders)] [--http-work N (the server under callgrind, N requests a phase)]");
    }
    /* SQLite's process-wide settings, as jiesu's store makes them at its first open: the plain
     * phases run first in this process, so they are made here, for them and for jiesu alike */
    store_sqlite_configure();
    char db[1024], plain_db[1024], wal_db[1024], rows_db[1024];
    snprintf(db, sizeof db, "%s/jiesu-bench-write.db", dir);
    snprintf(plain_db, sizeof plain_db, "%s/jiesu-bench-write-plain.db", dir);
    snprintf(wal_db, sizeof wal_db, "%s/jiesu-bench-write-wal.db", dir);
    snprintf(rows_db, sizeof rows_db, "%s/jiesu-bench-write-rows.db", dir);
    const int page_size = 4096; /* SQLite's default, jiesu's and the plain database's */
    if (work > 0) {
        printf("== jiesu: the work of one action, in process on one thread\n");
        work_phases(bin, wal_db, work);
        return 0;
    }
    if (http_work > 0) {
        server_phases(bin, db, dir, threads, 0, "SQLite", NULL);
        return 0;
    }

    if (pg) {
        /* PostgreSQL: the same server twice on one cluster, with the dashboard's counter rows
         * (order_stats, kept by triggers: every intake of a day adds to the same rows) and
         * without them, so that what the counters cost concurrent writers shows as a ratio */
        server_phases(bin, pg, dir, threads, seconds, "PostgreSQL, order_stats triggers", NULL);
        server_phases(bin, pg, dir, threads, seconds, "PostgreSQL, order_stats triggers dropped",
                      "DROP TRIGGER order_stats_ins_del ON orders; DROP TRIGGER "
                      "order_stats_upd ON orders; DROP TRIGGER order_stats_upd_status ON orders; "
                      "DROP TRIGGER "
                      "order_stats_units ON order_units;");
        return 0;
    }

    printf("== plain SQLite (WAL, synchronous=FULL, one order row + one event row per intake)\n");
    plain(plain_db, seconds, 1, page_size);
    plain(plain_db, seconds, 64, page_size);

    printf("== jiesu: WAL bytes per intake (in process, the group writer's WAL hook)\n");
    inproc_wal(bin, wal_db, seconds, 1, page_size);
    double group = inproc_wal(bin, wal_db, seconds, 64, page_size);
    printf("== jiesu's rows from the 64 threads written again: the schema's own WAL, without the "
           "engine\n");
    rows_again(bin, wal_db, rows_db, (int)(group + 0.5), page_size, ROWS_ALL);
    rows_again(bin, wal_db, rows_db, 64, page_size, ROWS_ALL);
    rows_again(bin, wal_db, rows_db, 64, page_size, ROWS_NO_LISTS);
    rows_again(bin, wal_db, rows_db, 64, page_size, ROWS_NO_SEARCH);
    rows_again(bin, wal_db, rows_db, 64, page_size, ROWS_TWO_ROWS);
    printf(
        "== jiesu: lifecycle in process, file (agent) + dispatch (dispatcher) on those orders\n");
    inproc_lifecycle(wal_db, seconds, 64, page_size);

    server_phases(bin, db, dir, threads, seconds, "SQLite", NULL);
    return 0;
}
