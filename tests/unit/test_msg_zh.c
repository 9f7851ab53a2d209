/* Tests of the Chinese messages (src/util/err.h, src/util/msg_zh.c): every error code's message
 * is Chinese with no English word in it, every row of the catalogue keeps its English format's
 * conversions in the same order and reads Chinese, and js_fail() writes the Chinese row. */
#include "compat.h"
#include "testutil.h"
#include "util/err.h"
#include "util/msg_zh.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* True when s holds a CJK ideograph (UTF-8 E4..E9 lead bytes: U+4E00..U+9FFF). */
static bool has_cjk(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xE4 && *p <= 0xE9 && (p[1] & 0xC0) == 0x80)
            return true;
    return false;
}

/* Words of three or more ASCII letters that a person would read as English. A word with '_'
 * (a field name like category_id), inside a conversion or a code people type (UTF-8, JSON,
 * YYYY-MM-DD, the 110/119/120 lines, wire names in parentheses) is allowed by the caller. */
static int english_words(const char *s, const char *const *allowed, char *first, size_t n)
{
    int count = 0;
    const char *p = s;
    while (*p) {
        if (*p == '%') { /* skip a conversion */
            p++;
            while (*p && !isalpha((unsigned char)*p))
                p++;
            while (*p && strchr("hlzjt", *p))
                p++;
            if (*p)
                p++;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *w = p;
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.')
            p++;
        size_t len = (size_t)(p - w);
        int letters = 0;
        for (size_t i = 0; i < len; i++)
            letters += isalpha((unsigned char)w[i]) ? 1 : 0;
        if (letters < 3 || memchr(w, '_', len))
            continue;
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strlen(allowed[i]) == len && strncmp(allowed[i], w, len) == 0;
        if (!ok) {
            if (!count)
                snprintf(first, n, "%.*s", (int)len, w);
            count++;
        }
    }
    return count;
}

/* The conversions of a format, e.g. "%s%lld%zu". */
static void conversions(const char *fmt, char *out, size_t n)
{
    size_t o = 0;
    out[0] = '\0';
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        const char *start = p++;
        while (*p && strchr("-+ #0123456789.*", *p))
            p++;
        while (*p && strchr("hlzjt", *p))
            p++;
        if (!*p)
            break;
        int w = snprintf(out + o, n - o, "%.*s", (int)(p - start + 1), start);
        if (w > 0 && (size_t)w < n - o)
            o += (size_t)w;
    }
}

static void test_error_table(void **state)
{
    (void)state;
    static const char *const none[] = {"UTF-8", "JSON", NULL};
    for (int c = 0; c < JS_E_COUNT; c++) {
        const char *m = js_err_message(-c);
        char word[64] = "";
        assert_non_null(m);
        if (!has_cjk(m))
            fail_msg("error %s has no Chinese message: %s", js_err_name(c), m);
        if (english_words(m, none, word, sizeof word))
            fail_msg("error %s's message has the English word '%s': %s", js_err_name(c), word, m);
        /* js_fail without a format writes the table's message */
        struct js_error e;
        assert_int_equal(js_fail(&e, c, "f", NULL), -c);
        assert_string_equal(e.message, m);
    }
}

static void test_catalogue(void **state)
{
    (void)state;
    /* names of things people type or read as such: formats, wire values, products */
    static const char *const allowed[] = {"UTF-8",
                                          "JSON",
                                          "ASCII",
                                          "YYYY-MM-DD",
                                          "YYYY",
                                          "YYYY-MM",
                                          "YYYY-Qn",
                                          "Idempotency-Key",
                                          "PostgreSQL",
                                          "libsodium",
                                          "friso.lex_dir",
                                          "http",
                                          "https",
                                          "api",
                                          "v1",
                                          "orders",
                                          "POST",
                                          "sqlite",
                                          "application",
                                          "json",
                                          "csv",
                                          "xlsx",
                                          "true",
                                          "false",
                                          "days",
                                          "workdays",
                                          "hours",
                                          "limit",
                                          "channel",
                                          "contacts",
                                          "overrides",
                                          "return_window",
                                          "satisfaction",
                                          "satisfied",
                                          "basic",
                                          "unsatisfied",
                                          "settings",
                                          "share",
                                          "unit",
                                          "login",
                                          "lat",
                                          "lon",
                                          "level",
                                          "tier",
                                          "name",
                                          "url",
                                          "kind",
                                          "title",
                                          "text",
                                          "date",
                                          "value",
                                          "source",
                                          "format",
                                          "period",
                                          "from",
                                          "items",
                                          "groups",
                                          "grades",
                                          "kinds",
                                          "indicators",
                                          "params",
                                          "rank",
                                          "group",
                                          "all",
                                          "pending",
                                          "sent",
                                          "failed",
                                          "monthly",
                                          "hotline-12345",
                                          "IPv4",
                                          "IPv6",
                                          "lex_dir",
                                          NULL};
    size_t n = msg_zh_count();
    int english = 0;
    assert_true(n > 300);
    for (size_t i = 0; i < n; i++) {
        const struct msg_zh_pair *p = msg_zh_at(i);
        char a[128], b[128], word[64] = "";
        assert_non_null(p);
        conversions(p->en, a, sizeof a);
        conversions(p->zh, b, sizeof b);
        if (strcmp(a, b) != 0)
            fail_msg("row %zu: \"%s\" has %s, its Chinese \"%s\" has %s", i, p->en, a, p->zh, b);
        if (!has_cjk(p->zh))
            fail_msg("row %zu: \"%s\" is not Chinese", i, p->zh);
        /* the wire names in full-width parentheses, 截止日期（until）, are field names */
        char plain[512];
        size_t o = 0;
        int depth = 0;
        for (const char *q = p->zh; *q && o + 1 < sizeof plain; q++) {
            if (strncmp(q, "（", 3) == 0)
                depth++;
            else if (strncmp(q, "）", 3) == 0 && depth)
                depth--;
            else if (!depth || (unsigned char)*q >= 0x80)
                plain[o++] = *q;
        }
        plain[o] = '\0';
        if (english_words(plain, allowed, word, sizeof word)) {
            print_error("row %zu: \"%s\" has the English word '%s'\n", i, p->zh, word);
            english++;
        }
        assert_ptr_equal(msg_zh(p->en), p->zh);
        for (size_t j = 0; j < i; j++)
            if (strcmp(msg_zh_at(j)->en, p->en) == 0)
                fail_msg("row %zu repeats row %zu: %s", i, j, p->en);
    }
    assert_int_equal(english, 0);
    assert_null(msg_zh("no such English sentence in the catalogue"));
    assert_string_equal(msg_zh_or("不在目录中"), "不在目录中");
    assert_null(msg_zh(NULL));
}

static void test_js_fail_writes_chinese(void **state)
{
    (void)state;
    struct js_error e;
    assert_int_equal(
        js_fail(&e, JS_EWINDOW, "", "the return window closed at %s", "2026年11月22日 09:30"),
        -JS_EWINDOW);
    assert_string_equal(e.message, "退单时限已于 2026年11月22日 09:30 截止");
    js_fail(&e, JS_EINVAL, "limit", "'%s' must be between %d and %d", "limit", 1, 500);
    assert_string_equal(e.message, "“limit”须在 1 到 500 之间");
    assert_string_equal(e.field, "limit");
    js_fail(&e, JS_EUNAUTH, "", "wrong login or password, or the account is disabled");
    assert_string_equal(e.message, "登录名或密码错误，或账号已停用");
    /* a format outside the catalogue is written as it is */
    js_fail(&e, JS_EINVAL, "", "新的说明 %d", 3);
    assert_string_equal(e.message, "新的说明 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_js_fail_writes_chinese),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
