/* The dashboard's figures over the API (issue 16):
 *   GET /api/v1/stats?by=day|channel|type|category|street|unit|status|reopened|satisfaction|
 *       overdue&from=&to=&unit_id=&per=none|day|week|month&parent=
 * counts of the orders received in a period from the store's stats_count, each item with the
 * order list's query that shows its orders. Platform roles; unit users see their own unit. */
#ifndef JIESU_RES_STATS_H
#define JIESU_RES_STATS_H

struct app;

/* Registers the route on the app's router and its description for the OpenAPI document.
 * Returns 0 or the first error. */
int res_stats_register(struct app *a);

#endif
