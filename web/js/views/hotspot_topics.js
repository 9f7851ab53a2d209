// 预警专题: the topics hotspot early warning watches (seed 002 art. 23: 公共交通、义务教育 …),
// edited by the centre's admin and supervisor: what selects the orders (keywords matched like the
// order search, categories and regions with everything below), the three rules (count in a
// sliding window, abnormal growth against the topic's own baseline, many citizens on one
// problem) and who receives the warnings. The server checks everything and names the field.
import * as api from '../api.js';
import * as ref from '../refdata.js';
import { h, mount, modal, table, toast, chip, confirmBox, errorText } from '../ui.js';
import { buildForm } from '../forms.js';
import { refs } from './common.js';
import { refresh } from '../app.js';
import { fmtCn } from './warnings.js';

const KINDS = { safety: '安全隐患', frequent: '高频', hot: '热点', sensitive: '敏感' };
const ROLES = { leader: '领导', supervisor: '督办员', admin: '管理员', dispatcher: '分拨员' };
const KIND_CHIP = { safety: 'danger', sensitive: 'danger', hot: 'warn', frequent: 'warn' };

function rolesBox(value) {
  const box = h('div.radios', Object.entries(ROLES).map(([k, l]) =>
    h('label.radio', h('input', { type: 'checkbox', value: k, checked: (value || []).includes(k), dataset: { role: k } }), l)));
  Object.defineProperty(box, 'value', { get: () => [...box.querySelectorAll('input:checked')].map((i) => i.value) });
  return box;
}

function rules(t) {
  const out = [];
  if (t.threshold) out.push(`${t.window_days}天内≥${t.threshold}人次`);
  if (t.growth_min) out.push(`24小时≥${t.growth_min}且超过前${t.growth_days}天均值+${t.growth_k}倍标准差`);
  if (t.citizens_min) out.push(`${t.citizens_days}天内${t.citizens_min}人反映同一问题`);
  return out.join('；');
}

export async function render(view, ctx) {
  const r = await refs();
  const data = await api.get('/hotspots/topics');
  const topics = data.items || [];
  const canEdit = ['admin', 'supervisor'].includes(ctx.user.role);
  const catLabel = (c) => ref.treePath(r.catMap, c.id);
  const regLabel = (x) => ref.treePath(r.regionMap, x.id);
  const edit = async (t) => {
    if (!canEdit) return;
    const fields = [
      { name: 'name', label: '专题名称', required: true, value: t?.name, maxlength: 30 },
      { name: 'kind', label: '预警类型', type: 'select', options: KINDS, required: true, value: t?.kind || 'hot' },
      { name: 'active', label: '启用', type: 'bool', value: t ? t.active : true },
      { name: 'all_orders', label: '全部诉求（只用多人反映规则）', type: 'bool', value: t?.all_orders },
      { name: 'keywords', label: '关键词', value: (t?.keywords || []).join(' '), hint: '空格分隔；标题含该词或正文两次提到即计入，按工单检索的中文匹配（含繁简、同义词）', wide: true },
      { name: 'categories', label: '诉求分类（含下级）', type: 'multi', items: r.categories, labelOf: catLabel, value: (t?.categories || []).map(String), wide: true },
      { name: 'regions', label: '区域（含下级，不填为全区）', type: 'multi', items: r.regions, labelOf: regLabel, value: (t?.regions || []).map(String), wide: true },
      { name: 'window_days', label: '统计窗口（天）', type: 'number', min: 1, max: 90, value: t?.window_days ?? 7 },
      { name: 'threshold', label: '阈值（人次，0为不用）', type: 'number', min: 0, value: t?.threshold ?? 0 },
      { name: 'growth_days', label: '增长基线（天）', type: 'number', min: 3, max: 60, value: t?.growth_days ?? 14 },
      { name: 'growth_k', label: '增长倍数 k（标准差）', type: 'number', min: 1, max: 10, step: '0.1', value: t?.growth_k ?? 3 },
      { name: 'growth_min', label: '增长最少（人次，0为不用）', type: 'number', min: 0, value: t?.growth_min ?? 0 },
      { name: 'citizens_days', label: '多人反映窗口（天）', type: 'number', min: 1, max: 90, value: t?.citizens_days ?? 7 },
      { name: 'citizens_min', label: '最少反映人数（0为不用）', type: 'number', min: 0, value: t?.citizens_min ?? 0 },
      { name: 'recipients.units', label: '接收单位', type: 'multi', items: r.units, value: (t?.recipients?.units || []).map(String), wide: true },
      { name: 'recipients.roles', label: '接收角色', type: 'custom', build: () => rolesBox(t?.recipients?.roles) },
      { name: 'recipients.concerned', label: '同时发送相关责任单位和所在街道', type: 'bool', value: t ? t.recipients?.concerned : true },
    ];
    const done = await modal(t ? `编辑预警专题 · ${t.name}` : '新增预警专题', (close) => buildForm(fields, {
      submitLabel: '保存',
      onSubmit: async (v) => {
        const num = (x) => (x === '' ? undefined : x);
        const b = {
          name: v.name, kind: v.kind, active: v.active, all_orders: v.all_orders,
          keywords: v.keywords ? v.keywords.split(/[\s,，、]+/).filter(Boolean) : [],
          categories: v.categories, regions: v.regions,
          window_days: num(v.window_days), threshold: num(v.threshold), growth_days: num(v.growth_days),
          growth_k: num(v.growth_k), growth_min: num(v.growth_min), citizens_days: num(v.citizens_days),
          citizens_min: num(v.citizens_min),
          recipients: { units: v['recipients.units'], roles: v['recipients.roles'], concerned: v['recipients.concerned'] },
        };
        for (const k of Object.keys(b)) if (b[k] === undefined) delete b[k];
        close(t ? await api.put('/hotspots/topics/' + t.id, b) : await api.post('/hotspots/topics', b));
      },
      cancel: () => close(null),
    }), { wide: true });
    if (done) { toast('预警专题已保存'); refresh(); }
  };
  const remove = async (t) => {
    if (!(await confirmBox('删除预警专题', `删除“${t.name}”？已发出的预警保留。`, '删除'))) return;
    try { await api.del('/hotspots/topics/' + t.id); toast('已删除'); refresh(); } catch (e) { toast(errorText(e), 'error'); }
  };
  mount(view,
    h('div.page-head', h('div', h('h1', '预警专题'),
      h('p.muted', '按专题监测安全隐患、高频、热点、敏感事件：统计窗口内的反映人次达到阈值、24小时内异常增长、多位群众反映同一问题时自动预警。')),
    h('div.toolbar', canEdit ? h('button.primary', { type: 'button', id: 'add-topic', onclick: () => edit(null) }, '新增专题') : null,
      h('a.button', { href: '#/warnings' }, '预警信息'))),
    table([
      { label: '专题', get: (t) => h('b', { dataset: { topic: t.name } }, t.name) },
      { label: '类型', get: (t) => chip(t.kind_label, KIND_CHIP[t.kind] || '') },
      { label: '范围', get: (t) => (t.all_orders ? '全部诉求' : [t.keywords.join('、'), t.categories.length ? `${t.categories.length}个分类` : ''].filter(Boolean).join('；')) },
      { label: '规则', get: rules },
      { label: '接收', get: (t) => [...t.recipients.units.map((id) => r.unitMap.get(id)?.name || `#${id}`), ...t.recipients.roles.map((x) => ROLES[x] || x), t.recipients.concerned ? '相关单位' : ''].filter(Boolean).join('、') },
      { label: '状态', get: (t) => (t.active ? chip('启用', 'done') : chip('停用', 'muted')) },
      { label: '更新', get: (t) => fmtCn(t.updated_at) },
      { label: '', get: (t) => (ctx.user.role === 'admin' ? h('button.small.danger', { type: 'button', onclick: () => remove(t) }, '删除') : '') },
    ], topics, { onRow: canEdit ? edit : undefined, empty: '还没有预警专题' }));
}
