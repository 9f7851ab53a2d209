/* One table of error codes: every function returns 0 or one of these, negated. */
#ifndef JIESU_ERR_H
#define JIESU_ERR_H

/* X(NAME, name, http status, message) */
#define JS_ERR_LIST(X)                                                                             \
    X(OK, "ok", 200, "success")                                                                    \
    X(NOMEM, "no_memory", 500, "out of memory")                                                    \
    X(INVAL, "invalid", 422, "invalid value")                                                      \
    X(BADJSON, "bad_json", 400, "malformed JSON")                                                  \
    X(MISSING, "missing_field", 400, "required field is missing")                                  \
    X(UNKNOWN_FIELD, "unknown_field", 400, "unknown field")                                        \
    X(TYPE, "wrong_type", 400, "field has the wrong type")                                         \
    X(TOOLONG, "too_long", 422, "text is too long")                                                \
    X(UTF8, "bad_utf8", 400, "text is not valid UTF-8")                                            \
    X(TOOLARGE, "too_large", 413, "request body is too large")                                     \
    X(MEDIA, "unsupported_media", 415, "unsupported media type")                                   \
    X(NOTFOUND, "not_found", 404, "not found")                                                     \
    X(EXISTS, "exists", 409, "already exists")                                                     \
    X(CONFLICT, "version_conflict", 409, "the order changed since it was read")                    \
    X(STATE, "bad_state", 409, "action not allowed in the order's current state")                  \
    X(FORBIDDEN, "forbidden", 403, "your role may not do this")                                    \
    X(UNAUTH, "unauthorized", 401, "login required")                                               \
    X(RATELIMIT, "rate_limited", 429, "too many attempts, try again later")                        \
    X(WINDOW, "window_closed", 409, "the time window for this action has passed")                  \
    X(NEEDATTACH, "attachment_required", 422, "a signed attachment is required")                   \
    X(RULE, "rule_violation", 422, "the policy does not allow this")                               \
    X(IO, "io", 500, "input/output error")                                                         \
    X(DB, "database", 500, "database error")                                                       \
    X(BUSY, "busy", 503, "database busy")                                                          \
    X(INTERNAL, "internal", 500, "internal error")

enum js_err {
#define JS_ERR_ENUM(N, name, status, msg) JS_E##N,
    JS_ERR_LIST(JS_ERR_ENUM)
#undef JS_ERR_ENUM
        JS_E_COUNT
};

/* Detail of a failure: which input field, and a sentence for people. */
struct js_error {
    int code;          /* a negative JS_E* value, or 0 */
    char field[64];    /* the offending field, "" if none */
    char message[256]; /* human-readable reason */
};

/* Name of an error code (accepts negative or positive), e.g. "bad_state". */
const char *js_err_name(int code);
/* Default message of an error code. */
const char *js_err_message(int code);
/* HTTP status that the code maps to. */
int js_err_status(int code);
/* Fills e (may be NULL) and returns -code_abs. The message is printf-formatted. */
int js_fail(struct js_error *e, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Resets e to "no error". */
void js_error_clear(struct js_error *e);

#endif
