// The role matrix of SPEC §1 over the API: every role × every action is allowed or refused as
// the SPEC says; administration is for admins; the audit trail for auditors and admins; a unit
// user sees and acts on its own unit's orders only (others answer 404); and every route that
// is not public answers 401 without a token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError, call, dispatched, intake, ok, PLATFORM, setupOrg, startServer,
} from './server.mjs';

// SPEC §1 and the lifecycle rules, written out here independently of the server.
const UNIT_ACTIONS = ['sign', 'return', 'contact', 'extension_request', 'hang_request',
  'hang_progress', 'hang_lift', 'reply', 'supervise_answer', 'assist_report', 'preinv_report'];
// 派单前会商 and 指定预先调查 (001 §二(一)): the centre's dispatchers and supervisors
const CONSULT_ACTIONS = ['consult', 'consult_result', 'preinvestigate'];
const INTAKE_ACTIONS = ['intake', 'verify', 'file', 'not_file', 'transfer', 'answer'];
const MATRIX = {
  agent: INTAKE_ACTIONS,
  dispatcher: [...INTAKE_ACTIONS, 'dispatch', 'merge', 'split', 'return_approve', 'return_reject',
    'extension_decide', 'hang_decide', 'hang_lift', 'review', 'callback', 'reopen', 'close',
    'archive', 'urge', 'contact', ...CONSULT_ACTIONS],
  reviewer: ['review', 'close'],
  callback: ['callback', 'reopen', 'close'],
  supervisor: ['urge', 'supervise', 'force_close', 'hang_decide', 'instruct', 'warn',
    'special_report', ...CONSULT_ACTIONS],
  admin: ['archive'],
  auditor: [],
  leader: ['instruct'],
  unit_operator: UNIT_ACTIONS,
  unit_leader: [...UNIT_ACTIONS, 'sign_approval', 'instruct_report'],
};
// Actions on an existing order: those some person may do, plus merged_into (emitted by merge
// only) and the system's own (the scheduler's; the citizen's supplement through the
// self-service), which every person is refused.
const NOBODY = ['merged_into', 'mark_overdue', 'supplement'];
const ACTIONS = [...new Set(Object.values(MATRIX).flat()), ...NOBODY].filter((a) => a !== 'intake');
const LOGIN_OF = { ...PLATFORM, admin: 'admin', unit_operator: 'op-s1', unit_leader: 'lead-s1' };

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

async function version(ref) {
  return ok(await call(server, 'GET', `/api/v1/orders?limit=500`, { token: org.as('dispatcher1') }))
    .items.find((x) => x.id === ref).version;
}

describe('role × action matrix', () => {
  test('the matrix covers 10 roles and every action of the engine', async () => {
    assert.equal(Object.keys(MATRIX).length, 10);
    const meta = ok(await call(server, 'GET', '/api/v1/meta'));
    assert.deepEqual(meta.roles.map((r) => r.name).filter((r) => r !== 'system').sort(), Object.keys(MATRIX).sort());
    assert.deepEqual(meta.actions.map((a) => a.name).sort(), [...ACTIONS, 'intake'].sort(),
      'an action was added or removed: write its row of the matrix here');
  });

  test('every role × every action: allowed (409 on a stale version) or refused (403)', async () => {
    // an order dispatched to street1 is visible to everybody, including street1's users
    const o = await dispatched(server, org, { unit: 'street1' });
    const v = o.version;
    const results = [];
    for (const [role, allowed] of Object.entries(MATRIX)) {
      const token = org.as(LOGIN_OF[role]);
      for (const action of ACTIONS) {
        // a stale version: an allowed role reaches the version check (409) and nothing changes
        const r = await call(server, 'POST', `/api/v1/orders/${o.id}/actions/${action}`,
          { token, body: { version: v + 100 } });
        const expect = allowed.includes(action) ? [409, 'version_conflict'] : [403, 'forbidden'];
        results.push(`${role}.${action}=${r.status}`);
        assertError(r, expect[0], expect[1]);
      }
    }
    assert.equal(results.length, 10 * ACTIONS.length);
    assert.equal(await version(o.id), v, 'no refused or stale action changed the order');
  });

  test('intake: agents and dispatchers only', async () => {
    for (const [role, allowed] of Object.entries(MATRIX)) {
      const r = await call(server, 'POST', '/api/v1/orders', {
        token: org.as(LOGIN_OF[role]), body: { channel: 'web', type: 'help' }, // no title: refused after the role check
      });
      if (allowed.includes('intake')) assertError(r, 400, 'missing_field', 'title');
      else assertError(r, 403, 'forbidden');
    }
  });

  test('an allowed action really runs for each role that may do it (a sample per role)', async () => {
    const o = await dispatched(server, org, { unit: 'street1' });
    await o.must(org.as('op-s1'), 'sign');
    await o.must(org.as('lead-s1'), 'sign_approval', { handler: '冯操作' });
    await o.must(org.as('leader1'), 'instruct', { text: '抓紧办理' });
    await o.must(org.as('supervisor1'), 'urge', {});
    await o.must(org.as('op-s1'), 'reply', { result: '已处理', closure: 'resolved', responsible: '冯操作' });
    await o.must(org.as('reviewer1'), 'review', { pass: true });
    await o.must(org.as('callback1'), 'callback', { contacted: true, solved: true, satisfaction: 'satisfied' });
    await o.must(org.as('reviewer1'), 'close', {});
    await o.must(org.as('admin'), 'archive', {});
    assert.equal(o.status, 'archived');
    // the auditor may do nothing, even on an archived order
    assertError(await o.act(org.as('auditor1'), 'instruct', { text: 'x' }), 403, 'forbidden');
  });
});

describe('administration and audit by role', () => {
  const ROLES = Object.keys(LOGIN_OF);
  const writes = () => [
    ['POST', '/api/v1/units', { code: 'X1', name: '新单位', kind: 'department' }],
    ['PUT', `/api/v1/units/${org.units.water.id}`, { name: '自来水集团' }],
    ['POST', '/api/v1/users', { login: 'newbie', name: '新人', role: 'agent', password: 'longenough1' }],
    ['PUT', `/api/v1/users/${org.users.agent1.id}`, { phone: '13000000000' }],
    ['POST', '/api/v1/regions', { code: 'D02', name: '新区', level: 'district' }],
    ['PUT', `/api/v1/regions/${org.regions.s2.id}`, { name: '景山' }],
    ['POST', '/api/v1/categories', { code: '99', name: '其他' }],
    ['PUT', `/api/v1/categories/${org.categories.noise.id}`, { name: '噪声' }],
    ['POST', '/api/v1/catalogue', { category_id: org.categories.env.id, unit_id: org.units.dept2.id }],
    ['DELETE', '/api/v1/catalogue/1', undefined],
    ['PUT', '/api/v1/policy', { preset: 'linshu-2020' }],
  ];

  test('only the admin writes units, users, regions, categories, catalogue and policy', async () => {
    for (const role of ROLES) {
      if (role === 'admin') continue;
      for (const [method, p, body] of writes()) {
        assertError(await call(server, method, p, { token: org.as(LOGIN_OF[role]), body }), 403, 'forbidden');
      }
    }
    const units = ok(await call(server, 'GET', '/api/v1/units', { token: org.admin })).items;
    assert.equal(units.length, 5, 'no refused write created a unit');
    const policy = ok(await call(server, 'GET', '/api/v1/policy', { token: org.admin }));
    assert.equal(policy.preset, 'dongcheng-2016');
  });

  test('the admin may do each of them', async () => {
    for (const [method, p, body] of writes()) {
      const r = await call(server, method, p, { token: org.admin, body });
      assert.ok([200, 201, 204].includes(r.status), `${method} ${p}: ${r.text}`);
    }
    const policy = ok(await call(server, 'GET', '/api/v1/policy', { token: org.as('agent1') }));
    assert.equal(policy.preset, 'linshu-2020', 'the new policy is seen by other threads');
    assert.equal(policy.effective.settings.first_handler_duty.value, true);
    ok(await call(server, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset: 'dongcheng-2016' } }));
  });

  test('reads: organisation for everybody; users for admin and auditor; audit for auditor and admin', async () => {
    for (const role of ROLES) {
      const token = org.as(LOGIN_OF[role]);
      for (const p of ['/api/v1/units', '/api/v1/regions', '/api/v1/categories', '/api/v1/catalogue', '/api/v1/policy', '/api/v1/me']) {
        ok(await call(server, 'GET', p, { token }));
      }
      const users = await call(server, 'GET', '/api/v1/users', { token });
      const audit = await call(server, 'GET', '/api/v1/audit', { token });
      if (['admin', 'auditor'].includes(role)) {
        ok(users);
        ok(audit);
      } else {
        assertError(users, 403, 'forbidden');
        assertError(audit, 403, 'forbidden');
      }
    }
  });
});

describe('unit isolation', () => {
  test('a unit user sees and acts on its own unit\'s orders only; others answer 404', async () => {
    const mine = await dispatched(server, org, { unit: 'street1' });
    const theirs = await dispatched(server, org, { unit: 'street2' });
    const received = await intake(server, org);
    const op = org.as('op-s1');
    ok(await call(server, 'GET', `/api/v1/orders/${mine.id}`, { token: op }));
    for (const ref of [theirs.id, theirs.number, received.id]) {
      assertError(await call(server, 'GET', `/api/v1/orders/${ref}`, { token: op }), 404, 'not_found');
      assertError(await call(server, 'GET', `/api/v1/orders/${ref}/suggest`, { token: op }), 404, 'not_found');
    }
    // acting on another unit's order: 404 whatever the version, so existence does not leak
    for (const v of [theirs.version, 9999]) {
      const r = await call(server, 'POST', `/api/v1/orders/${theirs.id}/actions/sign`, { token: op, body: { version: v } });
      assertError(r, 404, 'not_found');
    }
    assert.equal(await version(theirs.id), theirs.version);
    // a nonexistent order answers exactly the same
    const ghost = await call(server, 'POST', '/api/v1/orders/999999/actions/sign', { token: op, body: { version: 1 } });
    const real = await call(server, 'POST', `/api/v1/orders/${theirs.id}/actions/sign`, { token: op, body: { version: 1 } });
    assert.deepEqual(real.json, ghost.json);
    // lists hold only the unit's orders, and another unit's filter is refused
    const list = ok(await call(server, 'GET', '/api/v1/orders?limit=500', { token: op })).items;
    assert.ok(list.length >= 1);
    assert.ok(list.every((x) => x.units.some((u) => u.unit_id === org.units.street1.id)));
    assert.ok(!list.some((x) => x.id === theirs.id || x.id === received.id));
    assertError(await call(server, 'GET', `/api/v1/orders?unit_id=${org.units.street2.id}`, { token: op }), 403, 'forbidden', 'unit_id');
    ok(await call(server, 'GET', `/api/v1/orders?unit_id=${org.units.street1.id}`, { token: op }));
    // and its own order works
    await mine.must(op, 'sign');
  });
});

describe('authentication on every route', () => {
  test('every non-public route of the API document answers 401 without a token', async () => {
    const doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
    let checked = 0;
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const url = p.replace('{id}', '1').replace('{action}', 'sign');
        const r = await call(server, method.toUpperCase(), url, { body: method === 'get' || method === 'delete' ? undefined : {} });
        if (Array.isArray(op.security) && op.security.length === 0) {
          assert.notEqual(r.status, 401, `${method} ${p} is public`);
        } else {
          assertError(r, 401, 'unauthorized');
          assert.equal(r.headers.get('www-authenticate'), 'Bearer');
          checked++;
        }
      }
    }
    assert.ok(checked >= 55, `only ${checked} protected operations`);
  });
});
