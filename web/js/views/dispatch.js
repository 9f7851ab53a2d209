// The dispatcher's workbench: queues of new, to-dispatch, returned and coordination orders and of
// pending extension and hanging-account requests; dispatch with the catalogue's suggestion,
// return and extension decisions from the row, and merging of selected orders.
import * as api from '../api.js';
import { h, modal, toast } from '../ui.js';
import { buildForm } from '../forms.js';
import { ACTION, fmtTime, toEpoch } from '../labels.js';
import { runAction, suggestFor, hangOf } from '../actions.js';
import { queuePage, refs, bulkAction, bulkBar } from './common.js';
import { refresh, policy } from '../app.js';

/** How long a return has waited for the platform's decision (the list's returned_at). */
const returnAge = {
  label: '已等待',
  get: (o) => {
    const at = toEpoch(o.returned_at);
    if (!at) return '—';
    const s = Math.max(0, Math.floor(Date.now() / 1000 - at));
    const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return h('span.return-age', { title: '退单时间 ' + fmtTime(o.returned_at) }, d ? `${d}天${hr}小时` : hr ? `${hr}小时${m}分` : `${m}分钟`);
  },
};

export async function render(view, ctx, params) {
  const r = await refs();
  const pol = await policy();
  const actx = { ...ctx, ...r, policy: pol };
  const rowAction = (acts) => ({
    label: '操作', sort: false,
    get: (o) => h('div.row-actions', acts.map((a) => h('button.small', {
      type: 'button', dataset: { action: a },
      onclick: async () => {
        const cur = await api.get('/orders/' + o.id);
        const c = { ...actx };
        if (a === 'dispatch') c.suggested = await suggestFor(cur, r.unitMap);
        if (await runAction(a, cur, c)) refresh();
      },
    }, ACTION[a]))),
  });
  await queuePage(view, {
    title: '分拨工作台',
    subtitle: '受理件立案、派单，处理退单、延期与挂账申请。',
    params: { ...params, base: 'dispatch' },
    selectable: true,
    queues: [
      { key: 'new', label: '待立案', query: { status: 'received', sort: 'created_asc' }, extra: [rowAction(['file'])], hint: '地址清楚、诉求明确的立案；其余不予立案、直接答复或转接（在工单页操作）。' },
      { key: 'filed', label: '待派单', query: { status: 'filed', sort: 'created_asc' }, extra: [rowAction(['dispatch'])] },
      { key: 'returned', label: '退单待审', query: { status: 'returned' }, extra: [returnAge, rowAction(['return_approve', 'return_reject'])], hint: '等待时长：自单位提交退单起。' },
      { key: 'coordination', label: '协调中', query: { status: 'coordination' }, extra: [rowAction(['dispatch'])], hint: '三个以上单位退回的复杂事项：协调后由平台指定承办单位。' },
      { key: 'extension', label: '延期待审', query: { status: 'handling' }, filter: (o) => o.ext_pending === true || o.ext_pending === 1, extra: [rowAction(['extension_decide'])] },
      { key: 'hang', label: '挂账待审', query: { status: 'handling' }, filter: (o) => hangOf(o) === 1, extra: [rowAction(['hang_decide'])] },
    ],
    actions: (orders, select, q) => (['new', 'filed'].includes(q.key) && orders.length ? bulkBar(orders, select, [
      h('button', { type: 'button', id: 'merge-btn', onclick: () => merge(orders, select) }, '并案（选中的工单）'),
      q.key === 'new' ? h('button', { type: 'button', id: 'bulk-file', onclick: async () => { if (await bulkAction(orders, select, 'file', '立案')) refresh(); } }, '批量立案') : null,
      q.key === 'filed' ? h('button', { type: 'button', id: 'bulk-dispatch', onclick: () => bulkDispatch(orders, select, r) }, '批量派单') : null,
    ], '并案：勾选同一问题的多件工单，主件办结时并案件随之办结。批量派单：勾选的工单派给同一承办单位。') : []),
  });
}

async function merge(orders, select) {
  const chosen = orders.filter((o) => select.has(Number(o.id)));
  if (chosen.length < 2) { toast('请至少勾选两件工单', 'error'); return; }
  const done = await modal('并案', (close) => buildForm([
    { name: 'master', label: '主件', type: 'radio', required: true, options: chosen.map((o) => [String(o.id), `${o.number} ${o.title}`]) },
  ], {
    submitLabel: '并案',
    onSubmit: async (v) => {
      const master = await api.get('/orders/' + v.master);
      const others = chosen.filter((o) => String(o.id) !== v.master).map((o) => Number(o.id));
      close(await api.post(`/orders/${master.id}/actions/merge`, { version: Number(master.version), orders: others }));
    },
    cancel: () => close(null),
  }), { wide: true });
  if (done) { toast('已并案'); refresh(); }
}

/** Dispatches every selected order to one unit (asked once, with an optional note). */
async function bulkDispatch(orders, select, r) {
  if (!orders.some((o) => select.has(Number(o.id)))) { await bulkAction(orders, select, 'dispatch', '派单'); return; }
  const units = r.units.filter((u) => u.active !== false && u.active !== 0);
  const v = await modal('批量派单', (close) => buildForm([
    { name: 'unit_id', label: '主办单位', type: 'pick', items: units, required: true },
    { name: 'note', label: '派单意见', type: 'textarea' },
  ], {
    submitLabel: '派单',
    onSubmit: async (x) => close(x),
    cancel: () => close(null),
  }));
  if (!v) return;
  const fields = () => ({ unit_id: Number(v.unit_id), ...(v.note ? { note: v.note } : {}) });
  if (await bulkAction(orders, select, 'dispatch', '派单', fields)) refresh();
}
