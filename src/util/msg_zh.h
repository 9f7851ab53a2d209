/* Chinese for the messages people read: the English format strings of refusals and errors
 * (js_fail, http_error) mapped to their Chinese text. */
#ifndef JIESU_UTIL_MSG_ZH_H
#define JIESU_UTIL_MSG_ZH_H

#include <stddef.h>

/* One English format string and its Chinese counterpart (same conversions, same order). */
struct msg_zh_pair {
    const char *en;
    const char *zh;
};

/* The Chinese format for an English one, or NULL when the catalogue has none (NULL en: NULL). */
const char *msg_zh(const char *en);
/* msg_zh(en), or en itself when there is no Chinese row (NULL stays NULL). */
const char *msg_zh_or(const char *en);
/* The Chinese reason of a jansson parse error (json_error_code() of a json_error_t). */
const char *msg_zh_json(int code);
/* Number of rows in the catalogue. */
size_t msg_zh_count(void);
/* Row i (0-based) of the catalogue; NULL past the end. */
const struct msg_zh_pair *msg_zh_at(size_t i);

#endif
