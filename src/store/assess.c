/* The assessment, backend-neutral (issue 5): folds the event log into the fact projection
 * (kept current incrementally), computes and scores the indicators, and validates appeals,
 * manual items and stored schemes. Everything it keeps goes through struct store_ops (the
 * assess_* block); see assess_store.h. */
#include "compat.h"
#include "store/assess_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/kb.h"
#include "core/model.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/jfield.h"
#include "util/jtime.h"
#include "util/url.h"

struct assess_store {
    struct store *s;
};

#define SYNC_CHUNK 20000 /* orders folded per transaction in a full rebuild */

/* ---- helpers ----------------------------------------------------------------------------- */

/* A failed store operation as an error: rc is the operation's negative code. */
static int op_fail(int rc, struct js_error *e, const char *what)
{
    if (rc >= 0)
        rc = -JS_EDB;
    return js_fail(e, -rc, NULL, "%s: %s", what, js_err_message(-rc));
}

static json_t *text_json(const char *t)
{
    json_t *j = t ? json_loads(t, 0, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *time_json(int64_t t)
{
    if (!t)
        return json_null();
    char buf[40];
    jtime_format(t, buf, sizeof buf);
    return json_string(buf);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- open and close ------------------------------------------------------------------------ */

int assess_store_open(const char *location, struct assess_store **out, struct js_error *e)
{
    *out = NULL;
    struct assess_store *st = calloc(1, sizeof *st);
    if (!st)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    int rc = store_open(location, &st->s, e), version = 0;
    if (rc)
        goto fail;
    if ((rc = st->s->ops->schema_version(st->s, &version))) {
        rc = js_fail(e, -rc, "db", "无法读取数据库的结构版本");
        goto fail;
    }
    if (version == 0) {
        rc = js_fail(e, JS_EDB, "db", "数据库尚未初始化：请先运行 `jiesu init`");
        goto fail;
    }
    /* an older database gets the assessment's tables (a migration step) */
    if ((rc = st->s->ops->migrate(st->s, e)))
        goto fail;
    *out = st;
    return 0;
fail:
    assess_store_close(st);
    return rc;
}

void assess_store_close(struct assess_store *st)
{
    if (!st)
        return;
    store_close(st->s);
    free(st);
}

/* ---- the fact projection ----------------------------------------------------------------- */

struct folder {
    struct assess_store *st;
    struct fact_event *evs; /* the events of order cur */
    int n, cap;
    int64_t cur;
    int64_t *rep_at; /* the times order cur was repeated */
    int n_rep, cap_rep;
    struct assess_repeat *reps; /* the repeats of the range being folded, by target */
    int n_reps, i_reps;
    struct assess_fact_row *rows; /* the fact rows of the range (data: NULL until written) */
    int n_rows, cap_rows;
    struct buf blobs; /* the rows' encoded cases, one after the other */
    uint8_t *blob;
    size_t cap_blob;
    struct assess_sync_stats *stats;
    int rc; /* of the event callback */
    struct js_error *e;
};

static void folder_release(struct folder *f)
{
    free(f->evs);
    free(f->rep_at);
    free(f->reps);
    free(f->rows);
    free(f->blob);
    buf_release(&f->blobs);
}

static void folder_init(struct folder *f, struct assess_store *st, struct assess_sync_stats *stats,
                        struct js_error *e)
{
    memset(f, 0, sizeof *f);
    f->st = st;
    f->stats = stats;
    f->e = e;
    buf_init(&f->blobs, (size_t)1 << 30);
}

/* ---- reading payloads fast ----
 * An intake payload carries the whole citizen text, and building JSON objects for every
 * payload made the fold spend most of its time on what it never reads. The scanner below walks
 * the payload text (as jansson wrote it) and decodes only the members of "set" and "args" the
 * fold reads; anything it does not expect sends the event to the full parser instead. */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of the JSON value starting at p, or NULL if it is malformed. */
static const char *skip_value(const char *p, const char *end, int depth)
{
    p = skip_ws(p, end);
    if (p >= end || depth > 64)
        return NULL;
    if (*p == '"') { /* the next quote not escaped by an odd run of backslashes */
        const char *s = ++p;
        for (;;) {
            const char *q = memchr(p, '"', (size_t)(end - p));
            if (!q)
                return NULL;
            size_t bs = 0;
            for (const char *b = q; b > s && b[-1] == '\\'; b--)
                bs++;
            if (bs % 2 == 0)
                return q + 1;
            p = q + 1;
        }
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p = skip_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                if (!(p = skip_value(p, end, depth + 1)))
                    return NULL;
                p = skip_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            if (!(p = skip_value(p, end, depth + 1)))
                return NULL;
            p = skip_ws(p, end);
            if (p >= end)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    const char *s = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
        p++;
    return p > s ? p : NULL;
}

/* The next member of an object whose '{' has been read: 1 with key and value ranges, 0 at the
 * closing brace, -1 if the text is not what jansson writes. */
static int member_next(const char **pp, const char *end, const char **k, size_t *kl, const char **v,
                       const char **ve)
{
    const char *p = skip_ws(*pp, end);
    if (p < end && *p == ',')
        p = skip_ws(p + 1, end);
    else if (p < end && *p == '}') {
        *pp = p + 1;
        return 0;
    }
    if (p >= end || *p != '"')
        return -1;
    const char *kend = skip_value(p, end, 0);
    if (!kend || memchr(p, '\\', (size_t)(kend - p)))
        return -1;
    *k = p + 1;
    *kl = (size_t)(kend - p - 2);
    p = skip_ws(kend, end);
    if (p >= end || *p != ':')
        return -1;
    *v = skip_ws(p + 1, end);
    if (!(*ve = skip_value(*v, end, 0)))
        return -1;
    *pp = *ve;
    return 1;
}

static bool key_is(const char *k, size_t kl, const char *name)
{
    return strlen(name) == kl && memcmp(k, name, kl) == 0;
}

/* An integer value; false for anything else (the full parser then decides). */
static bool int_value(const char *v, const char *ve, int64_t *out)
{
    char buf[32];
    size_t n = (size_t)(ve - v);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    char *endp;
    long long x = strtoll(buf, &endp, 10);
    if (*endp)
        return false;
    *out = x;
    return true;
}

static bool is_true(const char *v, const char *ve)
{
    return ve - v == 4 && memcmp(v, "true", 4) == 0;
}

static bool is_false(const char *v, const char *ve)
{
    return ve - v == 5 && memcmp(v, "false", 5) == 0;
}

/* A string value without escapes into buf (false if it has escapes or does not fit). */
static bool str_value(const char *v, const char *ve, char *buf, size_t n)
{
    if (ve - v < 2 || *v != '"' || (size_t)(ve - v - 2) >= n || memchr(v, '\\', (size_t)(ve - v)))
        return false;
    memcpy(buf, v + 1, (size_t)(ve - v - 2));
    buf[ve - v - 2] = '\0';
    return true;
}

#define WANT_INT(dst)                                                                              \
    do {                                                                                           \
        int64_t x_;                                                                                \
        if (!int_value(v, ve, &x_))                                                                \
            return -1;                                                                             \
        dst = x_;                                                                                  \
    } while (0)

static int scan_units(const char *v, const char *ve, struct fact_event *fe)
{
    const char *p = skip_ws(v, ve);
    if (p >= ve || *p != '[')
        return -1;
    p = skip_ws(p + 1, ve);
    fe->n_units = 0;
    while (p < ve && *p != ']') {
        if (*p == ',')
            p = skip_ws(p + 1, ve);
        if (p >= ve || *p != '{' || fe->n_units >= ORDER_MAX_UNITS)
            return -1;
        struct fact_unit *u = &fe->units[fe->n_units++];
        memset(u, 0, sizeof *u);
        const char *q = p + 1, *k, *uv, *uve;
        size_t kl;
        int r;
        while ((r = member_next(&q, ve, &k, &kl, &uv, &uve)) == 1) {
            const char *vv = uv, *vve = uve;
            int64_t x;
            if (key_is(k, kl, "unit_id")) {
                if (!int_value(vv, vve, &x))
                    return -1;
                u->unit_id = x;
            } else if (key_is(k, kl, "role")) {
                if (!int_value(vv, vve, &x))
                    return -1;
                u->role = (int)x;
            } else if (key_is(k, kl, "active"))
                u->active = is_true(vv, vve);
            else if (key_is(k, kl, "return_pending"))
                u->return_pending = is_true(vv, vve);
        }
        if (r < 0)
            return -1;
        p = skip_ws(q, ve);
    }
    return p < ve ? 0 : -1;
}

static int scan_set(const char *p, const char *end, struct fact_event *fe)
{
    const char *k, *v, *ve;
    size_t kl;
    int r;
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        if (key_is(k, kl, "units")) {
            fe->set |= FS_UNITS;
            if (scan_units(v, ve, fe))
                return -1;
        } else if (key_is(k, kl, "deadline")) {
            fe->set |= FS_DEADLINE;
            WANT_INT(fe->deadline);
        } else if (key_is(k, kl, "hang")) {
            fe->set |= FS_HANG;
            WANT_INT(fe->hang);
        } else if (key_is(k, kl, "closure")) {
            fe->set |= FS_CLOSURE;
            WANT_INT(fe->closure);
        } else if (key_is(k, kl, "cb_contacted")) {
            fe->set |= FS_CB_CONTACTED;
            WANT_INT(fe->cb_contacted);
        } else if (key_is(k, kl, "cb_solved")) {
            fe->set |= FS_CB_SOLVED;
            WANT_INT(fe->cb_solved);
        } else if (key_is(k, kl, "cb_satisfaction")) {
            fe->set |= FS_CB_SAT;
            WANT_INT(fe->cb_sat);
        } else if (key_is(k, kl, "cb_unreachable")) {
            fe->set |= FS_CB_UNREACHABLE;
            fe->cb_unreachable = is_true(v, ve);
        } else if (key_is(k, kl, "close_kind")) {
            fe->set |= FS_CLOSE_KIND;
            WANT_INT(fe->close_kind);
        } else if (key_is(k, kl, "type")) {
            fe->set |= FS_TYPE;
            WANT_INT(fe->type);
        } else if (key_is(k, kl, "anonymous")) {
            fe->set |= FS_ANONYMOUS;
            fe->anonymous = is_true(v, ve);
        } else if (key_is(k, kl, "channel")) {
            char ch[32];
            fe->set |= FS_CHANNEL;
            fe->upstream = str_value(v, ve, ch, sizeof ch) && strcmp(ch, "upstream") == 0;
        } else if (key_is(k, kl, "duplicate_of")) {
            fe->set |= FS_DUPLICATE_OF;
            WANT_INT(fe->duplicate_of);
        }
    }
    return r;
}

static int scan_args(const char *p, const char *end, struct fact_event *fe)
{
    const char *k, *v, *ve;
    size_t kl;
    int r;
    char buf[48];
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        if (key_is(k, kl, "unit_id")) {
            if (int_value(v, ve, &fe->a_unit_id))
                fe->args |= FA_UNIT_ID;
        } else if (key_is(k, kl, "unjustified")) {
            fe->args |= FA_UNJUSTIFIED;
            fe->a_unjustified = is_true(v, ve);
        } else if (key_is(k, kl, "late")) {
            fe->args |= FA_LATE;
            fe->a_late = is_true(v, ve);
        } else if (key_is(k, kl, "pass")) {
            fe->args |= FA_PASS;
            fe->a_pass = !is_false(v, ve);
        } else if (key_is(k, kl, "unreachable")) {
            fe->args |= FA_UNREACHABLE;
            fe->a_unreachable = is_true(v, ve);
        } else if (key_is(k, kl, "level")) {
            fe->args |= FA_LEVEL;
            fe->a_upstream = str_value(v, ve, buf, sizeof buf) && strcmp(buf, "upstream") == 0;
        } else if (key_is(k, kl, "approve")) {
            fe->args |= FA_APPROVE;
            fe->a_approve = is_true(v, ve);
        } else if (key_is(k, kl, "answer_due")) {
            int64_t t;
            if (*v == '"') {
                if (!str_value(v, ve, buf, sizeof buf))
                    return -1;
                if (jtime_parse(buf, &t) == 0) {
                    fe->args |= FA_ANSWER_DUE;
                    fe->a_answer_due = t;
                }
            } else if (int_value(v, ve, &t)) {
                fe->args |= FA_ANSWER_DUE;
                fe->a_answer_due = t;
            }
        } else if (key_is(k, kl, "kind")) {
            fe->args |= FA_KIND;
            int kind = -1;
            if (*v == '"' && !str_value(v, ve, buf, sizeof buf)) {
                if (memchr(v, '\\', (size_t)(ve - v)))
                    return -1; /* escaped: let the parser decide */
            } else if (*v == '"') {
                kind = js_name_index(js_supk_names, buf);
            }
            fe->a_kind = kind < 0 ? SUPK_OTHER : kind;
        } else if (key_is(k, kl, "orders")) {
            fe->args |= FA_ORDERS;
            const char *q = skip_ws(v, ve);
            if (q >= ve || *q != '[')
                return -1;
            q = skip_ws(q + 1, ve);
            int n = 0;
            while (q < ve && *q != ']') {
                if (!(q = skip_value(q, ve, 1)))
                    return -1;
                n++;
                q = skip_ws(q, ve);
                if (q < ve && *q == ',')
                    q = skip_ws(q + 1, ve);
            }
            fe->a_orders = n;
        } else if (key_is(k, kl, "duplicate_of")) {
            if (int_value(v, ve, &fe->a_duplicate_of))
                fe->args |= FA_DUPLICATE_OF;
        } else if (key_is(k, kl, "process_satisfaction")) {
            int sat = -1;
            if (*v == '"' && !str_value(v, ve, buf, sizeof buf)) {
                if (memchr(v, '\\', (size_t)(ve - v)))
                    return -1; /* escaped: let the parser decide */
            } else if (*v == '"') {
                sat = js_name_index(js_satisfaction_names, buf);
            }
            if (sat > SAT_NONE) {
                fe->args |= FA_PROCESS_SAT;
                fe->a_process_sat = sat;
            }
        } else if (key_is(k, kl, "feedback_due")) {
            int64_t t;
            if (*v == '"') {
                if (!str_value(v, ve, buf, sizeof buf))
                    return -1;
                if (jtime_parse(buf, &t) == 0) {
                    fe->args |= FA_FEEDBACK_DUE;
                    fe->a_feedback_due = t;
                }
            } else if (int_value(v, ve, &t)) {
                fe->args |= FA_FEEDBACK_DUE;
                fe->a_feedback_due = t;
            }
        }
    }
    return r;
}

#undef WANT_INT

/* Decodes the payload text into fe's set and args; -1 when the text is not as expected. */
static int scan_payload(const char *text, size_t len, struct fact_event *fe)
{
    const char *p = skip_ws(text, text + len), *end = text + len, *k, *v, *ve;
    size_t kl;
    int r;
    if (p >= end || *p != '{')
        return -1;
    p++;
    while ((r = member_next(&p, end, &k, &kl, &v, &ve)) == 1) {
        bool is_set = key_is(k, kl, "set"), is_args = key_is(k, kl, "args");
        if (!is_set && !is_args)
            continue;
        if (*v != '{')
            return -1;
        if ((is_set ? scan_set : scan_args)(v + 1, ve, fe) != 0)
            return -1;
    }
    return r;
}

/* Reads one event into the folder. */
static int folder_add_event(struct folder *f, const struct assess_event_row *r, struct js_error *e)
{
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 64;
        struct fact_event *v = realloc(f->evs, (size_t)cap * sizeof *v);
        if (!v)
            return js_fail(e, JS_ENOMEM, NULL, "out of memory");
        f->evs = v;
        f->cap = cap;
    }
    struct fact_event *fe = &f->evs[f->n];
    memset(fe, 0, sizeof *fe);
    fe->order_id = r->order_id;
    fe->version = r->version;
    fe->at = r->at;
    fe->actor_unit = r->actor_unit;
    fe->action = r->action ? js_name_index(js_action_names, r->action) : -1;
    fe->status_before = r->status_before ? js_name_index(js_status_names, r->status_before) : -1;
    fe->status_after = r->status_after ? js_name_index(js_status_names, r->status_after) : -1;
    const char *payload = r->payload;
    size_t len = r->payload_len;
    int rc = fe->action < 0 || fe->status_after < 0 || !payload ? -1 : 0;
    if (!rc && scan_payload(payload, len, fe) != 0) {
        /* not what the scanner expects: decode it with the JSON parser */
        struct event ev;
        memset(&ev, 0, sizeof ev);
        ev.order_id = fe->order_id;
        ev.version = fe->version;
        ev.at = fe->at;
        ev.actor.unit_id = fe->actor_unit;
        ev.action = fe->action;
        ev.status_before = fe->status_before;
        ev.status_after = fe->status_after;
        ev.payload = json_loadb(payload, len, 0, NULL);
        rc = ev.payload ? fact_event_decode(&ev, fe, NULL) : -1;
        json_decref(ev.payload);
    }
    if (rc)
        return js_fail(e, JS_EDB, "events", "工单 %lld 的第 %lld 个事件无法读取",
                       (long long)fe->order_id, (long long)fe->version);
    f->n++;
    if (f->stats)
        f->stats->events++;
    return 0;
}

/* Folds the events collected for one order into fact rows kept for the range's write. */
static int folder_flush(struct folder *f, int64_t order_id, struct js_error *e)
{
    int rc = 0;
    f->n_rep = 0;
    while (f->i_reps < f->n_reps && f->reps[f->i_reps].target_id < order_id)
        f->i_reps++;
    for (; f->i_reps < f->n_reps && f->reps[f->i_reps].target_id == order_id; f->i_reps++) {
        if (f->n_rep == f->cap_rep) {
            int cap = f->cap_rep ? f->cap_rep * 2 : 16;
            int64_t *v = realloc(f->rep_at, (size_t)cap * sizeof *v);
            if (!v)
                return js_fail(e, JS_ENOMEM, NULL, "out of memory");
            f->rep_at = v;
            f->cap_rep = cap;
        }
        f->rep_at[f->n_rep++] = f->reps[f->i_reps].at;
    }
    struct fact_set fs;
    rc = facts_fold(f->evs, f->n, f->rep_at, f->n_rep, &fs, e);
    if (rc)
        goto out;
    for (int i = 0; i < fs.n_cases; i++) {
        const struct fact_case *c = &fs.cases[i];
        size_t need = fact_case_size(c->n_marks);
        if (need > f->cap_blob) {
            uint8_t *b = realloc(f->blob, need);
            if (!b) {
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                goto out;
            }
            f->blob = b;
            f->cap_blob = need;
        }
        if (f->n_rows == f->cap_rows) {
            int cap = f->cap_rows ? f->cap_rows * 2 : 256;
            struct assess_fact_row *v = realloc(f->rows, (size_t)cap * sizeof *v);
            if (!v) {
                rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
                goto out;
            }
            f->rows = v;
            f->cap_rows = cap;
        }
        fact_case_encode(c, f->blob);
        if (buf_append(&f->blobs, f->blob, need)) {
            rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        f->rows[f->n_rows++] = (struct assess_fact_row){
            .recv = c->recv, .order_id = c->order_id, .unit_id = c->unit_id, .size = need};
        if (f->stats)
            f->stats->cases++;
    }
    if (f->stats)
        f->stats->orders++;
out:
    fact_set_release(&fs);
    f->n = 0;
    return rc;
}

static int fold_event(void *ctx, const struct assess_event_row *r)
{
    struct folder *f = ctx;
    if (r->order_id != f->cur && f->n && (f->rc = folder_flush(f, f->cur, f->e)))
        return 1;
    f->cur = r->order_id;
    return (f->rc = folder_add_event(f, r, f->e)) ? 1 : 0;
}

/* Folds every order with lo <= id < hi from its events and replaces the range's fact rows.
 * Inside the caller's transaction. */
static int fold_range(struct folder *f, int64_t lo, int64_t hi, struct js_error *e)
{
    struct store *s = f->st->s;
    f->n = f->n_rows = f->n_reps = f->i_reps = 0;
    f->cur = 0;
    f->rc = 0;
    buf_reset(&f->blobs);
    free(f->reps);
    f->reps = NULL;
    int rc = s->ops->assess_repeats_get(s, lo, hi, &f->reps, &f->n_reps);
    if (rc)
        return op_fail(rc, e, "read repeats");
    struct assess_event_query q = {.order_lo = lo, .order_hi = hi};
    rc = s->ops->assess_events(s, &q, fold_event, f);
    if (f->rc)
        return f->rc;
    if (rc)
        return op_fail(rc, e, "read events");
    if (f->n && (rc = folder_flush(f, f->cur, e)))
        return rc;
    size_t off = 0; /* the blobs buffer has stopped moving: point the rows at it */
    for (int i = 0; i < f->n_rows; i++) {
        f->rows[i].data = f->blobs.data + off;
        off += f->rows[i].size;
    }
    rc = s->ops->assess_facts_put(s, lo, hi, f->rows, f->n_rows);
    return rc ? op_fail(rc, e, "write facts") : 0;
}

/* The order an order was not filed as a duplicate of (payload set.duplicate_of, else
 * args.duplicate_of), 0 if none. */
static int64_t duplicate_target(const struct assess_event_row *r)
{
    json_t *p = json_loadb(r->payload, r->payload_len, 0, NULL);
    const json_t *v = json_object_get(json_object_get(p, "set"), "duplicate_of");
    if (!v || json_is_null(v))
        v = json_object_get(json_object_get(p, "args"), "duplicate_of");
    int64_t t = 0;
    if (json_is_integer(v))
        t = json_integer_value(v);
    else if (json_is_real(v))
        t = (int64_t)json_real_value(v);
    else if (json_is_string(v))
        t = strtoll(json_string_value(v), NULL, 10);
    json_decref(p);
    return t;
}

/* What new events bring: the orders they touch (when ids is wanted) and the duplicates. */
struct news {
    bool want_ids;
    int64_t *ids;
    int n, cap;
    struct assess_repeat *reps;
    int n_reps, cap_reps;
    bool nomem;
};

static bool push_id(struct news *w, int64_t id)
{
    if (w->n == w->cap) {
        int c = w->cap ? w->cap * 2 : 64;
        int64_t *v = realloc(w->ids, (size_t)c * sizeof *v);
        if (!v)
            return false;
        w->ids = v;
        w->cap = c;
    }
    w->ids[w->n++] = id;
    return true;
}

static int news_event(void *ctx, const struct assess_event_row *r)
{
    struct news *w = ctx;
    if (w->want_ids && !push_id(w, r->order_id))
        goto nomem;
    if (!r->action || strcmp(r->action, "not_file") != 0 || !r->payload)
        return 0;
    int64_t target = duplicate_target(r);
    if (target <= 0)
        return 0;
    if (w->n_reps == w->cap_reps) {
        int c = w->cap_reps ? w->cap_reps * 2 : 64;
        struct assess_repeat *v = realloc(w->reps, (size_t)c * sizeof *v);
        if (!v)
            goto nomem;
        w->reps = v;
        w->cap_reps = c;
    }
    w->reps[w->n_reps++] = (struct assess_repeat){r->order_id, target, r->at};
    if (w->want_ids && !push_id(w, target))
        goto nomem;
    return 0;
nomem:
    w->nomem = true;
    return 1;
}

/* Reads the events q takes into w and records their duplicates (reset: instead of every
 * recorded one). */
static int record_news(struct assess_store *st, const struct assess_event_query *q, bool reset,
                       struct news *w, struct js_error *e)
{
    struct store *s = st->s;
    int rc = s->ops->assess_events(s, q, news_event, w);
    if (w->nomem)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    if (rc)
        return op_fail(rc, e, "read new events");
    if ((reset || w->n_reps) && (rc = s->ops->assess_repeats_put(s, reset, w->reps, w->n_reps)))
        return op_fail(rc, e, "write repeats");
    return 0;
}

static int txn_end(struct store *s, int rc, struct js_error *e)
{
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    rc = s->ops->commit(s);
    return rc ? op_fail(rc, e, "commit") : 0;
}

static int sync_full(struct assess_store *st, struct folder *f, struct js_error *e)
{
    struct store *s = st->s;
    struct news w = {0};
    int64_t last, max_event = 0, max_order = 0;
    int rc = s->ops->begin(s);
    if (rc)
        return op_fail(rc, e, "begin");
    /* under the lock every event up to max_event is committed and visible */
    if ((rc = s->ops->assess_state(s, &last, &max_event, &max_order)))
        rc = op_fail(rc, e, "read the fold's state");
    struct assess_event_query q = {.upto = max_event, .action = "not_file"};
    if (!rc)
        rc = record_news(st, &q, true, &w, e);
    free(w.reps);
    if ((rc = txn_end(s, rc, e)))
        return rc;
    for (int64_t lo = 0; lo <= max_order && !rc; lo += SYNC_CHUNK) {
        if ((rc = s->ops->begin(s)))
            return op_fail(rc, e, "begin");
        rc = fold_range(f, lo, lo + SYNC_CHUNK, e);
        if (!rc && lo + SYNC_CHUNK > max_order && (rc = s->ops->assess_mark(s, max_event)))
            rc = op_fail(rc, e, "write the fold's state");
        rc = txn_end(s, rc, e);
    }
    if (!rc && max_order == 0) {
        if ((rc = s->ops->begin(s)))
            return op_fail(rc, e, "begin");
        if ((rc = s->ops->assess_mark(s, max_event)))
            rc = op_fail(rc, e, "write the fold's state");
        rc = txn_end(s, rc, e);
    }
    return rc;
}

static int sync_incremental(struct assess_store *st, int64_t last, struct folder *f,
                            struct js_error *e)
{
    struct store *s = st->s;
    struct news w = {.want_ids = true};
    int64_t ignore, max_event = 0, max_order;
    /* nothing new: no transaction (and no disk flush) at all */
    int rc = s->ops->assess_state(s, &ignore, &max_event, &max_order);
    if (rc)
        return op_fail(rc, e, "read the fold's state");
    if (max_event <= last)
        return 0;
    if ((rc = s->ops->begin(s)))
        return op_fail(rc, e, "begin");
    /* under the lock every event up to max_event is committed and visible */
    if ((rc = s->ops->assess_state(s, &ignore, &max_event, &max_order))) {
        rc = op_fail(rc, e, "read the fold's state");
        goto done;
    }
    if (max_event <= last)
        goto done;
    struct assess_event_query q = {.after = last, .upto = max_event};
    if ((rc = record_news(st, &q, false, &w, e)))
        goto done;
    qsort(w.ids, (size_t)w.n, sizeof *w.ids, cmp_id);
    for (int i = 0; i < w.n && !rc; i++)
        if (i == 0 || w.ids[i] != w.ids[i - 1])
            rc = fold_range(f, w.ids[i], w.ids[i] + 1, e);
    if (!rc && (rc = s->ops->assess_mark(s, max_event)))
        rc = op_fail(rc, e, "write the fold's state");
done:
    free(w.ids);
    free(w.reps);
    return txn_end(s, rc, e);
}

int assess_sync(struct assess_store *st, bool force_full, struct assess_sync_stats *stats,
                struct js_error *e)
{
    struct assess_sync_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    int64_t last = -1, max_event, max_order;
    int rc = st->s->ops->assess_state(st->s, &last, &max_event, &max_order);
    if (rc)
        return op_fail(rc, e, "read the fold's state");
    struct folder f;
    folder_init(&f, st, stats, e);
    if (force_full || last < 0) {
        stats->full = true;
        rc = sync_full(st, &f, e);
    } else {
        rc = sync_incremental(st, last, &f, e);
    }
    folder_release(&f);
    return rc;
}

/* ---- units ----------------------------------------------------------------------------------- */

int assess_units(struct assess_store *st, struct assess_unit **out, int *n, struct js_error *e)
{
    *out = NULL;
    *n = 0;
    struct unit *u = NULL;
    int nu = 0;
    int rc = st->s->ops->unit_list(st->s, &u, &nu);
    if (rc)
        return op_fail(rc, e, "read units");
    struct assess_unit *v = calloc((size_t)(nu > 0 ? nu : 1), sizeof *v);
    if (!v) {
        free(u);
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    }
    for (int i = 0; i < nu; i++) {
        v[i].id = u[i].id;
        snprintf(v[i].code, sizeof v[i].code, "%s", u[i].code);
        snprintf(v[i].name, sizeof v[i].name, "%s", u[i].name);
        v[i].kind = u[i].kind;
        v[i].active = u[i].active;
    }
    free(u);
    *out = v;
    *n = nu;
    return 0;
}

/* ---- exclusions from upheld appeals ---------------------------------------------------------- */

struct excl_map {
    int64_t *order, *unit;
    uint64_t *mask;
    int n, slots;
};

static unsigned excl_hash(int64_t order, int64_t unit, int slots)
{
    uint64_t h = ((uint64_t)order * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)unit * 0x85EBCA6Bu);
    return (unsigned)(h >> 32) & (unsigned)(slots - 1);
}

static uint64_t excl_get(const struct excl_map *m, int64_t order, int64_t unit)
{
    if (!m->n)
        return 0;
    unsigned h = excl_hash(order, unit, m->slots);
    while (m->order[h]) {
        if (m->order[h] == order && m->unit[h] == unit)
            return m->mask[h];
        h = (h + 1) & (unsigned)(m->slots - 1);
    }
    return 0;
}

static void excl_release(struct excl_map *m)
{
    free(m->order);
    free(m->unit);
    free(m->mask);
    memset(m, 0, sizeof *m);
}

/* The indicators an appeal names, as a mask ("all" → every indicator). */
static uint64_t mask_of(const json_t *names)
{
    uint64_t mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *s = json_string_value(v);
        if (!s)
            continue;
        if (strcmp(s, "all") == 0)
            return IND_ALL;
        int ind = ind_lookup(s, strlen(s));
        if (ind >= 0)
            mask |= IND_BIT(ind);
    }
    return mask;
}

static int load_exclusions(struct assess_store *st, struct excl_map *m, struct js_error *e)
{
    memset(m, 0, sizeof *m);
    struct assess_appeal_rec *a = NULL;
    int count = 0;
    struct assess_appeal_query q = {.status = APPEAL_UPHELD};
    int rc = st->s->ops->assess_appeal_list(st->s, &q, &a, &count);
    if (rc)
        return op_fail(rc, e, "read appeals");
    if (count == 0)
        goto out;
    int slots = 16;
    while (slots < 2 * count)
        slots *= 2;
    m->order = calloc((size_t)slots, sizeof *m->order);
    m->unit = calloc((size_t)slots, sizeof *m->unit);
    m->mask = calloc((size_t)slots, sizeof *m->mask);
    if (!m->order || !m->unit || !m->mask) {
        excl_release(m);
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    m->slots = slots;
    for (int i = 0; i < count; i++) {
        int64_t order = a[i].order_id, unit = a[i].unit_id;
        json_t *names = text_json(a[i].indicators);
        uint64_t mask = mask_of(names);
        json_decref(names);
        unsigned h = excl_hash(order, unit, slots);
        while (m->order[h] && !(m->order[h] == order && m->unit[h] == unit))
            h = (h + 1) & (unsigned)(slots - 1);
        if (!m->order[h])
            m->n++;
        m->order[h] = order;
        m->unit[h] = unit;
        m->mask[h] |= mask;
    }
out:
    for (int i = 0; i < count; i++)
        assess_appeal_rec_release(&a[i]);
    free(a);
    return rc;
}

/* ---- the run -----------------------------------------------------------------------------------
 */

/* A unit's knowledge-base figures into the table (the kb indicators). */
static int add_kb(void *ctx, const struct kb_unit_stats *k)
{
    ind_table_add_kb(ctx, k->unit_id, k->published, k->stale, k->uses);
    return 0;
}

struct scan {
    const struct scheme *s;
    const struct ind_period *p;
    const struct excl_map *ex;
    struct ind_table *t;
    struct fact_case c;
    int64_t cases, excluded;
    bool bad;
};

static int scan_case(void *ctx, const struct assess_fact_row *r)
{
    struct scan *x = ctx;
    if (fact_case_decode(&x->c, r->data, r->size)) {
        x->bad = true;
        return 1;
    }
    uint64_t mask = excl_get(x->ex, x->c.order_id, x->c.unit_id);
    if (mask)
        x->excluded++;
    ind_table_add(x->t, &x->c, x->p, &x->s->params, mask);
    x->cases++;
    return 0;
}

/* Indicators of every unit for period p: a scan of the facts received in p, plus the items. */
static int compute(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
                   const struct excl_map *ex, const int64_t *ids, int n, struct ind_table *t,
                   int64_t *cases, int64_t *excluded, struct js_error *e)
{
    struct store *db = st->s;
    int rc = ind_table_init(t, ids, n);
    if (rc)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    struct scan x = {.s = s, .p = p, .ex = ex, .t = t};
    struct assess_item_rec *items = NULL;
    int n_items = 0;
    struct assess_fact_query q = {.from = p->from, .to = p->to};
    rc = db->ops->assess_facts(db, &q, scan_case, &x);
    if (x.bad) {
        rc = js_fail(e, JS_EDB, "assess_cases", "本期有一条考核记录无法读取");
        goto out;
    }
    if (rc) {
        rc = op_fail(rc, e, "read facts");
        goto out;
    }
    if (cases)
        *cases += x.cases;
    if (excluded)
        *excluded += x.excluded;
    if ((rc = db->ops->assess_item_list(db, 0, p->from, p->to, true, &items, &n_items))) {
        rc = op_fail(rc, e, "read items");
        goto out;
    }
    for (int i = 0; i < n_items; i++)
        ind_table_add_points(t, items[i].unit_id, ind_item_indicator(items[i].kind),
                             items[i].points);
    if ((rc = db->ops->kb_stats(db, p->from, p->to, p->cutoff, add_kb, t))) {
        rc = op_fail(rc, e, "read the knowledge base");
        goto out;
    }
    ind_table_finish(t, &s->params);
out:
    free(x.c.marks);
    for (int i = 0; i < n_items; i++)
        assess_item_rec_release(&items[i]);
    free(items);
    if (rc)
        ind_table_release(t);
    return rc;
}

void assess_report_release(struct assess_report *r)
{
    if (!r)
        return;
    free(r->units);
    free(r->rows);
    ind_table_release(&r->table);
    memset(r, 0, sizeof *r);
}

/* True if p is one whole calendar year (Asia/Shanghai). */
static bool is_year(const struct ind_period *p, int *year)
{
    int y, m, d;
    jtime_civil_from_days(jtime_local_day(p->from), &y, &m, &d);
    *year = y;
    return m == 1 && d == 1 && p->from == jtime_day_start(jtime_days_from_civil(y, 1, 1)) &&
           p->to == jtime_day_start(jtime_days_from_civil(y + 1, 1, 1));
}

int assess_run(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
               struct assess_report *out, struct js_error *e)
{
    memset(out, 0, sizeof *out);
    out->scheme = s;
    out->period = *p;
    struct excl_map ex = {0};
    int64_t *ids = NULL;
    int *kinds = NULL;
    double *month_sum = NULL, *year_end = NULL;
    int *months = NULL;
    struct scheme_row *mrows = NULL;
    int rc = assess_sync(st, false, NULL, e);
    if (rc || (rc = assess_units(st, &out->units, &out->n, e)) ||
        (rc = load_exclusions(st, &ex, e)))
        goto out;
    int n = out->n;
    size_t cnt = (size_t)(n > 0 ? n : 1);
    ids = malloc(cnt * sizeof *ids);
    kinds = malloc(cnt * sizeof *kinds);
    out->rows = calloc(cnt, sizeof *out->rows);
    if (!ids || !kinds || !out->rows) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        ids[i] = out->units[i].id;
        kinds[i] = out->units[i].kind;
    }
    if ((rc = compute(st, s, p, &ex, ids, n, &out->table, &out->cases, &out->exclusions, e)) ||
        (rc = scheme_eval(s, n, kinds, out->table.val, NULL, out->rows, e)))
        goto out;
    int year;
    if (!s->has_year || !is_year(p, &year))
        goto out;
    /* 001: the year is 80 % of the daily (monthly) results and 20 % of the year-end items */
    out->year = true;
    month_sum = calloc(cnt, sizeof *month_sum);
    year_end = calloc(cnt, sizeof *year_end);
    months = calloc(cnt, sizeof *months);
    mrows = calloc(cnt, sizeof *mrows);
    if (!month_sum || !year_end || !months || !mrows) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (int m = 1; m <= 12; m++) {
        char spec[16];
        struct ind_period pm;
        struct ind_table tm;
        snprintf(spec, sizeof spec, "%04d-%02d", year, m);
        if ((rc = ind_period_parse(spec, &pm, e)) ||
            (rc = compute(st, s, &pm, &ex, ids, n, &tm, NULL, NULL, e)))
            goto out;
        rc = scheme_eval(s, n, kinds, tm.val, NULL, mrows, e);
        ind_table_release(&tm);
        if (rc)
            goto out;
        bool any = false;
        for (int i = 0; i < n; i++)
            if (mrows[i].assessed) {
                month_sum[i] += mrows[i].score;
                months[i]++;
                any = true;
            }
        out->months += any;
    }
    for (int i = 0; i < n; i++)
        year_end[i] = ind_value(&out->table, i, s->year_indicator);
    scheme_year_combine(s, n, month_sum, months, year_end, out->rows);
out:
    excl_release(&ex);
    free(ids);
    free(kinds);
    free(month_sum);
    free(year_end);
    free(months);
    free(mrows);
    if (rc)
        assess_report_release(out);
    return rc;
}

static json_t *num_json(double v)
{
    return json_real(v);
}

static int row_cmp_ctx_rank(const struct assess_report *r, int a, int b)
{
    const struct scheme_row *x = &r->rows[a], *y = &r->rows[b];
    if (x->group != y->group) { /* groups in scheme order, units of no group last */
        if (x->group < 0 || y->group < 0)
            return x->group < 0 ? 1 : -1;
        return x->group - y->group;
    }
    if (x->assessed != y->assessed)
        return x->assessed ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    return r->units[a].id < r->units[b].id ? -1 : 1;
}

json_t *assess_report_json(const struct assess_report *r, int64_t only_unit)
{
    const struct scheme *s = r->scheme;
    char period[80];
    ind_period_format(&r->period, period, sizeof period);
    json_t *j = json_object(), *inds = json_array(), *items = json_array(), *groups = json_array(),
           *grades = json_array(), *units = json_array();
    int *order = malloc(sizeof(int) * (size_t)(r->n > 0 ? r->n : 1));
    if (!j || !inds || !items || !groups || !grades || !units || !order)
        goto fail;
    json_object_set_new(j, "scheme", json_string(s->name));
    json_object_set_new(j, "title", json_string(s->title));
    json_object_set_new(j, "period", json_string(period));
    json_object_set_new(j, "from", time_json(r->period.from));
    json_object_set_new(j, "to", time_json(r->period.to));
    json_object_set_new(j, "year", json_boolean(r->year));
    if (r->year)
        json_object_set_new(j, "months", json_integer(r->months));
    for (int i = 0; i < s->n_ind; i++) {
        const struct ind_def *d = &ind_defs[s->ind[i]];
        json_array_append_new(inds, json_pack("{ss ss ss ss ss so}", "id", d->id, "name",
                                              s->ind_name[i], "label", d->label, "kind",
                                              d->kind == 'R'   ? "rate"
                                              : d->kind == 'C' ? "count"
                                                               : "points",
                                              "numerator", d->num, "denominator",
                                              d->den ? json_string(d->den) : json_null()));
    }
    for (int k = 0; k < s->n_items; k++)
        json_array_append_new(
            items, json_pack("{ss ss so}", "id", s->items[k].id, "name", s->items[k].name, "max",
                             s->items[k].max ? num_json(s->items[k].max) : json_null()));
    for (int g = 0; g < s->n_groups; g++) {
        json_t *kinds = json_array();
        for (int k = 0; k < UNIT__COUNT; k++)
            if (s->groups[g].kinds & (1u << k))
                json_array_append_new(kinds, json_string(js_unit_kind_names[k]));
        json_array_append_new(groups,
                              json_pack("{ss so}", "name", s->groups[g].name, "kinds", kinds));
    }
    for (int g = 0; g < s->n_grades; g++)
        json_array_append_new(grades, json_pack("{ss so}", "grade", s->grades[g].grade, "min",
                                                g + 1 < s->n_grades || s->grades[g].min > -1e300
                                                    ? num_json(s->grades[g].min)
                                                    : json_null()));
    json_object_set_new(j, "indicators", inds);
    json_object_set_new(j, "items", items);
    json_object_set_new(j, "groups", groups);
    json_object_set_new(j, "grades", grades);
    inds = items = groups = grades = NULL;
    for (int i = 0; i < r->n; i++)
        order[i] = i;
    for (int i = 1; i < r->n; i++) /* insertion sort: a few hundred units */
        for (int k = i; k > 0 && row_cmp_ctx_rank(r, order[k - 1], order[k]) > 0; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    for (int oi = 0; oi < r->n; oi++) {
        int i = order[oi];
        const struct assess_unit *u = &r->units[i];
        const struct scheme_row *row = &r->rows[i];
        if (only_unit ? u->id != only_unit
                      : (!u->active && ind_value(&r->table, i, IND_RECEIVED) == 0))
            continue;
        json_t *ju =
            json_pack("{sI ss ss ss}", "unit_id", (json_int_t)u->id, "code", u->code, "name",
                      u->name, "kind", u->kind >= 0 ? js_unit_kind_names[u->kind] : "");
        json_t *it = json_object(), *in = json_object();
        json_object_set_new(
            ju, "group", row->group >= 0 ? json_string(s->groups[row->group].name) : json_null());
        json_object_set_new(ju, "assessed", json_boolean(row->assessed));
        json_object_set_new(ju, "score", row->assessed ? num_json(row->score) : json_null());
        json_object_set_new(ju, "rank", row->assessed ? json_integer(row->rank) : json_null());
        json_object_set_new(
            ju, "grade", row->grade >= 0 ? json_string(s->grades[row->grade].grade) : json_null());
        json_object_set_new(ju, "bonus", num_json(row->bonus));
        for (int k = 0; k < s->n_items; k++)
            json_object_set_new(it, s->items[k].id, num_json(row->items[k]));
        for (int k = 0; k < s->n_ind; k++) {
            int ind = s->ind[k];
            size_t cell = (size_t)i * IND__COUNT + (size_t)ind;
            json_object_set_new(
                in, ind_defs[ind].id,
                json_pack("{so so so}", "value", num_json(r->table.val[cell]), "num",
                          num_json(r->table.num[cell]), "den",
                          ind_defs[ind].kind == 'R' ? num_json(r->table.den[cell]) : json_null()));
        }
        json_object_set_new(ju, "received",
                            json_integer((json_int_t)ind_value(&r->table, i, IND_RECEIVED)));
        json_object_set_new(ju, "items", it);
        json_object_set_new(ju, "indicators", in);
        json_array_append_new(units, ju);
    }
    json_object_set_new(j, "units", units);
    free(order);
    return j;
fail:
    json_decref(j);
    json_decref(inds);
    json_decref(items);
    json_decref(groups);
    json_decref(grades);
    json_decref(units);
    free(order);
    return NULL;
}

struct drill {
    const struct scheme *s;
    const struct ind_period *p;
    const struct ind_params *prm;
    const struct excl_map *ex;
    int indicator;
    int64_t unit_id;
    json_t *arr;
    struct fact_case c;
    bool bad;
};

static json_t *str_or_null(const char *t)
{
    return t ? json_string(t) : json_null();
}

static int drill_case(void *ctx, const struct assess_fact_row *r)
{
    struct drill *x = ctx;
    const struct scheme *s = x->s;
    struct fact_case *c = &x->c;
    if (fact_case_decode(c, r->data, r->size)) {
        x->bad = true;
        return 1;
    }
    uint64_t mask = excl_get(x->ex, c->order_id, c->unit_id);
    struct ind_contrib k, all;
    ind_case_eval(c, x->p, x->prm, mask, &k);
    ind_case_eval(c, x->p, x->prm, 0, &all);
    json_t *inds = json_object(), *excluded = json_array();
    bool wanted = x->indicator < 0;
    for (int i = 0; i < IND__COUNT; i++) {
        bool shown = !s;
        for (int j = 0; s && j < s->n_ind; j++)
            shown = shown || s->ind[j] == i;
        if (!shown)
            continue;
        if (mask & IND_BIT(i) && (all.den[i] || all.num[i] != 0))
            json_array_append_new(excluded, json_string(ind_defs[i].id));
        if (!k.den[i] && k.num[i] == 0)
            continue;
        if (i == x->indicator)
            wanted = true;
        json_object_set_new(
            inds, ind_defs[i].id,
            json_pack("{so so}", "num", json_real(k.num[i]), "den",
                      ind_defs[i].kind == 'R' ? json_integer((json_int_t)k.den[i]) : json_null()));
    }
    if (!wanted || (json_object_size(inds) == 0 && json_array_size(excluded) == 0)) {
        json_decref(inds);
        json_decref(excluded);
        return 0;
    }
    json_t *row = json_pack("{sI so so so so so}", "order_id", (json_int_t)c->order_id, "number",
                            str_or_null(r->number), "title", str_or_null(r->title), "received_at",
                            time_json(c->recv), "excluded", excluded, "indicators", inds);
    json_array_append_new(x->arr, row);
    return 0;
}

int assess_orders(struct assess_store *st, const struct scheme *s, const struct ind_period *p,
                  int64_t unit_id, int indicator, json_t **out, struct js_error *e)
{
    *out = NULL;
    struct excl_map ex = {0};
    struct ind_params dflt;
    ind_params_default(&dflt);
    struct drill x = {.s = s,
                      .p = p,
                      .prm = s ? &s->params : &dflt,
                      .ex = &ex,
                      .indicator = indicator,
                      .unit_id = unit_id,
                      .arr = json_array()};
    int rc = assess_sync(st, false, NULL, e);
    if (rc || (rc = load_exclusions(st, &ex, e)))
        goto out;
    if (!x.arr) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    struct assess_fact_query q = {
        .from = p->from, .to = p->to, .unit_id = unit_id, .with_order = true};
    rc = st->s->ops->assess_facts(st->s, &q, drill_case, &x);
    if (x.bad)
        rc = js_fail(e, JS_EDB, "assess_cases", "单位 %lld 有一条考核记录无法读取",
                     (long long)unit_id);
    else if (rc)
        rc = op_fail(rc, e, "read facts");
out:
    free(x.c.marks);
    excl_release(&ex);
    if (rc) {
        json_decref(x.arr);
        return rc;
    }
    *out = x.arr;
    return 0;
}

/* ---- appeals ------------------------------------------------------------------------------ */

static bool is_role(const struct actor *who, int a, int b)
{
    return who->role == a || who->role == b;
}

/* Resolves {order_id} or {order: number} to an order id. */
static int order_ref(struct assess_store *st, const json_t *args, int64_t *id, struct js_error *e)
{
    int64_t oid = 0;
    const char *number = NULL;
    int rc;
    if ((rc = jf_int(args, "order_id", false, 1, INT64_MAX, &oid, e)) ||
        (rc = jf_str(args, "order", false, 20, &number, e)))
        return rc;
    if (!oid && !number)
        return js_fail(e, JS_EMISSING, "order_id", "缺少 order_id（或工单编号 order）");
    if (!oid) {
        struct order o;
        memset(&o, 0, sizeof o);
        rc = st->s->ops->order_get_by_number(st->s, number, &o);
        if (!rc)
            oid = o.id;
        order_release(&o);
        if (rc == -JS_ENOTFOUND || (!rc && !oid))
            return js_fail(e, JS_ENOTFOUND, "order", "工单不存在");
        if (rc)
            return op_fail(rc, e, "read the order");
    }
    *id = oid;
    return 0;
}

static int appeal_indicators(const json_t *args, json_t **out, struct js_error *e)
{
    json_t *arr;
    int rc = jf_array(args, "indicators", true, IND__COUNT, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0)
        return js_fail(e, JS_EMISSING, "indicators", "请至少指定一项指标，或 \"all\"");
    json_t *ids = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = json_string_value(v);
        int ind = s ? ind_lookup(s, strlen(s)) : -1;
        if (s && strcmp(s, "all") == 0) {
            json_array_clear(ids);
            json_array_append_new(ids, json_string("all"));
            break;
        }
        if (ind < 0) {
            json_decref(ids);
            return js_fail(e, JS_EINVAL, "indicators", "不是考核指标：%s",
                           s ? s : "(not a string)");
        }
        json_array_append_new(ids, json_string(ind_defs[ind].id));
    }
    *out = ids;
    return 0;
}

static int evidence_of(const json_t *args, json_t **out, struct js_error *e)
{
    static const char *const keys[] = {"name", "url", "kind", NULL};
    json_t *arr;
    int rc = jf_array(args, "evidence", true, 20, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0)
        return js_fail(e, JS_EMISSING, "evidence", "申诉须附证据（至少一个附件）");
    json_t *copy = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *name, *url, *kind = NULL;
        if ((rc = jf_known(v, keys, e)) || (rc = jf_str(v, "name", true, 200, &name, e)) ||
            (rc = jf_str(v, "url", true, 1000, &url, e)) || (rc = url_check_ref("url", url, e)) ||
            (rc = jf_str(v, "kind", false, 32, &kind, e))) {
            snprintf(e->field, sizeof e->field, "evidence[%zu]", i);
            json_decref(copy);
            return rc;
        }
        json_t *item = json_pack("{ss ss}", "name", name, "url", url);
        if (kind)
            json_object_set_new(item, "kind", json_string(kind));
        json_array_append_new(copy, item);
    }
    *out = copy;
    return 0;
}

static int count_case(void *ctx, const struct assess_fact_row *r)
{
    JS_UNUSED(r);
    (*(int *)ctx)++;
    return 0;
}

int assess_appeal_file(struct assess_store *st, const struct actor *who, const json_t *args,
                       int64_t now, int64_t *id, struct js_error *e)
{
    static const char *const keys[] = {"order_id", "order",    "indicators",
                                       "reason",   "evidence", NULL};
    if (who->role != ROLE_UNIT_LEADER || !who->unit_id)
        return js_fail(e, JS_EFORBIDDEN, NULL, "appeals are filed by a unit leader (单位领导)");
    json_t *inds = NULL, *evidence = NULL;
    struct assess_appeal_rec a;
    memset(&a, 0, sizeof a);
    const char *reason;
    int64_t oid = 0;
    int rc, held = 0;
    if ((rc = jf_known(args, keys, e)) || (rc = order_ref(st, args, &oid, e)) ||
        (rc = appeal_indicators(args, &inds, e)) ||
        (rc = jf_str(args, "reason", true, JS_MAX_NOTE, &reason, e)) ||
        (rc = evidence_of(args, &evidence, e)) || (rc = assess_sync(st, false, NULL, e)))
        goto out;
    struct assess_fact_query q = {.order_id = oid, .unit_id = who->unit_id};
    if ((rc = st->s->ops->assess_facts(st->s, &q, count_case, &held))) {
        rc = op_fail(rc, e, "read facts");
        goto out;
    }
    if (!held) { /* units must not learn of other units' orders */
        rc = js_fail(e, JS_ENOTFOUND, "order_id", "工单不存在");
        goto out;
    }
    a.order_id = oid;
    a.unit_id = who->unit_id;
    a.indicators = json_dumps(inds, JSON_COMPACT);
    a.evidence = json_dumps(evidence, JSON_COMPACT);
    a.reason = strdup(reason);
    a.filed_by = who->user_id;
    a.filed_at = now;
    if (!a.indicators || !a.evidence || !a.reason) {
        rc = js_fail(e, JS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    rc = st->s->ops->assess_appeal_put(st->s, &a);
    if (rc == -JS_EEXISTS)
        rc = js_fail(e, JS_EEXISTS, "order_id", "本单位对该工单已有待审的申诉");
    else if (rc)
        rc = op_fail(rc, e, "write the appeal");
    else
        *id = a.id;
out:
    assess_appeal_rec_release(&a);
    json_decref(inds);
    json_decref(evidence);
    return rc;
}

int assess_appeal_decide(struct assess_store *st, const struct actor *who, int64_t id,
                         const json_t *args, int64_t now, struct js_error *e)
{
    static const char *const keys[] = {"uphold", "note", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "appeals are decided by a supervisor or an admin");
    bool uphold = false;
    const char *note = NULL;
    int rc;
    if ((rc = jf_known(args, keys, e)) || (rc = jf_bool(args, "uphold", true, &uphold, e)) ||
        (rc = jf_str(args, "note", !uphold, JS_MAX_NOTE, &note, e)))
        return rc;
    rc = st->s->ops->assess_appeal_decide(st->s, id, uphold, note ? note : "", who->user_id, now);
    if (rc == -JS_ENOTFOUND)
        return js_fail(e, JS_ENOTFOUND, "id", "申诉不存在");
    if (rc == -JS_EEXISTS)
        return js_fail(e, JS_ESTATE, NULL, "the appeal has already been decided");
    return rc ? op_fail(rc, e, "write the decision") : 0;
}

static json_t *appeal_json(const struct assess_appeal_rec *a)
{
    bool decided = a->status != APPEAL_PENDING;
    const char *status = !decided ? "pending" : a->status == APPEAL_UPHELD ? "upheld" : "rejected";
    return json_pack("{sI sI so sI so so so sI so ss so so so}", "id", (json_int_t)a->id,
                     "order_id", (json_int_t)a->order_id, "number",
                     a->number[0] ? json_string(a->number) : json_null(), "unit_id",
                     (json_int_t)a->unit_id, "indicators", text_json(a->indicators), "reason",
                     str_or_null(a->reason), "evidence", text_json(a->evidence), "filed_by",
                     (json_int_t)a->filed_by, "filed_at", time_json(a->filed_at), "status", status,
                     "decided_by", decided ? json_integer(a->decided_by) : json_null(),
                     "decided_at", decided ? time_json(a->decided_at) : json_null(), "note",
                     decided ? str_or_null(a->note) : json_null());
}

static int appeals_json(struct assess_store *st, const struct assess_appeal_query *q, json_t **out,
                        struct js_error *e)
{
    struct assess_appeal_rec *a = NULL;
    int n = 0;
    int rc = st->s->ops->assess_appeal_list(st->s, q, &a, &n);
    if (rc)
        return op_fail(rc, e, "read appeals");
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(arr, appeal_json(&a[i]));
        assess_appeal_rec_release(&a[i]);
    }
    free(a);
    if (!arr)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    *out = arr;
    return 0;
}

int assess_appeal_list(struct assess_store *st, int64_t unit_id, const char *status, json_t **out,
                       struct js_error *e)
{
    *out = NULL;
    static const char *const statuses[] = {"pending", "upheld", "rejected", NULL};
    int which = status ? js_name_index(statuses, status) : -1;
    if (status && which < 0)
        return js_fail(e, JS_EINVAL, "status", "status 须为 pending、upheld 或 rejected");
    struct assess_appeal_query q = {.unit_id = unit_id, .status = which};
    return appeals_json(st, &q, out, e);
}

int assess_appeal_get(struct assess_store *st, int64_t id, json_t **out, struct js_error *e)
{
    *out = NULL;
    json_t *arr = NULL;
    struct assess_appeal_query q = {.id = id, .status = -1};
    int rc = appeals_json(st, &q, &arr, e);
    if (rc)
        return rc;
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return js_fail(e, JS_ENOTFOUND, "id", "申诉不存在");
    }
    *out = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return 0;
}

/* ---- items --------------------------------------------------------------------------------- */

int assess_item_add(struct assess_store *st, const struct actor *who, const json_t *args,
                    int64_t now, int64_t *id, struct js_error *e)
{
    static const char *const keys[] = {"unit_id", "kind", "points", "on", "note", "order_id", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "items are entered by a supervisor or an admin");
    int64_t unit = 0, on = 0, order = 0;
    const char *kind, *note;
    int rc;
    if ((rc = jf_known(args, keys, e)) ||
        (rc = jf_int(args, "unit_id", true, 1, INT64_MAX, &unit, e)) ||
        (rc = jf_str(args, "kind", true, 32, &kind, e)) ||
        (rc = jf_time(args, "on", true, &on, e)) ||
        (rc = jf_str(args, "note", true, JS_MAX_NOTE, &note, e)) ||
        (rc = jf_int(args, "order_id", false, 1, INT64_MAX, &order, e)))
        return rc;
    const json_t *pts = json_object_get(args, "points");
    if (!pts)
        return js_fail(e, JS_EMISSING, "points", "缺少分值 points");
    if (!json_is_number(pts))
        return js_fail(e, JS_ETYPE, "points", "分值 points 须为数字");
    double points = json_number_value(pts);
    if (!(points >= -100 && points <= 100))
        return js_fail(e, JS_EINVAL, "points", "分值 points 须在 -100 到 100 之间");
    if (ind_item_indicator(kind) < 0)
        return js_fail(e, JS_EINVAL, "kind",
                       "kind 须为 manual_deduction、bonus_points 或 year_end，不能是 '%s'", kind);
    struct unit u;
    rc = st->s->ops->unit_get(st->s, unit, &u);
    if (rc == -JS_ENOTFOUND)
        return js_fail(e, JS_EINVAL, "unit_id", "单位 %lld 不存在", (long long)unit);
    if (rc)
        return op_fail(rc, e, "read the unit");
    struct assess_item_rec it = {
        .unit_id = unit, .on_day = on, .order_id = order, .by_user = who->user_id, .at = now};
    snprintf(it.kind, sizeof it.kind, "%s", kind);
    it.points = points;
    if (!(it.note = strdup(note)))
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    rc = st->s->ops->assess_item_put(st->s, &it);
    free(it.note);
    if (rc)
        return rc == -JS_EINVAL ? js_fail(e, JS_EINVAL, NULL, "the item was refused")
                                : op_fail(rc, e, "write the item");
    *id = it.id;
    return 0;
}

int assess_item_cancel(struct assess_store *st, const struct actor *who, int64_t id,
                       const json_t *args, int64_t now, struct js_error *e)
{
    static const char *const keys[] = {"reason", NULL};
    if (!is_role(who, ROLE_SUPERVISOR, ROLE_ADMIN))
        return js_fail(e, JS_EFORBIDDEN, NULL, "items are cancelled by a supervisor or an admin");
    const char *reason;
    int rc;
    if ((rc = jf_known(args, keys, e)) ||
        (rc = jf_str(args, "reason", true, JS_MAX_NOTE, &reason, e)))
        return rc;
    rc = st->s->ops->assess_item_cancel(st->s, id, reason, who->user_id, now);
    if (rc == -JS_ENOTFOUND)
        return js_fail(e, JS_ENOTFOUND, "id", "考核事项不存在");
    if (rc == -JS_EEXISTS)
        return js_fail(e, JS_ESTATE, NULL, "the item is already cancelled");
    return rc ? op_fail(rc, e, "write the cancellation") : 0;
}

int assess_item_list(struct assess_store *st, int64_t unit_id, int64_t from, int64_t to,
                     json_t **out, struct js_error *e)
{
    *out = NULL;
    struct assess_item_rec *v = NULL;
    int n = 0;
    int rc = st->s->ops->assess_item_list(st->s, unit_id, from, to, false, &v, &n);
    if (rc)
        return op_fail(rc, e, "read items");
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        const struct assess_item_rec *it = &v[i];
        json_array_append_new(
            arr,
            json_pack("{sI sI ss so sf so so sI so sb so}", "id", (json_int_t)it->id, "unit_id",
                      (json_int_t)it->unit_id, "kind", it->kind, "on", time_json(it->on_day),
                      "points", it->points, "note", str_or_null(it->note), "order_id",
                      it->order_id ? json_integer(it->order_id) : json_null(), "by",
                      (json_int_t)it->by_user, "at", time_json(it->at), "cancelled", it->cancelled,
                      "cancel_reason",
                      it->cancelled ? str_or_null(it->cancel_reason) : json_null()));
        assess_item_rec_release(&v[i]);
    }
    free(v);
    if (!arr)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    *out = arr;
    return 0;
}

/* ---- schemes --------------------------------------------------------------------------------- */

const char *assess_scheme_dir(void)
{
    const char *env = getenv("JIESU_SCHEMES");
    if (env && env[0])
        return env;
#ifdef JIESU_SOURCE_DIR
    struct stat sb;
    if (stat(JIESU_SOURCE_DIR "/schemes", &sb) == 0 && S_ISDIR(sb.st_mode))
        return JIESU_SOURCE_DIR "/schemes";
#endif
    return "/usr/share/jiesu/schemes";
}

static bool scheme_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 31)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '-' || name[i] == '_'))
            return false;
    return true;
}

static int read_file(const char *path, struct buf *b, struct js_error *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return js_fail(e, JS_ENOTFOUND, "scheme", "方案文件 %s 不存在", path);
    char chunk[8192];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = buf_append(b, chunk, n);
    if (!rc && ferror(f))
        rc = js_fail(e, JS_EIO, "scheme", "无法读取 %s", path);
    fclose(f);
    return rc;
}

int assess_scheme_load(struct assess_store *st, const char *dir, const char *name,
                       struct scheme **out, struct js_error *e)
{
    *out = NULL;
    if (!scheme_name_ok(name))
        return js_fail(e, JS_EINVAL, "scheme", "方案名须为 1 到 31 个 [a-z0-9_-] 字符");
    int rc = 0;
    if (st) {
        struct assess_scheme_rec *v = NULL;
        int n = 0;
        if ((rc = st->s->ops->assess_scheme_get(st->s, name, &v, &n)))
            return op_fail(rc, e, "read the stored scheme");
        if (n > 0)
            rc = scheme_parse(v[0].doc, strlen(v[0].doc), out, e);
        for (int i = 0; i < n; i++)
            assess_scheme_rec_release(&v[i]);
        free(v);
        if (n > 0)
            return rc;
    }
    char path[1024];
    if ((size_t)snprintf(path, sizeof path, "%s/%s.json", dir ? dir : assess_scheme_dir(), name) >=
        sizeof path)
        return js_fail(e, JS_EINVAL, "scheme", "方案目录路径过长");
    struct buf b;
    buf_init(&b, 1 << 20);
    if (!(rc = read_file(path, &b, e)))
        rc = scheme_parse(b.data ? b.data : "", b.len, out, e);
    buf_release(&b);
    if (!rc && strcmp((*out)->name, name) != 0) {
        rc = js_fail(e, JS_EINVAL, "name", "%s 中的方案名是 '%s'，不是 '%s'", path, (*out)->name,
                     name);
        scheme_free(*out);
        *out = NULL;
    }
    return rc;
}

int assess_scheme_save(struct assess_store *st, const struct actor *who, const char *name,
                       const json_t *doc, int64_t now, struct js_error *e)
{
    if (who->role != ROLE_ADMIN)
        return js_fail(e, JS_EFORBIDDEN, NULL, "schemes are changed by an administrator");
    struct scheme *s = NULL;
    int rc = scheme_from_json(doc, &s, e);
    if (rc)
        return rc;
    bool same = strcmp(s->name, name) == 0;
    scheme_free(s);
    if (!same)
        return js_fail(e, JS_EINVAL, "name", "方案文档的 name 须为 '%s'", name);
    struct assess_scheme_rec r = {.by_user = who->user_id, .at = now};
    snprintf(r.name, sizeof r.name, "%s", name);
    if (!(r.doc = json_dumps(doc, JSON_COMPACT)))
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    rc = st->s->ops->assess_scheme_put(st->s, &r);
    assess_scheme_rec_release(&r);
    return rc ? op_fail(rc, e, "write the scheme") : 0;
}

static const char *const builtin_schemes[] = {"dongcheng-2016", "linshu-2020",  "pingshan-2020",
                                              "tianning-2013",  "beijing-2020", NULL};

int assess_scheme_list(struct assess_store *st, const char *dir, json_t **out, struct js_error *e)
{
    *out = NULL;
    json_t *arr = json_array();
    struct assess_scheme_rec *v = NULL;
    int n = 0, rc = 0;
    if (!arr)
        return js_fail(e, JS_ENOMEM, NULL, "out of memory");
    for (int i = 0; builtin_schemes[i]; i++) {
        struct scheme *sc = NULL;
        struct js_error ignore;
        if (assess_scheme_load(NULL, dir, builtin_schemes[i], &sc, &ignore) == 0) {
            json_array_append_new(
                arr, json_pack("{ss ss sb}", "name", sc->name, "title", sc->title, "stored", 0));
            scheme_free(sc);
        }
    }
    if (st && (rc = st->s->ops->assess_scheme_get(st->s, NULL, &v, &n)))
        rc = op_fail(rc, e, "read the stored schemes");
    for (int k = 0; k < n; k++) {
        const char *name = v[k].name;
        json_t *doc = text_json(v[k].doc);
        const char *title = json_string_value(json_object_get(doc, "title"));
        json_t *found = NULL;
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *x = json_array_get(arr, i);
            if (strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
                found = x;
        }
        if (!found) {
            found = json_pack("{ss}", "name", name);
            json_array_append_new(arr, found);
        }
        json_object_set_new(found, "title", json_string(title ? title : name));
        json_object_set_new(found, "stored", json_true());
        json_decref(doc);
        assess_scheme_rec_release(&v[k]);
    }
    free(v);
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}
