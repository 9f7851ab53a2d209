// Search over the API (issue 9): one query read as a number, an upstream id, a caller's phone or
// name, or words; who may look citizens up and the audit of every such lookup; a caller's
// history; the synonym list; duplicate checks of a draft and of an order; a repeat linked at
// intake counted in the original unit's 反复举报率.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, dispatched, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
const orders = {};
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  orders.park = await intake(server, org, { title: '停车场收费过高', text: '小区地下停车场每月收费八百元，物业不给说法', citizen_name: '王建国', citizen_phone: '13812340001', address: '多福巷12号' });
  orders.chaos = await intake(server, org, { title: '路边乱停车堵路', text: '每天早上车辆乱停车，消防通道被占', citizen_name: '李梅', citizen_phone: '13812340002', address: '景山前街3号' });
  orders.trad = await intake(server, org, { title: '停車場出口擁堵', text: '停車場出口每天擁堵', citizen_name: '陈静', citizen_phone: '13600001111', address: '美术馆后街1号' });
  orders.noise = await intake(server, org, { title: '广场舞噪声扰民', text: '晚上十点后仍有噪声', citizen_name: '赵敏', citizen_phone: '13712345678', address: '朝阳门内大街8号' });
  orders.up = await intake(server, org, { channel: 'upstream', upstream_id: 'BJ12345-2026-0042', title: '供暖不热', text: '室温只有十五度', citizen_name: '孙丽', citizen_phone: '13400003333', address: '北池子9号' });
  orders.held = await dispatched(server, org, { unit: 'street1', fields: { title: '楼道灯不亮', text: '三号楼楼道灯坏了一周', citizen_name: '周强', citizen_phone: '13300004444', address: '多福巷社区3号楼' } });
});
after(async () => { await server.stop(); });

const search = (q, login = 'agent1', extra = '') => call(server, 'GET', `/api/v1/search?q=${encodeURIComponent(q)}${extra}`, { token: org.as(login) });
const ids = (r) => r.items.map((o) => o.id);
async function auditEntries() {
  const all = [];
  let cursor = '';
  for (;;) {
    const page = ok(await call(server, 'GET', `/api/v1/audit?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token: org.as('auditor1') }));
    all.push(...page.items);
    if (page.next_cursor === null) return all;
    cursor = page.next_cursor;
  }
}

describe('search kinds', () => {
  test('an order number, whole or its tail', async () => {
    const r = ok(await search(orders.park.number));
    assert.equal(r.items[0].id, orders.park.id);
    assert.deepEqual(r.items[0].match, { kind: 'number', label: '工单编号', exact: true });
    const tail = ok(await search(orders.park.number.slice(-5)));
    assert.ok(ids(tail).includes(orders.park.id));
    assert.equal(tail.items[0].match.exact, false);
  });

  test('an upstream id, and a phone whole or its last four digits', async () => {
    assert.equal(ok(await search('bj12345-2026-0042')).items[0].id, orders.up.id);
    const whole = ok(await search('138 1234 0001'));
    assert.equal(whole.items[0].id, orders.park.id);
    assert.equal(whole.items[0].match.kind, 'phone');
    const tail = ok(await search('0001'));
    assert.ok(ids(tail).includes(orders.park.id));
  });

  test('a name; results never carry the citizen', async () => {
    const r = ok(await search('王建国'));
    assert.equal(r.items[0].id, orders.park.id);
    assert.equal(r.items[0].match.kind, 'name');
    const text = JSON.stringify(r);
    assert.ok(!text.includes('13812340001') && !text.includes('citizen_phone'));
  });

  test('two characters inside longer words, traditional input, synonyms', async () => {
    const park = ok(await search('停车'));
    for (const o of [orders.park, orders.chaos, orders.trad]) assert.ok(ids(park).includes(o.id), o.number);
    const trad = ids(ok(await search('停車場')));
    assert.ok(trad.includes(orders.park.id) && trad.includes(orders.trad.id));
    assert.ok(ids(ok(await search('噪音'))).includes(orders.noise.id), '噪音 finds 噪声 by the default synonyms');
    assert.ok(ids(ok(await search('物业公司'))).includes(orders.park.id), '物业公司 finds 物业');
  });

  test('paging by cursor', async () => {
    const first = ok(await search('停车', 'agent1', '&limit=1'));
    assert.equal(first.items.length, 1);
    assert.equal(typeof first.next_cursor, 'string');
    const second = ok(await search('停车', 'agent1', `&limit=1&cursor=${first.next_cursor}`));
    assert.notEqual(second.items[0].id, first.items[0].id);
  });

  test('bad input is refused and names the parameter', async () => {
    assertError(await call(server, 'GET', '/api/v1/search', { token: org.as('agent1') }), 400, 'missing_field', 'q');
    assertError(await search('停车', 'agent1', '&limit=0'), 422, 'invalid', 'limit');
    assertError(await search('停车', 'agent1', '&cursor=x'), 422, 'invalid', 'cursor');
    assertError(await search('停车', 'agent1', '&sort=x'), 400, 'unknown_field', 'sort');
    assertError(await search('停'.repeat(201)), 422, 'too_long', 'q');
    assertError(await call(server, 'GET', '/api/v1/search?q=x'), 401);
  });
});

describe('who may look up citizens', () => {
  test('unit users search their unit\'s orders only, never by citizen', async () => {
    assert.deepEqual(ids(ok(await search('楼道灯', 'op-s1'))), [orders.held.id]);
    assert.deepEqual(ids(ok(await search('楼道灯', 'op-s2'))), []);
    assert.deepEqual(ids(ok(await search('周强', 'op-s1'))), []);
    assert.deepEqual(ids(ok(await search('13300004444', 'op-s1'))), []);
    assert.deepEqual(ids(ok(await search('停车', 'op-s1'))), []);
    assertError(await call(server, 'GET', '/api/v1/citizens/history?phone=13300004444', { token: org.as('op-s1') }), 403, 'forbidden');
  });

  test('the auditor: words yes, citizens no', async () => {
    assert.deepEqual(ids(ok(await search('13812340001', 'auditor1'))), []);
    assert.deepEqual(ids(ok(await search('王建国', 'auditor1'))), []);
    assert.ok(ok(await search('停车', 'auditor1')).items.length >= 3);
    assertError(await call(server, 'GET', '/api/v1/citizens/history?phone=13812340001', { token: org.as('auditor1') }), 403, 'forbidden');
  });

  test('every lookup by phone or name is audited, words are not', async () => {
    const before = (await auditEntries()).length;
    ok(await search('13812340001', 'dispatcher1'));
    ok(await search('王建国', 'agent1'));
    ok(await search('停车场', 'agent1'));
    const after = await auditEntries();
    const added = after.slice(before);
    assert.equal(added.length, 2);
    assert.ok(added.every((e) => e.action === 'search_citizen'));
    assert.ok(added[0].detail.includes('13812340001'));
    assert.ok(added[1].detail.includes('王建国'));
  });

  test('a caller\'s history: every order of the phone, newest first, audited', async () => {
    const again = await intake(server, org, { title: '停车场收费还是没解决', text: '再次反映地下停车场收费问题', citizen_name: '王建国', citizen_phone: '13812340001' });
    const before = (await auditEntries()).length;
    const r = ok(await call(server, 'GET', '/api/v1/citizens/history?phone=13812340001', { token: org.as('agent1') }));
    assert.deepEqual(ids(r), [again.id, orders.park.id]);
    assert.ok(r.items.every((o) => typeof o.status === 'string' && o.status_label));
    const added = (await auditEntries()).slice(before);
    assert.equal(added.length, 1);
    assert.equal(added[0].action, 'citizen_history');
    assertError(await call(server, 'GET', '/api/v1/citizens/history?phone=12ab', { token: org.as('agent1') }), 422, 'invalid', 'phone');
    assertError(await call(server, 'GET', '/api/v1/citizens/history', { token: org.as('agent1') }), 400, 'missing_field', 'phone');
  });
});

describe('synonyms', () => {
  test('defaults, an admin edit that takes effect, refusals that change nothing', async () => {
    const cur = ok(await call(server, 'GET', '/api/v1/synonyms', { token: org.as('agent1') }));
    assert.equal(cur.custom, false);
    assert.ok(cur.groups.some((g) => g.includes('噪音') && g.includes('噪声')));
    assert.deepEqual(ids(ok(await search('泊位紧张'))), []);
    assertError(await call(server, 'PUT', '/api/v1/synonyms', { token: org.as('agent1'), body: { groups: [['a', 'b']] } }), 403, 'forbidden');
    assertError(await call(server, 'PUT', '/api/v1/synonyms', { token: org.admin, body: { groups: [['噪音']] } }), 422, 'invalid', 'groups');
    assertError(await call(server, 'PUT', '/api/v1/synonyms', { token: org.admin, body: { groups: [['噪 音', '噪声']] } }), 422, 'invalid', 'groups');
    assertError(await call(server, 'PUT', '/api/v1/synonyms', { token: org.admin, body: {} }), 400, 'missing_field', 'groups');
    assert.equal(ok(await call(server, 'GET', '/api/v1/synonyms', { token: org.as('agent1') })).custom, false);
    const groups = [...cur.groups, ['收费过高', '收费太贵']];
    ok(await call(server, 'PUT', '/api/v1/synonyms', { token: org.admin, body: { groups } }));
    assert.ok(ids(ok(await search('收费太贵'))).includes(orders.park.id));
    ok(await call(server, 'PUT', '/api/v1/synonyms', { token: org.admin, body: { groups: cur.defaults } }));
  });
});

describe('duplicates and repeats', () => {
  test('a reworded retelling by the same caller is found with its score and reasons', async () => {
    const r = ok(await call(server, 'POST', '/api/v1/duplicates', {
      token: org.as('agent1'),
      body: { title: '地下车库停车费太贵', text: '我们小区地下停车场每月要收八百元，物业不给说法', citizen_phone: '13812340001', address: '多福巷12号' },
    }));
    assert.equal(r.items[0].order.id, orders.park.id);
    assert.equal(r.items[0].likely, true);
    assert.ok(r.items[0].score >= r.threshold && r.items[0].score <= 1);
    const codes = r.items[0].reasons.map((x) => x.code);
    assert.ok(codes.includes('same_phone'), JSON.stringify(r.items[0].reasons));
    assert.ok(r.items[0].reasons.every((x) => typeof x.label === 'string' && /[\u4e00-\u9fff]/.test(x.label)));
    assert.ok(!JSON.stringify(r).includes('13812340001'));
    const none = ok(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('agent1'), body: { title: '咨询社保卡补办', text: '社保卡丢了怎么补办' } }));
    assert.deepEqual(none.items, []);
  });

  test('refusals', async () => {
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('op-s1'), body: { title: 'x' } }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('auditor1'), body: { title: 'x' } }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('agent1'), body: { address: 'x' } }), 400, 'missing_field', 'title');
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('agent1'), body: { title: 'x', days: 0 } }), 422, 'invalid', 'days');
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('agent1'), body: { title: 'x', region_id: 'a' } }), 400, 'wrong_type', 'region_id');
    assertError(await call(server, 'POST', '/api/v1/duplicates', { token: org.as('agent1'), body: { title: 'x', nope: 1 } }), 400, 'unknown_field', 'nope');
  });

  test('a repeat linked at intake is not filed as its duplicate and counts in the unit\'s 反复举报率', async () => {
    const copy = await intake(server, org, { title: '楼道灯还是不亮', text: '三号楼楼道灯坏了一周没人修', citizen_name: '吴芳', citizen_phone: '13300005555', address: '多福巷社区3号楼' });
    const found = ok(await call(server, 'GET', `/api/v1/orders/${copy.id}/duplicates`, { token: org.as('agent1') }));
    assert.ok(found.items.some((d) => d.order.id === orders.held.id), JSON.stringify(found.items.map((d) => [d.order.id, d.score])));
    await copy.must(org.as('agent1'), 'not_file', { reason: 'duplicate', duplicate_of: orders.held.id, explanation: `与工单${orders.held.number}为同一诉求，受理时关联` });
    const now = new Date(Date.now() + 8 * 3600 * 1000);
    const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const r = ok(await call(server, 'GET', `/api/v1/assess/units/${org.units.street1.id}/orders?period=${period}&indicator=repeat_rate`, { token: org.as('supervisor1') }));
    const held = r.orders.find((o) => o.order_id === orders.held.id);
    assert.ok(held, JSON.stringify(r.orders));
    assert.deepEqual(held.indicators.repeat_rate, { num: 1, den: 1 });
  });
});
