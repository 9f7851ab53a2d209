/* A small organisation in a real store (SQLite, or PostgreSQL when JIESU_PG_URL is set), for
 * engine-level tests. */
#include "compat.h"
#include "fixture.h"
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int64_t fixture_now(void *ctx)
{
    return *(int64_t *)ctx;
}

static int64_t put_region(struct store *s, int64_t parent, int level, const char *code,
                          const char *name)
{
    struct region r = {.parent_id = parent, .level = level};
    snprintf(r.code, sizeof r.code, "%s", code);
    snprintf(r.name, sizeof r.name, "%s", name);
    assert_int_equal(s->ops->region_put(s, &r), 0);
    return r.id;
}

static int64_t put_unit(struct store *s, const char *code, const char *name, int kind,
                        int64_t region)
{
    struct unit u = {.kind = kind, .region_id = region, .active = true};
    snprintf(u.code, sizeof u.code, "%s", code);
    snprintf(u.name, sizeof u.name, "%s", name);
    for (int i = 0; i < CONTACT__COUNT; i++) {
        snprintf(u.contacts[i].name, sizeof u.contacts[i].name, "联系人%d", i + 1);
        snprintf(u.contacts[i].phone, sizeof u.contacts[i].phone, "1380000000%d", i);
    }
    assert_int_equal(s->ops->unit_put(s, &u), 0);
    return u.id;
}

static void put_user(struct store *s, const char *login, int role, int64_t unit, struct actor *a)
{
    struct user u = {.role = role, .unit_id = unit, .active = true};
    snprintf(u.login, sizeof u.login, "%s", login);
    snprintf(u.name, sizeof u.name, "%s", login);
    assert_int_equal(s->ops->user_put(s, &u), 0);
    a->user_id = u.id;
    a->role = role;
    a->unit_id = unit;
    snprintf(a->name, sizeof a->name, "%s", login);
}

void fixture_open(struct fixture *f, const char *name, const char *preset, const char *start)
{
    memset(f, 0, sizeof *f);
    struct js_error e;
    js_error_clear(&e);
    const char *path = tu_db_fresh(name); /* SQLite, or PostgreSQL when JIESU_PG_URL is set */
    snprintf(f->db, sizeof f->db, "%s", path);
    if (store_open(path, &f->store, &e))
        fail_msg("store_open %s: %s", path, e.message);
    assert_int_equal(f->store->ops->migrate(f->store, &e), 0);
    assert_int_equal(jtime_parse(start, &f->now), 0);
    f->clock.now = fixture_now;
    f->clock.ctx = &f->now;
    assert_int_equal(engine_init(&f->en, f->store, tu_shipped(), &f->clock, &e), 0);
    if (engine_set_policy(&f->en, preset, NULL, &e))
        fail_msg("preset %s: %s", preset, e.message);

    struct store *s = f->store;
    assert_int_equal(s->ops->begin(s), 0);
    f->district = put_region(s, 0, RLEVEL_DISTRICT, "D", "示范区");
    f->street[0] = put_region(s, f->district, RLEVEL_STREET, "D.1", "东华门街道");
    f->street[1] = put_region(s, f->district, RLEVEL_STREET, "D.2", "景山街道");
    f->community = put_region(s, f->street[0], RLEVEL_COMMUNITY, "D.1.1", "多福巷社区");
    struct category c = {.level = 1};
    snprintf(c.code, sizeof c.code, "01");
    snprintf(c.name, sizeof c.name, "城乡建设");
    assert_int_equal(s->ops->category_put(s, &c), 0);
    f->cat_root = c.id;
    struct category leaf = {.level = 2, .parent_id = c.id};
    snprintf(leaf.code, sizeof leaf.code, "01.01");
    snprintf(leaf.name, sizeof leaf.name, "物业管理");
    assert_int_equal(s->ops->category_put(s, &leaf), 0);
    f->cat_leaf = leaf.id;

    f->unit_street[0] = put_unit(s, "S1", "东华门街道办事处", UNIT_STREET, f->street[0]);
    f->unit_street[1] = put_unit(s, "S2", "景山街道办事处", UNIT_STREET, f->street[1]);
    f->unit_dept[0] = put_unit(s, "B1", "区住建委", UNIT_DEPARTMENT, f->district);
    f->unit_dept[1] = put_unit(s, "B2", "区城管委", UNIT_DEPARTMENT, f->district);
    f->unit_dept[2] = put_unit(s, "B3", "区交通委", UNIT_DEPARTMENT, f->district);
    f->unit_ent = put_unit(s, "E1", "自来水公司", UNIT_ENTERPRISE, f->district);
    for (int r = 0; r < ROLE__COUNT; r++) {
        if (r == ROLE_UNIT_OPERATOR || r == ROLE_UNIT_LEADER)
            continue;
        if (r == ROLE_SYSTEM) {
            f->as[r].role = ROLE_SYSTEM;
            snprintf(f->as[r].name, sizeof f->as[r].name, "system");
            continue;
        }
        put_user(s, js_role_names[r], r, 0, &f->as[r]);
    }
    int64_t units[6] = {f->unit_street[0], f->unit_street[1], f->unit_dept[0],
                        f->unit_dept[1],   f->unit_dept[2],   f->unit_ent};
    for (int i = 0; i < 6; i++) {
        char login[32];
        snprintf(login, sizeof login, "op%d", i);
        put_user(s, login, ROLE_UNIT_OPERATOR, units[i], &f->unit_op[i]);
        snprintf(login, sizeof login, "lead%d", i);
        put_user(s, login, ROLE_UNIT_LEADER, units[i], &f->unit_lead[i]);
    }
    assert_int_equal(s->ops->commit(s), 0);
}

void fixture_close(struct fixture *f)
{
    engine_release(&f->en);
    store_close(f->store);
    f->store = NULL;
}

static json_t *parse(const char *args_json)
{
    json_error_t jerr;
    json_t *j = json_loads(args_json ? args_json : "{}", 0, &jerr);
    if (!j)
        fail_msg("bad test JSON: %s: %s", jerr.text, args_json);
    return j;
}

int64_t fx_ok(struct fixture *f, const struct actor *who, int action, int64_t order_id,
              const char *args_json)
{
    json_t *args = parse(args_json);
    struct js_error e;
    js_error_clear(&e);
    struct engine_result res;
    struct order done, stored;
    order_init(&done);
    order_init(&stored);
    int rc = engine_execute_order(&f->en, who, action, order_id, 0, args, &res, &done, &e);
    json_decref(args);
    if (rc)
        fail_msg("%s by %s refused: %s: %s (field %s)", js_action_names[action], who->name,
                 js_err_name(rc), e.message, e.field);
    /* the order the engine hands over (what the API answers with) is the one the store holds */
    assert_int_equal(done.id, res.order_id);
    assert_int_equal(f->store->ops->order_get(f->store, res.order_id, &stored), 0);
    json_t *a = order_to_json(&done), *b = order_to_json(&stored);
    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
        fail_msg("%s: the order handed over differs from the stored one:\nhanded %s\nstored %s",
                 js_action_names[action], sa, sb);
    }
    json_decref(a);
    json_decref(b);
    order_release(&done);
    order_release(&stored);
    return res.order_id;
}

void fx_refused(struct fixture *f, const struct actor *who, int action, int64_t order_id,
                const char *args_json, int code)
{
    json_t *args = parse(args_json);
    struct js_error e;
    js_error_clear(&e);
    int rc = engine_execute(&f->en, who, action, order_id, 0, args, NULL, &e);
    json_decref(args);
    if (rc != code)
        fail_msg("%s by %s: expected %s, got %s (%s)", js_action_names[action], who->name,
                 js_err_name(code), js_err_name(rc), e.message);
}

void fx_get(struct fixture *f, int64_t id, struct order *o)
{
    order_init(o);
    assert_int_equal(f->store->ops->order_get(f->store, id, o), 0);
}

void fx_advance(struct fixture *f, int64_t seconds)
{
    f->now += seconds;
}

const struct actor *fx_unit_actor(struct fixture *f, int i, bool leader)
{
    return leader ? &f->unit_lead[i] : &f->unit_op[i];
}

int64_t fx_new_filed(struct fixture *f)
{
    char args[512];
    snprintf(args, sizeof args,
             "{\"channel\":\"hotline-12345\",\"type\":\"complaint\",\"title\":\"小区噪音扰民\","
             "\"text\":\"夜间施工噪音严重，影响休息。\",\"citizen_name\":\"张先生\","
             "\"citizen_phone\":\"13800001111\",\"address\":\"多福巷12号\",\"category_id\":%lld,"
             "\"region_id\":%lld}",
             (long long)f->cat_leaf, (long long)f->community);
    int64_t id = fx_ok(f, &f->as[ROLE_AGENT], ACT_INTAKE, 0, args);
    fx_ok(f, &f->as[ROLE_AGENT], ACT_FILE, id, "{}");
    return id;
}
