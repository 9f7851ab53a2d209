// Order search: every filter of the orders API (status, unit, category, region, channel, type,
// level, overdue, date range, text), sorting, cursor paging and CSV export of the result.
import * as api from '../api.js';
import { h, mount, download, toCsv, loading, errorText, checkDropdown } from '../ui.js';
import { picker, unitLabel, treePath } from '../refdata.js';
import { STATUS, CHANNEL, TYPE, LEVEL, enumName, fmtTime, label } from '../labels.js';
import { refs, orderTable, leadUnitName } from './common.js';
import { go } from '../app.js';

const SORTS = { created_desc: '受理时间（新→旧）', created_asc: '受理时间（旧→新）', deadline_asc: '办理期限（近→远）', updated_desc: '最近更新' };
const FILTERS = ['status', 'unit_id', 'category_id', 'region_id', 'channel', 'type', 'level', 'overdue', 'reopened', 'instructed', 'preinv', 'from', 'to', 'q', 'sort'];

export async function render(view, ctx, params) {
  const r = await refs();
  const q = params.query;
  const isUnit = ['unit_operator', 'unit_leader'].includes(ctx.user.role);
  const sel = (name, opts, all = '全部') => h('select', { name, id: 'q-' + name },
    h('option', { value: '' }, all), Object.entries(opts).map(([v, l]) => h('option', { value: v, selected: q.get(name) === v }, l)));
  const statusSel = checkDropdown(STATUS, (q.get('status') || '').split(',').filter(Boolean), { id: 'q-status' });
  const unitPick = picker({ items: r.units, labelOf: unitLabel, value: q.get('unit_id') || '', placeholder: '承办单位' });
  const catPick = picker({ items: r.categories, tree: true, value: q.get('category_id') || '', placeholder: '分类' });
  const regPick = picker({ items: r.regions, tree: true, value: q.get('region_id') || '', placeholder: '区域' });
  const text = h('input', { type: 'search', name: 'q', id: 'q-q', placeholder: '标题、内容、地址关键词', value: q.get('q') || '' });
  const from = h('input', { type: 'date', name: 'from', id: 'q-from', value: q.get('from') || '' });
  const to = h('input', { type: 'date', name: 'to', id: 'q-to', value: q.get('to') || '' });
  const overdue = sel('overdue', { true: '已超期', false: '未超期' });
  // 领导批示交办 awaiting the unit's written report (issue 14 point 8)
  const instructed = sel('instructed', { true: '待书面报告' });
  // orders awaiting a designated unit's findings (预先调查, 001 §二(一)); for a unit: those it
  // is designated to investigate, which it does not hold
  const preinv = sel('preinv', { true: isUnit ? '本单位待预先调查' : '待预先调查反馈' });
  const form = h('form.filters', { id: 'search-form', onsubmit: (e) => { e.preventDefault(); submit(); } },
    h('label.f-q', '关键词', text),
    h('label', '状态', statusSel),
    h('label', '渠道', sel('channel', CHANNEL)),
    h('label', '类型', sel('type', TYPE)),
    h('label', '等级', sel('level', LEVEL)),
    h('label', '超期', overdue),
    h('label', '批示交办', instructed),
    h('label', '预先调查', preinv),
    h('label', '排序', sel('sort', SORTS, '默认')),
    isUnit ? null : h('label.f-wide', '承办单位', unitPick),
    h('label.f-wide', '分类', catPick),
    h('label.f-wide', '区域', regPick),
    h('label', '受理自', from),
    h('label', '至', to),
    h('div.f-buttons', h('button.primary', { type: 'submit' }, '查询'), h('button', { type: 'button', onclick: () => go('orders') }, '清空')));

  const submit = () => {
    const u = new URLSearchParams();
    const put = (k, v) => { if (v) u.set(k, v); };
    put('q', text.value.trim());
    put('status', statusSel.value.join(','));
    for (const n of ['channel', 'type', 'level', 'overdue', 'instructed', 'preinv', 'sort']) put(n, form.querySelector(`[name=${n}]`).value);
    if (!isUnit) put('unit_id', unitPick.value);
    put('category_id', catPick.value);
    put('region_id', regPick.value);
    put('from', from.value);
    put('to', to.value);
    go('orders' + (u.toString() ? '?' + u : ''));
  };

  const query = {};
  for (const k of FILTERS) if (q.get(k)) query[k] = q.get(k);
  // A plain date as "to" already includes that whole day in the API (res_orders.c param_time).
  const results = h('div', loading());
  const collected = [];
  let cursor = q.get('cursor') || '';
  const more = h('button', { type: 'button', hidden: true, onclick: () => page() }, '加载更多');
  const count = h('span.muted');
  const exportBtn = h('button', { type: 'button', id: 'orders-export', onclick: () => exportCsv(query, r, exportBtn, count) }, '导出 CSV');
  mount(view,
    h('div.page-head', h('div', h('h1', isUnit ? '本单位工单' : '工单查询'), h('p.muted', isUnit ? '只显示本单位承办的工单。' : '按条件检索全部工单。'))),
    h('section.panel', form),
    h('div.toolbar', count, exportBtn),
    // The keyword filter searches text; numbers, phones and names go through the one search box.
    query.reopened ? h('p.muted', { id: 'reopened-hint' }, '只显示重办过的工单（来自看板）。') : null,
    query.q ? h('p.muted.search-hint', '按工单号、电话或姓名查找“', query.q, '”：',
      h('a', { href: '#/search?q=' + encodeURIComponent(query.q) }, '在全局搜索中查看 →')) : null,
    results, h('div.more', more));

  const page = async () => {
    more.disabled = true;
    try {
      const data = await api.get(api.withQuery('/orders', { ...query, cursor, limit: 50 }));
      collected.push(...api.items(data));
      cursor = api.nextCursor(data);
      mount(results, orderTable(collected, r));
      more.hidden = !cursor;
      count.textContent = `已显示 ${collected.length} 件${cursor ? '，还有更多' : ''}`;
    } catch (err) {
      mount(results, h('div.error-page', errorText(err)));
    } finally {
      more.disabled = false;
    }
  };
  await page();
}

/** The most orders one CSV export fetches (20 pages of 500); the note beside it says when it is reached. */
export const EXPORT_CAP = 10000;

/**
 * Exports every order matching the filters, not only the rows on screen: pages through the API
 * with the cursor (500 a page, up to EXPORT_CAP), showing progress on the button.
 */
async function exportCsv(query, r, btn, note) {
  const caption = btn.textContent;
  btn.disabled = true;
  const orders = [];
  let capped = false;
  try {
    let cursor = '';
    do {
      btn.textContent = `正在导出…已取 ${orders.length} 件`;
      const data = await api.get(api.withQuery('/orders', { ...query, cursor, limit: Math.min(500, EXPORT_CAP - orders.length) }));
      orders.push(...api.items(data));
      cursor = api.nextCursor(data);
      capped = Boolean(cursor) && orders.length >= EXPORT_CAP;
    } while (cursor && !capped);
  } catch (err) {
    note.textContent = '导出失败：' + errorText(err);
    return;
  } finally {
    btn.textContent = caption;
    btn.disabled = false;
  }
  note.textContent = capped
    ? `已导出前 ${orders.length} 件（单次导出上限 ${EXPORT_CAP} 件，请缩小查询条件后分批导出）`
    : `已导出全部 ${orders.length} 件`;
  const header = ['工单编号', '标题', '状态', '类型', '等级', '渠道', '分类', '区域', '地址', '承办单位', '受理时间', '办理期限', '办结时间', '退单次数', '返工次数', '重办次数'];
  const rows = orders.map((o) => [
    o.number, o.title, label(STATUS, enumName('status', o.status)), label(TYPE, enumName('type', o.type)),
    label(LEVEL, enumName('level', o.level)), label(CHANNEL, o.channel),
    o.category_id ? treePath(r.catMap, o.category_id) : '', o.region_id ? treePath(r.regionMap, o.region_id) : '',
    o.address, leadUnitName(o, r), fmtTime(o.created_at), fmtTime(o.deadline), fmtTime(o.closed_at),
    o.returns, o.reworks, o.reopens,
  ]);
  download(`工单查询-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(header, rows));
}
