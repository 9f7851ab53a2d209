// The unit workbench: the unit's orders by to-sign, in progress, due soon, overdue, sent back to
// it (rework, reopen, rejected return), its own pending returns and open supervisions; signing
// and replying from the row, everything else on the order page.
import * as api from '../api.js';
import { h } from '../ui.js';
import { toEpoch } from '../labels.js';
import { myAssignment, isOverdue, runAction, actionLabel } from '../actions.js';
import { queuePage, refs, signDeadlineCell, bulkAction, bulkBar } from './common.js';
import { refresh, policy } from '../app.js';

export async function render(view, ctx, params) {
  const r = await refs();
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const unit = ctx.user.unit_id;
  const now = Date.now() / 1000;
  let all;
  const load = () => (all ||= api.allOrders({ status: 'dispatched,handling,returned,replied,coordination', sort: 'deadline_asc' }, 2000));
  const mine = (o) => myAssignment(o, unit);
  const pick = (f) => () => load().then((os) => os.filter(f));
  const rowAction = (a) => ({
    label: '操作', sort: false,
    get: (o) => h('button.small', {
      type: 'button', dataset: { action: a },
      onclick: async () => { if (await runAction(a, await api.get('/orders/' + o.id), actx)) refresh(); },
    }, actionLabel(a, o)),
  });
  const st = (o) => String(o.status);
  await queuePage(view, {
    title: `单位工作台 · ${ctx.unit ? ctx.unit.name : ''}`,
    subtitle: '签收、办理、反馈本单位承办的工单；注意签收与办理时限。',
    params: { ...params, base: 'inbox' },
    queues: [
      { key: 'sign', label: '待签收', selectable: true, load: pick((o) => mine(o) && !mine(o).signed_at && ['dispatched', 'handling'].includes(st(o))), extra: [{ label: '签收期限', sort: (o) => (o.sign_deadline ? toEpoch(o.sign_deadline) : ''), get: signDeadlineCell }, rowAction('sign')] },
      { key: 'handling', label: '办理中', load: pick((o) => mine(o) && mine(o).signed_at && st(o) === 'handling' && !mine(o).replied_at), extra: [rowAction('reply')] },
      { key: 'due', label: '即将超期', load: pick((o) => mine(o) && !isOverdue(o) && toEpoch(o.deadline) && toEpoch(o.deadline) - now < 2 * 86400 && ['dispatched', 'handling'].includes(st(o))), hint: '48 小时内到期的工单。' },
      { key: 'overdue', label: '已超期', load: pick((o) => mine(o) && isOverdue(o)) },
      { key: 'back', label: '退回重办', load: pick((o) => mine(o) && ['dispatched', 'handling'].includes(st(o)) && (Number(o.reworks) > 0 || Number(o.reopens) > 0 || (mine(o).returns > 0 && !mine(o).return_pending))), hint: '审核未通过返工、回访不满意重办、退单被驳回的工单。' },
      { key: 'returned', label: '本单位退单', load: pick((o) => st(o) === 'returned' && (o.units || []).some((a) => Number(a.unit_id) === Number(unit) && a.return_pending)), hint: '已退回平台、等待平台审核的工单。' },
      { key: 'supervised', label: '督办待回复', load: pick((o) => mine(o) && Number(o.supervisions_open) > 0), extra: [rowAction('supervise_answer')] },
    ],
    actions: (orders, select, q) => (q.key === 'sign' && orders.length ? bulkBar(orders, select, [
      h('button', { type: 'button', id: 'bulk-sign', onclick: async () => { if (await bulkAction(orders, select, 'sign', '签收')) refresh(); } }, '批量签收'),
    ], '勾选后一次签收；被拒的工单逐件说明原因。') : []),
  });
}
