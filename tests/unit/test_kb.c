/* Tests of the knowledge base (issue 11) over a real SQLite store with a fake clock: the status
 * machine and its refusals (role, unit, state, reasons, dates), versioning and history, search
 * with the order search's Chinese text rules, the citation check of a direct answer and its use
 * count, expiry with reminders sent once per threshold, and the per-unit figures against
 * hand-computed ones. */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/indicators.h"
#include "core/kb.h"
#include "core/model.h"
#include "core/scheme.h"
#include "store/timers_store.h"
#include "text/searchtext.h"

#define DAY 86400

static json_t *J(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad JSON %s: %s", text, err.text);
    return j;
}

/* Creates a draft that must succeed; returns its id. */
static int64_t create(struct fixture *f, const struct actor *who, const char *body)
{
    struct kb_entry k;
    struct js_error e;
    js_error_clear(&e);
    json_t *in = J(body);
    int rc = kb_create(f->store, who, in, f->now, &k, &e);
    json_decref(in);
    if (rc)
        fail_msg("create: %s (%s)", e.message, e.field);
    int64_t id = k.id;
    assert_int_equal(k.status, KB_DRAFT);
    assert_int_equal(k.version, 1);
    assert_int_equal(k.entry_id, id);
    kb_entry_release(&k);
    return id;
}

static void act_ok(struct fixture *f, const struct actor *who, int64_t id, int action,
                   const char *note)
{
    struct js_error e;
    js_error_clear(&e);
    if (kb_act(f->store, who, id, action, note, f->now, NULL, &e))
        fail_msg("%s: %s", kb_action_names[action], e.message);
}

static void act_refused(struct fixture *f, const struct actor *who, int64_t id, int action,
                        const char *note, int code, const char *field)
{
    struct js_error e;
    js_error_clear(&e);
    int rc = kb_act(f->store, who, id, action, note, f->now, NULL, &e);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", kb_action_names[action], js_err_name(code),
                 js_err_name(rc), e.message);
    assert_string_equal(e.field, field);
    assert_true(e.message[0] != '\0');
}

static struct kb_entry get(struct fixture *f, int64_t id)
{
    struct kb_entry k;
    assert_int_equal(f->store->ops->kb_get(f->store, id, &k), 0);
    return k;
}

static int status_of(struct fixture *f, int64_t id)
{
    struct kb_entry k = get(f, id);
    int s = k.status;
    kb_entry_release(&k);
    return s;
}

/* Publishes a draft: submitted by the unit's leader, approved by the supervisor. */
static void publish(struct fixture *f, int unit, int64_t id)
{
    act_ok(f, fx_unit_actor(f, unit, true), id, KBA_SUBMIT, NULL);
    act_ok(f, &f->as[ROLE_SUPERVISOR], id, KBA_APPROVE, NULL);
}

static void lifecycle_and_refusals(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_life.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    const struct actor *op = fx_unit_actor(&f, 2, false), *lead = fx_unit_actor(&f, 2, true);
    const struct actor *other_lead = fx_unit_actor(&f, 3, true);
    struct kb_entry k;
    struct js_error e;
    js_error_clear(&e);

    /* only unit users write, and only for their own unit */
    json_t *in = J("{\"question\":\"问\",\"answer\":\"答\"}");
    assert_int_equal(kb_create(f.store, &f.as[ROLE_AGENT], in, f.now, &k, &e), -JS_EFORBIDDEN);
    kb_entry_release(&k);
    json_decref(in);
    char body[256];
    snprintf(body, sizeof body, "{\"question\":\"问\",\"answer\":\"答\",\"unit_id\":%lld}",
             (long long)f.unit_dept[0]);
    in = J(body);
    assert_int_equal(kb_create(f.store, other_lead, in, f.now, &k, &e), -JS_EFORBIDDEN);
    assert_string_equal(e.field, "unit_id");
    kb_entry_release(&k);
    json_decref(in);
    /* fields: required question, dates in order, known categories, no unknown fields */
    in = J("{\"answer\":\"答\"}");
    assert_int_equal(kb_create(f.store, op, in, f.now, &k, &e), -JS_EMISSING);
    assert_string_equal(e.field, "question");
    kb_entry_release(&k);
    json_decref(in);
    in = J("{\"question\":\"问\",\"answer\":\"答\",\"valid_from\":\"2026-12-01\","
           "\"valid_to\":\"2026-11-30\"}");
    assert_int_equal(kb_create(f.store, op, in, f.now, &k, &e), -JS_EINVAL);
    assert_string_equal(e.field, "valid_to");
    kb_entry_release(&k);
    json_decref(in);
    in = J("{\"question\":\"问\",\"answer\":\"答\",\"categories\":[99999]}");
    assert_int_equal(kb_create(f.store, op, in, f.now, &k, &e), -JS_EINVAL);
    assert_string_equal(e.field, "categories");
    kb_entry_release(&k);
    json_decref(in);
    in = J("{\"question\":\"问\",\"answer\":\"答\",\"colour\":\"红\"}");
    assert_int_equal(kb_create(f.store, op, in, f.now, &k, &e), -JS_EUNKNOWN_FIELD);
    assert_string_equal(e.field, "colour");
    kb_entry_release(&k);
    json_decref(in);

    snprintf(
        body, sizeof body,
        "{\"question\":\"物业费收费标准如何查询？\",\"answer\":\"可向街道物业办查询备案价格。\","
        "\"basis\":\"物业服务收费管理办法\",\"categories\":[%lld],\"valid_to\":\"2027-06-30\"}",
        (long long)f.cat_leaf);
    int64_t id = create(&f, op, body);

    /* the operator may not submit; another unit's leader may not either */
    act_refused(&f, op, id, KBA_SUBMIT, NULL, -JS_EFORBIDDEN, "");
    act_refused(&f, other_lead, id, KBA_SUBMIT, NULL, -JS_ENOTFOUND, "id"); /* not its draft */
    /* a draft cannot be approved */
    act_refused(&f, &f.as[ROLE_SUPERVISOR], id, KBA_APPROVE, NULL, -JS_ESTATE, "status");
    act_ok(&f, lead, id, KBA_SUBMIT, NULL);
    assert_int_equal(status_of(&f, id), KB_UNDER_REVIEW);
    /* under review: no edit */
    in = J("{\"answer\":\"改\"}");
    assert_int_equal(kb_edit(f.store, op, id, in, f.now, &k, &e), -JS_ESTATE);
    kb_entry_release(&k);
    json_decref(in);
    /* reviewers are the platform: not an agent, not the unit */
    act_refused(&f, &f.as[ROLE_AGENT], id, KBA_APPROVE, NULL, -JS_EFORBIDDEN, "");
    act_refused(&f, lead, id, KBA_APPROVE, NULL, -JS_EFORBIDDEN, "");
    /* a rejection needs its reason and goes back to draft with it */
    act_refused(&f, &f.as[ROLE_SUPERVISOR], id, KBA_REJECT, "  ", -JS_EMISSING, "note");
    act_ok(&f, &f.as[ROLE_SUPERVISOR], id, KBA_REJECT, "请补充政策文号");
    k = get(&f, id);
    assert_int_equal(k.status, KB_DRAFT);
    assert_string_equal(k.note, "请补充政策文号");
    assert_int_equal(k.reviewer_id, f.as[ROLE_SUPERVISOR].user_id);
    kb_entry_release(&k);
    /* a draft is edited in place */
    in = J("{\"basis\":\"《物业服务收费管理办法》（发改价格〔2003〕1864号）\"}");
    assert_int_equal(kb_edit(f.store, op, id, in, f.now, &k, &e), 0);
    assert_int_equal(k.id, id);
    assert_int_equal(k.version, 1);
    kb_entry_release(&k);
    json_decref(in);
    act_ok(&f, lead, id, KBA_SUBMIT, NULL);
    act_ok(&f, &f.as[ROLE_ADMIN], id, KBA_APPROVE, NULL);
    k = get(&f, id);
    assert_int_equal(k.status, KB_PUBLISHED);
    assert_int_equal(k.published_at, f.now);
    assert_true(kb_citable(&k, f.now));
    kb_entry_release(&k);
    act_refused(&f, &f.as[ROLE_ADMIN], id, KBA_APPROVE, NULL, -JS_ESTATE, "status");
    /* withdrawal: the unit leader or the platform, with a reason */
    act_refused(&f, op, id, KBA_WITHDRAW, "过时", -JS_EFORBIDDEN, "");
    act_refused(&f, lead, id, KBA_WITHDRAW, NULL, -JS_EMISSING, "note");

    /* a version whose end passed while it waited for review is not published */
    in = J("{\"question\":\"临时停水通知在哪里看？\",\"answer\":\"关注自来水公司公众号。\","
           "\"valid_to\":\"2026-11-20\"}");
    assert_int_equal(kb_create(f.store, op, in, f.now, &k, &e), 0);
    int64_t short_id = k.id;
    kb_entry_release(&k);
    json_decref(in);
    act_ok(&f, lead, short_id, KBA_SUBMIT, NULL);
    fx_advance(&f, 20 * DAY);
    act_refused(&f, &f.as[ROLE_SUPERVISOR], short_id, KBA_APPROVE, NULL, -JS_EINVAL, "valid_to");
    assert_int_equal(status_of(&f, short_id), KB_UNDER_REVIEW);
    fixture_close(&f);
}

static void versions_and_history(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_versions.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    const struct actor *op = fx_unit_actor(&f, 0, false);
    struct kb_entry k;
    struct js_error e;
    js_error_clear(&e);
    int64_t v1 = create(
        &f, op, "{\"question\":\"居住证怎么办理？\",\"answer\":\"携带身份证到社区服务站。\"}");
    publish(&f, 0, v1);
    /* editing the published version opens version 2, v1 stays in force */
    json_t *in = J("{\"answer\":\"携带身份证和租房合同到社区服务站，或在政务服务网办理。\"}");
    assert_int_equal(kb_edit(f.store, op, v1, in, f.now, &k, &e), 0);
    int64_t v2 = k.id;
    assert_true(v2 != v1);
    assert_int_equal(k.entry_id, v1);
    assert_int_equal(k.version, 2);
    assert_int_equal(k.status, KB_DRAFT);
    assert_string_equal(k.question, "居住证怎么办理？");
    kb_entry_release(&k);
    k = get(&f, v1);
    assert_int_equal(k.status, KB_PUBLISHED);
    assert_string_equal(k.answer, "携带身份证到社区服务站。");
    kb_entry_release(&k);
    /* one open version at a time */
    assert_int_equal(kb_edit(f.store, op, v1, in, f.now, &k, &e), -JS_ESTATE);
    assert_true(strstr(e.message, "新版本") != NULL);
    kb_entry_release(&k);
    json_decref(in);
    fx_advance(&f, DAY);
    publish(&f, 0, v2);
    k = get(&f, v1);
    assert_int_equal(k.status, KB_SUPERSEDED);
    assert_int_equal(k.ended_at, f.now);
    assert_false(kb_citable(&k, f.now));
    kb_entry_release(&k);
    /* a superseded version is not edited */
    in = J("{\"answer\":\"x\"}");
    assert_int_equal(kb_edit(f.store, op, v1, in, f.now, &k, &e), -JS_ESTATE);
    kb_entry_release(&k);
    json_decref(in);
    /* the history: both versions, newest first */
    struct kb_list l;
    kb_list_init(&l);
    struct kb_query q = {.entry_id = v1, .limit = 10};
    bool more;
    assert_int_equal(f.store->ops->kb_list(f.store, &q, &l, &more), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].id, v2);
    assert_int_equal(l.v[0].status, KB_PUBLISHED);
    assert_int_equal(l.v[1].id, v1);
    kb_list_release(&l);
    /* the latest version per entry */
    struct kb_query latest = {.latest = true, .limit = 10};
    assert_int_equal(f.store->ops->kb_list(f.store, &latest, &l, &more), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.v[0].id, v2);
    kb_list_release(&l);
    fixture_close(&f);
}

/* Searches published entries as the API does; returns the ids found (at most 8) and how many. */
static int search(struct fixture *f, const char *text, bool any, int64_t category, int64_t *ids)
{
    struct st_query m;
    json_t *syn = searchtext_default_synonyms();
    assert_int_equal(searchtext_query(text, syn, &m), 0);
    json_decref(syn);
    struct kb_query q = {.match = &m,
                         .any = any,
                         .category_id = category,
                         .statuses = KB_BIT(KB_PUBLISHED),
                         .in_force_at = f->now,
                         .limit = 8};
    struct kb_list l;
    kb_list_init(&l);
    bool more;
    assert_int_equal(f->store->ops->kb_list(f->store, &q, &l, &more), 0);
    for (int i = 0; i < l.n; i++)
        ids[i] = l.v[i].id;
    int n = l.n;
    kb_list_release(&l);
    searchtext_query_release(&m);
    return n;
}

static void search_published(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_search.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    const struct actor *op = fx_unit_actor(&f, 3, false);
    char body[512];
    snprintf(body, sizeof body,
             "{\"question\":\"夜间施工噪音扰民怎么处理？\",\"answer\":\"夜间22时至次日6时禁止产生"
             "噪声污染的施工，可由城管执法部门查处。\",\"categories\":[%lld]}",
             (long long)f.cat_leaf);
    int64_t noise = create(&f, op, body);
    publish(&f, 3, noise);
    int64_t parking = create(&f, op,
                             "{\"question\":\"小区乱停车谁来管？\",\"answer\":\"小区内由物业"
                             "管理，道路上由交警查处。\"}");
    publish(&f, 3, parking);
    int64_t draft = create(&f, op, "{\"question\":\"噪音检测怎么申请？\",\"answer\":\"草稿\"}");
    int64_t ids[8];
    /* typed words: synonyms (噪声 → 噪音), traditional characters, drafts never found */
    assert_int_equal(search(&f, "噪声", false, 0, ids), 1);
    assert_int_equal(ids[0], noise);
    assert_int_equal(search(&f, "施工噪音", false, 0, ids), 1);
    assert_int_equal(search(&f, "亂停車", false, 0, ids), 1);
    assert_int_equal(ids[0], parking);
    assert_int_equal(search(&f, "检测", false, 0, ids), 0);
    (void)draft;
    /* a complaint's text: any word, the best first */
    int n = search(&f, "我家楼下工地晚上施工，噪音很大，门口还有人乱停车", true, 0, ids);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], noise);
    /* by category: the root finds what is filed under its leaf */
    assert_int_equal(search(&f, "我家楼下工地晚上施工，门口乱停车", true, f.cat_root, ids), 1);
    assert_int_equal(ids[0], noise);
    fixture_close(&f);
}

/* Finds the kb_entry argument of the answer event. */
static int find_cite(void *ctx, const struct event *ev)
{
    int64_t *kb = ctx;
    if (ev->action == ACT_ANSWER)
        *kb = json_integer_value(json_object_get(json_object_get(ev->payload, "args"), "kb_entry"));
    return 0;
}

static void answer_cites_published(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_cite.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    const struct actor *op = fx_unit_actor(&f, 2, false);
    const struct actor *agent = &f.as[ROLE_AGENT];
    int64_t pub = create(&f, op,
                         "{\"question\":\"公积金提取条件？\",\"answer\":\"购房、租房、退休等"
                         "情形可以提取。\",\"valid_to\":\"2027-12-31\"}");
    publish(&f, 2, pub);
    int64_t draft = create(&f, op, "{\"question\":\"草稿问题\",\"answer\":\"草稿答复\"}");
    char args[512];
    snprintf(args, sizeof args,
             "{\"channel\":\"hotline-12345\",\"type\":\"consult\",\"title\":\"咨询公积金提取\","
             "\"text\":\"想问公积金怎么提取\",\"citizen_name\":\"李女士\","
             "\"citizen_phone\":\"13800002222\",\"category_id\":%lld,\"region_id\":%lld}",
             (long long)f.cat_leaf, (long long)f.community);
    int64_t order = fx_ok(&f, agent, ACT_INTAKE, 0, args);

    /* no such entry: refused, naming kb_entry, in Chinese; the order is unchanged */
    json_t *a = J("{\"answer\":\"可以提取\",\"kb_entry\":99999}");
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(engine_execute(&f.en, agent, ACT_ANSWER, order, 0, a, NULL, &e),
                     -JS_ENOTFOUND);
    assert_string_equal(e.field, "kb_entry");
    assert_true(strstr(e.message, "知识库条目") != NULL);
    json_decref(a);
    /* a draft is not citable */
    snprintf(args, sizeof args, "{\"answer\":\"可以提取\",\"kb_entry\":%lld}", (long long)draft);
    fx_refused(&f, agent, ACT_ANSWER, order, args, -JS_ESTATE);
    struct order o;
    fx_get(&f, order, &o);
    assert_int_equal(o.status, ST_RECEIVED);
    order_release(&o);
    struct kb_entry k = get(&f, pub);
    assert_int_equal(k.uses, 0);
    kb_entry_release(&k);

    /* the published entry is: the answer keeps the citation and the use is counted */
    snprintf(args, sizeof args,
             "{\"answer\":\"购房、租房、退休等情形可以提取。\",\"kb_entry\":%lld}", (long long)pub);
    fx_ok(&f, agent, ACT_ANSWER, order, args);
    fx_get(&f, order, &o);
    assert_int_equal(o.status, ST_ANSWERED);
    order_release(&o);
    k = get(&f, pub);
    assert_int_equal(k.uses, 1);
    kb_entry_release(&k);
    int64_t cited = 0;
    assert_int_equal(f.store->ops->event_each(f.store, order, find_cite, &cited), 0);
    assert_int_equal(cited, pub);

    /* after its end it is no longer citable */
    int64_t order2 =
        fx_ok(&f, agent, ACT_INTAKE, 0,
              "{\"channel\":\"hotline-12345\",\"type\":\"consult\",\"title\":\"公积金\","
              "\"text\":\"公积金提取\",\"anonymous\":true,\"wants_callback\":false}");
    f.now += 500 * DAY;
    fx_refused(&f, agent, ACT_ANSWER, order2, args, -JS_ESTATE);
    fixture_close(&f);
}

static int count_reminders(struct fixture *f)
{
    struct outbox_list l;
    outbox_list_init(&l);
    struct outbox_query q = {.state = -1, .kind = OBK_KB_EXPIRY, .limit = 500};
    assert_int_equal(timers_outbox_list(f->store, &q, &l), 0);
    int n = l.n;
    for (int i = 0; i < l.n; i++) {
        assert_int_equal(l.v[i].order_id, 0);
        assert_true(strstr(l.v[i].text, "知识库条目") != NULL);
    }
    outbox_list_release(&l);
    return n;
}

static void expiry_and_reminders(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_expiry.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    const struct actor *op = fx_unit_actor(&f, 1, false);
    int64_t id = create(&f, op,
                        "{\"question\":\"冬季供暖时间？\",\"answer\":\"11月15日至次年3月15日。\","
                        "\"valid_to\":\"2026-12-12T09:00:00+08:00\"}");
    publish(&f, 1, id);
    int exp, rem;
    struct js_error e;
    js_error_clear(&e);
    /* 40 days left: nothing */
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(exp + rem, 0);
    /* 29 days left: the 30-day reminder, to the leader and the operator, once */
    fx_advance(&f, 11 * DAY);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 1);
    assert_int_equal(count_reminders(&f), 2);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 0);
    fx_advance(&f, DAY);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 0);
    assert_int_equal(count_reminders(&f), 2);
    /* 6 days left: the 7-day reminder, once */
    fx_advance(&f, 22 * DAY);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 1);
    assert_int_equal(exp, 0);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 0);
    assert_int_equal(count_reminders(&f), 4);
    /* past valid_to: expired, no more reminders, not citable */
    fx_advance(&f, 7 * DAY);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(exp, 1);
    assert_int_equal(rem, 0);
    struct kb_entry k = get(&f, id);
    assert_int_equal(k.status, KB_EXPIRED);
    assert_int_equal(k.ended_at, f.now);
    kb_entry_release(&k);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(exp + rem, 0);
    assert_int_equal(count_reminders(&f), 4);
    /* a version published with 5 days left gets one reminder (the 7-day one), not two */
    int64_t late = create(&f, op,
                          "{\"question\":\"元旦假期办事大厅开放吗？\",\"answer\":\"1月1日闭厅。\","
                          "\"valid_to\":\"2027-01-02\"}");
    publish(&f, 1, late);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 1);
    assert_int_equal(kb_tick(f.store, f.now, &exp, &rem, &e), 0);
    assert_int_equal(rem, 0);
    assert_int_equal(count_reminders(&f), 6);
    fixture_close(&f);
}

/* More due versions than one page of the expiry pass: every one expires in one tick. */
static void many_due(void **state)
{
    (void)state;
    struct fixture f;
    fixture_open(&f, "kb_many.db", "pingshan-2020", "2026-11-02T09:00:00+08:00");
    struct store *s = f.store;
    enum { N = 450 };
    assert_int_equal(s->ops->begin(s), 0);
    for (int i = 0; i < N; i++) {
        struct kb_entry k;
        kb_entry_init(&k);
        char q[32];
        snprintf(q, sizeof q, "问题%d", i);
        assert_int_equal(kb_set_str(&k.question, q), 0);
        assert_int_equal(kb_set_str(&k.answer, "答复"), 0);
        assert_int_equal(kb_set_str(&k.basis, ""), 0);
        assert_int_equal(kb_set_str(&k.note, ""), 0);
        k.version = 1;
        k.status = KB_PUBLISHED;
        k.unit_id = f.unit_dept[i % 3];
        k.valid_from = f.now - 100 * DAY;
        /* every third one is only due for a reminder, the others are past their end */
        k.valid_to = i % 3 == 0 ? f.now + 20 * DAY : f.now - DAY;
        k.created_at = k.updated_at = k.published_at = f.now - 99 * DAY;
        assert_int_equal(s->ops->kb_put(s, &k), 0);
        kb_entry_release(&k);
    }
    assert_int_equal(s->ops->commit(s), 0);
    int exp, rem;
    struct js_error e;
    js_error_clear(&e);
    assert_int_equal(kb_tick(s, f.now, &exp, &rem, &e), 0);
    assert_int_equal(exp, N - (N + 2) / 3);
    assert_int_equal(rem, (N + 2) / 3);
    assert_int_equal(kb_tick(s, f.now, &exp, &rem, &e), 0);
    assert_int_equal(exp + rem, 0);
    fixture_close(&f);
}

struct stats_seen {
    struct kb_unit_stats v[8];
    int n;
};

static int stats_cb(void *ctx, const struct kb_unit_stats *st)
{
    struct stats_seen *s = ctx;
    if (s->n < 8)
        s->v[s->n++] = *st;
    return 0;
}

static const struct kb_unit_stats *stats_of(struct stats_seen *s, int64_t unit)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i].unit_id == unit)
            return &s->v[i];
    fail_msg("no figures for unit %lld", (long long)unit);
    return NULL;
}

static int64_t answer_citing(struct fixture *f, int64_t kb)
{
    int64_t order = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0,
                          "{\"channel\":\"hotline-12345\",\"type\":\"consult\",\"title\":\"咨询\","
                          "\"text\":\"咨询政策\",\"anonymous\":true,\"wants_callback\":false}");
    char args[128];
    snprintf(args, sizeof args, "{\"answer\":\"按知识库答复\",\"kb_entry\":%lld}", (long long)kb);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_ANSWER, order, args);
    return order;
}

static void unit_figures(void **state)
{
    (void)state;
    struct fixture f;
    /* October 2026 is the period; everything starts in September */
    fixture_open(&f, "kb_stats.db", "pingshan-2020", "2026-09-01T09:00:00+08:00");
    const struct actor *a_op = fx_unit_actor(&f, 2, false), *a_lead = fx_unit_actor(&f, 2, true);
    const struct actor *b_op = fx_unit_actor(&f, 3, false);
    /* unit A: e1 in force all along; e2 ends 2026-10-10 (out of date at the end of October);
     * e3 withdrawn on purpose (not out of date); e4 a draft (not counted); e5 ended 2026-10-05
     * but renewed by a version published 2026-10-20 (in force, not out of date). */
    int64_t e1 = create(&f, a_op, "{\"question\":\"一\",\"answer\":\"一\"}");
    int64_t e2 =
        create(&f, a_op, "{\"question\":\"二\",\"answer\":\"二\",\"valid_to\":\"2026-10-10\"}");
    int64_t e3 = create(&f, a_op, "{\"question\":\"三\",\"answer\":\"三\"}");
    create(&f, a_op, "{\"question\":\"四\",\"answer\":\"四\"}");
    int64_t e5 =
        create(&f, a_op, "{\"question\":\"五\",\"answer\":\"五\",\"valid_to\":\"2026-10-05\"}");
    publish(&f, 2, e1);
    publish(&f, 2, e2);
    publish(&f, 2, e3);
    publish(&f, 2, e5);
    /* unit B: one entry in force */
    int64_t b1 = create(&f, b_op, "{\"question\":\"乙\",\"answer\":\"乙\"}");
    publish(&f, 3, b1);
    /* uses: one in September (outside the period), two in October for A, one for B */
    answer_citing(&f, e1);
    f.now += 30 * DAY; /* 2026-10-01 09:00 */
    answer_citing(&f, e1);
    answer_citing(&f, e2);
    answer_citing(&f, b1);
    act_ok(&f, a_lead, e3, KBA_WITHDRAW, "政策已废止");
    struct js_error e;
    js_error_clear(&e);
    f.now += 10 * DAY; /* 2026-10-11 09:00: e2 and e5 are past their end */
    assert_int_equal(kb_tick(f.store, f.now, NULL, NULL, &e), 0);
    assert_int_equal(status_of(&f, e2), KB_EXPIRED);
    f.now += 9 * DAY; /* 2026-10-20: e5 renewed */
    struct kb_entry k;
    json_t *in = J("{\"valid_to\":\"2027-10-31\"}");
    assert_int_equal(kb_edit(f.store, a_op, e5, in, f.now, &k, &e), 0);
    json_decref(in);
    int64_t e5v2 = k.id;
    kb_entry_release(&k);
    publish(&f, 2, e5v2);
    f.now += 20 * DAY; /* November: a use outside the period */
    answer_citing(&f, e1);

    struct ind_period_like {
        int64_t from, to;
    } oct;
    assert_int_equal(jtime_parse("2026-10-01", &oct.from), 0);
    assert_int_equal(jtime_parse("2026-11-01", &oct.to), 0);
    struct stats_seen seen = {.n = 0};
    assert_int_equal(f.store->ops->kb_stats(f.store, oct.from, oct.to, oct.to, stats_cb, &seen), 0);
    assert_int_equal(seen.n, 2);
    const struct kb_unit_stats *a = stats_of(&seen, f.unit_dept[0]);
    assert_int_equal(a->published, 2); /* e1, e5 v2 */
    assert_int_equal(a->stale, 1);     /* e2 */
    assert_int_equal(a->uses, 2);      /* e1 and e2 in October */
    const struct kb_unit_stats *b = stats_of(&seen, f.unit_dept[1]);
    assert_int_equal(b->published, 1);
    assert_int_equal(b->stale, 0);
    assert_int_equal(b->uses, 1);
    /* at the end of September: e1, e2, e3, e5 in force, nothing out of date, one use */
    int64_t sep;
    assert_int_equal(jtime_parse("2026-09-01", &sep), 0);
    seen.n = 0;
    assert_int_equal(f.store->ops->kb_stats(f.store, sep, oct.from, oct.from, stats_cb, &seen), 0);
    a = stats_of(&seen, f.unit_dept[0]);
    assert_int_equal(a->published, 4);
    assert_int_equal(a->stale, 0);
    assert_int_equal(a->uses, 1);
    /* the figures as indicators a scheme refers to (by id or Chinese label) */
    int64_t ids[2] = {f.unit_dept[0], f.unit_dept[1]};
    struct ind_table t;
    struct ind_params prm;
    ind_params_default(&prm);
    assert_int_equal(ind_table_init(&t, ids, 2), 0);
    seen.n = 0;
    assert_int_equal(f.store->ops->kb_stats(f.store, oct.from, oct.to, oct.to, stats_cb, &seen), 0);
    for (int i = 0; i < seen.n; i++)
        ind_table_add_kb(&t, seen.v[i].unit_id, seen.v[i].published, seen.v[i].stale,
                         seen.v[i].uses);
    ind_table_finish(&t, &prm);
    int ra = ind_table_row(&t, f.unit_dept[0]), rb = ind_table_row(&t, f.unit_dept[1]);
    assert_int_equal(ind_lookup("kb_published", 12), IND_KB_PUBLISHED);
    assert_int_equal(ind_lookup("知识库过期率", strlen("知识库过期率")), IND_KB_STALE_RATE);
    assert_true(ind_value(&t, ra, IND_KB_PUBLISHED) == 2.0);
    assert_true(ind_value(&t, ra, IND_KB_STALE) == 1.0);
    assert_true(ind_value(&t, ra, IND_KB_STALE_RATE) == 1.0 / 3.0); /* 1 ÷ (2 + 1) */
    assert_true(ind_value(&t, ra, IND_KB_USES) == 2.0);
    assert_true(ind_value(&t, rb, IND_KB_STALE_RATE) == 0.0);
    assert_true(ind_value(&t, rb, IND_KB_USES) == 1.0);
    /* a scheme scores 知识库建设 from them, like any other indicator */
    static const char scheme_json[] =
        "{\"name\":\"kb-test\",\"indicators\":{\"知识库建设\":\"kb_stale_rate\","
        "\"接收量\":\"received\"},\"items\":[{\"id\":\"kb\",\"name\":\"知识库建设\","
        "\"max\":10,\"expr\":\"10 × (1 − 知识库建设)\"}]}";
    struct scheme *sc = NULL;
    struct js_error se;
    js_error_clear(&se);
    if (scheme_parse(scheme_json, strlen(scheme_json), &sc, &se))
        fail_msg("scheme: %s (%s)", se.message, se.field);
    double vals[2 * IND__COUNT];
    for (int i = 0; i < IND__COUNT; i++) {
        vals[i] = ind_value(&t, ra, i);
        vals[IND__COUNT + i] = ind_value(&t, rb, i);
    }
    vals[IND_RECEIVED] = vals[IND__COUNT + IND_RECEIVED] = 1; /* both assessed */
    int kinds[2] = {UNIT_DEPARTMENT, UNIT_DEPARTMENT};
    struct scheme_row rows[2];
    assert_int_equal(scheme_eval(sc, 2, kinds, vals, NULL, rows, &se), 0);
    assert_true(fabs(rows[0].items[0] - 10.0 * (1 - 1.0 / 3.0)) < 1e-9); /* 6.67 */
    assert_true(fabs(rows[1].items[0] - 10.0) < 1e-9);
    assert_int_equal(rows[1].rank, 1);
    scheme_free(sc);
    ind_table_release(&t);
    fixture_close(&f);
}

/* ---- PostgreSQL: the same ranking as SQLite ------------------------------------------------ */

/* A store of the given location with one unit and one category, migrated. */
static struct store *rank_store(const char *loc, int64_t *unit, int64_t *cat)
{
    struct store *s = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (store_open(loc, &s, &e) || s->ops->migrate(s, &e))
        fail_msg("store %s: %s", loc, e.message);
    struct unit u = {.kind = UNIT_DEPARTMENT, .active = true};
    snprintf(u.code, sizeof u.code, "B1");
    snprintf(u.name, sizeof u.name, "区住建委");
    assert_int_equal(s->ops->unit_put(s, &u), 0);
    struct category c = {.level = 1};
    snprintf(c.code, sizeof c.code, "01");
    snprintf(c.name, sizeof c.name, "城乡建设");
    assert_int_equal(s->ops->category_put(s, &c), 0);
    *unit = u.id;
    *cat = c.id;
    return s;
}

/* The ids kb_list gives for text on s (any: any token), from offset, at most limit; *more. */
static int rank_ids(struct store *s, const char *text, bool any, int offset, int limit,
                    int64_t *ids, bool *more)
{
    struct st_query m;
    json_t *syn = searchtext_default_synonyms();
    assert_int_equal(searchtext_query(text, syn, &m), 0);
    json_decref(syn);
    struct kb_query q = {.match = &m, .any = any, .offset = offset, .limit = limit};
    struct kb_list l;
    kb_list_init(&l);
    assert_int_equal(s->ops->kb_list(s, &q, &l, more), 0);
    for (int i = 0; i < l.n; i++)
        ids[i] = l.v[i].id;
    int n = l.n;
    kb_list_release(&l);
    searchtext_query_release(&m);
    return n;
}

/* The versions a text search finds on PostgreSQL, and their order (FTS5's bm25 with the
 * question weighing most, computed from the tsvector index), are SQLite's, query for query:
 * the same versions written to both stores, searched with phrases, prefixes, synonyms and with
 * any token, whole and by pages. */
static void ranking_as_sqlite(void **state)
{
    (void)state;
    static const char *const entries[][3] = {
        {"夜间施工噪音扰民怎么处理？",
         "夜间22时至次日6时禁止产生噪声污染的施工，由城管执法部门查处。",
         "《北京市环境噪声污染防治办法》第二十八条"},
        {"施工噪音", "施工单位应当采取降噪措施。", ""},
        {"小区乱停车谁来管？", "小区内由物业管理，道路上由交警查处。", ""},
        {"小区乱停车谁来管？", "小区内由物业管理，道路上由交警查处。", ""}, /* a tie */
        {"物业不作为怎么投诉？", "可向街道办事处或区住建委反映物业服务问题，噪音问题另行处理。",
         "《物业管理条例》"},
        {"垃圾清运不及时", "由街道环卫所负责清运，噪音扰民可拨打12345。", ""},
        {"停车场收费标准", "停车收费按照区发改委核定的标准执行，停车场应公示收费标准。",
         "停车场收费管理规定"},
        {"供暖不热怎么办", "供暖期室温不低于18摄氏度，可向供热单位报修。", ""},
        {"噪声检测怎么申请", "可向区生态环境局申请噪声检测，检测费用由责任方承担。", ""},
        {"wifi信号差", "联系运营商报修wifi故障，号码10000。", ""},
        {"施工许可查询", "施工许可证可在住建委网站查询，夜间施工需办理夜间施工许可。", ""},
        {"道路积水", "积水点位由排水集团处理。", ""},
    };
    static const char *const queries[] = {
        "噪音",
        "施工噪音",
        "噪",
        "停车",
        "乱停車",
        "夜间施工",
        "物业 噪音",
        "wifi",
        "收费标准",
        "检测",
        "积水 道路",
        "供热",
        "我家楼下工地晚上施工，噪音很大，门口还有人乱停车",
        "小区物业不管停车收费",
    };
    struct store *st[2];
    int64_t unit[2], cat[2];
    char sqlite_path[1024];
    snprintf(sqlite_path, sizeof sqlite_path, "%s", tu_path("kb_rank.db"));
    unlink(sqlite_path);
    st[0] = rank_store(sqlite_path, &unit[0], &cat[0]);
    st[1] = rank_store(tu_db_fresh("kb_rank"), &unit[1], &cat[1]);
    int64_t t0 = 1790000000;
    for (int b = 0; b < 2; b++) {
        for (int i = 0; i < (int)JS_ARRAY_LEN(entries); i++) {
            struct kb_entry k;
            kb_entry_init(&k);
            k.version = 1;
            k.status = i == 7 ? KB_DRAFT : KB_PUBLISHED; /* a draft is not searched */
            assert_int_equal(kb_set_str(&k.question, entries[i][0]), 0);
            assert_int_equal(kb_set_str(&k.answer, entries[i][1]), 0);
            assert_int_equal(kb_set_str(&k.basis, entries[i][2]), 0);
            assert_int_equal(kb_set_str(&k.note, ""), 0);
            k.unit_id = unit[b];
            k.categories[k.n_categories++] = cat[b];
            k.valid_from = t0;
            k.created_at = k.updated_at = t0;
            k.published_at = k.status == KB_PUBLISHED ? t0 : 0;
            assert_int_equal(st[b]->ops->kb_put(st[b], &k), 0);
            assert_int_equal(k.id, i + 1);
            kb_entry_release(&k);
        }
    }
    int compared = 0, found = 0;
    for (int i = 0; i < (int)JS_ARRAY_LEN(queries); i++)
        for (int any = 0; any < 2; any++) {
            int64_t ids[2][32];
            bool more[2];
            int n[2];
            for (int b = 0; b < 2; b++)
                n[b] = rank_ids(st[b], queries[i], any, 0, 30, ids[b], &more[b]);
            if (n[0] != n[1])
                fail_msg("%s (any %d): %d versions on SQLite, %d on PostgreSQL", queries[i], any,
                         n[0], n[1]);
            for (int k = 0; k < n[0]; k++)
                if (ids[0][k] != ids[1][k])
                    fail_msg("%s (any %d): hit %d is %lld on SQLite, %lld on PostgreSQL",
                             queries[i], any, k, (long long)ids[0][k], (long long)ids[1][k]);
            assert_false(more[0] || more[1]);
            /* a page from the middle */
            for (int b = 0; b < 2; b++)
                n[b] = rank_ids(st[b], queries[i], any, 1, 2, ids[b], &more[b]);
            assert_int_equal(n[0], n[1]);
            assert_int_equal(more[0], more[1]);
            for (int k = 0; k < n[0]; k++)
                assert_int_equal(ids[0][k], ids[1][k]);
            compared++;
            found += n[0];
        }
    assert_int_equal(compared, 2 * (int)JS_ARRAY_LEN(queries));
    assert_true(found > 20); /* the queries do find versions */
    /* the tie: the newer of two equal versions first */
    int64_t ids[32];
    bool more;
    assert_true(rank_ids(st[1], "乱停车", false, 0, 30, ids, &more) >= 2);
    assert_int_equal(ids[0], 4);
    assert_int_equal(ids[1], 3);
    store_close(st[0]);
    store_close(st[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lifecycle_and_refusals),
        cmocka_unit_test(versions_and_history),
        cmocka_unit_test(search_published),
        cmocka_unit_test(answer_cites_published),
        cmocka_unit_test(expiry_and_reminders),
        cmocka_unit_test(unit_figures),
        cmocka_unit_test(many_due),
    };
    /* what only the PostgreSQL run can compare */
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test(ranking_as_sqlite),
    };
    int failed = cmocka_run_group_tests_name(
        tu_pg() ? "knowledge base on PostgreSQL" : "knowledge base on SQLite", tests, NULL, NULL);
    if (tu_pg())
        failed += cmocka_run_group_tests_name("knowledge-base ranking: PostgreSQL as SQLite",
                                              pg_tests, NULL, NULL);
    return failed;
}
