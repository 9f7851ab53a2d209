/* Tests of the demo district: loads 2,000 orders through the real engine into a temporary
 * database and checks the organisation, that every status and scenario is present, and that
 * titles and replies are the real texts of the source files. */
#include "compat.h"
#include "testutil.h"
#include "cli/demo.h"
#include "store/store.h"
#include "util/auth.h"
#include "util/csv.h"
#include "util/jtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEMO_PASSWORD "test-demo-pass"

/* A sorted set of strings. */
struct strset {
    char **v;
    size_t n, cap;
};

static void set_add(struct strset *s, const char *text)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        assert_non_null(s->v);
    }
    s->v[s->n] = strdup(text);
    assert_non_null(s->v[s->n]);
    s->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void set_sort(struct strset *s)
{
    qsort(s->v, s->n, sizeof *s->v, cmp_str);
}

static bool set_has(const struct strset *s, const char *text)
{
    return bsearch(&text, s->v, s->n, sizeof *s->v, cmp_str) != NULL;
}

/* Distinct values: sorts, then counts. */
static size_t set_distinct(struct strset *s)
{
    set_sort(s);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (i == 0 || strcmp(s->v[i], s->v[i - 1]) != 0)
            n++;
    return n;
}

static void set_free(struct strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* Adds column `col` of every data row of a source file to set, carriage returns removed. */
static void read_column(const char *file, const char *col, struct strset *set)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/%s", tu_shared(), file);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    struct csv_reader r;
    csv_init(&r, f, 0);
    struct js_error e;
    js_error_clear(&e);
    bool got = false;
    int ci = -1;
    assert_int_equal(csv_next(&r, &got, &e), 0);
    ci = csv_find(&r, col);
    assert_true(ci >= 0);
    int rc;
    char *tmp = NULL;
    while ((rc = csv_next(&r, &got, &e)) == 0 && got) {
        const char *v = csv_field(&r, ci);
        free(tmp);
        tmp = strdup(v);
        assert_non_null(tmp);
        size_t k = 0;
        for (size_t i = 0; tmp[i]; i++)
            if (tmp[i] != '\r')
                tmp[k++] = tmp[i];
        tmp[k] = '\0';
        set_add(set, tmp);
    }
    free(tmp);
    assert_int_equal(rc, 0);
    csv_release(&r);
    fclose(f);
}

/* Number of distinct nodes of the tree in categories.csv (levels 1, 2 and 3 as paths). */
static size_t category_nodes(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data/tipdm2020c/categories.csv", tu_shared());
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct csv_reader r;
    csv_init(&r, f, 0);
    struct js_error e;
    bool got = false, header = true;
    struct strset nodes = {0};
    while (csv_next(&r, &got, &e) == 0 && got) {
        if (header) {
            header = false;
            continue;
        }
        char p[512];
        snprintf(p, sizeof p, "%s", csv_field(&r, 0));
        set_add(&nodes, p);
        snprintf(p, sizeof p, "%s/%s", csv_field(&r, 0), csv_field(&r, 1));
        set_add(&nodes, p);
        snprintf(p, sizeof p, "%s/%s/%s", csv_field(&r, 0), csv_field(&r, 1), csv_field(&r, 2));
        set_add(&nodes, p);
    }
    csv_release(&r);
    fclose(f);
    size_t n = set_distinct(&nodes);
    set_free(&nodes);
    return n;
}

/* Checks an order's timeline: versions 1, 2, ... at non-decreasing times, none after now. */
struct timeline {
    int64_t now, last_at, version;
    long bad;
};

static int check_event(void *ctx, const struct event *ev)
{
    struct timeline *t = ctx;
    if (ev->version != t->version + 1 || ev->at < t->last_at || ev->at > t->now)
        t->bad++;
    t->version = ev->version;
    t->last_at = ev->at;
    return 0;
}

/* What the walk over every order finds. */
struct scan {
    struct engine *en;
    const struct strset *titles, *replies;
    int64_t now;
    long orders, bad_title, bad_reply, bad_time, bad_timeline, events, replayed, replay_differs;
    long reopened3, reopened2, second_return, coordination3, extended, hanging, reworked, urged,
        supervised, dual, assisted, merged, children, unreachable, forced, unsatisfied, upstream,
        anonymous, by_master, by_children;
};

static int scan_order(void *ctx, const struct order *o)
{
    struct scan *s = ctx;
    s->orders++;
    if (!set_has(s->titles, o->title)) {
        s->bad_title++;
        fprintf(stderr, "order %s: title not in the source files: %s\n", o->number, o->title);
    }
    if (o->reply_text && o->reply_text[0] && !set_has(s->replies, o->reply_text)) {
        s->bad_reply++;
        fprintf(stderr, "order %s: reply text not an official reply\n", o->number);
    }
    if (o->created_at < s->now - 90 * (int64_t)JT_DAY || o->created_at > s->now ||
        o->updated_at > s->now || o->updated_at < o->created_at)
        s->bad_time++;
    struct timeline tl = {.now = s->now};
    assert_int_equal(s->en->store->ops->event_each(s->en->store, o->id, check_event, &tl), 0);
    if (tl.bad || tl.version != o->version || tl.last_at != o->updated_at)
        s->bad_timeline++;
    s->events += tl.version;
    s->reopened3 += o->reopens >= 3;
    s->reopened2 += o->reopens == 2;
    s->coordination3 += order_units_returned(o) >= 3;
    s->extended += o->extensions > 0;
    s->hanging += o->hang == 2;
    s->reworked += o->reworks > 0;
    s->urged += o->urges > 0;
    s->supervised += o->supervisions > 0;
    s->merged += o->master_id != 0;
    s->children += o->parent_id != 0;
    s->unreachable += o->cb_unreachable;
    s->forced += o->close_kind == CK_FORCED;
    s->by_master += o->close_kind == CK_BY_MASTER;
    s->by_children += o->close_kind == CK_BY_CHILDREN;
    s->unsatisfied += o->cb_satisfaction == SAT_UNSATISFIED;
    s->upstream += strcmp(o->channel, "upstream") == 0;
    s->anonymous += o->anonymous;
    for (int i = 0; i < o->n_units; i++) {
        s->second_return += o->units[i].returns >= 2;
        s->dual += o->units[i].role == ASG_DUAL;
        s->assisted += o->units[i].role == ASG_ASSIST;
    }
    { /* every stored row is the fold of its events */
        struct order rebuilt;
        struct js_error e;
        js_error_clear(&e);
        int rc = engine_replay(s->en, o->id, &rebuilt, &e);
        json_t *a = order_to_json(o), *b = rc ? NULL : order_to_json(&rebuilt);
        s->replayed++;
        if (rc || !json_equal(a, b))
            s->replay_differs++;
        json_decref(a);
        json_decref(b);
        order_release(&rebuilt);
    }
    return 0;
}

struct world {
    struct store *store;
    struct engine en;
};

static void open_world(struct world *w, const char *name)
{
    struct js_error e;
    js_error_clear(&e);
    const char *path = tu_path(name);
    unlink(path);
    if (store_open(path, &w->store, &e) || w->store->ops->migrate(w->store, &e) ||
        engine_init(&w->en, w->store, tu_shipped(), NULL, &e))
        fail_msg("cannot open %s: %s", path, e.message);
}

static void close_world(struct world *w)
{
    engine_release(&w->en);
    store_close(w->store);
}

static struct demo_options options(int n, unsigned seed, FILE *log)
{
    static char dir[512];
    snprintf(dir, sizeof dir, "%s/data/tipdm2020c", tu_shared());
    struct demo_options o = {
        .data_dir = dir, .n_orders = n, .seed = seed, .password = DEMO_PASSWORD, .log = log};
    assert_int_equal(jtime_parse("2026-11-20 18:30", &o.now), 0);
    return o;
}

static void test_demo_district(void **state)
{
    (void)state;
    struct world w;
    open_world(&w, "demo.db");
    struct store *s = w.store;
    struct demo_options opt = options(2000, 20261122, stderr);
    struct js_error e;
    js_error_clear(&e);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = demo_load(&w.en, &opt, &e);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc)
        fail_msg("demo_load: %s (%s) field %s", e.message, js_err_name(rc), e.field);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "demo_load of 2000 orders: %.2f s\n", secs);
    assert_null(w.en.clock); /* the fake clock was handed back */

    /* every status, at least 2000 orders, plenty finished */
    int64_t counts[ST__COUNT] = {0};
    assert_int_equal(s->ops->order_count_by_status(s, counts), 0);
    int64_t total = 0;
    for (int st = 0; st < ST__COUNT; st++) {
        if (counts[st] == 0)
            fail_msg("no order in status %s", js_status_names[st]);
        total += counts[st];
    }
    assert_true(total >= 2000);
    double done = (double)(counts[ST_CLOSED] + counts[ST_ARCHIVED]) / (double)total;
    fprintf(stderr, "closed or archived: %.1f %%\n", 100 * done);
    /* most of 90 days' orders are finished; recent ones are still open in every status */
    assert_true(done > 0.6 && done < 0.92);

    /* units: at least 20, every kind, three-tier contacts */
    struct unit *units = NULL;
    int n_units = 0;
    assert_int_equal(s->ops->unit_list(s, &units, &n_units), 0);
    assert_true(n_units >= 20);
    int kinds[UNIT__COUNT] = {0};
    for (int i = 0; i < n_units; i++) {
        kinds[units[i].kind]++;
        for (int c = 0; c < CONTACT__COUNT; c++) {
            assert_true(units[i].contacts[c].name[0] != '\0');
            assert_true(units[i].contacts[c].phone[0] != '\0');
        }
    }
    assert_true(kinds[UNIT_STREET] >= 8);
    assert_true(kinds[UNIT_DEPARTMENT] >= 10);
    assert_true(kinds[UNIT_ENTERPRISE] >= 4);

    /* users: every role but system; an operator and a leader for every unit */
    struct user *users = NULL;
    int n_users = 0;
    assert_int_equal(s->ops->user_list(s, &users, &n_users), 0);
    int roles[ROLE__COUNT] = {0};
    for (int i = 0; i < n_users; i++)
        roles[users[i].role]++;
    for (int r = 0; r < ROLE__COUNT; r++)
        if (r != ROLE_SYSTEM && roles[r] == 0)
            fail_msg("no demo user with role %s", js_role_names[r]);
    assert_int_equal(roles[ROLE_SYSTEM], 0);
    for (int i = 0; i < n_units; i++) {
        int op = 0, lead = 0;
        for (int k = 0; k < n_users; k++)
            if (users[k].unit_id == units[i].id) {
                op += users[k].role == ROLE_UNIT_OPERATOR;
                lead += users[k].role == ROLE_UNIT_LEADER;
            }
        assert_int_equal(op, 1);
        assert_int_equal(lead, 1);
    }
    struct user agent;
    assert_int_equal(s->ops->user_get_by_login(s, "agent1", &agent), 0);
    assert_int_equal(agent.role, ROLE_AGENT);
    assert_int_equal(auth_password_verify(agent.pwhash, DEMO_PASSWORD), 0);
    assert_int_equal(auth_password_verify(agent.pwhash, "jiesu-demo"), -JS_EUNAUTH);
    free(units);
    free(users);

    /* categories: the whole tree of categories.csv */
    struct category *cats = NULL;
    int n_cats = 0;
    assert_int_equal(s->ops->category_list(s, &cats, &n_cats), 0);
    assert_int_equal((size_t)n_cats, category_nodes());
    int levels[4] = {0};
    for (int i = 0; i < n_cats; i++)
        levels[cats[i].level]++;
    assert_int_equal(levels[1], 15);
    free(cats);

    /* real titles and replies, times inside the window, replayable rows, every scenario */
    struct strset titles = {0}, replies = {0};
    read_column("messages_with_votes.csv", "title", &titles);
    read_column("messages_with_replies.csv", "title", &titles);
    read_column("messages_with_replies.csv", "reply", &replies);
    set_sort(&titles);
    set_sort(&replies);
    struct scan sc = {.en = &w.en, .titles = &titles, .replies = &replies, .now = opt.now};
    assert_int_equal(s->ops->order_each(s, scan_order, &sc), 0);
    fprintf(stderr,
            "reopened 3x %ld, 2x %ld, second returns %ld, coordination %ld, extended %ld, "
            "hanging %ld, reworked %ld, urged %ld, supervised %ld, dual %ld, assisted %ld, "
            "merged %ld (closed by master %ld), children %ld (parents closed %ld), "
            "unreachable %ld, unsatisfied %ld, forced %ld, upstream %ld, anonymous %ld; "
            "replayed %ld\n",
            sc.reopened3, sc.reopened2, sc.second_return, sc.coordination3, sc.extended, sc.hanging,
            sc.reworked, sc.urged, sc.supervised, sc.dual, sc.assisted, sc.merged, sc.by_master,
            sc.children, sc.by_children, sc.unreachable, sc.unsatisfied, sc.forced, sc.upstream,
            sc.anonymous, sc.replayed);
    assert_int_equal(sc.orders, total);
    assert_int_equal(sc.bad_title, 0);
    assert_int_equal(sc.bad_reply, 0);
    assert_int_equal(sc.bad_time, 0);
    assert_int_equal(sc.bad_timeline, 0);
    assert_true(sc.events >= 7 * total); /* about eight actions per order */
    assert_int_equal(sc.replayed, total);
    assert_int_equal(sc.replay_differs, 0);
    long need[] = {sc.reopened3,   sc.reopened2, sc.second_return, sc.coordination3, sc.extended,
                   sc.hanging,     sc.reworked,  sc.urged,         sc.supervised,    sc.dual,
                   sc.assisted,    sc.merged,    sc.by_master,     sc.children,      sc.by_children,
                   sc.unreachable, sc.forced,    sc.unsatisfied,   sc.upstream,      sc.anonymous};
    for (size_t i = 0; i < JS_ARRAY_LEN(need); i++)
        if (need[i] == 0)
            fail_msg("scenario %zu of the list is missing from the demo", i);
    set_free(&titles);
    set_free(&replies);

    /* a second load into the same database is refused */
    js_error_clear(&e);
    assert_int_equal(demo_load(&w.en, &opt, &e), -JS_EEXISTS);

    /* the login list names every user */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    demo_print_logins(&w.en, mem, DEMO_PASSWORD);
    fclose(mem);
    assert_non_null(strstr(text, "dispatcher1"));
    assert_non_null(strstr(text, "op-s01"));
    assert_non_null(strstr(text, "lead-gafj"));
    assert_non_null(strstr(text, DEMO_PASSWORD));
    free(text);
    close_world(&w);
}

/* All of one database's orders as JSON, by id. */
static int collect(void *ctx, const struct order *o)
{
    json_array_append_new((json_t *)ctx, order_to_json(o));
    return 0;
}

static void test_demo_deterministic(void **state)
{
    (void)state;
    json_t *runs[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "det%d.db", i);
        struct world w;
        open_world(&w, name);
        struct demo_options opt = options(150, i < 2 ? 42 : 43, NULL);
        struct js_error e;
        js_error_clear(&e);
        if (demo_load(&w.en, &opt, &e))
            fail_msg("demo_load: %s", e.message);
        runs[i] = json_array();
        assert_int_equal(w.store->ops->order_each(w.store, collect, runs[i]), 0);
        close_world(&w);
    }
    assert_true(json_array_size(runs[0]) == 150);
    assert_true(json_equal(runs[0], runs[1]));  /* same seed, same orders */
    assert_false(json_equal(runs[0], runs[2])); /* another seed, other orders */
    for (int i = 0; i < 3; i++)
        json_decref(runs[i]);
}

static void test_demo_refuses_bad_input(void **state)
{
    (void)state;
    struct world w;
    open_world(&w, "bad.db");
    struct js_error e;
    js_error_clear(&e);
    struct demo_options opt = options(100000, 1, NULL);
    assert_int_equal(demo_load(&w.en, &opt, &e), -JS_EINVAL);
    assert_string_equal(e.field, "n_orders");
    opt = options(10, 1, NULL);
    opt.data_dir = "/nonexistent/tipdm2020c";
    assert_int_equal(demo_load(&w.en, &opt, &e), -JS_EIO);
    int64_t counts[ST__COUNT] = {0};
    assert_int_equal(w.store->ops->order_count_by_status(w.store, counts), 0);
    for (int st = 0; st < ST__COUNT; st++)
        assert_int_equal(counts[st], 0);
    close_world(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_district),
        cmocka_unit_test(test_demo_deterministic),
        cmocka_unit_test(test_demo_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
