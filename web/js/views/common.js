// Pieces several screens share: the order table, reference maps, queue pages with tabs.
import * as api from '../api.js';
import * as ref from '../refdata.js';
import { h, mount, table, tabs, chip, loading, errorText, toast } from '../ui.js';
import { STATUS, TYPE, CHANNEL, LEVEL, enumName, fmtTime, fmtLeft, label, toEpoch } from '../labels.js';
import { assignments, isOverdue, hangOf } from '../actions.js';
import { go } from '../app.js';
import * as live from '../live.js';

/** Loads units, categories and regions as maps (cached per session). */
export async function refs() {
  const [units, categories, regions] = await Promise.all([
    ref.units().catch(() => []), ref.categories().catch(() => []), ref.regions().catch(() => []),
  ]);
  return {
    units, categories, regions,
    unitMap: ref.byId(units), catMap: ref.byId(categories), regionMap: ref.byId(regions),
  };
}

/** Name of the active lead (or first active) unit of an order. */
export function leadUnitName(o, r) {
  const as = assignments(o).filter((a) => a.active);
  const lead = as.find((a) => a.role === 'lead') || as.find((a) => a.role === 'dual') || as[0];
  if (!lead) return o.lead_unit_name || '';
  const names = as.filter((a) => a.role !== 'assist').map((a) => r.unitMap.get(a.unit_id)?.name || `#${a.unit_id}`);
  return names.join('、');
}

export function statusChip(o) {
  const s = enumName('status', o.status);
  const kind = ['closed', 'archived'].includes(s) ? 'done'
    : ['not_filed', 'transferred', 'merged', 'split'].includes(s) ? 'muted'
      : ['returned', 'coordination'].includes(s) ? 'warn' : 'live';
  return chip(o.status_label || STATUS[s] || s, kind);
}

export function deadlineCell(o) {
  if (!o.deadline || toEpoch(o.deadline) === 0) return '';
  const s = enumName('status', o.status);
  const open = ['dispatched', 'handling', 'returned', 'coordination'].includes(s);
  // an approved hanging account (挂账) is not overdue: it shows its mark, the deadline in grey
  if (open && hangOf(o) === 2) {
    return h('span.hang-cell', { title: `原办理期限 ${fmtTime(o.deadline)}` }, chip('挂账', 'hang'), ' ', h('span.muted', fmtTime(o.deadline)));
  }
  return h('span', { class: isOverdue(o) ? 'overdue' : null, title: fmtTime(o.deadline) },
    open ? fmtLeft(o.deadline) : fmtTime(o.deadline));
}

/** The signing deadline of an order waiting to be signed (time left, or overdue in red). */
export function signDeadlineCell(o) {
  if (!o.sign_deadline || toEpoch(o.sign_deadline) === 0) return '';
  const late = toEpoch(o.sign_deadline) < Date.now() / 1000;
  return h('span', { class: late ? 'overdue' : null, title: fmtTime(o.sign_deadline) }, fmtLeft(o.sign_deadline));
}

/** The standard order table; a click (or Enter) opens the order page. */
export function orderTable(orders, r, { extra = [], select, wrapTitle = false } = {}) {
  const cols = [
    ...(select ? [{ label: '', get: (o) => h('input', { type: 'checkbox', 'aria-label': '选择 ' + o.number, checked: select.has(Number(o.id)), onchange: (e) => { if (e.target.checked) select.add(Number(o.id)); else select.delete(Number(o.id)); } }) }] : []),
    { label: '工单编号', get: (o) => h('a.mono', { href: '#/order/' + o.id }, o.number) },
    { label: '标题', class: wrapTitle ? 'title-col wrap full' : 'title-col', get: (o) => h('span', { title: o.title }, o.title) },
    { label: '状态', get: statusChip },
    { label: '类型', get: (o) => label(TYPE, enumName('type', o.type)) },
    { label: '等级', sort: (o) => ['general', 'major', 'urgent'].indexOf(enumName('level', o.level)), get: (o) => { const l = enumName('level', o.level); return l && l !== 'general' ? chip(LEVEL[l], 'warn') : LEVEL[l] || ''; } },
    { label: '渠道', get: (o) => label(CHANNEL, o.channel) },
    { label: '分类', class: 'cat-col', get: (o) => (o.category_id ? r.catMap.get(Number(o.category_id))?.name || '' : '') },
    { label: '承办单位', get: (o) => leadUnitName(o, r) },
    { label: '受理时间', sort: (o) => toEpoch(o.created_at), get: (o) => fmtTime(o.created_at) },
    { label: '办理期限', sort: (o) => (o.deadline ? toEpoch(o.deadline) : ''), get: deadlineCell },
    ...extra,
  ];
  return table(cols, orders, { onRow: (o) => go('order/' + o.id), empty: '没有符合条件的工单', rowClass: (o) => (isOverdue(o) ? 'row-overdue' : null) });
}

/**
 * Runs action on each selected order in turn, each at its current version with fields(order);
 * the orders refused are named with the reason, the others done. Returns how many were done.
 * verb names the action in the messages (签收, 催办 …).
 */
export async function bulkAction(orders, select, action, verb, fields = () => ({})) {
  const chosen = orders.filter((o) => select.has(Number(o.id)));
  if (!chosen.length) { toast(`请先勾选要${verb}的工单`, 'error'); return 0; }
  let done = 0;
  const refused = [];
  for (const o of chosen) {
    try {
      const cur = await api.get('/orders/' + o.id);
      await api.post(`/orders/${o.id}/actions/${action}`, { version: Number(cur.version), ...fields(cur) });
      done++;
    } catch (e) {
      refused.push(`${o.number}：${errorText(e)}`);
    }
  }
  if (refused.length) {
    toast(`已${verb} ${done} 件；${refused.length} 件未能${verb}：${refused.join('；')}`, 'error');
  } else {
    toast(`已${verb} ${done} 件`);
  }
  return done;
}

/** The toolbar of a selectable queue: select all / none, and the bulk buttons given. */
export function bulkBar(orders, select, buttons, hint) {
  const all = h('button.link', {
    type: 'button', class: 'select-all',
    onclick: () => {
      const every = orders.every((o) => select.has(Number(o.id)));
      for (const o of orders) { if (every) select.delete(Number(o.id)); else select.add(Number(o.id)); }
      for (const box of document.querySelectorAll('.view tbody input[type=checkbox]')) box.checked = !every;
    },
  }, '全选/全不选');
  return [all, ...buttons, hint ? h('span.muted', hint) : null];
}

/**
 * A queue page: title, tabs [{key, label, query | load()}], each tab an order list. Tab counts
 * are loaded up front. opts.actions(orders, reload) may add buttons above the table.
 */
export async function queuePage(view, { title, subtitle, queues, params, actions, selectable }) {
  const r = await refs();
  const key = params.query.get('tab') || queues[0].key;
  const head = h('div.page-head', h('div', h('h1', title), subtitle ? h('p.muted', subtitle) : null));
  const tabBar = h('div');
  const body = h('div', loading());
  mount(view, head, tabBar, body);
  const loadQueue = async (q) => (q.load ? q.load() : api.allOrders({ sort: 'deadline_asc', ...q.query }, 500).then((os) => (q.filter ? os.filter(q.filter) : os)));
  const results = await Promise.all(queues.map((q) => loadQueue(q).catch((e) => e)));
  const drawTabs = (active) => mount(tabBar, tabs(queues.map((q, i) => ({ key: q.key, label: q.label, count: results[i] instanceof Error ? '!' : results[i].length })), active, (k) => go(`${params.base}?tab=${k}`)));
  drawTabs(key);
  // New work: the first queue's count is the screen's nav badge; a grown count chimes once.
  if (!(results[0] instanceof Error)) {
    const more = live.setCount(params.base, results[0].length);
    if (more > 0) {
      toast(`${queues[0].label}：新到 ${more} 件`, 'info');
      live.chime();
    }
  }
  live.watch(() => go(`${params.base}?tab=${key}`));
  const i = Math.max(0, queues.findIndex((q) => q.key === key));
  const orders = results[i];
  if (orders instanceof Error) { mount(body, h('div.error-page', errorText(orders))); return; }
  const select = selectable || queues[i].selectable ? new Set() : null;
  mount(body,
    actions ? h('div.toolbar', actions(orders, select, queues[i])) : null,
    queues[i].hint ? h('p.hint', queues[i].hint) : null,
    orderTable(orders, r, { select, extra: queues[i].extra || [], wrapTitle: queues[i].wrapTitle }));
}
