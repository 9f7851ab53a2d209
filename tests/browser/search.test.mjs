// Browser test of issue 9 in the web UI: the top bar's search (order number, phone tail, a
// two-character word inside longer words, a unit operator's search by a citizen's name), the
// intake form's caller history, duplicates (registering a call as a duplicate of an open demo
// order) and suggestions, the dispatch form's suggested units, the order page's possible
// duplicates, and the admin's synonym editor. Runs a real `jiesu serve` over the demo district in
// headless chromium; every demo fact is looked up through the API, no ids are hard-coded. A
// missing route or element fails the test (a selector that never appears times out).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing: a test fails, never skips

let server, b, admin;
const pages = [];
const demo = {}; // facts looked up in before()
const CLOSED = ['closed', 'archived', 'not_filed', 'merged'];

async function as(loginName) {
  const page = await newPage(b, server);
  page.who = loginName;
  pages.push(page);
  await login(page, loginName);
  return page;
}

async function visit(page, hash) {
  const url = `${server.url}/${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await settled(page);
}

/** Types q into the top bar's search box (focused with "/"), presses Enter, waits for results. */
async function topSearch(page, q) {
  await page.evaluate(() => document.activeElement?.blur()); // nothing focused
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'global-search', '"/" focuses the search box');
  await page.keyboard.type(q);
  await page.keyboard.press('Enter');
  await page.waitForFunction((want) => location.hash.startsWith('#/search?') && new URLSearchParams(location.hash.split('?')[1]).get('q') === want, q);
  await settled(page);
  await page.waitForSelector('#search-results table.grid, #search-results #search-empty');
}

/** Order numbers listed on the search page, with their match badge text. */
async function listed(page) {
  return page.$$eval('#search-results tbody tr', (trs) => trs.map((tr) => ({
    number: tr.querySelector('a.mono')?.textContent.trim(), match: tr.querySelector('.match')?.textContent.trim() || '',
  })));
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
  demo.agent = await apiToken(server, 'agent1');
  const all = (await get('/orders?limit=200&sort=created_desc')).items;
  const details = [];
  for (const o of all) details.push(await get('/orders/' + o.id));
  const withPhone = details.filter((o) => !o.anonymous && /^\d{11}$/.test(o.citizen_phone || '') && o.citizen_name);
  assert.ok(withPhone.length > 10, 'demo orders carry callers');
  demo.caller = withPhone[0];
  // An open order (not closed, archived, not filed or merged) that a reworded copy of it finds
  // among the duplicates: the one the intake test registers a duplicate of.
  for (const o of withPhone.filter((x) => !CLOSED.includes(x.status) && x.text.length > 40)) {
    const copy = reworded(o);
    const r = await api(server, 'POST', '/duplicates', { token: demo.agent, body: { ...copy, region_id: o.region_id || undefined } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    if (r.json.items.some((d) => d.order.id === o.id)) { demo.open = o; demo.copy = copy; break; }
  }
  assert.ok(demo.open, 'some open demo order is found by a reworded copy of it');
  // A citizen whose order is held by a unit, and an operator of a unit that never held it.
  const units = (await get('/units')).items;
  demo.held = withPhone.find((o) => (o.units || []).some((a) => a.active));
  const holders = new Set(demo.held.units.map((a) => a.unit_id));
  demo.otherUnit = units.find((u) => u.active && !holders.has(u.id) && u.kind === 'street');
  assert.ok(demo.held && demo.otherUnit);
  // A word of two characters that the demo's texts hold only inside longer words.
  demo.word = '停车';
});

/** A reworded copy of order o: other title, the text shortened and rephrased, same caller. */
function reworded(o) {
  const t = o.text.replace(/\s+/g, '');
  return {
    title: `再次反映：${o.title.slice(0, 18)}`,
    text: `我之前打过电话，问题还没解决。${t.slice(Math.min(12, Math.floor(t.length / 5)), 160)}请尽快处理。`,
    address: o.address || '',
    citizen_phone: o.citizen_phone,
    citizen_name: o.citizen_name,
  };
}

after(async () => {
  for (const p of pages) if (!p.isClosed()) await p.close();
  if (b) await b.close();
  if (server) await server.stop();
});

test('the top bar search finds an order by its number and by a phone tail', async () => {
  const agent = await as('agent1');
  assert.ok(await agent.isVisible('#topbar #global-search'), 'every screen has the search box');
  const o = demo.caller;
  await topSearch(agent, o.number);
  let rows = await listed(agent);
  assert.equal(rows[0]?.number, o.number, 'the whole number ranks first');
  assert.match(rows[0].match, /工单编号/);
  assert.doesNotMatch(rows[0].match, /部分/);
  // Each row shows the status chip and a Chinese time, never raw ISO.
  const text = await agent.textContent('#search-results tbody tr');
  assert.match(text, /\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}/);
  assert.doesNotMatch(text, /T\d{2}:\d{2}|\+08:00/);
  assert.ok(await agent.isVisible('#search-results tbody tr .chip'));

  // Ctrl+K focuses the box from anywhere, even from another field.
  await visit(agent, '#/orders');
  await agent.focus('#q-q');
  await agent.keyboard.press('Control+k');
  assert.equal(await agent.evaluate(() => document.activeElement?.id), 'global-search');

  const tail = o.citizen_phone.slice(-4);
  await topSearch(agent, tail);
  rows = await listed(agent);
  const hit = rows.find((r) => r.number === o.number);
  assert.ok(hit, `the phone tail ${tail} finds ${o.number}: ${JSON.stringify(rows.slice(0, 5))}`);
  assert.match(hit.match, /电话|号码/);
  assert.match(hit.match, /部分/, 'a tail is a partial match');
  // The row opens the order.
  await agent.click(`#search-results tr:has(a:text-is("${o.number}")) td:nth-child(4)`);
  await agent.waitForSelector('#order-number');
  assert.equal((await agent.textContent('#order-number')).trim(), o.number);

  // Nothing found: a clear empty state.
  await topSearch(agent, '甲乙丙丁戊己庚辛壬癸子丑');
  assert.equal((await agent.textContent('#search-empty')).trim(), '没有找到工单');

  // The 工单查询 screen's keyword field still searches (words of the orders' text).
  const first = (await get(`/orders?q=${encodeURIComponent(demo.word)}&limit=50`, demo.agent)).items[0];
  assert.ok(first, `/orders?q=${demo.word} finds orders`);
  await visit(agent, '#/orders');
  await agent.fill('#q-q', demo.word);
  await agent.press('#q-q', 'Enter');
  await agent.waitForSelector(`#main tr:has(a:text-is("${first.number}"))`);
});

test('a two-character word finds orders that hold it inside a longer word', async () => {
  const agent = await as('agent1');
  await topSearch(agent, demo.word);
  const rows = await listed(agent);
  assert.ok(rows.length >= 1, `${demo.word} finds orders`);
  let inside = 0;
  for (const r of rows.slice(0, 15)) {
    const o = await get('/orders/' + r.number);
    if (new RegExp(`${demo.word}[\\u4e00-\\u9fff]|[\\u4e00-\\u9fff]${demo.word}`).test(o.title + o.text)) inside++;
  }
  assert.ok(inside >= 1, `some result holds ${demo.word} inside a longer word (停车场, 停车费…)`);
  // Paging: more results load with the cursor when there are more.
  if (await agent.isVisible('#search-more')) {
    const before = rows.length;
    await agent.click('#search-more');
    await agent.waitForFunction((n) => document.querySelectorAll('#search-results tbody tr').length > n, before);
  }
});

test('a unit operator searching a citizen\'s name sees nothing of other units', async () => {
  const op = await as(`op-${demo.otherUnit.code}`);
  await topSearch(op, demo.held.citizen_name);
  const rows = await listed(op);
  assert.ok(!rows.some((r) => r.number === demo.held.number), `${demo.held.number} of another unit is not listed`);
  const opTok = await apiToken(server, `op-${demo.otherUnit.code}`);
  for (const r of rows) {
    const o = await api(server, 'GET', '/orders/' + r.number, { token: opTok });
    assert.equal(o.status, 200, `${r.number} listed to op-${demo.otherUnit.code} belongs to the unit`);
  }
  assert.ok(!(await op.textContent('#main')).includes(demo.held.citizen_phone));
});

async function intake(page) {
  await visit(page, '#/intake');
  await page.waitForSelector('#intake-form');
}

test('intake shows the caller\'s history once the phone has 7 digits', async () => {
  const agent = await as('agent1');
  await intake(agent);
  const o = demo.caller;
  const hist = (await get(`/citizens/history?phone=${o.citizen_phone}&limit=50`, demo.agent)).items;
  assert.ok(hist.some((x) => x.id === o.id));
  await agent.keyboard.press('Alt+p');
  await agent.keyboard.type(o.citizen_phone.slice(0, 6));
  await agent.waitForTimeout(700);
  assert.equal(await agent.locator('#caller-history li').count(), 0, 'no lookup below 7 digits');
  await agent.keyboard.type(o.citizen_phone.slice(6));
  const item = `#caller-history li[data-id="${o.id}"]`;
  await agent.waitForSelector(item);
  const t = await agent.textContent(item);
  assert.ok(t.includes(o.number) && t.includes(o.title.slice(0, 8)), t);
  assert.match(t, /\d{4}年\d{2}月\d{2}日/);
  assert.ok(await agent.isVisible(`${item} .chip`));
  // A new caller: 首次来电.
  await agent.fill('#intake-form [data-field=citizen_phone] input', '19900001234');
  await agent.waitForSelector('#caller-history #first-call');
  assert.equal((await agent.textContent('#first-call')).trim(), '首次来电');
});

test('a reworded repeat call is registered as the duplicate of the open order', async () => {
  const agent = await as('agent1');
  await intake(agent);
  const o = demo.open, c = demo.copy;
  await agent.keyboard.press('Alt+p');
  await agent.keyboard.type(c.citizen_phone);
  await agent.keyboard.press('Alt+n');
  await agent.keyboard.type(c.citizen_name);
  await agent.keyboard.press('Alt+b');
  await agent.keyboard.type(c.title);
  await agent.fill('#intake-form [data-field=text] textarea', c.text);
  await agent.fill('#intake-form [data-field=address] input', c.address);
  const cand = `#duplicates li[data-id="${o.id}"]`;
  await agent.waitForSelector(cand);
  const t = await agent.textContent(cand);
  assert.ok(t.includes(o.number), t);
  assert.match(await agent.textContent(`${cand} .score`), /^\d{1,3}%$/);
  assert.ok(await agent.locator(`${cand} .tag`).count() >= 1, 'the reasons are shown as tags');
  assert.match(await agent.textContent(`${cand} .tags`), /同一来电人/);
  assert.ok(await agent.isVisible(`${cand} .chip`));
  // Closed candidates cannot take a duplicate; the open one can.
  const states = await agent.$$eval('#duplicates li', (lis) => lis.map((li) => ({ closed: /已办结|已归档|不予立案|已并案/.test(li.querySelector('.chip').textContent), disabled: li.querySelector('button').disabled })));
  for (const s of states) assert.equal(s.disabled, s.closed, JSON.stringify(states));
  await agent.click(`${cand} button:text("作为重复诉求登记")`);
  await agent.waitForSelector('#dup-result');
  const number = (await agent.textContent('.result a.mono.big')).trim();
  assert.match(number, /^\d{13}$/);
  const made = await get('/orders/' + number);
  assert.equal(made.status, 'not_filed');
  assert.equal(made.not_filed_reason, 'duplicate');
  assert.equal(made.duplicate_of, o.id);
  assert.equal(made.title, c.title);
  const ev = made.timeline.find((e) => e.action === 'not_file');
  assert.ok(ev && JSON.stringify(ev.args).includes(o.number), 'the explanation names the earlier order');
  assert.match(await agent.textContent('.result'), /不予立案/);
  // The form was emptied for the next call, its panels reset.
  assert.equal(await agent.inputValue('#intake-form [data-field=title] input'), '');
  assert.equal(await agent.locator('#duplicates li').count(), 0);
});

test('the suggestion panel offers three categories and fills the chosen one', async () => {
  const agent = await as('agent1');
  await intake(agent);
  const o = demo.open;
  await agent.keyboard.press('Alt+b');
  await agent.keyboard.type(o.title);
  await agent.fill('#intake-form [data-field=text] textarea', o.text.slice(0, 200));
  await agent.waitForFunction(() => document.querySelectorAll('#suggestions button.suggest-cat').length === 3);
  const cats = await agent.$$eval('#suggestions button.suggest-cat', (bs) => bs.map((x) => ({ id: x.dataset.id, pct: x.querySelector('.pct').textContent })));
  for (const c of cats) assert.match(c.pct, /^\d{1,3}%$/);
  const units = await agent.$$eval('#suggestions .suggest-units li', (lis) => lis.map((li) => li.textContent));
  assert.ok(units.length >= 1 && units.length <= 3, JSON.stringify(units));
  for (const u of units) assert.match(u, /(目录|模型)\d{1,3}%$/);
  if (units.some((u) => /目录/.test(u))) assert.match(units[0], /目录/, 'the catalogue\'s unit comes first');
  await agent.click('#suggestions button.suggest-cat >> nth=1');
  assert.equal(await agent.inputValue('#intake-form [data-field=category_id] input[type=hidden]'), cats[1].id);
  const cat = (await get('/categories')).items.find((x) => String(x.id) === cats[1].id);
  assert.match(await agent.inputValue('#intake-form [data-field=category_id] input.picker-input'), new RegExp(cat.name));
  // Alt+S takes the first.
  await agent.focus('#intake-form [data-field=title] input');
  await agent.keyboard.press('Alt+s');
  assert.equal(await agent.inputValue('#intake-form [data-field=category_id] input[type=hidden]'), cats[0].id);
});

test('the dispatch form suggests units and the order page lists possible duplicates', async () => {
  const d = await as('dispatcher1');
  const agentTok = demo.agent;
  const src = demo.open;
  const made = await api(server, 'POST', '/orders', { token: agentTok, body: { channel: 'web', type: 'complaint', title: src.title, text: src.text, address: src.address || '本区', region_id: src.region_id || undefined, category_id: src.category_id || undefined } });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const o = made.json.order;
  const f = await api(server, 'POST', `/orders/${o.id}/actions/file`, { token: agentTok, body: { version: o.version } });
  assert.equal(f.status, 200, JSON.stringify(f.json));
  await visit(d, `#/order/${o.id}`);
  await d.waitForSelector('#order-duplicates table.grid');
  assert.ok(await d.isVisible(`#order-duplicates tr:has(a:text-is("${src.number}"))`), 'the order it copies is a possible duplicate');
  assert.match(await d.textContent('#order-duplicates tbody'), /\d{1,3}%/);
  await d.click('button[data-action=dispatch]');
  await d.waitForSelector('.modal #dispatch-suggest button.suggest-unit');
  const btn = d.locator('.modal #dispatch-suggest button.suggest-unit').last();
  const name = (await btn.textContent()).replace(/(目录|模型).*$/, '').trim();
  assert.match(await btn.textContent(), /\d{1,3}%/);
  await btn.click();
  assert.match(await d.inputValue('.modal [data-field=unit_id] input.picker-input'), new RegExp(name));
  await d.click('.modal button:text("取消")');
  // A unit operator's order page has no such section.
  const holder = demo.held.units.find((a) => a.active);
  const code = (await get('/units')).items.find((u) => u.id === holder.unit_id).code;
  const op = await as(`op-${code}`);
  await visit(op, `#/order/${demo.held.id}`);
  await op.waitForSelector('#timeline');
  assert.equal(await op.locator('#order-duplicates').count(), 0);
});

test('the admin edits the synonym groups', async () => {
  const ad = await as('admin');
  await visit(ad, '#/admin/synonyms');
  await ad.waitForSelector('#synonym-groups .syn-row');
  const before = (await get('/synonyms')).groups.length;
  assert.equal(await ad.locator('#synonym-groups .syn-row').count(), before);
  // A group of one word is refused with a Chinese message naming it.
  await ad.click('#add-synonym');
  await ad.keyboard.type('井盖');
  await ad.click('#save-synonyms');
  await ad.waitForSelector('#synonym-error:not(:empty)');
  assert.match(await ad.textContent('#synonym-error'), new RegExp(`第\\s*${before + 1}\\s*组`));
  assert.equal(await ad.locator('.syn-row.invalid').count(), 1);
  // Completed, it saves; a reload shows it.
  await ad.fill('.syn-row.invalid input', '井盖 窨井盖 检查井');
  await ad.click('#save-synonyms');
  await ad.waitForFunction(() => document.querySelector('#synonym-error')?.textContent === '' && !document.querySelector('.syn-row.invalid'));
  for (let i = 0; i < 50 && (await get('/synonyms')).groups.length !== before + 1; i++) await ad.waitForTimeout(100);
  const saved = await get('/synonyms');
  assert.equal(saved.custom, true);
  assert.deepEqual(saved.groups.at(-1), ['井盖', '窨井盖', '检查井']);
  await ad.reload();
  await settled(ad);
  await ad.waitForSelector('#synonym-groups .syn-row');
  const values = await ad.$$eval('#synonym-groups input', (is) => is.map((i) => i.value));
  assert.ok(values.includes('井盖 窨井盖 检查井'), JSON.stringify(values.slice(-3)));
  // Removing a group and saving drops it.
  await ad.click('.syn-row:has(input[value="井盖 窨井盖 检查井"]) button:text("删除")');
  await ad.click('#save-synonyms');
  for (let i = 0; i < 50 && (await get('/synonyms')).groups.length !== before; i++) await ad.waitForTimeout(100);
  assert.equal((await get('/synonyms')).groups.length, before);
});

test('no console errors on any page', async () => {
  // The refused one-word synonym group (422) is the one expected error.
  const errors = pages.flatMap((p) => p.errors.filter((e) => !(p.who === 'admin' && /status of 422/.test(e))).map((e) => `${p.who}: ${e}`));
  assert.deepEqual(errors, []);
});
