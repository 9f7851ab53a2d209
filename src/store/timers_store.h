/* The timers' storage (time limits, chasing, notifications) as its callers see it: the
 * notifications outbox as the delivery pass and the API see it, the timeline entries of the
 * chasing actions (warnings, special reports) listed across orders, and the calendar edits.
 * Every function works on any backend, through struct store_ops. The outbox rows themselves are
 * written through store_ops.outbox_put, inside the transaction of the event that causes them. */
#ifndef JIESU_TIMERS_STORE_H
#define JIESU_TIMERS_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/calendar.h"
#include "core/order.h"
#include "core/outbox.h"
#include "store/store.h"

/* Appends the messages matching q to out. */
int timers_outbox_list(struct store *s, const struct outbox_query *q, struct outbox_list *out);
/* One message by id (-JS_ENOTFOUND if none). */
int timers_outbox_get(struct store *s, int64_t id, struct outbox_msg *out);
/* How many messages are in each state. */
int timers_outbox_counts(struct store *s, int64_t counts[OBS__COUNT]);

/* Claims up to max pending messages due at now (next_at <= now) that no other deliverer holds,
 * oldest first, in one transaction: each is leased until now + lease_seconds, so that two
 * delivery passes (the server's thread and a cron `jiesu tick`) never send one message twice
 * at once, and a deliverer that dies frees its messages when the lease ends. Appends them to
 * out. Must not be called inside an open transaction. A shared database (PostgreSQL) judges and
 * sets leases at now but never later than its own clock, so that a deliverer whose clock runs
 * ahead cannot take over a lease another server still holds. */
int timers_outbox_claim(struct store *s, int64_t now, int64_t lease_seconds, int max,
                        struct outbox_list *out);
/* Extends the leases of claimed messages still pending (ids, n of them) to until, in one
 * transaction: a deliverer renews what it still holds before each send, so that leases stay
 * short and a deliverer that dies frees its messages within one lease. */
int timers_outbox_renew(struct store *s, const int64_t *ids, int n, int64_t until);
/* Records a delivery: the message is sent at now (attempts + 1, lease released). */
int timers_outbox_sent(struct store *s, int64_t id, int64_t now);
/* Records a failed attempt (attempts + 1, last_error, lease released): the message stays
 * pending until next_at, or becomes failed when give_up. error may be NULL. */
int timers_outbox_failed(struct store *s, int64_t id, const char *error, int64_t next_at,
                         bool give_up);
/* Gives back a claimed message that was not tried (its lease ends now). */
int timers_outbox_release(struct store *s, int64_t id);
/* Puts a failed message back to pending, due at now (-JS_ESTATE if it is not failed). */
int timers_outbox_retry(struct store *s, int64_t id, int64_t now);

/* The years of the working-day calendar edited by administrators: the CALENDAR_SETTING setting,
 * an object {"2026": doc, ...} (new reference in *out; an empty object when nothing is edited).
 * Works on any backend. */
int timers_calendar_edits(struct store *s, json_t **out);
/* Stores doc (borrowed; checked like calendar_set_year and kept in its canonical form) as the
 * edited data of year, replacing the shipped file's for that year; doc NULL drops the edit so
 * that the shipped file counts again. Runs in its own transaction. Engines load the calendar at
 * engine_init / engine_reload_calendar. Works on any backend. */
int timers_calendar_put(struct store *s, int year, const json_t *doc, struct js_error *e);

/* Appends the matching events to out (payloads owned by out). */
int timers_events(struct store *s, const struct timers_event_query *q, struct event_list *out);

#endif
