// The link to the city's 12345 platform (issue 15 point 1): a small city server in this test
// signs its messages to the webhook and takes the feedback; the local deadline and the timers
// fall inside the city's deadline less the margin; the feedback reaches the city before its
// deadline although the city is down at first, once per message (Idempotency-Key), and late or
// failed feedback is listed and counted; 市级督办, 市级重办 and the city's callback result act on
// the order. Runs against a real `jiesu serve`, the deliveries by `jiesu tick --now`.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  BIN, Order, assertError, call, ok, setupOrg, startServer,
} from './server.mjs';

const SECRET = 'city-secret-0123456789';
const HOUR = 3600 * 1000;

let server;
let org;
let city;

const sign = (ts, body, secret = SECRET) => createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');

/** The city platform: takes signed feedback at /city/feedback; can go down and come up again on
 * the same port. */
function cityServer() {
  const c = {
    received: [], // {headers, body, json, valid}
    feed: [], // the messages the feed serves, by position
    polls: [], // {after, valid}
    badFeedSignature: false,
    port: 0,
    srv: null,
    async up() {
      c.srv = http.createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (d) => { body += d; });
        req.on('end', () => {
          if (req.method === 'POST' && req.url === '/city/feedback') {
            const ts = req.headers['x-upstream-timestamp'];
            const valid = sign(ts, body) === req.headers['x-upstream-signature'];
            c.received.push({ headers: req.headers, body, json: JSON.parse(body), valid });
            res.writeHead(valid ? 200 : 401, { 'content-type': 'application/json' });
            res.end('{}');
            return;
          }
          const u = new URL(req.url, 'http://city');
          if (req.method === 'GET' && u.pathname === '/city/feed') {
            const after = u.searchParams.get('after') ?? '';
            const ts = req.headers['x-upstream-timestamp'];
            const valid = sign(ts, `after=${after}`) === req.headers['x-upstream-signature'];
            c.polls.push({ after, valid });
            const from = after === '' ? 0 : Number(after);
            const answer = JSON.stringify({ messages: c.feed.slice(from), cursor: String(c.feed.length) });
            const now = Math.floor(Date.now() / 1000);
            res.writeHead(valid ? 200 : 401, {
              'content-type': 'application/json', 'x-upstream-timestamp': String(now),
              'x-upstream-signature': c.badFeedSignature ? sign(now, answer, 'not-the-secret-0000') : sign(now, answer),
            });
            res.end(answer);
            return;
          }
          res.writeHead(404);
          res.end();
        });
      });
      await new Promise((resolve) => c.srv.listen(c.port, '127.0.0.1', resolve));
      c.port = c.srv.address().port;
    },
    async down() {
      c.srv.closeAllConnections();
      await new Promise((resolve) => c.srv.close(resolve));
      c.srv = null;
    },
  };
  return c;
}

/** POSTs a message to the webhook, signed now (or as opts say). */
async function send(msg, { ts = Math.floor(Date.now() / 1000), secret = SECRET, signature } = {}) {
  const raw = JSON.stringify(msg);
  return call(server, 'POST', '/api/v1/upstream/webhook', {
    raw,
    headers: { 'x-upstream-timestamp': String(ts), 'x-upstream-signature': signature ?? sign(ts, raw, secret) },
  });
}

function iso(ms) {
  // +08:00 as the platform shows times
  const d = new Date(ms + 8 * HOUR);
  return `${d.toISOString().slice(0, 19)}+08:00`;
}

/** `jiesu tick --now at`: one scheduler and delivery pass; resolves to its JSON line. Not
 * synchronous: the city server of this process must answer meanwhile. */
function tickAt(ms) {
  return new Promise((resolve, reject) => {
    execFile(BIN, ['tick', '--db', server.db, '--now', iso(ms)], { encoding: 'utf8' }, (err, out, stderr) => {
      if (err) reject(new Error(`tick --now ${iso(ms)}: ${stderr}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

async function getOrder(id) {
  return ok(await call(server, 'GET', `/api/v1/orders/${id}`, { token: org.as('dispatcher1') }));
}

async function feedback(query = '') {
  return ok(await call(server, 'GET', `/api/v1/upstream/feedback${query}`, { token: org.as('supervisor1') }));
}

function cityOrder(id, upstreamId, deadlineMs, extra = {}) {
  return {
    id, type: 'order', upstream_id: upstreamId, deadline: iso(deadlineMs),
    order: {
      type: 'complaint', title: '小区路灯不亮', text: '多福巷小区门口路灯一周不亮。', citizen_name: '李女士',
      citizen_phone: '13900002222', address: '多福巷3号', category_id: org.categories.property.id,
      region_id: org.regions.c1.id, ...extra,
    },
  };
}

/** Takes the city's order through verify, file, dispatch, sign, reply and a passed review. */
async function handle(o) {
  await o.must(org.as('agent1'), 'verify', { note: '已核实' });
  await o.must(org.as('agent1'), 'file');
  await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
  await o.must(org.as('op-s1'), 'sign');
  await o.must(org.as('op-s1'), 'reply', { result: '已更换路灯灯泡', closure: 'resolved', responsible: '冯操作' });
  await o.must(org.as('reviewer1'), 'review', { pass: true });
}

before(async () => {
  server = await startServer();
  org = await setupOrg(server);
  city = cityServer();
  await city.up();
  await city.down(); // the city starts down; its port is kept
  const r = await call(server, 'PUT', '/api/v1/upstream/link', {
    token: org.admin, body: { url: `http://127.0.0.1:${city.port}/city/`, secret: SECRET, poll_seconds: 0 },
  });
  assert.deepEqual(ok(r), { url: `http://127.0.0.1:${city.port}/city`, secret_set: true, poll_seconds: 0 });
});
after(async () => {
  if (server.child.exitCode !== null || server.child.signalCode) console.log(server.log().slice(-4000));
  if (city.srv) await city.down();
  await server.stop();
});

describe('the link', () => {
  test('only an admin sets it; bad settings are refused naming the field; the secret never shows', async () => {
    assertError(await call(server, 'PUT', '/api/v1/upstream/link', { token: org.as('supervisor1'), body: { url: 'http://x', secret: SECRET } }), 403, 'forbidden');
    assertError(await call(server, 'PUT', '/api/v1/upstream/link', { token: org.admin, body: { url: 'ftp://x', secret: SECRET } }), 422, 'invalid', 'url');
    assertError(await call(server, 'PUT', '/api/v1/upstream/link', { token: org.admin, body: { url: 'http://x', secret: 'short' } }), 422, 'invalid', 'secret');
    const shown = ok(await call(server, 'GET', '/api/v1/upstream/link', { token: org.admin }));
    assert.equal(shown.url, `http://127.0.0.1:${city.port}/city`);
    assert.ok(!JSON.stringify(shown).includes(SECRET));
  });
});

describe('the command line', () => {
  test('--upstream_id takes the city id as text, digits and leading zeros kept', async () => {
    for (const id of ['0012345678', 'BJ12345-2026-000001']) {
      const out = await new Promise((resolve, reject) => {
        execFile(BIN, ['intake', '--db', server.db, '--as', 'agent1', '--channel', 'upstream', '--type', 'complaint',
          '--title', '路灯不亮', '--text', '小区门口路灯不亮', '--upstream_id', id,
          '--upstream_deadline', iso(Date.now() + 72 * HOUR)], { encoding: 'utf8' }, (err, stdout, stderr) => {
          if (err) reject(new Error(stderr)); else resolve(JSON.parse(stdout.trim().split('\n').pop()));
        });
      });
      const d = await getOrder(out.id);
      assert.equal(d.upstream_id, id);
      assert.equal(d.channel, 'upstream');
    }
  });
});

describe('the webhook', () => {
  test('a message without a valid signature or with a stale time changes nothing', async () => {
    const msg = cityOrder('M-bad', 'SJ-BAD', Date.now() + 72 * HOUR);
    assertError(await send(msg, { secret: 'another-secret-0123456' }), 401, 'unauthorized', 'X-Upstream-Signature');
    assertError(await send(msg, { ts: Math.floor(Date.now() / 1000) - 3600 }), 401, 'unauthorized', 'X-Upstream-Timestamp');
    assertError(await send(msg, { signature: '' }), 401, 'unauthorized', 'X-Upstream-Signature');
    const found = ok(await call(server, 'GET', '/api/v1/search?q=SJ-BAD', { token: org.as('agent1') }));
    assert.equal(found.items.length, 0);
  });

  test('a message missing what it needs is refused naming the field', async () => {
    const msg = cityOrder('M-nodl', 'SJ-NODL', Date.now() + 72 * HOUR);
    delete msg.deadline;
    assertError(await send(msg), 400, 'missing_field', 'deadline');
    assertError(await send({ id: 'M-x', type: 'teleport', upstream_id: 'SJ-X' }), undefined, undefined, 'type');
    assertError(await send({ id: 'M-y', type: 'supervise', upstream_id: 'SJ-NONE', reason: '请加快' }), 404, 'not_found', 'upstream_id', ['SJ-NONE']);
  });
});

describe('a city order from intake to feedback', () => {
  let o;
  let cityDeadline;
  test('the new order is taken in once as channel upstream, with the city deadline', async () => {
    cityDeadline = Date.now() + 72 * HOUR;
    const msg = cityOrder('M-1', 'SJ-2026-0001', cityDeadline);
    const first = ok(await send(msg), 201);
    assert.equal(first.duplicate, false);
    assert.equal(first.status, 'received');
    const again = ok(await send(msg), 200);
    assert.equal(again.duplicate, true);
    assert.equal(again.order_id, first.order_id);
    const detail = await getOrder(first.order_id);
    assert.equal(detail.channel, 'upstream');
    assert.equal(detail.upstream_id, 'SJ-2026-0001');
    assert.equal(Date.parse(detail.upstream_deadline), Math.floor(cityDeadline / 1000) * 1000);
    assert.equal(detail.timeline.length, 1);
    assert.equal(detail.timeline[0].actor.name, '市级平台');
    o = new Order(server, detail);
  });

  test('the local deadline and the timers end 24 h before the city deadline (the margin)', async () => {
    await o.must(org.as('agent1'), 'verify', { note: '已核实' });
    await o.must(org.as('agent1'), 'file');
    // a deadline the dispatcher gives past the city's less the margin is refused
    assertError(await o.act(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id, deadline: iso(cityDeadline - 2 * HOUR) }), 422, 'rule_violation', 'deadline');
    await o.must(org.as('dispatcher1'), 'dispatch', { unit_id: org.units.street1.id });
    const d = await getOrder(o.id);
    const end = Math.floor(cityDeadline / 1000) * 1000 - 24 * HOUR;
    // the 15-day default of dongcheng-2016 would end 11 days after the city's deadline
    assert.equal(Date.parse(d.deadline), end);
    assert.ok(Date.parse(d.sign_deadline) <= end);
    // an extension past it is refused
    await o.must(org.as('op-s1'), 'sign');
    assertError(await o.act(org.as('op-s1'), 'extension_request', { until: iso(cityDeadline), reason: '需协调' }), 422, 'rule_violation', 'until');
  });

  test('市级督办 supervises the order, its answer due before the city deadline less the margin', async () => {
    const r = ok(await send({ id: 'M-2', type: 'supervise', upstream_id: 'SJ-2026-0001', reason: '群众再次来电催促' }), 201);
    assert.equal(r.duplicate, false);
    ok(await send({ id: 'M-2', type: 'supervise', upstream_id: 'SJ-2026-0001', reason: '群众再次来电催促' }), 200);
    const d = await getOrder(o.id);
    assert.equal(d.supervisions, 1);
    const ev = d.timeline.at(-1);
    assert.equal(ev.action, 'supervise');
    // counted as the city's supervision (linshu-2020 weighs city_account and city_written)
    assert.equal(ev.args.kind, 'city_account');
    assert.match(ev.args.reason, /^市级督办：/);
    assert.ok(Date.parse(ev.args.answer_due) <= Math.floor(cityDeadline / 1000) * 1000 - 24 * HOUR);
    o.set(d);
  });

  test('the feedback reaches the city before its deadline with the city down, then up', async () => {
    await o.must(org.as('op-s1'), 'supervise_answer', { answer: '已安排维修' });
    await o.must(org.as('op-s1'), 'reply', { result: '已更换路灯灯泡', closure: 'resolved', responsible: '冯操作' });
    await o.must(org.as('reviewer1'), 'review', { pass: true });
    let fb = await feedback();
    assert.equal(fb.items.length, 1);
    assert.equal(fb.items[0].kind, 'upstream_result');
    assert.equal(fb.items[0].upstream_id, 'SJ-2026-0001');
    assert.equal(fb.items[0].state, 'pending');
    assert.equal(fb.items[0].late, false);

    const t1 = Date.now() + 60 * 1000;
    const tick1 = await tickAt(t1); // the city is down
    assert.equal(tick1.outbox.sent, 0, JSON.stringify(tick1));
    assert.equal(city.received.length, 0);
    fb = await feedback();
    assert.equal(fb.items[0].state, 'pending');
    assert.equal(fb.items[0].attempts, 1);
    assert.ok(fb.items[0].last_error.length > 0);
    assert.deepEqual(fb.counts, { total: 1, sent_on_time: 0, sent_late: 0, pending: 1, pending_late: 0, failed: 0, failed_late: 0 });

    await city.up();
    await tickAt(t1 + 10 * 1000); // before the retry is due: nothing goes
    assert.equal(city.received.length, 0);
    await tickAt(t1 + 5 * 60 * 1000); // after the first backoff (60 s)
    assert.equal(city.received.length, 1);
    const got = city.received[0];
    assert.equal(got.valid, true);
    assert.equal(got.json.upstream_id, 'SJ-2026-0001');
    assert.equal(got.json.kind, 'result');
    assert.equal(got.json.order_number, o.number);
    assert.match(got.json.text, /已更换路灯灯泡/);
    assert.equal(got.headers['idempotency-key'], got.json.message_id);
    await tickAt(t1 + 60 * 60 * 1000); // sent once only
    assert.equal(city.received.length, 1);
    fb = await feedback();
    assert.equal(fb.items[0].state, 'sent');
    assert.ok(Date.parse(fb.items[0].sent_at) < Date.parse(fb.items[0].upstream_deadline));
    assert.equal(fb.counts.sent_on_time, 1);
  });

  test("the city's callback result is recorded; the close is fed back", async () => {
    ok(await send({ id: 'M-3', type: 'callback', upstream_id: 'SJ-2026-0001', contacted: true, solved: true, satisfaction: 'satisfied' }), 201);
    let d = await getOrder(o.id);
    assert.equal(d.cb_satisfaction, 'satisfied');
    o.set(d);
    await o.must(org.as('callback1'), 'close', {});
    const fb = await feedback();
    const closed = fb.items.find((m) => m.kind === 'upstream_closed');
    assert.ok(closed);
    assert.match(closed.text, /满意/);
    d = await getOrder(o.id);
    assert.equal(d.status, 'closed');
  });

  test('市级重办 reopens the closed order at level upstream with the new city deadline', async () => {
    const newDeadline = Date.now() + 96 * HOUR;
    const r = ok(await send({ id: 'M-4', type: 'reopen', upstream_id: 'SJ-2026-0001', reason: '群众反映路灯仍不亮', deadline: iso(newDeadline) }), 201);
    assert.equal(r.status, 'handling');
    const d = await getOrder(o.id);
    assert.equal(d.reopens, 1);
    assert.equal(d.reopens_upstream, 1);
    assert.equal(d.reopens_district, 0);
    assert.equal(d.timeline.at(-1).args.level, 'upstream');
    assert.equal(Date.parse(d.upstream_deadline), Math.floor(newDeadline / 1000) * 1000);
    assert.ok(Date.parse(d.deadline) <= Math.floor(newDeadline / 1000) * 1000 - 24 * HOUR);
    // a second reopen of an order being handled again is refused and changes nothing
    assertError(await send({ id: 'M-5', type: 'reopen', upstream_id: 'SJ-2026-0001', reason: '再次' }), 409, 'bad_state');
    assert.equal((await getOrder(o.id)).reopens, 1);
    // the close's feedback goes out with the next pass (the city is up)
    const before = city.received.length;
    await tickAt(Date.now() + 2 * HOUR);
    assert.equal(city.received.length, before + 1);
    assert.equal(city.received.at(-1).json.kind, 'closed');
  });
});

describe('late and failed feedback', () => {
  test('feedback sent after the city deadline counts late; one that keeps failing is failed, listed and sent again', async () => {
    const deadline = Date.now() + 48 * HOUR;
    const r = ok(await send(cityOrder('M-10', 'SJ-2026-0010', deadline)), 201);
    const o = new Order(server, await getOrder(r.order_id));
    await handle(o);
    await city.down();
    // the city stays down past its deadline: attempt after attempt fails until the last one
    let at = deadline + HOUR;
    let fb;
    for (let i = 0; i < 12; i++) {
      await tickAt(at);
      at += 25 * HOUR; // longer than the longest backoff (a day)
    }
    // (the reopened city order above was force-closed meanwhile: its feedback failed too)
    fb = await feedback('?only=failed');
    assert.equal(fb.counts.failed, fb.items.length);
    const m = fb.items.find((x) => x.upstream_id === 'SJ-2026-0010');
    assert.ok(m, JSON.stringify(fb));
    assert.equal(m.state, 'failed');
    assert.equal(m.attempts, 12);
    const failedBefore = fb.counts.failed;
    // staff send it again once the city is back: it arrives, late
    await city.up();
    ok(await call(server, 'POST', `/api/v1/outbox/${m.id}/retry`, { token: org.admin }));
    const before = city.received.length;
    await tickAt(at);
    // (with whatever else was still pending) the failed one arrives, once
    const arrived = city.received.slice(before).filter((x) => x.json.upstream_id === 'SJ-2026-0010');
    assert.equal(arrived.length, 1);
    assert.equal(arrived[0].json.message_id, `jiesu-outbox-${m.id}`);
    assert.equal(arrived[0].valid, true);
    fb = await feedback('?only=late');
    const sent = fb.items.find((x) => x.upstream_id === 'SJ-2026-0010');
    assert.equal(sent.state, 'sent');
    assert.ok(Date.parse(sent.sent_at) > Date.parse(sent.upstream_deadline));
    assert.equal(fb.counts.sent_late, fb.items.filter((x) => x.state === 'sent').length);
    assert.ok(fb.counts.sent_late >= 1);
    assert.ok(fb.counts.failed < failedBefore);
    assert.ok(fb.items.every((x) => x.late));
    // the first order's result, sent in time, is not among them and still counts on time
    assert.ok(!fb.items.some((x) => x.upstream_id === 'SJ-2026-0001' && x.kind === 'upstream_result' && x.sent_at && Date.parse(x.sent_at) < Date.parse(x.created_at) + 3600e3));
    assert.ok(fb.counts.sent_on_time >= 1);
    const all = await feedback();
    assert.equal(all.truncated, false);
    assert.equal(all.counts.total, all.items.length);
    assert.equal(all.counts.total, all.counts.sent_on_time + all.counts.sent_late + all.counts.pending + all.counts.failed);
    // the same figures on /metrics
    const metrics = (await call(server, 'GET', '/metrics')).text;
    for (const [k, v] of Object.entries(all.counts)) {
      if (k === 'total') continue;
      assert.match(metrics, new RegExp(`^jiesu_upstream_feedback\\{outcome="${k}"\\} ${v}$`, 'm'), k);
    }
    assertError(await call(server, 'GET', '/api/v1/upstream/feedback?only=soon', { token: org.as('supervisor1') }), 422, 'invalid', 'only');
    assertError(await call(server, 'GET', '/api/v1/upstream/feedback', { token: org.as('op-s1') }), 403, 'forbidden');
  });
});

describe('the polling client', () => {
  test('a tick reads the feed after its cursor every poll_seconds, applying each message once', async () => {
    ok(await call(server, 'PUT', '/api/v1/upstream/link', {
      token: org.admin, body: { url: `http://127.0.0.1:${city.port}/city`, secret: SECRET, poll_seconds: 60 },
    }));
    const T = Date.now();
    city.feed.push(
      cityOrder('M-30', 'SJ-2026-0030', T + 72 * HOUR),
      cityOrder('M-1', 'SJ-2026-0001', T + 72 * HOUR), // came by the webhook already
      { id: 'M-31', type: 'supervise', upstream_id: 'SJ-NONE', reason: '请加快' },
    );
    let r = await tickAt(T);
    assert.deepEqual(city.polls, [{ after: '', valid: true }]);
    assert.equal(r.upstream.polled, true);
    assert.deepEqual([r.upstream.fetched, r.upstream.applied, r.upstream.duplicates, r.upstream.refused], [3, 1, 1, 1]);
    assert.match(r.upstream.last_error, /M-31/);
    const found = ok(await call(server, 'GET', '/api/v1/search?q=SJ-2026-0030', { token: org.as('agent1') }));
    assert.equal(found.items.length, 1);
    assert.equal(found.items[0].channel, 'upstream');

    r = await tickAt(T + 10 * 1000); // within the interval: no poll
    assert.equal(r.upstream.polled, false);
    assert.equal(city.polls.length, 1);

    city.feed.push(cityOrder('M-33', 'SJ-2026-0033', T + 72 * HOUR));
    r = await tickAt(T + 70 * 1000);
    assert.deepEqual(city.polls.at(-1), { after: '3', valid: true });
    assert.deepEqual([r.upstream.fetched, r.upstream.applied], [1, 1]);

    // an answer the city did not sign is not applied and the cursor stays
    city.feed.push(cityOrder('M-34', 'SJ-2026-0034', T + 72 * HOUR));
    city.badFeedSignature = true;
    r = await tickAt(T + 140 * 1000);
    assert.equal(r.upstream.fetched, 0);
    assert.match(r.upstream.last_error, /签名/);
    assert.equal(ok(await call(server, 'GET', '/api/v1/search?q=SJ-2026-0034', { token: org.as('agent1') })).items.length, 0);
    city.badFeedSignature = false;
    r = await tickAt(T + 210 * 1000);
    assert.deepEqual(city.polls.at(-1), { after: '4', valid: true });
    assert.deepEqual([r.upstream.fetched, r.upstream.applied], [1, 1]);
    assert.equal(ok(await call(server, 'GET', '/api/v1/search?q=SJ-2026-0034', { token: org.as('agent1') })).items.length, 1);
  });
});
