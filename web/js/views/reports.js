// Reports (报告): the issued reports by kind (每日早报, 每周专报, 每周分析, 单位月度分析, 月度通报,
// 季度分析), one report with its figures, charts and tables, its XLSX, its print view (the page
// the server renders for printing), and for administrators and leaders a draft (预览) or an
// issue (签发) of any period. Unit users see their own unit's monthly reports.
import * as api from '../api.js';
import { h, mount, table, tabs, toast, loading, errorText } from '../ui.js';
import { chart } from '../charts.js';
import { go } from '../app.js';

const ISSUERS = ['admin', 'leader'];
const PREVIEWERS = ['admin', 'leader', 'supervisor'];
const UNIT_ROLES = ['unit_operator', 'unit_leader'];

/** The print styles, linked once (the print page of the server uses the same file). */
function printStyles() {
  if (!document.querySelector('link[data-report-css]')) {
    document.head.appendChild(h('link', { rel: 'stylesheet', href: '/css/report.css', dataset: { reportCss: '1' } }));
  }
}

function valueText(v, type) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (type === 'pct' || type === '%') return (100 * v).toFixed(1) + '%';
  if (type === 'num') return Number(v).toFixed(2);
  return Number.isInteger(v) ? String(v) : Number(v).toFixed(2);
}

export async function render(view, ctx, { parts, query }) {
  printStyles();
  if (parts[0] === 'preview') return draft(view, ctx, query);
  if (parts[0] && parts[1] === 'print') return printView(view, parts[0]);
  if (parts[0]) return openReport(view, ctx, parts[0]);
  return listPage(view, ctx, query);
}

async function listPage(view, ctx, query) {
  const kinds = (await api.get('/reports/kinds')).kinds;
  const kind = query.get('kind') || kinds[0].kind;
  const cur = kinds.find((k) => k.kind === kind) || kinds[0];
  const body = h('div');
  mount(view,
    h('div.page-head', h('h1', '报告'),
      h('p.muted', '每日早报、每周专报与分析、单位月度分析、月度通报和季度分析；已签发的报告永不改动，同一期重新签发另编一版。')),
    tabs(kinds.map((k) => ({ key: k.kind, label: k.label })), kind, (k) => go('reports?kind=' + k)),
    ISSUERS.includes(ctx.user.role) || PREVIEWERS.includes(ctx.user.role) ? await generator(ctx, cur) : null,
    body);
  mount(body, loading());
  const list = await api.get(api.withQuery('/reports', { kind, limit: 100 }));
  mount(body, h('section.panel',
    h('h2', `已签发的${cur.label}`),
    table([
      { label: '报告', get: (r) => h('a', { href: `#/reports/${r.id}`, dataset: { report: r.id } }, r.title) },
      { label: '统计期间', get: (r) => r.period_label },
      { label: '版次', get: (r) => `第 ${r.edition} 版` },
      { label: '签发时间', get: (r) => r.issued_at_label },
      { label: '签发人', get: (r) => r.issued_by_name },
    ], list.reports, { onRow: (r) => go(`reports/${r.id}`), empty: '尚无已签发的报告' })));
}

/** The form of a draft or an issue: kind fixed by the tab, period (default: the latest complete
 * one), the unit for unit reports. */
async function generator(ctx, kind) {
  const period = h('input', { name: 'period', id: 'report-period', value: kind.due_period, size: 12, title: '日报：2026-12-04；周报：该周任一天；月报：2026-11；季报：2026-Q4' });
  let unitSel = null;
  if (kind.per_unit) {
    const units = await api.get('/units').then((d) => api.items(d, 'units')).catch(() => []);
    unitSel = h('select', { name: 'unit_id', id: 'report-unit' },
      units.filter((u) => u.active !== false).map((u) => h('option', { value: u.id }, u.name)));
  }
  const body = () => {
    const b = { kind: kind.kind, period: period.value.trim() };
    if (unitSel) b.unit_id = Number(unitSel.value);
    return b;
  };
  const q = () => new URLSearchParams(Object.entries(body()).map(([k, v]) => [k, String(v)])).toString();
  return h('section.panel.toolbar',
    h('label', '统计期间 ', period, h('span.muted.small', ` 当前应出：${kind.due_label}`)),
    unitSel ? h('label', '单位 ', unitSel) : null,
    PREVIEWERS.includes(ctx.user.role) ? h('button', { type: 'button', id: 'report-preview', onclick: () => go('reports/preview?' + q()) }, '预览草稿') : null,
    ISSUERS.includes(ctx.user.role) ? h('button.primary', {
      type: 'button', id: 'report-issue',
      onclick: async () => {
        try {
          const r = await api.post('/reports', body());
          toast(`已签发：${r.title}（第 ${r.edition} 版）`);
          go(`reports/${r.id}`);
        } catch (err) { toast(errorText(err), 'error'); }
      },
    }, '签发') : null);
}

async function draft(view, ctx, query) {
  const b = { kind: query.get('kind') };
  if (query.get('period')) b.period = query.get('period');
  if (query.get('unit_id')) b.unit_id = Number(query.get('unit_id'));
  const r = await api.post('/reports/preview', b);
  await showDoc(view, r.doc, {
    line: `统计期间：${r.doc.period.label}　草稿，生成于 ${r.doc.generated_label}（未签发，数据会随工单变化）`,
    actions: [h('button', { type: 'button', onclick: () => go('reports?kind=' + b.kind) }, '返回列表')],
  });
}

async function openReport(view, ctx, id) {
  const rec = await api.get(`/reports/${encodeURIComponent(id)}`);
  await showDoc(view, rec.doc, {
    line: `统计期间：${rec.period_label}　第 ${rec.edition} 版　${rec.issued_by_name} 签发于 ${rec.issued_at_label}`,
    actions: [
      h('button', { type: 'button', id: 'report-xlsx', onclick: () => downloadXlsx(rec) }, '下载 XLSX'),
      h('button', { type: 'button', id: 'report-print', onclick: () => go(`reports/${rec.id}/print`) }, '打印版'),
      h('button', { type: 'button', onclick: () => go('reports?kind=' + rec.kind) }, '返回列表'),
    ],
  });
}

/** The XLSX needs the bearer token: fetch it, then save the blob. */
async function downloadXlsx(rec) {
  const res = await fetch(`/api/v1/reports/${rec.id}/xlsx`, { headers: { Authorization: 'Bearer ' + api.getToken() } });
  if (!res.ok) { toast('下载失败', 'error'); return; }
  const blob = await res.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: `${rec.title}_第${rec.edition}版.xlsx` });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

/** One report document on screen: figures, then each section with its chart and table. */
async function showDoc(view, doc, { line, actions }) {
  const charts = [];
  mount(view,
    h('div.page-head', h('h1', doc.title), h('p.muted', { dataset: { testid: 'report-line' } }, line)),
    h('div.toolbar', actions),
    h('div.kpis.report-figures', doc.figures.map((f) =>
      h('div.kpi', { dataset: { figure: f.id } }, h('span', f.label),
        h('b', valueText(f.value, f.unit) + (f.value !== null && f.unit !== '%' ? f.unit : ''))))),
    doc.sections.map((s) => {
      const el = s.chart && s.rows.length ? h('div.chart', { dataset: { chart: s.id } }) : null;
      if (el) charts.push([el, s]);
      return h('section.panel.report-section', { dataset: { section: s.id } },
        h('h2', s.title), s.note ? h('p.muted.small', s.note) : null,
        h('div.report-body' + (el ? '.with-chart' : ''), el,
          table(s.columns.map((c) => ({
            label: c.label, class: c.type === 'text' ? null : 'num',
            get: (r) => valueText(r[c.key], c.type),
          })), s.rows, { empty: '本期无' })));
    }));
  for (const [el, s] of charts) await chart(el, chartOption(s));
}

function chartOption(s) {
  const { type, x, y } = s.chart;
  const names = s.rows.map((r) => r[x]);
  const values = s.rows.map((r) => r[y]);
  const grid = { left: 8, right: 16, top: 16, bottom: 8, containLabel: true };
  if (type === 'pie') {
    return {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle' },
      series: [{ type: 'pie', radius: ['35%', '65%'], center: ['38%', '50%'], label: { show: false },
        data: s.rows.map((r) => ({ name: r[x], value: r[y] })) }],
    };
  }
  if (type === 'line') {
    return {
      tooltip: { trigger: 'axis' }, grid,
      xAxis: { type: 'category', data: names }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, data: values }],
    };
  }
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } }, grid,
    xAxis: { type: 'value' }, yAxis: { type: 'category', data: names.slice().reverse(), axisLabel: { interval: 0 } },
    series: [{ type: 'bar', data: values.slice().reverse(), barMaxWidth: 18 }],
  };
}

/** The print view: the page the server renders for printing, shown inside the app. */
async function printView(view, id) {
  mount(view, loading());
  const res = await fetch(`/api/v1/reports/${encodeURIComponent(id)}/print`, { headers: { Authorization: 'Bearer ' + api.getToken() } });
  if (!res.ok) throw new api.ApiError(res.status, 'http_' + res.status, '报告不存在，或您无权查看');
  const page = new DOMParser().parseFromString(await res.text(), 'text/html');
  const article = page.querySelector('article.report-doc');
  document.body.classList.add('printing-report');
  const back = () => { document.body.classList.remove('printing-report'); go(`reports/${id}`); };
  window.addEventListener('hashchange', () => document.body.classList.remove('printing-report'), { once: true });
  mount(view,
    h('div.toolbar.print-actions',
      h('button.primary', { type: 'button', id: 'print-now', onclick: () => window.print() }, '打印'),
      h('button', { type: 'button', onclick: back }, '返回')),
    h('div.print-sheet', document.importNode(article, true)));
  document.title = page.title;
}
