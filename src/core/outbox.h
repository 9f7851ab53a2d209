/* The notifications outbox (SPEC §3.16; 002 ch. 6 受理告知/办理告知, 003 arts. 6 and 10, 001
 * §二(五) 提示/警示函, 000 art. 10 督办): which messages an event causes, to whom, with what text.
 * The engine stores them in the same transaction as the event, and a delivery pass sends them
 * later, so that nothing is lost while the gateway is down. Pure: no I/O here. */
#ifndef JIESU_OUTBOX_H
#define JIESU_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/order.h"
#include "core/org.h"

#define JS_OUTBOX_KIND_LIST(X)                                                                     \
    X(ACCEPTANCE, "acceptance", "受理告知")                                                        \
    X(HANDLING, "handling", "办理告知")                                                            \
    X(NOT_FILED, "not_filed", "不予立案说明")                                                      \
    X(WARNING, "warning", "提示警示函")                                                            \
    X(SUPERVISION, "supervision", "督办通知")                                                      \
    X(KB_EXPIRY, "kb_expiry", "知识库到期提醒")                                                    \
    X(HOTSPOT, "hotspot", "热点预警")                                                              \
    X(UPSTREAM_RESULT, "upstream_result", "市级平台反馈（办理结果）")                              \
    X(UPSTREAM_CLOSED, "upstream_closed", "市级平台反馈（办结）")                                  \
    X(COORDINATION, "coordination", "会商交办通知")

#define JS_OUTBOX_STATE_LIST(X)                                                                    \
    X(PENDING, "pending", "待发送")                                                                \
    X(SENT, "sent", "已发送")                                                                      \
    X(FAILED, "failed", "发送失败")

#define JS_X_OBKIND(N, n, l)  OBK_##N,
#define JS_X_OBSTATE(N, n, l) OBS_##N,
enum outbox_kind { JS_OUTBOX_KIND_LIST(JS_X_OBKIND) OBK__COUNT };
enum outbox_state { JS_OUTBOX_STATE_LIST(JS_X_OBSTATE) OBS__COUNT };

/* NULL-terminated wire names and Chinese labels. */
extern const char *const js_outbox_kind_names[], *const js_outbox_kind_labels[];
extern const char *const js_outbox_state_names[], *const js_outbox_state_labels[];

/* Who a message goes to: the citizen or one tier of a unit's contact list (000 art. 6), or the
 * city platform (the feedback of an upstream order, 000 art. 13). */
extern const char *const js_outbox_role_names[]; /* "citizen", "leader", "section", "operator",
                                                    "city" */

/* Outcomes of the feedback to the city (store_ops.upstream_feedback_counts). */
enum upstream_fb {
    UFB_SENT_ON_TIME, /* sent by the order's upstream deadline (or the order has none) */
    UFB_SENT_LATE,    /* sent after it */
    UFB_PENDING,      /* not sent yet */
    UFB_PENDING_LATE, /* of those, past the deadline now */
    UFB_FAILED,       /* given up (staff may send it again) */
    UFB_FAILED_LATE,  /* of those, past the deadline now */
    UFB__COUNT
};

/* True for the kinds fed back to the city platform (sent to the city link, not the gateway). */
bool outbox_kind_is_upstream(int kind);

#define OUTBOX_TEXT_MAX 4096 /* bytes of a message text */

/* One message. */
struct outbox_msg {
    int64_t id; /* assigned by the store */
    int kind;   /* enum outbox_kind */
    int state;  /* enum outbox_state */
    int64_t order_id;
    char order_number[20];
    int64_t event_id; /* the event that caused it */
    int64_t unit_id;  /* the unit written to, 0 for the citizen */
    char to_role[16]; /* one of js_outbox_role_names */
    char to_name[64], to_phone[32], to_email[128];
    char text[OUTBOX_TEXT_MAX];
    int attempts;
    int64_t created_at, next_at, sent_at;
    char last_error[256];
};

/* A growable list of messages. */
struct outbox_list {
    struct outbox_msg *v;
    int n, cap;
};
void outbox_list_init(struct outbox_list *l);
/* Frees the list. Accepts NULL. */
void outbox_list_release(struct outbox_list *l);
/* Appends a copy of m. Returns 0 or -JS_ENOMEM. */
int outbox_list_push(struct outbox_list *l, const struct outbox_msg *m);

/* The units an event's messages go to (ids into ids, at most max; *n how many): for dispatch
 * the lead and dual units (named in the citizen's handling notice), for warn the units in the
 * event's args "units", for supervise the active lead and dual units of o; for consult the units
 * called to the consultation, for preinvestigate the designated unit, for an instruct handed to
 * a unit that unit. */
void outbox_units_of(const struct event *ev, const struct order *o, int64_t *ids, int max, int *n);

/* Appends to out the messages ev causes, o being the order after it and units the units of
 * outbox_units_of (borrowed, those that exist): the acceptance notice at intake, the handling
 * notice at dispatch, the explanation of a non-filing (to a citizen who left a phone and is not
 * anonymous), warning letters to every contact of the warned units, supervision notices to the
 * section head and the platform operator of the units holding the order; the call to a
 * consultation, the request to investigate first and a leader's instruction handed to a unit
 * (with its due time) to the unit's leader and section head. Contacts with neither
 * phone nor email are skipped. For an order from the city platform (an upstream id) it adds the
 * feedback to the city (000 art. 13), to_role "city" and to_name the city's order id: the result
 * (upstream_result) when the reply passes review, the platform answers directly, does not file
 * it or force-closes it, and the close with the callback's outcome (upstream_closed). Messages
 * are pending, due at ev->at. Returns 0 or -JS_ENOMEM. */
int outbox_plan(const struct event *ev, const struct order *o, const struct unit *units,
                int n_units, struct outbox_list *out);

/* The JSON document posted to the gateway for m (new reference, NULL if out of memory):
 * {"id", "kind", "kind_label", "to": {"role", "name", "phone", "email"}, "text",
 *  "order": {"id", "number"}, "created_at"}. */
json_t *outbox_payload(const struct outbox_msg *m);

/* The JSON document posted to the city platform for a feedback message m (new reference, NULL
 * if out of memory): {"message_id": "jiesu-outbox-<id>", "kind": "result" | "closed",
 * "upstream_id", "order_number", "text", "created_at"}. */
json_t *outbox_city_payload(const struct outbox_msg *m);

/* Seconds to wait before the next attempt after `attempts` failed ones: base, 2 base, 4 base,
 * ... (exponential backoff), at most one day. */
int64_t outbox_backoff(int attempts, int base_seconds);

/* Masks a phone number for display, "138****1111" (out of at least 32 bytes). */
void outbox_mask_phone(const char *phone, char *out, size_t n);

#endif
