/* Delivery of the notifications outbox by webhook (SPEC §3.16): each due message is POSTed as
 * JSON (outbox_payload) to the configured SMS / messaging gateway with libcurl, and each
 * feedback to the city (issue 15; outbox_city_payload) to the city link's url/feedback with the
 * headers X-Upstream-Timestamp and X-Upstream-Signature (core/upstream.h). A 2xx answer
 * marks it sent; anything else keeps it pending with an exponential backoff until the policy's
 * attempts run out, when it becomes failed (staff can resend it). Each request carries the
 * header "Idempotency-Key: jiesu-outbox-<id>" so that a gateway can drop the duplicate of a
 * message whose answer was lost. */
#ifndef JIESU_NOTIFY_H
#define JIESU_NOTIFY_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/policy.h"
#include "store/store.h"
#include "util/err.h"
#include "util/jtime.h"

struct upstream_link;

struct notify_config {
    const char *gateway_url;          /* NULL or "": nothing is sent to citizens and units, their
                                         messages wait */
    const struct upstream_link *city; /* the city link (core/upstream.h): the feedback of
                                         upstream orders is POSTed, signed, to its url/feedback;
                                         NULL: the link stored in the settings
                                         (upstream_link_load); no url: that feedback waits */
    int backoff_seconds;              /* first retry delay, doubled after each failure; 0: 60 */
    int max_attempts;                 /* attempts before a message fails for good; 0: 12 */
    long timeout_ms;                  /* per request; 0: 5000 */
    int batch;                        /* most messages tried in one pass; 0: 100 */
    const atomic_bool *cancel;  /* when not NULL and set, the pass stops before the next message
                                   and gives back the messages it claimed */
    const struct jclock *clock; /* renews the leases from this clock's time; NULL: system */
};

/* A claimed message is leased for this long, and the lease of every message still held is
 * renewed before each send: a deliverer killed mid-pass frees its messages within this time. */
#define NOTIFY_LEASE_SECONDS 30

struct notify_stats {
    int claimed, tried, sent, retried, failed; /* tried: claimed with somewhere to go */
    char last_error[256];
};

/* The delivery settings of a policy (gateway URL, backoff, attempts). */
void notify_config_from_policy(struct notify_config *cfg, const struct policy *p);

/* One delivery pass at instant now: claims the due messages (store/timers_store.h) and sends
 * them. st may be NULL. Returns 0 (failed sends are counted, not errors), or a negative code
 * with e filled when the store fails. */
int notify_deliver(struct store *s, int64_t now, const struct notify_config *cfg,
                   struct notify_stats *st, struct js_error *e);

#endif
