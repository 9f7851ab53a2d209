/* `jiesu open311`: the Open311 GeoReport v2 interface's settings and client applications from
 * the command line, as an administrator does through /api/v1/open311 (store/open311.h keeps the
 * api_keys as SHA-256 digests only: a new key is printed this once). */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "store/open311.h"
#include "store/store.h"
#include "util/jtime.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_open311(struct opts *o);

static int fail(const char *what, const struct js_error *e)
{
    if (e->field[0])
        fprintf(stderr, "jiesu open311：%s：%s（字段 %s）\n", what, e->message, e->field);
    else
        fprintf(stderr, "jiesu open311：%s：%s\n", what, e->message);
    return 1;
}

static void print_json(const json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text)
        printf("%s\n", text);
    free(text);
}

/* Saves cfg with an audit entry and commits the transaction cli_open311 opened before reading
 * the settings. */
static int save(struct store *s, const json_t *cfg, const char *action, const char *detail,
                int64_t now)
{
    struct audit_entry a;
    memset(&a, 0, sizeof a);
    a.at = now;
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.detail, sizeof a.detail, "%s（命令行）", detail);
    int rc = o311_config_save(s, cfg);
    if (!rc)
        rc = s->ops->audit_append(s, &a);
    return rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
}

int cli_open311(struct opts *o)
{
    struct js_error e;
    struct store *s = NULL;
    json_t *cfg = NULL, *in = NULL, *client = NULL;
    int rc = 1;
    bool in_txn = false;
    js_error_clear(&e);
    const char *db = cli_db_path(o);
    const char *add = opts_get(o, "add-client"), *revoke = opts_get(o, "revoke");
    const char *file = opts_get(o, "file");
    bool clients = opts_has(o, "clients");
    if ((add != NULL) + (revoke != NULL) + (file != NULL) + clients > 1) {
        fprintf(stderr, "jiesu open311：--add-client、--revoke、--file、--clients 只能给一个\n");
        return 2;
    }
    int64_t now = jclock_now(NULL);
    bool edit = add || revoke || file;
    if (store_open(db, &s, &e) || s->ops->migrate(s, &e)) {
        rc = fail(db, &e);
        goto out;
    }
    if (edit && s->ops->begin(s)) {
        fprintf(stderr, "jiesu open311：数据库繁忙，请稍后再试\n");
        goto out;
    }
    in_txn = edit;
    if (o311_config_load(s, &cfg, &e)) {
        rc = fail(db, &e);
        goto out;
    }
    char detail[160];
    if (add) {
        char key[65];
        if (o311_client_add(cfg, add, now, key, &client, &e)) {
            rc = fail("登记客户端", &e);
            goto out;
        }
        snprintf(detail, sizeof detail, "登记 Open311 客户端 %lld",
                 (long long)json_integer_value(json_object_get(client, "id")));
        in_txn = false;
        if (save(s, cfg, "open311_client_add", detail, now)) {
            fprintf(stderr, "jiesu open311：无法保存设置\n");
            goto out;
        }
        printf("已登记客户端 %lld（%s）。接入密钥（api_key，只显示这一次）：\n%s\n",
               (long long)json_integer_value(json_object_get(client, "id")), add, key);
    } else if (revoke) {
        char *end;
        long long id = strtoll(revoke, &end, 10);
        if (!*revoke || *end || id <= 0) {
            fprintf(stderr, "jiesu open311：--revoke 须为客户端编号\n");
            rc = 2;
            goto out;
        }
        if (o311_client_revoke(cfg, id, now, &e)) {
            rc = fail("停用客户端", &e);
            goto out;
        }
        snprintf(detail, sizeof detail, "停用 Open311 客户端 %lld", id);
        in_txn = false;
        if (save(s, cfg, "open311_client_revoke", detail, now)) {
            fprintf(stderr, "jiesu open311：无法保存设置\n");
            goto out;
        }
        printf("已停用客户端 %lld，其接入密钥即时失效\n", id);
    } else if (file) {
        json_error_t je;
        in = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(in)) {
            fprintf(stderr, "jiesu open311：%s 不是 JSON 对象（第 %d 行）\n", file, je.line);
            rc = 2;
            goto out;
        }
        if (o311_config_edit(s, cfg, in, now, &e)) {
            rc = fail(file, &e);
            goto out;
        }
        in_txn = false;
        if (save(s, cfg, "open311_config", "Open311 设置已修改", now)) {
            fprintf(stderr, "jiesu open311：无法保存设置\n");
            goto out;
        }
        json_t *pub = o311_config_public(cfg);
        print_json(pub);
        json_decref(pub);
    } else if (clients) {
        size_t i;
        json_t *c;
        printf("编号  状态    登记时间                     名称\n");
        json_array_foreach(json_object_get(cfg, "clients"), i, c)
        {
            int64_t t = 0;
            char when[40] = "";
            if (!jtime_parse(json_string_value(json_object_get(c, "created_at")), &t))
                jtime_format_cn(t, when, sizeof when);
            printf("%4lld  %s  %-24s  %s\n",
                   (long long)json_integer_value(json_object_get(c, "id")),
                   json_is_true(json_object_get(c, "active")) ? "启用中" : "已停用", when,
                   json_string_value(json_object_get(c, "name")));
        }
    } else {
        json_t *pub = o311_config_public(cfg);
        print_json(pub);
        json_decref(pub);
    }
    rc = 0;
out:
    if (in_txn)
        s->ops->rollback(s);
    json_decref(cfg);
    json_decref(in);
    json_decref(client);
    store_close(s);
    return rc;
}
