// The closure reviewer's queue (结案审核): replied orders, checked against the closure standards;
// a failed review sends the order back to the unit (rework).
import * as api from '../api.js';
import { h } from '../ui.js';
import { ACTION, enumName, label, CLOSURE } from '../labels.js';
import { runAction } from '../actions.js';
import { queuePage, refs } from './common.js';
import { refresh, policy } from '../app.js';

export async function render(view, ctx, params) {
  const r = await refs();
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const act = (a, o) => h('button.small', {
    type: 'button', dataset: { action: a },
    onclick: async () => { if (await runAction(a, await api.get('/orders/' + o.id), actx)) refresh(); },
  }, ACTION[a]);
  await queuePage(view, {
    title: '结案审核',
    subtitle: '按结案标准审核承办单位的办结反馈：按期、超期、阶段性和咨询、建议、投诉类由系统按时限和诉求类型得出；不予结案的退回返工。',
    params: { ...params, base: 'review' },
    queues: [
      {
        key: 'replied', label: '待审核', query: { status: 'replied', sort: 'updated_desc' },
        extra: [
          { label: '办结类型', get: (o) => label(CLOSURE, enumName('closure', o.closure)) },
          { label: '操作', sort: false, get: (o) => act('review', o) },
        ],
      },
      { key: 'rework', label: '返工中', query: { status: 'handling' }, filter: (o) => Number(o.reworks) > 0, hint: '审核未通过、正在返工的工单。' },
    ],
  });
}
