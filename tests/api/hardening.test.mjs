// Hardening (issue 10): idempotent intakes survive SIGKILL; attachments are served only to who
// may see them, and every download is audited; a password change ends the other sessions; the
// login limiter counts per login and per address, atomically, across restarts; the outbox
// audits unmasked reads of citizens; leases of a killed deliverer expire within a minute.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';
import { test } from 'node:test';

import {
  ADMIN, BIN, COMPLAINT, PASSWORD, assertError, call, dispatched, login, ok, setupOrg, startServer,
} from './server.mjs';

/** Starts `jiesu serve` on an existing database; resolves to { url, child, stop, kill }. */
async function serveOn(db, extra = []) {
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--threads', '4',
    '--tick-seconds', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-100000); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 15000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/jiesu: 服务地址 (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}:\n${stderr}`)); });
  });
  return {
    url, child, log: () => stderr,
    async kill() { child.kill('SIGKILL'); await exited; },
    async stop() { child.kill('SIGTERM'); const r = await exited; assert.deepEqual(r, { code: 0, signal: null }, stderr); },
  };
}

/** Hands the first server's database over: SIGKILLs it (its temporary directory stays). */
async function takeOver(server) {
  const done = new Promise((resolve) => server.child.on('exit', resolve));
  server.child.kill('SIGKILL');
  await done;
  return server.db;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('idempotent intakes: SIGKILL at random moments, retry every key, one order per key', { timeout: 240000 }, async () => {
  const first = await startServer();
  const org = await setupOrg(first);
  const token = org.as('agent1');
  const db = await takeOver(first);
  const body = (key) => ({ ...COMPLAINT, title: `崩溃重试 ${key}` });
  const send = (srv, key) => call(srv, 'POST', '/api/v1/orders', { token, body: body(key), headers: { 'idempotency-key': key } });
  const keys = [];
  let srv = await serveOn(db);
  let rng = 12345;
  const rand = () => { rng = (rng * 1103515245 + 12345) % 2147483648; return rng / 2147483648; };
  try {
    for (let round = 0; round < 20; round++) {
      const mine = Array.from({ length: 30 }, (_, i) => `crash-${round}-${i}`);
      keys.push(...mine);
      const inflight = mine.map((k) => send(srv, k).catch(() => null));
      await sleep(5 + Math.floor(rand() * 120)); // kill somewhere inside the requests
      await srv.kill();
      await Promise.all(inflight);
      srv = await serveOn(db);
    }
    // every key again, twice: the first may create (if the kill came before the commit), the
    // second must replay
    for (const k of keys) {
      const r = await send(srv, k);
      assert.equal(r.status, 201, `${k}: ${r.text}`);
      const again = await send(srv, k);
      assert.equal(again.status, 201, again.text);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(again.json.order.id, r.json.order.id);
    }
    const seen = new Map();
    let before = '';
    for (;;) {
      const page = ok(await call(srv, 'GET', `/api/v1/orders?limit=500${before}`, { token }));
      for (const o of page.items) if (o.title.startsWith('崩溃重试 ')) seen.set(o.title, (seen.get(o.title) || 0) + 1);
      if (!page.next_cursor) break;
      before = `&cursor=${encodeURIComponent(page.next_cursor)}`;
    }
    for (const k of keys) assert.equal(seen.get(`崩溃重试 ${k}`), 1, `key ${k} made ${seen.get(`崩溃重试 ${k}`) || 0} orders`);
    assert.equal(seen.size, keys.length);
  } finally {
    await srv.stop();
    rmSync(first.dir, { recursive: true, force: true });
  }
});

const PHOTO = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a0e0e1c70000000049454e44ae426082', 'hex');
const upload = (server, token, name) => call(server, 'POST', '/api/v1/files', { token, raw: PHOTO, headers: { 'content-type': 'image/png', 'x-file-name': encodeURIComponent(name) } });

test('attachments: per role, own and other files, attached files follow the order, downloads audited', { timeout: 120000 }, async () => {
  const server = await startServer();
  try {
    const org = await setupOrg(server);
    const roles = {
      agent: 'agent1', dispatcher: 'dispatcher1', reviewer: 'reviewer1', callback: 'callback1',
      supervisor: 'supervisor1', admin: 'admin', auditor: 'auditor1', leader: 'leader1',
      unit_operator: 'op-s1', unit_leader: 'lead-s1',
    };
    const tok = (l) => (l === 'admin' ? org.admin : org.as(l));
    // someone else's unattached file: the agent's
    const others = ok(await upload(server, org.as('agent1'), '他人录音.png'), 201);
    assert.equal((await call(server, 'GET', others.url, { token: org.as('agent1') })).status, 200);
    for (const [role, l] of Object.entries(roles)) {
      const up = await upload(server, tok(l), `自己的-${role}.png`);
      if (role === 'auditor' || role === 'leader') {
        assertError(up, 403, 'forbidden'); // may not upload, so has no own file
      } else {
        const mine = ok(up, 201);
        const got = await call(server, 'GET', mine.url, { token: tok(l) });
        assert.equal(got.status, 200, `${role} own file: ${got.text}`);
      }
      if (l !== 'agent1') assertError(await call(server, 'GET', others.url, { token: tok(l) }), 404, 'not_found', 'id');
    }
    // attached to an order held by street 1
    const o = await dispatched(server, org, { unit: 'street1', sign: true, fields: { attachments: [{ name: '现场照片', url: others.url, kind: 'photo' }] } });
    const expect = {
      agent1: 200, dispatcher1: 200, reviewer1: 200, callback1: 200, supervisor1: 200, admin: 200, leader1: 200,
      auditor1: 404, 'op-s1': 200, 'lead-s1': 200, 'op-s2': 404, 'lead-s2': 404, 'op-zjw': 404,
    };
    for (const [l, status] of Object.entries(expect)) {
      const r = await call(server, 'GET', others.url, { token: tok(l) });
      assert.equal(r.status, status, `${l} on an attached file: ${r.status} ${r.text}`);
      if (status === 404) assertError(r, 404, 'not_found', 'id');
    }
    // the audit: every download (and every refusal) by id, never by the file's name
    const trail = ok(await call(server, 'GET', '/api/v1/audit?limit=500', { token: org.admin })).items;
    const id = others.id;
    const downloads = trail.filter((a) => a.action === 'download' && a.detail.includes(id));
    assert.equal(downloads.length, 1 + 9, JSON.stringify(downloads)); // the uploader before, 9 after
    assert.ok(downloads.filter((a) => a.order_id === o.id).length === 9, 'attached downloads name the order');
    assert.ok(trail.some((a) => a.action === 'download_denied' && a.detail.includes(id)));
    for (const a of trail) assert.ok(!a.detail.includes('他人录音') && !a.detail.includes('自己的-'), `file name in the audit: ${a.detail}`);
    await server.stop();
  } catch (err) { await server.stop().catch(() => {}); throw err; }
});

test('a password change, own or reset by an admin, ends the user\'s other sessions', { timeout: 60000 }, async () => {
  const server = await startServer();
  try {
    const org = await setupOrg(server);
    const a = org.as('agent1');
    const b = await login(server, 'agent1');
    ok(await call(server, 'GET', '/api/v1/me', { token: b }));
    assert.equal((await call(server, 'POST', '/api/v1/auth/password', { token: a, body: { old_password: PASSWORD, new_password: 'new-pass-2026' } })).status, 204);
    ok(await call(server, 'GET', '/api/v1/me', { token: a })); // the current one stays
    assertError(await call(server, 'GET', '/api/v1/me', { token: b }), 401, 'unauthorized');
    // an admin's reset ends every session of the user
    const c = await login(server, 'dispatcher1');
    ok(await call(server, 'PUT', `/api/v1/users/${org.users.dispatcher1.id}`, { token: org.admin, body: { password: 'reset-pass-2026' } }));
    assertError(await call(server, 'GET', '/api/v1/me', { token: c }), 401, 'unauthorized');
    assertError(await call(server, 'GET', '/api/v1/me', { token: org.as('dispatcher1') }), 401, 'unauthorized');
    ok(await call(server, 'GET', '/api/v1/me', { token: org.admin })); // the admin's own stays
    await login(server, 'dispatcher1', 'reset-pass-2026');
    await server.stop();
  } catch (err) { await server.stop().catch(() => {}); throw err; }
});

test('login limiter: 100 parallel guesses, at most 5 evaluated; others behind the address log in; a restart keeps the lock', { timeout: 120000 }, async () => {
  const first = await startServer();
  const org = await setupOrg(first);
  const guesses = await Promise.all(Array.from({ length: 100 }, (_, i) =>
    call(first, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: `wrong-${i}` } })));
  const evaluated = guesses.filter((r) => r.status === 401).length;
  const limited = guesses.filter((r) => r.status === 429).length;
  assert.equal(evaluated + limited, 100, guesses.map((r) => r.status).join(','));
  assert.ok(evaluated <= 5, `${evaluated} guesses were evaluated`);
  assert.ok(evaluated >= 1);
  // even the right password is refused now
  assertError(await call(first, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: PASSWORD } }), 429, 'rate_limited');
  // another user behind the same address is not locked out
  await login(first, 'dispatcher1');
  await login(first, 'reviewer1');
  const db = await takeOver(first);
  const srv = await serveOn(db);
  try {
    const r = await call(srv, 'POST', '/api/v1/auth/login', { body: { login: 'agent1', password: PASSWORD } });
    assertError(r, 429, 'rate_limited');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
    await login(srv, 'callback1');
    void org;
  } finally {
    await srv.stop();
    rmSync(first.dir, { recursive: true, force: true });
  }
});

test('outbox: citizens\' names read unmasked are audited as read_citizen; masked roles are refused', { timeout: 60000 }, async () => {
  const server = await startServer();
  try {
    const org = await setupOrg(server);
    const o = await dispatched(server, org, { unit: 'street1' });
    const list = ok(await call(server, 'GET', '/api/v1/outbox?limit=100', { token: org.as('supervisor1') }));
    const toCitizen = list.items.filter((m) => m.to.role === 'citizen');
    assert.ok(toCitizen.length > 0, JSON.stringify(list.items.map((m) => m.to.role)));
    assert.equal(toCitizen[0].to.name, COMPLAINT.citizen_name);
    const trail = ok(await call(server, 'GET', '/api/v1/audit?limit=500', { token: org.admin })).items;
    const reads = trail.filter((a) => a.action === 'read_citizen' && a.order_id === o.id && a.detail.includes('outbox'));
    assert.equal(reads.length, 1, JSON.stringify(trail.slice(-5)));
    assert.equal(reads[0].user_id, org.users.supervisor1.id);
    for (const l of ['auditor1', 'op-s1', 'agent1']) assertError(await call(server, 'GET', '/api/v1/outbox', { token: org.as(l) }), 403, 'forbidden');
    await server.stop();
  } catch (err) { await server.stop().catch(() => {}); throw err; }
});

test('outbox leases: after a SIGKILL mid-delivery a restarted server delivers within about a minute', { timeout: 180000 }, async () => {
  let hang = true;
  const got = [];
  const gateway = createServer((req, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      got.push({ at: Date.now(), hang, key: req.headers['idempotency-key'] });
      if (hang) return; // never answers: the deliverer is stuck inside its lease
      res.writeHead(200); res.end('{}');
    });
  });
  await new Promise((r) => gateway.listen(0, '127.0.0.1', r));
  const gw = `http://127.0.0.1:${gateway.address().port}/send`;
  const first = await startServer();
  const org = await setupOrg(first);
  ok(await call(first, 'PUT', '/api/v1/policy', { token: org.admin, body: { preset: 'dongcheng-2016', overrides: { notify_gateway_url: gw } } }));
  await dispatched(first, org, { unit: 'street1' });
  const db = await takeOver(first);
  let srv = await serveOn(db, ['--tick-seconds', '1']);
  let srv2 = null;
  try {
    for (let i = 0; i < 100 && got.length === 0; i++) await sleep(100);
    assert.ok(got.length > 0, 'the gateway was never called');
    await srv.kill(); // killed while its first send hangs, holding the batch's leases
    const killedAt = Date.now();
    hang = false;
    srv2 = await serveOn(db, ['--tick-seconds', '5']);
    const admin = await login(srv2, ADMIN.login, ADMIN.password);
    let counts;
    for (let i = 0; i < 900; i++) {
      counts = ok(await call(srv2, 'GET', '/api/v1/outbox?limit=1', { token: admin })).counts;
      if (counts.pending === 0) break;
      await sleep(100);
    }
    const waited = (Date.now() - killedAt) / 1000;
    assert.equal(counts.pending, 0, `still pending after ${waited} s: ${JSON.stringify(counts)}`);
    assert.ok(waited < 60, `delivered ${waited} s after the kill`);
    console.log(`outbox: delivered ${waited.toFixed(1)} s after the SIGKILL`);
  } finally {
    if (srv2) await srv2.stop();
    gateway.close();
    gateway.closeAllConnections?.();
    rmSync(first.dir, { recursive: true, force: true });
  }
});
