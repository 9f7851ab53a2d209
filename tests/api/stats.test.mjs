// The dashboard's figures over the API (src/http/res_stats.c, issue 16): GET /api/v1/stats for
// every `by`, counted against the orders made here, each item's drill-down query giving exactly
// its count of orders in the order list, a unit user's figures being their unit's only, and
// refusals (400 unknown parameter, 422 bad value) naming the field in Chinese.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertError, call, dispatched, intake, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;

const BYS = ['day', 'channel', 'type', 'category', 'street', 'unit', 'status', 'reopened', 'satisfaction', 'overdue'];

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  // street1: two 12345 complaints (one signed); street2: one; not dispatched: a wechat
  // consultation in 景山 and a 12345 complaint
  await dispatched(server, org, { unit: 'street1' });
  await dispatched(server, org, { unit: 'street1', sign: true });
  await dispatched(server, org, { unit: 'street2' });
  await intake(server, org, {
    channel: 'wechat', type: 'consult', title: '咨询垃圾分类时间',
    category_id: org.categories.noise.id, region_id: org.regions.s2.id,
  });
  await intake(server, org, { category_id: org.categories.property.id, region_id: org.regions.c1.id });
});
after(async () => { await server.stop(); });

async function stats(token, query) {
  return ok(await call(server, 'GET', `/api/v1/stats?${query}`, { token }));
}

/** How many orders the order list gives for query (every page). */
async function listed(token, query) {
  let n = 0;
  let cursor = null;
  do {
    const r = ok(await call(server, 'GET', `/api/v1/orders?${query}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token }));
    n += r.items.length;
    cursor = r.next_cursor;
  } while (cursor);
  return n;
}

describe('figures', () => {
  test('every `by` answers, and every drill-down lists exactly its count', async () => {
    const token = org.as('supervisor1');
    for (const by of BYS) {
      const r = await stats(token, `by=${by}`);
      assert.equal(r.by, by);
      assert.match(r.from, /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(Array.isArray(r.items));
      for (const it of r.items) {
        assert.equal(typeof it.label, 'string');
        assert.match(it.label, /[\u4e00-\u9fff]/, `label of ${by}: ${it.label}`);
        assert.ok(it.count > 0);
        if (it.query !== null) assert.equal(await listed(token, it.query), it.count, `${by} ${it.label}: ${it.query}`);
        if (it.overdue_query) assert.equal(await listed(token, it.overdue_query), it.overdue, `${by} ${it.label} overdue`);
        if (it.reopened_query) assert.equal(await listed(token, it.reopened_query), it.reopened, `${by} ${it.label} reopened`);
      }
      if (!['unit', 'overdue', 'satisfaction', 'reopened'].includes(by)) {
        assert.equal(r.items.reduce((s, it) => s + it.count, 0), r.total, by);
      }
    }
  });

  test('the counts are those of the orders made here', async () => {
    const token = org.as('leader1');
    const ch = await stats(token, 'by=channel');
    assert.equal(ch.total, 5);
    assert.deepEqual(ch.items.map((i) => [i.key, i.label, i.count]), [['hotline-12345', '12345热线', 4], ['wechat', '微信', 1]]);
    const ty = await stats(token, 'by=type');
    assert.equal(ty.items.find((i) => i.key === 'complaint').count, 4);
    assert.equal(ty.items.find((i) => i.key === 'consult').count, 1);
    const st = await stats(token, 'by=status');
    assert.equal(st.items.find((i) => i.key === 'dispatched').count, 2);
    assert.equal(st.items.find((i) => i.key === 'handling').count, 1);
    const un = await stats(token, 'by=unit');
    assert.equal(un.total, 5);
    assert.equal(un.items.find((i) => i.key === org.units.street1.id).count, 2);
    assert.equal(un.items.find((i) => i.key === org.units.street2.id).count, 1);
    assert.equal(un.items.length, 2);
    const sr = await stats(token, 'by=street');
    assert.equal(sr.items.find((i) => i.label === '东华门街道').count, 4); // the community rolls up
    assert.equal(sr.items.find((i) => i.label === '景山街道').count, 1);
    const day = await stats(token, 'by=day&per=day');
    assert.equal(day.items.length, 1); // all today
    assert.equal(day.items[0].count, 5);
    assert.match(day.items[0].period, /^\d{4}-\d{2}-\d{2}$/);
    const wk = await stats(token, 'by=day&per=week');
    assert.equal(wk.items.reduce((s, i) => s + i.count, 0), 5);
    const cat = await stats(token, 'by=category');
    assert.equal(cat.total, 5);
    // a root's children
    const root = cat.items[0];
    const sub = await stats(token, `by=category&parent=${root.key}`);
    assert.equal(sub.items.reduce((s, i) => s + i.count, 0), root.count);
    const ov = await stats(token, 'by=overdue');
    assert.equal(ov.total, 0);
    assert.deepEqual(ov.items, []);
    // a period before any order: nothing
    const old = await stats(token, 'by=channel&from=2020-01-01&to=2020-01-31');
    assert.equal(old.total, 0);
    assert.deepEqual(old.items, []);
  });
});

describe('roles', () => {
  test('a unit user sees their own unit only', async () => {
    const token = org.as('op-s1');
    const st = await stats(token, 'by=status');
    assert.equal(st.unit_id, org.units.street1.id);
    assert.equal(st.total, 2);
    const un = await stats(token, 'by=unit');
    assert.deepEqual(un.items.map((i) => i.key), [org.units.street1.id]);
    const ch = await stats(token, 'by=channel');
    assert.equal(ch.total, 2);
    for (const it of ch.items) assert.equal(await listed(token, it.query), it.count);
    assertError(await call(server, 'GET', `/api/v1/stats?by=status&unit_id=${org.units.street2.id}`, { token }), 403, 'forbidden', 'unit_id');
    // their own unit named is fine
    ok(await call(server, 'GET', `/api/v1/stats?by=status&unit_id=${org.units.street1.id}`, { token }));
  });

  test('a platform user may look at one unit', async () => {
    const st = await stats(org.as('supervisor1'), `by=status&unit_id=${org.units.street2.id}`);
    assert.equal(st.total, 1);
  });

  test('no login, no figures', async () => {
    const r = await call(server, 'GET', '/api/v1/stats?by=day&per=day');
    assert.equal(r.status, 401);
  });
});

describe('bad input', () => {
  const cases = [
    ['', 'by'],
    ['by=weather', 'by'],
    ['by=channel&from=2026-13-01', 'from'],
    ['by=channel&from=2026-11-01T08:00', 'from'],
    ['by=channel&to=yesterday', 'to'],
    ['by=channel&from=2026-11-10&to=2026-11-01', 'to'],
    ['by=channel&from=2000-01-01&to=2026-11-01', 'from'],
    ['by=channel&per=year', 'per'],
    ['by=unit&per=day', 'per'],
    ['by=day&per=none', 'per'],
    ['by=channel&unit_id=abc', 'unit_id'],
    ['by=channel&unit_id=0', 'unit_id'],
    ['by=channel&parent=1', 'parent'],
    ['by=category&parent=999999', 'parent'],
    ['by=channel&colour=red', 'colour'],
  ];
  for (const [query, field] of cases) {
    test(`${query || '(nothing)'} → 4xx naming ${field}, in Chinese`, async () => {
      const r = await call(server, 'GET', `/api/v1/stats?${query}`, { token: org.as('supervisor1') });
      assert.ok(r.status === 400 || r.status === 422, `${r.status}: ${r.text}`);
      assertError(r, undefined, undefined, field);
    });
  }
});

describe('reopened', () => {
  test('a reopened order is counted, per unit too, and its drill-down lists it', async () => {
    const token = org.as('supervisor1');
    const o = await dispatched(server, org, { unit: 'street2', sign: true });
    await o.must(org.as('op-s2'), 'reply', { result: '已处理', closure: 'resolved', responsible: '褚操作' });
    await o.must(org.as('reviewer1'), 'review', { pass: true });
    await o.must(org.as('callback1'), 'callback', { contacted: true, solved: false, satisfaction: 'unsatisfied' });
    await o.must(org.as('callback1'), 'reopen', { reason: '问题仍未解决' });
    const re = await stats(token, 'by=reopened');
    assert.equal(re.total, 1);
    assert.equal(await listed(token, re.items[0].query), 1);
    const un = await stats(token, 'by=unit');
    const s2 = un.items.find((i) => i.key === org.units.street2.id);
    assert.equal(s2.reopened, 1);
    assert.equal(await listed(token, s2.reopened_query), 1);
    assert.equal(un.items.find((i) => i.key === org.units.street1.id).reopened, 0);
    // the unit sees its own
    const mine = await stats(org.as('op-s2'), 'by=reopened');
    assert.equal(mine.total, 1);
    assert.equal(await listed(org.as('op-s2'), mine.items[0].query), 1);
    assert.equal((await stats(org.as('op-s1'), 'by=reopened')).total, 0);
    // the satisfaction of the callback, by the day it was given (not closed yet: not counted)
    const sat = await stats(token, 'by=satisfaction');
    assert.equal(sat.total, 0);
    // a bad value of the list's new filter
    const bad = await call(server, 'GET', '/api/v1/orders?reopened=yes', { token });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.field, 'reopened');
  });
});
