// Reports over the API (src/http/res_report.c): a draft of today's 早报 counted against the orders
// made here, issuing (immutable snapshots, numbered editions), the XLSX and the printable page,
// the role rules (unit users see their own unit's monthly report only), and refusals naming the
// field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, dispatched, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
let today;
let yesterday;

function shanghaiDay(offsetDays) {
  const d = new Date(Date.now() + 8 * 3600 * 1000 + offsetDays * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  today = shanghaiDay(0);
  yesterday = shanghaiDay(-1);
  // three orders today: two 12345 complaints in 东华门 (one dispatched), one wechat consultation
  // in 景山
  await dispatched(server, org, { unit: 'street1' });
  await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
  await intake(server, org, {
    channel: 'wechat', type: 'consult', title: '咨询垃圾分类时间',
    category_id: org.categories.noise.id, region_id: org.regions.s2.id,
  });
});
after(async () => { await server.stop(); });

function section(doc, id) {
  const s = doc.sections.find((x) => x.id === id);
  assert.ok(s, `no section ${id}`);
  return s;
}
function rowN(doc, id, name) {
  const r = section(doc, id).rows.find((x) => x.name === name);
  return r ? r.n : 0;
}
function fig(doc, id) {
  const f = doc.figures.find((x) => x.id === id);
  assert.ok(f, `no figure ${id}`);
  return f.value;
}

describe('drafts', () => {
  test("today's 早报 counts the orders taken in today", async () => {
    const r = ok(await call(server, 'POST', '/api/v1/reports/preview', { token: org.as('leader1'), body: { kind: 'daily', period: today } }));
    assert.equal(r.draft, true);
    const doc = r.doc;
    assert.equal(doc.kind, 'daily');
    assert.match(doc.title, /^每日早报（\d{4}年\d{1,2}月\d{1,2}日）$/);
    assert.equal(fig(doc, 'received'), 3);
    assert.equal(fig(doc, 'dispatched'), 1);
    assert.equal(rowN(doc, 'by_channel', '12345热线'), 2);
    assert.equal(rowN(doc, 'by_channel', '微信'), 1);
    assert.equal(rowN(doc, 'by_type', '投诉'), 2);
    assert.equal(rowN(doc, 'by_type', '咨询'), 1);
    assert.equal(rowN(doc, 'by_street', '东华门街道'), 2);
    assert.equal(rowN(doc, 'by_street', '景山街道'), 1);
    assert.equal(rowN(doc, 'by_category', '城乡建设'), 2);
    assert.equal(rowN(doc, 'by_category', '环境保护'), 1);
    const chart = section(doc, 'by_channel').chart;
    assert.deepEqual(chart, { type: 'pie', x: 'name', y: 'n' });
    assert.doesNotMatch(JSON.stringify(doc.sections), /\d{4}-\d{2}-\d{2}T/); // no ISO dates shown
  });

  test('the unit report of a street counts only what it holds', async () => {
    const month = today.slice(0, 7);
    const doc = ok(await call(server, 'POST', '/api/v1/reports/preview', { token: org.as('lead-s1'), body: { kind: 'unit_monthly', period: month } })).doc;
    assert.equal(doc.unit.id, org.units.street1.id);
    assert.equal(fig(doc, 'received'), 1);
  });
});

describe('issuing', () => {
  let first;
  test('an admin issues yesterday\'s 早报: stored, numbered, with a Location', async () => {
    const r = await call(server, 'POST', '/api/v1/reports', { token: org.admin, body: { kind: 'daily', period: yesterday } });
    first = ok(r, 201);
    assert.equal(r.headers.get('location'), `/api/v1/reports/${first.id}`);
    assert.equal(first.edition, 1);
    assert.equal(first.kind_label, '每日早报');
    assert.match(first.issued_at_label, /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    assert.equal(first.issued_by_name, '系统管理员');
    assert.equal(fig(first.doc, 'received'), 0); // nothing was taken in yesterday
  });

  test('issuing the same period again makes a second edition; the first stays as it was', async () => {
    const second = ok(await call(server, 'POST', '/api/v1/reports', { token: org.as('leader1'), body: { kind: 'daily', period: yesterday } }), 201);
    assert.equal(second.edition, 2);
    assert.notEqual(second.id, first.id);
    const again = ok(await call(server, 'GET', `/api/v1/reports/${first.id}`, { token: org.as('supervisor1') }));
    assert.deepEqual(again.doc, first.doc);
    assert.equal(again.edition, 1);
    const list = ok(await call(server, 'GET', `/api/v1/reports?kind=daily&period=${yesterday}`, { token: org.as('auditor1') }));
    assert.deepEqual(list.reports.map((x) => x.edition), [2, 1]);
    assert.equal(list.reports[0].doc, undefined);
  });

  test('XLSX and printable page', async () => {
    const x = await fetch(`${server.url}/api/v1/reports/${first.id}/xlsx`, { headers: { authorization: `Bearer ${org.admin}` } });
    assert.equal(x.status, 200);
    assert.match(x.headers.get('content-type'), /spreadsheetml/);
    assert.match(x.headers.get('content-disposition'), /\.xlsx"/);
    const bytes = Buffer.from(await x.arrayBuffer());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');
    const p = await call(server, 'GET', `/api/v1/reports/${first.id}/print`, { token: org.admin });
    assert.equal(p.status, 200);
    assert.match(p.headers.get('content-type'), /text\/html/);
    assert.ok(p.text.includes(first.title));
    assert.match(p.text, /第 1 版/);
    assert.match(p.text, /\d{4}年\d{1,2}月\d{1,2}日/);
    assert.match(p.text, /<table>|本期无/);
  });

  test('kinds say which period each would cover now', async () => {
    const k = ok(await call(server, 'GET', '/api/v1/reports/kinds', { token: org.admin })).kinds;
    assert.deepEqual(k.map((x) => x.kind), ['daily', 'weekly_special', 'weekly', 'unit_monthly', 'notice', 'quarterly']);
    assert.equal(k[0].due_period, yesterday);
  });
});

describe('who sees what', () => {
  let unitReport;
  before(async () => {
    // last month's unit report of street1 (its period has ended)
    const d = new Date(Date.now() + 8 * 3600 * 1000);
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - 1);
    const month = d.toISOString().slice(0, 7);
    unitReport = ok(await call(server, 'POST', '/api/v1/reports', { token: org.admin, body: { kind: 'unit_monthly', period: month, unit_id: org.units.street1.id } }), 201);
    ok(await call(server, 'POST', '/api/v1/reports', { token: org.admin, body: { kind: 'unit_monthly', period: month, unit_id: org.units.street2.id } }), 201);
  });

  test('a unit user lists and reads only their own unit\'s monthly reports', async () => {
    const list = ok(await call(server, 'GET', '/api/v1/reports', { token: org.as('op-s1') })).reports;
    assert.ok(list.length >= 1);
    for (const r of list) {
      assert.equal(r.kind, 'unit_monthly');
      assert.equal(r.unit_id, org.units.street1.id);
    }
    ok(await call(server, 'GET', `/api/v1/reports/${unitReport.id}`, { token: org.as('op-s1') }));
    assertError(await call(server, 'GET', `/api/v1/reports/${unitReport.id}`, { token: org.as('op-s2') }), 404, 'not_found', 'id');
    const daily = ok(await call(server, 'GET', '/api/v1/reports?kind=daily', { token: org.admin })).reports[0];
    assertError(await call(server, 'GET', `/api/v1/reports/${daily.id}`, { token: org.as('lead-s1') }), 404, 'not_found', 'id');
    assertError(await call(server, 'GET', `/api/v1/reports/${daily.id}/xlsx`, { token: org.as('lead-s1') }), 404, 'not_found', 'id');
  });

  test('roles without reports are refused', async () => {
    assertError(await call(server, 'GET', '/api/v1/reports', { token: org.as('agent1') }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/reports', { token: org.as('supervisor1'), body: { kind: 'daily', period: yesterday } }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/reports/preview', { token: org.as('dispatcher1'), body: { kind: 'daily' } }), 403, 'forbidden');
    assertError(await call(server, 'POST', '/api/v1/reports/preview', { token: org.as('op-s1'), body: { kind: 'daily' } }), 403, 'forbidden', 'kind');
    assertError(await call(server, 'POST', '/api/v1/reports/preview', { token: org.as('op-s1'), body: { kind: 'unit_monthly', unit_id: org.units.street2.id } }), 403, 'forbidden', 'kind');
  });
});

describe('refusals name the field and change nothing', () => {
  test('bad bodies and queries', async () => {
    const before = ok(await call(server, 'GET', '/api/v1/reports?limit=500', { token: org.admin })).reports.length;
    const post = (body) => call(server, 'POST', '/api/v1/reports', { token: org.admin, body });
    assertError(await post({}), 400, 'missing_field', 'kind');
    assertError(await post({ kind: 'yearly' }), 422, 'invalid', 'kind');
    assertError(await post({ kind: 'daily', period: '2026-13-01' }), 422, 'invalid', 'period');
    assertError(await post({ kind: 'notice', period: '2026-11-05' }), 422, 'invalid', 'period');
    assertError(await post({ kind: 'daily', period: today }), 422, 'invalid', 'period'); // not over yet
    assertError(await post({ kind: 'unit_monthly', period: '2026-01' }), 400, 'missing_field', 'unit_id');
    assertError(await post({ kind: 'daily', period: yesterday, unit_id: org.units.street1.id }), 422, 'invalid', 'unit_id');
    assertError(await post({ kind: 'unit_monthly', period: '2026-01', unit_id: 999999 }), 404, 'not_found', 'unit_id');
    assertError(await post({ kind: 'daily', colour: 'red' }), 400, 'unknown_field', 'colour');
    assertError(await post({ kind: 7 }), 400, 'wrong_type', 'kind');
    assertError(await call(server, 'GET', '/api/v1/reports?kind=yearly', { token: org.admin }), 422, 'invalid', 'kind');
    assertError(await call(server, 'GET', '/api/v1/reports?sort=x', { token: org.admin }), 400, 'unknown_field', 'sort');
    assertError(await call(server, 'GET', '/api/v1/reports/999999', { token: org.admin }), 404, 'not_found', 'id');
    const after = ok(await call(server, 'GET', '/api/v1/reports?limit=500', { token: org.admin })).reports.length;
    assert.equal(after, before);
  });

  test('the routes are in the OpenAPI document', async () => {
    const doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
    for (const p of ['/api/v1/reports', '/api/v1/reports/{id}', '/api/v1/reports/{id}/xlsx', '/api/v1/reports/{id}/print', '/api/v1/reports/preview', '/api/v1/reports/kinds']) {
      assert.ok(doc.paths[p], `${p} missing`);
      for (const op of Object.values(doc.paths[p])) assert.notEqual(op['x-undocumented'], true, p);
    }
  });
});
