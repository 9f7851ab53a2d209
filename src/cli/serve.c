/* `jiesu serve`: reads flags and an optional JSON config file, migrates the store, starts the
 * HTTP server with the application, and waits for SIGTERM/SIGINT to stop it gracefully. */
#include "compat.h"
#include "cli/opts.h"
#include "cli/ticker.h"
#include "cli/trainer.h"
#include "http/app.h"
#include "http/res_files.h"
#include "http/res_open311.h"
#include "http/res_self.h"
#include "http/server.h"
#include "store/store.h"
#include "util/jfield.h"
#include "util/msg_zh.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_serve(struct opts *o);

struct serve_config {
    char db[1024];
    char listen[128];
    char web[1024];
    bool web_given; /* a missing web root is an error only when asked for */
    int64_t threads;
    int64_t token_hours;
    int64_t token_seconds; /* overrides token_hours when set (short sessions, tests) */
    int64_t max_body;
    int64_t login_max_failures;
    int64_t login_window_s;
    int64_t tick_seconds; /* scheduler thread interval; 0: no scheduler thread */
    int64_t train_hours;  /* retraining of the suggestions; 0: only when no model exists */
};

static const char *const config_keys[] = {"db",
                                          "listen",
                                          "web",
                                          "threads",
                                          "token_hours",
                                          "token_seconds",
                                          "max_body",
                                          "login_max_failures",
                                          "login_window_s",
                                          "tick_seconds",
                                          NULL};

static int copy_str(char *dst, size_t n, const char *src, const char *what)
{
    if (strlen(src) >= n) {
        fprintf(stderr, "jiesu serve: %s 过长\n", what);
        return -1;
    }
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

/* Reads the JSON config file: the same keys as the flags. */
static int read_config(const char *path, struct serve_config *c)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    int rc = -1;
    if (!j) {
        if (json_error_code(&jerr) == json_error_cannot_open_file)
            fprintf(stderr, "jiesu serve: 无法打开配置文件 %s\n", path);
        else
            fprintf(stderr, "jiesu serve: 配置文件 %s 第 %d 行第 %d 列：%s\n", path, jerr.line,
                    jerr.column, msg_zh_json(json_error_code(&jerr)));
        return -1;
    }
    struct js_error e;
    js_error_clear(&e);
    const char *db = NULL, *listen = NULL, *web = NULL;
    if (jf_known(j, config_keys, &e) || jf_str(j, "db", false, 1000, &db, &e) ||
        jf_str(j, "listen", false, 120, &listen, &e) || jf_str(j, "web", false, 1000, &web, &e) ||
        jf_int(j, "threads", false, 1, 256, &c->threads, &e) ||
        jf_int(j, "token_hours", false, 1, 24 * 90, &c->token_hours, &e) ||
        jf_int(j, "token_seconds", false, 1, 86400 * 90, &c->token_seconds, &e) ||
        jf_int(j, "max_body", false, 1024, (int64_t)1 << 30, &c->max_body, &e) ||
        jf_int(j, "login_max_failures", false, 1, 1000, &c->login_max_failures, &e) ||
        jf_int(j, "login_window_s", false, 1, 86400 * 7, &c->login_window_s, &e) ||
        jf_int(j, "tick_seconds", false, 0, 86400, &c->tick_seconds, &e)) {
        fprintf(stderr, "jiesu serve: 配置文件 %s：%s\n", path, e.message);
        goto out;
    }
    if ((db && copy_str(c->db, sizeof c->db, db, "db")) ||
        (listen && copy_str(c->listen, sizeof c->listen, listen, "listen")) ||
        (web && copy_str(c->web, sizeof c->web, web, "web")))
        goto out;
    if (web)
        c->web_given = true;
    rc = 0;
out:
    json_decref(j);
    return rc;
}

static int int_flag(const struct opts *o, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *v = opts_get(o, name);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || end == v || x < min || x > max) {
        fprintf(stderr, "jiesu serve: --%s 须为 %lld 至 %lld 之间的整数\n", name, (long long)min,
                (long long)max);
        return -1;
    }
    *out = x;
    return 0;
}

/* The host part of a listen address, for the line that names the served address (which tests
 * and benchmarks read). */
static void listen_host(const char *listen, char *out, size_t n)
{
    const char *colon = strrchr(listen, ':');
    size_t len = colon ? (size_t)(colon - listen) : strlen(listen);
    if (len == 0)
        snprintf(out, n, "0.0.0.0");
    else
        snprintf(out, n, "%.*s", (int)len, listen);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_serve(struct opts *o)
{
    struct serve_config c;
    memset(&c, 0, sizeof c);
    const char *env_db = getenv("JIESU_DB");
    snprintf(c.db, sizeof c.db, "%s", env_db ? env_db : "data/jiesu.db");
    snprintf(c.listen, sizeof c.listen, "127.0.0.1:8080");
    snprintf(c.web, sizeof c.web, "web");
    c.threads = 0; /* 0: the store's store_writers_default, once the database is known */
    c.token_hours = 8;
    c.tick_seconds = 60;
    c.train_hours = 24;

    const char *cfg_path = opts_get(o, "config");
    if (cfg_path && read_config(cfg_path, &c))
        return 2;
    const char *v;
    if (((v = opts_get(o, "db")) && copy_str(c.db, sizeof c.db, v, "--db")) ||
        ((v = opts_get(o, "listen")) && copy_str(c.listen, sizeof c.listen, v, "--listen")))
        return 2;
    if ((v = opts_get(o, "web"))) {
        if (copy_str(c.web, sizeof c.web, strcmp(v, "true") == 0 ? "" : v, "--web"))
            return 2;
        c.web_given = true;
    }
    if (int_flag(o, "threads", 1, 256, &c.threads) ||
        int_flag(o, "token-hours", 1, 24 * 90, &c.token_hours) ||
        int_flag(o, "tick-seconds", 0, 86400, &c.tick_seconds) ||
        int_flag(o, "train-hours", 0, 24 * 365, &c.train_hours))
        return 2;
    if (opts_has(o, "token-hours"))
        c.token_seconds = 0; /* the flag wins over the config file */

    struct js_error e;
    js_error_clear(&e);
    struct store *s = NULL;
    if (store_open(c.db, &s, &e) || s->ops->migrate(s, &e)) {
        char shown[512];
        store_location_shown(c.db, shown, sizeof shown);
        fprintf(stderr, "jiesu serve: 无法打开数据库 %s：%s\n", shown, e.message);
        store_close(s);
        return 1;
    }
    store_close(s);
    if (!c.threads)
        c.threads = store_writers_default(c.db);

    const char *web = c.web;
    if (web[0] && !is_dir(web)) {
        if (c.web_given) {
            fprintf(stderr, "jiesu serve: --web %s 不是目录\n", web);
            return 1;
        }
        fprintf(stderr, "jiesu serve: 没有网页目录 '%s'，只提供 API\n", web);
        web = "";
    }

    /* Block the stop signals before any thread starts, so that every thread inherits the mask
     * and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN); /* a client or log reader going away must not kill the server */

    struct app_config ac = {
        .db = c.db,
        .web = web,
        .token_seconds = c.token_seconds ? c.token_seconds : c.token_hours * 3600,
        .login_max_failures = (unsigned)c.login_max_failures,
        .login_window_s = c.login_window_s,
    };
    struct app *app = NULL;
    if (app_new(&ac, &app, &e)) {
        fprintf(stderr, "jiesu serve: 无法启动：%s%s%s%s\n", e.message, e.field[0] ? "（字段 " : "",
                e.field, e.field[0] ? "）" : "");
        return 1;
    }
    /* uploads (the citizen's photos too), and Open311 forms (res_open311.c refuses more than
     * RES_OPEN311_MAX_BODY) */
    static const char *const raw_prefixes[] = {RES_FILES_PREFIX, RES_OPEN311_PREFIX, RES_SELF_PHOTO,
                                               NULL};
    struct http_server_config sc = {
        .listen = c.listen,
        .threads = (unsigned)c.threads,
        .max_body = (size_t)c.max_body,
        .max_raw_body = RES_FILES_MAX,
        .raw_body_prefixes = raw_prefixes,
        .handler = app_handle,
        .app = app,
        .log = stderr,
        .metrics = app->metrics,
        .change_seq = app_change_seq,
    };
    struct http_server *srv = NULL;
    if (http_server_start(&sc, &srv, &e)) {
        fprintf(stderr, "jiesu serve: 无法监听 %s：%s\n", c.listen, e.message);
        app_free(app);
        return 1;
    }
    char host[128];
    listen_host(c.listen, host, sizeof host);
    /* machine-read: tests/api/server.mjs, tests/browser/lib.mjs, bench/serve.mjs and
     * bench/bench_write.c take the address from this line, so its words stay as they are */
    printf("jiesu: 服务地址 http://%s:%d\n", host, http_server_port(srv));
    fflush(stdout);

    /* the scheduler thread (urges, supervision, warnings, forced closure, notifications) */
    struct ticker *tk = NULL;
    struct ticker_config tc = {.db = c.db, .interval_seconds = (int)c.tick_seconds, .log = stderr};
    if (c.tick_seconds > 0 && ticker_start(&tc, &tk, &e))
        fprintf(stderr, "jiesu serve: 定时任务未能启动（%s），服务照常运行，但不执行定时任务\n",
                e.message);

    /* the suggestions: trained when none exists yet, then every train_hours */
    struct trainer *tr = NULL;
    struct trainer_config trc = {
        .db = c.db, .hours = (int)c.train_hours, .app = app, .log = stderr};
    if (trainer_start(&trc, &tr, &e))
        fprintf(stderr, "jiesu serve: 建议的定期训练未能启动（%s），服务照常运行，但不再重新训练\n",
                e.message);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    fprintf(stderr, "jiesu: 收到 %s，处理完进行中的请求后停止\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    ticker_stop(tk);
    trainer_stop(tr);
    http_server_stop(srv);
    app_free(app);
    fprintf(stderr, "jiesu: 已停止\n");
    return 0;
}
