// The supervisor's and leader's dashboard (issue 16): every figure comes from the server's
// aggregate endpoint GET /api/v1/stats (counts by day, channel, type, category, street, unit,
// status; reopened; callback satisfaction with its sample size; overdue now), never from the
// orders themselves; every bar and slice opens the order list filtered to it (the item's query).
// Also the 三率 of the month (the beijing-2020 assessment), the warnings the timers gave, the
// hotspot warnings of all four kinds, the special reports, the ranking and CSV exports.
import * as api from '../api.js';
import { h, mount, loading, table, download, toCsv, chip } from '../ui.js';
import { chart, sweep } from '../charts.js';
import { fmtDate, fmtDay } from '../labels.js';
import { go } from '../app.js';
import { rankingPanel } from './assess.js';
import { fmtCn } from './warnings.js';

const PERIODS = { 7: '近7天', 30: '近30天', 90: '近90天', 365: '近一年' };
// statuses still being worked on (for 在办), and the final ones counted as 办结
const OPEN = ['received', 'filed', 'dispatched', 'returned', 'coordination', 'handling', 'replied', 'callback'];
const DONE = ['closed', 'archived'];
const WARN_KIND = { reopen: '多次重办', duplicate: '多人多次集中投诉', rework: '敷衍塞责、反复返工', petition: '信访隐患', other: '其他' };
const SMALL_SAMPLE = 10; // fewer callbacks than this in a week: the rate is shown, marked as thin

const pct = (num, den) => (den ? (100 * num / den).toFixed(1) + '%' : '—');

export async function render(view, ctx, params) {
  sweep();
  const days = Number(params.query.get('days') || 30) in PERIODS ? Number(params.query.get('days') || 30) : 30;
  const now = Date.now() / 1000;
  const to = fmtDay(now);
  const from = fmtDay(now - (days - 1) * 86400);
  const range = `from=${from}&to=${to}`;
  const per = days > 90 ? 'week' : 'day';
  const periodBar = h('div.tabs', Object.entries(PERIODS).map(([d, l]) => h('button.tab' + (Number(d) === days ? '.active' : ''), { type: 'button', onclick: () => go('dashboard?days=' + d) }, l)));
  const body = h('div', loading('正在统计…'));
  mount(view, h('div.page-head', h('div', h('h1', ctx.user.role === 'leader' ? '领导看板' : '监督看板'),
    h('p.muted', `统计区间：${fmtDate(from + 'T00:00:00+08:00')}至${fmtDate(to + 'T00:00:00+08:00')}，按受理时间；数字由服务器汇总，点击图表查看对应工单。`)), periodBar), body);

  const stats = (by, extra = '') => api.get(`/stats?by=${by}&${range}${extra}`);
  const month = to.slice(0, 7);
  const [byDay, byChannel, byType, byCat, byStreet, byUnit, byStatus, reopened, sat, overdue, rates, warns, hot, specials] = await Promise.all([
    stats('day', `&per=${per}`), stats('channel'), stats('type'), stats('category'), stats('street'),
    stats('unit'), stats('status'), stats('reopened'), stats('satisfaction', `&per=${days <= 90 ? 'week' : 'month'}`),
    stats('overdue'),
    api.get(`/assess?scheme=beijing-2020&period=${month}`).catch(() => null),
    api.get(`/warnings?from=${from}&limit=50`).catch(() => ({ items: [] })),
    api.get(`/hotspots/warnings?from=${from}&limit=500`).catch(() => ({ items: [] })),
    api.get(`/special-reports?from=${from}`).catch(() => ({ items: [] })),
  ]);
  const kinds = await api.get('/hotspots/topics').then((t) => t.kinds || []).catch(() => []);

  const statusCount = (names) => byStatus.items.filter((i) => names.includes(i.key)).reduce((s, i) => s + i.count, 0);
  const satN = sat.items.reduce((s, i) => s + i.count, 0);
  const satOk = sat.items.filter((i) => i.key === 'satisfied').reduce((s, i) => s + i.count, 0);
  const open = (q) => () => go('orders?' + q);
  const kpi = (k, v, q, note) => h('div.kpi' + (q ? '.kpi-link' : ''), q ? { role: 'link', tabindex: 0, title: '查看这些工单', onclick: open(q), onkeydown: (e) => { if (e.key === 'Enter') open(q)(); } } : {},
    h('span', k), h('b', String(v)), note ? h('small.muted', note) : null);
  const kpis = h('div.kpis', { id: 'dash-kpis' },
    kpi('受理总量', byStatus.total, range),
    kpi('在办', statusCount(OPEN), `${range}&status=${OPEN.join(',')}`),
    kpi('已超期', overdue.total, `${range}&overdue=true`),
    kpi('办结', statusCount(DONE), `${range}&status=${DONE.join(',')}`),
    kpi('重办', reopened.total, `${range}&reopened=true`),
    kpi('回访满意率', pct(satOk, satN), null, `回访 ${satN} 件`));

  // 三率 of the month (seed 004), summed over the assessed units: numerators and denominators
  const rateIds = [['feedback_rate', '响应率'], ['resolution_rate', '解决率'], ['satisfaction_rate', '满意率']];
  const rateBox = h('div.kpis', { id: 'dash-rates' }, rateIds.map(([id, name]) => {
    let num = 0, den = 0;
    for (const u of (rates && rates.units) || []) {
      const x = u.indicators && u.indicators[id];
      if (x) { num += Number(x.num) || 0; den += Number(x.den) || 0; }
    }
    return h('div.kpi', h('span', name), h('b', pct(num, den)), h('small.muted', `${num} / ${den} 件`));
  }));

  const box = (id, title, cls = '') => h('section.panel.chart-panel' + cls, h('h2', title), h('div.chart', { id }));
  const charts = h('div.chart-grid',
    box('c-day', per === 'week' ? '每周受理量' : '每日受理量', '.span2'),
    box('c-channel', '来源渠道'),
    box('c-type', '诉求类型'),
    box('c-cat', '诉求分类（一级）', '.span2'),
    box('c-street', '各街道受理量'),
    box('c-status', '当前状态'),
    box('c-unit', '各单位超期与重办（前15）', '.span2'),
    box('c-sat', '回访满意度趋势（n 为回访样本数）', '.span2'));

  const warnTable = table([
    { label: '预警', get: (w) => chip(`${WARN_KIND[w.kind] || w.kind}（${w.level_label || ''}）`, 'warn') },
    { label: '工单', get: (w) => (w.order ? h('a.mono', { href: '#/order/' + w.order.id }, w.order.number) : '—') },
    { label: '标题', get: (w) => (w.order ? w.order.title : '') },
    { label: '承办单位', get: (w) => (w.units || []).map((u) => u.name).join('、') },
    { label: '原因', get: (w) => w.reason || '' },
    { label: '时间', get: (w) => fmtCn(w.at) },
  ], warns.items || [], { empty: '本期暂无预警' });
  const hotItems = hot.items || [];
  const hotKinds = h('div.kpis', { id: 'dash-hot-kinds' }, kinds.map((k) => {
    const all = hotItems.filter((w) => w.kind === k.name);
    return h('div.kpi', h('span', k.label), h('b', String(all.length)), h('small.muted', `未办结 ${all.filter((w) => w.state !== 'closed').length}`));
  }));
  const hotTable = table([
    { label: '类别', get: (w) => chip(w.kind_label, 'warn') },
    { label: '内容', get: (w) => h('a', { href: '#/warnings/' + w.id }, w.title) },
    { label: '状态', get: (w) => w.state_label },
    { label: '预警时间', get: (w) => fmtCn(w.raised_at) },
  ], hotItems.filter((w) => w.state !== 'closed').slice(0, 10), { empty: '暂无未办结的热点预警' });
  const specialTable = table([
    { label: '工单', get: (s) => (s.order ? h('a.mono', { href: '#/order/' + s.order.id }, s.order.number) : '—') },
    { label: '标题', get: (s) => (s.order ? s.order.title : '') },
    { label: '次数', get: (s) => s.count ?? '' },
    { label: '原因', get: (s) => s.reason || '' },
    { label: '报送时间', get: (s) => fmtCn(s.reported_at) },
  ], specials.items || [], { empty: '本期暂无专报' });

  const exportStats = () => {
    const rows = [];
    const put = (dim, r) => { for (const i of r.items) rows.push([dim, i.period ? `${i.period} ${i.label}` : i.label, i.count]); };
    put(per === 'week' ? '每周受理量' : '每日受理量', byDay); put('来源渠道', byChannel); put('诉求类型', byType);
    put('诉求分类', byCat); put('街道', byStreet); put('状态', byStatus); put('回访满意度', sat);
    download(`统计-${from}至${to}.csv`, toCsv(['维度', '项目', '件数'], rows));
  };
  const exportUnits = () => download(`单位超期重办-${from}至${to}.csv`, toCsv(['单位', '承办量', '超期', '重办'], byUnit.items.map((u) => [u.label, u.count, u.overdue, u.reopened])));

  const ranking = h('div', loading());
  mount(body, kpis,
    h('section.panel', h('div.panel-head', h('h2', `三率（${month}，北京市考评口径）`), h('a', { href: '#/assess' }, '考核详情 →')), rateBox),
    charts,
    h('section.panel', h('div.panel-head', h('h2', '考核排名'), h('a', { href: '#/assess' }, '详细 →')), ranking),
    h('div.two-col',
      h('section.panel', h('div.panel-head', h('h2', `预警（${(warns.items || []).length}${warns.next_cursor ? '+' : ''}）`), h('span.muted', '计时器发出的提示与警示')), h('div.scroll-box', warnTable)),
      h('section.panel', h('div.panel-head', h('h2', '热点预警'), h('a', { href: '#/warnings' }, '全部 →')), hotKinds, hotTable)),
    h('section.panel', h('div.panel-head', h('h2', '专报')), specialTable),
    h('section.panel', h('div.panel-head', h('h2', '导出'), null),
      h('div.toolbar', h('button', { type: 'button', onclick: exportStats }, '统计数据 CSV'), h('button', { type: 'button', onclick: exportUnits }, '单位超期与重办 CSV'),
        h('a.button', { href: '#/orders' }, '按条件导出工单…'))));

  // Each chart: click a bar or slice → the order list of its item's query.
  const drill = (c, items) => {
    if (!c) return;
    c.on('click', (p) => {
      const it = items[p.dataIndex];
      const q = !it ? null : p.seriesName === '超期' ? it.overdue_query : p.seriesName === '重办' ? it.reopened_query : it.query;
      if (q) go('orders?' + q);
    });
  };
  const grid = { left: 48, right: 16, top: 24, bottom: 36, containLabel: true };
  const el = (id) => body.querySelector('#' + id);
  const hbar = (items, name) => ({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, grid: { ...grid, left: 8 },
    xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: items.map((i) => i.label), axisLabel: { interval: 0 } },
    series: [{ type: 'bar', name, data: items.map((i) => i.count), barMaxWidth: 18, cursor: 'pointer' }],
  });
  const pie = (items) => ({
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle' },
    series: [{ type: 'pie', radius: ['35%', '65%'], center: ['38%', '50%'], label: { show: false }, data: items.map((i) => ({ name: i.label, value: i.count })) }],
  });
  const dayItems = byDay.items;
  drill(await chart(el('c-day'), {
    tooltip: { trigger: 'axis' }, grid,
    xAxis: { type: 'category', data: dayItems.map((i) => (per === 'week' ? i.period.slice(5) + '周' : i.period.slice(5))) }, yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: '受理量', type: 'bar', data: dayItems.map((i) => i.count), barMaxWidth: 24, cursor: 'pointer' }],
  }), dayItems);
  drill(await chart(el('c-channel'), pie(byChannel.items)), byChannel.items);
  drill(await chart(el('c-type'), pie(byType.items)), byType.items);
  const cats = [...byCat.items].reverse();
  drill(await chart(el('c-cat'), hbar(cats, '件数')), cats);
  const streets = [...byStreet.items].reverse();
  drill(await chart(el('c-street'), hbar(streets, '件数')), streets);
  const sts = [...byStatus.items].reverse();
  drill(await chart(el('c-status'), hbar(sts, '件数')), sts);
  const topUnits = [...byUnit.items].sort((a, b) => (b.overdue + b.reopened) - (a.overdue + a.reopened) || b.count - a.count).slice(0, 15).reverse();
  drill(await chart(el('c-unit'), {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, legend: { top: 0 }, grid: { ...grid, left: 8, top: 28 },
    xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: topUnits.map((u) => u.label), axisLabel: { interval: 0 } },
    series: [
      { type: 'bar', name: '超期', color: '#b3261e', data: topUnits.map((u) => u.overdue), barMaxWidth: 12, cursor: 'pointer' },
      { type: 'bar', name: '重办', color: '#bf8700', data: topUnits.map((u) => u.reopened), barMaxWidth: 12, cursor: 'pointer' },
    ],
  }), topUnits);

  // Satisfaction per period: the share of each answer with the number of callbacks beside it,
  // so that a week of two callbacks reads "n=2", not a bare 100 %.
  const periods = [...new Set(sat.items.map((i) => i.period))].sort();
  const cell = (p, k) => sat.items.filter((i) => i.period === p && i.key === k).reduce((s, i) => s + i.count, 0);
  const nOf = (p) => sat.items.filter((i) => i.period === p).reduce((s, i) => s + i.count, 0);
  const share = (p, k) => { const n = nOf(p); return n ? +(100 * cell(p, k) / n).toFixed(1) : null; };
  const satPer = sat.per;
  const satLabel = (p) => (satPer === 'week' ? p.slice(5) + '周' : satPer === 'month' ? p : p.slice(5));
  await chart(el('c-sat'), {
    tooltip: {
      trigger: 'axis',
      formatter: (ps) => {
        const p = periods[ps[0].dataIndex];
        const n = nOf(p);
        return [`${satLabel(p)}：回访 ${n} 件${n < SMALL_SAMPLE ? '（样本少，仅供参考）' : ''}`,
          ...ps.filter((x) => x.seriesName !== '回访件数').map((x) => `${x.seriesName} ${x.value == null ? '—' : x.value + '%'}`)].join('\n');
      },
    },
    legend: { top: 0 }, grid: { ...grid, top: 28, right: 48 },
    xAxis: { type: 'category', data: periods.map((p) => `${satLabel(p)}\nn=${nOf(p)}`) },
    yAxis: [{ type: 'value', max: 100, axisLabel: { formatter: '{value}%' } }, { type: 'value', name: '回访件数', minInterval: 1, splitLine: { show: false } }],
    series: [
      { name: '回访件数', type: 'bar', yAxisIndex: 1, color: '#d0d7de', barMaxWidth: 20, data: periods.map(nOf) },
      ...[['satisfied', '满意', '#1a7f37'], ['basic', '基本满意', '#1f6feb'], ['unsatisfied', '不满意', '#b3261e']].map(([k, name, color]) => ({
        name, type: 'line', color,
        data: periods.map((p) => ({ value: share(p, k), symbol: nOf(p) < SMALL_SAMPLE ? 'emptyCircle' : 'circle', symbolSize: nOf(p) < SMALL_SAMPLE ? 10 : 6 })),
      })),
    ],
  });
  // the figures behind the satisfaction chart, readable without hovering
  el('c-sat').after(h('p.muted.sat-note', { id: 'sat-samples' },
    periods.map((p) => `${satLabel(p)}：满意 ${cell(p, 'satisfied')}、基本满意 ${cell(p, 'basic')}、不满意 ${cell(p, 'unsatisfied')}（n=${nOf(p)}${nOf(p) < SMALL_SAMPLE ? '，样本少' : ''}）`).join('；') || '本期暂无回访结果'));
  await rankingPanel(ranking, ctx, { compact: true });
}
