// Returns awaiting the platform's decision carry their age (issue 16 point 3): the order list
// gives each order in status returned the time its last return was filed (returned_at, from its
// timeline), the dispatcher's 退单待审 queue shows how long it has waited; other orders carry none,
// and a decided return leaves the field with the status.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, dispatched, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const list = async (query) => ok(await call(server, 'GET', `/api/v1/orders?${query}`, { token: org.as('dispatcher1') })).items;

test('an order awaiting a return decision carries when the return was filed', async () => {
  const kept = await dispatched(server, org, { unit: 'street1' });
  const back = await dispatched(server, org, { unit: 'street1' });
  await back.must(org.as('op-s1'), 'return', { reason: '不属于本街道辖区', legal_basis: '《街道办事处职责规定》第三条' });
  const detail = ok(await call(server, 'GET', `/api/v1/orders/${back.id}`, { token: org.as('dispatcher1') }));
  const filed = detail.timeline.filter((e) => e.action === 'return').pop();
  assert.ok(filed, 'the return is in the timeline');

  const returned = await list('status=returned');
  assert.deepEqual(returned.map((o) => o.id), [back.id]);
  assert.equal(returned[0].returned_at, filed.at);
  const all = await list('limit=50');
  assert.equal(all.find((o) => o.id === kept.id).returned_at, undefined);
  assert.equal(all.find((o) => o.id === back.id).returned_at, filed.at);

  // rejected: the order goes back to the unit, and the age with it
  await back.must(org.as('dispatcher1'), 'return_reject', { reason: '属于本街道职责' });
  const after = await list('limit=50');
  assert.equal(after.find((o) => o.id === back.id).returned_at, undefined);
});

// The list is written as text (issue 13, session 13): each returned order's returned_at goes
// into its own item, however many share a page, and the page keeps its cursor and limit.
test('several returns on one page each carry their own filing time', async () => {
  const backs = [];
  for (let i = 0; i < 3; i++) {
    const o = await dispatched(server, org, { unit: 'street1' });
    await o.must(org.as('op-s1'), 'return', { reason: `不属于本街道辖区（${i + 1}）`, legal_basis: '《街道办事处职责规定》第三条' });
    const detail = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('dispatcher1') }));
    backs.push({ id: o.id, at: detail.timeline.filter((e) => e.action === 'return').pop().at });
  }
  const page = ok(await call(server, 'GET', '/api/v1/orders?status=returned&limit=2', { token: org.as('dispatcher1') }));
  assert.equal(page.limit, 2);
  assert.equal(page.items.length, 2);
  assert.equal(typeof page.next_cursor, 'string');
  const rest = ok(await call(server, 'GET', `/api/v1/orders?status=returned&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`, { token: org.as('dispatcher1') }));
  assert.equal(rest.next_cursor, null);
  const seen = [...page.items, ...rest.items];
  for (const b of backs) {
    const item = seen.find((o) => o.id === b.id);
    assert.ok(item, `returned order ${b.id} is listed`);
    assert.equal(item.returned_at, b.at);
    assert.equal(item.status, 'returned');
  }
});
