/* The vocabulary of the domain: statuses, roles, actions and the closed lists of SPEC §2–3.
 * Each list is an X-macro giving the enum, its wire name and its Chinese label. */
#ifndef JIESU_MODEL_H
#define JIESU_MODEL_H

#include <stdint.h>

/* Order status (SPEC §3). */
#define JS_STATUS_LIST(X)                                                                          \
    X(RECEIVED, "received", "已受理")                                                              \
    X(FILED, "filed", "已立案待派")                                                                \
    X(NOT_FILED, "not_filed", "不予立案")                                                          \
    X(TRANSFERRED, "transferred", "已转接")                                                        \
    X(ANSWERED, "answered", "已直接答复")                                                          \
    X(DISPATCHED, "dispatched", "待签收")                                                          \
    X(RETURNED, "returned", "退单待审")                                                            \
    X(COORDINATION, "coordination", "协调中")                                                      \
    X(HANDLING, "handling", "办理中")                                                              \
    X(REPLIED, "replied", "待审核")                                                                \
    X(CALLBACK, "callback", "待回访")                                                              \
    X(CLOSED, "closed", "已办结")                                                                  \
    X(ARCHIVED, "archived", "已归档")                                                              \
    X(MERGED, "merged", "已并案")                                                                  \
    X(SPLIT, "split", "已拆分")

/* Roles (SPEC §1). `system` is the scheduler acting on its own. */
#define JS_ROLE_LIST(X)                                                                            \
    X(AGENT, "agent", "坐席")                                                                      \
    X(DISPATCHER, "dispatcher", "分拨员")                                                          \
    X(REVIEWER, "reviewer", "结案审核员")                                                          \
    X(CALLBACK, "callback", "回访员")                                                              \
    X(SUPERVISOR, "supervisor", "督办员")                                                          \
    X(ADMIN, "admin", "管理员")                                                                    \
    X(AUDITOR, "auditor", "审计员")                                                                \
    X(LEADER, "leader", "领导")                                                                    \
    X(UNIT_OPERATOR, "unit_operator", "单位操作员")                                                \
    X(UNIT_LEADER, "unit_leader", "单位领导")                                                      \
    X(SYSTEM, "system", "系统")

/* Actions on orders (SPEC §3 1–12, plus the timer actions of §3.13–14 used by the scheduler).
 * New actions go at the end, so that stored numbers keep their meaning. */
#define JS_ACTION_LIST(X)                                                                          \
    X(INTAKE, "intake", "受理")                                                                    \
    X(VERIFY, "verify", "核实")                                                                    \
    X(FILE, "file", "立案")                                                                        \
    X(NOT_FILE, "not_file", "不予立案")                                                            \
    X(TRANSFER, "transfer", "一键转接")                                                            \
    X(ANSWER, "answer", "直接答复")                                                                \
    X(DISPATCH, "dispatch", "派单")                                                                \
    X(MERGE, "merge", "并案")                                                                      \
    X(MERGED_INTO, "merged_into", "被并案")                                                        \
    X(SPLIT, "split", "拆分")                                                                      \
    X(SIGN, "sign", "签收")                                                                        \
    X(RETURN, "return", "退单")                                                                    \
    X(RETURN_APPROVE, "return_approve", "同意退单")                                                \
    X(RETURN_REJECT, "return_reject", "驳回退单")                                                  \
    X(SIGN_APPROVAL, "sign_approval", "签批")                                                      \
    X(CONTACT, "contact", "联系诉求人")                                                            \
    X(EXTENSION_REQUEST, "extension_request", "申请延期")                                          \
    X(EXTENSION_DECIDE, "extension_decide", "延期审批")                                            \
    X(HANG_REQUEST, "hang_request", "申请挂账")                                                    \
    X(HANG_DECIDE, "hang_decide", "挂账审批")                                                      \
    X(HANG_PROGRESS, "hang_progress", "挂账进展")                                                  \
    X(HANG_LIFT, "hang_lift", "销账")                                                              \
    X(REPLY, "reply", "办结反馈")                                                                  \
    X(REVIEW, "review", "结案审核")                                                                \
    X(CALLBACK, "callback", "回访")                                                                \
    X(REOPEN, "reopen", "重办")                                                                    \
    X(CLOSE, "close", "办结")                                                                      \
    X(ARCHIVE, "archive", "归档")                                                                  \
    X(URGE, "urge", "催办")                                                                        \
    X(SUPERVISE, "supervise", "督办")                                                              \
    X(SUPERVISE_ANSWER, "supervise_answer", "督办回复")                                            \
    X(FORCE_CLOSE, "force_close", "强制结案")                                                      \
    X(INSTRUCT, "instruct", "领导批示")                                                            \
    X(WARN, "warn", "提示警示")                                                                    \
    X(MARK_OVERDUE, "mark_overdue", "超期标记")                                                    \
    X(SPECIAL_REPORT, "special_report", "专报")                                                    \
    X(ASSIST_REPORT, "assist_report", "协办反馈")                                                  \
    X(SUPPLEMENT, "supplement", "诉求人补充")                                                      \
    X(CONSULT, "consult", "派单前会商")                                                            \
    X(CONSULT_RESULT, "consult_result", "会商结果")                                                \
    X(PREINVESTIGATE, "preinvestigate", "指定预先调查")                                            \
    X(PREINV_REPORT, "preinv_report", "预先调查反馈")                                              \
    X(INSTRUCT_REPORT, "instruct_report", "批示办理书面报告")

/* Request type (SPEC §2). */
#define JS_TYPE_LIST(X)                                                                            \
    X(CONSULT, "consult", "咨询")                                                                  \
    X(SUGGEST, "suggest", "建议")                                                                  \
    X(HELP, "help", "求助")                                                                        \
    X(COMPLAINT, "complaint", "投诉")                                                              \
    X(REPORT, "report", "举报")                                                                    \
    X(REQUEST, "request", "需求")                                                                  \
    X(PRAISE, "praise", "表扬")

/* Level (000 art. 8). */
#define JS_LEVEL_LIST(X)                                                                           \
    X(GENERAL, "general", "一般")                                                                  \
    X(MAJOR, "major", "重大")                                                                      \
    X(URGENT, "urgent", "紧急")

/* Handling tier (004). NONE means the policy's default limit applies. */
#define JS_TIER_LIST(X)                                                                            \
    X(NONE, "none", "按默认时限")                                                                  \
    X(H2, "2h", "2小时")                                                                           \
    X(H24, "24h", "24小时")                                                                        \
    X(D7, "7d", "7天")                                                                             \
    X(D15, "15d", "15天")

/* Closure kind of a reply (SPEC §3.9). */
#define JS_CLOSURE_LIST(X)                                                                         \
    X(RESOLVED, "resolved", "实际办结")                                                            \
    X(INTERIM, "interim", "阶段性办结")                                                            \
    X(EXPLAINED, "explained", "解释办结")

/* Satisfaction at callback (SPEC §3.11). */
#define JS_SATISFACTION_LIST(X)                                                                    \
    X(NONE, "none", "未评价")                                                                      \
    X(SATISFIED, "satisfied", "满意")                                                              \
    X(BASIC, "basic", "基本满意")                                                                  \
    X(UNSATISFIED, "unsatisfied", "不满意")

/* Reasons for not filing (002 art. 11, 003 arts. 8–9). */
#define JS_NOTFILED_LIST(X)                                                                        \
    X(NO_DEMAND, "no_demand", "无明确诉求")                                                        \
    X(DUPLICATE, "duplicate", "重复投诉")                                                          \
    X(UNTRUE, "untrue", "核实不属实")                                                              \
    X(OUTSIDE_DISTRICT, "outside_district", "非本区管辖")                                          \
    X(CONGRESS_COURT, "congress_court", "属人大、法院、检察院职权")                                \
    X(LEGAL_PROCESS, "legal_process", "应通过诉讼、仲裁、行政复议解决")                            \
    X(ALREADY_ACCEPTED, "already_accepted", "有权机关已受理")                                      \
    X(CONCLUDED, "concluded", "已处理终结")                                                        \
    X(PETITION_LAPSED, "petition_lapsed", "信访复查时限已过")

/* How a unit holds an order. */
#define JS_ASG_LIST(X)                                                                             \
    X(LEAD, "lead", "主办")                                                                        \
    X(ASSIST, "assist", "协办")                                                                    \
    X(DUAL, "dual", "双派")

/* Unit kinds (seed 001 groups scores by kind). */
#define JS_UNIT_KIND_LIST(X)                                                                       \
    X(STREET, "street", "街道/镇")                                                                 \
    X(DEPARTMENT, "department", "部门")                                                            \
    X(ENTERPRISE, "enterprise", "公共服务企业")

/* Region levels. */
#define JS_REGION_LEVEL_LIST(X)                                                                    \
    X(DISTRICT, "district", "区")                                                                  \
    X(STREET, "street", "街道")                                                                    \
    X(COMMUNITY, "community", "社区")                                                              \
    X(GRID, "grid", "网格")

/* How an order was closed. */
#define JS_CLOSE_KIND_LIST(X)                                                                      \
    X(NONE, "none", "")                                                                            \
    X(NORMAL, "normal", "正常办结")                                                                \
    X(FORCED, "forced", "强制结案")                                                                \
    X(BY_MASTER, "by_master", "随主件办结")                                                        \
    X(BY_CHILDREN, "by_children", "子件全部办结")                                                  \
    X(DIRECT, "direct", "直接答复办结")

#define JS_X_STATUS(N, n, l)    ST_##N,
#define JS_X_ROLE(N, n, l)      ROLE_##N,
#define JS_X_ACTION(N, n, l)    ACT_##N,
#define JS_X_TYPE(N, n, l)      TYPE_##N,
#define JS_X_LEVEL(N, n, l)     LEVEL_##N,
#define JS_X_TIER(N, n, l)      TIER_##N,
#define JS_X_CLOSURE(N, n, l)   CLOSURE_##N,
#define JS_X_SAT(N, n, l)       SAT_##N,
#define JS_X_NOTFILED(N, n, l)  NF_##N,
#define JS_X_ASG(N, n, l)       ASG_##N,
#define JS_X_UKIND(N, n, l)     UNIT_##N,
#define JS_X_RLEVEL(N, n, l)    RLEVEL_##N,
#define JS_X_CLOSEKIND(N, n, l) CK_##N,

enum order_status { JS_STATUS_LIST(JS_X_STATUS) ST__COUNT };
enum role { JS_ROLE_LIST(JS_X_ROLE) ROLE__COUNT };
enum action { JS_ACTION_LIST(JS_X_ACTION) ACT__COUNT };
enum req_type { JS_TYPE_LIST(JS_X_TYPE) TYPE__COUNT };
enum level { JS_LEVEL_LIST(JS_X_LEVEL) LEVEL__COUNT };
enum tier { JS_TIER_LIST(JS_X_TIER) TIER__COUNT };
enum closure { JS_CLOSURE_LIST(JS_X_CLOSURE) CLOSURE__COUNT };
enum satisfaction { JS_SATISFACTION_LIST(JS_X_SAT) SAT__COUNT };
enum not_filed_reason { JS_NOTFILED_LIST(JS_X_NOTFILED) NF__COUNT };
enum asg_role { JS_ASG_LIST(JS_X_ASG) ASG__COUNT };
enum unit_kind { JS_UNIT_KIND_LIST(JS_X_UKIND) UNIT__COUNT };
enum region_level { JS_REGION_LEVEL_LIST(JS_X_RLEVEL) RLEVEL__COUNT };
enum close_kind { JS_CLOSE_KIND_LIST(JS_X_CLOSEKIND) CK__COUNT };

/* Name tables: NULL-terminated arrays of wire names, and parallel Chinese labels. */
extern const char *const js_status_names[], *const js_status_labels[];
extern const char *const js_role_names[], *const js_role_labels[];
extern const char *const js_action_names[], *const js_action_labels[];
extern const char *const js_type_names[], *const js_type_labels[];
extern const char *const js_level_names[], *const js_level_labels[];
extern const char *const js_tier_names[], *const js_tier_labels[];
extern const char *const js_closure_names[], *const js_closure_labels[];
extern const char *const js_satisfaction_names[], *const js_satisfaction_labels[];
extern const char *const js_notfiled_names[], *const js_notfiled_labels[];
extern const char *const js_asg_names[], *const js_asg_labels[];
extern const char *const js_unit_kind_names[], *const js_unit_kind_labels[];
extern const char *const js_region_level_names[], *const js_region_level_labels[];
extern const char *const js_close_kind_names[], *const js_close_kind_labels[];

/* Index of name in a NULL-terminated table, or -1. */
int js_name_index(const char *const *names, const char *name);

/* True for statuses in which no further handling happens (not filed, transferred, closed,
 * archived). */
int status_is_final(int status);
/* True for statuses in which a unit holds the order (dispatched, handling, returned, replied). */
int status_is_with_unit(int status);

#endif
