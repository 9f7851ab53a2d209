/* The jiesu command line: set-up commands, one subcommand per lifecycle action, and inspection
 * commands. Every command opens the store, does its work and exits 0, or prints a reason and
 * exits non-zero (1: refused or failed, 2: usage). */
#include "compat.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/engine.h"
#include "core/lifecycle.h"
#include "store/store.h"
#include "util/jtime.h"
#include "util/shipped.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
    const char *name;
    const char *summary;
    int (*run)(struct opts *o);
    const char *usage;
};

/* A refusal or failure of the command cmd: the message, then the code and the field. */
static int fail_error(const char *cmd, const struct js_error *e)
{
    fprintf(stderr, "jiesu %s: %s（%s%s%s）\n", cmd, e->message, js_err_name(e->code),
            e->field[0] ? "，字段 " : "", e->field);
    return 1;
}

const char *cli_db_path(struct opts *o)
{
    const char *db = opts_get(o, "db");
    if (!db)
        db = getenv("JIESU_DB");
    return db ? db : "data/jiesu.db";
}

/* Opens and migrates the store named by --db. */
static int open_store(struct opts *o, struct store **s)
{
    struct js_error e;
    js_error_clear(&e);
    const char *db = cli_db_path(o);
    if (store_open(db, s, &e) || (*s)->ops->migrate(*s, &e)) {
        fprintf(stderr, "jiesu: 无法打开数据库：%s（%s）\n", e.message, js_err_name(e.code));
        store_close(*s);
        *s = NULL;
        return 1;
    }
    return 0;
}

/* A fixed clock for --now, so that scripts and tests can act at a given instant. */
static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

static int64_t cli_now_value;
static const struct jclock cli_fixed_clock = {fixed_now, &cli_now_value};

static int open_engine(struct opts *o, struct store **s, struct engine *en)
{
    if (open_store(o, s))
        return 1;
    const struct jclock *clock = NULL;
    const char *now = opts_get(o, "now");
    if (now) {
        if (jtime_parse(now, &cli_now_value)) {
            fprintf(stderr, "jiesu: --now 不是有效的日期时间：%s\n", now);
            store_close(*s);
            return 2;
        }
        clock = &cli_fixed_clock;
    }
    struct js_error e;
    js_error_clear(&e);
    const struct shipped *sh;
    if (shipped_default(&sh, &e) || engine_init(en, *s, sh, clock, &e)) {
        fprintf(stderr, "jiesu: 无法载入政策：%s（%s）\n", e.message, js_err_name(e.code));
        store_close(*s);
        return 1;
    }
    return 0;
}

static int cmd_init(struct opts *o)
{
    struct store *s = NULL;
    struct engine en;
    if (open_engine(o, &s, &en))
        return 1;
    int rc = 0;
    const char *preset = opts_get(o, "preset");
    json_t *overrides = NULL;
    struct js_error e;
    js_error_clear(&e);
    if (opts_collect_sets(o, &overrides, &e)) {
        rc = fail_error("init", &e);
        goto out;
    }
    if (preset || overrides) {
        if (engine_set_policy(&en, preset ? preset : en.policy.preset, overrides, &e)) {
            rc = fail_error("init", &e);
            goto out;
        }
    }
    int version = 0;
    s->ops->schema_version(s, &version);
    printf("数据库就绪：结构版本 %d，政策预设 %s\n", version, en.policy.preset);
out:
    json_decref(overrides);
    engine_release(&en);
    store_close(s);
    return rc;
}

static int cmd_policy(struct opts *o)
{
    struct store *s = NULL;
    struct engine en;
    if (open_engine(o, &s, &en))
        return 1;
    int rc = 0;
    json_t *overrides = NULL;
    struct js_error e;
    js_error_clear(&e);
    const char *preset = opts_get(o, "preset");
    if (opts_collect_sets(o, &overrides, &e)) {
        rc = fail_error("policy", &e);
        goto out;
    }
    if ((preset || overrides) &&
        engine_set_policy(&en, preset ? preset : en.policy.preset, overrides, &e)) {
        rc = fail_error("policy", &e);
        goto out;
    }
    json_dumpf(en.policy.doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    putchar('\n');
out:
    json_decref(overrides);
    engine_release(&en);
    store_close(s);
    return rc;
}

/* Resolves --order as an id or an order number. */
static int find_order(struct store *s, const char *ref, int64_t *id)
{
    struct order o;
    order_init(&o);
    int rc;
    if (strlen(ref) >= 12)
        rc = s->ops->order_get_by_number(s, ref, &o);
    else {
        char *end;
        long long v = strtoll(ref, &end, 10);
        rc = (*end || v <= 0) ? -JS_EINVAL : s->ops->order_get(s, v, &o);
    }
    if (!rc)
        *id = o.id;
    order_release(&o);
    return rc;
}

/* Resolves --as LOGIN into an actor; "system" is the scheduler. */
static int find_actor(struct store *s, const char *login, struct actor *a)
{
    memset(a, 0, sizeof *a);
    if (strcmp(login, "system") == 0) {
        a->role = ROLE_SYSTEM;
        snprintf(a->name, sizeof a->name, "系统");
        return 0;
    }
    struct user u;
    int rc = s->ops->user_get_by_login(s, login, &u);
    if (rc)
        return rc;
    if (!u.active)
        return -JS_EFORBIDDEN;
    a->user_id = u.id;
    a->role = u.role;
    a->unit_id = u.unit_id;
    snprintf(a->name, sizeof a->name, "%s", u.name);
    return 0;
}

int cli_open_store(struct opts *o, struct store **s)
{
    return open_store(o, s);
}

int cli_find_actor(struct store *s, const char *login, struct actor *a)
{
    return find_actor(s, login, a);
}

static int run_action(struct opts *o, int action)
{
    struct store *s = NULL;
    struct engine en;
    int rc = open_engine(o, &s, &en);
    if (rc)
        return rc;
    json_t *args = NULL;
    struct js_error e;
    js_error_clear(&e);
    const char *name = js_action_names[action];
    const char *login = opts_get(o, "as");
    struct actor who;
    int64_t order_id = 0, version = 0;
    if (!login) {
        fprintf(stderr, "jiesu %s: 须用 --as LOGIN 指明操作人（见 --help）\n", name);
        rc = 2;
        goto out;
    }
    if (find_actor(s, login, &who)) {
        fprintf(stderr, "jiesu %s: 用户 '%s' 不存在或已停用\n", name, login);
        rc = 1;
        goto out;
    }
    if (action != ACT_INTAKE) {
        const char *ref = opts_get(o, "order");
        if (!ref) {
            fprintf(stderr, "jiesu %s: 须用 --order NUMBER 指明工单（见 --help）\n", name);
            rc = 2;
            goto out;
        }
        if (find_order(s, ref, &order_id)) {
            fprintf(stderr, "jiesu %s: 未找到工单：%s\n", name, ref);
            rc = 1;
            goto out;
        }
    }
    const char *ver = opts_get(o, "version");
    if (ver) {
        char *end;
        version = strtoll(ver, &end, 10);
        if (*end || version <= 0) {
            fprintf(stderr, "jiesu %s: --version 须为正整数\n", name);
            rc = 2;
            goto out;
        }
    }
    if (opts_action_args(o, action, &args, &e)) {
        rc = fail_error(name, &e);
        goto out;
    }
    struct engine_result res;
    if (engine_execute(&en, &who, action, order_id, version, args, &res, &e)) {
        rc = fail_error(name, &e);
        goto out;
    }
    printf("{\"order\":\"%s\",\"id\":%lld,\"version\":%lld,\"status\":\"%s\",\"events\":%d}\n",
           res.number, (long long)res.order_id, (long long)res.version, js_status_names[res.status],
           res.n_events);
out:
    json_decref(args);
    engine_release(&en);
    store_close(s);
    return rc;
}

static int print_event(void *ctx, const struct event *ev)
{
    JS_UNUSED(ctx);
    char when[40];
    jtime_format_cn_sec(ev->at, when, sizeof when);
    char *payload = json_dumps(json_object_get(ev->payload, "args"), JSON_COMPACT);
    printf("  v%-3lld %s  %-18s %-14s %s → %s  %s\n", (long long)ev->version, when,
           js_action_names[ev->action], ev->actor.name,
           ev->status_before >= 0 ? js_status_names[ev->status_before] : "-",
           js_status_names[ev->status_after], payload ? payload : "");
    free(payload);
    return 0;
}

/* Writes the instants of fields (NULL-terminated keys of j) the Chinese way; 0 (none) stays 0. */
static void times_shown_cn(json_t *j, const char *const *fields)
{
    for (const char *const *f = fields; *f; f++) {
        json_int_t t = json_integer_value(json_object_get(j, *f));
        if (t > 0) {
            char when[40];
            jtime_format_cn_sec(t, when, sizeof when);
            json_object_set_new(j, *f, json_string(when));
        }
    }
}

static int cmd_show(struct opts *o)
{
    struct store *s = NULL;
    if (open_store(o, &s))
        return 1;
    int rc = 0;
    int64_t id = 0;
    const char *ref = opts_get(o, "order");
    if (!ref || find_order(s, ref, &id)) {
        if (ref)
            fprintf(stderr, "jiesu show: 未找到工单：%s\n", ref);
        else
            fprintf(stderr, "jiesu show: 须用 --order NUMBER 指明工单\n");
        store_close(s);
        return 1;
    }
    struct order ord;
    order_init(&ord);
    if (s->ops->order_get(s, id, &ord) == 0) {
        json_t *j = order_to_json(&ord);
        times_shown_cn(j, order_time_fields);
        size_t i;
        json_t *u;
        json_array_foreach(json_object_get(j, "units"), i, u)
        {
            times_shown_cn(u, order_asg_time_fields);
        }
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(j);
        printf("\n办理记录：\n");
        rc = s->ops->event_each(s, id, print_event, NULL) ? 1 : 0;
    }
    order_release(&ord);
    store_close(s);
    return rc;
}

static int list_one(void *ctx, const struct order *ord)
{
    JS_UNUSED(ctx);
    char when[40];
    jtime_format_cn(ord->created_at, when, sizeof when);
    printf("%s  %-12s  %s  %s\n", ord->number, js_status_names[ord->status], when,
           ord->title ? ord->title : "");
    return 0;
}

static int cmd_list(struct opts *o)
{
    struct store *s = NULL;
    if (open_store(o, &s))
        return 1;
    int statuses[1];
    struct order_query q = {.type = -1, .level = -1, .overdue = -1, .limit = 50};
    const char *st = opts_get(o, "status");
    if (st) {
        statuses[0] = js_name_index(js_status_names, st);
        if (statuses[0] < 0) {
            fprintf(stderr, "jiesu list: 未知的工单状态 '%s'\n", st);
            store_close(s);
            return 2;
        }
        q.statuses = statuses;
        q.n_statuses = 1;
    }
    q.text = opts_get(o, "text");
    q.hanging = opts_has(o, "hanging");       /* 挂账 (004): approved hanging accounts */
    q.enterprise = opts_has(o, "enterprise"); /* the green channel's queue (004) */
    const char *lim = opts_get(o, "limit");
    if (lim)
        q.limit = atoi(lim);
    char cursor[128] = "";
    int rc = s->ops->order_query(s, &q, list_one, NULL, cursor, sizeof cursor);
    if (rc)
        fprintf(stderr, "jiesu list: %s\n", js_err_message(rc));
    store_close(s);
    return rc ? 1 : 0;
}

struct replay_ctx {
    struct engine *en;
    long checked, bad;
};

static int replay_one(void *ctx, const struct order *stored)
{
    struct replay_ctx *v = ctx;
    struct order rebuilt;
    struct js_error e;
    js_error_clear(&e);
    int rc = engine_replay(v->en, stored->id, &rebuilt, &e);
    json_t *a = order_to_json(stored), *b = rc ? NULL : order_to_json(&rebuilt);
    if (rc || !json_equal(a, b)) {
        v->bad++;
        fprintf(stderr, "工单 %s：按事件重建的结果与存储的不一致\n", stored->number);
    }
    v->checked++;
    json_decref(a);
    json_decref(b);
    order_release(&rebuilt);
    return 0;
}

/* Rebuilds every order from its events and compares it with the stored row. */
static int cmd_check_replay(struct opts *o)
{
    struct store *s = NULL;
    struct engine en;
    if (open_engine(o, &s, &en))
        return 1;
    struct replay_ctx v = {&en, 0, 0};
    int rc = s->ops->order_each(s, replay_one, &v);
    printf("已按事件重建 %ld 件工单，%ld 件与存储不一致\n", v.checked, v.bad);
    engine_release(&en);
    store_close(s);
    return (rc || v.bad) ? 1 : 0;
}

int cli_demo(struct opts *o);
int cli_serve(struct opts *o);
int cli_assess(struct opts *o);
int cli_useradd(struct opts *o);
int cli_tick(struct opts *o);     /* cmd_tick.c */
int cli_calendar(struct opts *o); /* cmd_calendar.c */
int cli_search(struct opts *o);   /* cmd_search.c */
int cli_classify(struct opts *o); /* cmd_classify.c */
int cli_train(struct opts *o);    /* cmd_train.c */
int cli_report(struct opts *o);   /* cmd_report.c */
int cli_kb(struct opts *o);       /* cmd_kb.c */
int cli_hotspot(struct opts *o);  /* cmd_hotspot.c */
int cli_copy(struct opts *o);     /* cmd_copy.c */
int cli_open311(struct opts *o);  /* cmd_open311.c */
int cli_upstream(struct opts *o); /* cmd_upstream.c */

static const struct command commands[] = {
    {"init", "建库或升级数据库，选择政策预设", cmd_init,
     "jiesu init [--db PATH] [--preset NAME] [--set KEY=VALUE ...]"},
    {"demo", "载入演示城区（单位、用户、分类、2,400 件工单）", cli_demo,
     "jiesu demo [--db PATH] [--data DIR] [--orders N] [--seed N] [--now TIME] [--password P]\n"
     "jiesu demo --logins [--db PATH]   （列出已载入演示数据的库中的登录名）"},
    {"serve", "提供 API 与网页界面", cli_serve,
     "jiesu serve [--db PATH] [--listen HOST:PORT] [--web DIR] [--threads N（工作线程数，默认 "
     "SQLite 64、PostgreSQL 16）] "
     "[--config FILE] "
     "[--tick-seconds N（定时任务间隔秒数，默认 60，0 为关闭）] "
     "[--train-hours N（重新训练建议的间隔小时数，默认 24，0 为关闭）]"},
    {"useradd", "新建用户（如新库的第一位管理员）", cli_useradd,
     "jiesu useradd [--db PATH] --login L --name N --role R [--unit CODE] [--phone P] "
     "--password P"},
    {"policy", "查看生效的政策，或更换预设、修改覆盖项", cmd_policy,
     "jiesu policy [--db PATH] [--preset NAME] [--set KEY=VALUE ...]"},
    {"show", "查看一件工单及其办理记录", cmd_show, "jiesu show [--db PATH] --order NUMBER"},
    {"list", "列出工单", cmd_list,
     "jiesu list [--db PATH] [--status STATUS] [--text WORDS] [--hanging（只列挂账）] "
     "[--enterprise（只列涉企诉求）] [--limit N]"},
    {"copy",
     "把整个数据库复制到另一个已初始化的空库（SQLite 与 PostgreSQL 互转），含事件与编号，"
     "并校验副本",
     cli_copy, "jiesu copy --from SRC --to DST   （文件路径、sqlite:PATH 或 postgres://...）"},
    {"check-replay", "按事件重建每件工单，并与存储的工单比对", cmd_check_replay,
     "jiesu check-replay [--db PATH]"},
    {"search", "按工单编号、上级编号、来电号码、姓名或文字查找工单（与界面搜索框相同）", cli_search,
     "jiesu search [--db PATH] --as LOGIN --q TEXT [--limit N] [--offset N]\n"
     "jiesu search [--db PATH] --as LOGIN --phone NUMBER   （来电人的历史工单，新的在前）"},
    {"tick", "运行一次定时任务（催办、督办、警示、强制结单）并投递一次待发通知", cli_tick,
     "jiesu tick [--db PATH] [--now TIME] [--gateway URL] [--reports（同时签发到期的报告）]"},
    {"calendar", "查看工作日历，或设置节假日与调休上班日", cli_calendar,
     "jiesu calendar [--db PATH] [--year YYYY] [--holiday DATE | --workday DATE] [--name NAME] "
     "| --remove DATE | --file FILE.json | --notice 国务院通知.txt | --reset"},
    {"train", "从工单学习分类与承办单位建议（并保存）", cli_train, "jiesu train [--db PATH]"},
    {"classify", "用一个 CSV 训练分类建议，为另一个 CSV 打标签（前 3 项及置信度）", cli_classify,
     "jiesu classify --train A.csv --test B.csv [--out FILE]   （列为 row_index,label,title,"
     "text[,segmented_text]；B 可以没有 label 列，有则输出准确率）"},
    {"kb", "知识库：检索、查看、列表、新增、编辑、提交、审核、撤回", cli_kb,
     "jiesu kb [--db PATH] --search WORDS [--any]   "
     "（检索已发布且在有效期内的条目，最相关的在前）\n"
     "jiesu kb [--db PATH] [--as LOGIN] --show ID | --list [--status STATUS] [--all]\n"
     "jiesu kb [--db PATH] --as LOGIN --add --question Q --answer A [--basis B] "
     "[--categories 12,15] [--valid_from DATE] [--valid_to DATE]\n"
     "jiesu kb [--db PATH] --as LOGIN --edit ID [--question Q] [--answer A] ...\n"
     "jiesu kb [--db PATH] --as LOGIN --submit ID | --approve ID | --reject ID --note R | "
     "--withdraw ID --note R"},
    {"hotspot", "热点预警：专题、立即扫描、预警及其跟进、按日回放留言 CSV", cli_hotspot,
     "jiesu hotspot topics [--db PATH] [--defaults] [--file TOPIC.json [--id N]] [--delete N]\n"
     "jiesu hotspot scan [--db PATH] [--now TIME]\n"
     "jiesu hotspot list [--db PATH] [--from TIME] [--to TIME] [--state open|acked|closed] "
     "[--labels FILE.csv（对照人工标注输出准确率）]\n"
     "jiesu hotspot show [--db PATH] --id N\n"
     "jiesu hotspot ack|follow-up|close [--db PATH] --as LOGIN --id N [--text TEXT]\n"
     "jiesu hotspot replay --csv FILE [--topics FILE.json] [--json OUT.json] [--labels FILE.csv]"
     "   （在内存数据库中把 CSV 的留言按各自的时间逐日送入同一扫描）"},
    {"open311", "Open311 接口：查看或修改设置（开放的服务、辖区），登记或停用客户端及其接入密钥",
     cli_open311,
     "jiesu open311 [--db PATH]   （查看设置，不含密钥）\n"
     "jiesu open311 [--db PATH] --file SETTINGS.json   （同 PUT /api/v1/open311）\n"
     "jiesu open311 [--db PATH] --clients | --add-client NAME（只此一次输出其 api_key）| "
     "--revoke ID"},
    {"upstream", "市级平台连接：市级平台地址、签名共享密钥、拉取间隔（设置或查看）", cli_upstream,
     "jiesu upstream [--db PATH]   （查看连接，不含共享密钥）\n"
     "jiesu upstream [--db PATH] --url URL --secret SECRET [--poll-seconds N]   （同 PUT "
     "/api/v1/upstream/link）"},
    {"assess", "按考核方案计算某期排名，或列出单位指标背后的工单", cli_assess,
     "jiesu assess [--db PATH] [--scheme NAME] [--period 2026-10|2026-Q4|2026|FROM..TO | --from "
     "DATE --to DATE] [--unit CODE [--orders [--indicator NAME]]] [--format "
     "table|csv|xlsx|json] [--out FILE] [--sync|--rebuild]"},
    {"report",
     "报告：每日早报、每周专报/分析、单位月度分析、月度通报、季度分析（列表、查看、预览、签发）",
     cli_report,
     "jiesu report [--db PATH] [--list] [--kind KIND] [--period P] [--limit N]\n"
     "jiesu report --kinds [--now TIME]\n"
     "jiesu report --show ID [--format text|json] [--xlsx FILE] [--html FILE]\n"
     "jiesu report --preview --kind KIND [--period P] [--unit CODE] [--now TIME] [--format "
     "text|json] [--xlsx FILE] [--html FILE]\n"
     "jiesu report --issue --kind KIND [--period P] [--unit CODE] [--as LOGIN] [--now TIME] "
     "[--xlsx FILE]\n"
     "jiesu report --due [--now TIME]   （签发所有已到期、尚未签发的报告）\n"
     "KIND：daily weekly_special weekly unit_monthly notice quarterly；P：2026-12-04（日报；"
     "周报类给出该周内任一日期）、2026-11（月报）、2026-Q4（季报）；默认为最近一个已结束的期间"},
};

static void usage(FILE *f)
{
    fprintf(f, "用法：jiesu 命令 [选项]   （jiesu 命令 --help 查看详细说明）\n\n");
    for (size_t i = 0; i < JS_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-18s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n--db：SQLite 数据库文件（默认 $JIESU_DB，否则 data/jiesu.db），"
               "或 PostgreSQL 地址 postgres://用户@主机:端口/库名\n");
    fprintf(f, "\n工单办理动作（每个动作：jiesu 动作 --as 登录名 [--order 工单编号] [字段]）：\n");
    for (int a = 0; a < ACT__COUNT; a++)
        if (a != ACT_MERGED_INTO)
            fprintf(f, "  %-18s %s\n", js_action_names[a], js_action_labels[a]);
}

/* One field of an action's --help: name, type, required or not, Chinese label and limits. */
static void field_help(const struct lc_field *f)
{
    char type[40];
    if (f->type == LCT_ARRAY)
        snprintf(type, sizeof type, "[%s,...]", lc_type_names[f->items]);
    else
        snprintf(type, sizeof type, "%s", lc_type_names[f->type]);
    printf("  --%-18s %-12s %s  %s", f->name, type, f->required ? "必填" : "可选", f->label);
    if (f->values) {
        printf("；取值 ");
        for (const char *const *v = f->values; *v; v++)
            printf("%s%s", v == f->values ? "" : "|", *v);
    }
    if (f->max && f->type == LCT_STRING)
        printf("；最多 %lld 字", (long long)f->max);
    if (f->max && f->type == LCT_ARRAY)
        printf("；最多 %lld 项", (long long)f->max);
    if (f->ranged && f->type != LCT_ID)
        printf("；%s%g 到 %g]", f->lo_open ? "(" : "[", f->lo, f->hi);
    if (f->example)
        printf("；例 %s", f->example);
    putchar('\n');
}

static void action_help(int action)
{
    printf("jiesu %s — %s\n\n用法：jiesu %s [--db 数据库] --as 登录名%s [--version 版本号] "
           "[--now 时间] [--json '{...}'] [--字段 值 ...]\n\n字段：\n",
           js_action_names[action], js_action_labels[action], js_action_names[action],
           action == ACT_INTAKE ? "" : " --order 工单编号");
    const struct lc_field *f = lifecycle_fields(action);
    if (!f->name)
        printf("  （无）\n");
    for (; f->name; f++)
        field_help(f);
    printf("\n可执行的角色：");
    for (int r = 0; r < ROLE__COUNT; r++)
        if (lifecycle_role_allows(r, action))
            printf(" %s", js_role_names[r]);
    printf("\n\n字段也可以用 --json 以一个 JSON 对象给出：布尔值写 true/false，编号与整数写数字，"
           "日期时间写 ISO 8601（如 2026-11-22T09:30:00+08:00），列表与对象写 JSON。\n");
}

int cli_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct opts o;
    /* `jiesu hotspot scan ...`: a command with sub-commands gets the word as --sub */
    bool sub = argc > 2 && argv[2][0] != '-' && strcmp(argv[1], "hotspot") == 0;
    if (opts_parse(&o, argc - 2 - sub, argv + 2 + sub)) {
        fprintf(stderr, "jiesu %s: %s\n", argv[1], o.error);
        opts_release(&o);
        return 2;
    }
    if (sub && o.n < OPTS_MAX) {
        o.name[o.n] = "sub";
        o.value[o.n++] = argv[2];
    }
    int rc = -1;
    for (size_t i = 0; i < JS_ARRAY_LEN(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            if (opts_has(&o, "help")) {
                printf("%s\n\n%s\n", commands[i].summary, commands[i].usage);
                rc = 0;
            } else {
                rc = commands[i].run(&o);
            }
            break;
        }
    if (rc == -1) {
        int action = js_name_index(js_action_names, argv[1]);
        if (action >= 0 && action != ACT_MERGED_INTO) {
            if (opts_has(&o, "help")) {
                action_help(action);
                rc = 0;
            } else {
                rc = run_action(&o, action);
            }
        } else {
            fprintf(stderr, "jiesu: 未知的命令 '%s'\n\n", argv[1]);
            usage(stderr);
            rc = 2;
        }
    }
    opts_release(&o);
    return rc;
}
