/* The retraining thread of `jiesu serve`: sleeps on a condition variable so that stopping is
 * immediate, trains when no model exists and then every `hours`; a stop also cuts a training
 * short (between two orders read or two classes fitted). */
#include "compat.h"
#include "cli/trainer.h"
#include "http/res_suggest.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct trainer {
    struct trainer_config cfg;
    char *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    atomic_bool cancel; /* set with stop: read by the training without the lock */
};

/* One training and reload; logs what happened. */
static void train_once(struct trainer *t, struct store *s)
{
    struct js_error e;
    js_error_clear(&e);
    struct learn_report r;
    struct learn_models *m = NULL;
    int rc = learn_train_n(s, (int64_t)time(NULL), LEARN_MAX_EXAMPLES, &t->cancel, &r, &e);
    if (rc == -JS_ECANCELED) {
        if (t->cfg.log)
            fprintf(t->cfg.log, "jiesu: 服务停止，建议的训练已中止（%.1f 秒），原有模型不变\n",
                    r.seconds);
        return;
    }
    if (rc || learn_load(s, &m, &e)) {
        if (t->cfg.log)
            fprintf(t->cfg.log, "jiesu: 训练分类与承办单位建议失败：%s\n", e.message);
        return;
    }
    if (t->cfg.log)
        fprintf(t->cfg.log, "jiesu: 已用 %ld 张工单训练建议：%d 个类别、%d 个单位（%.1f 秒）\n",
                r.orders, r.cat_classes, r.unit_classes, r.seconds);
    res_suggest_set_models(t->cfg.app, m);
}

/* Waits up to seconds (or until stopped); returns true when asked to stop. */
static bool wait_stop(struct trainer *t, int64_t seconds)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)seconds;
    pthread_mutex_lock(&t->lock);
    while (!t->stop && seconds > 0)
        if (pthread_cond_timedwait(&t->wake, &t->lock, &until) != 0)
            break;
    bool stop = t->stop;
    pthread_mutex_unlock(&t->lock);
    return stop;
}

static void *run(void *arg)
{
    struct trainer *t = arg;
    struct js_error e;
    js_error_clear(&e);
    struct store *s = NULL;
    if (store_open(t->db, &s, &e)) {
        if (t->cfg.log)
            fprintf(t->cfg.log, "jiesu: 建议的训练无法打开数据库：%s\n", e.message);
        return NULL;
    }
    struct learn_models *m = NULL;
    bool none = learn_load(s, &m, &e) == 0 && !m->category && !m->unit;
    learn_models_unref(m);
    if (none && !wait_stop(t, 0))
        train_once(t, s);
    while (t->cfg.hours > 0 && !wait_stop(t, (int64_t)t->cfg.hours * 3600))
        train_once(t, s);
    store_close(s);
    return NULL;
}

int trainer_start(const struct trainer_config *cfg, struct trainer **out, struct js_error *e)
{
    *out = NULL;
    struct trainer *t = calloc(1, sizeof *t);
    if (!t)
        return js_fail(e, JS_ENOMEM, "", NULL);
    t->cfg = *cfg;
    t->db = strdup(cfg->db);
    if (!t->db) {
        free(t);
        return js_fail(e, JS_ENOMEM, "", NULL);
    }
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    if (pthread_create(&t->thread, NULL, run, t)) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t->db);
        free(t);
        return js_fail(e, JS_EINTERNAL, "", "无法启动训练线程");
    }
    *out = t;
    return 0;
}

void trainer_stop(struct trainer *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    atomic_store(&t->cancel, true);
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t->db);
    free(t);
}
