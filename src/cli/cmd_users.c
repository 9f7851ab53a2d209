/* `jiesu useradd`: creates a user from the command line, so that a fresh database gets its
 * first administrator without the demo data. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/model.h"
#include "core/org.h"
#include "store/store.h"
#include "util/auth.h"
#include "util/jfield.h"
#include "util/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_useradd(struct opts *o);

static bool login_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 63 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-") == n;
}

static int put_text(char *dst, size_t n, const char *src, const char *what)
{
    size_t len = strlen(src);
    if (utf8_len(src) == (size_t)-1 || len >= n) {
        fprintf(stderr, "jiesu useradd: --%s 过长或不是有效的 UTF-8 文本\n", what);
        return -1;
    }
    memcpy(dst, src, len + 1);
    return 0;
}

int cli_useradd(struct opts *o)
{
    const char *login = opts_get(o, "login"), *name = opts_get(o, "name"),
               *role = opts_get(o, "role"), *unit = opts_get(o, "unit"),
               *password = opts_get(o, "password"), *phone = opts_get(o, "phone");
    if (!password)
        password = getenv("JIESU_PASSWORD");
    if (!login || !name || !role || !password) {
        fprintf(stderr, "用法：jiesu useradd [--db PATH] --login L --name N --role R "
                        "[--unit CODE] [--phone P] --password P（或环境变量 JIESU_PASSWORD）\n");
        return 2;
    }
    struct user u;
    memset(&u, 0, sizeof u);
    u.active = true;
    if (!login_ok(login)) {
        fprintf(stderr, "jiesu useradd: 登录名须为 1 至 63 个字母、数字或 '.'、'_'、'@'、'-'\n");
        return 2;
    }
    if (put_text(u.login, sizeof u.login, login, "login") ||
        put_text(u.name, sizeof u.name, name, "name") ||
        (phone && put_text(u.phone, sizeof u.phone, phone, "phone")))
        return 2;
    u.role = js_name_index(js_role_names, role);
    if (u.role < 0 || u.role == ROLE_SYSTEM) {
        fprintf(stderr, "jiesu useradd: 角色 '%s' 不存在，可选：", role);
        for (int r = 0; r < ROLE__COUNT; r++)
            if (r != ROLE_SYSTEM)
                fprintf(stderr, "%s%s（%s）", r ? "、" : "", js_role_names[r], js_role_labels[r]);
        fputc('\n', stderr);
        return 2;
    }
    bool unit_role = u.role == ROLE_UNIT_OPERATOR || u.role == ROLE_UNIT_LEADER;
    if (unit_role != (unit != NULL)) {
        if (unit_role)
            fprintf(stderr, "jiesu useradd: 角色 %s 须用 --unit CODE 指明所属单位\n", role);
        else
            fprintf(stderr, "jiesu useradd: 角色 %s 不属于单位，不能给出 --unit\n", role);
        return 2;
    }
    if (utf8_len(password) < 8 || utf8_len(password) == (size_t)-1) {
        fprintf(stderr, "jiesu useradd: 密码至少须有 8 个字符\n");
        return 2;
    }
    struct js_error e;
    js_error_clear(&e);
    char hash[AUTH_HASH_MAX];
    if (auth_password_hash(password, hash, &e)) {
        fprintf(stderr, "jiesu useradd: 无法生成密码摘要：%s\n", e.message);
        return 1;
    }
    snprintf(u.pwhash, sizeof u.pwhash, "%s", hash);

    const char *db = cli_db_path(o);
    struct store *s = NULL;
    int rc = 1;
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        char shown[512];
        store_location_shown(db, shown, sizeof shown);
        fprintf(stderr, "jiesu useradd: 无法打开数据库 %s：%s\n", shown, e.message);
        goto out;
    }
    if (unit) {
        struct unit un;
        if (s->ops->unit_get_by_code(s, unit, &un)) {
            fprintf(stderr, "jiesu useradd: 没有代码为 '%s' 的单位\n", unit);
            goto out;
        }
        u.unit_id = un.id;
    }
    struct audit_entry a;
    memset(&a, 0, sizeof a);
    a.at = jclock_now(NULL);
    snprintf(a.action, sizeof a.action, "user_create");
    int err = s->ops->begin(s);
    if (!err)
        err = s->ops->user_put(s, &u);
    if (!err) {
        snprintf(a.detail, sizeof a.detail, "user login=%s role=%s by=command line", u.login,
                 js_role_names[u.role]);
        err = s->ops->audit_append(s, &a);
    }
    if (err) {
        s->ops->rollback(s);
        if (err == -JS_EEXISTS)
            fprintf(stderr, "jiesu useradd: 登录名 '%s' 已被占用\n", u.login);
        else
            fprintf(stderr, "jiesu useradd: 无法保存用户：%s\n", js_err_message(err));
        goto out;
    }
    if ((err = s->ops->commit(s))) {
        fprintf(stderr, "jiesu useradd: 无法保存用户：%s\n", js_err_message(err));
        goto out;
    }
    printf("已新建用户 %s（%s，%s），编号 %lld\n", u.login, js_role_labels[u.role],
           js_role_names[u.role], (long long)u.id);
    rc = 0;
out:
    memset(u.pwhash, 0, sizeof u.pwhash);
    memset(hash, 0, sizeof hash);
    store_close(s);
    return rc;
}
