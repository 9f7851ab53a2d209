/* The knowledge base's rules (status machine, who may do what, versioning, expiry and
 * reminders) and the service functions running them against a store. See core/kb.h. */
#include "compat.h"
#include "core/kb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "store/store.h"
#include "util/jfield.h"
#include "util/jtime.h"

#define JS_X_NAME(N, n, l)  n,
#define JS_X_LABEL(N, n, l) l,
const char *const kb_status_names[] = {JS_KB_STATUS_LIST(JS_X_NAME) NULL};
const char *const kb_status_labels[] = {JS_KB_STATUS_LIST(JS_X_LABEL) NULL};
#undef JS_X_NAME
#undef JS_X_LABEL

const int kb_remind_days[KB_N_REMIND] = {30, 7};
const char *const kb_action_names[] = {"submit", "approve", "reject", "withdraw", "expire", NULL};
const char *const kb_action_labels[] = {"提交审核", "审核通过", "退回修改",
                                        "撤回",     "到期失效", NULL};

void kb_entry_init(struct kb_entry *k)
{
    memset(k, 0, sizeof *k);
    k->status = KB_DRAFT;
}

void kb_entry_release(struct kb_entry *k)
{
    if (!k)
        return;
    free(k->question);
    free(k->answer);
    free(k->basis);
    free(k->note);
    kb_entry_init(k);
}

int kb_set_str(char **dst, const char *s)
{
    char *c = strdup(s ? s : "");
    if (!c)
        return -JS_ENOMEM;
    free(*dst);
    *dst = c;
    return 0;
}

/* Makes every string of k non-NULL. */
static int fill_strings(struct kb_entry *k)
{
    char **v[] = {&k->question, &k->answer, &k->basis, &k->note};
    for (size_t i = 0; i < JS_ARRAY_LEN(v); i++)
        if (!*v[i] && kb_set_str(v[i], ""))
            return -JS_ENOMEM;
    return 0;
}

int kb_entry_copy(struct kb_entry *dst, const struct kb_entry *src)
{
    *dst = *src;
    dst->question = dst->answer = dst->basis = dst->note = NULL;
    int rc = kb_set_str(&dst->question, src->question);
    if (!rc)
        rc = kb_set_str(&dst->answer, src->answer);
    if (!rc)
        rc = kb_set_str(&dst->basis, src->basis);
    if (!rc)
        rc = kb_set_str(&dst->note, src->note);
    if (rc)
        kb_entry_release(dst);
    return rc;
}

void kb_list_init(struct kb_list *l)
{
    l->v = NULL;
    l->n = l->cap = 0;
}

void kb_list_release(struct kb_list *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++)
        kb_entry_release(&l->v[i]);
    free(l->v);
    kb_list_init(l);
}

int kb_list_take(struct kb_list *l, struct kb_entry *k)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        struct kb_entry *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -JS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *k;
    memset(k, 0, sizeof *k);
    return 0;
}

/* Sets key to t as ISO text and key_cn to the Chinese form, or both null when t is 0. */
static void set_time(json_t *o, const char *key, int64_t t)
{
    char iso[40], cn[48], kcn[48];
    snprintf(kcn, sizeof kcn, "%s_cn", key);
    if (!t) {
        json_object_set_new(o, key, json_null());
        json_object_set_new(o, kcn, json_null());
        return;
    }
    jtime_format(t, iso, sizeof iso);
    jtime_format_cn(t, cn, sizeof cn);
    json_object_set_new(o, key, json_string(iso));
    json_object_set_new(o, kcn, json_string(cn));
}

json_t *kb_entry_json(const struct kb_entry *k)
{
    json_t *o = json_object(), *cats = json_array();
    if (!o || !cats) {
        json_decref(o);
        json_decref(cats);
        return NULL;
    }
    bool st_ok = k->status >= 0 && k->status < KB__COUNT;
    for (int i = 0; i < k->n_categories; i++)
        json_array_append_new(cats, json_integer(k->categories[i]));
    json_object_set_new(o, "id", json_integer(k->id));
    json_object_set_new(o, "entry_id", json_integer(k->entry_id));
    json_object_set_new(o, "version", json_integer(k->version));
    json_object_set_new(o, "status", json_string(st_ok ? kb_status_names[k->status] : ""));
    json_object_set_new(o, "status_label", json_string(st_ok ? kb_status_labels[k->status] : ""));
    json_object_set_new(o, "question", json_string(k->question ? k->question : ""));
    json_object_set_new(o, "answer", json_string(k->answer ? k->answer : ""));
    json_object_set_new(o, "basis", json_string(k->basis ? k->basis : ""));
    json_object_set_new(o, "unit_id", json_integer(k->unit_id));
    json_object_set_new(o, "categories", cats);
    set_time(o, "valid_from", k->valid_from);
    set_time(o, "valid_to", k->valid_to);
    json_object_set_new(o, "author_id", json_integer(k->author_id));
    set_time(o, "created_at", k->created_at);
    set_time(o, "updated_at", k->updated_at);
    set_time(o, "submitted_at", k->submitted_at);
    json_object_set_new(o, "reviewer_id",
                        k->reviewer_id ? json_integer(k->reviewer_id) : json_null());
    set_time(o, "reviewed_at", k->reviewed_at);
    json_object_set_new(o, "note", json_string(k->note ? k->note : ""));
    set_time(o, "published_at", k->published_at);
    set_time(o, "ended_at", k->ended_at);
    json_object_set_new(o, "uses", json_integer(k->uses));
    return o;
}

bool kb_citable(const struct kb_entry *k, int64_t now)
{
    return k->status == KB_PUBLISHED && k->valid_from <= now && (!k->valid_to || now < k->valid_to);
}

int kb_cite_check(const struct kb_entry *k, int64_t id, int64_t now, struct js_error *e)
{
    if (!k)
        return js_fail(e, JS_ENOTFOUND, "kb_entry", "知识库条目 kb_entry=%lld 不存在",
                       (long long)id);
    if (k->status != KB_PUBLISHED)
        return js_fail(e, JS_ESTATE, "kb_entry",
                       "知识库条目 kb_entry=%lld 状态为“%s”，只能引用已发布的条目", (long long)id,
                       kb_status_labels[k->status]);
    if (!kb_citable(k, now))
        return js_fail(e, JS_ESTATE, "kb_entry", "知识库条目 kb_entry=%lld 不在有效期内",
                       (long long)id);
    return 0;
}

/* ---- reading the fields ---------------------------------------------------------------- */

static const char *const editable[] = {"question", "answer",     "basis",    "categories",
                                       "unit_id",  "valid_from", "valid_to", NULL};

static int read_str(const json_t *in, const char *key, const char *label, bool required, size_t max,
                    char **dst, struct js_error *e)
{
    json_t *v = json_object_get(in, key);
    if (!v || json_is_null(v)) {
        if (required)
            return js_fail(e, JS_EMISSING, key, "缺少必填字段 %s（%s）", key, label);
        return 0;
    }
    if (!json_is_string(v))
        return js_fail(e, JS_ETYPE, key, "字段 %s（%s）应为文本", key, label);
    const char *s = json_string_value(v);
    size_t n = utf8_len(s);
    if (n == (size_t)-1)
        return js_fail(e, JS_EUTF8, key, "字段 %s（%s）不是有效的 UTF-8 文本", key, label);
    const char *p = s;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    if (required && !*p)
        return js_fail(e, JS_EMISSING, key, "必填字段 %s（%s）不能为空", key, label);
    if (n > max)
        return js_fail(e, JS_ETOOLONG, key, "字段 %s（%s）最多 %zu 个字符", key, label, max);
    return kb_set_str(dst, s) ? js_fail(e, JS_ENOMEM, key, "内存不足") : 0;
}

static int read_time(const json_t *in, const char *key, const char *label, int64_t *out,
                     struct js_error *e)
{
    json_t *v = json_object_get(in, key);
    if (!v)
        return 0;
    if (json_is_null(v) || (json_is_string(v) && !json_string_value(v)[0])) {
        *out = 0;
        return 0;
    }
    int64_t t;
    if (!json_is_string(v) || jtime_parse(json_string_value(v), &t))
        return js_fail(e, JS_EINVAL, key,
                       "字段 %s（%s）应为日期，如 2026-12-31 或 2026-12-31T18:00", key, label);
    *out = t;
    return 0;
}

int kb_read_fields(const json_t *in, bool create, struct kb_entry *k, struct js_error *e)
{
    int rc;
    if (!json_is_object(in))
        return js_fail(e, JS_ETYPE, "", "请求体应为 JSON 对象");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)in, key, v)
    {
        if (js_name_index(editable, key) < 0)
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "未知字段 '%s'", key);
    }
    if (!create && json_object_get(in, "unit_id"))
        return js_fail(e, JS_EINVAL, "unit_id", "条目的所属单位 unit_id 创建后不能更改");
    if ((rc = fill_strings(k)))
        return js_fail(e, rc, "", "内存不足");
    if ((rc = read_str(in, "question", "问题", create, KB_QUESTION_MAX, &k->question, e)) ||
        (rc = read_str(in, "answer", "答复口径", create, KB_ANSWER_MAX, &k->answer, e)) ||
        (rc = read_str(in, "basis", "政策依据", false, KB_BASIS_MAX, &k->basis, e)))
        return rc;
    if (!create) {
        /* an edit may not empty the required texts */
        if (json_object_get(in, "question") && !k->question[strspn(k->question, " \t\r\n")])
            return js_fail(e, JS_EMISSING, "question", "必填字段 question（问题）不能为空");
    }
    v = json_object_get(in, "unit_id");
    if (v && !json_is_null(v)) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0)
            return js_fail(e, JS_ETYPE, "unit_id", "字段 unit_id（所属单位）应为单位编号");
        k->unit_id = json_integer_value(v);
    }
    v = json_object_get(in, "categories");
    if (v && !json_is_null(v)) {
        size_t i;
        json_t *c;
        if (!json_is_array(v))
            return js_fail(e, JS_ETYPE, "categories", "字段 categories（分类）应为分类编号的数组");
        if (json_array_size(v) > KB_MAX_CATEGORIES)
            return js_fail(e, JS_ETOOLONG, "categories", "字段 categories（分类）最多 %d 项",
                           KB_MAX_CATEGORIES);
        int n = 0;
        json_array_foreach(v, i, c)
        {
            if (!json_is_integer(c) || json_integer_value(c) <= 0)
                return js_fail(e, JS_ETYPE, "categories", "字段 categories 第 %zu 项应为分类编号",
                               i + 1);
            int64_t id = json_integer_value(c);
            bool dup = false;
            for (int m = 0; m < n; m++)
                dup |= k->categories[m] == id;
            if (!dup)
                k->categories[n++] = id;
        }
        k->n_categories = n;
    }
    if ((rc = read_time(in, "valid_from", "生效日期", &k->valid_from, e)) ||
        (rc = read_time(in, "valid_to", "失效日期", &k->valid_to, e)))
        return rc;
    if (k->valid_to && k->valid_to <= k->valid_from)
        return js_fail(e, JS_EINVAL, "valid_to", "失效日期 valid_to 应晚于生效日期 valid_from");
    return 0;
}

/* ---- who may do what -------------------------------------------------------------------- */

static bool unit_role(int role)
{
    return role == ROLE_UNIT_OPERATOR || role == ROLE_UNIT_LEADER;
}

bool kb_is_reviewer(int role)
{
    return role == ROLE_SUPERVISOR || role == ROLE_ADMIN;
}

int kb_may_write(const struct actor *who, int64_t unit_id, struct js_error *e)
{
    if (!unit_role(who->role))
        return js_fail(e, JS_EFORBIDDEN, "", "知识库条目由承办单位的操作员或单位领导编写");
    if (who->unit_id != unit_id)
        return js_fail(e, JS_EFORBIDDEN, "unit_id", "只能编写本单位的知识库条目");
    return 0;
}

bool kb_may_read(const struct actor *who, const struct kb_entry *k)
{
    if (!unit_role(who->role))
        return true;
    /* versions once published were public: a citation on an order stays readable */
    return who->unit_id == k->unit_id || k->published_at > 0;
}

static int need_status(const struct kb_entry *k, unsigned allowed, const char *what,
                       struct js_error *e)
{
    if (allowed & KB_BIT(k->status))
        return 0;
    return js_fail(e, JS_ESTATE, "status", "条目当前为“%s”，不能%s", kb_status_labels[k->status],
                   what);
}

int kb_decide(const struct actor *who, int action, const char *note, int64_t now,
              struct kb_entry *k, struct kb_entry *prev, struct js_error *e)
{
    int rc;
    bool has_note = note && note[strspn(note, " \t\r\n")];
    if (note && utf8_len(note) > KB_NOTE_MAX)
        return js_fail(e, JS_ETOOLONG, "note", "字段 note（理由）最多 %d 个字符", KB_NOTE_MAX);
    switch (action) {
    case KBA_SUBMIT:
        if (who->role != ROLE_UNIT_LEADER || who->unit_id != k->unit_id)
            return js_fail(e, JS_EFORBIDDEN, "", "只有本单位的单位领导可以提交审核");
        if ((rc = need_status(k, KB_BIT(KB_DRAFT), "提交审核", e)))
            return rc;
        if (k->valid_to && k->valid_to <= now)
            return js_fail(e, JS_EINVAL, "valid_to", "失效日期 valid_to 已过，请修改后再提交");
        k->status = KB_UNDER_REVIEW;
        k->submitted_at = now;
        break;
    case KBA_APPROVE:
    case KBA_REJECT:
        if (!kb_is_reviewer(who->role))
            return js_fail(e, JS_EFORBIDDEN, "", "知识库条目由平台（督办员或管理员）审核");
        if ((rc = need_status(k, KB_BIT(KB_UNDER_REVIEW), "审核", e)))
            return rc;
        if (action == KBA_REJECT) {
            if (!has_note)
                return js_fail(e, JS_EMISSING, "note", "退回修改须填写理由 note");
            k->status = KB_DRAFT;
        } else {
            if (k->valid_to && k->valid_to <= now)
                return js_fail(e, JS_EINVAL, "valid_to",
                               "失效日期 valid_to 已过，不能发布，请退回单位修改");
            k->status = KB_PUBLISHED;
            k->published_at = now;
            k->ended_at = 0;
            k->reminded = 0;
            if (prev && prev->status == KB_PUBLISHED && prev->id != k->id) {
                prev->status = KB_SUPERSEDED;
                prev->ended_at = now;
            }
        }
        k->reviewer_id = who->user_id;
        k->reviewed_at = now;
        break;
    case KBA_WITHDRAW:
        if (!kb_is_reviewer(who->role) &&
            !(who->role == ROLE_UNIT_LEADER && who->unit_id == k->unit_id))
            return js_fail(e, JS_EFORBIDDEN, "", "只有本单位的单位领导或平台可以撤回条目");
        if ((rc = need_status(k, KB_BIT(KB_PUBLISHED), "撤回", e)))
            return rc;
        if (!has_note)
            return js_fail(e, JS_EMISSING, "note", "撤回须填写理由 note");
        k->status = KB_WITHDRAWN;
        k->ended_at = now;
        break;
    case KBA_EXPIRE:
        if (!kb_is_reviewer(who->role) && who->role != ROLE_SYSTEM)
            return js_fail(e, JS_EFORBIDDEN, "", "只有平台可以使条目失效");
        if ((rc = need_status(k, KB_BIT(KB_PUBLISHED), "设为过期", e)))
            return rc;
        k->status = KB_EXPIRED;
        k->ended_at = now;
        if (k->valid_to == 0 || k->valid_to > now)
            k->valid_to = now;
        break;
    default:
        return js_fail(e, JS_EINVAL, "action", "未知的知识库操作");
    }
    if (has_note && kb_set_str(&k->note, note))
        return js_fail(e, JS_ENOMEM, "", "内存不足");
    k->updated_at = now;
    return 0;
}

int kb_edit_mode(const struct kb_entry *k, int64_t open_id, struct js_error *e)
{
    switch (k->status) {
    case KB_DRAFT:
        return 0;
    case KB_UNDER_REVIEW:
        return js_fail(e, JS_ESTATE, "status", "条目正在审核中，不能修改；请等待审核结果");
    case KB_SUPERSEDED:
        return js_fail(e, JS_ESTATE, "status", "这是已被取代的旧版本，请修改最新版本");
    default:
        if (open_id)
            return js_fail(e, JS_ESTATE, "status",
                           "该条目已有未发布的新版本（编号 %lld），请修改该版本",
                           (long long)open_id);
        return 1;
    }
}

int kb_due(const struct kb_entry *k, int64_t now, int *remind, unsigned *mark)
{
    *remind = -1;
    *mark = 0;
    if (k->status != KB_PUBLISHED || !k->valid_to)
        return -1;
    if (k->valid_to <= now)
        return 1;
    for (int i = KB_N_REMIND - 1; i >= 0; i--) {
        if (k->valid_to - now > (int64_t)kb_remind_days[i] * JT_DAY)
            continue;
        /* the smallest threshold reached: it and every larger one are done */
        if (k->reminded & (1u << i))
            return -1;
        for (int m = 0; m <= i; m++)
            *mark |= 1u << m;
        *remind = i;
        return 0;
    }
    return -1;
}

int kb_reminder_plan(const struct kb_entry *k, const struct unit *u, int days, int64_t now,
                     struct outbox_list *out)
{
    char q[64 * 4], to[48];
    size_t n = 0, chars = 0;
    const char *p = k->question;
    while (p[n] && chars < 30) { /* the first 30 characters of the question */
        unsigned char c = (unsigned char)p[n];
        n += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        chars++;
    }
    snprintf(q, sizeof q, "%.*s%s", (int)n, p, p[n] ? "…" : "");
    jtime_format_cn(k->valid_to, to, sizeof to);
    static const int tiers[] = {CONTACT_LEADER, CONTACT_OPERATOR};
    for (size_t t = 0; t < JS_ARRAY_LEN(tiers); t++) {
        const struct contact *ct = &u->contacts[tiers[t]];
        if (!ct->phone[0] && !ct->email[0])
            continue;
        struct outbox_msg m;
        memset(&m, 0, sizeof m);
        m.kind = OBK_KB_EXPIRY;
        m.state = OBS_PENDING;
        m.unit_id = u->id;
        snprintf(m.to_role, sizeof m.to_role, "%s", js_outbox_role_names[tiers[t] + 1]);
        snprintf(m.to_name, sizeof m.to_name, "%s", ct->name);
        snprintf(m.to_phone, sizeof m.to_phone, "%s", ct->phone);
        snprintf(m.to_email, sizeof m.to_email, "%s", ct->email);
        snprintf(m.text, sizeof m.text,
                 "【12345热线知识库】%s：贵单位知识库条目“%s”（第%d版）将于%s失效，距今不足%d天。"
                 "请及时核实更新并提交审核，逾期未更新的条目将自动下线。",
                 u->name, q, k->version, to, days);
        m.created_at = m.next_at = now;
        int rc = outbox_list_push(out, &m);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- service --------------------------------------------------------------------------- */

/* Checks that every category of k exists. */
static int check_categories(struct store *s, const struct kb_entry *k, struct js_error *e)
{
    for (int i = 0; i < k->n_categories; i++) {
        struct category c;
        int rc = s->ops->category_get(s, k->categories[i], &c);
        if (rc == -JS_ENOTFOUND)
            return js_fail(e, JS_EINVAL, "categories", "分类 %lld 不存在",
                           (long long)k->categories[i]);
        if (rc)
            return js_fail(e, rc, "", "无法读取分类");
    }
    return 0;
}

/* Commits, or rolls back when rc is an error; returns rc or the commit's error. */
static int finish(struct store *s, int rc, struct js_error *e)
{
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    rc = s->ops->commit(s);
    return rc ? js_fail(e, rc, "", "无法提交事务") : 0;
}

int kb_create(struct store *s, const struct actor *who, const json_t *in, int64_t now,
              struct kb_entry *out, struct js_error *e)
{
    kb_entry_init(out);
    int rc = kb_read_fields(in, true, out, e);
    if (rc)
        return rc;
    if (!out->unit_id)
        out->unit_id = who->unit_id;
    if ((rc = kb_may_write(who, out->unit_id, e)))
        return rc;
    if (!out->valid_from)
        out->valid_from = now;
    if (out->valid_to && out->valid_to <= out->valid_from)
        return js_fail(e, JS_EINVAL, "valid_to", "失效日期 valid_to 应晚于生效日期 valid_from");
    out->version = 1;
    out->author_id = who->user_id;
    out->created_at = out->updated_at = now;
    if ((rc = s->ops->begin(s)))
        return js_fail(e, rc, "", "无法开始事务");
    rc = check_categories(s, out, e);
    if (!rc && (rc = s->ops->kb_put(s, out)))
        js_fail(e, rc, "", "无法保存知识库条目");
    return finish(s, rc, e);
}

/* The entry's open version (draft or under review) other than skip, and its published one. */
static int entry_state(struct store *s, int64_t entry_id, int64_t skip, int64_t *open_id,
                       struct kb_entry *published, bool *has_published)
{
    struct kb_list l;
    kb_list_init(&l);
    struct kb_query q = {.entry_id = entry_id, .limit = 500};
    bool more;
    int rc = s->ops->kb_list(s, &q, &l, &more);
    *open_id = 0;
    *has_published = false;
    for (int i = 0; !rc && i < l.n; i++) {
        struct kb_entry *v = &l.v[i];
        if (v->id != skip && (v->status == KB_DRAFT || v->status == KB_UNDER_REVIEW))
            *open_id = v->id;
        if (v->status == KB_PUBLISHED && published && !*has_published) {
            rc = kb_entry_copy(published, v);
            *has_published = !rc;
        }
    }
    kb_list_release(&l);
    return rc;
}

int kb_edit(struct store *s, const struct actor *who, int64_t id, const json_t *in, int64_t now,
            struct kb_entry *out, struct js_error *e)
{
    struct kb_entry cur;
    kb_entry_init(&cur);
    kb_entry_init(out);
    int rc = s->ops->begin(s);
    if (rc)
        return js_fail(e, rc, "", "无法开始事务");
    rc = s->ops->kb_get(s, id, &cur);
    if (rc) {
        js_fail(e, rc, "id", rc == -JS_ENOTFOUND ? "知识库条目不存在" : "无法读取知识库条目");
        goto out;
    }
    if (!kb_may_read(who, &cur)) {
        rc = js_fail(e, JS_ENOTFOUND, "id", "知识库条目不存在");
        goto out;
    }
    if ((rc = kb_may_write(who, cur.unit_id, e)))
        goto out;
    int64_t open_id;
    bool has_pub;
    if ((rc = entry_state(s, cur.entry_id, cur.id, &open_id, NULL, &has_pub)))
        goto out;
    int mode = kb_edit_mode(&cur, open_id, e);
    if (mode < 0) {
        rc = mode;
        goto out;
    }
    if ((rc = kb_entry_copy(out, &cur)))
        goto out;
    if ((rc = kb_read_fields(in, false, out, e)))
        goto out;
    if ((rc = check_categories(s, out, e)))
        goto out;
    if (mode == 1) { /* a new version of the entry */
        struct kb_list l;
        kb_list_init(&l);
        struct kb_query q = {.entry_id = cur.entry_id, .limit = 500};
        bool more;
        int top = 0;
        rc = s->ops->kb_list(s, &q, &l, &more);
        for (int i = 0; i < l.n; i++)
            top = l.v[i].version > top ? l.v[i].version : top;
        kb_list_release(&l);
        if (rc)
            goto out;
        out->id = 0;
        out->version = top + 1;
        out->status = KB_DRAFT;
        out->created_at = now;
        out->submitted_at = out->reviewer_id = out->reviewed_at = 0;
        out->published_at = out->ended_at = out->uses = 0;
        out->reminded = 0;
        if ((rc = kb_set_str(&out->note, "")))
            goto out;
        if (cur.status != KB_PUBLISHED && out->valid_from < now &&
            json_object_get(in, "valid_from") == NULL)
            out->valid_from = now; /* renewing an expired entry starts afresh */
    }
    out->author_id = who->user_id;
    out->updated_at = now;
    if (out->valid_to && out->valid_to <= out->valid_from) {
        rc = js_fail(e, JS_EINVAL, "valid_to", "失效日期 valid_to 应晚于生效日期 valid_from");
        goto out;
    }
    if ((rc = s->ops->kb_put(s, out)))
        js_fail(e, rc, "", "无法保存知识库条目");
out:
    kb_entry_release(&cur);
    return finish(s, rc, e);
}

int kb_act(struct store *s, const struct actor *who, int64_t id, int action, const char *note,
           int64_t now, struct kb_entry *out, struct js_error *e)
{
    struct kb_entry k, prev;
    kb_entry_init(&k);
    kb_entry_init(&prev);
    bool has_prev = false;
    int rc = s->ops->begin(s);
    if (rc)
        return js_fail(e, rc, "", "无法开始事务");
    rc = s->ops->kb_get(s, id, &k);
    if (rc) {
        js_fail(e, rc, "id", rc == -JS_ENOTFOUND ? "知识库条目不存在" : "无法读取知识库条目");
        goto out;
    }
    if (!kb_may_read(who, &k)) {
        rc = js_fail(e, JS_ENOTFOUND, "id", "知识库条目不存在");
        goto out;
    }
    int64_t open_id;
    if ((rc = entry_state(s, k.entry_id, k.id, &open_id, &prev, &has_prev)))
        goto out;
    if ((rc = kb_decide(who, action, note, now, &k, has_prev ? &prev : NULL, e)))
        goto out;
    if (has_prev && prev.status == KB_SUPERSEDED && (rc = s->ops->kb_put(s, &prev))) {
        js_fail(e, rc, "", "无法保存知识库条目");
        goto out;
    }
    if ((rc = s->ops->kb_put(s, &k))) {
        js_fail(e, rc, "", "无法保存知识库条目");
        goto out;
    }
    if (out) {
        *out = k;
        kb_entry_init(&k);
    }
out:
    kb_entry_release(&k);
    kb_entry_release(&prev);
    return finish(s, rc, e);
}

/* The expiry rules for one published version k at now, in their own transaction: *gone is set
 * when it expired (it leaves the list of published versions). */
static int tick_one(struct store *s, struct kb_entry *k, int64_t now, int *n_exp, int *n_rem,
                    bool *gone, struct js_error *e)
{
    int remind;
    unsigned mark;
    int due = kb_due(k, now, &remind, &mark);
    *gone = false;
    if (due < 0 && remind < 0)
        return 0;
    struct outbox_list msgs;
    outbox_list_init(&msgs);
    int rc = s->ops->begin(s);
    if (rc)
        return js_fail(e, rc, "", "无法开始事务");
    if (due == 1) {
        struct actor sys = {.role = ROLE_SYSTEM};
        rc = kb_decide(&sys, KBA_EXPIRE, NULL, now, k, NULL, e);
    } else {
        struct unit u;
        rc = s->ops->unit_get(s, k->unit_id, &u);
        if (!rc)
            rc = kb_reminder_plan(k, &u, kb_remind_days[remind], now, &msgs);
        for (int m = 0; !rc && m < msgs.n && s->ops->outbox_put; m++)
            rc = s->ops->outbox_put(s, &msgs.v[m]);
        k->reminded |= mark;
    }
    if (!rc)
        rc = s->ops->kb_put(s, k);
    if (rc && e && !e->code)
        js_fail(e, rc, "", "无法处理知识库条目到期");
    outbox_list_release(&msgs);
    rc = finish(s, rc, e);
    if (!rc) {
        *gone = due == 1;
        *(due == 1 ? n_exp : n_rem) += 1;
    }
    return rc;
}

int kb_tick(struct store *s, int64_t now, int *expired, int *reminded, struct js_error *e)
{
    struct kb_list l;
    kb_list_init(&l);
    int n_exp = 0, n_rem = 0, rc = 0;
    /* published versions whose end or a reminder threshold is reached, a page at a time; the
     * expired ones leave the list, the others are skipped on the next page */
    struct kb_query q = {.statuses = KB_BIT(KB_PUBLISHED),
                         .expires_before = now + (int64_t)kb_remind_days[0] * JT_DAY + 1,
                         .limit = 200};
    for (bool more = true; more && !rc;) {
        kb_list_release(&l);
        if ((rc = s->ops->kb_list(s, &q, &l, &more))) {
            js_fail(e, rc, "", "无法读取知识库条目");
            break;
        }
        for (int i = 0; i < l.n && !rc; i++) {
            bool gone;
            rc = tick_one(s, &l.v[i], now, &n_exp, &n_rem, &gone, e);
            q.offset += !gone;
        }
    }
    kb_list_release(&l);
    if (expired)
        *expired = n_exp;
    if (reminded)
        *reminded = n_rem;
    return rc;
}
