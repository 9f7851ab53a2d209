/* Reading the State Council's yearly notice of public holidays (国务院办公厅关于某年部分节假日安排
 * 的通知) into a calendar year: "一、元旦：1月1日至3日放假调休，共3天。1月4日（周日）上班。" gives
 * the holidays 1-1..1-3 named 元旦 and the swapped working day 1-4. */
#ifndef JIESU_NOTICE_H
#define JIESU_NOTICE_H

#include <jansson.h>

#include "util/err.h"

#define NOTICE_MAX_BYTES 65536 /* a notice is about 1,500 characters */

/* Reads the notice text (UTF-8) for `year` into *out, a new calendar year document as
 * calendar_set_year takes it: {"year", "source", "holidays": [{date, name}], "workdays":
 * [{date, name}]}, dates ascending, named after their festival ("春节", "春节调休上班").
 * Parenthesised remarks (weekdays, lunar dates) are skipped; a date without a year is in `year`
 * (a range that runs past December into the next January too); dates of other years are left out
 * and listed in "other_years" so that the caller can say so. Fails with -JS_EINVAL naming
 * "text" when the notice is of another year, names no holiday, or gives a date that does not
 * exist, a range longer than 15 days, or a working day that is not a Saturday or Sunday. */
int notice_parse(const char *text, int year, json_t **out, struct js_error *e);

#endif
