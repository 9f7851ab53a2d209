// The application shell: session, top bar (user, unit, role), the navigation each role gets,
// and the hash router that renders one screen at a time into <main>.
import * as api from './api.js';
import { h, mount, toast, errorText, modal, loading } from './ui.js';
import { ROLE, enumName } from './labels.js';
import { buildForm } from './forms.js';
import * as ref from './refdata.js';
import * as live from './live.js';

// Each screen module exports render(main, ctx, params).
const SCREENS = {
  login: () => import('./views/login.js'),
  intake: () => import('./views/intake.js'),
  orders: () => import('./views/orders.js'),
  order: () => import('./views/order.js'),
  dispatch: () => import('./views/dispatch.js'),
  inbox: () => import('./views/inbox.js'),
  review: () => import('./views/review.js'),
  callback: () => import('./views/callback.js'),
  supervise: () => import('./views/supervise.js'),
  dashboard: () => import('./views/dashboard.js'),
  assess: () => import('./views/assess.js'),
  admin: () => import('./views/admin.js'),
  audit: () => import('./views/audit.js'),
  search: () => import('./views/search.js'),
  kb: () => import('./views/kb.js'),
  reports: () => import('./views/reports.js'),
  warnings: () => import('./views/warnings.js'),
  topics: () => import('./views/hotspot_topics.js'),
};

// Navigation per role: [hash, label].
const NAV = {
  agent: [['intake', '受理登记'], ['orders', '工单查询'], ['kb', '知识库']],
  dispatcher: [['dispatch', '分拨工作台'], ['intake', '受理登记'], ['review', '结案审核'], ['callback', '回访'], ['orders', '工单查询'], ['kb', '知识库']],
  reviewer: [['review', '结案审核'], ['orders', '工单查询']],
  callback: [['callback', '回访'], ['orders', '工单查询']],
  supervisor: [['dashboard', '监督看板'], ['supervise', '督办'], ['warnings', '预警信息'], ['assess', '考核排名'], ['orders', '工单查询'], ['kb', '知识库审核'], ['reports', '报告'], ['topics', '预警专题']],
  leader: [['dashboard', '领导看板'], ['warnings', '预警信息'], ['reports', '报告'], ['assess', '考核排名'], ['orders', '工单查询'], ['kb', '知识库']],
  admin: [['admin/units', '系统管理'], ['dashboard', '看板'], ['orders', '工单查询'], ['audit', '审计日志'], ['warnings', '预警信息'], ['topics', '预警专题'], ['kb', '知识库审核'], ['reports', '报告']],
  auditor: [['audit', '审计日志'], ['reports', '报告']],
  unit_operator: [['inbox', '单位工作台'], ['warnings', '预警信息'], ['assess', '本单位考核'], ['orders', '本单位工单'], ['kb', '知识库'], ['reports', '月度分析']],
  unit_leader: [['inbox', '单位工作台'], ['warnings', '预警信息'], ['assess', '本单位考核'], ['orders', '本单位工单'], ['kb', '知识库'], ['reports', '月度分析']],
};

const ctx = { user: null, unit: null, policy: null };
const main = document.getElementById('main');
const bar = document.getElementById('topbar');
let renderSeq = 0;
let leaveHooks = []; // what the screen on view wants done when it is left (e.g. keep a draft)

/** Registers fn to run once when the current screen is left (another screen, or reloaded). */
export function onLeave(fn) { leaveHooks.push(fn); }

/** Reloads the current screen (after an action). */
export function refresh() { route(); }

/** Navigates to a hash path like "order/12". */
export function go(path) {
  if (location.hash === '#/' + path) route();
  else location.hash = '#/' + path;
}

/** The effective policy document (loaded once). */
export async function policy() {
  if (!ctx.policy) ctx.policy = await api.get('/policy').catch(() => ({}));
  return ctx.policy;
}

function homeOf(role) {
  return (NAV[role] || [['orders']])[0][0];
}

function drawBar() {
  if (!ctx.user) { bar.hidden = true; return; }
  bar.hidden = false;
  const u = ctx.user;
  const nav = NAV[u.role] || [];
  const cur = (location.hash.replace(/^#\//, '') || '').split('?')[0];
  // On a phone the navigation folds behind a menu button (see the 700 px rules in app.css).
  const menuBtn = h('button.menu-toggle', {
    type: 'button', id: 'menu-toggle', 'aria-label': '菜单', 'aria-expanded': 'false', 'aria-controls': 'main-nav',
    onclick: () => {
      const open = !bar.classList.contains('nav-open');
      bar.classList.toggle('nav-open', open);
      menuBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    },
  }, '☰ 菜单');
  bar.classList.remove('nav-open');
  mount(bar,
    h('a.brand', { href: '#/' + homeOf(u.role) }, h('span.logo', '办'), h('span', '接诉即办')),
    menuBtn,
    h('nav.nav#main-nav', { 'aria-label': '主导航' }, nav.map(([p, l], i) =>
      h('a', { href: '#/' + p, class: cur.split('/')[0] === p.split('/')[0] ? 'active' : null, title: `Alt+${i + 1}`, dataset: { nav: p } }, l))),
    searchBox(),
    h('div.who', { dataset: { testid: 'who' } },
      h('span.user-name', u.name || u.login),
      ctx.unit ? h('span.unit-name', ctx.unit.name) : h('span.unit-name', '区级平台'),
      h('span.role-name.chip', ROLE[u.role] || u.role),
      soundToggle(),
      h('button.link', { type: 'button', onclick: changePassword }, '修改密码'),
      h('button.link', { type: 'button', id: 'logout', onclick: logout }, '退出')));
}

// The bell: the tone that announces new work, on or off (remembered in this browser).
function soundToggle() {
  const b = h('button.link.sound', { type: 'button', id: 'sound-toggle', 'aria-pressed': live.soundOn() ? 'true' : 'false' });
  const draw = () => {
    const on = live.soundOn();
    b.textContent = on ? '🔔 提示音' : '🔕 静音';
    b.title = on ? '新工单到达时响铃；点击关闭提示音' : '提示音已关闭；点击打开';
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  };
  b.addEventListener('click', () => { live.setSound(!live.soundOn()); draw(); });
  draw();
  return b;
}

// The global search box: one query read as an order number, upstream id, caller's phone or name,
// or words of the orders' text. "/" or Ctrl+K focuses it, Enter opens #/search?q=….
function searchBox() {
  const raw = location.hash.replace(/^#\/?/, '');
  const onSearch = raw.startsWith('search');
  const cur = onSearch ? new URLSearchParams(raw.split('?')[1] || '').get('q') || '' : '';
  const input = h('input', {
    type: 'search', id: 'global-search', name: 'q', value: cur, autocomplete: 'off', enterkeyhint: 'search',
    placeholder: '工单号、电话、姓名或关键词', title: '搜索工单（/ 或 Ctrl+K）', 'aria-label': '搜索工单',
  });
  input.addEventListener('keydown', (e) => { if (e.key === 'Escape') { input.value = ''; input.blur(); } });
  return h('form.top-search', {
    role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      const q = input.value.trim();
      if (!q) { input.focus(); return; }
      go('search?q=' + encodeURIComponent(q));
    },
  }, input, h('kbd', { title: '按 / 或 Ctrl+K 搜索' }, '/'));
}

/** Focuses the top bar's search box (selecting what it holds). */
export function focusSearch() {
  const el = document.getElementById('global-search');
  if (el) { el.focus(); el.select(); }
}

async function changePassword() {
  await modal('修改密码', (close) => buildForm([
    { name: 'old_password', label: '原密码', type: 'password', required: true },
    { name: 'new_password', label: '新密码', type: 'password', required: true, autocomplete: 'new-password', hint: '至少 8 位' },
  ], {
    submitLabel: '修改',
    onSubmit: async (v) => { await api.post('/auth/password', v); toast('密码已修改'); close(true); },
    cancel: () => close(null),
  }));
}

async function logout() {
  try { await api.post('/auth/logout', {}, { noAuthRedirect: true }); } catch { /* token may be gone already */ }
  endSession();
}

// The page asked for before the login screen, to return to after it (per tab).
const NEXT_KEY = 'jiesu.next';
function rememberTarget() {
  const raw = location.hash.replace(/^#\/?/, '');
  if (raw && !raw.startsWith('login')) sessionStorage.setItem(NEXT_KEY, raw);
}

function endSession({ keepTarget = false } = {}) {
  if (keepTarget) rememberTarget();
  live.stop();
  api.dropToken();
  ctx.user = ctx.unit = ctx.policy = null;
  ref.invalidate();
  drawBar();
  location.hash = '#/login';
}

/** Called by the login screen with the answer of POST /auth/login. */
export async function startSession(answer) {
  api.setToken(answer.token);
  await loadMe();
  const next = sessionStorage.getItem(NEXT_KEY);
  sessionStorage.removeItem(NEXT_KEY);
  location.hash = '#/' + (next || homeOf(ctx.user.role));
}

async function loadMe(known) {
  const me = known && known.role ? known : await api.get('/me');
  const user = me.user || me;
  user.role = enumName('role', user.role);
  ctx.user = user;
  ctx.unit = null;
  if (user.unit_id) {
    ctx.unit = user.unit || (await ref.units().catch(() => [])).find((x) => Number(x.id) === Number(user.unit_id)) || null;
  }
}

async function route() {
  const seq = ++renderSeq;
  const hooks = leaveHooks;
  leaveHooks = [];
  for (const fn of hooks) {
    try { fn(); } catch { /* a failing hook must not keep the user on the screen */ }
  }
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart] = raw.split('?');
  const parts = pathPart.split('/').filter(Boolean);
  if (!ctx.user && parts[0] !== 'login') {
    if (api.getToken()) {
      try { await loadMe(); } catch { api.dropToken(); }
    }
    if (!ctx.user) { rememberTarget(); location.hash = '#/login'; return; }
  }
  if (!parts.length) { location.hash = '#/' + (ctx.user ? homeOf(ctx.user.role) : 'login'); return; }
  const name = parts[0];
  const load = SCREENS[name];
  live.stop(); // a queue screen starts watching again when it is drawn
  drawBar();
  live.drawBadges();
  if (!load) { mount(main, h('div.empty', '没有这个页面')); return; }
  mount(main, loading());
  try {
    const mod = await load();
    if (seq !== renderSeq) return;
    const view = h('div.view', { dataset: { view: name } });
    mount(main, view);
    await mod.render(view, ctx, { parts: parts.slice(1), query: new URLSearchParams(queryPart || '') });
    document.title = (view.querySelector('h1')?.textContent || '接诉即办') + ' · 接诉即办';
  } catch (err) {
    if (seq !== renderSeq) return;
    if (err.status === 401) return;
    mount(main, h('div.error-page', h('h1', '出错了'), h('p', errorText(err))));
  }
}

api.setUnauthorizedHandler(() => {
  if (ctx.user) toast('登录已过期，请重新登录', 'error');
  endSession({ keepTarget: true });
});

document.addEventListener('keydown', (e) => {
  if (!ctx.user) return;
  const typing = e.target.closest && e.target.closest('input, textarea, select, [contenteditable=true]');
  if (((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') || (e.key === '/' && !typing && !e.ctrlKey && !e.altKey && !e.metaKey)) {
    if (document.querySelector('.modal-back')) return;
    e.preventDefault();
    focusSearch();
    return;
  }
  if (!e.altKey || e.ctrlKey || e.metaKey) return;
  const n = Number(e.key);
  const nav = NAV[ctx.user.role] || [];
  if (n >= 1 && n <= nav.length) { e.preventDefault(); go(nav[n - 1][0]); }
});

window.addEventListener('hashchange', route);
// A reload or a closed tab leaves the screen too (the hooks stay: the page may come back).
window.addEventListener('pagehide', () => {
  for (const fn of leaveHooks) {
    try { fn(); } catch { /* nothing to do while the page goes */ }
  }
});
window.addEventListener('unhandledrejection', (e) => {
  const err = e.reason || {};
  if (err.status === 401) { e.preventDefault(); return; }
  if (err.status !== undefined) { e.preventDefault(); toast(errorText(err), 'error'); }
});

await api.loadRoutes();
route();
