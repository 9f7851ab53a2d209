/* The SQLite backend's hotspot operations (sqlite_hotspot.c), for the ops table of
 * store_sqlite.c. Private to src/store/; see store.h for what each does. */
#ifndef JIESU_SQLITE_HOTSPOT_H
#define JIESU_SQLITE_HOTSPOT_H

#include "store/store.h"

int sqlite_hotspot_topic_put(struct store *s, struct hotspot_topic *t);
int sqlite_hotspot_topic_get(struct store *s, int64_t id, struct hotspot_topic *out);
int sqlite_hotspot_topic_list(struct store *s, struct hotspot_topic **out, int *n);
int sqlite_hotspot_topic_delete(struct store *s, int64_t id);
int sqlite_hotspot_warning_insert(struct store *s, struct hotspot_warning *w);
int sqlite_hotspot_warning_get(struct store *s, int64_t id, struct hotspot_warning *out);
int sqlite_hotspot_warning_list(struct store *s, const struct hotspot_warning_query *q,
                                struct hotspot_warning **out, int *n);
int sqlite_hotspot_warned_orders(struct store *s, int64_t topic_id, int rule, int64_t **ids,
                                 int *n);
int sqlite_hotspot_warning_state(struct store *s, int64_t id, int state, int64_t at);
int sqlite_hotspot_note_add(struct store *s, struct hotspot_note *n);
int sqlite_hotspot_note_list(struct store *s, int64_t warning_id, struct hotspot_note **out,
                             int *n);

#endif
