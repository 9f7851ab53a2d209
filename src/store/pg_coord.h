/* The PostgreSQL backend's coordination records (pg_coord.c), for the ops table of store_pg.c.
 * Private to src/store/; see store.h for what each does. */
#ifndef JIESU_PG_COORD_H
#define JIESU_PG_COORD_H

#include "store/store.h"

int pg_meeting_add(struct store *s, struct meeting *m);
int pg_meeting_list(struct store *s, int64_t order_id, int64_t id, int limit, struct meeting **out,
                    int *n);
int pg_acct_add(struct store *s, struct acct_rec *a);
int pg_acct_list(struct store *s, int64_t order_id, int64_t unit_id, int64_t id, int limit,
                 struct acct_rec **out, int *n);

#endif
