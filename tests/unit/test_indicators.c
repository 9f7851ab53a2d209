/* Tests of indicators computed from the event log: events are made the way the lifecycle makes
 * them (a changed copy of the order, its diff as "set"), folded into cases, evaluated for a
 * period and scored. The dongcheng-2016 golden case has five units whose expected scores are
 * worked out here from the formula of seed 000 art. 20, landing exactly on the grade edges of
 * art. 21 (90, 75, 60, 40) and on the 30-point supervision cap. */
#include "compat.h"
#include "core/indicators.h"
#include "core/scheme.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jtime.h"

#define NEAR(a, b)                                                                                 \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (fabs(a_ - b_) > 1e-9)                                                                  \
            fail_msg("%s = %.10f, expected %.10f", #a, a_, b_);                                    \
    } while (0)

static int64_t T(const char *iso)
{
    int64_t t = 0;
    assert_int_equal(jtime_parse(iso, &t), 0);
    return t;
}

#define HOUR 3600
#define DAY  86400

/* ---- an order's life, event by event, shaped like the lifecycle's events ---- */

struct sim {
    struct order o;
    struct event ev[64];
    int n;
};

static struct order *next_of(struct sim *s, struct order *nx)
{
    assert_int_equal(order_copy(nx, &s->o), 0);
    return nx;
}

static void emit(struct sim *s, int action, int64_t at, int64_t unit, struct order *nx,
                 json_t *args)
{
    assert_true(s->n < 64);
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.order_id = s->o.id;
    ev.version = s->o.version + 1;
    ev.at = at;
    ev.actor.unit_id = unit;
    ev.actor.role = unit ? ROLE_UNIT_OPERATOR : ROLE_DISPATCHER;
    ev.action = action;
    ev.status_before = s->o.status;
    ev.status_after = nx->status;
    ev.payload =
        json_pack("{s:o, s:o}", "args", args ? args : json_object(), "set", order_diff(&s->o, nx));
    assert_non_null(ev.payload);
    assert_int_equal(order_evolve(&s->o, &ev), 0);
    s->ev[s->n++] = ev;
    order_release(nx);
}

static void s_release(struct sim *s)
{
    for (int i = 0; i < s->n; i++)
        event_release(&s->ev[i]);
    order_release(&s->o);
}

static void s_intake(struct sim *s, int64_t id, int64_t at, int type, bool anonymous)
{
    order_init(&s->o);
    s->o.id = id;
    s->n = 0;
    struct order nx;
    next_of(s, &nx);
    snprintf(nx.channel, sizeof nx.channel, "hotline-12345");
    nx.type = type;
    nx.anonymous = anonymous;
    nx.created_at = at;
    order_set_str(&nx.title, "路灯不亮");
    emit(s, ACT_INTAKE, at, 0, &nx, json_pack("{ss}", "title", "路灯不亮"));
    next_of(s, &nx);
    nx.status = ST_FILED;
    nx.filed_at = at;
    emit(s, ACT_FILE, at, 0, &nx, NULL);
}

static void s_dispatch(struct sim *s, int64_t at, int64_t unit, int64_t deadline)
{
    struct order nx;
    next_of(s, &nx);
    for (int i = 0; i < nx.n_units; i++)
        nx.units[i].active = false;
    struct assignment *a = order_unit(&nx, unit);
    if (!a) {
        a = &nx.units[nx.n_units++];
        memset(a, 0, sizeof *a);
        a->unit_id = unit;
    }
    a->role = ASG_LEAD;
    a->active = true;
    a->dispatched_at = at;
    a->signed_at = a->replied_at = 0;
    nx.dispatched_at = at;
    nx.deadline = deadline;
    nx.status = ST_DISPATCHED;
    emit(s, ACT_DISPATCH, at, 0, &nx, json_pack("{sI}", "unit_id", (json_int_t)unit));
    next_of(s, &nx);
    order_unit(&nx, unit)->signed_at = at + HOUR;
    nx.status = ST_HANDLING;
    emit(s, ACT_SIGN, at + HOUR, unit, &nx, NULL);
}

static void s_return_as(struct sim *s, int64_t at, int64_t unit, bool late)
{
    struct order nx;
    next_of(s, &nx);
    struct assignment *a = order_unit(&nx, unit);
    a->returns++;
    a->return_pending = true;
    nx.returns++;
    nx.status = ST_RETURNED;
    json_t *args = json_pack("{ss}", "reason", "不属于本单位职责");
    if (late) /* after the return window (超期回退) */
        json_object_set_new(args, "late", json_true());
    emit(s, ACT_RETURN, at, unit, &nx, args);
}

static void s_return(struct sim *s, int64_t at, int64_t unit)
{
    s_return_as(s, at, unit, false);
}

/* unjustified: 1 true, 0 false, -1 absent (which means true) */
static void s_return_reject(struct sim *s, int64_t at, int64_t unit, int unjustified)
{
    struct order nx;
    next_of(s, &nx);
    struct assignment *a = order_unit(&nx, unit);
    a->return_pending = false;
    nx.status = a->signed_at ? ST_HANDLING : ST_DISPATCHED;
    json_t *args = json_pack("{ss}", "reason", "属于本单位职责");
    if (unjustified >= 0)
        json_object_set_new(args, "unjustified", json_boolean(unjustified));
    emit(s, ACT_RETURN_REJECT, at, 0, &nx, args);
}

static void s_return_approve(struct sim *s, int64_t at, int64_t unit)
{
    struct order nx;
    next_of(s, &nx);
    struct assignment *a = order_unit(&nx, unit);
    a->return_pending = false;
    a->active = false;
    nx.status = ST_FILED;
    emit(s, ACT_RETURN_APPROVE, at, 0, &nx, NULL);
}

static void s_extension(struct sim *s, int64_t at, int64_t unit, int64_t until)
{
    struct order nx;
    next_of(s, &nx);
    nx.ext_pending = true;
    nx.ext_requested_until = until;
    emit(s, ACT_EXTENSION_REQUEST, at, unit, &nx, json_pack("{ss}", "reason", "需协调"));
    next_of(s, &nx);
    nx.ext_pending = false;
    nx.deadline = until;
    nx.extensions++;
    emit(s, ACT_EXTENSION_DECIDE, at + HOUR, 0, &nx, json_pack("{sb}", "approve", 1));
}

static void s_reply(struct sim *s, int64_t at, int64_t unit, int closure)
{
    struct order nx;
    next_of(s, &nx);
    order_unit(&nx, unit)->replied_at = at;
    nx.closure = closure;
    order_set_str(&nx.reply_text, "已处理");
    nx.replied_at = at;
    nx.status = ST_REPLIED;
    emit(s, ACT_REPLY, at, unit, &nx,
         json_pack("{ss ss ss}", "result", "已处理", "closure", js_closure_names[closure],
                   "responsible", "张三"));
}

static void s_review(struct sim *s, int64_t at, bool pass)
{
    struct order nx;
    next_of(s, &nx);
    if (pass) {
        nx.status = ST_CALLBACK;
    } else {
        nx.status = ST_HANDLING;
        nx.reworks++;
        for (int i = 0; i < nx.n_units; i++)
            nx.units[i].replied_at = 0;
    }
    emit(s, ACT_REVIEW, at, 0, &nx,
         pass ? json_pack("{sb}", "pass", 1) : json_pack("{sb ss}", "pass", 0, "reason", "不全"));
}

static void s_callback(struct sim *s, int64_t at, int contacted, int solved, int sat)
{
    struct order nx;
    next_of(s, &nx);
    nx.cb_tries++;
    nx.cb_contacted = contacted;
    nx.cb_solved = solved;
    nx.cb_satisfaction = sat;
    nx.cb_unreachable = false;
    emit(s, ACT_CALLBACK, at, 0, &nx,
         json_pack("{sb sb ss}", "contacted", contacted, "solved", solved, "satisfaction",
                   js_satisfaction_names[sat]));
}

static void s_callback_unreachable(struct sim *s, int64_t at)
{
    struct order nx;
    next_of(s, &nx);
    nx.cb_tries++;
    emit(s, ACT_CALLBACK, at, 0, &nx, json_pack("{sb}", "unreachable", 1));
}

static void s_reopen(struct sim *s, int64_t at, bool upstream, int64_t deadline)
{
    struct order nx;
    next_of(s, &nx);
    nx.reopens++;
    if (upstream)
        nx.reopens_upstream++;
    else
        nx.reopens_district++;
    nx.cb_tries = 0;
    nx.cb_contacted = nx.cb_solved = -1;
    nx.cb_satisfaction = SAT_NONE;
    nx.closure = -1;
    for (int i = 0; i < nx.n_units; i++)
        nx.units[i].replied_at = 0;
    nx.deadline = deadline;
    nx.status = ST_HANDLING;
    emit(s, ACT_REOPEN, at, 0, &nx,
         json_pack("{ss ss}", "level", upstream ? "upstream" : "district", "reason", "不满意"));
}

static void s_close(struct sim *s, int64_t at)
{
    struct order nx;
    next_of(s, &nx);
    nx.status = ST_CLOSED;
    nx.closed_at = at;
    nx.close_kind = CK_NORMAL;
    emit(s, ACT_CLOSE, at, 0, &nx, NULL);
}

static void s_force_close(struct sim *s, int64_t at)
{
    struct order nx;
    next_of(s, &nx);
    nx.status = ST_CLOSED;
    nx.closed_at = at;
    nx.close_kind = CK_FORCED;
    emit(s, ACT_FORCE_CLOSE, at, 0, &nx, json_pack("{ss}", "reason", "逾期未回复"));
}

static void s_supervise(struct sim *s, int64_t at, const char *kind)
{
    struct order nx;
    next_of(s, &nx);
    nx.supervisions++;
    nx.supervisions_open++;
    char due[40];
    jtime_format(at + 24 * HOUR, due, sizeof due);
    json_t *args = json_pack("{ss ss}", "reason", "逾期", "answer_due", due);
    if (kind)
        json_object_set_new(args, "kind", json_string(kind));
    emit(s, ACT_SUPERVISE, at, 0, &nx, args);
}

static void s_supervise_answer(struct sim *s, int64_t at, int64_t unit)
{
    struct order nx;
    next_of(s, &nx);
    nx.supervisions_open--;
    emit(s, ACT_SUPERVISE_ANSWER, at, unit, &nx, json_pack("{ss}", "answer", "已处理"));
}

static void s_merge(struct sim *s, int64_t at, int n)
{
    struct order nx;
    next_of(s, &nx);
    json_t *ids = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(ids, json_integer(900000 + i));
    emit(s, ACT_MERGE, at, 0, &nx, json_pack("{so}", "orders", ids));
}

static void s_not_file_duplicate(struct sim *s, int64_t at, int64_t target)
{
    struct order nx;
    next_of(s, &nx);
    nx.status = ST_NOT_FILED;
    nx.not_filed_reason = NF_DUPLICATE;
    nx.duplicate_of = target;
    nx.closed_at = at;
    emit(s, ACT_NOT_FILE, at, 0, &nx,
         json_pack("{ss ss sI}", "reason", "duplicate", "explanation", "重复投诉", "duplicate_of",
                   (json_int_t)target));
}

/* ---- a little world of orders ---- */

#define MAX_ORDERS 128
struct world {
    struct sim sims[MAX_ORDERS];
    int n;
    int64_t next_id;
};

static struct sim *new_order(struct world *w, int64_t at)
{
    assert_true(w->n < MAX_ORDERS);
    struct sim *s = &w->sims[w->n++];
    s_intake(s, ++w->next_id, at, TYPE_COMPLAINT, false);
    return s;
}

static void world_release(struct world *w)
{
    for (int i = 0; i < w->n; i++)
        s_release(&w->sims[i]);
}

/* Folds every order, the repeats of duplicates included, and evaluates them for p. */
static void world_table(struct world *w, const int64_t *units, int n_units,
                        const struct ind_period *p, const struct ind_params *prm,
                        int64_t excl_order, int64_t excl_unit, uint64_t excl_mask,
                        struct ind_table *t)
{
    assert_int_equal(ind_table_init(t, units, n_units), 0);
    struct fact_set fs;
    struct js_error e;
    int64_t dup_target[MAX_ORDERS], dup_at[MAX_ORDERS];
    for (int j = 0; j < w->n; j++) { /* which orders were not filed as duplicates of another */
        assert_int_equal(facts_derive(w->sims[j].ev, w->sims[j].n, NULL, 0, &fs, &e), 0);
        dup_target[j] = fs.dup_target;
        dup_at[j] = fs.dup_at;
        fact_set_release(&fs);
    }
    for (int i = 0; i < w->n; i++) {
        int64_t rep[MAX_ORDERS];
        int nr = 0;
        for (int j = 0; j < w->n; j++)
            if (dup_target[j] == w->sims[i].o.id)
                rep[nr++] = dup_at[j];
        assert_int_equal(facts_derive(w->sims[i].ev, w->sims[i].n, rep, nr, &fs, &e), 0);
        for (int c = 0; c < fs.n_cases; c++) {
            uint64_t mask = fs.cases[c].order_id == excl_order && fs.cases[c].unit_id == excl_unit
                                ? excl_mask
                                : 0;
            ind_table_add(t, &fs.cases[c], p, prm, mask);
        }
        fact_set_release(&fs);
    }
    ind_table_finish(t, prm);
}

static double val(const struct ind_table *t, int64_t unit, int ind)
{
    int r = ind_table_row(t, unit);
    assert_true(r >= 0);
    return ind_value(t, r, ind);
}

static double num(const struct ind_table *t, int64_t unit, int ind)
{
    return t->num[(size_t)ind_table_row(t, unit) * IND__COUNT + (size_t)ind];
}

static double den(const struct ind_table *t, int64_t unit, int ind)
{
    return t->den[(size_t)ind_table_row(t, unit) * IND__COUNT + (size_t)ind];
}

/* A plain order of unit u received at `at`, replied with `closure` after `reply_after` seconds
 * (deadline: 15 days), passed review, called back. */
static struct sim *plain(struct world *w, int64_t u, int64_t at, int closure, int64_t reply_after,
                         int contacted, int sat)
{
    struct sim *s = new_order(w, at);
    s_dispatch(s, at, u, at + 15 * DAY);
    s_reply(s, at + reply_after, u, closure);
    s_review(s, at + reply_after + HOUR, true);
    if (contacted >= 0) {
        s_callback(s, at + reply_after + 2 * HOUR, contacted, sat == SAT_SATISFIED, sat);
        s_close(s, at + reply_after + 3 * HOUR);
    }
    return s;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static struct scheme *builtin(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/schemes/%s.json", JIESU_SOURCE_DIR, name);
    char *text = slurp(path);
    struct scheme *s = NULL;
    struct js_error e;
    if (scheme_parse(text, strlen(text), &s, &e))
        fail_msg("%s: %s", name, e.message);
    free(text);
    return s;
}

enum { U1 = 11, U2, U3, U4, U5, U6 };

static void test_dongcheng_golden(void **state)
{
    JS_UNUSED(state);
    static struct world w;
    memset(&w, 0, sizeof w);
    struct ind_period p;
    struct js_error e;
    assert_int_equal(ind_period_parse("2026-10", &p, &e), 0);
    int64_t oct = T("2026-10-05T09:00:00");
    const int64_t in_time = 3 * DAY, late = 20 * DAY;

    /* U1 → 90 (A): 10 orders resolved in time, every callback confirms contact, 5 satisfied.
     * 30×(1−0) + 30×(0×0.8 + 10/10)×1×1×1 + 20×10/10 + 20×5/10 − 0 = 30 + 30 + 20 + 10 = 90 */
    for (int i = 0; i < 10; i++) {
        struct sim *s = plain(&w, U1, oct + i * HOUR, CLOSURE_RESOLVED, in_time, 1,
                              i < 5 ? SAT_SATISFIED : SAT_UNSATISFIED);
        if (i == 9) /* after the cut-off: reopened and then satisfied, which October ignores */
            s_reopen(s, T("2026-11-02T10:00"), false, T("2026-11-20T10:00"));
    }
    /* outside the period: September and November orders of U1 */
    plain(&w, U1, T("2026-09-28T10:00"), CLOSURE_INTERIM, in_time, 0, SAT_UNSATISFIED);
    plain(&w, U1, T("2026-11-01T00:00"), CLOSURE_INTERIM, in_time, 0, SAT_UNSATISFIED);

    /* U2 → 75 (B): 10 orders resolved in time; one return rejected as unjustified (推诿); 8 of
     * 10 callbacks satisfied; 6 orders with a supervision not answered within 24 h (one
     * answered too late, one never), 2 supervisions answered in time.
     * 30×(1 − 1/10) + 30×1 + 20×1 + 20×0.8 − 3×6 = 27 + 30 + 20 + 16 − 18 = 75 */
    for (int i = 0; i < 10; i++) {
        struct sim *s = new_order(&w, oct + i * HOUR);
        int64_t t = oct + i * HOUR;
        s_dispatch(s, t, U2, t + 15 * DAY);
        if (i == 0) {
            s_return(s, t + 2 * HOUR, U2);
            s_return_reject(s, t + 3 * HOUR, U2, -1); /* absent: unjustified */
        }
        if (i < 8) {
            s_supervise(s, t + 4 * HOUR, NULL);
            if (i >= 6) /* answered within 24 h */
                s_supervise_answer(s, t + 10 * HOUR, U2);
            else if (i == 5) /* answered after 30 h: too late */
                s_supervise_answer(s, t + 34 * HOUR, U2);
        }
        s_reply(s, t + in_time, U2, CLOSURE_RESOLVED);
        s_review(s, t + in_time + HOUR, true);
        s_callback(s, t + in_time + 2 * HOUR, 1, 1, i < 8 ? SAT_SATISFIED : SAT_BASIC);
        s_close(s, t + in_time + 3 * HOUR);
    }

    /* U3 → 60 (C): 5 resolved and 5 interim, in time; 6 of 10 callbacks confirm contact, none
     * satisfied (basic satisfied does not count); 3 unanswered supervisions; an unreachable
     * callback attempt is not a callback.
     * 30 + 30×(5/10×0.8 + 5/10) + 20×6/10 + 20×0 − 3×3 = 30 + 27 + 12 + 0 − 9 = 60 */
    for (int i = 0; i < 10; i++) {
        int64_t t = oct + i * HOUR;
        struct sim *s = new_order(&w, t);
        s_dispatch(s, t, U3, t + 15 * DAY);
        if (i < 3)
            s_supervise(s, t + 5 * HOUR, "city_account");
        s_reply(s, t + in_time, U3, i < 5 ? CLOSURE_RESOLVED : CLOSURE_INTERIM);
        s_review(s, t + in_time + HOUR, true);
        s_callback_unreachable(s, t + in_time + 90 * 60);
        s_callback(s, t + in_time + 2 * HOUR, i < 6, 0, i % 2 ? SAT_BASIC : SAT_UNSATISFIED);
    }

    /* U4 → 40 (D): 11 received, one return approved (no longer the unit's: 10 assessed); a
     * return rejected as justified (not 推诿); 5 resolved in time (one of them after an approved
     * extension that moved its deadline), 2 replied late, 2 force-closed, 1 never replied; 5
     * repeat reports (3 merged into one order, 2 duplicates not filed); 5 callbacks, 1 confirms
     * contact, none satisfied.
     * 30×(1 − 0/11) + 30×(0×0.8 + 5/10)×(1−0)×(1 − 2/10)×(1 − 5/10) + 20×1/5 + 0 − 0
     * = 30 + 6 + 4 = 40 */
    int64_t u4_first = 0;
    for (int i = 0; i < 11; i++) {
        int64_t t = oct + i * HOUR;
        struct sim *s = new_order(&w, t);
        s_dispatch(s, t, U4, t + 15 * DAY);
        if (i == 0)
            u4_first = s->o.id;
        if (i == 10) { /* returned and approved: re-dispatched to U6 */
            s_return(s, t + 2 * HOUR, U4);
            s_return_approve(s, t + 3 * HOUR, U4);
            s_dispatch(s, t + 4 * HOUR, U6, t + 15 * DAY);
            continue;
        }
        if (i == 1) {
            s_return(s, t + 2 * HOUR, U4);
            s_return_reject(s, t + 3 * HOUR, U4, 0);
        }
        if (i == 4) { /* extended to 25 days, replied on day 20: in time */
            s_extension(s, t + 10 * DAY, U4, t + 25 * DAY);
            s_reply(s, t + late, U4, CLOSURE_RESOLVED);
        } else if (i < 5) {
            s_reply(s, t + in_time, U4, CLOSURE_RESOLVED);
        } else if (i < 7) {
            s_reply(s, t + late, U4, CLOSURE_RESOLVED);
        } else if (i < 9) {
            s_force_close(s, t + 17 * DAY);
            continue;
        } else {
            continue; /* i == 9: never replied */
        }
        if (i >= 5)
            continue; /* the late replies wait for review */
        s_review(s, s->o.updated_at + HOUR, true);
        s_callback(s, s->o.updated_at + HOUR, i == 0, 0, SAT_UNSATISFIED);
    }
    { /* the repeats: a merge of three into U4's first order, two duplicates not filed */
        struct sim *first = NULL;
        for (int i = 0; i < w.n; i++)
            if (w.sims[i].o.id == u4_first)
                first = &w.sims[i];
        assert_non_null(first);
        s_merge(first, oct + 5 * DAY, 3);
        for (int i = 0; i < 2; i++) {
            struct sim *d = new_order(&w, oct + (6 + i) * DAY);
            s_not_file_duplicate(d, oct + (6 + i) * DAY, u4_first);
        }
        /* a duplicate reported before the dispatch does not count against the unit */
        struct sim *d = new_order(&w, oct - 10 * DAY);
        s_not_file_duplicate(d, oct - 10 * DAY, u4_first);
    }

    /* U5 → the 30-point cap: 12 orders resolved in time, 2 of them after a failed review
     * (返工); 12 callbacks confirm contact, 6 satisfied; 12 unanswered supervisions = 36
     * points, capped at 30.
     * 30 + 30×(12/12)×(1 − 2/12) + 20 + 20×6/12 − min(30, 36) = 30 + 25 + 20 + 10 − 30 = 55 */
    for (int i = 0; i < 12; i++) {
        int64_t t = oct + i * HOUR;
        struct sim *s = new_order(&w, t);
        s_dispatch(s, t, U5, t + 15 * DAY);
        s_supervise(s, t + 2 * HOUR, NULL);
        if (i < 2) {
            s_reply(s, t + DAY, U5, CLOSURE_RESOLVED);
            s_review(s, t + DAY + HOUR, false);
        }
        s_reply(s, t + in_time, U5, CLOSURE_RESOLVED);
        s_review(s, t + in_time + HOUR, true);
        s_callback(s, t + in_time + 2 * HOUR, 1, 1, i < 6 ? SAT_SATISFIED : SAT_UNSATISFIED);
        s_close(s, t + in_time + 3 * HOUR);
    }

    const int64_t units[] = {U1, U2, U3, U4, U5, U6, 99};
    const int kinds[] = {UNIT_STREET,     UNIT_STREET,     UNIT_DEPARTMENT, UNIT_ENTERPRISE,
                         UNIT_DEPARTMENT, UNIT_DEPARTMENT, UNIT_STREET};
    const int n_units = (int)JS_ARRAY_LEN(units);
    struct ind_params prm;
    ind_params_default(&prm);
    struct ind_table t;
    world_table(&w, units, n_units, &p, &prm, 0, 0, 0, &t);

    /* the indicators, one by one */
    NEAR(val(&t, U1, IND_RECEIVED), 10);
    NEAR(val(&t, U1, IND_RESOLVED_RATE), 1);
    NEAR(val(&t, U1, IND_SATISFACTION_RATE), 0.5);
    NEAR(val(&t, U2, IND_SHIRK_RATE), 0.1);
    NEAR(val(&t, U2, IND_SUPERVISION_UNANSWERED), 6);
    NEAR(val(&t, U2, IND_SATISFACTION_RATE), 0.8);
    NEAR(val(&t, U3, IND_INTERIM_RATE), 0.5);
    NEAR(val(&t, U3, IND_RESOLVED_RATE), 0.5);
    NEAR(val(&t, U3, IND_FEEDBACK_RATE), 0.6);
    NEAR(val(&t, U3, IND_SATISFACTION_RATE), 0);
    NEAR(val(&t, U3, IND_SUPERVISION_UNANSWERED), 3);
    NEAR(val(&t, U4, IND_RECEIVED), 11);
    NEAR(val(&t, U4, IND_VOLUME), 10);
    NEAR(val(&t, U4, IND_SHIRK_RATE), 0);
    NEAR(val(&t, U4, IND_RESOLVED_RATE), 0.5);
    NEAR(val(&t, U4, IND_FORCED_RATE), 0.2);
    NEAR(val(&t, U4, IND_REPEAT_RATE), 0.5);
    NEAR(val(&t, U4, IND_FEEDBACK_RATE), 0.2);
    NEAR(val(&t, U4, IND_EXTENSION_RATE), 0.1);
    NEAR(val(&t, U4, IND_ONTIME_RATE), 0.5);
    NEAR(val(&t, U5, IND_REWORK_RATE), 2.0 / 12);
    NEAR(val(&t, U5, IND_SUPERVISION_UNANSWERED), 12);
    NEAR(val(&t, U6, IND_RECEIVED), 1); /* re-dispatched from U4 */
    NEAR(val(&t, 99, IND_RECEIVED), 0);

    struct scheme *s = builtin("dongcheng-2016");
    double vals[7 * IND__COUNT];
    memcpy(vals, t.val, sizeof vals);
    struct scheme_row rows[7];
    assert_int_equal(scheme_eval(s, n_units, kinds, vals, NULL, rows, &e), 0);
    double expect[5] = {
        30 * (1 - 0.0) + 30 * (0 * 0.8 + 1.0) * 1 * 1 * 1 + 20 * 1.0 + 20 * 0.5 - 0,
        30 * (1 - 0.1) + 30 * 1.0 + 20 * 1.0 + 20 * 0.8 - fmin(30, 3 * 6),
        30 + 30 * (0.5 * 0.8 + 0.5) + 20 * 0.6 + 20 * 0 - fmin(30, 3 * 3),
        30 + 30 * (0 * 0.8 + 0.5) * (1 - 0) * (1 - 0.2) * (1 - 0.5) + 20 * 0.2 + 0 - 0,
        30 + 30 * 1.0 * (1 - 2.0 / 12) + 20 * 1.0 + 20 * 0.5 - fmin(30, 3 * 12),
    };
    const double edges[5] = {90, 75, 60, 40, 55};
    const char *grades[5] = {"A", "B", "C", "D", "D"};
    for (int i = 0; i < 5; i++) {
        NEAR(expect[i], edges[i]);
        NEAR(rows[i].score, edges[i]);
        assert_true(rows[i].assessed);
        assert_string_equal(s->grades[rows[i].grade].grade, grades[i]);
    }
    NEAR(rows[4].items[4], 30); /* the supervision deduction hit its cap */
    assert_int_equal(rows[0].rank, 1);
    assert_int_equal(rows[1].rank, 2);
    assert_int_equal(rows[2].rank, 3);
    assert_int_equal(rows[4].rank, 4);
    assert_int_equal(rows[3].rank, 5);
    assert_false(rows[6].assessed); /* no orders */
    ind_table_release(&t);

    /* An upheld appeal excludes U4's first order from the repeat rate only (排除使用): its 5
     * repeats leave the numerator and the order leaves the denominator, 0/9; the rest stays. */
    world_table(&w, units, n_units, &p, &prm, u4_first, U4, IND_BIT(IND_REPEAT_RATE), &t);
    NEAR(val(&t, U4, IND_REPEAT_RATE), 0);
    NEAR(den(&t, U4, IND_REPEAT_RATE), 9);
    NEAR(val(&t, U4, IND_RESOLVED_RATE), 0.5);
    NEAR(den(&t, U4, IND_RESOLVED_RATE), 10);
    memcpy(vals, t.val, sizeof vals);
    assert_int_equal(scheme_eval(s, n_units, kinds, vals, NULL, rows, &e), 0);
    NEAR(rows[3].score, 30 + 30 * 0.5 * (1 - 0.2) * (1 - 0) + 20 * 0.2); /* 46 */
    ind_table_release(&t);

    /* A period that ends on 2026-10-10 cuts every reply made after it: U4's order 4 (replied on
     * day 20) has no reply yet, and orders received after the 10th do not count. */
    assert_int_equal(ind_period_parse("2026-10-01..2026-10-09", &p, &e), 0);
    world_table(&w, units, n_units, &p, &prm, 0, 0, 0, &t);
    NEAR(val(&t, U4, IND_RESOLVED_RATE), 4.0 / 10);
    NEAR(val(&t, U4, IND_REPEAT_RATE), 0); /* the merge and duplicates came after the 10th */
    NEAR(val(&t, U4, IND_FORCED_RATE), 0); /* forced on day 17 */
    ind_table_release(&t);
    scheme_free(s);
    world_release(&w);
}

/* The linshu-2020 indicators from events: 一次办好, 重办满意, reopened twice at each level,
 * process and supervision deductions, response, explained closures. */
static void test_linshu_indicators(void **state)
{
    JS_UNUSED(state);
    static struct world w;
    memset(&w, 0, sizeof w);
    struct ind_period p;
    struct js_error e;
    assert_int_equal(ind_period_parse("2026-10", &p, &e), 0);
    int64_t t = T("2026-10-05T09:00");
    const int64_t U = 7;

    /* 1: satisfied at the first callback → 一次办好 */
    plain(&w, U, t, CLOSURE_RESOLVED, DAY, 1, SAT_SATISFIED);
    /* 2: unsatisfied, sent back by the city centre, then satisfied → 重办满意 */
    struct sim *s = plain(&w, U, t + HOUR, CLOSURE_RESOLVED, DAY, -1, SAT_NONE);
    s_callback(s, t + 2 * DAY, 1, 0, SAT_UNSATISFIED);
    s_reopen(s, t + 3 * DAY, true, t + 10 * DAY);
    s_reply(s, t + 4 * DAY, U, CLOSURE_RESOLVED);
    s_review(s, t + 4 * DAY + HOUR, true);
    s_callback(s, t + 4 * DAY + 2 * HOUR, 1, 1, SAT_SATISFIED);
    /* 3: reopened twice by the upstream platform, still unsatisfied; the citizen says the unit
     * never contacted them (not responded); a late reply the second time */
    s = new_order(&w, t + 2 * HOUR);
    s_dispatch(s, t + 2 * HOUR, U, t + 5 * DAY);
    for (int round = 0; round < 3; round++) {
        int64_t r0 = t + 2 * HOUR + round * 4 * DAY;
        s_reply(s, r0 + (round == 1 ? 3 * DAY : DAY), U, CLOSURE_RESOLVED);
        s_review(s, s->o.updated_at + HOUR, true);
        s_callback(s, s->o.updated_at + HOUR, round == 0 ? 0 : 1, 0, SAT_UNSATISFIED);
        if (round < 2)
            s_reopen(s, s->o.updated_at + HOUR, true, s->o.updated_at + 2 * DAY);
    }
    /* 4: closed by explanation (不合规诉求), supervised by the county (1 point) and through the
     * city account (0.2), a return insisted on after a rejection (0.2) and rejected as
     * unjustified both times (0.5 each) */
    s = new_order(&w, t + 3 * HOUR);
    s_dispatch(s, t + 3 * HOUR, U, t + 15 * DAY);
    s_return(s, t + 4 * HOUR, U);
    s_return_reject(s, t + 5 * HOUR, U, 1);
    s_return(s, t + 6 * HOUR, U);
    s_return_reject(s, t + 7 * HOUR, U, 1);
    s_supervise(s, t + DAY, "county_inspection");
    s_supervise_answer(s, t + DAY + HOUR, U);
    s_supervise(s, t + 2 * DAY, "city_account");
    s_supervise_answer(s, t + 2 * DAY + HOUR, U);
    s_reply(s, t + 5 * DAY, U, CLOSURE_EXPLAINED);
    /* 5: overdue without a reply at the cut-off (0.2); anonymous, so never "not contacted" */
    s = &w.sims[w.n++];
    s_intake(s, ++w.next_id, t + 4 * HOUR, TYPE_PRAISE, true);
    s_dispatch(s, t + 4 * HOUR, U, t + 10 * DAY);

    struct ind_params prm;
    ind_params_default(&prm);
    struct ind_table tb;
    const int64_t units[] = {U};
    world_table(&w, units, 1, &p, &prm, 0, 0, 0, &tb);
    NEAR(val(&tb, U, IND_VOLUME), 5);
    NEAR(val(&tb, U, IND_FIRST_TIME_RATE), 1.0 / 5);
    NEAR(val(&tb, U, IND_REOPEN_SATISFIED_RATE), 1.0 / 5);
    NEAR(val(&tb, U, IND_REOPEN_RATE), 2.0 / 5);
    NEAR(val(&tb, U, IND_DISTRICT_REOPEN_RATE), 0); /* once is not twice */
    NEAR(val(&tb, U, IND_UPSTREAM_REOPEN_RATE), 1.0 / 5);
    NEAR(val(&tb, U, IND_RESPONDED_RATE), 4.0 / 5);
    ind_table_release(&tb);
    /* the same order reopened by the district's own callback is no 重办满意: the seed counts
     * orders 被市级热线受理中心发回重办后 only */
    static struct world w2;
    memset(&w2, 0, sizeof w2);
    s = plain(&w2, U, t, CLOSURE_RESOLVED, DAY, -1, SAT_NONE);
    s_callback(s, t + 2 * DAY, 1, 0, SAT_UNSATISFIED);
    s_reopen(s, t + 3 * DAY, false, t + 10 * DAY);
    s_reply(s, t + 4 * DAY, U, CLOSURE_RESOLVED);
    s_review(s, t + 4 * DAY + HOUR, true);
    s_callback(s, t + 4 * DAY + 2 * HOUR, 1, 1, SAT_SATISFIED);
    world_table(&w2, units, 1, &p, &prm, 0, 0, 0, &tb);
    NEAR(val(&tb, U, IND_REOPEN_RATE), 1);
    NEAR(val(&tb, U, IND_REOPEN_SATISFIED_RATE), 0);
    NEAR(val(&tb, U, IND_PROCESS_DEDUCTION), 0);
    ind_table_release(&tb);
    /* a return after the window is taken and costs 0.2 (001 附件 三(一)2(2)③ 超期回退); one in
     * time costs nothing (the reject below is not unjustified) */
    s = new_order(&w2, t + HOUR);
    s_dispatch(s, t + HOUR, U, t + 40 * DAY); /* beyond the cut-off: never overdue */
    s_return_as(s, t + 3 * DAY, U, true);
    s_return_reject(s, t + 3 * DAY + HOUR, U, 0);
    s = new_order(&w2, t + 2 * HOUR);
    s_dispatch(s, t + 2 * HOUR, U, t + 40 * DAY);
    s_return_as(s, t + 3 * HOUR, U, false);
    s_return_reject(s, t + 4 * HOUR, U, 0);
    world_table(&w2, units, 1, &p, &prm, 0, 0, 0, &tb);
    NEAR(val(&tb, U, IND_PROCESS_DEDUCTION), 0.2);
    ind_table_release(&tb);
    world_release(&w2);
    world_table(&w, units, 1, &p, &prm, 0, 0, 0, &tb);
    NEAR(val(&tb, U, IND_EXPLAINED_RATIO), 1.0 / 5);
    /* 2 unjustified × 0.5 + 1 insisted × 0.2 + 1 late reply × 0.2 + 1 overdue unreplied × 0.2 */
    NEAR(val(&tb, U, IND_PROCESS_DEDUCTION), 2 * 0.5 + 0.2 + 0.2 + 0.2);
    NEAR(val(&tb, U, IND_SUPERVISION_DEDUCTION), 1 + 0.2);
    NEAR(val(&tb, U, IND_SUPERVISION_UNANSWERED), 0); /* both answered within 24 h */
    NEAR(val(&tb, U, IND_SHIRK_RATE), 2.0 / 5);       /* 次数 ÷ orders received */
    NEAR(val(&tb, U, IND_PRAISE_COUNT), 1);
    NEAR(num(&tb, U, IND_SATISFACTION_RATE), 2);
    NEAR(den(&tb, U, IND_SATISFACTION_RATE), 3); /* orders 1–3 have callbacks */
    ind_table_release(&tb);
    world_release(&w);
}

static void test_marks_roundtrip(void **state)
{
    JS_UNUSED(state);
    static struct world w;
    memset(&w, 0, sizeof w);
    int64_t t = T("2026-10-05T09:00");
    struct sim *s = new_order(&w, t);
    s_dispatch(s, t, 5, t + 15 * DAY);
    s_supervise(s, t + HOUR, "media");
    s_extension(s, t + DAY, 5, t + 20 * DAY);
    s_reply(s, t + 2 * DAY, 5, CLOSURE_INTERIM);
    s_review(s, t + 2 * DAY, true);
    s_callback(s, t + 3 * DAY, 1, 0, SAT_BASIC);
    struct fact_set fs;
    struct js_error e;
    assert_int_equal(facts_derive(s->ev, s->n, NULL, 0, &fs, &e), 0);
    assert_int_equal(fs.n_cases, 1);
    struct fact_case *c = &fs.cases[0];
    assert_int_equal(c->recv, t);
    c->flags |= FC_HARD;
    size_t n = fact_case_size(c->n_marks);
    uint8_t *blob = malloc(n);
    fact_case_encode(c, blob);
    struct fact_case d = {0};
    assert_int_equal(fact_case_decode(&d, blob, n), 0);
    assert_int_equal(d.recv, c->recv);
    assert_int_equal(d.order_id, c->order_id);
    assert_int_equal(d.unit_id, 5);
    assert_int_equal(d.flags, FC_HARD);
    assert_int_equal(d.n_marks, c->n_marks);
    for (int i = 0; i < c->n_marks; i++) {
        assert_int_equal(d.marks[i].at, c->marks[i].at);
        assert_int_equal(d.marks[i].v, c->marks[i].v);
        assert_int_equal(d.marks[i].kind, c->marks[i].kind);
        assert_int_equal(d.marks[i].a, c->marks[i].a);
        assert_int_equal(d.marks[i].b, c->marks[i].b);
        assert_int_equal(d.marks[i].c, c->marks[i].c);
    }
    assert_int_equal(fact_case_decode(&d, blob, n - 1), -JS_EINVAL);
    assert_int_equal(fact_case_decode(&d, blob, 20), -JS_EINVAL);
    blob[28 + 8] = 0; /* no such kind */
    assert_int_equal(fact_case_decode(&d, blob, n), -JS_EINVAL);
    free(d.marks);
    free(blob);
    fact_set_release(&fs);
    world_release(&w);
}

static void test_periods(void **state)
{
    JS_UNUSED(state);
    struct ind_period p;
    struct js_error e;
    char buf[80];
    assert_int_equal(ind_period_parse("2026-10", &p, &e), 0);
    assert_int_equal(p.from, T("2026-10-01"));
    assert_int_equal(p.to, T("2026-11-01"));
    assert_int_equal(p.cutoff, p.to);
    ind_period_format(&p, buf, sizeof buf);
    assert_string_equal(buf, "2026-10");
    assert_int_equal(ind_period_parse("2026-12", &p, &e), 0);
    assert_int_equal(p.to, T("2027-01-01"));
    assert_int_equal(ind_period_parse("2026-Q4", &p, &e), 0);
    assert_int_equal(p.from, T("2026-10-01"));
    assert_int_equal(p.to, T("2027-01-01"));
    ind_period_format(&p, buf, sizeof buf);
    assert_string_equal(buf, "2026-Q4");
    assert_int_equal(ind_period_parse("2026", &p, &e), 0);
    assert_int_equal(p.from, T("2026-01-01"));
    assert_int_equal(p.to, T("2027-01-01"));
    ind_period_format(&p, buf, sizeof buf);
    assert_string_equal(buf, "2026");
    /* a bare end date includes its whole day */
    assert_int_equal(ind_period_parse("2026-10-05..2026-10-20", &p, &e), 0);
    assert_int_equal(p.from, T("2026-10-05"));
    assert_int_equal(p.to, T("2026-10-21"));
    assert_int_equal(ind_period_range("2026-10-05", "2026-10-20T12:00", &p, &e), 0);
    assert_int_equal(p.to, T("2026-10-20T12:00"));
    assert_int_equal(ind_period_parse("2026-13", &p, &e), -JS_EINVAL);
    assert_int_equal(ind_period_parse("last month", &p, &e), -JS_EINVAL);
    assert_string_equal(e.field, "period");
    assert_int_equal(ind_period_parse("2026-10-20..2026-10-05", &p, &e), -JS_EINVAL);
    assert_int_equal(ind_lookup("推诿率", strlen("推诿率")), IND_SHIRK_RATE);
    assert_int_equal(ind_lookup("shirk_rate", 10), IND_SHIRK_RATE);
    assert_int_equal(ind_lookup("shirk", 5), -1);
    assert_int_equal(ind_item_indicator("year_end"), IND_YEAR_END);
    assert_int_equal(ind_item_indicator("volume"), -1);
    json_t *cat = ind_catalogue_json();
    assert_int_equal(json_array_size(cat), IND__COUNT);
    json_t *shirk = json_array_get(cat, IND_SHIRK_RATE),
           *sup = json_array_get(cat, IND_SUPERVISION_UNANSWERED);
    assert_string_equal(json_string_value(json_object_get(shirk, "label")), "推诿率");
    assert_string_equal(json_string_value(json_object_get(shirk, "kind")), "rate");
    assert_string_equal(json_string_value(json_object_get(shirk, "denominator")), "接收的工单");
    assert_true(json_is_null(json_object_get(sup, "denominator")));
    assert_string_equal(json_string_value(json_object_get(sup, "kind")), "count");
    json_decref(cat);
}

/* Adds a member to the args of the event `back` places from the end (0: the last one), as the
 * lifecycle records it. */
static void add_arg(struct sim *s, int back, const char *key, json_t *v)
{
    json_t *args = json_object_get(s->ev[s->n - 1 - back].payload, "args");
    assert_int_equal(json_object_set_new(args, key, v), 0);
}

/* A dispatch that starts a feedback limit ending at fb_due (003 art. 13(1)). */
static void s_dispatch_fb(struct sim *s, int64_t at, int64_t unit, int64_t deadline, int64_t fb_due)
{
    s_dispatch(s, at, unit, deadline);
    add_arg(s, 1, "feedback_due", json_integer(fb_due)); /* the dispatch, before the sign */
}

/* Issue 14 points 4-5, by hand. 001 附件 三(一)2(1): 来电人表示未联系的、服务过程不满意的，即视为
 * 未响应工单; 002 art. 33 回退情况; 003 art. 13(1) 5个工作日内反馈办理结果. */
static void test_seed_indicators(void **state)
{
    JS_UNUSED(state);
    static struct world w;
    memset(&w, 0, sizeof w);
    struct ind_period p;
    struct js_error e;
    struct ind_params prm;
    ind_params_default(&prm);
    assert_int_equal(ind_period_parse("2026-11", &p, &e), 0);
    int64_t t = T("2026-11-02T09:00");
    const int64_t R = 1, B = 2, F = 3;

    /* 服务响应率 (unit R): the service process asked apart from the result */
    struct sim *s = plain(&w, R, t, CLOSURE_RESOLVED, DAY, 1, SAT_SATISFIED);
    add_arg(s, 1, "process_satisfaction", json_string("satisfied")); /* responded */
    s = plain(&w, R, t, CLOSURE_RESOLVED, DAY, 1, SAT_SATISFIED);
    add_arg(s, 1, "process_satisfaction", json_string("unsatisfied")); /* not responded */
    s = plain(&w, R, t, CLOSURE_RESOLVED, DAY, 1, SAT_BASIC);
    add_arg(s, 1, "process_satisfaction", json_string("basic")); /* responded */
    plain(&w, R, t, CLOSURE_RESOLVED, DAY, 1, SAT_UNSATISFIED);  /* not asked: responded */
    plain(&w, R, t, CLOSURE_RESOLVED, DAY, 0, SAT_SATISFIED);    /* not contacted */

    /* 回退率 (unit B), over the orders received: a return rejected, a return approved, two
     * kept without a return */
    s = new_order(&w, t);
    s_dispatch(s, t, B, t + 15 * DAY);
    s_return(s, t + 2 * HOUR, B);
    s_return_reject(s, t + 3 * HOUR, B, 0);
    s_reply(s, t + DAY, B, CLOSURE_RESOLVED);
    s = new_order(&w, t);
    s_dispatch(s, t, B, t + 15 * DAY);
    s_return(s, t + 2 * HOUR, B);
    s_return_approve(s, t + 3 * HOUR, B);
    plain(&w, B, t, CLOSURE_RESOLVED, DAY, -1, SAT_NONE);
    plain(&w, B, t, CLOSURE_RESOLVED, DAY, -1, SAT_NONE);

    /* 按时反馈率 (unit F): the limit is 7 days after dispatch here (5 working days) */
    const int64_t due = t + 7 * DAY;
    s = new_order(&w, t); /* f1: replied within the limit: met */
    s_dispatch_fb(s, t, F, t + 15 * DAY, due);
    s_reply(s, t + 2 * DAY, F, CLOSURE_RESOLVED);
    s = new_order(&w, t); /* f2: reported its reason by an extension request, replied later */
    s_dispatch_fb(s, t, F, t + 15 * DAY, due);
    s_extension(s, t + 3 * DAY, F, t + 20 * DAY);
    s_reply(s, t + 10 * DAY, F, CLOSURE_RESOLVED);
    s = new_order(&w, t); /* f3: replied after the limit: missed */
    s_dispatch_fb(s, t, F, t + 15 * DAY, due);
    s_reply(s, t + 8 * DAY, F, CLOSURE_RESOLVED);
    s = new_order(&w, t); /* f4: nothing at all by the cut-off: missed */
    s_dispatch_fb(s, t, F, t + 15 * DAY, due);
    int64_t late = T("2026-11-28T09:00"); /* f5: its limit ends after the cut-off: undecided */
    s = new_order(&w, late);
    s_dispatch_fb(s, late, F, late + 15 * DAY, late + 7 * DAY);
    s = new_order(&w, t); /* f6: met, then reopened by the city: the new limit passes unmet */
    s_dispatch_fb(s, t, F, t + 15 * DAY, due);
    s_reply(s, t + DAY, F, CLOSURE_RESOLVED);
    s_review(s, t + DAY + HOUR, true);
    s_callback(s, t + 2 * DAY, 1, 0, SAT_UNSATISFIED);
    s_reopen(s, t + 3 * DAY, true, t + 15 * DAY);
    add_arg(s, 0, "feedback_due", json_integer(t + 10 * DAY));
    s_reply(s, t + 12 * DAY, F, CLOSURE_RESOLVED);
    plain(&w, F, t, CLOSURE_RESOLVED, DAY, -1, SAT_NONE); /* f7: no limit recorded: not counted */

    int64_t units[] = {R, B, F};
    struct ind_table tb;
    world_table(&w, units, 3, &p, &prm, 0, 0, 0, &tb);
    /* 5 held orders; the process-unsatisfied one and the uncontacted one are not responded */
    NEAR(num(&tb, R, IND_RESPONDED_RATE), 3);
    NEAR(den(&tb, R, IND_RESPONDED_RATE), 5);
    NEAR(val(&tb, R, IND_RESPONDED_RATE), 0.6);
    /* the result satisfaction is apart: 3 of 5 satisfied (one of them with an unsatisfying
     * process), 4 of 5 contacted */
    NEAR(val(&tb, R, IND_SATISFACTION_RATE), 0.6);
    NEAR(val(&tb, R, IND_FEEDBACK_RATE), 0.8);
    /* two of four received orders returned (the approved one included) */
    NEAR(num(&tb, B, IND_RETURN_RATE), 2);
    NEAR(den(&tb, B, IND_RETURN_RATE), 4);
    NEAR(val(&tb, B, IND_RETURN_RATE), 0.5);
    NEAR(val(&tb, R, IND_RETURN_RATE), 0);
    /* f1, f2 met; f3, f4, f6 missed; f5 undecided, f7 without a limit */
    NEAR(num(&tb, F, IND_FEEDBACK_ONTIME_RATE), 2);
    NEAR(den(&tb, F, IND_FEEDBACK_ONTIME_RATE), 5);
    NEAR(val(&tb, F, IND_FEEDBACK_ONTIME_RATE), 0.4);
    ind_table_release(&tb);

    /* as f6 stood before its second limit passed (period cut on the 12th): both limits met or
     * pending → f6 counts as met; f3 and f4 have missed theirs */
    struct ind_period early;
    assert_int_equal(ind_period_range("2026-11-01", "2026-11-11", &early, &e), 0);
    world_table(&w, units, 3, &early, &prm, 0, 0, 0, &tb);
    NEAR(num(&tb, F, IND_FEEDBACK_ONTIME_RATE), 3); /* f1, f2, f6 */
    NEAR(den(&tb, F, IND_FEEDBACK_ONTIME_RATE), 5);
    ind_table_release(&tb);
    /* a unit with no limit decided: the scheme's if_empty (tianning-2013 sets 1) */
    prm.if_empty[IND_FEEDBACK_ONTIME_RATE] = 1;
    world_table(&w, units, 3, &p, &prm, 0, 0, 0, &tb);
    NEAR(val(&tb, R, IND_FEEDBACK_ONTIME_RATE), 1);
    NEAR(val(&tb, F, IND_FEEDBACK_ONTIME_RATE), 0.4);
    ind_table_release(&tb);
    world_release(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dongcheng_golden), cmocka_unit_test(test_linshu_indicators),
        cmocka_unit_test(test_marks_roundtrip),  cmocka_unit_test(test_periods),
        cmocka_unit_test(test_seed_indicators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
