// Browser test of issue 16 point 8: the web UI at 390 px (a phone). The navigation is reached
// through a menu button; the order list's filters stack in one column; nothing makes the page
// wider than the screen; a unit operator signs from the workbench and replies from the order
// page, and the callback clerk opens the callback form, every dialog within the screen. Runs a
// real `jiesu serve` over the demo district in headless chromium at 390×844.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

const PHONE = { width: 390, height: 844 };
let server, b, orderId;

before(async () => {
  server = await startServer({ orders: 60 });
  b = await launch();
  // an order dispatched to unit s01, waiting for its signature
  const agent = await apiToken(server, 'agent1');
  const disp = await apiToken(server, 'dispatcher1');
  const op = await apiToken(server, 'op-s01');
  const me = (await api(server, 'GET', '/me', { token: op })).json;
  const r = await api(server, 'POST', '/orders', { token: agent, body: { channel: 'hotline-12345', type: 'complaint', title: '手机端测试：小区路灯不亮', text: '小区路灯不亮三天了。', citizen_phone: '13800002222', address: '城关街道1号' } });
  orderId = (r.json.order || r.json).id;
  for (const [token, action, args] of [[agent, 'file', {}], [disp, 'dispatch', { unit_id: (me.user || me).unit_id }]]) {
    const o = (await api(server, 'GET', `/orders/${orderId}`, { token })).json;
    const res = await api(server, 'POST', `/orders/${orderId}/actions/${action}`, { token, body: { version: Number(o.version), ...args } });
    assert.ok(res.status < 300, `${action}: ${JSON.stringify(res.json)}`);
  }
});
after(async () => {
  await b?.close();
  await server?.stop();
});

/** The page is no wider than the screen (no sideways scrolling of the whole page). */
async function fits(page, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= PHONE.width + 1, `${what}: the page is ${w}px wide at ${PHONE.width}px`);
}

/** An element lies within the screen's width. */
async function within(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  assert.ok(box, `${selector} is shown`);
  assert.ok(box.x >= -1 && box.x + box.width <= PHONE.width + 1, `${selector} spans ${box.x}..${box.x + box.width}`);
}

test('navigation through the menu button; filters stack', async () => {
  const p = await newPage(b, server, PHONE);
  await login(p, 'op-s01');
  await settled(p);
  assert.equal(await p.isVisible('#main-nav'), false, 'the navigation is folded');
  assert.equal(await p.isVisible('#menu-toggle'), true, 'the menu button is shown');
  await fits(p, 'the workbench');
  await p.click('#menu-toggle');
  assert.equal(await p.isVisible('#main-nav a[data-nav=orders]'), true);
  await p.click('#main-nav a[data-nav=orders]');
  await settled(p);
  await p.waitForSelector('.filters');
  assert.equal(await p.isVisible('#main-nav'), false, 'the menu folds again after a choice');
  const lefts = await p.$$eval('.filters > label, .filters > .f-buttons', (els) => els.filter((e) => e.offsetParent).map((e) => Math.round(e.getBoundingClientRect().left)));
  assert.ok(lefts.length >= 3, `${lefts.length} filters`);
  assert.equal(new Set(lefts).size, 1, `the filters stack in one column: ${lefts}`);
  await fits(p, 'the order list');
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('a unit operator signs and replies at 390 px', async () => {
  const p = await newPage(b, server, PHONE);
  await login(p, 'op-s01');
  await p.goto(`${server.url}/#/inbox?tab=sign`);
  await settled(p);
  const row = p.locator('tr:has-text("手机端测试：小区路灯不亮")');
  await row.waitFor();
  // the 待签收 tab shows the signing deadline (issue 16 point 3)
  assert.ok((await p.$$eval('.view thead th', (ths) => ths.map((t) => t.textContent))).includes('签收期限'));
  assert.match(await row.textContent(), /(剩余|超期)\S*/);
  await row.locator('button[data-action=sign]').click();
  await p.waitForSelector('.modal form');
  await within(p, '.modal');
  await within(p, '.modal button[type=submit]');
  await p.click('.modal button[type=submit]');
  await p.waitForSelector('.modal', { state: 'detached' });

  await p.goto(`${server.url}/#/order/${orderId}`);
  await settled(p);
  await p.waitForSelector('#order-actions button[data-action=reply]');
  await fits(p, 'the order page');
  await within(p, '#order-actions');
  await p.click('#order-actions button[data-action=reply]');
  await p.waitForSelector('.modal form');
  await within(p, '.modal');
  await within(p, '.modal [data-field=result] textarea');
  await within(p, '.modal [data-field=attachments] input');
  await p.fill('.modal [data-field=result] textarea', '已更换灯泡，路灯恢复照明。');
  await p.selectOption('.modal [data-field=closure] select', { index: 1 });
  await p.fill('.modal [data-field=responsible] input', '张工');
  await within(p, '.modal button[type=submit]');
  await p.click('.modal button[type=submit]');
  await p.waitForSelector('.modal', { state: 'detached' });
  await p.waitForSelector('#order-status[data-status=replied]');
  assert.deepEqual(p.errors, []);
  await p.close();
});

test('the callback form at 390 px', async () => {
  const p = await newPage(b, server, PHONE);
  await login(p, 'callback1');
  await p.goto(`${server.url}/#/callback`);
  await settled(p);
  await fits(p, 'the callback queue');
  const first = p.locator('.view tbody tr').first();
  await first.waitFor();
  await first.locator('button[data-action=callback]').click();
  await p.waitForSelector('#callback-brief');
  await within(p, '.modal');
  await within(p, '#callback-brief');
  await within(p, '.modal button[type=submit]');
  assert.deepEqual(p.errors, []);
  await p.close();
});
