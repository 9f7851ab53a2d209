/* Accounts over the API: password login (argon2id, rate-limited) giving a bearer token with an
 * expiry, logout, password change, and the logged-in user's own record. */
#include "compat.h"
#include "http/app.h"
#include "core/lifecycle.h"
#include "http/respond.h"
#include "store/store.h"
#include "util/jfield.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define PASSWORD_MIN 8 /* characters of a new password */

static const char *const login_fields[] = {"login", "password", NULL};
static const char *const password_fields[] = {"old_password", "new_password", NULL};
static const char *const no_fields[] = {NULL};

/* The limiter's key for a login name: trimmed, ASCII lower-cased. */
static void limiter_key(const char *login, char *out, size_t n)
{
    while (*login == ' ' || *login == '\t')
        login++;
    size_t len = strlen(login);
    while (len > 0 && (login[len - 1] == ' ' || login[len - 1] == '\t'))
        len--;
    if (len >= n)
        len = n - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)login[i]);
    out[len] = '\0';
}

static void rate_limited(struct http_response *res, int64_t retry_after)
{
    char secs[24];
    snprintf(secs, sizeof secs, "%" PRId64, retry_after > 0 ? retry_after : 1);
    http_error(res, -JS_ERATELIMIT, "", "too many failed logins: try again later");
    http_response_header(res, "Retry-After", secs);
}

/* Keeps a failed attempt in the store too, so that a restart does not reset the limiter. */
static void persist_failure(struct app *a, struct app_ctx *c, const char *key, const char *remote)
{
    struct store *s = c->store;
    char k[128];
    int64_t now = app_now(a);
    if (s->ops->begin(s))
        return;
    snprintf(k, sizeof k, "L%s", key);
    int rc = s->ops->login_failure_put(s, k, now, now - a->cfg.login_window_s);
    if (!rc && remote && remote[0]) {
        snprintf(k, sizeof k, "A%s", remote);
        rc = s->ops->login_failure_put(s, k, now, now - a->cfg.login_window_s);
    }
    if (rc)
        s->ops->rollback(s);
    else
        s->ops->commit(s);
}

struct restore_ctx {
    struct auth_limiter *l;
    int n;
};

static int restore_one(void *ctx, const char *key, int64_t at)
{
    struct restore_ctx *r = ctx;
    auth_limiter_restore(r->l, key, at);
    r->n++;
    return 0;
}

int res_auth_limiter_load(struct app *a)
{
    struct app_ctx *c = app_current(a);
    if (!c)
        return -JS_EINTERNAL;
    struct restore_ctx r = {a->limiter, 0};
    return c->store->ops->login_failure_each(c->store, app_now(a) - a->cfg.login_window_s,
                                             restore_one, &r);
}

static void login(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct store *s = c->store;
    struct js_error e;
    js_error_clear(&e);
    json_t *body = NULL;
    if (app_body(req, login_fields, false, &body, res))
        return;
    const char *name = NULL, *password = NULL;
    if (jf_str(body, "login", true, 63, &name, &e) ||
        jf_str(body, "password", true, AUTH_PASSWORD_MAX, &password, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (strlen(name) > 63) {
        http_error(res, -JS_ETOOLONG, "login", "'login' is longer than 63 bytes");
        goto out;
    }
    char key[64];
    limiter_key(name, key, sizeof key);
    int64_t retry = 0;
    /* checked and counted at once: the attempt is a failure until the password proves right */
    if (auth_limiter_attempt(a->limiter, key, req->remote, &retry)) {
        rate_limited(res, retry);
        goto out;
    }
    struct user u;
    memset(&u, 0, sizeof u);
    int rc = s->ops->user_get_by_login(s, name, &u);
    if (rc && rc != -JS_ENOTFOUND) {
        app_store_error(res, rc, "", "user");
        goto out;
    }
    /* unknown logins verify against a dummy hash: the same time either way */
    int vrc = auth_password_verify(rc ? NULL : u.pwhash, password);
    if (rc || vrc || !u.active) {
        persist_failure(a, c, key, req->remote);
        char detail[160];
        snprintf(detail, sizeof detail, "login=%s remote=%s", key, req->remote);
        app_audit(c, rc ? 0 : u.id, 0, "login_failed", detail);
        http_error(res, -JS_EUNAUTH, "", "wrong login or password, or the account is disabled");
        goto wipe;
    }
    auth_limiter_succeeded(a->limiter, key, req->remote);

    char token[AUTH_TOKEN_HEX], digest[AUTH_TOKEN_HEX];
    if (auth_token_new(token) || auth_token_digest(token, digest)) {
        http_error(res, -JS_EINTERNAL, "", "cannot make a token");
        goto wipe;
    }
    int64_t now = app_now(a);
    int64_t expires = now + a->cfg.token_seconds;
    char detail[160];
    snprintf(detail, sizeof detail, "remote=%s", req->remote);
    rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->session_put(s, digest, u.id, expires);
    if (!rc && auth_password_needs_rehash(u.pwhash)) {
        char fresh[AUTH_HASH_MAX];
        if (auth_password_hash(password, fresh, &e) == 0 && strlen(fresh) < sizeof u.pwhash) {
            memcpy(u.pwhash, fresh, strlen(fresh) + 1);
            rc = s->ops->user_put(s, &u);
        }
    }
    if (!rc) {
        char k[128];
        snprintf(k, sizeof k, "L%s", key);
        rc = s->ops->login_failure_clear(s, k);
    }
    if (!rc)
        rc = app_audit_append(c, u.id, 0, "login", detail);
    if (rc) {
        s->ops->rollback(s);
        app_store_error(res, rc, "", "session");
        goto wipe;
    }
    rc = s->ops->commit(s);
    if (rc) {
        app_store_error(res, rc, "", "session");
        goto wipe;
    }
    req->user_id = u.id;
    http_json(res, 200,
              json_pack("{ss so so}", "token", token, "expires_at", app_time_json(expires), "user",
                        app_user_json(&u)));
    sodium_memzero(token, sizeof token);
wipe:
    sodium_memzero(u.pwhash, sizeof u.pwhash);
out:
    json_decref(body);
}

static void logout(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct store *s = c->store;
    json_t *body = NULL;
    if (app_body(req, no_fields, true, &body, res))
        return;
    json_decref(body);
    int rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->session_delete(s, c->token_hash);
    if (rc == -JS_ENOTFOUND)
        rc = 0;
    if (!rc)
        rc = app_audit_append(c, c->user.id, 0, "logout", "");
    if (rc) {
        s->ops->rollback(s);
        app_store_error(res, rc, "", "session");
        return;
    }
    rc = s->ops->commit(s);
    if (rc) {
        app_store_error(res, rc, "", "session");
        return;
    }
    http_empty(res, 204);
}

static void change_password(void *ap, struct http_request *req, struct http_response *res)
{
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    struct store *s = c->store;
    struct js_error e;
    js_error_clear(&e);
    json_t *body = NULL;
    if (app_body(req, password_fields, false, &body, res))
        return;
    const char *old_pw = NULL, *new_pw = NULL;
    if (jf_str(body, "old_password", true, AUTH_PASSWORD_MAX, &old_pw, &e) ||
        jf_str(body, "new_password", true, AUTH_PASSWORD_MAX, &new_pw, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    if (utf8_len(new_pw) < PASSWORD_MIN) {
        http_error(res, -JS_EINVAL, "new_password", "the new password needs at least 8 characters");
        goto out;
    }
    char key[64];
    limiter_key(c->user.login, key, sizeof key);
    int64_t retry = 0;
    if (auth_limiter_attempt(a->limiter, key, req->remote, &retry)) {
        rate_limited(res, retry);
        goto out;
    }
    if (auth_password_verify(c->user.pwhash, old_pw)) {
        persist_failure(a, c, key, req->remote);
        app_audit(c, c->user.id, 0, "password_failed", "wrong old password");
        http_error(res, -JS_EINVAL, "old_password", "the old password is wrong");
        goto out;
    }
    auth_limiter_succeeded(a->limiter, key, req->remote);
    if (strcmp(old_pw, new_pw) == 0) {
        http_error(res, -JS_EINVAL, "new_password", "the new password equals the old one");
        goto out;
    }
    char fresh[AUTH_HASH_MAX];
    if (auth_password_hash(new_pw, fresh, &e)) {
        http_error_from(res, &e);
        goto out;
    }
    struct user u = c->user;
    snprintf(u.pwhash, sizeof u.pwhash, "%s", fresh);
    int ended = 0;
    char detail[64];
    int rc = s->ops->begin(s);
    if (!rc)
        rc = s->ops->user_put(s, &u);
    /* whoever else holds a session of this account (a stolen token) is logged out */
    if (!rc)
        rc = s->ops->session_delete_user(s, u.id, c->token_hash, &ended);
    snprintf(detail, sizeof detail, "other sessions ended=%d", ended);
    if (!rc)
        rc = app_audit_append(c, u.id, 0, "password_change", detail);
    if (rc) {
        s->ops->rollback(s);
        app_store_error(res, rc, "", "user");
    } else if ((rc = s->ops->commit(s))) {
        app_store_error(res, rc, "", "user");
    } else {
        http_empty(res, 204);
    }
    sodium_memzero(u.pwhash, sizeof u.pwhash);
out:
    json_decref(body);
}

static void me(void *ap, struct http_request *req, struct http_response *res)
{
    JS_UNUSED(req);
    struct app *a = ap;
    struct app_ctx *c = app_current(a);
    json_t *j = app_user_json(&c->user);
    json_t *unit = json_null();
    if (c->user.unit_id) {
        struct unit u;
        if (c->store->ops->unit_get(c->store, c->user.unit_id, &u) == 0)
            unit = json_pack("{sI ss ss}", "id", (json_int_t)u.id, "code", u.code, "name", u.name);
    }
    json_object_set_new(j, "unit", unit);
    json_t *actions = json_array();
    for (int act = 0; act < ACT__COUNT; act++)
        if (lifecycle_role_allows(c->user.role, act))
            json_array_append_new(actions, json_string(js_action_names[act]));
    json_object_set_new(j, "actions", actions);
    json_object_set_new(
        j, "masked", json_boolean(app_is_unit_role(c->user.role) || c->user.role == ROLE_AUDITOR));
    http_json(res, 200, j);
}

int res_auth_routes(struct router *r)
{
    int rc;
    if ((rc = router_add_flags(r, "POST", "/api/v1/auth/login", login, APP_PUBLIC)) ||
        (rc = router_add(r, "POST", "/api/v1/auth/logout", logout)) ||
        (rc = router_add(r, "POST", "/api/v1/auth/password", change_password)) ||
        (rc = router_add(r, "GET", "/api/v1/me", me)))
        return rc;
    return 0;
}
