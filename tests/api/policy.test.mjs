// Policy fidelity (issue 14): what the seeds say, tried allowed and refused over the API under
// the presets they concern. Closure standards (002 art. 17), the complained-about unit (000
// art. 3, 003 art. 20), signatures by the person who signs (000 art. 9, 001 §二(二)), the
// feedback timer of tianning-2013 (003 art. 13). Runs last: the timer pass acts on every order.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  assertError, BIN, call, dispatched, intake, ok, setupOrg, startServer,
} from './server.mjs';

let server;
let org;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

async function usePreset(preset, overrides = {}) {
  ok(await call(server, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset, overrides } }));
}

async function get(login, ref) {
  return ok(await call(server, 'GET', `/api/v1/orders/${ref}`, { token: org.as(login) }));
}

function iso(ms) {
  // Shanghai time, the way the API writes instants
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

const REPLY = { result: '已处理', closure: 'resolved', responsible: '陈主任', handler: '冯操作' };

describe('closure standards are derived (002 art. 17)', () => {
  before(() => usePreset('pingshan-2020'));

  test('a late reply is reviewed as overdue, never as on time', async () => {
    const o = await intake(server, org, { category_id: org.categories.property.id });
    await o.must(org.as('agent1'), 'file');
    const due = Date.now() + 2000;
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id, deadline: iso(due) });
    await o.must(org.as('op-s1'), 'sign');
    while (Date.now() < due + 1200) await new Promise((r) => setTimeout(r, 200));
    await o.must(org.as('op-s1'), 'reply', REPLY);
    const r = await o.act(org.as('reviewer1'), 'review', { pass: true, standard: 'on_time' });
    assertError(r, 422, 'rule_violation', 'standard');
    assert.match(r.json.error.message, /超期办结/);
    assert.doesNotMatch(r.json.error.message, /\d{4}-\d\d-\d\dT/, 'times are written the Chinese way');
    await o.must(org.as('reviewer1'), 'review', { pass: true });
    const ev = (await get('reviewer1', o.id)).timeline.find((e) => e.action === 'review');
    assert.equal(ev.args.standard, 'overdue');
    assert.equal(ev.args.type_standard, 'complaint');
  });

  test('a suggestion is reviewed by the suggestion standard; a typed one must agree', async () => {
    const s = await dispatched(server, org, { sign: true, fields: { type: 'suggest' } });
    await s.must(org.as('op-s1'), 'reply', { ...REPLY, closure: 'explained' });
    assertError(await s.act(org.as('reviewer1'), 'review', { pass: true, standard: 'complaint' }), 422, 'rule_violation', 'standard');
    await s.must(org.as('reviewer1'), 'review', { pass: true, standard: 'suggestion' });
    const ev = (await get('reviewer1', s.id)).timeline.find((e) => e.action === 'review');
    assert.equal(ev.args.standard, 'on_time');
    assert.equal(ev.args.type_standard, 'suggestion');
  });

  test('不予结案 names its reason and sends the order back; a consultation in stages does not pass', async () => {
    const c = await dispatched(server, org, { sign: true, fields: { type: 'consult' } });
    await c.must(org.as('op-s1'), 'reply', { ...REPLY, closure: 'interim' });
    assertError(await c.act(org.as('reviewer1'), 'review', { pass: true }), 422, 'rule_violation', 'closure');
    assertError(await c.act(org.as('reviewer1'), 'review', { pass: false, reason: '未解答' }), 400, 'missing_field', 'not_closed_reason');
    assertError(await c.act(org.as('reviewer1'), 'review', { pass: true, not_closed_reason: 'other' }), 422, 'invalid', 'not_closed_reason');
    assert.equal(c.status, 'replied', 'refusals change nothing');
    await c.must(org.as('reviewer1'), 'review', { pass: false, reason: '未解答申请条件', not_closed_reason: 'unanswered' });
    assert.equal(c.status, 'handling');
    const d = await get('op-s1', c.id);
    assert.equal(d.reworks, 1);
    assert.equal(d.timeline.find((e) => e.action === 'review').args.not_closed_reason, 'unanswered');
  });
});

describe('the unit complained about never learns who complained (000 art. 3, 003 art. 20)', () => {
  before(() => usePreset('dongcheng-2016'));
  const NAME = '张三丰';
  const PHONE = '13812341111';
  const leaks = (j) => {
    const s = JSON.stringify(j);
    return s.includes(NAME) || s.includes(PHONE) || s.includes('138****1111') || s.includes('张**');
  };

  test('its users see no name, no phone, no attachment name, no timeline argument of the citizen; the platform relays', async () => {
    const up = ok(await call(server, 'POST', '/api/v1/files', {
      token: org.as('agent1'), raw: '来电人身份证明',
      headers: { 'content-type': 'text/plain', 'x-file-name': encodeURIComponent(`${NAME}身份证${PHONE}.txt`) },
    }), 201);
    const o = await intake(server, org, {
      type: 'complaint', needs_contact: true, about_unit_id: org.units.street1.id,
      text: `我是${NAME}，电话${PHONE}，东华门街道办窗口人员推诿。`, category_id: org.categories.property.id,
      attachments: [{ name: up.name, url: up.url, kind: 'file' }],
    });
    await o.must(org.as('agent1'), 'file');
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
    await o.must(org.as('op-s1'), 'sign');
    for (const login of ['op-s1', 'lead-s1']) {
      const d = await get(login, o.id);
      assert.equal(d.citizen_withheld, true);
      assert.equal(d.citizen_masked, true);
      assert.equal(d.citizen_name, '');
      assert.equal(d.citizen_phone, '');
      assert.equal(d.about_unit_id, org.units.street1.id);
      assert.ok(!leaks(d), `${login} reads the citizen: ${JSON.stringify(d).slice(0, 400)}`);
      assert.match(d.text, /我是\*\*\*，电话\*\*\*/);
      assert.equal(d.attachments[0].name, '***身份证***.txt');
      assert.equal(d.timeline[0].args.citizen_name, '');
      const list = ok(await call(server, 'GET', '/api/v1/orders?limit=100', { token: org.as(login) }));
      assert.ok(!leaks(list));
    }
    const file = await fetch(`${server.url}${up.url}`, { headers: { authorization: `Bearer ${org.as('op-s1')}` } });
    assert.equal(file.status, 200);
    const disp = decodeURIComponent(file.headers.get('content-disposition'));
    assert.ok(!disp.includes(NAME) && !disp.includes(PHONE), disp);
    // not even when the order needs contact: the unit may not contact, the platform relays
    const r = await o.act(org.as('op-s1'), 'contact', { method: 'phone', result: '已联系' });
    assertError(r, 422, 'rule_violation', 'about_unit_id');
    assert.match(r.json.error.message, /平台转达/);
    await o.must(org.as('dispatcher1'), 'contact', { method: 'phone', result: '平台已向诉求人转达街道的处理意见' });
    const d = await get('op-s1', o.id);
    assert.equal(d.contacted, true);
    assert.equal(d.timeline.find((e) => e.action === 'contact').args.relay, true);
    // a warning to the unit names the order, never the citizen
    await o.must(org.as('supervisor1'), 'warn', { kind: 'other', level: 'hint', reason: '窗口服务投诉', unit_id: org.units.street1.id });
    const warnings = ok(await call(server, 'GET', '/api/v1/warnings', { token: org.as('op-s1') }));
    assert.ok(warnings.items.length >= 1);
    assert.ok(!leaks(warnings));
    const outbox = ok(await call(server, 'GET', '/api/v1/outbox?limit=200', { token: org.admin }));
    const toUnit = outbox.items.filter((m) => m.order.id === o.id && m.to.role !== 'citizen');
    assert.ok(toUnit.length >= 1, 'the warning went to the unit');
    assert.ok(!leaks(toUnit));
    // platform staff still see the citizen
    const staff = await get('dispatcher1', o.id);
    assert.equal(staff.citizen_name, NAME);
    assert.equal(staff.citizen_withheld, false);
  });

  test('another unit that must contact the citizen sees them, and contacts directly', async () => {
    const o = await intake(server, org, {
      needs_contact: true, about_unit_id: org.units.dept1.id, category_id: org.categories.property.id,
    });
    await o.must(org.as('agent1'), 'file');
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
    await o.must(org.as('op-s1'), 'sign');
    const d = await get('op-s1', o.id);
    assert.equal(d.citizen_withheld, false);
    assert.equal(d.citizen_name, NAME);
    assert.equal(d.citizen_phone, PHONE);
    await o.must(org.as('op-s1'), 'contact', { method: 'phone', result: '已电话联系' });
    assertError(await o.act(org.as('dispatcher1'), 'contact', { method: 'phone', result: 'x' }), 422, 'rule_violation', 'about_unit_id');
    assertError(await call(server, 'POST', '/api/v1/orders', {
      token: org.as('agent1'), body: { channel: 'web', type: 'complaint', title: 't', text: 'x', about_unit_id: 99999 },
    }), 422, 'invalid', 'about_unit_id');
  });
});

describe('signatures by the person who signs (000 art. 9, 001 §二(二))', () => {
  test('dongcheng-2016: the second return is signed and sent by the unit leader, not ticked by the operator', async () => {
    await usePreset('dongcheng-2016');
    const o = await dispatched(server, org, { unit: 'street2' });
    await o.must(org.as('op-s2'), 'return', { reason: '不属于本街道辖区', legal_basis: '《街道办事处职责规定》第三条' });
    await o.must(org.as('dispatcher1'), 'return_reject', { reason: '属地管理，应由街道办理' });
    const att = { name: '退单说明（主管领导签署）.pdf', url: 'https://files.example.org/return.pdf' };
    assertError(await o.act(org.as('op-s2'), 'return', { reason: '再次退单', legal_basis: '同上' }), 422, 'attachment_required', 'attachment');
    const byOp = await o.act(org.as('op-s2'), 'return', { reason: '再次退单', legal_basis: '同上', attachment: att });
    assertError(byOp, 403, 'forbidden', 'attachment');
    assert.match(byOp.json.error.message, /单位领导/);
    assertError(await o.act(org.as('op-s2'), 'return', { reason: '再次退单', legal_basis: '同上', attachment: att, leader_signed: true }), 400, 'unknown_field', 'leader_signed');
    assert.equal(o.status, 'dispatched');
    await o.must(org.as('lead-s2'), 'return', { reason: '再次退单', legal_basis: '同上', attachment: att });
    assert.equal(o.status, 'returned');
    const ev = (await get('dispatcher1', o.id)).timeline.filter((e) => e.action === 'return').pop();
    assert.equal(ev.actor.role, 'unit_leader');
    assert.equal(ev.args.signed_by, '卫主任');
  });

  test('linshu-2020: no reply without the leader\'s 签批, and the reply names the lead and the handler', async () => {
    await usePreset('linshu-2020');
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    const r = await o.act(org.as('op-s1'), 'reply', REPLY);
    assertError(r, 422, 'rule_violation', 'sign_approval');
    assert.match(r.json.error.message, /签批/);
    assertError(await o.act(org.as('op-s1'), 'sign_approval', { handler: '冯操作' }), 403, 'forbidden');
    assertError(await o.act(org.as('lead-s1'), 'sign_approval', { leader: '别人', handler: '冯操作' }), 400, 'unknown_field', 'leader');
    await o.must(org.as('lead-s1'), 'sign_approval', { handler: '冯操作' });
    const sa = (await get('dispatcher1', o.id)).timeline.find((e) => e.action === 'sign_approval');
    assert.equal(sa.args.leader, '陈主任', 'the leader is the user who signed');
    assert.equal(sa.actor.role, 'unit_leader');
    const noHandler = await o.act(org.as('op-s1'), 'reply', { result: '已处理', closure: 'resolved', responsible: '陈主任' });
    assertError(noHandler, 400, 'missing_field', 'handler');
    assert.match(noHandler.json.error.message, /牵头负责人.*具体办理人员/);
    await o.must(org.as('op-s1'), 'reply', REPLY);
    assert.equal(o.status, 'replied');
  });

  test('pingshan-2020: a reply needs no 签批', async () => {
    await usePreset('pingshan-2020');
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    await o.must(org.as('op-s1'), 'reply', { result: '已处理', closure: 'resolved', responsible: '陈主任' });
    assert.equal(o.status, 'replied');
  });
});

describe('tianning-2013: the 5-working-day feedback limit is its own timer with its own urge (003 art. 13)', () => {
  test('no feedback within 5 working days: a feedback urge; a unit that reported its reason gets none', async () => {
    await usePreset('tianning-2013');
    const silent = await dispatched(server, org, { unit: 'street1', sign: true });
    const reported = await dispatched(server, org, { unit: 'street1', sign: true });
    const until = iso(Date.parse(reported.summary.deadline) + 3 * 86400 * 1000);
    await reported.must(org.as('op-s1'), 'extension_request', { until, reason: '需协调产权单位，不能按时办结' });
    const tick = (ms) => JSON.parse(execFileSync(BIN, ['tick', '--db', server.db, '--now', iso(ms)], { encoding: 'utf8' }));
    const feedbackUrges = async (o) => (await get('dispatcher1', o.id)).timeline
      .filter((e) => e.action === 'urge' && e.args.kind === 'feedback');
    tick(Date.now() + 3600 * 1000); // an hour on: the limit has not passed
    assert.equal((await feedbackUrges(silent)).length, 0);
    const pass = tick(Date.now() + 10 * 86400 * 1000); // ten days on: past 5 working days
    assert.ok(pass.by_action.urge >= 1, JSON.stringify(pass));
    const urges = await feedbackUrges(silent);
    assert.equal(urges.length, 1);
    assert.match(urges[0].args.note, /5个工作日内未反馈/);
    assert.equal(urges[0].actor.role, 'system');
    assert.equal((await feedbackUrges(reported)).length, 0, 'the extension request reported the reason');
    const d = await get('dispatcher1', silent.id);
    assert.ok(d.timeline.some((e) => e.action === 'urge' && e.args.kind === 'share'), 'the deadline keeps its own urges');
  });
});
