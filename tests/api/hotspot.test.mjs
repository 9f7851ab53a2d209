// Hotspot early warning over the API (issue 11): topics CRUD with refusals that name the field
// in Chinese, role checks, a scan raising warnings from real orders (threshold and distinct
// citizens; one caller three times is one citizen), no second warning for the same evidence,
// the inbox of recipients with the evidence orders, 签收, 处置反馈 and 办结, the notifications in
// the outbox, and the list by raising time that the daily report reads.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const topicsUrl = '/api/v1/hotspots/topics';
const post = (login, url, body) => call(server, 'POST', url, { token: org.as(login), body });
const get = (login, url) => call(server, 'GET', url, { token: org.as(login) });

function chinese(r) {
  assert.match(r.json.error.message, /[\u4e00-\u9fff]/, `not Chinese: ${r.json.error.message}`);
}

describe('topics', () => {
  test('refusals name the field, in Chinese, and store nothing', async () => {
    const base = { name: '井盖安全', kind: 'safety', keywords: ['井盖'], threshold: 3, recipients: { roles: ['leader'] } };
    const cases = [
      [{ ...base, name: '' }, 422, 'invalid', 'name'],
      [{ ...base, kind: 'urgent' }, 422, 'invalid', 'kind'],
      [{ ...base, keywords: ['井盖 缺失'] }, 422, 'invalid', 'keywords'],
      [{ ...base, keywords: [], categories: [] }, 400, 'missing_field', 'keywords'],
      [{ ...base, categories: [999999] }, 422, 'invalid', 'categories'],
      [{ ...base, regions: ['x'] }, 400, 'wrong_type', 'regions'],
      [{ ...base, threshold: 0 }, 400, 'missing_field', 'threshold'],
      [{ ...base, threshold: 1 }, 422, 'invalid', 'threshold'],
      [{ ...base, window_days: 400 }, 422, 'invalid', 'window_days'],
      [{ ...base, growth_k: 20 }, 422, 'invalid', 'growth_k'],
      [{ ...base, recipients: {} }, 400, 'missing_field', 'recipients'],
      [{ ...base, recipients: { roles: ['unit_operator'] } }, 422, 'invalid', 'recipients.roles'],
      [{ ...base, recipients: { units: [999999] } }, 422, 'invalid', 'recipients.units'],
      [{ ...base, colour: 'red' }, 400, 'unknown_field', 'colour'],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await post('admin', topicsUrl, body);
      assertError(r, status, code, field);
      chinese(r);
    }
    const list = ok(await get('admin', topicsUrl));
    assert.equal(list.items.length, 0);
    assert.deepEqual(list.kinds.map((k) => k.label), ['安全隐患', '高频', '热点', '敏感']);
  });

  test('who may edit: admin and supervisor; others read or are refused', async () => {
    const body = { name: '角色测试', keywords: ['路灯'], threshold: 5, recipients: { roles: ['leader'] } };
    assertError(await post('agent1', topicsUrl, body), 403, 'forbidden');
    assertError(await post('op-s1', topicsUrl, body), 403, 'forbidden');
    assertError(await get('op-s1', topicsUrl), 403, 'forbidden');
    const t = ok(await post('supervisor1', topicsUrl, body), 201);
    assert.equal(t.name, '角色测试');
    ok(await get('leader1', `${topicsUrl}/${t.id}`));
    // a second topic of the same name
    assertError(await post('admin', topicsUrl, body), 409, 'exists', 'name');
    // a partial update keeps the other fields and is checked as a whole
    const up = ok(await call(server, 'PUT', `${topicsUrl}/${t.id}`, { token: org.as('admin'), body: { threshold: 8, active: false } }));
    assert.equal(up.threshold, 8);
    assert.deepEqual(up.keywords, ['路灯']);
    assert.equal(up.active, false);
    assertError(await call(server, 'PUT', `${topicsUrl}/${t.id}`, { token: org.as('admin'), body: { threshold: 0 } }), 400, 'missing_field', 'threshold');
    assertError(await call(server, 'DELETE', `${topicsUrl}/${t.id}`, { token: org.as('supervisor1') }), 403, 'forbidden');
    assert.equal((await call(server, 'DELETE', `${topicsUrl}/${t.id}`, { token: org.as('admin') })).status, 204);
    assertError(await get('admin', `${topicsUrl}/${t.id}`), 404, 'not_found', 'id');
  });
});

describe('warnings', () => {
  let topic;
  let warning;
  const orders = [];
  before(async () => {
    topic = ok(await post('admin', topicsUrl, {
      name: '物业问题', kind: 'frequent', categories: [org.categories.property.id], regions: [org.regions.s1.id],
      threshold: 3, citizens_min: 3,
      recipients: { units: [org.units.dept1.id], roles: ['leader'], concerned: true },
    }), 201);
  });

  test('one caller three times raises nothing', async () => {
    for (let i = 0; i < 3; i++) {
      orders.push(await intake(server, org, {
        title: `电梯停运第${i + 1}次反映`, text: '3号楼电梯停运一周无人维修', citizen_name: '王先生',
        citizen_phone: i === 1 ? '+86 138-0000-7777' : '13800007777',
        category_id: org.categories.property.id, region_id: org.regions.c1.id,
      }));
    }
    const scan = ok(await post('supervisor1', '/api/v1/hotspots/scan', {}));
    assert.equal(scan.raised, 0);
    assert.equal(ok(await get('admin', '/api/v1/hotspots/warnings')).items.length, 0);
  });

  test('three citizens: threshold and one problem raised, with evidence and recipients', async () => {
    for (const [name, phone] of [['李女士', '13900008888'], ['赵先生', '13700009999']]) {
      orders.push(await intake(server, org, {
        title: '3号楼电梯停运', text: '电梯停运一周，老人上下楼困难', citizen_name: name, citizen_phone: phone,
        category_id: org.categories.property.id, region_id: org.regions.c1.id,
      }));
    }
    // outside the topic's region: not evidence
    await intake(server, org, { title: '电梯停运', citizen_phone: '13600001234', category_id: org.categories.property.id, region_id: org.regions.s2.id });
    assertError(await post('leader1', '/api/v1/hotspots/scan', {}), 403, 'forbidden');
    const scan = ok(await post('supervisor1', '/api/v1/hotspots/scan', {}));
    assert.equal(scan.raised, 2);
    const rules = scan.warnings.map((w) => w.rule).sort();
    assert.deepEqual(rules, ['citizens', 'threshold']);
    const th = scan.warnings.find((w) => w.rule === 'threshold');
    assert.equal(th.kind_label, '高频');
    assert.equal(th.orders, 5);
    assert.equal(th.count, 3);
    assert.equal(th.citizens, 3);
    assert.match(th.title, /物业问题/);
    const units = th.recipients.units.map((u) => u.name).sort();
    assert.deepEqual(units, ['东华门街道办事处', '区住建委'].sort());
    assert.deepEqual(th.recipients.roles.map((r) => r.name), ['leader']);
    warning = th;
    // a second scan: same evidence, nothing new
    const again = ok(await post('admin', '/api/v1/hotspots/scan', {}));
    assert.equal(again.raised, 0);
    assert.ok(again.repeated >= 2);
    // the notifications went to the outbox with the warning
    const box = ok(await get('admin', '/api/v1/outbox?kind=hotspot&limit=500'));
    assert.ok(box.items.length >= 2, JSON.stringify(box));
    assert.ok(box.items.every((m) => m.kind === 'hotspot' && m.text.includes('热点预警')));
    // the leader and the section head of each recipient unit with contacts (users of a role get
    // one when they have a phone: setupOrg's have none)
    assert.ok(box.items.some((m) => m.unit_id === org.units.dept1.id && m.to.role === 'leader'));
    assert.ok(box.items.some((m) => m.unit_id === org.units.street1.id && m.to.role === 'section'));
  });

  test('the inbox: recipients see it with its evidence; others do not', async () => {
    const mine = ok(await get('op-zjw', '/api/v1/hotspots/warnings'));
    assert.ok(mine.items.some((w) => w.id === warning.id));
    ok(await get('leader1', `/api/v1/hotspots/warnings/${warning.id}`));
    const none = ok(await get('op-s2', '/api/v1/hotspots/warnings'));
    assert.equal(none.items.length, 0);
    assertError(await get('op-s2', `/api/v1/hotspots/warnings/${warning.id}`), 404, 'not_found', 'id');
    assertError(await get('agent1', `/api/v1/hotspots/warnings/${warning.id}`), 404, 'not_found', 'id');
    const one = ok(await get('op-zjw', `/api/v1/hotspots/warnings/${warning.id}`));
    assert.deepEqual(one.evidence.map((o) => o.id).sort(), orders.map((o) => o.id).sort());
    assert.ok(one.evidence.every((o) => o.number && o.title && o.created_at));
    assert.equal(one.may_ack, true);
    assert.equal(one.state_label, '待签收');
    // the list by raising time (the daily report): empty before, the two warnings in range
    const before = ok(await get('admin', '/api/v1/hotspots/warnings?to=2001-01-01'));
    assert.equal(before.items.length, 0);
    assertError(await get('admin', '/api/v1/hotspots/warnings?from=yesterday'), 422, 'invalid', 'from');
    assertError(await get('admin', '/api/v1/hotspots/warnings?state=new'), 422, 'invalid', 'state');
    assertError(await get('admin', '/api/v1/hotspots/warnings?colour=1'), 400, 'unknown_field', 'colour');
  });

  test('签收, 处置反馈, 办结 with their refusals', async () => {
    const url = `/api/v1/hotspots/warnings/${warning.id}`;
    assertError(await post('op-s2', `${url}/ack`, {}), 404, 'not_found', 'id');
    assertError(await post('supervisor1', `${url}/ack`, {}), 403, 'forbidden', 'id'); // not a recipient
    const acked = ok(await post('op-zjw', `${url}/ack`, {}));
    assert.equal(acked.state, 'acked');
    assert.equal(acked.notes[0].kind_label, '签收');
    assert.equal(acked.notes[0].unit_name, '区住建委');
    const twice = await post('lead-zjw', `${url}/ack`, {}); // the same unit
    assertError(twice, 409, 'bad_state', 'id');
    chinese(twice);
    ok(await post('lead-s1', `${url}/ack`, {})); // the street, another recipient
    const empty = await post('op-zjw', `${url}/follow-up`, { text: '' });
    assertError(empty, 400, 'missing_field', 'text');
    chinese(empty);
    assertError(await post('op-zjw', `${url}/follow-up`, { text: 5 }), 400, 'wrong_type', 'text');
    assertError(await post('op-zjw', `${url}/follow-up`, { text: '字'.repeat(601) }), 422, 'too_long', 'text');
    ok(await post('op-zjw', `${url}/follow-up`, { text: '已联系物业公司，明日维修电梯' }));
    assertError(await post('op-zjw', `${url}/close`, {}), 400, 'missing_field', 'text');
    const closed = ok(await post('supervisor1', `${url}/close`, { text: '电梯已修复，逐户回访' }));
    assert.equal(closed.state, 'closed');
    assert.deepEqual(closed.notes.map((n) => n.kind), ['ack', 'ack', 'follow_up', 'close']);
    assertError(await post('op-zjw', `${url}/follow-up`, { text: '再补充' }), 409, 'bad_state', 'state');
    assert.equal(ok(await get('op-zjw', '/api/v1/hotspots/warnings?state=closed')).items.length, 1);
  });
});
