// Search results of the top bar's box (#/search?q=…): one query read as an order number (whole or
// its tail), an upstream id, a caller's phone or name, or words of the orders' text; ranked by
// relevance then recency, a badge says what matched, "加载更多" follows next_cursor.
import * as api from '../api.js';
import { h, mount, table, loading, errorText } from '../ui.js';
import { fmtTime } from '../labels.js';
import { refs, statusChip, leadUnitName } from './common.js';
import { go, focusSearch } from '../app.js';

/** The badge of what a result matched: its label, and "部分" when the match is not exact. */
export function matchBadge(m) {
  if (!m) return '';
  return h('span.match', { class: m.exact ? 'exact' : 'partial', dataset: { kind: m.kind || '' } },
    m.label || m.kind || '', m.exact || m.kind === 'text' ? null : h('span.part', '部分'));
}

export async function render(view, ctx, params) {
  const r = await refs();
  const q = (params.query.get('q') || '').trim();
  const isUnit = ['unit_operator', 'unit_leader'].includes(ctx.user.role);
  const input = h('input', { type: 'search', id: 'search-q', name: 'q', value: q, placeholder: '工单号（或尾号）、市级工单号、来电号码（或后 4 位以上）、诉求人姓名、关键词', autocomplete: 'off' });
  const form = h('form.search-page-form', {
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const v = input.value.trim();
      if (v) go('search?q=' + encodeURIComponent(v));
    },
  }, input, h('button.primary', { type: 'submit' }, '搜索'));
  const results = h('div', { id: 'search-results' });
  const note = h('p.muted.small', { id: 'search-note' });
  const more = h('button', { type: 'button', id: 'search-more', hidden: true, onclick: () => page() }, '加载更多');
  mount(view,
    h('div.page-head', h('div', h('h1', '工单搜索'),
      h('p.muted', isUnit ? '只在本单位承办的工单中查找。' : '一个搜索框：工单号、市级工单号、来电号码、诉求人姓名或标题、内容、地址、办理结果中的词语。'))),
    h('section.panel', form, note),
    results, h('div.more', more));

  if (!q) {
    mount(results, h('div.empty', '请输入工单号、电话、姓名或关键词后按回车搜索'));
    input.focus();
    return;
  }
  mount(results, loading('搜索中…'));
  const found = [];
  let cursor = '';
  const cols = [
    { label: '工单编号', get: (o) => h('a.mono', { href: '#/order/' + o.id }, o.number) },
    { label: '状态', get: statusChip },
    { label: '受理时间', get: (o) => fmtTime(o.created_at) },
    { label: '标题', class: 'title-col', get: (o) => h('span', { title: o.title }, o.title) },
    { label: '匹配', get: (o) => matchBadge(o.match) },
    { label: '承办单位', get: (o) => leadUnitName(o, r) },
  ];
  const page = async () => {
    more.disabled = true;
    try {
      const data = await api.get(api.withQuery('/search', { q, limit: 30, cursor }));
      found.push(...api.items(data));
      cursor = data.next_cursor || '';
      if (data.citizen_lookup) note.textContent = '本次查询比对了诉求人电话或姓名，已记入审计日志。';
      mount(results, found.length
        ? h('div', h('p.muted.small', { id: 'search-count' }, `已显示 ${found.length} 件${cursor ? '，还有更多' : ''}`),
          table(cols, found, { onRow: (o) => go('order/' + o.id) }))
        : h('div.empty', { id: 'search-empty' }, '没有找到工单'));
      more.hidden = !cursor;
    } catch (err) {
      mount(results, h('div.error-page', errorText(err)));
    } finally {
      more.disabled = false;
    }
  };
  await page();
  // Keyboard: ↓ from the box goes to the first result row.
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { const tr = results.querySelector('tr.link'); if (tr) { e.preventDefault(); tr.focus(); } }
  });
  if (!found.length) focusSearch();
}
