/* Reports over the API (issue 11): issued reports listed and read, drafts previewed, reports
 * issued on demand, and the two outputs shared with the CLI: an XLSX workbook and a printable
 * HTML page, both drawn from the one document shape of core/report.h. */
#ifndef JIESU_HTTP_RES_REPORT_H
#define JIESU_HTTP_RES_REPORT_H

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

struct app;
/* Adds the /api/v1/reports routes and their OpenAPI descriptions. Returns 0 or the first
 * error. */
int res_report_register(struct app *a);

/* Writes a report (the JSON of report_rec_json with its "doc", or a bare document) as an XLSX
 * workbook at path: a sheet 概要 (title, period, issue, the figures) and one sheet per section
 * with its columns (rates as percentages). */
int report_export_xlsx(const json_t *rec, const char *path, struct js_error *e);
/* Appends the report as a printable HTML page (A4, Chinese dates, tables, bars for the charted
 * sections as <meter> elements) to out; the page links /css/report.css for its print styles. */
int report_export_html(const json_t *rec, struct buf *out);

#endif
