// The order page: every field (as masked by the server for this user's role), the units holding
// it, attachments, the actions this user may take now, and the append-only timeline.
import * as api from '../api.js';
import { h, mount, dl, chip, table, errorText, safeHref, modal, toast } from '../ui.js';
import { buildForm, compact } from '../forms.js';
import { treePath } from '../refdata.js';
import {
  ACCT_MEASURE, ACCT_REASON, ACTION, ASG, CHANNEL, MEETING_KIND, CLOSE_KIND, CLOSURE, HANG, LEVEL, NOT_CLOSED, NOT_FILED, REVIEW_STANDARD, ROLE, SATISFACTION, STATUS,
  SUPERVISION_KIND, TIER, TYPE, actorName,
  enumName, fmtTime, label,
} from '../labels.js';
import { ACTIONS, actionLabel, assignments, availableActions, runAction, suggestFor, hangOf } from '../actions.js';
import { refs, statusChip, deadlineCell } from './common.js';
import { citationLink } from './kb.js';
import { refresh, policy, go } from '../app.js';

const ARG_LABELS = {
  channel: '渠道', type: '类型', title: '标题', text: '内容', citizen_name: '诉求人', citizen_phone: '电话',
  anonymous: '匿名', wants_callback: '需要回访', needs_contact: '须联系', category_id: '分类', region_id: '区域',
  level: '等级', tier: '时限档', address: '地址', note: '说明', reason: '理由', explanation: '解释',
  duplicate_of: '重复工单', to: '转接至', answer: '答复', unit_id: '单位', assist_units: '协办单位',
  dual_unit_id: '双派单位', deadline: '期限', orders: '并案工单', children: '子件', legal_basis: '法律依据',
  attachment: '附件', attachments: '附件', leader_signed: '领导已签署', signed_by: '签署领导', unjustified: '无正当理由',
  leader: '签批领导', handler: '承办人', method: '联系方式', result: '结果', until: '延期至', approve: '同意',
  scope: '挂账范围', plan: '计划', expected: '预计', progress: '进展', closure: '办结类型',
  responsible: '责任人', pass: '通过', standard: '结案标准', type_standard: '类型标准', not_closed_reason: '不予结案情形', unreachable: '联系不上', contacted: '已联系',
  solved: '已解决', satisfaction: '满意度', process_satisfaction: '服务过程满意度', feedback_due: '反馈时限', kind: '方式', answer_due: '回复时限', enterprise: '企业诉求',
  about_unit_id: '被投诉单位', relay: '平台转达', upstream_id: '市级工单号', upstream_deadline: '市级时限', kb_entry: '知识库条目', master_id: '主件',
  children_numbers: '子件编号', numbers: '编号', topic: '会商事项', units: '参加单位', people: '参加人员',
  held_at: '会商时间', outcome: '会商结果', task: '调查核实事项', findings: '调查核实情况', proposal: '处理建议',
  suggested_unit_id: '建议承办单位', report: '书面报告', late: '逾期报告',
  count: '次数', due: '期限', share: '时限进度', repeated: '重复反映', reopened: '重办', warned: '预警',
  supervision_id: '督办', parent_id: '原工单', version: '版本', sign_deadline: '签收时限', hang: '挂账', reply: '答复',
  lat: '纬度', lon: '经度',
};
const VALUE_LABELS = {
  type: TYPE, level: LEVEL, tier: TIER, closure: CLOSURE, satisfaction: SATISFACTION, process_satisfaction: SATISFACTION, reason: NOT_FILED,
  channel: CHANNEL, standard: REVIEW_STANDARD, type_standard: REVIEW_STANDARD, not_closed_reason: NOT_CLOSED, kind: SUPERVISION_KIND, method: { phone: '电话', visit: '上门', sms: '短信', other: '其他' },
  level_reopen: { district: '区级', upstream: '市级' },
};
// The kinds of the scheduler's urges and supervisions (src/core/chase.c), beside SUPERVISION_KIND.
const CHASE_KIND = {
  share: '时限过半提醒', sign: '签收提醒', feedback: '反馈提醒', supervision: '督办提醒', overdue: '超期督办',
  upstream: '市级时限督办', reopened: '重办督办', repeated: '重复反映督办', repeat: '重复反映督办', daily: '每日提醒',
  instruct: '批示书面报告催办',
};

function argValue(k, v, r) {
  if (v === true) return '是';
  if (v === false) return '否';
  if (v === null || v === undefined) return '';
  if (['unit_id', 'dual_unit_id', 'suggested_unit_id'].includes(k) && r.unitMap.get(Number(v))) return r.unitMap.get(Number(v)).name;
  if ((k === 'assist_units' || k === 'units') && Array.isArray(v)) return v.map((x) => r.unitMap.get(Number(x))?.name || x).join('、');
  if (k === 'category_id') return treePath(r.catMap, v) || v;
  if (k === 'region_id') return treePath(r.regionMap, v) || v;
  if (['deadline', 'until', 'expected', 'answer_due', 'upstream_deadline', 'due', 'sign_deadline', 'feedback_due', 'held_at'].includes(k)) return fmtTime(v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) return fmtTime(v); // never a raw ISO time
  if (['parent_id', 'master_id', 'duplicate_of'].includes(k) && Number(v)) return h('a', { href: '#/order/' + Number(v) }, `查看工单（编号 ${v}）`);
  if (k === 'share' && typeof v === 'number') return `${Math.round(v * 100)}%`;
  if (k === 'kind' && typeof v === 'string' && CHASE_KIND[v] && !SUPERVISION_KIND[v]) return CHASE_KIND[v];
  if (k === 'attachment' && v && typeof v === 'object') return attachmentLink(v);
  if (k === 'attachments' && Array.isArray(v)) return h('span', v.map((a) => attachmentLink(a)));
  if (k === 'children' && Array.isArray(v)) return v.map((c) => c.title || c.number || JSON.stringify(c)).join('；');
  if (k === 'level' && (v === 'district' || v === 'upstream')) return VALUE_LABELS.level_reopen[v];
  if (VALUE_LABELS[k] && typeof v === 'string') return label(VALUE_LABELS[k], v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? argObject(x, r) : String(x))).join('；');
  if (typeof v === 'object') return argObject(v, r);
  return String(v);
}

// An object argument as "标签：值" pairs, never raw JSON.
function argObject(v, r) {
  return Object.entries(v || {}).map(([k, x]) => `${ARG_LABELS[k] || k}：${(() => { const y = argValue(k, x, r); return y instanceof Node ? y.textContent : y; })()}`).join('，');
}

// Uploaded files need the bearer token, which a plain link cannot send: fetch, then save.
async function openStoredFile(url, name) {
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + api.getToken() } });
  if (!res.ok) { alert('附件无法打开（' + res.status + '）'); return; }
  const obj = URL.createObjectURL(await res.blob());
  const link = h('a', { href: obj, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(obj), 60000);
}

function attachmentLink(a) {
  const name = a.name || '附件';
  const url = safeHref(a.url || a.ref || ''); // null: shown as text, never as a link
  if (url && url.startsWith('/api/v1/files/')) {
    return h('span.attachment', h('a', { href: '#', onclick: (e) => { e.preventDefault(); openStoredFile(url, name); } }, name),
      a.kind ? h('span.muted', `（${a.kind === 'photo' ? '照片' : a.kind === 'recording' ? '录音' : a.kind === 'signed' ? '领导签字说明' : '文件'}）`) : null);
  }
  return h('span.attachment', url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, name) : name,
    a.kind ? h('span.muted', `（${a.kind === 'photo' ? '照片' : a.kind === 'recording' ? '录音' : a.kind === 'signed' ? '领导签字说明' : '文件'}）`) : null);
}

function parseAttachments(o) {
  if (Array.isArray(o.attachments)) return o.attachments;
  try { return JSON.parse(o.attachments || '[]'); } catch { return []; }
}

const yn = (v) => (v === true || v === 1 ? '是' : v === false || v === 0 ? '否' : '—');
const tri = (v) => (v === 1 || v === true ? '是' : v === 0 || v === false ? '否' : '未知');

// 会商与协调 (issue 14 point 8): the pre-dispatch consultation and pre-investigation, a leader's
// instruction awaiting its written report, the coordination meetings attached to the order and
// the accountability records; the lists load after the page is drawn.
const MEETING_WRITERS = ['dispatcher', 'supervisor', 'leader'];
const ACCT_WRITERS = ['supervisor', 'leader'];
const ACCT_READERS = [...ACCT_WRITERS, 'auditor', 'admin'];
const CONSULT_STATE = { none: '无', consulting: '会商中', concluded: '会商已有结果', dispatched: '已按会商结果派单' };
const PREINV_STATE = { none: '无', pending: '预先调查中', reported: '已反馈调查情况' };

function coordPanel(o, ctx, r) {
  const unitName = (id) => r.unitMap.get(Number(id))?.name || (id ? `单位 ${id}` : '');
  const consult = o.consult && o.consult !== 'none' ? h('span', { id: 'consult-state' }, CONSULT_STATE[o.consult] || o.consult,
    o.consult_unit_id ? `，确定由${unitName(o.consult_unit_id)}主办` : '') : null;
  const preinv = o.preinv && o.preinv !== 'none' ? h('span', { id: 'preinv-state' }, `${unitName(o.preinv_unit_id)}：${PREINV_STATE[o.preinv] || o.preinv}`) : null;
  const instruct = o.instruct_unit_id ? h('span', { id: 'instruct-due' }, `交办${unitName(o.instruct_unit_id)}，书面报告期限 ${fmtTime(o.instruct_due)} `,
    o.instruct_overdue ? chip('已超期未报告', 'warn') : chip('待报告', 'muted')) : null;
  const facts = [consult && ['派单前会商', consult], preinv && ['预先调查', preinv], instruct && ['领导批示交办', instruct]].filter(Boolean);
  const meetings = h('div', { id: 'order-meetings' }, h('p.muted', '正在载入会议记录…'));
  const accts = ACCT_READERS.includes(ctx.user.role) ? h('div', { id: 'order-accountability' }, h('p.muted', '正在载入问责记录…')) : null;
  const role = ctx.user.role;
  const activeUnits = r.units.filter((u) => u.active !== false);
  const addMeeting = MEETING_WRITERS.includes(role) ? h('button', { type: 'button', id: 'add-meeting', onclick: async () => {
    const fields = [
      { name: 'kind', label: '会议类型', type: 'select', options: MEETING_KIND, required: true, hint: '会办（天宁办法第十二条第（四）项）；联席会议、专题协调会（东城规定第五条、第十一条）' },
      { name: 'title', label: '会议名称', required: true },
      { name: 'held_at', label: '召开时间', type: 'datetime', required: true },
      { name: 'convener', label: '召集人（单位）', required: true },
      { name: 'units', label: '参会单位', type: 'multi', items: activeUnits },
      { name: 'people', label: '其他参会人员', hint: '多人以、分隔' },
      { name: 'decisions', label: '议定事项', type: 'textarea', rows: 4, required: true },
      { name: 'follow_item', label: '后续事项', hint: '会后须落实的事项' },
      { name: 'follow_unit', label: '责任单位', type: 'pick', items: activeUnits, when: (v) => !!v.follow_item },
      { name: 'follow_due', label: '完成期限', type: 'datetime', when: (v) => !!v.follow_item },
    ];
    const res = await modal(`记录协调会议 · ${o.number}`, (close) => buildForm(fields, {
      submitLabel: '保存会议记录',
      onSubmit: async (v) => {
        const participants = [...(v.units || []).map((id) => ({ name: unitName(id), unit_id: id })),
          ...String(v.people || '').split(/[、,，;；]/).map((x) => x.trim()).filter(Boolean).map((name) => ({ name }))];
        const follow = v.follow_item ? [compact({ item: v.follow_item, unit_id: v.follow_unit, due: v.follow_due })] : [];
        close(await api.post('/meetings', { kind: v.kind, title: v.title, held_at: v.held_at, convener: v.convener, decisions: v.decisions, participants, follow_ups: follow, orders: [Number(o.id)] }));
      },
      cancel: () => close(null),
    }), { wide: true });
    if (res) { toast('已保存会议记录'); refresh(); }
  } }, '记录协调会议') : null;
  const addAcct = ACCT_WRITERS.includes(role) ? h('button', { type: 'button', id: 'add-accountability', onclick: async () => {
    const fields = [
      { name: 'unit_id', label: '被问责单位', type: 'pick', items: activeUnits, required: true, value: assignments(o).find((a) => a.active)?.unit_id || '' },
      { name: 'person', label: '被问责人', required: true },
      { name: 'reason', label: '问责情形', type: 'select', options: ACCT_REASON, required: true, hint: '天宁办法第二十一条' },
      { name: 'article', label: '依据条款', required: true, value: '天宁办法第二十一条第（一）项' },
      { name: 'measure', label: '问责方式', type: 'select', options: ACCT_MEASURE, required: true, hint: '天宁办法第二十二条' },
      { name: 'note', label: '说明', type: 'textarea' },
    ];
    const res = await modal(`记录问责 · ${o.number}`, (close) => buildForm(fields, {
      submitLabel: '保存问责记录',
      onSubmit: async (v) => close(await api.post('/accountability', { ...compact(v), order_id: Number(o.id) })),
      cancel: () => close(null),
    }), { wide: true });
    if (res) { toast('已保存问责记录'); refresh(); }
  } }, '记录问责') : null;
  const section = h('section.panel', { id: 'coord-panel' }, h('h2', '会商与协调'),
    facts.length ? dl(facts) : h('p.muted', '本单无派单前会商、预先调查或待报告的批示交办'),
    h('h3', '协调会议'), meetings, accts ? [h('h3', '问责记录'), accts] : null,
    addMeeting || addAcct ? h('div.actions', addMeeting, addAcct) : null);
  api.get(`/meetings?order_id=${o.id}`).then((data) => {
    const list = data.items || [];
    mount(meetings, list.length ? h('ul.meetings', list.map((m) => h('li.meeting', { dataset: { kind: m.kind } },
      h('div', h('b', `【${m.kind_label || MEETING_KIND[m.kind] || m.kind}】${m.title}`), h('span.muted', ` ${m.held_at_label || fmtTime(m.held_at)} · 召集：${m.convener}`)),
      h('div', '参会：', (m.participants || []).map((x) => x.unit_name || x.name).join('、')),
      h('div.pre', '议定事项：', m.decisions),
      (m.follow_ups || []).length ? h('ul.follow-ups', m.follow_ups.map((f) => h('li', f.item, '（', f.unit_name || f.owner || '', f.due_label ? `，${f.due_label}前完成` : '', '）'))) : null,
      (m.order_numbers || []).length > 1 ? h('div.muted', '关联工单：', m.order_numbers.join('、')) : null)))
      : h('p.muted', '暂无协调会议记录'));
  }).catch((err) => mount(meetings, h('p.muted', err.status === 403 ? '无权查看会议记录' : '会议记录暂时无法载入：' + errorText(err))));
  if (accts) {
    api.get(`/accountability?order_id=${o.id}`).then((data) => {
      const list = data.items || [];
      mount(accts, list.length ? table([
        { label: '被问责单位', get: (a) => a.unit_name || unitName(a.unit_id) },
        { label: '被问责人', get: (a) => a.person },
        { label: '情形', class: 'wrap', get: (a) => a.reason_label || ACCT_REASON[a.reason] },
        { label: '依据', get: (a) => a.article },
        { label: '问责方式', get: (a) => a.measure_label || ACCT_MEASURE[a.measure] },
        { label: '记录', get: (a) => `${a.recorded_by_name} · ${a.at_label || fmtTime(a.at)}` },
      ], list) : h('p.muted', '暂无问责记录'));
    }).catch((err) => mount(accts, h('p.muted', '问责记录暂时无法载入：' + errorText(err))));
  }
  return section;
}

export async function render(view, ctx, params) {
  const id = params.parts[0];
  const r = await refs();
  let o;
  try {
    o = await api.get('/orders/' + encodeURIComponent(id));
  } catch (err) {
    if (err.status === 404) {
      mount(view, h('div.error-page', { id: 'order-missing' }, h('h1', '工单不存在'), h('p', '该工单不存在，或不属于本单位办理，无权查看。'), h('a', { href: '#/orders' }, '返回工单列表')));
      return;
    }
    throw err;
  }
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const status = enumName('status', o.status);
  const acts = availableActions(o, actx);
  if (acts.includes('dispatch')) {
    actx.suggested = await suggestFor(o, r.unitMap);
  }

  const actionBar = h('div.actions', { id: 'order-actions' }, acts.map((a) => h('button' + (ACTIONS[a].primary ? '.primary' : ACTIONS[a].danger ? '.danger' : ''), {
    type: 'button', dataset: { action: a },
    onclick: async () => {
      const res = await runAction(a, o, actx);
      if (res) refresh();
    },
  }, actionLabel(a, o))));

  const masked = (s) => (typeof s === 'string' && s.includes('*') ? h('span', s, ' ', chip('已脱敏', 'muted')) : s);
  // A unit that may not see the number contacts the caller through the platform (12345).
  const phoneCell = () => {
    if (o.anonymous) return '—';
    if (o.citizen_masked === true && typeof o.citizen_phone === 'string' && o.citizen_phone.includes('*')) {
      return h('span', masked(o.citizen_phone), h('span.muted.small', { id: 'phone-relay' }, ' 本单无须承办单位直接联系；如需联系诉求人，请经 12345 平台转接'));
    }
    return o.citizen_phone ? h('a', { href: 'tel:' + String(o.citizen_phone).replace(/[^\d+]/g, '') }, o.citizen_phone) : '—';
  };
  const att = parseAttachments(o);
  const units = assignments(o);

  const basic = dl([
    ['工单编号', h('span.mono', o.number)],
    ['状态', h('span', statusChip(o), o.close_kind && enumName('close_kind', o.close_kind) !== 'none' ? ' ' + label(CLOSE_KIND, enumName('close_kind', o.close_kind)) : '')],
    ['来源渠道', label(CHANNEL, o.channel)],
    ['诉求类型', label(TYPE, enumName('type', o.type))],
    ['等级', label(LEVEL, enumName('level', o.level))],
    ['办理时限档', label(TIER, enumName('tier', o.tier))],
    ['分类', o.category_id ? treePath(r.catMap, o.category_id) : ''],
    ['区域', o.region_id ? treePath(r.regionMap, o.region_id) : ''],
    ['地址', o.address],
    o.has_coords ? ['坐标', `${Number(o.lat).toFixed(6)}, ${Number(o.lon).toFixed(6)}`] : null,
    ['企业诉求', yn(o.enterprise)],
    o.upstream_id ? ['市级工单号', o.upstream_id] : null,
    o.upstream_id ? ['市级考核时限', fmtTime(o.upstream_deadline)] : null,
    ['已核实', yn(o.verified)],
  ]);
  const withheld = '已保密（本单位为被投诉单位，联系由平台转达）';
  const citizen = dl([
    ['诉求人', o.anonymous ? '匿名' : o.citizen_withheld ? withheld : masked(o.citizen_name)],
    ['联系电话', o.citizen_withheld ? withheld : phoneCell()],
    o.about_unit_id ? ['被投诉单位', o.about_unit_name || String(o.about_unit_id)] : null,
    ['需要回访', yn(o.wants_callback)],
    ['须联系诉求人', yn(o.needs_contact)],
  ]);
  const times = dl([
    ['受理时间', fmtTime(o.created_at)],
    ['立案时间', fmtTime(o.filed_at)],
    ['派单时间', fmtTime(o.dispatched_at)],
    ['签收期限', fmtTime(o.sign_deadline)],
    ['办理期限', o.deadline ? h('span', fmtTime(o.deadline), ['dispatched', 'handling', 'returned', 'coordination'].includes(status) ? [' ', deadlineCell(o)] : null) : ''],
    ['反馈时间', fmtTime(o.replied_at)],
    ['办结时间', fmtTime(o.closed_at)],
    ['归档时间', fmtTime(o.archived_at)],
    ['最近更新', fmtTime(o.updated_at)],
  ]);
  // the knowledge-base entry a direct answer cited (issue 11)
  const kbCite = (o.timeline || o.events || []).map((ev) => (ev.args || ev.payload?.args || {}).kb_entry).filter(Boolean).pop();
  const handling = dl([
    ['已联系诉求人', yn(o.contacted)],
    ['已签批', yn(o.sign_approved)],
    ['延期', o.ext_pending ? `申请延期至 ${fmtTime(o.ext_requested_until)}，待审批` : `${o.extensions || 0} 次`],
    ['挂账', HANG[hangOf(o)]],
    ['办结类型', label(CLOSURE, enumName('closure', o.closure))],
    ['办理结果', o.reply_text ? h('div.pre', o.reply_text) : ''],
    kbCite ? ['知识库依据', citationLink(kbCite)] : null,
    enumName('not_filed_reason', o.not_filed_reason) && Number(o.not_filed_reason) !== -1 ? ['不予立案理由', label(NOT_FILED, enumName('not_filed_reason', o.not_filed_reason))] : null,
    o.transfer_to ? ['转接至', o.transfer_to] : null,
    o.duplicate_of ? ['重复的工单', h('a', { href: '#/order/' + o.duplicate_of }, '#' + o.duplicate_of)] : null,
    o.master_id ? ['并入主件', h('a', { href: '#/order/' + o.master_id }, '#' + o.master_id)] : null,
    o.parent_id ? ['拆分自', h('a', { href: '#/order/' + o.parent_id }, '#' + o.parent_id)] : null,
  ]);
  // the service process of the latest callback result since the last reopen (001 附件 三(一)2(1))
  let process;
  for (const ev of o.timeline || o.events || []) {
    const a = ev.args || ev.payload?.args || {};
    if (ev.action === 'reopen') process = undefined;
    if (ev.action === 'callback' && !a.unreachable) process = a.process_satisfaction || '';
  }
  const callback = dl([
    ['回访次数', o.cb_tries || 0],
    ['单位已联系', tri(o.cb_contacted)],
    ['问题已解决', tri(o.cb_solved)],
    ['满意度', label(SATISFACTION, enumName('cb_satisfaction', o.cb_satisfaction))],
    ['服务过程满意度', process === undefined ? '—' : process ? label(SATISFACTION, process) : '未询问'],
    ['联系不上', yn(o.cb_unreachable)],
  ]);
  const counters = h('div.counters', [
    ['退单', o.returns], ['返工', o.reworks], ['重办', o.reopens], ['区级重办', o.reopens_district], ['市级重办', o.reopens_upstream],
    ['催办', o.urges], ['督办', o.supervisions], ['督办待回复', o.supervisions_open], ['延期', o.extensions],
  ].map(([k, v]) => h('div.counter', { class: Number(v) > 0 ? 'nonzero' : null }, h('b', String(v || 0)), h('span', k))));

  const unitTable = units.length ? h('table.grid.compact', h('thead', h('tr', ['单位', '方式', '状态', '派单', '签收', '反馈', '退单'].map((x) => h('th', x)))),
    h('tbody', units.map((a) => h('tr', { class: a.active ? null : 'inactive' },
      h('td', r.unitMap.get(a.unit_id)?.name || `#${a.unit_id}`), h('td', label(ASG, a.role)),
      h('td', a.return_pending ? chip('退单待审', 'warn') : a.active ? '在办' : '已退出'),
      h('td', fmtTime(a.dispatched_at)), h('td', fmtTime(a.signed_at)), h('td', fmtTime(a.replied_at)), h('td', a.returns || 0))))) : h('p.muted', '尚未派单');

  const timeline = h('ol.timeline', { id: 'timeline' }, (o.timeline || o.events || []).slice().reverse().map((ev) => {
    const act = enumName('action', ev.action);
    const actor = ev.actor || {};
    const args = ev.args || ev.payload?.args || {};
    const sb = enumName('status', ev.status_before), sa = enumName('status', ev.status_after);
    return h('li.event', { dataset: { action: act } },
      h('div.ev-head', h('b', ev.action_label || ACTION[act] || act), ' ',
        sb !== sa ? h('span.muted', `${STATUS[sb] || sb} → ${STATUS[sa] || sa}`) : null),
      h('div.ev-meta', fmtTime(ev.at), ' · ', actorName(actor.name || ev.actor_name), actor.role || ev.actor_role ? ` · ${ROLE[enumName('role', actor.role || ev.actor_role)] || actor.role || ev.actor_role}` : '',
        actor.unit_name ? ` · ${actor.unit_name}` : ''),
      Object.keys(args).length ? h('dl.ev-args', Object.entries(args).map(([k, v]) => [h('dt', ARG_LABELS[k] || k), h('dd', argValue(k, v, r))])) : null);
  }));

  // Likely duplicates among recent orders (platform roles; loaded after the page is drawn).
  const platform = !['unit_operator', 'unit_leader', 'auditor'].includes(ctx.user.role);
  const dupSection = platform && api.has('GET', '/orders/{id}/duplicates')
    ? h('section.panel.dups', { id: 'order-duplicates' }, h('h2', '可能重复'), h('p.muted', '正在比对近期工单…')) : null;
  if (dupSection) {
    api.get(`/orders/${o.id}/duplicates`).then((data) => {
      const list = data.items || [];
      mount(dupSection, h('h2', '可能重复', list.length ? h('span.badge', String(list.length)) : null),
        list.length ? table([
          { label: '工单编号', get: (d) => h('a.mono', { href: '#/order/' + d.order.id }, d.order.number) },
          { label: '相似度', get: (d) => h('b.score' + (d.likely ? '.likely' : ''), `${Math.round((d.score || 0) * 100)}%`) },
          { label: '状态', get: (d) => statusChip(d.order) },
          { label: '受理时间', get: (d) => fmtTime(d.order.created_at) },
          { label: '标题', class: 'title-col', get: (d) => h('span', { title: d.order.title }, d.order.title) },
          { label: '依据', class: 'wrap', get: (d) => h('div.tags', (d.reasons || []).map((x) => h('span.tag', x.label))) },
        ], list, { onRow: (d) => go('order/' + d.order.id) })
          : h('p.muted', `未发现可能重复的工单（已比对近期 ${data.examined ?? 0} 件）`));
    }).catch((err) => {
      if (err.status === 403 || err.status === 404) dupSection.remove();
      else mount(dupSection, h('h2', '可能重复'), h('p.muted', '暂时无法比对：' + errorText(err)));
    });
  }

  // the printed 工单处理单: the page itself, laid out for paper (web/css/app.css @media print),
  // with a heading, who printed it and when, and lines to sign
  const printHead = h('div.print-only.print-head', { id: 'print-head' },
    h('div.print-title', '12345 热线工单处理单'),
    h('div.print-meta', `工单编号 ${o.number} · 打印：${ctx.user.name || ctx.user.login} · ${fmtTime(Math.floor(Date.now() / 1000))}`));
  const printSign = h('div.print-only.print-sign', ['承办人', '审核人', '日期'].map((k) => h('span', `${k}：`, h('span.line'))));
  const printBtn = h('button', { type: 'button', id: 'print-order', title: '打印本工单的处理单（含处理过程）', onclick: () => window.print() }, '打印处理单');
  mount(view,
    printHead,
    h('div.page-head.order-head',
      h('div', h('h1', { id: 'order-title' }, o.title || '(无标题)'),
        h('p', h('span.mono', { id: 'order-number' }, o.number), ' ', h('span', { id: 'order-status', dataset: { status } }, statusChip(o)), ' ', h('span.muted', { title: '工单每次办理后版本加一，用于防止多人同时操作' }, `第 ${o.version} 次更新`))),
      h('div.order-head-tools', printBtn, actionBar)),
    h('div.order-layout',
      h('div.order-main',
        h('section.panel', h('h2', '诉求内容'), h('div.pre.text', o.text)),
        dupSection,
        h('div.two-col',
          h('section.panel', h('h2', '基本信息'), basic),
          h('div', h('section.panel', h('h2', '诉求人'), citizen), h('section.panel', h('h2', '时间'), times))),
        h('section.panel', h('h2', '承办单位'), unitTable),
        coordPanel(o, ctx, r),
        h('div.two-col',
          h('section.panel', h('h2', '办理情况'), handling),
          h('section.panel', h('h2', '回访'), callback)),
        h('section.panel', h('h2', '计数'), counters),
        h('section.panel', { id: 'attachments' }, h('h2', `附件（${att.length}）`), att.length ? h('ul.attachments', att.map((a) => h('li', attachmentLink(a), h('span.muted', ` ${fmtTime(a.at)}`)))) : h('p.muted', '无附件'))),
      h('aside.order-side', h('section.panel', h('h2', '处理过程'), timeline))),
    printSign);
}

