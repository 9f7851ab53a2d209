/* Hotspot early warning (seed 002 art. 23 高频、热点事件预警机制; seed 004 预警 on emerging and
 * risky requests): the topics watched (data edited by administrators), their validation, and
 * the three detection rules over the orders of a topic:
 *   threshold — the topic's reporters in its sliding window reach its threshold;
 *   growth    — the last 24 hours hold at least growth_min reporters and more than
 *               mean + k·max(sd, √mean, 1) of the topic's daily reporters over the growth_days
 *               days before (an emerging issue against the topic's own baseline);
 * where reporters are the distinct known citizens plus each order of an unknown caller (one
 * person writing four times about a bus line is not a surge), evidence being every order;
 *   citizens  — one problem (same category in the same community or grid, or near-duplicate
 *               texts) raised by at least citizens_min distinct citizens (by phone, else name;
 *               one caller calling three times is one citizen).
 * A warning is never raised twice for the same evidence: a new warning of a topic and rule is
 * raised only when the orders its earlier warnings did not cover would, on their own, reach the
 * rule's minimum (threshold, growth_min or citizens_min) and at least equal what was already
 * warned of that evidence (counted as reporters, or as distinct citizens for the citizens rule,
 * whose earlier warnings are those of every topic: one problem is warned once, by the first
 * topic that catches it). Pure: no I/O. */
#ifndef JIESU_HOTSPOT_H
#define JIESU_HOTSPOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* The four kinds of seed 002 art. 23. */
#define HOTSPOT_KIND_LIST(X)                                                                       \
    X(SAFETY, "safety", "安全隐患")                                                                \
    X(FREQUENT, "frequent", "高频")                                                                \
    X(HOT, "hot", "热点")                                                                          \
    X(SENSITIVE, "sensitive", "敏感")

/* The detection rules. */
#define HOTSPOT_RULE_LIST(X)                                                                       \
    X(THRESHOLD, "threshold", "数量超过阈值")                                                      \
    X(GROWTH, "growth", "异常增长")                                                                \
    X(CITIZENS, "citizens", "多人反映同一问题")

/* The states of a warning: raised → acknowledged (签收) by a recipient → closed (办结). */
#define HOTSPOT_STATE_LIST(X)                                                                      \
    X(OPEN, "open", "待签收")                                                                      \
    X(ACKED, "acked", "已签收")                                                                    \
    X(CLOSED, "closed", "已办结")

#define JS_X_HSKIND(N, n, l)  HSK_##N,
#define JS_X_HSRULE(N, n, l)  HSR_##N,
#define JS_X_HSSTATE(N, n, l) HSS_##N,
enum hotspot_kind { HOTSPOT_KIND_LIST(JS_X_HSKIND) HSK__COUNT };
enum hotspot_rule { HOTSPOT_RULE_LIST(JS_X_HSRULE) HSR__COUNT };
enum hotspot_state { HOTSPOT_STATE_LIST(JS_X_HSSTATE) HSS__COUNT };

/* NULL-terminated wire names and Chinese labels. */
extern const char *const hotspot_kind_names[], *const hotspot_kind_labels[];
extern const char *const hotspot_rule_names[], *const hotspot_rule_labels[];
extern const char *const hotspot_state_names[], *const hotspot_state_labels[];

#define HOTSPOT_NAME_MAX     64 /* bytes of a topic name */
#define HOTSPOT_MAX_KEYWORDS 16
#define HOTSPOT_KEYWORD_MAX  48 /* bytes of one keyword */
#define HOTSPOT_MAX_IDS      32 /* categories, regions, units */
#define HOTSPOT_MAX_ROLES    8

/* One watched topic. An order belongs to it when it is in one of its categories (or below), or
 * its title or text matches one of its keywords (the order search's Chinese matching, with
 * synonyms), or the topic covers all orders; and, when regions are given, its region is one of
 * them or below. A rule whose minimum is 0 is off. */
struct hotspot_topic {
    int64_t id;
    char name[HOTSPOT_NAME_MAX];
    int kind; /* enum hotspot_kind */
    bool active;
    bool all_orders; /* every order (for the citizens rule over all requests) */
    char keywords[HOTSPOT_MAX_KEYWORDS][HOTSPOT_KEYWORD_MAX];
    int n_keywords;
    int64_t categories[HOTSPOT_MAX_IDS];
    int n_categories;
    int64_t regions[HOTSPOT_MAX_IDS];
    int n_regions;
    int window_days;   /* threshold rule: the sliding window, 1..90 days */
    int threshold;     /* orders in the window; 0: off */
    int growth_days;   /* growth rule: days of baseline before the last 24 hours, 3..60 */
    double growth_k;   /* standard deviations above the baseline mean, 1..10 */
    int growth_min;    /* orders in the last 24 hours at least; 0: off */
    int citizens_days; /* citizens rule: the window, 1..90 days */
    int citizens_min;  /* distinct citizens on one problem; 0: off (else 2..1000) */
    /* recipients */
    int64_t units[HOTSPOT_MAX_IDS];
    int n_units;
    int roles[HOTSPOT_MAX_ROLES]; /* enum role: every active user of the role */
    int n_roles;
    bool concerned; /* also the units holding the evidence orders and their streets */
    int64_t updated_at;
};

/* Existence checks for the ids a topic names, given by the caller (the store); what is one of
 * HOTSPOT_REF_CATEGORY, _REGION, _UNIT. Returns true when the id exists. NULL: not checked. */
enum { HOTSPOT_REF_CATEGORY, HOTSPOT_REF_REGION, HOTSPOT_REF_UNIT };
struct hotspot_refs {
    bool (*exists)(void *ctx, int what, int64_t id);
    void *ctx;
};

/* A topic with the defaults of every optional field (active, window 7 days, threshold 0,
 * growth over 14 days with k 3 and minimum 0, citizens over 7 days with minimum 0). */
void hotspot_topic_init(struct hotspot_topic *t);
/* Reads and checks a topic from JSON (the API's and the store's form): name (1..30 chars),
 * kind, active, all_orders, keywords (1..20 chars each, at most 16), categories, regions,
 * window_days, threshold, growth_days, growth_k, growth_min, citizens_days, citizens_min,
 * recipients {units, roles, concerned}. Fields absent keep t's values (so that a partial
 * update starts from the stored topic); unknown fields are refused. It must select orders
 * (keywords, categories or all_orders), have at least one rule on, and at least one
 * recipient. On failure fills e with the field's name and a Chinese reason and returns a
 * negative code; t may then be partly changed. refs may be NULL. */
int hotspot_topic_from_json(const json_t *j, const struct hotspot_refs *refs,
                            struct hotspot_topic *t, struct js_error *e);
/* The JSON form of t (new reference, NULL if out of memory). */
json_t *hotspot_topic_to_json(const struct hotspot_topic *t);
/* The longest span of days any of t's rules looks back (for reading its orders). */
int hotspot_topic_span_days(const struct hotspot_topic *t);

/* One order as the rules see it. */
struct hotspot_item {
    int64_t id;
    int64_t at; /* created_at */
    int64_t category_id, region_id;
    char citizen[72]; /* hotspot_citizen_key; "" when unknown */
};

/* Who raised an order: the digits of the phone, else "n:" and the name, else "" (unknown). */
void hotspot_citizen_key(const char *phone, const char *name, char *out, size_t n);

/* What a rule found. ids: the evidence orders (owned; release with hotspot_finding_release). */
struct hotspot_finding {
    int rule; /* enum hotspot_rule */
    int64_t from, to;
    int count;       /* reporters (threshold, growth) or orders (citizens) */
    int citizens;    /* distinct known citizens among them */
    double mean, sd; /* growth: the baseline's daily mean and standard deviation */
    double limit;    /* the figure the count had to pass: threshold, or the growth limit */
    int64_t *ids;
    int n_ids;
    int warned_before; /* set by the caller: the size (citizens) the same problem was already
                          warned at, beyond what the items show (older evidence); 0 if none */
};
void hotspot_finding_release(struct hotspot_finding *f);

/* The threshold rule on the items (any order, any span) at now: the reporters of the items in
 * (now - window_days, now] (an order of the very instant of the scan counts). Returns 1 and fills
 * *out when it fires, 0 when not, or -JS_ENOMEM. */
int hotspot_threshold(const struct hotspot_topic *t, const struct hotspot_item *items, int n,
                      int64_t now, struct hotspot_finding *out);
/* The growth rule (see the top of this file; the last 24 hours are (now - 1 day, now]). Returns 1
 * and fills *out when it fires, 0, or -JS_ENOMEM. *out's mean, sd and limit are filled either way.
 */
int hotspot_growth(const struct hotspot_topic *t, const struct hotspot_item *items, int n,
                   int64_t now, struct hotspot_finding *out);

/* The problems among n items: label[i] receives the cluster of item i (the smallest index in
 * it) after joining the pairs (a[k], b[k]), k < n_pairs (union-find). */
void hotspot_clusters(int n, const int *a, const int *b, int n_pairs, int *label);
/* The citizens rule on the items of one cluster (indices idx, n_idx of them, already in the
 * window): fires when they come from at least citizens_min distinct known citizens. Returns 1
 * and fills *out, 0, or -JS_ENOMEM. */
int hotspot_citizens(const struct hotspot_topic *t, const struct hotspot_item *items,
                     const int *idx, int n_idx, int64_t from, int64_t to,
                     struct hotspot_finding *out);
/* Distinct known citizens among the items idx (n of them). */
int hotspot_count_citizens(const struct hotspot_item *items, const int *idx, int n);

/* The minimum of rule in t (threshold, growth_min or citizens_min). */
int hotspot_rule_min(const struct hotspot_topic *t, int rule);
/* Whether f is new evidence against warned (the orders of the earlier warnings of the same
 * topic and rule — for the citizens rule, of every topic —, n_warned of them): the evidence
 * orders not in warned must reach the rule's minimum on their own and at least match the
 * evidence already warned (the problem has at least doubled), both counted as reporters among
 * items (as distinct citizens for the citizens rule; as orders when items is NULL). *n_new (may
 * be NULL) receives how many orders are new. */
bool hotspot_is_new(const struct hotspot_topic *t, const struct hotspot_finding *f,
                    const int64_t *warned, int n_warned, const struct hotspot_item *items,
                    int n_items, int *n_new);
/* A digest of the evidence (sorted ids, FNV-1a 64, 16 hex digits): stored with a warning so
 * that the same evidence can never be stored twice for one topic and rule. */
void hotspot_evidence_digest(const int64_t *ids, int n, char out[17]);

/* The title of a warning for people, e.g. "【高频】公共交通：近7天42件，达到阈值30件". */
void hotspot_title(const struct hotspot_topic *t, const struct hotspot_finding *f, char *out,
                   size_t n);

/* The entries of a warning's follow-up (处置反馈): acknowledgement by a recipient, progress
 * notes, and the closing note. */
#define HOTSPOT_NOTE_LIST(X)                                                                       \
    X(ACK, "ack", "签收")                                                                          \
    X(FOLLOW_UP, "follow_up", "处置反馈")                                                          \
    X(CLOSE, "close", "办结")
#define JS_X_HSNOTE(N, n, l) HSN_##N,
enum hotspot_note_kind { HOTSPOT_NOTE_LIST(JS_X_HSNOTE) HSN__COUNT };
extern const char *const hotspot_note_names[], *const hotspot_note_labels[];

#define HOTSPOT_MAX_RECIPIENT_UNITS 64
#define HOTSPOT_NOTE_MAX            2048 /* bytes of a note's text */

/* One raised warning as stored: the topic and rule, the window and figures, the evidence
 * orders, and who it went to. */
struct hotspot_warning {
    int64_t id;       /* assigned by the store */
    int64_t topic_id; /* 0 once the topic is deleted */
    char topic_name[HOTSPOT_NAME_MAX];
    int kind;  /* enum hotspot_kind */
    int rule;  /* enum hotspot_rule */
    int state; /* enum hotspot_state */
    int64_t raised_at, from, to;
    int count, citizens;
    double mean, sd, limit;
    char title[256];
    char digest[17];   /* hotspot_evidence_digest of the evidence */
    int64_t *evidence; /* owned: order ids */
    int n_evidence;
    int64_t units[HOTSPOT_MAX_RECIPIENT_UNITS]; /* recipient units */
    int n_units;
    int roles[HOTSPOT_MAX_ROLES]; /* recipient roles (enum role) */
    int n_roles;
    int64_t acked_at, closed_at; /* 0 until then */
};
/* Frees the evidence a warning owns. Accepts NULL. */
void hotspot_warning_release(struct hotspot_warning *w);

/* One entry of a warning's follow-up. */
struct hotspot_note {
    int64_t id; /* assigned by the store */
    int64_t warning_id, at, user_id;
    int64_t unit_id; /* the recipient unit the user acts for; 0 for a platform user */
    int kind;        /* enum hotspot_note_kind */
    char user_name[64];
    char text[HOTSPOT_NOTE_MAX];
};

/* A list of warnings, newest first. Zero fields do not filter. */
struct hotspot_warning_query {
    int64_t from, to; /* raised_at in [from, to) */
    int state;        /* enum hotspot_state, -1: any */
    int64_t topic_id;
    bool visible_only; /* only those sent to unit_id or to role */
    int64_t unit_id;
    int role;          /* enum role, -1: none */
    int64_t before_id; /* paging: warnings with a smaller id */
    int limit;         /* 1..500 */
};

#endif
