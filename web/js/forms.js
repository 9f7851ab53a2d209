// Forms from field specs: labels, required marks, typed values, keyboard submit (Ctrl+Enter),
// server errors shown next to the field they name, and file uploads for attachments.
import * as api from './api.js';
import { h, errorText, toast } from './ui.js';
import { picker, multiPicker, unitLabel } from './refdata.js';
import { fromLocalInput, toLocalInput } from './labels.js';

let seq = 0;
const MAX_INLINE_URL = 2000;

/** Reads files chosen by the user into attachment objects {name, url, kind}. Uses the server's
 * upload route when it has one (POST /api/v1/files with the raw file as body and its name in
 * X-File-Name, answering {url}), else embeds small files as data: URLs of at most maxInline
 * characters. */
export async function uploadFiles(fileList, kind = 'file', maxInline = MAX_INLINE_URL) {
  const out = [];
  for (const f of Array.from(fileList || [])) {
    const k = kind !== 'file' ? kind : f.type.startsWith('image/') ? 'photo' : f.type.startsWith('audio/') ? 'recording' : 'file';
    if (api.has('POST', '/files')) {
      const r = await api.request('POST', '/files', {
        raw: f, type: f.type || 'application/octet-stream',
        headers: { 'X-File-Name': encodeURIComponent(f.name) },
      });
      out.push({ name: f.name, url: r.url || r.ref || r.path, kind: k });
    } else {
      const url = await new Promise((resolve, reject) => {
        const rd = new FileReader();
        rd.onload = () => resolve(rd.result);
        rd.onerror = () => reject(rd.error);
        rd.readAsDataURL(f);
      });
      // Without a file store an attachment travels inline, within the 2,000-character limit of
      // an attachment's url.
      if (url.length > maxInline) throw new Error(`附件“${f.name}”过大：服务器未提供文件存储时只能附带约 1 KB 以内的文件，请改附文件链接`);
      out.push({ name: f.name, url, kind: k });
    }
  }
  return out;
}

function optionList(opts) {
  if (Array.isArray(opts)) return opts.map((o) => (Array.isArray(o) ? o : [o, o]));
  return Object.entries(opts);
}

/**
 * Builds a form. fields: [{name, label, type, required, options, value, placeholder, hint,
 * maxlength, rows, items (for pickers), when(values) → bool (shown only when true), wide}].
 * opts: {submitLabel, onSubmit(values) → Promise, cancel(), extra (nodes before the buttons),
 * compact, ctrlEnterOnly (Enter in a one-line field does not submit, only Ctrl+Enter does)}.
 * The form element gets .values(), .setValues(values) and .setError(field, text).
 */
export function buildForm(fields, opts = {}) {
  const form = h('form.form' + (opts.compact ? '.compact' : ''), { novalidate: true });
  const controls = {};
  const rows = {};
  for (const f of fields) {
    const id = 'f' + ++seq + '-' + f.name;
    let ctl;
    switch (f.type || 'text') {
      case 'textarea':
        ctl = h('textarea', { id, name: f.name, rows: f.rows || 3, maxlength: f.maxlength, placeholder: f.placeholder }, f.value ?? '');
        break;
      case 'select':
        ctl = h('select', { id, name: f.name },
          f.required && f.value === undefined ? h('option', { value: '' }, '请选择') : (!f.required ? h('option', { value: '' }, f.emptyLabel || '—') : null),
          optionList(f.options).map(([v, l]) => h('option', { value: v, selected: String(f.value ?? '') === String(v) }, l)));
        break;
      case 'bool':
        ctl = h('input', { id, name: f.name, type: 'checkbox', checked: !!f.value });
        break;
      case 'radio':
        ctl = h('div.radios', { id, role: 'radiogroup' }, optionList(f.options).map(([v, l], i) =>
          h('label.radio', h('input', { type: 'radio', name: id, value: v, checked: String(f.value ?? '') === String(v) || (f.value === undefined && i === -1) }), l)));
        ctl.name = f.name;
        break;
      case 'number':
        ctl = h('input', { id, name: f.name, type: 'number', value: f.value ?? '', step: f.step || 'any', min: f.min, max: f.max });
        break;
      case 'datetime':
        ctl = h('input', { id, name: f.name, type: 'datetime-local', value: toLocalInput(f.value) });
        break;
      case 'date':
        ctl = h('input', { id, name: f.name, type: 'date', value: f.value ?? '' });
        break;
      case 'password':
        ctl = h('input', { id, name: f.name, type: 'password', value: f.value ?? '', autocomplete: f.autocomplete || 'current-password' });
        break;
      case 'tree':
        ctl = picker({ items: f.items, tree: true, value: f.value, name: f.name, id, placeholder: f.placeholder || '输入名称筛选，↓ 浏览' });
        break;
      case 'pick':
        ctl = picker({ items: f.items, value: f.value, name: f.name, id, labelOf: f.labelOf || unitLabel, placeholder: f.placeholder || '输入名称筛选' });
        break;
      case 'multi':
        ctl = multiPicker({ items: f.items, name: f.name, id, labelOf: f.labelOf || unitLabel, placeholder: f.placeholder || '输入名称添加' });
        if (f.value) ctl.setValue(f.value);
        break;
      case 'files':
        ctl = h('input', { id, name: f.name, type: 'file', multiple: f.multiple !== false });
        break;
      case 'custom':
        ctl = f.build();
        if (!ctl.id) ctl.id = id;
        break;
      default:
        ctl = h('input', { id, name: f.name, type: 'text', value: f.value ?? '', maxlength: f.maxlength, placeholder: f.placeholder, autocomplete: f.autocomplete || 'off' });
    }
    controls[f.name] = ctl;
    const lab = h('label', { htmlFor: ctl.input ? ctl.input.id || id : id }, f.label, f.required ? h('span.req', { title: '必填' }, '*') : null,
      f.key ? h('kbd', { title: `Alt+${f.key.toUpperCase()}` }, f.key.toUpperCase()) : null);
    if (ctl.input && !ctl.input.id) ctl.input.id = id;
    const row = h('div.field' + (f.type === 'bool' ? '.check' : '') + (f.wide ? '.wide' : ''), { dataset: { field: f.name } },
      f.type === 'bool' ? [ctl, lab] : [lab, ctl],
      f.hint ? h('div.hint', f.hint) : null,
      h('div.err', { role: 'alert' }));
    rows[f.name] = row;
    form.appendChild(row);
    if (f.key) {
      form.addEventListener('keydown', (e) => {
        if (e.altKey && e.key.toLowerCase() === f.key) { e.preventDefault(); (ctl.focus ? ctl : ctl.input || ctl).focus(); }
      });
    }
  }

  const values = () => {
    const v = {};
    for (const f of fields) {
      const row = rows[f.name];
      if (row.hidden) continue;
      const c = controls[f.name];
      let x;
      switch (f.type || 'text') {
        case 'bool': x = c.checked; break;
        case 'radio': x = c.querySelector('input:checked')?.value ?? ''; break;
        case 'number': x = c.value === '' ? '' : Number(c.value); break;
        case 'datetime': x = fromLocalInput(c.value); break;
        case 'tree': case 'pick': x = c.value ? Number(c.value) : ''; break;
        case 'multi': x = c.value.map(Number); break;
        case 'files': x = c.files; break;
        case 'custom': x = c.value; break;
        default: x = c.value.trim();
      }
      if (f.type === 'select' && f.numeric && x !== '') x = Number(x);
      v[f.name] = x;
    }
    return v;
  };
  const refresh = () => {
    const v = values();
    for (const f of fields) if (f.when) rows[f.name].hidden = !f.when(v);
  };
  form.addEventListener('change', refresh);
  form.addEventListener('input', refresh);

  const setError = (field, text) => {
    const row = rows[field];
    if (row) {
      row.classList.add('invalid');
      row.querySelector('.err').textContent = text;
      const c = controls[field];
      (c.input || c).focus?.();
      return true;
    }
    return false;
  };
  const clearErrors = () => {
    for (const r of Object.values(rows)) { r.classList.remove('invalid'); r.querySelector('.err').textContent = ''; }
    formErr.textContent = '';
  };
  const formErr = h('div.form-error', { role: 'alert' });
  const submitBtn = h('button.primary', { type: 'submit', title: 'Ctrl+Enter' }, opts.submitLabel || '提交');
  form.append(h('div.form-foot', opts.extra || null, formErr,
    h('div.form-actions', submitBtn,
      opts.cancel ? h('button', { type: 'button', onclick: opts.cancel }, '取消') : null)));
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    if (e.ctrlKey || e.metaKey) { e.preventDefault(); form.requestSubmit(); return; }
    // A browser submits a form on Enter in any one-line field ("implicit submission"); a long
    // form (intake) must not be sent half-filled by it, only by Ctrl+Enter or its button.
    if (opts.ctrlEnterOnly && e.target.tagName === 'INPUT' && e.target.type !== 'submit') e.preventDefault();
  });
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    clearErrors();
    const v = values();
    for (const f of fields) {
      if (!f.required || rows[f.name].hidden) continue;
      const x = v[f.name];
      if (x === '' || x === undefined || (Array.isArray(x) && !x.length) || (f.type === 'files' && !x.length)) {
        setError(f.name, '必填');
        return;
      }
    }
    busy = true;
    submitBtn.disabled = true;
    try {
      await opts.onSubmit(v, form);
    } catch (err) {
      const text = errorText(err);
      if (!(err.field && setError(err.field, text))) formErr.textContent = text;
      if (err.status === 0 || err.status >= 500) toast(text, 'error');
    } finally {
      busy = false;
      submitBtn.disabled = false;
    }
  });
  form.clearAll = () => {
    form.reset();
    for (const f of fields) {
      const c = controls[f.name];
      if (['tree', 'pick'].includes(f.type)) c.setValue(f.value || '');
      if (f.type === 'multi') c.setValue([]);
    }
    clearErrors();
    refresh();
  };
  // Puts values (as .values() gives them) back into the controls; files cannot be restored.
  form.setValues = (v) => {
    for (const f of fields) {
      if (!(f.name in (v || {}))) continue;
      const c = controls[f.name];
      const x = v[f.name];
      switch (f.type || 'text') {
        case 'bool': c.checked = !!x; break;
        case 'radio': for (const r of c.querySelectorAll('input')) r.checked = r.value === String(x); break;
        case 'datetime': c.value = toLocalInput(x); break;
        case 'tree': case 'pick': case 'multi': c.setValue(x); break;
        case 'files': case 'custom': break;
        default: c.value = x ?? '';
      }
    }
    refresh();
  };
  form.values = values;
  form.setError = setError;
  form.controls = controls;
  form.refresh = refresh;
  refresh();
  return form;
}

/** Drops empty strings, empty arrays and undefined from an args object. */
export function compact(v) {
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === '' || x === undefined || x === null || (Array.isArray(x) && !x.length)) continue;
    out[k] = x;
  }
  return out;
}
