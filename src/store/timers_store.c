/* The timers' storage on any backend: the outbox and chasing lists forward to struct store_ops,
 * the calendar edits live in the settings. */
#include "compat.h"
#include "store/timers_store.h"

#include <stdio.h>
#include <stdlib.h>

int timers_outbox_list(struct store *s, const struct outbox_query *q, struct outbox_list *out)
{
    return s->ops->outbox_list(s, q, out);
}

int timers_outbox_get(struct store *s, int64_t id, struct outbox_msg *out)
{
    return s->ops->outbox_get(s, id, out);
}

int timers_outbox_counts(struct store *s, int64_t counts[OBS__COUNT])
{
    return s->ops->outbox_counts(s, counts);
}

int timers_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
                        struct outbox_list *out)
{
    return s->ops->outbox_claim(s, now, lease_seconds, max, out);
}

int timers_outbox_renew(struct store *s, const int64_t *ids, int n, int64_t until)
{
    return s->ops->outbox_renew(s, ids, n, until);
}

int timers_outbox_sent(struct store *s, int64_t id, int64_t now)
{
    return s->ops->outbox_sent(s, id, now);
}

int timers_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_at,
                         bool give_up)
{
    return s->ops->outbox_failed(s, id, error, next_at, give_up);
}

int timers_outbox_release(struct store *s, int64_t id)
{
    return s->ops->outbox_release(s, id);
}

int timers_outbox_retry(struct store *s, int64_t id, int64_t now)
{
    return s->ops->outbox_retry(s, id, now);
}

int timers_events(struct store *s, const struct timers_event_query *q, struct event_list *out)
{
    return s->ops->events_by_action(s, q, out);
}

/* ---- calendar edits (the settings) ----------------------------------------------------------- */

int timers_calendar_edits(struct store *s, json_t **out)
{
    char *text = NULL;
    *out = NULL;
    int rc = s->ops->setting_get(s, CALENDAR_SETTING, &text);
    if (rc == -JS_ENOTFOUND) {
        *out = json_object();
        return *out ? 0 : -JS_ENOMEM;
    }
    if (rc)
        return rc;
    *out = json_loads(text, 0, NULL);
    free(text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return -JS_EDB;
    }
    return 0;
}

int timers_calendar_put(struct store *s, int year, const json_t *doc, struct js_error *e)
{
    struct calendar *cal = NULL;
    json_t *edits = NULL, *canon = NULL;
    char *text = NULL;
    char key[16];
    int rc = 0;
    snprintf(key, sizeof key, "%d", year);
    if (doc) {
        if ((rc = calendar_new(&cal))) {
            js_fail(e, -rc, "", "out of memory");
            goto out;
        }
        if ((rc = calendar_set_year(cal, year, doc, true, e)))
            goto out;
        canon = calendar_year_json(cal, year);
        if (!canon || json_object_del(canon, "edited")) {
            rc = js_fail(e, JS_ENOMEM, "", "out of memory");
            goto out;
        }
    }
    if ((rc = s->ops->begin(s))) {
        js_fail(e, -rc, "", "cannot start a transaction");
        goto out;
    }
    rc = timers_calendar_edits(s, &edits);
    if (!rc) {
        if (canon)
            rc = json_object_set(edits, key, canon) ? -JS_ENOMEM : 0;
        else
            json_object_del(edits, key);
    }
    if (!rc) {
        text = json_dumps(edits, JSON_COMPACT | JSON_SORT_KEYS);
        rc = text ? s->ops->setting_put(s, CALENDAR_SETTING, text) : -JS_ENOMEM;
    }
    if (!rc)
        rc = s->ops->commit(s);
    if (rc) {
        s->ops->rollback(s);
        js_fail(e, -rc, "", "cannot store the calendar");
    }
out:
    calendar_free(cal);
    json_decref(edits);
    json_decref(canon);
    free(text);
    return rc;
}
