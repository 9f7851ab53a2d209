// Suggestions (issue 9): POST /api/v1/suggest answers the top categories and units of a new
// order's text with confidences, the catalogue's unit first; bad input is refused; unit users may
// not call it. A second server runs over a small demo district, trained by `jiesu demo`, to check
// the learnt suggestions.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, assertError, call, freshDb, ok, setupOrg, startServer } from './server.mjs';

let server;
let org;
before(async () => {
  server = await startServer();
  org = await setupOrg(server);
});
after(async () => { await server.stop(); });

const suggest = (token, body) => call(server, 'POST', '/api/v1/suggest', { token, body });

function checkShape(s) {
  assert.deepEqual(Object.keys(s).sort(), ['categories', 'model_at', 'units']);
  for (const c of s.categories) {
    assert.deepEqual(Object.keys(c).sort(), ['confidence', 'id', 'name', 'path', 'source']);
    assert.equal(c.source, 'model');
  }
  for (const u of s.units) {
    assert.deepEqual(Object.keys(u).sort(), ['confidence', 'id', 'name', 'source']);
    assert.ok(['model', 'catalogue'].includes(u.source));
  }
  for (const list of [s.categories, s.units]) {
    assert.ok(list.length <= 3);
    for (const x of list) assert.ok(x.confidence >= 0 && x.confidence <= 1, JSON.stringify(x));
    const model = list.filter((x) => x.source === 'model').map((x) => x.confidence);
    for (let i = 1; i < model.length; i++) assert.ok(model[i - 1] >= model[i], 'sorted by confidence');
    // the catalogue's answer, when there is one, comes first
    const cat = list.findIndex((x) => x.source === 'catalogue');
    assert.ok(cat <= 0);
  }
}

test('no model yet: the catalogue answers for the given category, first', async () => {
  const s = ok(await suggest(org.as('agent1'), {
    title: '夜间施工噪音扰民', text: '工地每晚施工到凌晨，噪音很大', category_id: org.categories.noise.id,
  }));
  checkShape(s);
  assert.equal(s.model_at, null);
  assert.deepEqual(s.categories, []);
  assert.equal(s.units.length, 1);
  assert.equal(s.units[0].id, org.units.dept2.id);
  assert.equal(s.units[0].source, 'catalogue');
  assert.equal(s.units[0].name, '区生态环境局');
  // the region narrows the catalogue: property management in street 1 is the street's
  const p = ok(await suggest(org.as('dispatcher1'), {
    title: '物业不作为', category_id: org.categories.property.id, region_id: org.regions.s1.id,
  }));
  assert.equal(p.units[0].id, org.units.street1.id);
  // no category, no model: empty lists, not an error
  const none = ok(await suggest(org.as('supervisor1'), { title: '路灯不亮', text: '多福巷路灯坏了' }));
  assert.deepEqual(none, { categories: [], units: [], model_at: null });
});

test('bad input is refused with the one error shape', async () => {
  const t = org.as('agent1');
  assertError(await suggest(t, {}), 400, 'missing_field', 'title');
  assertError(await suggest(t, { title: '', text: '' }), 400, 'missing_field', 'title');
  assertError(await suggest(t, { title: 1 }), 400, 'wrong_type', 'title');
  assertError(await suggest(t, { title: '噪音', colour: 'red' }), 400, 'unknown_field', 'colour');
  assertError(await suggest(t, { title: '噪音', category_id: 'x' }), 400, 'wrong_type', 'category_id');
  assertError(await suggest(t, { title: '噪音', category_id: 987654 }), 404, 'not_found', 'category_id');
  assertError(await suggest(t, { title: '噪音', region_id: 987654 }), 404, 'not_found', 'region_id');
  const raw = await call(server, 'POST', '/api/v1/suggest', { token: t, raw: '{"title":' });
  assertError(raw, 400, 'bad_json');
  assertError(await call(server, 'POST', '/api/v1/suggest', { body: { title: '噪音' } }), 401, 'unauthorized');
});

test('unit users may not ask for suggestions', async () => {
  for (const login of ['op-s1', 'lead-zjw']) {
    const r = await suggest(org.as(login), { title: '噪音' });
    assert.ok(r.status === 403 || r.status === 404, r.text);
    assertError(r, r.status);
  }
});

test('the OpenAPI document describes the route', async () => {
  const doc = ok(await call(server, 'GET', '/api/v1/openapi.json'));
  const op = doc.paths['/api/v1/suggest']?.post;
  assert.ok(op, 'POST /api/v1/suggest is documented');
  assert.ok(!op['x-undocumented']);
});

test('over a demo district, the learnt suggestions come with the time of the model', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jiesu-suggest-'));
  const db = freshDb(dir, 'demo.db');
  execFileSync(BIN, ['demo', '--db', db, '--orders', '400', '--password', 'demo-pass-2026'],
    { stdio: 'pipe', cwd: path.resolve(path.dirname(BIN), '..'), env: { ...process.env } });
  if (process.env.JIESU_PG_URL) {
    // the dashboard's counts the load appended are folded by the demo, not left to the first read
    const left = execFileSync('psql', [db, '-tAc', 'SELECT count(*) FROM order_stats_delta']);
    assert.equal(String(left).trim(), '0');
  }
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--web', '',
    '--tick-seconds', '0', '--train-hours', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${log}`)), 15000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
    });
    const demo = { url };
    const token = ok(await call(demo, 'POST', '/api/v1/auth/login',
      { body: { login: 'dispatcher1', password: 'demo-pass-2026' } })).token;
    const t0 = performance.now();
    const s = ok(await call(demo, 'POST', '/api/v1/suggest', {
      token, body: { title: '小区物业乱收停车费', text: '物业公司擅自提高停车收费标准，业主多次反映无果' },
    }));
    const ms = performance.now() - t0;
    checkShape(s);
    assert.match(s.model_at, /^\d{4}-\d\d-\d\d/);
    assert.equal(s.categories.length, 3);
    assert.ok(s.units.length >= 1);
    for (const c of s.categories) assert.ok(c.path.endsWith(c.name));
    // given the first suggested category, its catalogue unit (if any) leads
    const g = ok(await call(demo, 'POST', '/api/v1/suggest', {
      token, body: { title: '小区物业乱收停车费', category_id: s.categories[0].id },
    }));
    checkShape(g);
    assert.ok(ms < 2000);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, log.slice(-2000));
    rmSync(dir, { recursive: true, force: true });
  }
});
