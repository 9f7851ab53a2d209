// The audit trail for auditors (and admins): logins, reads of unmasked citizen data, admin
// changes, in order, paged with "cursor", filterable on screen and exportable as CSV.
import * as api from '../api.js';
import { h, mount, table, download, toCsv, loading } from '../ui.js';
import { fmtTime } from '../labels.js';

const ACTIONS_ZH = {
  login: '登录', login_failed: '登录失败', logout: '退出', read_citizen: '查看诉求人信息', password_change: '修改密码',
  unit_create: '新增单位', unit_update: '修改单位', user_create: '新增用户', user_update: '修改用户',
  region_create: '新增区域', region_update: '修改区域', category_create: '新增分类', category_update: '修改分类',
  catalogue_create: '新增职责目录', catalogue_delete: '删除职责目录', policy_update: '修改政策',
};

export async function render(view) {
  const users = new Map(api.items(await api.get('/users').catch(() => ({ items: [] }))).map((u) => [Number(u.id), u]));
  const rows = [];
  let cursor = null;
  let done = false;
  const filter = h('input', { type: 'search', placeholder: '按操作、用户或内容筛选', id: 'audit-filter' });
  const body = h('div', loading());
  const more = h('button', { type: 'button', onclick: () => page() }, '加载更多');
  const who = (e) => { const u = users.get(Number(e.user_id)); return u ? `${u.name}（${u.login}）` : e.user_id ? `#${e.user_id}` : '—'; };
  const draw = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? rows.filter((e) => `${e.action} ${ACTIONS_ZH[e.action] || ''} ${who(e)} ${e.detail}`.toLowerCase().includes(q)) : rows;
    mount(body, table([
      { label: '#', get: (e) => e.id },
      { label: '时间', get: (e) => fmtTime(e.at) },
      { label: '用户', get: who },
      { label: '操作', get: (e) => ACTIONS_ZH[e.action] || e.action },
      { label: '工单', get: (e) => (e.order_id ? h('a', { href: '#/order/' + e.order_id }, '#' + e.order_id) : '') },
      { label: '内容', class: 'title-col', get: (e) => e.detail },
    ], shown.slice().reverse(), { empty: '没有审计记录' }));
    more.hidden = done;
  };
  const page = async () => {
    const data = await api.get(api.withQuery('/audit', { cursor, limit: 500 }));
    const list = api.items(data);
    rows.push(...list);
    if (data.next_cursor) cursor = data.next_cursor; else done = true;
    draw();
  };
  filter.addEventListener('input', draw);
  mount(view,
    h('div.page-head', h('div', h('h1', '审计日志'), h('p.muted', '登录、查看诉求人信息及管理操作，只增不改。'))),
    h('div.toolbar', filter, h('button', { type: 'button', onclick: () => download('审计日志.csv', toCsv(['序号', '时间', '用户', '操作', '工单', '内容'], rows.map((e) => [e.id, fmtTime(e.at), who(e), ACTIONS_ZH[e.action] || e.action, e.order_id || '', e.detail]))) }, '导出 CSV')),
    body, h('div.more', more));
  await page();
  while (!done && rows.length < 5000) await page();
}
