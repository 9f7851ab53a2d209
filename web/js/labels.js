// Chinese labels of the domain's closed lists (mirrors src/core/model.h) and formatting helpers.

export const STATUS = {
  received: '已受理', filed: '已立案待派', not_filed: '不予立案', transferred: '已转接',
  answered: '已直接答复', dispatched: '待签收', returned: '退单待审', coordination: '协调中',
  handling: '办理中', replied: '待审核', callback: '待回访', closed: '已办结', archived: '已归档',
  merged: '已并案', split: '已拆分',
};
export const STATUS_ORDER = Object.keys(STATUS);

export const ROLE = {
  agent: '坐席', dispatcher: '分拨员', reviewer: '结案审核员', callback: '回访员',
  supervisor: '督办员', admin: '管理员', auditor: '审计员', leader: '领导',
  unit_operator: '单位操作员', unit_leader: '单位领导', system: '系统',
};

export const ACTION = {
  intake: '受理', verify: '核实', file: '立案', not_file: '不予立案', transfer: '一键转接',
  answer: '直接答复', dispatch: '派单', merge: '并案', merged_into: '被并案', split: '拆分',
  sign: '签收', return: '退单', return_approve: '同意退单', return_reject: '驳回退单',
  sign_approval: '签批', contact: '联系诉求人', extension_request: '申请延期',
  extension_decide: '延期审批', hang_request: '申请挂账', hang_decide: '挂账审批',
  hang_progress: '挂账进展', hang_lift: '销账', reply: '办结反馈', review: '结案审核',
  callback: '回访', reopen: '重办', close: '办结', archive: '归档', urge: '催办',
  supervise: '督办', supervise_answer: '督办回复', force_close: '强制结案', instruct: '领导批示',
  assist_report: '协办反馈', supplement: '诉求人补充', consult: '派单前会商', consult_result: '会商结果',
  preinvestigate: '指定预先调查', preinv_report: '预先调查反馈', instruct_report: '批示办理书面报告',
};
// Coordination records (issue 14 point 8; src/core/coord.h).
export const MEETING_KIND = { huiban: '会办', joint: '联席会议', topic: '专题协调会' };
export const ACCT_REASON = {
  delay: '推诿拖延、未在规定期限内处理答复，导致群众二次投诉', lead_refused: '指定的牵头单位无正当理由拒不办理，导致逾期',
  falsified: '弄虚作假、谎报处理结果', retaliation: '对反映问题的群众打击报复', other: '其他应当予以责任追究的情形',
};
export const ACCT_MEASURE = {
  admonish: '诫勉谈话', written_review: '责令作出书面检查', circulate: '通报批评', sanction: '行政处分', refer: '移交纪检监察机关问责',
};

export const TYPE = {
  consult: '咨询', suggest: '建议', help: '求助', complaint: '投诉', report: '举报',
  request: '需求', praise: '表扬',
};
export const LEVEL = { general: '一般', major: '重大', urgent: '紧急' };
export const TIER = { none: '按默认时限', '2h': '2小时', '24h': '24小时', '7d': '7天', '15d': '15天' };
export const CLOSURE = { resolved: '实际办结', interim: '阶段性办结', explained: '解释办结' };
export const SATISFACTION = { none: '未评价', satisfied: '满意', basic: '基本满意', unsatisfied: '不满意' };
export const NOT_FILED = {
  no_demand: '无明确诉求', duplicate: '重复投诉', untrue: '核实不属实',
  outside_district: '非本区管辖', congress_court: '属人大、法院、检察院职权',
  legal_process: '应通过诉讼、仲裁、行政复议解决', already_accepted: '有权机关已受理',
  concluded: '已处理终结', petition_lapsed: '信访复查时限已过',
};
export const ASG = { lead: '主办', assist: '协办', dual: '双派' };
export const UNIT_KIND = { street: '街道/镇', department: '部门', enterprise: '公共服务企业' };
export const REGION_LEVEL = { district: '区', street: '街道', community: '社区', grid: '网格' };
export const CLOSE_KIND = {
  none: '', normal: '正常办结', forced: '强制结案', by_master: '随主件办结',
  by_children: '子件全部办结', direct: '直接答复办结',
};
export const SUPERVISION_KIND = {
  other: '日常督办', city_account: '市级督查账户督办', city_written: '市级书面督办',
  county_inspection: '政府督查室政务督查', media: '联合媒体现场督办', discipline: '移交纪检监察问责',
};
export const REVIEW_STANDARD = {
  on_time: '按期办结', overdue: '超期办结', interim: '阶段性办结',
  consultation: '咨询类结案', suggestion: '建议类结案', complaint: '投诉类结案',
};
export const NOT_CLOSED = {
  unanswered: '诉求未解答', unhandled: '问题未处置', loop_open: '流程未闭环', off_standard: '不符合结案标准', other: '其他',
};
export const HANG = ['无', '挂账申请中', '挂账中', '已销账'];
export const CONTACT_TIER = ['主管领导', '主管科室负责人', '平台操作员'];

export const CHANNEL = {
  'hotline-12345': '12345热线', 'hotline-96010': '96010热线', wechat: '微信', weibo: '微博',
  web: '网站', mailbox: '区长信箱', media: '舆情媒体曝光', conduct: '政风行风', leader: '领导批示',
  grid: '网格员上报', 'video-ai': '视频智能识别', forum: '网络问政', open311: 'Open311',
  upstream: '市级12345派单',
};

// Name tables in the order of the C enums, for APIs that send numbers instead of names.
const ENUM_ORDER = {
  status: STATUS_ORDER, type: Object.keys(TYPE), level: Object.keys(LEVEL),
  tier: Object.keys(TIER), closure: Object.keys(CLOSURE), cb_satisfaction: Object.keys(SATISFACTION),
  not_filed_reason: Object.keys(NOT_FILED), close_kind: Object.keys(CLOSE_KIND),
  asg: Object.keys(ASG), role: Object.keys(ROLE), kind: Object.keys(UNIT_KIND),
  region_level: Object.keys(REGION_LEVEL), action: Object.keys(ACTION),
};

/** The wire name of an enum value that may come as a name or as its C index. */
export function enumName(table, v) {
  if (typeof v === 'number') return ENUM_ORDER[table]?.[v] ?? String(v);
  return v ?? '';
}

/** Label of value v in a label map, falling back to the value itself. */
export function label(map, v) {
  if (v === undefined || v === null || v === '') return '';
  return map[v] ?? String(v);
}

/** Parses an API time (ISO text or epoch seconds) into a Date, or null for empty/zero. */
export function toDate(t) {
  if (t === undefined || t === null || t === '' || t === 0) return null;
  if (typeof t === 'number') return new Date(t * 1000);
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Epoch seconds of an API time, or 0. */
export function toEpoch(t) {
  const d = toDate(t);
  return d ? Math.floor(d.getTime() / 1000) : 0;
}

const pad = (n) => String(n).padStart(2, '0');
// Shanghai local parts of a Date, whatever the browser's time zone.
function sh(d) {
  const x = new Date(d.getTime() + 8 * 3600 * 1000);
  return { y: x.getUTCFullYear(), m: x.getUTCMonth() + 1, d: x.getUTCDate(), H: x.getUTCHours(), M: x.getUTCMinutes() };
}

/** The name of who did something: the scheduler ("system", older events) reads 系统. */
export function actorName(name) {
  return !name || name === 'system' ? '系统' : name;
}

/** "2026年11月22日 09:30" in Asia/Shanghai (as jtime_format_cn writes it), or "" for empty. */
export function fmtTime(t) {
  const d = toDate(t);
  if (!d) return '';
  const p = sh(d);
  return `${p.y}年${pad(p.m)}月${pad(p.d)}日 ${pad(p.H)}:${pad(p.M)}`;
}

/** "2026年11月22日" in Asia/Shanghai, or "" (for people; fmtDay gives the day for the API). */
export function fmtDate(t) {
  const d = toDate(t);
  if (!d) return '';
  const p = sh(d);
  return `${p.y}年${pad(p.m)}月${pad(p.d)}日`;
}

/** "2026-11-22" in Asia/Shanghai, or "" (a day for query parameters and keys). */
export function fmtDay(t) {
  const d = toDate(t);
  if (!d) return '';
  const p = sh(d);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
}

/** Value for an <input type="datetime-local"> (Shanghai time) from an API time. */
export function toLocalInput(t) {
  const d = toDate(t);
  if (!d) return '';
  const p = sh(d);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.H)}:${pad(p.M)}`;
}

/** ISO text with +08:00 from a datetime-local / date input value, or "" when empty. */
export function fromLocalInput(v) {
  if (!v) return '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T00:00:00+08:00`;
  return `${v.length === 16 ? v + ':00' : v}+08:00`;
}

/** Human text for the time left until t (negative: overdue). */
export function fmtLeft(t, now = Date.now()) {
  const d = toDate(t);
  if (!d) return '';
  let s = Math.round((d.getTime() - now) / 1000);
  const over = s < 0;
  s = Math.abs(s);
  const days = Math.floor(s / 86400), hours = Math.floor((s % 86400) / 3600), mins = Math.floor((s % 3600) / 60);
  const txt = days ? `${days}天${hours}小时` : hours ? `${hours}小时${mins}分` : `${mins}分钟`;
  return over ? `超期${txt}` : `剩余${txt}`;
}
