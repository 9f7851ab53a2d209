// Browser test of the reports screen (issue 11): an administrator opens 报告, opens the demo's
// busiest issued 每日早报 and sees its figures and a drawn chart, issues (签发) yesterday's 早报
// from the screen, opens the print view (the server's printable page, Chinese dates) and
// downloads the XLSX; a unit operator sees only their own unit's monthly reports. Runs a real
// `jiesu serve` over the demo district (which issues past reports) in headless chromium; facts
// are looked up through the API, nothing is hard-coded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing: a test fails, never skips

let server, b, admin;
const pages = [];

async function as(loginName) {
  const page = await newPage(b, server);
  pages.push(page);
  await login(page, loginName);
  return page;
}

const get = async (p, token = admin) => {
  const r = await api(server, 'GET', p, { token });
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.json)}`);
  return r.json;
};

before(async () => {
  server = await startServer({ orders: 300 });
  b = await launch();
  admin = await apiToken(server, 'admin');
});

after(async () => {
  for (const p of pages) assert.deepEqual(p.errors, [], `console errors on a page`);
  if (b) await b.close();
  if (server) await server.stop();
});

test('an administrator opens a daily report, issues one, prints it and downloads the XLSX', async () => {
  // the demo's issued daily reports, and the busiest of them
  const dailies = (await get('/reports?kind=daily')).reports;
  assert.ok(dailies.length >= 7, 'the demo issues the last seven 早报');
  let best = null;
  for (const r of dailies) {
    const full = await get(`/reports/${r.id}`);
    const received = full.doc.figures.find((f) => f.id === 'received').value;
    if (!best || received > best.received) best = { ...full, received };
  }
  assert.ok(best.received > 0, 'some demo day had orders');

  const page = await as('admin');
  await page.click('#topbar nav a[data-nav="reports"]');
  await page.waitForFunction(() => location.hash.startsWith('#/reports'));
  await settled(page);
  await page.click('.tabs [data-tab="daily"]');
  await settled(page);
  await page.click(`a[data-report="${best.id}"]`);
  await page.waitForFunction((id) => location.hash === `#/reports/${id}`, best.id);
  await settled(page);
  assert.equal(await page.textContent('.view h1'), best.doc.title);
  assert.equal(await page.textContent('[data-figure="received"] b'), `${best.received}件`);
  assert.match(await page.textContent('[data-testid="report-line"]'), /签发于 \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  await page.waitForSelector('[data-chart="by_channel"] canvas'); // ECharts drew the channels
  const channelRows = await page.$$eval('[data-section="by_channel"] tbody tr', (trs) => trs.length);
  assert.equal(channelRows, best.doc.sections.find((s) => s.id === 'by_channel').rows.length);

  // download the XLSX
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-xlsx')]);
  const file = await download.path();
  assert.equal(readFileSync(file).subarray(0, 2).toString(), 'PK');
  assert.match(download.suggestedFilename(), /\.xlsx$/);

  // the print view
  await page.click('#report-print');
  await page.waitForSelector('.print-sheet article.report-doc h1');
  assert.equal(await page.textContent('.print-sheet h1'), best.doc.title);
  assert.match(await page.textContent('.print-sheet .issue'), /第 \d+ 版.*\d{4}年\d{1,2}月\d{1,2}日/);
  assert.ok(await page.$('.print-sheet table'), 'the print view holds the tables');
  assert.ok(await page.$('#print-now'), 'a print button');

  // issue yesterday's 早报 from the screen (a new edition of a period the demo issued)
  const kinds = (await get('/reports/kinds')).kinds;
  const daily = kinds.find((k) => k.kind === 'daily');
  const before = (await get(`/reports?kind=daily&period=${daily.due_period}`)).reports.length;
  await page.goto(`${server.url}/#/reports?kind=daily`);
  await settled(page);
  assert.equal(await page.inputValue('#report-period'), daily.due_period);
  await page.click('#report-issue');
  await page.waitForFunction(() => /^#\/reports\/\d+$/.test(location.hash));
  await settled(page);
  const after = (await get(`/reports?kind=daily&period=${daily.due_period}`)).reports;
  assert.equal(after.length, before + 1);
  assert.equal(await page.textContent('.view h1'), after[0].title);
  assert.match(await page.textContent('[data-testid="report-line"]'), new RegExp(`第 ${after[0].edition} 版`));
  assert.ok(await page.$('.report-figures .kpi'), 'figures shown');
});

test('a unit operator sees only their own unit\'s monthly reports', async () => {
  const users = await get('/users');
  const op = (users.users || users.items || users).find((u) => u.login.startsWith('op-s'));
  const page = await as(op.login);
  await page.click('#topbar nav a[data-nav="reports"]');
  await settled(page);
  const tabs = await page.$$eval('.tabs [data-tab]', (els) => els.map((e) => e.dataset.tab));
  assert.deepEqual(tabs, ['unit_monthly']);
  const titles = await page.$$eval('a[data-report]', (as) => as.map((a) => a.textContent));
  assert.ok(titles.length >= 1, 'the demo issued this unit\'s monthly reports');
  const own = (await get(`/reports?kind=unit_monthly&unit_id=${op.unit_id}&limit=100`)).reports.map((r) => r.title);
  assert.deepEqual(titles.sort(), own.sort());
  assert.equal(await page.$('#report-issue'), null, 'unit users do not issue');
});
