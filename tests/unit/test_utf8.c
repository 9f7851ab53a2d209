/* Tests of cutting UTF-8 on character boundaries: the "%.*s" clip of a quoted value, the trim of a
 * message snprintf cut short, and an error message too long for its buffer staying valid. */
#include "compat.h"
#include "testutil.h"
#include "util/err.h"
#include "util/utf8.h"

#include <stdio.h>
#include <string.h>

static void test_clip(void **state)
{
    (void)state;
    const char *zh = "东城区交道口街道"; /* 8 characters, 24 bytes */
    assert_int_equal(utf8_clip(zh, 64), 24);
    assert_int_equal(utf8_clip(zh, 24), 24);
    /* every cut inside a character falls back to its start */
    for (size_t max = 0; max < 24; max++) {
        int n = utf8_clip(zh, max);
        assert_true(n <= (int)max && n % 3 == 0 && (int)max - n < 3);
        char out[32];
        snprintf(out, sizeof out, "%.*s", n, zh);
        assert_int_not_equal(utf8_len(out), (size_t)-1);
    }
    assert_int_equal(utf8_clip("abc", 2), 2);
    assert_int_equal(utf8_clip(NULL, 5), 0);
    /* mixed: a 4-byte character after ASCII */
    assert_int_equal(utf8_clip("ab😀c", 4), 2);
    assert_int_equal(utf8_clip("ab😀c", 6), 6);
}

static void test_trim(void **state)
{
    (void)state;
    char s[16];
    for (size_t room = 1; room <= sizeof s; room++) {
        snprintf(s, room, "工单%s", "超时了");
        utf8_trim(s);
        assert_int_not_equal(utf8_len(s), (size_t)-1);
        assert_true(strlen(s) % 3 == 0 && strlen(s) + 3 > room - 1);
    }
    char ascii[] = "abc";
    utf8_trim(ascii);
    assert_string_equal(ascii, "abc");
    char whole[] = "完整";
    utf8_trim(whole);
    assert_string_equal(whole, "完整");
}

/* js_fail's message is cut to its buffer; a Chinese argument longer than the room is cut between
 * characters. */
static void test_long_error_message(void **state)
{
    (void)state;
    char arg[4 * sizeof((struct js_error *)0)->message];
    size_t n = 0;
    while (n + 3 < sizeof arg) {
        memcpy(arg + n, "街", 3);
        n += 3;
    }
    arg[n] = '\0';
    for (int shift = 0; shift < 3; shift++) {
        struct js_error e;
        js_error_clear(&e);
        js_fail(&e, JS_EINVAL, "name", "%.*s%s", shift, "ab", arg);
        assert_int_not_equal(utf8_len(e.message), (size_t)-1);
        assert_true(strlen(e.message) + 4 >= sizeof e.message);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_long_error_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
