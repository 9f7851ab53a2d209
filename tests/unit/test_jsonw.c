/* Tests of jsonw: the compact JSON text it writes is json_dumps' own, byte for byte, for every
 * kind of value, every character that needs escaping, and random trees; a string that is not
 * valid UTF-8 is refused as json_dumps refuses it, leaving the buffer as it was. */
#include "compat.h"
#include "testutil.h"
#include "util/err.h"
#include "util/jsonw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* jsonw's text of v equals json_dumps' (both fail, or both write the same bytes). */
static void same_as_jansson(const json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "prefix:"), 0);
    int rc = jsonw_put(&b, v);
    if (!want) {
        assert_int_equal(rc, -JS_EINVAL);
        assert_string_equal(b.data, "prefix:"); /* nothing of the refused value stays */
    } else {
        assert_int_equal(rc, 0);
        assert_string_equal(b.data + 7, want);
    }
    buf_release(&b);
    free(want);
}

static void test_values(void **state)
{
    (void)state;
    json_t *cases[] = {
        json_object(),
        json_array(),
        json_integer(0),
        json_integer(-1),
        json_integer(INT64_MAX),
        json_integer(INT64_MIN),
        json_real(0.1),
        json_real(-3.0),
        json_real(1e300),
        json_real(116.397128),
        json_true(),
        json_false(),
        json_null(),
        json_string(""),
        json_string("小区夜间施工噪音扰民，😀 and ASCII"),
        json_string("quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f"),
        json_stringn("nul \0 inside", 12),
        json_pack("{s:i, s:s, s:[i, s, {}], s:{s:n, s:b}}", "id", 42, "title", "噪音", "list", 1,
                  "两", "nested", "a", "b", 1),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_non_null(cases[i]);
        same_as_jansson(cases[i]);
        json_decref(cases[i]);
    }
    /* every control character and DEL */
    for (int c = 1; c < 0x80; c++) {
        char s[4] = {'a', (char)c, 'z', 0};
        json_t *v = json_string(s);
        same_as_jansson(v);
        json_decref(v);
    }
    /* a key that needs escaping, and insertion order kept after a replace */
    json_t *o = json_object();
    json_object_set_new(o, "z\"k\n", json_integer(1));
    json_object_set_new(o, "a", json_integer(2));
    json_object_set_new(o, "z\"k\n", json_string("replaced"));
    same_as_jansson(o);
    json_decref(o);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x80",
        "\xC0\xAF",
        "\xC1\xBF",
        "\xE0\x80\xAF",     /* overlong */
        "\xED\xA0\x80",     /* a surrogate */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xF5\x80\x80\x80",
        "\xE4\xB8", /* cut short */
        "ok\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_stringn_nocheck(bad[i], strlen(bad[i]));
        json_t *o = json_pack("{s:i, s:o}", "before", 1, "bad", v);
        same_as_jansson(v);
        same_as_jansson(o); /* fails as a whole, though "before" was written */
        json_decref(o);
    }
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(jsonw_put(&b, NULL), -JS_EINVAL);
    buf_release(&b);
    assert_null(jsonw_dumps(NULL));
}

static uint64_t rng = 88172645463325252u;

static unsigned next(unsigned n)
{
    return tu_rand(&rng, n);
}

static json_t *random_value(int depth)
{
    static const char *const pieces[] = {"",  "a", "多福巷12号", "\"", "\\", "\n",   "\x01", "\x1f",
                                         "😀", "/", " ",          "{",  "é",  "\t\r", "x\x7f"};
    switch (next(depth > 4 ? 5 : 7)) {
    case 0:
        return json_integer((json_int_t)(next(1u << 31)) * (next(2) ? 1 : -1) *
                            (next(3) ? 1 : 1000003));
    case 1:
        return json_real((double)next(100000) / 7.0);
    case 2: {
        char s[128] = "";
        for (unsigned k = next(6); k > 0; k--)
            strncat(s, pieces[next(sizeof pieces / sizeof pieces[0])], sizeof s - strlen(s) - 1);
        return json_string(s);
    }
    case 3:
        return next(3) == 0 ? json_null() : json_boolean(next(2));
    case 4:
        return json_string(pieces[next(sizeof pieces / sizeof pieces[0])]);
    case 5: {
        json_t *a = json_array();
        for (unsigned k = next(5); k > 0; k--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned k = next(6); k > 0; k--) {
            char key[32];
            snprintf(key, sizeof key, "%s%u", pieces[next(sizeof pieces / sizeof pieces[0])],
                     next(50));
            json_object_set_new(o, key, random_value(depth + 1));
        }
        return o;
    }
    }
}

static void test_random_trees(void **state)
{
    (void)state;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(0);
        same_as_jansson(v);
        char *text = jsonw_dumps(v);
        assert_non_null(text);
        json_t *back = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(back);
        assert_true(json_equal(v, back));
        json_decref(back);
        free(text);
        json_decref(v);
    }
}

static void test_depth_and_limit(void **state)
{
    (void)state;
    /* nesting past the cap is refused, as a loop would be */
    json_t *top = json_array(), *cur = top;
    for (int i = 0; i < 3000; i++) {
        json_t *next_a = json_array();
        json_array_append_new(cur, next_a);
        cur = next_a;
    }
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(jsonw_put(&b, top), -JS_EINVAL);
    assert_int_equal(b.len, 0);
    buf_release(&b);
    json_decref(top);
    /* the buffer's cap: refused whole */
    json_t *s = json_string("0123456789abcdef");
    buf_init(&b, 10);
    assert_int_equal(jsonw_put(&b, s), -JS_ETOOLARGE);
    assert_int_equal(b.len, 0);
    buf_release(&b);
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_random_trees),
        cmocka_unit_test(test_depth_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
