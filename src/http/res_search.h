/* The search box, a caller's history, the synonym list and duplicate checks over the API. */
#ifndef JIESU_RES_SEARCH_H
#define JIESU_RES_SEARCH_H

#include "http/app.h"

/* Registers the routes and their descriptions. Returns 0 or the first error. */
int res_search_register(struct app *a);

#endif
