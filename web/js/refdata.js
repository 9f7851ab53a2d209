// Reference data the screens share (units, categories, regions, users), loaded once per session,
// and the keyboard-first pickers over them (type to filter, arrows, Enter; tree browsing).
import * as api from './api.js';
import { h } from './ui.js';
import { UNIT_KIND, enumName } from './labels.js';

const cache = {};

/** Forgets cached lists (after an admin change or a logout). */
export function invalidate(kind) {
  if (kind) delete cache[kind];
  else for (const k of Object.keys(cache)) delete cache[k];
}

async function list(kind, path) {
  if (!cache[kind]) {
    cache[kind] = api.get(path).then((d) => api.items(d, kind)).catch((e) => { delete cache[kind]; throw e; });
  }
  return cache[kind];
}

export const units = () => list('units', '/units');
export const categories = () => list('categories', '/categories');
export const regions = () => list('regions', '/regions');
export const users = () => list('users', '/users');

/** Map id → item. */
export function byId(arr) {
  const m = new Map();
  for (const x of arr) m.set(Number(x.id), x);
  return m;
}

/** "一级 / 二级 / 三级" path of a tree item. */
export function treePath(map, id) {
  const names = [];
  let x = map.get(Number(id));
  let guard = 0;
  while (x && guard++ < 10) {
    names.unshift(x.name);
    x = x.parent_id ? map.get(Number(x.parent_id)) : null;
  }
  return names.join(' / ');
}

/** The ancestor of item id at the top of its tree (level 1 / district). */
export function treeRoot(map, id) {
  let x = map.get(Number(id));
  let guard = 0;
  while (x && x.parent_id && map.get(Number(x.parent_id)) && guard++ < 10) x = map.get(Number(x.parent_id));
  return x;
}

/** The ancestor of id (or id itself) whose depth from the root is `depth` (0 = root). */
export function treeAncestorAt(map, id, depth) {
  const chain = [];
  let x = map.get(Number(id));
  let guard = 0;
  while (x && guard++ < 10) { chain.unshift(x); x = x.parent_id ? map.get(Number(x.parent_id)) : null; }
  return chain[Math.min(depth, chain.length - 1)];
}

export function unitLabel(u) {
  if (!u) return '';
  const kind = u.kind_label || UNIT_KIND[enumName('kind', u.kind)] || '';
  return `${u.name}${kind ? '（' + kind + '）' : ''}`;
}

let pickerSeq = 0;

/**
 * A keyboard-first picker. options: items [{id, name, parent_id?, code?}], tree (show full paths
 * and allow browsing), placeholder, value (initial id), onChange(id), labelOf(item), name (for
 * the hidden field). Returns an element with .value (id or "") and .setValue(id).
 */
export function picker({ items, tree = false, placeholder = '输入名称或编码筛选', value = '', onChange, labelOf, name, id }) {
  const map = byId(items);
  const text = (it) => (labelOf ? labelOf(it) : tree ? treePath(map, it.id) : it.name);
  const all = items.map((it) => ({ it, label: text(it), key: (text(it) + ' ' + (it.code || '')).toLowerCase() }));
  const listId = 'pick-' + ++pickerSeq;
  let current = '';
  let shown = [];
  let active = -1;
  const input = h('input.picker-input', {
    type: 'text', id, placeholder, autocomplete: 'off', role: 'combobox',
    'aria-expanded': 'false', 'aria-controls': listId, 'aria-autocomplete': 'list',
  });
  const hidden = h('input', { type: 'hidden', name });
  const pop = h('ul.picker-list', { id: listId, role: 'listbox', hidden: true });
  const wrap = h('div.picker', input, hidden, pop,
    tree ? h('button.icon.picker-browse', { type: 'button', tabIndex: -1, title: '浏览分类树', onclick: () => browse() }, '▾') : null);

  const choose = (it) => {
    current = it ? String(it.id) : '';
    hidden.value = current;
    input.value = it ? text(it) : '';
    close();
    if (onChange) onChange(current);
  };
  const render = () => {
    pop.replaceChildren(...shown.map((x, i) => h('li', {
      role: 'option', class: (i === active ? 'active ' : '') + (x.depth ? 'depth' + x.depth : ''),
      'aria-selected': i === active ? 'true' : 'false', dataset: { id: x.it.id },
      onmousedown: (e) => { e.preventDefault(); if (x.browse && x.hasKids) expand(x); else choose(x.it); },
    }, x.browse ? (x.hasKids ? '▸ ' : '  ') + x.it.name : x.label)));
    pop.hidden = !shown.length;
    input.setAttribute('aria-expanded', shown.length ? 'true' : 'false');
    const a = pop.children[active];
    if (a) a.scrollIntoView({ block: 'nearest' });
  };
  const close = () => { shown = []; active = -1; render(); };
  const filter = () => {
    const q = input.value.trim().toLowerCase();
    if (!q) { close(); return; }
    const words = q.split(/\s+/);
    shown = all.filter((x) => words.every((w) => x.key.includes(w)))
      .sort((a, b) => a.label.length - b.label.length).slice(0, 60);
    active = shown.length ? 0 : -1;
    render();
  };
  const kids = new Map();
  for (const it of items) {
    const p = Number(it.parent_id || 0);
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(it);
  }
  const roots = items.filter((it) => !it.parent_id || !map.has(Number(it.parent_id)));
  const browse = () => {
    shown = roots.map((it) => ({ it, browse: true, depth: 0, hasKids: kids.has(Number(it.id)), label: it.name }));
    active = 0;
    render();
    input.focus();
  };
  const expand = (x) => {
    const i = shown.indexOf(x);
    const sub = (kids.get(Number(x.it.id)) || []).map((it) => ({
      it, browse: true, depth: x.depth + 1, hasKids: kids.has(Number(it.id)), label: it.name,
    }));
    if (shown[i + 1] && shown[i + 1].depth > x.depth) {
      let j = i + 1;
      while (j < shown.length && shown[j].depth > x.depth) j++;
      shown.splice(i + 1, j - i - 1);
    } else shown.splice(i + 1, 0, ...sub);
    active = i;
    render();
  };
  input.addEventListener('input', filter);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!shown.length) { if (tree && !input.value) browse(); else filter(); return; }
      active = Math.min(shown.length - 1, active + 1); render();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault(); active = Math.max(0, active - 1); render();
    } else if (e.key === 'ArrowRight' && shown[active]?.browse && shown[active].hasKids) {
      e.preventDefault(); expand(shown[active]);
    } else if (e.key === 'ArrowLeft' && shown[active]?.browse && shown[active].depth > 0) {
      e.preventDefault();
      let p = active;
      while (p > 0 && shown[p].depth >= shown[active].depth) p--;
      expand(shown[p]); // collapses the parent and moves there
    } else if (e.key === 'Enter' && shown.length && active >= 0) {
      e.preventDefault(); e.stopPropagation(); choose(shown[active].it);
    } else if (e.key === 'Escape' && shown.length) {
      e.preventDefault(); e.stopPropagation(); close();
    }
  });
  input.addEventListener('blur', () => {
    setTimeout(() => {
      if (document.activeElement === input) return;
      close();
      // Typed text that no longer names the choice clears it; an exact label picks it.
      const exact = all.find((x) => x.label === input.value.trim() || x.it.name === input.value.trim());
      if (exact) { if (String(exact.it.id) !== current) choose(exact.it); } else if (input.value.trim() === '') choose(null);
      else input.value = current ? text(map.get(Number(current))) : '';
    }, 120);
  });
  Object.defineProperty(wrap, 'value', { get: () => current });
  wrap.setValue = (idv) => {
    const it = idv ? map.get(Number(idv)) : null;
    current = it ? String(it.id) : '';
    hidden.value = current;
    input.value = it ? text(it) : '';
  };
  wrap.focus = () => input.focus();
  wrap.input = input;
  if (value) wrap.setValue(value);
  return wrap;
}

/** Several choices from a picker, shown as removable chips. .value is an array of ids. */
export function multiPicker(opts) {
  const chosen = [];
  const chips = h('div.chips');
  const map = byId(opts.items);
  const p = picker({
    ...opts,
    onChange: (v) => {
      if (v && !chosen.includes(v)) chosen.push(v);
      p.setValue('');
      draw();
    },
  });
  const draw = () => {
    chips.replaceChildren(...chosen.map((v) => h('span.chip.removable', map.get(Number(v)) ? (opts.labelOf ? opts.labelOf(map.get(Number(v))) : map.get(Number(v)).name) : v,
      h('button.icon', { type: 'button', title: '移除', onclick: () => { chosen.splice(chosen.indexOf(v), 1); draw(); } }, '×'))));
  };
  const wrap = h('div.multi', chips, p);
  Object.defineProperty(wrap, 'value', { get: () => chosen.slice() });
  wrap.setValue = (arr) => { chosen.splice(0, chosen.length, ...(arr || []).map(String)); draw(); };
  wrap.focus = () => p.focus();
  wrap.input = p.input;
  return wrap;
}
