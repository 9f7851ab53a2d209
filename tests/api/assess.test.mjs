// The assessment over the API (src/http/res_assess.c): the ranking of a scheme for a period as
// JSON, CSV and XLSX, the orders behind a unit's indicators, appeals and decisions, manual items,
// schemes and the indicator catalogue, with unit users kept to their own unit. Orders are driven
// through the real lifecycle first, so the numbers come from real events.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, dispatched, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
let period;
let registered = true;
const orders = {};

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  const probe = await call(server, 'GET', '/api/v1/assess/indicators', { token: org.admin });
  registered = probe.status !== 404;
  if (!registered) return;
  const now = new Date(Date.now() + 8 * 3600 * 1000); // Asia/Shanghai
  period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  // A: resolved and satisfied. B: a return rejected as unjustified (推诿), then an interim reply,
  // the citizen not contacted and unsatisfied. C (dept1): force-closed.
  const a = await dispatched(server, org, { unit: 'street1', sign: true });
  await a.must(org.as('op-s1'), 'reply', { result: '已修复', closure: 'resolved', responsible: '王科长' });
  await a.must(org.as('reviewer1'), 'review', { pass: true });
  await a.must(org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
  await a.must(org.as('callback1'), 'close', {});
  const b = await dispatched(server, org, { unit: 'street1', sign: true });
  await b.must(org.as('op-s1'), 'return', { reason: '不属于本单位', legal_basis: '三定方案' });
  await b.must(org.as('dispatcher1'), 'return_reject', { reason: '属于街道职责' });
  await b.must(org.as('op-s1'), 'reply', { result: '已列入计划', closure: 'interim', responsible: '王科长' });
  await b.must(org.as('reviewer1'), 'review', { pass: true });
  await b.must(org.as('callback1'), 'callback', { contacted: false, solved: false, satisfaction: 'unsatisfied' });
  const c = await dispatched(server, org, { unit: 'dept1' });
  await c.must(org.as('supervisor1'), 'force_close', { reason: '逾期未回复' });
  Object.assign(orders, { a, b, c });
});
after(async () => { await server.stop(); });

/** Fails a test, saying why, when the server does not serve the assessment routes (never skips). */
function unregistered() {
  assert.ok(registered, 'the assessment routes are not registered (res_assess_register): GET /api/v1/assess/indicators answered 404');
  return false;
}

function unitRow(report, unitId) {
  return report.units.find((u) => u.unit_id === unitId);
}

describe('ranking', () => {
  test('a platform user gets every unit with score, rank, grade and the nine indicators', async (t) => {
    if (unregistered(t)) return;
    const r = ok(await call(server, 'GET', `/api/v1/assess?scheme=dongcheng-2016&period=${period}`, { token: org.as('supervisor1') }));
    assert.equal(r.scheme, 'dongcheng-2016');
    assert.equal(r.period, period);
    assert.equal(r.indicators.length, 9);
    assert.deepEqual(r.grades.map((g) => g.grade), ['A', 'B', 'C', 'D', 'E']);
    const s1 = unitRow(r, org.units.street1.id);
    assert.equal(s1.received, 2);
    assert.equal(s1.indicators.shirk_rate.value, 0.5);
    assert.equal(s1.indicators.shirk_rate.num, 1);
    assert.equal(s1.indicators.shirk_rate.den, 2);
    assert.equal(s1.indicators.interim_rate.value, 0.5);
    assert.equal(s1.indicators.resolved_rate.value, 0.5);
    assert.equal(s1.indicators.feedback_rate.value, 0.5);
    assert.equal(s1.indicators.satisfaction_rate.value, 0.5);
    // 30×(1−0.5) + 30×(0.5×0.8 + 0.5) + 20×0.5 + 20×0.5 = 15 + 27 + 10 + 10 = 62 → C
    assert.equal(s1.score, 62);
    assert.equal(s1.grade, 'C');
    const d1 = unitRow(r, org.units.dept1.id);
    assert.equal(d1.indicators.forced_rate.value, 1);
    assert.equal(d1.score, 30); // 30 + 30×0×… + 0 + 0
    assert.equal(d1.grade, 'E');
    assert.equal(s1.rank, 1);
    assert.equal(d1.rank, 2);
    const water = unitRow(r, org.units.water.id);
    assert.equal(water.assessed, false);
    assert.equal(water.score, null);
  });

  test('the default scheme is the policy\'s, the default period the current month', async (t) => {
    if (unregistered(t)) return;
    const r = ok(await call(server, 'GET', '/api/v1/assess', { token: org.as('leader1') }));
    assert.equal(r.scheme, 'dongcheng-2016');
    assert.equal(r.period, period);
  });

  test('a unit user sees only their own unit, still ranked among all', async (t) => {
    if (unregistered(t)) return;
    const r = ok(await call(server, 'GET', `/api/v1/assess?period=${period}`, { token: org.as('op-zjw') }));
    assert.deepEqual(r.units.map((u) => u.unit_id), [org.units.dept1.id]);
    assert.equal(r.units[0].rank, 2);
    assertError(await call(server, 'GET', `/api/v1/assess?period=${period}&unit_id=${org.units.street1.id}`, { token: org.as('op-zjw') }), 404, 'not_found', 'unit_id');
  });

  test('linshu-2020 scores streets and departments apart; beijing-2020 has its three rates', async (t) => {
    if (unregistered(t)) return;
    const l = ok(await call(server, 'GET', `/api/v1/assess?scheme=linshu-2020&period=${period}`, { token: org.admin }));
    assert.deepEqual(l.groups.map((g) => g.name), ['镇街', '县直单位']);
    assert.equal(unitRow(l, org.units.street1.id).group, '镇街');
    assert.equal(unitRow(l, org.units.dept1.id).group, '县直单位');
    assert.equal(unitRow(l, org.units.dept1.id).rank, 1); // alone in its group
    const b = ok(await call(server, 'GET', `/api/v1/assess?scheme=beijing-2020&period=${period}`, { token: org.admin }));
    assert.deepEqual(b.indicators.map((i) => i.name), ['响应率', '解决率', '满意率']);
    // 10×0.5 + 45×0.5 + 45×0.5 = 50
    assert.equal(unitRow(b, org.units.street1.id).score, 50);
  });

  test('bad queries are refused with the field', async (t) => {
    if (unregistered(t)) return;
    const token = org.as('supervisor1');
    assertError(await call(server, 'GET', '/api/v1/assess?period=last-month', { token }), 422, 'invalid', 'period');
    assertError(await call(server, 'GET', '/api/v1/assess?period=2026-10&from=2026-10-01', { token }), 422, 'invalid', 'period');
    assertError(await call(server, 'GET', '/api/v1/assess?scheme=nope', { token }), 404, 'not_found', 'scheme');
    assertError(await call(server, 'GET', '/api/v1/assess?format=pdf', { token }), 422, 'invalid', 'format');
    assertError(await call(server, 'GET', '/api/v1/assess?sort=score', { token }), 400, 'unknown_field', 'sort');
    assertError(await call(server, 'GET', '/api/v1/assess'), 401);
  });
});

describe('exports', () => {
  test('CSV with Chinese headers', async (t) => {
    if (unregistered(t)) return;
    const r = await call(server, 'GET', `/api/v1/assess?period=${period}&format=csv`, { token: org.as('supervisor1') });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv/);
    assert.match(r.headers.get('content-disposition'), /attachment; filename="dongcheng-2016_/);
    const lines = r.text.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.equal(lines[0].split(',').slice(0, 8).join(','), '分组,排名,单位编码,单位名称,单位类型,得分,等级,接收量');
    assert.ok(lines[0].includes('推诿率(%)'));
    const s1 = lines.find((l) => l.includes('东华门街道办事处')).split(',');
    assert.equal(s1[5], '62.00');
    assert.equal(s1[6], 'C');
  });

  test('XLSX is a workbook', async (t) => {
    if (unregistered(t)) return;
    const res = await fetch(`${server.url}/api/v1/assess?period=${period}&format=xlsx`, { headers: { authorization: `Bearer ${org.as('supervisor1')}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    assert.ok(bytes.length > 2000);
  });
});

describe('the orders behind the indicators', () => {
  test('each order with what it adds to each indicator', async (t) => {
    if (unregistered(t)) return;
    const r = ok(await call(server, 'GET', `/api/v1/assess/units/${org.units.street1.id}/orders?period=${period}&indicator=推诿率`, { token: org.as('op-s1') }));
    assert.equal(r.orders.length, 2);
    const b = r.orders.find((o) => o.order_id === orders.b.id);
    assert.equal(b.number, orders.b.number);
    assert.deepEqual(b.indicators.shirk_rate, { num: 1, den: 1 });
    assertError(await call(server, 'GET', `/api/v1/assess/units/${org.units.street1.id}/orders`, { token: org.as('op-zjw') }), 404, 'not_found');
    assertError(await call(server, 'GET', `/api/v1/assess/units/${org.units.street1.id}/orders?indicator=x`, { token: org.admin }), 422, 'invalid', 'indicator');
  });
});

describe('appeals', () => {
  let appeal;
  test('a unit leader appeals with evidence; others cannot', async (t) => {
    if (unregistered(t)) return;
    const body = { order_id: orders.b.id, indicators: ['推诿率'], reason: '该件属区住建委职责', evidence: [{ name: '三定方案.pdf', url: '/files/1' }] };
    assertError(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('op-s1'), body }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('lead-s2'), body }), 404, 'not_found');
    assertError(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('lead-s1'), body: { ...body, evidence: [] } }), 400, 'missing_field', 'evidence');
    assertError(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('lead-s1'), body: { ...body, extra: 1 } }), 400, 'unknown_field', 'extra');
    appeal = ok(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('lead-s1'), body }), 201);
    assert.equal(appeal.status, 'pending');
    assert.deepEqual(appeal.indicators, ['shirk_rate']);
    assertError(await call(server, 'POST', '/api/v1/assess/appeals', { token: org.as('lead-s1'), body }), 409, 'exists');
    const mine = ok(await call(server, 'GET', '/api/v1/assess/appeals', { token: org.as('op-s1') }));
    assert.deepEqual(mine.appeals.map((x) => x.id), [appeal.id]);
    const theirs = ok(await call(server, 'GET', '/api/v1/assess/appeals', { token: org.as('op-s2') }));
    assert.equal(theirs.appeals.length, 0);
    assertError(await call(server, 'GET', `/api/v1/assess/appeals/${appeal.id}`, { token: org.as('op-s2') }), 404, 'not_found');
  });

  test('upheld, the order leaves the named indicator', async (t) => {
    if (unregistered(t)) return;
    const path = `/api/v1/assess/appeals/${appeal.id}/decision`;
    assertError(await call(server, 'POST', path, { token: org.as('lead-s1'), body: { uphold: true } }), 403, 'forbidden');
    assertError(await call(server, 'POST', path, { token: org.as('supervisor1'), body: { uphold: false } }), 400, 'missing_field', 'note');
    const d = ok(await call(server, 'POST', path, { token: org.as('supervisor1'), body: { uphold: true, note: '排除使用' } }));
    assert.equal(d.status, 'upheld');
    assertError(await call(server, 'POST', path, { token: org.admin, body: { uphold: false, note: 'x' } }), 409, 'bad_state');
    const r = ok(await call(server, 'GET', `/api/v1/assess?period=${period}`, { token: org.as('supervisor1') }));
    assert.equal(r.exclusions, 1);
    const s1 = unitRow(r, org.units.street1.id);
    assert.deepEqual(s1.indicators.shirk_rate, { value: 0, num: 0, den: 1 });
    assert.equal(s1.score, 77); // 30 + 27 + 10 + 10
    assert.equal(s1.grade, 'B');
  });
});

describe('items and schemes', () => {
  test('supervisors enter items, and cancel them', async (t) => {
    if (unregistered(t)) return;
    const body = { unit_id: org.units.street1.id, kind: 'bonus_points', points: 2, on: `${period}-15`, note: '疑难事件兜底' };
    assertError(await call(server, 'POST', '/api/v1/assess/items', { token: org.as('op-s1'), body }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/assess/items', { token: org.as('supervisor1'), body: { ...body, kind: 'gift' } }), 422, 'invalid', 'kind');
    const item = ok(await call(server, 'POST', '/api/v1/assess/items', { token: org.as('supervisor1'), body }), 201);
    const list = ok(await call(server, 'GET', `/api/v1/assess/items?period=${period}`, { token: org.as('op-s1') }));
    assert.deepEqual(list.items.map((i) => i.id), [item.id]);
    ok(await call(server, 'POST', `/api/v1/assess/items/${item.id}/cancel`, { token: org.as('supervisor1'), body: { reason: '录入错误' } }));
    assertError(await call(server, 'POST', `/api/v1/assess/items/${item.id}/cancel`, { token: org.as('supervisor1'), body: { reason: 'x' } }), 409, 'bad_state');
  });

  test('schemes are listed, read, and changed by an admin; a bad formula names its position', async (t) => {
    if (unregistered(t)) return;
    const list = ok(await call(server, 'GET', '/api/v1/assess/schemes', { token: org.as('op-s1') }));
    assert.deepEqual(list.schemes.map((s) => s.name).sort(), ['beijing-2020', 'dongcheng-2016', 'linshu-2020', 'pingshan-2020', 'tianning-2013']);
    const doc = ok(await call(server, 'GET', '/api/v1/assess/schemes/beijing-2020', { token: org.as('op-s1') }));
    assert.equal(doc.params.w_response, 10);
    assertError(await call(server, 'GET', '/api/v1/assess/schemes/nope', { token: org.admin }), 404, 'not_found');
    doc.params.w_response = 20;
    doc.params.w_resolution = 40;
    doc.params.w_satisfaction = 40;
    assertError(await call(server, 'PUT', '/api/v1/assess/schemes/beijing-2020', { token: org.as('supervisor1'), body: doc }), 403, 'forbidden');
    const bad = structuredClone(doc);
    bad.items[0].expr = 'w_response × (响应率';
    const err = assertError(await call(server, 'PUT', '/api/v1/assess/schemes/beijing-2020', { token: org.admin, body: bad }), 422, 'invalid', 'items[0].expr');
    assert.match(err.message, /第 18 个字符处：应为“\)”/);
    ok(await call(server, 'PUT', '/api/v1/assess/schemes/beijing-2020', { token: org.admin, body: doc }));
    const b = ok(await call(server, 'GET', `/api/v1/assess?scheme=beijing-2020&period=${period}`, { token: org.admin }));
    assert.equal(unitRow(b, org.units.street1.id).score, 50); // 20×0.5 + 40×0.5 + 40×0.5
    assert.equal(unitRow(b, org.units.street1.id).items.response, 10);
  });

  test('a scheme document is previewed for a period without being stored (the editor)', async () => {
    const doc = ok(await call(server, 'GET', '/api/v1/assess/schemes/beijing-2020', { token: org.admin }));
    const stored = unitRow(ok(await call(server, 'GET', `/api/v1/assess?scheme=beijing-2020&period=${period}`, { token: org.admin })), org.units.street1.id).score;
    doc.params.w_response = 10;
    doc.params.w_resolution = 10;
    doc.params.w_satisfaction = 10;
    assertError(await call(server, 'POST', `/api/v1/assess/preview?period=${period}`, { token: org.as('supervisor1'), body: doc }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/assess/preview?period=2026-13', { token: org.admin, body: doc }), 422, 'invalid', 'period');
    assertError(await call(server, 'POST', `/api/v1/assess/preview?period=${period}&scheme=x`, { token: org.admin, body: doc }), 400, 'unknown_field', 'scheme');
    const bad = structuredClone(doc);
    bad.items[0].expr = 'w_response × (响应率';
    assertError(await call(server, 'POST', `/api/v1/assess/preview?period=${period}`, { token: org.admin, body: bad }), 422, 'invalid', 'items[0].expr');
    const p = ok(await call(server, 'POST', `/api/v1/assess/preview?period=${period}`, { token: org.admin, body: doc }));
    assert.equal(p.preview, true);
    assert.equal(unitRow(p, org.units.street1.id).score, 15); // 10×0.5 three times
    const again = ok(await call(server, 'GET', `/api/v1/assess?scheme=beijing-2020&period=${period}`, { token: org.admin }));
    assert.equal(unitRow(again, org.units.street1.id).score, stored, 'nothing stored');
  });

  test('the indicator catalogue', async (t) => {
    if (unregistered(t)) return;
    const c = ok(await call(server, 'GET', '/api/v1/assess/indicators', { token: org.as('op-s1') }));
    const shirk = c.indicators.find((i) => i.id === 'shirk_rate');
    assert.deepEqual(shirk, { id: 'shirk_rate', label: '推诿率', kind: 'rate', numerator: shirk.numerator, denominator: '接收的工单' });
    assert.ok(c.supervision_kinds.some((k) => k.kind === 'media'));
  });
});
