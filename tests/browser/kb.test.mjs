// Browser test of the knowledge base (issue 11) in the web UI: a unit operator writes an entry
// and the unit leader submits it, a supervisor publishes it from the review queue, the call-taker
// finds it in the intake panel while typing the complaint, cites it ("引用答复"), answers
// directly with the entry's answer filled in (秒回), and the order page shows the citation with
// the entry's version. Runs a real `jiesu serve` over the demo district in headless chromium; a
// missing route or element fails the test (a selector that never appears times out).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing: a test fails, never skips

let server, b, admin;
const pages = [];
const entry = {}; // the entry the first test publishes

async function as(loginName) {
  const page = await newPage(b, server);
  pages.push(page);
  await login(page, loginName);
  return page;
}

async function visit(page, hash) {
  await page.goto(`${server.url}/${hash}`);
  await settled(page);
}

before(async () => {
  server = await startServer({ orders: 60 });
  b = await launch();
  admin = await apiToken(server, 'admin');
});

after(async () => {
  for (const p of pages) assert.deepEqual(p.errors, [], 'no console errors');
  if (b) await b.close();
  if (server) await server.stop();
});

test('a unit writes an entry, the platform publishes it, the call-taker answers citing it', async () => {
  const question = `共享单车乱停放占用盲道怎么处理？${Date.now() % 1000}`;
  const answer = '共享单车由运营企业负责日常调度和清理，占用盲道的车辆可拨打企业客服或由城管部门督促清理。';

  // The unit's operator writes a draft.
  const op = await as('op-s01');
  await visit(op, '#/kb');
  await op.click('#kb-new');
  await op.fill('.modal [data-field=question] input', question);
  await op.fill('.modal [data-field=answer] textarea', answer);
  await op.fill('.modal [data-field=basis] textarea', '《城市道路管理条例》；本区互联网租赁自行车管理办法');
  await op.fill('.modal [data-field=valid_to] input', '2030-12-31');
  await op.click('.modal button[type=submit]');
  await op.waitForFunction(() => /^#\/kb\/\d+$/.test(location.hash));
  const id = Number((await op.evaluate(() => location.hash)).split('/').pop());
  await op.waitForSelector('#kb-question');
  assert.equal((await op.textContent('#kb-question')).trim(), question);
  assert.equal(await op.$('[data-kb-action=submit]'), null, 'an operator does not submit');

  // The unit leader submits it for review.
  const lead = await as('lead-s01');
  await visit(lead, `#/kb/${id}`);
  await lead.click('[data-kb-action=submit]');
  await lead.waitForFunction(() => document.querySelector('.page-head .chip')?.textContent.includes('待审核'));

  // The supervisor finds it in the review queue and publishes it.
  const sup = await as('supervisor1');
  await visit(sup, '#/kb?tab=review');
  const row = `#kb-list tr:has(a[href="#/kb/${id}"])`;
  await sup.waitForSelector(row);
  await sup.click(`${row} [data-kb-action=approve]`);
  await sup.waitForFunction((sel) => !document.querySelector(sel), row);
  const pub = await api(server, 'GET', `/kb/${id}`, { token: admin });
  assert.equal(pub.json.status, 'published');
  Object.assign(entry, { id, question });

  // The call-taker types the complaint; the panel offers the entry; "引用答复".
  const agent = await as('agent1');
  await visit(agent, '#/intake');
  await agent.fill('#intake-form [data-field=title] input', '小区门口共享单车乱停放');
  await agent.fill('#intake-form [data-field=text] textarea', '小区门口共享单车乱停放，把盲道都占了，老人走路很不方便。');
  const hit = `#kb-panel li.kb-hit[data-id="${id}"]`;
  await agent.waitForSelector(hit);
  await agent.click(`${hit} button.kb-cite`);
  await agent.waitForSelector('#kb-picked');
  await agent.click('#intake-form button[type=submit]');
  await agent.waitForSelector('.result button[data-action=answer]');
  const number = (await agent.textContent('.result a.mono')).trim();
  await agent.click('.result button[data-action=answer]');
  assert.equal(await agent.inputValue('.modal [data-field=answer] textarea'), answer, 'the answer is filled from the entry');
  assert.equal(await agent.inputValue('.modal [data-field=kb_entry] select'), String(id));
  await agent.click('.modal button[type=submit]');
  await agent.waitForFunction(() => !document.querySelector('.modal-back'));
  const order = (await api(server, 'GET', `/orders/${number}`, { token: admin })).json;
  assert.equal(order.status === 'answered' || order.status === 4, true, `status ${order.status}`);
  const used = await api(server, 'GET', `/kb/${id}`, { token: admin });
  assert.equal(used.json.uses, 1, 'the citation is counted');

  // The order page shows the cited entry and its version.
  await visit(agent, `#/order/${order.id}`);
  await agent.waitForFunction((q) => document.querySelector('#order-kb-cite')?.textContent.includes(q), question);
  assert.match(await agent.textContent('#order-kb-cite'), /第1版/);
});

test('秒回: the call-taker registers and answers at once with the cited entry', async () => {
  assert.ok(entry.id, 'the first test published an entry');
  const agent = await as('agent1');
  await visit(agent, '#/intake');
  await agent.selectOption('#intake-form [data-field=type] select', 'consult');
  await agent.fill('#intake-form [data-field=title] input', '咨询共享单车占用盲道');
  await agent.fill('#intake-form [data-field=text] textarea', '共享单车停在盲道上，应该找谁处理？');
  const hit = `#kb-panel li.kb-hit[data-id="${entry.id}"]`;
  await agent.waitForSelector(hit);
  await agent.click(`${hit} button.kb-cite`);
  await agent.click('#kb-quick');
  await agent.waitForSelector('#kb-answered');
  const number = (await agent.textContent('.result a.mono')).trim();
  const order = (await api(server, 'GET', `/orders/${number}`, { token: admin })).json;
  const answered = order.timeline.find((ev) => (ev.args || {}).kb_entry === entry.id);
  assert.ok(answered, 'the answer cites the entry');
  const k = (await api(server, 'GET', `/kb/${entry.id}`, { token: admin })).json;
  assert.equal(order.reply_text, k.answer, 'the answer is the entry\'s');
  assert.equal(k.uses, 2);
});
