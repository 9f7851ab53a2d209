/* Finding orders as a person types: one query string read as an order number, an upstream id,
 * a citizen's phone or name, and words, with the rules of who may look up whom. Works on any
 * backend through store_ops. */
#ifndef JIESU_SEARCH_H
#define JIESU_SEARCH_H

#include <jansson.h>
#include <stdbool.h>

#include "core/order.h"
#include "store/store.h"

#define SEARCH_SYNONYMS_KEY "synonyms" /* setting: {"groups": [[...], ...]} */

/* Who searches: the role decides whether citizens may be looked up, the unit limits unit
 * users to the orders their unit holds or held. */
struct search_who {
    int role;
    int64_t unit_id;
    bool citizens; /* phone and name lookups allowed (platform roles that see citizens) */
};

struct search_result;

/* The rules for a user of role (and unit, for unit users): unit users search only their unit's
 * orders, and neither they nor auditors look citizens up. */
void search_who_init(struct search_who *w, int role, int64_t unit_id);

/* Appends the audit entry of a search that looked citizens up (action "search_citizen", or
 * "citizen_history" when history is true), in its own transaction. */
int search_audit(struct store *s, int64_t user_id, int64_t at, bool history, const char *q,
                 const struct search_result *r);

struct search_result {
    struct search_hit *hits; /* n of them */
    struct order *orders;    /* the order of each hit */
    int n;
    bool more;         /* there are hits after these */
    bool citizen_used; /* the query was tried as a phone or name */
    int citizen_hits;  /* hits found by phone or name */
};

/* Runs the search q (at most 200 characters) for who: hits offset .. offset+limit-1 in the
 * order of relevance. synonyms: an array of groups or NULL. On success fills *out (release
 * with search_result_release); on bad input returns -JS_EINVAL with e naming field "q". */
int search_orders(struct store *s, const struct search_who *who, const char *q,
                  const json_t *synonyms, int offset, int limit, struct search_result *out,
                  struct js_error *e);
/* Every order of one phone number (whole, after removing spaces, dashes and +86), newest first,
 * at most limit. Only for who->citizens. */
int search_history(struct store *s, const struct search_who *who, const char *phone, int limit,
                   struct search_result *out, struct js_error *e);
/* Frees what a result holds. Accepts NULL. */
void search_result_release(struct search_result *r);

/* The synonym groups in force: the stored setting, else the defaults (new reference). */
json_t *search_synonyms(struct store *s);

/* The Chinese name of a hit's kind ("工单编号", "来电号码" …). */
const char *search_kind_label(int kind);
/* The wire name of a hit's kind ("number", "phone" …). */
const char *search_kind_name(int kind);

#endif
