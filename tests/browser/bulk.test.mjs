// Browser test of issue 16 (must-show 6): sorting by any column of an order table, bulk sign,
// dispatch and urge where the role allows it (each order at its own version, a refused one
// named with its reason), and the printable order sheet with its timeline. Runs a real
// `jiesu serve` over the demo district in headless chromium.
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

/** Takes in and files n orders (agent1, dispatcher1); answers their ids. */
async function filed(n, title) {
  const agent = await apiToken(server, 'agent1');
  const disp = await apiToken(server, 'dispatcher1');
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = await api(server, 'POST', '/orders', { token: agent, body: { channel: 'hotline-12345', type: 'complaint', title: `${title}${i + 1}`, text: `${title}${i + 1}，请处理。`, address: '示范路1号' } });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const o = r.json.order;
    const f = await api(server, 'POST', `/orders/${o.id}/actions/file`, { token: disp, body: { version: o.version } });
    assert.equal(f.status, 200, JSON.stringify(f.json));
    ids.push(o.id);
  }
  return ids;
}

const rowNumbers = (page) => page.$$eval('.view tbody tr td a.mono', (as) => as.map((a) => a.textContent.trim()));

test('a click on a column heading sorts the rows, a second click reverses them', async () => {
  const d = await newPage(b, server);
  await login(d, 'supervisor1');
  await d.goto(`${server.url}/#/orders`);
  await settled(d);
  await d.waitForSelector('.view tbody tr');
  const heading = d.locator('.view thead th', { has: d.locator('button.sort', { hasText: '工单编号' }) });
  await heading.locator('button.sort').click();
  assert.equal(await heading.getAttribute('aria-sort'), 'ascending');
  const up = await rowNumbers(d);
  assert.ok(up.length >= 3, `rows: ${up.length}`);
  assert.deepEqual(up, up.slice().sort(), 'ascending by number');
  await heading.locator('button.sort').click();
  assert.equal(await heading.getAttribute('aria-sort'), 'descending');
  assert.deepEqual(await rowNumbers(d), up.slice().reverse(), 'the same rows, reversed');
  // the deadline column sorts by time, not by its text ("剩 3 天" …)
  const dl = d.locator('.view thead th', { has: d.locator('button.sort', { hasText: '办理期限' }) });
  await dl.locator('button.sort').click();
  const token = await apiToken(server, 'supervisor1');
  const deadlines = [];
  for (const n of await rowNumbers(d)) {
    const s = (await api(server, 'GET', `/search?q=${n}`, { token })).json;
    const it = (s.items || [])[0];
    deadlines.push(Date.parse((it.order || it).deadline));
  }
  assert.deepEqual(deadlines, deadlines.slice().sort((x, y) => x - y), 'ascending by deadline');
  assert.deepEqual(d.errors, []);
  await d.close();
});

test('bulk dispatch, then bulk sign by the unit, then bulk urge', async () => {
  const ids = await filed(3, '批量办理测试');
  const d = await newPage(b, server);
  await login(d, 'dispatcher1');
  await d.goto(`${server.url}/#/dispatch?tab=filed`);
  await settled(d);
  for (const id of ids.slice(0, 2)) {
    const number = (await api(server, 'GET', `/orders/${id}`, { token: await apiToken(server, 'dispatcher1') })).json.number;
    await d.check(`.view tbody input[aria-label="选择 ${number}"]`);
  }
  await d.click('#bulk-dispatch');
  await d.waitForSelector('.modal');
  const units = (await api(server, 'GET', '/units', { token: await apiToken(server, 'admin') })).json.items;
  const target = units.find((u) => /街道/.test(u.name));
  await d.fill('.modal [data-field=unit_id] input', target.name);
  await d.keyboard.press('ArrowDown');
  await d.keyboard.press('Enter');
  await d.click('.modal button[type=submit]');
  await d.waitForSelector('.toasts :text("已派单 2 件")');
  const disp = await apiToken(server, 'dispatcher1');
  for (const id of ids.slice(0, 2)) {
    const o = (await api(server, 'GET', `/orders/${id}`, { token: disp })).json;
    assert.ok(o.dispatched_at, 'dispatched');
    assert.ok((o.units || []).some((a) => Number(a.unit_id) === Number(target.id) && a.active), 'dispatched to the unit chosen');
  }
  const third = (await api(server, 'GET', `/orders/${ids[2]}`, { token: disp })).json;
  assert.equal(third.dispatched_at ?? null, null, 'the order not selected was left alone');
  assert.deepEqual(d.errors, []);
  await d.close();

  // the unit's operator signs both at once
  const users = (await api(server, 'GET', '/users', { token: await apiToken(server, 'admin') })).json.items;
  const op = users.find((u) => Number(u.unit_id) === Number(target.id) && (u.role === 'unit_operator' || u.role_name === 'unit_operator'));
  assert.ok(op, 'the unit has an operator');
  const u = await newPage(b, server);
  await login(u, op.login);
  await u.goto(`${server.url}/#/inbox?tab=sign`);
  await settled(u);
  for (const id of ids.slice(0, 2)) {
    const number = (await api(server, 'GET', `/orders/${id}`, { token: disp })).json.number;
    await u.check(`.view tbody input[aria-label="选择 ${number}"]`);
  }
  await u.click('#bulk-sign');
  await u.waitForSelector('.toasts :text("已签收 2 件")');
  for (const id of ids.slice(0, 2)) {
    const o = (await api(server, 'GET', `/orders/${id}`, { token: disp })).json;
    assert.ok((o.units || []).some((a) => Number(a.unit_id) === Number(target.id) && a.signed_at), 'signed');
  }
  assert.deepEqual(u.errors, []);
  await u.close();

  // the supervisor urges one of them and a closed one: the closed one is named as refused
  const sup = await apiToken(server, 'supervisor1');
  const closed = ((await api(server, 'GET', '/orders?status=closed&limit=1', { token: sup })).json.items || [])[0];
  assert.ok(closed, 'the demo has a closed order');
  const s = await newPage(b, server);
  await login(s, 'supervisor1');
  await s.goto(`${server.url}/#/supervise?tab=all`);
  await settled(s);
  const first = (await api(server, 'GET', `/orders/${ids[0]}`, { token: sup })).json;
  await s.check(`.view tbody input[aria-label="选择 ${first.number}"]`);
  await s.click('#bulk-urge');
  await s.waitForSelector('.modal');
  await s.fill('.modal textarea[name=note]', '请今日内联系诉求人');
  await s.click('.modal button[type=submit]');
  await s.waitForSelector('.toasts :text("已催办 1 件")');
  const urged = (await api(server, 'GET', `/orders/${ids[0]}`, { token: sup })).json;
  assert.equal(Number(urged.urges), Number(first.urges || 0) + 1);
  const ev = urged.timeline.slice().reverse().find((e) => e.action === 'urge');
  assert.equal(ev.args.note, '请今日内联系诉求人');
  assert.deepEqual(s.errors, []);
  await s.close();
});

test('the order sheet prints with its timeline and without the screen furniture', async () => {
  const d = await newPage(b, server);
  await login(d, 'dispatcher1');
  const token = await apiToken(server, 'dispatcher1');
  const o = ((await api(server, 'GET', '/orders?status=closed&limit=1', { token })).json.items || [])[0];
  await d.goto(`${server.url}/#/order/${o.id}`);
  await settled(d);
  await d.waitForSelector('#print-order');
  assert.equal(await d.isVisible('#print-head'), false, 'the sheet heading is for paper only');
  await d.emulateMedia({ media: 'print' });
  assert.equal(await d.isVisible('#print-head'), true);
  assert.match(await d.textContent('#print-head'), new RegExp(`热线工单处理单[\\s\\S]*${o.number}`));
  assert.equal(await d.isVisible('#topbar'), false, 'no navigation on paper');
  assert.equal(await d.isVisible('#print-order'), false, 'no buttons on paper');
  assert.equal(await d.isVisible('#timeline'), true, 'the timeline is printed');
  const events = await d.$$eval('#timeline li.event', (li) => li.length);
  assert.ok(events >= 3, `events printed: ${events}`);
  assert.doesNotMatch(await d.textContent('#main'), /\d{4}-\d{2}-\d{2}T\d{2}:/, 'no raw ISO time on the sheet');
  const pdf = await d.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10000, `a PDF of ${pdf.length} bytes`);
  await d.emulateMedia({ media: 'screen' });
  assert.deepEqual(d.errors, []);
  await d.close();
});
