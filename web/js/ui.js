// Small DOM toolkit: element builder, toasts, modal dialogs, tabs, tables and a field-spec form
// builder used by every screen. No framework.

/** Creates an element: h('div.card#x', {onclick, class, ...attrs}, ...children). */
export function h(sel, attrs, ...children) {
  const m = /^([a-z0-9-]+)?((?:[.#][\w-]+)*)$/i.exec(sel) || [];
  const el = document.createElement(m[1] || 'div');
  for (const part of (m[2] || '').match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs !== undefined && attrs !== null && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'class') el.className += (el.className ? ' ' : '') + v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'checked') { el.checked = v; el.defaultChecked = !!v; }
    else if (k === 'selected') { el.selected = v; el.defaultSelected = !!v; }
    else if (k === 'value') { el.value = v; if (el.tagName === 'INPUT') el.defaultValue = v; }
    else if (k === 'disabled' || k === 'htmlFor') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces el's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const ERR_ZH = {
  not_found: '工单或对象不存在，或您无权查看',
  forbidden: '您的角色无权执行此操作',
  version_conflict: '工单已被他人更新，请刷新后重试',
  bad_state: '当前状态下不能执行此操作',
  window_closed: '已超出规定时限',
  attachment_required: '再次退单须上传本单位主管领导签署意见的说明附件',
  rule_violation: '不符合办理规定',
  missing_field: '缺少必填项',
  unknown_field: '包含未知字段',
  wrong_type: '字段类型错误',
  too_long: '内容过长',
  invalid: '填写的值无效',
  bad_json: '请求格式错误',
  unauthorized: '请先登录',
  rate_limited: '尝试次数过多，请稍后再试',
  exists: '已存在',
  too_large: '内容过大',
  busy: '系统繁忙，请稍后再试',
  network: '网络错误',
  bad_utf8: '文字编码无效',
  unsupported_media: '不支持的内容类型',
  method_not_allowed: '不支持此操作',
  too_many_params: '查询参数过多',
  no_memory: '服务器内存不足',
  io: '服务器读写出错',
  database: '数据库出错',
  internal: '系统内部错误',
};

/** Chinese text for an error (ApiError or other). */
export function errorText(err) {
  const zh = ERR_ZH[err.code] || '操作失败';
  const msg = err.message || '';
  // The server's messages are Chinese sentences that say what went wrong: shown as they are
  // (after the kind of refusal when they do not already say it); anything else gets the kind only.
  if (/[\u4e00-\u9fff]/.test(msg)) {
    if (msg === zh || msg.startsWith(zh) || ['version_conflict', 'unauthorized', 'not_found', 'network'].includes(err.code)) return msg;
    return `${zh}：${msg}`;
  }
  if (msg && /[A-Za-z]{3,}/.test(msg.replace(/[a-z]+_[a-z_]+/g, ''))) return zh; // never an English sentence
  if (!msg || msg === err.code) return zh;
  return `${zh}（${msg}）`;
}

let toastBox;
/** Shows a transient message; kind "ok" | "error" | "info". */
export function toast(msg, kind = 'ok') {
  if (!toastBox) toastBox = document.body.appendChild(h('div.toasts', { role: 'status', 'aria-live': 'polite' }));
  const t = h('div.toast.' + kind, msg);
  toastBox.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 3500);
}

/**
 * Opens a modal dialog with content and buttons; resolves with the value passed to close(), or
 * null when cancelled (Esc, ×). build(close) returns the content nodes.
 */
export function modal(title, build, { wide = false } = {}) {
  return new Promise((resolve) => {
    const prev = document.activeElement;
    const back = h('div.modal-back');
    const close = (v) => {
      back.remove();
      document.removeEventListener('keydown', onKey, true);
      if (prev && prev.focus) prev.focus();
      resolve(v === undefined ? null : v);
    };
    const onKey = (e) => {
      if (e.key === 'Escape') { e.preventDefault(); close(null); }
    };
    const box = h('div.modal' + (wide ? '.wide' : ''), { role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      h('div.modal-head', h('h2', title), h('button.icon', { type: 'button', title: '关闭 (Esc)', 'aria-label': '关闭', onclick: () => close(null) }, '×')),
      h('div.modal-body', build(close)));
    back.appendChild(box);
    document.body.appendChild(back);
    document.addEventListener('keydown', onKey, true);
    const first = box.querySelector('input:not([type=hidden]):not([disabled]), select, textarea, button.primary');
    if (first) first.focus();
  });
}

/** Asks a yes/no question. */
export function confirmBox(title, text, okText = '确定') {
  return modal(title, (close) => [
    h('p', text),
    h('div.form-actions',
      h('button.primary', { type: 'button', onclick: () => close(true) }, okText),
      h('button', { type: 'button', onclick: () => close(false) }, '取消')),
  ]);
}

/** Tabs: [{key, label, count?}], active key, onSelect. Returns the tab bar. */
export function tabs(list, active, onSelect) {
  return h('div.tabs', { role: 'tablist' }, list.map((t) =>
    h('button.tab' + (t.key === active ? '.active' : ''), {
      type: 'button', role: 'tab', 'aria-selected': t.key === active ? 'true' : 'false',
      dataset: { tab: t.key }, onclick: () => onSelect(t.key),
    }, t.label, t.count !== undefined ? h('span.badge', String(t.count)) : null)));
}

/**
 * A table: cols [{label, get(row) → text|Node, class?}], rows, onRow(row) for a click/Enter.
 */
export function table(cols, rows, { onRow, empty = '暂无数据', rowClass } = {}) {
  if (!rows.length) return h('div.empty', empty);
  const drawRow = (r) => {
    const tr = h('tr', { class: rowClass ? rowClass(r) : null },
      cols.map((c) => h('td', { class: c.class }, c.get(r))));
    if (onRow) {
      tr.tabIndex = 0;
      tr.classList.add('link');
      tr.addEventListener('click', (e) => { if (!e.target.closest('a,button,input,label')) onRow(r); });
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') onRow(r); });
    }
    return tr;
  };
  const tbody = h('tbody', rows.map(drawRow));
  // Sorting by any column: a click on its heading sorts the rows shown, again reverses them.
  // A column sorts by its sort(row) key when it has one, by its text otherwise; sort: false
  // (and an empty heading: check boxes, buttons) leaves it out.
  const state = { col: -1, dir: 1 };
  const keyOf = (c, r) => {
    if (c.sort) return c.sort(r);
    const v = c.get(r);
    return v instanceof Node ? v.textContent.trim() : String(v ?? '');
  };
  const sortBy = (i, th) => {
    const c = cols[i];
    state.dir = state.col === i ? -state.dir : 1;
    state.col = i;
    const keyed = rows.map((r, k) => ({ r, k, key: keyOf(c, r) }));
    keyed.sort((a, b) => {
      let d;
      if (typeof a.key === 'number' && typeof b.key === 'number') d = a.key - b.key;
      else if (a.key === '' || b.key === '') d = (a.key === '') - (b.key === ''); // blanks last
      else d = String(a.key).localeCompare(String(b.key), 'zh-CN', { numeric: true });
      if (a.key === '' || b.key === '') return d || a.k - b.k;
      return d * state.dir || a.k - b.k;
    });
    tbody.replaceChildren(...keyed.map((x) => drawRow(x.r)));
    for (const other of th.parentNode.children) other.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending');
  };
  const head = cols.map((c, i) => {
    if (c.sort === false || !c.label) return h('th', { class: c.class }, c.label);
    const th = h('th', { class: c.class });
    th.appendChild(h('button.sort', { type: 'button', title: '按此列排序', onclick: () => sortBy(i, th) }, c.label));
    return th;
  });
  return h('div.table-wrap', h('table.grid', h('thead', h('tr', head)), tbody));
}

/** A labelled read-only value pair list. */
export function dl(pairs) {
  return h('dl.fields', pairs.filter(Boolean).map(([k, v]) => [h('dt', k), h('dd', v === '' || v === undefined || v === null ? '—' : v)]));
}

/** A status chip. */
export function chip(text, kind = '') {
  return h('span.chip' + (kind ? '.' + kind : ''), text);
}

/** A spinner-with-text placeholder. */
export function loading(text = '加载中…') {
  return h('div.loading', text);
}

/** Downloads text as a file. */
export function download(name, text, type = 'text/csv;charset=utf-8') {
  const blob = new Blob([type.startsWith('text/csv') ? '\ufeff' + text : text], { type });
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}

/**
 * One CSV cell. A text cell starting with = + - @, a tab or CR would be run as a formula by a
 * spreadsheet (CSV injection): it gets a leading apostrophe, as OWASP recommends (numbers stay
 * as they are, so -3 is still a number). The server's writer does the same (src/util/csv.c).
 */
export function csvCell(v) {
  let s = v === undefined || v === null ? '' : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

/**
 * The href of a URL shown as a link, or null to show it as text: only same-origin file
 * references (/api/v1/files/ID) and absolute http(s) URLs with a host are links; protocol-
 * relative (//host), data:, javascript: and anything else are not.
 */
export function safeHref(url) {
  const s = typeof url === 'string' ? url : '';
  if (/[\s\\\u0000-\u001f\u007f]/.test(s)) return null;
  if (/^\/api\/v1\/files\/[^/]/.test(s)) return s;
  if (!/^https?:\/\/[^/]/i.test(s)) return null;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host ? s : null;
  } catch {
    return null;
  }
}

/** CSV text from a header row and rows of cells (each cell defused by csvCell). */
export function toCsv(header, rows) {
  const cell = csvCell;
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A dropdown of checkboxes: options {value: label}; .value is the array of checked values. */
export function checkDropdown(options, selected = [], { id, allLabel = '全部' } = {}) {
  const boxes = Object.entries(options).map(([v, l]) => h('label.check-item', h('input', { type: 'checkbox', value: v, checked: selected.includes(v) }), l));
  const summary = h('summary', { id });
  const el = h('details.check-dropdown', summary, h('div.check-pop', boxes));
  const draw = () => {
    const on = boxes.filter((b) => b.firstChild.checked).map((b) => b.textContent);
    summary.textContent = on.length ? on.join('、') : allLabel;
  };
  el.addEventListener('change', draw);
  document.addEventListener('click', (e) => { if (!el.contains(e.target)) el.open = false; });
  draw();
  Object.defineProperty(el, 'value', { get: () => boxes.filter((b) => b.firstChild.checked).map((b) => b.firstChild.value) });
  return el;
}

/** Debounces fn by ms. */
export function debounce(fn, ms = 250) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
