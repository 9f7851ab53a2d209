/* The URLs attachments may carry: links only to our own files and to http(s). */
#include "compat.h"
#include "util/url.h"

#include <string.h>
#include <strings.h>

#define FILES_PREFIX "/api/v1/files/"

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Length of the scheme of s ("javascript" in "javascript:..."), or 0 when s has none. */
static size_t scheme_len(const char *s)
{
    if (!is_alpha(s[0]))
        return 0;
    size_t n = 1;
    while (is_alpha(s[n]) || (s[n] >= '0' && s[n] <= '9') || s[n] == '+' || s[n] == '-' ||
           s[n] == '.')
        n++;
    return s[n] == ':' ? n : 0;
}

bool url_is_link(const char *s)
{
    if (!s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '\\')
            return false;
    if (strncmp(s, FILES_PREFIX, strlen(FILES_PREFIX)) == 0)
        return s[strlen(FILES_PREFIX)] != '\0' && s[strlen(FILES_PREFIX)] != '/';
    size_t n = scheme_len(s);
    if (!((n == 4 && strncasecmp(s, "http", 4) == 0) ||
          (n == 5 && strncasecmp(s, "https", 5) == 0)))
        return false;
    const char *rest = s + n + 1;
    return rest[0] == '/' && rest[1] == '/' && rest[2] && rest[2] != '/';
}

int url_check_ref(const char *field, const char *s, struct js_error *e)
{
    if (!s || !*s)
        return js_fail(e, JS_EINVAL, field, "%s 不能为空", field);
    if (url_is_link(s))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '\\')
            return js_fail(e, JS_EINVAL, field, "%s 含有空白、控制字符或反斜杠，不是有效的链接",
                           field);
    if (s[0] == '/' && s[1] == '/')
        return js_fail(e, JS_EINVAL, field,
                       "%s 不能是协议相对地址（//开头）；请上传文件或填写 http(s) 地址", field);
    if (scheme_len(s))
        return js_fail(e, JS_EINVAL, field,
                       "%s 只接受本系统的文件地址（/api/v1/files/...）或 http(s) 地址", field);
    return 0; /* a relative reference: kept, shown as text */
}
