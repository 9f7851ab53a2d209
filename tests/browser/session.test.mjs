// Browser test of issue 16 point 4: the login is not tied to one tab. After a login, an order
// link opened in a new tab shows the order at once; a tab that is not logged in goes to the login
// screen and, after it, to the page that was asked for (not to the role's home screen); an expired
// session returns to the same page after logging in again; a tab that logged in as someone else
// keeps its own session. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, logout, settled, api, apiToken, PASSWORD } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b, order;

before(async () => {
  server = await startServer({ orders: 40 });
  b = await launch();
  const t = await apiToken(server, 'dispatcher1');
  order = (await api(server, 'GET', '/orders?limit=5', { token: t })).json.items[0];
  assert.ok(order, 'the demo has an order');
});
after(async () => {
  await b?.close();
  await server?.stop();
});

test('an order link opened in a new tab after the login shows the order', async () => {
  const first = await newPage(b, server);
  await login(first, 'dispatcher1');
  const tab = await newPage(b, server);
  await tab.goto(`${server.url}/#/order/${order.id}`);
  await settled(tab);
  await tab.waitForSelector('#order-number');
  assert.equal((await tab.textContent('#order-number')).trim(), order.number);
  assert.equal(await tab.$('#login-form'), null, 'no login screen');
  assert.match(await tab.textContent('#topbar .user-name'), /\S/);
  assert.deepEqual([...first.errors, ...tab.errors], []);
  await tab.close();

  // Logging out ends it for new tabs too: the next link asks for the login, then shows the order.
  await logout(first);
  const again = await newPage(b, server);
  await again.goto(`${server.url}/#/order/${order.id}`);
  await again.waitForSelector('#login-form');
  await again.fill('#login-form input[name=login]', 'dispatcher1');
  await again.fill('#login-form input[name=password]', PASSWORD);
  await again.click('#login-form button[type=submit]');
  await again.waitForSelector('#order-number');
  assert.match(again.url(), new RegExp(`#/order/${order.id}$`), 'back on the order, not on the home screen');
  assert.equal((await again.textContent('#order-number')).trim(), order.number);
  assert.deepEqual(again.errors, []);
  await again.close();
  await first.close();
});

test('an expired session returns to the same page after logging in again', async () => {
  const page = await newPage(b, server);
  await login(page, 'agent1');
  await page.goto(`${server.url}/#/orders`);
  await settled(page);
  // The session ends on the server (as when it expires): the next request answers 401.
  const token = await page.evaluate(() => sessionStorage.getItem('jiesu.token'));
  const r = await fetch(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: '{}' });
  assert.ok(r.status < 300, `logout answered ${r.status}`);
  await page.goto(`${server.url}/#/order/${order.id}`);
  await page.waitForSelector('#login-form');
  await page.fill('#login-form input[name=login]', 'agent1');
  await page.fill('#login-form input[name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#order-number');
  assert.match(page.url(), new RegExp(`#/order/${order.id}$`));
  await page.close();
});

test('tabs logged in as different people keep their own sessions', async () => {
  const one = await newPage(b, server);
  await login(one, 'agent1');
  const two = await newPage(b, server);
  await login(two, 'supervisor1');
  await one.reload();
  await settled(one);
  assert.match(await one.textContent('#topbar .role-name'), /坐席/);
  assert.match(await two.textContent('#topbar .role-name'), /督办/);
  // a tab opened now starts as the last login
  const three = await newPage(b, server);
  await three.goto(`${server.url}/#/orders`);
  await settled(three);
  assert.match(await three.textContent('#topbar .role-name'), /督办/);
  assert.deepEqual([...one.errors, ...two.errors, ...three.errors], []);
});
