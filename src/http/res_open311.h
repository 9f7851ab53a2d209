/* The Open311 GeoReport v2 server (issue 15) at /open311/v2/, and its administration under
 * /api/v1/open311. */
#ifndef JIESU_RES_OPEN311_H
#define JIESU_RES_OPEN311_H

#include "http/app.h"

#define RES_OPEN311_PREFIX   "/open311/"
#define RES_OPEN311_MAX_BODY ((size_t)64 << 10) /* a POSTed request's form, at most */

struct buf;
struct order;
struct store;

/* Appends to out what the public may read of how o stands: the official's answer once it is
 * public (statuses answered, callback, closed, archived), with the citizen's name and phone, any
 * run of 7 or more digits and any e-mail address masked; otherwise the Chinese status (or why it
 * was not filed, where it was transferred or merged). Shared with the citizen's self-service. */
void res_open311_public_answer(struct store *s, const struct order *o, struct buf *out);

/* Registers the routes and their descriptions. Returns 0 or the first error. */
int res_open311_register(struct app *a);

#endif
