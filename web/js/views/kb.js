// The knowledge base (知识库): units write their entries and submit them (unit leader), the
// centre's supervisors and administrators review them (approve, or send back with a reason),
// everyone searches the published ones; one entry shows its versions. Also the pieces other
// screens use: the intake panel that finds entries while the complaint is typed ("引用答复"),
// and the citation shown on an order.
import * as api from '../api.js';
import { h, mount, toast, table, tabs, chip, modal, debounce, errorText } from '../ui.js';
import { buildForm, compact } from '../forms.js';
import { refs } from './common.js';
import { go } from '../app.js';

const UNIT_ROLES = ['unit_operator', 'unit_leader'];
const REVIEWERS = ['supervisor', 'admin'];
const STATUS_KIND = { draft: '', under_review: 'warn', published: 'ok', expired: 'bad', withdrawn: 'bad', superseded: '' };

const statusChip = (k) => chip(k.status_label || k.status, STATUS_KIND[k.status] || '');
const validText = (k) => (k.valid_to_cn ? `至 ${k.valid_to_cn}` : '长期有效');

function entryFields(r, k = {}) {
  return [
    { name: 'question', label: '问题', required: true, maxlength: 200, wide: true, value: k.question || '', placeholder: '群众会怎样问，如：居住证怎么办理？' },
    { name: 'answer', label: '答复口径', type: 'textarea', rows: 6, required: true, maxlength: 4000, wide: true, value: k.answer || '' },
    { name: 'basis', label: '政策依据', type: 'textarea', rows: 2, maxlength: 1000, wide: true, value: k.basis || '', placeholder: '文件名称、文号、条款' },
    { name: 'category', label: '分类', type: 'tree', items: r.categories, wide: true, value: (k.categories || [])[0] || '' },
    { name: 'valid_from', label: '生效日期', type: 'date', value: (k.valid_from || '').slice(0, 10) },
    { name: 'valid_to', label: '失效日期', type: 'date', value: (k.valid_to || '').slice(0, 10), hint: '到期前 30 天和 7 天提醒本单位更新；留空为长期有效' },
  ];
}

function entryBody(v, edit) {
  const body = compact({ question: v.question, answer: v.answer, basis: v.basis, valid_from: v.valid_from, valid_to: v.valid_to });
  if (v.category) body.categories = [Number(v.category)];
  if (edit) { body.basis = v.basis; body.valid_to = v.valid_to || null; }
  return body;
}

async function editForm(r, k) {
  const title = k ? `修改条目 · 第${k.version}版` : '新建知识库条目';
  return modal(title, (close) => buildForm(entryFields(r, k || {}), {
    submitLabel: k ? '保存' : '保存草稿',
    onSubmit: async (v) => close(k ? await api.put(`/kb/${k.id}`, entryBody(v, true)) : await api.post('/kb', entryBody(v, false))),
    cancel: () => close(null),
  }), { wide: true });
}

async function reasonForm(title, label) {
  return modal(title, (close) => buildForm([{ name: 'note', label, type: 'textarea', rows: 3, required: true, maxlength: 500 }], {
    submitLabel: '确定', onSubmit: async (v) => close(v), cancel: () => close(null),
  }));
}

// The buttons the user may press on version k, each re-rendering the screen when done.
function actionButtons(k, ctx, r, done) {
  const role = ctx.user.role;
  const mine = UNIT_ROLES.includes(role) && Number(ctx.user.unit_id) === Number(k.unit_id);
  const btn = (key, text, fn, cls = '') => h('button.small' + cls, { type: 'button', dataset: { kbAction: key }, onclick: async () => { try { const res = await fn(); if (res) done(res); } catch (err) { toast(errorText(err), 'error'); } } }, text);
  const post = (what, body = {}) => api.post(`/kb/${k.id}/${what}`, body);
  const out = [];
  if (mine && ['draft', 'published', 'expired', 'withdrawn'].includes(k.status)) {
    out.push(btn('edit', k.status === 'draft' ? '修改' : '修订为新版本', async () => {
      const res = await editForm(r, k);
      if (res) toast(res.id === k.id ? '已保存' : `已生成第${res.version}版草稿，原版本继续有效`);
      return res;
    }));
  }
  if (mine && role === 'unit_leader' && k.status === 'draft') out.push(btn('submit', '提交审核', async () => { const res = await post('submit'); toast('已提交审核'); return res; }, '.primary'));
  if (REVIEWERS.includes(role) && k.status === 'under_review') {
    out.push(btn('approve', '审核通过并发布', async () => { const res = await post('approve'); toast('已发布'); return res; }, '.primary'));
    out.push(btn('reject', '退回修改', async () => { const v = await reasonForm('退回修改', '退回理由'); if (!v) return null; const res = await post('reject', v); toast('已退回单位修改'); return res; }));
  }
  if (k.status === 'published' && (REVIEWERS.includes(role) || (mine && role === 'unit_leader'))) {
    out.push(btn('withdraw', '撤回', async () => { const v = await reasonForm('撤回条目', '撤回理由'); if (!v) return null; const res = await post('withdraw', v); toast('已撤回'); return res; }, '.danger'));
  }
  return out;
}

async function renderEntry(view, ctx, id) {
  const r = await refs();
  const k = await api.get(`/kb/${id}`);
  const done = (res) => go('kb/' + res.id);
  const cats = (k.categories || []).map((c) => r.catMap.get(c)?.name || `#${c}`).join('、') || '未分类';
  mount(view,
    h('div.page-head', h('div', h('h1', { id: 'kb-question' }, k.question),
      h('p', statusChip(k), ' ', h('span.muted', `第${k.version}版 · ${k.unit_name} · ${validText(k)} · 引用 ${k.uses} 次`))),
      h('div.actions', actionButtons(k, ctx, r, done))),
    h('div.two-col',
      h('section.panel', h('h2', '答复口径'), h('div.pre', { id: 'kb-answer' }, k.answer),
        h('h3', '政策依据'), h('div.pre', k.basis || '（无）'),
        h('h3', '分类'), h('p', cats),
        k.note ? [h('h3', '审核/撤回意见'), h('p.form-error', { id: 'kb-note' }, k.note)] : null),
      h('section.panel', h('h2', '版本历史'),
        table([
          { label: '版本', get: (v) => h('a', { href: '#/kb/' + v.id }, `第${v.version}版`) },
          { label: '状态', get: (v) => statusChip(v) },
          { label: '发布', get: (v) => v.published_at_cn || '—' },
          { label: '结束', get: (v) => v.ended_at_cn || '—' },
          { label: '引用', get: (v) => String(v.uses) },
        ], k.history || [], { onRow: (v) => go('kb/' + v.id) }))));
}

export async function render(view, ctx, params) {
  if (params.parts[0]) return renderEntry(view, ctx, params.parts[0]);
  const r = await refs();
  const role = ctx.user.role;
  const unitUser = UNIT_ROLES.includes(role);
  const reviewer = REVIEWERS.includes(role);
  const TABS = [
    ...(reviewer ? [{ key: 'review', label: '待审核', query: { status: 'under_review' } }] : []),
    ...(unitUser ? [{ key: 'mine', label: '本单位条目', query: {} }] : []),
    { key: 'published', label: '已发布', query: { status: 'published' } },
    ...(reviewer ? [{ key: 'all', label: '全部', query: {} }] : []),
    ...(unitUser ? [] : [{ key: 'stats', label: '单位统计' }]),
  ];
  let active = params.query.get('tab') || TABS[0].key;
  if (!TABS.some((t) => t.key === active)) active = TABS[0].key;
  const list = h('div', { id: 'kb-list' });
  const q = h('input', { type: 'search', id: 'kb-search', placeholder: '输入关键词查找已发布的条目（同义词、繁简通用）', autocomplete: 'off' });
  const draw = (items) => mount(list, table([
    { label: '编号', get: (k) => h('a.mono', { href: '#/kb/' + k.id }, '#' + k.id) },
    { label: '问题', class: 'title-col', get: (k) => h('span', { title: k.question }, k.question) },
    { label: '状态', get: (k) => statusChip(k) },
    { label: '版本', get: (k) => `第${k.version}版` },
    { label: '单位', get: (k) => k.unit_name },
    { label: '有效期', get: (k) => validText(k) },
    { label: '引用', get: (k) => String(k.uses) },
    { label: '操作', sort: false, get: (k) => h('span', actionButtons(k, ctx, r, () => load())) },
  ], items, { onRow: (k) => go('kb/' + k.id), empty: '暂无条目', rowClass: () => 'kb-row' }));
  const load = async () => {
    const tab = TABS.find((t) => t.key === active);
    if (tab.key === 'stats') return loadStats();
    const words = q.value.trim();
    const data = await api.get(api.withQuery('/kb', words ? { q: words, limit: 50 } : { ...tab.query, limit: 100 }));
    draw(api.items(data));
  };
  // Per unit: entries in force and out of date at the end of the month, citations in it.
  const month = h('input', { type: 'month', id: 'kb-month', value: new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7) });
  const loadStats = async () => {
    const data = await api.get(api.withQuery('/kb/stats', { period: month.value }));
    mount(list, table([
      { label: '单位', get: (u) => u.unit_name },
      { label: '有效条目', get: (u) => String(u.published) },
      { label: '过期未更新', get: (u) => (u.stale ? chip(String(u.stale), 'bad') : '0') },
      { label: '过期率', get: (u) => `${Math.round(u.stale_rate * 1000) / 10}%` },
      { label: '本期引用', get: (u) => String(u.uses) },
    ], api.items(data), { empty: '暂无单位维护知识库' }));
  };
  month.addEventListener('change', () => { if (active === 'stats') load(); });
  q.addEventListener('input', debounce(load, 300));
  mount(view,
    h('div.page-head', h('div', h('h1', '知识库'), h('p.muted', unitUser ? '本单位编写、维护知识库条目，单位领导提交平台审核；发布后坐席可直接引用答复（秒回）。' : '各单位维护的政策问答，平台审核发布后供坐席检索、引用答复。')),
      unitUser ? h('button.primary', { type: 'button', id: 'kb-new', onclick: async () => { const res = await editForm(r); if (res) { toast('草稿已保存'); go('kb/' + res.id); } } }, '新建条目') : null),
    tabs(TABS, active, (key) => go('kb?tab=' + key)),
    h('div.toolbar', active === 'stats' ? [h('label', { htmlFor: 'kb-month' }, '统计月份 '), month] : q),
    list);
  await load();
}

/**
 * The intake's knowledge-base panel: update(text) finds published entries matching the
 * complaint's text as it is typed; "引用答复" picks one (onCite(entry)); "登记并秒回" asks the
 * intake to register and answer at once with it (onQuick(entry)). Returns
 * {el, update, reset, cited()}.
 */
export function kbPanel({ onCite, onQuick } = {}) {
  const el = h('section.panel.kb-panel', { id: 'kb-panel', 'aria-live': 'polite' });
  let seq = 0;
  let picked = null;
  const idle = () => mount(el, h('h2', '知识库'), h('p.muted', '输入标题或内容后显示可引用的知识库条目（秒回）。'));
  const pickedNote = () => (picked ? h('p.kb-picked', { id: 'kb-picked' }, '已引用：', h('b', picked.question), ` 第${picked.version}版`,
    onQuick ? h('button.small.primary', { type: 'button', id: 'kb-quick', title: '登记本次诉求，并以该条目的答复口径直接答复（秒回）', onclick: () => onQuick(picked) }, '登记并秒回') : null,
    h('button.link', { type: 'button', onclick: () => { picked = null; onCite && onCite(null); el.querySelector('#kb-picked')?.remove(); } }, '取消引用')) : null);
  const cite = (k) => {
    picked = k;
    if (onCite) onCite(k);
    el.querySelector('#kb-picked')?.remove();
    el.insertBefore(pickedNote(), el.children[1] || null);
    toast('已引用知识库条目：登记后可直接答复（秒回）', 'info');
  };
  const update = debounce(async (text) => {
    const my = ++seq;
    if ((text || '').trim().length < 2) { idle(); return; }
    try {
      const data = await api.get(api.withQuery('/kb', { text: text.slice(0, 180), limit: 5 }));
      if (my !== seq) return;
      const list = api.items(data);
      mount(el, h('h2', '知识库', list.length ? h('span.badge', String(list.length)) : null),
        pickedNote(),
        list.length ? h('ul.mini-list.kb-hits', list.map((k) => h('li.kb-hit', { dataset: { id: k.id } },
          h('div.mini-head', h('a', { href: '#/kb/' + k.id, target: '_blank' }, k.question), h('span.muted.small', ` ${k.unit_name} · 第${k.version}版`)),
          h('div.mini-title.small', { title: k.answer }, k.answer.length > 80 ? k.answer.slice(0, 80) + '…' : k.answer),
          h('button.small.kb-cite', { type: 'button', onclick: () => cite(k) }, '引用答复'))))
          : h('p.muted', { id: 'kb-none' }, '没有匹配的已发布条目'));
    } catch (err) {
      if (my !== seq) return;
      if (err.status === 403 || err.status === 404) el.hidden = true;
    }
  }, 350);
  idle();
  return { el, update, reset: () => { seq++; picked = null; idle(); }, cited: () => picked };
}

/** The knowledge-base entry an order's direct answer cites: its question and version, a link. */
export function citationLink(id) {
  const el = h('a', { href: '#/kb/' + id, id: 'order-kb-cite' }, `知识库条目 #${id}`);
  api.get(`/kb/${id}`).then((k) => { el.textContent = `${k.question}（第${k.version}版，${k.unit_name}）`; }).catch(() => {});
  return el;
}
