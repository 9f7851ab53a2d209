/* The city link's core (core/upstream.h; issue 15): the HMAC-SHA256 signatures against a vector
 * computed elsewhere, the link's settings, and the city's messages applied once each through the
 * engine — a refused message leaves its id unused so that the city may send it again, a repeat
 * changes nothing, the order's local limits fall inside the city's deadline less the margin.
 * Runs on SQLite and, as test_upstream_pg, on PostgreSQL. */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/deadline.h"
#include "core/outbox.h"
#include "core/upstream.h"
#include "store/timers_store.h"

#define DAY    86400
#define HOUR   3600
#define SECRET "city-secret-0123456789"

static void test_signature(void **state)
{
    (void)state;
    char sig[UPSTREAM_SIG_HEX];
    const char *body = "{\"a\":1}";
    struct js_error e;
    /* python3: hmac.new(SECRET, b'1700000000.{"a":1}', sha256).hexdigest() */
    const char *want = "1641ad31ea7ae24637c160c1d144ddaa34822eba4fdf3e4cccce5970fb06ab00";
    assert_int_equal(upstream_sign(SECRET, 1700000000, body, strlen(body), sig), 0);
    assert_string_equal(sig, want);
    assert_int_equal(
        upstream_verify(SECRET, "1700000000", want, body, strlen(body), 1700000100, &e), 0);
    char upper[UPSTREAM_SIG_HEX];
    for (size_t i = 0; i < sizeof upper; i++)
        upper[i] = (want[i] >= 'a' && want[i] <= 'f') ? (char)(want[i] - 32) : want[i];
    assert_int_equal(
        upstream_verify(SECRET, "1700000000", upper, body, strlen(body), 1700000000, &e), 0);
    /* a changed body, another secret, a stale or future time, a malformed time or signature */
    assert_int_equal(upstream_verify(SECRET, "1700000000", want, "{\"a\":2}", 7, 1700000000, &e),
                     -JS_EUNAUTH);
    assert_string_equal(e.field, UPSTREAM_HDR_SIG);
    assert_int_equal(upstream_verify("another-secret-0123", "1700000000", want, body, strlen(body),
                                     1700000000, &e),
                     -JS_EUNAUTH);
    assert_int_equal(upstream_verify(SECRET, "1700000000", want, body, strlen(body),
                                     1700000000 + UPSTREAM_SKEW + 1, &e),
                     -JS_EUNAUTH);
    assert_string_equal(e.field, UPSTREAM_HDR_TIME);
    assert_int_equal(upstream_verify(SECRET, "1700000000", want, body, strlen(body),
                                     1700000000 - UPSTREAM_SKEW - 1, &e),
                     -JS_EUNAUTH);
    assert_int_equal(upstream_verify(SECRET, "17e8", want, body, strlen(body), 1700000000, &e),
                     -JS_EUNAUTH);
    assert_int_equal(upstream_verify(SECRET, NULL, want, body, strlen(body), 1700000000, &e),
                     -JS_EUNAUTH);
    assert_int_equal(
        upstream_verify(SECRET, "1700000000", "abc", body, strlen(body), 1700000000, &e),
        -JS_EUNAUTH);
    assert_int_equal(
        upstream_verify(SECRET, "1700000000", NULL, body, strlen(body), 1700000000, &e),
        -JS_EUNAUTH);
}

static void test_link_settings(void **state)
{
    (void)state;
    struct fixture f;
    struct upstream_link l, back;
    struct js_error e;
    fixture_open(&f, "upstream_link.db", "dongcheng-2016", "2026-11-09T09:00:00+08:00");
    assert_int_equal(upstream_link_load(f.store, &l), -JS_ENOTFOUND);
    const struct {
        const char *doc, *field;
    } bad[] = {
        {"{\"url\":\"ftp://city\",\"secret\":\"" SECRET "\"}", "url"},
        {"{\"url\":\"http://city\",\"secret\":\"short\"}", "secret"},
        {"{\"url\":\"http://city\",\"secret\":\"" SECRET "\",\"poll_seconds\":-1}", "poll_seconds"},
        {"{\"url\":\"http://city\",\"secret\":\"" SECRET "\",\"token\":1}", "token"},
        {"{\"secret\":\"" SECRET "\"}", "url"},
    };
    for (size_t i = 0; i < JS_ARRAY_LEN(bad); i++) {
        json_t *doc = json_loads(bad[i].doc, 0, NULL);
        assert_non_null(doc);
        assert_true(upstream_link_from_json(doc, &l, &e) < 0);
        assert_string_equal(e.field, bad[i].field);
        json_decref(doc);
    }
    json_t *doc = json_loads("{\"url\":\"https://city.example/api//\",\"secret\":\"" SECRET
                             "\",\"poll_seconds\":30}",
                             0, NULL);
    assert_int_equal(upstream_link_from_json(doc, &l, &e), 0);
    json_decref(doc);
    assert_string_equal(l.url, "https://city.example/api");
    assert_int_equal(upstream_link_save(f.store, &l), 0);
    assert_int_equal(upstream_link_load(f.store, &back), 0);
    assert_string_equal(back.url, l.url);
    assert_string_equal(back.secret, SECRET);
    assert_int_equal(back.poll_seconds, 30);
    json_t *shown = upstream_link_public(&back);
    char *text = json_dumps(shown, JSON_COMPACT);
    assert_null(strstr(text, SECRET));
    assert_true(json_is_true(json_object_get(shown, "secret_set")));
    free(text);
    json_decref(shown);
    fixture_close(&f);
}

/* Applies msg (JSON text); returns the code, *answer set on success. */
static int apply(struct fixture *f, const char *msg, json_t **answer)
{
    struct js_error e;
    json_t *doc = json_loads(msg, 0, NULL);
    assert_non_null(doc);
    js_error_clear(&e);
    int rc = upstream_apply(&f->en, doc, answer, &e);
    json_decref(doc);
    return rc;
}

static int64_t count_upstream(struct fixture *f, const char *upstream_id)
{
    struct search_hit hits[8];
    int n = 0;
    bool more = false;
    struct search_query q = {.key = upstream_id, .kinds = SEARCH_BIT(SEARCH_UPSTREAM), .limit = 8};
    assert_int_equal(f->store->ops->order_search(f->store, &q, hits, &n, &more), 0);
    return n;
}

static void test_apply_once(void **state)
{
    (void)state;
    struct fixture f;
    json_t *ans = NULL;
    char msg[1024], due[40];
    fixture_open(&f, "upstream_apply.db", "dongcheng-2016", "2026-11-09T09:00:00+08:00");
    int64_t city = f.now + 3 * DAY;
    jtime_format(city, due, sizeof due);
    snprintf(msg, sizeof msg,
             "{\"id\":\"M-1\",\"type\":\"order\",\"upstream_id\":\"SJ-1\",\"deadline\":\"%s\","
             "\"order\":{\"type\":\"complaint\",\"title\":\"路灯不亮\",\"text\":\"路灯一周不亮\","
             "\"address\":\"多福巷3号\","
             "\"category_id\":%lld,\"region_id\":%lld}}",
             due, (long long)f.cat_leaf, (long long)f.community);
    assert_int_equal(apply(&f, msg, &ans), 0);
    assert_false(json_is_true(json_object_get(ans, "duplicate")));
    int64_t id = json_integer_value(json_object_get(ans, "order_id"));
    json_decref(ans);
    assert_int_equal(apply(&f, msg, &ans), 0); /* the same message again: nothing new */
    assert_true(json_is_true(json_object_get(ans, "duplicate")));
    assert_int_equal(json_integer_value(json_object_get(ans, "order_id")), id);
    json_decref(ans);
    assert_int_equal(count_upstream(&f, "SJ-1"), 1);
    struct order o;
    fx_get(&f, id, &o);
    assert_string_equal(o.channel, "upstream");
    assert_int_equal(o.upstream_deadline, city);
    assert_int_equal(o.version, 1);
    order_release(&o);

    /* the intake's own fields are the message's, never the order object's */
    assert_int_equal(apply(&f,
                           "{\"id\":\"M-9\",\"type\":\"order\",\"upstream_id\":\"SJ-9\","
                           "\"deadline\":\"2030-01-01T00:00:00+08:00\",\"order\":{\"type\":"
                           "\"complaint\",\"title\":\"t\",\"text\":\"x\",\"channel\":\"web\"}}",
                           &ans),
                     -JS_EINVAL);
    assert_int_equal(count_upstream(&f, "SJ-9"), 0);

    /* 市级督办 before dispatch is refused and leaves its id unused: sent again later, it acts */
    const char *sup = "{\"id\":\"M-2\",\"type\":\"supervise\",\"upstream_id\":\"SJ-1\",\"reason\":"
                      "\"群众催促\"}";
    assert_int_equal(apply(&f, sup, &ans), -JS_ESTATE);
    fx_ok(&f, &f.as[ROLE_AGENT], ACT_VERIFY, id, "{}");
    fx_ok(&f, &f.as[ROLE_AGENT], ACT_FILE, id, "{}");
    char dispatch[64];
    snprintf(dispatch, sizeof dispatch, "{\"unit_id\":%lld}", (long long)f.unit_street[0]);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, dispatch);
    fx_get(&f, id, &o);
    int64_t end = city - (int64_t)f.en.policy.upstream_margin_hours * HOUR;
    assert_int_equal(o.deadline, end); /* the 15-day default ends at the city's less 24 h */
    assert_true(o.sign_deadline <= end);
    order_release(&o);
    fx_advance(&f, HOUR);
    assert_int_equal(apply(&f, sup, &ans), 0);
    json_decref(ans);
    assert_int_equal(apply(&f, sup, &ans), 0);
    assert_true(json_is_true(json_object_get(ans, "duplicate")));
    json_decref(ans);
    fx_get(&f, id, &o);
    assert_int_equal(o.supervisions, 1);
    order_release(&o);
    /* in writing: the kind 001 §七 weighs as 市级书面督办 */
    assert_int_equal(apply(&f,
                           "{\"id\":\"M-2w\",\"type\":\"supervise\",\"upstream_id\":\"SJ-1\","
                           "\"reason\":\"书面督办\",\"written\":true}",
                           &ans),
                     0);
    json_decref(ans);
    fx_get(&f, id, &o);
    assert_int_equal(o.supervisions, 2);
    order_release(&o);

    /* an unknown city order, an unknown type, a missing id */
    assert_int_equal(
        apply(&f,
              "{\"id\":\"M-3\",\"type\":\"supervise\",\"upstream_id\":\"SJ-X\",\"reason\":\"r\"}",
              &ans),
        -JS_ENOTFOUND);
    assert_int_equal(
        apply(&f, "{\"id\":\"M-4\",\"type\":\"teleport\",\"upstream_id\":\"SJ-1\"}", &ans),
        -JS_EINVAL);
    assert_int_equal(apply(&f, "{\"type\":\"supervise\",\"upstream_id\":\"SJ-1\"}", &ans),
                     -JS_EMISSING);
    /* a person reopening at level upstream still needs a negative callback; the system relays
     * only the city's */
    fx_refused(&f, &f.as[ROLE_SYSTEM], ACT_REOPEN, id, "{\"reason\":\"x\"}", -JS_EFORBIDDEN);
    fixture_close(&f);
}

/* The feedback of an upstream order goes to the city (kind upstream_result, to_role city,
 * to_name the city's id) when the reply passes review; a local order gets none. */
static void test_feedback_queued(void **state)
{
    (void)state;
    struct fixture f;
    json_t *ans = NULL;
    char msg[1024], due[40], args[64];
    fixture_open(&f, "upstream_feedback.db", "linshu-2020", "2026-11-09T09:00:00+08:00");
    jtime_format(f.now + 5 * DAY, due, sizeof due);
    snprintf(msg, sizeof msg,
             "{\"id\":\"M-1\",\"type\":\"order\",\"upstream_id\":\"SJ-7\",\"deadline\":\"%s\","
             "\"order\":{\"type\":\"complaint\",\"title\":\"路灯不亮\",\"text\":\"路灯一周不亮\","
             "\"address\":\"多福巷3号\","
             "\"category_id\":%lld,\"region_id\":%lld}}",
             due, (long long)f.cat_leaf, (long long)f.community);
    assert_int_equal(apply(&f, msg, &ans), 0);
    int64_t id = json_integer_value(json_object_get(ans, "order_id"));
    json_decref(ans);
    fx_ok(&f, &f.as[ROLE_AGENT], ACT_FILE, id, "{}");
    snprintf(args, sizeof args, "{\"unit_id\":%lld}", (long long)f.unit_street[0]);
    fx_ok(&f, &f.as[ROLE_DISPATCHER], ACT_DISPATCH, id, args);
    const struct actor *op = fx_unit_actor(&f, 0, false), *lead = fx_unit_actor(&f, 0, true);
    fx_ok(&f, op, ACT_SIGN, id, "{}");
    fx_ok(&f, lead, ACT_SIGN_APPROVAL, id, "{\"handler\":\"李科长\"}");
    fx_ok(&f, op, ACT_REPLY, id,
          "{\"result\":\"已更换灯泡\",\"closure\":\"resolved\",\"responsible\":\"王主任\","
          "\"handler\":\"李科长\"}");
    struct outbox_list l;
    struct outbox_query q = {.state = -1, .kind = OBK_UPSTREAM_RESULT, .order_id = id, .limit = 50};
    outbox_list_init(&l);
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_int_equal(l.n, 0); /* not before the review passes */
    fx_ok(&f, &f.as[ROLE_REVIEWER], ACT_REVIEW, id, "{\"pass\":true}");
    assert_int_equal(timers_outbox_list(f.store, &q, &l), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].to_role, "city");
    assert_string_equal(l.v[0].to_name, "SJ-7");
    assert_non_null(strstr(l.v[0].text, "已更换灯泡"));
    json_t *payload = outbox_city_payload(&l.v[0]);
    assert_string_equal(json_string_value(json_object_get(payload, "kind")), "result");
    assert_string_equal(json_string_value(json_object_get(payload, "upstream_id")), "SJ-7");
    json_decref(payload);
    outbox_list_release(&l);
    fixture_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_link_settings),
        cmocka_unit_test(test_apply_once),
        cmocka_unit_test(test_feedback_queued),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
