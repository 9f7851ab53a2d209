/* The scheduler thread of `jiesu serve` and the tick it runs (also used by `jiesu tick`). */
#include "compat.h"
#include "cli/ticker.h"
#include "core/kb.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "store/report_store.h"
#include "util/shipped.h"

struct ticker {
    char *db, *gateway;
    int interval;
    FILE *log;
    const struct jclock *clock;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;        /* guarded by lock: wakes the wait */
    atomic_bool quit; /* read without the lock: cuts a delivery pass short */
};

int tick_run(struct store *s, const struct jclock *clock, const char *gateway,
             const atomic_bool *cancel, struct tick_result *r, struct js_error *e)
{
    struct tick_result local;
    struct engine en;
    struct notify_config nc;
    if (!r)
        r = &local;
    memset(r, 0, sizeof *r);
    const struct shipped *sh;
    int rc = shipped_default(&sh, e);
    if (!rc)
        rc = engine_init(&en, s, sh, clock, e);
    if (rc)
        return rc;
    rc = scheduler_pass(&en, &r->sched, e);
    if (!rc)
        rc = kb_tick(s, r->sched.now, &r->kb_expired, &r->kb_reminded, e);
    if (!rc) {
        /* warnings raised now go out with this pass's delivery; a failed scan is logged and
         * does not hold the delivery of the other notifications back */
        struct js_error he;
        js_error_clear(&he);
        if (hotspot_scan(s, r->sched.now, NULL, NULL, NULL, &r->hotspot, &he))
            snprintf(r->hotspot_error, sizeof r->hotspot_error, "%s: %s", js_err_name(he.code),
                     he.message);
    }
    if (!rc && s->ops->stats_fold) {
        /* a failed fold is logged; the next tick, or the next read of the counts, folds them */
        int frc = s->ops->stats_fold(s);
        if (frc)
            snprintf(r->stats_error, sizeof r->stats_error, "%s（%s）", js_err_message(-frc),
                     js_err_name(-frc));
    }
    if (!rc)
        rc = upstream_poll(&en, r->sched.now, &r->upstream, e);
    if (!rc) {
        /* deliver at the instant of the pass */
        notify_config_from_policy(&nc, &en.policy);
        if (gateway)
            nc.gateway_url = gateway;
        nc.cancel = cancel;
        nc.clock = clock;
        rc = notify_deliver(s, r->sched.now, &nc, &r->notify, e);
    }
    engine_release(&en);
    return rc;
}

static void log_tick(FILE *log, const struct tick_result *r)
{
    if (!log || (r->sched.actions == 0 && r->sched.failures == 0 && r->notify.claimed == 0 &&
                 r->kb_expired == 0 && r->kb_reminded == 0 && r->hotspot.raised == 0 &&
                 !r->hotspot_error[0] && !r->stats_error[0] && !r->upstream.polled))
        return;
    char when[40];
    jtime_format_cn_sec(r->sched.now, when, sizeof when);
    fprintf(
        log,
        "%s 定时任务：扫描工单 %d 件，执行动作 %d 个（涉及工单 %d 件），冲突 %d 次，被拒绝 %d 次；"
        "待发通知：已发送 %d 条，待重试 %d 条，失败 %d 条\n",
        when, r->sched.scanned, r->sched.actions, r->sched.acted, r->sched.conflicts,
        r->sched.failures, r->notify.sent, r->notify.retried, r->notify.failed);
    if (r->kb_expired || r->kb_reminded)
        fprintf(log, "%s 定时任务：知识库条目到期 %d 条，到期提醒 %d 条\n", when, r->kb_expired,
                r->kb_reminded);
    if (r->hotspot.raised)
        fprintf(log, "%s 定时任务：发出热点预警 %d 条，通知 %d 条\n", when, r->hotspot.raised,
                r->hotspot.messages);
    if (r->hotspot_error[0])
        fprintf(log, "%s 定时任务：热点扫描失败：%s\n", when, r->hotspot_error);
    if (r->stats_error[0])
        fprintf(log, "%s 定时任务：汇总统计计数失败：%s\n", when, r->stats_error);
    if (r->upstream.polled)
        fprintf(log, "%s 定时任务：市级平台下发 %d 条，已处理 %d 条，重复 %d 条，拒收 %d 条%s%s\n",
                when, r->upstream.fetched, r->upstream.applied, r->upstream.duplicates,
                r->upstream.refused, r->upstream.last_error[0] ? "；最近的错误：" : "",
                r->upstream.last_error);
    if (r->sched.failures)
        fprintf(log, "%s 定时任务：最近一次被拒绝：%s\n", when, r->sched.last_failure);
    if (r->notify.retried || r->notify.failed)
        fprintf(log, "%s 定时任务：最近一次投递错误：%s\n", when, r->notify.last_error);
    fflush(log);
}

/* Waits one interval or until asked to stop; returns true when asked to stop. */
static bool wait_interval(struct ticker *t)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += t->interval;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        int rc = pthread_cond_timedwait(&t->wake, &t->lock, &until);
        if (rc == ETIMEDOUT)
            break;
    }
    bool stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    return stop;
}

/* At start-up: one delivery pass at once, so that messages whose leases a killed process left
 * to expire are sent without waiting for the first tick. */
static void deliver_at_start(struct ticker *t, struct store *s)
{
    struct engine en;
    struct notify_config nc;
    struct notify_stats st;
    struct js_error e;
    js_error_clear(&e);
    const struct shipped *sh;
    if (shipped_default(&sh, &e) == 0 && engine_init(&en, s, sh, t->clock, &e) == 0) {
        notify_config_from_policy(&nc, &en.policy);
        if (t->gateway)
            nc.gateway_url = t->gateway;
        nc.cancel = &t->quit;
        nc.clock = t->clock;
        if (notify_deliver(s, jclock_now(t->clock), &nc, &st, &e) == 0 && st.claimed && t->log) {
            fprintf(t->log, "jiesu: 启动时投递通知：已发送 %d 条，待重试 %d 条，失败 %d 条\n",
                    st.sent, st.retried, st.failed);
            fflush(t->log);
        }
        engine_release(&en);
    }
    if (e.code && t->log) {
        fprintf(t->log, "jiesu: 启动时投递通知失败：%s\n", e.message);
        fflush(t->log);
    }
}

/* The reports due at this instant (issue 11): yesterday's 早报 after midnight, the week's on
 * Monday, the month's on the 1st, the quarter's on its first day; each once. */
static void tick_reports(struct ticker *t, struct store *s)
{
    struct report_due_stats st;
    struct js_error e;
    js_error_clear(&e);
    int64_t now = jclock_now(t->clock);
    int rc = report_issue_due(s, t->db, now, &st, &e);
    if (t->log && (st.issued || st.failed || rc)) {
        char when[40];
        jtime_format_cn_sec(now, when, sizeof when);
        fprintf(t->log, "%s 报告：已签发 %d 份，失败 %d 份%s%s\n", when, st.issued, st.failed,
                st.failed ? "；最近的失败：" : "", st.failed ? st.last_error : "");
        fflush(t->log);
    }
}

static void *run(void *arg)
{
    struct ticker *t = arg;
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (store_open(t->db, &s, &e) == 0)
        deliver_at_start(t, s);
    while (!wait_interval(t)) {
        js_error_clear(&e);
        if (!s && store_open(t->db, &s, &e)) {
            if (t->log)
                fprintf(t->log, "jiesu: 定时任务无法打开数据库：%s\n", e.message);
            continue;
        }
        struct tick_result r;
        int rc = tick_run(s, t->clock, t->gateway, &t->quit, &r, &e);
        log_tick(t->log, &r);
        if (rc && t->log) {
            fprintf(t->log, "jiesu: 定时任务失败：%s（%s）\n", e.message, js_err_name(rc));
            fflush(t->log);
        }
        if (!rc)
            tick_reports(t, s);
        if (rc) { /* start afresh with a new handle next time */
            store_close(s);
            s = NULL;
        }
    }
    store_close(s);
    return NULL;
}

static void ticker_free(struct ticker *t)
{
    if (!t)
        return;
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->db);
    free(t->gateway);
    free(t);
}

int ticker_start(const struct ticker_config *cfg, struct ticker **out, struct js_error *e)
{
    *out = NULL;
    if (!cfg->db || cfg->interval_seconds <= 0)
        return js_fail(e, JS_EINVAL, "tick", "定时任务须有数据库和间隔时间");
    struct ticker *t = calloc(1, sizeof *t);
    if (!t)
        return js_fail(e, JS_ENOMEM, "tick", NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&t->lock, NULL);
    atomic_init(&t->quit, false);
    t->db = strdup(cfg->db);
    t->gateway = cfg->gateway ? strdup(cfg->gateway) : NULL;
    t->interval = cfg->interval_seconds;
    t->log = cfg->log;
    t->clock = cfg->clock;
    if (!t->db || (cfg->gateway && !t->gateway)) {
        ticker_free(t);
        return js_fail(e, JS_ENOMEM, "tick", NULL);
    }
    if (pthread_create(&t->thread, NULL, run, t)) {
        ticker_free(t);
        return js_fail(e, JS_EINTERNAL, "tick", "无法启动定时任务线程");
    }
    *out = t;
    return 0;
}

void ticker_stop(struct ticker *t)
{
    if (!t)
        return;
    atomic_store(&t->quit, true);
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    ticker_free(t);
}
