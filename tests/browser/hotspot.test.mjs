// Browser test of hotspot early warning (issue 11) in the web UI: the admin edits a default
// topic on the topic screen (a refused value shows its Chinese reason at the field), runs a scan
// from the warnings screen, and a recipient (the district leader) finds the warning in the
// inbox with its evidence orders, acknowledges it (签收) and reports what was done (处置反馈);
// the dashboard lists it among the live warnings. Runs a real `jiesu serve` over the demo
// district in headless chromium; the three reports of one problem are taken in through the API
// as set-up, everything else is clicked. A missing route or element fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing: a test fails, never skips

let server, b, admin;
const pages = [];
const reports = [];

async function as(loginName) {
  const page = await newPage(b, server);
  page.who = loginName;
  pages.push(page);
  await login(page, loginName);
  return page;
}

async function visit(page, hash) {
  await page.goto(`${server.url}/${hash}`);
  await settled(page);
}

const get = async (p, token = admin) => {
  const r = await api(server, 'GET', p, { token });
  assert.equal(r.status, 200, `GET ${p}: ${JSON.stringify(r.json)}`);
  return r.json;
};

before(async () => {
  server = await startServer({ orders: 120 });
  b = await launch();
  admin = await apiToken(server, 'admin');
  const agent = await apiToken(server, 'agent1');
  // three citizens report the same missing manhole cover in one community
  const community = (await get('/regions')).items.find((r) => r.level === 'community');
  const category = (await get('/categories')).items.find((c) => c.level === 3);
  const people = [['刘先生', '13811110001'], ['陈女士', '13922220002'], ['黄先生', '13733330003']];
  for (const [name, phone] of people) {
    const r = await api(server, 'POST', '/orders', {
      token: agent,
      body: {
        channel: 'hotline-12345', type: 'complaint', title: `${community.name}社区门口井盖缺失`,
        text: '小区门口道路上的井盖丢失多日，夜间行人容易掉落，非常危险。', citizen_name: name,
        citizen_phone: phone, address: `${community.name}社区东门`, category_id: category.id, region_id: community.id,
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    reports.push(r.json.order);
  }
});

after(async () => {
  for (const p of pages) await p.close().catch(() => {});
  if (b) await b.close();
  if (server) await server.stop();
});

test('the admin edits a topic; a refused value is shown at its field', async () => {
  const topics = (await get('/hotspots/topics')).items;
  assert.ok(topics.length >= 11, 'the demo seeds the default topics');
  const ad = await as('admin');
  await visit(ad, '#/topics');
  await ad.waitForSelector('[data-topic="安全生产"]');
  await ad.click('tr:has([data-topic="安全生产"])');
  await ad.waitForSelector('.modal form');
  const kw = ad.locator('.modal .field[data-field="keywords"] input');
  const words = await kw.inputValue();
  assert.ok(!words.includes('井盖'));
  await kw.fill(words + ' 井盖');
  // a threshold of one is refused, with the reason at the field
  await ad.fill('.modal .field[data-field="threshold"] input', '1');
  await ad.click('.modal button[type=submit]');
  await ad.waitForSelector('.modal .field[data-field="threshold"].invalid');
  assert.match(await ad.textContent('.modal .field[data-field="threshold"] .err'), /阈值/);
  await ad.fill('.modal .field[data-field="threshold"] input', '8');
  await ad.fill('.modal .field[data-field="citizens_min"] input', '3');
  await ad.click('.modal button[type=submit]');
  await ad.waitForFunction(() => !document.querySelector('.modal'));
  const t = (await get('/hotspots/topics')).items.find((x) => x.name === '安全生产');
  assert.ok(t.keywords.includes('井盖'), JSON.stringify(t.keywords));
  assert.equal(t.citizens_min, 3);
  assert.equal(t.threshold, 8);
  assert.deepEqual(t.recipients.roles, ['leader']);
});

test('a scan raises the warning; the leader acknowledges it and reports back', async () => {
  const ad = pages.find((p) => p.who === 'admin');
  await visit(ad, '#/warnings');
  await ad.click('#hotspot-scan');
  await ad.waitForSelector('.toast:has-text("扫描完成")');
  const list = (await get('/hotspots/warnings?state=open')).items;
  const w = list.find((x) => x.topic_name === '安全生产' && x.rule === 'citizens');
  assert.ok(w, JSON.stringify(list.map((x) => x.title)));
  assert.equal(w.citizens, 3, JSON.stringify(w));

  const lead = await as('leader1');
  await lead.click('nav a[data-nav="warnings"]');
  await settled(lead);
  await lead.waitForSelector(`a[data-warning="${w.id}"]`);
  await lead.click(`a[data-warning="${w.id}"]`);
  await settled(lead);
  await lead.waitForSelector('h2:has-text("证据工单")');
  // the evidence: the three reports, each a link to its order
  for (const o of reports) await lead.waitForSelector(`a[href="#/order/${o.id}"]:has-text("${o.number}")`);
  assert.match(await lead.textContent('.view'), /多人反映同一问题/);
  assert.doesNotMatch(await lead.textContent('.view'), /\d{4}-\d{2}-\d{2}T/); // no raw ISO times
  await lead.click('#warning-ack');
  await lead.waitForSelector('#warning-notes li[data-kind="ack"]');
  await lead.fill('#warning-follow-up textarea', '已责成属地街道和区城管委当日补装井盖，并设置警示标志。');
  await lead.click('#warning-follow-up button[type=submit]');
  await lead.waitForSelector('#warning-notes li[data-kind="follow_up"]');
  const after = await get('/hotspots/warnings/' + w.id);
  assert.equal(after.state, 'acked');
  assert.deepEqual(after.notes.map((n) => n.kind), ['ack', 'follow_up']);
  assert.match(after.notes[1].text, /补装井盖/);
  // no second ack button once acknowledged
  assert.equal(await lead.locator('#warning-ack').count(), 0);
  // the leader's dashboard lists it among the live warnings
  await visit(lead, '#/dashboard');
  await lead.waitForSelector(`a[href="#/warnings/${w.id}"]`);
});

test('no console errors on any page', async () => {
  // the refused threshold (422) is the one expected error
  const errors = pages.flatMap((p) => p.errors.filter((e) => !(p.who === 'admin' && /status of 422/.test(e))).map((e) => `${p.who}: ${e}`));
  assert.deepEqual(errors, []);
});
