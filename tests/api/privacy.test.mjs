// Confidentiality (SPEC §8) over the API: citizen name and phone are masked for unit users (and
// auditors) unless the order needs contact; every read of unmasked data is an audit event;
// lists never carry the citizen; password hashes never leave the server; auditors read the
// audit trail (logins, failures, administration) with paging.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError, call, dispatched, intake, ok, PASSWORD, setupOrg, startServer,
} from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

/** Every audit entry, paging through with after/limit. */
async function audit(token = org.as('auditor1')) {
  const all = [];
  let cursor = '';
  for (;;) {
    const page = ok(await call(server, 'GET', `/api/v1/audit?limit=7${cursor ? `&cursor=${cursor}` : ''}`, { token }));
    all.push(...page.items);
    if (page.next_cursor === null) return all;
    assert.equal(page.items.length, 7);
    cursor = page.next_cursor;
  }
}

const reads = (entries, orderId) => entries.filter((e) => e.action === 'read_citizen' && e.order_id === orderId);

describe('masking', () => {
  test('unit users see a masked citizen, in the order and in the timeline, and no audit entry is made', async () => {
    const o = await dispatched(server, org, { unit: 'street1' });
    const before = await audit();
    for (const login of ['op-s1', 'lead-s1']) {
      const d = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as(login) }));
      assert.equal(d.citizen_masked, true);
      assert.equal(d.citizen_name, '张**');
      assert.equal(d.citizen_phone, '138****1111');
      const intakeArgs = d.timeline.find((e) => e.action === 'intake').args;
      assert.equal(intakeArgs.citizen_name, '张**');
      assert.equal(intakeArgs.citizen_phone, '138****1111');
      const text = JSON.stringify(d);
      assert.ok(!text.includes('张三丰') && !text.includes('13812341111'), 'no unmasked copy anywhere');
    }
    const afterReads = await audit();
    assert.deepEqual(reads(afterReads, o.id), []);
    assert.equal(afterReads.length, before.length);
  });

  test('the auditor also sees a masked citizen', async () => {
    const o = await intake(server, org);
    const d = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('auditor1') }));
    assert.equal(d.citizen_name, '张**');
    assert.deepEqual(reads(await audit(), o.id), []);
  });

  test('platform staff see the citizen, and each such read is audited with who and which order', async () => {
    const o = await intake(server, org);
    for (const login of ['dispatcher1', 'agent1', 'leader1', 'dispatcher1']) {
      const d = ok(await call(server, 'GET', `/api/v1/orders/${o.number}`, { token: org.as(login) }));
      assert.equal(d.citizen_masked, false);
      assert.equal(d.citizen_name, '张三丰');
      assert.equal(d.citizen_phone, '13812341111');
    }
    const entries = reads(await audit(), o.id);
    assert.equal(entries.length, 4);
    assert.deepEqual(entries.map((e) => e.user_id), [org.users.dispatcher1.id, org.users.agent1.id, org.users.leader1.id, org.users.dispatcher1.id]);
    assert.match(entries[0].detail, new RegExp(o.number));
    assert.match(entries[0].at, /\+08:00$/);
  });

  test('an order that needs contact is unmasked for its unit, and the unit\'s read is audited', async () => {
    const o = await dispatched(server, org, { unit: 'street1', fields: { needs_contact: true, citizen_name: '欧阳娜娜', citizen_phone: '010-65123456' } });
    const d = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('op-s1') }));
    assert.equal(d.citizen_masked, false);
    assert.equal(d.citizen_name, '欧阳娜娜');
    assert.equal(d.citizen_phone, '010-65123456');
    const entries = reads(await audit(), o.id);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].user_id, org.users['op-s1'].id);
    // masking of other shapes of data
    const other = await dispatched(server, org, { unit: 'street1', fields: { citizen_name: '欧阳娜娜', citizen_phone: '010-65123456' } });
    const m = ok(await call(server, 'GET', `/api/v1/orders/${other.id}`, { token: org.as('op-s1') }));
    assert.equal(m.citizen_name, '欧**');
    assert.equal(m.citizen_phone, '010****3456');
  });

  test('an anonymous order has nothing to unmask and makes no audit entry', async () => {
    const o = await intake(server, org, { anonymous: true, citizen_name: undefined, citizen_phone: undefined });
    const d = ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('dispatcher1') }));
    assert.equal(d.citizen_name, '');
    assert.equal(d.anonymous, true);
    assert.deepEqual(reads(await audit(), o.id), []);
  });

  test('lists and action answers never carry the citizen, for any role', async () => {
    const o = await dispatched(server, org, { unit: 'street1' });
    for (const login of ['dispatcher1', 'op-s1', 'auditor1']) {
      const r = await call(server, 'GET', '/api/v1/orders?limit=500', { token: org.as(login) });
      ok(r);
      assert.ok(!r.text.includes('citizen_name') && !r.text.includes('13812341111'));
    }
    const acted = await o.act(org.as('op-s1'), 'sign');
    ok(acted);
    assert.ok(!acted.text.includes('13812341111'));
  });
});

describe('accounts never leak password hashes', () => {
  test('users, me and login answers have no hash', async () => {
    for (const [p, token] of [['/api/v1/users', org.admin], [`/api/v1/users/${org.users.agent1.id}`, org.admin], ['/api/v1/me', org.as('agent1')]]) {
      const r = await call(server, 'GET', p, { token });
      ok(r);
      assert.ok(!r.text.includes('argon2') && !r.text.includes('pwhash'), r.text);
    }
    const l = await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'reviewer1', password: PASSWORD } });
    ok(l);
    assert.ok(!l.text.includes('argon2'));
    // a user may read their own record, not another's
    ok(await call(server, 'GET', `/api/v1/users/${org.users.agent1.id}`, { token: org.as('agent1') }));
    assertError(await call(server, 'GET', `/api/v1/users/${org.users.reviewer1.id}`, { token: org.as('agent1') }), 403, 'forbidden');
  });
});

describe('the audit trail', () => {
  test('records logins, failed logins, logouts and administration, oldest first', async () => {
    const bad = await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'callback1', password: 'wrong-password' } });
    assertError(bad, 401, 'unauthorized');
    const tok = ok(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'callback1', password: PASSWORD } })).token;
    assert.equal((await call(server, 'POST', '/api/v1/auth/logout', { token: tok })).status, 204);
    ok(await call(server, 'PUT', `/api/v1/units/${org.units.water.id}`, { token: org.admin, body: { active: false } }));
    const entries = await audit(org.admin);
    const ids = entries.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    assert.equal(new Set(ids).size, ids.length);
    const kinds = new Set(entries.map((e) => e.action));
    for (const k of ['user_create', 'unit_create', 'region_create', 'category_create', 'catalogue_create', 'login', 'login_failed', 'logout', 'unit_update']) {
      assert.ok(kinds.has(k), `no ${k} in the audit trail`);
    }
    const failed = entries.filter((e) => e.action === 'login_failed').at(-1);
    assert.equal(failed.user_id, org.users.callback1.id);
    assert.match(failed.detail, /login=callback1/);
    const admin = entries.find((e) => e.action === 'unit_update');
    const me = ok(await call(server, 'GET', '/api/v1/me', { token: org.admin }));
    assert.equal(admin.user_id, me.id);
    assert.match(admin.detail, /WATER/);
  });

  test('paging parameters are checked', async () => {
    const t = org.as('auditor1');
    assertError(await call(server, 'GET', '/api/v1/audit?limit=0', { token: t }), 422, 'invalid', 'limit');
    assertError(await call(server, 'GET', '/api/v1/audit?limit=501', { token: t }), 422, 'invalid', 'limit');
    assertError(await call(server, 'GET', '/api/v1/audit?after=-3', { token: t }), 422, 'invalid', 'after');
    assertError(await call(server, 'GET', '/api/v1/audit?user=1', { token: t }), 400, 'unknown_field', 'user');
    const page = ok(await call(server, 'GET', '/api/v1/audit?limit=2', { token: t }));
    assert.equal(page.items.length, 2);
    const next = ok(await call(server, 'GET', `/api/v1/audit?cursor=${page.next_cursor}&limit=2`, { token: t }));
    assert.ok(next.items[0].id > page.items[1].id);
    assertError(await call(server, 'GET', '/api/v1/audit?cursor=x', { token: t }), 422, 'invalid', 'cursor');
    // the older parameter name still works for one release
    const old = ok(await call(server, 'GET', `/api/v1/audit?after=${page.next_after}&limit=2`, { token: t }));
    assert.deepEqual(old.items, next.items);
  });

  test('filters: order by number, user, action, time; newest first; the order number comes along', async () => {
    const t = org.as('auditor1');
    const o = await dispatched(server, org, { unit: 'street1' });
    ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('dispatcher1') }));
    ok(await call(server, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('supervisor1') }));
    const byOrder = ok(await call(server, 'GET', `/api/v1/audit?order=${o.number}`, { token: t })).items;
    assert.ok(byOrder.length >= 2 && byOrder.every((e) => e.order_id === o.id && e.order_number === o.number));
    const byId = ok(await call(server, 'GET', `/api/v1/audit?order=${o.id}`, { token: t })).items;
    assert.deepEqual(byId, byOrder, 'the order by its id as well');
    const mine = ok(await call(server, 'GET', `/api/v1/audit?order=${o.number}&user_id=${org.users.supervisor1.id}&action=read_citizen`, { token: t })).items;
    assert.equal(mine.length, 1);
    const newest = ok(await call(server, 'GET', '/api/v1/audit?newest=true&limit=3', { token: t })).items;
    assert.ok(newest[0].id > newest[1].id && newest[1].id > newest[2].id);
    const later = ok(await call(server, 'GET', `/api/v1/audit?newest=true&limit=3&cursor=${newest[2].id}`, { token: t })).items;
    assert.ok(later[0].id < newest[2].id);
    const at = Date.parse(byOrder[0].at);
    const win = ok(await call(server, 'GET', `/api/v1/audit?from=${encodeURIComponent(new Date(at).toISOString())}&to=${encodeURIComponent(new Date(at + 1000).toISOString())}&order=${o.number}`, { token: t })).items;
    assert.ok(win.length >= 1 && win.every((e) => Date.parse(e.at) >= at && Date.parse(e.at) < at + 1000));
    assertError(await call(server, 'GET', '/api/v1/audit?order=2099010199999', { token: t }), 404, 'not_found', 'order');
    assertError(await call(server, 'GET', '/api/v1/audit?user_id=x', { token: t }), 422, 'invalid', 'user_id');
    assertError(await call(server, 'GET', '/api/v1/audit?from=yesterday', { token: t }), 422, 'invalid', 'from');
    assertError(await call(server, 'GET', '/api/v1/audit?newest=1', { token: t }), 422, 'invalid', 'newest');
    assertError(await call(server, 'GET', '/api/v1/audit?order=x', { token: org.as('dispatcher1') }), 403, 'forbidden');
  });
});
