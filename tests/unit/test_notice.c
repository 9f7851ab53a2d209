/* Tests of reading the State Council's holiday notice: the 2025 and 2026 notices as published
 * give exactly the calendars shipped in calendars/ (dates and names); a range running into the
 * next year, a notice of another year, a date that does not exist, an over-long range, a
 * swapped working day on a weekday and a text without holidays are refused or reported. */
#include "compat.h"
#include "testutil.h"

#include <jansson.h>
#include <string.h>

#include "core/notice.h"

static const char notice_2026[] =
    "国务院办公厅关于2026年部分节假日安排的通知\n"
    "国办发明电〔2025〕7号\n"
    "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
    "经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体"
    "安排通知如下。\n"
    "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n"
    "二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日"
    "（周六）、2月28日（周六）上班。\n"
    "三、清明节：4月4日（周六）至6日（周一）放假，共3天。\n"
    "四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。\n"
    "五、端午节：6月19日（周五）至21日（周日）放假，共3天。\n"
    "六、中秋节：9月25日（周五）至27日（周日）放假，共3天。\n"
    "七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班"
    "。\n"
    "节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报"
    "告"
    "并妥善处置，确保人民群众祥和平安度过节日假期。\n"
    "国务院办公厅\n"
    "2025年11月4日\n";

static const char notice_2025[] =
    "国务院办公厅关于2025年部分节假日安排的通知\n"
    "一、元旦：1月1日（周三）放假1天，不调休。\n"
    "二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日"
    "（周日）、2月8日（周六）上班。\n"
    "三、清明节：4月4日（周五）至6日（周日）放假，共3天。\n"
    "四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。\n"
    "五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。\n"
    "六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周"
    "六）上班。\n";

/* The shipped calendar file of year, parsed. */
static json_t *shipped_year(int year)
{
    char path[512];
    snprintf(path, sizeof path, "%s/calendars/cn-%d.json", JIESU_SOURCE_DIR, year);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

/* The list key of a (holidays or workdays) equals that of b, date and name. */
static void same_list(const json_t *a, const json_t *b, const char *key)
{
    const json_t *x = json_object_get(a, key), *y = json_object_get(b, key);
    char *xs = json_dumps(x, JSON_COMPACT), *ys = json_dumps(y, JSON_COMPACT);
    if (!json_equal(x, y))
        fail_msg("%s differ:\n read    %s\n shipped %s", key, xs, ys);
    free(xs);
    free(ys);
}

static void read_as_shipped(const char *text, int year)
{
    json_t *doc = NULL, *want = shipped_year(year);
    struct js_error e;
    if (notice_parse(text, year, &doc, &e))
        fail_msg("notice %d: %s (%s)", year, e.message, e.field);
    same_list(doc, want, "holidays");
    same_list(doc, want, "workdays");
    assert_int_equal(json_integer_value(json_object_get(doc, "year")), year);
    assert_int_equal(json_array_size(json_object_get(doc, "other_years")), 0);
    json_decref(doc);
    json_decref(want);
}

static void test_notices_as_shipped(void **state)
{
    (void)state;
    read_as_shipped(notice_2026, 2026);
    read_as_shipped(notice_2025, 2025);
}

static void test_across_the_new_year(void **state)
{
    (void)state;
    json_t *doc = NULL;
    struct js_error e;
    /* full-width digits, a range into January of the next year, an ASCII colon */
    assert_int_equal(notice_parse("一、元旦:１２月３１日至1月2日放假调休，共3天。", 2026, &doc, &e),
                     0);
    const json_t *h = json_object_get(doc, "holidays");
    assert_int_equal(json_array_size(h), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "date")),
                        "2026-12-31");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 0), "name")), "元旦");
    const json_t *o = json_object_get(doc, "other_years");
    assert_int_equal(json_array_size(o), 2);
    assert_string_equal(json_string_value(json_array_get(o, 0)), "2027-01-01");
    json_decref(doc);
}

static void refused(const char *text, int year, const char *says)
{
    json_t *doc = NULL;
    struct js_error e;
    assert_int_equal(notice_parse(text, year, &doc, &e), -JS_EINVAL);
    assert_null(doc);
    assert_string_equal(e.field, year < 2000 ? "year" : "text");
    if (!strstr(e.message, says))
        fail_msg("'%s' does not say '%s'", e.message, says);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("", 2026, "为空");
    refused(notice_2026, 2027, "2026年的节假日安排");
    refused("今年天气很好，按时上下班。", 2026, "未能从通知中读出");
    refused("一、春节：2月30日至3月2日放假。", 2026, "不存在");
    refused("一、春节：1月1日至30日放假。", 2026, "不合理");
    /* 2026-01-05 is a Monday: it cannot be a swapped working day */
    refused("一、元旦：1月1日至3日放假。1月5日上班。", 2026, "不合规定");
    refused("一、元旦：1月1日至3日放假。1月3日上班。", 2026, "既是放假日又是上班日");
    refused(notice_2026, 1999, "年份");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notices_as_shipped),
        cmocka_unit_test(test_across_the_new_year),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("holiday notice", tests, NULL, NULL);
}
