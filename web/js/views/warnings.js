// 预警信息: the hotspot warnings inbox of recipients (district leaders, units and streets
// concerned, 政法委, 信访局 …; the centre's admin and supervisor see all). A warning shows its
// figures, window and recipients, the evidence orders with links, and the follow-up: 签收 once
// per recipient, 处置反馈 notes, 办结 with the result. Managers can run a scan at once.
import * as api from '../api.js';
import { h, mount, loading, table, toast, tabs, chip, dl, errorText } from '../ui.js';
import { buildForm } from '../forms.js';
import { toEpoch } from '../labels.js';
import { go, refresh } from '../app.js';

const STATES = [['open', '待签收'], ['acked', '已签收'], ['closed', '已办结'], ['', '全部']];
const KIND_CHIP = { safety: 'danger', sensitive: 'danger', hot: 'warn', frequent: 'warn' };
const STATE_CHIP = { open: 'warn', acked: '', closed: 'done' };

/** "2026年11月22日 09:30" (Shanghai time), or "—". */
export function fmtCn(t) {
  const s = toEpoch(t);
  if (!s) return '—';
  const x = new Date((s + 8 * 3600) * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return `${x.getUTCFullYear()}年${x.getUTCMonth() + 1}月${x.getUTCDate()}日 ${p(x.getUTCHours())}:${p(x.getUTCMinutes())}`;
}

const managers = (ctx) => ['admin', 'supervisor'].includes(ctx.user.role);

export async function render(view, ctx, params) {
  if (params.parts[0]) return detail(view, ctx, params.parts[0]);
  const state = params.query.has('state') ? params.query.get('state') : 'open';
  const body = h('div', loading());
  const scanBtn = managers(ctx) ? h('button.primary', {
    type: 'button', id: 'hotspot-scan',
    onclick: async () => {
      scanBtn.disabled = true;
      try {
        const r = await api.post('/hotspots/scan', {});
        toast(r.raised ? `扫描完成：新预警 ${r.raised} 条` : `扫描完成：${r.topics} 个专题暂无新预警`);
        refresh();
      } catch (e) { toast(errorText(e), 'error'); } finally { scanBtn.disabled = false; }
    },
  }, '立即扫描') : null;
  mount(view,
    h('div.page-head', h('div', h('h1', '预警信息'),
      h('p.muted', '安全隐患、高频、热点、敏感事件预警：按专题统计窗口内的诉求量、异常增长和多人反映同一问题自动生成，发送给区领导和相关单位。')),
    h('div.toolbar', scanBtn, managers(ctx) ? h('a.button', { href: '#/topics' }, '预警专题') : null)),
    tabs(STATES.map(([k, l]) => ({ key: k, label: l })), state, (k) => go('warnings?state=' + k)),
    body);
  const data = await api.get(api.withQuery('/hotspots/warnings', { state, limit: 200 }));
  const rows = data.items || [];
  mount(body, table([
    { label: '预警时间', get: (w) => fmtCn(w.raised_at) },
    { label: '类型', get: (w) => chip(w.kind_label, KIND_CHIP[w.kind] || '') },
    { label: '预警内容', get: (w) => h('a', { href: '#/warnings/' + w.id, dataset: { warning: w.id } }, w.title) },
    { label: '规则', get: (w) => w.rule_label },
    { label: '工单', get: (w) => `${w.orders}件` },
    { label: '状态', get: (w) => chip(w.state_label, STATE_CHIP[w.state] || '') },
  ], rows, { onRow: (w) => go('warnings/' + w.id), empty: state === 'open' ? '没有待签收的预警' : '暂无预警' }));
}

async function detail(view, ctx, id) {
  const w = await api.get('/hotspots/warnings/' + encodeURIComponent(id));
  const figures = [
    ['预警类型', chip(w.kind_label, KIND_CHIP[w.kind] || '')],
    ['预警专题', w.topic_name],
    ['触发规则', w.rule_label],
    ['状态', chip(w.state_label, STATE_CHIP[w.state] || '')],
    ['预警时间', fmtCn(w.raised_at)],
    ['统计时段', `${fmtCn(w.from)} 至 ${fmtCn(w.to)}`],
    ['涉及工单', `${w.orders} 件`],
    ['反映群众', `${w.citizens} 人`],
  ];
  if (w.rule === 'growth') figures.push(['基线', `前期日均 ${w.mean.toFixed(2)}，标准差 ${w.sd.toFixed(2)}，预警线 ${w.limit.toFixed(2)}`]);
  if (w.rule === 'threshold') figures.push(['阈值', `${w.limit}（按反映人次计）`]);
  const recipients = [...w.recipients.units.map((u) => u.name), ...w.recipients.roles.map((r) => r.label)].join('、');
  figures.push(['接收对象', recipients || '—']);
  if (w.acked_at) figures.push(['签收时间', fmtCn(w.acked_at)]);
  if (w.closed_at) figures.push(['办结时间', fmtCn(w.closed_at)]);

  const evidence = table([
    { label: '工单编号', get: (o) => h('a.mono', { href: '#/order/' + o.id }, o.number) },
    { label: '标题', get: (o) => o.title },
    { label: '区域', get: (o) => o.region || '—' },
    { label: '状态', get: (o) => o.status_label },
    { label: '受理时间', get: (o) => fmtCn(o.created_at) },
  ], w.evidence || [], { empty: '没有工单' });
  const notes = (w.notes || []).length
    ? h('ol.timeline', { id: 'warning-notes' }, w.notes.map((n) => h('li', { dataset: { kind: n.kind } },
      h('b', n.kind_label), ' ', h('span.muted', `${fmtCn(n.at)} · ${n.unit_name ? n.unit_name + ' ' : ''}${n.user_name}`),
      n.text ? h('p', n.text) : null)))
    : h('div.empty', { id: 'warning-notes' }, '尚无签收和处置记录');

  const actions = h('div');
  if (w.state !== 'closed') {
    const ack = w.may_ack ? h('button.primary', {
      type: 'button', id: 'warning-ack',
      onclick: async () => {
        ack.disabled = true;
        try { await api.post(`/hotspots/warnings/${w.id}/ack`, {}); toast('已签收'); refresh(); } catch (e) { toast(errorText(e), 'error'); ack.disabled = false; }
      },
    }, '签收') : null;
    const feedback = buildForm([
      { name: 'text', label: '处置反馈', type: 'textarea', rows: 3, maxlength: 600, required: true, placeholder: '已采取的措施、进展和下一步安排' },
    ], {
      submitLabel: '提交反馈', compact: true,
      onSubmit: async (v) => { await api.post(`/hotspots/warnings/${w.id}/follow-up`, { text: v.text }); toast('已提交处置反馈'); refresh(); },
    });
    feedback.id = 'warning-follow-up';
    const close = buildForm([
      { name: 'text', label: '办结说明', type: 'textarea', rows: 2, maxlength: 600, required: true, placeholder: '问题的处理结果' },
    ], {
      submitLabel: '办结预警', compact: true,
      onSubmit: async (v) => { await api.post(`/hotspots/warnings/${w.id}/close`, { text: v.text }); toast('预警已办结'); refresh(); },
    });
    close.id = 'warning-close';
    mount(actions, ack ? h('div.toolbar', ack) : null, h('div.two-col', h('section.panel', h('h2', '处置反馈'), feedback), h('section.panel', h('h2', '办结'), close)));
  }
  mount(view,
    h('div.page-head', h('div', h('h1', w.title), h('p.muted', h('a', { href: '#/warnings' }, '← 预警信息'))),),
    h('section.panel', h('h2', '预警概况'), dl(figures)),
    h('section.panel', h('h2', `证据工单（${(w.evidence || []).length}）`), evidence),
    h('section.panel', h('h2', '签收与处置'), notes),
    actions);
}
