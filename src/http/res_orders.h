/* What res_orders.c shares with the other resource files. */
#ifndef JIESU_RES_ORDERS_H
#define JIESU_RES_ORDERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/order.h"
#include "store/store.h"
#include "util/buf.h"

/* True for the roles that see citizens masked (unit users and auditors): they may not look
 * orders up by citizen either. */
bool masked_role(int role);

/* True when who is a user of the unit o complains about (被投诉单位): the citizen's identity never
 * reaches it (000 art. 3, 003 art. 20), not even when the order needs contact. */
bool citizen_withheld(const struct actor *who, const struct order *o);
/* Takes the citizen's name and phone out of name (a file name of n bytes), for the readers of
 * citizen_withheld. */
void citizen_scrub_name(const struct order *o, char *name, size_t n);

/* The API form of an order (new reference): enums by name with Chinese labels, times in ISO
 * text, 0 ids as null. The summary form (detail false) leaves out the citizen, the texts and
 * the attachments; the detail form masks the citizen for masked roles unless the order needs
 * contact, and sets *unmasked when unmasked citizen data is in it. units, when non-NULL, is
 * the store used to name the units. */
json_t *order_api_json(const struct order *o, const struct actor *who, int64_t now, bool detail,
                       bool *unmasked, struct store *units);

/* Appends to b the summary form of o as compact JSON text, byte for byte jsonw_put of
 * order_api_json(o, who, now, false, NULL, NULL), without building the tree: what every action
 * answers with. Returns 0 or a negative code (b as it was); a string of o that is not valid
 * UTF-8 fails it (-JS_EINVAL), where the tree would leave its key out. */
int order_api_summary_write(struct buf *b, const struct order *o, int64_t now);

/* Appends to b the summary form of o as every list, search and answer gives it: the text of
 * order_api_summary_write, or, for an order holding a string that is not valid UTF-8, the tree
 * of order_api_json (which leaves that key out) written as text. Returns 0, -JS_ENOMEM or
 * -JS_ETOOLARGE (b as it was). */
int order_api_summary_put(struct buf *b, const struct order *o, const struct actor *who,
                          int64_t now);

#endif
