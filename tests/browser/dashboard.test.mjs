// Browser test of the dashboard (issue 16): a supervisor opens 监督看板 over the demo district; the
// page asks the server's aggregate endpoint (/api/v1/stats) and never the order list; its KPIs
// are the endpoint's figures; the satisfaction trend says how many callbacks each point rests
// on; clicking a bar of the status, category and daily charts, and the 已超期 KPI, opens the
// order list showing exactly that bar's count of orders. Facts come from the API, nothing is
// hard-coded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing: a test fails, never skips

let server, b, token;
const pages = [];

before(async () => {
  server = await startServer({ orders: 300 });
  b = await launch();
  token = await apiToken(server, 'supervisor1');
});

after(async () => {
  for (const p of pages) assert.deepEqual(p.errors, [], 'console errors on a page');
  if (b) await b.close();
  if (server) await server.stop();
});

const get = async (p) => {
  const r = await api(server, 'GET', p, { token });
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.json)}`);
  return r.json;
};

/** Opens the dashboard (90 days) and returns the page and the API paths it requested. */
async function openDashboard() {
  const page = await newPage(b, server, { width: 1920, height: 1080 });
  pages.push(page);
  await login(page, 'supervisor1');
  const requested = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) requested.push(u.pathname + u.search); });
  await page.goto(server.url + '/#/dashboard?days=90');
  await settled(page);
  await page.waitForSelector('#c-status canvas');
  await page.waitForSelector('#sat-samples');
  return { page, requested };
}

/** The order count the list screen shows ("已显示 N 件"), all of it on one page. */
async function listedCount(page) {
  await page.waitForFunction(() => location.hash.startsWith('#/orders'));
  await settled(page);
  await page.waitForFunction(() => /已显示 \d+ 件/.test(document.body.innerText));
  const text = await page.evaluate(() => document.body.innerText.match(/已显示 (\d+) 件(，还有更多)?/));
  assert.equal(text[2], undefined, 'the drill-down fits one page');
  return Number(text[1]);
}

/** Clicks the bar labelled label in the bar chart of element id (horizontal, or columns). */
async function clickBar(page, id, label, columns = false) {
  const at = await page.evaluate(([sel, lab, cols]) => {
    const el = document.querySelector(sel);
    const c = window.echarts.getInstanceByDom(el);
    const cats = (cols ? c.getOption().xAxis : c.getOption().yAxis)[0].data;
    const i = cats.indexOf(lab);
    const v = c.getOption().series[0].data[i];
    const [x, y] = c.convertToPixel({ seriesIndex: 0 }, cols ? [i, v / 2] : [v / 2, i]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y, i };
  }, ['#' + id, label, columns]);
  assert.ok(at.i >= 0, `no bar ${label} in ${id}`);
  await page.mouse.click(at.x, at.y);
}

test('the dashboard draws from the aggregate endpoint, not from the orders', async () => {
  const { page, requested } = await openDashboard();
  const stats = requested.filter((p) => p.startsWith('/api/v1/stats?'));
  for (const by of ['day', 'channel', 'type', 'category', 'street', 'unit', 'status', 'reopened', 'satisfaction', 'overdue']) {
    assert.ok(stats.some((p) => p.includes(`by=${by}&`)), `no /stats?by=${by} in ${stats.join(' ')}`);
  }
  assert.deepEqual(requested.filter((p) => p.startsWith('/api/v1/orders')), [], 'the dashboard read the order list');
  // the KPIs are the endpoint's figures
  const range = stats.find((p) => p.includes('by=status&')).split('&').filter((x) => /^(from|to)=/.test(x)).join('&');
  const byStatus = await get(`/stats?by=status&${range}`);
  const overdue = await get(`/stats?by=overdue&${range}`);
  const kpis = await page.$$eval('#dash-kpis .kpi', (els) => els.map((e) => [e.querySelector('span').textContent, e.querySelector('b').textContent]));
  assert.deepEqual(kpis[0], ['受理总量', String(byStatus.total)]);
  assert.deepEqual(kpis.find((k) => k[0] === '已超期'), ['已超期', String(overdue.total)]);
  // 三率 and all four hotspot kinds
  assert.equal(await page.$$eval('#dash-rates .kpi', (els) => els.length), 3);
  const kinds = (await get('/hotspots/topics')).kinds.map((k) => k.label);
  assert.equal(kinds.length, 4);
  const shown = await page.$$eval('#dash-hot-kinds .kpi span', (els) => els.map((e) => e.textContent));
  assert.deepEqual(shown, kinds);
  // every point of the satisfaction trend says its sample size
  const sat = await get(`/stats?by=satisfaction&per=week&${range}`);
  const note = await page.textContent('#sat-samples');
  for (const p of [...new Set(sat.items.map((i) => i.period))]) {
    const n = sat.items.filter((i) => i.period === p).reduce((s, i) => s + i.count, 0);
    assert.ok(note.includes(`${p.slice(5)}周`) && note.includes(`n=${n}`), `week ${p} n=${n} missing in ${note}`);
  }
  const labels = await page.evaluate(() => window.echarts.getInstanceByDom(document.querySelector('#c-sat')).getOption().xAxis[0].data);
  assert.ok(labels.length > 0 && labels.every((l) => /\nn=\d+$/.test(l)), labels.join(','));
});

test('a bar opens the order list with exactly its orders', async () => {
  const { page, requested } = await openDashboard();
  const range = requested.find((p) => p.includes('by=status&')).split('&').filter((x) => /^(from|to)=/.test(x)).join('&');
  // a status bar: the smallest one that is listable
  const byStatus = await get(`/stats?by=status&${range}`);
  const st = byStatus.items.filter((i) => i.query && i.count <= 50).sort((x, y) => x.count - y.count)[0];
  assert.ok(st, 'a status with few orders');
  await clickBar(page, 'c-status', st.label);
  assert.equal(await listedCount(page), st.count, `status ${st.label}`);
  assert.ok((await page.evaluate(() => location.hash)).includes(`status=${st.key}`));

  // a category bar
  await page.goBack();
  await settled(page);
  await page.waitForSelector('#c-cat canvas');
  const byCat = await get(`/stats?by=category&${range}`);
  const cat = byCat.items.filter((i) => i.query && i.count <= 50).sort((x, y) => y.count - x.count)[0];
  assert.ok(cat, 'a category with at most 50 orders');
  await clickBar(page, 'c-cat', cat.label);
  assert.equal(await listedCount(page), cat.count, `category ${cat.label}`);

  // a day's column, not the last day (a plain date as the list's "to" includes that day only)
  await page.goBack();
  await settled(page);
  await page.waitForSelector('#c-day canvas');
  const byDay = await get(`/stats?by=day&per=day&${range}`);
  const last = byDay.items[byDay.items.length - 1].period;
  const day = byDay.items.filter((i) => i.period !== last && i.count <= 50).sort((x, y) => y.count - x.count)[0];
  assert.ok(day, 'a day with at most 50 orders');
  await clickBar(page, 'c-day', day.period.slice(5), true);
  assert.equal(await listedCount(page), day.count, `day ${day.period}`);

  // the 已超期 KPI
  await page.goBack();
  await settled(page);
  await page.waitForSelector('#dash-kpis');
  const overdue = await get(`/stats?by=overdue&${range}`);
  assert.ok(overdue.total <= 50);
  await page.click('#dash-kpis .kpi-link:has-text("已超期")');
  assert.equal(await listedCount(page), overdue.total);
});
