/* `jiesu hotspot`: the watched topics (list, defaults, add or replace from a JSON file,
 * delete), a scan at an instant, the warnings and their follow-up (签收, 处置反馈, 办结), and
 * the replay of a CSV of messages day by day by their own timestamps through the same scan,
 * with the precision against hand labels. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/model.h"
#include "store/hotspot_scan.h"
#include "store/store.h"
#include "util/csv.h"
#include "util/jtime.h"

int cli_hotspot(struct opts *o);

#define ME "jiesu hotspot"

static void when_cn(int64_t t, char *out, size_t n)
{
    if (t)
        jtime_format_cn(t, out, n);
    else
        snprintf(out, n, "—");
}

static int time_opt(struct opts *o, const char *name, int64_t *out)
{
    const char *v = opts_get(o, name);
    if (!v)
        return 0;
    if (jtime_parse(v, out)) {
        fprintf(stderr, ME ": --%s 不是有效的日期时间：%s\n", name, v);
        return -1;
    }
    return 0;
}

static int id_opt(struct opts *o, int64_t *out)
{
    const char *v = opts_get(o, "id");
    char *end;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || *end || x <= 0) {
        fprintf(stderr, ME ": 须用 --id N 指明预警编号（正整数）\n");
        return -1;
    }
    *out = x;
    return 0;
}

/* ---- topics -------------------------------------------------------------------------------- */

static bool ref_exists(void *ctx, int what, int64_t id)
{
    struct store *s = ctx;
    struct category c;
    struct region r;
    struct unit u;
    switch (what) {
    case HOTSPOT_REF_CATEGORY:
        return s->ops->category_get(s, id, &c) == 0;
    case HOTSPOT_REF_REGION:
        return s->ops->region_get(s, id, &r) == 0;
    default:
        return s->ops->unit_get(s, id, &u) == 0;
    }
}

static void print_topic(const struct hotspot_topic *t)
{
    printf("%3lld  %-4s %s  %s", (long long)t->id, hotspot_kind_labels[t->kind],
           t->active ? "启用" : "停用", t->name);
    if (t->n_keywords) {
        printf("  关键词:");
        for (int i = 0; i < t->n_keywords; i++)
            printf("%s%s", i ? "、" : "", t->keywords[i]);
    }
    if (t->all_orders)
        printf("  全部诉求");
    printf("  分类%d个 区域%d个", t->n_categories, t->n_regions);
    if (t->threshold)
        printf("  阈值:%d天%d件", t->window_days, t->threshold);
    if (t->growth_min)
        printf("  增长:前%d天均值+%.1f倍标准差且至少%d件", t->growth_days, t->growth_k,
               t->growth_min);
    if (t->citizens_min)
        printf("  多人:%d天内%d人", t->citizens_days, t->citizens_min);
    printf("\n");
}

static int cmd_topics(struct opts *o, struct store *s)
{
    struct js_error e;
    js_error_clear(&e);
    int64_t now = (int64_t)time(NULL);
    if (opts_has(o, "defaults")) {
        int added = 0;
        if (hotspot_default_topics(s, now, &added, &e)) {
            fprintf(stderr, ME ": %s\n", e.message);
            return 1;
        }
        printf("新增默认预警专题%d个\n", added);
    }
    const char *file = opts_get(o, "file"), *del = opts_get(o, "delete");
    if (file) {
        json_error_t je;
        json_t *j = json_load_file(file, 0, &je);
        if (!j) {
            fprintf(stderr, ME ": %s 不是有效的 JSON：第%d行 %s\n", file, je.line, je.text);
            return 2;
        }
        struct hotspot_topic t;
        hotspot_topic_init(&t);
        int64_t id = 0;
        if (opts_get(o, "id") && id_opt(o, &id)) {
            json_decref(j);
            return 2;
        }
        int rc = id ? s->ops->hotspot_topic_get(s, id, &t) : 0;
        if (rc) {
            fprintf(stderr, ME ": 没有编号为%lld的预警专题\n", (long long)id);
            json_decref(j);
            return 1;
        }
        struct hotspot_refs refs = {ref_exists, s};
        json_object_del(j, "id");
        rc = hotspot_topic_from_json(j, &refs, &t, &e);
        json_decref(j);
        if (rc) {
            fprintf(stderr, ME ": %s（字段 %s）\n", e.message, e.field);
            return 2;
        }
        t.id = id;
        t.updated_at = now;
        rc = s->ops->begin(s);
        if (!rc)
            rc = s->ops->hotspot_topic_put(s, &t);
        rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
        if (rc == -JS_EEXISTS) {
            fprintf(stderr, ME ": 已有名为“%s”的预警专题（字段 name）\n", t.name);
            return 2;
        }
        if (rc) {
            fprintf(stderr, ME ": 无法保存预警专题：%s\n", js_err_name(rc));
            return 1;
        }
        printf("已保存预警专题 %lld %s\n", (long long)t.id, t.name);
    }
    if (del) {
        char *end;
        long long id = strtoll(del, &end, 10);
        int rc = *end || id <= 0 ? -JS_EINVAL : s->ops->begin(s);
        if (!rc)
            rc = s->ops->hotspot_topic_delete(s, id);
        if (rc != -JS_EINVAL)
            rc = rc ? (s->ops->rollback(s), rc) : s->ops->commit(s);
        if (rc) {
            fprintf(stderr, ME ": 无法删除预警专题 %s：%s\n", del,
                    rc == -JS_ENOTFOUND ? "没有这个专题" : js_err_name(rc));
            return 1;
        }
        printf("已删除预警专题 %lld\n", id);
    }
    struct hotspot_topic *v = NULL;
    int n = 0;
    if (s->ops->hotspot_topic_list(s, &v, &n)) {
        fprintf(stderr, ME ": 无法读取预警专题\n");
        return 1;
    }
    for (int i = 0; i < n; i++)
        print_topic(&v[i]);
    if (!n)
        printf("还没有预警专题（用 --defaults 建立默认专题）\n");
    free(v);
    return 0;
}

/* ---- warnings ------------------------------------------------------------------------------ */

static void print_warning(struct store *s, const struct hotspot_warning *w, bool evidence)
{
    char at[40], from[40], to[40];
    when_cn(w->raised_at, at, sizeof at);
    when_cn(w->from, from, sizeof from);
    when_cn(w->to, to, sizeof to);
    printf("#%lld  %s  %s  %s\n", (long long)w->id, at, hotspot_state_labels[w->state], w->title);
    if (!evidence)
        return;
    printf("    规则：%s  时段：%s 至 %s  工单%d件  群众%d人", hotspot_rule_labels[w->rule], from,
           to, w->n_evidence, w->citizens);
    if (w->rule == HSR_GROWTH)
        printf("  基线日均%.2f 标准差%.2f 界限%.2f", w->mean, w->sd, w->limit);
    printf("\n    接收：");
    for (int i = 0; i < w->n_units; i++) {
        struct unit u;
        printf("%s%s", i ? "、" : "",
               s->ops->unit_get(s, w->units[i], &u) == 0 ? u.name : "（已删除单位）");
    }
    for (int i = 0; i < w->n_roles; i++)
        printf("%s%s", i || w->n_units ? "、" : "", js_role_labels[w->roles[i]]);
    printf("\n");
    for (int i = 0; i < w->n_evidence; i++) {
        struct order ord;
        order_init(&ord);
        if (s->ops->order_get(s, w->evidence[i], &ord) == 0) {
            char c[40];
            jtime_format_cn(ord.created_at, c, sizeof c);
            printf("    · %s  %s  %s\n", ord.number, c, ord.title ? ord.title : "");
        }
        order_release(&ord);
    }
}

static void print_stats(const struct hotspot_scan_stats *st)
{
    char at[40];
    jtime_format_cn(st->now, at, sizeof at);
    printf("%s 扫描%d个专题、%d件工单：触发%d次，新预警%d条（阈值%d、增长%d、多人%d），"
           "证据已预警未重复%d次，通知%d条\n",
           at, st->topics, st->orders, st->fired, st->raised, st->by_rule[HSR_THRESHOLD],
           st->by_rule[HSR_GROWTH], st->by_rule[HSR_CITIZENS], st->repeated, st->messages);
}

static void raised_cb(void *ctx, const struct hotspot_warning *w)
{
    print_warning(ctx, w, true);
}

static int cmd_scan(struct opts *o, struct store *s)
{
    struct js_error e;
    struct hotspot_scan_stats st;
    int64_t now = (int64_t)time(NULL);
    js_error_clear(&e);
    if (time_opt(o, "now", &now))
        return 2;
    if (hotspot_scan(s, now, NULL, raised_cb, s, &st, &e)) {
        fprintf(stderr, ME ": %s\n", e.message);
        return 1;
    }
    print_stats(&st);
    return 0;
}

static int cmd_show(struct opts *o, struct store *s)
{
    int64_t id;
    struct hotspot_warning w;
    struct hotspot_note *notes = NULL;
    int n = 0;
    if (id_opt(o, &id))
        return 2;
    if (s->ops->hotspot_warning_get(s, id, &w)) {
        fprintf(stderr, ME ": 没有编号为%lld的预警\n", (long long)id);
        return 1;
    }
    print_warning(s, &w, true);
    if (s->ops->hotspot_note_list(s, id, &notes, &n) == 0)
        for (int i = 0; i < n; i++) {
            char at[40];
            jtime_format_cn(notes[i].at, at, sizeof at);
            printf("    [%s] %s %s %s\n", hotspot_note_labels[notes[i].kind], at,
                   notes[i].user_name, notes[i].text);
        }
    free(notes);
    hotspot_warning_release(&w);
    return 0;
}

static int cmd_act(struct opts *o, struct store *s, int kind)
{
    struct js_error e;
    struct actor who;
    int64_t id;
    js_error_clear(&e);
    const char *login = opts_get(o, "as");
    if (!login) {
        fprintf(stderr, ME ": 须用 --as LOGIN 指明处置人\n");
        return 2;
    }
    if (id_opt(o, &id))
        return 2;
    if (cli_find_actor(s, login, &who)) {
        fprintf(stderr, ME ": 没有可用的用户 %s\n", login);
        return 2;
    }
    struct hotspot_actor a = {.user_id = who.user_id, .role = who.role, .unit_id = who.unit_id};
    snprintf(a.name, sizeof a.name, "%s", who.name);
    if (hotspot_act(s, id, kind, &a, opts_get(o, "text"), (int64_t)time(NULL), NULL, &e)) {
        fprintf(stderr, ME ": %s（字段 %s）\n", e.message, e.field);
        return e.code == -JS_EDB || e.code == -JS_EBUSY ? 1 : 2;
    }
    printf("预警 %lld 已%s\n", (long long)id, hotspot_note_labels[kind]);
    return 0;
}

/* ---- replay -------------------------------------------------------------------------------- */

/* "2019/2/28 11:25:05" or "2019/04/05 9:03:00" → instant (Shanghai time). */
static int parse_slash_time(const char *s, int64_t *out)
{
    int y, m, d, hh = 0, mm = 0, ss = 0;
    if (sscanf(s, "%d/%d/%d %d:%d:%d", &y, &m, &d, &hh, &mm, &ss) < 3 &&
        sscanf(s, "%d-%d-%d %d:%d:%d", &y, &m, &d, &hh, &mm, &ss) < 3)
        return -JS_EINVAL;
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
    return jtime_parse(iso, out);
}

struct msg {
    int64_t at;
    char *id, *user, *title, *text;
};

static int msg_cmp(const void *a, const void *b)
{
    const struct msg *x = a, *y = b;
    return (x->at > y->at) - (x->at < y->at);
}

/* The labels of tests/data/hotspot_replay_labels.csv: day,topic,rule,digest,label,... */
struct label {
    char key[160];
    int label;
};

struct replay {
    struct store *s;
    json_t *out; /* the warnings, for --json */
    struct label *labels;
    int n_labels;
    int raised, labelled, true_pos, unlabelled;
    int by_rule[HSR__COUNT], true_by_rule[HSR__COUNT], labelled_by_rule[HSR__COUNT];
};

/* The label of w (1 true, 0 false, -1 none), counted in r; key and day receive its key. */
static int label_of(struct replay *r, const struct hotspot_warning *w, char *key, size_t n,
                    char day[16])
{
    jtime_format(w->raised_at - 1, day, 16); /* the day whose orders raised it */
    day[10] = '\0';
    snprintf(key, n, "%s,%s,%s,%s", day, w->topic_name, hotspot_rule_names[w->rule], w->digest);
    r->raised++;
    r->by_rule[w->rule]++;
    int label = -1;
    for (int i = 0; i < r->n_labels; i++)
        if (strcmp(r->labels[i].key, key) == 0)
            label = r->labels[i].label;
    if (label < 0) {
        r->unlabelled++;
    } else {
        r->labelled++;
        r->labelled_by_rule[w->rule]++;
        r->true_pos += label;
        r->true_by_rule[w->rule] += label;
    }
    return label;
}

static void print_precision(const struct replay *r)
{
    printf("已标注 %d 条，其中真 %d 条，准确率（precision）%.3f；未标注 %d 条\n", r->labelled,
           r->true_pos, r->labelled ? (double)r->true_pos / r->labelled : 0.0, r->unlabelled);
    for (int k = 0; k < HSR__COUNT; k++)
        if (r->labelled_by_rule[k])
            printf("  %s：%d/%d = %.3f\n", hotspot_rule_labels[k], r->true_by_rule[k],
                   r->labelled_by_rule[k], (double)r->true_by_rule[k] / r->labelled_by_rule[k]);
}

static void replay_cb(void *ctx, const struct hotspot_warning *w)
{
    struct replay *r = ctx;
    struct store *s = r->s;
    char day[16], key[160];
    int label = label_of(r, w, key, sizeof key, day);
    char when[40];
    jtime_format_cn(w->raised_at - 1, when, sizeof when);
    printf("%.*s  %s  [%s]\n    键：%s  %s\n", (int)(strlen(when) - 6), when, w->title,
           hotspot_rule_labels[w->rule], key,
           label < 0 ? "（未标注）"
           : label   ? "标注：真"
                     : "标注：误报");
    json_t *ev = json_array();
    for (int i = 0; i < w->n_evidence; i++) {
        struct order o;
        order_init(&o);
        if (s->ops->order_get(s, w->evidence[i], &o) == 0) {
            char c[40], cn[40];
            jtime_format(o.created_at, c, sizeof c);
            jtime_format_cn(o.created_at, cn, sizeof cn);
            printf("    · %s  %s  %s  %s\n", o.upstream_id, cn,
                   o.citizen_name ? o.citizen_name : "", o.title ? o.title : "");
            json_array_append_new(ev, json_pack("{ss ss ss ss}", "id", o.upstream_id, "at", c,
                                                "user", o.citizen_name ? o.citizen_name : "",
                                                "title", o.title ? o.title : ""));
        }
        order_release(&o);
    }
    json_array_append_new(
        r->out, json_pack("{ss ss ss ss ss si si so}", "key", key, "day", day, "topic",
                          w->topic_name, "rule", hotspot_rule_names[w->rule], "title", w->title,
                          "count", w->n_evidence, "citizens", w->citizens, "evidence", ev));
}

static int load_labels(const char *path, struct replay *r)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, ME ": 无法打开标注文件 %s\n", path);
        return -1;
    }
    struct csv_reader cr;
    struct js_error e;
    bool got;
    int rc = 0, cap = 0;
    csv_init(&cr, f, 0);
    int cols[5] = {-1, -1, -1, -1, -1};
    static const char *const names[] = {"day", "topic", "rule", "digest", "label"};
    while (!rc && !(rc = csv_next(&cr, &got, &e)) && got) {
        if (cols[0] < 0) {
            for (int i = 0; i < 5; i++)
                cols[i] = csv_find(&cr, names[i]);
            if (cols[0] < 0 || cols[1] < 0 || cols[2] < 0 || cols[3] < 0 || cols[4] < 0) {
                fprintf(stderr, ME ": 标注文件须有 day,topic,rule,digest,label 各列\n");
                rc = -1;
            }
            continue;
        }
        if (r->n_labels == cap) {
            cap = cap ? cap * 2 : 64;
            struct label *v = realloc(r->labels, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            r->labels = v;
        }
        struct label *l = &r->labels[r->n_labels++];
        snprintf(l->key, sizeof l->key, "%s,%s,%s,%s", csv_field(&cr, cols[0]),
                 csv_field(&cr, cols[1]), csv_field(&cr, cols[2]), csv_field(&cr, cols[3]));
        l->label = strcmp(csv_field(&cr, cols[4]), "1") == 0;
    }
    if (rc > 0 || (rc < 0 && rc != -1))
        fprintf(stderr, ME ": 标注文件 %s：%s\n", path, e.message);
    csv_release(&cr);
    fclose(f);
    return rc ? -1 : 0;
}

static int read_messages(const char *path, struct msg **out, int *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, ME ": 无法打开 %s\n", path);
        return -1;
    }
    struct csv_reader cr;
    struct js_error e;
    bool got;
    int rc = 0, cap = 0, c_id = -1, c_user = -1, c_title = -1, c_time = -1, c_text = -1;
    long skipped = 0;
    js_error_clear(&e);
    csv_init(&cr, f, 0);
    *out = NULL;
    *n = 0;
    while (!rc && !(rc = csv_next(&cr, &got, &e)) && got) {
        if (c_id < 0) {
            c_id = csv_find(&cr, "id");
            c_user = csv_find(&cr, "user");
            c_title = csv_find(&cr, "title");
            c_time = csv_find(&cr, "time");
            c_text = csv_find(&cr, "text");
            if (c_id < 0 || c_title < 0 || c_time < 0) {
                fprintf(stderr, ME ": %s 须有 id、title、time 列（user、text 可选）\n", path);
                rc = -1;
            }
            continue;
        }
        struct msg m = {0};
        if (parse_slash_time(csv_field(&cr, c_time), &m.at)) {
            skipped++;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            struct msg *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            *out = v;
        }
        m.id = strdup(csv_field(&cr, c_id));
        m.user = strdup(c_user >= 0 ? csv_field(&cr, c_user) : "");
        m.title = strdup(csv_field(&cr, c_title));
        m.text = strdup(c_text >= 0 ? csv_field(&cr, c_text) : "");
        (*out)[(*n)++] = m;
    }
    if (rc && rc != -1)
        fprintf(stderr, ME ": %s：%s\n", path, e.message);
    if (skipped)
        fprintf(stderr, ME ": %ld行的时间无法识别，已跳过\n", skipped);
    csv_release(&cr);
    fclose(f);
    if (!rc && *n)
        qsort(*out, (size_t)*n, sizeof **out, msg_cmp);
    return rc ? -1 : 0;
}

static int insert_message(struct store *s, const struct msg *m, int seq)
{
    struct order o;
    order_init(&o);
    snprintf(o.number, sizeof o.number, "R%09d", seq);
    snprintf(o.upstream_id, sizeof o.upstream_id, "%s", m->id);
    snprintf(o.channel, sizeof o.channel, "%s", "web");
    o.status = ST_RECEIVED;
    o.type = TYPE_COMPLAINT;
    o.version = 1;
    o.created_at = o.updated_at = m->at;
    int rc = order_set_str(&o.title, m->title);
    if (!rc)
        rc = order_set_str(&o.text, m->text);
    if (!rc)
        rc = order_set_str(&o.citizen_name, m->user);
    if (!rc)
        rc = s->ops->order_insert(s, &o);
    order_release(&o);
    return rc;
}

/* Topics for the replay: the JSON array of --topics, or the defaults (keywords only: a CSV has
 * no categories, regions or units). */
static int replay_topics(struct opts *o, struct store *s)
{
    struct js_error e;
    js_error_clear(&e);
    const char *file = opts_get(o, "topics");
    if (!file) {
        int added;
        if (hotspot_default_topics(s, 1, &added, &e)) {
            fprintf(stderr, ME ": %s\n", e.message);
            return -1;
        }
        return 0;
    }
    json_error_t je;
    json_t *j = json_load_file(file, 0, &je);
    if (!json_is_array(j)) {
        fprintf(stderr, ME ": %s 须为预警专题的 JSON 数组\n", file);
        json_decref(j);
        return -1;
    }
    size_t i;
    json_t *x;
    int rc = s->ops->begin(s);
    json_array_foreach(j, i, x)
    {
        struct hotspot_topic t;
        hotspot_topic_init(&t);
        json_object_del(x, "id");
        if (!rc && hotspot_topic_from_json(x, NULL, &t, &e)) {
            fprintf(stderr, ME ": %s 第%zu个专题：%s（字段 %s）\n", file, i + 1, e.message,
                    e.field);
            rc = -1;
        }
        if (!rc)
            rc = s->ops->hotspot_topic_put(s, &t);
    }
    rc = rc ? (s->ops->rollback(s), -1) : s->ops->commit(s);
    json_decref(j);
    return rc ? -1 : 0;
}

static int cmd_replay(struct opts *o)
{
    struct store *s = NULL;
    struct js_error e;
    struct msg *msgs = NULL;
    int n = 0, status = 1;
    struct replay r = {0};
    js_error_clear(&e);
    const char *csv = opts_get(o, "csv"), *labels = opts_get(o, "labels");
    if (!csv) {
        fprintf(stderr, ME ": 须用 --csv FILE 指明留言文件\n");
        return 2;
    }
    if (read_messages(csv, &msgs, &n) || (labels && load_labels(labels, &r)))
        goto out;
    if (store_open(":memory:", &s, &e) || s->ops->migrate(s, &e)) {
        fprintf(stderr, ME ": %s\n", e.message);
        goto out;
    }
    if (replay_topics(o, s))
        goto out;
    r.s = s;
    r.out = json_array();
    int64_t first = n ? jtime_local_day(msgs[0].at) : 0,
            last = n ? jtime_local_day(msgs[n - 1].at) : 0;
    int i = 0, days = 0, warned_days = 0;
    struct hotspot_scan_stats total = {0};
    if (s->ops->begin(s))
        goto out;
    for (int64_t day = first; n && day <= last; day++) {
        int64_t end = jtime_day_start(day + 1);
        bool any = false;
        while (i < n && msgs[i].at < end) {
            if (insert_message(s, &msgs[i], i + 1)) {
                fprintf(stderr, ME ": 无法写入留言 %s\n", msgs[i].id);
                s->ops->rollback(s);
                goto out;
            }
            i++;
            any = true;
        }
        if (!any && i < n && jtime_local_day(msgs[i].at) > day + 30) {
            day = jtime_local_day(msgs[i].at) - 1; /* a gap of months: no messages to scan */
            continue;
        }
        struct hotspot_scan_stats st;
        int before = r.raised;
        if (s->ops->commit(s) || hotspot_scan(s, end, NULL, replay_cb, &r, &st, &e) ||
            s->ops->begin(s)) {
            fprintf(stderr, ME ": %s\n", e.message);
            goto out;
        }
        days++;
        warned_days += r.raised > before;
        total.fired += st.fired;
        total.repeated += st.repeated;
    }
    s->ops->commit(s);
    printf("\n回放 %d 条留言、%d 天：%d 天发出预警，共 %d 条（阈值%d、增长%d、多人%d），"
           "同一证据未重复预警 %d 次\n",
           n, days, warned_days, r.raised, r.by_rule[HSR_THRESHOLD], r.by_rule[HSR_GROWTH],
           r.by_rule[HSR_CITIZENS], total.repeated);
    if (labels)
        print_precision(&r);
    const char *out_json = opts_get(o, "json");
    if (out_json && json_dump_file(r.out, out_json, JSON_INDENT(1)) != 0) {
        fprintf(stderr, ME ": 无法写入 %s\n", out_json);
        goto out;
    }
    status = 0;
out:
    for (int k = 0; k < n; k++) {
        free(msgs[k].id);
        free(msgs[k].user);
        free(msgs[k].title);
        free(msgs[k].text);
    }
    free(msgs);
    free(r.labels);
    json_decref(r.out);
    store_close(s);
    return status;
}

/* The warnings stored, newest first; with --labels, each with its label and the precision. */
static int cmd_list(struct opts *o, struct store *s)
{
    struct hotspot_warning_query q = {.state = -1, .role = -1, .limit = 500};
    struct replay r = {0};
    const char *state = opts_get(o, "state"), *labels = opts_get(o, "labels");
    if (time_opt(o, "from", &q.from) || time_opt(o, "to", &q.to))
        return 2;
    if (state && (q.state = js_name_index(hotspot_state_names, state)) < 0) {
        fprintf(stderr, ME ": --state 须为 open、acked 或 closed\n");
        return 2;
    }
    if (labels && load_labels(labels, &r))
        return 2;
    struct hotspot_warning *v = NULL;
    int n = 0;
    if (s->ops->hotspot_warning_list(s, &q, &v, &n)) {
        fprintf(stderr, ME ": 无法读取预警\n");
        free(r.labels);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        print_warning(s, &v[i], labels != NULL);
        if (labels) {
            char key[160], day[16];
            int label = label_of(&r, &v[i], key, sizeof key, day);
            printf("    键：%s  %s\n", key,
                   label < 0 ? "（未标注）"
                   : label   ? "标注：真"
                             : "标注：误报");
        }
        hotspot_warning_release(&v[i]);
    }
    if (!n)
        printf("没有预警\n");
    if (labels)
        print_precision(&r);
    free(v);
    free(r.labels);
    return 0;
}

int cli_hotspot(struct opts *o)
{
    const char *sub = opts_get(o, "sub");
    static const char *const subs[] = {"topics",    "scan",  "list",   "show", "ack",
                                       "follow-up", "close", "replay", NULL};
    int k = sub ? js_name_index(subs, sub) : -1;
    if (k < 0) {
        fprintf(stderr,
                ME ": 须给出子命令 topics、scan、list、show、ack、follow-up、close 或 replay"
                   "（见 jiesu hotspot --help）\n");
        return 2;
    }
    if (k == 7)
        return cmd_replay(o);
    struct store *s = NULL;
    if (cli_open_store(o, &s))
        return 1;
    int rc;
    switch (k) {
    case 0:
        rc = cmd_topics(o, s);
        break;
    case 1:
        rc = cmd_scan(o, s);
        break;
    case 2:
        rc = cmd_list(o, s);
        break;
    case 3:
        rc = cmd_show(o, s);
        break;
    case 4:
        rc = cmd_act(o, s, HSN_ACK);
        break;
    case 5:
        rc = cmd_act(o, s, HSN_FOLLOW_UP);
        break;
    default:
        rc = cmd_act(o, s, HSN_CLOSE);
        break;
    }
    store_close(s);
    return rc;
}
