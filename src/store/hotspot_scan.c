/* The hotspot scan over the store: topic orders → items → rules → new warnings, each stored
 * with its evidence, recipients and notifications in one transaction; and the default topics. */
#include "compat.h"
#include "store/hotspot_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "core/outbox.h"
#include "store/dupcheck.h"
#include "store/search.h"
#include "text/dup.h"
#include "text/searchtext.h"
#include "util/jfield.h"
#include "util/jtime.h"

#define PAGE 500

/* ---- reading a topic's orders --------------------------------------------------------------- */

struct bag {
    struct order *v;
    int n, cap;
    int64_t min_id, max_id;
};

static int id_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Sorts the bag by id and drops the orders found twice (by two keywords, a keyword and a
 * category ...). */
static void bag_dedupe(struct bag *b)
{
    if (b->n < 2)
        return;
    qsort(b->v, (size_t)b->n, sizeof *b->v, id_cmp);
    int k = 1;
    for (int i = 1; i < b->n; i++) {
        if (b->v[i].id == b->v[k - 1].id)
            order_release(&b->v[i]);
        else
            b->v[k++] = b->v[i];
    }
    b->n = k;
}

static int bag_add(void *ctx, const struct order *o)
{
    struct bag *b = ctx;
    if (o->parent_id)
        return 0; /* a split child: its parent counts */
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 64;
        struct order *v = realloc(b->v, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    order_init(&b->v[b->n]);
    int rc = order_copy(&b->v[b->n], o);
    if (rc)
        return rc;
    b->n++;
    return 0;
}

static int query_all(struct store *s, struct order_query *q, struct bag *b)
{
    char cursor[128] = "", next[128];
    q->type = -1;
    q->level = -1;
    q->overdue = -1;
    q->sort = SORT_CREATED_ASC;
    q->limit = PAGE;
    for (;;) {
        q->cursor = cursor[0] ? cursor : NULL;
        int rc = s->ops->order_query(s, q, bag_add, b, next, sizeof next);
        if (rc)
            return rc;
        if (!next[0])
            return 0;
        memcpy(cursor, next, sizeof cursor);
    }
}

/* How often the phrase ph occurs in idx (index tokens between spaces, " a b c "). */
static int phrase_count(const char *idx, const struct st_phrase *ph)
{
    char pat[512];
    int n = snprintf(pat, sizeof pat, " %s%s", ph->tokens ? ph->tokens : "", ph->prefix ? "" : " ");
    if (n <= 1 || (size_t)n >= sizeof pat)
        return 0;
    int count = 0;
    for (const char *p = strstr(idx, pat); p; p = strstr(p + 1, pat))
        count++;
    return count;
}

/* How often any alternative of every group of q occurs in text (the least over groups). */
static int query_count(const struct st_query *q, const char *text, struct buf *tmp)
{
    buf_reset(tmp);
    if (buf_puts(tmp, " ") || searchtext_index(text ? text : "", tmp) || buf_puts(tmp, " "))
        return 0;
    int least = -1;
    for (int g = 0; g < q->n; g++) {
        int c = 0;
        for (int a = 0; a < q->g[g].n; a++)
            c += phrase_count(tmp->data, &q->g[g].alt[a]);
        if (least < 0 || c < least)
            least = c;
    }
    return least < 0 ? 0 : least;
}

/* An order found by a keyword counts for the topic when the keyword is in its title, or at
 * least twice in its text: a message that names a topic word once in passing (安全隐患 at the
 * end of a complaint about street lights) is not about that topic. */
struct strong {
    struct bag *b;
    const struct st_query *m;
};

static int add_strong(void *ctx, const struct order *o)
{
    struct strong *k = ctx;
    struct buf tmp;
    buf_init(&tmp, 0);
    bool keep = query_count(k->m, o->title, &tmp) > 0 || query_count(k->m, o->text, &tmp) >= 2;
    buf_release(&tmp);
    return keep ? bag_add(k->b, o) : 0;
}

static int query_strong(struct store *s, struct order_query *q, struct strong *k)
{
    char cursor[128] = "", next[128];
    q->type = -1;
    q->level = -1;
    q->overdue = -1;
    q->sort = SORT_CREATED_ASC;
    q->limit = PAGE;
    for (;;) {
        q->cursor = cursor[0] ? cursor : NULL;
        int rc = s->ops->order_query(s, q, add_strong, k, next, sizeof next);
        if (rc)
            return rc;
        if (!next[0])
            return 0;
        memcpy(cursor, next, sizeof cursor);
    }
}

/* The regions, to tell whether one lies under another. */
struct tree {
    struct region *v;
    int n;
};

static int64_t parent_of(const struct tree *t, int64_t id)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].id == id)
            return t->v[i].parent_id;
    return 0;
}

static int level_of(const struct tree *t, int64_t id)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].id == id)
            return t->v[i].level;
    return -1;
}

static bool under(const struct tree *t, int64_t id, int64_t top)
{
    for (int depth = 0; id && depth < 16; depth++, id = parent_of(t, id))
        if (id == top)
            return true;
    return false;
}

static int order_cmp(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    int by_time = (x->created_at > y->created_at) - (x->created_at < y->created_at);
    return by_time ? by_time : (x->id > y->id) - (x->id < y->id);
}

int hotspot_topic_items(struct store *s, const struct hotspot_topic *t, const json_t *synonyms,
                        int64_t from, int64_t to, struct hotspot_item **items,
                        struct order **orders, int *n)
{
    struct bag b = {0};
    struct tree regions = {0};
    json_t *own = NULL;
    *items = NULL;
    *n = 0;
    if (orders)
        *orders = NULL;
    int rc = 0;
    if (t->all_orders) {
        struct order_query q = {.from = from, .to = to};
        rc = query_all(s, &q, &b);
    }
    for (int i = 0; !rc && !t->all_orders && i < t->n_categories; i++) {
        struct order_query q = {.from = from, .to = to, .category_id = t->categories[i]};
        rc = query_all(s, &q, &b);
    }
    if (!rc && !t->all_orders && t->n_keywords && !synonyms)
        synonyms = own = search_synonyms(s);
    for (int i = 0; !rc && !t->all_orders && i < t->n_keywords; i++) {
        struct st_query m;
        rc = searchtext_query(t->keywords[i], synonyms, &m);
        if (!rc && m.n > 0) {
            struct order_query q = {.from = from, .to = to, .match = &m};
            struct strong k = {&b, &m};
            rc = query_strong(s, &q, &k);
        }
        searchtext_query_release(&m);
    }
    if (!rc)
        bag_dedupe(&b);
    if (!rc && t->n_regions)
        rc = s->ops->region_list(s, &regions.v, &regions.n);
    if (!rc && t->n_regions) { /* keep the orders inside the topic's regions */
        int k = 0;
        for (int i = 0; i < b.n; i++) {
            bool keep = false;
            for (int r = 0; r < t->n_regions && !keep; r++)
                keep = under(&regions, b.v[i].region_id, t->regions[r]);
            if (keep)
                b.v[k++] = b.v[i];
            else
                order_release(&b.v[i]);
        }
        b.n = k;
    }
    if (!rc && b.n)
        qsort(b.v, (size_t)b.n, sizeof *b.v, order_cmp);
    struct hotspot_item *it = NULL;
    if (!rc) {
        it = calloc((size_t)(b.n ? b.n : 1), sizeof *it);
        if (!it)
            rc = -JS_ENOMEM;
    }
    for (int i = 0; !rc && i < b.n; i++) {
        it[i].id = b.v[i].id;
        it[i].at = b.v[i].created_at;
        it[i].category_id = b.v[i].category_id;
        it[i].region_id = b.v[i].region_id;
        if (!b.v[i].anonymous || b.v[i].citizen_phone)
            hotspot_citizen_key(b.v[i].citizen_phone, b.v[i].citizen_name, it[i].citizen,
                                sizeof it[i].citizen);
    }
    if (!rc) {
        *items = it;
        *n = b.n;
        it = NULL;
    }
    free(it);
    if (!rc && orders) {
        *orders = b.v;
        b.v = NULL;
    }
    for (int i = 0; b.v && i < b.n; i++)
        order_release(&b.v[i]);
    free(b.v);
    free(regions.v);
    json_decref(own);
    return rc;
}

/* ---- raising ------------------------------------------------------------------------------- */

struct scan {
    struct store *s;
    int64_t now;
    struct unit *units;
    int n_units;
    struct user *users;
    int n_users;
    struct tree regions;
    struct category *cats;
    int n_cats;
    hotspot_raised_fn cb;
    void *ctx;
    struct hotspot_scan_stats *st;
    struct js_error *e;
};

static const struct unit *unit_by_id(const struct scan *sc, int64_t id)
{
    for (int i = 0; i < sc->n_units; i++)
        if (sc->units[i].id == id)
            return &sc->units[i];
    return NULL;
}

static void add_unit(struct hotspot_warning *w, int64_t id)
{
    for (int i = 0; i < w->n_units; i++)
        if (w->units[i] == id)
            return;
    if (id && w->n_units < HOTSPOT_MAX_RECIPIENT_UNITS)
        w->units[w->n_units++] = id;
}

/* The recipients: the topic's units and roles, and, when it says so, the units holding the
 * evidence orders (lead or dual) and the street offices whose street the orders lie in. */
static void recipients(const struct scan *sc, const struct hotspot_topic *t,
                       const struct order *orders, int n, const struct hotspot_finding *f,
                       struct hotspot_warning *w)
{
    for (int i = 0; i < t->n_units; i++)
        if (unit_by_id(sc, t->units[i]))
            add_unit(w, t->units[i]);
    for (int i = 0; i < t->n_roles; i++)
        w->roles[w->n_roles++] = t->roles[i];
    if (!t->concerned)
        return;
    for (int k = 0; k < f->n_ids; k++)
        for (int i = 0; i < n; i++) {
            if (orders[i].id != f->ids[k])
                continue;
            const struct order *o = &orders[i];
            for (int u = 0; u < o->n_units; u++)
                if (o->units[u].active &&
                    (o->units[u].role == ASG_LEAD || o->units[u].role == ASG_DUAL))
                    add_unit(w, o->units[u].unit_id);
            for (int u = 0; u < sc->n_units; u++)
                if (sc->units[u].kind == UNIT_STREET && sc->units[u].active &&
                    sc->units[u].region_id &&
                    under(&sc->regions, o->region_id, sc->units[u].region_id))
                    add_unit(w, sc->units[u].id);
        }
}

static int push(struct outbox_list *l, const struct outbox_msg *base, int64_t unit_id,
                const char *role, const char *name, const char *phone, const char *email)
{
    if ((!phone || !phone[0]) && (!email || !email[0]))
        return 0;
    struct outbox_msg m = *base;
    m.unit_id = unit_id;
    snprintf(m.to_role, sizeof m.to_role, "%s", role);
    snprintf(m.to_name, sizeof m.to_name, "%s", name ? name : "");
    snprintf(m.to_phone, sizeof m.to_phone, "%s", phone ? phone : "");
    snprintf(m.to_email, sizeof m.to_email, "%s", email ? email : "");
    return outbox_list_push(l, &m);
}

/* The notifications of w: the leader and section head of each recipient unit, every active
 * platform user of each recipient role. */
static int messages(const struct scan *sc, const struct hotspot_warning *w,
                    const struct order *last, struct outbox_list *out)
{
    struct outbox_msg base;
    char from[40], to[40];
    memset(&base, 0, sizeof base);
    base.kind = OBK_HOTSPOT;
    base.state = OBS_PENDING;
    base.order_id = last->id;
    snprintf(base.order_number, sizeof base.order_number, "%s", last->number);
    base.created_at = base.next_at = w->raised_at;
    jtime_format_cn(w->from, from, sizeof from);
    jtime_format_cn(w->to, to, sizeof to);
    snprintf(base.text, sizeof base.text,
             "【12345热线热点预警】%s。统计时段%s至%s，涉及工单%d件、群众%d人，最新一件为%s。"
             "请及时研判处置，并在系统“预警信息”中签收、反馈处置情况。",
             w->title, from, to, w->n_evidence, w->citizens, last->number);
    int rc = 0;
    for (int i = 0; !rc && i < w->n_units; i++) {
        const struct unit *u = unit_by_id(sc, w->units[i]);
        if (!u)
            continue;
        const struct contact *l = &u->contacts[CONTACT_LEADER], *c = &u->contacts[CONTACT_SECTION];
        rc = push(out, &base, u->id, "leader", l->name, l->phone, l->email);
        if (!rc)
            rc = push(out, &base, u->id, "section", c->name, c->phone, c->email);
    }
    for (int r = 0; !rc && r < w->n_roles; r++)
        for (int i = 0; !rc && i < sc->n_users; i++) {
            const struct user *u = &sc->users[i];
            if (u->active && u->role == w->roles[r])
                rc = push(out, &base, 0, js_role_names[u->role], u->name, u->phone, NULL);
        }
    return rc;
}

/* For the citizens rule: the most citizens any earlier warning of the same problem (one sharing
 * an evidence order, any topic, the last 90 days) counted, into f->warned_before — so that a long
 * campaign is warned again only when it has doubled since, not whenever its older reports leave
 * the window. */
static int warned_size(struct scan *sc, struct hotspot_finding *f)
{
    struct hotspot_warning_query q = {
        .from = sc->now - 90 * JT_DAY, .to = sc->now + 1, .state = -1, .role = -1, .limit = 500};
    struct hotspot_warning *v = NULL;
    int n = 0;
    int rc = sc->s->ops->hotspot_warning_list(sc->s, &q, &v, &n);
    for (int i = 0; i < n; i++) {
        bool shared = false;
        for (int k = 0; v[i].rule == HSR_CITIZENS && !shared && k < v[i].n_evidence; k++)
            for (int j = 0; !shared && j < f->n_ids; j++)
                shared = v[i].evidence[k] == f->ids[j];
        if (shared && v[i].citizens > f->warned_before)
            f->warned_before = v[i].citizens;
        hotspot_warning_release(&v[i]);
    }
    free(v);
    return rc;
}

/* Stores one finding as a warning unless its evidence was warned already. */
static int raise(struct scan *sc, const struct hotspot_topic *t, const struct hotspot_item *items,
                 const struct order *orders, int n, struct hotspot_finding *f)
{
    struct store *s = sc->s;
    int64_t *warned = NULL;
    int n_warned = 0;
    struct hotspot_warning w;
    struct outbox_list msgs;
    memset(&w, 0, sizeof w);
    outbox_list_init(&msgs);
    sc->st->fired++;
    /* one problem is warned once whichever topic caught it; volumes are per topic */
    int64_t scope = f->rule == HSR_CITIZENS ? 0 : t->id;
    int rc = s->ops->hotspot_warned_orders(s, scope, f->rule, &warned, &n_warned);
    if (rc) {
        js_fail(sc->e, rc, "", "无法读取专题“%s”已预警的工单", t->name);
        goto out;
    }
    if (f->rule == HSR_CITIZENS && (rc = warned_size(sc, f))) {
        js_fail(sc->e, rc, "", "无法读取已发出的预警");
        goto out;
    }
    if (!hotspot_is_new(t, f, warned, n_warned, items, n, NULL)) {
        sc->st->repeated++;
        goto out;
    }
    w.topic_id = t->id;
    snprintf(w.topic_name, sizeof w.topic_name, "%s", t->name);
    w.kind = t->kind;
    w.rule = f->rule;
    w.raised_at = sc->now;
    w.from = f->from;
    w.to = f->to;
    w.count = f->count;
    w.citizens = f->citizens;
    w.mean = f->mean;
    w.sd = f->sd;
    w.limit = f->limit;
    hotspot_title(t, f, w.title, sizeof w.title);
    hotspot_evidence_digest(f->ids, f->n_ids, w.digest);
    w.evidence = f->ids;
    w.n_evidence = f->n_ids;
    recipients(sc, t, orders, n, f, &w);
    /* the newest evidence order names the message */
    const struct order *last = NULL;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < f->n_ids; k++)
            if (orders[i].id == f->ids[k] && (!last || orders[i].created_at >= last->created_at))
                last = &orders[i];
    if (!last)
        goto out;
    rc = messages(sc, &w, last, &msgs);
    if (rc) {
        js_fail(sc->e, rc, "", "out of memory");
        goto out;
    }
    if ((rc = s->ops->begin(s))) {
        js_fail(sc->e, rc, "", "无法开始事务");
        goto out;
    }
    rc = s->ops->hotspot_warning_insert(s, &w);
    for (int i = 0; !rc && i < msgs.n; i++)
        rc = s->ops->outbox_put ? s->ops->outbox_put(s, &msgs.v[i]) : 0;
    if (rc) {
        s->ops->rollback(s);
        if (rc == -JS_EEXISTS) { /* another pass stored this evidence meanwhile */
            sc->st->repeated++;
            rc = 0;
        } else {
            js_fail(sc->e, rc, "", "无法保存专题“%s”的预警", t->name);
        }
        goto out;
    }
    if ((rc = s->ops->commit(s))) {
        js_fail(sc->e, rc, "", "无法提交专题“%s”的预警", t->name);
        goto out;
    }
    sc->st->raised++;
    sc->st->by_rule[f->rule]++;
    sc->st->messages += msgs.n;
    if (sc->cb)
        sc->cb(sc->ctx, &w);
out:
    w.evidence = NULL; /* f's */
    free(warned);
    outbox_list_release(&msgs);
    return rc;
}

/* Whether items i and j are about one problem: texts the duplicate scorer calls the same, or
 * the same category in the same community or grid with texts at least half as close (a shared
 * catch-all category such as 其他 in one community is not one problem by itself). */
static bool same_problem(const struct scan *sc, const struct hotspot_item *a,
                         const struct hotspot_item *b, const struct dup_sig *sa,
                         const struct dup_sig *sb)
{
    double score = dup_score(sa, sb, NULL);
    if (score >= DUP_THRESHOLD)
        return true;
    if (score >= DUP_THRESHOLD / 2 && a->category_id && a->category_id == b->category_id &&
        a->region_id && a->region_id == b->region_id) {
        int level = level_of(&sc->regions, a->region_id);
        return level == RLEVEL_COMMUNITY || level == RLEVEL_GRID;
    }
    return false;
}

/* Reports are compared only within one block: the same street and the same top-level category
 * (0 when unknown), so that the pairs stay few in a large district (a week of 7,000 orders in
 * 10 streets and 15 classes: about 50 per block instead of one block of 7,000). */
struct block {
    int64_t street, category;
};

static int64_t top_category(const struct scan *sc, int64_t id)
{
    for (int depth = 0; id && depth < 8; depth++) {
        int64_t parent = 0;
        for (int i = 0; i < sc->n_cats; i++)
            if (sc->cats[i].id == id)
                parent = sc->cats[i].parent_id;
        if (!parent)
            return id;
        id = parent;
    }
    return id;
}

static struct block block_of(const struct scan *sc, const struct hotspot_item *it)
{
    struct block b = {0, top_category(sc, it->category_id)};
    for (int64_t r = it->region_id; r && !b.street; r = parent_of(&sc->regions, r))
        if (level_of(&sc->regions, r) == RLEVEL_STREET)
            b.street = r;
    if (!b.street) /* a district-level or unknown region */
        b.street = it->region_id;
    return b;
}

static int citizens_rule(struct scan *sc, const struct hotspot_topic *t,
                         const struct hotspot_item *items, const struct order *orders, int n)
{
    int64_t end = sc->now + 1, from = end - (int64_t)t->citizens_days * JT_DAY;
    int first = 0;
    while (first < n && items[first].at < from)
        first++;
    int m = n - first;
    if (m < t->citizens_min)
        return 0;
    struct dup_sig *sig = calloc((size_t)m, sizeof *sig);
    struct block *block = malloc((size_t)m * sizeof *block);
    int *label = malloc((size_t)m * sizeof *label), *idx = malloc((size_t)m * sizeof *idx);
    int *pa = NULL, *pb = NULL, n_pairs = 0, cap = 0;
    int rc = sig && block && label && idx ? 0 : -JS_ENOMEM;
    for (int i = 0; !rc && i < m; i++) {
        struct dup_doc d;
        dupcheck_doc_of(&orders[first + i], &d);
        rc = dup_sig_make(NULL, &d, &sig[i]);
    }
    for (int i = 0; !rc && i < m; i++)
        block[i] = block_of(sc, &items[first + i]);
    for (int i = 0; !rc && i < m; i++)
        for (int j = i + 1; !rc && j < m; j++) {
            if (block[i].street != block[j].street || block[i].category != block[j].category ||
                !same_problem(sc, &items[first + i], &items[first + j], &sig[i], &sig[j]))
                continue;
            if (n_pairs == cap) {
                cap = cap ? cap * 2 : 64;
                int *x = realloc(pa, (size_t)cap * sizeof *x),
                    *y = x ? realloc(pb, (size_t)cap * sizeof *y) : NULL;
                if (x)
                    pa = x;
                if (!x || !y) {
                    rc = -JS_ENOMEM;
                    break;
                }
                pb = y;
            }
            pa[n_pairs] = i;
            pb[n_pairs++] = j;
        }
    if (!rc)
        hotspot_clusters(m, pa, pb, n_pairs, label);
    for (int root = 0; !rc && root < m; root++) {
        int k = 0;
        for (int i = 0; i < m; i++)
            if (label[i] == root)
                idx[k++] = first + i;
        if (k < 2)
            continue;
        struct hotspot_finding f;
        int fired = hotspot_citizens(t, items, idx, k, from, end, &f);
        if (fired < 0)
            rc = fired;
        else if (fired)
            rc = raise(sc, t, items, orders, n, &f);
        hotspot_finding_release(&f);
    }
    for (int i = 0; sig && i < m; i++)
        dup_sig_release(&sig[i]);
    free(sig);
    free(block);
    free(label);
    free(idx);
    free(pa);
    free(pb);
    if (rc && !sc->e->code)
        js_fail(sc->e, rc, "", "out of memory");
    return rc;
}

static int scan_topic(struct scan *sc, const struct hotspot_topic *t, const json_t *synonyms)
{
    struct hotspot_item *items = NULL;
    struct order *orders = NULL;
    int n = 0;
    int64_t end = sc->now + 1, from = end - (int64_t)hotspot_topic_span_days(t) * JT_DAY;
    int rc = hotspot_topic_items(sc->s, t, synonyms, from, end, &items, &orders, &n);
    if (rc) {
        js_fail(sc->e, rc, "", "无法读取专题“%s”的工单", t->name);
        goto out;
    }
    sc->st->topics++;
    sc->st->orders += n;
    struct hotspot_finding f;
    int fired = hotspot_threshold(t, items, n, sc->now, &f);
    rc = fired < 0 ? fired : fired ? raise(sc, t, items, orders, n, &f) : 0;
    hotspot_finding_release(&f);
    if (!rc) {
        fired = hotspot_growth(t, items, n, sc->now, &f);
        rc = fired < 0 ? fired : fired ? raise(sc, t, items, orders, n, &f) : 0;
        hotspot_finding_release(&f);
    }
    if (!rc && t->citizens_min > 0)
        rc = citizens_rule(sc, t, items, orders, n);
    if (rc && !sc->e->code)
        js_fail(sc->e, rc, "", "out of memory");
out:
    for (int i = 0; orders && i < n; i++)
        order_release(&orders[i]);
    free(orders);
    free(items);
    return rc;
}

int hotspot_scan(struct store *s, int64_t now, const json_t *synonyms, hotspot_raised_fn cb,
                 void *ctx, struct hotspot_scan_stats *st, struct js_error *e)
{
    struct hotspot_scan_stats local;
    struct hotspot_topic *topics = NULL;
    json_t *own = NULL;
    int n_topics = 0;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    st->now = now;
    struct scan sc = {.s = s, .now = now, .cb = cb, .ctx = ctx, .st = st, .e = e};
    int rc = s->ops->hotspot_topic_list(s, &topics, &n_topics);
    if (!rc)
        rc = s->ops->unit_list(s, &sc.units, &sc.n_units);
    if (!rc)
        rc = s->ops->user_list(s, &sc.users, &sc.n_users);
    if (!rc)
        rc = s->ops->region_list(s, &sc.regions.v, &sc.regions.n);
    if (!rc)
        rc = s->ops->category_list(s, &sc.cats, &sc.n_cats);
    if (rc) {
        js_fail(e, rc, "", "无法读取预警专题和组织机构");
        goto out;
    }
    if (!synonyms)
        synonyms = own = search_synonyms(s);
    for (int i = 0; !rc && i < n_topics; i++)
        if (topics[i].active)
            rc = scan_topic(&sc, &topics[i], synonyms);
out:
    json_decref(own);
    free(topics);
    free(sc.units);
    free(sc.users);
    free(sc.regions.v);
    free(sc.cats);
    return rc;
}

/* ---- default topics ------------------------------------------------------------------------ */

/* A default topic: JSON of the topic without ids, category paths, recipient unit codes. */
struct topic_def {
    const char *json;
    const char *categories[6];
    const char *units[5];
};

/* Which and why: docs/hotspot.md. The first two are those seed 002 art. 23 names; the others
 * are the usual risk classes of a district's hotline (safety, wages, land, funds, environment,
 * property management), and the last watches every request for many citizens on one problem. */
static const struct topic_def defaults[] = {
    {"{\"name\":\"公共交通\",\"kind\":\"hot\",\"keywords\":[\"公交\",\"公共汽车\",\"地铁\","
     "\"班车\",\"站台\"],\"window_days\":7,\"threshold\":12,\"growth_min\":4,\"citizens_min\":3,"
     "\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"城乡建设/城市建设和市政管理/公共汽车", "交通运输/客货运输/旅客运输"},
     {"jtw", "gjjt"}},
    {"{\"name\":\"义务教育\",\"kind\":\"hot\",\"keywords\":[\"义务教育\",\"入学\",\"学位\","
     "\"小学\",\"初中\",\"学区\"],\"window_days\":7,\"threshold\":12,\"growth_min\":4,"
     "\"citizens_min\":3,\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"教育文体/教育体制", "教育文体/失学辍学"}, /* not 幼儿园 fees, not 中考/高考 */
     {"jyw"}},
    {"{\"name\":\"安全生产\",\"kind\":\"safety\",\"keywords\":[\"安全隐患\",\"爆炸\",\"坍塌\","
     "\"事故\"],\"window_days\":7,\"threshold\":8,\"growth_min\":3,\"citizens_min\":3,"
     "\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"城乡建设/安全生产", "经济管理/安全生产", "城乡建设/工程质量/施工安全"},
     {"yjj"}},
    {"{\"name\":\"燃气安全\",\"kind\":\"safety\",\"keywords\":[\"燃气\",\"煤气\",\"天然气\","
     "\"漏气\"],\"window_days\":7,\"threshold\":6,\"growth_min\":3,\"citizens_min\":3,"
     "\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"城乡建设/城市建设和市政管理/燃气供应"},
     {"yjj", "rqgs"}},
    {"{\"name\":\"消防安全\",\"kind\":\"safety\",\"keywords\":[\"消防\",\"火灾\",\"消防通道\"],"
     "\"window_days\":7,\"threshold\":6,\"growth_min\":3,\"citizens_min\":3,"
     "\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"政法/社会治安/消防安全"},
     {"yjj"}},
    {"{\"name\":\"食品药品安全\",\"kind\":\"safety\",\"keywords\":[\"食品安全\",\"变质\","
     "\"假药\",\"食物中毒\"],\"window_days\":7,\"threshold\":8,\"growth_min\":3,"
     "\"citizens_min\":2,\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"卫生计生/食品药品监管"},
     {"scjg"}},
    {"{\"name\":\"拖欠工资\",\"kind\":\"sensitive\",\"keywords\":[\"拖欠工资\",\"欠薪\","
     "\"讨薪\",\"农民工工资\"],\"window_days\":7,\"threshold\":6,\"growth_min\":3,"
     "\"citizens_min\":3,\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"劳动和社会保障/工资福利"},
     {"rsj", "xfj", "zfw"}},
    {"{\"name\":\"征地拆迁\",\"kind\":\"sensitive\",\"keywords\":[\"拆迁\",\"征地\","
     "\"安置补偿\",\"回迁\"],\"window_days\":7,\"threshold\":10,\"growth_min\":4,"
     "\"citizens_min\":3,\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"城乡建设/国有土地上房屋征收与补偿", "城乡建设/集体土地上房屋拆迁与补偿",
      "国土资源/土地征收"},
     {"zjw", "xfj", "zfw"}},
    {"{\"name\":\"涉众金融\",\"kind\":\"sensitive\",\"keywords\":[\"非法集资\",\"集资\","
     "\"理财\",\"跑路\",\"传销\"],\"window_days\":7,\"threshold\":5,\"growth_min\":3,"
     "\"citizens_min\":3,\"recipients\":{\"roles\":[\"leader\"],\"concerned\":true}}",
     {"经济管理/金融财税/集资融资", "经济管理/金融财税/非法经济活动"},
     {"gafj", "xfj", "zfw"}},
    {"{\"name\":\"环境污染\",\"kind\":\"frequent\",\"keywords\":[\"污染\",\"噪音\",\"油烟\","
     "\"异味\",\"排污\"],\"window_days\":7,\"threshold\":20,\"growth_min\":5,"
     "\"citizens_min\":3,\"recipients\":{\"concerned\":true}}",
     {"环境保护/环境污染"},
     {"sthj"}},
    {"{\"name\":\"物业服务\",\"kind\":\"frequent\",\"keywords\":[\"物业\"],\"window_days\":7,"
     "\"threshold\":20,\"growth_min\":5,\"citizens_min\":3,\"recipients\":{\"concerned\":true}}",
     {"城乡建设/住房保障与房地产/物业服务"},
     {"zjw"}},
    {"{\"name\":\"多人反映同一问题\",\"kind\":\"hot\",\"all_orders\":true,\"citizens_days\":7,"
     "\"citizens_min\":4,\"recipients\":{\"roles\":[\"supervisor\"],\"concerned\":true}}",
     {NULL},
     {NULL}},
};

/* The category at a path of names "A/B/C", or 0. */
static int64_t category_by_path(const struct category *cats, int n, const char *path)
{
    int64_t parent = 0;
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        int64_t found = 0;
        for (int i = 0; i < n && !found; i++)
            if (cats[i].parent_id == parent && strlen(cats[i].name) == len &&
                memcmp(cats[i].name, p, len) == 0)
                found = cats[i].id;
        if (!found)
            return 0;
        parent = found;
        p += len + (slash ? 1 : 0);
    }
    return parent;
}

int hotspot_default_topics(struct store *s, int64_t now, int *added, struct js_error *e)
{
    struct category *cats = NULL;
    struct hotspot_topic *have = NULL;
    int n_cats = 0, n_have = 0, count = 0;
    if (added)
        *added = 0;
    int rc = s->ops->category_list(s, &cats, &n_cats);
    if (!rc)
        rc = s->ops->hotspot_topic_list(s, &have, &n_have);
    if (rc) {
        js_fail(e, rc, "", "无法读取诉求分类和预警专题");
        goto out;
    }
    if ((rc = s->ops->begin(s))) {
        js_fail(e, rc, "", "无法开始事务");
        goto out;
    }
    for (size_t d = 0; !rc && d < JS_ARRAY_LEN(defaults); d++) {
        struct hotspot_topic t;
        hotspot_topic_init(&t);
        json_t *j = json_loads(defaults[d].json, 0, NULL);
        if (!j) {
            rc = js_fail(e, JS_EINTERNAL, "", "default topic %zu is not JSON", d);
            break;
        }
        json_t *units = json_array(), *catj = json_array();
        for (int i = 0; i < 5 && defaults[d].units[i]; i++) {
            struct unit u;
            if (s->ops->unit_get_by_code(s, defaults[d].units[i], &u) == 0)
                json_array_append_new(units, json_integer(u.id));
        }
        for (int i = 0; i < 6 && defaults[d].categories[i]; i++) {
            int64_t id = category_by_path(cats, n_cats, defaults[d].categories[i]);
            if (id)
                json_array_append_new(catj, json_integer(id));
        }
        json_object_set_new(json_object_get(j, "recipients"), "units", units);
        json_object_set_new(j, "categories", catj);
        rc = hotspot_topic_from_json(j, NULL, &t, e);
        json_decref(j);
        bool exists = false;
        for (int i = 0; i < n_have && !exists; i++)
            exists = strcmp(have[i].name, t.name) == 0;
        if (rc || exists)
            continue;
        t.updated_at = now;
        rc = s->ops->hotspot_topic_put(s, &t);
        if (rc)
            js_fail(e, rc, "", "无法保存预警专题“%s”", t.name);
        else
            count++;
    }
    if (rc)
        s->ops->rollback(s);
    else if ((rc = s->ops->commit(s)))
        js_fail(e, rc, "", "无法提交预警专题");
    if (!rc && added)
        *added = count;
out:
    free(cats);
    free(have);
    return rc;
}

/* ---- follow-up ----------------------------------------------------------------------------- */

bool hotspot_is_recipient(const struct hotspot_warning *w, const struct hotspot_actor *a)
{
    bool unit_user = a->role == ROLE_UNIT_OPERATOR || a->role == ROLE_UNIT_LEADER;
    for (int i = 0; unit_user && a->unit_id && i < w->n_units; i++)
        if (w->units[i] == a->unit_id)
            return true;
    for (int i = 0; !unit_user && i < w->n_roles; i++)
        if (w->roles[i] == a->role)
            return true;
    return false;
}

bool hotspot_may_see(const struct hotspot_warning *w, const struct hotspot_actor *a)
{
    return a->role == ROLE_ADMIN || a->role == ROLE_SUPERVISOR || hotspot_is_recipient(w, a);
}

bool hotspot_acked_by(const struct hotspot_note *notes, int n, const struct hotspot_actor *a)
{
    bool unit_user = a->role == ROLE_UNIT_OPERATOR || a->role == ROLE_UNIT_LEADER;
    for (int i = 0; i < n; i++)
        if (notes[i].kind == HSN_ACK &&
            (unit_user ? notes[i].unit_id == a->unit_id : notes[i].user_id == a->user_id))
            return true;
    return false;
}

int hotspot_act(struct store *s, int64_t id, int kind, const struct hotspot_actor *a,
                const char *text, int64_t now, struct hotspot_note *note, struct js_error *e)
{
    struct hotspot_warning w;
    struct hotspot_note *notes = NULL, n;
    int n_notes = 0;
    bool unit_user = a->role == ROLE_UNIT_OPERATOR || a->role == ROLE_UNIT_LEADER;
    memset(&n, 0, sizeof n);
    if (kind < 0 || kind >= HSN__COUNT)
        return js_fail(e, JS_EINVAL, "kind", "没有这种处置步骤");
    size_t len = text ? utf8_len(text) : 0;
    if (kind != HSN_ACK && len == 0)
        return js_fail(e, JS_EMISSING, "text",
                       kind == HSN_CLOSE ? "办结须填写处置结果（text）"
                                         : "须填写处置反馈内容（text）");
    if (len == (size_t)-1 || (text && strlen(text) >= sizeof n.text) || len > 600)
        return js_fail(e, JS_ETOOLONG, "text", "内容（text）最多600个字");
    int rc = s->ops->begin(s);
    if (rc)
        return js_fail(e, rc, "", "无法开始事务");
    rc = s->ops->hotspot_warning_get(s, id, &w);
    if (rc == -JS_ENOTFOUND || (!rc && !hotspot_may_see(&w, a))) {
        rc = js_fail(e, JS_ENOTFOUND, "id", "没有这条预警");
        goto out;
    }
    if (rc) {
        js_fail(e, rc, "id", "无法读取预警");
        goto out;
    }
    if (w.state == HSS_CLOSED) {
        rc = js_fail(e, JS_ESTATE, "state", "该预警已办结，不能再%s", hotspot_note_labels[kind]);
        goto out;
    }
    if (kind == HSN_ACK && !hotspot_is_recipient(&w, a)) {
        rc = js_fail(e, JS_EFORBIDDEN, "id", "只有预警的接收单位或接收角色才能签收");
        goto out;
    }
    if (kind == HSN_ACK) {
        if ((rc = s->ops->hotspot_note_list(s, id, &notes, &n_notes))) {
            js_fail(e, rc, "id", "无法读取处置记录");
            goto out;
        }
        if (hotspot_acked_by(notes, n_notes, a)) {
            rc = js_fail(e, JS_ESTATE, "id", "已签收过这条预警");
            goto out;
        }
    }
    n.warning_id = id;
    n.at = now;
    n.user_id = a->user_id;
    n.unit_id = unit_user ? a->unit_id : 0;
    n.kind = kind;
    snprintf(n.user_name, sizeof n.user_name, "%s", a->name);
    snprintf(n.text, sizeof n.text, "%s", text ? text : "");
    rc = s->ops->hotspot_note_add(s, &n);
    if (!rc && kind == HSN_ACK && w.state == HSS_OPEN)
        rc = s->ops->hotspot_warning_state(s, id, HSS_ACKED, now);
    if (!rc && kind == HSN_CLOSE)
        rc = s->ops->hotspot_warning_state(s, id, HSS_CLOSED, now);
    if (rc)
        js_fail(e, rc, "", "无法保存处置记录");
out:
    if (rc)
        s->ops->rollback(s);
    else if ((rc = s->ops->commit(s)))
        js_fail(e, rc, "", "无法提交处置记录");
    if (!rc && note)
        *note = n;
    hotspot_warning_release(&w);
    free(notes);
    return rc;
}
