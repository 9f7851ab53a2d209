// The supervisor's and leader's dashboard: volume by day, channel, type and category; overdue and
// reopened by unit; the satisfaction trend; the assessment ranking with grades; warnings and the
// special-report list; CSV exports. Figures are computed here from the orders API.
import * as api from '../api.js';
import { h, mount, loading, table, download, toCsv, chip } from '../ui.js';
import { chart, sweep } from '../charts.js';
import { treeAncestorAt } from '../refdata.js';
import { CHANNEL, STATUS, TYPE, SATISFACTION, enumName, fmtDate, fmtDay, fmtTime, label, toEpoch } from '../labels.js';
import { assignments, isOverdue, policyValue } from '../actions.js';
import { refs, statusChip, leadUnitName } from './common.js';
import { go, policy } from '../app.js';
import { rankingPanel } from './assess.js';
import { fmtCn } from './warnings.js';

const PERIODS = { 7: '近7天', 30: '近30天', 90: '近90天', 365: '近一年' };

export async function render(view, ctx, params) {
  sweep();
  const r = await refs();
  const pol = await policy();
  const days = Number(params.query.get('days') || 30);
  const since = Math.floor(Date.now() / 1000) - days * 86400;
  const fromDay = fmtDay(since);
  const periodBar = h('div.tabs', Object.entries(PERIODS).map(([d, l]) => h('button.tab' + (Number(d) === days ? '.active' : ''), { type: 'button', onclick: () => go('dashboard?days=' + d) }, l)));
  const body = h('div', loading('正在统计…'));
  mount(view, h('div.page-head', h('div', h('h1', ctx.user.role === 'leader' ? '领导看板' : '监督看板'), h('p.muted', `统计区间：${fmtDate(since)} 起，按受理时间。`)), periodBar), body);

  const orders = await api.allOrders({ from: fromDay, sort: 'created_asc' }, 20000);
  const now = Date.now() / 1000;
  const unitOf = (o) => {
    const as = assignments(o);
    const lead = as.find((a) => a.active && a.role === 'lead') || as.find((a) => a.role === 'lead') || as[0];
    return lead ? lead.unit_id : 0;
  };

  // Aggregates.
  const byDay = new Map();
  for (let t = since; t <= now + 86400; t += 86400) byDay.set(fmtDay(t), 0);
  const count = (m, k) => m.set(k, (m.get(k) || 0) + 1);
  const byChannel = new Map(), byType = new Map(), byCat = new Map(), byStatus = new Map();
  const perUnit = new Map();
  const satWeek = new Map();
  for (const o of orders) {
    count(byDay, fmtDay(o.created_at));
    count(byChannel, o.channel);
    count(byType, enumName('type', o.type));
    count(byStatus, enumName('status', o.status));
    const top = o.category_id ? treeAncestorAt(r.catMap, o.category_id, 0) : null;
    count(byCat, top ? top.name : '未分类');
    const u = unitOf(o);
    if (u) {
      const s = perUnit.get(u) || { total: 0, overdue: 0, reopened: 0, returns: 0 };
      s.total++;
      const late = isOverdue(o, now) || (toEpoch(o.replied_at) && toEpoch(o.deadline) && toEpoch(o.replied_at) > toEpoch(o.deadline));
      if (late) s.overdue++;
      if (Number(o.reopens) > 0) s.reopened++;
      s.returns += Number(o.returns || 0);
      perUnit.set(u, s);
    }
    const sat = enumName('cb_satisfaction', o.cb_satisfaction);
    if (sat && sat !== 'none') {
      const d = new Date((toEpoch(o.closed_at) || toEpoch(o.updated_at)) * 1000);
      const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86400e3);
      const wk = fmtDay(monday.getTime() / 1000);
      const w = satWeek.get(wk) || { satisfied: 0, basic: 0, unsatisfied: 0 };
      w[sat] = (w[sat] || 0) + 1;
      satWeek.set(wk, w);
    }
  }
  const open = orders.filter((o) => !['closed', 'archived', 'not_filed', 'transferred', 'merged', 'split'].includes(enumName('status', o.status)));
  const overdueNow = orders.filter((o) => isOverdue(o, now));
  const closed = orders.filter((o) => ['closed', 'archived'].includes(enumName('status', o.status)));
  const rated = orders.filter((o) => !['none', ''].includes(enumName('cb_satisfaction', o.cb_satisfaction)));
  const satisfied = rated.filter((o) => enumName('cb_satisfaction', o.cb_satisfaction) === 'satisfied').length;

  const kpis = h('div.kpis', [
    ['受理总量', orders.length], ['在办', open.length], ['已超期', overdueNow.length],
    ['办结', closed.length], ['重办', orders.filter((o) => Number(o.reopens) > 0).length],
    ['满意率', rated.length ? (100 * satisfied / rated.length).toFixed(1) + '%' : '—'],
  ].map(([k, v]) => h('div.kpi', h('span', k), h('b', String(v)))));

  const box = (id, title, cls = '') => h('section.panel.chart-panel' + cls, h('h2', title), h('div.chart', { id }));
  const charts = h('div.chart-grid',
    box('c-day', '每日受理量', '.span2'),
    box('c-channel', '来源渠道'),
    box('c-type', '诉求类型'),
    box('c-cat', '诉求分类（一级）', '.span2'),
    box('c-unit', '各单位超期与重办（前15）', '.span2'),
    box('c-sat', '满意度趋势（按周）', '.span2'));

  // Warnings (001 §2(5), 002 art. 23) and special reports (001 §2(6)).
  const reopenWarn = policyValue(pol, 'reopen_warning', 2);
  const special = policyValue(pol, 'special_report', 3);
  const reworkWarn = policyValue(pol, 'rework_warning', 2);
  const warnings = [];
  for (const o of orders) {
    if (Number(o.reopens) >= reopenWarn) warnings.push({ kind: '重办预警', o, why: `重办 ${o.reopens} 次` });
    if (Number(o.reworks) >= reworkWarn) warnings.push({ kind: '敷衍预警', o, why: `返工 ${o.reworks} 次` });
  }
  // hotspot early warning (002 art. 23): the live warnings the scheduler raised, not yet closed
  const hot = ((await api.get('/hotspots/warnings?limit=50').catch(() => ({ items: [] }))).items || [])
    .filter((w) => w.state !== 'closed').slice(0, 10);
  const specials = orders.filter((o) => Number(o.reopens) >= special);

  const warnTable = table([
    { label: '预警', get: (w) => chip(w.kind, 'warn') },
    { label: '工单', get: (w) => h('a.mono', { href: '#/order/' + w.o.id }, w.o.number) },
    { label: '标题', get: (w) => w.o.title },
    { label: '承办单位', get: (w) => leadUnitName(w.o, r) },
    { label: '原因', get: (w) => w.why },
  ], warnings.slice(0, 50), { empty: '暂无预警' });
  const hotTable = table([
    { label: '预警', get: (w) => chip(w.kind_label, 'warn') },
    { label: '内容', get: (w) => h('a', { href: '#/warnings/' + w.id }, w.title) },
    { label: '状态', get: (w) => w.state_label },
    { label: '预警时间', get: (w) => fmtCn(w.raised_at) },
  ], hot, { empty: '暂无未办结的热点预警' });
  const specialTable = table([
    { label: '工单', get: (o) => h('a.mono', { href: '#/order/' + o.id }, o.number) },
    { label: '标题', get: (o) => o.title },
    { label: '状态', get: statusChip },
    { label: '承办单位', get: (o) => leadUnitName(o, r) },
    { label: '重办次数', get: (o) => o.reopens },
    { label: '受理时间', get: (o) => fmtTime(o.created_at) },
  ], specials, { empty: `暂无重办 ${special} 次以上的工单` });

  const unitRows = [...perUnit.entries()].map(([id, s]) => ({ id, name: r.unitMap.get(id)?.name || `#${id}`, ...s }))
    .sort((a, b) => (b.overdue + b.reopened) - (a.overdue + a.reopened) || b.total - a.total);

  const exportStats = () => {
    const rows = [];
    for (const [k, v] of byDay) rows.push(['每日受理量', k, v]);
    for (const [k, v] of byChannel) rows.push(['来源渠道', label(CHANNEL, k), v]);
    for (const [k, v] of byType) rows.push(['诉求类型', label(TYPE, k), v]);
    for (const [k, v] of byCat) rows.push(['诉求分类', k, v]);
    for (const [k, v] of byStatus) rows.push(['状态', label(STATUS, k), v]);
    download(`统计-${fromDay}.csv`, toCsv(['维度', '项目', '件数'], rows));
  };
  const exportUnits = () => download(`单位超期重办-${fromDay}.csv`, toCsv(['单位', '承办量', '超期', '重办', '退单次数'], unitRows.map((u) => [u.name, u.total, u.overdue, u.reopened, u.returns])));
  const exportSpecial = () => download(`专报-${fromDay}.csv`, toCsv(['工单编号', '标题', '状态', '承办单位', '重办次数', '受理时间'], specials.map((o) => [o.number, o.title, label(STATUS, enumName('status', o.status)), leadUnitName(o, r), o.reopens, fmtTime(o.created_at)])));

  const ranking = h('div', loading());
  mount(body, kpis, charts,
    h('section.panel', h('div.panel-head', h('h2', '考核排名'), h('a', { href: '#/assess' }, '详细 →')), ranking),
    h('div.two-col',
      h('section.panel', h('div.panel-head', h('h2', `预警（${warnings.length}）`), h('span.muted', `重办≥${reopenWarn}次、返工≥${reworkWarn}次`)), h('div.scroll-box', warnTable)),
      h('section.panel', h('div.panel-head', h('h2', '热点预警（未办结）'), h('a', { href: '#/warnings' }, '全部 →')), hotTable)),
    h('section.panel', h('div.panel-head', h('h2', `专报：重办 ${special} 次以上`), h('button', { type: 'button', onclick: exportSpecial }, '导出 CSV')), specialTable),
    h('section.panel', h('div.panel-head', h('h2', '导出'), null),
      h('div.toolbar', h('button', { type: 'button', onclick: exportStats }, '统计数据 CSV'), h('button', { type: 'button', onclick: exportUnits }, '单位超期与重办 CSV'),
        h('a.button', { href: '#/orders' }, '按条件导出工单…'))));

  const dayKeys = [...byDay.keys()];
  const grid = { left: 48, right: 16, top: 24, bottom: 36, containLabel: true };
  await chart(body.querySelector('#c-day'), {
    tooltip: { trigger: 'axis' }, grid,
    xAxis: { type: 'category', data: dayKeys.map((d) => d.slice(5)) }, yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '受理量', type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, data: dayKeys.map((k) => byDay.get(k)) }],
  });
  const pie = (m, labels) => ({
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle' },
    series: [{ type: 'pie', radius: ['35%', '65%'], center: ['38%', '50%'], label: { show: false },
      data: [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => ({ name: labels ? label(labels, k) : k, value: v })) }],
  });
  await chart(body.querySelector('#c-channel'), pie(byChannel, CHANNEL));
  await chart(body.querySelector('#c-type'), pie(byType, TYPE));
  const cats = [...byCat.entries()].sort((a, b) => a[1] - b[1]);
  await chart(body.querySelector('#c-cat'), {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, grid: { ...grid, left: 8 },
    xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: cats.map((c) => c[0]), axisLabel: { interval: 0 } },
    series: [{ type: 'bar', name: '件数', data: cats.map((c) => c[1]), barMaxWidth: 18 }],
  });
  const topUnits = unitRows.slice(0, 15).reverse();
  await chart(body.querySelector('#c-unit'), {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, legend: { top: 0 }, grid: { ...grid, left: 8, top: 28 },
    xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: topUnits.map((u) => u.name), axisLabel: { interval: 0 } },
    series: [
      { type: 'bar', name: '超期', color: '#b3261e', data: topUnits.map((u) => u.overdue), barMaxWidth: 12 },
      { type: 'bar', name: '重办', color: '#bf8700', data: topUnits.map((u) => u.reopened), barMaxWidth: 12 },
    ],
  });
  const weeks = [...satWeek.keys()].sort();
  const share = (w, k) => { const t = w.satisfied + w.basic + w.unsatisfied; return t ? +(100 * (w[k] || 0) / t).toFixed(1) : 0; };
  await chart(body.querySelector('#c-sat'), {
    tooltip: { trigger: 'axis', valueFormatter: (v) => v + '%' }, legend: { top: 0 }, grid: { ...grid, top: 28 },
    xAxis: { type: 'category', data: weeks.map((w) => w.slice(5) + '周') }, yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
    series: [['satisfied', '#1a7f37'], ['basic', '#1f6feb'], ['unsatisfied', '#b3261e']].map(([k, color]) => ({ name: SATISFACTION[k], type: 'line', color, data: weeks.map((w) => share(satWeek.get(w), k)) })),
  });
  await rankingPanel(ranking, ctx, { compact: true });
}
