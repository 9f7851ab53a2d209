// Orders over the API: intake, detail with timeline, every lifecycle action through its route,
// list filters with cursor paging and sorting, the catalogue suggestion, version conflicts and
// idempotent POSTs. Runs against a real `jiesu serve`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError, call, dispatched, intake, ok, setupOrg, startServer,
} from './server.mjs';

// Every action a client may request (SPEC §3); merged_into is only ever emitted by merge.
const ACTIONS = [
  'intake', 'verify', 'file', 'not_file', 'transfer', 'answer', 'dispatch', 'merge', 'split',
  'sign', 'return', 'return_approve', 'return_reject', 'sign_approval', 'contact',
  'extension_request', 'extension_decide', 'hang_request', 'hang_decide', 'hang_progress',
  'hang_lift', 'reply', 'review', 'callback', 'reopen', 'close', 'archive', 'urge', 'supervise',
  'supervise_answer', 'force_close', 'instruct', 'warn', 'special_report', 'assist_report',
  'consult', 'consult_result', 'preinvestigate', 'preinv_report', 'instruct_report',
];
// Actions only the system may request (the scheduler; the citizen's self-service adds to an
// order as the system): people are refused.
const SYSTEM_ONLY = ['mark_overdue', 'supplement'];

let server;
let org;
const performed = new Set(['intake']);

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

async function must(order, login, action, fields) {
  const r = await order.must(org.as(login), action, fields);
  performed.add(action);
  return r;
}

async function get(token, ref) {
  return ok(await call(server, 'GET', `/api/v1/orders/${ref}`, { token }));
}

async function listAll(token, query = '') {
  const items = [];
  let cursor = null;
  for (;;) {
    const sep = query ? '&' : '';
    const q = `${query}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = ok(await call(server, 'GET', `/api/v1/orders?${q}`, { token }));
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}

describe('intake and detail', () => {
  test('intake answers 201 with a Location and the order summary', async () => {
    const r = await call(server, 'POST', '/api/v1/orders', {
      token: org.as('agent1'),
      body: { channel: 'wechat', type: 'consult', title: '咨询公租房申请条件', text: '请问公租房怎么申请？', citizen_name: '李四', citizen_phone: '13700001234' },
    });
    const body = ok(r, 201);
    assert.match(body.order.number, /^\d{13}$/);
    assert.equal(r.headers.get('location'), `/api/v1/orders/${body.order.number}`);
    assert.equal(body.order.status, 'received');
    assert.equal(body.order.status_label, '已受理');
    assert.equal(body.order.version, 1);
    assert.equal(body.events, 1);
    assert.equal(body.order.citizen_name, undefined, 'summaries leave out the citizen');
    assert.equal(body.order.citizen_phone, undefined);
  });

  test('an order reads the same by id and by number, with enum names, labels and ISO times', async () => {
    const o = await intake(server, org, { level: 'urgent', tier: '24h' });
    const byId = await get(org.as('dispatcher1'), o.id);
    const byNumber = await get(org.as('dispatcher1'), o.number);
    assert.deepEqual(byNumber, byId);
    assert.equal(byId.status, 'received');
    assert.equal(byId.type, 'complaint');
    assert.equal(byId.type_label, '投诉');
    assert.equal(byId.level, 'urgent');
    assert.equal(byId.level_label, '紧急');
    assert.equal(byId.tier, '24h');
    assert.match(byId.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    assert.equal(byId.closed_at, null);
    assert.deepEqual(byId.attachments, []);
    assert.equal(byId.timeline.length, 1);
    const ev = byId.timeline[0];
    assert.equal(ev.action, 'intake');
    assert.equal(ev.action_label, '受理');
    assert.equal(ev.version, 1);
    assert.equal(ev.actor.name, '赵坐席');
    assert.equal(ev.actor.role, 'agent');
    assert.equal(ev.status_after, 'received');
    assert.equal(ev.args.title, '小区夜间施工噪音扰民');
  });

  test('a missing order answers 404 by id and by number', async () => {
    assertError(await call(server, 'GET', '/api/v1/orders/999999', { token: org.as('dispatcher1') }), 404, 'not_found', 'id');
    assertError(await call(server, 'GET', '/api/v1/orders/2000010100001', { token: org.as('dispatcher1') }), 404, 'not_found', 'id');
    assertError(await call(server, 'GET', '/api/v1/orders/abc', { token: org.as('dispatcher1') }), 404, 'not_found');
  });
});

describe('every action through its route', () => {
  test('handling, extension, hanging account, supervision, review, callback, reopen, close, archive', async () => {
    const o = await dispatched(server, org, { unit: 'street1' });
    performed.add('file').add('dispatch');
    await must(o, 'op-s1', 'sign', { note: '已签收' });
    assert.equal(o.status, 'handling');
    await must(o, 'op-s1', 'contact', { method: 'phone', result: '已电话联系诉求人' });
    await must(o, 'lead-s1', 'sign_approval', { handler: '冯操作' });
    await must(o, 'leader1', 'instruct', { text: '请街道尽快处理，注意噪音扰民问题。' });
    await must(o, 'dispatcher1', 'urge', { note: '请加快办理' });
    await must(o, 'supervisor1', 'supervise', { reason: '群众反映强烈', kind: 'overdue' });
    await must(o, 'op-s1', 'supervise_answer', { answer: '已约谈施工单位' });
    await must(o, 'supervisor1', 'warn', { kind: 'petition', level: 'hint', reason: '有信访风险，请重视' });
    await must(o, 'supervisor1', 'special_report', { reason: '群众反映强烈，列入专报' });
    const detail = await get(org.as('dispatcher1'), o.id);
    const until = new Date(Date.parse(detail.deadline) + 3 * 86400e3).toISOString();
    await must(o, 'op-s1', 'extension_request', { until, reason: '需协调施工单位整改' });
    await must(o, 'dispatcher1', 'extension_decide', { approve: true });
    const extended = await get(org.as('dispatcher1'), o.id);
    assert.equal(Date.parse(extended.deadline), Date.parse(until));
    assert.equal(extended.extensions, 1);
    await must(o, 'op-s1', 'hang_request', { scope: '工地整改', plan: '分阶段整改', expected: '2030-06-30T18:00:00+08:00' });
    await must(o, 'supervisor1', 'hang_decide', { approve: true });
    await must(o, 'op-s1', 'hang_progress', { progress: '已完成第一阶段' });
    await must(o, 'op-s1', 'hang_lift', { result: '整改完成', note: '予以销账' });
    await must(o, 'op-s1', 'reply', { result: '已责令夜间停工', closure: 'resolved', responsible: '冯操作' });
    assert.equal(o.status, 'replied');
    await must(o, 'reviewer1', 'review', { pass: false, reason: '未附整改照片', not_closed_reason: 'unhandled' });
    assert.equal(o.status, 'handling');
    await must(o, 'op-s1', 'reply', {
      result: '已责令夜间停工并复查', closure: 'resolved', responsible: '冯操作',
      attachments: [{ name: '现场照片.jpg', url: 'https://files.example.org/1.jpg', kind: 'photo' }],
    });
    await must(o, 'reviewer1', 'review', { pass: true });
    assert.equal(o.status, 'callback');
    await must(o, 'callback1', 'callback', { contacted: true, solved: false, satisfaction: 'unsatisfied' });
    await must(o, 'callback1', 'reopen', { reason: '夜间仍有施工' });
    assert.equal(o.status, 'handling');
    await must(o, 'op-s1', 'reply', { result: '已查封夜间施工设备', closure: 'resolved', responsible: '冯操作' });
    await must(o, 'reviewer1', 'review', { pass: true });
    await must(o, 'callback1', 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    await must(o, 'callback1', 'close', {});
    assert.equal(o.status, 'closed');
    await must(o, 'dispatcher1', 'archive', {});
    assert.equal(o.status, 'archived');

    const final = await get(org.as('dispatcher1'), o.id);
    assert.equal(final.reworks, 1);
    assert.equal(final.reopens, 1);
    assert.equal(final.urges, 1);
    assert.equal(final.supervisions, 1);
    assert.equal(final.hang, 'lifted');
    assert.equal(final.cb_satisfaction, 'satisfied');
    assert.equal(final.attachments.length, 1);
    assert.equal(final.attachments[0].name, '现场照片.jpg');
    assert.equal(final.timeline.length, final.version);
    assert.deepEqual(final.timeline.map((e) => e.version), [...Array(final.version).keys()].map((i) => i + 1));
    assert.equal(final.timeline.at(-1).action, 'archive');
    assert.equal(final.timeline.at(-1).status_before, 'closed');
    assert.equal(final.timeline.at(-1).status_after, 'archived');
  });

  test('verify and not_file; transfer; answer and close', async () => {
    const up = await intake(server, org, { channel: 'upstream', upstream_id: 'BJ12345-0001', upstream_deadline: '2030-01-01T12:00:00+08:00' });
    assert.equal((await get(org.as('agent1'), up.id)).verified, false);
    await must(up, 'agent1', 'verify', { note: '已核实' });
    await must(up, 'agent1', 'not_file', { reason: 'no_demand', explanation: '经核实无明确诉求，已向诉求人说明' });
    assert.equal(up.status, 'not_filed');

    const t = await intake(server, org, { title: '有人在小区打架', text: '现场有人斗殴' });
    await must(t, 'agent1', 'transfer', { to: '110', note: '一键转接110' });
    assert.equal(t.status, 'transferred');

    const q = await intake(server, org, { type: 'consult', title: '社保卡补办', text: '社保卡丢了怎么补办？' });
    await must(q, 'agent1', 'answer', { answer: '携带身份证到社保大厅补办' });
    assert.equal(q.status, 'answered');
    await must(q, 'dispatcher1', 'close', {});
    assert.equal(q.status, 'closed');
  });

  test('merge and split', async () => {
    const master = await intake(server, org);
    const dup = await intake(server, org);
    await must(master, 'agent1', 'file');
    await must(dup, 'agent1', 'file');
    await must(master, 'dispatcher1', 'merge', { orders: [dup.id] });
    const merged = await get(org.as('dispatcher1'), dup.id);
    assert.equal(merged.status, 'merged');
    assert.equal(merged.master_id, master.id);
    assert.equal(merged.timeline.at(-1).action, 'merged_into');

    const parent = await intake(server, org, { title: '小区多项问题', text: '路灯不亮，同时垃圾清运不及时' });
    const r = await must(parent, 'dispatcher1', 'split', {
      children: [{ title: '路灯不亮', text: '小区路灯不亮' }, { title: '垃圾清运不及时', text: '垃圾三天未清运' }],
    });
    assert.equal(r.order.status, 'split');
    const children = (await listAll(org.as('dispatcher1'), 'q=' + encodeURIComponent('路灯')))
      .filter((x) => x.parent_id === parent.id);
    assert.equal(children.length, 1);
    assert.equal(children[0].status, 'received');
  });

  test('return, reject, second return with the leader-signed attachment, approve', async () => {
    const o = await dispatched(server, org, { unit: 'street2' });
    await must(o, 'op-s2', 'return', { reason: '不属于本街道辖区', legal_basis: '《街道办事处职责规定》第三条' });
    assert.equal(o.status, 'returned');
    await must(o, 'dispatcher1', 'return_reject', { reason: '属地管理，应由街道办理' });
    assert.equal(o.status, 'dispatched');
    const second = await o.act(org.as('op-s2'), 'return', { reason: '再次退单', legal_basis: '同上' });
    assertError(second, 422, 'attachment_required', 'attachment');
    await must(o, 'lead-s2', 'return', {
      reason: '再次退单', legal_basis: '同上',
      attachment: { name: '退单说明（领导签字）.pdf', url: 'https://files.example.org/return.pdf' },
    });
    await must(o, 'dispatcher1', 'return_approve', { note: '改派' });
    assert.equal(o.status, 'filed');
    const d = await get(org.as('dispatcher1'), o.id);
    assert.equal(d.returns, 2);
    assert.equal(d.units[0].active, false);
  });

  test('parallel dispatch: the assisting unit reports its part, the lead\'s reply includes it', async () => {
    const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
    await must(o, 'agent1', 'file');
    await must(o, 'dispatcher1', 'dispatch', { unit_id: org.units.street1.id, assist_units: [org.units.dept1.id] });
    await must(o, 'op-s1', 'sign');
    await must(o, 'op-zjw', 'sign');
    await must(o, 'op-zjw', 'assist_report', { result: '已配合检测施工噪音' });
    await must(o, 'op-s1', 'reply', { result: '已责令夜间停工', closure: 'resolved', responsible: '冯操作' });
    assert.equal(o.status, 'replied');
    const reply = (await get(org.as('dispatcher1'), o.id)).timeline.find((e) => e.action === 'reply');
    assert.deepEqual(reply.args.assists.map((a) => a.unit_id), [org.units.dept1.id]);
  });

  test('force_close', async () => {
    const o = await dispatched(server, org, { unit: 'dept1', sign: true });
    await must(o, 'supervisor1', 'force_close', { reason: '逾期未反馈，强制结案' });
    assert.equal(o.status, 'closed');
    assert.equal((await get(org.as('dispatcher1'), o.id)).close_kind, 'forced');
  });

  test('consultation before dispatch, pre-investigation and the report on an instruction (001 §二(一), 003 art. 13(2))', async () => {
    const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
    await must(o, 'agent1', 'file');
    await must(o, 'dispatcher1', 'preinvestigate', { unit_id: org.units.dept1.id, task: '核实责任主体' });
    await must(o, 'op-zjw', 'preinv_report', { findings: '属物业管理问题', proposal: '建议由属地街道承办' });
    await must(o, 'dispatcher1', 'consult', { topic: '确定承办单位', units: [org.units.street1.id, org.units.dept1.id] });
    assert.equal(o.status, 'coordination');
    await must(o, 'supervisor1', 'consult_result', { outcome: '由街道承办', unit_id: org.units.street1.id });
    await must(o, 'dispatcher1', 'dispatch', { unit_id: org.units.street1.id });
    await must(o, 'leader1', 'instruct', { text: '请书面报告', unit_id: org.units.street1.id, due: '2099-01-01T18:00:00+08:00' });
    await must(o, 'lead-s1', 'instruct_report', { report: '已办理，特此报告' });
    assert.equal((await get(org.as('dispatcher1'), o.id)).instruct_unit_id, null);
  });

  test('every action people may request was carried out through the API', async () => {
    assert.deepEqual([...performed].sort(), [...ACTIONS].sort());
    // and that is every action of the engine except merged_into and the scheduler's own
    const meta = ok(await call(server, 'GET', '/api/v1/meta'));
    const forPeople = meta.actions.filter((a) => a.roles.some((r) => r !== 'system')).map((a) => a.name);
    assert.deepEqual(forPeople.sort(), [...ACTIONS].sort());
    assert.deepEqual(meta.actions.map((a) => a.name).filter((n) => !forPeople.includes(n)).sort(),
      ['merged_into', ...SYSTEM_ONLY].sort());
  });

  test('the scheduler\'s own actions are refused to people', async () => {
    const o = await dispatched(server, org, { unit: 'street1' });
    for (const action of SYSTEM_ONLY) {
      for (const login of ['dispatcher1', 'supervisor1', 'admin', 'op-s1']) {
        const token = login === 'admin' ? org.admin : org.as(login);
        assertError(await o.act(token, action, {}), 403, 'forbidden');
      }
    }
  });

  test('intake on the action route, merged_into and unknown actions are refused', async () => {
    const o = await intake(server, org);
    assertError(await o.act(org.as('agent1'), 'intake', {}), 422, 'invalid', 'action');
    assertError(await o.act(org.as('dispatcher1'), 'merged_into', {}), 403, 'forbidden');
    assertError(await o.act(org.as('dispatcher1'), 'teleport', {}), 404, 'not_found', 'action');
    assert.equal((await get(org.as('dispatcher1'), o.id)).version, 1);
  });
});

describe('versions', () => {
  test('a stale version answers 409 and changes nothing; the current one works', async () => {
    const o = await intake(server, org);
    const v = o.version;
    await must(o, 'agent1', 'file');
    const stale = await call(server, 'POST', `/api/v1/orders/${o.id}/actions/dispatch`, {
      token: org.as('dispatcher1'), body: { version: v, unit_id: org.units.street1.id },
    });
    assertError(stale, 409, 'version_conflict', 'version');
    const d = await get(org.as('dispatcher1'), o.id);
    assert.equal(d.status, 'filed');
    assert.equal(d.version, v + 1);
    await must(o, 'dispatcher1', 'dispatch', { unit_id: org.units.street1.id });
  });

  test('two concurrent actions with the same version: one wins, the other gets 409', async () => {
    const o = await intake(server, org);
    const body = { version: o.version, note: '并发' };
    const [a, b] = await Promise.all([
      call(server, 'POST', `/api/v1/orders/${o.id}/actions/file`, { token: org.as('agent1'), body }),
      call(server, 'POST', `/api/v1/orders/${o.id}/actions/file`, { token: org.as('dispatcher1'), body }),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.ok(statuses[0] === 200 && (statuses[1] === 409), `got ${a.text} and ${b.text}`);
    assert.equal((await get(org.as('dispatcher1'), o.id)).version, 2);
  });
});

describe('idempotency', () => {
  test('a retried intake with the same key is applied once and the answer replayed', async () => {
    const before = (await listAll(org.as('dispatcher1'), 'limit=500')).length;
    const headers = { 'idempotency-key': 'intake-retry-1' };
    const body = { channel: 'web', type: 'help', title: '独居老人求助', text: '需要上门帮助' };
    const first = await call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), body, headers });
    const again = await call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), body, headers });
    ok(first, 201);
    assert.equal(again.status, 201);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal((await listAll(org.as('dispatcher1'), 'limit=500')).length, before + 1);

    const other = await call(server, 'POST', '/api/v1/orders', {
      token: org.as('agent1'), body: { ...body, title: '另一件事' }, headers,
    });
    assertError(other, 422, 'invalid', 'Idempotency-Key');
    assert.equal((await listAll(org.as('dispatcher1'), 'limit=500')).length, before + 1);

    // keys belong to a user: another user's same key is a different request
    const mine = await call(server, 'POST', '/api/v1/orders', { token: org.as('dispatcher1'), body, headers });
    ok(mine, 201);
    assert.notEqual(mine.json.order.id, first.json.order.id);
  });

  test('retries sent while the first try still runs are never applied twice', async () => {
    const before = (await listAll(org.as('dispatcher1'), 'limit=500')).length;
    const headers = { 'idempotency-key': 'intake-burst-1' };
    const body = { channel: 'web', type: 'help', title: '楼道灯坏了', text: '三单元楼道灯不亮' };
    const tries = await Promise.all(Array.from({ length: 8 }, () =>
      call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), body, headers })));
    const created = tries.filter((r) => r.status === 201);
    assert.ok(created.length >= 1);
    for (const r of created) assert.equal(r.text, created[0].text); // the one answer, replayed
    for (const r of tries.filter((t) => t.status !== 201)) assertError(r, 409, 'version_conflict', 'Idempotency-Key');
    assert.equal((await listAll(org.as('dispatcher1'), 'limit=500')).length, before + 1);
  });

  test('a retried action is applied once even though its version is now stale', async () => {
    const o = await intake(server, org);
    const headers = { 'idempotency-key': `file-${o.id}` };
    const body = { version: o.version, note: '立案' };
    const path = `/api/v1/orders/${o.id}/actions/file`;
    const first = await call(server, 'POST', path, { token: org.as('agent1'), body, headers });
    const again = await call(server, 'POST', path, { token: org.as('agent1'), body, headers });
    ok(first);
    assert.equal(again.status, 200);
    assert.equal(again.text, first.text);
    const d = await get(org.as('dispatcher1'), o.id);
    assert.equal(d.version, 2);
    assert.equal(d.timeline.filter((e) => e.action === 'file').length, 1);
  });

  test('a refused request is replayed as refused', async () => {
    const o = await intake(server, org);
    const headers = { 'idempotency-key': `bad-${o.id}` };
    const path = `/api/v1/orders/${o.id}/actions/sign`;
    const first = await call(server, 'POST', path, { token: org.as('dispatcher1'), body: { version: 1 }, headers });
    assertError(first, 403, 'forbidden');
    const again = await call(server, 'POST', path, { token: org.as('dispatcher1'), body: { version: 1 }, headers });
    assert.equal(again.status, 403);
    assert.equal(again.text, first.text);
  });
});

describe('lists', () => {
  let fx;
  before(async () => {
    // a known set: 3 noise complaints in street1's community, 2 consultations, 1 urgent
    const mk = (f) => intake(server, org, f);
    fx = {
      noise: await Promise.all([1, 2, 3].map((i) => mk({
        title: `工地噪音扰民${i}`, text: '夜间施工噪音', category_id: org.categories.noise.id, region_id: org.regions.c1.id, channel: 'weibo',
      }))),
      consult: await Promise.all([1, 2].map((i) => mk({
        type: 'consult', title: `停车收费咨询${i}`, text: '小区停车怎么收费', category_id: org.categories.property.id, region_id: org.regions.s2.id, channel: 'mailbox',
      }))),
      urgent: await mk({ level: 'urgent', title: '燃气泄漏气味', text: '楼道有燃气味', channel: 'grid' }),
    };
    await fx.noise[0].must(org.as('agent1'), 'file');
    await fx.noise[0].must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.dept2.id });
  });

  const ids = (items) => items.map((x) => x.id).sort((a, b) => a - b);

  test('filters: status, channel, type, level, category and region (with descendants), unit, text', async () => {
    const tok = org.as('dispatcher1');
    const weibo = await listAll(tok, 'channel=weibo');
    assert.deepEqual(ids(weibo), ids(fx.noise));
    const consult = await listAll(tok, 'type=consult&channel=mailbox');
    assert.deepEqual(ids(consult), ids(fx.consult));
    const urgent = await listAll(tok, 'level=urgent&channel=grid');
    assert.deepEqual(ids(urgent), [fx.urgent.id]);
    const byCat = await listAll(tok, `category_id=${org.categories.env.id}`);
    assert.deepEqual(ids(byCat), ids(fx.noise), 'a parent category includes its children');
    const byRegion = await listAll(tok, `region_id=${org.regions.s1.id}&channel=weibo`);
    assert.deepEqual(ids(byRegion), ids(fx.noise), 'a street includes its communities');
    const byUnit = await listAll(tok, `unit_id=${org.units.dept2.id}`);
    assert.deepEqual(ids(byUnit), [fx.noise[0].id]);
    const dispatchedWeibo = await listAll(tok, 'status=dispatched,handling&channel=weibo');
    assert.deepEqual(ids(dispatchedWeibo), [fx.noise[0].id]);
    const received = await listAll(tok, 'status=received&channel=weibo');
    assert.deepEqual(ids(received), ids(fx.noise.slice(1)));
    const text = await listAll(tok, 'q=' + encodeURIComponent('停车'));
    assert.ok(ids(fx.consult).every((id) => ids(text).includes(id)));
    assert.ok(!ids(text).includes(fx.urgent.id));
    const none = await listAll(tok, 'overdue=true&channel=weibo');
    assert.deepEqual(none, []);
    const notOverdue = await listAll(tok, 'overdue=false&channel=weibo');
    assert.deepEqual(ids(notOverdue), ids(fx.noise));
    for (const item of weibo) {
      assert.equal(item.channel, 'weibo');
      assert.equal(typeof item.status_label, 'string');
      assert.equal(item.text, undefined);
    }
  });

  test('date range: from and to (a plain date includes that day)', async () => {
    const tok = org.as('dispatcher1');
    const today = (await call(server, 'GET', `/api/v1/orders/${fx.urgent.id}`, { token: tok })).json.created_at.slice(0, 10);
    const all = await listAll(tok, 'limit=500');
    const inDay = await listAll(tok, `from=${today}&to=${today}&limit=500`);
    assert.ok(inDay.length > 0);
    assert.ok(inDay.length <= all.length);
    assert.ok(inDay.every((x) => x.created_at.slice(0, 10) === today));
    assert.deepEqual(await listAll(tok, 'from=2000-01-01&to=2000-01-02'), []);
  });

  test('cursor paging in every sort returns each order exactly once, in order', async () => {
    const tok = org.as('dispatcher1');
    const total = (await listAll(tok, 'limit=500')).length;
    assert.ok(total >= 20, `only ${total} orders`);
    for (const sort of ['created_desc', 'created_asc', 'deadline_asc', 'updated_desc']) {
      const pages = await listAll(tok, `sort=${sort}&limit=3`);
      assert.equal(pages.length, total, sort);
      assert.equal(new Set(pages.map((x) => x.id)).size, total, `${sort}: duplicates`);
      if (sort === 'created_asc') {
        for (let i = 1; i < pages.length; i++) assert.ok(pages[i - 1].created_at <= pages[i].created_at);
      }
      if (sort === 'created_desc') {
        for (let i = 1; i < pages.length; i++) assert.ok(pages[i - 1].created_at >= pages[i].created_at);
      }
    }
    const first = ok(await call(server, 'GET', '/api/v1/orders?limit=2', { token: tok }));
    assert.equal(first.items.length, 2);
    assert.equal(first.limit, 2);
    assert.equal(typeof first.next_cursor, 'string');
  });
});

describe('suggestion', () => {
  test('the catalogue gives the most specific unit for category × region', async () => {
    const tok = org.as('dispatcher1');
    const local = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
    const s1 = ok(await call(server, 'GET', `/api/v1/orders/${local.id}/suggest`, { token: tok }));
    assert.equal(s1.suggestions.length, 1);
    assert.equal(s1.suggestions[0].unit_id, org.units.street1.id);
    assert.equal(s1.suggestions[0].unit_name, '东华门街道办事处');
    const elsewhere = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.s2.id });
    const s2 = ok(await call(server, 'GET', `/api/v1/orders/${elsewhere.number}/suggest`, { token: tok }));
    assert.equal(s2.suggestions[0].unit_id, org.units.dept1.id, 'falls back to the parent category');
    const none = await intake(server, org, {});
    const s3 = ok(await call(server, 'GET', `/api/v1/orders/${none.id}/suggest`, { token: tok }));
    assert.deepEqual(s3.suggestions, []);
  });
});
