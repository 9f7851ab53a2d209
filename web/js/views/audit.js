// The audit trail for auditors (and admins): logins, reads of unmasked citizen data, admin
// changes. Filtered on the server by user, order number, kind and dates, newest first, paged with
// "cursor"; each entry's order by its number and its details in Chinese; exportable as CSV.
import * as api from '../api.js';
import { h, mount, table, download, toCsv, loading, errorText } from '../ui.js';
import { ROLE, fmtTime } from '../labels.js';

export const ACTIONS_ZH = {
  login: '登录', login_failed: '登录失败', logout: '退出', password_change: '修改密码', password_failed: '修改密码失败',
  read_citizen: '查看诉求人信息', search_citizen: '按诉求人查询', citizen_history: '查看来电历史',
  unit_create: '新增单位', unit_update: '修改单位', user_create: '新增用户', user_update: '修改用户',
  region_create: '新增区域', region_update: '修改区域', category_create: '新增分类', category_update: '修改分类',
  catalogue_create: '新增职责目录', catalogue_delete: '删除职责目录', policy_update: '修改政策',
  calendar_update: '修改工作日历', calendar_reset: '恢复随附日历', synonyms: '修改同义词',
  upload: '上传附件', download: '下载附件', download_denied: '下载附件被拒',
  outbox_retry: '重发通知', assess_scheme: '修改考核方案', assess_appeal: '提交申诉', assess_decision: '申诉裁定',
  assess_item: '录入考核项', assess_item_cancel: '撤销考核项', report_issue: '签发报告', hotspot_scan: '热点扫描',
  hotspot_topic_add: '新增预警专题', hotspot_topic_update: '修改预警专题', hotspot_topic_delete: '删除预警专题',
  kb_create: '新增知识', kb_edit: '修改知识', kb_submit: '提交知识审核', kb_approve: '知识审核通过',
  kb_reject: '知识审核退回', kb_withdraw: '撤回知识', kb_expire: '知识失效',
};

const KEYS = {
  remote: '来源地址', login: '登录名', order: '工单', fields: '查看内容', via: '途径', message: '通知消息',
  code: '编码', role: '角色', role_was: '原角色', unit: '单位', active: '启用', category: '分类', region: '区域',
  id: '编号', year: '年份', topic: '专题', name: '名称', kb: '知识', entry: '条目', version: '版本', status: '状态',
};
const FIELDS = { citizen_name: '诉求人姓名', citizen_phone: '联系电话' };
const VIA = { outbox: '通知消息', outbox_retry: '重发通知' };
const KB_STATUS = { draft: '草稿', under_review: '待审核', published: '已发布', expired: '已过期', withdrawn: '已撤回', superseded: '已被新版本取代' };
const SUBJECT = { unit: '单位', user: '用户', region: '区域', category: '分类', catalogue: '职责目录', calendar: '工作日历', outbox: '通知', hotspot: '预警' };

// Sentences some older entries were written in.
const PHRASES = [
  [/^scheme (\S+) saved$/, (m) => `考核方案 ${m[1]} 保存了新版本`],
  [/^appeal (\d+) filed$/, (m) => `申诉 ${m[1]} 已提交`],
  [/^appeal (\d+) (upheld|rejected)$/, (m) => `申诉 ${m[1]} ${m[2] === 'upheld' ? '支持' : '驳回'}`],
  [/^item (\d+) cancelled$/, (m) => `考核项 ${m[1]} 已撤销`],
  [/^item (\d+): (\S+) (\S+) for unit (\d+)$/, (m, units) => `考核项 ${m[1]}：${m[2]} ${m[3]} 分，单位 ${units.get(Number(m[4]))?.name || m[4]}`],
  [/^file (\S+) (\S+) \((\d+) bytes\)$/, (m) => `文件 ${m[1]}（${m[2]}，${m[3]} 字节）`],
  [/^file (\S+)$/, (m) => `文件 ${m[1]}`],
  [/^report (\d+) issued: (\S+) (\S+) edition (\d+)$/, (m) => `报告 ${m[1]} 已签发：${m[2]} ${m[3]} 第 ${m[4]} 版`],
  [/^wrong old password$/, () => '原密码错误'],
  [/^other sessions ended=(\d+)$/, (m) => `其他会话已结束 ${m[1]} 个`],
];

/** An audit entry's details in Chinese: key=value pairs by their labels, known sentences
 * translated, JSON shown as key：value; anything else as written. */
export function detailZh(e, ctx) {
  const d = String(e.detail || '').trim();
  if (!d) return '';
  for (const [re, fn] of PHRASES) {
    const m = d.match(re);
    if (m) return fn(m, ctx.units);
  }
  if (d.startsWith('{')) {
    try {
      const j = JSON.parse(d);
      return Object.entries(j).map(([k, v]) => `${KEYS[k] || k}：${typeof v === 'object' ? JSON.stringify(v) : v}`).join('；');
    } catch { /* not JSON after all */ }
  }
  const words = d.split(/\s+/);
  let subject = '';
  if (words.length > 1 && SUBJECT[words[0]] !== undefined && words[1].includes('=')) subject = SUBJECT[words.shift()];
  if (!words.every((w) => /^[a-z_]+=/.test(w))) return d;
  const parts = words.map((w) => {
    const k = w.slice(0, w.indexOf('='));
    let v = w.slice(w.indexOf('=') + 1);
    if (k === 'fields') v = v.split(',').map((f) => FIELDS[f] || f).join('、');
    else if (k === 'via') v = VIA[v] || v;
    else if (k === 'role' || k === 'role_was') v = ROLE[v] || v;
    else if (k === 'active') v = v === '1' ? '是' : '否';
    else if (k === 'status') v = KB_STATUS[v] || v;
    else if (k === 'unit' && /^\d+$/.test(v)) v = Number(v) ? ctx.units.get(Number(v))?.name || v : '无';
    return `${KEYS[k] || k}：${v}`;
  });
  return (subject ? subject + ' · ' : '') + parts.join('；');
}

export async function render(view, ctx, params) {
  const [users, units] = await Promise.all([
    api.get('/users').then(api.items).catch(() => []),
    api.get('/units').then(api.items).catch(() => []),
  ]);
  const userMap = new Map(users.map((u) => [Number(u.id), u]));
  const dctx = { units: new Map(units.map((u) => [Number(u.id), u])) };
  const q = params?.query || new URLSearchParams();
  const rows = [];
  let cursor = null;
  let done = false;

  const userSel = h('select', { id: 'audit-user' }, h('option', { value: '' }, '全部用户'),
    users.map((u) => h('option', { value: u.id, selected: q.get('user_id') === String(u.id) }, `${u.name}（${u.login}）`)));
  const actionSel = h('select', { id: 'audit-action' }, h('option', { value: '' }, '全部操作'),
    Object.entries(ACTIONS_ZH).map(([k, l]) => h('option', { value: k, selected: q.get('action') === k }, l)));
  const orderIn = h('input', { id: 'audit-order', placeholder: '工单编号', value: q.get('order') || '', size: 16 });
  const fromIn = h('input', { id: 'audit-from', type: 'date', value: q.get('from') || '' });
  const toIn = h('input', { id: 'audit-to', type: 'date', value: q.get('to') || '' });
  const body = h('div', loading());
  const more = h('button', { type: 'button', id: 'audit-more', onclick: () => page() }, '加载更多');
  const who = (e) => { const u = userMap.get(Number(e.user_id)); return u ? `${u.name}（${u.login}）` : e.user_id ? `用户 ${e.user_id}` : '—'; };
  // to is a day: entries up to its end count
  const nextDay = (day) => { const t = new Date(day + 'T00:00:00+08:00'); t.setUTCDate(t.getUTCDate() + 1); return t.toISOString().slice(0, 10); };
  const query = () => ({
    newest: 'true', limit: 200, cursor,
    user_id: userSel.value || undefined, action: actionSel.value || undefined, order: orderIn.value.trim() || undefined,
    from: fromIn.value || undefined, to: toIn.value ? nextDay(toIn.value) : undefined,
  });
  const draw = () => {
    mount(body, table([
      { label: '时间', sort: (e) => Number(e.id), get: (e) => fmtTime(e.at) },
      { label: '用户', get: who },
      { label: '操作', get: (e) => ACTIONS_ZH[e.action] || e.action },
      { label: '工单', get: (e) => (e.order_id ? h('a.mono', { href: '#/order/' + e.order_id }, e.order_number || `（已删除的工单 ${e.order_id}）`) : '') },
      { label: '内容', class: 'title-col wrap', get: (e) => detailZh(e, dctx) },
    ], rows, { empty: '没有符合条件的审计记录' }));
    more.hidden = done;
  };
  const page = async () => {
    try {
      const data = await api.get(api.withQuery('/audit', query()));
      const list = api.items(data);
      rows.push(...list);
      if (data.next_cursor) cursor = data.next_cursor; else done = true;
      draw();
    } catch (err) {
      done = true;
      mount(body, h('div.error-page', errorText(err)));
    }
  };
  const search = () => { rows.length = 0; cursor = null; done = false; mount(body, loading()); page(); };
  mount(view,
    h('div.page-head', h('div', h('h1', '审计日志'), h('p.muted', '登录、查看诉求人信息及管理操作，只增不改；最新的在前。'))),
    h('form.toolbar', { id: 'audit-filters', onsubmit: (ev) => { ev.preventDefault(); search(); } },
      userSel, actionSel, orderIn, h('label', '从 ', fromIn), h('label', '到 ', toIn),
      h('button.primary', { type: 'submit' }, '查询'),
      h('button', { type: 'button', onclick: () => download('审计日志.csv', toCsv(['序号', '时间', '用户', '操作', '工单', '内容'], rows.map((e) => [e.id, fmtTime(e.at), who(e), ACTIONS_ZH[e.action] || e.action, e.order_number || '', detailZh(e, dctx)]))) }, '导出 CSV')),
    body, h('div.more', more));
  await page();
}
