/* The work order, its events, and how an event changes an order (the "evolve" half of the
 * lifecycle). An order's stored row is always the fold of order_evolve over its events. */
#ifndef JIESU_ORDER_H
#define JIESU_ORDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "util/err.h"

#define ORDER_MAX_UNITS 16

/* Limits on free text, in characters. */
#define JS_MAX_TITLE   200
#define JS_MAX_TEXT    10000
#define JS_MAX_SHORT   100
#define JS_MAX_NOTE    2000
#define JS_MAX_ADDRESS 300

/* Who acts. */
struct actor {
    int64_t user_id; /* 0 for the system */
    int role;        /* enum role */
    int64_t unit_id; /* the unit of a unit user, else 0 */
    char name[64];
};

/* One unit's hold on an order. */
struct assignment {
    int64_t unit_id;
    int role;              /* enum asg_role */
    bool active;           /* false once its return was approved or it was replaced */
    bool return_pending;   /* returned, awaiting the platform's decision */
    int64_t dispatched_at; /* when this unit got the order (the return window starts here) */
    int64_t signed_at;     /* 0 until signed */
    int64_t replied_at;    /* 0 until this unit replied in the current round */
    int returns;           /* how many times this unit returned this order */
};

/* The assignment's fields in their canonical order (the JSON form, the stored text, the API),
 * as X(name, is_bool): every place that reads or writes an assignment field by field walks it. */
/* clang-format off */
#define ASG_FIELDS(X) \
    X(unit_id, 0) X(role, 0) X(active, 1) X(return_pending, 1) X(dispatched_at, 0) \
    X(signed_at, 0) X(replied_at, 0) X(returns, 0)
/* clang-format on */

struct order {
    int64_t id;
    char number[20]; /* YYYYMMDD + the daily sequence, 5 digits (6 or 7 past 99,999) */
    int64_t version; /* number of events applied */
    int status;      /* enum order_status */

    /* intake */
    char channel[24];
    char upstream_id[64];
    int64_t upstream_deadline;
    bool verified; /* upstream orders must be verified before dispatch (000 art. 7) */
    char *citizen_name, *citizen_phone;
    bool anonymous, wants_callback, needs_contact;
    int type, level, tier; /* enum req_type, level, tier */
    int64_t category_id, region_id;
    char *title, *text, *address;
    bool has_coords;
    double lat, lon;
    bool enterprise;
    int64_t about_unit_id; /* the unit complained about (被投诉单位), 0: none; its users never see
                              who complained (000 art. 3, 003 art. 20) */
    char *attachments;     /* JSON array text of {name, kind, url|ref, at, by}; never NULL */
    int64_t created_at, updated_at, filed_at, dispatched_at, replied_at, closed_at, archived_at;

    /* routing */
    int n_units;
    struct assignment units[ORDER_MAX_UNITS];
    int64_t master_id;    /* set when merged into another order */
    int64_t parent_id;    /* set on a child of a split */
    int64_t duplicate_of; /* not filed as a duplicate of this order */
    int not_filed_reason; /* enum not_filed_reason, -1 if none */
    char transfer_to[8];  /* "110", "119" or "120" */

    /* handling */
    int64_t deadline;      /* handling deadline; 0 = none */
    int64_t sign_deadline; /* 0 = none */
    bool contacted, sign_approved;
    bool ext_pending;
    int64_t ext_requested_until;
    int hang;              /* 0 none, 1 requested, 2 active (not overdue), 3 lifted */
    int64_t hang_since;    /* when the approved hanging account began (its time is added back to
                              the deadline when lifted); 0 when none is active */
    int64_t hang_expected; /* the plan's expected solution date of the last hanging request
                              (004 挂账): reminders before it, supervision after it; 0: none */
    int closure;           /* enum closure of the last reply, -1 if none */
    /* consultation before dispatch (001 §二(一)): 0 none, 1 being consulted (status
     * coordination), 2 concluded (dispatch goes to the unit decided, if one was), 3 carried out
     * by the dispatch */
    int consult;
    int64_t consult_unit_id; /* the lead unit the consultation decided on; 0: none named */
    /* pre-investigation by a designated unit (001 §二(一) 指定单位预先调查核实): 0 none,
     * 1 awaiting the unit's findings (no dispatch until then), 2 reported */
    int preinv;
    int64_t preinv_unit_id;
    /* a leader's instruction handed to a unit (领导批示交办, 003 art. 12(3), 13(2)): the unit
     * owes a written report by instruct_due; both 0 when none is outstanding */
    int64_t instruct_unit_id, instruct_due;
    char *reply_text;

    /* callback */
    int cb_tries;
    int cb_contacted, cb_solved; /* -1 unknown, 0 no, 1 yes */
    int cb_satisfaction;         /* enum satisfaction */
    bool cb_unreachable;

    /* counters (SPEC §2) */
    int returns, reworks, reopens, reopens_district, reopens_upstream, urges, supervisions,
        supervisions_open, extensions;
    int close_kind; /* enum close_kind */
};

/* One immutable entry of an order's timeline. */
struct event {
    int64_t id; /* assigned by the store */
    int64_t order_id;
    int64_t version; /* the order's version after this event */
    int64_t at;
    struct actor actor;
    int action; /* enum action */
    int status_before, status_after;
    json_t *payload; /* owned; an object holding everything evolve needs */
};

/* Makes an empty order (status received, version 0, all strings empty). */
void order_init(struct order *o);
/* Frees the strings an order owns. Accepts NULL. */
void order_release(struct order *o);
/* Deep copy of src into dst (dst must be released or fresh). */
int order_copy(struct order *dst, const struct order *src);
/* Replaces a string field (dup of s, NULL becomes ""). */
int order_set_str(char **field, const char *s);

/* Applies ev to o: the only code that changes a stored order. The payload is
 * {"args": the action's validated input, "set": the order fields it changed, in the form of
 * order_to_json}. Sets version, status and updated_at from the event. Returns 0, -JS_EINVAL for a
 * malformed payload, or -JS_ECONFLICT if ev->version is not o->version + 1. */
int order_evolve(struct order *o, const struct event *ev);
/* The fields of after that differ from before, in the form of order_to_json, leaving out
 * version, status and updated_at (new reference, NULL if out of memory). */
json_t *order_diff(const struct order *before, const struct order *after);

/* Canonical JSON of every stored field of o (new reference). Masks nothing. */
json_t *order_to_json(const struct order *o);
/* The keys of the canonical form that hold instants (seconds, 0 for none), and those of an
 * assignment's object; NULL-terminated. What people see writes them as dates. */
extern const char *const order_time_fields[];
extern const char *const order_asg_time_fields[];
/* The inverse of order_to_json, used by stores that keep orders as rows. */
int order_from_json(struct order *o, const json_t *j);

/* One stored field of an order, by the name of its key in order_to_json: what a store needs to
 * read and write a row's column straight from and into the struct, without the JSON form. */
enum order_field_kind {
    OF_INT,   /* an integer field of `size` bytes (int or int64_t) */
    OF_BOOL,  /* bool */
    OF_REAL,  /* double */
    OF_CHARS, /* a char array of `size` bytes */
    OF_STR,   /* a char * the order owns, never NULL once set */
    OF_UNITS  /* the assignments, stored as the canonical JSON array text */
};
struct order_field {
    const char *name;
    enum order_field_kind kind;
    size_t off, size;
};
/* The field named name, or NULL. */
const struct order_field *order_field_find(const char *name);
/* Every field, in the order of order_to_json's keys; *n receives their number. Static. */
const struct order_field *order_field_list(size_t *n);
/* The value of an OF_INT or OF_BOOL field. */
int64_t order_field_int(const struct order *o, const struct order_field *f);
/* Sets an OF_INT or OF_BOOL field. */
void order_field_set_int(struct order *o, const struct order_field *f, int64_t v);
/* The value of an OF_REAL field. */
double order_field_real(const struct order *o, const struct order_field *f);
/* Sets an OF_REAL field. */
void order_field_set_real(struct order *o, const struct order_field *f, double v);
/* The text of an OF_CHARS or OF_STR field ("" for an unset string); points into o. */
const char *order_field_text(const struct order *o, const struct order_field *f);
/* Sets an OF_CHARS field (cut between characters to fit) or an OF_STR one (copied): 0 or
 * -JS_ENOMEM. */
int order_field_set_text(struct order *o, const struct order_field *f, const char *s);
/* Whether field f differs between a and b, compared as order_diff compares it. */
bool order_field_differs(const struct order *a, const struct order *b, const struct order_field *f);
/* The assignments as the canonical JSON array text (free()), or NULL if out of memory. */
char *order_units_text(const struct order *o);
/* Sets the assignments from that text: 0, or -JS_EINVAL when it is not such an array. */
int order_units_parse(struct order *o, const char *text);

/* The assignment of unit_id, or NULL. */
struct assignment *order_unit(struct order *o, int64_t unit_id);
/* The active lead assignment, or NULL. */
struct assignment *order_lead(struct order *o);
/* How many distinct units have returned this order. */
int order_units_returned(const struct order *o);

/* Frees an event's payload. Accepts NULL. */
void event_release(struct event *ev);

/* A growable list of events produced by one decision. */
struct event_list {
    struct event *v;
    int n, cap;
};
void event_list_init(struct event_list *l);
/* Releases every event and the list. Accepts NULL. */
void event_list_release(struct event_list *l);
/* Appends ev, taking ownership of ev->payload. */
int event_list_push(struct event_list *l, const struct event *ev);

#endif
