/* Tests of the order's API summary written as text (order_api_summary_write, what every action
 * answers with): for orders with every field drawn at random, out-of-range enumerations, zero
 * ids, unknown tri-states, strings that need escaping and any number of assignments among
 * them, it is byte for byte the tree's text (jsonw_put of order_api_json's summary form). */
#include "compat.h"
#include "testutil.h"
#include "core/order.h"
#include "http/res_orders.h"
#include "util/err.h"
#include "util/jsonw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned next(unsigned n)
{
    return tu_rand(&rng, n);
}

/* Small numbers most of the time (enumerations in and just out of range, 0 and -1), instants
 * and large ids otherwise. */
static int64_t random_int(void)
{
    switch (next(4)) {
    case 0:
        return (int64_t)next(14) - 2;
    case 1:
        return 0;
    case 2:
        return 1700000000 + (int64_t)next(200000000);
    default:
        return (int64_t)next(1u << 30) * (next(2) ? 1 : -1);
    }
}

static const char *random_text(void)
{
    static const char *const texts[] = {"",
                                        "多福巷12号旁工地每晚11点后仍在施工",
                                        "quote \" and \\",
                                        "tab\tnl\n",
                                        "\x01\x1f",
                                        "😀 emoji",
                                        "plain"};
    return texts[next(JS_ARRAY_LEN(texts))];
}

static void random_order(struct order *o)
{
    size_t n;
    const struct order_field *fs = order_field_list(&n);
    for (size_t i = 0; i < n; i++) {
        const struct order_field *f = &fs[i];
        switch (f->kind) {
        case OF_INT:
        case OF_BOOL:
            order_field_set_int(o, f, f->kind == OF_BOOL ? next(2) : random_int());
            break;
        case OF_REAL:
            order_field_set_real(o, f, ((double)next(2000000) - 1e6) / 7919.0);
            break;
        case OF_CHARS:
        case OF_STR:
            assert_int_equal(order_field_set_text(o, f, random_text()), 0);
            break;
        case OF_UNITS:
            o->n_units = (int)next(5);
            for (int u = 0; u < o->n_units; u++) {
                struct assignment *a = &o->units[u];
                a->unit_id = random_int();
                a->role = (int)next(5) - 1; /* -1 and one past the last: out of range */
                a->active = next(2);
                a->return_pending = next(2);
                a->dispatched_at = random_int();
                a->signed_at = random_int();
                a->replied_at = random_int();
                a->returns = (int)next(4);
            }
            break;
        }
    }
}

static void test_summary_text_is_the_trees(void **state)
{
    (void)state;
    struct actor who = {.user_id = 1, .role = ROLE_AGENT};
    for (int i = 0; i < 4000; i++) {
        struct order o;
        order_init(&o);
        random_order(&o);
        int64_t now = 1700000000 + (int64_t)next(300000000);
        json_t *tree = order_api_json(&o, &who, now, false, NULL, NULL);
        assert_non_null(tree);
        struct buf want, got;
        buf_init(&want, 0);
        buf_init(&got, 0);
        assert_int_equal(jsonw_put(&want, tree), 0);
        assert_int_equal(buf_puts(&got, "{\"order\":"), 0);
        assert_int_equal(order_api_summary_write(&got, &o, now), 0);
        assert_string_equal(got.data + strlen("{\"order\":"), want.data);
        buf_release(&want);
        buf_release(&got);
        json_decref(tree);
        order_release(&o);
    }
}

/* A stored string that is not UTF-8 fails the text whole (the tree would drop its key). */
static void test_invalid_text_fails_whole(void **state)
{
    (void)state;
    struct order o;
    order_init(&o);
    assert_int_equal(order_set_str(&o.title, "bad \xff"), 0);
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_puts(&b, "x"), 0);
    assert_int_equal(order_api_summary_write(&b, &o, 1700000000), -JS_EINVAL);
    assert_string_equal(b.data, "x");
    buf_release(&b);
    order_release(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_text_is_the_trees),
        cmocka_unit_test(test_invalid_text_fails_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
