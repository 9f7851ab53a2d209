// Two servers, one database (issue 12): two `jiesu serve` on the same PostgreSQL database, timers
// on in both, a notification gateway that records every message it is sent. Load goes to both;
// every idempotency key is retried on the OTHER server; time is advanced by running two
// `jiesu tick --now T --reports` at once at several instants while the servers tick too. Then:
// no timer action (urge, supervision, warning, overdue mark...) is on any timeline twice for the
// same threshold, no hotspot warning or report is issued twice, the gateway got no message twice;
// one key made one order and both servers answered it alike. Finally one server is SIGKILLed
// mid-load: the other goes on, and every write acknowledged (2xx) by either is there.
// Runs on PostgreSQL only: it fails (does not skip) without JIESU_PG_URL (`scripts/pgtest run`).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import {
  ADMIN, BIN, COMPLAINT, Order, call, login, ok, setupOrg, startServer,
} from './server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `jiesu serve` on an existing database with its scheduler thread on (tick every second). */
async function serveOn(db, name) {
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '4',
    '--tick-seconds', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-200000); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve ${name} did not start:\n${stderr}`)), 15000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve ${name} exited ${code}:\n${stderr}`)); });
  });
  return {
    name, url, child, log: () => stderr,
    async kill() { child.kill('SIGKILL'); await exited; },
    async stop() {
      child.kill('SIGTERM');
      const r = await exited;
      assert.deepEqual(r, { code: 0, signal: null }, `${name}: ${stderr.slice(-2000)}`);
    },
  };
}

/** `jiesu tick --now at --reports` on db; resolves to its JSON line. */
function tickAt(db, at) {
  return new Promise((resolve, reject) => {
    execFile(BIN, ['tick', '--db', db, '--now', at, '--reports'], (err, stdout, stderr) => {
      if (err) reject(new Error(`tick --now ${at}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Every page of a list endpoint. */
async function all(srv, token, p) {
  const items = [];
  let cursor = '';
  for (;;) {
    const sep = p.includes('?') ? '&' : '?';
    const page = ok(await call(srv, 'GET', `${p}${sep}limit=500${cursor}`, { token }));
    items.push(...page.items);
    if (!page.next_cursor) break;
    cursor = `&cursor=${encodeURIComponent(page.next_cursor)}`;
  }
  return items;
}

test('two servers on one PostgreSQL: nothing issued or sent twice, keys hold across, a SIGKILL loses nothing acknowledged', { timeout: 600000 }, async () => {
  assert.ok(process.env.JIESU_PG_URL, 'JIESU_PG_URL is not set: run this test with scripts/pgtest run node --test tests/api/ha.test.mjs');
  const got = [];
  const gateway = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      got.push({ key: req.headers['idempotency-key'], body: b });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => gateway.listen(0, '127.0.0.1', r));
  const gw = `http://127.0.0.1:${gateway.address().port}/send`;

  const first = await startServer();
  const org = await setupOrg(first);
  ok(await call(first, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset: 'dongcheng-2016', overrides: { notify_gateway_url: gw } } }));
  ok(await call(first, 'POST', '/api/v1/hotspots/topics', { token: org.admin, body: {
    name: '物业问题', kind: 'frequent', categories: [org.categories.property.id], regions: [org.regions.s1.id],
    threshold: 3, citizens_min: 3, recipients: { units: [org.units.street1.id], roles: ['leader'], concerned: true },
  } }), 201);
  const db = first.db;
  await first.stop().catch(() => {}); // stop() removes its directory; the database is a PG schema
  assert.ok(db.startsWith('postgres'), `not a PostgreSQL database: ${db}`);
  let a = await serveOn(db, 'A');
  let b = await serveOn(db, 'B');
  const servers = () => [a, b];
  try {
    const agent = org.as('agent1');
    // 1. intakes on both, each key retried on the other server
    const acked = new Map(); // title -> order id acknowledged
    const keyed = [];
    for (let round = 0; round < 6; round++) {
      const jobs = [];
      for (let i = 0; i < 20; i++) {
        const [here, there] = i % 2 ? [a, b] : [b, a];
        const key = `ha-${round}-${i}`;
        const body = { ...COMPLAINT, title: `双机受理 ${key}`, citizen_phone: `139${String(round * 100 + i).padStart(8, '0')}`, category_id: org.categories.property.id, region_id: org.regions.c1.id };
        jobs.push((async () => {
          const [r1, r2] = await Promise.all([
            call(here, 'POST', '/api/v1/orders', { token: agent, body, headers: { 'idempotency-key': key } }),
            sleep(i % 3).then(() => call(there, 'POST', '/api/v1/orders', { token: agent, body, headers: { 'idempotency-key': key } })),
          ]);
          const r3 = await call(there, 'POST', '/api/v1/orders', { token: agent, body, headers: { 'idempotency-key': key } });
          keyed.push({ key, r1, r2, r3, title: body.title });
        })());
      }
      await Promise.all(jobs);
    }
    for (const { key, r1, r2, r3, title } of keyed) {
      // the two concurrent sends: one creates, the other gets its answer (both ran on PostgreSQL
      // when neither saw the other's key; the second's work is rolled back on the key)
      assert.equal(r1.status, 201, `${key} on the first server: ${r1.text}`);
      assert.equal(r2.status, 201, `${key} at once on the other server: ${r2.text}`);
      const done = [r1, r2];
      assert.equal(r3.status, 201, `${key} retried on the other server: ${r3.text}`);
      assert.equal(r3.headers.get('idempotent-replayed'), 'true', key);
      for (const r of done) assert.equal(r.json.order.id, r3.json.order.id, key);
      assert.deepEqual(r3.json, done[0].json, `${key}: the replay differs from the answer`);
      acked.set(title, r3.json.order.id);
    }
    const conc = { created: 0, replayed: 0 };
    for (const { r1, r2 } of keyed) {
      for (const r of [r1, r2]) {
        if (r.headers.get('idempotent-replayed') === 'true') conc.replayed++;
        else conc.created++;
      }
    }
    assert.equal(conc.created, keyed.length, `a key created twice: ${JSON.stringify(conc)}`);
    console.log(`the same key on A and B at once: ${JSON.stringify(conc)} (${keyed.length} keys)`);
    const counted = new Map();
    for (const o of await all(a, agent, '/api/v1/orders')) {
      if (o.title.startsWith('双机受理 ')) counted.set(o.title, (counted.get(o.title) || 0) + 1);
    }
    for (const { key, title } of keyed) assert.equal(counted.get(title), 1, `key ${key} made ${counted.get(title) || 0} orders`);

    // 2. file and dispatch half of them, alternating servers (the timers chase those)
    const orders = [];
    let n = 0;
    for (const { r3 } of keyed) {
      if (n++ % 2) continue;
      const srv = n % 4 ? a : b;
      const o = new Order(srv, r3.json.order);
      await o.must(agent, 'file');
      o.server = n % 4 ? b : a;
      await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
      orders.push(o);
    }

    // 3. time goes by: two ticks at once at each instant, the servers ticking meanwhile
    const base = Date.now();
    const day = 86400000;
    const ticks = [];
    for (const d of [0.5, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 25, 31, 35, 40, 62]) {
      const at = iso(base + d * day);
      ticks.push(...await Promise.all([tickAt(db, at), tickAt(db, at)]));
    }
    const actions = ticks.reduce((s, t) => s + t.actions, 0);
    assert.ok(actions > 0, `the timers did nothing: ${JSON.stringify(ticks.slice(-2))}`);
    // let the servers deliver what the ticks queued
    const admin = await login(a, ADMIN.login, ADMIN.password);
    let counts;
    for (let i = 0; i < 600; i++) {
      counts = ok(await call(b, 'GET', '/api/v1/outbox?limit=1', { token: admin })).counts;
      if (counts.pending === 0) break;
      await sleep(100);
    }
    assert.equal(counts.pending, 0, JSON.stringify(counts));

    // no timer action twice for one threshold
    const sys = {};
    for (const o of orders) {
      const d = ok(await call(a, 'GET', `/api/v1/orders/${o.id}`, { token: org.as('supervisor1') }));
      const seen = new Set();
      for (const ev of d.timeline) {
        if (ev.actor.role !== 'system') continue;
        sys[ev.action] = (sys[ev.action] || 0) + 1;
        const k = `${ev.action} ${JSON.stringify(ev.args)}`;
        assert.ok(!seen.has(k), `${o.number}: ${k} twice:\n${JSON.stringify(d.timeline.filter((e) => e.actor.role === 'system'), null, 1)}`);
        seen.add(k);
      }
    }
    assert.ok(Object.keys(sys).length > 0, 'no system action on any timeline');
    console.log(`timer actions on the timelines: ${JSON.stringify(sys)}`);

    // the gateway got every message once
    const byKey = new Map();
    for (const m of got) byKey.set(m.key, (byKey.get(m.key) || 0) + 1);
    const twice = [...byKey].filter(([, c]) => c > 1);
    assert.deepEqual(twice, [], `messages sent twice: ${JSON.stringify(twice.slice(0, 5))}`);
    assert.ok(got.length > 0, 'the gateway was never called');
    const bodies = new Map();
    for (const m of got) bodies.set(m.body, (bodies.get(m.body) || 0) + 1);
    const sameBody = [...bodies].filter(([, c]) => c > 1);
    assert.deepEqual(sameBody, [], `the same message sent under two ids: ${JSON.stringify(sameBody.slice(0, 3))}`);
    console.log(`gateway: ${got.length} messages, ${byKey.size} distinct`);

    // hotspot warnings and reports: none twice
    const sup = org.as('supervisor1');
    const warnings = await all(a, sup, '/api/v1/hotspots/warnings');
    const wkeys = warnings.map((w) => `${w.topic_id} ${w.rule} ${w.digest}`);
    assert.equal(new Set(wkeys).size, wkeys.length, `hotspot warnings twice: ${JSON.stringify(warnings.slice(0, 4))}`);
    const reports = [];
    for (let before = ''; ;) {
      const page = ok(await call(a, 'GET', `/api/v1/reports?limit=100${before}`, { token: org.admin }));
      reports.push(...page.reports);
      if (!page.next_before_id) break;
      before = `&before_id=${page.next_before_id}`;
    }
    // every due report once: a second server's issue of the same period would be edition 2
    const rkeys = reports.map((r) => `${r.kind} ${r.period} ${r.unit_id}`);
    assert.equal(new Set(rkeys).size, rkeys.length, `reports twice: ${JSON.stringify(reports.map((r) => [r.kind, r.period, r.unit_id, r.edition]))}`);
    const issued = ticks.reduce((s, t) => s + t.reports.issued, 0);
    assert.equal(issued, reports.length, 'the ticks issued more reports than exist');
    assert.ok(reports.length > 0, 'no report came due');
    const raised = ticks.reduce((s, t) => s + t.hotspot.raised, 0);
    assert.ok(warnings.length > 0, 'no hotspot warning was raised');
    console.log(`hotspot warnings: ${warnings.length} (raised by ticks: ${raised}), reports: ${reports.length} (issued by ticks: ${issued}), ticks: ${ticks.length}, timer actions by ticks: ${actions}`);

    // 4. SIGKILL A mid-load: four clients on each server, A killed once it has acknowledged
    // some writes while more are in flight on both
    const writes = [];
    const tried = { A: 0, B: 0 };
    const ackedBy = { A: 0, B: 0 };
    let killed = null;
    let seq = 0;
    const client = async (srv) => {
      for (let i = 0; i < 25; i++) {
        const title = `双机中断 ${srv.name}-${seq++}`;
        tried[srv.name]++;
        const r = await call(srv, 'POST', '/api/v1/orders', { token: agent, body: { ...COMPLAINT, title } }).catch(() => null);
        if (r && r.status >= 200 && r.status < 300) {
          writes.push({ title, id: r.json.order.id });
          ackedBy[srv.name]++;
          if (srv === a && ackedBy.A === 15 && !killed) killed = a.kill();
        } else if (srv === a && killed) {
          return; // A is gone
        }
      }
    };
    await Promise.all([client(a), client(a), client(a), client(a), client(b), client(b), client(b), client(b)]);
    assert.ok(killed, 'A was never killed');
    await killed;
    assert.ok(ackedBy.A >= 15 && ackedBy.B === 100, JSON.stringify({ tried, ackedBy }));
    const after = await call(b, 'POST', '/api/v1/orders', { token: agent, body: { ...COMPLAINT, title: '双机中断 之后' } });
    assert.equal(after.status, 201, `B after A's death: ${after.text}`);
    writes.push({ title: '双机中断 之后', id: after.json.order.id });
    const present = new Map();
    for (const o of await all(b, agent, '/api/v1/orders')) present.set(o.title, o.id);
    for (const w of writes) assert.equal(present.get(w.title), w.id, `acknowledged ${w.title} is gone`);
    for (const [title, id] of acked) assert.equal(present.get(title), id, `acknowledged ${title} is gone`);
    console.log(`SIGKILL: tried ${JSON.stringify(tried)}, acknowledged ${JSON.stringify(ackedBy)}, all present on B`);
    a = null;
  } finally {
    for (const s of servers()) if (s) await s.stop().catch(() => {});
    gateway.close();
    gateway.closeAllConnections?.();
    rmSync(first.dir, { recursive: true, force: true });
  }
});
