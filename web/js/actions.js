// Every order action the UI offers: who may do it (SPEC §1 role matrix), in which state it makes
// sense, its form, and how the form becomes the action's JSON arguments. The server decides;
// this only keeps buttons that cannot succeed out of sight.
import * as api from './api.js';
import { h, modal, toast } from './ui.js';
import { buildForm, compact, uploadFiles } from './forms.js';
import {
  ACTION, CLOSURE, LEVEL, NOT_FILED, SATISFACTION, SUPERVISION_KIND, NOT_CLOSED, TIER, enumName, toEpoch, fmtTime, actorName,
} from './labels.js';
import { unitLabel } from './refdata.js';

const UNIT_ROLES = ['unit_operator', 'unit_leader'];
const UNIT_ACTS = ['sign', 'return', 'contact', 'extension_request', 'hang_request', 'hang_progress', 'hang_lift', 'reply', 'supervise_answer', 'assist_report', 'preinv_report'];
// 派单前会商 and 指定预先调查 (001 §二(一)): the centre's dispatchers and supervisors
const CONSULT_ACTS = ['consult', 'consult_result', 'preinvestigate'];

/** The role matrix of SPEC §1 (lifecycle_role_allows). */
export const ROLE_ACTIONS = {
  agent: ['intake', 'verify', 'file', 'not_file', 'transfer', 'answer'],
  dispatcher: ['intake', 'verify', 'file', 'not_file', 'transfer', 'answer', 'dispatch', 'merge', 'split',
    'return_approve', 'return_reject', 'extension_decide', 'hang_decide', 'hang_lift', 'review', 'callback',
    'reopen', 'close', 'archive', 'urge', 'contact', ...CONSULT_ACTS],
  reviewer: ['review', 'close'],
  callback: ['callback', 'reopen', 'close'],
  supervisor: ['urge', 'supervise', 'force_close', 'hang_decide', 'instruct', ...CONSULT_ACTS],
  admin: ['archive'],
  auditor: [],
  leader: ['instruct'],
  unit_operator: UNIT_ACTS,
  unit_leader: [...UNIT_ACTS, 'sign_approval', 'instruct_report'],
};

export function roleAllows(role, action) {
  return (ROLE_ACTIONS[role] || []).includes(action);
}

/** The order's assignments with names for their enums. */
export function assignments(o) {
  return (o.units || []).map((a) => ({ ...a, role: enumName('asg', a.role), unit_id: Number(a.unit_id) }));
}

/** The active assignment of unit_id on o, or null. */
export function myAssignment(o, unitId) {
  return assignments(o).find((a) => a.unit_id === Number(unitId) && a.active) || null;
}

const leadType = (a) => a && (a.role === 'lead' || a.role === 'dual');
const st = (o) => enumName('status', o.status);
const sat = (o) => enumName('cb_satisfaction', o.cb_satisfaction);
const yes = (x) => x === true || x === 1;
const no = (x) => x === false || x === 0;
const HANG_NAMES = ['none', 'requested', 'active', 'lifted'];

/** The hanging-account state of an order as 0 none, 1 requested, 2 active, 3 lifted. */
export function hangOf(o) {
  if (typeof o.hang === 'string') return Math.max(0, HANG_NAMES.indexOf(o.hang));
  return Number(o.hang || 0);
}

/** True when the callback found the citizen unsatisfied or the problem not solved. */
export function unhappy(o) {
  return sat(o) === 'unsatisfied' || no(o.cb_solved);
}

/** Reads a policy setting from the effective policy document (several shapes accepted). */
export function policyValue(doc, key, dflt) {
  if (!doc) return dflt;
  const s = doc.effective?.settings || doc.settings || doc;
  const v = s[key];
  if (v === undefined) return dflt;
  return v && typeof v === 'object' && 'value' in v ? v.value : v;
}

/** The urgency levels this deployment uses (setting levels) as select options; keep: a level
 * shown even when not used (the order's own). */
export function levelOptions(doc, keep) {
  const used = policyValue(doc, 'levels', Object.keys(LEVEL));
  return Object.fromEntries(Object.entries(LEVEL).filter(([k]) => used.includes(k) || k === keep));
}

// Each action: when(o, ctx) → shown?, fields(o, ctx) → field specs, args(values, o, ctx) → args.
export const ACTIONS = {
  verify: {
    when: (o) => ['received', 'filed'].includes(st(o)) && !yes(o.verified),
    fields: () => [{ name: 'note', label: '核实说明', type: 'textarea' }],
  },
  file: {
    when: (o) => st(o) === 'received',
    primary: true,
    fields: (o, c) => [
      { name: 'category_id', label: '分类', type: 'tree', items: c.categories, value: o.category_id || '' },
      { name: 'region_id', label: '区域', type: 'tree', items: c.regions, value: o.region_id || '' },
      { name: 'level', label: '等级', type: 'select', options: levelOptions(c.policy, enumName('level', o.level)), value: enumName('level', o.level), required: true },
      { name: 'tier', label: '办理时限档', type: 'select', options: TIER, value: enumName('tier', o.tier), required: true },
      { name: 'address', label: '地址', value: o.address, required: true, hint: '地址清楚方可立案（坪山办法第十一条）' },
      { name: 'about_unit_id', label: '被投诉单位', type: 'pick', items: c.units.filter((u) => u.active !== false), value: o.about_unit_id || '', hint: '被投诉单位的用户看不到诉求人身份，需联系时由平台转达（东城规定第三条、天宁办法第二十条）' },
    ],
  },
  not_file: {
    when: (o) => st(o) === 'received',
    fields: () => [
      { name: 'reason', label: '不予立案理由', type: 'select', options: NOT_FILED, required: true },
      { name: 'explanation', label: '向诉求人的解释', type: 'textarea', required: true, hint: '每件不予立案都须向诉求人说明（天宁办法第十条）' },
      { name: 'duplicate_of', label: '重复的工单编号', placeholder: '如 2026112200042', when: (v) => v.reason === 'duplicate', required: true },
    ],
    args: async (v) => {
      const a = compact(v);
      if (a.duplicate_of) a.duplicate_of = await resolveOrderId(a.duplicate_of, 'duplicate_of');
      return a;
    },
  },
  transfer: {
    when: (o) => ['received', 'filed'].includes(st(o)),
    danger: true,
    fields: () => [
      { name: 'to', label: '转接至', type: 'radio', options: [['110', '110 报警'], ['119', '119 火警'], ['120', '120 急救']], required: true },
      { name: 'note', label: '说明', type: 'textarea' },
    ],
  },
  answer: {
    when: (o) => ['received', 'filed'].includes(st(o)),
    // c.kb: the knowledge-base entry the call-taker cited at intake (its answer fills the text)
    fields: (o, c) => [
      { name: 'answer', label: '答复内容', type: 'textarea', rows: 5, required: true, value: c?.kb?.answer || '', hint: '直接答复（秒回），如依据知识库条目' },
      ...(c?.kb ? [{ name: 'kb_entry', label: '引用知识库条目', type: 'select', options: [[String(c.kb.id), `${c.kb.question}（第${c.kb.version}版）`], ['', '不引用']], value: String(c.kb.id) }] : []),
    ],
    args: (v) => compact({ answer: v.answer, kb_entry: v.kb_entry ? Number(v.kb_entry) : '' }),
  },
  dispatch: {
    when: (o) => ['filed', 'coordination'].includes(st(o)),
    primary: true,
    fields: (o, c) => {
      const act = c.units.filter((u) => u.active !== false);
      return [
        { name: 'unit_id', label: '主办单位', type: 'pick', items: act, required: true, value: o.consult_unit_id || c.suggested?.unit_id || '', hint: o.consult_unit_id ? '派单前会商已确定主办单位，须派往该单位' : c.suggested ? `职责目录建议：${c.suggested.label}${c.suggested.basis ? '（' + c.suggested.basis + '）' : ''}` : '职责目录中没有该分类和区域对应的单位' },
        { name: 'suggested_units', label: '建议承办单位', type: 'custom', wide: true, build: () => suggestedUnits(o, act) },
        { name: 'assist_units', label: '协办单位', type: 'multi', items: act },
        { name: 'dual_unit_id', label: '双派单位', type: 'pick', items: act, hint: '双派：两个单位各自全责（如公安与属地街道）' },
        { name: 'tier', label: '办理时限档', type: 'select', options: TIER, value: enumName('tier', o.tier) },
        { name: 'deadline', label: '指定办理期限', type: 'datetime', hint: '不填则按时限档或默认时限计算' },
        { name: 'note', label: '派单说明', type: 'textarea' },
      ];
    },
    args: (v, o) => {
      const a = compact(v);
      if (a.tier === enumName('tier', o.tier)) delete a.tier;
      return a;
    },
  },
  merge: {
    when: (o) => ['received', 'filed', 'dispatched', 'handling', 'coordination', 'returned'].includes(st(o)) && !o.master_id,
    fields: () => [{ name: 'orders', label: '并入本单的工单编号', required: true, placeholder: '多个编号用空格或逗号分隔', hint: '本单为主件，办结时并案件随之办结' }],
    args: async (v) => ({ orders: await Promise.all(v.orders.split(/[\s,，]+/).filter(Boolean).map((n) => resolveOrderId(n, 'orders'))) }),
  },
  split: {
    when: (o) => ['received', 'filed'].includes(st(o)),
    wide: true,
    fields: (o, c) => [{ name: 'children', label: '子件', type: 'custom', required: true, build: () => childrenEditor(o, c) }],
  },
  sign: {
    when: (o, c) => {
      const a = myAssignment(o, c.user.unit_id);
      return !!a && !a.signed_at && (st(o) === 'dispatched' || (st(o) === 'handling'));
    },
    primary: true,
    fields: () => [],
  },
  return: {
    when: (o, c) => {
      const a = myAssignment(o, c.user.unit_id);
      return leadType(a) && !a.return_pending && ['dispatched', 'handling'].includes(st(o));
    },
    danger: true,
    fields: (o, c) => {
      const a = myAssignment(o, c.user.unit_id);
      const second = a && a.returns >= 1;
      const needAtt = second && policyValue(c.policy, 'second_return_needs_attachment', true);
      return [
        { name: 'reason', label: '退单理由', type: 'textarea', required: true },
        { name: 'legal_basis', label: '法律依据', type: 'textarea', required: policyValue(c.policy, 'return_needs_basis', true) },
        { name: 'attachment', label: needAtt ? '领导签字的说明（附件）' : '附件', type: 'files', multiple: false, required: needAtt,
          hint: needAtt ? (c.user.role === 'unit_leader'
            ? '本单位第二次退单：须上传主管领导签署意见的说明，由您签署提交（东城规定第九条）'
            : '本单位第二次退单：须上传主管领导签署意见的说明，并由单位领导本人提交（东城规定第九条）') : null },
      ];
    },
    args: async (v) => {
      const a = compact({ ...v, attachment: undefined });
      if (v.attachment && v.attachment.length) a.attachment = (await uploadFiles(v.attachment, 'signed'))[0];
      return a;
    },
  },
  return_approve: {
    when: (o) => st(o) === 'returned',
    primary: true,
    fields: (o, c) => pendingUnitField(o, c).concat([{ name: 'note', label: '说明', type: 'textarea' }]),
  },
  return_reject: {
    when: (o) => st(o) === 'returned',
    fields: (o, c) => pendingUnitField(o, c).concat([
      { name: 'reason', label: '驳回理由', type: 'textarea', required: true },
      { name: 'unjustified', label: '无正当理由退单（计入推诿）', type: 'bool', value: true },
      ...(policyValue(c.policy, 'first_handler_duty', false)
        ? [{ name: 'assist_units', label: '增加协办单位（首办负责制）', type: 'multi', items: c.units }] : []),
    ]),
  },
  sign_approval: {
    when: (o, c) => !!myAssignment(o, c.user.unit_id) && st(o) === 'handling' && !yes(o.sign_approved),
    fields: () => [
      { name: 'handler', label: '转交承办人', required: true, hint: '签批人即您本人（临沭通知第二条第（二）项）' },
      { name: 'note', label: '签批意见', type: 'textarea' },
    ],
  },
  contact: {
    // a unit contacts its citizen; the platform relays for the unit complained about
    when: (o, c) => ['dispatched', 'handling'].includes(st(o)) && !yes(o.anonymous) && (c.user.role === 'dispatcher'
      ? !!o.about_unit_id && !!myAssignment(o, o.about_unit_id)
      : !!myAssignment(o, c.user.unit_id) && Number(o.about_unit_id) !== Number(c.user.unit_id)),
    // A unit sees the caller's phone only when the order asks it to contact the caller
    // (needs_contact); otherwise the number is masked and the contact goes through the platform.
    fields: (o) => (yes(o.citizen_masked)
      ? [
        { name: 'relay_note', type: 'custom', label: '联系途径', build: () => h('p.relay-note', { id: 'contact-relay' }, '本工单未要求承办单位直接联系诉求人，诉求人号码已脱敏（', o.citizen_phone || '—', '）。如需联系，请致电 12345 平台，由话务员转接或代为联系，并在此记录联系结果。') },
        { name: 'method', label: '联系方式', type: 'select', required: true, value: 'phone', options: { phone: '经 12345 平台转接电话', sms: '经 12345 平台短信', visit: '上门', other: '其他' } },
        { name: 'result', label: '联系结果', type: 'textarea', required: true },
      ]
      : [
        { name: 'phone_note', type: 'custom', label: '诉求人电话', build: () => h('p.contact-phone', { id: 'contact-phone' }, o.citizen_phone ? h('a', { href: 'tel:' + String(o.citizen_phone).replace(/[^\d+]/g, '') }, o.citizen_phone) : '—', o.citizen_name ? `（${o.citizen_name}）` : '') },
        { name: 'method', label: '联系方式', type: 'select', required: true, options: { phone: '电话', visit: '上门', sms: '短信', other: '其他' } },
        { name: 'result', label: '联系结果', type: 'textarea', required: true },
      ]),
    args: (v) => compact({ method: v.method, result: v.result }),
  },
  extension_request: {
    when: (o, c) => leadType(myAssignment(o, c.user.unit_id)) && st(o) === 'handling' && !yes(o.ext_pending) && !!o.deadline,
    fields: () => [
      { name: 'until', label: '延期至', type: 'datetime', required: true },
      { name: 'reason', label: '延期理由', type: 'textarea', required: true },
    ],
  },
  extension_decide: {
    when: (o) => yes(o.ext_pending),
    fields: (o) => [
      { name: 'approve', label: '审批结果', type: 'radio', required: true, options: [['true', '同意延期'], ['false', '不同意']] },
      { name: 'until', label: '延期至', type: 'datetime', value: o.ext_requested_until, when: (v) => v.approve === 'true' },
      { name: 'reason', label: '理由', type: 'textarea', when: (v) => v.approve === 'false', required: true },
    ],
    args: (v) => compact({ ...v, approve: v.approve === 'true' }),
  },
  hang_request: {
    when: (o, c) => leadType(myAssignment(o, c.user.unit_id)) && st(o) === 'handling' && [0, 3].includes(hangOf(o)),
    fields: () => [
      { name: 'scope', label: '挂账范围', type: 'textarea', required: true },
      { name: 'plan', label: '解决计划', type: 'textarea', required: true },
      { name: 'expected', label: '计划解决时间', type: 'datetime', required: true },
    ],
  },
  hang_decide: {
    when: (o) => hangOf(o) === 1,
    fields: () => [
      { name: 'approve', label: '审批结果', type: 'radio', required: true, options: [['true', '同意挂账'], ['false', '不同意']] },
      { name: 'reason', label: '理由', type: 'textarea' },
    ],
    args: (v) => compact({ ...v, approve: v.approve === 'true' }),
  },
  hang_progress: {
    when: (o, c) => leadType(myAssignment(o, c.user.unit_id)) && hangOf(o) === 2,
    fields: () => [{ name: 'progress', label: '进展情况', type: 'textarea', required: true }],
  },
  hang_lift: {
    when: (o, c) => hangOf(o) === 2 && (c.user.role === 'dispatcher' || leadType(myAssignment(o, c.user.unit_id))),
    fields: () => [
      { name: 'result', label: '销账结果', type: 'textarea', required: true },
      { name: 'note', label: '销账说明', type: 'textarea' },
    ],
  },
  assist_report: {
    when: (o, c) => {
      const a = myAssignment(o, c.user.unit_id);
      return a && a.role === 'assist' && ['dispatched', 'handling'].includes(st(o)) && !!a.signed_at && !a.replied_at;
    },
    fields: () => [{ name: 'result', label: '协办情况', type: 'textarea', required: true }],
  },
  reply: {
    when: (o, c) => {
      const a = myAssignment(o, c.user.unit_id);
      return leadType(a) && st(o) === 'handling' && !!a.signed_at && !a.return_pending && !a.replied_at;
    },
    primary: true,
    fields: (o, c) => [
      { name: 'result', label: '办理结果', type: 'textarea', rows: 5, required: true },
      { name: 'closure', label: '办结类型', type: 'select', options: CLOSURE, required: true },
      { name: 'responsible', label: '牵头负责人', required: true, hint: '写明牵头负责人（临沭通知第二条第（二）项）' },
      { name: 'handler', label: '具体办理人员', required: policyValue(c.policy, 'reply_needs_sign_approval', false) },
      { name: 'attachments', label: '附件（录音、照片、文件）', type: 'files' },
    ],
    args: async (v) => {
      const a = compact({ ...v, attachments: undefined });
      if (v.attachments && v.attachments.length) a.attachments = await uploadFiles(v.attachments);
      return a;
    },
  },
  review: {
    when: (o) => st(o) === 'replied',
    primary: true,
    fields: () => [
      { name: 'pass', label: '审核结果', type: 'radio', required: true, options: [['true', '通过'], ['false', '不通过（返工）']] },
      { name: 'not_closed_reason', label: '不予结案情形', type: 'select', options: NOT_CLOSED, required: true, when: (v) => v.pass === 'false' },
      { name: 'reason', label: '不通过理由', type: 'textarea', required: true, when: (v) => v.pass === 'false', hint: '结案标准（按期、超期、阶段性；咨询、建议、投诉类）由系统按时限和诉求类型得出（坪山办法第十七条）' },
    ],
    args: (v) => compact({ ...v, pass: v.pass === 'true' }),
  },
  callback: {
    when: (o) => ['callback', 'answered'].includes(st(o)),
    primary: true,
    fields: (o) => [
      { name: 'brief', type: 'custom', label: '回访对象与承办答复', wide: true, build: () => callbackBrief(o) },
      { name: 'unreachable', label: '联系不上诉求人', type: 'bool' },
      { name: 'contacted', label: '承办单位是否联系过您', type: 'radio', required: true, options: [['true', '是'], ['false', '否']], when: (v) => !v.unreachable },
      { name: 'solved', label: '问题是否解决', type: 'radio', required: true, options: [['true', '已解决'], ['false', '未解决']], when: (v) => !v.unreachable },
      { name: 'satisfaction', label: '对办理结果的满意度', type: 'radio', required: true, options: Object.entries(SATISFACTION).filter(([k]) => k !== 'none'), when: (v) => !v.unreachable },
      { name: 'process_satisfaction', label: '对服务过程的满意度', type: 'radio', options: Object.entries(SATISFACTION).filter(([k]) => k !== 'none'), when: (v) => !v.unreachable, hint: '承办单位联系、沟通、反馈的过程；服务过程不满意的视为未响应（临沭考核办法 三(一)2(1)）' },
      { name: 'note', label: '回访记录', type: 'textarea' },
    ],
    args: (v) => {
      if (v.unreachable) return compact({ unreachable: true, note: v.note });
      return compact({ contacted: v.contacted === 'true', solved: v.solved === 'true', satisfaction: v.satisfaction, process_satisfaction: v.process_satisfaction, note: v.note });
    },
  },
  reopen: {
    when: (o) => ['callback', 'answered'].includes(st(o)) && unhappy(o),
    danger: true,
    fields: () => [
      { name: 'level', label: '重办层级', type: 'select', options: { district: '区级重办', upstream: '市级重办' }, value: 'district', required: true },
      { name: 'reason', label: '重办理由', type: 'textarea', required: true },
    ],
  },
  close: {
    when: (o) => ['callback', 'answered'].includes(st(o)),
    fields: (o) => {
      const unsat = unhappy(o);
      return [{ name: 'reason', label: unsat ? '办结理由（诉求人不满意或未解决）' : '办结说明', type: 'textarea', required: unsat }];
    },
  },
  archive: { when: (o) => ['closed', 'not_filed', 'transferred'].includes(st(o)), fields: () => [] },
  urge: {
    when: (o) => ['dispatched', 'handling', 'returned'].includes(st(o)),
    fields: () => [{ name: 'note', label: '催办内容', type: 'textarea' }],
  },
  supervise: {
    when: (o) => ['dispatched', 'handling'].includes(st(o)),
    fields: () => [
      { name: 'reason', label: '督办事由', type: 'textarea', required: true },
      { name: 'kind', label: '督办方式', type: 'select', options: SUPERVISION_KIND, value: 'other', hint: '临沭考核办法按督办方式扣分' },
    ],
  },
  supervise_answer: {
    when: (o, c) => leadType(myAssignment(o, c.user.unit_id)) && Number(o.supervisions_open) > 0,
    fields: () => [{ name: 'answer', label: '督办回复', type: 'textarea', required: true, hint: '须在24小时内回复（东城规定第十条）' }],
  },
  force_close: {
    when: (o) => ['dispatched', 'handling'].includes(st(o)),
    danger: true,
    fields: () => [{ name: 'reason', label: '强制结案理由', type: 'textarea', required: true }],
  },
  instruct: {
    when: (o) => st(o) !== 'archived',
    fields: (o, c) => {
      const held = new Set(assignments(o).filter((a) => a.active).map((a) => a.unit_id));
      return [
        { name: 'text', label: '批示内容', type: 'textarea', rows: 4, required: true },
        ...(held.size && !o.instruct_unit_id ? [
          { name: 'unit_id', label: '交办单位', type: 'pick', items: c.units.filter((u) => held.has(Number(u.id))), hint: '交办给承办单位的批示，须由该单位分管领导审签后书面报告办理结果（天宁办法第十三条第（二）项）' },
          { name: 'due', label: '书面报告期限', type: 'datetime', when: (v) => !!v.unit_id, required: true },
        ] : []),
      ];
    },
  },
  instruct_report: {
    when: (o, c) => !!o.instruct_unit_id && Number(o.instruct_unit_id) === Number(c.user.unit_id),
    primary: true,
    fields: (o) => [{ name: 'report', label: `书面报告（期限 ${fmtTime(o.instruct_due)}）`, type: 'textarea', rows: 6, required: true, hint: '由本单位分管领导审签后报告领导批示的办理结果' }],
  },
  consult: {
    when: (o) => ['filed', 'coordination'].includes(st(o)) && o.consult !== 'consulting',
    fields: (o, c) => [
      { name: 'topic', label: '会商事项', type: 'textarea', required: true, hint: '职责不明确或需多个单位共同办理的事项，派单前召集相关单位会商（临沭通知第二条第（一）项）' },
      { name: 'units', label: '参加会商的单位', type: 'multi', items: c.units.filter((u) => u.active !== false), required: true },
      { name: 'people', label: '参加人员' },
      { name: 'held_at', label: '会商时间', type: 'datetime' },
    ],
  },
  consult_result: {
    when: (o) => st(o) === 'coordination' && o.consult === 'consulting',
    primary: true,
    fields: (o, c) => [
      { name: 'outcome', label: '会商结果', type: 'textarea', required: true },
      { name: 'unit_id', label: '确定的主办单位', type: 'pick', items: c.units.filter((u) => u.active !== false), hint: '确定后派单须派往该单位' },
      { name: 'assist_units', label: '确定的协办单位', type: 'multi', items: c.units.filter((u) => u.active !== false) },
    ],
  },
  preinvestigate: {
    when: (o) => ['filed', 'coordination'].includes(st(o)) && o.preinv !== 'pending',
    fields: (o, c) => [
      { name: 'unit_id', label: '预先调查单位', type: 'pick', items: c.units.filter((u) => u.active !== false), required: true, hint: '仍无法确定承办单位的，按“职能相近”原则指定单位预先调查核实（临沭通知第二条第（一）项）' },
      { name: 'task', label: '调查核实事项', type: 'textarea', required: true },
      { name: 'due', label: '反馈期限', type: 'datetime' },
    ],
  },
  preinv_report: {
    when: (o, c) => o.preinv === 'pending' && Number(o.preinv_unit_id) === Number(c.user.unit_id),
    primary: true,
    fields: (o, c) => [
      { name: 'findings', label: '调查核实情况', type: 'textarea', rows: 5, required: true },
      { name: 'proposal', label: '处理建议', type: 'textarea', required: true },
      { name: 'suggested_unit_id', label: '建议的承办单位', type: 'pick', items: c.units.filter((u) => u.active !== false) },
    ],
  },
};

function pendingUnitField(o, c) {
  const pending = assignments(o).filter((a) => a.return_pending);
  const names = new Map(c.units.map((u) => [Number(u.id), unitLabel(u)]));
  if (pending.length <= 1) return [];
  return [{ name: 'unit_id', label: '退单单位', type: 'select', numeric: true, required: true, options: pending.map((a) => [a.unit_id, names.get(a.unit_id) || a.unit_id]) }];
}

/** Resolves an order number (or id) typed by a user into the order's id. */
export async function resolveOrderId(text, field) {
  try {
    const o = await api.get('/orders/' + encodeURIComponent(String(text).trim()));
    return Number(o.id);
  } catch (err) {
    err.field = field;
    if (err.code === 'not_found') err.message = `工单 ${text} 不存在`;
    throw err;
  }
}

function childrenEditor(o, c) {
  const rows = [];
  const box = h('div.children');
  const add = () => {
    const r = {
      title: h('input', { type: 'text', placeholder: '子件标题', value: o.title || '' }),
      text: h('textarea', { rows: 2, placeholder: '子件内容' }, o.text || ''),
      address: h('input', { type: 'text', placeholder: '地址（默认同主件）' }),
    };
    r.el = h('fieldset.child', h('legend', `子件 ${rows.length + 1}`), r.title, r.text, r.address,
      h('button.link', { type: 'button', onclick: () => { rows.splice(rows.indexOf(r), 1); r.el.remove(); } }, '删除'));
    rows.push(r);
    box.insertBefore(r.el, addBtn);
  };
  const addBtn = h('button', { type: 'button', onclick: add }, '+ 增加子件');
  box.appendChild(addBtn);
  add();
  add();
  Object.defineProperty(box, 'value', {
    get: () => rows.map((r) => compact({ title: r.title.value.trim(), text: r.text.value.trim(), address: r.address.value.trim() }))
      .filter((x) => x.title || x.text),
  });
  return box;
}

/** The actions user may take on order o now, in display order. */
export function availableActions(o, ctx) {
  const role = ctx.user.role;
  return Object.keys(ACTIONS).filter((a) => roleAllows(role, a) && ACTIONS[a].when(o, ctx));
}

/**
 * Opens the form of `action` for order o and carries it out. Resolves with the action's answer
 * (or null when cancelled).
 */
/** The label of action a's button on order o: a contact the unit cannot make itself (the phone is
 * masked) goes through the platform. */
/** What the callback clerk reads before calling: the number to call, the order and the unit's
 * latest reply (or the platform's direct answer). */
function callbackBrief(o) {
  const ev = (o.timeline || []).slice().reverse().find((e) => ['reply', 'answer'].includes(enumName('action', e.action)));
  const args = ev ? ev.args || ev.payload?.args || {} : {};
  const text = args.result || args.answer || args.text || '';
  const phone = o.citizen_phone || '';
  return h('div.callback-brief', { id: 'callback-brief' },
    h('p', '工单 ', h('b.mono', o.number || ''), '　', o.title || ''),
    h('p', '诉求人：', o.citizen_name || '—', '　电话：', phone ? h('a.callback-phone', { href: 'tel:' + String(phone).replace(/[^\d+]/g, '') }, phone) : '—'),
    h('div.callback-reply', h('b', ev ? (enumName('action', ev.action) === 'answer' ? '平台直接答复：' : '承办单位答复：') : '承办单位答复：'),
      text ? h('p.reply-text', text) : h('span.muted', '（无答复内容）'),
      ev ? h('p.muted.small', `${ev.actor?.name ? actorName(ev.actor.name) + ' · ' : ''}${fmtTime(ev.at)}`) : null));
}

export function actionLabel(a, o) {
  if (a === 'contact' && o && yes(o.citizen_masked)) return '经平台联系诉求人';
  return ACTION[a] || a;
}

export async function runAction(action, o, ctx) {
  const def = ACTIONS[action];
  const fields = def.fields(o, ctx);
  let cur = o; // the version the user acts on; renewed after a conflict
  const send = async (values) => {
    const args = def.args ? await def.args(values, cur, ctx) : compact(values);
    try {
      return await api.post(`/orders/${cur.id}/actions/${action}`, { version: Number(cur.version), ...args });
    } catch (err) {
      if (err.code !== 'version_conflict') throw err;
      // Someone (or the scheduler's urge) changed the order meanwhile: load it, keep what was
      // typed, and let the user confirm against the new version.
      const fresh = await api.get('/orders/' + cur.id);
      const still = def.when(fresh, ctx);
      if (still) cur = fresh;
      const last = (fresh.timeline || []).slice(-1)[0];
      const what = last ? `（${last.actor?.name || '系统'}：${last.action_label || ACTION[last.action] || last.action}）` : '';
      err.message = still ? `工单刚被更新${what}，已载入最新版本，请核对后再次提交` : `工单刚被更新${what}，当前状态下已不能${ACTION[action]}`;
      err.field = null;
      throw err;
    }
  };
  const title = `${actionLabel(action, o)} · ${o.number || ''}`;
  const res = await modal(title, (close) => [
    fields.length === 0 ? h('p', `确认对工单 ${o.number} 执行“${actionLabel(action, o)}”？`) : null,
    buildForm(fields, {
      submitLabel: action === 'contact' ? '记录联系结果' : ACTION[action] || '提交',
      onSubmit: async (v) => close(await send(v)),
      cancel: () => close(null),
    }),
  ], { wide: !!def.wide || fields.length > 4 });
  if (res) toast(`已${ACTION[action]}：${o.number}`);
  return res;
}

/** The responsibility catalogue's unit for order o (GET /orders/{id}/suggest), as
 * {unit_id, label, basis}, or null when the catalogue names none. */
export async function suggestFor(o, unitMap) {
  try {
    const s = await api.get(`/orders/${o.id}/suggest`);
    const first = (s.suggestions || [])[0];
    if (!first) return null;
    const id = Number(first.unit_id);
    return { unit_id: id, label: first.unit_name || unitMap.get(id)?.name || `#${id}`, basis: first.basis || '' };
  } catch {
    return null;
  }
}

/** Suggested units of order o (POST /suggest with its title, text, region and category), the
 * catalogue's first; [] when the server has none or no such route. */
export async function suggestUnits(o) {
  try {
    const s = await api.post('/suggest', compact({ title: o.title, text: o.text, region_id: o.region_id, category_id: o.category_id }), { idempotent: false });
    return (s.units || []).slice().sort((a, b) => (a.source === 'catalogue' ? 0 : 1) - (b.source === 'catalogue' ? 0 : 1) || (b.confidence || 0) - (a.confidence || 0));
  } catch {
    return [];
  }
}

// The dispatch form's row of suggested units: clicking one chooses it as the lead unit.
function suggestedUnits(o, active) {
  const ok = new Set(active.map((u) => Number(u.id)));
  const box = h('div.suggest-units-row', { id: 'dispatch-suggest' }, h('span.muted.small', '正在获取建议…'));
  suggestUnits(o).then((list) => {
    const units = list.filter((u) => ok.has(Number(u.id))).slice(0, 3);
    if (!units.length) { box.replaceChildren(h('span.muted.small', '暂无建议')); return; }
    box.replaceChildren(...units.map((u) => h('button.small.suggest-unit', {
      type: 'button', dataset: { id: u.id }, title: `设为主办单位（${u.source === 'catalogue' ? '职责目录' : '分类模型'}，置信度 ${Math.round((u.confidence || 0) * 100)}%）`,
      onclick: (e) => {
        const form = box.closest('form');
        form.controls.unit_id.setValue(u.id);
        form.controls.unit_id.input?.focus();
        for (const b of box.querySelectorAll('button')) b.classList.toggle('chosen', b === e.currentTarget);
      },
    }, u.name, ' ', h('span.tag', u.source === 'catalogue' ? '目录' : '模型'), ' ', h('b.pct', `${Math.round((u.confidence || 0) * 100)}%`))));
  });
  return box;
}

/** Whether an order is overdue now (deadline passed, still with a unit, not hanging). */
export function isOverdue(o, now = Date.now() / 1000) {
  if (typeof o.overdue === 'boolean') return o.overdue;
  const d = toEpoch(o.deadline);
  return !!d && d < now && ['dispatched', 'handling', 'returned', 'coordination'].includes(st(o)) && hangOf(o) !== 2;
}
