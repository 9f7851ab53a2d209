/* Writing a jansson value as compact JSON text straight into a buf: what every answer and every
 * stored event payload goes through, without json_dumps' per-token callbacks and printf. */
#ifndef JIESU_JSONW_H
#define JIESU_JSONW_H

#include <jansson.h>

#include "util/buf.h"

/* Appends v to b as compact JSON, byte for byte what json_dumps(v, JSON_COMPACT |
 * JSON_ENCODE_ANY) writes: keys in their insertion order, non-ASCII as UTF-8, only '"', '\' and
 * control characters escaped. Returns 0; -JS_EINVAL when v is NULL, holds a string that is not
 * valid UTF-8 or nests deeper than 2,048 levels (as a loop would); -JS_ENOMEM or -JS_ETOOLARGE
 * from b. On failure b is as it was. */
int jsonw_put(struct buf *b, const json_t *v);

/* Appends the n bytes at s as a JSON string, quoted and escaped as jsonw_put writes a string.
 * Returns 0; -JS_EINVAL when s is not valid UTF-8; -JS_ENOMEM or -JS_ETOOLARGE from b. On
 * failure b is as it was. */
int jsonw_put_str(struct buf *b, const char *s, size_t n);

/* v as compact JSON text (as jsonw_put writes it) in a malloc'ed string the caller frees, or
 * NULL when jsonw_put fails. */
char *jsonw_dumps(const json_t *v);

#endif
