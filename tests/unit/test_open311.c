/* Tests of the Open311 pieces below the HTTP layer (issue 15): the XML writer (escaping, the
 * characters XML forbids, the Spark mapping of JSON), and the settings kept in the store (on
 * SQLite, and on PostgreSQL as test_open311_pg): an edit checked against the category tree and
 * refused naming the field without changing anything, client keys kept as digests only and
 * revoked, the services derived from the categories, and the signed tokens. */
#include "compat.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/open311.h"
#include "store/store.h"
#include "util/xmlw.h"

static json_t *J(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, JSON_PRESERVE_ORDER, &err);
    if (!j)
        fail_msg("bad JSON %s: %s", text, err.text);
    return j;
}

static const char *items(const char *parent)
{
    return strcmp(parent, "services") == 0 ? "service"
           : strcmp(parent, "values") == 0 ? "value"
                                           : NULL;
}

static void xml_escapes_and_maps(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(xmlw_text(&b, "a<b>&\"c'\x01\x1f\td\n"), 0);
    assert_string_equal(b.data, "a&lt;b&gt;&amp;&quot;c&apos;\td\n");
    buf_reset(&b);
    assert_int_equal(xmlw_elem(&b, "x", ""), 0);
    assert_int_equal(xmlw_elem(&b, "y", "噪音 & 扰民"), 0);
    assert_string_equal(b.data, "<x/><y>噪音 &amp; 扰民</y>");
    buf_reset(&b);
    json_t *v = J("[{\"service_code\":\"02.01\",\"metadata\":true,\"n\":3,\"lat\":39.93,"
                  "\"d\":null,\"values\":[{\"key\":\"a\"},{\"key\":\"<b>\"}],\"e\":[]}]");
    assert_int_equal(xmlw_document(&b, "services", v, items), 0);
    assert_string_equal(b.data, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                "<services><service><service_code>02.01</service_code>"
                                "<metadata>true</metadata><n>3</n><lat>39.93</lat><d/>"
                                "<values><value><key>a</key></value><value><key>&lt;b&gt;</key>"
                                "</value></values><e/></service></services>\n");
    buf_reset(&b);
    json_t *s = json_string("x");
    assert_int_equal(xmlw_document(&b, "r", s, items), -JS_EINVAL);
    json_decref(s);
    json_decref(v);
    buf_release(&b);
}

struct world {
    struct store *s;
    int64_t env, noise, build;
};

static void open_world(struct world *w)
{
    struct js_error e;
    js_error_clear(&e);
    memset(w, 0, sizeof *w);
    if (store_open(tu_db_fresh("open311"), &w->s, &e) || w->s->ops->migrate(w->s, &e))
        fail_msg("store: %s", e.message);
    struct category c = {.level = 1};
    snprintf(c.code, sizeof c.code, "02");
    snprintf(c.name, sizeof c.name, "环境保护");
    assert_int_equal(w->s->ops->category_put(w->s, &c), 0);
    w->env = c.id;
    struct category n = {.level = 2, .parent_id = w->env};
    snprintf(n.code, sizeof n.code, "02.01");
    snprintf(n.name, sizeof n.name, "噪音污染");
    assert_int_equal(w->s->ops->category_put(w->s, &n), 0);
    w->noise = n.id;
    struct category b = {.level = 1};
    snprintf(b.code, sizeof b.code, "01");
    snprintf(b.name, sizeof b.name, "城乡建设");
    assert_int_equal(w->s->ops->category_put(w->s, &b), 0);
    w->build = b.id;
}

/* Edits cfg with body, where "@N" stands for the id of the category 噪音污染. */
static int edit(struct world *w, json_t *cfg, const char *body, struct js_error *e)
{
    char text[2048], id[24];
    size_t o = 0;
    snprintf(id, sizeof id, "%lld", (long long)w->noise);
    for (const char *p = body; *p && o + sizeof id < sizeof text; p++) {
        if (p[0] == '@' && p[1] == 'N') {
            memcpy(text + o, id, strlen(id));
            o += strlen(id);
            p++;
        } else {
            text[o++] = *p;
        }
    }
    text[o] = '\0';
    json_t *in = J(text);
    int rc = o311_config_edit(w->s, cfg, in, 1764900000, e);
    json_decref(in);
    return rc;
}

static void settings_edit_and_refusals(void **state)
{
    (void)state;
    struct world w;
    struct js_error e;
    json_t *cfg = NULL;
    open_world(&w);
    js_error_clear(&e);
    assert_int_equal(o311_config_load(w.s, &cfg, &e), 0);
    assert_string_equal(json_string_value(json_object_get(cfg, "offer")), "listed");
    assert_int_equal(json_array_size(json_object_get(cfg, "services")), 0);
    if (edit(&w, cfg,
             "{\"jurisdiction_id\":\"demo.gov.cn\",\"services\":[{\"category_id\":@N,"
             "\"attributes\":[{\"code\":\"b\",\"datatype\":\"number\",\"description\":\"乙\","
             "\"order\":5},{\"code\":\"a\",\"datatype\":\"singlevaluelist\",\"required\":true,"
             "\"description\":\"甲\",\"order\":3,\"values\":[{\"key\":\"k\",\"name\":\"名\"}]}]}]}",
             &e))
        fail_msg("edit: %s (%s)", e.message, e.field);
    assert_string_equal(json_string_value(json_object_get(cfg, "changeset")),
                        "2025-12-05T10:00:00+08:00");
    char *before = json_dumps(cfg, JSON_SORT_KEYS);
    static const struct {
        const char *body, *field;
        int code;
    } bad[] = {
        {"{\"services\":[{\"category_id\":999}]}", "services[0].category_id", -JS_EINVAL},
        {"{\"services\":[{\"category_id\":@N,\"attributes\":[{\"code\":\"a\",\"datatype\":"
         "\"colour\",\"description\":\"x\"}]}]}",
         "services[0].attributes[0].datatype", -JS_EINVAL},
        {"{\"services\":[{\"category_id\":@N,\"attributes\":[{\"code\":\"a\",\"datatype\":"
         "\"multivaluelist\",\"description\":\"x\"}]}]}",
         "services[0].attributes[0].values", -JS_EMISSING},
        {"{\"services\":[{\"category_id\":@N,\"attributes\":[{\"code\":\"request_type\","
         "\"datatype\":\"text\",\"description\":\"x\"}]}]}",
         "services[0].attributes[0].code", -JS_EINVAL},
        {"{\"services\":[{\"category_id\":@N},{\"category_id\":@N}]}", "services[1].category_id",
         -JS_EINVAL},
        {"{\"jurisdiction_id\":\"a b\"}", "jurisdiction_id", -JS_EINVAL},
        {"{\"require_jurisdiction\":true}", "require_jurisdiction", -JS_EINVAL},
        {"{\"endpoint_type\":\"live\"}", "endpoint_type", -JS_EINVAL},
        {"{\"colour\":1}", "colour", -JS_EUNKNOWN_FIELD},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        js_error_clear(&e);
        int rc = edit(&w, cfg, bad[i].body, &e);
        if (rc != bad[i].code || strcmp(e.field, bad[i].field) != 0)
            fail_msg("case %zu: got %s on '%s' (%s)", i, js_err_name(rc), e.field, e.message);
        char *after = json_dumps(cfg, JSON_SORT_KEYS);
        assert_string_equal(after, before); /* a refusal changes nothing */
        free(after);
    }
    free(before);
    /* saved and read back */
    assert_int_equal(w.s->ops->begin(w.s), 0);
    assert_int_equal(o311_config_save(w.s, cfg), 0);
    assert_int_equal(w.s->ops->commit(w.s), 0);
    json_t *again = NULL;
    assert_int_equal(o311_config_load(w.s, &again, &e), 0);
    assert_true(json_equal(again, cfg));
    /* the services: listed ones only, attributes in their order, the type attribute first */
    json_t *list = NULL;
    assert_int_equal(o311_services(w.s, cfg, &list), 0);
    assert_int_equal(json_array_size(list), 1);
    json_t *sv = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(sv, "service_code")), "02.01");
    assert_string_equal(json_string_value(json_object_get(sv, "group")), "环境保护");
    json_t *attrs = json_object_get(sv, "attributes");
    assert_int_equal(json_array_size(attrs), 3);
    const char *order[] = {"request_type", "a", "b"};
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(attrs, i), "code")),
                            order[i]);
    json_decref(list);
    /* offering all: every category, the unlisted ones as plain realtime complaints */
    json_object_set_new(cfg, "offer", json_string("all"));
    assert_int_equal(o311_services(w.s, cfg, &list), 0);
    assert_int_equal(json_array_size(list), 3);
    json_decref(list);
    json_decref(again);
    json_decref(cfg);
    store_close(w.s);
}

static void clients_and_tokens(void **state)
{
    (void)state;
    struct world w;
    struct js_error e;
    json_t *cfg = NULL, *client = NULL;
    char key[65], token[O311_TOKEN_MAX];
    int64_t id = 0;
    open_world(&w);
    js_error_clear(&e);
    assert_int_equal(o311_config_load(w.s, &cfg, &e), 0);
    assert_int_equal(o311_token_make(cfg, 7, token), -JS_ESTATE); /* no secret yet */
    assert_int_equal(o311_client_add(cfg, "", 1, key, &client, &e), -JS_EMISSING);
    assert_int_equal(o311_client_add(cfg, "FixMyStreet", 1764900000, key, &client, &e), 0);
    assert_int_equal(strlen(key), 64);
    assert_null(json_object_get(client, "key_hash"));
    char *dump = json_dumps(cfg, 0);
    assert_null(strstr(dump, key)); /* the digest only */
    free(dump);
    assert_non_null(o311_client_by_key(cfg, key));
    char other[65];
    memcpy(other, key, sizeof other);
    other[0] = other[0] == 'a' ? 'b' : 'a';
    assert_null(o311_client_by_key(cfg, other));
    assert_null(o311_client_by_key(cfg, "short"));
    assert_null(o311_client_by_key(cfg, NULL));
    json_t *pub = o311_config_public(cfg);
    dump = json_dumps(pub, 0);
    assert_null(strstr(dump, "key_hash"));
    assert_null(strstr(dump, "secret"));
    free(dump);
    json_decref(pub);
    /* tokens: signed, checked, refused when tampered with */
    assert_int_equal(o311_token_make(cfg, 42, token), 0);
    assert_int_equal(o311_token_check(cfg, token, &id), 0);
    assert_int_equal(id, 42);
    char bad[O311_TOKEN_MAX];
    snprintf(bad, sizeof bad, "43%s", strchr(token, '-'));
    assert_int_equal(o311_token_check(cfg, bad, &id), -JS_ENOTFOUND);
    assert_int_equal(o311_token_check(cfg, "42", &id), -JS_ENOTFOUND);
    assert_int_equal(o311_token_check(cfg, "x-0123456789abcdef01234567", &id), -JS_ENOTFOUND);
    /* another server's secret does not accept this one's tokens */
    json_t *elsewhere = NULL, *c2 = NULL;
    char k2[65];
    assert_int_equal(o311_config_load(w.s, &elsewhere, &e), 0);
    assert_int_equal(o311_client_add(elsewhere, "B", 1, k2, &c2, &e), 0);
    assert_int_equal(o311_token_check(elsewhere, token, &id), -JS_ENOTFOUND);
    assert_null(o311_client_by_key(elsewhere, key));
    /* revoking */
    int64_t cid = json_integer_value(json_object_get(client, "id"));
    assert_int_equal(o311_client_revoke(cfg, cid, 2, &e), 0);
    assert_null(o311_client_by_key(cfg, key));
    assert_int_equal(o311_client_revoke(cfg, cid, 3, &e), -JS_ESTATE);
    assert_int_equal(o311_client_revoke(cfg, 999, 3, &e), -JS_ENOTFOUND);
    json_decref(c2);
    json_decref(elsewhere);
    json_decref(client);
    json_decref(cfg);
    store_close(w.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_escapes_and_maps),
        cmocka_unit_test(settings_edit_and_refusals),
        cmocka_unit_test(clients_and_tokens),
    };
    return cmocka_run_group_tests_name(tu_pg() ? "open311 on PostgreSQL" : "open311 on SQLite",
                                       tests, NULL, NULL);
}
