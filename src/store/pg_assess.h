/* The PostgreSQL backend's assessment operations (pg_assess.c): the store_ops entries of the
 * assess_* block; the SQL of their migration step is pg_assess_schema_sql (pg_schema.h). Private to
 * src/store/. */
#ifndef JIESU_PG_ASSESS_H
#define JIESU_PG_ASSESS_H

#include "store/store.h"

/* The store_ops entries (see struct store_ops for what each does). */
int pg_assess_state(struct store *s, int64_t *last, int64_t *max_event, int64_t *max_order);
int pg_assess_mark(struct store *s, int64_t last);
int pg_assess_events(struct store *s, const struct assess_event_query *q, store_assess_event_cb cb,
                     void *ctx);
int pg_assess_repeats_put(struct store *s, bool reset, const struct assess_repeat *v, int n);
int pg_assess_repeats_get(struct store *s, int64_t lo, int64_t hi, struct assess_repeat **out,
                          int *n);
int pg_assess_facts_put(struct store *s, int64_t lo, int64_t hi, const struct assess_fact_row *v,
                        int n);
int pg_assess_facts(struct store *s, const struct assess_fact_query *q, store_assess_fact_cb cb,
                    void *ctx);
int pg_assess_appeal_put(struct store *s, struct assess_appeal_rec *a);
int pg_assess_appeal_decide(struct store *s, int64_t id, bool upheld, const char *note,
                            int64_t by_user, int64_t at);
int pg_assess_appeal_list(struct store *s, const struct assess_appeal_query *q,
                          struct assess_appeal_rec **out, int *n);
int pg_assess_item_put(struct store *s, struct assess_item_rec *it);
int pg_assess_item_cancel(struct store *s, int64_t id, const char *reason, int64_t by_user,
                          int64_t at);
int pg_assess_item_list(struct store *s, int64_t unit_id, int64_t from, int64_t to, bool live,
                        struct assess_item_rec **out, int *n);
int pg_assess_scheme_put(struct store *s, struct assess_scheme_rec *r);
int pg_assess_scheme_get(struct store *s, const char *name, struct assess_scheme_rec **out, int *n);

#endif
