// Browser test of issue 16 point 1: on the intake screen Enter in the title field or in an empty
// category picker does not register a half-typed complaint (only Ctrl+Enter or the button does),
// and leaving the screen with Alt+2 in the middle of a call keeps what was typed as a draft that
// comes back on return; once registered, the draft is gone. Runs a real `jiesu serve` over the
// demo district in headless chromium; a missing browser or element fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b, page;
const posts = []; // POST /api/v1/orders sent by the page

before(async () => {
  server = await startServer({ orders: 40 });
  b = await launch();
  page = await newPage(b, server);
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/orders') posts.push(r.postData()); });
  await login(page, 'agent1');
});
after(async () => {
  await b?.close();
  await server?.stop();
});

const TITLE = '景山前街路灯不亮（草稿测试）';
const TEXT = '景山前街路灯连续三晚不亮，行人夜间出行不便。';

test('Enter in the title or an empty category picker registers nothing', async () => {
  await page.goto(`${server.url}/#/intake`);
  await settled(page);
  await page.waitForSelector('#intake-form');
  await page.fill('#intake-form [data-field=title] input', TITLE);
  await page.press('#intake-form [data-field=title] input', 'Enter');
  await page.fill('#intake-form [data-field=text] textarea', TEXT);
  await page.focus('#intake-form [data-field=category_id] input.picker-input');
  await page.keyboard.press('Enter');
  await page.focus('#intake-form [data-field=address] input');
  await page.keyboard.press('Enter');
  // Let any request the key presses started arrive, then look: nothing was sent.
  await page.evaluate(() => fetch('/healthz'));
  await page.waitForTimeout(300);
  assert.deepEqual(posts, [], 'Enter must not submit the intake form');
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), TITLE, 'the form still holds the title');
  assert.equal(await page.$$eval('.result a.mono.big', (a) => a.length), 0, 'no order was registered');
});

test('Alt+2 in the middle of an intake keeps a draft; coming back restores it', async () => {
  await page.fill('#intake-form [data-field=citizen_phone] input', '13800001111');
  await page.focus('#intake-form [data-field=address] input');
  await page.keyboard.press('Alt+2');
  await page.waitForSelector('.view[data-view=orders]');
  await page.waitForSelector('.toast.info');
  assert.match(await page.textContent('.toasts'), /草稿已保存/);
  await page.keyboard.press('Alt+1');
  await page.waitForSelector('#intake-form');
  await page.waitForSelector('#intake-draft:not([hidden])');
  assert.match(await page.textContent('#intake-draft'), /已恢复未登记的受理草稿/);
  assert.doesNotMatch(await page.textContent('#intake-draft'), /\d{4}-\d{2}-\d{2}T/, 'no raw ISO time');
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), TITLE);
  assert.equal(await page.$eval('#intake-form [data-field=text] textarea', (e) => e.value), TEXT);
  assert.equal(await page.$eval('#intake-form [data-field=citizen_phone] input', (e) => e.value), '13800001111');
  // A reload of the tab keeps it too.
  await page.reload();
  await page.waitForSelector('#intake-draft:not([hidden])');
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), TITLE);
  assert.deepEqual(posts, []);
});

test('Ctrl+Enter registers the draft, and then the draft is gone', async () => {
  await page.focus('#intake-form [data-field=title] input');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('.result a.mono.big');
  assert.equal(posts.length, 1);
  assert.equal(JSON.parse(posts[0]).title, TITLE);
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), '');
  await page.keyboard.press('Alt+2');
  await page.waitForSelector('.view[data-view=orders]');
  await page.keyboard.press('Alt+1');
  await page.waitForSelector('#intake-form');
  await settled(page);
  assert.equal(await page.$eval('#intake-draft', (e) => e.hidden), true, 'no draft after registering');
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), '');
  // The clear button drops a draft.
  await page.fill('#intake-form [data-field=title] input', '另一通来电');
  await page.reload();
  await page.waitForSelector('#intake-draft:not([hidden])');
  await page.click('#intake-draft-clear');
  assert.equal(await page.$eval('#intake-form [data-field=title] input', (e) => e.value), '');
  await page.reload();
  await page.waitForSelector('#intake-form');
  await settled(page);
  assert.equal(await page.$eval('#intake-draft', (e) => e.hidden), true);
  assert.deepEqual(page.errors, []);
});

test('the level picker offers only the levels the deployment uses (setting levels, 000 art. 8)', async () => {
  const admin = await apiToken(server, 'admin');
  const cur = (await api(server, 'GET', '/policy', { token: admin })).json;
  const preset = cur.preset;
  const overrides = cur.overrides || {};
  const put = (ov) => api(server, 'PUT', '/policy', { token: admin, body: { preset, overrides: ov } });
  const levels = () => page.$$eval('#intake-form [data-field=level] select option', (os) => os.map((o) => o.textContent));
  assert.equal((await put({ ...overrides, levels: ['general', 'major'] })).status, 200);
  try {
    await page.reload();
    await page.waitForSelector('#intake-form');
    await settled(page);
    assert.deepEqual(await levels(), ['一般', '重大']);
  } finally {
    assert.equal((await put(overrides)).status, 200);
  }
  await page.reload();
  await page.waitForSelector('#intake-form');
  await settled(page);
  assert.deepEqual(await levels(), ['一般', '重大', '紧急']);
  assert.deepEqual(page.errors, []);
});
