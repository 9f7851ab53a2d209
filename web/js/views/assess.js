// Assessment (考核): the ranking of a scheme for a period with scores and grades, each unit's
// indicators with the orders behind them, CSV/XLSX exports, appeals (a unit leader files, a
// supervisor decides) and manual items. Unit users see their own unit only.
import * as api from '../api.js';
import { h, mount, table, chip, modal, toast, loading, tabs, errorText, safeHref } from '../ui.js';
import { buildForm, compact, uploadFiles } from '../forms.js';
import { UNIT_KIND, fmtTime } from '../labels.js';
import { refs } from './common.js';
import { go, refresh } from '../app.js';

const UNIT_ROLES = ['unit_operator', 'unit_leader'];
const ITEM_KINDS = { manual_deduction: '人工扣分', bonus_points: '加分', year_end: '年终考核' };
const APPEAL_STATUS = { pending: '待审', upheld: '已支持', rejected: '已驳回' };

const pad = (n) => String(n).padStart(2, '0');

/** Recent periods to choose from: 12 months, 4 quarters, 2 years (Shanghai time). */
function periods() {
  const now = new Date(Date.now() + 8 * 3600e3);
  const y = now.getUTCFullYear(), m = now.getUTCMonth() + 1;
  const out = [];
  for (let i = 0; i < 12; i++) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push([`${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`, `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${i === 0 ? '（本月）' : ''}`]);
  }
  let qy = y, q = Math.floor((m - 1) / 3) + 1;
  for (let i = 0; i < 4; i++) {
    out.push([`${qy}-Q${q}`, `${qy}年第${q}季度`]);
    if (--q === 0) { q = 4; qy--; }
  }
  out.push([String(y), `${y}年`], [String(y - 1), `${y - 1}年`]);
  return out;
}

/** The period published by default: the last complete month. */
function defaultPeriod() {
  return periods()[1][0];
}

function fmtValue(ind, v) {
  if (v === null || v === undefined) return '—';
  if (ind.kind === 'rate') return (100 * v).toFixed(1) + '%';
  return Number.isInteger(v) ? String(v) : Number(v).toFixed(2);
}

const gradeChip = (g) => (g ? chip(g, 'grade-' + g) : '—');

/** Downloads an export of the ranking (the API needs the bearer token, so fetch then save). */
async function exportReport(q, format) {
  const res = await fetch(api.withQuery('/api/v1/assess', { ...q, format }), { headers: { Authorization: 'Bearer ' + api.getToken() } });
  if (!res.ok) throw new api.ApiError(res.status, 'http_' + res.status, '导出失败');
  const blob = await res.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: `考核_${q.scheme || ''}_${q.period}.${format}` });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

/** The ranking table into el (compact: the first ten units, for the dashboard). */
export async function rankingPanel(el, ctx, { compact: small = false } = {}) {
  if (!api.has('GET', '/assess')) { mount(el, h('p.muted', '考核接口尚未提供。')); return; }
  try {
    const period = defaultPeriod();
    const rep = await api.get(api.withQuery('/assess', { period }));
    const rows = (rep.units || []).filter((u) => u.assessed !== false);
    mount(el, h('p.muted.small', `${rep.title || rep.scheme} · ${rep.period}`),
      rankTable(rep, small ? rows.slice(0, 10) : rows, null, { few: small }));
  } catch (err) {
    mount(el, h('p.muted', errorText(err)));
  }
}

function rankTable(rep, rows, onRow, { few = false } = {}) {
  const inds = few ? [] : rep.indicators || [];
  const items = few ? [] : rep.items || [];
  return table([
    { label: '排名', get: (u) => (u.rank ?? '—') },
    { label: '单位', get: (u) => u.name },
    { label: '类型', get: (u) => UNIT_KIND[u.kind] || u.kind },
    ...(rep.groups && rep.groups.length > 1 ? [{ label: '分组', get: (u) => u.group || '' }] : []),
    { label: '得分', get: (u) => (u.score === null || u.score === undefined ? '—' : h('b', Number(u.score).toFixed(2))) },
    { label: '等级', get: (u) => gradeChip(u.grade) },
    { label: '接收量', get: (u) => u.received },
    ...items.map((it) => ({ label: it.name, get: (u) => fmtValue({}, u.items?.[it.id]) })),
    // a scheme's bonus (e.g. 002 art. 34: 兜底、受理量前十、表扬件), shown when a unit has one
    ...(!few && rows.some((u) => Number(u.bonus)) ? [{ label: '加分', get: (u) => fmtValue({}, u.bonus) }] : []),
    ...inds.map((ind) => ({ label: ind.name, get: (u) => fmtValue(ind, u.indicators?.[ind.id]?.value) })),
  ], rows, { onRow, empty: '本期没有参加考核的单位' });
}

export async function render(view, ctx, params) {
  const isUnit = UNIT_ROLES.includes(ctx.user.role);
  const head = h('div.page-head', h('div', h('h1', isUnit ? `本单位考核 · ${ctx.unit?.name || ''}` : '考核排名'),
    h('p.muted', '按考核方案计算各单位指标、得分与等级；申诉支持的工单不计入相应指标。')));
  if (!api.has('GET', '/assess')) { mount(view, head, h('div.empty', '考核接口尚未提供。')); return; }
  const tab = params.query.get('tab') || 'ranking';
  const tabList = [{ key: 'ranking', label: isUnit ? '指标与工单' : '排名' }, { key: 'appeals', label: '申诉' }];
  if (!isUnit) tabList.push({ key: 'items', label: '加扣分' });
  const body = h('div', loading());
  mount(view, head, tabs(tabList, tab, (k) => go(`assess?tab=${k}`)), body);
  if (tab === 'appeals') return appeals(body, ctx);
  if (tab === 'items') return manualItems(body, ctx);
  return ranking(body, ctx, params, isUnit);
}

async function ranking(body, ctx, params, isUnit) {
  const schemes = await api.get('/assess/schemes');
  const q = {
    scheme: params.query.get('scheme') || schemes.policy_scheme,
    period: params.query.get('period') || defaultPeriod(),
  };
  const schemeSel = h('select', { id: 'assess-scheme' }, (schemes.schemes || []).map((s) => h('option', { value: s.name, selected: s.name === q.scheme }, s.title || s.name)));
  const periodSel = h('select', { id: 'assess-period' }, periods().map(([v, l]) => h('option', { value: v, selected: v === q.period }, l)));
  const apply = () => go(`assess?scheme=${encodeURIComponent(schemeSel.value)}&period=${encodeURIComponent(periodSel.value)}`);
  schemeSel.addEventListener('change', apply);
  periodSel.addEventListener('change', apply);
  const rep = await api.get(api.withQuery('/assess', q));
  const detail = h('div#assess-detail');
  const rows = rep.units || [];
  const showUnit = (u) => unitDetail(detail, rep, q, u, ctx);
  mount(body,
    h('div.toolbar',
      h('label', '方案 ', schemeSel), h('label', '考核期 ', periodSel),
      h('button', { type: 'button', onclick: () => exportReport(q, 'csv').catch((e) => toast(errorText(e), 'error')) }, '导出 CSV'),
      h('button', { type: 'button', onclick: () => exportReport(q, 'xlsx').catch((e) => toast(errorText(e), 'error')) }, '导出 Excel'),
      h('span.muted', `${rep.title || rep.scheme} · ${rep.period}${rep.exclusions ? ` · 已排除申诉支持工单 ${rep.exclusions} 件` : ''}`)),
    h('section.panel', h('div.panel-head', h('h2', isUnit ? '本单位得分' : '排名'), rep.grades?.length ? h('span.muted.small', '等级：' + rep.grades.map((g) => `${g.grade}${g.min !== null && g.min !== undefined ? '≥' + g.min : ''}`).join(' ')) : null),
      rankTable(rep, rows, showUnit)),
    detail);
  if (isUnit && rows[0]) await unitDetail(detail, rep, q, rows[0], ctx, { scroll: false });
}

/** One unit: every indicator with numerator and denominator, and the orders behind them. */
async function unitDetail(el, rep, q, u, ctx, { scroll = true } = {}) {
  const isLeader = ctx.user.role === 'unit_leader';
  const inds = rep.indicators || [];
  const indSel = h('select', { id: 'assess-indicator' }, h('option', { value: '' }, '全部指标'), inds.map((i) => h('option', { value: i.id }, i.name)));
  const list = h('div', loading());
  const load = async () => {
    const data = await api.get(api.withQuery(`/assess/units/${u.unit_id}/orders`, { ...q, indicator: indSel.value }));
    const orders = data.orders || [];
    const shown = inds.filter((i) => orders.some((o) => o.indicators?.[i.id]));
    mount(list, table([
      { label: '工单', get: (o) => h('a.mono', { href: '#/order/' + o.order_id }, o.number) },
      { label: '标题', class: 'title-col', get: (o) => o.title },
      { label: '接收', get: (o) => fmtTime(o.received_at) },
      ...shown.map((i) => ({ label: i.name, get: (o) => { const c = o.indicators?.[i.id]; if (!c) return ''; const t = c.den === null || c.den === undefined ? String(c.num) : `${c.num}/${c.den}`; return Number(c.num) ? h('b', t) : h('span.muted', t); } })),
      { label: '排除', get: (o) => (o.excluded?.length ? chip('申诉排除', 'warn') : '') },
      ...(isLeader ? [{ label: '', get: (o) => h('button.small', { type: 'button', dataset: { appeal: o.number }, onclick: () => appealForm(o, inds) }, '申诉') }] : []),
    ], orders, { empty: '该指标没有相关工单' }));
  };
  indSel.addEventListener('change', load);
  mount(el, h('section.panel',
    h('div.panel-head', h('h2', `${u.name} · 指标`), u.grade ? h('span', '得分 ', h('b', Number(u.score).toFixed(2)), ' ', gradeChip(u.grade)) : null),
    h('div.ind-grid', inds.map((i) => {
      const v = u.indicators?.[i.id] || {};
      return h('button.ind', { type: 'button', title: `${i.numerator}${i.denominator ? ' ÷ ' + i.denominator : ''}`, onclick: () => { indSel.value = i.id; load(); } },
        h('span', i.name), h('b', fmtValue(i, v.value)),
        h('small.muted', v.den !== null && v.den !== undefined ? `${v.num}/${v.den}` : ''));
    }))),
  h('section.panel', h('div.panel-head', h('h2', '指标对应工单'), h('label', '指标 ', indSel)), list));
  await load();
  if (scroll) el.scrollIntoView({ block: 'start' });
}

async function appealForm(o, inds) {
  const done = await modal(`申诉 · ${o.number}`, (close) => buildForm([
    { name: 'indicators', label: '申请排除的指标', type: 'custom', required: true, build: () => checkList(inds.filter((i) => o.indicators?.[i.id]).map((i) => [i.id, i.name])) },
    { name: 'reason', label: '申诉理由', type: 'textarea', required: true },
    { name: 'evidence_url', label: '证明材料链接', placeholder: 'https://…', hint: '证明材料可附链接或上传小文件，至少一项' },
    { name: 'evidence_files', label: '证明材料文件', type: 'files' },
  ], {
    submitLabel: '提交申诉',
    onSubmit: async (v) => {
      const evidence = v.evidence_files?.length ? await uploadFiles(v.evidence_files, 'evidence', 1000) : [];
      if (v.evidence_url) evidence.push({ name: '证明材料', url: v.evidence_url });
      if (!evidence.length) throw Object.assign(new Error('请提供证明材料'), { field: 'evidence_url', code: 'missing_field' });
      close(await api.post('/assess/appeals', { order_id: Number(o.order_id), indicators: v.indicators, reason: v.reason, evidence }));
    },
    cancel: () => close(null),
  }), { wide: true });
  if (done) toast('申诉已提交，等待平台审核');
}

function checkList(pairs) {
  const box = h('div.radios', pairs.map(([v, l]) => h('label.radio', h('input', { type: 'checkbox', value: v }), l)));
  Object.defineProperty(box, 'value', { get: () => Array.from(box.querySelectorAll('input:checked')).map((x) => x.value) });
  return box;
}

async function appeals(body, ctx) {
  const r = await refs();
  const [data, cat] = await Promise.all([api.get('/assess/appeals'), api.get('/assess/indicators').catch(() => ({}))]);
  const list = data.appeals || [];
  // indicator ids (shirk_rate) read as their Chinese names (推诿率)
  const indName = new Map((cat.indicators || []).map((i) => [i.id, i.label || i.name]));
  const indText = (x) => indName.get(x) || x;
  const canDecide = ['supervisor', 'admin'].includes(ctx.user.role);
  const decide = async (a) => {
    const done = await modal(`申诉审核 · ${a.number}`, (close) => buildForm([
      { name: 'uphold', label: '审核结果', type: 'radio', required: true, options: [['true', '支持（排除相应指标）'], ['false', '驳回']] },
      { name: 'note', label: '审核意见', type: 'textarea' },
    ], {
      submitLabel: '提交',
      onSubmit: async (v) => close(await api.post(`/assess/appeals/${a.id}/decision`, compact({ uphold: v.uphold === 'true', note: v.note }))),
      cancel: () => close(null),
    }));
    if (done) { toast('已审核'); refresh(); }
  };
  mount(body, h('section.panel', h('h2', '申诉'), table([
    { label: '工单', get: (a) => h('a.mono', { href: '#/order/' + a.order_id }, a.number) },
    { label: '单位', get: (a) => r.unitMap.get(Number(a.unit_id))?.name || '' },
    { label: '指标', get: (a) => (Array.isArray(a.indicators) ? a.indicators.map(indText).join('、') : indText(String(a.indicators))) },
    { label: '理由', class: 'title-col', get: (a) => a.reason },
    { label: '证明材料', get: (a) => h('span', (a.evidence || []).map((x) => (safeHref(x.url) ? h('a', { href: safeHref(x.url), target: '_blank', rel: 'noopener noreferrer' }, x.name + ' ') : h('span.evidence', x.name + ' ')))) },
    { label: '提交时间', get: (a) => fmtTime(a.filed_at) },
    { label: '状态', get: (a) => chip(APPEAL_STATUS[a.status] || a.status, a.status === 'upheld' ? 'done' : a.status === 'rejected' ? 'muted' : 'warn') },
    { label: '审核意见', get: (a) => a.note || '' },
    ...(canDecide ? [{ label: '', get: (a) => (a.status === 'pending' ? h('button.small', { type: 'button', onclick: () => decide(a) }, '审核') : '') }] : []),
  ], list, { empty: '暂无申诉' })));
}

async function manualItems(body, ctx) {
  const r = await refs();
  const data = await api.get('/assess/items');
  const list = data.items || [];
  const canEdit = ['supervisor', 'admin'].includes(ctx.user.role);
  const add = async () => {
    const done = await modal('新增加扣分', (close) => buildForm([
      { name: 'unit_id', label: '单位', type: 'pick', items: r.units, required: true },
      { name: 'kind', label: '类别', type: 'select', options: ITEM_KINDS, required: true },
      { name: 'points', label: '分值', type: 'number', required: true },
      { name: 'on', label: '计入日期', type: 'date', required: true },
      { name: 'note', label: '说明', type: 'textarea', required: true },
    ], {
      submitLabel: '保存',
      onSubmit: async (v) => close(await api.post('/assess/items', compact(v))),
      cancel: () => close(null),
    }));
    if (done) { toast('已保存'); refresh(); }
  };
  mount(body,
    canEdit ? h('div.toolbar', h('button.primary', { type: 'button', onclick: add }, '新增加扣分'), h('span.muted', '人工扣分、加分（坪山办法第三十四条）与年终考核分。')) : null,
    h('section.panel', table([
      { label: '单位', get: (x) => r.unitMap.get(Number(x.unit_id))?.name || '' },
      { label: '类别', get: (x) => ITEM_KINDS[x.kind] || x.kind },
      { label: '分值', get: (x) => x.points },
      { label: '日期', get: (x) => x.on || '' },
      { label: '说明', class: 'title-col', get: (x) => x.note },
      { label: '状态', get: (x) => (x.cancelled ? chip('已撤销', 'muted') : chip('有效', 'done')) },
    ], list, { empty: '暂无加扣分' })));
}

