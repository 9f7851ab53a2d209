/* Reading typed fields out of a JSON object, with errors that name the field and the reason. */
#ifndef JIESU_JFIELD_H
#define JIESU_JFIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"
#include "util/utf8.h"

/* Fails with JS_EUNKNOWN_FIELD naming the first key of obj that is not in the NULL-terminated
 * list allowed; JS_ETYPE if obj is not an object. */
int jf_known(const json_t *obj, const char *const *allowed, struct js_error *e);

/* Reads a string field. Absent or null: *out = NULL and 0, unless required (JS_EMISSING).
 * maxchars bounds its length in characters (code points); 0 means no bound. Empty strings are
 * refused when required. The string is borrowed from obj. */
int jf_str(const json_t *obj, const char *key, bool required, size_t maxchars, const char **out,
           struct js_error *e);
/* Reads an integer field in [min, max]. Absent: *out keeps its value, unless required. */
int jf_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
           int64_t *out, struct js_error *e);
/* Reads a boolean field. Absent: *out keeps its value, unless required. */
int jf_bool(const json_t *obj, const char *key, bool required, bool *out, struct js_error *e);
/* Reads a string field that must be one of the NULL-terminated names; *out is its index.
 * Absent: *out keeps its value, unless required. */
int jf_enum(const json_t *obj, const char *key, bool required, const char *const *names, int *out,
            struct js_error *e);
/* Reads an instant given as an ISO-8601 string (see jtime_parse). */
int jf_time(const json_t *obj, const char *key, bool required, int64_t *out, struct js_error *e);
/* Reads an array field of at most maxn items; *out borrowed, NULL when absent. */
int jf_array(const json_t *obj, const char *key, bool required, size_t maxn, json_t **out,
             struct js_error *e);
#endif
