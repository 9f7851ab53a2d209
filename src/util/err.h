/* One table of error codes: every function returns 0 or one of these, negated. */
#ifndef JIESU_ERR_H
#define JIESU_ERR_H

/* X(NAME, name, http status, message): the message is the Chinese sentence people read. */
#define JS_ERR_LIST(X)                                                                             \
    X(OK, "ok", 200, "成功")                                                                       \
    X(NOMEM, "no_memory", 500, "内存不足")                                                         \
    X(INVAL, "invalid", 422, "填写的值无效")                                                       \
    X(BADJSON, "bad_json", 400, "请求格式错误（JSON 无效）")                                       \
    X(MISSING, "missing_field", 400, "缺少必填项")                                                 \
    X(UNKNOWN_FIELD, "unknown_field", 400, "包含未知字段")                                         \
    X(TYPE, "wrong_type", 400, "字段类型错误")                                                     \
    X(TOOLONG, "too_long", 422, "内容过长")                                                        \
    X(UTF8, "bad_utf8", 400, "文字编码无效（须为 UTF-8）")                                         \
    X(TOOLARGE, "too_large", 413, "请求内容过大")                                                  \
    X(MEDIA, "unsupported_media", 415, "不支持的内容类型")                                         \
    X(NOTFOUND, "not_found", 404, "对象不存在，或您无权查看")                                      \
    X(EXISTS, "exists", 409, "已存在")                                                             \
    X(CONFLICT, "version_conflict", 409, "工单已被他人更新，请刷新后重试")                         \
    X(STATE, "bad_state", 409, "当前状态下不能执行此操作")                                         \
    X(FORBIDDEN, "forbidden", 403, "您的角色无权执行此操作")                                       \
    X(UNAUTH, "unauthorized", 401, "请先登录")                                                     \
    X(RATELIMIT, "rate_limited", 429, "尝试次数过多，请稍后再试")                                  \
    X(WINDOW, "window_closed", 409, "已超出规定时限")                                              \
    X(NEEDATTACH, "attachment_required", 422, "须上传主管领导签署意见的说明附件")                  \
    X(RULE, "rule_violation", 422, "不符合办理规定")                                               \
    X(IO, "io", 500, "读写出错")                                                                   \
    X(DB, "database", 500, "数据库出错")                                                           \
    X(BUSY, "busy", 503, "系统繁忙，请稍后再试")                                                   \
    X(INTERNAL, "internal", 500, "系统内部错误")                                                   \
    X(CANCELED, "canceled", 503, "操作已中止")

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
