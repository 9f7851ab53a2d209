// The supervisor's queues (督办): overdue orders, open supervisions, orders reopened repeatedly,
// and all orders in handling; urge, supervise and force-close from the row.
import * as api from '../api.js';
import { h } from '../ui.js';
import { ACTION } from '../labels.js';
import { runAction } from '../actions.js';
import { queuePage, refs } from './common.js';
import { refresh, policy } from '../app.js';

export async function render(view, ctx, params) {
  const r = await refs();
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const buttons = (acts) => ({
    label: '操作',
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
      { key: 'overdue', label: '已超期', query: { overdue: 'true', status: 'dispatched,handling' }, extra: [buttons(['urge', 'supervise', 'force_close'])] },
      { key: 'open', label: '督办待回复', query: { status: 'dispatched,handling' }, filter: (o) => Number(o.supervisions_open) > 0, extra: [buttons(['urge', 'force_close'])] },
      { key: 'reopened', label: '多次重办', query: { status: 'dispatched,handling,callback' }, filter: (o) => Number(o.reopens) >= 2, extra: [buttons(['supervise'])] },
      { key: 'all', label: '办理中', query: { status: 'dispatched,handling' }, extra: [buttons(['urge', 'supervise'])] },
    ],
  });
}
