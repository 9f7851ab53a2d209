/* Row helpers shared by both backends' coordination records (coord_rows.h). */
#include "compat.h"
#include "store/coord_rows.h"

#include <stdlib.h>

void coord_orders_parse(struct meeting *m, const char *list)
{
    m->n_orders = 0;
    while (list && *list && m->n_orders < MEETING_MAX_ORDERS) {
        char *end;
        long long id = strtoll(list, &end, 10);
        if (end == list)
            break;
        if (id > 0)
            m->orders[m->n_orders++] = id;
        list = *end == ',' ? end + 1 : end;
    }
}

int coord_limit(int limit)
{
    return limit <= 0 ? 200 : limit > 500 ? 500 : limit;
}
