/* Coordination records over the API (issue 14 point 8):
 *   POST /api/v1/meetings               record a meeting attached to orders (dispatcher,
 *                                       supervisor, leader)
 *   GET  /api/v1/meetings               meetings, newest first; ?order_id= those of one order
 *                                       (platform roles; unit users for orders their unit holds)
 *   GET  /api/v1/meetings/{id}          one meeting (platform roles)
 *   POST /api/v1/accountability         record accountability, 问责 (supervisor, leader)
 *   GET  /api/v1/accountability         records by order and/or unit (supervisor, leader,
 *                                       auditor, admin)
 *   GET  /api/v1/accountability/{id}    one record */
#ifndef JIESU_RES_COORD_H
#define JIESU_RES_COORD_H

struct app;

/* Registers the routes above on the app's router and their descriptions for the OpenAPI
 * document. Returns 0 or the first error. */
int res_coord_register(struct app *a);

#endif
