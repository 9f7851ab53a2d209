/* The "decide" half of the order lifecycle (SPEC §3): checks an action against the role matrix,
 * the order's state, its input and the policy, then emits the events that carry it out.
 *
 * Every change goes through begin()/emit(): copy the live order, change the copy in plain C,
 * and turn the difference into an event {"args": validated input, "set": changed fields} that is
 * applied to the live order with order_evolve. Times inside "args" are ISO-8601 strings
 * (Asia/Shanghai), like the input. A policy number of 0 means "no limit" (return window, sign
 * limit, extension cap, coordination threshold, callback tries). */
#include "compat.h"
#include "core/lifecycle.h"
#include "core/calendar.h"
#include "core/deadline.h"
#include "util/jfield.h"
#include "util/jtime.h"
#include "util/url.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- role matrix and field lists ---------------------------------------------------------- */

#define A(x) (UINT64_C(1) << ACT_##x)
#define UNIT_ACTIONS                                                                               \
    (A(SIGN) | A(RETURN) | A(CONTACT) | A(EXTENSION_REQUEST) | A(HANG_REQUEST) |                   \
     A(HANG_PROGRESS) | A(HANG_LIFT) | A(REPLY) | A(SUPERVISE_ANSWER) | A(ASSIST_REPORT) |         \
     A(PREINV_REPORT))
/* 派单前会商 and 指定预先调查 (001 §二(一)): the centre's dispatchers and supervisors */
#define CONSULT_ACTIONS (A(CONSULT) | A(CONSULT_RESULT) | A(PREINVESTIGATE))
#define INTAKE_ACTIONS  (A(INTAKE) | A(VERIFY) | A(FILE) | A(NOT_FILE) | A(TRANSFER) | A(ANSWER))

static const uint64_t role_actions[ROLE__COUNT] = {
    [ROLE_AGENT] = INTAKE_ACTIONS,
    [ROLE_DISPATCHER] = INTAKE_ACTIONS | A(DISPATCH) | A(MERGE) | A(SPLIT) | A(RETURN_APPROVE) |
                        A(RETURN_REJECT) | A(EXTENSION_DECIDE) | A(HANG_DECIDE) | A(HANG_LIFT) |
                        A(REVIEW) | A(CALLBACK) | A(REOPEN) | A(CLOSE) | A(ARCHIVE) | A(URGE) |
                        A(CONTACT) | /* only to relay for a complained-about unit */
                        CONSULT_ACTIONS,
    [ROLE_REVIEWER] = A(REVIEW) | A(CLOSE),
    [ROLE_CALLBACK] = A(CALLBACK) | A(REOPEN) | A(CLOSE),
    [ROLE_SUPERVISOR] = A(URGE) | A(SUPERVISE) | A(FORCE_CLOSE) | A(HANG_DECIDE) | A(INSTRUCT) |
                        A(WARN) | A(SPECIAL_REPORT) | CONSULT_ACTIONS,
    [ROLE_ADMIN] = A(ARCHIVE),
    [ROLE_AUDITOR] = 0,
    [ROLE_LEADER] = A(INSTRUCT),
    [ROLE_UNIT_OPERATOR] = UNIT_ACTIONS,
    /* the written report on a leader's instruction is signed by the unit's leader (003 art. 13(2))
     */
    [ROLE_UNIT_LEADER] = UNIT_ACTIONS | A(SIGN_APPROVAL) | A(INSTRUCT_REPORT),
    /* callback, supplement: the citizen's own rating and additions on the self-service page
     * (issue 15), as the system */
    [ROLE_SYSTEM] = A(INTAKE) | A(URGE) | A(SUPERVISE) | A(FORCE_CLOSE) | A(WARN) |
                    A(MARK_OVERDUE) | A(SPECIAL_REPORT) | A(CALLBACK) | A(SUPPLEMENT) |
                    A(REOPEN), /* only 市级重办 relayed from the city (core/upstream.h) */
};

bool lifecycle_role_allows(int role, int action)
{
    if (role < 0 || role >= ROLE__COUNT || action < 0 || action >= ACT__COUNT ||
        action == ACT_MERGED_INTO)
        return false;
    return (role_actions[role] & (UINT64_C(1) << action)) != 0;
}

/* The closed lists some actions take (the table below and the actions read them). */
static const char *const transfer_to[] = {"110", "119", "120", NULL};
static const char *const contact_methods[] = {"phone", "visit", "sms", "other", NULL};
/* The closure standards of 002 art. 17: by the clock (on time, overdue, interim) and by the
 * order's type (consultation, suggestion, complaint). The review derives both; a typed one must
 * agree. */
static const char *const review_standards[] = {"on_time",    "overdue",   "interim", "consultation",
                                               "suggestion", "complaint", NULL};
static const char *const review_standard_labels[] = {"按期办结",   "超期办结",   "阶段性办结",
                                                     "咨询类结案", "建议类结案", "投诉类结案"};
enum { STD_ON_TIME, STD_OVERDUE, STD_INTERIM, STD_CONSULT, STD_SUGGEST, STD_COMPLAINT };
/* 不予结案 (002 art. 17): what the reply lacks, after the seed's 诉求解答、问题处置、流程闭环. */
static const char *const not_closed_reasons[] = {"unanswered",   "unhandled", "loop_open",
                                                 "off_standard", "other",     NULL};
static const char *const reopen_levels[] = {"district", "upstream", NULL};
/* reopen/duplicate/rework: the chasing rules; petition, other; and the four kinds of 002 art. 23
 * (safety 安全隐患, frequent 高频, hot 热点, sensitive 敏感) for a person's warning on one order
 * (the topic warnings over many orders are core/hotspot.h's) */
static const char *const warn_kinds[] = {"reopen", "duplicate", "rework", "petition",  "other",
                                         "safety", "frequent",  "hot",    "sensitive", NULL};
static const char *const warn_levels[] = {"hint", "warning", NULL};

const char *const lc_type_names[] = {
#define LC_X_NAME(N, n) n,
    LC_TYPE_LIST(LC_X_NAME)
#undef LC_X_NAME
        NULL};

/* One field: F(name, TYPE, Chinese label, more designated initialisers). */
#define F(n, t, l, ...)                                                                            \
    {                                                                                              \
        .name = (n), .type = LCT_##t, .label = (l), __VA_ARGS__                                    \
    }
#define REQ                .required = true
#define STR(n, l, mx, ...) F(n, STRING, l, .max = (mx), __VA_ARGS__)
#define ENUM(n, l, v, ...) F(n, STRING, l, .values = (v), __VA_ARGS__)
#define ID(n, l, ...)      F(n, ID, l, .ranged = true, .lo = 1, .hi = 9007199254740992.0, __VA_ARGS__)
#define BOOL(n, l, ...)    F(n, BOOLEAN, l, __VA_ARGS__)
#define TIME(n, l, ...)    F(n, DATETIME, l, __VA_ARGS__)
#define IDS(n, l, mx, ...) F(n, ARRAY, l, .max = (mx), .items = LCT_ID, __VA_ARGS__)
#define COUNT              F("count", INTEGER, "次数", .ranged = true, .lo = 0, .hi = 100000, .example = "3")
#define NOTE               STR("note", "备注", JS_MAX_NOTE, .example = "已处理")
#define REASON_L(l, ...)   STR("reason", l, JS_MAX_NOTE, .example = "群众反映属实", __VA_ARGS__)
#define REASON(...)        REASON_L("理由", __VA_ARGS__)
#define KIND               STR("kind", "时限类型", 32, .example = "sign")
#define DUE                TIME("due", "时限到期时间", .example = "2030-01-01T09:00:00+08:00")
#define ATTACHMENTS                                                                                \
    F("attachments", ARRAY, "附件（{name, url, kind} 列表）", .max = 20, .items = LCT_OBJECT,      \
      .example = "[{\"name\":\"现场.jpg\",\"url\":\"/api/v1/files/1\"}]")
#define END                                                                                        \
    {                                                                                              \
        .name = NULL                                                                               \
    }
#define FIELDS(...) ((const struct lc_field[]){__VA_ARGS__, END})

static const struct lc_field no_fields[] = {END};

static const struct lc_field *const action_fields[ACT__COUNT] = {
    [ACT_INTAKE] = FIELDS(
        STR("channel", "渠道（a-z、0-9 和 -）", 23, REQ, .example = "hotline-12345"),
        ENUM("type", "诉求类型", js_type_names, REQ, .example = "complaint"),
        STR("title", "标题", JS_MAX_TITLE, REQ, .example = "小区夜间施工噪音扰民"),
        STR("text", "诉求内容", JS_MAX_TEXT, REQ, .example = "工地每晚11点后仍在施工"),
        STR("citizen_name", "来电人姓名", JS_MAX_SHORT, .example = "张三"),
        STR("citizen_phone", "来电人电话", 32, .example = "13812341111"),
        BOOL("anonymous", "匿名", .example = "false"),
        BOOL("wants_callback", "需要回访", .example = "true"),
        BOOL("needs_contact", "需联系诉求人（承办单位可见联系方式）", .example = "false"),
        ID("category_id", "分类", .example = "1"), ID("region_id", "区域", .example = "1"),
        ENUM("level", "紧急程度", js_level_names, .example = "general"),
        ENUM("tier", "办理时限档", js_tier_names, .example = "none"),
        STR("address", "地址", JS_MAX_ADDRESS, .example = "多福巷12号"),
        F("lat", NUMBER, "纬度", .ranged = true, .lo = -90, .hi = 90, .example = "39.93"),
        F("lon", NUMBER, "经度", .ranged = true, .lo = -180, .hi = 180, .example = "116.41"),
        BOOL("enterprise", "涉企诉求", .example = "false"),
        ID("about_unit_id", "被投诉单位（其用户不得知悉诉求人身份）", .example = "2"),
        STR("upstream_id", "上级平台工单号", 63, .example = "BJ12345-2026-000001"),
        TIME("upstream_deadline", "上级平台办理时限", .example = "2030-01-01T18:00:00+08:00"),
        ATTACHMENTS),
    [ACT_VERIFY] = FIELDS(NOTE),
    [ACT_FILE] =
        FIELDS(ID("category_id", "分类", .example = "1"), ID("region_id", "区域", .example = "1"),
               ENUM("level", "紧急程度", js_level_names, .example = "general"),
               ENUM("tier", "办理时限档", js_tier_names, .example = "none"),
               STR("address", "地址", JS_MAX_ADDRESS, .example = "多福巷12号"),
               ID("about_unit_id", "被投诉单位（其用户不得知悉诉求人身份）", .example = "2"), NOTE),
    [ACT_NOT_FILE] =
        FIELDS(ENUM("reason", "不予受理原因", js_notfiled_names, REQ, .example = "no_demand"),
               STR("explanation", "说明", JS_MAX_NOTE, REQ, .example = "来电未提出具体诉求"),
               ID("duplicate_of", "重复的工单（原因为 duplicate 时必填）", .example = "1")),
    [ACT_TRANSFER] = FIELDS(
        STR("to", "转至（110、119、120）", 3, REQ, .values = transfer_to, .example = "110"), NOTE),
    [ACT_ANSWER] = FIELDS(STR("answer", "答复内容", JS_MAX_TEXT, REQ, .example = "已告知办理流程"),
                          ID("kb_entry", "知识库条目", .example = "1")),
    [ACT_DISPATCH] =
        FIELDS(ID("unit_id", "主办单位", REQ, .example = "1"),
               IDS("assist_units", "协办单位", 8, .example = "[2]"),
               ID("dual_unit_id", "双派单位", .example = "2"),
               TIME("deadline", "办理时限（须晚于现在）", .example = "2030-01-01T18:00:00+08:00"),
               ENUM("tier", "办理时限档", js_tier_names, .example = "none"), NOTE),
    [ACT_MERGE] = FIELDS(IDS("orders", "并入本单的工单", 16, REQ, .example = "[2]"), NOTE),
    [ACT_MERGED_INTO] = no_fields,
    [ACT_SPLIT] = FIELDS(
        F("children", ARRAY,
          "拆分出的工单（{title, text, address, category_id, region_id}，2 至 10 个）", REQ,
          .max = 10, .items = LCT_OBJECT,
          .example =
              "[{\"title\":\"甲\",\"text\":\"甲事项\"},{\"title\":\"乙\",\"text\":\"乙事项\"}]"),
        NOTE),
    [ACT_SIGN] = FIELDS(NOTE),
    [ACT_RETURN] =
        FIELDS(REASON(REQ),
               STR("legal_basis", "法律政策依据（政策要求时必填）", JS_MAX_NOTE,
                   .example = "《条例》第八条"),
               F("attachment", OBJECT,
                 "附件 {name, url, kind}（再次退单时为主管领导签署意见的说明，由单位领导提交）",
                 .example = "{\"name\":\"退单说明.pdf\",\"url\":\"/api/v1/files/1\"}")),
    [ACT_RETURN_APPROVE] = FIELDS(ID("unit_id", "退单单位", .example = "1"), NOTE),
    [ACT_RETURN_REJECT] = FIELDS(ID("unit_id", "退单单位", .example = "1"), REASON(REQ),
                                 BOOL("unjustified", "无理退单", .example = "false"),
                                 IDS("assist_units", "增派协办单位", 8, .example = "[2]")),
    [ACT_SIGN_APPROVAL] = FIELDS(
        STR("handler", "承办人（签批后转交办理的人员）", JS_MAX_SHORT, REQ, .example = "李科长"),
        NOTE),
    [ACT_CONTACT] = FIELDS(ENUM("method", "联系方式", contact_methods, REQ, .example = "phone"),
                           STR("result", "联系结果", JS_MAX_NOTE, REQ, .example = "已电话沟通")),
    [ACT_EXTENSION_REQUEST] =
        FIELDS(TIME("until", "延期至", REQ, .example = "2030-01-01T18:00:00+08:00"), REASON(REQ)),
    [ACT_EXTENSION_DECIDE] =
        FIELDS(BOOL("approve", "同意", REQ, .example = "true"),
               TIME("until", "延期至（可改）", .example = "2030-01-01T18:00:00+08:00"),
               REASON_L("理由（不同意时必填）", )),
    [ACT_HANG_REQUEST] =
        FIELDS(STR("scope", "挂账范围", JS_MAX_NOTE, REQ, .example = "老旧小区改造"),
               STR("plan", "解决计划", JS_MAX_NOTE, REQ, .example = "纳入明年计划"),
               TIME("expected", "计划解决时间（须晚于现在）", REQ,
                    .example = "2030-06-30T18:00:00+08:00")),
    [ACT_HANG_DECIDE] = FIELDS(BOOL("approve", "同意", REQ, .example = "true"), REASON()),
    [ACT_HANG_PROGRESS] =
        FIELDS(STR("progress", "进展", JS_MAX_NOTE, REQ, .example = "已完成立项")),
    [ACT_HANG_LIFT] = FIELDS(
        STR("result", "销账结果（问题解决情况）", JS_MAX_NOTE, REQ, .example = "改造完成"), NOTE),
    [ACT_REPLY] = FIELDS(
        STR("result", "办理结果", JS_MAX_TEXT, REQ, .example = "已责令工地夜间停工"),
        ENUM("closure", "办结类型", js_closure_names, REQ, .example = "resolved"),
        STR("responsible", "责任人（牵头负责人）", JS_MAX_SHORT, REQ, .example = "王主任"),
        STR("handler", "承办人（具体办理人员；须签批时必填）", JS_MAX_SHORT, .example = "李科长"),
        ATTACHMENTS),
    [ACT_REVIEW] =
        FIELDS(BOOL("pass", "通过", REQ, .example = "true"), REASON_L("理由（不通过时必填）", ),
               ENUM("not_closed_reason",
                    "不予结案情形（不通过时必填：unanswered 诉求未解答、unhandled 问题未处置、"
                    "loop_open 流程未闭环、off_standard 不符合结案标准、other 其他）",
                    not_closed_reasons, .example = "unhandled"),
               ENUM("standard", "结案标准（由系统按时限和诉求类型得出；填写时须与之一致）",
                    review_standards, .example = "on_time")),
    [ACT_CALLBACK] =
        FIELDS(BOOL("unreachable", "联系不上", .example = "false"),
               BOOL("contacted", "承办单位联系过诉求人（联系上时必填）", .example = "true"),
               BOOL("solved", "问题已解决（联系上时必填）", .example = "true"),
               ENUM("satisfaction", "对办理结果的满意度（联系上时必填）", js_satisfaction_names,
                    .example = "satisfied"),
               ENUM("process_satisfaction",
                    "对服务过程的满意度（联系、沟通、反馈；不满意的视为未响应，临沭考核办法"
                    "三(一)2(1)）",
                    js_satisfaction_names, .example = "satisfied"),
               NOTE),
    [ACT_REOPEN] =
        FIELDS(ENUM("level", "重办层级", reopen_levels, .example = "district"), REASON(REQ),
               TIME("upstream_deadline", "市级重办的新市级办理时限（仅 level 为 upstream 时）",
                    .example = "2030-01-01T18:00:00+08:00")),
    [ACT_CLOSE] = FIELDS(REASON_L("理由（回访不满意或未解决时必填）", )),
    [ACT_ARCHIVE] = FIELDS(NOTE),
    [ACT_URGE] = FIELDS(NOTE, KIND,
                        F("share", NUMBER, "时限已用比例", .ranged = true, .lo_open = true, .lo = 0,
                          .hi = 1, .example = "0.8"),
                        DUE),
    [ACT_SUPERVISE] = FIELDS(REASON(REQ), KIND, DUE, COUNT),
    [ACT_SUPERVISE_ANSWER] =
        FIELDS(STR("answer", "督办回复", JS_MAX_NOTE, REQ, .example = "已整改完毕")),
    [ACT_FORCE_CLOSE] = FIELDS(REASON(REQ)),
    [ACT_INSTRUCT] =
        FIELDS(STR("text", "批示内容", JS_MAX_NOTE, REQ, .example = "请尽快解决"),
               ID("unit_id", "交办单位（须书面报告办理结果的承办单位）", .example = "1"),
               TIME("due", "书面报告期限（交办单位时必填，须晚于现在）",
                    .example = "2030-01-01T18:00:00+08:00")),
    [ACT_WARN] = FIELDS(ENUM("kind", "提示警示类型", warn_kinds, REQ, .example = "reopen"),
                        ENUM("level", "级别", warn_levels, REQ, .example = "hint"), COUNT,
                        REASON(REQ), ID("unit_id", "被提示单位", .example = "1")),
    [ACT_MARK_OVERDUE] = FIELDS(NOTE),
    [ACT_SPECIAL_REPORT] = FIELDS(REASON(REQ), COUNT),
    [ACT_ASSIST_REPORT] = FIELDS(STR("result", "协办情况（本单位承担部分的办理结果）", JS_MAX_TEXT,
                                     REQ, .example = "已配合完成管线检测"),
                                 ATTACHMENTS),
    [ACT_SUPPLEMENT] = FIELDS(STR("text", "诉求人补充的情况（与照片至少有一项）", JS_MAX_NOTE,
                                  .example = "施工今晚仍在继续"),
                              ATTACHMENTS),
    [ACT_CONSULT] = FIELDS(
        STR("topic", "会商事项", JS_MAX_NOTE, REQ, .example = "职责不清，召集相关单位会商承办单位"),
        IDS("units", "参加会商的单位", 16, REQ, .example = "[1,2]"),
        STR("people", "参加人员", JS_MAX_NOTE, .example = "城管科王科长、住建局李主任"),
        TIME("held_at", "会商时间", .example = "2030-01-01T09:00:00+08:00")),
    [ACT_CONSULT_RESULT] =
        FIELDS(STR("outcome", "会商结果", JS_MAX_NOTE, REQ, .example = "由街道牵头，住建局协办"),
               ID("unit_id", "会商确定的主办单位（派单须派往该单位）", .example = "1"),
               IDS("assist_units", "会商确定的协办单位", 8, .example = "[2]")),
    [ACT_PREINVESTIGATE] =
        FIELDS(ID("unit_id", "预先调查单位（按职能相近原则指定）", REQ, .example = "1"),
               STR("task", "调查核实事项", JS_MAX_NOTE, REQ, .example = "核实噪音来源及责任主体"),
               TIME("due", "调查反馈期限（须晚于现在）", .example = "2030-01-01T18:00:00+08:00")),
    [ACT_PREINV_REPORT] =
        FIELDS(STR("findings", "调查核实情况", JS_MAX_TEXT, REQ, .example = "噪音来自某工地"),
               STR("proposal", "处理建议", JS_MAX_NOTE, REQ, .example = "建议由城管执法队承办"),
               ID("suggested_unit_id", "建议的承办单位", .example = "1")),
    [ACT_INSTRUCT_REPORT] = FIELDS(
        STR("report", "书面报告（办理结果）", JS_MAX_TEXT, REQ, .example = "已按批示完成整改"),
        ATTACHMENTS),
};

const struct lc_field *lifecycle_fields(int action)
{
    if (action < 0 || action >= ACT__COUNT || !action_fields[action])
        return no_fields;
    return action_fields[action];
}

const struct lc_field *lifecycle_field(int action, const char *name)
{
    for (const struct lc_field *f = lifecycle_fields(action); f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

#define LC_MAX_FIELDS 24
static const char *field_names[ACT__COUNT + 1][LC_MAX_FIELDS + 1];
static pthread_once_t field_names_once = PTHREAD_ONCE_INIT;

static void build_field_names(void)
{
    for (int a = 0; a < ACT__COUNT; a++) {
        int n = 0;
        for (const struct lc_field *f = lifecycle_fields(a); f->name; f++) {
            assert(n < LC_MAX_FIELDS);
            field_names[a][n++] = f->name;
        }
    }
}

const char *const *lifecycle_action_fields(int action)
{
    pthread_once(&field_names_once, build_field_names);
    if (action < 0 || action >= ACT__COUNT)
        return field_names[ACT__COUNT]; /* empty */
    return field_names[action];
}

/* "'title'（标题）" into buf. */
static const char *field_ref(const struct lc_field *f, char *buf, size_t n)
{
    snprintf(buf, n, "'%s'（%s）", f->name, f->label);
    return buf;
}

static const char *type_words(enum lc_type t)
{
    switch (t) {
    case LCT_STRING:
        return "字符串";
    case LCT_INTEGER:
        return "整数";
    case LCT_ID:
        return "编号（正整数）";
    case LCT_BOOLEAN:
        return "true 或 false";
    case LCT_NUMBER:
        return "数字";
    case LCT_DATETIME:
        return "日期时间字符串（如 2026-11-22T09:30:00+08:00）";
    case LCT_ARRAY:
        return "数组";
    case LCT_OBJECT:
        return "对象";
    default:
        return "?";
    }
}

/* Checks one present, non-null value against its field. */
static int check_value(const struct lc_field *f, const json_t *v, struct js_error *e)
{
    char ref[160];
    switch (f->type) {
    case LCT_STRING: {
        if (!json_is_string(v))
            break;
        const char *s = json_string_value(v);
        size_t len = utf8_len(s);
        if (len == (size_t)-1 || strlen(s) != json_string_length(v))
            return js_fail(e, JS_EUTF8, f->name, "字段%s不是有效的 UTF-8 文本",
                           field_ref(f, ref, sizeof ref));
        if (len == 0 && f->required)
            return js_fail(e, JS_EMISSING, f->name, "必填字段%s不能为空",
                           field_ref(f, ref, sizeof ref));
        if (f->max && len > (size_t)f->max)
            return js_fail(e, JS_ETOOLONG, f->name, "字段%s最多 %lld 个字符",
                           field_ref(f, ref, sizeof ref), (long long)f->max);
        if (f->values && len && js_name_index(f->values, s) < 0) {
            char list[160] = "";
            size_t used = 0;
            for (const char *const *p = f->values; *p && used < sizeof list; p++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                         p == f->values ? "" : "、", *p);
            return js_fail(e, JS_EINVAL, f->name, "字段%s应为以下之一：%s",
                           field_ref(f, ref, sizeof ref), list);
        }
        return 0;
    }
    case LCT_ID:
    case LCT_INTEGER:
        if (!json_is_integer(v))
            break;
        if (f->ranged &&
            ((double)json_integer_value(v) < f->lo || (double)json_integer_value(v) > f->hi))
            return js_fail(e, JS_EINVAL, f->name,
                           f->type == LCT_ID ? "字段%s应为正整数编号" : "字段%s应在 %g 到 %g 之间",
                           field_ref(f, ref, sizeof ref), f->lo, f->hi);
        return 0;
    case LCT_NUMBER: {
        if (!json_is_number(v))
            break;
        double x = json_number_value(v);
        if (f->ranged && (x < f->lo || x > f->hi || (f->lo_open && x <= f->lo)))
            return js_fail(e, JS_EINVAL, f->name, "字段%s应在 %s%g 到 %g] 之间",
                           field_ref(f, ref, sizeof ref), f->lo_open ? "(" : "[", f->lo, f->hi);
        return 0;
    }
    case LCT_BOOLEAN:
        return json_is_boolean(v) ? 0
                                  : js_fail(e, JS_ETYPE, f->name, "字段%s应为 true 或 false",
                                            field_ref(f, ref, sizeof ref));
    case LCT_DATETIME: {
        int64_t t;
        if (!json_is_string(v))
            break;
        if (jtime_parse(json_string_value(v), &t))
            return js_fail(e, JS_EINVAL, f->name, "字段%s应为%s", field_ref(f, ref, sizeof ref),
                           type_words(LCT_DATETIME));
        return 0;
    }
    case LCT_ARRAY: {
        size_t i;
        json_t *item;
        if (!json_is_array(v))
            break;
        if (f->max && json_array_size(v) > (size_t)f->max)
            return js_fail(e, JS_ETOOLONG, f->name, "字段%s最多 %lld 项",
                           field_ref(f, ref, sizeof ref), (long long)f->max);
        json_array_foreach(v, i, item)
        {
            bool good = f->items == LCT_OBJECT
                            ? json_is_object(item)
                            : json_is_integer(item) && json_integer_value(item) >= 1;
            if (!good) {
                char item_field[48];
                /* an object names its item (children[1]), an id names the list (assist_units) */
                snprintf(item_field, sizeof item_field, f->items == LCT_OBJECT ? "%s[%zu]" : "%s",
                         f->name, i);
                return js_fail(e, JS_ETYPE, item_field, "字段%s第 %zu 项应为%s",
                               field_ref(f, ref, sizeof ref), i, type_words(f->items));
            }
        }
        return 0;
    }
    case LCT_OBJECT:
        if (!json_is_object(v))
            break;
        return 0;
    default:
        break;
    }
    return js_fail(e, JS_ETYPE, f->name, "字段%s应为%s", field_ref(f, ref, sizeof ref),
                   type_words(f->type));
}

int lifecycle_check_shape(int action, const json_t *args, struct js_error *e)
{
    const char *key;
    json_t *v;
    char ref[160];
    if (!json_is_object(args))
        return js_fail(e, JS_ETYPE, "", "请求体应为 JSON 对象");
    json_object_foreach((json_t *)args, key, v)
    {
        if (!lifecycle_field(action, key))
            return js_fail(e, JS_EUNKNOWN_FIELD, key, "未知字段“%s”：“%s”操作不接受此字段", key,
                           js_action_labels[action]);
    }
    for (const struct lc_field *f = lifecycle_fields(action); f->name; f++) {
        v = json_object_get(args, f->name);
        if (!v || json_is_null(v)) {
            if (f->required)
                return js_fail(e, JS_EMISSING, f->name, "缺少必填字段%s",
                               field_ref(f, ref, sizeof ref));
            continue;
        }
        int rc = check_value(f, v, e);
        if (rc)
            return rc;
    }
    return 0;
}

int lifecycle_field_value(const struct lc_field *f, const char *text, json_t **out,
                          struct js_error *e)
{
    char *end;
    *out = NULL;
    switch (f->type) {
    case LCT_BOOLEAN:
        if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0)
            *out = json_true();
        else if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0)
            *out = json_false();
        else
            return js_fail(e, JS_ETYPE, f->name, "--%s 取 true 或 false", f->name);
        return 0;
    case LCT_ID:
    case LCT_INTEGER: {
        long long x = strtoll(text, &end, 10);
        if (*end || end == text)
            return js_fail(e, JS_ETYPE, f->name, "--%s 取整数", f->name);
        *out = json_integer(x);
        break;
    }
    case LCT_NUMBER: {
        double x = strtod(text, &end);
        if (*end || end == text)
            return js_fail(e, JS_ETYPE, f->name, "--%s 取数字", f->name);
        *out = json_real(x);
        break;
    }
    case LCT_ARRAY:
    case LCT_OBJECT: {
        json_error_t jerr;
        *out = json_loads(text, JSON_DECODE_ANY, &jerr);
        if (!*out)
            return js_fail(e, JS_EBADJSON, f->name, "--%s 取 JSON%s：%s", f->name,
                           f->type == LCT_ARRAY ? "数组" : "对象", jerr.text);
        return 0;
    }
    default:
        *out = json_string(text);
        if (!*out)
            return js_fail(e, JS_EUTF8, f->name, "--%s 不是有效的 UTF-8 文本", f->name);
        return 0;
    }
    return *out ? 0 : js_fail(e, JS_ENOMEM, f->name, "out of memory");
}

/* ---- the decision context ----------------------------------------------------------------- */

struct dctx {
    const struct lc_env *env;
    const struct policy *p;
    const struct actor *who;
    int action;
    const json_t *in; /* the request's arguments (borrowed) */
    struct order *o;  /* the live order acted on; NULL for intake */
    int mine;         /* index in o->units of the acting unit's active assignment, or -1 */
    json_t *v;        /* the validated, normalised arguments being built (owned) */
    struct event_list *out;
    struct js_error *e;
};

#define S(x) (1u << ST_##x)
#define TRY(x)                                                                                     \
    do {                                                                                           \
        int rc_ = (x);                                                                             \
        if (rc_)                                                                                   \
            return rc_;                                                                            \
    } while (0)

static int nomem(struct dctx *c)
{
    return js_fail(c->e, JS_ENOMEM, "", "out of memory");
}

static bool is_unit_role(int role)
{
    return role == ROLE_UNIT_OPERATOR || role == ROLE_UNIT_LEADER;
}

static bool lead_type(const struct assignment *a)
{
    return a->role == ASG_LEAD || a->role == ASG_DUAL;
}

static bool present(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v);
}

/* The statuses in which the callback and the supplement are taken. */
#define CALLBACK_STATES (S(CALLBACK) | S(ANSWERED))
#define SUPPLEMENT_STATES                                                                          \
    (~(S(NOT_FILED) | S(TRANSFERRED) | S(CLOSED) | S(ARCHIVED) | S(MERGED) | S(SPLIT)))

bool lifecycle_citizen_may_supplement(const struct order *o)
{
    return (SUPPLEMENT_STATES >> o->status) & 1u;
}

bool lifecycle_citizen_may_rate(const struct order *o)
{
    return ((CALLBACK_STATES >> o->status) & 1u) && o->cb_satisfaction == SAT_NONE;
}

static int need_status(struct dctx *c, unsigned allowed)
{
    if (allowed & (1u << c->o->status))
        return 0;
    return js_fail(c->e, JS_ESTATE, "", "cannot %s an order in status '%s'",
                   js_action_labels[c->action], js_status_labels[c->o->status]);
}

/* Statuses in which an order is still being worked on. */
#define OPEN_STATUSES                                                                              \
    (S(RECEIVED) | S(FILED) | S(ANSWERED) | S(DISPATCHED) | S(RETURNED) | S(COORDINATION) |        \
     S(HANDLING) | S(REPLIED) | S(CALLBACK))

/* The acting unit's assignment must be a lead or dual one. */
static int need_lead_type(struct dctx *c)
{
    if (c->mine >= 0 && lead_type(&c->o->units[c->mine]))
        return 0;
    return js_fail(c->e, JS_EFORBIDDEN, "", "only the lead or dual unit may %s this order",
                   js_action_labels[c->action]);
}

/* ---- recording validated arguments -------------------------------------------------------- */

static int put(struct dctx *c, const char *key, json_t *val)
{
    if (!val || json_object_set_new(c->v, key, val))
        return nomem(c);
    return 0;
}

static int put_time(struct dctx *c, json_t *obj, const char *key, int64_t t)
{
    char buf[40];
    jtime_format(t, buf, sizeof buf);
    if (json_object_set_new(obj, key, json_string(buf)))
        return nomem(c);
    return 0;
}

/* Records in the event the feedback limit that starts now (003 art. 13(1)), so that the
 * assessment can tell whether the unit gave feedback in time; nothing when there is none. */
static int put_feedback_due(struct dctx *c)
{
    int64_t due = deadline_feedback(c->p, c->env->cal, c->o, c->env->now);
    return due > 0 ? put_time(c, c->v, "feedback_due", due) : 0;
}

/* Optional or required string; an empty optional string counts as absent (*out = NULL). */
static int in_str(struct dctx *c, const char *key, bool req, size_t max, const char **out)
{
    TRY(jf_str(c->in, key, req, max, out, c->e));
    if (*out && !**out)
        *out = NULL;
    return *out ? put(c, key, json_string(*out)) : 0;
}

static int in_bool(struct dctx *c, const char *key, bool req, bool *out)
{
    TRY(jf_bool(c->in, key, req, out, c->e));
    return present(c->in, key) ? put(c, key, json_boolean(*out)) : 0;
}

/* An id (integer ≥ 1); *out is 0 when absent. */
static int in_id(struct dctx *c, const char *key, bool req, int64_t *out)
{
    *out = 0;
    TRY(jf_int(c->in, key, req, 1, INT64_MAX, out, c->e));
    return *out ? put(c, key, json_integer(*out)) : 0;
}

static int in_enum(struct dctx *c, const char *key, bool req, const char *const *names, int *out)
{
    TRY(jf_enum(c->in, key, req, names, out, c->e));
    return present(c->in, key) ? put(c, key, json_string(names[*out])) : 0;
}

/* An instant; *out is 0 when absent. */
static int in_time(struct dctx *c, const char *key, bool req, int64_t *out)
{
    *out = 0;
    TRY(jf_time(c->in, key, req, out, c->e));
    return present(c->in, key) ? put_time(c, c->v, key, *out) : 0;
}

/* An instant that must lie in the future, e.g. a deadline (issue 10); *out is 0 when absent. */
static int in_future(struct dctx *c, const char *key, bool req, int64_t *out)
{
    TRY(in_time(c, key, req, out));
    if (present(c->in, key) && *out <= c->env->now)
        return js_fail(c->e, JS_EINVAL, key, "%s 必须晚于当前时间，不能是已经过去的时刻", key);
    return 0;
}

/* Rewrites e->field "x" of an error found inside an item as "prefix.x". */
static int nested(struct dctx *c, int rc, const char *prefix)
{
    if (c->e) {
        char joined[256];
        snprintf(joined, sizeof joined, "%s%s%s", prefix, c->e->field[0] ? "." : "", c->e->field);
        size_t n = strlen(joined);
        if (n >= sizeof c->e->field)
            n = sizeof c->e->field - 1; /* a cut field name still points the right way */
        memcpy(c->e->field, joined, n);
        c->e->field[n] = '\0';
    }
    return rc;
}

/* Validates one attachment {name, url, kind?}; *norm is a new normalised object. */
static int check_attachment(struct dctx *c, const char *field, const json_t *item, json_t **norm)
{
    static const char *const keys[] = {"name", "url", "kind", NULL};
    const char *name, *url, *kind;
    int rc;
    *norm = NULL;
    if (!json_is_object(item))
        return js_fail(c->e, JS_ETYPE, field, "'%s' must be an object {name, url, kind}", field);
    if ((rc = jf_known(item, keys, c->e)) || (rc = jf_str(item, "name", true, 200, &name, c->e)) ||
        (rc = jf_str(item, "url", true, 2000, &url, c->e)) ||
        (rc = url_check_ref("url", url, c->e)) ||
        (rc = jf_str(item, "kind", false, 32, &kind, c->e)))
        return nested(c, rc, field);
    *norm = json_pack("{ss ss}", "name", name, "url", url);
    if (*norm && kind && *kind && json_object_set_new(*norm, "kind", json_string(kind))) {
        json_decref(*norm);
        *norm = NULL;
    }
    return *norm ? 0 : nomem(c);
}

/* Validates an optional array of attachments (at most max) and records it in the arguments;
 * *out is borrowed from c->v, NULL when absent. */
static int in_attachments(struct dctx *c, const char *key, size_t max, const json_t **out)
{
    json_t *arr, *norm, *item;
    size_t i;
    *out = NULL;
    TRY(jf_array(c->in, key, false, max, &arr, c->e));
    if (!arr)
        return 0;
    if (!(norm = json_array()))
        return nomem(c);
    json_array_foreach(arr, i, item)
    {
        char field[48];
        json_t *one;
        snprintf(field, sizeof field, "%s[%zu]", key, i);
        int rc = check_attachment(c, field, item, &one);
        if (!rc && json_array_append_new(norm, one))
            rc = nomem(c);
        if (rc) {
            json_decref(norm);
            return rc;
        }
    }
    TRY(put(c, key, norm));
    *out = norm;
    return 0;
}

/* Appends attachments (an array, or one object) to the order's list, stamped with when and by
 * whom. */
static int add_attachments(struct dctx *c, struct order *next, const json_t *items)
{
    json_t *list = NULL, *item;
    char *text = NULL;
    size_t i;
    int rc = 0;
    if (!items)
        return 0;
    list = next->attachments && *next->attachments ? json_loads(next->attachments, 0, NULL) : NULL;
    if (!json_is_array(list)) {
        json_decref(list);
        list = json_array();
    }
    if (!list) {
        rc = nomem(c);
        goto out;
    }
    for (i = 0; i < (json_is_array(items) ? json_array_size(items) : 1); i++) {
        item = json_deep_copy(json_is_array(items) ? json_array_get(items, i) : items);
        if (!item || json_object_set_new(item, "by", json_integer(c->who->user_id)) ||
            put_time(c, item, "at", c->env->now) || json_array_append_new(list, item)) {
            rc = nomem(c);
            goto out;
        }
    }
    text = json_dumps(list, JSON_COMPACT);
    if (!text || order_set_str(&next->attachments, text))
        rc = nomem(c);
out:
    free(text);
    json_decref(list);
    return rc;
}

/* ---- looking things up -------------------------------------------------------------------- */

static int check_unit(struct dctx *c, const char *field, int64_t id)
{
    struct unit u;
    memset(&u, 0, sizeof u);
    int rc = c->env->get_unit(c->env->ctx, id, &u);
    if (rc == -JS_ENOTFOUND)
        return js_fail(c->e, JS_EINVAL, field, "unit %lld does not exist", (long long)id);
    if (rc)
        return js_fail(c->e, -rc, field, "cannot read unit %lld", (long long)id);
    if (!u.active)
        return js_fail(c->e, JS_EINVAL, field, "unit %lld is not active", (long long)id);
    return 0;
}

static int check_exists(struct dctx *c, const char *field, int64_t id,
                        int (*exists)(void *, int64_t), const char *what)
{
    if (!id)
        return 0;
    int rc = exists(c->env->ctx, id);
    if (rc == -JS_ENOTFOUND)
        return js_fail(c->e, JS_EINVAL, field, "%s %lld does not exist", what, (long long)id);
    if (rc)
        return js_fail(c->e, -rc, field, "cannot read %s %lld", what, (long long)id);
    return 0;
}

/* Another order referenced by the input; a missing one is an input error naming field. */
static int ref_order(struct dctx *c, const char *field, int64_t id, struct order **out)
{
    int rc = c->env->get_order(c->env->ctx, id, out);
    if (rc == -JS_ENOTFOUND)
        return js_fail(c->e, JS_EINVAL, field, "order %lld does not exist", (long long)id);
    if (rc)
        return js_fail(c->e, -rc, field, "cannot read order %lld", (long long)id);
    return 0;
}

/* All ids a list callback (merged_of, children_of) returns for id; *ids is malloc'ed. */
static int list_ids(struct dctx *c, int (*fn)(void *, int64_t, int64_t *, int, int *), int64_t id,
                    int64_t **ids, int *n)
{
    int max = 64, rc;
    *ids = NULL;
    *n = 0;
    for (;;) {
        int64_t *v = realloc(*ids, (size_t)max * sizeof *v);
        if (!v) {
            free(*ids);
            *ids = NULL;
            return nomem(c);
        }
        *ids = v;
        if ((rc = fn(c->env->ctx, id, *ids, max, n))) {
            free(*ids);
            *ids = NULL;
            return js_fail(c->e, -rc, "", "cannot list related orders of %lld", (long long)id);
        }
        if (*n < max || max >= (1 << 20))
            break;
        max *= 2;
    }
    return 0;
}

/* The handling deadline of o counted from `from` with tier: a matching override of the policy,
 * else clock hours for 2h/24h, calendar days for 7d/15d, else the policy's default limit; 0 when
 * there is none (src/core/deadline.c). */
static int64_t limit_deadline(const struct lc_env *env, const struct order *o, int tier,
                              int64_t from)
{
    return deadline_limit(env->policy, env->cal, o, tier, from);
}

/* ---- emitting events ---------------------------------------------------------------------- */

/* Step 2 of every change: a private copy of the live order to change in plain C. */
static int begin(struct dctx *c, const struct order *live, struct order *next)
{
    return order_copy(next, live) ? nomem(c) : 0;
}

/* Steps 3–4 of every change: turns the difference between live and next into an event of
 * `action`, applies it to live with order_evolve and appends it to the output. Takes args
 * (NULL: {}) and releases next, whatever happens. */
static int emit(struct dctx *c, struct order *live, struct order *next, int action, json_t *args)
{
    struct event ev;
    json_t *set = NULL;
    int rc;
    memset(&ev, 0, sizeof ev);
    if (!args)
        args = json_object();
    set = order_diff(live, next);
    ev.payload = json_object();
    if (!args || !set || !ev.payload) {
        rc = nomem(c);
        goto out;
    }
    rc = json_object_set_new(ev.payload, "args", args);
    args = NULL;
    if (rc || (rc = json_object_set_new(ev.payload, "set", set))) {
        set = NULL;
        rc = nomem(c);
        goto out;
    }
    set = NULL;
    ev.order_id = live->id;
    ev.version = live->version + 1;
    ev.at = c->env->now;
    ev.actor = *c->who;
    ev.action = action;
    ev.status_before = live->status;
    ev.status_after = next->status;
    if ((rc = order_evolve(live, &ev))) {
        rc = js_fail(c->e, JS_EINTERNAL, "", "cannot apply the %s event: %s",
                     js_action_names[action], js_err_name(rc));
        goto out;
    }
    if ((rc = event_list_push(c->out, &ev))) {
        rc = nomem(c);
        goto out;
    }
    ev.payload = NULL; /* the list owns it */
out:
    json_decref(args);
    json_decref(set);
    event_release(&ev);
    order_release(next);
    return rc;
}

/* Emits the requested action's event on the acting order with the validated arguments. */
static int emit_main(struct dctx *c, struct order *next)
{
    json_t *args = c->v;
    c->v = NULL;
    return emit(c, c->o, next, c->action, args);
}

/* Emits an event that changes nothing but records the arguments. */
static int emit_record(struct dctx *c)
{
    struct order next;
    TRY(begin(c, c->o, &next));
    return emit_main(c, &next);
}

/* ---- closing and its cascade -------------------------------------------------------------- */

static int close_cascade(struct dctx *c, struct order *o, int depth);

/* Closes o with kind (after `o` changed to its closing state) as part of a cascade. */
static int cascade_close(struct dctx *c, struct order *o, int kind, int64_t cause, int depth)
{
    struct order next;
    json_t *args =
        json_pack("{ss sI}", "cascade", js_close_kind_names[kind],
                  kind == CK_BY_MASTER ? "master_id" : "last_child_id", (json_int_t)cause);
    if (!args)
        return nomem(c);
    if (begin(c, o, &next)) {
        json_decref(args);
        return nomem(c);
    }
    next.status = ST_CLOSED;
    next.close_kind = kind;
    next.closed_at = c->env->now;
    TRY(emit(c, o, &next, ACT_CLOSE, args));
    return close_cascade(c, o, depth + 1);
}

/* After o was closed: closes every order merged into it (close kind by_master) and, when o was
 * the last unfinished child of a split, the parent (by_children). */
static int close_cascade(struct dctx *c, struct order *o, int depth)
{
    int64_t *ids = NULL;
    int n = 0, rc = 0;
    struct order *x, *parent;
    if (depth > 32)
        return js_fail(c->e, JS_EINTERNAL, "", "merge/split chain too deep at order %lld",
                       (long long)o->id);
    if ((rc = list_ids(c, c->env->merged_of, o->id, &ids, &n)))
        goto out;
    for (int i = 0; i < n; i++) {
        if ((rc = ref_order(c, "", ids[i], &x)))
            goto out;
        if (x->status == ST_MERGED && x->master_id == o->id &&
            (rc = cascade_close(c, x, CK_BY_MASTER, o->id, depth)))
            goto out;
    }
    free(ids);
    ids = NULL;
    if (!o->parent_id)
        goto out;
    if ((rc = ref_order(c, "", o->parent_id, &parent)) || parent->status != ST_SPLIT)
        goto out;
    if ((rc = list_ids(c, c->env->children_of, parent->id, &ids, &n)))
        goto out;
    for (int i = 0; i < n; i++) {
        if ((rc = ref_order(c, "", ids[i], &x)))
            goto out;
        if (!status_is_final(x->status))
            goto out; /* a child is still open */
    }
    rc = cascade_close(c, parent, CK_BY_CHILDREN, o->id, depth);
out:
    free(ids);
    return rc;
}

/* ---- the actions -------------------------------------------------------------------------- */

static bool channel_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

static bool phone_ok(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == ' '))
            return false;
    return true;
}

static int in_coord(struct dctx *c, const char *key, double lim, double *out)
{
    json_t *v = json_object_get(c->in, key);
    if (!json_is_number(v))
        return js_fail(c->e, JS_ETYPE, key, "'%s' must be a number", key);
    *out = json_number_value(v);
    if (*out < -lim || *out > lim)
        return js_fail(c->e, JS_EINVAL, key, "'%s' must be between %g and %g", key, -lim, lim);
    return put(c, key, json_real(*out));
}

struct intake {
    const char *channel, *title, *text, *cname, *cphone, *address, *upstream_id;
    int type, level, tier;
    bool anonymous, wants_callback, needs_contact, enterprise, has_coords;
    int64_t category_id, region_id, upstream_deadline, about_unit_id;
    double lat, lon;
    const json_t *attachments;
};

/* Refuses an urgency level the deployment does not use (setting levels; 000 art. 8). */
static int check_level(struct dctx *c, int level)
{
    if (policy_level_allowed(c->p, level))
        return 0;
    return js_fail(c->e, JS_ERULE, "level", "the level %s is not used here (setting 'levels')",
                   js_level_labels[level]);
}

static int read_intake(struct dctx *c, struct intake *in)
{
    memset(in, 0, sizeof *in);
    in->level = LEVEL_GENERAL;
    in->tier = TIER_NONE;
    TRY(in_str(c, "channel", true, 23, &in->channel));
    if (!channel_ok(in->channel))
        return js_fail(c->e, JS_EINVAL, "channel",
                       "'channel' may contain only a-z, 0-9 and '-', like hotline-12345");
    TRY(in_enum(c, "type", true, js_type_names, &in->type));
    TRY(in_str(c, "title", true, JS_MAX_TITLE, &in->title));
    TRY(in_str(c, "text", true, JS_MAX_TEXT, &in->text));
    TRY(in_str(c, "citizen_name", false, JS_MAX_SHORT, &in->cname));
    TRY(in_str(c, "citizen_phone", false, 32, &in->cphone));
    if (in->cphone && !phone_ok(in->cphone))
        return js_fail(c->e, JS_EINVAL, "citizen_phone",
                       "'citizen_phone' may contain only digits, '-', '+' and spaces");
    TRY(jf_bool(c->in, "anonymous", false, &in->anonymous, c->e));
    in->wants_callback = !in->anonymous;
    TRY(jf_bool(c->in, "wants_callback", false, &in->wants_callback, c->e));
    if (in->anonymous && in->cname)
        return js_fail(c->e, JS_ERULE, "citizen_name",
                       "an anonymous citizen has no name on the order");
    if (in->anonymous && in->wants_callback)
        return js_fail(c->e, JS_ERULE, "wants_callback",
                       "an anonymous citizen cannot be called back");
    TRY(put(c, "anonymous", json_boolean(in->anonymous)));
    TRY(put(c, "wants_callback", json_boolean(in->wants_callback)));
    TRY(in_bool(c, "needs_contact", false, &in->needs_contact));
    TRY(in_id(c, "category_id", false, &in->category_id));
    TRY(check_exists(c, "category_id", in->category_id, c->env->category_exists, "分类"));
    TRY(in_id(c, "region_id", false, &in->region_id));
    TRY(check_exists(c, "region_id", in->region_id, c->env->region_exists, "区域"));
    TRY(in_enum(c, "level", false, js_level_names, &in->level));
    TRY(check_level(c, in->level));
    TRY(in_enum(c, "tier", false, js_tier_names, &in->tier));
    TRY(in_str(c, "address", false, JS_MAX_ADDRESS, &in->address));
    bool has_lat = present(c->in, "lat"), has_lon = present(c->in, "lon");
    if (has_lat != has_lon)
        return js_fail(c->e, JS_EINVAL, has_lat ? "lon" : "lat",
                       "'lat' and 'lon' are given together or not at all");
    if (has_lat) {
        TRY(in_coord(c, "lat", 90, &in->lat));
        TRY(in_coord(c, "lon", 180, &in->lon));
        in->has_coords = true;
    }
    TRY(in_bool(c, "enterprise", false, &in->enterprise));
    TRY(in_id(c, "about_unit_id", false, &in->about_unit_id));
    if (in->about_unit_id)
        TRY(check_unit(c, "about_unit_id", in->about_unit_id));
    TRY(in_str(c, "upstream_id", false, 63, &in->upstream_id));
    TRY(in_future(c, "upstream_deadline", false, &in->upstream_deadline));
    if (strcmp(in->channel, "upstream") == 0 && !in->upstream_id)
        return js_fail(c->e, JS_EMISSING, "upstream_id",
                       "orders of channel 'upstream' carry the upstream platform's id");
    return in_attachments(c, "attachments", 20, &in->attachments);
}

/* A new order created through create_order; *o is owned by the environment. */
static int new_order(struct dctx *c, struct order **o, char *number)
{
    int rc = c->env->create_order(c->env->ctx, o);
    if (rc)
        return js_fail(c->e, -rc, "", "cannot create an order");
    rc = c->env->next_number(c->env->ctx, c->env->now, number);
    if (rc)
        return js_fail(c->e, -rc, "", "cannot number the order");
    return 0;
}

static int set_strs(struct dctx *c, struct order *n, const struct intake *in)
{
    if (order_set_str(&n->title, in->title) || order_set_str(&n->text, in->text) ||
        order_set_str(&n->address, in->address) || order_set_str(&n->citizen_name, in->cname) ||
        order_set_str(&n->citizen_phone, in->cphone))
        return nomem(c);
    return 0;
}

static int act_intake(struct dctx *c)
{
    struct intake in;
    struct order *o, next;
    char number[20] = "";
    int rc;
    TRY(read_intake(c, &in));
    TRY(new_order(c, &o, number));
    TRY(begin(c, o, &next));
    snprintf(next.number, sizeof next.number, "%s", number);
    snprintf(next.channel, sizeof next.channel, "%s", in.channel);
    snprintf(next.upstream_id, sizeof next.upstream_id, "%s", in.upstream_id ? in.upstream_id : "");
    next.upstream_deadline = in.upstream_deadline;
    next.verified = !(strcmp(in.channel, "upstream") == 0 && c->p->verify_upstream);
    next.anonymous = in.anonymous;
    next.wants_callback = in.wants_callback;
    next.needs_contact = in.needs_contact;
    next.type = in.type;
    next.level = in.level;
    next.tier = in.tier;
    next.category_id = in.category_id;
    next.region_id = in.region_id;
    next.has_coords = in.has_coords;
    next.lat = in.lat;
    next.lon = in.lon;
    next.enterprise = in.enterprise;
    next.about_unit_id = in.about_unit_id;
    if (!present(c->in, "tier") && c->p->tier_rules.n > 0) /* it follows urgency and type (004) */
        next.tier = deadline_tier(c->p, &next);
    next.created_at = c->env->now;
    next.status = ST_RECEIVED;
    if ((rc = set_strs(c, &next, &in)) || (rc = add_attachments(c, &next, in.attachments))) {
        order_release(&next);
        return rc;
    }
    c->o = o;
    return emit_main(c, &next);
}

static int act_verify(struct dctx *c)
{
    const char *note;
    struct order next;
    TRY(need_status(c, S(RECEIVED) | S(FILED)));
    if (c->o->verified)
        return js_fail(c->e, JS_ESTATE, "verified", "the order is already verified");
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.verified = true;
    return emit_main(c, &next);
}

static int act_file(struct dctx *c)
{
    const char *address, *note;
    int64_t category, region, about;
    int level = c->o->level, tier = c->o->tier;
    struct order next;
    TRY(need_status(c, S(RECEIVED)));
    TRY(in_id(c, "category_id", false, &category));
    TRY(check_exists(c, "category_id", category, c->env->category_exists, "分类"));
    TRY(in_id(c, "region_id", false, &region));
    TRY(check_exists(c, "region_id", region, c->env->region_exists, "区域"));
    TRY(in_enum(c, "level", false, js_level_names, &level));
    if (present(c->in, "level"))
        TRY(check_level(c, level));
    TRY(in_enum(c, "tier", false, js_tier_names, &tier));
    TRY(in_str(c, "address", false, JS_MAX_ADDRESS, &address));
    TRY(in_id(c, "about_unit_id", false, &about));
    if (about)
        TRY(check_unit(c, "about_unit_id", about));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    if (!address && !(c->o->address && *c->o->address))
        return js_fail(c->e, JS_ERULE, "address",
                       "an order is filed only when the address is clear");
    TRY(begin(c, c->o, &next));
    if (address && order_set_str(&next.address, address)) {
        order_release(&next);
        return nomem(c);
    }
    if (category)
        next.category_id = category;
    if (region)
        next.region_id = region;
    if (about)
        next.about_unit_id = about;
    next.level = level;
    next.tier = tier;
    if (present(c->in, "level") && !present(c->in, "tier") && c->p->tier_rules.n > 0)
        next.tier = deadline_tier(c->p, &next);
    next.filed_at = c->env->now;
    next.status = ST_FILED;
    return emit_main(c, &next);
}

static int act_not_file(struct dctx *c)
{
    const char *explanation;
    int reason = 0;
    int64_t dup;
    struct order *other, next;
    TRY(need_status(c, S(RECEIVED)));
    TRY(in_enum(c, "reason", true, js_notfiled_names, &reason));
    TRY(in_str(c, "explanation", true, JS_MAX_NOTE, &explanation));
    TRY(in_id(c, "duplicate_of", reason == NF_DUPLICATE, &dup));
    if (dup && reason != NF_DUPLICATE)
        return js_fail(c->e, JS_EINVAL, "duplicate_of",
                       "'duplicate_of' is given only when the reason is 'duplicate'");
    if (dup) {
        if (dup == c->o->id)
            return js_fail(c->e, JS_EINVAL, "duplicate_of", "an order cannot duplicate itself");
        TRY(ref_order(c, "duplicate_of", dup, &other));
        if (status_is_final(other->status) || other->status == ST_MERGED)
            return js_fail(c->e, JS_ERULE, "duplicate_of",
                           "order %lld is no longer open (status '%s')", (long long)dup,
                           js_status_names[other->status]);
    }
    TRY(begin(c, c->o, &next));
    next.not_filed_reason = reason;
    next.duplicate_of = dup;
    next.closed_at = c->env->now;
    next.status = ST_NOT_FILED;
    return emit_main(c, &next);
}

static int act_transfer(struct dctx *c)
{
    const char *to, *note;
    struct order next;
    TRY(need_status(c, S(RECEIVED) | S(FILED)));
    TRY(in_str(c, "to", true, 3, &to));
    if (js_name_index(transfer_to, to) < 0)
        return js_fail(c->e, JS_EINVAL, "to", "'to' must be 110, 119 or 120");
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    snprintf(next.transfer_to, sizeof next.transfer_to, "%s", to);
    next.closed_at = c->env->now;
    next.status = ST_TRANSFERRED;
    return emit_main(c, &next);
}

static int act_answer(struct dctx *c)
{
    const char *answer;
    int64_t kb;
    struct order next;
    TRY(need_status(c, S(RECEIVED) | S(FILED)));
    TRY(in_str(c, "answer", true, JS_MAX_TEXT, &answer));
    TRY(in_id(c, "kb_entry", false, &kb));
    if (kb) {
        if (!c->env->kb_cite)
            return js_fail(c->e, JS_EINVAL, "kb_entry", "知识库不可用，不能引用条目 kb_entry");
        TRY(c->env->kb_cite(c->env->ctx, kb, c->env->now, c->e));
    }
    TRY(begin(c, c->o, &next));
    if (order_set_str(&next.reply_text, answer)) {
        order_release(&next);
        return nomem(c);
    }
    next.closure = CLOSURE_RESOLVED;
    next.replied_at = c->env->now;
    next.status = ST_ANSWERED;
    return emit_main(c, &next);
}

/* Reads an array of distinct unit ids (each active and not in `taken`) into ids. */
static int in_units(struct dctx *c, const char *key, size_t max, const int64_t *taken, int ntaken,
                    int64_t *ids, int *n)
{
    json_t *arr, *item, *norm;
    size_t i;
    *n = 0;
    TRY(jf_array(c->in, key, false, max, &arr, c->e));
    if (!arr)
        return 0;
    json_array_foreach(arr, i, item)
    {
        if (!json_is_integer(item) || json_integer_value(item) < 1)
            return js_fail(c->e, JS_ETYPE, key, "'%s' must be an array of unit ids", key);
        int64_t id = json_integer_value(item);
        for (int k = 0; k < ntaken; k++)
            if (taken[k] == id)
                return js_fail(c->e, JS_EINVAL, key, "unit %lld already holds the order",
                               (long long)id);
        for (int k = 0; k < *n; k++)
            if (ids[k] == id)
                return js_fail(c->e, JS_EINVAL, key, "unit %lld is listed twice", (long long)id);
        TRY(check_unit(c, key, id));
        ids[(*n)++] = id;
    }
    if (!(norm = json_array()))
        return nomem(c);
    for (int k = 0; k < *n; k++)
        json_array_append_new(norm, json_integer(ids[k]));
    return put(c, key, norm);
}

/* Gives unit `id` an active assignment of role on next, reusing its earlier entry (and keeping
 * its return count). The caller has checked that there is room. */
static void assign(struct order *next, int64_t id, int role, int64_t now)
{
    struct assignment *a = order_unit(next, id);
    if (!a) {
        assert(next->n_units < ORDER_MAX_UNITS);
        a = &next->units[next->n_units++];
        memset(a, 0, sizeof *a);
        a->unit_id = id;
    }
    a->role = role;
    a->active = true;
    a->return_pending = false;
    a->dispatched_at = now;
    a->signed_at = 0;
    a->replied_at = 0;
}

/* Fails unless the `n` units of ids fit among the order's assignments. */
static int check_room(struct dctx *c, const char *field, const int64_t *ids, int n)
{
    int need = c->o->n_units;
    for (int i = 0; i < n; i++)
        if (!order_unit(c->o, ids[i]))
            need++;
    if (need > ORDER_MAX_UNITS)
        return js_fail(c->e, JS_ERULE, field, "an order is held by at most %d units",
                       ORDER_MAX_UNITS);
    return 0;
}

/* 001 §二(一): an order being consulted on, or awaiting the findings of the unit designated to
 * investigate it first, is not dispatched until the consultation has an outcome and the unit has
 * reported. */
static int dispatch_as_consulted(struct dctx *c)
{
    if (c->o->consult == 1)
        return js_fail(
            c->e, JS_ERULE, "consult",
            "派单前会商尚未形成结果，请先记录会商结果再派单（临沭通知第二条第（一）项）");
    if (c->o->preinv == 1)
        return js_fail(c->e, JS_ERULE, "preinv",
                       "指定的预先调查单位尚未反馈调查核实情况和处理建议，不能派单"
                       "（临沭通知第二条第（一）项）");
    return 0;
}

static int act_dispatch(struct dctx *c)
{
    int64_t targets[10], deadline; /* lead, dual, then up to 8 assisting units */
    int nt = 0, n_assist = 0, tier = c->o->tier;
    const char *note;
    struct order next;
    const int64_t now = c->env->now;
    TRY(need_status(c, S(FILED) | S(COORDINATION)));
    if (!c->o->verified)
        return js_fail(c->e, JS_ERULE, "verified", "upstream orders are verified before dispatch");
    TRY(dispatch_as_consulted(c));
    TRY(in_id(c, "unit_id", true, &targets[0]));
    TRY(check_unit(c, "unit_id", targets[0]));
    if (c->o->consult == 2 && c->o->consult_unit_id && targets[0] != c->o->consult_unit_id) {
        struct unit u;
        memset(&u, 0, sizeof u);
        if (c->env->get_unit(c->env->ctx, c->o->consult_unit_id, &u))
            snprintf(u.name, sizeof u.name, "%lld", (long long)c->o->consult_unit_id);
        return js_fail(c->e, JS_ERULE, "unit_id",
                       "派单前会商已确定由“%s”主办，派单须派往该单位（临沭通知第二条第（一）项）",
                       u.name);
    }
    TRY(in_id(c, "dual_unit_id", false, &targets[1]));
    if (targets[1] == targets[0])
        return js_fail(c->e, JS_EINVAL, "dual_unit_id", "the dual unit differs from the lead unit");
    if (targets[1])
        TRY(check_unit(c, "dual_unit_id", targets[1]));
    nt = targets[1] ? 2 : 1;
    TRY(in_units(c, "assist_units", 8, targets, nt, targets + nt, &n_assist));
    TRY(in_future(c, "deadline", false, &deadline));
    if (present(c->in, "deadline") && deadline <= now)
        return js_fail(c->e, JS_EINVAL, "deadline", "the deadline must be in the future");
    if (deadline && deadline_inside_upstream(c->p, c->o, deadline) != deadline)
        return js_fail(c->e, JS_ERULE, "deadline",
                       "办理时限须在市级平台时限前%d小时之前（000第十三条）",
                       c->p->upstream_margin_hours);
    TRY(in_enum(c, "tier", false, js_tier_names, &tier));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(check_room(c, "assist_units", targets, nt + n_assist));
    TRY(put_feedback_due(c)); /* the limit of 003 art. 13(1) starts with the dispatch */

    TRY(begin(c, c->o, &next));
    for (int i = 0; i < next.n_units; i++)
        next.units[i].active = false;
    assign(&next, targets[0], ASG_LEAD, now);
    if (nt == 2)
        assign(&next, targets[1], ASG_DUAL, now);
    for (int i = 0; i < n_assist; i++)
        assign(&next, targets[nt + i], ASG_ASSIST, now);
    next.tier = tier;
    if (next.consult == 2)
        next.consult = 3;       /* the consultation's decision is carried out */
    next.sign_approved = false; /* the unit it goes to signs it over anew (001 §二(二)) */
    next.dispatched_at = now;
    next.deadline = deadline ? deadline : limit_deadline(c->env, c->o, tier, now);
    next.sign_deadline = deadline_sign(c->p, c->o, tier, now);
    next.status = ST_DISPATCHED;
    return emit_main(c, &next);
}

#define NOT_MERGEABLE                                                                              \
    (S(MERGED) | S(SPLIT) | S(NOT_FILED) | S(TRANSFERRED) | S(CLOSED) | S(ARCHIVED))

static int act_merge(struct dctx *c)
{
    json_t *arr, *item;
    int64_t ids[16];
    int n = 0, rc = 0;
    size_t i;
    const char *note;
    struct order *m, next;
    TRY(need_status(c, ~(unsigned)NOT_MERGEABLE));
    TRY(jf_array(c->in, "orders", true, 16, &arr, c->e));
    if (json_array_size(arr) == 0)
        return js_fail(c->e, JS_EMISSING, "orders", "'orders' lists at least one order");
    json_array_foreach(arr, i, item)
    {
        if (!json_is_integer(item))
            return js_fail(c->e, JS_ETYPE, "orders", "'orders' must be an array of order ids");
        int64_t id = json_integer_value(item);
        if (id == c->o->id)
            return js_fail(c->e, JS_EINVAL, "orders", "an order cannot be merged into itself");
        for (int k = 0; k < n; k++)
            if (ids[k] == id)
                return js_fail(c->e, JS_EINVAL, "orders", "order %lld is listed twice",
                               (long long)id);
        TRY(ref_order(c, "orders", id, &m));
        if (NOT_MERGEABLE & (1u << m->status))
            return js_fail(c->e, JS_ERULE, "orders", "order %lld cannot be merged in status '%s'",
                           (long long)id, js_status_names[m->status]);
        int64_t one;
        int count = 0;
        if ((rc = c->env->merged_of(c->env->ctx, id, &one, 1, &count)))
            return js_fail(c->e, -rc, "orders", "cannot read the orders merged into %lld",
                           (long long)id);
        if (count > 0)
            return js_fail(c->e, JS_ERULE, "orders",
                           "order %lld is itself the master of merged orders", (long long)id);
        ids[n++] = id;
    }
    TRY(put(c, "orders", json_deep_copy(arr)));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(emit_record(c));
    for (int k = 0; k < n; k++) {
        TRY(ref_order(c, "orders", ids[k], &m));
        json_t *args =
            json_pack("{sI ss}", "master_id", (json_int_t)c->o->id, "master_number", c->o->number);
        if (!args)
            return nomem(c);
        if (begin(c, m, &next)) {
            json_decref(args);
            return nomem(c);
        }
        next.master_id = c->o->id;
        for (int u = 0; u < next.n_units; u++)
            next.units[u].active = false;
        next.status = ST_MERGED;
        TRY(emit(c, m, &next, ACT_MERGED_INTO, args));
    }
    return 0;
}

struct child {
    const char *title, *text, *address;
    int64_t category_id, region_id;
    json_t *args; /* borrowed from c->v */
};

static int read_child(struct dctx *c, size_t i, const json_t *item, struct child *ch)
{
    static const char *const keys[] = {"title",     "text",    "category_id",
                                       "region_id", "address", NULL};
    char field[32];
    int rc;
    snprintf(field, sizeof field, "children[%zu]", i);
    memset(ch, 0, sizeof *ch);
    if (!json_is_object(item))
        return js_fail(c->e, JS_ETYPE, field, "each child is an object {title, text, ...}");
    if ((rc = jf_known(item, keys, c->e)) ||
        (rc = jf_str(item, "title", true, JS_MAX_TITLE, &ch->title, c->e)) ||
        (rc = jf_str(item, "text", true, JS_MAX_TEXT, &ch->text, c->e)) ||
        (rc = jf_str(item, "address", false, JS_MAX_ADDRESS, &ch->address, c->e)) ||
        (rc = jf_int(item, "category_id", false, 1, INT64_MAX, &ch->category_id, c->e)) ||
        (rc = jf_int(item, "region_id", false, 1, INT64_MAX, &ch->region_id, c->e)))
        return nested(c, rc, field);
    if ((rc = check_exists(c, "category_id", ch->category_id, c->env->category_exists, "分类")) ||
        (rc = check_exists(c, "region_id", ch->region_id, c->env->region_exists, "区域")))
        return nested(c, rc, field);
    if (ch->address && !*ch->address)
        ch->address = NULL;
    return 0;
}

/* Builds child order `o` (new, empty) of the split parent p from ch. */
static int fill_child(struct dctx *c, const struct order *p, const struct child *ch,
                      const char *number, struct order *next)
{
    snprintf(next->number, sizeof next->number, "%s", number);
    memcpy(next->channel, p->channel, sizeof next->channel);
    memcpy(next->upstream_id, p->upstream_id, sizeof next->upstream_id);
    next->upstream_deadline = p->upstream_deadline;
    next->verified = p->verified;
    next->anonymous = p->anonymous;
    next->wants_callback = p->wants_callback;
    next->needs_contact = p->needs_contact;
    next->type = p->type;
    next->level = p->level;
    next->tier = p->tier;
    next->enterprise = p->enterprise;
    next->category_id = ch->category_id ? ch->category_id : p->category_id;
    next->region_id = ch->region_id ? ch->region_id : p->region_id;
    if (!ch->address) { /* same place as the parent */
        next->has_coords = p->has_coords;
        next->lat = p->lat;
        next->lon = p->lon;
    }
    next->parent_id = p->id;
    next->created_at = c->env->now;
    next->status = ST_RECEIVED;
    if (order_set_str(&next->title, ch->title) || order_set_str(&next->text, ch->text) ||
        order_set_str(&next->address, ch->address ? ch->address : p->address) ||
        order_set_str(&next->citizen_name, p->citizen_name) ||
        order_set_str(&next->citizen_phone, p->citizen_phone))
        return nomem(c);
    return 0;
}

static int act_split(struct dctx *c)
{
    json_t *arr, *item, *norm;
    struct child ch[10];
    size_t i, n;
    const char *note;
    struct order next, *child;
    char number[20];
    int rc;
    TRY(need_status(c, S(RECEIVED) | S(FILED)));
    TRY(jf_array(c->in, "children", true, 10, &arr, c->e));
    n = json_array_size(arr);
    if (n < 2)
        return js_fail(c->e, JS_EINVAL, "children", "a split makes 2 to 10 child orders");
    if (!(norm = json_array()) || put(c, "children", norm))
        return nomem(c);
    json_array_foreach(arr, i, item)
    {
        TRY(read_child(c, i, item, &ch[i]));
        json_t *one = json_pack("{ss ss}", "title", ch[i].title, "text", ch[i].text);
        if (!one || json_array_append_new(norm, one))
            return nomem(c);
        if ((ch[i].address && json_object_set_new(one, "address", json_string(ch[i].address))) ||
            (ch[i].category_id &&
             json_object_set_new(one, "category_id", json_integer(ch[i].category_id))) ||
            (ch[i].region_id &&
             json_object_set_new(one, "region_id", json_integer(ch[i].region_id))))
            return nomem(c);
        ch[i].args = one;
    }
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));

    for (i = 0; i < n; i++) {
        TRY(new_order(c, &child, number));
        json_t *args = json_deep_copy(ch[i].args);
        if (!args || json_object_set_new(args, "parent_id", json_integer(c->o->id)) ||
            json_object_set_new(ch[i].args, "order_id", json_integer(child->id)) ||
            json_object_set_new(ch[i].args, "number", json_string(number))) {
            json_decref(args);
            return nomem(c);
        }
        if (begin(c, child, &next)) {
            json_decref(args);
            return nomem(c);
        }
        if ((rc = fill_child(c, c->o, &ch[i], number, &next))) {
            json_decref(args);
            order_release(&next);
            return rc;
        }
        TRY(emit(c, child, &next, ACT_INTAKE, args));
        if (c->o->status == ST_FILED) {
            TRY(begin(c, child, &next));
            next.filed_at = c->env->now;
            next.status = ST_FILED;
            TRY(emit(c, child, &next, ACT_FILE,
                     json_pack("{sI}", "parent_id", (json_int_t)c->o->id)));
        }
    }
    TRY(begin(c, c->o, &next));
    next.status = ST_SPLIT;
    return emit_main(c, &next);
}

static int act_sign(struct dctx *c)
{
    const char *note;
    struct order next;
    struct assignment *a = &c->o->units[c->mine];
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    if (a->signed_at)
        return js_fail(c->e, JS_ESTATE, "", "your unit has already signed for this order");
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.units[c->mine].signed_at = c->env->now;
    if (lead_type(a))
        next.status = ST_HANDLING;
    return emit_main(c, &next);
}

static int act_return(struct dctx *c)
{
    const char *reason, *basis;
    const json_t *att_in;
    json_t *att = NULL;
    struct order next;
    struct assignment *a = &c->o->units[c->mine];
    int rc;
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    TRY(need_lead_type(c));
    if (a->return_pending)
        return js_fail(c->e, JS_ESTATE, "", "your unit's return is already awaiting a decision");
    bool late = false;
    if (c->p->return_window > 0) {
        int64_t end = deadline_return_end(c->p, c->env->cal, a->dispatched_at);
        if (c->env->now > end && !c->p->late_return_allowed) {
            char when[40];
            jtime_format_cn(end, when, sizeof when);
            return js_fail(c->e, JS_EWINDOW, "", "退单时限已于%s届满，不能再退单", when);
        }
        /* 001 附件 三(一)2(2): a late return still goes to the centre, and costs points */
        late = c->env->now > end;
    }
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(in_str(c, "legal_basis", c->p->return_needs_basis, JS_MAX_NOTE, &basis));
    if (late)
        TRY(put(c, "late", json_true()));
    att_in = json_object_get(c->in, "attachment");
    if (att_in && !json_is_null(att_in)) {
        TRY(check_attachment(c, "attachment", att_in, &att));
        if (json_object_set_new(c->v, "attachment", att))
            return nomem(c);
    }
    if (a->returns >= 1 && c->p->second_return_needs_attachment) {
        /* 000 art. 9: 再次回退须上传有承办部门主管领导签署意见的说明; the signature is the leader's
         * own act, so the leader sends it */
        if (!att)
            return js_fail(c->e, JS_ENEEDATTACH, "attachment",
                           "本单位再次退单，须上传主管领导签署意见的说明（东城规定第九条）");
        if (c->who->role != ROLE_UNIT_LEADER)
            return js_fail(c->e, JS_EFORBIDDEN, "attachment",
                           "再次退单须由本单位主管领导（单位领导账号）签署意见后提交，"
                           "操作员不能代为签署");
        TRY(put(c, "signed_by", json_string(c->who->name)));
    }
    TRY(begin(c, c->o, &next));
    if ((rc = add_attachments(c, &next, att))) {
        order_release(&next);
        return rc;
    }
    next.units[c->mine].returns++;
    next.units[c->mine].return_pending = true;
    next.returns++;
    next.status = ST_RETURNED;
    return emit_main(c, &next);
}

/* The assignment whose pending return is decided: unit_id, or the only pending one. */
static int pending_unit(struct dctx *c, int *idx)
{
    int64_t unit;
    int n = 0;
    *idx = -1;
    TRY(in_id(c, "unit_id", false, &unit));
    for (int i = 0; i < c->o->n_units; i++) {
        const struct assignment *a = &c->o->units[i];
        if (!a->active || !a->return_pending)
            continue;
        n++;
        if (!unit || a->unit_id == unit)
            *idx = i;
    }
    if (unit && *idx < 0)
        return js_fail(c->e, JS_EINVAL, "unit_id", "unit %lld has no return awaiting a decision",
                       (long long)unit);
    if (!unit && n != 1)
        return js_fail(c->e, JS_EMISSING, "unit_id",
                       "'unit_id' names the unit whose return is decided");
    if (!unit)
        TRY(put(c, "unit_id", json_integer(c->o->units[*idx].unit_id)));
    return 0;
}

/* Who holds the order once a return was decided: returned while another return waits,
 * handling/dispatched while a lead or dual unit still holds it, else -1. */
static int holder_status(const struct order *o)
{
    bool pending = false, held = false, signed_ = false;
    for (int i = 0; i < o->n_units; i++) {
        const struct assignment *a = &o->units[i];
        if (!a->active || !lead_type(a))
            continue;
        if (a->return_pending) {
            pending = true;
        } else {
            held = true;
            signed_ = signed_ || a->signed_at > 0;
        }
    }
    if (pending)
        return ST_RETURNED;
    if (held)
        return signed_ ? ST_HANDLING : ST_DISPATCHED;
    return -1;
}

static int act_return_approve(struct dctx *c)
{
    const char *note;
    int idx;
    struct order next;
    TRY(need_status(c, S(RETURNED)));
    TRY(pending_unit(c, &idx));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.units[idx].active = false;
    next.units[idx].return_pending = false;
    next.status = holder_status(&next);
    if (next.status < 0) {
        int t = c->p->coordination_threshold;
        next.status = t > 0 && order_units_returned(&next) >= t ? ST_COORDINATION : ST_FILED;
    }
    return emit_main(c, &next);
}

static int act_return_reject(struct dctx *c)
{
    const char *reason;
    bool unjustified = true;
    int idx, n_assist = 0;
    int64_t taken[ORDER_MAX_UNITS], assist[8];
    int ntaken = 0;
    struct order next;
    TRY(need_status(c, S(RETURNED)));
    TRY(pending_unit(c, &idx));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(jf_bool(c->in, "unjustified", false, &unjustified, c->e));
    TRY(put(c, "unjustified", json_boolean(unjustified)));
    if (present(c->in, "assist_units") && !c->p->first_handler_duty)
        return js_fail(c->e, JS_ERULE, "assist_units",
                       "adding assisting units on rejecting a return needs the first-handler duty "
                       "rule (首办负责制)");
    for (int i = 0; i < c->o->n_units; i++)
        if (c->o->units[i].active)
            taken[ntaken++] = c->o->units[i].unit_id;
    TRY(in_units(c, "assist_units", 8, taken, ntaken, assist, &n_assist));
    TRY(check_room(c, "assist_units", assist, n_assist));
    TRY(begin(c, c->o, &next));
    next.units[idx].return_pending = false;
    for (int i = 0; i < n_assist; i++)
        assign(&next, assist[i], ASG_ASSIST, c->env->now);
    next.status = holder_status(&next);
    assert(next.status >= 0); /* the rejected unit holds it again */
    return emit_main(c, &next);
}

/* 签批 (001 §二(二)): the unit's leader signs the order over to the person who handles it. The
 * leader is the user who acts (a unit_leader), never a name typed by someone else. */
static int act_sign_approval(struct dctx *c)
{
    const char *handler, *note;
    struct order next;
    TRY(need_status(c, S(HANDLING)));
    if (c->o->sign_approved)
        return js_fail(c->e, JS_ESTATE, "", "该工单已经签批");
    TRY(in_str(c, "handler", true, JS_MAX_SHORT, &handler));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(put(c, "leader", json_string(c->who->name)));
    TRY(begin(c, c->o, &next));
    next.sign_approved = true;
    return emit_main(c, &next);
}

/* Contact with the citizen (001: a non-anonymous citizen is contacted). The unit complained about
 * never learns who complained (000 art. 3, 003 art. 20): it may not contact the citizen itself,
 * the platform relays (a dispatcher records the contact it made for the unit, `relay`). */
static int act_contact(struct dctx *c)
{
    const char *const *methods = contact_methods;
    int method = 0;
    const char *result;
    struct order next;
    bool relay = !is_unit_role(c->who->role);
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    if (c->o->anonymous)
        return js_fail(c->e, JS_ERULE, "anonymous", "an anonymous citizen cannot be contacted");
    if (!relay && c->o->about_unit_id && c->o->about_unit_id == c->who->unit_id)
        return js_fail(c->e, JS_ERULE, "about_unit_id",
                       "本单位是该诉求的被投诉单位，不能直接联系诉求人，也不能知悉其身份；"
                       "需要联系时由平台转达");
    if (relay) {
        struct assignment *held =
            c->o->about_unit_id ? order_unit(c->o, c->o->about_unit_id) : NULL;
        if (!held || !held->active)
            return js_fail(c->e, JS_ERULE, "about_unit_id",
                           "平台代为联系（转达）只用于由被投诉单位承办的工单，"
                           "其余工单由承办单位联系诉求人");
    }
    TRY(in_enum(c, "method", true, methods, &method));
    TRY(in_str(c, "result", true, JS_MAX_NOTE, &result));
    if (relay)
        TRY(put(c, "relay", json_true()));
    TRY(begin(c, c->o, &next));
    next.contacted = true;
    return emit_main(c, &next);
}

static int act_extension_request(struct dctx *c)
{
    int64_t until;
    const char *reason;
    struct order next;
    const struct order *o = c->o;
    TRY(need_status(c, S(HANDLING)));
    TRY(need_lead_type(c));
    if (o->ext_pending)
        return js_fail(c->e, JS_ESTATE, "", "an extension request is already awaiting a decision");
    if (o->deadline <= 0)
        return js_fail(c->e, JS_ERULE, "until", "该工单没有可延长的办理时限");
    TRY(in_future(c, "until", true, &until));
    if (until <= o->deadline)
        return js_fail(c->e, JS_EINVAL, "until", "延期至的时间须晚于当前办理时限");
    if (c->p->max_extension_days > 0 &&
        until > o->deadline + (int64_t)c->p->max_extension_days * JT_DAY)
        return js_fail(c->e, JS_ERULE, "until", "延期最长%d天", c->p->max_extension_days);
    if (deadline_inside_upstream(c->p, o, until) != until)
        return js_fail(c->e, JS_ERULE, "until", "延期不得超出市级平台时限前%d小时（000第十三条）",
                       c->p->upstream_margin_hours);
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(begin(c, o, &next));
    next.ext_pending = true;
    next.ext_requested_until = until;
    return emit_main(c, &next);
}

static int act_extension_decide(struct dctx *c)
{
    bool approve = false;
    int64_t until;
    const char *reason;
    struct order next;
    TRY(need_status(c, OPEN_STATUSES));
    if (!c->o->ext_pending)
        return js_fail(c->e, JS_ESTATE, "", "no extension request is awaiting a decision");
    TRY(in_bool(c, "approve", true, &approve));
    TRY(in_future(c, "until", false, &until));
    if (until && !approve)
        return js_fail(c->e, JS_EINVAL, "until", "只有批准延期时才可给出延期至的时间");
    if (until && until <= c->o->deadline)
        return js_fail(c->e, JS_EINVAL, "until", "延期至的时间须晚于当前办理时限");
    if (until && deadline_inside_upstream(c->p, c->o, until) != until)
        return js_fail(c->e, JS_ERULE, "until", "延期不得超出市级平台时限前%d小时（000第十三条）",
                       c->p->upstream_margin_hours);
    TRY(in_str(c, "reason", !approve, JS_MAX_NOTE, &reason));
    if (approve && !until) {
        until = c->o->ext_requested_until;
        TRY(put_time(c, c->v, "until", until));
    }
    TRY(begin(c, c->o, &next));
    next.ext_pending = false;
    if (approve) {
        next.deadline = until;
        next.extensions++;
    }
    return emit_main(c, &next);
}

static int act_hang_request(struct dctx *c)
{
    const char *scope, *plan;
    int64_t expected;
    struct order next;
    TRY(need_status(c, S(HANDLING)));
    TRY(need_lead_type(c));
    if (c->o->hang == 1 || c->o->hang == 2)
        return js_fail(c->e, JS_ESTATE, "", "the order is already %s as a hanging account",
                       c->o->hang == 1 ? "申请" : "获准");
    TRY(in_str(c, "scope", true, JS_MAX_NOTE, &scope));
    TRY(in_str(c, "plan", true, JS_MAX_NOTE, &plan));
    /* the plan's expected date is kept on the order: reminders before it, supervision after it */
    TRY(in_future(c, "expected", true, &expected));
    TRY(begin(c, c->o, &next));
    next.hang = 1;
    next.hang_expected = expected;
    return emit_main(c, &next);
}

static int act_hang_decide(struct dctx *c)
{
    bool approve = false;
    const char *reason;
    struct order next;
    TRY(need_status(c, OPEN_STATUSES));
    if (c->o->hang != 1)
        return js_fail(c->e, JS_ESTATE, "", "no hanging-account request is awaiting a decision");
    TRY(in_bool(c, "approve", true, &approve));
    TRY(in_str(c, "reason", false, JS_MAX_NOTE, &reason));
    TRY(begin(c, c->o, &next));
    next.hang = approve ? 2 : 0;
    next.hang_since = approve ? c->env->now : 0; /* the deadline is suspended from now (004) */
    if (!approve)
        next.hang_expected = 0; /* no plan is in force */
    return emit_main(c, &next);
}

static int need_hang_active(struct dctx *c)
{
    TRY(need_status(c, OPEN_STATUSES));
    if (c->o->hang != 2)
        return js_fail(c->e, JS_ESTATE, "", "the order is not an approved hanging account");
    return 0;
}

static int act_hang_progress(struct dctx *c)
{
    const char *progress;
    TRY(need_hang_active(c));
    TRY(need_lead_type(c));
    TRY(in_str(c, "progress", true, JS_MAX_NOTE, &progress));
    return emit_record(c);
}

/* 销账 (004): lifting names its result, how the problem was solved. */
static int act_hang_lift(struct dctx *c)
{
    const char *note, *result;
    struct order next;
    TRY(need_hang_active(c));
    if (is_unit_role(c->who->role))
        TRY(need_lead_type(c));
    TRY(in_str(c, "result", true, JS_MAX_NOTE, &result));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.hang = 3;
    /* the time spent hanging is added back: the unit loses none of its limit */
    next.deadline = deadline_after_hang(c->o->deadline, c->o->hang_since, c->env->now);
    next.hang_since = 0;
    return emit_main(c, &next);
}

/* 并行派遣 (002 ch. 4, 并行派遣下的协同机制): the lead's reply includes the assisting units' parts,
 * recorded as "assists" [{unit_id, unit, reported_at}]; those yet to report are named in
 * "assists_pending", and under reply_waits_for_assists the reply waits for them. */
static int reply_assists(struct dctx *c)
{
    json_t *done = json_array(), *pending = json_array();
    char names[512] = "";
    size_t used = 0;
    int rc = done && pending ? 0 : nomem(c);
    for (int i = 0; i < c->o->n_units && !rc; i++) {
        const struct assignment *a = &c->o->units[i];
        if (!a->active || a->role != ASG_ASSIST)
            continue;
        struct unit u;
        memset(&u, 0, sizeof u);
        if (c->env->get_unit && c->env->get_unit(c->env->ctx, a->unit_id, &u))
            snprintf(u.name, sizeof u.name, "%lld", (long long)a->unit_id);
        if (a->replied_at) {
            char at[40];
            jtime_format(a->replied_at, at, sizeof at);
            if (json_array_append_new(done,
                                      json_pack("{sI ss ss}", "unit_id", (json_int_t)a->unit_id,
                                                "unit", u.name, "reported_at", at)))
                rc = nomem(c);
        } else {
            if (json_array_append_new(pending, json_integer(a->unit_id)))
                rc = nomem(c);
            const char *sep = used ? "、" : "";
            if (used + strlen(sep) + strlen(u.name) < sizeof names) /* whole names only */
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", sep, u.name);
        }
    }
    if (!rc && c->p->reply_waits_for_assists && json_array_size(pending) > 0)
        rc = js_fail(c->e, JS_ERULE, "assist_units",
                     "并行派遣的协办单位（%s）尚未反馈其承担部分的办理情况，主办单位须汇总后答复"
                     "（坪山办法第四章 并行派遣下的协同机制）",
                     names);
    if (!rc && json_array_size(done) > 0) {
        rc = put(c, "assists", done);
        done = NULL;
    }
    if (!rc && json_array_size(pending) > 0) {
        rc = put(c, "assists_pending", pending);
        pending = NULL;
    }
    json_decref(done);
    json_decref(pending);
    return rc;
}

/* 协办反馈 (002 ch. 4): an assisting unit of a parallel dispatch reports its part to the lead,
 * once per round, after signing; the lead's reply then includes it. */
static int act_assist_report(struct dctx *c)
{
    const char *result;
    const json_t *atts;
    struct order next;
    int rc;
    const struct assignment *a = &c->o->units[c->mine];
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    if (a->role != ASG_ASSIST)
        return js_fail(c->e, JS_EFORBIDDEN, "",
                       "协办反馈由协办单位提交；主办、双派单位以办结反馈答复");
    if (!a->signed_at)
        return js_fail(c->e, JS_ESTATE, "", "sign for the order before replying");
    if (a->replied_at)
        return js_fail(c->e, JS_ESTATE, "", "本单位已就本轮办理反馈过协办情况");
    TRY(in_str(c, "result", true, JS_MAX_TEXT, &result));
    TRY(in_attachments(c, "attachments", 20, &atts));
    TRY(begin(c, c->o, &next));
    if ((rc = add_attachments(c, &next, atts))) {
        order_release(&next);
        return rc;
    }
    next.units[c->mine].replied_at = c->env->now;
    return emit_main(c, &next);
}

static int act_reply(struct dctx *c)
{
    const char *result, *responsible, *handler;
    int closure = 0, rc;
    const json_t *atts;
    struct order next;
    const struct assignment *a = &c->o->units[c->mine];
    TRY(need_status(c, S(HANDLING)));
    TRY(need_lead_type(c));
    if (!a->signed_at)
        return js_fail(c->e, JS_ESTATE, "", "sign for the order before replying");
    if (a->return_pending)
        return js_fail(c->e, JS_ESTATE, "", "your unit's return is awaiting a decision");
    if (a->replied_at)
        return js_fail(c->e, JS_ESTATE, "", "your unit has already replied in this round");
    TRY(in_str(c, "result", true, JS_MAX_TEXT, &result));
    TRY(in_enum(c, "closure", true, js_closure_names, &closure));
    if (c->p->reply_needs_sign_approval && !c->o->sign_approved)
        return js_fail(
            c->e, JS_ERULE, "sign_approval",
            "工单须经本单位主要负责人签批后办理，签批后方可回复（临沭通知第二条第（二）项）；"
            "请单位领导先签批");
    TRY(in_str(c, "responsible", true, JS_MAX_SHORT, &responsible));
    TRY(in_str(c, "handler", false, JS_MAX_SHORT, &handler));
    if (c->p->reply_needs_sign_approval && !handler)
        return js_fail(c->e, JS_EMISSING, "handler",
                       "回复时须注明牵头负责人（responsible）和具体办理人员（handler）"
                       "（临沭通知第二条第（二）项）");
    TRY(in_attachments(c, "attachments", 20, &atts));
    TRY(reply_assists(c));
    TRY(begin(c, c->o, &next));
    if (order_set_str(&next.reply_text, result)) {
        order_release(&next);
        return nomem(c);
    }
    if ((rc = add_attachments(c, &next, atts))) {
        order_release(&next);
        return rc;
    }
    next.units[c->mine].replied_at = c->env->now;
    next.closure = closure;
    bool all = true;
    for (int i = 0; i < next.n_units; i++)
        if (next.units[i].active && lead_type(&next.units[i]) && !next.units[i].replied_at)
            all = false;
    if (all) {
        next.status = ST_REPLIED;
        next.replied_at = c->env->now;
    }
    return emit_main(c, &next);
}

/* Closes the acting order (next already in its closed state) and cascades. */
static int emit_close(struct dctx *c, struct order *next)
{
    TRY(emit_main(c, next));
    return close_cascade(c, c->o, 0);
}

/* The closure standard by the clock (002 art. 17): interim when the reply closed only a stage,
 * overdue when it came after the handling deadline, else on time. */
static int timeliness_standard(const struct order *o)
{
    if (o->closure == CLOSURE_INTERIM)
        return STD_INTERIM;
    if (o->deadline > 0 && o->replied_at > o->deadline)
        return STD_OVERDUE;
    return STD_ON_TIME;
}

/* The closure standard by the order's type (002 art. 17): consultations, suggestions, and the
 * complaint standard for the requests that ask a problem to be handled (求助、投诉、举报、需求);
 * -1 for praise, which no standard covers. */
static int type_standard(const struct order *o)
{
    switch (o->type) {
    case TYPE_CONSULT:
        return STD_CONSULT;
    case TYPE_SUGGEST:
        return STD_SUGGEST;
    case TYPE_PRAISE:
        return -1;
    default:
        return STD_COMPLAINT;
    }
}

static int act_review(struct dctx *c)
{
    const char *const *standards = review_standards;
    bool pass = false;
    int typed = -1, by_clock = timeliness_standard(c->o), by_type = type_standard(c->o), why = 0;
    const char *reason;
    struct order next;
    TRY(need_status(c, S(REPLIED)));
    TRY(in_bool(c, "pass", true, &pass));
    TRY(in_str(c, "reason", !pass, JS_MAX_NOTE, &reason));
    if (pass && present(c->in, "not_closed_reason"))
        return js_fail(c->e, JS_EINVAL, "not_closed_reason",
                       "审核通过时不填不予结案情形 not_closed_reason");
    TRY(in_enum(c, "not_closed_reason", !pass, not_closed_reasons, &why));
    TRY(in_enum(c, "standard", false, standards, &typed));
    if (present(c->in, "standard")) {
        int derived = typed <= STD_INTERIM ? by_clock : by_type;
        if (typed != derived) {
            char replied[40] = "", due[40] = "";
            jtime_format_cn(c->o->replied_at, replied, sizeof replied);
            if (c->o->deadline > 0)
                jtime_format_cn(c->o->deadline, due, sizeof due);
            if (typed <= STD_INTERIM)
                return js_fail(c->e, JS_ERULE, "standard",
                               "结案标准由办理时限得出：本单于%s答复，办理时限%s，应为“%s”，"
                               "不能按“%s”审核",
                               replied, due[0] ? due : "未设", review_standard_labels[derived],
                               review_standard_labels[typed]);
            return js_fail(c->e, JS_ERULE, "standard",
                           "结案标准由诉求类型得出：本单为%s件，应为“%s”，不能按“%s”审核",
                           js_type_labels[c->o->type],
                           derived >= 0 ? review_standard_labels[derived] : "无类型标准",
                           review_standard_labels[typed]);
        }
    }
    /* a consultation is answered, not handled in stages (诉求解答) */
    if (pass && by_type == STD_CONSULT && c->o->closure == CLOSURE_INTERIM)
        return js_fail(c->e, JS_ERULE, "closure",
                       "咨询类结案须解答到位，阶段性办结的答复不符合咨询类结案标准，"
                       "请以不予结案（unanswered）退回");
    TRY(put(c, "standard", json_string(standards[by_clock])));
    if (by_type >= 0)
        TRY(put(c, "type_standard", json_string(standards[by_type])));
    TRY(begin(c, c->o, &next));
    if (!pass) {
        /* 不予结案: back to the unit for rework (返工) */
        next.status = ST_HANDLING;
        next.reworks++;
        for (int i = 0; i < next.n_units; i++)
            next.units[i].replied_at = 0;
        return emit_main(c, &next);
    }
    if (!c->o->anonymous) {
        next.status = ST_CALLBACK;
        return emit_main(c, &next);
    }
    next.status = ST_CLOSED;
    next.close_kind = CK_NORMAL;
    next.closed_at = c->env->now;
    return emit_close(c, &next);
}

static int act_callback(struct dctx *c)
{
    bool unreachable = false, contacted = false, solved = false;
    int sat = SAT_NONE;
    const char *note;
    struct order next;
    TRY(need_status(c, CALLBACK_STATES));
    TRY(in_bool(c, "unreachable", false, &unreachable));
    if (unreachable) {
        static const char *const answers[] = {"contacted", "solved", "satisfaction",
                                              "process_satisfaction"};
        for (size_t i = 0; i < JS_ARRAY_LEN(answers); i++)
            if (present(c->in, answers[i]))
                return js_fail(c->e, JS_EINVAL, answers[i],
                               "an unreachable citizen gave no '%s' answer", answers[i]);
    }
    TRY(in_bool(c, "contacted", !unreachable, &contacted));
    TRY(in_bool(c, "solved", !unreachable, &solved));
    TRY(in_enum(c, "satisfaction", !unreachable, js_satisfaction_names, &sat));
    if (!unreachable && sat == SAT_NONE)
        return js_fail(c->e, JS_EINVAL, "satisfaction",
                       "'satisfaction' is satisfied, basic or unsatisfied");
    /* 服务过程满意 is asked apart from the result (001 附件 三(一)2(1)); optional */
    int process = SAT_NONE;
    TRY(in_enum(c, "process_satisfaction", false, js_satisfaction_names, &process));
    if (present(c->in, "process_satisfaction") && process == SAT_NONE)
        return js_fail(c->e, JS_EINVAL, "process_satisfaction",
                       "服务过程满意度只能是 satisfied（满意）、basic（基本满意）或 "
                       "unsatisfied（不满意）");
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.cb_tries++;
    if (unreachable) {
        next.cb_unreachable = c->p->callback_tries > 0 && next.cb_tries >= c->p->callback_tries;
    } else {
        next.cb_contacted = contacted;
        next.cb_solved = solved;
        next.cb_satisfaction = sat;
        next.cb_unreachable = false;
    }
    return emit_main(c, &next);
}

static bool callback_negative(const struct order *o)
{
    return o->cb_satisfaction == SAT_UNSATISFIED || o->cb_solved == 0;
}

static int act_reopen(struct dctx *c)
{
    const char *const *levels = reopen_levels;
    int level = 0;
    int64_t updue = 0;
    const char *reason;
    struct order next;
    TRY(in_enum(c, "level", false, levels, &level));
    /* 市级重办 (001; issue 15): the city sends the order back after its own callback, also once
     * it is closed here; the system relays only that */
    bool city = level == 1 && c->who->role == ROLE_SYSTEM;
    if (c->who->role == ROLE_SYSTEM && !city)
        return js_fail(c->e, JS_EFORBIDDEN, "level", "系统只转达市级重办（level 为 upstream）");
    TRY(need_status(c, S(CALLBACK) | S(ANSWERED) | (city ? S(CLOSED) : 0)));
    if (!city && !callback_negative(c->o))
        return js_fail(c->e, JS_ERULE, "satisfaction",
                       "an order is reopened only after a callback found it unsolved or the "
                       "citizen unsatisfied");
    TRY(put(c, "level", json_string(levels[level])));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(in_future(c, "upstream_deadline", false, &updue));
    if (updue && level != 1)
        return js_fail(c->e, JS_EINVAL, "upstream_deadline", "只有市级重办才带有新的市级办理时限");
    bool to_units = c->o->status == ST_CALLBACK || (c->o->status == ST_CLOSED && c->o->n_units > 0);
    if (to_units) { /* back to the units: a new feedback limit */
        TRY(put_feedback_due(c));
    }
    TRY(begin(c, c->o, &next));
    if (updue)
        next.upstream_deadline = updue;
    next.reopens++;
    if (level == 0)
        next.reopens_district++;
    else
        next.reopens_upstream++;
    next.cb_tries = 0;
    next.cb_contacted = next.cb_solved = -1;
    next.cb_satisfaction = SAT_NONE;
    next.cb_unreachable = false;
    next.closure = -1;
    for (int i = 0; i < next.n_units; i++)
        next.units[i].replied_at = 0;
    if (c->o->status == ST_CLOSED) {
        next.closed_at = 0;
        next.close_kind = CK_NONE;
    }
    if (to_units) {
        next.status = ST_HANDLING;
        next.deadline = limit_deadline(c->env, &next, next.tier, c->env->now);
    } else {
        next.status = ST_FILED;
    }
    return emit_main(c, &next);
}

static int act_close(struct dctx *c)
{
    const struct order *o = c->o;
    const char *reason;
    struct order next;
    bool answered = o->status == ST_ANSWERED;
    TRY(need_status(c, S(CALLBACK) | S(ANSWERED)));
    bool have_result = o->cb_satisfaction != SAT_NONE || o->cb_unreachable;
    bool exempt = answered &&
                  (o->type == TYPE_CONSULT || o->anonymous || !c->p->callback_required_for_answer);
    if (!have_result && !exempt)
        return js_fail(c->e, JS_ERULE, "callback", "record the callback result before closing");
    TRY(in_str(c, "reason", have_result && callback_negative(o), JS_MAX_NOTE, &reason));
    TRY(begin(c, o, &next));
    next.status = ST_CLOSED;
    next.close_kind = answered ? CK_DIRECT : CK_NORMAL;
    next.closed_at = c->env->now;
    return emit_close(c, &next);
}

static int act_archive(struct dctx *c)
{
    const char *note;
    struct order next;
    TRY(need_status(c, S(CLOSED) | S(NOT_FILED) | S(TRANSFERRED)));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(begin(c, c->o, &next));
    next.archived_at = c->env->now;
    next.status = ST_ARCHIVED;
    return emit_main(c, &next);
}

/* The optional fields that say which time limit a system urge or supervision is for (the
 * scheduler records them so that it acts once per threshold): kind, share, due. */
static int in_threshold(struct dctx *c, bool with_share)
{
    const char *kind;
    int64_t due;
    TRY(in_str(c, "kind", false, 32, &kind));
    if (with_share && present(c->in, "share")) {
        const json_t *v = json_object_get(c->in, "share");
        double share = json_is_number(v) ? json_number_value(v) : -1;
        if (!(share > 0.0 && share <= 1.0))
            return js_fail(c->e, JS_EINVAL, "share", "'share' is a number in (0, 1]");
        TRY(put(c, "share", json_real(share)));
    }
    return in_time(c, "due", false, &due);
}

static int act_urge(struct dctx *c)
{
    const char *note;
    struct order next;
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING) | S(RETURNED)));
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(in_threshold(c, true));
    TRY(begin(c, c->o, &next));
    next.urges++;
    return emit_main(c, &next);
}

static int act_supervise(struct dctx *c)
{
    int64_t count = 0;
    const char *reason;
    struct order next;
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(in_threshold(c, false));
    TRY(jf_int(c->in, "count", false, 0, 100000, &count, c->e));
    if (present(c->in, "count"))
        TRY(put(c, "count", json_integer(count)));
    if (c->p->supervision_answer_hours > 0) {
        /* the answer of an upstream order's supervision falls before the city's deadline less
         * the margin while that is still ahead (000 art. 10) */
        int64_t answer = c->env->now + (int64_t)c->p->supervision_answer_hours * 3600;
        int64_t end = deadline_upstream_end(c->p, c->o);
        if (end > c->env->now && answer > end)
            answer = end;
        TRY(put_time(c, c->v, "answer_due", answer));
    }
    TRY(begin(c, c->o, &next));
    next.supervisions++;
    next.supervisions_open++;
    return emit_main(c, &next);
}

static int act_supervise_answer(struct dctx *c)
{
    const char *answer;
    struct order next;
    TRY(need_status(c, OPEN_STATUSES));
    TRY(need_lead_type(c));
    if (c->o->supervisions_open <= 0)
        return js_fail(c->e, JS_ESTATE, "", "no supervision is awaiting an answer");
    TRY(in_str(c, "answer", true, JS_MAX_NOTE, &answer));
    TRY(begin(c, c->o, &next));
    next.supervisions_open--;
    return emit_main(c, &next);
}

static int act_force_close(struct dctx *c)
{
    const char *reason;
    struct order next;
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING)));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(begin(c, c->o, &next));
    next.status = ST_CLOSED;
    next.close_kind = CK_FORCED;
    next.closed_at = c->env->now;
    return emit_close(c, &next);
}

/* The statuses in which a unit holds the order and can be handed a leader's instruction. */
#define HELD_STATES (S(DISPATCHED) | S(HANDLING) | S(RETURNED) | S(REPLIED) | S(CALLBACK))

/* 领导批示 (003 art. 12(3)): a leader's instruction on the order; with unit_id it is handed
 * (交办) to a unit holding the order, which owes a written report by `due` (003 art. 13(2)). */
static int act_instruct(struct dctx *c)
{
    const char *text;
    int64_t unit, due;
    struct order next;
    TRY(need_status(c, ~S(ARCHIVED)));
    TRY(in_str(c, "text", true, JS_MAX_NOTE, &text));
    TRY(in_id(c, "unit_id", false, &unit));
    if (!unit && present(c->in, "due"))
        return js_fail(c->e, JS_EINVAL, "due", "只有交办单位（unit_id）时才设书面报告期限 due");
    if (!unit)
        return emit_record(c);
    TRY(need_status(c, HELD_STATES));
    const struct assignment *a = order_unit(c->o, unit);
    if (!a || !a->active)
        return js_fail(c->e, JS_EINVAL, "unit_id", "单位 %lld 未承办该工单，不能向其交办批示",
                       (long long)unit);
    if (c->o->instruct_unit_id)
        return js_fail(c->e, JS_ESTATE, "unit_id",
                       "上一次领导批示交办的书面报告尚未提交，提交后才能再次交办");
    TRY(in_future(c, "due", true, &due));
    TRY(begin(c, c->o, &next));
    next.instruct_unit_id = unit;
    next.instruct_due = due;
    return emit_main(c, &next);
}

/* 批示件书面报告 (003 art. 13(2)): the unit's leader reports in writing on the instruction handed
 * to the unit; a report after the due time is taken and marked late. */
static int act_instruct_report(struct dctx *c)
{
    const char *report;
    const json_t *atts;
    struct order next;
    int rc;
    TRY(need_status(c, ~S(ARCHIVED)));
    if (!c->o->instruct_unit_id)
        return js_fail(c->e, JS_ESTATE, "", "该工单没有待书面报告的领导批示交办");
    if (c->o->instruct_unit_id != c->who->unit_id)
        return js_fail(c->e, JS_EFORBIDDEN, "", "领导批示交办给了其他单位，由该单位书面报告");
    TRY(in_str(c, "report", true, JS_MAX_TEXT, &report));
    TRY(in_attachments(c, "attachments", 20, &atts));
    TRY(put(c, "signed_by", json_string(c->who->name)));
    TRY(put_time(c, c->v, "due", c->o->instruct_due));
    if (c->env->now > c->o->instruct_due)
        TRY(put(c, "late", json_true()));
    TRY(begin(c, c->o, &next));
    if ((rc = add_attachments(c, &next, atts))) {
        order_release(&next);
        return rc;
    }
    next.instruct_unit_id = 0;
    next.instruct_due = 0;
    return emit_main(c, &next);
}

/* 派单前会商 (001 §二(一), 000 art. 5): the centre calls the units concerned together before
 * dispatching an order whose handling unit is unclear; the order waits in coordination. */
static int act_consult(struct dctx *c)
{
    const char *topic, *people;
    int64_t ids[16], held;
    int n = 0;
    struct order next;
    TRY(need_status(c, S(FILED) | S(COORDINATION)));
    if (c->o->consult == 1)
        return js_fail(c->e, JS_ESTATE, "", "该工单正在会商，请先记录会商结果");
    TRY(in_str(c, "topic", true, JS_MAX_NOTE, &topic));
    TRY(in_units(c, "units", 16, NULL, 0, ids, &n));
    if (n < 1)
        return js_fail(c->e, JS_EMISSING, "units", "会商至少要有一个参加单位（units）");
    TRY(in_str(c, "people", false, JS_MAX_NOTE, &people));
    TRY(in_time(c, "held_at", false, &held));
    TRY(begin(c, c->o, &next));
    next.consult = 1;
    next.consult_unit_id = 0;
    next.status = ST_COORDINATION;
    return emit_main(c, &next);
}

/* 会商结果: what the consultation decided, and the lead unit the dispatch must then go to. */
static int act_consult_result(struct dctx *c)
{
    const char *outcome;
    int64_t unit, assist[8];
    int n = 0;
    struct order next;
    TRY(need_status(c, S(COORDINATION)));
    if (c->o->consult != 1)
        return js_fail(c->e, JS_ESTATE, "", "该工单没有正在进行的会商");
    TRY(in_str(c, "outcome", true, JS_MAX_NOTE, &outcome));
    TRY(in_id(c, "unit_id", false, &unit));
    if (unit)
        TRY(check_unit(c, "unit_id", unit));
    TRY(in_units(c, "assist_units", 8, &unit, unit ? 1 : 0, assist, &n));
    TRY(begin(c, c->o, &next));
    next.consult = 2;
    next.consult_unit_id = unit;
    return emit_main(c, &next);
}

/* 指定单位预先调查核实 (001 §二(一)): when the handling unit still cannot be determined, a unit
 * with related functions investigates first and proposes how to handle it; the order is not
 * dispatched until it has reported. */
static int act_preinvestigate(struct dctx *c)
{
    const char *task;
    int64_t unit, due;
    struct order next;
    TRY(need_status(c, S(FILED) | S(COORDINATION)));
    if (c->o->preinv == 1)
        return js_fail(c->e, JS_ESTATE, "", "已指定单位预先调查，尚待其反馈");
    TRY(in_id(c, "unit_id", true, &unit));
    TRY(check_unit(c, "unit_id", unit));
    TRY(in_str(c, "task", true, JS_MAX_NOTE, &task));
    TRY(in_future(c, "due", false, &due));
    TRY(begin(c, c->o, &next));
    next.preinv = 1;
    next.preinv_unit_id = unit;
    return emit_main(c, &next);
}

/* 预先调查反馈: the designated unit's findings and its proposal (处理建议). */
static int act_preinv_report(struct dctx *c)
{
    const char *findings, *proposal;
    int64_t suggested;
    struct order next;
    TRY(need_status(c, S(FILED) | S(COORDINATION)));
    if (c->o->preinv != 1)
        return js_fail(c->e, JS_ESTATE, "", "该工单没有待反馈的预先调查");
    if (c->o->preinv_unit_id != c->who->unit_id)
        return js_fail(c->e, JS_EFORBIDDEN, "", "预先调查由指定的单位反馈");
    TRY(in_str(c, "findings", true, JS_MAX_TEXT, &findings));
    TRY(in_str(c, "proposal", true, JS_MAX_NOTE, &proposal));
    TRY(in_id(c, "suggested_unit_id", false, &suggested));
    if (suggested)
        TRY(check_unit(c, "suggested_unit_id", suggested));
    TRY(begin(c, c->o, &next));
    next.preinv = 2;
    return emit_main(c, &next);
}

/* 提示/警示 (001 §二(五), 002 art. 23): a letter to the contacts of the unit(s) handling the order.
 * The warned units go into the args as "units" (the named one, else the active lead and dual
 * units), so that the notifications and the warnings list know whom it concerned. */
static int act_warn(struct dctx *c)
{
    const char *const *kinds = warn_kinds, *const *levels = warn_levels;
    int kind = 0, level = 0;
    int64_t count = 0, unit_id;
    const char *reason;
    json_t *units;
    TRY(need_status(c, ~S(ARCHIVED)));
    TRY(in_enum(c, "kind", true, kinds, &kind));
    TRY(in_enum(c, "level", true, levels, &level));
    TRY(jf_int(c->in, "count", false, 0, 100000, &count, c->e));
    if (present(c->in, "count"))
        TRY(put(c, "count", json_integer(count)));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(in_id(c, "unit_id", false, &unit_id));
    if (!(units = json_array()))
        return nomem(c);
    TRY(put(c, "units", units));
    if (unit_id) {
        if (!order_unit(c->o, unit_id))
            return js_fail(c->e, JS_EINVAL, "unit_id", "unit %lld does not hold this order",
                           (long long)unit_id);
        if (json_array_append_new(units, json_integer(unit_id)))
            return nomem(c);
    } else {
        for (int i = 0; i < c->o->n_units; i++)
            if (c->o->units[i].active && lead_type(&c->o->units[i]) &&
                json_array_append_new(units, json_integer(c->o->units[i].unit_id)))
                return nomem(c);
        if (json_array_size(units) == 0)
            return js_fail(c->e, JS_ERULE, "unit_id",
                           "no unit holds the order: name the unit to warn");
    }
    return emit_record(c);
}

/* 超期标记: the scheduler's record that the order passed its deadline (SPEC §3.13). */
static int act_mark_overdue(struct dctx *c)
{
    const char *note;
    TRY(need_status(c, S(DISPATCHED) | S(HANDLING) | S(RETURNED)));
    if (c->o->hang == 2)
        return js_fail(c->e, JS_ERULE, "hang", "an approved hanging account is not overdue");
    if (c->o->deadline <= 0 || c->o->deadline >= c->env->now)
        return js_fail(c->e, JS_ERULE, "deadline", "the order is not past its deadline");
    TRY(in_str(c, "note", false, JS_MAX_NOTE, &note));
    TRY(put_time(c, c->v, "due", c->o->deadline));
    return emit_record(c);
}

/* 专报 (001 §二(六)): the order goes on the special-report list for the leaders. */
static int act_special_report(struct dctx *c)
{
    const char *reason;
    int64_t count = c->o->reopens;
    TRY(need_status(c, ~S(ARCHIVED)));
    TRY(in_str(c, "reason", true, JS_MAX_NOTE, &reason));
    TRY(jf_int(c->in, "count", false, 0, 100000, &count, c->e));
    TRY(put(c, "count", json_integer(count)));
    return emit_record(c);
}

/* 诉求人补充 (issue 15): what the citizen adds on the self-service page is appended to the
 * order's text, marked as the citizen's, while the order is still being handled. */
static int act_supplement(struct dctx *c)
{
    const char *text;
    const json_t *atts;
    char when[40], photos[64] = "";
    struct order next;
    TRY(need_status(c, SUPPLEMENT_STATES));
    TRY(in_str(c, "text", false, JS_MAX_NOTE, &text));
    TRY(in_attachments(c, "attachments", 4, &atts));
    size_t n_atts = atts ? json_array_size(atts) : 0;
    if (!(text && *text) && n_atts == 0)
        return js_fail(c->e, JS_EMISSING, "text", "请填写补充的情况或附上照片");
    if (n_atts)
        snprintf(photos, sizeof photos, "（附照片 %zu 张）", n_atts);
    TRY(begin(c, c->o, &next));
    if (add_attachments(c, &next, atts)) {
        order_release(&next);
        return nomem(c);
    }
    jtime_format_cn(c->env->now, when, sizeof when);
    size_t old = next.text ? strlen(next.text) : 0,
           add = (text ? strlen(text) : 0) + sizeof when + sizeof photos + 64;
    char *joined = malloc(old + add);
    if (!joined) {
        order_release(&next);
        return nomem(c);
    }
    snprintf(joined, old + add, "%s\n\n【诉求人补充 %s】%s%s", next.text ? next.text : "", when,
             text ? text : "", photos);
    if (utf8_len(joined) > JS_MAX_TEXT) {
        free(joined);
        order_release(&next);
        return js_fail(c->e, JS_ETOOLONG, "text", "补充后诉求内容超过 %d 个字符", JS_MAX_TEXT);
    }
    int rc = order_set_str(&next.text, joined);
    free(joined);
    if (rc) {
        order_release(&next);
        return nomem(c);
    }
    return emit_main(c, &next);
}

/* ---- the entry point ---------------------------------------------------------------------- */

static int run(struct dctx *c)
{
    switch (c->action) {
    case ACT_INTAKE:
        return act_intake(c);
    case ACT_VERIFY:
        return act_verify(c);
    case ACT_FILE:
        return act_file(c);
    case ACT_NOT_FILE:
        return act_not_file(c);
    case ACT_TRANSFER:
        return act_transfer(c);
    case ACT_ANSWER:
        return act_answer(c);
    case ACT_DISPATCH:
        return act_dispatch(c);
    case ACT_MERGE:
        return act_merge(c);
    case ACT_SPLIT:
        return act_split(c);
    case ACT_SIGN:
        return act_sign(c);
    case ACT_RETURN:
        return act_return(c);
    case ACT_RETURN_APPROVE:
        return act_return_approve(c);
    case ACT_RETURN_REJECT:
        return act_return_reject(c);
    case ACT_SIGN_APPROVAL:
        return act_sign_approval(c);
    case ACT_CONTACT:
        return act_contact(c);
    case ACT_EXTENSION_REQUEST:
        return act_extension_request(c);
    case ACT_EXTENSION_DECIDE:
        return act_extension_decide(c);
    case ACT_HANG_REQUEST:
        return act_hang_request(c);
    case ACT_HANG_DECIDE:
        return act_hang_decide(c);
    case ACT_HANG_PROGRESS:
        return act_hang_progress(c);
    case ACT_HANG_LIFT:
        return act_hang_lift(c);
    case ACT_REPLY:
        return act_reply(c);
    case ACT_REVIEW:
        return act_review(c);
    case ACT_CALLBACK:
        return act_callback(c);
    case ACT_REOPEN:
        return act_reopen(c);
    case ACT_CLOSE:
        return act_close(c);
    case ACT_ARCHIVE:
        return act_archive(c);
    case ACT_URGE:
        return act_urge(c);
    case ACT_SUPERVISE:
        return act_supervise(c);
    case ACT_SUPERVISE_ANSWER:
        return act_supervise_answer(c);
    case ACT_FORCE_CLOSE:
        return act_force_close(c);
    case ACT_INSTRUCT:
        return act_instruct(c);
    case ACT_WARN:
        return act_warn(c);
    case ACT_MARK_OVERDUE:
        return act_mark_overdue(c);
    case ACT_SPECIAL_REPORT:
        return act_special_report(c);
    case ACT_ASSIST_REPORT:
        return act_assist_report(c);
    case ACT_SUPPLEMENT:
        return act_supplement(c);
    case ACT_CONSULT:
        return act_consult(c);
    case ACT_CONSULT_RESULT:
        return act_consult_result(c);
    case ACT_PREINVESTIGATE:
        return act_preinvestigate(c);
    case ACT_PREINV_REPORT:
        return act_preinv_report(c);
    case ACT_INSTRUCT_REPORT:
        return act_instruct_report(c);
    default:
        return js_fail(c->e, JS_EFORBIDDEN, "", "'%s' is not requested directly",
                       js_action_names[c->action]);
    }
}

/* Fetches the order acted on and, for unit users, their unit's active assignment: a unit that
 * holds none is told the order does not exist. */
static int load_order(struct dctx *c, int64_t order_id)
{
    int rc = order_id > 0 ? c->env->get_order(c->env->ctx, order_id, &c->o) : -JS_ENOTFOUND;
    if (rc == -JS_ENOTFOUND)
        return js_fail(c->e, JS_ENOTFOUND, "order_id", "order not found");
    if (rc)
        return js_fail(c->e, -rc, "order_id", "cannot read order %lld", (long long)order_id);
    if (!is_unit_role(c->who->role))
        return 0;
    for (int i = 0; i < c->o->n_units; i++)
        if (c->o->units[i].active && c->o->units[i].unit_id == c->who->unit_id && c->who->unit_id)
            c->mine = i;
    /* the unit designated to investigate first, and the unit owing a report on an instruction,
     * act on the order without holding it */
    if (c->mine < 0 && c->who->unit_id &&
        ((c->action == ACT_PREINV_REPORT && c->o->preinv_unit_id == c->who->unit_id) ||
         (c->action == ACT_INSTRUCT_REPORT && c->o->instruct_unit_id == c->who->unit_id)))
        return 0;
    if (c->mine < 0)
        return js_fail(c->e, JS_ENOTFOUND, "order_id", "order not found");
    return 0;
}

int lifecycle_decide(const struct lc_env *env, const struct actor *who, int action,
                     int64_t order_id, const json_t *args, struct event_list *out,
                     struct js_error *e)
{
    struct dctx c = {.env = env,
                     .p = env->policy,
                     .who = who,
                     .action = action,
                     .in = args,
                     .mine = -1,
                     .out = out,
                     .e = e};
    json_t *empty = NULL;
    int rc;
    js_error_clear(e);
    if (action < 0 || action >= ACT__COUNT)
        return js_fail(e, JS_EINVAL, "action", "unknown action %d", action);
    if (!lifecycle_role_allows(who->role, action)) {
        rc = js_fail(e, JS_EFORBIDDEN, "", "role '%s' may not %s an order",
                     who->role >= 0 && who->role < ROLE__COUNT ? js_role_labels[who->role] : "?",
                     js_action_labels[action]);
        goto out;
    }
    if (!args)
        c.in = empty = json_object();
    c.v = json_object();
    if (!c.in || !c.v) {
        rc = js_fail(e, JS_ENOMEM, "", "out of memory");
        goto out;
    }
    if ((rc = lifecycle_check_shape(action, c.in, e)))
        goto out;
    if (action == ACT_INTAKE) {
        if (order_id != 0)
            rc = js_fail(e, JS_EINVAL, "order_id", "intake creates a new order: no order id");
    } else {
        rc = load_order(&c, order_id);
    }
    if (!rc)
        rc = run(&c);
out:
    json_decref(c.v);
    json_decref(empty);
    return rc;
}
