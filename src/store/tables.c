/* The tables a copy between backends moves (store.h: store_tables), declared once for both
 * backends, in dependency order: a table comes after every table it refers to. */
#include "compat.h"
#include "store/store.h"

#include <string.h>

const struct store_table store_tables[] = {
    {"regions", "id", false},
    {"categories", "id", false},
    {"units", "id", false},
    {"users", "id", false},
    {"catalogue", "id", false},
    {"orders", "id", false},
    {"order_units", "order_id, unit_id", false},
    {"events", "id", false},
    {"settings", "key", false},
    {"seqs", "key", false},
    {"sessions", "token_hash", false},
    {"audit", "id", false},
    {"idempotency", "user_id, key", false},
    {"outbox", "id", false},
    {"files", "id", false},
    {"blobs", "key", false},
    {"login_failures", "id", true},
    {"file_refs", "file_id, order_id", false},
    {"kb_entries", "id", false},
    {"kb_categories", "category_id, kb_id", false},
    {"kb_uses", "id", false},
    {"hotspot_topics", "id", false},
    {"hotspot_warnings", "id", false},
    {"hotspot_evidence", "warning_id, order_id", false},
    {"hotspot_recipients", "id", true},
    {"hotspot_notes", "id", false},
    {"reports", "id", false},
    {"assess_cases", "recv, order_id, unit_id", false},
    {"assess_repeats", "source_id", false},
    {"assess_fold", "id", false},
    {"appeals", "id", false},
    {"appeal_decisions", "appeal_id", false},
    {"assess_items", "id", false},
    {"assess_item_cancels", "item_id", false},
    {"assess_schemes", "id", false},
    {"meetings", "id", false},
    {"meeting_orders", "meeting_id, order_id", false},
    {"accountability", "id", false},
};
const int store_n_tables = (int)(sizeof store_tables / sizeof store_tables[0]);

const struct store_table *store_table_find(const char *name)
{
    for (int i = 0; name && i < store_n_tables; i++)
        if (strcmp(store_tables[i].name, name) == 0)
            return &store_tables[i];
    return NULL;
}
