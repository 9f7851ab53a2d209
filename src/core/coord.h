/* Coordination records (issue 14 point 8): the meetings that settle hard orders — 会办 (003 art.
 * 12(4)), 联席会议 and 专题协调会 (000 arts. 5, 11) — with their participants, decisions and
 * follow-up items, attached to the orders they concern; and accountability records (问责, 003
 * arts. 21–22, 002 ch. 9): who, of which unit, why, under which article, with which measure.
 * Pure domain code: the closed lists, the records, and the checking of their input. */
#ifndef JIESU_COORD_H
#define JIESU_COORD_H

#include <jansson.h>
#include <stdint.h>

#include "core/order.h"
#include "util/err.h"

/* Kinds of coordination meeting. */
#define MEETING_KIND_LIST(X)                                                                       \
    X(HUIBAN, "huiban", "会办")                                                                    \
    X(JOINT, "joint", "联席会议")                                                                  \
    X(TOPIC, "topic", "专题协调会")

/* Grounds of accountability: the five cases of 003 art. 21. */
#define ACCT_REASON_LIST(X)                                                                        \
    X(DELAY, "delay", "推诿拖延、未在规定期限内处理答复，导致群众二次投诉")                        \
    X(LEAD_REFUSED, "lead_refused", "指定的牵头单位无正当理由拒不办理，导致逾期")                  \
    X(FALSIFIED, "falsified", "弄虚作假、谎报处理结果")                                            \
    X(RETALIATION, "retaliation", "对反映问题的群众打击报复")                                      \
    X(OTHER, "other", "其他应当予以责任追究的情形")

/* Measures: those of 003 art. 22, and the referral to the discipline inspectors of 001. */
#define ACCT_MEASURE_LIST(X)                                                                       \
    X(ADMONISH, "admonish", "诫勉谈话")                                                            \
    X(WRITTEN_REVIEW, "written_review", "责令作出书面检查")                                        \
    X(CIRCULATE, "circulate", "通报批评")                                                          \
    X(SANCTION, "sanction", "行政处分")                                                            \
    X(REFER, "refer", "移交纪检监察机关问责")

#define JS_X_MKIND(N, n, l)    MEETING_##N,
#define JS_X_AREASON(N, n, l)  ACCT_REASON_##N,
#define JS_X_AMEASURE(N, n, l) ACCT_MEASURE_##N,
enum meeting_kind { MEETING_KIND_LIST(JS_X_MKIND) MEETING__COUNT };
enum acct_reason { ACCT_REASON_LIST(JS_X_AREASON) ACCT_REASON__COUNT };
enum acct_measure { ACCT_MEASURE_LIST(JS_X_AMEASURE) ACCT_MEASURE__COUNT };

extern const char *const meeting_kind_names[], *const meeting_kind_labels[];
extern const char *const acct_reason_names[], *const acct_reason_labels[];
extern const char *const acct_measure_names[], *const acct_measure_labels[];

#define MEETING_MAX_ORDERS       16
#define MEETING_MAX_PARTICIPANTS 32
#define MEETING_MAX_FOLLOW_UPS   20

/* One coordination meeting. The strings are owned (meeting_release). */
struct meeting {
    int64_t id;
    int kind; /* enum meeting_kind */
    char *title, *convener, *decisions;
    int64_t held_at;
    char *participants; /* JSON array text of {name, unit_id?} */
    char *follow_ups;   /* JSON array text of {item, unit_id?, owner?, due?} */
    int64_t created_by; /* user id, 0: none */
    char created_by_name[64];
    int64_t created_at;
    int64_t orders[MEETING_MAX_ORDERS]; /* the orders it concerns, at least one */
    int n_orders;
};

/* Makes an empty meeting. */
void meeting_init(struct meeting *m);
/* Frees the strings of m. Accepts NULL. */
void meeting_release(struct meeting *m);
/* Frees an array of n meetings and their strings. Accepts NULL. */
void meeting_free_all(struct meeting *v, int n);

/* Reads a new meeting from the API's input {kind, title, held_at, convener, participants,
 * decisions, follow_ups?, orders} into m (meeting_init'ed; release it either way). The units
 * and orders named are checked to exist by the caller (meeting_units lists the units). Returns 0
 * or a refusal naming the field. */
int meeting_from_input(const json_t *in, struct meeting *m, struct js_error *e);
/* The unit ids the meeting names (participants and follow-up owners), at most max, into ids;
 * their count. */
int meeting_units(const struct meeting *m, int64_t *ids, int max);
/* The API form: kind with its label, times as ISO text and in Chinese (held_at_label), the
 * participants and follow-ups as arrays (each follow-up with due_label), the orders' ids. */
json_t *meeting_to_json(const struct meeting *m);

/* One accountability record (问责). */
struct acct_rec {
    int64_t id;
    int64_t order_id; /* 0: not about one order */
    int64_t unit_id;
    char person[JS_MAX_SHORT * 4 + 1]; /* who is held to account */
    int reason;                        /* enum acct_reason */
    char article[JS_MAX_SHORT * 4 + 1]; /* the article applied, e.g. 天宁办法第二十一条第（一）项 */
    int measure;                        /* enum acct_measure */
    char note[JS_MAX_NOTE * 4 + 1];
    int64_t recorded_by;
    char recorded_by_name[64];
    int64_t at;
};

/* Reads a new record from {order_id?, unit_id, person, reason, article, measure, note?}; the
 * unit and order are checked to exist by the caller. Returns 0 or a refusal naming the field. */
int acct_from_input(const json_t *in, struct acct_rec *a, struct js_error *e);
/* The API form, with the labels of reason and measure and the time in Chinese. */
json_t *acct_to_json(const struct acct_rec *a);

#endif
