/* Searching orders (see search.h): the query is read as every kind it could be, the store ranks
 * the kinds, and the orders are loaded for the caller. */
#include "compat.h"
#include "store/search.h"

#include <stdlib.h>
#include <string.h>

#include "text/fold.h"
#include "util/jfield.h"

#define QUERY_MAX_CHARS 200

static const char *const kind_names[SEARCH__COUNT] = {"number", "upstream", "phone", "name",
                                                      "text"};
static const char *const kind_labels[SEARCH__COUNT] = {"工单编号", "市级工单号", "来电号码",
                                                       "诉求人姓名", "内容"};

const char *search_kind_name(int kind)
{
    return kind >= 0 && kind < SEARCH__COUNT ? kind_names[kind] : "";
}

const char *search_kind_label(int kind)
{
    return kind >= 0 && kind < SEARCH__COUNT ? kind_labels[kind] : "";
}

void search_who_init(struct search_who *w, int role, int64_t unit_id)
{
    bool unit = role == ROLE_UNIT_OPERATOR || role == ROLE_UNIT_LEADER;
    w->role = role;
    w->unit_id = unit ? (unit_id ? unit_id : -1) : 0; /* a unit user without a unit sees none */
    w->citizens = !unit && role != ROLE_AUDITOR && role != ROLE_SYSTEM;
}

int search_audit(struct store *s, int64_t user_id, int64_t at, bool history, const char *q,
                 const struct search_result *r)
{
    struct audit_entry a;
    memset(&a, 0, sizeof a);
    a.user_id = user_id;
    a.at = at;
    snprintf(a.action, sizeof a.action, "%s", history ? "citizen_history" : "search_citizen");
    snprintf(a.detail, sizeof a.detail, "%s“%.300s”，命中%d件",
             history ? "来电历史" : "按诉求人查询", q ? q : "", history ? r->n : r->citizen_hits);
    int rc = s->ops->begin(s);
    if (rc)
        return rc;
    rc = s->ops->audit_append(s, &a);
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    return s->ops->commit(s);
}

void search_result_release(struct search_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        order_release(&r->orders[i]);
    free(r->orders);
    free(r->hits);
    memset(r, 0, sizeof *r);
}

json_t *search_synonyms(struct store *s)
{
    char *text = NULL;
    json_t *groups = NULL;
    if (s->ops->setting_get(s, SEARCH_SYNONYMS_KEY, &text) == 0 && text) {
        json_t *j = json_loads(text, 0, NULL);
        groups = json_incref(json_object_get(j, "groups"));
        json_decref(j);
        if (!json_is_array(groups)) {
            json_decref(groups);
            groups = NULL;
        }
    }
    free(text);
    return groups ? groups : searchtext_default_synonyms();
}

/* Runs sq and loads the orders of its hits into out. */
static int run(struct store *s, const struct search_query *sq, struct search_result *out)
{
    int rc = 0;
    out->hits = calloc((size_t)sq->limit, sizeof *out->hits);
    out->orders = calloc((size_t)sq->limit, sizeof *out->orders);
    if (!out->hits || !out->orders)
        return -JS_ENOMEM;
    int n = 0;
    rc = s->ops->order_search(s, sq, out->hits, &n, &out->more);
    for (int i = 0; i < n && !rc; i++) {
        rc = s->ops->order_get(s, out->hits[i].id, &out->orders[out->n]);
        if (rc == -JS_ENOTFOUND) { /* removed since it was indexed: cannot happen, skip */
            order_release(&out->orders[out->n]);
            rc = 0;
            continue;
        }
        out->hits[out->n] = out->hits[i];
        out->n++;
        int k = out->hits[i].kind;
        if (!rc && (k == SEARCH_PHONE || k == SEARCH_NAME))
            out->citizen_hits++;
    }
    return rc;
}

/* True when text is 1 to 4 CJK characters: it may be a name (or its surname). */
static bool name_like(const char *t)
{
    int n = 0;
    const char *p = t;
    while (*p) {
        uint32_t c = text_next_cp(&p);
        if (!(c >= 0x3400 && c <= 0x9FFF) && c != 0xB7)
            return false;
        n++;
    }
    return n >= 1 && n <= 4;
}

int search_orders(struct store *s, const struct search_who *who, const char *q,
                  const json_t *synonyms, int offset, int limit, struct search_result *out,
                  struct js_error *e)
{
    struct st_query text;
    memset(out, 0, sizeof *out);
    memset(&text, 0, sizeof text);
    char trimmed[4 * QUERY_MAX_CHARS + 1], key[4 * QUERY_MAX_CHARS + 1];
    size_t n = q ? utf8_len(q) : 0;
    if (!q || n == (size_t)-1)
        return js_fail(e, JS_EUTF8, "q", "查询内容不是有效的 UTF-8 文本");
    while (*q == ' ' || *q == '\t')
        q++;
    snprintf(trimmed, sizeof trimmed, "%s", q);
    size_t tl = strlen(trimmed);
    while (tl && (trimmed[tl - 1] == ' ' || trimmed[tl - 1] == '\t'))
        trimmed[--tl] = '\0';
    if (!tl)
        return js_fail(e, JS_EMISSING, "q", "请输入要查询的工单号、电话、姓名或关键词");
    if (n > QUERY_MAX_CHARS)
        return js_fail(e, JS_ETOOLONG, "q", "查询内容不能超过%d个字符", QUERY_MAX_CHARS);

    /* the key: the query without spaces, dashes and a leading +, when that is letters and
     * digits only */
    size_t k = 0;
    bool keyish = true;
    for (const char *p = trimmed; *p && keyish; p++) {
        if (*p == ' ' || *p == '-' || (*p == '+' && p == trimmed))
            continue;
        if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            key[k++] = *p;
        else
            keyish = false;
    }
    key[k] = '\0';
    bool digits = keyish && k >= 4 && strspn(key, "0123456789") == k;

    struct search_query sq = {.offset = offset, .limit = limit, .unit_id = who->unit_id};
    if (keyish && k >= 4) {
        sq.key = key;
        sq.kinds |= SEARCH_BIT(SEARCH_UPSTREAM);
        if (digits)
            sq.kinds |= SEARCH_BIT(SEARCH_NUMBER);
        if (digits && who->citizens) {
            sq.kinds |= SEARCH_BIT(SEARCH_PHONE);
            out->citizen_used = true;
        }
    }
    if (who->citizens && name_like(trimmed)) {
        sq.name = trimmed;
        sq.kinds |= SEARCH_BIT(SEARCH_NAME);
        out->citizen_used = true;
    }
    int rc = searchtext_query(trimmed, synonyms, &text);
    if (rc) {
        rc = js_fail(e, -rc, "q", "查询内容无法解析");
        goto out;
    }
    if (text.n > 0) {
        sq.text = &text;
        sq.kinds |= SEARCH_BIT(SEARCH_TEXT);
    }
    if (!sq.kinds)
        goto out; /* nothing searchable (only punctuation): no hits */
    rc = run(s, &sq, out);
    if (rc)
        js_fail(e, -rc, "q", "查询失败");
out:
    searchtext_query_release(&text);
    if (rc)
        search_result_release(out);
    return rc;
}

int search_history(struct store *s, const struct search_who *who, const char *phone, int limit,
                   struct search_result *out, struct js_error *e)
{
    char digits[40];
    memset(out, 0, sizeof *out);
    if (!who->citizens)
        return js_fail(e, JS_EFORBIDDEN, "phone", "该角色不能按诉求人查询");
    bool clean = phone && phone[0];
    for (const char *p = phone; clean && *p; p++)
        clean = (*p >= '0' && *p <= '9') || *p == ' ' || *p == '-' || (*p == '+' && p == phone);
    int nd = clean ? searchtext_phone_digits(phone, digits, sizeof digits) : 0;
    if (!clean || nd < 5 || nd > 20)
        return js_fail(e, JS_EINVAL, "phone", "电话号码须为5至20位数字");
    struct search_query sq = {.key = digits,
                              .kinds = SEARCH_BIT(SEARCH_PHONE),
                              .phone_exact = true,
                              .unit_id = who->unit_id,
                              .limit = limit};
    out->citizen_used = true;
    int rc = run(s, &sq, out);
    if (rc) {
        search_result_release(out);
        return js_fail(e, -rc, "phone", "查询失败");
    }
    return 0;
}
