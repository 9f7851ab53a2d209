// The call-taker's intake screen: a keyboard-first form (Alt+letter jumps to a field, Ctrl+Enter
// registers), similar orders while typing, and the next step at once: file, answer directly,
// not file with a reason, or transfer to 110/119/120.
import * as api from '../api.js';
import { h, mount, toast, debounce } from '../ui.js';
import { buildForm, compact, uploadFiles } from '../forms.js';
import { CHANNEL, TYPE, LEVEL, TIER, ACTION, STATUS, enumName, fmtTime } from '../labels.js';
import { availableActions, runAction } from '../actions.js';
import { refs, statusChip } from './common.js';
import { go, policy } from '../app.js';

export async function render(view, ctx) {
  const r = await refs();
  const pol = await policy();
  const result = h('section.panel.result', { 'aria-live': 'polite' }, h('h2', '受理结果'), h('p.muted', '登记后在此处理：立案、直接答复、不予立案或一键转接。'));
  const similar = h('section.panel.similar', h('h2', '相似工单'), h('p.muted', '输入标题后显示近期相似诉求，便于发现重复投诉。'));

  const fields = [
    { name: 'channel', label: '来源渠道', type: 'select', options: CHANNEL, value: 'hotline-12345', required: true, key: 'c' },
    { name: 'type', label: '诉求类型', type: 'select', options: TYPE, value: 'complaint', required: true, key: 't' },
    { name: 'citizen_phone', label: '来电号码', key: 'p', placeholder: '如 13800001111', when: (v) => !v.anonymous },
    { name: 'citizen_name', label: '诉求人', key: 'n', when: (v) => !v.anonymous },
    { name: 'anonymous', label: '匿名', type: 'bool', key: 'a' },
    { name: 'wants_callback', label: '需要回访', type: 'bool', value: true, when: (v) => !v.anonymous },
    { name: 'needs_contact', label: '承办单位须联系诉求人（可见联系方式）', type: 'bool', when: (v) => !v.anonymous },
    { name: 'enterprise', label: '企业诉求（绿色通道）', type: 'bool' },
    { name: 'title', label: '标题', required: true, maxlength: 200, key: 'b', wide: true },
    { name: 'text', label: '诉求内容', type: 'textarea', rows: 4, required: true, maxlength: 10000, key: 'x', wide: true },
    { name: 'category_id', label: '分类', type: 'tree', items: r.categories, key: 'g', wide: true },
    { name: 'level', label: '等级', type: 'select', options: LEVEL, value: 'general', required: true, key: 'l' },
    { name: 'tier', label: '办理时限档', type: 'select', options: TIER, value: 'none', required: true },
    { name: 'region_id', label: '所属区域', type: 'tree', items: r.regions, key: 'r', wide: true },
    { name: 'address', label: '地址', key: 'd', wide: true, maxlength: 300 },
    { name: 'upstream_id', label: '市级工单号', when: (v) => v.channel === 'upstream', required: true },
    { name: 'upstream_deadline', label: '市级考核时限', type: 'datetime', when: (v) => v.channel === 'upstream' },
    { name: 'attachments', label: '附件', type: 'files', wide: true },
  ];

  const form = buildForm(fields, {
    submitLabel: '登记受理',
    extra: h('p.keys.muted', h('kbd', 'Alt'), '+字母 跳到字段，', h('kbd', 'Ctrl'), '+', h('kbd', 'Enter'), ' 登记，', h('kbd', '↓'), ' 浏览分类树'),
    onSubmit: async (v) => {
      const args = compact({ ...v, attachments: undefined });
      if (v.anonymous) { delete args.citizen_name; delete args.citizen_phone; args.wants_callback = false; delete args.needs_contact; }
      for (const k of ['anonymous', 'enterprise', 'needs_contact']) if (!args[k]) delete args[k];
      if (!v.anonymous) args.wants_callback = !!v.wants_callback;
      if (v.attachments && v.attachments.length) args.attachments = await uploadFiles(v.attachments);
      const answer = await api.post('/orders', args);
      const id = answer.order?.id ?? answer.id;
      const order = await api.get('/orders/' + id);
      toast(`已受理：${order.number}`);
      form.clearAll();
      showResult(order);
      result.querySelector('button')?.focus();
    },
  });
  form.id = 'intake-form';
  form.classList.add('grid-form');

  const showSimilar = debounce(async () => {
    const q = form.controls.title.value.trim();
    if (q.length < 2) return;
    try {
      const data = await api.get(api.withQuery('/orders', { q, limit: 6, sort: 'created_desc' }));
      const list = api.items(data);
      mount(similar, h('h2', '相似工单'), list.length ? h('ul.similar-list', list.map((o) => h('li',
        h('a.mono', { href: '#/order/' + o.id }, o.number), ' ', statusChip(o), ' ', o.title,
        h('span.muted', ' ' + fmtTime(o.created_at))))) : h('p.muted', '没有相似工单'));
    } catch { /* a failed hint is not an error for the call-taker */ }
  }, 400);
  form.controls.title.addEventListener('input', showSimilar);

  const showResult = (order) => {
    const acts = availableActions(order, { ...ctx, ...r, policy: pol });
    mount(result, h('h2', '受理结果'),
      h('p', h('a.mono.big', { href: '#/order/' + order.id }, order.number), ' ', statusChip(order)),
      h('p', order.title),
      h('div.actions', acts.map((a, i) => h('button' + (i === 0 ? '.primary' : ''), {
        type: 'button', dataset: { action: a },
        onclick: async () => {
          const cur = await api.get('/orders/' + order.id);
          const res = await runAction(a, cur, { ...ctx, ...r, policy: pol });
          if (res) showResult(await api.get('/orders/' + order.id));
        },
      }, ACTION[a]))),
      h('p.muted.small', `当前状态：${STATUS[enumName('status', order.status)] || order.status}`),
      h('button.link', { type: 'button', onclick: () => go('order/' + order.id) }, '打开工单详情 →'));
  };

  mount(view,
    h('div.page-head', h('div', h('h1', '受理登记'), h('p.muted', '来电、网络、信件等渠道的诉求在此登记，自动编号。'))),
    h('div.split-layout', h('section.panel', form), h('aside.side', result, similar)));
  form.controls.channel.focus();
}
