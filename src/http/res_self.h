/* The citizen's self-service (issue 15): the query code of the acceptance notice, and the public
 * query of an order by its number and that code. */
#ifndef JIESU_RES_SELF_H
#define JIESU_RES_SELF_H

#include "http/app.h"

/* The citizen's photo upload (a raw body: the server must take this path's bodies as they are). */
#define RES_SELF_PHOTO "/api/v1/public/photo"

/* The engine's on_acceptance hook: makes a query code for order_id, keeps its salted digest in
 * the store (inside the intake's transaction) and writes the sentence the acceptance notice
 * carries into suffix. Returns 0 or a negative code. */
int res_self_on_acceptance(void *ctx, struct store *s, int64_t order_id, int64_t now, char *suffix,
                           size_t n);

/* Registers the public query route and its description. Returns 0 or the first error. */
int res_self_register(struct app *a);

#endif
