/* Routes of the timers issue: the working-day calendar, the notifications outbox, warnings and
 * the special-report list. */
#ifndef JIESU_HTTP_RES_TIMERS_H
#define JIESU_HTTP_RES_TIMERS_H

#include "http/router.h"

/* Adds the routes (the handlers expect the struct app of http/app.h as their app pointer):
 *   GET    /api/v1/calendar                every year with data, and all special dates
 *   PUT    /api/v1/calendar                {holidays: [...], workdays: [...]} over all years
 *   GET    /api/v1/calendar/{year}         one year
 *   PUT    /api/v1/calendar/{year}         replace one year (admin)
 *   DELETE /api/v1/calendar/{year}         drop the edits of a year: the shipped file counts
 *   GET    /api/v1/outbox                  messages with their states (admin, supervisor)
 *   POST   /api/v1/outbox/{id}/retry       resend a failed message (admin)
 *   GET    /api/v1/warnings                提示/警示 given (units see their own)
 *   GET    /api/v1/special-reports         orders on the special-report list (platform)
 * Returns 0 or the first router_add error. */
int res_timers_routes(struct router *r);

struct app;
/* Registers the routes above on the app's router and their descriptions for the OpenAPI document
 * (app_route_docs). Call once from app_new, before serving. Returns 0 or the first error. */
int res_timers_register(struct app *a);

#endif
