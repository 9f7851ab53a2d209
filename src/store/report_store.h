/* Reports over a store (issue 11): the figures of core/report.h read through struct store_ops
 * (grouped counts, event counts, order lists), the order-level warnings (timers_events) and
 * the assessment (assess_store, for the 三率 scores of the 通报 and the unit reports); issuing a
 * report as an immutable, numbered snapshot; and the reports the scheduler issues when due.
 * Names no backend: it calls store operations and the assessment's own API only. */
#ifndef JIESU_REPORT_STORE_H
#define JIESU_REPORT_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/order.h"
#include "core/report.h"
#include "store/store.h"
#include "util/err.h"

/* The scheme whose scores the 通报 and the unit reports use: the 三率 of seed 004. */
#define REPORT_SCHEME "beijing-2020"

/* Builds a report without storing it (a draft or preview). db: the location of s, for the
 * assessment's scores (NULL: reports without scores). *out is a new reference. */
int report_make(struct store *s, const char *db, const struct report_period *p, int64_t unit_id,
                int64_t now, json_t **out, struct js_error *e);

/* Builds and stores a report, issued at now by `by` (NULL: the scheduler; user 0 with a name: a
 * system issuer so named, e.g. the command line), in its own
 * transaction: a new edition when the period was issued before, or -JS_EEXISTS when first_only
 * and it was. out (may be NULL) gets the record with its document (report_rec_release). */
int report_issue(struct store *s, const char *db, const struct report_period *p, int64_t unit_id,
                 int64_t now, const struct actor *by, bool first_only, struct report_rec *out,
                 struct js_error *e);

/* What a scheduler pass of reports did. */
struct report_due_stats {
    int issued;  /* reports issued now */
    int present; /* due reports found already issued */
    int failed;  /* reports that could not be built or stored */
    char last_error[384];
};
/* Issues every report due at now that is not issued yet (report_period_due of each kind; the
 * unit report for every active unit), each as edition 1. Periods before the first order are
 * not issued. st may be NULL. Returns 0 or the first error (the others are still tried). */
int report_issue_due(struct store *s, const char *db, int64_t now, struct report_due_stats *st,
                     struct js_error *e);

/* The record as JSON: {id, kind, kind_label, period, period_label, unit_id, unit, edition,
 * title, issued_at, issued_at_label, issued_by, issued_by_name} and, with_doc, "doc" (the
 * stored document). New reference, NULL if out of memory or a stored document is damaged. */
json_t *report_rec_json(const struct report_rec *r, bool with_doc);

#endif
