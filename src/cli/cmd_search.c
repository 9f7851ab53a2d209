/* `jiesu search`: the search box of the API on the command line, with the same rules (the
 * user's role decides whether citizens may be looked up; every such lookup is audited). */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/model.h"
#include "store/search.h"
#include "store/store.h"
#include "util/jtime.h"

static int int_opt(struct opts *o, const char *name, int lo, int hi, int dflt, int *out)
{
    const char *v = opts_get(o, name);
    *out = dflt;
    if (!v)
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (!*v || *end || x < lo || x > hi) {
        fprintf(stderr, "jiesu search: --%s 须为%d至%d之间的整数\n", name, lo, hi);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static void print_result(const struct search_result *r)
{
    for (int i = 0; i < r->n; i++) {
        const struct order *o = &r->orders[i];
        char when[40];
        jtime_format_cn(o->created_at, when, sizeof when);
        printf("%s  %-6s  %s  [%s%s]  %s\n", o->number, js_status_labels[o->status], when,
               search_kind_label(r->hits[i].kind),
               r->hits[i].exact || r->hits[i].kind == SEARCH_TEXT ? "" : "·部分",
               o->title ? o->title : "");
    }
    if (r->n == 0)
        printf("没有找到工单\n");
    else if (r->more)
        printf("（还有更多结果，用 --offset %d 查看下一页）\n", r->n);
}

int cli_search(struct opts *o)
{
    struct store *s = NULL;
    struct search_result r = {0};
    struct js_error e;
    struct actor who;
    json_t *syn = NULL;
    int rc = 2, limit, offset;
    const char *login = opts_get(o, "as"), *q = opts_get(o, "q"), *phone = opts_get(o, "phone");
    js_error_clear(&e);
    if (!login) {
        fprintf(stderr, "jiesu search: 须用 --as LOGIN 指明查询人（查询按其角色授权并留痕）\n");
        return 2;
    }
    if (!q == !phone) {
        fprintf(stderr, "jiesu search: 须给出 --q 查询内容或 --phone 来电号码之一\n");
        return 2;
    }
    if (int_opt(o, "limit", 1, 500, 20, &limit) || int_opt(o, "offset", 0, 5000, 0, &offset))
        return 2;
    if (cli_open_store(o, &s))
        return 1;
    if (cli_find_actor(s, login, &who)) {
        fprintf(stderr, "jiesu search: 没有可用的用户 %s\n", login);
        goto out;
    }
    struct search_who w;
    search_who_init(&w, who.role, who.unit_id);
    int64_t now = (int64_t)time(NULL);
    if (phone) {
        if (search_history(s, &w, phone, limit, &r, &e)) {
            fprintf(stderr, "jiesu search: --phone: %s\n", e.message);
            goto out;
        }
    } else {
        syn = search_synonyms(s);
        if (search_orders(s, &w, q, syn, offset, limit, &r, &e)) {
            fprintf(stderr, "jiesu search: --q: %s\n", e.message);
            goto out;
        }
    }
    if (r.citizen_used &&
        (phone || r.citizen_hits > 0 || strspn(q, "0123456789 -+") == strlen(q)) &&
        search_audit(s, who.user_id, now, phone != NULL, phone ? phone : q, &r)) {
        fprintf(stderr, "jiesu search: 无法写入审计记录，结果不予显示\n");
        rc = 1;
        goto out;
    }
    print_result(&r);
    rc = 0;
out:
    json_decref(syn);
    search_result_release(&r);
    store_close(s);
    return rc;
}
