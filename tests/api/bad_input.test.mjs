// Bad input as data: each row is one request that must be refused with a given status, error
// code and field, in the one JSON error shape, and must change nothing (orders and their
// versions, units, users, regions, categories, catalogue and policy are compared before and
// after every row).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  assertError, call, dispatched, intake, ok, requestWords, setupOrg, startServer,
} from './server.mjs';

let server;
let org;
let fx; // fixtures the rows refer to

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  const filed = await intake(server, org);
  await filed.must(org.as('agent1'), 'file');
  const withUnit = await dispatched(server, org, { unit: 'street1' });
  const received = await intake(server, org);
  const leaf = ok(await call(server, 'POST', '/api/v1/categories', {
    token: org.admin, body: { code: '02.01.01', name: '建筑施工噪音', parent_id: org.categories.noise.id },
  }), 201);
  assert.equal(leaf.level, 3);
  fx = { filed, withUnit, received, leaf };
});
after(async () => { await server.stop(); });

/** Everything a refused request must leave as it was. */
async function snapshot() {
  const t = org.admin;
  const get = async (p) => ok(await call(server, 'GET', p, { token: t }));
  const orders = (await get('/api/v1/orders?limit=500')).items.map((o) => [o.id, o.version, o.status]);
  const policy = await get('/api/v1/policy');
  return {
    orders,
    units: (await get('/api/v1/units')).items,
    users: (await get('/api/v1/users')).items,
    regions: (await get('/api/v1/regions')).items,
    categories: (await get('/api/v1/categories')).items,
    catalogue: (await get('/api/v1/catalogue')).items,
    policy: [policy.preset, policy.overrides],
  };
}

const INTAKE = { channel: 'hotline-12345', type: 'complaint', title: '路灯不亮', text: '小区路灯坏了' };
const act = (name) => () => `/api/v1/orders/${fx.filed.id}/actions/${name}`;
const v = () => fx.filed.version;
const bad = Buffer.concat([Buffer.from('{"channel":"web","type":"help","title":"'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('","text":"x"}')]);

// name, method, path (string or function), who (login; null = no token), body (value, or a
// function of the fixtures), raw (string/Buffer), headers, then the expected status, code, field
const ROWS = [
  { name: 'malformed JSON', method: 'POST', path: '/api/v1/orders', raw: '{"channel": "web", ', status: 400, code: 'bad_json', field: null },
  { name: 'a JSON array instead of an object', method: 'POST', path: '/api/v1/orders', raw: '[1,2]', status: 400, code: 'bad_json', field: null },
  { name: 'a JSON string instead of an object', method: 'POST', path: '/api/v1/orders', raw: '"intake"', status: 400, code: 'bad_json', field: null },
  { name: 'an empty body', method: 'POST', path: '/api/v1/orders', raw: '', status: 400, code: 'bad_json', field: null },
  { name: 'duplicate keys', method: 'POST', path: '/api/v1/orders', raw: '{"channel":"web","channel":"wechat","type":"help","title":"t","text":"x"}', status: 400, code: 'bad_json', field: null },
  { name: 'invalid UTF-8 in a string', method: 'POST', path: '/api/v1/orders', raw: bad, status: 400, code: 'bad_utf8', field: null },
  { name: 'a NUL character in a string', method: 'POST', path: '/api/v1/orders', raw: '{"channel":"web","type":"help","title":"a\\u0000b","text":"x"}', status: 400, code: 'bad_json', field: null },
  { name: 'text/plain body', method: 'POST', path: '/api/v1/orders', raw: JSON.stringify(INTAKE), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media', field: 'Content-Type' },
  { name: 'a body over the size cap', method: 'POST', path: '/api/v1/orders', raw: JSON.stringify({ ...INTAKE, text: 'x'.repeat(1100000) }), status: 413, code: 'too_large', field: null },
  { name: 'an unknown field', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, colour: 'red' }, status: 400, code: 'unknown_field', field: 'colour' },
  { name: 'a missing required field', method: 'POST', path: '/api/v1/orders', body: { channel: 'web', type: 'help', text: 'x' }, status: 400, code: 'missing_field', field: 'title' },
  { name: 'an empty required field', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, title: '' }, status: 400, code: 'missing_field', field: 'title' },
  { name: 'a number where text is expected', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, title: 42 }, status: 400, code: 'wrong_type', field: 'title' },
  { name: 'a string where a boolean is expected', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, anonymous: 'yes' }, status: 400, code: 'wrong_type', field: 'anonymous' },
  { name: 'a title over 200 characters', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, title: '长'.repeat(201) }, status: 422, code: 'too_long', field: 'title' },
  { name: 'a text over 10000 characters', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, text: '字'.repeat(10001) }, status: 422, code: 'too_long', field: 'text' },
  { name: 'an unknown request type', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, type: 'rant' }, status: 422, code: 'invalid', field: 'type' },
  { name: 'a malformed channel', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, channel: 'Hotline 12345' }, status: 422, code: 'invalid', field: 'channel' },
  { name: 'a category that does not exist', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, category_id: 99999 }, status: 422, code: 'invalid', field: 'category_id' },
  { name: 'an anonymous citizen with a name', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, anonymous: true, citizen_name: '王五' }, status: 422, code: 'rule_violation', field: 'citizen_name' },
  { name: 'latitude without longitude', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, lat: 39.9 }, status: 422, code: 'invalid', field: 'lon' },
  { name: 'a phone with letters', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, citizen_phone: '138-call-me' }, status: 422, code: 'invalid', field: 'citizen_phone' },
  { name: 'an action without the version', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ unit_id: org.units.street1.id }), status: 400, code: 'missing_field', field: 'version' },
  { name: 'a version given as text', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: String(v()), unit_id: org.units.street1.id }), status: 400, code: 'wrong_type', field: 'version' },
  { name: 'a version of 0', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: 0, unit_id: org.units.street1.id }), status: 422, code: 'invalid', field: 'version' },
  { name: 'a stale version', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v() - 1, unit_id: org.units.street1.id }), status: 409, code: 'version_conflict', field: 'version' },
  { name: 'an unknown action field', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, priority: 1 }), status: 400, code: 'unknown_field', field: 'priority' },
  { name: 'dispatch to a unit that does not exist', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: 4242 }), status: 422, code: 'invalid', field: 'unit_id' },
  { name: 'a deadline that is not a date', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: 'next week' }), status: 422, code: 'invalid', field: 'deadline' },
  // Strict dates and deadlines in the future (issue 10)
  { name: 'a deadline already past', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: '2020-01-01T09:00:00+08:00' }), status: 422, code: 'invalid', field: 'deadline' },
  { name: 'a deadline with a +99:99 offset', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: '2030-01-01T09:00:00+99:99' }), status: 422, code: 'invalid', field: 'deadline' },
  { name: 'a deadline at 23:59:60', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: '2030-06-30T23:59:60+08:00' }), status: 422, code: 'invalid', field: 'deadline' },
  { name: 'a deadline in year 9999', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: '9999-12-31T00:00:00Z' }), status: 422, code: 'invalid', field: 'deadline' },
  { name: 'a deadline on 31 April', method: 'POST', path: act('dispatch'), who: 'dispatcher1', body: () => ({ version: v(), unit_id: org.units.street1.id, deadline: '2030-04-31' }), status: 422, code: 'invalid', field: 'deadline' },
  { name: 'an upstream deadline in year 0001', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, upstream_deadline: '0001-01-01T00:00:00Z' }, status: 422, code: 'invalid', field: 'upstream_deadline' },
  { name: 'an upstream deadline already past', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, upstream_deadline: '2021-03-01T12:00:00+08:00' }, status: 422, code: 'invalid', field: 'upstream_deadline' },
  { name: 'a list date with a +14:30 offset', method: 'GET', path: '/api/v1/orders?from=2026-01-01T00:00:00%2B14:30', status: 422, code: 'invalid', field: 'from' },
  // Attachment URLs a browser could run or send elsewhere (issue 10)
  { name: 'a javascript: attachment', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, attachments: [{ name: 'a', url: 'javascript:alert(1)' }] }, status: 422, code: 'invalid', field: 'attachments[0].url' },
  { name: 'a data: attachment', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, attachments: [{ name: 'a', url: '/api/v1/files/0123456789abcdef0123456789abcdef' }, { name: 'b', url: 'data:text/html,<script>alert(1)</script>' }] }, status: 422, code: 'invalid', field: 'attachments[1].url' },
  { name: 'a protocol-relative attachment', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, attachments: [{ name: 'a', url: '//evil.example/x.pdf' }] }, status: 422, code: 'invalid', field: 'attachments[0].url' },
  { name: 'a backslashed attachment', method: 'POST', path: '/api/v1/orders', body: { ...INTAKE, attachments: [{ name: 'a', url: '/\\evil.example/x.pdf' }] }, status: 422, code: 'invalid', field: 'attachments[0].url' },
  { name: 'an action the status does not allow', method: 'POST', path: act('archive'), who: 'dispatcher1', body: () => ({ version: v() }), status: 409, code: 'bad_state', field: null },
  { name: 'not_file without the explanation', method: 'POST', path: () => `/api/v1/orders/${fx.received.id}/actions/not_file`, who: 'agent1', body: () => ({ version: fx.received.version, reason: 'no_demand' }), status: 400, code: 'missing_field', field: 'explanation' },
  { name: 'not_file with an unknown reason', method: 'POST', path: () => `/api/v1/orders/${fx.received.id}/actions/not_file`, who: 'agent1', body: () => ({ version: fx.received.version, reason: 'boring', explanation: '无' }), status: 422, code: 'invalid', field: 'reason' },
  { name: 'an unknown action', method: 'POST', path: act('teleport'), who: 'dispatcher1', body: () => ({ version: v() }), status: 404, code: 'not_found', field: 'action' },
  { name: 'an order that does not exist', method: 'POST', path: '/api/v1/orders/987654/actions/file', who: 'agent1', body: { version: 1 }, status: 404, code: 'not_found', field: 'id' },
  { name: 'a unit user on another unit\'s order', method: 'POST', path: () => `/api/v1/orders/${fx.withUnit.id}/actions/sign`, who: 'op-s2', body: () => ({ version: fx.withUnit.version }), status: 404, code: 'not_found', field: 'id' },
  { name: 'a role the matrix refuses', method: 'POST', path: () => `/api/v1/orders/${fx.withUnit.id}/actions/sign`, who: 'dispatcher1', body: () => ({ version: fx.withUnit.version }), status: 403, code: 'forbidden', field: null },
  { name: 'no token', method: 'POST', path: '/api/v1/orders', who: null, body: INTAKE, status: 401, code: 'unauthorized', field: null },
  { name: 'a malformed token', method: 'POST', path: '/api/v1/orders', who: null, headers: { authorization: 'Bearer not-a-token' }, body: INTAKE, status: 401, code: 'unauthorized', field: null },
  { name: 'a well-formed but unknown token', method: 'GET', path: '/api/v1/me', who: null, headers: { authorization: `Bearer ${'ab'.repeat(32)}` }, status: 401, code: 'unauthorized', field: null },
  { name: 'an Idempotency-Key over 128 characters', method: 'POST', path: '/api/v1/orders', headers: { 'idempotency-key': 'k'.repeat(129) }, body: INTAKE, status: 422, code: 'invalid', field: 'Idempotency-Key' },
  { name: 'an unknown list parameter', method: 'GET', path: '/api/v1/orders?colour=red', status: 400, code: 'unknown_field', field: 'colour' },
  { name: 'an unknown status filter', method: 'GET', path: '/api/v1/orders?status=received,lost', status: 422, code: 'invalid', field: 'status' },
  { name: 'a list limit of 0', method: 'GET', path: '/api/v1/orders?limit=0', status: 422, code: 'invalid', field: 'limit' },
  { name: 'a list limit over 500', method: 'GET', path: '/api/v1/orders?limit=501', status: 422, code: 'invalid', field: 'limit' },
  { name: 'a forged cursor', method: 'GET', path: '/api/v1/orders?cursor=garbage', status: 422, code: 'invalid', field: 'cursor' },
  { name: 'an impossible date', method: 'GET', path: '/api/v1/orders?from=2026-13-45', status: 422, code: 'invalid', field: 'from' },
  { name: 'overdue as a number', method: 'GET', path: '/api/v1/orders?overdue=1', status: 422, code: 'invalid', field: 'overdue' },
  { name: 'hanging as false', method: 'GET', path: '/api/v1/orders?hanging=false', status: 422, code: 'invalid', field: 'hanging' },
  { name: 'enterprise as a number', method: 'GET', path: '/api/v1/orders?enterprise=1', status: 422, code: 'invalid', field: 'enterprise' },
  { name: 'an unknown sort', method: 'GET', path: '/api/v1/orders?sort=random', status: 422, code: 'invalid', field: 'sort' },
  { name: 'a login password that is not text', method: 'POST', path: '/api/v1/auth/login', who: null, body: { login: 'agent1', password: 12345678 }, status: 400, code: 'wrong_type', field: 'password' },
  { name: 'a login with an extra field', method: 'POST', path: '/api/v1/auth/login', who: null, body: { login: 'agent1', password: 'x', remember: true }, status: 400, code: 'unknown_field', field: 'remember' },
  { name: 'a user with a short password', method: 'POST', path: '/api/v1/users', who: 'admin', body: { login: 'shorty', name: '短', role: 'agent', password: 'abc' }, status: 422, code: 'invalid', field: 'password' },
  { name: 'a user with the system role', method: 'POST', path: '/api/v1/users', who: 'admin', body: { login: 'robot', name: '机器', role: 'system', password: 'longenough1' }, status: 422, code: 'invalid', field: 'role' },
  { name: 'a unit user without a unit', method: 'POST', path: '/api/v1/users', who: 'admin', body: { login: 'orphan', name: '无单位', role: 'unit_operator', password: 'longenough1' }, status: 400, code: 'missing_field', field: 'unit_id' },
  { name: 'a login that is taken', method: 'POST', path: '/api/v1/users', who: 'admin', body: { login: 'agent1', name: '重复', role: 'agent', password: 'longenough1' }, status: 409, code: 'exists', field: 'login' },
  { name: 'the admin removing their own admin role', method: 'PUT', path: () => '/api/v1/users/1', who: 'admin', body: { role: 'agent' }, status: 422, code: 'rule_violation', field: 'role' },
  { name: 'a unit name over 127 bytes', method: 'POST', path: '/api/v1/units', who: 'admin', body: { code: 'LONG', name: '单'.repeat(43), kind: 'street' }, status: 422, code: 'too_long', field: 'name' },
  { name: 'an unknown unit kind', method: 'POST', path: '/api/v1/units', who: 'admin', body: { code: 'K1', name: '某单位', kind: 'club' }, status: 422, code: 'invalid', field: 'kind' },
  { name: 'a unit code with spaces', method: 'POST', path: '/api/v1/units', who: 'admin', body: { code: 'A B', name: '某单位', kind: 'street' }, status: 422, code: 'invalid', field: 'code' },
  { name: 'a unit code that is taken', method: 'POST', path: '/api/v1/units', who: 'admin', body: { code: 'S01', name: '重复', kind: 'street' }, status: 409, code: 'exists', field: 'code' },
  { name: 'an unknown contact tier', method: 'POST', path: '/api/v1/units', who: 'admin', body: { code: 'C9', name: '某单位', kind: 'street', contacts: { boss: { name: '甲' } } }, status: 400, code: 'unknown_field', field: 'boss' },
  { name: 'a region below a missing parent', method: 'POST', path: '/api/v1/regions', who: 'admin', body: { code: 'X', name: '某', level: 'street', parent_id: 777 }, status: 422, code: 'invalid', field: 'parent_id' },
  { name: 'a category four levels deep', method: 'POST', path: '/api/v1/categories', who: 'admin', body: () => ({ code: 'deep', name: '太深', parent_id: fx.leaf.id }), status: 422, code: 'invalid', field: 'parent_id' },
  { name: 'a category level that does not fit its parent', method: 'POST', path: '/api/v1/categories', who: 'admin', body: () => ({ code: 'odd', name: '错层', parent_id: org.categories.env.id, level: 3 }), status: 422, code: 'invalid', field: 'level' },
  { name: 'a catalogue entry for a missing unit', method: 'POST', path: '/api/v1/catalogue', who: 'admin', body: () => ({ category_id: org.categories.env.id, unit_id: 999 }), status: 422, code: 'invalid', field: 'unit_id' },
  { name: 'deleting a missing catalogue entry', method: 'DELETE', path: '/api/v1/catalogue/999', who: 'admin', status: 404, code: 'not_found', field: 'id' },
  { name: 'an unknown policy preset', method: 'PUT', path: '/api/v1/policy', who: 'admin', body: { preset: 'atlantis-2099' }, status: 422, code: 'invalid', field: 'preset' },
  { name: 'an unknown policy setting', method: 'PUT', path: '/api/v1/policy', who: 'admin', body: { preset: 'linshu-2020', overrides: { coffee_breaks: 3 } }, status: 400, code: 'unknown_field', field: 'coffee_breaks' },
  { name: 'a policy setting of the wrong type', method: 'PUT', path: '/api/v1/policy', who: 'admin', body: { preset: 'linshu-2020', overrides: { return_window: 'two' } }, status: 400, code: 'wrong_type', field: 'return_window' },
  { name: 'a password change with the wrong old password', method: 'POST', path: '/api/v1/auth/password', who: 'reviewer1', body: { old_password: 'not-it-at-all', new_password: 'brand-new-pass' }, status: 422, code: 'invalid', field: 'old_password' },
  { name: 'a method the route does not have', method: 'DELETE', path: '/api/v1/orders', status: 405, code: 'method_not_allowed', field: null },
  { name: 'an API path that does not exist', method: 'GET', path: '/api/v1/nothing-here', status: 404, code: 'not_found', field: null },
];

describe('bad input is refused and changes nothing', () => {
  test('the table has at least 30 rows', () => {
    assert.ok(ROWS.length >= 30, `${ROWS.length} rows`);
  });

  for (const row of ROWS) {
    test(`${row.name} → ${row.status} ${row.code}`, async () => {
      const beforeState = await snapshot();
      const who = row.who === undefined ? 'dispatcher1' : row.who;
      const path = typeof row.path === 'function' ? row.path() : row.path;
      const body = typeof row.body === 'function' ? row.body() : row.body;
      const send = () => call(server, row.method, path, {
        token: who ? (who === 'admin' ? org.admin : org.as(who)) : undefined,
        body: row.raw === undefined ? body : undefined,
        raw: row.raw,
        headers: row.headers,
      });
      let r;
      for (let attempt = 1; ; attempt++) {
        try {
          r = await send();
          break;
        } catch (err) {
          // an oversized body may be cut off by the server closing the connection while the
          // client still sends; nothing was applied, so trying again is safe
          if (row.status !== 413 || attempt === 3) throw err;
        }
      }
      const err = assertError(r, row.status, row.code, row.field, requestWords(body, path, row.raw === undefined ? undefined : String(row.raw), row.headers));
      assert.ok(err.message.length >= 5, `a useful message: ${err.message}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await snapshot(), beforeState, 'the request changed something');
    });
  }

  test('after all of that, the orders still work', async () => {
    const o = fx.filed;
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
    assert.equal(o.status, 'dispatched');
  });
});
