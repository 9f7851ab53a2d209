// The callback queue (回访): ask the citizen whether the unit contacted them, whether the problem
// is solved and how satisfied they are; then close, or reopen what was not solved.
import * as api from '../api.js';
import { h } from '../ui.js';
import { ACTION, SATISFACTION, enumName, label } from '../labels.js';
import { runAction, unhappy } from '../actions.js';
import { queuePage, refs } from './common.js';
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
  const sat = (o) => enumName('cb_satisfaction', o.cb_satisfaction);
  // Lists do not carry the caller's data (each read of it is audited): the number is fetched on
  // demand, one order at a time, and shown as a tel: link.
  const phoneCol = {
    label: '诉求人电话',
    get: (o) => {
      if (o.anonymous) return '匿名';
      const cell = h('span.phone-cell');
      const btn = h('button.small.link', {
        type: 'button', dataset: { phone: o.id }, title: '显示诉求人电话（记入审计日志）',
        onclick: async () => {
          const full = await api.get('/orders/' + o.id);
          const p = full.citizen_phone || '';
          cell.replaceChildren(p ? h('a.mono', { href: 'tel:' + String(p).replace(/[^\d+]/g, '') }, p) : '—');
        },
      }, '显示号码');
      cell.append(btn);
      return cell;
    },
  };
  const satCol = { label: '回访结果', get: (o) => (o.cb_unreachable ? '联系不上' : sat(o) && sat(o) !== 'none' ? label(SATISFACTION, sat(o)) : `已回访 ${o.cb_tries || 0} 次`) };
  await queuePage(view, {
    title: '回访',
    subtitle: '回访三问：单位是否联系您、问题是否解决、是否满意。',
    params: { ...params, base: 'callback' },
    queues: [
      { key: 'todo', label: '待回访', query: { status: 'callback,answered', sort: 'updated_desc' }, filter: (o) => sat(o) === 'none' && !o.cb_unreachable && !Number(o.cb_tries), wrapTitle: true, extra: [phoneCol, satCol, buttons(['callback'])] },
      { key: 'unhappy', label: '不满意/未解决', query: { status: 'callback,answered' }, filter: (o) => sat(o) !== 'none' && unhappy(o), wrapTitle: true, extra: [phoneCol, satCol, buttons(['reopen', 'close'])], hint: '不满意或未解决的：重办，或说明理由后办结。' },
      { key: 'close', label: '待办结', query: { status: 'callback,answered' }, filter: (o) => (sat(o) !== 'none' && !unhappy(o)) || o.cb_unreachable, wrapTitle: true, extra: [phoneCol, satCol, buttons(['close'])] },
      { key: 'retry', label: '再次回访', query: { status: 'callback,answered' }, filter: (o) => sat(o) === 'none' && !o.cb_unreachable && Number(o.cb_tries) > 0, wrapTitle: true, extra: [phoneCol, satCol, buttons(['callback'])], hint: '之前未接通的，按规定次数再次回访。' },
    ],
  });
}
