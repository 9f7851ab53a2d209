/* The Open311 GeoReport v2 server (issue 15) at /open311/v2/, and its administration under
 * /api/v1/open311. */
#ifndef JIESU_RES_OPEN311_H
#define JIESU_RES_OPEN311_H

#include "http/app.h"

#define RES_OPEN311_PREFIX   "/open311/"
#define RES_OPEN311_MAX_BODY ((size_t)64 << 10) /* a POSTed request's form, at most */

/* Registers the routes and their descriptions. Returns 0 or the first error. */
int res_open311_register(struct app *a);

#endif
