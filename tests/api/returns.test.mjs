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
