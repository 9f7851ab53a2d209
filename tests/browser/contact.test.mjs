// Browser test of issue 16 point 5: a unit that sees the caller's phone masked is not asked to
// 联系诉求人 as if it could call: the order page says the contact goes through the 12345 platform,
// the button reads 经平台联系诉求人 and its form explains the relay; when the order asks the unit
// to contact the caller (needs_contact), the number is shown in full, as a tel: link, in the page
// and in the form. Runs a real `jiesu serve` over the demo district in headless chromium.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { requireBrowser, startServer, launch, newPage, login, settled, api, apiToken } from './lib.mjs';

requireBrowser(); // throws when chromium is missing

let server, b, op, orders = {};
const PHONE = '13912345678';

/** An order taken in by agent1, filed and dispatched to unit s01, signed by its operator. */
async function dispatchedOrder(needsContact) {
  const agent = await apiToken(server, 'agent1');
  const disp = await apiToken(server, 'dispatcher1');
  const opTok = await apiToken(server, 'op-s01');
  const me = (await api(server, 'GET', '/me', { token: opTok })).json;
  const unitId = (me.user || me).unit_id;
  let r = await api(server, 'POST', '/orders', {
    token: agent,
    body: { channel: 'hotline-12345', type: 'complaint', title: needsContact ? '楼道堆物需上门核实' : '路灯不亮', text: '请尽快处理。', citizen_name: '王先生', citizen_phone: PHONE, needs_contact: needsContact, address: '城关街道测试路1号' },
  });
  assert.ok(r.status < 300, JSON.stringify(r.json));
  const id = (r.json.order || r.json).id;
  const step = async (token, action, args = {}) => {
    const o = (await api(server, 'GET', `/orders/${id}`, { token })).json;
    const res = await api(server, 'POST', `/orders/${id}/actions/${action}`, { token, body: { version: Number(o.version), ...args } });
    assert.ok(res.status < 300, `${action}: ${JSON.stringify(res.json)}`);
  };
  await step(agent, 'file');
  await step(disp, 'dispatch', { unit_id: unitId });
  await step(opTok, 'sign');
  return id;
}

before(async () => {
  server = await startServer({ orders: 40 });
  b = await launch();
  orders.masked = await dispatchedOrder(false);
  orders.contact = await dispatchedOrder(true);
  op = await newPage(b, server);
  await login(op, 'op-s01');
});
after(async () => {
  await b?.close();
  await server?.stop();
});

test('a masked phone: the contact goes through the platform', async () => {
  await op.goto(`${server.url}/#/order/${orders.masked}`);
  await settled(op);
  await op.waitForSelector('#order-actions');
  const page = await op.textContent('.view');
  assert.ok(!page.includes(PHONE), 'the unit does not see the number');
  assert.match(await op.textContent('#phone-relay'), /12345 平台转接/);
  const btn = op.locator('#order-actions button[data-action=contact]');
  assert.equal((await btn.textContent()).trim(), '经平台联系诉求人');
  await btn.click();
  await op.waitForSelector('.modal form');
  assert.match(await op.textContent('#contact-relay'), /已脱敏.*12345 平台/);
  assert.equal(await op.$('#contact-phone'), null);
  assert.match(await op.textContent('.modal h2'), /经平台联系诉求人/);
  await op.selectOption('.modal [data-field=method] select', 'phone');
  await op.fill('.modal [data-field=result] textarea', '经 12345 平台转接，已与诉求人约定处理时间。');
  await op.click('.modal button[type=submit]');
  await op.waitForSelector('.modal', { state: 'detached' });
  await settled(op);
  await op.waitForSelector('#timeline li[data-action=contact]');
  assert.deepEqual(op.errors, []);
});

test('needs_contact: the unit sees the number and calls it', async () => {
  await op.goto(`${server.url}/#/order/${orders.contact}`);
  await settled(op);
  await op.waitForSelector('#order-actions');
  assert.equal(await op.$('#phone-relay'), null);
  assert.equal(await op.getAttribute(`a[href="tel:${PHONE}"]`, 'href'), `tel:${PHONE}`);
  const btn = op.locator('#order-actions button[data-action=contact]');
  assert.equal((await btn.textContent()).trim(), '联系诉求人');
  await btn.click();
  await op.waitForSelector('.modal form');
  assert.match(await op.textContent('#contact-phone'), new RegExp(PHONE));
  assert.equal(await op.$('#contact-relay'), null);
  await op.keyboard.press('Escape');
  assert.deepEqual(op.errors, []);
});

// Issue 16 point 3: an approved hanging account (挂账) shows its mark, not an overdue count.
test('an approved 挂账 order shows the 挂账 mark in the lists', async () => {
  const opTok = await apiToken(server, 'op-s01');
  const sup = await apiToken(server, 'supervisor1');
  const id = orders.contact;
  const step = async (token, action, args) => {
    const o = (await api(server, 'GET', `/orders/${id}`, { token })).json;
    const r = await api(server, 'POST', `/orders/${id}/actions/${action}`, { token, body: { version: Number(o.version), ...args } });
    assert.ok(r.status < 300, `${action}: ${JSON.stringify(r.json)}`);
  };
  await step(opTok, 'hang_request', { scope: '楼道改造', plan: '纳入明年老旧小区改造计划', expected: '2030-06-30T18:00:00+08:00' });
  await step(sup, 'hang_decide', { approve: true });
  const number = (await api(server, 'GET', `/orders/${id}`, { token: sup })).json.number;
  await op.goto(`${server.url}/#/orders`);
  await settled(op);
  const row = op.locator(`tr:has(a:text-is("${number}"))`);
  await row.waitFor();
  assert.equal((await row.locator('.hang-cell .chip').textContent()).trim(), '挂账');
  assert.doesNotMatch(await row.textContent(), /超期/);
  assert.deepEqual(op.errors, []);
});
