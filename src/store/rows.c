/* Row helpers shared by the store's backends: the order column table, the exact search keys of
 * an order, the note tokens of an event, attachment references and list cursors. Backend-neutral:
 * no SQL engine is named here. */
#include "compat.h"
#include "store/rows.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text/fold.h"
#include "text/searchtext.h"
#include "util/jtime.h"

/* One column per key of order_to_json; id must stay first. A new order field needs a migration
 * adding its column and an entry here (store_open refuses to run otherwise). */
const struct store_order_col store_order_cols[] = {
    {"id", COL_INT},
    {"number", COL_UNIQUE_TEXT},
    {"version", COL_INT},
    {"status", COL_INT},
    {"channel", COL_TEXT},
    {"upstream_id", COL_TEXT},
    {"upstream_deadline", COL_INT},
    {"verified", COL_BOOL},
    {"citizen_name", COL_TEXT},
    {"citizen_phone", COL_TEXT},
    {"anonymous", COL_BOOL},
    {"wants_callback", COL_BOOL},
    {"needs_contact", COL_BOOL},
    {"type", COL_INT},
    {"level", COL_INT},
    {"tier", COL_INT},
    {"category_id", COL_INT},
    {"region_id", COL_INT},
    {"title", COL_TEXT},
    {"text", COL_TEXT},
    {"address", COL_TEXT},
    {"has_coords", COL_BOOL},
    {"lat", COL_REAL},
    {"lon", COL_REAL},
    {"enterprise", COL_BOOL},
    {"attachments", COL_TEXT},
    {"created_at", COL_INT},
    {"updated_at", COL_INT},
    {"filed_at", COL_INT},
    {"dispatched_at", COL_INT},
    {"replied_at", COL_INT},
    {"closed_at", COL_INT},
    {"archived_at", COL_INT},
    {"units", COL_JSON},
    {"master_id", COL_INT},
    {"parent_id", COL_INT},
    {"duplicate_of", COL_INT},
    {"not_filed_reason", COL_INT},
    {"transfer_to", COL_TEXT},
    {"deadline", COL_INT},
    {"sign_deadline", COL_INT},
    {"contacted", COL_BOOL},
    {"sign_approved", COL_BOOL},
    {"ext_pending", COL_BOOL},
    {"ext_requested_until", COL_INT},
    {"hang", COL_INT},
    {"closure", COL_INT},
    {"reply_text", COL_TEXT},
    {"cb_tries", COL_INT},
    {"cb_contacted", COL_INT},
    {"cb_solved", COL_INT},
    {"cb_satisfaction", COL_INT},
    {"cb_unreachable", COL_BOOL},
    {"returns", COL_INT},
    {"reworks", COL_INT},
    {"reopens", COL_INT},
    {"reopens_district", COL_INT},
    {"reopens_upstream", COL_INT},
    {"urges", COL_INT},
    {"supervisions", COL_INT},
    {"supervisions_open", COL_INT},
    {"extensions", COL_INT},
    {"close_kind", COL_INT},
    {"hang_since", COL_INT},       /* migration 4 */
    {"about_unit_id", COL_INT},    /* migration 15 */
    {"hang_expected", COL_INT},    /* migration 17 */
    {"consult", COL_INT},          /* migration 20 */
    {"consult_unit_id", COL_INT},  /* migration 20 */
    {"preinv", COL_INT},           /* migration 20 */
    {"preinv_unit_id", COL_INT},   /* migration 20 */
    {"instruct_unit_id", COL_INT}, /* migration 20 */
    {"instruct_due", COL_INT},     /* migration 20 */
};
const int store_n_order_cols = (int)JS_ARRAY_LEN(store_order_cols);

static const struct order_field *col_fields[STORE_MAX_ORDER_COLS];
static pthread_once_t col_fields_once = PTHREAD_ONCE_INIT;

/* Whether a column of type t can hold a field of kind k. */
static bool col_holds(enum col_type t, enum order_field_kind k)
{
    switch (t) {
    case COL_INT:
        return k == OF_INT;
    case COL_BOOL:
        return k == OF_BOOL;
    case COL_REAL:
        return k == OF_REAL;
    case COL_TEXT:
    case COL_UNIQUE_TEXT:
        return k == OF_CHARS || k == OF_STR;
    case COL_JSON:
        return k == OF_UNITS;
    }
    return false;
}

static void col_fields_find(void)
{
    for (int i = 0; i < store_n_order_cols && i < STORE_MAX_ORDER_COLS; i++) {
        const struct order_field *f = order_field_find(store_order_cols[i].name);
        col_fields[i] = f && col_holds(store_order_cols[i].type, f->kind) ? f : NULL;
    }
}

const struct order_field *store_order_col_field(int i)
{
    pthread_once(&col_fields_once, col_fields_find);
    return i >= 0 && i < store_n_order_cols && i < STORE_MAX_ORDER_COLS ? col_fields[i] : NULL;
}

/* The column table must cover exactly the keys of order_to_json: a field added to the order
 * without a column (and a migration) would otherwise be silently lost. */
int store_check_order_cols(struct js_error *e)
{
    struct order o;
    order_init(&o);
    json_t *j = order_to_json(&o);
    int rc = 0;
    if (!j)
        return js_fail(e, JS_ENOMEM, "", NULL);
    if (store_n_order_cols > STORE_MAX_ORDER_COLS)
        rc = js_fail(e, JS_EINTERNAL, "", "工单字段数超过 STORE_MAX_ORDER_COLS");
    for (int i = 0; i < store_n_order_cols && !rc; i++)
        if (!store_order_col_field(i)) /* no field of that name, or of a kind it cannot hold */
            rc = js_fail(e, JS_EINTERNAL, store_order_cols[i].name,
                         "order column %s is not a field of the order", store_order_cols[i].name);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        bool found = false;
        for (int i = 0; i < store_n_order_cols && !found; i++)
            found = strcmp(store_order_cols[i].name, key) == 0;
        if (!found && !rc)
            rc = js_fail(e, JS_EINTERNAL, key, "order field %s has no column in the store", key);
    }
    json_decref(j);
    return rc;
}

int store_units_check(const struct order *o)
{
    if (o->n_units < 0 || o->n_units > ORDER_MAX_UNITS)
        return -JS_EINVAL;
    for (int i = 0; i < o->n_units; i++)
        for (int k = 0; k < i; k++)
            if (o->units[i].unit_id == o->units[k].unit_id)
                return -JS_EINVAL; /* one assignment per unit */
    return 0;
}

const struct assignment *store_unit_of(const struct order *o, int64_t unit_id)
{
    for (int i = 0; i < o->n_units; i++)
        if (o->units[i].unit_id == unit_id)
            return &o->units[i];
    return NULL;
}

bool store_unit_row_same(const struct order *a, const struct assignment *x, const struct order *b,
                         const struct assignment *y)
{
    return x && x->unit_id == y->unit_id && x->role == y->role && x->active == y->active &&
           a->created_at == b->created_at;
}

bool store_unit_rows_differ(const struct order *a, const struct order *b)
{
    if (a->n_units != b->n_units)
        return true;
    for (int i = 0; i < b->n_units; i++)
        if (!store_unit_row_same(a, store_unit_of(a, b->units[i].unit_id), b, &b->units[i]))
            return true;
    return false;
}

/* The tokens of recent texts, per thread (issue 13): store_text_warm computes them before the
 * write transaction, store_tokens_of inside it finds them here instead of segmenting under the
 * write lock. The tokens are a function of the text alone, so an entry never goes stale. */
#define TOKEN_MEMO 8
struct token_memo {
    struct {
        uint64_t hash;
        char *text, *tokens; /* NULL: empty slot */
    } e[TOKEN_MEMO];
    unsigned next;
};

static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *arg)
{
    struct token_memo *m = arg;
    for (int i = 0; m && i < TOKEN_MEMO; i++) {
        free(m->e[i].text);
        free(m->e[i].tokens);
    }
    free(m);
}

static void memo_init(void)
{
    pthread_key_create(&memo_key, memo_free);
}

static struct token_memo *memo_get(bool create)
{
    pthread_once(&memo_once, memo_init);
    struct token_memo *m = pthread_getspecific(memo_key);
    if (!m && create && (m = calloc(1, sizeof *m)) && pthread_setspecific(memo_key, m)) {
        free(m);
        m = NULL;
    }
    return m;
}

static uint64_t text_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The memoised tokens of text, or NULL. */
static const char *memo_find(const char *text)
{
    struct token_memo *m = memo_get(false);
    if (!m)
        return NULL;
    uint64_t h = text_hash(text);
    for (int i = 0; i < TOKEN_MEMO; i++)
        if (m->e[i].text && m->e[i].hash == h && strcmp(m->e[i].text, text) == 0)
            return m->e[i].tokens;
    return NULL;
}

void *store_memo_mine(void)
{
    return memo_get(false);
}

void *store_memo_use(void *memo)
{
    void *was = memo_get(false);
    if (was != memo)
        (void)pthread_setspecific(memo_key, memo); /* fails only for want of the key: no memo */
    return was;
}

int store_txn_run_plain(struct store *s, int (*fn)(struct store *s, void *arg), void *arg)
{
    int rc = s->ops->begin(s);
    if (rc)
        return rc;
    rc = fn(s, arg);
    if (!rc)
        rc = s->ops->commit(s);
    if (rc)
        s->ops->rollback(s);
    return rc;
}

int store_text_warm(struct store *s, const char *const *texts, int n)
{
    (void)s;
    for (int i = 0; i < n; i++) {
        if (!texts[i] || !texts[i][0] || memo_find(texts[i]))
            continue;
        struct token_memo *m = memo_get(true);
        struct buf t;
        buf_init(&t, 0);
        char *copy = strdup(texts[i]);
        if (!m || !copy || searchtext_index(texts[i], &t)) {
            free(copy);
            buf_release(&t);
            return -JS_ENOMEM; /* no memo: store_tokens_of computes them itself */
        }
        unsigned k = m->next++ % TOKEN_MEMO;
        free(m->e[k].text);
        free(m->e[k].tokens);
        m->e[k].hash = text_hash(texts[i]);
        m->e[k].text = copy;
        m->e[k].tokens = buf_steal(&t);
    }
    return 0;
}

/* Appends the index tokens of each non-empty part to out. */
int store_tokens_of(const char *const *parts, int n, struct buf *out)
{
    int rc = buf_append(out, "", 0);
    for (int i = 0; i < n && !rc; i++) {
        if (!parts[i] || !parts[i][0])
            continue;
        const char *memo = memo_find(parts[i]);
        if (!memo) {
            rc = searchtext_index(parts[i], out);
            continue;
        }
        /* as searchtext_index appends: a space between the earlier tokens and these */
        if (memo[0] && out->len && out->data[out->len - 1] != ' ')
            rc = buf_append(out, " ", 1);
        if (!rc)
            rc = buf_append(out, memo, strlen(memo));
    }
    return rc;
}

void store_reverse(const char *s, char *out, size_t size)
{
    size_t n = strlen(s);
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[n - 1 - i];
    out[n] = '\0';
}

/* Upstream ids fold to lower-case letters and digits, then reverse. */
void store_upstream_key(const char *s, char *out, size_t size)
{
    char tmp[72];
    size_t n = 0;
    for (; s && *s && n + 1 < sizeof tmp; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            tmp[n++] = c;
    }
    tmp[n] = '\0';
    store_reverse(tmp, out, size);
}

void store_okeys_of(const struct order *o, struct store_okeys *k)
{
    char digits[40];
    store_upstream_key(o->upstream_id, k->upstream, sizeof k->upstream);
    searchtext_phone_digits(o->citizen_phone, digits, sizeof digits);
    store_reverse(digits, k->phone, sizeof k->phone);
    struct buf f;
    buf_init(&f, sizeof k->name);
    k->name[0] = '\0';
    if (o->citizen_name && o->citizen_name[0] && text_fold(o->citizen_name, &f) == 0 && f.data)
        snprintf(k->name, sizeof k->name, "%s", f.data);
    buf_release(&f);
}

/* Free text a person wrote on an event, indexed as the order's notes: the note-like fields of
 * every action but intake and reply (whose texts are the order's own columns), never the
 * system's generated notes. */
int store_notes_of(const struct event *ev, struct buf *out)
{
    static const char *const keys[] = {"note",   "reason",      "explanation", "answer",
                                       "result", "legal_basis", "progress",    "plan",
                                       "scope",  "text",        NULL};
    if (ev->action == ACT_INTAKE || ev->action == ACT_REPLY || ev->actor.role == ROLE_SYSTEM ||
        !ev->payload)
        return 0;
    json_t *args = json_object_get(ev->payload, "args");
    int rc = 0;
    for (const char *const *k = keys; *k && !rc; k++) {
        const char *v = json_string_value(json_object_get(args, *k));
        if (v && v[0])
            rc = searchtext_index(v, out);
    }
    return rc;
}

/* Cursor: "<sort>.<key>.<id>". */
static int parse_int(const char **p, char stop, int64_t *out)
{
    const char *s = *p;
    char *end;
    if (!((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
        return -JS_EINVAL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != stop)
        return -JS_EINVAL;
    *out = v;
    *p = stop ? end + 1 : end;
    return 0;
}

const struct store_sort store_sorts[SORT__COUNT] = {
    [SORT_CREATED_DESC] = {"created_at", "DESC", "<"},
    [SORT_CREATED_ASC] = {"created_at", "ASC", ">"},
    [SORT_DEADLINE_ASC] = {JS_SQL_DEADLINE_KEY, "ASC", ">"},
    [SORT_UPDATED_DESC] = {"updated_at", "DESC", "<"},
};

int store_query_check(const struct order_query *q, int64_t *ckey, int64_t *cid)
{
    if (q->limit < 1 || q->limit > 500 || q->sort < 0 || q->sort >= SORT__COUNT ||
        q->n_statuses < 0 || q->n_statuses > 2 * ST__COUNT || (q->n_statuses > 0 && !q->statuses) ||
        q->type < -1 || q->type >= TYPE__COUNT || q->level < -1 || q->level >= LEVEL__COUNT ||
        q->overdue < -1 || q->overdue > 1)
        return -JS_EINVAL;
    for (int i = 0; i < q->n_statuses; i++)
        if (q->statuses[i] < 0 || q->statuses[i] >= ST__COUNT)
            return -JS_EINVAL;
    if (q->cursor && q->cursor[0] && store_cursor_parse(q->cursor, q->sort, ckey, cid))
        return -JS_EINVAL;
    return 0;
}

int store_cursor_parse(const char *c, int sort, int64_t *key, int64_t *id)
{
    int64_t s;
    if (parse_int(&c, '.', &s) || s != sort || parse_int(&c, '.', key) || parse_int(&c, '\0', id) ||
        *id <= 0)
        return -JS_EINVAL;
    return 0;
}

int64_t store_sort_key(int sort, const struct order *o)
{
    switch (sort) {
    case SORT_DEADLINE_ASC:
        return o->deadline > 0 ? o->deadline : INT64_MAX;
    case SORT_UPDATED_DESC:
        return o->updated_at;
    default:
        return o->created_at;
    }
}

/* Whether x comes before y in the order of sort. */
static bool order_before(int sort, const struct order *x, const struct order *y)
{
    int64_t kx = store_sort_key(sort, x), ky = store_sort_key(sort, y);
    int c = kx < ky ? -1 : kx > ky ? 1 : x->id < y->id ? -1 : x->id > y->id;
    return sort == SORT_CREATED_DESC || sort == SORT_UPDATED_DESC ? c > 0 : c < 0;
}

int store_sort_orders(struct order *v, int n, int sort)
{
    /* Binary insertion sort (a page holds at most a few hundred orders, and qsort has no
     * context) of their places, then each order moved once. Moving the orders themselves (1.3 KB
     * each), one place at a time, cost a page of 50 read in the opposite order (ids ascending,
     * newest first) 250,000 instructions (issue 13, session 13). */
    if (n < 2)
        return 0;
    int *at = malloc((size_t)n * sizeof *at);
    struct order *moved = malloc((size_t)n * sizeof *moved);
    if (!at || !moved) {
        free(at);
        free(moved);
        return -JS_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        /* after the last place whose order v[i] does not come before: equals keep their order */
        int lo = 0, hi = i;
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (order_before(sort, &v[i], &v[at[mid]]))
                hi = mid;
            else
                lo = mid + 1;
        }
        memmove(at + lo + 1, at + lo, (size_t)(i - lo) * sizeof *at);
        at[lo] = i;
    }
    memcpy(moved, v, (size_t)n * sizeof *v);
    for (int i = 0; i < n; i++)
        v[i] = moved[at[i]];
    free(moved);
    free(at);
    return 0;
}

bool store_status_in_work(int status)
{
    return status == ST_DISPATCHED || status == ST_RETURNED || status == ST_COORDINATION ||
           status == ST_HANDLING || status == ST_REPLIED || status == ST_CALLBACK;
}

bool store_file_ref_next(const char **p, char id[33])
{
    static const char marker[] = "/api/v1/files/";
    const char *s = *p ? *p : "";
    while ((s = strstr(s, marker)) != NULL) {
        s += sizeof marker - 1;
        size_t k = 0;
        while (k < 32 && ((s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f')))
            k++;
        if (k != 32)
            continue;
        memcpy(id, s, 32);
        id[32] = '\0';
        *p = s + 32;
        return true;
    }
    *p = NULL;
    return false;
}

bool store_hits_add(struct store_hits *h, int64_t id, int kind, bool exact)
{
    if (h->n >= h->want)
        return false;
    for (int i = 0; i < h->n; i++)
        if (h->v[i].id == id)
            return false;
    h->v[h->n++] = (struct search_hit){id, kind, exact};
    return true;
}

/* The orders whose key of kind_letter is key, newest first, then (unless exact_only) those whose
 * key begins with it: each walk stops at the page (a caller's thousands of orders are not all
 * gathered to return 50). */
static int keys_run(const struct store_search_backend *b, void *ctx, const struct search_query *sq,
                    int64_t since_id, const char *kind_letter, const char *key, bool exact_only,
                    int kind, struct store_hits *h)
{
    int rc = b->keys(ctx, sq, since_id, kind_letter, key, true, kind, h);
    if (!rc && !exact_only && h->n < h->want)
        rc = b->keys(ctx, sq, since_id, kind_letter, key, false, kind, h);
    return rc;
}

/* The sequence's widths in an order number: five digits, zero-padded; six and seven as they are. */
static const struct {
    int w;
    int64_t lo, hi;
} widths[] = {{7, 1000000, 9999999}, {6, 100000, 999999}, {5, 1, 99999}};

/* The least last sequence of a day that can hold a number longer than a tail of L digits; 0 when
 * no day can (the tail is as long as the longest number). */
static int64_t tail_min_last(size_t L)
{
    int64_t min = 0;
    for (size_t c = 0; c < JS_ARRAY_LEN(widths); c++)
        if (L < (size_t)(8 + widths[c].w))
            min = widths[c].lo; /* widest first: the last to fit is the least */
    return min;
}

int store_number_tails(const char *day, int64_t last, const char *tail,
                       int (*add)(void *ctx, const char *number), void *ctx)
{
    size_t L = strlen(tail);
    if (strlen(day) != 8 || L == 0 || L > 15 || strspn(tail, "0123456789") != L)
        return 0;
    for (size_t c = 0; c < JS_ARRAY_LEN(widths); c++) {
        int w = widths[c].w, rc = 0;
        int64_t lo = widths[c].lo, hi = last < widths[c].hi ? last : widths[c].hi, s, step = 1;
        char number[24];
        if (hi < lo || L >= (size_t)(8 + w))
            continue; /* as long as the number or longer: the number itself, looked up whole */
        if (L <= (size_t)w) {
            /* the sequences ending with the tail: v, v + 10^L, ... (highest first) */
            for (size_t i = 0; i < L; i++)
                step *= 10;
            int64_t v = strtoll(tail, NULL, 10);
            if (v > hi)
                continue;
            s = v + (hi - v) / step * step;
        } else {
            /* the tail reaches into the day: its last w digits are the sequence */
            if (memcmp(tail, day + 8 - (L - (size_t)w), L - (size_t)w) != 0)
                continue;
            s = strtoll(tail + (L - (size_t)w), NULL, 10);
            if (s > hi)
                continue;
            step = hi + 1; /* one sequence only */
        }
        for (; s >= lo && !rc; s -= step) {
            snprintf(number, sizeof number, "%.8s%0*lld", day, w, (long long)s);
            rc = add(ctx, number);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* Candidate numbers gathered for one backend.numbers call. */
struct tails {
    const struct store_search_backend *b;
    void *ctx;
    const struct search_query *sq;
    int64_t since_id;
    struct store_hits *h;
    struct buf list; /* a JSON array of numbers */
    int n;
};

/* Looks the gathered numbers up: 1 once h is full, 0 to go on, or a negative code. */
static int tails_flush(struct tails *t)
{
    int rc = 0;
    if (t->n) {
        rc = buf_puts(&t->list, "]")
                 ? -JS_ENOMEM
                 : t->b->numbers(t->ctx, t->sq, t->since_id, t->list.data, false, t->h);
        t->n = 0;
        buf_reset(&t->list);
    }
    return rc ? rc : t->h->n >= t->h->want;
}

static int tails_add(void *ctx, const char *number)
{
    enum { BATCH = 200 };
    struct tails *t = ctx;
    if (buf_printf(&t->list, "%s\"%s\"", t->n ? "," : "[", number))
        return -JS_ENOMEM;
    return ++t->n < BATCH ? 0 : tails_flush(t);
}

/* The orders whose number is key (exact), then those whose number ends with it, newest first:
 * the candidates of each day's sequence, newest day first, looked up in orders.number a batch at
 * a time; the walk stops at the page, and at the day of sq->since. */
static int numbers_run(const struct store_search_backend *b, void *ctx,
                       const struct search_query *sq, int64_t since_id, const char *key,
                       struct store_hits *h)
{
    enum { DAYS = 64 };
    char day[DAYS][9], before[9] = "", first[9] = "";
    int64_t last[DAYS];
    struct tails t = {b, ctx, sq, since_id, h, {0}, 0};
    struct buf one;
    buf_init(&one, 0);
    int rc = buf_printf(&one, "[\"%s\"]", key) ? -JS_ENOMEM : 0;
    if (!rc)
        rc = b->numbers(ctx, sq, since_id, one.data, true, h);
    buf_release(&one);
    if (sq->since) {
        int y, m, d;
        jtime_civil_from_days(jtime_local_day(sq->since), &y, &m, &d);
        snprintf(first, sizeof first, "%04u%02u%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
                 (unsigned)d % 100u);
    }
    /* a whole number's search reads no day: none holds a longer number ending with it, unless
     * the day's sequence reached six or seven digits */
    int64_t min_last = tail_min_last(strlen(key));
    buf_init(&t.list, 0);
    while (!rc && min_last && h->n < h->want) {
        int n = 0;
        if ((rc = b->days(ctx, before, min_last, DAYS, day, last, &n)) || n == 0)
            break;
        for (int i = 0; i < n && !rc; i++) {
            if (strcmp(day[i], first) < 0) {
                n = 0; /* days before the window: their orders are older */
                break;
            }
            rc = store_number_tails(day[i], last[i], key, tails_add, &t);
        }
        if (!rc)
            rc = tails_flush(&t); /* a chunk of days at a time: the newest may fill the page */
        if (rc || n < DAYS)
            break;
        memcpy(before, day[DAYS - 1], sizeof before);
    }
    if (rc >= 0)
        rc = tails_flush(&t);
    buf_release(&t.list);
    return rc < 0 ? rc : 0;
}

int store_search_run(const struct store_search_backend *b, void *ctx, const struct search_query *sq,
                     struct search_hit *out, int *n, bool *more)
{
    struct store_hits h = {0};
    int64_t since_id = 0;
    int rc = 0;
    *n = 0;
    *more = false;
    if (sq->limit < 1 || sq->limit > 500 || sq->offset < 0 || sq->offset > SEARCH_MAX_OFFSET)
        return -JS_EINVAL;
    h.want = sq->offset + sq->limit + 1;
    h.v = malloc((size_t)h.want * sizeof *h.v);
    if (!h.v)
        return -JS_ENOMEM;
    if (sq->since && ((rc = b->since_id(ctx, sq->since, &since_id)) || since_id == INT64_MAX))
        goto out; /* nothing that recent */
    const char *key = sq->key && sq->key[0] ? sq->key : NULL;
    char rev[160];
    if (key && (sq->kinds & SEARCH_BIT(SEARCH_NUMBER)) && strspn(key, "0123456789") == strlen(key))
        rc = numbers_run(b, ctx, sq, since_id, key, &h);
    if (!rc && key && (sq->kinds & SEARCH_BIT(SEARCH_UPSTREAM))) {
        store_upstream_key(key, rev, sizeof rev);
        rc = keys_run(b, ctx, sq, since_id, "u", rev, false, SEARCH_UPSTREAM, &h);
    }
    if (!rc && key && (sq->kinds & SEARCH_BIT(SEARCH_PHONE))) {
        char digits[40];
        if (searchtext_phone_digits(key, digits, sizeof digits) >= 4) {
            store_reverse(digits, rev, sizeof rev);
            rc = keys_run(b, ctx, sq, since_id, "p", rev, sq->phone_exact, SEARCH_PHONE, &h);
        }
    }
    if (!rc && sq->name && sq->name[0] && (sq->kinds & SEARCH_BIT(SEARCH_NAME))) {
        struct buf f;
        buf_init(&f, 128);
        rc = text_fold(sq->name, &f);
        if (!rc && f.len)
            rc = keys_run(b, ctx, sq, since_id, "c", f.data, false, SEARCH_NAME, &h);
        buf_release(&f);
    }
    if (!rc && sq->text && sq->text->n > 0 && (sq->kinds & SEARCH_BIT(SEARCH_TEXT)))
        rc = b->text(ctx, sq, since_id, &h);
    if (rc)
        goto out;
    for (int i = sq->offset; i < h.n && *n < sq->limit; i++)
        out[(*n)++] = h.v[i];
    *more = h.n > sq->offset + sq->limit;
out:
    free(h.v);
    return rc;
}
