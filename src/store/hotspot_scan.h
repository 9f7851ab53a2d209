/* The hotspot scan: at one instant, reads the orders of every active topic (by category, by
 * keyword with the order search's Chinese matching and synonyms, within the topic's regions),
 * runs the rules of core/hotspot.h on them, and stores each new warning with its evidence and
 * recipients and the notifications it causes (outbox kind "hotspot": the units' leaders and
 * section heads, and every active user of the recipient roles with a phone) in ONE
 * transaction, so that a warning is never lost nor sent without being stored. Run by every
 * scheduler tick (cli/ticker.c), by `jiesu hotspot scan` and, day by day, by
 * `jiesu hotspot replay`. Works on any backend through store_ops. Also: the default topics. */
#ifndef JIESU_HOTSPOT_SCAN_H
#define JIESU_HOTSPOT_SCAN_H

#include <jansson.h>

#include "core/hotspot.h"
#include "store/store.h"

struct hotspot_scan_stats {
    int64_t now;
    int topics;              /* active topics scanned */
    int orders;              /* topic orders read (an order counts once per topic) */
    int fired;               /* rule firings */
    int raised;              /* warnings stored */
    int repeated;            /* firings on evidence already warned: not raised again */
    int by_rule[HSR__COUNT]; /* raised, by rule */
    int messages;            /* notifications queued */
};

/* Called for each warning raised (after its commit); w is borrowed. */
typedef void (*hotspot_raised_fn)(void *ctx, const struct hotspot_warning *w);

/* One scan at now (see the top of this file). synonyms: the groups to match keywords with, or
 * NULL for the store's (search_synonyms). cb may be NULL; st may be NULL. Returns 0, or a
 * negative code with e filled when the store fails (warnings already committed stay). */
int hotspot_scan(struct store *s, int64_t now, const json_t *synonyms, hotspot_raised_fn cb,
                 void *ctx, struct hotspot_scan_stats *st, struct js_error *e);

/* The orders of topic t created in [from, to) that the rules see (split children left out),
 * as items; *items is malloc'ed (free()), *n set. When orders is not NULL it receives the
 * orders themselves in the same order (release each with order_release, then free()). */
int hotspot_topic_items(struct store *s, const struct hotspot_topic *t, const json_t *synonyms,
                        int64_t from, int64_t to, struct hotspot_item **items,
                        struct order **orders, int *n);

/* Stores the default topics (docs/hotspot.md says which and why) that are missing by name, in
 * one transaction, resolving their categories by path and their recipient units by code when
 * they exist (those missing are left out). *added (may be NULL) receives how many were added.
 * Returns 0 or a negative code with e filled. */
int hotspot_default_topics(struct store *s, int64_t now, int *added, struct js_error *e);

/* Who acts on warnings: a user (role, unit) and a name for the notes. */
struct hotspot_actor {
    int64_t user_id;
    int role;        /* enum role */
    int64_t unit_id; /* for unit users */
    char name[64];
};

/* Whether w was sent to a (its unit or its role). */
bool hotspot_is_recipient(const struct hotspot_warning *w, const struct hotspot_actor *a);
/* Whether a sees w: a recipient, or the platform's managers (admin, supervisor), who see and
 * may follow up and close every warning. */
bool hotspot_may_see(const struct hotspot_warning *w, const struct hotspot_actor *a);

/* Whether a has acknowledged warning w already: one of the notes (n of them) is an ack by a's
 * unit (unit users) or by a (others). */
bool hotspot_acked_by(const struct hotspot_note *notes, int n, const struct hotspot_actor *a);

/* One follow-up step on warning id by a, at now, in one transaction: HSN_ACK (签收: a
 * recipient, once per unit — or per user for a role —, not once closed; the first one makes the
 * warning acked), HSN_FOLLOW_UP (处置反馈: a recipient or a manager, text required, not once
 * closed) or HSN_CLOSE (办结: a recipient or a manager, text required; the warning is closed).
 * text may be NULL for an ack. Fills *note (may be NULL) with the stored note. Errors:
 * -JS_ENOTFOUND (no such warning or not visible to a), -JS_EFORBIDDEN, -JS_ESTATE (closed, or
 * acknowledged already), -JS_EMISSING / -JS_ETOOLONG (text), store errors; e names the field
 * in Chinese. */
int hotspot_act(struct store *s, int64_t id, int kind, const struct hotspot_actor *a,
                const char *text, int64_t now, struct hotspot_note *note, struct js_error *e);

#endif
