// Policy fidelity (issue 14): what the seeds say, tried allowed and refused over the API under
// the presets they concern. Closure standards (002 art. 17), the complained-about unit (000
// art. 3, 003 art. 20), signatures by the person who signs (000 art. 9, 001 §二(二)).
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
