/* Administration over the API: units with their contacts, users and roles, regions, categories,
 * the responsibility catalogue and the policy (writes by admins only, each audited), and the
 * audit trail for auditors. */
#include "compat.h"
#include "http/app.h"
#include "http/respond.h"
#include "store/store.h"
#include "util/jfield.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_DEFAULT_LIMIT 100
#define PASSWORD_MIN        8

static const char *const no_params[] = {NULL};
static const char *const contact_tiers[] = {"leader", "section", "operator", NULL};
static const char *const contact_fields[] = {"name", "phone", "email", NULL};
static const char *const unit_fields[] = {"code",   "name",     "kind", "region_id",
                                          "active", "contacts", NULL};
static const char *const user_fields[] = {"login", "name",     "role",   "unit_id",
                                          "phone", "password", "active", NULL};
static const char *const region_fields[] = {"parent_id", "level", "code", "name", NULL};
static const char *const category_fields[] = {"parent_id", "level", "code", "name", NULL};
static const char *const catalogue_fields[] = {"category_id", "region_id", "unit_id", "basis",
                                               NULL};
static const char *const policy_fields[] = {"preset", "overrides", NULL};
static const char *const audit_params[] = {"cursor", "after", "limit", "user_id", "order",
                                           "action", "from",  "to",    "newest",  NULL};

/* --- shared ------------------------------------------------------------------------------ */

/* The {id} path parameter, or 404. */
static int path_id(const struct http_request *req, struct http_response *res, const char *what,
                   int64_t *id)
{
    if (app_parse_id(http_param(req, "id"), id) == 0)
        return 0;
    char msg[96];
    snprintf(msg, sizeof msg, "%s不存在", what);
    http_error(res, -JS_ENOTFOUND, "id", msg);
    return -JS_ENOTFOUND;
}

/* A code: 1–31 characters of letters, digits, '.', '_' and '-'. */
static int code_field(const json_t *body, bool required, char *dst, size_t n, struct js_error *e)
{
    char tmp[64] = "";
    int rc = app_str_field(body, "code", required, 31, tmp, sizeof tmp, e);
    if (rc || !tmp[0])
        return rc;
    size_t len = strlen(tmp);
    if (strspn(tmp, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != len)
        return js_fail(e, JS_EINVAL, "code", "a code is made of letters, digits, '.', '_', '-'");
    if (len >= n)
        return js_fail(e, JS_ETOOLONG, "code", "the code is too long");
    memcpy(dst, tmp, len + 1);
    return 0;
}

/* Writes in one transaction: put() then the audit entry, then commit. */
typedef int (*put_fn)(struct store *s, void *thing);

static int put_audited(struct app_ctx *c, put_fn put, void *thing, const char *action,
                       const char *detail)
{
    struct store *s = c->store;
    int rc = s->ops->begin(s);
    if (rc)
        return rc;
    rc = put(s, thing);
    if (!rc)
        rc = app_audit_append(c, c->user.id, 0, action, detail);
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    return s->ops->commit(s);
}

/* Answers a write: the stored thing as JSON with 201 (created) or 200. */
static void answer_put(struct http_response *res, int rc, bool create, json_t *j, const char *field,
                       const char *what)
{
    if (rc) {
        json_decref(j);
        app_store_error(res, rc, field, what);
        return;
    }
    http_json(res, create ? 201 : 200, j);
}

/* --- units ------------------------------------------------------------------------------- */

static json_t *unit_json(const struct unit *u)
{
    json_t *contacts = json_object();
    for (int t = 0; t < CONTACT__COUNT; t++)
        json_object_set_new(contacts, contact_tiers[t],
                            json_pack("{ss ss ss}", "name", u->contacts[t].name, "phone",
                                      u->contacts[t].phone, "email", u->contacts[t].email));
    bool kind_ok = u->kind >= 0 && u->kind < UNIT__COUNT;
    return json_pack("{sI ss ss ss ss so sb so}", "id", (json_int_t)u->id, "code", u->code, "name",
                     u->name, "kind", kind_ok ? js_unit_kind_names[u->kind] : "", "kind_label",
                     kind_ok ? js_unit_kind_labels[u->kind] : "", "region_id",
                     u->region_id ? json_integer(u->region_id) : json_null(), "active", u->active,
                     "contacts", contacts);
}

static int unit_contacts(const json_t *body, struct unit *u, struct js_error *e)
{
    json_t *cs = json_object_get(body, "contacts");
    if (!cs || json_is_null(cs))
        return 0;
    if (!json_is_object(cs))
        return js_fail(e, JS_ETYPE, "contacts", "'contacts' must be an object");
    int rc = jf_known(cs, contact_tiers, e);
    if (rc)
        return rc;
    for (int t = 0; t < CONTACT__COUNT; t++) {
        json_t *one = json_object_get(cs, contact_tiers[t]);
        if (!one || json_is_null(one))
            continue;
        if (!json_is_object(one))
            return js_fail(e, JS_ETYPE, contact_tiers[t], "a contact must be an object");
        struct contact *ct = &u->contacts[t];
        if ((rc = jf_known(one, contact_fields, e)) ||
            (rc = app_str_field(one, "name", false, 63, ct->name, sizeof ct->name, e)) ||
            (rc = app_str_field(one, "phone", false, 31, ct->phone, sizeof ct->phone, e)) ||
            (rc = app_str_field(one, "email", false, 127, ct->email, sizeof ct->email, e)))
            return rc;
    }
    return 0;
}

static void list_units(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    struct unit *v = NULL;
    int n = 0;
    int rc = c->store->ops->unit_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "units");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, unit_json(&v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static void get_unit(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    if (app_query_known(req, no_params, res) || path_id(req, res, "单位", &id))
        return;
    struct unit u;
    int rc = c->store->ops->unit_get(c->store, id, &u);
    if (rc)
        app_store_error(res, rc, "id", "unit");
    else
        http_json(res, 200, unit_json(&u));
}

static int put_unit(struct store *s, void *u)
{
    return s->ops->unit_put(s, u);
}

static void write_unit(struct app *a, struct http_request *req, struct http_response *res,
                       bool create)
{
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    struct unit u;
    memset(&u, 0, sizeof u);
    u.active = true;
    if (!create) {
        if (path_id(req, res, "单位", &u.id))
            return;
        int rc = c->store->ops->unit_get(c->store, u.id, &u);
        if (rc) {
            app_store_error(res, rc, "id", "unit");
            return;
        }
    }
    json_t *body = NULL;
    if (app_body(req, unit_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    int64_t region = u.region_id;
    if (code_field(body, create, u.code, sizeof u.code, &e) ||
        app_str_field(body, "name", create, 127, u.name, sizeof u.name, &e) ||
        jf_enum(body, "kind", create, js_unit_kind_names, &u.kind, &e) ||
        jf_int(body, "region_id", false, 0, INT64_MAX, &region, &e) ||
        jf_bool(body, "active", false, &u.active, &e) || unit_contacts(body, &u, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (region && region != u.region_id) {
        struct region r;
        if (c->store->ops->region_get(c->store, region, &r)) {
            http_error(res, -JS_EINVAL, "region_id", "no such region");
            goto out;
        }
    }
    u.region_id = region;
    char detail[160];
    snprintf(detail, sizeof detail, "unit code=%s", u.code);
    int rc = put_audited(c, put_unit, &u, create ? "unit_create" : "unit_update", detail);
    answer_put(res, rc, create, rc ? NULL : unit_json(&u), "code", "unit");
out:
    json_decref(body);
}

static void create_unit(void *ap, struct http_request *req, struct http_response *res)
{
    write_unit(ap, req, res, true);
}

static void update_unit(void *ap, struct http_request *req, struct http_response *res)
{
    write_unit(ap, req, res, false);
}

/* --- users ------------------------------------------------------------------------------- */

static bool login_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 63 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

static void list_users(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_AUDITOR), res) ||
        app_query_known(req, no_params, res))
        return;
    struct user *v = NULL;
    int n = 0;
    int rc = c->store->ops->user_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "users");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, app_user_json(&v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static void get_user(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    if (app_query_known(req, no_params, res) || path_id(req, res, "用户", &id))
        return;
    if (id != c->user.id &&
        app_require_roles(c, ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_AUDITOR), res))
        return;
    struct user u;
    int rc = c->store->ops->user_get(c->store, id, &u);
    if (rc)
        app_store_error(res, rc, "id", "user");
    else
        http_json(res, 200, app_user_json(&u));
}

static int put_user(struct store *s, void *u)
{
    return s->ops->user_put(s, u);
}

/* A password reset: the user and the end of every session of theirs (but the caller's own,
 * when administrators reset their own password), in one transaction. */
struct user_reset {
    struct user *u;
    const char *keep_hash;
};

static int put_user_reset(struct store *s, void *thing)
{
    struct user_reset *r = thing;
    int rc = s->ops->user_put(s, r->u);
    return rc ? rc : s->ops->session_delete_user(s, r->u->id, r->keep_hash, NULL);
}

static void write_user(struct app *a, struct http_request *req, struct http_response *res,
                       bool create)
{
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    struct user u, before;
    memset(&u, 0, sizeof u);
    u.active = true;
    u.role = -1;
    if (!create) {
        if (path_id(req, res, "用户", &u.id))
            return;
        int rc = c->store->ops->user_get(c->store, u.id, &u);
        if (rc) {
            app_store_error(res, rc, "id", "user");
            return;
        }
    }
    before = u;
    json_t *body = NULL;
    if (app_body(req, user_fields, false, &body, res))
        goto out;
    struct js_error e;
    js_error_clear(&e);
    const char *password = NULL;
    if (app_str_field(body, "login", create, 63, u.login, sizeof u.login, &e) ||
        app_str_field(body, "name", create, 63, u.name, sizeof u.name, &e) ||
        jf_enum(body, "role", create, js_role_names, &u.role, &e) ||
        jf_int(body, "unit_id", false, 0, INT64_MAX, &u.unit_id, &e) ||
        app_str_field(body, "phone", false, 31, u.phone, sizeof u.phone, &e) ||
        jf_str(body, "password", create, AUTH_PASSWORD_MAX, &password, &e) ||
        jf_bool(body, "active", false, &u.active, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (!login_ok(u.login)) {
        http_error(res, -JS_EINVAL, "login", "a login is letters, digits, '.', '_', '@', '-'");
        goto out;
    }
    if (u.role == ROLE_SYSTEM) {
        http_error(res, -JS_EINVAL, "role", "the system role is not given to people");
        goto out;
    }
    if (app_is_unit_role(u.role)) {
        struct unit un;
        if (!u.unit_id) {
            http_error(res, -JS_EMISSING, "unit_id", "unit users need a unit");
            goto out;
        }
        if (c->store->ops->unit_get(c->store, u.unit_id, &un)) {
            http_error(res, -JS_EINVAL, "unit_id", "no such unit");
            goto out;
        }
    } else if (json_object_get(body, "unit_id") && u.unit_id) {
        http_error(res, -JS_EINVAL, "unit_id", "only unit users belong to a unit");
        goto out;
    } else {
        u.unit_id = 0;
    }
    if (!create && u.id == c->user.id && (!u.active || u.role != ROLE_ADMIN)) {
        http_error(res, -JS_ERULE, u.active ? "role" : "active",
                   "you cannot remove your own administrator access");
        goto out;
    }
    if (password) {
        if (utf8_len(password) < PASSWORD_MIN) {
            http_error(res, -JS_EINVAL, "password", "a password needs at least 8 characters");
            goto out;
        }
        char hash[AUTH_HASH_MAX];
        if (auth_password_hash(password, hash, &e)) {
            http_error_from(res, &e);
            goto out;
        }
        snprintf(u.pwhash, sizeof u.pwhash, "%s", hash);
    }
    char detail[256];
    snprintf(detail, sizeof detail, "user login=%s role=%s unit=%lld active=%d%s", u.login,
             js_role_names[u.role], (long long)u.unit_id, u.active,
             password ? " password=set" : "");
    if (!create && before.role != u.role)
        snprintf(detail + strlen(detail), sizeof detail - strlen(detail), " role_was=%s",
                 js_role_names[before.role]);
    struct user_reset reset = {&u, u.id == c->user.id ? c->token_hash : NULL};
    int rc = !create && password
                 ? put_audited(c, put_user_reset, &reset, "user_update", detail)
                 : put_audited(c, put_user, &u, create ? "user_create" : "user_update", detail);
    answer_put(res, rc, create, rc ? NULL : app_user_json(&u), "login", "user");
out:
    memset(u.pwhash, 0, sizeof u.pwhash);
    memset(before.pwhash, 0, sizeof before.pwhash);
    json_decref(body);
}

static void create_user(void *ap, struct http_request *req, struct http_response *res)
{
    write_user(ap, req, res, true);
}

static void update_user(void *ap, struct http_request *req, struct http_response *res)
{
    write_user(ap, req, res, false);
}

/* --- regions ----------------------------------------------------------------------------- */

static json_t *region_json(const struct region *r)
{
    bool ok = r->level >= 0 && r->level < RLEVEL__COUNT;
    return json_pack("{sI so ss ss ss ss}", "id", (json_int_t)r->id, "parent_id",
                     r->parent_id ? json_integer(r->parent_id) : json_null(), "level",
                     ok ? js_region_level_names[r->level] : "", "level_label",
                     ok ? js_region_level_labels[r->level] : "", "code", r->code, "name", r->name);
}

static void list_regions(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    struct region *v = NULL;
    int n = 0;
    int rc = c->store->ops->region_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "regions");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, region_json(&v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static int put_region(struct store *s, void *r)
{
    return s->ops->region_put(s, r);
}

/* Checks that parent exists, is not id itself nor below it, and sits above level. */
static int region_parent_ok(struct store *s, int64_t id, int64_t parent, int level,
                            struct js_error *e)
{
    struct region p;
    int first = 1;
    for (int64_t cur = parent; cur; cur = p.parent_id) {
        if (s->ops->region_get(s, cur, &p))
            return js_fail(e, JS_EINVAL, "parent_id", "no such region");
        if (id && cur == id)
            return js_fail(e, JS_EINVAL, "parent_id", "a region cannot sit below itself");
        if (first && p.level >= level)
            return js_fail(e, JS_EINVAL, "level", "a region's level is below its parent's");
        first = 0;
    }
    return 0;
}

static void write_region(struct app *a, struct http_request *req, struct http_response *res,
                         bool create)
{
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    struct region r;
    memset(&r, 0, sizeof r);
    if (!create) {
        if (path_id(req, res, "区域", &r.id))
            return;
        int rc = c->store->ops->region_get(c->store, r.id, &r);
        if (rc) {
            app_store_error(res, rc, "id", "region");
            return;
        }
    }
    json_t *body = NULL;
    if (app_body(req, region_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    if (jf_int(body, "parent_id", false, 0, INT64_MAX, &r.parent_id, &e) ||
        jf_enum(body, "level", create, js_region_level_names, &r.level, &e) ||
        code_field(body, create, r.code, sizeof r.code, &e) ||
        app_str_field(body, "name", create, 127, r.name, sizeof r.name, &e) ||
        region_parent_ok(c->store, r.id, r.parent_id, r.level, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "region code=%s", r.code);
    int rc = put_audited(c, put_region, &r, create ? "region_create" : "region_update", detail);
    answer_put(res, rc, create, rc ? NULL : region_json(&r), "code", "region");
out:
    json_decref(body);
}

static void create_region(void *ap, struct http_request *req, struct http_response *res)
{
    write_region(ap, req, res, true);
}

static void update_region(void *ap, struct http_request *req, struct http_response *res)
{
    write_region(ap, req, res, false);
}

/* --- categories -------------------------------------------------------------------------- */

static json_t *category_json(const struct category *k)
{
    return json_pack("{sI so si ss ss}", "id", (json_int_t)k->id, "parent_id",
                     k->parent_id ? json_integer(k->parent_id) : json_null(), "level", k->level,
                     "code", k->code, "name", k->name);
}

static void list_categories(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    struct category *v = NULL;
    int n = 0;
    int rc = c->store->ops->category_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "categories");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, category_json(&v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static int put_category(struct store *s, void *k)
{
    return s->ops->category_put(s, k);
}

static void write_category(struct app *a, struct http_request *req, struct http_response *res,
                           bool create)
{
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    struct category k;
    memset(&k, 0, sizeof k);
    if (!create) {
        if (path_id(req, res, "分类", &k.id))
            return;
        int rc = c->store->ops->category_get(c->store, k.id, &k);
        if (rc) {
            app_store_error(res, rc, "id", "category");
            return;
        }
    }
    json_t *body = NULL;
    if (app_body(req, category_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    int64_t level = k.level;
    if (jf_int(body, "parent_id", false, 0, INT64_MAX, &k.parent_id, &e) ||
        jf_int(body, "level", false, 1, 3, &level, &e) ||
        code_field(body, create, k.code, sizeof k.code, &e) ||
        app_str_field(body, "name", create, 127, k.name, sizeof k.name, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    int want = 1;
    if (k.parent_id) {
        struct category p;
        int64_t cur = k.parent_id;
        for (int depth = 0; cur; depth++) {
            if (c->store->ops->category_get(c->store, cur, &p) || depth > 8) {
                http_error(res, -JS_EINVAL, "parent_id", "no such category");
                goto out;
            }
            if (k.id && cur == k.id) {
                http_error(res, -JS_EINVAL, "parent_id", "a category cannot sit below itself");
                goto out;
            }
            if (depth == 0)
                want = p.level + 1;
            cur = p.parent_id;
        }
    }
    if (want > 3) {
        http_error(res, -JS_EINVAL, "parent_id", "categories have at most three levels");
        goto out;
    }
    if (json_object_get(body, "level") && level != want) {
        http_error(res, -JS_EINVAL, "level", "a category's level is one below its parent's");
        goto out;
    }
    k.level = want;
    char detail[160];
    snprintf(detail, sizeof detail, "category code=%s", k.code);
    int rc =
        put_audited(c, put_category, &k, create ? "category_create" : "category_update", detail);
    answer_put(res, rc, create, rc ? NULL : category_json(&k), "code", "category");
out:
    json_decref(body);
}

static void create_category(void *ap, struct http_request *req, struct http_response *res)
{
    write_category(ap, req, res, true);
}

static void update_category(void *ap, struct http_request *req, struct http_response *res)
{
    write_category(ap, req, res, false);
}

/* --- catalogue --------------------------------------------------------------------------- */

static json_t *catalogue_json(const struct catalogue_entry *ce)
{
    return json_pack("{sI sI so sI ss}", "id", (json_int_t)ce->id, "category_id",
                     (json_int_t)ce->category_id, "region_id",
                     ce->region_id ? json_integer(ce->region_id) : json_null(), "unit_id",
                     (json_int_t)ce->unit_id, "basis", ce->basis);
}

static void list_catalogue(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    struct catalogue_entry *v = NULL;
    int n = 0;
    int rc = c->store->ops->catalogue_list(c->store, &v, &n);
    if (rc) {
        app_store_error(res, rc, "", "catalogue");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, catalogue_json(&v[i]));
    free(v);
    http_json(res, 200, json_pack("{so}", "items", items));
}

static int put_catalogue(struct store *s, void *ce)
{
    return s->ops->catalogue_put(s, ce);
}

static void create_catalogue(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    json_t *body = NULL;
    if (app_body(req, catalogue_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    struct catalogue_entry ce;
    memset(&ce, 0, sizeof ce);
    if (jf_int(body, "category_id", true, 1, INT64_MAX, &ce.category_id, &e) ||
        jf_int(body, "region_id", false, 0, INT64_MAX, &ce.region_id, &e) ||
        jf_int(body, "unit_id", true, 1, INT64_MAX, &ce.unit_id, &e) ||
        app_str_field(body, "basis", false, 255, ce.basis, sizeof ce.basis, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    struct store *s = c->store;
    struct category k;
    struct region r;
    struct unit u;
    if (s->ops->category_get(s, ce.category_id, &k)) {
        http_error(res, -JS_EINVAL, "category_id", "no such category");
        goto out;
    }
    if (ce.region_id && s->ops->region_get(s, ce.region_id, &r)) {
        http_error(res, -JS_EINVAL, "region_id", "no such region");
        goto out;
    }
    if (s->ops->unit_get(s, ce.unit_id, &u) || !u.active) {
        http_error(res, -JS_EINVAL, "unit_id", "no such active unit");
        goto out;
    }
    char detail[160];
    snprintf(detail, sizeof detail, "catalogue category=%s region=%lld unit=%s", k.code,
             (long long)ce.region_id, u.code);
    int rc = put_audited(c, put_catalogue, &ce, "catalogue_create", detail);
    answer_put(res, rc, true, rc ? NULL : catalogue_json(&ce), "category_id", "catalogue entry");
out:
    json_decref(body);
}

static int delete_catalogue_entry(struct store *s, void *id)
{
    return s->ops->catalogue_delete(s, *(int64_t *)id);
}

static void delete_catalogue(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    int64_t id;
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res) || path_id(req, res, "职责目录条目", &id))
        return;
    char detail[64];
    snprintf(detail, sizeof detail, "catalogue id=%lld", (long long)id);
    int rc = put_audited(c, delete_catalogue_entry, &id, "catalogue_delete", detail);
    if (rc)
        app_store_error(res, rc, "id", "catalogue entry");
    else
        http_empty(res, 204);
}

/* --- policy ------------------------------------------------------------------------------ */

static void get_policy(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    if (app_query_known(req, no_params, res))
        return;
    json_t *presets = json_array();
    for (const char *const *p = policy_preset_names; *p; p++)
        json_array_append_new(presets, json_string(*p));
    json_t *overrides = NULL;
    char *stored = NULL;
    if (c->store->ops->setting_get(c->store, "policy", &stored) == 0) {
        json_t *doc = json_loads(stored, 0, NULL);
        overrides = json_incref(json_object_get(doc, "overrides"));
        json_decref(doc);
    }
    free(stored);
    http_json(res, 200,
              json_pack("{ss sO so so}", "preset", c->engine.policy.preset, "effective",
                        c->engine.policy.doc ? c->engine.policy.doc : json_null(), "overrides",
                        overrides ? overrides : json_object(), "presets", presets));
}

static void put_policy(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    if (app_require_roles(c, ROLE_BIT(ROLE_ADMIN), res))
        return;
    json_t *body = NULL;
    if (app_body(req, policy_fields, false, &body, res))
        return;
    struct js_error e;
    js_error_clear(&e);
    const char *preset = NULL;
    json_t *overrides = json_object_get(body, "overrides");
    if (jf_str(body, "preset", true, 31, &preset, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (overrides && json_is_null(overrides))
        overrides = NULL;
    if (overrides && !json_is_object(overrides)) {
        http_error(res, -JS_ETYPE, "overrides", "'overrides' must be an object");
        goto out;
    }
    int rc = engine_set_policy(&c->engine, preset, overrides, &e);
    if (rc == -JS_ENOTFOUND) {
        http_error(res, -JS_EINVAL, "preset", "no such policy preset");
        goto out;
    }
    if (rc) {
        http_error_from(res, &e);
        goto out;
    }
    app_policy_changed(a);
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    app_audit(c, c->user.id, 0, "policy_update", text ? text : preset);
    free(text);
    http_json(res, 200,
              json_pack("{ss sO}", "preset", c->engine.policy.preset, "effective",
                        c->engine.policy.doc ? c->engine.policy.doc : json_null()));
out:
    json_decref(body);
}

/* --- audit trail ------------------------------------------------------------------------- */

static void list_audit(void *ap, struct http_request *req, struct http_response *res)
{
    struct app_ctx *c = app_current(ap);
    struct audit_query q = {.limit = AUDIT_DEFAULT_LIMIT};
    if (app_require_roles(c, ROLE_BIT(ROLE_AUDITOR) | ROLE_BIT(ROLE_ADMIN), res) ||
        app_query_known(req, audit_params, res) || app_query_time(req, res, "from", &q.from) ||
        app_query_time(req, res, "to", &q.to))
        return;
    /* "cursor" is the next_cursor of the page before; "after" its older name (one release) */
    const char *pname = http_query(req, "cursor") ? "cursor" : "after";
    const char *v = http_query(req, pname);
    if (v && strcmp(v, "0") != 0 && app_parse_id(v, &q.cursor)) {
        http_error(res, -JS_EINVAL, pname, "'cursor' 须为上一页返回的 next_cursor（审计记录编号）");
        return;
    }
    int64_t limit = AUDIT_DEFAULT_LIMIT;
    v = http_query(req, "limit");
    if (v && (app_parse_id(v, &limit) || limit > 500)) {
        http_error(res, -JS_EINVAL, "limit", "limit 须为 1 至 500 的整数");
        return;
    }
    q.limit = (int)limit;
    v = http_query(req, "user_id");
    if (v && app_parse_id(v, &q.user_id)) {
        http_error(res, -JS_EINVAL, "user_id", "user_id 须为用户编号");
        return;
    }
    v = http_query(req, "newest");
    if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
        http_error(res, -JS_EINVAL, "newest", "newest 须为 true 或 false");
        return;
    }
    q.newest_first = v && strcmp(v, "true") == 0;
    q.action = http_query(req, "action");
    if (q.action && strlen(q.action) >= sizeof((struct audit_entry *)0)->action) {
        http_error(res, -JS_EINVAL, "action", "没有这种审计操作");
        return;
    }
    /* the order by its number (what people know) or its id */
    v = http_query(req, "order");
    if (v && v[0]) {
        struct order o;
        memset(&o, 0, sizeof o);
        int rc = c->store->ops->order_get_by_number(c->store, v, &o);
        if (rc == 0)
            q.order_id = o.id;
        else if (rc == -JS_ENOTFOUND && strlen(v) < 13 && app_parse_id(v, &q.order_id) == 0)
            rc = 0; /* shorter than any order number (day + sequence): an id */
        order_release(&o);
        if (rc == -JS_ENOTFOUND) {
            http_error(res, -JS_ENOTFOUND, "order", "没有这个工单编号");
            return;
        }
        if (rc) {
            app_store_error(res, rc, "order", "工单");
            return;
        }
    }
    struct audit_entry *list = NULL;
    int n = 0;
    int rc = c->store->ops->audit_query(c->store, &q, &list, &n);
    if (rc) {
        app_store_error(res, rc, "", "audit trail");
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        const struct audit_entry *x = &list[i];
        json_array_append_new(
            items,
            json_pack("{sI so so so so ss ss}", "id", (json_int_t)x->id, "at", app_time_json(x->at),
                      "user_id", x->user_id ? json_integer(x->user_id) : json_null(), "order_id",
                      x->order_id ? json_integer(x->order_id) : json_null(), "order_number",
                      x->order_number[0] ? json_string(x->order_number) : json_null(), "action",
                      x->action, "detail", x->detail));
    }
    json_t *next = (n == q.limit && n > 0) ? json_integer(list[n - 1].id) : json_null();
    json_t *cursor =
        (n == q.limit && n > 0) ? json_sprintf("%lld", (long long)list[n - 1].id) : json_null();
    free(list);
    http_json(res, 200,
              json_pack("{so so so}", "items", items, "next_cursor", cursor, "next_after", next));
}

int res_admin_routes(struct router *r)
{
    int rc;
    if ((rc = router_add(r, "GET", "/api/v1/units", list_units)) ||
        (rc = router_add(r, "POST", "/api/v1/units", create_unit)) ||
        (rc = router_add(r, "GET", "/api/v1/units/{id}", get_unit)) ||
        (rc = router_add(r, "PUT", "/api/v1/units/{id}", update_unit)) ||
        (rc = router_add(r, "GET", "/api/v1/users", list_users)) ||
        (rc = router_add(r, "POST", "/api/v1/users", create_user)) ||
        (rc = router_add(r, "GET", "/api/v1/users/{id}", get_user)) ||
        (rc = router_add(r, "PUT", "/api/v1/users/{id}", update_user)) ||
        (rc = router_add(r, "GET", "/api/v1/regions", list_regions)) ||
        (rc = router_add(r, "POST", "/api/v1/regions", create_region)) ||
        (rc = router_add(r, "PUT", "/api/v1/regions/{id}", update_region)) ||
        (rc = router_add(r, "GET", "/api/v1/categories", list_categories)) ||
        (rc = router_add(r, "POST", "/api/v1/categories", create_category)) ||
        (rc = router_add(r, "PUT", "/api/v1/categories/{id}", update_category)) ||
        (rc = router_add(r, "GET", "/api/v1/catalogue", list_catalogue)) ||
        (rc = router_add(r, "POST", "/api/v1/catalogue", create_catalogue)) ||
        (rc = router_add(r, "DELETE", "/api/v1/catalogue/{id}", delete_catalogue)) ||
        (rc = router_add(r, "GET", "/api/v1/policy", get_policy)) ||
        (rc = router_add(r, "PUT", "/api/v1/policy", put_policy)) ||
        (rc = router_add(r, "GET", "/api/v1/audit", list_audit)))
        return rc;
    return 0;
}
