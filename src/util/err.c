/* The error table's names, messages and statuses, and the helper that records a failure (its
 * message in Chinese, from util/msg_zh.c). */
#include "compat.h"
#include "util/err.h"
#include "util/msg_zh.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int status;
    const char *msg;
} table[] = {
#define JS_ERR_ROW(N, name, status, msg) {name, status, msg},
    JS_ERR_LIST(JS_ERR_ROW)
#undef JS_ERR_ROW
};

static int idx(int code)
{
    if (code < 0)
        code = -code;
    return code < JS_E_COUNT ? code : JS_EINTERNAL;
}

const char *js_err_name(int code)
{
    return table[idx(code)].name;
}

const char *js_err_message(int code)
{
    return table[idx(code)].msg;
}

int js_err_status(int code)
{
    return table[idx(code)].status;
}

void js_error_clear(struct js_error *e)
{
    if (!e)
        return;
    e->code = 0;
    e->field[0] = '\0';
    e->message[0] = '\0';
}

int js_fail(struct js_error *e, int code, const char *field, const char *fmt, ...)
{
    int c = -idx(code);
    if (e) {
        e->code = c;
        snprintf(e->field, sizeof e->field, "%s", field ? field : "");
        if (fmt) {
            /* People read the message: the Chinese row of fmt, which has the same conversions
             * in the same order (tests/unit/test_msg_zh.c checks every row). */
            const char *zh = msg_zh_or(fmt);
            va_list ap;
            va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
            vsnprintf(e->message, sizeof e->message, zh, ap);
#pragma GCC diagnostic pop
            va_end(ap);
            utf8_trim(e->message); /* a long message cut mid-character would not be JSON */
        } else {
            snprintf(e->message, sizeof e->message, "%s", js_err_message(c));
        }
    }
    return c;
}
