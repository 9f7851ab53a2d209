/* Tests of the duplicate/repeat scorer (src/text/dup.c): unit cases, and the quality gate on the
 * labelled pairs of tests/data/dup_pairs.csv (precision >= 0.9 and recall >= 0.8 at
 * DUP_THRESHOLD over all pairs). */
#include "compat.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/dup.h"
#include "util/csv.h"

static struct segmenter *seg(void)
{
    struct segmenter *s = segmenter_default();
    if (!s)
        fail_msg("the default segmenter did not open (friso or OpenCC missing?)");
    return s;
}

static double score2(const struct dup_doc *a, const struct dup_doc *b, struct dup_why *why)
{
    struct dup_sig sa, sb;
    assert_int_equal(dup_sig_make(seg(), a, &sa), 0);
    assert_int_equal(dup_sig_make(seg(), b, &sb), 0);
    double s = dup_score(&sa, &sb, why);
    assert_true(s >= 0 && s <= 1);
    assert_true(s == dup_score(&sb, &sa, NULL)); /* symmetric */
    if (why)
        print_message("score %.3f cos %.2f cont %.2f title %.2f place %.2f region_conflict %d\n", s,
                      why->cosine, why->containment, why->title, why->place, why->region_conflict);
    dup_sig_release(&sa);
    dup_sig_release(&sb);
    return s;
}

static void test_same_caller_same_place(void **state)
{
    (void)state;
    struct dup_doc a = {
        .title = "丽发新城小区旁建搅拌站噪音扰民",
        .text = "A2区暮云街道丽发新城小区旁边新建了搅拌站，每天晚上噪音很大，灰尘满天飞。",
        .phone = "13800000001",
        .created_at = 1570000000};
    struct dup_doc b = {
        .title = "再次投诉丽发新城搅拌站",
        .text = "我是A2区丽发新城小区业主，小区旁的搅拌站彻夜施工，噪音和粉尘严重，请处理。",
        .phone = "13800000001",
        .created_at = 1570000000 + 3 * 86400};
    struct dup_why why;
    double s = score2(&a, &b, &why);
    assert_true(s >= DUP_THRESHOLD);
    assert_true(why.same_phone);
    assert_true(why.same_place);
    assert_true(why.same_region);
    assert_true(why.text > 0.1);
    assert_int_equal(why.gap_seconds, 3 * 86400);
    assert_true(why.n_terms >= 1);

    json_t *j = dup_why_json(&why);
    assert_non_null(j);
    char *dump = json_dumps(j, 0);
    assert_non_null(strstr(dump, "同一来电人"));
    assert_non_null(strstr(dump, "同一地址"));
    assert_non_null(strstr(dump, "内容相似度"));
    assert_non_null(strstr(dump, "\"code\": \"same_phone\""));
    free(dump);
    json_decref(j);
}

static void test_same_estate_other_problem(void **state)
{
    (void)state;
    struct dup_doc a = {
        .title = "A3区青山家园小区电梯故障频发",
        .text = "A3区青山家园小区5栋的两台电梯经常困人，维修资金迟迟不批，请督促物业维修电梯。"};
    struct dup_doc b = {
        .title = "A3区青山家园小区楼下夜宵摊油烟扰民",
        .text = "A3区青山家园小区临街夜宵摊每天营业到凌晨，油烟直排，噪音大，居民无法休息。"};
    struct dup_why why;
    double s = score2(&a, &b, &why);
    assert_false(why.place_conflict);
    assert_true(why.same_place);
    /* the same estate alone is no duplicate: the problems differ */
    assert_true(s < DUP_THRESHOLD);
}

static void test_same_problem_other_place(void **state)
{
    (void)state;
    struct dup_doc a = {
        .title = "A5区劳动东路魅力之城小区临街门面烧烤夜宵摊",
        .text = "A5区劳动东路魅力之城小区临街夜宵摊烧烤摊24小时经营，油烟扰民，违法经营。"};
    struct dup_doc b = {
        .title = "A3区梅溪湖看云路润芳园小区临街门面烧烤夜宵摊",
        .text = "A3区梅溪湖看云路润芳园小区临街夜宵摊烧烤摊24小时经营，油烟扰民，违法经营。"};
    struct dup_why why;
    double s = score2(&a, &b, &why);
    assert_true(why.region_conflict || why.place_conflict);
    assert_true(s < DUP_THRESHOLD);

    /* the place conflict alone, without district codes, is enough */
    struct dup_doc c = {.title = "劳动东路魅力之城小区临街门面烧烤夜宵摊",
                        .text =
                            "劳动东路魅力之城小区临街夜宵摊烧烤摊24小时经营，油烟扰民，违法经营。"};
    struct dup_doc d = {
        .title = "梅溪湖看云路润芳园小区临街门面烧烤夜宵摊",
        .text = "梅溪湖看云路润芳园小区临街夜宵摊烧烤摊24小时经营，油烟扰民，违法经营。"};
    s = score2(&c, &d, &why);
    assert_false(why.region_conflict);
    assert_true(why.place_conflict);
    assert_true(why.text > 0.7);
    assert_true(s < DUP_THRESHOLD);
}

static void test_traditional(void **state)
{
    (void)state;
    struct dup_doc a = {.title = "停車場收費過高",
                        .text = "幸福里小區地下停車場每小時收費十元，業主無法承受。"};
    struct dup_doc b = {.title = "停车场收费过高",
                        .text = "幸福里小区地下停车场每小时收费十元，业主无法承受。"};
    struct dup_why why;
    double s = score2(&a, &b, &why);
    assert_true(s > 0.95);
    assert_true(why.cosine > 0.99);
}

static void test_empty(void **state)
{
    (void)state;
    struct dup_doc a = {0}, b = {.title = "路灯不亮"};
    struct dup_why why;
    assert_true(score2(&a, &b, &why) < DUP_THRESHOLD);
    assert_false(why.same_phone);
    dup_sig_release(NULL);
}

/* Message id → sig, for the quality gate. */
struct msg {
    long id;
    struct dup_sig sig;
};

static int cmp_msg(const void *a, const void *b)
{
    long x = ((const struct msg *)a)->id, y = ((const struct msg *)b)->id;
    return x < y ? -1 : x > y;
}

static void test_labelled_pairs(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/messages_with_votes.csv", tu_shared());
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    struct csv_reader r;
    struct js_error e;
    bool got;
    csv_init(&r, f, 0);
    assert_int_equal(csv_next(&r, &got, &e), 0);
    int c_id = csv_find(&r, "id"), c_user = csv_find(&r, "user"), c_title = csv_find(&r, "title"),
        c_text = csv_find(&r, "text");
    assert_true(c_id >= 0 && c_user >= 0 && c_title >= 0 && c_text >= 0);
    struct msg *m = NULL;
    int n = 0, cap = 0;
    while (csv_next(&r, &got, &e) == 0 && got) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            struct msg *grown = realloc(m, (size_t)cap * sizeof *m);
            assert_non_null(grown);
            m = grown;
        }
        m[n].id = atol(csv_field(&r, c_id));
        struct dup_doc d = {.title = csv_field(&r, c_title),
                            .text = csv_field(&r, c_text),
                            .phone = csv_field(&r, c_user)};
        assert_int_equal(dup_sig_make(seg(), &d, &m[n].sig), 0);
        n++;
    }
    csv_release(&r);
    fclose(f);
    qsort(m, (size_t)n, sizeof *m, cmp_msg);

    f = fopen(JIESU_SOURCE_DIR "/tests/data/dup_pairs.csv", "r");
    assert_non_null(f);
    csv_init(&r, f, 0);
    assert_int_equal(csv_next(&r, &got, &e), 0);
    int c_a = csv_find(&r, "id_a"), c_b = csv_find(&r, "id_b"), c_l = csv_find(&r, "label");
    int tp = 0, fp = 0, fn = 0, pos = 0, neg = 0;
    while (csv_next(&r, &got, &e) == 0 && got) {
        struct msg ka = {.id = atol(csv_field(&r, c_a))}, kb = {.id = atol(csv_field(&r, c_b))};
        struct msg *a = bsearch(&ka, m, (size_t)n, sizeof *m, cmp_msg);
        struct msg *b = bsearch(&kb, m, (size_t)n, sizeof *m, cmp_msg);
        assert_non_null(a);
        assert_non_null(b);
        int label = atoi(csv_field(&r, c_l));
        bool yes = dup_score(&a->sig, &b->sig, NULL) >= DUP_THRESHOLD;
        tp += yes && label;
        fp += yes && !label;
        fn += !yes && label;
        pos += label;
        neg += !label;
    }
    csv_release(&r);
    fclose(f);
    double p = (double)tp / (tp + fp), rec = (double)tp / (tp + fn);
    print_message("dup pairs: %d positive, %d negative; precision %.3f recall %.3f\n", pos, neg, p,
                  rec);
    assert_true(pos >= 150 && neg >= 300);
    assert_true(p >= 0.9);
    assert_true(rec >= 0.8);
    for (int i = 0; i < n; i++)
        dup_sig_release(&m[i].sig);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_caller_same_place),
        cmocka_unit_test(test_same_estate_other_problem),
        cmocka_unit_test(test_same_problem_other_place),
        cmocka_unit_test(test_traditional),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_labelled_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
