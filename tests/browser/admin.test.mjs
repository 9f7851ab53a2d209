// Browser test of issue 16 (must-show 5, point 9): the calendar by year — a year without data is
// flagged, clicks change a draft that is saved as a whole, and the State Council's notice is
// imported and read by the server (a notice of another year refused); the scheme editor —
// the current month's ranking previewed as the formulas change, a bad formula shown at its field,
// and a new version saved. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b;

before(async () => {
  server = await startServer({ orders: 120 });
  b = await launch();
});
after(async () => {
  await b?.close();
  await server?.stop();
});

// 2027-01-01 is a Friday and 2027-02-14 a Sunday
const NOTICE_2027 = `国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月14日（周日）上班。`;

test('the calendar of a year: flagged without data, a draft saved as a whole, the notice imported', async () => {
  const d = await newPage(b, server);
  await login(d, 'admin');
  const token = await apiToken(server, 'admin');
  await d.goto(`${server.url}/#/admin/calendar?year=2027`);
  await settled(d);
  await d.waitForSelector('#calendar-warning');
  assert.match(await d.textContent('#calendar-warning'), /2027年还没有节假日安排/);
  assert.equal(await d.$$eval('.calendar .month', (m) => m.length), 12, 'the whole year');

  // a click changes the draft only
  await d.click('.day[data-date="2027-03-01"]');
  await d.waitForSelector('#cal-save');
  assert.equal((await api(server, 'GET', '/calendar/2027', { token })).json.holidays.length, 0, 'nothing saved by a click');
  await d.click('#cal-discard');
  await settled(d);
  assert.equal(await d.$('#cal-save'), null);

  // a notice of another year is refused where it was pasted
  await d.click('#cal-import');
  await d.fill('#notice-text', NOTICE_2027.replace('2027年部分', '2026年部分'));
  await d.click('.modal button[type=submit]');
  await d.waitForSelector('.modal .err:has-text("2026年的节假日安排通知")');
  await d.fill('#notice-text', NOTICE_2027);
  await d.click('.modal button[type=submit]');
  await d.waitForSelector('#calendar-unsaved');
  assert.match(await d.textContent('.calendar-bar'), /节假日 10 天 · 调休上班 1 天/);
  assert.equal(await d.getAttribute('.day[data-date="2027-02-08"]', 'class'), 'day rest special', 'a Monday of the Spring Festival rests');
  assert.equal(await d.getAttribute('.day[data-date="2027-02-14"]', 'class'), 'day work special', 'the swapped Sunday works');
  await d.click('#cal-save');
  await d.waitForSelector('.toasts :text("已保存2027年的工作日历")');
  const y = (await api(server, 'GET', '/calendar/2027', { token })).json;
  assert.equal(y.holidays.length, 10);
  assert.deepEqual(y.workdays, [{ date: '2027-02-14', name: '春节调休上班' }]);
  assert.equal(y.holidays[3].name, '春节');
  await settled(d);
  assert.equal(await d.$('#calendar-warning'), null, 'no warning once the year has data');
  // the one refusal (the notice of another year) is the only error the browser logged
  assert.deepEqual(d.errors.filter((e) => !/status of 422/.test(e)), []);
  assert.equal(d.errors.length, 1);
  await d.close();
});

test('the scheme editor previews the ranking as formulas change, shows a bad formula, saves a version', async () => {
  const d = await newPage(b, server);
  await login(d, 'admin');
  const token = await apiToken(server, 'admin');
  await d.goto(`${server.url}/#/admin/schemes?scheme=dongcheng-2016`);
  await settled(d);
  await d.waitForSelector('#scheme-preview tbody tr');
  const scores = () => d.$$eval('#scheme-preview tbody tr', (rows) => rows.map((r) => r.children[3].textContent).join(','));
  const before = await scores();

  const expr = d.locator('input[data-path="items[0].expr"]');
  await expr.fill('30 × (1 − 推诿率');
  await d.waitForSelector('#scheme-error:has-text("字符")');
  assert.match(await expr.getAttribute('class'), /bad/, 'the field with the error is marked');
  await expr.fill('0');
  await d.waitForFunction((b0) => {
    const rows = [...document.querySelectorAll('#scheme-preview tbody tr')];
    return rows.length && rows.map((r) => r.children[3].textContent).join(',') !== b0;
  }, before);
  assert.equal(await d.textContent('#scheme-error'), '');

  await d.click('#scheme-save');
  await d.waitForSelector('.toasts :text("新版本")');
  const saved = (await api(server, 'GET', '/assess/schemes/dongcheng-2016', { token })).json;
  assert.equal(saved.items[0].expr, '0');
  const list = (await api(server, 'GET', '/assess/schemes', { token })).json.schemes;
  assert.equal(list.find((s) => s.name === 'dongcheng-2016').stored, true);
  // the bad formula's refusals (one preview per pause in typing) are the only errors logged
  assert.deepEqual(d.errors.filter((e) => !/status of 422/.test(e)), []);
  await d.close();
});

test('the category tree opens folded and its search finds any depth under the parents', async () => {
  const d = await newPage(b, server);
  await login(d, 'admin');
  const token = await apiToken(server, 'admin');
  const all = (await api(server, 'GET', '/categories', { token })).json.items;
  assert.ok(all.length > 100, `the demo's category tree: ${all.length}`);
  await d.goto(`${server.url}/#/admin/categories`);
  await settled(d);
  await d.waitForSelector('#tree-filter');
  const top = all.filter((c) => !c.parent_id).length;
  assert.equal(await d.$$eval('.view tbody tr', (r) => r.length), top, 'first level only');
  // a deep match, with its parents
  const deep = all.find((c) => c.parent_id && all.find((p) => p.id === c.parent_id)?.parent_id);
  assert.ok(deep, 'a third-level category');
  await d.fill('#tree-filter', deep.name);
  await d.waitForFunction((n) => [...document.querySelectorAll('.view tbody tr')].some((r) => r.textContent.includes(n)), deep.name);
  const names = await d.$$eval('.view tbody tr td:first-child', (c) => c.map((x) => x.textContent.replace(/[▸▾└\s]/g, '')));
  const parent = all.find((p) => p.id === deep.parent_id);
  assert.ok(names.includes(parent.name), 'the parent is shown');
  assert.ok(names.includes(all.find((p) => p.id === parent.parent_id).name), 'and its parent');
  assert.match(await d.textContent('#tree-count'), /找到 \d+ 项/);
  assert.equal(await d.$$eval('.view tbody mark', (m) => m.length) >= 1, true, 'the match is marked');
  // unfolding by hand
  await d.fill('#tree-filter', '');
  await d.click('.view tbody tr:first-child .tree-toggle');
  assert.ok(await d.$$eval('.view tbody tr', (r) => r.length) > top);
  assert.deepEqual(d.errors, []);
  await d.close();
});
