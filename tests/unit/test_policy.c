/* Tests of the policy presets and of policy.c: every preset loads, its values match the seeds,
 * overrides apply and are marked, and bad input is refused with the key named. */
#include "compat.h"
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/model.h"
#include "core/policy.h"
#include "util/shipped.h"

#define N_SETTINGS 38 /* keys of struct policy other than preset and doc */

/* The preset file of name, parsed (json_decref it). */
static json_t *preset_file(const char *name)
{
    char path[1024];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/%s.json", shipped_preset_dir(), name);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        fail_msg("%s: line %d: %s", path, jerr.line, jerr.text);
    return doc;
}

static void load(struct policy *p, const char *name, const char *overrides_text)
{
    struct js_error e;
    json_t *ov = overrides_text ? json_loads(overrides_text, 0, NULL) : NULL;
    if (overrides_text)
        assert_non_null(ov);
    int rc = policy_load(p, tu_shipped(), name, ov, &e);
    if (rc)
        fail_msg("%s: %s (%s): %s", name, js_err_name(rc), e.field, e.message);
    json_decref(ov);
}

/* Applies overrides to the dongcheng preset and expects failure code with field. */
static void expect_override_error(const char *overrides_text, int code, const char *field)
{
    struct policy p;
    struct js_error e;
    json_t *ov = json_loads(overrides_text, 0, NULL);
    assert_non_null(ov);
    memset(&p, 0x5a, sizeof p);
    int rc = policy_load(&p, tu_shipped(), "dongcheng-2016", ov, &e);
    if (rc != -code || strcmp(e.field, field) != 0)
        fail_msg("%s: got %s field '%s', expected %s field '%s'", overrides_text, js_err_name(rc),
                 rc ? e.field : "", js_err_name(code), field);
    assert_null(p.doc);
    assert_string_equal(p.preset, "");
    json_decref(ov);
}

static void test_names_list(void **state)
{
    (void)state;
    size_t n = 0;
    while (policy_preset_names[n])
        n++;
    assert_int_equal(n, 5);
    assert_string_equal(policy_preset_names[0], "dongcheng-2016");
    assert_string_equal(policy_preset_names[4], "beijing-2020");
}

/* Every preset loads, and every one of its values comes back out of the struct unchanged: the
 * display document is built from the struct, so this shows each key reached its field. */
static void test_every_preset_roundtrips(void **state)
{
    (void)state;
    for (int i = 0; policy_preset_names[i]; i++) {
        const char *name = policy_preset_names[i];
        struct policy p;
        load(&p, name, NULL);
        assert_string_equal(p.preset, name);
        json_t *file = preset_file(name);
        json_t *fset = json_object_get(file, "settings");
        json_t *dset = json_object_get(p.doc, "settings");
        assert_int_equal(json_object_size(fset), N_SETTINGS);
        assert_int_equal(json_object_size(dset), N_SETTINGS);
        assert_string_equal(json_string_value(json_object_get(p.doc, "preset")), name);
        assert_true(json_equal(json_object_get(p.doc, "title"), json_object_get(file, "title")));
        const char *key;
        json_t *entry;
        json_object_foreach(fset, key, entry)
        {
            json_t *d = json_object_get(dset, key);
            assert_non_null(d);
            if (!json_equal(json_object_get(d, "value"), json_object_get(entry, "value")))
                fail_msg("%s: %s does not round-trip", name, key);
            assert_true(json_equal(json_object_get(d, "source"), json_object_get(entry, "source")));
            assert_true(json_is_false(json_object_get(d, "overridden")));
            assert_null(json_object_get(d, "preset_value"));
        }
        json_decref(file);
        policy_release(&p);
        assert_null(p.doc);
    }
}

/* Each source names the preset's seed (e.g. "000 art. 9") or says it is a default. */
static void test_every_source_is_named(void **state)
{
    (void)state;
    for (int i = 0; policy_preset_names[i]; i++) {
        json_t *file = preset_file(policy_preset_names[i]);
        const char *seed = json_string_value(json_object_get(file, "seed"));
        assert_non_null(seed);
        char prefix[8];
        snprintf(prefix, sizeof prefix, "%.3s ", seed);
        char seedpath[1024];
        snprintf(seedpath, sizeof seedpath, "%s/seeds/%s", tu_shared(), seed);
        FILE *f = fopen(seedpath, "r");
        if (!f)
            fail_msg("%s: seed file %s not found", policy_preset_names[i], seedpath);
        fclose(f);
        assert_true(strlen(json_string_value(json_object_get(file, "title"))) > 0);
        const char *key;
        json_t *entry;
        json_object_foreach(json_object_get(file, "settings"), key, entry)
        {
            const char *src = json_string_value(json_object_get(entry, "source"));
            if (!src || !src[0])
                fail_msg("%s: %s has no source", policy_preset_names[i], key);
            bool cited = strncmp(src, prefix, 4) == 0;
            bool dflt = strncmp(src, "default: ", 9) == 0 && strlen(src) > 30;
            if (!cited && !dflt)
                fail_msg("%s: source of %s neither cites %s nor explains a default: %s",
                         policy_preset_names[i], key, prefix, src);
        }
        json_decref(file);
    }
}

static void test_dongcheng_matches_seed(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "dongcheng-2016", NULL);
    assert_int_equal(p.return_window, 2); /* 000 art. 9 */
    assert_int_equal(p.return_window_unit, SPAN_DAYS);
    assert_true(p.return_needs_basis);
    assert_true(p.second_return_needs_attachment);
    assert_int_equal(p.coordination_threshold, 3);    /* art. 11 */
    assert_int_equal(p.supervision_answer_hours, 24); /* art. 10 */
    assert_true(p.verify_upstream);                   /* art. 7 */
    assert_false(p.first_handler_duty);
    assert_true(p.forced_close_hours > 0); /* art. 19(4) has forced closure */
    assert_false(p.reply_needs_sign_approval);
    assert_false(p.late_return_allowed); /* art. 9 须在2天内进行回退 */
    assert_string_equal(p.scheme, "dongcheng-2016");
    policy_release(&p);
}

static void test_linshu_matches_seed(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "linshu-2020", NULL);
    assert_int_equal(p.return_window, 1); /* 001 §二(三) */
    assert_int_equal(p.return_window_unit, SPAN_WORKDAYS);
    assert_true(p.first_handler_duty);
    assert_int_equal(p.reopen_warning, 2);    /* §二(五) */
    assert_int_equal(p.special_report, 3);    /* §二(六) */
    assert_true(p.reply_needs_sign_approval); /* §二(二) 签批 */
    assert_true(p.late_return_allowed);       /* 附件 三(一)2(2) 超期回退扣0.2分 */
    assert_string_equal(p.scheme, "linshu-2020");
    policy_release(&p);
}

static void test_tianning_matches_seed(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "tianning-2013", NULL);
    assert_int_equal(p.default_limit, 5); /* 003 art. 13 */
    assert_int_equal(p.default_limit_unit, SPAN_WORKDAYS);
    assert_int_equal(p.feedback_limit_workdays, 5);
    assert_true(p.first_handler_duty); /* art. 17 首接负责制 */
    assert_false(p.callback_required_for_answer);
    assert_string_equal(p.scheme, "tianning-2013"); /* art. 19 with art. 13(1) */
    policy_release(&p);
}

static void test_beijing_matches_seed(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "beijing-2020", NULL);
    assert_int_equal(p.tier_hours[TIER_H2], 2);
    assert_int_equal(p.tier_hours[TIER_H24], 24);
    assert_int_equal(p.tier_days[TIER_D7], 7);
    assert_int_equal(p.tier_days[TIER_D15], 15);
    assert_int_equal(p.tier_hours[TIER_NONE], 0);
    assert_int_equal(p.tier_days[TIER_H2], 0);
    assert_string_equal(p.scheme, "beijing-2020");
    assert_true(p.first_handler_duty); /* 首接单位负责制 */
    policy_release(&p);
}

static void test_pingshan_matches_seed(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "pingshan-2020", NULL);
    assert_true(p.first_handler_duty); /* 002 ch. 5 首办负责制 */
    assert_true(p.max_extension_days > 0);
    assert_string_equal(p.scheme, "pingshan-2020"); /* arts. 33-34 */
    assert_true(p.urge_shares[0] > 0 && p.urge_shares[0] < 1);
    policy_release(&p);
}

static void test_override_applies_and_is_marked(void **state)
{
    (void)state;
    struct policy p;
    load(&p, "dongcheng-2016",
         "{\"return_window\": 5, \"return_window_unit\": \"workdays\", \"urge_shares\": [0.25, 1],"
         " \"tier_hours\": {\"2h\": 3, \"24h\": 12}, \"scheme\": \"beijing-2020\"}");
    assert_int_equal(p.return_window, 5);
    assert_int_equal(p.return_window_unit, SPAN_WORKDAYS);
    assert_true(p.urge_shares[0] == 0.25 && p.urge_shares[1] == 1.0 && p.urge_shares[2] == 0.0);
    assert_int_equal(p.tier_hours[TIER_H2], 3);
    assert_int_equal(p.tier_hours[TIER_H24], 12);
    assert_string_equal(p.scheme, "beijing-2020");
    assert_true(p.second_return_needs_attachment); /* untouched */

    json_t *set = json_object_get(p.doc, "settings");
    json_t *rw = json_object_get(set, "return_window");
    assert_true(json_is_true(json_object_get(rw, "overridden")));
    assert_int_equal(json_integer_value(json_object_get(rw, "value")), 5);
    assert_int_equal(json_integer_value(json_object_get(rw, "preset_value")), 2);
    assert_string_equal(json_string_value(json_object_get(rw, "source")),
                        "000 art. 9 (须在2天内进行回退)");
    json_t *sh = json_object_get(json_object_get(set, "urge_shares"), "value");
    assert_int_equal(json_array_size(sh), 2);
    json_t *ca = json_object_get(set, "coordination_threshold");
    assert_true(json_is_false(json_object_get(ca, "overridden")));
    int n_over = 0;
    const char *key;
    json_t *entry;
    json_object_foreach(set, key, entry) n_over +=
        json_is_true(json_object_get(entry, "overridden"));
    assert_int_equal(n_over, 5);
    policy_release(&p);

    /* an empty share list turns urging off */
    load(&p, "linshu-2020", "{\"urge_shares\": [], \"forced_close_hours\": 12}");
    assert_true(p.urge_shares[0] == 0.0);
    assert_int_equal(p.forced_close_hours, 12);
    policy_release(&p);
}

static void test_override_refusals(void **state)
{
    (void)state;
    expect_override_error("{\"retrun_window\": 3}", JS_EUNKNOWN_FIELD, "retrun_window");
    expect_override_error("{\"preset\": \"x\"}", JS_EUNKNOWN_FIELD, "preset");
    expect_override_error("{\"return_window\": \"2\"}", JS_ETYPE, "return_window");
    expect_override_error("{\"return_window\": 2.5}", JS_ETYPE, "return_window");
    expect_override_error("{\"verify_upstream\": 1}", JS_ETYPE, "verify_upstream");
    expect_override_error("{\"callback_tries\": 0}", JS_EINVAL, "callback_tries");
    expect_override_error("{\"coordination_threshold\": -1}", JS_EINVAL, "coordination_threshold");
    expect_override_error("{\"return_window_unit\": \"weeks\"}", JS_EINVAL, "return_window_unit");
    expect_override_error("{\"default_limit_unit\": 1}", JS_ETYPE, "default_limit_unit");
    expect_override_error("{\"urge_shares\": [0.5, 1.5]}", JS_EINVAL, "urge_shares");
    expect_override_error("{\"urge_shares\": [0, 0.5]}", JS_EINVAL, "urge_shares");
    expect_override_error("{\"urge_shares\": [0.8, 0.5]}", JS_EINVAL, "urge_shares");
    expect_override_error("{\"urge_shares\": [0.1, 0.2, 0.3, 0.4, 0.5]}", JS_EINVAL, "urge_shares");
    expect_override_error("{\"urge_shares\": [\"half\"]}", JS_ETYPE, "urge_shares");
    expect_override_error("{\"urge_shares\": 0.5}", JS_ETYPE, "urge_shares");
    expect_override_error("{\"tier_hours\": {\"2h\": 2}}", JS_EMISSING, "tier_hours.24h");
    expect_override_error("{\"tier_hours\": {\"2h\": 2, \"24h\": 24, \"48h\": 48}}",
                          JS_EUNKNOWN_FIELD, "tier_hours.48h");
    expect_override_error("{\"tier_days\": {\"7d\": 0, \"15d\": 15}}", JS_EINVAL, "tier_days.7d");
    expect_override_error("{\"tier_days\": [7, 15]}", JS_ETYPE, "tier_days");
    expect_override_error("{\"default_limit\": 400}", JS_EINVAL, "default_limit");
    expect_override_error("{\"scheme\": \"Bad Scheme\"}", JS_EINVAL, "scheme");
    expect_override_error("{\"scheme\": null}", JS_ETYPE, "scheme");
    expect_override_error("[1, 2]", JS_ETYPE, "overrides");

    /* the same number is fine in a unit it fits */
    struct policy p;
    load(&p, "dongcheng-2016", "{\"default_limit\": 400, \"default_limit_unit\": \"hours\"}");
    assert_int_equal(p.default_limit, 400);
    assert_int_equal(p.default_limit_unit, SPAN_HOURS);
    policy_release(&p);
}

static void expect_preset_error(json_t *preset, int code, const char *field)
{
    struct policy p;
    struct js_error e;
    int rc = policy_from_json(&p, preset, NULL, &e);
    if (rc != -code || strcmp(e.field, field) != 0)
        fail_msg("got %s field '%s', expected %s field '%s'", js_err_name(rc), rc ? e.field : "",
                 js_err_name(code), field);
    assert_null(p.doc);
}

/* Presets are read strictly: every key must be present with a source, nothing else allowed. */
static void test_preset_is_strict(void **state)
{
    (void)state;
    json_t *orig = preset_file("dongcheng-2016");
    const char *key;
    json_t *entry;
    json_object_foreach(json_object_get(orig, "settings"), key, entry)
    {
        json_t *copy = json_deep_copy(orig);
        json_object_del(json_object_get(copy, "settings"), key);
        expect_preset_error(copy, JS_EMISSING, key);
        json_decref(copy);
    }

    json_t *c = json_deep_copy(orig);
    json_object_set_new(json_object_get(c, "settings"), "bogus",
                        json_pack("{s:i, s:s}", "value", 1, "source", "made up"));
    expect_preset_error(c, JS_EUNKNOWN_FIELD, "bogus");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_del(json_object_get(json_object_get(c, "settings"), "return_window"), "source");
    expect_preset_error(c, JS_EMISSING, "return_window.source");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_set_new(json_object_get(json_object_get(c, "settings"), "return_window"), "source",
                        json_string(""));
    expect_preset_error(c, JS_ETYPE, "return_window.source");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_set_new(json_object_get(json_object_get(c, "settings"), "callback_tries"), "value",
                        json_string("3"));
    expect_preset_error(c, JS_ETYPE, "callback_tries");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_set_new(json_object_get(c, "settings"), "scheme", json_integer(1));
    expect_preset_error(c, JS_ETYPE, "scheme");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_set_new(c, "author", json_string("x"));
    expect_preset_error(c, JS_EUNKNOWN_FIELD, "author");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_del(c, "title");
    expect_preset_error(c, JS_EMISSING, "title");
    json_decref(c);

    c = json_deep_copy(orig);
    json_object_set_new(c, "name", json_string("../x"));
    expect_preset_error(c, JS_EINVAL, "name");
    json_decref(c);

    json_decref(orig);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_load_errors(void **state)
{
    (void)state;
    struct policy p;
    struct js_error e;
    const char *bad[] = {"../etc/passwd",
                         "a/b",
                         "Dongcheng-2016",
                         "",
                         "dongcheng 2016",
                         "dongcheng-2016.json",
                         "a-very-long-preset-name-of-forty-chars"};
    for (size_t i = 0; i < JS_ARRAY_LEN(bad); i++) {
        assert_int_equal(policy_load(&p, tu_shipped(), bad[i], NULL, &e), -JS_EINVAL);
        assert_string_equal(e.field, "preset");
    }
    assert_int_equal(policy_load(&p, tu_shipped(), NULL, NULL, &e), -JS_EINVAL);
    assert_int_equal(policy_load(&p, tu_shipped(), "no-such-preset", NULL, &e), -JS_ENOTFOUND);
    assert_int_equal(policy_load(&p, NULL, "dongcheng-2016", NULL, &e), -JS_ENOTFOUND);

    struct shipped sh;
    assert_int_equal(shipped_load(&sh, tu_path("missing-dir"), NULL, &e), -JS_ENOTFOUND);
    assert_string_equal(e.field, "preset");
    assert_null(sh.presets);

    write_file(tu_path("broken.json"), "{\"name\": \"broken\", ");
    assert_int_equal(shipped_load(&sh, tu_tmpdir(), NULL, &e), -JS_EBADJSON);
    assert_non_null(strstr(e.message, "broken.json"));
    assert_null(sh.presets);
    unlink(tu_path("broken.json"));

    /* a file whose inner name disagrees with its file name */
    json_t *doc = preset_file("linshu-2020");
    assert_int_equal(json_dump_file(doc, tu_path("renamed.json"), 0), 0);
    assert_int_equal(shipped_load(&sh, tu_tmpdir(), NULL, &e), 0);
    assert_int_equal(policy_load(&p, &sh, "renamed", NULL, &e), -JS_EINVAL);
    assert_string_equal(e.field, "name");
    assert_null(p.doc);
    json_decref(doc);
    shipped_release(&sh);
    shipped_release(NULL);
}

/* JIESU_PRESETS moves the built-in directory, for deployments with their own presets. */
static void test_presets_env(void **state)
{
    (void)state;
    struct policy p;
    struct js_error e;
    json_t *doc = preset_file("tianning-2013");
    json_object_set_new(doc, "name", json_string("local-1"));
    assert_int_equal(json_dump_file(doc, tu_path("local-1.json"), 0), 0);
    json_decref(doc);

    assert_int_equal(policy_load(&p, tu_shipped(), "local-1", NULL, &e), -JS_ENOTFOUND);
    unlink(tu_path("broken.json"));
    setenv("JIESU_PRESETS", tu_tmpdir(), 1);
    assert_string_equal(shipped_preset_dir(), tu_tmpdir());
    struct shipped sh;
    int rc = shipped_load(&sh, NULL, NULL, &e);
    unsetenv("JIESU_PRESETS");
    assert_int_equal(rc, 0);
    rc = policy_load(&p, &sh, "local-1", NULL, &e);
    shipped_release(&sh);
    assert_int_equal(rc, 0);
    assert_string_equal(p.preset, "local-1");
    assert_int_equal(p.default_limit, 5);
    policy_release(&p);
    policy_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_list),
        cmocka_unit_test(test_every_preset_roundtrips),
        cmocka_unit_test(test_every_source_is_named),
        cmocka_unit_test(test_dongcheng_matches_seed),
        cmocka_unit_test(test_linshu_matches_seed),
        cmocka_unit_test(test_tianning_matches_seed),
        cmocka_unit_test(test_beijing_matches_seed),
        cmocka_unit_test(test_pingshan_matches_seed),
        cmocka_unit_test(test_override_applies_and_is_marked),
        cmocka_unit_test(test_override_refusals),
        cmocka_unit_test(test_preset_is_strict),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_presets_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
