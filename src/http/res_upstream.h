/* The city link over HTTP (issue 15): the signed webhook of the city's messages, the feedback
 * list with what is late or failed, and the link's settings. */
#ifndef JIESU_RES_UPSTREAM_H
#define JIESU_RES_UPSTREAM_H

#include "http/app.h"

/* Registers the routes and their descriptions. Returns 0 or the first error. */
int res_upstream_register(struct app *a);

#endif
