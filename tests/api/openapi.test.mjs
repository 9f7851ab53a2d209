// The API's contract against its code: /api/v1/openapi.json from a real server validates with an
// independent validator (@apidevtools/swagger-parser); every action's documented required fields
// are exactly those the server requires (each one left out → 400 missing_field naming it; all
// given → never missing_field); 201 answers carry Location; lists page with cursor/next_cursor;
// and the command line follows the same field table (types, --help, `jiesu verify` is the
// 核实 action, the replay check is `jiesu check-replay`).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import {
  ADMIN, BIN, COMPLAINT, assertError, call, dispatched, freshDb, ok, setupOrg, startServer,
} from './server.mjs';

// A login for each role that may act (system acts through the scheduler, not the API).
const LOGIN_OF = {
  agent: 'agent1', dispatcher: 'dispatcher1', reviewer: 'reviewer1', callback: 'callback1',
  supervisor: 'supervisor1', leader: 'leader1', admin: 'admin', unit_operator: 'op-s1',
  unit_leader: 'lead-s1',
};

let server;
let org;
let doc;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
});
after(async () => { await server.stop(); });

const operations = () => Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([method, op]) => ({ p, method, op })));

describe('the OpenAPI document', () => {
  test('validates with swagger-parser (OpenAPI 3.0 schema and semantics)', async () => {
    const api = await SwaggerParser.validate(structuredClone(doc));
    assert.match(api.openapi, /^3\.0\./);
  });

  test('every operation has a unique operationId, declared path parameters and error answers', () => {
    const ids = new Set();
    for (const { p, method, op } of operations()) {
      assert.ok(op.operationId, `${method} ${p} has no operationId`);
      assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} twice`);
      ids.add(op.operationId);
      for (const [, name] of p.matchAll(/\{([^}]+)\}/g)) {
        assert.ok((op.parameters || []).some((x) => x.in === 'path' && x.name === name && x.required),
          `${method} ${p}: path parameter ${name} not declared`);
      }
      assert.ok(op.responses['400'] && op.responses.default, `${method} ${p}: no error answers`);
      if (!op.security) assert.ok(op.responses['401'], `${method} ${p}: no 401`);
      for (const [code, r] of Object.entries(op.responses)) {
        if (code === '201') assert.ok(r.headers?.Location, `${method} ${p}: 201 without Location`);
      }
    }
  });

  test('answers are typed: orders, cursor lists, errors, and the real media types of downloads', () => {
    const content = (p, method, code = '200') => doc.paths[p][method].responses[code].content;
    assert.equal(content('/api/v1/orders', 'get')['application/json'].schema.$ref, '#/components/schemas/OrderList');
    assert.equal(content('/api/v1/orders/{id}', 'get')['application/json'].schema.$ref, '#/components/schemas/OrderDetail');
    assert.equal(content('/api/v1/orders', 'post', '201')['application/json'].schema.$ref, '#/components/schemas/ActionResult');
    assert.deepEqual(doc.components.schemas.OrderList.required, ['items', 'next_cursor']);
    assert.deepEqual(doc.components.schemas.OrderSummary.required, ['id', 'number', 'version', 'status']);
    for (const p of ['/api/v1/audit', '/api/v1/outbox', '/api/v1/warnings']) {
      assert.equal(content(p, 'get')['application/json'].schema.$ref, '#/components/schemas/CursorList', p);
      const names = doc.paths[p].get.parameters.map((x) => x.name);
      assert.ok(names.includes('cursor'), `${p} takes no cursor`);
    }
    assert.ok(content('/metrics', 'get')['text/plain; version=0.0.4']);
    const assess = content('/api/v1/assess', 'get');
    assert.ok(assess['text/csv'] && assess['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
    assert.equal(content('/api/v1/files/{id}', 'get')['application/octet-stream'].schema.format, 'binary');
    assert.ok(doc.paths['/api/v1/files'].post.requestBody.content['application/octet-stream']);
    const notFound = doc.paths['/api/v1/orders/{id}'].get.responses['404'];
    assert.equal(notFound.$ref, '#/components/responses/NotFound');
    assert.equal(doc.components.responses.NotFound.content['application/json'].schema.$ref, '#/components/schemas/Error');
  });

  test('action fields are typed from the lifecycle table, with enums, limits and labels', () => {
    const schema = (a) => doc.paths[`/api/v1/orders/{id}/actions/${a}`].post.requestBody.content['application/json'].schema;
    const intakeSchema = doc.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema;
    assert.equal(intakeSchema.properties.upstream_id.type, 'string');
    assert.equal(intakeSchema.properties.upstream_id.maxLength, 63);
    assert.equal(intakeSchema.properties.upstream_deadline.format, 'date-time');
    assert.equal(intakeSchema.properties.title.description, '标题');
    assert.deepEqual(intakeSchema.required, ['channel', 'type', 'title', 'text']);
    assert.ok(intakeSchema.properties.type.enum.includes('complaint'));
    assert.deepEqual(schema('dispatch').required, ['version', 'unit_id']);
    assert.equal(schema('dispatch').properties.assist_units.items.type, 'integer');
    assert.equal(schema('dispatch').properties.assist_units.maxItems, 8);
    assert.deepEqual(schema('transfer').properties.to.enum, ['110', '119', '120']);
    assert.deepEqual(schema('contact').properties.method.enum, ['phone', 'visit', 'sms', 'other']);
    // conditional requirements stay in code and the field is documented optional
    assert.deepEqual(schema('not_file').required, ['version', 'reason', 'explanation']);
    assert.deepEqual(schema('review').required, ['version', 'pass']);
    assert.equal(schema('urge').properties.share.exclusiveMinimum, true);
  });
});

describe('the documented required fields are the ones the server requires', () => {
  test('for intake and every action: each required field left out → 400 missing_field; all given → no missing_field', async () => {
    const order = await dispatched(server, org, { unit: 'street1' });
    const checked = [];
    const targets = [{ action: 'intake', op: doc.paths['/api/v1/orders'].post, roles: ['agent'] }];
    for (const [p, item] of Object.entries(doc.paths)) {
      const m = p.match(/\/actions\/([a-z_]+)$/);
      if (m) targets.push({ action: m[1], op: item.post, roles: item.post['x-roles'] });
    }
    assert.ok(targets.length >= 35, 'every action is documented');
    for (const { action, op, roles } of targets) {
      const role = roles.find((r) => LOGIN_OF[r]);
      if (!role) { // the scheduler's own action
        assert.deepEqual(roles, ['system'], action);
        continue;
      }
      const token = org.as(LOGIN_OF[role]);
      const schema = op.requestBody.content['application/json'].schema;
      const required = (schema.required || []).filter((f) => f !== 'version');
      const full = {};
      for (const f of required) {
        assert.ok('example' in schema.properties[f], `${action}.${f} has no example`);
        full[f] = schema.properties[f].example;
      }
      const send = async (fields) => {
        const fresh = ok(await call(server, 'GET', `/api/v1/orders/${order.id}`, { token: org.as('dispatcher1') }));
        if (action === 'intake') return call(server, 'POST', '/api/v1/orders', { token, body: fields });
        return call(server, 'POST', `/api/v1/orders/${order.id}/actions/${action}`,
          { token, body: { version: fresh.version, ...fields } });
      };
      for (const f of required) {
        const body = { ...full };
        delete body[f];
        const r = await send(body);
        const e = assertError(r, 400, 'missing_field', f);
        assert.ok(e.message.includes(f), `${action}: the message names ${f}: ${e.message}`);
      }
      const r = await send(full);
      if (r.json?.error?.code === 'missing_field') {
        // only a requirement that depends on other fields or the policy, which the document
        // marks optional and names in the field's description (e.g. legal_basis: 政策要求时必填)
        const f = schema.properties[r.json.error.field];
        assert.ok(f && !required.includes(r.json.error.field) && /必填/.test(f.description),
          `${action} with every required field: ${r.text}`);
      }
      assert.notEqual(r.status, 500, `${action}: ${r.text}`);
      checked.push(action);
    }
    assert.ok(checked.includes('dispatch') && checked.includes('reply') && checked.includes('intake'));
  });

  test('shape errors name the field in Chinese: unknown, wrong type, too long, not one of the values', async () => {
    const t = org.as('agent1');
    const post = (body) => call(server, 'POST', '/api/v1/orders', { token: t, body });
    let e = assertError(await post({ ...COMPLAINT, colour: 'red' }), 400, 'unknown_field', 'colour');
    assert.match(e.message, /未知字段/);
    e = assertError(await post({ ...COMPLAINT, upstream_id: 12 }), 400, 'wrong_type', 'upstream_id');
    assert.match(e.message, /上级平台工单号.*字符串/);
    e = assertError(await post({ ...COMPLAINT, title: '长'.repeat(201) }), 422, 'too_long', 'title');
    assert.match(e.message, /标题.*200/);
    e = assertError(await post({ ...COMPLAINT, type: 'rumour' }), 422, 'invalid', 'type');
    assert.match(e.message, /complaint/);
    e = assertError(await post({ ...COMPLAINT, lat: 91, lon: 10 }), 422, 'invalid', 'lat');
    e = assertError(await post({ ...COMPLAINT, title: undefined }), 400, 'missing_field', 'title');
    assert.match(e.message, /缺少必填字段/);
  });
});

describe('HTTP conventions', () => {
  test('every 201 answer carries Location, and it leads to the created resource', async () => {
    const admin = org.admin;
    const r = await call(server, 'POST', '/api/v1/units', { token: admin, body: { code: 'LOC1', name: '定位测试单位', kind: 'department' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `/api/v1/units/${r.json.id}`);
    assert.equal(ok(await call(server, 'GET', r.headers.get('location'), { token: admin })).code, 'LOC1');
    const o = await call(server, 'POST', '/api/v1/orders', { token: org.as('agent1'), body: COMPLAINT });
    assert.equal(o.status, 201);
    assert.equal(ok(await call(server, 'GET', o.headers.get('location'), { token: org.as('agent1') })).id, o.json.order.id);
    const reg = await call(server, 'POST', '/api/v1/regions', { token: admin, body: { level: 'street', code: 'LOC.S', name: '定位街道' } });
    assert.equal(reg.headers.get('location'), `/api/v1/regions/${reg.json.id}`);
  });

  test('lists page with cursor in and next_cursor out; the old names still work', async () => {
    const t = org.as('supervisor1');
    for (const p of ['/api/v1/warnings', '/api/v1/outbox']) {
      const page = ok(await call(server, 'GET', `${p}?limit=1`, { token: p.endsWith('outbox') ? org.admin : t }));
      assert.ok('next_cursor' in page, `${p} answers next_cursor`);
      assertError(await call(server, 'GET', `${p}?cursor=abc`, { token: p.endsWith('outbox') ? org.admin : t }), 422, 'invalid', 'cursor');
    }
    const a1 = ok(await call(server, 'GET', '/api/v1/audit?limit=1', { token: org.as('auditor1') }));
    assert.equal(typeof a1.next_cursor, 'string');
    const a2 = ok(await call(server, 'GET', `/api/v1/audit?limit=1&cursor=${a1.next_cursor}`, { token: org.as('auditor1') }));
    assert.ok(a2.items[0].id > a1.items[0].id);
    const old = ok(await call(server, 'GET', `/api/v1/audit?limit=1&after=${a1.next_cursor}`, { token: org.as('auditor1') }));
    assert.deepEqual(old.items, a2.items);
  });
});

describe('the command line follows the same table', () => {
  let dir;
  let db;
  const jiesu = (...args) => spawnSync(BIN, [...args, '--db', db], { encoding: 'utf8' });
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'jiesu-cli-'));
    db = freshDb(dir, 'j.db');
    execFileSync(BIN, ['init', '--db', db], { stdio: 'pipe' });
    execFileSync(BIN, ['useradd', '--db', db, '--login', 'a1', '--name', '坐席', '--role', 'agent', '--password', ADMIN.password], { stdio: 'pipe' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('--help lists each field with its type, required-ness, values and Chinese label', () => {
    const r = jiesu('dispatch', '--help');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /--unit_id\s+id\s+必填\s+主办单位/);
    assert.match(r.stdout, /--assist_units\s+\[id,\.\.\.\]\s+可选\s+协办单位；最多 8 项/);
    assert.match(r.stdout, /--tier\s+string\s+可选\s+办理时限档；取值 none\|2h\|24h\|7d\|15d/);
    const v = jiesu('verify', '--help');
    assert.equal(v.status, 0);
    assert.match(v.stdout, /jiesu verify — 核实/);
  });

  test('upstream_id is a string, ids are integers; `jiesu verify` runs the action; check-replay replays', () => {
    const r = jiesu('intake', '--as', 'a1', '--channel', 'upstream', '--type', 'complaint', '--title', '测试',
      '--text', '测试内容', '--upstream_id', '00123', '--address', '多福巷1号');
    assert.equal(r.status, 0, r.stderr);
    const made = JSON.parse(r.stdout);
    const shown = jiesu('show', '--order', made.order);
    assert.match(shown.stdout, /"upstream_id": "00123"/);
    const bad = jiesu('file', '--as', 'a1', '--order', made.order, '--category_id', 'x');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /wrong_type/);
    const unknown = jiesu('file', '--as', 'a1', '--order', made.order, '--colour', 'red');
    assert.match(unknown.stderr, /unknown_field/);
    const v = jiesu('verify', '--as', 'a1', '--order', made.order, '--note', '已核实');
    assert.equal(v.status, 0, v.stderr);
    assert.match(jiesu('show', '--order', made.order).stdout, /"verified": true/);
    const replay = jiesu('check-replay');
    assert.equal(replay.status, 0, replay.stderr);
    assert.match(replay.stdout, /已按事件重建 1 件工单，0 件与存储不一致/);
  });
});
