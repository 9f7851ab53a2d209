// The scheme editor (系统管理 · 考核方案编辑): a scheme's indicators, weights (parameters), items
// with their formulas and maximum points, total formula, groups and grade bands, edited as tables;
// every change previews the current month's ranking as the server computes it (POST
// /api/v1/assess/preview, nothing stored), a bad formula is shown at its field with the
// position, and saving stores a new version of the scheme (PUT /api/v1/assess/schemes/{name}).
// Keys the form does not show (evaluation, bonus, year …) are kept as they are.
import * as api from '../api.js';
import { h, mount, toast, table, chip, errorText } from '../ui.js';
import { UNIT_KIND } from '../labels.js';
import { go } from '../app.js';

const KINDS = ['street', 'department', 'enterprise'];

/** The last 24 months, newest first, as [value "2026-11", label "2026年11月"]. */
function months() {
  const now = new Date(Date.now() + 8 * 3600e3);
  const out = [];
  for (let k = 0; k < 24; k++) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1));
    const m = d.getUTCMonth() + 1;
    out.push([`${d.getUTCFullYear()}-${String(m).padStart(2, '0')}`, `${d.getUTCFullYear()}年${m}月`]);
  }
  return out;
}

/** Draws the editor of the scheme in the query (default: the policy's) into body. */
export async function schemes(body, params) {
  const [list, cat] = await Promise.all([api.get('/assess/schemes'), api.get('/assess/indicators')]);
  const all = list.schemes || [];
  const name = params?.query?.get('scheme') || list.policy_scheme || all[0]?.name;
  const doc = structuredClone(await api.get(`/assess/schemes/${encodeURIComponent(name)}`));
  const now = new Date(Date.now() + 8 * 3600e3);
  let period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  let dirty = false;
  let timer = null;
  let seq = 0;

  const preview = h('section.panel.preview', { id: 'scheme-preview' }, h('h2', '预览'), h('p.muted', '计算中…'));
  const err = h('div.err', { id: 'scheme-error', role: 'alert' });
  const saveBtn = h('button.primary', { type: 'button', id: 'scheme-save', disabled: true, onclick: () => save() }, '保存为新版本');

  const runPreview = async () => {
    const mine = ++seq;
    err.textContent = '';
    for (const x of body.querySelectorAll('.bad')) x.classList.remove('bad');
    try {
      const rep = await api.post(`/assess/preview?period=${encodeURIComponent(period)}`, doc);
      if (mine !== seq) return;
      const units = (rep.units || []).filter((u) => u.assessed !== false);
      mount(preview, h('h2', '预览 ', h('span.muted.small', `${(months().find(([v]) => v === period) || [null, rep.period])[1]} · 按当前编辑的方案计算，未保存`)),
        h('label', '考核期 ', h('select', { id: 'preview-period', onchange: (e) => { period = e.target.value; runPreview(); } }, months().map(([v, l]) => h('option', { value: v, selected: v === period }, l)))),
        units.length ? table([
          { label: '名次', sort: (u) => u.rank ?? 1e9, get: (u) => String(u.rank ?? '') },
          { label: '单位', get: (u) => u.name },
          { label: '分组', get: (u) => u.group || '' },
          { label: '得分', sort: (u) => Number(u.score), get: (u) => Number(u.score).toFixed(doc.precision ?? 2) },
          { label: '等级', get: (u) => u.grade || '' },
        ], units) : h('p.muted', '该考核期没有参与考核的单位'));
    } catch (x) {
      if (mine !== seq) return;
      err.textContent = errorText(x);
      const at = x.field && body.querySelector(`[data-path="${CSS.escape(x.field)}"]`);
      if (at) at.classList.add('bad');
      mount(preview, h('h2', '预览'), h('p.muted', '方案有误，改正后再预览。'));
    }
  };
  const changed = () => {
    dirty = true;
    saveBtn.disabled = false;
    clearTimeout(timer);
    timer = setTimeout(runPreview, 500);
  };
  const save = async () => {
    try {
      await api.put(`/assess/schemes/${encodeURIComponent(doc.name)}`, doc);
      dirty = false;
      saveBtn.disabled = true;
      toast(`已保存方案“${doc.title || doc.name}”的新版本`);
    } catch (x) {
      err.textContent = errorText(x);
    }
  };

  // an input bound to obj[key]; path names it as the server's errors do (items[2].expr)
  const bind = (obj, key, path, { type = 'text', cls } = {}) => h('input', {
    type, value: obj[key] ?? '', class: cls, dataset: { path },
    oninput: (e) => {
      const v = e.target.value;
      if (type === 'number') { if (v === '') delete obj[key]; else obj[key] = Number(v); } else obj[key] = v;
      changed();
    },
  });
  const removeBtn = (fn) => h('button.small', { type: 'button', title: '删除此行', onclick: () => { fn(); changed(); draw(); } }, '删除');
  const addBtn = (label, fn) => h('button.small', { type: 'button', onclick: () => { fn(); changed(); draw(); } }, label);

  const indicatorsPanel = () => {
    const rows = Object.entries(doc.indicators || {});
    const rename = (old, nu) => {
      const out = {};
      for (const [k, v] of Object.entries(doc.indicators)) out[k === old ? nu : k] = v;
      doc.indicators = out;
    };
    return h('section.panel', h('h2', '指标（公式中使用的名称 → 指标库）'),
      h('table.grid.compact', h('thead', h('tr', h('th', '公式中的名称'), h('th', '指标'), h('th', ''))),
        h('tbody', rows.map(([k, v]) => h('tr',
          h('td', h('input', { value: k, dataset: { path: `indicators.${k}` }, onchange: (e) => { if (e.target.value && !(e.target.value in doc.indicators)) { rename(k, e.target.value); changed(); draw(); } } })),
          h('td', h('select', { dataset: { path: `indicators.${k}` }, onchange: (e) => { doc.indicators[k] = e.target.value; changed(); } },
            (cat.indicators || []).map((i) => h('option', { value: i.id, selected: i.id === v, title: i.numerator || '' }, i.label)))),
          h('td', removeBtn(() => { delete doc.indicators[k]; })))))),
      addBtn('添加指标', () => {
        doc.indicators ||= {};
        let n = 1;
        while (`指标${n}` in doc.indicators) n++;
        doc.indicators[`指标${n}`] = cat.indicators[0].id;
      }));
  };
  const paramsPanel = () => {
    const rows = Object.entries(doc.params || {});
    return h('section.panel', h('h2', '权重与参数'),
      rows.length ? h('table.grid.compact', h('thead', h('tr', h('th', '名称'), h('th', '数值'), h('th', ''))),
        h('tbody', rows.map(([k]) => h('tr', h('td', h('span.mono', k)), h('td', bind(doc.params, k, `params.${k}`, { type: 'number' })), h('td', removeBtn(() => { delete doc.params[k]; })))))) : h('p.muted', '本方案没有参数'),
      h('div.toolbar', h('input', { id: 'param-name', placeholder: '新参数名（英文字母）' }),
        addBtn('添加参数', () => {
          const k = body.querySelector('#param-name').value.trim();
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) { toast('参数名须以字母开头，只含字母、数字和下划线', 'error'); return; }
          doc.params ||= {};
          doc.params[k] = 1;
        })));
  };
  const itemsPanel = () => h('section.panel', h('h2', '考核项（得分公式）'),
    h('table.grid.compact', h('thead', h('tr', ['编号', '名称', '满分', '公式', ''].map((x) => h('th', x)))),
      h('tbody', (doc.items || []).map((it, i) => h('tr',
        h('td', bind(it, 'id', `items[${i}].id`)), h('td', bind(it, 'name', `items[${i}].name`)),
        h('td', bind(it, 'max', `items[${i}].max`, { type: 'number' })), h('td', bind(it, 'expr', `items[${i}].expr`, { cls: 'expr' })),
        h('td', removeBtn(() => doc.items.splice(i, 1))))))),
    addBtn('添加考核项', () => { doc.items ||= []; doc.items.push({ id: `item${doc.items.length + 1}`, name: '新考核项', max: 10, expr: '0' }); }),
    h('div.field.wide', h('label', '总分公式（用考核项的名称）'), bind(doc, 'score', 'score', { cls: 'expr' })),
    h('p.hint', '公式可用 + − × ÷、括号、min(…)、max(…)，以及上表指标与参数的名称；出错时在对应格标红并说明位置。'));
  const groupsPanel = () => h('section.panel', h('h2', '分组排名'),
    h('label', '排名方式 ', h('select', { id: 'scheme-rank', onchange: (e) => { doc.rank = e.target.value; changed(); } },
      [['all', '全部单位一起排名'], ['group', '按分组分别排名']].map(([v, l]) => h('option', { value: v, selected: (doc.rank || 'all') === v }, l)))),
    h('table.grid.compact', h('thead', h('tr', h('th', '分组'), h('th', '单位类别'), h('th', ''))),
      h('tbody', (doc.groups || []).map((g, i) => h('tr',
        h('td', bind(g, 'name', `groups[${i}].name`)),
        h('td', KINDS.map((k) => h('label.check', h('input', { type: 'checkbox', checked: (g.kinds || []).includes(k), onchange: (e) => { g.kinds = (g.kinds || []).filter((x) => x !== k); if (e.target.checked) g.kinds.push(k); changed(); } }), UNIT_KIND[k] || k))),
        h('td', removeBtn(() => doc.groups.splice(i, 1))))))),
    addBtn('添加分组', () => { doc.groups ||= []; doc.groups.push({ name: '新分组', kinds: [] }); }),
    (doc.groups || []).some((g) => g.items || g.params) ? h('p.hint', '部分分组另有各自的考核项公式或参数，保存时原样保留。') : null);
  const gradesPanel = () => h('section.panel', h('h2', '等级'),
    h('table.grid.compact', h('thead', h('tr', h('th', '等级'), h('th', '最低分（空：其余）'), h('th', ''))),
      h('tbody', (doc.grades || []).map((g, i) => h('tr',
        h('td', bind(g, 'grade', `grades[${i}].grade`)), h('td', bind(g, 'min', `grades[${i}].min`, { type: 'number' })),
        h('td', removeBtn(() => doc.grades.splice(i, 1))))))),
    addBtn('添加等级', () => { doc.grades ||= []; doc.grades.push({ grade: '新等级' }); }));

  const draw = () => {
    mount(body,
      h('div.toolbar',
        h('label', '方案 ', h('select', { id: 'scheme-pick', onchange: (e) => { if (!dirty || window.confirm('有未保存的修改，确定换方案吗？')) go(`admin/schemes?scheme=${encodeURIComponent(e.target.value)}`); else e.target.value = name; } },
          all.map((s) => h('option', { value: s.name, selected: s.name === name }, s.title || s.name)))),
        all.find((s) => s.name === name)?.stored ? chip('已有保存的版本', 'muted') : chip('内置方案', 'muted'),
        list.policy_scheme === name ? chip('当前政策使用中', 'live') : null,
        saveBtn),
      err,
      h('div.scheme-editor',
        h('div',
          h('section.panel', h('h2', '基本'),
            h('div.field.wide', h('label', '标题'), bind(doc, 'title', 'title')),
            h('div.field.wide', h('label', '说明'), h('textarea', { rows: 2, dataset: { path: 'note' }, oninput: (e) => { doc.note = e.target.value; changed(); } }, doc.note || '')),
            h('div.field', h('label', '小数位数'), bind(doc, 'precision', 'precision', { type: 'number' }))),
          indicatorsPanel(), paramsPanel(), itemsPanel(), groupsPanel(), gradesPanel()),
        preview));
  };
  draw();
  runPreview();
}
