// Accounts over the API: password login giving an expiring bearer token, /me, logout, password
// change, disabled accounts, and the failed-login limiter (5 failures per login, 50 per address
// in 15 minutes → 429 with Retry-After), each on a fresh server where it needs one.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN, assertError, call, login, ok, PASSWORD, setupOrg, startServer,
} from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const me = (token) => call(server, 'GET', '/api/v1/me', { token });

describe('login and sessions', () => {
  test('login answers a token, its expiry and the user', async () => {
    const r = ok(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'op-s1', password: PASSWORD } }));
    assert.match(r.token, /^[0-9a-f]{64}$/);
    const hours = (Date.parse(r.expires_at) - Date.now()) / 3600e3;
    assert.ok(hours > 7.9 && hours <= 8.01, `expires in ${hours} h`);
    assert.equal(r.user.login, 'op-s1');
    assert.equal(r.user.role, 'unit_operator');
    assert.equal(r.user.role_label, '单位操作员');
    assert.equal(r.user.unit_id, org.units.street1.id);
    const m = ok(await me(r.token));
    assert.equal(m.id, org.users['op-s1'].id);
    assert.equal(m.unit.code, 'S01');
    assert.equal(m.masked, true);
    assert.ok(m.actions.includes('sign') && !m.actions.includes('dispatch'));
    const d = ok(await me(org.as('dispatcher1')));
    assert.equal(d.unit, null);
    assert.equal(d.masked, false);
    assert.ok(d.actions.includes('dispatch'));
  });

  test('wrong password and unknown login answer the same 401', async () => {
    const a = assertError(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: 'not-the-password' } }), 401, 'unauthorized');
    const b = assertError(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'nobody-here', password: 'not-the-password' } }), 401, 'unauthorized');
    assert.equal(a.message, b.message);
  });

  test('logout ends that session only', async () => {
    const t1 = await login(server, 'reviewer1');
    const t2 = await login(server, 'reviewer1');
    assert.notEqual(t1, t2);
    assert.equal((await call(server, 'POST', '/api/v1/auth/logout', { token: t1 })).status, 204);
    assertError(await me(t1), 401, 'unauthorized');
    assertError(await call(server, 'POST', '/api/v1/auth/logout', { token: t1 }), 401, 'unauthorized');
    ok(await me(t2));
  });

  test('password change: the old password must be right, the new one long enough; then only the new one works', async () => {
    const t = await login(server, 'callback1');
    assertError(await call(server, 'POST', '/api/v1/auth/password', { token: t, body: { old_password: PASSWORD, new_password: 'short' } }), 422, 'invalid', 'new_password');
    assertError(await call(server, 'POST', '/api/v1/auth/password', { token: t, body: { old_password: PASSWORD, new_password: PASSWORD } }), 422, 'invalid', 'new_password');
    assertError(await call(server, 'POST', '/api/v1/auth/password', { token: t, body: { old_password: PASSWORD } }), 400, 'missing_field', 'new_password');
    const r = await call(server, 'POST', '/api/v1/auth/password', { token: t, body: { old_password: PASSWORD, new_password: '回访员的新密码2026' } });
    assert.equal(r.status, 204, r.text);
    assertError(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'callback1', password: PASSWORD } }), 401, 'unauthorized');
    ok(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'callback1', password: '回访员的新密码2026' } }));
    ok(await me(t)); // the current session stays
  });

  test('a disabled account loses its sessions and cannot log in; enabling it again restores login', async () => {
    const t = await login(server, 'leader1');
    ok(await call(server, 'PUT', `/api/v1/users/${org.users.leader1.id}`, { token: org.admin, body: { active: false } }));
    assertError(await me(t), 401, 'unauthorized');
    assertError(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'leader1', password: PASSWORD } }), 401, 'unauthorized');
    ok(await call(server, 'PUT', `/api/v1/users/${org.users.leader1.id}`, { token: org.admin, body: { active: true } }));
    ok(await me(await login(server, 'leader1')));
  });

  test('an admin may change a role (applied to existing sessions) and reset a password (ending them)', async () => {
    const t = await login(server, 'supervisor1');
    assert.equal(ok(await me(t)).role, 'supervisor');
    ok(await call(server, 'PUT', `/api/v1/users/${org.users.supervisor1.id}`, { token: org.admin, body: { role: 'leader' } }));
    assert.equal(ok(await me(t)).role, 'leader');
    ok(await call(server, 'PUT', `/api/v1/users/${org.users.supervisor1.id}`, { token: org.admin, body: { password: 'reset-by-admin-1' } }));
    assertError(await me(t), 401, 'unauthorized');
    ok(await call(server, 'POST', '/api/v1/auth/login', { body: { login: 'supervisor1', password: 'reset-by-admin-1' } }));
  });
});

describe('failed-login limiter', () => {
  test('five failures block the login and the address with 429 and Retry-After', async () => {
    // a fresh server: the failures of the tests above must not count here
    const fresh = await startServer();
    try {
      const adminToken = await login(fresh, ADMIN.login, ADMIN.password);
      ok(await call(fresh, 'POST', '/api/v1/users', { token: adminToken, body: { login: 'agent1', name: '赵坐席', role: 'agent', password: PASSWORD } }), 201);
      const agentToken = await login(fresh, 'agent1');
      for (let i = 0; i < 5; i++) {
        assertError(await call(fresh, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: `guess-${i}` } }), 401, 'unauthorized');
      }
      const blocked = await call(fresh, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: PASSWORD } });
      assertError(blocked, 429, 'rate_limited');
      const retry = Number(blocked.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
      // one login's failures do not block the address for the others (its own limit is 50)
      ok(await call(fresh, 'POST', '/api/v1/auth/login', { body: { login: ADMIN.login, password: ADMIN.password } }));
      // sessions already open keep working
      ok(await call(fresh, 'GET', '/api/v1/me', { token: agentToken }));
      const metrics = await (await fetch(`${fresh.url}/metrics`)).text();
      assert.match(metrics, /^jiesu_login_limiter_keys [1-9]/m);
      const trail = ok(await call(fresh, 'GET', '/api/v1/audit?limit=500', { token: adminToken })).items;
      assert.equal(trail.filter((e) => e.action === 'login_failed').length, 5, 'refused attempts are not verified again');
    } finally {
      await fresh.stop();
    }
  });
});

describe('token expiry', () => {
  test('a token stops working when its session expires (token_seconds from --config)', async () => {
    const short = await startServer({ config: { token_seconds: 2 } });
    try {
      const r = ok(await call(short, 'POST', '/api/v1/auth/login', { body: { login: ADMIN.login, password: ADMIN.password } }));
      const secs = (Date.parse(r.expires_at) - Date.now()) / 1000;
      assert.ok(secs <= 2.5, `expires in ${secs} s`);
      ok(await call(short, 'GET', '/api/v1/me', { token: r.token }));
      await new Promise((res) => setTimeout(res, 3100));
      assertError(await call(short, 'GET', '/api/v1/me', { token: r.token }), 401, 'unauthorized');
    } finally {
      await short.stop();
    }
  });
});
