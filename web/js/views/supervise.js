// The supervisor's queues (督办): overdue orders, open supervisions, orders reopened repeatedly,
// and all orders in handling; urge, supervise and force-close from the row.
import * as api from '../api.js';
import { h, modal } from '../ui.js';
import { buildForm } from '../forms.js';
import { ACTION } from '../labels.js';
import { runAction } from '../actions.js';
import { queuePage, refs, bulkAction, bulkBar } from './common.js';
import { refresh, policy } from '../app.js';

export async function render(view, ctx, params) {
  const r = await refs();
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const buttons = (acts) => ({
    label: '操作', sort: false,
    get: (o) => h('div.row-actions', acts.map((a) => h('button.small', {
      type: 'button', dataset: { action: a },
      onclick: async () => { if (await runAction(a, await api.get('/orders/' + o.id), actx)) refresh(); },
    }, ACTION[a]))),
  });
  await queuePage(view, {
    title: '督办',
    subtitle: '催办、督办超期和反复诉求；单位须在 24 小时内回复督办。',
    params: { ...params, base: 'supervise' },
    queues: [
      { key: 'overdue', label: '已超期', selectable: true, query: { overdue: 'true', status: 'dispatched,handling' }, extra: [buttons(['urge', 'supervise', 'force_close'])] },
      { key: 'open', label: '督办待回复', query: { status: 'dispatched,handling' }, filter: (o) => Number(o.supervisions_open) > 0, extra: [buttons(['urge', 'force_close'])] },
      { key: 'reopened', label: '多次重办', query: { status: 'dispatched,handling,callback' }, filter: (o) => Number(o.reopens) >= 2, extra: [buttons(['supervise'])] },
      { key: 'all', label: '办理中', selectable: true, query: { status: 'dispatched,handling' }, extra: [buttons(['urge', 'supervise'])] },
    ],
    actions: (orders, select, q) => (['overdue', 'all'].includes(q.key) && orders.length ? bulkBar(orders, select, [
      h('button', { type: 'button', id: 'bulk-urge', onclick: () => bulkUrge(orders, select) }, '批量催办'),
    ], '勾选后一次催办，催办意见对每件都发出。') : []),
  });
}

/** Urges every selected order with one note (asked once). */
async function bulkUrge(orders, select) {
  if (!orders.some((o) => select.has(Number(o.id)))) { await bulkAction(orders, select, 'urge', '催办'); return; }
  const note = await modal('批量催办', (close) => buildForm([
    { name: 'note', label: '催办意见', type: 'textarea', placeholder: '如：请于今日内联系诉求人并反馈进展' },
  ], { submitLabel: '催办', onSubmit: async (v) => close(v.note || ''), cancel: () => close(null) }));
  if (note === null || note === undefined) return;
  if (await bulkAction(orders, select, 'urge', '催办', () => (note ? { note } : {}))) refresh();
}
