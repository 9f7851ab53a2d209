/* The knowledge base over the API (issue 11): /api/v1/kb. */
#ifndef JIESU_RES_KB_H
#define JIESU_RES_KB_H

#include "http/app.h"

/* Registers the routes and their descriptions. Returns 0 or the first error. */
int res_kb_register(struct app *a);

#endif
