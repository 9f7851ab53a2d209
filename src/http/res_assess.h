/* The assessment over the API (rankings, the orders behind each indicator, appeals, manual
 * items, schemes) and the CSV / XLSX exports with Chinese headers, shared with the CLI. */
#ifndef JIESU_HTTP_RES_ASSESS_H
#define JIESU_HTTP_RES_ASSESS_H

#include <stdint.h>

#include "http/app.h"
#include "http/router.h"
#include "store/assess_store.h"
#include "util/buf.h"
#include "util/err.h"

/* Adds the /api/v1/assess routes to r (handlers expect the struct app of http/app.h). Returns 0
 * or the first router_add error. */
int res_assess_register(struct router *r);

struct app;
/* The same for an app, with the routes' descriptions for the OpenAPI document
 * (app_route_docs): the one call app_new needs. Returns 0 or the first error. */
int res_assess_register_app(struct app *a);

/* The descriptions of the routes above (struct route_doc of http/app.h). */
extern const struct route_doc res_assess_docs[];
extern const int res_assess_n_docs;

/* The report as CSV (UTF-8 with a byte-order mark so that spreadsheet programs read the
 * Chinese headers): one row per unit (only_unit 0: every unit shown in the JSON form) with
 * rank, unit, kind, group, score, grade, every item and every indicator of the scheme (rates in
 * per cent). Appends to out. */
int assess_export_csv(const struct assess_report *r, int64_t only_unit, struct buf *out);
/* The same as an XLSX workbook written to path: a sheet 考核排名 (rates formatted as
 * percentages) and a sheet 指标说明 (what every indicator counts). */
int assess_export_xlsx(const struct assess_report *r, int64_t only_unit, const char *path,
                       struct js_error *e);

#endif
