/* `jiesu kb`: the knowledge base on the command line with the API's rules (core/kb.c): search
 * the published entries, show one with its history, list, add or edit, submit, approve, reject,
 * withdraw; every change is made as the user named by --as. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/kb.h"
#include "core/model.h"
#include "store/search.h"
#include "store/store.h"
#include "text/searchtext.h"
#include "util/jtime.h"

#define ME "jiesu kb"

static void print_line(const struct kb_entry *k)
{
    char to[48] = "长期有效";
    if (k->valid_to)
        jtime_format_cn(k->valid_to, to, sizeof to);
    printf("#%-5lld 第%d版  %-8s  至%s  引用%lld次  %s\n", (long long)k->id, k->version,
           kb_status_labels[k->status], to, (long long)k->uses, k->question);
}

static int print_list(const struct kb_list *l, bool more)
{
    for (int i = 0; i < l->n; i++)
        print_line(&l->v[i]);
    if (l->n == 0)
        printf("没有找到知识库条目\n");
    else if (more)
        printf("（还有更多结果，用 --offset %d 查看下一页）\n", l->n);
    return 0;
}

static int show(struct store *s, const struct actor *who, int64_t id)
{
    struct kb_entry k;
    struct kb_list l;
    kb_list_init(&l);
    int rc = s->ops->kb_get(s, id, &k);
    if (rc || !kb_may_read(who, &k)) {
        fprintf(stderr, ME ": 知识库条目 %lld 不存在\n", (long long)id);
        kb_entry_release(&k);
        return 1;
    }
    char from[48], to[48] = "长期有效";
    jtime_format_cn(k.valid_from, from, sizeof from);
    if (k.valid_to)
        jtime_format_cn(k.valid_to, to, sizeof to);
    struct unit u = {0};
    s->ops->unit_get(s, k.unit_id, &u);
    printf("条目 #%lld（第%d版，%s）\n问题：%s\n答复口径：%s\n政策依据：%s\n所属单位：%s\n"
           "有效期：%s 至 %s\n引用次数：%lld\n",
           (long long)k.id, k.version, kb_status_labels[k.status], k.question, k.answer,
           k.basis[0] ? k.basis : "（无）", u.name, from, to, (long long)k.uses);
    if (k.note[0])
        printf("审核/撤回意见：%s\n", k.note);
    struct kb_query q = {.entry_id = k.entry_id, .limit = 500};
    bool more;
    if (!s->ops->kb_list(s, &q, &l, &more) && l.n > 1) {
        printf("\n历史版本：\n");
        for (int i = 0; i < l.n; i++)
            if (kb_may_read(who, &l.v[i]))
                print_line(&l.v[i]);
    }
    kb_list_release(&l);
    kb_entry_release(&k);
    return 0;
}

/* The entry fields given as options, as the API's JSON body. */
static int fields_of(struct opts *o, json_t **out)
{
    static const char *const names[] = {"question",   "answer",   "basis",
                                        "valid_from", "valid_to", NULL};
    json_t *in = json_object();
    for (int i = 0; names[i]; i++)
        if (opts_get(o, names[i]))
            json_object_set_new(in, names[i], json_string(opts_get(o, names[i])));
    const char *cats = opts_get(o, "categories");
    if (cats) {
        json_t *arr = json_array();
        for (const char *p = cats; *p;) {
            char *end;
            long long v = strtoll(p, &end, 10);
            if (end == p || (*end && *end != ',')) {
                fprintf(stderr, ME ": --categories 应为逗号分隔的分类编号，如 12,15\n");
                json_decref(arr);
                json_decref(in);
                return -1;
            }
            json_array_append_new(arr, json_integer(v));
            p = *end ? end + 1 : end;
        }
        json_object_set_new(in, "categories", arr);
    }
    *out = in;
    return 0;
}

static int id_opt(struct opts *o, const char *name, int64_t *out)
{
    const char *v = opts_get(o, name);
    char *end;
    long long x = v ? strtoll(v, &end, 10) : 0;
    if (!v || !*v || *end || x <= 0) {
        fprintf(stderr, ME ": --%s 须为条目编号\n", name);
        return -1;
    }
    *out = x;
    return 0;
}

int cli_kb(struct opts *o)
{
    static const char *const verbs[] = {"search", "show",    "list",   "add",      "edit",
                                        "submit", "approve", "reject", "withdraw", NULL};
    struct store *s = NULL;
    struct actor who = {.role = ROLE_ADMIN};
    struct js_error e;
    int rc = 2, verb = -1;
    js_error_clear(&e);
    for (int i = 0; verbs[i]; i++)
        if (opts_has(o, verbs[i])) {
            if (verb >= 0) {
                fprintf(stderr, ME ": --%s 与 --%s 只能给一个\n", verbs[verb], verbs[i]);
                return 2;
            }
            verb = i;
        }
    if (verb < 0) {
        fprintf(stderr, ME ": 须给出 --search、--show、--list、--add、--edit、--submit、--approve、"
                           "--reject 或 --withdraw 之一（jiesu kb --help）\n");
        return 2;
    }
    const char *login = opts_get(o, "as");
    bool writes = verb >= 3;
    if (writes && !login) {
        fprintf(stderr, ME ": 修改知识库须用 --as LOGIN 指明操作人\n");
        return 2;
    }
    if (cli_open_store(o, &s))
        return 1;
    if (login && cli_find_actor(s, login, &who)) {
        fprintf(stderr, ME ": 没有可用的用户 %s\n", login);
        rc = 1;
        goto out;
    }
    int64_t now = (int64_t)time(NULL), id = 0;
    struct kb_entry k;
    kb_entry_init(&k);
    switch (verb) {
    case 0: { /* search */
        const char *q = opts_get(o, "search");
        if (!q || !*q) {
            fprintf(stderr, ME ": --search 须给出关键词\n");
            break;
        }
        struct st_query m;
        json_t *syn = search_synonyms(s);
        int prc = searchtext_query(q, syn, &m);
        json_decref(syn);
        if (prc) {
            fprintf(stderr, ME ": 关键词过长（最多 200 个字符）\n");
            searchtext_query_release(&m);
            break;
        }
        struct kb_list l;
        kb_list_init(&l);
        bool more;
        struct kb_query kq = {.match = &m,
                              .any = opts_has(o, "any"),
                              .statuses = KB_BIT(KB_PUBLISHED),
                              .in_force_at = now,
                              .limit = 20};
        rc = s->ops->kb_list(s, &kq, &l, &more) ? 1 : print_list(&l, more);
        kb_list_release(&l);
        searchtext_query_release(&m);
        break;
    }
    case 1: /* show */
        rc = id_opt(o, "show", &id) ? 2 : show(s, &who, id);
        break;
    case 2: { /* list */
        struct kb_list l;
        kb_list_init(&l);
        bool more;
        struct kb_query kq = {.latest = !opts_has(o, "all"), .limit = 100};
        const char *st = opts_get(o, "status");
        if (st) {
            int x = js_name_index(kb_status_names, st);
            if (x < 0) {
                fprintf(stderr, ME ": --status 应为 draft、under_review、published、expired、"
                                   "withdrawn 或 superseded\n");
                break;
            }
            kq.statuses = KB_BIT(x);
        }
        if (who.role == ROLE_UNIT_OPERATOR || who.role == ROLE_UNIT_LEADER)
            kq.unit_id = who.unit_id;
        rc = s->ops->kb_list(s, &kq, &l, &more) ? 1 : print_list(&l, more);
        kb_list_release(&l);
        break;
    }
    case 3:   /* add */
    case 4: { /* edit */
        json_t *in;
        if ((verb == 4 && id_opt(o, "edit", &id)) || fields_of(o, &in))
            break;
        int erc =
            verb == 3 ? kb_create(s, &who, in, now, &k, &e) : kb_edit(s, &who, id, in, now, &k, &e);
        json_decref(in);
        if (erc) {
            if (e.field[0])
                fprintf(stderr, ME ": %s（字段 %s）\n", e.message, e.field);
            else
                fprintf(stderr, ME ": %s\n", e.message);
            rc = 1;
            break;
        }
        printf("已保存：条目 #%lld 第%d版（%s）\n", (long long)k.id, k.version,
               kb_status_labels[k.status]);
        rc = 0;
        break;
    }
    default: { /* submit, approve, reject, withdraw */
        static const int actions[] = {KBA_SUBMIT, KBA_APPROVE, KBA_REJECT, KBA_WITHDRAW};
        int action = actions[verb - 5];
        if (id_opt(o, verbs[verb], &id))
            break;
        if (kb_act(s, &who, id, action, opts_get(o, "note"), now, &k, &e)) {
            fprintf(stderr, ME ": %s\n", e.message);
            rc = 1;
            break;
        }
        printf("%s：条目 #%lld 第%d版，现为“%s”\n", kb_action_labels[action], (long long)k.id,
               k.version, kb_status_labels[k.status]);
        rc = 0;
    }
    }
    kb_entry_release(&k);
out:
    store_close(s);
    return rc;
}
