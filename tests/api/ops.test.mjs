// Operations and self-description: /healthz, /metrics in the Prometheus text format (requests
// by route and status, latency histogram, orders by status), the OpenAPI document (a test
// fails if a route is missing from it), /api/v1/meta, static files, 404/405 answers, and a
// graceful stop on SIGTERM with requests in flight.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ADMIN, assertError, call, dispatched, intake, login, ok, setupOrg, startServer,
} from './server.mjs';

// The routes of the API these tests use. A route served but not described is marked
// x-undocumented in the document (checked below); one listed here but missing from the
// document fails too.
const ROUTES = [
  'GET /healthz', 'GET /metrics', 'GET /api/v1/openapi.json', 'GET /api/v1/meta',
  'POST /api/v1/auth/login', 'POST /api/v1/auth/logout', 'POST /api/v1/auth/password', 'GET /api/v1/me',
  'GET /api/v1/orders', 'POST /api/v1/orders', 'GET /api/v1/orders/{id}', 'GET /api/v1/orders/{id}/suggest',
  'POST /api/v1/orders/{id}/actions/{action}',
  'GET /api/v1/units', 'POST /api/v1/units', 'GET /api/v1/units/{id}', 'PUT /api/v1/units/{id}',
  'GET /api/v1/users', 'POST /api/v1/users', 'GET /api/v1/users/{id}', 'PUT /api/v1/users/{id}',
  'GET /api/v1/regions', 'POST /api/v1/regions', 'PUT /api/v1/regions/{id}',
  'GET /api/v1/categories', 'POST /api/v1/categories', 'PUT /api/v1/categories/{id}',
  'GET /api/v1/catalogue', 'POST /api/v1/catalogue', 'DELETE /api/v1/catalogue/{id}',
  'GET /api/v1/policy', 'PUT /api/v1/policy', 'GET /api/v1/audit',
  'POST /api/v1/files', 'GET /api/v1/files/{id}',
  'GET /api/v1/calendar', 'PUT /api/v1/calendar', 'GET /api/v1/outbox', 'GET /api/v1/changes',
];
const ACTIONS = [
  'verify', 'file', 'not_file', 'transfer', 'answer', 'dispatch', 'merge', 'split', 'sign',
  'return', 'return_approve', 'return_reject', 'sign_approval', 'contact', 'extension_request',
  'extension_decide', 'hang_request', 'hang_decide', 'hang_progress', 'hang_lift', 'reply',
  'review', 'callback', 'reopen', 'close', 'archive', 'urge', 'supervise', 'supervise_answer',
  'force_close', 'instruct', 'warn', 'mark_overdue', 'special_report', 'assist_report',
  'supplement', 'consult', 'consult_result', 'preinvestigate', 'preinv_report', 'instruct_report',
];

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

describe('health and metrics', () => {
  test('/healthz reports the process and the database', async () => {
    const h = ok(await call(server, 'GET', '/healthz'));
    assert.equal(h.status, 'ok');
    assert.equal(h.db, 'ok');
    assert.ok(h.schema_version >= 1);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  test('/metrics counts requests by route and status, has a latency histogram and orders by status', async () => {
    const a = await intake(server, org);
    await intake(server, org);
    await dispatched(server, org, { unit: 'street1' });
    for (let i = 0; i < 3; i++) ok(await call(server, 'GET', `/api/v1/orders/${a.id}`, { token: org.as('dispatcher1') }));
    assertError(await call(server, 'GET', '/api/v1/orders/424242', { token: org.as('dispatcher1') }), 404, 'not_found');
    const r = await fetch(`${server.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const sample = (re) => {
      const m = text.match(re);
      assert.ok(m, `no sample ${re}`);
      return Number(m[1]);
    };
    assert.ok(sample(/^jiesu_http_requests_total\{[^}]*route="\/api\/v1\/orders\/\{id\}"[^}]*method="GET"[^}]*status="200"[^}]*\} (\d+)/m) >= 3);
    assert.ok(sample(/^jiesu_http_requests_total\{[^}]*route="\/api\/v1\/orders\/\{id\}"[^}]*status="404"[^}]*\} (\d+)/m) >= 1);
    assert.ok(sample(/^jiesu_http_requests_total\{[^}]*route="\/api\/v1\/orders"[^}]*method="POST"[^}]*status="201"[^}]*\} (\d+)/m) >= 3);
    assert.match(text, /^# TYPE jiesu_http_request_duration_seconds histogram$/m);
    assert.match(text, /^jiesu_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"\} \d+/m);
    assert.match(text, /^jiesu_http_request_duration_seconds_count\{/m);
    assert.match(text, /^jiesu_http_request_duration_seconds_sum\{/m);
    assert.match(text, /^# TYPE jiesu_orders gauge$/m);
    const list = ok(await call(server, 'GET', '/api/v1/orders?limit=500', { token: org.as('dispatcher1') })).items;
    for (const status of ['received', 'dispatched', 'closed']) {
      const n = list.filter((o) => o.status === status).length;
      assert.equal(sample(new RegExp(`^jiesu_orders\\{status="${status}"\\} (\\d+)`, 'm')), n, status);
    }
  });
});

describe('the API document', () => {
  let doc;
  before(async () => { doc = ok(await call(server, 'GET', '/api/v1/openapi.json')); });

  test('is OpenAPI 3 with the error schema and bearer security', () => {
    assert.match(doc.openapi, /^3\.0\./);
    assert.equal(doc.info.title, 'jiesu API');
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
    assert.deepEqual(doc.components.schemas.Error.required, ['error']);
  });

  test('documents every route, and nothing is undocumented', () => {
    const documented = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!/\/actions\/[a-z_]+$/.test(p)) documented.push(`${method.toUpperCase()} ${p}`);
        assert.ok(!op['x-undocumented'], `${method} ${p} is served but not described`);
        assert.ok(op.summary && op.summary.length > 3, `${method} ${p} has no summary`);
        assert.ok(op.responses && op.responses.default, `${method} ${p} has no error response`);
      }
    }
    for (const r of ROUTES) assert.ok(documented.includes(r), `${r} is missing from the document`);
  });

  test('documents every action with its fields, the version and the roles', () => {
    for (const action of ACTIONS) {
      const op = doc.paths[`/api/v1/orders/{id}/actions/${action}`]?.post;
      assert.ok(op, `action ${action} is missing`);
      const schema = op.requestBody.content['application/json'].schema;
      assert.equal(schema.required[0], 'version');
      assert.equal(schema.properties.version.type, 'integer');
      assert.ok(Array.isArray(op['x-roles']));
    }
    const dispatch = doc.paths['/api/v1/orders/{id}/actions/dispatch'].post;
    const props = dispatch.requestBody.content['application/json'].schema.properties;
    assert.equal(props.unit_id.type, 'integer');
    assert.equal(props.assist_units.type, 'array');
    assert.deepEqual(dispatch['x-roles'], ['dispatcher']);
    const review = doc.paths['/api/v1/orders/{id}/actions/review'].post;
    assert.equal(review.requestBody.content['application/json'].schema.properties.pass.type, 'boolean');
    const intakeOp = doc.paths['/api/v1/orders'].post;
    const intakeSchema = intakeOp.requestBody.content['application/json'].schema;
    assert.ok(intakeSchema.properties.title && !intakeSchema.properties.version);
    assert.ok(intakeOp.parameters.some((p) => p.name === 'Idempotency-Key' && p.in === 'header'));
    const listOp = doc.paths['/api/v1/orders'].get;
    const params = listOp.parameters.map((p) => p.name).sort();
    assert.deepEqual(params, ['category_id', 'channel', 'cursor', 'enterprise', 'from', 'hanging', 'instructed', 'level', 'limit', 'overdue', 'preinv', 'q', 'region_id', 'reopened', 'sort', 'status', 'to', 'type', 'unit_id']);
    assert.deepEqual(doc.paths['/api/v1/auth/login'].post.security, []);
  });

  test('/api/v1/meta gives the vocabulary with Chinese labels', async () => {
    const m = ok(await call(server, 'GET', '/api/v1/meta'));
    assert.equal(m.statuses.length, 15);
    assert.deepEqual(m.statuses.find((s) => s.name === 'handling'), { name: 'handling', label: '办理中' });
    assert.deepEqual(m.actions.map((a) => a.name).sort(), [...ACTIONS, 'intake', 'merged_into'].sort());
    const dispatchMeta = m.actions.find((a) => a.name === 'dispatch');
    assert.ok(dispatchMeta.fields.includes('unit_id'));
    assert.deepEqual(dispatchMeta.roles, ['dispatcher']);
    assert.ok(m.channels.includes('hotline-12345'));
    assert.equal(m.roles.length, 11);
  });
});

describe('the event stream of changes', () => {
  // Reads server-sent events from r's body until pick(event) answers something; returns it.
  async function nextEvent(reader, state, pick) {
    for (;;) {
      let k;
      while ((k = state.pending.indexOf('\n\n')) >= 0) {
        const block = state.pending.slice(0, k);
        state.pending = state.pending.slice(k + 2);
        const ev = { event: null, data: null, comment: block.startsWith(':') };
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) ev.event = line.slice(6).trim();
          if (line.startsWith('data:')) ev.data = line.slice(5).trim();
        }
        const got = pick(ev);
        if (got !== undefined) return got;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      state.pending += new TextDecoder().decode(value);
    }
  }

  test('refused without a session', async () => {
    assertError(await call(server, 'GET', '/api/v1/changes'), 401, 'unauthorized');
  });

  test('sends the change number at once and again when an order changes, nothing else', async () => {
    const ctl = new AbortController();
    const r = await fetch(`${server.url}/api/v1/changes`, {
      headers: { Authorization: `Bearer ${org.as('op-s1')}` }, signal: ctl.signal,
    });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/event-stream/);
    const reader = r.body.getReader();
    const state = { pending: '' };
    const change = (ev) => (ev.event === 'change' ? JSON.parse(ev.data) : undefined);
    const first = await nextEvent(reader, state, change);
    assert.deepEqual(Object.keys(first), ['seq'], 'only the number: nothing about the order');
    const a = await intake(server, org); // by another user, on another connection
    const second = await nextEvent(reader, state, change);
    assert.ok(second.seq > first.seq, `${second.seq} > ${first.seq}`);
    await a.must(org.as('agent1'), 'file');
    const third = await nextEvent(reader, state, change);
    assert.ok(third.seq > second.seq);
    ctl.abort();
  });
});

describe('the calendar by year and the State Council notice', () => {
  const NOTICE = `国务院办公厅关于2028年部分节假日安排的通知
一、元旦：1月1日（周六）至3日（周一）放假，共3天。
二、劳动节：5月1日（周一）至5日（周五）放假调休，共5天。4月29日（周六）上班。
三、国庆节：9月30日（周六）至10月6日（周五）放假调休，共7天。12月31日至2029年1月1日放假。`;

  test('a notice is read into the year without being stored; saving it is a PUT', async () => {
    const none = ok(await call(server, 'GET', '/api/v1/calendar/2028', { token: org.admin }));
    assert.equal(none.has_data, false);
    const doc = ok(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.admin, body: { text: NOTICE } }));
    assert.deepEqual(doc.workdays, [{ date: '2028-04-29', name: '劳动节调休上班' }]);
    assert.equal(doc.holidays.length, 3 + 5 + 7 + 1);
    assert.deepEqual(doc.holidays.slice(0, 1), [{ date: '2028-01-01', name: '元旦' }]);
    assert.deepEqual(doc.other_years, ['2029-01-01']);
    assert.equal(ok(await call(server, 'GET', '/api/v1/calendar/2028', { token: org.admin })).has_data, false, 'not stored');
    delete doc.other_years;
    const saved = ok(await call(server, 'PUT', '/api/v1/calendar/2028', { token: org.admin, body: doc }));
    assert.equal(saved.holidays.length, 16);
    assert.equal(saved.edited, true);
  });

  test('refusals: the role, another year, no holidays, a weekday swapped, a missing text', async () => {
    assertError(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.as('supervisor1'), body: { text: NOTICE } }), 403, 'forbidden');
    const other = assertError(await call(server, 'POST', '/api/v1/calendar/2029/notice', { token: org.admin, body: { text: NOTICE } }), 422, 'invalid', 'text');
    assert.match(other.message, /2028年的节假日安排通知/);
    assertError(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.admin, body: { text: '各单位按时上班。' } }), 422, 'invalid', 'text');
    // 2028-05-08 is a Monday
    assertError(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.admin, body: { text: '一、劳动节：5月1日至5日放假。5月8日上班。' } }), 422, 'invalid', 'text');
    assertError(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.admin, body: {} }), 422, 'invalid', 'text');
    assertError(await call(server, 'POST', '/api/v1/calendar/2028/notice', { token: org.admin, body: { text: 5 } }), 422, 'invalid', 'text');
    assertError(await call(server, 'POST', '/api/v1/calendar/1900/notice', { token: org.admin, body: { text: NOTICE } }), 404, 'not_found', 'year');
  });
});

describe('routing and static files', () => {
  test('unknown API paths answer 404 JSON, wrong methods 405 JSON with Allow', async () => {
    assertError(await call(server, 'GET', '/api/v1/nope', { token: org.admin }), 404, 'not_found');
    const r = await call(server, 'PATCH', '/api/v1/units', { token: org.admin, body: {} });
    assertError(r, 405, 'method_not_allowed');
    assert.match(r.headers.get('allow'), /GET/);
    assert.match(r.headers.get('allow'), /POST/);
  });

  test('the web root is served for other paths, without escaping it', async () => {
    const index = await fetch(`${server.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.match(await index.text(), /接诉即办/);
    assertError(await call(server, 'GET', '/missing.js'), 404, 'not_found');
    assertError(await call(server, 'GET', '/%2e%2e/%2e%2e/etc/passwd'), 404, 'not_found');
  });
});

describe('graceful stop', () => {
  test('SIGTERM lets requests in flight finish, then the process exits 0', async () => {
    const s = await startServer();
    // logins take tens of milliseconds each (argon2id), and at most two run at once
    const inflight = [1, 2, 3, 4].map(() => call(s, 'POST', '/api/v1/auth/login', { body: { login: ADMIN.login, password: ADMIN.password } }));
    // stop only once the server holds all four (the /metrics request itself is the fifth), so
    // that a slow machine cannot turn "in flight" into "not sent yet"
    for (let i = 0; i < 200; i++) {
      const m = await (await fetch(`${s.url}/metrics`)).text();
      const n = Number((m.match(/^jiesu_http_requests_in_flight (\d+)/m) || [])[1] || 0);
      if (n >= 5) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const stopped = s.stop();
    const answers = await Promise.all(inflight);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const log = await stopped;
    assert.match(log, /jiesu: 收到 SIGTERM/);
    assert.match(log, /jiesu: 已停止/);
    assert.equal((log.match(/POST \/api\/v1\/auth\/login 200/g) || []).length, 4, 'one log line per request');
  });

  test('a second server token is useless on the first, and the first still answers', async () => {
    const other = await startServer();
    try {
      const foreign = await login(other, ADMIN.login, ADMIN.password);
      assertError(await call(server, 'GET', '/api/v1/me', { token: foreign }), 401, 'unauthorized');
    } finally {
      await other.stop();
    }
    ok(await call(server, 'GET', '/api/v1/me', { token: org.admin }));
  });
});
