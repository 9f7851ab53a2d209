/* Row helpers shared by both backends' coordination records: the order ids of a meeting as the
 * backends aggregate them ("3,7,12"). Backend-neutral. */
#ifndef JIESU_COORD_ROWS_H
#define JIESU_COORD_ROWS_H

#include "core/coord.h"

/* Fills m->orders from a comma-separated list of ids (NULL or "": none). */
void coord_orders_parse(struct meeting *m, const char *list);
/* A list limit: 200 for none (0 or less), at most 500. */
int coord_limit(int limit);

#endif
