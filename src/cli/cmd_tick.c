/* `jiesu tick`: one scheduler pass and one outbox delivery pass at a given instant (for cron and
 * tests); prints what it did as one JSON line. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/ticker.h"
#include "store/report_store.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int cli_tick(struct opts *o);

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

static json_t *result_json(const struct tick_result *r)
{
    char when[40];
    json_t *by = json_object();
    for (int a = 0; by && a < ACT__COUNT; a++)
        if (r->sched.by_action[a])
            json_object_set_new(by, js_action_names[a], json_integer(r->sched.by_action[a]));
    jtime_format(r->sched.now, when, sizeof when);
    json_t *j = json_pack("{ss si si si so si si s{si si si si}}", "now", when, "scanned",
                          r->sched.scanned, "acted", r->sched.acted, "actions", r->sched.actions,
                          "by_action", by, "conflicts", r->sched.conflicts, "refused",
                          r->sched.failures, "outbox", "claimed", r->notify.claimed, "sent",
                          r->notify.sent, "retry", r->notify.retried, "failed", r->notify.failed);
    if (j)
        json_object_set_new(
            j, "kb", json_pack("{si si}", "expired", r->kb_expired, "reminded", r->kb_reminded));
    if (j)
        json_object_set_new(j, "upstream",
                            json_pack("{sb si si si si ss}", "polled", r->upstream.polled,
                                      "fetched", r->upstream.fetched, "applied",
                                      r->upstream.applied, "duplicates", r->upstream.duplicates,
                                      "refused", r->upstream.refused, "last_error",
                                      r->upstream.last_error));
    if (j)
        json_object_set_new(j, "hotspot",
                            json_pack("{si si si si}", "topics", r->hotspot.topics, "raised",
                                      r->hotspot.raised, "repeated", r->hotspot.repeated,
                                      "messages", r->hotspot.messages));
    if (j && r->hotspot_error[0])
        json_object_set_new(j, "hotspot_error", json_string(r->hotspot_error));
    if (j && r->sched.failures)
        json_object_set_new(j, "last_refusal", json_string(r->sched.last_failure));
    if (j && r->notify.last_error[0])
        json_object_set_new(j, "last_delivery_error", json_string(r->notify.last_error));
    return j;
}

int cli_tick(struct opts *o)
{
    struct js_error e;
    struct store *s = NULL;
    int64_t now = 0;
    struct jclock fixed = {fixed_now, &now};
    const struct jclock *clock = NULL;
    js_error_clear(&e);
    const char *at = opts_get(o, "now");
    if (at) {
        if (jtime_parse(at, &now)) {
            fprintf(stderr, "jiesu tick: --now 不是有效的日期时间：%s\n", at);
            return 2;
        }
        clock = &fixed;
    }
    const char *db = cli_db_path(o);
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        char shown[512];
        store_location_shown(db, shown, sizeof shown);
        fprintf(stderr, "jiesu tick: 无法打开数据库 %s：%s\n", shown, e.message);
        store_close(s);
        return 1;
    }
    struct tick_result r;
    int rc = tick_run(s, clock, opts_get(o, "gateway"), NULL, &r, &e);
    if (rc) {
        fprintf(stderr, "jiesu tick: 定时任务失败：%s（%s%s%s）\n", e.message, js_err_name(rc),
                e.field[0] ? "，字段 " : "", e.field);
    } else {
        json_t *j = result_json(&r);
        struct report_due_stats rs;
        if (j && opts_has(o, "reports")) { /* the reports due (issue 11), as the server does */
            rc = report_issue_due(s, db, r.sched.now, &rs, &e);
            json_object_set_new(j, "reports",
                                json_pack("{si si si}", "issued", rs.issued, "present", rs.present,
                                          "failed", rs.failed));
            if (rc)
                fprintf(stderr, "jiesu tick: 报告签发失败：%s\n", rs.last_error);
        }
        if (j)
            json_dumpf(j, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(j);
    }
    store_close(s);
    return rc ? 1 : 0;
}
