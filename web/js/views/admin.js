// Administration: units and their three-tier contacts, users and roles, regions, categories, the
// responsibility catalogue, the working-day calendar, and the policy preset with its overrides
// (including the assessment scheme), and the synonym groups of the search. Every write goes through the admin API and is audited there.
import * as api from '../api.js';
import * as ref from '../refdata.js';
import { h, mount, modal, table, toast, tabs, confirmBox, loading, chip, errorText } from '../ui.js';
import { buildForm, compact } from '../forms.js';
import { ROLE, UNIT_KIND, REGION_LEVEL, CONTACT_TIER } from '../labels.js';
import { refs } from './common.js';
import { calendar } from './admin_calendar.js';
import { schemes } from './admin_schemes.js';
import { go, refresh } from '../app.js';

const PAGES = [
  ['units', '单位与联系人'], ['users', '用户与角色'], ['regions', '区域'], ['categories', '分类'],
  ['catalogue', '职责目录'], ['calendar', '工作日历'], ['policy', '政策与考核方案'], ['schemes', '考核方案编辑'], ['synonyms', '同义词'],
];
const TIERS = ['leader', 'section', 'operator'];
const POLICY_LABELS = {
  return_window: '退单时限', return_window_unit: '退单时限单位（days 天 / workdays 工作日 / hours 小时）',
  return_needs_basis: '退单须注明法律依据', late_return_allowed: '超期退单仍可提交（扣分）', second_return_needs_attachment: '再次退单须附领导签字说明',
  coordination_threshold: '进入协调的退单单位数', first_handler_duty: '首办负责制',
  sign_limit_hours: '签收时限（小时）', tier_hours: '2小时/24小时档（小时）', tier_days: '7天/15天档（天）',
  default_limit: '默认办理时限', default_limit_unit: '默认办理时限单位', feedback_limit_workdays: '反馈时限（工作日）',
  supervision_answer_hours: '督办回复时限（小时）', upstream_supervise_hours: '市级时限前督办（小时）',
  forced_close_hours: '超期强制结案（小时）', urge_shares: '催办时点（时限比例）', max_extension_days: '最长延期（天）',
  callback_tries: '回访次数上限', reopen_warning: '重办预警次数', special_report: '专报重办次数',
  rework_warning: '返工预警次数', verify_upstream: '市级派单须核实', callback_required_for_answer: '直接答复须回访', reply_needs_sign_approval: '回复须单位领导签批',
  limit_overrides: '按分类/等级/渠道的时限', scheme: '考核方案', levels: '启用的紧急程度',
  tier_rules: '按紧急程度与类型定时限档', hang_remind_days: '挂账到期前提醒（天）', hang_progress_days: '挂账进展报告间隔（天）',
  reply_waits_for_assists: '主办回复须等协办单位反馈', notify_gateway_url: '短信/消息网关地址',
  notify_backoff_seconds: '通知重试间隔（秒）', notify_max_attempts: '通知最多尝试次数',
};

export async function render(view, ctx, params) {
  const page = params.parts[0] || 'units';
  const body = h('div', loading());
  mount(view,
    h('div.page-head', h('div', h('h1', '系统管理'), h('p.muted', '组织机构、用户、分类、职责目录与政策设置。'))),
    tabs(PAGES.map(([k, l]) => ({ key: k, label: l })), page, (k) => go('admin/' + k)),
    body);
  const fn = { units, users, regions, categories, catalogue, calendar, policy, schemes, synonyms }[page];
  if (!fn) { mount(body, h('div.empty', '没有这个页面')); return; }
  await fn(body, params, ctx);
}

const after = (kind) => { ref.invalidate(kind); refresh(); };

async function units(body) {
  const r = await refs();
  const edit = async (u) => {
    const c = u ? u.contacts || {} : {};
    const fields = [
      { name: 'code', label: '单位编码', required: !u, value: u?.code },
      { name: 'name', label: '单位名称', required: true, value: u?.name },
      { name: 'kind', label: '单位类别', type: 'select', options: UNIT_KIND, required: true, value: u?.kind },
      { name: 'region_id', label: '所属区域', type: 'tree', items: r.regions, value: u?.region_id || '' },
      { name: 'active', label: '启用', type: 'bool', value: u ? u.active !== false : true },
    ];
    TIERS.forEach((t, i) => {
      fields.push({ name: `${t}_name`, label: `${CONTACT_TIER[i]}姓名`, value: c[t]?.name });
      fields.push({ name: `${t}_phone`, label: `${CONTACT_TIER[i]}电话`, value: c[t]?.phone });
      fields.push({ name: `${t}_email`, label: `${CONTACT_TIER[i]}邮箱`, value: c[t]?.email });
    });
    const done = await modal(u ? `编辑单位 · ${u.name}` : '新增单位', (close) => buildForm(fields, {
      submitLabel: '保存',
      onSubmit: async (v) => {
        const contacts = {};
        for (const t of TIERS) contacts[t] = { name: v[`${t}_name`], phone: v[`${t}_phone`], email: v[`${t}_email`] };
        const b = { name: v.name, kind: v.kind, active: v.active, contacts };
        if (v.region_id) b.region_id = v.region_id;
        if (!u) b.code = v.code;
        else if (v.code && v.code !== u.code) b.code = v.code;
        close(u ? await api.put('/units/' + u.id, b) : await api.post('/units', b));
      },
      cancel: () => close(null),
    }), { wide: true });
    if (done) { toast('已保存'); after('units'); }
  };
  mount(body,
    h('div.toolbar', h('button.primary', { type: 'button', id: 'add-unit', onclick: () => edit(null) }, '新增单位'), h('span.muted', `共 ${r.units.length} 个单位`)),
    table([
      { label: '编码', get: (u) => h('span.mono', u.code) },
      { label: '名称', get: (u) => u.name },
      { label: '类别', get: (u) => u.kind_label || UNIT_KIND[u.kind] || u.kind },
      { label: '区域', get: (u) => (u.region_id ? ref.treePath(r.regionMap, u.region_id) : '') },
      ...TIERS.map((t, i) => ({ label: CONTACT_TIER[i], get: (u) => (u.contacts?.[t]?.name ? `${u.contacts[t].name} ${u.contacts[t].phone || ''}` : '') })),
      { label: '状态', get: (u) => (u.active === false ? chip('停用', 'muted') : chip('启用', 'done')) },
    ], r.units, { onRow: edit }));
}

async function users(body) {
  const r = await refs();
  const list = api.items(await api.get('/users'));
  const unitRole = (v) => ['unit_operator', 'unit_leader'].includes(v.role);
  const edit = async (u) => {
    const done = await modal(u ? `编辑用户 · ${u.login}` : '新增用户', (close) => buildForm([
      { name: 'login', label: '登录名', required: !u, value: u?.login },
      { name: 'name', label: '姓名', required: true, value: u?.name },
      { name: 'role', label: '角色', type: 'select', options: Object.fromEntries(Object.entries(ROLE).filter(([k]) => k !== 'system')), required: true, value: u?.role },
      { name: 'unit_id', label: '所属单位', type: 'pick', items: r.units, value: u?.unit_id || '', when: unitRole, required: true },
      { name: 'phone', label: '电话', value: u?.phone },
      { name: 'password', label: u ? '重置密码（不改则留空）' : '初始密码', type: 'password', required: !u, autocomplete: 'new-password', hint: '至少 8 位' },
      { name: 'active', label: '启用', type: 'bool', value: u ? u.active !== false : true },
    ], {
      submitLabel: '保存',
      onSubmit: async (v) => {
        const b = compact({ name: v.name, role: v.role, phone: v.phone, password: v.password });
        b.active = v.active;
        if (unitRole(v)) b.unit_id = v.unit_id;
        if (!u) b.login = v.login;
        close(u ? await api.put('/users/' + u.id, b) : await api.post('/users', b));
      },
      cancel: () => close(null),
    }));
    if (done) { toast('已保存'); after('users'); }
  };
  mount(body,
    h('div.toolbar', h('button.primary', { type: 'button', id: 'add-user', onclick: () => edit(null) }, '新增用户'), h('span.muted', `共 ${list.length} 个用户`)),
    table([
      { label: '登录名', get: (u) => h('span.mono', u.login) },
      { label: '姓名', get: (u) => u.name },
      { label: '角色', get: (u) => u.role_label || ROLE[u.role] || u.role },
      { label: '单位', get: (u) => (u.unit_id ? r.unitMap.get(Number(u.unit_id))?.name || '' : '区级平台') },
      { label: '电话', get: (u) => u.phone },
      { label: '状态', get: (u) => (u.active === false ? chip('停用', 'muted') : chip('启用', 'done')) },
    ], list, { onRow: edit }));
}

function treeRows(items) {
  const kids = new Map();
  const ids = new Set(items.map((x) => Number(x.id)));
  for (const x of items) {
    const p = x.parent_id && ids.has(Number(x.parent_id)) ? Number(x.parent_id) : 0;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(x);
  }
  const out = [];
  const walk = (p, d) => { for (const x of (kids.get(p) || []).sort((a, b) => String(a.code).localeCompare(String(b.code)))) { out.push({ ...x, depth: d }); walk(Number(x.id), d + 1); } };
  walk(0, 0);
  return out;
}

async function treeAdmin(body, { kind, path, title, levelField }) {
  const r = await refs();
  const items = kind === 'regions' ? r.regions : r.categories;
  const edit = async (x) => {
    const done = await modal(x ? `编辑${title} · ${x.name}` : `新增${title}`, (close) => buildForm([
      { name: 'parent_id', label: `上级${title}`, type: 'tree', items, value: x?.parent_id || '' },
      levelField,
      { name: 'code', label: '编码', required: !x, value: x?.code },
      { name: 'name', label: '名称', required: true, value: x?.name },
    ].map((f) => (f.name === 'level' ? { ...f, value: x ? x.level : f.value } : f)), {
      submitLabel: '保存',
      onSubmit: async (v) => {
        const b = compact({ parent_id: v.parent_id, level: v.level, code: v.code, name: v.name });
        if (x && b.code === x.code) delete b.code;
        close(x ? await api.put(`${path}/${x.id}`, b) : await api.post(path, b));
      },
      cancel: () => close(null),
    }));
    if (done) { toast('已保存'); after(kind); }
  };
  const rows = treeRows(items);
  // A long tree (a city's 650 categories) opens folded to its first level; the search box finds
  // names and codes at any depth and shows each match under its parents.
  const byId = new Map(items.map((x) => [Number(x.id), x]));
  const parentOf = (x) => (x.parent_id && byId.has(Number(x.parent_id)) ? byId.get(Number(x.parent_id)) : null);
  const hasKids = new Set(items.map((x) => Number(x.parent_id)).filter(Boolean));
  const open = new Set();
  const filterIn = h('input', { type: 'search', id: 'tree-filter', placeholder: `按名称或编码查找${title}` });
  const count = h('span.muted', { id: 'tree-count' });
  const list = h('div');
  const draw = () => {
    const q = filterIn.value.trim();
    let shown;
    if (q) {
      const keep = new Set();
      for (const x of items) {
        if (!(String(x.name).includes(q) || String(x.code).startsWith(q))) continue;
        for (let p = x; p && !keep.has(Number(p.id)); p = parentOf(p)) keep.add(Number(p.id));
      }
      shown = rows.filter((x) => keep.has(Number(x.id)));
      const hits = items.filter((x) => String(x.name).includes(q) || String(x.code).startsWith(q)).length;
      count.textContent = `找到 ${hits} 项（共 ${items.length} 项）`;
    } else {
      shown = rows.filter((x) => { for (let p = parentOf(x); p; p = parentOf(p)) if (!open.has(Number(p.id))) return false; return true; });
      count.textContent = `共 ${items.length} 项`;
    }
    const mark = (name) => {
      const i = q ? String(name).indexOf(q) : -1;
      return i < 0 ? name : [name.slice(0, i), h('mark', q), name.slice(i + q.length)];
    };
    mount(list, table([
      { label: '名称', get: (x) => h('span', { style: { paddingLeft: `${x.depth * 1.5}em` } },
        !q && hasKids.has(Number(x.id)) ? h('button.link.tree-toggle', { type: 'button', 'aria-expanded': open.has(Number(x.id)) ? 'true' : 'false', title: open.has(Number(x.id)) ? '收起' : '展开', onclick: () => { if (open.has(Number(x.id))) open.delete(Number(x.id)); else open.add(Number(x.id)); draw(); } }, open.has(Number(x.id)) ? '▾ ' : '▸ ') : (x.depth ? '└ ' : ''),
        mark(x.name)) },
      { label: '编码', get: (x) => h('span.mono', x.code) },
      { label: '层级', get: (x) => x.level_label || REGION_LEVEL[x.level] || `${x.level}级` },
    ], shown, { onRow: (x) => edit(items.find((i) => i.id === x.id)), empty: `没有名称或编码含“${q}”的${title}` }));
  };
  filterIn.addEventListener('input', draw);
  mount(body,
    h('div.toolbar', h('button.primary', { type: 'button', onclick: () => edit(null) }, `新增${title}`), filterIn, count,
      h('button.link', { type: 'button', onclick: () => { for (const id of hasKids) open.add(id); draw(); } }, '全部展开'),
      h('button.link', { type: 'button', onclick: () => { open.clear(); draw(); } }, '全部收起')),
    list);
  draw();
}

const regions = (body) => treeAdmin(body, {
  kind: 'regions', path: '/regions', title: '区域',
  levelField: { name: 'level', label: '层级', type: 'select', options: REGION_LEVEL, required: true },
});
const categories = (body) => treeAdmin(body, {
  kind: 'categories', path: '/categories', title: '分类',
  levelField: { name: 'level', label: '层级', type: 'select', numeric: true, options: [[1, '一级'], [2, '二级'], [3, '三级']], required: true },
});

async function catalogue(body) {
  const r = await refs();
  const list = api.items(await api.get('/catalogue'));
  const add = async () => {
    const done = await modal('新增职责目录条目', (close) => buildForm([
      { name: 'category_id', label: '分类', type: 'tree', items: r.categories, required: true },
      { name: 'region_id', label: '区域（不填为全区）', type: 'tree', items: r.regions },
      { name: 'unit_id', label: '责任单位', type: 'pick', items: r.units, required: true },
      { name: 'basis', label: '职责依据', type: 'textarea' },
    ], {
      submitLabel: '保存',
      onSubmit: async (v) => close(await api.post('/catalogue', compact(v))),
      cancel: () => close(null),
    }), { wide: true });
    if (done) { toast('已保存'); refresh(); }
  };
  const remove = async (x) => {
    if (!(await confirmBox('删除条目', `删除“${ref.treePath(r.catMap, x.category_id)} → ${r.unitMap.get(Number(x.unit_id))?.name}”？`, '删除'))) return;
    await api.del('/catalogue/' + x.id);
    toast('已删除');
    refresh();
  };
  mount(body,
    h('div.toolbar', h('button.primary', { type: 'button', onclick: add }, '新增条目'), h('span.muted', '分类 × 区域 → 责任单位；派单时按最具体的条目建议承办单位。')),
    table([
      { label: '分类', get: (x) => ref.treePath(r.catMap, x.category_id) },
      { label: '区域', get: (x) => (x.region_id ? ref.treePath(r.regionMap, x.region_id) : '全区') },
      { label: '责任单位', get: (x) => r.unitMap.get(Number(x.unit_id))?.name || `#${x.unit_id}` },
      { label: '依据', get: (x) => x.basis },
      { label: '', get: (x) => h('button.small.danger', { type: 'button', onclick: () => remove(x) }, '删除') },
    ], list));
}

async function policy(body) {
  const p = await api.get('/policy');
  const eff = p.effective || {};
  const settings = eff.settings || {};
  const overrides = { ...(p.overrides || {}) };
  const inputs = {};
  const valueInput = (key, s) => {
    const v = key in overrides ? overrides[key] : s.value;
    let el;
    if (typeof s.value === 'boolean') el = h('input', { type: 'checkbox', checked: !!v });
    else if (typeof s.value === 'number') el = h('input', { type: 'number', step: 'any', value: v, class: 'num' });
    else if (typeof s.value === 'string') el = h('input', { type: 'text', value: v });
    else el = h('input', { type: 'text', value: JSON.stringify(v), class: 'json' });
    inputs[key] = { el, s };
    return el;
  };
  const read = ({ el, s }) => {
    if (typeof s.value === 'boolean') return el.checked;
    if (typeof s.value === 'number') return Number(el.value);
    if (typeof s.value === 'string') return el.value;
    return JSON.parse(el.value);
  };
  const presetSel = h('select', { id: 'preset' }, (p.presets || [p.preset]).map((n) => h('option', { value: n, selected: n === p.preset }, n)));
  const save = async () => {
    const ov = {};
    try {
      for (const [k, inp] of Object.entries(inputs)) {
        const v = read(inp);
        const base = inp.s.overridden ? inp.s.preset_value : inp.s.value;
        if (JSON.stringify(v) !== JSON.stringify(base)) ov[k] = v;
      }
    } catch (err) {
      toast('设置值格式错误：' + err.message, 'error');
      return;
    }
    const samePreset = presetSel.value === p.preset;
    await api.put('/policy', { preset: presetSel.value, overrides: samePreset ? ov : {} });
    toast(samePreset ? '政策设置已保存' : `已切换到预设 ${presetSel.value}`);
    refresh();
  };
  mount(body,
    h('section.panel',
      h('div.panel-head', h('h2', eff.title || p.preset), h('span.muted', eff.seed ? `依据：${SEED_TITLES[eff.seed.slice(0, 3)] || eff.title || ''}` : '')),
      h('div.toolbar', h('label', '预设 ', presetSel), h('button.primary', { type: 'button', id: 'save-policy', onclick: save }, '保存'),
        h('span.muted', '切换预设会清除本地覆盖；修改某项的值即成为覆盖项。')),
      table([
        { label: '设置项', get: ([k]) => h('div', h('div', POLICY_LABELS[k] || k), h('div.mono.muted.small', k)) },
        { label: '值', get: ([k, s]) => valueInput(k, s) },
        { label: '来源', class: 'source-col', get: ([, s]) => h('span.small', s.overridden ? h('span', chip('本地覆盖', 'warn'), ` 预设值 ${JSON.stringify(s.preset_value)}；`) : '', sourceZh(s.source)) },
      ], Object.entries(settings))),
    h('section.panel', h('h2', '考核方案'),
      h('p', '当前方案：', h('b', String(settings.scheme?.value || '')), '（在上表的 scheme 项修改）。'),
      h('p.muted', '内置方案：dongcheng-2016（东城 9 项指标百分制，A–E 五档）、linshu-2020（临沭分组极差标准化）、pingshan-2020（回退情况、按期办结率、满意率与兜底、前十、表扬加分）、tianning-2013（五个工作日按时反馈率与满意率）、beijing-2020（三率）。种子文件未给出的权重、分值和临沭县直单位承办量分档线都在方案的 params 中设定。')));
}

// The policy documents of ../shared/seeds by their number, as people name them.
const SEED_TITLES = {
  '000': '《东城区便民事项网格化办理规定》（东政发〔2016〕51号）',
  '001': '《临沭县12345政务服务热线工作考核办法》（沭政字〔2020〕10号）',
  '002': '《坪山区民生诉求事件管理办法（第四版）》',
  '003': '《常州市天宁区“12345”政府公共服务平台运行管理办法》',
  '004': '《关于进一步深化“接诉即办”改革工作的意见》（北京市）',
};

/**
 * A setting's source note (written for developers, in English, in presets/*.json) as people read
 * it: the documents and articles it cites and the Chinese words it quotes; a default the
 * documents leave open says so.
 */
export function sourceZh(src) {
  const s = String(src || '');
  if (!s) return '';
  const refs = [];
  for (const m of s.matchAll(/\b(00[0-4])\b(?:\s*(?:art\.?|article)\s*(\d+))?/g)) {
    const t = (SEED_TITLES[m[1]] || m[1]).replace(/（[^）]*）$/, '') + (m[2] ? `第${m[2]}条` : '');
    if (!refs.includes(t)) refs.push(t);
  }
  const quotes = (s.match(/[\u4e00-\u9fff\d×、，：“”（）《》〔〕·\-]*[\u4e00-\u9fff][\u4e00-\u9fff\d×、，：“”（）《》〔〕·\-]*/g) || []).filter((q) => /[\u4e00-\u9fff]{2}/.test(q));
  const parts = [];
  if (/^\s*default/i.test(s)) parts.push('默认值（依据文件未明确规定）');
  else if (/^\s*local/i.test(s)) parts.push('本地设置');
  if (refs.length) parts.push((parts.length ? '参照' : '依据') + refs.join('、'));
  if (quotes.length) parts.push('原文：' + quotes.join('；'));
  return parts.join('；') || '系统默认值';
}

// The synonym groups the search expands queries with: one row per group, its words separated by
// spaces, commas or 、; rows can be added and removed, the defaults restored; saved with PUT.
const splitWords = (t) => t.split(/[\s,，、;；]+/).map((w) => w.trim()).filter(Boolean);

async function synonyms(body) {
  const data = await api.get('/synonyms');
  const rows = [];
  const list = h('div.syn-list', { id: 'synonym-groups' });
  const err = h('div.form-error', { role: 'alert', id: 'synonym-error' });
  const count = h('span.muted');
  const status = h('span', data.custom ? chip('已自定义', 'warn') : chip('默认词表', 'done'));
  const draw = () => { count.textContent = `共 ${rows.length} 组`; rows.forEach((r, i) => { r.num.textContent = String(i + 1); }); };
  const addRow = (words, focus) => {
    const r = {};
    r.num = h('span.syn-num.muted');
    r.input = h('input.syn-words', { type: 'text', value: (words || []).join(' '), placeholder: '同义的词，用空格分隔，如：噪音 噪声', 'aria-label': '同义词组' });
    r.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); return; }
      if (e.key === 'Enter') { e.preventDefault(); const nx = rows[rows.indexOf(r) + 1]; if (nx) nx.input.focus(); else addRow([], true); }
    });
    r.input.addEventListener('input', () => r.el.classList.remove('invalid'));
    r.el = h('div.syn-row', r.num, r.input,
      h('button.small.danger', { type: 'button', title: '删除该组', onclick: () => { rows.splice(rows.indexOf(r), 1); r.el.remove(); draw(); } }, '删除'));
    rows.push(r);
    list.appendChild(r.el);
    draw();
    if (focus) r.input.focus();
  };
  const load = (groups) => { rows.splice(0); list.replaceChildren(); for (const g of groups) addRow(g); };
  load(data.groups || []);
  const save = async (groupsOverride) => {
    err.textContent = '';
    for (const r of rows) r.el.classList.remove('invalid');
    const kept = groupsOverride ? null : rows.filter((r) => splitWords(r.input.value).length);
    const groups = groupsOverride || kept.map((r) => splitWords(r.input.value));
    try {
      await api.put('/synonyms', { groups });
    } catch (e) {
      const text = /[\u4e00-\u9fff]/.test(e.message || '') ? e.message : errorText(e);
      err.textContent = '未保存：' + text;
      const m = /第\s*(\d+)\s*组/.exec(e.message || '');
      const bad = m && kept ? kept[Number(m[1]) - 1] : null;
      if (bad) { bad.el.classList.add('invalid'); bad.input.focus(); }
      toast('同义词未保存：' + text, 'error');
      return;
    }
    toast(groupsOverride ? '已恢复默认同义词' : `同义词已保存（${groups.length} 组）`);
    refresh();
  };
  const restore = async () => {
    if (!(await confirmBox('恢复默认', `用系统默认的 ${(data.defaults || []).length} 组同义词替换当前词表？`, '恢复默认'))) return;
    await save(data.defaults || []);
  };
  mount(body,
    h('section.panel',
      h('div.panel-head', h('h2', '同义词'), status),
      h('p.hint', '搜索和查重时，同一组里的词视为同义（如“噪音”与“噪声”）。每组 2 至 12 个词，词之间用空格分隔；回车跳到下一组或新增一组，Ctrl+Enter 保存。'),
      h('div.toolbar',
        h('button', { type: 'button', id: 'add-synonym', onclick: () => addRow([], true) }, '新增同义词组'),
        h('button.primary', { type: 'button', id: 'save-synonyms', onclick: () => save() }, '保存'),
        h('button', { type: 'button', id: 'restore-synonyms', onclick: restore }, '恢复默认'),
        count),
      err,
      list));
}
