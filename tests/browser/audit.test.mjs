// Browser test of issue 16 point 9 (the audit log): one view of an order page records one read of
// the citizen's data, not two; the auditor's screen shows orders by number and details in
// Chinese (no key=value or English words), newest first, and filters on the server by order
// number, kind and user. Runs a real `jiesu serve` over the demo district in headless chromium.
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

test('one view of an order records one read; the audit screen speaks Chinese and filters', async () => {
  const admin = await apiToken(server, 'admin');
  const disp = await apiToken(server, 'dispatcher1');
  const o = ((await api(server, 'GET', '/orders?status=closed&limit=5', { token: disp })).json.items || []).find((x) => !x.anonymous);
  assert.ok(o, 'a closed order with a citizen');
  const reads = async () => (await api(server, 'GET', `/audit?order=${o.number}&action=read_citizen&limit=500`, { token: admin })).json.items.length;
  const before0 = await reads();

  const d = await newPage(b, server);
  await login(d, 'dispatcher1');
  await d.goto(`${server.url}/#/order/${o.id}`);
  await settled(d);
  await d.waitForSelector('#order-number');
  await d.waitForTimeout(1500); // the panels loaded after the page (duplicates, suggestions)
  assert.equal(await reads(), before0 + 1, 'one page view, one audited read');
  await d.close();

  const a = await newPage(b, server);
  await login(a, 'auditor1');
  await a.goto(`${server.url}/#/audit`);
  await settled(a);
  await a.waitForSelector('.view tbody tr');
  const texts = await a.$$eval('.view tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent.trim())));
  assert.ok(texts.length >= 4, JSON.stringify(texts));
  for (const [, , , , detail] of texts) {
    assert.doesNotMatch(detail, /\b[a-z_]+=/, `no key=value: ${detail}`);
    assert.doesNotMatch(detail.replace(/\d+\.\d+\.\d+\.\d+|[0-9a-f]{32}/g, ''), /[A-Za-z]{4,}/, `no English words: ${detail}`);
  }
  // newest first: the reads just made lead (the auditor's own login aside)
  assert.ok(texts.slice(0, 5).some((t) => t[3] === o.number), 'the order by its number, near the top');

  await a.fill('#audit-order', o.number);
  await a.click('#audit-filters button[type=submit]');
  await a.waitForFunction((n) => { const rows = [...document.querySelectorAll('.view tbody tr')]; return rows.length && rows.every((r) => r.children[3].textContent.trim() === n); }, o.number);
  await a.fill('#audit-order', '');
  await a.selectOption('#audit-action', 'login');
  await a.click('#audit-filters button[type=submit]');
  await a.waitForFunction(() => { const rows = [...document.querySelectorAll('.view tbody tr')]; return rows.length && rows.every((r) => r.children[2].textContent.trim() === '登录'); });
  assert.match(await a.textContent('.view tbody tr td:nth-child(5)'), /来源地址：/);
  const users = (await api(server, 'GET', '/users', { token: admin })).json.items;
  const d1 = users.find((u) => u.login === 'dispatcher1');
  await a.selectOption('#audit-user', String(d1.id));
  await a.click('#audit-filters button[type=submit]');
  await a.waitForFunction((name) => { const rows = [...document.querySelectorAll('.view tbody tr')]; return rows.length && rows.every((r) => r.children[1].textContent.includes(name)); }, d1.name);
  assert.deepEqual(a.errors, []);
  await a.close();
});
