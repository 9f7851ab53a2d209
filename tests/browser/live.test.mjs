// Browser test of issue 16 point 6: new work arrives by itself. A dispatcher's queue screen listens
// to the server's event stream and loads again when an order is taken in elsewhere (no click, no
// polling while nothing changes), the navigation shows the queue's count as
// a badge, a tone sounds — and not once the user switched the sound off (kept after a reload).
// The callback queue shows whole titles and the caller's phone, and its form shows the number
// and the unit's reply. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b;

before(async () => {
  server = await startServer({ orders: 60 });
  b = await launch();
});
after(async () => {
  await b?.close();
  await server?.stop();
});

async function takeIn(title) {
  const agent = await apiToken(server, 'agent1');
  const r = await api(server, 'POST', '/orders', { token: agent, body: { channel: 'hotline-12345', type: 'complaint', title, text: `${title}，请处理。` } });
  assert.ok(r.status < 300, JSON.stringify(r.json));
}

const tabCount = (page) => page.$eval('[data-tab=new] .badge', (e) => Number(e.textContent));

test('a queue refreshes by itself, with a badge and a tone that can be switched off', async () => {
  const d = await newPage(b, server);
  const streams = [];
  let looks = 0; // requests for the latest change (what a client polling by the clock would send)
  d.on('response', (r) => { if (r.url().endsWith('/api/v1/changes')) streams.push(r.headers()['content-type']); });
  d.on('request', (r) => { if (/\/api\/v1\/orders\?.*sort=updated_desc.*limit=1/.test(r.url())) looks++; });
  await login(d, 'dispatcher1');
  await d.goto(`${server.url}/#/dispatch`);
  await settled(d);
  await d.waitForSelector('[data-tab=new] .badge');
  const n0 = await tabCount(d);
  // the queue listens to the server's event stream, and does not look by the clock meanwhile
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(streams.length >= 1 && /^text\/event-stream/.test(streams[0]), `the event stream is open: ${JSON.stringify(streams)}`);
  const looks0 = looks;
  await new Promise((r) => setTimeout(r, 10000));
  assert.equal(looks, looks0, 'nothing changed, so nothing was asked in 10 s (no polling)');
  assert.equal(await d.getAttribute('#sound-toggle', 'aria-pressed'), 'true', 'the sound is on by default');

  await takeIn('新到工单测试一');
  await d.waitForFunction((n) => Number(document.querySelector('[data-tab=new] .badge')?.textContent) === n + 1, n0, { timeout: 40000 });
  assert.ok(looks > looks0, 'the change event made the client look');
  await d.waitForSelector('.view td:has-text("新到工单测试一")');
  assert.match(await d.textContent('.toasts'), /新到 1 件/);
  assert.equal(await d.getAttribute('#sound-toggle', 'data-rang'), '1', 'the tone sounded once');
  assert.equal((await d.textContent('#topbar a[data-nav=dispatch] .nav-badge')).trim(), String(n0 + 1));

  // The sound off: the next arrival refreshes the queue but does not ring; a reload keeps it off.
  await d.click('#sound-toggle');
  assert.equal(await d.getAttribute('#sound-toggle', 'aria-pressed'), 'false');
  await d.reload();
  await settled(d);
  await d.waitForSelector('[data-tab=new] .badge');
  assert.equal(await d.getAttribute('#sound-toggle', 'aria-pressed'), 'false', 'the choice is remembered');
  const n1 = await tabCount(d);
  await takeIn('新到工单测试二');
  await d.waitForFunction((n) => Number(document.querySelector('[data-tab=new] .badge')?.textContent) === n + 1, n1, { timeout: 40000 });
  assert.equal(await d.getAttribute('#sound-toggle', 'data-rang'), null, 'no tone with the sound off');
  assert.deepEqual(d.errors, []);
  await d.close();
});

test('the callback queue shows whole titles, the phone, and the reply in its form', async () => {
  const c = await newPage(b, server);
  await login(c, 'callback1');
  await c.goto(`${server.url}/#/callback`);
  await settled(c);
  const first = c.locator('.view tbody tr').first();
  await first.waitFor();
  const number = (await first.locator('a.mono').first().textContent()).trim();
  const token = await apiToken(server, 'callback1');
  const list = (await api(server, 'GET', `/search?q=${number}`, { token })).json;
  const id = (list.items || [])[0]?.order?.id ?? (list.items || [])[0]?.id;
  const o = (await api(server, 'GET', `/orders/${id}`, { token })).json;
  assert.equal(o.number, number);
  const titleCell = first.locator('td.title-col');
  assert.equal((await titleCell.textContent()).trim(), o.title);
  assert.equal(await titleCell.evaluate((td) => getComputedStyle(td).whiteSpace), 'normal', 'the title wraps, not cut');
  assert.ok(o.citizen_phone, 'the callback clerk sees the phone');
  await first.locator('button[data-phone]').click();
  await first.locator(`a[href="tel:${o.citizen_phone.replace(/[^\d+]/g, '')}"]`).waitFor();
  assert.ok((await first.textContent()).includes(o.citizen_phone), 'the phone is in the row');
  await first.locator('button[data-action=callback]').click();
  await c.waitForSelector('#callback-brief');
  const brief = await c.textContent('#callback-brief');
  assert.ok(brief.includes(o.number) && brief.includes(o.citizen_phone), brief);
  const reply = o.timeline.slice().reverse().find((e) => e.action === 'reply' || e.action === 'answer');
  assert.ok(reply, 'the order has a reply');
  const text = reply.args.result || reply.args.answer;
  assert.ok(brief.includes(text.slice(0, 20)), `the reply is shown: ${brief.slice(0, 300)}`);
  assert.deepEqual(c.errors, []);
});
