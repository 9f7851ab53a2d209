// Consultation and coordination records (issue 14 point 8), allowed and refused over the API under
// the presets whose seeds they come from: 派单前会商 and 指定单位预先调查 before dispatch (linshu-2020,
// seed 001 §二(一); the consultation also under beijing-2020, seed 004); 领导批示交办 with a deadline and the unit leader's written report
// (tianning-2013, seed 003 art. 12(3), 13(2)); coordination meetings attached to orders
// (dongcheng-2016, seed 000 arts. 5, 11; 003 art. 12(4)); accountability records (tianning-2013,
// seed 003 arts. 21–22; pingshan-2020, seed 002 ch. 9).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError, call, dispatched, intake, ok, setupOrg, startServer,
} from './server.mjs';

let server;
let org;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

async function usePreset(preset) {
  ok(await call(server, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset, overrides: {} } }));
}

async function get(login, ref) {
  return call(server, 'GET', `/api/v1/orders/${ref}`, { token: org.as(login) });
}

function iso(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

async function filed() {
  const o = await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
  await o.must(org.as('agent1'), 'file');
  return o;
}

describe('派单前会商 and pre-investigation (linshu-2020, 001 §二(一))', () => {
  before(() => usePreset('linshu-2020'));

  for (const preset of ['linshu-2020', 'beijing-2020']) test(`${preset}: a consultation holds the order in coordination; the dispatch follows its outcome`, async () => {
    await usePreset(preset);
    const o = await filed();
    const units = [org.units.street1.id, org.units.dept1.id];
    assertError(await o.act(org.as('agent1'), 'consult', { topic: '职责不清', units }), 403, 'forbidden');
    assertError(await o.act(org.as('dispatcher1'), 'consult', { topic: '职责不清', units: [] }), 400, 'missing_field', 'units');
    await o.must(org.as('dispatcher1'), 'consult', { topic: '职责不清，召集相关单位会商', units, people: '王科长、沈主任' });
    let d = ok(await get('dispatcher1', o.id));
    assert.equal(d.status, 'coordination');
    assert.equal(d.consult, 'consulting');
    assert.equal(d.consult_label, '会商中');
    let e = assertError(await o.act(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id }), 422, 'rule_violation', 'consult');
    assert.match(e.message, /会商尚未形成结果/);
    await o.must(org.as('supervisor1'), 'consult_result', { outcome: '由区住建委牵头办理', unit_id: org.units.dept1.id });
    d = ok(await get('dispatcher1', o.id));
    assert.equal(d.consult, 'concluded');
    assert.equal(d.consult_unit_id, org.units.dept1.id);
    e = assertError(await o.act(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id }), 422, 'rule_violation', 'unit_id');
    assert.match(e.message, /区住建委/);
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.dept1.id });
    d = ok(await get('dispatcher1', o.id));
    assert.equal(d.status, 'dispatched');
    assert.equal(d.consult, 'dispatched');
    const timeline = d.timeline.map((x) => x.action);
    assert.deepEqual(timeline.slice(-3), ['consult', 'consult_result', 'dispatch']);
    assert.equal(d.timeline.at(-3).action_label, '派单前会商');
  });

  test('the designated unit investigates first and sees the order; no dispatch before its findings', async () => {
    await usePreset('linshu-2020');
    const o = await filed();
    assertError(await get('op-zjw', o.id), 404); // not designated yet
    await o.must(org.as('dispatcher1'), 'preinvestigate', { unit_id: org.units.dept1.id, task: '核实问题性质和责任主体', due: iso(Date.now() + 86400000) });
    const e = assertError(await o.act(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id }), 422, 'rule_violation', 'preinv');
    assert.match(e.message, /预先调查/);
    assertError(await o.act(org.as('op-s2'), 'preinv_report', { findings: 'x', proposal: 'y' }), 404, 'not_found');
    // the designated unit finds it in its list of orders to investigate first, though it holds none
    const preinvList = async (login) => ok(await call(server, 'GET', '/api/v1/orders?preinv=true&limit=500', { token: org.as(login) })).items.map((x) => x.id);
    assert.deepEqual(await preinvList('op-zjw'), [o.id]);
    assert.deepEqual(await preinvList('op-s2'), []);
    assert.deepEqual(await preinvList('dispatcher1'), [o.id]);
    assert.ok(!ok(await call(server, 'GET', '/api/v1/orders?limit=500', { token: org.as('op-zjw') })).items.some((x) => x.id === o.id));
    const seen = ok(await get('op-zjw', o.id));
    assert.equal(seen.preinv, 'pending');
    assert.equal(seen.citizen_masked, true);
    assertError(await o.act(org.as('op-zjw'), 'sign', {}), 404, 'not_found'); // it does not hold it
    // the designated unit's leader and section head are told
    const notes = ok(await call(server, 'GET', `/api/v1/outbox?order_id=${o.id}&kind=coordination`, { token: org.as('supervisor1') })).items;
    assert.deepEqual(notes.map((m) => m.to.role).sort(), ['leader', 'section']);
    assert.ok(notes.every((m) => /预先调查通知】区住建委.*于\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}前提出处理建议/.test(m.text)), JSON.stringify(notes));
    await o.must(org.as('op-zjw'), 'preinv_report', { findings: '系物业公司管理问题', proposal: '建议由属地街道承办', suggested_unit_id: org.units.street1.id });
    assert.equal(ok(await get('dispatcher1', o.id)).preinv_label, '已反馈调查情况');
    assert.deepEqual(await preinvList('op-zjw'), []); // reported: no longer awaited
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
  });
});

describe('领导批示交办 with a written report back (tianning-2013, 003 art. 12(3), 13(2))', () => {
  before(() => usePreset('tianning-2013'));

  test('handed to the unit with a deadline; the unit leader reports in writing; overdue is shown and the late report marked', async () => {
    const o = await dispatched(server, org, { unit: 'street1', sign: true });
    const due = iso(Date.now() + 2000);
    assertError(await o.act(org.as('leader1'), 'instruct', { text: '请限期整改', unit_id: org.units.street2.id, due }), 422, 'invalid', 'unit_id');
    assertError(await o.act(org.as('leader1'), 'instruct', { text: '请限期整改', unit_id: org.units.street1.id }), 400, 'missing_field', 'due');
    await o.must(org.as('leader1'), 'instruct', { text: '请限期整改并书面报告', unit_id: org.units.street1.id, due });
    let d = ok(await get('supervisor1', o.id));
    assert.equal(d.instruct_unit_id, org.units.street1.id);
    const notes = ok(await call(server, 'GET', `/api/v1/outbox?order_id=${o.id}&kind=coordination`, { token: org.as('supervisor1') })).items;
    assert.equal(notes.length, 2);
    assert.match(notes[0].text, /领导批示交办】东华门街道办事处.*书面报告/);
    assert.equal(d.instruct_overdue, false);
    assertError(await o.act(org.as('leader1'), 'instruct', { text: '再次', unit_id: org.units.street1.id, due: iso(Date.now() + 86400000) }), 409, 'bad_state', 'unit_id');
    assertError(await o.act(org.as('op-s1'), 'instruct_report', { report: '已整改' }), 403, 'forbidden');
    // the leaders' list of instructions awaiting a written report
    const listed = async () => ok(await call(server, 'GET', '/api/v1/orders?instructed=true&limit=500', { token: org.as('leader1') })).items;
    assert.deepEqual((await listed()).map((x) => x.id), [o.id]);
    assertError(await call(server, 'GET', '/api/v1/orders?instructed=yes', { token: org.as('leader1') }), 422, 'invalid', 'instructed');
    // the due time passes (the server counts whole seconds)
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(due) + 1100 - Date.now())));
    d = ok(await get('supervisor1', o.id));
    assert.equal(d.instruct_overdue, true);
    assert.equal((await listed())[0].instruct_overdue, true);
    await o.must(org.as('lead-s1'), 'instruct_report', { report: '已按批示完成整改，报告如下' });
    d = ok(await get('supervisor1', o.id));
    assert.equal(d.instruct_unit_id, null);
    assert.equal(d.instruct_overdue, false);
    const report = d.timeline.at(-1);
    assert.equal(report.action, 'instruct_report');
    assert.equal(report.args.late, true);
    assert.equal(report.args.signed_by, '陈主任');
    assertError(await o.act(org.as('lead-s1'), 'instruct_report', { report: '再报' }), 409, 'bad_state');
    assert.deepEqual(await listed(), []);
  });
});

describe('coordination meetings attached to orders (dongcheng-2016, 000 arts. 5, 11)', () => {
  before(() => usePreset('dongcheng-2016'));

  test('recorded with participants, decisions and follow-ups; listed by order; refused when malformed or by a wrong role', async () => {
    const a = await dispatched(server, org, { unit: 'street1' });
    const b = await filed();
    const meeting = {
      kind: 'joint', title: '物业管理问题联席会议', held_at: iso(Date.now() - 3600000), convener: '区政府办公室',
      participants: [{ name: '东华门街道办事处', unit_id: org.units.street1.id }, { name: '区住建委', unit_id: org.units.dept1.id }],
      decisions: '由街道牵头，住建委配合，两周内完成整改',
      follow_ups: [{ item: '制定整改方案', unit_id: org.units.street1.id, due: iso(Date.now() + 7 * 86400000) }, { item: '督促物业公司', owner: '沈主任' }],
      orders: [a.id, b.id],
    };
    const post = (login, body) => call(server, 'POST', '/api/v1/meetings', { token: org.as(login), body });
    assertError(await post('agent1', meeting), 403, 'forbidden');
    assertError(await post('supervisor1', { ...meeting, kind: 'party' }), 422, 'invalid', 'kind');
    assertError(await post('supervisor1', { ...meeting, orders: [] }), 400, 'missing_field', 'orders');
    assertError(await post('supervisor1', { ...meeting, orders: [a.id, 999999] }), 422, 'invalid', 'orders');
    assertError(await post('supervisor1', { ...meeting, participants: [{ name: '无此单位', unit_id: 999999 }] }), 422, 'invalid', 'participants');
    assertError(await post('supervisor1', { ...meeting, follow_ups: [{ item: '无人负责' }] }), 400, 'missing_field', 'follow_ups[0].owner');
    const r = await post('supervisor1', meeting);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `/api/v1/meetings/${r.json.id}`);
    assert.equal(r.json.kind_label, '联席会议');
    assert.match(r.json.held_at_label, /年.*月.*日/);
    assert.deepEqual(r.json.order_numbers, [a.number, b.number]);
    assert.equal(r.json.follow_ups[0].unit_name, '东华门街道办事处');
    assert.match(r.json.follow_ups[0].due_label, /年.*月.*日/);
    const one = ok(await call(server, 'GET', r.headers.get('location'), { token: org.as('leader1') }));
    assert.equal(one.decisions, meeting.decisions);
    const list = ok(await call(server, 'GET', `/api/v1/meetings?order_id=${b.id}`, { token: org.as('dispatcher1') }));
    assert.deepEqual(list.items.map((x) => x.id), [r.json.id]);
    // the unit holding order a sees its meetings; a unit that does not is refused
    assert.equal(ok(await call(server, 'GET', `/api/v1/meetings?order_id=${a.id}`, { token: org.as('op-s1') })).items.length, 1);
    assertError(await call(server, 'GET', `/api/v1/meetings?order_id=${a.id}`, { token: org.as('op-s2') }), 403, 'forbidden', 'order_id');
    assertError(await call(server, 'GET', '/api/v1/meetings', { token: org.as('op-s1') }), 403, 'forbidden', 'order_id');
    // the write is audited
    const audit = ok(await call(server, 'GET', '/api/v1/audit?limit=500', { token: org.as('auditor1') }));
    assert.ok(audit.items.some((x) => x.action === 'meeting_add'));
  });
});

describe('accountability records (tianning-2013, 003 arts. 21–22; pingshan-2020, 002 ch. 9)', () => {
  for (const preset of ['tianning-2013', 'pingshan-2020']) {
    test(`${preset}: a supervisor or leader records who, which unit, why, which article and the measure; an auditor lists them`, async () => {
      await usePreset(preset);
      const o = await dispatched(server, org, { unit: 'street2' });
      const rec = {
        order_id: o.id, unit_id: org.units.street2.id, person: '褚某', reason: 'delay',
        article: '天宁办法第二十一条第（一）项', measure: 'written_review', note: '逾期未答复导致二次投诉',
      };
      const post = (login, body) => call(server, 'POST', '/api/v1/accountability', { token: org.as(login), body });
      assertError(await post('dispatcher1', rec), 403, 'forbidden');
      assertError(await post('op-s2', rec), 403, 'forbidden');
      assertError(await post('leader1', { ...rec, article: undefined }), 400, 'missing_field', 'article');
      assertError(await post('leader1', { ...rec, measure: 'fine' }), 422, 'invalid', 'measure');
      assertError(await post('leader1', { ...rec, reason: 'other', note: '' }), 400, 'missing_field', 'note');
      assertError(await post('leader1', { ...rec, unit_id: 999999 }), 422, 'invalid', 'unit_id');
      assertError(await post('leader1', { ...rec, order_id: 999999 }), 422, 'invalid', 'order_id');
      const r = await post('supervisor1', rec);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.measure_label, '责令作出书面检查');
      assert.match(r.json.reason_label, /推诿拖延/);
      assert.equal(r.json.unit_name, '景山街道办事处');
      assert.equal(r.json.recorded_by_name, '周督办');
      const list = ok(await call(server, 'GET', `/api/v1/accountability?order_id=${o.id}`, { token: org.as('auditor1') }));
      assert.deepEqual(list.items.map((x) => x.id), [r.json.id]);
      assert.match(list.items[0].at_label, /年.*月.*日/);
      assertError(await call(server, 'GET', '/api/v1/accountability', { token: org.as('lead-s2') }), 403, 'forbidden');
      assertError(await call(server, 'GET', '/api/v1/accountability', { token: org.as('dispatcher1') }), 403, 'forbidden');
    });
  }
});
