/* Which URLs an attachment or a piece of evidence may carry (issue 10): the same-origin file
 * references /api/v1/files/... and absolute http(s) URLs are shown as links; plain relative
 * references are kept as text; anything a browser could run or send elsewhere is refused. */
#ifndef JIESU_URL_H
#define JIESU_URL_H

#include <stdbool.h>

#include "util/err.h"

/* True when s is an absolute http:// or https:// URL with a host (case-insensitive scheme), or
 * a same-origin file reference "/api/v1/files/ID" — what the web UI renders as a link. */
bool url_is_link(const char *s);
/* Checks the url of an attachment: refused (-JS_EINVAL, a Chinese message naming field) when it
 * holds a control character, a space or a backslash, is protocol-relative ("//host"), or has a
 * scheme other than http and https (javascript:, data:, vbscript:, file: ...). Relative
 * references without a scheme ("/files/1", "a.pdf") are accepted and shown as text. */
int url_check_ref(const char *field, const char *s, struct js_error *e);

#endif
