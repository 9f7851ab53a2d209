// The call-taker's intake screen: a keyboard-first form (Alt+letter jumps to a field, Ctrl+Enter
// registers); beside it while typing the caller's history (from 7 digits of the phone), likely
// duplicates among recent orders (one click registers the call as a duplicate and does not file
// it) and the suggested category and units; then the next step at once: file, answer directly,
// not file with a reason, or transfer to 110/119/120.
import * as api from '../api.js';
import { h, mount, toast, debounce, errorText } from '../ui.js';
import { buildForm, compact, uploadFiles } from '../forms.js';
import { CHANNEL, TYPE, TIER, ACTION, STATUS, enumName, fmtTime, fmtDate } from '../labels.js';
import { availableActions, levelOptions, runAction } from '../actions.js';
import { refs, statusChip } from './common.js';
import { go, policy, onLeave } from '../app.js';
import { kbPanel } from './kb.js';

export async function render(view, ctx) {
  const r = await refs();
  const pol = await policy();
  const result = h('section.panel.result', { 'aria-live': 'polite' }, h('h2', '受理结果'), h('p.muted', '登记后在此处理：立案、直接答复、不予立案或一键转接。'));
  const history = h('section.panel.history', { id: 'caller-history', 'aria-live': 'polite' });
  const dups = h('section.panel.dups', { id: 'duplicates', 'aria-live': 'polite' });
  const hints = h('section.panel.suggest', { id: 'suggestions', 'aria-live': 'polite' });
  const idleHistory = () => mount(history, h('h2', '来电历史'), h('p.muted', '输入来电号码（至少 7 位）后显示该来电人的历史工单。'));
  const idleDups = () => mount(dups, h('h2', '可能重复'), h('p.muted', '输入标题或内容后，结合来电号码、地址和区域显示近期可能重复的诉求。'));
  const idleHints = () => mount(hints, h('h2', '智能建议'), h('p.muted', '输入标题或内容后建议分类和承办单位。'));
  idleHistory();
  idleDups();
  idleHints();
  let dupTarget = null; // the candidate of "作为重复诉求登记" while its submit runs
  let quick = false; // "登记并秒回" while its submit runs
  // knowledge-base entries for the complaint being typed (秒回)
  const kbp = kbPanel({ onQuick: () => { quick = true; form.requestSubmit(); quick = false; } });
  let cited = null; // the entry cited for the order just registered

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
    { name: 'level', label: '等级', type: 'select', options: levelOptions(pol), value: Object.keys(levelOptions(pol))[0], required: true, key: 'l' },
    { name: 'tier', label: '办理时限档', type: 'select', options: TIER, value: 'none', required: true },
    { name: 'region_id', label: '所属区域', type: 'tree', items: r.regions, key: 'r', wide: true },
    { name: 'address', label: '地址', key: 'd', wide: true, maxlength: 300 },
    { name: 'upstream_id', label: '市级工单号', when: (v) => v.channel === 'upstream', required: true },
    { name: 'upstream_deadline', label: '市级考核时限', type: 'datetime', when: (v) => v.channel === 'upstream' },
    { name: 'attachments', label: '附件', type: 'files', wide: true },
  ];

  const form = buildForm(fields, {
    submitLabel: '登记受理',
    ctrlEnterOnly: true,
    extra: h('p.keys.muted', h('kbd', 'Alt'), '+字母 跳到字段，', h('kbd', 'Ctrl'), '+', h('kbd', 'Enter'), ' 登记，', h('kbd', '↓'), ' 浏览分类树，', h('kbd', 'Alt'), '+', h('kbd', 'S'), ' 采用建议分类'),
    onSubmit: async (v) => {
      const dup = dupTarget; // read before the first await: set only while requestSubmit runs
      cited = kbp.cited();
      const fast = quick && cited; // register and answer at once with the cited entry
      const args = compact({ ...v, attachments: undefined });
      if (v.anonymous) { delete args.citizen_name; delete args.citizen_phone; args.wants_callback = false; delete args.needs_contact; }
      for (const k of ['anonymous', 'enterprise', 'needs_contact']) if (!args[k]) delete args[k];
      if (!v.anonymous) args.wants_callback = !!v.wants_callback;
      if (v.attachments && v.attachments.length) args.attachments = await uploadFiles(v.attachments);
      const answer = await api.post('/orders', args);
      const id = answer.order?.id ?? answer.id;
      let order = await api.get('/orders/' + id);
      form.clearAll();
      draft.clear();
      resetPanels();
      if (!dup && fast) {
        try {
          await api.post(`/orders/${order.id}/actions/answer`, { version: Number(order.version), answer: fast.answer, kb_entry: Number(fast.id) });
          order = await api.get('/orders/' + order.id);
          toast(`已受理并秒回：${order.number}`);
          showResult(order, h('p.kb-answered', { id: 'kb-answered' }, '已依据知识库条目“', h('a', { href: '#/kb/' + fast.id }, fast.question), `”（第${fast.version}版）直接答复。`));
        } catch (err) {
          toast(`已受理 ${order.number}，但未能直接答复：${errorText(err)}`, 'error');
          showResult(order);
        }
        return;
      }
      if (!dup) {
        toast(`已受理：${order.number}`);
        showResult(order);
        result.querySelector('button')?.focus();
        return;
      }
      // Registered as a duplicate: not filed at once, pointing at the earlier order.
      try {
        await api.post(`/orders/${order.id}/actions/not_file`, {
          version: Number(order.version), reason: 'duplicate', duplicate_of: Number(dup.id),
          explanation: `与工单 ${dup.number} 为同一诉求，受理时关联`,
        });
        order = await api.get('/orders/' + order.id);
        toast(`已受理 ${order.number}，作为工单 ${dup.number} 的重复诉求不予立案`);
        showResult(order, h('p.dup-note', { id: 'dup-result' }, '已作为工单 ', h('a.mono', { href: '#/order/' + dup.id }, dup.number), ' 的重复诉求登记，不予立案。'));
      } catch (err) {
        toast(`已受理 ${order.number}，但未能标记为重复：${errorText(err)}`, 'error');
        showResult(order, h('p.form-error', `未能作为工单 ${dup.number} 的重复诉求不予立案：${errorText(err)}`));
      }
      result.querySelector('a.mono')?.focus();
    },
  });
  form.id = 'intake-form';
  form.classList.add('grid-form');
  // The draft: what is typed is kept in this tab (sessionStorage) until it is registered, so that
  // leaving the screen (Alt+2, a link, a reload) does not throw a half-taken call away.
  const draft = intakeDraft(ctx, form, fields);

  const val = (name) => {
    const c = form.controls[name];
    return c ? String(c.value ?? '').trim() : '';
  };
  const digits = () => (form.values().anonymous ? '' : val('citizen_phone').replace(/\D/g, ''));
  const seqs = { history: 0, dups: 0, hints: 0 };
  const hide = (panel) => { panel.hidden = true; };

  // (a) The caller's history, from 7 digits of the phone on.
  const showHistory = debounce(async () => {
    const phone = digits();
    const my = ++seqs.history;
    if (phone.length < 7) { idleHistory(); return; }
    try {
      const data = await api.get(api.withQuery('/citizens/history', { phone, limit: 8 }));
      if (my !== seqs.history) return;
      const list = api.items(data);
      mount(history, h('h2', '来电历史', list.length ? h('span.badge', String(list.length) + (data.more ? '+' : '')) : null),
        list.length ? h('ul.mini-list', list.map((o) => h('li', { dataset: { id: o.id } },
          h('div.mini-head', h('a.mono', { href: '#/order/' + o.id }, o.number), ' ', statusChip(o), h('span.muted.small', ' ' + fmtDate(o.created_at))),
          h('div.mini-title', { title: o.title }, o.title))))
          : h('p.first-call', { id: 'first-call' }, '首次来电'),
        data.more ? h('a.small', { href: '#/search?q=' + encodeURIComponent(phone) }, '查看全部 →') : null);
      history.hidden = false;
    } catch (err) {
      if (my !== seqs.history) return;
      if (err.status === 403 || err.status === 404) hide(history);
      else mount(history, h('h2', '来电历史'), h('p.muted', '来电历史暂时无法查询：' + errorText(err)));
    }
  }, 350);

  // (b) Likely duplicates among recent orders.
  const CLOSED = ['closed', 'archived', 'not_filed', 'merged'];
  const showDups = debounce(async () => {
    const v = form.values();
    const body = compact({
      title: v.title, text: v.text, address: v.address, region_id: v.region_id, category_id: v.category_id,
      citizen_phone: v.anonymous ? '' : v.citizen_phone, citizen_name: v.anonymous ? '' : v.citizen_name,
    });
    const my = ++seqs.dups;
    // The server compares title or text (the caller, address and region weigh in beside them).
    if ((body.title || '').length < 2 && (body.text || '').length < 4) { idleDups(); return; }
    try {
      const data = await api.post('/duplicates', { ...body, limit: 5 }, { idempotent: false });
      if (my !== seqs.dups) return;
      const list = data.items || [];
      mount(dups, h('h2', '可能重复', list.length ? h('span.badge', String(list.length)) : null),
        list.length ? h('ul.mini-list.dup-list', list.map((d) => {
          const o = d.order || {};
          const st = enumName('status', o.status);
          const open = !CLOSED.includes(st);
          return h('li.dup' + (d.likely ? '.likely' : ''), { dataset: { id: o.id, number: o.number } },
            h('div.mini-head', h('a.mono', { href: '#/order/' + o.id }, o.number), ' ', statusChip(o),
              h('span.muted.small', ' ' + fmtDate(o.created_at)), h('b.score', { title: d.likely ? '很可能重复' : '相似' }, pct(d.score))),
            h('div.mini-title', { title: o.title }, o.title),
            (d.reasons || []).length ? h('div.tags', d.reasons.map((x) => h('span.tag', { dataset: { code: x.code } }, x.label))) : null,
            h('button.small.dup-register', {
              type: 'button', disabled: !open, title: open ? `登记本次来电并作为工单 ${o.number} 的重复诉求不予立案` : '该工单已办结、归档、不予立案或已并案，不能作为重复诉求关联',
              onclick: () => { dupTarget = o; form.requestSubmit(); dupTarget = null; },
            }, '作为重复诉求登记'));
        })) : h('p.muted', { id: 'no-dups' }, `近期没有相似工单（已比对 ${data.examined ?? 0} 件）`));
      dups.hidden = false;
    } catch (err) {
      if (my !== seqs.dups) return;
      if (err.status === 403 || err.status === 404) hide(dups);
    }
  }, 400);

  // (c) Suggested category and units.
  const showHints = debounce(async () => {
    const v = form.values();
    const my = ++seqs.hints;
    if ((v.title || '').length < 2 && (v.text || '').length < 4) { idleHints(); return; }
    try {
      const data = await api.post('/suggest', compact({ title: v.title, text: v.text, region_id: v.region_id }), { idempotent: false });
      if (my !== seqs.hints) return;
      const cats = (data.categories || []).slice(0, 3);
      const units = sortUnits(data.units || []).slice(0, 3);
      mount(hints, h('h2', '智能建议'),
        h('h3', '分类'),
        cats.length ? h('div.suggest-cats', cats.map((c, i) => h('button.suggest-cat', {
          type: 'button', dataset: { id: c.id }, title: (c.path || c.name) + '（点击填入分类）',
          onclick: () => {
            form.controls.category_id.setValue(c.id);
            form.controls.category_id.dispatchEvent(new Event('change', { bubbles: true }));
            toast(`分类已设为：${c.path || c.name}`, 'info');
          },
        }, h('span.s-name', c.name), h('span.s-path.muted.small', c.path && c.path !== c.name ? c.path : ''), h('b.pct', pct(c.confidence)), i === 0 ? h('kbd', { title: 'Alt+S 采用' }, 'S') : null))) : h('p.muted', '暂无分类建议'),
        h('h3', '承办单位'),
        units.length ? h('ul.suggest-units', units.map((u) => h('li', { dataset: { id: u.id } },
          h('span.s-name', u.name), h('span.tag', u.source === 'catalogue' ? '目录' : '模型'), h('b.pct', pct(u.confidence))))) : h('p.muted', '暂无单位建议'),
        data.model_at ? h('p.muted.small', `模型训练于 ${fmtTime(data.model_at)}`) : null);
      hints.hidden = false;
    } catch (err) {
      if (my !== seqs.hints) return;
      if (err.status === 403 || err.status === 404) hide(hints);
    }
  }, 450);

  const resetPanels = () => {
    seqs.history++; seqs.dups++; seqs.hints++;
    idleHistory(); idleDups(); idleHints(); kbp.reset();
  };
  const DUP_FIELDS = ['title', 'text', 'address', 'citizen_phone', 'citizen_name', 'region_id', 'category_id', 'anonymous'];
  const fieldOf = (e) => e.target.closest && e.target.closest('[data-field]')?.dataset.field;
  const onEdit = (e) => {
    const f = fieldOf(e);
    if (f === 'citizen_phone' || f === 'anonymous') showHistory();
    if (DUP_FIELDS.includes(f)) showDups();
    if (f === 'title' || f === 'text' || (f === 'region_id' && e.type === 'change')) showHints();
    if (f === 'title' || f === 'text') kbp.update(`${val('title')} ${val('text')}`);
  };
  form.addEventListener('input', onEdit);
  form.addEventListener('change', onEdit);
  form.addEventListener('input', draft.saveSoon);
  form.addEventListener('change', draft.saveSoon);
  form.addEventListener('focusout', draft.saveSoon);
  // A picker sets its value without an input event: look again when it loses focus.
  form.addEventListener('focusout', (e) => {
    const f = fieldOf(e);
    if (f === 'region_id' || f === 'category_id') setTimeout(() => onEdit({ type: 'change', target: e.target }), 150);
  });
  // Alt+S takes the first suggested category.
  form.addEventListener('keydown', (e) => {
    if (e.altKey && !e.ctrlKey && e.key.toLowerCase() === 's') { const b = hints.querySelector('button.suggest-cat'); if (b) { e.preventDefault(); b.click(); } }
  });

  const showResult = (order, note) => {
    const actx = { ...ctx, ...r, policy: pol, kb: cited };
    const acts = availableActions(order, actx);
    mount(result, h('h2', '受理结果'),
      h('p', h('a.mono.big', { href: '#/order/' + order.id }, order.number), ' ', h('span', { dataset: { status: enumName('status', order.status) } }, statusChip(order))),
      h('p', order.title),
      note || null,
      h('div.actions', acts.map((a, i) => h('button' + (i === 0 ? '.primary' : ''), {
        type: 'button', dataset: { action: a },
        onclick: async () => {
          const cur = await api.get('/orders/' + order.id);
          const res = await runAction(a, cur, actx);
          if (res) showResult(await api.get('/orders/' + order.id));
        },
      }, a === 'answer' && cited ? '直接答复（引用知识库）' : ACTION[a]))),
      h('p.muted.small', `当前状态：${STATUS[enumName('status', order.status)] || order.status}`),
      h('button.link', { type: 'button', onclick: () => go('order/' + order.id) }, '打开工单详情 →'));
  };

  const draftNote = h('div.draft-note', { id: 'intake-draft', hidden: true, role: 'status' });
  const restored = draft.restore();
  if (restored) {
    mount(draftNote, h('span', `已恢复未登记的受理草稿（保存于 ${fmtTime(restored)}）。`),
      h('button.link', { type: 'button', id: 'intake-draft-clear', onclick: () => { form.clearAll(); draft.clear(); resetPanels(); draftNote.hidden = true; form.controls.channel.focus(); } }, '清空草稿'));
    draftNote.hidden = false;
    onEdit({ type: 'change', target: form.controls.title });
    onEdit({ type: 'change', target: form.controls.citizen_phone });
  }
  onLeave(() => {
    if (draft.save()) toast('受理登记尚未提交，草稿已保存；回到“受理登记”可继续填写。', 'info');
  });

  mount(view,
    h('div.page-head', h('div', h('h1', '受理登记'), h('p.muted', '来电、网络、信件等渠道的诉求在此登记，自动编号。'))),
    draftNote,
    h('div.split-layout', h('section.panel', form), h('aside.side', result, kbp.el, history, dups, hints)));
  form.controls.channel.focus();
}

// Fields whose text makes a draft worth keeping (the selects always hold a default).
const DRAFT_TEXT = ['citizen_phone', 'citizen_name', 'title', 'text', 'category_id', 'region_id', 'address', 'upstream_id'];

/** The intake form's draft in sessionStorage, per user: save(), saveSoon(), restore(), clear(). */
function intakeDraft(ctx, form, fields) {
  const key = 'jiesu.intake.draft.' + (ctx.user?.login || ctx.user?.id || '');
  const names = fields.filter((f) => f.type !== 'files').map((f) => f.name);
  const save = () => {
    const v = form.values();
    if (!DRAFT_TEXT.some((k) => v[k] !== undefined && v[k] !== '')) { sessionStorage.removeItem(key); return false; }
    const keep = {};
    for (const k of names) if (k in v) keep[k] = v[k];
    sessionStorage.setItem(key, JSON.stringify({ at: new Date().toISOString(), values: keep }));
    return true;
  };
  return {
    save,
    saveSoon: debounce(save, 300),
    restore() {
      let d = null;
      try { d = JSON.parse(sessionStorage.getItem(key) || 'null'); } catch { d = null; }
      if (!d || !d.values) return null;
      form.setValues(d.values);
      return d.at;
    },
    clear() { sessionStorage.removeItem(key); },
  };
}

const pct = (x) => `${Math.round(Math.max(0, Math.min(1, Number(x) || 0)) * 100)}%`;

/** Units of a suggestion, the catalogue's first, then by confidence. */
export function sortUnits(units) {
  return units.slice().sort((a, b) => (a.source === 'catalogue' ? 0 : 1) - (b.source === 'catalogue' ? 0 : 1) || (b.confidence || 0) - (a.confidence || 0));
}
